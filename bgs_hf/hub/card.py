"""Model cards for BGS adapters, built from a typed card-data object (like sentence-transformers).

:class:`BGSModelCardData` extends :class:`huggingface_hub.ModelCardData`: its YAML part carries
``library_name: peft``, ``base_model``, tags and a ``model-index`` made of :class:`huggingface_hub.EvalResult`;
the rest feeds the Jinja template ``hub_cards/model_card.md.j2``. Every number comes from the run's files
(:class:`~bgs_hf.hub.run_info.RunInfo`); what the run did not record is shown as "not recorded".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData
from huggingface_hub.repocard_data import eval_results_to_model_index
from huggingface_hub.utils import yaml_dump

from bgs_hf._format import fmt, fmt_chance, fmt_ci, fmt_fraction, hub_license_id, md_cell
from bgs_hf._offline import dataset_page_id
from bgs_hf.errors import BGSInputError, is_finite_real, is_whole
from bgs_hf.hub.run_info import COMPILE_OPTIONS, RunInfo, bgs_trained, recorded_world_sizes
from bgs_hf.metrics.bootstrap import ceiling_disagreement, ceiling_seed_note, positive_ceiling
from bgs_hf.metrics.ooo import CHANCE_2WAY, CHANCE_3WAY
from bgs_hf.paper import CITATION, HUB_CARDS_DIR, PAPER_URL, RELEASE_URL
from bgs_hf.video.policy import FramePolicy

logger = logging.getLogger(__name__)

CARDS_DIR = HUB_CARDS_DIR
MODEL_CARD_TEMPLATE = CARDS_DIR / "model_card.md.j2"


#: Keys of the card data that go to the YAML header; everything else only feeds the template.
YAML_FIELDS: tuple[str, ...] = (
    "license",
    "license_name",
    "license_link",
    "library_name",
    "base_model",
    "tags",
    "datasets",
    "pipeline_tag",
    "metrics",
    "model-index",
)

#: (metric key in metrics.json, model-index metric type, pretty name). The R² is sign(rho)·rho² of the Spearman rho
#: between model and judged pair similarities (it can be negative), not the coefficient of determination that the
#: Hub metric id ``r_squared`` names: it gets an id of its own, and its name says what it is.
EVAL_METRICS: tuple[tuple[str, str, str], ...] = (
    ("r2", "signed_squared_spearman", "R² = signed squared Spearman rho, model vs judged pair similarity"),
    ("pct_of_ceiling", "pct_of_noise_ceiling", "% of the judges' split-half noise ceiling"),
    ("ooo_acc_3way", "accuracy", f"Odd-one-out accuracy, 3-way (chance {fmt_fraction(CHANCE_3WAY)})"),
    ("ooo_acc_2way", "accuracy", f"Odd-one-out accuracy, 2-way anchor test (chance {fmt_fraction(CHANCE_2WAY)})"),
)

#: ``license_name`` of a card whose licence is ``other`` (the Hub requires one for "other"): the adapter's weights are
#: bound by the terms of its base model and of its training data, which the card's "Data licence" section states.
OTHER_LICENSE_NAME = "base-model-and-data-terms"

#: Where the model-index points in a dataset ``bgs-hf data push`` publishes (``bgs_hf.data.hub``): the
#: ``judgments`` config, whose one Hub split ``train`` holds every row. The evaluated split is by clip (the
#: ``stimulus_set`` column of ``clips``) and goes in the entry's ``args``: ``split: test`` named no split there.
HUB_EVAL_CONFIG = "judgments"
HUB_EVAL_SPLIT = "train"

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def is_hub_id(name: str | None) -> bool:
    """True for ``org/name`` strings that are not local paths and that the Hub takes as a repo id (huggingface_hub's
    own check: ``x/a--b``, ``x/a..b`` or ``x/a.git`` went into a card's ``datasets:`` or ``base_model:`` as ids)."""
    return (bool(name) and bool(_HUB_ID.match(str(name))) and not Path(str(name)).exists()
            and hub_id_refusal(str(name)) is None)


def hub_id_refusal(name: str) -> str | None:
    """Why the Hub refuses ``name``, an ``org/name`` spelling that is no local path (``invalid repo id 'x/a--b':
    Cannot have -- or ..``), else None: what a command needing a Hub id says, not that ``x/a--b`` is a local folder."""
    from bgs_hf.hub.push import validate_repo_id

    if not _HUB_ID.match(name) or Path(name).exists():
        return None
    try:
        validate_repo_id(name)
    except BGSInputError as err:
        return str(err)
    return None


@dataclass(frozen=True)
class HubDataset:
    """The Hub dataset a card links (``datasets:``), and how bgs-hf knows it: ``recorded`` (the run read it from the
    Hub), ``snapshot`` (a local folder that is huggingface_hub's cache snapshot of it, at commit ``revision``),
    ``download`` (an unchanged ``--local-dir`` download of commit ``revision`` whose dataset card names it) or
    ``stated`` (the publisher's word, ``bgs-hf push --dataset``: the run recorded only a local folder)."""

    repo_id: str
    how: str = "recorded"
    revision: str | None = None


def hub_dataset(source: str | None, kind: str | None = None, downloaded: Any = None) -> HubDataset | None:
    """The Hub dataset data read from ``source`` is, by the one rule of the model card's and the Space's
    ``datasets:``: a source recorded as read from the Hub (``kind="hub"``); a local folder that is the Hub cache's
    snapshot of a dataset repo (``.../datasets--ORG--NAME/snapshots/<commit>``, read from the path: the cache may be
    gone since); a local folder the run recorded as an unchanged ``--local-dir`` download of a dataset whose card
    names its repo (``downloaded``, :func:`~bgs_hf.data.hub.downloaded_dataset`: read at training time, as the
    folder may be gone since); for an unrecorded kind (an older run, a Space's ``--data``), a source spelt as a Hub
    id that is no local path. A run trained on a downloaded snapshot linked no dataset; a local path is never taken
    for an id, and the path of a cache snapshot is its name, never what its card says."""
    from bgs_hf._offline import hub_id_problem, looks_like_a_path
    from bgs_hf.errors import hub_snapshot, is_commit_hash

    if not source:
        return None
    if kind == "hub":  # an older run recorded `~/data/x`, read from the local folder, as read from the Hub
        return None if looks_like_a_path(str(source)) else HubDataset(str(source))
    def takes(name: Any) -> bool:
        """Whether the Hub takes ``name`` as a repo id, a local folder of that name or not: a folder of the user's
        named ``datasets--org--a--b`` put ``org/a--b``, which ``--dataset`` refuses, in ``datasets:``."""
        return isinstance(name, str) and bool(_HUB_ID.match(name)) and hub_id_problem(name) is None

    snapshot = hub_snapshot(str(source), "dataset")
    if snapshot is not None and not snapshot[2] and takes(snapshot[0]):
        return HubDataset(snapshot[0], "snapshot", snapshot[1])
    if kind == "local" and isinstance(downloaded, dict):
        repo_id, revision = downloaded.get("repo_id"), downloaded.get("revision")
        if takes(repo_id) and is_commit_hash(revision):
            return HubDataset(repo_id, "download", revision)
    return HubDataset(str(source)) if kind is None and is_hub_id(str(source)) else None


def check_stated_dataset(name: str) -> str:
    """``name``, a Hub dataset id as ``bgs-hf push --dataset`` takes it (``ORG/NAME``), else a one-line refusal: a
    local folder or a malformed id never goes into a card's ``datasets:``."""
    if Path(name).exists():
        raise BGSInputError(f"--dataset takes the Hub dataset id the run's data came from (ORG/NAME), not a local "
                            f"folder: {name}")
    if page_id := dataset_page_id(name):
        raise BGSInputError(f"--dataset takes the Hub dataset's id, not its page's address: pass --dataset {page_id}")
    refusal = hub_id_refusal(name)
    if refusal is not None:
        raise BGSInputError(f"--dataset: {refusal}")
    if not _HUB_ID.match(name):
        raise BGSInputError(f"--dataset: invalid repo id {name!r}: expected ORG/NAME, the Hub dataset the run's data "
                            "came from")
    return name


def _fmt(value: Any) -> str:
    """A number to 3 decimals, a whole one too (``"r2": 0`` read "0" beside its "[0.000, 0.100]")."""
    return fmt(value, ".3f", "—") if value is None or isinstance(value, (int, float)) else str(value)


def _fmt_pct(value: Any, scale: float = 1.0) -> str:
    """``pct_of_ceiling`` is already a percentage (``bgs_hf.metrics.bootstrap.pct_of_ceiling``)."""
    text = fmt(scale * value if isinstance(value, (int, float)) else None, ".1f", "")
    return text + "%" if text else "—"


def _fmt_acc(value: Any) -> str:
    """An accuracy, recorded as a fraction, as a percentage."""
    return _fmt_pct(value, 100.0)


def _card_tags(*, is_adapter: bool = True, family: str | None = None) -> list[str]:
    """The card's Hub tags: ``peft`` and ``lora`` only for a repo that holds an adapter, and the backbone's family."""
    tags = ["bgs-hf", *(["peft", "lora"] if is_adapter else []), "video", "representational-alignment", "odd-one-out"]
    return [*tags, family] if family else tags


@dataclass
class EvalRow:
    """One row of the evaluation table (pretrained, this model, ceiling)."""

    name: str
    r2: str
    pct_of_ceiling: str
    ooo_acc_3way: str
    ooo_acc_2way: str


@dataclass
class BGSModelCardData(ModelCardData):
    """Typed content of a BGS model card.

    The YAML header is limited to :data:`YAML_FIELDS`; ``eval_results`` become ``model-index`` through
    huggingface_hub's own converter, so ``ModelCard(text).data.eval_results`` reads them back.
    """

    model_id: str | None = None
    model_name: str | None = None
    base_model: str | None = None
    backbone: str = "unknown"
    backbone_info: dict[str, Any] = field(default_factory=dict)
    license: str = "other"
    #: with ``license: other`` only (the Hub requires a name for it; the link where the terms are known)
    license_name: str | None = None
    license_link: str | None = None
    library_name: str | None = "peft"  # None (a run without LoRA): no library_name in the header
    pipeline_tag: str = "feature-extraction"
    tags: list[str] = field(default_factory=_card_tags)
    datasets: list[str] | None = None
    #: the Hub metric ids the header declares; None: those this model's own numbers report (:attr:`declared_metrics`)
    metrics: list[str] | None = None
    eval_results: list[EvalResult] | None = None
    # -- template-only content ---------------------------------------------------------------------
    #: whether the repo holds a PEFT adapter (a run without LoRA saves its fine-tuned backbone instead)
    is_adapter: bool = True
    #: the base model's weights ship in the repo's ``base/`` (bundled, tiny-random, or ``--include-base``)
    base_in_repo: bool = False
    #: without an adapter: the trained backbone ships as ``backbone.safetensors`` (a frozen one is saved as the base's)
    backbone_in_repo: bool = True
    lora: dict[str, Any] | None = None
    head: dict[str, Any] | None = None
    pooling: str | None = None
    loss: dict[str, Any] | None = None
    frame_policy: dict[str, Any] | None = None
    preprocessing: dict[str, Any] | None = None
    dataset_name: str = "unknown"
    dataset_split: str = "test"
    #: how the card knows its ``datasets:`` entry: ``recorded``, ``snapshot`` or ``download`` (at ``dataset_revision``)
    #: or ``stated``
    #: by the publisher (:class:`HubDataset`); the card says which
    dataset_how: str = "recorded"
    dataset_revision: str | None = None
    #: the judgments come from SocialShapes' simulated observers (``run_data``), not people: the card says so
    simulated_observers: bool = False
    data_licence_note: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    #: what one training step did under the recorded recipe (:func:`describe_recipe`)
    recipe_note: str = ""
    fit: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] | None = None
    ceiling: dict[str, Any] | None = None
    #: why the split has no noise ceiling, as metrics.json records it (``RunInfo.ceiling_why``), said under the table
    ceiling_why: str | None = None
    #: the seed that drew the ceiling's split-halves (the run's training seed, ``recorded_seed``), said under the
    #: table: a dataset card and ``bgs-hf data stats`` draw them with seed 0, so the two cards' ceilings can differ
    ceiling_seed: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    citation: str = CITATION
    paper_url: str = PAPER_URL

    def __post_init__(self) -> None:
        if self.license == "other" and not self.license_name:
            self.license_name = OTHER_LICENSE_NAME
        if self.eval_results is None:
            self.eval_results = self.build_eval_results() or None

    def build_eval_results(self) -> list[EvalResult]:
        """``model-index`` entries for this model's own numbers (the baseline stays in the prose table). Only
        for a Hub dataset: the model-index names its dataset by Hub id, and a local folder's name would link
        someone else's dataset. Only finite numbers: a NaN the table shows as "—" went to the Hub as ``.nan``."""
        results: list[EvalResult] = []
        if not self.datasets:
            return results
        for key, metric_type, pretty in EVAL_METRICS:
            value = self.fit.get(key)
            if not is_finite_real(value):  # NaN, inf or a JSON true: the table's "—", never a number on the Hub
                continue
            results.append(
                EvalResult(
                    task_type="feature-extraction",
                    task_name=("Similarity alignment with simulated observers (odd-one-out judgments)"
                               if self.simulated_observers else "Human similarity alignment (odd-one-out judgments)"),
                    dataset_type=self.dataset_id,
                    # the split's size in the name the Hub's widget shows: the spec has no field for it, and an R² on
                    # 50 clips read as one on 5,000 (``args`` are load_dataset's, ``metrics`` each a value)
                    dataset_name=f"{self.dataset_name}, {self.dataset_split} clips"
                                 + (f" ({self.split_size})" if self.split_size else ""),
                    dataset_config=HUB_EVAL_CONFIG,
                    dataset_split=HUB_EVAL_SPLIT,
                    dataset_args=_clip_split_args(self.dataset_split),
                    # the commit the run read (a snapshot or download): a later push to the repo moves its clips
                    dataset_revision=self.dataset_revision,
                    metric_type=metric_type,
                    metric_name=pretty,
                    metric_config=key,
                    metric_value=round(float(value), 6),
                )
            )
        return results

    @property
    def declared_metrics(self) -> list[str] | None:
        """The header's ``metrics:``: those given, else ``accuracy`` only where this model's fit reports one (the
        other figures have no Hub metric id). A card of a run never evaluated declared ``metrics: [accuracy]`` above
        a body that said it recorded no evaluation metrics."""
        if self.metrics is not None:
            return self.metrics
        reported = any(is_finite_real((self.fit or {}).get(key)) for key, metric_type, _ in EVAL_METRICS
                       if metric_type == "accuracy")
        return ["accuracy"] if reported else None

    @property
    def bgs_trained(self) -> bool:
        """The run recorded the BGS loss: only then does the card call it BGS-aligned (``run_info.bgs_trained``)."""
        return bgs_trained(self.loss)

    @property
    def frame_code(self) -> dict[str, Any] | None:
        """The recorded frame policy as ``load_model`` reads it, for the card's code that prepares frames without
        bgs-hf (its values written into the code); None where none is recorded or it would not load."""
        if not self.frame_policy:
            return None
        try:
            return FramePolicy.from_dict(self.frame_policy).to_dict()
        except (TypeError, ValueError):
            return None

    @property
    def ceiling_name(self) -> str:
        """The noise ceiling as the card and ``.eval_results`` name it: whose judgments it is the ceiling of."""
        return "simulated observers' noise ceiling" if self.simulated_observers else "human noise ceiling"

    @property
    def split_size(self) -> str:
        """The scored split's clips and judgments as its fit records them (``"50 clips, 348 judgments"``, ``""`` where
        none is): the card and its model-index named only the split, so an R² on 50 clips read as one on 5,000."""
        from bgs_hf.data.validate import split_size

        fit = self.fit or {}
        return split_size(fit.get("n_clips"), fit.get("n_judgments"))

    @property
    def nonpositive_ceiling_why(self) -> str | None:
        """What a recorded noise ceiling at or below 0 says, in the words the Space and the quickstart's report use
        (:func:`~bgs_hf.metrics.bootstrap.ceiling_disagreement`); None for a positive ceiling, or none. The card said
        nothing below a table whose % column read "—" throughout."""
        r2 = (self.ceiling or {}).get("r2")
        if not is_finite_real(r2) or positive_ceiling(r2):
            return None
        return ceiling_disagreement("the simulated observers" if self.simulated_observers else "the participants")

    @property
    def ceiling_seed_note(self) -> str | None:
        """Below the table, which seed drew the ceiling's split-halves, in the sentence the Space and evaluation.md
        say it in (:func:`~bgs_hf.metrics.bootstrap.ceiling_seed_note`); None without a ceiling or a recorded seed."""
        return ceiling_seed_note(self.ceiling_seed) if self.ceiling and self.ceiling_seed is not None else None

    @property
    def split_note(self) -> str | None:
        """Below the table, the note `evaluate` prints for a split too small for its 95% CIs to say anything: a
        reader on the Hub sees only the card. It names the fit's clips and judgments (an older bgs-hf's metrics.json
        recorded no clip count: then its judgments only)."""
        from bgs_hf.data.validate import small_split_note

        fits = [self.fit or {}, self.baseline or {}]
        note = small_split_note(self.dataset_split, fits[0].get("n_clips"), fits[0].get("n_judgments"),
                                [f.get("r2_ci") for f in fits])
        return note.removeprefix("note: ") if note else None

    @property
    def dataset_id(self) -> str:
        return self.datasets[0] if self.datasets else self.dataset_name

    def eval_rows(self) -> list[EvalRow]:
        rows = []
        if self.baseline:
            rows.append(self._row(f"pretrained `{self.backbone}` (no BGS)", self.baseline))
        if self.fit:
            rows.append(self._row(f"**this model ({'BGS-aligned' if self.bgs_trained else 'fine-tuned'})**", self.fit))
        if self.ceiling:
            r2 = self.ceiling.get("r2")
            whole = positive_ceiling(r2)  # else no model row has a % either
            rows.append(
                EvalRow(
                    name=f"{self.ceiling_name} (split-half; brackets: 95% range over splits)",
                    r2=_fmt(r2) + fmt_ci(self.ceiling.get("ci")),
                    pct_of_ceiling="100%" if whole else "—",
                    ooo_acc_3way=_fmt_acc(self.ceiling.get("ooo_acc_3way")),
                    ooo_acc_2way="—",
                )
            )
        return rows

    @staticmethod
    def _row(name: str, fit: dict[str, Any]) -> EvalRow:
        return EvalRow(
            name=name,
            r2=_fmt(fit.get("r2")) + fmt_ci(fit.get("r2_ci")),
            pct_of_ceiling=_fmt_pct(fit.get("pct_of_ceiling")),
            ooo_acc_3way=_fmt_acc(fit.get("ooo_acc_3way")),
            ooo_acc_2way=_fmt_acc(fit.get("ooo_acc_2way")),
        )

    # -- huggingface_hub hooks ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything the template needs (``ModelCard.from_template`` passes it as Jinja variables)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["eval_rows"] = self.eval_rows()
        data["repo_or_path"] = self.model_id or "path/to/this/folder"
        data["card_model_name"] = self.card_model_name
        data["objective"] = describe_objective(self.loss, simulated=self.simulated_observers)
        data["bgs_trained"] = self.bgs_trained
        data["frame_code"] = self.frame_code
        data["split_note"] = self.split_note
        data["ceiling_seed_note"] = self.ceiling_seed_note
        data["split_size"] = self.split_size
        data["nonpositive_ceiling_why"], data["ceiling_name"] = self.nonpositive_ceiling_why, self.ceiling_name
        data["chance_3way"], data["chance_2way"] = fmt_chance(CHANCE_3WAY), fmt_chance(CHANCE_2WAY)  # table header
        return data

    def to_yaml(self, line_break: str | None = None, original_order: list[str] | None = None) -> str:
        other = self.license == "other"
        header: dict[str, Any] = {
            "license": self.license,
            "license_name": self.license_name if other else None,
            "license_link": self.license_link if other else None,
            "library_name": self.library_name,
            "base_model": self.base_model,
            "tags": self.tags,
            "datasets": self.datasets,
            "pipeline_tag": self.pipeline_tag,
            "metrics": self.declared_metrics,
        }
        if self.eval_results:
            header["model-index"] = eval_results_to_model_index(self.card_model_name, self.eval_results)
        header = {k: v for k, v in header.items() if k in YAML_FIELDS and v not in (None, [], {})}
        return yaml_dump(header, sort_keys=False, line_break=line_break).strip()

    @property
    def card_model_name(self) -> str:
        return self.model_name or (self.model_id or "bgs-adapter").split("/")[-1]


