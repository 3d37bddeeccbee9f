"""The unlabelled pretraining corpus: SocialShapes-style clips rendered in memory from their own seeds.

Only frames are kept (no judgments, no latents, no captions), so pretraining never sees what the
benchmark's observers were asked about. Rendering is the slow part, so a pool of clips is rendered once and
reused with random flips; masks and batch order come from a seeded generator, so a run is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from bgs_hf.pretrain.config import TinyVideoMAEArch
from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

#: Maps a seed to a clip's frames, uint8 (T, H, W, 3).
ClipSource = Callable[[int], np.ndarray]


def render_socialshapes(seed: int, synth_config: Any | None = None) -> tuple[np.ndarray, Any]:
    """Frames (T,H,W,3) uint8 and `Scene` of the SocialShapes clip drawn from ``default_rng(seed)``."""
    from bgs_hf import synth

    cfg = synth.SynthConfig() if synth_config is None else synth_config
    scene = synth.sample_scene(np.random.default_rng(seed), cfg)
    return np.asarray(synth.render_scene(scene, cfg).frames), scene


def socialshapes_source(synth_config: Any | None = None) -> ClipSource:
    """A `ClipSource` of SocialShapes frames (the scene, and so every label, is dropped)."""
    return lambda seed: render_socialshapes(seed, synth_config)[0]


def fit_frames(frames: np.ndarray, num_frames: int, size: int) -> np.ndarray:
    """``num_frames`` frames at ``size`` x ``size`` under the policy fine-tuning, evaluation and the Space use
    (:class:`~bgs_hf.video.FramePolicy`): the frame on screen at each segment midpoint, short side resized,
    centre crop. A no-op when the frames already have that shape (the bundled SocialShapes corpus)."""
    from bgs_hf.video.decode import sample_times
    from bgs_hf.video.transforms import center_crop, resize_frames_uint8

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected frames (T,H,W,3), got shape {frames.shape}")
    if 0 in frames.shape[:3]:  # a source's empty clip was an IndexError from the frame sampling below
        raise ValueError(f"expected at least one frame of at least 1 x 1 px, got shape {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"expected uint8 frames, got {frames.dtype}")
    if frames.shape[0] != num_frames:  # frame i is on screen over [i, i + 1)
        frames = frames[np.floor(sample_times(0.0, frames.shape[0], num_frames)).astype(np.int64)]
    if frames.shape[1:3] != (size, size):
        frames = center_crop(torch.from_numpy(resize_frames_uint8(frames, size)).permute(0, 3, 1, 2), size)
        frames = frames.permute(0, 2, 3, 1).numpy()
    return np.ascontiguousarray(frames)


def render_pool(
    seeds: Sequence[int], arch: TinyVideoMAEArch, source: ClipSource, *, desc: str = "render corpus"
) -> np.ndarray:
    """Render one clip per seed into a uint8 array (N, T, H, W, 3) shaped for ``arch``."""
    pool = np.empty((len(seeds), arch.num_frames, arch.image_size, arch.image_size, 3), dtype=np.uint8)
    for i, seed in enumerate(tqdm(seeds, desc=desc, unit="clip")):
        pool[i] = fit_frames(source(int(seed)), arch.num_frames, arch.image_size)
    return pool


def to_pixel_values(frames: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) -> normalised float (B, T, 3, H, W), the layout VideoMAE expects.

    The frame policy's default normalisation (ImageNet's ``IMAGENET_MEAN``/``IMAGENET_STD``), computed as
    ``(x / 255 - mean) / std``: the rounding the bundled backbones were pretrained with. ``preprocess``, which
    fine-tuning, evaluation and the Space use, computes ``x / (255 std) - mean / std``; on uint8 frames the two
    differ in float32 rounding alone (521 of the 256 levels x 3 channels, by at most 5e-7; tested), so each keeps
    its own: either one's arithmetic in the other would change pretraining's or the demo's numbers."""
    x = torch.as_tensor(frames).permute(0, 1, 4, 2, 3).float().div_(255.0)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1)
    return (x - mean) / std


def tube_mask(batch_size: int, arch: TinyVideoMAEArch, ratio: float, rng: np.random.Generator) -> torch.Tensor:
    """VideoMAE tube masking: the same spatial patches are hidden in every tubelet of a clip.

    Returns ``bool_masked_pos`` (B, seq_length); every row masks exactly the same number of tokens, which
    `VideoMAEForPreTraining` requires.
    """
    per_frame = (arch.image_size // arch.patch_size) ** 2
    n_time = arch.num_frames // arch.tubelet_size
    n_masked = int(round(ratio * per_frame))
    if not 0 < n_masked < per_frame:
        raise ValueError(f"mask ratio {ratio} leaves no visible or no masked patch ({per_frame} per frame)")
    spatial = np.zeros((batch_size, per_frame), dtype=bool)
    for b in range(batch_size):
        spatial[b, rng.permutation(per_frame)[:n_masked]] = True
    return torch.from_numpy(np.tile(spatial, (1, n_time)))


def sample_batch(pool: np.ndarray, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw clips from the pool with random horizontal/vertical flips (scene-preserving augmentation)."""
    idx = rng.integers(0, len(pool), size=batch_size)
    batch = pool[idx].copy()
    hflip = rng.random(batch_size) < 0.5
    vflip = rng.random(batch_size) < 0.5
    batch[hflip] = batch[hflip][:, :, :, ::-1]
    batch[vflip] = batch[vflip][:, :, ::-1]
    return batch
