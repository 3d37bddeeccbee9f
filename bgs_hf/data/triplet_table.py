"""Your own data: one CSV row per trial naming its three videos (file names) and the odd one, plus a video folder.

Most labs log trials like ``participant, trial, video1, video2, video3, odd_one_out, rt``. The Hub layout
wants clips numbered by row and ``odd`` as a position; converting by hand silently mislabels a trial whose
odd video is misspelt (it matches none of the three). This reader checks every row and names file, row
and column, then ``write_hub`` (or ``bgs-hf data import``) freezes the result in the Hub layout.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from bgs_hf._files import expand_user, resolved_if_other
from bgs_hf._format import agree, closest, count, first_few, numbered_key, quoted, row_list
from bgs_hf.data.build import copied_trials, finish, non_distinct, warn_relisted_trials
from bgs_hf.data.checks import (
    EXPORT_MISSING,
    ROW,
    Problems,
    StopChecks,
    blank_header,
    header_key,
    is_true_text,
    no_negative_times,
    read_csv,
    to_bools,
    to_ints,
    to_numbers,
)
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.hub import escapes_folder, table_path
from bgs_hf.data.release import MAPPING, captions_in_order, find_release_data_dir, release_root_above
from bgs_hf.data.splits import SplitConfig
from bgs_hf.data.validate import check_splits, check_videos
from bgs_hf.errors import BGSInputError, NoSuchSource

logger = logging.getLogger(__name__)


@dataclass
class TripletColumns:
    """Header names in your CSV (matched ignoring case, spaces, '-' and '_'); ``None`` = no such column.

    ``trial``, ``rt`` and ``session`` are optional under their default names only: a name you give must exist
    (a misspelt ``--rt`` imported every response time as missing, without a word)."""

    videos: tuple[str, str, str] = ("video1", "video2", "video3")
    odd: str = "odd_one_out"
    participant: str = "participant"
    trial: str | None = "trial"
    rt: str | None = "rt"
    rt_unit_s: float = 1.0  # 0.001 when ``rt`` is in milliseconds
    session: str | None = "session"


def _loose_key(header: str) -> str:
    """``header_key`` with '_' dropped too, as this reader matches a header or a column named in a cell: 'Video 1',
    'video_1' and 'video1' are one, 'OddOneOut' is odd_one_out."""
    return header_key(header).replace("_", "")


def _columns_found(df: pd.DataFrame) -> str:
    """The CSV's own headers, for a line about a column it lacks."""
    return ", ".join(c for c in df.columns if c != ROW)


def nfc_name(text: str) -> str:
    """macOS stores file names decomposed (NFD), spreadsheets write them composed (NFC): compare as NFC."""
    return unicodedata.normalize("NFC", text)


def _extension(name: str) -> str:
    """``name``'s file extension ('.mp4', '.video'), '' for none: a suffix of digits only is the clip's number
    ('clip.02', 'trial.001'), not a type; read as one, 'clip.2' beside clip.01..clip.12 was told "did you mean
    'clip.01'? the file has another extension", another clip."""
    suffix = PurePosixPath(name).suffix
    return "" if suffix[1:].isdecimal() else suffix


def _stem_key(name: str) -> str:
    """A relative video path without its extension, case folded: 'Sub/Clip 6.MOV' and 'sub/clip 6.mp4' are one."""
    path = PurePosixPath(name)
    return (path.with_suffix("") if _extension(name) else path).as_posix().casefold()


