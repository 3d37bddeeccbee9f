"""Publish a training run to the Hub: stage exactly the folder to upload, then upload it in one commit.

The staged folder is what downstream users get: the PEFT adapter (head included through
``modules_to_save``), ``bgs_config.json`` (backbone, pooling, frame policy, preprocessing, and the loss the run
recorded, so the Space can tell a BGS model from another), the model card
``README.md`` and ``.eval_results/*.yaml``. ``local_dir`` writes that folder and uploads nothing, so what is
tested is what would be published.

Every Hub page reads the evaluation from the card's ``model-index``. The ``.eval_results/*.yaml`` entries
(huggingface_hub's ``EvalResultEntry`` format) name the Hub dataset the run trained on; the Hub shows them on the
model page and a leaderboard only when that dataset is a registered benchmark (its repo declares each ``task_id``),
so for most bgs-hf datasets they are a machine-readable record, not a displayed one.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bgs_hf._files import BGS_CONFIG, built_in_place, require_new_folder
from bgs_hf.errors import BGSInputError, hub_model_named, hub_model_snapshot
from bgs_hf.hub.run_info import RunInfo

logger = logging.getLogger(__name__)

#: Files of the saved embedder (top level and MODEL_SUBFOLDERS) that are published, by name. Weights only as
#: safetensors. The head is in the adapter (LoRA runs, modules_to_save) or head.safetensors; its config is in
#: bgs_config.json.
MODEL_FILE_PATTERNS: tuple[str, ...] = (
    BGS_CONFIG,
    "adapter_config.json",
    "adapter_model.safetensors",
    "*.safetensors",
    "config.json",
    "preprocessor_config.json",
)
#: A Trainer's state (a ``checkpoint-N`` holds it): never published, and no weights to warn about.
TRAINING_STATE_PATTERNS: tuple[str, ...] = (
    "training_args*",
    "trainer_state.json",
    "optimizer*",
    "scheduler*",
    "rng_state*",
)
#: Pickled files: unpickling runs code, so weights are published as safetensors only.
PICKLE_SUFFIXES: tuple[str, ...] = (".bin", ".pt", ".pth", ".pkl")
#: Never published even when they match a pattern above (training state, pickles).
EXCLUDED_PATTERNS: tuple[str, ...] = (
    *TRAINING_STATE_PATTERNS,
    "metrics.json",
    *(f"*{suffix}" for suffix in PICKLE_SUFFIXES),
)
#: Sub-folders of the saved embedder that are published too: ``base/`` holds the config + weights of
#: bundled or tiny-random backbones, so the adapter loads without network.
MODEL_SUBFOLDERS: tuple[str, ...] = ("base",)
EVAL_RESULTS_DIR = ".eval_results"
#: The kinds of files a bgs-hf model repo holds (``stage_run``'s, and peft's pickled adapter): a later push deletes
#: those it does not stage again, so an earlier run's adapter, head or ``.eval_results`` never stays beside a later
#: run's files; a user's own files (LICENSE, notebooks) are kept.
MODEL_FILES: tuple[str, ...] = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin",
                                BGS_CONFIG, "head.safetensors", "backbone.safetensors", "base/*",
                                f"{EVAL_RESULTS_DIR}/*")


@dataclass
class PushResult:
    """What ``push_run`` staged and, when uploaded, where it went."""

    folder: Path
    files: list[str]
    repo_id: str
    url: str | None = None
    commit: str | None = None
    uploaded: bool = False


def validate_repo_id(repo_id: str) -> str:
    """``USER/NAME`` with Hub-legal characters, else a one-line :class:`BGSInputError`."""
    from huggingface_hub.utils import HFValidationError
    from huggingface_hub.utils import validate_repo_id as _validate

    try:
        _validate(repo_id)
    except HFValidationError as err:
        raise BGSInputError(f"invalid repo id {repo_id!r}: {_first_line(err)}") from None
    if repo_id.count("/") != 1:
        raise BGSInputError(f"invalid repo id {repo_id!r}: expected USER/NAME")
    return repo_id


def refuse_private_staging(private: bool, local_dir: str | Path | None) -> None:
    """``--private`` sets the visibility of the repo an upload creates; ``--local-dir`` is a dry run that creates no
    repo, so the flag was dropped silently and the later real push (without it) made a public repo."""
    if private and local_dir is not None:
        raise BGSInputError("--private makes the repo an upload creates private, and --local-dir uploads nothing "
                            "(a dry run that stages the folder): drop --private to stage, pass it when you push "
                            "without --local-dir")


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _model_files(model_dir: Path) -> list[Path]:
    """Files to publish, relative to ``model_dir``: the saved embedder, no training state, no pickles."""
    chosen = []
    candidates = sorted(p for p in model_dir.iterdir() if p.is_file())
    for sub in MODEL_SUBFOLDERS:
        if (model_dir / sub).is_dir():
            candidates += sorted(p for p in (model_dir / sub).rglob("*") if p.is_file())
    for path in candidates:
        if _matches(path.name, EXCLUDED_PATTERNS):
            if path.suffix in PICKLE_SUFFIXES and not _matches(path.name, TRAINING_STATE_PATTERNS):
                logger.warning("not publishing %s: weights are published as safetensors only", path.name)
            continue
        if _matches(path.name, MODEL_FILE_PATTERNS):
            chosen.append(path.relative_to(model_dir))
    if not any(p.suffix == ".safetensors" for p in chosen):
        raise BGSInputError(
            "no .safetensors weights to publish (adapter_model.safetensors expected)", path=model_dir, whole=True
        )
    return chosen


def _slug(name: str) -> str:
    """``name`` as a file name or task-id part the Hub accepts (``eval`` when nothing of it is left)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-").lower() or "eval"


