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


def test_a_capacity_check_whose_training_clips_reach_the_probe_seeds_is_refused(monkeypatch) -> None:
    import bgs_hf.pretrain.capacity as capacity
    from bgs_hf.pretrain.capacity import CapacityConfig, run_capacity_check

    # refused before a clip is rendered: without the check this test rendered the million clips (a hang, not a failure)
    monkeypatch.setattr(capacity, "render_labelled", lambda *args: pytest.fail("rendered before the seed check"))
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


# --- mutation audit (pretrain), second pass: the training loop, its statistics, rendering and the CLI ---


class _MeanPixel(torch.nn.Module):
    """A stand-in candidate: one feature, the clip's mean pixel value times one weight; it records its inputs."""

    def __init__(self, features: float | None = None) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))
        self.dim, self.features, self.seen = 1, features, []

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.seen.append(pixel_values.detach().clone())
        if self.features is not None:
            return torch.full((len(pixel_values), 1), self.features) * self.weight
        return pixel_values.mean(dim=(1, 2, 3, 4))[:, None] * self.weight


def _stub(monkeypatch, features: float | None = None) -> list[_MeanPixel]:
    import bgs_hf.pretrain.capacity as capacity

    made: list[_MeanPixel] = []
    monkeypatch.setitem(capacity.CANDIDATES, "stub", lambda: made.append(_MeanPixel(features)) or made[-1])
    return made


def test_train_candidate_warms_its_lr_up_from_the_first_step_with_the_configs_weight_decay(monkeypatch) -> None:
    """lr 1e-3 over a 4-step warm-up: 2.5e-4, 5e-4, 7.5e-4, 1e-3, then 1e-3 (an lr of 0 at step 0 passed every
    test), AdamW with the config's weight decay 0.2 (AdamW's own 0.01 passed)."""
    made = _stub(monkeypatch)
    steps_lr: list[float] = []
    decays: set[float] = set()

    class Recording(torch.optim.AdamW):
        def step(self, closure=None):  # noqa: ANN001, ANN202
            steps_lr.append(self.param_groups[0]["lr"])
            decays.update(g["weight_decay"] for g in self.param_groups)
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "AdamW", Recording)
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, (6, 2, 4, 4, 3), dtype=np.uint8)
    y = rng.normal(size=(6, 2)).astype(np.float32)
    cfg = CapacityConfig(steps=5, eval_every=5, batch_size=2, lr=1e-3, warmup_steps=4, weight_decay=0.2)
    train_candidate("stub", cfg, (clips[:4], y[:4]), (clips[4:], y[4:]))
    assert steps_lr == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3])
    assert decays == {0.2} and len(made) == 1


def test_train_candidate_flips_training_clips_horizontally_only(monkeypatch) -> None:
    """Each training clip the model sees is a training clip or its left-right mirror, and both occur (a vertical
    flip, or none, passed every test: the social labels are only known to survive a horizontal one)."""
    from bgs_hf.pretrain.corpus import to_pixel_values

    made = _stub(monkeypatch)
    clips = np.random.default_rng(0).integers(0, 256, (4, 2, 4, 4, 3), dtype=np.uint8)
    y = np.random.default_rng(1).normal(size=(4, 2)).astype(np.float32)
    cfg = CapacityConfig(steps=8, eval_every=8, batch_size=4)
    train_candidate("stub", cfg, (clips, y), (clips, y))
    plain = to_pixel_values(clips)
    kinds = set()
    for row in torch.cat(made[0].seen):
        matches = [(i, mirrored) for i in range(4) for mirrored in (False, True)
                   if torch.equal(row, plain[i].flip(-1) if mirrored else plain[i])]
        assert len(matches) == 1, "a training input that is neither a clip nor its mirror"
        kinds.add(matches[0][1])
    assert kinds == {False, True}