def video_index(video_dir: Path, problems: Problems) -> dict[str, str]:
    """Every file under ``video_dir`` by its NFC relative POSIX path (``sub/dir/x.mp4``); two files that are one
    name in NFC are a problem (the index kept the last, so two videos became one clip)."""
    index: dict[str, str] = {}
    for p in sorted(video_dir.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            rel = p.relative_to(video_dir).as_posix()
            other = index.setdefault(nfc_name(rel), rel)
            if other != rel:
                problems.add(f"{quoted(other)} and {quoted(rel)} are one name after Unicode normalisation (composed and "
                             "decomposed accents): rename one", path=video_dir)
    return index


def _header(df: pd.DataFrame, wanted: str | None, path: Path, problems: Problems, *, required: bool,
            flag: str | None = None) -> str | None:
    """The CSV's own spelling of column ``wanted`` (case, spaces, '-' and '_' ignored: 'Video 1' is video1,
    'OddOneOut' is odd_one_out); a missing required column is reported. ``flag``: the optional role's flag that
    named it (``--rt``), which the report names (it sent the user to --videos-columns/--odd/--participant)."""
    if wanted is None:
        return None
    by_key = {_loose_key(c): c for c in df.columns if c != ROW}
    found = by_key.get(_loose_key(wanted))
    alike = [c for c in df.columns if c != ROW and _loose_key(c) == _loose_key(wanted)]
    if len(alike) > 1:  # the last one was read, the others ignored without a word
        problems.add(f"columns {', '.join(map(repr, alike))} are one name once case, spaces, '-' and '_' are ignored: "
                     f"which is {wanted!r}? rename the others", path=path)
    if found is None and required:
        fix = (f"{flag} names a column the CSV does not have: give one it has, or drop {flag} (the column is "
               "optional)") if flag else "name yours with --videos-columns/--odd/--participant"
        problems.add(f"column {wanted!r} missing (columns: {', '.join(map(str, by_key.values()))}; {fix})",
                     path=path)
    return found


_OPTIONAL_ROLES = ("--trial", "--rt", "--session")  # read under their default names only when present


def _check_one_role_per_column(roles: dict[str, list[str | None]], path: Path, problems: Problems) -> None:
    """Each role reads its own column: ``--odd video1`` imported every trial with video 1 as the odd one, and
    ``--participant trial`` made each trial its own participant, without a word."""
    role_of: dict[str, str] = {}
    for flag, cols in roles.items():
        for col in cols:
            if col is None:
                continue
            if col in role_of:
                named = f"{flag} names column {col!r} twice" if role_of[col] == flag else (
                    f"{role_of[col]} and {flag} both name column {col!r}")
                optional = [f for f in (role_of[col], flag) if f in _OPTIONAL_ROLES]
                hint = f" ({optional[0]} '' reads none)" if optional else ""
                problems.fatal(f"{named}: each needs a column of its own{hint}", path=path)
            role_of[col] = flag


@dataclass
class LostVideos:
    """What ``--skip-missing-videos`` dropped from one file: its rows and the names they gave that no file has."""

    rows: int = 0
    videos: set[str] = field(default_factory=set)

    def warn(self, path: Path, video_dir: Path, noun: str = "trial") -> None:
        """One line: how many rows went and which videos (the first five, then a count): nothing lost silently."""
        if not self.rows:
            return
        names = sorted(self.videos)
        logger.warning("%s: dropped %s naming %s not in %s (--skip-missing-videos): %s", path.name,
                       count(self.rows, noun), count(len(names), "video"), video_dir,
                       first_few([quoted(n) for n in names]))


#: an odd cell that is a position, 0-based (jsPsych's button index) or 1-based (a lab log's, a number key), written
#: as a float ('2.0') too, as pandas writes a column of numbers holding an empty cell (a timeout)
_POSITION = re.compile(r"[0-3](\.0+)?")


#: a whole number written as a float ('4.0'), as pandas writes a column of integers holding an empty cell (a timeout)
_WHOLE_FLOAT = re.compile(r"(\d+)\.0+")


def _cell_video_name(value: object, files: dict[str, str]) -> str:
    """The name a table's cell gives a video, as ``files`` (``video_index``) is keyed: its path folded ('sub\\a.mp4',
    './a.mp4' are 'sub/a.mp4', 'a.mp4') and NFC. A whole float no file is named ('4.0') is its integer's name ('4'),
    matched as that is (the file '4'; beside '4.mp4', its did-you-mean): clip 4 was "no video '4.0'" in every row."""
    name = nfc_name(table_path(str(value)).as_posix())
    whole = _WHOLE_FLOAT.fullmatch(name)
    return whole.group(1) if whole is not None and name not in files else name


def _names_a_file(cell: object, files: dict[str, str]) -> bool:
    """Whether a table's cell names a file of ``files`` as written, or as :func:`_cell_video_name` reads it."""
    return cell in files or _cell_video_name(cell, files) in files


def _names_a_position(name: str, video_columns: list[str]) -> bool:
    """An odd cell naming a position (1-3) or a video column ('Video3'), as many lab logs record the answer."""
    return bool(_POSITION.fullmatch(name)) or _loose_key(name) in {_loose_key(c) for c in video_columns}


def _did_you_mean(files: dict[str, str]) -> Callable[[str], str]:
    """The did-you-mean of a name that is a file's in another case, extension or folder, or one file's but for an
    extension (none, or another) and zero-padding ('clip_1' for 'clip_01.mp4', 'clip_1.mp4' for 'clip_01',
    'clip_1.avi' for 'clip_01.mp4'; '' when none): a misspelt name of a video, not a missing one. Never another
    clip: 's1.t2' beside 's1.t01'..'s1.t12' is no other extension of 's1' (their suffixes number the clips).

    ``files`` maps each file's NFC name to its own spelling: names are compared by the NFC key, as the lookup
    compares them (a Mac's decomposed 'Café.mp4' was no case, extension or folder of a composed 'café.mp4', so a
    misspelling was told to give relative paths and counted as a lost video), and shown in the file's spelling."""
    folded: dict[str, list[str]] = {}
    for key in files:
        folded.setdefault(key.casefold(), []).append(key)
    # the same file under another extension ('a.mp4' for 'a.mov') or in a sub-folder ('a.mp4' for 'sub/a.mp4'): a
    # spelling guess named another clip ('Clip 08.mp4' for 'Clip 06.mp4' beside 'Clip 06.mov')
    by_stem: dict[str, list[str]] = {}
    by_base: dict[str, list[str]] = {}
    # a name without its extension and unpadded ('clip_1' for 'clip_01.mp4'), with one the file has not ('clip_1.mp4'
    # for 'clip_01') or another ('clip_1.avi' for 'clip_01.mp4'): difflib rates them below its cutoff; keyed by the
    # stem's numbered key
    by_numbered_stem: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for key in files:
        by_stem.setdefault(_stem_key(key), []).append(key)
        by_base.setdefault(PurePosixPath(key).name.casefold(), []).append(key)
        by_numbered_stem.setdefault(numbered_key(_stem_key(key)), []).append(key)

    def same_file(name: str) -> str:
        near = folded.get(name.casefold(), [])
        if near:
            return f" (did you mean {quoted(files[near[0]])}? names are case-sensitive)"
        # a file whose name is the name's but for numbers is another clip ('s1.t01' for 's1.t2'), or the same one
        # padded ('s1.t02', which closest() tells): only a suffix spelt otherwise is another extension
        other_ext = [key for key in by_stem.get(_stem_key(name), []) if not _numbered_alike(name, key)]
        if other_ext:
            return f" (did you mean {quoted(files[other_ext[0]])}? {_extension_differs(name, other_ext[0])})"
        numbered = by_numbered_stem.get(numbered_key(_stem_key(name)), [])
        ext = _extension(name).casefold()
        other = [key for key in numbered if _extension(key).casefold() != ext]
        # one file only with another extension (of 'clip_01.mp4' and 'clip_1.mov', neither is meant more); for a name
        # with one, no file padded otherwise under it ('clip_01.mp4' for 'clip_1.mp4' is closest()'s, as every other
        # spelling), where a name without is told the file with one beside a bare one ('clip.02.mp4' beside 'clip.02')
        if len(other) == 1 and (not ext or len(numbered) == 1):
            return f" (did you mean {quoted(files[other[0]])}? {_extension_differs(name, other[0])})"
        elsewhere = by_base.get(PurePosixPath(name).name.casefold(), [])
        if elsewhere:
            many = f" {len(elsewhere)} files have that name;" if len(elsewhere) > 1 else ""
            return f" (did you mean {quoted(files[elsewhere[0]])}?{many} give paths relative to the video folder)"
        return ""

    return same_file


def _extension_differs(name: str, known: str) -> str:
    """How the file ``known`` the did-you-mean tells differs from ``name`` in extension: an import matches names
    exactly, so 'b' for b.mp4 loads nothing, and it was told "the file has another extension" (of a name without
    one); 'clip_01.mp4' for the file 'clip_01' has one the file has not."""
    if not _extension(name):
        return "the name has no extension"
    return f"the file has {'another' if _extension(known) else 'no'} extension"


def _numbered_alike(name: str, known: str) -> bool:
    """Whether ``name`` and ``known`` are spelt alike but for their numbers' values and padding ('s1.t2', 's1.t01')."""
    return numbered_key(name)[0] == numbered_key(known)[0]


def _another_numbered_clip(name: str, near: str) -> bool:
    """Whether ``name`` and the file spelt most like it differ only in the values of their numbers ('clip_99.mp4',
    'clip_09.mp4'): numbered stimuli are all spelt alike, so that file is another clip, not the one meant, and the
    video may be lost. A number padded ('clip 1.MP4' for 'clip 01.MP4') is the same clip."""
    (text, values), (near_text, near_values) = numbered_key(name), numbered_key(near)
    return text == near_text and values != near_values


def _resolve_names(
    df: pd.DataFrame, cols: list[str], files: dict[str, str], video_dir: Path, path: Path, problems: Problems,
    *, odd: bool = False, column_label: bool = True, lost: LostVideos | None = None, noun: str = "trial",
) -> tuple[np.ndarray, np.ndarray]:
    """(n, len(cols)) relative file paths of each cell (None when unknown) and the bad-row mask; with ``odd`` the
    last column names the odd one of the three before it. One rule for every file naming videos (the trials, the
    ``--test-videos`` list, the captions table); ``column_label`` False for a list without columns.

    ``lost`` (``--skip-missing-videos``): a row whose every unknown name is a lost video is dropped (still bad, not a
    problem) and counted in ``lost``. A name is lost when no file is that name in another case, with another
    extension or in another folder, it stays inside the folder, and (odd column) it is one of the row's three: those
    are a misspelling, not a missing video, and stay a problem with their did-you-mean. A name merely spelt alike
    ('clip_07.mp4' beside 'clip_06.mp4') is lost: numbered stimuli are all spelt alike. Without ``lost``, a row the
    flag would drop and whose name has no close file points to it (``noun``: what it drops, as ``LostVideos.warn``),
    and so does, once in the run of ``problems``, one whose close file is another numbered clip or where several are lost.
    An empty cell (a captions or ratings row without its video) is a problem with or without ``lost``: it names no
    video to lose."""
    same_file = _did_you_mean(files)
    out = np.full((len(df), len(cols)), None, dtype=object)
    unknown = np.zeros((len(df), len(cols)), dtype=bool)
    is_lost = np.zeros((len(df), len(cols)), dtype=bool)
    cell_names = np.full((len(df), len(cols)), "", dtype=object)
    typed = np.full((len(df), len(cols)), "", dtype=object)
    for k, col in enumerate(cols):
        # each distinct cell is read once: a THINGS-sized CSV (millions of rows naming ~2,000 videos) built and
        # checked four paths per row, 70 µs a row
        codes, values = pd.factorize(df[col].to_numpy(dtype=object), use_na_sentinel=False)
        # 'sub\\a.mp4', './sub/a.mp4' and 'sub//a.mp4' name the file 'sub/a.mp4' (they were refused as missing)
        names = [_cell_video_name(value, files) for value in values]
        rels = np.array([None if escapes_folder(name) else files.get(name) for name in names], dtype=object)
        out[:, k] = rels[codes]
        unknown[:, k] = np.array([rel is None for rel in rels], dtype=bool)[codes]
        cell_names[:, k] = np.array(names, dtype=object)[codes]
        typed[:, k] = np.array([str(v) for v in values], dtype=object)[codes]
        # hints only for the distinct unknown names; without the flag too, to point to it where it would drop the row.
        # An empty cell (a captions or ratings row without its video) names no video: it was dropped as a lost '.'
        is_lost[:, k] = np.array([rel is None and str(value) != "" and not escapes_folder(name) and not same_file(name)
                                  for value, name, rel in zip(values, names, rels)], dtype=bool)[codes]
    bad = unknown.any(axis=1)
    if odd:  # an odd video that is none of the three (a position '2' too) is a mislabelled trial, not a lost one
        is_lost[:, -1] &= (cell_names[:, -1:] == cell_names[:, :-1]).any(axis=1)
    losing = bad & ~(unknown & ~is_lost).any(axis=1)  # the rows --skip-missing-videos drops
    if lost is not None:
        dropped = losing
        lost.rows += int(dropped.sum())
        lost.videos.update(cell_names[dropped][unknown[dropped]])
    else:
        dropped = np.zeros(len(df), dtype=bool)
    # one problem per row: its first bad cell (with --skip-missing-videos: that is no lost video)
    shown = unknown & ~is_lost if lost is not None else unknown
    missing: dict[int, tuple[str, str, str]] = {}
    for i in np.flatnonzero(bad & ~dropped):
        k = int(np.argmax(shown[i]))
        missing[int(i)] = (cols[k], typed[i, k], cell_names[i, k])

    # listed like every other per-row problem (the first max_rows, then a count): a wrong video folder misses
    # every name, and printed one line per row of a 100 000-trial CSV; hints are built only for the rows shown
    where = sorted(missing)
    # a lost video spelt like another file ('clip_99.mp4' beside 'clip_09.mp4') was told only its did-you-mean, never
    # that the flag exists: it is named once per import where the name is another numbered clip or several are lost
    several_lost = len({missing[i][2] for i in where if losing[i]}) > 1
    flag = "--skip-missing-videos"

    def hint(col: str, name: str, i: int) -> str:
        if odd and col == cols[-1] and _names_a_position(name, cols[:3]):
            # it was told to give paths relative to the video folder, which the three videos already were
            three = ", ".join(str(df[c].iloc[i]) for c in cols[:3])
            return (f" (the odd one out is named by its video file, one of the trial's three ({three}), not by its "
                    "position or column)")
        near = same_file(name)
        if near:
            return near
        # a typo ('clip1.mp4' for 'clip_1.mp4') was told to give paths relative to the folder, which it did
        close = closest(name, files, cutoff=0.8)  # by NFC key, as same_file: a Mac's 'scène_06' is one spelling
        if close:
            lost_one = losing[i] and (several_lost or _another_numbered_clip(name, close))
            skip = (f" if the video is lost, pass {flag} to drop the {noun}s naming it"
                    if lost_one and problems.first_time(flag) else "")
            return f" (did you mean {quoted(files[close])}?{skip})"
        relative = " (give paths relative to the video folder, e.g. 'sub/clip.mp4'"
        if not losing[i]:
            return relative + ")"
        # a lost video, as the empty cell points to --skip-incomplete: the row is one the flag would drop (said on
        # each such line; a did-you-mean line after it need not say it again)
        problems.first_time(flag)
        return f"{relative}, or pass {flag} to drop the {noun}s naming it)"

    def column(col: str) -> str:
        return f"column {col!r}: " if column_label else ""

    def line(i: int) -> str:
        col, value, name = missing[i]
        if not value:  # it was told to give paths relative to the folder, or to pass --skip-missing-videos
            return f"column {col!r} is empty (remove the row)"
        return f"{column(col)}no video {quoted(value)} in {video_dir}{hint(col, name, i)}"

    problems.add_rows(path, df[ROW].to_numpy()[where], (line(i) for i in where))
    return out, bad


#: a first line of a ``--test-videos`` list that is no video but one of these (as ``_loose_key``) is a header
_LIST_HEADERS = ("video", "videoname", "videos", "name", "file", "filename", "path")


def _test_labels(listing: Path, clip_ids: list[str], files: dict[str, str], video_dir: Path,
                 problems: Problems, skip_missing: bool = False) -> list[str]:
    """Each clip's ``stimulus_set`` from the study's own list of test videos (one name per line, named as the
    trials name them): a seeded draw of clips splits trials drawn within fixed sets of clips, losing about half."""
    if not listing.is_file():
        problems.fatal("a folder, not a file (--test-videos: one video name per line)", path=listing)
    try:
        text = listing.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.fatal("not UTF-8 text; re-save it as UTF-8 (--test-videos: one video name per line)", path=listing)
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    first = _cell_video_name(lines[0][1], files) if lines else ""
    named = [field for field in first.split(",") if _loose_key(field) in _LIST_HEADERS]
    if first not in files and "," in first and named:  # the release's test.csv ('index,video_name'): every line
        # was "no video '3,3PJaYWt0cws_5.mp4'" with a did-you-mean, 51 problems for its 50 videos
        problems.fatal(f"line {lines[0][0]} {quoted(lines[0][1])} is a table's header, not a video: --test-videos reads one "
                       f"video name per line (write its {named[0]!r} column alone)", path=listing)
    if first not in files and _loose_key(first) in _LIST_HEADERS:
        # a list saved from a spreadsheet column starts with its header: it was reported as an unknown video
        logger.info("%s: line %d %r is read as a header, not a video", listing.name, lines[0][0], lines[0][1])
        lines = lines[1:]
    if not lines:
        problems.fatal("no video names (--test-videos: one video name per line)", path=listing)
    df = pd.DataFrame({"name": [name for _, name in lines], ROW: [n for n, _ in lines]})
    lost = LostVideos() if skip_missing else None
    rel, bad = _resolve_names(df, ["name"], files, video_dir, listing, problems, column_label=False, lost=lost,
                              noun="line")
    if lost is not None:
        lost.warn(listing, video_dir, "line")
    listed = set(rel[~bad, 0])
    unused = sorted(listed - set(clip_ids))
    if unused:  # in the folder but in no usable trial: not a clip, so in no split
        logger.warning("%s: %s %s in no usable trial and %s (first: %r)", listing.name,
                       count(len(unused), "listed video"), agree(len(unused), "appears", "appear"),
                       agree(len(unused), "is not a clip", "are not clips"), unused[0])
    return ["test" if c in listed else "train" for c in clip_ids]


#: the video column of a ``--captions``/``--ratings`` table (as ``_loose_key``): the release's
#: ``video_name`` too
_VIDEO_HEADERS = ("video", "videoname")
#: a ``--ratings`` table's column naming who rated (one row per rater): not a rating
_RATER_HEADERS = ("rater", "raterid", "participant", "participantid", "subject", "subjectid")


def _side_columns(df: pd.DataFrame, table: Path, roles: dict[str, tuple[str, ...]], required: tuple[str, ...],
                  reads: str, problems: Problems) -> dict[str, str]:
    """The column read as each role of a per-video table (``--captions``, ``--ratings``), headers folded by
    ``_loose_key``; ``reads``: what the flag reads, for a missing required column."""
    found: dict[str, str] = {}
    for role, keys in roles.items():
        alike = [c for c in df.columns if c != ROW and _loose_key(c) in keys]
        if not alike and role in required:
            problems.fatal(f"column {role!r} missing (columns: {_columns_found(df)}; {reads})", path=table)
        if len(alike) > 1:  # the first one was read, the others ignored without a word (as ``_header`` refuses)
            problems.fatal(f"columns {', '.join(map(repr, alike))} would each be read as the {role} column: keep "
                           "one, remove or rename the others", path=table)
        if alike:
            found[role] = alike[0]
    return found


#: a trials table's own catch-trial flag, optional (as ``_loose_key``): the release's ``catch_trial_flag``, the Hub
#: layout's ``is_catch``
_CATCH_HEADERS = ("catchtrialflag", "iscatch")


def _catch_flags(df: pd.DataFrame, path: Path, problems: Problems) -> np.ndarray:
    """Each row's own catch-trial flag (all False without such a column): an attention check of three distinct
    videos was kept as a judgment, though the release reader and a Hub folder drop the rows their flag marks."""
    found = _side_columns(df, path, {"catch": _CATCH_HEADERS}, (), "", problems)
    if "catch" not in found:
        return np.zeros(len(df), dtype=bool)
    flags = to_bools(df, found["catch"], path, problems)  # true/false, 1/0, yes/no; empty is False
    if flags.any():
        logger.info("%s: column %r flags %s as catch trials", path.name, found["catch"], count(int(flags.sum()), "row"))
    return flags


#: what a ``--captions`` table reads as a missing value: not PsychoPy's 'None', a word a rater types as a caption (no
#: one in the clip does anything), which was "column 'caption' is empty" with no way to import it
_CAPTION_MISSING = tuple(word for word in EXPORT_MISSING if word != "None")


def _caption_table(table: Path, clip_ids: list[str], files: dict[str, str], video_dir: Path,
                   problems: Problems, skip_missing: bool = False) -> dict[str, list[str]]:
    """``{clip: [captions by caption_index, else in file order]}`` from a ``video, caption`` CSV (several rows per
    video, as the release's captions.csv; ``video_name`` also read as ``video``): without it an import had no caption
    row to score. ``--caption first`` embeds a clip's first caption, so the release's ``caption_index`` orders them.
    A caption 'None' is kept as written, with a line counting them (PsychoPy's missing value, or a rater's word)."""
    df = read_csv(table, (), problems, drop_duplicates=False, missing_values=_CAPTION_MISSING)
    found = _side_columns(df, table, {"video": _VIDEO_HEADERS, "caption": ("caption",),
                                      "caption_index": ("captionindex",)}, ("video", "caption"),
                          "--captions reads columns video and caption", problems)
    written = int((df[found["caption"]] == "None").sum())
    if written:
        logger.warning("%s: kept %s 'None' as written (a rater's word): if %s PsychoPy's missing value instead, "
                       "remove %s", table.name, count(written, "caption"), agree(written, "it is", "they are"),
                       agree(written, "its row", "their rows"))
    empty = (df[found["caption"]] == "").to_numpy() & (df[found["video"]] != "").to_numpy()
    problems.add_rows(table, df[ROW].to_numpy()[empty],
                      (f"column {found['caption']!r} is empty (remove the row)" for _ in range(int(empty.sum()))))
    df = df.loc[~empty].reset_index(drop=True)
    lost = LostVideos() if skip_missing else None
    rel, bad = _resolve_names(df, [found["video"]], files, video_dir, table, problems, lost=lost, noun="row")
    if lost is not None:
        lost.warn(table, video_dir, "row")
    index = found.get("caption_index")
    order = None if index is None else to_ints(df, index, table, problems)[0][~bad]
    captions = captions_in_order(list(rel[~bad, 0]), list(df.loc[~bad, found["caption"]]), order)
    unused = sorted(set(captions) - set(clip_ids))
    if unused:
        logger.warning("%s: captions of %s that %s in no usable trial are not kept (first: %r)", table.name,
                       count(len(unused), "video"), agree(len(unused), "appears", "appear"), unused[0])
    return captions


def _rating_name(header: str) -> str:
    """``rating_<attr>`` of a ``--ratings`` column: 'Valence', 'rating-valence' and 'Rating Valence' are all
    ``rating_valence`` (the release's ``rating-<attr>`` and the clips config's ``rating_<attr>`` alike); '' when the
    header names no attribute: blank, or the prefix alone ('Rating' was stored as ``rating_rating``). Every leading
    ``rating`` goes, so ``rating_rating_valence`` is the valence rating too, not a ``rating_rating_valence``."""
    key = header_key(header)
    while key == "rating" or key.startswith("rating_"):
        key = key.removeprefix("rating").removeprefix("_")
    return f"rating_{key}" if key else ""


def _rating_table(table: Path, clip_ids: list[str], files: dict[str, str], video_dir: Path,
                  problems: Problems, skip_missing: bool = False) -> dict[str, np.ndarray]:
    """``{rating_<attr>: values in clip_ids order}`` from a ``video, <attr>, ...`` CSV: what the attribute probes
    read, which an import could not bring in. A video rated in several rows (one per rater) gets each attribute's mean
    of its non-empty cells; with a rater column, one rater's several rows of a video are averaged first (a rater who
    rated a clip twice counted twice in its mean), logged with a count; a clip without a row, or an empty cell, is not
    rated (NaN, which the probes leave out)."""
    # two unnamed raters may well agree on every attribute
    df = read_csv(table, (), problems, drop_duplicates=False, missing_values=EXPORT_MISSING)
    found = _side_columns(df, table, {"video": _VIDEO_HEADERS, "rater": _RATER_HEADERS}, ("video",),
                          "--ratings reads a video column and one or more numeric rating columns", problems)
    if "rater" in found:
        logger.info("%s: column %r names the raters (not a rating)", table.name, found["rater"])
        # one rater's row twice (two exports pasted together) would count that rater twice in the mean
        dup = df.drop(columns=[ROW]).duplicated(keep="first").to_numpy()
        if dup.any():
            logger.warning("%s: dropped %s (same rater, video and ratings)", table.name,
                           count(int(dup.sum()), "exact duplicate row"))
            df = df.loc[~dup].reset_index(drop=True)
    by_name: dict[str, str] = {}
    for col in (c for c in df.columns if c not in (ROW, *found.values())):
        again = re.fullmatch(r"(.+)\.\d+", col)  # pandas renames a repeated header 'Valence' to 'Valence.1'
        header = again.group(1) if again and again.group(1) in df.columns else col
        name = _rating_name(header)
        if not header_key(header) or blank_header(col):
            if (df[col] != "").any():
                problems.add(f"column {df.columns.get_loc(col) + 1} has values but no header: name its rating",
                             path=table)
            continue
        if (df[col] == "").all():  # a rating nobody filled in, or a spreadsheet's stray column
            logger.warning("%s: column %r is empty in every row: not a rating", table.name, col)
            continue
        if not name:  # 'Rating' alone
            problems.add(f"column {col!r} names no attribute: name the rating by what it rates (e.g. 'valence')",
                         path=table)
            continue
        if name in by_name:  # one would silently replace the other
            problems.add(f"column {col!r} is the {name.removeprefix('rating_')} rating again (after "
                         f"{by_name[name]!r}): remove or rename one", path=table)
            continue
        by_name[name] = col
    if not by_name:
        problems.fatal(f"no rating column (columns: {_columns_found(df)}; --ratings reads a video column and one or "
                       "more numeric rating columns)", path=table)
    # a text column (the release's stimulus_set, captions) was asked "is it the column you meant?": no flag named it
    if_text = ("--ratings reads each column but the video and rater ones as a numeric rating: remove it from the "
               "CSV, or write its ratings as numbers" if "rater" in found else
               "--ratings reads each column but the video one as a numeric rating: remove it from the CSV, head it "
               "'rater' if it names the raters, or write its ratings as numbers")
    values = pd.DataFrame({name: to_numbers(df, col, table, problems, allow_empty=True, if_text=if_text)
                           for name, col in by_name.items()})
    lost = LostVideos() if skip_missing else None
    rel, bad = _resolve_names(df, [found["video"]], files, video_dir, table, problems, lost=lost, noun="row")
    if lost is not None:
        lost.warn(table, video_dir, "row")
    videos = rel[~bad, 0]
    raters = (_rater_keys(df.loc[~bad, found["rater"]].to_numpy(), df.loc[~bad, ROW].to_numpy())
              if "rater" in found else None)
    repeats = _warn_repeated_raters(videos, raters, clip_ids, table)
    means = _clip_means(values.loc[~bad], videos, raters)
    unused = sorted(set(means.index) - set(clip_ids))
    if unused:
        logger.warning("%s: ratings of %s that %s in no usable trial are not kept (first: %r)", table.name,
                       count(len(unused), "video"), agree(len(unused), "appears", "appear"), unused[0])
    rows = pd.Series(videos).value_counts().reindex(clip_ids)
    several = rows[rows > 1]
    if len(several):
        logger.info("%s: %s rated in several rows (up to %d): each rating is the mean of %s", table.name,
                    f"{count(len(several), 'clip')} {agree(len(several), 'is', 'are')}", int(several.max()),
                    "its raters' means" if repeats else "their non-empty cells")
    unrated = [c for c in clip_ids if c not in means.index]
    if unrated:
        logger.warning("%s: %d of %d clips have no ratings row: not rated (NaN, left out of the probes; first: %r)",
                       table.name, len(unrated), len(clip_ids), unrated[0])
    means = means.reindex(clip_ids)
    return {name: means[name].to_numpy(dtype=np.float64) for name in by_name}


def _rater_keys(raters: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Who rated each ``--ratings`` row: the rater column's text, or, for an empty cell, the row number (an int, so
    an unnamed rater is nobody else)."""
    return np.array([name if name != "" else int(row) for name, row in zip(raters, rows)], dtype=object)


def _clip_means(values: pd.DataFrame, videos: np.ndarray, raters: np.ndarray | None) -> pd.DataFrame:
    """Each video's rating per attribute, skipping empty cells (NaN): the mean of its rows, or with ``raters`` the
    mean over raters of each rater's mean, so a rater who rated a video twice counts once."""
    if raters is None:
        return values.groupby(videos).mean()
    per_rater = values.groupby([pd.Series(videos, index=values.index, name="video"),
                                pd.Series(raters, index=values.index, name="rater", dtype=object)], sort=False).mean()
    return per_rater.groupby(level="video").mean()


def _warn_repeated_raters(videos: np.ndarray, raters: np.ndarray | None, clip_ids: list[str], table: Path) -> int:
    """Say how many rows repeat a rater's rating of a kept clip (averaged first by ``_clip_means``); the count."""
    if raters is None:
        return 0
    pairs = pd.DataFrame({"video": videos, "rater": raters})
    repeated = pairs.loc[pairs["video"].isin(clip_ids) & pairs.duplicated(keep="first")]
    if not len(repeated):
        return 0
    logger.warning("%s: %s in several rows (%s; first: %r on %r): each rater's rows of a clip are averaged "
                   "first, so every rater counts once in its mean", table.name,
                   f"{count(repeated['rater'].nunique(), 'rater')} rated a clip",
                   count(len(repeated), "repeated rating"), repeated["rater"].iloc[0], repeated["video"].iloc[0])
    return len(repeated)


@dataclass
class _TableColumns:
    """The CSV's own spelling of each role's column (``None``: an optional column it lacks)."""

    videos: list[str]
    odd: str
    participant: str
    trial: str | None
    rt: str | None
    session: str | None
    rt_unit_s: float

    @property
    def required(self) -> list[str]:
        """The columns every trial needs a value in."""
        return [*self.videos, self.odd, self.participant]


def _three_names(cell: str) -> bool:
    """Whether a cell is a list of three texts, as JSON (jsPsych's ``stimulus`` of a three-video trial) or as a
    Python list (PsychoPy's)."""
    if not cell.startswith("["):
        return False
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(cell)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        return isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)
    return False


