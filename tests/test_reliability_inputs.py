"""Bad-input corpus (issue 9 item 1): one test per case, plus `bgs-hf data validate` on folders holding many.

Cases already covered elsewhere are listed in docs/RELIABILITY.md with their test names and are not repeated
here (e.g. decode-level errors in test_video_decode.py, escaping paths one at a time in test_data_hub.py).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from bad_inputs import (
    BAD_VIDEOS,
    ODD_BUT_VALID_VIDEOS,
    RELEASE_SPOILERS,
    VIDEO_CASES,
    messy_csv_tables,
    messy_hub,
    messy_release,
    spoil_release,
    write_video_case,
)

from bgs_hf.cli.main import main as cli
from bgs_hf.data import load, validate, write_hub
from bgs_hf.data.testing import tiny_release_tables, write_release
from bgs_hf.errors import BGSInputError
from bgs_hf.video import ClipCache, FramePolicy, decode_frames


def _one_line(err: BaseException, name: str) -> str:
    msg = str(err)
    assert "\n" not in msg and name in msg, msg
    assert err.__cause__ is None, "a chained traceback would be printed"
    return msg


# ---------------------------------------------------------------------------------------------- videos
@pytest.mark.parametrize("case", BAD_VIDEOS)
def test_bad_video_through_the_cache_is_one_line_and_leaves_no_entry(tmp_path: Path, case: str) -> None:
    """The training path (ClipCache) refuses the file with one line and caches nothing for it."""
    path = write_video_case(case, tmp_path / "v")
    cache = ClipCache(tmp_path / "cache")
    with pytest.raises(BGSInputError) as info:
        cache.get(path, FramePolicy(num_frames=4, size=16, crop=16))
    assert re.search(VIDEO_CASES[case].match, _one_line(info.value, path.name))
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", ODD_BUT_VALID_VIDEOS)
def test_unusual_but_valid_video_decodes_to_the_requested_frames(tmp_path: Path, case: str) -> None:
    if case == "ten_bit":  # skipped only without the encoder: an error of write_video's own is a failure
        from media.clips import encoder_or_skip

        encoder_or_skip("libx264", "yuv420p10le")
    path = write_video_case(case, tmp_path)
    frames = decode_frames(path, 8, size=16)
    assert frames.shape[0] == 8 and frames.dtype == np.uint8 and min(frames.shape[1:3]) == 16
    assert frames.max() > 0  # real pixels, not a zero-filled fallback


# ---------------------------------------------------------------------------------------------- CSV release
@pytest.mark.parametrize("case", sorted(RELEASE_SPOILERS))
def test_spoiled_release_raises_one_line_naming_file_and_row(tmp_path: Path, case: str, capsys) -> None:
    root, pattern = spoil_release(case, tmp_path / "rel")
    with pytest.raises(BGSInputError) as info:
        load(root)
    assert re.search(pattern, _one_line(info.value, ".csv")), str(info.value)
    # the same line is what the CLI prints, with exit code 2 and no traceback
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert re.search(pattern, err[-1].removeprefix("error: ")) and err[-1].startswith("error: ")
    assert not any("Traceback" in line for line in err)


def test_bom_crlf_padding_and_duplicates_load_to_the_clean_numbers(tmp_path: Path, caplog) -> None:
    """A survey-tool export (BOM, CRLF, padded headers, cells and ratings, upper-case labels, 3 duplicate
    rows) gives exactly the clean judgments, ratings and splits; the duplicates are dropped with a count."""
    clean = load(write_release(tiny_release_tables(), tmp_path / "clean"))
    with caplog.at_level(logging.WARNING, logger="bgs_hf.data.checks"):
        messy = load(write_release(messy_csv_tables(n_dup=3), tmp_path / "messy", bom=True, crlf=True))
    assert "all_triplets.csv: dropped 3 exact duplicate rows" in caplog.text
    pd.testing.assert_frame_equal(messy.judgments.to_pandas(), clean.judgments.to_pandas())
    pd.testing.assert_frame_equal(messy.clips.to_pandas(), clean.clips.to_pandas())
    for k in clean.splits:
        np.testing.assert_array_equal(messy.splits[k], clean.splits[k])
    assert messy.clips[0]["rating_valence"] == pytest.approx(tiny_release_tables().annotations["rating-valence"][0])


def test_empty_rating_cell_is_missing_with_a_count(tmp_path: Path, caplog) -> None:
    """An empty rating is 'not rated' (NaN, logged with a count), unlike the text 'NaN' (an error)."""
    t = tiny_release_tables()
    t.annotations = t.annotations.astype({"rating-valence": object})
    t.annotations.loc[[1, 4], "rating-valence"] = ""
    with caplog.at_level(logging.INFO, logger="bgs_hf.data.checks"):
        data = load(write_release(t, tmp_path))
    values = np.array(data.clips["rating_valence"], dtype=float)
    assert np.isnan(values[[1, 4]]).all() and np.isfinite(np.delete(values, [1, 4])).all()
    assert "2 empty values in column 'rating-valence' read as missing" in caplog.text


def test_same_clip_twice_is_a_flagged_catch_trial_not_an_error(tmp_path: Path) -> None:
    t = tiny_release_tables(catch_every=0)
    t.triplets.loc[[3, 8], "stim3_name"] = t.triplets.loc[[3, 8], "stim1_name"]
    t.triplets.loc[[3, 8], "choice"] = t.triplets.loc[[3, 8], "stim2_name"]
    data = load(write_release(t, tmp_path))
    assert data.n_catch == 2
    assert np.flatnonzero(data.judgments["is_catch"]).tolist() == [3, 8]
    assert len(data.triplets()) == len(t.triplets) - 2


# ---------------------------------------------------------------------------------------------- Hub layout
@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_release(tiny_release_tables(), tmp_path_factory.mktemp("src") / "rel")


def _hub(source: Path, out: Path) -> tuple[Path, Path, Path]:
    out = write_hub(load(source), out, card=False)
    (c,) = (out / "clips").glob("*.parquet")
    (j,) = (out / "judgments").glob("*.parquet")
    return out, c, j


def _set_cell(parquet: Path, row: int, column: str, value: object) -> pd.DataFrame:
    """Rewrite one cell of a Hub parquet file (0-based row; reports count rows from 1)."""
    df = pd.read_parquet(parquet)
    df.loc[row, column] = value
    df.to_parquet(parquet)
    return df


@pytest.mark.parametrize("missing", ["clips", "judgments"])
def test_hub_readme_missing_a_config_names_it(source: Path, tmp_path: Path, missing: str) -> None:
    out, _, _ = _hub(source, tmp_path / "h")
    meta = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    meta["configs"] = [c for c in meta["configs"] if c["config_name"] != missing]
    (out / "README.md").write_text("---\n" + yaml.safe_dump(meta) + "---\n")
    with pytest.raises(BGSInputError, match=rf"^README\.md: the YAML configs declare no '{missing}' config"):
        load(out)


def test_hub_declared_parquet_missing_is_one_short_line(source: Path, tmp_path: Path) -> None:
    out, _, j = _hub(source, tmp_path / "h")
    j.unlink()
    with pytest.raises(BGSInputError) as info:
        load(out)
    msg = _one_line(info.value, "README.md")
    assert "config 'judgments' unreadable (FileNotFoundError" in msg and len(msg) < 400


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("clip_a", 2.5, r"judgments row 6: column 'clip_a': 2\.5 is not an integer"),
     ("clip_c", "x", r"judgments row 6: column 'clip_c': 'x' is not an integer"),
     ("odd", 1.7, r"judgments row 6: column 'odd': 1\.7 is not an integer")],
)
def test_hub_non_integer_index_is_reported_never_truncated(source, tmp_path, column, value, message) -> None:
    """Before the fix, 1.7 as `odd` was silently read as 1, and 'x' or 2.5 as a clip raised a deep cast error."""
    out, _, j = _hub(source, tmp_path / "h")
    df = pd.read_parquet(j)
    df[column] = df[column].astype(str if isinstance(value, str) else float)
    df.loc[5, column] = value
    df.to_parquet(j)
    with pytest.raises(BGSInputError, match=message):
        load(out)


def test_hub_ratings_nan_is_missing_text_and_inf_are_errors(source: Path, tmp_path: Path) -> None:
    out, c, _ = _hub(source, tmp_path / "h")
    df = pd.read_parquet(c)
    df.loc[2, "rating_valence"] = np.nan
    df.to_parquet(c)
    assert np.isnan(np.array(load(out).clips["rating_valence"], dtype=float)[2])  # stored as null
    df.loc[3, "rating_arousal"] = np.inf
    df.to_parquet(c)
    with pytest.raises(BGSInputError, match=r"clips row 4: column 'rating_arousal': inf is not a finite number"):
        load(out)


def test_hub_empty_clip_id_is_reported(source: Path, tmp_path: Path) -> None:
    out, c, _ = _hub(source, tmp_path / "h")
    _set_cell(c, 2, "clip_id", None)
    with pytest.raises(BGSInputError, match=r"clips row 3: column 'clip_id' is empty"):
        load(out)


def test_hub_is_catch_as_text_is_parsed_not_cast(source: Path, tmp_path: Path) -> None:
    """`astype(bool)` read the text "False" as True: every judgment became a catch trial, silently."""
    out, _, j = _hub(source, tmp_path / "h")
    df = pd.read_parquet(j)
    clean = load(out)
    df["is_catch"] = df["is_catch"].map(str)  # "False"/"True"
    df.to_parquet(j)
    assert load(out).n_catch == clean.n_catch and len(load(out).triplets()) == len(clean.triplets())
    _set_cell(j, 4, "is_catch", "maybe")
    with pytest.raises(BGSInputError, match=r"judgments row 5: column 'is_catch': 'maybe' is not true/false"):
        load(out)


def test_hub_is_catch_as_integers_takes_only_0_and_1(source: Path, tmp_path: Path) -> None:
    """Mutation audit: any integer read as a flag (2 -> True, a catch trial) passed the suite; 0 and 1 are the flag,
    any other integer is reported like unknown text."""
    out, _, j = _hub(source, tmp_path / "h")
    clean = load(out)
    df = pd.read_parquet(j)
    df["is_catch"] = df["is_catch"].astype(np.int64)
    df.to_parquet(j)
    assert load(out).n_catch == clean.n_catch > 0
    _set_cell(j, 4, "is_catch", 2)
    with pytest.raises(BGSInputError, match=r"judgments row 5: column 'is_catch': 2 is not true/false"):
        load(out)


def test_hub_is_catch_as_integers_with_a_null_is_read_as_flags(source: Path, tmp_path: Path) -> None:
    """An integer `is_catch` column holding one null reaches pandas as float (0.0, 1.0, NaN): every row was refused
    as "0.0 is not true/false". Now 0.0 and 1.0 are the flag and the null is False; 2.0 is still refused. By hand:
    the first unflagged row set to 1.0 is one catch trial more; a null two rows on adds none."""
    out, _, j = _hub(source, tmp_path / "h")
    clean = load(out)
    df = pd.read_parquet(j)
    row = int(np.flatnonzero(~df["is_catch"].to_numpy())[0])
    flags = df["is_catch"].astype(float)
    flags[row], flags[row + 2] = 1.0, np.nan
    df["is_catch"] = flags
    df.to_parquet(j)
    back = load(out)
    assert back.n_catch == clean.n_catch + 1 and back.judgments[row]["is_catch"]
    _set_cell(j, row, "is_catch", 2.0)
    with pytest.raises(BGSInputError, match=rf"judgments row {row + 1}: column 'is_catch': 2\.0 is not true/false"):
        load(out)


def test_flag_text_is_read_in_any_case_with_its_padding_and_anything_else_is_reported() -> None:
    """Mutation audit (second pass): ``is_catch`` text compared case-sensitively after the check (``"TRUE"`` accepted
    as a flag, then read as False) passed the suite: the hub tests' flagged rows are also non-distinct triplets, caught
    either way. Hand values: TRUE, ' Yes ', 't', 1 -> True; 'False', 'N', '', 0, None -> False; 'sí' reported."""
    from bgs_hf.data.checks import ROW, Problems, to_bools

    values = ["TRUE", " Yes ", "t", 1, "False", "N", "", 0, None, "sí"]
    df = pd.DataFrame({"is_catch": pd.Series(values, dtype=object), ROW: np.arange(1, len(values) + 1)})
    problems = Problems(collect=True)
    flags = to_bools(df, "is_catch", Path("judgments"), problems)
    assert flags.tolist() == [True, True, True, True, False, False, False, False, False, False]
    assert [str(p) for p in problems.items] == ["judgments row 10: column 'is_catch': 'sí' is not true/false"]


def test_infinity_in_an_integer_column_is_its_one_line_and_no_numpy_warning(tmp_path: Path) -> None:
    """``inf`` in the release's ``trial`` column (integers) printed numpy's ``RuntimeWarning: invalid value encountered
    in remainder``, with the library's source line, above the one line that names the cell. Rows 3 and 5 by hand (the
    header is not a row)."""
    t = tiny_release_tables(n_clips=8, n_test=3, trials_per_participant=10)
    t.triplets = t.triplets.astype({"trial": object})
    t.triplets.loc[2, "trial"], t.triplets.loc[4, "trial"] = "inf", "-inf"
    root = write_release(t, tmp_path / "r")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, problems = validate(root, decode_videos=False)
    assert [str(p) for p in problems] == ["all_triplets.csv row 3: column 'trial': 'inf' is not an integer",
                                          "all_triplets.csv row 5: column 'trial': '-inf' is not an integer"]
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_hub_caption_string_is_one_caption(source: Path, tmp_path: Path) -> None:
    out, c, _ = _hub(source, tmp_path / "h")
    df = pd.read_parquet(c)
    df["captions"] = "two people talk"  # a plain string, not a list: was split into characters
    df.to_parquet(c)
    assert load(out).clips[0]["captions"] == ["two people talk"]


def test_hub_captions_that_are_not_text_are_one_line_showing_the_cell_as_a_list(source: Path, tmp_path: Path) -> None:
    """Coverage audit: no test ran this refusal; parquet lists come back as numpy arrays, and the line showed
    ``array([1, 2])``, numpy's spelling, for the cell ``[1, 2]``."""
    out, c, _ = _hub(source, tmp_path / "h")
    df = pd.read_parquet(c)
    df["captions"] = [[1, 2]] * len(df)
    df.to_parquet(c)
    with pytest.raises(BGSInputError) as info:
        load(out)
    assert str(info.value) == "clips row 1: column 'captions': [1, 2] is not a list of strings"


