"""Hub layout (b): export, `datasets.load_dataset(dir, config)`, round trip, path safety, card, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest
import yaml

from bgs_hf._format import quoted
from bgs_hf.cli.main import main as cli
from bgs_hf.data import DatasetCardInfo, load, validate, write_hub
from bgs_hf.data.hub import read_front_matter
from bgs_hf.data.stats import count_stats, data_stats
from bgs_hf.data.testing import tiny_release_tables, write_release
from bgs_hf.errors import BGSInputError


def _mp4(n_frames: int = 4) -> bytes:
    """A real, tiny h264/mpeg4 clip written with PyAV."""
    import io

    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 40 * i, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def _parquet(folder, config):
    (path,) = (folder / config).glob("*.parquet")
    return path


def _edit_cells(folder, config: str, cells: dict[tuple[int, str], object]) -> None:
    """Rewrite cells of a written Hub folder's config: ``{(row, column): value}`` (0-based rows)."""
    path = _parquet(folder, config)
    df = pd.read_parquet(path)
    for (row, column), value in cells.items():
        df.loc[row, column] = value
    df.to_parquet(path)


def stand_in_for_the_release(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a tiny release-layout folder pass for the Garcia & Isik release: its own files' sha256 become a known
    version of the release's (only the release's own files get its card and recorded origin)."""
    import hashlib

    import bgs_hf.data.release as reader

    files = next(iter(reader.RELEASE_SHA256.values()))
    digests = {rel: hashlib.sha256((root / "data" / rel).read_bytes()).hexdigest() for rel in files}
    monkeypatch.setattr(reader, "RELEASE_SHA256", {**reader.RELEASE_SHA256, "stand-in": digests})
    return root


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A tiny stand-in for the Garcia & Isik release, recognised as that release for this module's tests."""
    root = tmp_path_factory.mktemp("rel")
    videos = {"clip_001.mp4": _mp4(), "clip_007.mp4": _mp4()}
    with pytest.MonkeyPatch.context() as mp:
        yield stand_in_for_the_release(write_release(tiny_release_tables(
            n_clips=14, n_test=6, n_participants=8, trials_per_participant=30), root, videos=videos), mp)


@pytest.fixture(scope="module")
def exported(release, tmp_path_factory):
    data = load(release)
    out = write_hub(data, tmp_path_factory.mktemp("hub") / "ds")
    return data, out


def test_layout_and_load_dataset_without_script(exported):
    data, out = exported
    assert len(list((out / "clips").glob("train-*.parquet"))) == 1
    assert len(list((out / "judgments").glob("train-*.parquet"))) == 1
    assert sorted(p.name for p in (out / "videos").iterdir()) == ["clip_001.mp4", "clip_007.mp4"]
    judg = datasets.load_dataset(str(out), "judgments")["train"]
    clips = datasets.load_dataset(str(out), "clips")["train"]
    assert judg.features["odd"].dtype == "int8" and judg.features["clip_a"].dtype == "int64"
    assert len(judg) == len(data.judgments) and len(clips) == data.n_clips
    assert clips[1]["video"] == "videos/clip_001.mp4" and clips[0]["video"] is None
    assert judg.to_pandas().equals(data.judgments.to_pandas())
    for config, table in (("clips", clips), ("judgments", judg)):  # streaming reads the same rows, in row order
        assert list(datasets.load_dataset(str(out), config, streaming=True)["train"]) == table.to_list()
    # the statistics straight from `load_dataset` (no bgs_hf reader) match the source's
    j, c = judg.to_pandas(), clips.to_pandas()
    test = set(np.flatnonzero(c["stimulus_set"] == "test"))
    valid = j[~j["is_catch"]]
    in_test = valid[["clip_a", "clip_b", "clip_c"]].isin(test).all(axis=1)
    stats = count_stats(data)
    assert (len(j), int(j["is_catch"].sum()), len(valid)) == (
        stats["judgments_total"], stats["catch_trials"], stats["valid_judgments"])
    assert int(in_test.sum()) == stats["splits"]["test"]["judgments"] > 0
    assert j["participant"].nunique() == stats["participants"]


@pytest.mark.parametrize("card", [True, False])
def test_load_dataset_of_an_export_without_a_config_name_reads_the_judgments(exported, tmp_path, card):
    """`load_dataset(OUT)` with no config name was datasets' "Config name is missing": the judgments are the
    card's default config now. `load_dataset("parquet", data_dir=OUT)` over both configs' differing columns still
    fails (README says so), and one config's folder as `data_dir` reads that config."""
    data, out = exported
    if not card:
        out = write_hub(data, tmp_path / "bare", card=False)
    assert datasets.load_dataset(str(out))["train"].to_pandas().equals(data.judgments.to_pandas())
    by_folder = datasets.load_dataset("parquet", data_dir=str(out / "judgments"))["train"]
    assert by_folder.to_pandas().equals(data.judgments.to_pandas())
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        datasets.load_dataset("parquet", data_dir=str(out))


@pytest.mark.parametrize("card", [False, True])
def test_reexport_to_same_folder_is_not_served_stale(tmp_path, card):
    """datasets 5.2 caches local folders by name + YAML patterns; content-named files dodge that (with the full
    card too: only the card-less export was tested, and a card declaring a glob passed)."""
    import shutil

    sizes = []
    for n_test in (3, 5):
        write_release(tiny_release_tables(n_test=n_test), tmp_path / "rel")
        shutil.rmtree(tmp_path / "same", ignore_errors=True)  # write_hub takes a new or empty folder only
        write_hub(load(tmp_path / "rel"), tmp_path / "same", card=card)
        clips = datasets.load_dataset(str(tmp_path / "same"), "clips")["train"]
        sizes.append(list(clips["stimulus_set"]).count("test"))
    assert sizes == [3, 5]
    assert len(list((tmp_path / "same" / "clips").glob("*.parquet"))) == 1


def test_round_trip_gives_identical_data_and_statistics(exported):
    data, out = exported
    back = load(out)
    assert count_stats(back) | {"name": None} == count_stats(data) | {"name": None}
    a, b = data_stats(data, n_splits=20), data_stats(back, n_splits=20)
    assert a["noise_ceiling"] == b["noise_ceiling"]
    for k in data.splits:
        np.testing.assert_array_equal(data.splits[k], back.splits[k])
    for split in (None, "train", "val", "test", "fit"):
        ta, tb = data.triplets(split), back.triplets(split)
        np.testing.assert_array_equal(ta.idx, tb.idx)
        np.testing.assert_array_equal(ta.odd, tb.odd)
        np.testing.assert_array_equal(ta.participant, tb.participant)
    ca = data.clips.to_pandas().drop(columns=["video"])
    cb = back.clips.to_pandas().drop(columns=["video"])
    pd.testing.assert_frame_equal(ca, cb)
    assert back.clips[1]["video"] == str((out / "videos" / "clip_001.mp4").resolve())


def test_seeded_split_is_stored_per_clip(tmp_path):
    tables = tiny_release_tables()
    tables.annotations = tables.annotations.drop(columns=["stimulus_set"])
    data = load(write_release(tables, tmp_path / "r"), seed=5)
    out = write_hub(data, tmp_path / "hub", card=False)
    stored = datasets.load_dataset(str(out), "clips")["train"]["stimulus_set"]
    assert set(stored) == {"train", "test"}
    back = load(out, seed=5)
    for k in data.splits:
        np.testing.assert_array_equal(data.splits[k], back.splits[k])


def test_card_yaml_and_content(exported):
    data, out = exported
    meta = read_front_matter(out / "README.md")
    assert [c["config_name"] for c in meta["configs"]] == ["clips", "judgments"]
    assert meta["license"] == "other" and "odd-one-out" in meta["tags"]
    text = (out / "README.md").read_text()
    stats = count_stats(data)
    assert f"| valid judgments | {stats['valid_judgments']:,} |" in text
    assert "arXiv:2510.01502" in text and "no licence" in text
    assert "`rating_valence`" in text


def test_the_cards_judgment_columns_say_what_a_value_not_recorded_is_stored_as(exported):
    """A lab's table without trial numbers, times or sessions loads with `load_dataset` as trial -1, rt_s None and
    session '', and the card said only "trial number within the session" and "response time in seconds", so -1 read
    as a trial number. Now each row names its value for none recorded, the one `write_hub` stores."""
    _, out = exported
    rows = {x.split(" | ")[0][3:-1]: x for x in (out / "README.md").read_text().splitlines() if x.startswith("| `")}
    assert rows["session"] == "| `session` | string | session / set name (empty: none recorded) |"
    assert rows["trial"] == "| `trial` | int64 | trial number within the session (-1: none recorded) |"
    assert rows["rt_s"] == "| `rt_s` | float64 | response time in seconds (null: none recorded) |"


def test_card_gives_each_ratings_own_range_not_a_fixed_unit_interval(release, tmp_path):
    """A Hub-layout folder may hold ratings on any scale (README: `rating_<attr> (float)`); the card said
    'per-clip rating in [0, 1]' for every rating column, whatever its values."""
    import dataclasses

    data = load(release)
    likert = np.linspace(1.0, 7.0, data.n_clips)
    clips = data.clips.remove_columns("rating_valence").add_column("rating_valence", likert.tolist())
    out = write_hub(dataclasses.replace(data, clips=clips), tmp_path / "likert")
    row = next(x for x in (out / "README.md").read_text().splitlines() if x.startswith("| `rating_valence` |"))
    assert "[0, 1]" not in row and "1 to 7" in row


def test_the_cards_stimulus_set_row_names_the_val_clips_an_export_keeps(exported, tmp_path):
    """`write_hub` keeps `val` where the source's stimulus_set names validation clips, and the card's column table
    said the column holds "`train` or `test`" (the statistics count those clips with train); a card without
    named val clips is unchanged."""
    _, out = exported
    row = next(x for x in (out / "README.md").read_text().splitlines() if x.startswith("| `stimulus_set` |"))
    assert row == "| `stimulus_set` | string | `train` or `test` (the split by clip) |"
    train = [i for i, s in enumerate(pd.read_parquet(_parquet(out, "clips"))["stimulus_set"]) if s == "train"]
    named = write_hub(load(out), tmp_path / "named")
    _edit_cells(named, "clips", {(i, "stimulus_set"): "val" for i in train[:2]})
    again = write_hub(load(named), tmp_path / "again")
    assert list(pd.read_parquet(_parquet(again, "clips"))["stimulus_set"]).count("val") == 2
    row = next(x for x in (again / "README.md").read_text().splitlines() if x.startswith("| `stimulus_set` |"))
    assert "`val` marks the validation clips the source named" in row


def test_custom_card_info(release, tmp_path):
    info = DatasetCardInfo(pretty_name="My triplets", license="cc-by-4.0", license_note="CC BY 4.0.", citation="@misc{x}")
    out = write_hub(load(release), tmp_path / "c", card_info=info)
    meta = read_front_matter(out / "README.md")
    assert meta["license"] == "cc-by-4.0" and meta["pretty_name"] == "My triplets"
    assert load(out).name == "My triplets"


@pytest.mark.parametrize("bad", ["../outside.mp4", "/etc/passwd", "videos/../../x.mp4", "C:\\x.mp4"])
def test_video_paths_escaping_the_folder_are_refused(exported, tmp_path, bad):
    data, _ = exported
    out = write_hub(data, tmp_path / "d")
    _edit_cells(out, "clips", {(2, "video"): bad})
    with pytest.raises(BGSInputError, match=r"clips row 3: video path .* must be relative"):
        load(out)


def test_bad_judgments_are_reported(exported, tmp_path):
    data, _ = exported
    out = write_hub(data, tmp_path / "j")
    _edit_cells(out, "judgments", {(4, "clip_b"): 99, (9, "odd"): 3})
    with pytest.raises(BGSInputError, match=r"judgments row 5: column 'clip_b': unknown clip index 99"):
        load(out)
    _, problems = validate(out)
    assert [str(p) for p in problems] == [
        "judgments row 5: column 'clip_b': unknown clip index 99 (clips are 0..13)",
        "judgments row 10: odd 3 is not a position in its triplet (0, 1 or 2)",
    ]


def test_missing_and_corrupt_videos_are_validation_problems(exported, tmp_path):
    data, _ = exported
    out = write_hub(data, tmp_path / "v")
    (out / "videos" / "clip_001.mp4").unlink()
    (out / "videos" / "clip_007.mp4").write_bytes(b"\x00not a video")
    assert load(out).clips[1]["video"] is None  # load warns; validate reports
    _, problems = validate(out)
    text = [str(p) for p in problems]
    assert len(text) == 2
    assert text[0] == "clips row 2: clip 'clip_001.mp4': video 'videos/clip_001.mp4' missing"
    assert text[1].startswith("clip_007.mp4: clip 'clip_007.mp4': ")


def test_missing_column_in_hub_judgments(exported, tmp_path):
    data, _ = exported
    out = write_hub(data, tmp_path / "m")
    path = _parquet(out, "judgments")
    pd.read_parquet(path).drop(columns=["odd"]).to_parquet(path)
    with pytest.raises(BGSInputError, match=r"judgments: column 'odd' missing"):
        load(out)
    # a retyped header is named as the one meant (the release reader's line)
    out = write_hub(data, tmp_path / "retyped")
    path = _parquet(out, "judgments")
    pd.read_parquet(path).rename(columns={"participant": "Participant"}).to_parquet(path)
    with pytest.raises(BGSInputError, match=r"column 'participant' missing \(did you mean 'Participant'\?"):
        load(out)


def test_export_refuses_its_own_folder(exported):
    _, out = exported
    with pytest.raises(BGSInputError, match="onto its own folder"):
        write_hub(load(out), out)


def test_unknown_repo_id_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    with pytest.raises(BGSInputError, match="not in the Hub cache|cannot download"):
        load("nobody/no-such-dataset")


def test_cli_stats_export_push_local_dir(release, tmp_path, capsys):
    js, png = tmp_path / "s.json", tmp_path / "s.png"
    assert cli(["data", "stats", str(release), "--json", str(js), "--n-splits", "10"]) == 0
    stats = json.loads(js.read_text())
    for key in ("clips", "judgments_total", "catch_trials", "valid_judgments", "participants", "mixed_judgments"):
        assert isinstance(stats[key], int)
    for split in ("train", "test"):
        assert set(stats["splits"][split]) == {"clips", "judgments", "observed_pairs"}
    assert stats["splits"]["mixed_judgments"] == stats["mixed_judgments"]
    assert set(stats["noise_ceiling"]["test"]) >= {"r2_split_half", "r2_split_half_ci", "repeat_agreement"}
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    assert f"{stats['valid_judgments']:,} valid" in out

    assert cli(["data", "export", str(release), str(tmp_path / "exp")]) == 0
    assert cli(["data", "push", str(tmp_path / "exp"), "--repo-id", "me/x", "--local-dir", str(tmp_path / "p")]) == 0
    assert "nothing uploaded" in capsys.readouterr().out
    assert yaml.safe_load((tmp_path / "p" / "README.md").read_text().split("---")[1])["configs"]
    assert count_stats(load(tmp_path / "p")) | {"name": 0} == count_stats(load(release)) | {"name": 0}


def test_repo_id_goes_through_snapshot_download(exported, monkeypatch):
    data, out = exported
    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs.get("repo_type")))
        return str(out)

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    back = load("someone/social-ooo")
    assert calls == [("someone/social-ooo", "dataset")]
    assert len(back.judgments) == len(data.judgments)


def _card(folder):
    return read_front_matter(folder / "README.md"), (folder / "README.md").read_text()


def test_exported_cards_keep_the_source_licence(release, tmp_path):
    """Every export used to say "Garcia & Isik release, no licence", even for our Apache-2.0 SocialShapes or a
    Hub dataset re-published under its own licence."""
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1))
    assert cli(["data", "export", str(ss), str(tmp_path / "ss_hub")]) == 0
    meta, text = _card(tmp_path / "ss_hub")
    assert meta["license"] == "apache-2.0" and "license_name" not in meta and meta["pretty_name"] == "SocialShapes (seed 4)"
    assert "no licence" not in text and "Synthetic data generated by bgs-hf" in text
    assert cli(["data", "push", str(tmp_path / "ss_hub"), "--repo-id", "me/ss", "--local-dir", str(tmp_path / "ss_p")]) == 0
    assert _card(tmp_path / "ss_p")[0]["license"] == "apache-2.0"

    mine = tmp_path / "mine"
    write_hub(load(release), mine, card_info=DatasetCardInfo(pretty_name="Mine", license="cc-by-4.0", citation=""))
    assert cli(["data", "push", str(mine), "--repo-id", "me/m", "--local-dir", str(tmp_path / "mine_p")]) == 0
    meta, text = _card(tmp_path / "mine_p")
    assert (meta["license"], meta["pretty_name"]) == ("cc-by-4.0", "Mine") and "no licence" not in text

    assert cli(["data", "export", str(release), str(tmp_path / "rel"), "--license", "cc0-1.0", "--pretty-name", "Lab X"]) == 0
    meta, text = _card(tmp_path / "rel")
    assert (meta["license"], meta["pretty_name"]) == ("cc0-1.0", "Lab X") and "no licence" not in text
    assert "## Citation" not in text  # the paper's citation belongs to the paper's release, not to Lab X's data

    assert cli(["data", "export", str(release), str(tmp_path / "rel_default")]) == 0
    meta, text = _card(tmp_path / "rel_default")
    assert meta["license"] == "other" and meta["license_name"] == "no-licence-release" and "no licence" in text
    assert "## Citation" in text


def test_an_exported_socialshapes_instance_stays_simulated_through_export_and_push(tmp_path, caplog):
    """`data export` of SocialShapes left its ground_truth.json behind: the export loaded as human data
    (`simulated_observers` False) and a `data push` of it carried a card saying "Human odd-one-out judgments"."""
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1))
    assert load(ss).simulated_observers
    assert cli(["data", "export", str(ss), str(tmp_path / "exp")]) == 0
    assert cli(["data", "push", str(tmp_path / "exp"), "--repo-id", "me/ss", "--local-dir", str(tmp_path / "p")]) == 0
    for folder in (tmp_path / "exp", tmp_path / "p"):
        caplog.clear()
        with caplog.at_level("WARNING"):
            assert load(folder).simulated_observers, folder.name
        # a triplet repeated across observers is no trial listed again: each observer numbers its trials once a set
        assert "earlier row" not in caplog.text and "exact duplicate" not in caplog.text, folder.name
        meta, text = _card(folder)
        assert "Human odd-one-out" not in text and "human-similarity" not in meta["tags"], folder.name
        assert "simulated observers" in text and "simulated-judgments" in meta["tags"], folder.name
        assert json.loads((folder / "ground_truth.json").read_text()) == json.loads((ss / "ground_truth.json").read_text())
    # people's judgments pushed later to the same repo must not keep an earlier push's ground truth (and status)
    from bgs_hf.data.hub import DATASET_FILES

    assert "ground_truth.json" in DATASET_FILES