def _clip_split_args(split: str) -> dict[str, str]:
    """The model-index ``args`` naming the clips a split's numbers come from: a published dataset stores the
    train/test split by clip in ``stimulus_set``; any other split (a seeded ``val`` carve-out of train) is named as
    such."""
    return {"stimulus_set": split} if split in ("train", "test") else {"clip_split": split}


#: Prose per recorded loss term (``get_config_dict()["name"]``), so the card describes what the run used; ``{one}``,
#: ``{ones}`` and ``{all}`` name the judges (:data:`_JUDGES`).
_LOCAL_PROSE = {
    "TripletMarginLoss": "a triplet hinge on the two clips {one} kept together versus the odd-one-out",
    "OddOneOutLoss": "a 3-way softmax over the triplet's pair similarities: the likelihood of {ones} choice",
}
_GLOBAL_PROSE = {
    "pearson": "the negative Pearson correlation between the model's and {all} pairwise distances (RSA) "
               "over observed pairs",
    "soft_spearman": "the negative soft-Spearman correlation between the model's and {all} pairwise "
                     "distances (RSA) over observed pairs",
}
#: who cast the judgments, by whether they are SocialShapes' simulated observers
_JUDGES = {False: {"one": "a person", "ones": "the person's", "all": "the humans'"},
           True: {"one": "a simulated observer", "ones": "the observer's", "all": "the simulated observers'"}}


