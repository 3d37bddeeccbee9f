"""Top-level `bgs-hf` parser. Each command module exposes ``register(subparsers)``.

Command modules import heavy libraries (torch, transformers, datasets) inside their ``run``
function, so ``bgs-hf --help`` answers instantly.
"""

from __future__ import annotations

import argparse
import ast
import errno
import importlib
import logging
import os
import re
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stdout
from typing import Any, NoReturn, TextIO

from bgs_hf._bars import close_open_bars
from bgs_hf._files import descriptor_named
from bgs_hf._launch import (
    GROUP_UNUSED_LOGGER,
    GROUP_UNUSED_WARNING_DROPPED,
    SHARED_WARNINGS_ONCE,
    command_process_group,
)
from bgs_hf.cli._parser import EXIT_STATUS, CLIParser, examples, flags_as_typed, walk
from bgs_hf.errors import BGSDivergedError, BGSInputError, environment_error

#: Command modules under bgs_hf.cli (each one's ``register`` gives its one-line help). Order is the order in --help.
COMMANDS: tuple[str, ...] = (
    "quickstart",
    "data",
    "synth",
    "train",
    "evaluate",
    "baseline",
    "report",
    "pretrain_tiny",
    "push",
    "space",
)

#: ``-v``/``--verbose``, taken before the command (``bgs-hf -v evaluate``) and after it (``bgs-hf evaluate -v``)
VERBOSE = {"action": "store_true", "help": "debug logging"}


def build_parser() -> CLIParser:
    """The ``bgs-hf`` parser with every command of :data:`COMMANDS` that imports, each taking ``-v`` too."""
    from bgs_hf import __version__

    parser = CLIParser(
        prog="bgs-hf",
        description="Behavioral Geometric Supervision: align video models with human odd-one-out judgments.",
        epilog=examples("bgs-hf quickstart --out runs/demo", "bgs-hf synth /tmp/ss --seed 1",
                        "bgs-hf train --data /tmp/ss --output-dir runs/ss",
                        "bgs-hf evaluate --data /tmp/ss --model runs/ss --report runs/ss/eval")
        + "\n\n`bgs-hf COMMAND --help` describes each command; flags take '-' or '_' (--val-fraction, "
          "--val_fraction).\nWithout a COMMAND, bgs-hf prints this help and exits 2.\n\n" + EXIT_STATUS,
    )
    parser.add_argument("-v", "--verbose", **VERBOSE)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the bgs-hf version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"bgs_hf.cli.{name}")
        except ModuleNotFoundError as err:  # a command still under construction
            if err.name != f"bgs_hf.cli.{name}":
                raise
            continue
        module.register(sub)
    for command in list(walk(parser))[1:]:  # `bgs-hf evaluate -v` too (was "unrecognized arguments: -v"); a
        # command given no -v keeps the top level's (SUPPRESS: its own default would have overwritten `bgs-hf -v`)
        command.add_argument("-v", "--verbose", **VERBOSE, default=argparse.SUPPRESS)
    parser.finish()
    return parser


