"""Linear read-outs of frozen embeddings: ridge probes for clip ratings, and a logistic probe for
out-of-distribution transfer (SocialShapes-Abstract: friendly / neutral / adversarial).

Probes ask what a representation makes linearly available, independent of the similarity geometry.
Everything is fit on training clips only; test clips are scored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.eval.embed import check_finite_embeddings, embedding_rows

logger = logging.getLogger(__name__)

#: the paper's probed attributes (rating columns ``rating_<attr>``).
PROBE_ATTRS: tuple[str, ...] = ("valence", "arousal", "dominance", "intimacy", "communication")
#: the penalties RidgeCV chooses among by leave-one-out: 15 on a log scale from 1e-3 to 1e4.
RIDGE_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-3, 4, 15))
#: the fewest rated training and scored clips an attribute's probe is fit and scored with (else it is skipped).
MIN_RATED_TRAIN, MIN_RATED_SCORED = 5, 3


def wilson_ci(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (well-behaved near 0 and 1, unlike Wald); successes outside
    0..n are refused (3 of 2 gave [0, 1] after numpy's "invalid value encountered in sqrt")."""
    if n > 0 and not 0 <= successes <= n:
        raise BGSInputError(f"Wilson interval needs 0 <= successes <= n, got {successes} of {n}")
    if n <= 0:
        return float("nan"), float("nan")
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def permutation_pearson(pred: np.ndarray, y: np.ndarray, *, n_perm: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Pearson r and its one-sided permutation p-value (r > 0 beyond chance), via scipy.

    Exact when scipy's count of pairings, (n!)² (it reorders both vectors), is at most ``n_perm`` (n <= 4 at
    1000); otherwise ``n_perm`` random pairings, with the observed pairing counted, so p >= 1/(n_perm+1).
    """
    from scipy.stats import permutation_test

    from bgs_hf.metrics.bootstrap import check_count
    from bgs_hf.metrics.rsa import pearson, pearson_scale

    n_perm = check_count(n_perm, "n_perm")  # 0 was scipy's "`n_resamples` must be a positive integer."

    pred = np.asarray(pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = pearson(pred, y)
    if not np.isfinite(r):
        return r, float("nan")
    pred, y = pearson_scale(pred, y)  # r_along's sums then neither under- nor overflow where pearson's would

    def r_along(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        """Pearson r along ``axis``: scipy passes every resampled pairing at once (``pearson`` takes one pair)."""
        a = a - a.mean(axis=axis, keepdims=True)
        b = b - b.mean(axis=axis, keepdims=True)
        return (a * b).sum(axis) / np.sqrt((a * a).sum(axis) * (b * b).sum(axis))

    res = permutation_test((pred, y), r_along, permutation_type="pairings", vectorized=True, n_resamples=n_perm,
                           alternative="greater", random_state=seed)
    return r, float(res.pvalue)


def ridge_predictions(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *,
                      alphas: Sequence[float] = RIDGE_ALPHAS) -> tuple[np.ndarray, float]:
    """Test predictions and the chosen alpha of a ridge probe: features standardised on train, RidgeCV (efficient
    leave-one-out over ``alphas``)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # float64 whatever comes in: scikit-learn keeps float16 features in half precision (r off by 0.04)
    x_train, x_test = np.asarray(x_train, dtype=np.float64), np.asarray(x_test, dtype=np.float64)
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=list(alphas)))
    model.fit(x_train, y_train)
    return model.predict(x_test), float(model[-1].alpha_)


@dataclass(frozen=True)
class ProbeFit:
    """A fitted ridge probe's predictions of the scored clips, kept so a report fits each model's probe once: its own
    row (:meth:`score`) and its paired difference with another model (:func:`paired_probe_fits`) read the same fit."""

    pred: np.ndarray
    y_test: np.ndarray
    alpha: float
    n_train: int

    def score(self, *, n_perm: int = 1000, seed: int = 0) -> dict[str, float]:
        """Pearson r of the predictions with the scored ratings, its permutation p, the alpha and both counts."""
        r, p = permutation_pearson(self.pred, self.y_test, n_perm=n_perm, seed=seed)
        # n_perm: the p's resolution (the report prints "< 1/(n_perm+1)" at that floor, not a spuriously exact p)
        return {"r": r, "p_value": p, "n_perm": int(n_perm), "alpha": self.alpha,
                "n_train": self.n_train, "n_test": int(len(self.y_test))}


