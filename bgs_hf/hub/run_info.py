"""Read what a training run recorded, without importing torch.

A run folder (``bgs-hf train --output_dir RUN_DIR``) holds the saved embedder (PEFT adapter with the head in
``modules_to_save``, ``bgs_config.json``), the Trainer's ``training_args.json``/``trainer_state.json`` and
the evaluation's ``metrics.json``. The model card and ``bgs-hf push`` read the run through :class:`RunInfo`
so that every number on the card comes from a file, never from a default.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bgs_hf._files import BGS_CONFIG, expand_user
from bgs_hf._offline import sibling_folder_hint
from bgs_hf.errors import BGSInputError, folder_named, is_finite_real, is_whole
from bgs_hf.metrics.bootstrap import pct_of_ceiling, positive_ceiling

logger = logging.getLogger(__name__)

#: PEFT's adapter config, beside ``BGS_CONFIG`` in the model folder of a LoRA run.
ADAPTER_CONFIG = "adapter_config.json"
#: Sub-folders where a run may keep its final/best model, tried in order after the run folder itself.
MODEL_SUBDIRS: tuple[str, ...] = ("model", "final", "best", "adapter")
#: What a run was asked to do (data, model, BGS and training arguments), written by ``train_bgs``.
RUN_CONFIG = "run_config.json"
#: run_config.json's torch.compile settings that TrainingArguments has no field for (a launch's
#: ``--dynamo_use_fullgraph``/``_dynamic``/``_regional_compilation``), written only for a compiled run that set one.
COMPILE_OPTIONS = "torch_compile_options"
#: ``BGSTrainer``'s own counters and recipe, written with every checkpoint and the run (JSON, never pickle).
BGS_STATE_NAME = "bgs_trainer_state.json"
#: Other JSON files of a run that may record the loss (``get_config_dict()``) and the data; first wins.
EXTRA_FILES: tuple[str, ...] = (RUN_CONFIG, BGS_STATE_NAME)
#: Optional JSON with the pretrained model's ``behavioural_fit`` on the same split (never estimated by us).
BASELINE_FILE = "baseline.json"
#: Metric keys copied onto the card (the contract of ``bgs_hf.metrics.behavioural_fit``). ``n_clips`` (absent from
#: an older bgs-hf's metrics.json) lets the card's and the Space's small-split note name the clips as ``evaluate`` does.
FIT_KEYS: tuple[str, ...] = (
    "r2",
    "r2_ci",
    "rsa_spearman",
    "rsa_pearson",
    "ooo_acc_3way",
    "ooo_acc_2way",
    "pct_of_ceiling",
    "n_pairs",
    "n_judgments",
    "n_clips",
)
#: The keys under which a ``metrics.json`` records the pretrained model's fit beside the run's: none is a split.
BASELINE_KEYS: tuple[str, ...] = ("baseline", "pretrained", "pretrained_baseline")
#: How ``bgs-hf evaluate`` ends the label of its ``pretrained`` row (``models.pretrained.label`` in evaluation.json)
#: when ``--pretrained`` named a run folder: a fine-tuned model, whose figures are no pretrained baseline.
RUN_FOLDER_LABEL = "(run folder)"
#: How ``run_suite`` ends that label when its ``pretrained_model`` was a model object carrying a LoRA adapter:
#: fine-tuned too, though no folder names it.
FINETUNED_OBJECT_LABEL = "(fine-tuned model object)"


def bgs_trained(loss: Any) -> bool:
    """A recorded loss config (``get_config_dict()``) that is the BGS loss: only such a run is called BGS-aligned
    (its card) or BGS fine-tuned (the Space). A folder saved from another training loop records none, and may have
    been trained for anything."""
    return isinstance(loss, dict) and loss.get("name") == "BGSLoss"


def recorded_world_sizes(record: dict[str, Any]) -> list[dict[str, int | None]]:
    """Which number of processes trained a run from which step, from its ``bgs_trainer_state.json`` (``world_sizes``:
    one entry per change, as ``BGSTrainer`` writes it); a record of an older bgs-hf has only the number of the part
    that saved it (``world_size``), from an unknown step (``from_step`` None), or none (``world_size`` None)."""
    parts = record.get("world_sizes")
    if isinstance(parts, list) and parts and all(isinstance(p, dict) for p in parts):
        return [dict(p) for p in parts]
    size = record.get("world_size")
    return [{"from_step": None, "world_size": size if is_whole(size, floats=False) else None}]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:  # a damaged file: the codec's message named no file
        raise BGSInputError(f"not UTF-8 text (byte {err.start})", path=path) from None
    except json.JSONDecodeError as err:
        raise BGSInputError(f"not valid JSON ({err.msg} at line {err.lineno})", path=path) from None
    if not isinstance(data, dict):
        raise BGSInputError("expected a JSON object", path=path)
    return data


def run_config_file(run_dir: str | Path) -> Path | None:
    """A run's ``run_config.json``, ``None`` if absent. A Trainer ``checkpoint-N`` holds none: it has its run's (the
    parent folder), so its card, its evaluation and a resume from it read what the run recorded."""
    path = Path(run_dir) / RUN_CONFIG
    if not path.is_file() and Path(run_dir).name.startswith("checkpoint-"):
        path = Path(run_dir).parent / RUN_CONFIG
    return path if path.is_file() else None


def read_run_config(run_dir: str | Path) -> tuple[Path, dict[str, Any]] | None:
    """A run's ``run_config.json`` (a ``checkpoint-N`` reads its run's: :func:`run_config_file`) and its path, ``None``
    if absent. One that is cut short (a run stopped while it was written) or no JSON object is one line naming it, as
    every run record is: a resume and ``recorded_seed`` (the seed evaluation re-scores with) stopped on a traceback."""
    path = run_config_file(run_dir)
    if path is None:
        return None
    try:
        return path, _read_json(path)
    except BGSInputError as err:
        raise BGSInputError(f"{err.detail}: it records the run's splits and seed; restore it, or train the run again",
                            path=path) from None


def find_model_dir(run_dir: str | Path) -> Path:
    """The folder inside a run that holds the saved embedder (``bgs_config.json``). A run folder that is not there is
    named as given where that is a relative path (an absolute one by its last part), with the folder beside it most
    likely meant: ``bgs-hf push runs/nonexist`` said only "nonexist: run folder not found", neither where it looked
    nor what was there. A ``~`` is the home folder, as for ``load_model``: ``--model=~/runs/ss`` (bash keeps that
    tilde) loaded the model, and its records were looked for in a folder named ``~``."""
    given = Path(run_dir)
    run_dir = expand_user(given)
    if run_dir.exists() and not run_dir.is_dir():  # `push runs/ss/metrics.json` was "run folder not found" of a file
        holds_run = any((folder / BGS_CONFIG).is_file() for folder in (run_dir.parent, *(run_dir.parent / sub
                                                                                        for sub in MODEL_SUBDIRS)))
        hint = f" (did you mean its folder '{given.parent}'?)" if holds_run else ""
        raise BGSInputError(f"a file, not a run folder{hint}", path=given, whole=not given.is_absolute())
    if not run_dir.is_dir():
        raise BGSInputError(f"run folder not found{sibling_folder_hint(str(given))}", path=given,
                            whole=not given.is_absolute())
    for candidate in (run_dir, *(run_dir / sub for sub in MODEL_SUBDIRS)):
        if (candidate / BGS_CONFIG).is_file():
            return candidate
    raise BGSInputError(f"no {BGS_CONFIG} in the run folder or in {', '.join(MODEL_SUBDIRS)}/", path=given,
                        whole=True)


def _pick_fit(metrics: dict[str, Any], split: str) -> dict[str, Any]:
    """Metrics of one model on one split, whether ``metrics.json`` is flat or nested by split."""
    for key in (split, "eval", "metrics"):
        sub = metrics.get(key)
        if isinstance(sub, dict) and "r2" in sub:
            return {k: sub[k] for k in FIT_KEYS if k in sub}
    return {k: metrics[k] for k in FIT_KEYS if k in metrics}


def _pick_baseline(metrics: dict[str, Any], split: str) -> dict[str, Any] | None:
    """The pretrained model's fit that ``metrics.json`` itself records, under any of the names runs have used."""
    for key in BASELINE_KEYS:
        sub = metrics.get(key)
        if isinstance(sub, dict):
            fit = _pick_fit(sub, split)
            if fit:
                return fit
    return None


