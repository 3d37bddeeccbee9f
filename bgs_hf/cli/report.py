"""`bgs-hf report RUN_DIR...`: one markdown and one HTML report, runs side by side.

Each RUN_DIR holds an `evaluation.json` (from `bgs-hf evaluate --report DIR`) or is a quickstart's --out
folder (`make demo`'s runs/demo), whose `analyses/` holds one; figures are embedded in the HTML, linked from the
markdown.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bgs_hf.cli._parser import examples


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="markdown + HTML report of one or more evaluated runs, side by side",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("bgs-hf report runs/demo --out reports/demo",
                                       "bgs-hf report runs/a/eval runs/b/eval --out reports/ --title 'a vs b'"))
    p.add_argument("runs", nargs="+", metavar="RUN_DIR",
                   help="folders with evaluation.json, quickstart --out folders (their analyses/), or the JSON files")
    p.add_argument("--out", "--output-dir", type=Path, default=Path("report"), help="output folder (default: ./report)")
    p.add_argument("--title", default="bgs-hf evaluation report", help="report title (default: bgs-hf evaluation report)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report as the flags say. ``args`` is read, never changed (as `evaluate`'s run), so a caller that
    reuses the namespace gets back the runs it gave, repeats included."""
    from bgs_hf._files import check_output_folder
    from bgs_hf.eval.report import check_report_targets, distinct_runs, load_run, write_report

    check_output_folder(args.out, "--out")
    check_report_targets(args.out, "report", where="--out")  # a report.md of the user's: refused, not replaced
    paths = distinct_runs(args.runs)  # one run given twice (runs/x runs/x/) showed each of its rows twice
    runs = [load_run(r) for r in paths]
    labels = [r[0] for r in runs]
    if len(set(labels)) < len(labels):  # same folder names: use the full paths
        runs = [(str(Path(p)), res, folder) for p, (_, res, folder) in zip(paths, runs)]
    md, page = write_report(runs, args.out, title=args.title, stem="report")
    print(f"wrote {md} and {page}")
    return 0
