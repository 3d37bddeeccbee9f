"""Training controls (``bgs_hf.eval.controls.train_control``): the same run on caption-derived judgments, or with
one loss term, on the tiny in-memory stand-in (seconds each)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_training_helpers import tiny_data, tiny_peft_model

from bgs_hf.errors import BGSInputError
from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig, train_bgs


@pytest.fixture(scope="module")
def tiny():
    return tiny_data()


def _config(tmp_path, tiny, *, in_memory: bool = True) -> TrainConfig:
    data, pix = tiny
    return TrainConfig(
        data=DataArguments(data="tiny-release", val_fraction=0.25, split_seed=3, val_split="seeded"),
        bgs=BGSArguments(clips_per_step=6),
        training={"output_dir": str(tmp_path / "run"), "use_cpu": True, "num_train_epochs": 1, "logging_steps": 1,
                  "disable_tqdm": True, "seed": 7, "report_to": []},
        data_override=data if in_memory else None, clip_store=TensorClipStore(pix), model_override=tiny_peft_model())


def _no_loading(monkeypatch) -> None:
    import bgs_hf.baselines.language as language
    import bgs_hf.data as data_mod

    monkeypatch.setattr(data_mod, "load", lambda *a, **k: pytest.fail("loaded the data"))
    monkeypatch.setattr(language, "language_similarity", lambda *a, **k: pytest.fail("embedded the captions"))


def test_an_unknown_control_is_refused_before_anything_loads(tmp_path, tiny, monkeypatch) -> None:
    from bgs_hf.eval.controls import train_control

    _no_loading(monkeypatch)
    with pytest.raises(BGSInputError, match="unknown control 'language'; choose from language-distilled, "
                                            "triplet-only, rsa-only"):
        train_control("language", _config(tmp_path, tiny, in_memory=False))
    assert not (tmp_path / "run").exists()


def test_training_data_is_the_override_or_the_data_loaded_with_the_runs_splits(tmp_path, tiny, monkeypatch) -> None:
    """One place for the data a TrainConfig trains on: the run's seed draws its validation clips."""
    import bgs_hf.data as data_mod
    from bgs_hf.training.api import training_data

    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(data_mod, "load", lambda *a, **k: calls.append((a, k)) or tiny[0])
    assert training_data(_config(tmp_path, tiny)) is tiny[0] and not calls  # the override, nothing loaded
    assert training_data(_config(tmp_path, tiny, in_memory=False)) is tiny[0]
    assert training_data(_config(tmp_path, tiny, in_memory=False), seed=11) is tiny[0]
    want = {"val_fraction": 0.25, "split_seed": 3, "val_split": "seeded"}
    assert calls == [(("tiny-release",), {**want, "seed": 7}), (("tiny-release",), {**want, "seed": 11})]

    class Loaded(Exception):
        pass

    def stop(*a, **k):
        calls.append((a, k))
        raise Loaded

    monkeypatch.setattr(data_mod, "load", stop)  # and train_bgs itself loads the same: the run's training seed
    with pytest.raises(Loaded):
        train_bgs(_config(tmp_path, tiny, in_memory=False))
    assert calls[-1] == (("tiny-release",), {**want, "seed": 7})


def _caption_odd(sim: np.ndarray, a: int, b: int, c: int) -> int:
    """By hand: the clip outside the most similar pair, the first of (a,b), (a,c), (b,c) on ties."""
    pairs = [((a, b), 2), ((a, c), 1), ((b, c), 0)]
    best = max(sim[u, v] for (u, v), _ in pairs)
    return next(odd for (u, v), odd in pairs if sim[u, v] == best)


