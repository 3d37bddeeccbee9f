"""Clip-batched BGS against the paper's recipe, in one run on the same clips (issue 8, items 1 and 5).

Both recipes train through ``bgs_hf.training.train_bgs`` on the same SocialShapes data, backbone and seed.
A callback records training wall time (evaluation and checkpointing excluded), the cost counters the
trainer logs (clip forward passes, judgments, RSA pairs with gradient) and a validation-R² curve. From the
curves: the clip passes and wall time each recipe needs to first reach ``paper-v1``'s FINAL validation R²,
and their ratios (clip-batched ÷ paper-v1). Also: test R² with bootstrap CIs, peak memory per step
(CUDA: ``max_memory_allocated``; CPU: peak RSS growth during the step, sampled every 2 ms), the data
loader's share of a step with the warm decoded-clip cache (``bench_io.loader_share_of_step``; target < 10%), and the
``--max_memory`` setting that picks the chunked (GradCache-style) path, against the unchunked step.

Budget and why: the default run uses a 500-clip SocialShapes instance (seed 0; 320 training clips, ~49,700
training judgments, 80 validation clips). On the 250-clip demo benchmark's 40 validation clips paper-v1's
final validation R² stays indistinguishable from zero even after 6,000 steps at the paper's rate (its bootstrap
CI includes zero), and time-to-target ratios are only reported when that CI excludes zero: "reaching" a target
that is noise means nothing. ``paper-v1`` has ~12,400 steps of 4 judgments per epoch here (12 clip passes
each), so it runs ``--paper-steps`` steps of its first epoch at the paper's rate 1e-4 (constant: the paper's
plateau schedule acts per epoch), evaluating every ``--paper-eval`` steps. The clip-batched default runs
``--epochs`` epochs with its default per-epoch evaluation and the quickstart's tiny recipe for a bundled
backbone (learning rate 2e-3, head dropout 0; paper-v1 gets the same head dropout). Each recipe runs at its own
rate because a rate tuned for 32-clip steps collapses paper-v1's 4-judgment steps (``late_training`` shows the
vanishing gradient; ``--paper-lr 2e-3`` reproduces it).

    python benchmarks/bench_training.py --backbone bgs-tiny-conv3d  # CPU: bench_training.json (~32 min)
    python benchmarks/bench_training.py --backbone bgs-tiny-conv3d --clips 250 --paper-lr 2e-3 \\
        --paper-steps 1500 --paper-eval 50 \\
        --json benchmarks/results/bench_training_250clips_lr2e-3.json  # demo benchmark, one rate (~9 min)
    python benchmarks/bench_training.py --device cuda --backbone vit-b --synthetic-pixels --bf16 --judgments FILE.npz \\
        --paper-steps 24 --paper-eval 12 --epochs 2 --max-memory 8GB --loader-steps 3 \\
        --json bench_training_h100.json  # GPU step costs (run_gpu.sh; no R² target)
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    RESULTS,
    VIT_SIZES,
    machine,
    markdown_table,
    require_at_least_one,
    videomae_spec,
    write_json,
)

from bgs_hf._files import is_written_in_place, write_binary_atomic
from bgs_hf.cli._args import check_output_file_flags, output_file
from bgs_hf.cli.main import printed_lines_off_stdout
from bgs_hf.errors import BGSInputError, is_whole
from bgs_hf.models.registry import DEFAULT_BACKBONE
from bgs_hf.quickstart import TINY_MODEL_OVERRIDES, TINY_TRAINING
from bgs_hf.training.args import BGS_TRAINING_DEFAULTS

#: the paper's AdamW learning rate (the BGS default), paper-v1's default here
PAPER_LEARNING_RATE: float = BGS_TRAINING_DEFAULTS["learning_rate"]
#: issue 8: with the decoded-clip cache warm, waiting for data takes under this share of a training step
LOADER_SHARE_TARGET: float = 0.10

logger = logging.getLogger("bench_training")


# ---------------------------------------------------------------------------------------------- memory
def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def release_free_heap() -> None:
    """Hand freed heap memory back to the OS (glibc ``malloc_trim``), so that RSS growth over the next block
    measures that block's allocations instead of being absorbed by memory an earlier, larger step freed but
    the allocator kept. A no-op where there is no glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class PeakRSS:
    """Peak resident-set growth over a block, sampled by a thread (CPU stand-in for CUDA peak memory)."""

    def __init__(self, interval_s: float = 0.002) -> None:
        self.interval_s = interval_s
        self.peak = 0

    def __enter__(self) -> PeakRSS:
        self.base = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(self.interval_s)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def delta(self) -> int:
        return self.peak - self.base


