"""The hybrid BGS objective: alpha * local + beta(epoch) * global, with the paper's schedule."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from bgs_hf.losses._common import (
    as_human_dist,
    as_odd,
    check_config_dict,
    check_emb,
    config_kwargs,
    finite_setting,
    human_distances,
    index_rows,
    says_non_finite,
    zero_loss,
)
from bgs_hf.losses.odd_one_out import OddOneOutLoss, as_odd_probs
from bgs_hf.losses.rsa import RSALoss, model_distances
from bgs_hf.losses.triplet import TripletMarginLoss

#: how a PaperSchedule weighs the terms, as a BGSLoss config records it
#: what the model card prints of the schedule: the epoch is floored, as :meth:`PaperSchedule.__call__` does (the
#: trainer passes the 0-based epoch index), so beta is beta0 for the whole first epoch and steps once per epoch
_PAPER_FORMULA = "alpha * local + min(beta_max, beta0 + beta_step * floor(epoch)) * global (epoch counted from 0)"
#: the same schedule as runs recorded it before the formula said the epoch is floored: they still rebuild
_PAPER_FORMULA_UNFLOORED = "alpha * local + min(beta_max, beta0 + beta_step * epoch) * global"


@dataclass
class PaperSchedule:
    """Weights of the two terms per epoch: alpha constant, beta = min(beta_max, beta0 + beta_step * floor(epoch)).

    The paper: alpha = 0.7, beta = min(0.7, 0.3 + 0.1 * epoch) (epoch counted from 0). ``epoch`` may be
    fractional (Trainer's ``state.epoch``); it is floored so beta steps once per epoch as in the paper.
    Every weight is >= 0: a negative one (or a ``beta_step`` that takes beta below 0) would train the model away
    from the human judgments. ``beta0`` above a nonzero ``beta_max`` is refused: beta would be ``beta_max`` from the
    first epoch on, so ``beta0`` (``--beta0``, "the RSA weight at epoch 0") would never apply; ``beta_max=0`` still
    turns the RSA term off.
    """

    alpha: float = 0.7
    beta0: float = 0.3
    beta_step: float = 0.1
    beta_max: float = 0.7

    def __post_init__(self) -> None:
        for name in ("alpha", "beta0", "beta_step", "beta_max"):
            setattr(self, name, self.checked_weight(name, getattr(self, name)))
        if self.beta0 > self.beta_max > 0:  # `--beta0 1 --beta_step 0` (a constant weight) trained with beta 0.7
            raise ValueError(f"beta0 {self.beta0:g} is above beta_max {self.beta_max:g}: beta is capped at beta_max "
                             "from the first epoch, so beta0 would never apply; raise beta_max to beta0 or more "
                             "(equal, with beta_step 0, for a constant weight)")

    @staticmethod
    def checked_weight(name: str, value: float) -> float:
        """One weight as a float >= 0, refused naming ``name`` otherwise (each checked alone: the CLI names its flag)."""
        return finite_setting(value, name, nonnegative=True)

    def __call__(self, epoch: float) -> tuple[float, float]:
        e = math.floor(max(finite_setting(epoch, "epoch"), 0.0))
        return self.alpha, min(self.beta_max, self.beta0 + self.beta_step * e)


@dataclass
class BGSLossOutput:
    """What one BGS loss call returns; ``loss`` is what to backprop, the rest is for logging."""

    loss: torch.Tensor
    local: torch.Tensor
    global_: torch.Tensor
    alpha: float
    beta: float
    n_triplets: int
    n_pairs: int

    def to_log_dict(self, prefix: str = "") -> dict[str, float | int]:
        """The numbers to log, under ``prefix``: the loss terms and weights as floats, the counts as ints (as floats a
        log showed ``12.0`` triplets, and the Trainer's console, which prints a float with ``.4g``, ``1.2e+04`` pairs)."""
        return {
            f"{prefix}loss": float(self.loss.detach()),
            f"{prefix}loss_local": float(self.local),
            f"{prefix}loss_global": float(self.global_),
            f"{prefix}alpha": self.alpha,
            f"{prefix}beta": self.beta,
            f"{prefix}n_triplets": int(self.n_triplets),
            f"{prefix}n_pairs": int(self.n_pairs),
        }


class BGSLoss(nn.Module):
    r"""Behavioral Geometric Supervision: :math:`L = \alpha\,L_{local} + \beta(\text{epoch})\,L_{global}`.

    ``local`` defaults to the paper's :class:`TripletMarginLoss` (an :class:`OddOneOutLoss` also fits),
    ``global_`` to :class:`RSALoss` (-Pearson). A term with no inputs in the step (no triplet, or fewer
    than 3 observed pairs) or undefined in it (RSA over human distances, or model distances, that are all
    equal) contributes 0 and is logged as NaN.

    Inputs:
        ==============  ===============  ===============================================
        ``emb``         (M, D) float     embeddings of the unique clips in the step
        ``triplets``    (n, 3) int       local indices into ``emb``
        ``odd``         (n,) int         odd-one-out position
        ``pairs``       (P, 2) int       local indices of observed pairs
        ``human_dist``  (P,) float       1 - p_ij
        ``epoch``       float            for the beta schedule
        ``odd_probs``   (n, 3) float     optional soft targets (only used by OddOneOutLoss, in place of odd)
        ==============  ===============  ===============================================

    Example::

        >>> import torch
        >>> from bgs_hf.losses import BGSLoss
        >>> emb = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
        >>> out = BGSLoss()(emb, torch.tensor([[0, 1, 2]]), torch.tensor([2]),
        ...                 torch.tensor([[0, 1], [0, 2], [1, 3]]), torch.tensor([0.2, 0.9, 0.5]), epoch=0)
        >>> (out.alpha, out.beta)
        (0.7, 0.3)
    """

    def __init__(self, local: nn.Module | None = None, global_: nn.Module | None = None,
                 schedule: PaperSchedule | None = None) -> None:
        super().__init__()
        # checked here: a string or a class was stored as a plain attribute, and a dict schedule, and both failed
        # only at the first step ("'str' object is not callable")
        for name, part in (("local", local), ("global_", global_)):
            if part is not None and not isinstance(part, nn.Module):
                raise TypeError(f"BGSLoss {name} must be a loss module instance (e.g. TripletMarginLoss(), "
                                f"RSALoss()), got {part!r}")
        if schedule is not None and (isinstance(schedule, type) or not callable(schedule)):
            raise TypeError(f"BGSLoss schedule must be a PaperSchedule (or a callable epoch -> (alpha, beta)), got "
                            f"{schedule!r}")
        self.local = local if local is not None else TripletMarginLoss()
        self.global_ = global_ if global_ is not None else RSALoss()
        self.schedule = schedule if schedule is not None else PaperSchedule()

    @says_non_finite
    def forward(self, emb: torch.Tensor, triplets: Any, odd: Any, pairs: Any, human_dist: Any, *,
                epoch: float = 0.0, odd_probs: Any = None) -> BGSLossOutput:
        check_emb(emb)
        alpha, beta = self.schedule(epoch)
        # counted as the terms read them: torch's reshape failed on a (1, 4) triplet ("shape '[-1, 3]' is invalid");
        # where given (no copy to the device only to count them)
        n_trip = 0 if triplets is None else int(index_rows(triplets, width=3, name="triplets").shape[0])
        n_pairs = 0 if pairs is None else int(index_rows(pairs, width=2, name="pairs").shape[0])
        nan = torch.tensor(float("nan"), device=emb.device)
        loss = zero_loss(emb)
        local = global_ = nan
        if n_trip > 0:
            kw = {"odd_probs": odd_probs} if odd_probs is not None and isinstance(self.local, OddOneOutLoss) else {}
            if odd is None and odd_probs is not None and not kw:
                raise ValueError(f"odd_probs is used only by OddOneOutLoss; {type(self.local).__name__} needs odd")
            lo = self.local(emb, triplets, None if kw else odd, **kw)  # soft targets in place of odd
            loss, local = loss + alpha * lo, lo.detach()
        else:  # a skipped term still checks its targets: odd positions (or soft targets) for no triplet were dropped
            if odd is not None:
                as_odd(odd, 0, emb.device)
            if odd_probs is not None:
                as_odd_probs(odd_probs, 0, emb.device)
        if n_pairs >= 3 and isinstance(self.global_, RSALoss) and _rsa_undefined(emb, pairs, human_dist):
            pass  # no correlation with equal human or model distances (RSALoss gave 0, a training log averaged it in)
        elif n_pairs >= 3:
            gl = self.global_(emb, pairs, human_dist)
            loss, global_ = loss + beta * gl, gl.detach()
        elif n_pairs or human_dist is not None:
            # as RSALoss does before its own few-pairs shortcut: 5 distances for 2 pairs were dropped without a word,
            # and distances with pairs=None too (as odd for triplets=None is refused)
            as_human_dist(human_dist, n_pairs, emb.device, torch.float32)
        return BGSLossOutput(loss, local, global_, alpha, beta, n_trip, n_pairs)

    def get_config_dict(self) -> dict[str, Any]:
        """The terms' own configs and the schedule. A term or schedule of the user's (any loss module; a callable
        ``epoch -> (alpha, beta)``, which the constructor accepts) is recorded by name only, never described as the
        paper's: this raised AttributeError / "asdict() should be called on dataclass instances", and labelled a
        PaperSchedule subclass with the paper's formula. :meth:`from_config_dict` refuses to rebuild those.
        A subclass of BGSLoss (another forward) is recorded under its own class name and without the formula, which
        is this forward's: it was recorded as ``BGSLoss``, so its model card called the run BGS-aligned and
        :func:`loss_from_config` rebuilt the paper's objective from it."""
        ours = type(self) is BGSLoss
        if type(self.schedule) is PaperSchedule:
            schedule = {"kind": "PaperSchedule", **asdict(self.schedule),
                        **({"formula": _PAPER_FORMULA} if ours else {})}
        else:
            schedule = {"kind": _name_of(self.schedule)}
        return {"name": type(self).__name__, "local": _term_config(self.local), "global": _term_config(self.global_),
                "schedule": schedule}

    @classmethod
    def from_config_dict(cls, cfg: dict[str, Any]) -> BGSLoss:
        """The loss a :meth:`get_config_dict` describes, e.g. the ``loss`` recorded in a run's
        ``bgs_trainer_state.json`` (its terms rebuilt with :func:`loss_from_config`)."""
        kw = config_kwargs(cfg, "BGSLoss", ("local", "global", "schedule"), {})
        sched = kw.get("schedule") or {"kind": "PaperSchedule"}
        if not isinstance(sched, dict) or sched.get("kind") != "PaperSchedule":
            raise ValueError("BGSLoss config: only a PaperSchedule schedule can be rebuilt")
        if sched.get("formula") == _PAPER_FORMULA_UNFLOORED:  # an older run's words for the same floored schedule
            sched = {**sched, "formula": _PAPER_FORMULA}
        # an unknown key was "PaperSchedule.__init__() got an unexpected keyword argument", a TypeError, and a list
        # failed in dict() ("dictionary update sequence element #0 ...")
        weights = config_kwargs({**sched, "name": "PaperSchedule"}, "PaperSchedule",
                                tuple(f.name for f in fields(PaperSchedule)),
                                {"kind": "PaperSchedule", "formula": _PAPER_FORMULA})
        return cls(local=loss_from_config(kw["local"]) if "local" in kw else None,
                   global_=loss_from_config(kw["global"]) if "global" in kw else None,
                   schedule=PaperSchedule(**weights))


def _all_equal(x: torch.Tensor) -> bool:
    """Every value the first one's: nothing to correlate with."""
    return bool((x == x[0]).all())


def _rsa_undefined(emb: torch.Tensor, pairs: Any, human_dist: Any) -> bool:
    """No correlation over these pairs: equal human distances, or a collapsed model (equal model distances, where
    RSALoss gives a 0 with no gradient). The pairs and distances are checked as RSALoss checks them: pair 9 of 3
    clips passed unchecked when the human distances were equal. The human distances are read where given (no
    sync for the host's); the model's, on the device, are one sync a step."""
    pr = index_rows(pairs, width=2, name="pairs", n_rows=emb.shape[0])
    hd = human_distances(human_dist, pr.shape[0], torch.promote_types(emb.dtype, torch.float32))
    return _all_equal(hd) or _all_equal(model_distances(emb.detach(), pr.to(emb.device)))


def _name_of(obj: Any) -> str:
    """A function's name, else its class's (an instance has no ``__name__`` of its own)."""
    return str(getattr(obj, "__name__", None) or type(obj).__name__)


def _term_config(term: nn.Module) -> dict[str, Any]:
    """A term's ``get_config_dict()``, or its class name for a module of the user's that has none."""
    describe = getattr(term, "get_config_dict", None)
    return describe() if callable(describe) else {"name": _name_of(term)}


def loss_from_config(cfg: dict[str, Any]) -> nn.Module:
    """Any bgs-hf loss from its ``get_config_dict()`` (dispatched on ``cfg["name"]``)."""
    classes: dict[str, Any] = {c.__name__: c for c in (BGSLoss, OddOneOutLoss, RSALoss, TripletMarginLoss)}
    if "name" not in check_config_dict(cfg, "RSALoss"):  # was "unknown loss None in config"
        raise ValueError(f'a loss config needs a "name" key, one of {sorted(classes)}; '
                         f"got keys {sorted(map(str, cfg))}")
    name = cfg["name"]
    if not isinstance(name, str) or name not in classes:  # a list as the name raised "unhashable type"
        raise ValueError(f"unknown loss {name!r} in config; known: {sorted(classes)}")
    return classes[name].from_config_dict(cfg)