def describe_objective(loss: dict[str, Any] | None, *, simulated: bool = False) -> str:
    """One paragraph on the loss terms, read from the recorded loss config (never assumed); ``simulated``: the
    judgments are SocialShapes' simulated observers', not people's. A loss recorded under another name than
    ``BGSLoss`` (a subclass with another forward) is said to combine its terms its own way: the paragraph read as the
    paper's weighted sum of them."""
    if not isinstance(loss, dict):
        return ""
    local, glob = loss.get("local") or {}, loss.get("global") or {}
    who = _JUDGES[bool(simulated)]
    parts = []
    if isinstance(local, dict) and local.get("name"):
        prose = _LOCAL_PROSE.get(str(local["name"]))  # as the global term's method: a list failed (unhashable)
        parts.append(f"The local term is {prose.format(**who) if prose else '`' + str(local['name']) + '`'}")
    if isinstance(glob, dict) and glob.get("name"):
        prose = _GLOBAL_PROSE.get(str(glob.get("method")))
        text = prose.format(**who) if prose else f"`{glob['name']}` ({glob.get('method', '?')})"
        parts.append(f"the global term is {text}")
    if not parts:
        return ""
    text = "; ".join(parts) + "; the weights above are those recorded by the run."
    name = loss.get("name")
    if not isinstance(name, str) or bgs_trained(loss):
        return text
    return (f"The run's loss is `{name}`, not bgs-hf's `BGSLoss`: how it combined its terms is its own; "
            + text[0].lower() + text[1:])


