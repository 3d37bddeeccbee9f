"""One markdown and one HTML report (PNGs embedded) from one or more ``evaluation.json`` results.

Sections are built once as blocks (text, table, image) and rendered to both formats, so the two
reports always hold the same numbers. Several runs go side by side: every table gets a ``run`` column.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._files import write_text_atomic
from bgs_hf._format import (
    agree,
    code_spans,
    fmt,
    fmt_chance_pct,
    fmt_p,
    fmt_pct,
    fmt_why,
    md_cell,
    md_code,
    md_literal,
    md_text,
    p_at_floor,
)
from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY
from bgs_hf.viz.models import model_name

logger = logging.getLogger(__name__)

Block = tuple  # ("text", str) | ("table", headers, rows) | ("image", path, caption)


# An undefined statistic (None in JSON, NaN in memory) reads "n/a", as in every other output (bgs_hf._format); "–"
# is kept for a cell that does not apply (a model a run does not have).
def _f(x: Any, nd: int = 3, unit: str = "") -> str:
    """``nd`` decimals; ``unit="%"``: a proportion (an accuracy) as a percentage, as report.md, the cards and the README
    print it (evaluation.md printed 0.511 for the model report.md called 51.1%); ``unit="pp"``: a difference of two
    proportions in percentage points. evaluation.json keeps the proportions. A numpy float (float32, a 0-d array: an
    in-memory result handed to :func:`write_report`) is formatted as the float it holds, not printed raw."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, np.floating):
        x = float(x)
    if isinstance(x, (list, tuple)) and len(x) == 2:
        ends = f"[{_f(x[0], nd, unit)}, {_f(x[1], nd, unit)}]"
        return ends.replace(" pp", "") + " pp" if unit == "pp" else ends
    if isinstance(x, float) or x is None:
        if unit == "%":
            return fmt(x, ".1%")
        if unit == "pp":
            return fmt_pct(None if x is None else 100 * x).replace("%", " pp")
        return fmt(x, f".{nd}f")
    return str(x)


def _acc(x: Any) -> str:
    """An accuracy (a proportion) as a percentage."""
    return _f(x, unit="%")


def _p(x: Any, n_resamples: Any = None, sides: int = 1) -> str:
    """Three decimals; at a resampling floor (no draw reached the observed value) a bound, ``< 0.001``."""
    return fmt_p(x, n_resamples if isinstance(n_resamples, int) else None, sides=sides)


def _captions_embedded(mode: Any) -> str:
    """What the language row embeds of each clip (``--caption``): "the first caption(s)" read as a count."""
    known = {"first": "each clip's first caption", "mean": "each clip's captions (the mean of their embeddings)"}
    return known.get(mode, f"the {mode} captions")


def row_name(key: str, res: dict) -> str:
    """The display name of model ``key`` in a run's result, in the report's tables and `bgs-hf evaluate`'s summary
    alike (its language row names its own sentence model; a row that is not what its key says carries its own
    ``label``: another run as the comparison, a plain backbone)."""
    label = ((res.get("models") or {}).get(key) or {}).get("label")
    return label or model_name(key, language_model=(res.get("language_reference") or {}).get("model"))


def _frozen_model(key: str, res: dict) -> tuple[str, str | None] | None:
    """(backbone, Hub revision) of a row that scored a backbone frozen: a run's own base (a ``pretrained`` row with no
    label, the standard case) or a row labelled by its backbone (``evaluate --model BACKBONE``); None for any other
    row (a fine-tuned run, the language row, a control, an entry an edited file left without a backbone)."""
    from bgs_hf.eval.suite import frozen_label

    entry = (res.get("models") or {}).get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("backbone"), str):
        return None
    backbone, label = entry["backbone"], entry.get("label")
    if (label is None and key != "pretrained") or (label is not None and label != frozen_label(backbone)):
        return None
    revision = entry.get("revision")
    return backbone, revision if isinstance(revision, str) else None


def _one_name_per_model(runs: list[tuple[str, dict, Path]]) -> list[tuple[str, dict, Path]]:
    """Runs side by side with every frozen backbone named by its backbone, where the runs' own names would give one
    model two names or two models one: ``evaluate --model RUN`` calls the run's base "pretrained video model
    (frozen)" and ``evaluate --model BACKBONE`` the same model "BACKBONE (frozen)", and two runs on other bases both
    said "pretrained video model (frozen)". Two Hub revisions of one backbone are told apart by their commits. The
    results on disk keep their labels (a single run's report, the quickstart's, ``push --baseline``'s are as they
    were); only this report's copies are relabelled."""
    from bgs_hf.eval.suite import frozen_label

    frozen = {(i, key): model for i, (_, res, _) in enumerate(runs) for key in (res.get("models") or {})
              if (model := _frozen_model(key, res)) is not None}
    names_of: dict[tuple[str, str | None], set[str]] = {}
    models_named: dict[str, set[tuple[str, str | None]]] = {}
    for (i, key), model in frozen.items():
        name = row_name(key, runs[i][1])
        names_of.setdefault(model, set()).add(name)
        models_named.setdefault(name, set()).add(model)
    if all(len(group) == 1 for group in (*names_of.values(), *models_named.values())):
        return runs
    revisions: dict[str, set[str | None]] = {}
    for backbone, revision in names_of:
        revisions.setdefault(backbone, set()).add(revision)

    def name(model: tuple[str, str | None]) -> str:
        backbone, revision = model
        if len(revisions[backbone]) == 1:
            return frozen_label(backbone)
        return f"{frozen_label(backbone)} at {f'Hub commit {revision[:12]}' if revision else 'an unrecorded revision'}"

    named = []
    for i, (label, res, folder) in enumerate(runs):
        models = {key: {**entry, "label": name(frozen[i, key])} if (i, key) in frozen else entry
                  for key, entry in res["models"].items()}
        named.append((label, {**res, "models": models}, folder))
    return named


def _figure_names_note(runs: list[tuple[str, dict, Path]], named: list[tuple[str, dict, Path]]) -> list[Block]:
    """Which rows :func:`_one_name_per_model` renamed in runs that have figures: each evaluation drew its figures with
    its own names, so a legend and the table beside it named one model two ways without a word."""
    renamed = [f"{label}'s name {row_name(key, new)} (the {md_code(key)} row) as its evaluation did"
               for (label, res, _), (_, new, _) in zip(runs, named) if res.get("figures")
               for key in res.get("models") or {} if row_name(key, res) != row_name(key, new)]
    if not renamed:
        return []
    return [("text", "*Each evaluation drew its figures with its own row names: " + "; ".join(renamed) + ".*")]


def _comparison(pair: str, res: dict) -> str:
    """``"bgs - pretrained"`` (a paired result's key) in display names. The first is always the suite's own ``bgs``
    row, so the key splits at its first " - ": a control named ``lang - distilled`` keeps its name (it was cut in
    two, "… − lang − distilled")."""
    first, _, second = pair.partition(" - ")
    return f"{row_name(first, res)} − {row_name(second, res)}"


