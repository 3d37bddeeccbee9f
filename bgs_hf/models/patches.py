"""Family-specific fixes of transformers models: LoRA on VideoMAE's q/k/v live on every transformers version we
support, and TimeSformer's layers at an interpolated frame count.

Older VideoMAE self-attention (transformers 4.x and some 5.x releases) computes q/k/v with
``nn.functional.linear(x, self.query.weight, q_bias)``: the ``nn.Linear`` modules are never *called*,
so a peft LoRA wrapped around them is silently dead. We probe each VideoMAE attention block once; if
calling it does not call its ``query``/``key``/``value`` modules, we bind a forward that does (same
maths; SDPA, or eager attention with its weights when they are asked for) to that instance only. On versions
that already call the modules, nothing changes. ``tests/test_models_videomae_fix.py`` proves both paths.
"""

from __future__ import annotations

import copy
import logging
import types

import torch
from torch import nn

logger = logging.getLogger(__name__)


def _calls_qkv_modules(attn: nn.Module) -> bool:
    """Does ``attn.forward`` call its query/key/value modules? (forward hooks fire only on calls)"""
    fired: set[str] = set()
    hooks = [getattr(attn, n).register_forward_hook(lambda *_a, _n=n: fired.add(_n)) for n in ("query", "key", "value")]
    try:
        p = next(attn.parameters())
        with torch.no_grad():
            attn(torch.zeros(1, 2, attn.query.in_features, dtype=p.dtype, device=p.device))
    finally:
        for h in hooks:
            h.remove()
    return fired == {"query", "key", "value"}


def _bias(attn: nn.Module, name: str) -> torch.Tensor | None:
    """Legacy VideoMAE keeps q/v biases as separate parameters (``q_bias``/``v_bias``)."""
    return getattr(attn, name, None)


def videomae_module_calling_forward(self: nn.Module, hidden_states: torch.Tensor, *args, **kwargs):  # noqa: ANN201
    """VideoMAE self-attention that calls ``self.query/key/value`` (so LoRA wrappers run); its attention weights
    too when asked (:func:`_wants_attention_weights`)."""
    b, n, _ = hidden_states.shape
    heads = self.num_attention_heads
    hd = self.attention_head_size

    def proj(mod: nn.Module, bias_name: str) -> torch.Tensor:
        out = mod(hidden_states)
        extra = _bias(self, bias_name)
        if extra is not None:
            out = out + extra
        return out.view(b, n, heads, hd).transpose(1, 2)

    q, k, v = proj(self.query, "q_bias"), proj(self.key, "k_bias"), proj(self.value, "v_bias")
    p = getattr(self, "dropout_prob", 0.0) if self.training else 0.0
    probs = None
    if _wants_attention_weights(self, kwargs):
        probs = torch.softmax(q @ k.transpose(-1, -2) * hd**-0.5, dim=-1)
        probs = nn.functional.dropout(probs, p=p, training=self.training)
        ctx = probs @ v
    else:
        ctx = nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=p, scale=hd**-0.5)
    ctx = ctx.transpose(1, 2).reshape(b, n, heads * hd)
    return ctx, probs


def _wants_attention_weights(attn: nn.Module, kwargs: dict) -> bool:
    """Eager attention (what the attention analysis switches to) or ``output_attentions`` asks for the weights, as
    transformers' own forward returns them: the patched forward gave ``None``, and every VideoMAE model's attention
    maps were skipped as "the backbone does not expose attention weights". SDPA, which returns none, otherwise."""
    implementation = getattr(getattr(attn, "config", None), "_attn_implementation", None)
    return bool(kwargs.get("output_attentions")) or implementation == "eager"


def fix_videomae_qkv(model: nn.Module) -> int:
    """Patch every VideoMAE attention block whose forward bypasses its q/k/v modules; returns the count."""
    patched = 0
    for mod in model.modules():
        if type(mod).__name__ == "VideoMAESelfAttention" and not _calls_qkv_modules(mod):
            mod.forward = types.MethodType(videomae_module_calling_forward, mod)
            patched += 1
    if patched:
        logger.info("VideoMAE: %d attention blocks read q/k/v weights functionally; patched so LoRA is live",
                    patched)
    return patched


def set_timesformer_frames(model: nn.Module, num_frames: int) -> int:
    """Run TimeSformer's layers at ``num_frames``; returns the number of layers changed.

    Why: its embeddings interpolate the time embeddings to the input's frame count, but ``TimesformerLayer``
    reshapes the tokens by ``config.num_frames`` (transformers#38027): a 16-frame clip on an 8-frame checkpoint
    ran as 8 "frames" of twice the positions, temporal attention over half the clip and spatial attention across
    two frames, without an error. The layers get a copy of the config with the frame count; the model's own
    config (written to ``base/``) keeps the checkpoint's, whose time embeddings it describes.
    """
    layer_config = None
    changed = 0
    for mod in model.modules():
        if type(mod).__name__ == "TimesformerLayer" and mod.config.num_frames != num_frames:
            if layer_config is None:
                layer_config = copy.copy(mod.config)
                layer_config.num_frames = int(num_frames)
            mod.config = layer_config
            changed += 1
    return changed


def apply_patches(model: nn.Module, family: str, *, num_frames: int | None = None) -> None:
    """Family-specific fixes applied right after the backbone is instantiated (before LoRA); ``num_frames``: the
    frame count the model will run at (TimeSformer with interpolated time embeddings)."""
    if family == "videomae":
        fix_videomae_qkv(model)
    if family == "timesformer" and num_frames is not None:
        set_timesformer_frames(model, num_frames)

