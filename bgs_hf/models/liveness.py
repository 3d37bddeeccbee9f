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


#: kept in eval mode during the check: dropout, so that the result does not hang on a random mask; BatchNorm,
#: which cannot run in train mode on the one clip the check gets and would update its statistics
_EVAL_ONLY = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout,
              nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def _eval_only(module: nn.Module) -> bool:
    """:data:`_EVAL_ONLY`, and stochastic depth (transformers' ``VJEPA2DropPath``, ``TimesformerDropPath``, timm's
    ``DropPath``: no ``nn.Dropout``), which on the check's one clip skips a whole layer, so that every LoRA module
    in it looked dead at random."""
    return isinstance(module, _EVAL_ONLY) or type(module).__name__.endswith("DropPath")


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
    random projection of the embeddings (a norm would be constant after L2 normalisation).

    The check runs in train mode, the forward that training runs: activation checkpointing and other
    train-only paths exist only there (an eval-mode check passed a reentrant-checkpointed backbone whose
    every ``lora_B`` then got zero gradient in training). It changes nothing: dropout, drop path and BatchNorm
    layers stay in eval mode (:func:`_eval_only`), every module's mode, the buffers and the RNG state are restored, ``.grad``
    fields are untouched (``torch.autograd.grad``).
    """
    params = _lora_b_params(model)
    if not params:
        raise DeadLoraError(["<no LoRA modules found>"], 0)
    names = list(params)
    modes = {m: m.training for m in model.modules()}
    buffers = {b: b.detach().clone() for b in model.buffers()}
    cuda = [pixel_values.device] if pixel_values.device.type == "cuda" else []
    model.train()
    for m in model.modules():
        if _eval_only(m):
            m.eval()
    try:
        with torch.random.fork_rng(devices=cuda), torch.enable_grad():
            out = model(pixel_values)
            if out.requires_grad:  # not even the head trains when nothing before the output has a gradient path
                gen = torch.Generator().manual_seed(seed)
                proj = torch.randn(out.shape, generator=gen).to(out.device, out.dtype)
                grads = torch.autograd.grad((out * proj).sum(), [params[n] for n in names], allow_unused=True)
            else:
                grads = (None,) * len(names)
    finally:
        for m, mode in modes.items():
            m.training = mode
        with torch.no_grad():
            for b, value in buffers.items():
                b.copy_(value)
    norms = {n: (0.0 if g is None else float(g.detach().float().norm())) for n, g in zip(names, grads)}
    dead = [n for n, v in norms.items() if not v > 0.0]
    if dead:
        raise DeadLoraError(dead, len(names))
    logger.info("LoRA liveness: all %d modules receive gradient (min |grad| %.3g)", len(names), min(norms.values()))
    return norms
