"""`bgs-hf pretrain-tiny OUT [--arch conv3d-fg|conv3d|videomae]`: reproduce a bundled backbone (defaults = its
recipe)."""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields, is_dataclass
from typing import Any, get_args

from bgs_hf.cli._args import int_at_least, int_between
from bgs_hf.cli._parser import examples

ARCHS = ("conv3d-fg", "conv3d", "videomae")
#: Registry name of the backbone each --arch builds (the card's title).
BACKBONE_NAMES = {"videomae": "bgs-tiny-videomae", "conv3d": "bgs-tiny-conv3d", "conv3d-fg": "bgs-tiny-conv3d-fg"}


def recipes() -> dict[str, tuple[type, Any]]:
    """--arch -> (its pretraining config class, its pretraining function)."""
    from bgs_hf.pretrain.config import PretrainConfig
    from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig, pretrain_contrastive
    from bgs_hf.pretrain.conv3d import Conv3dPretrainConfig, pretrain_conv3d
    from bgs_hf.pretrain.train import pretrain

    return {"conv3d-fg": (ContrastivePretrainConfig, pretrain_contrastive),
            "conv3d": (Conv3dPretrainConfig, pretrain_conv3d), "videomae": (PretrainConfig, pretrain)}


#: The recipes' defaults, for --help only (importing the recipes pulls in torch and takes seconds; every other
#: command's help is instant). The run itself takes its defaults from the config classes; a test keeps these equal.
HELP_STEPS = {"conv3d-fg": 600, "conv3d": 1600, "videomae": 1200}
HELP_DEFAULTS = {"batch_size": 32, "seed": 0, "corpus_clips": 3000, "num_threads": 2}
#: The probe reports 5-fold cross-validated fits over 8 interaction types: fewer clips cannot fill the folds even
#: on average (at 40 the rarest type of the probe's seeds has 3 clips, which the probe warns of in one line).
MIN_PROBE_CLIPS = 40
#: held-out clips of the card's linear probe, by default
PROBE_CLIPS = 400
#: the smallest ``--batch-size`` (the contrastive recipe needs two clips); ``--set batch_size=1`` runs the others
MIN_BATCH_SIZE_FLAG = 2


