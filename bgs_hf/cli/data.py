"""`bgs-hf data`: statistics, validation, export and publication of odd-one-out datasets.

SOURCE is a release folder (its root or its `data/`), a Hub-layout folder, or a Hub dataset repo id.
Your own trials (a CSV naming videos by file name) and a video folder: `bgs-hf data import` first.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from pathlib import Path
from typing import Any

from bgs_hf._files import is_written_in_place, require_new_folder, write_text_atomic
from bgs_hf._format import agree, count
from bgs_hf.cli._args import (
    JSON_STDOUT_HELP,
    check_output_file,
    float_between,
    int_at_least,
    json_file,
    one_line_text,
    output_file,
)
from bgs_hf.cli._parser import examples, flags_as_typed
from bgs_hf.errors import BGSInputError

#: the train/test draw of clips, for data without stimulus_set: one name with `train --split_seed`, `data import`
_SPLIT_SEED = ("seed of the train/test draw of clips, for data without stimulus_set, as `train --split_seed` "
               "and `data import --split-seed`")


def _add_source(p: argparse.ArgumentParser, *, seeds: str = "the validation carve-out",
                validation: bool = True) -> None:
    p.add_argument("source", metavar="SOURCE", help="release folder, Hub-layout folder, or Hub dataset repo id")
    if not validation:  # export/push store the train/test draw only, the one seeded thing: --seed was its name here
        p.add_argument("--split-seed", type=int_at_least(0), default=None, help=f"{_SPLIT_SEED} (0)")
        p.add_argument("--seed", type=int_at_least(0), default=None, help="the same as --split-seed (its older name)")
        for flag in ("--val-fraction", "--val-split"):  # they would change nothing stored, so they are refused
            p.add_argument(flag, action=_NotStored, command=p.prog.split()[-1])
        return
    p.add_argument("--seed", type=int_at_least(0), default=0,
                   help=f"seed of {seeds}; also of the train/test draw unless --split-seed is given (0)")
    p.add_argument("--split-seed", type=int_at_least(0), default=None, help=f"{_SPLIT_SEED} (default: --seed)")
    p.add_argument("--val-fraction", type=float_between(0.0, 1.0, open_high=True), default=0.2,
                   help="share of train clips held out as validation, in [0, 1) (0.2)")
    # bgs_hf.data.splits.VAL_SPLITS, spelled out: importing bgs_hf.data here would load pandas for every command
    p.add_argument("--val-split", choices=("seeded", "paper"), default="seeded",
                   help="validation carve-out of train: a seeded draw (--val-fraction, --seed), or the paper's v1 "
                        "recipe (scikit-learn train_test_split, random_state 42: on the paper's release its 40 "
                        "validation clips; elsewhere the same recipe on that data's train clips) (seeded)")


class _NotStored(argparse.Action):
    """A validation flag on ``data export``/``push``: the Hub layout stores the train/test split only (its
    ``stimulus_set``), and the card shows train/test only, so the flag was accepted and silently changed nothing."""

    def __init__(self, option_strings: list[str], dest: str, *, command: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs="?", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        self.command = command

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        raise argparse.ArgumentError(self, f"not used by `data {self.command}`: it writes the train/test split only "
                                           "(stimulus_set), and validation is carved out of train where the data is "
                                           "used: give --val-split/--val-fraction to `bgs-hf train` or `bgs-hf data "
                                           "stats`")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="inspect, validate, export and publish odd-one-out datasets",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("bgs-hf data stats /tmp/ss --json s.json",
                                       "bgs-hf data validate ../shared/data/garcia-isik-release",
                                       "bgs-hf data import trials.csv videos/ my-study"))
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])  # no ACTION: a usage error, like no COMMAND

    s = dsub.add_parser("stats", help="print counts, splits and noise ceilings; write JSON and a PNG",
                        epilog=examples("bgs-hf data stats /tmp/ss --json s.json",
                                        "bgs-hf data stats ../shared/data/garcia-isik-release --no-png --seed 1"))
    # the seed also draws the split-halves, so the ceiling printed for --seed S is the one `quickstart --seed S` reports
    _add_source(s, seeds="the validation carve-out and the noise ceiling's split-halves")
    s.add_argument("--json", type=json_file("stats.json"), metavar="FILE", help="write the statistics as JSON" + JSON_STDOUT_HELP)
    s.add_argument("--png", type=output_file("human_similarity.png"), metavar="FILE",
                   help="human similarity matrix plot (default: the JSON path with .png; human_similarity.png without "
                        "--json, or when --json is a stream such as /dev/stdout); a stream given here (/dev/stdout) "
                        "gets a PNG, and the printed statistics then go to stderr")
    s.add_argument("--no-png", action="store_true", help="do not write the similarity plot")
    s.add_argument("--n-splits", type=int_at_least(1), default=100, help="split-half resamples for the noise ceiling (100)")
    s.set_defaults(func=run_stats)

    v = dsub.add_parser("validate", help="list every problem in a dataset; exit 1 if there is any",
                        epilog=examples("bgs-hf data validate ../shared/data/garcia-isik-release", "bgs-hf data validate my-study --no-decode"))
    _add_source(v)
    v.add_argument("--no-decode", action="store_true", help="check that videos exist but do not decode them")
    v.set_defaults(func=run_validate)

    e = dsub.add_parser("export", help="write any source in the Hub layout (parquet configs + card)",
                        epilog=examples("bgs-hf data export ../shared/data/garcia-isik-release /tmp/release-hub",
                                        "bgs-hf data export /tmp/ss /tmp/ss-hub --pretty-name 'SocialShapes seed 1'"))
    _add_source(e, validation=False)
    e.add_argument("out", metavar="OUT", type=Path, help="output folder (must not exist, or be empty)")
    e.add_argument("--no-card", action="store_true", help="README with the configs only, no dataset card")
    _add_card_flags(e)
    e.set_defaults(func=run_export)

    i = dsub.add_parser(
        "import", help="turn your own CSV of trials (video file names) + a video folder into the Hub layout",
        description="Check every row of a trial-per-row CSV (participant, trial, video1, video2, video3, "
                    "odd_one_out, rt, session; header case, spaces, '-' and '_' are ignored), list every problem, and write OUT in the Hub "
                    "layout (a trial naming a video twice, or marked true in a catch_trial_flag or is_catch column, is a "
                    "catch trial) with the videos copied and a train/test split of the clips frozen in it: your study's "
                    "own (--test-videos) or a seeded draw.",
        epilog=examples("bgs-hf data import trials.csv videos/ my-study",
                        "bgs-hf data import trials.csv videos/ my-study --rt-ms --skip-incomplete --license cc-by-4.0",
                        "bgs-hf data import trials.csv videos/ my-study --test-videos test_videos.txt "
                        "--captions captions.csv --ratings ratings.csv",
                        "bgs-hf data import t.csv videos/ my-study --videos-columns left,middle,right --odd choice"))
    i.add_argument("table", metavar="TABLE", type=Path, help="CSV, one row per trial")
    i.add_argument("videos", metavar="VIDEOS", type=Path,
                   help="folder the CSV's video names are relative to (sub-folders allowed)")
    i.add_argument("out", metavar="OUT", type=Path, help="output folder (must not exist, or be empty)")
    i.add_argument("--videos-columns", default="video1,video2,video3", metavar="A,B,C",
                   help="the three columns naming the trial's videos (video1,video2,video3)")
    i.add_argument("--odd", default="odd_one_out", metavar="COL",
                   help="column naming the odd video, as one of the three names (odd_one_out)")
    i.add_argument("--participant", default="participant", metavar="COL",
                   help="participant column (participant; one naming a different participant in every trial is "
                        "warned of)")
    named = "; optional under that name, a name you give must exist"
    i.add_argument("--trial", default="trial", metavar="COL", help=f"trial number column (trial{named})")
    i.add_argument("--rt", default="rt", metavar="COL",
                   help=f"response time column (rt{named}; an empty cell is missing, a negative time a problem, a "
                        "time of 0 is stored as 0 s with a warning counting them: leave a time not recorded empty)")
    i.add_argument("--rt-ms", action="store_true",
                   help="the response time is in milliseconds (default: seconds); a median under 20 ms with it, or "
                        "over 300 s without it, is warned of")
    i.add_argument("--session", default="session", metavar="COL", help=f"session column (session{named})")
    i.add_argument("--skip-incomplete", action="store_true",
                   help="drop rows with an empty video/odd/participant cell (non-responses) instead of failing")
    i.add_argument("--skip-missing-videos", action="store_true",
                   help="drop the trials (and --test-videos/--captions/--ratings rows) naming a video that no file "
                        "in VIDEOS has, with one line naming them, instead of failing; a name that is a file's in "
                        "another case, extension or folder is still a problem (a typo, not a lost video)")
    i.add_argument("--test-videos", type=Path, metavar="FILE",
                   help="your study's test split: a text file naming its test videos, one per line, as the CSV names "
                        "them; every other clip is train (default: a seeded draw of clips, which splits trials drawn "
                        "within fixed sets of clips)")
    i.add_argument("--test-fraction", type=float_between(0.0, 1.0, open_low=True, open_high=True), default=None,
                   help="without --test-videos: share of clips drawn into the test split, in (0, 1) (0.2)")
    i.add_argument("--split-seed", type=int_at_least(0), default=None,
                   help="without --test-videos: seed of the train/test draw (0)")
    i.add_argument("--captions", type=Path, metavar="FILE",
                   help="a CSV of video,caption rows (several rows per video allowed, in caption_index order if it "
                        "has that column; videos named as in the trials CSV): the clips' captions, for the caption "
                        "baseline (default: none)")
    i.add_argument("--ratings", type=Path, metavar="FILE",
                   help="a CSV of video,<attribute>,... rows (videos named as in the trials CSV; every other column "
                        "numeric, each a rating_<attribute> of the clips, header case, spaces, '-', '_' and a "
                        "'rating' prefix ignored; a rater/participant column is allowed): several rows per video (one "
                        "per rater) are averaged, a rater's own repeats of a video first (each rater counts once), "
                        "an empty cell or an unlisted clip is not rated; `bgs-hf evaluate`'s "
                        "attribute probes read valence, arousal, dominance, intimacy and communication (default: "
                        "none)")
    _add_card_flags(i, default_license="none declared (the card says `other`: licence not declared)")
    i.set_defaults(func=run_import)

    u = dsub.add_parser("push", help="export to the Hub layout and upload as a dataset repo",
                        epilog=examples("bgs-hf data push my-study --repo-id you/my-study --local-dir /tmp/staged",
                                        "bgs-hf data push my-study --repo-id you/my-study --private"))
    _add_source(u, validation=False)
    u.add_argument("--repo-id", default=None,
                   help="target dataset repo, e.g. user/social-ooo (needed to upload; with --local-dir it names the "
                        "repo in the staged card's loading snippet, else the snippet says <this repo or folder>)")
    u.add_argument("--private", action="store_true", help="create the repo as private (not with --local-dir)")
    u.add_argument("--local-dir", type=Path,
                   help="write the Hub folder here and upload nothing (inspect before publishing)")
    _add_card_flags(u)
    u.set_defaults(func=run_push)


#: --license's default where the source is a dataset folder (an import's CSV has no licence of its own)
SOURCE_LICENSE = ("the source's own (a SocialShapes benchmark: apache-2.0; a Hub-layout folder: its card's; the "
                  "Garcia & Isik release, known by its files: none; another folder in its layout: none declared)")


def _add_card_flags(p: argparse.ArgumentParser, default_license: str = SOURCE_LICENSE) -> None:
    p.add_argument("--license", metavar="ID",
                   help=f"licence of your data (a Hub licence id, e.g. cc-by-4.0); default: {default_license}")
    p.add_argument("--license-name", metavar="ID",
                   help="with --license other: the id of your terms on the card (e.g. lab-terms-1.0; default "
                        "publisher-terms); the source's own licence name and link are not kept")
    p.add_argument("--license-link", metavar="URL", help="with --license other: an https:// address of your terms")
    p.add_argument("--pretty-name", metavar="TEXT", type=one_line_text,
                   help="the dataset's display name on its card (one line)")


def _declared_license(args: argparse.Namespace) -> tuple[str, str | None, str | None] | None:
    """The licence the flags declare, checked before any data loads or anything is written (``None``: none)."""
    from bgs_hf.data.hub import declared_license

    if args.license is None and args.license_name is None and args.license_link is None:
        return None
    return declared_license(args.license, args.license_name, args.license_link)


def _card_info(source_info, args: argparse.Namespace):  # noqa: ANN001, ANN202
    """The card's ``source_info`` (where the data comes from) under the licence and display name the flags give."""
    from dataclasses import replace

    from bgs_hf.data.hub import with_declared_license

    declared = _declared_license(args)
    info = source_info if declared is None else with_declared_license(source_info, *declared)
    return replace(info, pretty_name=args.pretty_name) if args.pretty_name else info