def eval_results_yaml(card_data: Any) -> dict[str, list[dict[str, Any]]]:
    """``.eval_results/<dataset>.yaml`` contents (huggingface_hub's EvalResultEntry format)."""
    from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml

    if not card_data.datasets:  # EvalResultEntry names a Hub dataset; a local folder or unknown data has none
        return {}
    entries = []
    notes = f"split={card_data.dataset_split}"
    if card_data.ceiling and card_data.ceiling.get("r2") is not None:
        notes += f"; {card_data.ceiling_name} r2={card_data.ceiling['r2']:.4f}"
    if card_data.dataset_how == "stated":  # the publisher's word (push --dataset), as the card says
        notes += "; dataset as stated by the publisher, not recorded by the run"
    for result in card_data.eval_results or []:
        entries.append(
            EvalResultEntry(
                dataset_id=card_data.datasets[0],
                dataset_revision=card_data.dataset_revision,  # the commit the numbers were scored on, where known
                # the clip split (the model-index names the Hub split, `train`, which holds every row)
                task_id=f"{card_data.dataset_split}-{result.metric_config or _slug(result.metric_type)}",
                value=result.metric_value,
                notes=notes,
            )
        )
    if not entries:
        return {}
    return {f"{_slug(card_data.dataset_name)}.yaml": eval_result_entries_to_yaml(entries)}


def stage_run(
    run_dir: str | Path,
    out_dir: str | Path,
    *,
    repo_id: str | None = None,
    license: str | None = None,
    split: str = "test",
    baseline: str | Path | None = None,
    include_base: bool = False,
    dataset: str | None = None,
) -> list[str]:
    """Write the folder to publish into ``out_dir`` (must be empty); return its files, relative.

    A run trained from a local base-model folder names a path nobody else has: ``include_base`` publishes
    that base in ``base/`` (and the folder's name instead of its path); without it such a run is refused.
    ``dataset``: the Hub dataset the publisher states a run on a local folder trained on (the card says whose word
    it is)."""
    from bgs_hf.hub.card import check_stated_dataset

    if dataset is not None:
        check_stated_dataset(dataset)  # before anything is read or staged
    target = require_new_folder(out_dir, "staging folder (--local-dir)")
    with built_in_place(target) as work:  # a failure half-way leaves nothing to block a retry
        staged = _stage(run_dir, work, repo_id=repo_id, license=license, split=split, baseline=baseline,
                        include_base=include_base, dataset=dataset)
    # DEBUG: `bgs-hf push --local-dir` prints the count and the folder, and an upload's own line says where they went
    logger.debug("staged %d files for %s in %s", len(staged), repo_id or "the Hub", target)
    return staged


