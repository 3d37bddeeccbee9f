"""One call that reports every behavioural-fit number for a model similarity matrix on one split."""

from __future__ import annotations

from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.bootstrap import bootstrap_ci, ceiling_number, pct_of_ceiling
from bgs_hf.metrics.ceiling import CeilingResult, ceiling_or_why
from bgs_hf.metrics.ooo import ooo_acc_2way, ooo_acc_3way
from bgs_hf.metrics.rsa import model_pair_values, pearson, signed_square, spearman
from bgs_hf.metrics.similarity import (
    HumanSimilarity,
    as_triplets,
    check_human,
    drop_catch_trials,
    human_similarity,
    whole_numbers,
)


def split_items(data: Any, split: str) -> np.ndarray:
    """Sorted clip indices of ``split`` (``fit`` = train ∪ val) of an OddOneOutData-like container."""
    if hasattr(data, "split_items"):
        try:
            return np.asarray(data.split_items(split), dtype=np.int64)
        except KeyError as err:
            raise BGSInputError(str(err).strip("'\"")) from err
    if split == "fit" and "fit" not in data.splits:
        return np.union1d(data.splits["train"], data.splits["val"]).astype(np.int64)
    if split not in data.splits:
        raise BGSInputError(f"unknown split {split!r}; choose from {sorted(data.splits)}")
    return np.asarray(data.splits[split], dtype=np.int64)


def no_judgments_error(data: Any, split: str) -> BGSInputError:
    """The one line for a split with no valid judgment, saying what to do: a judgment counts in a split only when its
    three clips lie in it, so a split of a few clips can hold none; the splits that do hold some are named, each
    with its count, for ``--split`` (the bare "has no valid judgments" left the user to guess)."""
    held = {s: len(data.triplets(s).idx) for s in sorted(data.splits) if s not in (split, "fit")}
    held = {s: n for s, n in held.items() if n}
    where = (f"judgments lie in {', '.join(f'{s} ({n})' for s, n in held.items())}: score one of those (--split)"
             if held else "no split holds one whole: check the data's splits with `bgs-hf data validate`")
    return BGSInputError(f"{getattr(data, 'name', 'data')}: split {split!r} has no valid judgments (a judgment "
                         f"counts in a split only when its three clips all lie in it); {where}")


def _split_order(items: Any, clips: np.ndarray, split: str) -> np.ndarray:
    """``items`` (the row order of an items-local matrix) checked to hold exactly the split's clips."""
    items = whole_numbers(items, "items")
    if len(items) != len(clips) or not np.array_equal(np.sort(items), np.sort(clips)):
        raise BGSInputError(f"items must be the {split!r} split's {len(clips)} clips (in the matrix's row order), "
                            f"got {len(items)} items")
    return items


#: ``ceiling_why`` of the array form called without ``ceiling_r2``: its "% of ceiling" is NaN, and this says how to get one
NO_CEILING_GIVEN = ("no ceiling_r2 given: pass ceiling_r2=split_half_ceiling(<the split's judgments>, n_items).r2, or "
                    "call behavioural_fit(model_sim, data, split), which computes the split's ceiling")