@pytest.mark.parametrize(("column", "value", "message"),
                         [("trial", "t0", r"column 'trial': 't0' is not an integer"),
                          ("rt_s", "slow", r"column 'rt_s': 'slow' is not a finite number")])
def test_hub_text_in_numeric_judgment_columns_is_one_line(source, tmp_path, column, value, message) -> None:
    out, _, j = _hub(source, tmp_path / "h")
    df = pd.read_parquet(j)
    df[column] = [None if pd.isna(v) else str(v) for v in df[column]]  # a text column, as a CSV export makes
    df.to_parquet(j)
    _set_cell(j, 5, column, value)
    with pytest.raises(BGSInputError, match=rf"judgments row 6: {message}"):
        load(out)
    _set_cell(j, 5, column, None)  # null is missing, not an error
    assert len(load(out).judgments) == len(load(source).judgments)


def test_a_negative_hub_response_time_is_one_line_and_zero_is_kept(source, tmp_path) -> None:
    """A negative rt_s in a Hub folder's judgments was loaded as a response time without a word (as in the release
    and an imported table); now it is one line naming its row and value; 0 is still a time."""
    out, _, j = _hub(source, tmp_path / "h")
    _set_cell(j, 5, "rt_s", -1.5)
    with pytest.raises(BGSInputError, match=r"^judgments row 6: column 'rt_s': -1\.5 is negative: a response time is "
                                            r"0 or more$"):
        load(out)
    _set_cell(j, 5, "rt_s", 0.0)
    assert load(out).judgments["rt_s"][5] == 0.0


def test_empty_participant_is_reported_in_both_layouts(source: Path, tmp_path: Path) -> None:
    """A blank id pooled its rows into one fake participant, skewing the split-half ceiling."""
    out, _, j = _hub(source, tmp_path / "h")
    _set_cell(j, 5, "participant", "  ")
    with pytest.raises(BGSInputError, match=r"judgments row 6: column 'participant' is empty"):
        load(out)
    t = tiny_release_tables()
    t.triplets.loc[3, "participation"] = ""
    with pytest.raises(BGSInputError, match=r"all_triplets\.csv row \d+: column 'participation' is empty"):
        load(write_release(t, tmp_path / "r"))


def test_unparsable_mapping_index_does_not_make_a_valid_row_a_duplicate(tmp_path: Path) -> None:
    t = tiny_release_tables()
    first = t.mapping["index"].iloc[0]
    t.mapping = t.mapping.astype({"index": object})
    t.mapping.loc[len(t.mapping)] = ["x", "extra.mp4"]
    t.mapping = pd.concat([t.mapping.iloc[[-1]], t.mapping.iloc[:-1]], ignore_index=True)  # the bad row first
    _, problems = validate(write_release(t, tmp_path / "r"), decode_videos=False)
    lines = [str(p) for p in problems]
    assert any("'x' is not an integer" in line for line in lines), lines
    assert not any("appears twice" in line or "not in video_mapping" in line for line in lines), lines
    assert str(first) in map(str, t.mapping["index"])


def exit_code(argv: list[str]) -> int:
    """The CLI's exit status, also when argparse itself refuses a flag value (it exits with 2)."""
    try:
        return cli(argv)
    except SystemExit as exit_:
        return int(exit_.code)


def test_split_arguments_are_checked_and_validate_uses_them(source: Path, tmp_path: Path, capsys) -> None:
    from bgs_hf.data.splits import SplitConfig, carve_val

    with pytest.raises(BGSInputError, match="seed must be >= 0"):
        SplitConfig(seed=-1)
    with pytest.raises(BGSInputError, match=r"val_fraction must be in \[0, 1\)"):
        SplitConfig(val_fraction=1.5)
    train, val = carve_val(np.arange(8), 0.95, 0)  # rounds to 8 of 8: never empty the training split
    assert len(train) == 1 and len(val) == 7
    assert exit_code(["data", "validate", str(source), "--no-decode", "--val-fraction", "1.5"]) == 2  # was: "OK"
    assert "--val-fraction: must be in [0.0, 1.0), got 1.5" in capsys.readouterr().err
    assert exit_code(["data", "validate", str(source), "--no-decode", "--seed", "-1"]) == 2  # argparse refuses it
    assert exit_code(["data", "stats", str(source), "--no-png", "--n-splits", "2", "--seed", "-1"]) == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["data", "validate", "SRC", "--no-decode", "--val-fraction", "1.5"], "--val-fraction: must be in [0.0, 1.0)"),
    # a decimal comma (coverage audit: no test reached it; argparse's own words were `invalid number value: '0,2'`)
    (["data", "validate", "SRC", "--no-decode", "--val-fraction", "0,2"], "--val-fraction: '0,2' is not a number"),
    (["data", "stats", "SRC", "--no-png", "--val_fraction", "nan"], "--val_fraction: must be in [0.0, 1.0), got nan"),
    # export/push store no validation split: the flag is refused as unused, whatever its value
    (["data", "export", "SRC", "OUT", "--val_fraction=-0.1"], "argument --val_fraction: not used by `data export`"),
    (["data", "import", "SRC/t.csv", "SRC", "OUT", "--test-fraction", "0"], "--test-fraction: must be in (0.0, 1.0)"),
    (["data", "import", "SRC/t.csv", "SRC", "OUT", "--test_fraction", "1"], "--test_fraction: must be in (0.0, 1.0)"),
    (["data", "stats", "SRC", "--no-png", "--n_splits", "0"], "--n_splits: must be >= 1, got 0"),
    (["train", "--data", "MISSING", "--output_dir", "OUT", "--val_fraction", "1.5"],
     "--val_fraction must be in [0, 1), got 1.5"),
    (["train", "--data", "MISSING", "--output-dir", "OUT", "--val-fraction", "nan"],
     "--val-fraction must be in [0, 1), got nan"),
    (["train", "--data", "MISSING", "--output_dir", "OUT", "--split_seed", "-1"], "--split_seed must be >= 0, got -1"),
])
def test_fraction_and_seed_errors_name_the_flag_as_typed(source: Path, tmp_path: Path, capsys, argv, message) -> None:
    """They named the Python field (`val_fraction must be in [0, 1)`), and `train` said so only after claiming its
    output folder; the data never loads here (MISSING does not exist), and nothing is written."""
    subs = {"SRC": str(source), "OUT": str(tmp_path / "out"), "MISSING": str(tmp_path / "missing")}
    argv = [subs.get(a, a.replace("SRC", str(source))) for a in argv]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["data", "stats", "MISSING", "--json", "DIR"], "--json is a folder, not a file"),
    (["data", "stats", "MISSING", "--png", "FILE/m.png"], "--png cannot be written: afile is a file, not a folder"),
    (["baseline", "language", "--data", "MISSING", "--json", "DIR"], "--json is a folder, not a file"),
    (["baseline", "pixels", "--data", "MISSING", "--json", "FILE/b.json"], "--json cannot be written: afile is a file"),
    (["baseline", "pixels", "--data", "MISSING", "--cache", "FILE"], "--cache is a file, not a folder"),
    (["evaluate", "--data", "MISSING", "--model", "tiny-random-videomae", "--json", "DIR"], "--json is a folder"),
    (["evaluate", "--data", "MISSING", "--model", "tiny-random-videomae", "--report", "FILE"],
     "--report is a file, not a folder"),
    (["evaluate", "--data", "MISSING", "--model", "tiny-random-videomae", "--cache", "FILE/c"],
     "--cache cannot be written: afile is a file, not a folder"),
    (["report", "MISSING", "--out", "FILE"], "--out is a file, not a folder"),  # was FileExistsError
    (["quickstart", "--data", "MISSING", "--out", "FILE", "--fast"], "--out is not a folder"),  # after the data
    # fuzzing: "NotADirectoryError: Not a directory: afile/clips" once both models had loaded
    (["space", "--model", "MISSING", "--cache-dir", "FILE"], "--cache-dir is a file, not a folder"),
])
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path, capsys, argv,
                                                                          message) -> None:
    """`--json DIR` (or a path under a file) was an IsADirectoryError / FileExistsError once the statistics,
    embeddings or the whole evaluation were done; now it is refused before the data loads (MISSING is never
    read)."""
    afile, folder = tmp_path / "afile", tmp_path / "adir"
    afile.write_text("keep me")
    folder.mkdir()
    subs = {"MISSING": str(tmp_path / "missing"), "DIR": str(folder), "FILE": str(afile)}
    argv = [subs.get(a, a.replace("FILE", str(afile))) for a in argv]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "missing" not in err, err
    assert afile.read_text() == "keep me" and not any(folder.iterdir())


