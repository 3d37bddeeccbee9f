"""Controls: could captions alone have taught the model this? (language distillation) and does the
model use motion? (frame-order controls at evaluation; see :class:`bgs_hf.eval.embed.MotionControl`).

Language-distillation control: every training/validation judgment is replaced by the one a caption
model would give on the same triplet (the odd one out is the clip outside the most caption-similar
pair), so human distances built from them are caption-derived too; the same recipe and budget then
train a model. Test judgments stay human: the control is scored against people like every model.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError

logger = logging.getLogger(__name__)

#: training controls (recipes of ``bgs_hf.training`` plus the language-distilled data).
TRAINING_CONTROLS: tuple[str, ...] = ("language-distilled", "triplet-only", "rsa-only")


def odd_from_similarity(sim: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Odd-one-out position (0/1/2) per triplet: the clip outside the most similar pair (ties: first pair).

    The pairs are read as the accuracies read them (:func:`bgs_hf.metrics.ooo.triplet_sims`), so a clip outside the
    matrix is one line: -1 was numpy's wrap onto the last clip (a silent wrong choice), N an IndexError."""
    from bgs_hf.metrics.ooo import triplet_sims

    idx = np.asarray(idx, dtype=np.int64)
    if idx.ndim != 2 or idx.shape[1] != 3:
        raise BGSInputError(f"triplets must be (n, 3) clip indices, got shape {idx.shape}")
    pair_sims = triplet_sims(sim, idx)  # (a,b), (a,c), (b,c)
    return (2 - np.argmax(pair_sims, axis=1)).astype(np.int8)


def language_distilled_data(data: Any, language_sim: np.ndarray | None = None, *, splits: tuple[str, ...] = ("fit",),
                            language_config: Any = None) -> Any:
    """A copy of ``data`` whose judgments inside ``splits`` (default train ∪ val) follow caption similarity.

    ``language_sim`` is the N×N caption-embedding similarity over all clips (computed when omitted, with
    ``language_config``'s sentence model and captions: the default language baseline unless given). Catch rows and
    judgments outside ``splits`` are unchanged.
    """
    from bgs_hf.metrics.fit import split_items

    if language_sim is None:
        from bgs_hf.baselines.language import language_similarity

        language_sim = language_similarity(list(data.clips["captions"]), language_config,
                                           names=list(data.clips["clip_id"]))
    if language_sim.shape != (data.n_clips, data.n_clips):
        raise BGSInputError(f"language similarity must be {data.n_clips}×{data.n_clips}, got {language_sim.shape}")
    cols = data.judgments.select_columns(["clip_a", "clip_b", "clip_c", "odd", "is_catch"]).to_pandas()
    idx = cols[["clip_a", "clip_b", "clip_c"]].to_numpy(dtype=np.int64)
    odd = cols["odd"].to_numpy(dtype=np.int8).copy()
    inside = np.zeros(len(idx), dtype=bool)
    for split in splits:
        member = np.zeros(data.n_clips, dtype=bool)
        member[split_items(data, split)] = True
        inside |= member[idx].all(axis=1)
    change = inside & ~cols["is_catch"].to_numpy(dtype=bool)
    new = odd_from_similarity(language_sim, idx[change])
    agree = float((new == odd[change]).mean()) if change.any() else float("nan")
    odd[change] = new
    judgments = data.judgments.remove_columns("odd").add_column("odd", odd.tolist())
    judgments = judgments.cast(data.judgments.features)
    meta = {**data.meta, "language_distilled": {"replaced_judgments": int(change.sum()),
                                                "agreement_with_humans": agree, "splits": list(splits)}}
    logger.info("language-distilled control: %d judgments replaced (%.1f%% agree with the %s choice)",
                int(change.sum()), 100 * agree, "simulated observer's" if data.simulated_observers else "human")
    return replace(data, judgments=judgments, meta=meta, name=f"{data.name} (language-distilled)")


def train_control(kind: str, config: Any, *, data: Any = None, language_sim: np.ndarray | None = None) -> Any:
    """Train one control with the same recipe/budget as ``config`` (a ``bgs_hf.training.TrainConfig``).

    ``language-distilled`` swaps in :func:`language_distilled_data`; ``triplet-only`` / ``rsa-only``
    are the ``clip-batched`` recipe without one loss term, so they ablate a ``clip-batched`` run only (another
    recipe's control would silently change its batching too). Returns the ``TrainResult``.
    """
    from bgs_hf.training.api import check_train_config, train_bgs, training_data
    from bgs_hf.training.recipes import DEFAULT_RECIPE

    if kind not in TRAINING_CONTROLS:
        raise BGSInputError(f"unknown control {kind!r}; choose from {', '.join(TRAINING_CONTROLS)}")
    if kind != "language-distilled" and config.bgs.recipe != DEFAULT_RECIPE:
        raise BGSInputError(f"control {kind!r} is {DEFAULT_RECIPE!r} without one loss term; this run's recipe is "
                            f"{config.bgs.recipe!r}, so its batching would change too")
    if kind == "language-distilled":
        check_train_config(config)  # a bad flag costs no data loading and no caption embedding
        distilled = language_distilled_data(training_data(config) if data is None else data, language_sim)
        return train_bgs(replace(config, data_override=distilled))
    return train_bgs(replace(config, bgs=replace(config.bgs, recipe=kind)))
