"""Reader for the paper's CSV release (Garcia & Isik; see README.md § Data formats, (a)).

Triplets are integer indices into ``video_mapping.csv`` and ``choice`` is the odd clip's index. The
release never sets ``catch_trial_flag``, so catch trials are detected as non-distinct triplets.
"""

from __future__ import annotations

import ast
import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bgs_hf._format import count, first_few, quoted
from bgs_hf.data.build import (
    RATING_ATTRS,
    drop_rows,
    finish,
    non_distinct,
    report_unknown_clips,
    warn_relisted_trials,
)
from bgs_hf.data.checks import (
    ROW,
    Problems,
    StopChecks,
    header_key,
    no_negative_times,
    read_csv,
    to_bools,
    to_ints,
    to_numbers,
)
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.hub import escapes_folder, table_path
from bgs_hf.data.splits import SplitConfig, normalise_stimulus_set, unknown_labels

logger = logging.getLogger(__name__)

TRIPLETS = Path("interim/similarity/all_triplets.csv")
MAPPING = Path("raw/utils/video_mapping.csv")
ANNOTATIONS = Path("raw/utils/annotations.csv")
CAPTIONS = Path("raw/utils/captions.csv")
#: the release's split a second time, one list of video names per split (used where annotations.csv gives none)
SPLIT_LISTS = {"train": Path("raw/utils/train.csv"), "test": Path("raw/utils/test.csv")}
VIDEOS = Path("raw/videos")
#: a triplet's three clips: indices into video_mapping.csv, though the release's headers call them names
STIM_COLUMNS = ("stim1_name", "stim2_name", "stim3_name")
TRIPLET_COLUMNS = ("participation", "task", "trial", *STIM_COLUMNS, "choice", "response_time")
#: sha256 of the Garcia & Isik release's own files, by the commit of its repository they come from (read with LF line
#: endings and no UTF-8 BOM, as a Windows checkout may write them): nothing in the CSV layout tells that release from a
#: lab's own data written in it, and only the release may get its card ("no licence", Moments in Time, its citation)
#: and its recorded origin. A later version of the release is recognised once its hashes are added here.
RELEASE_SHA256: dict[str, dict[Path, str]] = {
    "093ffea": {
        TRIPLETS: "46b88e5921ed1f032dc97f05d24cbd2bf71a783ba9deca91593b8900ee62444e",
        MAPPING: "0046233770e29c6ae6f4c96f4a48395796166659c69ea69b9d3a6a2f1cbe7c05",
        ANNOTATIONS: "b3c01bddd58d1d569e97470ccb68f2290fe1e3c46af01453653d5c87757343ad",
        CAPTIONS: "1fb304d6f0626fffbbc9cfbd7a5288cc5139811a87e93b1e763edb5fa42302f5",
    },
}


def find_release_data_dir(source: str | Path) -> Path | None:
    """The release's ``data/`` folder, given either the release root or ``data/`` itself."""
    source = Path(source)
    for cand in (source / "data", source):
        if (cand / TRIPLETS).is_file():
            return cand
    return None


def release_root_above(path: str | Path) -> Path | None:
    """The release folder a file or folder lies inside (up to four levels up: ``data/interim/similarity/x.csv``),
    else None: what to pass instead of one of its parts."""
    for parent in list(Path(path).resolve().parents)[:4]:
        data_dir = find_release_data_dir(parent)
        if data_dir is not None:
            return data_dir.parent if data_dir.name == "data" else data_dir
    return None


def missing_triplets(source: str | Path) -> Path | None:
    """Where ``all_triplets.csv`` should be when ``source`` holds the rest of the release (its clip mapping or its
    similarity folder) but not that file: such a folder was called "not an odd-one-out dataset" and sent to
    ``data import``, though one file was all it lacked."""
    source = Path(source)
    for cand in (source / "data", source):
        if (cand / MAPPING).is_file() or (cand / TRIPLETS.parent).is_dir():
            return cand / TRIPLETS
    return None


