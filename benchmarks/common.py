"""Helpers shared by the benchmark scripts: the machine a figure came from, markdown tables, JSON output,
and random-init VideoMAE backbones of standard ViT sizes (so GPU figures need no Hub download).

Benchmarks are run as scripts (``python benchmarks/bench_x.py``), so this module is imported as ``common``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: ViT sizes (hidden, layers, heads, MLP) of the VideoMAE configs used for FLOP and GPU figures
VIT_SIZES: dict[str, tuple[int, int, int, int]] = {
    "vit-s": (384, 12, 6, 1536),
    "vit-b": (768, 12, 12, 3072),
    "vit-l": (1024, 24, 16, 4096),
}


def machine(device: str | None = None) -> dict[str, Any]:
    """Where a benchmark ran: OS, CPU count, load, thread settings, library versions and the GPU if any.
    ``device`` is the device type the figures came from where the script knows it (``bench_flops --device cpu``;
    bench_io's decoding and bench_stats' numpy, CPU work on any machine): on a GPU machine the GPU's name would
    otherwise stand beside figures the CPU produced. By default the device the Trainer trains on: the GPU when there is
    one, unless the launch asks for the CPU (``ACCELERATE_USE_CPU``, ``bgs_hf.training.args.launch_asks_for_cpu``)."""
    import numpy as np

    if device is None:  # bench_training's: with ACCELERATE_USE_CPU=true its recipes trained on the CPU beside the GPU's name
        from bgs_hf.training.args import launch_asks_for_cpu

        device = "cpu" if launch_asks_for_cpu() else None

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        **git_commit(),
    }
    try:
        import torch

        info.update({"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                     "cuda": torch.version.cuda, "device": "cpu"})
        if torch.cuda.is_available() and device in (None, "cuda"):
            props = torch.cuda.get_device_properties(0)
            info.update({"device": torch.cuda.get_device_name(0), "gpu_memory_gib": props.total_memory / 2**30,
                         "gpu_sm_count": props.multi_processor_count})
    except ImportError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    # av: bench_io's decoding (its FFmpeg is bundled in the wheel); scipy: bench_stats' plain computation
    for name in ("transformers", "peft", "accelerate", "av", "scipy"):
        try:
            info[name] = version(name)
        except PackageNotFoundError:
            continue
    return info


def require_at_least_one(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Refuse a count below 1 with one usage line before any work: a 0 only failed after the expensive part (a
    median of no epochs, a ratio of empty ones, no loader step after both training runs), with a traceback."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def git_commit() -> dict[str, Any]:
    """The checkout's commit and whether it had uncommitted changes, so that a figure can be traced to the code
    that produced it (None outside a git checkout or without git)."""
    def git(*cmd: str) -> str | None:
        try:
            out = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"git_commit": commit.strip() if commit else None,
            "git_dirty": None if status is None else bool(status.strip())}


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; floats get 4 significant digits, None prints as ``-``."""

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return "nan" if not math.isfinite(v) else f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def json_safe(x: Any) -> Any:
    """Strict JSON values as the library writes its records (:func:`bgs_hf._files.json_safe`: non-finite floats to
    None, numpy scalars to Python), after what only benchmark records hold: arrays, paths and non-string keys."""
    from bgs_hf._files import json_safe as strict

    return strict(_plain_containers(x))


def _plain_containers(x: Any) -> Any:
    """Arrays as lists, paths as strings, every key a string; the rest as it is."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _plain_containers(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain_containers(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain_containers(x.tolist())  # an object array may hold paths
    if isinstance(x, Path):
        return str(x)
    return x


def write_json(path: str | Path, obj: dict[str, Any]) -> Path:
    """Write ``obj`` as indented JSON (creating the folder), as the CLI writes its ``--json``
    (``bgs_hf._files.write_text_atomic``): ``/dev/stdout`` through the descriptor (reopened by name, a ``>>``
    redirect's file was truncated), a file whole or not at all."""
    from bgs_hf._files import is_written_in_place, write_text_atomic

    path = Path(path)
    if not is_written_in_place(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(json_safe(obj), indent=2) + "\n")
    return path


def videomae_spec(size: str, *, num_frames: int = 16, image_size: int = 224, attn: str | None = None) -> Any:
    """A random-init VideoMAE ``BackboneSpec`` of a standard ViT size (``vit-s``/``vit-b``/``vit-l``),
    built like ``tiny-random-videomae`` (seed 0, no download) but at full input size."""
    from dataclasses import replace

    from transformers import VideoMAEConfig

    from bgs_hf.models.registry import FAMILIES, get_backbone_spec

    if size not in VIT_SIZES:
        raise ValueError(f"unknown ViT size {size!r}; choose from {sorted(VIT_SIZES)}")
    hidden, layers, heads, mlp = VIT_SIZES[size]
    cfg = VideoMAEConfig(image_size=image_size, patch_size=16, num_frames=num_frames, tubelet_size=2,
                         hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                         intermediate_size=mlp, use_mean_pooling=True)
    if attn is not None:
        cfg._attn_implementation = attn
    fam = FAMILIES["videomae"]
    return replace(get_backbone_spec("tiny-random-videomae"), name=f"random-videomae-{size}", config=cfg,
                   num_frames=num_frames, image_size=image_size, tubelet_size=2,
                   processor_config=dict(fam.default_processor))