def test_language_distilled_control_trains_on_caption_choices_inside_train_and_val(tmp_path, tiny,
                                                                                  monkeypatch) -> None:
    import bgs_hf.data as data_mod
    import bgs_hf.training.api as api
    from bgs_hf.eval.controls import train_control

    data = tiny[0]
    loaded: list[dict] = []
    monkeypatch.setattr(data_mod, "load", lambda source, **k: loaded.append({"source": source, **k}) or data)
    trained: list[TrainConfig] = []
    real = api.train_bgs
    monkeypatch.setattr(api, "train_bgs", lambda cfg: trained.append(cfg) or real(cfg))
    n = data.n_clips
    sim = -np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(np.float64)  # clips on a line

    result = train_control("language-distilled", _config(tmp_path, tiny, in_memory=False), language_sim=sim)

    # the data the run itself would load: its source, split settings and training seed
    assert loaded == [{"source": "tiny-release", "val_fraction": 0.25, "seed": 7, "split_seed": 3,
                       "val_split": "seeded"}]
    (cfg,) = trained
    control = cfg.data_override
    assert cfg.bgs.recipe == "clip-batched" and control.splits is data.splits
    old = data.judgments.to_pandas()
    new = control.judgments.to_pandas()
    fit = set(data.splits["train"].tolist()) | set(data.splits["val"].tolist())
    changed = outside = 0
    for row_old, odd_new in zip(old.itertuples(), new["odd"]):
        abc = (row_old.clip_a, row_old.clip_b, row_old.clip_c)
        if set(abc) <= fit:
            assert odd_new == _caption_odd(sim, *abc)
            changed += int(odd_new != row_old.odd)
        else:  # touches a test clip: the people's judgment, which the control is scored against
            assert odd_new == row_old.odd
            outside += 1
    assert changed > 0 and outside > 0
    # and the run trained on them: the training triplets it sampled carry the caption model's choices
    sampler = result.trainer.train_dataset.sampler
    assert np.array_equal(sampler.triplets.odd, control.triplets("train").odd)
    run_config = json.loads((result.output_dir / "run_config.json").read_text())
    assert run_config["data"]["name"] == "tiny (language-distilled)"
    assert np.isfinite(result.metrics["val"]["r2"])


@pytest.mark.parametrize("kind, judgments, pairs", [("triplet-only", True, False), ("rsa-only", False, True)])
def test_loss_term_controls_switch_the_recipe_that_reaches_the_loss(tmp_path, tiny, kind, judgments, pairs) -> None:
    from bgs_hf.eval.controls import train_control

    config = _config(tmp_path, tiny)
    result = train_control(kind, config)
    assert config.bgs.recipe == "clip-batched"  # the caller's config is not changed
    run_config = json.loads((result.output_dir / "run_config.json").read_text())
    assert run_config["bgs"]["recipe"] == kind and run_config["bgs"]["clips_per_step"] == 6
    totals = result.trainer.bgs_totals
    assert (totals["judgments"] > 0, totals["rsa_pairs_grad"] > 0) == (judgments, pairs)
    assert totals["clip_passes"] == len(tiny[0].split_items("train"))  # one epoch, each training clip once


@pytest.mark.parametrize("kind", ["triplet-only", "rsa-only"])
def test_a_loss_term_control_of_a_run_on_another_recipe_is_refused(tmp_path, tiny, monkeypatch, kind) -> None:
    """The ablations are clip-batched without one term: on a paper-v1 run they would change the batching too."""
    from dataclasses import replace

    from bgs_hf.eval.controls import train_control

    _no_loading(monkeypatch)
    config = _config(tmp_path, tiny, in_memory=False)
    config = replace(config, bgs=replace(config.bgs, recipe="paper-v1"))
    with pytest.raises(BGSInputError, match=f"control '{kind}' is 'clip-batched' without one loss term; this "
                                            "run's recipe is 'paper-v1'"):
        train_control(kind, config)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"bgs": {"local_loss": "hinge"}}, "--local_loss must be triplet or odd-one-out"),
    ({"data": {"val_fraction": 1.5}}, r"--val_fraction must be in \[0, 1\)"),
    ({"training": {"seed": -1}}, r"--seed must be in \[0, 2\*\*32\)"),
])
def test_a_bad_flag_of_the_language_control_is_refused_before_the_captions_are_embedded(
        tmp_path, tiny, monkeypatch, change, message) -> None:
    """Embedding every caption and loading the data take minutes on a real release: a typo in a flag that
    ``train_bgs`` refuses anyway must cost neither."""
    from dataclasses import replace

    from bgs_hf.eval.controls import train_control

    _no_loading(monkeypatch)
    config = _config(tmp_path, tiny, in_memory=False)
    if "training" in change:
        config = replace(config, training={**config.training, **change["training"]})
    else:
        ((group, fields),) = change.items()
        config = replace(config, **{group: replace(getattr(config, group), **fields)})
    with pytest.raises(BGSInputError, match=message):
        train_control("language-distilled", config)
    assert not (tmp_path / "run").exists()


def test_the_language_distilled_data_embeds_the_captions_with_the_config_given(tiny, monkeypatch) -> None:
    """The quickstart's control passes its language row's config (sentence model, caption mode): the captions are
    embedded with it and no other (a mutant embedding with the default config passed)."""
    import bgs_hf.baselines.language as language
    from bgs_hf.baselines import LanguageBaselineConfig
    from bgs_hf.eval.controls import language_distilled_data

    data = tiny[0]
    n = data.n_clips
    seen: list[tuple] = []

    def fake_similarity(captions, config=None, **kwargs):  # noqa: ANN001, ANN202
        seen.append((len(captions), config, kwargs.get("names")))
        return -np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(np.float64)

    monkeypatch.setattr(language, "language_similarity", fake_similarity)
    cfg = LanguageBaselineConfig(caption="mean")
    out = language_distilled_data(data, language_config=cfg)
    assert seen == [(n, cfg, list(data.clips["clip_id"]))]
    assert out.meta["language_distilled"]["replaced_judgments"] == len(data.triplets("fit"))


