"""bgs-hf: Behavioral Geometric Supervision for video foundation models, Hugging Face native."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_model"]


def load_model(name_or_path: str, **kwargs):  # noqa: ANN201 - lazy import keeps `import bgs_hf` light
    """Load a trained BGS embedder (adapter + head) from a run folder or a Hub repo id."""
    from bgs_hf.models.loading import load_model as _load

    return _load(name_or_path, **kwargs)
