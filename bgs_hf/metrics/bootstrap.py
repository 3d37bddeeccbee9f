"""Bootstrap confidence intervals over clips or participants, and paired model comparisons.

Resampling *clips* asks "would this hold for other clips like these?": clips are drawn with
replacement, and a pair (i, j) of distinct clips then appears m_i·m_j times (m = how often each clip
was drawn), exactly as if the duplicated clips were separate stimuli; pairs of a clip with its own copy
carry no human similarity and are left out (rsatoolbox does the same). A judgment over (a, b, c)
likewise counts m_a·m_b·m_c times. Resampling *participants* asks "would this hold for other people?":
each participant's judgments count as often as the participant was drawn, and human similarity is
rebuilt from the reweighted judgments. The two answer different questions, and neither interval covers both
sources of variance (Schütt et al. 2023, eLife, "Statistical inference on representational geometries", the
rsatoolbox paper); reports use clips, the default, since a model is compared with people on new videos.

Intervals are plain percentile intervals of the resampled statistic (Efron & Tibshirani 1993): accuracies and R²
are bounded, and near a bound their resampling distribution is skewed, which a percentile interval follows and a
normal one does not; one rule then serves every statistic here. A resample is a vector of multiplicities
(``_Design.draw``) applied to the full data's pairs or judgments; its Spearman is ranked from the full data's one
sort (``rsa.code_ranks``), bit for bit the ranks of the resample's own values: a resample at THINGS scale is about
5x faster than sorting it anew (``benchmarks/bench_stats.py``, its ``bootstrap`` block). Paired tests draw both
models' statistics from the same resample and give the add-one p of Davison & Hinkley (1997): (count + 1) / (n + 1),
never 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bgs_hf._bars import delayed_bar
from bgs_hf.errors import BGSInputError, is_finite_real, is_whole
from bgs_hf.metrics.ooo import ooo_2way_from_sims, ooo_3way_from_sims, triplet_sims
from bgs_hf.metrics.rsa import (
    FractionRanker,
    OrderCodes,
    code_ranks,
    model_pair_values,
    pearson,
    signed_square,
    spearman,
)
from bgs_hf.metrics.similarity import (
    HumanSimilarity,
    as_triplets,
    check_human,
    checked_participants,
    clip_count,
    drop_catch_trials,
    host_array,
    human_similarity,
    item_indices,
    matrix_clip_count,
    pair_index,
    pair_keys,
    participant_codes,
    participant_column,
    participants_of,
    real_number,
)

PAIR_STATS = ("r2", "rsa_spearman", "rsa_pearson")
JUDGMENT_STATS = ("ooo_acc_3way", "ooo_acc_2way")
STATS = PAIR_STATS + JUDGMENT_STATS

logger = logging.getLogger(__name__)


@dataclass
class BootstrapResult:
    """Point estimate on the full data plus a percentile interval over resamples."""

    estimate: float
    low: float
    high: float
    ci: float
    over: str
    stat: str
    samples: np.ndarray = field(repr=False)

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass
class PairedBootstrapResult:
    """Difference stat(a) − stat(b) on the same resamples, with a two-sided bootstrap p-value."""

    diff: float
    low: float
    high: float
    p_value: float
    ci: float
    over: str
    stat: str
    samples_a: np.ndarray = field(repr=False)
    samples_b: np.ndarray = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The JSON row the suite writes: ``n_boot`` is the finite resamples the p counts (it is never below
        2/(n_boot+1); the report says so); ``n_tied`` those with no difference, which count on both sides of 0, so a
        few judgments that differ give p = 1: no evidence."""
        d = self.samples_a - self.samples_b
        return {"diff": self.diff, "ci": [self.low, self.high], "p_value": self.p_value,
                "n_boot": int(np.isfinite(d).sum()), "n_tied": int((d == 0).sum())}


def positive_ceiling(r2: Any) -> bool:
    """Whether ``r2`` can be the denominator of :func:`pct_of_ceiling` (a finite number > 0): only then is a noise
    ceiling "100%" of itself in a table."""
    r2 = host_array(r2)  # a 0-d tensor read as its number (it read False: no number)
    real = r2.ndim == 0 and r2.dtype.kind in "iuf"  # np.float32 too (it read False); never a bool or text
    return bool(np.isfinite(pct_of_ceiling(r2, r2))) if real else False


