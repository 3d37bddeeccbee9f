"""Pretraining of ``bgs-tiny-conv3d-fg``: contrastive learning (SimCLR) on the label-free foreground stream.

Why this recipe: the social content of a SocialShapes clip is how its agents move relative to each other. The
model's input is the foreground stream of :mod:`bgs_hf.video.foreground` (computed inside the model, so the
textured background never reaches the convolutions), and two views of one clip differ only in what that
content is invariant to: a horizontal flip, a 90-degree rotation, a shift of up to ``max_view_shift`` px and a
contrast gain. Time is never altered. Telling a clip's view from 63 others' then needs the relative motion,
not where the clip happens to be or how bright its agents are. Measured against the masked-foreground recipe
of ``bgs-tiny-conv3d``: probe R² of the social space 0.48 vs 0.19, and BGS test R² 0.075 vs 0.008 on the demo's
seed 0 of SocialShapes v2 (0.080 on v3 with the demo's current recipe; README; ``docs/experiments/README.md``, "SimCLR on the foreground stream
as the default").

The network is ``bgs_hf.pretrain.capacity.Conv3dNet`` on one input channel; BatchNorm is folded when training
ends and the encoder saved as a :class:`bgs_hf.models.conv3d.BGSConv3dModel` with ``input_stream="foreground"``.
The projector (Linear-ReLU-Linear, as in SimCLR) is discarded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from bgs_hf._process import keeps_process_state
from bgs_hf.errors import finite_number, whole_number
from bgs_hf.pretrain.config import PretrainSchedule
from bgs_hf.pretrain.conv3d import Conv3dArch, save_backbone
from bgs_hf.pretrain.corpus import render_pool, socialshapes_source, to_pixel_values
from bgs_hf.pretrain.train import PretrainResult, corpus_fingerprint, optimise
from bgs_hf.video.foreground import ForegroundConfig

if TYPE_CHECKING:
    from bgs_hf.models.conv3d import BGSConv3dConfig

logger = logging.getLogger(__name__)

NAME = "bgs-tiny-conv3d-fg"
OBJECTIVE = ("Contrastive learning (SimCLR, NT-Xent) on the label-free foreground stream computed inside the "
             "model: two views per clip differing by a random horizontal flip, 90-degree rotation, shift and "
             "gain; every other clip of the batch is a negative (clips are drawn with replacement, so a batch "
             "can hold one twice)")


@dataclass
class ContrastivePretrainConfig(PretrainSchedule):
    """Everything that determines the bundled ``bgs-tiny-conv3d-fg`` weights; the defaults are its recipe."""

    steps: int = 600
    warmup_steps: int = 50
    arch: Conv3dArch = field(default_factory=lambda: Conv3dArch(widths=[32, 64, 128, 128]))
    temperature: float = 0.1
    #: hidden and output width of the (discarded) projector
    projector_hidden: int = 128
    projector_dim: int = 64
    #: largest view shift in px per axis (circular: the stream's border is zero, but a shift past
    #: its width wraps some of the stream round)
    max_view_shift: int = 8
    min_view_gain: float = 0.6
    max_view_gain: float = 1.4
    #: the stream is scaled by this inside the model so its typical values are O(1)
    foreground_gain: float = 4.0
    foreground: ForegroundConfig = field(default_factory=ForegroundConfig)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.arch.__post_init__()  # whole numbers, set by --set after it was built
        for name in ("projector_hidden", "projector_dim", "max_view_shift"):
            setattr(self, name, whole_number(getattr(self, name), f"ContrastivePretrainConfig.{name}"))
        self.arch.to_config()  # widths and temporal strides: one entry per block, ...
        # `not x > 0` and isfinite: NaN passed `x <= 0` and trained on NaN losses, an infinite gain drew infinite views
        for name in ("temperature", "min_view_gain", "max_view_gain", "foreground_gain"):
            finite_number(getattr(self, name), name, above=0, error=ValueError)
        for name in ("projector_hidden", "projector_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.batch_size < 2:
            raise ValueError(f"contrastive learning needs batch_size >= 2, got {self.batch_size}")
        if not 0 < self.min_view_gain <= self.max_view_gain:
            raise ValueError(f"need 0 < min_view_gain <= max_view_gain, got {self.min_view_gain}, "
                             f"{self.max_view_gain}")
        if not 0 <= self.max_view_shift < self.arch.image_size // 2:
            raise ValueError(f"max_view_shift must be in [0, {self.arch.image_size // 2}), got {self.max_view_shift}")
        self.foreground.__post_init__()

    def model_config(self) -> BGSConv3dConfig:
        """The ``BGSConv3dConfig`` of the saved encoder (foreground input stream)."""
        return self.arch.to_config(input_stream="foreground", foreground_gain=self.foreground_gain,
                                   foreground_max_shift=self.foreground.max_shift,
                                   foreground_border=self.foreground.border)


def views(stream: torch.Tensor, cfg: ContrastivePretrainConfig, rng: np.random.Generator) -> torch.Tensor:
    """One random view per clip of ``stream`` (B, 1, T, H, W): flip, 90-degree rotation, shift, gain."""
    out = torch.empty_like(stream)
    s = cfg.max_view_shift
    for b in range(len(stream)):
        v = stream[b].flip(-1) if rng.random() < 0.5 else stream[b]
        v = torch.rot90(v, int(rng.integers(4)), dims=(-2, -1))
        dy, dx = (int(d) for d in rng.integers(-s, s + 1, 2))
        out[b] = torch.roll(v, (dy, dx), dims=(-2, -1)) * float(rng.uniform(cfg.min_view_gain, cfg.max_view_gain))
    return out


def nt_xent(z: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's loss for ``z`` (2B, D): rows i and i + B are two views of one clip; the other 2B - 2 rows are
    negatives. Cosine similarity / temperature, cross-entropy over each row."""
    n = len(z) // 2
    z = nn.functional.normalize(z, dim=-1)
    logits = (z @ z.T / temperature).fill_diagonal_(float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return nn.functional.cross_entropy(logits, positives)


def foreground_streams(pool: np.ndarray, model: nn.Module, *, chunk: int = 64, progress: bool = True) -> torch.Tensor:
    """The model's own input stream of every corpus clip, (N, 1, T, H, W) float16 (computed once: it has no
    parameters, so precomputing it is exact and keeps a step's cost that of the convolutions)."""
    parts = []
    for i in tqdm(range(0, len(pool), chunk), desc="foreground stream", unit="chunk", disable=not progress):
        parts.append(model.input_stream(to_pixel_values(pool[i : i + chunk])).half())
    return torch.cat(parts)


@keeps_process_state
def pretrain_contrastive(cfg: ContrastivePretrainConfig, out_dir: str | Path, *,
                         progress: bool = True) -> PretrainResult:
    """Render the corpus, compute its foreground stream, pretrain, fold BatchNorm and save the encoder in
    ``out_dir`` (``config.json``, ``model.safetensors``, ``preprocessor_config.json``, training log, curve)."""
    from bgs_hf.models.conv3d import BGSConv3dModel
    from bgs_hf.pretrain.capacity import Conv3dNet

    cfg.__post_init__()  # CLI overrides are set after construction
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.num_threads)
    arch, model_config = cfg.arch, cfg.model_config()
    t0 = time.perf_counter()
    seeds = [cfg.corpus_seed_offset + i for i in range(cfg.corpus_clips)]
    pool = render_pool(seeds, arch.frames_arch(), socialshapes_source())
    stream = foreground_streams(pool, BGSConv3dModel(model_config), progress=progress)
    render_s = time.perf_counter() - t0
    logger.info("rendered %d corpus clips and their foreground stream in %.1f s", len(pool), render_s)

    torch.manual_seed(cfg.seed)
    net = Conv3dNet(widths=arch.widths, temporal_strides=arch.temporal_strides, in_channels=1)
    projector = nn.Sequential(nn.Linear(net.dim, cfg.projector_hidden), nn.ReLU(),
                              nn.Linear(cfg.projector_hidden, cfg.projector_dim))
    params = [*net.parameters(), *projector.parameters()]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    def batch_loss(rng: np.random.Generator) -> torch.Tensor:
        # drawn with replacement, so a batch can hold a clip twice (its views then also serve as negatives);
        # kept as it is so that `bgs-hf pretrain-tiny` reproduces the committed bgs-tiny-conv3d-fg weights
        clips = stream[rng.integers(0, len(stream), cfg.batch_size)].float()
        pair = torch.cat([views(clips, cfg, rng), views(clips, cfg, rng)])
        return nt_xent(projector(net.net(pair)), cfg.temperature)

    losses, train_s = optimise(cfg, opt, params, batch_loss, desc="pretrain conv3d-fg", progress=progress)
    result = PretrainResult(out, losses, render_s, train_s, corpus_fingerprint(pool), corpus_fingerprint(pool[:8]))

    net.eval()
    save_backbone(net.net[:-2], model_config, result, cfg, objective=OBJECTIVE, name=NAME, loss_name="NT-Xent loss")
    return result
