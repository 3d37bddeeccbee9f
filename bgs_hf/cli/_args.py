"""argparse value types with ranges: a bad number stops at parse time with argparse's one-line usage error,
instead of failing deep inside the run (or, worse, running with it)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An integer in [low, high] (e.g. a TCP port), refused by argparse itself otherwise."""
    at_least = int_at_least(low)

    def parse(text: str) -> int:
        value = at_least(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {value}")
        return value

    parse.__name__ = f"integer in [{low}, {high}]"
    return parse


def float_between(low: float, high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or not (value >= low and (high is None or value <= high)):
            raise argparse.ArgumentTypeError(f"must be in [{low}, {'inf' if high is None else high}], got {text}")
        return value

    parse.__name__ = "number"
    return parse