def _stage(run_dir: str | Path, out_dir: Path, *, repo_id: str | None, license: str | None, split: str,
           baseline: str | Path | None, include_base: bool, dataset: str | None) -> list[str]:
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.models.loading import check_saved_model, drop_auto_class

    info = RunInfo.from_run_dir(run_dir, split=split, baseline=baseline)
    local_base = _check_include_base(info, include_base)
    check_saved_model(info.model_dir)  # what load_model would refuse is never published
    _copy_model_files(info.model_dir, out_dir)
    drop_auto_class(out_dir)  # a run saved while peft's auto_mapping was kept: the staged copy only
    if local_base is not None:
        info.bgs_config = _stage_local_base(info.model_dir, out_dir, local_base)
    _stage_loss(info, out_dir)
    _stage_seed(info, out_dir)
    card_data = card_data_from_run(info, repo_id=repo_id, license=license, dataset=dataset)
    _note_data_license(info, card_data.license, given=license)
    _note_no_baseline(info)
    render_model_card(card_data).save(out_dir / "README.md")
    _write_eval_results(card_data, out_dir)
    return sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())


def _note_data_license(info: RunInfo, card_license: str, *, given: str | None) -> None:
    """One line where no ``--license`` was given and the card says ``other`` though the training data declared its
    licence: the adapter's licence is the publisher's choice, so it is named, never taken from the data's."""
    from bgs_hf.hub.card import declared_data_license, run_data

    declared = declared_data_license(info)
    if given is None and card_license == "other" and declared:
        logger.info("the card's licence is `other`; its training data %s declares `%s` (the card says so): pass "
                    "--license ID to name this adapter's own", run_data(info)[0], declared)


def _note_no_baseline(info: RunInfo) -> None:
    """One line where the card scores the run but shows no pretrained baseline: a run evaluated as the README says
    (`bgs-hf evaluate --model RUN --report RUN/eval`) was pushed with a card saying only that the baseline "was not
    evaluated in this run", and nothing said that ``--baseline`` takes the evaluation.json it had written."""
    if info.fit and info.baseline is None:
        evaluated = Path(info.run_dir) / "eval" / "evaluation.json"
        example = str(evaluated) if evaluated.is_file() else "RUN_DIR/eval/evaluation.json"
        logger.info("the card shows no pretrained baseline: pass --baseline with the evaluation.json `bgs-hf "
                    "evaluate --model %s --report DIR` writes (e.g. --baseline %s)", info.run_dir, example)


def _check_include_base(info: RunInfo, include_base: bool) -> Path | None:
    """The run's local base folder, which ``include_base`` must publish; refuse the flag where there is none to
    include, rather than let it seem to have done something."""
    local_base = _local_base(info.bgs_config)
    if local_base is not None and not include_base:
        # a Hub model's cache snapshot (the folder snapshot_download returns) was named by its commit folder alone;
        # only the whole snapshot is a Hub id to train from (`--backbone ORG/NAME/base` names no repo)
        snapshot = hub_model_snapshot(local_base)
        what, fix = f"the local folder {local_base.name!r}", "train from a Hub id"
        if snapshot is not None:
            repo, _, below = snapshot
            what = (f"the folder {'/'.join(below)!r} in " if below else "") + (
                f"the Hugging Face cache's snapshot of {repo!r}, a local folder to the run")
            if not below:
                fix = f"train with --backbone {repo} (the card then links it)"
        raise BGSInputError(f"the run's base model is {what}, which nobody else can load: pass --include-base to "
                            f"publish its weights in base/, or {fix}", path=info.model_dir / BGS_CONFIG)
    hub_base = _base_named(info.bgs_config, "hub")
    if include_base and hub_base is not None:
        raise BGSInputError(f"--include-base: the run's base is the Hub model {hub_base!r}, which the card links; "
                            "there is no base to include (drop --include-base)", path=info.model_dir / BGS_CONFIG)
    return local_base


def _copy_model_files(model_dir: Path, out_dir: Path) -> None:
    """Copy what :func:`_model_files` publishes, keeping its sub-folders (``base/``)."""
    files = _model_files(model_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel in files:
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model_dir / rel, out_dir / rel)


def _write_eval_results(card_data: Any, out_dir: Path) -> None:
    """``.eval_results/*.yaml`` beside the card; no folder when the run names no Hub dataset."""
    for name, entries in eval_results_yaml(card_data).items():
        (out_dir / EVAL_RESULTS_DIR).mkdir(exist_ok=True)
        text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
        (out_dir / EVAL_RESULTS_DIR / name).write_text(text, encoding="utf-8")


