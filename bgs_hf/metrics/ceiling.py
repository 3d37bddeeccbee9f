"""Noise ceilings: how well human similarity can be predicted at all, given how noisy people are.

How well a model can match everyone's p_ij is limited by how reproducible p_ij itself is; each function below
measures that reproducibility a different way, so a report can put a model's number beside it.

* ``split_half_ceiling`` (the paper's; Garcia & Isik, ``../shared/reference/PAPER.md``, "Evaluation"): the
  reliability of p_ij across people. Split participants into two random halves, build p_ij in each, take
  Spearman over the pairs observed in both halves, correct the half-length correlation to full-data length with
  Spearman–Brown (Spearman 1910; Brown 1910: 2r / (1 + r), clipped to [-1, 1]), square keeping the sign, and
  average over ``n_splits`` random splits. It is on the scale of a model's R², which the reports divide by it.
* ``loo_ceiling``: the lower and upper bounds of Nili et al. (2014, PLoS Comput Biol; rsatoolbox's
  ``inference.noise_ceiling``), pooled over participant×pair entries rather than averaged per participant (one
  participant sees each pair a few times at most). Leave one participant out; how well do the others' p_ij agree
  with that participant's own responses (lower bound; upper: everyone's p_ij, the held-out participant included):
  not on the scale of a model's R², which correlates with everyone's p_ij. And how often do the others' p_ij
  predict the held-out odd-one-out choices (3-way and 2-way accuracy with ties broken at random in expectation,
  the accuracy analogue of a ceiling, over the ``n_judgments`` whose three pairs the others saw).
* ``repeat_agreement``: for triplets answered more than once, how often two responses of different
  participants agree (the paper: about 55% in the release), and the best 3-way accuracy any deterministic model
  could reach on them (always predicting the majority), the odd-one-out ceiling of Hebart et al. (2020, Nat Hum
  Behav) from repeated triplets.

Each split ranks p = k/n from one table of the possible fractions (``rsa.FractionRanker``, shared with the
participant bootstrap): no split sorts its pairs anew, and equal fractions (1/2, 2/4) tie exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bgs_hf._bars import delayed_bar
from bgs_hf._format import count
from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.bootstrap import check_ci, check_count, percentile_interval
from bgs_hf.metrics.ooo import ooo_expected_from_sims
from bgs_hf.metrics.rsa import FractionRanker, pearson, signed_square, spearman
from bgs_hf.metrics.similarity import (
    PAIR_COLS,
    as_triplets,
    check_items,
    checked_participants,
    clip_count,
    drop_catch_trials,
    participant_codes,
    participant_column,
    participants_of,
    real_numbers,
)

logger = logging.getLogger(__name__)

#: Fewest pairs seen in both halves, on average over the splits, for a ceiling a report shows (``ceiling_or_nan``).
#: Below it the half-vs-half Spearman is over a handful of p_ij that are mostly 0, 1/2 or 1 and lands on ±1 by
#: chance: a val split of 9 judgments (2.0 pairs in both halves on average, 3 or 4 on the splits that had a
#: correlation) read R² 1.0 [1.0, 1.0]. The demo's test split has 140-220 on every split.
MIN_CEILING_PAIRS = 10


@dataclass
class CeilingResult:
    """Split-half noise ceiling, reported as R² (signed squared Spearman–Brown-corrected rho).

    ``ci`` is the spread of the ceiling over random splits (2.5-97.5% of the per-split R² at ``ci=0.95``), not a
    sampling interval of ``r2``: every split reuses the same participants (``docs/CONTRACTS.md``)."""

    r2: float  # mean of sign(r_sb)·r_sb² over the splits with a correlation
    ci: tuple[float, float]  # percentile range of the per-split R²
    r_sb: float  # mean Spearman–Brown-corrected rho over those splits
    n_splits: int
    n_pairs_both: float  # mean number of pairs observed in both halves
    r2_splits: np.ndarray = field(repr=False)
    r_splits: np.ndarray = field(repr=False)  # raw half-vs-half Spearman per split

    def too_few_pairs(self) -> str | None:
        """Why this ceiling rests on too few pairs to mean anything, or None: under ``MIN_CEILING_PAIRS`` pairs in
        both halves on average, or under half the splits with a correlation (the rest are then the few draws that
        happened to share pairs, not a sample of the splits, as for a bootstrap's resamples)."""
        n_defined = int(np.isfinite(self.r2_splits).sum())
        if self.n_pairs_both >= MIN_CEILING_PAIRS and 2 * n_defined >= self.n_splits:
            return None
        return (f"it rests on {self.n_pairs_both:.1f} pairs seen in both halves on average (at least "
                f"{MIN_CEILING_PAIRS} needed), {n_defined} of {count(self.n_splits, 'split')} giving a correlation")

    def to_dict(self) -> dict[str, Any]:
        return {
            "r2": self.r2,
            "ci": list(self.ci),
            "r_sb": self.r_sb,
            "n_splits": self.n_splits,
            "n_pairs_both": self.n_pairs_both,
        }


@dataclass
class LooCeilingResult:
    """Leave-one-participant-out agreement of each participant with everyone else: the lower (others only) and
    upper (everyone) bounds of Nili et al. (2014), and the others' odd-one-out accuracy on the held-out choices."""

    r_lower: float  # Spearman(own p_ij, others' p_ij), pooled over participant×pair entries
    r_upper: float  # Spearman(own p_ij, everyone's p_ij) (includes the held-out participant)
    r2_lower: float
    r2_upper: float
    ooo_acc_3way: float  # others' p_ij predicting each held-out judgment (ties broken at random, in expectation)
    ooo_acc_2way: float
    n_participants: int
    n_entries: int  # participant×pair entries used for r_lower
    n_judgments: int  # held-out judgments whose three pairs the others observed

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RepeatAgreement:
    """Consistency of repeated responses to the same unordered triplet."""

    agreement: float  # P(two responses to the same triplet name the same odd clip), over the response pairs
    majority_acc_3way: float  # 3-way accuracy of always answering the majority choice (an upper bound)
    n_triplets: int  # distinct triplets answered at least twice
    n_responses: int  # responses to those triplets
    n_response_pairs: int  # the pairs agreement is over: across participants when they are known
    n_same_participant_pairs: int = 0  # pairs of one participant's own responses, left out
    n_triplets_between: int = 0  # of n_triplets, those with a pair agreement is over: 2+ participants when known

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _checked_judgments(trip: Any, odd: Any, participant: Any, n_items: int | None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(idx, odd, participant codes, n_items)`` without catch trials; ``n_items`` checked against the
    triplets (a clip past it would alias another pair's id) before any row is dropped, so an error names the
    row the caller passed."""
    if participant is None:
        participant = participants_of(trip)
    idx, odd = as_triplets(trip, odd)
    if participant is None:
        raise BGSInputError("noise ceilings need a participant per judgment: pass participant= (one per judgment) or "
                            "a judgments table with a participant column")
    participant = checked_participants(participant_column(participant, len(idx)))
    check_items(idx, clip_count(idx, n_items))  # a negative clip too, without n_items
    n_given = len(idx)
    idx, odd, participant = drop_catch_trials(idx, odd, participant, what="the ceiling")
    if not idx.size:  # said why: a small dataset's test split (`synth --clips 40`) holds none, written all the same
        got = (f"got only {count(n_given, 'catch trial')}" if n_given else
               "got none: a split holds only the judgments whose three clips all lie in it, so a small dataset's "
               "test split can hold none (`bgs-hf data stats` counts each split's); use more clips, or a larger test "
               "(or val) fraction")
        raise BGSInputError(f"noise ceilings need at least one judgment of three distinct clips, {got}")
    return idx, odd, participant_codes(participant), clip_count(idx, n_items)


def compact_pair_ids(idx: np.ndarray, n_items: int) -> np.ndarray:
    """(n, 3) ids 0..N(N-1)/2-1 of the unordered pairs (a,b), (a,c), (b,c) (row-major upper triangle): the
    dense form of ``similarity.pair_keys``, so a count per pair is a bincount of half the length."""
    out = np.empty(idx.shape, dtype=np.int64)
    for col, (u, v) in enumerate(PAIR_COLS):
        i = np.minimum(idx[:, u], idx[:, v])
        j = np.maximum(idx[:, u], idx[:, v])
        out[:, col] = i * (2 * n_items - i - 1) // 2 + (j - i - 1)
    return out


def spearman_brown(r: float | np.ndarray) -> float | np.ndarray:
    """Reliability of the full data from the correlation of two halves (Spearman 1910; Brown 1910: a test of
    twice the length), clipped to [-1, 1].

    2r / (1 + r) runs below -1 for r < -1/3 (and to -inf at r = -1): no correlation can, and averaging such
    values would drag a noisy ceiling far below zero while positive splits are only pushed towards 1.
    """
    r = real_numbers(r, "r")  # a tensor that requires grad failed inside torch, text in numpy's float conversion
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(2.0 * r / (1.0 + r), -1.0, 1.0)


def _observed_pair_ids(idx: np.ndarray, n_items: int) -> tuple[np.ndarray, int]:
    """(n, 3) pair ids and how many ids there are: ``compact_pair_ids``, renumbered over the observed pairs only
    when that is fewer, in the same order (the same ranks, the same ceiling). Counting over all N(N-1)/2 pairs in
    each split took 150 s and 8.6 GB for 100 splits of a 20 000-clip dataset's test split (`data stats`, the
    dataset card)."""
    pid = compact_pair_ids(idx, n_items)
    size = n_items * (n_items - 1) // 2
    if size > pid.size:
        _, pid = np.unique(pid, return_inverse=True)
        pid = pid.reshape(idx.shape)
        size = int(pid.max()) + 1
    return pid, size


def _half_vs_half_spearman(
    pid: np.ndarray, odd: np.ndarray, pcode: np.ndarray, n_participants: int, size: int, n_splits: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per random split of the participants into halves: Spearman between the halves' p_ij over the pairs both
    observed (NaN under 3 such pairs), and how many pairs that was. Each half's counts are one bincount, the other
    half's the totals minus it."""
    kept = pid[np.arange(len(pid)), 2 - odd]
    n_tot = np.bincount(pid.ravel(), minlength=size)
    k_tot = np.bincount(kept, minlength=size)
    ranker = FractionRanker(int(n_tot.max()))
    rng = np.random.default_rng(seed)
    r_splits = np.full(n_splits, np.nan)
    n_both = np.zeros(n_splits)
    for s in delayed_bar(range(n_splits), desc="split-half ceiling", disable=n_splits < 20):
        in_first = np.zeros(n_participants, dtype=bool)
        in_first[rng.permutation(n_participants)[: n_participants // 2]] = True
        sel = in_first[pcode]
        n0 = np.bincount(pid[sel].ravel(), minlength=size)
        k0 = np.bincount(kept[sel], minlength=size)
        n1, k1 = n_tot - n0, k_tot - k0
        both = np.flatnonzero((n0 > 0) & (n1 > 0))
        n_both[s] = both.size
        if both.size < 3:
            continue
        r_splits[s] = pearson(ranker.ranks(k0[both], n0[both]), ranker.ranks(k1[both], n1[both]))
    return r_splits, n_both


def split_half_ceiling(
    trip: Any,
    n_items: int | None = None,
    n_splits: int = 100,
    seed: int = 0,
    *,
    odd: Any = None,
    participant: Any = None,
    ci: float = 0.95,
) -> CeilingResult:
    """The paper's split-half noise ceiling: the Spearman between p_ij of two random halves of the participants,
    corrected by Spearman–Brown to the reliability of all participants' p_ij, then squared with its sign (see
    module docstring), the denominator of every "% of ceiling".

    Squaring the corrected rho is the paper's convention. In classical test theory the largest squared correlation
    a model can reach against everyone's p_ij is the reliability itself (r_sb, not r_sb²), so a model can pass this
    ceiling: SocialShapes' own generating similarity (60 clips, seeds 0-2) reaches R² 0.49-0.52 where it reads
    0.44-0.46 (r_sb 0.66-0.68).

    ``trip`` is a TripletArrays (idx, odd, participant) or an (n, 3) idx array with ``odd`` and
    ``participant`` given. Splits with fewer than 3 pairs in both halves yield nan and are ignored. A result that
    rests on too few pairs (``CeilingResult.too_few_pairs``) is kept but warned about; ``ceiling_or_nan`` drops it.

    Example: two participants judge all ten triplets of five clips, first alike, then differing on two triplets (the
    first and the sixth); two participants split one way only, into their two halves::

        >>> import itertools
        >>> from bgs_hf.metrics import split_half_ceiling
        >>> idx = [list(t) for t in itertools.combinations(range(5), 3)]  # (0,1,2), (0,1,3), ... (2,3,4)
        >>> odd_0 = [2, 2, 2, 0, 2, 0, 2, 2, 0, 0]
        >>> odd_1 = [0, 2, 2, 0, 2, 1, 2, 2, 0, 0]
        >>> split_half_ceiling(idx + idx, 5, odd=odd_0 + odd_0, participant=[0] * 10 + [1] * 10).r2  # alike
        1.0
        >>> c = split_half_ceiling(idx + idx, 5, odd=odd_0 + odd_1, participant=[0] * 10 + [1] * 10)
        >>> r = float(c.r_splits[0])  # Spearman of the halves' p over the 10 pairs
        >>> round(r, 4), round(c.r_sb, 4), round(c.r2, 4)  # r_sb = 2r / (1 + r), r2 = r_sb ** 2
        (0.8876, 0.9405, 0.8845)
    """
    check_ci(ci)
    n_splits = check_count(n_splits, "n_splits")
    idx, odd, pcode, n_items = _checked_judgments(trip, odd, participant, n_items)
    n_participants = int(pcode.max()) + 1  # codes run 0..P-1
    if n_participants < 2:
        raise BGSInputError("split-half ceiling needs at least two participants")
    pid, size = _observed_pair_ids(idx, n_items)
    r_splits, n_both = _half_vs_half_spearman(pid, odd, pcode, n_participants, size, n_splits, seed)
    r_sb = spearman_brown(r_splits)
    r2_splits = signed_square(r_sb)
    good = r2_splits[np.isfinite(r2_splits)]
    if not good.size:  # ceiling_or_nan promises a warning for this case, as for one participant
        logger.warning("split-half ceiling: no split of %d gives a correlation (3 or more pairs seen in both halves, "
                       "not all alike): no ceiling", n_splits)
        return CeilingResult(float("nan"), (float("nan"), float("nan")), float("nan"), n_splits,
                             float(n_both.mean()), r2_splits, r_splits)
    res = CeilingResult(
        r2=float(good.mean()),
        ci=percentile_interval(good, ci),
        r_sb=float(np.nanmean(r_sb)),
        n_splits=n_splits,
        n_pairs_both=float(n_both.mean()),
        r2_splits=r2_splits,
        r_splits=r_splits,
    )
    thin = res.too_few_pairs()
    if thin:  # a 9-judgment split read R² 1.0 [1.0, 1.0] without a word
        logger.warning("split-half ceiling R² %.3f means nothing: %s; fits and evaluations show no ceiling (n/a)",
                       res.r2, thin)
    return res


def loo_ceiling(
    trip: Any, n_items: int | None = None, *, odd: Any = None, participant: Any = None
) -> LooCeilingResult:
    """Leave-one-participant-out bounds (Nili et al. 2014; see module docstring): how well the other participants'
    p_ij predict each participant's own choices, as a correlation and as odd-one-out accuracy. One vectorised
    pass over participant×pair entries, no loop over participants."""
    idx, odd, pcode, n_items = _checked_judgments(trip, odd, participant, n_items)
    if int(pcode.max()) < 1:  # left out, no one remains; "everyone" is the one participant: an upper bound of R² 1.0
        raise BGSInputError("leave-one-participant-out ceiling needs at least two participants")
    pid, size = _observed_pair_ids(idx, n_items)  # over all N(N-1)/2 pairs, clip ids of 100000 took 80 GB
    rows = np.arange(len(pid))
    n_tot = np.bincount(pid.ravel(), minlength=size)
    k_tot = np.bincount(pid[rows, 2 - odd], minlength=size)
    # participant×pair entries: how often this participant saw the pair, and kept it
    entry_keys, entry = np.unique((pcode[:, None] * size + pid).ravel(), return_inverse=True)
    entry = entry.reshape(pid.shape)  # the entry of each judgment's three pairs
    n_own = np.bincount(entry.ravel(), minlength=len(entry_keys))
    k_own = np.bincount(entry[rows, 2 - odd], minlength=len(entry_keys))
    entry_pair = entry_keys % size
    n_rest = n_tot[entry_pair] - n_own
    k_rest = k_tot[entry_pair] - k_own
    seen = n_rest > 0
    p_own = k_own / n_own
    with np.errstate(invalid="ignore", divide="ignore"):
        p_rest = np.where(seen, k_rest / np.where(seen, n_rest, 1), np.nan)
    r_lower = spearman(p_own[seen], p_rest[seen])
    r_upper = spearman(p_own, k_tot[entry_pair] / n_tot[entry_pair])
    # held-out judgments, predicted from the others' similarity of their three pairs; those fractions tie
    # often (0, 1/2, 1), and a ceiling that counted ties as wrong fell below simple caption baselines
    others_p = p_rest[entry]
    usable = np.isfinite(others_p).all(axis=1)
    acc3, acc2 = ooo_expected_from_sims(others_p[usable], odd[usable])
    return LooCeilingResult(
        r_lower=r_lower,
        r_upper=r_upper,
        r2_lower=float(signed_square(r_lower)),
        r2_upper=float(signed_square(r_upper)),
        ooo_acc_3way=float(acc3.mean()) if acc3.size else float("nan"),
        ooo_acc_2way=float(acc2.mean()) if acc2.size else float("nan"),
        n_participants=int(len(np.unique(pcode))),
        n_entries=int(seen.sum()),
        n_judgments=int(usable.sum()),
    )


def _n_pairs(counts: np.ndarray) -> int:
    """How many unordered pairs of responses ``counts`` responses make, summed: c(c-1)/2 each."""
    return int((counts * (counts - 1) // 2).sum())


def repeat_agreement(trip: Any, odd: Any = None, participant: Any = None) -> RepeatAgreement:
    """Agreement between repeated responses to the same unordered triplet, between observers: the chance that two
    people answering one triplet name the same odd clip, and the accuracy of always answering each triplet's
    majority, a ceiling of 3-way odd-one-out accuracy that needs no similarity model (Hebart et al. 2020).

    With participants (``participant``, or a ``TripletArrays``' own), a pair of one participant's responses is
    left out: the release holds double-recorded trials (the same triplet twice in a row, answered the same
    way 99.5% of the time) that would pass for agreement between people. Without them every pair counts."""
    if participant is None:
        participant = participants_of(trip)
    idx, odd = as_triplets(trip, odd)
    check_items(idx, clip_count(idx))  # a negative clip was counted as a clip
    if participant is not None:
        participant = checked_participants(participant_column(participant, len(idx)))
        idx, odd, participant = drop_catch_trials(idx, odd, participant, what="repeat agreement")
    else:
        idx, odd = drop_catch_trials(idx, odd, what="repeat agreement")
    # one unordered triplet, one row: its clips sorted (then the odd clip's position among them), grouped as rows;
    # a key a·N² + b·N + c wrapped round int64 for clip ids past 2 million and counted two triplets as one
    odd_clip = idx[np.arange(len(idx)), odd]
    sorted_clips = np.sort(idx, axis=1)
    _, triplet = np.unique(sorted_clips, axis=0, return_inverse=True)
    triplet = triplet.ravel()
    odd_pos = np.argmax(sorted_clips == odd_clip[:, None], axis=1)
    n_triplets = int(triplet.max()) + 1 if triplet.size else 0
    odd_counts = np.bincount(triplet * 3 + odd_pos, minlength=3 * n_triplets).reshape(n_triplets, 3)
    n_answers = odd_counts.sum(axis=1)
    repeated = n_answers >= 2

    same_total = same_agree = 0
    n_between = int(repeated.sum())
    if participant is not None and len(idx):
        pcode = participant_codes(participant)
        n_people = int(pcode.max()) + 1
        cell = (triplet.astype(np.int64) * n_people + pcode) * 3 + odd_pos  # (triplet, person, odd)
        _, same_odd = np.unique(cell, return_counts=True)
        triplet_person, any_odd = np.unique(cell // 3, return_counts=True)
        same_agree, same_total = _n_pairs(same_odd), _n_pairs(any_odd)
        n_between = int((np.bincount(triplet_person // n_people, minlength=n_triplets) >= 2).sum())
    odd_counts, n_answers = odd_counts[repeated], n_answers[repeated]
    pairs_total = _n_pairs(n_answers) - same_total
    pairs_agree = _n_pairs(odd_counts) - same_agree
    return RepeatAgreement(
        agreement=pairs_agree / pairs_total if pairs_total else float("nan"),
        majority_acc_3way=float(odd_counts.max(axis=1).sum() / n_answers.sum()) if n_answers.size else float("nan"),
        n_triplets=int(repeated.sum()),
        n_responses=int(n_answers.sum()),
        n_response_pairs=pairs_total,
        n_same_participant_pairs=same_total,
        n_triplets_between=n_between,
    )


def ceiling_or_nan(trip: Any, n_items: int, *, n_splits: int = 100, seed: int = 0) -> tuple[float, list[float]]:
    """Split-half ceiling R² and CI for reports, or NaN (with a warning) where a split is too small to have
    one (fewer than two participants, or too few pairs seen in both halves: ``CeilingResult.too_few_pairs``): a
    pilot dataset still gets its other numbers, and no "% of ceiling" of a ceiling that means nothing."""
    r2, ci, _ = ceiling_or_why(trip, n_items, n_splits=n_splits, seed=seed)
    return r2, ci


def ceiling_or_why(trip: Any, n_items: int, *, n_splits: int = 100,
                   seed: int = 0) -> tuple[float, list[float], str | None]:
    """:func:`ceiling_or_nan` and why the ceiling is NaN (None when it is not), for a report to print beside its
    n/a: `bgs-hf evaluate` of a pilot said "noise ceiling R² n/a" and the reason went by in the log only."""
    try:
        res = split_half_ceiling(trip, n_items, n_splits=n_splits, seed=seed)
    except BGSInputError as err:
        logger.warning("no noise ceiling: %s", err)
        return float("nan"), [float("nan"), float("nan")], str(err)
    thin = res.too_few_pairs()
    if thin:  # split_half_ceiling has warned, naming the pairs
        return float("nan"), [float("nan"), float("nan")], thin
    return float(res.r2), [float(c) for c in res.ci], None


#: The key, in `bgs-hf baseline`'s and `bgs-hf evaluate`'s JSON, of :func:`human_loo_accuracy`.
HUMAN_ACCURACY_KEY = "human_loo_accuracy"


def human_loo_accuracy(trip: Any, n_items: int, split: str = "test") -> dict[str, Any]:
    """The humans' odd-one-out accuracy on a split, the reference a model's ``ooo_acc_3way`` / ``ooo_acc_2way`` is
    printed beside (`bgs-hf baseline`, `bgs-hf evaluate`): :func:`loo_ceiling`'s others' p_ij predicting each
    held-out choice. It covers only the ``n_judgments`` choices whose three pairs the other participants saw, of
    the split's ``n_choices`` valid judgments, and says so; chance alone said nothing of how far people get.
    JSON-ready: accuracies None, with ``why``, where the split has no such choice (fewer than two participants)."""
    idx, _ = as_triplets(trip, None)
    n_choices = int(len(idx))
    participant = participants_of(trip)
    n_participants = 0 if participant is None or not n_choices else int(len(np.unique(np.asarray(participant))))
    out: dict[str, Any] = {"ooo_acc_3way": None, "ooo_acc_2way": None, "n_judgments": 0, "n_choices": n_choices,
                           "n_participants": n_participants, "why": None}
    if n_participants < 2:  # left out, no one remains to predict the one participant's choices
        out["why"] = (f"the {split} split has judgments from {count(n_participants, 'participant')}; leaving one out "
                      "needs 2 or more")
        return out
    try:
        res = loo_ceiling(trip, n_items)
    except BGSInputError as err:  # no judgment of three distinct clips
        out["why"] = str(err)
        return out
    out["n_judgments"] = res.n_judgments
    if not res.n_judgments:
        out["why"] = (f"none of the {split} split's {count(n_choices, 'choice')} has all three pairs seen by the "
                      "other participants")
        return out
    out["ooo_acc_3way"], out["ooo_acc_2way"] = res.ooo_acc_3way, res.ooo_acc_2way
    return out