def ceiling_disagreement(judges: str) -> str:
    """What a finite noise ceiling at or below 0 says of its split, for a text that explains its n/a: the two halves
    of ``judges`` do not agree. Too few judgments, or judges who judge differently, can each make it so; nothing
    checks which, so no text names either (report.md blamed "so few test judgments" whatever their number)."""
    return f"the two halves of {judges} do not agree"


#: Which seed a run's recorded ceiling was drawn with, as the model card and the Space (showing the same run) say it.
RUN_SEED_DRAW = "the run's training seed, as `bgs-hf evaluate` of this model draws them"


def ceiling_seed_note(seed: int, whose: str = RUN_SEED_DRAW) -> str:
    """The sentence naming the seed that drew a noise ceiling's split-halves (``whose``: which seed that is), and for
    a seed other than 0 that a dataset card and `bgs-hf data stats` (seed 0) can state another ceiling of the same
    judgments. Why one sentence: the card said it, but evaluation.md and the Space showed a ceiling without its seed,
    so two runs' ceilings of the same judgments differed for no reason a reader could see."""
    other = ("; a dataset card and `bgs-hf data stats` draw them with seed 0 (`bgs-hf data stats --seed N` with N; "
             "`data export`/`data push --seed` is the train/test draw's), so they can state a slightly different "
             "ceiling for the same judgments") if seed != 0 else ""
    return f"The ceiling's split-halves were drawn with seed {seed}, {whose}{other}."


def recorded_seed_note(record: dict[str, Any], whose: str) -> str | None:
    """:func:`ceiling_seed_note` for a scored record (evaluation.json, the quickstart's report.json: its
    ``noise_ceiling_r2`` and ``seed``); None where no ceiling was estimated or no whole seed was recorded. The one
    reading of such a record, for evaluation.md, `evaluate`'s console and the quickstart's report.md."""
    if not is_finite_real(record.get("noise_ceiling_r2")) or not is_whole(record.get("seed"), floats=False):
        return None
    return ceiling_seed_note(int(record["seed"]), whose)


def ceiling_number(ceiling: Any, what: str = "ceiling") -> float:
    """A noise ceiling's R² as a float: a number, or the :class:`~bgs_hf.metrics.ceiling.CeilingResult` that
    ``split_half_ceiling`` returns (its ``r2``). The one check of a ceiling, made before any work: ``behavioural_fit``
    refused a CeilingResult only after its bootstrap had run. A ``LooCeilingResult`` has two bounds, so it is refused
    naming them rather than guessed."""
    from bgs_hf.metrics.ceiling import CeilingResult, LooCeilingResult  # that module imports this one

    if isinstance(ceiling, CeilingResult):
        ceiling = ceiling.r2
    elif isinstance(ceiling, LooCeilingResult):
        raise BGSInputError(f"{what}: a LooCeilingResult has two bounds; pass its r2_lower or r2_upper")
    return real_number(ceiling, what)


def pct_of_ceiling(value: Any, ceiling: Any) -> float:
    """``value`` as a percentage of the noise ceiling (nan when the ceiling is not positive), a float: each is read as
    every metric reads a number (:func:`~bgs_hf.metrics.similarity.real_number`), so an R² computed in torch (requiring
    grad, bf16) is a share too; it failed inside torch, and text inside numpy. ``ceiling`` may be a number or a
    ``CeilingResult`` (:func:`ceiling_number`)."""
    if ceiling is None:
        return float("nan")
    value, ceiling = real_number(value, "value"), ceiling_number(ceiling)
    if not np.isfinite(ceiling) or ceiling <= 0 or not np.isfinite(value):
        return float("nan")
    return float(100.0 * value / ceiling)


