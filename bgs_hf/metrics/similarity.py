"""Human similarity from odd-one-out judgments: n_ij and k_ij (one bincount each), and p_ij.

Every later number (losses, RSA, ceilings) is judged against this matrix, so it is defined here once.
For a valid triplet (a, b, c) with odd-one-out at position ``odd``, each of its three pairs is
*observed* once (n += 1), and the pair that was kept together (the two clips that are not odd) is
*judged similar* once (k += 1). p_ij = k_ij / n_ij: the fraction of triplets containing both i and j
in which the third clip was the odd one out. Unobserved pairs (n_ij == 0) are masked.

p_ij estimates how likely people are to keep i and j together against a third clip of the design, the
similarity the odd-one-out task measures (Hebart et al. 2020 call it the probability of choosing i and j as most
similar); it is the paper's definition (Garcia & Isik; ``../shared/reference/PAPER.md``, "Human similarity"),
built from the judgments inside one split only and without catch trials, whose repeated clip has no three pairs.
"""

from __future__ import annotations

import logging
import numbers
import sys
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bgs_hf._format import agree, count, row_list
from bgs_hf.errors import BGSInputError, whole_number

logger = logging.getLogger(__name__)

# Pair columns of a triplet, in the order used everywhere: (a,b), (a,c), (b,c).
# The pair kept together when position ``odd`` is the odd one out is column ``2 - odd``.
PAIR_COLS: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2))

#: Appended to a matrix-size error: embeddings of only some clips (the test split) are the usual cause.
SUBSET_HINT = "; for a matrix over some clips only, pass items= their clip indices in its row order"


def unjudged_clips_hint(n_clips: int) -> str:
    """Appended where a matrix or ``items`` reach past a human similarity's last clip (``n_clips``: the clips they
    need): built without ``n_items`` it ends at the last clip a judgment names, so embeddings of every clip, a clip
    no one judged among them, were refused as "items must lie in 0..105" or with :data:`SUBSET_HINT`, which could not
    help."""
    return (f"; a human similarity built without n_items ends at the largest clip a judgment names: for clips no "
            f"judgment names, build it with human_similarity(..., n_items={n_clips})")


