"""On-disk cache of decoded clips, so repeated epochs and runs never decode a video twice.

Keys are the sha256 of the file's bytes plus the policy fields that change decoded pixels, so renamed
or moved files still hit and edited files miss. Entries are plain ``.npy`` (never pickle), written to a
temp file in the same folder, fsynced and ``os.replace``d: a killed writer leaves only a temp file,
which readers never open. An entry that fails to load or has the wrong shape is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from bgs_hf._files import save_npy
from bgs_hf.errors import BGSInputError
from bgs_hf.video import decode as _decode
from bgs_hf.video.policy import FramePolicy
from bgs_hf.video.transforms import preprocess, short_side_shape

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Streamed sha256 of a file's content (constant memory for any file size)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class ClipCache:
    """Decoded, short-side-resized uint8 clips on disk: ``root/<2 hex>/<content sha>-<policy key>.npy``."""

    TMP_PREFIX = ".tmp-"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # (path, size, mtime_ns, inode) -> sha: re-hash only when the file changes (per process).
        self._sha_memo: dict[tuple[str, int, int, int], str] = {}
        self.hits = 0
        self.misses = 0
        self.rebuilt = 0
        self.write_failed = False
        self.remove_stale_tmp()  # left by killed writers (a Space's decode worker stopped at its deadline)

    def content_hash(self, path: str | Path) -> str:
        p = _decode.check_file(path)
        st = p.stat()
        memo_key = (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
        sha = self._sha_memo.get(memo_key)
        if sha is None:
            try:
                sha = self._sha_memo[memo_key] = file_sha256(p)
            except OSError as err:  # unreadable (permissions, I/O): the same one line as without a cache
                raise BGSInputError(f"cannot read file ({_decode._reason(err)})", path=p) from None
        return sha

    @staticmethod
    def policy_key(policy: FramePolicy) -> str:
        blob = json.dumps(policy.decode_key(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def entry_path(self, path: str | Path, policy: FramePolicy) -> Path:
        sha = self.content_hash(path)
        return self.root / sha[:2] / f"{sha}-{self.policy_key(policy)}.npy"

    def get(self, path: str | Path, policy: FramePolicy) -> np.ndarray:
        """Decoded uint8 ``(T,H,W,3)`` frames for ``path`` under ``policy``: from disk, else decode+store."""
        entry = self.entry_path(path, policy)
        if entry.exists():
            arr = self._read(entry, policy)
            if arr is not None:
                self.hits += 1
                return arr
            self.rebuilt += 1
        self.misses += 1
        arr = _decode.decode_frames(path, policy.num_frames, size=policy.size)
        try:
            self._write(entry, arr)
        except OSError as err:  # a full or read-only cache volume costs speed, never the decoded clip
            if not self.write_failed:
                logger.warning("cannot write to the clip cache %s (%s): going on without caching", self.root,
                               _decode._reason(err))
            self.write_failed = True
        return arr

    def _read(self, entry: Path, policy: FramePolicy) -> np.ndarray | None:
        try:
            arr = np.load(entry, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:
            logger.warning("cache entry %s is corrupt (%s); rebuilding", entry.name, err)
            return None
        ok = (
            isinstance(arr, np.ndarray)
            and arr.dtype == np.uint8
            and arr.ndim == 4
            and arr.shape[0] == policy.num_frames
            and arr.shape[3] == 3
            and min(arr.shape[1:3]) == policy.size
            and short_side_shape(*arr.shape[1:3], policy.size) == arr.shape[1:3]
        )
        if not ok:
            logger.warning("cache entry %s has unexpected shape/dtype; rebuilding", entry.name)
            return None
        return arr

    def _write(self, entry: Path, arr: np.ndarray) -> None:
        save_npy(entry, arr, prefix=self.TMP_PREFIX, fsync=True)

    def warm(self, paths: Sequence[str | Path], policy: FramePolicy, *, progress: bool = True) -> int:
        """Fill the cache for ``paths``; returns how many clips had to be decoded."""
        before = self.misses
        for p in tqdm(paths, desc="caching clips", unit="clip", disable=not progress):
            self.get(p, policy)
        return self.misses - before

    def remove_stale_tmp(self, max_age_s: float = 3600.0) -> int:
        """Delete temp files left by killed writers (older than ``max_age_s``); returns the count."""
        now, n = time.time(), 0
        for tmp in self.root.glob(f"*/{self.TMP_PREFIX}*"):
            try:
                if now - tmp.stat().st_mtime > max_age_s:
                    tmp.unlink()
                    n += 1
            except OSError:  # gone already, or another user's in a shared cache
                pass
        return n


def load_clip(path: str | Path, policy: FramePolicy, cache: ClipCache | None = None) -> torch.Tensor:
    """The one way to turn a video file into model input: float32 ``(T,3,crop,crop)``, normalised."""
    if cache is not None:
        frames = cache.get(path, policy)
    else:
        frames = _decode.decode_frames(path, policy.num_frames, size=policy.size)
    return preprocess(frames, policy)


def load_clips(
    paths: Sequence[str | Path],
    policy: FramePolicy,
    cache: ClipCache | None = None,
    *,
    progress: bool = True,
) -> torch.Tensor:
    """``load_clip`` over many files -> ``(B,T,3,crop,crop)``. Holds all clips in memory: for big sets
    call ``cache.warm(paths, policy)`` once and ``load_clip`` per batch instead."""
    clips = [
        load_clip(p, policy, cache)
        for p in tqdm(paths, desc="loading clips", unit="clip", disable=not progress)
    ]
    if not clips:
        return torch.empty(0, policy.num_frames, 3, policy.crop, policy.crop)
    return torch.stack(clips)


class ClipDataset(torch.utils.data.Dataset):
    """Map-style dataset of clip tensors for a ``DataLoader`` (workers each get a copy of the cache
    handle; entries they write are shared on disk)."""

    def __init__(self, paths: Sequence[str | Path], policy: FramePolicy, cache: ClipCache | None = None) -> None:
        self.paths = list(paths)
        self.policy = policy
        self.cache = cache

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> torch.Tensor:
        return load_clip(self.paths[i], self.policy, self.cache)
