"""Save/load symmetry for BGS models: a standard PEFT adapter folder plus ``bgs_config.json``.

Folder layout written by ``model.save_pretrained(dir)``::

    adapter_config.json           standard peft (base_model_name_or_path = backbone name; auto_mapping null)
    adapter_model.safetensors     LoRA weights + the head (modules_to_save)
    bgs_config.json               backbone spec, pooling, head, frame policy, preprocessing, versions,
                                  base_fingerprint (of the base weights the model was trained on)
    base/config.json              only for tiny-random / bundled backbones and a base read from a saved
    base/model.safetensors        model's base/, so loading never needs the network
    head.safetensors              only for models saved without LoRA
    backbone.safetensors          only without LoRA, when the backbone is trainable or no longer the base

Safetensors only; nothing is pickled.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import constants
from huggingface_hub.errors import StrictDataclassError
from peft import NoMatchingPeftModuleError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from bgs_hf._bars import transformers_bars_off
from bgs_hf._files import BGS_CONFIG, expand_user, share, write_text_atomic
from bgs_hf._offline import (
    download_advice,
    folder_typo_hint,
    hub_id_problem,
    hub_unreachable,
    looks_like_a_path,
    sibling_folder_hint,
)
from bgs_hf.errors import BGSInputError, folder_named, is_whole
from bgs_hf.models.embedder import BGSEmbedder, BGSPeftModel, HeadConfig
from bgs_hf.models.registry import FAMILIES, BackboneSpec, config_class, spec_from_dict
from bgs_hf.video.policy import FramePolicy

logger = logging.getLogger(__name__)

BASE_DIR = "base"
HEAD_FILE = "head.safetensors"
#: A model trained without LoRA keeps its fine-tuned backbone here (``base/`` stays the base it started from).
BACKBONE_FILE = "backbone.safetensors"
CONFIG_VERSION = 1
#: ``bgs_config.json``'s key for :func:`~bgs_hf.models.embedder.weights_fingerprint` of the base weights the model was
#: trained on; a folder saved before it existed has none and loads without the comparison
BASE_FINGERPRINT = "base_fingerprint"


def _versions() -> dict[str, str]:
    """What a saved model records it was written with (:func:`_warn_versions` compares on load)."""
    import peft
    import transformers

    import bgs_hf

    return {"bgs_hf": bgs_hf.__version__, "peft": peft.__version__, "transformers": transformers.__version__,
            "torch": torch.__version__}


def _clean_backbone_state(backbone: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The backbone's own weights with LoRA wrappers removed (``x.base_layer.weight`` -> ``x.weight``)."""
    out: dict[str, torch.Tensor] = {}
    for k, v in backbone.state_dict().items():
        if "lora_" in k:
            continue
        out[k.replace(".base_layer.", ".")] = v.detach().to("cpu").contiguous().clone()
    return out


def write_base(backbone: torch.nn.Module, folder: Path) -> None:
    """A backbone as a transformers folder (``config.json`` + ``model.safetensors``, LoRA wrappers removed).

    ``architectures`` names the class the weights are saved from: a base read from a ``*ForVideoClassification``
    or ``*ForPreTraining`` checkpoint kept that head class there, which transformers' pipelines and
    ``AutoModelFor…`` would build, with a random head, from the bare encoder written here."""
    folder.mkdir(parents=True, exist_ok=True)
    config = copy.copy(backbone.config)  # the live model's config is left as it was
    config.architectures = [type(backbone).__name__]
    config.save_pretrained(folder)
    save_file(_clean_backbone_state(backbone), str(folder / "model.safetensors"), metadata={"format": "pt"})


def _load_quietly(spec: BackboneSpec) -> torch.nn.Module:
    """The base, loaded without transformers' "Loading weights" bar: every checkpoint save reloads it, and the bar
    broke into the training bar once an epoch (in library use too, where the CLI's switch is not on)."""
    restore = transformers_bars_off()
    try:
        return spec.load_backbone()
    finally:
        restore()


def writes_base(spec: BackboneSpec) -> bool:
    """Whether a save writes ``base/``: a base with no Hub or local home (tiny-random, bundled), or one read from a
    saved model's ``base/`` (see :func:`write_bgs_files`)."""
    return spec.source in ("tiny-random", "bundled") or spec.shipped_base


