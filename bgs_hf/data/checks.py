"""Robust table reading and problem collection shared by every reader.

Readers report each problem through :class:`Problems`: in strict mode (``load``) the first one raises
a one-line :class:`BGSInputError`; in collecting mode (``bgs-hf data validate``) all are gathered so a
user fixes a file in one pass instead of one error at a time.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from bgs_hf._format import agree, closest, count, row_list
from bgs_hf.errors import BGSInputError

logger = logging.getLogger(__name__)

#: column holding the 1-based data row (header not counted) in the source file.
ROW = "_row"


class MoreRows(BGSInputError):
    """The one line standing for the rows of a kind of problem past ``Problems.max_rows``: a total counts it as
    those rows (`data import` said "21 problem(s) found" of 126 bad rows)."""

    def __init__(self, n_rows: int, *, path: str | Path | None = None) -> None:
        super().__init__(f"... and {count(n_rows, 'more row')} with problems like the above", path=path)
        self.n_rows = n_rows


def count_problems(problems: Iterable[BGSInputError]) -> int:
    """How many problems a collected list holds, a :class:`MoreRows` line counting as the rows it stands for."""
    return sum(p.n_rows if isinstance(p, MoreRows) else 1 for p in problems)


class StopChecks(Exception):
    """Raised (collecting mode) when a problem makes further checks of the same source pointless."""


@dataclass
class Problems:
    """Collects or raises input problems. ``max_rows`` caps per-kind row listings in collecting mode."""

    collect: bool = False
    max_rows: int = 20
    items: list[BGSInputError] = field(default_factory=list)
    #: per source read from several files, each file and its row count in reading order (see :meth:`shards`)
    files_of: dict[Path, tuple[tuple[Path, int], ...]] = field(default_factory=dict)
    #: the hints given once in a run of checks (a flag to pass), where a line of each problem they fit is too many
    said: set[str] = field(default_factory=set)

    def first_time(self, hint: str) -> bool:
        """Whether ``hint`` is given here for the first time in this run of checks (it is then marked given)."""
        new = hint not in self.said
        self.said.add(hint)
        return new

    def shards(self, source: str | Path, files: Sequence[tuple[Path, int]]) -> None:
        """Rows of ``source`` are numbered across ``files`` (file, rows) read one after the other; a problem then
        names the file and its own row, since no file has the source's row 5,012."""
        self.files_of[Path(source)] = tuple(files)

    def locate(self, source: str | Path, row: int) -> tuple[Path, int]:
        """The file and its own row of ``source``'s row ``row`` (``source`` itself where it was read from one file)."""
        for file, n_rows in self.files_of.get(Path(source), ()):
            if row <= n_rows:
                return file, row
            row -= n_rows
        return Path(source), row

    def add(self, message: str, *, path: str | Path | None = None, row: int | None = None) -> None:
        if path is not None and row is not None and Path(path) in self.files_of:
            path, row = self.locate(path, row)
        self._keep(BGSInputError(message, path=path, row=row))

    def _keep(self, err: BGSInputError) -> None:
        if not self.collect:
            raise err
        self.items.append(err)

    def add_rows(self, path: str | Path | None, rows: Sequence[int] | np.ndarray,
                 messages: Iterable[str]) -> None:
        """One problem per bad row (first ``max_rows``), then one line counting the rest."""
        rows = list(rows)
        for i, (row, msg) in enumerate(zip(rows, messages)):
            if i >= self.max_rows:
                self._keep(MoreRows(len(rows) - self.max_rows, path=path))
                break
            self.add(msg, path=path, row=int(row))

    def fatal(self, message: str, *, path: str | Path | None = None, row: int | None = None) -> NoReturn:
        """A problem after which this source cannot be read further."""
        self.add(message, path=path, row=row)
        raise StopChecks(message)


def header_key(name: str) -> str:
    """A column header as a spreadsheet user may have retyped it, folded: 'Stimulus Set', 'stimulus-set' and
    'Stimulus_Set' are all 'stimulus_set'. The one rule every reader of a user's CSV matches headers by."""
    return "_".join(str(name).strip().casefold().replace("-", " ").replace("_", " ").split())


