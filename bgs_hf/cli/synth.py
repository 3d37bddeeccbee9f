"""`bgs-hf synth OUT`: generate the SocialShapes benchmark (or its PHASE-like abstract set)."""

from __future__ import annotations

import argparse

from bgs_hf._files import require_new_folder
from bgs_hf.cli._args import float_between, int_at_least
from bgs_hf.cli._parser import examples


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate the SocialShapes synthetic benchmark (videos, simulated judgments, ratings, captions)",
        description="Render SocialShapes clips and simulate odd-one-out observers calibrated to the Garcia & "
        "Isik release. Output: the release's file layout (or the Hub layout with --format hub). The disk, memory and "
        "time a run needs are estimated and said first (the judgments grow with the square of --clips, the pixels "
        "with --frames x --size squared); a run whose estimate exceeds the free disk under OUT or the machine's "
        "memory is refused unless --force.",
        epilog=examples("bgs-hf synth /tmp/ss --seed 1", "bgs-hf synth /tmp/ss_hub --format hub --clips 100",
                        "bgs-hf synth /tmp/ss_abs --abstract"),
    )
    p.add_argument("out", metavar="OUT", help="output folder (must not exist, or be empty)")
    p.add_argument("--clips", type=int, default=None, help="number of clips, at least 10 (default 250; not with --abstract)")
    p.add_argument(
        "--seed", type=int_at_least(0), default=0, help="seed; the same seed gives the same benchmark (default 0)"
    )
    p.add_argument(
        "--format", choices=("release", "hub"), default=None, help="output layout (default release; not with --abstract)"
    )
    p.add_argument("--abstract", action="store_true", help="write the PHASE-like abstract OOD set instead")
    # 2: a clip needs two frames to move (SynthConfig.num_frames); ">= 1" promised a 1 the config then refused
    p.add_argument("--frames", type=int_at_least(2), default=None, help="frames per clip, at least 2 (default 16)")
    p.add_argument("--size", type=int, default=None, help="frame side in pixels, even, at least 16 (default 64)")
    p.add_argument("--workers", type=int_at_least(1), default=None, help="render processes (default 2)")
    p.add_argument(
        "--beta", type=float_between(0.0), default=None, help="observer consistency (softmax inverse temperature; default 3)"
    )
    p.add_argument("--lapse", type=float_between(0.0, 1.0), default=None, help="observer random-guess rate, 0..1 (default 0.1)")
    p.add_argument(
        "--overlap", type=float_between(0.0, 1.0), default=None, help="how much interaction types share parameter ranges, 0..1 (default 0.25)"
    )
    # a small benchmark's test split may hold no judgment (a triplet needs all three clips in it): a larger share helps
    p.add_argument("--test-fraction", type=float_between(0.0, 1.0, open_low=True, open_high=True), default=None,
                   help="share of clips in the test split, in (0, 1) (default 0.2)")
    p.add_argument("--force", action="store_true",
                   help="run even when the estimate says the output will not fit the free disk or the memory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from bgs_hf.errors import BGSInputError, BGSSettingError
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import SYNTH_FLAGS, generate_abstract_set, generate_socialshapes

    flags = {**SYNTH_FLAGS, "workers": "--workers"}
    overrides = {
        "num_frames": args.frames,
        "size": args.size,
        "workers": args.workers,
        "choice_beta": args.beta,
        "lapse": args.lapse,
        "param_overlap": args.overlap,
        "test_fraction": args.test_fraction,
    }
    try:
        config = replace(SynthConfig(), **{k: v for k, v in overrides.items() if v is not None})
    except ValueError as err:  # named as the flag typed: `--size 31` read "SynthConfig.size must be ..."
        message = str(err)
        for field, flag in flags.items():
            message = message.replace(f"SynthConfig.{field} ", f"{flag} ")
        raise BGSInputError(message) from err
    unused = [flag for flag, value in (("--clips", args.clips), ("--format", args.format), ("--beta", args.beta),
                                       ("--lapse", args.lapse), ("--overlap", args.overlap),
                                       ("--test-fraction", args.test_fraction)) if value is not None]
    if args.abstract and unused:  # it has no observers, and its interactions never share parameter ranges
        raise BGSInputError("--abstract writes the fixed abstract OOD set: --clips and --format do not apply, nor "
                            f"do --beta, --lapse, --overlap and --test-fraction (got {' '.join(unused)})")
    n_clips, fmt = (250 if args.clips is None else args.clips), (args.format or "release")
    require_new_folder(args.out, "OUT")
    if fmt == "hub" and not args.abstract:  # the release layout is read without datasets, whatever its path
        from bgs_hf.data.hub import require_loadable_folder

        require_loadable_folder(args.out, "OUT")
    t0 = time.perf_counter()
    try:
        if args.abstract:
            out = generate_abstract_set(args.out, seed=args.seed, config=config, force=args.force)
        else:
            out = generate_socialshapes(args.out, n_clips=n_clips, seed=args.seed, fmt=fmt, config=config,
                                        force=args.force)
    except BGSSettingError as err:  # the library's refusals (--clips 9, the estimate) name n_clips as typed: --clips
        raise err.as_flags("-", {**flags, "n_clips": "--clips"}) from None
    print(f"wrote {out} in {time.perf_counter() - t0:.1f} s")
    return 0
