"""The cost counters of a BGS run: clip forward passes (with and without gradient), judgments and RSA pairs with
gradient, summed over the run and averaged per logging window beside the loss terms, so recipes can be compared
on the same footing. Kept apart from :class:`bgs_hf.training.trainer.BGSTrainer`, which records each training
step here and adds the window to its training logs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bgs_hf.training.data import STAT_KEYS


@dataclass
class CostCounters:
    """``totals``: the run's counts (:data:`STAT_KEYS`), carried on by a resume and saved with every checkpoint;
    ``window``: one row per training step since the last training log (loss terms, weights and the step's counts)."""

    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAT_KEYS, 0))
    window: list[dict[str, float]] = field(default_factory=list)

    def record(self, out: Any, stats: list[int]) -> None:
        """Add a training step's counts (``plan_stats``, in :data:`STAT_KEYS` order) to the totals, and its loss terms
        (a :class:`bgs_hf.losses.BGSLoss` output) and counts to the window."""
        for key, value in zip(STAT_KEYS, stats):
            self.totals[key] += int(value)
        row = {"loss_local": float(out.local), "loss_global": float(out.global_), "alpha": float(out.alpha),
               "beta": float(out.beta)}
        row.update({f"step_{k}": float(v) for k, v in zip(STAT_KEYS, stats)})
        self.window.append(row)

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
        if not self.window:
            return
        for key in self.window[0]:
            vals = np.array([w[key] for w in self.window], dtype=np.float64)
            logs[key] = float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")
        logs.update({k: int(v) for k, v in self.totals.items()})
        self.window = []
