"""The release after a round trip through a spreadsheet: what Excel does to a CSV must give one clear line.

Tiny hand-made releases (``bgs_hf.data.testing``), spoiled the way a re-save in Excel spoils them.
"""

from __future__ import annotations

import logging

import pytest

from bgs_hf.data import load, validate
from bgs_hf.data.release import ANNOTATIONS, TRIPLETS
from bgs_hf.data.testing import tiny_release_tables, write_release
from bgs_hf.errors import BGSInputError


@pytest.mark.parametrize("renamed", ["stimulus set", "Stimulus_Set", "stimulus-set"])
def test_renamed_stimulus_set_column_is_an_error_not_a_silent_seeded_split(tmp_path, renamed):
    """A renamed ``stimulus_set`` header used to drop the release's own split without a word: train/test
    became a seeded draw (on the real release: 359 test judgments and ceiling 0.174 instead of 368 and 0.199)."""
    tables = tiny_release_tables()
    tables.annotations = tables.annotations.rename(columns={"stimulus_set": renamed})
    root = write_release(tables, tmp_path)
    with pytest.raises(BGSInputError, match=rf"annotations.csv: column '{renamed}' .*'stimulus_set'") as info:
        load(root)
    assert "\n" not in str(info.value)
    _, problems = validate(root)
    assert str(problems[0]) == str(info.value)


@pytest.mark.parametrize("renamed", ["Captions", "CAPTIONS "])
def test_renamed_captions_column_is_an_error_not_a_silent_switch_to_captions_csv(tmp_path, renamed):
    """A retyped ``captions`` header was ignored with an info line: every clip's captions came from captions.csv
    instead (on the real release lower-cased and stripped of punctuation: the caption baseline's R² 0.087, not
    0.089), as a retyped ``stimulus_set`` header was refused."""
    tables = tiny_release_tables()
    tables.annotations = tables.annotations.rename(columns={"captions": renamed})
    root = write_release(tables, tmp_path)
    with pytest.raises(BGSInputError, match=rf"annotations.csv: column '{renamed.strip()}' is not named 'captions'"):
        load(root)
    _, problems = validate(root)
    assert len(problems) == 1


@pytest.mark.parametrize(("table", "column", "retyped"), [
    ("triplets", "choice", "Choice"), ("triplets", "stim1_name", "stim1 name"),
    ("triplets", "participation", "participant"), ("mapping", "video_name", "Video Name"),
    ("captions", "caption_index", "Caption Index")])
def test_a_retyped_required_header_is_named_as_the_one_meant(tmp_path, table, column, retyped):
    """A retyped required header gave "column 'choice' missing (columns: ...)", leaving the user to spot 'Choice'
    in the list: the line names the near match (folded, or a close spelling) and the fix. A header that is itself
    a required column is never the guess (a deleted stim1_name is not 'stim2_name')."""
    tables = tiny_release_tables()
    setattr(tables, table, getattr(tables, table).rename(columns={column: retyped}))
    root = write_release(tables, tmp_path)
    with pytest.raises(BGSInputError, match=rf"column '{column}' missing \(did you mean '{retyped}'\? rename it to "
                                            rf"'{column}'; columns: "):
        load(root)
    tables = tiny_release_tables()
    tables.triplets = tables.triplets.drop(columns=["stim1_name"])
    with pytest.raises(BGSInputError, match=r"column 'stim1_name' missing \(columns: ") as info:
        load(write_release(tables, tmp_path / "dropped"))
    assert "did you mean" not in str(info.value)


def test_release_without_any_split_column_still_draws_a_seeded_split(tmp_path, caplog):
    tables = tiny_release_tables()
    tables.annotations = tables.annotations.drop(columns=["stimulus_set"])
    root = write_release(tables, tmp_path)
    with caplog.at_level(logging.INFO):
        data = load(root)
    assert len(data.splits["test"]) > 0
    # the log says so (`finish` says it, not the draw, which cannot tell a missing label from an import's draw)
    n_test = round(0.2 * data.n_clips)  # the default test_fraction
    assert f"no stimulus_set: seeded split, {data.n_clips - n_test} train / {n_test} test clips" in caplog.text
    # ... and `data validate`'s notes say so rather than a bare OK (the test clips are not the release's)
    from bgs_hf.data.validate import split_notes

    assert any(n.startswith("no clip has a stimulus_set label: train/test is a seeded draw") for n in split_notes(data))
    labelled = load(write_release(tiny_release_tables(), tmp_path / "labelled"))
    assert not any("stimulus_set label" in n for n in split_notes(labelled))


