"""Does masked prediction of a *label-free foreground* put social content into frozen features?

The 3-D CNN of the capacity check (`bgs_hf.pretrain.capacity.Conv3dNet`) is pretrained SimMIM-style on the
3,000 unlabelled corpus clips: half the clips have their second half (frames 8-15) zeroed at the input, half
have 8 of their 16 spatial 16-px tubes zeroed; the target is the pooled foreground (4-px cells) of every
frame, from `bgs_hf.video.foreground` (camera-shake compensation + temporal-median background, no label).
Predicting where the agents will be, or where hidden agents are, needs their motion, which is what the social
content is made of. Checks, with the encoder frozen:

1. the capacity check's probe: 5-fold ridge R² of the social-space coordinates on the 400 probe clips, and
   logistic accuracy of the interaction type (chance 0.14);
2. the default benchmark (seed SEED): frozen cosine R² on the 50 test clips, and a linear projection head
   (192 -> 64) trained on the 160 training clips' judgments with the odd-one-out loss, chosen on the 40
   validation clips, scored on test: a cheap lower bound on what BGS fine-tuning could get from these features.

The magnitude target is now the library recipe of the bundled `bgs-tiny-conv3d` (`bgs_hf.pretrain.conv3d`,
whose `pooled_targets` and `hide` this script uses); the script remains for its checks and the agent-rgb variant.

Usage: python docs/experiments/cnn_foreground_mae.py STEPS LR SEED OUT.json [TARGET]
(TARGET: "magnitude", the default, or "agent-rgb"; see TARGETS)
(the log beside it: ``1600 1e-3 0 docs/experiments/cnn_foreground_mae.json``; 15 min on 2 cores). The encoder's
weights go beside OUT.json as OUT.safetensors, for `cnn_from_judgments.py`.
"""

from __future__ import annotations

import json
import math
import sys
import time

import numpy as np
import torch
from _benchmark import decode_clips  # docs/experiments/_benchmark.py
from safetensors.torch import save_file
from torch import nn

from bgs_hf.data import load
from bgs_hf.eval.fit import SplitHumans, fit_from_embeddings
from bgs_hf.losses import OddOneOutLoss
from bgs_hf.metrics import cosine_similarity_matrix
from bgs_hf.metrics.rsa import r2 as rsa_r2
from bgs_hf.pretrain.capacity import Conv3dNet, render_labelled
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig, hide, pooled_targets
from bgs_hf.pretrain.corpus import to_pixel_values
from bgs_hf.pretrain.probe import cv_accuracy, cv_r2
from bgs_hf.quickstart import ensure_socialshapes
from bgs_hf.video.foreground import foreground

BATCH = 32
#: Target variants: (cell size in px, builder of a float (B,16,64,64,C) target from frames and foreground).
TARGETS = {
    # mean foreground magnitude in 4-px cells (the logged run)
    "magnitude": (4, lambda frames, fg: fg[..., None].astype(np.float32) / 255),
    # the frame's colours where the foreground exceeds 25/255, in 2-px cells: which agent is where, and its
    # eye dot (facing), which a 4-px magnitude blurs away
    "agent-rgb": (2, lambda frames, fg: frames.astype(np.float32) / 255 * (fg[..., None] > 25)),
}


@torch.no_grad()
def features(net: Conv3dNet, clips: np.ndarray) -> np.ndarray:
    net.eval()
    out = np.concatenate([net(to_pixel_values(clips[i : i + 50])).numpy() for i in range(0, len(clips), 50)])
    net.train()
    return out.astype(np.float64)


def head_on_judgments(emb: np.ndarray, data: object, train: SplitHumans, val: SplitHumans) -> np.ndarray:
    """A linear projection trained on the training triplets (all clips' embeddings fixed), best val epoch kept."""
    mu, sd = emb[train.items].mean(0), emb[train.items].std(0) + 1e-6
    x = torch.from_numpy(((emb - mu) / sd).astype(np.float32))
    idx, odd = torch.from_numpy(train.trip.idx), torch.from_numpy(train.trip.odd.astype(np.int64))
    loss_fn, best, best_z = OddOneOutLoss(0.1), -np.inf, None
    for wd in (1e-3, 1e-2, 1e-1):
        torch.manual_seed(0)
        head = nn.Linear(x.shape[1], 64)
        opt = torch.optim.Adam(head.parameters(), lr=3e-3, weight_decay=wd)
        for epoch in range(300):
            loss = loss_fn(nn.functional.normalize(head(x), dim=-1), idx, odd)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if epoch % 20 == 19:
                with torch.no_grad():
                    z = nn.functional.normalize(head(x), dim=-1).numpy()
                score = rsa_r2(cosine_similarity_matrix(z[val.items]), val.human, val.items)
                if score > best:
                    best, best_z = score, z
    return best_z


