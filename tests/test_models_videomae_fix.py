"""VideoMAE q/k/v LoRA: dead when attention reads the weights functionally (older transformers); our
patch makes it live, keeps the maths identical, and the liveness check catches the dead config."""

from __future__ import annotations

import copy
import re
import types

import numpy as np
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
    assert "such as the backbone's default" not in str(err.value)  # these are the defaults: naming them is no fix
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



def legacy_bias_forward(self, hidden_states, *args, **kwargs):
    """transformers 4.x VideoMAESelfAttention with ``qkv_bias``: bias-free q/k/v layers, the q and v biases kept as
    separate parameters ``q_bias``/``v_bias`` (k has none), all read functionally."""
    b, n, _ = hidden_states.shape
    hd = self.attention_head_size

    def lin(mod, bias):
        return nn.functional.linear(hidden_states, mod.weight, bias).view(b, n, -1, hd).transpose(1, 2)

    q, k, v = lin(self.query, self.q_bias), lin(self.key, None), lin(self.value, self.v_bias)
    probs = torch.softmax(q @ k.transpose(-1, -2) * hd**-0.5, dim=-1)
    return (probs @ v).transpose(1, 2).reshape(b, n, -1), None


def test_the_patch_adds_each_legacy_bias_to_its_own_projection(monkeypatch):
    """Older VideoMAE kept q/v biases as ``q_bias``/``v_bias`` parameters; the patched forward adds each to its own
    projection. Both biases were zero in every test (their init), so adding q's bias to v passed."""
    monkeypatch.setattr(vm.VideoMAESelfAttention, "forward", legacy_bias_forward)
    spec = get_backbone_spec("tiny-random-videomae")
    torch.manual_seed(0)
    legacy = transformers.VideoMAEModel(spec.config).eval()
    for attn in (m for m in legacy.modules() if isinstance(m, vm.VideoMAESelfAttention)):
        for name in ("query", "key", "value"):
            old = getattr(attn, name)
            new = nn.Linear(old.in_features, old.out_features, bias=False)
            new.weight.data.copy_(old.weight.data)
            setattr(attn, name, new)
        attn.q_bias = nn.Parameter(torch.randn(attn.query.out_features))
        attn.v_bias = nn.Parameter(torch.randn(attn.value.out_features))
    patched = copy.deepcopy(legacy)
    assert fix_videomae_qkv(patched) == spec.num_layers
    x = _clips(spec)
    with torch.no_grad():
        ref = legacy(pixel_values=x).last_hidden_state
        torch.testing.assert_close(patched(pixel_values=x).last_hidden_state, ref, atol=1e-5, rtol=1e-5)
        for attn in (m for m in legacy.modules() if isinstance(m, vm.VideoMAESelfAttention)):
            attn.v_bias.zero_()
        assert not torch.allclose(legacy(pixel_values=x).last_hidden_state, ref, atol=1e-3)  # the biases matter


def half_functional_forward(self, hidden_states, *args, **kwargs):
    """An attention that calls its ``query`` module but reads k/v weights functionally: LoRA on k/v is dead."""
    b, n, _ = hidden_states.shape
    hd = self.attention_head_size

    def heads(y):
        return y.view(b, n, -1, hd).transpose(1, 2)

    q = heads(self.query(hidden_states))
    k = heads(nn.functional.linear(hidden_states, self.key.weight, self.key.bias))
    v = heads(nn.functional.linear(hidden_states, self.value.weight, self.value.bias))
    probs = torch.softmax(q @ k.transpose(-1, -2) * hd**-0.5, dim=-1)
    return (probs @ v).transpose(1, 2).reshape(b, n, -1), None


def test_an_attention_that_calls_only_some_of_its_qkv_modules_is_patched(monkeypatch):
    """The probe asks for all three modules called: one that calls ``query`` alone left k/v LoRA dead unpatched."""
    monkeypatch.setattr(vm.VideoMAESelfAttention, "forward", half_functional_forward)
    model = build_embedder("tiny-random-videomae")
    spec = model.spec
    norms = assert_lora_live(model, _clips(spec))
    assert sum("attention.attention." in n for n in norms) == 3 * spec.num_layers


def test_the_patched_attention_keeps_the_checkpoints_attention_dropout_in_training(legacy_videomae):
    """The patched forward drops attention probabilities at the config's rate in train mode, and never in eval: a
    patch without dropout passed every test, whose tiny configs have attention dropout 0."""
    spec = get_backbone_spec("tiny-random-videomae")
    config = copy.deepcopy(spec.config)
    config.attention_probs_dropout_prob = 0.5
    torch.manual_seed(0)
    model = transformers.VideoMAEModel(config)
    assert fix_videomae_qkv(model) == spec.num_layers
    x = _clips(spec)
    with torch.no_grad():
        model.train()
        a, b = (model(pixel_values=x).last_hidden_state for _ in range(2))
        assert not torch.allclose(a, b)
        model.eval()
        torch.testing.assert_close(model(pixel_values=x).last_hidden_state, model(pixel_values=x).last_hidden_state)


def test_the_patched_attention_gives_its_weights_to_the_attention_analysis():
    """Eager attention (what the attention maps switch to) gets the patched block's weights, those of transformers' own
    forward on the same weights: the patched forward returned ``None``, and every VideoMAE model's attention maps were
    skipped as "the backbone does not expose attention weights" wherever the patch applies."""
    from bgs_hf.eval.attention import _forward_with_attentions, rollout_maps

    spec = get_backbone_spec("tiny-random-videomae")
    torch.manual_seed(0)
    native = BGSEmbedder(transformers.VideoMAEModel(spec.config), spec, HeadConfig()).eval()  # the installed forward
    patched = copy.deepcopy(native)
    for attn in (m for m in patched.modules() if isinstance(m, vm.VideoMAESelfAttention)):
        attn.forward = types.MethodType(legacy_functional_forward, attn)  # an older transformers' forward
    assert fix_videomae_qkv(patched) == spec.num_layers
    x = _clips(spec, 1)
    (ours, _), (theirs, _) = (_forward_with_attentions(m, x) for m in (patched, native))
    assert len(ours.attentions) == len(theirs.attentions) == spec.num_layers
    for a, b in zip(ours.attentions, theirs.attentions, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(rollout_maps(patched, x[0]), rollout_maps(native, x[0]), atol=1e-5)
    with torch.no_grad():  # outside the analysis: SDPA, the same embeddings
        torch.testing.assert_close(patched(x), native(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_the_qkv_probe_runs_in_the_models_precision_and_leaves_no_hook_behind(legacy_videomae, dtype):
    """The probe feeds zeros of the block's own dtype (float32 zeros failed in a bf16 checkpoint's first projection)
    and removes the hooks it used to see the calls (left behind, each q/k/v call of every forward ran them)."""
    spec = get_backbone_spec("tiny-random-videomae")
    model = transformers.VideoMAEModel(spec.config).to(dtype)
    assert fix_videomae_qkv(model) == spec.num_layers
    for attn in (m for m in model.modules() if isinstance(m, vm.VideoMAESelfAttention)):
        assert not any(getattr(attn, n)._forward_hooks for n in ("query", "key", "value"))
