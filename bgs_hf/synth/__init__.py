"""SocialShapes: the bundled synthetic social-video benchmark with simulated observers.

Rendering API (stable): :class:`SynthConfig`, :func:`sample_scene`, :func:`render_scene`,
:func:`write_video`. Benchmark generation: :func:`generate_socialshapes`, :func:`generate_abstract_set`.
"""

from __future__ import annotations

from bgs_hf._lazy import lazy_dir, lazy_exports
from bgs_hf.synth.render import RenderedClip, render_background, render_scene, shape_mask, write_video
from bgs_hf.synth.scene import INTERACTIONS, SHAPES, Scene, SynthConfig, sample_scene, trajectories

__all__ = [
    "INTERACTIONS",
    "SHAPES",
    "RenderedClip",
    "Scene",
    "SynthConfig",
    "render_background",
    "render_scene",
    "sample_scene",
    "shape_mask",
    "trajectories",
    "write_video",
    "generate_abstract_set",
    "generate_socialshapes",
]

# lazy: generation pulls in pandas etc.
_EXPORTS = {"generate_socialshapes": "generate", "generate_abstract_set": "generate"}
__getattr__ = lazy_exports("bgs_hf.synth", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
