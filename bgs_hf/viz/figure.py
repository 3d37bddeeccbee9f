"""One way to make a figure in library code: a bare ``matplotlib.figure.Figure``, never pyplot.

pyplot's ``matplotlib.use("Agg")`` switched the whole process's backend (a notebook's inline plots stopped
appearing after a benchmark was generated), and pyplot keeps every figure until it is closed (the Space returned
one per request to gradio and never closed it). A bare Figure renders with Agg when saved and is freed with its
last reference.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import textwrap
import unicodedata
import weakref
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

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
#: The one way on where no installed font draws a label (clip names in Chinese, Japanese, ...).
MISSING_GLYPHS_ADVICE: str = (
    "install a font that has them (e.g. Noto Sans CJK: `apt install fonts-noto-cjk`), then delete matplotlib's font "
    "cache (`fontlist-*.json` in matplotlib.get_cachedir()) so it is found, or set matplotlib.rcParams['font.family']"
    " to an installed font that has them")
#: matplotlib's own stand-in (3.11 on): it "has" every character, as a box naming its block, so it draws none.
LAST_RESORT_FONT: str = "Last Resort"
#: Figures whose labels :func:`glyphs_checked` has checked (each is told about at most once, however often saved).
_CHECKED: weakref.WeakSet[Any] = weakref.WeakSet()


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
    """Make ``fig`` tall enough for ``legend`` beside its axes (a legend of a dozen models ran off the bottom),
    measured in the fonts its names are drawn in (:func:`glyphs_checked`: call it once every text is made)."""
    with glyphs_checked(fig):
        need = legend.get_window_extent().height / fig.dpi + 0.6  # the title above, a margin below
    w, h = fig.get_size_inches()
    if need > h:
        fig.set_size_inches(w, need)


def _drawn_chars(text: str) -> set[str]:
    """The characters of ``text`` that take a glyph (not spaces, line breaks or format marks)."""
    return {c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "CZ"}


def _fonts_for(prop: Any) -> list[Any]:
    """The font files matplotlib draws ``prop``'s text with, one per family it names (later ones are its fallback)."""
    from matplotlib.font_manager import findfont, get_font

    fonts = []
    for family in prop.get_family():
        if family.startswith(LAST_RESORT_FONT):
            continue
        one = prop.copy()
        one.set_family(family)
        fonts.append(get_font(findfont(one)))
    return fonts


def _missing(text: str, fonts: list[Any]) -> set[str]:
    return {c for c in _drawn_chars(text) if all(f.get_char_index(ord(c)) == 0 for f in fonts)}


@functools.lru_cache(maxsize=64)
def _fallback_font(chars: frozenset[str]) -> str | None:
    """The family of the installed font matplotlib knows that draws most of ``chars`` (None: none draws any); kept,
    as a Space draws the same names on every request and a system may have thousands of fonts to open."""
    from matplotlib.font_manager import fontManager, get_font

    best, best_count = None, 0
    for entry in sorted(fontManager.ttflist, key=lambda e: (e.style != "normal", abs(e.weight - 400) if
                                                            isinstance(e.weight, int) else 0, e.fname)):
        if entry.name.startswith(LAST_RESORT_FONT):
            continue
        try:
            font = get_font(entry.fname)
        except (OSError, RuntimeError):  # a font file that cannot be read: another may
            continue
        count = sum(font.get_char_index(ord(c)) != 0 for c in chars)
        if count > best_count:
            best, best_count = entry.name, count
            if count == len(chars):
                break
    return best


def use_fonts_with_glyphs(fig: Any) -> list[str]:
    """Give each text of ``fig`` with characters its font lacks (a Japanese clip name under DejaVu Sans) an installed
    font that has them as its fallback, and return the texts still missing some (empty boxes where matplotlib draws
    them). A figure whose texts all draw is left as it is, so it is saved byte for byte as before."""
    from matplotlib.text import Text

    lacking: list[tuple[Any, str]] = []
    for artist in fig.findobj(Text):
        text = artist.get_text()
        if not text or not artist.get_visible() or artist.get_usetex() or "$" in text:  # TeX and mathtext: their fonts
            continue
        if _missing(text, _fonts_for(artist.get_fontproperties())):
            lacking.append((artist, text))
    if not lacking:
        return []
    fallback = _fallback_font(frozenset().union(*(_missing(t, _fonts_for(a.get_fontproperties())) for a, t in lacking)))
    still = []
    for artist, text in lacking:
        if fallback is not None and fallback not in artist.get_fontproperties().get_family():
            artist.set_fontfamily([*artist.get_fontproperties().get_family(), fallback])
        if _missing(text, _fonts_for(artist.get_fontproperties())):
            still.append(text)
    return list(dict.fromkeys(still))


def tight_layout(fig: Any) -> None:
    """``fig.tight_layout()`` in the fonts its texts are drawn in (:func:`glyphs_checked`; call it once every text
    is made). Laid out before the save's check, a name in a script DejaVu Sans lacks (a control or data set named in
    Chinese) was measured as empty boxes, with matplotlib's raw warning per character, where an installed font has
    it."""
    with glyphs_checked(fig):
        fig.tight_layout()


@contextlib.contextmanager
def glyphs_checked(fig: Any) -> Iterator[None]:
    """Draw ``fig`` inside this: its texts get a font that has their characters where one is installed
    (:func:`use_fonts_with_glyphs`), and those no font draws are named once, in one warning with the way on, instead
    of matplotlib's one raw "Glyph NNNN missing from font(s)" warning per character per drawing."""
    import warnings

    if fig not in _CHECKED:
        _CHECKED.add(fig)
        undrawable = use_fonts_with_glyphs(fig)
        if undrawable:
            shown = ", ".join(repr(t) for t in undrawable[:8]) + (f" and {len(undrawable) - 8} more"
                                                                  if len(undrawable) > 8 else "")
            logger.warning("no installed font has every character of %d label(s) of this figure, drawn with empty "
                           "boxes for them: %s; %s", len(undrawable), shown, MISSING_GLYPHS_ADVICE)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield
