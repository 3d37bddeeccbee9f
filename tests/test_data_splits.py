"""Splits by clip: stimulus_set or seeded, seeded val carve-out, leakage refusal, mixed counts."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from bgs_hf.data import load
from bgs_hf.data.splits import SplitConfig, assign_splits, carve_val, check_no_leakage, mixed_count
from bgs_hf.data.testing import tiny_release_tables, write_release
from bgs_hf.errors import BGSInputError


def test_stimulus_set_gives_train_test_and_val_is_carved_from_train():
    labels = ["test"] * 50 + ["train"] * 200
    s = assign_splits(labels)
    assert len(s["test"]) == 50 and len(s["val"]) == 40 and len(s["train"]) == 160
    np.testing.assert_array_equal(np.union1d(s["train"], s["val"]), np.arange(50, 250))
    again = assign_splits(labels)
    np.testing.assert_array_equal(s["val"], again["val"])
    other = assign_splits(labels, SplitConfig(seed=1))
    assert not np.array_equal(s["val"], other["val"])
    assert all(np.all(np.diff(v) > 0) for v in s.values())  # sorted, unique


def test_labels_are_normalised_and_explicit_val_is_kept():
    s = assign_splits([" Train", "TEST", "validation", "train", "val"])
    assert s["train"].tolist() == [0, 3] and s["test"].tolist() == [1] and s["val"].tolist() == [2, 4]


def test_seeded_split_without_stimulus_set():
    a = assign_splits([None] * 20, SplitConfig(seed=3))
    b = assign_splits([""] * 20, SplitConfig(seed=3))
    c = assign_splits([None] * 20, SplitConfig(seed=3, split_seed=4))
    assert len(a["test"]) == 4 and len(a["val"]) == 3 and len(a["train"]) == 13
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["test"], c["test"])
    np.testing.assert_array_equal(np.sort(np.concatenate(list(a.values()))), np.arange(20))


def test_partial_or_unknown_labels_are_refused():
    with pytest.raises(BGSInputError, match="stimulus_set missing for 1 of 3 clips"):
        assign_splits(["train", None, "test"])
    with pytest.raises(BGSInputError, match="clips.csv row 2: stimulus_set 'dev' is not train/val/test"):
        assign_splits(["train", "dev"], path="clips.csv")


def test_leakage_check_refuses_overlap():
    check_no_leakage({"train": np.array([0, 1]), "val": np.array([2]), "test": np.array([3])})
    with pytest.raises(BGSInputError, match=r"split leakage: 1 clip in both 'train' and 'test' \(clip indices 1\)"):
        check_no_leakage({"train": np.array([0, 1]), "val": np.array([2]), "test": np.array([1, 3])})


def test_carve_val_bounds():
    train, val = carve_val(np.arange(10), 0.0, seed=0)
    assert len(val) == 0 and len(train) == 10
    with pytest.raises(BGSInputError, match="val_fraction"):
        carve_val(np.arange(10), 1.0, seed=0)


def test_mixed_count_by_hand():
    idx = np.array([[0, 1, 2], [0, 1, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5]])
    # a = {0,1,2}, b = {3,4,5}: rows 0 and 3 are inside one split; rows 1, 2, 4 are mixed
    assert mixed_count(idx, np.array([0, 1, 2]), np.array([3, 4, 5]), 6) == 3
    # clips outside a ∪ b do not count as mixed
    assert mixed_count(idx, np.array([0, 1]), np.array([3, 4]), 6) == 1  # only row 1 = (0,1,3)


def test_container_split_membership_and_counts(tmp_path):
    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    data = load(write_release(tables, tmp_path), val_fraction=0.25, seed=2)
    assert len(data.splits["val"]) == 3 and len(data.splits["train"]) == 8
    valid = [tuple(r) for r, c in zip(
        tables.triplets[["stim1_name", "stim2_name", "stim3_name"]].to_numpy(),
        data.judgments["is_catch"]) if not c]
    counts = {}
    for name in ("train", "val", "test", "fit"):
        items = set(data.split_items(name).tolist())
        trip = data.triplets(name)
        expected = sum(set(r) <= items for r in valid)
        assert len(trip) == expected
        assert set(trip.idx.ravel().tolist()) <= items
        counts[name] = expected
    fit, test = set(data.split_items("fit").tolist()), set(data.splits["test"].tolist())
    mixed = sum(not set(r) <= fit and not set(r) <= test for r in valid)
    assert data.mixed_judgments("fit", "test") == mixed
    assert counts["fit"] + counts["test"] + mixed == len(valid)
    assert counts["train"] + counts["val"] <= counts["fit"]
    for a, b in combinations(("train", "val", "test"), 2):
        assert not set(data.splits[a]) & set(data.splits[b])


def test_split_sizes_round_to_the_nearest_clip(caplog):
    """Mutation audit: truncating the test count (int, not round) and letting the val carve-out take every training
    clip both passed the suite. Hand values: 13 unlabelled clips, test_fraction 0.2 -> round(2.6) = 3 test clips
    (truncation: 2); val_fraction 0.28 of the 10 left -> round(2.8) = 3."""
    s = assign_splits([None] * 13, SplitConfig(test_fraction=0.2, val_fraction=0.28))
    assert (len(s["test"]), len(s["val"]), len(s["train"])) == (3, 3, 7)
    with caplog.at_level("WARNING"):
        train, val = carve_val(np.arange(3), 0.9, seed=0)  # round(2.7) = 3 = every training clip
    assert (len(train), len(val)) == (1, 2)  # one clip is always left to train on
    assert "rounds to all of them" in caplog.text


def _v1_val(train: np.ndarray) -> np.ndarray:
    """The paper's v1 draw written out: ``train_test_split(sorted ids, test_size=0.2, random_state=42)`` takes the
    first ceil(0.2 n) entries of ``RandomState(42).permutation(n)`` as its test (our validation) part."""
    ids = np.sort(train)
    return np.sort(ids[np.random.RandomState(42).permutation(len(ids))[: int(np.ceil(0.2 * len(ids)))]])


def test_paper_val_split_is_the_v1_draw_of_the_sorted_train_clips():
    """``val_split="paper"``: the validation clips of the paper's code (scikit-learn's train_test_split of the sorted
    train clips, test_size 0.2, random_state 42), whatever ``seed``; train/test stay the data's."""
    from sklearn.model_selection import train_test_split

    labels = ["test" if i % 5 == 0 else "train" for i in range(63)]  # 50 train clips, interleaved with test
    train_clips = np.flatnonzero(np.array(labels) == "train")
    seeded = assign_splits(labels)
    paper = assign_splits(labels, SplitConfig(val_split="paper"))
    np.testing.assert_array_equal(paper["val"], _v1_val(train_clips))
    np.testing.assert_array_equal(paper["val"], np.sort(train_test_split(train_clips, test_size=0.2,
                                                                         random_state=42)[1]))
    np.testing.assert_array_equal(paper["train"], np.setdiff1d(train_clips, paper["val"]))
    np.testing.assert_array_equal(paper["test"], seeded["test"])
    assert not np.array_equal(paper["val"], seeded["val"])
    np.testing.assert_array_equal(assign_splits(labels, SplitConfig(val_split="paper", seed=7))["val"], paper["val"])
    # data without stimulus_set: the same recipe on the train clips of the seeded train/test draw
    unlabelled = assign_splits([None] * 40, SplitConfig(val_split="paper", split_seed=3))
    np.testing.assert_array_equal(unlabelled["val"], _v1_val(np.union1d(unlabelled["train"], unlabelled["val"])))


def test_paper_val_split_refuses_what_would_not_be_the_papers_draw():
    with pytest.raises(BGSInputError, match=r"val_split must be 'seeded' or 'paper', got 'v1'"):
        SplitConfig(val_split="v1")
    with pytest.raises(BGSInputError, match=r"val_split 'paper' holds out the paper's 0.2 of train clips.*0.1"):
        SplitConfig(val_split="paper", val_fraction=0.1)
    with pytest.raises(BGSInputError, match=r"stimulus_set names 1 val clip: .*val_split 'paper'"):
        assign_splits(["train", "val", "test", "train"], SplitConfig(val_split="paper"))


def test_load_takes_the_paper_val_split(tmp_path):
    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    folder = write_release(tables, tmp_path)
    data = load(folder, val_split="paper")
    np.testing.assert_array_equal(data.splits["val"], _v1_val(np.arange(5, 16)))
    assert data.meta["split_config"]["val_split"] == "paper"
    assert load(folder).meta["split_config"]["val_split"] == "seeded"


def test_validate_lists_val_labels_the_paper_val_split_would_override(tmp_path):
    """`data validate --val-split paper` on data whose stimulus_set names val clips printed OK (its splits quietly
    became all-train); `load` refuses the same data in one line."""
    from bgs_hf.data import validate

    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    tables.annotations.loc[6, "stimulus_set"] = "val"
    folder = write_release(tables, tmp_path)
    _, problems = validate(folder, decode_videos=False, split_config=SplitConfig(val_split="paper"))
    assert [str(p) for p in problems] == ["annotations.csv: stimulus_set names 1 val "
                                          "clip: val_split 'paper' draws validation from the train clips itself; "
                                          "drop the val labels or use val_split 'seeded'"]
    with pytest.raises(BGSInputError, match="stimulus_set names 1 val clip"):
        load(folder, val_split="paper")


def _cli(argv):
    from bgs_hf.cli.main import main

    try:
        return main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        return int(exit_.code)


@pytest.mark.parametrize(("argv", "message"), [
    (["stats", "SRC", "--no-png", "--val-split", "paper", "--val-fraction", "0.1"],
     "error: --val-split paper holds out the paper's 0.2 of train clips, not --val-fraction 0.1: drop --val-fraction "
     "(or use --val-split seeded)"),
    (["validate", "SRC", "--no-decode", "--val_split", "paper", "--val_fraction", "0.1"],
     "error: --val_split paper holds out the paper's 0.2 of train clips, not --val_fraction 0.1: drop --val_fraction "
     "(or use --val_split seeded)"),
    (["stats", "VAL", "--no-png", "--val_split", "paper"],
     "error: annotations.csv: stimulus_set names 1 val clip: --val_split paper draws validation from the train "
     "clips itself; drop the val labels or use --val_split seeded"),
    (["validate", "VAL", "--no-decode", "--val-split", "paper"],
     "problem: annotations.csv: stimulus_set names 1 val clip: --val-split paper draws validation from the train "
     "clips itself; drop the val labels or use --val-split seeded"),
    (["stats", "SRC", "--no-png", "--val-split", "papr"], "argument --val-split: invalid choice: 'papr' (did you mean "
                                                          "'paper'?"),
    (["stats", "SRC", "--no-png", "--val_split", "papr"], "argument --val_split: invalid choice: 'papr'"),
])
def test_data_commands_name_the_val_split_flags_as_typed(tmp_path, capsys, argv, message):
    """`bgs-hf data stats/validate --val-split paper` refusals said `val_split 'paper'` / `val_split 'seeded'` (the
    Python spelling) and `--val_fraction` whichever spelling was typed."""
    plain = write_release(tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30), tmp_path / "plain")
    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    tables.annotations.loc[6, "stimulus_set"] = "val"
    labelled = write_release(tables, tmp_path / "labelled")
    argv = ["data", *[{"SRC": str(plain), "VAL": str(labelled)}.get(a, a) for a in argv]]
    assert _cli(argv) in (1, 2)
    captured = capsys.readouterr()
    assert message in captured.out + captured.err, captured
    assert "'seeded'" not in captured.out + captured.err


