"""RSA between a model's similarity matrix and human p_ij, over observed pairs only.

The paper's main number is R² = squared Spearman over the observed test pairs. We keep its sign (ours:
sign(rho)·rho²), so a model that anti-correlates with people never looks good; for rho >= 0 it is the paper's R².

A bootstrap or a split-half ceiling ranks the same values hundreds of times, resampled or split: it sorts them once
(:class:`OrderCodes`, :class:`FractionRanker`) and counts each resample's ranks (:func:`code_ranks`), scipy's
``rankdata`` ranks bit for bit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.similarity import (
    SUBSET_HINT,
    HumanSimilarity,
    check_symmetric,
    non_finite_rows,
    pair_index,
    real_numbers,
    rows_said,
    unjudged_clips_hint,
    warn_non_finite_pairs,
)

logger = logging.getLogger(__name__)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r over all values (matrices flattened, as ``spearman``'s ranks are); nan for fewer than 3 values, a
    constant vector or a value that is not finite (no correlation is defined). Values whose sums of squares would
    over- or underflow are scaled first (:func:`pearson_scale`), as scipy's pearsonr scales them."""
    x = real_numbers(x, "x").ravel()  # two matrices failed on "the truth value of an array ... ambiguous"
    y = real_numbers(y, "y").ravel()
    _same_length(x, y)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):  # inf minus its mean warned "invalid value", then NaN
        return float("nan")
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:  # tested before centring, which leaves ulp-sized noise
        return float("nan")
    sxy, sxx, syy = _centred_sums(x, y)
    if _out_of_range(sxx, syy):
        sxy, sxx, syy = _centred_sums(*_by_largest(x, y))
    den = np.sqrt(sxx * syy)
    if not np.isfinite(den) or den <= 0:
        return float("nan")
    return float(np.clip(sxy / den, -1.0, 1.0))


def _centred_sums(x: np.ndarray, y: np.ndarray) -> tuple[Any, Any, Any]:
    """(Σ x̃ỹ, Σ x̃², Σ ỹ²) of the centred vectors x̃ = x − x̄, ỹ = y − ȳ."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # 1e200: "overflow encountered in matmul"
        xc = x - x.mean()
        yc = y - y.mean()
        return xc @ yc, xc @ xc, yc @ yc


def _out_of_range(sxx: Any, syy: Any) -> bool:
    """Whether Σ x̃²·Σ ỹ² is no normal float: values of about 1e±77 and beyond over- or underflow in it."""
    with np.errstate(over="ignore", under="ignore"):  # 1e100-sized values both: "overflow in scalar multiply"
        product = sxx * syy
    return not (np.isfinite(product) and product >= np.finfo(np.float64).tiny)


def _by_largest(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x / np.abs(x).max(), y / np.abs(y).max()


def pearson_scale(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y on a scale where Pearson's sums of squares are normal floats: as given (every similarity, rating or map
    this toolkit correlates, bit for bit), else each divided by its largest |value|, as :func:`pearson` does, so that
    a vectorised r (a permutation test's) agrees with it: sums that under- or overflowed read r as NaN (1e-200, 1e200)
    or lost digits (1e-160: 0.98200 for 0.98198) where scipy's pearsonr, which also scales, gives r."""
    x = real_numbers(x, "x").ravel()
    y = real_numbers(y, "y").ravel()
    if not np.isfinite(pearson(x, y)):  # no r to keep (a constant, a NaN, under 3 values): nothing to scale
        return x, y
    _, sxx, syy = _centred_sums(x, y)
    return _by_largest(x, y) if _out_of_range(sxx, syy) else (x, y)