def _names_by_run(runs: list[tuple[str, dict, Path]]) -> dict[str, dict[str, list[str]]]:
    """key -> display name -> the runs that name that key's model so (first met first): runs side by side may hold
    different models under one key (``--pretrained`` of another backbone, another sentence model)."""
    names: dict[str, dict[str, list[str]]] = {}
    for label, r, _ in runs:
        for key in dict.fromkeys(list(r.get("models", {})) + list(r.get("fit", {}))):
            names.setdefault(key, {}).setdefault(row_name(key, r), []).append(label)
    return names


def _model_keys_text(runs: list[tuple[str, dict, Path]]) -> Block | None:
    """Which JSON key each row's model is stored under (evaluation.json keeps the keys; the tables show names), and
    which run's model each name is where the runs' models under a key differ (the first run's name stood for all)."""
    names = _names_by_run(runs)
    if not names:
        return None

    def named(by_name: dict[str, list[str]]) -> str:
        if len(by_name) == 1:
            return next(iter(by_name))
        return ", ".join(f"{n} in {', '.join(labels)}" for n, labels in by_name.items())

    return ("text", "Models (their keys in evaluation.json): "
            + "; ".join(f"{md_code(k)}: {named(by_name)}" for k, by_name in names.items()) + ".")


def _resample_count(values: Any, key: str) -> int | None:
    """The one number of resamples (``n_perm`` / ``n_boot``) behind a set of results, if they agree on one."""
    counts = {v.get(key) for v in values if isinstance(v, dict)}
    return counts.pop() if len(counts) == 1 and isinstance(next(iter(counts)), int) else None


def _resamples(n: int) -> str:
    """"resample" or "resamples" after a count ``n`` printed as recorded (``1000``, not ``count``'s ``1,000``: the
    report's texts keep their digits): ``--n-boot 1`` read "1 resamples"."""
    return agree(n, "resample", "resamples")


def _tests(runs: list[tuple[str, dict, Path]], count_of: Callable[[dict], int | None]) -> str:
    """A table's test count per run with its noun: "1 test", "6 tests", or "2 tests in a, 1 test in b" (it was always
    "tests": "the table holds 1 tests"; and runs that differ read "2 / 1 tests", which run holding which unsaid)."""
    return _per_run(runs, count_of, lambda n: f"{n} {agree(n, 'test', 'tests')}")


# the JSON keys of a fit, as the fit table's columns name them (the paired table printed the keys)
_STAT_NAMES = {"r2": "R²", "ooo_acc_3way": "3-way acc", "ooo_acc_2way": "2-way acc"}
#: a paired difference of accuracies is printed in percentage points, as the accuracies are in percent
_DIFF_UNIT = {"ooo_acc_3way": "pp", "ooo_acc_2way": "pp"}


def _holm_header(runs: list[tuple[str, dict, Path]]) -> str:
    """The Holm column's header: its family is one run's rows, so a table of several runs says "per run" (it said
    "this table" over rows Holm never pooled: 0.01, 0.04 in one run and 0.03 in another read 0.02, 0.04, 0.03 under
    a header that promised 0.03, 0.06, 0.06)."""
    return "Holm p (per run)" if len(runs) > 1 else "Holm p (this table)"


def _holm_cells(tests: list[tuple[Any, Any]]) -> list[str]:
    """Holm-adjusted p's (:func:`bgs_hf.metrics.bootstrap.holm`) of one run's table of two-sided paired tests, each
    given as (p, its resamples), printed to three decimals; one that rests on a p at its resampling floor is only a
    bound and reads ``< x`` (:func:`~bgs_hf.metrics.bootstrap.holm_bounds`): it printed as a value."""
    from bgs_hf.metrics.bootstrap import holm, holm_bounds

    p_values = [p for p, _ in tests]
    at_floor = [p_at_floor(p, n if isinstance(n, int) else None, sides=2) for p, n in tests]
    return [fmt_p(x, bound=b) for x, b in zip(holm(p_values), holm_bounds(p_values, at_floor))]


def _paired_p(v: dict, res: dict) -> tuple[Any, Any]:
    """A paired-bootstrap row's two-sided p and its resamples (the row's own count, else the run's)."""
    return v["p_value"], v.get("n_boot", res.get("n_boot"))


def _diff_cells(v: dict, stat: str, res: dict) -> list[str]:
    """Difference, 95% CI and two-sided p of one paired-bootstrap row (an accuracy's in percentage points)."""
    unit = _DIFF_UNIT.get(stat, "")
    p = _p(*_paired_p(v, res), sides=2)
    return [_f(v["diff"], unit=unit), _f(v["ci"], unit=unit), p]


def _n_defined(p_values: list[Any]) -> int:
    """How many of a table's p's are defined: the family a Holm p adjusts over."""
    return sum(isinstance(p, (int, float)) and p == p for p in p_values)


def _per_run(runs: list[tuple[str, dict, Path]], count_of: Callable[[dict], int | None],
             shown: Callable[[int], str] = str) -> str:
    """``shown(count_of(result))`` over the runs that have a count: one where they all agree ("6 tests"), else each
    run's by its label, in the runs' order ("6 tests in a, 4 tests in b"): the distinct counts alone, "6 / 4", said
    not which run had which, and two runs of 6 beside one of 4 read as two runs."""
    counts = [(label, n) for label, r, _ in runs if (n := count_of(r)) is not None]
    if len({n for _, n in counts}) <= 1:
        return shown(counts[0][1]) if counts else ""
    return ", ".join(f"{shown(n)} in {label}" for label, n in counts)


def _runs_table(runs: list[tuple[str, dict, Path]], headers: list[str], rows_of: Any) -> Block:
    """One table of ``rows_of(result)`` over the runs, each row led by its run's label where several share it."""
    multi = len(runs) > 1
    rows = []
    for label, res, _ in runs:
        for row in rows_of(res):
            rows.append(([label] if multi else []) + row)
    return ("table", (["run"] if multi else []) + headers, rows)


def _figure_files(entry: Any) -> list[Any]:
    """A ``figures`` entry as a list: the suite writes one file name, or a list (the attention overlays), or None."""
    return [entry] if isinstance(entry, str) else list(entry or [])


def _images(runs: list[tuple[str, dict, Path]], key: str, caption: str | Callable[[dict], str]) -> list[Block]:
    """Every run's figures of analysis ``key``, each captioned with its run where several share the report. The
    caption is the figure's alt text: it says what the marks mean (a caption of a run's own, ``caption(result)``,
    where that depends on the run)."""
    blocks = []
    for label, res, _ in runs:
        text = caption(res) if callable(caption) else caption
        for f in _figure_files(res.get("figures", {}).get(key)):
            blocks.append(("image", f, f"{text} ({label})" if len(runs) > 1 else text))
    return blocks


def _was_skipped(res: dict, key: str) -> bool:
    """Whether a run was asked for analysis ``key`` and skipped it (its result holds only why)."""
    return isinstance(res.get(key), dict) and "skipped" in res[key]


