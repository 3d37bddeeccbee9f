"""Files that appear whole or not at all, with the permissions any other file of the user's would get, and
output folders that never mix two results; the strict JSON every record is written in.

``tempfile.mkstemp`` creates its file 0600; renamed into place as it was, every SocialShapes video and every cache
entry was readable by its owner alone (a benchmark or ``--cache_dir`` in a shared lab folder was unusable by
colleagues).
"""

from __future__ import annotations

import errno
import functools
import glob
import io
import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

logger = logging.getLogger(__name__)


def expand_user(name: str | os.PathLike[str]) -> Path:
    """``Path(name).expanduser()``, or the path as given when its ``~user`` names no user here (``~models/x`` typed
    for ``~/models/x``): pathlib's ``RuntimeError: Could not determine home directory`` was the whole message."""
    try:
        return Path(name).expanduser()
    except RuntimeError:
        return Path(name)


def resolved_if_other(name: str | os.PathLike[str]) -> str | None:
    """Where ``name`` resolves to, where that is not ``name`` as given (``../data/x``: ``/work/data/x``), else None.
    A path that is not there was named by its last part alone (``x: no such folder``), so a relative path run from
    another folder did not say where it was looked for."""
    resolved = str(expand_user(name).resolve())
    return None if os.path.normpath(os.fspath(name)) == resolved else resolved


@functools.cache
def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it; read once, restored at once
    os.umask(mask)
    return mask


