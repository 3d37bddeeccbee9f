"""``train_bgs(config) -> TrainResult``: one BGS fine-tuning run, from data source to a finished run folder.

The CLI (``bgs-hf train`` / ``python -m bgs_hf.train`` / ``accelerate launch -m bgs_hf.train``) parses its
flags into a :class:`TrainConfig` and calls this; the quickstart and the benchmarks call it directly.

Run folder (``training.output_dir``): the PEFT adapter with the head (``adapter_config.json``,
``adapter_model.safetensors``), ``bgs_config.json`` (backbone, head, frame policy), ``training_args.json``,
``trainer_state.json`` (log history with the loss terms and the cost counters), ``bgs_trainer_state.json``,
``run_config.json`` (the arguments, the data's name and source, each split's clip ids, their videos' fingerprints),
``README.md`` (the model card), ``metrics.json`` (``val`` and ``test`` behavioural fit: r2, r2_ci,
rsa_spearman, rsa_pearson, ooo_acc_3way, ooo_acc_2way, pct_of_ceiling, ..., and ``ceiling_why`` where the
split's noise ceiling is undefined; ``wall_s``: the call's wall time,
setup and scoring included, named ``wall_s_since_resume`` after a resume), ``checkpoint-*/`` folders, ``base/`` (a
tiny-random or bundled backbone's weights: the base the run started from) and ``clip_cache/`` (the decoded clips, unless
``--cache_dir`` names another folder or ``none``).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._bars import delayed_bar
from bgs_hf._files import json_safe, under_a_file, write_text_atomic  # json_safe: users import it from here
from bgs_hf._format import agree, count, did_you_mean, fmt, fmt_chance, fmt_ci, fmt_pct, quoted
from bgs_hf._process import keeps_process_state
from bgs_hf.errors import BGSInputError, finite_number, is_finite_real, is_whole, naming_flag
from bgs_hf.hub.run_info import (
    BASELINE_FILE,
    BGS_CONFIG,
    COMPILE_OPTIONS,
    RUN_CONFIG,
    read_run_config,
    run_config_file,
)
from bgs_hf.metrics.bootstrap import check_count
from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY
from bgs_hf.training.args import (
    CHECKPOINT_MORE_OFTEN,
    LOCAL_LOSSES,
    USE_CPU_VARIABLE,
    BGSArguments,
    DataArguments,
    ModelArguments,
    check_batch_size,
    draws_bars,
    infinite_setting_error,
    launch_asks_for_cpu,
    parse_bytes,
    training_defaults,
)
from bgs_hf.training.distributed import barrier, set_group_timeout, world
from bgs_hf.training.recipes import get_recipe
from bgs_hf.training.scoring import best_model_metric

logger = logging.getLogger(__name__)

METRICS_NAME = "metrics.json"
#: run_config.json's ``{clip_id: fingerprint}`` of the videos the run's data held (``bgs_hf.data.container``)
VIDEO_FINGERPRINTS = "video_fingerprints"


@dataclass
class TrainConfig:
    """Everything a run needs. ``training`` is a ``TrainingArguments`` or a dict of its fields (merged over
    :data:`BGS_TRAINING_DEFAULTS` as :func:`training_defaults` adapts them). ``data_override`` / ``clip_store`` let
    tests pass an in-memory :class:`~bgs_hf.data.OddOneOutData` and a :class:`~bgs_hf.training.data.TensorClipStore`."""

    data: DataArguments
    model: ModelArguments = field(default_factory=ModelArguments)
    bgs: BGSArguments = field(default_factory=BGSArguments)
    training: Any = field(default_factory=dict)
    data_override: Any = None
    clip_store: Any = None
    #: a built model, trained instead of one built from ``model`` (whose head and LoRA flags are then not applied)
    model_override: Any = None
    #: extra ``transformers.TrainerCallback`` objects (e.g. the benchmarks' timing callback)
    callbacks: list[Any] = field(default_factory=list)

    def __repr__(self) -> str:
        """The dataclass repr, with a value whose own repr spans lines named by its class alone (``PeftModel(...)``):
        a ``model_override`` printed its whole module tree (thousands of lines for a real backbone), a
        ``TrainingArguments`` object its hundred-odd fields, one a line."""
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            text = repr(value)
            shown.append(f"{f.name}={type(value).__name__}(...)" if "\n" in text else f"{f.name}={text}")
        return f"{type(self).__name__}({', '.join(shown)})"


@dataclass
class TrainResult:
    """What a run produced."""

    output_dir: Path
    metrics: dict[str, Any]
    model: Any
    trainer: Any
    #: this call's wall time, setup and scoring included (after a resume: since the resume, not the run's)
    wall_s: float
    #: each split scored at the end (metrics.json's ``val``/``test``): its clips (indices into the run's data) and the
    #: trained model's embeddings of them, so a caller scoring the model on them again (the quickstart's evaluation
    #: suite, ``run_suite(embedded=...)``) need not embed them a second time
    embeddings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line a notebook can read: the dataclass repr printed every metric, the model's whole module tree and
        the Trainer (hundreds of lines for a tiny run); ``.metrics``, ``.model`` and ``.trainer`` still hold them."""
        # a split with no clips to score is recorded as {}: the one scored is shown instead
        split = next((s for s in ("test", "val") if isinstance(self.metrics.get(s), Mapping) and self.metrics[s]), None)
        scored = "no split scored" if split is None else f"{split} {fit_text(self.metrics[split])}"
        return f"TrainResult(output_dir={str(self.output_dir)!r}, {scored}, wall_s={self.wall_s:.1f})"


def fit_text(fit: Mapping[str, Any], *, detail: bool = False) -> str:
    """One split's fit as a reader reads it (a run's ``metrics.json`` split): the ``TrainResult`` line and, with
    ``detail``, the lines ``bgs-hf train`` ends with, which add the share of the ceiling and RSA (they printed the
    raw JSON: ``0.07499999999999998``, ``"pct_of_ceiling": null``). Each accuracy names its chance level, as the
    report does."""
    def judgments(n: Any) -> str:
        return count(int(n), "judgment") if is_whole(n, floats=False) else "n/a judgments"

    why = f" ({fit['ceiling_why']})" if fit.get("ceiling_why") else ""  # why it is n/a, as metrics.json says
    # the share of no ceiling is n/a by the reason already given, as `bgs-hf baseline` prints it
    share = f", {fmt_pct(fit.get('pct_of_ceiling'))} of ceiling" if detail and not why else ""
    rsa = f", RSA ρ {fmt(fit.get('rsa_spearman'), '.3f')}" if detail else ""
    return (f"R² {fmt(fit.get('r2'), '.3f')}{fmt_ci(fit.get('r2_ci'))}, noise ceiling {fmt(fit.get('ceiling_r2'), '.3f')}"
            f"{why}{share}{rsa}, 3-way acc {fmt(fit.get('ooo_acc_3way'), '.1%')} {fmt_chance(CHANCE_3WAY)}, 2-way acc "
            f"{fmt(fit.get('ooo_acc_2way'), '.1%')} {fmt_chance(CHANCE_2WAY)} over {judgments(fit.get('n_judgments'))}")


def training_arguments(training: Any) -> Any:
    """A ``TrainingArguments`` from a dict (over the BGS defaults), or a copy of one given: a run fits its copy to BGS
    and to its data (evaluation off without validation clips), and the caller's object, reused for the next run of a
    notebook, kept those changes (that run, with validation clips, trained without evaluation or a best model)."""
    from transformers import TrainingArguments

    if isinstance(training, TrainingArguments):
        return copy.copy(training)  # every change a run makes sets an attribute, never mutates a value in place
    user = dict(training or {})
    kwargs = {**training_defaults(user), **user}
    if "output_dir" not in kwargs:
        raise BGSInputError("training arguments need an output_dir (the run folder), e.g. {'output_dir': 'runs/bgs'}")
    if "ddp_timeout" in kwargs:  # before TrainingArguments, which starts a launch's process group with it
        check_ddp_timeout(kwargs["ddp_timeout"])
    try:
        return TrainingArguments(**kwargs)
    except OverflowError as err:
        raise infinite_setting_error(user, err) from None


def training_data(config: TrainConfig, *, seed: int | None = None) -> Any:
    """The data ``config`` trains on: ``data_override`` as given, else ``--data`` loaded with the run's split
    settings, validation drawn with the training ``seed`` (default: the one of ``config.training``). One place,
    so a control (:func:`bgs_hf.eval.controls.train_control`) alters exactly the judgments its run would see."""
    if config.data_override is not None:
        return config.data_override
    from bgs_hf.data import load

    d = config.data
    if seed is None:
        seed = training_arguments(config.training).seed
    return load(d.data, val_fraction=d.val_fraction, seed=seed, split_seed=d.split_seed, val_split=d.val_split)


