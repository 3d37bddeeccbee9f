"""Start-up check that every LoRA module is live: it is called and its ``lora_B`` receives gradient.

A LoRA layer the forward never calls (VideoMAE's functional q/k/v, V-JEPA 2's skipped predictor)
trains nothing and fails silently; this check makes it fail loudly, naming the dead modules.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from bgs_hf.errors import BGSInputError

logger = logging.getLogger(__name__)


class DeadLoraError(BGSInputError, RuntimeError):
    """Some LoRA modules get no gradient: the adapter would silently not train them. A bad input (the LoRA
    targets), so the CLI prints it as one line."""

    def __init__(self, dead: list[str], total: int) -> None:
        self.dead = dead
        shown = ", ".join(dead[:8]) + (f" ... (+{len(dead) - 8} more)" if len(dead) > 8 else "")
        super().__init__(f"{len(dead)} of {total} LoRA modules are dead (zero lora_B gradient): {shown}; "
                         "choose targets on the forward path (--lora_target_modules)")


def _lora_b_params(model: nn.Module) -> dict[str, torch.nn.Parameter]:
    from peft.tuners.lora import LoraLayer

    params: dict[str, torch.nn.Parameter] = {}
    for name, mod in model.named_modules():
        if isinstance(mod, LoraLayer):
            for adapter in mod.active_adapters:
                if adapter in mod.lora_B:
                    params[name] = mod.lora_B[adapter].weight
    return params


def has_lora(model: nn.Module) -> bool:
    """True when ``model`` carries active LoRA layers (what :func:`assert_lora_live` checks)."""
    return bool(_lora_b_params(model))


def assert_lora_live(model: nn.Module, pixel_values: torch.Tensor, *, seed: int = 0) -> dict[str, float]:
    """One forward/backward on ``pixel_values``; returns ``{module: |grad lora_B|}`` or raises DeadLoraError.

    ``lora_B`` starts at zero but ``lora_A`` does not, so the gradient of ``lora_B`` is nonzero exactly
    when the module is called on the forward path and the output depends on it. The loss is a fixed
    random projection of the embeddings (a norm would be constant after L2 normalisation). Dropout is
    off during the check; ``.grad`` fields are untouched (``torch.autograd.grad``).
    """
    params = _lora_b_params(model)
    if not params:
        raise DeadLoraError(["<no LoRA modules found>"], 0)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            out = model(pixel_values)
            gen = torch.Generator().manual_seed(seed)
            proj = torch.randn(out.shape, generator=gen).to(out.device, out.dtype)
            loss = (out * proj).sum()
            names = list(params)
            grads = torch.autograd.grad(loss, [params[n] for n in names], allow_unused=True)
    finally:
        model.train(was_training)
    norms = {n: (0.0 if g is None else float(g.detach().float().norm())) for n, g in zip(names, grads)}
    dead = [n for n, v in norms.items() if not v > 0.0]
    if dead:
        raise DeadLoraError(dead, len(names))
    logger.info("LoRA liveness: all %d modules receive gradient (min |grad| %.3g)", len(names), min(norms.values()))
    return norms