def _refuse_listed_videos(df: pd.DataFrame, wanted: TripletColumns, path: Path, problems: Problems) -> None:
    """Stop with one line when a column holds each trial's three videos as one list cell (jsPsych's ``stimulus``):
    such an export was five "column missing" lines, each saying to name the columns with --videos-columns, which
    takes three columns and so cannot name the list. Looked for in the video columns asked for, or in every column
    when one of them is missing. The odd one is asked for by file name: a button index or key counts positions in
    the order the buttons were shown, which the export need not list the videos in."""
    have = {_loose_key(c): c for c in df.columns if c != ROW}
    named = [have.get(_loose_key(c)) for c in wanted.videos]
    # a list column named as a video column is told to name three others, not to write into itself
    where = ("three columns named with --videos-columns A,B,C" if None not in named else
             f"columns {','.join(wanted.videos)} (or name yours with --videos-columns A,B,C)")
    for col in named if None not in named else list(have.values()):
        cells = df[col].to_numpy(dtype=object)
        # each distinct cell once (a THINGS-sized CSV names ~2,000 videos in millions of rows), in order of first row
        listed = [cell for cell in pd.unique(cells) if _three_names(str(cell))]
        if not listed:
            continue
        first = int(np.flatnonzero(cells == listed[0])[0])
        problems.fatal(
            f"column {col!r} holds each trial's three videos in one cell (row {df[ROW].iloc[first]}: "
            f"{quoted(listed[0])}): data import reads them from three columns; write them in {where}, the odd video's "
            "file name (not a button index or key: the video on the button or key chosen, as shown) in column "
            f"{wanted.odd!r}, and keep only trial rows", path=path)