@pytest.mark.parametrize(("argv", "example"), [
    (["data", "stats", "SOURCE", "--no-png", "--n-splits", "1", "--json", "NEW/"], "stats.json"),
    (["data", "stats", "SOURCE", "--n-splits", "1", "--json", "NEW/."], "stats.json"),
    (["data", "stats", "SOURCE", "--n-splits", "1", "--png", "NEW.png/"], "human_similarity.png"),
    (["baseline", "pixels", "--data", "SOURCE", "--json", "NEW/"], "baseline.json"),
    (["baseline", "language", "--data", "SOURCE", "--json", "NEW/"], "baseline.json"),
    (["evaluate", "--data", "SOURCE", "--model", "tiny-random-videomae", "--json", "NEW/"], "evaluation.json"),
])
def test_an_output_file_flag_spelled_as_a_folder_is_refused_before_any_work(source: Path, tmp_path: Path, capsys,
                                                                            monkeypatch, argv, example) -> None:
    """``--json out/``: ``type=Path`` dropped the ``/``, so a user who named a folder got a FILE named ``out``
    holding the statistics (``data stats``, ``baseline language``); now one line names the flag as typed and
    suggests a file in that folder, before the data loads. An existing ``out/`` was, and is, refused as a folder."""
    monkeypatch.chdir(tmp_path)  # the plot's default path, were it drawn, would land here
    new = str(tmp_path / "new")
    subs = {"SOURCE": str(source), "NEW/": new + "/", "NEW/.": new + "/.", "NEW.png/": new + ".png/"}
    argv = [subs.get(a, a) for a in argv]
    flag, typed = argv[-2:]
    assert exit_code(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {flag} {typed} names a folder, not a file: give a file name such as {os.path.join(typed, example)}"]
    assert not list(tmp_path.iterdir())  # no file `new`, no plot
    folder = tmp_path / ("adir.png" if flag == "--png" else "adir")  # a plot's name must end in .png, first
    folder.mkdir()
    assert exit_code([*argv[:-1], f"{folder}/"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {folder.name}: {flag} is a folder, not a file: give a "
                                                    "file name"]
    assert not any(folder.iterdir())


def test_a_plot_flag_naming_a_folder_gets_the_folder_line_before_the_suffix_line(source: Path, tmp_path: Path, capsys,
                                                                                 monkeypatch) -> None:
    """`data stats --png out/` (or an existing folder `out`) was refused by the plot's suffix check, `--png must end
    in one of .avif, .eps, ...`, which sent the user to rename a folder, where `--json out/` got the folder line;
    now --png gets the folder line first too, and a file name with no figure suffix still gets the suffix line."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    stats = ["data", "stats", str(source), "--n-splits", "1", "--png"]
    for typed, line in (("out/", "error: out: --png is a folder, not a file: give a file name"),
                        ("out", "error: out: --png is a folder, not a file: give a file name"),
                        ("new/", "error: --png new/ names a folder, not a file: give a file name such as "
                                 f"{os.path.join('new', 'human_similarity.png')}")):
        assert exit_code([*stats, typed]) == 2
        assert capsys.readouterr().err.splitlines() == [line], typed
    assert exit_code([*stats, "plot.txt"]) == 2
    assert capsys.readouterr().err.startswith("error: plot.txt: --png must end in one of .avif, ")
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("argv", "message"), [
    (["--max-upload-mb", "nan"], "argument --max-upload-mb: must be in (0.0, inf), got nan"),
    (["--max_duration_s", "-1"], "argument --max_duration_s: must be in (0.0, inf), got -1"),
    (["--split", "tset"], "argument --split: invalid choice: 'tset' (did you mean 'test'?"),
])
def test_space_settings_are_refused_naming_the_flag(capsys, argv, message) -> None:
    """They named the SpaceConfig field (`max_upload_mb must be ...`, `catalogue split 'tset' is not one of None,
    train, ...`)."""
    assert exit_code(["space", "--model", "unused", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-1", "1e400"])
def test_space_upload_limit_refuses_non_finite_and_non_positive_values(tmp_path: Path, capsys, value) -> None:
    """`--max-upload-mb inf` was refused as `must be in (0.0, inf], got inf`: the interval it printed held the value
    it refused. Every non-finite or non-positive limit is one argparse line naming the flag as typed, before staging."""
    staged = tmp_path / "staged"
    argv = ["space", "--model", "someone/model", "--push", "--repo-id", "me/space", "--local-dir", str(staged)]
    assert exit_code([*argv, f"--max_upload_mb={value}"]) == 2
    err = capsys.readouterr().err
    line = f"argument --max_upload_mb: must be in (0.0, inf), got {value}"
    assert err.strip().splitlines()[-1].endswith(line), err
    assert not staged.exists()


def test_export_onto_a_file_is_one_line(source: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "afile"
    target.write_text("keep me")
    assert cli(["data", "export", str(source), str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    from bgs_hf.data import write_hub

    with pytest.raises(BGSInputError, match="the output exists and is not a folder"):  # the library call too
        write_hub(load(source), target)


def test_outputs_never_land_on_an_earlier_folder(source: Path, tmp_path: Path, capsys) -> None:
    """Stale files would mix in: an earlier, larger export's videos, a training run's README, old clips."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "README.md").write_text("a training run's card")
    for argv in (["data", "export", str(source), str(earlier)],
                 ["data", "push", str(source), "--repo-id", "me/x", "--local-dir", str(earlier)],
                 ["synth", str(earlier), "--clips", "10"]):
        assert cli(argv) == 2, argv
        assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in earlier.iterdir()] == ["README.md"]
    assert (earlier / "README.md").read_text() == "a training run's card"


def test_a_folder_holding_only_a_killed_runs_work_folder_takes_the_next_result(tmp_path: Path) -> None:
    """Mutation audit: ``require_new_folder`` counting a killed run's hidden ``.bgs-partial-PID`` as content (the
    retry refused as "not empty"), and ``work_folder`` leaving it beside the new result, both passed."""
    from bgs_hf._files import WORK_PREFIX, built_in_place, require_new_folder

    target = tmp_path / "out"
    (target / f"{WORK_PREFIX}4194305").mkdir(parents=True)
    (target / f"{WORK_PREFIX}4194305" / "half.mp4").write_bytes(b"half a video")
    assert require_new_folder(target, "--out") == target
    with built_in_place(target) as work:
        work.mkdir()
        (work / "result.txt").write_text("whole")
    assert [p.name for p in target.iterdir()] == ["result.txt"]


def test_a_sigkilled_runs_work_folder_beside_a_new_target_is_removed_by_the_next_run_but_a_live_ones_is_kept(
        tmp_path: Path, caplog, monkeypatch) -> None:
    """A SIGKILLed ``synth`` (no cleanup runs) left its hidden ``.bgs-partial-OUT-PID`` beside a new OUT for good: a
    rerun builds under another pid and cleared leftovers only inside an existing OUT (gigabytes for a large benchmark).
    A rerun now removes those of processes that are gone, says so, and never touches a live process's."""
    import logging
    import os

    from bgs_hf._files import WORK_PREFIX, built_in_place

    dead = tmp_path / f"{WORK_PREFIX}out-4194305"  # above Linux's largest pid: no such process
    live = tmp_path / f"{WORK_PREFIX}out-{os.getppid()}"
    other = tmp_path / f"{WORK_PREFIX}out-2-4194305"  # another target's (out-2)
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "half.mp4").write_bytes(b"half a video")
    inside_live = tmp_path / "again" / f"{WORK_PREFIX}{os.getppid()}"
    inside_live.mkdir(parents=True)
    with caplog.at_level(logging.INFO, logger="bgs_hf"), built_in_place(tmp_path / "out") as work:
        work.mkdir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["again", "out", live.name, other.name])
    assert f"removing {dead}, left by a killed run (process 4194305 is gone)" in caplog.text
    with built_in_place(tmp_path / "again") as work:
        work.mkdir()
        (work / "result.txt").write_text("whole")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == [inside_live.name, "result.txt"]
    # another user's process answers PermissionError: alive, its folder kept (mutation audit: counting it as gone
    # passed, as the tests run as one user)
    import bgs_hf._files as files

    def denied(pid, sig):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.os, "kill", denied)
    theirs = tmp_path / f"{WORK_PREFIX}out2-4194305"
    theirs.mkdir()
    with built_in_place(tmp_path / "out2") as work:
        work.mkdir()
    assert theirs.is_dir() and (tmp_path / "out2").is_dir()



def test_a_target_named_with_glob_characters_clears_its_own_killed_work_folder_and_no_other_targets(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit (``_files``, fourth pass), a bug: the leftovers of a killed run were found by globbing the
    target's name, so ``run[1]`` matched ``run1``'s work folders, read a pid at ``run[1]``'s offset (``3456`` of
    ``123456``), took that process for gone and removed the live run's folder; its own killed run's folder was never
    matched. The name is now matched as written."""
    import os

    import bgs_hf._files as files
    from bgs_hf._files import WORK_PREFIX, built_in_place

    monkeypatch.setattr(files, "_pid_is_gone", lambda pid: pid != 123456)  # 123456: a live run's; any other: gone
    live = tmp_path / f"{WORK_PREFIX}run1-123456"  # a live run building run1
    dead = tmp_path / f"{WORK_PREFIX}run[1]-4194305"  # a killed run building run[1]
    for folder in (live, dead):
        folder.mkdir()
        (folder / "half.mp4").write_bytes(b"half a video")
    with built_in_place(tmp_path / "run[1]") as work:
        work.mkdir()
        (work / "result.txt").write_text("whole")
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, "run[1]"])
    assert (live / "half.mp4").read_bytes() == b"half a video"


def test_a_work_folder_named_with_a_pid_beyond_any_process_is_a_killed_runs(tmp_path: Path) -> None:
    """Mutation audit (``_files``, fourth pass): ``_pid_is_gone`` without its OverflowError branch passed: a leftover
    ``.bgs-partial-out-<20 digits>`` (no process number is so large) stopped the next run with ``OverflowError: Python
    int too large to convert to C long``. It is a killed run's, removed."""
    import os

    from bgs_hf._files import WORK_PREFIX, built_in_place

    (tmp_path / f"{WORK_PREFIX}out-{10**20}").mkdir()
    with built_in_place(tmp_path / "out") as work:
        work.mkdir()
    assert os.listdir(tmp_path) == ["out"]


def test_a_stray_folder_named_with_a_non_ascii_digit_after_a_work_stem_is_left_alone(tmp_path: Path) -> None:
    """``.bgs-partial-out-²`` passed ``str.isdigit()`` as a pid and stopped the next run with ``ValueError: invalid
    literal for int()``; only ASCII digits are a pid now, so such a folder is nobody's work folder and is kept."""
    import os

    from bgs_hf._files import WORK_PREFIX, built_in_place

    # mutation audit (a0f3015..985b459): the test as isdecimal() (which int() reads) or ASCII isalnum() passed, as the
    # Arabic-Indic three names pid 3, alive on most machines: nine Arabic-Indic nines read as process 999999999, gone,
    # and were removed; `old` stopped the run with int()'s ValueError
    strays = [f"{WORK_PREFIX}out-\u00b2", f"{WORK_PREFIX}out-\u0663",  # superscript two, Arabic-Indic three
              f"{WORK_PREFIX}out-{chr(0x0669) * 9}", f"{WORK_PREFIX}out-old"]
    for name in strays:
        (tmp_path / name).mkdir()
    with built_in_place(tmp_path / "out") as work:
        work.mkdir()
    assert sorted(os.listdir(tmp_path)) == sorted(["out", *strays])


def test_a_failed_write_leaves_neither_the_result_nor_its_work_or_temp_file(tmp_path: Path) -> None:
    """Mutation audit (``_files``, second pass): ``save_npy`` pickling an object array passed (``np.load`` refuses
    it, so such a cache entry could never be read). Refused, it leaves no temp file; a ``built_in_place`` block that
    fails leaves no work folder beside the target."""
    from bgs_hf._files import built_in_place, save_npy

    target = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), built_in_place(target) as work:
        work.mkdir()
        (work / "half.txt").write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="pickle"):
        save_npy(tmp_path / "clip.npy", np.array([{"a": 1}], dtype=object))
    assert list(tmp_path.iterdir()) == []


def test_a_work_folder_left_beside_a_new_target_by_this_pid_is_cleared_and_fsync_is_asked_for_only(tmp_path: Path,
                                                                                                monkeypatch) -> None:
    """Mutation audit (``_files``, third pass): ``built_in_place`` not clearing a work folder of its own name first (in
    a container every run may get the same pid: a killed run's half-written files then became part of the result, or
    the block's ``mkdir`` failed), ``work_folder`` not making a new target's parent folder, and ``save_npy`` never
    calling fsync for a cache entry that asks for it, all passed."""
    import os

    import bgs_hf._files as files
    from bgs_hf._files import WORK_PREFIX, built_in_place, save_npy

    target = tmp_path / "out"
    leftover = tmp_path / f"{WORK_PREFIX}out-{os.getpid()}"
    leftover.mkdir()
    (leftover / "half.mp4").write_bytes(b"half a video")
    with built_in_place(target) as work:
        assert work == leftover and not work.exists()
        work.mkdir()
        (work / "result.txt").write_text("whole")
    assert [p.name for p in target.iterdir()] == ["result.txt"] and sorted(os.listdir(tmp_path)) == ["out"]
    with built_in_place(tmp_path / "new" / "out") as work:  # its folder is made: a bare mkdir works in the block
        work.mkdir()
    assert sorted(os.listdir(tmp_path / "new")) == ["out"]
    synced: list[int] = []
    monkeypatch.setattr(files.os, "fsync", lambda fd: synced.append(fd))
    save_npy(tmp_path / "a.npy", np.arange(3))
    assert synced == []
    save_npy(tmp_path / "b.npy", np.arange(3), fsync=True)
    assert len(synced) == 1 and np.load(tmp_path / "b.npy").tolist() == [0, 1, 2]


def _fsync_fails(monkeypatch, code: int, text: str) -> None:
    """Every ``os.fsync`` the atomic writes call from now on fails with ``code``."""
    import bgs_hf._files as files

    def failing(fd: int) -> None:
        raise OSError(code, text)

    monkeypatch.setattr(files.os, "fsync", failing)


def test_an_atomic_write_reaches_the_disk_before_its_rename_and_the_rename_after(tmp_path: Path, monkeypatch) -> None:
    """``write_binary_atomic`` renamed its temp file into place unsynced: after a power loss or a kernel crash the
    rename could be on disk without the data (XFS, btrfs, ext4 without ``auto_da_alloc``), a report or
    ``bgs_config.json`` of zero bytes. Now: the file's data is fsynced, then renamed, then its folder fsynced, for a
    new file and over an old one; a filesystem without fsync (EINVAL) writes it as before, and an fsync that fails
    (NFS's ``EDQUOT`` is said there) is the write's error, naming the target, no temp file left."""
    import errno
    import stat

    import bgs_hf._files as files
    from bgs_hf._files import write_binary_atomic, write_text_atomic

    calls: list[str] = []
    real_replace = os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")

    def replace(src: str, dst: str) -> None:
        calls.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    target = tmp_path / "report.md"
    write_text_atomic(target, "new")  # (a new file: through ``publish``)
    write_binary_atomic(target, lambda f: f.write(b"over"))  # over an existing one
    assert calls == ["fsync file", "replace", "fsync folder"] * 2 and target.read_bytes() == b"over"

    _fsync_fails(monkeypatch, errno.EINVAL, "Invalid argument")
    write_text_atomic(target, "still written")
    assert target.read_text() == "still written"

    _fsync_fails(monkeypatch, errno.EDQUOT, "Disk quota exceeded")
    with pytest.raises(OSError, match="Disk quota exceeded") as raised:
        write_text_atomic(target, "lost")
    assert raised.value.filename == str(target) and target.read_text() == "still written"
    assert sorted(os.listdir(tmp_path)) == ["report.md"]


