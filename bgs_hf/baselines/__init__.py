"""Baselines every model is compared with: caption embeddings (language) and raw pixels.

Each gives a clips×clips similarity matrix scored by ``bgs_hf.metrics.behavioural_fit``.
"""

from __future__ import annotations

from bgs_hf.baselines.language import (
    PAPER_LANGUAGE_MODEL,
    LanguageBaselineConfig,
    bundled_minilm_path,
    caption_embeddings,
    language_baseline,
    language_similarity,
    load_sentence_model,
)
from bgs_hf.baselines.pixels import PixelBaselineConfig, pixel_baseline, pixel_embeddings, pixel_similarity

__all__ = [
    "PAPER_LANGUAGE_MODEL",
    "LanguageBaselineConfig",
    "PixelBaselineConfig",
    "bundled_minilm_path",
    "caption_embeddings",
    "language_baseline",
    "language_similarity",
    "load_sentence_model",
    "pixel_baseline",
    "pixel_embeddings",
    "pixel_similarity",
]