def test_train_candidate_regresses_standardised_labels_and_scores_them_back_in_label_units(monkeypatch) -> None:
    """Labels (1, 10) and (3, 20): mean (2, 15), sd (1, 5), so the model is fitted to ±(1, 1); held-out
    predictions are mapped back as prediction·sd + mean before their R². With lr 0 and a constant feature the
    prediction is the head's bias b: (b₀ + 2, 5·b₁ + 15). The curve's R² (here 0.1, 0.5, 0.3) give best 0.5 and
    final 0.3; ``params`` counts the model's 1 weight, not the head's 4. A constant seed, the standardisation
    dropped, predictions left standardised, the best taken as the last or the head counted passed every test."""
    import bgs_hf.pretrain.capacity as capacity

    _stub(monkeypatch, features=0.0)
    mse = torch.nn.functional.mse_loss
    fitted: list[torch.Tensor] = []
    monkeypatch.setattr(torch.nn.functional, "mse_loss", lambda pred, target: fitted.append(target) or mse(pred, target))
    scored: list[tuple[np.ndarray, np.ndarray]] = []
    r2s = iter([0.1, 0.5, 0.3])
    monkeypatch.setattr(capacity, "variance_weighted_r2", lambda pred, target: scored.append((pred, target))
                        or next(r2s))
    clips = np.zeros((4, 2, 4, 4, 3), dtype=np.uint8)
    y = np.array([[1, 10], [3, 20], [1, 10], [3, 20]], dtype=np.float32)
    cfg = CapacityConfig(steps=3, eval_every=1, batch_size=2, lr=0.0, seed=7)
    kept: dict = {}
    res = train_candidate("stub", cfg, (clips, y), (clips[:2], y[:2]), keep=kept)
    assert torch.cat(fitted).abs().sub(1).abs().max() < 1e-5
    assert (res["params"], res["best_held_out_r2"], res["final_held_out_r2"]) == (1, 0.5, 0.3)
    bias = kept["head"].bias.detach().numpy()
    np.testing.assert_allclose(scored[-1][0], np.tile([bias[0] + 2, 5 * bias[1] + 15], (2, 1)), rtol=1e-5)
    np.testing.assert_array_equal(scored[-1][1], y[:2])
    torch.manual_seed(7)  # the head's initial weights come from the config's seed (lr 0 keeps them)
    _MeanPixel()
    assert torch.equal(kept["head"].weight, torch.nn.Linear(1, 2).weight)


def test_train_candidate_draws_its_batches_from_the_configs_seed(monkeypatch) -> None:
    """The first batch is clips ``default_rng(seed).integers(0, n, batch)`` (a generator seeded with 0 passed)."""
    from bgs_hf.pretrain.corpus import to_pixel_values

    made = _stub(monkeypatch)
    clips = np.random.default_rng(0).integers(0, 256, (9, 2, 4, 4, 3), dtype=np.uint8)
    y = np.random.default_rng(1).normal(size=(9, 2)).astype(np.float32)
    train_candidate("stub", CapacityConfig(steps=1, eval_every=1, batch_size=4, seed=5), (clips, y), (clips, y))
    expected = to_pixel_values(clips[np.random.default_rng(5).integers(0, 9, 4)])
    assert all(torch.equal(a, b) or torch.equal(a, b.flip(-1)) for a, b in zip(made[0].seen[0], expected))


def test_a_videomae_candidate_pools_the_mean_of_its_tokens_and_its_conv_stem_needs_patch_16() -> None:
    from bgs_hf.pretrain.capacity import VideoMAEPooled
    from bgs_hf.pretrain.config import TinyVideoMAEArch

    torch.manual_seed(0)
    arch = TinyVideoMAEArch(image_size=16, patch_size=8, num_frames=4, hidden_size=24, num_hidden_layers=1,
                            num_attention_heads=2, intermediate_size=48)
    model = VideoMAEPooled(arch).eval()
    x = torch.randn(2, 4, 3, 16, 16)
    with torch.no_grad():
        tokens = model.encoder(pixel_values=x).last_hidden_state
        torch.testing.assert_close(model(x), tokens.mean(dim=1))
    assert tokens.shape[1] == 8  # 4 patches x 2 tubelets: a first-token pool would differ
    with pytest.raises(ValueError, match="patch 16 and tubelet 2"):
        VideoMAEPooled(TinyVideoMAEArch(patch_size=8), conv_stem=True)