def _skipped(runs: list[tuple[str, dict, Path]], key: str) -> list[Block]:
    """Each run without analysis ``key``'s results says why: its reason, or that it was not asked for (the suite
    writes the key of every analysis asked for; a run without it was left out of the section without a word)."""
    return [("text", f"*{label}: not run ({res[key]['skipped']}).*" if key in res else f"*{label}: not asked for.*")
            for label, res, _ in runs if key not in res or _was_skipped(res, key)]


def _whose(runs: list[tuple[str, dict, Path]]) -> str:
    """Whose similarities the runs were scored against: "human", or on SocialShapes (every run's
    ``simulated_observers``) "simulated observers'"; runs on both kinds of data: "judges'"."""
    simulated = {bool(r.get("simulated_observers")) for _, r, _ in runs}
    return "human" if simulated == {False} else "simulated observers'" if simulated == {True} else "judges'"


def _resample_notes(runs: list[tuple[str, dict, Path]],
                    tests_of: Callable[[dict], list[tuple[str, dict]]] | None = None) -> list[Block]:
    """Which paired rows had resamples with no difference (both sides of 0 in the p) or an undefined statistic (left
    out): with few judgments most resamples are one or the other, and p = 1.000 alone read as "no difference".
    ``tests_of(result)``: (row name, paired result) of each test of a table; by default the fit's paired table's."""
    if tests_of is None:
        def tests_of(r: dict) -> list[tuple[str, dict]]:
            return [(f"{_comparison(c, r)}, {_STAT_NAMES.get(s, s)}", v) for c, s, v in _fit_tests(r)]

    notes = []
    for label, r, _ in runs:
        asked = r.get("n_boot")
        for name, v in tests_of(r):
            kept, tied = v.get("n_boot"), v.get("n_tied")
            parts = [f"no difference in {tied} of {kept} {_resamples(kept)}"] if tied and isinstance(kept, int) else []
            if isinstance(asked, int) and isinstance(kept, int) and asked > kept:
                parts.append(f"{asked - kept} of {asked}{'' if parts else ' ' + _resamples(asked)} undefined")
            if parts:
                notes.append(f"{_run_prefix(label, runs)}{name}: {', '.join(parts)}")
    if not notes:
        return []
    return [("text", "*Resamples with no difference or an undefined statistic: " + "; ".join(notes) + ".*")]


def _fit_tests(r: dict) -> list[tuple[str, str, dict]]:
    """(comparison, statistic, result) of each test in a run's fit paired table: a comparison skipped (a model not
    scored, ``{"skipped": why}``) holds none, so its row says why and its p's stay out of the Holm family."""
    return [(c, s, v) for c, d in r.get("paired", {}).items() if "skipped" not in d for s, v in d.items()]


def _ran(runs: list[tuple[str, dict, Path]], key: str) -> bool:
    """Whether at least one run holds analysis ``key``'s results (not only why it was skipped)."""
    return any(key in r and not _was_skipped(r, key) for _, r, _ in runs)


def _run_prefix(label: str, runs: list[tuple[str, dict, Path]]) -> str:
    """``"label: "`` before one run's own note where several runs share a report; nothing for one run."""
    return label + ": " if len(runs) > 1 else ""


def build_sections(runs: list[tuple[str, dict, Path]]) -> list[tuple[str, list[Block]]]:
    """(title, blocks) for every analysis present in at least one run: those that ran in some run in the analyses'
    order, then those asked for and skipped in every run, in the same order, each saying why instead of vanishing."""
    analyses = (("fit", "Behavioural fit", _fit_blocks), ("layers", "Layer-wise fit", _layers_blocks),
                ("partition", "Variance partitioning", _partition_blocks),
                ("probes", "Attribute probes", _probes_blocks),
                ("transfer", "Out-of-distribution transfer", _transfer_blocks),
                ("attention", "Attention", _attention_blocks), ("motion", "Motion controls", _motion_blocks))
    # each run that skipped an analysis another run ran says why at the section's end, in every section alike (the
    # partition and motion sections said so; the others left that run out without a word), as does one not asked for it
    ran = [(title, blocks(runs) + _skipped(runs, key)) for key, title, blocks in analyses if _ran(runs, key)]
    # the fit is never skipped as a whole (the suite scores every model when it is asked for); a transfer skipped in
    # every run stood in its place, ahead of analyses that ran, where every other went to the end; one no run was
    # asked for has no section
    skipped = [(title, _skipped(runs, key)) for key, title, _ in analyses
               if key != "fit" and not _ran(runs, key) and any(_was_skipped(r, key) for _, r, _ in runs)]
    return [("Data and noise ceiling", _data_blocks(runs)), *ran, *skipped]


def _data_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """The scored data, its split and noise ceiling per run, and which model each JSON key holds."""
    summary = _runs_table(runs, ["data", "split", "clips", "pairs", "judgments",
                                 "noise ceiling R² [95% range over split-halves]"],
                          lambda r: [[r.get("data"), r.get("split"), r.get("n_clips"), _f(r.get("n_pairs")),
                                      r.get("n_judgments"),
                                      fmt_why(r.get("noise_ceiling_r2"), ".3f", r["noise_ceiling_why"])
                                      if r.get("noise_ceiling_why") else
                                      f"{_f(r.get('noise_ceiling_r2'))} {_f(r.get('noise_ceiling_ci'))}"]])
    keys = _model_keys_text(runs)
    # the run trained on other videos under these clip ids (another seed's SocialShapes): first, not in the log only
    warnings: list[Block] = [("text", f"**{_run_prefix(label, runs)}{r['data_warning']}.**")
                             for label, r, _ in runs if r.get("data_warning")]
    return warnings + [summary] + _ceiling_seed_blocks(runs) + ([keys] if keys else []) + _frame_count_notes(runs)


def _frame_count_notes(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each row scored on a frame count other than its backbone's own (``evaluate --num_frames``, recorded in its
    ``models`` entry): the report named the row as if it sampled its own count, and only evaluation.json said not."""
    notes: list[Block] = []
    for label, r, _ in runs:
        for key, entry in (r.get("models") or {}).items():
            chosen = entry.get("num_frames") if isinstance(entry, dict) else None
            if not isinstance(chosen, int) or isinstance(chosen, bool):
                continue
            own = entry.get("frames_interpolated_from")
            how = (f"`evaluate --num_frames {chosen} --interpolate_frames`: its time embeddings interpolated from the "
                   f"checkpoint's {own}" if isinstance(own, int) and not isinstance(own, bool)
                   else f"`evaluate --num_frames {chosen}`")
            notes.append(("text", f"*{_run_prefix(label, runs)}{row_name(key, r)} sampled {chosen} frames per clip "
                                  f"({how}).*"))
    return notes


#: Which seed drew an evaluation's ceiling (``ceiling_seed_note``): its own, which a run's model card need not share.
EVALUATION_SEED = "this evaluation's `--seed` (by default a run folder's training seed, as on its model card)"


def evaluation_seed_note(res: dict) -> str | None:
    """The sentence naming the seed that drew an evaluation's ceiling (evaluation.json's ``seed``), in the card's
    words; None where no ceiling was estimated or no seed recorded. One text for evaluation.md and `bgs-hf evaluate`'s
    console summary, which showed the ceiling without its seed."""
    from bgs_hf.metrics.bootstrap import recorded_seed_note

    return recorded_seed_note(res, EVALUATION_SEED)


def _ceiling_seed_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Below the data table, the seed that drew each run's ceiling (:func:`evaluation_seed_note`): two runs' ceilings
    of the same judgments differ by it, and the report showed them without it."""
    return [("text", f"*{_run_prefix(label, runs)}{note}*")
            for label, r, _ in runs for note in [evaluation_seed_note(r)] if note]


