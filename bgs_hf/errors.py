"""One error type for bad user input, so the CLI can print one clear line instead of a traceback."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class BGSInputError(ValueError):
    """Bad user input: a file, a row, a value. ``str(err)`` is a single line naming the file (and row).

    ``whole``: name ``path`` as given, not by its last part: a model or run folder's last part (``eval``, ``model``,
    ``final``) names one of many (``runs/ss/eval`` and ``runs/vjepa/eval``), where a data file's name is enough; a
    Hub model's snapshot folder in huggingface_hub's cache is named by its repo id (:func:`hub_model_named`)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None, row: int | None = None,
                 whole: bool = False) -> None:
        self.path = None if path is None else Path(path)
        self.row = row
        self.detail = message
        where = ""
        if self.path is not None:
            # `.` and `/` have no name: named as given, not as ""
            name = folder_named(self.path) if whole else self.path.name or str(self.path)
            where = name if row is None else f"{name} row {row}"
            where += ": "
        super().__init__((where + message).replace("\n", " "))


_COMMIT = re.compile(r"[0-9a-f]{40}")  # huggingface_hub's REGEX_COMMIT_HASH: a snapshot folder's name


def hub_model_named(path: str | os.PathLike[str]) -> str | None:
    """A path in a Hub model's snapshot folder (``HF_HUB_CACHE/models--ORG--NAME/snapshots/<commit>/base``) as the
    user named it, by the repo id (``ORG/NAME/base``); None for any other path. Why: ``load_model("org/name")`` (and
    ``evaluate --model org/name``, the Space) refused a pushed model naming the cache's snapshot folder, a path the
    user never typed, or its commit alone. Only in huggingface_hub's own cache, where ``snapshot_download`` puts it
    (a 40-hex commit folder): a user's folder merely laid out so (``x/models--mine/snapshots/abc``, a cache folder
    copied) is the path the user must go and fix, and the repo id names another folder."""
    found = hub_model_snapshot(path)
    return None if found is None else "/".join((found[0], *found[2]))


def hub_model_snapshot(path: str | os.PathLike[str]) -> tuple[str, str, tuple[str, ...]] | None:
    """(repo id, commit, parts below the snapshot folder) of a path in huggingface_hub's own cache's snapshot of a
    Hub model, as :func:`hub_model_named` reads it; None for any other path. The commit too: a base published from
    that folder is that repo's weights at that commit, which ``bgs-hf push --include-base`` names."""
    parts = _in_hub_cache(Path(path))
    found = None if parts is None or len(parts) < 3 else hub_snapshot(Path(*parts[:3]), "model")
    return None if found is None else (found[0], found[1], tuple(parts[3:]))


def _in_hub_cache(path: Path) -> tuple[str, ...] | None:
    """``path``'s parts below huggingface_hub's cache folder (``HF_HUB_CACHE``, read now: it is where
    ``snapshot_download`` looks), or None outside it. Compared as written, then with links resolved (a cache reached
    through a link, a path ``resolve``d by its caller), but never ``path``'s last part: a snapshot's files link into
    ``blobs/``."""
    from huggingface_hub import constants

    cache = Path(constants.HF_HUB_CACHE).expanduser()
    pairs = [(Path(os.path.abspath(path)), Path(os.path.abspath(cache)))]
    try:
        pairs.append((path.parent.resolve() / path.name, cache.resolve()))
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte: this names a path in an error, never raises
        pass
    for given, root in pairs:
        if given.is_relative_to(root):
            return given.relative_to(root).parts
    return None


def hub_snapshot(path: str | os.PathLike[str], repo_type: str) -> tuple[str, str, tuple[str, ...]] | None:
    """(repo id, commit folder, parts below it) of a path in huggingface_hub's cache snapshot of a ``repo_type`` repo
    (``.../datasets--ORG--NAME/snapshots/<40-hex commit>/...``), read from the path alone (the cache may be gone
    since); None for any other path. The one reading of the cache's folder names, for models and datasets alike:
    whether the folder is in the cache at all is the caller's question (:func:`hub_model_named`)."""
    parts, prefix = Path(path).parts, f"{repo_type}s--"
    for i in range(len(parts) - 2, 0, -1):  # the innermost ``snapshots`` with a commit folder after it
        if parts[i] == "snapshots" and parts[i - 1].startswith(prefix) and _COMMIT.fullmatch(parts[i + 1]):
            return parts[i - 1].removeprefix(prefix).replace("--", "/", 1), parts[i + 1], parts[i + 2:]
    return None


