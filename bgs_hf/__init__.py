"""bgs-hf: Behavioral Geometric Supervision for video foundation models, Hugging Face native."""

from __future__ import annotations

from bgs_hf._lazy import SUBPACKAGE, lazy_dir, lazy_exports

__version__ = "0.1.0"

__all__ = ["__version__", "load_model"]

#: ``bgs_hf.load_model`` and the subpackages as attributes of a bare ``import bgs_hf``, imported on first use so
#: that the import stays light (the model card's ``bgs_hf.models.load_base(repo)`` raised AttributeError in a
#: fresh process)
_EXPORTS = {
    "load_model": "models.loading",  # a trained BGS embedder (adapter + head) from a run folder or a Hub repo id
    **{name: SUBPACKAGE for name in ("baselines", "data", "eval", "hub", "losses", "metrics", "models", "pretrain",
                                     "synth", "training", "video", "viz")},
}
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
