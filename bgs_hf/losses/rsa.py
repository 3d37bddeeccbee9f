"""The global term: negative correlation between model and human distances over observed pairs."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from bgs_hf._format import did_you_mean
from bgs_hf.losses._common import (
    as_index,
    check_emb,
    config_kwargs,
    finite_setting,
    human_distances,
    pair_cosine,
    says_non_finite,
    zero_loss,
)

#: the ``method`` values of :class:`RSALoss` (``--rsa_method``)
RSA_METHODS = ("pearson", "soft_spearman")


def _pearson(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    xc, yc = x - x.mean(), y - y.mean()
    return (xc * yc).sum() / (xc.norm() * yc.norm() + eps)


def rank_average_ties(x: torch.Tensor) -> torch.Tensor:
    """Exact ranks 1..P with ties averaged (scipy ``rankdata`` default); not differentiable."""
    x = x.detach()
    uniq, inv = torch.unique(x, return_inverse=True)
    counts = torch.bincount(inv, minlength=uniq.numel()).to(torch.float64)
    first = torch.cumsum(counts, 0) - counts  # ranks start at first+1 for each distinct value
    avg = first + (counts + 1.0) / 2.0
    return avg[inv].to(x.dtype)


def soft_rank(x: torch.Tensor, strength: float) -> torch.Tensor:
    """Differentiable ranks 1..P: 1 + sum_{j != i} sigmoid((x_i - x_j) / (strength * std(x))).

    O(P^2) memory; fine for the few thousand pairs of a step. As ``strength -> 0`` this tends to the
    exact average-tie rank. ``std(x)`` (the sample std) is detached: a scale, so no gradient flows through it and
    ``gradcheck`` against the formula as written fails by design.
    """
    scale = strength * x.detach().std().clamp_min(1e-8)
    diff = (x[:, None] - x[None, :]) / scale
    return torch.sigmoid(diff).sum(1) + 0.5  # the j == i term is sigmoid(0) = 0.5, hence +0.5 not +1


def model_distances(emb: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """``1 - cos`` of each pair, in float32 at least (as :class:`RSALoss` correlates them): BGSLoss reads the same
    values to tell a collapsed model, whose correlation is undefined."""
    return 1.0 - pair_cosine(emb.to(torch.promote_types(emb.dtype, torch.float32)), pairs[:, 0], pairs[:, 1])


class RSALoss(nn.Module):
    r"""Global RSA term: :math:`L = -\rho(d^{model}, d^{human})` over the observed pairs of the step.

    ``d^{model}_{ij} = 1 - \cos(e_i, e_j)``; ``d^{human}_{ij} = 1 - p_{ij}``. ``method="pearson"`` is
    the paper's form. ``method="soft_spearman"`` replaces model distances by differentiable soft ranks
    (:func:`soft_rank`) and human distances by exact average-tie ranks, approximating -Spearman, the
    statistic the evaluation reports.

    Inputs:
        ==============  ===============  ===============================================
        ``emb``         (M, D) float     embeddings of the unique clips in the step
        ``pairs``       (P, 2) int       local indices of observed pairs
        ``human_dist``  (P,) float       1 - p_ij for those pairs
        ==============  ===============  ===============================================

    Fewer than 3 pairs, equal human distances or a collapsed model (equal model distances) give a zero loss: a
    correlation is undefined there.

    Example::

        >>> import torch
        >>> from bgs_hf.losses import RSALoss
        >>> emb = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), dim=-1)
        >>> pairs = torch.tensor([[0, 1], [0, 2], [1, 2]])
        >>> round(float(RSALoss()(emb, pairs, torch.tensor([0.3, 1.0, 0.3]))), 4)  # same ordering
        -1.0
    """

    def __init__(self, method: str = "pearson", regularization_strength: float = 0.1) -> None:
        super().__init__()
        if method not in RSA_METHODS:
            raise ValueError(f"unknown RSA method {method!r}{did_you_mean(method, RSA_METHODS)}; use 'pearson' or "
                             "'soft_spearman'")
        self.method = method
        self.regularization_strength = finite_setting(regularization_strength, "regularization_strength",
                                                      divisor=True)

    @says_non_finite
    def forward(self, emb: torch.Tensor, pairs: Any, human_dist: Any) -> torch.Tensor:
        pr = as_index(pairs, check_emb(emb).device, width=2, name="pairs", n_rows=emb.shape[0])
        # float32 at least: in fp16 the soft ranks of a step's thousands of pairs overflow, eps underflows to 0,
        # and bf16 merges distinct human distances before they are ranked
        dtype = torch.promote_types(emb.dtype, torch.float32)
        hd = human_distances(human_dist, pr.shape[0], dtype)
        if pr.shape[0] < 3:
            return zero_loss(emb)
        # ranked where given: torch.unique and bincount wait on the device, the human distances' ranks need none of it
        hd = (rank_average_ties(hd) if self.method == "soft_spearman" else hd).to(emb.device)
        md = model_distances(emb, pr)
        # a collapsed model: no correlation is defined, and its gradient was rounding noise magnified by the 1e-8
        # guard (up to 2.6e10 for soft Spearman in float32, inf in float16). Selected on the device, not read: the
        # test waited on the device every step; the other branch's gradient is zeroed, so both keep their bits
        collapsed = (md == md[0]).all()
        if self.method == "soft_spearman":
            md = soft_rank(md, self.regularization_strength)
        return torch.where(collapsed, zero_loss(emb), -_pearson(md, hd).to(emb.dtype))

    def get_config_dict(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"name": type(self).__name__, "method": self.method, "distance": "cosine"}
        if self.method == "soft_spearman":
            cfg["regularization_strength"] = self.regularization_strength
        return cfg

    @classmethod
    def from_config_dict(cls, cfg: dict[str, Any]) -> RSALoss:
        """The loss a :meth:`get_config_dict` describes (e.g. the ``loss`` a run recorded), checked under
        ``cls``'s own name, as that writes it: a subclass rebuilds from its own record, and not from ours."""
        return cls(**config_kwargs(cfg, cls.__name__, ("method", "regularization_strength"), {"distance": "cosine"}))
