"""Gather embeddings across processes WITH gradient, so a step's loss is the single-process loss.

Every process embeds its own part of the step's global clip set, gathers all parts, and computes the
same loss on the whole set. In backward, each process's loss sends gradient to every part; the gathered
gradient is summed over processes (all-reduce) and each process keeps its own rows. The sum over W
identical losses is W·dL/de, and DDP/accelerate then AVERAGE parameter gradients over the W processes,
which gives exactly dL/dθ of the single-process step: no extra world-size scaling is needed.

Works on any backend with ``all_gather`` and ``all_reduce`` (gloo on CPU, NCCL on GPU). Parts may have
different sizes: they are padded to the largest and the padding is dropped after the gather.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as dist


def world() -> tuple[int, int]:
    """(world size, rank) of the default process group, (1, 0) when not distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


class _GatherRows(torch.autograd.Function):
    """all_gather of equal-size padded parts; backward all-reduces (sums) and keeps the own part."""

    @staticmethod
    def forward(ctx, part: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        size, rank = world()
        ctx.rank = rank
        out = [torch.empty_like(part) for _ in range(size)]
        dist.all_gather(out, part.contiguous())
        return torch.stack(out)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank]


def gather_rows(part: torch.Tensor, counts: Sequence[int]) -> torch.Tensor:
    """Concatenate every process's ``part`` (rank order) into the global ``(sum(counts), D)`` tensor.

    ``counts[r]`` is the number of rows of rank r (known to every process from the step plan).
    Gradient flows back to this process's rows when ``part`` requires grad.
    """
    size, rank = world()
    counts = [int(c) for c in counts]
    if size == 1:
        return part
    if len(counts) != size or counts[rank] != part.shape[0]:
        raise RuntimeError(f"rank {rank}: part has {part.shape[0]} rows, counts say {counts}")
    width = max(counts)
    pad = width - part.shape[0]
    if pad:
        part = torch.cat([part, part.new_zeros((pad, *part.shape[1:]))])
    if part.requires_grad:
        stacked = _GatherRows.apply(part)
    else:
        out = [torch.empty_like(part) for _ in range(size)]
        dist.all_gather(out, part.contiguous())
        stacked = torch.stack(out)
    return torch.cat([stacked[r, : counts[r]] for r in range(size)])
