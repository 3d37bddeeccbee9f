"""bgs-tiny-videomae pretraining: CLI, determinism, masking, probe, and the committed asset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bgs_hf.pretrain import CORPUS_SEED_OFFSET, PretrainConfig, TinyVideoMAEArch, pretrain
from bgs_hf.pretrain.corpus import fit_frames, tube_mask

ASSET = Path(__file__).resolve().parents[1] / "bgs_hf" / "assets" / "bgs-tiny-videomae"


def moving_squares(seed: int, t: int = 16, size: int = 64) -> np.ndarray:
    """Stand-in renderer: a random background and one square moving in a straight line."""
    rng = np.random.default_rng(seed)
    frames = np.empty((t, size, size, 3), dtype=np.uint8)
    frames[:] = rng.integers(0, 256, 3, dtype=np.uint8)
    x, y = rng.integers(8, size - 16, 2)
    vx, vy = rng.integers(-2, 3, 2)
    colour = rng.integers(0, 256, 3, dtype=np.uint8)
    for i in range(t):
        xi, yi = np.clip([x + vx * i, y + vy * i], 0, size - 8)
        frames[i, yi : yi + 8, xi : xi + 8] = colour
    return frames


def small_config(**kw) -> PretrainConfig:
    arch = TinyVideoMAEArch(
        image_size=16,
        patch_size=8,
        num_frames=4,
        hidden_size=24,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=48,
        decoder_hidden_size=16,
        decoder_num_hidden_layers=1,
        decoder_num_attention_heads=2,
        decoder_intermediate_size=32,
    )
    base = dict(arch=arch, steps=2, batch_size=2, corpus_clips=3, warmup_steps=1, mask_ratio=0.75, num_threads=1)
    base.update(kw)
    return PretrainConfig(**base)


def test_tube_mask_is_a_tube_with_equal_counts() -> None:
    arch = TinyVideoMAEArch()
    mask = tube_mask(5, arch, 0.9, np.random.default_rng(0)).numpy()
    per_frame = (arch.image_size // arch.patch_size) ** 2
    assert mask.shape == (5, arch.seq_length)
    assert (mask.sum(1) == mask[0].sum()).all()
    tubes = mask.reshape(5, arch.num_frames // arch.tubelet_size, per_frame)
    assert (tubes == tubes[:, :1]).all()  # same spatial patches hidden at every time step
    assert tubes[:, 0].sum(1).tolist() == [round(0.9 * per_frame)] * 5
    with pytest.raises(ValueError):
        tube_mask(1, arch, 1.0, np.random.default_rng(0))


def test_fit_frames_samples_and_resizes() -> None:
    frames = np.random.default_rng(0).integers(0, 256, (32, 48, 48, 3), dtype=np.uint8)
    out = fit_frames(frames, 16, 64)
    assert out.shape == (16, 64, 64, 3) and out.dtype == np.uint8
    assert fit_frames(out, 16, 64) is not None and np.array_equal(fit_frames(out, 16, 64), out)


def test_fit_frames_follows_the_frame_policy_of_training_and_evaluation() -> None:
    """Pretraining must see frames as fine-tuning does: segment midpoints, short side resized, centre crop."""
    import torch

    from bgs_hf.video import FramePolicy
    from bgs_hf.video.transforms import preprocess

    frames = np.zeros((32, 48, 96, 3), dtype=np.uint8)
    frames[..., 2] = np.arange(32)[:, None, None] * 8  # blue = frame index
    frames[:, :, :24, 0] = 255  # a red band in the left quarter: a squash would keep it, a centre crop not
    out = fit_frames(frames, 16, 48)
    assert (out[:, 0, 0, 2] // 8).tolist() == list(range(1, 32, 2))  # midpoints of 16 segments of 32 frames
    assert out.shape == (16, 48, 48, 3) and out[..., 0].max() == 0
    policy = FramePolicy(num_frames=16, size=48, crop=48, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    expected = preprocess(frames[1::2], policy)  # what evaluation feeds the model, from the same frames
    torch.testing.assert_close(torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255.0, expected)


def test_pretrain_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    seen: list[int] = []

    def source(seed: int) -> np.ndarray:
        seen.append(seed)
        return moving_squares(seed)

    runs = {}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        res = pretrain(small_config(seed=seed), tmp_path / name, source=source, progress=False)
        runs[name] = res
    assert min(seen) == CORPUS_SEED_OFFSET  # corpus seeds never collide with small benchmark seeds
    from safetensors.torch import load_file

    wa, wb, wc = (load_file(tmp_path / n / "model.safetensors") for n in "abc")
    assert runs["a"].losses == runs["b"].losses
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert any(not torch.equal(wa[k], wc[k]) for k in wa)
    assert runs["a"].losses != runs["c"].losses


def test_cli_writes_loadable_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import VideoMAEModel

    import bgs_hf.pretrain.train as train_mod
    from bgs_hf.cli.main import main

    monkeypatch.setattr(train_mod, "socialshapes_source", lambda: moving_squares)
    out = tmp_path / "tiny"
    rc = main(["pretrain-tiny", str(out), "--arch", "videomae", "--steps", "3", "--batch-size", "2", "--corpus-clips", "3",
               "--threads", "1", "--probe-clips", "0"])
    assert rc == 0
    log = json.loads((out / "training_log.json").read_text())
    assert log["steps"] == 3 and len(log["loss"]) == 3 and np.isfinite(log["final_loss"])
    assert (out / "loss_curve.png").stat().st_size > 0
    card = (out / "README.md").read_text()
    assert "Final loss" in card
    # the card's command makes THIS checkpoint (it said "the defaults are this recipe" for any flags)
    assert ("`bgs-hf pretrain-tiny OUT --arch videomae --steps 3 --batch-size 2 --corpus-clips 3 --threads 1 "
            "--probe-clips 0`") in card  # the card's probe table too (it left --probe-clips out); --steps 3 alone
    # shortens the warm-up to 1 (test_the_cards_reproduce_command_makes_the_same_config)
    assert main(["pretrain-tiny", str(out), "--arch", "videomae", "--steps", "3", "--probe-clips", "0"]) == 2
    model = VideoMAEModel.from_pretrained(out)
    assert model.config.architectures == ["VideoMAEModel"]
    pre = json.loads((out / "preprocessor_config.json").read_text())
    assert pre["num_frames"] == model.config.num_frames
    assert pre["crop_size"]["height"] == model.config.image_size
    x = torch.zeros(1, model.config.num_frames, 3, model.config.image_size, model.config.image_size)
    assert model(pixel_values=x).last_hidden_state.shape[-1] == model.config.hidden_size


def test_cli_rejects_bad_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bgs_hf.cli.main import main

    with pytest.raises(SystemExit) as info:  # argparse refuses it at parse time: usage + one error line
        main(["pretrain-tiny", str(tmp_path / "x"), "--steps", "0"])
    assert info.value.code == 2
    assert "--steps: must be >= 1" in capsys.readouterr().err


def test_probe_runs_on_a_stand_in_source(tmp_path: Path) -> None:
    from bgs_hf.pretrain.probe import run_probe

    pretrain(small_config(arch=TinyVideoMAEArch(
        hidden_size=24, num_hidden_layers=1, num_attention_heads=2, intermediate_size=48,
        decoder_hidden_size=16, decoder_num_hidden_layers=1, decoder_num_attention_heads=2,
        decoder_intermediate_size=32)), tmp_path, source=moving_squares, progress=False)

    def labelled(seed: int):
        frames = moving_squares(seed)
        return frames, {"bright": bool(frames[0, 0, 0].mean() > 127)}

    probe = run_probe(tmp_path, n_clips=30, source=labelled)
    assert set(probe["results"]) >= {"bgs-tiny-videomae (pretrained)", "pixels (mean frame)"}
    # brightness of the background is trivially decodable from the mean frame: the probe must see it
    assert probe["results"]["pixels (mean frame)"]["bright"][0] > 0.8


def test_committed_asset_loads_and_is_small() -> None:
    from transformers import VideoMAEModel

    weights = ASSET / "model.safetensors"
    assert weights.exists(), "run `bgs-hf pretrain-tiny` and copy the output to bgs_hf/assets/bgs-tiny-videomae"
    assert weights.stat().st_size <= 10 * 1024 * 1024
    model = VideoMAEModel.from_pretrained(ASSET)
    pre = json.loads((ASSET / "preprocessor_config.json").read_text())
    assert pre["num_frames"] == model.config.num_frames == 16
    assert pre["crop_size"] == {"height": 64, "width": 64} and model.config.image_size == 64
    log = json.loads((ASSET / "training_log.json").read_text())
    assert log["timing"]["total_s"] < 30 * 60
    assert (ASSET / "README.md").exists() and (ASSET / "loss_curve.png").exists()


def test_renderer_still_produces_the_committed_corpus() -> None:
    """If SocialShapes rendering changes, the committed weights no longer reproduce: retrain them."""
    from bgs_hf.pretrain.corpus import render_pool, socialshapes_source
    from bgs_hf.pretrain.train import corpus_fingerprint

    log = json.loads((ASSET / "training_log.json").read_text())
    cfg = PretrainConfig.from_dict(log["config"])
    seeds = [cfg.corpus_seed_offset + i for i in range(8)]
    pool = render_pool(seeds, cfg.arch, socialshapes_source())
    assert corpus_fingerprint(pool) == log["corpus"]["sha256_first8"]


def test_motion_target_is_zero_on_static_patches_and_pixel_target_matches_videomae() -> None:
    from bgs_hf.pretrain.corpus import to_pixel_values
    from bgs_hf.pretrain.train import (
        build_pretraining_model,
        decode_masked,
        masked_loss,
        reconstruction_targets,
    )

    cfg = small_config(arch=TinyVideoMAEArch(
        hidden_size=24, num_hidden_layers=1, num_attention_heads=2, intermediate_size=48,
        decoder_hidden_size=16, decoder_num_hidden_layers=1, decoder_num_attention_heads=2,
        decoder_intermediate_size=32))
    clip = moving_squares(3)  # one 8-px square moving on a flat background
    x = to_pixel_values(clip[None])
    pix, mot = reconstruction_targets(x, cfg.arch, "pixels+motion")
    assert pix.shape == mot.shape == (1, cfg.arch.seq_length, 2 * 16 * 16 * 3)
    moving = torch.from_numpy(np.abs(np.diff(clip.astype(int), axis=0)).sum((0, 3)) > 0)  # (H, W) ever changed
    per_patch = moving.reshape(4, 16, 4, 16).any(3).any(1).flatten()
    mot_active = mot.abs().reshape(8, 16, -1).amax((0, 2)) > 0
    assert per_patch.any() and torch.equal(mot_active, per_patch)
    mask = tube_mask(1, cfg.arch, 0.75, np.random.default_rng(0))
    model = build_pretraining_model(cfg)
    ref = model(pixel_values=x, bool_masked_pos=mask)
    assert torch.allclose(decode_masked(model, x, mask), ref.logits)
    own = torch.nn.functional.mse_loss(ref.logits, pix[mask].reshape(1, -1, pix.shape[-1]))
    assert torch.allclose(own, ref.loss) and torch.allclose(masked_loss(model, x, mask, cfg), ref.loss)
    for target in ("motion", "pixels+motion"):
        cfg.target = target
        assert torch.isfinite(masked_loss(build_pretraining_model(cfg), x, mask, cfg))
    with pytest.raises(ValueError):
        PretrainConfig(target="optical-flow")


@pytest.mark.parametrize("arch, setting, match", [
    ("videomae", "mask_ratio=1.0", "mask_ratio"), ("videomae", "arch.patch_size=24", "patch_size"),
    ("videomae", "lr=nan", "lr must be"), ("conv3d-fg", "arch.widths=16,32", "one entry per block"),
    ("conv3d", "lr=-1", "lr must be"), ("conv3d", "arch.num_frames=9", "num_frames 9 must be a multiple"),
])
def test_settings_a_recipe_cannot_run_are_one_line_before_the_corpus(tmp_path, monkeypatch, capsys, arch, setting,
                                                                      match) -> None:
    """They were tracebacks at step 0, after minutes of rendering 3,000 clips (9 frames for the conv3d recipe, whose
    2 output time steps cannot split them evenly, still was)."""
    import bgs_hf.pretrain.corpus as corpus
    from bgs_hf.cli.main import main

    monkeypatch.setattr(corpus, "render_pool", lambda *a, **k: pytest.fail("rendered the corpus first"))
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--arch", arch, "--set", setting]) == 2
    assert match in capsys.readouterr().err


def test_an_interrupted_pretraining_leaves_no_half_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights without a card stayed in OUT after Ctrl-C (or a failing probe), and the retry was refused."""
    import bgs_hf.pretrain.card as card_mod
    import bgs_hf.pretrain.train as train_mod
    from bgs_hf.cli.main import main

    monkeypatch.setattr(train_mod, "socialshapes_source", lambda: moving_squares)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(card_mod, "write_model_card", interrupted)
    argv = ["pretrain-tiny", str(tmp_path / "out"), "--arch", "videomae", "--steps", "2", "--batch-size", "2",
            "--corpus-clips", "3", "--threads", "1", "--probe-clips", "0"]
    assert main(argv) == 130
    assert list(tmp_path.iterdir()) == []