def build_loss(bgs: BGSArguments) -> Any:
    """The BGS loss of the arguments (local term, RSA term, the paper's schedule by default); a setting the
    losses refuse (non-finite weight, unknown method, temperature <= 0) is one line naming its flag."""
    from bgs_hf.losses import BGSLoss, OddOneOutLoss, PaperSchedule, RSALoss, TripletMarginLoss

    def flag(name: str, make: Any) -> Any:
        try:
            return make()
        except ValueError as err:
            raise BGSInputError(f"--{name}: {err}") from None

    if bgs.local_loss == "triplet":
        local = flag("margin", lambda: TripletMarginLoss(margin=bgs.margin))
    elif bgs.local_loss in ("odd-one-out", "ooo"):
        local = flag("temperature", lambda: OddOneOutLoss(temperature=bgs.temperature))
    else:
        raise BGSInputError(f"--local_loss must be triplet or odd-one-out, got {bgs.local_loss!r}"
                            f"{did_you_mean(bgs.local_loss, LOCAL_LOSSES)}")
    for name in ("alpha", "beta0", "beta_step", "beta_max"):  # each alone, with no other at its default
        flag(name, lambda name=name: PaperSchedule.checked_weight(name, getattr(bgs, name)))
    schedule = flag("beta0", lambda: PaperSchedule(alpha=bgs.alpha, beta0=bgs.beta0, beta_step=bgs.beta_step,
                                                   beta_max=bgs.beta_max))
    return BGSLoss(local=local, global_=flag("rsa_method", lambda: RSALoss(method=bgs.rsa_method)),
                   schedule=schedule)


def _whole(value: Any, flag: str, least: int, meaning: str = "") -> int:
    """A whole-number setting, before its own range check: from the Python API a NaN, inf or text value was a raw
    ``int()`` error naming no setting, and 1.5 or "3" passed the checks to fail (or truncate) once the data and
    model had loaded. The CLI types them already."""
    if is_whole(value, floats=False):
        return int(value)
    return check_count(value, flag, least=least, meaning=meaning)  # refuses it, naming the flag


def _check_run_settings(args: Any, bgs: BGSArguments, out_dir: Path) -> None:
    """What would otherwise fail after the data and model are loaded (or as a torch traceback), one check per group of
    flags, each refusal one line, before ``--overwrite_output_dir`` removes anything."""
    _check_seeds_and_learning_rate(args)
    check_batch_size(args)
    _check_launch(args)
    _launch_device(args)
    _launch_precision(args)
    _launch_compile(args)
    _launch_timeout(args)
    _check_step_count(args)
    _check_step_settings(args)
    check_interval_flags(args)  # from the Python API too (the CLI checked its typed flags already)
    _check_bgs_settings(bgs)
    _check_dataloader_workers(args)
    _check_preemption(args)
    _check_output_path(out_dir)


def _check_seeds_and_learning_rate(args: Any) -> None:
    """``--seed``/``--data_seed`` in numpy's seed range and a learning rate torch's optimizers take."""
    if not 0 <= _whole(args.seed, "--seed", 0) < 2**32:
        raise BGSInputError(f"--seed must be in [0, 2**32), got {args.seed}")
    if args.data_seed is not None and not 0 <= _whole(args.data_seed, "--data_seed", 0) < 2**32:
        raise BGSInputError(f"--data_seed must be in [0, 2**32), got {args.data_seed}")
    finite_number(args.learning_rate, "--learning_rate", above=0)


def _check_launch(args: Any) -> None:
    """A launcher's process group the Trainer does not train in (no GPU and no --use_cpu): each rank would run
    alone. Fewer processes than the Trainer counts is not this fault (model parallelism counts them its own way).

    ``accelerate launch`` asked for several processes or machines without ``--multi_gpu`` (``num_processes: 2`` in
    a config file, ``--cpu --num_processes 2``) starts this one process alone, meant for ``mpirun``: it sets only
    MASTER_ADDR for it. Said, not refused: a shell may export MASTER_ADDR for its own reasons."""
    trainer_world, started = max(int(args.world_size), 1), world()[0]
    if started > trainer_world:
        raise BGSInputError(f"{started} processes were started but the Trainer runs {trainer_world} (each one alone): "
                            "on a machine without GPUs pass --use_cpu true (or set ACCELERATE_USE_CPU=true), so "
                            "they train as one run")
    env = os.environ
    if started == 1 and "ACCELERATE_DYNAMO_BACKEND" in env and "MASTER_ADDR" in env and "WORLD_SIZE" not in env:
        logger.warning("accelerate launch started this one process alone: --num_processes (or --num_machines) above 1 "
                       "without --multi_gpu, in its config file or with --cpu, starts one. Add --multi_gpu (on CPU: "
                       "ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 --num_machines 1 "
                       "--mixed_precision no --dynamo_backend no ...)")


def _launch_device(args: Any) -> None:
    """The device the run trains on, as asked and as recorded. ACCELERATE_USE_CPU (``accelerate launch --cpu``, or set
    by hand) makes ``--use_cpu``'s default true (:func:`training_defaults`); arguments that still put the run on a GPU
    under it (``--use_cpu false`` given, or a ``TrainingArguments`` object built without ``use_cpu=True``, on which
    transformers trained one process on cuda:0) are refused in one line naming both. A run on CPU with the flag False
    (a machine without a GPU; a launch of several processes on CPU) is recorded as ``use_cpu: true``: training_args.json
    and run_config.json said ``use_cpu: false`` of it. Set after the Trainer chose its device, so how it trains is
    unchanged."""
    if launch_asks_for_cpu() and args.device.type != "cpu":
        raise BGSInputError(f"{USE_CPU_VARIABLE}={os.environ[USE_CPU_VARIABLE]} (accelerate launch --cpu) asks for CPU, "
                            f"but use_cpu false (--use_cpu) trains this run on {args.device}: pass --use_cpu true "
                            f"(TrainingArguments(use_cpu=True)), or unset {USE_CPU_VARIABLE} to train on the GPU")
    if args.device.type == "cpu" and not args.use_cpu:
        args.use_cpu = True


def _launch_timeout(args: Any) -> None:
    """``--ddp_timeout`` on a CPU launch (``--use_cpu``, ACCELERATE_USE_CPU): transformers starts that gloo group
    without it (only its GPU branch passes it on), so a process left waiting on one that stalled without exiting (a
    hung file system) waited torch's 30 minutes whatever the flag said. Set on the group here, as the Trainer sets it
    on a GPU's; only a value other than the default (1800 s, torch's own for the group transformers starts), so a
    group a caller started keeps its own otherwise: a ``--ddp_timeout 1800`` given cannot be told from the default.
    Below a second it is refused (:func:`check_ddp_timeout`; a flag or a training dict is refused before the group
    starts, a ``TrainingArguments`` object built by the caller only here)."""
    check_ddp_timeout(args.ddp_timeout)
    default = next(f.default for f in fields(args) if f.name == "ddp_timeout")
    if args.ddp_timeout != default and args.device.type == "cpu":
        set_group_timeout(float(args.ddp_timeout))


#: the longest ``--ddp_timeout`` (about 285 years): torch counts a rendezvous deadline in 64-bit nanoseconds of a
#: clock started at boot, so past about 9.2e9 s it timed out at once, and past timedelta's 999999999 days the
#: timeout was an OverflowError
MAX_DDP_TIMEOUT_S = 9 * 10**9


def check_ddp_timeout(value: Any) -> int:
    """``--ddp_timeout`` as a whole number of seconds in [1, :data:`MAX_DDP_TIMEOUT_S`], checked before
    ``TrainingArguments`` is built: building it starts a launch's process group (through accelerate) with that timeout
    on a GPU, where 0 or a negative one was torch's C++ "client socket has timed out after 0ms" rendezvous error and
    frames on every rank, said as a collective that failed because another process stopped first, and 10**20 "a
    training argument must be a finite number". On CPU gloo stopped every rank at a negative one ("enforce fail ...
    Invalid timeout"), timed every collective out at once at 0, and 10**20 was an OverflowError traceback."""
    seconds = check_count(value, "--ddp_timeout", least=1,
                          meaning=" (seconds a collective waits for the other processes)")
    if seconds > MAX_DDP_TIMEOUT_S:
        raise BGSInputError(f"--ddp_timeout must be at most {MAX_DDP_TIMEOUT_S} seconds (about 285 years: torch "
                            f"cannot count a longer wait), got {value!r}")
    return seconds


#: how transformers reads a logging, evaluation or warmup step count: a count, or below 1 a fraction of the run
_STEP_COUNT_MEANING = "a number of steps, or below 1 a fraction of the run's steps"


def check_interval_flags(args: Any) -> None:
    """Flags the Trainer took without a word though they mean nothing (or not what they say), checked on the typed
    flags before ``TrainingArguments`` is built: it replaced ``--eval_steps 0`` under ``--eval_strategy steps`` by
    ``--logging_steps``, counted ``--logging_steps -1`` as a negative fraction of the run, kept every checkpoint at
    ``--save_total_limit -1``, clipped no gradient at ``--max_grad_norm -1`` (0 is its documented "no clipping"),
    and said ``--warmup_steps -1`` in its own words, naming no allowed value."""
    finite_number(args.warmup_steps, "--warmup_steps", at_least=0)  # the wording _check_step_settings gives
    if not args.logging_steps >= 0:  # 0 under --logging_strategy steps is transformers' own line
        raise BGSInputError(f"--logging_steps must be > 0 ({_STEP_COUNT_MEANING}), got {args.logging_steps}")
    steps_eval = str(getattr(args.eval_strategy, "value", args.eval_strategy)).lower() == "steps"
    if args.eval_steps is not None and not (args.eval_steps > 0 or (args.eval_steps == 0 and not steps_eval)):
        raise BGSInputError(f"--eval_steps must be > 0 ({_STEP_COUNT_MEANING}; leave it out to evaluate every "
                            f"--logging_steps), got {args.eval_steps}")
    if args.save_total_limit is not None and args.save_total_limit < 0:
        raise BGSInputError(f"--save_total_limit must be >= 1, or 0 to keep every checkpoint, got "
                            f"{args.save_total_limit}")
    if not args.max_grad_norm >= 0:  # NaN too: the Trainer clips only above 0
        raise BGSInputError(f"--max_grad_norm must be >= 0 (0: no gradient clipping), got {args.max_grad_norm}")


