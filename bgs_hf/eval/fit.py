"""Behavioural fit of embeddings: every number of ``bgs_hf.metrics.behavioural_fit``, two-model paired
comparisons on the same pairs, and layer-wise fit with the layer chosen on selection clips (validation, else
training) only, never on the scored ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bgs_hf._format import count
from bgs_hf.errors import BGSInputError
from bgs_hf.eval.embed import NON_FINITE, embedding_rows
from bgs_hf.metrics import behavioural_fit, cosine_similarity_matrix, paired_bootstrap, rsa_spearman
from bgs_hf.metrics.rsa import signed_square
from bgs_hf.metrics.similarity import human_similarity


@dataclass
class SplitHumans:
    """One split's clips, valid triplets, human similarity and noise ceiling, computed once."""

    split: str
    items: np.ndarray
    trip: Any
    human: Any
    ceiling_r2: float
    ceiling_ci: list[float]
    ceiling_why: str | None = None  # why ceiling_r2 is NaN, for the report beside its n/a

    @classmethod
    def build(cls, data: Any, split: str, *, n_splits: int = 100, seed: int = 0, ceiling: bool = True) -> SplitHumans:
        from bgs_hf.metrics.ceiling import ceiling_or_why
        from bgs_hf.metrics.fit import split_items

        items = split_items(data, split)
        trip = data.triplets(split)
        human = human_similarity(trip.idx, trip.odd, data.n_clips)
        why = None
        if ceiling and len(trip) >= 2:
            ceiling_r2, ci, why = ceiling_or_why(trip, data.n_clips, n_splits=n_splits, seed=seed)
        else:
            ceiling_r2, ci = float("nan"), [float("nan"), float("nan")]
            if ceiling:
                why = f"the split has {count(len(trip), 'valid judgment')}, and a split-half ceiling needs two or more"
        return cls(split, items, trip, human, ceiling_r2, ci, why)


#: What an analysis that fits on embeddings reports for a model whose embeddings do not differ between clips: every
#: similarity ties, so ties-count-as-wrong accuracy would read 0% (below chance) for what is no answer at all (a
#: foreground model shown one frame).
COLLAPSED = "the embeddings do not differ between clips (every similarity ties)"


def collapsed(emb: np.ndarray) -> bool:
    """Whether every pair of rows of ``emb`` has the same cosine similarity (no geometry to score)."""
    sim = cosine_similarity_matrix(emb)
    off = sim[~np.eye(len(sim), dtype=bool)]
    return off.size > 0 and float(np.ptp(off)) <= 1e-9


def unscorable(emb: np.ndarray, *, probe: bool = False) -> str | None:
    """Why an analysis of ``emb`` would mean nothing (:data:`NON_FINITE`, :data:`COLLAPSED`), or None: a fit, a layer,
    a partition or a motion control reads the clips' similarities, which all tie for :func:`collapsed` rows; a
    ``probe`` reads the features themselves, so it has nothing to read only where every clip's row is the same (rows
    that differ in their norm alone still tell the clips apart by it)."""
    if not np.isfinite(emb).all():
        return NON_FINITE
    if probe:
        spread = float(np.ptp(emb, axis=0).max(initial=0.0)) if len(emb) > 1 else np.inf
        return COLLAPSED if spread <= 1e-9 * float(np.abs(emb).max(initial=0.0)) else None
    return COLLAPSED if collapsed(emb) else None


def fit_from_similarity(sim: np.ndarray, data: Any, humans: SplitHumans, *, n_boot: int = 1000,
                        seed: int = 0) -> dict[str, Any]:
    """Behavioural fit of a similarity over ``humans.items`` on that split, with the split's ceiling and its range:
    every fit row (the models' and the language row's) carries the same keys (the language row, scored by
    ``behavioural_fit`` directly, had no ``ceiling_r2_ci``: it is added only where that function draws the ceiling)."""
    out = behavioural_fit(sim, data, humans.split, ceiling_r2=humans.ceiling_r2, n_boot=n_boot, seed=seed)
    out["ceiling_r2_ci"] = humans.ceiling_ci
    return out


