"""Self-supervised pretraining of the bundled backbones: `bgs-tiny-conv3d-fg` (the default; `contrastive.py`),
`bgs-tiny-conv3d` (`conv3d.py`) and `bgs-tiny-videomae` (`train.py`) (issue 5)."""

from __future__ import annotations

from bgs_hf.pretrain.config import (
    CORPUS_SEED_OFFSET,
    PROBE_SEED_OFFSET,
    PretrainConfig,
    TinyVideoMAEArch,
)
from bgs_hf.pretrain.train import PretrainResult, pretrain

__all__ = [
    "CORPUS_SEED_OFFSET",
    "PROBE_SEED_OFFSET",
    "PretrainConfig",
    "PretrainResult",
    "TinyVideoMAEArch",
    "pretrain",
]
