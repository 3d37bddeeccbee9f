"""Helpers every baseline shares: which clips a split holds and their clips-table values."""

from __future__ import annotations

from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.fit import no_judgments_error, split_items

__all__ = ["clip_column", "scored_items", "split_items"]


def clip_column(data: Any, column: str, items: np.ndarray) -> list[Any]:
    """One clips-table column for the given clip indices, in that order."""
    if column not in data.clips.column_names:
        raise BGSInputError(f"{getattr(data, 'name', 'data')}: clips table has no {column!r} column")
    values = data.clips[column]
    return [values[int(i)] for i in items]


def scored_items(data: Any, split: str) -> np.ndarray:
    """The clips of ``split`` a baseline scores, refused first when no judgment lies in it (``behavioural_fit``'s one
    line): that came only once every clip's similarity was computed, every video decoded for the pixels."""
    items = split_items(data, split)
    if not len(data.triplets(split).idx):
        raise no_judgments_error(data, split)
    return items