def _read_staged_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_staged_json(path: Path, data: dict[str, Any]) -> None:
    """Rewrite a staged config in the layout ``save_pretrained`` gives ``bgs_config.json`` (sorted, indented)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _stage_loss(info: RunInfo, out_dir: Path) -> None:
    """Record the run's loss config in the staged ``bgs_config.json`` (only there: the run folder is untouched). A
    pushed model kept no record of it (``bgs_trainer_state.json`` is training state and is not published), so the
    Space could not tell a BGS model from any other (``run_info.bgs_trained``); the loaders ignore the key."""
    loss = info.section("loss", "loss_config")
    if loss is not None and "loss" not in info.bgs_config:
        _set_in_staged_config(out_dir, "loss", loss)


def _stage_seed(info: RunInfo, out_dir: Path) -> None:
    """Record the run's training seed in the staged ``bgs_config.json`` as ``training_seed`` (the run's records are
    not published): it drew the split-halves of the card's noise ceiling and its bootstrap CIs, and ``bgs-hf
    evaluate`` of the published model drew them with seed 0, giving another ceiling, other CIs and another % of
    ceiling than the card shows. ``recorded_seed`` reads it back; the loaders ignore the key. The seed published is
    always the one ``recorded_seed`` reads from the run, its own records first: a ``training_seed`` the run's
    ``bgs_config.json`` also holds (one copied from a published model) was kept over them, so the pushed model was
    scored with another seed than its run and card; it is replaced, or dropped where the run recorded no seed."""
    from bgs_hf.training.api import PUBLISHED_SEED, recorded_seed

    seed = recorded_seed(info.run_dir)
    if seed is not None or PUBLISHED_SEED in info.bgs_config:
        _set_in_staged_config(out_dir, PUBLISHED_SEED, seed)


def _set_in_staged_config(out_dir: Path, key: str, value: Any) -> None:
    """Set one record of the run in the staged ``bgs_config.json`` (only there: the run folder is untouched);
    ``None`` removes it."""
    path = out_dir / BGS_CONFIG
    cfg = _read_staged_json(path)
    if value is None:
        cfg.pop(key, None)
    else:
        cfg[key] = value
    _write_staged_json(path, cfg)


def _base_named(bgs_config: dict[str, Any], source: str) -> str | None:
    """The name of a run's base model when it comes from ``source`` (``local``: a folder path; ``hub``: an id the
    card links) and does not ship in ``base/``."""
    bb = bgs_config.get("backbone")
    if isinstance(bb, dict) and bb.get("source") == source and not bb.get("base_folder"):
        return str(bb.get("name"))
    return None


def _local_base(bgs_config: dict[str, Any]) -> Path | None:
    """The base-model folder a run names by its local path (none when the base ships in ``base/``)."""
    name = _base_named(bgs_config, "local")
    return None if name is None else Path(name)


def _stage_local_base(model_dir: Path, out_dir: Path, local_base: Path) -> dict[str, Any]:
    """Write the local base into ``out_dir/base/`` and point the staged configs at it, by name, not path."""
    from bgs_hf.models.loading import BASE_DIR, load_base, warn_other_base, write_base

    base = load_base(model_dir)
    warn_other_base(base, model_dir)  # the folder replaced since training: the published base is not the run's
    write_base(base.backbone, out_dir / BASE_DIR)
    named = _published_base(local_base)
    cfg = _read_staged_json(out_dir / BGS_CONFIG)
    cfg["backbone"] = {**cfg["backbone"], **named, "base_folder": BASE_DIR}
    _write_staged_json(out_dir / BGS_CONFIG, cfg)
    adapter = out_dir / "adapter_config.json"
    if adapter.is_file():
        adapter_cfg = _read_staged_json(adapter)
        adapter_cfg["base_model_name_or_path"] = named["name"]
        _write_staged_json(adapter, adapter_cfg)
    return cfg


def _published_base(local_base: Path) -> dict[str, Any]:
    """The staged record's name of a base published in ``base/``: its folder's name; the Hub cache's snapshot of a
    model (``snapshot_download``'s folder) as what it is, that repo at that commit (``source`` hub, ``revision``),
    which the card links as its base model and whose licence page it names. Why: the card and adapter_config.json
    named the base by the snapshot's 40-hex commit folder, a name that says nothing of whose weights they are."""
    snapshot = hub_model_snapshot(local_base)
    if snapshot is not None and not snapshot[2]:  # the whole snapshot: the repo's weights at that commit
        return {"name": snapshot[0], "source": "hub", "revision": snapshot[1]}
    return {"name": hub_model_named(local_base) or local_base.name}  # a folder in a snapshot: ORG/NAME/base


def upload_folder(
    folder: str | Path,
    repo_id: str,
    *,
    repo_type: str = "model",
    private: bool = False,
    token: str | None = None,
    commit_message: str = "Upload with bgs-hf",
    space_sdk: str | None = None,
    replaces: Sequence[str] = (),
) -> tuple[str, str | None]:
    """``create_repo`` (an existing repo is no error) then the folder in one commit; returns (repo url, commit oid).

    ``replaces``: patterns of files bgs-hf writes into this kind of repo; remote files matching them that the
    staged folder does not have are deleted in the same commit (an earlier run's adapter or ``.eval_results``
    would otherwise stay beside a later run's files). Anything else in the repo (a user's LICENSE, notebooks,
    examples) is kept. The head read before the upload is the commit's parent: a commit landing after it (another
    push between the listing ``replaces`` reads and this commit) is the Hub's 412 and one line, never a repo holding
    two pushes' files. ``private`` makes a new repo private; an existing public one is refused, nothing uploaded
    (``create_repo`` ignores ``private`` for a repo that exists). Without it a new repo takes its namespace's default
    (public, or private where an organisation makes new repos private), as huggingface_hub's own tools do. The token
    is resolved by huggingface_hub (``HF_TOKEN`` or the saved login), never logged.

    One commit whatever the folder's size (:func:`_commit_folder`): all of it or nothing, deletions included. A
    failure whose answer may be lost after the commit was sent (a 5xx, a dropped connection) is not retried (a retry
    could commit twice); the line says what the head, read again, shows (:func:`_unanswered_push`). A repo this push
    created (:func:`_create_repo`) stays on the Hub, empty, when the push then fails: the line says so and names it,
    and bgs-hf deletes no repo.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    head: str | None = None  # the head the commit names, once read: what a push without an answer is checked against
    created: str | None = None  # the url of a repo this push created: a refusal after it leaves that repo empty
    try:
        url, new = _create_repo(api, repo_id, repo_type=repo_type, private=private, space_sdk=space_sdk)
        created = url if new else None
        info = api.repo_info(repo_id, repo_type=repo_type)
        if private and not info.private:
            raise BGSInputError(f"{repo_type} repo {repo_id!r} already exists and is public: --private only makes a new "
                                "repo private, so nothing was uploaded (make it private in its settings on the Hub, "
                                "or drop --private)")
        head = info.sha
        commit = _commit_folder(api, Path(folder), repo_id, repo_type=repo_type, commit_message=commit_message,
                                replaces=replaces, head=head)
    except BGSInputError:
        raise
    except Exception as err:  # noqa: BLE001 - network, a card the Hub refuses: one line, never the token
        # the Hub's answer, as raised or under huggingface_hub's own error (a card it refuses: a ValueError from the
        # 400 of its `validate-yaml`, before any upload; "push again" after it cannot help)
        answer = err if isinstance(err, HfHubHTTPError) else err.__cause__
        status = getattr(answer.response, "status_code", None) if isinstance(answer, HfHubHTTPError) else None
        refused = status is not None and status < 500  # the Hub's answer came: nothing was committed
        if head is not None and not refused:  # the commit may have been sent: say what the repo shows now
            raise BGSInputError(_unanswered_push(api, err, repo_id, repo_type, head, commit_message)) from None
        if isinstance(err, HfHubHTTPError):
            line = _hub_refusal(err, repo_id, repo_type, new_repo=created is not None)
        else:
            line = f"upload to {repo_type} repo {repo_id!r} failed: {_first_line(err)}"
        if created is not None and status != 412:  # a 412: another push's commit landed in it, so it is not empty
            # the Hub keeps the repo it created (only its .gitattributes); bgs-hf never deletes a repo
            line = (f"{line.rstrip('.')}; this push created {created} and left it empty (the Hub's .gitattributes "
                    "only): delete it on the Hub, or push again once the cause is fixed")
        raise BGSInputError(line) from None
    logger.info("uploaded %s to %s", folder, url)
    return url, getattr(commit, "oid", None)


def _create_repo(api: Any, repo_id: str, *, repo_type: str, private: bool, space_sdk: str | None) -> tuple[str, bool]:
    """``create_repo``'s url, and whether this call created the repo: ``exist_ok=True`` passes over the Hub's 409
    without a word, so a push refused after it could not tell a repo it had just made (left empty) from one as it was.
    The 409 is read here as huggingface_hub reads it (the url it names), no extra request; a 401/402/403 (a token that
    may not create, where the repo may exist) goes through ``exist_ok=True``, which checks whether it does."""
    from huggingface_hub.errors import HfHubHTTPError

    # not `private=False`: that sends "public" over an organisation's private default (huggingface_hub's None: the
    # namespace's default applies)
    options: dict[str, Any] = {"repo_type": repo_type, "private": True if private else None, "space_sdk": space_sdk}
    try:
        return str(api.create_repo(repo_id, exist_ok=False, **options)), True
    except HfHubHTTPError as err:
        status = getattr(err.response, "status_code", None)
        if status == 409:
            return str(err.response.json()["url"]), False
        if status not in (401, 402, 403):
            raise
    return str(api.create_repo(repo_id, exist_ok=True, **options)), False


def _commit_folder(api: Any, folder: Path, repo_id: str, *, repo_type: str, commit_message: str,
                   replaces: Sequence[str], head: str | None) -> Any:
    """The folder as ONE ``create_commit`` on ``head``: remote files matching ``replaces`` that the folder lacks are
    deleted in it. ``HfApi.upload_folder`` (hf_xet installed) commits a folder of over 250 files, or 100 MB of
    non-LFS content, in parts with the deletions in the first: a failure in a later part left the old files deleted
    and only some new ones, a repo that loads as neither push. ``create_commit`` still uploads the LFS/Xet content
    first and refuses or applies the commit whole (its documented limits: 25k LFS files, 1 GB of regular files)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete
    from huggingface_hub.utils import DEFAULT_IGNORE_PATTERNS, filter_repo_objects

    local = [p.relative_to(folder).as_posix() for p in sorted(folder.glob("**/*")) if p.is_file()]
    local = list(filter_repo_objects(local, ignore_patterns=DEFAULT_IGNORE_PATTERNS))  # as upload_folder: no .git/
    deletions = []
    if replaces:  # listed at the parent the commit names, so what is deleted is what that commit holds
        remote = api.list_repo_files(repo_id, repo_type=repo_type, revision=head)
        kept = {*local, ".gitattributes"}  # the Hub needs .gitattributes; a re-staged file is overwritten, not deleted
        deletions = [CommitOperationDelete(path_in_repo=path, is_folder=False) for path in
                     filter_repo_objects(remote, allow_patterns=list(replaces)) if path not in kept]
    additions = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=folder / rel) for rel in local]
    return api.create_commit(repo_id, [*deletions, *additions], commit_message=commit_message, repo_type=repo_type,
                             parent_commit=head)