def _same_length(x: np.ndarray, y: np.ndarray) -> None:
    """One line for vectors of different lengths (numpy's matmul error named a "core dimension" and a gufunc)."""
    if np.size(x) != np.size(y):
        raise BGSInputError(f"x and y must have the same length, got {np.size(x)} and {np.size(y)}")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rho (Pearson on average ranks, so ties are handled as scipy does)."""
    x, y = real_numbers(x, "x"), real_numbers(y, "y")  # text was ranked as if numbers: ['a', 'b', 'c'] gave 1.0
    _same_length(x, y)
    if x.size < 3:
        return float("nan")
    return pearson(rankdata(x), rankdata(y))


#: Above this many observations of one pair, fraction ranks fall back to scipy's rankdata (the table grows as n²).
MAX_LUT_N = 2048


def code_ranks(code: np.ndarray, n_codes: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Average ranks, exactly as ``scipy.stats.rankdata`` gives them, of values known by their order codes (equal
    values one code, larger values larger codes: :class:`OrderCodes`, :class:`FractionRanker`), each counted
    ``weights`` times (default once), one rank per value: counting instead of sorting lets the resamples of a bootstrap
    and the splits of a ceiling share one sort. Ranks are half-integers, so the sums are exact: scipy's, bit for bit."""
    counts = np.bincount(code, weights=weights, minlength=n_codes)
    below = np.cumsum(counts) - counts
    return (below + (counts + 1) / 2.0)[code]


@dataclass(frozen=True)
class OrderCodes:
    """Values sorted once, for :func:`code_ranks` to rank any selection or repetition of them."""

    code: np.ndarray  # each value's place among the distinct values (NaNs share the last)
    n_codes: int
    nan: np.ndarray  # bool per value: one NaN among the values ranked makes rankdata's every rank NaN

    @classmethod
    def of(cls, x: np.ndarray) -> OrderCodes:
        x = np.asarray(x, dtype=np.float64)
        uniq, code = np.unique(x, return_inverse=True)
        return cls(code.ravel().astype(np.int64), len(uniq), np.isnan(x))