#: torch's ``ExceptionWrapper.reraise``: ``Caught X in DataLoader worker process 0.\nOriginal Traceback ...``
_WRAPPED = re.compile(r"Caught (?P<kind>\w+) in [^\n]*?\.\s+Original Traceback \(most recent call last\):")
_QUOTED = r"""b?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # a file name as repr() writes it
#: ``str(OSError(errno, strerror, filename[, winerror, filename2]))``, the last line of a worker's traceback
_OS_ERROR = re.compile(rf"\[Errno (?P<errno>-?\d+)\] (?P<strerror>.*?)(?:: (?P<filename>{_QUOTED})"
                       rf"(?: -> (?P<filename2>{_QUOTED}))?)?", re.S)


def _as_raised(err: BaseException) -> BaseException:
    """``err`` as its DataLoader worker raised it (``--dataloader_num_workers N``): torch re-raises a worker's error
    in the main process as ``type(err)("Caught X in DataLoader worker process 0.\\nOriginal Traceback ...")``, so the
    one ``error:`` line was the worker's whole traceback, and an ``OSError`` lost its file. The original's message is
    the traceback's last line (``-v`` keeps the whole of it in an ``OSError``'s debug log). Any other error as it is."""
    kind = type(err)
    text = str(err)
    wrapped = _WRAPPED.match(text)
    if wrapped is None or wrapped["kind"] != kind.__name__:
        return err
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    at = text.rfind(f"{name}: ", wrapped.end())
    if at < 0:  # raised without a message
        return err
    message = text[at + len(name) + 2:].strip()
    try:
        os_error = _OS_ERROR.fullmatch(message) if issubclass(kind, OSError) else None
        if os_error is None:
            return kind(message)
        return kind(*_os_error_args(os_error))
    except (TypeError, ValueError, SyntaxError):  # a constructor of other arguments: as torch re-raised it
        return err


def _os_error_args(os_error: re.Match[str]) -> list[object]:
    """``OSError``'s constructor arguments back from its message (:data:`_OS_ERROR`): ``(errno, strerror[,
    filename[, None, filename2]])``, so the error names its file again (``err.filename``, which
    :func:`~bgs_hf.errors.environment_error` prints)."""
    args: list[object] = [int(os_error["errno"]), os_error["strerror"]]
    if os_error["filename"]:
        args.append(ast.literal_eval(os_error["filename"]))
    if os_error["filename2"]:
        args += [None, ast.literal_eval(os_error["filename2"])]  # (winerror, filename2)
    return args


#: a Rust ``std::io::Error`` as a Rust-backed library words it: safetensors' ``SafetensorError("Error while
#: serializing: I/O error: No space left on device (os error 28)")``, where it knows the file ``... (os error 2) at
#: path "/out/.tmpX"``
_RUST_IO_ERROR = re.compile(r'(?:.*: )?(?P<strerror>[^:\n]+) \(os error (?P<errno>\d+)\)'
                            r'(?: at path "(?P<filename>[^"\n]*)")?', re.S)


#: torch's writer failing under ``torch.save`` (a checkpoint's ``optimizer.pt``, ``scheduler.pt``, ``rng_state.pth``):
#: a ``RuntimeError`` with no OS error in it, whatever the cause (torch 2.13 on a full disk or ``/dev/full``: the
#: stream's ``basic_ios::clear: iostream error``, replaced by ``unexpected pos 704 vs 598`` when the file is closed;
#: torch's zip writer's own ``PytorchStreamWriter failed writing file data/0: file write failed``)
_TORCH_WRITE_FAILED = re.compile(r"basic_ios::clear: iostream error"
                                 r"|\[enforce fail at inline_container\.cc:\d+\] \. unexpected pos \d+ vs \d+"
                                 r"|PytorchStreamWriter failed writing [^\n]*: file write failed")
#: ``torch.save`` into a folder that is gone (a run folder removed under the run)
_TORCH_NO_FOLDER = re.compile(r"Parent directory (?P<folder>.+) does not exist\.")


def _torch_save_target(err: BaseException) -> str | None:
    """The file ``torch.save`` was writing when ``err`` was raised in it (its ``f``: a path or a file object's
    name), "" where it wrote to an unnamed buffer, None where ``err`` came through no ``torch.save``. Read from the
    traceback's frame because nothing else holds it: torch's writer errors name no file, and the calls are inside
    transformers' Trainer (a checkpoint's ``optimizer.pt``, ``rng_state.pth``), where no code of ours sees which file
    it writes. The frame is also the proof: only an error raised inside ``torch.save`` is taken for a write failure."""
    for frame, _ in traceback.walk_tb(err.__traceback__):
        code = frame.f_code
        if code.co_name == "save" and code.co_filename.replace("\\", "/").endswith("torch/serialization.py"):
            target = frame.f_locals.get("f")
            if isinstance(target, (str, os.PathLike)):
                return os.fspath(target)
            name = getattr(target, "name", None)
            return name if isinstance(name, str) else ""
    return None


def _torch_write_error(err: Exception) -> OSError | None:
    """``torch.save``'s writer failure as an ``OSError`` naming its file: the OS error itself where torch's message
    replaced one a Python file object raised, else "write failed (the disk may be full)" (torch's words say the write
    failed, not why: a full disk, a quota or a device error); a gone folder as ``FileNotFoundError``."""
    lines = str(err).strip().splitlines()
    first = lines[0] if lines else ""
    written = _TORCH_WRITE_FAILED.fullmatch(first)
    no_folder = _TORCH_NO_FOLDER.fullmatch(first)
    if not (written or no_folder):
        return None
    target = _torch_save_target(err)
    if target is None:
        return None
    if no_folder:
        return OSError(errno.ENOENT, os.strerror(errno.ENOENT), target or no_folder["folder"])
    seen: BaseException | None = err.__cause__ or err.__context__
    while seen is not None:  # a file object's write raised it, and torch's message replaced it
        if isinstance(seen, OSError):
            if seen.filename is None and target:
                return OSError(seen.errno, seen.strerror, target) if seen.strerror else seen
            return seen
        seen = seen.__cause__ or seen.__context__
    return OSError(None, "write failed (the disk may be full)", *([target] if target else []))


def os_error_inside(err: BaseException) -> OSError | None:
    """``err`` where it is an ``OSError``, the ``OSError`` a library raised as its own error type, or None: safetensors
    (every ``save_pretrained`` of weights: a checkpoint, the run's adapter, ``pretrain-tiny``, ``push``'s base/) raises
    ``SafetensorError``, and ``torch.save`` (a checkpoint's ``optimizer.pt``) a ``RuntimeError``, no ``OSError``, so a
    full disk while saving weights was a multi-screen traceback with exit status 1. The one test of "the environment's
    error" for :func:`run_guarded` and ``python -m bgs_hf.train``'s per-process lines."""
    if isinstance(err, OSError):
        return err
    if not isinstance(err, Exception):
        return None
    rust = _RUST_IO_ERROR.fullmatch(str(err).strip())
    if rust is None:
        return _torch_write_error(err) if isinstance(err, RuntimeError) else None
    return OSError(int(rust["errno"]), rust["strerror"], *([rust["filename"]] if rust["filename"] else []))


def launch_rank(name: str = "RANK") -> int:
    """This process's ``RANK`` (or ``LOCAL_RANK``) as ``torchrun``/``accelerate launch`` set it; 0 when run alone or
    unreadable (taken for the main process, which says everything)."""
    try:
        return int(os.environ.get(name, "0") or 0)
    except ValueError:
        return 0


def launch_process() -> str:
    """Which process of a launch this is (``rank 3 of 8``; ``local rank 3`` where only ``LOCAL_RANK`` is set), for a
    line only this process prints (an error in the clips it alone loads): on a multi-node or 8-GPU job a bare line
    did not say which node or share of the clips met it. "" for the launch's first process and a run alone, whose
    lines stay as they are."""
    if os.environ.get("RANK", "").strip():
        rank = launch_rank()
        return f"rank {rank} of {launch_rank('WORLD_SIZE')}" if rank else ""
    local = launch_rank("LOCAL_RANK")
    return f"local rank {local}" if local else ""


def configure_logging(verbose: bool) -> None:
    """bgs_hf's INFO lines, other libraries' warnings and errors: with every logger at INFO, a run printed
    sentence-transformers' "Loading SentenceTransformer model from ..." and httpx's every request among ours.
    ``--verbose``: DEBUG for bgs_hf, INFO for the others. INFO from the main process only: ``torchrun``/``accelerate
    launch`` set ``RANK``, and N processes printed every line N times; ``--verbose`` gives DEBUG on every rank.
    bgs_hf's warnings once per machine, like its errors (``bgs_hf.train``; each machine's log has them): every
    process computes the same ones from the same flags and data, so LOCAL_RANK 0 prints them, and the others only
    those about the clips they loaded for their own part of a step (:mod:`bgs_hf._launch`). Other libraries'
    warnings and errors on every rank. (transformers and datasets keep their own loggers' levels.)"""
    rank = launch_rank()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")  # the console handler, unless one is set up
    logging.getLogger().setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("bgs_hf").setLevel(logging.DEBUG if verbose else logging.INFO if rank == 0 else logging.WARNING)
    if launch_rank("LOCAL_RANK") != 0:
        for handler in logging.getLogger().handlers:
            handler.addFilter(SHARED_WARNINGS_ONCE)


_console_owned = False


@contextmanager
def console(verbose: bool) -> Iterator[None]:
    """A command's console: :func:`configure_logging`, and transformers' and datasets' "working" bars off (see
    :mod:`bgs_hf._bars`; ours and the Trainer's step bar stay), and transformers' misleading warning about a process
    group the Trainer does not train in dropped (:class:`~bgs_hf._launch.GroupUnusedWarningDropped`). Every level,
    filter and switch is as it was after, for
    ``main()`` called in-process (tests, a notebook); importing bgs_hf changes none of them. The outermost one owns
    the console: ``bgs-hf --verbose train`` runs ``bgs_hf.train.main``, whose own ``console(False)`` changes nothing."""
    global _console_owned
    if _console_owned:
        yield
        return
    from bgs_hf._bars import third_party_bars_off

    loggers = [logging.getLogger(), logging.getLogger("bgs_hf")]
    levels = [logger.level for logger in loggers]
    filtered = [h for h in logging.getLogger().handlers if SHARED_WARNINGS_ONCE in h.filters]  # by a Python user
    _console_owned = True
    group_unused = logging.getLogger(GROUP_UNUSED_LOGGER)
    try:
        configure_logging(verbose)
        group_unused.addFilter(GROUP_UNUSED_WARNING_DROPPED)
        with third_party_bars_off():
            yield
    finally:
        group_unused.removeFilter(GROUP_UNUSED_WARNING_DROPPED)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        for handler in logging.getLogger().handlers:
            if handler not in filtered:
                handler.removeFilter(SHARED_WARNINGS_ONCE)
        _console_owned = False


def main(argv: list[str] | None = None) -> int:
    """``bgs-hf``: parse ``argv``, run its command on the CLI's console (:func:`console`) and return the exit status
    (:func:`run_guarded`); callable in-process (tests, a notebook), which ``sys.exit`` only wraps. Without ``argv``
    (the ``bgs-hf`` console script, ``python -m bgs_hf.cli.main``) the process is the command and exits without the
    interpreter's last collections (:func:`~bgs_hf._process.exit_without_collecting`); an in-process ``main([...])``
    leaves the collector alone."""
    if argv is None:
        from bgs_hf._process import exit_without_collecting

        exit_without_collecting()
    parser = build_parser()
    parsed: list[argparse.Namespace] = []

    def parse() -> int | None:
        parsed.append(parser.parse_command_line(argv))  # -h, --version and a usage error end here (SystemExit)
        if not getattr(parsed[0], "func", None):
            parser.print_help()
            return 2  # a missing COMMAND is a usage error, like any missing argument (1 means a check failed)
        return None

    # guarded as a command is, so that its help onto a full disk or a closed pipe ends as a command's lines do
    status = run_guarded(parse)
    if not parsed or status:
        return status
    args = parsed[0]

    def command() -> int | None:
        try:
            return args.func(args)
        except BGSInputError as err:  # `val_split 'paper'`, or --no-png for a typed --no_png, reads as another flag
            raise flags_as_typed(err, args.typed_argv) from None

    with console(args.verbose), printed_lines_off_stdout(args):
        return run_guarded(command)


@contextmanager
def printed_lines_off_stdout(args: argparse.Namespace) -> Iterator[None]:
    """A command whose ``--json`` (or ``--png``) is stdout (``--json /dev/stdout | jq``, ``--json - > s.json``,
    ``--png /dev/stdout > plot.png``) prints its own lines on stderr, so stdout holds the JSON (the image) alone: it
    held the command's table, then the JSON, which no JSON reader parses. Any other run prints as before. The file
    itself is written to descriptor 1 (``write_text_atomic``, ``viz.matrices.save_figure``)."""
    paths = (getattr(args, flag, None) for flag in ("json", "png"))
    if not any(path is not None and descriptor_named(path) == 1 for path in paths):
        yield
        return
    if sys.stdout is not None:
        sys.stdout.flush()  # anything printed before (in-process) stays before the JSON
    with redirect_stdout(sys.stderr):
        yield


class Terminated(KeyboardInterrupt):
    """SIGTERM in the CLI's own process, raised like Ctrl-C so that every cleanup runs (the hidden work folders
    of ``synth``/``data export``/``push --local-dir``, a quickstart's benchmark being generated)."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``, a batch scheduler, torchrun stopping ranks) ended the process where it stood:
    no ``finally`` ran, so half-built folders stayed for good. Inside this block the first SIGTERM raises
    :class:`Terminated` in this process; a second one kills it as before (a cleanup that hangs, e.g. on a barrier
    whose peers are gone, is not waited for). Forked workers (render pool, DataLoader) still die at once."""
    owner = os.getpid()

    def on_sigterm(signum: int, frame: object) -> None:
        signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM (or a forked child's first) kills at once
        if os.getpid() != owner:  # a forked child inherited this handler
            os.kill(os.getpid(), signum)
            return
        if isinstance(sys.exc_info()[1], KeyboardInterrupt):
            # Ctrl-C's cleanup is under way: a launcher that forwards Ctrl-C as SIGTERM (`accelerate launch` of one
            # process, on its own SIGINT) had it end as "terminated" (143); a second SIGTERM still kills
            return
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
        installed = True
    except ValueError:  # not the main thread: signals cannot be handled here
        installed = False
    # yielded outside the except: an error of the command would carry that ValueError as its context otherwise
    if not installed:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(line: str) -> None:
    """The CLI's last line, on stderr and on a line of its own: a bar the failure left drawn is closed first."""
    close_open_bars()
    print(line, file=sys.stderr)


#: ``bgs-hf ... | head -1``: the exit status of a process a closed pipe ended, as a shell reports ``seq 1e9 | head -1``'s
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE


def _stdout_reader_gone() -> bool:
    """Whether descriptor 1 is a pipe (socket) whose reading end is closed (``| head -1`` has read its line): poll
    reports an error on it. A broken pipe elsewhere (a network upload) is the environment's error, said as before."""
    import select

    if not hasattr(select, "poll"):
        return False
    try:
        poller = select.poll()
        poller.register(1, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


def _end_quietly_on_closed_stdout() -> int:
    """End as ``cat``/``grep`` do when the reader of their output is gone: no ``error: BrokenPipeError`` line and
    exit status :data:`EXIT_CLOSED_PIPE` (it was that line and exit 2). Python's recipe ("Note on SIGPIPE"): stdout
    goes to devnull, so the interpreter's last flush of what is still buffered fails no more."""
    try:
        close_open_bars()  # (on stderr, which may be the same closed pipe: `2>&1 | head`)
    except OSError:
        pass
    _stdout_to_devnull()
    return EXIT_CLOSED_PIPE


def _stdout_to_devnull() -> None:
    """Point descriptor 1 at devnull: what stdout still buffers, and any later print, is dropped, not failed on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _stdout_named() -> str:
    """How an error line names descriptor 1: "the standard output", with the file it goes to where the system says
    (``> out.txt``, ``> /dev/full``: its path; a pipe has none)."""
    try:
        target = os.readlink("/proc/self/fd/1")  # (Linux; elsewhere the stream alone is named)
    except OSError:
        target = ""
    return f"the standard output ({target})" if target.startswith("/") else "the standard output"


def _raise_stdout_error(err: OSError) -> NoReturn:
    """Raise ``err``, a write or flush of ``sys.stdout`` that failed, again. One that fails otherwise than by its
    reader being gone (a full disk under ``> out.txt``) names the standard output (``error: OSError: No space left on
    device`` named nothing, so read as the disk of the command's own files), and descriptor 1 is pointed at devnull
    first, so the lines it kept fail no second time (said twice, or at exit); a reader gone is left for
    :func:`_stdout_reader_gone` to see."""
    if isinstance(err, BrokenPipeError) and _stdout_reader_gone():
        raise err
    named = err
    if err.filename is None and err.strerror is not None:  # (named before descriptor 1 becomes devnull)
        named = type(err)(err.errno, err.strerror, _stdout_named())
    _stdout_to_devnull()
    if named is err:
        raise err
    raise named from err


def _flush_stdout() -> None:
    """Flush ``sys.stdout``, a failure said as :func:`_raise_stdout_error` says it."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as err:
        _raise_stdout_error(err)


class _StdoutNamingErrors:
    """``sys.stdout`` while a command runs: a write that fails before the last flush (``> /dev/full`` with
    ``PYTHONUNBUFFERED`` set, or a listing longer than the buffer) is said as that flush's failure is (it named no
    file), by :func:`_raise_stdout_error`. The first failure is kept: a command that caught it still fails
    (:func:`_stdout_errors_named`). Anything else is the stream's own."""

    #: what marks one (asked of its type: ``python -m bgs_hf.cli.main`` holds this module twice, as ``__main__`` and
    #: as the ``bgs_hf.cli.main`` that ``bgs_hf.train`` imports, so each has its own class)
    names_stdout_failures = True

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.failure: OSError | None = None

    def _named(self, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except OSError as err:
            try:
                _raise_stdout_error(err)
            except OSError as named:
                self.failure = self.failure or named
                raise

    def write(self, text: str) -> int:
        return self._named(self.stream.write, text)

    def writelines(self, lines: Iterable[str]) -> None:
        self._named(self.stream.writelines, lines)

    def flush(self) -> None:
        self._named(self.stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def _stdout_errors_named() -> Iterator[None]:
    """``sys.stdout`` a :class:`_StdoutNamingErrors` inside the block where it writes to descriptor 1 (not the
    stderr :func:`printed_lines_off_stdout` puts in its place, nor a test's capture). A command that returns after
    its stdout failed (it caught the error) fails with that error: its lines went to devnull; so does one that
    argparse ends (``bgs-hf train -h``: its write's error dropped, the help lost, exit 0), flushed first."""
    stream = sys.stdout
    try:
        on_descriptor_1 = stream is not None and stream.fileno() == 1
    except (OSError, ValueError):  # a StringIO, pytest's capture: no descriptor
        on_descriptor_1 = False
    if not on_descriptor_1:
        yield
        return
    named = _StdoutNamingErrors(stream)
    sys.stdout = named
    try:
        try:
            yield
        except SystemExit:  # argparse's end after what it printed (-h, --version): flushed here, a failure named
            named.flush()  # (left to the interpreter's exit, "Exception ignored ... OSError" and 120)
            if named.failure is None:  # (argparse drops a failed write of its own: `-h > /dev/full` ended 0)
                raise
    finally:
        if sys.stdout is named:  # (a command that replaced it, and did not restore it, keeps its own)
            sys.stdout = stream
    if named.failure is not None:
        raise named.failure


def _stdout_failure_said(err: BaseException) -> None:
    """``err``, a failure of stdout that a command's run has just said (or ended quietly on), is not said again by
    the run around it (``bgs-hf train`` runs ``bgs_hf.train``'s inside its own, :func:`_stdout_errors_named`): a full
    disk's line came twice, and a reader gone, ended quietly inside, was ``error: BrokenPipeError`` outside."""
    stream = sys.stdout
    if _names_stdout_failures(stream) and stream.failure is err:
        stream.failure = None


def _names_stdout_failures(stream: Any) -> bool:
    """Whether ``stream`` is a :class:`_StdoutNamingErrors`, of this module or of its ``__main__`` twin."""
    return getattr(type(stream), "names_stdout_failures", False) is True


def run_guarded(command: Callable[[], int | None], *, process: str = "") -> int:
    """Run a command the CLI way: bad input, a diverged run or the environment is one ``error:`` line (exit 2,
    1, 2), Ctrl-C is "interrupted" (130) and SIGTERM "terminated" (143), both after the command's cleanup; no
    traceback; a stdout whose reader is gone (``| head -1``) ends it quietly, 141. ``python -m bgs_hf.train``
    (torchrun, accelerate) uses it too, with ``process`` (:func:`launch_process`) naming the process whose own
    error it is: ``error: rank 3 of 8: ...``. A process group the command's run started ends with it
    (:func:`~bgs_hf._launch.command_process_group`). A failed command's printed lines are flushed here too
    (:func:`_flush_stdout_at_end`), so its exit status is the one the process ends with."""
    error = f"error: {process}: " if process else "error: "
    status = _guarded_status(command, error)
    _flush_stdout_at_end(error)
    return status


def _flush_stdout_at_end(error: str) -> None:
    """Flush what stdout still holds once a command has ended, whatever its end: nothing after one that succeeded
    (:func:`_guarded_status` flushed it), what a failed or interrupted one printed otherwise. Left to the
    interpreter's exit, a reader gone (``| head``, a ``| tee`` that Ctrl-C ended with the command) printed "Exception
    ignored ... BrokenPipeError" after the error line and made the exit status 120, not the error's 2 (130 for
    Ctrl-C). A reader gone ends it quietly; any other failure (a full disk under ``> out.txt``) is one more
    ``error:`` line. The command's status is kept either way, and stdout goes to devnull, so nothing fails again at
    exit; inside another run (``bgs-hf train`` runs ``bgs_hf.train``'s) that run neither says the failure again nor
    ends 2 on it (:func:`_stdout_failure_said`)."""
    try:
        _flush_stdout()
    except OSError as err:
        _stdout_failure_said(err)
        if not (isinstance(err, BrokenPipeError) and _stdout_reader_gone()):
            _say(f"{error}{environment_error(err)}")  # (:func:`_flush_stdout` names the standard output)
        _stdout_to_devnull()


def _guarded_status(command: Callable[[], int | None], error: str) -> int:
    """:func:`run_guarded`'s command run, its failures said in one line each (``error`` starts the line)."""
    try:
        with _sigterm_as_interrupt(), command_process_group(), _stdout_errors_named():
            status = int(command() or 0)
            _flush_stdout()  # a closed pipe shows here, not as "Exception ignored" at exit
            return status
    except BGSInputError as err:
        _say(f"{error}{_as_raised(err)}")
        return 2
    except BGSDivergedError as err:
        _say(f"{error}{err}")
        return 1
    except OSError as err:  # the environment, not our code: unwritable path, port in use, no network
        _stdout_failure_said(err)
        if isinstance(err, BrokenPipeError) and _stdout_reader_gone():
            return _end_quietly_on_closed_stdout()
        logging.getLogger("bgs_hf.cli.main").debug("command failed", exc_info=True)  # __main__ under python -m
        _say(f"{error}{environment_error(_as_raised(err))}")
        return 2
    except Terminated:
        _say("terminated")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as err:
        os_error = os_error_inside(err)
        if os_error is None:  # a crash: its traceback, too, starts on its own line
            close_open_bars()
            raise
        _stdout_failure_said(os_error)
        if isinstance(os_error, BrokenPipeError) and _stdout_reader_gone():
            return _end_quietly_on_closed_stdout()
        logging.getLogger("bgs_hf.cli.main").debug("command failed", exc_info=True)  # __main__ under python -m
        _say(f"{error}{environment_error(os_error)}")
        return 2
    except BaseException:  # a crash: its traceback, too, starts on its own line
        close_open_bars()
        raise


if __name__ == "__main__":
    sys.exit(main())