@pytest.mark.parametrize(("sep", "shown"), [(";", "';'"), ("\t", "tabs")])
@pytest.mark.parametrize("rel", [TRIPLETS, ANNOTATIONS])
def test_semicolon_or_tab_separated_csv_is_one_line(tmp_path, sep, shown, rel):
    """Excel in a comma-decimal locale saves ';'-separated "CSV": validate used to print one 'column missing'
    line per required column, each repeating the whole header (or a tokenizer error for annotations.csv)."""
    tables = tiny_release_tables()
    root = write_release(tables, tmp_path)
    df = tables.triplets if rel == TRIPLETS else tables.annotations
    (root / "data" / rel).write_text(df.to_csv(index=False, sep=sep), encoding="utf-8")
    with pytest.raises(BGSInputError, match=rf"{rel.name}: columns are separated by {shown}, not commas") as info:
        load(root)
    assert "\n" not in str(info.value)
    _, problems = validate(root)
    assert [str(p) for p in problems] == [str(info.value)]


def test_a_semicolon_csv_under_blank_lines_is_the_same_one_line(tmp_path):
    """Fuzzing: blank lines above a ';'-separated header (which pandas skips) hid the separator check, that read
    the first line only: validate gave one 'column missing' line per required column instead of the one line."""
    tables = tiny_release_tables()
    root = write_release(tables, tmp_path)
    (root / "data" / TRIPLETS).write_text("\ufeff\r\n  \n" + tables.triplets.to_csv(index=False, sep=";"),
                                          encoding="utf-8")
    header = ";".join(tables.triplets.columns)
    with pytest.raises(BGSInputError) as info:
        load(root)
    assert str(info.value) == (f"{TRIPLETS.name}: columns are separated by ';', not commas (header {header[:60]!r}); "
                               "re-save it as 'CSV UTF-8 (Comma delimited)'")
    _, problems = validate(root)
    assert [str(p) for p in problems] == [str(info.value)]


def test_windows_excel_encoding_names_file_and_row(tmp_path):
    """'CSV (Comma delimited)' in Windows Excel writes cp1252: the error named a byte position, not a row."""
    tables = tiny_release_tables()
    tables.annotations.loc[4, "captions"] = repr(["Two people’s quiet talk"])
    root = write_release(tables, tmp_path)
    path = root / "data" / ANNOTATIONS
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(BGSInputError, match=r"annotations.csv row 5: not UTF-8 text \(byte 0x92\)") as info:
        load(root)
    assert "\n" not in str(info.value)


def test_a_byte_that_is_not_utf8_is_named_by_the_row_other_problems_name(tmp_path):
    """The row of a cp1252 byte was its count of line breaks: below two blank lines above the header it named row 4
    of a two-row file, past a cell holding a line break (a caption typed with Alt+Enter) one row too far, and a bad
    header below a blank line was "row 1". Rows are now numbered as every other problem numbers them (blank lines
    above the header not counted, one between rows counted, a quoted line break inside its row, a row whose first
    byte is the bad one)."""
    from bgs_hf.data.checks import Problems, read_csv

    path = tmp_path / "t.csv"
    for raw, said in ((b"\n\na,b\n1,2\n3,\x92\n", "row 2: not UTF-8 text (byte 0x92)"),
                      (b'a,b\n"one\ntwo",2\n3,\x92\n', "row 2: not UTF-8 text (byte 0x92)"),
                      (b"a,b\n1,2\n\n3,\x92\n", "row 3: not UTF-8 text (byte 0x92)"),
                      (b"a,b\n1,2\n\x92,3\n", "row 2: not UTF-8 text (byte 0x92)"),  # the row's first byte
                      (b"\na\x92,b\n1,2\n", ": not UTF-8 text (byte 0x92 in the header)")):
        path.write_bytes(raw)
        with pytest.raises(BGSInputError) as info:
            read_csv(path, ["a", "b"], Problems())
        assert str(info.value).startswith(f"t.csv {said}" if said.startswith("row") else f"t.csv{said}"), raw
        path.write_bytes(raw.replace(b"\x92", b"x"))  # the same file in UTF-8: the rows it reads are numbered alike
        if said.startswith("row"):
            assert int(said.split()[1].rstrip(":")) == read_csv(path, ["a", "b"], Problems())["_row"].iloc[-1], raw
    # Mutation audit (363ce99..bcac884): the fallback past a cell longer than the csv module reads (128 KiB) naming
    # the header passed: the line breaks before the byte still name its row
    path.write_bytes(b"a,b\n1," + b"y" * 140_000 + b"\n3,\x92\n")
    with pytest.raises(BGSInputError) as info:
        read_csv(path, ["a", "b"], Problems())
    assert str(info.value).startswith("t.csv row 2: not UTF-8 text (byte 0x92)"), str(info.value)[:80]


