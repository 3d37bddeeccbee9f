"""bgs-tiny-conv3d pretraining (the target layout, the input masks) and, for both CNN recipes, the CLI and the
committed assets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_pretrain import moving_squares

from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig, hide, pooled_targets

ASSETS = Path(__file__).resolve().parents[1] / "bgs_hf" / "assets"
SMALL = Conv3dArch(widths=[8, 16], temporal_strides=[1, 2], num_frames=8, image_size=32)


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


def test_config_rejects_impossible_shapes():
    with pytest.raises(ValueError, match="multiple of 16"):
        Conv3dPretrainConfig(arch=Conv3dArch(image_size=40))
    with pytest.raises(ValueError, match="cell"):
        Conv3dPretrainConfig(cell=3)


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