def test_republishing_your_own_data_does_not_borrow_the_release_description(release, tmp_path):
    """`data push`/`export` of a lab's own Hub folder (its own licence) described it with the release's text:
    "videos of social interactions ... ('Focus on what the people are doing. ...')"."""
    mine = tmp_path / "mine"
    write_hub(load(release), mine, card_info=DatasetCardInfo(pretty_name="Mine", license="cc-by-4.0", citation="",
                                                             description="Our lab's clips of bikes."))
    assert cli(["data", "push", str(mine), "--repo-id", "me/m", "--local-dir", str(tmp_path / "mine_p")]) == 0
    text = _card(tmp_path / "mine_p")[1]
    assert "social interactions" not in text and "Focus on what" not in text
    assert "picked the one that did not fit" in text


def _as_hub_cache_snapshot(folder, cache, repo_id="someone/social-ooo"):
    """``folder`` laid out as huggingface_hub caches a dataset repo: files in ``blobs/``, the snapshot made of
    relative symlinks into it (what `snapshot_download` returns on Linux)."""
    import hashlib
    import os
    import shutil

    repo = cache / ("datasets--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / ("c" * 40)
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("c" * 40)
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        blob = repo / "blobs" / hashlib.sha256(f.read_bytes()).hexdigest()
        shutil.copyfile(f, blob)
        link = snapshot / f.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, link.parent), link)
    return snapshot


def test_a_hub_cache_snapshot_with_videos_loads_and_outside_symlinks_stay_refused(exported, tmp_path, monkeypatch):
    """Every video of a downloaded dataset repo is a symlink into the cache's blob store; they were all refused
    as "resolves outside the dataset folder", so no Hub dataset with videos loaded by repo id."""
    import os

    import huggingface_hub

    data, out = exported
    snapshot = _as_hub_cache_snapshot(out, tmp_path / "hub")
    real = huggingface_hub.snapshot_download
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kw: real(
        repo_id, **kw, cache_dir=str(tmp_path / "hub"), local_files_only=True))
    back = load("someone/social-ooo")
    assert back.root == snapshot.resolve() or back.root == snapshot
    assert [v is not None for v in back.clips["video"]] == [v is not None for v in data.clips["video"]]
    assert sum(v is not None for v in back.clips["video"]) == 2
    # a symlink inside a plain folder that points anywhere else is still refused
    plain = write_hub(data, tmp_path / "plain")
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes((plain / "videos" / "clip_001.mp4").read_bytes())
    (plain / "videos" / "clip_001.mp4").unlink()
    os.symlink(outside, plain / "videos" / "clip_001.mp4")
    with pytest.raises(BGSInputError, match="clips row 2: video path 'videos/clip_001.mp4' resolves outside"):
        load(plain)


def test_a_card_whose_yaml_header_does_not_parse_is_one_line_naming_the_readme(exported, tmp_path, capsys):
    """An unclosed list in the header (a hand edit of the card) is one line and a problem for `data validate`
    (coverage audit: no test reached it; without the check it was a yaml ScannerError/ParserError traceback)."""
    data, _ = exported
    folder = write_hub(data, tmp_path / "ds")
    body = (folder / "README.md").read_text().split("---", 2)[2]
    (folder / "README.md").write_text("---\nconfigs: [\n---" + body)
    line = r"README\.md: YAML header unreadable \(while parsing [^\n]+\)"  # PyYAML's first line, nothing after it
    with pytest.raises(BGSInputError, match=f"^{line}$"):
        load(folder)
    assert cli(["data", "validate", str(folder)]) == 1
    assert re.search(f"^problem: {line}$", capsys.readouterr().out, flags=re.M)


def test_a_hub_folder_with_csv_configs_is_not_served_stale(exported, tmp_path):
    """The datasets cache key hashed README.md and *.parquet only: a rewritten judgments.csv was not seen."""
    data, out = exported
    folder = write_hub(data, tmp_path / "csv")
    meta, text = _card(folder)
    for config in ("clips", "judgments"):
        parquet = _parquet(folder, config)
        table = pd.read_parquet(parquet)
        if config == "clips":
            table["captions"] = table["captions"].map(lambda c: json.dumps(list(c)))
        table.to_csv(folder / config / f"{config}.csv", index=False)
        parquet.unlink()
    for entry in meta["configs"]:
        entry["data_files"] = [{"split": "train", "path": f"{entry['config_name']}/{entry['config_name']}.csv"}]
    body = text.split("---", 2)[2]
    (folder / "README.md").write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---" + body)
    assert len(load(folder).judgments) == len(data.judgments)
    judgments = pd.read_csv(folder / "judgments" / "judgments.csv")
    judgments.iloc[:100].to_csv(folder / "judgments" / "judgments.csv", index=False)
    assert len(load(folder).judgments) == 100
    # a rewrite of the same size (every odd one out moved by one place) is seen too: the key has the mtime
    judgments = pd.read_csv(folder / "judgments" / "judgments.csv")
    size = (folder / "judgments" / "judgments.csv").stat().st_size
    judgments.assign(odd=(judgments["odd"] + 1) % 3).to_csv(folder / "judgments" / "judgments.csv", index=False)
    assert (folder / "judgments" / "judgments.csv").stat().st_size == size
    np.testing.assert_array_equal(load(folder).judgments["odd"], (judgments["odd"].to_numpy() + 1) % 3)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_datasets_cache_entry_is_rebuilt_not_blamed_on_the_card(exported, tmp_path, caplog, damage):
    """An Arrow file of datasets' cache cut short or with a damaged schema (a full disk, a killed copy of the cache)
    failed every later load with "README.md: config 'judgments' unreadable (OSError: Expected to be able to read
    ...)": the user's own files were blamed and nothing said the cache was at fault. It is rebuilt once."""
    import logging

    from bgs_hf.data.hub import _cache_dir

    data, _ = exported
    folder = write_hub(data, tmp_path / "ds")
    assert len(load(folder).judgments) == len(data.judgments)
    arrows = sorted(Path(_cache_dir(folder)).rglob("*.arrow"))
    assert arrows
    for arrow in arrows:
        raw = bytearray(arrow.read_bytes())
        if damage == "truncate":
            raw = raw[: len(raw) // 3]
        else:
            for i in range(8, 200, 7):  # its schema (Arrow has no checksum: flips in the data pages pass unseen)
                raw[i] ^= 0xFF
        arrow.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING):
        again = load(folder)
    assert len(again.judgments) == len(data.judgments) and again.n_clips == data.n_clips
    assert "datasets cache rebuilt" in caplog.text
    assert len(load(folder).judgments) == len(data.judgments)  # and it stays good


@pytest.mark.parametrize(("config", "writer"), [("judgments", "pandas"), ("judgments", "pyarrow"),
                                                ("judgments", "csv"), ("judgments", "zero-byte csv"),
                                                ("clips", "csv")])
def test_an_empty_config_names_its_file_holding_no_rows_without_a_cache_rebuild(tmp_path, caplog, config, writer):
    """An exported table with no rows (a zero-row parquet from pandas or pyarrow, a header-only or zero-byte CSV) was
    `README.md: config 'judgments' unreadable (ValueError: Instruction "train" corresponds to no data!)` or
    `(DatasetGenerationError: An error occurred while generating the dataset)`, after a retry with the datasets cache
    rebuilt: datasets 5.2 refuses an empty config itself, so the "has no rows" check after it was never reached."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fmt = "csv" if writer.endswith("csv") else "parquet"
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(6)]}, _judgments(6, 20), fmt=fmt)
    path = folder / config / ("train" if config == "clips" else "j")
    path = path.with_suffix(f".{fmt}")
    columns = ["clip_id"] if config == "clips" else ["clip_a", "clip_b", "clip_c", "odd", "participant"]
    if writer.endswith("csv"):
        path.write_text("" if writer == "zero-byte csv" else ",".join(columns) + "\n")
    elif writer == "pandas":
        pd.DataFrame({c: pd.Series([], dtype="int64") for c in columns}).to_parquet(path, index=False)
    else:
        pq.write_table(pa.table({c: pa.array([], pa.int64()) for c in columns}), path)
    line = (f"README.md: config '{config}' has no rows: its file {config}/{path.name} holds none; write its {config} "
            "into it, or point the card's configs at the files that hold them")
    with caplog.at_level("WARNING"), pytest.raises(BGSInputError, match=f"^{re.escape(line)}$"):
        load(folder)
    assert "cache rebuilt" not in caplog.text  # a rebuilt cache cannot read an empty file
    _, problems = validate(folder)
    assert [str(p) for p in problems] == [line]


def test_an_empty_parquet_shard_beside_shards_with_rows_is_named(tmp_path, caplog):
    """datasets 5.2 cannot read a zero-row parquet file (or a zero-byte file) even beside files with rows (a sharded
    export with an empty part): the line was `config 'judgments' unreadable (DatasetGenerationError: An error
    occurred while generating the dataset)`. A header-only CSV beside CSVs with rows is read, and still is."""
    folder = _hub_folder(tmp_path / "pq", {"train": [f"c{i}" for i in range(6)]}, _judgments(6, 20))
    j = folder / "judgments"
    pd.read_parquet(j / "j.parquet").iloc[:0].to_parquet(j / "part-2.parquet", index=False)
    (j / "part-3.parquet").write_bytes(b"")
    line = ("README.md: config 'judgments': judgments/part-2.parquet, judgments/part-3.parquet hold no rows, which "
            "datasets cannot read beside the config's other files; delete them")
    with caplog.at_level("WARNING"), pytest.raises(BGSInputError, match=f"^{re.escape(line)}$"):
        load(folder)
    assert "cache rebuilt" not in caplog.text
    csv = _hub_folder(tmp_path / "csv", {"train": [f"c{i}" for i in range(6)]}, _judgments(6, 20), fmt="csv")
    (csv / "judgments" / "part-2.csv").write_text("clip_a,clip_b,clip_c,odd,participant\n")
    assert len(load(csv).judgments) == 20


def test_validate_lists_every_bad_split_label_and_still_checks_the_rest(exported, tmp_path):
    """A Hub folder with unknown stimulus_set labels: validate listed only the first (or none, when another
    problem came first), and skipped the judgment-independent video checks after it."""
    data, _ = exported
    out = write_hub(data, tmp_path / "labels")
    clips = pd.read_parquet(_parquet(out, "clips"))
    clips.loc[[3, 5, 8], "stimulus_set"] = "dev"
    clips.to_parquet(_parquet(out, "clips"))
    judgments = pd.read_parquet(_parquet(out, "judgments"))
    judgments.loc[9, "odd"] = 5
    judgments.to_parquet(_parquet(out, "judgments"))
    (out / "videos" / "clip_007.mp4").write_bytes(b"\x00not a video")
    _, problems = validate(out)
    text = [str(p) for p in problems]
    assert [t for t in text if "stimulus_set" in t] == [
        f"clips row {r}: stimulus_set 'dev' is not train/val/test" for r in (4, 6, 9)]
    assert "judgments row 10: odd 5 is not a position in its triplet (0, 1 or 2)" in text
    assert any(t.startswith("clip_007.mp4: ") for t in text)  # the video check still ran
    assert not any("split 'test' is empty" in t for t in text)  # no follow-on of the bad labels
    judgments.loc[9, "odd"] = 1
    judgments.to_parquet(_parquet(out, "judgments"))
    with pytest.raises(BGSInputError, match="clips row 4: stimulus_set 'dev' is not train/val/test"):
        load(out)  # strict: the first problem


def test_release_accepts_every_split_alias_and_reports_partial_labels_beside_other_problems(release, tmp_path):
    """The release reader had its own label list (no 'training'/'valid'); a partial labelling was hidden
    whenever another problem had been found first."""
    import shutil

    folder = tmp_path / "rel"
    shutil.copytree(release, folder)
    ann = next(folder.rglob("annotations.csv"))
    table = pd.read_csv(ann, dtype=str, keep_default_na=False)
    table["stimulus_set"] = table["stimulus_set"].map({"train": "Training", "test": "testing"})
    table.to_csv(ann, index=False)
    assert load(folder).splits["test"].tolist() == load(release).splits["test"].tolist()
    table.loc[[1, 2], "stimulus_set"] = ""
    table.to_csv(ann, index=False)
    trials = next(folder.rglob("all_triplets.csv"))
    rows = pd.read_csv(trials, dtype=str, keep_default_na=False)
    rows.loc[0, "response_time"] = "abc"
    rows.to_csv(trials, index=False)
    _, problems = validate(folder)
    text = [str(p) for p in problems]
    assert any("stimulus_set missing for 2 of 14 clips" in t for t in text), text
    assert len(text) >= 2


def test_a_bad_split_label_beside_a_blank_one_is_not_counted_as_missing(release, tmp_path):
    """One unknown label and one blank label: validate said "missing for 2 of 14 clips (first: clip index 1)",
    counting the unknown label (already its own line) as missing and naming it as the first blank clip."""
    import shutil

    folder = tmp_path / "rel"
    shutil.copytree(release, folder)
    ann = next(folder.rglob("annotations.csv"))
    table = pd.read_csv(ann, dtype=str, keep_default_na=False)
    table.loc[1, "stimulus_set"] = "dev"
    table.loc[2, "stimulus_set"] = ""
    table.to_csv(ann, index=False)
    _, problems = validate(folder)
    text = [str(p) for p in problems if "stimulus_set" in str(p)]
    assert text == ["annotations.csv row 2: stimulus_set 'dev' is not train/val/test",
                    "annotations.csv: stimulus_set missing for 1 of 14 clips (first: clip index 2); "
                    "label all clips or none"], text


def test_clip_names_with_a_sub_folder_export_and_load_back(tmp_path):
    """Moments-in-Time-style names (``walking/x.mp4``) validated, then export refused them half-way and left a
    half-written folder that blocked the rerun. They now keep their sub-folder under videos/."""
    tables = tiny_release_tables(n_clips=14, n_test=6, n_participants=8, trials_per_participant=30)
    old = tables.mapping["video_name"].iloc[3]
    new = f"walking/{old}"
    for df in (tables.mapping, tables.annotations, tables.captions):
        df.loc[df["video_name"] == old, "video_name"] = new
    root = write_release(tables, tmp_path / "rel", videos={new: _mp4(), "clip_001.mp4": _mp4()})
    data = load(root)
    out = write_hub(data, tmp_path / "ds")
    assert (out / "videos" / "walking" / old).is_file()
    back = load(out)
    assert back.clips["clip_id"] == data.clips["clip_id"]
    assert sum(v is not None for v in back.clips["video"]) == 2
    np.testing.assert_array_equal(back.splits["test"], data.splits["test"])
    # a source video that vanished is refused before anything is written

    Path(data.clips["video"][1]).unlink()
    with pytest.raises(BGSInputError, match="video of clip 'clip_001.mp4' missing"):
        write_hub(data, tmp_path / "second")
    assert not (tmp_path / "second").exists()


def test_load_names_the_annotation_row_of_a_bad_split_label(release, tmp_path):
    """`load` named the clip's position in the mapping (row 6) where `validate` named the CSV row (43)."""
    import shutil

    folder = tmp_path / "rel"
    shutil.copytree(release, folder)
    ann = next(folder.rglob("annotations.csv"))
    table = pd.read_csv(ann, dtype=str, keep_default_na=False).iloc[::-1].reset_index(drop=True)  # reversed rows
    table.loc[2, "stimulus_set"] = "tset"  # the 3rd data row of the file
    table.to_csv(ann, index=False)
    with pytest.raises(BGSInputError, match="annotations.csv row 3: stimulus_set 'tset' is not train/val/test"):
        load(folder)
    _, problems = validate(folder)
    assert "annotations.csv row 3: stimulus_set 'tset' is not train/val/test" in [str(p) for p in problems]


def _hub_folder(root: Path, clip_files: dict[str, list[str]], judgments: np.ndarray, *,
                participants: list[str] | None = None, fmt: str = "parquet",
                clip_columns: dict[str, list[str]] | None = None) -> Path:
    """A minimal Hub-layout folder: ``clip_files`` split name -> clip ids, judgments as row positions, its tables
    written as ``fmt`` (``parquet`` or ``csv``, as users publish them); ``clip_columns`` adds columns to a single
    clip file."""
    (root / "clips").mkdir(parents=True)
    (root / "judgments").mkdir()
    for split, ids in clip_files.items():
        getattr(pd.DataFrame({"clip_id": ids, **(clip_columns or {})}), f"to_{fmt}")(root / "clips" / f"{split}.{fmt}", index=False)
    participants = participants or [f"p{i % 6}" for i in range(len(judgments))]
    getattr(pd.DataFrame({"clip_a": judgments[:, 0], "clip_b": judgments[:, 1], "clip_c": judgments[:, 2],
                          "odd": np.zeros(len(judgments), int), "participant": participants}),
            f"to_{fmt}")(root / "judgments" / f"j.{fmt}", index=False)
    files = [{"split": s, "path": f"clips/{s}.{fmt}"} for s in clip_files]
    cfg = {"configs": [{"config_name": "clips", "data_files": files},
                       {"config_name": "judgments", "data_files": [{"split": "train", "path": f"judgments/*.{fmt}"}]}]}
    (root / "README.md").write_text("---\n" + yaml.safe_dump(cfg) + "---\n")
    return root


def _judgments(n_clips: int, n: int = 200) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.array([rng.choice(n_clips, 3, replace=False) for _ in range(n)])


def test_csv_configs_keep_the_leading_zeros_of_clip_ids_and_participants(tmp_path):
    """A card declaring CSV configs went through datasets' type inference: clip ids 000, 005 ... came back as 0, 5
    (naming no clip of the videos table) and participant 007 as '7'. Those columns are read as text now."""
    ids = [f"{i:03d}" for i in range(0, 60, 5)]
    judgments = _judgments(12, n=30)
    folder = _hub_folder(tmp_path / "d", {"train": ids}, judgments, fmt="csv",
                         participants=[f"{i % 3:03d}" for i in range(len(judgments))])
    data = load(folder)
    assert list(data.clip_ids) == ids
    assert sorted(set(data.judgments["participant"])) == ["000", "001", "002"]
    np.testing.assert_array_equal(load(_hub_folder(tmp_path / "pq", {"train": ids}, judgments)).clip_ids,
                                  data.clip_ids)  # as the same tables in parquet