def test_stats_of_other_data_do_not_call_its_val_clips_the_papers(tmp_path, capsys):
    """`data stats OTHER --val-split paper` labelled its carve-out "the paper's v1 draw": on data that is not the
    paper's release those are not the paper's clips, only its recipe applied to this data's train clips."""
    from bgs_hf.data.splits import val_method

    folder = write_release(tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30), tmp_path / "rel")
    assert _cli(["data", "stats", str(folder), "--no-png", "--n-splits", "2", "--val-split", "paper"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("val carve-out"))
    assert "the paper's v1 draw" not in line
    assert "train clips (the paper's v1 recipe: scikit-learn train_test_split, random_state 42): " in line, line
    assert val_method({"val_split": "paper"}, from_labels=False) == ("the paper's v1 recipe: scikit-learn "
                                                                     "train_test_split, random_state 42")


def test_the_test_draw_seed_has_trains_name_in_every_data_command(tmp_path, capsys):
    """`train --split_seed` draws the test clips of data without stimulus_set; `data stats`/`validate`/`export`/`push`
    took that draw's seed only as `--seed` (which in stats also seeds the val carve-out and the ceiling's
    split-halves). `--split_seed` (or `--split-seed`) is now the draw's name everywhere; `--seed` alone still draws
    it as before."""
    import json

    import pandas as pd

    from bgs_hf.data.stats import data_stats

    tables = tiny_release_tables(n_clips=30, n_test=6, trials_per_participant=40)
    tables.annotations = tables.annotations.drop(columns=["stimulus_set"])
    folder = write_release(tables, tmp_path / "rel")

    def stats(*flags):
        out = tmp_path / f"s{len(list(tmp_path.glob('s*.json')))}.json"
        assert _cli(["data", "stats", str(folder), "--no-png", "--n-splits", "5", "--json", str(out), *flags]) == 0
        capsys.readouterr()
        return json.loads(out.read_text())

    by_seed = stats("--seed", "3")
    assert stats("--seed", "3", "--split_seed", "3") == by_seed  # --seed alone: the draw as before
    assert stats("--seed", "3", "--split-seed", "3") == by_seed
    # --split_seed K with the default --seed 0: the test clips `train --split_seed K` (--seed 0) is scored on
    drawn = stats("--split_seed", "5")
    assert drawn == json.loads(json.dumps(data_stats(load(folder, seed=0, split_seed=5), n_splits=5, seed=0)))
    assert drawn["splits"] != stats()["splits"]  # another draw: the flag is not ignored

    def validate(*flags):
        code = _cli(["data", "validate", str(folder), "--no-decode", *flags])
        return code, capsys.readouterr().out

    assert validate("--seed", "3", "--split_seed", "3") == validate("--seed", "3")
    assert validate("--split-seed", "5") == validate("--split_seed", "5") != validate()  # split 5: an empty test
    # export/push: --seed was the draw's only seed there, so it and --split_seed name one thing
    written = {}
    for flags in (["--seed", "4"], ["--split_seed", "4"]):
        out = tmp_path / f"hub{len(written)}"
        assert _cli(["data", "export", str(folder), str(out), "--no-card", *flags]) == 0
        written[flags[0]] = pd.read_parquet(next((out / "clips").glob("*.parquet")))["stimulus_set"].tolist()
    assert written["--seed"] == written["--split_seed"] and "test" in written["--seed"]
    capsys.readouterr()
    assert _cli(["data", "export", str(folder), str(tmp_path / "both"), "--seed", "4", "--split_seed", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: --seed 4 and --split_seed 5 both name the train/test draw in `data export`: "
                   "give --split_seed only"), err
    assert not (tmp_path / "both").exists()


def test_split_helpers_by_hand():
    """Mutants that passed round 6's audit: seed 0 recorded as "not recorded"; padded labels (` Val `) not read;
    error rows counted from 0; split_seed ignored; the leakage check skipping train/val; mixed triplets counting
    those wholly inside the second split; edge-of-range settings accepted."""
    from bgs_hf.data.splits import (
        labels_name_val,
        normalise_stimulus_set,
        paper_val,
        unknown_labels,
        val_method,
    )
    from bgs_hf.errors import BGSSettingError

    assert val_method({"seed": 0}, from_labels=False) == "seed 0"
    assert val_method(None, from_labels=False) == "drawn how: not recorded"
    assert labels_name_val(["train", " Val ", None]) and not labels_name_val(["train", "test", None])
    assert unknown_labels([" Train ", "", None, float("nan"), "tset"]) == [4]
    with pytest.raises(BGSInputError, match="row 2: stimulus_set 'tset' is not train/val/test"):
        normalise_stimulus_set(["train", "tset"], path="a.csv")
    with pytest.raises(BGSInputError, match="stimulus_set missing for 2 of 3 clips"):
        assign_splits(["train", None, None])
    drawn = np.sort(np.random.default_rng(5).permutation(20)[:4])  # round(0.2 * 20) test clips, split_seed 5
    np.testing.assert_array_equal(assign_splits([None] * 20, SplitConfig(seed=0, split_seed=5))["test"], drawn)
    with pytest.raises(BGSInputError, match="1 clip in both 'train' and 'val'"):
        check_no_leakage({"train": np.array([0, 1]), "val": np.array([1]), "test": np.array([2])})
    check_no_leakage({"train": np.array([0]), "val": np.array([1]), "test": np.array([2]), "fit": np.array([0, 1])})
    idx = np.array([[0, 1, 2], [3, 4, 5], [0, 1, 3]])
    assert mixed_count(idx, np.array([0, 1, 2]), np.array([3, 4, 5]), 6) == 1
    with pytest.raises(BGSSettingError, match="needs at least 2 train clips, got 1"):
        paper_val(np.array([5]))
    with pytest.raises(BGSSettingError, match="stimulus_set names 1 val clip"):
        assign_splits(["train", "train", "val", "test"], SplitConfig(val_split="paper"))
    for bad in ({"test_fraction": 0.0}, {"val_fraction": 1.0}):
        with pytest.raises(BGSInputError, match="must be in"):
            SplitConfig(**bad)


def test_every_label_alias_names_its_split_and_a_drawn_split_is_stored_per_clip(tmp_path):
    """Mutation audit: 'valid' read as train (validation clips trained on) and the clips of a seeded test draw stored
    as `train` in the clips table's `stimulus_set` (a user selecting test clips by it got none) both passed."""
    s = assign_splits(["Training", "testing", "Valid", "train", "TEST", "validation"])
    assert (s["train"].tolist(), s["val"].tolist(), s["test"].tolist()) == ([0, 3], [2, 5], [1, 4])
    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    tables.annotations = tables.annotations.drop(columns=["stimulus_set"])
    data = load(write_release(tables, tmp_path), split_seed=3)
    labels = np.array(data.clips["stimulus_set"], dtype=object)
    assert (labels[data.splits["test"]] == "test").all() and len(data.splits["test"])
    assert (labels[data.split_items("fit")] == "train").all()


def test_a_partial_labelling_names_the_first_unlabelled_clip():
    """Mutation audit (second pass): naming the last unlabelled clip as "first" passed the suite (its partial
    labellings left one clip, or the two last, unlabelled). Clips 1 and 3 of 4 lack a label: the first is clip 1."""
    with pytest.raises(BGSInputError, match=r"stimulus_set missing for 2 of 4 clips \(first: clip index 1\)"):
        assign_splits(["train", None, "test", " "])


def test_carve_val_refuses_a_negative_seed_and_leakage_is_checked_across_every_named_split():
    """Mutation audit (second pass): `carve_val` passing seed -1 on to numpy (a ValueError traceback, not the one-line
    refusal) and the leakage check looking at train/val/test only (a clip in train and in a split named `holdout`
    accepted) both passed the suite."""
    with pytest.raises(BGSInputError, match=r"^seed must be >= 0, got -1$"):
        carve_val(np.arange(5), 0.2, seed=-1)
    with pytest.raises(BGSInputError, match=r"1 clip in both 'train' and 'holdout' \(clip indices 1\)"):
        check_no_leakage({"train": np.array([0, 1]), "test": np.array([2]), "holdout": np.array([1, 3])})


@pytest.mark.parametrize(("field", "value"), [("seed", 1.5), ("split_seed", 1.5), ("seed", "3"), ("seed", True)])
def test_a_split_seed_that_is_not_a_whole_number_is_refused_in_one_line(field, value):
    """Fuzzing ``load(seed=...)``: 1.5 or "3" passed the ``>= 0`` check and failed at the first draw with numpy's
    "SeedSequence expects int or sequence of ints"; True drew as seed 1."""
    with pytest.raises(BGSInputError, match=rf"^{field} must be a whole number, got {value!r}$"):
        SplitConfig(**{field: value})
    assert assign_splits([None] * 10, SplitConfig(seed=np.int64(3)))["test"].tolist() == (
        assign_splits([None] * 10, SplitConfig(seed=3))["test"].tolist())


def test_load_carves_validation_with_the_seed_it_is_given(tmp_path):
    """Mutation audit (second pass): `load` building its split with seed 0 whatever ``seed`` passed the suite (its
    callers compared two loads, or the stored test split). By hand: clips 4-11 train, round(0.2 * 8) = 2 held out,
    the first two of ``default_rng(seed).permutation(8)`` shifted by 4; seeds 1 and 0 hold out different clips."""
    root = write_release(tiny_release_tables(), tmp_path)
    expected = {seed: np.sort(np.random.default_rng(seed).permutation(8)[:2] + 4) for seed in (0, 1)}
    assert not np.array_equal(expected[0], expected[1])
    for seed in (0, 1):
        np.testing.assert_array_equal(load(root, seed=seed).splits["val"], expected[seed])


def test_every_alias_of_validation_names_val_clips_and_a_nan_label_is_no_label():
    """Mutation audit (third pass): `labels_name_val` matching only the word 'val', and `normalise_stimulus_set`
    refusing a NaN label (what pandas holds for an empty cell of a float column), passed the suite, which
    used ' Val ' and None. By hand: 'Validation' and 'valid' name val clips, 'training' does not; [NaN, 'Test',
    ' validation '] normalise to [None, 'test', 'val'], as `unknown_labels` already reads NaN as empty."""
    from bgs_hf.data.splits import labels_name_val, normalise_stimulus_set

    assert labels_name_val(["train", "Validation"]) and labels_name_val([None, "valid"])
    assert not labels_name_val(["training", "testing", None])
    assert normalise_stimulus_set([float("nan"), "Test", " validation "]) == [None, "test", "val"]


def test_a_leak_of_five_clips_lists_them_all_and_a_sixth_adds_an_ellipsis():
    """Mutation audit (third pass): the leakage message's '...' after exactly five shared clips passed the suite. It
    lists the first five shared clips; '...' says only that more were left out: 5 shared clips end '4)', 6 end '4, ...)'."""
    for n_shared, tail in ((5, "4)"), (6, "4, ...)")):
        train = np.arange(10)
        with pytest.raises(BGSInputError) as info:
            check_no_leakage({"train": train, "val": np.array([], dtype=np.int64), "test": np.arange(n_shared)})
        assert str(info.value) == (f"split leakage: {n_shared} clips in both 'train' and 'test' (clip indices "
                                   f"0, 1, 2, 3, {tail}")


def test_carve_val_returns_sorted_val_clips_drawn_with_its_seed():
    """Mutation audit (third pass): `carve_val` returning its val clips in draw order passed the suite (every caller
    went through `assign_splits`, which sorts again). By hand: of train clips 10-19 at fraction 0.3, seed 7, the val
    clips are the first 3 of `default_rng(7).permutation(10)` plus 10, sorted; train keeps the other 7, sorted."""
    chosen = np.random.default_rng(7).permutation(10)[:3] + 10
    train, val = carve_val(np.arange(19, 9, -1), 0.3, 7)
    assert val.tolist() == sorted(chosen.tolist()) and train.tolist() == sorted(set(range(10, 20)) - set(chosen.tolist()))


def test_a_test_fraction_of_one_or_zero_is_refused_and_just_under_one_is_taken():
    """Mutation audit (third pass): accepting `test_fraction` 1 passed the suite: the seeded draw then puts every clip
    in test and leaves no training clip. 0 and 1 are refused in one line; 0.9 of 10 unlabelled clips is 9 test
    clips and 1 train clip, by hand."""
    for bad in (1.0, 0.0):
        with pytest.raises(BGSInputError, match=rf"^test_fraction must be in \(0, 1\), got {bad}$"):
            SplitConfig(test_fraction=bad)
    splits = assign_splits([None] * 10, SplitConfig(test_fraction=0.9, val_fraction=0.0))
    assert (len(splits["test"]), len(splits["train"]), len(splits["val"])) == (9, 1, 0)


@pytest.mark.parametrize("field", ["seed", "split_seed"])
def test_a_seed_of_minus_one_is_refused_in_one_line(field):
    """Mutation audit (fourth pass): SplitConfig taking seed -1 (``< -1`` for ``< 0``) passed the suite, whose
    negative seeds were all below -1; numpy then refused it at the first draw with a ValueError traceback."""
    with pytest.raises(BGSInputError, match=rf"^{field} must be >= 0, got -1$"):
        SplitConfig(**{field: -1})


def test_paper_val_draws_from_the_sorted_train_clips_whatever_order_they_come_in():
    """Mutation audit (fourth pass): `paper_val` drawing from its train clips as given, not sorted, passed the suite
    (`assign_splits` hands it sorted clips). The paper's recipe draws from the sorted clip ids."""
    from bgs_hf.data.splits import paper_val

    clips = np.arange(3, 23)
    for got, want in zip(paper_val(clips[::-1]), paper_val(clips)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("asked", ["all", "validation", "Train"])
def test_an_unknown_split_name_is_one_line_naming_it_and_the_splits_there_are(tmp_path, asked):
    """``data.triplets("all")`` (or any name the data has no split of) was a bare ``KeyError`` from deep in the
    container; it is one :class:`BGSInputError` line naming the split asked for and the names there are."""
    data = load(write_release(tiny_release_tables(n_clips=12, n_test=4, trials_per_participant=10), tmp_path))
    for ask in (data.triplets, data.split_items, lambda name: data.mixed_judgments(name, "test")):
        with pytest.raises(BGSInputError) as err:
            ask(asked)
        assert str(err.value) == f"unknown split {asked!r}; choose from ['fit', 'test', 'train', 'val']"
    assert len(data.triplets("fit")) >= len(data.triplets("train"))  # the names it knows still answer
