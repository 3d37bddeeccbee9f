"""Similarity matrices side by side on one colour scale, so human and model geometry compare at a glance."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf.viz.figure import TEXT_PT, glyphs_checked, use_fonts_with_glyphs

logger = logging.getLogger(__name__)

#: Longest clip name a tick shows in full; a longer one keeps its start and end around an ellipsis (and its position in
#: the panel after it where another name of the panel is cut to the same text).
TICK_CHARS: int = 20
#: A cell with no value (an unobserved pair, the diagonal): this grey, hatched. A flat grey alone was the grey of
#: viridis' top in a greyscale print (luminance 217 and 216 of 255), so the panel's most similar pairs, the clusters
#: a reader looks for, vanished into the unobserved ones; the hatching tells them apart in any colour vision.
MISSING_GREY = "#d9d9d9"
MISSING_HATCH = "////"
MISSING_HATCH_COLOUR = "#7f7f7f"
#: Inches a panel title keeps from the figure's edge and from halfway to the next panel (two titles: twice that apart).
TITLE_MARGIN_IN: float = 0.05


def figure_suffixes() -> frozenset[str]:
    """File endings matplotlib can save a figure as (it picks the format from the ending)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return frozenset(f".{ext}" for ext in FigureCanvasBase.get_supported_filetypes())


