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

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from bgs_hf.errors import BGSInputError

logger = logging.getLogger(__name__)


def world() -> tuple[int, int]:
    """(world size, rank) of the default process group, (1, 0) when not distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


def barrier() -> None:
    """Wait until every process of the default group is here; nothing when not distributed."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def set_group_timeout(seconds: float) -> None:
    """How long a collective of the default group waits for the other processes before it fails (gloo's and NCCL's
    own default otherwise: 30 and 10 minutes); nothing when not distributed. ``torch.distributed`` keeps its setter
    private."""
    from datetime import timedelta

    if not (dist.is_available() and dist.is_initialized()):
        return
    try:
        from torch.distributed.distributed_c10d import _set_pg_timeout
    except ImportError:  # a torch release without the private setter: the group keeps its own timeout
        logger.warning("this torch cannot change a started process group's timeout: --ddp_timeout is not applied")
        return
    _set_pg_timeout(timedelta(seconds=seconds))


T = TypeVar("T")


def on_main_process(compute: Callable[[], T]) -> T:
    """``compute()`` on rank 0 only, its result sent to every other rank: for pure statistics every rank would
    otherwise repeat (the final fit's bootstrap and ceiling, with their warnings and progress bars), when every rank
    must still return the same value. Every rank must call it (a broadcast). Rank 0's error is raised on each rank."""
    size, rank = world()
    if size == 1:
        return compute()
    sent: list[Any] = [None]
    if rank == 0:
        try:
            sent[0] = (True, compute())
        except Exception as err:
            sent[0] = (False, _sendable(err))
            dist.broadcast_object_list(sent, src=0)
            raise
    dist.broadcast_object_list(sent, src=0)
    done, value = sent[0]
    if not done:
        raise value
    return value


def _sendable(err: Exception) -> Exception:
    """What the other ranks raise for rank 0's error: its one line, as a :class:`BGSInputError` where it was one (a
    launch then ends as the CLI ends a refusal), else a RuntimeError naming its type. Never the error object itself:
    one with its own ``__init__`` or an unpicklable attribute (a ``BGSSettingError``'s ``say``) would not survive
    the broadcast, and checking that would unpickle it here."""
    if isinstance(err, BGSInputError):
        return BGSInputError(str(err))
    return RuntimeError(f"rank 0: {type(err).__name__}: {err}")


def _all_gather(part: torch.Tensor) -> torch.Tensor:
    """``(world size, *part.shape)``: every process's ``part``, in rank order (the parts must have one shape)."""
    parts = [torch.empty_like(part) for _ in range(world()[0])]
    dist.all_gather(parts, part.contiguous())
    return torch.stack(parts)


class _GatherRows(torch.autograd.Function):
    """all_gather of equal-size padded parts; backward all-reduces (sums) and keeps the own part."""

    @staticmethod
    def forward(ctx, part: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.rank = world()[1]
        return _all_gather(part)

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
    stacked = _GatherRows.apply(part) if part.requires_grad else _all_gather(part)
    return torch.cat([stacked[r, : counts[r]] for r in range(size)])
