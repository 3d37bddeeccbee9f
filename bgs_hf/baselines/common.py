"""Helpers every baseline shares: which clips a split holds and their clips-table values."""

from __future__ import annotations

from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics.fit import split_items

__all__ = ["clip_column", "split_items"]


def clip_column(data: Any, column: str, items: np.ndarray) -> list[Any]:
    """One clips-table column for the given clip indices, in that order."""
    if column not in data.clips.column_names:
        raise BGSInputError(f"{getattr(data, 'name', 'data')}: clips table has no {column!r} column")
    values = data.clips[column]
    return [values[int(i)] for i in items]