def test_clips_split_into_hub_train_and_test_files_keep_that_split(tmp_path):
    """Without a stimulus_set column the publisher's train/test files were concatenated and the test clips
    drawn at random (an INFO line, no validate problem)."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)], "test": [f"c{i}" for i in range(16, 20)]},
                         _judgments(20))
    data = load(folder)
    assert sorted(data.clip_ids[i] for i in data.splits["test"]) == ["c16", "c17", "c18", "c19"]


def test_hub_splits_that_cannot_be_used_say_why_the_test_clips_are_drawn(tmp_path, caplog):
    """A `holdout` file beside train/test was warned about as "do not name a test split" though test was named."""
    cases = {"holdout": ({"train": [f"c{i}" for i in range(12)], "test": [f"c{i}" for i in range(12, 16)],
                          "holdout": [f"c{i}" for i in range(16, 20)]}, "include holdout, not one of"),
             "no-test": ({"train": [f"c{i}" for i in range(16)], "validation": [f"c{i}" for i in range(16, 20)]},
                         "Hub splits train, validation name no test split")}
    for name, (splits, why) in cases.items():
        caplog.clear()
        with caplog.at_level("WARNING"):
            data = load(_hub_folder(tmp_path / name, splits, _judgments(20)))
        assert why in caplog.text and "drawn at random (seeded)" in caplog.text, caplog.text
        assert len(data.splits["test"]) > 0  # drawn, as the warning says


def test_numeric_clip_ids_out_of_row_order_are_said_loudly(tmp_path, caplog):
    """Judgments name clips by row position: ids 0..N-1 in another order silently put every judgment on other
    clips if the publisher meant ids (nothing was said). Long numeric ids overflowed the first version's check."""
    ids = [str(i) for i in np.random.default_rng(1).permutation(12)]
    folder = _hub_folder(tmp_path / "d", {"train": ids}, _judgments(12))
    with caplog.at_level("WARNING"):
        assert load(folder).n_clips == 12
    assert "read as ROW positions" in caplog.text
    caplog.clear()
    long_ids = _hub_folder(tmp_path / "long", {"train": [str(10**19 + i) for i in range(12)]}, _judgments(12))
    ok = _hub_folder(tmp_path / "ok", {"train": [str(i) for i in range(12)]}, _judgments(12))
    with caplog.at_level("WARNING"):
        assert load(long_ids).n_clips == load(ok).n_clips == 12
    assert "ROW positions" not in caplog.text


def test_export_refuses_clip_ids_that_would_share_a_video_file(tmp_path, release):
    """'walk//x.mp4' and 'walk/x.mp4' were both written to videos/walk/x.mp4: one clip got the other's video."""
    import dataclasses

    data = load(release)
    clips = data.clips.to_pandas()
    videos = list(clips["video"])
    src = tmp_path / "a.mp4"
    src.write_bytes(b"AAAA")
    clips.loc[0, ["clip_id", "video"]] = ["walk/x.mp4", str(src)]
    clips.loc[1, ["clip_id", "video"]] = ["walk//x.mp4", str(src)]
    for i in range(2, len(clips)):
        clips.loc[i, "video"] = videos[i] if isinstance(videos[i], str) else None
    same = dataclasses.replace(data, clips=datasets.Dataset.from_pandas(clips, features=data.clips.features))
    with pytest.raises(BGSInputError, match="would share the video file videos/walk/x.mp4"):
        write_hub(same, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_stats_say_where_the_validation_clips_came_from(tmp_path):
    """`data stats` printed "(seed 0)" for validation clips the data's own labels chose."""
    from bgs_hf.data.stats import format_stats

    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(12)], "validation": ["c12", "c13", "c14"],
                                          "test": [f"c{i}" for i in range(15, 20)]}, _judgments(20))
    text = format_stats(count_stats(load(folder)))
    assert "(from the stimulus_set labels)" in text
    seeded = _hub_folder(tmp_path / "s", {"train": [f"c{i}" for i in range(20)]}, _judgments(20))
    assert "(seed 0)" in format_stats(count_stats(load(seeded)))


def test_hub_train_and_validation_files_alone_still_get_test_clips(tmp_path):
    """Adopting Hub split names left a train + validation layout (the commonest) without a single test clip."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "validation": [f"c{i}" for i in range(16, 20)]}, _judgments(20))
    assert len(load(folder).splits["test"]) > 0


def test_validate_says_the_test_clips_of_hub_train_and_validation_files_are_a_seeded_draw(tmp_path, capsys):
    """`data validate` of a clips config split into Hub train and validation files said only OK: its test clips were a
    seeded draw from the train file (a warning while loading) with no note naming the seed and the count, as the note
    of a folder with no split at all does. Both notes name them now."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(15)],
                                          "validation": [f"c{i}" for i in range(15, 20)]}, _judgments(20))
    assert cli(["data", "validate", str(folder), "--no-decode", "--split-seed", "3"]) == 0
    out = capsys.readouterr().out
    assert ("note: the clips config's Hub splits name no test split: its test clips are a seeded draw (split seed 3: "
            "3 of the 15 train clips), not a split the data defines") in out, out
    unsplit = _hub_folder(tmp_path / "u", {"train": [f"c{i}" for i in range(20)]}, _judgments(20))
    assert cli(["data", "validate", str(unsplit), "--no-decode"]) == 0
    out = capsys.readouterr().out
    assert ("note: no clip has a stimulus_set label: train/test is a seeded draw of clips (split seed 0: 4 of 20 "
            "clips test)") in out and "Hub splits" not in out, out


def test_an_interrupted_export_leaves_nothing_to_block_the_retry(release, tmp_path, monkeypatch, capsys):
    """Ctrl-C half-way left videos without parquet files in OUT, and the retry was refused as not empty."""
    import bgs_hf.data.hub as hub_mod

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(hub_mod, "_write_parquet", interrupted)
    assert cli(["data", "export", str(release), str(tmp_path / "out")]) == 130
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert cli(["data", "export", str(release), str(tmp_path / "out")]) == 0


def test_a_declared_licence_is_a_hub_licence_id(release, tmp_path, capsys):
    """`data export --license MIT` wrote `license: MIT`, which the Hub refuses."""
    assert cli(["data", "export", str(release), str(tmp_path / "mit"), "--license", "MIT"]) == 0
    assert "license: mit" in (tmp_path / "mit" / "README.md").read_text()
    assert cli(["data", "export", str(release), str(tmp_path / "bad"), "--license", "MIT License"]) == 2
    assert "not a Hub licence id" in capsys.readouterr().err and not (tmp_path / "bad").exists()


def test_a_declared_other_licence_replaces_the_releases_name_and_link(release, tmp_path, capsys):
    """`data export <release> --license other` said "Licensed `other` by the publisher" while its YAML still carried
    the release's `license_name: no-licence-release`, linked to the Garcia & Isik repository: the publisher's terms
    are named by --license-name / --license-link (the Hub's `license_name` id and `license_link` for "other")."""
    from test_hub import hub_metadata_problems

    assert cli(["data", "export", str(release), str(tmp_path / "plain"), "--license", "other"]) == 0
    meta, text = _card(tmp_path / "plain")
    assert (meta["license"], meta["license_name"]) == ("other", "publisher-terms") and "license_link" not in meta
    assert "no-licence-release" not in text and "garciakathy" not in text.split("---")[1] and "no licence" not in text
    named = ["--license", "other", "--license-name", "lab-terms-1.0", "--license-link", "https://example.org/terms"]
    assert cli(["data", "export", str(release), str(tmp_path / "named"), *named]) == 0
    meta, text = _card(tmp_path / "named")
    assert (meta["license"], meta["license_name"], meta["license_link"]) == ("other", "lab-terms-1.0",
                                                                            "https://example.org/terms")
    assert "`lab-terms-1.0`" in text and "https://example.org/terms" in text and "no licence" not in text
    for folder in ("plain", "named"):
        assert hub_metadata_problems((tmp_path / folder / "README.md").read_text(), "dataset", tmp_path / folder) == []
    capsys.readouterr()
    for flags, flag in ((["--license", "mit", "--license-name", "lab-terms"], "--license-name"),
                        (["--license-link", "https://example.org/terms"], "--license-link"),
                        (["--license", "other", "--license-name", "Lab Terms"], "--license-name"),
                        (["--license", "other", "--license-link", "terms.txt"], "--license-link")):
        assert cli(["data", "export", str(release), str(tmp_path / "bad"), *flags]) == 2, flags
        err = capsys.readouterr().err
        assert flag in err and err.count("\n") == 1 and "Traceback" not in err, err
        assert not (tmp_path / "bad").exists()


def test_every_exported_dataset_card_carries_metadata_the_hub_accepts(release, tmp_path):
    """`data export --license other` of SocialShapes (or of a Hub folder under its own licence) wrote
    `license: other` with no `license_name`, which the Hub requires for "other"; every card's `configs` must
    name files the folder has."""
    from test_hub import hub_metadata_problems

    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1))
    mine = write_hub(load(release), tmp_path / "mine", card_info=DatasetCardInfo(pretty_name="Mine", license="mit",
                                                                                 citation=""))
    exports = {"release": [release], "release-mit": [release, "--license", "MIT"], "ss": [ss],
               "ss-other": [ss, "--license", "other"], "mine-other": [mine, "--license", "other"]}
    for name, (source, *flags) in exports.items():
        assert cli(["data", "export", str(source), str(tmp_path / "out" / name), *flags]) == 0
    for folder in [mine, *(tmp_path / "out" / name for name in exports)]:
        assert hub_metadata_problems((folder / "README.md").read_text(), "dataset", folder) == [], folder.name
    meta = read_front_matter(tmp_path / "out" / "release" / "README.md")
    assert meta["license_link"] == "https://github.com/garciakathy/similarity-judgments-finetuning"
    assert "license_link" not in read_front_matter(tmp_path / "out" / "ss-other" / "README.md")  # not the release's


@pytest.mark.parametrize("flags", [["--val-split", "paper"], ["--val_split", "seeded"], ["--val-fraction", "0.1"],
                                   ["--val_fraction=0"]])
@pytest.mark.parametrize("command", ["export", "push"])
def test_export_and_push_refuse_validation_flags_they_cannot_honour(release, tmp_path, capsys, command, flags):
    """`data export/push --val-split paper` (or `--val-fraction`) exited 0 with the flag silently unused: the Hub
    layout stores train/test only (`stimulus_set`), the validation carve-out is chosen where the data is used."""
    out = tmp_path / "out"
    argv = ["data", command, str(release)] + ([str(out)] if command == "export" else
                                              ["--repo-id", "me/x", "--local-dir", str(out)])
    with pytest.raises(SystemExit) as refused:
        cli([*argv, *flags])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    typed = flags[0].split("=")[0]
    assert f"argument {typed}: not used by `data {command}`" in err and err.count("error:") == 1, err
    assert "to `bgs-hf train` or `bgs-hf data stats`" in err and not out.exists()
    help_text = cli_help(["data", command, "-h"], capsys)
    assert "--val-split" not in help_text and "--val-fraction" not in help_text
    assert "--seed" in help_text and "validation" not in help_text.split("--seed", 1)[1].split("--", 1)[0]


def cli_help(argv, capsys) -> str:
    with pytest.raises(SystemExit):
        cli(argv)
    return capsys.readouterr().out


def test_a_pushed_dataset_cards_snippet_names_its_repo_and_runs(release, tmp_path, monkeypatch):
    """The card's snippet read `load_dataset("<this repo or folder>", "judgments")` on the Hub too, which runs for
    nobody: `data push` knows the repo, so the card names it; the snippet (repo id pointed at the staged folder, as
    the Hub cache would hold it) loads both configs and the bgs-hf view of the test split, and opens a clip's video
    downloaded by `hf_hub_download` (from a Hub cache here, offline)."""
    import re

    import huggingface_hub

    assert cli(["data", "push", str(release), "--repo-id", "me/social-ooo", "--local-dir", str(tmp_path / "p")]) == 0
    text = (tmp_path / "p" / "README.md").read_text()
    assert "<this repo or folder>" not in text
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert 'load_dataset("me/social-ooo", "judgments")' in code and 'bgs_hf.data.load("me/social-ooo")' in code
    assert 'hf_hub_download("me/social-ooo", clip["video"], repo_type="dataset")' in code
    _as_hub_cache_snapshot(tmp_path / "p", tmp_path / "hub", "me/social-ooo")
    real = huggingface_hub.hf_hub_download
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda *a, **kw: real(
        *a, **kw, cache_dir=str(tmp_path / "hub"), local_files_only=True))
    scope: dict = {}
    code = code.replace('"me/social-ooo", "', repr(str(tmp_path / "p")) + ', "').replace(
        'load("me/social-ooo")', f"load({str(tmp_path / 'p')!r})")
    exec(compile(code, "card-snippet", "exec"), scope)  # noqa: S102
    data = load(release)
    assert len(scope["judgments"]) == len(data.judgments) and len(scope["clips"]) == data.n_clips
    assert len(scope["test"].odd) == len(data.triplets("test").odd)
    assert len(scope["frames"]) == 4 and scope["frames"][0].shape == (16, 16, 3)
    # a local export names no repo: the card keeps the placeholder
    assert "<this repo or folder>" in (write_hub(data, tmp_path / "local") / "README.md").read_text()


def test_staging_a_data_push_needs_no_repo_id_and_an_upload_says_why_it_does(release, tmp_path, capsys):
    """`data push SOURCE --local-dir DIR` uploads nothing, yet argparse demanded --repo-id: the repo is only named
    in the card's snippet, which keeps its placeholder without one (as `data export`'s does). An upload still needs
    it, refused in one line saying so before the data loads."""
    staged = tmp_path / "p"
    assert cli(["data", "push", str(release), "--local-dir", str(staged)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote {staged}; nothing uploaded (its card's snippet says <this repo or folder>; pass --repo-id USER/NAME, "
        "without --local-dir, to push)")
    assert 'load_dataset("<this repo or folder>", "judgments")' in (staged / "README.md").read_text()
    assert cli(["data", "push", str(tmp_path / "not-there")]) == 2  # refused before the source is read
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: --repo-id USER/NAME is needed to upload (or pass --local-dir DIR to stage the folder without "
        "uploading)")


def test_the_dataset_cards_snippet_opens_a_clips_video_offline_in_a_fresh_process(tmp_path):
    """`video` is a plain path string (`datasets`' Video feature needs torchcodec, not installed): the card named it
    "path relative to the repo root" and showed no way to open it, so `av.open(clip["video"])` failed outside the
    folder. Its snippet now joins the folder and decodes with PyAV; run as written (placeholder filled) in a fresh
    interpreter, from another folder, with HF_DATASETS_OFFLINE/HF_HUB_OFFLINE and an empty datasets cache, on a
    clip whose name and caption are not ASCII."""
    import os
    import re
    import subprocess
    import sys

    tables = tiny_release_tables(n_clips=14, n_test=6, n_participants=8, trials_per_participant=30)
    old, new = tables.mapping["video_name"].iloc[1], "café 日本/naïve.mp4"
    for df in (tables.mapping, tables.annotations, tables.captions):
        df.loc[df["video_name"] == old, "video_name"] = new
    out = write_hub(load(write_release(tables, tmp_path / "rel", videos={new: _mp4(5)})), tmp_path / "ds")
    (code,) = re.findall(r"```python\n(.*?)```", (out / "README.md").read_text(encoding="utf-8"), flags=re.S)
    assert "import av" in code and "torchcodec" in code
    (tmp_path / "elsewhere").mkdir()
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                       os.environ.get("PYTHONPATH")]))}
    script = code.replace('"<this repo or folder>"', repr(str(out))) + (
        "\nprint(clip['clip_id'], len(frames), frames[0].shape, frames[0].dtype, len(test.odd))\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path / "elsewhere", env=env, capture_output=True,
                         text=True, encoding="utf-8", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1].startswith(f"{new} 5 (16, 16, 3) uint8 ")


def test_a_socialshapes_dataset_card_does_not_call_its_similarity_human(release, tmp_path):
    """A SocialShapes dataset card defined p_ij as "Human similarity" and offered "the human similarity helpers":
    its judgments come from simulated observers (its own description says so). The release's card keeps both."""
    from bgs_hf.data.hub import render_card
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes, socialshapes_card_info

    ss = load(generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1)))
    assert ss.simulated_observers
    text = render_card(ss, socialshapes_card_info(4, None, 12))
    assert "human similarity" not in text.lower(), text
    assert "Simulated observers' similarity: for each clip pair, `n_ij` counts" in text, text
    assert "catch trials flagged and the similarity helpers:" in text, text
    human = render_card(load(release))
    assert "simulated" not in human, human
    assert "Human similarity: for each clip pair, `n_ij` counts" in human
    assert "catch trials flagged and the human similarity helpers:" in human



def _card_section(text: str, title: str) -> dict[str, str]:
    """``{label: value}`` of the table under a card's ``## title``."""
    body = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return dict(line[2:-2].split(" | ", 1) for line in body.splitlines() if line.startswith("| ") and " | " in line[2:])


def test_the_dataset_card_shows_the_data_quality_data_stats_computes(tmp_path):
    """`data stats` says how the catch trials were answered, which judgments were recorded twice in a row and the
    test split's noise ceiling; the dataset card a reader browses on the Hub said none of it. Its "Data quality" rows
    are `count_stats`' and the ceiling function's own numbers (seed 0, 100 split-halves, as `data stats` defaults),
    the same on every export; the YAML still parses and declares both configs."""
    from bgs_hf.data.hub import render_card
    from bgs_hf.metrics.ceiling import split_half_ceiling

    tables = tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40)
    t = tables.triplets
    cols = ["stim1_name", "stim2_name", "stim3_name", "choice"]
    t.loc[1, cols] = t.loc[0, cols].to_numpy()  # part-0 records trial 0's judgment again at trial 1
    t.loc[18, "choice"] = t.loc[18, "stim2_name"]  # part-1 misses a catch trial (clip shown twice chosen)
    data = load(write_release(tables, tmp_path / "rel"))
    stats = count_stats(data)
    c, r = stats["catch_answers"], stats["repeated_in_a_row"]
    assert r["judgments"] == 1 and 0 < c["right"] < c["gradable"]
    ceiling = split_half_ceiling(data.triplets("test"), data.n_clips, n_splits=100, seed=0)
    assert ceiling.too_few_pairs() is None
    text = render_card(data)
    assert render_card(data) == text
    meta = yaml.safe_load(text.split("---")[1])
    assert [x["config_name"] for x in meta["configs"]] == ["clips", "judgments"]
    rows = _card_section(text, "Data quality")
    assert rows["judgments"] == (f"{stats['judgments_total']:,} total: {stats['valid_judgments']:,} valid, "
                                 f"{stats['catch_trials']} catch trials (excluded from every analysis)")
    assert rows["catch trials answered right"] == (
        f"{c['right']} of the {c['gradable']} with a right answer ({100 * c['right'] / c['gradable']:.1f}%); "
        f"{c['participants_missed']} of 10 participants missed at least one")
    assert rows["judgments recorded twice in a row"].startswith(f"{r['judgments']} (the same participant")
    lo, hi = ceiling.ci
    assert rows["noise ceiling, test split: split-half R² (Spearman–Brown corrected to the whole group)"] == (
        f"{ceiling.r2:.3f} (95% range {lo:.3f} to {hi:.3f} over 100 random split-halves of the participants)")
    assert "seed 0" in text.split("## Data quality")[1]
    # repeated trials are shown only when there are any
    once = load(write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                              tmp_path / "once"))
    assert count_stats(once)["repeated_in_a_row"]["judgments"] == 0
    assert "recorded twice" not in render_card(once)