def _text_sha256(path: Path) -> str | None:
    """sha256 of a text file read with LF line endings and without a UTF-8 BOM; None if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")).hexdigest()


def release_version(data_dir: Path) -> str | None:
    """The commit of the Garcia & Isik release whose files ``data_dir`` holds (:data:`RELEASE_SHA256`), else None:
    a folder in its layout whose judgments, clips, annotations or captions differ is not that release."""
    digests: dict[Path, str | None] = {}
    for version, files in RELEASE_SHA256.items():
        if all(digests.setdefault(rel, _text_sha256(data_dir / rel)) == want for rel, want in files.items()):
            return version
    return None


def is_the_release(meta: dict[str, Any]) -> bool:
    """Whether data with this ``meta`` was read from the Garcia & Isik release's own files (:func:`release_version`),
    not only from its layout: the one rule of its dataset card and of a run's recorded origin."""
    return meta.get("source") == "release" and bool(meta.get("release_version"))


def _missing_file(data_dir: Path, rel: Path, given: Path | None, why: str) -> str:
    """The line for a release file that is not there: where it was looked for (relative to the folder ``given``:
    ``data/raw/utils/...`` under the release root, ``raw/utils/...`` under its ``data/``), why it is needed and what to
    do. "video_mapping.csv: file missing" said neither where nor what next."""
    given = data_dir if given is None else given
    path = data_dir / rel
    shown = path.relative_to(given).as_posix() if path.is_relative_to(given) else str(path)
    return (f"file missing: looked for {shown} in {given} ({why}): pass the release's root folder with all its files "
            "(restore this one from the release), or bring trials of your own as a Hub-layout folder or through "
            "`bgs-hf data import TABLE VIDEOS OUT`")


def _unknown_video(name: str) -> str:
    return f"video_name {quoted(name)} not in {MAPPING.name}"


def _rows_by_name(names: pd.Series) -> pd.Series:
    """Each clip's row in the clip table, looked up by its video name."""
    return pd.Series(np.arange(len(names)), index=names.to_numpy())


def read_mapping(data_dir: Path, problems: Problems) -> pd.DataFrame:
    """``index, video_name`` sorted by index; indices need not be contiguous (remapped to rows)."""
    path = data_dir / MAPPING
    df = read_csv(path, ("index", "video_name"), problems)
    df["index"], bad = to_ints(df, "index", path, problems)
    no_name = (df["video_name"] == "").to_numpy()
    problems.add_rows(path, df[ROW].to_numpy()[no_name], ("empty video_name" for _ in range(int(no_name.sum()))))
    bad |= no_name
    for col in ("index", "video_name"):
        # only among readable rows: an unparsable index holds 0 and must not make the real 0 a duplicate
        dup = np.zeros(len(df), dtype=bool)
        dup[~bad] = df.loc[~bad, col].duplicated(keep="first").to_numpy()
        problems.add_rows(path, df[ROW].to_numpy()[dup], (f"{col} {quoted(v)} appears twice" for v in df[col][dup]))
        bad |= dup
    return df.loc[~bad].sort_values("index").reset_index(drop=True)


