"""On-disk cache of decoded clips, so repeated epochs and runs never decode a video twice.

Keys are the sha256 of the file's bytes plus the policy fields that change decoded pixels (and the entry
format's version), so renamed or moved files still hit and edited files miss. Entries are ``.npy`` (never
pickle) followed by a 40-byte trailer, ``ENTRY_MAGIC`` + the sha256 of the ``.npy`` bytes, written to a temp
file in the same folder, fsynced and ``os.replace``d: a killed writer leaves only a temp file, which readers
never open, and concurrent writers of one entry each replace it whole. Every read checks the checksum, so a
flipped bit, a cut or a zero-length file (a power cut after the rename) is found: the clip is decoded again from
its video, once, with a warning naming both files, and the entry rewritten. A damaged entry is never served and
never raises. The check (sha256) costs 1.4-2.3 ms for a 16-frame 224-px clip, 1-5% of decoding it
(``benchmarks/results/bench_io*.json``: ``bench_io.py`` times checked and unchecked reads in one run).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from bgs_hf._bars import delayed_bar
from bgs_hf._files import save_npy
from bgs_hf.errors import BGSInputError
from bgs_hf.video import decode as _decode
from bgs_hf.video.policy import FramePolicy
from bgs_hf.video.transforms import preprocess, short_side_shape

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20

#: Version of the entry layout, part of every key (``ClipCache.policy_key``): entries of another layout are never
#: opened. 1: plain ``.npy``. 2: ``.npy`` + ``ENTRY_MAGIC`` + sha256 of the ``.npy`` bytes.
CACHE_FORMAT = 2
ENTRY_MAGIC = b"BGSCLIP2"
_TRAILER = len(ENTRY_MAGIC) + hashlib.sha256().digest_size


def _seal(npy: memoryview) -> bytes:
    """The trailer written after an entry's ``.npy`` bytes."""
    return ENTRY_MAGIC + hashlib.sha256(npy).digest()


class _Damaged(Exception):
    """A cache entry whose bytes are not the ones written (one-line reason)."""


