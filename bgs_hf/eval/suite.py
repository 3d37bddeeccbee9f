"""``run_suite``: every analysis of the paper on one dataset, for a pretrained and a fine-tuned model
(plus optional control models), written as ``evaluation.json``, PNG figures and a markdown/HTML report.

Clips are embedded once per model (and once per motion control on the test clips); each analysis then
works on those arrays. Model keys in the result: ``pretrained``, ``bgs`` and each control's name.
"""

from __future__ import annotations

import json
import logging
import os
import textwrap
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from tqdm.auto import tqdm

from bgs_hf._files import built_in_place, json_safe, write_text_atomic
from bgs_hf.errors import BGSInputError, folder_named, hub_model_named
from bgs_hf.eval import ANALYSES, check_analyses  # re-exported; defined in the light package for the CLI
from bgs_hf.eval.fit import unscorable

logger = logging.getLogger(__name__)

RESULT_NAME = "evaluation.json"
TEST_EMBEDDINGS_NAME = "test_embeddings.npz"
#: the suite's own rows, which a control of the same name would replace
RESERVED_NAMES: tuple[str, ...] = ("pretrained", "bgs", "language")
#: the clip key of test_embeddings.npz and np.savez's own parameters (a control named ``items`` or ``file`` was a
#: TypeError in np.savez once every model had embedded)
EMBEDDING_KEYS: tuple[str, ...] = ("items", "file", "allow_pickle")
#: the key by which an analysis' result says it did not run: a control of that name, a row of ``res["fit"]`` or
#: ``res["partition"]``, made the report take the fit for skipped (its section vanished) or the partition for not run
SKIPPED_KEYS: tuple[str, ...] = ("skipped",)
#: names a control cannot take
RESERVED_CONTROL_NAMES: tuple[str, ...] = RESERVED_NAMES + EMBEDDING_KEYS + SKIPPED_KEYS
#: Everything an evaluation writes in its folder (the decoded-clip cache aside): cleared before the next one there
REPORT_FILES = (RESULT_NAME, "evaluation.md", "evaluation.html", TEST_EMBEDDINGS_NAME, "fit.png", "layers.png",
                "partition.png", "probes.png", "motion.png", "attention_*.png")


def _language_reference(config: Any) -> dict[str, str]:
    """Which sentence model and captions the "language" row used (the bundled MiniLM-L6 is not the paper's
    MPNet, so a reader comparing with the paper must be told)."""
    from bgs_hf.baselines.language import LanguageBaselineConfig, model_label

    config = config or LanguageBaselineConfig()
    return {"model": model_label(config.model), "caption": config.caption}


def resolve_model(model: Any, *, num_frames: int | None = None, interpolate_frames: bool = False) -> Any:
    """A loaded embedder from a model object, a run folder (``bgs_config.json``) or a backbone name
    (frozen, no head: the pretrained baseline). ``num_frames``/``interpolate_frames`` set a backbone name's frames per
    clip, as ``bgs-hf train``'s flags do (a run or a model object samples the count it was built with)."""
    if model is None or hasattr(model, "frame_policy"):
        return model
    from bgs_hf.models import build_embedder, load_model

    if _is_run_folder(model):
        return load_model(model)
    return build_embedder(str(model), head=None, lora=None, num_frames=num_frames,
                          interpolate_frames=interpolate_frames).eval()


def _is_backbone_name(model: Any) -> bool:
    """A backbone name or folder (not a run folder, not a model object): the models whose frame count is chosen."""
    return isinstance(model, (str, os.PathLike)) and not _is_run_folder(model)


def _warn_of_repeated_frames(models: Mapping[str, Any], given: Mapping[str, Any], data: Any, items: np.ndarray,
                             split: str) -> None:
    """The training run's warning, once per backbone and count: a model sampling more frames a clip than the first
    clip scored holds (a pretrained V-JEPA 2 fpc64 on 16-frame clips) embedded each frame repeated, without a word."""
    from bgs_hf.eval.embed import clip_paths
    from bgs_hf.models.registry import warn_if_frames_repeat

    if not len(items):
        return
    path = clip_paths(data, items[:1])[0]
    seen: set[tuple[str, int]] = set()
    for name, m in models.items():
        policy = getattr(m, "frame_policy", None)
        if policy is None:  # a model object that decodes no clips of its own (a test's stand-in)
            continue
        spec, frames = _backbone_spec(m), policy.num_frames
        if (spec.name, frames) in seen:  # a run and its own base: one model's count, said once
            continue
        seen.add((spec.name, frames))
        warn_if_frames_repeat(path, frames, spec, clip=f"a {split} clip", as_built=not _is_backbone_name(given[name]))


def _is_run_folder(model: Any) -> bool:
    """A saved run/model folder (not a model object, not a backbone name)."""
    return isinstance(model, (str, os.PathLike)) and (Path(model) / "bgs_config.json").is_file()


def _backbone_spec(model: Any) -> Any:
    """The ``BackboneSpec`` a loaded embedder (frozen, or a run's PEFT model) was built on."""
    return model.spec if hasattr(model, "spec") else model.get_base_model().spec


def _backbone_name(model: Any) -> str:
    """The backbone a loaded embedder (frozen, or a run's PEFT model) was built on."""
    return _backbone_spec(model).name


def frozen_label(backbone: str) -> str:
    """The row label of ``backbone`` scored frozen, e.g. ``tiny-random-videomae (frozen)``: one rule for
    ``evaluate --model BACKBONE``'s rows and for ``bgs-hf report``, which names a run's own base so beside a direct
    evaluation of that backbone (it read "pretrained video model (frozen)" there: one model under two names)."""
    return f"{_display_backbone(backbone)} (frozen)"


def _short(path: str | os.PathLike[str]) -> str:
    """A folder's name as a reader knows it (a run's ``checkpoint-N`` with its run's name; a pushed model's Hub
    snapshot in the Hugging Face cache, ``models--USER--NAME/snapshots/<commit>``, by its repo id)."""
    folder = Path(path).resolve()
    repo = hub_model_named(folder)
    if repo is not None and folder.parent.name == "snapshots":  # the snapshot itself, not a folder in it
        return repo
    return f"{folder.parent.name}/{folder.name}" if folder.name.startswith("checkpoint-") else folder.name


def model_labels(pretrained_model: Any, finetuned_model: Any, models: dict[str, Any]) -> dict[str, str]:
    """Display names of the ``pretrained`` / ``bgs`` rows when they are not what those keys' names say (the
    standard case: a BGS LoRA run folder beside its own frozen base): another run folder given as the comparison, a
    fine-tuned run that is no BGS LoRA run, or a backbone name scored frozen. Model objects are taken for what their
    key says, but for a ``pretrained`` one that carries a LoRA adapter: it is labelled fine-tuned, so push refuses its
    figures as a baseline, as it does a run folder's. The JSON keys stay."""
    from bgs_hf.hub.run_info import FINETUNED_OBJECT_LABEL, RUN_FOLDER_LABEL
    from bgs_hf.viz.models import model_name

    labels: dict[str, str] = {}
    for key, given in (("pretrained", pretrained_model), ("bgs", finetuned_model)):
        if key not in models:
            continue
        if not isinstance(given, (str, os.PathLike)):
            if key == "pretrained" and _has_adapter(given):  # was unlabelled: push took it for a backbone
                labels[key] = f"{_display_backbone(_backbone_name(given))} {FINETUNED_OBJECT_LABEL}"
            continue
        if _is_run_folder(given):
            if key == "pretrained":  # a fine-tuned run in the comparison's row
                labels[key] = f"{_short(given)} {RUN_FOLDER_LABEL}"  # push refuses it as a baseline
            elif (name := _finetuned_name(given, models[key])) != model_name("bgs"):
                labels[key] = name
            continue
        name = _backbone_name(models[key])
        if key == "pretrained" and _is_run_folder(finetuned_model) and name == _backbone_name(models["bgs"]):
            continue  # the run's own base, named: the standard case
        labels[key] = frozen_label(name)
    return labels