def _count(value: Any) -> int | None:
    """A recorded whole number (an edited record's text, float or bool is none)."""
    return value if is_whole(value, floats=False) else None


def recorded_recipe(info: RunInfo) -> dict[str, Any] | None:
    """The recipe a run trained with: the resolved one (overrides applied) that ``train_bgs`` keeps in
    ``bgs_trainer_state.json``, else only the name ``metrics.json`` or ``run_config.json`` records."""
    recipe = info.extra.get("recipe")
    if isinstance(recipe, dict) and isinstance(recipe.get("name"), str) and recipe["name"]:
        return recipe
    bgs = info.extra.get("bgs")
    for name in (info.metrics.get("recipe"), bgs.get("recipe") if isinstance(bgs, dict) else None):
        if isinstance(name, str) and name:
            return {"name": name}
    return None


def _processes(run: dict[str, Any]) -> str:
    """How many processes shared each step's clips, by part of the run (``world_sizes``; one resumed on another
    number has one part per change): a run resumed from 2 processes onto 1 read "shared by 2 processes" for all of
    it, the number of the last checkpoint's part. Empty for a run on one process throughout."""
    worlds = [_count(p.get("world_size")) for p in recorded_world_sizes(run)]
    if len(worlds) == 1:
        return f"; the clips of a step are shared by {worlds[0]} processes" if worlds[0] and worlds[0] > 1 else ""
    ends = [_count(p.get("from_step")) for p in recorded_world_sizes(run)[1:]]  # each part ends where the next starts
    said = ["an unrecorded number of" if w is None else str(w) for w in worlds]
    said[0] += " process" if worlds[0] == 1 else " processes"
    return ("; the run's steps ran on " + ", then on ".join(f"{w} to step {'?' if end is None else end}"
                                                       for w, end in zip(said, ends))
            + f", then on {said[-1]} (each step's clips shared among them)")