def test_an_atomic_writes_fsync_sees_all_its_bytes_skips_a_filesystem_without_it_and_keeps_the_folders_best_effort(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit (of 6b16e25): the fsync before the rename taking the bytes still in Python's buffer (no
    ``flush``: a power loss left a cut-short file), only ``EINVAL`` read as a filesystem without fsync (``ENOTSUP``,
    ``EOPNOTSUPP`` and ``EBADF`` failed the write), ``save_npy``'s fsync not skipped there, a folder that cannot be
    opened or synced failing a write whose file was already in place, and the folder's descriptor left open (a
    long run ran out of descriptors) all passed. An fsync that fails with ``EIO`` keeps the old file, no temp file."""
    import errno
    import stat

    import bgs_hf._files as files
    from bgs_hf._files import save_npy, write_binary_atomic, write_text_atomic

    target = tmp_path / "report.md"
    sizes: list[int] = []

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode):
            sizes.append(info.st_size)

    monkeypatch.setattr(files.os, "fsync", fsync)
    write_binary_atomic(target, lambda f: f.write(b"x" * 100))
    assert sizes == [100] and target.read_bytes() == b"x" * 100

    for code in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF):
        def unsupported(fd: int, code: int = code) -> None:
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(files.os, "fsync", unsupported)
        write_text_atomic(target, f"written {code}")
        save_npy(tmp_path / "a.npy", np.arange(3), fsync=True)
        assert target.read_text() == f"written {code}" and np.load(tmp_path / "a.npy").tolist() == [0, 1, 2]

    def folder_fails(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", folder_fails)
    write_text_atomic(target, "in place")
    assert target.read_text() == "in place"
    monkeypatch.setattr(files.os, "fsync", lambda fd: None)
    real_open = os.open

    def no_folder(name, flags, *args, **kwargs):  # a folder one may write in but not list (mode 0333)
        if flags == os.O_RDONLY and os.path.isdir(name):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(name))
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", no_folder)
    write_text_atomic(target, "not listable")
    assert target.read_text() == "not listable"
    monkeypatch.setattr(files.os, "open", real_open)

    if os.path.isdir("/proc/self/fd"):
        before = len(os.listdir("/proc/self/fd"))
        for i in range(20):
            write_text_atomic(target, str(i))
        assert len(os.listdir("/proc/self/fd")) == before

    _fsync_fails(monkeypatch, errno.EIO, "Input/output error")
    with pytest.raises(OSError, match="Input/output error") as raised:
        write_text_atomic(target, "lost")
    assert raised.value.filename == str(target) and target.read_text() == "19"
    assert sorted(os.listdir(tmp_path)) == ["a.npy", "report.md"]


def _refuse_new_files_in(folder: Path, monkeypatch) -> None:
    """``tempfile.mkstemp`` in ``folder`` fails as in a folder of another user's (chmod cannot show it to root)."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(suffix: str | None = None, prefix: str | None = None, dir: str | None = None, text: bool = False):
        if dir is not None and Path(dir).resolve() == folder.resolve():
            raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}a1b2c3d4{suffix}"))
        return real(suffix, prefix, dir, text)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def _fdopen_whose_write_raises(error: BaseException) -> type:
    """A stand-in for ``os.fdopen``: the descriptor is opened (and closed), its file's ``write`` raises ``error``."""

    class Opened:
        def __init__(self, fd: int, *args: object, **kwargs: object) -> None:
            os.close(fd)

        def __enter__(self) -> Opened:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def write(self, text: str) -> int:
            raise error

    return Opened


def test_a_result_that_cannot_be_written_is_named_as_asked_for_not_by_its_hidden_temp_file(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    """A result written through a hidden temp file or work folder (``--json``, evaluation.md, bgs_config.json, a
    ``data export`` folder) into a folder that takes no new file, or onto a full disk, named the hidden file:
    ``No such file or directory: /proc/.bgs-partial-x.json-4ebsn_jz.tmp``, a name the user never typed. It names the
    file or folder asked for (a file in the work folder as in the result: ``out/videos/clip.mp4``); a file of the
    user's is still named as it is."""
    import errno

    import bgs_hf._files as files
    from bgs_hf._files import WORK_PREFIX, built_in_place, write_text_atomic

    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_new_files_in(locked, monkeypatch)
    with pytest.raises(PermissionError) as err:
        write_text_atomic(locked / "s.json", "{}\n")
    assert (err.value.filename, err.value.errno) == (str(locked / "s.json"), errno.EACCES)
    assert WORK_PREFIX not in str(err.value) and os.listdir(locked) == []

    # the file opened, its write refused as on a full disk (an OSError naming no file)
    FullDisk = _fdopen_whose_write_raises(OSError(errno.ENOSPC, "No space left on device"))
    (tmp_path / "s.json").write_text("old\n")
    monkeypatch.setattr(files.os, "fdopen", FullDisk)
    with pytest.raises(OSError) as err:
        write_text_atomic(tmp_path / "s.json", "new\n")
    assert (err.value.filename, err.value.errno) == (str(tmp_path / "s.json"), errno.ENOSPC)
    assert sorted(os.listdir(tmp_path)) == ["locked", "s.json"] and (tmp_path / "s.json").read_text() == "old\n"
    monkeypatch.undo()

    target = tmp_path / "out"
    with pytest.raises(PermissionError) as err, built_in_place(target) as work:
        raise PermissionError(13, "Permission denied", str(work))  # what the block's work.mkdir() raises there
    assert err.value.filename == str(target) and WORK_PREFIX not in str(err.value)
    with pytest.raises(OSError) as err, built_in_place(target) as work:
        work.mkdir()
        raise OSError(errno.ENOSPC, "No space left on device", str(work / "videos" / "clip.mp4"))  # the result's
    assert err.value.filename == str(target / "videos" / "clip.mp4") and WORK_PREFIX not in str(err.value)
    with pytest.raises(OSError) as err, built_in_place(target) as work:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(tmp_path / "clips.csv"))
    assert err.value.filename == str(tmp_path / "clips.csv")  # a file of the user's is named as it is

    def cross_device(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link", str(src), None, str(dst))

    monkeypatch.setattr(files.os, "rename", cross_device)
    with pytest.raises(OSError) as err, built_in_place(target) as work:
        work.mkdir()
    assert (err.value.filename, err.value.filename2) == (str(target), None)
    monkeypatch.undo()
    if Path("/proc/self").is_dir():  # a real folder that takes no new file, for root as for anyone
        with pytest.raises(OSError) as err:
            write_text_atomic("/proc/bgs-s.json", "{}\n")
        assert err.value.filename == "/proc/bgs-s.json"


def test_an_output_file_in_a_folder_that_takes_no_new_file_is_refused_before_the_work(tmp_path: Path, source: Path,
                                                                                      monkeypatch, capsys) -> None:
    """``check_output_file`` refused a folder and a path under a file, not a folder that takes no new file: ``data
    stats``, ``baseline`` and ``evaluate`` did all their work, then failed writing ``--json`` (the whole suite's run
    lost to its JSON). Refused first, in one line naming the folder, with the same exit status (2)."""
    import bgs_hf.data.stats as stats_module
    from bgs_hf.cli._args import check_output_file

    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_new_files_in(locked, monkeypatch)

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the statistics ran before --json was checked")

    monkeypatch.setattr(stats_module, "data_stats", no_work)
    assert cli(["data", "stats", str(source), "--no-png", "--json", str(locked / "new" / "s.json")]) == 2
    assert capsys.readouterr().err == ("error: s.json: --json cannot be written: "
                                       f"{locked} takes no new file (Permission denied)\n")
    assert os.listdir(locked) == []
    check_output_file(tmp_path / "s.json", "--json")  # a folder that takes one: the probe leaves nothing behind
    assert sorted(os.listdir(tmp_path)) == ["locked"]
    if Path("/proc/self").is_dir():  # a real one, for root as for anyone
        with pytest.raises(BGSInputError, match=r"^bgs-s\.json: --json cannot be written: /proc takes no new file"):
            check_output_file(Path("/proc/bgs-s.json"), "--json")


def test_json_into_a_pipe_by_its_dev_fd_name_is_written_into_the_pipe(tmp_path: Path) -> None:
    """``--json /dev/stdout | jq``: the name resolves to ``/proc/<pid>/fd/pipe:[N]``, a name that is no file, so the
    JSON was not written (`No such file or directory: /proc/<pid>/fd/.bgs-partial-pipe:[N]-....tmp`), though the
    docstring promised a device or FIFO is written as it is. The path given is asked whether it is a file."""
    from bgs_hf._files import write_text_atomic
    from bgs_hf.cli._args import check_output_file

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    read, write = os.pipe()
    try:
        check_output_file(Path(f"/dev/fd/{write}"), "--json")
        write_text_atomic(f"/dev/fd/{write}", '{"r2": 0.5}\n')
        os.close(write)
        assert os.read(read, 100) == b'{"r2": 0.5}\n'
    finally:
        os.close(read)
        try:
            os.close(write)
        except OSError:
            pass


def test_a_pipes_descriptor_name_is_written_in_place_though_it_resolves_to_no_file(tmp_path: Path) -> None:
    """``is_written_in_place`` (which tells ``data stats`` not to put its plot beside a ``--json /dev/stdout``, and
    ``write_text_atomic`` to write through the name) is asked of the name, not of its ``realpath``: a pipe's
    ``/dev/fd/N`` resolves to ``/proc/<pid>/fd/pipe:[N]``, a name that is not there, and read as an ordinary new file
    the plot went to ``/dev/fd/N.png`` (mutation audit of b7871fc: asking the realpath passed every test); a FIFO
    through a symlink, and a file, are told apart as before."""
    from bgs_hf._files import is_written_in_place

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    read, write = os.pipe()
    try:
        name = f"/dev/fd/{write}"
        assert not os.path.exists(os.path.realpath(name)) or not Path(os.path.realpath(name)).is_file()
        assert is_written_in_place(name)
    finally:
        os.close(read)
        os.close(write)
    fifo, link, plain = tmp_path / "fifo", tmp_path / "link", tmp_path / "plain.json"
    fd = os.open(tmp_path / "redirected.txt", os.O_WRONLY | os.O_CREAT)  # `--json /dev/stdout > out.txt`: a file's
    try:  # descriptor, written through (beside it, /dev/fd/N.png was "/dev/fd takes no new file")
        assert is_written_in_place(f"/dev/fd/{fd}")
    finally:
        os.close(fd)
    os.mkfifo(fifo)
    link.symlink_to(fifo)
    plain.write_text("{}")
    assert is_written_in_place(link) and is_written_in_place(fifo)
    assert not is_written_in_place(plain) and not is_written_in_place(tmp_path / "new.json")


def test_json_by_a_descriptors_name_goes_where_the_commands_printed_lines_go(tmp_path: Path, capfd) -> None:
    """``--json /dev/stdout >> all.json`` (or ``> out.json``): the name resolved to the redirect's file, which was
    replaced by the JSON alone: ``>>``'s earlier lines and the command's own printed lines were lost. The JSON is
    written through the descriptor, after what was printed before it, appended where the descriptor appends."""
    from bgs_hf._files import write_text_atomic
    from bgs_hf.cli._args import check_output_file

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    appended = tmp_path / "all.json"
    appended.write_text('{"run": 1}\n')
    fd = os.open(appended, os.O_WRONLY | os.O_APPEND)
    try:
        check_output_file(Path(f"/dev/fd/{fd}"), "--json")
        write_text_atomic(f"/dev/fd/{fd}", '{"run": 2}\n')
    finally:
        os.close(fd)
    assert appended.read_text() == '{"run": 1}\n{"run": 2}\n' and os.listdir(tmp_path) == ["all.json"]
    print("wrote the statistics")
    write_text_atomic("/dev/stdout", '{"r2": 0.5}\n')
    print("done")
    assert capfd.readouterr().out == 'wrote the statistics\n{"r2": 0.5}\ndone\n'


def test_the_probe_for_a_new_file_leaves_nothing_when_interrupted(tmp_path: Path, monkeypatch) -> None:
    """``check_output_file`` tries a temp file in the output's folder; a Ctrl-C between creating and removing it left
    a ``.bgs-partial-….tmp`` in the user's folder for good (no later run removes a file)."""
    import bgs_hf._files as files

    close = os.close

    def interrupted(fd: int) -> None:
        close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "close", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.takes_new_file(tmp_path / "s.json", "--json")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_a_cache_entry_or_video_that_cannot_be_written_is_named_as_asked_for(tmp_path: Path, monkeypatch) -> None:
    """``save_npy`` (a clip cache's entries, a Space's embeddings) and ``write_video`` (SocialShapes, ``data
    export``) named their hidden temp file when the folder took no new file or the disk was full (``.tmp-x8k2.npy``,
    ``.clip.a1b2.tmp.mp4``), as ``write_text_atomic`` did before: they name the file asked for, and leave none."""
    import errno

    import bgs_hf._files as files
    from bgs_hf._files import save_npy
    from bgs_hf.video import write_video

    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_new_files_in(locked, monkeypatch)
    with pytest.raises(PermissionError) as err:
        save_npy(locked / "e.npy", np.zeros(3))
    assert (err.value.filename, err.value.errno) == (str(locked / "e.npy"), errno.EACCES)
    with pytest.raises(PermissionError) as err:
        write_video(locked / "clip.mp4", np.zeros((2, 16, 16, 3), dtype=np.uint8), fps=4)
    assert (err.value.filename, err.value.errno) == (str(locked / "clip.mp4"), errno.EACCES)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.np, "save", full_disk)
    with pytest.raises(OSError) as err:
        save_npy(tmp_path / "e.npy", np.zeros(3))
    assert (err.value.filename, err.value.errno) == (str(tmp_path / "e.npy"), errno.ENOSPC)
    monkeypatch.undo()
    import av

    def refused(path: str, *args: object, **kwargs: object) -> None:  # PyAV's own OSError, naming what it opened
        raise av.error.PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(av, "open", refused)
    with pytest.raises(PermissionError) as err:
        write_video(tmp_path / "clip.mp4", np.zeros((2, 16, 16, 3), dtype=np.uint8), fps=4)
    assert err.value.filename == str(tmp_path / "clip.mp4") and isinstance(err.value, av.error.FFmpegError)
    assert sorted(os.listdir(tmp_path)) == ["locked"] and os.listdir(locked) == []


