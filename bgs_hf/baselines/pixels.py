"""Raw-pixel baseline: what do low-level appearance and motion alone explain?

Each clip is decoded through the shared frame policy (``bgs_hf.video.load_clip``), block-averaged to a
coarse ``grid``×``grid`` colour image per frame, and described by the mean frame (appearance) and the mean
absolute frame difference (motion energy). Features are z-scored across clips, so every feature weighs
the same, and compared by cosine similarity. A model that does not beat this is not seeing social content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from bgs_hf.errors import BGSInputError, whole_number
from bgs_hf.metrics.rsa import cosine_similarity_matrix
from bgs_hf.video.policy import checked_num_frames

#: who samples the frames, for the repeated-frames warning: any count, one frame at a time (no tubelet)
PIXEL_BASELINE = SimpleNamespace(name="pixel baseline", fixed_frames=False, tubelet_size=1)


@dataclass
class PixelBaselineConfig:
    """Frame sampling and the coarseness of the pixel description."""

    num_frames: int = 8
    size: int = 64  # short-side resize and centre crop before pooling
    grid: int = 8  # pooled image is grid×grid per colour channel
    cache_dir: str | None = None  # a ClipCache folder, so repeated runs never decode twice

    def __post_init__(self) -> None:
        self.num_frames = checked_num_frames(self.num_frames, "PixelBaselineConfig.num_frames")  # 2.5 was read as 2
        # size 2.5 was decoded at 2 px while the results said 2.5; grid 2.5 failed in torch's pooling, "8" in `<`
        self.size = whole_number(self.size, "PixelBaselineConfig.size", least=1)
        self.grid = whole_number(self.grid, "PixelBaselineConfig.grid", least=1)
        if self.size < self.grid:
            raise BGSInputError(f"pixel baseline needs num_frames >= 1, grid >= 1 and size >= grid; got "
                                f"num_frames={self.num_frames}, size={self.size}, grid={self.grid}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pixel_features(frames: Any, grid: int) -> np.ndarray:
    """(3·g·g·2,) mean pooled frame + mean absolute frame difference from a (T, 3, H, W) clip."""
    import torch

    x = torch.as_tensor(frames, dtype=torch.float32)
    if x.ndim != 4 or x.shape[1] != 3:
        raise BGSInputError(f"pixel features need a (T, 3, H, W) clip, got shape {tuple(x.shape)}")
    pooled = torch.nn.functional.adaptive_avg_pool2d(x, grid)  # (T, 3, g, g)
    appearance = pooled.mean(0)
    motion = (pooled[1:] - pooled[:-1]).abs().mean(0) if len(pooled) > 1 else torch.zeros_like(appearance)
    return torch.cat([appearance.flatten(), motion.flatten()]).double().numpy()


def standardise(features: np.ndarray) -> np.ndarray:
    """z-score each column across clips (constant columns become 0)."""
    mu = features.mean(axis=0)
    sd = features.std(axis=0)
    return (features - mu) / np.where(sd > 0, sd, 1.0)


def pixel_embeddings(paths: Sequence[str | Path | None], config: PixelBaselineConfig | None = None,
                     *, names: Sequence[str] | None = None) -> np.ndarray:
    """(n_clips, D) standardised pixel features for the given video files; one warning first where clips hold fewer
    than ``config.num_frames`` (8 by default): their frames were repeated to fill the count without a word, which
    dilutes the motion features."""
    from bgs_hf.video import ClipCache, FramePolicy, load_clip
    from bgs_hf.video.policy import warn_if_any_frames_repeat

    config = config or PixelBaselineConfig()
    if len(paths) == 0:  # numpy's "need at least one array to stack"; no clips embed as no rows, as captions do
        return np.zeros((0, 2 * 3 * config.grid * config.grid))
    missing = [i for i, p in enumerate(paths) if not p]
    if missing:
        who = names[missing[0]] if names is not None else f"clip {missing[0]}"
        raise BGSInputError(
            f"{who}: no video file ({len(missing)} of {len(paths)} clips lack one); the pixel baseline needs "
            "the videos (the paper's release ships without them)"
        )
    policy = FramePolicy(num_frames=config.num_frames, size=config.size, crop=config.size,
                         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    warn_if_any_frames_repeat(paths, config.num_frames, PIXEL_BASELINE, clip="a pixel-baseline clip", flag="--frames")
    cache = ClipCache(config.cache_dir) if config.cache_dir else None
    feats = [
        pixel_features(load_clip(p, policy, cache), config.grid)
        for p in tqdm(paths, desc="pixel baseline", unit="clip")
    ]
    return standardise(np.stack(feats))


def pixel_similarity(paths: Sequence[str | Path | None], config: PixelBaselineConfig | None = None,
                     **kwargs: Any) -> np.ndarray:
    """Cosine similarity of standardised pixel features, (n_clips, n_clips)."""
    return cosine_similarity_matrix(pixel_embeddings(paths, config, **kwargs))


def pixel_baseline(
    data: Any, config: PixelBaselineConfig | None = None, split: str = "test", *, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Pixel similarity of a split's clips, scored by ``behavioural_fit`` against its humans."""
    from bgs_hf.baselines.common import clip_column, scored_items
    from bgs_hf.metrics.fit import behavioural_fit

    config = config or PixelBaselineConfig()
    items = scored_items(data, split)  # a split without judgments: refused before any clip is embedded
    sim = pixel_similarity(clip_column(data, "video", items), config, names=clip_column(data, "clip_id", items))
    out = behavioural_fit(sim, data, split, n_boot=n_boot, seed=seed)
    out.update({"baseline": "pixels", "config": config.to_dict(), "seed": int(seed), "n_boot": int(n_boot)})
    return out
