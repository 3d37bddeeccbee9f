"""Shared helpers for the losses: input checks and cosine similarities of index pairs."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import torch

from bgs_hf.errors import finite_number, is_finite_real

logger = logging.getLogger(__name__)

_Forward = TypeVar("_Forward", bound=Callable[..., Any])


def given_tensor(x: Any, name: str) -> torch.Tensor:
    """``x`` as a tensor where it was given (a tensor stays on its device, an array or list is read on the host),
    refused when complex: the cast to a real dtype dropped the imaginary part with at most torch's ComplexWarning
    (none at all for indices), and the loss went on with the real part. Checked there, before any move: a check of
    values already on an accelerator waits on it (a host sync), one of the step's indices on the host does not.
    An array-like torch cannot read itself (a pandas DataFrame of pairs) goes through numpy; what is not numbers
    at all (text, a dict, ragged rows) is one line naming the argument: torch's own message named none ("could not
    determine the shape of object type 'DataFrame'", "too many dimensions 'str'"), and a dict was a RuntimeError."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        try:
            t = torch.as_tensor(np.array(x) if hasattr(x, "__array__") else x)
        except (TypeError, ValueError, RuntimeError) as err:
            raise ValueError(f"{name} must be numbers (a tensor, array or list of rows), got "
                             f"{type(x).__name__}: {err}") from None
    if t.is_complex():
        raise ValueError(f"{name} must be real, got complex values ({t.dtype})")
    return t


def index_rows(x: torch.Tensor | object, *, width: int | None, name: str, n_rows: int | None = None) -> torch.Tensor:
    """Turn array-likes into an int64 tensor where they were given (:func:`given_tensor`), checking its trailing
    width and, given ``n_rows``, that it indexes rows ``0..n_rows-1``. Fractional values are refused, not truncated
    (odd 1.7 is not 1); a missing one is named (torch's "Could not infer dtype of NoneType" was the whole message for
    ``pairs=None``); complex values and a bool mask are refused (a mask's True/False were read as indices 1/0)."""
    if x is None:
        raise ValueError(f"{name} is missing" + (f": give an (n, {width}) array of row indices" if width else ""))
    t = given_tensor(x, name)
    if t.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer indices, got bools (a mask is not a list of indices)")
    if t.is_floating_point():
        if t.numel() and not bool((torch.isfinite(t) & (t == t.round())).all()):
            raise ValueError(f"{name} must hold whole numbers")
    t = t.long()
    if width is not None and (t.ndim != 2 or t.shape[1] != width):
        if t.numel() == 0:
            return t.reshape(0, width)
        raise ValueError(f"{name} must have shape (n, {width}), got {tuple(t.shape)}")
    if n_rows is not None and t.numel() and (int(t.min()) < 0 or int(t.max()) >= n_rows):
        raise ValueError(f"{name} must index the {n_rows} embedding rows (0..{n_rows - 1}), got values "
                         f"{int(t.min())}..{int(t.max())}")
    return t


def as_index(x: torch.Tensor | object, device: torch.device, *, width: int | None, name: str,
             n_rows: int | None = None) -> torch.Tensor:
    """:func:`index_rows` on ``device``: checked where given, so indices from the host cost the step no sync."""
    return index_rows(x, width=width, name=name, n_rows=n_rows).to(device)


def check_vector(t: torch.Tensor | np.ndarray, n: int, name: str, each: str, hint: str = "", *, column: bool = False,
                 error: type[ValueError] = ValueError) -> None:
    """Refuse a per-row target that is not a 1-D vector (with ``column``, or an (n, 1) column, as sliced from a
    table): flattened, a matrix whose size happened to equal the count was scored row-major against the rows without
    a word. A tensor or an array; ``error``: the caller's kind of ValueError (the training samplers' BGSInputError)."""
    if t.ndim != 1 and not (column and t.ndim == 2 and t.shape[1] == 1):
        shapes = f"({n},) or ({n}, 1)" if column else f"({n},)"
        raise error(f"{name} must have shape {shapes}, one {each}, got {tuple(t.shape)}{hint}")