def test_a_socialshapes_dataset_card_says_its_judges_are_simulated_observers(tmp_path):
    """`write_hub(load(socialshapes))` with no card info described the simulated judgments as the release's
    ("Human odd-one-out judgments ...", its licence note, the `human-similarity` tag): the card now takes the
    instance's own origin, as `data export` does, and its statistics and data quality name simulated observers."""
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    ss = load(generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1)))
    text = (write_hub(ss, tmp_path / "hub") / "README.md").read_text()
    assert "human" not in text.lower() and "participants" not in text, text
    assert "odd-one-out judgments by simulated observers" in text and "apache-2.0" in text
    assert "The judges are SocialShapes' simulated observers, not people." in text
    assert f"| simulated observers | {ss.n_participants:,} |" in text


def test_data_stats_titles_a_socialshapes_plot_with_its_simulated_observers(release, tmp_path, monkeypatch, capsys):
    """`data stats` on SocialShapes titled its p_ij plot "Human similarity p_ij": the judgments are simulated
    observers' (`data.simulated_observers`). The release's plot keeps its title."""
    import bgs_hf.viz
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    titles = []
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices", lambda panels, png, title, **kw: titles.append(title))
    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1))
    for source in (ss, release):
        assert cli(["data", "stats", str(source), "--n-splits", "2", "--png", str(tmp_path / "p.png")]) == 0
    capsys.readouterr()
    assert titles == [f"Simulated observers' similarity p_ij: {load(ss).name}",
                      f"Human similarity p_ij: {load(release).name}"], titles


def test_write_hub_refuses_a_folder_with_files_as_the_cli_does(release, tmp_path):
    """Only `bgs-hf data export` refused a non-empty OUT: from Python a second export into the same folder left the
    first one's videos beside the new dataset's."""
    out = write_hub(load(release), tmp_path / "ds", card=False)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    smaller = load(write_release(tiny_release_tables(n_clips=10), tmp_path / "small"))
    with pytest.raises(BGSInputError, match=r"^ds: out_dir is not empty: choose a new or empty folder"):
        write_hub(smaller, out, card=False)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    (tmp_path / "empty").mkdir()
    assert load(write_hub(smaller, tmp_path / "empty", card=False)).n_clips == 10  # an empty folder is taken


