"""Evaluation suite: the paper's analyses as functions, CLI commands (``bgs-hf evaluate``/``report``) and
report sections. ``ODD_ONE_OUT_METRIC_PATH`` is the folder ``evaluate.load`` reads offline.

Public API (heavy imports happen on first use)::

    from bgs_hf.eval import run_suite, embed_clips, MotionControl, variance_partition, wilson_ci, rollout
    res = run_suite(data, "bgs-tiny-conv3d-fg", "runs/demo/bgs", out_dir="runs/demo/eval",
                    abstract_dir="/tmp/ss_abs")  # from `bgs-hf synth /tmp/ss_abs --abstract`

Modules: ``embed`` (embed_clips/embed_paths, MotionControl), ``fit`` (SplitHumans, fit_from_embeddings,
paired_comparison, layerwise_fit), ``partition`` (variance_partition, partition_pairs, plot_partition),
``probes`` (ridge_probe, attribute_probes, permutation_pearson, transfer_probe, wilson_ci),
``attention`` (rollout, rollout_maps, masks_to_tokens, mass_on_mask, map_divergence, attention_analysis),
``controls`` (odd_from_similarity, language_distilled_data, train_control), ``suite`` (run_suite),
``report`` (write_report, load_run). ``ANALYSES`` and ``check_analyses`` are defined here (``suite`` re-exports
them) so a command can check ``--analyses`` without importing the suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bgs_hf._format import did_you_mean
from bgs_hf._lazy import lazy_dir, lazy_exports
from bgs_hf.errors import BGSInputError

#: ``evaluate.load(ODD_ONE_OUT_METRIC_PATH)`` loads the odd-one-out metric from the installed package.
ODD_ONE_OUT_METRIC_PATH: str = str(Path(__file__).resolve().parent / "odd_one_out")

# ANALYSES and check_analyses live here, not in ``suite`` (which re-exports them), so ``bgs-hf evaluate`` refuses a
# mistyped --analyses at once: importing the suite imports pandas, scipy and torch first (~6 s on a small machine)
ANALYSES: tuple[str, ...] = ("fit", "layers", "partition", "probes", "transfer", "attention", "motion")


def check_analyses(analyses: Sequence[str]) -> None:
    """One line for a name that is not an analysis, or for none at all (``--analyses ''`` embedded every clip with
    every model, then replaced an earlier report with one that held no analysis); ``bgs-hf evaluate`` checks it
    before loading anything."""
    if not analyses:
        raise BGSInputError(f"no analyses to run (an empty list); choose at least one of {', '.join(ANALYSES)}")
    unknown = set(analyses) - set(ANALYSES)
    if unknown:
        hint = did_you_mean(sorted(unknown)[0], ANALYSES)  # the hint --caption and --split give a typo
        raise BGSInputError(f"unknown analyses {sorted(unknown)}{hint}; choose from {', '.join(ANALYSES)}")


_EXPORTS = {
    "embed_clips": "embed", "embed_paths": "embed", "MotionControl": "embed", "MOTION_CONTROLS": "embed",
    "SplitHumans": "fit", "fit_from_embeddings": "fit", "paired_comparison": "fit", "layerwise_fit": "fit",
    "variance_partition": "partition", "partition_pairs": "partition", "plot_partition": "partition",
    "ridge_probe": "probes", "attribute_probes": "probes", "permutation_pearson": "probes",
    "transfer_probe": "probes", "wilson_ci": "probes", "read_abstract_set": "probes",
    "rollout": "attention", "rollout_maps": "attention", "masks_to_tokens": "attention",
    "mass_on_mask": "attention", "map_divergence": "attention", "attention_analysis": "attention",
    "odd_from_similarity": "controls", "language_distilled_data": "controls", "train_control": "controls",
    "run_suite": "suite", "write_report": "report", "load_run": "report",
}

__all__ = ["ODD_ONE_OUT_METRIC_PATH", "ANALYSES", *_EXPORTS]


__getattr__ = lazy_exports("bgs_hf.eval", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
