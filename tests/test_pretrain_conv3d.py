"""bgs-tiny-conv3d pretraining (the target layout, the input masks) and, for both CNN recipes, the CLI and the
committed assets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_pretrain import flips_seen, moving_squares, refuse_rendering

from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig, flip_together, hide, pooled_targets

ASSETS = Path(__file__).resolve().parents[1] / "bgs_hf" / "assets"


def small_arch() -> Conv3dArch:
    """A two-block CNN on 8 frames of 32 px: a pretraining run of it takes about a second."""
    return Conv3dArch(widths=[8, 16], temporal_strides=[1, 2], num_frames=8, image_size=32)


def test_pooled_targets_put_each_cell_under_its_own_output_location():
    arch = Conv3dArch()  # 16 frames, 64 px -> output grid 2 x 4 x 4, tiles of 16 px and 8 frames
    target = np.zeros((1, 16, 64, 64, 1), dtype=np.float32)
    target[0, 11, 20:24, 36:40] = 1.0  # frame 11 = 2nd output time step, frame 3 of it; tile (1, 2); cell (1, 1)
    out = pooled_targets(target, arch, cell=4)
    assert out.shape == (1, 8 * 1 * 4 * 4, 2, 4, 4)
    nz = torch.nonzero(out)
    assert nz.tolist() == [[0, 3 * 16 + 1 * 4 + 1, 1, 1, 2]]
    assert out.sum() == pytest.approx(1.0)  # a 4x4 block of ones averaged over its 4x4 cell


def test_hide_masks_the_future_or_whole_tubes():
    rng = np.random.default_rng(0)
    future = hide(3, Conv3dArch(), Conv3dPretrainConfig(future_share=1.0), rng)
    assert future.shape == (3, 16, 1, 64, 64)
    assert torch.all(future[:, :8] == 1) and torch.all(future[:, 8:] == 0)
    tubes = hide(3, Conv3dArch(), Conv3dPretrainConfig(future_share=0.0, hidden_tubes=5), rng)
    assert torch.all(tubes == tubes[:, :1])  # the same tubes in every frame
    assert tubes[:, 0].eq(0).sum(dim=(1, 2, 3)).tolist() == [5 * 256] * 3


def test_pooled_targets_keep_a_cells_row_and_column_apart():
    """A cell at row 0, column 3 of its tile lands on channel row·4 + column, not column·4 + row (the test above
    puts its cell at (1, 1), where swapping the two passed)."""
    target = np.zeros((1, 16, 64, 64, 1), dtype=np.float32)
    target[0, 0, 32:36, 12:16] = 1.0  # frame 0 (output step 0, frame 0 of it); tile (2, 0); cell (0, 3)
    out = pooled_targets(target, Conv3dArch(), cell=4)
    assert torch.nonzero(out).tolist() == [[0, 0 * 16 + 0 * 4 + 3, 0, 2, 0]]


@pytest.mark.parametrize("frames", [16, 12, 10])
def test_pooled_targets_lie_on_the_grid_the_network_outputs(frames: int):
    """Each target location must be one the last block outputs, also for frame counts its strides do not divide
    (12 frames: 12, 6, 3, 2 steps; rounding down gave 1)."""
    from bgs_hf.pretrain.capacity import Conv3dNet

    arch = Conv3dArch(num_frames=frames)
    net = Conv3dNet(widths=[4, 4, 4, 4], temporal_strides=arch.temporal_strides)
    with torch.no_grad():
        grid = net.net[:-2](torch.zeros(1, 3, frames, 64, 64)).shape[2:]
    out = pooled_targets(np.zeros((1, frames, 64, 64, 1), dtype=np.float32), arch, cell=4)
    assert out.shape[2:] == grid


def test_flip_together_flips_each_clip_and_its_target_alike_along_both_axes():
    """Each clip and its foreground get the same one of the four flips, and all four occur (flipping the frames
    alone, or flipping horizontally twice instead of horizontally and vertically, passed every test)."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (64, 2, 4, 4, 3), dtype=np.uint8)
    before = frames.copy()
    x, f = flip_together(frames, frames[..., 0].copy(), np.random.default_rng(1))
    assert np.array_equal(frames, before)  # the pool is not flipped in place
    assert np.array_equal(f, x[..., 0])
    assert flips_seen(frames, x) == {(h, v) for h in (False, True) for v in (False, True)}


