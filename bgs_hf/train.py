"""``python -m bgs_hf.train`` / ``accelerate launch -m bgs_hf.train``: the same run as ``bgs-hf train``.

Flags are four argument dataclasses parsed by ``transformers.HfArgumentParser``: :class:`DataArguments`
(``--data``), :class:`ModelArguments` (``--backbone``, LoRA, head), :class:`BGSArguments` (``--recipe``,
loss) and every ``TrainingArguments`` flag (``--output_dir``/``--output-dir``, ``--max_steps``, ``--bf16``,
``--activation_checkpointing``, ``--seed``, ``--resume_from_checkpoint`` ...). BGS changes some
TrainingArguments defaults (see ``bgs_hf.training.args.BGS_TRAINING_DEFAULTS``); a flag always wins.

Examples::

    bgs-hf train --data /tmp/ss --backbone tiny-random-videomae --output-dir /tmp/run --max_steps 20
    accelerate launch --multi_gpu --num_processes 8 -m bgs_hf.train --data DIR --backbone vjepa2 --output-dir runs/v --bf16
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bgs_hf._launch import own_error
from bgs_hf.cli.main import console, launch_process, launch_rank, os_error_inside, run_guarded
from bgs_hf.errors import BGSDivergedError, BGSInputError


def build_parser(argv: list[str] | None = None) -> Any:
    """``HfArgumentParser`` over the four argument dataclasses, with the BGS training defaults
    (adapted to the flags in ``argv``, see ``training_defaults``)."""
    from transformers import HfArgumentParser, TrainingArguments

    from bgs_hf.cli._parser import EXIT_STATUS, DefaultsHelpFormatter, Suggestions, examples
    from bgs_hf.training.args import BGSArguments, DataArguments, ModelArguments, flags_in, training_defaults

    class TrainParser(Suggestions, HfArgumentParser):
        """"did you mean" for a mistyped choice or flag."""

    parser = TrainParser(
        (DataArguments, ModelArguments, BGSArguments, TrainingArguments), prog="bgs-hf train",
        # no abbreviations: `training_defaults` reads the flags as typed (an abbreviated --eval_strat no kept the
        # plateau schedule), and Python 3.11 called each one "ambiguous" between the `_` and `-` spellings anyway
        allow_abbrev=False,
        # the full usage is 120 lines: an error such as a missing --data was printed below all of them
        usage="%(prog)s --data SOURCE [--backbone NAME] [--output-dir DIR] [FLAG ...]   (-h: every flag)",
        description="Fine-tune a video backbone with BGS: LoRA adapters and a projection head trained on human "
        "odd-one-out judgments (the same run as `python -m bgs_hf.train` and `accelerate launch -m bgs_hf.train`).",
        formatter_class=DefaultsHelpFormatter,
        epilog=examples(
            "bgs-hf train --data /tmp/ss --backbone bgs-tiny-conv3d-fg --output-dir runs/ss",
            "bgs-hf train --data /tmp/ss --output-dir runs/ss --learning_rate 2e-3 --num_train_epochs 20 "
            "--head_dropout 0 --val_fraction 0 --early_stopping_patience 0",
            "bgs-hf train --data /tmp/ss --backbone tiny-random-videomae --output-dir /tmp/run --max_steps 20",
            "accelerate launch --multi_gpu --num_processes 8 -m bgs_hf.train --data DIR --backbone vjepa2 --output-dir runs/v --bf16",
        ) + "\n\nEvery flag takes '_' or '-' (--output_dir, --output-dir). --resume_from_checkpoint last resumes "
        "from the output folder's highest-step complete checkpoint. -v (--verbose) gives debug logging.\n\n" + EXIT_STATUS)
    parser.set_defaults(**training_defaults(flags_in(list(argv or []))))
    _describe_off_switches(parser)
    _describe_transformers_flags(parser)
    return parser


def _describe_transformers_flags(parser: Any) -> None:
    """TrainingArguments flags whose own help misleads in a BGS run: ``--metric_for_best_model`` "Defaults to 'loss'",
    which BGS evaluation does not report, and names no value (``-h`` lists the scores it may name, as its refusal
    does); ``--output_dir`` showed ``(default: None)`` where transformers writes to ``trainer_output``; ``--use_cpu``
    false "will use the available torch device", which ACCELERATE_USE_CPU overrides; ``--resume_from_checkpoint`` is
    "Not directly used by Trainer" (bgs-hf uses it, and takes ``last``); ``--enable_jit_checkpoint`` is refused."""
    from bgs_hf.training.args import CHECKPOINT_MORE_OFTEN
    from bgs_hf.training.scoring import SCORED_METRICS

    helps = {
        "metric_for_best_model": "validation score that picks the best checkpoint, watched by early stopping and the "
                                 f"plateau LR schedule: {' | '.join(f'eval_{m}' for m in SCORED_METRICS)} (loss: eval_rsa)",
        "output_dir": "the run folder: adapter, head, checkpoints and metrics.json (default: trainer_output)",
        # transformers': "Not directly used by Trainer; intended for training/evaluation scripts" (bgs-hf uses it)
        "resume_from_checkpoint": "go on from a killed or stopped run: 'last' (the --output_dir's highest-step "
                                  "complete checkpoint) or a checkpoint-N folder; the run's other flags as before",
        # transformers': "Enable JIT checkpointing on SIGTERM", which ended a BGS run as if finished
        "enable_jit_checkpoint": "refused by bgs-hf: SIGTERM ends a run as 'terminated' (143), naming the last "
                                 f"complete checkpoint; checkpoint more often with {CHECKPOINT_MORE_OFTEN}",
        # transformers': "If set to False, we will use the available torch device", also under ACCELERATE_USE_CPU
        "use_cpu": "train on CPU though a GPU is there (true by default where ACCELERATE_USE_CPU is, as `accelerate "
                   "launch --cpu` sets it: a one-process `accelerate launch` without --cpu sets it false, whatever "
                   "the shell exported; and with --bf16 where no GPU is; --use_cpu false under ACCELERATE_USE_CPU "
                   "is refused where a GPU is)",
    }
    for action in parser._actions:
        if action.dest in helps:
            action.help = helps[action.dest]


def _describe_off_switches(parser: Any) -> None:
    """HfArgumentParser gives each flag that is on by default an off switch (``--no_eval_test``) with the flag's own
    help and the default ``False``: ``-h`` said ``--no_eval_test`` would "score the test split at the end (default:
    False)". Each says what it does instead; its default is never read (the flag's own comes first), so none is
    shown."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._StoreFalseAction) and any(o.startswith("--no_") for o in action.option_strings):
            action.help = f"turn --{action.dest} off (the same as --{action.dest} false)"
            action.default = argparse.SUPPRESS


