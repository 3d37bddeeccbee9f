"""The bad-input corpus: every case is *written at test time* into a folder the test owns (no binaries in git).

Three kinds of case, each with the behaviour bgs-hf promises (see docs/RELIABILITY.md):

- :data:`VIDEO_CASES`: single files. ``expect="error"`` must raise one ``BGSInputError`` line naming the
  file; ``expect="decodes"`` (10-bit, odd sizes, rotation, VFR, too few frames) must decode.
- release-format spoilers (:func:`spoil_release`): one problem each in the paper's CSV layout.
- :func:`messy_release` / :func:`messy_hub`: ONE dataset folder holding many problems at once, returned
  with the list of problems ``bgs-hf data validate`` must print (and what it must NOT print).

Videos come from ``tests/media/clips.py`` (the shared deterministic test clips), so nothing here is a copy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bgs_hf.data.release import VIDEOS
from bgs_hf.data.testing import ReleaseTables, tiny_release_tables, write_release

try:
    from tests.media import clips as media
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from media import clips as media  # type: ignore[no-redef]


# ---------------------------------------------------------------------------------------------- videos
@dataclass(frozen=True)
class VideoCase:
    """``write(path) -> path`` makes the file; ``expect`` is ``"error"`` or ``"decodes"``; ``match`` a regex
    the error must contain; ``suffix`` the file extension the case needs."""

    write: Callable[[Path], Path]
    expect: str
    match: str = ""
    suffix: str = ".mp4"


def _zero_byte(p: Path) -> Path:
    p.write_bytes(b"")
    return p


def _truncated(p: Path) -> Path:
    src = media.write_barcode_clip(p.with_name(f".src-{p.name}"), 30)
    out = media.truncated_copy(src, p, 0.5)
    src.unlink()
    return out


def _ten_bit(p: Path) -> Path:
    return media.write_barcode_clip(p, 12, codec="libx264", pix_fmt="yuv420p10le")


VIDEO_CASES: dict[str, VideoCase] = {
    "zero_byte": VideoCase(_zero_byte, "error", "empty"),
    "truncated": VideoCase(_truncated, "error", "corrupt|truncated|not a readable"),
    "non_video": VideoCase(media.write_text_as_video, "error", "corrupt|not a readable|no video"),
    "audio_only": VideoCase(media.write_audio_only, "error", "no video stream"),
    "ten_bit": VideoCase(_ten_bit, "decodes"),
    "odd_dimensions": VideoCase(lambda p: media.write_barcode_clip(p, 12, height=47, width=63, codec="mpeg4"),
                                "decodes", suffix=".avi"),
    "rotated": VideoCase(lambda p: media.write_corner_clip(p, rotation=90), "decodes"),
    "variable_frame_rate": VideoCase(
        lambda p: media.write_barcode_clip(p, 8, times_s=[0.0, 0.1, 0.2, 1.0, 1.02, 1.04, 1.06, 2.5]), "decodes"),
    "fewer_frames_than_requested": VideoCase(lambda p: media.write_barcode_clip(p, 2), "decodes"),
}
BAD_VIDEOS = tuple(k for k, c in VIDEO_CASES.items() if c.expect == "error")
ODD_BUT_VALID_VIDEOS = tuple(k for k, c in VIDEO_CASES.items() if c.expect == "decodes")


def write_video_case(name: str, folder: Path, stem: str | None = None) -> Path:
    """Write case ``name`` as ``folder/<stem or name><suffix>``."""
    case = VIDEO_CASES[name]
    folder.mkdir(parents=True, exist_ok=True)
    return case.write(folder / f"{stem or name}{case.suffix}")


# ---------------------------------------------------------------------------------------------- CSV release
def _set(df: pd.DataFrame, row: int, col: str, value: object) -> pd.DataFrame:
    df = df.astype({col: object})
    df.loc[row, col] = value
    return df


def outside_clip(triplets: pd.DataFrame, row: int) -> int:
    """The smallest clip index that is not part of the triplet at ``row`` (headers may be padded)."""
    cols = [c for c in triplets.columns if c.strip() in ("stim1_name", "stim2_name", "stim3_name")]
    inside = {int(v) for v in triplets.loc[row, cols]}
    return min(set(range(len(inside) + 1)) - inside)


def rename_clip(t: ReleaseTables, i: int, new: str) -> None:
    """Rename clip ``i`` in every table (a video case that needs another extension)."""
    for df in (t.mapping, t.annotations, t.captions):
        col = next(c for c in df.columns if c.strip() == "video_name")
        if df is t.mapping:
            old = df.loc[i, col]
        df.loc[df[col] == old, col] = new


#: release spoilers: name -> (spoil(tables) -> None, regex of the one-line error ``load`` must raise).
RELEASE_SPOILERS: dict[str, tuple[Callable[[ReleaseTables], None], str]] = {
    "missing_column": (lambda t: setattr(t, "triplets", t.triplets.drop(columns=["choice"])),
                       r"^all_triplets\.csv: column 'choice' missing"),
    "unknown_clip": (lambda t: setattr(t, "triplets", _set(t.triplets, 4, "stim2_name", 99)),
                     r"^all_triplets\.csv row 5: column 'stim2_name': unknown clip index 99"),
    "choice_outside_triplet": (
        lambda t: setattr(t, "triplets", _set(t.triplets, 6, "choice", outside_clip(t.triplets, 6))),
        r"^all_triplets\.csv row 7: choice \d+ is not one of its triplet"),
    "nan_rating": (lambda t: setattr(t, "annotations", _set(t.annotations, 2, "rating-valence", "NaN")),
                   r"^annotations\.csv row 3: column 'rating-valence': 'NaN' is not a finite number"),
    "inf_rating": (lambda t: setattr(t, "annotations", _set(t.annotations, 5, "rating-arousal", "inf")),
                   r"^annotations\.csv row 6: column 'rating-arousal': 'inf' is not a finite number"),
    "text_response_time": (lambda t: setattr(t, "triplets", _set(t.triplets, 1, "response_time", "slow")),
                           r"^all_triplets\.csv row 2: column 'response_time': 'slow' is not a finite number"),
    "video_name_escapes": (lambda t: rename_clip(t, 2, "../../outside.mp4"),
                           r"^video_mapping\.csv row 3: video_name '\.\./\.\./outside\.mp4' must be a file name"),
    "empty_mapping": (None, r"^video_mapping\.csv: empty file"),  # type: ignore[dict-item]  # written below
}


def spoil_release(name: str, root: Path) -> tuple[Path, str]:
    """A tiny release under ``root`` with the one problem ``name``; returns (root, expected error regex)."""
    spoil, pattern = RELEASE_SPOILERS[name]
    tables = tiny_release_tables()
    if spoil is not None:
        spoil(tables)
    write_release(tables, root)
    if name == "empty_mapping":
        (root / "data" / "raw" / "utils" / "video_mapping.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    return root, pattern


def messy_csv_tables(n_dup: int = 3) -> ReleaseTables:
    """Clean tables re-dressed as a survey-tool export: padded cells and headers, ``n_dup`` exact duplicate
    judgment rows. Written with a BOM and CRLF (``write_release(..., bom=True, crlf=True)``) it must load to
    exactly the numbers of the clean tables, the duplicates dropped with a count."""
    t = tiny_release_tables()
    t.triplets = t.triplets.rename(columns={"choice": " choice ", "stim1_name": "stim1_name  "})
    for col in ("participation", "task"):
        t.triplets[col] = "  " + t.triplets[col].astype(str) + " "
    t.triplets = t.triplets.astype({"response_time": object})
    t.triplets["response_time"] = [f" {v} " for v in t.triplets["response_time"]]
    t.triplets = t.triplets.iloc[np.r_[0 : len(t.triplets), 20 : 20 + n_dup]].reset_index(drop=True)
    rating_cols = [c for c in t.annotations.columns if c.startswith("rating-")]
    t.annotations = t.annotations.astype({c: object for c in rating_cols})
    for c in rating_cols:
        t.annotations[c] = [f"  {v}\t" for v in t.annotations[c]]
    t.annotations["stimulus_set"] = [f" {v.upper()} " for v in t.annotations["stimulus_set"]]
    t.mapping = t.mapping.rename(columns={"video_name": " video_name"})
    t.captions = t.captions.rename(columns={"caption_index": " caption_index "})  # the one header rule of every CSV
    return t


# ---------------------------------------------------------------------------------------------- messy folders
@dataclass
class MessyFolder:
    """A dataset folder with many problems; ``expected`` regexes must each match exactly one printed problem,
    ``must_not_mention`` names must appear in none (valid-but-unusual inputs, documented skips)."""

    root: Path
    expected: list[str] = field(default_factory=list)
    must_not_mention: list[str] = field(default_factory=list)


def messy_release(root: Path) -> MessyFolder:
    """Release layout (BOM + CRLF + padded cells + duplicate rows) with 4 broken videos, 5 odd-but-valid
    videos, an unknown clip, a choice outside its triplet, a NaN and an inf rating, a catch trial, and two
    video names that point outside ``raw/videos`` (``../secret.mp4``, ``/etc/hostname``)."""
    t = messy_csv_tables()
    n = len(t.mapping)
    bad = {name: i for i, name in enumerate(BAD_VIDEOS)}
    good = {name: len(bad) + i for i, name in enumerate(ODD_BUT_VALID_VIDEOS)}
    assert len(bad) + len(good) <= n
    names = {}
    for name, i in {**bad, **good}.items():
        stem = Path(t.mapping.iloc[i, 1]).stem
        new = f"{stem}{VIDEO_CASES[name].suffix}"
        rename_clip(t, i, new)
        names[name] = new
    # judgments: unknown clip (row 3), choice outside the triplet (row 8); row 10 is a catch trial
    stim = t.triplets.columns[3]  # the padded 'stim1_name  ' header, as written
    t.triplets = _set(t.triplets, 2, stim, 77)
    t.triplets = _set(t.triplets, 7, " choice ", outside_clip(t.triplets, 7))
    assert len(set(t.triplets.loc[9, [stim, "stim2_name", "stim3_name"]])) < 3  # tiny tables: catch every 10th
    rename_clip(t, 10, "../secret.mp4")
    rename_clip(t, 11, "/etc/hostname")
    t.annotations = _set(t.annotations, 1, "rating-valence", "NaN")
    t.annotations = _set(t.annotations, 4, "rating-arousal", "inf")
    write_release(t, root, bom=True, crlf=True)
    (root / "data" / VIDEOS).mkdir(parents=True)
    for name in bad | good:
        VIDEO_CASES[name].write(root / "data" / VIDEOS / names[name])
    expected = [
        r"^all_triplets\.csv row 3: column 'stim1_name': unknown clip index 77",
        r"^all_triplets\.csv row 8: choice \d+ is not one of its triplet",
        r"^annotations\.csv row 2: column 'rating-valence': 'NaN' is not a finite number",
        r"^annotations\.csv row 5: column 'rating-arousal': 'inf' is not a finite number",
        r"^video_mapping\.csv row 11: video_name '\.\./secret\.mp4' must be a file name inside",
        r"^video_mapping\.csv row 12: video_name '/etc/hostname' must be a file name inside",
    ]
    expected += [f"^{re.escape(names[b])}: clip {re.escape(repr(names[b]))}: " for b in bad]
    return MessyFolder(root, expected, [names[g] for g in good])


def messy_hub(root: Path, source: Path) -> MessyFolder:
    """Hub layout exported from a clean release (``source``), then spoiled: video paths that escape the folder
    (``../``, absolute, a Windows drive, a symlink to /etc), a fractional clip index, a fractional ``odd``,
    an unrated clip (NaN rating: allowed, not a problem), text in a rating, and no test clips (empty split)."""
    from bgs_hf.data import load, write_hub

    out = write_hub(load(source), root, card=False)
    (cpath,) = (out / "clips").glob("*.parquet")
    (jpath,) = (out / "judgments").glob("*.parquet")
    clips = pd.read_parquet(cpath)
    (out / "videos").mkdir(exist_ok=True)
    os.symlink("/etc/hostname", out / "videos" / "evil.mp4")
    for row, value in enumerate(["../outside.mp4", "/etc/passwd", "C:\\Windows\\x.mp4", "videos/evil.mp4"]):
        clips.loc[row, "video"] = value
    clips.loc[5, "rating_valence"] = np.nan  # not rated: missing, not an error
    clips["rating_arousal"] = clips["rating_arousal"].astype(str)  # a text column, as a spreadsheet gives
    clips.loc[6, "rating_arousal"] = "high"
    clips["stimulus_set"] = "train"  # no test clips
    clips.to_parquet(cpath)
    judg = pd.read_parquet(jpath)
    judg["clip_b"] = judg["clip_b"].astype(float)
    judg.loc[3, "clip_b"] = 1.5
    judg["odd"] = judg["odd"].astype(float)
    judg.loc[11, "odd"] = 1.7
    judg.to_parquet(jpath)
    expected = [
        r"^clips row 1: video path '\.\./outside\.mp4' must be relative",
        r"^clips row 2: video path '/etc/passwd' must be relative",
        r"^clips row 3: video path 'C:\\Windows\\x\.mp4' must be relative",  # as typed, not repr's doubled \\
        r"^clips row 4: video path 'videos/evil\.mp4' resolves outside the dataset folder",
        r"^clips row 7: column 'rating_arousal': 'high' is not a finite number",
        r"^judgments row 4: column 'clip_b': 1\.5 is not an integer",
        r"^judgments row 12: column 'odd': 1\.7 is not an integer",
        rf"^{root.name}: split 'test' is empty",
    ]
    return MessyFolder(out, expected, ["rating_valence"])
