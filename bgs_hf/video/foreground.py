"""Label-free foreground of a fixed-camera clip: camera-shake compensation, then a temporal-median background.

Why: on SocialShapes the pixels are dominated by textured backgrounds, so masked reconstruction of pixels (or of
raw frame differences, which camera shake fills with background texture) spends the model on the scene and
learns nothing about the agents (docs/experiments). Subtracting a per-clip background after aligning the frames
leaves what moves: the agents (and slowly drifting distractors). It needs no label and no renderer internals,
only the assumption of a static scene seen by a shaking camera, so it applies to any such corpus.

Two users, one computation (:func:`foreground_stream`): ``bgs-tiny-conv3d`` predicts it as a pretraining
*target* (:func:`foreground`, uint8 in and out), and ``bgs-tiny-conv3d-fg`` computes it *inside the model* from
its ``pixel_values`` and sees nothing else (:class:`bgs_hf.models.conv3d.BGSConv3dModel`), so pretraining,
fine-tuning, evaluation and the Space all feed it the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from bgs_hf.errors import whole_number


@dataclass
class ForegroundConfig:
    """``max_shift``: largest camera shake searched, in pixels per axis (integer shifts). ``border``: pixels at
    each edge left out of the alignment cost and zeroed in the output (they wrap around under a shift)."""

    max_shift: int = 4
    border: int = 5
    chunk: int = 64

    def __post_init__(self) -> None:
        # one line naming the field: 2.5 was a TypeError in range() at the first clip, True taken for 1
        self.max_shift = whole_number(self.max_shift, "ForegroundConfig.max_shift")
        self.border = whole_number(self.border, "ForegroundConfig.border")
        # clips per chunk: 0 stopped range(), a negative one made no foreground at all
        self.chunk = whole_number(self.chunk, "ForegroundConfig.chunk", least=1)
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
    h, w = frames.shape[2:4]
    ref = frames[:, frames.shape[1] // 2, b : h - b, b : w - b][:, None]
    # the interior of torch.roll(frames, (dy, dx)) is a shifted window of frames (no wrap-around: b > max_shift)
    costs = torch.stack(
        [(frames[:, :, b - dy : h - b - dy, b - dx : w - b - dx] - ref).abs().mean(dim=(2, 3, 4)) for dy, dx in shifts],
        dim=-1,
    )
    return torch.tensor(shifts, device=frames.device)[costs.argmin(-1)]


def check_frame_size(height: int, width: int, config: ForegroundConfig) -> None:
    if min(height, width) <= 2 * config.border:
        raise ValueError(f"frames of {(height, width)} px leave nothing inside a {config.border}-px border")


@torch.no_grad()
def foreground_stream(frames: torch.Tensor, config: ForegroundConfig | None = None) -> torch.Tensor:
    """float frames in [0, 1] (N,T,H,W,C) -> float (N,T,H,W) in [0, 1]: per-pixel |frame - background| (mean
    over channels), in each frame's own coordinates, so it lines up with the frames; the border is zeroed."""
    cfg = config or ForegroundConfig()
    if frames.ndim != 5:
        raise ValueError(f"expected frames (N,T,H,W,C), got shape {tuple(frames.shape)}")
    check_frame_size(frames.shape[2], frames.shape[3], cfg)
    shifts, b = _shifts(cfg.max_shift), cfg.border
    best = estimate_shifts(frames, cfg)
    side = 2 * cfg.max_shift + 1  # shifts[k] = (dy, dx) with k = (dy + max_shift) * side + dx + max_shift
    k = (best[..., 0] + cfg.max_shift) * side + best[..., 1] + cfg.max_shift
    aligned = _apply_shifts(frames, k, shifts, +1)
    background = aligned.median(dim=1).values[:, None]
    fg = _apply_shifts((aligned - background).abs().mean(-1), k, shifts, -1)
    fg[:, :, :b], fg[:, :, -b:], fg[:, :, :, :b], fg[:, :, :, -b:] = 0, 0, 0, 0
    return fg.clamp_(0, 1)


def foreground(clips: np.ndarray, config: ForegroundConfig | None = None, *, progress: bool = True) -> np.ndarray:
    """uint8 clips (N,T,H,W,3) -> uint8 (N,T,H,W): :func:`foreground_stream` in chunks, rounded to uint8."""
    cfg = config or ForegroundConfig()
    clips = np.asarray(clips)
    if clips.ndim != 5 or clips.shape[-1] != 3 or clips.dtype != np.uint8:
        raise ValueError(f"expected uint8 clips (N,T,H,W,3), got {clips.dtype} {clips.shape}")
    check_frame_size(clips.shape[2], clips.shape[3], cfg)
    out = np.zeros(clips.shape[:4], np.uint8)
    for i in tqdm(range(0, len(clips), cfg.chunk), desc="foreground", unit="chunk", disable=not progress):
        x = torch.from_numpy(clips[i : i + cfg.chunk]).float().div_(255.0)
        out[i : i + len(x)] = foreground_stream(x, cfg).mul_(255).round_().to(torch.uint8).numpy()
    return out
