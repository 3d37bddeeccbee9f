"""Resize, crop and normalise frames with torch only (torchvision is not usable beside our torch pin)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from bgs_hf.errors import BGSInputError
from bgs_hf.video.policy import FramePolicy


def short_side_shape(height: int, width: int, size: int) -> tuple[int, int]:
    """Output (h, w) with the short side equal to ``size``; the long side is truncated like transformers'
    ``get_resize_output_image_size`` so our pixels match a Hub processor's geometry."""
    if height <= width:
        return size, max(1, int(size * width / height))
    return max(1, int(size * height / width)), size


def resize_short_side(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear, antialiased resize of float ``(T,C,H,W)`` frames so min(H, W) == size."""
    h, w = x.shape[-2:]
    out = short_side_shape(h, w, size)
    if (h, w) == out:
        return x
    return _bilinear(x, out)


def _bilinear(x: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """The one resize kernel, for float and uint8 frames alike: float ``(T,C,H,W)`` at ``shape``, antialiased."""
    return F.interpolate(x, size=shape, mode="bilinear", antialias=True, align_corners=False)


def resize_frames_uint8(frames: np.ndarray, size: int) -> np.ndarray:
    """``resize_short_side`` for uint8 ``(T,H,W,3)`` or ``(H,W,3)`` arrays (decode time, cache storage)."""
    h, w = frames.shape[-3:-1]
    out = short_side_shape(h, w, size)
    return frames if out == (h, w) else resize_frames_uint8_to(frames, out)


def resize_frames_uint8_to(frames: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 ``(T,H,W,3)`` or ``(H,W,3)`` frames at exactly ``shape`` (h, w), antialiased bilinear and rounded to the
    nearest level: the one uint8 resize, for the short-side policy and for a frame whose resolution changed
    mid-stream (brought to the first frame's shape)."""
    single = frames.ndim == 3
    arr = frames[None] if single else frames
    x = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()
    out = _bilinear(x, shape).round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    return out[0] if single else out


def center_crop(x: torch.Tensor, crop: int) -> torch.Tensor:
    """Centre crop of ``(..., H, W)`` to ``crop x crop``; offsets as transformers' ``center_crop``."""
    h, w = x.shape[-2:]
    if crop > h or crop > w:
        raise ValueError(f"crop {crop} larger than frame {h}x{w}")
    top, left = (h - crop) // 2, (w - crop) // 2
    return x[..., top : top + crop, left : left + crop]


def preprocess(frames: np.ndarray | torch.Tensor, policy: FramePolicy) -> torch.Tensor:
    """uint8 ``(T,H,W,3)`` frames -> normalised float32 ``(T,3,crop,crop)`` under ``policy``.

    Frames already resized to ``policy.size`` (decode_frames / ClipCache output) skip the resize and are
    cropped while still uint8, so the warm-cache path converts only the pixels the model sees; cached and
    uncached paths give identical tensors. Other frames go through the decoder's own uint8 resize
    (``resize_frames_uint8``), so frames decoded at their own size give ``load_clip``'s tensor too (a float resize
    kept the half grey levels the decoder rounds away). Pretraining's ``to_pixel_values`` normalises with the same
    constants in its own float32 rounding, which the bundled backbones were pretrained with (its docstring says why).
    Frames of another shape or dtype are a :class:`BGSInputError` (the caller's array; a ``ValueError`` still).
    """
    t = torch.from_numpy(np.ascontiguousarray(frames)) if isinstance(frames, np.ndarray) else frames
    if t.ndim != 4 or t.shape[-1] != 3:
        raise BGSInputError(f"preprocess expects (T,H,W,3) frames, got shape {tuple(t.shape)}")
    if 0 in t.shape[1:3]:  # was a ZeroDivisionError from the resize's aspect ratio
        raise BGSInputError(f"preprocess expects frames of at least 1 x 1 px, got shape {tuple(t.shape)}")
    if t.dtype != torch.uint8:  # float frames in [0, 1] were divided by 255 again: a near-constant clip, served
        raise BGSInputError(f"preprocess expects uint8 frames (0-255), got {str(t.dtype).removeprefix('torch.')}; "
                            "convert decoded frames with (frames * 255).round().astype('uint8') if they are in [0, 1]")
    c = policy.crop
    if min(t.shape[1:3]) != policy.size:
        t = torch.from_numpy(resize_frames_uint8(t.cpu().numpy(), policy.size))
    x = torch.empty((t.shape[0], 3, c, c), dtype=torch.float32)
    x.copy_(center_crop(t.permute(0, 3, 1, 2), c))  # crop on uint8, convert once
    std = torch.tensor(policy.std, dtype=torch.float32).view(1, 3, 1, 1)
    mean = torch.tensor(policy.mean, dtype=torch.float32).view(1, 3, 1, 1)
    return x.mul_(1.0 / (255.0 * std)).sub_(mean / std)
