"""Top-level `bgs-hf` parser. Each command module exposes ``register(subparsers)``.

Command modules import heavy libraries (torch, transformers, datasets) inside their ``run``
function, so ``bgs-hf --help`` answers instantly.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from bgs_hf.errors import BGSInputError

#: (module under bgs_hf.cli, one-line help). Order is the order in --help.
COMMANDS: tuple[str, ...] = (
    "quickstart",
    "data",
    "synth",
    "train",
    "evaluate",
    "baseline",
    "report",
    "pretrain_tiny",
    "push",
    "space",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bgs-hf",
        description="Behavioral Geometric Supervision: align video models with human odd-one-out judgments.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"bgs_hf.cli.{name}")
        except ModuleNotFoundError as err:  # a command still under construction
            if err.name != f"bgs_hf.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except BGSInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
