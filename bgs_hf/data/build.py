"""Typed tables -> :class:`OddOneOutData`: the step every reader ends with, so all sources agree."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bgs_hf._format import agree, count
from bgs_hf.data.checks import ROW, Problems
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.splits import (
    SplitConfig,
    assign_splits,
    normalise_stimulus_set,
    partial_labelling,
    unknown_labels,
)
from bgs_hf.errors import BGSInputError

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger(__name__)

#: rating attributes as named in the release (``rating-<attr>`` there, ``rating_<attr>`` here).
RATING_ATTRS: tuple[str, ...] = (
    "indoor", "expanse", "object", "agent_distance", "facingness", "joint_action",
    "communication", "valence", "arousal", "intimacy", "dominance",
)
CLIP_COLUMNS: tuple[str, ...] = ("clip_id", "video", "captions", "stimulus_set")
JUDGMENT_COLUMNS: tuple[str, ...] = (
    "clip_a", "clip_b", "clip_c", "odd", "participant", "session", "trial", "rt_s", "is_catch",
)


def clip_features(rating_columns: list[str]) -> datasets.Features:
    import datasets

    feats = {
        "clip_id": datasets.Value("string"),
        "video": datasets.Value("string"),
        "captions": datasets.List(datasets.Value("string")),
        "stimulus_set": datasets.Value("string"),
    }
    feats.update({c: datasets.Value("float64") for c in rating_columns})
    return datasets.Features(feats)


def judgment_features() -> datasets.Features:
    import datasets

    return datasets.Features(
        {
            "clip_a": datasets.Value("int64"),
            "clip_b": datasets.Value("int64"),
            "clip_c": datasets.Value("int64"),
            "odd": datasets.Value("int8"),
            "participant": datasets.Value("string"),
            "session": datasets.Value("string"),
            "trial": datasets.Value("int64"),
            "rt_s": datasets.Value("float64"),
            "is_catch": datasets.Value("bool"),
        }
    )


def non_distinct(idx: np.ndarray) -> np.ndarray:
    """Catch trials: a triplet that repeats a clip (the release never sets its catch flag)."""
    from bgs_hf.metrics.similarity import distinct_rows

    return ~distinct_rows(idx)


def report_unknown_clips(
    bad: np.ndarray, shown: np.ndarray, rows: np.ndarray, path: Path, problems: Problems,
    names: tuple[str, str, str], known: str,
) -> np.ndarray:
    """Report judgments naming an unknown clip (``bad`` (n,3) mask, ``shown`` the values as written)."""
    where = np.flatnonzero(bad.any(axis=1))
    first = np.argmax(bad, axis=1)
    problems.add_rows(
        path,
        rows[where],
        (f"column {names[first[i]]!r}: unknown clip index {shown[i, first[i]]} ({known})" for i in where),
    )
    return bad.any(axis=1)


def copied_trials(rows: pd.DataFrame, numbered: np.ndarray, path: Path) -> np.ndarray:
    """Which rows copy an earlier row in every column of ``rows`` (the columns read, the row number left out) and give
    a trial number (``numbered``): one trial listed twice (two tables pasted together), one judgment, as the release
    reader keeps it. Their count is one warning. A row without a trial number may be one triplet shown twice, and
    stays. One rule for ``data import``'s tables and a Hub layout's judgments."""
    dup = rows.duplicated(keep="first").to_numpy() & numbered
    if dup.any():
        logger.warning("%s: dropped %s (same participant, trial number and answer)", path.name,
                       count(int(dup.sum()), "exact duplicate row"))
    return dup


def warn_relisted_trials(keys: pd.DataFrame, rows: np.ndarray, path: Path, problems: Problems | None = None) -> None:
    """One warning for rows that give an earlier row's trial (``keys``: the usable rows' columns naming a trial, as the
    file heads them, the trial number last; ``rows``: their row numbers) but are no exact copy of it (those are
    dropped). A study numbers each trial once within its participant and session, so such a row is most likely one
    trial listed again (two copies joined after a spreadsheet re-rounded a response time), and it was counted as a
    second judgment of its triplet without a word. Kept, as the rows may differ in what was answered. One rule for
    the release's ``all_triplets.csv``, ``data import``'s tables and a Hub layout's judgments, whose rows ``problems``
    places in the file of a config read from several (:meth:`Problems.locate`), as its problem lines do."""
    again = keys.duplicated(keep="first").to_numpy()
    if not again.any():
        return
    first = int(np.flatnonzero(again)[0])
    earlier = int(np.flatnonzero((keys == keys.iloc[first]).all(axis=1).to_numpy())[0])
    problems = problems or Problems()  # no files recorded: every row is ``path``'s own
    at, row = problems.locate(path, int(rows[first]))
    earlier_at, earlier_row = problems.locate(path, int(rows[earlier]))
    shown = f"row {earlier_row}" if earlier_at == at else f"{earlier_at.name} row {earlier_row}"
    names = [str(c) for c in keys.columns]
    n = int(again.sum())  # one row listed again, the likeliest case, read "1 row give ... if they list those trials"
    logger.warning("%s: %s %s the %s and %s of an earlier row but %s from it (%srow %d, as %s): %s counted as a "
                   "judgment of its own; if %s again (copies joined), remove %s", at.name, count(n, "row"),
                   agree(n, "gives", "give"), ", ".join(names[:-1]), names[-1], agree(n, "differs", "differ"),
                   agree(n, "", "first: "), row, shown, agree(n, "it is", "each is"),
                   agree(n, "it lists that trial", "they list those trials"), agree(n, "it", "them"))


def finish(
    clips: pd.DataFrame,
    judgments: pd.DataFrame,
    *,
    name: str,
    root: Path | None,
    meta: dict[str, Any],
    split_config: SplitConfig,
    stimulus_path: Path | None = None,
    problems: Problems | None = None,
) -> OddOneOutData:
    """Build the datasets (explicit features, so every source gives identical schemas) and splits."""
    import datasets

    rating_cols = sorted(c for c in clips.columns if c.startswith("rating_"))
    labels = list(clips["stimulus_set"])
    collecting = problems is not None and problems.collect
    bad = unknown_labels(labels)
    if bad:  # named by their row in the source file; validate lists every one, then checks the rest without splits
        source_rows = clips[ROW].to_numpy() if ROW in clips.columns else np.arange(1, len(clips) + 1)
        (problems or Problems()).add_rows(stimulus_path, source_rows[bad],
                                          (f"stimulus_set {labels[i]!r} is not train/val/test" for i in bad))
        bad_rows = set(bad)
        labels = [None if i in bad_rows else v for i, v in enumerate(labels)]
    clips = clips[list(CLIP_COLUMNS) + rating_cols].reset_index(drop=True)
    judgments = judgments[list(JUDGMENT_COLUMNS)].reset_index(drop=True)
    splits_unavailable = bool(bad)
    try:
        splits = assign_splits(labels, split_config, path=stimulus_path)
    except BGSInputError as err:
        if not collecting:
            raise
        if not bad:  # a partial labelling, or a refusal of its own (val_split 'paper')
            problems.items.append(err)
        elif blank := [i for i, v in enumerate(normalise_stimulus_set(labels)) if v is None and i not in bad_rows]:
            # clips left unlabelled, counted without the bad labels just listed (each is a line of its own)
            problems.items.append(partial_labelling(blank, len(labels), stimulus_path))
        splits_unavailable = True
    if splits_unavailable:  # every clip in train, so validate still checks judgments and videos
        n = len(clips)
        splits = {"train": np.arange(n), "val": np.zeros(0, dtype=np.int64), "test": np.zeros(0, dtype=np.int64)}
        meta = {**meta, "splits_unavailable": True}
    # store the effective train/test label per clip so an export round-trips the same split
    given = normalise_stimulus_set(labels) if not meta.get("splits_unavailable") else [None] * len(labels)
    if all(v is None for v in given) and not meta.get("splits_unavailable"):
        meta = {**meta, "split_drawn": True}  # no clip carried a label: the test clips are a seeded draw
        if meta.get("source") != "triplet-table":  # an import stores its draw, and says so only once it has
            logger.info("no stimulus_set: seeded split, %d train / %d test clips", len(clips) - len(splits["test"]),
                        len(splits["test"]))
        given = np.empty(len(clips), dtype=object)
        given[np.concatenate([splits["train"], splits["val"]])] = "train"
        given[splits["test"]] = "test"
    clips = clips.assign(stimulus_set=list(given))
    clip_ds = datasets.Dataset.from_pandas(clips, features=clip_features(rating_cols), preserve_index=False)
    judg_ds = datasets.Dataset.from_pandas(judgments, features=judgment_features(), preserve_index=False)
    meta = {**meta, "split_config": asdict(split_config)}
    if root is not None and (root / "ground_truth.json").is_file():  # synthetic benchmarks ship one
        # in the folder, not where its link points: a Hub cache snapshot's files link to ``blobs/<hash>``, and an
        # export copies the ground truth's sibling files from beside it (it found none there)
        meta["ground_truth"] = str(root.absolute() / "ground_truth.json")
    data = OddOneOutData(clips=clip_ds, judgments=judg_ds, splits=splits, name=name, root=root, meta=meta)
    logger.debug("%r", data)  # the caller has it: `data stats`/`validate` print it, the Python user holds it
    return data


def drop_rows(df: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """Rows already reported (collecting mode) leave the table so later checks see clean data."""
    return df.loc[~bad].reset_index(drop=True) if bad.any() else df


__all__ = ["RATING_ATTRS", "CLIP_COLUMNS", "JUDGMENT_COLUMNS", "ROW", "copied_trials", "finish", "non_distinct",
           "report_unknown_clips", "warn_relisted_trials"]
