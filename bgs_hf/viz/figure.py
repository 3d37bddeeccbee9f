"""One way to make a figure in library code: a bare ``matplotlib.figure.Figure``, never pyplot.

pyplot's ``matplotlib.use("Agg")`` switched the whole process's backend (a notebook's inline plots stopped
appearing after a benchmark was generated), and pyplot keeps every figure until it is closed (the Space returned
one per request to gradio and never closed it). A bare Figure renders with Agg when saved and is freed with its
last reference.
"""

from __future__ import annotations

import textwrap
from typing import Any

# Okabe & Ito (2008): distinct under the common colour-vision deficiencies (matplotlib's default cycle puts its
# green next to its red). Which model gets which colour: bgs_hf.viz.models (one colour per model in every figure).
MODEL_COLOURS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                                  "#000000")


#: Font sizes (points) of every report figure, readable at the size it is saved (8 pt at 110 dpi is 12 pixels):
#: tick labels, legends and notes; axis labels; titles.
TEXT_PT: float = 8.5
LABEL_PT: float = 9.5
TITLE_PT: float = 10.5
#: Characters per line of a legend entry beside the axes (a longer model name wraps, so it leaves the axes their width).
LEGEND_CHARS: int = 44
#: A reference line's legend entry where its estimate is undefined (a noise ceiling on too few judgments:
#: ``bgs_hf.metrics.ceiling.ceiling_or_nan``): a chart against the ceiling drew none and said nothing.
UNDEFINED_ESTIMATE: str = "n/a (too few judgments or participants to estimate it)"



def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             dpi: float | None = None, squeeze: bool = True, gridspec_kw: dict[str, Any] | None = None,
             **kwargs: Any) -> tuple[Any, Any]:
    """``(fig, axes)`` like ``plt.subplots``, without pyplot's global state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, **kwargs)
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze, gridspec_kw=gridspec_kw)


def ci_error_bars(values: Any, intervals: Any) -> Any:
    """``(2, n)`` ``yerr`` for ``ax.bar`` from estimates and ``(lo, hi)`` intervals (``None`` or NaN: no bar).

    A bootstrap percentile interval need not contain its estimate (few resamples); matplotlib refuses a negative
    error, so such a side is drawn as zero. A missing side stays NaN, which matplotlib skips: a zero there drew a
    cap on the bar, which reads as a very tight interval.
    """
    import numpy as np

    vals = np.asarray(values, dtype=np.float64)
    ci = np.array([[np.nan if x is None else float(x) for x in (iv or (None, None))] for iv in intervals],
                  dtype=np.float64).reshape(-1, 2)
    return np.maximum(np.stack([vals - ci[:, 0], ci[:, 1] - vals]), 0.0)  # np.maximum keeps NaN


def ci_legend_handle() -> Any:
    """The legend's key for the error bars of :func:`ci_error_bars` (a bar figure's intervals named once)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", marker="_", ls="-", lw=0.8, markersize=6)


def wrap_to(text: str, width_in: float, pt: float) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``pt`` points (a title is not shrunk by
    ``tight_layout``: a long data or model name ran off both edges of the saved figure)."""
    chars = max(12, int(width_in * 72 / (0.62 * pt)))  # DejaVu Sans averages about 0.55-0.6 em per character
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def fit_height_to_legend(fig: Any, legend: Any) -> None:
    """Make ``fig`` tall enough for ``legend`` beside its axes (a legend of a dozen models ran off the bottom)."""
    need = legend.get_window_extent().height / fig.dpi + 0.6  # the title above, a margin below
    w, h = fig.get_size_inches()
    if need > h:
        fig.set_size_inches(w, need)