def _fit_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each model's (and the language row's) behavioural fit, and the paired comparisons with their Holm p's."""
    t = _runs_table(runs, ["model", "R²", "R² 95% CI", "% of ceiling", "RSA ρ", "RSA r", "3-way acc", "2-way acc"],
                    lambda r: [[row_name(n, r), _f(f["r2"]), _f(f["r2_ci"]), fmt_pct(f.get("pct_of_ceiling")),
                                _f(f["rsa_spearman"]), _f(f["rsa_pearson"]), _acc(f["ooo_acc_3way"]),
                                _acc(f["ooo_acc_2way"])] for n, f in r.get("fit", {}).items()])
    blocks = [("text", "R² = signed squared Spearman between model and "
               f"{'human' if _whose(runs) == 'human' else 'the ' + _whose(runs)} similarity over the scored "
               "split's observed pairs; CI: bootstrap over clips. Accuracies: the share of judgments the model "
               f"matches, ties counted wrong; 3-way chance {fmt_chance_pct(CHANCE_3WAY)}; 2-way (the paper's anchor "
               f"test) chance {fmt_chance_pct(CHANCE_2WAY)}."), t]
    from bgs_hf.data.validate import small_split_note

    # once per run below the table, not on each row: a tiny split's [-1.000, 1.000] read as a finding
    blocks += [("text", f"*{_run_prefix(label, runs)}{note.removeprefix('note: ')}.*") for label, r, _ in runs
               for note in [small_split_note(r.get("split"), r.get("n_clips"), r.get("n_judgments"),
                                             [f.get("r2_ci") for f in r.get("fit", {}).values()])] if note]
    blocks += [("text", f"*{_run_prefix(label, runs)}the {row_name('language', r)} row embeds "
                f"{_captions_embedded(ref['caption'])} with {ref['model']}.*")
               for label, r, _ in runs for ref in [r.get("language_reference")] if ref]
    blocks += [("text", f"*{_run_prefix(label, runs)}no language row ({r['language_skipped']}).*")
               for label, r, _ in runs if r.get("language_skipped")]
    blocks += [("text", f"*{_run_prefix(label, runs)}{row_name(n, r)}: the embeddings do not differ "
                        "between clips, so every similarity ties: R² is undefined and the accuracies count "
                        "every tie as wrong: 0 is no answer, not a wrong one.*")
               for label, r, _ in runs for n, f in r.get("fit", {}).items() if f.get("collapsed")]
    return blocks + _fit_paired_blocks(runs) + _images(
        runs, "fit", "behavioural fit: R² on its own scale (error bars: 95% CI; dashed: the noise ceiling, grey "
                     "band: its 95% range over split-halves) beside the accuracies (dotted: chance)")


def _fit_paired_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """The paired comparisons of the fit (``bgs - pretrained`` and each control's), their Holm p's and which rows'
    resamples had no difference or an undefined statistic; nothing where no run compared two models."""

    def fit_paired_p(r: dict) -> list[Any]:
        return [v["p_value"] for _, _, v in _fit_tests(r)]

    def fit_paired_rows(r: dict) -> list[list[Any]]:
        tests = _fit_tests(r)
        holm_p = dict(zip([t[:2] for t in tests], _holm_cells([_paired_p(v, r) for _, _, v in tests])))
        rows = []
        for c, d in r.get("paired", {}).items():
            if "skipped" in d:  # as the motion table's: no difference or p against a model with no answer
                rows.append([_comparison(c, r), f"not tested ({d['skipped']})", *["–"] * 4])
                continue
            rows += [[_comparison(c, r), _STAT_NAMES.get(s, s), *_diff_cells(v, s, r), holm_p[c, s]]
                     for s, v in d.items()]
        return rows

    pt = _runs_table(runs, ["comparison", "statistic", "difference", "95% CI", "p", _holm_header(runs)],
                     fit_paired_rows)
    if not pt[2]:
        return []
    # the resamples asked for (a row's p counts its finite ones), else the rows' own count
    n_boot = _resample_count([r for _, r, _ in runs], "n_boot") or _resample_count(
        [v for _, r, _ in runs for _, _, v in _fit_tests(r)], "n_boot")
    count = f"{n_boot} {_resamples(n_boot)}; " if n_boot else ""
    n_tests = _tests(runs, lambda r: _n_defined(fit_paired_p(r)))
    text = ("Paired bootstrap over clips (both models scored on the same resamples): the "
            "difference first − second (an accuracy's in percentage points, pp); p two-sided, "
            "twice the smaller share of resamples at or "
            "beyond 0 on either side, capped at 1, each share the add-one (count + 1) / (resamples + 1) of "
            "Davison & Hinkley, which counts the observed difference among the resamples "
            f"({count}\"< x\": none was at or beyond 0, the "
            "smallest p the resamples can give). A resample with no difference counts on both "
            "sides and one whose statistic is undefined (it drew too few scored clips) is left "
            "out (under half defined: no CI and no p, n/a), so p = 1 says the resamples give "
            "no evidence either way, not that the two "
            "models are equal. Each p is its own test, uncorrected for the others: the table "
            f"holds {n_tests} (each comparison × statistic"
            f"{', per run' if len(runs) > 1 else ''}). Holm p: Holm's step-down adjustment over "
            "those p's, which bounds the chance of any false positive among them (a p at its "
            "resampling floor is only a bound, and so is a Holm p that rests on it: \"< x\").")
    return [("text", text), pt, *_resample_notes(runs)]


def _layer_fits(r: dict) -> list[tuple[str, dict]]:
    """Each model's layer-wise fit (a dict) in a run: none where the run skipped the layers (``{"skipped": reason}``):
    ``"layers" in reason`` was a substring test on the reason string (a reason naming layers was a TypeError)."""
    return [(n, lw) for n, lw in r.get("layers", {}).items() if isinstance(lw, dict)]


