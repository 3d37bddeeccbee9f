"""Pretraining of the bundled ``bgs-tiny-conv3d`` backbone: masked prediction of the label-free foreground.

Why this objective: masked *pixel* reconstruction of SocialShapes clips is dominated by the textured
backgrounds, so neither the tiny ViT nor this CNN learnt anything about the agents from it. The target here
is the foreground of :mod:`bgs_hf.video.foreground` (camera-shake compensation + temporal-median
background, no label): with the second half of the clip (frames 8-15) or 8 of its 16 spatial 16-px tubes
hidden at the input, the network predicts the foreground magnitude of every frame in 4-px cells. Predicting
where hidden agents are, or will be, needs their motion, which is what the social content is made of.

The network is ``bgs_hf.pretrain.capacity.Conv3dNet`` (Conv3d + BatchNorm + ReLU x 4); when training ends,
BatchNorm is folded into the convolutions and the encoder is saved as a plain
:class:`bgs_hf.models.conv3d.BGSConv3dModel` (``AutoModel.from_pretrained`` loads it). The 1x1x1 prediction
head is discarded. Measured effect: ``docs/experiments/README.md`` ("A reconstruction target the agents carry").
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from bgs_hf._process import keeps_process_state
from bgs_hf.errors import whole_number
from bgs_hf.models.conv3d import DEFAULT_TEMPORAL_STRIDES, DEFAULT_WIDTHS, BGSConv3dConfig, from_conv_bn_stack
from bgs_hf.pretrain.config import PretrainSchedule, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import render_pool, socialshapes_source, to_pixel_values
from bgs_hf.pretrain.train import (
    CURVE_FILE,
    PretrainResult,
    corpus_fingerprint,
    optimise,
    plot_loss_curve,
    preprocessor_dict,
    write_training_log,
)
from bgs_hf.video.foreground import ForegroundConfig, foreground

logger = logging.getLogger(__name__)

#: Side (px) of the square tubes the masks hide, through every frame.
TUBE_PX = 16


@dataclass
class Conv3dArch:
    """Block widths and temporal strides of the CNN (every block also halves height and width)."""

    widths: list[int] = field(default_factory=lambda: list(DEFAULT_WIDTHS))
    temporal_strides: list[int] = field(default_factory=lambda: list(DEFAULT_TEMPORAL_STRIDES))
    num_frames: int = 16
    image_size: int = 64

    def __post_init__(self) -> None:
        # one line naming the field: BGSConv3dConfig read 2.5 frames as 2 and a 64.7-px image as 64, and the corpus
        # was rendered at the size given; the bounds are the model config's (to_config)
        self.widths = [whole_number(w, f"Conv3dArch.widths[{i}]") for i, w in enumerate(self.widths)]
        self.temporal_strides = [whole_number(s, f"Conv3dArch.temporal_strides[{i}]")
                                 for i, s in enumerate(self.temporal_strides)]
        self.num_frames = whole_number(self.num_frames, "Conv3dArch.num_frames")
        self.image_size = whole_number(self.image_size, "Conv3dArch.image_size")

    def to_config(self, **extra: Any) -> BGSConv3dConfig:
        """The model config; ``extra``: further ``BGSConv3dConfig`` fields (e.g. its input stream)."""
        return BGSConv3dConfig(widths=self.widths, temporal_strides=self.temporal_strides,
                               num_frames=self.num_frames, image_size=self.image_size, **extra)

    def frames_arch(self) -> TinyVideoMAEArch:
        """The corpus renderer's shape arguments (it is shared with the ViT's pretraining)."""
        return TinyVideoMAEArch(image_size=self.image_size, num_frames=self.num_frames)


@dataclass
class Conv3dPretrainConfig(PretrainSchedule):
    """Everything that determines the bundled ``bgs-tiny-conv3d`` weights; the defaults are its recipe."""

    steps: int = 1600
    warmup_steps: int = 50
    arch: Conv3dArch = field(default_factory=Conv3dArch)
    #: foreground cells (px) each output location predicts, per frame
    cell: int = 4
    #: share of clips whose future (second half of the frames) is hidden; the rest lose ``hidden_tubes``
    future_share: float = 0.5
    hidden_tubes: int = 8
    foreground: ForegroundConfig = field(default_factory=ForegroundConfig)

    def __post_init__(self) -> None:
        super().__post_init__()
        a = self.arch
        a.__post_init__()  # whole numbers, set by --set after it was built
        self.cell = whole_number(self.cell, "Conv3dPretrainConfig.cell")
        self.hidden_tubes = whole_number(self.hidden_tubes, "Conv3dPretrainConfig.hidden_tubes")
        a.to_config()  # widths and temporal strides: one entry per block, every size at least 1, ...
        if self.cell < 1 or self.hidden_tubes < 0:  # cell 0 divided by zero; -1 tubes hid all but one
            raise ValueError(f"need cell >= 1 and hidden_tubes >= 0, got cell={self.cell}, "
                             f"hidden_tubes={self.hidden_tubes}")
        if a.image_size % TUBE_PX or (a.image_size // TUBE_PX) ** 2 <= self.hidden_tubes:
            raise ValueError(f"image_size {a.image_size} must be a multiple of {TUBE_PX} with more than "
                             f"{self.hidden_tubes} tubes of {TUBE_PX} px")
        blocks = len(a.widths)
        if a.image_size % 2 ** blocks:  # the targets' grid is image_size // 2**blocks: the network's only then
            raise ValueError(f"image_size {a.image_size} must be a multiple of {2 ** blocks}: each of the {blocks} "
                             "blocks halves it, and each output location predicts its own tile")
        grid = a.image_size // 2 ** blocks
        steps = output_steps(a.num_frames, a.temporal_strides)
        if a.num_frames % steps:  # each output step predicts its own frames: as many for every step
            raise ValueError(f"num_frames {a.num_frames} must be a multiple of the {steps} time steps the blocks "
                             f"output (temporal strides {a.temporal_strides})")
        if (a.image_size // grid) % self.cell:
            raise ValueError(f"cell {self.cell} must divide the {a.image_size // grid}-px receptive tile")
        if not 0.0 <= self.future_share <= 1.0:
            raise ValueError(f"future_share must be in [0, 1], got {self.future_share}")
        self.foreground.__post_init__()  # as the contrastive recipe does: --set foreground.max_shift=-1 passed


def objective(cfg: Conv3dPretrainConfig) -> str:
    """The card's objective, from the settings that ran (fixed text said frames 8-15 of an 8-frame run)."""
    t, tubes = cfg.arch.num_frames, (cfg.arch.image_size // TUBE_PX) ** 2
    return (f"Masked prediction of the label-free foreground (SimMIM-style): per clip either frames {t // 2}-{t - 1} "
            f"or {cfg.hidden_tubes} of {tubes} spatial {TUBE_PX}-px tubes zeroed at the input; MSE on the foreground "
            f"magnitude of every frame, pooled in {cfg.cell}-px cells, predicted by a 1x1x1 Conv3d head on the "
            "last block")


def output_steps(frames: int, temporal_strides: list[int]) -> int:
    """Time steps the last block outputs for ``frames`` input frames (kernel 3, padding 1: stride s maps t steps
    to (t - 1) // s + 1)."""
    for s in temporal_strides:
        frames = (frames - 1) // s + 1
    return frames


def pooled_targets(target: np.ndarray, arch: Conv3dArch, cell: int) -> torch.Tensor:
    """float (B, T, H, W, C) -> (B, T/t·C·(tile/cell)², t, g, g): each output location (t, g, g) of the last
    block predicts the ``cell``-pooled target of its own frames and tile, flattened into channels."""
    b, t_in, h, _, c = target.shape
    t_out = output_steps(t_in, arch.temporal_strides)
    g = h // 2 ** len(arch.widths)
    tile, dt = h // g, t_in // t_out
    n = tile // cell
    x = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float32)).permute(0, 1, 4, 2, 3)
    x = nn.functional.avg_pool2d(x.reshape(b * t_in * c, 1, h, h), cell).reshape(b, t_out, dt, c, g, n, g, n)
    return x.permute(0, 2, 3, 5, 7, 1, 4, 6).reshape(b, dt * c * n * n, t_out, g, g)