def probe_clips(text: str) -> int:
    """0 (no probe) or at least MIN_PROBE_CLIPS; refused before the corpus is rendered, not after training."""
    value = int_at_least(0)(text)
    if 0 < value < MIN_PROBE_CLIPS:
        raise argparse.ArgumentTypeError(f"must be 0 (no probe) or at least {MIN_PROBE_CLIPS}, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    d = argparse.Namespace(**HELP_DEFAULTS)
    steps = ", ".join(f"{n} for {arch}" for arch, n in HELP_STEPS.items())
    p = sub.add_parser(
        "pretrain-tiny",
        help="pretrain a tiny bundled video backbone (self-supervised, on unlabelled clips)",
        description="Self-supervised pretraining on SocialShapes-style clips rendered from their own seeds "
        "(never benchmark seeds): --arch conv3d-fg is contrastive learning on the foreground stream of "
        "bgs-tiny-conv3d-fg, --arch conv3d masked foreground prediction of bgs-tiny-conv3d, --arch videomae "
        "masked video autoencoding of bgs-tiny-videomae. The defaults reproduce the bundled weights.",
        epilog=examples("bgs-hf pretrain-tiny /tmp/tiny",
                        "bgs-hf pretrain-tiny /tmp/tiny-vmae --arch videomae",
                        "bgs-hf pretrain-tiny /tmp/smoke --steps 20 --corpus-clips 64 --probe-clips 0"),
    )
    p.add_argument("out", metavar="OUT", help="output folder (config.json, model.safetensors, README.md, ...)")
    p.add_argument("--arch", choices=ARCHS, default=ARCHS[0],
                   help="which bundled backbone: " + ", ".join(f"{a} ({BACKBONE_NAMES[a]})" for a in ARCHS)
                   + f"; default {ARCHS[0]}")
    p.add_argument("--steps", type=int_at_least(1), default=None, help=f"optimiser steps (default {steps})")
    p.add_argument("--batch-size", type=int_at_least(MIN_BATCH_SIZE_FLAG), default=None,
                   help=f"clips per step (default {d.batch_size})")
    p.add_argument("--seed", type=int_between(0, 2**64 - 1), default=None,  # torch.manual_seed's range
                   help=f"init/mask/batch seed (default {d.seed})")
    p.add_argument(
        "--corpus-clips", type=int_at_least(1), default=None, help=f"clips rendered into the pool (default {d.corpus_clips})"
    )
    p.add_argument("--threads", type=int_at_least(1), default=None, help=f"torch CPU threads (default {d.num_threads})")
    p.add_argument(
        "--probe-clips", type=probe_clips, default=PROBE_CLIPS,
        help=f"held-out clips for the linear probe in the card (default {PROBE_CLIPS}; 0 = skip, else at least "
        f"{MIN_PROBE_CLIPS})"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any field of the arch's pretraining config, e.g. --set temperature=0.2 "
        "--set arch.widths=16,32,64,64 (--arch videomae: --set arch.patch_size=8 --set mask_ratio=0.75)",
    )
    p.set_defaults(func=run)


def apply_overrides(cfg: object, items: list[str]) -> None:
    """Set dotted ``KEY=VALUE`` fields on a (nested) dataclass, casting VALUE to the field's current type (its
    declared one when it is ``None``; ``none`` unsets an optional field). KEY must name one setting: a group
    (``arch``) would have been built from the string (``Conv3dArch("5")``) and refused later for its widths."""
    from bgs_hf.errors import BGSInputError

    for item in items:
        key, sep, value = item.partition("=")
        target, *path = [cfg, *key.split(".")]
        *parents, leaf = path
        for name in parents:
            target = getattr(target, name) if _is_config(target) and name in _field_names(target) else None
        if not sep or not _is_config(target) or leaf not in _field_names(target):
            raise BGSInputError(f"--set {item!r}: expected KEY=VALUE with KEY a field of the pretraining config")
        old = getattr(target, leaf)
        if is_dataclass(old):
            some = ", ".join(f"{key}.{f.name}" for f in fields(old)[:2])
            raise BGSInputError(f"--set {item!r}: {key!r} is a group of settings; set one of them ({some}, ...)")
        declared = next(f.type for f in fields(target) if f.name == leaf)
        try:
            new = _cast(old, declared, value)
        except (TypeError, ValueError) as err:
            raise BGSInputError(f"--set {item!r}: {err}") from err
        setattr(target, leaf, new)


def _is_config(obj: object) -> bool:
    return is_dataclass(obj) and not isinstance(obj, type)


def _field_names(obj: Any) -> set[str]:
    return {f.name for f in fields(obj)}


#: the types --set can read a field as when its value is None (from its annotation, ``int | None``)
_SCALARS: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


def _declared(annotation: Any) -> tuple[type | None, bool]:
    """(the one scalar type of a field's annotation or ``None``, whether it admits ``None``); annotations are
    strings under ``from __future__ import annotations``, objects otherwise."""
    if isinstance(annotation, str):
        names = [part.strip() for part in annotation.split("|")]
    else:
        names = [getattr(a, "__name__", str(a)) for a in (get_args(annotation) or (annotation,))]
    optional = "None" in names or "NoneType" in names
    rest = [n for n in names if n not in ("None", "NoneType")]
    return (_SCALARS.get(rest[0]) if len(rest) == 1 else None), optional


def _cast(old: Any, annotation: Any, value: str) -> Any:
    """VALUE as the field's type: items of the old items' type for a list, a strict yes/no for a bool."""
    kind, optional = _declared(annotation)
    if optional and value.strip().lower() == "none":
        return None
    if old is not None:
        kind = type(old)
    if kind is None:
        raise TypeError(f"a field declared {annotation} cannot be set from text")
    if kind is bool:
        word = value.strip().lower()
        if word not in ("1", "true", "yes", "0", "false", "no"):
            raise ValueError(f"expected true or false, got {value!r}")
        return word in ("1", "true", "yes")
    if isinstance(old, (tuple, list)):  # "16,32,64": items of the old items' type, not characters
        item_kind = type(old[0]) if old else str
        return type(old)(item_kind(v.strip()) for v in value.split(",") if v.strip())
    return kind(value)


#: config fields with a flag of their own (the rest are reproduced with --set)
DIRECT_FLAGS = {"steps": "--steps", "batch_size": "--batch-size", "seed": "--seed", "corpus_clips": "--corpus-clips",
                "num_threads": "--threads"}


def reproduce_command(arch: str, cfg: Any, default: Any, probe_clips: int = PROBE_CLIPS) -> str | None:
    """The command (markdown) that makes ``cfg`` and its card's probe again, or ``None`` when both are the
    recipe's defaults: every field that differs, including the warm-up --steps shortened."""

    def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
        return out

    now, base = flat(asdict(cfg)), flat(asdict(default))
    if now["steps"] != base["steps"]:  # what --steps does to the warm-up: the command's own starting point
        base["warmup_steps"] = shortened_warmup(base["warmup_steps"], now["steps"])
    flags = []
    for key in sorted(now, key=lambda k: (k not in DIRECT_FLAGS, k != "steps", k)):  # --steps before --set
        if now[key] == base.get(key):
            continue
        value = ",".join(map(str, now[key])) if isinstance(now[key], (list, tuple)) else now[key]
        # a batch of 1 (`--set batch_size=1`) was written as `--batch-size 1`, which that flag refuses
        flag = DIRECT_FLAGS.get(key) if not (key == "batch_size" and value < MIN_BATCH_SIZE_FLAG) else None
        flags.append(f"{flag} {value}" if flag else f"--set {key}={value}")
    if probe_clips != PROBE_CLIPS:
        flags.append(f"--probe-clips {probe_clips}")
    return "`" + " ".join([f"bgs-hf pretrain-tiny OUT --arch {arch}", *flags]) + "`" if flags else None


def shortened_warmup(warmup_steps: int, steps: int) -> int:
    """The warm-up ``--steps`` leaves: a tenth of a short run at most (``--set steps=`` keeps it whole)."""
    return min(warmup_steps, max(1, steps // 10))


def flags_setting(args: argparse.Namespace, names: tuple[str, ...]) -> list[str]:
    """The flags, as given, that set the config fields ``names`` (``--set KEY=VALUE``, the last one for a key, wins
    over a field's own flag, as in :func:`configure`); a field left at its default has none."""
    given = []
    for name in names:
        sets = [item for item in args.set if item.partition("=")[0] == name]
        flag = DIRECT_FLAGS.get(name)
        value = getattr(args, flag[2:].replace("-", "_"), None) if flag else None
        if sets:
            given.append(f"--set {sets[-1]}")
        elif flag and value is not None:
            given.append(f"{flag} {value}")
    return given


def configure(args: argparse.Namespace) -> Any:
    """The pretraining config the flags ask for, validated (``--set`` included) before anything is rendered."""
    from bgs_hf.errors import BGSInputError, naming_flag
    from bgs_hf.pretrain.config import check_probe_seeds

    config_class, _ = recipes()[args.arch]
    given = {"batch_size": args.batch_size, "seed": args.seed, "corpus_clips": args.corpus_clips,
             "num_threads": args.threads}
    cfg = config_class(**{k: v for k, v in given.items() if v is not None})
    if args.steps is not None:
        cfg.steps = args.steps
        cfg.warmup_steps = shortened_warmup(cfg.warmup_steps, cfg.steps)
    apply_overrides(cfg, args.set)
    try:
        cfg.__post_init__()  # re-validate: the overrides were set after construction
    except ValueError as err:  # only --set reaches a value the flags' own types have not checked
        raise BGSInputError(f"--set: {err}") from err
    if args.probe_clips > 0:  # the card says the probe's clips are none of the corpus's
        # named by the flags that placed the corpus and the probe: it read "--set:" after --corpus-clips alone
        with naming_flag(", ".join([*flags_setting(args, ("corpus_seed_offset", "corpus_clips")),
                                    f"--probe-clips {args.probe_clips}"])):
            check_probe_seeds(cfg.corpus_seed_offset, cfg.corpus_clips, args.probe_clips)
    if cfg.batch_size > cfg.corpus_clips:  # `--batch-size 100000` rendered 3,000 clips, then ran out of memory
        # each named as the user gave it (`--set batch_size=41` was named `--batch-size 41`, a flag never typed)
        (batch,) = flags_setting(args, ("batch_size",)) or [f"--batch-size {cfg.batch_size}"]
        (corpus,) = flags_setting(args, ("corpus_clips",)) or [f"--corpus-clips {cfg.corpus_clips}"]
        raise BGSInputError(f"{batch} is more clips than the corpus holds ({corpus}): each step draws its batch from "
                            f"the corpus, so give at most {cfg.corpus_clips}")
    return cfg


def run(args: argparse.Namespace) -> int:
    import torch

    from bgs_hf._files import built_in_place, require_new_folder
    from bgs_hf.pretrain.card import write_model_card
    from bgs_hf.pretrain.probe import run_probe

    require_new_folder(args.out, "OUT")  # a rerun would leave the old probe.json beside new weights
    config_class, pretrain = recipes()[args.arch]
    cfg = configure(args)
    # the command's count, for its probe too: the library's pretraining function gives the caller's back on return
    torch.set_num_threads(cfg.num_threads)
    # built in a hidden folder and moved into OUT with its card: an interruption (or a failing probe) after
    # minutes of training used to leave weights without a card, which a retry then refused as a non-empty OUT
    with built_in_place(args.out) as work:
        result = pretrain(cfg, work)
        name = BACKBONE_NAMES[args.arch]
        probe = run_probe(work, n_clips=args.probe_clips, name=name) if args.probe_clips > 0 else None
        write_model_card(work, probe, reproduce=reproduce_command(args.arch, cfg, config_class(), args.probe_clips))
    print(
        f"pretrained {cfg.steps} steps in {(result.render_s + result.train_s) / 60:.1f} min; "
        f"final loss {result.final_loss:.4f}; wrote {args.out}"
    )
    return 0
