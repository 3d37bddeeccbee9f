"""Does a masked-autoencoding 3-D CNN, pretrained on the unlabelled corpus, have FROZEN features that carry
SocialShapes' social content? (The candidate next default backbone; the log beside it: ``1600 0.6``.)

Usage: python docs/experiments/cnn_masked_autoencoder.py STEPS MASK_RATIO
SimMIM-style: 16-px tubes (all frames) are zeroed at the input, so convolutions cannot see masked pixels; a 1x1
Conv3d decoder predicts each masked token's per-patch-normalised pixels (4 frames x 8x8 px at 32-px resolution);
MSE on masked tokens only. Probes (5-fold ridge / logistic, `bgs_hf.pretrain.probe`) on 400 held-out probe clips
compare the pretrained encoder with a random-init one every 800 steps.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch import nn

from bgs_hf.pretrain.capacity import Conv3dNet, render_labelled
from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET, PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import sample_batch, to_pixel_values
from bgs_hf.pretrain.probe import cv_accuracy, cv_r2


def patch_targets(pv: torch.Tensor) -> torch.Tensor:
    """(B,16,3,64,64) -> (B,2,4,4, 4*8*8*3): per 16-px token and half-clip, 4 frames at 32 px, normalised."""
    x = nn.functional.avg_pool3d(pv.transpose(1, 2), (1, 2, 2))[:, :, ::2]  # B,3,8,32,32
    b = x.shape[0]
    x = x.reshape(b, 3, 2, 4, 4, 8, 4, 8).permute(0, 2, 4, 6, 3, 5, 7, 1).reshape(b, 2, 4, 4, -1)
    return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-6)


def main(steps: int, ratio: float) -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    arch = TinyVideoMAEArch()
    t0 = time.time()
    pool, _ = render_labelled(range(CORPUS_SEED_OFFSET, CORPUS_SEED_OFFSET + 3000), arch, "corpus")
    probe_x, probe_y = render_labelled(range(PROBE_SEED_OFFSET, PROBE_SEED_OFFSET + 400), arch, "probe")
    print("render", round(time.time() - t0))  # noqa: T201

    def probe(tag: str, model: nn.Module) -> None:
        model.eval()
        with torch.no_grad():
            f = np.concatenate([model(to_pixel_values(probe_x[i : i + 50])).numpy() for i in range(0, 400, 50)])
        model.train()
        f = f.astype(np.float64)
        interaction = np.argmax(probe_y[:, -8:], axis=1)  # the one-hot block of the social coordinates
        print(tag, "social space R2", cv_r2(f, probe_y), "interaction acc", cv_accuracy(f, interaction))  # noqa: T201

    model = Conv3dNet()
    encoder = model.net[:-2]  # without the pool: (B,192,2,4,4)
    decoder = nn.Conv3d(192, 4 * 8 * 8 * 3, 1)
    opt = torch.optim.AdamW([*model.parameters(), *decoder.parameters()], lr=1e-3, weight_decay=0.05)
    probe("random-init CNN", Conv3dNet())
    rng = np.random.default_rng(0)
    for step in range(steps):
        pv = to_pixel_values(sample_batch(pool, 32, rng))
        mask = torch.from_numpy(rng.random((32, 4, 4)) < ratio)
        pixel_mask = mask.repeat_interleave(16, -1).repeat_interleave(16, -2)[:, None, None]  # B,1,1,64,64
        pred = decoder(encoder(pv.masked_fill(pixel_mask, 0.0).transpose(1, 2))).permute(0, 2, 3, 4, 1)
        token_mask = mask[:, None].expand(-1, 2, -1, -1)
        loss = ((pred - patch_targets(pv)) ** 2).mean(-1)[token_mask].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 200 == 0:
            print(step + 1, round(loss.item(), 4), round(time.time() - t0))  # noqa: T201
        if (step + 1) % 800 == 0:
            probe(f"masked-AE CNN step {step + 1}", model)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
