"""What a BGS evaluation scores: a model's similarities of a split's clips against the humans' (RSA, R², the two
odd-one-out accuracies), and which of these scores may choose the best checkpoint. Plain functions of the
similarities, so the trainer only embeds the clips (:meth:`bgs_hf.training.trainer.BGSTrainer.embed_clips`)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from bgs_hf._format import did_you_mean
from bgs_hf.errors import BGSInputError

logger = logging.getLogger(__name__)


#: what :func:`score_similarities` reports, i.e. what ``metric_for_best_model`` may name (with the ``eval_`` prefix)
SCORED_METRICS = ("rsa", "rsa_pearson", "r2", "ooo_acc_3way", "ooo_acc_2way")


def best_model_metric(name: str | None, *, say: bool = True) -> tuple[str, bool]:
    """(``metric_for_best_model`` as evaluation reports it, whether it was replaced). BGS evaluation has no
    loss, so the Trainer's own defaults (``None``, ``loss``) mean validation RSA; ``rsa_spearman`` is its
    name in ``metrics.json``. Any other name would raise KeyError only after the first epoch's training: ``train_bgs``
    checks it before the data loads (``say=False``: the replacement is logged once, when the Trainer is set up)."""
    if name in (None, "loss", "eval_loss"):
        if name is not None and say:  # the Trainer's own default is "loss" too: say what is used instead
            logger.info("metric_for_best_model %r -> 'eval_rsa' (BGS evaluation reports no loss)", name)
        return "eval_rsa", True
    bare = name[len("eval_"):] if name.startswith("eval_") else name
    bare = "rsa" if bare == "rsa_spearman" else bare
    if bare not in SCORED_METRICS:
        valid = [f"eval_{m}" for m in SCORED_METRICS]
        hint = did_you_mean(name if name.startswith("eval_") else f"eval_{name}", valid)
        raise BGSInputError(f"--metric_for_best_model {name!r} is not a BGS evaluation metric{hint}; use one of "
                            + ", ".join(valid))
    return f"eval_{bare}", False


def score_similarities(sim: np.ndarray, human: Any, triplets: Any, clips: np.ndarray) -> dict[str, float]:
    """RSA (Spearman, the early-stopping metric), Pearson, R², 3-way and 2-way odd-one-out accuracy of the model's
    similarities ``sim`` of ``clips`` (global indices) against ``human`` and the split's ``triplets`` (idx, odd),
    with the counts they rest on; the accuracies are NaN for a split without judgments."""
    from bgs_hf.metrics.ooo import ooo_acc_2way, ooo_acc_3way
    from bgs_hf.metrics.rsa import r2, rsa_pearson, rsa_spearman

    idx, odd = triplets
    has_trip = len(idx) > 0
    return {
        "rsa": rsa_spearman(sim, human, clips),
        "rsa_pearson": rsa_pearson(sim, human, clips),
        "r2": r2(sim, human, clips),
        "ooo_acc_3way": ooo_acc_3way(sim, idx, odd, items=clips) if has_trip else float("nan"),
        "ooo_acc_2way": ooo_acc_2way(sim, idx, odd, items=clips) if has_trip else float("nan"),
        # counts as ints, as metrics.json has them: the Trainer reads only metric_for_best_model's value (never a
        # count: best_model_metric), logs the dict as given and writes it to trainer_state.json (12, not 12.0)
        "n_clips": len(clips),
        "n_pairs": len(human.pairs(clips)[0]),
        "n_judgments": len(idx),
    }