def test_config_rejects_impossible_shapes():
    with pytest.raises(ValueError, match="multiple of 16"):
        Conv3dPretrainConfig(arch=Conv3dArch(image_size=40))
    with pytest.raises(ValueError, match="cell"):
        Conv3dPretrainConfig(cell=3)
    with pytest.raises(ValueError, match="num_frames 9 must be a multiple of the 2 time steps"):  # 9, 5, 3, 2
        Conv3dPretrainConfig(arch=Conv3dArch(num_frames=9))
    Conv3dPretrainConfig(arch=Conv3dArch(num_frames=12))  # 12, 6, 3, 2: 6 frames per step
    with pytest.raises(ValueError, match="more than 16 tubes"):  # every tube hidden: nothing left to see
        Conv3dPretrainConfig(hidden_tubes=16)


def test_an_image_size_that_is_no_multiple_of_16_is_refused_even_when_its_tubes_and_cells_fit():
    """72 px with cell 2 passed every other check (16 tubes of 16 px, 18-px tiles of 2-px cells) yet cannot train:
    the four blocks output 72 -> 36 -> 18 -> 9 -> 5 locations a side while the targets hold 72 // 16 = 4, and the
    tubes leave an 8-px strip never hidden (its test used 40 px, which also has too few tubes, so the message came
    from that)."""
    with pytest.raises(ValueError, match="image_size 72 must be a multiple of 16"):
        Conv3dPretrainConfig(arch=Conv3dArch(image_size=72), cell=2)


def test_an_image_size_its_blocks_cannot_halve_evenly_is_refused_before_the_corpus(tmp_path, capsys, monkeypatch):
    """80 px is a multiple of 16, yet five blocks (kernel 3, stride 2, padding 1) output 80 -> 40 -> 20 -> 10 -> 5 -> 3
    locations a side while the targets hold 80 // 2**5 = 2: it was accepted, the corpus and its foreground were
    rendered, and step 0 stopped on a broadcasting traceback (3 against 2). 96 px, a multiple of 32, still runs:
    96 -> 48 -> 24 -> 12 -> 6 -> 3 locations, and targets of 96 // 32 = 3."""
    from bgs_hf.cli.main import main
    from bgs_hf.models.conv3d import BGSConv3dModel

    refuse_rendering(monkeypatch)
    five_blocks = ["--set", "arch.widths=4,4,4,4,4", "--set", "arch.temporal_strides=1,2,2,2,1"]
    argv = ["pretrain-tiny", str(tmp_path / "o"), "--arch", "conv3d", *five_blocks, "--set", "arch.image_size=80"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "image_size 80 must be a multiple of 32" in err and err.count("\n") == 1, err

    arch = Conv3dArch(widths=[4] * 5, temporal_strides=[1, 2, 2, 2, 1], image_size=96)
    Conv3dPretrainConfig(arch=arch)
    targets = pooled_targets(np.zeros((1, 16, 96, 96, 1), dtype=np.float32), arch, cell=4)
    assert targets.shape == (1, 8 * 8 * 8, 2, 3, 3)  # 8 frames per step, 8 x 8 cells of 4 px per 32-px tile
    with torch.no_grad():
        tokens = BGSConv3dModel(arch.to_config())(torch.zeros(1, 16, 3, 96, 96)).last_hidden_state
    assert tokens.shape == (1, 2 * 3 * 3, 4)


def test_cli_rejects_a_bad_override_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bgs_hf.cli.main import main

    assert main(["pretrain-tiny", str(tmp_path / "x"), "--arch", "conv3d", "--set", "arch.image_size=40"]) == 2
    assert "multiple of 16" in capsys.readouterr().err
    assert main(["pretrain-tiny", str(tmp_path / "x"), "--arch", "videomae", "--set", "target=colour"]) == 2
    assert "target must be one of" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # nothing rendered, nothing written


#: --arch -> (module whose corpus source the test swaps, arch-specific flags, a word of the objective, output
#: width, input stream)
CLI_CASES = {
    "conv3d": ("conv3d", ["--batch-size", "2", "--corpus-clips", "4", "--set", "hidden_tubes=2"], "foreground", 192,
               "rgb"),
    "conv3d-fg": ("contrastive", ["--batch-size", "4", "--corpus-clips", "6", "--set", "max_view_shift=4"], "SimCLR",
                  128, "foreground"),
}


@pytest.mark.parametrize("arch", CLI_CASES)
def test_cli_writes_a_backbone_the_registry_loads(arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from bgs_hf.cli.main import main
    from bgs_hf.cli.pretrain_tiny import BACKBONE_NAMES
    from bgs_hf.models import build_embedder, get_backbone_spec

    module, flags, objective, width, stream = CLI_CASES[arch]
    monkeypatch.setattr(importlib.import_module(f"bgs_hf.pretrain.{module}"), "socialshapes_source",
                        lambda: moving_squares)
    out = tmp_path / arch
    rc = main(["pretrain-tiny", str(out), "--arch", arch, "--steps", "3", *flags, "--threads", "1",
               "--probe-clips", "0", "--set", "arch.image_size=32", "--set", "arch.num_frames=8"])
    assert rc == 0
    log = json.loads((out / "training_log.json").read_text())
    assert log["steps"] == 3 and np.isfinite(log["final_loss"]) and objective in log["objective"]
    card = (out / "README.md").read_text()
    assert f"# {BACKBONE_NAMES[arch]}\n" in card and f"`bgs-hf pretrain-tiny OUT --arch {arch} --steps 3" in card
    assert "--set arch.image_size=32" in card and "--set arch.num_frames=8" in card  # the command of THIS run
    spec = get_backbone_spec(out)
    assert (spec.family, spec.num_frames, spec.image_size, spec.hidden_size) == ("bgs_conv3d", 8, 32, width)
    assert spec.config.input_stream == stream
    model = build_embedder(out).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 8, 3, 32, 32)).shape == (2, 128)


