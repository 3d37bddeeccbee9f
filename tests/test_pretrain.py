"""bgs-tiny-videomae pretraining: CLI, determinism, masking, probe, and the committed asset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bgs_hf.errors import BGSDivergedError
from bgs_hf.pretrain import CORPUS_SEED_OFFSET, PretrainConfig, TinyVideoMAEArch, pretrain
from bgs_hf.pretrain.corpus import fit_frames, tube_mask
from bgs_hf.pretrain.train import build_pretraining_model, decode_masked, masked_loss, reconstruction_targets

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


def refuse_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that renders a corpus: each recipe's module holds its own name for `render_pool` (patching
    `bgs_hf.pretrain.corpus.render_pool` alone guarded none of them, and a setting accepted by mistake then rendered
    3,000 full-size clips)."""
    import importlib

    for name in ("train", "conv3d", "contrastive"):
        monkeypatch.setattr(importlib.import_module(f"bgs_hf.pretrain.{name}"), "render_pool",
                            lambda *a, **k: pytest.fail("rendered the corpus first"))


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
    ("videomae", "arch.num_attention_heads=5", "num_attention_heads 5 must divide hidden_size 192"),
    ("videomae", "arch.decoder_num_attention_heads=0", "decoder_num_attention_heads 0 must divide"),
])
def test_settings_a_recipe_cannot_run_are_one_line_before_the_corpus(tmp_path, monkeypatch, capsys, arch, setting,
                                                                      match) -> None:
    """They were tracebacks at step 0, after minutes of rendering 3,000 clips (9 frames for the conv3d recipe, whose
    2 output time steps cannot split them evenly, still was; so were ViT heads that do not split its width)."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
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
    ("arhc.widths=8", "KEY a field of the pretraining config"),  # mutation audit: a misspelt group, no AttributeError
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
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
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


@pytest.mark.parametrize("arch", ["conv3d", "videomae"])
def test_a_batch_of_one_set_by_set_is_reproduced_by_a_command_the_parser_takes(arch: str) -> None:
    """``--set batch_size=1`` runs the ViT and masked-foreground recipes, but ``--batch-size`` takes 2 or more: the
    card's command said ``--batch-size 1``, which argparse refused (exit 2); it says ``--set batch_size=1`` now."""
    import shlex
    from dataclasses import asdict

    from bgs_hf.cli.main import build_parser
    from bgs_hf.cli.pretrain_tiny import configure, recipes, reproduce_command

    parser = build_parser()
    cfg = configure(parser.parse_args(["pretrain-tiny", "OUT", "--arch", arch, "--set", "batch_size=1"]))
    command = reproduce_command(arch, cfg, recipes()[arch][0]())
    assert command == f"`bgs-hf pretrain-tiny OUT --arch {arch} --set batch_size=1`"
    again = configure(parser.parse_args(shlex.split(command.strip("`"))[1:]))
    assert asdict(again) == asdict(cfg) and again.batch_size == 1
    assert reproduce_command(arch, configure(parser.parse_args(["pretrain-tiny", "OUT", "--arch", arch,
                                                                "--batch-size", "2"])),
                             recipes()[arch][0]()) == f"`bgs-hf pretrain-tiny OUT --arch {arch} --batch-size 2`"


def test_a_probe_on_the_corpus_clips_is_refused_before_the_corpus(tmp_path, monkeypatch, capsys) -> None:
    """``--set corpus_seed_offset=2000000`` put the corpus on the probe's seeds while the card said the probe's
    clips were disjoint from the corpus."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
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


@pytest.mark.parametrize(("flags", "named", "corpus", "probe"), [
    (["--corpus-clips", "1000001"], "--corpus-clips 1000001, --probe-clips 400", "1000000-2000000", "2000000-2000399"),
    (["--corpus_clips", "1000001", "--probe-clips", "40"], "--corpus_clips 1000001, --probe-clips 40",
     "1000000-2000000", "2000000-2000039"),
    (["--corpus-clips", "50", "--set", "corpus_seed_offset=1999990", "--set", "corpus_clips=40", "--probe-clips", "40"],
     "--set corpus_seed_offset=1999990, --set corpus_clips=40, --probe-clips 40", "1999990-2000029", "2000000-2000039"),
    # mutation audit: the first of two --set of one key was named, the config taking the last
    (["--set", "corpus_clips=40", "--set", "corpus_clips=1000001"], "--set corpus_clips=1000001, --probe-clips 400",
     "1000000-2000000", "2000000-2000399"),
    # mutation audit (fourth pass): a field set by no flag was named by its own flag, `--corpus-clips None`
    (["--set", "corpus_seed_offset=1999990", "--probe-clips", "40"], "--set corpus_seed_offset=1999990, --probe-clips 40",
     "1999990-2002989", "2000000-2000039"),
])
def test_a_probe_overlap_names_the_flags_that_placed_the_corpus_and_the_probe(
    tmp_path, monkeypatch, capsys, flags, named, corpus, probe
) -> None:
    """``--corpus-clips 1000001`` alone (corpus seeds 10**6 .. 2*10**6, the probe's first seed its last) was refused
    as ``--set: corpus seeds ...``, blaming a flag nobody typed. The line names the flags that set the corpus and the
    probe, as typed (a ``--set`` of a field wins over its own flag, as in the config)."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "o"), *flags]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {named}: corpus seeds {corpus} overlap the probe's {probe}: the corpus must end before "
                   f"seed 2000000 or start after {probe.split('-')[1]}\n"), err


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


def test_a_batch_larger_than_the_corpus_is_refused_before_the_corpus(tmp_path, monkeypatch, capsys) -> None:
    """``pretrain-tiny OUT --batch-size 100000`` rendered the 3,000-clip corpus, then ended in torch's out-of-memory
    traceback; a step draws its batch from the corpus, so a batch larger than it only repeats clips."""
    from bgs_hf.cli.main import build_parser, main
    from bgs_hf.cli.pretrain_tiny import configure

    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--batch-size", "100000"]) == 2
    err = capsys.readouterr().err
    assert err == ("error: --batch-size 100000 is more clips than the corpus holds (--corpus-clips 3000): each step "
                   "draws its batch from the corpus, so give at most 3000\n")
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--corpus-clips", "40", "--set", "batch_size=41"]) == 2
    assert not tmp_path.joinpath("o").exists()
    assert capsys.readouterr().err == ("error: --set batch_size=41 is more clips than the corpus holds (--corpus-clips "
                                       "40): each step draws its batch from the corpus, so give at most 40\n")
    cfg = configure(build_parser().parse_args(["pretrain-tiny", "OUT", "--batch-size", "40", "--corpus-clips", "40"]))
    assert (cfg.batch_size, cfg.corpus_clips) == (40, 40)  # the whole corpus is a batch


