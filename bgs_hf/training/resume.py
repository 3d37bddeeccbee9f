"""Resume checks: which checkpoint a run resumes from, whether resuming there gives the run's own steps, and the
BGS state it carries on (:func:`read_bgs_state`).

Kept apart from :class:`bgs_hf.training.trainer.BGSTrainer` (which calls them again for a trainer built by one's own
code) because ``train_bgs`` runs them first, before the model loads and the evaluation clips are decoded: a refused
resume costs seconds and leaves the run's record as it was. They read only a checkpoint's JSON files.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bgs_hf._format import count
from bgs_hf.errors import BGSInputError, is_finite_real, is_whole
from bgs_hf.hub.run_info import BGS_STATE_NAME, recorded_world_sizes
from bgs_hf.models.loading import INCOMPLETE_MARKER

logger = logging.getLogger(__name__)

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoint_complete(folder: str | Path) -> bool:
    """A checkpoint folder whose write finished: no incomplete marker and the Trainer state (written last)."""
    folder = Path(folder)
    return not (folder / INCOMPLETE_MARKER).exists() and (folder / "trainer_state.json").is_file()


def complete_checkpoints(run_dir: str | Path) -> tuple[list[Path], list[str]]:
    """The run folder's complete ``checkpoint-N`` folders, by step, and the names of those not completely written:
    what ``--resume_from_checkpoint last`` picks from, and what an interrupted ``bgs-hf train`` says it kept."""
    found = [d for d in Path(run_dir).glob("checkpoint-*") if _CHECKPOINT.match(d.name) and d.is_dir()]
    done = sorted((d for d in found if checkpoint_complete(d)), key=lambda d: int(d.name.split("-")[1]))
    return done, sorted(d.name for d in set(found) - set(done))


def resolve_resume(value: str | bool | None, run_dir: str | Path) -> str | None:
    """``--resume_from_checkpoint``: a folder, or ``last`` (the newest COMPLETE ``checkpoint-N`` in the run
    folder). A half-written checkpoint (job killed while saving) is refused with one line, never read."""

    if value in (None, False, ""):
        return None
    run_dir = Path(run_dir)
    if value is True or str(value).lower() in ("last", "latest", "true"):
        done, skipped = complete_checkpoints(run_dir)
        if skipped:  # the run folder named: a bare checkpoint-7 could be any run's (another run's checkpoint resumed)
            logger.warning("%s: ignoring %s: %s", run_dir, count(len(skipped), "incompletely written checkpoint"),
                           ", ".join(skipped))
        if not done:
            raise BGSInputError("no complete checkpoint-N folder to resume from", path=run_dir)
        logger.info("resuming from %s", done[-1])
        return str(done[-1])
    folder = Path(value)
    if not folder.is_dir():
        what = "a file, not a checkpoint folder" if folder.exists() else "no such checkpoint folder"
        raise BGSInputError(f"--resume_from_checkpoint: {what}", path=folder)
    if not checkpoint_complete(folder) and not _CHECKPOINT.match(folder.name) \
            and not (folder / INCOMPLETE_MARKER).exists():  # a run's own folder, say: nothing was cut short
        raise BGSInputError("--resume_from_checkpoint: not a checkpoint folder (it holds no trainer_state.json); "
                            "pass one of a run's checkpoint-N folders, or last for the newest in --output_dir",
                            path=folder)
    if not checkpoint_complete(folder):
        raise BGSInputError("checkpoint was not completely written (the job was stopped while saving it); "
                            "resume from an earlier one or pass --resume_from_checkpoint last", path=folder)
    return str(folder)


def checkpoint_step(folder: str | Path) -> int:
    """The optimizer step a complete checkpoint was saved at (its ``trainer_state.json``). A record that is no JSON
    object (cut short, edited), or whose ``global_step`` is no whole number >= 0, is refused in one line, as
    :func:`read_bgs_state` refuses its own record (was a ``JSONDecodeError``, ``AttributeError`` or ``ValueError``
    traceback)."""
    try:
        state = json.loads(Path(folder, "trainer_state.json").read_text(encoding="utf-8"))
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        state = None
    if not isinstance(state, dict):
        raise BGSInputError("its trainer_state.json is not a JSON object (cut short or edited): resume from another "
                            "checkpoint, or start a new run", path=folder)
    step = state.get("global_step", 0)
    if not _at_least(step, 0):
        raise BGSInputError(f"its trainer_state.json has global_step {step!r}, not a whole number >= 0 (edited or "
                            "damaged): resume from another checkpoint, or start a new run", path=folder)
    return int(step)


def check_resume_step(folder: str | Path, step: int, max_steps: int) -> None:
    """A checkpoint past the run's last step is refused: the Trainer trained nothing and returned the checkpoint's
    longer-trained model as the shorter run the flags asked for (exit 0, ``train_loss`` 0.0)."""
    if max_steps > 0 and step > max_steps:
        raise BGSInputError(f"the checkpoint is at step {step}, past the {count(max_steps, 'step')} this run is set to "
                            "(--max_steps, or --num_train_epochs): resume from an earlier checkpoint-N, or raise "
                            "--max_steps / --num_train_epochs", path=folder)


def planned_max_steps(args: Any, steps_per_epoch: int) -> int:
    """The step the Trainer trains to: ``--max_steps``, else ``--num_train_epochs`` times its optimizer steps an epoch
    (``steps_per_epoch`` batches a process, gradient accumulation rounded up), as transformers'
    ``set_initial_training_values`` counts them on a BGS step loader. Known once the sampler is built, so a resume
    past it is refused before the model loads and the evaluation clips are decoded."""
    if int(args.max_steps) >= 0:  # transformers counts from epochs only below 0
        return int(args.max_steps)
    accumulation = int(args.gradient_accumulation_steps)
    return math.ceil(args.num_train_epochs * max((int(steps_per_epoch) + accumulation - 1) // accumulation, 1))


def name_since_resume(metrics: dict[str, Any], resumed_from_step: int, global_step: int) -> dict[str, Any]:
    """The Trainer's train metrics of a ``train`` call resumed at ``resumed_from_step``, renamed in place: its
    ``train_loss``, ``train_runtime`` and rates cover this call's steps only, not the run's, so they are named
    ``..._since_resume``; a call that trained no step (resumed at the run's last step) has no loss (the Trainer's 0.0
    is no step's). In place because the Trainer logs the dict it returns as its metrics: the console's
    end-of-training line, trainer_state.json's last log and metrics.json then name the numbers alike."""
    for key in [k for k in metrics if k in ("train_loss", "train_runtime") or
                (k.startswith("train_") and k.endswith("_per_second"))]:
        metrics[f"{key}_since_resume"] = metrics.pop(key)
    if global_step <= resumed_from_step:
        metrics["train_loss_since_resume"] = None
    return metrics


def sampler_seed(sampler: Any) -> int | None:
    """The seed a step sampler draws its clip sets with (``None``: a sampler of one's own without a ``seed``)."""
    seed = getattr(sampler, "seed", None)
    return int(seed) if is_whole(seed, floats=False) else None


def _recorded(folder: str | Path, name: str) -> dict[str, Any]:
    """A checkpoint's JSON record ``name`` ({} when absent or not an object: a checkpoint of an older bgs-hf)."""
    path = Path(folder, name)
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def read_bgs_state(folder: str | Path) -> dict[str, Any]:
    """A checkpoint's ``bgs_trainer_state.json`` as a resume carries it on ({} for a checkpoint without one). Read
    strictly, unlike the schedule check's :func:`_recorded`: a record that is no JSON object (cut short, edited), or
    whose counters, training time or record of processes are of another shape, is refused in one line naming the
    field (was an ``AttributeError``, ``ValueError`` or ``KeyError`` from inside the Trainer, or, for the time and
    the processes, taken without a word): what the run did so far cannot be carried on."""
    path = Path(folder, BGS_STATE_NAME)
    if not path.is_file():
        return {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        saved = None
    if not isinstance(saved, dict):
        raise BGSInputError(f"its {BGS_STATE_NAME} is not a JSON object (cut short or edited): resume from "
                            "another checkpoint, or start a new run", path=folder)
    problem = _state_problem(saved)
    if problem is not None:
        raise BGSInputError(f"its {BGS_STATE_NAME} has {problem} (edited or damaged): resume from another "
                            "checkpoint, or start a new run", path=folder)
    return saved


def bgs_state_record(totals: Mapping[str, int], train_seconds: float | None, info: Mapping[str, Any],
                     world_sizes: list[dict[str, int | None]], sampler: Any = None) -> dict[str, Any]:
    """What a checkpoint's ``bgs_trainer_state.json`` holds, the record :func:`read_bgs_state` reads back: the cost
    counters, the training time so far, the run's ``info`` (recipe etc.), the processes by part of the run and, for a
    step sampler, what a resume's schedule check reads (its steps an epoch and seed) unless ``info`` gives them."""
    record = {"totals": totals, "train_seconds": train_seconds, **info, "world_sizes": world_sizes}
    if sampler is not None:
        record.setdefault("steps_per_epoch", len(sampler))
        record.setdefault("sampler_seed", sampler_seed(sampler))
    return record


def _at_least(value: Any, least: int) -> bool:
    """``value`` is a whole number (:func:`bgs_hf.errors.is_whole`, the one test of one) of at least ``least``."""
    return is_whole(value) and value >= least


def _state_problem(saved: Mapping[str, Any]) -> str | None:
    """The first field of a ``bgs_trainer_state.json`` a resume reads that is not of the shape ``BGSTrainer`` writes
    (``totals``: counts; ``train_seconds``: seconds or null; ``world_sizes``: parts of the run), as a refusal names
    it; None where every one is (absent, null or ``[]`` is a record of an older bgs-hf, read as before)."""
    totals = saved.get("totals")
    totals = {} if totals is None else totals
    if not isinstance(totals, dict):
        return f"totals {totals!r}, not an object of counts"
    for key, value in totals.items():
        if not _at_least(value, 0):
            return f"totals.{key} {value!r}, not a count (a whole number >= 0)"
    seconds = saved.get("train_seconds")
    if seconds is not None and (not is_finite_real(seconds) or seconds < 0):
        return f"train_seconds {seconds!r}, not a time in seconds (a number >= 0, or null)"
    parts = saved.get("world_sizes")
    parts = [] if parts is None else parts
    if not isinstance(parts, list) or not all(isinstance(part, dict) for part in parts):
        return f"world_sizes {parts!r}, not a list of {{from_step, world_size}} objects"
    for i, part in enumerate(parts):
        for key, least in (("from_step", 0), ("world_size", 1)):
            shown = repr(part[key]) if key in part else "missing"  # BGSTrainer writes both keys of every part
            if key not in part or (part[key] is not None and not _at_least(part[key], least)):
                return f"world_sizes[{i}].{key} {shown}, not a whole number >= {least} or null"
    return None


def _step_settings(recipe: Any, world_size: Any) -> str:
    """What sets a run's steps per epoch besides its data, as a refusal names it: the recipe and its step size."""
    recipe = recipe if isinstance(recipe, Mapping) else {}
    parts = [str(recipe["name"])] if recipe.get("name") else []
    if recipe.get("sampler") == "clip-set" and recipe.get("clips_per_step") is not None:
        parts.append(f"--clips_per_step {recipe['clips_per_step']}")
    elif recipe.get("sampler") == "paper-v1" and recipe.get("triplets_per_step") is not None:
        parts.append(f"{recipe['triplets_per_step']} judgments a step")
    if world_size is not None:
        parts.append(count(world_size, "process", "processes"))
    return f" ({', '.join(parts)})" if parts else ""


@dataclass
class _ScheduleChange:
    """One setting in which a resumed run differs from its checkpoint's run, as the refusal words it: what differs,
    the flags that resume with the checkpoint's value, and (paper-v1) the number of processes to resume ``on``."""

    what: str
    advice: list[str] = field(default_factory=list)
    on: str = ""


def _steps_per_epoch_change(saved: Mapping[str, Any], steps_per_epoch: int, recipe: Mapping[str, Any],
                            world_size: int) -> _ScheduleChange | None:
    """Another number of steps an epoch: another recipe, ``--clips_per_step``, or paper-v1 on another number of
    processes (its steps an epoch follow it: on 4 or more, a last step of 3 clips joins the one before)."""
    was_steps = saved.get("steps_per_epoch")
    if not isinstance(was_steps, int) or was_steps == steps_per_epoch:
        return None
    was_world = recorded_world_sizes(saved)[-1].get("world_size")  # an edited part's: unrecorded unless a number
    was_world = int(was_world) if _at_least(was_world, 1) else None
    was_recipe = saved.get("recipe") if isinstance(saved.get("recipe"), Mapping) else {}
    change = _ScheduleChange(f"its run took {count(was_steps, 'step')} an epoch{_step_settings(was_recipe, was_world)}, "
                             f"this one takes {steps_per_epoch}{_step_settings(recipe, world_size)}")
    if was_recipe.get("name") and was_recipe.get("name") != recipe.get("name"):
        change.advice.append(f"--recipe {was_recipe['name']}")
    if was_recipe.get("sampler") == "clip-set" and was_recipe.get("clips_per_step") is not None \
            and was_recipe.get("clips_per_step") != recipe.get("clips_per_step"):
        change.advice.append(f"--clips_per_step {was_recipe['clips_per_step']}")
    if was_recipe.get("sampler") == "paper-v1" and isinstance(was_world, int) and was_world != world_size:
        change.on = f" on {count(was_world, 'process', 'processes')}"
    return change


def _accumulation_change(saved_args: Mapping[str, Any], args: Any) -> _ScheduleChange | None:
    """Other gradient accumulation: the same batches make other optimizer steps, and epochs end at other steps."""
    was_acc, acc = saved_args.get("gradient_accumulation_steps"), int(args.gradient_accumulation_steps)
    if not isinstance(was_acc, int) or was_acc == acc:
        return None
    return _ScheduleChange(f"its run summed {count(was_acc, 'step')} an optimizer step, this one {acc}",
                           [f"--gradient_accumulation_steps {was_acc}"])


def _seed_change(saved: Mapping[str, Any], saved_args: Mapping[str, Any], args: Any,
                 seed: int | None) -> _ScheduleChange | None:
    """Another seed for the clip sets: the sampler's seed the checkpoint recorded against this run's (``seed``, else
    the flags'); a checkpoint of an older bgs-hf, without the record, compares the flags' seeds of both runs."""
    flags_seed = args.seed if args.data_seed is None else args.data_seed
    was_seed, recorded = None, saved.get("sampler_seed")
    if is_whole(recorded, floats=False):
        was_seed, seed = recorded, flags_seed if seed is None else int(seed)
    elif isinstance(saved_args.get("seed"), int):  # an older bgs-hf's checkpoint: its flags' seed
        was_seed = saved_args["seed"] if saved_args.get("data_seed") is None else saved_args["data_seed"]
        seed = flags_seed
    if was_seed is None or was_seed == seed:
        return None
    flag = "--seed" if saved_args.get("data_seed") is None and args.data_seed is None else "--data_seed"
    return _ScheduleChange(f"its run drew its clip sets with seed {was_seed}, this one with {seed}",
                           [f"{flag} {was_seed}" if seed == flags_seed else f"sampler seed {was_seed}"])


def check_resume_schedule(folder: str | Path, steps_per_epoch: int, args: Any, recipe: Mapping[str, Any] | None,
                          world_size: int, seed: int | None = None) -> None:
    """A resume must take the steps the checkpoint's run would have taken. The Trainer puts global step N at epoch
    N // (steps an epoch / gradient accumulation), and the sampler draws each epoch's clip sets from the data seed:
    another number of steps an epoch (another ``--clips_per_step``, or paper-v1 on 4 or more processes, where a last
    step of 3 clips joins the one before), other gradient accumulation or another data seed gave the remaining steps
    other clip sets and moved the epochs' ends, without a word. Refused in one line naming both runs' values and what
    to resume with; a checkpoint of an older bgs-hf that recorded none of them passes.

    ``seed`` is the one this run's sampler draws with (``None``: the flags', ``--data_seed`` else ``--seed``, which
    ``train_bgs`` gives its sampler); it is compared with the sampler's seed the checkpoint recorded (``sampler_seed``):
    a ``BGSTrainer`` built by one's own code gives its sampler a seed of its own, so the flags' were another run's.
    A checkpoint of an older bgs-hf, without the record, compares the flags' seeds of both runs."""
    saved, saved_args = _recorded(folder, BGS_STATE_NAME), _recorded(folder, "training_args.json")
    recipe = recipe if isinstance(recipe, Mapping) else {}
    changes = [change for change in (_steps_per_epoch_change(saved, steps_per_epoch, recipe, world_size),
                                     _accumulation_change(saved_args, args),
                                     _seed_change(saved, saved_args, args, seed)) if change is not None]
    if not changes:
        return
    advice = [flag for change in changes for flag in change.advice]
    on = "".join(change.on for change in changes)
    what = "resume with " + ", ".join(advice) if advice else "resume" if on else "resume with the run's own settings"
    raise BGSInputError(f"{'; '.join(change.what for change in changes)}: the remaining steps would not be the run's "
                        f"(other clip sets, epochs ending elsewhere); {what}{on}, or start a new run", path=folder)
