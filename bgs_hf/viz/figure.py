"""One way to make a figure in library code: a bare ``matplotlib.figure.Figure``, never pyplot.

pyplot's ``matplotlib.use("Agg")`` switched the whole process's backend (a notebook's inline plots stopped
appearing after a benchmark was generated), and pyplot keeps every figure until it is closed (the Space returned
one per request to gradio and never closed it). A bare Figure renders with Agg when saved and is freed with its
last reference.
"""

from __future__ import annotations

from typing import Any


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             dpi: float | None = None, squeeze: bool = True, **kwargs: Any) -> tuple[Any, Any]:
    """``(fig, axes)`` like ``plt.subplots``, without pyplot's global state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, **kwargs)
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze)