def test_an_existing_json_the_user_may_write_in_a_folder_that_takes_no_new_file_is_written_in_place(
        tmp_path: Path, monkeypatch) -> None:
    """``check_output_file`` let ``--json shared/s.json`` through (an existing file the user may write, in a folder
    that takes no new file), then the command did its work and failed on the temp file (`Permission denied`), where a
    plain write succeeds: written in place. One the user may not write, or a symlink into such a folder naming a new
    file, is refused before the work."""
    import errno

    import bgs_hf._files as files
    from bgs_hf._files import write_text_atomic
    from bgs_hf.cli._args import check_output_file

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "s.json").write_text("old\n")
    (locked / "r.json").write_text("theirs\n")
    (tmp_path / "link.json").symlink_to(locked / "new.json")
    _refuse_new_files_in(locked, monkeypatch)
    check_output_file(locked / "s.json", "--json")
    write_text_atomic(locked / "s.json", "new\n")
    assert (locked / "s.json").read_text() == "new\n" and sorted(os.listdir(locked)) == ["r.json", "s.json"]
    access = os.access
    monkeypatch.setattr(files.os, "access", lambda p, mode: access(p, mode) and Path(p).name != "r.json")  # as root
    for refused in (locked / "r.json", tmp_path / "link.json"):
        with pytest.raises(BGSInputError, match=f"^{refused.name}: --json cannot be written: {locked} takes no new"):
            check_output_file(refused, "--json")
    with pytest.raises(PermissionError) as err:
        write_text_atomic(locked / "r.json", "new\n")
    assert (err.value.filename, err.value.errno) == (str(locked / "r.json"), errno.EACCES)
    assert (locked / "r.json").read_text() == "theirs\n"