def _first_line(err: BaseException) -> str:
    """``err``'s first line, at most 300 characters: an error's text can be a page (a server's HTML reply), and a
    refusal is one line."""
    return (str(err).splitlines() or [type(err).__name__])[0][:300]


def _unanswered_push(api: Any, err: BaseException, repo_id: str, repo_type: str, head: str,
                     commit_message: str) -> str:
    """One line for a push whose answer never came (a 5xx, a dropped connection) once the commit may have been sent:
    ``create_commit`` does not retry, and the Hub may have applied the commit before the answer was lost, so the
    head is read again (itself guarded). A commit on the head bgs-hf read with this push's message is named as such;
    the message alone cannot prove it ours (another machine pushing the same run sends the same one)."""
    failed = f"upload to {repo_type} repo {repo_id!r} failed: {_first_line(err).rstrip('.')}"
    try:
        now = api.repo_info(repo_id, repo_type=repo_type).sha
    except Exception as again:  # noqa: BLE001 - the Hub still unreachable: say so, never guess
        return (f"{failed}; the repo's state is unknown (reading its head failed too: {_first_line(again)}): check "
                "the repo on the Hub before pushing again")
    if now == head:
        # "had landed": a 504's commit may still land later; pushing again is safe then (a new head, or the 412 line)
        return f"{failed}; nothing of this push had landed when bgs-hf read the repo's head again: push again"
    landed = f"{failed}; a commit landed (head now {str(now)[:7]})"
    try:  # newest first, and linear: the one commit whose parent is the head read comes just before it
        history = api.list_repo_commits(repo_id, repo_type=repo_type, revision=now)
        at = [c.commit_id for c in history].index(head)
    except Exception:  # noqa: BLE001 - the history unreadable, or the head read no longer in it: whose is unsaid
        at = 0
    if at == 0:
        return f"{landed}: check the repo on the Hub"
    after_read = history[at - 1]
    title = (after_read.title or "").strip().partition("\n")[0]
    if title != commit_message.strip().partition("\n")[0]:  # this push's parent is taken by another's commit
        return (f"{landed} and the one on the head bgs-hf read is not this push's ({title!r}): nothing of this push "
                "was committed; check the repo on the Hub before pushing again")
    where = "" if after_read.commit_id == now else f"; {after_read.commit_id[:7]}"
    return (f"{landed}{where} with this push's message on the head bgs-hf read, most likely this push: check the "
            "repo on the Hub")


