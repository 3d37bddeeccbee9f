"""`bgs-hf evaluate`: every analysis of the paper for one model (and its pretrained base) on a dataset."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from bgs_hf._files import check_output_folder
from bgs_hf._format import fmt, fmt_chance_pct, fmt_human_reference, fmt_pct, fmt_why, human_coverage
from bgs_hf.cli._args import (
    JSON_STDOUT_HELP,
    check_output_file,
    check_split,
    int_between,
    json_file,
)
from bgs_hf.cli._parser import examples
from bgs_hf.eval import ANALYSES, check_analyses

DEFAULT_ANALYSES = ",".join(ANALYSES)  # every analysis, in the suite's order
N_PERM = 1000  # --n-perm when not given

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="behavioural fit, layers, variance partitioning, probes, transfer, attention and motion "
        "controls",
        description="Every analysis of the paper for one model (and its pretrained base) on a dataset. A run folder "
        "is compared with its own frozen base backbone (--pretrained overrides); a backbone name is evaluated alone, "
        "frozen and without a head. A run is scored on the splits it recorded (`bgs-hf train --data /tmp/ss "
        "--output-dir runs/ss`), unless the data holds other videos under its clip ids: the last example scores the "
        "seed-0 demo run on `bgs-hf synth /tmp/ss --seed 1`, another benchmark, on its own splits and says so (a run "
        "that recorded no video fingerprints, from an older version, keeps its splits, with a warning).",
        epilog=examples("bgs-hf evaluate --data /tmp/ss --model runs/ss --report runs/ss/eval",
                        "bgs-hf evaluate --data /tmp/ss --model bgs-tiny-conv3d-fg --json eval.json",
                        "bgs-hf evaluate --data /tmp/ss --model runs/ss --abstract /tmp/ss_abs "
                        "--control language-distilled=runs/lang",
                        "bgs-hf evaluate --data /tmp/ss --model runs/demo/bgs --report runs/demo/eval-ss",
                        "bgs-hf evaluate --data /tmp/ss --model vjepa2 --num_frames 16 --report runs/vjepa2-16"))
    p.add_argument("--data", required=True, metavar="SOURCE", help="release folder, Hub-layout folder or Hub id")
    p.add_argument("--model", required=True, metavar="RUN_DIR|BACKBONE",
                   help="a BGS run folder (or the Hub id of one `bgs-hf push` published) or a backbone name")
    p.add_argument("--num_frames", type=int, default=None, metavar="N",
                   help="frames per clip of a backbone name, as `bgs-hf train --num_frames` (default: the backbone's "
                        "own; a fixed-count VideoMAE or TimeSformer is refused another, as by train); recorded in "
                        "evaluation.json. A run samples the count it trained with. A model sampling more frames than "
                        "the clips hold repeats them, and a warning says so with a count that fits")
    p.add_argument("--interpolate_frames", action="store_true",
                   help="TimeSformer: take --num_frames other than the checkpoint's by interpolating its time "
                        "embeddings, as train's flag")
    p.add_argument("--pretrained", default=None, metavar="RUN_DIR|BACKBONE",
                   help="comparison model (default: the run's own frozen base; none for a backbone name)")
    p.add_argument("--control", action="append", default=[], metavar="NAME=RUN_DIR",
                   help="extra fine-tuned model scored beside BGS, e.g. language-distilled=runs/lang (repeatable)")
    p.add_argument("--split", default="test",
                   help="split to score: test (default), train, val or fit (train and val together)")
    p.add_argument("--abstract", default=None, metavar="DIR", help="SocialShapes-Abstract folder for OOD transfer")
    p.add_argument("--analyses", default=DEFAULT_ANALYSES, help=f"comma-separated subset of {DEFAULT_ANALYSES}")
    p.add_argument("--json", type=json_file("evaluation.json"), metavar="FILE",
                   help="also write the full result as JSON here" + JSON_STDOUT_HELP)
    p.add_argument("--report", type=Path, metavar="DIR", default=None,
                   help="folder for evaluation.json, figures and evaluation.md/.html (default: a temp folder)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (1000)")
    # default None, not 1000: a --n-perm the user gave without the probes is refused, and only then (run)
    p.add_argument("--n-perm", type=int, default=None, help=f"permutations for probe p-values ({N_PERM})")
    p.add_argument("--cache", default=None, metavar="DIR", help="decoded-clip cache (default: in the report folder)")
    p.add_argument("--language-model", default=None, metavar="NAME_OR_PATH",
                   help="sentence-transformers model of the language row (default: the bundled all-MiniLM-L6-v2; "
                        "'mpnet' is the paper's paraphrase-multilingual-mpnet-base-v2, which needs the Hub or a "
                        "cached copy); read by the fit and partition analyses only: with either, one that cannot "
                        "load stops the run before any model loads; without, a warning names it unused")
    # default None, not "first": a --caption the user gave without the fit or the partition is named as unused (run)
    p.add_argument("--caption", choices=("first", "mean"), default=None,
                   help="captions of the language row: the first (the paper) or the mean of all (first; read, as "
                        "--language-model, by fit and partition only)")
    # the probes' scipy and scikit-learn draws take seeds below 2**32: a larger one failed after the embeddings
    p.add_argument("--seed", type=int_between(0, 2**32 - 1), default=None,
                   help="seed of bootstraps, permutations and the ceiling's split-halves, and for a backbone name of "
                        "the val carve-out and, for data without stimulus_set, the train/test draw of clips "
                        "(default: a run folder's training seed, or a pushed model's, so the ceiling and CIs match "
                        "its metrics.json and card; else 0); a run folder is scored on the splits it recorded at training time")
    p.set_defaults(func=run)


def check_not_a_folder_of_runs(flag: str, given: str) -> None:
    """Refuse a folder that is neither a run (``bgs_config.json``) nor a backbone (``config.json``) but holds run
    folders, naming them: a quickstart's ``--out`` (its run is ``OUT/bgs``) was taken for a backbone, "no config.json
    in backbone folder", which said neither that it holds the run nor which folder to pass."""
    from bgs_hf._files import BGS_CONFIG
    from bgs_hf.errors import BGSInputError

    folder = Path(given).expanduser()
    if not folder.is_dir() or (folder / BGS_CONFIG).is_file() or (folder / "config.json").is_file():
        return
    runs = sorted(str(Path(given) / p.name) for p in folder.iterdir() if (p / BGS_CONFIG).is_file())
    if runs:
        raise BGSInputError(f"{flag}: {given}: not a run folder (no {BGS_CONFIG}) nor a backbone (no config.json); "
                            f"the run folder{'s' if len(runs) > 1 else ''} in it: {', '.join(runs)}: pass "
                            f"{'one of them' if len(runs) > 1 else 'that'}")