#: where huggingface_hub's ``--local-dir`` download (``hf download``, ``snapshot_download(local_dir=...)``) records
#: each file it wrote: ``<local dir>/.cache/huggingface/download/<path>.metadata``
LOCAL_DIR_RECORDS = (".cache", "huggingface", "download")


def downloaded_commit(folder: str | os.PathLike[str], relative: str) -> str | None:
    """The commit a ``--local-dir`` download of ``folder`` says its file ``relative`` came from (its record's lines:
    commit, etag, time), None where no record is there or the file was changed since (its mtime more than a second
    after the record's time, huggingface_hub's own test). Read here, beside :func:`hub_snapshot`: the other way
    huggingface_hub lays out what it downloaded."""
    record = Path(folder, *LOCAL_DIR_RECORDS, f"{relative}.metadata")
    try:
        commit, _etag, stamp = record.read_text(encoding="utf-8").splitlines()[:3]
        changed = Path(folder, relative).stat().st_mtime - 1 > float(stamp)
    except (OSError, ValueError):  # no record, a short or damaged one, the file gone
        return None
    return commit if is_commit_hash(commit) and not changed else None


def is_commit_hash(name: object) -> bool:
    """Whether ``name`` is a full git commit hash as huggingface_hub writes one (40 lowercase hex digits): the name
    of a cache snapshot's folder, a download record's first line, a revision a card may pin."""
    return isinstance(name, str) and _COMMIT.fullmatch(name) is not None


def folder_named(path: str | os.PathLike[str]) -> str:
    """A model folder (or a folder in it) as a message or log line names it: a Hub model's snapshot by its repo id
    (:func:`hub_model_named`), any other path as given. Why: ``load_model("org/name")`` and ``evaluate --model
    org/name`` work on the cache's snapshot folder, and their warnings and refusals named that folder, a path the user
    never typed, inside the line as well as before it."""
    return hub_model_named(path) or str(path)


class NoSuchSource(BGSInputError):
    """A path or Hub id given that is not there: bad input (exit 2), with no data to check, where ``data validate``
    and ``data import`` list what is wrong with data that is there (exit 1)."""


def environment_error(err: OSError) -> str:
    """One line for an OS or network failure, as ``bgs-hf`` and the Space's ``app.py`` print it after ``error:``
    (``--verbose`` keeps the traceback in the debug log). A copy's error names both files, as Python writes it
    (``src -> dst``): ``shutil``'s copy onto a full disk sets ``filename`` to the source, so the line named the user's
    file on a disk with room as the one without."""
    what = getattr(err, "strerror", None) or (str(err).splitlines()[0] if str(err) else "failed")
    where = getattr(err, "filename", None)
    if where and getattr(err, "filename2", None):
        where = f"{where} -> {err.filename2}"
    hint = ""
    if type(err).__name__ in ("OfflineModeIsEnabled", "ConnectError", "ConnectionError", "LocalEntryNotFoundError"):
        hint = " (no network, or HF_HUB_OFFLINE is set: this command needs the Hub)"
    return f"{type(err).__name__}: {what}" + (f": {where}" if where else "") + hint