def test_render_labelled_fits_each_clip_to_the_arch_and_keeps_its_social_coordinates(monkeypatch) -> None:
    """32 frames of 48 px become 16 frames of 64 px (the arch's), the labels float32 (frames and size swapped
    passed every test: the capacity check's own test replaces the renderer)."""
    import bgs_hf.pretrain.capacity as capacity
    from bgs_hf.pretrain.config import TinyVideoMAEArch

    frames = np.zeros((32, 48, 48, 3), dtype=np.uint8)
    monkeypatch.setattr(capacity, "socialshapes_labelled", lambda s: (frames, {"social space": np.array([s, 0.5])}))
    clips, coords = capacity.render_labelled(range(3, 5), TinyVideoMAEArch(), "test")
    assert clips.shape == (2, 16, 64, 64, 3) and clips.dtype == np.uint8
    assert coords.dtype == np.float32 and coords.tolist() == [[3.0, 0.5], [4.0, 0.5]]


def test_an_unknown_candidate_is_refused_before_any_clip_is_rendered(monkeypatch) -> None:
    import bgs_hf.pretrain.capacity as capacity

    monkeypatch.setattr(capacity, "render_labelled", lambda *a: pytest.fail("rendered first"))
    with pytest.raises(ValueError, match=r"unknown candidates \['resnet'\]"):
        capacity.run_capacity_check(CapacityConfig(candidates=["conv3d", "resnet"]))


def test_the_capacity_table_row_by_hand() -> None:
    from bgs_hf.pretrain.capacity import markdown_table

    result = {"params": 1_234_567, "steps": 4, "s_per_step": 0.25, "final_held_out_r2": 0.125,
              "best_held_out_r2": 0.5, "curve": [{"held_out_r2": 0.5}, {"held_out_r2": 0.125}]}
    table = markdown_table({"config": {"eval_every": 2}, "results": {"cnn": result}}).splitlines()
    assert table[1] == "|---|---|---|---|---|---|"
    assert table[2] == "| cnn | 1.23 M | 4 | 0.25 | 0.125 (0.500) | 0.50, 0.12 |"


def test_the_capacity_command_passes_its_flags_and_writes_the_report_and_table(tmp_path, monkeypatch) -> None:
    """``--steps 3`` evaluates every 3 steps (a curve point at least at the end), the clip counts reach their own
    fields (the command itself had no test)."""
    import json

    import bgs_hf.pretrain.capacity as capacity

    seen: list[CapacityConfig] = []
    result = {"params": 1e6, "steps": 3, "s_per_step": 0.1, "final_held_out_r2": 0.1, "best_held_out_r2": 0.2,
              "curve": [{"held_out_r2": 0.1}]}

    def check(cfg: CapacityConfig) -> dict:
        seen.append(cfg)
        return {"config": {"eval_every": cfg.eval_every}, "results": {"conv3d": result}}

    monkeypatch.setattr(capacity, "run_capacity_check", check)
    out = tmp_path / "r" / "cap.json"
    capacity.main(["--out", str(out), "--steps", "3", "--train-clips", "7", "--probe-clips", "5",
                   "--candidates", "conv3d"])
    (cfg,) = seen
    assert (cfg.candidates, cfg.steps, cfg.eval_every, cfg.train_clips, cfg.probe_clips) == (["conv3d"], 3, 3, 7, 5)
    assert json.loads(out.read_text())["results"]["conv3d"] == result
    assert "curve (R² every 3 steps)" in out.with_suffix(".md").read_text()


def test_a_capacity_run_without_warm_up_starts_at_its_peak_lr(monkeypatch) -> None:
    """``warmup_steps=0`` divided by zero at the first step (ZeroDivisionError); no warm-up is the peak lr at once."""
    _stub(monkeypatch)
    steps_lr: list[float] = []

    class Recording(torch.optim.AdamW):
        def step(self, closure=None):  # noqa: ANN001, ANN202
            steps_lr.append(self.param_groups[0]["lr"])
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "AdamW", Recording)
    clips = np.zeros((4, 2, 4, 4, 3), dtype=np.uint8)
    y = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    train_candidate("stub", CapacityConfig(steps=2, eval_every=2, batch_size=2, lr=1e-3, warmup_steps=0), (clips, y),
                    (clips, y))
    assert steps_lr == [1e-3, 1e-3]


@pytest.mark.parametrize("flag, value", [("--steps", "0"), ("--train-clips", "0"), ("--probe-clips", "1")])
def test_the_capacity_command_refuses_a_run_that_cannot_score_before_rendering(flag, value, tmp_path, monkeypatch,
                                                                             capsys) -> None:
    """``--steps 0`` rendered 3,400 clips, then crashed on an empty curve (IndexError); one probe clip has no R²."""
    import bgs_hf.pretrain.capacity as capacity

    monkeypatch.setattr(capacity, "run_capacity_check", lambda cfg: pytest.fail("ran the check"))
    with pytest.raises(SystemExit) as info:
        capacity.main(["--out", str(tmp_path / "c.json"), flag, value])
    assert info.value.code == 2
    assert f"{flag}: must be >= {2 if flag == '--probe-clips' else 1}, got {value}" in capsys.readouterr().err


# --- mutation audit (pretrain), third pass ---


def test_the_capacity_curve_ends_at_the_last_step_and_the_kept_model_is_in_eval_mode(monkeypatch) -> None:
    """5 steps scored every 2: R² at steps 2, 4 and 5 (0.1, 0.2, 0.3), so the final R² is step 5's 0.3, not step
    4's; the model handed to ``keep`` scores in eval mode, BatchNorm on its running statistics (the curve without
    its last step and the kept model left training passed every test)."""
    import bgs_hf.pretrain.capacity as capacity

    _stub(monkeypatch, features=0.0)
    r2s = iter([0.1, 0.2, 0.3])
    monkeypatch.setattr(capacity, "variance_weighted_r2", lambda pred, target: next(r2s))
    clips = np.zeros((4, 2, 4, 4, 3), dtype=np.uint8)
    y = np.array([[1, 10], [3, 20], [1, 10], [3, 20]], dtype=np.float32)
    kept: dict = {}
    res = train_candidate("stub", CapacityConfig(steps=5, eval_every=2, batch_size=2), (clips, y), (clips, y),
                          keep=kept)
    assert [c["step"] for c in res["curve"]] == [2, 4, 5]
    assert (res["final_held_out_r2"], res["best_held_out_r2"]) == (0.3, 0.3)
    assert kept["model"].training is False


@pytest.mark.parametrize(("given", "line"), [
    ({"steps": 2.5}, "CapacityConfig.steps must be a whole number, got 2.5"),
    ({"train_clips": True}, "CapacityConfig.train_clips must be a whole number, got True"),
    ({"probe_clips": "400"}, "CapacityConfig.probe_clips must be a whole number, got '400'"),
    ({"eval_every": 0}, "CapacityConfig.eval_every must be >= 1, got 0"),
    ({"batch_size": 0}, "CapacityConfig.batch_size must be >= 1, got 0"),
    ({"warmup_steps": -1}, "CapacityConfig.warmup_steps must be >= 0, got -1"),
    ({"seed": 1.5}, "CapacityConfig.seed must be a whole number, got 1.5"),
    ({"num_threads": 0}, "CapacityConfig.num_threads must be >= 1, got 0"),
    ({"steps_override": {"conv3d": 2.5}}, "CapacityConfig.steps_override['conv3d'] must be a whole number, got 2.5"),
])
def test_a_capacity_count_that_is_no_whole_number_is_one_line_naming_it(given, line):
    """Taken as given and refused (if at all) part-way through the check: 2.5 clips or steps in ``range()``,
    ``eval_every`` 0 in ``%`` after training began, and ``True`` clips rendered one. A whole float or numpy integer is
    that ``int``."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError) as caught:
        CapacityConfig(**given)
    assert str(caught.value) == line
    got = CapacityConfig(steps=np.int64(40), train_clips=300.0, steps_override={"videomae-p8": np.int32(30)})
    assert got == CapacityConfig(steps=40, train_clips=300, steps_override={"videomae-p8": 30})
    assert type(got.steps) is int and type(got.train_clips) is int and type(got.steps_override["videomae-p8"]) is int
