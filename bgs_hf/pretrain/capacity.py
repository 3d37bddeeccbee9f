"""Capacity check: can an architecture learn SocialShapes' social content at all, given labels and our budget?

A diagnostic for choosing the default backbone, not part of any training path. It trains each candidate
*from scratch with oracle supervision* (the clip's coordinates in the simulated observers' social space, a
privilege no real pipeline has) on corpus clips, and scores a held-out R² on probe clips. If an
architecture cannot learn the content even so, self-supervised pretraining plus BGS on 200 clips cannot
be expected to find it. Seeds are the pretraining corpus's and the probe's, so no benchmark clip is used.

Run: ``python -m bgs_hf.pretrain.capacity --out docs/experiments/capacity_check.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from bgs_hf._process import keeps_process_state
from bgs_hf.errors import whole_number
from bgs_hf.models.conv3d import DEFAULT_TEMPORAL_STRIDES, DEFAULT_WIDTHS
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch, check_probe_seeds
from bgs_hf.pretrain.corpus import fit_frames, to_pixel_values
from bgs_hf.pretrain.probe import socialshapes_labelled

logger = logging.getLogger(__name__)


def _conv_block(c_in: int, c_out: int, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> list[nn.Module]:
    """Conv + BatchNorm + ReLU, the standard 3-D CNN block (C3D/R3D)."""
    return [nn.Conv3d(c_in, c_out, kernel, stride=stride, padding=tuple(k // 2 for k in kernel)),
            nn.BatchNorm3d(c_out), nn.ReLU()]


class VideoMAEPooled(nn.Module):
    """A from-scratch `VideoMAEModel` (optionally with a convolutional stem instead of its linear patchify,
    as in "Early convolutions help transformers see better"), mean-pooled like bgs-hf's embedder."""

    def __init__(self, arch: TinyVideoMAEArch, conv_stem: bool = False) -> None:
        super().__init__()
        from transformers import VideoMAEModel

        self.encoder = VideoMAEModel(arch.to_videomae_config())
        if conv_stem:  # same token grid as patch 16 / tubelet 2: strides 2x2x2x2 spatial, 2 temporal
            if (arch.patch_size, arch.tubelet_size) != (16, 2):
                raise ValueError("the convolutional stem is built for patch 16 and tubelet 2")
            self.encoder.embeddings.patch_embeddings.projection = nn.Sequential(
                *_conv_block(3, 32, (1, 3, 3), (1, 2, 2)),
                *_conv_block(32, 64, (3, 3, 3), (2, 2, 2)),
                *_conv_block(64, 128, (3, 3, 3), (1, 2, 2)),
                nn.Conv3d(128, arch.hidden_size, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),
            )
        self.dim = arch.hidden_size

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:  # (B,T,3,H,W)
        return self.encoder(pixel_values=pixel_values).last_hidden_state.mean(dim=1)


class Conv3dNet(nn.Module):
    """A plain 3-D CNN (one strided conv block per width, four by default; global average pool): locality and
    translation equivariance built in, the inductive bias a from-scratch ViT has to learn from data."""

    def __init__(self, widths: list[int] | tuple[int, ...] = DEFAULT_WIDTHS,
                 temporal_strides: list[int] | tuple[int, ...] = DEFAULT_TEMPORAL_STRIDES, in_channels: int = 3) -> None:
        super().__init__()
        chans = [in_channels, *widths]
        blocks = [_conv_block(chans[i], chans[i + 1], (3, 3, 3), (s, 2, 2)) for i, s in enumerate(temporal_strides)]
        self.net = nn.Sequential(*[m for block in blocks for m in block], nn.AdaptiveAvgPool3d(1), nn.Flatten())
        self.dim = int(widths[-1])

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.net(pixel_values.transpose(1, 2))  # Conv3d wants (B,3,T,H,W)


#: Candidate name -> constructor.
CANDIDATES: dict[str, Callable[[], nn.Module]] = {
    "conv3d": lambda: Conv3dNet(),
    "videomae-p16": lambda: VideoMAEPooled(TinyVideoMAEArch()),
    "videomae-p16-convstem": lambda: VideoMAEPooled(TinyVideoMAEArch(), conv_stem=True),
    "videomae-p8": lambda: VideoMAEPooled(TinyVideoMAEArch(patch_size=8)),
}


