"""The capacity check used to choose the default backbone: its statistic and its candidates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from bgs_hf.pretrain.capacity import CANDIDATES, CapacityConfig, train_candidate, variance_weighted_r2


def test_variance_weighted_r2_matches_sklearn() -> None:
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 4)) * np.array([1.0, 3.0, 0.5, 2.0])
    pred = y + rng.normal(size=y.shape)
    assert variance_weighted_r2(pred, y) == pytest.approx(r2_score(y, pred, multioutput="variance_weighted"))
    assert variance_weighted_r2(y, y) == 1.0
    assert variance_weighted_r2(np.broadcast_to(y.mean(0), y.shape), y) == pytest.approx(0.0)


@pytest.mark.parametrize("name", sorted(CANDIDATES))
def test_candidate_pools_a_clip_to_one_vector(name: str) -> None:
    torch.manual_seed(0)
    model = CANDIDATES[name]()
    out = model(torch.randn(2, 16, 3, 64, 64))
    assert out.shape == (2, model.dim)
    assert torch.isfinite(out).all()


def test_conv_stem_keeps_the_videomae_token_grid() -> None:
    model = CANDIDATES["videomae-p16-convstem"]()
    tokens = model.encoder(pixel_values=torch.randn(1, 16, 3, 64, 64)).last_hidden_state
    assert tokens.shape[1] == 128  # (16/2) x (64/16)^2, as with the linear patchify


def test_train_candidate_reports_a_curve_and_can_learn_a_visible_label() -> None:
    """A label the pixels show plainly (clip brightness) is learnt by the CNN within a few dozen steps;
    the same code must report a low R² when the labels are random noise unrelated to the clips."""
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 40, size=(48, 16, 64, 64, 3), dtype=np.uint8)
    level = rng.uniform(0, 200, size=48).astype(np.float32)
    clips = (clips + level[:, None, None, None, None]).astype(np.uint8)
    y = np.stack([level, -level], axis=1)
    cfg = CapacityConfig(candidates=["conv3d"], steps=40, eval_every=20, batch_size=8, lr=3e-3)
    kept: dict = {}
    res = train_candidate("conv3d", cfg, (clips[:32], y[:32]), (clips[32:], y[32:]), keep=kept)
    assert [c["step"] for c in res["curve"]] == [20, 40]
    assert res["best_held_out_r2"] > 0.5
    # the kept model reproduces the last reported held-out R² (it is the trained model, in eval mode)
    from bgs_hf.pretrain.corpus import to_pixel_values

    with torch.no_grad():
        pred = kept["head"](kept["model"](to_pixel_values(clips[32:]))).numpy() * kept["std"] + kept["mean"]
    assert variance_weighted_r2(pred, y[32:]) == pytest.approx(res["final_held_out_r2"], abs=1e-3)
    noise = rng.normal(size=(48, 2)).astype(np.float32)
    res_noise = train_candidate("conv3d", cfg, (clips[:32], noise[:32]), (clips[32:], noise[32:]))
    assert res_noise["best_held_out_r2"] < 0.3



def test_a_candidates_step_override_shortens_its_run_and_no_other() -> None:
    """``steps_override`` (the patch-8 ViT runs 300 of 600 steps) was read by no test: a mutant that ignored it passed.
    It caps one candidate's steps, never lengthens them past ``steps``, and leaves the others at ``steps``."""
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 255, size=(12, 16, 64, 64, 3), dtype=np.uint8)
    y = rng.normal(size=(12, 2)).astype(np.float32)
    data = (clips[:8], y[:8]), (clips[8:], y[8:])
    cfg = CapacityConfig(candidates=["conv3d"], steps=4, eval_every=2, batch_size=2, steps_override={"conv3d": 2})
    short = train_candidate("conv3d", cfg, *data)
    assert short["steps"] == 2 and [c["step"] for c in short["curve"]] == [2]
    longer = train_candidate("conv3d", replace(cfg, steps_override={"conv3d": 9}), *data)
    other = train_candidate("conv3d", replace(cfg, steps_override={"videomae-p8": 2}), *data)
    assert longer["steps"] == other["steps"] == 4 and [c["step"] for c in other["curve"]] == [2, 4]

def test_the_capacity_table_names_the_curve_interval_that_ran() -> None:
    """The header said "R² every 100 steps" for a 2-step check, whose curve is every 2 steps."""
    from bgs_hf.pretrain.capacity import markdown_table

    result = {"params": 1e6, "steps": 2, "s_per_step": 0.1, "final_held_out_r2": 0.1, "best_held_out_r2": 0.2,
              "curve": [{"held_out_r2": 0.1}]}
    table = markdown_table({"config": {"eval_every": 2}, "results": {"cnn": result}})
    assert "curve (R² every 2 steps)" in table


def test_a_capacity_check_whose_training_clips_reach_the_probe_seeds_is_refused() -> None:
    from bgs_hf.pretrain.capacity import CapacityConfig, run_capacity_check

    with pytest.raises(ValueError, match="overlap the probe's"):
        run_capacity_check(CapacityConfig(train_clips=1_000_001, probe_clips=10))


def test_the_capacity_check_trains_on_corpus_seeds_and_scores_the_probe_seeds(monkeypatch) -> None:
    """Training clips are corpus seeds, held-out clips the probe's (held-out clips drawn from the corpus seeds, the
    training clips themselves, passed every test)."""
    import bgs_hf.pretrain.capacity as capacity
    from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET

    rendered: dict[str, range] = {}

    def render(seeds: range, arch, desc: str):
        rendered[desc] = seeds
        return np.zeros((len(seeds), 1)), np.zeros((len(seeds), 1))

    monkeypatch.setattr(capacity, "render_labelled", render)
    monkeypatch.setattr(capacity, "train_candidate", lambda name, cfg, train, probe: {"probe": len(probe[0])})
    report = capacity.run_capacity_check(CapacityConfig(candidates=["conv3d"], train_clips=5, probe_clips=3))
    assert rendered == {"render train": range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 5),
                        "render probe": range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + 3)}
    assert report["results"] == {"conv3d": {"probe": 3}}
