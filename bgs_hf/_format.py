"""One rule for printing a statistic that may be undefined (no ceiling on a few judgments, a collapsed model)."""

from __future__ import annotations

import math
from typing import Any


def fmt(value: Any, spec: str, missing: str = "n/a") -> str:
    """``format(value, spec)``, or ``missing`` when the value is undefined (``None`` or NaN: the JSON files
    store NaN as null, the in-memory results keep NaN, and both must read the same)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return format(value, spec)
