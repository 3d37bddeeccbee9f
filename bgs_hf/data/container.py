"""The one in-memory form of an odd-one-out dataset, whatever file layout it came from.

Clip indices are row positions in ``clips``; every judgment refers to clips by that index, and every
split is a sorted array of such indices. Splits are by clip, never by row: a split's judgments are
the valid ones whose three clips all lie in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bgs_hf._format import count
from bgs_hf.data.splits import inside, mixed_count
from bgs_hf.errors import BGSInputError

if TYPE_CHECKING:
    import datasets

#: for each odd position, the two positions the human kept together.
_KEPT_POSITIONS = np.array([[1, 2], [0, 2], [0, 1]], dtype=np.int64)


@dataclass
class TripletArrays:
    """Valid judgments as plain arrays: what metrics, losses and ceilings consume."""

    idx: np.ndarray  # (n, 3) int64 global clip indices
    odd: np.ndarray  # (n,) int8 position (0/1/2) of the odd-one-out
    participant: np.ndarray  # (n,) int64 participant codes (shared across splits)
    judgment_row: np.ndarray  # (n,) int64 rows in OddOneOutData.judgments

    def __len__(self) -> int:
        return int(self.idx.shape[0])

    def __repr__(self) -> str:
        """Counts, not the four arrays: ``data.triplets("test")`` in a notebook printed every row of them."""
        return (f"TripletArrays({count(len(self), 'judgment')} of {count(np.unique(self.idx).size, 'clip')} by "
                f"{count(np.unique(self.participant).size, 'participant')}; arrays .idx .odd .participant "
                ".judgment_row)")

    def kept_pairs(self) -> np.ndarray:
        """(n, 2) clip indices of the pair the human kept together (the two non-odd clips)."""
        pos = _KEPT_POSITIONS[self.odd.astype(np.int64)]
        return np.take_along_axis(self.idx, pos, axis=1)

    def odd_clip(self) -> np.ndarray:
        """(n,) clip index of the odd-one-out."""
        return self.idx[np.arange(len(self)), self.odd.astype(np.int64)]


def video_fingerprint(path: str | Path) -> str | None:
    """A video file's identity: the sha256 of its content that the decoded-clip cache keys on (``None``:
    unreadable). It tells a clip id's video in one benchmark from the same id's in another (SocialShapes names its
    clips ``ss_0000.mp4``... at every seed)."""
    from bgs_hf.video.cache import file_sha256

    try:
        return file_sha256(path)[:16]
    except (OSError, TypeError, ValueError):
        return None


def video_fingerprints(data: Any, clip_ids: Any = None) -> dict[str, str]:
    """``{clip_id: video_fingerprint}`` of the clips (all, or those of ``clip_ids``) with a readable video file:
    what a run records of the data it trained on, so evaluation can tell that data from another with the same ids."""
    try:
        ids, videos = list(data.clips["clip_id"]), list(data.clips["video"])
    except (AttributeError, KeyError, TypeError, ValueError):  # a data object without video paths
        return {}
    wanted = None if clip_ids is None else set(clip_ids)
    out = {}
    for cid, video in zip(ids, videos):
        if video and (wanted is None or cid in wanted) and (fp := video_fingerprint(video)) is not None:
            out[str(cid)] = fp
    return out


def judges_name(simulated: bool) -> str:
    """Who cast the judgments, as reports and the Space name them."""
    return "simulated observers" if simulated else "humans"


@dataclass
class OddOneOutData:
    """Clips, judgments and clip-level splits held together (see docs/CONTRACTS.md)."""

    clips: datasets.Dataset
    judgments: datasets.Dataset
    splits: dict[str, np.ndarray]
    name: str = "odd-one-out"
    root: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_clips(self) -> int:
        return len(self.clips)

    @property
    def clip_ids(self) -> list[str]:
        return list(self.clips["clip_id"])

    @property
    def simulated_observers(self) -> bool:
        """Whether the judgments come from simulated observers (a SocialShapes instance ships its ground truth),
        not people: reports and the Space must not call them human."""
        return bool(self.meta.get("ground_truth"))

    # ------------------------------------------------------------------ arrays
    def _arrays(self) -> dict[str, np.ndarray]:
        """Judgment columns as numpy, computed once (datasets row access is slow)."""
        if not self._cache:
            import pandas as pd

            cols = self.judgments.select_columns(["clip_a", "clip_b", "clip_c", "odd", "participant", "is_catch"])
            df = cols.to_pandas()
            self._cache["idx"] = df[["clip_a", "clip_b", "clip_c"]].to_numpy(dtype=np.int64)
            self._cache["odd"] = df["odd"].to_numpy(dtype=np.int8)
            self._cache["participant"] = pd.factorize(df["participant"], sort=True)[0].astype(np.int64)
            self._cache["is_catch"] = df["is_catch"].to_numpy(dtype=bool)
        return self._cache

    def split_items(self, split: str | None) -> np.ndarray | None:
        """Sorted clip indices of a split (``fit`` = train ∪ val); ``None`` means all clips. An unknown name is one
        :class:`BGSInputError` line naming the splits there are (``triplets("all")`` was a bare ``KeyError``)."""
        if split is None:
            return None
        if split == "fit":
            return np.union1d(self.splits.get("train", []), self.splits.get("val", [])).astype(np.int64)
        if split not in self.splits:
            raise BGSInputError(f"unknown split {split!r}; choose from {sorted(set(self.splits) | {'fit'})}")
        return np.asarray(self.splits[split], dtype=np.int64)

    def _inside(self, items: np.ndarray | None) -> np.ndarray:
        """Boolean mask over judgments: all three clips in ``items`` (all True for ``None``)."""
        idx = self._arrays()["idx"]
        if items is None:
            return np.ones(len(idx), dtype=bool)
        return inside(idx, items, self.n_clips)

    def triplets(self, split: str | None = None) -> TripletArrays:
        """Valid (non-catch) judgments whose three clips all lie in ``split`` (``None`` = all valid)."""
        a = self._arrays()
        return self._rows(np.flatnonzero(~a["is_catch"] & self._inside(self.split_items(split))))

    def catch_trials(self) -> TripletArrays:
        """The catch trials :meth:`triplets` leaves out (a clip repeated, or flagged): the design's attention check."""
        return self._rows(np.flatnonzero(self._arrays()["is_catch"]))

    def _rows(self, rows: np.ndarray) -> TripletArrays:
        a = self._arrays()
        return TripletArrays(
            idx=a["idx"][rows],
            odd=a["odd"][rows],
            participant=a["participant"][rows],
            judgment_row=rows.astype(np.int64),
        )

    def mixed_judgments(self, split_a: str = "fit", split_b: str = "test") -> int:
        """Valid judgments inside ``split_a`` ∪ ``split_b`` but wholly inside neither: unused by both."""
        a = self._arrays()
        valid_idx = a["idx"][~a["is_catch"]]
        return mixed_count(valid_idx, self.split_items(split_a), self.split_items(split_b), self.n_clips)

    @property
    def n_catch(self) -> int:
        return int(self._arrays()["is_catch"].sum())

    @property
    def n_participants(self) -> int:
        return int(np.unique(self._arrays()["participant"]).size)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self.splits.items())
        return (
            f"OddOneOutData(name={self.name!r}, clips={self.n_clips}, judgments={len(self.judgments)}, "
            f"catch={self.n_catch}, splits[{sizes}])"
        )