def _display_backbone(name: str) -> str:
    """A backbone as a row label names it: a local folder by its short name, a registered or Hub name as it is."""
    return _short(name) if Path(name).is_absolute() else name


def _has_adapter(model: Any) -> bool:
    """Whether a loaded model carries a LoRA adapter (a PEFT model): fine-tuned, or built to be. Without one (a full
    fine-tune, or a backbone with a head) a model object cannot be told from its frozen backbone."""
    return hasattr(model, "disable_adapter")


def _finetuned_name(folder: str | os.PathLike[str], model: Any) -> str:
    """The fine-tuned row's name by the rule of the model card and the Space: "BGS fine-tuned (LoRA)" only for a LoRA
    run that recorded the BGS loss (``run_info.bgs_trained``); the report called every fine-tuned model that."""
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.viz.models import finetuned_name

    info = RunInfo.read_records_or_none(folder)  # unreadable records claim nothing
    return finetuned_name(info is not None and info.bgs_trained, _has_adapter(model))


def default_seed(finetuned_model: Any, seed: int | None) -> int:
    """``seed``, or for a run folder the seed it trained with: it drew the bootstrap and the ceiling's
    split-halves of the run's ``metrics.json``, so the same run shows one ceiling everywhere (0 otherwise)."""
    if seed is not None:
        return int(seed)
    from bgs_hf.training.api import recorded_seed

    return (recorded_seed(finetuned_model) if _is_run_folder(finetuned_model) else None) or 0


def run_data(data: Any, run_dir: str | Path) -> tuple[Any, str | None]:
    """``data`` to score a run folder on, with the splits the run recorded (its ``run_config.json``, or its
    parent's for a ``checkpoint-N``: a carve-out drawn here with another seed could put the run's training clips in
    val/test), and a warning when it is not the data the run trained on. Data sharing no clip with the run is
    refused; a run that recorded no splits is scored on the data's own, with a warning.

    Clip ids alone matched a run to its data, and every SocialShapes benchmark names its clips ``ss_0000.mp4``...
    whatever its seed: a run scored on another seed's benchmark was scored on the clips that happened to carry its
    test ids, called held-out, with no word. The video fingerprints the run recorded tell: when every clip of the
    run found here holds another video, the model saw none of this data, which keeps its own splits (what any
    other model is scored on there); when only some do, the run's splits stay (its training clips stay out)."""
    import dataclasses

    from bgs_hf.training.api import recorded_data, recorded_splits

    held = recorded_data(run_dir, data)
    note = held.describe(str(getattr(data, "name", "this data"))) if held is not None and held.differ else None
    if note is not None:
        logger.warning("%s", note)
    if held is not None and held.other_data:
        return data, note
    splits = recorded_splits(run_dir, data)
    if splits is None:
        logger.warning("%s records no splits (no run_config.json there or, for a checkpoint, in its run): the "
                       "val/test clips here are drawn with --seed and may include clips the run trained on",
                       folder_named(run_dir))
        return data, note
    data = dataclasses.replace(data, splits=splits)
    if held is None and (note := _counts_differ(run_dir, data)) is not None:
        logger.warning("%s", note)
    return data, note