def _one_hot_rows(odd: torch.Tensor | np.ndarray) -> bool:
    """Whether ``odd`` is a (T, 3) matrix of rows in [0, 1] summing to 1: one-hot or soft targets."""
    if odd.ndim != 2 or odd.shape[1] != 3 or not odd.shape[0]:
        return False
    if isinstance(odd, torch.Tensor):
        rows = odd.double()
    elif odd.dtype.kind in "biuf":  # text or objects are refused for what they hold, after the shape
        rows = odd.astype(np.float64)
    else:
        return False
    return bool(((rows >= 0) & (rows <= 1)).all() and (abs(rows.sum(1) - 1) < 1e-3).all())


def check_odd_shape(odd: torch.Tensor | np.ndarray, n_triplets: int, *, error: type[ValueError] = ValueError) -> None:
    """Refuse an ``odd`` that is not one position per triplet (:func:`check_vector`), a one-hot or soft-target
    matrix told to give ``odd.argmax(1)``. The one check of the losses and the training samplers: the samplers'
    refusal of the same matrix said only its shape."""
    hint = (" (a one-hot or soft-target matrix: give the positions odd.argmax(1), or the targets to "
            "OddOneOutLoss as odd_probs)") if _one_hot_rows(odd) else ""
    check_vector(odd, n_triplets, "odd", "position per triplet", hint, column=True, error=error)


def as_odd(odd: torch.Tensor | object, n_triplets: int, device: torch.device) -> torch.Tensor:
    """The odd-one-out position (0, 1 or 2) of each triplet, one per triplet: a shorter ``odd`` would make
    ``gather`` silently score only the first triplets. Only a (T,) vector or a (T, 1) column: a (T', 3) one-hot
    matrix was flattened and, where 3 * T' happened to equal T, its 0s and 1s scored as positions without a word
    (a (1, T) row is refused too: a (1, 3) one-hot looks the same)."""
    if odd is not None:  # the shape first: soft targets were "odd must hold whole numbers", not where they go
        odd = given_tensor(odd, "odd")
        check_odd_shape(odd, n_triplets)
    o = index_rows(odd, width=None, name="odd").reshape(-1)
    if o.shape[0] != n_triplets:
        raise ValueError(f"odd has {o.shape[0]} entries for {n_triplets} triplets")
    if o.numel() and (int(o.min()) < 0 or int(o.max()) > 2):
        raise ValueError("odd must hold positions 0, 1 or 2 within each triplet")
    return o.to(device)  # checked where given (:func:`given_tensor`)


def human_distances(human_dist: Any, n_pairs: int, dtype: torch.dtype) -> torch.Tensor:
    """The human distance of each pair in ``dtype``, where given (:func:`given_tensor`), one finite real value per
    pair: torch's "Could not infer dtype of NoneType" was the whole message for a missing ``human_dist``. Only a
    (P,) vector: a full (n, n) distance matrix was flattened and, where n * n happened to equal P, scored row-major
    against the pairs without a word; bools (a mask) were read as distances 0 and 1."""
    if human_dist is None:
        raise ValueError("human_dist is missing: give the human distance 1 - p_ij of each pair")
    hd = given_tensor(human_dist, "human_dist")
    if hd.dtype == torch.bool:
        raise ValueError("human_dist must hold real distances, got bools (a mask is not a distance)")
    square = hd.ndim == 2 and hd.shape[0] == hd.shape[1] and hd.shape[0] > 1
    hint = " (a distance matrix: give the pair values D[pairs[:, 0], pairs[:, 1]])" if square else ""
    check_vector(hd, n_pairs, "human_dist", "distance per pair", hint)
    hd = hd.to(dtype)  # before the finite check: a float64 1e300 is inf in float32
    if hd.shape[0] != n_pairs:
        raise ValueError(f"human_dist has {hd.shape[0]} values for {n_pairs} pairs")
    if not bool(torch.isfinite(hd).all()):
        raise ValueError("human_dist must be finite")
    return hd