@pytest.mark.parametrize("name,stream", [("bgs-tiny-conv3d", "rgb"), ("bgs-tiny-conv3d-fg", "foreground")])
def test_committed_asset_loads_is_small_and_its_corpus_still_renders(name: str, stream: str) -> None:
    from transformers import AutoModel

    import bgs_hf.models.conv3d  # noqa: F401 - registers the model type
    from bgs_hf.pretrain.corpus import render_pool, socialshapes_source
    from bgs_hf.pretrain.train import corpus_fingerprint

    asset = ASSETS / name
    weights = asset / "model.safetensors"
    assert weights.exists(), f"run `bgs-hf pretrain-tiny bgs_hf/assets/{name}`"
    assert weights.stat().st_size <= 10 * 1024 * 1024
    model = AutoModel.from_pretrained(asset)
    assert type(model).__name__ == "BGSConv3dModel" and model.config.image_size == 64
    assert model.config.input_stream == stream
    log = json.loads((asset / "training_log.json").read_text())
    assert log["timing"]["total_s"] < 30 * 60
    assert (asset / "README.md").exists() and (asset / "loss_curve.png").exists()
    seeds = [log["config"]["corpus_seed_offset"] + i for i in range(8)]
    pool = render_pool(seeds, Conv3dArch().frames_arch(), socialshapes_source())
    assert corpus_fingerprint(pool) == log["corpus"]["sha256_first8"]
    probe = json.loads((asset / "probe.json").read_text())["results"]
    own, random_init = probe[f"{name} (pretrained)"], probe["same architecture, random init"]
    assert own["social space"][0] > random_init["social space"][0] + 0.1  # it learnt some social content


def test_the_conv3d_objective_is_written_from_the_settings_that_ran() -> None:
    """The card and log said "frames 8-15 or 8 of 16 tubes ... 4-px cells" whatever ``--set`` changed."""
    from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig, objective

    default = objective(Conv3dPretrainConfig())
    assert "frames 8-15 or 8 of 16 spatial 16-px tubes" in default and "pooled in 4-px cells" in default
    other = objective(Conv3dPretrainConfig(cell=8, hidden_tubes=4,
                                           arch=Conv3dArch(num_frames=8, temporal_strides=[1, 1, 2, 2])))
    assert "frames 4-7 or 4 of 16 spatial 16-px tubes" in other and "pooled in 8-px cells" in other


#: --arch -> (pretraining module, its config class name, its pretraining function name, recipe-specific settings)
RUN_CASES = {
    "conv3d": ("conv3d", "Conv3dPretrainConfig", "pretrain_conv3d", {"hidden_tubes": 2}),
    "conv3d-fg": ("contrastive", "ContrastivePretrainConfig", "pretrain_contrastive", {"max_view_shift": 4}),
}