@contextlib.contextmanager
def _parser_output_once_per_machine() -> Iterator[None]:
    """argparse's own output (``-h``; a usage error's usage and ``error:`` lines, exit 2) from the first process of
    each machine of a launch only: the others parse the same flags and end with the same status silently, as for every
    other refusal (:func:`_once_per_launch`, which has a silent one wait for the launcher after a usage error).
    ``--max_steps twenty`` on 8 GPUs printed its two lines 8 times, and ``-h`` its 120."""
    if launch_rank("WORLD_SIZE") <= 1 or launch_rank("LOCAL_RANK") == 0:
        yield
        return
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def parse(argv: list[str] | None = None) -> Any:
    """Flags -> :class:`~bgs_hf.training.api.TrainConfig`."""
    from bgs_hf.cli._parser import flags_as_typed, unrecognized_message
    from bgs_hf.training.api import TrainConfig, check_ddp_timeout, check_interval_flags
    from bgs_hf.training.args import CHECKPOINT_MORE_OFTEN, flags_in, infinite_setting_error

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    with _parser_output_once_per_machine():  # -h and usage errors end here (the second parse below meets neither)
        flags, unknown = parser.parse_known_args(argv)
    if unknown:  # "Some specified arguments are not used by the HfArgumentParser: [...]", no suggestion
        raise BGSInputError(unrecognized_message(parser, unknown))
    check_ddp_timeout(flags.ddp_timeout)  # TrainingArguments, built next, starts a launch's process group with it
    check_interval_flags(flags)  # TrainingArguments, built next, reads some of them its own way
    try:
        data, model, bgs, training = parser.parse_args_into_dataclasses(args=argv)
    except BGSInputError as err:  # the dataclasses' own checks (--val_split): as this command's flags, as typed
        raise flags_as_typed(err, argv, "_") from None
    except ValueError as err:  # TrainingArguments' own checks (unknown flags were refused above): one line
        message = " ".join(str(err).split())
        if "requires the save and eval strategy to match" in message:  # beside the default epoch evaluation
            save = str(getattr(flags.save_strategy, "value", flags.save_strategy)).lower()
            if save == "steps":
                message += f"; to checkpoint more often than once an epoch, give {CHECKPOINT_MORE_OFTEN}"
            elif save == "no":  # was told to checkpoint more often: keeping the best model needs its checkpoints
                message += "; to save no checkpoint, also give --load_best_model_at_end false (the last model is kept)"
        raise BGSInputError(message) from None
    except OverflowError as err:  # --logging_steps inf
        raise infinite_setting_error(flags_in(argv), err) from None
    return TrainConfig(data=data, model=model, bgs=bgs, training=training)


