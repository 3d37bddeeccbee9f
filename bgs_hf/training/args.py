"""Argument dataclasses of ``bgs-hf train`` / ``python -m bgs_hf.train``, parsed with ``HfArgumentParser``
beside ``transformers.TrainingArguments`` (so every TrainingArguments flag works), and the BGS defaults
that replace some TrainingArguments defaults (the paper's schedule; a user flag still wins)."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from bgs_hf.errors import BGSInputError
from bgs_hf.models.registry import DEFAULT_BACKBONE
from bgs_hf.training.recipes import DEFAULT_RECIPE, RECIPES

#: ``--memory_cache_mb``'s default, also the budget of the foreground streams that the evaluation suite's models
#: share, and the quickstart's training runs and suite (``bgs_hf.models.conv3d.stream_cache_scope``).
MEMORY_CACHE_MB = 1024.0


@dataclass
class DataArguments:
    """Where the judgments (and videos) come from."""

    data: str = field(metadata={"help": "release folder, Hub-layout folder or Hub dataset id"})
    val_fraction: float = field(default=0.2, metadata={"help": "share of train clips held out as validation"})
    val_split: str = field(
        default="seeded", metadata={"choices": ["seeded", "paper"],  # bgs_hf.data.splits.VAL_SPLITS
                                    "help": "validation carve-out of train: a seeded draw (--val_fraction, --seed), or "
                                            "the paper's v1 recipe (scikit-learn train_test_split, random_state 42: on the "
                                            "paper's release its 40 validation clips; elsewhere the same recipe on that "
                                            "data's train clips)"})
    split_seed: int | None = field(
        default=0, metadata={"help": "seed of the train/test draw of clips, for data without stimulus_set (0, as "
                                     "`data stats`: every training --seed is scored on the same test clips)"})
    cache_dir: str | None = field(
        default=None, metadata={"help": "decoded-clip cache (default: <output_dir>/clip_cache; 'none' disables)"})
    memory_cache_mb: float = field(default=MEMORY_CACHE_MB, metadata={"help": "in-memory cache of preprocessed clips (MiB; the same again for the default "
                                                     "backbone's foreground streams)"})

    def __post_init__(self) -> None:
        from bgs_hf.data.splits import check_val_split

        check_val_split(self.val_split, self.val_fraction)  # before anything loads (`parse` names the flags)


@dataclass
class ModelArguments:
    """The backbone, the projection head and LoRA."""

    backbone: str = field(
        default=DEFAULT_BACKBONE,
        metadata={"help": "vjepa2|timesformer|videomae|clip|bgs_conv3d, tiny-random-<family>, bgs-tiny-videomae, "
                          "bgs-tiny-conv3d, bgs-tiny-conv3d-fg, a Hub id or a local folder"})
    num_frames: int | None = field(
        default=None, metadata={"help": "frames per clip, for models that accept any (default: the backbone's own)"})
    interpolate_frames: bool = field(
        default=False, metadata={"help": "TimeSformer: take --num_frames other than the checkpoint's by interpolating "
                                         "its time embeddings (the paper's 16-frame TimeSformer-k400); recorded in the run"})
    head_dim: int = field(default=128, metadata={"help": "projection head width (0 = no head)"})
    head_dropout: float = field(default=0.3, metadata={
        "help": "dropout before the head's L2 (the paper's 0.3, for every backbone; the quickstart's tiny recipe "
                "passes 0)"})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (scale = alpha / r)"})
    lora_dropout: float = field(default=0.1, metadata={"help": "dropout on the LoRA branch"})
    lora_target_modules: str | None = field(
        default=None, metadata={"help": "regex relative to the backbone (default: the backbone's own)"})
    trust_remote_code: bool = field(default=False, metadata={"help": "run a Hub backbone's own modelling code"})


#: the ``--local_loss`` values (``ooo`` is also read as ``odd-one-out``)
LOCAL_LOSSES = ("triplet", "odd-one-out")


@dataclass
class BGSArguments:
    """The recipe and the loss."""

    recipe: str = field(default=DEFAULT_RECIPE, metadata={"help": " | ".join(RECIPES)})
    clips_per_step: int | None = field(
        default=None, metadata={"help": "override: global clips per step (0 = all; default: the --recipe's)"})
    embed_chunk: int | None = field(
        default=None, metadata={"help": "override: clips per forward chunk with recomputation (0 = off; default: the "
                                        "--recipe's)"})
    max_memory: str | None = field(
        default=None, metadata={"help": "activation budget per process, e.g. 8GB: picks --embed_chunk by a probe "
                                        "(default: none)"})
    local_loss: str = field(default="triplet", metadata={"help": "triplet (paper) | odd-one-out"})
    margin: float = field(default=0.2, metadata={"help": "triplet hinge margin (cosine distance)"})
    temperature: float = field(default=0.1, metadata={"help": "odd-one-out softmax temperature"})
    rsa_method: str = field(default="pearson", metadata={"help": "pearson (paper) | soft_spearman"})
    alpha: float = field(default=0.7, metadata={"help": "weight of the local term"})
    beta0: float = field(default=0.3, metadata={
        "help": "RSA weight at epoch 0; must not exceed --beta_max, except with --beta_max 0, which turns the RSA "
                "term off (the weight is then 0 whatever --beta0)"})
    beta_step: float = field(default=0.1, metadata={"help": "RSA weight added per epoch"})
    beta_max: float = field(default=0.7, metadata={"help": "largest RSA weight (0: no RSA term)"})
    hflip: bool = field(default=False, metadata={
        "help": "augment: mirror each of a step's training clips left-right with probability 1/2 (never at "
                "evaluation)"})
    early_stopping_patience: int = field(default=5, metadata={
        "help": "evaluations without a gain in --metric_for_best_model (val RSA) before the run stops: epochs with the "
                "default --eval_strategy epoch (0 = off)"})
    eval_test: bool = field(default=True, metadata={"help": "score the test split at the end (metrics.json)"})
    overwrite_output_dir: bool = field(default=False, metadata={
        "help": "train into an --output_dir that holds an earlier run (its checkpoint-* folders are removed, so "
                "`--resume_from_checkpoint last` can never pick one up); without it such a folder is refused"})


#: TrainingArguments defaults of a BGS run (paper: AdamW lr 1e-4, <= 50 epochs, best val RSA kept,
#: LR halved on a plateau). Passed to the parser as defaults, so any flag on the command line wins.
BGS_TRAINING_DEFAULTS: dict[str, Any] = {
    "per_device_train_batch_size": 1,
    "per_device_eval_batch_size": 8,
    "learning_rate": 1e-4,
    "num_train_epochs": 50,
    "eval_strategy": "epoch",
    "save_strategy": "epoch",
    "save_total_limit": 2,
    "load_best_model_at_end": True,
    "metric_for_best_model": "eval_rsa",
    "greater_is_better": True,
    "lr_scheduler_type": "reduce_lr_on_plateau",
    "lr_scheduler_kwargs": {"mode": "max", "factor": 0.5, "patience": 3},
    "remove_unused_columns": False,
    "logging_strategy": "steps",
    "logging_steps": 5,
    "report_to": "none",
    "restore_callback_states_from_checkpoint": True,
    "dataloader_num_workers": 0,
    # the Trainer's default logs a NaN step as the running mean: a diverged run looked like a healthy one
    "logging_nan_inf_filter": False,
}


def training_defaults(user: dict[str, Any]) -> dict[str, Any]:
    """BGS defaults adapted to what the user set: without evaluation there is no plateau to detect and no
    best checkpoint, so the LR stays constant and the last model is kept; memory is pinned only for a GPU; ``use_cpu``
    is true where the launch asks for CPU (:func:`launch_asks_for_cpu`), and for bf16 on a machine without an
    accelerator (transformers refused ``--bf16`` there unless ``--use_cpu`` was given)."""
    import torch

    defaults = dict(BGS_TRAINING_DEFAULTS)
    if launch_asks_for_cpu():  # transformers alone put one such process on cuda:0 where there is a GPU
        defaults["use_cpu"] = True  # (which also turns pinned memory off)
    elif asks_for_bf16(user) and not torch.accelerator.is_available():
        # bf16 autocast runs on the CPU, but transformers refuses it there unless use_cpu is set ("Your setup doesn't
        # support bf16/gpu"), and the fp16 refusal on CPU says to use --bf16 instead
        defaults["use_cpu"] = True
    # pinned host memory only helps a copy to an accelerator; on CPU torch warns on every loader
    defaults["dataloader_pin_memory"] = torch.accelerator.is_available()

    def setting(key: str) -> str:  # "no" and IntervalStrategy.NO alike (whose str() is "IntervalStrategy.NO")
        value = user.get(key, defaults[key])
        return str(getattr(value, "value", value)).lower()

    eval_strategy = setting("eval_strategy")
    if setting("lr_scheduler_type") != "reduce_lr_on_plateau":
        defaults["lr_scheduler_kwargs"] = {}  # the plateau's mode/factor/patience crash any other schedule
    if eval_strategy == "no":
        defaults.update(load_best_model_at_end=False, lr_scheduler_type="constant", lr_scheduler_kwargs={})
    else:
        # keeping the best model needs a checkpoint at every evaluation: save on the user's schedule
        if "save_strategy" not in user:
            defaults["save_strategy"] = user.get("eval_strategy", defaults["eval_strategy"])
        # evaluations fall every eval_steps, else every logging_steps (Trainer). A --save_strategy steps given without
        # --save_steps kept transformers' 500, which passed its check beside --eval_steps 5, 10, 50 ... (a multiple):
        # no evaluation's model was saved, and the run kept its last model as the best without a word
        keeps_best = _is_on(user.get("load_best_model_at_end", True))
        if "save_steps" not in user and ("save_strategy" not in user or keeps_best):
            steps = user.get("eval_steps") or user.get("logging_steps") or defaults.get("logging_steps")
            if steps:
                defaults["save_steps"] = steps
    return defaults


#: how to checkpoint more often than once an epoch (a pre-empted job then loses little): keeping the best checkpoint,
#: the default, needs one at every evaluation, so evaluation moves to the same steps (its patience then counts those
#: evaluations); without validation clips (--val_fraction 0) the run only checkpoints there. ``--save_strategy steps
#: --save_steps N`` alone, which the README and the --enable_jit_checkpoint refusal said, was refused by transformers.
CHECKPOINT_MORE_OFTEN = "--save_strategy steps --save_steps N --eval_strategy steps --eval_steps N"


def asks_for_bf16(user: dict[str, Any]) -> bool:
    """Whether the settings (a dict, or :func:`flags_in`'s flags, where a bare ``--bf16`` is ``None``) ask for bf16
    training or evaluation."""
    return any(_is_on(user[key]) for key in ("bf16", "bf16_full_eval") if key in user)


def _is_on(value: Any) -> bool:
    """Whether a boolean setting as given is true: a dict's value, or :func:`flags_in`'s text (``None`` for a bare
    flag, ``"false"`` as HfArgumentParser reads it)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    return bool(value)


#: what HfArgumentParser reads as false for a boolean flag (``--bf16 false``)
_FALSE_WORDS = ("no", "false", "f", "n", "0")


#: the variable ``accelerate launch --cpu`` sets (``True``/``False`` on every one-process launch, over what the
#: shell exported; ``--multi_gpu`` passes the shell's on), which a user may also set by hand
USE_CPU_VARIABLE = "ACCELERATE_USE_CPU"


def launch_asks_for_cpu() -> bool:
    """Whether the launch asks for CPU (:data:`USE_CPU_VARIABLE`, read as accelerate reads it), which makes
    ``--use_cpu``'s default true: with it False, transformers trained one process on cuda:0 where there is a GPU. An
    unreadable value is one line naming the variable (transformers' "invalid truth value 'maybe'" named none)."""
    from accelerate.utils import str_to_bool

    value = os.environ.get(USE_CPU_VARIABLE)
    if value is None:
        return False
    try:
        return bool(str_to_bool(value))
    except ValueError:
        raise BGSInputError(f"{USE_CPU_VARIABLE}={value!r} is not a truth value accelerate reads: use true or false "
                            "(or yes/no, on/off, 1/0)") from None


def flags_in(argv: list[str]) -> dict[str, str | None]:
    """``{"eval_strategy": "no", ...}`` for the ``--flag value`` / ``--flag=value`` tokens of a command line."""
    out: dict[str, str | None] = {}
    for i, tok in enumerate(argv):
        if tok.startswith("--"):
            key, _, val = tok[2:].partition("=")
            nxt = argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("--") else None
            out[key.replace("-", "_")] = val if val else nxt
    return out


def infinite_setting_error(settings: dict[str, Any], err: OverflowError) -> BGSInputError:
    """The one line for ``TrainingArguments``' ``int()`` of an infinite step count (``--logging_steps inf``,
    ``--eval_steps inf``): its OverflowError named no flag, and escaped as a traceback."""

    def infinite(value: Any) -> bool:
        try:
            return math.isinf(float(value))
        except (TypeError, ValueError):
            return False

    named = [f"--{name}" for name, value in settings.items() if infinite(value)]
    return BGSInputError(f"{', '.join(named) or 'a training argument'} must be a finite number ({err})")


_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
          "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12, "tib": 2**40}


def parse_bytes(text: str) -> int:
    """``"8GB"`` / ``"512MiB"`` / ``"1.5g"`` / ``"1000000"`` -> bytes."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise BGSInputError(f"--max_memory: cannot read {text!r} (use e.g. 8GB, 512MiB)")
    size = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(size):  # 400 digits: an OverflowError traceback from int()
        raise BGSInputError(f"--max_memory: {text!r} is too large to be a size (use e.g. 8GB, 512MiB)")
    if int(size) < 1:  # 0GB (read as "off", as --embed_chunk 0 is) silently picked the smallest chunk, 1 clip
        raise BGSInputError(f"--max_memory: {text!r} is no budget (under 1 byte); leave --max_memory out for none")
    return int(size)


def check_batch_size(args: Any) -> None:
    """BGS takes one clip set per step, sized by ``clips_per_step``: ``per_device_train_batch_size`` must be 1. A
    plain ``TrainingArguments`` keeps its default 8; checked before data and model load (it was refused only by
    ``BGSTrainer``, after both, naming the CLI flag alone). The settings that change a batch behind the Trainer's
    back are refused with it (:func:`_batch_changer`)."""
    size = getattr(args, "per_device_train_batch_size", 1)
    if size != 1:
        raise BGSInputError(f"per_device_train_batch_size must be 1 for BGS, got {size} (TrainingArguments' default "
                            "is 8): one item is one clip set; size it with --clips_per_step "
                            "(BGSArguments(clips_per_step=...))")
    changer = _batch_changer(args)
    if changer is not None:
        raise BGSInputError(changer)


def _batch_changer(args: Any) -> str | None:
    """A setting that would remake a BGS batch, and why (None: none is set). An item is one process's part of a step
    (:class:`~bgs_hf.training.data.StepDataset`), so accelerate's ``dispatch_batches`` concatenated every process's
    part into one batch (a RuntimeError "batches of different size" at the first step, whose advice, split_batches,
    fails too), ``split_batches`` cannot split a batch of 1 among processes (a ValueError once data and model had
    loaded), and ``auto_find_batch_size`` could only lower the batch of 1 to 0: an out-of-memory step ended in
    "No executable batch size found, reached zero", the out-of-memory error itself lost. A ``num_steps`` in
    ``gradient_accumulation_kwargs`` replaced ``gradient_accumulation_steps`` inside the Trainer, after the checks
    of the accumulation (and of a resume's) had passed on the flag's value: 0 was a ZeroDivisionError."""
    config = getattr(args, "accelerator_config", None)
    for name, cannot in (("dispatch_batches", "dispatch from one process"), ("split_batches", "split further")):
        value = config.get(name) if isinstance(config, dict) else getattr(config, name, None)
        if value:
            return (f"--accelerator_config {name}={value} is not supported: each process loads its own part of a "
                    f"BGS step, which accelerate cannot {cannot}; leave {name} unset (or false)")
    accumulation = config.get("gradient_accumulation_kwargs") if isinstance(config, dict) else getattr(
        config, "gradient_accumulation_kwargs", None)
    if isinstance(accumulation, dict) and "num_steps" in accumulation:
        return (f"--accelerator_config gradient_accumulation_kwargs num_steps={accumulation['num_steps']} is not "
                "supported: the Trainer puts it in place of the step's accumulation only after the run's own checks "
                "(num_steps 0 was a ZeroDivisionError once the data and model had loaded); set "
                "--gradient_accumulation_steps instead")
    if getattr(args, "auto_find_batch_size", False):
        return ("--auto_find_batch_size is not supported: a BGS step's batch is one clip set, which it could only lower to 0 (an "
                "out-of-memory step ended in 'No executable batch size found', the out-of-memory error lost); fit a "
                "step to memory with --max_memory or --embed_chunk, or a smaller --clips_per_step")
    return None


def draws_bars(args: Any) -> bool:
    """Whether this process draws bgs-hf's own bars in a run: the one that logs (the main process of its machine),
    and only without ``--disable_tqdm``: the flag that turns the Trainer's step bar off asks for a log of lines alone
    (a CI job's), so it turns ours off too."""
    return bool(args.should_log) and not args.disable_tqdm