def _counts_differ(run_dir: str | Path, data: Any) -> str | None:
    """For a run from before video fingerprints were recorded: a warning when its metrics.json counted other test
    judgments on its test clips than ``data`` (on the run's splits) holds, which the same data never does."""
    from bgs_hf.hub.run_info import run_config_file

    config = run_config_file(run_dir)
    if config is None:
        return None
    try:
        test = json.loads((config.parent / "metrics.json").read_text(encoding="utf-8"))["test"]
        recorded, here = int(test["n_judgments"]), len(data.triplets("test"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # no metrics, no test row: nothing to tell
        return None
    if test.get("split", "test") != "test" or recorded == here:
        return None
    return (f"{getattr(data, 'name', 'this data')} may not be the data this run trained on: its metrics.json counted "
            f"{recorded} judgments on its test clips, this data holds {here} on them (the run records no video "
            "fingerprints to tell: trained before they were recorded); scored on the run's recorded splits")


def pretrained_of(run_dir: str | Path) -> Any:
    """The frozen base backbone (no head, no LoRA) a run folder was trained from."""
    from bgs_hf.models import BGSEmbedder, load_base

    base = load_base(run_dir)
    return BGSEmbedder(base.backbone, base.spec, None, base.frame_policy).eval()


def _rel(path: str, root: Path) -> str:
    """Figure paths are stored relative to the result folder, so a run folder can be moved."""
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _legend_beside(ax: Any, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """The legend right of the axes, never over a bar or a line (one entry per label), the figure as tall as it."""
    from bgs_hf.viz.figure import LEGEND_CHARS, TEXT_PT, fit_height_to_legend

    unique = dict(zip(labels, handles))  # one entry per label (chance is drawn over two groups)
    # a long name on one line (a Hub id with its org) took the figure's width from the axes: wrapped, it keeps it
    shown = [textwrap.fill(label, LEGEND_CHARS) for label in unique]
    legend = ax.legend(unique.values(), shown, fontsize=TEXT_PT, frameon=False, loc="upper left",
                       bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fit_height_to_legend(ax.figure, legend)


class Panel(NamedTuple):
    """One axes of a bar figure: its y label, the groups drawn on it, and whether its values are proportions shown as
    percentages (fit.png drew R² of 0.01-0.2 on the accuracies' 0-0.7 scale, its bars and CIs squashed flat)."""

    ylabel: str
    groups: tuple[str, ...]
    percent: bool = False


#: fit.png: R² and the accuracies each on its own scale, the ceiling over R², chance over each accuracy
FIT_PANELS: tuple[Panel, ...] = (Panel("R² (signed Spearman²)", ("R²",)),
                                 Panel("odd-one-out accuracy\n(% of judgments)", ("3-way acc", "2-way acc"),
                                       percent=True))


def _plot_bars(groups: dict[str, dict[str, float]], path: Path, *, ylabel: str = "", title: str,
               errors: dict[str, dict[str, Any]] | None = None,
               refs: dict[str, tuple[str, float, Any]] | None = None,
               names: dict[str, str] | None = None, panels: Sequence[Panel] | None = None) -> str:
    """Grouped bars: one group per key of the inner dicts, one bar per outer key (model).

    ``errors[model][group]``: a ``(lo, hi)`` interval drawn as an error bar. ``refs[group] = (label, value, band)``:
    a reference line over that group alone (the noise ceiling belongs to R², chance to an accuracy), dashed with an
    ``(lo, hi)`` band behind it, dotted without. Models are the result's keys, drawn in their colours and named
    by ``bgs_hf.viz.models`` (``names`` overrides a name, e.g. the language row's sentence model). ``panels``: groups
    on different scales each on its own axes, side by side under one title and one legend (default: one axes of every
    group, labelled ``ylabel``). A value that is missing or not finite is no bar of 0: its slot says "n/a", and a
    group no model has a value for says "not scored".
    """
    from bgs_hf.viz.figure import TITLE_PT, ci_legend_handle, subplots, tight_layout
    from bgs_hf.viz.matrices import save_figure
    from bgs_hf.viz.models import model_name

    models = list(groups)
    # in the order first met, as the tables list them (sorting by the first group alone left a group it lacked, or
    # every group after an empty first one, in the process's string-hash order)
    cats = list(dict.fromkeys(c for g in groups.values() for c in g))
    panels = [p for p in panels or [Panel(ylabel, tuple(cats))] if p.groups] or [Panel(ylabel, ())]
    widths = [max(len(p.groups), 1) for p in panels]
    # the bars' width and each axes' labels, plus room for the legend beside them
    fig, axes = subplots(1, len(panels), squeeze=False, gridspec_kw={"width_ratios": widths},
                         figsize=(1.4 * len(panels) + 0.8 * sum(widths) * max(1, len(models) / 2) + 2.8, 3.4))
    for ax, panel in zip(axes[0], panels):
        _bar_panel(ax, groups, panel, errors=errors, refs=refs, names=names)
    if len(panels) == 1:
        axes[0][0].set_title(title, fontsize=TITLE_PT)
    else:
        fig.suptitle(title, fontsize=TITLE_PT)
    handles, labels = [], []
    for ax in axes[0]:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    shown = {model_name(m, labels=names) for m in models}  # the models first, then reference lines
    order = sorted(range(len(labels)), key=lambda i: labels[i] not in shown)
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if errors:
        handles.append(ci_legend_handle())
        labels.append("95% CI (bootstrap over clips)")
    _legend_beside(axes[0][-1], handles, labels)
    tight_layout(fig)
    save_figure(fig, path, dpi=110)
    return str(path)


def _bar_panel(ax: Any, groups: dict[str, dict[str, float]], panel: Panel, *,
               errors: dict[str, dict[str, Any]] | None, refs: dict[str, tuple[str, float, Any]] | None,
               names: dict[str, str] | None) -> None:
    """``panel``'s groups of :func:`_plot_bars` on ``ax``: the models' bars, their intervals and reference lines."""
    from bgs_hf.viz.figure import LABEL_PT, TEXT_PT, UNDEFINED_ESTIMATE, ci_error_bars
    from bgs_hf.viz.models import model_colours, model_hatches, model_name

    models = list(groups)
    colours, hatches = model_colours(models), model_hatches(models)
    cats = list(panel.groups)
    x = np.arange(len(cats))
    w = 0.8 / max(len(models), 1)
    for k, m in enumerate(models):
        vals = np.array([groups[m].get(c, np.nan) for c in cats], dtype=np.float64)
        err = ci_error_bars(vals, [(errors or {}).get(m, {}).get(c) for c in cats]) if errors else None
        ax.bar(x + (k - (len(models) - 1) / 2) * w, vals, width=w, label=model_name(m, labels=names),
               yerr=err, capsize=2, error_kw={"lw": 0.8}, color=colours[m], **hatches[m])  # greyscale apart
    for i, c in enumerate(cats):  # an empty slot read as a value of 0
        unscored = [k for k, m in enumerate(models) if not np.isfinite(groups[m].get(c, np.nan))]
        if len(unscored) == len(models):
            ax.text(x[i], 0, "not scored", ha="center", va="bottom", fontsize=TEXT_PT, color="0.3")
            continue
        for k in unscored:  # one model's slot among scored bars (a skipped probe, a collapsed model's fit)
            ax.text(x[i] + (k - (len(models) - 1) / 2) * w, 0, "n/a", ha="center", va="bottom", rotation=90,
                    fontsize=TEXT_PT, color="0.3")
    for c, (label, value, band) in (refs or {}).items():
        if c not in cats:
            continue
        lo_x, hi_x = x[cats.index(c)] - 0.45, x[cats.index(c)] + 0.45
        lo, hi = (np.nan, np.nan) if band is None else (np.nan if v is None else float(v) for v in band)
        if np.isfinite([lo, hi]).all():
            ax.fill_between([lo_x, hi_x], lo, hi, color="0.85", zorder=0, label=f"{label}: 95% range over split-halves")
        if value is not None and np.isfinite(value):
            ax.hlines(value, lo_x, hi_x, colors="0.3", linestyles="--" if band is not None else ":", lw=1.0,
                      zorder=3, label=label)
        else:  # the table's n/a: no line over the group, and the legend says why rather than nothing
            ax.plot([], [], ls="none", label=f"{label}: {UNDEFINED_ESTIMATE}")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, cats, fontsize=TEXT_PT, rotation=20 if len(cats) > 3 else 0)
    ax.set_xlim(-0.5, len(cats) - 0.5)  # a last group with no value kept no room: its "not scored" ran off the axes
    ax.tick_params(axis="y", labelsize=TEXT_PT)
    if panel.percent:  # as the tables print them (51.1%, not 0.511)
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel(panel.ylabel, fontsize=LABEL_PT)


def _plot_layers(layers: dict[str, dict[str, Any]], path: Path, *, split: str = "scored split",
                 names: dict[str, str] | None = None) -> str:
    """One colour per model; dashed: the split the layer is chosen on, solid: ``split`` (the scored one); a star
    marks the chosen layer, and a layer with no defined R² (its features tie on every pair) says n/a. Each point
    sits over its own layer's name: models of different depths (``--pretrained`` of another backbone) share one axis
    of names, the deepest model's order (each was drawn at its row number under the last model's names)."""
    from matplotlib.lines import Line2D

    from bgs_hf.viz.figure import LABEL_PT, TEXT_PT, TITLE_PT, subplots, tight_layout
    from bgs_hf.viz.matrices import save_figure
    from bgs_hf.viz.models import model_colours, model_name

    colours = model_colours(layers)
    deepest_first = sorted(layers.values(), key=lambda res: -len(res["layers"]))
    axis = list(dict.fromkeys(r["layer"] for res in deepest_first for r in res["layers"]))
    at = {name: k for k, name in enumerate(axis)}
    n_rows = max(len(axis), 1)
    fig, ax = subplots(figsize=(1.6 + 0.7 * n_rows + 2.6, 3.4))
    undefined: set[int] = set()
    for name, res in layers.items():
        rows = res["layers"]
        xs = np.array([at[r["layer"]] for r in rows], dtype=np.int64)
        shown = model_name(name, labels=names)
        sel = np.array([np.nan if r["select_r2"] is None else r["select_r2"] for r in rows], dtype=np.float64)
        scored = np.array([np.nan if r["test_r2"] is None else r["test_r2"] for r in rows], dtype=np.float64)
        ax.plot(xs, sel, "--", marker="o", ms=3, color=colours[name], label=f"{shown}, {res['chosen_on']} clips")
        ax.plot(xs, scored, "-", marker="o", ms=3, color=colours[name], label=f"{shown}, {split} clips")
        chosen = [k for k, r in enumerate(rows) if r["layer"] == res.get("chosen")]
        if chosen:
            ax.plot(xs[chosen], scored[chosen], "*", ms=11, color=colours[name], mec="black", mew=0.6, zorder=4,
                    label="_chosen")
        undefined |= {int(xs[k]) for k in range(len(rows)) if not np.isfinite(sel[k]) and not np.isfinite(scored[k])}
    ax.set_xticks(np.arange(len(axis)), axis, fontsize=TEXT_PT, rotation=30, ha="right", rotation_mode="anchor")
    for k in sorted(undefined):  # the line skips it: say why instead of leaving a gap that reads as nothing
        ax.text(k, 0, "n/a", ha="center", va="bottom", fontsize=TEXT_PT, color="0.3")
    ax.axhline(0, color="black", lw=0.6)
    ax.tick_params(axis="y", labelsize=TEXT_PT)
    ax.set_xlabel("layer", fontsize=LABEL_PT)
    ax.set_ylabel("R² (signed Spearman²)", fontsize=LABEL_PT)
    chosen_on = sorted({res["chosen_on"] for res in layers.values()})
    ax.set_title(f"Layer-wise fit (layer chosen on {'/'.join(chosen_on)} clips)", fontsize=TITLE_PT)
    ax.set_xlim(-0.5, n_rows - 0.5)
    # colour: the model; line style: the clips (one entry each, not one per model and split)
    handles = [Line2D([], [], color=colours[n], lw=2.5) for n in layers]
    labels = [model_name(n, labels=names) for n in layers]
    for on in chosen_on:
        handles.append(Line2D([], [], color="0.3", ls="--", marker="o", ms=3))
        labels.append(f"{on} clips (choose the layer)")
    handles += [Line2D([], [], color="0.3", ls="-", marker="o", ms=3),
                Line2D([], [], ls="none", marker="*", ms=11, color="white", mec="black", mew=0.6)]
    labels += [f"{split} clips (scored)", "chosen layer"]
    _legend_beside(ax, handles, labels)
    tight_layout(fig)
    save_figure(fig, path, dpi=110)
    return str(path)


def _report_files(out: Path) -> list[Path]:
    return sorted({p for pattern in REPORT_FILES for p in out.glob(pattern) if p.is_file()})


#: written into a report folder as an evaluation starts writing there: an interrupted one (no evaluation.json yet)
#: is still ours to replace
REPORT_MARKER = ".bgs-evaluation"


def _holds_earlier_evaluation(out: Path) -> bool:
    """Whether ``out`` has an ``evaluation.json`` an earlier evaluation wrote (one ``bgs-hf report`` reads), or the
    marker of one that was interrupted."""
    from bgs_hf.eval.report import load_run

    if (out / REPORT_MARKER).is_file():
        return True
    if not (out / RESULT_NAME).is_file():
        return False
    try:
        load_run(out / RESULT_NAME)
    except (ValueError, OSError):  # BGSInputError (not a result, invalid JSON) or not text at all
        return False
    return True


def check_report_folder(out: str | Path | None) -> None:
    """Refuse, before any work, a report folder with files of the names an evaluation writes but no earlier
    evaluation there: they are the user's (notes in evaluation.md, their own fit.png), and were replaced."""
    if out is None or not Path(out).is_dir() or _holds_earlier_evaluation(Path(out)):
        return
    found = _report_files(Path(out))
    if found:
        raise BGSInputError(f"holds {found[0].name}, which no earlier evaluation wrote there (no {RESULT_NAME} of "
                            "one): an evaluation would replace it; move it or choose another report folder (nothing "
                            "was written)", path=out)


def _clear_earlier_report(out: Path, replaced: Collection[str] = ()) -> None:
    """Remove an earlier evaluation's files from ``out`` (a rerun with fewer analyses, or after an interrupted one,
    left its figures beside the new evaluation.json); the user's own files and the clip cache stay. Only a folder
    an earlier evaluation marked (its ``evaluation.json``, :data:`REPORT_MARKER`) is cleared: files of the same names
    without one are refused, never removed. Files named in ``replaced`` are left for the new report to replace."""
    check_report_folder(out)
    earlier = _report_files(out) if _holds_earlier_evaluation(out) else []
    for path in earlier:
        if path.name not in replaced:
            path.unlink()
    (out / REPORT_MARKER).touch()
    if earlier:
        logger.info("%s: replaced the earlier evaluation there (%d files)", out, len(earlier))


def run_suite(
    data: Any,
    pretrained_model: Any,
    finetuned_model: Any = None,
    *,
    out_dir: str | Path,
    abstract_dir: str | Path | None = None,
    analyses: Sequence[str] = ANALYSES,
    seed: int | None = None,
    controls: dict[str, Any] | None = None,
    split: str = "test",
    language_sim: np.ndarray | None = None,
    language_config: Any = None,
    cache: Any = None,
    n_boot: int = 1000,
    n_perm: int = 1000,
    attention_clips: int = 50,
    batch_size: int = 8,
    embedded: Mapping[str, tuple[np.ndarray, np.ndarray] | None] | None = None,
    num_frames: int | None = None,
    interpolate_frames: bool = False,
    human_reference: bool = False,
) -> dict[str, Any]:
    """Run the analyses and write ``evaluation.json``, figures and ``evaluation.md``/``.html`` to ``out_dir``.

    ``data``: an OddOneOutData or a source to ``bgs_hf.data.load``. Models: embedder objects, run
    folders or backbone names (see :func:`resolve_model`); ``finetuned_model`` may be None (one-model
    evaluation). A ``pretrained_model`` that is a run folder, or a model object carrying a LoRA adapter, is labelled
    fine-tuned in ``evaluation.json``, and ``bgs-hf push --baseline`` refuses that file; a model object without an
    adapter (a full fine-tune) cannot be told from a frozen backbone: pass a fine-tuned one as its run folder.
    ``seed`` draws bootstraps, permutations and the ceiling's split-halves (default: a run folder's training seed,
    else 0; see :func:`default_seed`). ``controls``: extra fine-tuned models (e.g.
    ``{"language-distilled": run_dir}``) scored beside BGS. ``language_sim``: caption similarity over the split's
    clips, in its order, or over every clip (computed with the default language baseline when omitted; another shape
    is refused before any model loads); ``language_config``: its sentence model and
    captions (a model named there that cannot load is refused before any video model loads; the default's failure
    skips the row, the reason in ``language_skipped``). ``embedded``: per model name, ``(clips, embeddings)`` the
    caller has already (a training run's test scoring, ``TrainResult.embeddings["test"]``; ``clips`` index ``data``'s
    clip table, so they must come from a run on the same clips, as the quickstart's do): a model that needs
    nothing else of its clips (no layer features, no clips outside them) is not run on them again.
    ``num_frames`` (with ``interpolate_frames``, TimeSformer): the frames per clip of the models given as backbone
    names, as ``bgs-hf train --num_frames`` chooses them, with its refusals, recorded in each one's ``models`` entry
    where it is not the backbone's own count (and said in the report; a run folder or model object samples the count
    it was built with; given with none of them, it is refused). A model sampling more frames than the first scored
    clip holds is warned of once. ``human_reference``: add the humans' leave-one-out odd-one-out accuracy on the split
    (``human_loo_accuracy``, `bgs-hf evaluate` sets it; off by default so the quickstart's outputs stay as they were).
    Returns the result dict (also in ``evaluation.json``).

    Models with a foreground stream (the bundled ``bgs-tiny-conv3d-fg``) share one stream cache for the call, up to
    ``--memory_cache_mb``'s default (1024 MiB, :data:`bgs_hf.training.args.MEMORY_CACHE_MB`): each clip's stream is
    computed once for all of them, bit for bit the same, and freed when the suite returns or fails (inside a
    ``stream_cache_scope``, the quickstart's, it is the scope's cache, freed when the scope closes).

    Every input is checked, and the language reference computed, before any video model loads; the earlier
    evaluation in ``out_dir`` is replaced only once the new one is written whole (built in a hidden work folder there).
    """
    from bgs_hf.data.validate import require_videos
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.metrics.fit import no_judgments_error, split_items
    from bgs_hf.models.conv3d import shared_stream_cache
    from bgs_hf.models.loading import saved_model_folder
    from bgs_hf.training.args import MEMORY_CACHE_MB

    _check_arguments(analyses, controls, out_dir, attention_clips=attention_clips, n_perm=n_perm,
                     batch_size=batch_size)
    # a model pushed to the Hub, named by its repo id, is scored as its folder (the snapshot)
    pretrained_model, finetuned_model = (saved_model_folder(m) or m for m in (pretrained_model, finetuned_model))
    controls = {name: saved_model_folder(m) or m for name, m in (controls or {}).items()}
    check_frame_choice(num_frames, interpolate_frames, [pretrained_model, finetuned_model, *controls.values()])
    t_start = time.perf_counter()
    seed = default_seed(finetuned_model, seed)
    if not hasattr(data, "triplets"):
        from bgs_hf.data import load

        data = load(data, seed=seed)
    data_warning = None
    if _is_run_folder(finetuned_model):
        data, data_warning = run_data(data, finetuned_model)  # score only clips the run never trained on
    # refused before any model (or the language reference) loads, not after them all: an unknown split, one
    # without judgments, and a control that trained on the clips scored here
    split_items(data, split)
    scored = SplitHumans.build(data, split, seed=seed)
    if not len(scored.trip):
        raise no_judgments_error(data, split)
    _refuse_controls_trained_on_scored_clips(controls, data, scored)
    # the clips outside the scored split that choose a layer and train the probes (the scored clips never train a
    # probe: --split val), embedded by the pretrained and bgs models only when an analysis needs them
    fit_items = split_items(data, "fit") if "train" in data.splits else np.array([], dtype=np.int64)
    fit_items = np.setdiff1d(fit_items, scored.items)
    embeds_fit_clips = bool({"layers", "probes"} & set(analyses)) and len(fit_items) > 0
    items = np.union1d(fit_items, scored.items) if embeds_fit_clips else scored.items
    require_videos(data, items, "to embed")  # the release ships none: said before any model (or a download)
    if "transfer" in analyses and abstract_dir is not None:  # its labels.csv refused before, not after, the embedding
        from bgs_hf.eval.probes import read_abstract_set

        read_abstract_set(abstract_dir)
    language_skipped = None
    if ("fit" in analyses or "partition" in analyses) and language_sim is None:
        language_sim, language_skipped = _language_similarity(data, scored.items, language_config)
    elif "fit" in analyses or "partition" in analyses:
        _check_language_sim(language_sim, data, scored)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if cache is None:
        cache = out / "clip_cache"
    given: dict[str, Any] = {"pretrained": pretrained_model}
    if finetuned_model is not None:
        given["bgs"] = finetuned_model
    given.update(controls)
    models = {name: resolve_model(m, num_frames=num_frames, interpolate_frames=interpolate_frames)
              for name, m in given.items()}
    _warn_of_repeated_frames(models, given, data, scored.items, split)
    main = [n for n in ("pretrained", "bgs") if n in models]
    row_labels = model_labels(pretrained_model, finetuned_model, models)  # for the report and every figure
    # the models' foreground streams of each clip computed once and shared (the pretrained and BGS models embed the
    # same pixels in every stage), within --memory_cache_mb's default; freed when the suite returns or fails
    with shared_stream_cache(models.values(), int(MEMORY_CACHE_MB * 2**20)):
        res = _result_header(data, scored, models, row_labels, seed=seed, n_boot=n_boot, n_perm=n_perm,
                             data_warning=data_warning)
        if human_reference:  # the reference of every model's ooo_acc_*, computed once for the split
            from bgs_hf.metrics.ceiling import HUMAN_ACCURACY_KEY, human_loo_accuracy

            res[HUMAN_ACCURACY_KEY] = human_loo_accuracy(scored.trip, data.n_clips, scored.split)
        if num_frames is not None:  # a count other than the backbone's own, beside the backbone it was chosen for
            for name in (n for n, m in given.items() if _is_backbone_name(m)):
                spec, chosen = _backbone_spec(models[name]), int(models[name].frame_policy.num_frames)
                if chosen == (spec.frames_interpolated_from or spec.num_frames):  # its own count: nothing to say
                    continue
                res["models"][name]["num_frames"] = chosen
                if spec.frames_interpolated_from:
                    res["models"][name]["frames_interpolated_from"] = int(spec.frames_interpolated_from)

        with _timed(res, "embed"):
            emb, layer_features = _embed_models(models, main, data, items, scored.items, cache, batch_size=batch_size,
                                                layers="layers" in analyses and embeds_fit_clips, embedded=embedded)
            for name, e in emb.items():
                res["models"][name]["embedding_dim"] = int(e.shape[1])
        # built in a hidden work folder in ``out``, the earlier report's files replaced only once the whole evaluation is
        # written: a refusal by an analysis (an abstract set's labels.csv without a column) or Ctrl-C keeps the earlier
        # report whole (clearing it before the analyses lost it and left half a new one)
        with built_in_place(out) as work:
            work.mkdir()
            run = _Scoring(data=data, split=split, scored=scored, models=models, main=main, fit_items=fit_items,
                           items=items, embeds_fit_clips=embeds_fit_clips, emb=emb, layer_features=layer_features,
                           out=work, cache=cache, row_labels=row_labels, seed=seed, n_boot=n_boot, n_perm=n_perm,
                           batch_size=batch_size)
            # every model's embeddings of the scored clips (the file says test, the default split), for plots and later
            # comparisons without re-embedding
            np.savez(work / TEST_EMBEDDINGS_NAME, items=scored.items, **{n: run.scored_emb(n) for n in models})

            if language_skipped is not None:
                res["language_skipped"] = language_skipped
            if "fit" in analyses:
                _add_fit(res, run, controls, language_sim, language_config)
            if "layers" in analyses:
                _add_layers(res, run)
            if "partition" in analyses:
                _add_partition(res, run, language_sim, language_skipped)
            if "probes" in analyses:
                _add_probes(res, run)
            if "transfer" in analyses:
                _add_transfer(res, run, abstract_dir)
            if "attention" in analyses:
                with _timed(res, "attention"):
                    from bgs_hf.eval.attention import attention_analysis

                    res["attention"] = attention_analysis({n: models[n] for n in main}, data,
                                                          scored.items[:attention_clips], cache, out_dir=work,
                                                          labels=row_labels)
                    res["figures"]["attention"] = res["attention"].pop("figures", [])
            if "motion" in analyses:
                _add_motion(res, run)

            res["timings_s"]["total"] = time.perf_counter() - t_start
            res["figures"] = {k: ([_rel(x, work) for x in v] if isinstance(v, list) else _rel(v, work))
                              for k, v in res["figures"].items()}
            res["result_dir"] = str(out.resolve())  # where the relative figure paths live (for a --json copy elsewhere)
            res = json_safe(res)
            write_text_atomic(work / RESULT_NAME, json.dumps(res, indent=2) + "\n")
            from bgs_hf.eval.report import write_report

            write_report([(data.name, res, work)], work)
            _clear_earlier_report(out, replaced={p.name for p in work.iterdir()})
        # `bgs-hf evaluate` prints the report and the time; a Python caller has both in ``res``
        logger.debug("evaluation suite: %.1f s -> %s", res["timings_s"]["total"], out)
        return res


def check_frame_choice(num_frames: Any, interpolate_frames: bool, models: Sequence[Any]) -> None:
    """Refuse, before the data loads, a frame count no model takes: one not a whole number, ``interpolate_frames``
    without one, or one given with no backbone name among ``models`` (a run samples the count it trained with,
    and the count was dropped without a word)."""
    from bgs_hf.video.policy import checked_num_frames

    if num_frames is None:
        if interpolate_frames:
            raise BGSInputError("interpolate_frames needs num_frames (the frame count to interpolate to)")
        return
    checked_num_frames(num_frames)
    if not any(_is_backbone_name(m) for m in models if m is not None):
        raise BGSInputError(f"a frame count ({num_frames}) is for a model given as a backbone name, and none is: a "
                            "run folder (or model object) samples the count it was trained with")


def _check_arguments(analyses: Sequence[str], controls: dict[str, Any] | None, out_dir: str | Path, *,
                     attention_clips: int, n_perm: int, batch_size: int) -> None:
    """Refuse, before the data loads, what would otherwise fail only once every model had embedded the clips."""
    from bgs_hf.metrics.bootstrap import check_count

    check_analyses(analyses)
    check_count(batch_size, "batch_size")  # 0 was range()'s error once the models had loaded
    if "attention" in analyses and int(attention_clips) < 1:  # no clip to map: the analysis failed after embedding
        raise BGSInputError(f"attention_clips must be at least 1 (got {attention_clips}); leave 'attention' out of "
                            "the analyses to skip the maps")
    if "probes" in analyses:  # n_perm 0 was scipy's error once every model had embedded the clips
        check_count(n_perm, "n_perm")
    check_report_folder(out_dir)  # before the data loads and the clips are embedded
    for name in controls or {}:
        if name in RESERVED_CONTROL_NAMES:
            raise BGSInputError(f"control name {name!r} is reserved ({', '.join(RESERVED_CONTROL_NAMES)})")


def _refuse_controls_trained_on_scored_clips(controls: dict[str, Any], data: Any, scored: Any) -> None:
    """A control scored on its own training clips would flatter it: a control run whose recorded training split holds
    a scored clip is refused (one trained on other videos under these clip ids saw none of them)."""
    from bgs_hf.training.api import recorded_data, recorded_splits

    for name, m in controls.items():
        held = recorded_data(m, data) if _is_run_folder(m) else None
        control_splits = recorded_splits(m, data) if _is_run_folder(m) and not (held and held.other_data) else None
        if control_splits is None:
            continue
        seen = np.intersect1d(control_splits.get("train", np.zeros(0, dtype=np.int64)), scored.items)
        if len(seen):
            raise BGSInputError(f"control {name!r} trained on {len(seen)} of the {scored.split!r} clips scored here: "
                                "train it on the same splits as the fine-tuned run", path=m, whole=True)


def _check_language_sim(language_sim: Any, data: Any, scored: Any) -> None:
    """Refuse a given caption similarity that is not over the scored clips (the test split's matrix with
    ``split="val"``): the fit and the partition refused it only once every model had embedded the clips."""
    shape = np.shape(language_sim)
    n, n_all = len(scored.items), data.n_clips
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] not in (n, n_all):
        raise BGSInputError(f"language_sim has shape {shape}: it must be the caption similarity of the {n} scored "
                            f"{scored.split!r} clips ({n}×{n}, in the split's order) or of all {n_all} clips "
                            f"({n_all}×{n_all}); nothing was embedded")


def _language_similarity(data: Any, items: np.ndarray, config: Any) -> tuple[np.ndarray | None, str | None]:
    """(caption similarity of ``items``, why there is none). Computed before any video model loads: a sentence model
    the user named that cannot load is refused then, not dropped; the default's failure only skips the language row."""
    from bgs_hf.baselines.language import language_similarity

    try:
        return language_similarity([data.clips["captions"][int(i)] for i in items], config,
                                   names=[data.clips["clip_id"][int(i)] for i in items]), None
    except BGSInputError as err:
        if getattr(config, "model", None) is not None:
            raise
        logger.warning("no language reference: %s", err)
        return None, str(err)


def _result_header(data: Any, scored: Any, models: dict[str, Any], row_labels: dict[str, str], *, seed: int,
                   n_boot: int, n_perm: int, data_warning: str | None) -> dict[str, Any]:
    """The result's keys every evaluation has, whichever analyses run: the data, the scored split and its ceiling,
    the resample counts and each model's backbone; the analyses add theirs."""
    # simulated_observers: SocialShapes' judges, as report.json records them; the report must not call them human
    res: dict[str, Any] = {"data": data.name, "simulated_observers": bool(getattr(data, "simulated_observers", False)),
                           "split": scored.split, "seed": seed, "n_clips": int(len(scored.items)),
                           # the split's observed pairs: known whichever analyses run, not only with the fit
                           "n_pairs": _n_observed_pairs(scored), "n_judgments": int(len(scored.trip)),
                           "noise_ceiling_r2": scored.ceiling_r2,
                           "noise_ceiling_ci": scored.ceiling_ci, "n_boot": int(n_boot), "n_perm": int(n_perm),
                           "models": {}, "figures": {}, "timings_s": {}}
    if scored.ceiling_why is not None:  # said beside its n/a in the report and the summary, not only in the log
        res["noise_ceiling_why"] = scored.ceiling_why
    if data_warning is not None:  # the data is not (all) the run's: said beside the numbers, not only in the log
        res["data_warning"] = data_warning
    for name, m in models.items():
        spec = _backbone_spec(m)
        res["models"][name] = {"backbone": spec.name, "embedding_dim": None}
        if getattr(spec, "revision", None):  # a Hub backbone's commit: two commits of one repo are two models
            res["models"][name]["revision"] = spec.revision
    for name, label in row_labels.items():
        res["models"][name]["label"] = label
    return res


def _n_observed_pairs(scored: Any) -> int:
    """The scored split's clip pairs that share a judgment: the pairs R² and the variance partition are fitted on."""
    return int(len(scored.human.pairs(scored.items)[0]))


def _embed_models(models: dict[str, Any], main: list[str], data: Any, items: np.ndarray, scored_items: np.ndarray,
                  cache: Any, *, batch_size: int, layers: bool,
                  embedded: Mapping[str, tuple[np.ndarray, np.ndarray] | None] | None = None
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(embeddings, layer features) of each model, embedded once: the pretrained and bgs models (``main``) of every
    clip in ``items`` (with ``layers``: each layer's features too), controls of the scored clips alone. A model whose
    ``embedded`` rows hold every clip it needs is not run again when no layer features are wanted (the quickstart's
    BGS and control runs embedded the test clips already, to score them for metrics.json)."""
    from bgs_hf.eval.embed import embed_clips, embedding_rows

    emb: dict[str, np.ndarray] = {}
    layer_features: dict[str, np.ndarray] = {}
    for name, m in models.items():
        with_layers = layers and name in main
        wanted = items if name in main else scored_items
        given = (embedded or {}).get(name)
        if given is not None and not with_layers and set(wanted.tolist()) <= set(np.asarray(given[0]).tolist()):
            emb[name] = np.asarray(given[1], dtype=np.float64)[embedding_rows(given[0], wanted, "given")]
            continue
        # run_suite warned of repeated frames already (_warn_of_repeated_frames), of its first scored clip
        got = embed_clips(m, data, wanted, cache, batch_size=batch_size, layers=with_layers, check_frames=False)
        if with_layers:
            emb[name], layer_features[name] = got
        else:
            emb[name] = got
    return emb, layer_features


@dataclass
class _Scoring:
    """What the analyses of one :func:`run_suite` call share: the data and its scored split, the models, their
    embeddings and the resampling settings."""

    data: Any
    split: str
    scored: Any  # SplitHumans of ``split``: its clips, judgments, human similarity and noise ceiling
    models: dict[str, Any]
    main: list[str]  # "pretrained" and "bgs" where given: the models the layers, probes, transfer, attention and
    # motion analyses cover (controls are scored on the fit and partition only)
    fit_items: np.ndarray  # clips outside the scored split that choose a layer and train the probes
    items: np.ndarray  # the clips ``main``'s models embedded: the scored ones, with fit_items when embeds_fit_clips
    embeds_fit_clips: bool
    emb: dict[str, np.ndarray]
    layer_features: dict[str, np.ndarray]
    out: Path
    cache: Any
    row_labels: dict[str, str]
    seed: int
    n_boot: int
    n_perm: int
    batch_size: int

    def scored_emb(self, name: str) -> np.ndarray:
        """Model ``name``'s embeddings of the scored clips, in ``scored.items``' order."""
        from bgs_hf.eval.embed import embedding_rows

        embedded = self.items if name in self.main else self.scored.items
        return self.emb[name][embedding_rows(embedded, self.scored.items, "scored")]


@contextmanager
def _timed(res: dict[str, Any], key: str) -> Iterator[None]:
    """Record the block's wall time as ``res["timings_s"][key]``."""
    t0 = time.perf_counter()
    yield
    res["timings_s"][key] = time.perf_counter() - t0


#: the fit statistics the motion table shows for each model's original clips and each control
MOTION_STATS = ("r2", "r2_ci", "ooo_acc_3way", "ooo_acc_2way")


def _add_fit(res: dict[str, Any], run: _Scoring, controls: dict[str, Any], language_sim: np.ndarray | None,
             language_config: Any) -> None:
    """Behavioural fit of every model (and the language reference), and bgs paired with the pretrained model and
    each control on the same clip resamples.

    A pair with a model whose fit means nothing (:func:`unscorable`: every similarity ties, or a diverged model) is
    not tested, ``{"skipped": "<model> not scored: <why>"}``, as the motion controls' original or control: its R² is
    undefined and its 0% accuracies are no answer, so a difference and p against them test nothing: kept in the
    report's Holm family, such a p would be counted as a test, read as a finding and raise the real tests' Holm p's."""
    from bgs_hf.eval.fit import fit_from_embeddings, fit_from_similarity, paired_comparison
    from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY
    from bgs_hf.viz.models import language_name, model_name

    scored, n_boot, seed = run.scored, run.n_boot, run.seed
    with _timed(res, "fit"):
        fits = {n: fit_from_embeddings(run.scored_emb(n), run.data, scored, n_boot=n_boot, seed=seed)
                for n in run.models}
        if language_sim is not None:
            res["language_reference"] = _language_reference(language_config)
            fits["language"] = fit_from_similarity(language_sim, run.data, scored, n_boot=n_boot, seed=seed)
        res["fit"] = fits
        paired = {}
        if "bgs" in run.models:
            for other in ("pretrained", *controls):
                unscored = [f"{model_name(n, labels=run.row_labels)} not scored: {why}" for n in ("bgs", other)
                            if (why := unscorable(run.scored_emb(n))) is not None]
                paired[f"bgs - {other}"] = ({"skipped": "; ".join(unscored)} if unscored else
                                            paired_comparison(run.scored_emb("bgs"), run.scored_emb(other), scored,
                                                              n_boot=n_boot, seed=seed))
        res["paired"] = paired
        # a collapsed model's accuracies count every tie as wrong: its 0% is no answer, drawn n/a like its R²
        res["figures"]["fit"] = _plot_bars(
            {n: {g: np.nan if f.get("collapsed") else f[k] for g, k in (("R²", "r2"), ("3-way acc", "ooo_acc_3way"),
                                                                        ("2-way acc", "ooo_acc_2way"))}
             for n, f in fits.items()}, run.out / "fit.png", panels=FIT_PANELS,
            title=f"Behavioural fit ({run.split} clips)", errors={n: {"R²": f["r2_ci"]} for n, f in fits.items()},
            names={**run.row_labels,
                   "language": language_name((res.get("language_reference") or {}).get("model"))},
            refs={"R²": ("noise ceiling", scored.ceiling_r2, scored.ceiling_ci), "3-way acc": ("chance", CHANCE_3WAY, None),
                  "2-way acc": ("chance", CHANCE_2WAY, None)})


def _add_layers(res: dict[str, Any], run: _Scoring) -> None:
    """Layer-wise fit of the pretrained and bgs models: the layer chosen on the validation (else training) clips,
    scored on the scored split."""
    from bgs_hf.eval.fit import SplitHumans, layerwise_fit

    data, split = run.data, run.split
    with _timed(res, "layers"):
        # A run trained on every training clip (the demo) leaves no validation clips; its layer is then chosen
        # on the training clips, which favours the fine-tuned model's late layers (said in the report). No layers
        # were embedded when no clip lies outside the scored split: then there are no such judgments either.
        chosen_on = next((s for s in ("val", "train") if s != split and s in data.splits and len(data.triplets(s))),
                         None) if run.layer_features else None
        if chosen_on is None:
            res["layers"] = {"skipped": "no validation or training judgments to choose a layer"}
        else:
            select = SplitHumans.build(data, chosen_on, ceiling=False)
            # the output layer's test fit is the fit row's (the same rows, n_boot and seed): not bootstrapped again
            fits = res.get("fit", {})
            res["layers"] = {n: layerwise_fit(features, run.emb[n], data, run.items, select, run.scored,
                                              chosen_on=chosen_on, n_boot=run.n_boot, seed=run.seed,
                                              head_fit=fits.get(n))
                             for n, features in run.layer_features.items()}
            res["figures"]["layers"] = _plot_layers(res["layers"], run.out / "layers.png", split=split,
                                                    names=run.row_labels)


def _add_partition(res: dict[str, Any], run: _Scoring, language_sim: np.ndarray | None,
                   language_skipped: str | None) -> None:
    """Variance partitioning of the judges' pair similarities between each model's and the captions'. A model whose
    similarities mean nothing (:func:`unscorable`) is not partitioned: with every similarity tied its video parts
    read 0.000 [0.000, 0.000] and the language part the captions' own R², shares of a model with no answer."""
    from bgs_hf.eval.partition import partition_pairs, plot_partition
    from bgs_hf.metrics import cosine_similarity_matrix

    n_pairs = _n_observed_pairs(run.scored)
    if language_sim is None:
        res["partition"] = {"skipped": f"no language row: {language_skipped or 'no captions'}"}
        return
    if n_pairs <= 3:  # OLS on 3 predictors needs more observed pairs
        res["partition"] = {"skipped": f"{n_pairs} observed pairs: too few to partition variance"}
        return
    with _timed(res, "partition"):  # as the probes and transfer: timed once it runs (it was the one never timed)
        parts = {}
        for n in run.models:
            e = run.scored_emb(n)
            why = unscorable(e)
            parts[n] = (partition_pairs(cosine_similarity_matrix(e), language_sim, run.scored.human, run.scored.items,
                                        n_boot=run.n_boot, seed=run.seed)
                        if why is None else {"skipped": why})
        res["partition"] = parts
        res["figures"]["partition"] = str(plot_partition(parts, run.out / "partition.png", labels=run.row_labels,
                                                         simulated=res["simulated_observers"]))


def _add_probes(res: dict[str, Any], run: _Scoring) -> None:
    """Ridge probes of the clip ratings for the pretrained and bgs models, trained on the fit clips and scored on the
    scored ones, and bgs − pretrained paired on the same clip resamples. A model whose embeddings leave a probe nothing
    to read (``unscorable(..., probe=True)``: diverged, or every clip the same point) is not probed nor paired: its row
    is ``{"skipped": why}``, said in the log and the report."""
    from bgs_hf.eval.probes import (
        fit_attribute_probes,
        paired_probe_fits,
        probes_skipped_reason,
        score_probes,
    )
    from bgs_hf.viz.models import model_name

    if not run.embeds_fit_clips:
        res["probes"] = {"skipped": "no training clips"}
        return
    with _timed(res, "probes"):
        why_not = {n: unscorable(run.emb[n], probe=True) for n in run.main}
        for why in dict.fromkeys(w for w in why_not.values() if w is not None):
            # one line naming the model: its probe columns were dashes with no reason given anywhere (a collapsed
            # model's r and p read n/a, and its change in r was tested)
            logger.warning("probes of %s skipped: %s", " and ".join(
                model_name(n, labels=run.row_labels) for n in run.main if why_not[n] == why), why)
        # each model's probes fitted once, for its own row and the paired difference (refitting them for the
        # pair doubled the probes' fitting time)
        probed = [n for n in run.main if why_not[n] is None]  # the first says which rating columns are missing
        probe_fits = {n: fit_attribute_probes(run.emb[n], run.data, run.fit_items, run.scored.items, run.items,
                                              say_skipped=n == probed[0])
                      if n in probed else {} for n in run.main}
        res["probes"] = {n: score_probes(f, n_perm=run.n_perm, seed=run.seed) for n, f in probe_fits.items()}
        if all(probe_fits.get(n) for n in ("bgs", "pretrained")):  # the report's "change in r", paired
            res["probes_paired"] = {"bgs - pretrained": paired_probe_fits(
                probe_fits["bgs"], probe_fits["pretrained"], n_boot=run.n_boot, seed=run.seed)}
        if any(res["probes"].values()):
            res["figures"]["probes"] = _plot_bars(
                {n: {a: v["r"] for a, v in p.items()} for n, p in res["probes"].items()}, run.out / "probes.png",
                ylabel=f"Pearson r ({run.split} clips)", title="Ridge probes of clip ratings", names=run.row_labels)
            res["probes"].update({n: {"skipped": why} for n, why in why_not.items() if why is not None})
        elif probed:  # say why: the report showed an empty section
            res["probes"] = {"skipped": probes_skipped_reason(run.data, run.fit_items, run.scored.items, run.split)}
        else:  # no model could be probed, so whether the clips are rated is unknown
            res["probes"] = {"skipped": "; ".join(dict.fromkeys(w for w in why_not.values() if w is not None))}


def _add_transfer(res: dict[str, Any], run: _Scoring, abstract_dir: str | Path | None) -> None:
    """Out-of-distribution transfer: a probe of each of the pretrained and bgs models' embeddings of the abstract
    set, trained on its train part and tested on its held-out styles, and bgs − pretrained paired. A model whose
    embeddings leave a probe nothing to read (``unscorable(..., probe=True)``) is not probed nor paired."""
    from bgs_hf.eval.embed import embed_paths
    from bgs_hf.eval.probes import TransferFit, fit_transfer_probe, paired_accuracy, read_abstract_set

    if abstract_dir is None:
        res["transfer"] = {"skipped": "no abstract set given (bgs-hf synth DIR --abstract)"}
        return
    with _timed(res, "transfer"):
        paths, labels, is_gen, label_names = read_abstract_set(abstract_dir)
        res["transfer"] = {"labels": label_names, "set": str(abstract_dir), "models": {}}
        # each model's probe fitted once, for its own row and the paired difference
        transfer_fits: dict[str, TransferFit] = {}
        for n in run.main:
            e = embed_paths(run.models[n], paths, run.cache, batch_size=run.batch_size, desc=f"abstract set ({n})",
                            check_frames=False)  # run_suite checks its scored clips alone, as it always did
            # every clip embedded alike: the probe answers one label for all, its accuracy the share of that label
            # (with a Wilson CI and a paired p, as if it were a read-out)
            why = unscorable(e, probe=True)
            if why is None:
                transfer_fits[n] = fit_transfer_probe(e, labels, is_gen, seed=run.seed)
            res["transfer"]["models"][n] = transfer_fits[n].summary() if why is None else {"skipped": why}
        if all(n in transfer_fits for n in ("bgs", "pretrained")):
            res["transfer"]["paired"] = {"bgs - pretrained": paired_accuracy(
                transfer_fits["bgs"].right, transfer_fits["pretrained"].right, n_boot=run.n_boot, seed=run.seed)}


def _add_motion(res: dict[str, Any], run: _Scoring) -> None:
    """Motion controls: the pretrained and bgs models' fit on the scored clips with their frames shuffled, one
    frame repeated or reversed, beside the original's, and original − control paired on the same clip resamples (the
    two R²s side by side, each with its own interval, said nothing about their difference on the same clips)."""
    from bgs_hf.eval.embed import MOTION_CONTROLS, MotionControl, embed_clips
    from bgs_hf.eval.fit import fit_from_embeddings, paired_comparison

    motion: dict[str, Any] = {}
    motion_paired: dict[str, dict[str, Any]] = {}
    with _timed(res, "motion"), tqdm(total=len(run.main) * len(MOTION_CONTROLS), desc="motion controls",
                                     unit="model×control") as bar:
        for n in run.main:
            original = run.scored_emb(n)
            original_unscorable = unscorable(original)
            # an original with no answer says why, as its controls do (it showed the fit row's 0% accuracies)
            motion[n] = {"original": {"skipped": original_unscorable} if original_unscorable else
                         {k: res.get("fit", {}).get(n, {}).get(k) for k in MOTION_STATS}}
            motion_paired[n] = {}
            for kind in MOTION_CONTROLS:
                bar.set_postfix_str(f"{n}: {kind}")
                e = embed_clips(run.models[n], run.data, run.scored.items, run.cache, batch_size=run.batch_size,
                                transform=MotionControl(kind, run.seed), progress=False, check_frames=False)
                if (control_unscorable := unscorable(e)) is not None:
                    motion[n][kind] = {"skipped": control_unscorable}
                    motion_paired[n][kind] = {"skipped": f"control not scored: {control_unscorable}"}
                else:
                    f = fit_from_embeddings(e, run.data, run.scored, n_boot=run.n_boot, seed=run.seed)
                    motion[n][kind] = {k: f[k] for k in MOTION_STATS}
                    motion_paired[n][kind] = ({"skipped": f"original not scored: {original_unscorable}"}
                                              if original_unscorable else
                                              paired_comparison(original, e, run.scored, n_boot=run.n_boot,
                                                                seed=run.seed))
                bar.update()  # once the control is scored (it counted it done before its clips were embedded)
        res["motion"] = motion
        res["motion_paired"] = motion_paired
        res["figures"]["motion"] = _plot_bars(
            {n: {k: v.get("r2") if v.get("r2") is not None else np.nan for k, v in m.items()}
             for n, m in motion.items()}, run.out / "motion.png", ylabel=f"R² (signed Spearman², {run.split} clips)",
            title="Motion controls (frames altered after decoding)",
            errors={n: {k: v.get("r2_ci") for k, v in m.items()} for n, m in motion.items()}, names=run.row_labels)