def make_clock(release_heap: bool = False) -> Any:
    """A ``TrainerCallback`` recording training wall time without evaluation, per-step time and peak memory,
    the trainer's cumulative counters (from its logs) and the validation curve. ``release_heap`` (CPU) trims
    the heap before each step so that its RSS growth is its own; the trim is not counted as training time, but
    the re-faulted pages are, so it is meant for the memory runs, not the timed recipes."""
    import torch
    from transformers import TrainerCallback

    cuda = _cuda()

    class StepClock(TrainerCallback):
        def __init__(self) -> None:
            self.train_s = 0.0
            self.step_s: list[float] = []
            self.step_peak: list[int] = []
            self.counters: dict[str, float] = {}
            self.curve: list[dict[str, float]] = []
            self._rss: PeakRSS | None = None
            self.mark = time.perf_counter()

        def _pause(self, *_: Any, **__: Any) -> None:  # time after these events is not training
            self.mark = time.perf_counter()

        on_train_begin = on_save = _pause

        def on_step_begin(self, *_: Any, **__: Any) -> None:
            if cuda:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            else:
                if release_heap:
                    t0 = time.perf_counter()
                    release_free_heap()
                    self.mark += time.perf_counter() - t0
                self._rss = PeakRSS().__enter__()
            self.t_step = time.perf_counter()

        def on_step_end(self, *_: Any, **__: Any) -> None:
            if cuda:
                torch.cuda.synchronize()
                self.step_peak.append(int(torch.cuda.max_memory_allocated()))
            elif self._rss is not None:
                self._rss.__exit__(None, None, None)
                self.step_peak.append(self._rss.delta)
            now = time.perf_counter()
            self.step_s.append(now - self.t_step)
            self.train_s += now - self.mark  # includes loading the batch
            self.mark = now

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
                   **_: Any) -> None:
            if logs and "clip_passes" in logs:
                self.counters = {k: float(logs[k]) for k in
                                 ("clip_passes", "clip_passes_grad", "judgments", "rsa_pairs_grad") if k in logs}
            self.mark = time.perf_counter()

        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None,
                        **_: Any) -> None:
            m = metrics or {}
            self.curve.append({"step": state.global_step, "epoch": state.epoch, "train_s": self.train_s,
                               **self.counters, "val_r2": m.get("eval_r2"), "val_rsa": m.get("eval_rsa")})
            self.mark = time.perf_counter()

    return StepClock()


# ---------------------------------------------------------------------------------------------- data
def arrays_data(path: str | Path) -> Any:
    """An ``OddOneOutData`` from a judgments ``.npz`` (idx, odd, participant, is_catch, split_*, n_clips),
    for machines without ``datasets``/PyAV (the GPU run uses random pixels anyway). A ``.npy`` of one array
    (``np.save``) is a ValueError, as other files that are no archive are (it was numpy's IndexError traceback);
    arrays that do not fit together are a BGSInputError naming the array (see :func:`_checked_arrays`)."""
    from bgs_hf.data.container import OddOneOutData

    z = np.load(path)
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: one array (np.save), not an .npz archive")
    n_clips, arrays, splits = _checked_arrays(z)
    data = OddOneOutData(clips=[None] * n_clips, judgments=None, splits=splits, name="socialshapes-arrays")
    data._cache.update(arrays)
    return data