def _clip_set_step(each: str, recipe: dict[str, Any], run: dict[str, Any]) -> str:
    """What a ``clip-set`` step did (``each`` names the steps): which clips it embedded once, and the terms it
    trained on; a ``clips_per_step`` of 0 is every training clip at once, so there is no "set" to be inside."""
    size, n_clips = recipe["clips_per_step"], _count(run.get("n_train_clips"))
    chunk = _count(run.get("embed_chunk", recipe.get("embed_chunk")))
    of = f" of the {n_clips} training clips" if n_clips is not None else " of the training clips"
    clips = f"every training clip ({n_clips})" if size == 0 and n_clips is not None else (
        "every training clip" if size == 0 else f"a set of up to {size} clips{of}")
    inside = "" if size == 0 else " inside the set"
    terms = [t for t, on in ((f"every training judgment{inside} (local term)", recipe.get("use_local")),
                             ("every observed pair among its clips (RSA term)", recipe.get("use_rsa"))) if on]
    text = f"{each} embeds {clips} once"
    text += f", in chunks of {chunk} with activation recomputation" if chunk else ""
    text += f", and trains on {' and '.join(terms)}" if terms else ""
    passes = _count(recipe.get("passes_per_epoch"))
    return text + (f"; each training clip is embedded {passes} times an epoch" if passes and passes > 1 else "")


def _paper_v1_step(each: str, recipe: dict[str, Any]) -> str:
    """What a ``paper-v1`` step did (``each`` names the steps): three separate clip passes per judgment, and on some
    steps an RSA term over random clips (said only where its sizes are recorded)."""
    per = recipe["triplets_per_step"]
    text = f"{each} takes {per} training judgments and embeds each clip of each separately ({3 * per} clip passes)"
    if recipe.get("use_rsa") and all(_count(recipe.get(k)) for k in ("rsa_per_epoch", "rsa_clips")):
        grad = _count(recipe.get("rsa_grad_clips"))
        text += (f"; on {recipe['rsa_per_epoch']} steps an epoch an RSA term on {recipe['rsa_clips']} random "
                 f"training clips" + (f", {grad} of them with gradient" if grad is not None else ""))
    return text + ("" if recipe.get("use_local") else " (no local term)")


