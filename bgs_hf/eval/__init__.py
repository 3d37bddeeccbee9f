"""Evaluation suite. ``ODD_ONE_OUT_METRIC_PATH`` is the folder ``evaluate.load`` reads offline."""

from __future__ import annotations

from pathlib import Path

#: ``evaluate.load(ODD_ONE_OUT_METRIC_PATH)`` loads the odd-one-out metric from the installed package.
ODD_ONE_OUT_METRIC_PATH: str = str(Path(__file__).resolve().parent / "odd_one_out")