def test_a_batch_larger_than_the_corpus_names_each_value_the_way_it_was_given(tmp_path, monkeypatch, capsys) -> None:
    """A batch size or corpus size given by ``--set`` was named as ``--batch-size`` / ``--corpus-clips``, flags the
    user never typed; a value left at its default is named by its own flag, the way to change it."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
    cases = {("--batch-size", "50", "--set", "corpus_clips=40"): ("--batch-size 50", "--set corpus_clips=40"),
             ("--set", "batch_size=64", "--set", "corpus_clips=40"): ("--set batch_size=64", "--set corpus_clips=40"),
             ("--set", "corpus_clips=20"): ("--batch-size 32", "--set corpus_clips=20"),
             ("--corpus-clips", "20"): ("--batch-size 32", "--corpus-clips 20"),
             ("--set", "batch_size=64", "--corpus-clips", "40", "--set", "batch_size=50"):
                 ("--set batch_size=50", "--corpus-clips 40")}
    for argv, (batch, corpus) in cases.items():
        assert main(["pretrain-tiny", str(tmp_path / "o"), "--probe-clips", "0", *argv]) == 2
        most = corpus.rpartition("=")[2].rpartition(" ")[2]
        assert capsys.readouterr().err == (f"error: {batch} is more clips than the corpus holds ({corpus}): each step "
                                           f"draws its batch from the corpus, so give at most {most}\n"), argv
    assert not tmp_path.joinpath("o").exists()


@pytest.mark.parametrize("error", [
    RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you "
                 "tried to allocate 1966080000000 bytes. Error code 12 (Cannot allocate memory)"),
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
    MemoryError("Unable to allocate 18.3 GiB for an array with shape (100000, 16, 64, 64, 3) and data type uint8"),
])
def test_a_step_that_runs_out_of_memory_names_the_batch_size_and_a_smaller_one(error, tmp_path, monkeypatch,
                                                                               capsys) -> None:
    """A batch within the corpus can still be too large for the machine: torch's allocator error was a page of
    traceback; now one line naming --batch-size with half of it, and nothing left in OUT."""
    import bgs_hf.pretrain.train as train_mod
    from bgs_hf.cli.main import main
    from bgs_hf.errors import BGSSettingError
    from bgs_hf.pretrain.config import PretrainSchedule
    from bgs_hf.pretrain.train import optimise

    def out_of_memory(*args, **kwargs):
        raise error

    monkeypatch.setattr(train_mod, "socialshapes_source", lambda: moving_squares)
    monkeypatch.setattr(train_mod, "masked_loss", out_of_memory)
    out = tmp_path / "tiny"
    argv = ["pretrain-tiny", str(out), "--arch", "videomae", "--steps", "2", "--batch-size", "4", "--corpus-clips",
            "4", "--threads", "1", "--probe-clips", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err  # below the render and step bars
    assert err.splitlines()[-1] == ("error: out of memory in pretraining step 1 with --batch-size 4: give a smaller "
                                    "--batch-size (e.g. 2)")
    assert err.count("error:") == 1 and "Traceback" not in err
    assert not out.exists()
    p = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(BGSSettingError) as info:  # in Python: the config's field, as a smaller value of it
        optimise(PretrainSchedule(steps=1, batch_size=3), torch.optim.SGD([p], lr=1.0), [p], out_of_memory,
                 desc="test", progress=False)
    assert str(info.value) == "out of memory in pretraining step 1 with batch_size 3: give a smaller batch_size"
    assert info.value.__cause__ is error


@pytest.mark.parametrize("error", [RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"),
                                   ValueError("out of memory"), BGSDivergedError("loss became nan: out of memory")])
def test_a_step_failing_for_another_reason_than_memory_raises_its_own_error(error) -> None:
    """Only a failed allocation is a setting too large; any other error of a step reaches the caller as it was."""
    from bgs_hf.pretrain.config import PretrainSchedule
    from bgs_hf.pretrain.train import optimise

    def failing(rng):
        raise error

    p = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(type(error)) as info:
        optimise(PretrainSchedule(steps=1), torch.optim.SGD([p], lr=1.0), [p], failing, desc="test", progress=False)
    assert info.value is error


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


def test_a_probe_label_that_never_varies_is_one_line_not_an_r2_of_one() -> None:
    """A target equal on every clip has no R² (0 / 0), yet scikit-learn scored each fold 1.0, so the card would
    have read a perfect probe for every feature set; a label of one class failed all 5 fits in a page-long
    scikit-learn message."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.pretrain.probe import cv_accuracy, cv_r2

    x = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(BGSInputError, match="target: all 20 clips have the same value"):
        cv_r2(x, np.full(20, 0.3))
    with pytest.raises(BGSInputError, match="target: all 20 clips have the same value"):
        cv_r2(x, np.ones((20, 2)))
    with pytest.raises(BGSInputError, match="labels: every one of the 20 clips is 'a'"):
        cv_accuracy(x, np.array(["a"] * 20))
    target = np.stack([x[:, 0], np.ones(20)], axis=1)  # one constant column: variance-weighted, it weighs 0
    assert cv_r2(x, target, seed=1) == pytest.approx(cv_r2(x, x[:, 0], seed=1))


def test_a_diverged_encoders_probe_row_is_nan_and_the_other_rows_are_scored(tmp_path) -> None:
    """`pretrain-tiny --set lr=1e4` diverges to NaN weights; the probe then failed in scikit-learn ("All the 5 fits
    failed") after training, and the whole run folder was removed with it. Now that row is NaN (and the card
    shows it beside its NaN final loss) while the random-init control and the pixel rows are scored."""
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel
    from bgs_hf.pretrain.probe import run_probe

    diverged = BGSConv3dModel(BGSConv3dConfig(widths=[4, 6], temporal_strides=[1, 2], num_frames=4, image_size=16))
    with torch.no_grad():
        for p in diverged.parameters():
            p.fill_(float("nan"))
    diverged.save_pretrained(tmp_path)

    def labelled(seed: int):
        return moving_squares(seed, t=4, size=32), {"kind": "a" if seed % 3 else "b", "level": float(seed % 7)}

    results = run_probe(tmp_path, n_clips=30, source=labelled, name="tiny")["results"]
    assert np.isnan(results["tiny (pretrained)"]["kind"]).all() and np.isnan(results["tiny (pretrained)"]["level"]).all()
    others = [v for row, scores in results.items() if row != "tiny (pretrained)" for v in scores.values()]
    assert len(others) == 8 and np.isfinite(others).all()


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


def _grey_ramp_pixel_values() -> torch.Tensor:
    """One 4-frame 16 px clip of flat greys 0, 0.1, 0.3, 0.6, ImageNet-normalised as the corpus feeds it."""
    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

    grey = torch.tensor([0.0, 0.1, 0.3, 0.6]).view(1, 4, 1, 1, 1).expand(1, 4, 3, 16, 16)
    return (grey - torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1)


def test_motion_target_repeats_the_last_difference_and_pixels_plus_motion_weighs_it() -> None:
    """Flat frames of grey 0, 0.1, 0.3, 0.6: forward differences 0.1, 0.2, 0.3 and the last one repeated, so the
    second tubelet (0.3, 0.3) is constant and its per-patch normalised target exactly 0, the first (0.1, 0.2)
    not (repeating the first difference passed every test). The two-target loss is the pixel MSE plus
    motion_weight times the motion MSE, each on its own half of the head (weights swapped passed)."""
    from bgs_hf.pretrain.corpus import to_pixel_values
    cfg = small_config(target="pixels+motion", motion_weight=3.0)
    x = _grey_ramp_pixel_values()
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


# --- mutation audit (pretrain), second pass: config checks, frame and mask draws, the ViT's optimiser, its card ---


def test_the_schedule_and_the_videomae_config_refuse_what_cannot_run_and_count_tokens_by_hand() -> None:
    """lr 0 and 0 steps are refused, a warm-up of 0 is not (its first lr is the peak); a mask ratio of 0.01 hides
    round(0.16) = 0 of 16 patches and 15 frames do not split into tubelets of 2 (each passed every test, the first
    at step 0 after the corpus was rendered). 16 frames of 64 px in 16-px patches and tubelets of 2 are
    16 x 8 = 128 tokens."""
    from bgs_hf.pretrain.config import PretrainSchedule
    from bgs_hf.pretrain.train import lr_at

    for bad, match in (({"lr": 0.0}, "^lr must be a finite number > 0, got 0.0$"),
                       ({"steps": 0}, "steps must be >= 1")):
        with pytest.raises(ValueError, match=match):
            PretrainSchedule(**bad)
    assert lr_at(0, PretrainSchedule(warmup_steps=0, steps=10, lr=1e-3)) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="leaves no visible or no masked patch"):
        PretrainConfig(mask_ratio=0.01)
    with pytest.raises(ValueError, match="tubelet_size 2 must divide num_frames 15"):
        PretrainConfig(arch=TinyVideoMAEArch(num_frames=15))
    for weight in (-1.0, float("nan")):  # was accepted: a negative weight maximises the motion error
        with pytest.raises(ValueError, match="motion_weight must be a finite number >= 0"):
            PretrainConfig(target="pixels+motion", motion_weight=weight)
    assert TinyVideoMAEArch().seq_length == 128
    assert TinyVideoMAEArch(image_size=16, patch_size=8, num_frames=6, tubelet_size=3).seq_length == 8


def test_fit_frames_takes_the_frame_on_screen_at_a_midpoint_between_frames_and_refuses_non_uint8() -> None:
    """10 frames to 4: midpoints 1.25, 3.75, 6.25, 8.75 are on frames 1, 3, 6, 8 (rounding gave 1, 4, 6, 9 and
    passed: 32 frames to 16 put every midpoint on a whole frame)."""
    frames = np.zeros((10, 8, 8, 3), dtype=np.uint8)
    frames[..., 0] = np.arange(10)[:, None, None]
    assert fit_frames(frames, 4, 8)[:, 0, 0, 0].tolist() == [1, 3, 6, 8]
    with pytest.raises(ValueError, match="expected uint8 frames"):
        fit_frames(frames.astype(np.float32), 4, 8)


def test_tube_mask_draws_each_clips_patches_and_rounds_the_ratio() -> None:
    """Ratio 0.6 of 16 patches hides round(9.6) = 10 (truncating gave 9 and passed); clip b hides the first 10 of
    the b-th permutation the generator draws, so clips differ (one draw for the whole batch passed)."""
    arch = TinyVideoMAEArch()
    mask = tube_mask(3, arch, 0.6, np.random.default_rng(2)).numpy().reshape(3, 8, 16)
    draws = np.random.default_rng(2)
    for b in range(3):
        expected = np.zeros(16, dtype=bool)
        expected[draws.permutation(16)[:10]] = True
        assert (mask[b] == expected).all()
    assert not (mask[0] == mask[1]).all()