def test_corpus_clips_are_no_benchmark_scene_whatever_the_benchmark_seed():
    """The cards said benchmarks use "small integer seeds", but `synth --seed` takes any: the real reason is that a
    benchmark draws its scenes from child streams spawned from its seed, never from `default_rng(seed)` itself."""
    from bgs_hf.pretrain.card import CORPUS_DISJOINT_NOTE
    from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET
    from bgs_hf.pretrain.corpus import render_socialshapes
    from bgs_hf.synth.generate import build_tables
    from bgs_hf.synth.scene import SynthConfig

    seed = CORPUS_SEED_OFFSET + 3  # a corpus seed given to `synth --seed`
    _, corpus_scene = render_socialshapes(seed, SynthConfig(num_frames=2, size=16))
    scenes, _ = build_tables(10, seed, SynthConfig(num_frames=2, size=16))
    assert all(s != corpus_scene for s in scenes)
    assert "small integer" not in CORPUS_DISJOINT_NOTE and "spawn" in CORPUS_DISJOINT_NOTE


@pytest.mark.parametrize("setting, match", [
    ("arch=5", "'arch' is a group of settings"),  # was: accepted, then "widths [5] ... one entry per block"
    ("foreground=1", "'foreground' is a group of settings"),  # was: a TypeError traceback in __post_init__
    ("steps.real=3", "KEY a field of the pretraining config"),  # was: an AttributeError traceback (int.real)
    ("__post_init__=1", "KEY a field of the pretraining config"),  # was: a TypeError traceback (a method)
])
def test_set_refuses_a_key_that_is_no_single_setting(setting: str, match: str) -> None:
    from bgs_hf.cli.pretrain_tiny import apply_overrides, recipes
    from bgs_hf.errors import BGSInputError

    cfg = recipes()["conv3d-fg"][0]()
    with pytest.raises(BGSInputError, match=match) as err:
        apply_overrides(cfg, [setting])
    assert f"--set {setting!r}" in str(err.value) and "\n" not in str(err.value)