def _table_columns(df: pd.DataFrame, wanted: TripletColumns, path: Path, video_dir: Path,
                   problems: Problems) -> _TableColumns:
    """Find each role's column in the CSV, every missing or doubly used one reported; stops when a required one is
    missing (no row can be read without it)."""
    _refuse_the_releases_own_header(df, wanted, path, video_dir, problems)
    _refuse_listed_videos(df, wanted, path, problems)
    found = [_header(df, c, path, problems, required=True) for c in (*wanted.videos, wanted.odd, wanted.participant)]
    if None in found:
        raise StopChecks(f"{path}: missing columns")
    trial, rt, session = (
        _header(df, getattr(wanted, name), path, problems,
                required=getattr(wanted, name) != getattr(TripletColumns, name), flag=f"--{name}")
        for name in ("trial", "rt", "session"))
    cols = _TableColumns(videos=found[:3], odd=found[3], participant=found[4], trial=trial, rt=rt, session=session,
                         rt_unit_s=wanted.rt_unit_s)
    _check_one_role_per_column({"--videos-columns": cols.videos, "--odd": [cols.odd],
                                "--participant": [cols.participant], "--trial": [trial], "--rt": [rt],
                                "--session": [session]}, path, problems)
    # the default column missing with a unit given (a --rt the CSV lacks is reported above, once)
    if rt is None and wanted.rt == TripletColumns.rt and wanted.rt_unit_s != 1.0:
        problems.add(f"column {wanted.rt!r} missing (columns: {_columns_found(df)}); "
                     "a response-time unit was given (--rt-ms): name the column with --rt", path=path)
    return cols