def test_the_pretraining_model_is_initialised_from_the_configs_seed() -> None:
    """Equal for one seed, different for another (a constant seed passed: the determinism test's other seed also
    draws other batches and masks)."""

    a, b, c = (build_pretraining_model(small_config(seed=s)).state_dict() for s in (3, 3, 4))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["videomae.encoder.layer.0.attention.attention.query.weight"],
                           c["videomae.encoder.layer.0.attention.attention.query.weight"])


def test_the_motion_target_of_a_patch_by_hand_and_a_motion_only_loss_is_unweighted() -> None:
    """Flat greys 0, 0.1, 0.3, ...: the first tubelet's differences are 0.1 and 0.2 in 64 pixels each, mean 0.15,
    sd 0.05·√(128/127) over the 128 values (unbiased), so every target value is ∓0.05 / (0.05·√(128/127) + 0.02)
    = ∓0.7123: computed from the frames (not the ImageNet-normalised values, which give 0.91 in the red channel)
    with MOTION_EPS 0.02 (1e-6 gives 0.998). A "motion" run alone is the plain MSE whatever motion_weight says
    (it weighs only the motion half of "pixels+motion")."""
    cfg = small_config(target="motion", motion_weight=3.0)
    x = _grey_ramp_pixel_values()
    (mot,) = reconstruction_targets(x, cfg.arch, "motion")
    value = 0.05 / (0.05 * (128 / 127) ** 0.5 + 0.02)
    assert value == pytest.approx(0.7123, abs=1e-4)
    first = mot[0, :4].reshape(4, 2, 64, 3)  # tokens 0-3: the first tubelet; (frame, pixel, channel)
    torch.testing.assert_close(first[:, 0], torch.full((4, 64, 3), -value), atol=1e-4, rtol=0)
    torch.testing.assert_close(first[:, 1], torch.full((4, 64, 3), value), atol=1e-4, rtol=0)
    mask = tube_mask(1, cfg.arch, cfg.mask_ratio, np.random.default_rng(0))
    model = build_pretraining_model(cfg)
    expected = torch.nn.functional.mse_loss(decode_masked(model, x, mask), mot[mask].reshape(1, -1, mot.shape[-1]))
    assert torch.allclose(masked_loss(model, x, mask, cfg), expected)


def test_the_videomae_run_decays_the_weight_matrices_only_with_its_betas_and_threads(
        tmp_path, monkeypatch, torch_threads_restored) -> None:
    """AdamW (betas 0.9/0.95, as the card says) decays the attention and MLP weight matrices by the config's 0.05 and
    leaves biases, LayerNorm weights and the patch embedding's projection undecayed; torch runs on the config's 1
    thread (groups swapped, the embeddings decayed, AdamW's default betas or the thread count left as it was passed
    every test)."""
    import bgs_hf.pretrain.train as train_mod

    seen: dict = {}
    build = train_mod.build_pretraining_model
    monkeypatch.setattr(train_mod, "build_pretraining_model", lambda cfg: seen.setdefault("model", build(cfg)))

    class Recording(torch.optim.AdamW):
        def __init__(self, groups, **kw):  # noqa: ANN001, ANN003
            super().__init__(groups, **kw)
            seen.update(opt=self, threads=torch.get_num_threads())

    monkeypatch.setattr(torch.optim, "AdamW", Recording)
    pretrain(small_config(steps=1, corpus_clips=2, weight_decay=0.05), tmp_path, source=moving_squares,
             progress=False)
    names = {id(p): n for n, p in seen["model"].named_parameters()}
    decay, no_decay = seen["opt"].param_groups
    assert (decay["weight_decay"], no_decay["weight_decay"]) == (0.05, 0.0) and decay["betas"] == (0.9, 0.95)
    decayed = {names[id(p)] for p in decay["params"]}
    kept = {names[id(p)] for p in no_decay["params"]}
    assert "videomae.encoder.layer.0.attention.attention.query.weight" in decayed
    assert "videomae.encoder.layer.0.intermediate.dense.weight" in decayed
    assert "videomae.embeddings.patch_embeddings.projection.weight" in kept
    assert "videomae.encoder.layer.0.layernorm_before.weight" in kept
    assert all(n.endswith(".bias") or "norm" in n or "embeddings" in n for n in kept)
    assert seen["threads"] == 1


def test_the_videomae_preprocessor_config_is_the_committed_ones_by_hand() -> None:
    """64-px frames: shortest edge 64, crop 64 x 64, ImageNet mean and std in that order, 16 frames; the committed
    asset's file is exactly what `preprocessor_dict` writes (mean and std swapped or another resize passed)."""
    from bgs_hf.pretrain.train import preprocessor_dict

    pre = preprocessor_dict(TinyVideoMAEArch())
    assert (pre["size"], pre["crop_size"], pre["num_frames"]) == ({"shortest_edge": 64},
                                                                  {"height": 64, "width": 64}, 16)
    assert (pre["image_mean"], pre["image_std"]) == ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    assert json.loads((ASSET / "preprocessor_config.json").read_text()) == json.loads(json.dumps(pre))


def test_the_loss_curve_draws_each_step_and_a_running_mean_of_a_fiftieth_of_them(tmp_path, monkeypatch) -> None:
    """100 losses 0..99: the bold line is the running mean of 2 (0.5, 1.5, ..., 98.5) from step 1 on (a mean of 1,
    i.e. the raw steps again, passed every test)."""
    import bgs_hf.viz.figure as figure
    from bgs_hf.pretrain.train import plot_loss_curve

    axes = []
    subplots = figure.subplots
    monkeypatch.setattr(figure, "subplots", lambda **kw: (lambda fa: axes.append(fa[1]) or fa)(subplots(**kw)))
    plot_loss_curve([float(i) for i in range(100)], tmp_path / "c.png")
    raw, smooth = axes[0].get_lines()
    assert raw.get_ydata().tolist() == list(range(100))
    assert smooth.get_xdata().tolist() == list(range(1, 100)) and smooth.get_label() == "mean of 2"
    np.testing.assert_allclose(smooth.get_ydata(), np.arange(99) + 0.5)


def test_a_loss_curve_of_one_step_shows_its_point_on_whole_steps(tmp_path, monkeypatch) -> None:
    """The visual review: one step drew an empty axes (a line needs two points) with steps -0.04 ... 0.04."""
    import bgs_hf.viz.figure as figure
    from bgs_hf.pretrain.train import plot_loss_curve

    axes = []
    subplots = figure.subplots
    monkeypatch.setattr(figure, "subplots", lambda **kw: (lambda fa: axes.append(fa[1]) or fa)(subplots(**kw)))
    plot_loss_curve([0.5], tmp_path / "c.png")
    assert axes[0].get_lines()[1].get_marker() == "o"
    assert all(float(t).is_integer() for t in axes[0].get_xticks())


def test_the_probes_labels_are_the_scenes_own() -> None:
    """Energy, closeness and facing each from its own scene field (swapped passed every test)."""
    from types import SimpleNamespace

    import bgs_hf.pretrain.probe as probe_mod

    scene = SimpleNamespace(interaction="chase", energy=0.25, closeness=0.5, facing=0.75, scene_kind="indoor")
    frames = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(probe_mod, "render_socialshapes", lambda seed: (frames, scene))
        mp.setattr(probe_mod, "social_coordinates", lambda sc, seed: ("space of", sc.interaction, seed))
        out, labels = probe_mod.socialshapes_labelled(9)
    assert out is frames
    assert labels == {"interaction": "chase", "energy": 0.25, "closeness": 0.5, "facing": 0.75,
                      "social space": ("space of", "chase", 9), "scene_kind": "indoor"}


def test_pixel_features_average_each_area_when_they_downsample() -> None:
    """A 0/255 checkerboard of 1-px squares is 0.5 everywhere at 8 px and 16 px (nearest-neighbour sampling gave 0
    or 1 and passed: the only hand test used flat frames)."""
    from bgs_hf.pretrain.probe import pixel_features

    board = (np.indices((32, 32)).sum(0) % 2 * 255).astype(np.uint8)
    clips = np.broadcast_to(board[None, None, :, :, None], (1, 2, 32, 32, 3)).copy()
    feats = pixel_features(clips)
    np.testing.assert_allclose(feats["pixels (all frames, 8 px)"], 0.5, rtol=1e-6)
    np.testing.assert_allclose(feats["pixels (mean frame)"], 0.5, rtol=1e-6)
    np.testing.assert_allclose(feats["frame differences"], 0.0, atol=1e-6)


