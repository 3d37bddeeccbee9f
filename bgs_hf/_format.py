"""Text rules shared across packages: printing a statistic that may be undefined (no ceiling on a few judgments, a
collapsed model), and the form of a Hub licence id."""

from __future__ import annotations

import math
import re
from typing import Any


def fmt(value: Any, spec: str, missing: str = "n/a") -> str:
    """``format(value, spec)``, or ``missing`` when the value is undefined (``None`` or NaN: the JSON files
    store NaN as null, the in-memory results keep NaN, and both must read the same)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return format(value, spec)


def fmt_ci(ci: Any) -> str:
    """`` [lo, hi]`` to three decimals after an estimate, or nothing when either end is undefined (cards and the
    Space show a bare estimate rather than ``[n/a, n/a]``)."""
    if not ci or len(ci) != 2 or "" in (fmt(ci[0], ".3f", ""), fmt(ci[1], ".3f", "")):
        return ""
    return f" [{ci[0]:.3f}, {ci[1]:.3f}]"


def hub_license_id(license: str) -> str:
    """A Hub licence id: lower case (the Hub refuses ``MIT`` and ``Apache-2.0``, accepts ``mit``, ``apache-2.0``)."""
    from bgs_hf.errors import BGSInputError

    lid = license.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+\-]*", lid):
        raise BGSInputError(f"--license {license!r} is not a Hub licence id (e.g. apache-2.0, mit, cc-by-4.0, other)")
    return lid