def _check_flags_alone(args: argparse.Namespace) -> tuple[str, ...]:
    """The analyses asked for, after the checks that need nothing but the flags: a bad --language-model took ~8 s to
    refuse, an unknown analysis or a folder of runs for --model ~6 s, the suite's and the model loaders' imports
    (pandas, scipy, torch, transformers, peft) coming before them."""
    from bgs_hf.baselines.language import check_sentence_model
    from bgs_hf.errors import BGSInputError, naming_flag
    from bgs_hf.video.policy import checked_num_frames

    analyses = tuple(a.strip() for a in args.analyses.split(",") if a.strip())
    check_analyses(analyses)
    for flag, value in (("--n-boot", args.n_boot), ("--n-perm", args.n_perm)):
        if value is not None and value < 1:
            raise BGSInputError(f"{flag} must be >= 1, got {value}")
    if args.language_model is not None and {"fit", "partition"} & set(analyses):  # offline: at once, not in 84 s
        with naming_flag("--language-model"):
            check_sentence_model(args.language_model)
    folders = [("--model", args.model), ("--pretrained", args.pretrained)]
    folders += [("--control", c.partition("=")[2]) for c in args.control]
    for flag, given in folders:
        if given:  # before the data loads, and before the suite's imports
            check_not_a_folder_of_runs(flag, given)
    if args.num_frames is not None:  # named as the flag, as train names it
        checked_num_frames(args.num_frames, "--num_frames")
    elif args.interpolate_frames:
        raise BGSInputError("--interpolate_frames needs --num_frames (the frame count to interpolate to)")
    return analyses


