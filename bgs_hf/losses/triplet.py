"""The paper's local term: a cosine-distance triplet hinge on the pair humans kept together."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from bgs_hf.losses._common import (
    as_index,
    as_odd,
    check_emb,
    config_kwargs,
    finite_setting,
    pair_cosine,
    says_non_finite,
    zero_loss,
)

# For each odd position, the two kept positions (anchor first, positive second).
_KEPT = torch.tensor([[1, 2], [0, 2], [0, 1]])


class TripletMarginLoss(nn.Module):
    r"""Triplet hinge with cosine distance, as in Garcia & Isik (BGS local term).

    For a judged triplet the anchor ``a`` and positive ``p`` are the two clips the human kept
    together (``a`` = the earlier of the two positions; the paper's code takes them in Python ``set`` order of
    video names, i.e. arbitrarily) and the negative ``n`` is the odd-one-out:

    .. math::  L = \frac{1}{n}\sum \max\bigl(0,\; D(a,p) - D(a,n) + m\bigr),\qquad D = 1 - \cos

    With ``symmetric=True`` the hinge is averaged over both choices of anchor (our option; the
    paper uses the single anchor).

    Inputs:
        ============  ===============  =================================================
        ``emb``       (M, D) float     embeddings of the unique clips in the step
        ``triplets``  (n, 3) int       local indices into ``emb``
        ``odd``       (n,) int         odd-one-out position 0/1/2
        ============  ===============  =================================================

    Example::

        >>> import torch
        >>> from bgs_hf.losses import TripletMarginLoss
        >>> emb = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]), dim=-1)
        >>> loss = TripletMarginLoss(margin=0.2)(emb, torch.tensor([[0, 1, 2]]), torch.tensor([2]))
        >>> round(float(loss), 4)  # D(a,p)=0.005, D(a,n)=1.0 -> max(0, 0.005-1+0.2) = 0
        0.0
    """

    def __init__(self, margin: float = 0.2, symmetric: bool = False) -> None:
        super().__init__()
        self.margin = finite_setting(margin, "margin")
        if not isinstance(symmetric, (bool, np.bool_)):  # bool("false") is True: a hand-edited config flipped it
            raise ValueError(f"symmetric must be True or False, got {symmetric!r}")
        self.symmetric = bool(symmetric)

    @says_non_finite
    def forward(self, emb: torch.Tensor, triplets: Any, odd: Any) -> torch.Tensor:
        trip = as_index(triplets, check_emb(emb).device, width=3, name="triplets", n_rows=emb.shape[0])
        # checked before the empty-step shortcut, as BGSLoss does: odd positions given for no triplet were dropped
        o = None if odd is None else as_odd(odd, trip.shape[0], emb.device)
        if trip.shape[0] == 0:
            return zero_loss(emb)
        if o is None:
            raise ValueError("TripletMarginLoss needs odd (the odd-one-out position of each triplet); soft "
                             "targets (odd_probs) are for OddOneOutLoss")
        kept = _KEPT.to(emb.device)[o]
        a = trip.gather(1, kept[:, :1]).squeeze(1)
        p = trip.gather(1, kept[:, 1:]).squeeze(1)
        n = trip.gather(1, o[:, None]).squeeze(1)
        # float32 at least: in bf16/fp16, 1 - cos of close clips keeps a bit or two, and the hinge's gradient
        # was 38% (bf16) off the exact one on the same inputs (a no-op for float32 embeddings)
        e = emb.to(torch.promote_types(emb.dtype, torch.float32))
        d_ap = 1.0 - pair_cosine(e, a, p)
        hinge = torch.relu(d_ap - (1.0 - pair_cosine(e, a, n)) + self.margin)
        if self.symmetric:
            hinge = 0.5 * (hinge + torch.relu(d_ap - (1.0 - pair_cosine(e, p, n)) + self.margin))
        return hinge.mean().to(emb.dtype)

    def get_config_dict(self) -> dict[str, Any]:
        return {"name": type(self).__name__, "margin": self.margin, "distance": "cosine",
                "symmetric": self.symmetric}

    @classmethod
    def from_config_dict(cls, cfg: dict[str, Any]) -> TripletMarginLoss:
        """The loss a :meth:`get_config_dict` describes (e.g. the ``loss`` a run recorded), checked under
        ``cls``'s own name, as that writes it: a subclass rebuilds from its own record, and not from ours."""
        return cls(**config_kwargs(cfg, cls.__name__, ("margin", "symmetric"), {"distance": "cosine"}))