def test_run_probe_scores_with_its_seed_and_rounds_to_four_places(tmp_path, monkeypatch) -> None:
    """Every cross-validation gets run_probe's seed (a constant 0 passed) and each score is [mean, sd] rounded to 4
    places: 0.123456 ± 0.0654321 is [0.1235, 0.0654]."""
    import bgs_hf.pretrain.probe as probe_mod
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    BGSConv3dModel(BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=32)).save_pretrained(
        tmp_path)
    seeds: list[int] = []

    def scored(x, y, seed=0):  # noqa: ANN001, ANN202
        seeds.append(seed)
        return 0.123456, 0.0654321

    monkeypatch.setattr(probe_mod, "cv_r2", scored)
    monkeypatch.setattr(probe_mod, "cv_accuracy", scored)
    monkeypatch.setattr(probe_mod, "pixel_features", lambda clips: {})
    result = probe_mod.run_probe(tmp_path, n_clips=5, seed=3, name="t",
                                 source=lambda s: (moving_squares(s, t=4, size=32), {"kind": "a", "level": 1.5}))
    assert seeds == [3] * 4  # two labels x (pretrained, random init)
    assert result["results"]["t (pretrained)"] == {"kind": [0.1235, 0.0654], "level": [0.1235, 0.0654]}


def _videomae_log() -> dict:
    """The committed bgs-tiny-videomae log with every figure the card prints set apart from the others."""
    log = json.loads((ASSET / "training_log.json").read_text())
    log["config"].update(mask_ratio=0.6, warmup_steps=7, min_lr=2e-5, lr=3e-4)
    log["config"]["arch"].update(tubelet_size=4, decoder_num_hidden_layers=3, decoder_hidden_size=48,
                                 hidden_size=96, intermediate_size=384)
    log.update(loss=[3.0, 2.0, 1.0], final_loss=1.5)
    return log


def test_a_videomae_card_reports_each_setting_of_its_log_in_its_own_place() -> None:
    """Hand values: mask ratio 0.6 of 16 patches hides round(9.6) = 10; 16 patches x 16/4 tubelets = 64 tokens;
    the first step's loss 3.0 beside the final 1.5; decoder 3 layers of width 48; hidden 96, MLP 384; warm-up 7
    steps to peak 3e-4, then cosine to 2e-5; the probe table's separator has one column per cell (the ViT card had
    no test that read a figure; each of these mutated passed)."""
    from bgs_hf.pretrain.card import render_videomae_card

    probe = {"n_clips": 50, "seeds": "2000000 .. 2000049", "classifier": "a probe", "chance": {"kind": 0.25},
             "results": {"f": {"kind": [0.5, 0.125], "level": [0.75, 0.25]}}}
    card = render_videomae_card(_videomae_log(), probe)
    assert "(rounded to whole patches: 10 of\n16 spatial patches hidden in every tubelet)" in card
    assert "tubelet 4 frames,\n64 tokens per clip" in card
    assert "**1.5000** (first step: 3.0000)" in card
    assert "The decoder (3 layers, width 48) is discarded" in card
    assert "ViT encoder: 4 layers, hidden 96, 3\nheads, MLP 384" in card
    assert "peak lr 0.0003, linear\nwarm-up 7 steps then cosine to 2e-05" in card
    assert "| features | kind acc (chance 0.25) | level R² |\n|---|---|---|\n| f | 0.500 ± 0.125 | 0.750 ± 0.250 |" in card


def test_write_model_card_keeps_probe_json_to_a_run_with_a_probe(tmp_path) -> None:
    """No probe, no probe.json (a file reading `null` beside the card passed every test); with one, it is the probe."""
    from bgs_hf.pretrain.card import PROBE_FILE, write_model_card

    (tmp_path / "training_log.json").write_text(json.dumps(_videomae_log()))
    write_model_card(tmp_path)
    assert not (tmp_path / PROBE_FILE).exists() and "Not run for this checkpoint." in (tmp_path / "README.md").read_text()
    probe = {"n_clips": 1, "seeds": "0 .. 0", "classifier": "c", "chance": {}, "results": {"f": {"x": [0.5, 0.0]}}}
    write_model_card(tmp_path, probe)
    assert json.loads((tmp_path / PROBE_FILE).read_text()) == probe


def test_pretrain_tiny_probe_clips_warm_up_and_list_values_at_their_edges(tmp_path, monkeypatch) -> None:
    """--probe-clips takes 0 and 40 and refuses 39; --steps 3 keeps a warm-up of 1 step (a tenth rounds to 0),
    20 a tenth (2), 1000 the recipe's whole 60; a trailing comma adds no width; `yes` is true; without a probe a
    corpus on the probe's seeds is no overlap (each passed every test)."""
    import argparse

    from bgs_hf.cli.main import build_parser
    from bgs_hf.cli.pretrain_tiny import apply_overrides, configure, probe_clips, recipes, shortened_warmup

    assert (probe_clips("0"), probe_clips("40")) == (0, 40)
    with pytest.raises(argparse.ArgumentTypeError, match="at least 40, got 39"):
        probe_clips("39")
    assert [shortened_warmup(60, s) for s in (3, 20, 1000)] == [1, 2, 60]
    cfg = recipes()["videomae"][0]()
    apply_overrides(cfg, ["arch.norm_pix_loss=false", "arch.norm_pix_loss=yes"])
    assert cfg.arch.norm_pix_loss is True
    cfg = recipes()["conv3d"][0]()
    apply_overrides(cfg, ["arch.widths=8,16,24,32,"])
    assert cfg.arch.widths == [8, 16, 24, 32]
    args = build_parser().parse_args(["pretrain-tiny", "OUT", "--probe-clips", "0", "--corpus-clips", "40",
                                      "--set", "corpus_seed_offset=2000000"])
    assert configure(args).corpus_seed_offset == 2_000_000


# --- mutation audit (pretrain), third pass: the schedule's checks, the corpus, the ViT's own loss path, its log ---


def test_a_negative_or_nan_grad_clip_and_a_log_interval_of_0_are_refused() -> None:
    """A negative clip norm was accepted (torch then raises mid-run or flips the step), and log_every 0 divided by
    zero at step 0, after the corpus was rendered."""
    from bgs_hf.pretrain.config import PretrainSchedule

    for bad, match in (({"grad_clip": -1.0}, "grad_clip must be a finite number >= 0, got -1.0"),
                       ({"grad_clip": float("nan")}, "grad_clip must be a finite number >= 0"),
                       ({"log_every": 0}, "log_every must be >= 1, got 0")):
        with pytest.raises(ValueError, match=match):
            PretrainSchedule(**bad)
    assert PretrainSchedule(grad_clip=0.0).grad_clip == 0.0


def test_a_count_given_as_a_fraction_or_infinity_is_refused_by_every_recipes_config() -> None:
    """From Python, ``steps=2.5`` was accepted and failed in ``range()`` after the corpus was rendered, ``seed=inf``
    was an OverflowError traceback, and ``warmup_steps=0.5`` ran its first step at lr / 0.5 = twice the peak lr
    (NaN: every step at min_lr). numpy integers are whole numbers."""
    from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig
    from bgs_hf.pretrain.conv3d import Conv3dPretrainConfig
    from bgs_hf.pretrain.train import lr_at

    for recipe in (PretrainConfig, ContrastivePretrainConfig, Conv3dPretrainConfig):
        for bad, shown in (({"steps": 2.5}, "steps must be a whole number, got 2.5"),
                           ({"warmup_steps": 0.5}, "warmup_steps must be a whole number, got 0.5"),
                           ({"warmup_steps": float("nan")}, "warmup_steps must be a whole number, got nan"),
                           ({"seed": float("inf")}, "seed must be a whole number, got inf")):
            with pytest.raises(ValueError, match=shown):
                recipe(**bad)
        assert recipe(steps=np.int64(3), warmup_steps=np.int32(1)).steps == 3
        assert type(recipe(batch_size=2.0).batch_size) is int  # a whole float is that count, as in every config
    assert lr_at(0, PretrainConfig(warmup_steps=2, lr=1e-3)) == pytest.approx(5e-4)  # (0 + 1) / 2 of the peak


