"""`bgs-hf quickstart`: the main job on the embedded default (placeholder until issue #5 lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quickstart", help="run the main demo on the bundled SocialShapes benchmark")
    p.add_argument("--out", default="runs/demo", help="output folder (default: runs/demo)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("bgs-hf quickstart: not yet available (issue #5).")
    return 0
