"""BGS training: clip-batched sampling, recipes, the collator, ``BGSTrainer`` and ``train_bgs``.

Public API::

    from bgs_hf.training import train_bgs, TrainConfig, TrainResult, DataArguments, ModelArguments, BGSArguments
    result = train_bgs(TrainConfig(data=DataArguments(data="path/to/socialshapes"),
                                   model=ModelArguments(backbone="tiny-random-videomae"),
                                   training={"output_dir": "runs/x", "max_steps": 20}))
    result.metrics["test"]["r2"]

Recipes (``RECIPES``/``get_recipe``): ``clip-batched`` (default), ``paper-v1`` (the paper's baseline),
``triplet-only``, ``rsa-only``, ``cached`` (all clips in one step, chunked re-forward).
Samplers (``ClipSetSampler``, ``PaperV1Sampler``) are pure functions of ``(seed, epoch, step)``.
``SharedWarningsOnce``: a logging filter for the other processes of a launch (see :mod:`bgs_hf._launch`).
``BGSTrainer`` and ``train_bgs`` load on first use (``transformers.Trainer`` is not imported before; torch,
transformers' models and peft are: the samplers and arguments need the model registry).
"""

from __future__ import annotations

from bgs_hf._launch import SharedWarningsOnce
from bgs_hf._lazy import lazy_dir, lazy_exports
from bgs_hf.training.args import BGS_TRAINING_DEFAULTS, BGSArguments, DataArguments, ModelArguments
from bgs_hf.training.data import (
    BGSCollator,
    ClipIndexDataset,
    StepDataset,
    TensorClipStore,
    VideoClipStore,
    build_sampler,
)
from bgs_hf.training.recipes import DEFAULT_RECIPE, RECIPES, Recipe, get_recipe
from bgs_hf.training.sampler import ClipSetSampler, PaperV1Sampler, StepPlan, shard_rows

__all__ = [
    "BGS_TRAINING_DEFAULTS",
    "BGSArguments",
    "BGSCollator",
    "BGSTrainer",
    "ClipIndexDataset",
    "ClipSetSampler",
    "DEFAULT_RECIPE",
    "DataArguments",
    "ModelArguments",
    "PaperV1Sampler",
    "RECIPES",
    "Recipe",
    "SharedWarningsOnce",
    "StepDataset",
    "StepPlan",
    "TensorClipStore",
    "TrainConfig",
    "TrainResult",
    "VideoClipStore",
    "build_sampler",
    "get_recipe",
    "shard_rows",
    "train_bgs",
]

_EXPORTS = {"BGSTrainer": "trainer", "TrainConfig": "api", "TrainResult": "api", "train_bgs": "api"}
__getattr__ = lazy_exports("bgs_hf.training", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
