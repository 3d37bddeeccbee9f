"""Achieved FLOP/s of a BGS training step against the machine's measured matmul peak (issue 8, item 4).

The step is what ``BGSTrainer`` runs for a clip set: embedder forward (VideoMAE + LoRA + head), a loss on
the embeddings, backward and an AdamW update. FLOPs are counted once with
``torch.utils.flop_counter.FlopCounterMode`` (forward + backward); steps are then timed without the
counter. The peak is a large square matmul timed in the same dtype in the same run, before and after the steps
(the better of the two), so the utilisation ratio does not depend on a datasheet.

    python benchmarks/bench_flops.py                      # ViT-S, 16x224, batch 1, CPU fp32
    python benchmarks/bench_flops.py --device cuda --sizes vit-b vit-l --dtype bf16 --sdpa --json FILE   # on a GPU
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import time
from typing import Any

from common import (
    RESULTS,
    VIT_SIZES,
    machine,
    markdown_table,
    require_at_least_one,
    videomae_spec,
    write_json,
)

from bgs_hf.cli._args import check_output_file_flags, output_file
from bgs_hf.cli.main import printed_lines_off_stdout

logger = logging.getLogger("bench_flops")


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_peak(device: Any, dtype: Any, n: int, repeats: int = 5) -> float:
    """FLOP/s of an ``n x n @ n x n`` matmul (best of ``repeats`` after a warm-up)."""
    import torch

    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    (a @ b).sum().item()
    best = float("inf")
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best


def build_step(size: str, *, device: Any, dtype: str, batch: int, frames: int, image: int, sdpa: bool,
               channels_last: bool, compile_model: bool, lora: bool) -> tuple[Any, Any]:
    """(model, step function) for one training step on a random batch."""
    import torch

    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    spec = videomae_spec(size, num_frames=frames, image_size=image, attn="sdpa" if sdpa else "eager")
    model = build_embedder(spec, head=HeadConfig(), lora=LoraSettings() if lora else None).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last_3d)  # the Conv3d tubelet embedding
    model.train()
    fwd = torch.compile(model) if compile_model else model
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    x = torch.randn(batch, frames, 3, image, image, device=device)
    def amp() -> Any:
        return torch.autocast(device.type, dtype=torch.bfloat16) if dtype == "bf16" else contextlib.nullcontext()

    def step() -> None:
        with amp():
            emb = fwd(x)
        # stand-in for the BGS loss: it touches only (B, 128) embeddings, negligible next to the backbone
        loss = (emb.float() @ emb.float().T).square().mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    return model, step


def bench_size(size: str, args: argparse.Namespace, device: Any) -> dict[str, Any]:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model, step = build_step(size, device=device, dtype=args.dtype, batch=args.batch, frames=args.frames,
                             image=args.image, sdpa=args.sdpa, channels_last=args.channels_last,
                             compile_model=args.compile, lora=not args.full)
    n_params = sum(p.numel() for p in model.parameters())
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    for _ in range(args.warmup):
        step()
    _sync(device)
    if args.compile:  # the counter cannot see inside a compiled graph: count on an eager twin
        _, eager_step = build_step(size, device=device, dtype=args.dtype, batch=args.batch, frames=args.frames,
                                   image=args.image, sdpa=args.sdpa, channels_last=False, compile_model=False,
                                   lora=not args.full)
    else:
        eager_step = step
    counter = FlopCounterMode(display=False)
    with counter:
        eager_step()
    flops = float(counter.get_total_flops())
    # the compiled run's eager twin (weights, optimiser state) is freed before the timed steps: it stood in their
    # peak memory, which is the compiled model's alone
    del eager_step
    gc.collect()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.steps):
        _sync(device)
        t0 = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - t0)
    step_s = min(times)
    out = {
        "size": size, "params": n_params, "trainable_params": n_train, "flops_per_step": flops,
        "step_s": step_s, "step_s_all": times, "achieved_flops": flops / step_s,
        "clips_per_s": args.batch / step_s,
    }
    if device.type == "cuda":
        out["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
    del model, step
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["vit-s"], choices=sorted(VIT_SIZES), metavar="SIZE",
                    help="vit-s | vit-b | vit-l")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--image", type=int, default=224)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2, help="timed steps (best is reported)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="bf16 = autocast")
    ap.add_argument("--sdpa", action="store_true", help="attn_implementation='sdpa' (default eager)")
    ap.add_argument("--channels-last", action="store_true", help="channels_last_3d for the tubelet Conv3d")
    ap.add_argument("--compile", action="store_true", help="torch.compile the embedder")
    ap.add_argument("--full", action="store_true", help="full fine-tuning instead of LoRA (+ head)")
    ap.add_argument("--matmul-n", type=int, default=None, help="peak matmul side (default 2048 CPU, 8192 GPU)")
    ap.add_argument("--device", default=None, choices=["cpu", "cuda"], help="cpu | cuda (default: cuda when available)")
    ap.add_argument("--json", type=output_file("bench_flops.json"), default=RESULTS / "bench_flops.json")
    args = ap.parse_args(argv)
    with printed_lines_off_stdout(args):  # --json /dev/stdout: the JSON alone on stdout
        # --steps 0: min() of no timings, after the model had run; a bad size failed after the matmul peak
        require_at_least_one(ap, args, "steps", "batch", "frames", "image", "matmul_n")
        check_output_file_flags(ap, args, "json")
        if args.compile and args.warmup < 1:  # the FLOP count runs an eager twin, so the first timed step would compile
            ap.error(f"--compile needs --warmup >= 1 (the first call compiles the graph), got {args.warmup}")
        logging.basicConfig(level=logging.WARNING)

        import torch

        from bgs_hf._device import check_device, no_cuda_reason
        from bgs_hf.errors import BGSInputError

        if args.device is not None:  # was torch's AssertionError traceback
            try:
                check_device(args.device)  # the library's one rule: a CPU-only torch is told how to get a CUDA one
            except BGSInputError:  # --device's choices are cpu and cuda: cuda with no GPU torch can use
                ap.error(f"--device {args.device}: torch sees no CUDA GPU on this machine: {no_cuda_reason()}; or "
                         "leave --device out to run on the CPU")
        device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # before the work: its load average is the contention the run met, not its own load; and the device the steps
        # ran on (--device cpu on a GPU machine recorded and printed the GPU's name)
        host = machine(device.type)
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
        mm_dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
        n = args.matmul_n or (8192 if device.type == "cuda" else 2048)
        peak_before = matmul_peak(device, mm_dtype, n)
        results = []
        for size in args.sizes:  # a size out of GPU memory is recorded, not fatal: the sizes measured before it were lost
            try:
                results.append(bench_size(size, args, device))
            except torch.OutOfMemoryError as err:
                results.append({"size": size, "oom": str(err).splitlines()[0]})
            gc.collect()  # the failed size's model, held by the error's frames until here
            if device.type == "cuda":
                torch.cuda.empty_cache()
        measured = [r for r in results if "oom" not in r]
        # timed again after the steps, the best of both: a load that came or went during the steps (a shared CPU)
        # would otherwise divide every step by a peak from another moment
        peak_after = matmul_peak(device, mm_dtype, n)
        peak = max(peak_before, peak_after)
        rows = []
        for size, r in zip(args.sizes, results):
            if "oom" in r:
                rows.append((size, "-", "-", "-", "-", f"{peak / 1e12:.3f}", "out of memory"))
                continue
            r["utilisation"] = r["achieved_flops"] / peak
            rows.append((size, f"{r['params'] / 1e6:.1f}M", f"{r['flops_per_step'] / 1e9:.1f}", f"{r['step_s']:.3f}",
                         f"{r['achieved_flops'] / 1e12:.3f}", f"{peak / 1e12:.3f}", f"{r['utilisation']:.3f}"))
        options = {"dtype": args.dtype, "sdpa": args.sdpa, "channels_last": args.channels_last,
                   "torch_compile": args.compile, "lora": not args.full, "batch": args.batch, "frames": args.frames,
                   "image": args.image, "steps": args.steps, "warmup": args.warmup}
        result = {"machine": host, "options": options, "matmul_peak_flops": peak, "matmul_n": n,
                  "matmul_peak_flops_before": peak_before, "matmul_peak_flops_after": peak_after,
                  "matmul_dtype": str(mm_dtype), "results": results,
                  "utilisation": measured[0]["utilisation"] if measured else None}
        on = ", ".join(k for k in ("sdpa", "channels_last", "torch_compile") if options[k]) or "none"
        print(f"## Training-step FLOP/s on {result['machine']['device']} ({args.dtype}; options on: {on}; "
              f"batch {args.batch}, {args.frames}x{args.image})\n")
        print(markdown_table(["config", "params", "GFLOP/step", "step (s)", "achieved TFLOP/s",
                              f"matmul peak TFLOP/s (n={n})", "utilisation"], rows))
        print(f"\nmatmul peak timed before and after the steps: {peak_before / 1e12:.3f} and {peak_after / 1e12:.3f} "
              "TFLOP/s (the better one is used)")
        if any(r["utilisation"] > 1 for r in measured):  # no step outruns the machine: the peak was not its peak
            print(f"utilisation above 1: an n={n} matmul does not reach this machine's peak (raise --matmul-n)")
        write_json(args.json, result)
        print(f"\nwrote {args.json}")
        return 0 if len(measured) == len(results) else 1  # run_gpu.sh reports the step as failed, its JSON kept


if __name__ == "__main__":
    raise SystemExit(main())