def _layers_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each model's chosen layer and its scores, then every layer's."""
    every_layer = _runs_table(runs, ["model", "layer", "selection R²", "scored-split R²", "chosen"],
                              lambda r: [[row_name(n, r), row["layer"], _f(row["select_r2"]), _f(row["test_r2"]),
                                          "✓" if row["layer"] == lw["chosen"] else ""]
                                         for n, lw in _layer_fits(r) if "layers" in lw for row in lw["layers"]])
    chosen = _runs_table(runs, ["model", "chosen layer", "chosen on", "scored-split R²", "R² 95% CI", "3-way acc",
                                "2-way acc"],
                         lambda r: [[row_name(n, r), lw["chosen"], lw["chosen_on"],
                                     *([f"not scored: {lw['chosen_fit']['skipped']}", *["–"] * 3]
                                       if "skipped" in lw["chosen_fit"] else
                                       [_f(lw["chosen_fit"]["r2"]), _f(lw["chosen_fit"]["r2_ci"]),
                                        _acc(lw["chosen_fit"]["ooo_acc_3way"]),
                                        _acc(lw["chosen_fit"]["ooo_acc_2way"])])]
                                    for n, lw in _layer_fits(r) if "chosen" in lw])
    return ([("text", "Each layer's pooled features; the layer is chosen by RSA on the selection clips "
                      "(validation; the training clips when a run kept none or validation is scored, which favours "
                      "a fine-tuned model's late layers) and then reported on the scored split."), chosen, every_layer]
            + _images(runs, "layers", "layer-wise R² (signed Spearman²) per model, one line per split: dashed, the "
                                        "clips that choose the layer; solid, the scored split; star: the chosen layer"))


def _partition_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """The video / language / shared parts of the judges' pair similarities, each model's row."""
    t = _runs_table(runs, ["model", "video only", "language only", "shared", "R²(video)", "R²(language)",
                           "R²(both)", "pairs"],
                    lambda r: [[row_name(n, r), *(f"{_f(p[k])} {_f(p[k + '_ci'])}" if k + "_ci" in p else _f(p[k])
                                      for k in ("video_unique", "language_unique", "shared")),
                                _f(p["r2_video"]), _f(p["r2_language"]), _f(p["r2_both"]), p["n_pairs"]]
                               if "shared" in p else [row_name(n, r), f"not run ({p.get('skipped')})", *["–"] * 6]
                               for n, p in r.get("partition", {}).items() if isinstance(p, dict)])
    return ([("text", f"OLS R² of the {_whose(runs)} pair similarities from the model's similarities (video), the "
                      "caption embeddings' (language) and both; unique = R²(both) − R² of the other; shared = the "
                      "rest. Brackets: 95% interval over clip resamples."), t]
            + _images(runs, "partition", "variance partitioning; error bars: 95% interval over clip resamples"))


def _probed(r: dict) -> dict[str, dict]:
    """A run's probes, model key -> attribute -> result; none where the run skipped them (its ``{"skipped": reason}``
    is no model) or was not asked for them. A model not probed (``{"skipped": why}``) keeps its column, of dashes."""
    pr = r.get("probes", {})
    return {} if "skipped" in pr else {n: ({} if "skipped" in p else p) for n, p in pr.items()}


def _probes_not_scored(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Why each model that was not probed has dashes for columns, worded as the fit's paired table says it."""
    return [("text", f"*{_run_prefix(label, runs)}{row_name(n, r)} not scored: {p['skipped']}.*")
            for label, r, _ in runs if "skipped" not in r.get("probes", {})
            for n, p in r.get("probes", {}).items() if "skipped" in p]


def _probe_models(runs: list[tuple[str, dict, Path]]) -> list[str]:
    """The probed model keys of every run, first met first: one column pair each, so a run without one of them shows
    "–" there and every run's rows match the one header."""
    return list(dict.fromkeys(n for _, r, _ in runs for n in _probed(r)))


def _probe_attributes(r: dict) -> list[str]:
    """The attributes a run probed (any model's), first met first: its rows, and the family each model's p's belong
    to."""
    pr = _probed(r)
    return list(dict.fromkeys(a for n in pr for a in pr[n]))


def _probe_change_tests(r: dict, names: list[str]) -> dict[str, Any]:
    """A run's paired bootstrap of the change in r from the first column's model to the second's, per attribute: none
    with one model, or where the run has no such test (an older evaluation.json, or one of other models)."""
    return r.get("probes_paired", {}).get(f"{names[1]} - {names[0]}", {}) if len(names) >= 2 else {}


def _probe_row(a: str, r: dict, names: list[str]) -> list[Any]:
    """Attribute ``a``'s row of one run: each model's probe r and p (at a permutation floor, a bound), then with two
    models or more the change in r between the first two and its bootstrap CI and p (Holm p is added per run)."""
    pr = _probed(r)
    row: list[Any] = [a]
    for n in names:
        v = pr.get(n, {}).get(a)
        row += [_f(v["r"]), _p(v["p_value"], v.get("n_perm", r.get("n_perm")))] if v else ["–", "–"]
    if len(names) >= 2:
        r0, r1 = ((pr.get(n, {}).get(a) or {}).get("r") for n in names[:2])
        row.append(_f(r1 - r0) if r0 is not None and r1 is not None else "–")
        d = _probe_change_tests(r, names).get(a)
        row += [_f(d["ci"]), _p(d["p_value"], d.get("n_boot"), sides=2)] if d else ["–", "–"]
    return row


def _probe_rows(r: dict, names: list[str]) -> list[list[Any]]:
    """One run's rows, one per attribute; with two models or more each ends in its change's Holm p, adjusted over
    this run's change p's alone (one family: its several attributes; an attribute without a test: "–")."""
    attrs = _probe_attributes(r)
    rows = [_probe_row(a, r, names) for a in attrs]
    if len(names) >= 2:
        tests = _probe_change_tests(r, names)
        holm_p = dict(zip(tests, _holm_cells([(d["p_value"], d.get("n_boot")) for d in tests.values()])))
        for row, a in zip(rows, attrs):
            row.append(holm_p.get(a, "–"))
    return rows


def _probe_headers(runs: list[tuple[str, dict, Path]], names: list[str]) -> list[str]:
    """The probe table's header. A column holds one key's model of every run: its name where the runs agree, else
    the key (the models line says whose is whose; the first run's name stood over another run's model)."""
    column = [list(dict.fromkeys(row_name(n, r) for _, r, _ in runs if n in _probed(r))) for n in names]
    shown = [ns[0] if len(ns) == 1 else n for n, ns in zip(names, column)]
    headers = ["attribute"] + [h for n in shown for h in (f"r: {n}", f"p: {n}")]
    if len(names) >= 2:
        headers += [f"change in r: {shown[1]} − {shown[0]}", "change 95% CI", "change p", "change Holm p"]
    return headers


