"""Tiny release-format datasets written on the fly, for tests (ours and other packages').

The real release carries no licence, so tests never copy it: they build a few-clip release with the
same file names and columns, optionally spoiled (missing columns, BOM, CRLF, ...) to test readers.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bgs_hf.data.build import RATING_ATTRS
from bgs_hf.data.release import ANNOTATIONS, CAPTIONS, MAPPING, TRIPLETS, VIDEOS

#: environment variable that points tests at the paper's real release.
RELEASE_ENV = "BGS_RELEASE_DIR"


def release_dir() -> Path:
    """The real release for ``release``-marked tests: ``$BGS_RELEASE_DIR`` or ``../shared/data/...``
    next to the repository (it has no licence, so it is never inside the repo)."""
    default = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "garcia-isik-release"
    return Path(os.environ.get(RELEASE_ENV, default))


def release_available() -> bool:
    return (release_dir() / "data").is_dir()


@dataclass
class ReleaseTables:
    """The four release CSVs as DataFrames (string-formatted on write)."""

    mapping: pd.DataFrame
    annotations: pd.DataFrame
    captions: pd.DataFrame
    triplets: pd.DataFrame


def tiny_release_tables(
    n_clips: int = 12,
    n_test: int = 4,
    n_participants: int = 6,
    trials_per_participant: int = 20,
    catch_every: int = 10,
    seed: int = 0,
) -> ReleaseTables:
    """A consistent random release: clips 0..n_test-1 are ``test``; one catch trial every ``catch_every``.

    Choices follow a 1-D latent feature (the clip farthest from the other two is odd, with 20% noise), so
    human similarity has structure and split-half ceilings are positive.
    """
    rng = np.random.default_rng(seed)
    names = [f"clip_{i:03d}.mp4" for i in range(n_clips)]
    mapping = pd.DataFrame({"index": np.arange(n_clips), "video_name": names})
    ann = pd.DataFrame({"video_name": names})
    for attr in RATING_ATTRS:
        ann[f"rating-{attr}"] = np.round(rng.random(n_clips), 4)
    ann["stimulus_set"] = ["test" if i < n_test else "train" for i in range(n_clips)]
    ann["captions"] = [repr([f"Two people in clip {i}.", f"Clip {i}'s second caption"]) for i in range(n_clips)]
    caps = pd.DataFrame(
        [(n, k, f"caption {k} of {n}") for n in names for k in (1, 2)],
        columns=["video_name", "caption_index", "caption"],
    )
    latent = rng.normal(size=n_clips)
    rows = []
    for p in range(n_participants):
        for t in range(trials_per_participant):
            trip = rng.choice(n_clips, size=3, replace=False)
            if catch_every and t % catch_every == catch_every - 1:
                trip[2] = trip[0]
            x = latent[trip]
            far = np.abs(x - np.median(x))
            odd = int(np.argmax(far)) if rng.random() > 0.2 else int(rng.integers(3))
            rows.append(
                (f"part-{p}", f"set{1 + t // 7}", t, *map(int, trip), int(trip[odd]),
                 round(float(rng.uniform(1, 9)), 3), False, f"p{p}", 1000.0 + p)
            )
    triplets = pd.DataFrame(
        rows,
        columns=["participation", "task", "trial", "stim1_name", "stim2_name", "stim3_name", "choice",
                 "response_time", "catch_trial_flag", "token", "survey_code"],
    )
    return ReleaseTables(mapping=mapping, annotations=ann, captions=caps, triplets=triplets)


def write_release(
    tables: ReleaseTables,
    root: str | Path,
    *,
    bom: bool = False,
    crlf: bool = False,
    videos: dict[str, bytes] | None = None,
) -> Path:
    """Write ``tables`` in the release layout under ``root/data``; returns ``root``."""
    data = Path(root) / "data"
    files = {
        TRIPLETS: tables.triplets,
        MAPPING: tables.mapping,
        ANNOTATIONS: tables.annotations,
        CAPTIONS: tables.captions,
    }
    for rel, df in files.items():
        if df is None:
            continue
        path = data / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = df.to_csv(index=False, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    for name, payload in (videos or {}).items():
        vpath = data / VIDEOS / name
        vpath.parent.mkdir(parents=True, exist_ok=True)
        vpath.write_bytes(payload)
    return Path(root)