@pytest.mark.parametrize("where", ["to_parquet", "card"])
def test_a_failed_write_hub_leaves_no_files_behind(release, tmp_path, monkeypatch, where):
    """An interrupted write left `*.writing.parquet` and copied videos, and the half folder blocked a retry."""
    import bgs_hf.data.hub as hub

    def fail_mid_parquet(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a parquet file")
        raise KeyboardInterrupt

    if where == "to_parquet":
        monkeypatch.setattr(datasets.Dataset, "to_parquet", fail_mid_parquet)
    else:
        monkeypatch.setattr(hub, "render_card", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    (tmp_path / "given").mkdir()  # an existing empty folder, and one the call makes
    for out in (tmp_path / "given", tmp_path / "new"):
        with pytest.raises((KeyboardInterrupt, OSError)):
            write_hub(load(release), out)
    assert [p.name for p in tmp_path.rglob("*")] == ["given"]
    monkeypatch.undo()
    assert load(write_hub(load(release), tmp_path / "given")).n_clips == 14  # a retry is not refused


def test_a_problem_in_a_sharded_config_names_its_file_and_the_row_in_that_file(exported, tmp_path):
    """Hub datasets are often sharded (``train-00000-of-00002.parquet`` ...). A bad row used to be numbered across
    every file of the config ("judgments row 57"), which no file has; it names the shard and its own row."""
    data, _ = exported
    out = write_hub(data, tmp_path / "s")
    path = _parquet(out, "judgments")
    df = pd.read_parquet(path)
    path.unlink()
    first, second = df.iloc[:50].reset_index(drop=True), df.iloc[50:].reset_index(drop=True)
    second.loc[6, "clip_b"] = 99
    first.to_parquet(out / "judgments" / "train-00000-of-00002.parquet")
    second.to_parquet(out / "judgments" / "train-00001-of-00002.parquet")
    card = out / "README.md"
    card.write_text(card.read_text().replace(f"judgments/{path.name}", "judgments/*.parquet"))
    with pytest.raises(BGSInputError, match=r"^train-00001-of-00002\.parquet row 7: column 'clip_b': unknown clip"):
        load(out)
    _, problems = validate(out)
    assert [(p.path.name, p.row) for p in problems] == [("train-00001-of-00002.parquet", 7)]


def _with_rows_again(path: Path, rows: list[int], *, rerounded: bool = True, **cells: object) -> int:
    """Append copies of a written config file's ``rows`` (0-based), their ``rt_s`` re-rounded (two exports joined
    after a spreadsheet rounded the times) unless ``rerounded`` is False, ``cells`` set in them; returns the rows the
    file had before."""
    df = pd.read_parquet(path)
    again = df.iloc[rows].copy()
    if rerounded:
        again["rt_s"] = again["rt_s"].round(1) + 0.01  # never equal to the 3-decimal original
    for column, value in cells.items():
        again[column] = value
    pd.concat([df, again], ignore_index=True).to_parquet(path)
    return len(df)


def test_a_trial_listed_again_in_a_hub_layout_is_warned_of_as_the_release_reader_and_import_do(exported, tmp_path,
                                                                                                 caplog):
    """A Hub layout's judgments counted a trial listed twice (the same participant, session and trial number) as two
    judgments without a word, where the release reader and `data import` warn (and drop an exact copy). The same
    rules now hold here, the config named as its problem lines name it; the same trial number in another session,
    and a repeated row of a layout without trial numbers (the same triplet may be shown twice), say nothing."""
    data, clean = exported
    with caplog.at_level("WARNING"):
        load(clean)
    assert "earlier row" not in caplog.text and "exact duplicate" not in caplog.text
    out = write_hub(data, tmp_path / "again")
    n = _with_rows_again(_parquet(out, "judgments"), [3])
    _with_rows_again(_parquet(out, "judgments"), [5], rerounded=False)
    _with_rows_again(_parquet(out, "judgments"), [7], session="set9")
    caplog.clear()
    with caplog.at_level("WARNING"):
        back = load(out)
    assert len(back.judgments) == n + 2
    assert "judgments: dropped 1 exact duplicate row (same participant, trial number and answer)" in caplog.text
    assert (f"judgments: 1 row gives the participant, session and trial of an earlier row but differs from it (row "
            f"{n + 1}, as row 4): it is counted as a judgment of its own; if it lists that trial again (copies joined), "
            "remove it") in caplog.text
    assert caplog.text.count("earlier row") == 1
    out = write_hub(data, tmp_path / "untimed")
    path = _parquet(out, "judgments")
    pd.read_parquet(path).drop(columns=["trial"]).to_parquet(path)
    _with_rows_again(path, [3, 5], rerounded=False)
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert len(load(out).judgments) == n + 2
    assert "earlier row" not in caplog.text and "exact duplicate" not in caplog.text


def test_a_trial_listed_again_in_another_shard_names_both_files(exported, tmp_path, caplog):
    """A sharded judgments config names a relisted row by its file and that file's row, as its problem lines do (no
    file has the config's row 57), and the earlier row by its own file."""
    data, _ = exported
    out = write_hub(data, tmp_path / "s")
    path = _parquet(out, "judgments")
    df = pd.read_parquet(path)
    path.unlink()
    df.iloc[:50].to_parquet(out / "judgments" / "train-00000-of-00002.parquet")
    again = df.iloc[[3]].assign(rt_s=round(df["rt_s"].iloc[3], 1) + 0.01)  # the first shard's row 4, re-rounded
    pd.concat([df.iloc[50:], again], ignore_index=True).to_parquet(out / "judgments" / "train-00001-of-00002.parquet")
    card = out / "README.md"
    card.write_text(card.read_text().replace(f"judgments/{path.name}", "judgments/*.parquet"))
    with caplog.at_level("WARNING"):
        load(out)
    assert (f"train-00001-of-00002.parquet: 1 row gives the participant, session and trial of an earlier row but "
            f"differs from it (row {len(df) - 50 + 1}, as train-00000-of-00002.parquet row 4)") in caplog.text


def test_pushing_the_papers_unlicensed_release_needs_a_declared_licence(release, exported, tmp_path, capsys,
                                                                        monkeypatch):
    """`data push <release> --repo-id you/x` uploaded the paper's judgments to a public dataset repo without a word,
    under a card saying they carry no licence ("ask the authors before redistributing them"); so did a push of its
    Hub-layout export. Staging (--local-dir) is still free; uploading needs the terms the authors gave (--license)."""
    import bgs_hf.data.hub

    pushed: list[str] = []
    monkeypatch.setattr(bgs_hf.data.hub, "push_to_hub", lambda folder, repo_id, **kw: pushed.append(repo_id) or "url")
    for source in (release, exported[1]):
        assert cli(["data", "push", str(source), "--repo-id", "me/ooo"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "carries no licence" in err and "--license" in err, err
    assert pushed == []
    assert cli(["data", "push", str(release), "--repo-id", "me/ooo", "--local-dir", str(tmp_path / "p")]) == 0
    assert cli(["data", "push", str(release), "--repo-id", "me/ooo", "--license", "other", "--license-name",
                "authors-permission"]) == 0
    assert pushed == ["me/ooo"]


def test_the_release_is_known_by_all_four_files_text_whatever_its_bom_or_line_endings(tmp_path, monkeypatch):
    """Mutation audit (this round's new code): `release_version` without the release itself (its tests skip without
    it). A copy saved with a BOM and CRLF line endings is the release, as its text is; a copy in which any one of the
    four files differs is not (a mutant taking one matching file passed); a copy without captions.csv (optional to
    the reader) is not, and reading it raises nothing (a FileNotFoundError from the hash passed every test)."""
    import bgs_hf.data.release as reader

    tables = tiny_release_tables(n_clips=10)
    plain = stand_in_for_the_release(write_release(tables, tmp_path / "plain"), monkeypatch)
    windows = write_release(tables, tmp_path / "windows", bom=True, crlf=True)
    assert (plain / "data" / reader.TRIPLETS).read_bytes() != (windows / "data" / reader.TRIPLETS).read_bytes()
    assert reader.release_version(plain / "data") == reader.release_version(windows / "data") == "stand-in"
    files = next(iter(reader.RELEASE_SHA256.values()))
    assert len(files) == 4
    for rel in files:
        edited = write_release(tables, tmp_path / f"edited-{rel.stem}")
        (edited / "data" / rel).write_bytes((edited / "data" / rel).read_bytes() + b"\n")
        assert reader.release_version(edited / "data") is None, rel
    (plain / "data" / reader.CAPTIONS).unlink()
    assert reader.release_version(plain / "data") is None


def test_pushing_release_layout_data_that_is_not_the_release_needs_a_declared_licence(tmp_path, capsys, monkeypatch):
    """Such a folder got the release's card, and its push was refused without --license. Once the release was known
    by its files, an edited copy of it (one judgment removed) would have been uploaded under "Licence not declared":
    it still needs the terms declared (a lab's own data in that layout too, as before); staging stays free."""
    import bgs_hf.data.hub

    pushed: list[str] = []
    monkeypatch.setattr(bgs_hf.data.hub, "push_to_hub", lambda folder, repo_id, **kw: pushed.append(repo_id) or "url")
    mine = write_release(tiny_release_tables(n_clips=10), tmp_path / "mine")
    assert cli(["data", "push", str(mine), "--repo-id", "me/ooo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layout of the paper's release but does not hold its files" in err, err
    assert "--license" in err and "--local-dir" in err and pushed == []
    assert cli(["data", "push", str(mine), "--repo-id", "me/ooo", "--local-dir", str(tmp_path / "p")]) == 0
    assert cli(["data", "push", str(mine), "--repo-id", "me/ooo", "--license", "cc-by-4.0"]) == 0
    assert pushed == ["me/ooo"]


def test_a_second_data_push_replaces_the_earlier_tables_videos_and_ground_truth(tmp_path, monkeypatch):
    """Only the ground truth's name was checked in DATASET_FILES: a push without videos over one with them kept
    the earlier, licensed videos in the repo (and its parquet files beside the new ones). The user's files stay."""
    import functools

    import huggingface_hub

    from bgs_hf.data.hub import push_to_hub
    from bgs_hf.hub.fake_hub import FakeHub

    card = "---\nlicense: mit\n---\n# x\n"
    first, second, mine = tmp_path / "a", tmp_path / "b", tmp_path / "mine"
    for folder, files in ((first, {"README.md": card, "clips/train-a.parquet": "A", "judgments/train-a.parquet": "A",
                                   "videos/walk/x.mp4": "A", "ground_truth.json": "{}"}),
                          (second, {"README.md": card, "clips/train-b.parquet": "B", "judgments/train-b.parquet": "B"}),
                          (mine, {"LICENSE": "the user's"})):
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        url = push_to_hub(first, "me/ds", token="hf_fake")
        push_to_hub(mine, "me/ds", token="hf_fake")
        push_to_hub(second, "me/ds", token="hf_fake")
        files = hub.files["dataset/me/ds"]
    assert sorted(files) == ["LICENSE", "README.md", "clips/train-b.parquet", "judgments/train-b.parquet"]
    # the repo's address on the Hub pushed to (``HF_ENDPOINT``), not huggingface.co's, which it printed whatever
    assert url == f"{hub.endpoint}/datasets/me/ds"


def test_a_default_card_declares_the_files_an_export_writes(exported):
    """``render_card(data)`` without ``files`` declares a glob per config: one naming another folder than the
    export's (``data/clips/*.parquet``) gave a card whose configs load nothing, and no test read the default."""
    from bgs_hf.data.hub import CONFIGS, hub_configs

    _, out = exported
    declared = {c["config_name"]: [f["path"] for f in c["data_files"]] for c in hub_configs()}
    assert sorted(declared) == sorted(CONFIGS)
    for name, (pattern,) in declared.items():
        assert list(out.glob(pattern)) == [_parquet(out, name)], (name, pattern)


def test_validation_labels_survive_an_export(tmp_path):
    """Clips a publisher labelled validation were exported as train (``stimulus_set`` kept train/test only): the
    round trip then drew its own seeded validation clips, and no test had labelled ones."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(12)], "validation": ["c12", "c13", "c14"],
                                          "test": [f"c{i}" for i in range(15, 20)]}, _judgments(20))
    data = load(folder)
    back = load(write_hub(data, tmp_path / "out"))
    assert sorted(back.clip_ids[i] for i in back.splits["val"]) == ["c12", "c13", "c14"]
    for k in data.splits:
        np.testing.assert_array_equal(data.splits[k], back.splits[k])


def test_the_dataset_cards_size_category_counts_the_judgments(tmp_path):
    """The Hub's size category is the number of rows of the judgments: 14 clips and 1,200 judgments are 1K<n<10K."""
    from bgs_hf.data.hub import render_card

    data = load(write_release(tiny_release_tables(n_clips=14, n_participants=40, trials_per_participant=30),
                              tmp_path / "r"))
    assert len(data.judgments) >= 1000 > len(data.clip_ids)
    meta = yaml.safe_load(render_card(data).split("---")[1])
    assert meta["size_categories"] in ("1K<n<10K", ["1K<n<10K"]), meta["size_categories"]


def test_a_problem_on_the_last_row_of_a_shard_names_that_shard() -> None:
    """Mutation audit: ``row < n_rows`` for ``row <= n_rows`` passed the suite (its bad row sits mid-shard): the last
    row of one shard was named as row 0 of the next."""
    from bgs_hf.data.checks import Problems

    problems = Problems(collect=True)
    problems.shards("ds/judgments", [(Path("a.parquet"), 50), (Path("b.parquet"), 30)])
    for row in (1, 50, 51, 80):
        problems.add("bad", path="ds/judgments", row=row)
    assert [(p.path.name, p.row) for p in problems.items] == [("a.parquet", 1), ("a.parquet", 50), ("b.parquet", 1),
                                                              ("b.parquet", 30)]


def test_a_repo_id_without_a_pretty_name_names_the_dataset(exported, tmp_path, monkeypatch):
    """Mutation audit: dropping the repo id as the name of a downloaded dataset passed the suite (its card has a
    pretty_name); without one, ``load("someone/social-ooo")`` was named after the cache's commit folder."""
    import huggingface_hub

    _, out = exported
    snapshot = tmp_path / "snapshots" / "0123abcd"
    snapshot.parent.mkdir()
    import shutil

    shutil.copytree(out, snapshot)
    card = snapshot / "README.md"
    meta = read_front_matter(card)
    meta.pop("pretty_name")
    card.write_text("---\n" + yaml.safe_dump(meta) + "---\n")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kwargs: str(snapshot))
    assert load("someone/social-ooo").name == "someone/social-ooo"
    assert load(snapshot).name == "0123abcd"


def _layout_naming_clips_by_id(exported, tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    """A Hub layout (its folder, its judgments parquet, and those judgments) whose clip_a/clip_b/clip_c and odd hold
    clip ids where row numbers and positions belong, as a layout written by hand from a trials CSV might; the caller
    edits the frame further and writes it to the parquet."""
    data, _ = exported
    out = write_hub(data, tmp_path / "ids")
    path = _parquet(out, "judgments")
    judg = pd.read_parquet(path)
    ids = pd.read_parquet(_parquet(out, "clips"))["clip_id"].tolist()
    named = judg.assign(**{c: [ids[i] for i in judg[c]] for c in ("clip_a", "clip_b", "clip_c")})
    named["odd"] = [ids[r[("clip_a", "clip_b", "clip_c")[r["odd"]]]] for _, r in judg.iterrows()]
    return out, path, named


def test_judgments_naming_clips_by_clip_id_say_the_columns_hold_row_numbers_and_positions(exported, tmp_path):
    """A Hub layout written by hand with clip ids in clip_a/clip_b/clip_c and the odd clip's id in odd (the README
    warns against both) was answered "column 'clip_a': no number in any of N rows (first: 'c3'): is it the column
    you meant?": it is, holding ids where row numbers belong. Each column now says what it holds and what it must;
    a column of text that names no clip keeps its line."""
    out, path, named = _layout_naming_clips_by_id(exported, tmp_path)
    named.to_parquet(path)
    _, problems = validate(out)
    first = {c: named[c].iloc[0] for c in ("clip_a", "clip_b", "clip_c", "odd")}
    assert [str(p) for p in problems[:4]] == [
        *(f"judgments: column {c!r} names clips by clip_id (first: {first[c]!r}): it holds each clip's 0-based row "
          f"number in clips (0..13), not its id" for c in ("clip_a", "clip_b", "clip_c")),
        f"judgments: column 'odd' names the odd clip by clip_id (first: {first['odd']!r}): it holds the odd clip's "
        "position in its triplet (0, 1 or 2), not its id"], [str(p) for p in problems]
    named.assign(clip_a="somewhere").to_parquet(path)
    _, problems = validate(out)
    assert [str(p) for p in problems[:2]] == [
        f"judgments: column 'clip_a': no number in any of {len(named)} rows (first: 'somewhere'): is it the column "
        "you meant?",
        f"judgments: column 'clip_b' names clips by clip_id (first: {first['clip_b']!r}): it holds each clip's "
        "0-based row number in clips (0..13), not its id"]


def test_clip_ids_beside_an_empty_cell_still_say_the_column_holds_row_numbers(exported, tmp_path):
    """One empty clip_a / odd cell among clip ids (a hand-written layout that lost a value) hid the hint: the empty
    cell, filled with 0 to be parsed, was a number, so the column was read as numbers and each id cell refused row
    by row ("'clip_002.mp4' is not an integer", 20 lines and a count). The empty row is reported, and the column is
    said once to hold row numbers, not ids."""
    out, path, named = _layout_naming_clips_by_id(exported, tmp_path)
    named.loc[0, "clip_a"] = None
    named.loc[1, "odd"] = None
    named.to_parquet(path)
    _, problems = validate(out)
    said = [str(p) for p in problems]
    assert said[:2] == ["judgments row 1: column 'clip_a' is empty", "judgments row 2: column 'odd' is empty"], said
    assert f"judgments: column 'clip_a' names clips by clip_id (first: {named['clip_a'].iloc[1]!r}): it holds each " \
           "clip's 0-based row number in clips (0..13), not its id" in said, said
    assert f"judgments: column 'odd' names the odd clip by clip_id (first: {named['odd'].iloc[0]!r})" in "\n".join(said)
    assert not any("is not an integer" in line for line in said), said


def test_one_clip_id_among_row_numbers_is_reported_on_its_row_not_as_a_column_of_ids(exported, tmp_path):
    """Mutation audit of b667c49 (mutant that passed): the clip-id hint given where any cell is no number (``all``
    for ``any``) said a column of row numbers with one id typed in "names clips by clip_id", refusing its good rows
    with it. The one cell is reported on its row; the column is not said to hold ids."""
    data, _ = exported
    out = write_hub(data, tmp_path / "one")
    path = _parquet(out, "judgments")
    judg = pd.read_parquet(path)
    ids = pd.read_parquet(_parquet(out, "clips"))["clip_id"].tolist()
    text = judg["clip_a"].astype(str).tolist()
    text[2] = ids[judg["clip_a"].iloc[2]]
    judg.assign(clip_a=text).to_parquet(path)
    _, problems = validate(out)
    assert [str(p) for p in problems] == [f"judgments row 3: column 'clip_a': {text[2]!r} is not an integer"]


@pytest.mark.parametrize("index", [14, -1])
def test_a_clip_index_just_outside_the_clips_is_reported(exported, tmp_path, index):
    """Mutation audit: ``idx > len(clips)`` for ``>=`` passed the suite (its bad index is 99): index 14 of 14 clips,
    one past the last, is as unknown as 99."""
    data, _ = exported
    out = write_hub(data, tmp_path / "j")
    _edit_cells(out, "judgments", {(4, "clip_b"): index})
    with pytest.raises(BGSInputError, match=rf"^judgments row 5: column 'clip_b': unknown clip index {index} "
                                            r"\(clips are 0\.\.13\)$"):
        load(out)


def test_a_repeated_clip_is_a_catch_trial_whatever_is_catch_says(exported, tmp_path):
    """Mutation audit: a stored ``is_catch`` column replacing the repeated-clip check passed the suite: a judgment
    naming one clip twice, stored with is_catch false, was scored as a valid judgment."""
    data, _ = exported
    out = write_hub(data, tmp_path / "c")
    path = _parquet(out, "judgments")
    df = pd.read_parquet(path)
    row = int(np.flatnonzero(~df["is_catch"].to_numpy())[0])
    df.loc[row, "clip_c"] = df.loc[row, "clip_a"]
    df.to_parquet(path)
    back = load(out)
    assert back.judgments[row]["is_catch"] and back.n_catch == data.n_catch + 1
    assert row not in back.triplets().judgment_row


def test_judgments_without_trial_session_or_rt_get_the_missing_values(tmp_path):
    """Mutation audit: a missing ``trial`` column read as trial 0 (a real trial number) passed the suite; a Hub
    judgments config with only the five required columns gets trial -1, session "" and rt_s missing."""
    data = load(_hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(12)]}, _judgments(12, n=30)))
    j = data.judgments.to_pandas()
    assert (j["trial"] == -1).all() and (j["session"] == "").all() and j["rt_s"].isna().all()


def test_the_size_category_of_exactly_a_thousand_judgments_is_1k_to_10k():
    """Mutation audit: ``n <= bound`` for ``n < bound`` passed the suite (it checks 1,200 only): 1,000 judgments
    are not n<1K."""
    from bgs_hf.data.hub import _size_category

    assert [_size_category(n) for n in (999, 1_000, 9_999, 10_000, 99_999_999)] == [
        "n<1K", "1K<n<10K", "1K<n<10K", "10K<n<100K", "10M<n<100M"]


def test_the_size_category_of_100_million_judgments_or_more_is_the_hubs_own_bucket():
    """A dataset of 100 million judgments or more was filed under the Hub's 10M<n<100M filter: every bucket is now
    one of the Hub's own (datasets ships the list), the next one up at each power of ten, to n>1T."""
    from importlib.resources import files

    from bgs_hf.data.hub import _size_category

    hub = json.loads(files("datasets.utils").joinpath("resources/size_categories.json").read_text())
    sizes = [10**k for k in range(3, 13)]
    got = [_size_category(n) for n in (0, *sizes)]
    assert got == [c for c in hub if c != "unknown"], got
    assert [_size_category(n - 1) for n in sizes] == got[:-1]  # one below a power of ten stays in the bucket below
    assert _size_category(10**15) == "n>1T"


def test_a_licence_link_must_be_https():
    """Mutation audit: accepting any ``http`` prefix passed the suite (its bad link is 'terms.txt'): the card links
    the terms only over https."""
    from bgs_hf.data.hub import declared_license

    assert declared_license("other", "lab-terms", "https://example.org/t") == ("other", "lab-terms",
                                                                              "https://example.org/t")
    with pytest.raises(BGSInputError, match=r"--license-link 'http://example.org/t' must be an https:// address"):
        declared_license("other", "lab-terms", "http://example.org/t")


def test_a_plain_folder_beside_a_blobs_folder_still_refuses_symlinks_into_it(exported, tmp_path):
    """Mutation audit: trusting any ``../../blobs`` folder, not only a Hub cache snapshot's, passed the suite: a
    plain dataset folder two levels under a folder named blobs could point its videos into it."""
    import os

    data, _ = exported
    plain = write_hub(data, tmp_path / "a" / "plain")
    (tmp_path / "blobs").mkdir()
    outside = tmp_path / "blobs" / "v.mp4"
    outside.write_bytes((plain / "videos" / "clip_001.mp4").read_bytes())
    (plain / "videos" / "clip_001.mp4").unlink()
    os.symlink(outside, plain / "videos" / "clip_001.mp4")
    with pytest.raises(BGSInputError, match="clips row 2: video path 'videos/clip_001.mp4' resolves outside"):
        load(plain)


def test_a_clip_id_listed_twice_in_a_hub_folder_is_reported(tmp_path):
    """Mutation audit: dropping the duplicate clip_id check passed the suite: two rows of one clip became two
    clips, and judgments of the one were split between them."""
    ids = [f"c{i}" for i in range(12)]
    ids[7] = "c3"
    folder = _hub_folder(tmp_path / "d", {"train": ids}, _judgments(12, n=30))
    with pytest.raises(BGSInputError, match=r"^clips row 8: clip_id 'c3' appears twice$"):
        load(folder)


def test_a_clip_id_holding_a_backslash_is_named_as_typed_in_its_refusals(tmp_path):
    """``walk\\x.mp4`` was named ``'walk\\\\x.mp4'`` (``repr``'s doubled backslashes, an id no one typed) where export
    refused it as a file name and where a Hub folder listed it twice; each names it as written
    (:func:`bgs_hf._format.quoted`), as the rest of bgs-hf names a clip."""
    from bgs_hf.data.hub import _video_name

    with pytest.raises(BGSInputError) as info:
        _video_name("walk\\x.mp4")
    assert str(info.value) == "clip_id 'walk\\x.mp4' cannot be used as a file name under videos/"
    ids = [f"c{i}" for i in range(12)]
    ids[3] = ids[7] = "walk\\c3.mp4"
    folder = _hub_folder(tmp_path / "d", {"train": ids}, _judgments(12, n=30))
    with pytest.raises(BGSInputError) as info:
        load(folder)
    assert str(info.value) == "clips row 8: clip_id 'walk\\c3.mp4' appears twice"


def test_a_source_under_other_with_its_own_licence_name_keeps_that_name():
    """Mutation audit: reading any ``license: other`` source as the paper's release passed the suite (it re-publishes
    apache-2.0 data): a lab's ``other`` + ``license_name: lab-terms-1.0`` was re-carded as the release's
    no-licence-release, with the release's citation."""
    from bgs_hf.data.hub import RELEASE_LICENSE_NAME, card_info_from_front_matter

    info = card_info_from_front_matter({"license": "other", "license_name": "lab-terms-1.0", "pretty_name": "Lab"})
    assert (info.license, info.license_name, info.citation) == ("other", "lab-terms-1.0", "")
    assert "`lab-terms-1.0`" in info.license_note and info.pretty_name == "Lab"
    release = card_info_from_front_matter({"license": "other", "license_name": RELEASE_LICENSE_NAME})
    assert release.license_name == RELEASE_LICENSE_NAME and release.citation


def test_a_rating_column_with_one_value_states_that_value_as_its_range():
    """Mutation audit: a one-value rating column said to have "no values" passed the suite."""
    from bgs_hf.data.hub import _value_range

    assert _value_range([0.25, None, float("nan")]) == "0.25 to 0.25 in this data"
    assert _value_range([None, float("nan")]) == "no values in this data"
    assert _value_range([7.0, 1.0, 3.5]) == "1 to 7 in this data"


def test_stats_count_the_clips_with_a_video_file(exported):
    """Mutation audit: a video count of 0 passed the suite (the round trip compares two counts that agreed); the card's
    video section and `data stats` read it. The fixture's release ships 2 of its 14 videos."""
    from bgs_hf.data.stats import format_stats

    data, out = exported
    for d in (data, load(out)):
        stats = count_stats(d)
        assert stats["videos"] == 2
        assert "clips              14 (2 with video)" in format_stats(stats)


def test_licence_flags_are_checked_and_a_drive_relative_video_path_escapes_the_folder():
    """Mutation audit (second pass): an upper-case ``--license-name`` (the Hub wants lower case), a ``--license-link``
    beside ``--license mit``, the paper's citation kept on a dataset the publisher licenses as theirs, and a Windows
    drive-relative path (``C:x.mp4``, no slash after the drive) read as a relative video path all passed the suite."""
    from bgs_hf.data.hub import DatasetCardInfo, declared_license, escapes_folder, with_declared_license

    with pytest.raises(BGSInputError, match=r"--license-name 'Lab-Terms' is not a licence id the Hub takes"):
        declared_license("other", "Lab-Terms")
    with pytest.raises(BGSInputError, match=r"--license-link goes with --license other only \(--license mit is named"):
        declared_license("mit", None, "https://example.org/t")
    mit = with_declared_license(DatasetCardInfo(), "mit")
    assert (mit.license, mit.license_name, mit.license_link, mit.citation) == ("mit", None, None, "")
    assert with_declared_license(DatasetCardInfo(citation="@misc{lab}"), "mit").citation == "@misc{lab}"
    assert [escapes_folder(v) for v in ("C:x.mp4", "d:sub/x.mp4", "sub/C_x.mp4", "videos/c:x.mp4")] == [
        True, True, False, False]


def test_hub_split_names_in_any_case_a_bom_card_and_null_sessions_are_read(tmp_path):
    """Mutation audit (second pass): Hub split files named `Train`/`Test` not taken as the split (the test clips drawn
    at random instead), a README saved with a byte-order mark not read as a Hub folder, and a null `session` stored
    as the text 'None' all passed the suite. By hand: c16-c19 are the `Test` file's clips; sessions None, 's1' ->
    '', 's1'."""
    folder = _hub_folder(tmp_path / "d", {"Train": [f"c{i}" for i in range(16)],
                                          "Test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40))
    readme = folder / "README.md"
    readme.write_bytes(b"\xef\xbb\xbf" + readme.read_bytes())
    judgments = pd.read_parquet(folder / "judgments" / "j.parquet")
    judgments["session"] = [None if i % 2 == 0 else "s1" for i in range(len(judgments))]
    judgments.to_parquet(folder / "judgments" / "j.parquet")
    data = load(folder)
    assert [data.clip_ids[i] for i in data.splits["test"]] == ["c16", "c17", "c18", "c19"]
    assert list(data.judgments["session"][:4]) == ["", "s1", "", "s1"]


def test_clip_ids_differing_only_in_case_are_exported_with_a_warning(tmp_path, release, caplog):
    """Mutation audit (third pass): dropping the warning for clip ids that differ only in letter case passed the
    suite. 'Walk.mp4' and 'walk.mp4' are two files here (both exported, each with its own bytes) but one on macOS or
    Windows: the export says so, counting 1 such id."""
    import dataclasses

    data = load(release)
    clips = data.clips.to_pandas()
    for i, (cid, payload) in enumerate((("Walk.mp4", b"AAAA"), ("walk.mp4", b"BBBB"))):
        (tmp_path / f"{i}.mp4").write_bytes(payload)
        clips.loc[i, ["clip_id", "video"]] = [cid, str(tmp_path / f"{i}.mp4")]
    clips.loc[2:, "video"] = None
    two = dataclasses.replace(data, clips=datasets.Dataset.from_pandas(clips, features=data.clips.features))
    with caplog.at_level("WARNING", logger="bgs_hf.data.hub"):
        out = write_hub(two, tmp_path / "out", card=False)
    assert "1 clip id differs from another only in letter case" in caplog.text
    assert (out / "videos" / "Walk.mp4").read_bytes() == b"AAAA" and (out / "videos" / "walk.mp4").read_bytes() == b"BBBB"


@pytest.mark.parametrize("clip_id", ["walk\\x.mp4", "../x.mp4", "walk/..", "walk/x\x00.mp4"])
def test_a_clip_id_that_is_no_file_name_under_videos_is_refused_before_writing(tmp_path, release, clip_id):
    """Mutation audit (third pass): exporting a clip id with a backslash passed the suite: on Linux it became one file
    named 'walk\\x.mp4', on Windows a sub-folder, so one dataset held two layouts. Such an id, one climbing out of
    videos/ or one naming no file, is refused in one line and nothing is written."""
    import dataclasses

    data = load(release)
    clips = data.clips.to_pandas()
    (tmp_path / "a.mp4").write_bytes(b"AAAA")
    clips.loc[0, ["clip_id", "video"]] = [clip_id, str(tmp_path / "a.mp4")]
    clips.loc[1:, "video"] = None
    bad = dataclasses.replace(data, clips=datasets.Dataset.from_pandas(clips, features=data.clips.features))
    with pytest.raises(BGSInputError) as info:
        write_hub(bad, tmp_path / "out")
    assert str(info.value) == f"clip_id {quoted(clip_id)} cannot be used as a file name under videos/"
    assert not (tmp_path / "out").exists()


def test_a_re_exported_release_card_keeps_its_pretty_name_and_the_release_terms():
    """Mutation audit (third pass): a Hub copy of the release (licence `other`, `no-licence-release`) re-carded without
    its `pretty_name` passed the suite: the card then took the folder's name. Its front matter gives the release's
    card fields under its own name; a card naming no licence at all is read the same way."""
    from bgs_hf.data.hub import RELEASE_LICENSE_NAME, DatasetCardInfo, card_info_from_front_matter

    for meta in ({"license": "other", "license_name": RELEASE_LICENSE_NAME, "pretty_name": "Garcia-Isik copy"},
                 {"pretty_name": "Garcia-Isik copy"}):
        assert card_info_from_front_matter(meta) == DatasetCardInfo(pretty_name="Garcia-Isik copy")


def test_a_hub_folder_with_a_ground_truth_json_holds_simulated_observers(exported, tmp_path):
    """Mutation audit (third pass): marking simulated observers by another of the ground-truth files passed the suite,
    whose SocialShapes instances ship them all. `ground_truth.json` (what `data stats` reads) is the mark: a copy of a
    human dataset with that file alone is simulated and names it; the plain copy is not."""
    import shutil

    _, out = exported
    shutil.copytree(out, tmp_path / "sim")
    (tmp_path / "sim" / "ground_truth.json").write_text("{}", encoding="utf-8")
    sim = load(tmp_path / "sim")
    assert sim.simulated_observers and sim.meta["ground_truth"] == str((tmp_path / "sim" / "ground_truth.json").resolve())
    assert not load(out).simulated_observers


def test_a_source_card_listing_several_licences_is_re_exported_with_that_list(exported, tmp_path):
    """A dataset card may list several licence ids (the Hub's dataset spec; the fake Hub takes it too): re-exporting
    such a Hub folder wrote the list's Python repr, ``license: '[''mit'', ''cc-by-4.0'']'``, which the Hub refuses
    and no reader takes for a licence."""
    import shutil

    from test_hub import hub_metadata_problems

    _, out = exported
    shutil.copytree(out, tmp_path / "src")
    readme = tmp_path / "src" / "README.md"
    meta, text = _card(tmp_path / "src")
    body = text.split("\n---\n", 1)[1]
    meta = {k: v for k, v in meta.items() if k not in ("license_name", "license_link")}
    readme.write_text("---\n" + yaml.safe_dump({**meta, "license": ["mit", "cc-by-4.0"], "pretty_name": "Two"},
                                               sort_keys=False) + "---\n" + body, encoding="utf-8")
    assert cli(["data", "export", str(tmp_path / "src"), str(tmp_path / "again")]) == 0
    again, text = _card(tmp_path / "again")
    assert again["license"] == ["mit", "cc-by-4.0"] and "license_name" not in again
    assert "`mit`, `cc-by-4.0`" in text and "['mit'" not in text
    assert hub_metadata_problems((tmp_path / "again" / "README.md").read_text(), "dataset", tmp_path / "again") == []


def test_a_socialshapes_dataset_downloaded_from_the_hub_keeps_its_ground_truth_when_re_exported(tmp_path, monkeypatch):
    """A downloaded repo's files are symlinks into the cache's ``blobs/``: the ground truth was recorded by the path
    its link resolves to (``blobs/<hash>``), so an export looked for ``ground_truth.json`` and its siblings in
    ``blobs/``, found none, and the re-published SocialShapes instance loaded as people's judgments."""
    import huggingface_hub

    from bgs_hf.data.hub import GROUND_TRUTH_FILES
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, fmt="hub", config=SynthConfig(size=32, workers=1))
    _as_hub_cache_snapshot(ss, tmp_path / "hub")
    real = huggingface_hub.snapshot_download
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kw: real(
        repo_id, **kw, cache_dir=str(tmp_path / "hub"), local_files_only=True))
    data = load("someone/social-ooo")
    assert data.simulated_observers
    assert cli(["data", "export", "someone/social-ooo", str(tmp_path / "again")]) == 0
    again = tmp_path / "again"
    assert sorted(n for n in GROUND_TRUTH_FILES if (again / n).is_file()) == sorted(GROUND_TRUTH_FILES)
    assert load(again).simulated_observers and "simulated observers" in (again / "README.md").read_text()


def test_data_stats_prints_a_ceiling_on_too_few_pairs_as_n_a_with_the_reason(tmp_path, monkeypatch):
    """`data stats` printed a pilot's ceiling as a bare R² (only a log warning said it rested on too few pairs),
    where evaluation reports and the dataset card say n/a; the JSON keeps the value and the reason."""
    from bgs_hf.data.stats import data_stats, format_stats

    data = load(write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                              tmp_path / "rel"))
    assert "noise ceiling      test split-half R² 0." in format_stats(data_stats(data, n_splits=20))
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 10**6)
    stats = data_stats(data, n_splits=20)
    assert stats["noise_ceiling"]["test"]["r2_split_half"] is not None
    line = next(ln for ln in format_stats(stats).splitlines() if ln.startswith("noise ceiling"))
    assert line.startswith("noise ceiling      test split-half R² n/a: it rests on ") and "pairs seen" in line



def test_data_stats_gives_the_leave_one_participant_out_bounds_and_the_accuracy_a_model_is_read_against(
        tmp_path, capsys):
    """`data stats` printed only the split-half ceiling: the leave-one-participant-out bounds (`loo_ceiling`) and
    how often the others' p_ij predict a held-out choice, the reference for a model's 3-way / 2-way accuracy, were
    nowhere on the command line. Both are now a line and a JSON entry; a test split of one participant has none."""
    from bgs_hf.data.stats import format_stats
    from bgs_hf.metrics import loo_ceiling

    root = write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                         tmp_path / "rel")
    data = load(root)
    want = loo_ceiling(data.triplets("test"), data.n_clips)
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "5", "--json", str(tmp_path / "s.json")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("leave-one-out"))
    assert line == (f"leave-one-out      test, {want.n_participants} participants: R² {want.r2_lower:.3f} vs the "
                    f"others (upper bound {want.r2_upper:.3f}); they predict {want.ooo_acc_3way:.1%} 3-way, "
                    f"{want.ooo_acc_2way:.1%} 2-way of {want.n_judgments} held-out choices"), line
    saved = json.loads((tmp_path / "s.json").read_text())["noise_ceiling"]["test"]["leave_one_participant_out"]
    assert saved == pytest.approx(want.to_dict()) and want.n_judgments > 0

    one = tiny_release_tables(n_clips=12, n_test=8, n_participants=1, trials_per_participant=40)
    stats = data_stats(load(write_release(one, tmp_path / "one")), n_splits=5)
    assert stats["noise_ceiling"]["test"]["leave_one_participant_out"] is None
    assert "leave-one-out" not in format_stats(stats)