def _check_analysis_flags(args: argparse.Namespace, analyses: tuple[str, ...]) -> None:
    """Refuse a flag only an analysis not asked for reads (it was ignored without a word), and read the abstract set's
    labels.csv whole (a missing column was refused after the embedding). The language row's flags are only named as
    unused: a script passes them to every run, whichever analyses it asks for."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import read_abstract_set

    if args.n_perm is not None and "probes" not in analyses:
        raise BGSInputError("--n-perm is read only by the probes analysis: add probes to --analyses, or drop --n-perm")
    if args.abstract is not None and "transfer" not in analyses:
        raise BGSInputError("--abstract is read only by the transfer analysis: add transfer to --analyses, or drop "
                            "--abstract")
    if args.abstract is not None:
        read_abstract_set(args.abstract)
    unused = [flag for flag, value in (("--language-model", args.language_model), ("--caption", args.caption))
              if value is not None]
    if unused and not {"fit", "partition"} & set(analyses):  # the only analyses that embed the captions
        logger.warning("%s %s unused: --analyses %s has neither fit nor partition", " and ".join(unused),
                       "is" if len(unused) == 1 else "are", ",".join(analyses))


def _controls(given: list[str]) -> dict[str, str]:
    """``--control NAME=RUN_DIR`` flags as {name: run folder}; an empty side, a name given twice or one of the suite's
    own keys is one line."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import EMBEDDING_KEYS, RESERVED_CONTROL_NAMES, RESERVED_NAMES, SKIPPED_KEYS

    controls: dict[str, str] = {}
    for c in given:
        name, _, path = c.partition("=")
        if not name or not path:  # `=runs/x` scored a model named "", `x=` one at the working folder
            raise BGSInputError(f"--control must be NAME=RUN_DIR, got {c!r}")
        if name in RESERVED_CONTROL_NAMES or name in controls:
            raise BGSInputError(f"--control name {name!r} is {'given twice' if name in controls else 'reserved'}"
                                f" (the suite's own rows: {', '.join(RESERVED_NAMES)}; the keys of its "
                                f"test_embeddings.npz: {', '.join(EMBEDDING_KEYS)}; the key of an analysis not run: "
                                f"{', '.join(SKIPPED_KEYS)})")
        controls[name] = path
    return controls


def _models_to_score(args: argparse.Namespace, is_run: bool, controls: dict[str, str]) -> tuple[str, str | None]:
    """(pretrained, fine-tuned) models: a run beside its own frozen base unless --pretrained names another, a
    backbone name alone; a backbone name that is not one (a mistyped run folder), there or in ``controls``, is
    refused before the data, the ceiling and the language row (a --control's only once they had loaded), and so is
    a saved model that ``load_model`` would refuse for its files alone (its adapter weights lost, a checkpoint cut
    off mid-write), which was refused only once the data, the ceiling and the language row had loaded."""
    from bgs_hf.errors import naming_flag
    from bgs_hf.eval.suite import check_frame_choice, pretrained_of
    from bgs_hf.models.embedder import resolve_backbone
    from bgs_hf.models.loading import check_saved_model, saved_model_folder

    with naming_flag("--num_frames"):  # a run's count is its own: refused before its base loads
        check_frame_choice(args.num_frames, args.interpolate_frames, [args.model, args.pretrained, *controls.values()])
    if args.pretrained is not None:
        pretrained, finetuned = args.pretrained, args.model
    elif is_run:
        pretrained, finetuned = pretrained_of(args.model), args.model
    else:
        pretrained, finetuned = args.model, None
    named = [("--pretrained", args.pretrained), ("--model", args.model)]
    for flag, name in named + [("--control", path) for path in controls.values()]:
        if name is None:
            continue
        folder = saved_model_folder(name)
        with naming_flag(flag):
            if folder is None:  # a backbone: its config and the frames asked for (train's refusals), no weights
                resolve_backbone(name, num_frames=args.num_frames, interpolate_frames=args.interpolate_frames)
            else:
                check_saved_model(folder)
    return pretrained, finetuned


