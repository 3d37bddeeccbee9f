"""Label-free foreground of a fixed-camera clip: camera-shake compensation, then a temporal-median background.

Why: on SocialShapes the pixels are dominated by textured backgrounds, so masked reconstruction of pixels (or of
raw frame differences, which camera shake fills with background texture) spends the model on the scene and
learns nothing about the agents (docs/experiments). Subtracting a per-clip background after aligning the frames
leaves what moves: the agents (and slowly drifting distractors). It needs no label and no renderer internals,
only the assumption of a static scene seen by a shaking camera, so it applies to any such corpus. Used as a
*reconstruction target*; the encoder still sees the raw frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm


@dataclass
class ForegroundConfig:
    """``max_shift``: largest camera shake searched, in pixels per axis (integer shifts). ``border``: pixels at
    each edge left out of the alignment cost and zeroed in the output (they wrap around under a shift)."""

    max_shift: int = 4
    border: int = 5
    chunk: int = 64

    def __post_init__(self) -> None:
        if self.max_shift < 0 or self.border <= self.max_shift:
            raise ValueError(f"need 0 <= max_shift < border, got max_shift={self.max_shift}, border={self.border}")


def _shifts(max_shift: int) -> list[tuple[int, int]]:
    return [(dy, dx) for dy in range(-max_shift, max_shift + 1) for dx in range(-max_shift, max_shift + 1)]


def _apply_shifts(x: torch.Tensor, best: torch.Tensor, shifts: list[tuple[int, int]], sign: int) -> torch.Tensor:
    """Roll each frame ``x[n, t]`` (N,T,H,W[,C]) by ``sign * shifts[best[n, t]]``."""
    out = torch.empty_like(x)
    for k in best.unique().tolist():
        sel = best == k
        dy, dx = shifts[k]
        out[sel] = torch.roll(x[sel], (sign * dy, sign * dx), dims=(1, 2))
    return out


@torch.no_grad()
def estimate_shifts(frames: torch.Tensor, config: ForegroundConfig | None = None) -> torch.Tensor:
    """Integer (dy, dx) per frame that aligns it to the clip's middle frame: (N,T,2) int64.

    ``frames`` float (N,T,H,W,C). Small moving agents barely change the mean absolute error of the whole frame,
    so its arg-min over shifts is the camera's offset (exact for integer shakes, whatever the texture).
    """
    cfg = config or ForegroundConfig()
    shifts, b = _shifts(cfg.max_shift), cfg.border
    ref = frames[:, frames.shape[1] // 2][:, None]
    costs = torch.stack(
        [(torch.roll(frames, s, dims=(2, 3)) - ref)[:, :, b:-b, b:-b].abs().mean(dim=(2, 3, 4)) for s in shifts],
        dim=-1,
    )
    return torch.tensor(shifts)[costs.argmin(-1)]


@torch.no_grad()
def foreground(clips: np.ndarray, config: ForegroundConfig | None = None, *, progress: bool = True) -> np.ndarray:
    """uint8 clips (N,T,H,W,3) -> uint8 (N,T,H,W): per-pixel |frame - background| (mean over RGB), in each
    frame's own coordinates, so it lines up with the input the encoder sees."""
    cfg = config or ForegroundConfig()
    clips = np.asarray(clips)
    if clips.ndim != 5 or clips.shape[-1] != 3 or clips.dtype != np.uint8:
        raise ValueError(f"expected uint8 clips (N,T,H,W,3), got {clips.dtype} {clips.shape}")
    if min(clips.shape[2:4]) <= 2 * cfg.border:
        raise ValueError(f"frames of {clips.shape[2:4]} px leave nothing inside a {cfg.border}-px border")
    shifts, b = _shifts(cfg.max_shift), cfg.border
    index = {s: k for k, s in enumerate(shifts)}
    out = np.zeros(clips.shape[:4], np.uint8)
    for i in tqdm(range(0, len(clips), cfg.chunk), desc="foreground", unit="chunk", disable=not progress):
        x = torch.from_numpy(clips[i : i + cfg.chunk]).float().div_(255.0)
        best = estimate_shifts(x, cfg)
        k = torch.tensor([[index[(int(dy), int(dx))] for dy, dx in row] for row in best.tolist()])
        aligned = _apply_shifts(x, k, shifts, +1)
        background = aligned.median(dim=1).values[:, None]
        fg = _apply_shifts((aligned - background).abs().mean(-1), k, shifts, -1)
        fg[:, :, :b], fg[:, :, -b:], fg[:, :, :, :b], fg[:, :, :, -b:] = 0, 0, 0, 0
        out[i : i + len(x)] = fg.clamp_(0, 1).mul_(255).round_().to(torch.uint8).numpy()
    return out