def test_data_stats_says_n_a_for_leave_one_out_when_no_participant_shares_a_pair_with_another(tmp_path) -> None:
    """Test judgments from two participants who judged no pair of clips in common have no leave-one-out bounds: the
    line read "R² n/a vs the others (upper bound 1.000)", an upper bound of each participant against their own
    answers alone. It is n/a with the reason; the JSON keeps `loo_ceiling`'s own numbers."""
    from bgs_hf.data.stats import format_stats
    from bgs_hf.metrics import loo_ceiling

    root = write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                         tmp_path / "rel")
    stats = data_stats(load(root), n_splits=5)
    apart = loo_ceiling(np.array([[0, 1, 2], [3, 4, 5]]), 6, odd=np.array([0, 1]), participant=np.array([0, 1]))
    assert apart.n_entries == 0 and apart.r2_upper == 1.0
    stats["noise_ceiling"]["test"]["leave_one_participant_out"] = apart.to_dict()
    line = next(ln for ln in format_stats(stats).splitlines() if ln.startswith("leave-one-out"))
    assert line == ("leave-one-out      test, 2 participants: n/a: no pair of clips a participant judged was judged "
                    "by another"), line
    # the dataset card says it too, in its judges' words (a simulated set's observers), not 1.000
    from bgs_hf.data.hub import data_quality_rows

    rows = dict(data_quality_rows(stats, simulated=True))
    assert rows["leave-one-out: each of the simulated observers against the others' `p_ij`"] == (
        "test, 2 simulated observers: n/a: no pair of clips a simulated observer judged was judged by another")


def test_the_dataset_cards_data_quality_has_the_leave_one_out_line_data_stats_prints(tmp_path, capsys):
    """The card's "Data quality" table says it shows what `bgs-hf data stats` prints, yet lacked the leave-one-out
    line `data stats` gained: the row now says it in the same words; a test split of one participant has none."""
    from bgs_hf.data.hub import render_card

    root = write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                         tmp_path / "rel")
    assert cli(["data", "stats", str(root), "--no-png"]) == 0  # its defaults, as the card's
    printed = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("leave-one-out"))
    rows = _card_section(render_card(load(root)), "Data quality")
    assert rows["leave-one-out: each of the participants against the others' `p_ij`"] == printed.split(None, 1)[1]
    one = load(write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=1, trials_per_participant=40),
                             tmp_path / "one"))
    assert "leave-one-out" not in render_card(one)


def test_data_stats_over_one_split_half_counts_it_as_one_split(tmp_path, monkeypatch, capsys):
    """`data stats --n-splits 1` printed "over 1 splits", and a ceiling on too few pairs "1 of 1 splits giving a
    correlation": each count is printed with its noun in its number (``bgs_hf._format.count``), as the table's
    other counts are; 100 stays "100 splits", as the README prints it."""
    from bgs_hf.data.stats import data_stats, format_stats

    root = write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                         tmp_path / "rel")
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "1"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("noise ceiling"))
    assert line.endswith(" over 1 split)"), line
    data = load(root)
    assert format_stats(data_stats(data, n_splits=100)).count(" over 100 splits)") == 1
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 10**6)
    line = next(ln for ln in format_stats(data_stats(data, n_splits=1)).splitlines() if ln.startswith("noise ceiling"))
    assert line.endswith(", 1 of 1 split giving a correlation"), line


def test_data_stats_of_a_test_split_without_judgments_says_why_its_ceiling_is_n_a(tmp_path, capsys):
    """`synth --clips 40 --seed 0` writes 8 test clips that no judgment lies in: `data stats` printed a bare
    `n/a (95% range n/a to n/a over 100 splits)` (the reason only in a log line) and the ceiling itself said only
    that it needs a judgment of three distinct clips. Both now say why, and what to change."""
    from bgs_hf.data.stats import format_stats
    from bgs_hf.metrics import split_half_ceiling

    t = tiny_release_tables(n_clips=12, n_test=4)  # clips 0-3 are the test split
    stims = t.triplets[["stim1_name", "stim2_name", "stim3_name"]].to_numpy()
    t.triplets = t.triplets[~(stims < 4).all(axis=1)]  # no trial shows three test clips
    root = write_release(t, tmp_path / "rel")
    data = load(root)
    assert len(data.split_items("test")) == 4 and len(data.triplets("test")) == 0
    with pytest.raises(BGSInputError, match="got none: a split holds only the judgments whose three clips all lie"):
        split_half_ceiling(data.triplets("test"), data.n_clips)
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "2", "--json", str(tmp_path / "s.json")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("noise ceiling"))
    assert line == ("noise ceiling      test split-half R² n/a: the test split has no judgment with all three clips in "
                    "it: use more clips, or a larger test fraction")
    saved = json.loads((tmp_path / "s.json").read_text())["noise_ceiling"]["test"]
    assert saved["r2_split_half"] is None and saved["no_ceiling"].startswith("the test split has no judgment")
    alone = load(write_release(tiny_release_tables(n_clips=12, n_test=6, n_participants=1, trials_per_participant=60),
                               tmp_path / "alone"))
    assert len(alone.triplets("test")) > 0
    assert ("noise ceiling      test split-half R² n/a: the test split has judgments from fewer than 2 participants"
            in format_stats(data_stats(alone, n_splits=2)).splitlines())


def test_data_stats_says_why_a_ceiling_is_missing_once_and_export_still_warns(tmp_path, capsys, caplog):
    """`data stats` of one participant's judgments printed the reason for the missing ceiling twice: a `WARNING
    bgs_hf.data.stats` line on stderr, then the table's `n/a:` row. The table says it alone; `data export`, whose card
    only reads n/a, still warns once."""
    root = write_release(tiny_release_tables(n_clips=12, n_test=6, n_participants=1, trials_per_participant=60),
                         tmp_path / "alone")
    why = "the test split has judgments from fewer than 2 participants"
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "2"]) == 0
    out = capsys.readouterr().out
    assert f"noise ceiling      test split-half R² n/a: {why}" in out.splitlines()
    assert out.count(why) == 1 and not [r for r in caplog.records if why in r.getMessage()], caplog.text
    assert cli(["data", "export", str(root), str(tmp_path / "hub")]) == 0
    assert [r.getMessage() for r in caplog.records if why in r.getMessage()] == [f"no split-half ceiling: {why}"]


def test_the_data_stats_table_is_public_api_of_bgs_hf_data(tmp_path, capsys):
    """`data stats`' table had no documented Python route: `data_stats` / `format_stats` lived in
    `bgs_hf.data.stats`, absent from `bgs_hf.data`'s `__all__` and `dir()`. The exported pair prints the CLI's table."""
    import bgs_hf.data

    assert {"data_stats", "format_stats"} <= set(bgs_hf.data.__all__) & set(dir(bgs_hf.data))
    namespace: dict = {}
    exec("from bgs_hf.data import *", namespace)  # noqa: S102 - the import statement under test
    root = write_release(tiny_release_tables(), tmp_path / "rel")
    table = namespace["format_stats"](namespace["data_stats"](load(root), n_splits=2))
    assert cli(["data", "stats", str(root), "--no-png", "--n-splits", "2"]) == 0
    assert table.startswith("dataset            rel\n") and table in capsys.readouterr().out


def test_a_card_of_human_data_does_not_say_its_captions_were_generated_for_socialshapes(tmp_path):
    """A lab's own (or the release's) card said its captions were "human-written in the Garcia & Isik release;
    generated for SocialShapes", whatever the data was."""
    from bgs_hf.data.hub import render_card

    data = load(write_release(tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40),
                              tmp_path / "rel"))
    row = next(ln for ln in render_card(data).splitlines() if ln.startswith("| `captions` |"))
    assert "as the source gives them" in row and "SocialShapes" not in row


def _calls_of_module(module, fn, *args, **kwargs):
    """(fn's result, how many Python functions defined in ``module`` it called): a reader's test shows its own code
    does not grow by a call per row, without timing it."""
    import sys

    calls, own = 0, module.__file__

    def profile(frame, event, arg):
        nonlocal calls
        calls += event == "call" and frame.f_code.co_filename == own

    sys.setprofile(profile)
    try:
        return fn(*args, **kwargs), calls
    finally:
        sys.setprofile(None)


def test_reading_judgments_makes_no_python_call_per_row_and_finds_every_blank_cell(exported, tmp_path):
    """Scale review: a Python lambda per cell looked for blank ones (0.85 s of a 1M-row config's 3.1 s read). Ten
    times the rows now cost the reader's module fewer extra Python calls than rows (counted, not timed), and a blank is
    still what ``str.strip`` empties: an ideographic space, a no-break space, '\\x1c', not a zero-width space or NUL."""
    import shutil

    from bgs_hf.data import hub
    from bgs_hf.data.checks import Problems

    _, out = exported
    judg = pd.read_parquet(_parquet(out, "judgments"))
    cells = {1: "", 3: " \t", 4: "\u3000\xa0\x1c", 6: "\u200b", 7: "\x00", 8: " a "}
    calls, lines = {}, {}
    hub.read_hub(out)  # the first read imports what it needs
    for n in (1, 10):
        folder = tmp_path / f"x{n}"
        shutil.copytree(out, folder)
        big = pd.concat([judg] * n, ignore_index=True)
        big.loc[list(cells), "participant"] = list(cells.values())
        big.to_parquet(_parquet(folder, "judgments"))
        problems = Problems(collect=True)
        _, calls[n] = _calls_of_module(hub, hub.read_hub, folder, problems=problems)
        lines[n] = [str(e) for e in problems.items]
    assert lines[1] == lines[10] == [f"judgments row {r}: column 'participant' is empty" for r in (2, 4, 5)]
    assert calls[10] - calls[1] < 9 * len(judg), (calls, len(judg))


def test_arrows_whitespace_is_pythons_over_all_of_unicode() -> None:
    """The Hub reader finds blank cells with arrow's ``utf8_is_space`` (no Python call per cell): a blank must stay
    what ``str.strip`` empties, for every character (numpy's ``strip`` also strips NUL, so it would not do)."""
    import sys

    import pyarrow as pa
    import pyarrow.compute as pc

    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]  # surrogates are no UTF-8
    arrow = pc.utf8_is_space(pa.array(chars, type=pa.string())).to_numpy(zero_copy_only=False)
    python = np.array([c.isspace() for c in chars])
    assert python.sum() == 29 and [c for c, a, p in zip(chars, arrow, python) if a != p] == []


def test_data_of_unknown_origin_gets_a_card_that_claims_no_study_licence_or_citation(release, tmp_path):
    """An `OddOneOutData` built by hand (no `meta` source) got the Garcia & Isik release's card: its origin, "no
    licence" terms, Moments in Time videos and citation. Only data read from the release layout may say so."""
    from dataclasses import replace

    data = load(release)
    texts = {}
    for name, meta in (("hand", {}), ("other-source", {"source": "my-lab-db"}), ("release", data.meta)):
        texts[name] = (write_hub(replace(data, meta=meta), tmp_path / name) / "README.md").read_text()
    release_phrases = ("public release of Garcia & Isik", "no licence", "no-licence-release", "Moments in Time",
                       "garcia2025bgs", "## Citation")
    for name in ("hand", "other-source"):
        text = texts[name]
        assert not [p for p in release_phrases if p in text], name
        for phrase in ("license: other", "license_name: unspecified", "Licence not declared.",
                       "Human odd-one-out judgments over short videos: in each trial a participant saw three clips "
                       "and picked the one that did not fit."):
            assert phrase in text, (name, phrase)
    assert all(p in texts["release"] for p in release_phrases)  # the release keeps its own card


def test_a_folder_in_the_release_layout_that_is_not_the_release_gets_neither_its_card_nor_its_origin(tmp_path):
    """A lab's own data in the Garcia & Isik CSV layout (a tiny release-layout folder; a SocialShapes instance written
    in that layout, its ground truth removed) got the release's card ("no licence", Moments in Time, its citation)
    and a run on it the recorded origin `garcia-isik-release`: nothing in the layout tells them apart. Only the
    release's own files (their sha256) do; any other folder gets a card claiming no study, licence or citation, which
    says it is in the release's layout but not the release, and the origin `other`."""
    from types import SimpleNamespace

    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes
    from bgs_hf.training.api import TrainConfig, _run_config_record
    from bgs_hf.training.args import DataArguments

    mine = write_release(tiny_release_tables(n_clips=10), tmp_path / "mine")  # other files than this module's stand-in
    ss = generate_socialshapes(tmp_path / "ss", n_clips=12, seed=4, config=SynthConfig(size=32, workers=1))
    (ss / "ground_truth.json").unlink()  # what made it SocialShapes, not people's judgments
    release_phrases = ("public release of Garcia & Isik", "no licence", "no-licence-release", "Moments in Time",
                       "garcia2025bgs", "## Citation", "garciakathy")
    for folder in (mine, ss):
        data = load(folder)
        assert data.meta["source"] == "release" and not data.simulated_observers, folder.name
        assert cli(["data", "export", str(folder), str(tmp_path / f"{folder.name}_hub")]) == 0
        meta, text = _card(tmp_path / f"{folder.name}_hub")
        assert [p for p in release_phrases if p in text] == [], folder.name
        assert (meta["license"], meta["license_name"]) == ("other", "unspecified") and "license_link" not in meta
        assert ("Licence not declared. This data is in the CSV layout of the Garcia & Isik release but does not "
                "hold that release's files; if it derives from them, ask its authors for their terms before "
                "redistributing it.") in text
        record = _run_config_record(TrainConfig(data=DataArguments(data=str(folder))),
                                    SimpleNamespace(name=folder.name, meta=data.meta, clips={"clip_id": ["a", "b"]},
                                                    splits={"train": np.array([0, 1])}))
        assert record["data"]["origin"] == "other", folder.name


def test_only_other_unspecified_without_a_link_is_an_undeclared_licence_and_the_cards_name_is_kept():
    """Mutation audit of ``card_info_from_front_matter``'s undeclared-licence branch: its one test (an import's
    round trip) never gave a link, a licence id other than `other` beside `unspecified`, or a ``pretty_name``, so
    dropping either check or the name passed. `other` + `unspecified` with no link is the neutral card under the
    card's own name; a link, or a Hub licence id (`cc-by-4.0`), declares something: kept, said as declared."""
    from dataclasses import replace

    from bgs_hf.data.hub import card_info_from_front_matter, neutral_card_info

    got = card_info_from_front_matter({"license": "other", "license_name": "unspecified", "pretty_name": "Lab clips"})
    assert got == replace(neutral_card_info(), pretty_name="Lab clips")
    link = "https://lab.example/terms"
    for meta, licence in (({"license": "other", "license_name": "unspecified", "license_link": link}, "other"),
                          ({"license": "cc-by-4.0", "license_name": "unspecified"}, "cc-by-4.0")):
        got = card_info_from_front_matter(meta)
        assert (got.license, got.license_link) == (licence, meta.get("license_link")), meta
        assert got.license_note == "Licence as declared by the source dataset: `unspecified`.", meta


def test_a_readme_declaring_neither_config_is_no_dataset_and_a_list_header_is_no_header(tmp_path):
    """Mutation audit of bgs_hf/data/hub.py: ``missing_configs`` naming only the first config it lacks, and a YAML
    header that is a list read as a mapping, passed the suite: a folder whose README.md declares no config was said
    to lack the 'clips' config alone, and a header of ``- clips`` failed with ``AttributeError: 'list' object has no
    attribute 'get'``."""
    from bgs_hf.data.hub import missing_configs

    for text in ("# My project\n", "---\npretty_name: lab\n---\n", "---\n- clips\n- judgments\n---\n"):
        (tmp_path / "README.md").write_text(text)
        assert read_front_matter(tmp_path / "README.md") == ({"pretty_name": "lab"} if "lab" in text else {})
        assert missing_configs(tmp_path) == ["clips", "judgments"], text
        with pytest.raises(BGSInputError, match="not an odd-one-out dataset: no data/"):
            load(tmp_path)