@dataclass
class CapacityConfig:
    """One protocol for every candidate, so their held-out R² are comparable."""

    candidates: list[str] = field(default_factory=lambda: list(CANDIDATES))
    train_clips: int = 3000
    probe_clips: int = 400
    steps: int = 600
    #: Per-candidate step override (the patch-8 ViT is about 11x slower per step).
    steps_override: dict[str, int] = field(default_factory=lambda: {"videomae-p8": 300})
    eval_every: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    warmup_steps: int = 50
    weight_decay: float = 0.05
    seed: int = 0
    num_threads: int = 2

    def __post_init__(self) -> None:
        # one line naming the field: 2.5 steps or clips failed in range() after the clips were rendered, True was 1
        for name, least in (("train_clips", 1), ("probe_clips", 1), ("steps", 1), ("eval_every", 1),
                            ("batch_size", 1), ("warmup_steps", 0), ("seed", 0), ("num_threads", 1)):
            setattr(self, name, whole_number(getattr(self, name), f"CapacityConfig.{name}", least=least))
        self.steps_override = {name: whole_number(steps, f"CapacityConfig.steps_override[{name!r}]", least=1)
                               for name, steps in self.steps_override.items()}


def render_labelled(seeds: range, arch: TinyVideoMAEArch, desc: str) -> tuple[np.ndarray, np.ndarray]:
    """Clips (N,T,H,W,3) uint8 and their social-space coordinates (N,D), as the probe labels them."""
    clips, coords = [], []
    for s in tqdm(seeds, desc=desc, unit="clip"):
        frames, labels = socialshapes_labelled(s)
        clips.append(fit_frames(frames, arch.num_frames, arch.image_size))
        coords.append(labels["social space"])
    return np.stack(clips), np.stack(coords).astype(np.float32)


def variance_weighted_r2(pred: np.ndarray, target: np.ndarray) -> float:
    """The share of the target space's total variance explained: the same statistic as the probe's `cv_r2`."""
    from sklearn.metrics import r2_score

    return float(r2_score(target, pred, multioutput="variance_weighted"))