def _launch_precision(args: Any) -> None:
    """The mixed precision a launch asks for, as the run trains it. ``accelerate launch`` passes its config file's
    ``mixed_precision`` (or its ``--mixed_precision``) as ACCELERATE_MIXED_PRECISION, which the Trainer obeys while
    ``--bf16``/``--fp16`` stay False: a config written for another project trained in bf16 and the run folder and card
    said float32. On CPU accelerate skips fp16 without a word (float32), so fp16 there is refused in one line."""
    precision = getattr(args, "mixed_precision", "no")
    if precision not in ("fp16", "bf16"):
        return
    flag = f"--{precision}"
    given = flag if getattr(args, precision) else (f"accelerate launch's mixed precision {precision} (its config file, "
                                                    f"its --mixed_precision or ACCELERATE_MIXED_PRECISION)")
    if precision == "fp16" and args.device.type == "cpu":
        fix = ("drop --fp16 (or use --bf16)" if getattr(args, precision)
               else "launch with --mixed_precision no (or bf16), which overrides the config file")
        raise BGSInputError(f"{given}: fp16 is not applied on CPU (accelerate trains in float32 without a word): {fix}")
    if not getattr(args, precision):
        logger.info("%s: trained in %s and recorded as %s (launch with --mixed_precision no for float32)", given,
                    precision, flag)
        setattr(args, precision, True)


def _launch_compile(args: Any) -> None:
    """The torch.compile a launch asks for, as the run trains it. ``accelerate launch`` passes its config file's
    ``dynamo_backend`` (or its ``--dynamo_backend``, ``--dynamo_mode``) as ACCELERATE_DYNAMO_BACKEND/_MODE, and the
    Trainer's dynamo plugin reads them where ``--torch_compile_backend``/``--torch_compile_mode`` are unset: the model
    was compiled while training_args.json and run_config.json said ``torch_compile: false``. Read through the plugin
    the Trainer builds, so the record is what accelerate compiles with (a compiled LoRA run trains the same loss)."""
    from accelerate.utils import DynamoBackend

    try:
        plugin = _trainers_dynamo_plugin(args)
    except ValueError:  # accelerate launch checks its flag; a hand-set variable is read only when the Trainer starts
        given = args.torch_compile_backend or os.environ.get("ACCELERATE_DYNAMO_BACKEND")
        switch, read = _unreadable_dynamo_switch(), given if given is not None else "no"  # the plugin's default
        if switch is not None and read.upper() in DynamoBackend.list():  # the plugin reads the backend first
            name, value = switch
            raise BGSInputError(f"{name}={value!r} is not a truth value accelerate reads: use true or false (or yes/no, "
                                "on/off, 1/0)") from None
        raise BGSInputError(f"dynamo backend {given!r} (--torch_compile_backend or ACCELERATE_DYNAMO_BACKEND) is not "
                            f"one accelerate knows: use one of {', '.join(b.lower() for b in DynamoBackend.list())}"
                            ) from None
    if plugin.backend == DynamoBackend.NO:
        return
    backend, mode = plugin.backend.value.lower(), plugin.mode
    if not args.torch_compile:  # so backend and mode are unset: the launch's compile, read by the Trainer's plugin
        args.torch_compile, args.torch_compile_backend = True, backend
        in_mode = ""
        if mode != "default":
            args.torch_compile_mode, in_mode = mode, f" --torch_compile_mode {mode}"
        logger.info("accelerate launch's dynamo backend %s (its config file, its --dynamo_backend or "
                    "ACCELERATE_DYNAMO_BACKEND): the model is compiled and recorded as --torch_compile_backend %s%s "
                    "(launch with --dynamo_backend no to train it uncompiled)", backend, backend, in_mode)
    elif args.torch_compile_mode is None and mode != "default":
        args.torch_compile_mode = mode
        logger.info("accelerate launch's dynamo mode %s (its config file, its --dynamo_mode or ACCELERATE_DYNAMO_MODE): "
                    "--torch_compile compiles in it and is recorded with --torch_compile_mode %s", mode, mode)


#: the launch's compile switches the Trainer's dynamo plugin reads as truth values, in the order it reads them
DYNAMO_SWITCHES = ("ACCELERATE_DYNAMO_USE_FULLGRAPH", "ACCELERATE_DYNAMO_USE_REGIONAL_COMPILATION",
                   "ACCELERATE_DYNAMO_USE_DYNAMIC")


def _unreadable_dynamo_switch() -> tuple[str, str] | None:
    """The first hand-set :data:`DYNAMO_SWITCHES` variable accelerate cannot read as true or false, with its value:
    the plugin's ValueError ("invalid truth value maybe") was reported as an unknown dynamo backend named None."""
    from accelerate.utils import str_to_bool

    for name in DYNAMO_SWITCHES:
        value = os.environ.get(name)
        if value is not None:
            try:
                str_to_bool(value)
            except ValueError:
                return name, value
    return None


def _trainers_dynamo_plugin(args: Any) -> Any:
    """The ``TorchDynamoPlugin`` the Trainer compiles with (``Trainer.create_accelerator_and_postprocess``): the
    arguments' backend and mode, the rest (and an unset backend or mode) read from the ACCELERATE_DYNAMO_* variables
    a launch sets."""
    from accelerate.utils import TorchDynamoPlugin

    return TorchDynamoPlugin(backend=args.torch_compile_backend, mode=args.torch_compile_mode,
                             dynamic=False if args.torch_compile_backend == "neuron" else None)


def _compile_options(args: Any) -> dict[str, bool]:
    """What a compiled run is compiled with beyond its backend and mode, away from torch.compile's defaults
    (``{}`` for an uncompiled run, so its records are unchanged). ``accelerate launch`` passes its
    ``--dynamo_use_fullgraph``, ``_dynamic`` and ``_regional_compilation`` (or its config file's) as
    ACCELERATE_DYNAMO_USE_FULLGRAPH/_USE_DYNAMIC/_USE_REGIONAL_COMPILATION, which the Trainer's plugin obeys, and
    TrainingArguments has no field to record them in: run_config.json holds them (:data:`COMPILE_OPTIONS`)."""
    if not args.torch_compile:
        return {}
    plugin = _trainers_dynamo_plugin(args)
    chosen = {"fullgraph": plugin.fullgraph, "dynamic": plugin.dynamic,
              "use_regional_compilation": plugin.use_regional_compilation}
    return {name: bool(value) for name, value in chosen.items()
            if value is not None and (name == "dynamic" or value)}  # dynamic: None is automatic, False is not


def _check_step_count(args: Any) -> None:
    """A run counted in epochs (``--max_steps`` -1) must train some step: a NaN or infinite epoch count failed in
    ``math.ceil`` once the data and model had loaded, and 0 trained no step, exited 0 and saved the untrained
    initialisation as the run. ``--max_steps 0`` is refused too: the Trainer counts in epochs only below 0, and took
    0 as its step count, trained 1 step and exited 0 with that as the run; below -1 is no step count either."""
    steps = _whole(args.max_steps, "--max_steps", -1, " (-1: --num_train_epochs sets them)")
    if steps > 0:
        return
    if steps < -1:  # the Trainer counts in epochs below 0: `--max_steps -5` trained 50 epochs without a word
        raise BGSInputError(f"--max_steps must be >= 1, or -1 for --num_train_epochs to set them, got {steps}")
    epochs = finite_number(args.num_train_epochs, "--num_train_epochs", note=" (or set --max_steps > 0)")  # 10**400 too
    if epochs <= 0:
        raise BGSInputError(f"--num_train_epochs {epochs:g} with --max_steps {args.max_steps} trains no step: "
                            "give --num_train_epochs > 0 or --max_steps > 0")
    if steps == 0:
        raise BGSInputError(f"--max_steps 0 is a step count, not 'count in epochs' (the Trainer would train 1 step and "
                            f"stop): give --max_steps > 0, or -1 (the default) for --num_train_epochs {epochs:g} to "
                            "set them")


def _check_bgs_settings(bgs: BGSArguments) -> None:
    """The recipe and the BGS step settings. A negative one was taken as 0, or failed late; None is the recipe's own
    for the two overrides only (a None patience was a TypeError once the data and the model had loaded). The memory
    budget picks the chunk size by a probe, which silently replaced an ``--embed_chunk`` also given."""
    with naming_flag("--recipe"):
        get_recipe(bgs.recipe)
    for name, off, optional in (("clips_per_step", "0: every train clip", True), ("embed_chunk", "0: off", True),
                                ("early_stopping_patience", "0: off", False)):
        value = getattr(bgs, name)
        if (value is not None or not optional) and _whole(value, f"--{name}", 0, f" ({off})") < 0:
            raise BGSInputError(f"--{name} must be >= 0 ({off}), got {value}")
    if bgs.max_memory:
        parse_bytes(bgs.max_memory)
        if bgs.embed_chunk is not None:
            raise BGSInputError(f"--embed_chunk and --max_memory both set the chunk size (--max_memory picks it by a "
                                f"probe): give one of them (got --embed_chunk {bgs.embed_chunk} and --max_memory "
                                f"{bgs.max_memory})")