def fit_ridge_probe(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *,
                    alphas: Sequence[float] = RIDGE_ALPHAS) -> ProbeFit:
    """The ridge probe of :func:`ridge_predictions`, fitted once, with what scoring it needs."""
    pred, alpha = ridge_predictions(x_train, y_train, x_test, alphas=alphas)
    return ProbeFit(pred, np.asarray(y_test), alpha, int(len(y_train)))


def ridge_probe(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *,
                alphas: Sequence[float] = RIDGE_ALPHAS, n_perm: int = 1000, seed: int = 0) -> dict[str, float]:
    """Standardise features on train, RidgeCV (efficient leave-one-out over ``alphas``), score test."""
    return fit_ridge_probe(x_train, y_train, x_test, y_test, alphas=alphas).score(n_perm=n_perm, seed=seed)


def _ratings(data: Any, col: str, items: np.ndarray) -> np.ndarray:
    """Rating column ``col`` of ``items`` (NaN: an unrated clip)."""
    return np.asarray(data.clips[col], dtype=np.float64)[np.asarray(items)]


def probes_skipped_reason(data: Any, train_items: np.ndarray, test_items: np.ndarray, split: str, *,
                          attrs: Sequence[str] = PROBE_ATTRS) -> str:
    """Why no attribute was probed, for the report: no rating column, or each column's rated clips to train on and
    scored against the minimums. Data rated throughout read "no rating column with enough rated clips" when scoring
    ``train`` left 4 clips to train on."""
    columns = [f"rating_{attr}" for attr in attrs if f"rating_{attr}" in data.clips.column_names]
    if not columns:
        return "no rating column with enough rated clips (" + ", ".join(f"rating_{a}" for a in attrs) + ")"
    by_counts: dict[tuple[int, int], list[str]] = {}  # columns rated alike said once: imported data rates every clip
    for col in columns:
        counts = (int(np.isfinite(_ratings(data, col, train_items)).sum()),
                  int(np.isfinite(_ratings(data, col, test_items)).sum()))
        by_counts.setdefault(counts, []).append(col)
    missing = [f"rating_{attr}" for attr in attrs if f"rating_{attr}" not in columns]
    return (f"too few rated clips to fit the probes scoring the {split} split: "
            + "; ".join(f"{', '.join(cols)}: {n_train} to train on (at least {MIN_RATED_TRAIN} needed) and {n_scored} "
                        f"scored (at least {MIN_RATED_SCORED} needed)"
                        for (n_train, n_scored), cols in by_counts.items())
            + (f"; no {', '.join(missing)} column" if missing else ""))


