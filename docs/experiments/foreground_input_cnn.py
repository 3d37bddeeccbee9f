"""Does handing the CNN the label-free foreground as a fourth input channel help (a two-stream-style input)?

The label-free foreground of `bgs_hf.video.foreground` (camera-shake compensation + temporal-median
background) is used here as an *input* channel beside the RGB frames (scaled x4 so its typical values are
O(1)), instead of only as a pretraining target. Two questions, same CNN shape as the capacity check (four
Conv3d+BN+ReLU blocks, widths 32-64-128-128, temporal strides 1-2-2-2, global average pool):

``oracle VARIANT STEPS [SEED ...]``: the capacity check's protocol (3,000 corpus clips WITH their oracle
    social-space coordinates, batch 32, AdamW lr 1e-3, 50 warm-up steps, flips; held-out R² on the 400
    probe clips every 100 steps), then the final network scored on each benchmark seed's test clips as the
    demo scores a backbone: its predicted coordinates (minus squared distance), its pooled features
    (cosine), and its frozen pooled features through a linear head trained on the seed's training
    judgments (what BGS's head alone could make of them). An upper bound for the architecture, not a recipe.
``ssl VARIANT STEPS FUTURE_SHARE``: the bundled recipe's masked foreground prediction (`hide`,
    `pooled_targets` of `bgs_hf.pretrain.conv3d`) with the foreground also in the input, the loss on hidden
    cells only (the visible ones could be copied), cosine learning-rate decay; FUTURE_SHARE of the clips hide
    frames 8-15, the rest 8 of 16 spatial tubes. Probe: 5-fold ridge R² of the social-space coordinates from
    the frozen pooled features of the 400 probe clips, every 400 steps.

``simclr fg STEPS TEMPERATURE [SEED ...]``: contrastive learning (SimCLR, NT-Xent, MLP projector) on the
    foreground stream alone, two views per clip that differ only in ways the social content does not (flip,
    90-degree rotation, shift, gain); probe every 200 steps, then each benchmark seed's frozen pooled features
    (cosine) and the same features through a linear head trained on the seed's training judgments.

VARIANT: ``rgb+fg`` or ``fg`` (foreground only). The logs beside this file: ``oracle rgb+fg 600 0 1 2``,
``oracle fg 600 0 1 2``, ``ssl rgb+fg 1600 0.5`` (stopped after step 800), ``ssl rgb+fg 800 1.0``, ``simclr fg 600 0.1 0 1 2`` (then again with ``--finetune 60``, which also
fine-tunes the same network from its random initialisation as a control). About 4 min
of rendering and foreground, then 0.6-0.7 s per step on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from _benchmark import (  # docs/experiments/_benchmark.py
    decode_clips,
    judgment_step,
    report,
    squared_distance_similarity,
    test_clips,
    training_triplets,
)
from cnn_foreground_mae import head_on_judgments  # docs/experiments/cnn_foreground_mae.py
from torch import nn

from bgs_hf.data import load
from bgs_hf.eval.fit import SplitHumans
from bgs_hf.losses import OddOneOutLoss
from bgs_hf.metrics import cosine_similarity_matrix
from bgs_hf.metrics.rsa import r2 as rsa_r2
from bgs_hf.pretrain.capacity import _conv_block, render_labelled, variance_weighted_r2
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.conv3d import Conv3dArch, Conv3dPretrainConfig, hide, pooled_targets
from bgs_hf.pretrain.corpus import to_pixel_values
from bgs_hf.pretrain.probe import cv_r2
from bgs_hf.quickstart import ensure_socialshapes
from bgs_hf.video.foreground import foreground

WIDTHS = (32, 64, 128, 128)
FOREGROUND_GAIN = 4.0


def inputs(variant: str, clips: np.ndarray, fg: np.ndarray) -> torch.Tensor:
    """(B,T,H,W,3) uint8 clips and (B,T,H,W) uint8 foreground -> (B, C, T, H, W) network input."""
    parts = []
    if "rgb" in variant:
        parts.append(to_pixel_values(clips))
    if "fg" in variant:
        parts.append(torch.as_tensor(np.ascontiguousarray(fg)).float().div(255.0).mul(FOREGROUND_GAIN)[:, :, None])
    return torch.cat(parts, 2).transpose(1, 2)


def trunk(variant: str) -> nn.Sequential:
    chans = [3 * ("rgb" in variant) + ("fg" in variant), *WIDTHS]
    blocks = [_conv_block(chans[i], chans[i + 1], (3, 3, 3), (s, 2, 2)) for i, s in enumerate((1, 2, 2, 2))]
    return nn.Sequential(*[m for block in blocks for m in block])


def labelled(name: str, offset: int, n: int) -> dict[str, np.ndarray]:
    x, y = render_labelled(range(offset, offset + n), TinyVideoMAEArch(), f"render {name}")
    return {"x": x, "y": y, "f": foreground(x, progress=False)}


def oracle(variant: str, steps: int, seeds: list[int], train: dict, probe: dict) -> None:
    torch.manual_seed(0)
    net = nn.Sequential(*trunk(variant), nn.AdaptiveAvgPool3d(1), nn.Flatten())
    head = nn.Linear(WIDTHS[-1], train["y"].shape[1])
    mu, sd = train["y"].mean(0), train["y"].std(0) + 1e-6
    y_std = torch.from_numpy((train["y"] - mu) / sd)
    params = [*net.parameters(), *head.parameters()]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
    rng = np.random.default_rng(0)

    @torch.no_grad()
    def held_out() -> float:
        net.eval()
        pred = np.concatenate([head(net(inputs(variant, probe["x"][i : i + 64], probe["f"][i : i + 64]))).numpy()
                               for i in range(0, len(probe["x"]), 64)])
        net.train()
        return variance_weighted_r2(pred * sd + mu, probe["y"])

    t0 = time.perf_counter()
    for step in range(steps):
        idx = rng.integers(0, len(train["x"]), 32)
        xb, fb = train["x"][idx].copy(), train["f"][idx].copy()
        flip = rng.random(32) < 0.5
        xb[flip], fb[flip] = xb[flip][:, :, :, ::-1], fb[flip][:, :, :, ::-1]
        loss = nn.functional.mse_loss(head(net(inputs(variant, xb, fb))), y_std[idx])
        for group in opt.param_groups:
            group["lr"] = 1e-3 * min(1.0, (step + 1) / 50)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 100 == 0:
            print(variant, step + 1, round(loss.item(), 3), round(held_out(), 3),  # noqa: T201
                  round(time.perf_counter() - t0), flush=True)
    net.eval()
    for seed in seeds:
        test, clips = test_clips(seed)
        with torch.no_grad():
            feats = net(inputs(variant, clips, foreground(clips, progress=False)))
            coords = head(feats).numpy() * sd + mu
        report(f"{variant} oracle, predicted coordinates", squared_distance_similarity(coords), test, seed)
        report(f"{variant} oracle, pooled features (cosine)", cosine_similarity_matrix(feats.numpy()), test, seed)
        # what the judgments alone make of these frozen features: a linear head on the 160 training clips'
        # triplets, its epoch chosen on the 40 validation clips (cnn_foreground_mae.py's check)
        data = load(ensure_socialshapes(seed, 250), seed=seed)
        every = decode_clips(data, np.arange(data.n_clips))
        with torch.no_grad():
            emb = net(inputs(variant, every, foreground(every, progress=False))).numpy().astype(np.float64)
        train_split, val_split = (SplitHumans.build(data, s, seed=seed, ceiling=False) for s in ("train", "val"))
        z = head_on_judgments(emb, data, train_split, val_split)
        report(f"{variant} oracle, frozen + linear head on the judgments", cosine_similarity_matrix(z[test.items]),
               test, seed)


def ssl(variant: str, steps: int, future_share: float, train: dict, probe: dict) -> None:
    torch.manual_seed(0)
    body = trunk(variant)
    arch, cfg = Conv3dArch(), Conv3dPretrainConfig(future_share=future_share)

    def target(fg: np.ndarray) -> torch.Tensor:
        return pooled_targets(fg[..., None].astype(np.float32) / 255, arch, cfg.cell)

    scale = float(target(train["f"][:200]).std())
    head = nn.Conv3d(WIDTHS[-1], target(train["f"][:1]).shape[1], 1)
    opt = torch.optim.AdamW([*body.parameters(), *head.parameters()], lr=1e-3, weight_decay=0.05)
    rng = np.random.default_rng(0)

    @torch.no_grad()
    def probe_r2() -> float:
        body.eval()
        feats = np.concatenate([body(inputs(variant, probe["x"][i : i + 64], probe["f"][i : i + 64]))
                                .mean((2, 3, 4)).numpy() for i in range(0, len(probe["x"]), 64)])
        body.train()
        return cv_r2(feats.astype(np.float64), probe["y"])[0]

    print("init probe", round(probe_r2(), 3), flush=True)  # noqa: T201
    t0 = time.perf_counter()
    for step in range(steps):
        idx = rng.integers(0, len(train["x"]), 32)
        x, f = train["x"][idx].copy(), train["f"][idx].copy()
        for flip, axis in ((rng.random(32) < 0.5, 3), (rng.random(32) < 0.5, 2)):
            x[flip], f[flip] = np.flip(x[flip], axis), np.flip(f[flip], axis)
        keep = hide(32, arch, cfg, rng)  # (B, T, 1, H, W), 1 = visible
        pred = head(body(inputs(variant, x, f) * keep.transpose(1, 2)))
        hidden = pooled_targets((1 - keep[:, :, 0]).numpy()[..., None], arch, cfg.cell)  # hidden share per cell
        loss = ((pred - target(f) / scale) ** 2 * hidden).sum() / hidden.sum().clamp_min(1)
        lr = 1e-3 * min(1.0, (step + 1) / 50) * 0.5 * (1 + np.cos(np.pi * step / steps))
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 400 == 0 or step + 1 == steps:
            print(variant, future_share, step + 1, round(loss.item(), 4), "probe", round(probe_r2(), 3),  # noqa: T201
                  round(time.perf_counter() - t0), flush=True)


def finetune_on_judgments(net: nn.Module, fg: np.ndarray, data: object, test: SplitHumans, val: SplitHumans,
                          steps: int, seed: int, name: str, lr: float = 3e-4) -> None:
    """All weights plus a fresh 128-d head trained with the odd-one-out loss on the seed's 160 training clips
    (cnn_from_judgments.py's protocol: every step embeds them all, with random flips, and scores 4,096 random
    training triplets); every 10 steps validation R² and test R² / 3-way. Read test at the best validation step."""
    net = copy.deepcopy(net).train()
    head = nn.Linear(WIDTHS[-1], 128)
    opt = torch.optim.AdamW([*net.parameters(), *head.parameters()], lr=lr, weight_decay=0.05)
    loss_fn, rng = OddOneOutLoss(0.1), np.random.default_rng(0)
    x = inputs("fg", np.empty(0), fg)
    train_items, triplets, odd = training_triplets(data)

    def embed(batch: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(head(net(batch)), dim=-1)

    best = (-np.inf, 0, None)
    for step in range(steps + 1):
        if step % 10 == 0:
            net.eval()
            with torch.no_grad():
                sim = cosine_similarity_matrix(torch.cat([embed(x[i : i + 50]) for i in range(0, len(x), 50)]).numpy())
            net.train()
            val_r2 = rsa_r2(sim[np.ix_(val.items, val.items)], val.human, val.items)
            print(f"seed {seed} {name} fine-tune step {step}: val R² {val_r2:.3f}", flush=True)  # noqa: T201
            if val_r2 > best[0]:
                best = (val_r2, step, sim[np.ix_(test.items, test.items)])
        if step == steps:
            break
        judgment_step(embed, x[train_items], triplets, odd, loss_fn, opt, rng)
    report(f"{name}, fully fine-tuned on the judgments (best val step {best[1]})", best[2], test, seed)


def simclr(steps: int, temperature: float, seeds: list[int], train: dict, probe: dict,
           finetune: int = 0) -> None:
    """SimCLR on the foreground stream alone: two views of a clip differ by a horizontal flip, a 90-degree
    rotation, a shift of up to 8 px and a gain in [0.6, 1.4]; time is left alone. The social content is
    invariant to all four, the absolute positions and the agents' contrast with the background are not."""
    rng = np.random.default_rng(0)

    def stream(fg: np.ndarray) -> torch.Tensor:
        return inputs("fg", np.empty(0), fg)

    def view(fg: np.ndarray) -> torch.Tensor:
        x = stream(fg)
        out = torch.zeros_like(x)
        for b in range(len(x)):
            v = x[b].flip(-1) if rng.random() < 0.5 else x[b]
            v = torch.rot90(v, int(rng.integers(4)), dims=(-2, -1))
            dy, dx = rng.integers(-8, 9, 2)
            out[b] = torch.roll(v, (int(dy), int(dx)), dims=(-2, -1)) * float(rng.uniform(0.6, 1.4))
        return out

    torch.manual_seed(0)
    net = nn.Sequential(*trunk("fg"), nn.AdaptiveAvgPool3d(1), nn.Flatten())
    untrained = copy.deepcopy(net)  # the fine-tuning control: same initialisation, no pretraining
    projector = nn.Sequential(nn.Linear(WIDTHS[-1], 128), nn.ReLU(), nn.Linear(128, 64))
    opt = torch.optim.AdamW([*net.parameters(), *projector.parameters()], lr=1e-3, weight_decay=0.05)

    @torch.no_grad()
    def embed(fg: np.ndarray) -> np.ndarray:
        net.eval()
        out = np.concatenate([net(stream(fg[i : i + 64])).numpy() for i in range(0, len(fg), 64)])
        net.train()
        return out.astype(np.float64)

    print("init probe", round(cv_r2(embed(probe["f"]), probe["y"])[0], 3), flush=True)  # noqa: T201
    pairs = torch.cat([torch.arange(32, 64), torch.arange(0, 32)])  # view i's positive is view i +- 32
    t0 = time.perf_counter()
    for step in range(steps):
        fg = train["f"][rng.integers(0, len(train["f"]), 32)]
        z = nn.functional.normalize(projector(net(torch.cat([view(fg), view(fg)]))), dim=-1)
        logits = (z @ z.T / temperature).fill_diagonal_(-1e9)
        loss = nn.functional.cross_entropy(logits, pairs)
        for group in opt.param_groups:
            group["lr"] = 1e-3 * min(1.0, (step + 1) / 50) * 0.5 * (1 + np.cos(np.pi * step / steps))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 200 == 0:
            print("simclr", step + 1, round(loss.item(), 3), "probe", round(cv_r2(embed(probe["f"]), probe["y"])[0], 3),  # noqa: T201
                  round(time.perf_counter() - t0), flush=True)
    for seed in seeds:
        data = load(ensure_socialshapes(seed, 250), seed=seed)
        every = foreground(decode_clips(data, np.arange(data.n_clips)), progress=False)
        emb = embed(every)
        test = SplitHumans.build(data, "test", seed=seed)
        train_split, val_split = (SplitHumans.build(data, s, seed=seed, ceiling=False) for s in ("train", "val"))
        report("simclr fg, pooled features (cosine)", cosine_similarity_matrix(emb[test.items]), test, seed)
        z = head_on_judgments(emb, data, train_split, val_split)
        report("simclr fg, frozen + linear head on the judgments", cosine_similarity_matrix(z[test.items]), test, seed)
        if finetune:
            finetune_on_judgments(net, every, data, test, val_split, finetune, seed, "simclr fg")
            finetune_on_judgments(untrained, every, data, test, val_split, finetune, seed, "random-init fg")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["oracle", "ssl", "simclr"])
    p.add_argument("variant", choices=["rgb+fg", "fg"], help="simclr: always fg")
    p.add_argument("steps", type=int)
    p.add_argument("rest", nargs="*", type=float,
                   help="oracle: benchmark seeds; ssl: FUTURE_SHARE; simclr: TEMPERATURE then benchmark seeds")
    p.add_argument("--finetune", type=int, default=0, metavar="STEPS",
                   help="simclr: also fine-tune all weights on each seed's judgments for STEPS steps")
    args = p.parse_args()
    torch.set_num_threads(2)
    probe = labelled("probe", PROBE_SEED_OFFSET, 400)
    train = labelled("corpus", CORPUS_SEED_OFFSET, 3000)
    if args.mode == "oracle":
        oracle(args.variant, args.steps, [int(s) for s in args.rest], train, probe)
    elif args.mode == "simclr":
        simclr(args.steps, args.rest[0], [int(s) for s in args.rest[1:]], train, probe, args.finetune)
    else:
        ssl(args.variant, args.steps, args.rest[0] if args.rest else 0.5, train, probe)


if __name__ == "__main__":
    main()