@keeps_process_state
def train_candidate(
    name: str,
    cfg: CapacityConfig,
    train: tuple[np.ndarray, np.ndarray],
    probe: tuple[np.ndarray, np.ndarray],
    *,
    keep: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Regress standardised social coordinates with MSE; report held-out R² every ``eval_every`` steps.

    ``keep``, when given, receives the trained ``model``, ``head`` and the label ``mean``/``std``, for analyses
    beyond held-out R² (e.g. scoring the trained model on a benchmark, docs/experiments/oracle_cnn_embedding.py).
    """
    torch.manual_seed(cfg.seed)
    model = CANDIDATES[name]()
    x_train, y_train = train
    mu, sd = y_train.mean(axis=0), y_train.std(axis=0) + 1e-6
    head = nn.Linear(model.dim, y_train.shape[1])
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    y_std = torch.from_numpy((y_train - mu) / sd)

    @torch.no_grad()
    def held_out_r2() -> float:
        model.eval()
        preds = [head(model(to_pixel_values(probe[0][i : i + 64]))).numpy() for i in range(0, len(probe[0]), 64)]
        model.train()
        return variance_weighted_r2(np.concatenate(preds) * sd + mu, probe[1])

    steps = min(cfg.steps_override.get(name, cfg.steps), cfg.steps)
    curve: list[dict[str, float]] = []
    t0 = time.perf_counter()
    for step in tqdm(range(steps), desc=f"capacity {name}", unit="step"):
        idx = rng.integers(0, len(x_train), cfg.batch_size)
        batch = x_train[idx].copy()
        flip = rng.random(cfg.batch_size) < 0.5
        batch[flip] = batch[flip][:, :, :, ::-1]  # horizontal flips keep every social label
        loss = nn.functional.mse_loss(head(model(to_pixel_values(batch))), y_std[idx])
        for group in opt.param_groups:
            group["lr"] = cfg.lr * min(1.0, (step + 1) / max(1, cfg.warmup_steps))  # 0: no warm-up
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % cfg.eval_every == 0 or step + 1 == steps:
            curve.append({"step": step + 1, "train_loss": round(loss.item(), 4), "held_out_r2": round(held_out_r2(), 4)})
            logger.info("%s step %d: held-out R² %.3f", name, step + 1, curve[-1]["held_out_r2"])
    wall = time.perf_counter() - t0
    if keep is not None:
        keep.update(model=model.eval(), head=head, mean=mu, std=sd)
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "steps": steps,
        "s_per_step": round(wall / steps, 3),
        "final_held_out_r2": curve[-1]["held_out_r2"],
        "best_held_out_r2": max(c["held_out_r2"] for c in curve),
        "curve": curve,
    }


@keeps_process_state
def run_capacity_check(cfg: CapacityConfig) -> dict[str, Any]:
    """Render the labelled corpus and probe clips once and train every candidate on them: one protocol, so the
    candidates' held-out R² compare. Returns the JSON report (its config and torch version, to rerun it)."""
    unknown = set(cfg.candidates) - set(CANDIDATES)
    if unknown:
        raise ValueError(f"unknown candidates {sorted(unknown)}; choose from {sorted(CANDIDATES)}")
    check_probe_seeds(CORPUS_SEED_OFFSET, cfg.train_clips, cfg.probe_clips)  # it scores held-out clips only
    torch.set_num_threads(cfg.num_threads)
    arch = TinyVideoMAEArch()
    train = render_labelled(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + cfg.train_clips), arch, "render train")
    probe = render_labelled(range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + cfg.probe_clips), arch, "render probe")
    results = {name: train_candidate(name, cfg, train, probe) for name in cfg.candidates}
    return {
        "what": "held-out variance-weighted R² of the social-space coordinates, each candidate trained from "
        "scratch WITH oracle labels (an upper bound on what it can learn at this budget)",
        "config": asdict(cfg),
        "torch": torch.__version__,
        "results": results,
    }


def markdown_table(report: dict[str, Any]) -> str:
    """The report as a markdown table (``main`` writes it beside the JSON): one row per candidate."""
    every = report.get("config", {}).get("eval_every", 100)
    rows = [f"| candidate | params | steps | s/step | held-out R² (best) | curve (R² every {every} steps) |",
            "|---|---|---|---|---|---|"]
    for name, r in report["results"].items():
        curve = ", ".join(f"{c['held_out_r2']:.2f}" for c in r["curve"])
        rows.append(f"| {name} | {r['params'] / 1e6:.2f} M | {r['steps']} | {r['s_per_step']} | "
                    f"{r['final_held_out_r2']:.3f} ({r['best_held_out_r2']:.3f}) | {curve} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """``python -m bgs_hf.pretrain.capacity``: an entry point, so it may borrow the CLI's argument types (imported
    here, so that importing the library does not load the CLI)."""
    from bgs_hf.cli._args import check_output_file_flags, int_at_least, output_file

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=output_file("capacity_check.json"), required=True,
                   help="JSON report (a .md table is written beside it)")
    p.add_argument("--candidates", nargs="+", default=list(CANDIDATES), choices=sorted(CANDIDATES))
    # refused here, not after minutes of rendering (0 steps crashed on an empty curve, 1 probe clip has no R²)
    p.add_argument("--steps", type=int_at_least(1), default=CapacityConfig.steps)
    p.add_argument("--train-clips", type=int_at_least(1), default=CapacityConfig.train_clips)
    p.add_argument("--probe-clips", type=int_at_least(2), default=CapacityConfig.probe_clips)
    args = p.parse_args(argv)
    check_output_file_flags(p, args, "out")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = CapacityConfig(candidates=args.candidates, steps=args.steps, train_clips=args.train_clips,
                         probe_clips=args.probe_clips, eval_every=min(100, args.steps))
    report = run_capacity_check(cfg)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown_table(report) + "\n", encoding="utf-8")
    logger.info("\n%s", markdown_table(report))


if __name__ == "__main__":
    main()