def test_a_row_of_only_commas_keeps_the_rows_below_it_numbered_as_a_spreadsheet_shows_them(tmp_path):
    """Mutation audit (fourth pass): counting a row of only commas as a blank line (pandas reads it as a row of empty
    cells, dropped later) passed the suite: the row numbers then no longer matched pandas' rows and fell back to
    counting rows read, so the row below a blank line and a ',' row was named row 3, not 4."""
    from bgs_hf.data.checks import Problems, read_csv

    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n\n,\n3,x\n")
    assert read_csv(path, ["a", "b"], Problems())["_row"].tolist() == [1, 4]


@pytest.mark.parametrize("renamed", ["Rating-Valence", "rating valence", "RATING_valence"])
def test_a_retyped_rating_header_keeps_its_rating(tmp_path, renamed):
    """`Rating-Valence` (a spreadsheet's capitalisation) was not recognised as a rating and the column was dropped
    with only an INFO line: its probe vanished from every report."""
    tables = tiny_release_tables()
    want = tables.annotations["rating-valence"].to_numpy(dtype=float)
    tables.annotations = tables.annotations.rename(columns={"rating-valence": renamed})
    clips = load(write_release(tables, tmp_path)).clips.to_pandas()
    assert [c for c in clips.columns if "valence" in c.lower()] == ["rating_valence"]
    assert clips["rating_valence"].to_numpy() == pytest.approx(want, nan_ok=True)


def test_two_columns_that_are_one_rating_are_a_problem_not_the_last_one_kept(tmp_path):
    """Fuzzing: 'rating-valence' beside a retyped 'Rating-Valence' (a copy with other values) loaded the last one as
    the valence rating, dropping the first without a word."""
    tables = tiny_release_tables()
    tables.annotations["Rating-Valence"] = 99.0
    with pytest.raises(BGSInputError) as err:
        load(write_release(tables, tmp_path))
    assert str(err.value) == ("annotations.csv: column 'Rating-Valence' is the valence rating again (after "
                              "'rating-valence'): remove or rename one")


def test_a_comma_separated_header_with_a_semicolon_or_tab_in_a_name_is_read(tmp_path):
    """Mutation audit (third pass): looking for ';' and tab separators in a header that has commas passed the suite.
    A comma-separated annotations.csv whose extra column is named 'notes; lab' (or holds a tab) is read, its 12 clips
    and 4 test clips intact, not refused as a ';'- or tab-separated file."""
    for extra in ("notes; lab", "notes\tlab"):
        tables = tiny_release_tables()
        tables.annotations[extra] = "seen"
        data = load(write_release(tables, tmp_path / repr(extra).strip("'").replace("\\", "_")))
        assert data.n_clips == 12 and len(data.splits["test"]) == 4


def test_rows_of_only_commas_below_the_data_are_blank_lines(tmp_path, caplog):
    """Excel saves rows it once formatted below the data as ',,,,': each was a row of problems in every file
    (an index, clip, trial or participant that is empty), and two of them 'dropped 1 exact duplicate row'."""
    from bgs_hf.data.stats import count_stats

    tables = tiny_release_tables()
    clean = count_stats(load(write_release(tables, tmp_path / "clean")))
    root = write_release(tables, tmp_path / "excel", crlf=True)
    for path in (root / "data").rglob("*.csv"):
        width = path.read_text(encoding="utf-8").splitlines()[0].count(",")
        with path.open("a", encoding="utf-8", newline="") as f:
            f.write(("," * width + "\r\n") * 3)
    with caplog.at_level("INFO"):
        data = load(root)
    assert {**count_stats(data), "name": "clean"} == clean
    assert "all_triplets.csv: skipped 3 empty rows" in caplog.text and "duplicate" not in caplog.text
    _, problems = validate(root, decode_videos=False)
    assert problems == []
    header_only = root / "data" / TRIPLETS
    header_only.write_text(",".join(tables.triplets.columns) + "\n" + "," * (tables.triplets.shape[1] - 1) + "\n",
                           encoding="utf-8")
    with pytest.raises(BGSInputError, match=r"all_triplets.csv: no data rows \(header only\)"):
        load(root)
