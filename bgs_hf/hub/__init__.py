"""Publishing to the Hugging Face Hub: model cards, `bgs-hf push`, and the Gradio Space.

Imports are lazy so that ``import bgs_hf.hub`` stays light (no gradio, no torch).
"""

from __future__ import annotations

from bgs_hf._lazy import lazy_dir, lazy_exports

__all__ = ["BGSModelCardData", "PushResult", "RunInfo", "card_data_from_run", "push_run", "render_model_card"]

_EXPORTS = {
    "BGSModelCardData": "card",
    "card_data_from_run": "card",
    "render_model_card": "card",
    "PushResult": "push",
    "push_run": "push",
    "RunInfo": "run_info",
}

__getattr__ = lazy_exports("bgs_hf.hub", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