def test_set_casts_to_the_declared_type_of_a_field_whose_default_is_none() -> None:
    """``type(None)(value)`` was an uncaught TypeError; a bool typo silently read as False."""
    from dataclasses import dataclass

    from bgs_hf.cli.pretrain_tiny import apply_overrides
    from bgs_hf.errors import BGSInputError

    @dataclass
    class Inner:
        size: int | None = None

    @dataclass
    class Config:
        limit: int | None = None
        name: str | None = None
        flag: bool = True
        inner: Inner | None = None

    cfg = Config(inner=Inner())
    apply_overrides(cfg, ["limit=7", "name=abc", "inner.size=3", "flag=no"])
    assert (cfg.limit, cfg.name, cfg.inner.size, cfg.flag) == (7, "abc", 3, False)
    apply_overrides(cfg, ["limit=none", "flag=TRUE"])
    assert cfg.limit is None and cfg.flag is True
    for bad, match in (("limit=x", "invalid literal"), ("flag=ture", "true or false")):
        with pytest.raises(BGSInputError, match=match):
            apply_overrides(cfg, [bad])
    assert cfg.limit is None and cfg.flag is True  # a refused value leaves the field as it was


def test_set_group_refusal_is_one_line_before_the_corpus(tmp_path, monkeypatch, capsys) -> None:
    import bgs_hf.pretrain.corpus as corpus
    from bgs_hf.cli.main import main

    monkeypatch.setattr(corpus, "render_pool", lambda *a, **k: pytest.fail("rendered the corpus first"))
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--set", "arch=5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--set 'arch=5'" in err[0] and "arch.widths" in err[0]


@pytest.mark.parametrize("arch", ["conv3d-fg", "conv3d", "videomae"])
@pytest.mark.parametrize("flags", [["--set", "steps=100"], ["--steps", "100", "--set", "warmup_steps=50"],
                                   ["--steps", "100"], ["--set", "warmup_steps=5"], ["--steps", "7", "--seed", "3"]])
def test_the_cards_reproduce_command_makes_the_same_config(arch: str, flags: list[str]) -> None:
    """``--steps N`` shortens the warm-up to N // 10; the card's command compared the run's warm-up with the
    unshortened default, so ``--set steps=100`` (warm-up kept) was reproduced as ``--steps 100`` (warm-up 10)."""
    import shlex
    from dataclasses import asdict

    from bgs_hf.cli.main import build_parser
    from bgs_hf.cli.pretrain_tiny import configure, recipes, reproduce_command

    parser = build_parser()
    cfg = configure(parser.parse_args(["pretrain-tiny", "OUT", "--arch", arch, *flags]))
    command = reproduce_command(arch, cfg, recipes()[arch][0]())
    assert command is not None
    again = configure(parser.parse_args(shlex.split(command.strip("`"))[1:]))
    assert asdict(again) == asdict(cfg), command


def test_a_probe_on_the_corpus_clips_is_refused_before_the_corpus(tmp_path, monkeypatch, capsys) -> None:
    """``--set corpus_seed_offset=2000000`` put the corpus on the probe's seeds while the card said the probe's
    clips were disjoint from the corpus."""
    import bgs_hf.pretrain.corpus as corpus
    from bgs_hf.cli.main import main

    monkeypatch.setattr(corpus, "render_pool", lambda *a, **k: pytest.fail("rendered the corpus first"))
    argv = ["pretrain-tiny", str(tmp_path / "o"), "--corpus-clips", "40", "--probe-clips", "40",
            "--set", "corpus_seed_offset=1999990"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "corpus seeds 1999990-2000029 overlap the probe's 2000000-2000039" in err and err.count("\n") == 1, err
    from bgs_hf.pretrain.config import check_probe_seeds

    check_probe_seeds(1999960, 40, 40)  # corpus 1999960-1999999: just clear of the probe
    check_probe_seeds(2000040, 10, 40)
    for offset in (2000039, 1999961):  # one shared seed either end: the probe's last, the probe's first
        with pytest.raises(ValueError, match="overlap"):
            check_probe_seeds(offset, 10 if offset > 2000000 else 40, 40)


def test_norm_pix_loss_off_is_refused_where_no_pixel_target_would_honour_it(tmp_path, monkeypatch, capsys) -> None:
    """The motion targets always normalise per patch: ``target=pixels+motion`` gave the same loss with
    ``norm_pix_loss`` on or off, while the card printed ``norm_pix_loss=False`` beside the objective."""
    from bgs_hf.pretrain import PretrainConfig

    with pytest.raises(ValueError, match="norm_pix_loss=False needs target='pixels'"):
        PretrainConfig(target="pixels+motion", arch=TinyVideoMAEArch(norm_pix_loss=False))
    PretrainConfig(target="pixels", arch=TinyVideoMAEArch(norm_pix_loss=False))


def flips_seen(clips: np.ndarray, flipped: np.ndarray) -> set[tuple[bool, bool]]:
    """Which (horizontal, vertical) flip made each of ``flipped`` (N, T, H, W, ...) from ``clips``; fails on any
    that none of the four makes."""
    seen = set()
    for clip, out in zip(clips, flipped):
        matches = [(h, v) for h in (False, True) for v in (False, True)
                   if np.array_equal(out, clip[:, ::-1 if v else 1, ::-1 if h else 1])]
        assert len(matches) == 1, "no flip (or more than one) makes this clip"
        seen.add(matches[0])
    return seen


def test_sample_batch_flips_clips_horizontally_and_vertically() -> None:
    """Every drawn clip is its pool clip under one of the four flips, and all four occur (two horizontal flips
    instead of a horizontal and a vertical one passed every test)."""
    from bgs_hf.pretrain.corpus import sample_batch

    pool = np.random.default_rng(0).integers(0, 256, (1, 2, 4, 4, 3), dtype=np.uint8)
    batch = sample_batch(pool, 64, np.random.default_rng(1))
    assert flips_seen(np.repeat(pool, 64, axis=0), batch) == {(h, v) for h in (False, True) for v in (False, True)}

def test_lr_schedule_warms_up_linearly_then_decays_by_cosine_to_min_lr_by_hand() -> None:
    from bgs_hf.pretrain.config import PretrainSchedule
    from bgs_hf.pretrain.train import lr_at

    cfg = PretrainSchedule(steps=12, warmup_steps=4, lr=1e-3, min_lr=1e-5)
    assert [lr_at(s, cfg) for s in range(4)] == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3])  # never 0 at step 0
    assert lr_at(4, cfg) == pytest.approx(1e-3)  # decay starts at the peak
    assert lr_at(8, cfg) == pytest.approx((1e-3 + 1e-5) / 2)  # half way: cos(pi / 2) = 0
    assert lr_at(12, cfg) == pytest.approx(1e-5)
    with pytest.raises(ValueError, match="warmup_steps must be >= 0"):  # -1 skipped the warm-up, shifted by a step
        PretrainSchedule(warmup_steps=-1)


def test_optimise_sets_each_steps_lr_clips_the_gradient_and_draws_from_the_seeded_generator() -> None:
    """One parameter p (2,), loss p·(30, 40): the gradient's norm is 50, clipped to 1, so SGD moves p by
    -lr_t·(0.6, 0.8) per step; lrs 0.05, 0.1, 0.1 (warm-up 2, then the peak) leave p = -0.25·(0.6, 0.8) and the
    losses are 0, -2.5, -7.5 (a step without clipping, an lr one step ahead, zero_grad after backward or a
    generator not seeded from cfg.seed passed every test)."""
    from bgs_hf.pretrain.config import PretrainSchedule
    from bgs_hf.pretrain.train import optimise

    cfg = PretrainSchedule(steps=3, warmup_steps=2, lr=0.1, min_lr=0.0, grad_clip=1.0, seed=5)
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    lrs, draws = [], []

    def batch_loss(rng: np.random.Generator) -> torch.Tensor:
        lrs.append(opt.param_groups[0]["lr"])
        draws.append(rng.random())
        return (p * torch.tensor([30.0, 40.0])).sum()

    losses, _ = optimise(cfg, opt, [p], batch_loss, desc="test", progress=False)
    assert lrs == pytest.approx([0.05, 0.1, 0.1])
    assert losses == pytest.approx([0.0, -2.5, -7.5])
    assert p.detach().tolist() == pytest.approx([-0.15, -0.2])
    assert draws == np.random.default_rng(5).random(3).tolist()


