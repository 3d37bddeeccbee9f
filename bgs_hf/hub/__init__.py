"""Publishing to the Hugging Face Hub: model cards, `bgs-hf push`, and the Gradio Space.

Imports are lazy so that ``import bgs_hf.hub`` stays light (no gradio, no torch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["BGSModelCardData", "PushResult", "RunInfo", "card_data_from_run", "push_run", "render_model_card"]

_LAZY = {
    "BGSModelCardData": "bgs_hf.hub.card",
    "card_data_from_run": "bgs_hf.hub.card",
    "render_model_card": "bgs_hf.hub.card",
    "PushResult": "bgs_hf.hub.push",
    "push_run": "bgs_hf.hub.push",
    "RunInfo": "bgs_hf.hub.run_info",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bgs_hf.hub' has no attribute {name!r}")