def fit_from_embeddings(emb: np.ndarray, data: Any, humans: SplitHumans, *, n_boot: int = 1000,
                        seed: int = 0) -> dict[str, Any]:
    """Behavioural fit of ``emb`` (rows = ``humans.items``) on that split, with the split's ceiling.

    Embeddings alike for every clip are flagged ``collapsed``: every triplet ties, so the accuracies (ties count
    as wrong) read 0, below chance, for what is no answer at all, and a reader must be told."""
    out = fit_from_similarity(cosine_similarity_matrix(emb), data, humans, n_boot=n_boot, seed=seed)
    if np.isfinite(emb).all() and collapsed(emb):
        out["collapsed"] = True
    return out


def paired_comparison(emb_a: np.ndarray, emb_b: np.ndarray, humans: SplitHumans, *, n_boot: int = 1000,
                      seed: int = 0, stats: tuple[str, ...] = ("r2", "ooo_acc_3way", "ooo_acc_2way")
                      ) -> dict[str, dict[str, Any]]:
    """a − b for each statistic on identical clip resamples (bootstrap over clips), with a p-value."""
    sa, sb = cosine_similarity_matrix(emb_a), cosine_similarity_matrix(emb_b)
    out = {}
    for stat in stats:
        res = paired_bootstrap(sa, sb, humans.human, humans.items, idx=humans.trip.idx, odd=humans.trip.odd,
                               stat=stat, n_boot=n_boot, seed=seed)
        out[stat] = res.summary()
    return out


def layerwise_fit(
    layer_emb: np.ndarray,
    head_emb: np.ndarray | None,
    data: Any,
    items: np.ndarray,
    select: SplitHumans,
    test: SplitHumans,
    *,
    chosen_on: str = "val",
    n_boot: int = 1000,
    seed: int = 0,
    head_fit: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """R² per layer on the selection clips (``chosen_on``: normally ``val``) and the test clips; the layer
    is chosen by RSA on the selection clips only, so test numbers never pick it.

    ``layer_emb`` is ``(L+1, len(items), D)`` (embedding output, then each block), ``head_emb`` the
    model's output embedding (after the projection head, if any) for the same clips, row "output". Rows follow ``items``.
    ``head_fit``: ``fit_from_embeddings`` of ``head_emb``'s test rows with this ``n_boot`` and ``seed`` where the caller
    has it (the suite's fit row): the chosen fit when the output is chosen, rather than the same bootstrap drawn again.
    A chosen layer whose test features mean nothing (:func:`unscorable`: a collapsed or diverged model, whose every
    layer is undefined and the output chosen by default) has ``chosen_fit`` ``{"skipped": why}``: its 0% accuracies
    are ties, no answer.
    """
    shared = np.intersect1d(select.items, test.items)
    if len(shared):  # a layer chosen on scored clips flatters its test R² (run_suite never passes such splits)
        raise BGSInputError(f"layer-wise fit: the layer would be chosen on {len(shared)} of the {len(test.items)} "
                            f"scored clips ({select.split!r} shares them with {test.split!r}); choose it on other "
                            "clips")
    select_rows = embedding_rows(items, select.items, f"{select.split!r}")
    test_rows = embedding_rows(items, test.items, f"{test.split!r}")
    names = [f"layer {k}" if k else "embeddings" for k in range(layer_emb.shape[0])]
    feats = list(layer_emb)
    if head_emb is not None:
        names.append("output")
        feats.append(head_emb)
    rows: list[dict[str, Any]] = []
    for name, feat in zip(names, feats):
        select_rho = rsa_spearman(cosine_similarity_matrix(feat[select_rows]), select.human, select.items)
        test_rho = rsa_spearman(cosine_similarity_matrix(feat[test_rows]), test.human, test.items)
        rows.append({"layer": name, "select_rsa": select_rho, "select_r2": float(signed_square(select_rho)),
                     "test_r2": float(signed_square(test_rho))})
    # none defined (every layer's similarities undefined on the selection clips): the last row, the output where given
    finite = [k for k, r in enumerate(rows) if np.isfinite(r["select_rsa"])]
    best = max(finite, key=lambda k: rows[k]["select_rsa"]) if finite else len(rows) - 1
    why = unscorable(feats[best][test_rows])
    if why is not None:
        chosen: dict[str, Any] = {"skipped": why}
    elif head_fit is not None and head_emb is not None and best == len(rows) - 1:
        chosen = dict(head_fit)
    else:
        chosen = fit_from_embeddings(feats[best][test_rows], data, test, n_boot=n_boot, seed=seed)
    return {"layers": rows, "chosen": names[best], "chosen_on": chosen_on, "chosen_fit": chosen,
            "note": f"layer chosen by RSA on the {chosen_on} clips; test numbers never used for the choice"}