@pytest.mark.parametrize("arch", RUN_CASES)
def test_a_cnn_run_renders_its_own_seeds_is_deterministic_and_logs_what_it_saw(arch, tmp_path, monkeypatch):
    """Both CNN recipes: the corpus is clips ``corpus_seed_offset + i`` (never a benchmark seed), a seed fixes the
    weights and losses (another seed changes both), the log's seed range and fingerprints are those of the clips
    rendered, and the loss curve is written (a run without ``torch.manual_seed``, with seeds from 0, a
    fingerprint of 7 clips, a timing from the wrong clock or no curve passed every test)."""
    import importlib

    from safetensors.torch import load_file

    from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET
    from bgs_hf.pretrain.corpus import render_pool
    from bgs_hf.pretrain.train import CURVE_FILE, corpus_fingerprint

    module_name, config_name, function_name, extra = RUN_CASES[arch]
    module = importlib.import_module(f"bgs_hf.pretrain.{module_name}")
    seen: list[int] = []

    def source(seed: int) -> np.ndarray:
        seen.append(seed)
        return moving_squares(seed, t=8, size=32)

    monkeypatch.setattr(module, "socialshapes_source", lambda: source)

    def run(name: str, seed: int) -> tuple[list[float], dict, dict]:
        cfg = getattr(module, config_name)(arch=small_arch(), steps=2, warmup_steps=1, batch_size=2,
                                            corpus_clips=9, num_threads=1, seed=seed, **extra)
        res = getattr(module, function_name)(cfg, tmp_path / name, progress=False)
        log = json.loads((tmp_path / name / "training_log.json").read_text())
        assert (tmp_path / name / CURVE_FILE).stat().st_size > 0
        timing = log["timing"]
        assert (timing["render_s"], timing["train_s"]) == (round(res.render_s, 2), round(res.train_s, 2))
        assert timing["total_s"] == round(res.render_s + res.train_s, 2)
        assert timing["s_per_step"] == round(res.train_s / 2, 4)
        return res.losses, load_file(tmp_path / name / "model.safetensors"), log

    (loss_a, w_a, log), (loss_b, w_b, _), (loss_c, w_c, _) = run("a", 0), run("b", 0), run("c", 1)
    assert seen == list(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 9)) * 3
    assert loss_a == loss_b and all(torch.equal(w_a[k], w_b[k]) for k in w_a)
    assert loss_c != loss_a and any(not torch.equal(w_a[k], w_c[k]) for k in w_a)
    assert log["corpus"]["seeds"] == f"{CORPUS_SEED_OFFSET} .. {CORPUS_SEED_OFFSET + 8}"
    arch_cfg = small_arch().frames_arch()
    pool = render_pool(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 9), arch_cfg, source)
    assert log["corpus"]["sha256"] == corpus_fingerprint(pool)
    assert log["corpus"]["sha256_first8"] == corpus_fingerprint(pool[:8])
    assert log["loss"] == [round(x, 6) for x in loss_a] and log["final_loss"] == loss_a[-1]


