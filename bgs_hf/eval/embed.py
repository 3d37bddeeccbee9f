"""Embed clips once, through the one frame policy, with an optional frame-transform hook.

Every analysis works on embeddings computed here, so each clip is decoded and passed through a model
once per condition. Motion controls (shuffled, single repeated frame, reversed) are frame transforms
applied right after :func:`bgs_hf.video.load_clip`: the clip's own frames, only their order in time changes (or, for
single-frame, one of them stands for all).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.bootstrap import check_count

#: motion controls accepted by :class:`MotionControl` (the ``motion`` analysis runs them all).
MOTION_CONTROLS: tuple[str, ...] = ("shuffled", "single-frame", "reversed")

FrameTransform = Callable[[Any, int], Any]  # (frames (T,3,H,W), clip key) -> frames
#: What an analysis that fits on embeddings reports for a model whose embeddings are not finite (the suite's skip
#: reason, and the public probes' refusal).
NON_FINITE = "non-finite embeddings (a diverged model?)"


def clip_key(clip_id: Any) -> int:
    """A clip's transform key from its id (CRC-32 of the text): the same clip gets the same shuffle whatever its place
    in the list embedded (keyed by place, the shuffled control's result moved with the clips' row order or split)."""
    return zlib.crc32(str(clip_id).encode("utf-8"))


@dataclass(frozen=True)
class MotionControl:
    """A frame transform that removes or alters motion using only the clip's own frames.

    ``shuffled``: a fixed random permutation per clip key (:func:`clip_key` of its id when embedded by
    :func:`embed_clips`), drawn from the seed and that key only (never the identity when T > 1);
    ``single-frame``: the middle frame repeated T times (no motion at all);
    ``reversed``: time runs backwards (same motion energy, reversed causal order).
    """

    kind: str
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in MOTION_CONTROLS:
            raise BGSInputError(f"unknown motion control {self.kind!r}; choose from {', '.join(MOTION_CONTROLS)}")
        # -1 was numpy's "expected non-negative integer" at the first clip, after the model had loaded
        object.__setattr__(self, "seed", check_count(self.seed, "motion control seed", least=0))  # frozen

    def order(self, num_frames: int, key: int = 0) -> np.ndarray:
        """The frame indices the transform takes, in output order."""
        t = int(num_frames)
        if self.kind == "reversed":
            return np.arange(t)[::-1].copy()
        if self.kind == "single-frame":
            return np.full(t, t // 2, dtype=np.int64)
        perm = np.random.default_rng([self.seed, int(key)]).permutation(t)
        if t > 1 and np.array_equal(perm, np.arange(t)):
            perm = np.roll(perm, 1)
        return perm

    def __call__(self, frames: Any, key: int = 0) -> Any:
        return frames[self.order(frames.shape[0], key)]


def clip_paths(data: Any, items: Sequence[int] | np.ndarray) -> list[str]:
    """The video file of each item, one line naming the clip when one has none (embedding and rollout)."""
    videos = data.clips["video"]
    paths = []
    for i in items:
        p = videos[int(i)]
        if p is None:
            cid = data.clips["clip_id"][int(i)]
            raise BGSInputError(f"{getattr(data, 'name', 'data')}: clip {cid} has no video file "
                                "(evaluation needs the videos)")
        paths.append(p)
    return paths


def embedding_rows(items: Sequence[int] | np.ndarray, wanted: Sequence[int] | np.ndarray, what: str) -> np.ndarray:
    """Rows of ``wanted``'s clips in embeddings whose rows follow ``items``: a clip that was not embedded is one line
    naming it (it was a bare ``KeyError: 16``)."""
    pos = {int(c): k for k, c in enumerate(items)}
    missing = [int(c) for c in wanted if int(c) not in pos]
    if missing:
        raise BGSInputError(f"{what} clip {missing[0]} is not among the {len(pos)} embedded clips (items)")
    return np.array([pos[int(c)] for c in wanted], dtype=np.int64)


def check_finite_embeddings(emb: np.ndarray, what: str) -> None:
    """Refuse embeddings holding NaN or inf in one line naming them (``what``) and counting their rows that do: a fit
    on them means nothing, and scikit-learn's refusal ran to several lines ("Input X contains NaN ...") naming neither.
    Any row counts, as any makes the suite skip the model (:data:`NON_FINITE`)."""
    rows = np.asarray(emb, dtype=np.float64)
    if rows.ndim == 0:  # not embeddings at all: left to the fit's own refusal
        return
    bad = int((~np.isfinite(rows.reshape(len(rows), -1))).any(axis=1).sum())
    if bad:
        raise BGSInputError(f"{NON_FINITE}: {bad} of the {len(rows)} rows of {what} are not finite")


def as_cache(cache: Any) -> Any:
    """A ClipCache (or None) from a cache object or its folder, as every embedding entry point accepts."""
    if cache is None or hasattr(cache, "get"):
        return cache
    from bgs_hf.video import ClipCache

    return ClipCache(Path(cache))


def _model_device(model: Any) -> Any:
    """The device of the model's weights (a GPU after a GPU run), where clips decoded on the CPU must go; None for a
    model without parameters."""
    params = getattr(model, "parameters", None)
    weight = next(iter(params()), None) if callable(params) else None
    return weight.device if weight is not None else None


def embed_paths(
    model: Any,
    paths: Sequence[str | Path],
    cache: Any = None,
    *,
    batch_size: int = 8,
    transform: FrameTransform | None = None,
    layers: bool = False,
    progress: bool = True,
    desc: str = "embedding clips",
    keys: Sequence[int] | None = None,
    check_frames: bool = True,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Embeddings ``(n, D)`` of video files (eval mode, no grad); with ``layers`` also the pooled
    features of every backbone layer ``(L+1, n, D_backbone)``. ``cache`` is a ClipCache or a folder. ``transform``
    gets each clip's entry of ``keys`` (default: its place in ``paths``). ``check_frames``: one warning first where
    clips hold fewer frames than the model samples (:func:`~bgs_hf.video.policy.warn_if_any_frames_repeat`: a
    script embedding them had each frame repeated without a word); off for a caller that checked already."""
    import torch
    from tqdm.auto import tqdm

    from bgs_hf.video import load_clip

    # 0 was range()'s "arg 3 must not be zero", -1 "no clips to embed" for clips there were
    batch_size = check_count(batch_size, "batch_size")
    cache = as_cache(cache)
    if keys is not None and len(keys) != len(paths):
        raise BGSInputError(f"one transform key per clip: {len(keys)} keys for {len(paths)} clips")
    policy = model.frame_policy
    if check_frames and policy is not None:
        from bgs_hf.video.policy import warn_if_any_frames_repeat

        warn_if_any_frames_repeat(paths, policy.num_frames, getattr(model, "spec", None), clip="a clip embedded",
                                  as_built=True)
    device = _model_device(model)
    was_training = model.training
    model.eval()
    emb_batches, layer_batches = [], []
    try:
        with torch.no_grad():
            bar = tqdm(range(0, len(paths), batch_size), desc=desc, unit="batch", disable=not progress)
            for start in bar:
                batch = []
                for k, p in enumerate(paths[start : start + batch_size]):
                    x = load_clip(p, policy, cache)
                    key = start + k if keys is None else int(keys[start + k])
                    batch.append(transform(x, key) if transform is not None else x)
                x = torch.stack(batch)
                if device is not None:
                    x = x.to(device)
                if layers:  # one backbone pass for both (model(x) and embed_layers(x) ran it twice)
                    e, per_layer = model.embed_with_layers(x)
                    layer_batches.append(per_layer.float().cpu().numpy())
                else:
                    e = model(x)
                emb_batches.append(e.float().cpu().numpy())
    finally:
        model.train(was_training)
    if not emb_batches:
        raise BGSInputError("no clips to embed")
    emb = np.concatenate(emb_batches).astype(np.float64)
    if layers:
        return emb, np.concatenate(layer_batches, axis=1).astype(np.float64)
    return emb


def embed_clips(
    model: Any,
    data: Any,
    items: Sequence[int] | np.ndarray,
    cache: Any = None,
    *,
    batch_size: int = 8,
    transform: FrameTransform | None = None,
    layers: bool = False,
    progress: bool = True,
    check_frames: bool = True,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Embeddings ``(len(items), D)`` of an OddOneOutData's clips (rows in ``items`` order); see
    :func:`embed_paths` for ``layers``, ``check_frames`` and ``transform`` (keyed by :func:`clip_key` of each clip's
    id, so a clip's shuffle depends on the seed and the clip alone, not on the order or subset of clips scored)."""
    ids = data.clips["clip_id"] if transform is not None else None
    keys = [clip_key(ids[int(i)]) for i in items] if ids is not None else None
    return embed_paths(model, clip_paths(data, items), cache, batch_size=batch_size, transform=transform,
                       layers=layers, progress=progress, desc=f"embedding {len(items)} clips", keys=keys,
                       check_frames=check_frames)
