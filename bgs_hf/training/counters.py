"""The cost counters of a BGS run: clip forward passes (with and without gradient), judgments and RSA pairs with
gradient, summed over the run and averaged per logging window beside the loss terms, so recipes can be compared
on the same footing. Kept apart from :class:`bgs_hf.training.trainer.BGSTrainer`, which records each training
step here and adds the window to its training logs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from bgs_hf.training.data import STAT_KEYS

#: steps whose loss terms are kept on the device at most: then they are read (one read), so that a run logging seldom
#: or never (``--logging_strategy no``) does not hold a device tensor per step for the whole run
KEPT_ON_DEVICE_STEPS = 1024


class CostCounters:
    """``totals``: the run's counts (:data:`STAT_KEYS`), carried on by a resume and saved with every checkpoint;
    ``window``: one row per training step since the last training log (loss terms, weights and the step's counts).

    A step's loss terms are kept as the device tensors the loss gave and read on the host once per training log
    (:meth:`add_to`), all of the window's in one read (and every :data:`KEPT_ON_DEVICE_STEPS` steps): read at every
    step they were two host syncs a step on a GPU."""

    def __init__(self, totals: dict[str, int] | None = None,
                 window: Iterable[Mapping[str, float]] | None = None) -> None:
        self.totals: dict[str, int] = dict.fromkeys(STAT_KEYS, 0) if totals is None else totals
        self._steps: list[dict[str, float | torch.Tensor]] = [dict(row) for row in window or ()]

    @property
    def window(self) -> list[dict[str, float]]:
        """The window's rows as numbers (reading the device values kept so far: a host sync on a GPU)."""
        return _read_on_host(self._steps)

    @window.setter
    def window(self, rows: Iterable[Mapping[str, float]]) -> None:
        self._steps = [dict(row) for row in rows]

    def record(self, out: Any, stats: list[int]) -> None:
        """Add a training step's counts (``plan_stats``, in :data:`STAT_KEYS` order) to the totals, and its loss terms
        (a :class:`bgs_hf.losses.BGSLoss` output) and counts to the window. Nothing on the device is read here."""
        for key, value in zip(STAT_KEYS, stats):
            self.totals[key] += int(value)
        row = {name: _kept(getattr(out, attr)) for name, attr in (("loss_local", "local"), ("loss_global", "global_"),
                                                                   ("alpha", "alpha"), ("beta", "beta"))}
        row.update({f"step_{k}": float(v) for k, v in zip(STAT_KEYS, stats)})
        self._steps.append(row)
        if len(self._steps) % KEPT_ON_DEVICE_STEPS == 0:
            self._steps = self.window

    def carry_on(self, saved: Mapping[str, Any] | None) -> None:
        """Continue a checkpoint's totals (a ``bgs_trainer_state.json``'s ``totals``; a key this run does not count is
        ignored)."""
        self.totals.update({k: int(v) for k, v in (saved or {}).items() if k in self.totals})

    def add_to(self, logs: dict[str, float | int]) -> None:
        """Add the window's means and the totals to a training log, and start a new window; nothing when no step was
        recorded since the last log. A term only some steps had (paper-v1's RSA term) is the mean of those steps, one
        no step had is NaN. A ``step_`` count is a step's count averaged over the window, a float (4.5 judgments a
        step); a total is the run's count, an int, as ``metrics.json`` has it (it was logged ``12.0``, and printed by
        the Trainer's ``.4g`` as ``1.2e+04`` from 10,000 on). The Trainer logs both as given, on each process alike:
        it averages only its own ``loss`` over steps and processes."""
        window = self.window
        if not window:
            return
        for key in window[0]:
            vals = np.array([w[key] for w in window], dtype=np.float64)
            logs[key] = float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")
        logs.update({k: int(v) for k, v in self.totals.items()})
        self._steps = []


def _kept(value: Any) -> float | torch.Tensor:
    """A logged value as the window keeps it: a tensor as a detached copy on its device, in its own dtype (safe from a
    loss that reuses its output's memory; float64 would fail on a device without it, such as Apple's MPS), anything
    else as its float."""
    if isinstance(value, torch.Tensor):
        return value.detach().reshape(()).clone()
    return float(value)


def _read_on_host(rows: list[dict[str, float | torch.Tensor]]) -> list[dict[str, float]]:
    """The rows with every kept tensor read as a float, all in one read (stacked on the first one's device; the stack
    promotes mixed dtypes exactly): the same floats as ``float(tensor)`` of each."""
    kept = [v for row in rows for v in row.values() if isinstance(v, torch.Tensor)]
    read = iter(torch.stack([t.to(kept[0].device) for t in kept]).tolist() if kept else ())
    return [{k: next(read) if isinstance(v, torch.Tensor) else v for k, v in row.items()} for row in rows]