def _drop_repeated_trials(df: pd.DataFrame, trial_col: str, path: Path) -> pd.DataFrame:
    """Two tables pasted together list a trial twice: one judgment (as the release reader drops such rows). Rows
    without a trial number may be one triplet shown twice, and stay."""
    dup = copied_trials(df.drop(columns=[ROW]), (df[trial_col] != "").to_numpy(), path)
    return df.loc[~dup].reset_index(drop=True) if dup.any() else df


def _numbers_only(df: pd.DataFrame, columns: list[str]) -> list[str]:
    """The distinct non-empty cells of ``columns`` when every one is a whole number (a clip index, not a file's
    name), else []. A whole float ('4.0', as pandas writes a column of numbers holding an empty cell) is one too:
    such a table got a did-you-mean per row where '4' got the one line."""
    cells = [c for c in pd.unique(df[columns].to_numpy(dtype=object).ravel()) if c != ""]
    return cells if all(re.fullmatch(r"\d+", c) or _WHOLE_FLOAT.fullmatch(c) for c in cells) else []


def _load_the_release_instead(path: Path) -> str | None:
    """What to do instead of importing the paper's release (its folder, or a table or folder inside it): load the
    release itself, as ``data import`` cannot read its index-coded judgments; None outside a release."""
    root = path.resolve() if path.is_dir() and find_release_data_dir(path) is not None else release_root_above(path)
    if root is None:
        return None
    return f"pass the release folder {root} itself to bgs-hf data stats/train (bgs_hf.data.load), no import needed"


#: the paper's all_triplets.csv columns that number a trial's clips and its odd one (indices into video_mapping.csv)
_RELEASE_CLIP_COLUMNS = ("stim1_name", "stim2_name", "stim3_name", "choice")


def _refuse_the_releases_own_header(df: pd.DataFrame, wanted: TripletColumns, path: Path, video_dir: Path,
                                    problems: Problems) -> None:
    """Stop with one line when the columns asked for are missing and the table is the paper's judgments (its
    stim*_name and choice columns, every cell a clip number, none a file's name in ``video_dir``): `data import
    all_triplets.csv` listed five missing columns, each saying to name them with --videos-columns/--odd/
    --participant, only for the import so named to be told to load the release instead. A table of one's own
    under those headers whose numbers name its videos (``30``) gets its missing columns listed, to map them."""
    have = {_loose_key(c): c for c in df.columns if c != ROW}
    if all(_loose_key(c) in have for c in (*wanted.videos, wanted.odd, wanted.participant)):
        return
    numbered = [have.get(_loose_key(c)) for c in _RELEASE_CLIP_COLUMNS]
    if None in numbered:
        return
    cells = _numbers_only(df, numbered)
    files = video_index(video_dir, Problems())
    if not cells or any(_names_a_file(c, files) for c in cells):  # its own: reported when read
        return
    load_it = _load_the_release_instead(path) or (
        f"load the release folder (the one holding data/{MAPPING.as_posix()}) with bgs-hf data stats/train "
        "(bgs_hf.data.load), no import needed")
    problems.fatal(f"columns {', '.join(map(repr, numbered))} number the clips as the paper's release does (first: "
                   f"{cells[0]!r}, an index into {MAPPING.name}): data import reads video file names; {load_it}",
                   path=path)


def _refuse_numbered_videos(df: pd.DataFrame, cols: _TableColumns, files: dict[str, str], video_dir: Path,
                            path: Path, problems: Problems) -> None:
    """Stop with one line when every video cell is a number and none names a file: a table coded by clip index (the
    paper's all_triplets.csv, whose numbers index video_mapping.csv) was "no video '30'" once per trial, 49,485
    lines on the release's, none saying why."""
    cells = _numbers_only(df, cols.videos)
    if not cells or any(_names_a_file(c, files) for c in cells):
        return
    load_it = _load_the_release_instead(path)
    instead = (f"; it is the paper's release, whose numbers index {MAPPING.name}: {load_it}" if load_it is not None
               else ": write each trial's video file names (relative to VIDEOS) in them")
    problems.fatal(f"columns {', '.join(map(repr, cols.videos))} number the videos (first: {cells[0]!r}) and no file "
                   f"in {video_dir} is named so: data import reads video file names{instead}", path=path)


#: a key's name as jsPsych (``event.key``: 'ArrowLeft', or 'arrowleft' lowercased) and PsychoPy ('left', 'space',
#: 'num_1') record a key press, as ``_loose_key``; a single character ('f', 'j') is a key too
_KEY_NAME = re.compile(r"arrow(left|right|up|down)|left|right|up|down|space(bar)?|enter|return|tab|(num|numpad|kp)\d"
                       r"|[lr]?(shift|ctrl|alt)")
#: at most this many distinct keys make an odd column a key column: three answers, their other case, a stray one
_MOST_KEYS = 6
#: the JavaScript key code jsPsych 6 records as ``key_press`` (jsPsych 7 writes the key's name, ``_KEY_NAME``), of the
#: keys a study answers with: Enter, space, the arrows, digits, letters and the number pad
_KEY_CODES = {13: "Enter", 32: "space", 37: "ArrowLeft", 38: "ArrowUp", 39: "ArrowRight", 40: "ArrowDown",
              **{48 + d: str(d) for d in range(10)}, **{65 + k: chr(ord("a") + k) for k in range(26)},
              **{96 + d: f"numpad {d}" for d in range(10)}}
#: an odd column holding one position in at least this many rows is no choice (a real one: 1 in 3^9 by chance); in
#: fewer, each row keeps its hint naming its three videos
_ONE_VALUE_ROWS = 10
_SAY_THE_VIDEO = ("data import reads the odd video's file name, one of the trial's three: write the video on the "
                  "{what} chosen, in the order shown (README: A jsPsych (or PsychoPy) export)")


def _is_key(cell: str) -> bool:
    """Whether an odd cell reads as the name of a key pressed ('ArrowLeft', 'f', 'space'), not a video's."""
    return len(cell) == 1 or bool(_KEY_NAME.fullmatch(_loose_key(cell)))


def _key_code(cell: str) -> int | None:
    """The JavaScript key code an odd cell is ('37', as pandas' float '37.0' too), None when it is none."""
    whole = _WHOLE_FLOAT.fullmatch(cell)
    digits = whole.group(1) if whole is not None else cell
    return int(digits) if digits.isdecimal() and int(digits) in _KEY_CODES else None