def _npy_header(body: memoryview) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """Shape, Fortran order, dtype and data offset of the ``.npy`` bytes ``body``, already read and checked, so the
    frames can be a view of them (no second read or copy); a header numpy cannot read is ``_Damaged``."""
    try:
        header = io.BytesIO(body[: min(len(body), 1 << 16)])
        version = np.lib.format.read_magic(header)
        if version not in ((1, 0), (2, 0)):  # np.save writes 1.0 (2.0 for huge headers), never 3.0
            raise ValueError(f".npy version {version}")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(header)
    except (ValueError, SyntaxError, EOFError, TypeError) as err:
        raise _Damaged(f"unreadable .npy header ({' '.join(str(err).split())})") from None
    return shape, fortran, dtype, header.tell()


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

    def __init__(self, root: str | Path, *, verify: bool = True) -> None:
        self.root = Path(root)
        #: check each entry's checksum on read; ``False`` only to measure what the check costs (bench_io.py)
        self.verify = verify
        self.root.mkdir(parents=True, exist_ok=True)
        # (path, size, mtime_ns, inode) -> sha: re-hash only when the file changes (per process).
        self._sha_memo: dict[tuple[str, int, int, int], str] = {}
        self.hits = 0
        self.misses = 0
        self.rebuilt = 0
        self.write_failed = False
        self.remove_stale_tmp()  # left by killed writers (a Space's decode worker stopped at its deadline)

    @staticmethod
    def _version(p: Path) -> tuple[str, int, int, int]:
        """What tells one version of a file from another without reading it: the hash memo's key."""
        st = p.stat()
        return (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)

    def content_hash(self, path: str | Path) -> str:
        p = _decode.check_file(path)
        memo_key = self._version(p)
        sha = self._sha_memo.get(memo_key)
        if sha is None:
            try:
                sha = self._sha_memo[memo_key] = file_sha256(p)
            except OSError as err:  # unreadable (permissions, I/O): one line, its reason as without a cache
                raise BGSInputError(f"cannot read file ({_decode.error_reason(err)})", path=p) from None
        return sha

    @staticmethod
    def policy_key(policy: FramePolicy) -> str:
        blob = json.dumps({**policy.decode_key(), "cache_format": CACHE_FORMAT}, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def entry_path(self, path: str | Path, policy: FramePolicy) -> Path:
        sha = self.content_hash(path)
        return self.root / sha[:2] / f"{sha}-{self.policy_key(policy)}.npy"

    def get(self, path: str | Path, policy: FramePolicy) -> np.ndarray:
        """Decoded uint8 ``(T,H,W,3)`` frames for ``path`` under ``policy``: from disk, else decode+store.
        A damaged entry is decoded again from ``path`` with one warning, never served; a video that changes while
        it is decoded is not cached (its frames may not be the hashed bytes')."""
        before = self._version(_decode.check_file(path))
        entry = self.entry_path(path, policy)
        try:
            arr = self._read(entry, policy)
        except FileNotFoundError:
            arr = None
        except (_Damaged, OSError) as err:
            reason = err if isinstance(err, _Damaged) else _decode.error_reason(err)
            logger.warning("clip cache entry %s for %s is damaged (%s): decoding the video again", entry,
                           Path(path).name, reason)
            self.rebuilt += 1
            arr = None
        if arr is not None:
            self.hits += 1
            return arr
        self.misses += 1
        arr = _decode.decode_frames(path, policy.num_frames, size=policy.size)
        try:
            changed = self._version(Path(path)) != before
        except OSError:  # gone since: what was decoded is not known to be the hashed bytes either
            changed = True
        if changed:  # its frames may be another video's: stored under the hashed bytes' key, served for them later
            logger.warning("%s changed while it was decoded: its frames are not cached", Path(path).name)
            return arr
        try:
            self._write(entry, arr)
        except OSError as err:  # a full or read-only cache volume costs speed, never the decoded clip
            if not self.write_failed:
                logger.warning("cannot write to the clip cache %s (%s): going on without caching", self.root,
                               _decode.error_reason(err))
            self.write_failed = True
        return arr

    def _read(self, entry: Path, policy: FramePolicy) -> np.ndarray:
        """The frames stored in ``entry``, checked against its checksum and ``policy``'s shape. Raises
        ``FileNotFoundError`` for no entry, ``_Damaged`` or ``OSError`` for one that cannot be served."""
        with open(entry, "rb", buffering=0) as f:
            size = os.fstat(f.fileno()).st_size
            buf = bytearray(size)  # writable, so the frames are too (torch.from_numpy warns on read-only arrays)
            view = memoryview(buf)
            got = 0
            while got < size and (n := f.readinto(view[got:])):
                got += n
        if got != size:
            raise _Damaged(f"{got} of {size} bytes could be read")
        if size < _TRAILER or view[-_TRAILER:-_TRAILER + len(ENTRY_MAGIC)] != ENTRY_MAGIC:
            raise _Damaged(f"cut short or not a clip-cache entry ({size} bytes, no checksum trailer)")
        body = view[:-_TRAILER]
        if self.verify and hashlib.sha256(body).digest() != view[-_TRAILER + len(ENTRY_MAGIC):]:
            raise _Damaged("checksum mismatch: its bytes changed after they were written")
        shape, fortran, dtype, offset = _npy_header(body)
        ok = (
            dtype == np.uint8
            and not fortran
            and len(shape) == 4
            and shape[0] == policy.num_frames
            and shape[3] == 3
            and min(shape[1:3]) == policy.size
            and short_side_shape(*shape[1:3], policy.size) == tuple(shape[1:3])
            and len(body) - offset == math.prod(shape)
        )
        if not ok:
            raise _Damaged(f"unexpected frames {dtype} {tuple(shape)} for {policy.num_frames} frames, short side "
                           f"{policy.size}")
        return np.frombuffer(buf, np.uint8, count=len(body) - offset, offset=offset).reshape(shape)

    def _write(self, entry: Path, arr: np.ndarray) -> None:
        save_npy(entry, arr, prefix=self.TMP_PREFIX, fsync=True, trailer=_seal)

    def warm(self, paths: Sequence[str | Path], policy: FramePolicy, *, progress: bool = True) -> int:
        """Fill the cache for ``paths``; returns how many clips had to be decoded."""
        before = self.misses
        for p in delayed_bar(paths, desc="caching clips", unit="clip", disable=not progress):
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
        for p in delayed_bar(paths, desc="loading clips", unit="clip", disable=not progress)
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