@pytest.mark.parametrize(("recipe", "given", "line"), [
    ("PretrainConfig", {"steps": True}, "PretrainConfig.steps must be a whole number, got True"),
    ("ContrastivePretrainConfig", {"batch_size": True}, "ContrastivePretrainConfig.batch_size must be a whole number, "
                                                        "got True"),
    ("Conv3dPretrainConfig", {"log_every": "10"}, "Conv3dPretrainConfig.log_every must be a whole number, got '10'"),
    ("PretrainConfig", {"corpus_clips": 0}, "PretrainConfig.corpus_clips must be >= 1, got 0"),
    ("PretrainConfig", {"arch": {"patch_size": 2.5}}, "TinyVideoMAEArch.patch_size must be a whole number, got 2.5"),
    ("PretrainConfig", {"arch": {"tubelet_size": True}}, "TinyVideoMAEArch.tubelet_size must be a whole number, "
                                                         "got True"),
    ("Conv3dPretrainConfig", {"arch": {"num_frames": 16.5}}, "Conv3dArch.num_frames must be a whole number, got 16.5"),
    ("ContrastivePretrainConfig", {"arch": {"image_size": 64.7}}, "Conv3dArch.image_size must be a whole number, "
                                                                  "got 64.7"),
    ("Conv3dPretrainConfig", {"arch": {"widths": [32, 64, 128, 192.5]}}, "Conv3dArch.widths[3] must be a whole "
                                                                         "number, got 192.5"),
    ("Conv3dPretrainConfig", {"cell": 2.5}, "Conv3dPretrainConfig.cell must be a whole number, got 2.5"),
    ("Conv3dPretrainConfig", {"hidden_tubes": True}, "Conv3dPretrainConfig.hidden_tubes must be a whole number, "
                                                     "got True"),
    ("ContrastivePretrainConfig", {"max_view_shift": 2.5}, "ContrastivePretrainConfig.max_view_shift must be a whole "
                                                           "number, got 2.5"),
    ("ContrastivePretrainConfig", {"projector_dim": True}, "ContrastivePretrainConfig.projector_dim must be a whole "
                                                           "number, got True"),
    ("Conv3dPretrainConfig", {"foreground": {"chunk": 2.5}}, "ForegroundConfig.chunk must be a whole number, got 2.5"),
])
def test_a_recipe_setting_that_is_no_whole_number_is_one_line_naming_its_config(recipe, given, line) -> None:
    """``True`` passed the schedules' ``numbers.Integral`` test as 1 (steps, batch) and their refusals were plain
    ValueErrors. The architectures took their sizes as given: the contrastive recipe built its model at int()'s 64 px
    from 64.7 (and 16 frames from 16.5) while its corpus was to be rendered at 64.7, a width of 192.5 was read as
    192, a tubelet of ``True`` as 1, and a 2.5-px patch or cell was refused as one that does not divide the image; a
    view shift or foreground chunk of 2.5 and a projector width or hidden-tube count of ``True`` passed. Now each is
    one ``BGSInputError`` line from the one check, naming its config."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig
    from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig
    from bgs_hf.video.foreground import ForegroundConfig

    config = {"PretrainConfig": PretrainConfig, "ContrastivePretrainConfig": ContrastivePretrainConfig,
              "Conv3dPretrainConfig": Conv3dPretrainConfig}[recipe]
    given = dict(given)
    with pytest.raises(BGSInputError) as caught:
        if "arch" in given:
            given["arch"] = (TinyVideoMAEArch if config is PretrainConfig else Conv3dArch)(**given["arch"])
        if "foreground" in given:
            given["foreground"] = ForegroundConfig(**given["foreground"])
        config(**given)
    assert str(caught.value) == line


def test_a_recipes_whole_floats_and_numpy_integers_give_the_recipe_its_ints_give() -> None:
    """What the check takes is read as before, a Python ``int`` in the recorded config: each default recipe's every
    count and size given as numpy integers or whole floats is its default config, field for field."""
    from dataclasses import asdict

    from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig
    from bgs_hf.pretrain.conv3d import Conv3dPretrainConfig

    def like(value, kind):
        if isinstance(value, bool) or not isinstance(value, (int, list, dict)):
            return value
        if isinstance(value, list):
            return [kind(v) for v in value]
        return {k: like(v, kind) for k, v in value.items()} if isinstance(value, dict) else kind(value)

    for config in (PretrainConfig, ContrastivePretrainConfig, Conv3dPretrainConfig):
        default = config()
        want = json.dumps(asdict(default), sort_keys=True)
        for kind in (np.int64, float):
            fields = like(asdict(default), kind)
            groups = {name: type(getattr(default, name))(**fields.pop(name)) for name in ("arch", "foreground")
                      if name in fields}  # the nested configs, built from their own converted fields
            assert json.dumps(asdict(config(**groups, **fields)), sort_keys=True) == want


def test_a_min_lr_above_the_peak_lr_is_refused_and_equal_to_it_holds_the_lr() -> None:
    """``--set min_lr=0.01`` beside lr 1e-3 was accepted and its cosine "decay" rose from 1e-3 to 1e-2: the run
    ended at ten times its peak lr. min_lr equal to lr is a constant schedule."""
    from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig
    from bgs_hf.pretrain.train import lr_at

    for recipe in (PretrainConfig, ContrastivePretrainConfig):
        with pytest.raises(ValueError, match=r"min_lr 0.01 must be <= lr 0.001 \(the cosine decays from lr to min_lr"):
            recipe(lr=1e-3, min_lr=1e-2)
    flat = PretrainConfig(lr=1e-3, min_lr=1e-3, steps=10, warmup_steps=0)
    assert [lr_at(step, flat) for step in (0, 5, 9)] == pytest.approx([1e-3] * 3)


def test_a_probe_of_fewer_clips_than_folds_is_one_line_before_the_encoder_loads(tmp_path) -> None:
    """``run_probe(n_clips=0)`` failed in numpy's concatenate and 1-4 clips in scikit-learn (n_splits=5 greater
    than the samples), each after rendering the clips; the folder here holds no model, so only the check can
    answer."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.pretrain.probe import run_probe

    for n_clips in (0, 1, 4):
        with pytest.raises(BGSInputError, match=f"n_clips must be at least 5 \\(one per fold of the probe\\), got {n_clips}"):
            run_probe(tmp_path, n_clips=n_clips, source=lambda seed: pytest.fail("rendered a clip first"))


def test_the_videomae_encoder_pools_its_tokens_without_a_final_layernorm_as_the_committed_one() -> None:
    """`use_mean_pooling=True` builds no final LayerNorm; the committed encoder's config says the same (built
    without it, a pretraining run would save a model with a LayerNorm the bundled one lacks)."""
    vm_config = TinyVideoMAEArch().to_videomae_config()
    committed = json.loads((ASSET / "config.json").read_text())
    assert vm_config.use_mean_pooling is True and committed["use_mean_pooling"] is True
    model = build_pretraining_model(small_config())
    assert model.videomae.layernorm is None


def test_a_logged_config_is_rebuilt_with_its_own_arch() -> None:
    cfg = PretrainConfig.from_dict({"arch": {"image_size": 32, "patch_size": 8, "num_frames": 4}, "steps": 5,
                                    "mask_ratio": 0.5})
    assert (cfg.arch.image_size, cfg.arch.patch_size, cfg.arch.num_frames, cfg.steps) == (32, 8, 4, 5)
    assert cfg.arch.seq_length == 16 * 2  # (32 / 8)² patches x 4 / 2 tubelets


def test_fit_frames_refuses_a_single_frame_and_frames_without_three_channels() -> None:
    for shape in ((8, 8, 3), (4, 8, 8, 4)):
        with pytest.raises(ValueError, match=r"expected frames \(T,H,W,3\)"):
            fit_frames(np.zeros(shape, dtype=np.uint8), 4, 8)


def test_fit_frames_refuses_a_clip_with_no_frame_or_no_pixel_in_one_line() -> None:
    """A clip source (``pretrain(..., source=)``, ``run_probe(..., source=)``) returning an empty clip failed with
    ``IndexError: index 0 is out of bounds`` from the frame sampling, mid-corpus."""
    for shape in ((0, 27, 17, 3), (4, 0, 8, 3), (4, 8, 0, 3)):
        with pytest.raises(ValueError, match=r"expected at least one frame of at least 1 x 1 px, got shape \("
                           + ", ".join(map(str, shape))):
            fit_frames(np.zeros(shape, dtype=np.uint8), 4, 8)


def test_the_socialshapes_source_renders_with_the_synth_config_it_is_given() -> None:
    """2 frames of 16 px asked for are 2 frames of 16 px (the default 16 x 64 px ignored the config)."""
    from bgs_hf.pretrain.corpus import render_socialshapes, socialshapes_source
    from bgs_hf.synth.scene import SynthConfig

    small = SynthConfig(num_frames=2, size=16)
    frames, _ = render_socialshapes(CORPUS_SEED_OFFSET, small)
    assert frames.shape == (2, 16, 16, 3)
    assert socialshapes_source(small)(CORPUS_SEED_OFFSET).shape == (2, 16, 16, 3)


def test_to_pixel_values_scales_to_the_unit_range_then_normalises_each_channel_by_hand() -> None:
    """A 2 x 3 frame, white at row 0 column 2 and black elsewhere: (1 - mean) / std there ((1 - 0.485) / 0.229 =
    2.2489 in red), -mean / std elsewhere (-2.1179 in red), in the (B, T, C, H, W) layout."""
    from bgs_hf.pretrain.corpus import to_pixel_values

    clip = np.zeros((1, 1, 2, 3, 3), dtype=np.uint8)
    clip[0, 0, 0, 2] = 255
    x = to_pixel_values(clip)
    assert x.shape == (1, 1, 3, 2, 3)
    white = [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225]
    black = [-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]
    assert white[0] == pytest.approx(2.2489, abs=1e-4) and black[0] == pytest.approx(-2.1179, abs=1e-4)
    torch.testing.assert_close(x[0, 0, :, 0, 2], torch.tensor(white))
    torch.testing.assert_close(x[0, 0, :, 1, 0], torch.tensor(black))


