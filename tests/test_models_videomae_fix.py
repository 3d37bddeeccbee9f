"""VideoMAE q/k/v LoRA: dead when attention reads the weights functionally (older transformers); our
patch makes it live, keeps the maths identical, and the liveness check catches the dead config."""

from __future__ import annotations

import re

import pytest
import torch
import transformers
from torch import nn
from transformers.models.videomae import modeling_videomae as vm

from bgs_hf.models import (
    BGSEmbedder,
    BGSPeftModel,
    DeadLoraError,
    HeadConfig,
    LoraSettings,
    assert_lora_live,
    build_embedder,
    get_backbone_spec,
)
from bgs_hf.models.patches import fix_videomae_qkv

torch.set_num_threads(1)


def legacy_functional_forward(self, hidden_states, *args, **kwargs):
    """transformers 4.x VideoMAESelfAttention: q/k/v via F.linear on ``.weight`` (modules never called)."""
    b, n, _ = hidden_states.shape
    hd = self.attention_head_size

    def lin(mod):
        y = nn.functional.linear(hidden_states, mod.weight, mod.bias)
        return y.view(b, n, -1, hd).transpose(1, 2)

    q, k, v = lin(self.query), lin(self.key), lin(self.value)
    probs = torch.softmax(q @ k.transpose(-1, -2) * hd**-0.5, dim=-1)
    return (probs @ v).transpose(1, 2).reshape(b, n, -1), None


@pytest.fixture
def legacy_videomae(monkeypatch):
    monkeypatch.setattr(vm.VideoMAESelfAttention, "forward", legacy_functional_forward)


def _clips(spec, n=2):
    return torch.randn(n, spec.num_frames, 3, spec.image_size, spec.image_size, generator=torch.Generator().manual_seed(1))


def test_plain_qkv_lora_is_dead_on_functional_attention_and_check_names_it(legacy_videomae):
    spec = get_backbone_spec("tiny-random-videomae")
    torch.manual_seed(0)
    backbone = transformers.VideoMAEModel(spec.config)  # no bgs patch: what a naive peft user gets
    model = BGSPeftModel(BGSEmbedder(backbone, spec, HeadConfig()),
                         LoraSettings().to_peft_config(spec, with_head=True))
    with pytest.raises(DeadLoraError) as err:
        assert_lora_live(model, _clips(spec))
    dead = err.value.dead
    assert len(dead) == 3 * spec.num_layers
    assert all(re.search(r"attention\.attention\.(query|key|value)$", n) for n in dead)


def test_patch_makes_qkv_live_and_preserves_outputs(legacy_videomae):
    spec = get_backbone_spec("tiny-random-videomae")
    x = _clips(spec)
    torch.manual_seed(0)
    legacy = transformers.VideoMAEModel(spec.config).eval()
    patched = transformers.VideoMAEModel(spec.config).eval()
    patched.load_state_dict(legacy.state_dict())
    assert fix_videomae_qkv(patched) == spec.num_layers
    with torch.no_grad():
        assert torch.allclose(legacy(pixel_values=x).last_hidden_state, patched(pixel_values=x).last_hidden_state,
                              atol=1e-5)
    model = build_embedder("tiny-random-videomae")  # applies the patch itself
    norms = assert_lora_live(model, x)
    assert sum("attention.attention." in n for n in norms) == 3 * spec.num_layers


def test_installed_transformers_needs_no_patch_or_gets_one():
    """Whatever this transformers does, after build_embedder every q/k/v LoRA is live."""
    model = build_embedder("tiny-random-videomae")
    spec = model.spec
    assert fix_videomae_qkv(model) == 0  # already module-calling (natively or patched)
    norms = assert_lora_live(model, _clips(spec))
    assert len(norms) == 6 * spec.num_layers

