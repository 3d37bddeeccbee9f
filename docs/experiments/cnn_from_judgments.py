"""Can a 3-D CNN that *can* learn SocialShapes' social content (capacity_check: held-out R² 0.3-0.4 from 3,000
labelled clips) learn it from scratch from the benchmark's training judgments alone, i.e. what BGS would have
to do on top of a backbone whose features carry no social content?

Usage: python docs/experiments/cnn_from_judgments.py SEED STEPS LR [INIT.safetensors]
(the log beside it: ``0 200 1e-3``, stopped by hand after step 120; it predates the validation column).
With INIT (a `Conv3dNet` state dict, e.g. the one `cnn_foreground_mae.py` writes) it fine-tunes that encoder
instead of starting from scratch: ``cnn_from_judgments_fg_init.log`` is
``0 150 3e-4 docs/experiments/cnn_foreground_mae.safetensors``, and ``cnn_from_judgments_oracle_init.log``
is ``0 60 3e-4 docs/experiments/oracle_cnn.safetensors`` (written by ``oracle_cnn_embedding.py 1200 0 --save
docs/experiments/oracle_cnn.safetensors``).
Each step embeds all 160 training clips (the 40 validation clips are carved out) with random flips and scores
4,096 random training triplets with the odd-one-out loss; every 10 steps it prints the loss, the validation R²
and the test (R², 3-way accuracy). Read the test numbers at the best validation step: picking the best test
step would be peeking.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from _benchmark import judgment_step, training_triplets  # docs/experiments/_benchmark.py
from safetensors.torch import load_file

from bgs_hf.baselines.common import clip_column
from bgs_hf.data import load
from bgs_hf.eval.fit import SplitHumans
from bgs_hf.losses import OddOneOutLoss
from bgs_hf.metrics import behavioural_fit
from bgs_hf.metrics.rsa import r2 as rsa_r2
from bgs_hf.pretrain.capacity import Conv3dNet
from bgs_hf.quickstart import ensure_socialshapes
from bgs_hf.video.cache import load_clips
from bgs_hf.video.policy import FramePolicy


def main(seed: int, steps: int, lr: float, init: str | None = None) -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    data = load(ensure_socialshapes(seed, 250), seed=seed)
    test = SplitHumans.build(data, "test", seed=seed)
    val = SplitHumans.build(data, "val", seed=seed, ceiling=False)
    policy = FramePolicy(num_frames=16, size=64, crop=64)
    clips = load_clips(clip_column(data, "video", np.arange(data.n_clips)), policy, progress=False)
    train_items, triplets, odd = training_triplets(data)
    print("train clips", len(train_items), "triplets", len(triplets), "ceiling", round(test.ceiling_r2, 3))  # noqa: T201

    net = Conv3dNet()
    if init:
        net.load_state_dict(load_file(init))
    head = torch.nn.Linear(net.dim, 128)
    opt = torch.optim.AdamW([*net.parameters(), *head.parameters()], lr=lr, weight_decay=0.05)
    loss_fn, rng = OddOneOutLoss(0.1), np.random.default_rng(0)

    def embed(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.normalize(head(net(x)), dim=-1)

    @torch.no_grad()
    def evaluate() -> tuple[float, float, float]:
        net.eval()
        emb = torch.cat([embed(clips[i : i + 50]) for i in range(0, len(clips), 50)])
        net.train()
        sim = (emb @ emb.T).numpy()
        fit = behavioural_fit(sim, test.human, test.trip.idx, test.trip.odd, test.items, test.ceiling_r2,
                              n_boot=100, seed=0)
        val_r2 = rsa_r2(sim[np.ix_(val.items, val.items)], val.human, val.items)
        return round(float(val_r2), 3), round(float(fit["r2"]), 3), round(float(fit["ooo_acc_3way"]), 3)

    print("init", evaluate())  # noqa: T201
    t0 = time.time()
    for step in range(steps):
        loss = judgment_step(embed, clips[train_items], triplets, odd, loss_fn, opt, rng)
        if (step + 1) % 10 == 0:
            print(step + 1, round(loss.item(), 4), "val r2, test r2/3way", evaluate(), round(time.time() - t0))  # noqa: T201


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