def holm(p_values: Iterable[Any]) -> list[float]:
    """Holm's (1979) step-down adjustment of one family of p-values, in the order given: the k-th smallest of the m
    defined ones times (m − k + 1), made non-decreasing in that order, capped at 1. An undefined p (None, NaN) stays
    undefined and is not counted in m. It bounds the chance of any false positive in the family whatever the tests'
    dependence (the paired tests of one report table share their clips and resamples), so a table of several tests
    can say which survive; each p alone is its own, uncorrected test. A p outside [0, 1] is refused: an infinite one
    was left out of m as if undefined, which adjusted the others over a smaller family without a word."""
    ps = [float("nan") if p is None else float(p) for p in p_values]
    wrong = next((p for p in ps if not np.isnan(p) and not 0.0 <= p <= 1.0), None)
    if wrong is not None:
        raise BGSInputError(f"Holm adjusts p-values in [0, 1] (None or NaN: undefined), got {wrong}")
    defined = sorted((p, k) for k, p in enumerate(ps) if np.isfinite(p))
    out = [float("nan")] * len(ps)
    running = 0.0
    for rank, (p, k) in enumerate(defined):
        running = max(running, min(1.0, (len(defined) - rank) * p))
        out[k] = running
    return out


def holm_bounds(p_values: Sequence[Any], at_floor: Sequence[bool]) -> list[bool]:
    """Which of :func:`holm`'s adjusted p's are only upper bounds, for the same p's in the same order, where
    ``at_floor[k]`` says p k sits at its resampling floor (:func:`bgs_hf._format.p_at_floor`: its true value is
    lower, by an unknown amount). Holm is non-decreasing in each p, so an adjusted p is exact only if it stays the
    same with every such p taken to 0; where it falls, the value printed is a bound (``< x``), as the floored p
    is. That covers the term that attains Holm's running maximum resting on a floored p, and also a floored p whose
    true value would sort it ahead of others. The adjusted values themselves are :func:`holm`'s, unchanged."""
    ps = list(p_values)
    if len(at_floor) != len(ps):
        raise ValueError(f"holm_bounds: {len(at_floor)} floor flags for {len(ps)} p-values")
    lowest = holm([0.0 if floored else p for p, floored in zip(ps, at_floor)])
    return [bool(value > low) for value, low in zip(holm(ps), lowest)]  # NaN (undefined) compares False


def check_ci(ci: float) -> None:
    """One line for a coverage given as a percentage (95), before any resample is drawn: numpy's percentile
    error came only after the whole bootstrap or every split had run."""
    if not 0.0 < ci < 1.0:
        raise BGSInputError(f"ci is the interval's coverage as a fraction (e.g. 0.95), got {ci}")


def check_count(value: Any, name: str, *, least: int = 1, meaning: str = "") -> int:
    """A count (resamples, splits, clips): a whole number >= ``least`` (0 or -1 resamples gave a NaN interval without
    a word, 1.5 a TypeError from ``range``); ``meaning`` follows the bound in the message, e.g. " (0: no interval)"."""
    if not is_whole(value, floats=False) or value < least:
        raise BGSInputError(f"{name} must be a whole number >= {least}{meaning}, got {value!r}")
    return int(value)


def clip_resamples(
    items: Any, n_items: int, n_boot: int, seed: int = 0, *, human: HumanSimilarity | None = None
) -> Iterator[np.ndarray]:
    """Clip multiplicities (length ``n_items``) of ``n_boot`` resamples of ``items`` (those ``human`` observes a pair
    of among them, when given; None: every clip it observes a pair of), the draws of :func:`bootstrap_ci` over clips
    with the same seed; a pair (i, j) then weighs ``m[i] * m[j]``."""
    design = _design("clips", human, items, None, None, n_items)
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        yield design.draw(rng)


def defined_interval(samples: np.ndarray, estimate: float, ci: float, what: str) -> tuple[float, float] | None:
    """The percentile interval of the finite resamples, or None where it would mislead: an undefined estimate
    (resamples that miss a clip with NaN similarities are finite), or under half the resamples defined. The defined
    ones are then the few that redrew nearly every judged clip, not a sample of the bootstrap distribution: 5 clips
    with one judgment gave [0.83, 0.83] around an R² of 0.75."""
    if not np.isfinite(estimate):
        return None
    n_good = int(np.isfinite(samples).sum())
    if 2 * n_good < samples.size:
        logger.warning("%s: only %d of %d resamples are defined (under half): no interval; too few clips or "
                       "judgments to resample", what, n_good, samples.size)
        return None
    return percentile_interval(samples, ci)


