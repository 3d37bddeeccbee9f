"""Masked video autoencoding (VideoMAE) of the tiny ViT backbone on the unlabelled corpus.

Only the encoder is saved, as a plain `VideoMAEModel` checkpoint, so ``VideoMAEModel.from_pretrained`` and
the backbone registry load it like any Hub VideoMAE; the decoder is a pretraining device and is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from bgs_hf._process import keeps_process_state
from bgs_hf.errors import refusing_out_of_memory
from bgs_hf.pretrain.config import PretrainConfig, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import (
    ClipSource,
    render_pool,
    sample_batch,
    socialshapes_source,
    to_pixel_values,
    tube_mask,
)
from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

logger = logging.getLogger(__name__)

#: What every recipe writes beside its weights: the per-step loss log and its plot, both named in the model card.
LOG_FILE = "training_log.json"
CURVE_FILE = "loss_curve.png"
#: How the card names each reconstruction target.
OBJECTIVES = {
    "pixels": "VideoMAE masked video autoencoding (tube masking), MSE on normalised pixel patches",
    "motion": "Masked video autoencoding (tube masking) with a motion target (MotionMAE-style): MSE on "
    "per-patch normalised temporal frame differences of the masked tubelets",
    "pixels+motion": "Masked video autoencoding (tube masking) with two targets: MSE on normalised pixel "
    "patches plus motion_weight x MSE on per-patch normalised temporal frame differences",
}


@dataclass
class PretrainResult:
    """What a run produced: the output folder, per-step losses and timings (seconds)."""

    out_dir: Path
    losses: list[float]
    render_s: float
    train_s: float
    corpus_sha256: str = ""
    corpus_sha256_first8: str = ""

    @property
    def final_loss(self) -> float:
        """Mean of the last 5% of steps (single steps are noisy under random masks)."""
        tail = max(1, len(self.losses) // 20)
        return float(np.mean(self.losses[-tail:]))


def cpu_description() -> str:
    """A one-line description of the CPU, for the timing note in the model card."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def corpus_fingerprint(pool: np.ndarray) -> str:
    """sha256 of rendered frames: shows whether the renderer still produces the corpus the weights saw."""
    return hashlib.sha256(np.ascontiguousarray(pool).tobytes()).hexdigest()


def lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warm-up then cosine decay to ``min_lr``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * min(1.0, t)))