def _load(args: argparse.Namespace):  # noqa: ANN202
    """SOURCE split as the flags say; export/push take only the train/test draw's seed (see ``_add_source``)."""
    from bgs_hf.data import load

    if not hasattr(args, "val_split"):  # export/push: --seed is --split-seed's older name
        if None not in (args.seed, args.split_seed) and args.seed != args.split_seed:
            raise BGSInputError(f"--seed {args.seed} and --split-seed {args.split_seed} both name the train/test draw "
                                f"in `data {args.data_command}`: give --split-seed only")
        split_seed = args.split_seed if args.split_seed is not None else args.seed or 0
        # no validation flags (they store train/test only): the defaults, which split nothing stored
        return load(args.source, seed=split_seed, split_seed=split_seed)
    return load(args.source, val_fraction=args.val_fraction, seed=args.seed, split_seed=args.split_seed,
                val_split=args.val_split)


#: what the stats plot's axes count: positions in its clip order, not the clips' indices (the release's test clips
#: are 3, 6, 17, ... of video_mapping.csv, drawn at 0, 1, 2, ... and after the 200 train clips)
PANEL_AXES = ("position: train clips, then test clips", "position among the test clips")
#: A panel of at most this many clips names each row and column (a pilot study's 12 clips are read by name; the
#: release's 250 would be an unreadable wall of names, so its panels keep counting positions).
MAX_NAMED_CLIPS = 30