def test_final_loss_is_the_mean_of_the_last_twentieth_of_the_steps() -> None:
    from bgs_hf.pretrain.train import PretrainResult

    assert PretrainResult(Path("."), [float(i) for i in range(40)], 0.0, 0.0).final_loss == 38.5  # (38 + 39) / 2
    assert PretrainResult(Path("."), [3.0, 1.0], 0.0, 0.0).final_loss == 1.0  # at least the last step

def test_cv_r2_and_cv_accuracy_score_held_out_folds_as_a_hand_written_loop_does() -> None:
    """The probe's statistics against an explicit loop over the same folds: fit scaler + model on the training
    rows, score the held-out rows; R² of a vector target variance-weighted (fitting on all rows, an unweighted
    R² or a logistic regression without the scaler passed every test)."""
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from bgs_hf.pretrain.probe import cv_accuracy, cv_r2

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8)) * np.array([1e-3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1e3])  # scales a scaler evens out
    y = np.stack([x[:, 0] * 1e3 + rng.normal(size=60), 5 * rng.normal(size=60)], axis=1)  # one column noise
    labels = (x[:, 0] > 0).astype(int)
    r2s, accs = [], []
    for train, test in KFold(5, shuffle=True, random_state=3).split(x):
        reg = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 4, 11))).fit(x[train], y[train])
        r2s.append(r2_score(y[test], reg.predict(x[test]), multioutput="variance_weighted"))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=3).split(x, labels):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(x[train], labels[train])
        accs.append(accuracy_score(labels[test], clf.predict(x[test])))
    assert cv_r2(x, y, seed=3) == pytest.approx((np.mean(r2s), np.std(r2s)))
    assert cv_accuracy(x, labels, seed=3) == pytest.approx((np.mean(accs), np.std(accs)))
    assert cv_r2(rng.normal(size=(60, 30)), y[:, 1], seed=3)[0] < 0.05  # noise features: nothing held out


