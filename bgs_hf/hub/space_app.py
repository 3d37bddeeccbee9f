"""The BGS demo Space: how does alignment change which clips a video model finds similar?

Pick three clips from a catalogue (SocialShapes by default) or upload your own; see the pretrained and the
fine-tuned model's similarity matrices side by side (any run or pushed model, BGS-trained or not), each model's
odd-one-out choice next to the judges' choice when the triplet was judged, and the nearest neighbours of a clip
under both models.

The logic lives here (importable, testable); ``spaces/bgs-demo/app.py`` only launches it.

Hardening for public uploads: the size is checked before anything opens the file; container, codec and
duration are checked from the headers, and an MP4's sample table against its size, so a cut upload is "truncated
video" before its decode (``bgs_hf.video.check_video``); decoding runs in a separate process with a deadline
(``bgs_hf.hub.decode_worker``); only files inside Gradio's upload folder are read; the queue runs one compare at a
time with a bounded backlog, and its REST routes cannot skip it. Gradio's limit is per event: a neighbours or
picture event runs beside a compare, reading only what was built at start. Every failure becomes a one-line message.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import importlib.util
import json
import logging
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bgs_hf._bars import delayed_bar
from bgs_hf._files import built_in_place, check_output_folder, expand_user, require_new_folder, save_npy
from bgs_hf._format import agree, count, fmt, fmt_ci, quoted
from bgs_hf.errors import BGSInputError, finite_number, is_finite_real, is_whole
from bgs_hf.metrics.bootstrap import ceiling_disagreement, ceiling_seed_note, check_count, positive_ceiling
from bgs_hf.paper import bundled_folder
from bgs_hf.video.policy import frames_repeat, repeated_frames_effect
from bgs_hf.viz.models import FINETUNED_NAME, finetuned_name, model_name

if TYPE_CHECKING:
    from bgs_hf.data.container import TripletArrays

logger = logging.getLogger(__name__)

VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v")
#: An upload whose file is no longer there (``build_demo``'s ``delete_cache``; a restart empties Gradio's folder too): a
#: visitor back at a tab left open for hours pressed Compare with its path, and read "upload not found"
UPLOAD_GONE = ("the uploaded file is gone (the Space deletes uploads after an hour, and when it restarts): "
               "upload it again")
SLOTS = ("A", "B", "C")
#: How the "pretrained" column is embedded; part of the cache key, so a change never reuses old embeddings.
PRETRAINED_FEATURES = "pooled_features+l2"
#: The pretrained model as report.md, evaluation.md and every figure name it (``bgs_hf.viz.models``): the page called
#: it "pretrained", so one model had two names depending on where a reader looked. The fine-tuned one is named by
#: what its run recorded (:attr:`ModelPair.label`): "BGS fine-tuned (LoRA)" for a BGS LoRA run only.
PRETRAINED_NAME = model_name("pretrained")


#: the splits of every dataset ``bgs_hf.data.load`` reads (``fit`` = train + val); ``None`` shows every clip
CATALOGUE_SPLITS: tuple[str | None, ...] = (None, "train", "val", "test", "fit")
#: Seed of the default SocialShapes catalogue: no benchmark's (0, 1, ...). A benchmark's first clips are the same
#: whatever its size, so seed 0's 48-clip catalogue was the first 48 clips of `make demo`'s benchmark, 37 of them
#: clips its model trained on, judged by observers of the same simulated geometry.
CATALOGUE_SEED = 3 * 10**6
#: the whole-number settings and their least value
COUNT_SETTINGS: dict[str, int] = {"max_catalogue": 1, "n_synth_clips": 1, "seed": 0, "queue_max_size": 1,
                                  "n_neighbours": 1, "thumb_size": 1, "batch_size": 1}


@dataclass
class SpaceConfig:
    """Everything the Space needs; ``bgs-hf space`` and ``app.py`` fill it from flags / ``bgs_space.json``."""

    model: str | None = None  # run folder or Hub repo id of a BGS adapter
    data: str | None = None  # catalogue (any layout bgs_hf.data.load reads); None = bundled SocialShapes
    cache_dir: str | None = None  # embeddings, thumbnails, decoded clips; default ~/.cache/bgs-hf/space
    catalogue_split: str | None = None  # clips shown: a split name (e.g. "test") or None for all clips
    max_catalogue: int = 60
    n_synth_clips: int = 48  # size of the generated SocialShapes catalogue
    seed: int = CATALOGUE_SEED  # seed of that generated catalogue
    max_upload_mb: float = 20.0
    max_duration_s: float = 30.0
    decode_timeout_s: float = 60.0
    queue_max_size: int = 16
    n_neighbours: int = 5
    thumb_size: int = 96
    batch_size: int = 8
    upload_root: str | None = None  # Gradio's upload folder unless set (tests)

    def __post_init__(self) -> None:
        """Checked where the settings are made (``bgs-hf space --push`` stages them for a remote Space, which
        used to crash on start: ``--split tset``, ``--max-upload-mb nan``)."""
        for name in ("max_upload_mb", "max_duration_s", "decode_timeout_s"):  # a float: numpy's float32 is no JSON
            setattr(self, name, finite_number(getattr(self, name), name, above=0))
        # past these, max_bytes was an OverflowError at launch and every upload's deadline one in subprocess
        if self.max_upload_mb * 1024 * 1024 >= sys.maxsize:
            raise BGSInputError(f"max_upload_mb must be below {sys.maxsize / 2**20:.3g} MiB, got {self.max_upload_mb!r}")
        if self.decode_timeout_s > threading.TIMEOUT_MAX:
            raise BGSInputError(f"decode_timeout_s must be at most {threading.TIMEOUT_MAX:.3g} s, "
                                f"got {self.decode_timeout_s!r}")
        # a number or list where a folder or model id goes was a TypeError deep in pathlib once loading began
        for name in ("model", "data", "cache_dir", "upload_root"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), (str, os.PathLike)):
                raise BGSInputError(f"{name} must be text (a folder or Hub id) or null, got {getattr(self, name)!r}")
        # counts from a hand-edited bgs_space.json: a negative one sliced from the end (max_catalogue -5 dropped the
        # last 5 clips, n_neighbours -1 listed every clip but one), a batch of 0 crashed the start in range()
        for name, least in COUNT_SETTINGS.items():
            setattr(self, name, check_count(getattr(self, name), name, least=least))
        if self.catalogue_split not in CATALOGUE_SPLITS:
            raise BGSInputError(f"catalogue split {self.catalogue_split!r} is not one of "
                                f"{', '.join(str(s) for s in CATALOGUE_SPLITS)}")

    @classmethod
    def from_settings(cls, settings: Any, source: str = "bgs_space.json") -> SpaceConfig:
        """The config a hand-edited settings object names: a misspelt key (``n_neighbors``) was a TypeError
        traceback on the Space's start."""
        if not isinstance(settings, dict):
            raise BGSInputError(f"{source}: settings must be a JSON object, got {type(settings).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(str(k) for k in settings if k not in known)
        if unknown:
            raise BGSInputError(f"{source}: {count(len(unknown), 'unknown setting')} ({', '.join(unknown)}; known: "
                                f"{', '.join(sorted(known))})")
        return cls(**settings)

    @property
    def cache_path(self) -> Path:
        root = (
            self.cache_dir or os.environ.get("BGS_SPACE_CACHE") or Path.home() / ".cache" / "bgs-hf" / "space"
        )
        return expand_user(root)

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def check_cache_folder(self) -> None:
        """Refuse a cache folder that is a file or lies under one, by the setting that named it, before any model
        loads: ``BGS_SPACE_CACHE`` naming a file was a FileExistsError once the model had loaded (from ``app.py``, a
        traceback)."""
        source = ("cache_dir" if self.cache_dir else "BGS_SPACE_CACHE" if os.environ.get("BGS_SPACE_CACHE")
                  else "the Space's cache folder")
        check_output_folder(self.cache_path, source)


def model_odd_one_out(sim3: np.ndarray) -> int | None:
    """Position (0..2) of the clip a model calls odd: the one outside its most similar pair; ``None`` when no
    pair is strictly the most similar (the same clip in all three slots) or a similarity is not finite.

    Pair order (ab, ac, bc), "odd = 2 - kept pair column" and "a tie is no choice" follow ``bgs_hf.metrics.ooo``
    (evaluation scores a tie as wrong): argmax named the first tied pair, so three copies of one clip were
    "odd one out = C" under both models.
    """
    pairs = np.array([sim3[0, 1], sim3[0, 2], sim3[1, 2]], dtype=np.float64)
    if not np.isfinite(pairs).all():
        return None
    top = int(np.argmax(pairs))
    if np.count_nonzero(pairs == pairs[top]) > 1:
        return None
    return 2 - top


# ------------------------------------------------------------------------------------------ catalogue
@dataclass
class Catalogue:
    """Clips to pick from, their thumbnails, and the odd-one-out votes per judged triplet."""

    name: str
    clip_ids: list[str]
    paths: list[Path]
    thumbs: np.ndarray  # (N, h, w, 3) uint8
    votes: dict[frozenset[int], Counter] = field(default_factory=dict)  # catalogue positions -> odd votes
    #: the votes come from simulated observers (a SocialShapes instance ships its ground_truth.json), not people
    simulated: bool = False

    @property
    def judges(self) -> str:
        """Who cast the votes, as the page names them."""
        from bgs_hf.data.container import judges_name

        return judges_name(self.simulated)

    def __len__(self) -> int:
        return len(self.clip_ids)

    def index(self, clip_id: str) -> int:
        try:
            return self.clip_ids.index(clip_id)
        except ValueError:
            raise BGSInputError(f"unknown clip {quoted(clip_id)}") from None

    def human_votes(self, positions: Sequence[int]) -> tuple[int, int, int] | None:
        """Odd-one-out votes per slot for a judged triplet, else ``None``."""
        if len(set(positions)) != 3:
            return None
        counts = self.votes.get(frozenset(positions))
        if not counts:
            return None
        a, b, c = (int(counts.get(p, 0)) for p in positions)
        return a, b, c

    def human_choice(self, positions: Sequence[int]) -> tuple[int, int, int] | None:
        """(slot of the judges' odd clip, its votes, all votes) for a triplet judged with a single most-voted
        clip; ``None`` when not judged or when the top votes tie (``most_common`` picked one of the tied clips
        by insertion order, and the page called it the humans' choice)."""
        votes = self.human_votes(positions)
        if votes is None or votes.count(max(votes)) > 1:
            return None
        top = max(votes)
        return votes.index(top), top, sum(votes)

    def first_triplet(self) -> list[int]:
        """Where the page starts: the judged triplet with the most judgments and a single choice (ties broken by
        catalogue order), else the first three clips. The page started on clips 0, 1, 2, which on the default
        catalogue nobody judged (about 1 triplet in 13 is), so a first Compare showed no judges' choice at all."""
        judged = [(-sum(votes.values()), sorted(key)) for key, votes in self.votes.items()
                  if self.human_choice(sorted(key)) is not None]
        return min(judged)[1] if judged else [0, 1, 2]

    @classmethod
    def for_config(cls, config: SpaceConfig) -> Catalogue:
        """The catalogue ``config`` names (``data``), else the default SocialShapes one."""
        return cls.load(config.data or default_catalogue(config), config)

    @classmethod
    def load(cls, source: str | Path, config: SpaceConfig) -> Catalogue:
        """The first ``max_catalogue`` clips with a video in ``config``'s split, and the votes on triplets of them."""
        from bgs_hf.data import load as load_data

        data = load_data(source)
        videos = list(data.clips["video"])
        try:  # an unknown name used to show every clip, training clips included
            items = data.split_items(config.catalogue_split)
        except BGSInputError as err:
            raise BGSInputError(err.detail, path=source) from None
        chosen = [int(i) for i in (items if items is not None else range(data.n_clips)) if videos[int(i)]]
        chosen = chosen[: config.max_catalogue]  # dataset clip indices, in catalogue order
        if len(chosen) < 3:
            raise BGSInputError("the catalogue needs at least 3 clips with videos", path=source)
        votes = _votes_by_triplet(data.triplets(None), chosen)
        paths = [Path(videos[i]) for i in chosen]
        return cls(Path(str(source)).name or "catalogue", [data.clip_ids[i] for i in chosen], paths,
                   _thumbnails(paths, config), votes, simulated=data.simulated_observers)


def _votes_by_triplet(triplets: TripletArrays, chosen: list[int]) -> dict[frozenset[int], Counter]:
    """Odd-one-out votes per triplet of catalogue clips, keyed and counted by catalogue position (the page's
    numbering), not by the dataset's clip index; a judgment naming a clip outside the catalogue is left out."""
    position = {clip: k for k, clip in enumerate(chosen)}
    votes: dict[frozenset[int], Counter] = {}
    for clips, odd in zip(triplets.idx.tolist(), triplets.odd_clip().tolist()):
        if all(clip in position for clip in clips):
            votes.setdefault(frozenset(position[clip] for clip in clips), Counter())[position[odd]] += 1
    return votes


def _thumbnails(paths: list[Path], config: SpaceConfig) -> np.ndarray:
    """Middle frame of each clip, short side ``thumb_size``, centre-cropped; cached with the clips. A first start
    decodes every clip here, before the catalogue is embedded: a bar once that takes a second (a cached start
    is over at once)."""
    from bgs_hf.video import ClipCache, FramePolicy

    cache = ClipCache(config.cache_path / "clips")
    policy = FramePolicy(num_frames=3, size=config.thumb_size, crop=config.thumb_size)
    return np.stack([_square(cache.get(p, policy)[1])
                     for p in delayed_bar(paths, desc="catalogue thumbnails", unit="clip")])


def _square(frame: np.ndarray) -> np.ndarray:
    """Centre square of an ``(H, W, 3)`` image, for thumbnails."""
    h, w = frame.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return np.ascontiguousarray(frame[top : top + s, left : left + s])


def default_catalogue(config: SpaceConfig) -> Path:
    """Generate (once) a small SocialShapes set in the cache: the Space works with no data download. The
    quickstart's cache rule (generator version in the name, built aside and moved in whole, checked on reuse)."""
    from bgs_hf.quickstart import ensure_socialshapes

    return ensure_socialshapes(config.seed, config.n_synth_clips, root=config.cache_path)


# ------------------------------------------------------------------------------------------ models
#: PEFT's copy of the head as it was before training (``modules_to_save`` keeps it for ``disable_adapter``): the base
#: checkpoint has no head, so it is a random init on each load, and neither column uses it (the fine-tuned one runs
#: the trained copy, the pretrained one pooled features without a head)
UNTRAINED_HEAD = ".head.original_module."  # bgs_hf.models.embedder.HEAD_MODULE (importing it imports torch)


class ModelPair:
    """The fine-tuned embedder and its pretrained counterpart (same weights with the adapter off)."""

    def __init__(self, aligned: Any, name: str, pretrained: Any = None, *, bgs_trained: bool = False) -> None:
        self.aligned = aligned.eval()
        self.name = name
        self.policy = aligned.frame_policy
        #: the base a model without an adapter was trained from (its own backbone may have been fine-tuned)
        self.pretrained = None if pretrained is None else pretrained.eval()
        #: its run recorded the BGS loss (``run_info.bgs_trained``; a pushed model's bgs_config.json carries it)
        self.bgs_trained = bgs_trained
        self.adapter = hasattr(aligned, "disable_adapter")
        #: ``embed`` switches the shared model's adapter off for the pretrained features: one call at a time
        self._embed_lock = threading.Lock()

    @property
    def label(self) -> str:
        """The fine-tuned model's name on the page: "BGS fine-tuned (LoRA)" only for a BGS LoRA run (the page gave
        every model that name, whatever it was trained with)."""
        return finetuned_name(self.bgs_trained, self.adapter)

    @classmethod
    def load(cls, name_or_path: str) -> ModelPair:
        from bgs_hf.eval.suite import pretrained_of
        from bgs_hf.models import load_model
        from bgs_hf.models.loading import resolve_model_folder

        folder = resolve_model_folder(name_or_path)  # a Hub id: its snapshot, whose bgs_config.json records the loss
        aligned = load_model(folder)
        plain = not hasattr(aligned, "disable_adapter")
        # turning an adapter off leaves LoRA-trained biases (bias="all"/"lora_only") in place: then the base
        # is loaded as evaluation loads it
        trained_bias = not plain and any(getattr(c, "bias", "none") != "none"
                                         for c in getattr(aligned, "peft_config", {}).values())
        info = recorded_run(folder)
        return cls(aligned, name_or_path, pretrained_of(folder) if plain or trained_bias else None,
                   bgs_trained=info is not None and info.bgs_trained)

    def embed(self, pixel_values: Any) -> tuple[np.ndarray, np.ndarray]:
        """(pretrained, aligned) embeddings of a batch ``(B,T,3,H,W)``, as float32 numpy."""
        import torch

        with self._embed_lock, torch.no_grad():
            bgs = self.aligned(pixel_values)
            # the pretrained baseline exactly as evaluation scores it (eval.suite.pretrained_of): pooled
            # backbone features after any final norm/pooler, no head; not a raw hidden state
            if self.pretrained is not None:  # a model without an adapter: the base it started from
                pre = self.pretrained.pooled_features(pixel_values)
            elif self.adapter:
                with self.aligned.disable_adapter():
                    pre = self.aligned.pooled_features(pixel_values)
            else:  # a plain embedder given without its base: its own pooled backbone features
                pre = self.aligned.pooled_features(pixel_values)
            pre = torch.nn.functional.normalize(pre.float(), dim=-1)
        return pre.cpu().numpy(), bgs.float().cpu().numpy()

    def fingerprint(self) -> str:
        """Hash of every weight of both models and the frame policy (keys the embedding cache): a fine-tuned
        backbone changes the embeddings as much as an adapter does."""
        import torch

        h = hashlib.sha256()
        spec = getattr(self.aligned, "spec", None)
        h.update(json.dumps([getattr(spec, "name", ""), self.policy.to_dict(), PRETRAINED_FEATURES],
                            sort_keys=True).encode())
        for prefix, model in (("aligned.", self.aligned), ("pretrained.", self.pretrained)):
            for name, tensor in sorted((model.state_dict() if model is not None else {}).items()):
                if UNTRAINED_HEAD in name:  # drawn afresh on every load: the cache was missed on every start
                    continue
                h.update((prefix + name).encode())
                h.update(tensor.detach().cpu().contiguous().flatten().view(torch.uint8).numpy().tobytes())
        return h.hexdigest()[:20]


# ------------------------------------------------------------------------------------------ backend
@dataclass
class Comparison:
    """Result of comparing three clips under both models."""

    labels: list[str]
    sim_pre: np.ndarray
    sim_bgs: np.ndarray
    odd_pre: int | None  # None: a tie, no single odd one out (``model_odd_one_out``)
    odd_bgs: int | None
    human: tuple[int, int, int] | None  # (slot, votes, total); None when not judged or when the top votes tie
    #: what was compared, per slot: an upload's middle frame or the catalogue thumbnail (the page showed the
    #: dropdown's thumbnail while an upload in that slot was what got compared)
    thumbs: list[np.ndarray] = field(default_factory=list)
    #: votes per slot when the triplet was judged (a tie has no single choice: ``human`` is None then)
    human_votes: tuple[int, int, int] | None = None
    #: who cast the votes: "humans", or "simulated observers" on a SocialShapes catalogue
    judges: str = "humans"
    #: the fine-tuned model's name (:attr:`ModelPair.label`)
    aligned: str = FINETUNED_NAME
    #: slots holding an upload that is no exact copy of a catalogue clip: the judges' votes cannot be looked up for
    #: it, so the page cannot say whether the triplet was judged (it said "not judged")
    unknown_uploads: list[str] = field(default_factory=list)
    #: one sentence where uploads hold fewer frames than the models sample (:func:`repeated_frames_note`), else None
    frames_note: str | None = None


#: ``progress(done, total, what)`` before each slow step of a request (the page shows it)
ProgressFn = Callable[[int, int, str], None]


class SpaceBackend:
    """Embeds clips with both models, caches the catalogue's embeddings, answers the UI's questions."""

    def __init__(
        self, config: SpaceConfig, models: ModelPair | None = None, catalogue: Catalogue | None = None,
        on_embed: Callable[[int], None] | None = None,
    ) -> None:
        """``on_embed(n_clips)``: called only when the catalogue is embedded (not read from the cache), before it
        starts: ``bgs-hf space`` said "embedding the catalogue" on a start that read it from the cache too."""
        from bgs_hf.video import ClipCache

        self.config = config
        config.check_cache_folder()  # before minutes of loading and embedding
        if models is None:
            if not config.model:
                raise BGSInputError("no model given: pass a run folder or Hub repo id of a BGS adapter")
            models = ModelPair.load(config.model)
        self.models = models
        self.catalogue = catalogue or Catalogue.for_config(config)
        self.clip_cache = ClipCache(config.cache_path / "clips")
        self.upload_cache = ClipCache(config.cache_path / "uploads")
        #: one upload at a time from decoding to embedding, whoever calls: the decoded-frames entry (one per
        #: content, deleted once embedded) is shared by every request (the adapter switch is ``ModelPair.embed``'s)
        self._upload_lock = threading.Lock()
        #: the upload's decode worker while it runs: :meth:`stop_decoding` ends it when the server stops
        self._decoder: subprocess.Popen | None = None
        self.cat_pre, self.cat_bgs = self._catalogue_embeddings(on_embed)

    # -- embeddings -----------------------------------------------------------------------------------
    def _embed_paths(self, paths: Sequence[Path], cache: Any) -> tuple[np.ndarray, np.ndarray]:
        import torch
        from tqdm.auto import tqdm

        from bgs_hf.video import load_clip

        pre, bgs = [], []
        bs = self.config.batch_size
        for start in tqdm(range(0, len(paths), bs), desc="embedding clips", unit="batch"):
            batch = torch.stack([load_clip(p, self.models.policy, cache) for p in paths[start : start + bs]])
            p, b = self.models.embed(batch)
            pre.append(p)
            bgs.append(b)
        return np.concatenate(pre), np.concatenate(bgs)

    def _catalogue_embeddings_folder(self) -> Path:
        """Where these models' embeddings of these clips are cached: keyed by every weight and each clip's content,
        so a retrained model or a re-encoded clip is never served old embeddings."""
        key = hashlib.sha256(
            json.dumps(
                [self.models.fingerprint(), [self.clip_cache.content_hash(p) for p in self.catalogue.paths]]
            ).encode()
        ).hexdigest()[:24]
        return self.config.cache_path / "embeddings" / key

    def _catalogue_embeddings(self, on_embed: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(pretrained, aligned) embeddings of every catalogue clip, read from the cache when both files hold one
        row per clip, else embedded and stored."""
        folder = self._catalogue_embeddings_folder()
        try:
            pre = np.load(folder / "pretrained.npy", allow_pickle=False)
            bgs = np.load(folder / "aligned.npy", allow_pickle=False)
            if len(pre) == len(bgs) == len(self.catalogue):
                logger.info("catalogue embeddings (%d clips) read from the cache, %s", len(pre), folder)
                return pre, bgs
        except (OSError, ValueError, EOFError):  # a damaged file is embedded again (an empty one: EOFError)
            pass
        if on_embed is not None:
            on_embed(len(self.catalogue))
        pre, bgs = self._embed_paths(self.catalogue.paths, self.clip_cache)
        save_npy(folder / "pretrained.npy", pre)
        save_npy(folder / "aligned.npy", bgs)
        return pre, bgs

    # -- untrusted uploads ----------------------------------------------------------------------------
    @functools.cached_property
    def _frames_held(self) -> dict[Path, int | None]:
        """The frames each upload embedded holds, as its decode worker counted them, until :meth:`compare` reads
        it (the server opens no upload to count them itself)."""
        return {}

    def _upload_root(self) -> Path:
        if self.config.upload_root:
            return Path(self.config.upload_root).resolve()
        from gradio.utils import get_upload_folder

        return Path(get_upload_folder()).resolve()

    def check_upload(self, path: str | Path) -> Path:
        """Cheap gates before any decoder sees the file: location, name, size."""
        p = Path(path)
        root = self._upload_root()
        try:
            resolved = p.resolve(strict=True)
        except (OSError, RuntimeError):  # Gradio deletes uploads (delete_cache): an old tab still holds the path
            # ... of its upload folder: a missing path outside it was never an upload (it read "upload ... gone")
            if not Path(os.path.realpath(p)).is_relative_to(root):  # realpath: no error on a missing file or loop
                raise BGSInputError("only files uploaded through the page are accepted", path=p) from None
            raise BGSInputError(UPLOAD_GONE, path=p) from None
        if not resolved.is_relative_to(root):
            raise BGSInputError("only files uploaded through the page are accepted", path=p)
        if not resolved.is_file():
            raise BGSInputError("not a regular file", path=p)
        if resolved.suffix.lower() not in VIDEO_EXTENSIONS:
            raise BGSInputError(f"not a video file (expected one of {', '.join(VIDEO_EXTENSIONS)})", path=p)
        size = resolved.stat().st_size
        if size == 0:
            raise BGSInputError("the file is empty", path=p)
        if size > self.config.max_bytes:
            raise BGSInputError(
                f"file too large ({size / 2**20:.1f} MiB > {self.config.max_upload_mb:g} MiB)", path=p
            )
        return resolved

    def decode_upload(self, path: Path) -> int | None:
        """Header checks + decoding in a child process with a deadline; frames land in the upload cache. Returns the
        frames the clip holds as the worker counted them (None where it said none): the server opens no upload."""
        from bgs_hf.hub.decode_worker import EXIT_BAD_INPUT, EXIT_FAILED
        from bgs_hf.video import VideoLimits

        limits = asdict(
            VideoLimits(max_bytes=self.config.max_bytes, max_duration_s=self.config.max_duration_s)
        )
        cmd = [
            sys.executable,
            "-m",
            "bgs_hf.hub.decode_worker",
            "--cache",
            str(self.upload_cache.root),
            "--policy",
            json.dumps(self.models.policy.to_dict()),
            "--limits",
            json.dumps(limits),
            "--parent",  # it ends with this server: a SIGTERMed or SIGKILLed one enforces no deadline
            str(os.getpid()),
            str(path),
        ]
        # subprocess.run's deadline and kill, with the worker kept where stop_decoding() finds it
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_worker_env()) as proc:
            self._decoder = proc
            try:
                stdout, stderr = proc.communicate(timeout=self.config.decode_timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise BGSInputError(
                    f"decoding took longer than {self.config.decode_timeout_s:g} s; try a shorter clip", path=path
                ) from None
            finally:
                self._decoder = None
        if proc.returncode != 0:
            lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            # only the worker's own one-line reasons reach the page; a crash's stderr may be a traceback
            said = bool(lines) and proc.returncode in (EXIT_BAD_INPUT, EXIT_FAILED)
            reason = lines[-1] if said else "could not decode the video"
            # the worker names the file by its upload name; keep the message about the video itself
            prefix = path.name + ": "  # cut the whole name: a name may hold ": " itself ("Meeting: part 1.mp4")
            reason = reason[len(prefix):] if reason.startswith(prefix) else reason
            raise BGSInputError(reason, path=path)
        return _reported_frames(stdout)

    def stop_decoding(self, grace_s: float = 1.0) -> None:
        """End the upload's decode worker now, for a server that stops: its request waited on it (up to
        ``decode_timeout_s``) and held the server's shutdown. SIGTERM first, so that the worker removes its
        half-written frames; SIGKILL after ``grace_s`` (a hung FFmpeg runs no handler)."""
        proc = self._decoder
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()

    def embed_upload(self, path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pretrained, aligned, thumbnail) for an uploaded clip, after all checks."""
        from bgs_hf.video import preprocess
        from bgs_hf.video.transforms import resize_frames_uint8_to

        p = self.check_upload(path)
        with self._upload_lock:
            held = self.decode_upload(p)
            entry = self.upload_cache.entry_path(p, self.models.policy)
            if not entry.exists():  # the worker left no frames: reading them would decode the upload in the server
                raise BGSInputError("could not decode the video", path=p)
            try:
                frames = self.upload_cache.get(p, self.models.policy)  # cache hit: decoded by the worker
                clip = preprocess(frames, self.models.policy)  # what load_clip makes of them, without a second read
            finally:  # an upload is embedded once: its decoded frames must not pile up on the Space's disk
                entry.unlink(missing_ok=True)
                try:  # nor their shard folders (one per upload: 256 of them left behind after enough uploads)
                    entry.parent.rmdir()
                except OSError:
                    pass  # not empty (another entry) or already gone
            pre, bgs = self.models.embed(clip[None])
            self._frames_held[p] = held
        # at a pick's size (thumb_size): at the model's frame size it was 64 px beside 96-px picks under bgs-tiny
        side = self.config.thumb_size
        thumb = resize_frames_uint8_to(_square(frames[len(frames) // 2]), (side, side))
        return pre[0], bgs[0], thumb

    def catalogue_twin(self, upload: str | Path) -> int | None:
        """The catalogue clip whose file holds the same bytes as ``upload``, else ``None`` (also when a file cannot be
        read now: the upload then keeps its own embedding). Embedded alone, not in a batch of the catalogue, a copy's
        fine-tuned embedding differed from its original's in the last bits, so a clip picked in two slots and uploaded
        in the third was no tie: the page named the upload the odd one out of three copies of one clip."""
        try:
            digest = self.upload_cache.content_hash(upload)
        except BGSInputError:
            return None
        for i, path in enumerate(self.catalogue.paths):
            try:
                if self.clip_cache.content_hash(path) == digest:
                    return i
            except BGSInputError:  # a catalogue file gone since the start: its cached embeddings still serve picks
                continue
        return None

    # -- questions ------------------------------------------------------------------------------------
    def compare(
        self,
        picks: Sequence[str | None],
        uploads: Sequence[str | None] = (None, None, None),
        progress: ProgressFn | None = None,
    ) -> Comparison:
        """Three clips (an upload wins over the catalogue pick in its slot) under both models; an upload that is an
        exact copy of a catalogue clip's file is that clip (:meth:`catalogue_twin`), its judges' votes included."""
        from bgs_hf.metrics.rsa import cosine_similarity_matrix

        if len(picks) != len(SLOTS) or len(uploads) != len(SLOTS):  # 2 picks was an IndexError, 4 dropped the last
            raise BGSInputError(f"compare needs {len(SLOTS)} picks and {len(SLOTS)} uploads (None where empty), got "
                                f"{len(picks)} and {len(uploads)}")
        labels, pre, bgs, positions, thumbs, unknown = [], [], [], [], [], []
        short: list[tuple[str, str, int]] = []  # (slot, upload, frames held) of the uploads whose frames repeat
        n_uploads = sum(1 for u in uploads if u)
        names = Counter(Path(u).name for u in uploads if u)
        for slot, pick, upload in zip(SLOTS, picks, uploads):
            if upload:
                if progress is not None:  # seconds per upload (decode worker + both models) on a CPU Space
                    progress(len(labels), len(SLOTS), f"clip {slot}: checking, decoding and embedding the upload")
                try:
                    clip_pre, clip_bgs, thumb = self.embed_upload(upload)
                    twin = self.catalogue_twin(upload)
                except BGSInputError as err:
                    if names[Path(upload).name] < 2:
                        raise
                    # two uploads both named video.mp4: "video.mp4: not a readable video" did not say which one
                    raise BGSInputError(f"clip {slot}: {err}") from None
                finally:  # taken whatever happens: a count kept for a compare that then failed stayed for good
                    # realpath: the key check_upload made, and no error of its own here (resolve() raises on a loop)
                    held = self._frames_held.pop(Path(os.path.realpath(upload)), None)  # None: not counted
                if twin is not None:  # a copy of a catalogue clip is that clip: its embeddings (copies tie exactly)
                    clip_pre, clip_bgs = self.cat_pre[twin], self.cat_bgs[twin]
                    positions.append(twin)  # and its judges' votes (the page said "not judged" of a judged triplet)
                else:
                    positions.append(-1 - len(positions))  # never a catalogue triplet
                    unknown.append(slot)
                labels.append(f"{slot}: {_upload_label(upload)}")
                if held is not None and frames_repeat(held, self.models.policy.num_frames):
                    short.append((slot, upload, held))
            elif pick:
                i = self.catalogue.index(pick)
                clip_pre, clip_bgs, thumb = self.cat_pre[i], self.cat_bgs[i], self.catalogue.thumbs[i]
                labels.append(f"{slot}: {_markdown_text(pick)}")  # a | in a clip id split its table row
                positions.append(i)
            else:
                raise BGSInputError(f"clip {slot}: pick a clip from the catalogue or upload one")
            pre.append(clip_pre)
            bgs.append(clip_bgs)
            thumbs.append(thumb)
        if progress is not None and n_uploads:
            progress(len(SLOTS), len(SLOTS), "comparing")
        sim_pre = cosine_similarity_matrix(np.stack(pre))
        sim_bgs = cosine_similarity_matrix(np.stack(bgs))
        judged = min(positions) >= 0  # an upload that is no catalogue clip's copy: no votes to look up
        return Comparison(
            labels=labels, sim_pre=sim_pre, sim_bgs=sim_bgs,
            odd_pre=model_odd_one_out(sim_pre), odd_bgs=model_odd_one_out(sim_bgs),
            human=self.catalogue.human_choice(positions) if judged else None, thumbs=thumbs,
            human_votes=self.catalogue.human_votes(positions) if judged else None,
            judges=self.catalogue.judges, aligned=self.models.label, unknown_uploads=unknown,
            frames_note=repeated_frames_note(short, n_uploads, self.models.policy.num_frames) if short else None,
        )

    def neighbours(
        self, clip_id: str, k: int | None = None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The ``k`` most similar catalogue clips to ``clip_id`` under each model (itself excluded)."""
        from bgs_hf.metrics.rsa import cosine_similarity_matrix

        # k -1 listed every clip but two, 0 the default number, 2.5 a slicing TypeError
        k = self.config.n_neighbours if k is None else check_count(k, "k (neighbours)")
        i = self.catalogue.index(clip_id)
        out = []
        for emb in (self.cat_pre, self.cat_bgs):
            sims = cosine_similarity_matrix(emb)[i]
            order = [int(j) for j in np.argsort(-sims, kind="stable") if j != i][:k]
            out.append([(j, float(sims[j])) for j in order])
        return out[0], out[1]


# ------------------------------------------------------------------------------------------ UI
#: a model whose most similar pair is tied names no clip (the heat map's title, the answers table)
TIE_FIGURE = "none (tie)"
TIE_ANSWER = "tie: no single most similar pair, so no odd one out"
#: a triplet's three pairs in ``model_odd_one_out``'s order (ab, ac, bc), for the answers and the heat maps' alt text
PAIRS: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2))
#: between a neighbour's similarity and its clip id in the neighbours' captions (``fmt`` never writes it)
CAPTION_SEP = " · "
#: the neighbours' buttons (on an enlarged neighbour): Gradio's default "share" (to a Space's discussions) answered
#: every click off Hugging Face with "Error: Must be on Spaces to share", and on a Space would post a thumbnail
PICTURE_BUTTONS: list[str] = ["download", "fullscreen"]
#: the slot pictures' buttons: none. Fullscreen only blew a 96-px thumbnail (a pick's, or an upload's middle frame)
#: up to a blur, and download gave an "image.webp", not the clip: three tab stops (fullscreen, a download link and
#: its button) a keyboard user crossed in each slot before its upload box, for nothing the slot did not show
SLOT_PICTURE_BUTTONS: list[str] = []
#: the catalogue's buttons: none. A click picks a clip (there is no preview to enlarge), and Gradio's default
#: "Download All" zipped the 96-px thumbnails, not the clips: one more tab stop before the first clip, for nothing
CATALOGUE_BUTTONS: list[str] = []
#: the page's own style (``launch``): Gradio caps a picture's caption at 80% of its thumbnail, so on a 390-px phone
#: (100-px thumbnails) every catalogue caption was cut to "ss_0000.…" (81 px in 77); the thumbnail's whole width holds
#: the whole name there, and a 143-px desktop thumbnail, whose captions fitted already, looks as it did
SPACE_CSS = "#catalogue .caption-label { max-width: 100%; }"
#: the first line of the neighbours' list (``neighbours_view``); a neighbour's click keeps the list from it on
NEIGHBOURS_HEAD = "Nearest to "
#: a slot's list while an upload fills the slot: the pick it still shows is not what is compared (an upload wins)
UPLOAD_HELD_INFO = "Not compared: the upload below is compared instead; clear it to compare this pick."


def heat_map_alt(sim: np.ndarray, ticks: list[str], title: str, odd: int | None) -> str:
    """What :func:`similarity_figure` shows, in words, for its ``alt`` text: Gradio 6 writes a matplotlib plot's alt
    as ``f"{chart} plot visualising provided data"`` from a ``chart`` field the plot's data lacks, so a screen reader
    read "undefined plot visualising provided data". The text ends so that Gradio's words complete it."""
    pairs = ", ".join(f"{ticks[a]}–{ticks[b]} {fmt(float(sim[a, b]), '.2f')}" for a, b in PAIRS)
    chosen = TIE_FIGURE if odd is None else ticks[odd]
    return (f"{title}, cosine similarity of clips {ticks[0]}, {ticks[1]} and {ticks[2]}: {pairs}; "
            f"odd one out = {chosen}; a 3 by 3 heat map")


def similarity_figure(sim: np.ndarray, labels: list[str], title: str, odd: int | None) -> Any:
    """3×3 heat map with values; the model's odd-one-out is marked (``None``: a tie, none). Its label is what it
    shows in words (:func:`heat_map_alt`), the page's alt text for it."""
    from bgs_hf.viz.figure import subplots, tight_layout, wrap_to

    fig, ax = subplots(figsize=(4.2, 3.6), dpi=100)
    im = ax.imshow(sim, vmin=-1, vmax=1, cmap="viridis")
    short = [lab.split(":")[0] for lab in labels]
    fig.set_label(heat_map_alt(sim, short, title, odd))
    ax.set_xticks(range(3), short)
    ax.set_yticks(range(3), short)
    for a in range(3):
        for b in range(3):
            ax.text(
                b,
                a,
                fmt(float(sim[a, b]), ".2f"),  # never "-0.00" or "nan" (bgs_hf._format)
                ha="center",
                va="center",
                color="white" if sim[a, b] < 0.3 else "black",
            )
    chosen = TIE_FIGURE if odd is None else short[odd]
    ax.set_title(wrap_to(f"{title}\nodd one out = {chosen}", 3.6, 10), fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="cosine similarity")
    tight_layout(fig)  # a name in a script DejaVu Sans lacks: a font that has it, or one warning
    return fig


def answers_markdown(cmp: Comparison) -> str:
    """The answers table, after each model's three pair similarities in words: the heat maps are pictures, so a
    script reading the API's outputs had no number of them (nor a screen reader, before :func:`heat_map_alt`)."""
    names = " · ".join(f"{SLOTS[a]}–{SLOTS[b]}" for a, b in PAIRS)
    sims = "; ".join(f"*{name}* " + " · ".join(fmt(float(sim[a, b]), ".2f") for a, b in PAIRS)
                     for name, sim in ((PRETRAINED_NAME, cmp.sim_pre), (cmp.aligned, cmp.sim_bgs)))
    lines = ["Compared: " + " · ".join(cmp.labels), "", f"Cosine similarity {names}: {sims}.", "",
             "| | odd one out |", "|---|---|"]
    for name, odd in ((PRETRAINED_NAME, cmp.odd_pre), (cmp.aligned, cmp.odd_bgs)):
        lines.append(f"| {name} | {TIE_ANSWER if odd is None else '**' + cmp.labels[odd] + '**'} |")
    if cmp.human is not None:
        slot, votes, total = cmp.human
        lines.append(f"| {cmp.judges} | **{cmp.labels[slot]}** ({votes} of {count(total, 'judgment')}) |")
    elif cmp.human_votes is not None:  # judged, but the top votes tie: no single choice to name
        split = ", ".join(f"{s} {n}" for s, n in zip(SLOTS, cmp.human_votes))
        lines.append(f"| {cmp.judges} | tie: {split} of {sum(cmp.human_votes)} judgments |")
    elif cmp.unknown_uploads:  # its clip may be a catalogue clip's, re-encoded: "not judged" could be false
        *first, last = cmp.unknown_uploads
        which = f"{', '.join(first)} and {last}" if first else last
        are = "upload in {} is no exact copy" if len(cmp.unknown_uploads) == 1 else "uploads in {} are no exact copies"
        lines.append(f"| {cmp.judges} | shown for catalogue clips only: the {are.format(which)} of one |")
    else:
        lines.append(f"| {cmp.judges} | this triplet was not judged |")
    if cmp.frames_note:
        lines += ["", cmp.frames_note]
    return "\n".join(lines)


def _user_message(err: Exception, action: str) -> str:
    """One line for the page: our own input errors verbatim, anything else generic (logged, no trace)."""
    if isinstance(err, BGSInputError):
        msg = str(err)
    else:
        logger.exception("unexpected error in the Space")
        msg = "something went wrong while processing this request"
    try:
        import gradio as gr

        gr.Warning(msg)
    except Exception:  # outside a request (direct calls, tests) there is no page to warn
        logger.debug("no Gradio context for the warning")
    return f"**Could not {action}:** {msg}"


def compare_view(
    backend: SpaceBackend,
    picks: Sequence[str | None],
    uploads: Sequence[Any],
    progress: ProgressFn | None = None,
) -> tuple[Any, Any, str, list[np.ndarray] | None]:
    """The compare button: (pretrained figure, aligned figure, answers markdown, the three clips' thumbnails),
    or (None, None, message, None) when the request fails."""
    try:
        cmp = backend.compare(list(picks), [_upload_path(u) for u in uploads], progress=progress)
    except Exception as err:
        return None, None, _user_message(err, "compare"), None
    return (
        similarity_figure(cmp.sim_pre, cmp.labels, PRETRAINED_NAME, cmp.odd_pre),
        similarity_figure(cmp.sim_bgs, cmp.labels, cmp.aligned, cmp.odd_bgs),
        answers_markdown(cmp),
        cmp.thumbs,
    )


def neighbours_view(backend: SpaceBackend, clip_id: str | None) -> tuple[list, list, str]:
    """The neighbours button: two galleries of (thumbnail, "similarity · clip") and the same lists in words: Gradio
    cuts a caption to its thumbnail's width ("0.99 · ss_0…" beside five neighbours on a 1280-px page), so the
    message is where a clip's name and similarity can always be read in full (and by a screen reader, which hears
    a neighbour as "Thumbnail 1 of 5")."""
    cat = backend.catalogue
    try:
        if not clip_id:
            raise BGSInputError("pick a clip first")
        pre, bgs = backend.neighbours(clip_id)
    except Exception as err:
        return [], [], _user_message(err, "find neighbours")

    def gallery(items: list[tuple[int, float]]) -> list:
        # the similarity first: Gradio cuts a caption to its thumbnail's width, and "ss_0004.m…" hid the number
        return [(cat.thumbs[j], f"{fmt(s, '.2f')}{CAPTION_SEP}{cat.clip_ids[j]}") for j, s in items]

    def listed(items: list[tuple[int, float]]) -> str:
        return ", ".join(f"{fmt(s, '.2f')} {_quoted(cat.clip_ids[j])}" for j, s in items)

    message = (f"{NEIGHBOURS_HEAD}{_quoted(clip_id)}, by cosine similarity:\n"
               f"- *{PRETRAINED_NAME}*: {listed(pre)}\n- *{backend.models.label}*: {listed(bgs)}")
    return gallery(pre), gallery(bgs), message


def _quoted(name: str) -> str:
    """A clip or data name as inline code: a backtick in it would end the code span early, so it is dropped."""
    return f"`{name.replace('`', '')}`"


def catalogue_slot(turn: int, uploads: Sequence[Any]) -> int | None:
    """The slot a click on the catalogue fills: the one whose turn it is, else the next that holds no upload (an
    upload wins over a pick, so a pick there would not be compared); ``None`` when every slot holds one."""
    for step in range(len(SLOTS)):
        k = (turn + step) % len(SLOTS)
        if not _upload_path(uploads[k]):
            return k
    return None


def catalogue_click(cat: Catalogue, index: Any, turn: int, uploads: Sequence[Any]) -> tuple[int | None, int, str]:
    """A click on the catalogue's thumbnail ``index``: (slot it fills or ``None``, the next click's turn, a line for
    the page). Clicks fill A, B, C in turn, skipping a slot that holds an upload; the gallery did nothing on a
    click, so a visitor who clicked a clip saw no pick and no reason."""
    if not is_whole(index, floats=False) or not 0 <= index < len(cat):
        return None, turn, f"**Could not pick:** no clip number {index!r} in the catalogue"
    clip = _quoted(cat.clip_ids[index])
    slot = catalogue_slot(turn, uploads)
    if slot is None:
        return None, turn, (f"Every slot holds an upload, which is compared instead of a pick: clear one to put "
                            f"{clip} there.")
    after = catalogue_slot(slot + 1, uploads)
    return slot, (slot + 1) % len(SLOTS), (f"{clip} is now clip {SLOTS[slot]}; the next clip you click goes into "
                                           f"clip {SLOTS[after]}.")


def neighbour_click(cat: Catalogue, caption: Any, message: Any) -> tuple[str | None, str]:
    """A click on a neighbour (its caption, ``neighbours_view``'s "similarity · clip"): (the clip it picks for the
    neighbours list or ``None``, the page's new neighbours ``message``). Its line goes above the neighbours listed in
    ``message``, in place of an earlier click's: the line alone lost the list (the only place it is in full) until
    **Find neighbours** was pressed again."""
    clip_id = caption.split(CAPTION_SEP, 1)[-1] if isinstance(caption, str) else None
    if clip_id in cat.clip_ids:
        line = f"{_quoted(clip_id)} picked: **Find neighbours** shows its own neighbours."
    else:
        clip_id, line = None, "**Could not pick:** that neighbour is not a catalogue clip"
    lines = message.splitlines() if isinstance(message, str) else []
    listed = lines[next((k for k, text in enumerate(lines) if text.startswith(NEIGHBOURS_HEAD)), len(lines)):]
    return clip_id, (f"{line}\n\n" + "\n".join(listed) if listed else line)


def _quiet_refusals(upload: Any) -> None:
    """Keep ``upload``'s refusals out of the server log. Gradio refuses a file of another type (a client past the
    browser's file filter) with its own ``gr.Error``, whose trace it printed to the log: a visitor's mistake read as
    the server's fault. A ``gr.Error`` is a message for the visitor by definition, so it stays on the page only; any
    other exception keeps its trace. Set on the instance: a subclass of a gradio component makes gradio write a
    ``.pyi`` stub beside the module that defines it; and an upload is no event's output, so gradio never rebuilds it
    from its class (which would drop this)."""
    import gradio as gr

    preprocess = upload.preprocess

    def refuse_quietly(payload: Any) -> Any:
        try:
            return preprocess(payload)
        except gr.Error as err:
            err.print_exception = False
            raise

    upload.preprocess = refuse_quietly


def build_demo(backend: SpaceBackend) -> Any:
    """The Gradio 6 Blocks app around ``backend``."""
    import gradio as gr
    from gradio.components.plot import PlotData

    cat = backend.catalogue
    choices = list(cat.clip_ids)
    start = [choices[i] for i in cat.first_triplet()]
    thumbs = {cid: cat.thumbs[k] for k, cid in enumerate(cat.clip_ids)}
    cfg = backend.config
    aligned = backend.models.label

    def on_compare(  # the argument names are the API's parameter names (`Client.view_api()`)
        clip_a: str | None, clip_b: str | None, clip_c: str | None, upload_a: Any, upload_b: Any, upload_c: Any,
        progress: Any = gr.Progress(),
    ) -> tuple[Any, ...]:
        fig_pre, fig_bgs, md, shown = compare_view(
            backend, [clip_a, clip_b, clip_c], [upload_a, upload_b, upload_c],
            lambda done, total, what: progress((done, total), desc=what),
        )
        # each slot's picture becomes the clip that was compared (an upload's middle frame); kept on failure
        return (described(fig_pre), described(fig_bgs), md,
                *(shown if shown is not None else [gr.skip()] * len(SLOTS)))

    class DescribedPlotData(PlotData):
        """A matplotlib plot with the ``chart`` Gradio's front end writes into its alt text (else "undefined")."""

        chart: str

    def described(fig: Any) -> Any:
        """The figure as the plots show it, its alt text its label (:func:`similarity_figure`)."""
        if fig is None:
            return None
        shown = plot_pre.postprocess(fig)  # both plots encode alike (format webp)
        return DescribedPlotData(**shown.model_dump(), chart=fig.get_label())

    def on_catalogue_click(turn: int, upload_a: Any, upload_b: Any, upload_c: Any, evt: Any) -> tuple[Any, ...]:
        slot, turn, message = catalogue_click(cat, evt.index, turn, [upload_a, upload_b, upload_c])
        return (*(choices[evt.index] if k == slot else gr.skip() for k in range(len(SLOTS))), turn, message)

    def on_neighbour_click(shown: str | None, evt: Any) -> tuple[Any, str]:
        value = evt.value if isinstance(evt.value, dict) else {}
        clip_id, message = neighbour_click(cat, value.get("caption"), shown)
        return (gr.skip() if clip_id is None else clip_id), message

    # Gradio finds its event argument by the type hint, which this module's postponed annotations leave as text
    # naming a local import: the class itself is given
    on_catalogue_click.__annotations__["evt"] = on_neighbour_click.__annotations__["evt"] = gr.SelectData

    def slot_picture(clip_id: str | None, upload: Any) -> Any:
        """The catalogue pick's thumbnail, blank while an upload (which wins) fills the slot."""
        return None if _upload_path(upload) else thumbs.get(clip_id or "")

    def slot_list(upload: Any) -> Any:
        """A slot's list says what the slot holds: under an upload (which wins) its pick is not compared, so the list
        is greyed out and says so; a cleared upload gives the pick back as it was."""
        held = bool(_upload_path(upload))
        return gr.update(interactive=not held, info=UPLOAD_HELD_INFO if held else "")

    def on_neighbours(clip_id: str | None) -> tuple[list, list, str]:
        return neighbours_view(backend, clip_id)

    # uploads Gradio copies into its temp folder are deleted after an hour (checked hourly): UPLOAD_GONE
    with gr.Blocks(title="BGS: what did alignment change?", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(intro_markdown(backend), elem_id="intro")
        catalogue = gr.Gallery(
            value=[(cat.thumbs[k], cid) for k, cid in enumerate(cat.clip_ids)],
            label="catalogue",
            columns=8,
            height=220,
            allow_preview=False,
            buttons=CATALOGUE_BUTTONS,
            # a shown gallery label floats over its top-left pictures; the intro names the catalogue
            show_label=False,
            elem_id="catalogue",
        )
        cat_msg = gr.Markdown("Click a clip to put it into clip A, then B, then C (or choose it in a slot's list).",
                              label="catalogue message", show_label=False, elem_id="catalogue-message")
        turn = gr.State(0)  # the slot the next click fills, per visitor
        dropdowns, uploads, images = [], [], []
        with gr.Row():
            for k, slot in enumerate(SLOTS):
                with gr.Column():
                    dd = gr.Dropdown(
                        choices=choices,
                        value=start[k],
                        label=f"clip {slot}",
                        elem_id=f"clip-{slot.lower()}",
                    )
                    # without alt text a screen reader skipped the picture as decorative
                    img = gr.Image(
                        value=thumbs[start[k]], label=f"clip {slot}", interactive=False, height=140,
                        alt_text=f"clip {slot}: the middle frame of the clip in this slot",
                        buttons=SLOT_PICTURE_BUTTONS,
                    )
                    up = gr.File(
                        label=f"…or upload clip {slot}",
                        file_types=list(VIDEO_EXTENSIONS),
                        type="filepath",
                        elem_id=f"upload-{slot.lower()}",
                    )
                    _quiet_refusals(up)
                    # a dictionary lookup: unqueued, so a full queue of compares never refuses a pick its picture
                    for trigger in (dd.change, up.change):
                        trigger(slot_picture, inputs=[dd, up], outputs=img, api_visibility="private", queue=False)
                    up.change(slot_list, inputs=up, outputs=dd, api_visibility="private", queue=False)
                    images.append(img)
                    dropdowns.append(dd)
                    uploads.append(up)
        # a lookup like slot_picture: unqueued, so a full queue never leaves a click unanswered
        catalogue.select(on_catalogue_click, inputs=[turn, *uploads], outputs=[*dropdowns, turn, cat_msg],
                         api_visibility="private", queue=False)
        button = gr.Button("Compare", variant="primary", elem_id="compare")
        with gr.Row():
            # the figure's own title names the model (a shown label is drawn over it); the label names the API output
            plot_pre = gr.Plot(label=f"{PRETRAINED_NAME} similarity", show_label=False, elem_id="sim-pretrained")
            plot_bgs = gr.Plot(label=f"{aligned} similarity", show_label=False, elem_id="sim-aligned")
        answers = gr.Markdown(label="odd-one-out answers", show_label=False, elem_id="ooo-answers")
        button.click(
            on_compare,
            inputs=[*dropdowns, *uploads],
            outputs=[plot_pre, plot_bgs, answers, *images],
            api_name="compare",
        )
        with gr.Accordion("Nearest neighbours", open=False):
            nn_pick = gr.Dropdown(choices=choices, value=choices[0], label="clip", elem_id="nn-clip")
            nn_button = gr.Button("Find neighbours", elem_id="nn-button")
            galleries = []
            with gr.Row():
                for name, elem_id in ((PRETRAINED_NAME, "nn-pretrained"), (aligned, "nn-aligned")):
                    with gr.Column():
                        # Gradio 6 floats a shown gallery label over the top-left pictures (the top 17 px of the
                        # first three neighbours on a 1280-px page, the top third of each on a phone, where it
                        # wraps): the label names the gallery for the API, a line above it names it on the page
                        what = "neighbours (cosine similarity to the clip)"
                        gr.Markdown(f"*{name}* {what}", elem_id=f"{elem_id}-title")
                        galleries.append(gr.Gallery(label=f"{name} {what}", show_label=False, columns=cfg.n_neighbours,
                                                    height=180, elem_id=elem_id, buttons=PICTURE_BUTTONS))
            nn_pre, nn_bgs = galleries
            nn_msg = gr.Markdown(label="neighbours message", show_label=False, elem_id="nn-message")
            nn_button.click(
                on_neighbours, inputs=nn_pick, outputs=[nn_pre, nn_bgs, nn_msg], api_name="neighbours"
            )
            for gallery in (nn_pre, nn_bgs):
                # the shown message comes in so the click's line goes above the listed neighbours, not over them
                gallery.select(on_neighbour_click, inputs=nn_msg, outputs=[nn_pick, nn_msg], api_visibility="private",
                               queue=False)
    return demo


def intro_markdown(backend: SpaceBackend) -> str:
    """The page's header: what is compared (model, catalogue, the upload limits), the paper it implements, how to
    read the numbers and how the model did overall."""
    cat, cfg, models = backend.catalogue, backend.config, backend.models
    return (
        "# What did alignment change?\n"
        f"Model: `{_display_name(models.name)}` — catalogue: **{cat.name}** ({len(cat)} clips). "
        "Pick three clips (or upload your own, at most "
        f"{cfg.max_upload_mb:g} MiB and {cfg.max_duration_s:g} s) and compare how two models see them: the "
        f"*{PRETRAINED_NAME}* and the *{models.label}*. Behavioral Geometric Supervision: Garcia & Isik, "
        "arXiv 2510.01502.\n\n"
        f"{reading_guide(models, cat.simulated)}\n\n{evaluation_markdown(models.name, aligned=models.label)}"
    )


def reading_guide(models: ModelPair, simulated: bool = False) -> str:
    """What the numbers on the page are (the heat maps, the odd-one-out table, the neighbours' captions); a
    SocialShapes catalogue's votes are called what they are (they were called humans' and people's), and a model
    is said to be trained to match similarity judgments only when its run recorded the BGS loss."""
    judged = ("the simulated observers' choices are shown for triplets they judged (this catalogue is synthetic "
              "SocialShapes: its odd-one-out judgments come from simulated observers, not people)"
              if simulated else "humans' choices are shown for triplets people judged")
    # the base loaded apart (``ModelPair.pretrained``) for a model without an adapter and for a LoRA that trained
    # biases too, which switching the adapter off leaves in place: the page said "with the adapter switched off"
    pretrained = ("the backbone's pooled features with the adapter switched off"
                  if models.adapter and models.pretrained is None
                  else "the pooled features of the base model it was fine-tuned from")
    trained = "the adapter and head" if models.adapter else "the fine-tuned backbone and head"
    aligned = (f"the embedding {trained} were trained to match similarity judgments with" if models.bgs_trained
               else "the embedding of the model given (its run records no BGS loss, so what it was trained for is "
                    "not known here)")
    return (
        "**How to read it.** Each cell is the cosine similarity (−1 to 1, no unit) between two clips' embeddings: "
        f"*{PRETRAINED_NAME}* is {pretrained}, *{models.label}* {aligned}. A model's *odd one out* is "
        f"the clip outside its most similar pair, as in the human task; {judged}. One triplet is an example, "
        "not a score: the line below says how the model did overall."
    )


def evaluation_markdown(name: str, split: str = "test", aligned: str = FINETUNED_NAME) -> str:
    """How close the model came to its judges' noise ceiling, from the run's ``metrics.json`` (a Hub model's
    card carries its evaluation table instead, as does a pushed model's folder, which is pointed to where its card
    has the table: a save's or a checkpoint's card has none): context for reading one triplet's similarities. The
    judges are called people or simulated observers only where the run recorded its data. A ceiling that is not
    positive is not blamed on a cause the run did not record. ``aligned``: the fine-tuned model's name on the page
    (:attr:`ModelPair.label`). A split too small for its CIs to say anything gets the note `evaluate` prints (its R²
    [-1.000, 1.000] was shown without a word). The split, R² and % of the ceiling are the card's (``card_split``,
    ``RunInfo.fit``): a flat metrics.json's split is the one its run records, whatever ``split`` asks."""
    from bgs_hf.data.validate import small_split_note
    from bgs_hf.hub.card import card_holds_evaluation, card_split, is_hub_id, recorded_ceiling_seed, run_data
    from bgs_hf.hub.run_info import RunInfo

    if is_hub_id(name):
        # the card says which judgments (people's, or SocialShapes' simulated observers): the page cannot
        return (f"**Overall fit to the judgments the model was trained on** (against their noise ceiling, beside "
                f"the {PRETRAINED_NAME}): see the [model card](https://huggingface.co/{name}).")
    try:
        info = RunInfo.read_records(name, split=split)
        if info.metrics:  # the card's checks: without metrics.json they warned "the card will carry no evaluation"
            info = RunInfo.from_run_dir(name, split=split)
            split = card_split(info)  # a flat metrics.json's is its run's (the card said `val`, the page "test")
        fit, ceiling, baseline, why = info.fit, info.ceiling, info.baseline, info.ceiling_why
        seed = recorded_ceiling_seed(info)  # as the card says it: two runs' ceilings of one benchmark differ by it
        data_name, simulated = run_data(info)
        card = None if info.metrics else info.run_dir / "README.md"  # a pushed model's folder: its card, if any
    except Exception as err:  # noqa: BLE001 - context for the page, never a reason for the Space not to start
        logger.warning("no evaluation to show for %s: %s", name, err)
        fit, ceiling, baseline, why, data_name, simulated, card = {}, None, None, None, "unknown", False, None
        seed = None
    # a folder that records no data (a pushed model's, downloaded: push keeps no run_config.json) names no judges: its
    # SocialShapes model was "fit to human judgments" against a "human noise ceiling"
    human = not simulated and data_name not in ("", "unknown")
    ceiling_name = "human noise ceiling" if human else "noise ceiling"
    title = ("Overall fit to the simulated judgments" if simulated else "Overall fit to human judgments" if human
             else "Overall fit to the judgments the model was trained on")
    # an R² recorded undefined (null: every similarity tied) is an evaluation the card shows: it was said "no evaluation"
    if not ("r2" in fit and (fit["r2"] is None or isinstance(fit["r2"], (int, float)))):
        # a pushed model's card holds the evaluation the page cannot read; a save's or a checkpoint's card has none
        if card is not None and card_holds_evaluation(card):
            return (f"**{title}:** this model folder records no evaluation of its own (no `metrics.json`), so how "
                    f"close it comes to the {ceiling_name} is not shown here: its model card (`README.md` in the "
                    "folder) gives what its run recorded.")
        return (f"**{title}:** this model folder records no evaluation on a {split} split, so how close it comes "
                f"to the {ceiling_name} is unknown (`bgs-hf evaluate`).")
    ceiling_r2 = ceiling.get("r2") if ceiling else None

    def score(found: dict[str, Any]) -> str:
        # the % the card's table gives (RunInfo restates each against the run's ceiling)
        pct = found.get("pct_of_ceiling")
        share = f", **{fmt(pct, '.1f')}% of the {ceiling_name}**" if is_finite_real(pct) else ""
        return f"R² = {fmt(found['r2'], '.3f')}{fmt_ci(found.get('r2_ci'))}{share}"

    n = f" ({count(fit['n_judgments'], 'judgment')})" if isinstance(fit.get("n_judgments"), int) else ""
    # which data: the run's benchmark, not necessarily the catalogue below (the page did not say)
    of = f" of {_quoted(data_name)}" if data_name and data_name != "unknown" else ""
    text = f"**{title}** on the held-out {split} split{of}{n}: {aligned} {score(fit)}"
    if baseline is not None and isinstance(baseline.get("r2"), (int, float)):
        text += f"; {PRETRAINED_NAME} {score(baseline)}"
    judges = "the simulated observers" if simulated else "people" if human else "the judges"
    the_judges = "the people" if human else judges
    if simulated:
        text += (". That benchmark is synthetic SocialShapes: its judgments, and so its noise ceiling, come from "
                 "simulated observers, not people")
    if positive_ceiling(ceiling_r2):
        text += (f". The noise ceiling (R² = {fmt(ceiling_r2, '.3f')}) is how well one half of {the_judges} "
                 f"predicts the other, corrected to the whole group (Spearman-Brown): a model near it agrees with "
                 f"{judges} about as well as they agree with each other (it is an estimate, not an upper bound).")
    elif ceiling_r2 is None or not math.isfinite(ceiling_r2):  # not estimated (NaN: undefined), so neither
        # and why, where metrics.json says (a pilot's split: one participant, too few pairs), as the card does
        text += (f". This run records no {ceiling_name} for the {split} split, so no percentage of it can be given"
                 + (f": {why}." if why else "."))
    else:
        text += (f". The {ceiling_name} is not positive on this split ({ceiling_disagreement(the_judges)}), "
                 "so no percentage of it can be given.")
    if seed is not None and is_finite_real(ceiling_r2):  # a ceiling drawn, positive or not: the seed that drew it
        text += f" {ceiling_seed_note(seed)}"
    whose = "the observers'" if simulated else "human" if human else "the judges'"
    text += f" R² is the signed squared Spearman correlation of model and {whose} pairwise similarities."
    # the clips and judgments the fit rests on, as the card's note (an older bgs-hf's metrics.json: judgments only)
    note = small_split_note(split, fit.get("n_clips"), fit.get("n_judgments"),
                            [fit.get("r2_ci"), (baseline or {}).get("r2_ci")])
    return text + (f"\n\n*{note.removeprefix('note: ')}.*" if note else "")


def recorded_run(folder: str | Path) -> Any:
    """What a model folder recorded (:class:`~bgs_hf.hub.run_info.RunInfo`): a run, or a pushed model's folder
    (``bgs-hf push`` records the loss in its ``bgs_config.json``); ``None`` when its records cannot be read: then the
    page claims nothing the run did not record."""
    from bgs_hf.hub.run_info import RunInfo

    return RunInfo.read_records_or_none(folder)


def _upload_label(path: str | Path) -> str:
    """An upload by its file name (Gradio keeps the original one), as safe markdown-table text."""
    name = Path(str(path)).name
    return _markdown_text(name if len(name) <= 40 else name[:37] + "…") + " (upload)"


def _reported_frames(stdout: str) -> int | None:
    """The frame count on the decode worker's last stdout line (``{"frames": 8}``); None where it gives none."""
    try:
        frames = json.loads(stdout.strip().splitlines()[-1])["frames"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    return frames if isinstance(frames, int) and not isinstance(frames, bool) else None


def repeated_frames_note(short: Sequence[tuple[str, str, int]], n_uploads: int, num_frames: int) -> str:
    """One sentence for the answers (and the server's log) where uploads hold fewer frames than the ``num_frames``
    the models sample: their frames were repeated to fill the count without a word. ``short``: (slot, upload, frames
    held) of each such upload (one at least), the first named."""
    slot, upload, held = short[0]
    note = (f"clip {slot}'s upload {_markdown_text(Path(upload).name)} holds {held} frames, fewer than the "
            f"{num_frames} the models sample per clip: {repeated_frames_effect(num_frames, held)}")
    if n_uploads > 1:
        note += (f"; {len(short)} of the {count(n_uploads, 'upload')} {agree(len(short), 'holds', 'hold')} fewer "
                 f"than {num_frames}")
    logger.warning("%s", note)
    return f"**Frames repeated:** {note}."


def _markdown_text(name: str) -> str:
    """A clip's name (an upload's file name, a catalogue clip id) as literal markdown-table text: a ``|`` in it split
    its row of the answers table, a ``*`` or ``_`` pair turned it to emphasis."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else ch for ch in name)


def _display_name(name: str) -> str:
    """Hub ids as they are; local folders by their last part (no server paths on a public page): the folder's own
    name where the path ends in none (``bgs-hf space --model .`` run in the run folder: its header read "Model: ``")."""
    from bgs_hf.hub.card import is_hub_id

    if is_hub_id(name):
        return name
    path = expand_user(name)
    return path.name if path.name not in ("", "..") else path.resolve().name or "model"


def _worker_env() -> dict[str, str]:
    """The decode worker's environment: one thread, and this bgs_hf first on its path, not whatever the working folder
    or an install holds (a staged Space started from another folder found none, and failed every upload)."""
    here = str(Path(__file__).resolve().parents[2])
    search = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": search}


def _upload_path(value: Any) -> str | None:
    """The file path of a Gradio upload value (a path, a ``FileData`` or its dict), or ``None`` for an empty slot."""
    if value is None:
        return None
    if isinstance(value, (str, Path)):
        return str(value)
    return getattr(value, "path", None) or (value.get("path") if isinstance(value, dict) else None)


def launch(
    config: SpaceConfig,
    *,
    server_name: str = "127.0.0.1",
    server_port: int | None = None,
    prevent_thread_lock: bool = False,
    backend: SpaceBackend | None = None,
) -> Any:
    """Build and launch with the hardening settings; returns the Blocks (call ``.close()`` to stop). A launch without
    ``prevent_thread_lock`` (``app.py``'s) says its address once the page answers, as ``bgs-hf space`` does (gradio's
    own banner is off), whether gradio then blocks (``python app.py``) or returns with the server running (it does not
    block an interactive interpreter: ``python -i app.py``, a notebook), which said nothing; with it the caller says
    the address (``bgs-hf space``). Without ``backend`` the model loads here, so a ``server_port`` already
    in use is refused first (gradio found it only once the model had loaded, minutes on a real backbone)."""
    check_gradio()
    if backend is None and server_port is not None:  # None: gradio searches for a free port itself
        check_port_free(server_name, server_port, "set GRADIO_SERVER_PORT to a free port")
    demo = build_demo(backend or SpaceBackend(config))
    # api_open: off Hugging Face gradio opens its REST routes, which run a handler beside the queue and its limits
    demo.queue(default_concurrency_limit=1, max_size=config.queue_max_size, api_open=False)
    say_address = _say_address_once(demo) if not prevent_thread_lock else None
    demo.launch(
        server_name=server_name,
        server_port=server_port,
        prevent_thread_lock=prevent_thread_lock,
        max_file_size=config.max_bytes,
        allowed_paths=[],
        show_error=False,
        ssr_mode=False,
        quiet=True,
        css=SPACE_CSS,
    )
    if say_address is not None and demo.is_running:  # gradio did not block (an interactive interpreter): it serves on
        say_address()
    # close() stops at once: uvicorn waited for every open request (a page's event stream, an upload's decode) until
    # gradio gave up on its thread after 5 s, so a stopped Space took that long to exit; nothing served is kept
    # (a blocking launch returns with its server already closed)
    if getattr(demo, "server", None) is not None:
        demo.server.force_exit = True
    return demo


def check_gradio() -> None:
    """Refuse a Python without gradio before any model loads: :func:`launch` imports it only once the catalogue is
    embedded, so ``python app.py`` in a staged Space folder after ``pip install -r requirements.txt`` (which lists no
    gradio: on Hugging Face it comes from the README's ``sdk_version``) was a ModuleNotFoundError traceback minutes
    later. Found, not imported: the import takes seconds."""
    if importlib.util.find_spec("gradio") is None:
        raise BGSInputError("the Space needs gradio: pip install 'bgs-hf[space]' (in a staged Space folder: gradio at "
                            "the sdk_version its README.md names)")


def serving_line(url: str) -> str:
    """The line a locally served Space prints once its page answers at ``url`` (``bgs-hf space`` and ``app.py``)."""
    return f"serving the BGS Space on {url} (Ctrl+C to stop)"


def _say_address_once(demo: Any) -> Callable[[], None]:
    """Print :func:`serving_line` where gradio's blocking launch starts to wait (its server is up and its URL checked
    by then, and nothing after ``launch()`` runs until the server stops); the returned call prints it where gradio
    returned instead. Once only: that call after a blocking launch (the server stopped) says nothing."""
    said = False
    block = demo.block_thread

    def say() -> None:
        nonlocal said
        if not said:
            said = True
            print(serving_line(demo.local_url), flush=True)  # noqa: T201 - the served command's output; stdout may be a pipe

    def say_then_block() -> None:
        say()
        block()

    demo.block_thread = say_then_block
    return say


def check_port_free(host: str, port: int, remedy: str) -> None:
    """Refuse a port another server listens on, saying the ``remedy`` (the setting that named it), before minutes of
    model loading. A test bind, released at once, as uvicorn binds (``SO_REUSEADDR``, so a port a stopped server left
    in TIME_WAIT is free; not on Windows, where it would let the bind share a port in use). Only "in use" is refused:
    another process may still take the port before gradio binds it, and gradio's own error then follows the loading."""
    address = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise OSError(errno.EADDRINUSE, f"port {port} is in use on {host} (another server listens there): "
                                                f"{remedy}") from None
            logger.debug("test bind of %s:%s failed (%s); gradio's launch will say", host, port, err)


# ------------------------------------------------------------------------------------------ publishing
SPACE_TEMPLATE = bundled_folder("space", "spaces/bgs-demo")
SPACE_FILES: tuple[str, ...] = ("app.py", "requirements.txt", "README.md")
#: how the template README names the catalogue a Space staged without ``--data`` shows
DEFAULT_CATALOGUE_WORDS = "the bundled synthetic SocialShapes catalogue"


def stage_space(model_repo: str, out_dir: str | Path, *, settings: dict[str, Any] | None = None) -> list[str]:
    """Write the Space folder for ``model_repo`` into ``out_dir`` (must be empty); return its files.

    The folder holds the launcher, requirements, the README with Spaces front matter (``models:`` names the
    adapter, ``datasets:`` the catalogue ``settings["data"]`` when that is a Hub dataset by the model card's rule
    (:func:`~bgs_hf.hub.card.hub_dataset`); its text names the catalogue,
    when given), ``bgs_space.json`` with the model id and
    settings, and a copy of the ``bgs_hf`` package so the Space needs
    no package index for bgs-hf itself.
    """
    from bgs_hf.hub.card import hub_id_refusal, is_hub_id

    if not is_hub_id(model_repo):
        raise BGSInputError(hub_id_refusal(model_repo) or f"a Space needs the model's Hub repo id, not a local folder "
                                                          f"({model_repo}); push it first with `bgs-hf push`")
    target = require_new_folder(out_dir, "staging folder (--local-dir)")
    with built_in_place(target) as work:  # a failure half-way leaves nothing to block a retry
        _write_space(model_repo, work, settings)
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


def upload_limits_sentence(config: SpaceConfig) -> str:
    """The Space README's statement of the upload limits ``config`` enforces."""
    return f"Limits on uploads: {config.max_upload_mb:g} MiB, {config.max_duration_s:g} s"


def _write_space(model_repo: str, out: Path, settings: dict[str, Any] | None) -> None:
    from huggingface_hub import SpaceCard

    from bgs_hf.hub.card import hub_dataset

    out.mkdir(parents=True, exist_ok=True)
    for name in SPACE_FILES:
        shutil.copy2(SPACE_TEMPLATE / name, out / name)
    card = SpaceCard.load(out / "README.md")
    card.data["models"] = [model_repo]
    data = (settings or {}).get("data")
    hub = hub_dataset(str(data)) if data else None  # the model card's rule: a local folder is never an id
    if hub is not None:  # the Hub links the Space from the dataset's page, as from the model's
        card.data["datasets"] = [hub.repo_id]
    # the template states the default limits: a Space staged with others said 20 MiB while it refused 6 MiB
    staged = SpaceConfig(**{k: v for k, v in (settings or {}).items() if k in ("max_upload_mb", "max_duration_s")})
    card.text = card.text.replace(upload_limits_sentence(SpaceConfig()), upload_limits_sentence(staged))
    if (settings or {}).get("data"):  # the template's catalogue is the generated one: a lab's Space said so of its own
        card.text = card.text.replace(DEFAULT_CATALOGUE_WORDS, f"the catalogue, the dataset `{settings['data']}`")
    card.save(out / "README.md")
    (out / "bgs_space.json").write_text(
        json.dumps({**(settings or {}), "model": model_repo}, indent=2) + "\n", encoding="utf-8"
    )
    package = Path(__file__).resolve().parents[1]
    shutil.copytree(
        package, out / "bgs_hf", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "API_READY")
    )


def push_space(
    model_repo: str,
    repo_id: str,
    *,
    local_dir: str | Path | None = None,
    private: bool = False,
    token: str | None = None,
    settings: dict[str, Any] | None = None,
) -> tuple[list[str], str | None]:
    """Stage the Space (``local_dir``: stop there) or upload it as a Gradio Space; returns (files, url)."""
    from bgs_hf.hub.push import refuse_private_staging, upload_folder, validate_repo_id

    validate_repo_id(repo_id)
    refuse_private_staging(private, local_dir)
    if local_dir is not None:
        return stage_space(model_repo, local_dir, settings=settings), None
    with tempfile.TemporaryDirectory(prefix="bgs-space-") as tmp:
        files = stage_space(model_repo, tmp, settings=settings)
        url, _ = upload_folder(
            tmp,
            repo_id,
            repo_type="space",
            private=private,
            token=token,
            space_sdk="gradio",
            commit_message=f"BGS demo Space for {model_repo}",
            replaces=("bgs_hf/*",),  # the copied package: a module an earlier version had must not linger
        )
    return files, url