def _panel_orders(data) -> tuple[Any, Any]:  # noqa: ANN001
    """The clips of the two panels, in their row order: train (fit) then test, and test alone."""
    import numpy as np

    fit, test = data.split_items("fit"), data.split_items("test")
    return np.concatenate([fit, test]), test


def panel_clip_names(data) -> list[list[str] | None]:  # noqa: ANN001
    """Each panel's clip ids in row order where it has at most MAX_NAMED_CLIPS clips, else None (positions)."""
    return [[data.clip_ids[int(i)] for i in order] if len(order) <= MAX_NAMED_CLIPS else None
            for order in _panel_orders(data)]


def similarity_panels(data) -> dict:  # noqa: ANN001
    """Human p_ij over all valid judgments (clips ordered train then test) and within test; axes: PANEL_AXES."""
    import numpy as np

    from bgs_hf.metrics.similarity import human_similarity

    order, test = _panel_orders(data)
    p_all = human_similarity(data.triplets(None), n_items=data.n_clips).p[np.ix_(order, order)]
    p_test = human_similarity(data.triplets("test"), n_items=data.n_clips).p[np.ix_(test, test)]
    return {
        f"all valid judgments ({len(order) - len(test)} train | {len(test)} test clips)": p_all,
        f"test split ({len(test)} clips)": p_test,
    }


