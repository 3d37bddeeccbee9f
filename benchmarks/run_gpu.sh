#!/usr/bin/env bash
# GPU figures (issue 8, item 6): FLOP/s of ViT-B/ViT-L VideoMAE training steps in bf16, and the two training
# recipes' per-step costs with a random-init ViT-B on random decoded clips (no R² target is reachable there).
# Needs the SocialShapes judgments as .npz (bench_training.py --save-judgments), no PyAV/datasets.
# Usage: benchmarks/run_gpu.sh JUDGMENTS.npz OUT_DIR   (PY=python to choose the interpreter, TAG=h100 to name the
# files; by default TAG is the GPU model, e.g. h100 or h200, read from nvidia-smi)
# A failed step does not stop the others (one OOM should not lose the rest), but the script then exits 1. Where
# nvidia-smi finds no GPU it refuses in one line before any step (they would run for hours on the CPU, as "gpu");
# where it finds one that torch cannot use (a CPU-only torch, a driver too old for torch's CUDA), each step refuses
# in one line (--device cuda).
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JUDGMENTS.npz OUT_DIR" >&2; exit 2; }
mkdir -p "$2" || exit 1
NPZ=$(realpath "$1") && OUT_DIR=$(realpath "$2") || exit 1
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")" || exit 1
rc=0
step() { "$@" || { echo "run_gpu.sh: FAILED (exit $?): $*" >&2; rc=1; }; }
if ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT_DIR/gpu.txt" 2>/dev/null \
    || [ -z "$(sed -n 2p "$OUT_DIR/gpu.txt")" ]; then
  rm -f "$OUT_DIR/gpu.txt"
  echo "run_gpu.sh: no NVIDIA GPU here (nvidia-smi found none): its figures are GPU figures; benchmarks/README.md" \
    "gives the CPU commands" >&2
  exit 1
fi
cat "$OUT_DIR/gpu.txt"
GPU_MODEL=$(sed -n 2p "$OUT_DIR/gpu.txt" 2>/dev/null | grep -oiE '[a-z][0-9]{2,4}' | head -n 1 | tr 'A-Z' 'a-z')
TAG=${TAG:-${GPU_MODEL:-gpu}}
step "$PY" bench_flops.py --device cuda --sizes vit-b vit-l --dtype bf16 --sdpa --batch 4 --steps 3 --warmup 2 \
    --json "$OUT_DIR/bench_flops_$TAG.json"
step "$PY" bench_flops.py --device cuda --sizes vit-b --dtype bf16 --sdpa --compile --batch 4 --steps 3 --warmup 2 \
    --json "$OUT_DIR/bench_flops_${TAG}_compile.json"
step "$PY" bench_training.py --device cuda --backbone vit-b --synthetic-pixels --bf16 --judgments "$NPZ" \
    --paper-steps 24 --paper-eval 12 --epochs 2 --max-memory 8GB --loader-steps 3 \
    --json "$OUT_DIR/bench_training_$TAG.json"
exit $rc
