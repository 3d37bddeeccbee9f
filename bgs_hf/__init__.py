"""bgs-hf: Behavioral Geometric Supervision for video foundation models, Hugging Face native."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_model"]

#: subpackages reachable as ``bgs_hf.<name>`` after a bare ``import bgs_hf``, imported on first use (the model
#: card's and the README's ``bgs_hf.models.load_base(repo)`` raised AttributeError in a fresh process)
_SUBPACKAGES = frozenset({"baselines", "data", "eval", "hub", "losses", "metrics", "models", "pretrain", "synth",
                          "training", "video", "viz"})


def __getattr__(name: str):  # noqa: ANN202 - a module, imported lazily so that `import bgs_hf` stays light
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_model(name_or_path: str, **kwargs):  # noqa: ANN201 - lazy import keeps `import bgs_hf` light
    """Load a trained BGS embedder (adapter + head) from a run folder or a Hub repo id."""
    from bgs_hf.models.loading import load_model as _load

    return _load(name_or_path, **kwargs)
