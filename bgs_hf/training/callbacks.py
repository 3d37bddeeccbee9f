"""The callbacks a BGS run adds to the Trainer: each holds one piece of run state the Trainer's own loop reaches
only through callbacks (the epoch for the step sampler, the clock of a ``train`` call, a deferred action at train
begin, early stopping that says why it stopped). Kept apart from :class:`bgs_hf.training.trainer.BGSTrainer`, which
adds them, so the trainer holds only its overrides of the Trainer's hooks."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from transformers import EarlyStoppingCallback, TrainerCallback

from bgs_hf._format import count
from bgs_hf.training.data import StepDataset

logger = logging.getLogger(__name__)


class EpochSyncCallback(TrainerCallback):
    """Tells the step dataset which epoch starts, so the epoch's clip sets are the ones a fresh or
    resumed run would draw (the sampler is a pure function of seed, epoch and step)."""

    def __init__(self, dataset: StepDataset) -> None:
        self.dataset = dataset

    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.dataset.set_epoch(math.floor((state.epoch or 0.0) + 1e-6))


class TrainClockCallback(TrainerCallback):
    """Starts the clock of a ``train`` call where transformers starts ``train_runtime``'s (after the model, the
    optimizer and a resumed checkpoint are loaded), so a checkpoint's recorded training time adds up with it."""

    def __init__(self) -> None:
        self.started: float | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.time()


class TrainBeginCallback(TrainerCallback):
    """Runs ``action`` once, at train begin: after the Trainer's own refusals of a resume (the checkpoint's weights,
    optimizer groups and step), so what may not happen for a refused run (removing the run it replaces) waits here."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action: Callable[[], None] | None = action

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        action, self.action = self.action, None  # once: a retried inner loop must not remove this run's own files
        if action is not None:
            action()


class SayingEarlyStoppingCallback(EarlyStoppingCallback):
    """transformers' early stopping ends a run without a word: a `--max_steps 20` run stopped at step 6, its
    progress bar at 30%. This one says where it stopped, the best validation score, and the flag to change."""

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any, **kwargs: Any) -> None:
        super().on_evaluate(args, state, control, metrics, **kwargs)
        if control.should_training_stop and state.global_step < state.max_steps:
            logger.info("early stopping ended the run at %s", self.where(args, state))

    def where(self, args: Any, state: Any) -> str:
        """Where and why it stopped the run, and the flag that changes it (also said when a resume finds it stopped)."""
        name = args.metric_for_best_model
        name = name if name.startswith("eval_") else f"eval_{name}"
        best = "none" if state.best_metric is None else f"{state.best_metric:.4g}"
        return (f"step {state.global_step} of {state.max_steps} (epoch {round(state.epoch or 0.0, 2):g}): {name} has "
                f"not improved for {count(self.early_stopping_patience_counter, 'evaluation')}, best {name} {best} at step "
                f"{state.best_global_step} (--early_stopping_patience {self.early_stopping_patience}; 0 turns it off)")