def require_base_to_copy(spec: BackboneSpec, save_directory: str | os.PathLike[str]) -> None:
    """Refuse, in one line and before anything is written, a save that must copy ``base/`` from a folder gone since
    the model was loaded (its ``base/`` deleted or moved). Why: transformers' "Repo id must be in the form ..." came
    after peft had written the adapter, leaving a folder without ``bgs_config.json``. The loaded backbone's weights
    are not written in its place: training (a LoRA bias, a full fine-tune) may have changed them, and ``base/`` is
    the base the run started from."""
    if not writes_base(spec) or spec.path is None or (Path(spec.path) / "config.json").is_file():
        return
    raise BGSInputError(f"cannot save: the base model was read from {spec.path} when this model was loaded, and it is "
                        "gone (deleted or moved since), so it cannot be copied into base/; put that folder back, or "
                        "load the model again from a copy that still has its base/, then save", path=save_directory,
                        whole=True)


def write_bgs_files(embedder: BGSEmbedder, save_directory: str | os.PathLike[str], *, lora: dict[str, Any] | None,
                    save_head: bool, save_backbone: bool = False) -> Path:
    """Write ``bgs_config.json`` (+ ``base/``, the un-trained base, for offline bases; + ``head.safetensors``
    when asked; + ``backbone.safetensors``, the backbone as it is now, when ``save_backbone``).

    A model loaded from a folder that ships its base (a pushed ``--include-base`` model: ``my-videomae``, or
    ``ORG/NAME`` at a commit) writes that ``base/`` again: saved again without it (after more training, or to another
    folder), it named a local base nobody has (neither ``load_model`` nor peft loaded it), or a Hub base only the
    network could give, its commit gone from the card."""
    out = Path(save_directory)
    out.mkdir(parents=True, exist_ok=True)
    spec = embedder.spec
    base_folder = None
    if writes_base(spec):
        base_folder = BASE_DIR
        # base/ is the base the run started from (the "pretrained" row), whatever training changed in the
        # backbone: all of it (no LoRA), or its biases (LoRA with bias="all"/"lora_only", kept in the adapter)
        write_base(_load_quietly(spec), out / BASE_DIR)
    if save_backbone:
        save_file(_clean_backbone_state(embedder.backbone), str(out / BACKBONE_FILE), metadata={"format": "pt"})
    if save_head and embedder.head is not None:
        state = {k: v.detach().cpu().contiguous() for k, v in embedder.head.state_dict().items()}
        save_file(state, str(out / HEAD_FILE), metadata={"format": "pt"})
    cfg = {
        "bgs_config_version": CONFIG_VERSION,
        "backbone": {**spec.to_dict(), "base_folder": base_folder},
        "pooling": spec.pooling,
        "head": embedder.head_config.to_dict() if embedder.head_config is not None else None,
        "embedding_dim": embedder.embedding_dim,
        "frame_policy": embedder.frame_policy.to_dict(),
        "preprocessing": dict(spec.processor_config),
        "lora": lora,
        "backbone_weights": BACKBONE_FILE if save_backbone else None,
        "versions": _versions(),
        BASE_FINGERPRINT: embedder.base_fingerprint,
    }
    write_text_atomic(out / BGS_CONFIG, json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    for folder in (out, out / BASE_DIR):  # weights saved 0600 by safetensors: a colleague could not load the run
        if folder.is_dir():
            share(folder)
    return out


def drop_auto_class(folder: str | os.PathLike[str]) -> None:
    """Set ``auto_mapping`` in the folder's ``adapter_config.json`` to null, as peft writes it for an adapter of no
    auto class; nothing else in the file changes, and ``PeftModel.from_pretrained`` reads nothing from the key.

    Why: peft records the wrapped module's class there (``BGSEmbedder``) for ``AutoPeftModel``, which calls that
    class's ``from_pretrained`` with ``base_model_name_or_path`` alone. No class can build the embedder from that
    name (its head, pooling and frames are in ``bgs_config.json``, a tiny-random or bundled base's weights in
    ``base/``), so ``AutoPeftModel`` asked the user to allow importing ``bgs_hf`` and then failed with an
    ``AttributeError``. Without it, ``AutoPeftModel`` refuses at once ("Cannot infer the auto class"), and the card
    names the routes that load the adapter."""
    path = Path(folder) / "adapter_config.json"
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none, or damaged: the loaders' own checks name it
        return
    if isinstance(cfg, dict) and cfg.get("auto_mapping") is not None:
        cfg["auto_mapping"] = None
        write_text_atomic(path, json.dumps(cfg, indent=2, sort_keys=True))  # peft's layout


def resolve_model_folder(dir_or_repo: str | os.PathLike[str], revision: str | None = None) -> Path:
    """The folder of a saved model: a local folder as given, a Hub repo id as its downloaded snapshot.

    A Hub repo is asked for its ``bgs_config.json`` first: a backbone's id (``facebook/vjepa2-vitl-fpc64-256``)
    downloaded its whole repo, gigabytes of weights, before it was refused. Offline, only the cache is read.
    """
    if not isinstance(dir_or_repo, (str, os.PathLike)):  # was os.fspath's TypeError, with no word of what to pass
        loaded = " (a model object: it is loaded already)" if isinstance(dir_or_repo, torch.nn.Module) else ""
        raise BGSInputError(f"expected a saved model's folder or Hub repo id, got {type(dir_or_repo).__name__}"
                            f"{loaded}")
    p = expand_user(dir_or_repo)
    if p.is_dir():
        return p
    # the registry's rule of a path (a backslash too: 'runs\\demo/bgs' was refused as a malformed Hub id)
    if p.exists() or looks_like_a_path(str(dir_or_repo)) or str(dir_or_repo).count("/") != 1:
        hint = "" if p.exists() else sibling_folder_hint(str(dir_or_repo))  # 'runs\\demo\\bgs' for runs/demo/bgs
        raise BGSInputError(f"not a BGS model folder or Hub repo id{hint}", path=p, whole=True)
    if (why := hub_id_problem(str(dir_or_repo))) is not None:  # was "cannot download ...: HFValidationError"
        raise BGSInputError(f"model {str(dir_or_repo)!r} is neither a folder here nor a Hub repo id (ORG/NAME): {why}")
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    repo, unreachable = str(dir_or_repo), hub_unreachable()
    cache_only = unreachable is not None  # without huggingface_hub's retries
    try:
        huggingface_hub.hf_hub_download(repo, BGS_CONFIG, revision=revision, local_files_only=cache_only)
        return Path(huggingface_hub.snapshot_download(repo, revision=revision, local_files_only=cache_only))
    except EntryNotFoundError as err:
        where = ""
        if isinstance(err, LocalEntryNotFoundError):  # offline: the file is not in the cache; is the repo?
            try:
                huggingface_hub.snapshot_download(repo, revision=revision, local_files_only=True)
            except Exception:  # noqa: BLE001 - not cached either
                raise _cannot_download(repo, err, unreachable, revision) from err
            where = " (its copy in the local Hugging Face cache; offline)"
        raise BGSInputError(f"Hub repo {repo!r}{where} has no {BGS_CONFIG}: not a model saved by bgs-hf (a backbone "
                            "is given to build_embedder / --backbone)") from None
    except Exception as err:  # noqa: BLE001 - offline / missing repo: one clear line (`runs/sss`: a folder mistyped?)
        raise _cannot_download(repo, err, unreachable, revision) from err


def _cannot_download(repo: str, err: Exception, unreachable: str | None, revision: str | None) -> BGSInputError:
    """The one line for a model repo that could not be fetched, with the folder it may be a typo of (``runs/sss``
    beside ``runs/ss``); where the Hub cannot be asked (its host does not resolve, or ``HF_HUB_OFFLINE`` is set and
    the cache lacks the repo), what to do: it said only "LocalEntryNotFoundError", where a backbone named the same
    way was told to download it and copy the cache."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    if unreachable is not None:
        why = f"{unreachable} cannot be reached"
    elif constants.HF_HUB_OFFLINE and isinstance(err, LocalEntryNotFoundError):
        why = "HF_HUB_OFFLINE is set"
    else:  # the Hub's own refusal (no such repo, gated): its reason is the line
        why = None
    advice = "" if why is None else (f" (not in the local Hugging Face cache, and {why}: "
                                     f"{download_advice(repo, revision=revision)}, or pass the model's folder)")
    return BGSInputError(f"cannot download model repo {repo!r}: {type(err).__name__}{folder_typo_hint(repo)}{advice}")


def saved_model_folder(model: Any) -> Path | None:
    """The folder of a saved BGS model named by its folder or by the Hub repo it was pushed to (its snapshot);
    ``None`` for anything else (a backbone name, a model object). Why: a pushed repo has no ``config.json``, so taken
    for a backbone it failed as one that cannot be resolved; evaluation scores it as it scores the run's folder."""
    if not isinstance(model, (str, os.PathLike)):
        return None
    p = expand_user(model)
    if p.is_dir():
        return p if (p / BGS_CONFIG).is_file() else None
    try:
        return resolve_model_folder(model)
    except BGSInputError:  # a path not there, no such repo, gated, offline: not a saved model (maybe a backbone)
        return None


def read_bgs_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """A folder's ``bgs_config.json``, refused in one line unless it holds what every load reads first."""
    path = Path(folder) / BGS_CONFIG
    if not path.is_file():
        raise BGSInputError(f"no {BGS_CONFIG} (not a bgs-hf model folder)", path=folder, whole=True)
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:  # a damaged file: the codec's message named no file
        raise BGSInputError(f"not UTF-8 text (byte {err.start})", path=path) from None
    except json.JSONDecodeError as err:
        raise BGSInputError(f"invalid JSON: {err}", path=path) from err
    if not isinstance(cfg, dict) or not isinstance(cfg.get("backbone"), dict):
        raise BGSInputError("not a bgs-hf model config (no 'backbone' object)", path=path)
    if not isinstance(cfg["backbone"].get("family"), str) or cfg["backbone"]["family"] not in FAMILIES:
        raise BGSInputError(f"unknown backbone family {cfg['backbone'].get('family')!r}", path=path)
    missing = [k for k in ("frame_policy",) if not isinstance(cfg.get(k), dict)]
    missing += [k for k in ("name", "source") if k not in cfg["backbone"]]
    if missing:
        raise BGSInputError(f"incomplete bgs-hf model config (missing {', '.join(missing)})", path=path)
    return cfg


def _warn_versions(cfg: dict[str, Any], folder: Path) -> None:
    """Warn when peft or transformers differ from the saved model's in major.minor: their layers' numerics may."""
    saved = cfg.get("versions")
    saved = saved if isinstance(saved, dict) else {}  # an edited record says nothing about versions
    now = _versions()
    for lib in ("peft", "transformers"):
        a, b = saved.get(lib), now[lib]
        if isinstance(a, str) and a and a.split(".")[:2] != b.split(".")[:2]:
            logger.warning("%s was saved with %s %s but %s is installed; embeddings may differ",
                           folder_named(folder), lib, a, b)


def base_path(folder: Path, bb: dict[str, Any]) -> Path | None:
    """The folder of the base a saved model was trained from (``None``: a Hub id); one line when it is missing."""
    if bb.get("base_folder") is not None and not isinstance(bb["base_folder"], str):
        raise BGSInputError(f"backbone base_folder must be a folder name, got {bb['base_folder']!r} (the file was "
                            "edited or damaged)", path=folder / BGS_CONFIG)
    if bb.get("base_folder"):
        path = folder / bb["base_folder"]
        if not (path / "config.json").is_file():
            raise BGSInputError(f"{bb['base_folder']}/ (the base the model was trained from) is missing or has no "
                                "config.json: copy the whole model folder", path=folder, whole=True)
        return path
    if bb["source"] == "local":
        path = Path(bb["name"])
        if not (path / "config.json").is_file():
            raise BGSInputError(f"the base model folder recorded at save time is missing: {path}",
                                path=folder / BGS_CONFIG)
        return path
    return None  # Hub id


#: what :func:`~bgs_hf.models.registry.spec_from_dict` reads from a saved backbone record, and its type
RECORDED_BACKBONE: dict[str, type] = {"name": str, "source": str, "model_class": str, "input_key": str, "pooling": str,
                                      "lora_target": str, "num_frames": int, "image_size": int}


def _check_recorded_backbone(folder: Path, bb: dict[str, Any]) -> None:
    """One line for a hand-edited or damaged backbone record (a KeyError, ``int()`` error or ``module transformers
    has no attribute`` came from deep inside the load)."""
    family = FAMILIES[bb["family"]]
    optional = {"tubelet_size": 1, "forward_kwargs": {}, "processor_config": {}}  # spec_from_dict's defaults
    for key, kind in {**RECORDED_BACKBONE, "tubelet_size": int, "forward_kwargs": dict, "processor_config": dict}.items():
        value = bb.get(key, optional.get(key))
        if not ((is_whole(value, floats=False) and value >= 1) if kind is int else isinstance(value, kind)):
            what = {int: "a whole number >= 1", str: "a string", dict: "an object"}[kind]
            got = "missing" if value is None and key not in bb else f"{value!r}, not {what}"
            raise BGSInputError(f"backbone {key} is {got} (the file was edited or damaged)", path=folder / BGS_CONFIG)
    for key in ("model_class", "input_key", "pooling"):
        if bb[key] != getattr(family, key):
            raise BGSInputError(f"backbone {key} {bb[key]!r} is not the {family.name} family's {getattr(family, key)} "
                                "(the file was edited or damaged)", path=folder / BGS_CONFIG)


def _recorded_settings(folder: Path, cfg: dict[str, Any]) -> tuple[HeadConfig | None, FramePolicy]:
    """The saved head config and frame policy; one line naming the record when either cannot be rebuilt."""
    head = cfg.get("head")
    if head is not None and not isinstance(head, dict):
        raise BGSInputError(f"head must be an object or null, got {head!r}", path=folder / BGS_CONFIG)
    head_config = HeadConfig.from_dict(head)  # its refusals are one line naming the head's field
    try:
        return head_config, FramePolicy.from_dict(cfg["frame_policy"])
    except (TypeError, ValueError) as err:  # FramePolicy's own checks, its one-line refusals among them: name the file
        raise BGSInputError(f"frame_policy cannot be read ({err})", path=folder / BGS_CONFIG) from None


def load_base(dir_or_repo: str | os.PathLike[str], *, revision: str | None = None,
              trust_remote_code: bool = False) -> BGSEmbedder:
    """The un-adapted :class:`BGSEmbedder` (fresh head) a saved folder was trained from.

    ``PeftModel.from_pretrained(load_base(d), d)`` is the plain-peft way to load a BGS adapter.
    """
    folder = resolve_model_folder(dir_or_repo, revision)
    cfg = read_bgs_config(folder)
    bb = cfg["backbone"]
    family = FAMILIES[bb["family"]]
    _check_recorded_backbone(folder, bb)  # before base_path, which reads a local base's recorded name as a path
    path = base_path(folder, bb)
    head, policy = _recorded_settings(folder, cfg)
    # a Hub base where the Hub cannot be reached: from the cache alone (huggingface_hub retried the config for 30 s)
    unreachable = hub_unreachable() if path is None else None
    try:
        pin = {"revision": bb["revision"]} if path is None and bb.get("revision") else {}  # the base it trained on
        config = config_class(family).from_pretrained(bb["name"] if path is None else str(path),
                                                       trust_remote_code=trust_remote_code,
                                                       local_files_only=unreachable is not None, **pin)
        spec = spec_from_dict(bb, config, path=None if path is None else str(path))
        spec.shipped_base = bool(bb.get("base_folder"))  # a save of it writes base/ again (write_bgs_files)
        if trust_remote_code:
            spec.trust_remote_code = True
        backbone = spec.load_backbone()
    except BGSInputError:  # already one line; a ValueError, so it must not be caught below
        raise
    except (SafetensorError, OSError, ValueError, EOFError, StrictDataclassError) as err:
        # damaged weights, an offline Hub base, a field of another type in base/config.json, ...
        where = "the Hub base " + bb["name"] if path is None else folder_named(path)
        if path is not None or not isinstance(err, OSError) or (unreachable is None and not constants.HF_HUB_OFFLINE):
            raise BGSInputError(f"cannot load the base model from {where} ({type(err).__name__}: "
                                f"{str(err).splitlines()[0][:200] if str(err) else ''})", path=folder,
                                whole=True) from None
        # what to do, as a backbone named the same way is told (it said only transformers' "couldn't connect")
        why = f"{unreachable} cannot be reached (offline?)" if unreachable else "HF_HUB_OFFLINE is set"
        raise BGSInputError(f"cannot load the base model from {where}: not in the local Hugging Face cache, and {why}: "
                            f"{download_advice(bb['name'], revision=bb.get('revision'))}", path=folder,
                            whole=True) from None
    if policy.crop != spec.image_size:  # every clip refused later, told to "preprocess with the frame_policy"
        raise BGSInputError(f"frame_policy crops {policy.crop} px but the backbone takes {spec.image_size} px (the file "
                            "was edited or damaged)", path=folder / BGS_CONFIG)
    try:  # the recorded frame policy does not fit the backbone: named as the file's fault, not a count asked for
        spec.check_frames(policy.num_frames)
    except ValueError as err:
        raise BGSInputError(f"frame_policy does not fit the backbone: {err}", path=folder / BGS_CONFIG) from None
    try:
        return BGSEmbedder(backbone, spec, head, policy)
    except BGSInputError:  # already one line (a ValueError too)
        raise
    except ValueError as err:  # the recorded frame policy does not fit the backbone (its other checks)
        raise BGSInputError(f"frame_policy does not fit the backbone: {err}", path=folder / BGS_CONFIG) from None


#: Written into a checkpoint folder before its files and removed after the last: a folder that still has
#: it was cut off mid-write (the job was stopped while saving) and must be neither resumed nor loaded.
INCOMPLETE_MARKER = "bgs_checkpoint_incomplete"
#: File names PEFT may have written the adapter weights to.
ADAPTER_WEIGHTS: tuple[str, ...] = ("adapter_model.safetensors", "adapter_model.bin")


def _check_complete(folder: Path) -> None:
    """A checkpoint folder a stopped job left half-written (:data:`INCOMPLETE_MARKER`) is never loaded."""
    if (folder / INCOMPLETE_MARKER).exists():
        raise BGSInputError("this checkpoint was not completely written (the job was stopped while saving it); "
                            "load an earlier checkpoint or the run folder", path=folder, whole=True)


def _check_saved_adapter(folder: Path) -> None:
    """One clear line for the folders an interrupted save leaves behind (instead of PEFT's Hub-id error)."""
    _check_complete(folder)
    if not any((folder / name).is_file() for name in ADAPTER_WEIGHTS):
        raise BGSInputError(f"adapter_config.json but no {ADAPTER_WEIGHTS[0]}: the adapter weights are missing "
                            "(was the save interrupted?)", path=folder, whole=True)


def _check_plain_model(folder: Path, cfg: dict[str, Any]) -> None:
    """A folder without ``adapter_config.json`` is loaded as an adapter-less model: refused when it recorded LoRA."""
    if cfg.get("lora"):
        raise BGSInputError("this folder holds a LoRA adapter, not an adapter-less model", path=folder, whole=True)


def check_saved_model(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Every refusal of :func:`load_model` that the folder's files alone decide, made without loading a weight
    (``bgs-hf push`` runs it before staging: it published folders that would not load). Returns the config."""
    folder = Path(folder)
    cfg = read_bgs_config(folder)
    _check_complete(folder)
    _check_recorded_backbone(folder, cfg["backbone"])
    base_path(folder, cfg["backbone"])
    if (folder / "adapter_config.json").is_file():
        _check_saved_adapter(folder)
    else:
        _check_plain_model(folder, cfg)
    return cfg


def load_model(dir_or_repo: str | os.PathLike[str], *, revision: str | None = None,
               trust_remote_code: bool = False, is_trainable: bool = False) -> BGSPeftModel | BGSEmbedder:
    """Load a saved BGS model (run folder, checkpoint or Hub repo id) ready to embed, in eval mode
    (``is_trainable=True``: its adapter trainable and the model not put in eval mode, to train on).

    Returns a :class:`~bgs_hf.models.BGSPeftModel` (a LoRA run) or a :class:`~bgs_hf.models.BGSEmbedder` (a run
    without LoRA); either maps ``(B, T, 3, H, W)`` frames prepared with ``model.frame_policy``
    (``bgs_hf.video.load_clip``) to ``(B, D)`` L2-normalised embeddings. A base of the shapes it was trained on but
    other weights (``base_fingerprint``) is loaded with one warning (:func:`warn_other_base`); the fingerprint reads
    up to 4,096 values per tensor, rounded to bfloat16, so weights that differ only elsewhere, or by less than that
    rounding, go unseen.
    """
    folder = resolve_model_folder(dir_or_repo, revision)
    cfg = check_saved_model(folder)
    _warn_versions(cfg, folder)
    base = load_base(folder, trust_remote_code=trust_remote_code)
    if (folder / "adapter_config.json").is_file():
        model: BGSPeftModel | BGSEmbedder = _load_adapter(base, folder, is_trainable=is_trainable)
    else:
        model = base
        restore_plain_weights(base, folder)
    return model.eval() if not is_trainable else model


def _base_named(spec: BackboneSpec) -> str:
    """The base a loaded model sits on, as a message names it: its folder (a pushed model's ``base/`` by its repo id),
    or its Hub id."""
    return f"the base model folder {folder_named(spec.path)}" if spec.path else f"the Hub base {spec.name}"


def _load_adapter(base: BGSEmbedder, folder: Path, *, is_trainable: bool) -> BGSPeftModel:
    """``base`` with the folder's PEFT adapter; a damaged adapter or a base changed since training is one line."""
    adapter_config = folder / "adapter_config.json"
    try:
        recorded = json.loads(adapter_config.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BGSInputError(f"invalid JSON: {err}", path=adapter_config) from None
    if not isinstance(recorded, dict):
        raise BGSInputError("not a PEFT adapter config", path=adapter_config)
    trained_on = recorded.get("base_model_name_or_path")
    if trained_on and trained_on != base.spec.name:
        logger.warning("adapter was trained on %s but bgs_config.json names %s", trained_on, base.spec.name)
    try:
        return BGSPeftModel.from_pretrained(base, str(folder), config=_embedder_adapter_config(folder),
                                            is_trainable=is_trainable)
    except (SafetensorError, OSError, EOFError, pickle.UnpicklingError) as err:
        raise BGSInputError(f"cannot read the adapter weights ({type(err).__name__}: {err}); the file is "
                            "damaged or truncated", path=folder, whole=True) from None
    except RuntimeError as err:  # torch's state_dict report: the base changed since training
        if not str(err).startswith("Error(s) in loading state_dict"):
            raise
        raise BGSInputError(_base_mismatch(base.spec, str(err), trained_on), path=folder, whole=True) from None
    except NoMatchingPeftModuleError:  # peft's line named neither the targets nor the backbone
        raise BGSInputError(f"the adapter's target modules match no module of the backbone {base.spec.name} "
                            f"({base.spec.model_class}) that {BGS_CONFIG} records: it was trained on "
                            f"{trained_on or 'another backbone'} (are the adapter and {BGS_CONFIG} from different "
                            "runs?)", path=folder, whole=True) from None


def _embedder_adapter_config(folder: Path) -> Any:
    """The folder's adapter config with no ``task_type``: peft wraps an adapter that names one (``LoraConfig(
    task_type="FEATURE_EXTRACTION")``, a common PEFT idiom) in its own class for that task, not ``BGSPeftModel``, and
    that class's forward passed no ``pixel_values`` (a ``TypeError``) and its ``save_pretrained`` no
    ``bgs_config.json``. On an embedder the task type chooses nothing else."""
    from peft import PeftConfig

    config = PeftConfig.from_pretrained(str(folder))
    if config.task_type is not None:
        logger.info("adapter task_type %s not used: a BGS adapter is loaded around the embedder", config.task_type)
        config.task_type = None
    return config


def _base_mismatch(spec: BackboneSpec, report: str, trained_on: str | None = None, saved: str = "the adapter") -> str:
    """One line for peft's ``size mismatch`` load report (a traceback listing every LoRA tensor), or torch's for a
    ``saved`` backbone file: a local base folder replaced since training no longer fits what was saved; named with the
    first tensor that differs. An adapter that records another base (``trained_on``) is said to be another run's: its
    base did not change."""
    where = _base_named(spec)
    first = re.search(r"size mismatch for (\S+): copying a param with shape torch\.Size\(\[([^\]]*)\]\) from "
                      r"checkpoint, the shape in current model is torch\.Size\(\[([^\]]*)\]\)", report)
    detail = (f" (first: {first[1].removeprefix('base_model.model.')} is ({first[2]}) in {saved}, ({first[3]}) "
              "in the base)") if first else f" ({report.splitlines()[-1].strip()[:200]})"
    if trained_on and trained_on != spec.name:
        return (f"the adapter does not fit the backbone {spec.name} ({spec.model_class}){detail}; it was trained on "
                f"{trained_on} (are the adapter and {BGS_CONFIG} from different runs?)")
    return (f"{where} no longer matches {saved}{detail}: it changed since training; restore the base the run "
            "was trained from")


def _load_head(embedder: BGSEmbedder, folder: Path) -> None:
    """The saved head's weights (``head.safetensors``, written only without LoRA) into ``embedder.head``."""
    if embedder.head is None:
        return
    head_path = folder / HEAD_FILE
    if not head_path.is_file():
        raise BGSInputError(f"model has a head but no adapter and no {HEAD_FILE}", path=folder, whole=True)
    state: dict[str, torch.Tensor] = {}
    try:
        state = load_file(str(head_path))
        embedder.head.load_state_dict(state)
    except SafetensorError as err:
        raise BGSInputError(f"cannot read {HEAD_FILE} ({err}); the file is damaged or truncated",
                            path=folder, whole=True) from None
    except RuntimeError as err:  # torch's multi-line state_dict report: another head than bgs_config.json records
        name, built = next(iter(embedder.head.state_dict().items()))  # the first layer: it takes the base's width
        saved = state.get(name)
        if saved is not None and saved.ndim == built.ndim == 2 and saved.shape[1] != built.shape[1]:
            # not the record's fault: the base folder was replaced by one of another width (or the head is another's)
            raise BGSInputError(f"{_base_named(embedder.spec)} no longer matches {HEAD_FILE} (it takes "
                                f"{saved.shape[1]} features, the base gives {built.shape[1]}): was the base replaced "
                                f"since training, or is {HEAD_FILE} another run's?", path=folder, whole=True) from None
        raise BGSInputError(f"{HEAD_FILE} does not fit the head {BGS_CONFIG} records ({embedder.head_config}): "
                            f"{str(err).splitlines()[-1].strip()[:200]}", path=folder, whole=True) from None


def warn_other_base(embedder: BGSEmbedder, folder: str | os.PathLike[str], cfg: dict[str, Any] | None = None) -> None:
    """Warn when ``embedder``'s base holds other weights than the base the model saved in ``folder`` (its ``cfg``) was
    trained on; run once its adapter or head is in (a base of other shapes is refused there, in one line).

    Why: a base of the same shapes (another seed of a local base, a Hub base at another revision) took the adapter or
    head without a word, and every embedding was wrong. A warning, not a refusal: a base re-released on purpose may be
    what the user wants. The record is carried over, so a later save still names the weights it was trained on.
    """
    folder = Path(folder)
    if cfg is None:
        try:
            cfg = json.loads((folder / BGS_CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no record here (a Hub id, a plain peft adapter): nothing to compare
            return
    if not isinstance(cfg, dict) or cfg.get("backbone_weights"):  # the saved backbone replaced every base weight
        return
    recorded = cfg.get(BASE_FINGERPRINT)
    if not isinstance(recorded, str) or recorded == embedder.base_fingerprint:  # none: saved before it was recorded
        return
    logger.warning("%s was trained on other weights than %s holds now (same shapes, another checkpoint): it will not "
                   "embed as it did; restore the base it was trained from", folder_named(folder),
                   _base_named(embedder.spec))
    embedder.base_fingerprint = recorded


def restore_plain_weights(embedder: BGSEmbedder, folder: str | os.PathLike[str]) -> None:
    """Put a saved adapter-less model's weights (its fine-tuned backbone when saved, and the head) into
    ``embedder`` in place: how it is loaded, and how the Trainer resumes or picks its best checkpoint."""
    folder = Path(folder)
    cfg = read_bgs_config(folder)
    _check_plain_model(folder, cfg)
    if cfg.get("backbone_weights"):
        if not isinstance(cfg["backbone_weights"], str):
            raise BGSInputError(f"backbone_weights must be a file name, got {cfg['backbone_weights']!r}",
                                path=folder / BGS_CONFIG)
        weights = folder / cfg["backbone_weights"]
        try:
            state = load_file(str(weights))
        except (SafetensorError, OSError) as err:
            raise BGSInputError(f"cannot read the saved backbone ({type(err).__name__}: {err})", path=weights) from None
        try:
            embedder.backbone.load_state_dict(state)
        except RuntimeError as err:  # torch's report listing every tensor: the base folder replaced by another width
            if not str(err).startswith("Error(s) in loading state_dict"):
                raise
            raise BGSInputError(_base_mismatch(embedder.spec, str(err), saved=cfg["backbone_weights"]),
                                path=folder, whole=True) from None
    _load_head(embedder, folder)
    warn_other_base(embedder, folder, cfg)


def save_embedder(model: BGSPeftModel | BGSEmbedder, save_directory: str | os.PathLike[str]) -> Path:
    """Save either kind of model (``BGSPeftModel`` or plain ``BGSEmbedder``) as a loadable folder."""
    model.save_pretrained(str(save_directory))
    return Path(save_directory)
