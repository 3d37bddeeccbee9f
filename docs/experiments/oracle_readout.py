"""The most a frozen encoder's pooled features could give with privileged labels: a ridge readout of the social
coordinates trained on 3,000 labelled corpus clips, scored on the probe clips (coordinate R²) and, as an
embedding, on the benchmark's test clips (the demo's R², similarity = minus squared Euclidean distance).

Compare with `required_feature_quality.log`: isotropic errors at the same coordinate R² would give a far higher
test R² than a shrunken, structured readout does.

Usage: python docs/experiments/oracle_readout.py ENCODER.safetensors SEED
(the log beside it: ``docs/experiments/cnn_foreground_mae.safetensors 0``; the encoder is a `Conv3dNet`).
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from _benchmark import report, squared_distance_similarity, test_clips  # docs/experiments/_benchmark.py
from safetensors.torch import load_file
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bgs_hf.pretrain.capacity import Conv3dNet, render_labelled
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import to_pixel_values


def main(weights: str, seed: int) -> None:
    torch.set_num_threads(2)
    net = Conv3dNet()
    net.load_state_dict(load_file(weights))
    net.eval()

    @torch.no_grad()
    def features(clips: np.ndarray) -> np.ndarray:
        return np.concatenate([net(to_pixel_values(clips[i : i + 100])).numpy() for i in range(0, len(clips), 100)])

    arch = TinyVideoMAEArch()
    corpus, coords = render_labelled(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 3000), arch, "render corpus")
    probe, probe_coords = render_labelled(range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + 400), arch, "render probe")
    readout = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 4, 11))).fit(features(corpus), coords)
    print(f"probe coordinate R² (400 clips): {readout.score(features(probe), probe_coords):.3f}")  # noqa: T201

    test, clips = test_clips(seed)
    report("readout as embedding", squared_distance_similarity(readout.predict(features(clips))), test, seed)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
