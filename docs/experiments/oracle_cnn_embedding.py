"""An upper bound for this architecture and data size: the 3-D CNN trained WITH oracle labels (the capacity check's
protocol: 3,000 corpus clips, their social-space coordinates) and then used as the demo would use a backbone,
on each benchmark's (SEED ...) test clips: (a) its predicted coordinates as the embedding (similarity = minus
squared distance), (b) its pooled features (cosine). No self-supervised recipe followed by BGS on 160 clips
should be expected to beat what 3,000 clips with privileged labels give.

Usage: python docs/experiments/oracle_cnn_embedding.py STEPS SEED [SEED ...] [--save W.safetensors]
(the log beside it: ``1200 0 1 2``; ``--save`` keeps the encoder for `cnn_from_judgments.py`).
"""

from __future__ import annotations

import argparse

import torch
from _benchmark import report, squared_distance_similarity, test_clips  # docs/experiments/_benchmark.py
from safetensors.torch import save_file

from bgs_hf.metrics import cosine_similarity_matrix
from bgs_hf.pretrain.capacity import CapacityConfig, render_labelled, train_candidate
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import to_pixel_values


def main(steps: int, seeds: list[int], save: str | None = None) -> None:
    cfg = CapacityConfig(candidates=["conv3d"], steps=steps, eval_every=min(200, steps))
    torch.set_num_threads(cfg.num_threads)
    arch = TinyVideoMAEArch()
    train = render_labelled(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + cfg.train_clips), arch, "render corpus")
    probe = render_labelled(range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + cfg.probe_clips), arch, "render probe")
    kept: dict = {}
    capacity = train_candidate("conv3d", cfg, train, probe, keep=kept)
    print("held-out coordinate R² every", cfg.eval_every, "steps:",  # noqa: T201
          [c["held_out_r2"] for c in capacity["curve"]])

    if save:
        save_file(kept["model"].state_dict(), save)
    for seed in seeds:
        test, clips = test_clips(seed)
        with torch.no_grad():
            feats = kept["model"](to_pixel_values(clips))
            coords = kept["head"](feats).numpy() * kept["std"] + kept["mean"]
        report("predicted coordinates", squared_distance_similarity(coords), test, seed)
        report("pooled features (cosine)", cosine_similarity_matrix(feats.numpy()), test, seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("steps", type=int)
    parser.add_argument("seeds", type=int, nargs="*", default=[0])
    parser.add_argument("--save")
    args = parser.parse_args()
    main(args.steps, args.seeds, args.save)