def is_whole(value: Any, *, floats: bool = True) -> bool:
    """Whether ``value`` is a whole number: an integer (numpy's too), and with ``floats`` a finite whole float (4.0),
    never a bool (``True`` was taken as 1 clip or step). The one test of a whole number: behind :func:`whole_number`,
    ``bgs_hf.metrics.bootstrap.check_count`` and every other place that asks (``floats=False`` where 12.0 clips or
    a 2.0 seed is refused, as the synthetic benchmark's counts are). A 0-d torch tensor is read as its number:
    ``n_items=idx.max() + 1`` of an index tensor (a count computed in torch) was refused as no whole number."""
    value = _tensor_number(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return floats and is_finite_real(value) and value == int(value)


def _tensor_number(value: Any) -> Any:
    """A 0-d torch tensor's Python number (``.item()``: a bool tensor gives a bool, refused as one), anything else as
    it is. torch is not imported here: a tensor can only come from a process that imported it."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and value.ndim == 0:
        return value.item()
    return value


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a real number a float holds finite: not a bool, a ``numbers.Real`` (numpy's too), neither
    NaN nor infinite, and an integer within float range. Every setting checked with it is computed with as a float
    (formatted, handed to numpy, ``float()``), so an int beyond float range (10**400) is as unusable as ``inf``;
    ``math.isfinite`` raised OverflowError on it, a traceback where a one-line refusal belonged."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int (or Fraction) beyond float range
        return False


def finite_number(value: Any, name: str, *, above: float | None = None, at_least: float | None = None,
                  note: str = "", error: type[ValueError] = BGSInputError) -> float:
    """``value`` as a float, else the one line ``{name} must be a finite number > 0, got ...`` (``above``) or ``>= 0``
    (``at_least``; ``note`` follows the bound). The one check of a numeric setting, so each refuses what
    :func:`is_finite_real` refuses (True was a loss margin of 1, ``"0.5"`` a temperature) and says it in one wording.
    ``error``: ValueError where a library call raised it before (a config, a loss, ``write_video``)."""
    if is_finite_real(value) and (above is None or value > above) and (at_least is None or value >= at_least):
        return float(value)
    bound = f" > {above:g}" if above is not None else f" >= {at_least:g}" if at_least is not None else ""
    shown = f"{value}" if isinstance(value, numbers.Real) else repr(value)  # text quoted: '5' is not the number 5
    raise error(f"{name} must be a finite number{bound}{note}, got {shown}")


def whole_number(value: Any, what: str, *, least: int | None = None) -> int:
    """``value`` as an ``int`` (a whole float too); a fraction, text, ``None`` or a bool is one line: a rank or width
    of 2.5 failed in torch (``argument 'size' must be tuple of ints``), 2.5 frames were read as 2. Here, beside the
    error, so that ``bgs_hf.video`` (below pandas and the metrics) can check its counts with it. ``least``: the
    smallest value taken; one below it is a line of its own (``FramePolicy.size must be >= 1, got 0``)."""
    if not is_whole(value):
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
    ``RuntimeError`` traceback. ``say`` itself crosses no process, so a worker's refusal ends its traceback with a
    note of how it names its settings (:data:`NAMING_NOTE`, Python 3.11+), and a pickled one carries the same (a
    process pool's): either way the other process still names them as flags. A subclass's own fields stay optional
    for the same rebuild (:class:`~bgs_hf.synth.budget.BudgetError`'s ``needs`` is ``None`` there)."""

    def __init__(self, say: Callable[[Callable[..., str]], str] | str, *,
                 path: str | os.PathLike[str] | None = None, row: int | None = None) -> None:
        self.say = _as_written(say) if isinstance(say, str) else say
        super().__init__(self.say(_python_name), path=path, row=row)
        if _in_dataloader_worker() and hasattr(self, "add_note"):  # add_note: Python 3.11+
            self.add_note(NAMING_NOTE + json.dumps(_portable(self.say)))

    def as_flags(self, sep: str = "_", flags: Mapping[str, str] | None = None) -> BGSSettingError:
        """The same line with each setting named as ``--flag`` (words joined by ``sep``: ``_`` for ``bgs-hf train``,
        ``-`` for the other commands) and each value as typed (``--val_split seeded``, not ``val_split 'seeded'``).
        ``flags`` names the settings whose flag is spelled otherwise (``bgs-hf synth``'s ``n_clips`` is ``--clips``)."""

        def named(setting: str, value: object = None) -> str:
            flag = (flags or {}).get(setting) or "--" + setting.replace("_", sep)
            return flag if value is None else f"{flag} {value}"

        # the same type and fields (a BudgetError keeps its needs): a worker's, rebuilt by torch, is unwrapped by the
        # type its traceback names (``bgs_hf.cli.main``)
        return _rebuilt(type(self), self.say(named), self.path, self.row, self._fields())

    def _fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "say"}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with ``say`` as written out (:func:`_portable`): a ``say`` is mostly a lambda, which pickle refused,
        so a refusal in a process pool's worker reached the caller as a pickling error."""
        return _unpickled, (type(self), *_portable(self.say), self.path, self.row, self._fields())