def as_human_dist(human_dist: Any, n_pairs: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """:func:`human_distances` on ``device``: checked where given, so distances from the host cost no sync."""
    return human_distances(human_dist, n_pairs, dtype).to(device)


#: the smallest temperature / soft-rank strength: the loss divides by it, and 1e-40 overflowed float32 to a NaN loss
#: or gradient (soft_rank also multiplies it by a spread floored at 1e-8, hence well above float32's 1.2e-38)
SMALLEST_DIVISOR = 1e-30


def finite_setting(value: float, name: str, *, nonnegative: bool = False, divisor: bool = False) -> float:
    """A loss hyper-parameter as a float, refused when not a finite number (an ``inf`` weight trains on NaN) or,
    with ``nonnegative`` / ``divisor``, below 0 / below :data:`SMALLEST_DIVISOR`. A ValueError, as before: the
    rule is :func:`bgs_hf.errors.finite_number`'s, so True is no margin of 1 nor ``"0.5"`` a temperature."""
    small = divisor and is_finite_real(value) and 0 < value < SMALLEST_DIVISOR
    why = " (the loss divides by it: a smaller one overflows float32 to NaN)" if small else ""
    least = SMALLEST_DIVISOR if divisor else 0 if nonnegative else None
    return finite_number(value, name, at_least=least, note=why, error=ValueError)


def check_emb(emb: Any) -> torch.Tensor:
    """The step's embeddings: one row per clip. A 1-D vector or a batched (B, M, D) tensor otherwise failed deep
    inside with a reshape error or "triplets must index the 1 embedding rows"."""
    if not isinstance(emb, torch.Tensor) or emb.ndim != 2 or not emb.is_floating_point():
        what = f"{tuple(emb.shape)} {emb.dtype}" if isinstance(emb, torch.Tensor) else type(emb).__name__
        raise ValueError(f"emb must be a floating-point (M, D) matrix, one row per clip, got {what}")
    return emb


def check_config_dict(cfg: Any, example: str) -> dict[str, Any]:
    """A loss config is a dict: a class name given as text (``loss_from_config("RSALoss")``, or a run's recorded
    ``loss`` hand-edited to one) was "unknown loss None in config" / "not a RSALoss config (name 'str')"."""
    if not isinstance(cfg, dict):
        shown = repr(cfg)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise ValueError(f'a loss config must be a dict with a "name" key, e.g. {{"name": "{example}", ...}}, '
                         f"got {type(cfg).__name__} {shown}")
    return cfg


def config_kwargs(cfg: Any, name: str, params: tuple[str, ...], fixed: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments in a ``get_config_dict()`` of loss ``name``: its descriptive keys (``name``,
    ``distance``...) are checked against what the class computes, not passed, and an unknown key is refused."""
    if check_config_dict(cfg, name).get("name") != name:
        said = f"name {cfg['name']!r}" if "name" in cfg else 'no "name" key'
        raise ValueError(f"not a {name} config ({said})")
    for key, value in fixed.items():
        if key in cfg and cfg[key] != value:
            raise ValueError(f"{name} computes {key} {value!r}, the config says {cfg[key]!r}")
    unknown = sorted(set(cfg) - {"name", *fixed, *params})
    if unknown:
        raise ValueError(f"{name} config has unknown keys {unknown}; it takes {list(params)}")
    return {k: cfg[k] for k in params if k in cfg}


#: ``F.normalize``'s eps: a row whose L2 norm is at or below it is divided by it, not by its norm, so it is no unit
#: vector (its cosines shrink by norm / eps) and its gradient is the loss's times 1/eps, not a cosine's
NORM_EPS = 1e-12


def unit_rows(emb: torch.Tensor) -> torch.Tensor:
    """``emb``'s rows over their L2 norms, as ``F.normalize`` gives them, with no gradient through a row whose norm is
    at or below its eps (:data:`NORM_EPS`): all-zero, or collapsed to 1e-15 or 1e-20.

    Such a row has no direction a cosine can read: ``F.normalize`` divides it by the eps, not by its norm, and its
    gradient was the loss's times 1e12 (inf in float16 for a zero row), so once the Trainer clipped the gradient norm
    that one row set the whole step's direction. Its values stay as they were (a zero row reads as cosine 0 with
    every row, a tiny one as its cosines times norm / eps); every row above the eps keeps F.normalize's value and
    gradient bit for bit (the cosine's own 1/norm gradient included: that is the geometry, not the guard). No
    gradient rather than an error: a black clip is data, and refusing it would need a host sync every step; the mask
    stays on the device."""
    norm = emb.norm(2, -1, keepdim=True)  # F.normalize's own steps, so every row above the eps is its bits
    e = emb / norm.clamp_min(NORM_EPS).expand_as(emb)
    return torch.where(norm <= NORM_EPS, e.detach(), e)


def pair_cosine(emb: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of rows ``emb[i]`` and ``emb[j]`` (re-normalised by :func:`unit_rows`, so raw features also
    work; an all-zero row has cosine 0 with every row, and it and a row of norm at most 1e-12 no gradient).

    Rows are taken with ``index_select``, not ``e[i]``: on CPU the backward of advanced indexing accumulates
    repeated rows in a thread-dependent order, so two identical steps gave different gradients (and a seed did
    not fix a training run); ``index_select``'s backward is deterministic."""
    e = unit_rows(emb)
    return (e.index_select(0, i.reshape(-1)) * e.index_select(0, j.reshape(-1))).sum(-1).reshape(i.shape)


def zero_loss(emb: torch.Tensor) -> torch.Tensor:
    """A zero that keeps the graph connected to ``emb`` (DDP needs every rank to backprop). Zeroed before the sum:
    ``emb.sum() * 0`` of float16 rows summing past 65504 was inf * 0, a NaN loss beside finite terms."""
    return (emb * 0.0).sum()


def says_non_finite(forward: _Forward) -> _Forward:
    """A loss's ``forward`` that says which rows of ``emb`` hold NaN or inf when its loss is not finite and no gradient
    is taken (under ``torch.no_grad``, or of embeddings that need none): a direct call on a diverged model's
    embeddings returned NaN without a word. A loss that takes a gradient is not read, so no training step pays a
    device sync for it (the BGSTrainer reads its own loss and names the rows); nor under torch.compile or CUDA graph
    capture. Said once per ``emb`` tensor: BGSLoss and its terms, or a second call, do not say it again.

    Whether it is compiled is read before the forward, in the frame dynamo traces: the forward breaks the graph
    (``as_index``'s bounds check), leaving the rest to a resume function that dynamo may run eagerly (after a call
    that took a gradient); read there, ``is_compiling()`` was False and a later no-gradient call of non-finite
    embeddings imported ``bgs_hf.metrics`` under dynamo (an ``InternalTorchDynamoError`` from scipy), not NaN."""

    @functools.wraps(forward)
    def checked(self: torch.nn.Module, emb: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        compiling = torch.compiler.is_compiling()
        out = forward(self, emb, *args, **kwargs)
        loss = getattr(out, "loss", out)  # BGSLoss's BGSLossOutput, or a term's scalar
        if (isinstance(loss, torch.Tensor) and not loss.requires_grad and not compiling
                and not (loss.is_cuda and torch.cuda.is_current_stream_capturing())
                and not bool(torch.isfinite(loss).all())):
            from bgs_hf.metrics.similarity import non_finite_rows, rows_said  # only once a loss is not finite

            said = non_finite_rows(emb, "embedding")
            if said and not rows_said(emb):
                logger.warning("%s is %s: %s; check those clips' pixels and the model's weights", type(self).__name__,
                               float(loss), said)
        return out

    return checked  # type: ignore[return-value]
