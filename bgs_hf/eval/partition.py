"""Variance partitioning: how much of the human pair vector only the video model explains, only the
language model explains, and both explain (commonality analysis with ordinary least squares).

With R²(V), R²(L) and R²(V+L) the in-sample R² of linear fits of the human p_ij on the model's pair
similarities, the language pair similarities, and both::

    video_unique    = R²(V+L) − R²(L)
    language_unique = R²(V+L) − R²(V)
    shared          = R²(V) + R²(L) − R²(V+L)      (can be negative: suppression)
    unexplained     = 1 − R²(V+L)
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata

from bgs_hf._format import agree
from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.similarity import real_numbers


def ols_r2(y: np.ndarray, x: np.ndarray) -> float:
    """In-sample R² of an OLS fit of ``y`` on the columns of ``x`` plus an intercept; nan for a constant ``y``
    (tested before centring, which leaves ulp-sized noise that a fit turned into R² of -33) and for a non-finite
    value, as the fit's R² of a NaN similarity is nan (``lstsq`` failed: "SVD did not converge")."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if not y.size or np.ptp(y) == 0 or not (np.isfinite(y).all() and np.isfinite(x).all()):
        return float("nan")
    x = x[:, None] if x.ndim == 1 else x
    design = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    tss = float(((y - y.mean()) ** 2).sum())
    return float("nan") if tss <= 0 else float(1.0 - (resid @ resid) / tss)


def variance_partition(y: Any, video: Any, language: Any, *, rank: bool = False) -> dict[str, Any]:
    """Unique and shared R² of two predictor sets (1-d vectors or (n, k) matrices) for ``y``.

    ``rank=True`` replaces every variable by its ranks first (matching the Spearman-based R²).
    """
    y, v, lang = real_numbers(y, "y"), real_numbers(video, "video"), real_numbers(language, "language")
    # a (n, 2) y failed in numpy's matmul, a (n, 1, 1) predictor in column_stack, scalars in len()
    for name, arr, dims in (("y", y, (1,)), ("video", v, (1, 2)), ("language", lang, (1, 2))):
        if arr.ndim not in dims:
            raise BGSInputError(f"variance partitioning needs {name} as a {' or '.join(f'{d}-d' for d in dims)} "
                                f"array, got shape {arr.shape}")
    v = v[:, None] if v.ndim == 1 else v
    lang = lang[:, None] if lang.ndim == 1 else lang
    if not (len(y) == len(v) == len(lang)):
        raise BGSInputError(f"variance partitioning needs equal lengths, got {len(y)}, {len(v)}, {len(lang)}")
    if len(y) < v.shape[1] + lang.shape[1] + 2:
        raise BGSInputError(f"variance partitioning needs more observations than predictors, got {len(y)}")
    if rank:
        y = rankdata(y)
        v = np.apply_along_axis(rankdata, 0, v)
        lang = np.apply_along_axis(rankdata, 0, lang)
    r_v, r_l, r_vl = ols_r2(y, v), ols_r2(y, lang), ols_r2(y, np.column_stack([v, lang]))
    return {
        "r2_video": r_v,
        "r2_language": r_l,
        "r2_both": r_vl,
        "video_unique": r_vl - r_l,
        "language_unique": r_vl - r_v,
        "shared": r_v + r_l - r_vl,
        "unexplained": 1.0 - r_vl,
        "n_pairs": int(len(y)),
        "method": "rank OLS" if rank else "OLS",
    }


#: the shares :func:`partition_pairs` gives an interval
PARTS = ("video_unique", "language_unique", "shared")
#: The shared part's hatch in :func:`plot_partition`: its grey #BBBBBB prints (BT.601 luma of 255) at 187, within
#: ``bgs_hf.viz.models.GREY_APART`` of the video part's sky blue (158); the language part's green (106) is 52 and 81
#: levels from them. A texture no standard model has (``MODEL_KEY_HATCHES``).
SHARED_HATCH = "\\\\"