def _check_pgf_texsystem() -> None:
    """Refuse ``--png X.pgf`` now where matplotlib's TeX system (``pgf.texsystem``, xelatex unless set) is not on the
    PATH: the pgf backend measures every label with it, so the plot failed with a RuntimeError traceback once the
    statistics had run."""
    import shutil

    import matplotlib

    texsystem = matplotlib.rcParams["pgf.texsystem"]
    if shutil.which(texsystem) is None:
        raise BGSInputError(f"--png .pgf needs {texsystem} (matplotlib's pgf.texsystem) to measure the plot's text, "
                            "and it is not on the PATH: install a TeX system, or choose another format (.pdf and .svg "
                            "are vector figures too)")


def _plot_path(args: argparse.Namespace) -> Path | None:
    """Where `data stats` draws its plot (``None``: --no-png), and --json, both checked before the statistics run.

    The plot goes beside --json (or in the working folder) unless named. Not beside a --json written as it is
    (``/dev/stdout``, ``/dev/null``): ``/dev/stdout.png`` was refused as "/dev takes no new file" (``--json
    /dev/stdout`` needed --no-png), or as root written into /dev."""
    from bgs_hf.viz.matrices import figure_suffixes

    if args.png is not None and args.no_png:  # the plot was silently not written
        raise BGSInputError("--png FILE and --no-png contradict each other: give one of them")
    check_output_file(args.png, "--png")  # `--png out/` is a folder, as for --json, not a name without a suffix
    # a stream (`--png /dev/stdout | display`) has no suffix to end in: it gets a PNG, as the flag's name says
    if args.png is not None and args.png.suffix.lower() not in figure_suffixes() and not is_written_in_place(args.png):
        raise BGSInputError(f"--png must end in one of {', '.join(sorted(figure_suffixes()))} (the plot's format)",
                            path=args.png)
    if args.png is not None and args.png.suffix.lower() == ".pgf":
        _check_pgf_texsystem()
    check_output_file(args.json, "--json")  # before a plot path is made from it
    beside_json = args.json is not None and not is_written_in_place(args.json)
    png = None if args.no_png else args.png or (args.json.with_suffix(".png") if beside_json
                                                else Path("human_similarity.png"))
    if png is not None and args.json is not None and png.resolve() == args.json.resolve():  # the plot replaced it
        raise BGSInputError(f"--json and {'--png' if args.png else 'the plot (--png: the JSON path with .png)'} name "
                            f"one file, {args.json}: give the plot another name, or --no-png")
    if args.png is None:  # a --png given is checked above
        check_output_file(png, "the plot (--png)")
    return png