def preprocessor_dict(arch: TinyVideoMAEArch) -> dict[str, Any]:
    """`VideoMAEImageProcessor`-style preprocessing of the frames the encoder was trained on."""
    return {
        "image_processor_type": "VideoMAEImageProcessor",
        "do_resize": True,
        "size": {"shortest_edge": arch.image_size},
        "do_center_crop": True,
        "crop_size": {"height": arch.image_size, "width": arch.image_size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": list(IMAGENET_MEAN),
        "image_std": list(IMAGENET_STD),
        "resample": 2,
        "num_frames": arch.num_frames,
    }


def build_pretraining_model(cfg: PretrainConfig) -> torch.nn.Module:
    """A freshly initialised `VideoMAEForPreTraining`, seeded by ``cfg.seed``.

    For ``target="pixels+motion"`` the (discarded) decoder head is twice as wide: one half per target.
    """
    from transformers import VideoMAEForPreTraining

    torch.manual_seed(cfg.seed)
    model = VideoMAEForPreTraining(cfg.arch.to_videomae_config())
    if cfg.target == "pixels+motion":
        head = model.decoder.head
        model.decoder.head = torch.nn.Linear(head.in_features, 2 * head.out_features)
    return model


def patchify(frames: torch.Tensor, arch: TinyVideoMAEArch) -> torch.Tensor:
    """(B,T,C,H,W) -> (B, tokens, ts*p*p, C) in the token order of VideoMAE's tubelet embedding."""
    b, t, c, h, w = frames.shape
    ts, p = arch.tubelet_size, arch.patch_size
    x = frames.reshape(b, t // ts, ts, c, h // p, p, w // p, p).permute(0, 1, 4, 6, 2, 5, 7, 3)
    return x.reshape(b, (t // ts) * (h // p) * (w // p), ts * p * p, c)


#: Added to the per-patch std of pixels: `VideoMAEForPreTraining`'s own ``norm_pix_loss`` epsilon, so the "pixels"
#: target here is the one its built-in loss uses.
PIXEL_EPS = 1e-6


def _normalise_patches(x: torch.Tensor, eps: float) -> torch.Tensor:
    """Per-patch, per-channel standardisation (VideoMAE's norm_pix_loss), flattened to (B, tokens, D)."""
    x = (x - x.mean(dim=-2, keepdim=True)) / (x.var(dim=-2, unbiased=True, keepdim=True).sqrt() + eps)
    return x.flatten(2)


#: Added to the per-patch std of frame differences: static patches (std 0) keep a target of exactly 0
#: instead of amplified rounding noise, while a patch crossed by an agent is scaled to about unit variance.
MOTION_EPS = 0.02


@torch.no_grad()
def reconstruction_targets(pixel_values: torch.Tensor, arch: TinyVideoMAEArch, target: str) -> list[torch.Tensor]:
    """Per-token targets (B, tokens, D) for each part of ``target`` ("pixels" and/or "motion").

    Motion is the forward temporal difference of the un-normalised frames (the last frame repeats the
    previous difference), so a tubelet's motion target says where and how the agents moved within it.
    """
    mean = torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1)
    frames = pixel_values * std + mean
    out = []
    if "pixels" in target:
        out.append(_normalise_patches(patchify(frames, arch), PIXEL_EPS))
    if "motion" in target:
        diff = frames[:, 1:] - frames[:, :-1]
        diff = torch.cat([diff, diff[:, -1:]], dim=1)
        out.append(_normalise_patches(patchify(diff, arch), MOTION_EPS))
    return out


def decode_masked(model: torch.nn.Module, pixel_values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The decoder's predictions for the masked tokens: `VideoMAEForPreTraining.forward` without its built-in
    pixel loss (which would fail on a wider head and costs time we do not need)."""
    hidden = model.encoder_to_decoder(model.videomae(pixel_values, bool_masked_pos=mask).last_hidden_state)
    b, _, c = hidden.shape
    pos = model.position_embeddings.expand(b, -1, -1).type_as(pixel_values).detach()
    pos_visible = pos[~mask].reshape(b, -1, c)
    pos_masked = pos[mask].reshape(b, -1, c)
    x_full = torch.cat([hidden + pos_visible, model.mask_token + pos_masked], dim=1)
    return model.decoder(x_full, pos_masked.shape[1]).logits


def masked_loss(
    model: torch.nn.Module, pixel_values: torch.Tensor, mask: torch.Tensor, cfg: PretrainConfig
) -> torch.Tensor:
    """MSE of the decoder's predictions for the masked tokens against ``cfg.target``.

    "pixels" with ``norm_pix_loss`` is exactly `VideoMAEForPreTraining`'s own loss, so it is used as is.
    """
    if cfg.target == "pixels":
        return model(pixel_values=pixel_values, bool_masked_pos=mask).loss
    logits = decode_masked(model, pixel_values, mask)  # (B, masked, parts * D)
    targets = reconstruction_targets(pixel_values, cfg.arch, cfg.target)
    b, d = len(pixel_values), targets[0].shape[-1]
    weights = [1.0] if len(targets) == 1 else [1.0, cfg.motion_weight]
    loss = pixel_values.new_zeros(())
    for k, (tgt, w) in enumerate(zip(targets, weights)):
        labels = tgt[mask].reshape(b, -1, d)
        loss = loss + w * torch.nn.functional.mse_loss(logits[..., k * d : (k + 1) * d], labels)
    return loss


def out_of_memory_line(named: Callable[..., str], batch_size: int, step: int) -> str:
    """The refusal of a batch that does not fit in memory, naming the batch size (``--batch-size`` in the CLI)."""
    smaller = f" (e.g. {batch_size // 2})" if batch_size >= 4 else ""
    return (f"out of memory in pretraining step {step + 1} with {named('batch_size', batch_size)}: give a smaller "
            f"{named('batch_size')}{smaller}")


def optimise(cfg: Any, opt: torch.optim.Optimizer, params: list[torch.nn.Parameter],
             batch_loss: Callable[[np.random.Generator], torch.Tensor], *, desc: str,
             progress: bool = True) -> tuple[list[float], float]:
    """The pretraining loop the three bundled backbones share: ``cfg.steps`` steps of warm-up + cosine lr
    (:func:`lr_at`), gradient clipping at ``cfg.grad_clip``, a progress bar with the running loss. A step that
    runs out of memory is a :class:`~bgs_hf.errors.BGSSettingError` naming ``batch_size`` (was a torch traceback).

    ``batch_loss(rng)`` draws a batch with the run's generator (seeded by ``cfg.seed``) and returns its loss.
    Returns the per-step losses and the training wall time in seconds.
    """
    rng = np.random.default_rng(cfg.seed)
    losses: list[float] = []
    t0 = time.perf_counter()
    bar = tqdm(range(cfg.steps), desc=desc, unit="step", disable=not progress)
    for step in bar:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        with refusing_out_of_memory(lambda n, step=step: out_of_memory_line(n, cfg.batch_size, step)):
            loss = batch_loss(rng)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
        losses.append(float(loss.detach()))
        if step % cfg.log_every == 0 or step == cfg.steps - 1:
            bar.set_postfix(loss=f"{np.mean(losses[-cfg.log_every:]):.4f}")
    return losses, time.perf_counter() - t0


def build_optimizer(model: torch.nn.Module, cfg: PretrainConfig) -> torch.optim.AdamW:
    """AdamW with VideoMAE's betas (0.9, 0.95), decaying only parameters of 2+ dimensions outside ``embeddings``:
    the usual ViT exclusion of biases, norms and the patch embedding from weight decay."""
    decays = {n: p.ndim >= 2 and "embeddings" not in n for n, p in model.named_parameters()}
    decay = [p for n, p in model.named_parameters() if decays[n]]
    no_decay = [p for n, p in model.named_parameters() if not decays[n]]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )


@keeps_process_state
def pretrain(
    cfg: PretrainConfig,
    out_dir: str | Path,
    *,
    source: ClipSource | None = None,
    progress: bool = True,
) -> PretrainResult:
    """Render the corpus, pretrain, and save encoder + preprocessor config + loss log + curve in ``out_dir``.

    Deterministic for a given ``cfg`` (seed) and torch thread count; ``source`` defaults to SocialShapes. The
    caller's thread count and global random states come back as they were.
    """
    cfg.__post_init__()  # re-validate: CLI overrides are set after construction
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.num_threads)
    t0 = time.perf_counter()
    seeds = [cfg.corpus_seed_offset + i for i in range(cfg.corpus_clips)]
    pool = render_pool(seeds, cfg.arch, source or socialshapes_source())
    render_s = time.perf_counter() - t0
    logger.info("rendered %d corpus clips in %.1f s", len(pool), render_s)

    model = build_pretraining_model(cfg)
    model.train()
    opt = build_optimizer(model, cfg)

    def batch_loss(rng: np.random.Generator) -> torch.Tensor:
        pixel_values = to_pixel_values(sample_batch(pool, cfg.batch_size, rng))
        mask = tube_mask(cfg.batch_size, cfg.arch, cfg.mask_ratio, rng)
        return masked_loss(model, pixel_values, mask, cfg)

    losses, train_s = optimise(cfg, opt, list(model.parameters()), batch_loss, desc="pretrain", progress=progress)
    result = PretrainResult(out, losses, render_s, train_s, corpus_fingerprint(pool), corpus_fingerprint(pool[:8]))

    model.videomae.config.architectures = ["VideoMAEModel"]
    model.videomae.save_pretrained(out)
    (out / "preprocessor_config.json").write_text(json.dumps(preprocessor_dict(cfg.arch), indent=2) + "\n",
                                                   encoding="utf-8")
    write_training_log(result, cfg)
    plot_loss_curve(losses, out / CURVE_FILE)
    logger.info("final loss %.4f after %d steps (%.1f s training)", result.final_loss, cfg.steps, train_s)
    return result


def write_training_log(result: PretrainResult, cfg: Any, *, objective: str | None = None) -> Path:
    """JSON log: the full config, per-step loss, timings, and where it was measured.

    ``cfg`` is a :class:`PretrainConfig` (objective from its target) or another pretraining config with
    ``to_dict``, ``corpus_clips`` and ``corpus_seed_offset`` (then ``objective`` is required).
    """
    n = len(result.losses)
    log = {
        "config": cfg.to_dict(),
        "objective": objective if objective is not None else OBJECTIVES[cfg.target],
        "corpus": {
            "kind": "SocialShapes-style clips rendered in memory, frames only",
            "n_clips": cfg.corpus_clips,
            "seeds": f"{cfg.corpus_seed_offset} .. {cfg.corpus_seed_offset + cfg.corpus_clips - 1}",
            "sha256": result.corpus_sha256,
            "sha256_first8": result.corpus_sha256_first8,
        },
        "steps": n,
        "final_loss": result.final_loss,
        "loss": [round(x, 6) for x in result.losses],
        "timing": {
            "render_s": round(result.render_s, 2),
            "train_s": round(result.train_s, 2),
            "total_s": round(result.render_s + result.train_s, 2),
            "s_per_step": round(result.train_s / max(1, n), 4),
            "torch_threads": torch.get_num_threads(),
            "cpu": cpu_description(),
            "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    path = result.out_dir / LOG_FILE
    path.write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    return path


def plot_loss_curve(losses: list[float], path: Path, *, title: str = "bgs-tiny-videomae pretraining",
                    ylabel: str = "reconstruction MSE") -> Path:
    """Per-step loss (faint) and a running mean (bold)."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    from bgs_hf.viz.figure import subplots, tight_layout
    from bgs_hf.viz.matrices import save_figure

    y = np.asarray(losses)
    k = max(1, len(y) // 50)
    smooth = np.convolve(y, np.ones(k) / k, mode="valid")
    fig, ax = subplots(figsize=(5, 3), dpi=100)
    ax.plot(np.arange(len(y)), y, alpha=0.3, lw=0.8, label="step")
    # A line needs two points and matplotlib's ticks around one point read -0.04 ... 0.04: a one-step run gets a
    # marker and a single tick at step 0.
    ax.plot(np.arange(k - 1, len(y)), smooth, lw=2, marker="o" if len(y) == 1 else None, label=f"mean of {k}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True) if len(y) > 1 else FixedLocator([0]))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    tight_layout(fig)
    save_figure(fig, path)
    return path