def _fit_lines(metrics: dict[str, Any]) -> list[str]:
    """The printed fit of each split the run scored (val, test), in the numbers' printed forms
    (:func:`~bgs_hf.training.api.fit_text`), why a noise ceiling is undefined beside it where metrics.json says, and
    below a split too small for its 95% CIs to say anything the one note `baseline` and `evaluate` print (a 5-clip
    split's R² [-1.000, 1.000] was printed without a word)."""
    from bgs_hf.data.validate import small_split_note
    from bgs_hf.training.api import fit_text

    lines = []
    for split in ("val", "test"):
        fit = metrics.get(split)
        if fit:
            note = small_split_note(split, fit.get("n_clips"), fit.get("n_judgments"), [fit.get("r2_ci")])
            lines += [f"  {split:<5} {fit_text(fit, detail=True)}", *([f"        {note}"] if note else [])]
    return lines


def _unscored(metrics: dict[str, Any]) -> str:
    """Why a run printed no fit: each split not scored, and why (``--eval_test false``, or too little to score)."""
    why = [f"{split} not scored (--eval_test false)" if split not in metrics
           else f"{split} had nothing to score (fewer than 3 clips or no judgments)" for split in ("val", "test")]
    return f"no fit to print: {'; '.join(why)}"


def _replaced(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the errors it replaced (a refusal re-raised with the flags as typed), newest first."""
    seen: BaseException | None = err
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _raised_in(err: BaseException, where: str, *, innermost: bool = False) -> bool:
    """Whether ``err`` (or the error it replaced) came through code under ``where`` (a path part such as
    ``torch/utils/data/``)."""
    for seen in _replaced(err):
        frames = [frame.f_code.co_filename.replace("\\", "/") for frame, _ in traceback.walk_tb(seen.__traceback__)]
        if any(where in f for f in (frames[-1:] if innermost else frames)):
            return True
    return False


#: gloo's words for a collective that waited ``--ddp_timeout`` for a peer (``unbound_buffer.cc``: "Timed out waiting
#: 15000ms for recv operation to complete")
_GLOO_TIMEOUT = re.compile(r"\bTimed out waiting \d+ ?ms\b")

#: torch's words for a rendezvous port another program holds (``TCPStore``: "The server socket has failed to listen
#: on any local network address. port: 29500, useIpv6: false, code: -98, name: EADDRINUSE, ...")
_PORT_IN_USE = re.compile(r"\bport: (\d+)\b.*\bEADDRINUSE\b")


#: how long a process that ends in silence on an error its machine's first process says waits for the launcher to stop
#: it (torchrun polls its processes every 0.1 s): bounded, for a first process stalled elsewhere
FIRST_PROCESS_GRACE_S = 10.0


def _leave_it_to_the_first_process() -> None:
    """Before a process ends in silence on a refusal, a usage error or a diverged loss, which every process meets alike
    (not ``-h``, after which the launcher waits for every process): wait for the launcher to stop it, which it does
    once the machine's first process has said the error and ended. Ending at once, it had the launcher stop a first
    process that met the error later (a loaded machine, a slower disk) before it said it: the launch printed nothing,
    or "terminated", above the launcher's summary. The launcher's SIGTERM (raised as
    :class:`~bgs_hf.cli.main.Terminated`) or Ctrl-C ends the wait without a word."""
    with contextlib.suppress(KeyboardInterrupt):
        time.sleep(FIRST_PROCESS_GRACE_S)


def _once_per_launch(command: Callable[[], int]) -> Callable[[], int]:
    """``command`` as one process of a launch (torchrun, accelerate launch) ends it. Every process reads the same
    flags and data and computes the same loss, so a refusal, a diverged loss or Ctrl-C is the same on each: the first
    process of each machine (LOCAL_RANK 0) says it, the others end with the same status silently (N processes printed
    it N times), after a refusal, a usage error or a diverged loss once the launcher stops them
    (:func:`_leave_it_to_the_first_process`). A fault in the clips a process loaded for its own part of a step or an
    evaluation (a bad clip, or an ``OSError``: a file gone or unreadable) is its alone (raised inside
    :func:`~bgs_hf._launch.own_part`, or in its DataLoader), and it says it, naming itself (``error: rank 3 of 8:
    ...``) unless it is the launch's first process.
    Any other ``OSError`` (or one a library raised as its own type, :func:`~bgs_hf.cli.main.os_error_inside`: a
    full disk under safetensors or ``torch.save``) is the environment, which need not be alike on every process (a
    full disk on one node, a file only one rank writes): each process says it, named unless it is the first, rather
    than lose the one line that says why. A process whose collective failed because another one stopped says that
    in one line on LOCAL_RANK 0 (every survivor printed a gloo/NCCL traceback that buried the cause); one whose
    collective waited ``--ddp_timeout`` for a process that stalled without stopping says that instead, and the process
    that could not host the launch's rendezvous because another program (another run) holds its port names the port
    (a hand-set MASTER_PORT: torchrun and accelerate launch check theirs before this code runs)."""

    def run() -> int:
        if launch_rank("WORLD_SIZE") <= 1:
            return command()
        local_rank = launch_rank("LOCAL_RANK")
        try:
            return command()
        except BaseException as err:
            if isinstance(err, SystemExit) and err.code not in (0, None) and local_rank != 0:
                _leave_it_to_the_first_process()  # a usage error, which only the first process printed
                raise
            environment = os_error_inside(err) is not None  # an OSError, or a full disk under safetensors or torch.save
            if not (environment or isinstance(err, (BGSInputError, BGSDivergedError, KeyboardInterrupt))):
                if not (isinstance(err, RuntimeError) and _raised_in(err, "torch/distributed/", innermost=True)):
                    raise
                # by name: run as `python -m bgs_hf.train` (every launch), __name__ is "__main__", outside -v's bgs_hf
                logging.getLogger("bgs_hf.train").debug("collective failed", exc_info=True)
                busy = _PORT_IN_USE.search(str(err))
                if busy:  # only the process that hosts the rendezvous meets it: said there, whatever its local rank
                    print(f"error: rank {launch_rank()} stopped: port {busy[1]} (MASTER_PORT), where the launch's "  # noqa: T201
                          "processes meet, is in use by another program (another run?): pick a free one (MASTER_PORT, "
                          "torchrun --master_port, accelerate launch --main_process_port)", file=sys.stderr)
                elif local_rank == 0 and _GLOO_TIMEOUT.search(str(err)):  # the peer is still there, stalled
                    print(f"error: rank {launch_rank()} stopped: a collective operation timed out (--ddp_timeout): "  # noqa: T201
                          "another process of the launch did not reach it in time (its own log says how far it got; "
                          "-v for this one's traceback)", file=sys.stderr)
                elif local_rank == 0:
                    print(f"error: rank {launch_rank()} stopped: a collective operation failed, most likely because "  # noqa: T201
                          "another process of the launch stopped first (its own error says why; -v for this one's "
                          "traceback)", file=sys.stderr)
                return 2
            # this process's own clips (its DataLoader's worker, or own_part in this process), or the environment
            # (which may be this process's alone): said here, naming the process unless it is the launch's first
            own = _raised_in(err, "torch/utils/data/") or any(map(own_error, _replaced(err))) or environment
            process = launch_process() if own else ""
            if not process and (local_rank == 0 or own):
                raise  # said here, as it is

            def again(err: BaseException = err) -> int:
                raise err

            try:
                if process:
                    return run_guarded(again, process=process)
                with contextlib.redirect_stderr(io.StringIO()):  # run_guarded's exit status, without its line
                    status = run_guarded(again)
                if not isinstance(err, KeyboardInterrupt):  # Ctrl-C and the launcher's SIGTERM reach every process
                    _leave_it_to_the_first_process()
                return status
            finally:
                # raised again, the error's traceback holds frames that hold the error (a cycle): left to the
                # collector, which a command's exit freezes, it kept the failed run's model, and through DDP the
                # process group and gloo's threads, alive past the group's end and into the interpreter's exit
                for seen in _replaced(err):
                    seen.__traceback__ = None

    return run


def main(argv: list[str] | None = None) -> int:
    """Parse, train, print where the run went and its test/val fit (main process only). Errors and Ctrl-C end
    the way they do for ``bgs-hf train`` (one line, no traceback), once per launch (:func:`_once_per_launch`); after
    Ctrl-C's "interrupted", SIGTERM's "terminated" or the environment's error (a full disk), the launch's first
    process names the checkpoint a resume goes on from. Without ``argv`` (``python -m bgs_hf.train``: each process of
    a launch) the process exits without the interpreter's last collections, as ``bgs-hf`` does
    (:func:`bgs_hf.cli.main.main`)."""
    from bgs_hf._process import exit_without_collecting
    from bgs_hf.cli._parser import flags_as_typed, take_verbose
    from bgs_hf.training.api import train_bgs

    if argv is None:
        exit_without_collecting()

    verbose, flags = take_verbose(list(sys.argv[1:] if argv is None else argv))  # -v as `bgs-hf -v train` takes it
    config: Any = None  # the parsed flags, for the line after Ctrl-C
    environment = False  # the run stopped on the environment's error (a full disk while a checkpoint was saved)

    def command() -> int:
        nonlocal config, environment
        try:
            config = parse(flags)
            result = train_bgs(config)
        except BGSInputError as err:  # `val_split 'paper'` (the library's words) as --val_split; flags as typed
            raise flags_as_typed(err, flags, "_") from None
        except Exception as err:
            environment = os_error_inside(err) is not None
            raise
        if result.trainer.args.should_save:
            fit = _fit_lines(result.metrics)
            print(f"run folder: {result.output_dir}  ({result.wall_s:.1f} s)")  # noqa: T201 - CLI entry point
            # `{}` read as a fit that failed; every number, unrounded and strict JSON, is in the run's metrics.json
            print("\n".join(fit) if fit else _unscored(result.metrics))  # noqa: T201 - CLI entry point
            print(f"metrics (JSON): {Path(result.output_dir) / 'metrics.json'}")  # noqa: T201 - CLI entry point
        return 0

    with console(verbose):  # changes nothing inside ``bgs-hf train``, whose console it is
        status = run_guarded(_once_per_launch(command))
        # Ctrl-C (130) or SIGTERM (143: a cluster's pre-emption), or the environment's error once a checkpoint was
        # begun (2: a full disk leaves the checkpoint it cut half-written; an unwritable run folder before any step
        # has nothing to say); the launch's first process
        if config is not None and not launch_process() and (
                status in (130, 143) or (environment and _checkpoint_begun(config.training.output_dir))):
            print(_kept_after_interrupt(config.training.output_dir), file=sys.stderr)  # noqa: T201 - CLI entry point
        return status


def _checkpoint_begun(run_dir: str) -> bool:
    """Whether the run folder holds a ``checkpoint-N``, complete or not."""
    from bgs_hf.training.resume import complete_checkpoints

    complete, half_written = complete_checkpoints(run_dir)
    return bool(complete or half_written)


def _kept_after_interrupt(run_dir: str) -> str:
    """The line after "interrupted", "terminated" or a full disk: the run folder's last complete checkpoint and how
    to go on from it, or that there is none (a bare "interrupted" left a user to look for what an hour of training had
    kept)."""
    from bgs_hf.training.resume import complete_checkpoints

    done = complete_checkpoints(run_dir)[0]
    if not done:
        return f"no checkpoint was written yet in {run_dir}: nothing to resume from"
    return f"last complete checkpoint: {done[-1]} (rerun with --resume_from_checkpoint last to go on from it)"


if __name__ == "__main__":
    sys.exit(main())