def run_stats(args: argparse.Namespace) -> int:
    from bgs_hf.data.stats import data_stats, format_stats

    png = _plot_path(args)
    data = _load(args)
    stats = data_stats(data, n_splits=args.n_splits, seed=args.seed)
    print(format_stats(stats))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(args.json, json.dumps(stats, indent=2) + "\n")
        print(f"wrote {args.json}")
    if png is not None:
        from bgs_hf.viz import plot_similarity_matrices

        whose = "Simulated observers'" if data.simulated_observers else "Human"  # SocialShapes' judges are simulated
        plot_similarity_matrices(similarity_panels(data), png, title=f"{whose} similarity p_ij: {data.name}",
                                 vmin=0.0, vmax=1.0, label="p_ij (hatched: unobserved pair or the diagonal)",
                                 axis_label=PANEL_AXES, tick_names=panel_clip_names(data))
        print(f"wrote {png}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from bgs_hf.data import validate
    from bgs_hf.data.checks import count_problems
    from bgs_hf.data.splits import SplitConfig
    from bgs_hf.data.validate import split_notes

    split_config = SplitConfig(val_fraction=args.val_fraction, seed=args.seed, split_seed=args.split_seed,
                               val_split=args.val_split)
    data, problems = validate(args.source, decode_videos=not args.no_decode, split_config=split_config)
    for err in problems:  # a refused setting (val_split 'paper') named as the flags typed, as an error would be
        print(f"problem: {flags_as_typed(err, getattr(args, 'typed_argv', ()))}")
    if problems:
        print(f"{count(count_problems(problems), 'problem')} found in {args.source}")
        return 1
    for note in split_notes(data):
        print(f"note: {note}")
    print(f"OK: {data!r}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from bgs_hf.data import write_hub
    from bgs_hf.data.hub import default_card_info, require_loadable_folder

    require_new_folder(args.out, "OUT")
    require_loadable_folder(args.out, "OUT")
    _declared_license(args)
    data = _load(args)
    out = write_hub(data, args.out, card=not args.no_card, card_info=_card_info(default_card_info(data), args))
    print(f"wrote Hub layout to {out} (load with datasets.load_dataset({str(out)!r}, 'judgments'))")
    return 0


def _triplet_columns(args: argparse.Namespace):  # noqa: ANN202
    """The trials CSV's columns as `data import`'s flags name them."""
    from bgs_hf.data.triplet_table import TripletColumns

    videos = tuple(c.strip() for c in args.videos_columns.split(","))
    if len(videos) != 3 or "" in videos:
        # one name may be a column listing all three in a cell (jsPsych's stimulus), which no flag reads
        listed = ("; a column listing all three in one cell (jsPsych's stimulus) is not read: split it into three"
                  if len(videos) == 1 else "")
        raise BGSInputError(f"--videos-columns needs three column names, got {args.videos_columns!r}: the CSV's "
                            f"three video columns, comma-separated (e.g. --videos-columns left,middle,right){listed}")
    return TripletColumns(videos=videos, odd=args.odd, participant=args.participant, trial=args.trial or None,
                          rt=args.rt or None, rt_unit_s=0.001 if args.rt_ms else 1.0, session=args.session or None)


def _files_with_problems(problems: list[BGSInputError], table: Path) -> str:
    """The files `data import`'s problems lie in, as its last line names them: the trials table (as typed) for its own
    problems and those naming no file, and each other file a problem names (a --ratings, --captions or --test-videos
    file, the video folder), in the order first met. The line named the table alone: a bad --ratings header was
    "found in judgments.csv"."""
    names: list[str] = [] if problems else [str(table)]
    for problem in problems:
        path = problem.path
        name = str(table) if path is None or os.path.abspath(path) == os.path.abspath(table) else str(path)
        if name not in names:
            names.append(name)
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def run_import(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bgs_hf.data import write_hub
    from bgs_hf.data.checks import count_problems
    from bgs_hf.data.hub import default_card_info, require_loadable_folder
    from bgs_hf.data.splits import SplitConfig
    from bgs_hf.data.triplet_table import collect_problems

    require_new_folder(args.out, "OUT")
    require_loadable_folder(args.out, "OUT")
    _declared_license(args)
    if args.test_videos is not None and (args.test_fraction, args.split_seed) != (None, None):
        given = "--test-fraction" if args.test_fraction is not None else "--split-seed"
        raise BGSInputError(f"--test-videos names the test clips, so {given} (of the seeded draw) would change "
                            "nothing: give one or the other")
    columns = _triplet_columns(args)
    split_config = SplitConfig(test_fraction=0.2 if args.test_fraction is None else args.test_fraction,
                               split_seed=args.split_seed or 0)
    data, problems = collect_problems(args.table, args.videos, columns=columns, skip_incomplete=args.skip_incomplete,
                                      skip_missing_videos=args.skip_missing_videos, split_config=split_config, test_videos=args.test_videos,
                                      captions=args.captions, ratings=args.ratings, decode_videos=True)
    for err in problems:
        print(f"problem: {err}")
    if problems or data is None:
        print(f"{count(count_problems(problems), 'problem')} found in {_files_with_problems(problems, args.table)}; "
              "nothing written")
        return 1
    # the table's name as typed (through a symlink, not its target's), as read_triplet_table records it
    source_info = replace(default_card_info(data), pretty_name=args.out.name)
    out = write_hub(data, args.out, card_info=_card_info(source_info, args))
    _print_imported(data, args, out)
    # quoted for the shell, as it is there to be pasted: "out/my study" unquoted validated the folder out/my
    print(f"next: bgs-hf data validate {shlex.quote(str(out))}")
    return 0


def _print_imported(data, args: argparse.Namespace, out: Path) -> None:  # noqa: ANN001
    """What `data import` wrote, as stored: not the in-memory repr (with a val carve-out the dataset does not store);
    and the judgments no split can use."""
    n_test = len(data.split_items("test"))
    # n_participants counts the column's array at once (a set of the column read it row by row)
    print(f"wrote {out}: {data.n_clips} clips ({data.n_clips - n_test} train, {n_test} test), {len(data.judgments)} "
          f"judgments from {count(data.n_participants, 'participant')}")
    if args.captions is not None:
        n_captioned = sum(bool(c) for c in data.clips["captions"])
        print(f"captions: {n_captioned} of {data.n_clips} clips {agree(n_captioned, 'has', 'have')} at least one")
    if args.ratings is not None:
        _print_ratings(data)
    mixed = data.mixed_judgments()
    if mixed:  # a design that drew each trial within its own set of clips lost about half of them, without a word
        n_valid = len(data.judgments) - data.n_catch
        fix = ("check that --test-videos lists every test video" if args.test_videos is not None else
               "if your trials were drawn within fixed sets of clips, name your test videos with --test-videos FILE")
        print(f"note: {mixed} of the {n_valid} valid judgments {agree(mixed, 'mixes', 'mix')} train and test clips "
              f"and {agree(mixed, 'is', 'are')} used by neither (train {len(data.triplets('fit'))}, test "
              f"{len(data.triplets('test'))}): a split counts only the trials whose three videos all lie in it; {fix}")


def _print_ratings(data) -> None:  # noqa: ANN001
    """How many clips each imported rating covers, and which of them the attribute probes read (a column named
    otherwise is stored but never probed)."""
    import numpy as np

    from bgs_hf.eval.probes import PROBE_ATTRS

    names = [c for c in data.clips.column_names if c.startswith("rating_")]
    rated = [int(np.isfinite(np.asarray(data.clips[c], dtype=np.float64)).sum()) for c in names]
    print("ratings: " + ", ".join(f"{c.removeprefix('rating_')} ({n} of {data.n_clips} clips)"
                                  for c, n in zip(names, rated)))
    probed = [a for a in PROBE_ATTRS if f"rating_{a}" in names]
    if not probed:
        print(f"note: `bgs-hf evaluate` probes none of them: its attribute probes read {', '.join(PROBE_ATTRS)}")
    # a header with its scale or a suffix ('Valence (1-9)', 'arousal_mean') is stored as another rating, and the probe
    # of that attribute was skipped at evaluate with no word at import
    for attr in (a for a in PROBE_ATTRS if a not in probed):
        near = [c.removeprefix("rating_") for c in names if c.startswith(f"rating_{attr}_")]
        if near:
            whose = agree(len(near), "is a rating of its", "are ratings of their")
            print(f"note: {', '.join(near)} {whose} own, not the {attr} rating `bgs-hf evaluate` probes: head the "
                  f"column '{attr}' alone to probe it")


def run_push(args: argparse.Namespace) -> int:
    import tempfile
    from dataclasses import replace

    from bgs_hf.data import write_hub
    from bgs_hf.data.hub import RELEASE_LICENSE_NAME, default_card_info, push_to_hub, require_loadable_folder
    from bgs_hf.hub.push import refuse_private_staging, validate_repo_id

    if args.repo_id is None and args.local_dir is None:  # staging alone names no repo: its card keeps the placeholder
        raise BGSInputError("--repo-id USER/NAME is needed to upload (or pass --local-dir DIR to stage the folder "
                            "without uploading)")
    if args.repo_id is not None:
        validate_repo_id(args.repo_id)  # also with --local-dir: the staged card's snippet names the repo
    refuse_private_staging(args.private, args.local_dir)
    if args.local_dir:
        require_new_folder(args.local_dir, "--local-dir")
        require_loadable_folder(args.local_dir, "--local-dir")
    _declared_license(args)
    data = _load(args)
    card_info = replace(_card_info(default_card_info(data), args), repo_id=args.repo_id)  # the card's snippet names the repo
    if args.local_dir:
        write_hub(data, args.local_dir, card_info=card_info)  # built aside: Ctrl-C leaves no half folder
        push = (f"drop --local-dir to push to {args.repo_id}" if args.repo_id is not None else
                "its card's snippet says <this repo or folder>; pass --repo-id USER/NAME, without --local-dir, to push")
        print(f"wrote {args.local_dir}; nothing uploaded ({push})")
        return 0
    if card_info.license_name == RELEASE_LICENSE_NAME:  # its card says "ask the authors before redistributing"
        raise BGSInputError(
            "the paper's release carries no licence: uploading it redistributes the authors' judgments; with their "
            "permission pass the terms they gave (--license, e.g. --license other --license-name NAME "
            "--license-link https://...), or stage the folder with --local-dir")
    if data.meta.get("source") == "release" and _declared_license(args) is None:  # an edited copy of it, or lab data
        raise BGSInputError(
            "this folder is in the CSV layout of the paper's release but does not hold its files: if its judgments "
            "derive from the release, uploading redistributes the authors' data; declare your data's terms (--license, "
            "e.g. --license cc-by-4.0), or stage the folder with --local-dir")
    with tempfile.TemporaryDirectory(prefix="bgs-hf-push-") as tmp:
        folder = write_hub(data, Path(tmp) / "dataset", card_info=card_info)
        url = push_to_hub(folder, args.repo_id, private=args.private)
    print(f"pushed to {url}")
    return 0