def test_to_pixel_values_keeps_pretrainings_rounding_within_float32_rounding_of_preprocess() -> None:
    """Every uint8 level in every channel: ``(x / 255 - mean) / std`` bit for bit, the arithmetic the bundled backbones
    were pretrained with (routing it through ``preprocess``'s ``x / (255 std) - mean / std`` would move 521 of these
    768 values and so pretraining's numbers), and within 5e-7 of ``preprocess`` under the default frame policy, as
    the docstring says."""
    from bgs_hf.pretrain.corpus import to_pixel_values
    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD, FramePolicy
    from bgs_hf.video.transforms import preprocess

    levels = np.repeat(np.arange(256, dtype=np.uint8), 3).reshape(1, 16, 16, 3)
    x = to_pixel_values(levels[None])[0]
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    assert torch.equal(x, (torch.from_numpy(levels).permute(0, 3, 1, 2).float() / 255.0 - mean) / std)
    shared = preprocess(levels, FramePolicy(num_frames=1, size=16, crop=16))
    assert int((x != shared).sum()) == 521 and float((x - shared).abs().max()) <= 5e-7


def test_sample_batch_flips_each_axis_half_the_time() -> None:
    """Over 2,000 draws each flip's share is 0.5 within 0.05 (about 4.5 binomial sd)."""
    from bgs_hf.pretrain.corpus import sample_batch

    pool = np.array([[0, 1], [2, 3]], dtype=np.uint8).reshape(1, 1, 2, 2, 1)  # value 0 at row 0, column 0
    batch = sample_batch(pool, 2000, np.random.default_rng(3))
    vflip, hflip = np.divmod((batch[:, 0, :, :, 0] == 0).reshape(2000, 4).argmax(1), 2)  # where value 0 went
    assert abs(hflip.mean() - 0.5) < 0.05 and abs(vflip.mean() - 0.5) < 0.05


def test_a_pixel_target_without_norm_pix_loss_is_the_raw_patch_values() -> None:
    """norm_pix_loss off: the loss is VideoMAE's own, the MSE against the un-normalised patches. Flat greys 0, 0.1,
    0.3, 0.6 make every masked token of the first tubelet [0] x 192 + [0.1] x 192 (frame 0, then frame 1, 8 x 8
    px x 3 channels) and of the second [0.3] x 192 + [0.6] x 192 (sending every pixel target through the
    per-patch normalisation, which turns both into ∓1, passed every test)."""
    cfg = small_config()
    cfg.arch.norm_pix_loss = False
    x = _grey_ramp_pixel_values()
    mask = tube_mask(1, cfg.arch, cfg.mask_ratio, np.random.default_rng(0))
    model = build_pretraining_model(cfg)
    logits = decode_masked(model, x, mask)
    tokens = torch.nonzero(mask[0]).flatten()
    greys = torch.tensor([[0.0, 0.1], [0.3, 0.6]])[tokens // 4]  # 4 tokens per tubelet
    labels = greys.repeat_interleave(192, dim=1)[None]
    expected = torch.nn.functional.mse_loss(logits, labels)
    assert torch.allclose(masked_loss(model, x, mask, cfg), expected)
    assert torch.allclose(model(pixel_values=x, bool_masked_pos=mask).loss, expected)


def test_a_videomae_run_renders_its_own_seeds_draws_the_batch_then_the_mask_and_clips_every_parameter(
        tmp_path, monkeypatch) -> None:
    """corpus_seed_offset 5 and 9 clips: the source sees seeds 5-13, the log says "5 .. 13" with the sha256 of the
    9 clips and of the first 8; step 0 draws its batch and then its mask from ``default_rng(seed)``; the gradient
    clipping covers every parameter at the config's norm (the default offset, a 7-clip fingerprint, the mask
    drawn first or only the decayed parameters clipped passed every test)."""
    import hashlib

    import bgs_hf.pretrain.train as train_mod
    from bgs_hf.pretrain.corpus import sample_batch, to_pixel_values

    seen_seeds: list[int] = []
    steps: list = []
    clipped: list = []
    built: dict = {}

    def source(seed: int) -> np.ndarray:
        seen_seeds.append(seed)
        return moving_squares(seed)

    build, loss = train_mod.build_pretraining_model, train_mod.masked_loss
    monkeypatch.setattr(train_mod, "build_pretraining_model", lambda cfg: built.setdefault("model", build(cfg)))
    monkeypatch.setattr(train_mod, "masked_loss", lambda m, x, mask, cfg: steps.append((x, mask)) or loss(m, x, mask, cfg))
    clip = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_",
                        lambda params, norm: clipped.append(({id(p) for p in params}, norm)) or clip(params, norm))
    cfg = small_config(steps=1, corpus_clips=9, corpus_seed_offset=5, seed=2, grad_clip=0.5)
    pretrain(cfg, tmp_path, source=source, progress=False)
    assert seen_seeds == list(range(5, 14))
    pool = np.stack([fit_frames(moving_squares(s), 4, 16) for s in range(5, 14)])
    log = json.loads((tmp_path / "training_log.json").read_text())["corpus"]
    assert (log["n_clips"], log["seeds"]) == (9, "5 .. 13")
    assert log["sha256"] == hashlib.sha256(pool.tobytes()).hexdigest()
    assert log["sha256_first8"] == hashlib.sha256(pool[:8].tobytes()).hexdigest()
    rng = np.random.default_rng(2)
    batch = sample_batch(pool, 2, rng)
    (x, mask), = steps
    assert torch.equal(x, to_pixel_values(batch))
    assert torch.equal(mask, tube_mask(2, cfg.arch, 0.75, rng))
    assert clipped == [({id(p) for p in built["model"].parameters()}, 0.5)]


@pytest.mark.parametrize("setting, match", [
    ("arch.patch_size=0", "arch.patch_size 0: every size of the architecture must be >= 1"),
    ("arch.tubelet_size=0", "arch.tubelet_size 0: every size"),
    ("arch.num_frames=0", "arch.num_frames 0: every size"), ("arch.hidden_size=0", "arch.hidden_size 0: every size"),
    ("arch.num_hidden_layers=0", "arch.num_hidden_layers 0: every size"),
    ("arch.patch_size=-16", "arch.patch_size -16: every size"),
    ("mask_ratio=inf", "mask_ratio must be a number in (0, 1), got inf"),
    ("mask_ratio=nan", "mask_ratio must be a number in (0, 1), got nan"),
])
def test_a_vit_size_below_one_or_a_non_finite_mask_ratio_is_one_line_before_the_corpus(tmp_path, monkeypatch, capsys,
                                                                                       setting, match) -> None:
    """Fuzzing `--arch videomae --set`: patch or tubelet size 0 ended in a ZeroDivisionError traceback and mask_ratio
    inf in an OverflowError one (NaN read "cannot convert float NaN to integer"); 0 frames, a width of 0, no layers
    or a negative patch size were accepted, to fail once the corpus was rendered."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--arch", "videomae", "--set", setting]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and match in err[0], err


@pytest.mark.parametrize("arch, setting, match", [
    ("conv3d-fg", "arch.num_frames=-1", "num_frames -1 and image_size 64 must all be >= 1"),
    ("conv3d-fg", "arch.widths=0,0,0,0", "widths [0, 0, 0, 0], temporal_strides"),
    ("conv3d", "arch.temporal_strides=0,2,2,2", "temporal_strides [0, 2, 2, 2], num_frames"),
    ("conv3d", "foreground.chunk=-1", "chunk must be >= 1, got -1"),
    ("conv3d-fg", "foreground.chunk=0", "chunk must be >= 1, got 0"),
    ("conv3d", "foreground.max_shift=-1", "need 0 <= max_shift < border, got max_shift=-1"),
])
def test_a_conv3d_size_below_one_or_a_bad_foreground_setting_is_one_line_before_the_corpus(
        tmp_path, monkeypatch, capsys, arch, setting, match) -> None:
    """Fuzzing `--set` on the conv3d recipes: -1 frames, a width or temporal stride of 0 were accepted, to fail
    in numpy or torch once the corpus was rendered; a foreground chunk of 0 stopped range() there, and one of -1
    made an all-zero foreground stream without a word; --arch conv3d never checked its foreground settings."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--arch", arch, "--set", setting]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and match in err[0], err


def test_pretrain_refuses_a_config_changed_after_construction_before_rendering(tmp_path) -> None:
    cfg = small_config()
    cfg.mask_ratio = 1.0
    with pytest.raises(ValueError, match="mask_ratio 1.0 leaves no visible or no masked patch"):
        pretrain(cfg, tmp_path, source=lambda seed: pytest.fail("rendered the corpus first"), progress=False)