#: The start of the note a DataLoader worker's :class:`BGSSettingError` ends its traceback with: the line's
#: template and its settings as JSON (:func:`_portable`), read back by :func:`_as_written`.
NAMING_NOTE = "bgs-hf setting names: "


def _in_dataloader_worker() -> bool:
    """Whether torch will hand this error on as text only (its traceback), not as the object."""
    data = sys.modules.get("torch.utils.data")  # only a process that imported torch can be its worker (no import)
    return data is not None and data.get_worker_info() is not None


def _portable(say: Callable[[Callable[..., str]], str]) -> tuple[str, list[list[str | None]]]:
    """``say`` as data another process can read: its line with each setting marked (``\\x00i\\x00``) and, for each,
    ``[setting, repr(value), str(value)]`` (``None`` for both without a value), what the two namings write."""
    settings: list[list[str | None]] = []

    def marked(setting: str, value: object = None) -> str:
        settings.append([setting, None, None] if value is None else [setting, repr(value), f"{value}"])
        return f"\x00{len(settings) - 1}\x00"

    return say(marked), settings


class _Written(str):
    """A setting's value as one process wrote it: ``str`` as typed, ``repr`` as in Python."""

    python: str

    def __new__(cls, text: str, python: str) -> _Written:
        value = super().__new__(cls, text)
        value.python = python
        return value

    def __repr__(self) -> str:
        return self.python


def _rendering(template: str, settings: list[list[str | None]]) -> Callable[[Callable[..., str]], str]:
    """The ``say`` that :func:`_portable` wrote out."""
    parts = re.split("\x00(\\d+)\x00", template)

    def say(named: Callable[..., str]) -> str:
        out = list(parts)
        for i in range(1, len(out), 2):
            setting, python, text = settings[int(out[i])]
            out[i] = named(setting) if python is None else named(setting, _Written(str(text), str(python)))
        return "".join(out)

    return say


def _rebuilt(cls: type[BGSSettingError], say: Callable[[Callable[..., str]], str] | str,
             path: Path | None, row: int | None, fields: dict[str, Any]) -> BGSSettingError:
    """A ``cls`` saying ``say`` with a subclass's own fields as given: its ``__init__`` may take others."""
    err = cls.__new__(cls)
    BGSSettingError.__init__(err, say, path=path, row=row)
    vars(err).update({k: v for k, v in fields.items() if k not in vars(err)})
    return err


def _unpickled(cls: type[BGSSettingError], template: str, settings: list[list[str | None]], path: Path | None,
               row: int | None, fields: dict[str, Any]) -> BGSSettingError:
    return _rebuilt(cls, _rendering(template, settings), path, row, fields)


def _as_written(text: str) -> Callable[[Callable[..., str]], str]:
    """A ``say`` for a line already written: every naming gives it as it is, except where it ends with a worker's
    :data:`NAMING_NOTE` (torch's re-raise of it): its settings are named again, the rest as it is."""
    head, note, data = text.rstrip("\n").rpartition("\n" + NAMING_NOTE)
    if note:
        try:
            say = _rendering(*json.loads(data))
            python = say(_python_name)
        except (ValueError, TypeError, IndexError, KeyError):  # no note of ours
            return lambda named: text
        if head.endswith(python):
            before = head[:len(head) - len(python)]
            return lambda named: before + say(named)
    return lambda named: text


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