def main(steps: int, lr: float, seed: int, out: str, target: str = "magnitude") -> None:
    cell, make_target = TARGETS[target]
    torch.set_num_threads(2)
    arch, rng = TinyVideoMAEArch(), np.random.default_rng(0)
    log = {"steps": steps, "lr": lr, "seed": seed, "target": target}
    corpus, _ = render_labelled(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 3000), arch, "render corpus")
    probe_x, probe_y = render_labelled(range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + 400), arch, "render probe")
    t0 = time.time()
    fg = foreground(corpus)
    log["foreground_s"] = round(time.time() - t0, 1)

    data = load(ensure_socialshapes(seed, 250), seed=seed)
    bench = decode_clips(data, np.arange(data.n_clips))
    train, val = (SplitHumans.build(data, s, seed=seed, ceiling=False) for s in ("train", "val"))
    test = SplitHumans.build(data, "test", seed=seed)
    log["ceiling"] = round(test.ceiling_r2, 4)

    torch.manual_seed(0)
    net = Conv3dNet()
    cnn, hiding = Conv3dArch(), Conv3dPretrainConfig()
    scale = float(pooled_targets(make_target(corpus[:200], fg[:200]), cnn, cell).std())
    trunk, head = net.net[:-2], nn.Conv3d(net.dim, pooled_targets(make_target(corpus[:1], fg[:1]), cnn, cell).shape[1], 1)
    params = [*net.parameters(), *head.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.05)

    def check(step: int) -> None:
        f = features(net, probe_x)
        e = features(net, bench)
        fit = fit_from_embeddings(e[test.items], data, test, n_boot=200)
        fit_head = fit_from_embeddings(head_on_judgments(e, data, train, val)[test.items], data, test, n_boot=200)
        row = {"step": step, "probe_social_r2": round(cv_r2(f, probe_y)[0], 4),
               "probe_interaction_acc": round(cv_accuracy(f, probe_y[:, -8:].argmax(1))[0], 4),
               "bench_frozen_r2": round(fit["r2"], 4), "bench_frozen_3way": round(fit["ooo_acc_3way"], 4),
               "bench_head_r2": round(fit_head["r2"], 4), "bench_head_r2_ci": [round(c, 4) for c in fit_head["r2_ci"]],
               "bench_head_3way": round(fit_head["ooo_acc_3way"], 4)}
        log.setdefault("checks", []).append(row)
        print(json.dumps(row), flush=True)  # noqa: T201

    check(0)
    t0, losses = time.time(), []
    for step in range(steps):
        warm = min(1.0, (step + 1) / 50)
        cos = 0.5 * (1 + math.cos(math.pi * max(0, step - 50) / max(1, steps - 50)))
        for group in opt.param_groups:
            group["lr"] = lr * warm if step < 50 else 1e-5 + (lr - 1e-5) * cos
        idx = rng.integers(0, len(corpus), BATCH)
        x, f = corpus[idx].copy(), fg[idx].copy()
        for flip, axis in ((rng.random(BATCH) < 0.5, 3), (rng.random(BATCH) < 0.5, 2)):
            x[flip], f[flip] = np.flip(x[flip], axis), np.flip(f[flip], axis)
        pred = head(trunk((to_pixel_values(x) * hide(BATCH, cnn, hiding, rng)).transpose(1, 2)))
        loss = nn.functional.mse_loss(pred, pooled_targets(make_target(x, f), cnn, cell) / scale)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 100 == 0:
            print(f"step {step + 1} loss {np.mean(losses[-100:]):.4f} {time.time() - t0:.0f}s", flush=True)  # noqa: T201
        if (step + 1) in (steps // 4, steps // 2, steps):
            check(step + 1)
    log["train_s"] = round(time.time() - t0, 1)
    log["loss_every_100"] = [round(float(np.mean(losses[i : i + 100])), 4) for i in range(0, steps, 100)]
    with open(out, "w") as fh:
        json.dump(log, fh, indent=1)
    save_file(net.state_dict(), out.replace(".json", ".safetensors"))  # not committed: reproduce it


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], *sys.argv[5:6])