def test_the_masked_prediction_target_has_unit_variance(tmp_path, monkeypatch):
    """The loss compares the head with the pooled foreground divided by its standard deviation over the corpus
    (a run without that scale passed every test). One corpus clip, so each batch holds flips of it: its target's
    spread is the corpus's, 1 up to the n/(n-1) of the unbiased estimate over its 512 values."""
    import bgs_hf.pretrain.conv3d as conv3d

    targets: list[torch.Tensor] = []
    mse = torch.nn.functional.mse_loss

    def recording(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        targets.append(target.detach().clone())
        return mse(prediction, target)

    monkeypatch.setattr(torch.nn.functional, "mse_loss", recording)
    monkeypatch.setattr(conv3d, "socialshapes_source", lambda: lambda seed: moving_squares(seed, t=8, size=32))
    cfg = Conv3dPretrainConfig(arch=small_arch(), steps=2, warmup_steps=1, batch_size=2, corpus_clips=1,
                               num_threads=1, hidden_tubes=2)
    conv3d.pretrain_conv3d(cfg, tmp_path, progress=False)
    assert len(targets) == 2 and targets[0].shape == (2, 2, 4, 8, 8)
    for t in targets:
        assert float(t.std(unbiased=False)) == pytest.approx((511 / 512) ** 0.5, rel=1e-5)


@pytest.mark.parametrize("name", ["bgs-tiny-conv3d", "bgs-tiny-conv3d-fg"])
def test_the_committed_cnn_cards_are_what_their_logs_render(name: str) -> None:
    """Every figure of a CNN card comes from its log (and probe.json): the committed card is exactly what
    `render_conv3d_card` writes from them. The fg log predates the objective's note on drawing clips with
    replacement, which its card carries, so the current objective text stands in for the logged one."""
    from bgs_hf.pretrain.card import render_conv3d_card
    from bgs_hf.pretrain.contrastive import OBJECTIVE

    asset = ASSETS / name
    log = json.loads((asset / "training_log.json").read_text())
    if name == "bgs-tiny-conv3d-fg":
        log["objective"] = OBJECTIVE
    probe = json.loads((asset / "probe.json").read_text())
    assert render_conv3d_card(log, probe) == (asset / "README.md").read_text()


def test_a_cnn_card_reports_each_setting_of_its_log_in_its_own_place() -> None:
    """Settings the committed cards cannot tell apart (future share 0.5, block widths equal to the projector's):
    a log where each differs puts each number where the card says it is."""
    from bgs_hf.pretrain.card import render_conv3d_card

    log = json.loads((ASSETS / "bgs-tiny-conv3d" / "training_log.json").read_text())
    log["config"].update(future_share=0.25, arch={**log["config"]["arch"], "widths": [8, 16, 24, 40],
                                                  "temporal_strides": [1, 2, 1, 2]})
    log.update(loss=[3.0, 2.0, 1.0], final_loss=1.5)
    probe = {"n_clips": 50, "seeds": "2000000 .. 2000049", "classifier": "a probe", "chance": {"kind": 0.25},
             "results": {"f": {"kind": [0.5, 0.125], "level": [0.75, 0.25]}}}
    card = render_conv3d_card(log, probe)
    assert "Future hidden for 25% of the clips" in card
    assert ("8 ch / temporal stride 1, 16 ch / temporal stride 2, 24 ch / temporal stride 1, "
            "40 ch / temporal stride 2") in card
    assert "**1.5000** (first step: 3.0000)" in card
    assert "| features | kind acc (chance 0.25) | level R² |" in card
    assert "| f | 0.500 ± 0.125 | 0.750 ± 0.250 |" in card
    fg = json.loads((ASSETS / "bgs-tiny-conv3d-fg" / "training_log.json").read_text())
    fg["config"].update(batch_size=5, max_view_shift=3, arch={**fg["config"]["arch"], "widths": [8, 16, 24, 40]},
                        foreground={**fg["config"]["foreground"], "max_shift": 2, "border": 4})
    card = render_conv3d_card(fg)
    assert "shift of up to 3 px" in card
    assert "5 clips per step (10 views), projector Linear(40, 128)" in card and "shake search ±2 px, 4-px border" in card


# --- mutation audit (pretrain), second pass: what each masked-prediction step sees, its hidden tubes, its optimiser ---


def test_each_masked_prediction_step_sees_the_flipped_clips_with_parts_hidden_and_predicts_their_own_foreground(
        tmp_path, monkeypatch, torch_threads_restored):
    """Per step: the network's input is the flipped clips, normalised, times the keep-mask `hide` drew; the target
    is the same flipped clips' pooled foreground over the spread of the whole 3-clip corpus's targets; AdamW has the
    config's weight decay 0.2 over network and head, the loop clips both, torch runs on the config's 1 thread
    (unflipped frames under a flipped target, nothing hidden, the spread of the first clip only, AdamW's own 0.01,
    clipping the network alone or the thread count left as it was passed every test)."""
    import bgs_hf.pretrain.capacity as capacity
    import bgs_hf.pretrain.conv3d as conv3d
    from bgs_hf.pretrain.corpus import to_pixel_values
    from bgs_hf.video.foreground import ForegroundConfig, foreground

    inputs, flips, keeps, targets, seen = [], [], [], [], {}

    class RecordingNet(capacity.Conv3dNet):
        def __init__(self, *a, **k):  # noqa: ANN002, ANN003
            super().__init__(*a, **k)
            self.net[0].register_forward_pre_hook(lambda m, args: inputs.append(args[0].detach().clone())
                                                  if m.training else None)

    flip_together, hide, mse, optimise = conv3d.flip_together, conv3d.hide, torch.nn.functional.mse_loss, conv3d.optimise
    monkeypatch.setattr(capacity, "Conv3dNet", RecordingNet)
    monkeypatch.setattr(conv3d, "flip_together", lambda *a: flips.append(flip_together(*a)) or flips[-1])
    monkeypatch.setattr(conv3d, "hide", lambda *a: keeps.append(hide(*a)) or keeps[-1])
    monkeypatch.setattr(torch.nn.functional, "mse_loss", lambda p, t: targets.append(t.detach().clone()) or mse(p, t))

    def recording_optimise(cfg, opt, params, batch_loss, **kw):  # noqa: ANN001, ANN003
        seen.update(opt=opt, params=params, threads=torch.get_num_threads())
        return optimise(cfg, opt, params, batch_loss, **kw)

    monkeypatch.setattr(conv3d, "optimise", recording_optimise)
    monkeypatch.setattr(conv3d, "socialshapes_source", lambda: lambda seed: moving_squares(seed, t=8, size=32))
    cfg = Conv3dPretrainConfig(arch=small_arch(), steps=2, warmup_steps=1, batch_size=2, corpus_clips=3,
                               num_threads=1, hidden_tubes=2, weight_decay=0.2)
    conv3d.pretrain_conv3d(cfg, tmp_path, progress=False)
    corpus = np.stack([moving_squares(1_000_000 + i, t=8, size=32) for i in range(3)])
    fg = foreground(corpus, ForegroundConfig(), progress=False)[..., None].astype(np.float32) / 255
    scale = float(pooled_targets(fg, small_arch(), 4).std())
    assert len(inputs) == len(flips) == len(keeps) == len(targets) == 2
    for seen_input, (x, f), keep, target in zip(inputs, flips, keeps, targets):
        assert keep.min() == 0 and keep.max() == 1
        assert torch.equal(seen_input, (to_pixel_values(x) * keep).transpose(1, 2))
        expected = pooled_targets(f[..., None].astype(np.float32) / 255, small_arch(), 4) / scale
        torch.testing.assert_close(target, expected)
    (group,) = seen["opt"].param_groups
    assert group["weight_decay"] == 0.2 and seen["threads"] == 1
    assert {id(p) for p in seen["params"]} == {id(p) for p in group["params"]}
    assert sum(p.ndim == 5 for p in seen["params"]) == 3  # two blocks' convolutions and the head's


def test_hide_draws_its_tubes_in_row_major_order_and_hides_the_second_half_of_an_odd_frame_count():
    """Tube k of a 4 x 4 grid is rows 16·(k // 4), columns 16·(k % 4), drawn as the generator's permutation after its
    future draw (rows and columns swapped passed every test); of 9 frames the future is frames 4-8, as the
    objective says (t // 2 on); a future share above 1 is refused."""
    cfg = Conv3dPretrainConfig(future_share=0.0, hidden_tubes=3)
    keep = hide(2, Conv3dArch(), cfg, np.random.default_rng(4))
    draws = np.random.default_rng(4)
    for b in range(2):
        draws.random()
        expected = torch.ones(64, 64)
        for k in draws.permutation(16)[:3]:
            expected[16 * (k // 4) : 16 * (k // 4) + 16, 16 * (k % 4) : 16 * (k % 4) + 16] = 0
        assert torch.equal(keep[b, 5, 0], expected) and torch.equal(keep[b], keep[b, :1].expand_as(keep[b]))
    odd = hide(1, Conv3dArch(num_frames=9, temporal_strides=[1, 1, 1, 1]), Conv3dPretrainConfig(future_share=1.0),
               np.random.default_rng(0))
    assert odd[0, :, 0, 0, 0].tolist() == [1.0] * 4 + [0.0] * 5
    with pytest.raises(ValueError, match="future_share must be in"):
        Conv3dPretrainConfig(future_share=1.5)


@pytest.mark.parametrize("setting, match", [("cell=0", "cell >= 1"), ("hidden_tubes=-1", "hidden_tubes >= 0")])
def test_a_cell_of_0_or_a_negative_tube_count_is_refused_in_one_line(setting, match, tmp_path, capsys, monkeypatch):
    """``--set cell=0`` was a ZeroDivisionError traceback; ``--set hidden_tubes=-1`` hid all tubes but one
    (``permutation(16)[:-1]``) while the card said "-1 of 16"."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)

    assert main(["pretrain-tiny", str(tmp_path / "o"), "--arch", "conv3d", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1, err