def _pair_stat(stat: str, x: np.ndarray, y: np.ndarray) -> float:
    """One of ``PAIR_STATS`` of the model's and people's values of the same pairs (r2: signed squared Spearman)."""
    if stat == "rsa_pearson":
        return pearson(x, y)
    rho = spearman(x, y)
    return float(signed_square(rho)) if stat == "r2" else rho


def percentile_interval(samples: np.ndarray, ci: float) -> tuple[float, float]:
    """The equal-tailed percentile interval of the finite ``samples`` (NaN where none is finite): the one rule for
    bootstrap intervals and the spread of a split-half ceiling."""
    good = samples[np.isfinite(samples)]
    if not good.size:
        return float("nan"), float("nan")
    alpha = (1.0 - ci) / 2.0
    lo, hi = np.percentile(good, [100 * alpha, 100 * (1 - alpha)])
    return float(lo), float(hi)


@dataclass
class _Design:
    """What one resample draws from: clip multiplicities over ``items`` or participant multiplicities."""

    over: str
    units: np.ndarray  # clips (global indices) or participant codes 0..P-1
    unit_of_judgment: np.ndarray | None  # participant code per judgment (over participants)
    n_items: int

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        pick = rng.integers(0, len(self.units), size=len(self.units))
        size = self.n_items if self.over == "clips" else len(self.units)
        return np.bincount(self.units[pick], minlength=size)


def _design(
    over: str, human: HumanSimilarity | None, items: Any, idx: np.ndarray | None, participant: Any, n_items: int
) -> _Design:
    """The units a resample draws: the clips of ``items`` that carry an observed pair among them (by default the
    clips with an observed pair, else the clips the triplets name) or the participants; one line for a design it
    cannot draw (one participant: every resample the same)."""
    if over == "clips":
        if items is None:
            if human is not None:
                items = np.flatnonzero(human.mask.any(axis=1))
            elif idx is not None:
                items = np.unique(idx)
            else:
                raise BGSInputError("bootstrap over clips needs items, human similarity or triplets")
        else:
            items = _paired_items(items, human, idx)
        # drawn in clip order, not in ``items``' (a matrix's row order): embeddings of the same clips saved in another
        # order got another interval from the same seed
        return _Design("clips", np.sort(np.asarray(items, dtype=np.int64)), None, n_items)
    if over == "participants":
        if participant is None or idx is None:
            raise BGSInputError("bootstrap over participants needs idx, odd and participant arrays")
        codes = participant_codes(np.asarray(participant))
        units = np.unique(codes)
        if len(units) < 2:  # every resample would draw the one participant: a zero-width "interval"
            raise BGSInputError("bootstrap over participants needs at least two participants; use over='clips'")
        return _Design("participants", np.arange(len(units)), codes, n_items)
    raise BGSInputError(f"bootstrap `over` must be 'clips' or 'participants', got {over!r}")


def _paired_items(items: Any, human: HumanSimilarity | None, idx: np.ndarray | None) -> np.ndarray:
    """The clips of ``items``, in their order, that share an observed pair with another of them (from ``human``, else
    from the triplets; all of them when neither is given). Why: a clip no judgment pairs with another adds no pair and
    no judgment to any statistic, so drawing it only shrinks a resample's informative clips at random, widening the
    interval with variance that is not in the data (a split's clip list gave another CI than the default's clips)."""
    items = item_indices(items)
    if human is not None:
        gi, gj, _, _, _ = pair_index(human, items)
        return items[np.isin(items, gi) | np.isin(items, gj)]
    if idx is None:
        return items
    inside = np.isin(idx, items)
    paired = inside.sum(axis=1) >= 2  # a judgment with two clips of ``items`` observes their pair
    return items[np.isin(items, idx[paired][inside[paired]])]


def _stat_fn(
    model_sim: Any,
    human: HumanSimilarity | None,
    items: Any,
    idx: np.ndarray | None,
    odd: np.ndarray | None,
    stat: str,
    design: _Design,
) -> Callable[[np.ndarray | None], float]:
    """Return f(multiplicity or None) -> statistic; None means the full data (the point estimate)."""
    if stat not in STATS:
        raise BGSInputError(f"unknown statistic {stat!r}; choose from {', '.join(STATS)}")
    if stat in JUDGMENT_STATS:
        if idx is None or odd is None:
            raise BGSInputError(f"{stat} needs triplet idx and odd arrays")
        return _judgment_stat_fn(model_sim, items, idx, odd, stat, design)
    if design.over == "clips":
        if human is None:  # _prepare refuses a call with neither, so the triplets are there
            human = human_similarity(idx, odd, design.n_items)
        return _clip_pair_stat_fn(model_sim, human, items, stat)
    return _participant_pair_stat_fn(model_sim, items, idx, odd, stat, design)