def blank_header(col: str) -> bool:
    """Whether ``col`` is pandas' name for a blank header cell ('Unnamed: 7', 'Unnamed: 7.1')."""
    return re.fullmatch(r"Unnamed: \d+(\.\d+)?", col) is not None


def missing_column(col: str, columns: Sequence[str], required: Sequence[str]) -> str:
    """The line for a required column ``col`` that is not among ``columns``, naming the header the user most likely
    meant ('Choice', 'stim1 name', 'participant' for 'participation'): the list of columns alone left the user to
    spot the retyped one. A header that is itself a required column is never the guess."""
    by_key = {header_key(c): c for c in columns if c not in required}
    near = by_key.get(header_key(col)) or by_key.get(closest(header_key(col), by_key) or "")
    hint = f"did you mean {near!r}? rename it to {col!r}; " if near else ""
    return f"column {col!r} missing ({hint}columns: {', '.join(map(str, columns))})"


def read_csv(path: Path, required: Sequence[str], problems: Problems, *, drop_duplicates: bool = True,
             missing_values: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV as stripped strings, tolerant of BOM, CRLF and stray whitespace.

    Rows repeating the header (files joined one after another), the rows survey and experiment tools write that
    are no data (Qualtrics' question-text and ImportId rows, Gorilla's 'END OF FILE') are skipped and exact
    duplicate rows dropped (each logged); a cell that is exactly one of ``missing_values`` (:data:`EXPORT_MISSING`:
    jsPsych's 'null') is read as empty. ``ROW`` keeps each row's 1-based position in the file.
    Missing file, empty file and missing required columns are fatal for this file.
    """
    if not path.is_file():
        problems.fatal("a folder, not a file" if path.is_dir() else "file missing", path=path)
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        problems.fatal("empty file", path=path)
    _check_text(raw, path, problems)
    rows = _data_rows(raw, path, problems)
    df = _parsed(path, problems)
    if df.empty:
        problems.fatal("no data rows (header only)", path=path)
    missing = [c for c in required if c not in df.columns]
    for col in missing:
        problems.add(missing_column(col, list(df.columns), required), path=path)
    if missing:
        raise StopChecks(f"{path}: missing columns")
    for col in df.columns:
        df[col] = df[col].str.strip()
    df[ROW] = rows if rows is not None and len(rows) == len(df) else np.arange(1, len(df) + 1)
    df = _without_tool_rows(df, path, problems)
    df = _without_repeated_headers(df, path, problems)
    if missing_values:
        df = _missing_as_empty(df, missing_values, path)
    return _without_blank_or_duplicate_rows(df, path, problems, drop_duplicates=drop_duplicates)


#: what experiment software writes in a cell whose value is missing: jsPsych 'null' (and 'undefined' where a script
#: wrote the value itself), a SQL dump 'NULL', PsychoPy (Python) 'None'; read as an empty cell by ``data import``
EXPORT_MISSING = ("null", "NULL", "undefined", "None")
#: a cell of Qualtrics' third header row ('{"ImportId":"QID1"}', '{"ImportId":"startDate","timeZone":"..."}')
_IMPORT_ID = re.compile(r'\{\s*"ImportId"\s*:')
#: the first cell of the row Gorilla ends each data file with
_GORILLA_END = "END OF FILE"
#: Qualtrics' response columns (headers folded as ``header_key`` less '_') and what its question-text row holds under
#: each, folded alike: 'Start Date' under StartDate, 'Response Type' under Status; the legacy export's V1..V10 headers
#: with 'ResponseID', ... under them. No trial has such a cell: a start date, a response id or a progress of 100 does
_QUALTRICS_LABELS = {
    **{key: (key,) for key in ("startdate", "enddate", "ipaddress", "progress", "duration(inseconds)", "finished",
                               "recordeddate", "responseid", "recipientlastname", "recipientfirstname",
                               "recipientemail", "locationlatitude", "locationlongitude", "distributionchannel",
                               "userlanguage")},
    "status": ("responsetype",), "externalreference": ("externaldatareference",),
    **{f"v{k}": (label,) for k, label in enumerate(("responseid", "responseset", "name", "externaldatareference",
                                                    "emailaddress", "ipaddress", "status", "startdate", "enddate",
                                                    "finished"), start=1)},
}


def _qualtrics_question_texts(df: pd.DataFrame, cols: Sequence[str]) -> bool:
    """Whether ``df``'s first row is Qualtrics' question-text row of an export without the ImportId row below it (its
    legacy format, or one whose ImportId row was deleted): under each of Qualtrics' own response columns the table has,
    that column's label ('Response ID' under ResponseId), which no respondent's row holds. A label the rows below hold
    too is the study's own data (its column 'Finished' reading 'finished' on every session): the first trial was
    skipped as Qualtrics' row."""
    def folded(text: str) -> str:
        return header_key(text).replace("_", "")

    def label_once(col: str, labels: tuple[str, ...]) -> bool:
        cells = df[col]
        return folded(cells.iloc[0]) in labels and not any(folded(c) in labels for c in cells.iloc[1:].unique())

    labelled = [(col, _QUALTRICS_LABELS[folded(col)]) for col in cols if folded(col) in _QUALTRICS_LABELS]
    return bool(labelled) and all(label_once(col, labels) for col, labels in labelled)


def _missing_as_empty(df: pd.DataFrame, missing: Sequence[str], path: Path) -> pd.DataFrame:
    """``df`` with each cell that is exactly one of ``missing`` read as empty, as a cell left empty is, with one line
    counting them: a jsPsych export's 'null' was a problem line per row ("no video 'null'", "'null' is not a finite
    number") where an empty cell is a non-response (--skip-incomplete) or a missing time."""
    found: dict[str, int] = {}
    for col in (c for c in df.columns if c != ROW):
        hit = df[col].isin(missing)
        if hit.any():
            for word, n in df.loc[hit, col].value_counts().items():
                found[word] = found.get(word, 0) + int(n)
            df[col] = df[col].mask(hit, "")
    if found:
        logger.info("%s: read %s as empty (missing): %s", path.name, count(sum(found.values()), "cell"),
                    ", ".join(f"{n} {word!r}" for word, n in found.items()))
    return df


def _without_tool_rows(df: pd.DataFrame, path: Path, problems: Problems) -> pd.DataFrame:
    """``df`` less the rows an export tool writes that hold no data, each kind skipped with one line: Qualtrics' two
    rows under the header (the question texts, then '{"ImportId":"QID1"}' cells; an older export's question texts
    alone, see ``_qualtrics_question_texts``) and Gorilla's closing 'END OF FILE' row were a problem line per column
    ("no video 'Left video'"), or, with --skip-incomplete, dropped and counted on the card as a participant's trial.
    An ImportId row further down (a second export pasted below) is one line saying which rows to delete: the row above
    it may be a trial."""
    cols = [c for c in df.columns if c != ROW]
    if not cols or df.empty:
        return df
    # column by column, testing only the rows still alike (a table of trials tests its first column)
    import_id = np.ones(len(df), dtype=bool)
    for col in cols:
        at = np.flatnonzero(import_id)
        cells = df[col].iloc[at]  # '{' first (vectorised): the regex runs on the few rows of such cells
        import_id[at] = ((cells == "") | cells.str.startswith("{")).to_numpy()
        at = at[import_id[at]]
        import_id[at] = [c == "" or _IMPORT_ID.match(c) is not None for c in df[col].iloc[at].to_numpy()]
    at = np.flatnonzero(import_id)  # a row of empty cells is no ImportId row
    import_id[at] = (df[cols].iloc[at] != "").any(axis=1).to_numpy()
    drop = np.zeros(len(df), dtype=bool)
    where = np.flatnonzero(import_id)
    top, kind = 0, ""
    if len(where):
        top = 2 if where[0] == 1 and not import_id[0] else 1 if where[0] == 0 else 0  # the question texts above it
        if len(where) > (1 if top else 0):
            later = int(df[ROW].iloc[where[1] if top else where[0]])
            problems.fatal("a Qualtrics ImportId row ('{\"ImportId\": ...}' cells) below the data's first rows (a "
                           "second export pasted below the first?): delete it and the question-text row above it",
                           path=path, row=later)
        kind = "question-text and ImportId rows" if top == 2 else "ImportId row"
    elif _qualtrics_question_texts(df, cols):  # an older export's: a problem line per column ("no video 'Left video'")
        top, kind = 1, "question-text row"
    if top:
        drop[:top] = True
        shown = " and ".join(str(int(r)) for r in df[ROW].iloc[:top])
        logger.info("%s: skipped %s %s under the header: Qualtrics' %s, not trials", path.name,
                    agree(top, "row", "rows"), shown, kind)
    end = (df[cols[0]] == _GORILLA_END).to_numpy(copy=True)
    if end.any():
        end[end] = (df.loc[end, cols[1:]] == "").all(axis=1).to_numpy()
        if end.any():
            logger.info("%s: skipped %s (Gorilla's end-of-file marker, not a trial)", path.name,
                        count(int(end.sum()), f"{_GORILLA_END!r} row"))
            drop |= end
    if not drop.any():
        return df
    df = df.loc[~drop].reset_index(drop=True)
    if df.empty:
        problems.fatal("no data rows (header only)", path=path)
    return df


def _without_repeated_headers(df: pd.DataFrame, path: Path, problems: Problems) -> pd.DataFrame:
    """``df`` less the rows that repeat its header, skipped with one warning: exports joined one after another (``cat``
    of a folder of session files) carry each file's header, which was read as a trial of the videos 'video1', ...
    (a problem line per column). A row of the same names in another order is refused in one line: the rows below it
    were written in that order, and read under the first header they were shifted (response times read as trial
    numbers) once that row was deleted."""
    def folded(cell: str) -> str:  # a joined file's BOM starts its header's first cell (a short row's cells read '')
        if cell.startswith("\ufeff") and len(cell) > 2 and cell[1] == cell[-1] == '"':
            # before the quote that opens it where every name is quoted: the parser kept '"Participant"' whole
            cell = cell[2:-1].replace('""', '"')
        return header_key(cell.lstrip("\ufeff"))

    cols = [c for c in df.columns if c != ROW]
    keys = ["" if blank_header(c) else header_key(c) for c in cols]
    names = sorted(k for k in keys if k)
    if len(names) < 2:  # a one-column list may well hold its header's word
        return df
    alike = np.ones(len(df), dtype=bool)  # rows whose every cell so far is blank or a column's name
    for col in cols:  # column by column, folding only the rows still alike: a table of trials folds one column
        at = np.flatnonzero(alike)
        alike[at] = [k == "" or k in names for k in map(folded, df[col].to_numpy()[at])]
    rows = {int(i): [folded(v) for v in df.iloc[i][cols]] for i in np.flatnonzero(alike)}
    at = [i for i, row in rows.items() if sorted(k for k in row if k) == names]
    if not at:
        return df
    moved = [i for i in at if rows[i] != keys]
    if moved:
        problems.fatal("the header again with its columns in another order (files with different columns joined "
                       "line by line?): join them by column name", path=path, row=int(df[ROW].iloc[moved[0]]))
    logger.warning("%s: skipped %s repeating the header (files joined one after another?): %s", path.name,
                   count(len(at), "row"), row_list([df[ROW].iloc[i] for i in at], 5))
    df = df.drop(index=df.index[at])
    if df.empty:
        problems.fatal("no data rows (header only)", path=path)
    return df


def _parsed(path: Path, problems: Problems) -> pd.DataFrame:
    """The file as pandas reads it, every cell a string and the headers stripped; a text pandas cannot split into
    the header's columns is fatal for this file."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a first row one field wider than the header became the index, every column shifted
            df = pd.read_csv(
                path, dtype=str, encoding="utf-8-sig", keep_default_na=False, skipinitialspace=True, index_col=False
            )
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as err:
        problems.fatal(f"cannot parse CSV ({str(err).splitlines()[0]})", path=path)
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):  # what _data_rows could not scan
        problems.fatal("a row has more fields than the header has columns", path=path)
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    return df


def _without_blank_or_duplicate_rows(df: pd.DataFrame, path: Path, problems: Problems, *,
                                     drop_duplicates: bool) -> pd.DataFrame:
    """``df`` less its rows of empty cells and (with ``drop_duplicates``) its exact repeats, each logged with a count;
    only blank rows left is fatal, as a header-only file is."""
    # Excel saves rows it once formatted below the data as ',,,,': blank lines, not rows of empty cells (each was a
    # row of problems, and two of them an 'exact duplicate')
    blank = (df.drop(columns=[ROW]) == "").all(axis=1)
    if blank.any():
        logger.info("%s: skipped %s (separators only)", path.name, count(int(blank.sum()), "empty row"))
        df = df.loc[~blank]
        if df.empty:
            problems.fatal("no data rows (header only)", path=path)
    if drop_duplicates:
        dup = df.drop(columns=[ROW]).duplicated(keep="first")
        if dup.any():
            logger.warning("%s: dropped %s", path.name, count(int(dup.sum()), "exact duplicate row"))
            df = df.loc[~dup]
    return df.reset_index(drop=True)


def _data_rows(raw: bytes, path: Path, problems: Problems) -> np.ndarray | None:
    """Each data row's number as a spreadsheet shows it, blank lines counted (pandas skips them, so a problem after
    one named the row above it); a row with a value past the header's last column is refused (pandas read the
    first such row's extra field as the row index, shifting every column: 'index' held the video names). None
    when the csv module cannot split the text (pandas may: a bare '\\r' line end)."""
    try:
        records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), skipinitialspace=True))
    except csv.Error:
        return None
    blank = [_blank_line(r) for r in records]
    header = blank.index(False) if False in blank else len(records)  # blank lines above the header are skipped too
    width = len(records[header]) if header < len(records) else 0
    wide = [(i - header, len(records[i])) for i in range(header + 1, len(records))
            if len(records[i]) > width and not blank[i]]
    if wide:
        more = f" (and {count(len(wide) - 1, 'more row')} like it)" if len(wide) > 1 else ""
        problems.fatal(f"{wide[0][1]} fields but the header has {width} columns{more}: remove the extra field (a "
                       "trailing comma?) or name its column in the header", path=path, row=wide[0][0])
    return np.array([i - header for i in range(header + 1, len(records)) if not blank[i]], dtype=np.int64)


def _blank_line(record: list[str]) -> bool:
    """Whether a csv record is a blank line, which pandas skips (a row of only commas is a row of empty cells to it)."""
    return not any(v.strip() for v in record) and len(record) <= 1


def _row_of_byte(raw: bytes, at: int) -> int | None:
    """The data row holding byte ``at``, numbered as :func:`_data_rows` numbers the rows (None: the header, or a
    blank line above it). Counting the line breaks before it named row 4 of a two-row file below two blank lines, and
    one row too far past a cell holding a line break (a caption typed with Alt+Enter)."""
    text = raw[:at].decode("utf-8-sig")  # the text before the first byte that is not UTF-8
    try:  # "x" stands for that byte, so the last record is the one holding it
        records = list(csv.reader(io.StringIO(text + "x"), skipinitialspace=True))
    except csv.Error:
        return text.count("\n") or None
    blank = [_blank_line(r) for r in records]
    header = blank.index(False)  # the last record holds "x": there is one that is not blank
    return len(records) - 1 - header or None


#: Excel's separator hint line: 'sep=,', quoted in some locales ('"sep=;"'), padded to the table's width by a
#: spreadsheet's re-save ('sep=,,,,,,'); ``sep`` is the separator hinted ('' where the line's stripping took a tab)
_SEP_HINT = re.compile(r'(?P<quote>"?)sep=(?P<sep>.?)(?P=quote)[,;\t]*', re.IGNORECASE)


def _check_text(raw: bytes, path: Path, problems: Problems) -> None:
    """What a spreadsheet re-save does to a CSV, caught before pandas turns it into many misleading lines:
    a legacy encoding (Windows Excel's 'CSV (Comma delimited)' is cp1252), ';' or tab separators
    (Excel in comma-decimal locales) or '|' ones, which pandas reads as one column whose name is the whole header
    (below a 'sep=;', 'sep=|' or 'sep=<tab>' hint line too), and Excel's 'sep=,' first line (quoted or padded alike),
    which pandas read as the header ('remove the extra field' of every row), or any such hint above columns it does
    not name."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        row = _row_of_byte(raw, err.start)
        where = "" if row else " in the header"
        problems.fatal(f"not UTF-8 text (byte 0x{raw[err.start]:02x}{where}); re-save it as "
                       "'CSV UTF-8 (Comma delimited)'", path=path, row=row)
    # the first line with text, as pandas and _data_rows take it: blank lines above a ';' header gave a 'column
    # missing' line per required column instead of this one
    lines = (line.decode("utf-8").lstrip("\ufeff").strip() for line in raw.split(b"\n"))
    header = next((line for line in lines if line), "")
    if hint := _SEP_HINT.fullmatch(header):
        hinted = hint["sep"] or "\t"  # 'sep=<tab>' lost its tab to the stripping
        below = next((line for line in lines if line), "")
        # read as the header ('sep=,' as two columns): every row 'too wide'; a 'sep=;' above columns without a ';'
        # (commas, tabs, one column) said they were separated by ';'; a hint above the columns it names falls below
        # (the ';' or tabs line)
        if hinted == "," or hinted not in below:
            problems.fatal(f"the first line {header!r} is a spreadsheet's separator hint, not the header: delete "
                           "that line", path=path)
        if not hint["sep"]:  # the header below shows the tabs it hints at
            header = below
    if "," in header:
        return
    for sep, shown in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):  # '|': a database or shell tool's export
        if sep in header:
            problems.fatal(
                f"columns are separated by {shown}, not commas (header {header[:60]!r}); "
                "re-save it as 'CSV UTF-8 (Comma delimited)'",
                path=path,
            )


def to_numbers(
    df: pd.DataFrame, col: str, path: Path, problems: Problems, *, integer: bool = False, allow_empty: bool = False,
    if_text: str = "is it the column you meant?",
) -> np.ndarray:
    """Convert a string column to float64, reporting every bad row with its value; bad/empty -> NaN. ``if_text``: what
    to do about a column of text, where the reader, not the user, chose it (``--ratings`` reads every other column)."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    empty = (raw == "").to_numpy()
    finite = np.isfinite(num)
    bad = ~finite & ~(empty & allow_empty)  # 'nan'/'inf' text is an error; an empty cell is missing
    # float64 holds integers exactly to 2**53: past it 12345678901234567 was read as ...568, 1e20 as int64 min,
    # and 2**53 + 1 reads as 2**53 itself, so 2**53 is refused too
    huge = integer & finite & (np.abs(num) >= 2.0**53)
    if integer:
        # of the finite values only: inf % 1 printed numpy's "RuntimeWarning: invalid value encountered in remainder"
        # above the one line that already names the 'inf' cell
        fraction = np.mod(num, 1.0, out=np.zeros_like(num), where=finite)
        bad |= (fraction != 0) | huge
    if allow_empty and empty.any():
        logger.info("%s: %s in column %r read as missing", path.name, count(int(empty.sum()), "empty value"), col)
    if bad.any():
        kind = "an integer" if integer else "a finite number"
        where = np.flatnonzero(bad)
        if len(where) > 1 and not finite.any():  # a column of text ('p1' given as --rt, annotations.csv's captions
            # as ratings): one line, not one per row (49,484 for the release's, each caption list printed whole)
            text = str(raw.iloc[where[0]])
            first = text if len(text) <= 40 else text[:40] + "..."
            problems.add(f"column {col!r}: no number in any of {count(len(where), 'row')} (first: {first!r}): {if_text}",
                         path=path)
        else:
            problems.add_rows(
                path,
                df[ROW].to_numpy()[where],
                (f"column {col!r}: {_shown(raw.iloc[i])} is "
                 + ("past 2**53, beyond exact integers" if huge[i] else f"not {kind}") for i in where),
            )
        num[bad] = np.nan
    return num


def no_negative_times(times: np.ndarray, df: pd.DataFrame, col: str, path: Path, problems: Problems) -> np.ndarray:
    """``times`` read from ``df[col]``, each negative one a problem line (then NaN, as ``to_numbers`` leaves a bad
    cell): a typo or a clock difference taken the wrong way round was stored as a response time without a word."""
    negative = np.flatnonzero(times < 0)  # NaN (an empty cell, or one already reported) compares False
    problems.add_rows(path, df[ROW].to_numpy()[negative],
                      (f"column {col!r}: {_shown(df[col].iloc[i])} is negative: a response time is 0 or more"
                       for i in negative))
    return np.where(times < 0, np.nan, times)


def _shown(value: object) -> str:
    """``repr`` of a cell as the user wrote it: ``1.5``, not ``np.float64(1.5)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def to_ints(df: pd.DataFrame, col: str, path: Path, problems: Problems) -> tuple[np.ndarray, np.ndarray]:
    """Integer column -> (int64 values, bad-row mask); bad rows are reported and hold 0."""
    num = to_numbers(df, col, path, problems, integer=True)
    bad = np.isnan(num)
    return np.where(bad, 0, num).astype(np.int64), bad


_TRUE, _FALSE = ("true", "1", "yes", "t", "y"), ("false", "0", "no", "f", "n", "")
#: 0 and 1 as a float is written: ``1.0``, ``0.0``, ``1.`` (pandas writes an integer column with a missing value as
#: floats, Excel exports often do too); ``0.5`` and ``2.0`` stay refused
_FLOAT_FLAG = re.compile(r"([01])\.0*")


def is_true_text(text: str) -> bool:
    """Whether a cell's text reads as a true flag, as :func:`to_bools` reads it (true/1/yes/t/y, or 1.0)."""
    word = text.strip().lower()
    return word in _TRUE or ((written := _FLOAT_FLAG.fullmatch(word)) is not None and written.group(1) == "1")


def to_bools(df: pd.DataFrame, col: str, path: Path, problems: Problems) -> np.ndarray:
    """A flag column stored as bool, 0/1 or true/false text -> bool; null is False; anything else is
    reported per row (``astype(bool)`` would read the text ``"False"`` as True). An integer column with a null
    reaches pandas as float, and a CSV as the text ``1.0``, so 0.0 and 1.0 are the flag too, as numbers or text
    (every row of it was refused)."""
    out = np.zeros(len(df), dtype=bool)
    bad = np.zeros(len(df), dtype=bool)
    for i, value in enumerate(df[col].tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer, float, np.floating))
                                                      and value in (0, 1)):
            out[i] = bool(value)
        elif isinstance(value, str) and (value.strip().lower() in _TRUE + _FALSE or _FLOAT_FLAG.fullmatch(value.strip())):
            out[i] = is_true_text(value)
        else:
            bad[i] = True
    where = np.flatnonzero(bad)
    problems.add_rows(path, df[ROW].to_numpy()[where],
                      (f"column {col!r}: {_shown(df[col].iloc[i])} is not true/false" for i in where))
    return out


def optional_numbers(df: pd.DataFrame, col: str, path: Path, problems: Problems, *, integer: bool = False) -> np.ndarray:
    """A column where null or an empty cell means missing (NaN); text and inf are reported per row."""
    raw = df[col].astype(object)
    return to_numbers(df.assign(**{col: raw.where(raw.notna(), "")}), col, path, problems, integer=integer,
                      allow_empty=True)