def _print_summary(res: dict) -> None:
    """The data, its ceiling (and, once, the seed that drew it) and each model's fit, under the names the report and
    the figures give the rows, each accuracy beside its chance level."""
    from bgs_hf.eval.report import evaluation_seed_note, row_name
    from bgs_hf.metrics.ceiling import HUMAN_ACCURACY_KEY
    from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY

    human = res.get(HUMAN_ACCURACY_KEY)  # the humans' leave-one-out accuracy on the split, beside chance

    def beside(key: str, chance: float) -> str:
        reference = fmt_human_reference(human, key, ".1%", coverage=False)
        return f"(chance {fmt_chance_pct(chance)}{', ' + reference if reference else ''})"

    # the headline points to it: the warning went by before the progress bars
    warned = " (see the data warning above)" if res.get("data_warning") else ""
    print(f"{res['data']} / {res['split']}{warned}: {res['n_clips']} clips, {res['n_pairs']} pairs, "
          f"{res['n_judgments']} judgments; noise ceiling R² "
          f"{fmt_why(res['noise_ceiling_r2'], '.4f', res.get('noise_ceiling_why'))}")
    for key, f in res.get("fit", {}).items():
        lo, hi = f["r2_ci"]
        print(f"  {row_name(key, res):<32} R² {fmt(f['r2'], '.4f')} [{fmt(lo, '.4f')}, {fmt(hi, '.4f')}]  "
              f"{fmt_pct(f.get('pct_of_ceiling'))} of ceiling  "
              f"3-way {fmt(f['ooo_acc_3way'], '.1%')} {beside('ooo_acc_3way', CHANCE_3WAY)}  "
              f"2-way {fmt(f['ooo_acc_2way'], '.1%')} {beside('ooo_acc_2way', CHANCE_2WAY)}")
    if human and res.get("fit"):  # what the humans' accuracy rests on, or why there is none, once below the rows
        if human.get("ooo_acc_3way") is None:
            print(f"  humans leave-one-out n/a: {human.get('why')}")
        else:
            print(f"  humans leave-one-out: the other participants' p_ij predicting each held-out choice, "
                  f"{human_coverage(human)}")
    from bgs_hf.data.validate import small_split_note

    note = small_split_note(res["split"], res["n_clips"], res["n_judgments"],
                            [f.get("r2_ci") for f in res.get("fit", {}).values()])
    if note:  # once below the rows, not on each
        print(f"  {note}")
    seed_note = evaluation_seed_note(res)  # evaluation.md's sentence: the ceiling above was shown without its seed
    if seed_note:
        print(f"  {seed_note}")


def run(args: argparse.Namespace) -> int:
    """Evaluate as the flags say. ``args`` is read, never changed: the model's folder and the seed are settled on a
    copy, so a caller that reuses the namespace (a notebook, a loop over models) gets back the values it gave."""
    import shutil
    import tempfile

    args = argparse.Namespace(**vars(args))
    analyses = _check_flags_alone(args)
    from bgs_hf.baselines.language import LanguageBaselineConfig
    from bgs_hf.data import load
    from bgs_hf.eval.suite import check_report_folder, default_seed, run_suite
    from bgs_hf.models.loading import saved_model_folder

    _check_analysis_flags(args, analyses)
    controls = _controls(args.control)
    check_output_file(args.json, "--json")  # before the data, models and embeddings, not after the whole suite
    check_output_folder(args.report, "--report")
    check_report_folder(args.report)  # a user's own evaluation.md or fit.png there: refused, not replaced
    check_output_folder(args.cache, "--cache")
    folder = saved_model_folder(args.model)  # a run folder, or the Hub id of a pushed model: its snapshot
    is_run = folder is not None
    if is_run:
        args.model = str(folder)
    args.seed = default_seed(args.model, args.seed)
    pretrained, finetuned = _models_to_score(args, is_run, controls)
    data = load(args.data, seed=args.seed)  # run_suite puts a run's recorded splits on it
    check_split(data, args.split)  # before any model loads
    language = LanguageBaselineConfig(model=args.language_model,
                                      caption=args.caption or LanguageBaselineConfig.caption)
    out = args.report if args.report is not None else Path(tempfile.mkdtemp(prefix="bgs-eval-"))
    try:
        res = run_suite(data, pretrained, finetuned, out_dir=out, abstract_dir=args.abstract, analyses=analyses,
                        seed=args.seed, controls=controls or None, split=args.split, cache=args.cache,
                        n_boot=args.n_boot, n_perm=N_PERM if args.n_perm is None else args.n_perm,
                        language_config=language, num_frames=args.num_frames,
                        interpolate_frames=args.interpolate_frames, human_reference=True)
    except BaseException:
        if args.report is None:  # a refused or interrupted run leaves no report folder of ours behind in /tmp
            shutil.rmtree(out, ignore_errors=True)
        raise
    _print_summary(res)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        from bgs_hf._files import write_text_atomic

        write_text_atomic(args.json, json.dumps(res, indent=2) + "\n")
        print(f"wrote {args.json}")
    print(f"report: {out / 'evaluation.md'} and {out / 'evaluation.html'} ({res['timings_s']['total']:.1f} s)")
    return 0