def _judgment_stat_fn(
    model_sim: Any, items: Any, idx: np.ndarray, odd: np.ndarray, stat: str, design: _Design
) -> Callable[[np.ndarray | None], float]:
    """An accuracy as the weighted mean of the fixed per-judgment scores: a judgment counts once per copy of it the
    resample holds (m_a·m_b·m_c over clips, its participant's multiplicity over participants)."""
    per = (ooo_3way_from_sims if stat == "ooo_acc_3way" else ooo_2way_from_sims)(
        triplet_sims(model_sim, idx, items), odd
    )

    def judgment_stat(mult: np.ndarray | None) -> float:
        if mult is None:
            return float(per.mean()) if per.size else float("nan")
        if design.over == "clips":
            w = mult[idx[:, 0]] * mult[idx[:, 1]] * mult[idx[:, 2]]
        else:
            w = mult[design.unit_of_judgment]
        total = w.sum()
        return float((w * per).sum() / total) if total > 0 else float("nan")

    return judgment_stat


def _clip_pair_stat_fn(
    model_sim: Any, human: HumanSimilarity, items: Any, stat: str
) -> Callable[[np.ndarray | None], float]:
    """A pair statistic over clip resamples: p_ij stays the full data's, and each observed pair of distinct clips
    is repeated m_i·m_j times (see module docstring)."""
    vals, p, gi, gj = model_pair_values(model_sim, human, items)
    codes = None if stat == "rsa_pearson" else (OrderCodes.of(vals), OrderCodes.of(p))

    def clip_pair_stat(mult: np.ndarray | None) -> float:
        w = np.ones(len(vals), dtype=np.int64) if mult is None else mult[gi] * mult[gj]
        if codes is None:
            return _pair_stat(stat, np.repeat(vals, w), np.repeat(p, w))
        return _repeated_spearman_stat(stat, *codes, w)

    return clip_pair_stat


def _repeated_spearman_stat(stat: str, x: OrderCodes, y: OrderCodes, w: np.ndarray) -> float:
    """A Spearman statistic of values x and y (known by their order codes), each repeated ``w`` times: bit for bit
    ``_pair_stat`` of the repeated values, without sorting them; rankdata's sort of each resample's repeated pairs was
    three quarters of a resample's time at THINGS scale (1.5 million pairs)."""
    if w.sum() < 3 or w[x.nan | y.nan].any():  # spearman's NaN for under 3 values; rankdata's for a NaN value
        return float("nan")
    rho = pearson(np.repeat(code_ranks(x.code, x.n_codes, w), w), np.repeat(code_ranks(y.code, y.n_codes, w), w))
    return float(signed_square(rho)) if stat == "r2" else rho