def _pick_ceiling(metrics: dict[str, Any]) -> dict[str, Any] | None:
    """Noise ceiling as recorded: ``ceiling_r2`` (+ ``ceiling_r2_ci``) of ``behavioural_fit``, a number, or a
    dict with ``r2``/``mean`` and ``ci``. An interval that is not a list (an edited file's ``0.5``) is none: ``list``
    failed on it."""
    if isinstance(metrics.get("ceiling_r2"), (int, float)):
        out: dict[str, Any] = {"r2": float(metrics["ceiling_r2"])}
        if metrics.get("ceiling_r2_ci") and isinstance(metrics["ceiling_r2_ci"], (list, tuple)):
            out["ci"] = list(metrics["ceiling_r2_ci"])
        return out
    for key in ("noise_ceiling", "ceiling", "noise_ceiling_r2", "ceiling_r2"):
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            return {"r2": float(value)}
        if isinstance(value, dict):
            r2 = value.get("r2", value.get("mean", value.get("r2_mean")))
            if isinstance(r2, (int, float)):
                out = {"r2": float(r2)}
                ci = value.get("ci", value.get("r2_ci"))
                if isinstance(ci, (list, tuple)):
                    out["ci"] = list(ci)
                for extra in ("ooo_acc_3way", "method", "n_splits"):
                    if extra in value:
                        out[extra] = value[extra]
                return out
    return None