def describe_recipe(recipe: dict[str, Any] | None, run: dict[str, Any], accumulation: Any = None) -> str:
    """What one training step did, from the recorded recipe and ``bgs_trainer_state.json`` (``run``): a BGS step is
    a whole clip set or a batch of judgments, not ``per_device_train_batch_size`` clips (always 1: one item is one
    step), so the Trainer's batch size alone read as one clip a step. Empty when the recipe's sampler is unrecorded."""
    if not recipe:
        return ""
    steps = _count(run.get("steps_per_epoch"))
    each = "The one step of an epoch" if steps == 1 else f"Each of the {steps} steps an epoch" if steps else "Each step"
    if recipe.get("sampler") == "clip-set" and _count(recipe.get("clips_per_step")) is not None:
        text = _clip_set_step(each, recipe, run)
    elif recipe.get("sampler") == "paper-v1" and _count(recipe.get("triplets_per_step")):
        text = _paper_v1_step(each, recipe)
    else:
        return ""
    text += _processes(run)
    acc = _count(accumulation)
    # the Trainer divides each step's loss by the accumulation: the gradient is the mean of the steps', and each keeps
    # its own RSA term over its own set (not one over their union)
    text += (f"; each optimizer step (`global_step`) averages the gradients of {acc} such steps, each with its own "
             "loss over its own clips" if acc and acc > 1 else "")
    return (text + ". `per_device_train_batch_size` is not shown: it is always 1 (one item is one whole step).")


def _versions() -> dict[str, str]:
    """The installed versions the card lists for reproduction (a package not installed is left out). Not
    ``bgs_hf.models.loading``'s: that one records what a saved model was written with, to warn on load."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("bgs-hf", "peft", "transformers", "torch", "huggingface_hub"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _settings(info: RunInfo, *keys: str, text: bool = False) -> Any:
    """A recorded section the card reads as a map of settings (``text``: or a plain string), else one line naming the
    run and the key: an edited record's ``"loss": "x"`` failed in the template ("'str object' has no attribute
    'items'"), a ``"head": 3`` in ``{**head}``."""
    value = info.section(*keys)
    if not value:  # "" or 0 read as not recorded, as before
        return None
    if isinstance(value, dict) or (text and isinstance(value, str)):
        return value
    key = next(k for k in keys if info.section(k) is not None)
    raise BGSInputError(f"the run records {key!r} as {value!r:.40} ({type(value).__name__}), not a map of settings",
                        path=info.run_dir)


def _recorded_data(info: RunInfo) -> tuple[dict[str, Any], str, str, str]:
    """(recorded data section, source, pretty name, kind). The kind is the run's recorded ``origin`` (its format,
    not words in its path: "/data/releases/"), or for a run from before origin was recorded (or recorded null) its
    names, lower-cased, to guess from."""
    data = _settings(info, "data", "dataset", text=True) or {}
    if isinstance(data, str):
        data = {"source": data}
    source = str(data.get("source") or data.get("data") or data.get("path") or data.get("name") or "")
    name = str(data.get("name") or (Path(source).name if source else "unknown"))
    kind = str(data["origin"]) if data.get("origin") else f"{name} {source} {data.get('kind', '')}"
    return data, source, name, kind.lower()


def _synthetic(kind: str) -> bool:
    """SocialShapes: its judgments come from simulated observers, not people."""
    return "socialshapes" in kind or "synth" in kind


def run_data(info: RunInfo) -> tuple[str, bool]:
    """(name of the data a run was trained and evaluated on, whether its observers are simulated), by the rule the
    card's licence note uses."""
    _, _, name, kind = _recorded_data(info)
    return name, _synthetic(kind)


def _is_release(kind: str) -> bool:
    """The Garcia & Isik release (by recorded origin, or for an older run by name)."""
    return "garcia" in kind or "release" in kind or "isik" in kind


def card_dataset(info: RunInfo, stated: str | None = None) -> HubDataset | None:
    """The Hub dataset the run's card links: the one its record names (:func:`hub_dataset`), else the publisher's
    ``stated`` one (``push --dataset``), said as theirs. A statement naming another dataset than the record is
    refused: the card never claims data the run did not train on."""
    data, source, _, _ = _recorded_data(info)
    kind = data.get("kind")  # a run records its data's kind (local folder or Hub)
    recorded = hub_dataset(source, kind, data.get("downloaded_from"))
    if stated is None:
        return recorded
    check_stated_dataset(stated)
    if recorded is not None and recorded.repo_id != stated:
        raise BGSInputError(f"--dataset {stated}: the run recorded its data as the Hub dataset {recorded.repo_id}, "
                            "which its card names; drop --dataset")
    return recorded or HubDataset(stated, "stated")


def _dataset_fields(info: RunInfo) -> tuple[str, list[str] | None, str]:
    """(pretty name, Hub dataset ids, licence note) from what the run recorded about its data."""
    data, source, name, kind = _recorded_data(info)
    found = card_dataset(info)
    hub_ids = [found.repo_id] if found else None
    if _synthetic(kind):
        note = (
            "SocialShapes is a synthetic benchmark generated by bgs-hf (procedural shapes and simulated "
            "observers); it carries no third-party rights and is released with the code (Apache-2.0)."
        )
    elif _is_release(kind):
        note = (
            "The human judgments come from the Garcia & Isik release, which states no licence; the videos "
            "are licensed (Moments in Time) and are not redistributed. Check the authors' terms before reuse."
        )
    elif declared := declared_data_license(info):
        note = (f"The training data, **{name}**, declares the licence `{declared}` on its dataset card (recorded by "
                "the run); check those terms before reusing this adapter.")
    else:
        note = "Check the licence of the training data before reusing this adapter."
    return name, hub_ids, note


def declared_data_license(info: RunInfo) -> str | None:
    """The licence the training data's dataset card declared, as the run recorded it (``run_config.json``'s
    ``data.license``, from :func:`bgs_hf.data.hub.recorded_license`) and the card names it; None where none was
    recorded, for SocialShapes and the release (their own notes stand), or where an edited record's value would break
    the card's text (not one line of text, or a backtick)."""
    data, _, _, kind = _recorded_data(info)
    value = data.get("license")
    if _synthetic(kind) or _is_release(kind):
        return None
    if not isinstance(value, str) or not value.strip() or "`" in value or "\n" in value or "\r" in value:
        return None
    return value.strip()


