"""Baselines every model is compared with: caption embeddings (language) and raw pixels.

Each gives a clips×clips similarity matrix scored by ``bgs_hf.metrics.behavioural_fit``.
"""

from __future__ import annotations

from bgs_hf._lazy import lazy_dir, lazy_exports
from bgs_hf.baselines.language import (
    PAPER_LANGUAGE_MODEL,
    LanguageBaselineConfig,
    bundled_minilm_path,
    caption_embeddings,
    language_baseline,
    language_similarity,
    load_sentence_model,
)

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

# lazy: the pixel baseline imports scipy (~1 s), which `baseline language` does not need to refuse a bad --model
_EXPORTS = {name: "pixels" for name in ("PixelBaselineConfig", "pixel_baseline", "pixel_embeddings", "pixel_similarity")}
__getattr__ = lazy_exports("bgs_hf.baselines", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