def _participant_pair_stat_fn(
    model_sim: Any, items: Any, idx: np.ndarray, odd: np.ndarray, stat: str, design: _Design
) -> Callable[[np.ndarray | None], float]:
    """A pair statistic over participant resamples: p_ij is rebuilt from the judgments, each weighted by its
    participant's multiplicity, so the pairs a resample observes change with it.

    A resample observes only pairs the full data observes, so it counts n and k over those alone, in the order of
    ``model_pair_values`` on the full data, and the model's values are sorted once: the same statistic, bit for bit,
    as ``model_pair_values(model_sim, human_similarity(idx, odd, n_items, weights=...), items)`` gives, at a fifth
    of the time at THINGS scale, where rebuilding two N×N count matrices and sorting twice took 1.1-1.3 s a resample
    (``benchmarks/README.md``)."""
    full = human_similarity(idx, odd, design.n_items)
    vals, _, gi, gj = model_pair_values(model_sim, full, items)
    pos = _pair_positions(idx, gi, gj, design.n_items)
    kept = pos[np.arange(len(pos)), 2 - odd]
    size = len(vals) + 1  # the last position counts the pairs outside ``items``, dropped
    model_codes = OrderCodes.of(vals)
    fractions = FractionRanker(int(full.n.max()))

    def participant_pair_stat(mult: np.ndarray | None) -> float:
        w = None if mult is None else mult[design.unit_of_judgment].astype(np.float64)
        n = np.bincount(pos.ravel(), weights=None if w is None else np.repeat(w, 3), minlength=size)[:-1]
        k = np.bincount(kept, weights=w, minlength=size)[:-1]
        n, k = np.rint(n).astype(np.int64), np.rint(k).astype(np.int64)  # whole counts, as human_similarity's
        obs = n > 0
        n, k = n[obs], k[obs]
        if stat == "rsa_pearson":
            return pearson(vals[obs], k / n)
        if n.size < 3 or model_codes.nan[obs].any():  # spearman's NaN for under 3 values; rankdata's for a NaN value
            return float("nan")
        rho = pearson(code_ranks(model_codes.code[obs], model_codes.n_codes), fractions.ranks(k, n))
        return float(signed_square(rho)) if stat == "r2" else rho

    return participant_pair_stat


def _pair_positions(idx: np.ndarray, gi: np.ndarray, gj: np.ndarray, n_items: int) -> np.ndarray:
    """(n, 3): where each judgment's pairs (a,b), (a,c), (b,c) stand in the pair list (gi, gj), ``len(gi)`` for a
    pair not in it, so a resample's counts line up with the model's values of those pairs."""
    position_of = np.full(n_items * n_items, len(gi), dtype=np.int64)
    position_of[np.minimum(gi, gj) * n_items + np.maximum(gi, gj)] = np.arange(len(gi))
    return position_of[pair_keys(idx, n_items)]


def _prepare(
    human: HumanSimilarity | None, items: Any, idx: Any, odd: Any, participant: Any, over: str, ci: float,
    model_sim: Any = None,
) -> tuple[np.ndarray | None, np.ndarray | None, _Design]:
    """Checked inputs and the resampling design, shared by both bootstraps so they refuse the same inputs.

    Without ``human`` the clip count comes from a global N×N ``model_sim``: the triplets' largest index
    undercounts it whenever the split is not the last clips."""
    check_ci(ci)
    if human is not None:
        check_human(human)
    if idx is not None:
        if participant is None:
            participant = participants_of(idx)
        idx, odd = as_triplets(idx, odd)
        if participant is not None:
            participant = participant_column(participant, len(idx))
        if participant is not None and over == "participants":  # a clip bootstrap does not read them
            participant = checked_participants(participant)
        idx, odd, participant = drop_catch_trials(idx, odd, participant, what="the bootstrap")
    if human is not None:
        n_items = human.n_items
    elif idx is not None and idx.size:
        # items checked first: text or a column of them failed here in numpy's max, and none in its empty reduction
        named = idx.ravel() if items is None else np.concatenate([idx.ravel(), item_indices(items)])
        side = np.shape(model_sim)[0] if np.ndim(model_sim) == 2 else None
        if side is not None and side > clip_count(named) and (items is None or side != len(items)):
            n_items = int(side)  # the caller's N×N matrix is there already
        else:
            n_items = matrix_clip_count(named)
    else:
        raise BGSInputError("need human similarity or triplets to bootstrap")
    return idx, odd, _design(over, human, items, idx, participant, n_items)


