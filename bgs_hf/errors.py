"""One error type for bad user input, so the CLI can print one clear line instead of a traceback."""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class BGSInputError(ValueError):
    """Bad user input: a file, a row, a value. ``str(err)`` is a single line naming the file (and row)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None, row: int | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.row = row
        self.detail = message
        where = ""
        if self.path is not None:
            name = self.path.name or str(self.path)  # `.` and `/` have no name: named as given, not as ""
            where = name if row is None else f"{name} row {row}"
            where += ": "
        super().__init__((where + message).replace("\n", " "))


def whole_number(value: Any, what: str, *, least: int | None = None) -> int:
    """``value`` as an ``int`` (a whole float too); a fraction, text, ``None`` or a bool is one line: a rank or width
    of 2.5 failed in torch (``argument 'size' must be tuple of ints``), 2.5 frames were read as 2. Here, beside the
    error, so that ``bgs_hf.video`` (below pandas and the metrics) can check its counts with it. ``least``: the
    smallest value taken; one below it is a line of its own (``FramePolicy.size must be >= 1, got 0``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value != int(value):
        raise BGSInputError(f"{what} must be a whole number, got {value!r}")
    if least is not None and value < least:
        raise BGSInputError(f"{what} must be >= {least}, got {int(value)}")
    return int(value)


class BGSSettingError(BGSInputError):
    """A refused setting. ``say(named)`` writes the one line, naming each setting through ``named(setting)`` or
    ``named(setting, value)``: ``str(err)`` names them as in Python (``val_split 'paper'``), :meth:`as_flags` as a
    command's flags (``--val_split paper``), which is how every command reports it
    (``bgs_hf.cli._parser.flags_as_typed``). For a setting whose flag has another name, see :func:`naming_flag`.

    ``say`` may be the line already written (a ``str``): torch rebuilds a DataLoader worker's error as
    ``type(err)(message)`` (``--dataloader_num_workers N``), and a refusal that took only ``say`` became a
    ``RuntimeError`` traceback. Its settings stay named as written (the worker's ``say`` does not cross processes)."""

    def __init__(self, say: Callable[[Callable[..., str]], str] | str, *,
                 path: str | os.PathLike[str] | None = None, row: int | None = None) -> None:
        self.say = _as_written(say) if isinstance(say, str) else say
        super().__init__(self.say(_python_name), path=path, row=row)

    def as_flags(self, sep: str = "_", flags: Mapping[str, str] | None = None) -> BGSSettingError:
        """The same line with each setting named as ``--flag`` (words joined by ``sep``: ``_`` for ``bgs-hf train``,
        ``-`` for the other commands) and each value as typed (``--val_split seeded``, not ``val_split 'seeded'``).
        ``flags`` names the settings whose flag is spelled otherwise (``bgs-hf synth``'s ``n_clips`` is ``--clips``)."""

        def named(setting: str, value: object = None) -> str:
            flag = (flags or {}).get(setting) or "--" + setting.replace("_", sep)
            return flag if value is None else f"{flag} {value}"

        # still a BGSSettingError: a worker's, rebuilt by torch, is unwrapped by its type (``bgs_hf.cli.main``)
        return BGSSettingError(self.say(named), path=self.path, row=self.row)


def _as_written(line: str) -> Callable[[Callable[..., str]], str]:
    """A ``say`` for a line already written: every naming gives it as it is."""
    return lambda named: line


def _python_name(setting: str, value: object = None) -> str:
    return setting if value is None else f"{setting} {value!r}"


@contextmanager
def naming_flag(flag: str) -> Iterator[None]:
    """A refusal inside the block names ``flag`` first (``--lora_r: LoRA rank r must be >= 1``): the library names
    its own field (``HeadConfig``'s ``dropout``), which a command's user never typed."""
    try:
        yield
    except BGSInputError as err:
        raise BGSInputError(f"{flag}: {err}") from None


#: What torch's CPU allocator says in the plain ``RuntimeError`` it raises when an allocation fails (an accelerator
#: raises ``torch.OutOfMemoryError``, numpy a ``MemoryError``).
CPU_OUT_OF_MEMORY = ("DefaultCPUAllocator", "can't allocate memory", "out of memory")


def is_out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` is a failed allocation: a setting too large for this machine, not a fault of the code."""
    torch = sys.modules.get("torch")  # only a process that imported torch can raise its error (no import here)
    oom = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    if oom is not None and isinstance(err, oom):
        return True
    return isinstance(err, MemoryError) or (
        type(err) is RuntimeError and any(marker in str(err) for marker in CPU_OUT_OF_MEMORY))


@contextmanager
def refusing_out_of_memory(say: Callable[[Callable[..., str]], str]) -> Iterator[None]:
    """A failed allocation inside the block becomes the :class:`BGSSettingError` ``say`` writes (name the setting
    that sized it and a smaller value): it was a page of torch traceback ending in "DefaultCPUAllocator: can't
    allocate memory". Every other error passes unchanged."""
    try:
        yield
    except (RuntimeError, MemoryError) as err:
        if not is_out_of_memory(err):
            raise
        raise BGSSettingError(say) from err


class BGSDivergedError(RuntimeError):
    """Training produced a non-finite loss: stopping beats saving NaN weights. ``str(err)`` is one line."""