@pytest.mark.parametrize("shape", [(6, 6), (31, 31), (30, 29)])
def test_a_language_similarity_not_over_every_clip_is_refused(tiny, shape) -> None:
    """The similarity is indexed by clip number: one over the test clips alone, or with a clip too many, would
    index other clips' captions or fail with an IndexError (a mutant without the shape check passed)."""
    from bgs_hf.eval.controls import language_distilled_data

    with pytest.raises(BGSInputError, match=rf"language similarity must be 30×30, got \({shape[0]}, {shape[1]}\)"):
        language_distilled_data(tiny[0], np.zeros(shape))


def _six_clip_data():
    """Clips 0-2 train, 3 val, 4-5 test; a catch trial on clips 1, 1, 2 answered wrongly (position 0)."""
    import datasets

    from bgs_hf.data import OddOneOutData

    rows = [(0, 1, 2, 0, False), (1, 1, 2, 0, True), (3, 4, 5, 1, False), (1, 2, 3, 2, False)]
    a, b, c, odd, catch = (list(col) for col in zip(*rows))
    n = len(rows)
    clips = datasets.Dataset.from_dict({"clip_id": [f"c{i}.mp4" for i in range(6)], "video": [None] * 6,
                                        "captions": [[] for _ in range(6)], "stimulus_set": ["train"] * 6})
    judgments = datasets.Dataset.from_dict({
        "clip_a": a, "clip_b": b, "clip_c": c, "odd": np.array(odd, np.int8), "participant": ["p"] * n,
        "session": ["s"] * n, "trial": np.arange(n), "rt_s": np.ones(n), "is_catch": np.array(catch)})
    splits = {"train": np.array([0, 1, 2]), "val": np.array([3]), "test": np.array([4, 5])}
    return OddOneOutData(clips=clips, judgments=judgments, splits=splits, name="six")


def test_the_language_control_leaves_catch_trials_and_replaces_judgments_inside_one_split() -> None:
    """Mutation audit (second pass): catch trials given the caption model's answer, the replaced count taken over
    catch trials too, judgments spanning train and val taken as inside ``splits=("train", "val")``, and the meta
    recording ``fit`` whatever was asked all passed (the tests' data had no catch trial and used the default).
    Clips on a line (similarity -|i - j|): (0, 1, 2) ties (0, 1) with (1, 2), the first pair wins, odd position 2
    (people said 0); (1, 2, 3) the same, position 2 (people said 2): 2 replaced, agreement 1/2. The catch trial
    keeps its 0 and the test judgment its 1. Inside train or val alone only (0, 1, 2) is: 1 replaced, agreement 0."""
    from bgs_hf.eval.controls import language_distilled_data

    data = _six_clip_data()
    sim = -np.abs(np.subtract.outer(np.arange(6), np.arange(6))).astype(np.float64)
    fit = language_distilled_data(data, sim)
    assert fit.judgments["odd"] == [2, 0, 1, 2]
    assert fit.meta["language_distilled"] == {"replaced_judgments": 2, "agreement_with_humans": 0.5,
                                              "splits": ["fit"]}
    each = language_distilled_data(data, sim, splits=("train", "val"))
    assert each.judgments["odd"] == [2, 0, 1, 2]
    assert each.meta["language_distilled"] == {"replaced_judgments": 1, "agreement_with_humans": 0.0,
                                               "splits": ["train", "val"]}


def test_the_language_control_distils_the_data_it_is_given_without_loading_any(tmp_path, tiny, monkeypatch) -> None:
    """Mutation audit (second pass): ``train_control(data=...)`` loading the run's data anyway passed (the one
    language-control run passed no data). The data given is distilled, named after itself, and nothing loads."""
    import bgs_hf.training.api as api
    from bgs_hf.eval.controls import train_control

    _no_loading(monkeypatch)
    trained: list[TrainConfig] = []
    monkeypatch.setattr(api, "train_bgs", lambda cfg: trained.append(cfg) or "trained")
    data = _six_clip_data()
    sim = -np.abs(np.subtract.outer(np.arange(6), np.arange(6))).astype(np.float64)
    config = _config(tmp_path, tiny, in_memory=False)
    assert train_control("language-distilled", config, data=data, language_sim=sim) == "trained"
    (cfg,) = trained
    assert cfg.data_override.name == "six (language-distilled)" and cfg.data_override.judgments["odd"] == [2, 0, 1, 2]