def _evaluated_pretrained(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The record of the model ``bgs-hf evaluate`` scored as its ``pretrained`` row (``evaluation.json``'s ``models``,
    where ``--pretrained`` may have named any model); empty where the file records none."""
    models = evaluation.get("models")
    row = models.get("pretrained") if isinstance(models, dict) else None
    return row if isinstance(row, dict) else {}


def _evaluated_run(evaluation: dict[str, Any]) -> str | None:
    """The label of the fine-tuned run ``bgs-hf evaluate --pretrained RUN_FOLDER`` (or ``run_suite`` given a fine-tuned
    model object) scored as its ``pretrained`` row (its backbone is the run's base, so comparing backbones cannot
    tell it from the frozen base); None otherwise."""
    label = _evaluated_pretrained(evaluation).get("label")
    return label if isinstance(label, str) and label.endswith((RUN_FOLDER_LABEL, FINETUNED_OBJECT_LABEL)) else None


def _other_models_figures(record: dict[str, Any]) -> str | None:
    """What a baseline file is instead where it holds another model's fit than a pretrained backbone's, else None:
    ``bgs-hf baseline language/pixels --json`` (a ``behavioural_fit`` JSON, but of captions or raw pixels) and a
    training run's ``metrics.json`` (the fine-tuned model's own) went on the card as the pretrained backbone's row."""
    kind = record.get("baseline")
    if isinstance(kind, str):  # metrics.json's own ``baseline`` (BASELINE_KEYS) is a fit, never a name
        model = record.get("model")
        return f"it holds `bgs-hf baseline {kind}`'s figures" + (f" ({model})" if isinstance(model, str) else "")
    if "recipe" in record:  # written by `bgs-hf train` (``_run_metrics``) beside the fine-tuned model's fits
        return "it is a training run's metrics.json (the fine-tuned model's figures)"
    return None


