"""Pick the embedding chunk size from a memory budget, by measuring what one clip's forward saves.

With ``embed_chunk`` the step's clips are embedded in chunks whose activations are recomputed in backward
(GradCache-style); peak activation memory is then about one chunk's. The bytes one clip saves for
backward are counted exactly with ``saved_tensors_hooks`` (device independent, so it works on CPU too).
"""

from __future__ import annotations

import logging

import torch

logger = logging.getLogger(__name__)


def activation_bytes_per_clip(model: torch.nn.Module, sample: torch.Tensor) -> int:
    """Bytes of tensors saved for backward by a forward of ``sample`` (one clip, ``(1, T, 3, H, W)``).

    Tensors sharing storage are counted once.
    """
    seen: set[tuple[int, int]] = set()
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        try:
            key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        except (RuntimeError, NotImplementedError):
            key = (id(t), t.numel())
        if key not in seen:
            seen.add(key)
            total += t.numel() * t.element_size()
        return t

    was_training = model.training
    model.train()
    try:
        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model(sample)
        del out
    finally:
        model.train(was_training)
    return total


def pick_embed_chunk(model: torch.nn.Module, sample: torch.Tensor, budget_bytes: int, rows: int) -> int:
    """Largest chunk whose activations fit ``budget_bytes``; 0 (no chunking) if all ``rows`` fit."""
    per_clip = max(activation_bytes_per_clip(model, sample), 1)
    fit = int(budget_bytes // per_clip)
    chunk = 0 if fit >= rows else max(1, fit)
    logger.info("activations: %.1f MiB per clip; budget %.1f MiB -> embed_chunk=%s (rows per process %d)",
                per_clip / 2**20, budget_bytes / 2**20, chunk or "off", rows)
    return chunk
