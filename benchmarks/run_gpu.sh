#!/usr/bin/env bash
# GPU figures (issue 8, item 6): FLOP/s of ViT-B/ViT-L VideoMAE training steps in bf16, and the two training
# recipes' per-step costs with a random-init ViT-B on random decoded clips (no R² target is reachable there).
# Needs the SocialShapes judgments as .npz (bench_training.py --save-judgments), no PyAV/datasets.
# Usage: benchmarks/run_gpu.sh JUDGMENTS.npz OUT_DIR
set -uo pipefail
NPZ=$(realpath "$1"); OUT_DIR=$(realpath "$2"); PY=${PY:-python3}
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT_DIR/gpu.txt"
$PY bench_flops.py --sizes vit-b vit-l --dtype bf16 --sdpa --batch 4 --steps 3 --warmup 2 \
    --json "$OUT_DIR/bench_flops_h100.json"
$PY bench_flops.py --sizes vit-b --dtype bf16 --sdpa --compile --batch 4 --steps 3 --warmup 2 \
    --json "$OUT_DIR/bench_flops_h100_compile.json"
$PY bench_training.py --backbone vit-b --synthetic-pixels --bf16 --judgments "$NPZ" --paper-steps 24 \
    --paper-eval 12 --epochs 2 --max-memory 8GB --loader-steps 3 --json "$OUT_DIR/bench_training_h100.json"