def _refuse_unknown_odd_column(df: pd.DataFrame, cols: _TableColumns, files: dict[str, str], path: Path,
                               problems: Problems) -> None:
    """Stop with one line when the odd column names no video in any row while the video columns do: a wrong --odd
    (the release's `token`, 'p1') was "no video 'p1'" once per trial, 49,485 lines. Names that are a file's in another
    case, extension or folder get each row's own did-you-mean (odd videos written without '.mp4': the column is right,
    its names misspelt); a wrong VIDEOS misses every column alike. Several positions (a button index, 0/1/2) or a few
    key names (a key pressed, 'ArrowLeft') or jsPsych 6 key codes (37, each named: which key is which position only
    the experiment knows) are a response column, told so in one line where it was a line per row (20 shown) or "is it
    the column you meant?"; so is one position (or a column's name) in every row of ``_ONE_VALUE_ROWS`` or more, no
    choice at all, where a shorter table keeps each row's hint naming its three videos."""
    same_file = _did_you_mean(files)

    def misspelt_file(cell: object) -> bool:  # the column is right: each row's did-you-mean says how to fix it
        return bool(same_file(_cell_video_name(cell, files)))

    odd_cells = [str(c) for c in pd.unique(df[cols.odd].to_numpy(dtype=object)) if c != ""]
    video_cells = set(pd.unique(df[cols.videos].to_numpy(dtype=object).ravel()))
    if (not odd_cells or any(_names_a_file(c, files) for c in odd_cells) or any(map(misspelt_file, odd_cells))
            or video_cells.intersection(odd_cells)  # lost videos, maybe
            or not any(_names_a_file(c, files) for c in video_cells)):
        return
    if all(_POSITION.fullmatch(c) for c in odd_cells) and len(odd_cells) > 1:
        held = ", ".join(sorted(odd_cells, key=float))
        problems.fatal(f"column {cols.odd!r} holds button or key positions ({held}), not video names, in every row: "
                       + _SAY_THE_VIDEO.format(what="button or key"), path=path)
    answered = int((df[cols.odd] != "").sum())
    if len(odd_cells) == 1 and _names_a_position(odd_cells[0], cols.videos) and answered >= _ONE_VALUE_ROWS:
        problems.fatal(f"column {cols.odd!r} holds {quoted(odd_cells[0])} in all {answered} answered rows, a "
                       "position or a video column's name, not a video's: one answer in every trial is no choice; "
                       "--odd names the column holding the odd video's file name; is it the column you meant?",
                       path=path)
    if all(_names_a_position(c, cols.videos) for c in odd_cells):
        return
    codes = [_key_code(c) for c in odd_cells]
    if len(odd_cells) <= _MOST_KEYS and None not in codes:
        named = ", ".join(f"{cell} = {_KEY_CODES[code]}" for code, cell in sorted(zip(codes, odd_cells)))
        problems.fatal(f"column {cols.odd!r} holds jsPsych 6 key codes ({named}), not video names, in every row: "
                       f"{_SAY_THE_VIDEO.format(what='key')}; if they are no key codes, is it the column you meant? "
                       "(--odd)", path=path)
    if len(odd_cells) <= _MOST_KEYS and all(map(_is_key, odd_cells)):
        problems.fatal(f"column {cols.odd!r} holds key names ({', '.join(map(quoted, odd_cells))}), not video names, "
                       f"in every row: {_SAY_THE_VIDEO.format(what='key')}; if they are no keys, is it the column you "
                       "meant? (--odd)", path=path)
    problems.fatal(f"column {cols.odd!r} names no video in any row (first: {quoted(odd_cells[0])}), though the video "
                   "columns do: --odd names the column holding the odd video's file name; is it the column you meant?",
                   path=path)


def _trial_keys(df: pd.DataFrame, cols: _TableColumns, trial: np.ndarray, numbered: np.ndarray) -> pd.DataFrame:
    """The usable numbered rows' participant, session (where read) and trial number, headed as the table heads them."""
    named = [cols.participant, *([cols.session] if cols.session is not None else [])]
    return df.loc[numbered, named].reset_index(drop=True).assign(**{str(cols.trial): trial[numbered]})


def _warn_unread_sessions(df: pd.DataFrame, cols: _TableColumns, keys: pd.DataFrame, path: Path) -> bool:
    """One warning when a participant's trial numbers repeat, no session column is read and the table has columns
    not read (whether it warned): the release's trial runs 0..20 in each of its 11 sets (column 'task'), and `data
    stats` counts a trial recorded twice in a row within a session, so without it 5 repeats were counted across sets,
    not the release's 167, without a word. A table with no other column has no session to name: its repeats are
    trials listed again (``warn_relisted_trials``), where it was told to name one ("columns not read: none")."""
    if cols.session is not None:
        return False
    again = keys.duplicated(keep="first").to_numpy()
    read = {ROW, *cols.required, cols.trial, cols.rt}
    unread = [c for c in df.columns if c not in read and _loose_key(c) not in _CATCH_HEADERS]
    if not again.any() or not unread:
        return False
    first = keys.loc[again].iloc[0]
    logger.warning("%s: participant %r has trial %d more than once and no session column is read: name it with "
                   "--session (columns not read: %s), or trials recorded twice in a row are counted across sessions",
                   path.name, first[cols.participant], int(first[str(cols.trial)]), ", ".join(unread))
    return True


# a cell naming a practice block (jsPsych's `phase`, a PsychoPy loop's name), or a column flagging practice trials
_PRACTICE_CELL = re.compile(r"(practi[cs]e|warmup|tutorial)(block|trials?|phase|round|session)?\d*")
_PRACTICE_HEADER = re.compile(r"(is)?practi[cs]e(trials?)?")
# a cell naming an attention check ('catch', 'Catch trial', 'attention_check'), or a catch flag under a name data
# import does not read as one (`catch_trial`, `is_catch_trial`, `attention_check`; _CATCH_HEADERS are read)
_CATCH_CELL = re.compile(r"(catch|attentioncheck|attncheck)(trials?|check)?\d*")
_CATCH_HEADER = re.compile(r"(is)?(catch|attentioncheck|attncheck)(trials?)?(flag)?")


@dataclass(frozen=True)
class _UnreadMark:
    """A kind of trial that a column data import does not read may mark: ``header`` a flag column's (its true cells
    mark), ``cell`` a cell's in any other column (each as ``_loose_key``); ``advice`` what the warning tells."""

    what: str
    header: re.Pattern[str]
    cell: re.Pattern[str]
    advice: str


_PRACTICE = _UnreadMark("practice", _PRACTICE_HEADER, _PRACTICE_CELL,
                        "they are imported as judgments like the others; if they are not data, drop those rows from "
                        "the CSV before importing")
_CATCH = _UnreadMark("catch trials", _CATCH_HEADER, _CATCH_CELL,
                     "they are imported as valid judgments, since data import reads a catch flag only from a column "
                     "named 'is_catch' or 'catch_trial_flag': to leave them out as catch trials, give a true/false "
                     "column that name (rename this one if it is that flag)")


def _warn_marked_rows(df: pd.DataFrame, cols: _TableColumns, keep: np.ndarray, path: Path, mark: _UnreadMark,
                      among: np.ndarray | None = None) -> None:
    """One warning per column not read that marks usable trials (``among`` them, where given) as ``mark``'s kind:
    an export keeps its practice block beside the main one (jsPsych's `phase`), or flags its attention checks of three
    distinct videos in a `catch_trial` column, and the import kept those trials as judgments without a word."""
    read = {ROW, *cols.required, cols.trial, cols.rt, cols.session}
    candidates = keep if among is None else keep & among
    for col in (c for c in df.columns if c not in read and _loose_key(c) not in _CATCH_HEADERS):
        cells = df[col].astype(str).str.strip().str.lower()
        if mark.header.fullmatch(_loose_key(col)):
            marked = [c for c in cells.unique() if is_true_text(c)]  # a flag as every flag column is read
        else:
            marked = [c for c in cells.unique() if mark.cell.fullmatch(_loose_key(c))]  # each value once
        flagged = cells.isin(marked).to_numpy() & candidates
        if not flagged.any():
            continue
        values = sorted(set(df.loc[flagged, col].astype(str)))
        rows = df[ROW].to_numpy()[flagged]
        logger.warning("%s: column %r marks %s of the %s as %s (%s; %s): %s",
                       path.name, col, f"{int(flagged.sum()):,}", count(int(keep.sum()), "usable trial"), mark.what,
                       first_few([repr(v) for v in values], 3), row_list(rows), mark.advice)


def _repeats_a_video(rel: np.ndarray) -> np.ndarray:
    """Each row whose three resolved videos (``rel[:, :3]``) repeat one: a catch trial by design."""
    a, b, c = rel[:, 0], rel[:, 1], rel[:, 2]
    return np.asarray((a == b) | (a == c) | (b == c), dtype=bool)


