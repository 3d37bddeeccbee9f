"""``BGSTrainer``: a thin ``transformers.Trainer`` whose step embeds a clip set and applies the BGS loss.

Everything the Trainer already does well stays the Trainer's: optimiser, ReduceLROnPlateau, checkpoints,
resume, early stopping, ``load_best_model_at_end`` for PEFT adapters, accelerate/DDP, bf16, logging.
This class only overrides the Trainer's hooks: (1) ``compute_loss`` turns a step batch into embeddings of the
step's global clip set (gathered across processes with gradient; in chunks with
:func:`bgs_hf.training.memory.embed_in_chunks`) and calls the loss, (2) ``evaluate`` embeds the validation clips
and scores them against human similarity (``eval_rsa`` etc.: :func:`bgs_hf.training.scoring.score_similarities`),
(3) ``log`` adds the loss terms and the cost counters (clip forward passes, judgments and RSA pairs with gradient:
:class:`bgs_hf.training.counters.CostCounters`), so recipes can be compared on the same footing, and (4) ``_save``
writes the BGS state record (:func:`bgs_hf.training.resume.bgs_state_record`) beside the adapter.
Beside these it fits the Trainer's settings to BGS steps (``_fit_*``, before the accelerator is built) and
mends where the Trainer's own checkpointing and resume go wrong for a BGS run (a marker during a checkpoint's
write, early stopping's state, the number of processes); the checks of a resume that need no Trainer (which
checkpoint, and whether it gives the run's steps) live in :mod:`bgs_hf.training.resume`, the callbacks it adds
in :mod:`bgs_hf.training.callbacks`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers.trainer as hf_trainer
from accelerate.utils import DistributedDataParallelKwargs
from torch.nn.parallel import DistributedDataParallel
from transformers import EarlyStoppingCallback, Trainer, TrainerState
from transformers.trainer_callback import ExportableState, ProgressCallback

from bgs_hf._bars import delayed_bar
from bgs_hf._files import write_text_atomic
from bgs_hf._format import agree, count
from bgs_hf.errors import BGSDivergedError, BGSInputError
from bgs_hf.hub.run_info import recorded_world_sizes
from bgs_hf.models.loading import INCOMPLETE_MARKER, restore_plain_weights
from bgs_hf.training.args import check_batch_size, draws_bars
from bgs_hf.training.callbacks import (
    EpochSyncCallback,
    SayingEarlyStoppingCallback,
    TrainBeginCallback,  # noqa: F401 - re-exported: the callbacks lived here
    TrainClockCallback,
)
from bgs_hf.training.counters import CostCounters
from bgs_hf.training.data import ClipStore, StepDataset, check_step_processes, stack_clips
from bgs_hf.training.distributed import gather_rows, world
from bgs_hf.training.memory import embed_in_chunks
from bgs_hf.training.resume import (
    BGS_STATE_NAME,
    bgs_state_record,
    check_resume_schedule,
    check_resume_step,
    checkpoint_complete,  # noqa: F401 - re-exported: the resume checks lived here, and users import them from here
    checkpoint_step,
    name_since_resume,
    planned_max_steps,  # noqa: F401 - re-exported
    read_bgs_state,
    resolve_resume,
    sampler_seed,
)
from bgs_hf.training.sampler import shard_rows
from bgs_hf.training.scoring import SCORED_METRICS, best_model_metric, score_similarities  # noqa: F401 - re-exported

logger = logging.getLogger(__name__)


def _fit_arguments_to_bgs(args: Any) -> None:
    """Trainer settings that break BGS steps, set before the accelerator is built, so that a plain
    TrainingArguments object (not only ``training_arguments``' BGS defaults) trains correctly: the two below,
    then the best-model metric (:func:`best_model_metric`) and the plateau's mode (:func:`_fit_plateau_mode`).

    - ``remove_unused_columns``: the items are step descriptions for the collator, not model inputs, and the
      Trainer would strip them all (KeyError 'epoch' at the first step).
    - ``ddp_broadcast_buffers``: DDP broadcasts buffers at every forward, and ranks run different numbers of
      forwards in a step (chunks of a rank's own rows; no-gradient rows only where a rank has some), so a
      model with a buffer (CLIP's position ids) hung. Our backbones' buffers are constants; an explicit True
      is kept. torch 2.13 deprecates DDP's ``broadcast_buffers`` argument (a FutureWarning on every rank), so
      the flag is applied to the wrapped model instead (:meth:`BGSTrainer._build_accelerator_args`).

    ``ddp_find_unused_parameters`` is decided with the model (:func:`_fit_find_unused_parameters`).
    """
    args.remove_unused_columns = False
    if args.ddp_broadcast_buffers is None:
        args.ddp_broadcast_buffers = False
    args.metric_for_best_model, chosen = best_model_metric(args.metric_for_best_model)
    if chosen or args.greater_is_better is None:
        args.greater_is_better = True  # every metric BGS evaluation reports is better when higher
    _fit_plateau_mode(args)


def _fit_find_unused_parameters(args: Any, model: Any, train_dataset: Any, clip_store: Any) -> None:
    """``ddp_find_unused_parameters`` unless given: off when one training forward reaches every trainable parameter.

    transformers turns the search on for any model that is not a ``PreTrainedModel`` (ours is a ``PeftModel``), and
    DDP then warned on every rank that it found nothing while traversing the autograd graph again at each step. It
    finds nothing in a BGS step: every rank embeds at least one gradient row through the whole model each step
    (``build_sampler`` refuses fewer clips than processes), the loss stays connected to the gathered rows even when
    a term is empty, and the LoRA liveness check has proved every adapter is on the forward path. A trainable
    parameter the forward skips (a layer of a user's own model that it never calls; V-JEPA 2's predictor is kept
    frozen by the embedder) keeps it on: without the search DDP raises at the second step. One clip of the training
    set decides, on every rank alike.
    """
    if args.ddp_find_unused_parameters is not None or args.world_size <= 1 or model is None \
            or getattr(args, "fsdp", None) or getattr(args, "deepspeed", None):  # DDP only
        return
    clips = getattr(getattr(train_dataset, "sampler", None), "clips", None)
    if clips is None or len(clips) == 0:
        return  # no BGS step dataset to take a clip from: transformers' default stays
    from bgs_hf.models.liveness import unreached_parameters

    device = next(model.parameters()).device
    first = stack_clips(clip_store, np.asarray(clips[:1]), own=False)  # the same clip on every rank
    unreached = unreached_parameters(model, first.to(device))
    args.ddp_find_unused_parameters = bool(unreached)
    if unreached:
        logger.info("%s %s no gradient from the forward (%s%s): DDP searches for unused parameters at every step",
                    count(len(unreached), "trainable parameter"), agree(len(unreached), "gets", "get"),
                    ", ".join(unreached[:3]),
                    " ..." if len(unreached) > 3 else "")


def _fit_plateau_mode(args: Any) -> None:
    """ReduceLROnPlateau watches ``metric_for_best_model`` with torch's default ``mode="min"``. The BGS defaults
    say ``max``, but any ``--lr_scheduler_kwargs`` (say ``{"patience": 2}``) or a plain TrainingArguments
    replaced them, and the LR was then halved while validation RSA rose. The mode follows
    ``greater_is_better`` unless given; a contradicting one is refused."""
    if str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)) != "reduce_lr_on_plateau":
        return
    want = "max" if args.greater_is_better else "min"
    kwargs = dict(args.lr_scheduler_kwargs or {})
    given = kwargs.setdefault("mode", want)
    if given != want:
        raise BGSInputError(f"--lr_scheduler_kwargs mode {given!r} contradicts {args.metric_for_best_model} "
                            f"(greater_is_better={args.greater_is_better}): the plateau would lower the learning "
                            f"rate while the metric improves; use mode {want!r} or leave it out")
    args.lr_scheduler_kwargs = kwargs


def _trainer_argument(args: tuple[Any, ...], kwargs: Mapping[str, Any], name: str, position: int) -> Any:
    """``Trainer.__init__``'s argument ``name`` by keyword or at ``position`` (``None`` when not given): the
    arguments are fitted to BGS before ``Trainer.__init__`` builds the accelerator from them."""
    return kwargs.get(name, args[position] if len(args) > position else None)


def non_finite_cause(emb: torch.Tensor, inputs: Mapping[str, Any]) -> str:
    """Where a non-finite loss came from, read only once it is (no step pays for it): the step's embeddings, and then
    this process's pixels, or the loss arithmetic. "the loss became nan" alone left a NaN pixel in a clip, a model
    that overflowed and a loss term that divided by zero to be told apart by hand. Under several processes finite
    pixels here clear only this process's clips: the gathered embeddings hold the others' too."""
    from bgs_hf.metrics.similarity import non_finite_rows  # imported when needed, as the scoring does

    said = non_finite_rows(emb, "embedding")
    if said is None:
        return "the step's embeddings were finite: the loss arithmetic gave it, not the model"
    pixels = [non_finite_rows(inputs[k], what) for k, what in (("pixel_values", "pixel input"),
                                                               ("pixel_values_nograd", "no-gradient pixel input"))
              if k in inputs]
    pixels = [p for p in pixels if p]
    n_processes, _ = world()  # the embeddings are every process's, the pixels read here this one's only
    where = (f"in this process's inputs, {'; '.join(pixels)}" if pixels else
             "this process's pixel inputs were finite, so the model's weights or activations overflowed"
             if n_processes == 1 else
             f"this process's pixel inputs were finite: another process's pixel inputs ({n_processes} processes) "
             "or the model's weights or activations were not")
    return f"the model's embeddings of the step were not finite, before the loss: {said}; {where}"


class BGSTrainer(Trainer):
    """Trainer for BGS embedders.

    Extra arguments: ``loss_fn`` (a :class:`bgs_hf.losses.BGSLoss`), ``clip_store`` (clip index ->
    model input), ``eval_sets`` (``{"eval": (clips, human, triplets)}``; key = metric prefix, clips = global
    indices, human = HumanSimilarity of that split, triplets = (idx, odd)), ``embed_chunk`` (clips per
    forward chunk with activation recomputation; 0 = one forward), ``bgs_info`` (recipe etc., saved with
    every checkpoint). The train dataset must be a :class:`StepDataset` and ``per_device_train_batch_size`` 1; it and a
    :class:`BGSCollator` are built with the run's number of processes (``args.world_size``), or refused.
    """

    def __init__(self, *args: Any, loss_fn: torch.nn.Module, clip_store: ClipStore,
                 eval_sets: Mapping[str, tuple[np.ndarray, Any, Any]] | None = None, embed_chunk: int = 0,
                 bgs_info: dict[str, Any] | None = None, **kwargs: Any) -> None:
        training_args = _trainer_argument(args, kwargs, "args", 1)
        if training_args is not None:
            _fit_arguments_to_bgs(training_args)
            _fit_find_unused_parameters(training_args, _trainer_argument(args, kwargs, "model", 0),
                                        _trainer_argument(args, kwargs, "train_dataset", 3), clip_store)
        super().__init__(*args, **kwargs)
        # the model returns embeddings, never a loss: the Trainer must not pass num_items_in_batch
        self.model_accepts_loss_kwargs = False
        self.loss_fn = loss_fn
        self.clip_store = clip_store
        self.eval_sets = dict(eval_sets or {})
        self.embed_chunk = int(embed_chunk)
        self.bgs_info = dict(bgs_info or {})
        #: the run's cost counters, and the loss terms of the steps since the last training log
        self.counters = CostCounters()
        #: training time of the run before this ``train`` call: the resumed checkpoint's (None: a checkpoint of an
        #: older bgs-hf, which did not record it)
        self.train_seconds_before: float | None = 0.0
        #: how many processes trained the run from which step on (``bgs_trainer_state.json``, metrics.json's
        #: ``train``): a run resumed on another number of processes has one entry per change
        self.world_sizes: list[dict[str, int | None]] = self._own_world_size()
        #: the checkpoint whose schedule the caller has checked already (``train_bgs``, before it built the model):
        #: :meth:`train` does not check it again
        self.schedule_checked: str | None = None
        #: the step the running ``train`` call resumed from (None: not resumed): its end-of-training log names the
        #: call's loss, time and rates ``..._since_resume``, as metrics.json does
        self.resumed_from_step: int | None = None
        self._clock = TrainClockCallback()
        self.add_callback(self._clock)
        if self.args.n_gpu > 1:
            raise BGSInputError(f"{self.args.n_gpu} GPUs in one process: BGS does not use nn.DataParallel; start "
                                "one process per GPU (accelerate launch -m bgs_hf.train ..., or torchrun), or "
                                "pick one GPU with CUDA_VISIBLE_DEVICES")
        check_batch_size(self.args)
        check_step_processes(self.train_dataset, self.data_collator, self._world_size())
        if isinstance(self.train_dataset, StepDataset):
            self.add_callback(EpochSyncCallback(self.train_dataset))

    def train(self, resume_from_checkpoint: str | bool | None = None, *args: Any, **kwargs: Any) -> Any:
        """``Trainer.train``; a resumed checkpoint sets :attr:`train_seconds_before` (:meth:`_load_from_checkpoint`).
        ``resume_from_checkpoint`` is read as ``--resume_from_checkpoint`` (:func:`resolve_resume`): ``True`` (or
        ``"last"``) is the newest COMPLETE ``checkpoint-N`` (transformers' newest folder was one a kill cut short, a
        ``FileNotFoundError`` for its ``trainer_state.json``), and a folder not completely written is refused in one line.
        A resume must take the run's steps (:func:`check_resume_schedule`), checked before anything loads: a trainer
        built by a user's own code resumed with another step size, accumulation or seed without a word. The clip sets'
        seed is the sampler's own, as its checkpoints record it (a user's sampler need not take ``args.data_seed``)."""
        checkpoint = resolve_resume(resume_from_checkpoint, self.args.output_dir)
        if checkpoint and isinstance(self.train_dataset, StepDataset) and str(checkpoint) != self.schedule_checked:
            check_resume_schedule(checkpoint, len(self.train_dataset.sampler), self.args, self.bgs_info.get("recipe"),
                                  self._world_size(), sampler_seed(self.train_dataset.sampler))
        self.train_seconds_before = 0.0
        self.resumed_from_step = checkpoint_step(checkpoint) if checkpoint else None
        self.world_sizes = self._own_world_size()
        self._clock.started = None
        try:
            return super().train(checkpoint, *args, **kwargs)
        except BaseException:
            self._close_step_bars()
            raise

    def _close_step_bars(self) -> None:
        """Close the Trainer's step and evaluation bars of a run that failed or was interrupted: the Trainer closes
        them only at train end, and the traceback a notebook keeps (``sys.last_traceback``) holds this trainer, so its
        bar stayed open: the next run's bar was drawn a line lower and the stale one drawn again under every log
        line. The CLI closes every bar itself (``close_open_bars``); a Python caller's own bars are theirs."""
        for callback in self.callback_handler.callbacks:
            if not isinstance(callback, ProgressCallback):
                continue
            for name in ("prediction_bar", "training_bar"):  # innermost first, as tqdm draws them
                bar = getattr(callback, name, None)
                if bar is not None:
                    bar.close()
                    setattr(callback, name, None)

    def _world_size(self) -> int:
        """The Trainer's number of processes (1 when it runs each process alone)."""
        return max(int(self.args.world_size), 1)

    def _own_world_size(self, from_step: int | None = 0) -> list[dict[str, int | None]]:
        """This call's entry of :attr:`world_sizes`."""
        return [{"from_step": from_step, "world_size": self._world_size()}]

    def run_train_seconds(self) -> float | None:
        """The run's training time so far, summed over its ``train`` calls up to the checkpoint each resumed from
        (the steps a killed run did after its last checkpoint are lost, and not counted); ``None`` when unknown."""
        if self.train_seconds_before is None or self._clock.started is None:
            return None
        return self.train_seconds_before + time.time() - self._clock.started

    @property
    def bgs_totals(self) -> dict[str, int]:
        """The run's cost counters so far (:attr:`counters`' totals; ``metrics.json``'s ``counters``)."""
        return self.counters.totals

    @bgs_totals.setter
    def bgs_totals(self, totals: dict[str, int]) -> None:
        self.counters.totals = totals

    # ------------------------------------------------------------------ resume
    def _init_training_state(self, max_steps: int, num_update_steps_per_epoch: int, num_train_epochs: int,
                             resume_from_checkpoint: str | None, trial: Any) -> tuple[int, int]:
        """A checkpoint at the run's last step (a run killed while scoring or writing its results, resumed) trains no
        further step: the Trainer stops only after a step, so one saved mid-epoch trained one step past the end."""
        epochs_trained, steps_in_epoch = super()._init_training_state(
            max_steps, num_update_steps_per_epoch, num_train_epochs, resume_from_checkpoint, trial)
        if resume_from_checkpoint is None:
            return epochs_trained, steps_in_epoch
        check_resume_step(resume_from_checkpoint, self.state.global_step, max_steps)
        self._record_new_callback_states()
        if self.state.global_step >= max_steps:
            logger.info("%s is at the run's last step (%d): no step left to train", resume_from_checkpoint, max_steps)
            return num_train_epochs, 0  # the epoch loop is empty
        stopped = self._early_stopped()
        if stopped is not None:  # the Trainer resets its stop flag at train begin: it trained on to the next evaluation
            where = (stopped.where(self.args, self.state) if isinstance(stopped, SayingEarlyStoppingCallback)
                     else f"step {self.state.global_step}")
            logger.info("%s: early stopping had ended the run at %s: no step left to train (a higher "
                        "--early_stopping_patience trains on)", resume_from_checkpoint, where)
            return num_train_epochs, 0
        return epochs_trained, steps_in_epoch

    def _early_stopped(self) -> EarlyStoppingCallback | None:
        """The early-stopping callback whose count of evaluations without improvement has reached its patience."""
        return next((cb for cb in self.callback_handler.callbacks if isinstance(cb, EarlyStoppingCallback)
                     and cb.early_stopping_patience_counter >= cb.early_stopping_patience), None)

    def _load_callback_state(self) -> None:
        """``restore_callback_states_from_checkpoint`` (a BGS default) rebuilds each callback from the checkpoint's
        arguments: an early-stopping callback kept the checkpoint's run's patience, and ``--early_stopping_patience``
        given to the resumed run was ignored. Its count of evaluations without improvement is the checkpoint's; its
        patience and threshold are this run's."""
        asked: dict[type, list[tuple[Any, Any]]] = {}
        for cb in self.callback_handler.callbacks:
            if isinstance(cb, EarlyStoppingCallback):
                asked.setdefault(type(cb), []).append((cb.early_stopping_patience, cb.early_stopping_threshold))
        super()._load_callback_state()
        for cb in self.callback_handler.callbacks:
            if isinstance(cb, EarlyStoppingCallback) and asked.get(type(cb)):
                cb.early_stopping_patience, cb.early_stopping_threshold = asked[type(cb)].pop(0)

    def _record_new_callback_states(self) -> None:
        """A resumed state holds the callbacks of the checkpoint's run only, and the Trainer's checkpoint save looks
        each present one up there: a run resumed with early stopping that its first part ran without raised
        ``KeyError: 'SayingEarlyStoppingCallback'`` at its first checkpoint, after an epoch of training."""
        present = [cb for cb in self.callback_handler.callbacks + [self.control] if isinstance(cb, ExportableState)]
        for name, value in TrainerState(stateful_callbacks=present).stateful_callbacks.items():
            self.state.stateful_callbacks.setdefault(name, value)

    # ------------------------------------------------------------------ DDP
    def _build_accelerator_args(self, **kwargs: Any) -> dict[str, Any]:
        """DDP gets no ``broadcast_buffers=False`` (deprecated by torch 2.13, which warned on every rank); the
        wrapped model's buffer sync is turned off before its first forward instead (:meth:`_sync_buffers`)."""
        built = super()._build_accelerator_args(**kwargs)
        for handler in built.get("kwargs_handlers") or ():
            if isinstance(handler, DistributedDataParallelKwargs) and handler.broadcast_buffers is False:
                handler.broadcast_buffers = True  # accelerate's default: left out of DDP's arguments
        return built

    def _sync_buffers(self, model: torch.nn.Module) -> None:
        """``ddp_broadcast_buffers=False`` on the DDP model (``forward_sync_buffers``; ``broadcast_buffers`` before
        torch 2.13): no buffer broadcast at each forward. Unlike the deprecated constructor argument, buffers are
        still broadcast once when DDP wraps the model, while every rank is there; ours are constants."""
        if self.args.ddp_broadcast_buffers is False and isinstance(model, DistributedDataParallel):
            name = "forward_sync_buffers" if hasattr(model, "forward_sync_buffers") else "broadcast_buffers"
            if getattr(model, name):
                setattr(model, name, False)

    # ------------------------------------------------------------------ data
    def _get_train_sampler(self, train_dataset: Any = None) -> torch.utils.data.Sampler:
        # the order of steps is the sampler's; accelerate shards the items by rank (see StepDataset)
        return torch.utils.data.SequentialSampler(train_dataset if train_dataset is not None else self.train_dataset)

    # ------------------------------------------------------------------ loss
    def embed_step(self, model: torch.nn.Module, inputs: dict[str, Any]) -> torch.Tensor:
        """Embeddings of the step's global rows (gradient rows, then no-gradient rows)."""
        rows = embed_in_chunks(model, inputs["pixel_values"], self.embed_chunk)
        emb = gather_rows(rows, inputs["grad_counts"].tolist())
        nograd_counts = inputs["nograd_counts"].tolist()
        if sum(nograd_counts):
            _, rank = world()
            with torch.no_grad():
                if nograd_counts[rank]:
                    part = embed_in_chunks(model, inputs["pixel_values_nograd"], self.embed_chunk)
                else:
                    part = emb.new_zeros((0, emb.shape[1]))
                rest = gather_rows(part.to(emb.dtype), nograd_counts)
            emb = torch.cat([emb, rest])
        return emb

    def compute_loss(self, model: torch.nn.Module, inputs: dict[str, Any], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> torch.Tensor | tuple[torch.Tensor, Any]:
        """The BGS loss of the step's gathered embeddings (``num_items_in_batch`` is unused: a step is one clip set,
        never split into items). A non-finite training loss stops the run in one line rather than training on NaN."""
        self._sync_buffers(model)
        emb = self.embed_step(model, inputs)
        # the collator's host arrays, as CPU tensors: the loss checks them there and moves each to the device once
        targets = (torch.as_tensor(inputs[k]) for k in ("triplets", "odd", "pairs", "human_dist"))
        out = self.loss_fn(emb.float(), *targets, epoch=float(inputs["epoch"]))
        # read at every step, not at the log as the logged terms are: one step later the optimiser would have taken a
        # NaN gradient into the weights, and a checkpoint saved before the log would keep them
        if model.training and not bool(torch.isfinite(out.loss.detach())):
            # every rank holds the same gathered embeddings, hence the same loss: all stop together
            raise BGSDivergedError(
                f"the loss became {float(out.loss.detach())} at step {self.state.global_step + 1} (epoch "
                f"{float(inputs['epoch']):g}; local {float(out.local):.4g}, global {float(out.global_):.4g}); "
                f"{non_finite_cause(emb, inputs)}: training stopped, checkpoints already in {self.args.output_dir} "
                "are kept; lower --learning_rate, or check the loss weights and the inputs")
        if model.training:
            self.counters.record(out, inputs["plan_stats"].tolist())
        return (out.loss, out) if return_outputs else out.loss

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        """A training log (one with ``loss``) gets the BGS loss terms averaged over its window and the cost counters.
        The end of training's ``train_samples_per_second`` counts a step's clip set once (one per accumulated
        micro-step), whatever the number of processes: the Trainer counts every process's part of it as a sample, so
        2 processes read twice the rate of 1 at the same steps per second. Set in the logged dict, which is the
        ``train`` metrics too (metrics.json, trainer_state.json's log). After a resume its loss, time and rates are the
        call's alone, named ``..._since_resume`` (:func:`name_since_resume`): the console printed ``train_loss`` where
        metrics.json said ``train_loss_since_resume``."""
        if "loss" in logs:
            self.counters.add_to(logs)
        rate = logs.get("train_samples_per_second")
        if rate is not None and isinstance(self.train_dataset, StepDataset):  # its items: a step's parts, one a process
            logs["train_samples_per_second"] = round(rate / self._world_size(), 3)
        if self.resumed_from_step is not None and {"train_loss", "train_runtime"} <= logs.keys():  # training's end
            name_since_resume(logs, self.resumed_from_step, self.state.global_step)
        super().log(logs, start_time)

    # ------------------------------------------------------------------ evaluation
    @torch.no_grad()
    def embed_clips(self, clips: np.ndarray, batch_size: int | None = None, *,
                    desc: str = "embedding clips") -> np.ndarray:
        """Embeddings ``(len(clips), D)`` of clips by global index, in eval mode; shared out across processes
        and gathered, so every process holds the same matrix (and takes the same early-stopping decisions).
        Under a bar (``desc``, counting this process's clips) once it has taken ``BAR_DELAY_S``: scoring 50 val
        clips on a real backbone took minutes in silence, after training and at every evaluation. No clip is refused
        in one line (it failed inside ``torch.cat``): every caller scores a split of 3 clips or more."""
        clips = np.asarray(clips, dtype=np.int64)
        if len(clips) == 0:
            raise BGSInputError("BGSTrainer.embed_clips: no clips to embed (pass at least one clip index)")
        model = self.model
        was_training = model.training
        model.eval()
        size, rank = world()
        own = len(clips) >= size  # its share; with fewer clips than processes every rank loads them all alike
        shares = [shard_rows(len(clips), size, r) for r in range(size)]
        mine = shares[rank] if own else slice(0, len(clips))
        bs = batch_size or self.args.per_device_eval_batch_size
        device = self.args.device
        parts = []
        # below the step bar during training, cleared once done (as the Trainer's own evaluation bar); kept after
        bar = delayed_bar(total=mine.stop - mine.start, desc=desc, unit="clip", leave=not self.is_in_train,
                          disable=not draws_bars(self.args))
        try:
            for start in range(mine.start, mine.stop, bs):
                x = stack_clips(self.clip_store, clips[start : min(start + bs, mine.stop)], own=own).to(device)
                with self.compute_loss_context_manager():
                    parts.append(model(x).float())
                bar.update(len(x))
        finally:
            bar.close()
            model.train(was_training)
        emb = torch.cat(parts)
        if own:
            emb = gather_rows(emb, [share.stop - share.start for share in shares])
        return emb.cpu().numpy()

    def score(self, clips: np.ndarray, human: Any, triplets: Any, *, desc: str = "scoring clips") -> dict[str, float]:
        """The evaluation scores of ``clips`` (:func:`score_similarities`); ``desc`` titles the embedding's bar."""
        from bgs_hf.metrics.rsa import cosine_similarity_matrix

        return score_similarities(cosine_similarity_matrix(self.embed_clips(clips, desc=desc)), human, triplets, clips)

    def evaluate(self, eval_dataset: Any = None, ignore_keys: list[str] | None = None,
                 metric_key_prefix: str = "eval") -> dict[str, float]:
        """Score the ``eval_sets[metric_key_prefix]`` clips (``eval`` = validation); ``eval_rsa`` is the
        metric the Trainer uses for the best checkpoint, early stopping and ReduceLROnPlateau."""
        if eval_dataset is not None:
            raise BGSInputError("BGSTrainer.evaluate scores its own evaluation sets, not eval_dataset: pass "
                                f"metric_key_prefix='test' (or another of {sorted(self.eval_sets)})")
        if metric_key_prefix not in self.eval_sets:
            raise BGSInputError(f"BGSTrainer.evaluate: no evaluation set {metric_key_prefix!r}; pass metric_key_prefix as "
                                f"one of {sorted(self.eval_sets)} (the trainer's eval_sets)")
        clips, human, triplets = self.eval_sets[metric_key_prefix]
        split = "val" if metric_key_prefix == "eval" else metric_key_prefix
        scores = self.score(clips, human, triplets, desc=f"scoring {split} clips")
        metrics = {f"{metric_key_prefix}_{k}": v for k, v in scores.items()}
        metrics["epoch"] = self.state.epoch
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics

    # ------------------------------------------------------------------ saving and loading checkpoints
    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        """Save the embedder with ITS ``save_pretrained`` (PEFT adapter + head + ``bgs_config.json``) and the
        arguments as JSON (no pickled ``training_args.bin``)."""
        output_dir = output_dir if output_dir is not None else self.args.output_dir
        if not self.args.should_save:
            return
        os.makedirs(output_dir, exist_ok=True)
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        model.save_pretrained(output_dir)
        write_text_atomic(Path(output_dir, "training_args.json"), self.args.to_json_string())
        sampler = self.train_dataset.sampler if isinstance(self.train_dataset, StepDataset) else None
        record = bgs_state_record(self.bgs_totals, self.run_train_seconds(), self.bgs_info, self.world_sizes, sampler)
        write_text_atomic(Path(output_dir, BGS_STATE_NAME), json.dumps(record, indent=2, default=str))

    def _load_best_model(self) -> None:
        plain = self._plain_embedder()
        if plain is None:
            super()._load_best_model()
            return
        logger.info("loading the best model from %s (score %s)", self.state.best_model_checkpoint,
                    self.state.best_metric)
        restore_plain_weights(plain, self.state.best_model_checkpoint)

    def _save_checkpoint(self, model: torch.nn.Module, trial: Any) -> None:
        """The Trainer writes ``checkpoint-N/`` file by file; a marker present during the write lets a resume
        tell a complete folder from one cut by a kill (see :func:`resolve_resume`). The Trainer would rotate
        (``save_total_limit``) at the end of its write, while the new folder is still marked: with a limit of 1
        a kill then left no complete checkpoint. Rotation runs here instead, once the marker is gone."""
        folder = Path(self._get_output_dir(trial=trial), f"checkpoint-{self.state.global_step}")
        marker = folder / INCOMPLETE_MARKER
        if self.args.should_save:
            if marker.exists():  # left by a killed run: start this folder afresh
                shutil.rmtree(folder)
            folder.mkdir(parents=True, exist_ok=True)
            marker.touch()
        self.accelerator.wait_for_everyone()  # no rank writes its RNG state into a folder rank 0 is still removing
        # the parent's rotation call is held back and made once the marker is gone (not by setting
        # save_total_limit to None meanwhile: the checkpoint's training_args.json would record that)
        held: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        rotate = hf_trainer.rotate_checkpoints
        hf_trainer.rotate_checkpoints = lambda *a, **kw: held.append((a, kw))
        try:
            super()._save_checkpoint(model, trial)
        finally:
            hf_trainer.rotate_checkpoints = rotate
        self.accelerator.wait_for_everyone()  # every rank's RNG state is written before the folder counts as done
        if self.args.should_save:
            marker.unlink(missing_ok=True)
            for a, kw in held:
                rotate(*a, **kw)

    def _plain_embedder(self, model: torch.nn.Module | None = None) -> Any:
        """The model when it is a :class:`BGSEmbedder` without LoRA (its checkpoints are not in a layout the
        Trainer knows: ``base/`` + ``head.safetensors``), else ``None``."""
        from bgs_hf.models.embedder import BGSEmbedder

        unwrapped = self.accelerator.unwrap_model(model if model is not None else self.model,
                                                  keep_torch_compile=False)
        return unwrapped if isinstance(unwrapped, BGSEmbedder) else None

    def _load_optimizer_and_scheduler(self, checkpoint: str | None) -> None:
        """One line where the checkpoint's optimizer groups are not this model's: it was saved with other trainable
        parameters (another LoRA target set or head setting; or V-JEPA 2's predictor, which an older bgs-hf left
        trainable under full fine-tuning or LoRA ``bias="all"`` and which stays frozen now). torch's own error came
        from deep in the Trainer and said neither why nor what to do."""
        try:
            super()._load_optimizer_and_scheduler(checkpoint)
        except ValueError as err:
            if "parameter group" not in str(err):  # torch: "... parameter group(s) that doesn't match ..."
                raise
            raise BGSInputError("its optimizer state holds other parameter groups than this model trains: it was "
                                "saved with other trainable parameters (another LoRA or head setting, or a V-JEPA 2 "
                                "predictor an older bgs-hf left trainable); resume with the run's own settings, or "
                                "start a new run from the checkpoint's weights", path=checkpoint) from None

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model: torch.nn.Module | None = None) -> None:
        """The checkpoint's weights (a plain embedder's in its own layout), then the BGS state the Trainer does not
        know: the cost counters, the training time and the processes of the run so far."""
        plain = self._plain_embedder(model)
        if plain is not None:
            restore_plain_weights(plain, resume_from_checkpoint)
        else:
            super()._load_from_checkpoint(resume_from_checkpoint, model)
        saved = self._restore_bgs_state(resume_from_checkpoint)
        self._resume_world_sizes(resume_from_checkpoint, saved)

    def _restore_bgs_state(self, checkpoint: str) -> dict[str, Any]:
        """The checkpoint's ``bgs_trainer_state.json`` ({} for one without): its counters and training time carry on
        in this run's (the time is unknown, ``None``, where it recorded none), and another recipe is warned about.
        A record that is no JSON object, or whose fields are of another shape (cut short, edited), is refused in one
        line before anything is written (:func:`read_bgs_state`): its counters and time cannot be carried on."""
        self.train_seconds_before = None  # unknown unless the checkpoint recorded it
        saved = read_bgs_state(checkpoint)
        self.counters.carry_on(saved.get("totals"))
        seconds = saved.get("train_seconds")
        self.train_seconds_before = float(seconds) if isinstance(seconds, (int, float)) else None
        recipe = saved.get("recipe")
        if recipe is not None and self.bgs_info.get("recipe") not in (None, recipe):
            logger.warning("resuming a %r checkpoint with recipe %r", recipe, self.bgs_info.get("recipe"))
        return saved

    def _resume_world_sizes(self, checkpoint: str, saved: Mapping[str, Any]) -> None:
        """The checkpoint's record of its processes, plus this call's where it has another number. A step embeds the
        same global clip set whatever the number of processes (only its split among them changes), so the run goes
        on as it would have where its steps an epoch stay the same (a resume where they do not is refused:
        :func:`check_resume_schedule`); but transformers keeps one random state per process and restores a process's
        only where the checkpoint holds one for its rank, so dropout's draws are not the run's, and the records said
        only the last part's number of processes."""
        now = self._world_size()
        before = recorded_world_sizes(saved)  # an older bgs-hf's: the saving part's number, from an unknown step
        was = before[-1]["world_size"]
        self.world_sizes = before if was == now else before + self._own_world_size(checkpoint_step(checkpoint))
        if was is not None and was != now:
            logger.warning("%s was saved by a run of %s, this one has %d: each step embeds the same clip set as it "
                           "would have, split among %d; dropout's random state is not the one the run would have gone "
                           "on with (transformers saves one per process)", checkpoint,
                           count(was, "process", "processes"), now, now)