def _backbone(cfg: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(name, Hub id of the base model or None, the card's ``backbone_info``: the recorded facts it lists) from
    ``bgs_config.json``."""
    bb = cfg.get("backbone")
    if isinstance(bb, dict):
        name = str(bb.get("name") or "unknown")
        hub = name if bb.get("source") == "hub" or (bb.get("source") is None and is_hub_id(name)) else None
        facts = {k: bb[k] for k in ("family", "model_class", "source", "num_frames", "frames_interpolated_from",
                                    "image_size", "revision") if bb.get(k) is not None}
        policy = cfg.get("frame_policy")
        if isinstance(policy, dict) and policy.get("num_frames") is not None and "num_frames" in facts:
            # the frames it runs at: a --num_frames run of V-JEPA 2 or CLIP keeps the checkpoint's or family's count
            # in the spec (TimeSformer's interpolated count is in both)
            facts["num_frames"] = policy["num_frames"]
        return name, hub, facts
    name = str(bb or cfg.get("base_model") or "unknown")
    return name, (name if is_hub_id(name) else None), {}


def _lora_settings(info: RunInfo) -> dict[str, Any] | None:
    """The LoRA settings the run recorded, else those of its ``adapter_config.json``; the adapter's
    ``modules_to_save`` wins, since it is what the saved adapter really holds."""
    lora = _settings(info, "lora", "lora_config")
    adapter = info.adapter_config
    if lora is None and adapter:
        lora = {k: adapter.get(k) for k in ("r", "lora_alpha", "lora_dropout", "target_modules", "modules_to_save",
                                             "bias") if k in adapter}
    if lora and adapter and adapter.get("modules_to_save"):
        lora = {**lora, "modules_to_save": adapter["modules_to_save"]}
    return lora or None


def _head_settings(info: RunInfo) -> dict[str, Any] | None:
    """The projection head's recorded settings, with the embedding width ``bgs_config.json`` gives beside them."""
    head = _settings(info, "head", "head_config")
    if head is not None and info.bgs_config.get("embedding_dim") is not None:
        head = {**head, "embedding_dim": info.bgs_config["embedding_dim"]}
    return head


def card_split(info: RunInfo) -> str:
    """The split whose numbers the card shows: nested by split, the numbers are the chosen split's; a flat
    metrics.json is the split its run recorded."""
    data = info.section("data", "dataset")
    nested = isinstance(info.metrics.get(info.split), dict)
    return info.split if nested or not isinstance(data, dict) else str(data.get("split", info.split))


def _training_settings(info: RunInfo, recipe: dict[str, Any] | None, recipe_note: str,
                       accumulation: Any) -> dict[str, Any]:
    """The card's training line, in its order: what a step is (the Trainer's batch size of 1 read as one clip a
    step, so a recipe's step size replaces it wherever ``recipe_note`` says what a step did), the Trainer's
    settings, where training ended and which clips chose the best model."""
    training: dict[str, Any] = {}
    if recipe:
        training["recipe"] = recipe["name"]
        size_key = "triplets_per_step" if recipe.get("sampler") == "paper-v1" else "clips_per_step"
        if _count(recipe.get(size_key)) is not None:
            training[size_key] = recipe[size_key]
    args = info.training_args or {}
    for key in ("learning_rate", "num_train_epochs", "max_steps", "per_device_train_batch_size", "seed", "bf16"):
        if key == "per_device_train_batch_size" and recipe_note:
            continue  # always 1 under a BGS recipe: the note says what a step is instead
        if key in args:
            training[key] = args[key]
    if args.get("torch_compile") is True:  # only a compiled run says so (a launch's dynamo backend recorded too)
        training.update({key: args[key] for key in ("torch_compile_backend", "torch_compile_mode") if args.get(key)})
        options = info.extra.get(COMPILE_OPTIONS)  # a launch's fullgraph, dynamic or regional compilation
        if isinstance(options, dict):
            training.update({f"torch_compile_{name}": value for name, value in options.items()})
    if _count(accumulation) and accumulation > 1:
        training["gradient_accumulation_steps"] = accumulation
    if info.trainer_state:
        for key in ("global_step", "best_global_step", "best_metric", "epoch"):
            if info.trainer_state.get(key) is not None:
                training[key] = info.trainer_state[key]
            if key == "best_metric" and is_finite_real(training.get(key)):
                # to 3 decimals, as the card's other figures: it read `best_metric=-0.038073033343789815`
                training[key] = round(float(training[key]), 3) + 0.0  # + 0.0: no "-0.0"
            if key == "best_metric" and key in training and args.get("metric_for_best_model"):
                # what best_metric is a value of: a bare "best_metric=-0.113" read like the card's R²
                training["metric_for_best_model"] = args["metric_for_best_model"]
    data = info.section("data", "dataset")
    if isinstance(data, dict) and data.get("validation"):  # which validation clips chose the best model
        training["validation"] = data["validation"]
    return training


def _card_license(license: str | None, backbone_info: dict[str, Any], licence_note: str, data_kind: str,
                  base_id: str | None) -> tuple[str, str | None]:
    """(licence id, link to the terms). Given none, Apache-2.0 only for our own weights on our own data (a local
    base folder may be anyone's weights under any licence), else ``other``, linked to where the terms are: the
    release's repository, else the Hub base model's page."""
    if license:
        license_id = hub_license_id(license)
    else:
        ours = backbone_info.get("source") in ("tiny-random", "bundled") and "SocialShapes" in licence_note
        license_id = "apache-2.0" if ours else "other"
    if license_id != "other":
        return license_id, None
    if _is_release(data_kind):
        return license_id, RELEASE_URL
    return license_id, f"https://huggingface.co/{base_id}" if base_id else None


def card_data_from_run(
    info: RunInfo, *, repo_id: str | None = None, license: str | None = None, dataset: str | None = None
) -> BGSModelCardData:
    """Fill the card data from a run. Nothing is invented: absent entries stay empty on the card. ``dataset``: the Hub
    dataset the publisher states a run on a local folder trained on (:func:`card_dataset`)."""
    from bgs_hf.models.loading import BACKBONE_FILE  # here, not at the top: loading imports torch

    cfg = info.bgs_config
    backbone, base_id, backbone_info = _backbone(cfg)
    # read in this order, so that of several damaged sections the same one is named: lora, data, head, loss, ...
    lora = _lora_settings(info)
    name, _, licence_note = _dataset_fields(info)
    hub = card_dataset(info, dataset)
    data_kind = _recorded_data(info)[3]
    split = card_split(info)
    recipe = recorded_recipe(info)
    accumulation = (info.training_args or {}).get("gradient_accumulation_steps")
    recipe_note = describe_recipe(recipe, info.extra, accumulation)
    training = _training_settings(info, recipe, recipe_note, accumulation)
    license_id, license_link = _card_license(license, backbone_info, licence_note, data_kind, base_id)
    is_adapter = bool(info.adapter_config)
    head = _head_settings(info)
    return BGSModelCardData(
        model_id=repo_id,
        base_model=base_id,
        backbone=backbone,
        backbone_info=backbone_info,
        base_in_repo=isinstance(cfg.get("backbone"), dict) and bool(cfg["backbone"].get("base_folder")),
        license=license_id,
        license_link=license_link,
        library_name="peft" if is_adapter else None,
        is_adapter=is_adapter,
        backbone_in_repo=(Path(info.model_dir) / BACKBONE_FILE).is_file(),
        tags=_card_tags(is_adapter=is_adapter, family=backbone_info.get("family")),
        datasets=[hub.repo_id] if hub else None,
        dataset_how=hub.how if hub else "recorded",
        dataset_revision=hub.revision if hub else None,
        lora=lora,
        head=head,
        pooling=info.section("pooling"),
        loss=_settings(info, "loss", "loss_config"),
        frame_policy=_settings(info, "frame_policy", "frames"),
        preprocessing=_settings(info, "preprocessing"),
        dataset_name=name,
        dataset_split=split,
        simulated_observers=_synthetic(data_kind),  # the rule run_data gives its callers
        data_licence_note=licence_note,
        training=training,
        recipe_note=recipe_note,
        fit=info.fit,
        baseline=info.baseline,
        ceiling=info.ceiling,
        ceiling_why=info.ceiling_why,
        ceiling_seed=recorded_ceiling_seed(info),
        versions=_versions(),
    )


def recorded_ceiling_seed(info: RunInfo) -> int | None:
    """The seed a run's recorded ceiling was drawn with: its training seed, which ``train_bgs`` scores its
    metrics.json with (None where no ceiling or no seed is recorded): the card and the Space say it."""
    from bgs_hf.training.api import recorded_seed  # here, not at the top: as push does

    return recorded_seed(info.run_dir) if info.ceiling else None


def render_model_card(card_data: BGSModelCardData, template_path: str | Path | None = None) -> ModelCard:
    """Render the Jinja template as ``ModelCard.from_template`` does (``jinja2.Template``'s default settings), with
    the ``cell`` filter added; the returned card's ``.data`` is parsed back from the YAML it wrote."""
    import jinja2

    env = jinja2.Environment()  # markdown, not HTML: nothing to autoescape (as from_template)
    env.filters["cell"] = md_cell  # (bgs_hf._format) a ``|`` or a line break in a value kept in its cell
    template = env.from_string(Path(template_path or MODEL_CARD_TEMPLATE).read_text(encoding="utf-8"))
    return ModelCard(template.render(card_data=card_data.to_yaml(), **card_data.to_dict()))


#: how the card's evaluation table begins (model_card.md.j2); a card without one says "This run recorded no evaluation
#: metrics" (a ``save_pretrained`` folder's, a checkpoint's) or is peft's empty template
EVAL_TABLE_HEAD = "| model | R² [95% CI] |"


def card_holds_evaluation(card: str | Path) -> bool:
    """Whether the model card at ``card`` shows an evaluation table, so that a page may send its reader there for
    the numbers: the card of a save or a checkpoint has none, and pointing to it lost the way to them."""
    try:
        return EVAL_TABLE_HEAD in Path(card).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def write_run_card(run_dir: str | Path, *, split: str = "test") -> Path | None:
    """Put the model card ``bgs-hf push`` would publish in the run folder's README.md, which otherwise holds
    peft's empty template ("Model Card for Model ID"). A run folder whose card cannot be rendered keeps what it
    has and logs why: the card is a view of the run, never a reason to lose it (``push`` names the same problem).
    ``split``: the split whose numbers the card shows (a run trained with ``--eval_test false`` scored ``val`` only)."""
    return _write_card(run_dir, lambda: RunInfo.from_run_dir(run_dir, split=split))


def write_saved_model_card(folder: str | Path) -> Path | None:
    """The card of a folder a ``save_pretrained`` just wrote (a notebook's save, a checkpoint), in place of peft's
    empty template: read without a run's checks, since it has no evaluation yet (the card says so), so that no
    warning comes with every save."""
    return _write_card(folder, lambda: RunInfo.read_records(folder))


def _write_card(run_dir: str | Path, read: Callable[[], RunInfo]) -> Path | None:
    path = Path(run_dir) / "README.md"
    try:
        card = render_model_card(card_data_from_run(read()))
    except BGSInputError as err:
        logger.warning("no model card in %s: %s", run_dir, err)
        return None
    card.save(path)
    return path
