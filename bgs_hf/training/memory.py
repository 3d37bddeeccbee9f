"""Pick the embedding chunk size from a memory budget, by measuring what one clip's forward saves.

With ``embed_chunk`` the step's clips are embedded in chunks whose activations are recomputed in backward
(GradCache-style); peak activation memory is then about one chunk's. The bytes one clip saves for
backward are counted exactly with ``saved_tensors_hooks`` (device independent, so it works on CPU too).
"""

from __future__ import annotations

import logging

import torch
from torch.utils.checkpoint import checkpoint

logger = logging.getLogger(__name__)


def saved_bytes(model: torch.nn.Module, batch: torch.Tensor) -> int:
    """Bytes of tensors saved for backward by a forward of ``batch`` (``(B, T, 3, H, W)``); tensors sharing
    storage are counted once."""
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
    devices = [batch.device.index or 0] if batch.device.type == "cuda" else []
    try:  # fork_rng: the probe's dropout draws leave the run's random stream as it was
        with torch.random.fork_rng(devices=devices), torch.enable_grad(), \
                torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model(batch)
        del out
    finally:
        model.train(was_training)
    return total


def activation_cost(model: torch.nn.Module, sample: torch.Tensor) -> tuple[int, int]:
    """``(fixed, per_clip)`` saved bytes of a forward: what one more clip adds, measured as two clips minus one
    (a one-clip forward also saves what does not grow with the batch, e.g. weights kept for a backward)."""
    one = saved_bytes(model, sample)
    two = saved_bytes(model, torch.cat([sample, sample]))
    per_clip = max(two - one, 1)
    return max(one - per_clip, 0), per_clip


def pick_embed_chunk(model: torch.nn.Module, sample: torch.Tensor, budget_bytes: int, rows: int) -> int:
    """Largest chunk whose saved activations fit ``budget_bytes``; 0 (no chunking) if all ``rows`` fit.
    ``rows``: the most clips one process embeds in a step."""
    fixed, per_clip = activation_cost(model, sample)
    fit = int(max(budget_bytes - fixed, 0) // per_clip)
    chunk = 0 if fit >= rows else max(1, fit)
    logger.info("activations: %.1f MiB per clip + %.1f MiB fixed; budget %.1f MiB -> embed_chunk=%s (rows per "
                "process %d)", per_clip / 2**20, fixed / 2**20, budget_bytes / 2**20, chunk or "off", rows)
    return chunk


def embed_in_chunks(model: torch.nn.Module, pixel_values: torch.Tensor, chunk: int) -> torch.Tensor:
    """Embed rows; with ``chunk`` > 0 in chunks of that many rows whose activations are recomputed in backward (the
    chunk :func:`pick_embed_chunk` picks), so peak activation memory is one chunk's. One forward where the rows fit in
    a chunk or no gradient is taken: recomputation would only cost time."""
    if chunk <= 0 or pixel_values.shape[0] <= chunk or not torch.is_grad_enabled():
        return model(pixel_values)
    parts = [checkpoint(model, x, use_reentrant=False) for x in torch.split(pixel_values, chunk)]
    return torch.cat(parts)
