"""Which clips each training step embeds, and which judgments and pairs its loss then covers.

BGS is compute-bound by clip forward passes. The paper embeds every clip of every triplet separately
(12 passes for 4 triplets). Here a step embeds a SET of unique clips once; the local loss covers every
training judgment whose three clips lie in the set, and the RSA loss covers every observed pair in it.

:class:`ClipSetSampler` partitions the training clips into clip sets once per epoch (each clip once, the
lower limit of one forward+backward per clip per epoch) by a greedy rule: seed with a few random
judgments, then grow by the clip that completes the most judgments. :class:`PaperV1Sampler` reproduces the
paper's recipe for comparison. Both are pure functions of ``(seed, epoch, step)``, so a resumed run sees
exactly the steps an uninterrupted one would, and every process of a distributed run agrees on the global
step; :func:`shard_rows` then gives each process a disjoint part of it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError, BGSSettingError, is_whole
from bgs_hf.losses._common import check_odd_shape
from bgs_hf.metrics.bootstrap import check_count
from bgs_hf.metrics.similarity import drop_catch_trials, host_array, triplet_indices, whole_numbers

logger = logging.getLogger(__name__)


@dataclass
class StepPlan:
    """One global training step.

    Rows of the step's embedding matrix are ``clips`` (embedded with gradient) followed by
    ``nograd_clips`` (embedded without gradient, paper-v1 only). ``triplets`` and ``pairs`` index those rows.
    """

    clips: np.ndarray  # (M,) int64 global clip indices, embedded with gradient
    triplets: np.ndarray  # (n, 3) int64 row indices
    odd: np.ndarray  # (n,) int64 odd-one-out position 0/1/2
    pairs: np.ndarray  # (P, 2) int64 row indices (RSA pairs)
    human_dist: np.ndarray  # (P,) float32 human distance 1 - p_ij
    nograd_clips: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_rows(self) -> int:
        """Rows of the step's embedding matrix: every clip pass the step costs, with or without gradient."""
        return int(len(self.clips) + len(self.nograd_clips))

    def stats(self) -> dict[str, int]:
        """Cost/coverage counters logged by the trainer (summed over steps in ``trainer_state.json``)."""
        return {
            "clip_passes": self.n_rows,
            "clip_passes_grad": int(len(self.clips)),
            "judgments": int(len(self.triplets)),
            "rsa_pairs_grad": int(len(self.pairs)),
        }


def shard_rows(n_rows: int, world_size: int, rank: int) -> slice:
    """Contiguous, balanced part of ``n_rows`` rows for ``rank`` (sizes differ by at most one)."""
    base, extra = divmod(n_rows, world_size)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (1 if rank < extra else 0))


def balanced_set_sizes(n_clips: int, clips_per_step: int) -> np.ndarray:
    """Sizes of the clip sets of one pass over ``n_clips`` clips: as few sets as ``clips_per_step`` allows
    (0 = one set), sizes differing by at most one, so no process of a run gets an empty part."""
    size = n_clips if clips_per_step == 0 else min(clips_per_step, n_clips)
    n_sets = math.ceil(n_clips / size)
    base, extra = divmod(n_clips, n_sets)
    return np.array([base + (1 if i < extra else 0) for i in range(n_sets)], dtype=np.int64)


def clips_per_step_for(n_clips: int, fewest: int) -> int | None:
    """The smallest ``clips_per_step`` whose every set has at least ``fewest`` clips (balancing can leave sets
    below ``clips_per_step``: 18 clips in steps of 4 are sets of 4, 4, 4, 3, 3); ``None`` if none does."""
    return next((k for k in range(max(fewest, 1), n_clips + 1) if balanced_set_sizes(n_clips, k).min() >= fewest),
                None)


def _no_judgments() -> tuple[np.ndarray, np.ndarray]:
    """(triplets, odd) of a step without the local term."""
    return np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=np.int64)


def _no_pairs() -> tuple[np.ndarray, np.ndarray]:
    """(pairs, human_dist) of a step without the RSA term."""
    return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float32)