def partition_pairs(model_sim: np.ndarray, language_sim: np.ndarray, human: Any, items: Any,
                    *, rank: bool = False, n_boot: int = 0, ci: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Variance partitioning over the observed pairs among ``items`` (matrices are items×items; None: every clip).

    ``n_boot > 0`` adds ``<part>_ci`` for each part: a percentile interval over clip resamples, drawn as
    :func:`bgs_hf.metrics.bootstrap_ci` draws them (a clip drawn twice is two stimuli), since a unique share
    of a few hundred pairs moves a lot with the clips that happen to be scored.
    """
    from bgs_hf.metrics.bootstrap import check_ci, check_count, clip_resamples, defined_interval
    from bgs_hf.metrics.rsa import model_pair_values

    check_ci(ci)  # before the resamples, not after them
    n_boot = check_count(n_boot, "n_boot", least=0, meaning=" (0: no interval)")
    model_pairs, p, gi, gj = model_pair_values(model_sim, human, items)  # gi, gj: each pair's two clips
    language_pairs, _, _, _ = model_pair_values(language_sim, human, items)
    out: dict[str, Any] = variance_partition(p, model_pairs, language_pairs, rank=rank)
    if n_boot > 0:
        rows = np.arange(len(p))
        samples = {part: np.full(n_boot, np.nan) for part in PARTS}
        for b, mult in enumerate(clip_resamples(items, human.n_items, n_boot, seed, human=human)):
            pick = np.repeat(rows, mult[gi] * mult[gj])  # pair (i, j) weighs m_i·m_j, as in bootstrap_ci
            if len(pick) >= 5:  # OLS on two predictors and an intercept
                draw = variance_partition(p[pick], model_pairs[pick], language_pairs[pick], rank=rank)
                for part in PARTS:
                    samples[part][b] = draw[part]
        for part in PARTS:
            out[f"{part}_ci"] = list(defined_interval(samples[part], out[part], ci, f"variance partition {part}")
                                     or (float("nan"), float("nan")))
        out["ci_over"] = f"clips, {n_boot} {agree(n_boot, 'resample', 'resamples')}"  # 1000 kept as recorded
    return out


def plot_partition(parts: dict[str, dict[str, Any]], path: str | Path, *, title: str | None = None,
                   labels: dict[str, str] | None = None, simulated: bool = False) -> Path:
    """Bars side by side (one group per model): video-unique, shared, language-unique R² of the human pair vector,
    each with its ``<part>_ci`` interval over clip resamples where recorded (evaluation.md gives it; the stacked bars
    drawn before had none, and a share's interval cannot sit on a stack). A model whose parts are all undefined says
    "not defined" where its bars would be (they vanished without a word); one not partitioned (``{"skipped": why}``: a
    diverged or collapsed model) has no slot, and a line under the axes says ``<model>: not run (<why>)`` (it was left
    off without a word while the table said why). With no model partitioned the figure says so, with each reason, and
    has no axes (they drew an empty range with a legend in matplotlib's default blue).

    The parts take the models' palette (``bgs_hf.viz.models``): the language part the language model's colour; the
    shared part is hatched (:data:`SHARED_HATCH`), as it prints as nearly the video part's grey.
    ``labels`` overrides a model's display name (e.g. a backbone scored in the ``pretrained`` row). ``simulated``:
    the judgments are SocialShapes' simulated observers', and the axis says so."""
    from bgs_hf.viz.figure import LABEL_PT, TEXT_PT, TITLE_PT, ci_error_bars, ci_legend_handle, subplots
    from bgs_hf.viz.models import SPARE_COLOURS, hatch_style, model_colour_of, model_name

    names = [n for n, v in parts.items() if "shared" in v]  # models skipped (e.g. diverged) have no bar
    bars = [("video_unique", "video only", SPARE_COLOURS[0], ""), ("shared", "shared", "#BBBBBB", SHARED_HATCH),
            ("language_unique", "language only", model_colour_of("language"), "")]  # (part, label, colour, hatch)
    tick_labels = ["\n".join(textwrap.wrap(model_name(n, labels=labels), 18)) for n in names]
    width = 2.0 + 1.5 * len(names) + 1.8  # inches
    not_run = [f"{model_name(n, labels=labels)}: not run ({v['skipped']})" for n, v in parts.items()
               if n not in names and "skipped" in v]
    fig, ax = subplots(figsize=(width, 3.4))
    ax.set_title(title or "Variance partitioning", fontsize=TITLE_PT)
    if not names:  # bars of no model: a legend in matplotlib's default blue over an empty x range (a UserWarning)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "\n".join(["no model was partitioned", *(textwrap.fill(line, int(12 * width))
                                                                   for line in not_run)]),
                ha="center", va="center", transform=ax.transAxes, fontsize=TEXT_PT, color="0.3")
        return _saved(fig, path)
    x = np.arange(len(names))
    w = 0.8 / len(bars)
    with_ci = False
    for k, (key, label, colour, hatch) in enumerate(bars):
        vals = np.array([np.nan if parts[n][key] is None else parts[n][key] for n in names], dtype=np.float64)
        cis = [parts[n].get(f"{key}_ci") for n in names]
        with_ci |= any(ci is not None for ci in cis)
        ax.bar(x + (k - 1) * w, vals, width=w, color=colour, label=label,
               yerr=ci_error_bars(vals, cis), capsize=2, error_kw={"lw": 0.8}, **hatch_style(hatch))
    for i, n in enumerate(names):  # an empty slot read as no share at all
        if all(parts[n][key] is None or not np.isfinite(parts[n][key]) for key, *_ in bars):
            ax.text(x[i], 0, "not defined", ha="center", va="bottom", fontsize=TEXT_PT, color="0.3")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, tick_labels)
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.tick_params(labelsize=TEXT_PT)
    whose = "simulated observers'" if simulated else "human"
    ax.set_ylabel(f"R² of {whose} pair similarity\n(OLS, scored pairs)", fontsize=LABEL_PT)
    if not_run:  # as the x label, so tight_layout keeps it clear of the tick labels; about 12 characters an inch
        ax.set_xlabel("\n".join(textwrap.fill(line, int(12 * width)) for line in not_run), fontsize=TEXT_PT,
                      color="0.3")
    handles, legend_labels = ax.get_legend_handles_labels()
    if with_ci:
        handles.append(ci_legend_handle())
        legend_labels.append("95% interval (bootstrap\nover clips)")
    ax.legend(handles, legend_labels, fontsize=TEXT_PT, frameon=False, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return _saved(fig, path)


def _saved(fig: Any, path: str | Path) -> Path:
    """``fig`` laid out and written to ``path``."""
    from bgs_hf.viz.figure import tight_layout
    from bgs_hf.viz.matrices import save_figure

    tight_layout(fig)
    path = Path(path)
    save_figure(fig, path, dpi=110)
    return path