def save_figure(fig: Any, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """``fig.savefig(path, **kwargs)`` (its folder made; the format its suffix's, none: PNG with ``.png`` appended,
    as matplotlib does), every figure's one way out. A regular file is written through a hidden temp file renamed
    into place (:func:`~bgs_hf._files.write_binary_atomic`): matplotlib writes straight to its target, so a full
    disk or a kill mid-write left a cut-short PNG. A stream's name (``/dev/stdout``, a FIFO) with no suffix to take a
    format from is PNG, and an open descriptor's is written through it: reopened by name, ``/dev/stdout`` truncated
    a ``>>`` redirect's file. A ``.pgf`` and the raster images it puts beside itself are built in a hidden folder
    and moved into place (:func:`_save_pgf`)."""
    from bgs_hf._files import (
        descriptor_named,
        flush_standard_streams,
        is_written_in_place,
        raise_naming_target,
        write_binary_atomic,
    )

    path = Path(path)
    if not is_written_in_place(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = kwargs.pop("format", None)
        if fmt is None:  # matplotlib's rule for a name (a file object has none to take it from)
            fmt = os.path.splitext(os.fspath(path))[1][1:]
            if not fmt:
                fmt = fig.canvas.get_default_filetype()
                path = Path(os.fspath(path).rstrip(".") + "." + fmt)
        with glyphs_checked(fig):
            if fmt.lower() == "pgf":
                _save_pgf(fig, path, format=fmt, **kwargs)
            else:
                write_binary_atomic(path, lambda f: fig.savefig(f, format=fmt, **kwargs))
        return
    suffix = path.suffix.lower()
    fmt = suffix[1:] if suffix in figure_suffixes() else "png"
    descriptor = descriptor_named(path)
    if descriptor is not None:
        flush_standard_streams()  # lines printed to the same stream before the figure come before it
    try:
        with glyphs_checked(fig):
            if descriptor is None:  # a FIFO, a device
                fig.savefig(path, format=fmt, **kwargs)
            else:
                with open(descriptor, "wb", closefd=False) as f:
                    fig.savefig(f, format=fmt, **kwargs)
    except OSError as err:  # a device that fails its writes (`--png /dev/full`): the write's error named no file
        raise_naming_target(err, path, path, unnamed=True)
        raise


def _save_pgf(fig: Any, path: Path, **kwargs: Any) -> None:
    """``fig.savefig(path)`` of a ``.pgf`` through a hidden folder beside ``path``: the pgf backend writes its raster
    images (``<stem>-img0.png``, ...) beside the name it is given and refers to them by that name, so no single temp
    file can stand in for it. Written straight, a failure mid-figure (a full disk, a Ctrl-C, LaTeX failing on a label)
    left an earlier ``.pgf`` cut short, and images of a figure that never appeared. The images are moved into place
    first, the ``.pgf`` last (an existing one keeps its mode, as in :func:`~bgs_hf._files.write_binary_atomic`); the
    folder is removed whatever happens, and an error names ``path``'s folder, not the hidden one."""
    from bgs_hf._files import WORK_PREFIX, raise_naming_target

    final = Path(os.path.realpath(path))
    try:
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f"{WORK_PREFIX}{final.name}-"))
    except OSError as err:
        raise_naming_target(err, err.filename or "", path, unnamed=True)
        raise
    try:
        fig.savefig(work / final.name, **kwargs)
        for made in sorted(work.iterdir(), key=lambda p: p.name == final.name):  # the .pgf last
            if made.name == final.name and final.is_file():
                os.chmod(made, final.stat().st_mode & 0o7777)
            os.replace(made, final.parent / made.name)
    except OSError as err:
        raise_naming_target(err, work, final.parent)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def plot_similarity_matrices(
    mats: dict[str, np.ndarray],
    path: str | Path,
    title: str | None = None,
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
    label: str = "similarity",
    axis_label: str | Sequence[str] = "clip",
    tick_names: Sequence[Sequence[str] | None] | None = None,
) -> Path:
    """Draw each (N, N) matrix in ``mats`` (title -> matrix) in one row with a shared colour bar (a title too long
    for its panel's place wraps, whole).

    NaN entries (unobserved pairs) are drawn grey, hatched (:data:`MISSING_GREY`); ``axis_label`` names the rows and
    columns (e.g. their order), one for every panel or one per panel. ``tick_names`` (one entry per panel: its clips'
    names in row order, or None) names each row and column, for a matrix small enough that a reader wants to know
    which clip is which (a long name keeps its start and end; two a panel would show alike get their positions).
    The scale spans all finite values of all matrices unless ``vmin``/``vmax`` are given. Writes ``path``
    (png/pdf/svg by suffix; a stream such as ``/dev/stdout`` without one: png) and returns it.
    """
    # a bare Figure renders with Agg and never touches pyplot's global backend (safe in notebooks)
    import matplotlib
    from matplotlib.figure import Figure

    if not mats:
        raise ValueError("plot_similarity_matrices needs at least one matrix")
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in mats.items()}
    for k, v in arrays.items():
        if v.ndim != 2 or v.shape[0] != v.shape[1]:
            raise ValueError(f"matrix {k!r} must be square, got shape {v.shape}")
    finite = np.concatenate([v[np.isfinite(v)] for v in arrays.values()] + [np.empty(0)])
    lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + 1e-9
    n = len(arrays)
    labels = [axis_label] * n if isinstance(axis_label, str) else list(axis_label)
    if len(labels) != n:
        raise ValueError(f"axis_label: {len(labels)} labels for {n} panels")
    names = [None] * n if tick_names is None else list(tick_names)
    if len(names) != n:
        raise ValueError(f"tick_names: {len(names)} entries for {n} panels")
    for (k, v), panel_names in zip(arrays.items(), names):
        if panel_names is not None and len(panel_names) != len(v):
            raise ValueError(f"tick_names of {k!r}: {len(panel_names)} names for {len(v)} rows")
    # named ticks take room beside and below each panel (about 0.07 in a character at TEXT_PT): the square panels
    # keep their size and the axis labels stay inside the figure
    longest = max((len(t) for panel in names if panel is not None for t in _tick_texts(panel)), default=0)
    extra = 0.07 * longest
    fig = Figure(figsize=(4.2 * n + 0.8 + extra * sum(p is not None for p in names), 4.4 + extra),
                 layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))  # the hatched axes show through
    image = None
    from matplotlib.ticker import MaxNLocator

    for ax, (name, mat), ax_label, panel_names in zip(axes[0], arrays.items(), labels, names):
        ax.set_facecolor(MISSING_GREY)
        ax.patch.set_hatch(MISSING_HATCH)
        ax.patch.set_edgecolor(MISSING_HATCH_COLOUR)  # a hatch takes its patch's edge colour (matplotlib 3.8 on);
        ax.patch.set_linewidth(0.0)  # the edge itself is not drawn (the spines frame the panel)
        image = ax.imshow(np.ma.masked_invalid(mat), vmin=lo, vmax=hi, cmap=colormap, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(ax_label)
        ax.set_ylabel(ax_label)
        if panel_names is not None:  # every clip named: its row and its column
            shown = _tick_texts(panel_names)
            ax.set_xticks(range(len(shown)), shown, rotation=90, fontsize=TEXT_PT)
            ax.set_yticks(range(len(shown)), shown, fontsize=TEXT_PT)
            continue
        for axis in (ax.xaxis, ax.yaxis):  # clips are counted: no tick at clip 2.5
            axis.set_major_locator(MaxNLocator(integer=True))
    _number_undrawable_ticks(fig, list(axes[0]), names)
    fig.colorbar(image, ax=list(axes[0]), shrink=0.85, label=label)
    if title:
        from bgs_hf.viz.figure import wrap_to

        shown = wrap_to(title, fig.get_figwidth() - 0.3, 12.0)  # suptitle's default size: 'large', 12 pt
        fig.set_figheight(fig.get_figheight() + 0.22 * shown.count("\n"))  # square panels: the title's lines
        fig.suptitle(shown)  # took their height from the axis labels, cut off at the bottom
    dpi = 120
    with glyphs_checked(fig):  # the titles are measured in the font they are drawn in
        _fit_panel_titles(fig, list(axes[0]), list(arrays), dpi)
    out = Path(path)
    save_figure(fig, out, dpi=dpi)
    logger.debug("wrote %s", out)  # the caller named the file (and the CLI prints it)
    return out


def _fit_panel_titles(fig: Any, axes: list[Any], names: list[str], dpi: float) -> None:
    """Wrap each panel title that runs into a neighbour's or past the figure's edge to the width its panel gives it
    (centred on the panel, up to halfway to the next one), and make the figure taller by its added lines: a long model
    name overlapped the next panel's title and lost its ends at the figure's edges. The titles are measured on a copy
    laid out at ``dpi``: a layout run on ``fig`` itself moves its next one (constrained layout starts from where the
    last left the panels), so a figure whose titles all fit is drawn as before, pixel for pixel."""
    import copy
    import textwrap

    base_height = fig.get_figheight()
    for _ in range(2 * len(axes) + 1):  # each pass wraps at least one more title; a wrapped one stays in its slot
        memo: dict[int, Any] = {}
        twin = copy.deepcopy(fig, memo)
        twin.set_dpi(dpi)
        twin.draw_without_rendering()  # the constrained layout: the titles' and panels' final places
        twin_axes = [memo[id(ax)] for ax in axes]
        titles = [ax.title.get_window_extent() for ax in twin_axes]
        panels = [ax.get_window_extent() for ax in twin_axes]
        margin = TITLE_MARGIN_IN * dpi  # to the figure's edge, half the gap between two titles
        drawn = [i for i, t in enumerate(titles) if t.width > 0]  # a panel titled "" has no text to run into
        too_wide = [i for i in drawn
                    if titles[i].x0 < margin or titles[i].x1 > twin.bbox.width - margin
                    or any(titles[i].x0 < titles[j].x1 + 2 * margin and titles[j].x0 < titles[i].x1 + 2 * margin
                           for j in (i - 1, i + 1) if j in drawn)]
        if not too_wide:
            return
        for i in too_wide:
            left = (panels[i - 1].x1 + panels[i].x0) / 2 if i > 0 else 0.0
            right = (panels[i].x1 + panels[i + 1].x0) / 2 if i + 1 < len(axes) else twin.bbox.width
            centre = (panels[i].x0 + panels[i].x1) / 2
            room = 2 * (min(centre - left, right - centre) - margin)
            # from its average character's width (of its one line: a title wrapped by an earlier pass is narrower)
            chars = max(1, min(len(names[i]), int(len(names[i]) * room / titles[i].width)))
            while True:
                twin_axes[i].title.set_text(textwrap.fill(names[i], chars))
                if chars == 1 or twin_axes[i].title.get_window_extent().width <= room:
                    break
                chars -= 1
            axes[i].title.set_text(twin_axes[i].get_title())
        lines = max(ax.get_title().count("\n") for ax in axes)
        fig.set_figheight(base_height + 0.17 * lines)  # a 10-pt line: the square panels keep their size


def _number_undrawable_ticks(fig: Any, axes: list[Any], names: list[Sequence[str] | None]) -> None:
    """Give a tick name that no installed font draws whole its position in the panel (``#i``), as a name cut alike
    gets: '走る' and '跳ぶ' were both two empty boxes, so no reader could tell which row was which clip. The fonts
    :func:`~bgs_hf.viz.figure.use_fonts_with_glyphs` finds are tried first; a figure whose names all draw is untouched."""
    if all(panel is None for panel in names):
        return
    undrawn = set(use_fonts_with_glyphs(fig))
    if not undrawn:
        return
    for ax, panel_names in zip(axes, names):
        if panel_names is None:
            continue
        shown = [f"{t} #{i}" if t in undrawn and not t.endswith(f" #{i}") else t
                 for i, t in enumerate(_tick_texts(panel_names))]
        ax.set_xticks(range(len(shown)), shown, rotation=90, fontsize=TEXT_PT)
        ax.set_yticks(range(len(shown)), shown, fontsize=TEXT_PT)


def _tick_texts(names: Sequence[str]) -> list[str]:
    """A panel's names as its ticks show them (:func:`_tick_text`), told apart: names cut to the same text each get
    their position in the panel after it. Two clips whose long names differ only in the middle
    (``interviews/participant-07/take-3.mp4`` and ``...-08/...``) both read ``interview…take-3.mp4``."""
    full = [str(t) for t in names]
    shown = [_tick_text(t) for t in full]
    names_of: dict[str, set[str]] = {}
    for name, text in zip(full, shown):
        names_of.setdefault(text, set()).add(name)
    return [f"{text} #{i}" if len(names_of[text]) > 1 else text for i, text in enumerate(shown)]


def _tick_text(name: str) -> str:
    """``name`` in at most TICK_CHARS characters, its start and end kept (a folder and a file's number both tell)."""
    if len(name) <= TICK_CHARS:
        return name
    head = (TICK_CHARS - 1) // 2
    return f"{name[:head]}…{name[len(name) - (TICK_CHARS - 1 - head):]}"