def _probe_text(runs: list[tuple[str, dict, Path]], paired: bool) -> str:
    """How the probes and (``paired``: two models or more) the change in r were tested, with the permutation count
    where the runs agree on one and the attributes per model (the family of each model's uncorrected p's)."""
    n_perm = _resample_count([{"n_perm": v.get("n_perm", r.get("n_perm"))} for _, r, _ in runs
                              for p in _probed(r).values() for v in p.values()], "n_perm")
    count = f"{n_perm} {agree(n_perm, 'permutation', 'permutations')}; " if n_perm else ""
    # a run that skipped the probes or was not asked for them has no count (one not asked read "2 / 0 per model")
    n_attributes = _per_run(runs, lambda r: len(_probe_attributes(r)) if _probed(r) else None,
                            lambda n: f"{n} per model")
    return ("Ridge regression (alpha by leave-one-out CV) from frozen embeddings of the training and validation clips "
            "outside the scored split (with `--split train`, the validation clips) to each rating; Pearson r on the "
            "scored split's clips; one-sided permutation p "
            f"({count}\"< x\": no permutation reached the observed r, the smallest p they can give). Change in r: its "
            "95% CI and two-sided p from a paired bootstrap over the scored clips (both models' probes scored on the "
            "same resamples, as the fit's paired comparison); the probes are fit once, so the interval and p "
            "resample only the scored clips and leave out the uncertainty of fitting the probe (which training "
            "clips, which alpha). Each attribute's p is its own test, uncorrected for the several "
            f"attributes ({n_attributes}"
            + ("; change Holm p: Holm's step-down adjustment over the changes' p's of the attributes, which bounds "
               "the chance of any false positive among them; one that rests on a change p at its floor is only a "
               "bound too: \"< x\")." if paired else ")."))


def _probes_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """One row per rated attribute: each model's probe r and p, and the paired change in r between the first two."""
    names = _probe_models(runs)
    table = _runs_table(runs, _probe_headers(runs, names), lambda r: _probe_rows(r, names))
    return [("text", _probe_text(runs, len(names) >= 2)), table, *_probes_not_scored(runs)] + _images(
        runs, "probes", "ridge-probe Pearson r of each rated attribute on the scored clips, one bar per model")


def _transfer_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each model's transfer probe on the abstract set's held-out styles, and their paired difference."""
    t = _runs_table(runs, ["model", "accuracy", "95% Wilson CI", "chance (majority label)", "train acc", "n train",
                           "n test"],
                    lambda r: [[row_name(n, r), _acc(v["accuracy"]), _acc(v["ci"]), _acc(v["chance"]),
                                _acc(v["train_accuracy"]), v["n_train"], v["n_test"]] if "accuracy" in v
                               else [row_name(n, r), f"not run ({v.get('skipped')})", *["–"] * 5]
                               for n, v in r.get("transfer", {}).get("models", {}).items()])

    def transfer_tests(r: dict) -> list[tuple[str, dict]]:
        # the fit's paired table says which rows' resamples tied (p = 1 with few clips); this one said nothing
        return [(f"{_comparison(c, r)}, accuracy", v) for c, v in r.get("transfer", {}).get("paired", {}).items()]

    pt = _runs_table(runs, ["comparison", "accuracy difference", "95% CI", "p"],
                     lambda r: [[_comparison(c, r), _f(v["diff"], unit="pp"), _f(v["ci"], unit="pp"),
                                 _p(v["p_value"], v.get("n_boot"), sides=2)]
                                for c, v in r.get("transfer", {}).get("paired", {}).items()])
    paired = [("text", "Paired bootstrap over the held-out clips (both probes judged on the same resamples): "
                       "the difference first − second in percentage points, p two-sided as in the fit's "
                       "paired comparison."), pt, *_resample_notes(runs, transfer_tests)] if pt[2] else []
    return [("text", "Frozen encoder + logistic-regression probe on SocialShapes-Abstract (friendly / neutral / "
                     "adversarial): trained on its train part, tested on its generalisation part (held-out styles). "
                     "Each probe is fit once: the Wilson interval and the paired bootstrap count only the held-out "
                     "clips' variation and leave out the uncertainty of fitting the probe."), t, *paired]


def _divergence_cells(div: dict) -> list[str]:
    """The divergence and mean r of two models' maps, or why they were not compared (maps on two token grids)."""
    if "skipped" in div:
        return [f"not compared: {div['skipped']}", "–"]
    return [_f(div["divergence"]), _f(div["mean_r"])]


def _attention_caption(res: dict) -> str:
    """The overlays' alt text, naming the map the run's models got: "attention rollout overlays" was said of a
    convolutional backbone's maps too, whose figure says "(no attention)"."""
    models = res.get("attention", {}).get("models", {})
    methods = list(dict.fromkeys(v.get("method", "attention rollout") for v in models.values() if "skipped" not in v))
    shown = "; ".join(methods) or "attention rollout"
    return (f"overlays of each model's map ({shown}) on one scored clip's frames: the frames, then one row per "
            "model, on one colour scale (share of relevance per token)")


def _attention_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each model's attention (or contribution) map's mass on the agents, and how the two models' maps differ."""
    t = _runs_table(runs, ["model", "map", "agent mass", "agent area (uniform)", "clips", "token grid (t×h×w)"],
                    lambda r: [[row_name(n, r), v.get("method", "attention rollout"), _f(v.get("agent_mass")),
                                _f(v.get("agent_area")), v.get("n_masked_clips", "–"),
                                "×".join(map(str, v.get("grid", []))) or f"not run ({v.get('skipped')})"]
                               for n, v in r.get("attention", {}).get("models", {}).items()])
    d = _runs_table(runs, ["between", "divergence (1 − mean r)", "mean r", "agent mass change", "Wilcoxon p"],
                    lambda r: [[" vs ".join(row_name(n, r) for n in r["attention"]["divergence"]["between"]),
                                *_divergence_cells(r["attention"]["divergence"]),
                                _f(r["attention"].get("agent_mass_change", {}).get("mean_diff")),
                                _p(r["attention"].get("agent_mass_change", {}).get("wilcoxon_p"))]]
                    if "divergence" in r.get("attention", {}) else [])
    return [("text", "Attention rollout (Abnar & Zuidema 2020: heads averaged, identity added, rows renormalised, "
                     "layers multiplied) of the pooled output; the map column says which rollout each model gets "
                     "(convolutional backbones have no attention: each location's contribution to the mean-pooled "
                     "feature). Agent mass: share of the map on the interacting agents' pixels; agent area: the share "
                     "those pixels cover (what uniform attention would give). Agent mass change: the second model's "
                     "minus the first's, mean over the clips with agent masks; Wilcoxon p: two-sided signed-rank test "
                     "of those per-clip changes."), t, d] + _images(runs, "attention", _attention_caption)


def _motion_blocks(runs: list[tuple[str, dict, Path]]) -> list[Block]:
    """Each model's fit with frames shuffled, repeated or reversed beside the original's, and original − control
    paired, with their Holm p's."""

    def motion_rows(r: dict) -> list[list[Any]]:
        if "skipped" in r.get("motion", {}):  # says why below the table (it failed on the reason's .items())
            return []
        return [[row_name(n, r), cond, _f(v.get("r2")), _f(v.get("r2_ci")), _acc(v.get("ooo_acc_3way")),
                 _acc(v.get("ooo_acc_2way"))]
                if "skipped" not in v else [row_name(n, r), cond, f"not scored: {v['skipped']}", "–", "–", "–"]
                for n, m in r.get("motion", {}).items() for cond, v in m.items()]

    def motion_tests(r: dict) -> list[tuple[str, str, str, dict]]:
        return [(n, cond, s, v) for n, m in (r.get("motion_paired") or {}).items() for cond, d in m.items()
                if "skipped" not in d for s, v in d.items()]

    def motion_paired_rows(r: dict) -> list[list[Any]]:
        tests = motion_tests(r)
        holm_p = dict(zip([t[:3] for t in tests], _holm_cells([_paired_p(v, r) for *_, v in tests])))
        rows = []
        for n, m in (r.get("motion_paired") or {}).items():
            for cond, d in m.items():
                if "skipped" in d:
                    rows.append([row_name(n, r), f"original − {cond}", f"not tested ({d['skipped']})", *["–"] * 4])
                    continue
                rows += [[row_name(n, r), f"original − {cond}", _STAT_NAMES.get(s, s), *_diff_cells(v, s, r),
                          holm_p[n, cond, s]] for s, v in d.items()]
        return rows

    mt = _runs_table(runs, ["model", "comparison", "statistic", "difference", "95% CI", "p",
                            _holm_header(runs)], motion_paired_rows)
    paired_motion = [("text", "Original − control on the same clip resamples (the fit's paired bootstrap, an "
                              "accuracy's difference in percentage points, p two-sided, \"< x\" at its resampling "
                              "floor, as in the fit's paired table). Each p is its own test, "
                              "uncorrected for the others: the table holds "
                              f"{_tests(runs, lambda r: _n_defined([t[3]['p_value'] for t in motion_tests(r)]))} "
                              f"(each model × control × statistic{', per run' if len(runs) > 1 else ''}); "
                              "Holm p: Holm's step-down adjustment over them (a p at its resampling floor is "
                              "only a bound, and so is a Holm p that rests on it: \"< x\")."), mt,
                     *_resample_notes(runs, lambda r: [(f"{row_name(n, r)}, original − {cond}, "
                                                        f"{_STAT_NAMES.get(s, s)}", v)
                                                       for n, cond, s, v in motion_tests(r)])] if mt[2] else []
    table = _runs_table(runs, ["model", "frames", "R²", "R² 95% CI", "3-way acc", "2-way acc"], motion_rows)
    return ([("text", "The same scored clips with frames shuffled, one frame repeated, or reversed, applied after "
                      "decoding."), table, *paired_motion]
            + _images(runs, "motion", "motion controls: each model's R² (signed Spearman²) on the original frames "
                                        "and each control (error bars: 95% CI)"))


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A pipe table, each cell through :func:`bgs_hf._format.md_cell` (a ``|`` or line break in a name ended the
    cell or the row) and shown as written (:func:`~bgs_hf._format.md_literal`: the HTML table's cells hold no markup,
    and a clip named ``*a*`` in a reason was italic here)."""
    lines = ["| " + " | ".join(md_cell(md_literal(h)) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(md_literal(c)) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _html_table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _md_target(path: str) -> str:
    """A markdown link target: one with a space, a bracket or ``<>`` in ``<...>`` (``../my run (1)/fit.png`` was
    shown as text, not as the figure)."""
    if not any(c.isspace() or c in "()<>" for c in path):
        return path
    return "<" + path.replace("<", "\\<").replace(">", "\\>") + ">"


def _md_caption(text: str) -> str:
    """An image's caption with its square brackets escaped (a run label's unmatched ``]`` ended it)."""
    return text.replace("[", "\\[").replace("]", "\\]")


#: the HTML report's one stylesheet (the markdown has none)
_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;}table{border-collapse:collapse;"
          "margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
          "img{max-width:100%}figcaption{font-size:12px;color:#555}")


def _html_text(text: str) -> str:
    """A text line's HTML: escaped (a run named ``a<b&c``), its markdown code spans as <code> (the page showed their
    backticks); an unmatched backtick (a name's own) stays as it is."""
    pieces = code_spans(text)  # plain, code, plain, ...  (code spans: <code>, not their backticks)
    return "".join(f"<code>{html.escape(x)}</code>" if i % 2 else html.escape(x) for i, x in enumerate(pieces))


def _render_block(block: Block, out_dir: Path) -> tuple[list[str], str] | None:
    """(markdown lines, HTML) of one block; None for what would show nothing (a table without rows, a figure whose
    file is not there)."""
    kind = block[0]
    if kind == "text":
        text = block[1]
        # the note's own bold or italics wrap the rest, whose names (a clip's, in a data warning) show as written
        if len(text) > 4 and text[:2] == text[-2:] == "**":  # markdown bold (a data warning): its stars were shown
            return [f"**{md_text(text[2:-2])}**", ""], f"<p><strong>{_html_text(text[2:-2])}</strong></p>"
        italic = len(text) > 1 and text[0] == text[-1] == "*"  # its markdown italics, not a name's "*"
        inner = text[1:-1] if italic else text
        return [f"*{md_text(inner)}*" if italic else md_text(inner), ""], f"<p>{_html_text(inner)}</p>"
    if kind == "table":
        headers, rows = block[1], block[2]
        if not rows:
            return None
        return [_md_table(headers, rows), ""], _html_table(headers, rows)
    if kind == "image":
        path, caption = Path(block[1]), block[2]
        if not path.is_file():
            return None
        data = base64.b64encode(path.read_bytes()).decode()
        return ([f"![{_md_caption(caption)}]({_md_target(os.path.relpath(path, out_dir))})", ""],
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return None


def render(sections: list[tuple[str, list[Block]]], out_dir: Path, title: str) -> tuple[str, str]:
    """(markdown, html): images are relative links in markdown and base64 data URIs in HTML."""
    md = [f"# {title}", ""]
    ht = [f"<h1>{html.escape(title)}</h1>"]
    for name, blocks in sections:
        md += [f"## {name}", ""]
        ht.append(f"<h2>{html.escape(name)}</h2>")
        for rendered in (_render_block(b, out_dir) for b in blocks):
            if rendered is not None:
                md += rendered[0]
                ht.append(rendered[1])
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(ht)}</body></html>\n")
    return "\n".join(md) + "\n", page


def _names_its_files(res: dict) -> bool:
    """Whether a result's ``figures`` map each figure to a file name or a list of them, and ``result_dir`` (if any)
    is a path: what :func:`load_run` and :func:`write_report` read before any table."""
    figures = res.get("figures", {})
    return isinstance(figures, dict) and all(
        v is None or isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        for v in figures.values()) and isinstance(res.get("result_dir") or "", str)


def _result_file(path: str | Path) -> tuple[Path, Path]:
    """(run folder or JSON file, result file) that ``path`` names: a run folder's ``evaluation.json``, a quickstart
    ``--out`` folder's ``analyses/evaluation.json``, or the JSON file itself (which may not exist)."""
    from bgs_hf.eval.suite import RESULT_NAME

    p = Path(path)
    f = p / RESULT_NAME if p.is_dir() else p
    if p.is_dir() and not f.is_file() and (p / "analyses" / RESULT_NAME).is_file():  # a quickstart --out folder
        p, f = p / "analyses", p / "analyses" / RESULT_NAME
    return p, f


def distinct_runs(paths: Sequence[str]) -> list[str]:
    """``paths`` without a repeat of a run given before (``runs/x`` and ``runs/x/``, or its ``evaluation.json``: one
    result file once resolved), each dropped with a warning: the report showed its every row twice."""
    first: dict[Path, str] = {}
    for path in paths:
        key = _result_file(path)[1].resolve()
        if key in first:
            logger.warning("%s: the same run as %s (%s), reported once", path, first[key], key)
        else:
            first[key] = path
    return list(first.values())


def _where_its_evaluation_is(folder: Path, given: str | Path) -> str:
    """What to do about a folder without an evaluation: a training run folder keeps its evaluation in a subfolder
    (README: `bgs-hf evaluate --model runs/ss --report runs/ss/eval`), and ``report runs/ss`` told a user who had
    run it to run the evaluation again (minutes) rather than name the folder it wrote."""
    from bgs_hf.eval.suite import RESULT_NAME

    try:
        inside = sorted(sub.name for sub in folder.iterdir() if (sub / RESULT_NAME).is_file()) if folder.is_dir() else []
    except OSError:  # an unreadable folder: the plain advice
        inside = []
    if not inside:
        return "run `bgs-hf evaluate ... --report DIR` first"
    shown = ", ".join(str(Path(given) / name) for name in inside[:3]) + (", ..." if len(inside) > 3 else "")
    if len(inside) == 1:
        return f"its evaluation is in {shown}: pass that folder"
    return f"evaluations are in {shown}: pass the ones to report"


def load_run(path: str | Path) -> tuple[str, dict, Path]:
    """(label, result, folder) of a run folder (``evaluation.json``) or a JSON file from ``--json``."""
    from bgs_hf.eval.suite import RESULT_NAME

    p, f = _result_file(path)
    if not f.is_file():
        # named as given: runs are often all called `eval` (runs/a/eval runs/b/eval), so the name alone says not which
        raise BGSInputError(f"{path}: no {RESULT_NAME} ({_where_its_evaluation_is(p, path)})")
    try:
        res = json.loads(f.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:  # a damaged file: the codec's message named no file
        raise BGSInputError(f"not UTF-8 text (byte {err.start})", path=f) from None
    except json.JSONDecodeError as err:
        raise BGSInputError(f"invalid JSON: {err}", path=f) from err
    if not isinstance(res, dict) or "models" not in res or "split" not in res:
        raise BGSInputError("not a `bgs-hf evaluate` result (needs 'models' and 'split'; a quickstart "
                            "report.json is not one)", path=f)
    if not _names_its_files(res):  # read below: an edited file's list or number failed in .values() or Path()
        raise BGSInputError("not a `bgs-hf evaluate` result ('figures' maps each figure to its file names and "
                            "'result_dir' is a folder path)", path=f)
    # figure paths are relative to the folder the suite wrote them in: the given folder when it holds them (a
    # copied or moved evaluation), else the recorded one (a --json copy saved elsewhere)
    figures = [x for v in res.get("figures", {}).values() for x in _figure_files(v) if x]
    recorded = Path(res.get("result_dir") or f.parent)
    holds_its_figures = bool(figures) and all((f.parent / x).is_file() for x in figures)
    base = f.parent if holds_its_figures or not recorded.is_dir() else recorded
    return (p.name if p.is_dir() else p.stem), res, base


#: The last line of every report :func:`write_report` writes (a comment in markdown and HTML alike): a later report
#: replaces only a file carrying it, never the user's own ``report.md`` (or the quickstart's) of that name.
WRITTEN_MARK = "<!-- written by bgs-hf (bgs_hf.eval.report) -->"


def _report_paths(out_dir: str | Path, stem: str) -> tuple[Path, Path]:
    """The ``<stem>.md`` and ``<stem>.html`` a report writes (and :func:`check_report_targets` checks first)."""
    return Path(out_dir) / f"{stem}.md", Path(out_dir) / f"{stem}.html"


def check_report_targets(out_dir: str | Path, stem: str = "evaluation", *, where: str = "output folder") -> None:
    """Refuse, before any work, a ``<stem>.md``/``.html`` in ``out_dir`` that no report of ours wrote (it was
    overwritten without a word); ``where`` names the folder as the user gave it (``--out``)."""
    for path in _report_paths(out_dir, stem):
        if path.exists() and not (path.is_file() and WRITTEN_MARK in path.read_text(encoding="utf-8",
                                                                                      errors="replace")):
            raise BGSInputError(f"exists and was not written by bgs-hf: a report would replace it; move it or choose "
                                f"another {where} (nothing was written)", path=path)


def _reportable(label: str, res: dict, folder: Path) -> tuple[str, dict, Path]:
    """The run with its figure paths resolved against ``folder``. A result the report cannot read (a statistic
    missing or of another type: an edited ``evaluation.json``, another version's) is one line naming the run, not a
    KeyError or TypeError from deep inside a table."""
    try:
        res = dict(res)
        res["figures"] = {key: [str(Path(x) if Path(x).is_absolute() else folder / x) for x in _figure_files(entry)]
                          for key, entry in res.get("figures", {}).items()}
        build_sections([(label, res, folder)])
    except BGSInputError:
        raise
    except (LookupError, TypeError, AttributeError, ValueError) as err:
        problem = f"no {err.args[0]!r}" if isinstance(err, KeyError) and err.args else str(err).splitlines()[0]
        raise BGSInputError(f"{label}: its result cannot be reported ({problem}): was its evaluation.json edited, "
                            "or written by another version of bgs-hf?") from None
    return label, res, folder


def write_report(runs: Sequence[tuple[str, dict, Path]], out_dir: str | Path, *,
                 title: str = "bgs-hf evaluation report", stem: str = "evaluation") -> tuple[Path, Path]:
    """Write ``<stem>.md`` and ``<stem>.html`` into ``out_dir``; figure paths resolve against each run. A file of
    those names that no report of ours wrote is refused (:func:`check_report_targets`), never replaced."""
    check_report_targets(out_dir, stem)
    fixed = [_reportable(label, res, Path(folder)) for label, res, folder in runs]  # before anything is written
    named = _one_name_per_model(fixed)
    sections = build_sections(named)
    title_of_data, data_blocks = sections[0]
    sections[0] = (title_of_data, data_blocks + _figure_names_note(fixed, named))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, page = render(sections, out, title)
    md_path, html_path = _report_paths(out, stem)
    write_text_atomic(md_path, md + WRITTEN_MARK + "\n")  # cut short, it would lack the mark: a rerun refused it
    write_text_atomic(html_path, page + WRITTEN_MARK + "\n")
    return md_path, html_path