def _hub_refusal(err: Any, repo_id: str, repo_type: str, *, new_repo: bool = False) -> str:
    """One line for an HTTP refusal of the Hub, with what to do where bgs-hf knows it: the Hub's own advice for a
    403 commit (``create_pr=1``) names an option bgs-hf does not have, and its 412 says only "refresh". A ``new_repo``
    (this push created it) is not "as it was": :func:`upload_folder` says what it holds."""
    from huggingface_hub.errors import RepositoryNotFoundError

    status = getattr(err.response, "status_code", None)
    server = (str(err.server_message or "").strip().splitlines() or [_first_line(err)])[0][:300]
    where = f"{repo_type} repo {repo_id!r}"
    if status == 412:
        return (f"{where} changed while uploading (a commit landed after bgs-hf read it; the Hub: {server}): nothing "
                "of this push was committed; push again to replace its files with yours")
    if status in (401, 403) and not isinstance(err, RepositoryNotFoundError):  # a 401 there: no such repo
        namespace = repo_id.split("/")[0]
        return (f"upload to {where} refused ({status}, the Hub: {server}): the token (HF_TOKEN or `hf auth login`) cannot "
                f"write to {namespace!r}: use a token with write access there, or push to your own user or an "
                "organisation you can write to")
    if status is not None and 400 <= status < 500:  # refused: the push is one commit, so none of it landed
        if new_repo:
            return f"upload to {where} refused ({status}, the Hub: {server}): nothing was committed"
        return (f"upload to {where} refused ({status}, the Hub: {server}): nothing was committed, the repo is as it "
                "was; push again once the cause is fixed")
    return f"upload to {where} failed: {_first_line(err)}"


