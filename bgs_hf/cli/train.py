"""`bgs-hf train`: BGS fine-tuning; identical to ``accelerate launch -m bgs_hf.train ...`` (see bgs_hf/train.py).

Every flag after ``train`` goes to ``HfArgumentParser`` (so all ``TrainingArguments`` flags work); the
top-level parser does not look at them, except ``-v``/``--verbose`` (taken as before ``train``). ``bgs-hf train -h``
lists them all.
"""

from __future__ import annotations

import argparse

from bgs_hf.cli._parser import take_verbose


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", add_help=False,
                       help="fine-tune a video backbone with BGS (all TrainingArguments flags; -h for the list)")

    def pass_through(args: list[str] | None = None, namespace: argparse.Namespace | None = None):  # noqa: ANN202
        # hand every remaining flag to HfArgumentParser inside `run` (transformers is imported only then)
        ns = namespace if namespace is not None else argparse.Namespace()
        verbose, ns.train_argv = take_verbose(list(args or []))
        if verbose:  # `bgs-hf train -v`: the console is set up before `run`, from the top level's namespace
            ns.verbose = True
        ns.func = run
        return ns, []

    p.parse_known_args = pass_through  # type: ignore[method-assign]


def run(args: argparse.Namespace) -> int:
    from bgs_hf.train import main

    return main(args.train_argv)
