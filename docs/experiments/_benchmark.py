"""What the experiment scripts share: a SocialShapes benchmark's test clips as the demo's frame policy decodes
them (16 frames, 64 px), and the demo's score of a similarity over them."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from bgs_hf.baselines.common import clip_column
from bgs_hf.data import load
from bgs_hf.eval.fit import SplitHumans
from bgs_hf.metrics import behavioural_fit
from bgs_hf.quickstart import ensure_socialshapes
from bgs_hf.video.decode import decode_frames


def decode_clips(data: Any, items: np.ndarray) -> np.ndarray:
    """The given clips, uint8 (N,16,64,64,3) in ``items`` order (the decoder the demo's clip cache uses)."""
    return np.stack([decode_frames(v, 16, size=64) for v in clip_column(data, "video", items)])


def test_clips(seed: int) -> tuple[SplitHumans, np.ndarray]:
    """The seed's test split (humans, ceiling) and its clips in ``test.items`` order."""
    data = load(ensure_socialshapes(seed, 250), seed=seed)
    test = SplitHumans.build(data, "test", seed=seed)
    return test, decode_clips(data, test.items)


def squared_distance_similarity(points: np.ndarray) -> np.ndarray:
    """Minus squared Euclidean distance: the similarity of clips placed at ``points`` in a space."""
    return -((points[:, None] - points[None]) ** 2).sum(-1)


def report(name: str, sim: np.ndarray, test: SplitHumans, seed: int) -> dict[str, Any]:
    """Score ``sim`` (rows = ``test.items``) as the demo does, print one line, return the fit."""
    fit = behavioural_fit(sim, test.human, test.trip.idx, test.trip.odd, test.items, test.ceiling_r2,
                          n_boot=1000, seed=seed)
    print(f"benchmark seed {seed}, {name}: test R² {fit['r2']:.3f} "  # noqa: T201
          f"[{fit['r2_ci'][0]:.3f}, {fit['r2_ci'][1]:.3f}] = {fit['pct_of_ceiling']:.0f}% of the ceiling "
          f"{test.ceiling_r2:.3f}; 3-way {fit['ooo_acc_3way']:.3f}")
    return fit


def training_triplets(data: Any) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """The training clips and their triplets re-indexed into them: (train_items, triplets (M,3), odd (M,))."""
    train_items = np.asarray(data.split_items("train"))
    trip = data.triplets("train")
    local = -np.ones(data.n_clips, dtype=np.int64)
    local[train_items] = np.arange(len(train_items))
    return train_items, torch.from_numpy(local[trip.idx]), torch.from_numpy(trip.odd.astype(np.int64))


def judgment_step(embed: Any, clips: torch.Tensor, triplets: torch.Tensor, odd: torch.Tensor, loss_fn: Any,
                  opt: torch.optim.Optimizer, rng: np.random.Generator) -> torch.Tensor:
    """One fine-tuning step on the judgments: embed every training clip (random horizontal flips, chunks of 50)
    and score 4,096 random training triplets with ``loss_fn``."""
    batch = clips.clone()
    flip = torch.from_numpy(rng.random(len(batch)) < 0.5)
    batch[flip] = batch[flip].flip(-1)
    emb = torch.cat([embed(batch[i : i + 50]) for i in range(0, len(batch), 50)])
    sel = rng.choice(len(triplets), 4096, replace=False)
    loss = loss_fn(emb, triplets[sel], odd[sel])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss
