"""A probabilistic local term: 3-way softmax over the triplet's pair similarities (soft labels allowed)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from bgs_hf.losses._common import (
    as_index,
    as_odd,
    check_emb,
    config_kwargs,
    finite_setting,
    given_tensor,
    pair_cosine,
    says_non_finite,
    zero_loss,
)


def as_odd_probs(odd_probs: Any, n_triplets: int, device: torch.device) -> torch.Tensor:
    """The soft targets, one probability row per triplet, checked in float64 (before any cast to half precision
    rounds a valid row off 1); an empty list is the (0, 3) of a step without triplets. Targets given in half
    precision are summed to 1 within their own rounding (a float16 row of thirds sums to 0.99976, a bfloat16 one
    to 1.002: both were refused as "not counts"). Checked where given (:func:`given_tensor`): from the host, no sync."""
    q = given_tensor(odd_probs, "odd_probs")
    if q.numel() == 0 and n_triplets == 0:
        q = q.reshape(0, 3)
    if tuple(q.shape) != (n_triplets, 3):
        raise ValueError(f"odd_probs must have shape {(n_triplets, 3)}, got {tuple(q.shape)}")
    q64 = q.double()
    atol = max(1e-4, torch.finfo(q.dtype).eps) if q.is_floating_point() else 1e-4
    if not bool((torch.isfinite(q64) & (q64 >= 0)).all()) or not torch.allclose(
            q64.sum(1), torch.ones_like(q64[:, 0]), atol=atol):
        raise ValueError("odd_probs rows must be probabilities (>= 0, summing to 1), not counts")
    return q.to(device)


class OddOneOutLoss(nn.Module):
    r"""Symmetric 3-way softmax cross-entropy for odd-one-out judgments.

    The model picks clip ``k`` as odd when the *other* two are its most similar pair, so the logit
    for "``k`` is odd" is the cosine similarity of the pair without ``k``, divided by a temperature:

    .. math::  P(\text{odd}=k) = \mathrm{softmax}_k\bigl(s_{\bar k}/\tau\bigr),\quad
               s_{\bar 0}=\cos(e_1,e_2),\ s_{\bar 1}=\cos(e_0,e_2),\ s_{\bar 2}=\cos(e_0,e_1)

    .. math::  L = -\frac{1}{n}\sum_t \sum_k q_{t,k}\,\log P_t(\text{odd}=k)

    ``q`` is one-hot on the human choice, or a distribution when a triplet was judged several
    times (``odd_probs``, e.g. 2 of 3 judges chose position 0 -> ``[2/3, 1/3, 0]``). The loss is
    invariant to the order of the three clips, unlike the anchored triplet hinge.

    Inputs:
        =============  ===============  =================================================
        ``emb``        (M, D) float     embeddings of the unique clips in the step
        ``triplets``   (n, 3) int       local indices into ``emb``
        ``odd``        (n,) int         odd position 0/1/2 (or give ``odd_probs``, not both)
        ``odd_probs``  (n, 3) float     optional soft targets; rows sum to 1
        =============  ===============  =================================================

    Example::

        >>> import torch
        >>> from bgs_hf.losses import OddOneOutLoss
        >>> emb = torch.eye(3)  # all pair similarities are 0 -> uniform 1/3
        >>> round(float(OddOneOutLoss(temperature=0.1)(emb, torch.tensor([[0, 1, 2]]), torch.tensor([0]))), 4)
        1.0986
    """

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        self.temperature = finite_setting(temperature, "temperature", divisor=True)

    def logits(self, emb: torch.Tensor, triplets: torch.Tensor) -> torch.Tensor:
        """(n, 3) logits; column k scores 'position k is the odd one'."""
        t0, t1, t2 = triplets.unbind(1)
        sims = torch.stack([pair_cosine(emb, t1, t2), pair_cosine(emb, t0, t2), pair_cosine(emb, t0, t1)], 1)
        return sims / self.temperature

    @says_non_finite
    def forward(self, emb: torch.Tensor, triplets: Any, odd: Any = None, odd_probs: Any = None) -> torch.Tensor:
        if odd is not None and odd_probs is not None:  # one would be silently ignored
            raise ValueError("OddOneOutLoss takes odd or odd_probs, not both")
        trip = as_index(triplets, check_emb(emb).device, width=3, name="triplets", n_rows=emb.shape[0])
        # targets checked before the empty-step shortcut, as BGSLoss does: targets given for no triplet were dropped
        q = None if odd_probs is None else as_odd_probs(odd_probs, trip.shape[0], emb.device)
        o = None if odd is None else as_odd(odd, trip.shape[0], emb.device)
        if trip.shape[0] == 0:
            return zero_loss(emb)
        # float32 at least: half-precision cosines of close clips put the gradient 18% (bf16) off the exact one
        logp = torch.log_softmax(self.logits(emb.to(torch.promote_types(emb.dtype, torch.float32)), trip), dim=1)
        if q is not None:
            return -(q.to(logp.dtype) * logp).sum(1).mean().to(emb.dtype)
        if o is None:
            raise ValueError("OddOneOutLoss needs odd or odd_probs")
        return torch.nn.functional.nll_loss(logp, o).to(emb.dtype)

    def get_config_dict(self) -> dict[str, Any]:
        return {"name": type(self).__name__, "temperature": self.temperature, "similarity": "cosine"}

    @classmethod
    def from_config_dict(cls, cfg: dict[str, Any]) -> OddOneOutLoss:
        """The loss a :meth:`get_config_dict` describes (e.g. the ``loss`` a run recorded), checked under
        ``cls``'s own name, as that writes it: a subclass rebuilds from its own record, and not from ours."""
        return cls(**config_kwargs(cfg, cls.__name__, ("temperature",), {"similarity": "cosine"}))