def _drop_incomplete_rows(df: pd.DataFrame, cols: _TableColumns, path: Path, problems: Problems, *,
                          skip: bool) -> tuple[pd.DataFrame, int]:
    """Rows with an empty required cell (a non-response): each a problem, or with ``skip`` (--skip-incomplete)
    dropped with a warning; and how many of them are no trial: no video and no answer, a screen that showed no
    stimulus (jsPsych writes a row for each instructions screen), counted apart, so neither the log nor the dataset
    card calls them trials left out, and without ``skip`` two or more of them are one problem line."""
    required = cols.required
    empty = (df[required] == "").to_numpy()
    incomplete = empty.any(axis=1)
    if not incomplete.any():
        return df, 0
    no_trial = (df[[*cols.videos, cols.odd]] == "").to_numpy().all(axis=1)
    no_trial_rows = "with no trial (no video and no odd-one-out: an instructions screen?)"
    if skip:
        kinds = ((incomplete & ~no_trial, logging.WARNING, f"with an empty {'/'.join(required)} cell"),
                 (no_trial, logging.INFO, no_trial_rows))
        for which, level, what in kinds:
            if which.any():
                logger.log(level, "%s: skipped %s %s (%s)", path.name, count(int(which.sum()), "row"), what,
                           row_list(df[ROW].to_numpy()[which]))
    else:
        # a jsPsych export's instructions screens, one per participant or block, are one line: listed one by one
        # they filled the listing's first rows, and the real non-responses among them went into its '... and N more'
        listed = incomplete & ~no_trial if no_trial.sum() > 1 else incomplete
        problems.add_rows(path, df[ROW].to_numpy()[listed],
                          (f"column {required[int(np.argmax(e))]!r} is empty (pass --skip-incomplete to drop trials "
                           "without a response)" for e in empty[listed]))
        if no_trial.sum() > 1:
            listing = row_list(df[ROW].to_numpy()[no_trial])
            problems.add(f"{count(int(no_trial.sum()), 'row')} {no_trial_rows} ({listing}): pass --skip-incomplete to "
                         "drop them", path=path)
    return df.loc[~incomplete].reset_index(drop=True), int(no_trial.sum())


def _odd_among_three(df: pd.DataFrame, rel: np.ndarray, bad: np.ndarray, cols: _TableColumns, path: Path,
                     problems: Problems) -> np.ndarray:
    """(n, 3): True at the one of each row's three videos its odd cell names (no True on a bad row). An odd video that
    is none of the three is reported: any position given to it would mislabel the trial."""
    in_triplet = (rel[:, :3] == rel[:, 3:4]) & ~bad[:, None]
    where = np.flatnonzero(~bad & ~in_triplet.any(axis=1))
    problems.add_rows(path, df[ROW].to_numpy()[where],
                      (f"column {cols.odd!r}: {quoted(df[cols.odd].iloc[i])} is none of the trial's three videos "
                       f"({', '.join(df[c].iloc[i] for c in cols.videos)})" for i in where))
    return in_triplet


def _require_given_paths(table: Path, video_dir: Path, side_files: dict[str, str | Path | None]) -> None:
    """Each path given is there, before anything is read: one that is not is bad input (``data import`` exits 2, as
    ``data validate`` and ``data stats`` of a source that is not there), not a problem in the data (exit 1)."""
    given = {"TABLE": table, "VIDEOS": video_dir, **{k: Path(v) for k, v in side_files.items() if v is not None}}
    for flag, path in given.items():
        if not expand_user(path).exists():  # named as given, `~` and all, with where it resolved to
            resolved = resolved_if_other(path)  # the path as given, and where it was looked for
            raise NoSuchSource(f"{path}: no such {'folder' if flag == 'VIDEOS' else 'file'} ({flag}"
                               + (f", resolved to {resolved})" if resolved else ")"))


def _response_times(df: pd.DataFrame, cols: _TableColumns, path: Path, problems: Problems) -> np.ndarray:
    """Each row's response time in seconds (NaN: an empty cell, or no rt column); text, 'nan', 'inf' and a negative
    time are problem lines."""
    if cols.rt is None:
        return np.full(len(df), np.nan)
    rt = to_numbers(df, cols.rt, path, problems, allow_empty=True)
    return no_negative_times(rt, df, cols.rt, path, problems) * cols.rt_unit_s


#: no human answers an odd-one-out trial faster than this (s): a median below it read with ``--rt-ms`` is in seconds
FASTEST_HUMAN_RT_S = 0.020
#: no study's typical odd-one-out answer takes longer than this (s): a median above it read in seconds is milliseconds
SLOWEST_MEDIAN_RT_S = 300.0


def _warn_implausible_times(rt_s: np.ndarray, cols: _TableColumns, path: Path) -> None:
    """Warn (not refuse: the times are stored, never filtered) about response times no human gives: 0, most often a
    missing time written as 0, is stored as an answer of 0 s (counted, once), and a median below
    :data:`FASTEST_HUMAN_RT_S` with ``--rt-ms`` is times in seconds: every one was stored 1000 times too small, without
    a word; a median above :data:`SLOWEST_MEDIAN_RT_S` without it is times in milliseconds (a lab's ``RT_ms``
    column, --rt-ms forgotten), stored 1000 times too large."""
    if cols.rt is None:
        return
    zero = int((rt_s == 0).sum())
    if zero:
        logger.warning("%s: %s in column %r %s 0, stored as an answer of 0 s: if 0 means no time was recorded, "
                       "leave those cells empty (missing)", path.name, count(zero, "response time"), cols.rt,
                       agree(zero, "is", "are"))
    timed = rt_s[np.isfinite(rt_s) & (rt_s > 0)]  # the zeros are said above
    if not len(timed):
        return
    median = float(np.median(timed))
    if cols.rt_unit_s != 1.0 and median < FASTEST_HUMAN_RT_S:
        logger.warning("%s: column %r read as milliseconds (--rt-ms) has a median of %g ms, and no one answers in "
                       "under %g ms: if the times are in seconds, drop --rt-ms", path.name, cols.rt,
                       median / cols.rt_unit_s, FASTEST_HUMAN_RT_S * 1000)
    if cols.rt_unit_s == 1.0 and median > SLOWEST_MEDIAN_RT_S:
        logger.warning("%s: column %r read as seconds has a median of %g s, and no study's typical answer takes over "
                       "%g s: if the times are in milliseconds, pass --rt-ms", path.name, cols.rt, median,
                       SLOWEST_MEDIAN_RT_S)


def _warn_one_trial_participants(participants: np.ndarray, cols: _TableColumns, path: Path) -> None:
    """Warn when every trial names a participant of its own: a wrong ``--participant`` (a trial or response id)
    made each trial a participant, and the participant split-half ceiling and repeat agreement were computed over
    them without a word."""
    if len(participants) > 1 and len(pd.unique(participants)) == len(participants):
        logger.warning("%s: column %r read as the participant names a different one in each of the %s: is it the "
                       "participant column? (--participant)", path.name, cols.participant,
                       count(len(participants), "trial"))


def _note_few_trial_participants(participants: np.ndarray, path: Path) -> None:
    """One INFO line naming the participants with under half the median participant's usable trials: a session left
    unfinished (3 trials of 40) was imported beside the full ones, into the split-half ceiling, without a word, where a
    study's exclusion criteria may leave it out. Not a warning: the paper's release keeps one such participant (32 of
    a median 231 trials), as a study may choose to."""
    names, n = np.unique(participants.astype(str), return_counts=True)
    median = float(np.median(n))
    few = np.flatnonzero(n < median / 2)
    if median < 4 or not few.size:
        return
    logger.info("%s: %s under half the median participant's %g usable trials (%s; an unfinished session?): kept; "
                "if your exclusion criteria leave them out, drop their rows from the CSV before importing",
                path.name, f"{count(few.size, 'participant')} {agree(few.size, 'has', 'have')}", median,
                first_few([f"{str(names[i])!r} with {n[i]}" for i in few[np.argsort(n[few], kind='stable')]]))


