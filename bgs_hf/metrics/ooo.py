"""Odd-one-out accuracy, in the two definitions the literature uses (reported under different names).

For a triplet (a, b, c) we read the model's similarities of its three pairs in the fixed order
``(s_ab, s_ac, s_bc)``. The pair kept together by the human is the one without the odd clip: column
``2 - odd``; the two other pairs each join the odd clip with one of the kept clips.

* ``ooo_acc_3way``: correct when the kept pair is the model's *strictly* most similar pair, i.e.
  s_kept > both other pair similarities. Ties count as wrong. Chance = 1/3.
* ``ooo_acc_2way`` (the paper's anchor test): with kept pair (x, y) and odd clip o, take x as anchor
  (y positive, o negative): correct if sim(x, y) > sim(x, o); then y as anchor: correct if
  sim(y, x) > sim(y, o). A judgment scores the mean of the two (0, 0.5 or 1); accuracy is the mean
  over judgments. Since sim(x, o) and sim(y, o) are exactly the two non-kept pairs, this is
  "the fraction of the two other pairs that the kept pair beats". Ties count as wrong. Chance = 1/2.
  The paper's code (v1 ``eval_ooo_video.py``) scores one anchor per judgment, whichever kept clip comes first
  in a Python ``set`` of video names (hash order, so it changes between runs); the mean over both anchors is
  that test's expected score, free of the draw.

Catch trials (a clip repeated in the triplet) are dropped with a warning, as from the human similarity: a
model would get them for free. A judgment whose similarities are not finite scores NaN, so the mean is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.similarity import (
    PAIR_COLS,
    SUBSET_HINT,
    as_triplets,
    check_symmetric,
    drop_catch_trials,
    item_indices,
    real_numbers,
    triplet_indices,
    warn_non_finite_pairs,
    whole_numbers,
)

#: each accuracy's chance level, the one value every report, figure and console line names: a model picking one of
#: the three pairs at random keeps the human's pair a third of the time; each anchor's coin flip is right half the time
CHANCE_3WAY = 1 / 3
CHANCE_2WAY = 1 / 2


def _kept_and_others(sims: np.ndarray, odd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = real_numbers(sims, "sims")
    odd = whole_numbers(odd, "odd")  # a cast read odd 1.7 as position 1
    if sims.ndim != 2 or sims.shape[1] != 3 or odd.shape != (sims.shape[0],):
        raise BGSInputError(f"need sims (n, 3) and odd (n,), got {sims.shape} and {odd.shape}")
    if odd.size and (odd.min() < 0 or odd.max() > 2):
        raise BGSInputError("odd must be 0, 1 or 2 (position in the triplet)")
    rows = np.arange(len(odd))
    kept_col = 2 - odd
    kept = sims[rows, kept_col]
    # the two remaining columns, in ascending order
    other_cols = np.array([[1, 2], [0, 2], [0, 1]])[kept_col]
    others = sims[rows[:, None], other_cols]
    return kept, others


def _undefined_as_nan(score: np.ndarray, kept: np.ndarray, others: np.ndarray) -> np.ndarray:
    """NaN where a similarity is not finite: a diverged model must not read as 'always wrong' (0%)."""
    bad = ~(np.isfinite(kept) & np.isfinite(others).all(axis=1))
    if bad.any():
        score = score.copy()
        score[bad] = np.nan
    return score


def ooo_3way_from_sims(sims: np.ndarray, odd: np.ndarray) -> np.ndarray:
    """Per-judgment 3-way correctness (0/1; NaN if a similarity is not finite) from (n, 3) pair sims (ab, ac, bc)."""
    kept, others = _kept_and_others(sims, odd)
    return _undefined_as_nan((kept[:, None] > others).all(axis=1).astype(np.float64), kept, others)


def ooo_2way_from_sims(sims: np.ndarray, odd: np.ndarray) -> np.ndarray:
    """Per-judgment 2-way anchor score (0, 0.5, 1; NaN if a similarity is not finite) from (n, 3) pair sims."""
    kept, others = _kept_and_others(sims, odd)
    return _undefined_as_nan((kept[:, None] > others).mean(axis=1), kept, others)


def ooo_expected_from_sims(sims: np.ndarray, odd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(3-way, 2-way) per-judgment scores with ties broken at random, in expectation: a tie at the top gives
    1/(pairs tied) and a tied anchor comparison 1/2. For predictors whose values tie by construction (other
    observers' choice fractions 0, 1/2, 1 in a noise ceiling), where "ties are wrong" would set the bar low."""
    kept, others = _kept_and_others(sims, odd)
    top = np.maximum(kept, others.max(axis=1))
    n_top = (others == top[:, None]).sum(axis=1) + (kept == top)
    three = np.where(kept == top, 1.0 / n_top, 0.0)
    two = ((kept[:, None] > others) + 0.5 * (kept[:, None] == others)).mean(axis=1)
    return _undefined_as_nan(three, kept, others), _undefined_as_nan(two, kept, others)