@dataclass
class RunInfo:
    """Everything a training run recorded that the card needs. Missing pieces stay ``None``."""

    run_dir: Path
    model_dir: Path
    bgs_config: dict[str, Any]
    adapter_config: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    training_args: dict[str, Any] | None = None
    trainer_state: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # run_config.json / bgs_trainer_state.json
    baseline_metrics: dict[str, Any] | None = None  # behavioural_fit of the pretrained model (baseline.json)
    split: str = "test"

    @classmethod
    def from_run_dir(
        cls, run_dir: str | os.PathLike[str], *, split: str = "test", baseline: str | Path | None = None
    ) -> RunInfo:
        """Read a run folder; ``baseline`` is a JSON of the pretrained model's fit (default ``baseline.json``)."""
        info = cls.read_records(run_dir, split=split)
        baseline_file = info._read_baseline_file(baseline)
        if not info.metrics:
            logger.warning("%s has no metrics.json: the card will carry no evaluation numbers", info.run_dir)
        info._require_split_in_metrics()
        info._keep_baseline_if_comparable(baseline_file, named=baseline is not None)
        return info

    def _read_baseline_file(self, baseline: str | Path | None) -> Path:
        """Read the named baseline file (it must exist), else the run's own ``baseline.json`` where there is one."""
        baseline_file = Path(baseline) if baseline is not None else self.run_dir / BASELINE_FILE
        if baseline is not None and not baseline_file.is_file():
            raise BGSInputError("baseline file not found", path=baseline_file)
        if baseline_file.is_file():
            self.baseline_metrics = _read_json(baseline_file)
        return baseline_file

    def _require_split_in_metrics(self) -> None:
        """A ``metrics.json`` nested by split must hold the card's split: else the card would show another's."""
        by_split = sorted(k for k, v in self.metrics.items()
                          if k not in BASELINE_KEYS and isinstance(v, dict) and "r2" in v)
        if by_split and self.split not in by_split:
            raise BGSInputError(f"metrics.json has no split {self.split!r} (it has: {', '.join(by_split)})",
                                path=self.run_dir)

    def _keep_baseline_if_comparable(self, baseline_file: Path, *, named: bool) -> None:
        """A baseline file the user ``named`` is refused when it cannot go on the card; the run's own
        ``baseline.json`` (quickstart writes the test split's) is only left off, with a warning."""
        if named and self.baseline is None:
            raise BGSInputError("the baseline file holds no pretrained-model fit with an r2 (a behavioural_fit "
                                "JSON or bgs-hf evaluate's evaluation.json)", path=baseline_file)
        if named and _pick_baseline(self.metrics, self.split) is not None:
            # a user who names a file expects it on the card: say which fit is shown instead of dropping it quietly
            logger.warning("not using %s: metrics.json records the pretrained model's fit on the %s split itself, "
                           "and that one is shown (scored on exactly this run's judgments)", baseline_file, self.split)
        if self.baseline_metrics is not None and self.baseline is not None:
            try:
                self.check_baseline_matches(baseline_file)
            except BGSInputError as err:
                if named:
                    raise
                logger.warning("not showing %s on the card: %s", baseline_file, err)
                self.baseline_metrics = None

    @classmethod
    def read_records(cls, run_dir: str | os.PathLike[str], *, split: str = "test") -> RunInfo:
        """What a model folder recorded (a run, a ``checkpoint-N``, a folder ``bgs-hf push`` staged), without the
        card's checks: enough for what the run was trained with (:attr:`bgs_trained`), where no evaluation is
        needed (``bgs-hf evaluate``, the Space)."""
        model_dir = find_model_dir(run_dir)  # names a missing folder as given
        run_dir = expand_user(run_dir)
        info = cls(
            run_dir=run_dir, model_dir=model_dir, bgs_config=_read_json(model_dir / BGS_CONFIG), split=split
        )
        if (model_dir / ADAPTER_CONFIG).is_file():
            info.adapter_config = _read_json(model_dir / ADAPTER_CONFIG)
        for attr, name in (
            ("metrics", "metrics.json"),
            ("training_args", "training_args.json"),
            ("trainer_state", "trainer_state.json"),
        ):
            for folder in (run_dir, model_dir):
                if (folder / name).is_file():
                    setattr(info, attr, _read_json(folder / name))
                    break
        for name in EXTRA_FILES:
            for folder in (run_dir, model_dir):
                path = run_config_file(folder) if name == RUN_CONFIG else folder / name
                if path is not None and path.is_file():
                    info.extra = {**_read_json(path), **info.extra}
                    break
        return info

    @classmethod
    def read_records_or_none(cls, folder: str | os.PathLike[str]) -> RunInfo | None:
        """:meth:`read_records`, or ``None`` with one warning where they cannot be read: what names a model (the
        report's fine-tuned row, the Space's) then claims nothing the run did not record, and the work goes on."""
        try:
            return cls.read_records(folder)
        except BGSInputError as err:
            logger.warning("%s: no run records to name the model by (%s)", folder_named(folder), err)
            return None

    # -- pieces of the card -------------------------------------------------------------------------
    @property
    def fit(self) -> dict[str, Any]:
        """This run's model on the card's split (``FIT_KEYS`` only). Its recorded ``pct_of_ceiling`` is of the ceiling
        its split records, which is :attr:`ceiling`, where that one is positive; else it is restated as the baseline's
        is (:meth:`_against_ceiling`): a % of no ceiling, or none of the one shown, is not what the card shows."""
        found = _pick_fit(self.metrics, self.split)
        ceiling = self.ceiling or {}
        if "r2" not in found or (is_finite_real(found.get("pct_of_ceiling")) and positive_ceiling(ceiling.get("r2"))):
            return found
        return self._against_ceiling(found)

    @property
    def baseline(self) -> dict[str, Any] | None:
        """The pretrained model's fit on the same split: ``metrics.json["baseline"]``, or a baseline file: a
        ``behavioural_fit`` JSON or ``bgs-hf evaluate``'s ``evaluation.json`` (its ``fit.pretrained``).

        Its ``pct_of_ceiling`` is restated against this run's ceiling: a file scored under another seed carries
        another split-half ceiling, and one table must not compare percentages of two different ceilings."""
        found = _pick_baseline(self.metrics, self.split)
        if found is None:
            found = self._baseline_from_file()
        if not found or "r2" not in found:
            return None
        return self._against_ceiling(found)

    def _against_ceiling(self, found: dict[str, Any]) -> dict[str, Any]:
        """``found`` with its ``pct_of_ceiling`` of :attr:`ceiling`, the one the card's table and the Space show (None
        where there is none, or no R²): a recorded % of no ceiling stood beside the card's "No noise ceiling was
        recorded ..., so no row has a % of it", and a run that recorded none showed "—" where the Space gave one."""
        ceiling, r2 = self.ceiling, found.get("r2")
        if ceiling is None and "pct_of_ceiling" not in found:
            return found  # no % to give, and none recorded to take back
        pct = pct_of_ceiling(float(r2), ceiling["r2"]) if ceiling is not None and is_finite_real(r2) else math.nan
        return {**found, "pct_of_ceiling": pct if math.isfinite(pct) else None}

    def _baseline_from_file(self) -> dict[str, Any] | None:
        """The fit in the baseline file: a ``behavioural_fit`` JSON, or ``evaluation.json``'s ``fit.pretrained``."""
        source = self.baseline_metrics or {}
        evaluated = source.get("fit")
        if isinstance(evaluated, dict) and isinstance(evaluated.get("pretrained"), dict):
            source = evaluated["pretrained"]
        return _pick_fit(source, self.split) or None

    def check_baseline_matches(self, path: Path) -> None:
        """Refuse a baseline file scored on other judgments than this run's split: its R² is not comparable."""
        if _pick_baseline(self.metrics, self.split) is not None:
            return  # metrics.json's own baseline wins; the file is not used
        ours, theirs = self.fit, self._baseline_from_file() or {}
        source = self.baseline_metrics or {}
        if (other := _other_models_figures(source)) is not None:
            raise BGSInputError(f"{other}, not the pretrained backbone's: pass an evaluation.json of the run "
                                "(`bgs-hf evaluate --model RUN_DIR --report DIR` writes DIR/evaluation.json)", path=path)
        split = source.get("split", (source.get("fit") or {}).get("split"))
        if isinstance(split, str) and split != self.split:
            raise BGSInputError(f"the baseline was scored on split {split!r}, the card reports {self.split!r}",
                                path=path)
        if (run := _evaluated_run(source)) is not None:
            folder = run.endswith(RUN_FOLDER_LABEL)
            what, how = (("run", "bgs-hf evaluate --pretrained RUN_FOLDER") if folder else
                         ("model", "a model object with a LoRA adapter, given to run_suite"))
            name = run.removesuffix(RUN_FOLDER_LABEL if folder else FINETUNED_OBJECT_LABEL).strip()
            raise BGSInputError(f"its pretrained row is the fine-tuned {what} {name!r} ({how}), not a pretrained "
                                "model: pass an evaluation.json of the pretrained backbone", path=path)
        backbone = self.bgs_config.get("backbone")
        our_backbone = backbone.get("name") if isinstance(backbone, dict) else backbone
        their_backbone = source.get("backbone", _evaluated_pretrained(source).get("backbone"))
        if isinstance(their_backbone, str) and isinstance(our_backbone, str) and their_backbone != our_backbone:
            raise BGSInputError(f"the baseline is the pretrained {their_backbone!r}, this run's backbone is "
                                f"{our_backbone!r}: the card would show another model's figures", path=path)
        # the figures rest on judgments and pairs: the clip count (FIT_KEYS, for the small-split note) is not compared
        for key, what in (("n_judgments", "judgments"), ("n_pairs", "clip pairs")):
            their_n = theirs.get(key, source.get(key))
            if isinstance(ours.get(key), int) and isinstance(their_n, int) and ours[key] != their_n:
                raise BGSInputError(f"the baseline was scored on {their_n} {what}, this run's {self.split!r} "
                                    f"split has {ours[key]}: not the same clips and judgments", path=path)

    @property
    def ceiling(self) -> dict[str, Any] | None:
        """The noise ceiling recorded under the card's split in ``metrics.json``, else one at its top level."""
        sub = self.metrics.get(self.split)
        found = _pick_ceiling(sub) if isinstance(sub, dict) else None
        return found or _pick_ceiling(self.metrics)

    @property
    def ceiling_why(self) -> str | None:
        """Why the card's split has no noise ceiling, as ``metrics.json`` records it beside its null ``ceiling_r2``
        (``behavioural_fit``'s ``ceiling_why``): under the split, else at its top, where a flat one records it (as
        :attr:`ceiling`); None where there is a ceiling or no reason was recorded."""
        sub = self.metrics.get(self.split)
        why = (sub if isinstance(sub, dict) else {}).get("ceiling_why") or self.metrics.get("ceiling_why")
        return why if isinstance(why, str) and why and self.ceiling is None else None

    @property
    def bgs_trained(self) -> bool:
        """The run recorded the BGS loss (:func:`bgs_trained`)."""
        return bgs_trained(self.section("loss", "loss_config"))

    def section(self, *keys: str) -> Any:
        """First value found under ``keys`` in bgs_config, metrics, the other records (``EXTRA_FILES``), then training
        args."""
        for source in (self.bgs_config, self.metrics, self.extra, self.training_args or {}):
            for key in keys:
                if key in source and source[key] not in (None, {}, []):
                    return source[key]
        return None
