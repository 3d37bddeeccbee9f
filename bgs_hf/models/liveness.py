"""Start-up check that every LoRA module is live: it is called and its ``lora_B`` receives gradient (and which
trainable parameters the forward does not reach, for DDP's ``find_unused_parameters``).

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
    targets), so the CLI prints it as one line. ``dead`` may be the line already written (``dead`` is then ``[]``):
    torch and pickle rebuild an error from its message alone, and this one became a ``TypeError``."""

    def __init__(self, dead: list[str] | str, total: int = 0, default: str | None = None) -> None:
        if isinstance(dead, str):
            self.dead: list[str] = []
            super().__init__(dead)
            return
        self.dead = dead
        shown = ", ".join(dead[:8]) + (f" ... (+{len(dead) - 8} more)" if len(dead) > 8 else "")
        fix = f", such as the backbone's default '{default}'" if default else ""
        super().__init__(f"{len(dead)} of {total} LoRA modules are dead (zero lora_B gradient): {shown}; "
                         f"choose targets on the forward path (--lora_target_modules){fix}")


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
    grads = _probe_gradients(model, pixel_values, [params[n] for n in names], seed=seed)
    norms = {n: (0.0 if g is None else float(g.detach().float().norm())) for n, g in zip(names, grads)}
    dead = [n for n, v in norms.items() if not v > 0.0]
    if dead:
        raise DeadLoraError(dead, len(names), _other_default_targets(model))
    logger.info("LoRA liveness: all %d modules receive gradient (min |grad| %.3g)", len(names), min(norms.values()))
    return norms


def _other_default_targets(model: nn.Module) -> str | None:
    """The BGS backbone's default LoRA targets when the model was given others (the fix a dead-LoRA line names)."""
    from bgs_hf.models.embedder import scoped_target_regex

    spec = getattr(model.get_base_model() if hasattr(model, "get_base_model") else model, "spec", None)
    config = getattr(model, "peft_config", {}).get(getattr(model, "active_adapter", None))
    if spec is None or config is None or config.target_modules == scoped_target_regex(spec.lora_target):
        return None
    return spec.lora_target


def unreached_parameters(model: nn.Module, pixel_values: torch.Tensor, *, seed: int = 0) -> list[str]:
    """Names of the trainable parameters the forward on ``pixel_values`` does not reach (no autograd path from the
    output), found as :func:`assert_lora_live` finds dead LoRA modules and changing nothing alike.

    A multi-process run asks it to decide DDP's ``find_unused_parameters``: a trainable layer the forward skips (a
    user model's spare layer; V-JEPA 2's predictor, made trainable by plain peft's ``bias="all"`` outside
    :class:`~bgs_hf.models.embedder.BGSPeftModel`) makes DDP without the search raise at the second step; with it,
    every step pays an extra traversal of the autograd graph."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not named:
        return []
    grads = _probe_gradients(model, pixel_values, [p for _, p in named], seed=seed)
    return [n for (n, _), g in zip(named, grads) if g is None]


def _probe_gradients(model: nn.Module, pixel_values: torch.Tensor, params: list[torch.Tensor], *,
                     seed: int = 0) -> tuple[torch.Tensor | None, ...]:
    """The gradients of ``params`` (``None``: not reached) of a fixed random projection of one train-mode forward
    (see :func:`assert_lora_live`): eval-only layers, module modes, buffers, RNG state and ``.grad`` left as found."""
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
            if not out.requires_grad:  # not even the head trains when nothing before the output has a gradient path
                return (None,) * len(params)
            gen = torch.Generator().manual_seed(seed)
            proj = torch.randn(out.shape, generator=gen).to(out.device, out.dtype)
            return torch.autograd.grad((out * proj).sum(), params, allow_unused=True)
    finally:
        for m, mode in modes.items():
            m.training = mode
        with torch.no_grad():
            for b, value in buffers.items():
                b.copy_(value)