def _parse_captions(text: str) -> list[str] | None:
    """``captions`` is a Python list literal; ``ast.literal_eval`` reads it without executing anything."""
    if text == "":
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, str):  # one caption, stripped as a list's captions are
        return [value.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


def read_annotations(data_dir: Path, names: pd.Series, problems: Problems) -> pd.DataFrame:
    """Per-clip ratings, stimulus_set and captions, aligned to ``names`` (clip order)."""
    path = data_dir / ANNOTATIONS
    out = pd.DataFrame({"clip_id": names.to_numpy()})
    out["captions"] = [[] for _ in range(len(out))]
    out["stimulus_set"] = None
    if not path.is_file():
        # captions.csv and train.csv + test.csv may still give the captions and the split: "no captions or
        # stimulus_set" here was followed by both read from them
        logger.warning("%s missing: no ratings (captions come from %s and train/test from %s and %s, where present)",
                       path, CAPTIONS.name, SPLIT_LISTS["train"].name, SPLIT_LISTS["test"].name)
        return out
    df = read_csv(path, ("video_name",), problems)
    row_of = _rows_by_name(names)
    known = df["video_name"].isin(row_of.index).to_numpy()
    unknown = np.flatnonzero(~known)
    problems.add_rows(path, df[ROW].to_numpy()[unknown], (_unknown_video(df["video_name"].iloc[i]) for i in unknown))
    dup = df["video_name"].duplicated(keep="first").to_numpy() & known
    problems.add_rows(path, df[ROW].to_numpy()[np.flatnonzero(dup)],
                      (f"video_name {quoted(v)} annotated twice" for v in df["video_name"][dup]))
    df = df.loc[known & ~dup]
    rows = row_of[df["video_name"]].to_numpy()  # each annotation row's clip
    _add_ratings(out, df, rows, path, problems)
    _check_misnamed_columns(df, path, problems)
    if "stimulus_set" in df.columns:
        labels = np.full(len(out), None, dtype=object)
        labels[rows] = df["stimulus_set"].to_numpy(dtype=object)  # checked once, with every layout's, in finish
        out["stimulus_set"] = labels
        source_rows = np.zeros(len(out), dtype=np.int64)  # 0: the clip has no annotation row
        source_rows[rows] = df[ROW].to_numpy()
        out[ROW] = source_rows
    if "captions" in df.columns:
        parsed = [_parse_captions(t) for t in df["captions"]]
        bad = [i for i, p in enumerate(parsed) if p is None]
        problems.add_rows(path, df[ROW].to_numpy()[bad],
                          ("column 'captions': not a Python list of strings" for _ in bad))
        for r, p in zip(rows, parsed):
            out.at[r, "captions"] = p or []
    missing_rating = [a for a in RATING_ATTRS if f"rating_{a}" not in out.columns]
    if missing_rating:
        logger.info("%s: %s without a rating column (%s)", path.name, count(len(missing_rating), "attribute"),
                    ", ".join(missing_rating))
    return out


def _add_ratings(out: pd.DataFrame, df: pd.DataFrame, rows: np.ndarray, path: Path, problems: Problems) -> None:
    """A ``rating_<attr>`` column of ``out`` per rating column of ``df`` (row ``i`` of ``df`` rates clip
    ``rows[i]``; a clip without an annotation row is not rated: NaN)."""
    rated: dict[str, str] = {}
    for col in df.columns:
        key = header_key(col)  # 'Rating-Valence' from a spreadsheet is still the valence rating
        if key.startswith("rating_"):
            attr = key[len("rating_"):]
            if attr in rated:  # the last one silently replaced the first
                problems.add(f"column {col!r} is the {attr} rating again (after {rated[attr]!r}): remove or rename one",
                             path=path)
                continue
            rated[attr] = col
            values = np.full(len(out), np.nan)
            # a text column was asked "is it the column you meant?", though its header, not a flag, chose it
            values[rows] = to_numbers(df, col, path, problems, allow_empty=True,
                                      if_text="a column headed 'rating-<attribute>' is read as a numeric rating: "
                                              "write its ratings as numbers, or drop 'rating' from its header if it "
                                              "is no rating")
            out[f"rating_{attr}"] = values


def _check_misnamed_columns(df: pd.DataFrame, path: Path, problems: Problems) -> None:
    """A ``Stimulus Set`` or ``Captions`` header (a spreadsheet's) is a problem, not a column silently unread."""
    for column, without in (
        # the release's split would silently become a seeded draw: other test clips, other numbers
        ("stimulus_set", "train/test would be a seeded draw, not the release's split"),
        # captions.csv's text instead (the release's: lower-cased, no punctuation): another caption baseline
        ("captions", f"each clip's captions would come from {CAPTIONS.name}, or there would be none"),
    ):
        near = [c for c in df.columns if c != column and header_key(c) == column]
        if near and column not in df.columns:
            problems.add(f"column {near[0]!r} is not named {column!r}: rename it (without it {without})", path=path)


def read_caption_table(data_dir: Path, names: pd.Series, problems: Problems) -> dict[str, list[str]]:
    """``captions.csv`` as ``{video_name: [caption by caption_index]}`` (fallback caption source)."""
    path = data_dir / CAPTIONS
    if not path.is_file():
        return {}
    df = read_csv(path, ("video_name", "caption_index", "caption"), problems)
    order, _ = to_ints(df, "caption_index", path, problems)
    unknown = np.flatnonzero(~df["video_name"].isin(set(names)).to_numpy())
    problems.add_rows(path, df[ROW].to_numpy()[unknown], (_unknown_video(df["video_name"].iloc[i]) for i in unknown))
    return captions_in_order(df["video_name"].tolist(), df["caption"].tolist(), order)


def captions_in_order(videos: list[str], captions: list[str], order: np.ndarray | None) -> dict[str, list[str]]:
    """``{video: [its captions by caption_index]}`` (rows of one index in file order; file order without indices):
    one rule for the release's captions.csv and ``data import --captions``, whose order ``--caption first`` reads."""
    by_video: dict[str, list[str]] = {}
    for k in np.argsort(np.arange(len(videos)) if order is None else order, kind="stable"):
        by_video.setdefault(videos[k], []).append(captions[k])
    return by_video


def read_split_lists(data_dir: Path, names: pd.Series, problems: Problems,
                     given: Path | None = None, *, every_clip: bool = True) -> np.ndarray | None:
    """Each clip's split from ``train.csv`` and ``test.csv``, or None unless both are there. Without annotations.csv's
    stimulus_set the test clips were a seeded draw, other clips than the release's, though these lists name them.
    One list without the other is a damaged release, a problem naming the missing one (``given``: the folder passed):
    the split silently became a seeded draw, other test clips, with only an INFO line. ``every_clip=False``: a clip
    in neither list is None, not a problem (the lists only cross-check labels annotations.csv gives)."""
    paths = {split: data_dir / rel for split, rel in SPLIT_LISTS.items()}
    there = {split: path.exists() for split, path in paths.items()}
    if not all(there.values()):
        if any(there.values()):
            gone, kept = sorted(there, key=there.__getitem__)
            problems.add(_missing_file(data_dir, SPLIT_LISTS[gone], given,
                                       f"{paths[kept].name} is there and {ANNOTATIONS.name} leaves clips without "
                                       "a stimulus_set: without both lists the release's split is not read, and a "
                                       "seeded draw would test other clips"), path=paths[gone])
        return None
    row_of = _rows_by_name(names)
    labels = np.full(len(names), None, dtype=object)
    for split, path in paths.items():
        df = read_csv(path, ("video_name",), problems)
        rows, listed = df[ROW].to_numpy(), df["video_name"]
        clip = row_of.reindex(listed).to_numpy(dtype=np.float64)  # NaN: no such clip
        unknown = np.flatnonzero(np.isnan(clip))
        problems.add_rows(path, rows[unknown], (_unknown_video(listed.iloc[i]) for i in unknown))
        known = np.flatnonzero(~np.isnan(clip))
        other = known[[labels[int(clip[i])] not in (None, split) for i in known]]
        problems.add_rows(path, rows[other], (f"video_name {quoted(listed.iloc[i])} is in "
                                              f"{paths[labels[int(clip[i])]].name} too" for i in other))
        labels[clip[np.setdiff1d(known, other)].astype(np.int64)] = split
    unlisted = np.flatnonzero(pd.isna(labels))
    if unlisted.size and every_clip:  # named here, once: finish would call them clips 'missing a stimulus_set'
        problems.add(f"{unlisted.size} of {len(names)} clips are in neither {paths['train'].name} nor "
                     f"{paths['test'].name} (first: {quoted(names.iloc[unlisted[0]])})", path=paths["test"].parent)
        return None
    return labels


def _clip_rows(sorted_index: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The clip-table row of each mapping index (-1: none); vectorised, as indices need not be 0..N-1."""
    pos = np.searchsorted(sorted_index, indices)
    found = (pos < len(sorted_index)) & (sorted_index[np.minimum(pos, len(sorted_index) - 1)] == indices)
    return np.where(found, pos, -1).astype(np.int64)


def _refuse_named_clips(df: pd.DataFrame, names: pd.Series, path: Path, problems: Problems) -> None:
    """One line for clip columns that name videos instead of numbering them. Their headers say ``stim1_name``, so a
    lab writing its own trials in this layout, or a reader who mapped the indices to names, writes names, and each
    column was refused as "no number in any row ...: is it the column you meant?", which it was."""
    columns = [*STIM_COLUMNS, "choice"]
    cells = pd.Series(pd.unique(df[columns].to_numpy(dtype=object).ravel()))
    named = cells[cells.isin(set(names))]
    if named.empty or pd.to_numeric(cells, errors="coerce").notna().any():  # a mix: each bad row is its own line
        return
    problems.fatal(f"columns {', '.join(map(repr, columns))} name videos (first: {quoted(named.iloc[0])}), where the release "
                   f"numbers each clip by its index in {MAPPING.name}: write those indices back, or import the table "
                   f"with the videos: bgs-hf data import {path.name} VIDEOS OUT --videos-columns {','.join(STIM_COLUMNS)} "
                   "--odd choice --participant participation --session task --rt response_time", path=path)


def read_triplets(data_dir: Path, sorted_index: np.ndarray, problems: Problems,
                  names: pd.Series | None = None) -> pd.DataFrame:
    """``all_triplets.csv`` -> judgment columns; ``odd`` = position of ``choice`` in the triplet (``names``: the
    clips' video names, to say so when the table gives names instead of indices)."""
    path = data_dir / TRIPLETS
    df = read_csv(path, TRIPLET_COLUMNS, problems)
    if names is not None:
        _refuse_named_clips(df, names, path, problems)
    parsed = [to_ints(df, c, path, problems) for c in (*STIM_COLUMNS, "choice")]
    raw = np.stack([v for v, _ in parsed[:3]], axis=1)  # mapping indices, as written
    choice = parsed[3][0]
    bad = np.any([b for _, b in parsed], axis=0)
    trial, bad_trial = to_ints(df, "trial", path, problems)
    bad |= bad_trial
    # an empty id would pool its rows into one fake participant and skew the split-half ceilings
    no_participant = (df["participation"] == "").to_numpy()
    problems.add_rows(path, df[ROW].to_numpy()[no_participant],
                      ("column 'participation' is empty" for _ in range(int(no_participant.sum()))))
    bad |= no_participant
    rt = no_negative_times(to_numbers(df, "response_time", path, problems, allow_empty=True), df, "response_time",
                           path, problems)
    idx = _clip_rows(sorted_index, raw)
    rows = df[ROW].to_numpy()
    bad |= report_unknown_clips((idx == -1) & ~bad[:, None], raw, rows, path, problems, STIM_COLUMNS,
                                f"not in {MAPPING.name}")
    keep = ~bad
    warn_relisted_trials(pd.DataFrame({"participation": df["participation"].to_numpy()[keep],
                                       "task": df["task"].to_numpy()[keep], "trial": trial[keep]}),
                         df[ROW].to_numpy()[keep], path)
    in_triplet = raw == choice[:, None]
    no_choice = ~bad & ~in_triplet.any(axis=1)
    where = np.flatnonzero(no_choice)
    problems.add_rows(path, rows[where],
                      (f"choice {choice[i]} is not one of its triplet ({', '.join(map(str, raw[i]))})"
                       for i in where))
    bad |= no_choice
    odd = np.argmax(in_triplet, axis=1).astype(np.int8)
    is_catch = non_distinct(idx)
    if "catch_trial_flag" in df.columns:
        # 'x' or 'maybe' was read as False without a word; `data import` and a Hub folder refuse it
        flagged = to_bools(df, "catch_trial_flag", path, problems)
        if flagged.any():
            logger.info("%s: catch_trial_flag=True on %s", path.name, count(int(flagged.sum()), "row"))
        is_catch |= flagged
    out = pd.DataFrame(
        {
            "clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2], "odd": odd,
            "participant": df["participation"].to_numpy(), "session": df["task"].to_numpy(),
            "trial": trial, "rt_s": rt, "is_catch": is_catch,
        }
    )
    return drop_rows(out, bad)


def read_release(
    source: str | Path, *, split_config: SplitConfig | None = None, problems: Problems | None = None
) -> OddOneOutData:
    """Read a release folder (root or its ``data/``) into :class:`OddOneOutData`."""
    problems = Problems() if problems is None else problems
    source = Path(source)
    data_dir = find_release_data_dir(source)
    if data_dir is None:
        problems.fatal(f"not a release folder: no data/{TRIPLETS}", path=source)
    if not (data_dir / MAPPING).exists():  # a folder there is read_csv's "a folder, not a file"
        problems.fatal(_missing_file(data_dir, MAPPING, source, f"it names the clip each index in {TRIPLETS.name} "
                                     "stands for"), path=data_dir / MAPPING)
    mapping = read_mapping(data_dir, problems)
    names = mapping["video_name"].reset_index(drop=True)
    if not (mapping["index"].to_numpy() == np.arange(len(mapping))).all():
        logger.warning("%s: indices are not 0..N-1; clips are renumbered by sorted index", MAPPING.name)
    clips = read_annotations(data_dir, names, problems)
    _fill_captions_from_table(clips, names, read_caption_table(data_dir, names, problems))
    clips, stimulus_path = _stimulus_set_from_split_lists(clips, data_dir, names, problems, source)
    clips["video"] = _video_files(data_dir, mapping, names, problems)
    n_videos = int(clips["video"].notna().sum())
    if n_videos < len(clips):
        logger.info("videos found for %d of %d clips in %s", n_videos, len(clips), data_dir / VIDEOS)
    judgments = read_triplets(data_dir, mapping["index"].to_numpy(dtype=np.int64), problems, names)
    root = data_dir.parent if data_dir.name == "data" else data_dir
    meta = {
        "source": "release",
        "data_dir": str(data_dir.resolve()),
        "clip_index": [int(i) for i in mapping["index"]],
        "videos_found": n_videos,
        "release_version": release_version(data_dir),
    }
    return finish(
        clips, judgments, name=root.resolve().name, root=root.resolve(), meta=meta,
        split_config=split_config or SplitConfig(), stimulus_path=stimulus_path, problems=problems,
    )


def _fill_captions_from_table(clips: pd.DataFrame, names: pd.Series, table: dict[str, list[str]]) -> None:
    """``captions.csv``'s captions for each clip annotations.csv gave none."""
    n_from_table = 0
    for r, name in enumerate(names):
        if not clips.at[r, "captions"] and table.get(name):
            clips.at[r, "captions"] = table[name]
            n_from_table += 1
    if n_from_table:
        logger.info("captions for %s taken from %s", count(n_from_table, "clip"), CAPTIONS.name)


def _stimulus_set_from_split_lists(clips: pd.DataFrame, data_dir: Path, names: pd.Series, problems: Problems,
                                   given: Path) -> tuple[pd.DataFrame, Path]:
    """The clips with the release's train/test split, and the file a bad label is reported in: annotations.csv's
    ``stimulus_set``, else (no column, or an empty one) ``train.csv``/``test.csv``, else none (a seeded draw). A clip
    annotations.csv leaves unlabelled beside labelled ones (its row deleted or its cell emptied) takes its label from
    those lists too, as its captions come from captions.csv: it was refused as "stimulus_set missing for 1 of 250
    clips (first: clip index 3); label all clips or none", which named no video and no missing row."""
    blank = np.array([pd.isna(v) or str(v).strip() == "" for v in clips["stimulus_set"]])
    if not blank.any():
        if all((data_dir / rel).is_file() for rel in SPLIT_LISTS.values()):
            _warn_split_lists_disagree(clips["stimulus_set"], _cross_check_lists(data_dir, names), names)
        return clips, data_dir / ANNOTATIONS
    listed = read_split_lists(data_dir, names, problems, given)
    if listed is None:
        return clips, data_dir / ANNOTATIONS
    if not blank.all():
        _warn_split_lists_disagree(clips["stimulus_set"], listed, names)
        clips["stimulus_set"] = np.where(blank, listed, clips["stimulus_set"].to_numpy(dtype=object))
        no_row = int((clips[ROW].to_numpy() == 0).sum()) if ROW in clips.columns else 0  # 0: no annotation row
        logger.warning("%s gives no stimulus_set for %s (%s): taken from %s and %s%s", ANNOTATIONS.name,
                       count(int(blank.sum()), "clip"), first_few([quoted(n) for n in names[blank]], 3),
                       SPLIT_LISTS["train"].name, SPLIT_LISTS["test"].name,
                       f"; {no_row} of them {'has' if no_row == 1 else 'have'} no row there, so no ratings"
                       if no_row else "")
        return clips, data_dir / ANNOTATIONS
    clips["stimulus_set"] = listed
    clips = clips.drop(columns=[ROW], errors="ignore")  # rows of annotations.csv no longer name the labels
    logger.info("%s gives no stimulus_set: train/test taken from %s and %s", ANNOTATIONS.name,
                SPLIT_LISTS["train"].name, SPLIT_LISTS["test"].name)
    return clips, data_dir / SPLIT_LISTS["test"]


def _cross_check_lists(data_dir: Path, names: pd.Series) -> np.ndarray | None:
    """train.csv/test.csv's split where annotations.csv labels every clip: only a cross-check, so damage in the lists
    (a clip they miss or do not know) refuses nothing, as nothing is read from them."""
    try:
        return read_split_lists(data_dir, names, Problems(collect=True), every_clip=False)
    except StopChecks:
        return None


def _warn_split_lists_disagree(labels: pd.Series, listed: np.ndarray | None, names: pd.Series) -> None:
    """One warning for clips annotations.csv labels otherwise than train.csv/test.csv: annotations.csv wins (the split
    is read from it; the lists fill its blanks), and a user who edited one file and not the other trained on test
    clips without a word. ``val`` for a clip train.csv lists is a validation split carved from train, not a clash;
    a label that is no split name is refused elsewhere."""
    if listed is None:
        return
    values = list(labels)
    unknown = set(unknown_labels(values))
    given = normalise_stimulus_set([None if i in unknown else v for i, v in enumerate(values)])
    clash = [i for i, (g, s) in enumerate(zip(given, listed))
             if g is not None and s is not None and g != s and (g, s) != ("val", "train")]
    if not clash:
        return
    leaked = sum(given[i] != "test" for i in clash)
    logger.warning(
        "%s's stimulus_set disagrees with %s/%s for %s (%s): %s's label is kept, as the split is read from it (the "
        "lists only fill its blanks)%s; edit whichever file is wrong", ANNOTATIONS.name, SPLIT_LISTS["train"].name,
        SPLIT_LISTS["test"].name, count(len(clash), "clip"),
        first_few([f"{quoted(names.iloc[i])} {given[i]} there, in {SPLIT_LISTS[listed[i]].name}" for i in clash], 3),
        ANNOTATIONS.name, f", so {leaked} of {SPLIT_LISTS['test'].name}'s clips {'is' if leaked == 1 else 'are'} "
        "trained or validated on" if leaked else "")


def _video_files(data_dir: Path, mapping: pd.DataFrame, names: pd.Series, problems: Problems) -> list[str | None]:
    """Each clip's video file (absolute), ``None`` where the release ships none; a name escaping the video folder
    is a problem and never looked up."""
    video_dir = data_dir / VIDEOS
    escaping = [escapes_folder(n) for n in names]  # '../x.mp4' or '/etc/x' must not reach the filesystem
    problems.add_rows(data_dir / MAPPING, mapping[ROW].to_numpy()[escaping],
                      (f"video_name {quoted(n)} must be a file name inside {VIDEOS}" for n, e in zip(names, escaping) if e))
    # 'sub\\a.mp4' (written on Windows) is the file sub/a.mp4, as `data import` reads it; it was looked up literally
    files = [video_dir / table_path(n) for n in names]
    unmatched = [i for i, (f, e) in enumerate(zip(files, escaping)) if not e and not f.is_file()]
    if unmatched and video_dir.is_dir():  # a name typed composed (NFC), the file saved decomposed (macOS): one file
        from bgs_hf.data.triplet_table import nfc_name, video_index

        index = video_index(video_dir, problems)
        for i in unmatched:
            rel = index.get(nfc_name(table_path(names[i]).as_posix()))
            if rel is not None:
                files[i] = video_dir / rel
    return [None if e or not f.is_file() else str(f.resolve()) for f, e in zip(files, escaping)]