def test_caption_choices_of_a_list_of_triplets_and_a_control_over_no_judgment_of_its_split() -> None:
    """Mutation audit (third pass): ``odd_from_similarity`` without its array conversion (a list of triplets, as
    the public API allows, failed with a TypeError), and an agreement of 0 for a control that replaced nothing all
    passed. Clips on a line (similarity -|i - j|): (0, 1, 3) keeps (0, 1), odd position 2; (4, 0, 3) keeps (4, 3),
    odd position 1; (0, 4, 5) keeps (4, 5), odd position 0. Inside val alone (clip 3) lies no judgment: none replaced, agreement undefined, not 0% (which
    reads as a caption model that always disagreed)."""
    from bgs_hf.eval.controls import language_distilled_data, odd_from_similarity

    sim = -np.abs(np.subtract.outer(np.arange(6), np.arange(6))).astype(np.float64)
    assert odd_from_similarity(sim, [[0, 1, 3], [4, 0, 3], [0, 4, 5]]).tolist() == [2, 1, 0]
    out = language_distilled_data(_six_clip_data(), sim, splits=("val",))
    assert out.judgments["odd"] == [0, 0, 1, 2]
    info = out.meta["language_distilled"]
    assert info["replaced_judgments"] == 0 and np.isnan(info["agreement_with_humans"]) and info["splits"] == ["val"]


def test_caption_choices_refuse_a_clip_outside_the_matrix() -> None:
    """Fuzzing: clip -1 was numpy's wrap onto the last clip (a choice made from another clip's similarities, with
    no word), clip 3 of a 3x3 matrix an IndexError and a flat (3,) triplet "too many indices"; the pairs are now read
    as the accuracies read them, each bad triplet one line. The identity's (0, 1, 2) keeps the first pair."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.controls import odd_from_similarity

    sim = np.eye(3)
    assert odd_from_similarity(sim, [[0, 1, 2]]).tolist() == [2]
    with pytest.raises(BGSInputError, match="clip -1: clip indices start at 0"):
        odd_from_similarity(sim, [[0, 1, -1]])
    with pytest.raises(BGSInputError, match=r"names clip 3 but the model matrix is 3×3"):
        odd_from_similarity(sim, [[0, 1, 3]])
    with pytest.raises(BGSInputError, match=r"\(n, 3\) clip indices, got shape \(3,\)"):
        odd_from_similarity(sim, [0, 1, 2])


def test_the_language_control_keeps_the_datas_own_meta_and_logs_its_agreement_in_percent(caplog) -> None:
    """Mutation audit (third pass): the control's meta built without the data's own entries (a release's origin,
    a SocialShapes instance's ground truth: the control would then call simulated observers human) and the log line's
    agreement as a fraction ("0.5% agree") both passed. Hand values of the six-clip data: 2 replaced, 1 of 2 agree."""
    import logging
    from dataclasses import replace

    from bgs_hf.eval.controls import language_distilled_data

    data = replace(_six_clip_data(), meta={"origin": "hand-made"})
    sim = -np.abs(np.subtract.outer(np.arange(6), np.arange(6))).astype(np.float64)
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.controls"):
        out = language_distilled_data(data, sim)
    assert out.meta == {"origin": "hand-made", "language_distilled": {
        "replaced_judgments": 2, "agreement_with_humans": 0.5, "splits": ["fit"]}}
    assert data.meta == {"origin": "hand-made"}  # the caller's data is not changed
    assert "language-distilled control: 2 judgments replaced (50.0% agree with the human choice)" in caplog.text


def test_the_language_control_of_a_run_on_another_recipe_trains_with_that_recipe(tmp_path, tiny, monkeypatch) -> None:
    """Mutation audit (third pass): the recipe check applied to the language control too (it refused a paper-v1
    run), or its run moved to clip-batched, both passed: the tests' language control ran on the default recipe. Only
    the loss-term controls are clip-batched ablations; the language control changes the judgments alone."""
    from dataclasses import replace

    import bgs_hf.training.api as api
    from bgs_hf.eval.controls import train_control

    _no_loading(monkeypatch)
    trained: list[TrainConfig] = []
    monkeypatch.setattr(api, "train_bgs", lambda cfg: trained.append(cfg) or "trained")
    config = _config(tmp_path, tiny, in_memory=False)
    config = replace(config, bgs=replace(config.bgs, recipe="paper-v1", clips_per_step=None))
    sim = -np.abs(np.subtract.outer(np.arange(6), np.arange(6))).astype(np.float64)
    assert train_control("language-distilled", config, data=_six_clip_data(), language_sim=sim) == "trained"
    (cfg,) = trained
    assert cfg.bgs == config.bgs and cfg.data_override.judgments["odd"] == [2, 0, 1, 2]