def flip_together(frames: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random horizontal and vertical flips of clips (B, T, H, W, 3) and their foreground (B, T, H, W), each clip
    and its foreground alike: flipped apart, the target would put the agents where the frames do not show them.
    Returns flipped copies."""
    x, f = frames.copy(), target.copy()
    for flip, axis in ((rng.random(len(x)) < 0.5, 3), (rng.random(len(x)) < 0.5, 2)):
        x[flip], f[flip] = np.flip(x[flip], axis), np.flip(f[flip], axis)
    return x, f


def hide(batch: int, arch: Conv3dArch, cfg: Conv3dPretrainConfig, rng: np.random.Generator) -> torch.Tensor:
    """Input keep-mask (B, T, 1, H, W), 1 = visible: the future of some clips, random tubes of the rest."""
    t, s = arch.num_frames, arch.image_size
    per_row = s // TUBE_PX
    keep = torch.ones(batch, t, 1, s, s)
    for b in range(batch):
        if rng.random() < cfg.future_share:
            keep[b, t // 2 :] = 0
        else:
            for tube in rng.permutation(per_row * per_row)[: cfg.hidden_tubes]:
                r, c = divmod(int(tube), per_row)
                keep[b, :, :, r * TUBE_PX : (r + 1) * TUBE_PX, c * TUBE_PX : (c + 1) * TUBE_PX] = 0
    return keep


@keeps_process_state
def pretrain_conv3d(cfg: Conv3dPretrainConfig, out_dir: str | Path, *, progress: bool = True) -> PretrainResult:
    """Render the corpus, compute its foreground, pretrain, fold BatchNorm and save the encoder in ``out_dir``
    (``config.json``, ``model.safetensors``, ``preprocessor_config.json``, training log, loss curve)."""
    from bgs_hf.pretrain.capacity import Conv3dNet

    cfg.__post_init__()  # CLI overrides are set after construction
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.num_threads)
    arch = cfg.arch
    t0 = time.perf_counter()
    seeds = [cfg.corpus_seed_offset + i for i in range(cfg.corpus_clips)]
    pool = render_pool(seeds, arch.frames_arch(), socialshapes_source())
    fg = foreground(pool, cfg.foreground, progress=progress)
    render_s = time.perf_counter() - t0
    logger.info("rendered %d corpus clips and their foreground in %.1f s", len(pool), render_s)

    def target(fg_batch: np.ndarray) -> torch.Tensor:
        return pooled_targets(fg_batch[..., None].astype(np.float32) / 255, arch, cfg.cell)

    torch.manual_seed(cfg.seed)
    net = Conv3dNet(widths=arch.widths, temporal_strides=arch.temporal_strides)
    scale = float(target(fg[: min(200, len(fg))]).std()) or 1.0  # unit-variance targets
    trunk = net.net[:-2]  # without the global pool: the head predicts per location
    head = nn.Conv3d(net.dim, target(fg[:1]).shape[1], 1)
    params = [*net.parameters(), *head.parameters()]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    def batch_loss(rng: np.random.Generator) -> torch.Tensor:
        idx = rng.integers(0, len(pool), cfg.batch_size)
        x, f = flip_together(pool[idx], fg[idx], rng)
        visible = to_pixel_values(x) * hide(cfg.batch_size, arch, cfg, rng)
        return nn.functional.mse_loss(head(trunk(visible.transpose(1, 2))), target(f) / scale)

    losses, train_s = optimise(cfg, opt, params, batch_loss, desc="pretrain conv3d", progress=progress)
    result = PretrainResult(out, losses, render_s, train_s, corpus_fingerprint(pool), corpus_fingerprint(pool[:8]))

    net.eval()
    save_backbone(trunk, arch.to_config(), result, cfg, objective=objective(cfg), name="bgs-tiny-conv3d",
                  loss_name="foreground MSE")
    return result


def save_backbone(trunk: nn.Sequential, config: BGSConv3dConfig, result: PretrainResult, cfg: Any, *, objective: str,
                  name: str, loss_name: str) -> None:
    """What both CNN recipes leave in ``result.out_dir``: the BatchNorm-folded encoder (``trunk`` in eval mode,
    a Conv3d+BatchNorm3d+ReLU stack), its preprocessor config, the training log and the loss curve."""
    out = result.out_dir
    model = from_conv_bn_stack(trunk, config)
    model.config.architectures = ["BGSConv3dModel"]
    model.save_pretrained(out)
    (out / "preprocessor_config.json").write_text(json.dumps(preprocessor_dict(cfg.arch.frames_arch()), indent=2) + "\n",
                                                   encoding="utf-8")
    write_training_log(result, cfg, objective=objective)
    plot_loss_curve(result.losses, out / CURVE_FILE, title=f"{name} pretraining", ylabel=loss_name)
    logger.info("%s: final loss %.4f after %d steps (%.1f s training)", name, result.final_loss, cfg.steps,
                result.train_s)