class FractionRanker:
    """Average ranks of fractions k/n from a table of every fraction with n up to ``n_max`` (grown when a larger n
    comes), so equal fractions (1/2, 2/4) tie exactly and no resample or split sorts its fractions anew."""

    def __init__(self, n_max: int) -> None:
        self._build(n_max)

    def _build(self, n_max: int) -> None:
        self.n_max = n_max
        self.enabled = n_max <= MAX_LUT_N
        if not self.enabled:
            return
        nn, kk = np.meshgrid(np.arange(n_max + 1), np.arange(n_max + 1), indexing="ij")
        valid = (kk <= nn) & (nn > 0)
        vals = np.where(valid, kk / np.maximum(nn, 1), np.inf)
        # IEEE division is correctly rounded, so equal fractions (1/2, 2/4) give identical doubles
        uniq, code = np.unique(vals, return_inverse=True)
        self.lut = code.reshape(vals.shape).astype(np.int64)
        self.n_codes = len(uniq)

    def ranks(self, k: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Average ranks of k/n, as ``scipy.stats.rankdata`` gives them (scipy itself past ``MAX_LUT_N``). A participant
        bootstrap's resample can count a pair more often than the full data: the table then doubles (at least), so
        it is rebuilt a few times, not once per resample; ranks do not depend on its size."""
        need = int(n.max(initial=0))
        if self.enabled and need > self.n_max:
            self._build(max(need, min(2 * self.n_max, MAX_LUT_N)))
        if not self.enabled:
            return rankdata(k / n)
        return code_ranks(self.lut[n, k], self.n_codes)


def signed_square(r: float | np.ndarray) -> float | np.ndarray:
    """sign(r)·r²: the paper's R² (r²) with the sign of r kept (ours), so an anti-correlation stays negative. ``r``
    is read as :func:`real_numbers` reads it: a correlation computed in torch (requiring grad) failed inside torch."""
    r = real_numbers(r, "r")
    return np.sign(r) * np.square(r)


def cosine_similarity_matrix(emb: np.ndarray) -> np.ndarray:
    """(n, n) cosine similarity of row embeddings (zero rows give similarity 0).

    Equal rows give exactly equal similarities: BLAS sums different entries of one product in different orders, so
    the "ties" of a collapsed model (every row alike, 128 or 768 dims) came out an ulp apart and were scored as a
    geometry (R² ±0.002 with a CI, 3% accuracy) instead of undefined and 0. Without equal rows nothing changes."""
    emb = real_numbers(emb, "emb")
    if emb.ndim != 2:  # one clip's vector failed in numpy's norm ("axis 1 is out of bounds")
        batches = " (a list of batches: join them into one with torch.cat(list))" if emb.ndim == 3 else ""
        raise BGSInputError(f"emb must be a (clips, dims) matrix, one row per clip, got shape {emb.shape}{batches}")
    said = non_finite_rows(emb, "embedding")
    if said:  # NaN, as a diverged model's evaluation must read, but said once here, where the rows are still known
        logger.warning("%s: those clips' similarities are NaN, and so is every R², RSA or odd-one-out accuracy over them; "
                       "check those clips' pixels and the model's weights", said)
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):  # a row holding inf (inf / inf) is NaN, as a NaN row is, without numpy's warning
        unit = emb / np.where(norm > 0, norm, 1.0)
    if len({row.tobytes() for row in unit + 0.0}) == len(unit):  # + 0.0: -0.0 and 0.0 alike; a set is 7x faster
        sim = unit @ unit.T
    else:
        distinct, row_of = np.unique(unit, axis=0, return_inverse=True)
        row_of = row_of.ravel()
        sim = (distinct @ distinct.T)[np.ix_(row_of, row_of)]
    if said:  # said here: the metrics of this matrix do not say its rows again
        rows_said(sim)
    return sim


def model_pair_values(
    model_sim: Any, human: HumanSimilarity, items: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(model values, human p, global i, global j) over the observed upper-triangle pairs.

    ``model_sim`` is N×N (global clip indices) or, with ``items``, len(items)×len(items).
    """
    sim = real_numbers(model_sim, "model similarity")  # text failed in numpy's float conversion
    gi, gj, li, lj, p = pair_index(human, items)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise BGSInputError(f"model similarity must be a square matrix, got shape {sim.shape}")
    if items is not None and sim.shape[0] == len(items):
        check_symmetric(sim, li, lj)
        vals = sim[li, lj]
    elif sim.shape[0] == human.n_items:
        check_symmetric(sim, gi, gj)
        vals = sim[gi, gj]
    else:
        want = human.n_items if items is None else f"{len(items)} (items) or {human.n_items}"
        hint = unjudged_clips_hint(sim.shape[0]) if sim.shape[0] > human.n_items else SUBSET_HINT
        raise BGSInputError(f"model similarity is {sim.shape[0]}×{sim.shape[0]}, expected {want}{hint}")
    local = items is not None and sim.shape[0] == len(items)
    warn_non_finite_pairs(model_sim, li if local else gi, lj if local else gj, vals, sim.shape[0])
    return vals, p, gi, gj


def rsa_spearman(model_sim: Any, human: HumanSimilarity, items: Any = None) -> float:
    """Spearman rho between model similarity and human p_ij over observed pairs.

    Example (three judgments observe six pairs; :func:`r2` is rho squared, with its sign)::

        >>> from bgs_hf.metrics import human_similarity, r2, rsa_spearman
        >>> S = [[1, .9, .1, .2], [.9, 1, .3, .4], [.1, .3, 1, .8], [.2, .4, .8, 1]]  # a model's, of 4 clips
        >>> idx, odd = [[0, 1, 2], [0, 2, 3], [0, 1, 3]], [2, 0, 0]  # odd: the odd clip's position in its triplet
        >>> human = human_similarity(idx, odd, n_items=4)
        >>> human.pairs()[2].tolist()  # p of pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); S: .9 .1 .2 .3 .4 .8
        [0.5, 0.0, 0.0, 0.0, 1.0, 1.0]
        >>> round(rsa_spearman(S, human), 4), round(r2(S, human), 4)
        (0.7407, 0.5486)
        >>> rsa_spearman(human.p, human)  # a model ranking the pairs as people do (its NaN diagonal is never read)
        1.0
    """
    vals, p, _, _ = model_pair_values(model_sim, human, items)
    return spearman(vals, p)


def rsa_pearson(model_sim: Any, human: HumanSimilarity, items: Any = None) -> float:
    """Pearson r between model similarity and human p_ij over observed pairs."""
    vals, p, _, _ = model_pair_values(model_sim, human, items)
    return pearson(vals, p)


def r2(model_sim: Any, human: HumanSimilarity, items: Any = None) -> float:
    """Signed squared Spearman (the paper's R²)."""
    return float(signed_square(rsa_spearman(model_sim, human, items)))
