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
    ("conv3d", "lr=-1", "lr must be"),
])
def test_settings_a_recipe_cannot_run_are_one_line_before_the_corpus(tmp_path, monkeypatch, capsys, arch, setting,
                                                                      match) -> None:
    """They were tracebacks at step 0, after minutes of rendering 3,000 clips."""
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
    with pytest.raises(ValueError, match="overlap"):
        check_probe_seeds(2000039, 10, 40)


def test_norm_pix_loss_off_is_refused_where_no_pixel_target_would_honour_it(tmp_path, monkeypatch, capsys) -> None:
    """The motion targets always normalise per patch: ``target=pixels+motion`` gave the same loss with
    ``norm_pix_loss`` on or off, while the card printed ``norm_pix_loss=False`` beside the objective."""
    from bgs_hf.pretrain import PretrainConfig

    with pytest.raises(ValueError, match="norm_pix_loss=False needs target='pixels'"):
        PretrainConfig(target="pixels+motion", arch=TinyVideoMAEArch(norm_pix_loss=False))
    PretrainConfig(target="pixels", arch=TinyVideoMAEArch(norm_pix_loss=False))