def _judged_clips(clips: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The ``clips`` that lie in one of the judgments ``idx``. A training clip in none (its judgments all
    reach into validation or test) has no triplet and no observed pair, so embedding it cost a forward and
    backward per epoch and a slot in a clip set, for no loss term; it is left out, with a warning."""
    judged = np.intersect1d(clips, idx)
    if len(judged) < len(clips):
        logger.warning("%d of the %d training clips are in no training judgment: no step embeds them",
                       len(clips) - len(judged), len(clips))
    if len(judged) == 0:
        raise BGSInputError("no training judgment has its three clips among the training clips")
    return judged


def _checked_clips(clips: Any, n_items: int) -> np.ndarray:
    """The training clips, sorted and unique, refused when empty or outside the data."""
    clips = np.unique(whole_numbers(clips, "training clips"))
    if len(clips) == 0:
        raise BGSInputError("no training clips to sample from (is the train split empty?)")
    if clips[0] < 0 or clips[-1] >= n_items:  # an IndexError; -1 marked the last clip a training one
        raise BGSInputError(f"training clips outside 0..{n_items - 1}: {clips[0] if clips[0] < 0 else clips[-1]}")
    return clips


def _check_step(step: int, n_steps: int) -> None:
    """Refuse a step outside the epoch in one line: paper-v1 returned an empty or partial batch for -1 or ``len``, and
    the clip-set sampler read -1 as its last step."""
    if not 0 <= step < n_steps:
        raise IndexError(f"step {step} is outside this epoch's steps 0..{n_steps - 1}")


def _judgments_inside_clips(idx: np.ndarray, odd: np.ndarray, clips: np.ndarray, n_items: int
                            ) -> tuple[np.ndarray, np.ndarray]:
    """The judgments whose three clips are all training clips: one with a clip outside (validation, test) is no
    training judgment, so neither sampler trains on it nor counts it; the number left out is logged."""
    inside = np.zeros(n_items, dtype=bool)
    inside[clips] = True
    keep = inside[idx].all(axis=1)
    if not keep.all():
        logger.info("%d of the %d judgments have a clip outside the training clips: they are not trained on",
                    int((~keep).sum()), len(keep))
    return idx[keep], odd[keep]


def _as_arrays(triplets: Any, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(idx, odd) from a TripletArrays or an ``(idx, odd)`` tuple, refused unless over clips ``0..n_items-1`` with
    positions 0-2 (paper-v1 took clip 9 of 4 to its first step's IndexError, and odd 5 into its steps), in whole
    numbers and shape ``(n, 3)`` as the metrics take them (clip 1.7 was trained as clip 1, odd 1.7 as 1; the indices
    transposed, ``(3, n)``, were reshaped into judgments no one made), ``odd`` a vector or a column as the losses take
    it (a (1, 3) one-hot of 3 judgments was flattened into their positions). Catch trials (a triplet that
    repeats a clip) are dropped with a logged count, as the metrics and ``data.triplets()`` drop them: paper-v1
    trained on them, a free win (a clip is most similar to itself)."""
    if hasattr(triplets, "idx") and hasattr(triplets, "odd"):
        idx, odd = triplets.idx, triplets.odd
    else:
        idx, odd = triplets
    idx = triplet_indices(idx)
    odd = host_array(odd)  # the shape first, as the losses check it: soft targets were "odd must be whole numbers"
    check_odd_shape(odd, len(idx), error=BGSInputError)
    odd = whole_numbers(odd, "odd").reshape(-1)
    if len(idx) != len(odd):
        raise BGSInputError(f"{len(idx)} triplets but {len(odd)} odd-one-out positions")
    if idx.size and (idx.min() < 0 or idx.max() >= n_items):
        raise BGSInputError(f"triplets name clips outside 0..{n_items - 1}")
    if odd.size and (odd.min() < 0 or odd.max() > 2):
        raise BGSInputError(f"odd-one-out positions must be 0, 1 or 2, got {int(odd[(odd < 0) | (odd > 2)][0])}")
    idx, odd = drop_catch_trials(idx, odd, what="the training judgments")
    return idx, odd


def _read_judgments(triplets: Any, human: Any, seed: Any) -> tuple[int, np.ndarray, np.ndarray, int]:
    """What both samplers start from: the number of clips (the human matrix's side), the checked judgments
    (:func:`_as_arrays`) and the checked ``seed`` as an ``int`` (-1 was numpy's "expected non-negative integer" at the
    first step)."""
    n_items = int(np.asarray(human.mask).shape[0])
    idx, odd = _as_arrays(triplets, n_items)
    return n_items, idx, odd, check_count(seed, "seed", least=0)


class _PairTable:
    """Human distances of observed pairs, looked up for any set of rows."""

    def __init__(self, human: Any) -> None:
        self.mask = np.asarray(human.mask, dtype=bool)
        # an unobserved pair (and the diagonal) has p NaN; ``mask`` keeps it out of every step, so its distance
        # is never read: 1 here only keeps the table free of NaN
        self.dist = (1.0 - np.nan_to_num(np.asarray(human.p, dtype=np.float64), nan=0.0)).astype(np.float32)

    def pairs(self, row_clips: np.ndarray, grad_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Observed pairs (upper triangle) among the rows, with at least one row below ``grad_rows``.

        Duplicate clips (the same clip in two rows) never form a pair: the diagonal is unobserved.
        """
        li, lj = np.triu_indices(len(row_clips), k=1)  # row pairs, li < lj
        has_grad = li < grad_rows  # li is the smaller row, so this is "either row carries a gradient"
        li, lj = li[has_grad], lj[has_grad]
        gi, gj = row_clips[li], row_clips[lj]
        observed = self.mask[gi, gj]
        rows = np.stack([li[observed], lj[observed]], axis=1).astype(np.int64)
        return rows, self.dist[gi[observed], gj[observed]]


class _Coverage:
    """Judgments of a clip set in O(judgments touching the set), not O(all judgments): a study of millions of
    judgments is scanned only where a step's clips are. Held as a clip -> judgments index (CSR): the judgments
    of clip ``c`` are ``judgment_of[start[c]:start[c + 1]]``."""

    def __init__(self, idx: np.ndarray, n_items: int) -> None:
        self.idx = idx
        self.n_items = n_items
        clip_of_slot = idx.ravel()  # slot 3j + k holds clip k of judgment j
        by_clip = np.argsort(clip_of_slot, kind="stable")
        self.judgment_of = by_clip // 3
        self.start = np.searchsorted(clip_of_slot[by_clip], np.arange(n_items + 1))

    def judgments_of(self, clip: int) -> np.ndarray:
        """The judgments naming ``clip`` (once per time it names it)."""
        return self.judgment_of[self.start[clip] : self.start[clip + 1]]

    def covered(self, clip_set: np.ndarray) -> np.ndarray:
        """Judgment rows whose three clips all lie in ``clip_set``, ascending."""
        inside = np.zeros(self.n_items, dtype=bool)
        inside[clip_set] = True
        touching = np.unique(np.concatenate([self.judgments_of(int(c)) for c in clip_set])) if len(clip_set) else []
        touching = np.asarray(touching, dtype=np.int64)
        return touching[inside[self.idx[touching]].all(axis=1)]


class _GreedySet:
    """One clip set being grown; ``gain[c]`` = judgments clip c would complete, ``link[c]`` = judgments it
    would bring to two of three clips. ``free`` is the partition's, updated here as clips are taken; ``alive``
    (judgments no earlier set used a clip of) is the partition's too, only read here: a judgment with a clip in
    an earlier set can never lie wholly in this one, so it scores nothing."""

    def __init__(self, idx: np.ndarray, cov: _Coverage, free: np.ndarray, alive: np.ndarray) -> None:
        n_items = len(free)
        self.idx, self.cov, self.free, self.alive = idx, cov, free, alive
        self.in_set = np.zeros(n_items, dtype=bool)
        self.count = np.zeros(len(idx), dtype=np.int64)  # clips of each judgment inside the set (alive ones only)
        self.gain = np.zeros(n_items, dtype=np.int64)
        self.link = np.zeros(n_items, dtype=np.int64)
        self.chosen: list[int] = []

    def add(self, c: int) -> None:
        """Take clip ``c`` and update the scores of the clips its judgments still miss."""
        self.in_set[c] = True
        self.free[c] = False
        self.chosen.append(c)
        js = self.cov.judgments_of(c)
        js = js[self.alive[js]]
        self.count[js] += 1
        members = self.idx[js]
        missing = ~self.in_set[members]
        now_two, now_one = self.count[js] == 2, self.count[js] == 1
        # a judgment now at two of three: its last clip would complete it (gain), no longer only link it
        completing = members[now_two][missing[now_two]]
        np.add.at(self.gain, completing, 1)
        np.add.at(self.link, completing, -1)
        # a judgment now at one of three: each of its two missing clips would bring it to two
        np.add.at(self.link, members[now_one][missing[now_one]], 1)

    def next_clip(self, rng: np.random.Generator) -> int:
        """The free clip completing the most judgments; among those, the one bringing the most to two of
        three clips (next steps' completions); then at random. The weights keep each rule strictly above
        the next: 0 <= link <= judgments, so 2 * link + random < 4 * judgments + 1, and random < 1 < 2."""
        cand = np.flatnonzero(self.free)
        score = self.gain[cand] * (4 * len(self.idx) + 1) + self.link[cand] * 2 + rng.random(len(cand))
        return int(cand[np.argmax(score)])


@dataclass
class ClipSetSampler:
    """Greedy clip sets covering many judgments; every training clip once per epoch (``passes`` times).

    ``triplets``: training judgments (TripletArrays or ``(idx, odd)``) with global clip indices.
    ``human``: HumanSimilarity built from the same training triplets (so no held-out pair leaks in).
    ``clips``: the training clips (default: every clip of a judgment); those in no judgment among them are
    left out (see :func:`_judged_clips`).
    ``clips_per_step``: global set size (0 = all clips in one step, for the cached-embedding path).
    ``seed_judgments``: random judgments each set starts from, before it grows greedily.
    ``passes``: partitions per epoch, each drawn anew (every clip is embedded ``passes`` times an epoch).
    ``use_local`` / ``use_rsa``: whether the steps carry the set's judgments / its observed pairs.
    """

    triplets: Any
    human: Any
    clips: np.ndarray | None = None
    clips_per_step: int = 32
    seed: int = 0
    seed_judgments: int = 2
    passes: int = 1
    use_local: bool = True
    use_rsa: bool = True

    def __post_init__(self) -> None:
        self.n_items, self._idx, self._odd, self.seed = _read_judgments(self.triplets, self.human, self.seed)
        self.clips = _checked_clips(self._idx if self.clips is None else self.clips, self.n_items)
        # 2.5 clips a step or 1.5 passes were a TypeError or ValueError deep in numpy (NaN, too), True one pass
        if not (is_whole(self.clips_per_step, floats=False) and is_whole(self.passes, floats=False)) \
                or self.clips_per_step < 0 or self.passes < 1:
            raise BGSInputError(f"clips_per_step must be >= 0 and passes >= 1, whole numbers; got {self.clips_per_step!r} "
                                f"and {self.passes!r}")
        self.clips_per_step, self.passes = int(self.clips_per_step), int(self.passes)
        # -1 seeded each set with all but one of the judgments still free: random sets, not the greedy ones
        self.seed_judgments = check_count(self.seed_judgments, "seed_judgments", least=0)
        # no clip set can ever cover a judgment reaching outside the clips; coverage() does not count it
        self._idx, self._odd = _judgments_inside_clips(self._idx, self._odd, self.clips, self.n_items)
        self.clips = _judged_clips(self.clips, self._idx)
        self._cov = _Coverage(self._idx, self.n_items)
        self._pairs = _PairTable(self.human)
        self._sizes = balanced_set_sizes(len(self.clips), self.clips_per_step)
        self._cache: dict[int, list[np.ndarray]] = {}
        self._check_set_sizes()

    def _check_set_sizes(self) -> None:
        """A set of fewer than 3 clips holds no judgment and fewer than 3 pairs (the RSA term's minimum), so
        its step trains nothing: refused when every step is such a set (the run trained nothing and logged
        a loss of 0), a warning when balancing leaves a few."""
        sizes = self.set_sizes()
        fits = clips_per_step_for(len(self.clips), 3)  # not always 3: 4 clips in steps of 3 are sets of 2, 2
        if sizes.max() < 3:
            raise BGSInputError(f"clip sets of {int(sizes.max())} clips hold no judgment and no RSA term, so no step "
                                f"would train: use --clips_per_step {fits} or more (0 = every training clip in one step)")
        if sizes.min() < 3:
            logger.warning("%d of the %d clip sets per epoch have 2 clips and train nothing; --clips_per_step %d or "
                           "more avoids them (it is %d)", int((sizes < 3).sum()), len(sizes), fits, self.clips_per_step)

    def __len__(self) -> int:
        """Steps per epoch."""
        return len(self._sizes) * self.passes

    def step_clip_counts(self) -> np.ndarray:
        """Gradient clips of the steps of an epoch, one count a step (a run needs at least one per process); each
        pass's set sizes, not in step order, which each pass draws anew (:meth:`_partition`)."""
        return np.tile(self.set_sizes(), self.passes)

    def set_sizes(self) -> np.ndarray:
        """Sizes of one pass's clip sets (:func:`balanced_set_sizes`)."""
        return self._sizes.copy()

    def epoch_sets(self, epoch: int) -> list[np.ndarray]:
        """The clip sets of one epoch, in step order (deterministic in ``seed`` and ``epoch``)."""
        if epoch not in self._cache:
            sets: list[np.ndarray] = []
            for p in range(self.passes):
                rng = np.random.default_rng([self.seed, epoch, p])
                sets.extend(self._partition(rng))
            self._cache = {epoch: sets}  # one epoch at a time keeps memory flat on long runs
        return self._cache[epoch]

    def _partition(self, rng: np.random.Generator) -> list[np.ndarray]:
        """One pass's clip sets: every training clip in exactly one, the sizes in random order (so the smaller
        sets of a balanced partition are not always the last steps)."""
        free = np.zeros(self.n_items, dtype=bool)  # clips no set of this pass has taken
        free[self.clips] = True
        alive = np.ones(len(self._idx), dtype=bool)  # judgments with no clip in an earlier set of this pass
        sets = []
        for size in rng.permutation(self.set_sizes()):
            grown = self._grow_set(int(size), rng, free, alive)
            alive &= ~grown.in_set[self._idx].any(axis=1)
            sets.append(np.array(grown.chosen, dtype=np.int64))
        return sets

    def _grow_set(self, size: int, rng: np.random.Generator, free: np.ndarray, alive: np.ndarray) -> _GreedySet:
        """A set of ``size`` free clips: the clips of ``seed_judgments`` random judgments still wholly free (a
        random start, so sets differ across seeds and epochs), then greedily the clip completing the most."""
        grow = _GreedySet(self._idx, self._cov, free, alive)
        wholly_free = np.flatnonzero(alive & free[self._idx].all(axis=1))
        for j in rng.permutation(wholly_free)[: self.seed_judgments]:
            for c in self._idx[j]:
                if free[c] and len(grow.chosen) < size:  # seed judgments may share a clip, or overfill a small set
                    grow.add(int(c))
        while len(grow.chosen) < size:
            grow.add(grow.next_clip(rng))
        return grow

    def plan(self, epoch: int, step: int) -> StepPlan:
        """The :class:`StepPlan` of ``step`` in ``epoch`` (an IndexError outside ``0..len(self) - 1``)."""
        _check_step(step, len(self))
        clips = self.epoch_sets(epoch)[step]
        return self.plan_for(clips)

    def plan_for(self, clips: np.ndarray) -> StepPlan:
        """Covered judgments and observed pairs of an explicit clip set."""
        clips = np.asarray(clips, dtype=np.int64)
        if len(np.unique(clips)) != len(clips):
            raise BGSInputError("a clip set must not repeat clips")
        if self.use_local:
            rows = self._cov.covered(clips)
            row_of_clip = np.full(self.n_items, -1, dtype=np.int64)  # global clip index -> row of the step
            row_of_clip[clips] = np.arange(len(clips))
            trip, odd = row_of_clip[self._idx[rows]], self._odd[rows]
        else:
            trip, odd = _no_judgments()
        pairs, dist = self._pairs.pairs(clips, len(clips)) if self.use_rsa else _no_pairs()
        return StepPlan(clips=clips, triplets=trip, odd=odd, pairs=pairs, human_dist=dist)

    def coverage(self, epoch: int = 0) -> dict[str, float]:
        """Judgments covered per epoch and per clip pass (what the benchmarks compare)."""
        plans = [self.plan(epoch, s) for s in range(len(self))]
        passes = sum(len(p.clips) for p in plans)
        covered = sum(len(p.triplets) for p in plans)
        return {
            "steps": len(plans),
            "clip_passes": passes,
            "judgments_covered": covered,
            "judgments_total": len(self._idx),
            "judgments_per_clip_pass": covered / max(passes, 1),
            "rsa_pairs": sum(len(p.pairs) for p in plans),
        }


@dataclass
class PaperV1Sampler:
    """The paper's recipe: batches of ``triplets_per_step`` judgments, each clip of each triplet embedded
    separately (3 rows per triplet); on ``rsa_per_epoch`` evenly spaced steps an RSA term over
    ``rsa_clips`` random training clips, of which ``rsa_grad_clips`` carry gradients (the rest are embedded
    without gradient), on the observed pairs with at least one gradient clip (at most 123 for 24/6).

    ``clips``: the training clips (default: every clip of a judgment); as in :class:`ClipSetSampler`, a judgment with
    a clip outside them is not trained on, and the RSA clips are drawn among those in a judgment left.
    ``min_step_clips`` (the number of processes): a last, partial batch with fewer clips than that joins the
    step before it, so every process gets a clip and no judgment is skipped."""

    triplets: Any
    human: Any
    clips: np.ndarray | None = None
    triplets_per_step: int = 4
    rsa_per_epoch: int = 6
    rsa_clips: int = 24
    rsa_grad_clips: int = 6
    seed: int = 0
    use_local: bool = True
    use_rsa: bool = True
    min_step_clips: int = 1

    def __post_init__(self) -> None:
        # 2.5 judgments a step were a TypeError at the first step (NaN a ValueError), 2.5 RSA terms an epoch taken as 3
        if not is_whole(self.triplets_per_step, floats=False):
            raise BGSSettingError(lambda n: f"{n('triplets_per_step')} must be a whole number, got {self.triplets_per_step!r}")
        if not is_whole(self.rsa_per_epoch, floats=False):
            raise BGSSettingError(lambda n: f"{n('rsa_per_epoch')} must be a whole number, got {self.rsa_per_epoch!r}")
        if self.triplets_per_step < 1:  # the epoch's steps are its judgments divided by it
            raise BGSSettingError(lambda n: f"{n('triplets_per_step')} must be at least 1, got {self.triplets_per_step}")
        self.triplets_per_step, self.rsa_per_epoch = int(self.triplets_per_step), int(self.rsa_per_epoch)
        self.n_items, self._idx, self._odd, self.seed = _read_judgments(self.triplets, self.human, self.seed)
        # -1 was numpy's "negative dimensions are not allowed"; -1 gradient clips took all but one RSA clip
        self.rsa_clips = check_count(self.rsa_clips, "rsa_clips", least=0)
        self.rsa_grad_clips = check_count(self.rsa_grad_clips, "rsa_grad_clips", least=0)
        if len(self._idx) == 0:
            raise BGSInputError("no training judgments (is the train split empty?)")
        # the RSA clips are drawn from these: a clip in no judgment has no observed pair
        if self.clips is None:
            self.clips = np.unique(self._idx)
        else:  # the batches, too, hold only judgments inside them (every judgment given was trained on)
            self.clips = _checked_clips(self.clips, self.n_items)
            self._idx, self._odd = _judgments_inside_clips(self._idx, self._odd, self.clips, self.n_items)
            self.clips = _judged_clips(self.clips, self._idx)
        self._pairs = _PairTable(self.human)
        self._orders: dict[int, np.ndarray] = {}
        self._n_steps = math.ceil(len(self._idx) / self.triplets_per_step)
        last_batch = len(self._idx) - (self._n_steps - 1) * self.triplets_per_step  # 1..triplets_per_step judgments
        if self.use_local and self._n_steps > 1 and 3 * last_batch < self.min_step_clips:
            self._n_steps -= 1  # the remainder joins the last full batch (see _step_rows and plan)

    def __len__(self) -> int:
        """Steps per epoch."""
        return self._n_steps

    def _step_rows(self) -> np.ndarray:
        """Judgments per step (every step but the last has ``triplets_per_step``; the last takes the rest)."""
        rows = np.full(len(self), self.triplets_per_step, dtype=np.int64)
        rows[-1] = len(self._idx) - (len(self) - 1) * self.triplets_per_step
        return rows

    def step_clip_counts(self) -> np.ndarray:
        """Gradient clips of each step of an epoch (a run needs at least one per process)."""
        clips = 3 * self._step_rows() if self.use_local else np.zeros(len(self), dtype=np.int64)
        clips[self.rsa_steps()] += min(self.rsa_grad_clips, self.rsa_clips, len(self.clips))  # as plan draws them
        return clips

    def rsa_steps(self) -> np.ndarray:
        """Steps of an epoch that add the RSA term (evenly spaced, starting at 0)."""
        if not self.use_rsa or self.rsa_per_epoch <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.floor(np.arange(self.rsa_per_epoch) * len(self) / self.rsa_per_epoch).astype(np.int64))

    def _epoch_order(self, epoch: int) -> np.ndarray:
        """The epoch's judgment order (deterministic in ``seed`` and ``epoch``), drawn once per epoch: drawn per
        step, a THINGS-sized study (millions of judgments, a step per 4) permuted them all at every step."""
        if epoch not in self._orders:
            self._orders = {epoch: np.random.default_rng([self.seed, epoch]).permutation(len(self._idx))}
        return self._orders[epoch]  # one epoch at a time keeps memory flat on long runs

    def _batch(self, epoch: int, step: int) -> np.ndarray:
        """The judgment rows of ``step``: its slice of the epoch's order (the last step takes the rest)."""
        stop = (step + 1) * self.triplets_per_step if step < len(self) - 1 else len(self._idx)
        return self._epoch_order(epoch)[step * self.triplets_per_step : stop]

    def _draw_rsa_clips(self, epoch: int, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(gradient, no-gradient) clips of an RSA step: ``rsa_clips`` training clips drawn without replacement, the
        first ``rsa_grad_clips`` of them with gradient; its own generator, so the draw does not depend on the
        judgment order or on which steps were planned before."""
        rng = np.random.default_rng([self.seed, epoch, step, 1])
        pick = rng.choice(self.clips, size=min(self.rsa_clips, len(self.clips)), replace=False)
        return pick[: self.rsa_grad_clips], pick[self.rsa_grad_clips :]

    def plan(self, epoch: int, step: int) -> StepPlan:
        """The :class:`StepPlan` of ``step`` in ``epoch``: its batch's clips, three rows per judgment (a clip in two
        judgments is embedded twice, as in the paper), then on an RSA step the RSA gradient clips (an IndexError
        outside ``0..len(self) - 1``)."""
        _check_step(step, len(self))
        rows = self._batch(epoch, step)
        if self.use_local:
            clips = self._idx[rows].reshape(-1)
            trip = np.arange(3 * len(rows), dtype=np.int64).reshape(-1, 3)
            odd = self._odd[rows]
        else:
            clips = np.zeros(0, dtype=np.int64)
            trip, odd = _no_judgments()
        nograd = np.zeros(0, dtype=np.int64)
        pairs, dist = _no_pairs()
        if step in set(self.rsa_steps().tolist()):
            grad, nograd = self._draw_rsa_clips(epoch, step)
            # pairs among the RSA clips only (never with the batch's), with at least one gradient clip; their rows
            # follow the batch's in the step's embedding matrix
            rsa_pairs, dist = self._pairs.pairs(np.concatenate([grad, nograd]), len(grad))
            pairs = rsa_pairs + len(clips)
            clips = np.concatenate([clips, grad])
        return StepPlan(clips=clips.astype(np.int64), triplets=trip, odd=odd.astype(np.int64),
                        pairs=pairs, human_dist=dist, nograd_clips=nograd.astype(np.int64))