def triplet_sims(model_sim: Any, idx: np.ndarray, items: Any = None) -> np.ndarray:
    """Gather (n, 3) pair similarities (ab, ac, bc) from a model matrix.

    ``model_sim`` is indexed by global clip index, or, when ``items`` is given and the matrix is
    len(items)×len(items), by position in ``items``.
    """
    sim = real_numbers(model_sim, "model similarity")  # text failed in numpy's float conversion
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:  # a 3×4 matrix was reported as "3×3"
        raise BGSInputError(f"model similarity must be a square matrix, got shape {sim.shape}")
    idx = triplet_indices(idx)  # a cast read 1.7 as clip 1, and a GPU tensor failed in numpy
    if idx.size and idx.min() < 0:  # numpy would wrap it to the last clip
        raise BGSInputError(f"triplet names clip {int(idx.min())}: clip indices start at 0")
    if items is not None:
        # with a global matrix too: an accuracy "over items" must not score judgments outside them (a
        # bootstrap over those clips would give such judgments no weight, and the CI would miss the estimate)
        items = item_indices(items)
        if items.size and items.min() < 0:  # a lookup would wrap it round onto another clip's row
            raise BGSInputError(f"items must lie in 0.., got {int(items.min())}")
        if len(np.unique(items)) != len(items):  # the lookup would keep its last position
            raise BGSInputError("items must not repeat (use the bootstrap functions for resampling)")
        outside = ~np.isin(idx, items).all(axis=1)
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise BGSInputError(f"judgment row {row}: triplet {idx[row].tolist()} names a clip outside `items`")
    if items is not None and sim.shape[0] == len(items):
        # each clip's position in ``items`` by search, not a table as long as the largest clip id (8 GB for an id
        # of a billion); every clip of ``idx`` is in ``items`` (checked above)
        order = np.argsort(items)
        idx = order[np.searchsorted(items, idx, sorter=order)]
    elif idx.size and idx.max() >= sim.shape[0]:
        raise BGSInputError(f"triplet names clip {int(idx.max())} but the model matrix is "
                            f"{sim.shape[0]}×{sim.shape[0]}{SUBSET_HINT}")
    for u, v in PAIR_COLS:
        check_symmetric(sim, idx[:, u], idx[:, v])
    sims = np.stack([sim[idx[:, u], idx[:, v]] for u, v in PAIR_COLS], axis=1)
    if not np.isfinite(sims).all():  # the pairs' rows gathered only then: always, they tripled this hot path's time
        pairs = np.array(PAIR_COLS)
        warn_non_finite_pairs(model_sim, idx[:, pairs[:, 0]].ravel(), idx[:, pairs[:, 1]].ravel(), sims.ravel(),
                              sim.shape[0])
    return sims


def ooo_acc_3way_per_judgment(model_sim: Any, idx: Any, odd: Any = None, items: Any = None) -> np.ndarray:
    """One 0/1 per judgment of three distinct clips (catch trials are dropped with a warning)."""
    idx, odd = drop_catch_trials(*as_triplets(idx, odd), what="odd-one-out accuracy")
    return ooo_3way_from_sims(triplet_sims(model_sim, idx, items), odd)


def ooo_acc_2way_per_judgment(model_sim: Any, idx: Any, odd: Any = None, items: Any = None) -> np.ndarray:
    """One 0 / 0.5 / 1 per judgment of three distinct clips (catch trials are dropped with a warning)."""
    idx, odd = drop_catch_trials(*as_triplets(idx, odd), what="odd-one-out accuracy")
    return ooo_2way_from_sims(triplet_sims(model_sim, idx, items), odd)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else float("nan")


def ooo_acc_3way(model_sim: Any, idx: Any, odd: Any = None, items: Any = None) -> float:
    """Fraction of judgments whose kept pair is the model's strictly most similar pair (chance 1/3).

    Example (people kept pairs (0, 1), (2, 3) and (1, 3) together)::

        >>> from bgs_hf.metrics import ooo_acc_3way
        >>> S = [[1, .9, .1, .2], [.9, 1, .3, .4], [.1, .3, 1, .8], [.2, .4, .8, 1]]  # a model's, of 4 clips
        >>> idx, odd = [[0, 1, 2], [0, 2, 3], [0, 1, 3]], [2, 0, 0]  # odd: the odd clip's position in its triplet
        >>> round(ooo_acc_3way(S, idx, odd), 4)  # 0.9 > 0.1, 0.3; 0.8 > 0.1, 0.2; but 0.4 < 0.9: 2 of 3
        0.6667
    """
    return _mean(ooo_acc_3way_per_judgment(model_sim, idx, odd, items))


def ooo_acc_2way(model_sim: Any, idx: Any, odd: Any = None, items: Any = None) -> float:
    """The paper's anchor test averaged over both anchors (chance 1/2); see the module docstring.

    Example (the third judgment's kept pair (1, 3), 0.4, beats (0, 3), 0.2, but not (0, 1), 0.9: half)::

        >>> from bgs_hf.metrics import ooo_acc_2way, ooo_acc_2way_per_judgment
        >>> S = [[1, .9, .1, .2], [.9, 1, .3, .4], [.1, .3, 1, .8], [.2, .4, .8, 1]]  # a model's, of 4 clips
        >>> idx, odd = [[0, 1, 2], [0, 2, 3], [0, 1, 3]], [2, 0, 0]  # odd: the odd clip's position in its triplet
        >>> ooo_acc_2way_per_judgment(S, idx, odd).tolist()
        [1.0, 1.0, 0.5]
        >>> round(ooo_acc_2way(S, idx, odd), 4)  # (1 + 1 + 0.5) / 3
        0.8333
    """
    return _mean(ooo_acc_2way_per_judgment(model_sim, idx, odd, items))