def test_a_json_written_in_place_onto_a_full_disk_is_named_as_asked_for(tmp_path: Path, monkeypatch) -> None:
    """The in-place write of an existing ``--json`` in a folder that takes no new file, on a full disk: its error
    named no file (``OSError: No space left on device``), where every other write names the file asked for."""
    import builtins
    import errno
    import io

    import bgs_hf._files as files
    from bgs_hf._files import write_text_atomic

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "s.json").write_text("old\n")
    _refuse_new_files_in(locked, monkeypatch)

    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def full_disk_open(name: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode in ("w", "wb") and Path(os.fspath(name)).name == "s.json":
            with builtins.open(name, mode, *args, **kwargs):  # truncated, as a plain write on a full disk leaves it
                return FullDisk()
        return builtins.open(name, mode, *args, **kwargs)

    monkeypatch.setattr(files, "open", full_disk_open, raising=False)
    with pytest.raises(OSError) as err:
        write_text_atomic(locked / "s.json", "new\n")
    assert (err.value.filename, err.value.errno) == (str(locked / "s.json"), errno.ENOSPC)
    assert os.listdir(locked) == ["s.json"]


def test_an_atomic_write_is_in_the_encoding_asked_for_and_a_text_it_cannot_encode_touches_no_file(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation (audit of cfdb0b1): ``write_text_atomic`` through ``write_binary_atomic`` writing UTF-8 whatever
    ``encoding`` asked for, or encoding the text only once the file was open, passed: the second left an existing
    file written in place (in a folder that takes no new file) empty on a character the encoding lacks (a lone
    surrogate, as an undecodable file name gives). The bytes are the encoding's; such a text leaves every file as it
    was, and no temp file."""
    from bgs_hf._files import write_text_atomic

    write_text_atomic(tmp_path / "a.md", "é\n", encoding="latin-1")
    assert (tmp_path / "a.md").read_bytes() == b"\xe9\n"
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "report.md").write_text("old\n")
    _refuse_new_files_in(locked, monkeypatch)
    for target in (locked / "report.md", tmp_path / "a.md"):
        with pytest.raises(UnicodeEncodeError):
            write_text_atomic(target, "sc\udce8ne.mp4\n")
    assert (locked / "report.md").read_text() == "old\n" and (tmp_path / "a.md").read_bytes() == b"\xe9\n"
    assert os.listdir(locked) == ["report.md"] and sorted(os.listdir(tmp_path)) == ["a.md", "locked"]


def test_a_full_disk_met_when_the_temp_file_is_closed_leaves_the_old_file_and_names_the_file(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation (audit of cfdb0b1): the temp file renamed into place before it was closed passed: a full disk met
    when its buffered bytes reach the disk (a small JSON's only write happens at close) was raised nowhere (an error
    closing a file the garbage collector closes is ignored), and an empty file replaced the old one. The error is
    raised naming the file, the old file stays, and no temp file is left."""
    import errno
    import io

    import bgs_hf._files as files
    from bgs_hf._files import write_text_atomic

    class FullAtFlush(io.BufferedWriter):
        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "s.json").write_text("old\n")
    monkeypatch.setattr(files.os, "fdopen", lambda fd, *args, **kwargs: FullAtFlush(io.FileIO(fd, "wb")))
    with pytest.raises(OSError) as err:
        write_text_atomic(tmp_path / "s.json", "new\n")
    monkeypatch.undo()
    assert (err.value.filename, err.value.errno) == (str(tmp_path / "s.json"), errno.ENOSPC)
    assert os.listdir(tmp_path) == ["s.json"] and (tmp_path / "s.json").read_text() == "old\n"


def test_json_naming_a_closed_or_read_only_descriptor_is_refused_before_the_work(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    """``--json /dev/fd/3`` without ``3>file`` (or with ``3<file``): ``check_output_file`` let it through as a
    descriptor's name and the command failed once its work was done (``Bad file descriptor``); refused now, one line.
    Mutation audit of c97b16f: ``/proc/self/fd/N``, this process's ``/proc/<pid>/fd/N`` and a relative ``fd/N`` from
    ``/dev`` name a descriptor, another process's or a non-ASCII digit none; the write's error names the path; a
    process started with stdout closed (``sys.stdout`` None) still writes; the lines printed before the JSON come
    before it in a redirect's file (block-buffered); mkstemp's full disk is no cue for an in-place write; a Ctrl-C in
    ``save_npy`` stays a KeyboardInterrupt."""
    import errno
    import subprocess
    import sys

    import bgs_hf._files as files
    from bgs_hf._files import descriptor_named, write_text_atomic
    from bgs_hf.cli._args import check_output_file

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    record = tmp_path / "r.json"
    record.write_text("old\n")
    read_only = os.open(record, os.O_RDONLY)
    closed = os.dup(read_only)
    os.close(closed)
    try:
        with pytest.raises(BGSInputError, match=f"^--json /dev/fd/{closed} cannot be written: descriptor {closed} "
                                                "is not open"):
            check_output_file(Path(f"/dev/fd/{closed}"), "--json")
        with pytest.raises(BGSInputError, match=f"^--json /dev/fd/{read_only} cannot be written: descriptor "
                                                f"{read_only} is open for reading only$"):
            check_output_file(Path(f"/dev/fd/{read_only}"), "--json")
        with pytest.raises(OSError) as err:
            write_text_atomic(f"/dev/fd/{closed}", "{}\n")
        assert (err.value.filename, err.value.errno) == (f"/dev/fd/{closed}", errno.EBADF)
    finally:
        os.close(read_only)
    other = os.getppid()
    assert [descriptor_named(name) for name in ("/proc/self/fd/1", f"/proc/{os.getpid()}/fd/2", f"/proc/{other}/fd/1",
                                                "/dev/fd/\u00b2")] == [1, 2, None, None]
    monkeypatch.chdir("/dev")
    assert descriptor_named("fd/1") == 1
    monkeypatch.chdir(tmp_path)
    fd = os.open(record, os.O_WRONLY | os.O_TRUNC)
    try:
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", None)
            write_text_atomic(f"/dev/fd/{fd}", "new\n")
    finally:
        os.close(fd)
    assert record.read_text() == "new\n"
    script = "from bgs_hf._files import write_text_atomic; print('a'); write_text_atomic('/dev/stdout', 'J\\n'); print('b')"
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # block-buffered, as in a redirect
        subprocess.run([sys.executable, "-c", script], stdout=f, check=True, cwd=Path(files.__file__).parent.parent,
                       env=env)
    assert out.read_text() == "a\nJ\nb\n"

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(files.np, "save", interrupted)
        with pytest.raises(KeyboardInterrupt):  # not an AttributeError on its filename
            files.save_npy(tmp_path / "e.npy", np.zeros(3))
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "r.json"]

    def no_inode_left(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.tempfile, "mkstemp", no_inode_left)
    with pytest.raises(OSError) as err:
        write_text_atomic(record, "newer\n")
    assert (err.value.filename, record.read_text()) == (str(record), "new\n")


def test_json_naming_a_descriptor_past_any_number_is_one_line_before_the_work(tmp_path: Path, capsys) -> None:
    """``--json /dev/fd/99999999999`` (a typo for a descriptor) was ``OverflowError: Python int too large to convert
    to C int``, a traceback from the check meant to refuse it in one line; now it is a descriptor that is not open,
    as a closed one is, worded in full (mutation audit of 139bb7d: its reason, not the errno's repr)."""
    from bgs_hf.cli._args import check_output_file

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    with pytest.raises(BGSInputError, match=r"^--json /dev/fd/99999999999 cannot be written: descriptor 99999999999 "
                                            r"is not open \(Bad file descriptor\)$"):
        check_output_file(Path("/dev/fd/99999999999"), "--json")
    closed = os.dup(1)
    os.close(closed)
    with pytest.raises(BGSInputError, match=f"^--png /dev/fd/{closed} cannot be written: descriptor {closed} is not "
                                            r"open \(Bad file descriptor\)$"):
        check_output_file(Path(f"/dev/fd/{closed}"), "--png")
    assert cli(["data", "stats", str(tmp_path / "no-data"), "--json", "/dev/fd/99999999999"]) == 2
    assert capsys.readouterr().err == ("error: --json /dev/fd/99999999999 cannot be written: descriptor 99999999999 "
                                       "is not open (Bad file descriptor)\n")


def test_write_text_atomic_to_a_descriptor_past_any_number_is_the_closed_descriptors_error(tmp_path: Path) -> None:
    """``write_text_atomic("/dev/fd/99999999999999999999")`` called directly (no ``check_output_file`` first) was a
    TypeError or OverflowError traceback from ``open``; now the OSError a closed descriptor gives, naming the path."""
    import errno

    from bgs_hf._files import write_text_atomic

    for number in ("99999999999999999999", "99999999999", str(2**31)):
        with pytest.raises(OSError) as err:
            write_text_atomic(f"/dev/fd/{number}", "{}\n")
        assert (err.value.errno, err.value.filename) == (errno.EBADF, f"/dev/fd/{number}")
        assert str(err.value) == f"[Errno 9] Bad file descriptor: '/dev/fd/{number}'"
    assert os.listdir(tmp_path) == []


def test_an_output_named_with_a_trailing_slash_is_refused_not_written_as_a_file(tmp_path: Path) -> None:
    """``write_text_atomic("out/")`` wrote a FILE named ``out`` (``os.path.realpath`` drops the ``/``), and
    ``write_text_atomic("s.json/")`` replaced the existing file ``s.json``, where a plain write refuses both: an
    IsADirectoryError naming the path as given, and nothing written."""
    from bgs_hf._files import write_text_atomic

    (tmp_path / "s.json").write_text("kept\n")
    for name in ("out/", "s.json/"):
        with pytest.raises(IsADirectoryError) as err:
            write_text_atomic(os.path.join(tmp_path, name), "{}\n")
        assert err.value.filename == os.path.join(tmp_path, name) and "\n" not in str(err.value)
    assert sorted(os.listdir(tmp_path)) == ["s.json"] and (tmp_path / "s.json").read_text() == "kept\n"


def test_an_output_that_is_a_symlink_into_a_missing_folder_is_refused_before_the_work(tmp_path: Path, capsys) -> None:
    """``--json s.json`` (or ``--png``) where ``s.json`` is a symlink into a folder that is gone (a moved results
    folder) passed the check, and once the statistics were computed failed with "FileNotFoundError: No such file or
    directory: s.json", a file the user could see. Refused first, in one line naming the link's target; a symlink
    into a folder that is there is written through, as before."""
    from bgs_hf.cli._args import check_output_file

    os.symlink("moved/s.json", tmp_path / "s.json")
    with pytest.raises(BGSInputError, match=r"^--json .*s\.json cannot be written: it is a symlink to moved/s\.json, "
                                            r"and its folder .*moved does not exist$"):
        check_output_file(tmp_path / "s.json", "--json")
    (tmp_path / "moved").mkdir()
    check_output_file(tmp_path / "s.json", "--json")
    assert cli(["data", "stats", str(tmp_path / "no-data"), "--png", str(tmp_path / "p.png")]) == 2  # (no data)
    capsys.readouterr()
    os.symlink("gone/p.png", tmp_path / "p.png")
    assert cli(["data", "stats", str(tmp_path / "no-data"), "--png", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --png ") and "symlink to gone/p.png" in err and len(err.splitlines()) == 1, err


def test_json_to_dev_stderr_goes_to_stderr_and_a_descriptor_on_a_file_is_written_as_it_is(tmp_path: Path,
                                                                                        capfd) -> None:
    """Mutation audit (c97b16f): ``/dev/stderr`` read as descriptor 1 (``--json /dev/stderr`` into stdout's redirect)
    and ``is_written_in_place`` without its descriptor clause both passed: no test named /dev/stderr or /dev/stdin,
    or asked it of a descriptor on a regular file (``--json /dev/stdout > out.json``)."""
    from bgs_hf._files import descriptor_named, is_written_in_place, write_text_atomic

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    assert [descriptor_named(n) for n in ("/dev/stdin", "/dev/stdout", "/dev/stderr")] == [0, 1, 2]
    write_text_atomic("/dev/stderr", '{"r2": 0.5}\n')
    assert capfd.readouterr() == ("", '{"r2": 0.5}\n')
    record = tmp_path / "out.json"
    fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        assert is_written_in_place(f"/dev/fd/{fd}") and Path(f"/dev/fd/{fd}").is_file()
    finally:
        os.close(fd)
    assert not is_written_in_place(record)


def test_only_the_hidden_file_is_renamed_and_an_interrupt_stays_an_interrupt(tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of b7871fc: an error naming no file inside a built folder (a dropped connection), one without an
    errno (kept as it is), a sibling whose name only starts with the work folder's, and mkstemp's own "no usable temp
    file name" are each named as they should be; a Ctrl-C during a write or a build stays a KeyboardInterrupt (not an
    AttributeError on its filename) and leaves nothing; a missing path names where it resolved to only where that
    differs (a trailing slash), through a symlinked folder and ``~``."""
    import errno
    import tempfile

    import bgs_hf._files as files
    from bgs_hf._files import built_in_place, raise_naming_target, resolved_if_other, write_text_atomic

    hidden, target = str(tmp_path / ".bgs-partial-out-1"), str(tmp_path / "out")
    for kept in (OSError(errno.ECONNRESET, "Connection reset by peer"), OSError("write failed"),
                 OSError(errno.ENOENT, "No such file or directory", hidden + "9")):
        assert raise_naming_target(kept, hidden, target) is None
    assert raise_naming_target(OSError("write failed"), hidden, target, unnamed=True) is None
    with pytest.raises(KeyboardInterrupt), built_in_place(tmp_path / "out") as work:
        work.mkdir()
        raise KeyboardInterrupt

    Interrupted = _fdopen_whose_write_raises(KeyboardInterrupt())  # the temp file opened, its write interrupted
    with monkeypatch.context() as m:
        m.setattr(files.os, "fdopen", Interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_text_atomic(tmp_path / "s.json", "{}\n")
    assert os.listdir(tmp_path) == []

    def no_name_left(*args: object, **kwargs: object) -> None:
        raise FileExistsError(errno.EEXIST, "No usable temporary file name found")

    with monkeypatch.context() as m:
        m.setattr(tempfile, "mkstemp", no_name_left)
        with pytest.raises(FileExistsError) as err:
            write_text_atomic(tmp_path / "s.json", "{}\n")
    assert err.value.filename == str(tmp_path / "s.json")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    real = tmp_path.resolve()
    assert resolved_if_other(f"{real}/nope/") is None
    assert resolved_if_other(tmp_path / "link" / "nope") == str(real / "real" / "nope")
    monkeypatch.setenv("HOME", str(real / "real"))
    assert resolved_if_other("~/nope") == str(real / "real" / "nope")


@pytest.mark.parametrize("split", ["train", "test"])
def test_empty_split_is_a_validation_problem(tmp_path: Path, split: str, capsys) -> None:
    """An empty test split loads (stats print 'n/a', a documented skip), but `validate` reports it."""
    t = tiny_release_tables()
    t.annotations["stimulus_set"] = "test" if split == "train" else "train"
    root = write_release(t, tmp_path / "r")
    data = load(root)
    assert len(data.split_items(split)) == 0
    _, problems = validate(root)
    assert [str(p) for p in problems] == [f"r: split {split!r} is empty: 0 clips (check stimulus_set)"]
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "2"]) == 0
    out = capsys.readouterr().out
    assert "0 clips, 0 judgments" in out


# ---------------------------------------------------------------------------------------------- many at once
def _validate_cli(root: Path, capsys) -> tuple[int, list[str], str]:
    rc = cli(["data", "validate", str(root)])
    out = capsys.readouterr()
    lines = [ln.removeprefix("problem: ") for ln in out.out.splitlines() if ln.startswith("problem: ")]
    assert "Traceback" not in out.err
    return rc, lines, out.out


def _assert_listed(folder, lines: list[str], out: str) -> None:
    for pattern in folder.expected:
        hits = [ln for ln in lines if re.search(pattern, ln)]
        assert len(hits) == 1, f"{pattern!r} matched {hits} in:\n{out}"
    assert len(lines) == len(folder.expected), out
    for name in folder.must_not_mention:
        assert name not in out, f"{name} should not be a problem:\n{out}"
    assert f"{len(lines)} problem{'' if len(lines) == 1 else 's'} found" in out


def test_validate_lists_every_problem_of_a_messy_release(tmp_path: Path, capsys, caplog) -> None:
    folder = messy_release(tmp_path / "messy")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.data.checks"):
        rc, lines, out = _validate_cli(folder.root, capsys)
    assert rc == 1
    assert len(folder.must_not_mention) == len(ODD_BUT_VALID_VIDEOS)  # 10-bit, odd size, rotated, VFR, short
    _assert_listed(folder, lines, out)
    assert "all_triplets.csv: dropped 3 exact duplicate rows" in caplog.text  # a documented skip, not a problem


def test_validate_lists_every_problem_of_a_messy_hub_folder(source: Path, tmp_path: Path, capsys) -> None:
    folder = messy_hub(tmp_path / "hubmess", source)
    rc, lines, out = _validate_cli(folder.root, capsys)
    assert rc == 1
    _assert_listed(folder, lines, out)


def test_validate_clean_folders_exit_zero(source: Path, tmp_path: Path, capsys) -> None:
    """The control: the same builders without spoilers validate clean (so the tests above can fail)."""
    assert cli(["data", "validate", str(source)]) == 0
    out, _, _ = _hub(source, tmp_path / "clean")
    assert cli(["data", "validate", str(out)]) == 0
    assert capsys.readouterr().out.count("OK:") == 2


# ---------------------------------------------------------------------------------------------- model folders
def _saved_tiny_model(folder: Path) -> Path:
    from test_hub import make_tiny_run

    return make_tiny_run(folder)


@pytest.mark.parametrize("damage", ["weights_missing", "weights_truncated", "incomplete_marker"])
def test_damaged_model_folder_is_one_line(tmp_path: Path, damage: str, capsys) -> None:
    """What a killed save leaves behind must read as one line, not PEFT's Hub-id error or a safetensors trace."""
    from bgs_hf.models import load_model
    from bgs_hf.models.loading import INCOMPLETE_MARKER

    run = _saved_tiny_model(tmp_path / "run")
    weights = run / "adapter_model.safetensors"
    if damage == "weights_missing":
        weights.unlink()
        pattern = "adapter weights are missing"
    elif damage == "weights_truncated":
        weights.write_bytes(weights.read_bytes()[:5])
        pattern = "damaged or truncated"
    else:
        (run / INCOMPLETE_MARKER).touch()
        pattern = "not completely written"
    with pytest.raises(BGSInputError, match=pattern) as info:
        load_model(run)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{run}: ")  # whole: a run's `final` or `checkpoint-500` names one of many
    from bgs_hf.synth import generate_socialshapes

    data = generate_socialshapes(tmp_path / "data", n_clips=24, seed=0)  # 10 clips leave the test split no judgment
    assert cli(["evaluate", "--model", str(run), "--data", str(data), "--analyses", "fit", "--n-boot", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and pattern in err[-1]
    assert not any("Traceback" in line for line in err)


def test_lora_targets_matching_nothing_are_one_line() -> None:
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    with pytest.raises(BGSInputError, match=r"LoRA targets .*query\|value.* match no module"):
        build_embedder("tiny-random-vjepa2", head=HeadConfig(out_dim=8),
                       lora=LoraSettings(target_modules="query|value"))


def test_os_errors_are_one_line_not_a_traceback(source: Path, tmp_path: Path, capsys) -> None:
    """An unwritable output (here: a folder path under a file) is the environment, reported in one line."""
    blocker = tmp_path / "afile"
    blocker.write_text("")
    assert cli(["data", "stats", str(source), "--no-png", "--n-splits", "2", "--json", str(blocker / "s.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "afile" in err[-1] and not any("Traceback" in line for line in err)


@pytest.mark.parametrize("argv", [
    ["quickstart", "--clips", "5"],
    ["synth", "/tmp/unused-synth", "--lapse", "2"],
    ["synth", "/tmp/unused-synth", "--overlap", "-0.5"],
    ["data", "stats", "x", "--n-splits", "-3"],
    ["baseline", "pixels", "--data", "x", "--grid", "0"],
    ["pretrain-tiny", "/tmp/unused-pt", "--batch-size", "1"],
    # CLI audit, fourth pass: each bound below loosened passed (the library, or nothing, refused the value later)
    ["synth", "/tmp/unused-synth", "--overlap", "1.5"],
    ["synth", "/tmp/unused-synth", "--test-fraction", "1"],
    ["baseline", "language", "--data", "x", "--n-boot", "0"],
    ["baseline", "pixels", "--data", "x", "--seed", "-1"],
    ["baseline", "language", "--data", "x", "--batch-size", "0"],
])
def test_out_of_range_numbers_stop_at_parse_time(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:  # argparse: usage + one error line, exit 2, nothing run
        cli(argv)
    assert info.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_train_unknown_flag_is_one_line(capsys) -> None:
    assert cli(["train", "--data", "x", "--bogus-flag", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--bogus-flag" in err[-1] and not any("Traceback" in line for line in err)


def test_pretrain_help_defaults_are_the_recipes_and_lists_parse() -> None:
    from bgs_hf.cli.pretrain_tiny import HELP_DEFAULTS, HELP_STEPS, apply_overrides, recipes

    for arch, (config_class, _) in recipes().items():
        cfg = config_class()
        assert cfg.steps == HELP_STEPS[arch]
        assert {k: getattr(cfg, k) for k in HELP_DEFAULTS} == HELP_DEFAULTS
    cfg = recipes()["conv3d-fg"][0]()
    apply_overrides(cfg, ["arch.widths=16,32,64,64"])  # was: ['1', '6', ',', ...]
    assert list(cfg.arch.widths) == [16, 32, 64, 64]


@pytest.mark.parametrize(("argv", "message"), [
    (["space", "--model", "x", "--local-dir", "/tmp/unused-space"], "only apply with --push"),
    (["space", "--model", "x", "--private"], "only apply with --push"),  # was: served locally, --private ignored
    (["quickstart", "--data", "x", "--clips", "20"], "with --data the dataset's own clips are used"),
    (["synth", "/tmp/unused-abs", "--abstract", "--clips", "20"], "--clips and --format do not apply"),
])
def test_flags_that_would_be_ignored_are_refused(argv: list[str], message: str, capsys) -> None:
    assert cli(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", [["push", "{tmp}/run"], ["data", "push", "{source}"],
                                     ["space", "--model", "me/run", "--push"]])
def test_private_with_a_local_dir_is_refused_by_every_push(command: list[str], source: Path, tmp_path: Path,
                                                            capsys) -> None:
    """`push`, `data push` and `space --push` with --private --local-dir staged the folder and dropped --private
    silently: the dry run creates no repo to make private, and the real push run later without it is public."""
    staged = tmp_path / "staged"
    argv = [a.format(tmp=tmp_path, source=source) for a in command]
    assert cli([*argv, "--repo-id", "me/x", "--private", "--local-dir", str(staged)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --private makes the repo an upload creates private, and "
                                               "--local-dir uploads nothing (a dry run"), err
    assert not staged.exists()


@pytest.mark.parametrize("argv", [
    ["synth", "{tmp}/a", "--size", "0", "--clips", "10"],  # was ZeroDivisionError, and a half-made folder
    ["synth", "{tmp}/b", "--size", "-2", "--clips", "10"],
    ["synth", "{tmp}/c", "--seed", "-1", "--clips", "10"],  # was numpy's "expected non-negative integer"
    ["quickstart", "--seed", "-1", "--out", "{tmp}/q"],
])
def test_impossible_sizes_and_negative_seeds_are_one_line(argv, tmp_path: Path, capsys) -> None:
    assert exit_code([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "error:" in err[-1] and not any("Traceback" in line for line in err)
    assert not any(tmp_path.iterdir()), "nothing written"


def test_space_unknown_catalogue_split_is_one_line(tmp_path: Path) -> None:
    """An unknown split name used to show every clip of the catalogue, training clips included."""
    from bgs_hf.hub.space_app import Catalogue, SpaceConfig
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data = generate_socialshapes(tmp_path / "cat", n_clips=10, seed=0, config=SynthConfig(size=32, workers=1))
    with pytest.raises(BGSInputError, match="catalogue split 'tset' is not one of"):  # now when it is set
        Catalogue.load(data, SpaceConfig(model="unused", data=str(data), catalogue_split="tset"))


def test_unreadable_hub_cards_and_bad_figure_names_are_one_line(source: Path, tmp_path: Path, capsys) -> None:
    """A latin-1 README.md or `configs: 5` was a UnicodeDecodeError / TypeError traceback; `data stats --png
    out.xyz` computed every statistic, then died in matplotlib."""
    latin = tmp_path / "latin"
    latin.mkdir()
    (latin / "README.md").write_bytes("---\npretty_name: Caf\xe9\n---\n".encode("latin-1"))
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "README.md").write_text("---\nconfigs: 5\n---\n")
    for folder, message in ((latin, "README.md: not UTF-8 text"), (configs, "`configs` must be a list")):
        assert exit_code(["data", "stats", str(folder)]) == 2
        assert message in capsys.readouterr().err
        assert exit_code(["data", "validate", str(folder)]) != 0
        out = capsys.readouterr()
        assert message in out.out + out.err and "Traceback" not in out.err
    assert exit_code(["data", "stats", str(source), "--png", str(tmp_path / "m.xyz")]) == 2
    err = capsys.readouterr().err
    assert "--png must end in one of" in err and ".png" in err and not (tmp_path / "m.xyz").exists()
    # any matplotlib format, its ending in either case (matplotlib reads "M.EPS" as eps)
    assert exit_code(["data", "stats", str(source), "--png", str(tmp_path / "m.EPS")]) == 0
    assert (tmp_path / "m.EPS").read_bytes().startswith(b"%!PS")


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--backbone", "tiny-random-videomae", "--num_frames", "0"], "num_frames must be >= 1"),
    (["train", "--backbone", "tiny-random-timesformer", "--num_frames", "8"], "silently interpolate"),
    (["train", "--backbone", "tiny-random-vjepa2", "--num_frames", "3"], "not a multiple of tubelet size"),
    # V-JEPA 2 repeated the one frame to fill a tubelet (a still image), with no word
    (["train", "--backbone", "tiny-random-vjepa2", "--num_frames", "1"], "fewer than its tubelet of 2 frames"),
    (["train", "--backbone", "tiny-random-videomae", "--lora_target_modules", "query|("], "is not a valid regex"),
    (["train", "--backbone", "tiny-random-videomae", "--lora_r", "0"], "LoRA rank r must be >= 1"),
    # an unset shell variable: it trained the backbone's default targets without a word
    (["train", "--backbone", "tiny-random-videomae", "--lora_target_modules", ""],
     "error: --lora_target_modules got '', which names no module: leave the flag out for the backbone's default "
     "targets\n"),
    (["train", "--backbone", "tiny-random-videomae", "--lora_target_modules", " , "],
     "--lora_target_modules got ' , ', which names no module"),
    (["baseline", "pixels", "--size", "0"], "must be >= 1"),
    (["baseline", "pixels", "--size", "4", "--grid", "8"], "size >= grid"),
    (["baseline", "language", "--device", "foo"], "unknown torch device 'foo'"),
    (["baseline", "language", "--device", "cuda"], "sees no CUDA device"),
    (["space", "--port", "99999"], "must be <= 65535"),
])
def test_bad_model_and_device_flags_are_one_line(source: Path, tmp_path: Path, capsys, argv, message) -> None:
    """Each was a traceback (ValueError, re.error, AssertionError, OverflowError after loading everything)."""
    import torch

    if "cuda" in argv and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    data = ["--data", str(source)] if argv[0] != "space" else []
    out = ["--output_dir", str(tmp_path / "run"), "--max_steps", "1", "--report_to", "none"] if argv[0] == "train" else []
    assert exit_code([*argv, *data, *out]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(("argv", "message"), [
    (["synth", "OUT", "--beta", "inf", "--clips", "20"], "must be in [0.0, inf), got inf"),
    (["synth", "OUT", "--lapse", "nan", "--clips", "20"], "got nan"),
    (["pretrain-tiny", "OUT", "--seed", "-1"], "must be >= 0, got -1"),
    (["pretrain-tiny", "OUT", "--probe-clips", "3"], "must be 0 (no probe) or at least 40, got 3"),
])
def test_non_finite_numbers_and_too_few_probe_clips_are_refused_up_front(tmp_path: Path, capsys, argv, message) -> None:
    """`--beta inf` wrote a benchmark whose every odd one out was position 0 (NaN probabilities); pretrain-tiny's
    `--seed -1` / `--probe-clips 3` failed after rendering the corpus or after training."""
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert exit_code(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["quickstart", "--out", "OUT", "--seed", "4294967296"], "argument --seed: must be <= 4294967295, got 4294967296"),
    (["pretrain-tiny", "OUT", "--seed", "18446744073709551616"],
     "argument --seed: must be <= 18446744073709551615, got 18446744073709551616"),
    (["pretrain-tiny", "OUT", "--set", "seed=18446744073709551616"], "seed must be in [0, 2**64), got 18446744073709551616"),
    (["pretrain-tiny", "OUT", "--set", "seed=-1"], "seed must be in [0, 2**64), got -1"),
    (["pretrain-tiny", "OUT", "--set", "corpus_seed_offset=-5"], "corpus_seed_offset must be >= 0, got -5"),
    (["evaluate", "--data", "OUT", "--model", "m", "--seed", "4294967296"],
     "argument --seed: must be <= 4294967295, got 4294967296"),
])
def test_a_seed_the_run_cannot_use_is_refused_before_any_work(tmp_path: Path, capsys, monkeypatch, argv,
                                                               message) -> None:
    """Fuzzing: `quickstart --seed 4294967296` generated the benchmark and scored the baselines before training
    refused the seed (numpy's global seed, set by transformers, stops at 2**32 - 1); `pretrain-tiny --seed 2**64`
    rendered the corpus, then torch.manual_seed raised "Overflow when unpacking long long" (a traceback),
    `--set corpus_seed_offset=-5` failed in numpy at the first corpus clip, and `evaluate --seed 4294967296` embedded
    every clip before the probes' scipy and scikit-learn draws raised a ValueError traceback."""
    import bgs_hf.quickstart as quickstart

    monkeypatch.setattr(quickstart, "run_quickstart", lambda *a, **k: pytest.fail("started before refusing"))
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert message in err[-1] and "Traceback" not in "\n".join(err), err
    assert not (tmp_path / "out").exists()


def test_quickstart_refuses_a_benchmark_without_test_judgments_before_training(tmp_path: Path, capsys,
                                                                             monkeypatch) -> None:
    """`quickstart --clips 10` generated data, scored baselines and trained BGS for a minute, then failed."""
    import bgs_hf.quickstart as quickstart

    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(quickstart, "train_bgs_run", lambda *a, **k: pytest.fail("trained before refusing"))
    assert exit_code(["quickstart", "--out", str(tmp_path / "qs"), "--clips", "10", "--fast"]) == 2
    assert "the test split has no judgment with all three clips in it" in capsys.readouterr().err


def test_quickstart_advises_a_clip_count_whose_drawn_design_gives_the_test_split_judgments(tmp_path: Path, capsys,
                                                                                          monkeypatch) -> None:
    """The refusal advised "--clips 60 or more", checked on seeds 0-5 only (seed 0 has no test judgment at 40 clips but
    one at 30). It now names a clip count whose design, drawn at the quickstart's seed and settings, gives the test
    split judgments: checked here on that benchmark's full tables, and 10-12 clips round to 2 test clips (a triplet
    needs 3), so it names 13 or more."""
    import bgs_hf.quickstart as quickstart
    from bgs_hf.synth import SynthConfig, generate_socialshapes
    from bgs_hf.synth.generate import build_tables, split_judgments

    # the split and design do not depend on the pixels: a tiny render of the quickstart's 10 clips at seed 0
    data_dir = generate_socialshapes(tmp_path / "ss", n_clips=10, seed=0,
                                     config=SynthConfig(num_frames=2, size=16, workers=1))
    monkeypatch.setattr(quickstart, "ensure_socialshapes", lambda seed, n_clips, **kw: data_dir)
    monkeypatch.setattr(quickstart, "train_bgs_run", lambda *a, **k: pytest.fail("trained before refusing"))
    assert exit_code(["quickstart", "--out", str(tmp_path / "qs"), "--clips", "10", "--fast"]) == 2
    err = capsys.readouterr().err
    said = re.search(r"the test split has no judgment with all three clips in it; use more clips: at --seed 0, "
                     r"--clips (\d+) gives it (\d+) judgments? \(checked on its drawn design\)", err)
    assert said and "60 or more" not in err, err
    n_clips, judgments = int(said[1]), int(said[2])
    tables = build_tables(n_clips, 0)[1]  # the quickstart's SocialShapes: default settings
    assert n_clips >= 13 and split_judgments(tables)["test"].sum() == judgments > 0


def test_quickstart_on_given_data_without_test_judgments_does_not_advise_the_clips_flag(tmp_path: Path, capsys,
                                                                                       monkeypatch) -> None:
    """Claims audit: with --data the refusal said "use more clips (--clips 60 or more)", a flag refused beside
    --data; it now asks for data with more test clips or judgments."""
    import bgs_hf.quickstart as quickstart
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data_dir = generate_socialshapes(tmp_path / "ss", n_clips=10, seed=0,
                                     config=SynthConfig(num_frames=8, size=32, workers=1))
    monkeypatch.setattr(quickstart, "train_bgs_run", lambda *a, **k: pytest.fail("trained before refusing"))
    assert exit_code(["quickstart", "--out", str(tmp_path / "qs"), "--data", str(data_dir), "--fast"]) == 2
    err = capsys.readouterr().err
    assert "the test split has no judgment with all three clips in it" in err and "--clips" not in err
    assert "data with more test clips or judgments" in err


def test_command_refusals_name_flags_as_typed(source: Path, tmp_path: Path, capsys) -> None:
    """A command's own refusal (not argparse's) named the `-` spelling: `--no_png` typed, `--no-png` printed, which
    reads as another flag. Every `bgs-hf` command's one-line error now spells each flag as it was typed."""
    png = str(tmp_path / "x.png")
    assert exit_code(["data", "stats", str(source), "--no_png", "--png", png]) == 2
    err = capsys.readouterr().err
    assert "error: --png FILE and --no_png contradict each other" in err, err
    assert exit_code(["data", "stats", str(source), "--no-png", "--png", png]) == 2
    assert "error: --png FILE and --no-png contradict each other" in capsys.readouterr().err


def test_flag_ranges_take_their_bounds_as_written():
    """Mutants that passed: `int_between` refusing its upper bound (`--port 65535`), a closed upper bound treated as
    open (`[0, 1]` refusing 1)."""
    import argparse

    from bgs_hf.cli._args import float_between, int_at_least, int_between

    def refused(parse, text):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            parse(text)
        return str(err.value)

    port = int_between(1, 65535)
    assert port("65535") == 65535 and port("1") == 1
    assert refused(port, "65536") == "must be <= 65535, got 65536" and refused(port, "0") == "must be >= 1, got 0"
    assert refused(int_at_least(0), "2.5") == "'2.5' is not an integer"
    closed = float_between(0.0, 1.0)
    assert closed("1") == 1.0 and closed("0") == 0.0 and refused(closed, "1.0001") == "must be in [0.0, 1.0], got 1.0001"
    half_open = float_between(0.0, 1.0, open_high=True)
    assert half_open("0") == 0.0 and refused(half_open, "1") == "must be in [0.0, 1.0), got 1"
    open_low = float_between(0.0, open_low=True)
    assert open_low("1e308") == 1e308 and refused(open_low, "0") == "must be in (0.0, inf), got 0"
    assert refused(open_low, "inf") == "must be in (0.0, inf), got inf"


def test_the_fit_split_is_always_a_split_of_the_data():
    """Mutant that passed: `--split fit` (train and val together) refused as not a split of the data."""
    from types import SimpleNamespace

    from bgs_hf.cli._args import check_split

    data = SimpleNamespace(name="toy", splits={"train": [], "val": [], "test": []})
    check_split(data, "fit")  # no error
    with pytest.raises(BGSInputError, match="--split 'fti' is not a split of toy \\(did you mean 'fit'\\?\\): "
                                            "choose from fit, test, train, val \\(fit = train and val together\\)"):
        check_split(data, "fti")


def test_an_output_file_or_folder_flag_of_the_other_kind_or_under_a_file_is_refused_before_the_work(tmp_path: Path):
    """Mutation audit (``cli/_args``): ``check_output_file`` taking a folder or a path under a file, and
    ``check_output_folder`` taking a file, all passed: the commands' tests reach one case each, through a whole run."""
    from bgs_hf._files import check_output_folder
    from bgs_hf.cli._args import check_output_file

    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BGSInputError, match="folder: --json is a folder, not a file: give a file name"):
        check_output_file(tmp_path / "folder", "--json")
    with pytest.raises(BGSInputError, match="--json cannot be written: notes.txt is a file, not a folder"):
        check_output_file(tmp_path / "notes.txt" / "s.json", "--json")
    with pytest.raises(BGSInputError, match="notes.txt: --report is a file, not a folder"):
        check_output_folder(tmp_path / "notes.txt", "--report")
    with pytest.raises(BGSInputError, match="--report cannot be written: notes.txt is a file, not a folder"):
        check_output_folder(tmp_path / "notes.txt" / "eval", "--report")
    for path in (None, tmp_path / "new" / "s.json", tmp_path / "notes.txt"):  # a file there is replaced, as asked
        check_output_file(path, "--json")
    for path in (None, tmp_path / "folder", tmp_path / "new" / "eval"):
        check_output_folder(path, "--report")
    assert (tmp_path / "notes.txt").read_text() == "mine" and not (tmp_path / "new").exists()


def test_the_plot_data_stats_writes_beside_its_json_is_checked_before_the_json_is_written(tmp_path: Path,
                                                                                          capsys) -> None:
    """``data stats --json s.json`` plots to ``s.png``: when that was a folder, the statistics were computed, s.json
    written, and then an IsADirectoryError ended the command with exit 2."""
    (tmp_path / "s.png").mkdir()
    assert exit_code(["data", "stats", str(tmp_path / "missing"), "--json", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert "the plot (--png) is a folder, not a file" in err and "missing" not in err, err
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize("folder", [".", "/"])
def test_data_stats_json_naming_a_folder_without_a_name_is_one_line(folder: str, tmp_path: Path, monkeypatch,
                                                                    capsys) -> None:
    """Fuzzing: `data stats SRC --json .` (or `/`) ended in a traceback from pathlib, "PosixPath('.') has an empty
    name", raised while the plot's default path was made from the JSON path, before the folder check ran; the
    refusal then named the folder as "" (`error: : --json is a folder`)."""
    monkeypatch.chdir(tmp_path)
    assert exit_code(["data", "stats", str(tmp_path / "missing"), "--json", folder]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {folder}: --json is a folder, not a file: give a file name"]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("repo_id", ["bad id", "no-slash", "a/b/c"])
def test_data_push_refuses_a_bad_repo_id_before_anything_is_written(tmp_path: Path, capsys, repo_id: str) -> None:
    """`bgs-hf data push --local-dir X --repo-id "bad id"` never checked the id (was: the data loaded and X was written
    with a card whose `load_dataset("bad id")` snippet nobody can run; without --local-dir the Hub refused it only
    after the export). It is one line before the data loads, as `bgs-hf push` does."""
    staged = tmp_path / "staged"
    assert exit_code(["data", "push", str(tmp_path / "missing"), "--repo-id", repo_id, "--local-dir",
                      str(staged)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"invalid repo id {repo_id!r}" in err and "missing" not in err, err
    assert not staged.exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["quickstart", "--data", "DATA", "--out", "FILE/run", "--fast"],
     "--out cannot be written: afile is a file, not a folder"),
    # OUT, as the help names it: the API's own check says out_dir (the synth audit's second pass dropped the CLI's)
    (["synth", "FILE/ss", "--clips", "12"], "OUT cannot be written: afile is a file, not a folder"),
    (["synth", "FILE/sub/ss", "--clips", "12"], "OUT cannot be written: afile is a file, not a folder"),  # mutation audit
    (["push", "MISSING", "--repo-id", "me/x", "--local-dir", "FILE/x"],
     "(--local-dir) cannot be written: afile is a file, not a folder"),
    (["train", "--data", "DATA", "--backbone", "tiny-random-videomae", "--output_dir", "FILE/run"],
     "--output_dir cannot be written: afile is a file, not a folder"),
])
def test_a_new_output_folder_under_a_file_is_refused_before_any_work(tmp_path: Path, capsys, monkeypatch, argv,
                                                                      message) -> None:
    """``quickstart --out afile/sub`` loaded the data, then failed with NotADirectoryError; ``push --local-dir`` and
    ``synth`` said ``FileExistsError``; ``train --output_dir`` loaded the data and the model first."""
    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    afile, data = tmp_path / "afile", tmp_path / "data"
    afile.write_text("keep me")
    write_release(tiny_release_tables(), data)
    subs = {"MISSING": str(tmp_path / "missing"), "DATA": str(data)}
    argv = [subs.get(a, a.replace("FILE", str(afile))) for a in argv]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert afile.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "data"]



def test_a_negative_or_fractional_is_catch_is_reported_not_read_as_a_flag() -> None:
    """Mutation audit (third pass): reading -1 as a flag (``bool(-1)`` is True: a catch trial) passed the suite, whose
    only refused integer was 2. Hand values: 1, 1.0 -> True; 0 -> False; -1 (row 3), -1.0 (row 5) and 0.5 (row 6)
    are each reported and read as False."""
    from bgs_hf.data.checks import ROW, Problems, to_bools

    values = [1, 0, -1, 1.0, -1.0, 0.5]
    df = pd.DataFrame({"is_catch": pd.Series(values, dtype=object), ROW: np.arange(1, len(values) + 1)})
    problems = Problems(collect=True)
    flags = to_bools(df, "is_catch", Path("judgments"), problems)
    assert flags.tolist() == [True, False, False, True, False, False]
    assert [str(p) for p in problems.items] == [f"judgments row {r}: column 'is_catch': {v} is not true/false"
                                                for r, v in ((3, -1), (5, -1.0), (6, 0.5))]


def test_a_home_folder_of_a_user_that_does_not_exist_is_a_missing_path_for_data_captions_and_the_space() -> None:
    """``~data/x`` typed for ``~/data/x``: pathlib's ``RuntimeError: Could not determine home directory`` was the
    whole message from ``load``, the caption model's check and the Space's cache folder (the backbones' loaders
    already read it as a missing folder)."""
    from bgs_hf.baselines.language import check_sentence_model
    from bgs_hf.hub.space_app import SpaceConfig

    with pytest.raises(BGSInputError, match="no such folder"):
        load("~no_such_user_bgs/data")
    with pytest.raises(BGSInputError, match=r"^~no_such_user_bgs/minilm: no such sentence model folder"):
        check_sentence_model("~no_such_user_bgs/minilm")
    assert SpaceConfig(cache_dir="~no_such_user_bgs/cache").cache_path == Path("~no_such_user_bgs/cache")


def test_files_bgs_hf_writes_and_reads_are_utf_8_whatever_the_locale(tmp_path: Path) -> None:
    """Under a locale whose default encoding is not UTF-8 (``LANG=C`` without Python's UTF-8 coercion; Windows'
    cp1252), the pretraining model card (``64×64 px``) was written in the locale's encoding (here a
    UnicodeEncodeError, on Windows bytes the Hub shows as mojibake) and a UTF-8 ``bgs_config.json`` naming a backbone
    ``José`` was read in it (a UnicodeDecodeError traceback, on Windows ``JosÃ©``). Both are UTF-8 now."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "card").mkdir()
    shutil.copy(root / "bgs_hf" / "assets" / "bgs-tiny-conv3d" / "training_log.json", tmp_path / "card")
    (tmp_path / "run").mkdir()
    record = {"backbone": {"family": "videomae", "name": "José", "source": "local"}, "frame_policy": {}}
    (tmp_path / "run" / "bgs_config.json").write_bytes(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    script = ("import json, sys; from pathlib import Path\n"
              "from bgs_hf.pretrain.card import write_model_card\n"
              "from bgs_hf.models.loading import read_bgs_config\n"
              "import locale; assert locale.getpreferredencoding(False).lower() not in ('utf-8', 'utf8')\n"
              "write_model_card(Path(sys.argv[1]) / 'card')\n"
              "print(json.dumps(read_bgs_config(Path(sys.argv[1]) / 'run')['backbone']['name']))\n")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == "José"
    card = (tmp_path / "card" / "README.md").read_bytes().decode("utf-8")
    assert "64×64 px" in card, card


def test_a_flag_written_as_float_text_is_zero_or_one_with_its_padding_and_nothing_else() -> None:
    """Mutation audit (bcac884..e5ea38f): the float-text pattern with its dot optional (``10`` read as a flag, ``00`` as
    False) and the text unstripped (``' 1.0 '`` refused) passed the suite, whose float texts were ``1.0``, ``0.0``,
    ``1.``, ``0.5`` and ``2.0``, unpadded. Hand values: ' 1.0 ', '1.000', '0.', '0.00' are flags (True, True, False,
    False); '10' (row 5), '00' (row 6), '1.01' (row 7), '01.0' (row 8) are each reported."""
    from bgs_hf.data.checks import ROW, Problems, to_bools

    values = [" 1.0 ", "1.000", "0.", "0.00", "10", "00", "1.01", "01.0"]
    df = pd.DataFrame({"is_catch": pd.Series(values, dtype=object), ROW: np.arange(1, len(values) + 1)})
    problems = Problems(collect=True)
    flags = to_bools(df, "is_catch", Path("judgments"), problems)
    assert flags.tolist() == [True, True, False, False, False, False, False, False]
    assert [str(p) for p in problems.items] == [f"judgments row {r}: column 'is_catch': {v!r} is not true/false"
                                                for r, v in ((5, "10"), (6, "00"), (7, "1.01"), (8, "01.0"))]


def test_a_true_flag_text_is_what_to_bools_reads_as_true_and_nothing_it_refuses() -> None:
    """Mutation (audit of e90477e): ``is_true_text`` (the practice flag's reading) taking ``on`` or ``x`` as true, or a
    float text by its prefix (``1.01``, ``1.5``), passed: ``to_bools`` refuses those before asking it. It is the one
    reading of a flag: true exactly where ``to_bools`` reads True, false where it reads False or refuses the cell."""
    from bgs_hf.data.checks import ROW, Problems, is_true_text, to_bools

    values = ["TRUE", " Yes ", "t", "Y", "1", "1.", " 1.000 ", "false", "N", "0", "0.0", "", "on", "x", "2", "1.01",
              "1.5", "10", "sí"]
    df = pd.DataFrame({"is_catch": pd.Series(values, dtype=object), ROW: np.arange(1, len(values) + 1)})
    flags = to_bools(df, "is_catch", Path("judgments"), Problems(collect=True))
    assert [is_true_text(v) for v in values] == flags.tolist() == [True] * 7 + [False] * 12