def bootstrap_ci(
    model_sim: Any,
    human: HumanSimilarity | None = None,
    items: Any = None,
    *,
    idx: Any = None,
    odd: Any = None,
    participant: Any = None,
    stat: str = "r2",
    over: str = "clips",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Percentile bootstrap CI of ``stat`` (r2, rsa_spearman, rsa_pearson, ooo_acc_3way, ooo_acc_2way): how much
    the statistic would move with other clips, or other participants, like these (see module docstring).

    ``over="clips"`` resamples the clips of ``items`` (default: every clip) that carry an observed pair among them: a
    clip that no judgment pairs with another adds no data, only variance; they are drawn in clip order, so an
    items-local matrix in any row order gets the global matrix's interval from the same seed; ``over="participants"``
    resamples participants and needs ``idx``/``odd``/``participant`` (or a TripletArrays as ``idx``). The interval
    is NaN when the estimate is undefined or under half the resamples are defined (too few clips to resample).
    """
    n_boot = check_count(n_boot, "n_boot")
    idx, odd, design = _prepare(human, items, idx, odd, participant, over, ci, model_sim)
    fn = _stat_fn(model_sim, human, items, idx, odd, stat, design)
    rng = np.random.default_rng(seed)
    samples = np.array(
        [fn(design.draw(rng)) for _ in delayed_bar(range(n_boot), desc=f"bootstrap {stat}", disable=n_boot < 2000)]
    )
    estimate = fn(None)
    lo, hi = defined_interval(samples, estimate, ci, f"bootstrap {stat}") or (float("nan"), float("nan"))
    return BootstrapResult(estimate, lo, hi, ci, over, stat, samples)


def paired_bootstrap(
    model_a: Any,
    model_b: Any,
    human: HumanSimilarity | None = None,
    items: Any = None,
    *,
    idx: Any = None,
    odd: Any = None,
    participant: Any = None,
    stat: str = "r2",
    over: str = "clips",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> PairedBootstrapResult:
    """Compare two models on the same pairs/judgments: both see the identical resample each round.

    The p-value is two-sided: twice the smaller tail fraction of differences at or beyond zero, (count + 1) / (n + 1)
    over the n resamples where the difference is defined, capped at 1. A difference of exactly 0 counts in both tails,
    as the percentile interval does (p <= alpha only when 0 lies outside the 1 - alpha interval; outside it, p can
    pass alpha by up to 4/(n + 1): 25 of 1000 differences at -1, the rest at +1, give [0.95, 1] and p = 0.052):
    with few judgments most resamples leave out the ones where the models differ, and p = 1 then means no evidence,
    not equal models (an exact sign test of one differing judgment gives 1 as well; dropping the ties, as
    rsatoolbox's bootstrap_pair_tests does, would call that one judgment significant).
    """
    n_boot = check_count(n_boot, "n_boot")
    idx, odd, design = _prepare(human, items, idx, odd, participant, over, ci, model_a)
    fa = _stat_fn(model_a, human, items, idx, odd, stat, design)
    fb = _stat_fn(model_b, human, items, idx, odd, stat, design)
    rng = np.random.default_rng(seed)
    return paired_resample_test(fa, fb, (design.draw(rng) for _ in range(n_boot)), n_boot=n_boot, ci=ci, over=over,
                                stat=stat)


def paired_resample_test(
    stat_a: Callable[[np.ndarray | None], float],
    stat_b: Callable[[np.ndarray | None], float],
    resamples: Iterable[np.ndarray],
    *,
    n_boot: int,
    ci: float = 0.95,
    over: str = "clips",
    stat: str = "r2",
) -> PairedBootstrapResult:
    """The paired difference, interval and p of :func:`paired_bootstrap` for any two statistics of one resample
    (``stat_x(multiplicities)``; ``stat_x(None)``: the full data), so every paired comparison of the suite (fit,
    probes, transfer) reads its interval and p one way."""
    check_ci(ci)
    sa, sb = np.empty(n_boot), np.empty(n_boot)
    bar = delayed_bar(resamples, total=n_boot, desc=f"paired bootstrap {stat}", disable=n_boot < 2000)
    for b, mult in enumerate(bar):
        sa[b], sb[b] = stat_a(mult), stat_b(mult)
    d = sa - sb
    diff = stat_a(None) - stat_b(None)
    # as in bootstrap_ci: no interval and no p for an undefined difference (it read CI [0, 0], p = 1) or too few defined
    interval = defined_interval(d, diff, ci, f"paired bootstrap {stat}")
    lo, hi = interval or (float("nan"), float("nan"))
    good = d[np.isfinite(d)] if interval is not None else d[:0]
    if good.size:  # (count + 1) / (n + 1): a finite bootstrap never shows p = 0, only p <= 1/(n+1)
        tail = min(int((good <= 0).sum()), int((good >= 0).sum()))
        p = min(1.0, 2.0 * (tail + 1) / (good.size + 1))
    else:
        p = float("nan")
    return PairedBootstrapResult(diff, lo, hi, p, ci, over, stat, sa, sb)