def test_a_repo_id_has_at_most_one_slash(tmp_path, monkeypatch, capsys):
    """Mutation audit of bgs_hf/data/hub.py: letting ``owner/name/more`` pass as a repo id passed the suite; a
    missing folder typed as ``runs/data/ds`` was then looked up on the Hub (`not in the Hub cache`), not said to be
    no such folder. The line names the path as given and where it resolved to (it named its last part alone,
    `ds: no such folder`, so the README's `../shared/data/garcia-isik-release` run from another folder did not say
    where it was looked for); a path given as it resolves is named once."""
    from bgs_hf.data.hub import looks_like_repo_id

    assert [looks_like_repo_id(s) for s in ("ds", "user/ds", "user/my.ds-2", "runs/data/ds", "user/", ".ds")] == [
        True, True, True, False, False, False]
    monkeypatch.chdir(tmp_path)
    here = tmp_path.resolve()
    with pytest.raises(BGSInputError) as err:
        load("runs/data/ds")
    assert str(err.value) == f"runs/data/ds: no such folder (resolved to {here / 'runs/data/ds'})"
    with pytest.raises(BGSInputError) as err:
        load(here / "ds")
    assert str(err.value) == f"{here / 'ds'}: no such folder"
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path / "runs")
    assert cli(["data", "stats", "../shared/data/garcia-isik-release", "--no-png"]) == 2
    assert capsys.readouterr().err == ("error: ../shared/data/garcia-isik-release: no such folder (resolved to "
                                       f"{here / 'shared/data/garcia-isik-release'})\n")


def test_a_missing_folder_typed_with_a_trailing_slash_or_a_dot_is_named_once(tmp_path):
    """A shell's tab completion ends a folder in ``/`` (``~/data/ds/``): a missing one given as it resolves, but for
    that slash or a ``/./``, is named once, not followed by "(resolved to <the same path>)" (mutation audit of
    b7871fc: comparing the path unnormalised passed every test)."""
    here = tmp_path.resolve()
    for typed in (f"{here}/ds/", f"{here}/./ds", f"{here}//ds"):
        with pytest.raises(BGSInputError) as err:
            load(typed)
        assert str(err.value) == f"{typed}: no such folder"


def test_a_card_under_other_without_a_name_gets_one_and_a_one_licence_list_is_that_licence(exported):
    """Mutation audit of bgs_hf/data/hub.py: a card written for ``license: other`` with no ``license_name`` (a
    DatasetCardInfo built in Python, or a source card listing ``[mit, other]``) and a source card's one-entry list
    ``license: [mit]`` kept as a list both passed the suite. The Hub asks a name of ``other``: the card says
    ``publisher-terms``; ``[mit]`` is the licence ``mit``."""
    from bgs_hf.data.hub import DECLARED_OTHER_NAME, card_info_from_front_matter, render_card

    data, _ = exported
    for licence in ("other", ["mit", "other"]):
        card = render_card(data, DatasetCardInfo(license=licence, license_name=None))
        meta = yaml.safe_load(card.split("---")[1])
        assert (meta["license"], meta["license_name"]) == (licence, DECLARED_OTHER_NAME)
    info = card_info_from_front_matter({"license": ["mit"], "pretty_name": "Lab"})
    assert (info.license, info.license_note) == ("mit", "Licence as declared by the source dataset: `mit`.")


def test_a_hand_written_hub_folder_with_blank_videos_a_composed_name_and_integer_participants_loads(tmp_path, caplog):
    """Mutation audit of bgs_hf/data/hub.py: an empty ``video`` cell looked up as a file, and the composed (NFC) name
    of a video saved decomposed (NFD, as macOS does) not found, both passed the suite: the blank cell was warned about
    as a missing video, and the clip lost its video. The folder is written column by column, as the README's layout
    tells a lab to (integer participants read as their text)."""
    import unicodedata

    folder = tmp_path / "lab"
    (folder / "videos").mkdir(parents=True)
    (folder / "videos" / unicodedata.normalize("NFD", "scène.mp4")).write_bytes(b"not decoded here")
    composed = "videos/" + unicodedata.normalize("NFC", "scène.mp4")
    videos = ["", composed, *[None] * 10]
    pd.DataFrame({"clip_id": [f"c{i}" for i in range(12)], "video": videos}).to_parquet(folder / "clips.parquet")
    judgments = _judgments(12, n=30)
    pd.DataFrame({"clip_a": judgments[:, 0], "clip_b": judgments[:, 1], "clip_c": judgments[:, 2], "odd": 0,
                  "participant": np.arange(30) % 3}).to_parquet(folder / "judgments.parquet")
    cfg = {"configs": [{"config_name": c, "data_files": f"{c}.parquet"} for c in ("clips", "judgments")]}
    (folder / "README.md").write_text("---\n" + yaml.safe_dump(cfg) + "---\n")
    with caplog.at_level("WARNING"):
        data = load(folder)
    assert "missing" not in caplog.text, caplog.text
    stored = str((folder / "videos" / unicodedata.normalize("NFD", "scène.mp4")).resolve())
    assert data.clips["video"][:3] == [None, stored, None] and data.meta["videos_missing"] == []
    assert sorted(set(data.judgments["participant"])) == ["0", "1", "2"]


def test_empty_caption_cells_of_a_csv_clips_config_are_clips_without_captions(tmp_path):
    """Mutation audit of bgs_hf/data/hub.py: an empty caption cell (NaN once read) taken for a value passed the suite:
    each clip without a caption of a CSV clips config was reported as ``nan is not a list of strings``."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(12)]}, _judgments(12, n=30), fmt="csv")
    clips = pd.read_csv(folder / "clips" / "train.csv", dtype=str)
    clips["captions"] = ["a walk", "", *["two people"] * 10]
    clips.to_csv(folder / "clips" / "train.csv", index=False)
    assert load(folder).clips["captions"][:3] == [["a walk"], [], ["two people"]]


def test_a_hub_copy_of_the_release_records_no_licence_and_other_without_a_name_is_the_publishers_terms(exported):
    """Mutation audit of bgs_hf/data/hub.py: a run on a Hub copy of the release recording its
    ``other (no-licence-release, <release URL>)`` as the data's licence, and ``--license other`` without
    ``--license-name`` naming its terms None (the card's note said `None`), both passed the suite. The release
    carries no licence, so nothing is recorded; ``other`` alone is ``publisher-terms``."""
    from bgs_hf.data.hub import DECLARED_OTHER_NAME, declared_license, recorded_license, with_declared_license

    _, out = exported
    assert recorded_license({"source": "hub", "folder": str(out)}) is None
    assert declared_license("other") == ("other", DECLARED_OTHER_NAME, None)
    assert with_declared_license(DatasetCardInfo(), "other").license_note == (
        "Licensed by the publisher of this dataset under their own terms (`publisher-terms`).")


def test_numeric_clip_ids_padded_with_spaces_out_of_row_order_are_said_loudly(tmp_path, caplog):
    """Mutation audit of bgs_hf/data/hub.py: comparing the ids unstripped passed the suite: a CSV clips config
    written with padded numbers (``' 2'``, ``' 0'``, ...) in another order than its rows loaded without the warning
    that judgments are read as row positions."""
    ids = [f" {i}" for i in np.random.default_rng(1).permutation(12)]
    folder = _hub_folder(tmp_path / "d", {"train": ids}, _judgments(12), fmt="csv")
    with caplog.at_level("WARNING"):
        assert list(load(folder).clip_ids) == ids
    assert f"row 1 has clip_id {ids[0].strip()}): clip_a/clip_b/clip_c are read as ROW positions" in caplog.text


def test_validate_reports_an_empty_cell_once_and_leaves_its_row_out(exported, tmp_path):
    """Mutation audit of bgs_hf/data/hub.py: a row dropped only when every checked cell is empty, and an empty `odd`
    parsed as a number, both passed the suite: `validate` listed an empty `odd` twice (as empty, then as `nan is not
    an integer`) and kept a row of an empty participant in the data as participant 'None'."""
    data, _ = exported
    out = write_hub(data, tmp_path / "j")
    _edit_cells(out, "judgments", {(1, "odd"): None, (3, "participant"): None})
    checked, problems = validate(out)
    assert [str(p) for p in problems] == ["judgments row 2: column 'odd' is empty",
                                          "judgments row 4: column 'participant' is empty"]
    assert len(checked.judgments) == len(data.judgments) - 2 and "None" not in set(checked.judgments["participant"])


def test_a_video_path_holding_a_nul_character_is_refused_at_its_row(tmp_path, capsys):
    """A clips config whose `video` cell held a NUL character (a corrupted or hand-edited table) stopped `load`,
    `data stats` and `data validate` with a traceback, ``ValueError: embedded null byte``: the path was resolved
    before it was checked. It is refused at its row in one line; `validate` lists it beside the rest."""
    videos = ["videos/a\x00.mp4", *[None] * 11]
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(12)]}, _judgments(12))
    pd.DataFrame({"clip_id": [f"c{i}" for i in range(12)], "video": videos,
                  "stimulus_set": ["test"] * 6 + ["train"] * 6}).to_parquet(
        folder / "clips" / "train.parquet")
    line = "clips row 1: video path 'videos/a\\x00.mp4' holds a NUL character, which no file name can"
    with pytest.raises(BGSInputError) as info:
        load(folder)
    assert str(info.value) == line
    _, problems = validate(folder)
    assert [str(p) for p in problems] == [line]
    assert cli(["data", "validate", str(folder)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"problem: {line}"


def test_a_dataset_repo_or_revision_the_hub_lacks_is_named_not_a_bare_404(monkeypatch, tmp_path):
    """``load("me/typo")`` (a local folder mistyped reads as a Hub id too) online, against the fake Hub through the
    real ``snapshot_download``: the Hub's 404 came back as huggingface_hub's RepositoryNotFoundError, whose first
    line is "404 Client Error." (401 without a token), so the line was `cannot download dataset 'me/typo': 404 Client
    Error.`, naming neither the repo as missing nor the revision (a gated repo: `403 Client Error.`). Now each is
    said, with what to do."""
    import httpx
    import huggingface_hub
    import huggingface_hub.constants as c
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError

    from bgs_hf.data.hub import download
    from bgs_hf.errors import NoSuchSource
    from bgs_hf.hub.fake_hub import FakeHub

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "cache"))
    with FakeHub() as hub:
        monkeypatch.setattr(c, "ENDPOINT", hub.endpoint)
        HfApi(endpoint=hub.endpoint, token="hf_fake").create_repo("me/d", repo_type="dataset")
        with pytest.raises(NoSuchSource) as missing:
            load("me/typo")
        with pytest.raises(BGSInputError) as revision:
            download("me/d", revision="v9")

    def gated(repo_id, **kwargs):  # a file of a gated repo whose conditions this account has not accepted
        request = httpx.Request("GET", f"https://huggingface.co/datasets/{repo_id}/resolve/main/clips.parquet")
        raise GatedRepoError("403 Client Error.", response=httpx.Response(403, request=request))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", gated)
    with pytest.raises(BGSInputError) as conditions:
        download("lab/gated")
    assert str(conditions.value) == ("Hub dataset 'lab/gated' is gated: accept its conditions on its Hub page, then "
                                     "log in with that account (`hf auth login` or HF_TOKEN)")
    assert str(missing.value) == ("'me/typo' is not a local folder, and the Hub has no dataset repo of that name that "
                                  "this token can read (a private one needs `hf auth login` or HF_TOKEN)")
    assert str(revision.value) == "Hub dataset 'me/d' has no revision 'v9'"


@pytest.mark.parametrize("inside", ["judgments", "clips", "parquet"])
def test_a_file_or_folder_inside_a_hub_folder_names_the_folder_to_pass(exported, capsys, inside):
    """`data stats ds/judgments` (a config's folder, as `datasets` shows it) or its parquet file said to run
    `bgs-hf data import TABLE VIDEOS OUT`, which reads a CSV of video file names, not parquet: point at the
    Hub-layout folder, as a path inside the paper's release points at the release."""
    _, out = exported
    given = next((out / "judgments").glob("*.parquet")) if inside == "parquet" else out / inside
    assert cli(["data", "stats", str(given), "--no-png"]) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"; it lies inside a Hub-layout dataset: pass its folder {out.resolve()}\n")
    assert "data import" not in err and err.count("\n") == 1


def test_integer_sessions_with_a_null_keep_their_integer_names(tmp_path):
    """An int64 `session` column with a null read back as float: sessions 1, 2 became '1.0', '2.0' (and an export
    wrote those), while plain `load_dataset` gives 1 and 2 and the same column without a null gave '1', '2'. By
    hand: sessions 1, None, 2, 1 -> '1', '', '2', '1'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40))
    path = folder / "judgments" / "j.parquet"
    table = pq.read_table(path)
    n = table.num_rows
    sessions = pa.array([[1, None, 2, 1][i % 4] for i in range(n)], type=pa.int64())
    pq.write_table(table.append_column("session", sessions), path)
    data = load(folder)
    assert list(data.judgments["session"][:4]) == ["1", "", "2", "1"]
    out = write_hub(data, tmp_path / "out")
    exported = pd.read_parquet(_parquet(out, "judgments"))
    assert list(exported["session"][:4]) == ["1", "", "2", "1"]


def test_columns_outside_the_layout_are_named_in_a_warning(tmp_path, caplog):
    """A hand-written folder's `condition` and `rt_ms` judgments columns and `category` clips column were dropped
    without a word: `load` read them as absent (every rt_s missing) and `data export` wrote the folder without
    them. A warning per config now names what is not read; the layout's columns alone, and the index
    column pandas stores beside them, say nothing."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40))
    shifted = pd.read_parquet(folder / "judgments" / "j.parquet")
    shifted.index = pd.Index(np.arange(len(shifted)) + 10)  # not a range: pandas stores `__index_level_0__`
    shifted.to_parquet(folder / "judgments" / "j.parquet")
    with caplog.at_level("WARNING", logger="bgs_hf.data.hub"):
        load(folder)
    assert "not read" not in caplog.text
    _edit_table = [("judgments", "j", {"condition": "a", "rt_ms": 850}), ("clips", "train", {"category": "x"})]
    for config, name, extra in _edit_table:
        path = folder / config / f"{name}.parquet"
        pd.read_parquet(path).assign(**extra).to_parquet(path, index=False)
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.data.hub"):
        data = load(folder)
    lines = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert len(lines) == 2
    assert "'category'" in lines[0] and "clips" in lines[0]
    assert "'condition', 'rt_ms'" in lines[1] and "judgments" in lines[1]
    assert data.judgments.to_pandas()["rt_s"].isna().all()


def test_unsigned_sessions_and_integer_participants_with_a_null_keep_their_integer_names(tmp_path):
    """Mutation audit of `_frame`: unsigned sessions (uint16 1, None, 2) and integer participants with a null kept
    pandas' float names too ('1.0', '2.0'): only int64 sessions were tested. By hand: the null participant's row is
    a problem, the other rows keep participants '1', '2' and sessions '1', '', '2'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40))
    path = folder / "judgments" / "j.parquet"
    table = pq.read_table(path).drop(["participant"])
    n = table.num_rows
    table = table.append_column("participant", pa.array([None if i == 5 else 1 + i % 2 for i in range(n)], pa.int64()))
    table = table.append_column("session", pa.array([[1, None, 2, 1][i % 4] for i in range(n)], pa.uint16()))
    pq.write_table(table, path)
    data, problems = validate(folder)
    assert [str(p) for p in problems][0] == "judgments row 6: column 'participant' is empty"  # then an empty test split
    assert sorted(set(data.judgments["participant"])) == ["1", "2"] and len(data.judgments) == n - 1
    assert list(data.judgments["session"][:4]) == ["1", "", "2", "1"]


def test_the_unread_columns_warning_names_each_config_s_columns_in_full(tmp_path, caplog):
    """Mutation audit of `_warn_unread_columns`: its test read only a column's name in the line, so the singular
    and plural, the layout's columns, the count past five, and which configs take `rating_` columns could each go
    wrong unseen. By hand: clips' `rating_valence` is read and its `ratings` is not; judgments' seven columns
    outside the layout (a `rating_` one too: ratings belong to clips) are named five and '2 more'."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40))
    for name in ("train", "test"):
        path = folder / "clips" / f"{name}.parquet"
        pd.read_parquet(path).assign(rating_valence=0.5, ratings="high").to_parquet(path, index=False)
    path = folder / "judgments" / "j.parquet"
    extra = {"rating_x": 1.0, "condition": "a", "rt_ms": 850, "a": 1, "b": 2, "c": 3, "d": 4}
    pd.read_parquet(path).assign(**extra).to_parquet(path, index=False)
    with caplog.at_level("WARNING", logger="bgs_hf.data.hub"):
        load(folder)
    lines = [r.getMessage() for r in caplog.records if "not read" in r.getMessage()]
    assert lines == [
        f"{folder / 'clips'}: column 'ratings' is not read (the layout's columns: clip_id, video, captions, "
        "stimulus_set, rating_<attr>); `data export` and `data push` leave it out",
        f"{folder / 'judgments'}: columns 'rating_x', 'condition', 'rt_ms', 'a', 'b', and 2 more are not read (the "
        "layout's columns: clip_a, clip_b, clip_c, odd, participant, session, trial, rt_s, is_catch); `data export` "
        "and `data push` leave them out"]


def test_float_sessions_and_participants_read_whole_numbers_as_integers_and_keep_fractions(tmp_path):
    """A parquet pandas wrote from sessions 1, 2 with a gap holds float64 1.0, 2.0, NaN: the sessions were named
    '1.0', '2.0' (and an export wrote those), while the same column as int64 with a null kept '1', '2'; a float
    participant column was named '1.0' ... alike. Whole floats are now their integers; a fraction (1.5) and a float past
    2**53 keep their text, never rounded. By hand: sessions 1.0, NaN, 2.0, 1.5 -> '1', '', '2', '1.5'."""
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40),
                         participants=[f"p{i % 6}" for i in range(40)])
    path = folder / "judgments" / "j.parquet"
    table = pd.read_parquet(path)
    table["session"] = [[1.0, np.nan, 2.0, 1.5, 1e20][i % 5] for i in range(len(table))]
    table["participant"] = [float(i % 6 + 1) for i in range(len(table))]
    table.to_parquet(path, index=False)
    data = load(folder)
    assert list(data.judgments["session"][:5]) == ["1", "", "2", "1.5", "1e+20"]
    assert sorted(set(data.judgments["participant"])) == ["1", "2", "3", "4", "5", "6"]
    exported = pd.read_parquet(_parquet(write_hub(data, tmp_path / "out"), "judgments"))
    assert list(exported["session"][:5]) == ["1", "", "2", "1.5", "1e+20"]