@dataclass
class HumanSimilarity:
    """Counts and proportions over all N×N clip pairs (symmetric; diagonal unobserved)."""

    n: np.ndarray  # (N, N) int64: triplets containing both i and j
    k: np.ndarray  # (N, N) int64: of those, how many had the third clip as odd-one-out
    p: np.ndarray  # (N, N) float64: k / n, nan where n == 0
    mask: np.ndarray  # (N, N) bool: observed off-diagonal pairs

    @property
    def n_items(self) -> int:
        return int(self.n.shape[0])

    def __repr__(self) -> str:
        """Counts, not four N×N matrices (a notebook printed them, elided, before anything a reader could use)."""
        observed = int(np.triu(self.mask, 1).sum())
        per_pair = f"{np.triu(self.n, 1).sum() / observed:.2f}" if observed else "n/a"
        return (f"HumanSimilarity({count(self.n_items, 'clip')}, {count(observed, 'observed pair')}, {per_pair} "
                "judgments per observed pair; matrices .n .k .p .mask)")

    def pairs(self, items: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Observed pairs ``(i, j, p)`` of the upper triangle, as global clip indices.

        With ``items`` (clip indices), only pairs among those clips are returned, ordered by position in
        ``items`` (i = items[a], j = items[b], a < b), so they line up with an items×items model matrix.
        """
        gi, gj, _, _, p = pair_index(self, items)
        return gi, gj, p

    def distance(self) -> np.ndarray:
        """Human distance 1 − p (nan where unobserved)."""
        return 1.0 - self.p


#: Columns of a judgments table (``OddOneOutData.judgments``, its ``to_pandas()``) that metrics read.
CLIP_COLUMNS = ("clip_a", "clip_b", "clip_c")


def table_columns(obj: Any) -> list[str] | None:
    """Column names of a ``datasets.Dataset`` or a pandas DataFrame; None for anything else."""
    names = getattr(obj, "column_names", None)
    if names is None and hasattr(obj, "columns") and hasattr(obj, "iloc"):
        names = obj.columns
    return None if names is None else [str(c) for c in names]


def participants_of(trip: Any) -> Any:
    """The participant per judgment of a ``TripletArrays`` or a judgments table, else None."""
    cols = table_columns(trip)
    if cols is not None:
        if "participant" not in cols:
            return None
        kept = unflagged_rows(trip, cols)
        participant = np.asarray(trip["participant"])
        return participant if kept is None else participant[kept]
    return getattr(trip, "participant", None)


def _is_flag(value: object) -> bool:
    """Whether one cell of an object ``is_catch`` column is a flag: a bool, or an int or float equal to 0 or 1 (a
    column mixing ints with True/False, or one read from JSON or Excel, holds Python or numpy ints)."""
    if isinstance(value, (bool, np.bool_)):
        return True
    return isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1)


def unflagged_rows(table: Any, cols: list[str]) -> np.ndarray | None:
    """The rows a judgments table does not flag ``is_catch`` (None when it has no such column).

    A flag marks more than a repeated clip: a release's ``catch_trial_flag`` marks attention checks of three
    distinct clips, which ``data.triplets()`` drops and the metrics must drop too when handed the table. A column of
    1/0 (a CSV of the user's own, read by pandas) is read as the flags it writes, as ``data import`` reads it, and an
    object column of True/False and 1/0 alone as its flags; a refusal names the first value that is no flag (an empty
    cell's NaN, where naming the first row's valid False told the user nothing)."""
    if "is_catch" not in cols:
        return None
    flag = np.asarray(table["is_catch"])
    if flag.dtype.kind in "iuf":  # 1/0 as `data import` reads them: pd.read_csv's int64 (float64 for 1.0/0.0, or
        # beside an empty cell, whose NaN is named)
        shown = flag[~np.isin(flag, (0, 1))][:1].tolist()
        flag = flag == 1 if not shown else flag
    elif flag.dtype.kind != "b":  # the first value that is no flag: True/False beside an empty cell read as object
        shown = [v.item() if isinstance(v, np.generic) else v for v in flag.ravel().tolist() if not _is_flag(v)][:1]
        flag = flag.astype(bool) if not shown else flag
    if flag.dtype.kind != "b":
        # the way on for a table of the user's own too: bgs_hf.data.load reads no bare CSV
        raise BGSInputError(f"column is_catch must hold True/False (or 1/0), got {shown} ({flag.dtype}): write "
                            "True/False or 1/0 in every row (an empty cell is neither), or read a release or Hub-layout "
                            "folder with bgs_hf.data.load")
    return ~flag


def odd_given_twice(odd: Any, what: str) -> BGSInputError:
    """The one line for triplets that hold their own odd-one-outs passed with an ``odd`` too: the argument after them
    was most likely meant as ``n_items`` or ``items``."""
    shown = repr(odd) if np.ndim(odd) == 0 else f"an array of shape {np.shape(odd)}"
    return BGSInputError(f"a {what} holds its own odd-one-outs, yet `odd` was given too ({shown}): name the "
                         "arguments after it, e.g. n_items=... or items=...")


def as_triplets(idx: Any, odd: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Accept ``(idx, odd)`` arrays, a duck-typed ``TripletArrays`` (``.idx``, ``.odd``; then no ``odd``), or a
    judgments table (DataFrame or ``datasets.Dataset``) with columns clip_a, clip_b, clip_c and odd."""
    cols = table_columns(idx)
    if cols is not None:
        if all(c in cols for c in CLIP_COLUMNS) and (odd is not None or "odd" in cols):
            if "odd" in cols and odd is not None and not np.array_equal(host_array(odd), np.asarray(idx["odd"])):
                # human_similarity(judgments, n_clips), as split_half_ceiling(judgments, n_clips) is called, put the
                # count in `odd` ("odd must have shape (348,), got ()"), and ooo_acc_3way(sim, judgments, items) with
                # as many items as rows read the items as odd-one-outs; the table's own column given again is read
                raise odd_given_twice(odd, "judgments table")
            table, kept = idx, unflagged_rows(idx, cols)
            idx, odd = np.stack([np.asarray(table[c]) for c in CLIP_COLUMNS], axis=1), (
                np.asarray(table["odd"]) if odd is None else odd)
            if kept is not None and not kept.all():
                logger.warning("dropping %d flagged catch trials (is_catch) of a judgments table", int((~kept).sum()))
                idx = idx[kept]
                if np.shape(odd) == kept.shape:  # another length is refused below, by its own shape
                    odd = np.asarray(odd)[kept]
        elif odd is None or len(cols) != 3:
            raise BGSInputError(f"a table of judgments needs columns clip_a, clip_b, clip_c and odd, got {cols}")
        else:  # three index columns under other names, odd given apart
            idx = np.stack([np.asarray(idx[c]) for c in cols], axis=1)
    if hasattr(idx, "idx") and hasattr(idx, "odd"):
        if odd is not None:  # human_similarity(trip, 250) was refused as "triplet indices must be whole numbers"
            raise odd_given_twice(odd, type(idx).__name__)
        idx, odd = idx.idx, idx.odd
    if odd is None:
        raise BGSInputError("odd-one-out positions missing: pass `odd` or a TripletArrays")
    idx, odd = triplet_indices(idx), whole_numbers(odd, "odd")
    if odd.shape != (idx.shape[0],):
        raise BGSInputError(f"odd must have shape ({idx.shape[0]},), got {odd.shape}")
    if odd.size and (odd.min() < 0 or odd.max() > 2):
        row = int(np.flatnonzero((odd < 0) | (odd > 2))[0])
        raise BGSInputError(f"judgment row {row}: odd must be 0, 1 or 2 (position in the triplet), got {odd[row]}")
    return idx, odd


def host_array(values: Any) -> np.ndarray:
    """``values`` as a numpy array, a torch tensor read as it holds its numbers: detached, on the CPU, bfloat16
    widened to float32 (numpy has no bfloat16). ``cosine_similarity_matrix(model(pixel_values))``, the README's
    embeddings, failed inside torch ("Can't call numpy() on Tensor that requires grad"), and so did a GPU tensor or a
    bf16 run's embeddings. torch is not imported here: a tensor can only come from a process that imported it."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(values, torch.Tensor):
        values = values.detach().cpu()
        return (values.float() if values.dtype == torch.bfloat16 else values).numpy()
    if torch is not None and isinstance(values, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in values):
        # a list of tensors (``[model(x) for x in clips]``) is stacked as numpy stacks a list of arrays: numpy read
        # each tensor itself and failed inside torch ("Can't call numpy() on Tensor that requires grad")
        parts = [host_array(v) for v in values]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:  # numpy's "inhomogeneous shape after 1 dimensions"
            raise BGSInputError(f"a list of {len(parts)} tensors of different shapes ({', '.join(map(str, sorted(shapes)))}) "
                                "cannot be stacked: join a list of batches into one matrix with torch.cat(list)")
        return np.stack(parts)
    return np.asarray(values)


def non_finite_rows(values: Any, what: str) -> str | None:
    """The phrase naming how many rows (clips) of ``values`` hold NaN or inf, and the first few, or None where every
    value is finite: a NaN embedding made every number over its clip NaN (R², accuracy, a training loss) without a
    word saying which input was not finite. Said by ``cosine_similarity_matrix`` and a diverged training step alike."""
    arr = host_array(values)
    if arr.ndim == 0 or not arr.size or arr.dtype.kind not in "fc":  # integers (uint8 pixels) hold no NaN
        return None
    bad = np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1))
    if not bad.size:
        return None
    return (f"{len(bad):,} of {count(len(arr), f'{what} row')} (clips) {agree(len(bad), 'holds', 'hold')} NaN or inf "
            f"({row_list(bad.tolist(), 5)})")


#: The matrices (arrays, tensors) whose non-finite rows were said, while they live, by id (the weak value tells a
#: reused id apart): an evaluation scores one matrix a dozen ways, and said its rows each time.
_ROWS_SAID: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def rows_said(matrix: Any) -> bool:
    """Whether ``matrix``'s non-finite rows were said already (by ``cosine_similarity_matrix``, which made it, or by
    a metric of it); from now on they are. A list holds no weak reference: its rows are said each time."""
    if _ROWS_SAID.get(id(matrix)) is matrix:
        return True
    try:
        _ROWS_SAID[id(matrix)] = matrix
    except TypeError:
        pass
    return False


def warn_non_finite_pairs(matrix: Any, i: np.ndarray, j: np.ndarray, vals: np.ndarray, n_rows: int) -> None:
    """One warning, once per ``matrix``, where the model similarities of the pairs a metric scores (rows ``i``,
    columns ``j`` of an ``n_rows``-square matrix, values ``vals``) are not all finite, naming the rows (clips) by
    :func:`non_finite_rows`: those whose every pair scored is NaN or inf (a diverged clip's row), else those of the
    pairs that are. A matrix holding NaN gave NaN accuracies and R² without a word; the numbers stay NaN. Entries no
    pair reads (``human.p``'s NaN diagonal) are not named."""
    bad = ~np.isfinite(vals)
    if not bad.any() or rows_said(matrix):
        return
    rows, twice = np.concatenate([i, j]), np.concatenate([bad, bad])
    n_read = np.bincount(rows, minlength=n_rows)
    n_bad = np.bincount(rows[twice], minlength=n_rows)
    whole = (n_bad == n_read) & (n_read > 0)
    flagged = whole if whole.any() else n_bad > 0
    said = non_finite_rows(np.where(flagged, np.nan, 0.0)[:, None], "model similarity")
    logger.warning("%s %s, so the score may be NaN; check those clips' embeddings and the model's weights", said,
                   "in every pair scored" if whole.any() else "in a pair scored")


def whole_numbers(values: Any, what: str) -> np.ndarray:
    """int64 array; float input must hold whole numbers (casting would truncate 1.7 to clip 1 silently)."""
    arr = host_array(values)
    if arr.dtype == object:  # numbers held as Python objects (``df.to_numpy()`` of a table with a text column)
        odd_one = next((v for v in arr.ravel().tolist() if not isinstance(v, numbers.Number)), None)
        if odd_one is not None:
            raise BGSInputError(f"{what} must be whole numbers, got {odd_one!r}")
        arr = np.array(arr.tolist()) if arr.size else arr.astype(np.int64)
    if arr.dtype.kind not in "biufc":  # text or objects: int("eager-dingo") was numpy's whole message
        raise BGSInputError(f"{what} must be whole numbers, got {arr.ravel()[:1].tolist()[0] if arr.size else arr.dtype!r}")
    if arr.dtype.kind in "fc":
        whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.imag(arr) == 0)  # the cast dropped 2+1j's 1j
        if not whole.all():
            raise BGSInputError(f"{what} must be whole numbers, got {arr[~whole].ravel()[0]}")
        huge = np.abs(arr) >= 2.0**63  # the cast wrapped 1e20 round to -2**63, the number then named as "clip -9223..."
        if huge.any():
            raise BGSInputError(f"{what} must be whole numbers within ±2**63 (int64), got {arr[huge].ravel()[0]:g}")
        arr = arr.real  # whole, so nothing is dropped (the cast of a complex array warned that it was)
    return arr.astype(np.int64)


def real_numbers(values: Any, what: str) -> np.ndarray:
    """``values`` as float64, refused in one line naming ``what`` unless every value is a real number: text was
    ranked as if numbers (``spearman(['a', 'b', 'c'], [1, 2, 3])`` gave 1.0), '0.5' read as 0.5, and a matrix of words
    failed in numpy's float conversion ("could not convert string to float")."""
    arr = host_array(values)
    if arr.dtype == object:  # numbers held as Python objects (a table's column) are numbers still
        bad = [v for v in arr.ravel().tolist() if not isinstance(v, numbers.Real)]
        if bad:
            raise BGSInputError(f"{what} must be numbers, got {bad[0]!r}")
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "biuf":  # text, bytes, dates; complex (the cast dropped the imaginary part)
        shown = arr.ravel()[:1].tolist()[0] if arr.size else arr.dtype
        real = "real numbers" if arr.dtype.kind == "c" else "numbers"
        raise BGSInputError(f"{what} must be {real}, got {shown!r}")
    return np.asarray(arr, dtype=np.float64)


def real_number(value: Any, what: str) -> float:
    """``value``, one real number (a Python or numpy number, a one-element array, a tensor however computed), as a
    float, read as :func:`real_numbers` reads values, else a one-line refusal naming ``what``: a ratio computed in
    torch failed inside torch ("Can't call numpy() on Tensor that requires grad", bf16's "unsupported ScalarType")."""
    arr = real_numbers(value, what)
    if arr.size != 1:  # several: numpy's "truth value of an array ... is ambiguous"
        raise BGSInputError(f"{what} must be one number, got {arr.size} values (shape {arr.shape})")
    return float(arr.reshape(-1)[0])


def triplet_indices(idx: Any) -> np.ndarray:
    """Triplet indices as an int64 ``(n, 3)`` array (an empty list as ``(0, 3)``), refused in one line in any other
    shape: reshaped, three rows of first, second and third clips (the indices transposed) read as judgments no one
    made."""
    idx = whole_numbers(idx, "triplet indices")
    if idx.shape == (0,):  # an empty list of judgments, as an empty (0, 3) array
        idx = idx.reshape(0, 3)
    if idx.ndim != 2 or idx.shape[1] != 3:
        raise BGSInputError(f"triplet indices must have shape (n, 3), got {idx.shape}")
    return idx


def item_indices(items: Any) -> np.ndarray:
    """``items`` as int64 clip indices, one per row of an items-local matrix: a column of them (a DataFrame's
    ``df[["clip"]]``, shape (n, 1)) failed in numpy's indexing ("too many indices for array")."""
    items = whole_numbers(items, "items")
    if items.ndim != 1:
        raise BGSInputError(f"items must be a flat list of clip indices, got shape {items.shape}")
    return items


def checked_participants(participant: Any) -> np.ndarray:
    """The participant ids, refused at the first missing one (None, NaN, blank: an empty cell of a judgments table),
    at the row the caller passed: NaN ids pooled their judgments into one made-up participant, skewing the ceilings,
    and None failed in numpy's sort ("'<' not supported between instances of 'NoneType' and 'str'")."""
    ids = np.asarray(participant)
    flat = ids.ravel()
    missing = np.asarray(pd.isna(flat), dtype=bool)
    if flat.dtype.kind in "OU":
        missing |= np.array([isinstance(v, str) and not v.strip() for v in flat.tolist()], dtype=bool)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        shown = flat[row:row + 1].tolist()[0]  # a Python value: nan, not np.float64(nan)
        raise BGSInputError(f"participant row {row} is missing ({shown!r}): every judgment needs the id of the "
                            f"participant who made it")
    return ids


def participant_column(participant: Any, n_judgments: int) -> np.ndarray:
    """``participant`` as an array of one id per judgment: any other shape would pair ids with the wrong
    judgments (the ceilings and bootstraps check it alike)."""
    ids = host_array(participant)  # a tensor of codes on a GPU failed in numpy
    if ids.dtype.kind == "U" and isinstance(participant, (list, tuple)) and not all(
            isinstance(v, str) for v in participant):  # numpy wrote 1 and '1' both as '1': participant_codes says so
        ids = np.asarray(participant, dtype=object)
    if ids.shape != (n_judgments,):
        raise BGSInputError(f"participant must have shape ({n_judgments},), got {ids.shape}: one id per judgment")
    return ids


def participant_codes(ids: np.ndarray) -> np.ndarray:
    """Codes 0..P-1 per judgment in the sorted order of the ids (the order seeded splits and resamples draw in); ids
    of mixed types (1 and 'B'), which numpy cannot sort, are told apart by their text, with one warning where that
    joins ids of different types (1 and '1', True and 'True') or parts equal numbers (1 and 1.0, the float of an
    integer column with a missing value; 1 and True): either may be one person written two ways or two people."""
    try:
        _, codes = np.unique(ids, return_inverse=True)
    except TypeError:
        text = ids.astype(str)
        _warn_ids_the_text_joins_or_parts(ids.ravel().tolist(), text.ravel().tolist())
        _, codes = np.unique(text, return_inverse=True)
    return codes.ravel().astype(np.int64)


def _warn_ids_the_text_joins_or_parts(values: list[Any], texts: list[str]) -> None:
    """One warning naming the first two ids that comparing by text joins (a number and a text written alike) and the
    first two it parts (numbers of one value written differently): a numbers-only column joined 1 and 1.0, so one more
    id of text ('B') split a participant in two, without a word."""
    def is_number(v: Any) -> bool:  # a bool too (True == 1): True and 'True' were joined, True and 1 parted, unsaid
        return isinstance(v, (numbers.Number, np.bool_))

    by_text: dict[str, Any] = {}
    by_value: dict[Any, Any] = {}
    joined = parted = None
    for value, text in zip(values, texts):
        first = by_text.setdefault(text, value)
        if joined is None and is_number(first) != is_number(value):
            joined = (first, value)
        if is_number(value):
            same = by_value.setdefault(value, value)
            if parted is None and str(same) != text:
                parted = (same, value)
    def shown(v: Any) -> str:  # 1, not np.int64(1)
        return repr(v.item() if isinstance(v, np.generic) else v)

    said = ([f"{shown(joined[0])} and {shown(joined[1])} are one participant"] if joined else []) + (
        [f"{shown(parted[0])} and {shown(parted[1])} are two"] if parted else [])
    if said:
        logger.warning("participant ids of mixed types are told apart by their text: %s; give every id as text, "
                       "written one way", ", ".join(said))


def check_symmetric(sim: np.ndarray, i: np.ndarray, j: np.ndarray) -> None:
    """One line where S[i, j] and S[j, i] differ beyond float32 rounding: RSA reads one triangle and
    odd-one-out accuracy each triplet's clip order, so an asymmetric matrix scored by presentation order."""
    a, b = sim[i, j], sim[j, i]
    bad = ~np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        x, y = int(min(i[k], j[k])), int(max(i[k], j[k]))
        raise BGSInputError(f"model similarity is not symmetric (S[{x}, {y}] = {sim[x, y]:.4g}, S[{y}, {x}] = "
                            f"{sim[y, x]:.4g}); pass (S + S.T) / 2")


def pair_keys(idx: np.ndarray, n_items: int) -> np.ndarray:
    """(n, 3) symmetric keys min*N+max for the pair columns (a,b), (a,c), (b,c)."""
    cols = [(idx[:, u], idx[:, v]) for u, v in PAIR_COLS]
    return np.stack([np.minimum(x, y) * n_items + np.maximum(x, y) for x, y in cols], axis=1)


def clip_count(idx: np.ndarray, n_items: Any = None) -> int:
    """``n_items`` as an int (a whole float such as 40.0 too; 4.5 or '4' refused in one line, which failed in numpy's
    bincount or comparison; a negative count too), or without it the clips the triplets name (largest index + 1)."""
    if n_items is None:
        return int(idx.max()) + 1 if idx.size else 0
    return whole_number(n_items, "n_items", least=0)  # -1 with no judgment failed in numpy's reshape


#: A clip count implied by the largest clip index (no ``n_items``) past this many clips, and past
#: :data:`LABEL_RATIO` times the distinct clips named, is refused as clip ids that are labels, not indices: 4096 clips
#: make N×N matrices of 8-byte values, 128 MiB each (a human similarity holds three, its counts and proportions,
#: beside a boolean mask, and twice as much in passing), while a subset of a set of up to 4096 clips (a split, clips
#: no one judged) costs little and is never refused.
LABEL_CLIPS = 4096
#: See :data:`LABEL_CLIPS`: a split of a tenth of a clip set's clips, by its global indices, stays under it.
LABEL_RATIO = 10


def matrix_clip_count(named: np.ndarray, n_items: Any = None) -> int:
    """:func:`clip_count` of a caller about to build N×N matrices from the clip indices ``named`` (triplets, items),
    refused in one line, before any matrix is made, where they read as labels: a lab's video numbers such as 100000
    made N×N matrices of 100,001 clips (80 GB each) until memory ran out. An explicit ``n_items`` is taken as given."""
    n_clips = clip_count(named, n_items)
    if n_items is not None or n_clips <= LABEL_CLIPS:
        return n_clips
    distinct = np.unique(named)
    if n_clips <= LABEL_RATIO * distinct.size:
        return n_clips
    gb = n_clips * n_clips * 8 / 1e9
    raise BGSInputError(
        f"clip indices run to {n_clips - 1:,} but name only {count(distinct.size, 'distinct clip')}: read as indices "
        f"0..N-1 they would make every N×N matrix {n_clips:,}×{n_clips:,} ({gb:,.1f} GB each). Clip ids that are "
        f"labels (a lab's video numbers) must be numbered 0..{distinct.size - 1} first: `clips, codes = "
        f"np.unique(idx, return_inverse=True)`, then `codes.reshape(-1, 3)` as the triplets and the model matrix's rows "
        f"in `clips` order (bgs_hf.data.load and `bgs-hf data import` number them so); if there really are "
        f"{n_clips:,} clips, build the human similarity with human_similarity(..., n_items={n_clips})")


def check_items(idx: np.ndarray, n_items: int) -> None:
    """One line at the first judgment naming a clip outside 0..n_items-1: a flat pair key would alias it to
    another pair."""
    if idx.size and (idx.min() < 0 or idx.max() >= n_items):
        row = int(np.flatnonzero((idx < 0).any(1) | (idx >= n_items).any(1))[0])
        raise BGSInputError(f"judgment row {row}: triplet {idx[row].tolist()} names a clip outside 0..{n_items - 1}")


def distinct_rows(idx: np.ndarray) -> np.ndarray:
    """True for triplets with three distinct clips (the others are catch trials)."""
    return (idx[:, 0] != idx[:, 1]) & (idx[:, 0] != idx[:, 2]) & (idx[:, 1] != idx[:, 2])


def drop_catch_trials(idx: np.ndarray, odd: np.ndarray, *aligned: Any, what: str) -> tuple[Any, ...]:
    """``(idx, odd, *aligned)`` without the triplets that repeat a clip (catch trials), with a warning.

    A catch trial has no three distinct pairs, so it carries no similarity information, and a model would
    score it for free (the similarity of a clip with itself is maximal). ``aligned`` arrays (participants,
    weights; ``None`` passes through) are filtered with the rows. ``what`` names the consumer in the warning.
    """
    ok = distinct_rows(idx)
    if ok.all():
        return (idx, odd, *aligned)
    logger.warning("dropping %d non-distinct (catch) triplets from %s", int((~ok).sum()), what)
    return (idx[ok], odd[ok], *(None if a is None else np.asarray(a)[ok] for a in aligned))


def similarity_counts(
    idx: np.ndarray, odd: np.ndarray, n_items: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Flat symmetric (n, k) counts of length N*N; ``weights`` per triplet (e.g. bootstrap multiplicity)."""
    keys = pair_keys(idx, n_items)
    kept = keys[np.arange(len(keys)), 2 - odd]
    size = n_items * n_items
    w3 = None if weights is None else np.repeat(np.asarray(weights, dtype=np.float64), 3)
    n = np.bincount(keys.ravel(), weights=w3, minlength=size)
    k = np.bincount(kept, weights=weights, minlength=size)
    n = n.reshape(n_items, n_items)
    k = k.reshape(n_items, n_items)
    # keys are (min, max): fill the lower triangle by symmetry (the diagonal stays 0 for distinct triplets)
    return n + n.T, k + k.T


def human_similarity(
    idx: Any, odd: Any = None, n_items: int | None = None, *, weights: np.ndarray | None = None
) -> HumanSimilarity:
    """Vectorised human similarity from valid triplets.

    ``idx`` (n,3) clip indices, ``odd`` (n,) positions 0/1/2, ``n_items`` = N; or a TripletArrays, which holds its
    own ``odd``: ``human_similarity(trip, n_items=N)``.
    Rows whose clips are not distinct (catch trials) are dropped with a warning: they carry no pair
    information. ``weights`` (n,), finite counts >= 0, counts each triplet that many times (a participant bootstrap
    counts its resamples so, by its own bincount: ``bootstrap._participant_pair_stat_fn``).
    """
    idx, odd = as_triplets(idx, odd)
    if weights is not None:
        weights = triplet_weights(weights, len(idx))
    n_items = matrix_clip_count(idx, n_items)
    check_items(idx, n_items)
    idx, odd, weights = drop_catch_trials(idx, odd, weights, what="human similarity")
    n, k = similarity_counts(idx, odd, n_items, weights)
    if weights is None or np.issubdtype(np.asarray(weights).dtype, np.integer):  # bincount gives floats; whole counts are int64
        n, k = np.rint(n).astype(np.int64), np.rint(k).astype(np.int64)
    mask = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(mask, k / np.where(mask, n, 1), np.nan)
    return HumanSimilarity(n=n, k=k, p=p, mask=mask)


def triplet_weights(weights: Any, n_judgments: int) -> np.ndarray:
    """``weights`` checked to be one finite count >= 0 per triplet: a negative weight subtracted its triplet from the
    counts and a NaN one made its pairs unobserved, without a word; text failed in numpy's float conversion."""
    arr = host_array(weights)  # a tensor that requires grad failed inside torch
    if arr.shape != (n_judgments,):
        raise BGSInputError(f"weights must have shape ({n_judgments},), one per triplet, got {arr.shape}")
    if arr.dtype.kind not in "biuf":  # text, or a table's numbers as objects
        arr = real_numbers(arr, "weights")
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise BGSInputError(f"judgment row {row}: weights must be finite counts >= 0, got {arr[row].item()!r}")
    return arr


def check_human(human: Any) -> None:
    """One line when triplets sit where the human similarity goes (``rsa_spearman(S, idx)``), which raised
    AttributeError "'numpy.ndarray' object has no attribute 'n_items'"."""
    if not all(hasattr(human, a) for a in ("n_items", "mask", "p")):
        raise BGSInputError(f"human must be a HumanSimilarity (build it with human_similarity(idx, odd, n_items)), "
                            f"got {type(human).__name__}; triplets go in idx=/odd=")


def pair_index(
    human: HumanSimilarity, items: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observed upper-triangle pairs: global (gi, gj), local positions (li, lj) in ``items``, and p."""
    check_human(human)
    if items is None:
        items = np.arange(human.n_items)
    items = item_indices(items)
    if items.size and items.min() < 0:
        raise BGSInputError(f"items must lie in 0..{human.n_items - 1}, got {int(items.min())}")
    if items.size and items.max() >= human.n_items:
        last = int(items.max())
        raise BGSInputError(f"items must lie in 0..{human.n_items - 1}, got {last}{unjudged_clips_hint(last + 1)}")
    if len(np.unique(items)) != len(items):
        raise BGSInputError("items must not repeat (use the bootstrap functions for resampling)")
    li, lj = np.triu_indices(len(items), k=1)
    gi, gj = items[li], items[lj]
    obs = human.mask[gi, gj]
    li, lj, gi, gj = li[obs], lj[obs], gi[obs], gj[obs]
    return gi, gj, li, lj, human.p[gi, gj]