def _check_dataloader_workers(args: Any) -> None:
    """A NaN worker count passed transformers' own check (> 0) and failed in the DataLoader, after the data loaded;
    persistent workers would never see the epoch change, which a step's clip set depends on. Without workers (the BGS
    default) torch refuses them too, but only once the data and the model had loaded (a ValueError traceback)."""
    workers = _whole(args.dataloader_num_workers, "--dataloader_num_workers", 0, " (0: load in the main process)")
    if workers < 0:
        raise BGSInputError(f"--dataloader_num_workers must be >= 0 (0: load in the main process), got {workers}")
    if args.dataloader_persistent_workers:
        raise BGSInputError("--dataloader_persistent_workers is not supported: a step's clip set depends on the "
                            "epoch, which persistent workers would never see change (every epoch would replay "
                            "epoch 0)")


def _check_output_path(out_dir: Path) -> None:
    """``--output_dir`` must be a folder, or a path one can be made at: a NotADirectoryError once the data and the
    model had loaded. Named by its path, not its last part (``bgs``, which every run of ``runs/*/bgs`` shares)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BGSInputError(f"--output_dir {out_dir} is a file, not a folder")
    under_a_file(out_dir, "--output_dir")


def _check_step_settings(args: Any) -> None:
    """The TrainingArguments flags that torch or the Trainer refused only once the data and the model had loaded:
    gradient accumulation 0 (a ZeroDivisionError) or below (trained no step and saved the untrained model), an
    evaluation batch below 1 (a range() error at the first evaluation, after training), a ``metric_for_best_model``
    evaluation does not report (refused when the Trainer was set up), an infinite or NaN warmup,
    and optimizer settings AdamW refuses (a torch ValueError) or takes silently (a NaN weight decay diverged)."""
    best_model_metric(args.metric_for_best_model, say=False)  # a typo was refused once the Trainer was set up
    for name in ("gradient_accumulation_steps", "per_device_eval_batch_size"):
        if _whole(getattr(args, name), f"--{name}", 1) < 1:
            raise BGSInputError(f"--{name} must be >= 1, got {getattr(args, name)}")
    for name in ("warmup_steps", "weight_decay"):
        finite_number(getattr(args, name), f"--{name}", at_least=0)
    if "adam" in str(getattr(args.optim, "value", args.optim)):  # other optimizers never read them
        for name in ("adam_beta1", "adam_beta2"):
            if not (is_finite_real(getattr(args, name)) and 0 <= getattr(args, name) < 1):
                raise BGSInputError(f"--{name} must be in [0, 1), got {getattr(args, name)}")
        finite_number(args.adam_epsilon, "--adam_epsilon", at_least=0)


def _check_preemption(args: Any) -> None:
    """``--enable_jit_checkpoint`` (transformers' SIGTERM handler) replaced the run's own: SIGTERM then stopped
    training early, and the run went on to save, score and write ``metrics.json`` as a finished run, exit 0, with no
    "terminated" and no resume line; a second SIGTERM was ignored. SIGTERM already ends a run as "terminated" (143),
    naming the last complete checkpoint ``--resume_from_checkpoint last`` goes on from."""
    if getattr(args, "enable_jit_checkpoint", False):
        raise BGSInputError("--enable_jit_checkpoint is not supported: transformers' SIGTERM handler stops training "
                            "early and the run then saves and scores as if finished (exit 0). Without it SIGTERM ends "
                            "the run as 'terminated' (exit 143), naming the last complete checkpoint for "
                            f"--resume_from_checkpoint last; checkpoint more often with {CHECKPOINT_MORE_OFTEN}")


def _check_data_settings(d: DataArguments) -> None:
    """The data flags, each one line naming its flag, before the output folder is claimed and the data loads
    (``bgs_hf.data.splits.SplitConfig`` refused them only at the load, naming the field: ``val_fraction must
    be ...``; a NaN ``--memory_cache_mb`` was a ValueError traceback once the model was built, and a ``--cache_dir``
    under a file a NotADirectoryError there, where the clip cache's folder is made)."""
    if not (is_finite_real(d.val_fraction) and 0.0 <= d.val_fraction < 1.0):
        raise BGSInputError(f"--val_fraction must be in [0, 1), got {d.val_fraction}")
    if d.split_seed is not None and _whole(d.split_seed, "--split_seed", 0) < 0:
        raise BGSInputError(f"--split_seed must be >= 0, got {d.split_seed}")
    finite_number(d.memory_cache_mb, "--memory_cache_mb", at_least=0, note=" (0: no in-memory cache)")
    if d.cache_dir is not None and str(d.cache_dir).lower() != "none":
        if Path(d.cache_dir).exists() and not Path(d.cache_dir).is_dir():
            raise BGSInputError("--cache_dir is a file, not a folder (give a folder, or 'none' for no clip cache)",
                                path=d.cache_dir)
        under_a_file(d.cache_dir, "--cache_dir")


def _check_resumed_videos(run_dir: Path, data: Any) -> None:
    """A resumed run must train on the videos it started on. Its splits are matched by clip id only, and every
    SocialShapes benchmark names its clips ``ss_0000.mp4``... whatever its seed: another seed's benchmark was
    refused only when its splits happened to differ (the message then asked for other split flags), and taken
    silently when they matched. The video fingerprints the run recorded tell; a run from before them passes."""
    held = recorded_data(run_dir, data)
    if held is None or not held.differ:
        return
    name, root = getattr(data, "name", None) or "this data", getattr(data, "root", None)
    here = f"{name} at {Path(root).resolve()}" if root else str(name)
    which = (f"all {held.compared} differ" if held.other_data
             else f"{held.differ} of {held.compared} differ, first {held.first}")
    raise BGSInputError(f"resuming on other data than the run trained on: {here} holds other videos under the run's "
                        f"clip ids than {held.trained_on} ({which}: another seed's benchmark, or clips encoded again); "
                        f"{RESUME_ON_THE_RUNS_DATA}", path=run_config_file(run_dir))


def _check_resumed_splits(run_dir: Path, data: Any) -> None:
    """A resumed run must train and validate on the clips it recorded: another --seed, --val_split, --val_fraction
    or --split_seed would re-carve validation from clips already trained on (and rewrite run_config.json).
    ``run_dir``: the run folder or one of its ``checkpoint-N``."""
    recorded = recorded_splits(run_dir, data, remedy=RESUME_ON_THE_RUNS_DATA)
    if recorded is None:
        return
    changed = [name for name in sorted(set(recorded) | set(data.splits))
               if not np.array_equal(recorded.get(name, np.empty(0, np.int64)),
                                     np.sort(np.asarray(data.splits.get(name, []), dtype=np.int64)))]
    if changed:
        raise BGSInputError(f"resuming with other splits than the run recorded ({', '.join(changed)} differ): "
                            f"resume with the first run's --seed, --val_split, --val_fraction and --split_seed"
                            f"{_old_split_seed_hint(run_dir)}{_val_split_hint(run_dir, data)}",
                            path=run_config_file(run_dir))


def _val_split_hint(run_dir: Path, data: Any) -> str:
    """Name the run's ``--val_split`` when this data was carved another way (a run from before the flag: seeded)."""
    found = read_run_config(run_dir)
    if found is None:
        return ""
    recorded = (found[1].get("data") or {}).get("val_split", "seeded")
    current = ((getattr(data, "meta", None) or {}).get("split_config") or {}).get("val_split", "seeded")
    return f" (this run used --val_split {recorded})" if recorded != current else ""


def _old_split_seed_hint(run_dir: Path) -> str:
    """A run started before ``--split_seed`` defaulted to 0 recorded ``split_seed: null``: its test clips were drawn
    with its ``--seed``, so repeating its own flags no longer reproduces them. Name the value that does."""
    found = read_run_config(run_dir)
    if found is None:
        return ""
    config = found[1]
    data, training = config.get("data") or {}, config.get("training") or {}
    if "split_seed" in data and data["split_seed"] is None and isinstance(training.get("seed"), int):
        return (f" (this run drew its test clips with its --seed before --split_seed defaulted to 0: add "
                f"--split_seed {training['seed']})")
    return ""


def _model_settings(m: ModelArguments) -> tuple[Any, Any]:
    """(head, LoRA) settings of the arguments; their checks (dropout in [0, 1), alpha > 0, ...) are one line
    naming the flag (they said ``head dropout must be ...``)."""
    from bgs_hf.models import HeadConfig, LoraSettings
    from bgs_hf.models.embedder import blank_targets

    if _whole(m.head_dim, "--head_dim", 0, " (0: no head)") < 0:  # was taken as 0 (no head); NaN too
        raise BGSInputError(f"--head_dim must be >= 0 (0: no head), got {m.head_dim}")
    head = None
    if m.head_dim > 0:
        with naming_flag("--head_dim"):  # 1 or 2 is refused: the refusal names the flag that gave it
            HeadConfig(out_dim=m.head_dim, dropout=0.0)
        with naming_flag("--head_dropout"):
            head = HeadConfig(out_dim=m.head_dim, dropout=m.head_dropout)
    if blank_targets(m.lora_target_modules):  # "" was the backbone's default targets, with no word
        raise BGSInputError(f"--lora_target_modules got {m.lora_target_modules!r}, which names no module: leave the "
                            f"flag out for the backbone's default targets")
    for name, setting in (("lora_r", "r"), ("lora_alpha", "alpha"), ("lora_dropout", "dropout"),
                          ("lora_target_modules", "target_modules")):
        with naming_flag(f"--{name}"):  # one setting at a time: the refusal names the flag that gave it
            LoraSettings(**{setting: getattr(m, name)})
    lora = LoraSettings(r=m.lora_r, alpha=m.lora_alpha, dropout=m.lora_dropout, target_modules=m.lora_target_modules)
    return head, lora


def _resolve_backbone(m: ModelArguments) -> Any:
    """The checked BackboneSpec of the arguments (config files only, no weights)."""
    from bgs_hf.models.embedder import resolve_backbone
    from bgs_hf.models.registry import checked_num_frames

    if m.num_frames is not None:  # named as the flag: `num_frames must be >= 1` named no flag of `bgs-hf train`
        checked_num_frames(m.num_frames, "--num_frames")
    return resolve_backbone(m.backbone, trust_remote_code=m.trust_remote_code, num_frames=m.num_frames,
                            interpolate_frames=m.interpolate_frames)[0]


def _build_model(config: TrainConfig, activation_checkpointing: bool, backbone: Any,
                 checkpointing_kwargs: dict[str, Any] | None = None) -> Any:
    """The LoRA-wrapped embedder of ``config.model``; ``backbone``: the spec :func:`check_train_config` resolved.
    ``--num_frames`` is passed again, since the checked spec carries no frame count."""
    from bgs_hf.models import build_embedder

    m = config.model
    head, lora = _model_settings(m)
    return build_embedder(backbone, head=head, lora=lora,
                          trust_remote_code=m.trust_remote_code,
                          num_frames=m.num_frames, gradient_checkpointing=activation_checkpointing,
                          interpolate_frames=m.interpolate_frames,
                          activation_checkpointing_kwargs=checkpointing_kwargs)


def _activation_checkpointing(args: Any) -> tuple[bool, dict[str, Any] | None]:
    """Whether the run checkpoints activations, and ``--activation_checkpointing_kwargs`` (or the old
    ``--gradient_checkpointing_kwargs``) with ``every_n_layers``/``offload``: the embedder applies them, since
    the Trainer's own hook is turned off (they were dropped: every layer checkpointed, nothing offloaded)."""
    on = bool(getattr(args, "activation_checkpointing", False) or getattr(args, "gradient_checkpointing", False))
    if not on:
        return False, None
    kwargs = getattr(args, "activation_checkpointing_kwargs", None) or getattr(args, "gradient_checkpointing_kwargs",
                                                                                None)
    if kwargs is not None and not isinstance(kwargs, dict):
        raise BGSInputError(f"--activation_checkpointing_kwargs must be a JSON object, got {kwargs!r}")
    return True, (dict(kwargs) if kwargs else None)


def _check_checkpointing(config: TrainConfig, args: Any) -> None:
    """A ``model_override`` that cannot checkpoint its activations, or checkpointing kwargs that are not a JSON object,
    refused before anything loads (the first trained without, while ``bgs_trainer_state.json`` recorded
    checkpointing; the second was refused only after the data had loaded, where no ``model_override`` was given)."""
    checkpointed = _activation_checkpointing(args)[0]
    if config.model_override is not None and checkpointed \
            and getattr(config.model_override, "activation_checkpointing_enable", None) is None:
        raise BGSInputError(f"--activation_checkpointing: the model passed as model_override "
                            f"({type(config.model_override).__name__}) has no activation_checkpointing_enable(); "
                            "build it with bgs_hf.models.build_embedder or train without activation checkpointing")


def _checkpoint_override(model: Any, kwargs: dict[str, Any] | None) -> None:
    """Checkpoint a ``model_override``'s activations as the Trainer would (``every_n_layers`` and ``offload`` out of
    the kwargs, the rest for ``torch.utils.checkpoint``)."""
    kw = dict(kwargs or {})
    every_n_layers, offload = kw.pop("every_n_layers", 1), kw.pop("offload", False)
    model.activation_checkpointing_enable(activation_checkpointing_kwargs=kw or None, every_n_layers=every_n_layers,
                                          offload=offload)


def _fit_metrics(trainer: Any, data: Any, split: str,
                 embedded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> dict[str, Any]:
    """Full behavioural fit (with bootstrap CI and % of ceiling) of the trained model on a split. Every process
    embeds its share of the clips (a gather); the fit itself (1,000 resamples, the ceiling's 100 split-halves) runs
    on the first only and is sent to the others: each repeated it, with its warnings and progress bar. The clips and
    their embeddings go into ``embedded[split]`` (``TrainResult.embeddings``)."""
    from bgs_hf.metrics.fit import behavioural_fit
    from bgs_hf.metrics.rsa import cosine_similarity_matrix
    from bgs_hf.training.distributed import on_main_process

    clips = _scorable_clips(data, split)
    if clips is None:
        return {}
    emb = trainer.embed_clips(clips, desc=f"scoring {split} clips")
    if embedded is not None:
        embedded[split] = (clips, emb)
    return on_main_process(lambda: behavioural_fit(cosine_similarity_matrix(emb), data, split,
                                                   seed=int(trainer.args.seed)))


#: a line only peft's empty model-card template has: a save cut short before bgs_config.json leaves it behind
PEFT_TEMPLATE_MARK = "<!-- Provide a quick summary of what the model is/does. -->"


def _holds_users_readme(out_dir: Path) -> bool:
    """Whether ``out_dir``'s README.md is the user's own (a folder that holds no run), which the run card must not
    replace; peft's template left by an interrupted save is not."""
    readme = out_dir / "README.md"
    if not readme.is_file() or (out_dir / BGS_CONFIG).is_file():
        return False
    return PEFT_TEMPLATE_MARK not in readme.read_text(encoding="utf-8", errors="replace")


def _earlier_run(out_dir: Path) -> tuple[list[Path], list[Path]]:
    """(what makes ``out_dir`` an earlier run, what a run replacing it removes besides its checkpoints). The earlier
    run's scores and model files (a model without LoRA saves a head, and its backbone when trained) go with its
    checkpoints: left beside this run's record, the folder loaded as the earlier model until this run's save replaced
    them, for good if the run failed, and always where a model without LoRA replaced a LoRA run."""
    from bgs_hf.models.loading import ADAPTER_WEIGHTS, BACKBONE_FILE, HEAD_FILE

    results = [f for f in (out_dir / name for name in (METRICS_NAME, *ADAPTER_WEIGHTS, HEAD_FILE, BACKBONE_FILE))
               if f.is_file()]
    earlier = sorted(out_dir.glob("checkpoint-*")) + results
    stale = results + [f for f in (out_dir / BASELINE_FILE, out_dir / "adapter_config.json") if f.is_file()]
    return earlier, stale


def _replaces_earlier_run(out_dir: Path, *, resuming: bool, overwrite: bool) -> bool:
    """Whether ``out_dir`` holds an earlier run this one replaces; one line without ``--overwrite_output_dir``.
    Reads only: :func:`_claim_output_dir` removes it once nothing can refuse the run any more."""
    if resuming or not out_dir.is_dir():
        return False
    earlier = _earlier_run(out_dir)[0]
    if not earlier:
        return False
    if not overwrite:
        # the path, not its last part: `bgs: holds an earlier run` could be any of runs/*/bgs
        raise BGSInputError(f"--output_dir {out_dir} holds an earlier run ("
                            + ", ".join(f.name for f in earlier[:3]) + "): choose a new --output_dir, resume it with "
                            "--resume_from_checkpoint, or pass --overwrite_output_dir")
    return True


def _claim_output_dir(out_dir: Path, *, resuming: bool, overwrite: bool) -> None:
    """Never mix two runs in one folder: the old adapter and metrics would be replaced silently, and an old
    ``checkpoint-N`` with a higher step would win a later ``--resume_from_checkpoint last``."""
    import shutil

    if not _replaces_earlier_run(out_dir, resuming=resuming, overwrite=overwrite):
        return
    earlier, stale = _earlier_run(out_dir)
    for folder in (f for f in earlier if f.is_dir()):
        shutil.rmtree(folder, ignore_errors=True)  # another node's rank may be removing the same folder
    for f in stale:
        f.unlink(missing_ok=True)
    logger.warning("%s: replacing an earlier run (its checkpoints, model files and metrics removed)", out_dir)


def _data_source(given: str | None, data: Any, *, loaded_here: bool) -> tuple[str | None, str]:
    """(source, kind): a local folder as an absolute path (so a card never mistakes it for a Hub id), a ``~`` in it
    expanded as ``bgs_hf.data.load`` expands it (``~/data/x`` was recorded as a Hub id its card linked). What
    ``bgs_hf.data.load`` read that is not a local path was a Hub dataset repo (``resolve_source``)."""
    from bgs_hf._files import expand_user

    if given and expand_user(given).exists():
        return str(expand_user(given).resolve()), "local"
    if loaded_here and given:
        return given, "hub"
    if getattr(data, "root", None):  # passed in memory: the folder it was read from, if any
        return str(Path(data.root).resolve()), "local"
    return given, "in-memory"


def _clip_ids(data: Any) -> list[str]:
    """Clip ids of ``data`` (positions as text for an in-memory stand-in without a ``clip_id`` column)."""
    try:
        return [str(c) for c in data.clips["clip_id"]]
    except (TypeError, KeyError, IndexError):
        return [str(i) for i in range(len(data.clips))]


def _write_run_config(out_dir: Path, record: dict[str, Any]) -> None:
    """``run_config.json``: the arguments, the data they ran on (the card's dataset and licence note) and the clip ids
    of every split, so that evaluation scores exactly the clips this run never trained on. ``record``: what
    :func:`_run_config_record` took before training (the arguments before the Trainer adapted them)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / RUN_CONFIG, json.dumps(json_safe(record), indent=2, default=str))


def _run_config_record(config: TrainConfig, data: Any, *, seed: int | None = None) -> dict[str, Any]:
    """The body of ``run_config.json`` (see :func:`_write_run_config`). ``seed``: the run's resolved seed, recorded
    even when the arguments left it to the default (``recorded_seed`` read none)."""
    from bgs_hf.data.container import video_fingerprints
    from bgs_hf.data.hub import downloaded_dataset, recorded_license
    from bgs_hf.data.release import is_the_release

    run_config = config_to_dict(config)
    if seed is not None:
        run_config["training"]["seed"] = int(seed)
    source, kind = _data_source(config.data.data, data, loaded_here=config.data_override is None)
    clip_ids = _clip_ids(data)
    # origin: what the card's licence note rests on (a SocialShapes instance carries its generative truth; the
    # Garcia & Isik release is known by its files, not by its CSV layout, which a lab's own data may use), never the
    # folder's name
    meta = getattr(data, "meta", None) or {}
    origin = ("socialshapes" if meta.get("ground_truth")
              else "garcia-isik-release" if is_the_release(meta) else "other")
    run_config["data"] = {**run_config["data"], "name": getattr(data, "name", None), "source": source,
                          "kind": kind, "origin": origin, "validation": _validation_note(data)}
    declared = recorded_license(meta)  # the model card names it (an imported study's `--license cc-by-4.0`)
    if declared:
        run_config["data"]["license"] = declared
    downloaded = downloaded_dataset(meta)  # read now: the download may be gone when the run is pushed
    if downloaded:
        run_config["data"]["downloaded_from"] = downloaded
    run_config["splits"] = {name: [clip_ids[int(i)] for i in idx] for name, idx in data.splits.items()}
    # which videos those ids named: another benchmark can reuse the ids (SocialShapes' ss_0000.mp4... at every seed)
    run_config[VIDEO_FINGERPRINTS] = video_fingerprints(data)
    return run_config


def _validation_note(data: Any) -> str | None:
    """How this data's validation clips were chosen, as ``data stats`` says it (the model card shows it): the data's
    own record, which a ``data_override`` loaded with other split settings than ``config.data`` still tells right."""
    from bgs_hf.data.splits import labels_name_val, val_method

    try:
        n_val, n_fit = len(data.split_items("val")), len(data.split_items("fit"))
        from_labels = labels_name_val(list(data.clips["stimulus_set"]))
    except (AttributeError, KeyError, TypeError, BGSInputError):  # no val split: an unknown split is BGSInputError
        return None
    how = val_method((getattr(data, "meta", None) or {}).get("split_config"), from_labels=from_labels)
    return f"{n_val} of {n_fit} train clips ({how})"


#: The key under which ``bgs-hf push`` records the run's training seed in the published ``bgs_config.json``.
PUBLISHED_SEED = "training_seed"


def recorded_seed(run_dir: str | Path) -> int | None:
    """The seed a run trained with, which also drew the bootstrap and ceiling split-halves of its metrics.json.
    A run whose ``run_config.json`` holds no seed (the library API left it to the default) has it in its
    ``training_args.json``, the resolved arguments the Trainer saved; a model ``bgs-hf push`` published, which keeps
    neither, in its ``bgs_config.json`` (:data:`PUBLISHED_SEED`)."""
    found = read_run_config(run_dir)
    seed = (found[1].get("training") or {}).get("seed") if found is not None else None
    if seed is None and found is not None:
        seed = _first_json_field("seed", Path(run_dir) / "training_args.json", found[0].parent / "training_args.json")
    if seed is None and found is None:
        seed = _first_json_field(PUBLISHED_SEED, Path(run_dir) / BGS_CONFIG)
    return int(seed) if is_whole(seed, floats=False) else None


def _first_json_field(key: str, *paths: Path) -> Any:
    """``key`` of the first of ``paths`` that reads as a JSON object (``None`` where none does): a record that is
    absent, unreadable or no object says nothing about the seed."""
    for path in paths:
        try:
            return json.loads(path.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):  # absent, unreadable or not a JSON object
            continue
    return None


#: what to do about data that lacks one of a run's clips, by who reads the run's splits
EVALUATE_ON_THE_RUNS_DATA = "evaluate it on the data it was trained on"
RESUME_ON_THE_RUNS_DATA = "resume with the run's own --data, or start a new run"


def recorded_splits(run_dir: str | Path, data: Any, *,
                    remedy: str = EVALUATE_ON_THE_RUNS_DATA) -> dict[str, np.ndarray] | None:
    """The run's own splits (``run_config.json``) as clip indices of ``data``; ``None`` for a run that
    recorded none. Refuses data that lacks any of the run's clips: it is not the data the run trained on (``remedy``
    says what to do: a resume was told to evaluate the run)."""
    found = read_run_config(run_dir)
    if found is None:
        return None
    path, config = found
    splits = config.get("splits")
    if not splits:
        return None
    position = {c: i for i, c in enumerate(_clip_ids(data))}
    missing = sorted({c for ids in splits.values() for c in ids if c not in position})
    if missing:
        are = agree(len(missing), "is", "are")
        raise BGSInputError(f"{count(len(missing), 'clip')} of the run's splits {are} not in this data (first: "
                            f"{quoted(missing[0])}): {remedy}", path=path)
    return {name: np.sort(np.array([position[c] for c in ids], dtype=np.int64)) for name, ids in splits.items()}


@dataclass
class RecordedData:
    """What a run's records say about the data it trained on, held against the data given now (``recorded_data``)."""

    name: str | None  # the run's data as run_config.json names it, and where it was loaded from
    source: str | None
    compared: int  # clips of the run whose video was fingerprinted at training and is here now
    differ: int  # ... of which the video here is another file
    first: str | None = None  # the first such clip id

    @property
    def other_data(self) -> bool:
        """Every clip of the run found here holds another video: another benchmark with the same clip ids (a
        SocialShapes of another seed); the model saw none of its clips."""
        return self.compared > 0 and self.differ == self.compared

    @property
    def trained_on(self) -> str:
        """The run's data as a message names it: its name, and where it was loaded from."""
        return f"{self.name} at {self.source}" if self.source and self.source != self.name else str(self.name)

    def describe(self, here: str) -> str:
        """One line for the log, evaluation.json and the report."""
        trained = self.trained_on
        if self.other_data:
            return (f"{here} is not the data this run trained on ({trained}): its clip ids are the run's but all "
                    f"{self.compared} videos compared are other files (another seed's benchmark, or clips encoded "
                    f"again): scored on {here}'s own splits, not the run's recorded ones")
        return (f"{self.differ} of the run's {self.compared} clips in {here} name other videos than it trained on "
                f"({trained}; first: {self.first}): scored on the run's recorded splits")


def recorded_data(run_dir: str | Path, data: Any) -> RecordedData | None:
    """Whether ``data`` holds the videos the run trained on, by the fingerprints its run_config.json recorded
    (``None``: a run from before they were recorded, or one without a run_config.json). Clip ids alone cannot tell:
    every SocialShapes benchmark names its clips ``ss_0000.mp4``... whatever its seed."""
    found = read_run_config(run_dir)
    if found is None:
        return None
    config = found[1]
    recorded = config.get(VIDEO_FINGERPRINTS)
    if not isinstance(recorded, dict) or not recorded:
        return None
    from bgs_hf.data.container import video_fingerprints

    here = video_fingerprints(data, recorded)
    compared = [c for c in recorded if c in here]
    differ = [c for c in compared if here[c] != recorded[c]]
    info = config.get("data") if isinstance(config.get("data"), dict) else {}
    return RecordedData(name=info.get("name"), source=info.get("source"), compared=len(compared),
                        differ=len(differ), first=differ[0] if differ else None)


def check_train_config(config: TrainConfig) -> tuple[Any, Any, Any]:
    """Every flag ``train_bgs`` would refuse, refused before any data is loaded, model built or folder deleted.

    Returns what the checks built on the way (the loss, the backbone's checked spec or None for a
    ``model_override``, the ``TrainingArguments``), so ``train_bgs`` builds each once; callers that prepare
    something slow before training (``bgs_hf.eval.controls``) call it first.
    """
    loss_fn = build_loss(config.bgs)  # a bad loss flag
    _check_data_settings(config.data)  # a bad data flag
    backbone = None
    if config.model_override is None:
        _model_settings(config.model)  # a bad head or LoRA setting
        backbone = _resolve_backbone(config.model)  # a frame count the backbone cannot take (config files only)
    args = training_arguments(config.training)
    _check_run_settings(args, config.bgs, Path(args.output_dir))
    _check_checkpointing(config, args)
    return loss_fn, backbone, args


@keeps_process_state
def train_bgs(config: TrainConfig) -> TrainResult:
    """Fine-tune with BGS and write the run folder (see module doc). Deterministic on CPU for a seed, which seeds the
    run alone: the caller's global random states come back as they were. Under a launch
    the process group it starts (``TrainingArguments``, through accelerate) is left up for the caller, who may train
    again in it: end it with ``torch.distributed.destroy_process_group()``, as the CLI does for its own runs."""
    stream_caches: list[Any] = []
    try:
        return _train_bgs(config, stream_caches)
    finally:
        # the cache pays off only while the same clips come back every epoch; the returned model (or the caller's
        # own) would otherwise keep hashing and holding every clip it embeds afterwards
        for module in stream_caches:
            module.enable_stream_cache(0)


def _train_bgs(config: TrainConfig, stream_caches: list[Any]) -> TrainResult:
    """The run, one named step at a time: every refusal comes before the slow work it would waste, and nothing in the
    output folder changes before train begin. ``stream_caches`` collects the modules whose stream cache
    :func:`train_bgs` turns off afterwards, whether or not the run succeeds."""
    from transformers import set_seed

    from bgs_hf.metrics.similarity import human_similarity
    from bgs_hf.models.liveness import assert_lora_live, has_lora
    from bgs_hf.training.data import BGSCollator, ClipIndexDataset, StepDataset
    from bgs_hf.training.memory import pick_embed_chunk
    from bgs_hf.training.trainer import BGSTrainer, SayingEarlyStoppingCallback, TrainBeginCallback

    start = time.time()
    loss_fn, backbone, args = check_train_config(config)
    out_dir = Path(args.output_dir)
    bgs = config.bgs
    resume, resume_step = _resume_point(args, out_dir)
    # another folder's checkpoint starts a new run in this one: claim it as any output folder (a finished run there
    # was overwritten without a word), and hold the data to the splits the checkpoint's run recorded
    resuming_here = resume is not None and Path(resume).resolve().parent == out_dir.resolve()
    # a README.md in a folder that holds no run is the user's own (``runs/README.md``): peft's save only adds its
    # metadata to it, and the run card must not replace it
    users_readme = _holds_users_readme(out_dir)
    # an earlier run there is refused now without --overwrite_output_dir, and removed only at train begin: a refusal
    # after the data loads (a resume's splits or schedule, missing videos, a dead LoRA target, the checkpoint's
    # optimizer) removed it and trained no run in its place
    replacing = _replaces_earlier_run(out_dir, resuming=resuming_here, overwrite=bgs.overwrite_output_dir)
    set_seed(args.seed)

    data = training_data(config, seed=args.seed)
    if resume is not None:
        _check_resumed_videos(Path(resume), data)  # first: other videos also carve other splits
        _check_resumed_splits(Path(resume), data)
    train_trip = _train_judgments(data)
    human_train = human_similarity(train_trip.idx, train_trip.odd, data.n_clips)
    if config.clip_store is None:
        _require_videos(data, eval_test=bgs.eval_test)

    recipe = get_recipe(bgs.recipe).with_overrides(clips_per_step=bgs.clips_per_step, embed_chunk=bgs.embed_chunk)
    world_size = max(int(args.world_size), 1)
    # --data_seed (Hugging Face's meaning: the data sampling's own seed) draws the clip sets and the mirroring
    data_seed = args.data_seed if args.data_seed is not None else args.seed
    sampler = _step_sampler(recipe, bgs, args, data, train_trip, human_train, seed=data_seed, world_size=world_size,
                            resume=resume, resume_step=resume_step)

    # the model is built after set_seed, so LoRA/head initialisation (and tiny-random bases) are reproducible
    model, checkpointed = _run_model(config, args, backbone)
    _enable_stream_caches(model, config.data.memory_cache_mb, stream_caches)
    store = _clip_store(config, data, model, args, out_dir)

    train_clips = data.split_items("train")
    if has_lora(model):
        # a LoRA target off the forward path trains nothing and fails silently (VideoMAE's q/k/v, a predictor)
        assert_lora_live(model.to(args.device), store(int(train_clips[0]))[None].to(args.device))
    # recorded as given (the Trainer adapts a TrainingArguments object), written once a resume is known to be taken
    # a TrainingArguments object as this run's copy holds it, past the checks (a launch's bf16: _launch_precision)
    given = config if isinstance(config.training, Mapping) or config.training is None else replace(config, training=args)
    record = _run_config_record(given, data, seed=int(args.seed)) if args.should_save else None
    compiled_with = _compile_options(args) if record is not None else {}
    if compiled_with:  # only then: an uncompiled run's run_config.json stays as it was
        record[COMPILE_OPTIONS] = compiled_with
    embed_chunk = recipe.embed_chunk
    if bgs.max_memory:
        sample = store(int(train_clips[0]))[None].to(args.device)
        largest_step = math.ceil(max(int(sampler.step_clip_counts().max()), 1) / world_size)  # rows per process
        embed_chunk = pick_embed_chunk(model.to(args.device), sample, parse_bytes(bgs.max_memory), largest_step)

    # data passed in memory (``data_override``) may have no "val" split: it trains without one, as --val_fraction 0
    val_clips = data.split_items("val") if "val" in data.splits else np.zeros(0, dtype=np.int64)
    eval_sets = _eval_sets(data)
    callbacks = list(config.callbacks)
    if "eval" not in eval_sets:
        _turn_off_evaluation(args, data, val_clips)
    elif bgs.early_stopping_patience > 0 and str(getattr(args.eval_strategy, "value", args.eval_strategy)) != "no":
        callbacks.append(SayingEarlyStoppingCallback(early_stopping_patience=bgs.early_stopping_patience))

    info = {"recipe": recipe.to_dict(), "embed_chunk": embed_chunk, "activation_checkpointing": checkpointed,
            "loss": loss_fn.get_config_dict(), "world_size": world_size,
            "steps_per_epoch": len(sampler), "n_train_clips": int(len(train_clips)),
            "n_train_judgments": int(len(train_trip))}
    trainer = BGSTrainer(
        model=model, args=args, train_dataset=StepDataset(sampler, world_size),
        eval_dataset=ClipIndexDataset(val_clips if "eval" in eval_sets else np.arange(1)),
        data_collator=BGSCollator(sampler, store, world_size, hflip=bgs.hflip, seed=data_seed), callbacks=callbacks,
        loss_fn=loss_fn,
        clip_store=store, eval_sets=eval_sets, embed_chunk=embed_chunk, bgs_info=info,
    )
    trainer.schedule_checked = resume  # by _step_sampler, before the model was built

    def begin() -> None:
        """Every refusal has passed (the Trainer's of a resume too), on every process: the run replaces the earlier
        one here."""
        # the main process, past its own checks, removed the earlier run (and rewrote run_config.json) while
        # another process was refusing the run alone (a checkpoint it cannot read): it waits for all of them
        barrier()
        with args.main_process_first(local=False, desc="claiming the output folder"):  # ranks raced to delete it
            if replacing:
                _claim_output_dir(out_dir, resuming=resuming_here, overwrite=True)
        if record is not None:
            _write_run_config(out_dir, record)

    trainer.add_callback(TrainBeginCallback(begin))
    logger.info("BGS %s: %d train clips, %d judgments, %d steps/epoch, %s", recipe.name,
                len(train_clips), len(train_trip), len(sampler), count(world_size, "process", "processes"))
    train_out = trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(str(out_dir))
    trainer.save_state()

    embedded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    metrics = _run_metrics(trainer, train_out, args, config, data, recipe_name=recipe.name, resume_step=resume_step,
                           embedded=embedded)
    # this call's wall time (setup and scoring included); after a resume it is not the run's, and says so
    metrics["wall_s" if resume is None else "wall_s_since_resume"] = wall_s = time.time() - start
    if args.should_save:
        _write_metrics_and_card(out_dir, metrics, keep_readme=users_readme,
                                scored_split="test" if bgs.eval_test else "val")
    barrier()
    logger.debug("run folder: %s", out_dir)  # the caller chose it; `bgs-hf train` prints it with the fit
    return TrainResult(output_dir=out_dir, metrics=metrics, model=trainer.model, trainer=trainer,
                       wall_s=wall_s, embeddings=embedded)


def _resume_point(args: Any, out_dir: Path) -> tuple[str | None, int | None]:
    """(checkpoint to resume from, its step), both ``None`` for a fresh run. A mistyped checkpoint (or ``last``
    without one) was refused by ``trainer.train`` only: after the data loaded, the evaluation clips were decoded,
    the model was built and run_config.json was rewritten."""
    from bgs_hf.training.resume import check_resume_step, checkpoint_step, resolve_resume

    resume = resolve_resume(args.resume_from_checkpoint, out_dir)
    if resume is None:
        return None, None
    # read now: the Trainer's checkpoint rotation may remove the checkpoint while the resumed run trains
    step = checkpoint_step(resume)
    # a run counted in epochs is checked in _step_sampler, once the sampler, which counts their steps, is built
    check_resume_step(resume, step, int(args.max_steps))
    return resume, step


def _train_judgments(data: Any) -> Any:
    """The train split's judgments; none is one line that says how to get some (a validation set that took the
    clips they need, often)."""
    train_trip = data.triplets("train")
    if len(train_trip) == 0:
        n_val = len(data.split_items("val")) if "val" in data.splits else 0
        held = (f" ({len(data.split_items('train'))} train clips left beside {n_val} validation clips: hold out "
                "fewer, e.g. a lower --val_fraction)") if n_val else ""
        raise BGSInputError("no training judgments: every train triplet must have its three clips in train" + held,
                            path=getattr(data, "root", None))
    return train_trip


def _require_videos(data: Any, *, eval_test: bool) -> None:
    """Every clip the run trains on or scores has a video, checked before the model loads (the paper's release ships
    none: a missing one stopped the run once the model was built)."""
    from bgs_hf.data.validate import require_videos

    splits = ("train", "val", "test") if eval_test else ("train", "val")
    require_videos(data, (c for s in splits if s in data.splits for c in data.split_items(s)), "to train on or score")


def _step_sampler(recipe: Any, bgs: BGSArguments, args: Any, data: Any, train_trip: Any, human_train: Any, *,
                  seed: int, world_size: int, resume: str | None, resume_step: int | None) -> Any:
    """The sampler of the run's training steps (its clip sets and their judgments). A resume's schedule is checked
    against it here, before the model is built and anything is written: the run's record stays as it was."""
    from bgs_hf.training.data import build_sampler
    from bgs_hf.training.resume import check_resume_schedule, check_resume_step, planned_max_steps

    if recipe.sampler == "paper-v1" and bgs.clips_per_step is not None:
        logger.warning("--clips_per_step is not used by %s (it takes %d judgments a step)", recipe.name,
                       recipe.triplets_per_step)
    sampler = build_sampler(recipe, train_trip, human_train, data.split_items("train"), seed=seed,
                            world_size=world_size)
    if resume is not None:
        check_resume_schedule(resume, len(sampler), args, recipe.to_dict(), world_size, sampler.seed)
        if int(args.max_steps) <= 0:  # counted in epochs: known now, before the model loads and clips are decoded
            check_resume_step(resume, resume_step, planned_max_steps(args, len(sampler)))
    return sampler


def _run_model(config: TrainConfig, args: Any, backbone: Any) -> tuple[Any, bool]:
    """(the model to train, whether it checkpoints activations). Checkpointing is applied here, with its kwargs, and
    the Trainer's own hook turned off in ``args`` (it dropped ``every_n_layers``/``offload``)."""
    checkpointed, checkpointing_kwargs = _activation_checkpointing(args)
    if config.model_override is None:
        model = _build_model(config, checkpointed, backbone, checkpointing_kwargs)
    else:
        model = config.model_override
        if checkpointed:  # it was trained without, while bgs_trainer_state.json said it was checkpointed
            _checkpoint_override(model, checkpointing_kwargs)
    for name in ("activation_checkpointing", "gradient_checkpointing"):
        if getattr(args, name, False):
            setattr(args, name, False)
    return model, checkpointed


def _enable_stream_caches(model: Any, memory_cache_mb: float, stream_caches: list[Any]) -> None:
    """The default backbone's foreground stream, computed once per clip rather than every epoch, within
    ``--memory_cache_mb`` (or in the open ``stream_cache_scope``'s cache, shared with the scope's other runs and
    suite: the quickstart's); each module is added to ``stream_caches`` for :func:`train_bgs` to turn off."""
    from bgs_hf.models.conv3d import scoped_stream_cache

    scope = scoped_stream_cache() if memory_cache_mb > 0 else None
    for module in model.modules():
        if hasattr(module, "enable_stream_cache"):
            stream_caches.append(module)
            module.enable_stream_cache(scope if scope is not None else int(memory_cache_mb * 2**20))


def _clip_store(config: TrainConfig, data: Any, model: Any, args: Any, out_dir: Path) -> Any:
    """The run's clips as tensors: ``config.clip_store`` as given, else the data's videos under the model's frame
    policy, cached in ``--cache_dir`` (default: the run's ``clip_cache``; ``none``: no cache). The clips the run will
    score are decoded now: read only after training, a broken one used to stop the run at its very end, with the
    adapter written and no metrics.json (the folder then refused a rerun)."""
    if config.clip_store is not None:
        return config.clip_store
    from bgs_hf.models.registry import warn_if_frames_repeat
    from bgs_hf.training.data import VideoClipStore

    d = config.data
    cache_dir = d.cache_dir if d.cache_dir is not None else str(out_dir / "clip_cache")
    cache_dir = None if str(cache_dir).lower() == "none" else cache_dir
    videos = list(data.clips["video"])
    store = VideoClipStore(videos, model.frame_policy, cache_dir, d.memory_cache_mb)
    train_clips = data.split_items("train")
    if len(train_clips) and model.frame_policy is not None:  # None: a stand-in model whose store decodes nothing
        warn_if_frames_repeat(videos[int(train_clips[0])], model.frame_policy.num_frames, getattr(model, "spec", None))
    scored = [int(c) for split in ("val", "test") if split in data.splits and (split == "val" or config.bgs.eval_test)
              for c in data.split_items(split)]
    # the main process first, so the others read its cache
    with args.main_process_first(local=True, desc="checking the evaluation clips"):
        for c in delayed_bar(scored, desc="checking evaluation clips", unit="clip",
                             disable=not draws_bars(args) or len(scored) < 20):
            store(c)
    return store


def _scorable_clips(data: Any, split: str, *, judged: bool = True) -> np.ndarray | None:
    """The clips of ``split`` where the run can score it, else None: 3 clips at least and, where ``judged``, 1 judgment
    (a validation split without one scored NaN each epoch, and early stopping ended the run on it). Data passed in
    memory may hold no such split: nothing to score, as an empty one."""
    if split not in data.splits:
        return None
    clips = data.split_items(split)
    if clips is None or len(clips) < 3 or (judged and len(data.triplets(split)) == 0):
        return None
    return clips


def _eval_sets(data: Any) -> dict[str, Any]:
    """``{"eval": val, "test": test}``, each ``(clips, human similarity, (triplets, odd ones))``, for the splits
    that can be scored (:func:`_scorable_clips`; the test split with no judgment too, as before)."""
    from bgs_hf.metrics.similarity import human_similarity

    eval_sets: dict[str, Any] = {}
    for prefix, split in (("eval", "val"), ("test", "test")):
        clips = _scorable_clips(data, split, judged=prefix == "eval")
        if clips is None:
            continue
        trip = data.triplets(split)
        eval_sets[prefix] = (clips, human_similarity(trip.idx, trip.odd, data.n_clips), (trip.idx, trip.odd))
    return eval_sets


def _turn_off_evaluation(args: Any, data: Any, val_clips: Any) -> None:
    """No validation set to score: evaluation and best-model selection are turned off in ``args`` (a plateau
    schedule, which reads the evaluation's metric, becomes constant), with a warning that says why."""
    if len(val_clips):  # held out of training all the same, which "no validation clips" did not say
        logger.warning("the %s %s (scoring needs 3 clips and 1 judgment): evaluation, early stopping and "
                       "best-model selection are off; holding none (e.g. --val_fraction 0) trains on those clips "
                       "instead", count(len(val_clips), "validation clip"), ("holds " if len(val_clips) == 1 else
                       "hold ") + count(len(data.triplets("val").idx), "judgment"))
    else:
        logger.warning("no validation clips: evaluation, early stopping and best-model selection are off")
    args.eval_strategy = "no"
    args.load_best_model_at_end = False
    if args.lr_scheduler_type == "reduce_lr_on_plateau":
        args.lr_scheduler_type, args.lr_scheduler_kwargs = "constant", {}


def _run_metrics(trainer: Any, train_out: Any, args: Any, config: TrainConfig, data: Any, *, recipe_name: str,
                 resume_step: int | None, embedded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                 ) -> dict[str, Any]:
    """metrics.json but its wall time: the run's training record, and the trained model's behavioural fit on
    validation (and on test with ``--eval_test``); each scored split's embeddings go into ``embedded``."""
    metrics: dict[str, Any] = {"recipe": recipe_name, "backbone": config.model.backbone,
                               "train": {**_train_metrics(train_out.metrics, resume_step,
                                                          trainer.train_seconds_before, train_out.global_step),
                                         "world_sizes": trainer.world_sizes},
                               "counters": dict(trainer.bgs_totals),
                               "best_checkpoint": trainer.state.best_model_checkpoint,
                               "metric_for_best_model": args.metric_for_best_model,
                               "best_metric": trainer.state.best_metric}
    for split in ("val", "test"):
        if split == "test" and not config.bgs.eval_test:
            continue
        metrics[split] = _fit_metrics(trainer, data, split, embedded)
    return metrics


def _write_metrics_and_card(out_dir: Path, metrics: dict[str, Any], *, keep_readme: bool, scored_split: str) -> None:
    """metrics.json, and the model card of the split the run scored, which replaces peft's template; a README.md the
    user had in the folder before the run is kept, and so is peft's for a stand-in model (no bgs_config.json)."""
    write_text_atomic(out_dir / METRICS_NAME, json.dumps(json_safe(metrics), indent=2))
    if not (out_dir / BGS_CONFIG).is_file():
        return
    if keep_readme:
        logger.warning("%s: kept the README.md that was there before the run (no model card written; "
                       "`bgs-hf push` renders it)", out_dir)
        return
    from bgs_hf.hub.card import write_run_card

    write_run_card(out_dir, split=scored_split)


def _train_metrics(metrics: Mapping[str, Any], resumed_from_step: int | None, seconds_before: float | None,
                   global_step: int) -> dict[str, Any]:
    """The Trainer's train metrics. Its ``train_loss``, ``train_runtime`` and rates cover this call only: after a
    resume they are not the run's, so they are named ``..._since_resume``, beside the step the run resumed from.
    ``train_runtime_whole_run`` is the run's training time: the resumed checkpoint's recorded time (``seconds_before``;
    None: a checkpoint of an older bgs-hf, so unknown) plus this call's, never the steps a killed run lost.
    ``resumed_from_step``: the resumed checkpoint's step (None: not resumed), read before training, since the
    checkpoint rotation (``--save_total_limit``) may remove that checkpoint while the run trains on."""
    from bgs_hf.training.resume import name_since_resume

    out = dict(metrics)
    # BGSTrainer.log named them already (the Trainer logs its metrics before returning them); a plain dict not yet
    runtime = out.get("train_runtime", out.get("train_runtime_since_resume"))
    if resumed_from_step is not None:
        name_since_resume(out, resumed_from_step, global_step)
        out["resumed_from_step"] = resumed_from_step
        out["train_runtime_before_resume"] = None if seconds_before is None else round(seconds_before, 4)
    if runtime is not None:
        out["train_runtime_whole_run"] = None if seconds_before is None else round(seconds_before + runtime, 4)
    return out


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """JSON-able view of a config's arguments (the body of ``run_config.json``)."""
    training = config.training.to_dict() if hasattr(config.training, "to_dict") else dict(config.training)
    return {"data": asdict(config.data), "model": asdict(config.model), "bgs": asdict(config.bgs),
            "training": training}
