"""Tiny fixtures for the training tests: an odd-one-out dataset generated from a hidden geometry, clip
pixels that carry that geometry, and a small PEFT-wrapped embedder (fast stand-in for a video ViT)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

T, H = 2, 4  # frames, pixels per side


class TinyEmbedder(nn.Module):
    """(B, T, 3, H, W) -> mean over frames -> Linear -> ReLU -> head -> L2. ``proj`` gets LoRA."""

    def __init__(self, d_hidden: int = 32, d_out: int = 8, dropout: float = 0.1) -> None:
        super().__init__()
        self.proj = nn.Linear(3 * H * H, d_hidden)
        self.mid = nn.Linear(d_hidden, d_hidden)
        self.head = nn.Sequential(nn.Linear(d_hidden, d_out), nn.Dropout(dropout))

    def forward(self, pixel_values: torch.Tensor, **_: object) -> torch.Tensor:
        x = pixel_values.float().mean(1).flatten(1)
        x = torch.relu(self.mid(torch.relu(self.proj(x))))
        return nn.functional.normalize(self.head(x), dim=-1)


def tiny_peft_model(seed: int = 0, dropout: float = 0.1) -> nn.Module:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    base = TinyEmbedder(dropout=dropout)
    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["proj", "mid"], modules_to_save=["head"])
    model = get_peft_model(base, cfg)
    # lora_B starts at zero; give it a small value so LoRA A also gets gradients on the first step
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    return model


def tiny_data(n_clips: int = 30, n_judgments: int = 900, seed: int = 0, val: int = 6, test: int = 6):
    """An OddOneOutData whose judgments follow a hidden 2-d geometry, and matching clip pixels."""
    import datasets

    from bgs_hf.data import OddOneOutData

    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_clips, 2))
    idx = np.array([rng.choice(n_clips, 3, replace=False) for _ in range(n_judgments)])
    d = np.linalg.norm(latent[idx[:, [1, 0, 0]]] - latent[idx[:, [2, 2, 1]]], axis=-1)  # pair opposite each pos
    odd = np.argmin(d + rng.normal(0, 0.3, d.shape), axis=1)  # odd = clip whose opposite pair is closest
    clips = datasets.Dataset.from_dict({
        "clip_id": [f"c{i}.mp4" for i in range(n_clips)], "video": [None] * n_clips,
        "captions": [[] for _ in range(n_clips)], "stimulus_set": ["train"] * n_clips})
    judg = datasets.Dataset.from_dict({
        "clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2], "odd": odd.astype(np.int8),
        "participant": [f"p{i % 7}" for i in range(n_judgments)], "session": ["s"] * n_judgments,
        "trial": np.arange(n_judgments), "rt_s": np.ones(n_judgments), "is_catch": np.zeros(n_judgments, bool)})
    perm = rng.permutation(n_clips)
    splits = {"val": np.sort(perm[:val]), "test": np.sort(perm[val : val + test]), "train": np.sort(perm[val + test :])}
    data = OddOneOutData(clips=clips, judgments=judg, splits=splits, name="tiny")
    w = rng.normal(size=(2, 3 * H * H))
    pix = (latent @ w).reshape(n_clips, 1, 3, H, H).repeat(T, axis=1) + rng.normal(0, 0.1, (n_clips, T, 3, H, H))
    return data, torch.tensor(pix, dtype=torch.float32)