def publish(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Give ``tmp`` the mode a newly created file would have (0666 less the umask), then rename it to ``final``."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, final)


def raise_naming_target(err: OSError, hidden: str | os.PathLike[str], target: str | os.PathLike[str], *,
                        unnamed: bool = False) -> None:
    """Raise ``err`` again naming ``target`` where it names the hidden temp file or work folder ``hidden`` that
    ``target`` is built in, and ``target/x`` for ``hidden/x`` (``unnamed``: or no file, as a full disk's write);
    return otherwise, for the caller's bare ``raise``. ``--json`` into a folder that takes no new file said
    ``No such file or directory: /proc/.bgs-partial-x.json-4ebsn_jz.tmp``, a name the user never typed."""
    name, hidden = err.filename, os.fspath(hidden)
    if name is None and unnamed:
        shown = os.fspath(target)
    elif isinstance(name, str) and (name == hidden or name.startswith(hidden + os.sep)):
        shown = os.fspath(target) + name[len(hidden):]
    else:
        return  # a file of the user's, named as it is
    if err.strerror is not None:  # (an error without an errno cannot be rebuilt: kept as it is)
        raise type(err)(err.errno, err.strerror, shown) from err


def mkstemp_for(target: str | os.PathLike[str], **kwargs: Any) -> tuple[int, str]:
    """``tempfile.mkstemp(**kwargs)`` for a temp file that becomes ``target``: a folder that takes no new file is
    named by ``target``, not by mkstemp's random name (a cache entry's ``.tmp-x8k2.npy``, a video's temp file)."""
    try:
        return tempfile.mkstemp(**kwargs)
    except OSError as err:
        raise_naming_target(err, err.filename or "", target, unnamed=True)
        raise


#: the largest descriptor number there can be (a C int): ``/dev/fd/99999999999`` names none
_LAST_DESCRIPTOR = 2**31 - 1
#: the names of this process's open descriptors that need no ``/dev/fd/N`` parse
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_named(path: str | os.PathLike[str]) -> int | None:
    """The open descriptor ``path`` names (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``), else None. Such a
    name is written through the descriptor itself: ``--json /dev/stdout >> all.json`` resolved to ``all.json`` and
    replaced it (its earlier lines, and the command's own printed lines around the JSON, were lost)."""
    name = os.path.abspath(os.fspath(path))
    if name in _STANDARD_STREAMS:
        return _STANDARD_STREAMS[name]
    folder, number = os.path.split(name)
    is_fd_folder = folder in ("/dev/fd", "/proc/self/fd", f"/proc/{os.getpid()}/fd")
    return int(number) if is_fd_folder and number.isascii() and number.isdigit() else None


def flush_standard_streams() -> None:
    """Flush ``sys.stdout`` and ``sys.stderr`` before writing through a descriptor: what was printed comes first."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # (None: started with that descriptor closed)
            stream.flush()


def is_written_in_place(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names an open descriptor (:func:`descriptor_named`) or is there and no regular file (a
    device, a FIFO), so is written as it is. Asked of the path, not of its ``realpath``: ``/dev/stdout`` piped
    resolves to ``/proc/<pid>/fd/pipe:[N]``, a name that is no file, so ``--json /dev/stdout | jq`` tried a temp
    file in ``/proc``."""
    return descriptor_named(path) is not None or (os.path.exists(path) and not os.path.isfile(path))


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """``Path(path).write_text(text)`` through a temp file in the same folder: a run killed or failing mid-write
    (a full disk) leaves the old file or none, never a cut-short record that a later resume, card or report would
    refuse. The file gets the mode a plain write gives it: an existing file keeps its own, a new one 0666 less the
    umask; a symlink's target is written, as by a plain write, and a FIFO or device (``--json /dev/stdout``) is
    written as it is; ``/dev/stdout`` (any open descriptor's name) through the descriptor, so a ``>`` or ``>>``
    redirect gets the JSON where the command's printed lines go. An existing file the user may write in a folder that
    takes no new file is written in place, as by a plain write (nothing else could write it), and so, as by a plain
    write, is left cut short by a full disk or a kill mid-write. A SIGKILL leaves only a hidden temp file; an error
    names ``path``, never the temp file. A ``path`` ending in ``/`` is a folder's name: refused, as by a plain write
    (``out/`` wrote a file named ``out``, and ``s.json/`` replaced the file ``s.json``)."""
    if os.fspath(path).endswith(("/", os.sep)):  # realpath drops the `/`: `out/` became a file named out
        raise IsADirectoryError(errno.EISDIR, "names a folder, not a file", os.fspath(path))
    descriptor = descriptor_named(path)
    if descriptor is not None:  # reopened by name, a redirect's file was truncated or (its realpath) replaced
        flush_standard_streams()  # the lines printed before the JSON come before it
        try:
            if descriptor > _LAST_DESCRIPTOR:  # open() of it was a TypeError (3.11) or OverflowError traceback
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            with open(descriptor, "w", encoding=encoding, closefd=False) as f:
                f.write(text)
        except OSError as err:  # a closed descriptor (``>&-``): its error names no file
            raise_naming_target(err, "", path, unnamed=True)
            raise
        return
    if is_written_in_place(path):  # a FIFO, a device: nothing to replace (and /dev/null must stay)
        try:
            with open(path, "w", encoding=encoding) as f:
                f.write(text)
        except OSError as err:  # a device that fails its writes (`--json /dev/full`): the write's error named no file
            raise_naming_target(err, path, path, unnamed=True)
            raise
        return
    data = text.encode(encoding)  # (a character the encoding lacks: refused before any file is touched)
    write_binary_atomic(path, lambda f: f.write(data))


def write_binary_atomic(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """``write(f)`` into the regular file ``path`` through a hidden temp file in the same folder, renamed into place
    (a figure: matplotlib's ``savefig`` writes straight to its target, so a full disk or a kill mid-write left a
    cut-short PNG), its data fsynced before the rename and its folder after (:func:`_fsync`). The file gets the mode
    a plain write gives it; an existing file the user may write in a folder that takes no new file is written in
    place, as by a plain write. An error names ``path``, never the temp file.
    Streams and devices are the caller's to write as they are (:func:`write_text_atomic` writes them as they are).
    """
    final = Path(os.path.realpath(path))
    try:
        fd, tmp = mkstemp_for(path, dir=final.parent, prefix=f"{WORK_PREFIX}{final.name}-", suffix=".tmp")
    except PermissionError:
        if not (final.is_file() and os.access(final, os.W_OK)):
            raise
        # a file the user may write in a folder that takes no new file (a shared results folder): written in place,
        # as a plain write and ``takes_new_file`` allow (it failed once the work was done)
        try:
            with open(final, "wb") as f:
                write(f)
        except OSError as err:  # a full disk mid-write: its error named no file (and the file is cut short)
            raise_naming_target(err, final, path, unnamed=True)
            raise
        return
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            _fsync(f.fileno())  # its bytes on disk before the rename makes it the file
        try:
            mode = final.stat().st_mode & 0o7777
        except FileNotFoundError:
            publish(tmp, final)
        else:
            os.chmod(tmp, mode)
            os.replace(tmp, final)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise_naming_target(err, tmp, path, unnamed=True)  # a write's ENOSPC names no file
        raise
    _fsync_folder(final.parent)  # the rename itself on disk


#: what ``fsync`` says of a file or folder it cannot flush (a filesystem without it): nothing to do, not a failure
_NO_FSYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF}


def _fsync(fd: int) -> None:
    """``os.fsync(fd)``, skipped where the filesystem has none. Renamed into place unsynced, a file could be empty
    after a power loss or a kernel crash (ext4 without ``auto_da_alloc``, XFS, btrfs): the rename reached the disk
    before the data, and a run's report, ``bgs_config.json`` or figure was a zero-length file. Any other error (an
    ``EIO``; ``ENOSPC`` or ``EDQUOT`` on NFS, which reports them only here) is raised: the data is not on disk."""
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in _NO_FSYNC:
            raise


def _fsync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries, so a rename into it survives a power loss too; best effort (a folder cannot be
    opened for this on Windows, nor synced on some filesystems), since the file itself is already in place."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        _fsync(fd)
    except OSError:
        logger.debug("could not fsync folder %s", folder, exc_info=True)
    finally:
        os.close(fd)


def json_safe(x: Any) -> Any:
    """NaN/inf as null and numpy scalars as Python numbers: strict JSON, as every result file is written (here, not
    in ``bgs_hf.training``, so that evaluation and the CLI write their records without importing the trainer)."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def share(folder: str | os.PathLike[str]) -> None:
    """Give the files directly in ``folder`` (not its sub-folders) that were created owner-only (0600: safetensors'
    ``save_file`` and ``mkstemp`` make them so) the mode any other file of the user's gets."""
    mode = 0o666 & ~_umask()
    for path in Path(folder).iterdir():
        if path.is_file() and not path.is_symlink() and (path.stat().st_mode & 0o777) == 0o600 != mode:
            os.chmod(path, mode)


def save_npy(
    path: Path,
    arr: np.ndarray,
    *,
    prefix: str = ".tmp-",
    fsync: bool = False,
    trailer: Callable[[memoryview], bytes] | None = None,
) -> None:
    """``np.save`` to ``path`` through a temp file in the same folder (no pickle); a killed writer leaves only a
    temp file whose name starts with ``prefix``. ``trailer`` maps the ``.npy`` bytes to bytes written after them
    (a checksum; ``np.load`` ignores them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_for(path, dir=path.parent, prefix=prefix, suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as f:
            if trailer is None:
                np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
            else:
                buf = io.BytesIO()
                np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
                data = buf.getbuffer()
                f.write(data)
                f.write(trailer(data))
                del data  # a live export keeps the BytesIO from being freed
            if fsync:
                f.flush()
                _fsync(f.fileno())
        publish(tmp, path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise_naming_target(err, tmp, path, unnamed=True)  # a write's ENOSPC names no file
        raise


#: the file that makes a folder a saved BGS model (defined here, not in ``bgs_hf.models.loading``, so a command can
#: tell a run folder from a folder of runs without importing torch and peft first)
BGS_CONFIG = "bgs_config.json"
#: hidden folders a result is built in before it appears; a killed run's leftover ones count as nothing
WORK_PREFIX = ".bgs-partial-"


def check_output_folder(path: str | Path | None, flag: str) -> None:
    """A folder a command or the Space writes into (``--report``, ``--cache``, ``BGS_SPACE_CACHE``): refused now
    when it is a file or lies under one."""
    from bgs_hf.errors import BGSInputError

    if path is None:
        return
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BGSInputError(f"{flag} is a file, not a folder", path=path)
    under_a_file(path, flag)


def under_a_file(path: str | Path, flag: str) -> None:
    """Refuse ``path`` when the nearest of its folders that exists is a file (``--json afile/s.json``): found
    before the work, not as a NotADirectoryError / FileExistsError once it is done."""
    from bgs_hf.errors import BGSInputError

    for parent in Path(path).parents:
        if parent.exists():
            if not parent.is_dir():
                raise BGSInputError(f"{flag} cannot be written: {parent.name} is a file, not a folder", path=path)
            return


def takes_new_file(path: str | Path, flag: str) -> None:
    """Refuse ``path`` when the nearest of its folders that exists takes no new file (read-only, another user's,
    ``/proc``): the file is written through a temp file there (:func:`write_text_atomic`), so this was found only
    once the work was done. Tried by creating (and removing) such a temp file: a permission check alone
    (``os.access``) passes root in any folder, ``/proc`` too. A device or FIFO (``/dev/stdout``) is written as it is, and an existing
    file the user may write is written over in place there (matplotlib's ``savefig`` of a ``--png``,
    :func:`write_text_atomic` of a ``--json``): not tried. A symlink into a folder that does not exist (a moved
    results folder) was a FileNotFoundError naming the link once the work was done: refused. An open descriptor's
    name (``/dev/fd/3``) must name one open for writing: a closed one (no ``3>file``) or one open for reading only
    failed once the work was done."""
    from bgs_hf.errors import BGSInputError

    descriptor = descriptor_named(path)
    if descriptor is not None:
        import fcntl  # (POSIX, as descriptor names are)

        try:
            access = fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_ACCMODE
        except (OSError, OverflowError) as err:  # OverflowError: past any descriptor (/dev/fd/99999999999)
            why = getattr(err, "strerror", None) or os.strerror(errno.EBADF)  # (it was the OverflowError traceback)
            raise BGSInputError(f"{flag} {os.fspath(path)} cannot be written: descriptor {descriptor} is not open "
                                f"({why})") from None  # (named as typed: its last part is a number)
        if access == os.O_RDONLY:
            raise BGSInputError(f"{flag} {os.fspath(path)} cannot be written: descriptor {descriptor} is open for "
                                "reading only")
        return
    if is_written_in_place(path) or (os.path.isfile(path) and os.access(path, os.W_OK)):
        return
    target_folder = os.path.dirname(os.path.realpath(path))
    if os.path.islink(path) and not os.path.isdir(target_folder):  # nothing makes a dangling link's folder
        raise BGSInputError(f"{flag} {os.fspath(path)} cannot be written: it is a symlink to {os.readlink(path)}, "
                            f"and its folder {target_folder} does not exist")
    folder = next((p for p in Path(os.path.realpath(path)).parents if p.exists()), None)
    if folder is None or not folder.is_dir():  # a file there: under_a_file's refusal
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=WORK_PREFIX, suffix=".tmp")
    except OSError as err:
        raise BGSInputError(f"{flag} cannot be written: {folder} takes no new file ({err.strerror or err})",
                            path=path) from None
    try:
        os.close(fd)
    finally:  # a Ctrl-C here left the trial file in the user's folder for good
        os.unlink(tmp)


def require_new_folder(path: str | Path, flag: str) -> Path:
    """An output folder must be new or empty: writing over an earlier one would leave its stale files (videos
    of a larger dataset, another run's card) mixed with the new ones, or replace a user's own files."""
    from bgs_hf.errors import BGSInputError

    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(not p.name.startswith(WORK_PREFIX) for p in folder.iterdir())):
        what = "is not a folder" if not folder.is_dir() else "is not empty"
        raise BGSInputError(f"{flag} {what}: choose a new or empty folder (nothing was written)", path=folder)
    under_a_file(folder, flag)
    return folder


def _pid_is_gone(pid: int) -> bool:
    """True only when no process ``pid`` exists here: a folder that may be a live run's is never removed (another
    user's process answers PermissionError; Windows' ``os.kill`` would terminate it, so nothing counts as gone)."""
    if os.name == "nt" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # (OverflowError: beyond any pid)
        return True
    except OSError:
        return False
    return False


def _clear_dead_work_folders(parent: Path, stem: str) -> None:
    """Remove ``parent/<stem><pid>`` folders whose process is gone: a SIGKILLed run (no cleanup runs) left its
    hidden work folder behind for good, and a rerun builds under another pid (gigabytes of a large benchmark).
    ``stem`` is matched as written: a target named ``run[1]`` globbed ``run1``'s work folders, read a live run's pid
    from the wrong offset and removed its folder, and never found its own. Only ASCII digits are a pid: a stray
    ``<stem>²`` passed ``isdigit()`` and stopped the run with ``int()``'s ValueError."""
    for old in parent.glob(glob.escape(stem) + "*"):
        pid = old.name[len(stem):]
        if pid.isascii() and pid.isdigit() and old.is_dir() and not old.is_symlink() and _pid_is_gone(int(pid)):
            logger.info("removing %s, left by a killed run (process %s is gone)", old, pid)
            shutil.rmtree(old, ignore_errors=True)


def clear_dead_work_folders(folder: str | Path) -> None:
    """Remove the work folders inside ``folder`` whose process is gone (as :func:`work_folder` does before building
    there), so code that tidies ``folder`` does not take a killed run's leftover for a file of the user's."""
    _clear_dead_work_folders(Path(folder), WORK_PREFIX)


def work_folder(target: str | Path) -> Path:
    """Where to build a result that must appear at ``target`` only when complete: inside ``target`` when it is
    an existing (empty) folder, so a mount point, a symlinked folder or ``.`` work; beside it otherwise. A killed
    run's leftover work folder for the same ``target`` is removed first."""
    folder = Path(target).resolve()
    if folder.is_dir():
        clear_dead_work_folders(folder)
        return folder / f"{WORK_PREFIX}{os.getpid()}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    _clear_dead_work_folders(folder.parent, f"{WORK_PREFIX}{folder.name}-")
    return folder.parent / f"{WORK_PREFIX}{folder.name}-{os.getpid()}"


def move_into_place(work: Path, target: str | Path) -> Path:
    """Make the finished ``work`` folder (from :func:`work_folder`) the content of ``target``: a killed writer
    leaves only a hidden work folder, never a half-written ``target``. Returns ``target`` as given."""
    folder = Path(target).resolve()
    if work.parent == folder:  # built inside the existing target: move its entries up, then drop it
        for entry in work.iterdir():
            os.replace(entry, folder / entry.name)
        work.rmdir()
    else:
        os.rename(work, folder)
    return Path(target)


@contextmanager
def built_in_place(target: str | Path) -> Iterator[Path]:
    """``with built_in_place(out) as work:`` write the result into ``work``; it becomes ``out`` when the block
    ends, and is removed if the block fails or is interrupted (nothing half-made is left to block a retry)."""
    work = work_folder(target)
    shutil.rmtree(work, ignore_errors=True)
    try:
        yield work
    except BaseException as err:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(err, OSError):  # the work folder (its mkdir) or a file in it: named in ``target``, as typed
            raise_naming_target(err, work, target)
        raise
    try:
        move_into_place(work, target)
    except OSError as err:
        raise_naming_target(err, work, target)
        raise