def _checked_arrays(z: Any) -> tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``n_clips``, the judgment arrays and the splits of an .npz, refused in one line when they do not fit together:
    several n_clips were a TypeError traceback, text or a fraction was read as a count (``int(24.5)``), a clip
    index past n_clips an IndexError once training began, a negative one counted from the end, a short ``odd``
    or an odd-one-out of 3 went unseen; an array of Python objects was called "not an .npz archive"."""
    from bgs_hf.data.splits import check_no_leakage

    def member(name: str) -> np.ndarray:
        try:
            return z[name]
        except ValueError as err:  # numpy will not unpickle; other ValueErrors are the archive's, not the array's
            if "allow_pickle" not in str(err):
                raise
            raise BGSInputError(f"{name} holds Python objects (a pickle), which are not read: save it as numbers") from None

    raw = member("n_clips")
    if raw.shape != ():
        raise BGSInputError(f"n_clips must be one number, got an array of shape {raw.shape}")
    n_clips = raw.item()
    if not is_whole(n_clips, floats=False) or n_clips < 1:
        raise BGSInputError(f"n_clips must be a whole number >= 1, got {n_clips!r}")
    arrays = {k: member(k) for k in ("idx", "odd", "participant", "is_catch")}
    idx = arrays["idx"]
    if idx.ndim != 2 or idx.shape[1] != 3 or not np.issubdtype(idx.dtype, np.integer):
        raise BGSInputError(f"idx must be integer clip indices of shape (judgments, 3), got {idx.dtype} of shape "
                            f"{idx.shape}")
    for name in ("odd", "participant", "is_catch"):
        a = arrays[name]
        kind = np.bool_ if name == "is_catch" else np.integer
        if a.shape != (len(idx),) or not np.issubdtype(a.dtype, kind):
            raise BGSInputError(f"{name} must be {'booleans' if kind is np.bool_ else 'integers'}, one per judgment "
                                f"(idx has {len(idx):,}), got {a.dtype} of shape {a.shape}")
    wrong_odd = arrays["odd"][(arrays["odd"] < 0) | (arrays["odd"] > 2)]
    if wrong_odd.size:
        raise BGSInputError(f"odd must be 0, 1 or 2 (which of idx's three clips is the odd one out), got {wrong_odd[0]}")
    splits = {k[6:]: member(k) for k in z.files if k.startswith("split_")}
    missing = [f"split_{k}" for k in ("train", "test") if k not in splits]
    if missing:
        raise BGSInputError(f"no {' or '.join(missing)} array: both recipes train on the train split and score the "
                            "test split")
    for name, items in [("idx", idx), *((f"split_{k}", v) for k, v in splits.items())]:
        if name != "idx" and (items.ndim != 1 or not np.issubdtype(items.dtype, np.integer)):
            raise BGSInputError(f"{name} must be a list of integer clip indices, got {items.dtype} of shape "
                                f"{items.shape}")
        outside = items[(items < 0) | (items >= n_clips)]
        if outside.size:
            raise BGSInputError(f"{name} holds clip index {outside.flat[0]}, outside 0..{n_clips - 1} (n_clips is "
                                f"{n_clips})")
    check_no_leakage(splits)
    return n_clips, arrays, splits


def save_arrays(data: Any, path: str | Path) -> Path:
    """Write what :func:`arrays_data` reads, at ``path`` as named (numpy adds ``.npz`` to a name without it, so
    ``--judgments`` with the name given found no file), creating its folder; whole or not at all, as the JSON is
    (a full disk or a kill mid-write left a cut-short archive there, or cut the one run_gpu.sh was to read). A stream
    (``>(gzip > ss250.npz.gz)``, a FIFO) is written through as it is: a temp file beside it was sought in ``/proc``."""
    a = data._arrays()
    path = Path(path)
    arrays = {"n_clips": data.n_clips, **{k: a[k] for k in ("idx", "odd", "participant", "is_catch")},
              **{f"split_{k}": v for k, v in data.splits.items()}}
    if is_written_in_place(path):  # write_binary_atomic leaves streams and devices to its caller
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_binary_atomic(path, lambda f: np.savez_compressed(f, **arrays))
    return path


# ---------------------------------------------------------------------------------------------- runs
def run_recipe(name: str, data: Any, store: Any, backbone: Any, out: Path, *, seed: int, bf16: bool,
               training: dict[str, Any], bgs: dict[str, Any] | None = None,
               model_args: dict[str, Any] | None = None, release_heap: bool = False) -> dict[str, Any]:
    """One ``train_bgs`` run; returns counters, curve, step costs and test metrics."""
    from bgs_hf.training import BGSArguments, DataArguments, ModelArguments
    from bgs_hf.training.api import TrainConfig, train_bgs

    clock = make_clock(release_heap)
    model = ModelArguments(backbone=backbone if isinstance(backbone, str) else "custom", **(model_args or {}))
    override = None
    if not isinstance(backbone, str):  # a BackboneSpec (random-init ViT sizes)
        import torch

        from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

        torch.manual_seed(seed)
        override = build_embedder(backbone, head=HeadConfig(), lora=LoraSettings())
    targs = {"output_dir": str(out / name), "seed": seed, "logging_steps": 1, "save_strategy": "no",
             "load_best_model_at_end": False, "bf16": bf16, "disable_tqdm": True, **training}
    if bf16 and not _cuda():  # transformers refuses bf16 without a GPU unless told the run is on the CPU
        targs["use_cpu"] = True
    cfg = TrainConfig(data=DataArguments(data="(in memory)"), model=model,
                      bgs=BGSArguments(recipe=name, early_stopping_patience=0, overwrite_output_dir=True, **(bgs or {})),
                      training=targs, data_override=data, clip_store=store, model_override=override,
                      callbacks=[clock])
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"{name}.log", "w") as log, contextlib.redirect_stdout(log):  # the Trainer prints its logs
        res = train_bgs(cfg)
    total_s = time.perf_counter() - t0
    steps = len(clock.step_s)
    c = res.metrics.get("counters", {})
    row = {
        "recipe": name, "steps": steps, "learning_rate": float(res.trainer.args.learning_rate),
        "train_wall_s": clock.train_s, "run_wall_s": total_s,
        "clip_passes": c.get("clip_passes"), "clip_passes_grad": c.get("clip_passes_grad"),
        "judgments": c.get("judgments"), "rsa_pairs_grad": c.get("rsa_pairs_grad"),
        "judgments_per_clip_pass": c.get("judgments", 0) / max(c.get("clip_passes", 0), 1),
        "rsa_pairs_grad_per_step": c.get("rsa_pairs_grad", 0) / max(steps, 1),
        "clip_passes_per_step": c.get("clip_passes", 0) / max(steps, 1),
        "step_s_median": float(np.median(clock.step_s[1:] or clock.step_s)) if steps else None,
        "step_peak_bytes_max": max(clock.step_peak) if clock.step_peak else None,
        "step_peak_bytes_median": float(np.median(clock.step_peak)) if clock.step_peak else None,
        "peak_kind": "cuda max_memory_allocated" if _cuda() else (
            "RSS growth during the step (sampled" + (", freed heap released before it)" if release_heap else
                                                     "; a lower bound: the allocator reuses memory earlier steps freed)")),
        "curve": clock.curve, "embed_chunk": res.trainer.embed_chunk,
        "val": {k: res.metrics.get("val", {}).get(k) for k in ("r2", "r2_ci", "rsa_spearman")},
        "test": {k: res.metrics.get("test", {}).get(k) for k in ("r2", "r2_ci", "rsa_spearman", "ooo_acc_3way",
                                                                 "ooo_acc_2way", "pct_of_ceiling")},
    }
    row["late_training"] = late_training(res.trainer.state.log_history)
    row["_trainer"] = res.trainer
    return row


def late_training(log_history: list[dict[str, Any]], last: int = 100) -> dict[str, Any]:
    """Median gradient norm and local loss over the last ``last`` logged steps: a collapsed embedding (every
    clip mapped to the same point) shows as a gradient norm near zero and the local loss stuck at its
    no-information value (the triplet margin, or ln 3 for the odd-one-out loss)."""
    rows = [h for h in log_history if "grad_norm" in h][-last:]

    def median(key: str) -> float | None:
        vals = [float(h[key]) for h in rows if h.get(key) is not None and np.isfinite(float(h[key]))]
        return float(np.median(vals)) if vals else None

    return {"steps": len(rows), "grad_norm_median": median("grad_norm"), "loss_local_median": median("loss_local")}


def _cuda() -> bool:
    """Whether the recipes train on the GPU: there is one and the launch does not ask for the CPU (ACCELERATE_USE_CPU,
    which the Trainer obeys: its CPU steps were timed and measured as the GPU's, a peak of cuda memory they never used)."""
    import torch

    from bgs_hf.training.args import launch_asks_for_cpu

    return torch.cuda.is_available() and not launch_asks_for_cpu()


def target_is_learning(paper_run: dict[str, Any]) -> tuple[bool, str]:
    """Is paper-v1's final validation R² learning rather than noise? It and its bootstrap CI must be defined and the
    CI must exclude zero."""
    ci = (paper_run.get("val") or {}).get("r2_ci")
    if not ci:
        return False, "paper-v1 has no validation R² CI"
    r2 = paper_run["val"].get("r2")
    if not all(v is not None and np.isfinite(v) for v in (r2, *ci)):  # NaN > 0 is False: it read as learning
        return False, (f"paper-v1's final validation R² is {r2} with a 95% CI of {list(ci)}: undefined (a constant "
                       "embedding ranks no pair above another), so there is no target to reach")
    if ci[0] <= 0:
        return False, (f"paper-v1's final validation R² {paper_run['val']['r2']:.4f} has a 95% CI of "
                       f"[{ci[0]:.4f}, {ci[1]:.4f}], which includes zero: it did not learn in this budget, so "
                       "time-to-target ratios would measure noise (raise --paper-steps)")
    return True, ""


def reach(curve: list[dict[str, float]], target: float) -> dict[str, float] | None:
    """The first evaluation whose validation R² is at least ``target`` (None if never)."""
    for point in curve:
        if point.get("val_r2") is not None and point["val_r2"] >= target - 1e-12:
            return point
    return None


def loader_share(trainer: Any, store_factory: Any, n_steps: int) -> dict[str, float]:
    """Data-loader share of a real training step, loading through a fresh store on the warm disk cache."""
    import torch

    try:
        from bench_io import loader_share_of_step
    except ImportError as err:  # bench_io imports the video stack (PyAV), absent on some GPU images
        return {"loader_share": None, "note": f"not measured: {err}"}
    from bgs_hf.training.data import BGSCollator, StepDataset

    sampler = trainer.data_collator.sampler
    steps = StepDataset(sampler)
    loader = torch.utils.data.DataLoader(steps, batch_size=1, collate_fn=BGSCollator(sampler, store_factory()))

    def batches() -> Any:  # as many epochs as the measurement needs
        for epoch in range(n_steps + 1):
            steps.set_epoch(epoch)
            yield from loader
    if trainer.optimizer is None:
        trainer.create_optimizer()

    def step(batch: Any) -> None:
        trainer.training_step(trainer.model, trainer._prepare_inputs(batch))
        trainer.optimizer.step()
        trainer.optimizer.zero_grad()
        if _cuda():
            torch.cuda.synchronize()

    return loader_share_of_step(batches(), step, n_steps=n_steps, warmup=1)


def plot_curves(runs: dict[str, dict[str, Any]], target: float, path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from bgs_hf.viz.matrices import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, r in runs.items():
        cv = [p for p in r["curve"] if p.get("val_r2") is not None]
        axes[0].plot([p["clip_passes"] for p in cv], [p["val_r2"] for p in cv], marker=".", label=name)
        axes[1].plot([p["train_s"] for p in cv], [p["val_r2"] for p in cv], marker=".", label=name)
    for ax, xl in zip(axes, ("clip forward passes", "training wall time (s)")):
        ax.axhline(target, color="grey", ls="--", lw=1, label="paper-v1 final val R²")
        ax.set_xscale("log")
        ax.set_xlabel(xl)
        ax.set_ylabel("validation R²")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    plt.close(fig)
    return path


def quiet_libraries() -> None:
    """Silence library INFO logs for a script run; a no-op when imported (tests keep their log levels)."""
    if __name__ != "__main__":
        return
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("bgs_hf", "transformers", "peft"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def check_flags(ap: argparse.ArgumentParser, args: argparse.Namespace) -> Any:
    """Refuse bad flags in one usage line before any work, and return the backbone's spec. A bad ``--max-memory``
    or ``--loader-steps 0`` failed only after both recipes had trained (the default run: ~32 min), and a bad
    ``--backbone`` after the 500-clip SocialShapes set was rendered, each with a traceback and no JSON."""
    from bgs_hf.models.registry import get_backbone_spec
    from bgs_hf.training.args import USE_CPU_VARIABLE, launch_asks_for_cpu, parse_bytes

    require_at_least_one(ap, args, "clips", "paper_steps", "paper_eval", "loader_steps")
    check_output_file_flags(ap, args, "json", "png", "save_judgments")
    if args.epochs <= 0:  # a fraction trains part of an epoch; 0 failed only after paper-v1 had trained (~29 min)
        ap.error(f"--epochs must be > 0, got {args.epochs:g}")
    if args.judgments is not None and not args.judgments.is_file():
        ap.error(f"--judgments {args.judgments}: no such file (write one with --save-judgments)")
    if args.judgments is not None:  # another file was numpy's or zipfile's traceback
        try:
            arrays_data(args.judgments)
        except BGSInputError as err:  # an .npz of arrays that do not fit together
            ap.error(f"--judgments {args.judgments}: {err}")
        except KeyError as err:  # an .npz of other arrays
            ap.error(f"--judgments {args.judgments}: not the .npz --save-judgments writes ({err.args[0]})")
        except OSError as err:
            ap.error(f"--judgments {args.judgments}: cannot read it ({err.strerror or err})")
        except (ValueError, EOFError, zipfile.BadZipFile):  # numpy's ValueError is about pickles: not the point
            ap.error(f"--judgments {args.judgments}: not an .npz archive (write one with --save-judgments)")
    rendered = (args.workdir / "socialshapes") if args.workdir is not None and args.judgments is None else None
    if rendered is not None and (rendered / "data").exists():  # reused as it is, and labelled with --clips/--seed
        try:
            truth = json.loads((rendered / "ground_truth.json").read_text(encoding="utf-8"))
            held = (int(truth["n_clips"]), int(truth["seed"]))
        except (OSError, ValueError, KeyError, TypeError):
            held = None
        if held != (args.clips, args.seed):
            what = "an unknown SocialShapes set" if held is None else f"{held[0]} clips of seed {held[1]}"
            ap.error(f"--workdir {args.workdir} already holds {what}, not --clips {args.clips} --seed {args.seed}: "
                     "give those flags or another --workdir")
    try:
        on_cpu = launch_asks_for_cpu()  # an unreadable ACCELERATE_USE_CPU: one line now, not the first recipe's traceback
        if args.device == "cuda" and not _cuda():  # run_gpu.sh: its recipes trained on the CPU for hours, as the GPU's
            from bgs_hf._device import no_cuda_reason

            why = (f"{USE_CPU_VARIABLE} asks for the CPU" if on_cpu
                   else f"torch sees no CUDA GPU on this machine: {no_cuda_reason()}")
            ap.error(f"--device cuda: {why}; or leave --device out to train where the Trainer finds a device")
        if args.max_memory:
            parse_bytes(args.max_memory)
        return videomae_spec(args.backbone) if args.backbone in VIT_SIZES else get_backbone_spec(args.backbone)
    except BGSInputError as err:
        ap.error(str(err).replace("--max_memory", "--max-memory"))


def load_judgments(args: argparse.Namespace, work: Path) -> tuple[Any, str]:
    """The judgments both recipes train on, and how to name them: a ``--judgments`` .npz (no PyAV/datasets), or a
    SocialShapes set of ``--clips`` rendered into ``work`` (reused when ``--workdir`` already holds it: ``check_flags``
    made sure it is ``--clips``/``--seed``'s)."""
    if args.judgments is not None:
        data = arrays_data(args.judgments)
        source = f"SocialShapes judgments from {args.judgments.name}"
    else:
        from bgs_hf.data import load
        from bgs_hf.synth import generate_socialshapes

        root = work / "socialshapes"
        if not (root / "data").exists():
            generate_socialshapes(root, n_clips=args.clips, seed=args.seed)
        data = load(root, seed=args.seed)
        source = f"SocialShapes ({args.clips} clips, seed {args.seed})"
    if args.save_judgments is not None:
        save_arrays(data, args.save_judgments)
    return data, source


def clip_stores(args: argparse.Namespace, data: Any, policy: Any, work: Path) -> tuple[Any, Any]:
    """(the store the recipes train from, a factory of fresh stores for the loader measurement). Decoded clips
    are cached on disk once, before the timed runs (both recipes share the cache); the loader's stores keep no
    clip in memory, so its share is that of reading the warm disk cache. ``--synthetic-pixels``: random tensors."""
    import torch

    from bgs_hf.training.data import TensorClipStore, VideoClipStore

    if args.synthetic_pixels:
        g = torch.Generator().manual_seed(args.seed)
        pixels = torch.randn(data.n_clips, policy.num_frames, 3, policy.crop, policy.crop, generator=g)

        def make_store() -> Any:
            return TensorClipStore(pixels)

        return make_store(), make_store
    cache = work / "clip_cache"

    def make_disk_store() -> Any:
        return VideoClipStore(list(data.clips["video"]), policy, cache, memory_mb=0)

    store = VideoClipStore(list(data.clips["video"]), policy, cache)
    for c in range(data.n_clips):  # fill the disk cache once, outside the timed runs
        store(c)
    return store, make_disk_store


def measure_memory(args: argparse.Namespace, data: Any, store: Any, backbone: Any, work: Path,
                   model_args: dict[str, Any]) -> dict[str, Any]:
    """Peak memory of a step over all training clips, unchunked and under ``--max-memory`` (two steps each, the
    freed heap released before each step); an out-of-memory unchunked step is recorded, not fatal."""
    import torch

    memory: dict[str, Any] = {"available": False}
    try:
        import bgs_hf.training.memory  # noqa: F401

        memory["available"] = bool(args.max_memory)
    except ImportError:
        memory["note"] = "bgs_hf.training.memory not found: no --max_memory setting to measure"
    if not memory["available"]:
        return memory
    for key, extra in (("unchunked", {"embed_chunk": 0}), ("max_memory", {"max_memory": args.max_memory})):
        try:
            r = run_recipe("cached", data, store, backbone, work / f"mem_{key}", seed=args.seed, bf16=args.bf16,
                           training={"max_steps": 2, "eval_strategy": "no", "lr_scheduler_type": "constant"},
                           bgs={"eval_test": False, **extra}, model_args=model_args, release_heap=True)
        except torch.OutOfMemoryError as err:  # the point of the setting: all clips at once may not fit
            memory[key] = {"oom": str(err).splitlines()[0]}
            torch.cuda.empty_cache()
            continue
        memory[key] = {"embed_chunk": r["embed_chunk"], "step_peak_bytes_max": r["step_peak_bytes_max"],
                       "step_s_median": r["step_s_median"], "clip_passes_per_step": r["clip_passes_per_step"],
                       "peak_kind": r["peak_kind"]}
    memory["budget"] = args.max_memory
    peaks = [memory[k].get("step_peak_bytes_max") for k in ("max_memory", "unchunked")]
    memory["peak_ratio"] = peaks[0] / peaks[1] if None not in peaks else None
    return memory


def time_to_target(runs: dict[str, dict[str, Any]]) -> tuple[float | None, dict[str, Any], dict[str, Any]]:
    """(target, each recipe's first evaluation reaching it, the ratios clip-batched ÷ paper-v1). The target is
    paper-v1's final validation R²; ratios are None unless it is learning and both recipes reach it."""
    pv = runs["paper_v1"]
    target = pv["curve"][-1]["val_r2"] if pv["curve"] else None
    reached = {k: (reach(r["curve"], target) if target is not None else None) for k, r in runs.items()}
    ratios: dict[str, Any] = {"clip_pass_ratio": None, "wall_time_ratio": None}
    # "reaching" a target that is indistinguishable from zero is noise, not learning: no ratio then
    target_ok, why = target_is_learning(pv)
    ratios["target_is_learning"] = target_ok
    if not target_ok:
        ratios["ratio_note"] = why
    if target_ok and reached["paper_v1"] and reached["clip_batched"]:
        ratios["clip_pass_ratio"] = reached["clip_batched"]["clip_passes"] / reached["paper_v1"]["clip_passes"]
        ratios["wall_time_ratio"] = reached["clip_batched"]["train_s"] / reached["paper_v1"]["train_s"]
    return target, reached, ratios


def acceptance(ratios: dict[str, Any], pv: dict[str, Any], cb: dict[str, Any], loader: dict[str, Any], *,
               synthetic_pixels: bool) -> dict[str, Any]:
    """Issue 8's targets: at most 1/5 of paper-v1's clip passes and 1/3 of its wall time to its target, a test R²
    no lower than paper-v1's by more than half clip-batched's CI width, and a loader share of a step below
    ``LOADER_SHARE_TARGET`` from the warm disk cache (None, not judged, on in-memory random tensors: meeting it
    there says nothing about the cache)."""
    acc: dict[str, Any] = {}
    share = loader.get("loader_share")
    if share is not None:
        acc["loader_share_lt_0_10"] = None if synthetic_pixels else share < LOADER_SHARE_TARGET
    if ratios["clip_pass_ratio"] is not None:
        acc["clip_passes_le_1_5"] = ratios["clip_pass_ratio"] <= 0.2
        acc["wall_time_le_1_3"] = ratios["wall_time_ratio"] <= 1 / 3
    ci = cb["test"]["r2_ci"]
    if cb["test"]["r2"] is not None and pv["test"]["r2"] is not None and ci:
        half = (ci[1] - ci[0]) / 2
        acc["test_r2_within_ci"] = cb["test"]["r2"] >= pv["test"]["r2"] - half
        acc["test_r2_ci_halfwidth"] = half
    return acc


def print_summary(result: dict[str, Any], runs: dict[str, dict[str, Any]], source: str, backbone_name: str, *,
                  synthetic_pixels: bool) -> None:
    """The markdown table of both recipes, then the ratios, the loader's share and the memory measurement."""
    headers = ["recipe", "steps", "clip passes", "train wall (s)", "judgments / clip pass", "RSA pairs w/ grad / step",
               "s / step", "peak MiB / step", "passes to target", "wall to target (s)", "test R² [95% CI]"]
    rows = []
    for k, r in runs.items():
        hit = result["reached"][k]
        t = r["test"]
        rows.append((r["recipe"], r["steps"], int(r["clip_passes"] or 0), r["train_wall_s"], r["judgments_per_clip_pass"],
                     r["rsa_pairs_grad_per_step"], r["step_s_median"],
                     (r["step_peak_bytes_max"] or 0) / 2**20, hit["clip_passes"] if hit else None,
                     hit["train_s"] if hit else None,
                     f"{t['r2']:.3f} [{t['r2_ci'][0]:.3f}, {t['r2_ci'][1]:.3f}]" if t.get("r2_ci") else t.get("r2")))
    print(f"## BGS training: clip-batched vs paper-v1 on {source}, {backbone_name}, {result['machine']['device']}\n")
    print(markdown_table(headers, rows))
    # CPU: RSS growth, a lower bound; CUDA: max_memory_allocated (the table alone did not say which)
    print("\npeak MiB / step: " + "; ".join(sorted({r["peak_kind"] for r in runs.values()})))
    print(f"\npaper-v1 final val R² (target) = {result['target_val_r2']}; clip_pass_ratio = {result['clip_pass_ratio']}, "
          f"wall_time_ratio = {result['wall_time_ratio']}; acceptance: {result['acceptance']}")
    if result.get("ratio_note"):
        print(f"no ratios: {result['ratio_note']}")
    loaded_from = "in-memory tensors" if synthetic_pixels else "warm disk cache"  # the GPU run decodes nothing
    share, met = result["loader"].get("loader_share"), result["acceptance"].get("loader_share_lt_0_10")
    verdict = ("not measured" if share is None else "not judged (no disk cache)" if met is None
               else "met" if met else "NOT met")
    print(f"data loader share of a clip-batched step ({loaded_from}): {'-' if share is None else f'{share:.1%}'} "
          f"(target < {LOADER_SHARE_TARGET:.0%} from the warm disk cache: {verdict})")
    memory = result["memory"]
    if memory.get("available"):
        print(f"--max_memory {memory['budget']} (all training clips in one step): {memory['max_memory']}; "
              f"unchunked: {memory['unchunked']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=500,
                    help="SocialShapes clips (500: 80 validation clips, enough for paper-v1's target to be measurable)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backbone", default=DEFAULT_BACKBONE,
                    help=f"backbone name, or vit-s|vit-b|vit-l (random) (default {DEFAULT_BACKBONE})")
    ap.add_argument("--epochs", type=float, default=10, help="clip-batched epochs")
    ap.add_argument("--paper-steps", type=int, default=6000, help="paper-v1 steps (of its first epoch)")
    ap.add_argument("--paper-eval", type=int, default=250, help="paper-v1: evaluate every N steps")
    ap.add_argument("--lr", type=float, default=None,
                    help="learning rate for clip-batched (default: the quickstart's tiny recipe for a bundled "
                    "backbone, else the BGS default); paper-v1 takes --paper-lr")
    ap.add_argument("--paper-lr", type=float, default=PAPER_LEARNING_RATE,
                    help=f"learning rate for paper-v1 only (default: the paper's {PAPER_LEARNING_RATE:g}); a rate "
                    "tuned for 32-clip steps collapses 4-judgment steps")
    ap.add_argument("--device", default=None, choices=["cuda"],
                    help="cuda: refuse in one line unless the recipes would train on a GPU torch sees (run_gpu.sh); "
                    "left out, the Trainer's choice: the GPU when there is one, else the CPU")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (on the CPU too, where there is no GPU)")
    ap.add_argument("--synthetic-pixels", action="store_true", help="random decoded clips (timing only)")
    ap.add_argument("--judgments", type=Path, default=None, help=".npz from --save-judgments (no datasets/PyAV)")
    ap.add_argument("--save-judgments", type=output_file("ss250.npz"), default=None,
                    help="also write the judgments as the .npz --judgments reads")
    ap.add_argument("--max-memory", default="48MB", help="budget for the --max_memory measurement ('' = skip)")
    ap.add_argument("--loader-steps", type=int, default=4)
    ap.add_argument("--json", type=output_file("bench_training.json"), default=RESULTS / "bench_training.json")
    ap.add_argument("--png", type=output_file("bench_training.png"), default=None,
                    help="curve plot (default: next to the JSON)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="folder of the rendered clips, their cache, the logs and runs (default: a new temporary one); "
                    "a SocialShapes set already there is reused, and must be the --clips and --seed given")
    args = ap.parse_args(argv)
    with printed_lines_off_stdout(args):  # --json /dev/stdout: the JSON alone on stdout
        quiet_libraries()
        spec = check_flags(ap, args)
        host = machine()  # before the work: its load average is the contention the run met, not its own load
        backbone: Any = spec if args.backbone in VIT_SIZES else args.backbone

        t_all = time.perf_counter()
        work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_training_"))
        data, source = load_judgments(args, work)
        store, make_store = clip_stores(args, data, spec.frame_policy(), work)
        # both recipes get the same model settings (the quickstart's tiny recipe for a bundled backbone: head
        # dropout); each its own learning rate: clip-batched the tiny recipe's (or --lr), paper-v1 --paper-lr
        tiny = isinstance(backbone, str) and backbone in TINY_TRAINING
        clip_batched_train = {"learning_rate": TINY_TRAINING[backbone]["learning_rate"]} if tiny else {}
        if args.lr is not None:
            clip_batched_train = {"learning_rate": args.lr}
        model_args = dict(TINY_MODEL_OVERRIDES[backbone]) if tiny else {}
        runs: dict[str, dict[str, Any]] = {}
        runs["paper_v1"] = run_recipe(
            "paper-v1", data, store, backbone, work, seed=args.seed, bf16=args.bf16,
            training={"max_steps": args.paper_steps, "eval_strategy": "steps", "eval_steps": args.paper_eval,
                      "lr_scheduler_type": "constant", "learning_rate": args.paper_lr}, model_args=model_args)
        runs["clip_batched"] = run_recipe(
            "clip-batched", data, store, backbone, work, seed=args.seed, bf16=args.bf16,
            training={"num_train_epochs": args.epochs, **clip_batched_train}, model_args=model_args)
        loader = loader_share(runs["clip_batched"]["_trainer"], make_store, args.loader_steps)
        memory = measure_memory(args, data, store, backbone, work, model_args)

        pv, cb = runs["paper_v1"], runs["clip_batched"]
        for r in runs.values():
            r.pop("_trainer")
        target, reached, ratios = time_to_target(runs)
        acc = acceptance(ratios, pv, cb, loader, synthetic_pixels=args.synthetic_pixels)
        result = {
            "machine": host, "data": source, "backbone": spec.name,
            "n_train_clips": int(len(data.split_items("train"))), "n_train_judgments": int(len(data.triplets("train"))),
            "settings": {"paper_v1_steps": args.paper_steps, "paper_v1_eval_every": args.paper_eval,
                         "clip_batched_epochs": args.epochs, "bf16": args.bf16, "synthetic_pixels": args.synthetic_pixels,
                         "learning_rate": cb["learning_rate"], "paper_v1_learning_rate": pv["learning_rate"],
                         "model": model_args, "seed": args.seed},
            "target_val_r2": target, "reached": reached, **ratios, "acceptance": acc,
            "paper_v1": pv, "clip_batched": cb, "loader": loader, "memory": memory,
            "bench_wall_s": time.perf_counter() - t_all,
        }
        print_summary(result, runs, source, spec.name, synthetic_pixels=args.synthetic_pixels)
        write_json(args.json, result)
        # next to a JSON file; a JSON on a stream (--json /dev/stdout) has no folder: no plot unless --png names one
        # (it was /dev/stdout.png, a PermissionError once both recipes had trained)
        png_path = args.png or (None if is_written_in_place(args.json) else args.json.with_suffix(".png"))
        png = plot_curves(runs, target, png_path) if target is not None and png_path is not None else None
        print(f"\nwrote {args.json}" + (f" and {png}" if png else ""))
        # the Trainer's logs go to files there; a temporary folder holds the rendered clips and their cache too
        print(f"training logs (paper-v1.log, clip-batched.log) and runs in {work}"
              + ("" if args.workdir else ": a temporary folder, not deleted (--workdir to choose it)"))
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