def test_pixel_features_by_hand() -> None:
    """Three frames of flat grey 0, 51, 0: the mean frame is 17/255 everywhere and the mean absolute frame
    difference 0.2 (a signed difference would average to 0)."""
    from bgs_hf.pretrain.probe import pixel_features

    clips = np.zeros((1, 3, 16, 16, 3), dtype=np.uint8)
    clips[0, 1] = 51
    feats = pixel_features(clips)
    assert feats["pixels (all frames, 8 px)"].shape == (1, 3 * 3 * 8 * 8)
    np.testing.assert_allclose(feats["pixels (mean frame)"], 17 / 255, rtol=1e-6)
    np.testing.assert_allclose(feats["frame differences"], 0.2, rtol=1e-6)


def test_encoder_features_are_the_pooled_tokens() -> None:
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel
    from bgs_hf.pretrain.corpus import to_pixel_values
    from bgs_hf.pretrain.probe import encoder_features

    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(widths=[4, 6], temporal_strides=[1, 2], num_frames=4, image_size=16))
    clips = np.random.default_rng(0).integers(0, 256, (3, 4, 16, 16, 3), dtype=np.uint8)
    with torch.no_grad():
        pooled = model(pixel_values=to_pixel_values(clips)).pooler_output.numpy()
    np.testing.assert_allclose(encoder_features(model, clips, batch_size=2), pooled, rtol=1e-6)


def test_the_social_space_label_is_the_observers_space_before_its_centring(tmp_path) -> None:
    """Centred and scaled as `social_space` does, the probe's coordinates of 12 clips are exactly the observers'
    social space of those clips (params halved, the one-hot type scaled by type_weight / √2)."""
    from bgs_hf import synth
    from bgs_hf.pretrain.probe import social_coordinates
    from bgs_hf.synth.latents import SOCIAL_ATTRS, latent_attributes, social_space
    from bgs_hf.synth.scene import INTERACTIONS, trajectories

    cfg = synth.SynthConfig()
    seeds = range(2_000_000, 2_000_012)
    scenes = [synth.sample_scene(np.random.default_rng(s), cfg) for s in seeds]
    coords = np.stack([social_coordinates(sc, s) for sc, s in zip(scenes, seeds)])
    lat = [latent_attributes(sc, *trajectories(sc, cfg), np.random.default_rng(s)) for sc, s in zip(scenes, seeds)]
    reference = social_space(np.array([[d[k] for k in SOCIAL_ATTRS] for d in lat]),
                             np.array([INTERACTIONS.index(sc.interaction) for sc in scenes]),
                             np.array([[sc.energy, sc.closeness, sc.facing] for sc in scenes]),
                             type_weight=cfg.type_weight)
    centred = coords - coords.mean(0)
    np.testing.assert_allclose(centred / np.sqrt(2 * (centred ** 2).sum(1).mean()), reference, atol=1e-12)