def behavioural_fit(
    model_sim: Any,
    human: HumanSimilarity | Any,
    idx: Any = None,
    odd: Any = None,
    items: Any = None,
    ceiling_r2: float | CeilingResult | None = None,
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """r2 (with a bootstrap-over-clips CI), RSA, both odd-one-out accuracies and % of the noise ceiling.

    Two call forms:

    * arrays: ``behavioural_fit(model_sim, human, idx, odd, items, ceiling_r2)``, where ``human`` is the
      HumanSimilarity built from the split's triplets ``idx``/``odd`` (or a TripletArrays as ``idx``);
    * container: ``behavioural_fit(model_sim, data, "test")`` with an ``OddOneOutData``; the split's
      human similarity and its split-half ceiling (100 splits) are computed here, and the result also
      carries ``split``, ``n_clips`` and ``ceiling_r2_ci``, and ``ceiling_why`` beside a NaN ceiling (why it is
      undefined: a pilot's metrics.json read a bare null). ``items``, if given, must be the split's clips,
      in the row order of an items-local ``model_sim`` (default: the split's own order). The array form without
      ``ceiling_r2`` gives a NaN ceiling and "% of ceiling", with ``ceiling_why`` saying so. ``ceiling_r2`` is a
      number or what :func:`split_half_ceiling` returns (its ``r2`` is read), checked before any work. In both forms
      the CI resamples only the clips a judgment pairs with another (:func:`bootstrap_ci`), so they give the same CI.

    ``model_sim`` is N×N over all clips, or len(items)×len(items) over ``items``.

    ``seed`` draws the bootstrap resamples and (container form) the ceiling's split-halves: 0 here and in
    ``bgs-hf data stats``, while ``train_bgs`` (its metrics.json) and ``bgs-hf evaluate`` of a run folder use the
    run's training seed (TrainingArguments' 42 unless set), so the same embeddings get another ceiling and "% of
    ceiling" by route; pass ``seed=`` the run's seed (``bgs_hf.training.api.recorded_seed(run_dir)``) to match.

    Example (the arrays of :func:`rsa_spearman`'s and :func:`ooo_acc_3way`'s examples, the numbers they give)::

        >>> from bgs_hf.metrics import behavioural_fit, human_similarity
        >>> S = [[1, .9, .1, .2], [.9, 1, .3, .4], [.1, .3, 1, .8], [.2, .4, .8, 1]]  # a model's, of 4 clips
        >>> idx, odd = [[0, 1, 2], [0, 2, 3], [0, 1, 3]], [2, 0, 0]  # odd: the odd clip's position in its triplet
        >>> fit = behavioural_fit(S, human_similarity(idx, odd, 4), idx, odd, ceiling_r2=0.8, n_boot=100)
        >>> round(fit["r2"], 4), round(fit["ooo_acc_3way"], 4), round(fit["ooo_acc_2way"], 4)
        (0.5486, 0.6667, 0.8333)
        >>> round(fit["pct_of_ceiling"], 2), fit["n_pairs"], fit["n_judgments"]  # 100 * 0.5486 / 0.8
        (68.57, 6, 3)
    """
    extra: dict[str, Any] = {}
    why: str | None = None
    if ceiling_r2 is not None:  # here, not after the bootstrap: a CeilingResult or text was refused only after it
        ceiling_r2 = ceiling_number(ceiling_r2, "ceiling_r2")
    if hasattr(human, "triplets") and hasattr(human, "splits"):
        if odd is not None or not (idx is None or isinstance(idx, str)):  # they were dropped without a word
            raise BGSInputError("behavioural_fit(model_sim, data, split) scores the split's own judgments: pass no "
                                "idx/odd (the array form is behavioural_fit(model_sim, human, idx, odd, items))")
        data, split = human, ("test" if idx is None else idx)
        clips = split_items(data, split)  # first: it turns an unknown split into one clear line
        items = clips if items is None else _split_order(items, clips, split)
        trip = data.triplets(split)
        if not len(trip.idx):
            raise no_judgments_error(data, split)
        human = human_similarity(trip.idx, trip.odd, data.n_clips)
        idx, odd = trip.idx, trip.odd
        extra = {"split": split, "n_clips": int(len(items))}
        if ceiling_r2 is None:
            ceiling_r2, extra["ceiling_r2_ci"], why = ceiling_or_why(trip, data.n_clips, n_splits=100, seed=seed)
    elif ceiling_r2 is None:  # a bare NaN "% of ceiling" left the caller to guess why
        why = NO_CEILING_GIVEN
    check_human(human)  # first: triplets in its place were blamed on a missing `odd`
    idx, odd = drop_catch_trials(*as_triplets(idx, odd), what="the behavioural fit")
    vals, p, _, _ = model_pair_values(model_sim, human, items)
    rho = spearman(vals, p)
    r2_value = float(signed_square(rho))
    boot = bootstrap_ci(model_sim, human, items, idx=idx, odd=odd, stat="r2", n_boot=n_boot, ci=ci, seed=seed)
    return {
        "r2": r2_value,
        "r2_ci": [boot.low, boot.high],
        "rsa_spearman": rho,
        "rsa_pearson": pearson(vals, p),
        "ooo_acc_3way": ooo_acc_3way(model_sim, idx, odd, items),
        "ooo_acc_2way": ooo_acc_2way(model_sim, idx, odd, items),
        "pct_of_ceiling": pct_of_ceiling(r2_value, ceiling_r2) if ceiling_r2 is not None else float("nan"),
        "ceiling_r2": float("nan") if ceiling_r2 is None else float(ceiling_r2),
        **({} if why is None else {"ceiling_why": why}),  # absent where there is a ceiling: its output is unchanged
        "n_pairs": int(len(vals)),
        "n_judgments": int(len(idx)),
        **extra,
    }