def test_the_training_log_names_the_runs_own_objective_and_keeps_six_places_of_each_loss(tmp_path) -> None:
    from bgs_hf.pretrain.train import PretrainResult, write_training_log

    result = PretrainResult(tmp_path, [0.123456789, 2.0], 1.0, 2.0)
    write_training_log(result, small_config(target="motion"))
    log = json.loads((tmp_path / "training_log.json").read_text())
    assert log["objective"].startswith("Masked video autoencoding (tube masking) with a motion target")
    assert log["loss"] == [0.123457, 2.0]


def test_a_videomae_card_reports_its_offset_wall_time_decay_norm_steps_probe_seeds_and_notes() -> None:
    """Hand values: 32-px clips; seed offset 7000; 300 + 300 s = 10.0 min in all; weight decay 0.07 (grad_clip 1.0 elsewhere);
    norm_pix_loss False; 3 logged steps (the config says 1200); the probe's seeds, not the corpus's; the notes
    under their own heading (each taken from another field, a constant, or dropped, passed every test)."""
    from bgs_hf.pretrain.card import render_videomae_card

    log = _videomae_log()
    log["config"].update(corpus_seed_offset=7000, weight_decay=0.07)
    log["config"]["arch"].update(norm_pix_loss=False, image_size=32)
    log["timing"].update(total_s=600.0, train_s=300.0, render_s=300.0)
    log["steps"] = 3
    probe = {"n_clips": 50, "seeds": "2000000 .. 2000049", "classifier": "a probe", "chance": {},
             "results": {"f": {"level": [0.75, 0.25]}}}
    card = render_videomae_card(log, probe, notes="pixels+motion: 0.1")
    assert "it has only ever seen\n32-px synthetic clips" in card  # it said 64-px whatever the run's size
    assert "Clip *i* uses seed `7000 + i`" in card
    assert "- Wall time: 10.0 min in all (300 s rendering" in card
    assert "weight decay 0.07), peak lr" in card and "`norm_pix_loss=False`" in card
    assert "- Steps: 3, batch size" in card
    assert "held-out SocialShapes-style clips (seeds 2000000 .. 2000049, disjoint" in card
    assert "## Other pretraining targets tried\npixels+motion: 0.1\n" in card


def test_write_model_card_gives_a_cnn_log_the_cnn_card(tmp_path) -> None:
    from bgs_hf.pretrain.card import write_model_card

    log = json.loads((ASSET.parent / "bgs-tiny-conv3d" / "training_log.json").read_text())
    (tmp_path / "training_log.json").write_text(json.dumps(log))
    card = write_model_card(tmp_path).read_text()
    assert "\n# bgs-tiny-conv3d\n" in card and "library_name: bgs-hf" in card


def test_the_mean_frame_and_difference_features_are_16_px() -> None:
    """Two 32-px frames: all frames at 8 px are 2 x 3 x 8 x 8 = 384 values; the mean frame and the mean frame
    difference 3 x 16 x 16 = 768 each."""
    from bgs_hf.pretrain.probe import pixel_features

    feats = pixel_features(np.zeros((1, 2, 32, 32, 3), dtype=np.uint8))
    assert {k: v.shape for k, v in feats.items()} == {"pixels (all frames, 8 px)": (1, 384),
                                                       "pixels (mean frame)": (1, 768),
                                                       "frame differences": (1, 768)}


def test_run_probes_control_is_drawn_from_its_seed_and_a_yes_no_label_is_classified(tmp_path, monkeypatch) -> None:
    """seed 3: the random-init control equals the architecture built after ``torch.manual_seed(3)`` (seed 0 passed);
    a yes/no label is classified, with its majority share as chance (seeds 10..21, 6 of them even: 0.5), a float
    one regressed (a bool label regressed by R², without a chance, passed every test)."""
    import bgs_hf.pretrain.probe as probe_mod
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    config = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=32)
    BGSConv3dModel(config).save_pretrained(tmp_path)
    encoders, scorers = [], []
    monkeypatch.setattr(probe_mod, "encoder_features", lambda enc, clips: encoders.append(enc) or np.zeros((12, 2)))
    monkeypatch.setattr(probe_mod, "pixel_features", lambda clips: {})
    monkeypatch.setattr(probe_mod, "cv_r2", lambda x, y, seed: scorers.append(("r2", y.dtype.kind)) or (0.0, 0.0))
    monkeypatch.setattr(probe_mod, "cv_accuracy",
                        lambda x, y, seed: scorers.append(("acc", y.dtype.kind)) or (0.0, 0.0))
    result = probe_mod.run_probe(tmp_path, n_clips=12, seed_offset=10, seed=3, name="t",
                                 source=lambda s: (moving_squares(s, t=4, size=32), {"even": s % 2 == 0,
                                                                                     "level": s / 2}))
    torch.manual_seed(3)
    expected = BGSConv3dModel(config)
    control = encoders[1]
    assert all(torch.equal(a, b) for a, b in zip(control.parameters(), expected.parameters()))
    assert result["chance"] == {"even": 0.5}
    assert scorers == [("acc", "b"), ("acc", "b"), ("r2", "f"), ("r2", "f")]


def test_the_default_runs_card_names_no_flags_and_a_list_setting_is_written_as_the_flag_takes_it() -> None:
    """The recipe's defaults with the default probe give no command (the card then says the defaults are the
    recipe; `--probe-clips 400` on every card passed); `--set arch.widths=8,16,24,32` is written back as typed,
    not as Python's [8, 16, 24, 32] (which --set refuses)."""
    from bgs_hf.cli.main import build_parser
    from bgs_hf.cli.pretrain_tiny import configure, recipes, reproduce_command

    for arch, (config_class, _) in recipes().items():
        assert reproduce_command(arch, config_class(), config_class()) is None
    args = build_parser().parse_args(["pretrain-tiny", "OUT", "--arch", "conv3d", "--set", "arch.widths=8,16,24,32"])
    command = reproduce_command("conv3d", configure(args), recipes()["conv3d"][0]())
    assert command == "`bgs-hf pretrain-tiny OUT --arch conv3d --set arch.widths=8,16,24,32`"


def test_without_a_probe_a_corpus_across_the_probe_seeds_is_no_overlap() -> None:
    """--probe-clips 0 scores no clip, so corpus seeds 1999990-2000029 (across the probe's first seed, 2000000) are
    accepted; with a probe of 40 they are refused (the check run without a probe refused them too, and the test at
    offset 2000000 could not tell: an empty probe range overlaps nothing starting there)."""
    from bgs_hf.cli.main import build_parser
    from bgs_hf.cli.pretrain_tiny import configure
    from bgs_hf.errors import BGSInputError

    flags = ["pretrain-tiny", "OUT", "--corpus-clips", "40", "--set", "corpus_seed_offset=1999990"]
    assert configure(build_parser().parse_args([*flags, "--probe-clips", "0"])).corpus_seed_offset == 1_999_990
    with pytest.raises(BGSInputError, match="overlap the probe's 2000000-2000039"):
        configure(build_parser().parse_args([*flags, "--probe-clips", "40"]))


def test_cv_r2_chooses_the_ridge_penalty_from_half_decades_between_0_1_and_10000(monkeypatch) -> None:
    """The inner CV picks alpha among 10^-1, 10^-0.5, ..., 10^4 (11 values; a grid of whole decades passed the
    hand-written loop, whose data chose the same alpha from either)."""
    import sklearn.linear_model

    from bgs_hf.pretrain.probe import cv_r2

    grids = []

    class Recording(sklearn.linear_model.RidgeCV):
        def fit(self, x, y, **kw):  # noqa: ANN001, ANN003, ANN201
            grids.append(list(self.alphas))
            return super().fit(x, y, **kw)

    monkeypatch.setattr(sklearn.linear_model, "RidgeCV", Recording)
    rng = np.random.default_rng(0)
    cv_r2(rng.normal(size=(20, 3)), rng.normal(size=20), folds=2)
    assert len(grids) == 2 and grids[0] == pytest.approx([10 ** (k / 2 - 1) for k in range(11)])


@pytest.mark.parametrize(("settings", "message"), [
    ({"lr": 10**400}, f"lr must be a finite number > 0, got {10**400}"),
    ({"min_lr": -10**400}, f"min_lr must be a finite number >= 0, got {-10**400}"),
    ({"grad_clip": 10**400}, f"grad_clip must be a finite number >= 0, got {10**400}"),
    ({"mask_ratio": 10**400}, f"mask_ratio must be a number in (0, 1), got {10**400}"),
    ({"motion_weight": -10**400}, f"motion_weight must be a finite number >= 0, got {-10**400}"),
])
def test_a_pretraining_setting_beyond_float_range_is_its_one_line_refusal(settings, message):
    """An int beyond float range (10**400) as a learning rate, clip norm, mask ratio or motion weight was
    ``OverflowError: int too large to convert to float`` from the config's own finiteness check."""
    import re

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        PretrainConfig(**settings)
    assert PretrainConfig(lr=1, min_lr=0).lr == 1  # an int a float holds is still taken