def test_run_probe_scores_its_own_seeds_against_a_fresh_random_encoder_and_a_majority_chance(tmp_path, monkeypatch):
    """Clips come from ``seed_offset + i`` (reported as that range), chance is the majority label's share (here
    20 of 30 clips, 0.667) and the control is a randomly initialised encoder of the same architecture, not the
    pretrained one (each of these mutated passed the stand-in probe test)."""
    import bgs_hf.pretrain.probe as probe_mod
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    torch.manual_seed(1)  # not the control's seed (0)
    trained = BGSConv3dModel(BGSConv3dConfig(widths=[4, 6], temporal_strides=[1, 2], num_frames=4,
                                             image_size=16))
    trained.save_pretrained(tmp_path)
    seen: list[int] = []
    encoders: list[torch.nn.Module] = []
    features = probe_mod.encoder_features

    def recording_features(encoder, clips, batch_size=32):
        encoders.append(encoder)
        return features(encoder, clips, batch_size)

    def labelled(seed: int):
        seen.append(seed)
        return moving_squares(seed, t=4, size=32), {"kind": "a" if seed % 3 else "b", "level": float(seed % 7)}

    monkeypatch.setattr(probe_mod, "encoder_features", recording_features)
    result = probe_mod.run_probe(tmp_path, n_clips=30, seed_offset=500, source=labelled, name="tiny")
    assert seen == list(range(500, 530)) and result["seeds"] == "500 .. 529" and result["n_clips"] == 30
    assert result["chance"] == {"kind": pytest.approx(20 / 30)}  # 500..529: 20 seeds not divisible by 3
    pretrained, control = encoders
    assert type(control) is type(pretrained) and control is not pretrained
    assert all(torch.equal(a, b) for a, b in zip(pretrained.parameters(), trained.parameters()))
    assert not any(torch.equal(a, b) for a, b in zip(pretrained.parameters(), control.parameters()) if a.ndim > 1)
    assert set(result["results"]) == {"tiny (pretrained)", "same architecture, random init",
                                      "pixels (all frames, 8 px)", "pixels (mean frame)", "frame differences"}
    assert all(set(r) == {"kind", "level"} for r in result["results"].values())

def test_motion_target_repeats_the_last_difference_and_pixels_plus_motion_weighs_it() -> None:
    """Flat frames of grey 0, 0.1, 0.3, 0.6: forward differences 0.1, 0.2, 0.3 and the last one repeated, so the
    second tubelet (0.3, 0.3) is constant and its per-patch normalised target exactly 0, the first (0.1, 0.2)
    not (repeating the first difference passed every test). The two-target loss is the pixel MSE plus
    motion_weight times the motion MSE, each on its own half of the head (weights swapped passed)."""
    from bgs_hf.pretrain.corpus import to_pixel_values
    from bgs_hf.pretrain.train import (
        build_pretraining_model,
        decode_masked,
        masked_loss,
        reconstruction_targets,
    )
    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

    cfg = small_config(target="pixels+motion", motion_weight=3.0)
    grey = torch.tensor([0.0, 0.1, 0.3, 0.6]).view(1, 4, 1, 1, 1).expand(1, 4, 3, 16, 16)
    x = (grey - torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1)
    pix, mot = reconstruction_targets(x, cfg.arch, "pixels+motion")
    assert mot[0, 4:].abs().max() < 1e-4 and mot[0, :4].abs().min() > 0.5  # tokens 4-7: the second tubelet
    x = to_pixel_values(np.random.default_rng(0).integers(0, 256, (1, 4, 16, 16, 3), dtype=np.uint8))
    pix, mot = reconstruction_targets(x, cfg.arch, "pixels+motion")
    mask = tube_mask(1, cfg.arch, cfg.mask_ratio, np.random.default_rng(0))
    model = build_pretraining_model(cfg)
    logits, d = decode_masked(model, x, mask), pix.shape[-1]
    mse = torch.nn.functional.mse_loss
    expected = (mse(logits[..., :d], pix[mask].reshape(1, -1, d))
                + 3.0 * mse(logits[..., d:], mot[mask].reshape(1, -1, d)))
    assert torch.allclose(masked_loss(model, x, mask, cfg), expected)


@pytest.mark.parametrize("arch, asset", [("conv3d-fg", "bgs-tiny-conv3d-fg"), ("conv3d", "bgs-tiny-conv3d"),
                                         ("videomae", "bgs-tiny-videomae")])
def test_the_defaults_are_the_recipe_of_the_committed_weights(arch: str, asset: str) -> None:
    """`bgs-hf pretrain-tiny OUT --arch A` promises the bundled weights' recipe: every setting of the committed log
    is the config's default (a changed temperature, future share or corpus seed offset passed every pretraining
    test). The videomae log predates `target` and `motion_weight`: their defaults are the pixel target it used."""
    from dataclasses import asdict

    from bgs_hf.cli.pretrain_tiny import recipes

    logged = json.loads((ASSET.parent / asset / "training_log.json").read_text())["config"]
    defaults = asdict(recipes()[arch][0]())
    assert {k: defaults[k] for k in logged} == logged
    assert {k: v for k, v in defaults.items() if k not in logged} == (
        {"target": "pixels", "motion_weight": 1.0} if arch == "videomae" else {})