def _probe_targets(data: Any, train_items: np.ndarray, test_items: np.ndarray, items: np.ndarray,
                   attrs: Sequence[str], say_skipped: bool = True,
                   ) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(attribute, training rows, their ratings, scored rows, their ratings) of each probed attribute: rows of the
    embeddings (which follow ``items``) of the rated clips; an attribute without its column or with too few rated
    clips is skipped (said in the log where ``say_skipped``: both depend on the data alone). Training clips that are
    also scored are refused (``split_items("fit")`` beside a scored ``val``: the probe would be trained on them)."""
    shared = np.intersect1d(np.asarray(train_items), np.asarray(test_items))
    if len(shared):
        raise BGSInputError(f"attribute probes would be trained on {len(shared)} of the {len(test_items)} scored "
                            f"clips (clip {int(shared[0])} is in both); leave the scored clips out of train_items")
    tr, te = embedding_rows(items, train_items, "training"), embedding_rows(items, test_items, "scored")
    missing = [f"rating_{attr}" for attr in attrs if f"rating_{attr}" not in data.clips.column_names]
    if missing and say_skipped:  # one line: a lab's unrated data logged one per attribute and model, ten lines
        logger.info("no %s column: probe skipped" if len(missing) == 1 else "no %s columns: their probes skipped",
                    ", ".join(missing))
    for attr in attrs:
        col = f"rating_{attr}"
        if col in missing:
            continue
        ytr, yte = _ratings(data, col, train_items), _ratings(data, col, test_items)
        keep_tr, keep_te = np.isfinite(ytr), np.isfinite(yte)
        if keep_tr.sum() < MIN_RATED_TRAIN or keep_te.sum() < MIN_RATED_SCORED:
            # the counts and the minimums, so a user sees which split lacks ratings and by how many
            if say_skipped:
                logger.info("too few rated clips for %s: %d training (at least %d needed) and %d scored (at least %d "
                            "needed); probe skipped", attr, keep_tr.sum(), MIN_RATED_TRAIN, keep_te.sum(),
                            MIN_RATED_SCORED)
            continue
        yield attr, tr[keep_tr], ytr[keep_tr], te[keep_te], yte[keep_te]


def fit_attribute_probes(emb: np.ndarray, data: Any, train_items: np.ndarray, test_items: np.ndarray,
                         items: np.ndarray, *, attrs: Sequence[str] = PROBE_ATTRS,
                         say_skipped: bool = True) -> dict[str, ProbeFit]:
    """The fitted ridge probe of each rating column present in ``data.clips`` (as :func:`attribute_probes`), for a
    caller that scores them more than once (the suite's rows and their paired differences). ``say_skipped=False``
    for every model but the first: which probes the data leaves out is the same for each (it was logged per model).
    Embeddings holding NaN or inf are refused in one line (:func:`~bgs_hf.eval.embed.check_finite_embeddings`)."""
    check_finite_embeddings(emb, "the embeddings")
    return {attr: fit_ridge_probe(emb[tr], ytr, emb[te], yte)
            for attr, tr, ytr, te, yte in _probe_targets(data, train_items, test_items, items, attrs, say_skipped)}


def score_probes(fits: Mapping[str, ProbeFit], *, n_perm: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Each attribute's row of :func:`attribute_probes` from its fitted probe."""
    return {attr: fit.score(n_perm=n_perm, seed=seed) for attr, fit in fits.items()}


def attribute_probes(emb: np.ndarray, data: Any, train_items: np.ndarray, test_items: np.ndarray,
                     items: np.ndarray, *, attrs: Sequence[str] = PROBE_ATTRS, n_perm: int = 1000,
                     seed: int = 0) -> dict[str, dict[str, float]]:
    """One ridge probe per rating column present in ``data.clips``; ``emb`` rows follow ``items``. Training clips that
    are also scored are refused (``split_items("fit")`` beside a scored ``val``: the probe would be trained on them)."""
    return score_probes(fit_attribute_probes(emb, data, train_items, test_items, items, attrs=attrs), n_perm=n_perm,
                        seed=seed)


def _paired_over_clips(stat_of: Callable[[np.ndarray], Callable[[np.ndarray | None], float]], a: np.ndarray,
                       b: np.ndarray, *, n_boot: int, seed: int, stat: str) -> dict[str, Any]:
    """stat(a) − stat(b) on the same resamples of the scored clips (the fit's paired bootstrap: its draws, interval
    and two-sided p), as the row the suite writes."""
    from bgs_hf.metrics.bootstrap import check_count, clip_resamples, paired_resample_test

    n_boot = check_count(n_boot, "n_boot")
    n = len(a)
    res = paired_resample_test(stat_of(a), stat_of(b), clip_resamples(np.arange(n), n, n_boot, seed), n_boot=n_boot,
                               stat=stat)
    return res.summary()


def paired_pearson(pred_a: np.ndarray, pred_b: np.ndarray, y: np.ndarray, *, n_boot: int = 1000,
                   seed: int = 0) -> dict[str, Any]:
    """Pearson r(pred_a, y) − r(pred_b, y) with a paired bootstrap over the clips (each resample repeats a clip as
    often as it was drawn, for both predictions): ``diff``, ``ci``, two-sided ``p_value``, ``n_boot``, ``n_tied``."""
    from bgs_hf.metrics.rsa import pearson

    y = np.asarray(y, dtype=np.float64)
    if not len(pred_a) == len(pred_b) == len(y):
        raise BGSInputError(f"paired r needs one prediction of each model per clip, got {len(pred_a)}, {len(pred_b)} "
                            f"and {len(y)} ratings")

    def r_of(pred: np.ndarray) -> Callable[[np.ndarray | None], float]:
        pred = np.asarray(pred, dtype=np.float64)
        return lambda m: pearson(pred, y) if m is None else pearson(np.repeat(pred, m), np.repeat(y, m))

    return _paired_over_clips(r_of, pred_a, pred_b, n_boot=n_boot, seed=seed, stat="probe r")


def paired_accuracy(right_a: np.ndarray, right_b: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Accuracy of ``right_a`` (one 0/1 per clip) − that of ``right_b`` with a paired bootstrap over the clips."""
    if len(right_a) != len(right_b):
        raise BGSInputError(f"paired accuracy needs both models' answers on the same clips, got {len(right_a)} and "
                            f"{len(right_b)}")

    def acc_of(right: np.ndarray) -> Callable[[np.ndarray | None], float]:
        right = np.asarray(right, dtype=np.float64)
        return lambda m: float(right.mean()) if m is None else float((m * right).sum() / m.sum())

    return _paired_over_clips(acc_of, right_a, right_b, n_boot=n_boot, seed=seed, stat="accuracy")


def paired_probes(emb_a: np.ndarray, emb_b: np.ndarray, data: Any, train_items: np.ndarray, test_items: np.ndarray,
                  items: np.ndarray, *, attrs: Sequence[str] = PROBE_ATTRS, n_boot: int = 1000,
                  seed: int = 0) -> dict[str, dict[str, Any]]:
    """Probe r of ``emb_a`` minus that of ``emb_b`` per attribute, with a 95% interval and two-sided p from a paired
    bootstrap over the scored clips (both models' probes, each fit once on the training clips, score the same
    resample), so a "change in r" is not read from two r's alone."""
    for e, name in ((emb_a, "emb_a"), (emb_b, "emb_b")):  # both before either probe is fit, each by its name
        check_finite_embeddings(e, name)
    # the skipped probes said by the first fit alone, by position: ``e is emb_a`` said them twice for a model paired
    # with itself (one array passed as both)
    fits = (fit_attribute_probes(e, data, train_items, test_items, items, attrs=attrs, say_skipped=k == 0)
            for k, e in enumerate((emb_a, emb_b)))
    return paired_probe_fits(*fits, n_boot=n_boot, seed=seed)


def paired_probe_fits(fits_a: Mapping[str, ProbeFit], fits_b: Mapping[str, ProbeFit], *, n_boot: int = 1000,
                      seed: int = 0) -> dict[str, dict[str, Any]]:
    """:func:`paired_probes` from the probes already fitted for each model's own row (:func:`fit_attribute_probes`),
    so the suite fits each probe once; both models' probes must score the same clips' ratings."""
    if list(fits_a) != list(fits_b):
        raise BGSInputError(f"paired probes need both models' probes of the same attributes, got {list(fits_a)} and "
                            f"{list(fits_b)}")
    out = {}
    for attr, fa in fits_a.items():
        fb = fits_b[attr]
        if not np.array_equal(fa.y_test, fb.y_test, equal_nan=True):
            raise BGSInputError(f"paired {attr} probes need both models scored on the same clips' ratings")
        out[attr] = paired_pearson(fa.pred, fb.pred, fa.y_test, n_boot=n_boot, seed=seed)
    return out


def read_abstract_set(folder: str | Path) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """(video paths, labels as ints, is-generalisation flags, label names) of a SocialShapes-Abstract set."""
    import pandas as pd

    folder = Path(folder)
    table_path = folder / "labels.csv"
    if not table_path.is_file():
        raise BGSInputError("no labels.csv (not a SocialShapes-Abstract folder; see `bgs-hf synth --abstract`)",
                            path=folder)
    table = pd.read_csv(table_path)
    for col in ("video_name", "split", "label"):
        if col not in table.columns:
            raise BGSInputError(f"column {col!r} missing", path=table_path)
    # an empty cell is refused at its CSV line: pandas reads it as NaN, which failed as a TypeError in sorting the
    # labels or joining the video path
    problems = {"no video_name": table["video_name"].isna(), "no label": table["label"].isna(),
                "split must be train or generalisation": ~table["split"].isin(["train", "generalisation"])}
    for problem, bad in problems.items():
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise BGSInputError(f"row {row + 2}: {problem}", path=table_path)  # its CSV line: the header is line 1
    names = sorted(table["label"].unique())
    labels = table["label"].map({n: k for k, n in enumerate(names)}).to_numpy(dtype=np.int64)
    paths = [str(folder / "videos" / v) for v in table["video_name"]]
    # checked here, where the CLI and the suite read the set before any model loads: a missing video was found only
    # when the transfer analysis embedded the set, after every other analysis
    missing = [v for v, path in zip(table["video_name"], paths) if not Path(path).is_file()]
    if missing:
        raise BGSInputError(f"{len(missing)} of the {len(paths)} videos labels.csv lists are missing from videos/ "
                            f"(first: {missing[0]}): write the set again with `bgs-hf synth DIR --abstract`, or "
                            "drop their rows", path=folder)
    return paths, labels, (table["split"] == "generalisation").to_numpy(), names


@dataclass(frozen=True)
class TransferFit:
    """A fitted transfer probe's held-out answers, kept so a report fits each model's probe once: its own row
    (:meth:`summary`) and its paired difference with another model (:attr:`right`, for :func:`paired_accuracy`)."""

    pred: np.ndarray
    y_test: np.ndarray
    n_train: int
    train_accuracy: float

    @property
    def right(self) -> np.ndarray:
        """Whether each held-out clip's label was predicted."""
        return self.pred == self.y_test

    def summary(self) -> dict[str, Any]:
        """The :func:`transfer_probe` row: held-out accuracy with its Wilson CI, counts, chance, train accuracy."""
        correct = int(self.right.sum())
        n = int(len(self.y_test))
        lo, hi = wilson_ci(correct, n)
        # chance: what always answering the held-out part's most frequent label scores (1/K only when balanced)
        _, counts = np.unique(self.y_test, return_counts=True)
        return {"accuracy": correct / n, "ci": [lo, hi], "n_test": n, "n_train": self.n_train,
                "chance": float(counts.max() / n), "train_accuracy": self.train_accuracy}


def fit_transfer_probe(emb: np.ndarray, labels: Any, is_test: Any, *, seed: int = 0) -> TransferFit:
    """The logistic-regression probe of :func:`transfer_probe`, fitted once on the train part; embeddings holding NaN
    or inf are refused in one line (:func:`~bgs_hf.eval.embed.check_finite_embeddings`)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # float64 features, as the ridge probe's; labels as an array (a list failed in `labels[~is_test]`, a TypeError)
    emb, labels, is_test = np.asarray(emb, dtype=np.float64), np.asarray(labels), np.asarray(is_test, dtype=bool)
    if not len(emb) == len(labels) == len(is_test):
        raise BGSInputError(f"transfer probe needs one label and one held-out flag per clip, got {len(emb)} clips, "
                            f"{len(labels)} labels, {len(is_test)} flags")
    if is_test.all() or not is_test.any():
        raise BGSInputError("transfer probe needs both train and held-out clips")
    check_finite_embeddings(emb, "the embeddings")
    if len(np.unique(labels[~is_test])) < 2:
        raise BGSInputError("transfer probe needs at least two labels among its training clips")
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=seed))
    clf.fit(emb[~is_test], labels[~is_test])
    return TransferFit(clf.predict(emb[is_test]), labels[is_test], int((~is_test).sum()),
                       float(clf.score(emb[~is_test], labels[~is_test])))


def transfer_probe(emb: np.ndarray, labels: np.ndarray, is_test: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
    """Logistic-regression probe trained on the train part, accuracy on the held-out part (Wilson CI)."""
    return fit_transfer_probe(emb, labels, is_test, seed=seed).summary()


def paired_transfer(emb_a: np.ndarray, emb_b: np.ndarray, labels: np.ndarray, is_test: np.ndarray, *,
                    n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Held-out accuracy of ``emb_a``'s transfer probe minus ``emb_b``'s, with a 95% interval and two-sided p from a
    paired bootstrap over the held-out clips (both probes judged on the same resample): two Wilson intervals side by
    side say nothing about the difference of two accuracies on the same clips. (A caller holding both fitted probes,
    as the suite does, passes their ``right`` to :func:`paired_accuracy` instead of fitting them again.)"""
    for e, name in ((emb_a, "emb_a"), (emb_b, "emb_b")):
        check_finite_embeddings(e, name)
    fa, fb = (fit_transfer_probe(e, labels, is_test, seed=seed) for e in (emb_a, emb_b))
    return paired_accuracy(fa.right, fb.right, n_boot=n_boot, seed=seed)