def read_triplet_table(
    table: str | Path, video_dir: str | Path, *, columns: TripletColumns | None = None,
    split_config: SplitConfig | None = None, skip_incomplete: bool = False, skip_missing_videos: bool = False,
    problems: Problems | None = None, test_videos: str | Path | None = None, captions: str | Path | None = None,
    ratings: str | Path | None = None,
) -> OddOneOutData:
    """Read a trial-per-row CSV that names videos by file name (relative to ``video_dir``).

    Clips are the videos the CSV names, sorted by path; train/test clips are the study's own
    (``test_videos``: a file naming the test videos, one per line; the other clips are train) or a seeded draw
    (``split_config``), which ``write_hub`` stores as ``stimulus_set``, so every later command sees the same
    split. ``captions``: a CSV of ``video, caption`` rows (several per video allowed); ``ratings``: a CSV of
    ``video, <attr>, ...`` rows, each numeric column the clips' ``rating_<attr>`` (several rows per video averaged,
    a rater's own repeats of a video first).
    All three name videos as the trials do; in the trials, captions and ratings a cell 'null', 'undefined', 'None' or
    'NULL' (how jsPsych, PsychoPy and SQL write a missing value) is empty, but for a caption 'None' (kept, logged).
    Rows with an empty video, odd or participant cell are an error unless ``skip_incomplete``
    (non-responses: then dropped and logged); empty trial, rt and session cells are allowed, a negative rt is an
    error, an rt of 0 is kept with a warning (a time not recorded is an empty cell), and so is a median rt under
    20 ms read in milliseconds (times in seconds?), one over 300 s read in seconds (milliseconds?) or a participant
    column naming a different one in every trial; so is a column not read marking trials as practice (kept). A
    participant with under half the median participant's trials is named in an INFO line (kept).
    A trial naming a video twice, or marked true in a ``catch_trial_flag`` or ``is_catch`` column, is a catch
    trial. A name no file in
    ``video_dir`` has is an error unless ``skip_missing_videos`` (a lost video: its trials, and its rows in the other
    three files, are dropped and logged with the names); a name that is a file's in another case, extension or
    folder stays an error with its did-you-mean (see ``_resolve_names``). The trials either flag dropped, and the exact
    duplicate rows dropped without one, are counted in ``meta["dropped_at_import"]`` (with the lost videos' names),
    which the dataset card states and records in its YAML with the table's name (``meta["imported_from"]``), so a
    re-publish says it again. The data set is named after the table (``judgments.csv`` -> ``judgments``), the
    default title of its card. Each path may start with ``~``; one given that is not there raises
    :class:`~bgs_hf.errors.NoSuchSource` before anything is read.
    """
    problems = Problems() if problems is None else problems
    _require_given_paths(Path(table), Path(video_dir),
                         {"--test-videos": test_videos, "--captions": captions, "--ratings": ratings})
    # `~` expanded, as bgs_hf.data.load and load_model take it: "~/t.csv: no such file (TABLE, resolved to
    # /home/me/t.csv)" named as where it looked a file that was there
    path, video_dir = expand_user(table), expand_user(video_dir)
    test_videos, captions, ratings = (None if v is None else expand_user(v) for v in (test_videos, captions, ratings))
    if not video_dir.is_dir():
        problems.fatal("a file, not a folder (VIDEOS: the folder the CSV's video names are relative to)", path=video_dir)
    if path.is_dir() and find_release_data_dir(path) is not None:  # the release given whole: "a folder, not a file"
        problems.fatal(f"the paper's release, not a CSV of trials naming video files: {_load_the_release_instead(path)}",
                       path=path)
    df = read_csv(path, (), problems, drop_duplicates=False, missing_values=EXPORT_MISSING)
    cols = _table_columns(df, columns or TripletColumns(), path, video_dir, problems)
    n_read = len(df)
    if cols.trial is not None:
        df = _drop_repeated_trials(df, cols.trial, path)
    # what the card says was left out (bgs_hf.data.hub.import_drops_note), in the order it is dropped
    dropped: dict[str, Any] = {"duplicate_rows": n_read - len(df)} if len(df) < n_read else {}
    n_read = len(df)
    df, no_trial = _drop_incomplete_rows(df, cols, path, problems, skip=skip_incomplete)
    if skip_incomplete and len(df) + no_trial < n_read:
        dropped["incomplete_trials"] = n_read - len(df) - no_trial
    if skip_incomplete and no_trial:
        dropped["no_trial_rows"] = no_trial
    files = video_index(video_dir, problems)
    _refuse_numbered_videos(df, cols, files, video_dir, path, problems)
    _refuse_unknown_odd_column(df, cols, files, path, problems)
    lost = LostVideos() if skip_missing_videos else None
    rel, bad = _resolve_names(df, [*cols.videos, cols.odd], files, video_dir, path, problems, odd=True, lost=lost)
    if lost is not None:
        lost.warn(path, video_dir)
        if lost.rows:
            dropped |= {"lost_video_trials": lost.rows, "lost_videos": sorted(lost.videos)}
    in_triplet = _odd_among_three(df, rel, bad, cols, path, problems)
    bad |= ~in_triplet.any(axis=1)
    trial = (to_numbers(df, cols.trial, path, problems, integer=True, allow_empty=True) if cols.trial
             else np.full(len(df), np.nan))
    rt = _response_times(df, cols, path, problems)
    flagged = _catch_flags(df, path, problems)
    keep = ~bad
    if not keep.any():
        problems.fatal("no usable trials", path=path)
    if cols.trial is not None:  # a trial given twice: its session not read, or the trial listed again (copies joined)
        numbered = keep & ~np.isnan(trial)
        keys = _trial_keys(df, cols, trial, numbered)
        if not _warn_unread_sessions(df, cols, keys, path):
            warn_relisted_trials(keys, df[ROW].to_numpy()[numbered], path)
    _warn_marked_rows(df, cols, keep, path, _PRACTICE)
    # attention checks of three distinct videos only: a trial repeating a video is a catch trial without a flag
    _warn_marked_rows(df, cols, keep, path, _CATCH, among=~flagged & ~_repeats_a_video(rel))
    _warn_implausible_times(rt[keep], cols, path)
    if not problems.items:  # rows refused (nothing is written): the few left say nothing of the table's participants
        _warn_one_trial_participants(df.loc[keep, cols.participant].to_numpy(), cols, path)
        _note_few_trial_participants(df.loc[keep, cols.participant].to_numpy(), path)
    clip_ids = sorted(set(rel[keep, :3].ravel()))
    pos = {c: i for i, c in enumerate(clip_ids)}
    idx = np.vectorize(pos.__getitem__, otypes=[np.int64])(rel[keep, :3])
    side = (clip_ids, files, video_dir, problems, skip_missing_videos)
    labels = None if test_videos is None else _test_labels(Path(test_videos), *side)
    caption_of = {} if captions is None else _caption_table(Path(captions), *side)
    rating_of = {} if ratings is None else _rating_table(Path(ratings), *side)
    clips = pd.DataFrame({"clip_id": clip_ids, "video": [str((video_dir / c).resolve()) for c in clip_ids],
                          "captions": [caption_of.get(c, []) for c in clip_ids], "stimulus_set": labels,
                          **rating_of})
    judgments = pd.DataFrame({
        "clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2],
        "odd": np.argmax(in_triplet[keep], axis=1).astype(np.int8),
        "participant": df.loc[keep, cols.participant].to_numpy(),
        "session": df.loc[keep, cols.session].to_numpy() if cols.session else "",
        "trial": np.where(np.isnan(trial[keep]), -1, trial[keep]).astype(np.int64),
        "rt_s": rt[keep], "is_catch": non_distinct(idx) | flagged[keep],
    })
    # the table's name as given (through a symlink, not its target's): the card's "imported from", kept in its YAML
    meta: dict[str, Any] = {"source": "triplet-table", "table": str(path.resolve()), "imported_from": path.name,
                            "video_dir": str(video_dir.resolve())}
    if dropped:  # the dataset card says what the import left out (bgs_hf.data.hub.import_drops_note)
        meta["dropped_at_import"] = dropped
    # not after the video folder: one folder of stimuli often serves several experiments' tables
    return finish(clips, judgments, name=path.stem, root=None, meta=meta,
                  split_config=split_config or SplitConfig(), problems=problems)


def collect_problems(table: str | Path, video_dir: str | Path, *, decode_videos: bool = False,
                     **kwargs: object) -> tuple[OddOneOutData | None, list[BGSInputError]]:
    """Every problem in the CSV at once (what ``bgs-hf data import`` prints before writing anything). A path given that
    is not there raises :class:`~bgs_hf.errors.NoSuchSource` instead: bad input (exit 2), no data to check.
    ``decode_videos`` (the import's) also lists each named video whose first frame does not decode, or that shows one
    frame, in ``data validate``'s words: a text file saved as 'b.mp4' was copied in and written, and met only once OUT
    existed. Only the first frame is decoded: a frame mid-clip decoded half of every clip of a large import."""
    problems = Problems(collect=True)
    try:
        data = read_triplet_table(table, video_dir, problems=problems, **kwargs)  # type: ignore[arg-type]
    except StopChecks:
        data = None
    except NoSuchSource:  # a path given is not there: bad input, nothing to check
        raise
    except BGSInputError as err:
        problems.items.append(err)
        data = None
    if data is not None and not problems.items:  # a split `data validate` refuses: say so before writing (once
        # the rows are right: which trials are usable decides the split's judgments)
        change = ("check --test-videos" if kwargs.get("test_videos") is not None
                  else "change --test-fraction (or --split-seed)")
        check_splits(data, problems, hint=f"; a split counts only the trials whose three videos all lie in it: {change}")
    if data is not None and decode_videos:
        check_videos(data, problems, first_frame=True)
    return data, problems.items