def test_the_timing_notes_cpu_is_the_model_name_after_its_colon_or_the_platforms(monkeypatch) -> None:
    """The card's "measured on:" reads `/proc/cpuinfo`'s model name (the text after its first colon; the key
    "model name" passed every test) and falls back to the platform's processor name where that file is missing."""
    import bgs_hf.pretrain.train as train_mod

    class CpuInfo:
        def __init__(self, path: str) -> None:
            self.path = path

        def read_text(self) -> str:
            return "processor\t: 0\nvendor_id\t: Acme\nmodel name\t: Acme 9000: 8 cores @ 2.0GHz \nflags\t: x\n"

    monkeypatch.setattr(train_mod, "Path", CpuInfo)
    assert train_mod.cpu_description() == "Acme 9000: 8 cores @ 2.0GHz"

    class NoCpuInfo(CpuInfo):
        def read_text(self) -> str:
            raise FileNotFoundError(self.path)

    monkeypatch.setattr(train_mod, "Path", NoCpuInfo)
    monkeypatch.setattr(train_mod.platform, "processor", lambda: "")
    monkeypatch.setattr(train_mod.platform, "machine", lambda: "riscv64")
    assert train_mod.cpu_description() == "riscv64"


def test_set_reads_1_and_0_as_a_bool_and_none_only_for_an_optional_field_whatever_its_annotation() -> None:
    """``--set flag=1`` is true and ``flag=0`` false (1 read as false passed every test); ``none`` unsets only a
    field that admits None (a bool set to None passed), also under annotations that are objects, not the strings
    of ``from __future__ import annotations`` (``int | None`` is then read through its ``NoneType``)."""
    from dataclasses import make_dataclass

    from bgs_hf.cli.pretrain_tiny import apply_overrides
    from bgs_hf.errors import BGSInputError

    config_class = make_dataclass("Config", [("limit", int | None, 3), ("flag", bool, False)])
    cfg = config_class()
    apply_overrides(cfg, ["flag=1", "limit=none"])
    assert cfg.flag is True and cfg.limit is None
    apply_overrides(cfg, ["flag=0", "limit=5"])
    assert cfg.flag is False and cfg.limit == 5
    with pytest.raises(BGSInputError, match="expected true or false, got 'none'"):
        apply_overrides(cfg, ["flag=none"])
    assert cfg.flag is False


def test_a_videomae_card_takes_probe_clips_training_time_threads_and_affinity_from_their_own_fields() -> None:
    """Hand values: a 50-clip probe of one feature row says 50 clips; 350 s rendering + 250 s training = 10.0 min;
    3 torch threads on 7 cores of affinity; the encoder's MLP 200 beside the decoder's 300 (the clip count from the
    feature rows, the training time from the total, the affinity from the thread count and the MLP from the
    decoder's each passed every test: the committed log has 2 threads on 2 cores, and 384 for both MLPs)."""
    from bgs_hf.pretrain.card import render_videomae_card

    log = _videomae_log()
    log["config"]["arch"].update(intermediate_size=200, decoder_intermediate_size=300)
    log["timing"].update(render_s=350.0, train_s=250.0, total_s=600.0, s_per_step=0.125, torch_threads=3,
                         cpu_affinity=7, cpu="Acme 9000")
    probe = {"n_clips": 50, "seeds": "2000000 .. 2000049", "classifier": "a probe", "chance": {},
             "results": {"f": {"level": [0.75, 0.25]}}}
    card = render_videomae_card(log, probe)
    assert "Linear probes on 50 held-out SocialShapes-style clips" in card
    assert ("10.0 min in all (350 s rendering the corpus,\n  250 s training, 0.125 s/step), measured on: Acme 9000, "
            "CPU affinity\n  7 cores") in card
    assert "seed 0, 3 torch threads." in card
    assert "heads, MLP 200; patch" in card


@pytest.mark.parametrize("probe_clips", [0, 40, 401])
def test_the_cards_command_names_a_probe_of_fewer_or_more_clips_than_the_default(probe_clips: int) -> None:
    """The default probe (400 clips) goes unnamed; 0, 40 and 401 are each written back, so the card's command
    rebuilds its probe table too (a probe above the default left off passed every test)."""
    from bgs_hf.cli.pretrain_tiny import PROBE_CLIPS, recipes, reproduce_command

    config_class = recipes()["videomae"][0]
    assert reproduce_command("videomae", config_class(), config_class(), PROBE_CLIPS) is None
    assert reproduce_command("videomae", config_class(), config_class(), probe_clips) == (
        f"`bgs-hf pretrain-tiny OUT --arch videomae --probe-clips {probe_clips}`")


def test_run_probe_classifies_a_whole_number_label_and_scores_no_row_with_a_single_non_finite_value(
        tmp_path, monkeypatch) -> None:
    """A label of whole numbers (agents 0, 1, 2 of seeds 10..21: 4 each, chance 1/3) is a class, as a yes/no label
    is (regressed by R², it passed every test); a feature row with one NaN among its values is scored NaN, never
    handed to scikit-learn (a row with any finite value counted as finite passed: the diverged test's is all NaN)."""
    import bgs_hf.pretrain.probe as probe_mod
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    BGSConv3dModel(BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=32)).save_pretrained(
        tmp_path)
    one_nan = np.zeros((12, 2))
    one_nan[5, 1] = np.nan
    rows = iter([one_nan, np.zeros((12, 2))])
    scored = []
    monkeypatch.setattr(probe_mod, "encoder_features", lambda enc, clips: next(rows))
    monkeypatch.setattr(probe_mod, "pixel_features", lambda clips: {})
    monkeypatch.setattr(probe_mod, "cv_r2", lambda x, y, seed: scored.append(("r2", y.dtype.kind)) or (0.5, 0.1))
    monkeypatch.setattr(probe_mod, "cv_accuracy", lambda x, y, seed: scored.append(("acc", y.dtype.kind)) or (0.5, 0.1))
    result = probe_mod.run_probe(tmp_path, n_clips=12, seed_offset=10, name="t",
                                 source=lambda s: (moving_squares(s, t=4, size=32), {"agents": s % 3}))
    assert result["chance"] == {"agents": pytest.approx(1 / 3)}
    assert scored == [("acc", "i")]  # the control's row only
    assert np.isnan(result["results"]["t (pretrained)"]["agents"]).all()
    assert result["results"]["same architecture, random init"]["agents"] == [0.5, 0.1]


def test_a_class_rarer_than_the_probes_folds_is_one_line_naming_the_label_not_scikit_learns_warning_per_feature(
        tmp_path, caplog) -> None:
    """was: a class with fewer clips than the 5 folds (3 of 40 at the smallest --probe-clips) printed scikit-learn's
    `UserWarning: The least populated class in y has only 3 members` once per feature set, naming no label; now one
    line of ours names the label, the class and how many folds test none of it. The scores are scikit-learn's as
    before."""
    import logging
    import warnings

    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel
    from bgs_hf.pretrain.probe import run_probe

    BGSConv3dModel(BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=32)).save_pretrained(
        tmp_path)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, "bgs_hf.pretrain.probe"):
        warnings.simplefilter("always")
        result = run_probe(tmp_path, n_clips=12, seed_offset=10, name="t",
                           source=lambda s: (moving_squares(s, t=4, size=32), {"kind": "rare" if s < 13 else "common"}))
    assert not [w for w in caught if "least populated class" in str(w.message)]
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert lines == ["probe: only 3 of the 12 clips have kind 'rare', fewer than the 5 folds: 2 of the folds test no "
                     "clip of it; more probe clips fill every fold"]
    assert result["chance"] == {"kind": 0.75} and len(result["results"]) == 5


def test_the_probes_rare_class_warning_is_for_a_class_of_fewer_clips_than_folds_and_only_then(caplog) -> None:
    """Mutation audit (733ae6e): warning for a class of exactly 5 clips (it fills each of the 5 folds) and keeping
    quiet for one of 4 (one fold tests none of it; scikit-learn's own warning is silenced) both passed: the only
    case was 3 clips."""
    import logging

    from bgs_hf.pretrain.probe import PROBE_FOLDS, _warn_of_unfilled_folds

    assert PROBE_FOLDS == 5
    with caplog.at_level(logging.WARNING, "bgs_hf.pretrain.probe"):
        _warn_of_unfilled_folds("kind", np.array(["common", "rare"]), np.array([7, 5]))
        assert caplog.records == []
        _warn_of_unfilled_folds("kind", np.array(["common", "rare"]), np.array([8, 4]))
    assert [r.getMessage() for r in caplog.records] == [
        "probe: only 4 of the 12 clips have kind 'rare', fewer than the 5 folds: 1 of the folds test no clip of it; "
        "more probe clips fill every fold"]
