"""How much of the observers' social space must an embedding recover before its test R² reaches half the noise
ceiling on a SocialShapes benchmark?

Each benchmark stores the generative truth: every clip's coordinates in the simulated observers' social space
(``ground_truth.parquet``, ``social_z*``), the space their odd-one-out choices were simulated from. We add
isotropic Gaussian noise sized so that the noisy coordinates explain a chosen share of the coordinates'
variance ("coordinate R²"), embed the clips at those points, and score the test split exactly as the demo
does (signed Spearman² over observed pairs, similarity = minus squared Euclidean distance). 20 noise draws per
level. This turns issue 5's acceptance bar (BGS at >= 50% of the ceiling) into a bar on the features.

Usage: python docs/experiments/required_feature_quality.py SEED [SEED ...]
(the log beside it: ``0 1 2``).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from bgs_hf.data import load
from bgs_hf.eval.fit import SplitHumans
from bgs_hf.metrics.rsa import r2 as rsa_r2
from bgs_hf.quickstart import ensure_socialshapes

LEVELS = (1.0, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
DRAWS = 20


def main(seeds: list[int]) -> None:
    for seed in seeds:
        root = ensure_socialshapes(seed, 250)
        truth = pd.read_parquet(root / "ground_truth.parquet")
        data = load(root, seed=seed)
        test = SplitHumans.build(data, "test", seed=seed)
        row = {name: i for i, name in enumerate(truth["video_name"])}
        z = truth[[c for c in truth.columns if c.startswith("social_z")]].to_numpy()
        z = z[[row[c] for c in data.clips["clip_id"]]][test.items]
        total_var, rng = z.var(0).sum(), np.random.default_rng(seed)
        print(f"seed {seed}: test noise ceiling {test.ceiling_r2:.3f}")  # noqa: T201
        for q in LEVELS:
            scores = []
            for _ in range(1 if q == 1.0 else DRAWS):
                noisy = z + rng.normal(size=z.shape) * np.sqrt(total_var * (1 - q) / q / z.shape[1])
                sim = -((noisy[:, None] - noisy[None]) ** 2).sum(-1)
                scores.append(rsa_r2(sim, test.human, test.items))
            print(f"  coordinate R² {q:.1f}: test R² {np.mean(scores):.3f} (sd {np.std(scores):.3f}), "  # noqa: T201
                  f"{100 * np.mean(scores) / test.ceiling_r2:.0f}% of the ceiling")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0])
