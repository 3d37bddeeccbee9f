"""Files that appear whole or not at all, with the permissions any other file of the user's would get, and
output folders that never mix two results.

``tempfile.mkstemp`` creates its file 0600; renamed into place as it was, every SocialShapes video and every cache
entry was readable by its owner alone (a benchmark or ``--cache_dir`` in a shared lab folder was unusable by
colleagues).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import numpy as np


@functools.cache
def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it; read once, restored at once
    os.umask(mask)
    return mask


def publish(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Give ``tmp`` the mode a newly created file would have (0666 less the umask), then rename it to ``final``."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, final)


def save_npy(path: Path, arr: np.ndarray, *, prefix: str = ".tmp-", fsync: bool = False) -> None:
    """``np.save`` to ``path`` through a temp file in the same folder (no pickle); a killed writer leaves only a
    temp file whose name starts with ``prefix``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def require_new_folder(path: str | Path, flag: str) -> Path:
    """An output folder must be new or empty: writing over an earlier one would leave its stale files (videos
    of a larger dataset, another run's card) mixed with the new ones, or replace a user's own files."""
    from bgs_hf.errors import BGSInputError

    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "is not a folder" if not folder.is_dir() else "is not empty"
        raise BGSInputError(f"{flag} {what}: choose a new or empty folder (nothing was written)", path=folder)
    return folder


def move_into_place(work: Path, target: Path) -> Path:
    """Rename the finished folder ``work`` to ``target`` (new or empty), so ``target`` only ever holds a complete
    result: a killed writer leaves a hidden ``work`` folder, never a half-written ``target``."""
    if target.is_dir():
        target.rmdir()  # empty (checked by require_new_folder before the work began)
    os.rename(work, target)
    return target