def push_run(
    run_dir: str | Path,
    repo_id: str,
    private: bool = False,
    local_dir: str | Path | None = None,
    *,
    token: str | None = None,
    license: str | None = None,
    split: str = "test",
    baseline: str | Path | None = None,
    commit_message: str | None = None,
    include_base: bool = False,
    dataset: str | None = None,
) -> PushResult:
    """Publish a run. With ``local_dir``: write the exact upload folder there and upload nothing. ``dataset``: the Hub
    dataset a run on a local folder trained on, as the publisher states it (:func:`stage_run`)."""
    validate_repo_id(repo_id)
    refuse_private_staging(private, local_dir)
    staging: dict[str, Any] = {"repo_id": repo_id, "license": license, "split": split, "baseline": baseline,
                               "include_base": include_base, "dataset": dataset}
    if local_dir is not None:
        files = stage_run(run_dir, local_dir, **staging)
        return PushResult(folder=Path(local_dir), files=files, repo_id=repo_id)
    with tempfile.TemporaryDirectory(prefix="bgs-push-") as tmp:
        files = stage_run(run_dir, tmp, **staging)
        url, oid = upload_folder(
            tmp,
            repo_id,
            private=private,
            token=token,
            commit_message=commit_message or f"Upload BGS adapter from {Path(run_dir).name}",
            replaces=MODEL_FILES,
        )
    return PushResult(folder=Path(run_dir), files=files, repo_id=repo_id, url=url, commit=oid, uploaded=True)