def test_float_names_at_the_edges_of_exact_whole_numbers_keep_their_text_and_warn_of_nothing(tmp_path):
    """The edges of `_names`' whole-number rule (bbcef5f's audit): 2**53 - 1 is the last whole float that can only
    be itself, so it reads as its integer, while 2**53 (also what 2**53 + 1 was stored as), a session past -2**53
    and an infinite one keep the text they print as (a bound on the value, not its size, cast -1e20 to int64 as
    '-9223372036854775808'). No numpy RuntimeWarning ('invalid value encountered in remainder') of the infinite one
    reaches the user's console. By hand: 2**53-1 -> '9007199254740991', 2**53 -> '9007199254740992.0',
    -1e20 -> '-1e+20', inf -> 'inf'."""
    import warnings

    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)],
                                          "test": [f"c{i}" for i in range(16, 20)]}, _judgments(20, n=40),
                         participants=[f"p{i % 6}" for i in range(40)])
    path = folder / "judgments" / "j.parquet"
    table = pd.read_parquet(path)
    table["session"] = [[2.0**53 - 1, 2.0**53, -1e20, np.inf][i % 4] for i in range(len(table))]
    table.to_parquet(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load(folder)
    assert list(data.judgments["session"][:4]) == ["9007199254740991", "9007199254740992.0", "-1e+20", "inf"]
    assert [str(w.message) for w in caught if "remainder" in str(w.message)] == []


@pytest.mark.parametrize("command", ["export", "push", "import"])
def test_an_output_folder_whose_path_has_brackets_is_refused_before_any_work(release, tmp_path, capsys, command):
    """`data export SRC 'study [v2]'` wrote the folder and printed a `load_dataset` line that failed: datasets globs
    the card's data_files joined to the folder's path, so '[v2]' matched no file ("Unable to find ...")."""
    out = tmp_path / "study [v2]"
    argv = {"export": ["data", "export", str(release), str(out)],
            "push": ["data", "push", str(release), "--repo-id", "me/x", "--local-dir", str(out)],
            "import": ["data", "import", str(tmp_path / "trials.csv"), str(tmp_path / "videos"), str(out)]}[command]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "cannot read a folder whose path holds '[v2]'" in err, err
    assert "nothing was written" in err and not out.exists()


def test_loading_a_folder_whose_path_has_brackets_says_why_not_that_a_present_file_is_missing(exported, tmp_path):
    data, _ = exported
    out = write_hub(data, tmp_path / "study [v2]")  # the library writes it; reading it back is what fails
    assert (out / "README.md").is_file()
    with pytest.raises(BGSInputError, match=r"config 'clips' unreadable: datasets\.load_dataset cannot read a folder "
                                            r"whose path holds '\[v2\]'.*move or rename the folder") as refused:
        load(out)
    assert "Unable to find" not in str(refused.value)
    fine = write_hub(data, tmp_path / "study [v2 * ?")  # no '[...]' pair: load_dataset reads it, so it is not refused
    assert cli(["data", "validate", str(fine)]) == 0
    assert len(datasets.load_dataset(str(fine), "judgments")["train"]) == len(data.judgments)


@pytest.mark.parametrize(("name", "why"), [("Study 1\nLab X", "must be one line, got 'Study 1\\nLab X'"),
                                           ("   ", "must not be blank"), ("", "must not be blank"),
                                           ("Study 1\rLab X", "must be one line, got 'Study 1\\rLab X'"),
                                           ("Study 1\u2028Lab X", "must be one line, got 'Study 1\\u2028Lab X'")])
def test_a_pretty_name_on_two_lines_or_blank_is_refused_before_any_work(release, tmp_path, capsys, name, why):
    """`--pretty-name $'Study 1\\nLab X'` wrote a card whose heading read `# Study 1` with `Lab X` as body text, and a
    blank one an empty title; '' was silently replaced by the source's name."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as refused:
        cli(["data", "export", str(release), str(out), "--pretty-name", name])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and f"argument --pretty-name: {why}" in err, err
    assert not out.exists()
    assert cli(["data", "export", str(release), str(out), "--pretty-name", " Lab X "]) == 0  # surrounding spaces dropped
    assert read_front_matter(out / "README.md")["pretty_name"] == "Lab X"
    assert "\n# Lab X\n" in (out / "README.md").read_text()


@pytest.mark.parametrize("parts", [("a[b", "c]d"), ("x[]y",), ("p[!]q",)])
def test_a_path_whose_brackets_lie_in_different_parts_is_not_refused_and_loads(release, exported, tmp_path, parts):
    """The glob reads each path part alone, so 'a[b/c]d' holds no '[...]' for it and loads; the whole path's text,
    tested as one pattern, read '[b/c]' as a class and refused a folder that `load_dataset` reads. '[]' and '[!]'
    open no class either (a ']' first in a class is a member), so they load too."""
    data, _ = exported
    out = tmp_path.joinpath(*parts)
    assert cli(["data", "export", str(release), str(out)]) == 0
    assert cli(["data", "validate", str(out)]) == 0
    assert len(datasets.load_dataset(str(out), "judgments")["train"]) == len(data.judgments)


def test_a_relative_output_path_is_refused_for_the_brackets_of_the_folder_it_lies_in(tmp_path, monkeypatch):
    """`load_dataset` globs the absolute path, so `data export SRC out` run inside 'study [v2]' fails to load too."""
    from bgs_hf.data.hub import require_loadable_folder

    inside = tmp_path / "study [v2]"
    inside.mkdir()
    monkeypatch.chdir(inside)
    with pytest.raises(BGSInputError, match=r"OUT: datasets\.load_dataset cannot read a folder whose path holds '\[v2\]'"):
        require_loadable_folder("out", "OUT")


def test_a_path_whose_star_matches_another_folder_is_refused_not_read_with_that_folders_rows(release, exported,
                                                                                             tmp_path, capsys):
    """`load_dataset` globs the card's data_files joined to the folder's path, so 'study*' beside 'study-old' read
    both folders' files as one dataset (their clips and judgments mixed, without a word); 1d3741a and b262586 let a
    '*' or '?' through as a path that loads. Refused before the export, and on load; alone, such a path still loads."""
    data, _ = exported
    other = write_hub(data, tmp_path / "study-old")
    out = tmp_path / "study*"
    assert cli(["data", "export", str(release), str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and f"also matches {other}: it would read that folder's files too" in err, err
    assert "nothing was written" in err and not out.exists()
    mixed = write_hub(data, out)  # the library writes it; reading it back mixed in study-old's rows
    with pytest.raises(BGSInputError, match=r"config 'clips' unreadable: datasets\.load_dataset cannot read a folder "
                                            rf"whose path, read as a glob pattern .*also matches {re.escape(str(other))}"):
        load(mixed)
    alone = tmp_path / "solo" / "run?"
    assert cli(["data", "export", str(release), str(alone)]) == 0
    assert len(load(alone).judgments) == len(data.judgments)


@pytest.mark.parametrize("line_break", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85"])
def test_a_pretty_name_split_by_any_line_break_python_reads_is_refused(line_break):
    """Mutation audit (1d3741a): `one_line_text` checking only \\n, \\r and \\u2028/9 passed every test; the card's
    text is split into lines (``str.splitlines``) at each of these too."""
    import argparse

    from bgs_hf.cli._args import one_line_text

    name = f"Study 1{line_break}Lab X"
    assert len(name.splitlines()) == 2
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be one line, got 'Study 1.*Lab X'$"):
        one_line_text(name)
    assert one_line_text(" Study 1\tLab X ") == "Study 1\tLab X"


def test_a_path_whose_star_matches_only_a_file_beside_it_loads(release, exported, tmp_path):
    """Mutation audit (73d40d1): counting a file the '*' matches as another folder passed every test. 'study*' beside
    the file 'study-notes.txt': ``datasets`` joins the card's data files to each match, and a file holds none, so the
    folder loads alone; it must not be refused as one that would read another folder's files."""
    from bgs_hf.data.hub import unloadable_path_problem

    data, _ = exported
    (tmp_path / "study-notes.txt").write_text("notes\n", encoding="utf-8")
    out = tmp_path / "study*"
    assert unloadable_path_problem(out) is None
    assert cli(["data", "export", str(release), str(out)]) == 0
    assert len(load(out).judgments) == len(data.judgments)


def test_a_path_whose_question_mark_matches_another_folder_is_refused(tmp_path):
    """Mutation audit (73d40d1): the glob check looking only for '*' (not '?') passed every test: 'run?' beside 'run1'
    loads both folders' files as one dataset, as 'study*' beside 'study-old' did."""
    from bgs_hf.data.hub import unloadable_path_problem

    (tmp_path / "run1").mkdir()
    problem = unloadable_path_problem(tmp_path / "run?")
    assert problem is not None and f"also matches {tmp_path / 'run1'}: it would read that folder's files" in problem


def test_a_mistyped_dataset_folder_offline_names_the_folder_meant_and_what_to_do(monkeypatch, tmp_path, capsys):
    """A newcomer's first mistake, `bgs-hf data stats sss` for the folder `ss` (or `train --data data/su` for
    `data/sub`), reads as a Hub dataset id; offline the line was only "'sss' is not a local folder and is not in the
    Hub cache (offline or unreachable)": no folder suggested and no way on. It names the folder most likely meant
    (or that the owner is a folder here), why the Hub was not asked, and the download to make."""
    import huggingface_hub.constants as c

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ss").mkdir()
    (tmp_path / "data" / "sub").mkdir(parents=True)
    start = "is not a local folder and is not in the Hub cache (HF_HUB_OFFLINE is set): download it where there is "
    for source, hint in (("sss", " (did you mean 'ss'?)"), ("data/su", " (did you mean 'data/sub'?)"),
                         ("data/zzz", "; data/ is a folder here, so data/zzz may be a mistyped folder"),
                         ("nobody/no-such-dataset", "")):
        with pytest.raises(BGSInputError) as err:
            load(source)
        assert str(err.value) == (f"{source!r} {start}network (`hf download {source} --repo-type dataset`) and copy "
                                  f"the cache, or pass the dataset's folder{hint}"), source
    rc = cli(["data", "stats", "sss"])
    out = capsys.readouterr().err
    assert rc == 2 and out.count("\n") == 1 and "(did you mean 'ss'?)" in out, out


def test_an_uncached_dataset_names_why_the_hub_was_not_asked_and_no_file_as_the_folder_meant(monkeypatch, tmp_path):
    """Mutants of 1a7f94f that passed: "HF_HUB_OFFLINE is set" given as the reason where it is not (the Hub's host
    unreachable, which huggingface_hub reports as the same LocalEntryNotFoundError after its retries), and a file
    beside the name offered as the folder meant: `data stats mydata` beside the archive `mydata.zip`, not yet
    unpacked, was asked "did you mean 'mydata.zip'?", which `data stats` then refuses as a file."""
    import huggingface_hub
    import huggingface_hub.constants as c
    from huggingface_hub.errors import LocalEntryNotFoundError

    def hub_unreachable(*_args, **_kwargs):
        raise LocalEntryNotFoundError("An error happened while trying to locate the files on the Hub")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub_unreachable)  # nothing leaves the machine
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mydata.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(BGSInputError) as err:
        load("mydata")
    assert str(err.value) == ("'mydata' is not a local folder and is not in the Hub cache (offline or unreachable): "
                              "download it where there is network (`hf download mydata --repo-type dataset`) and "
                              "copy the cache, or pass the dataset's folder")


def test_a_dataset_revision_not_cached_offline_is_told_to_download_that_revision(monkeypatch, tmp_path):
    """``bgs_hf.data.hub.download("me/d", revision="v2")`` not cached, offline, was told to run `hf download me/d
    --repo-type dataset`, which fetches ``main``: the cache copied over still lacked ``v2`` and the same line came
    back (463d451 named the revision for models only). Also kills the mutant of 463d451 whose ``--revision`` replaced
    ``--repo-type`` in the advice."""
    import huggingface_hub.constants as c

    from bgs_hf.data.hub import download

    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)  # cache-only: nothing leaves the machine
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError) as err:
        download("me/d", revision="v2")
    assert str(err.value) == ("'me/d' is not a local folder and is not in the Hub cache (HF_HUB_OFFLINE is set): "
                              "download it where there is network (`hf download me/d --repo-type dataset --revision "
                              "v2`) and copy the cache, or pass the dataset's folder")
    with pytest.raises(BGSInputError) as err:
        download("me/d")
    assert "(`hf download me/d --repo-type dataset`)" in str(err.value), err.value


@pytest.mark.parametrize("page", ["https://huggingface.co/datasets/org/name", "https://huggingface.co/datasets/org/name/"
                                  "tree/main", "hf://datasets/org/name"])
def test_a_dataset_pages_address_given_for_data_names_the_id_to_pass(tmp_path, monkeypatch, capsys, page):
    """``load`` (and ``data validate``, ``train --data``, ``evaluate --data``, which read through it) given a Hub dataset
    page's address, pasted from the browser, said only "https://...: no such folder (resolved to
    .../https:/huggingface.co/...)", where it takes the dataset's id: the line now names the id to pass, read by the one
    rule ``space --push --data`` uses (``dataset_page_id``). Nothing is looked up on the Hub."""
    monkeypatch.chdir(tmp_path)
    line = f"{page}: a Hub dataset page's address, not its id: pass org/name"
    with pytest.raises(BGSInputError) as err:
        load(page)
    assert str(err.value) == line
    for command in (["data", "validate", page], ["train", "--data", page, "--output-dir", str(tmp_path / "run")]):
        assert cli(command) == 2, command
        assert capsys.readouterr().err == f"error: {line}\n", command


def _clips_in(data, split: str) -> list[str]:
    return sorted(data.clip_ids[i] for i in data.splits[split])


def test_a_hub_validation_file_without_a_test_file_stays_validation(tmp_path, caplog):
    """Train and validation files without a test file: the test clips were drawn from every clip and validation
    carved again, so 3 of the publisher's 4 validation clips were trained on (a warning said only "drawn at
    random"). The validation clips stay validation, test is drawn from the train file's clips alone, and an export
    (read back by `bgs_hf.data.load` or `datasets.load_dataset`) keeps both."""
    val = ["c16", "c17", "c18", "c19"]
    folder = _hub_folder(tmp_path / "d", {"train": [f"c{i}" for i in range(16)], "validation": val}, _judgments(20))
    for seed in (0, 1, 2):
        caplog.clear()
        with caplog.at_level("WARNING"):
            data = load(folder, seed=seed)
        assert _clips_in(data, "val") == val, seed
        assert not set(_clips_in(data, "train")) & set(val) and not set(_clips_in(data, "test")) & set(val)
        assert len(data.splits["test"]) == 3  # 0.2 of the 16 train clips
        assert "the test clips are drawn at random (seeded) from the 16 train clips, and the 4 validation clips " \
               "stay validation" in caplog.text
    out = write_hub(data, tmp_path / "out")
    back = load(out, seed=seed)
    for k in ("train", "val", "test"):
        np.testing.assert_array_equal(data.splits[k], back.splits[k])
    clips = datasets.load_dataset(str(out), "clips")["train"]
    assert sorted(c for c, s in zip(clips["clip_id"], clips["stimulus_set"]) if s == "val") == val
    caplog.clear()
    with caplog.at_level("WARNING"):  # a split it cannot read: all drawn, and the warning says validation is too
        load(_hub_folder(tmp_path / "h", {"train": [f"c{i}" for i in range(12)], "holdout": ["c12", "c13", "c14", "c15"],
                                          "validation": val}, _judgments(20)))
    assert "the validation split's clips are drawn with the rest (name holdout train or test" in caplog.text


def test_a_split_column_names_the_clips_splits(tmp_path, caplog):
    """A clips table labelling its clips in a `split` column (the Hub's habit) instead of `stimulus_set`: the column
    was not read, the test clips were drawn and validation carved at random, so the publisher's validation and test
    clips were trained on. It is read as stimulus_set where every clip has a split name; anything else stays unread."""
    ids = [f"c{i}" for i in range(20)]
    labels = ["train"] * 12 + ["test"] * 4 + ["validation"] * 4
    with caplog.at_level("WARNING"):
        data = load(_hub_folder(tmp_path / "d", {"train": ids}, _judgments(20), clip_columns={"split": labels}))
    assert _clips_in(data, "val") == ids[16:] and _clips_in(data, "test") == ids[12:16]
    assert "not read" not in caplog.text
    other = ["left", "right"] * 10
    with caplog.at_level("WARNING"):
        load(_hub_folder(tmp_path / "o", {"train": ids}, _judgments(20), clip_columns={"split": other}))
    assert "column 'split' is not read" in caplog.text


def test_a_hub_validation_files_test_draw_takes_the_split_seed(tmp_path):
    """Train and validation files without a test file: the test clips drawn from the train file's are the split
    seed's (`--split-seed`, else `--seed`), as an unlabelled draw's are, and `data export --split-seed` stores that
    draw; Hub split names are read in any case (`Train`, `Validation`)."""
    train, val = [f"c{i}" for i in range(16)], ["c16", "c17", "c18", "c19"]
    folder = _hub_folder(tmp_path / "d", {"Train": train, "Validation": val}, _judgments(20))
    drawn = {}
    for s in (0, 1, 2, 3):
        data = load(folder, seed=0, split_seed=s)
        assert _clips_in(data, "val") == val and set(_clips_in(data, "test")) < set(train), s
        assert _clips_in(load(folder, seed=s), "test") == _clips_in(data, "test"), s  # --seed without --split-seed
        drawn[s] = data
    assert len({tuple(_clips_in(d, "test")) for d in drawn.values()}) > 1  # the seed given, not always the default
    assert cli(["data", "export", str(folder), str(tmp_path / "out"), "--split-seed", "3"]) == 0
    back = load(tmp_path / "out", seed=0)
    for k in ("train", "val", "test"):
        assert _clips_in(back, k) == _clips_in(drawn[3], k), k


def test_a_split_column_is_read_in_any_case_never_over_stimulus_set_nor_with_a_gap(tmp_path, caplog):
    """A `split` column's labels are read as stimulus_set's are (`Train`, ` Validation `, `TEST`); a `stimulus_set`
    column beside it is the one read (the `split` column named unread); a `split` column with a blank is left unread
    and the clips drawn, as the README says, not refused as a partial labelling."""
    ids = [f"c{i}" for i in range(20)]
    labels = ["Train"] * 12 + ["TEST"] * 4 + [" Validation "] * 4
    data = load(_hub_folder(tmp_path / "d", {"train": ids}, _judgments(20), clip_columns={"split": labels}))
    assert _clips_in(data, "val") == ids[16:] and _clips_in(data, "test") == ids[12:16]
    given = ["test"] * 4 + ["train"] * 16
    with caplog.at_level("WARNING"):
        data = load(_hub_folder(tmp_path / "s", {"train": ids}, _judgments(20),
                                clip_columns={"split": labels, "stimulus_set": given}))
    assert _clips_in(data, "test") == ids[:4] and "column 'split' is not read" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        data = load(_hub_folder(tmp_path / "g", {"train": ids}, _judgments(20), clip_columns={"split": labels[:-1] + [""]}))
    assert "column 'split' is not read" in caplog.text and data.meta.get("split_drawn")
