"""Backbone registry: one entry per model family, resolved from a family name, Hub id or local path.

Each family declares what the embedder needs to treat every video ViT the same way: the
transformers class, the input key, how to pool tokens, where LoRA may go (scoped to the right tower,
because V-JEPA 2's predictor and CLIP's text tower reuse the encoder's module names), extra forward
kwargs, and where frames/tubelet/image size live in the checkpoint config.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch
import transformers
from huggingface_hub import constants
from huggingface_hub.errors import StrictDataclassError
from torch import nn

from bgs_hf._files import BGS_CONFIG, expand_user
from bgs_hf._format import agree, count
from bgs_hf._offline import (
    cached_hub_file,
    download_advice,
    hub_id_problem,
    hub_unreachable,
    looks_like_a_path,
    mistyped_folder_hint,
    sibling_folder_hint,
)
from bgs_hf.errors import BGSInputError
from bgs_hf.video.policy import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    INTERPOLATING_FAMILIES,
    FramePolicy,
    checked_num_frames,
    warn_if_any_frames_repeat,
)

logger = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
#: Backbones that ship with bgs-hf (name -> family), each a transformers folder under :data:`ASSETS_DIR`.
BUNDLED = {"bgs-tiny-videomae": "videomae", "bgs-tiny-conv3d": "bgs_conv3d", "bgs-tiny-conv3d-fg": "bgs_conv3d"}
#: The backbone every entry point uses when none is given (training, quickstart, benchmarks): the 3-D CNN that
#: sees the label-free foreground stream, pretrained contrastively. Its frozen features carry the most of
#: SocialShapes' social content (probe R² 0.48 vs 0.19 for bgs-tiny-conv3d; the tiny ViT's carry none), and it is
#: the only bundled backbone whose BGS run comes near half the noise ceiling (49% on seed 0, 72% on seed 2,
#: 25-27% on seeds 1, 3, 4; README).
DEFAULT_BACKBONE = "bgs-tiny-conv3d-fg"
#: Model classes bgs-hf defines itself (module to import), looked up before ``transformers``.
OWN_MODEL_CLASSES = {"BGSConv3dModel": "bgs_hf.models.conv3d"}
#: ``tiny-random-<family>``: a randomly initialised model of the family's :attr:`Family.tiny_config`, for tests and
#: dry runs without any download.
TINY_PREFIX = "tiny-random-"
#: where a checkpoint's preprocessing is, first found wins; transformers 5 saves a composite processor (CLIPProcessor)
#: as ``processor_config.json`` alone, the image/video processor nested under its attribute name
PROCESSOR_FILES = ("video_preprocessor_config.json", "preprocessor_config.json", "processor_config.json")
COMPOSITE_PROCESSOR_FILE = "processor_config.json"
#: How ``BGSEmbedder`` reduces a backbone's tokens to one vector per clip (V-JEPA 2 has no CLS token, CLIP sees
#: frames one by one): token mean, the CLS token, or the per-frame pooled output averaged over time.
POOLINGS = ("mean", "cls", "frame-mean")

#: The normalisation of the checkpoints that use ImageNet's statistics, as a processor config writes it.
IMAGENET = {"image_mean": list(IMAGENET_MEAN), "image_std": list(IMAGENET_STD)}


@dataclass(frozen=True)
class Family:
    """Static facts about one model family (see module docstring)."""

    name: str
    model_types: tuple[str, ...]
    model_class: str
    input_key: str
    pooling: str
    lora_target: str  # regex, full match against module names relative to the backbone
    default_checkpoint: str
    frames_attr: str | None  # config attribute holding the frame count; None = image model
    image_attr: str
    tubelet_attr: str | None
    fixed_frames: bool  # the model breaks or silently interpolates on another frame count
    default_processor: dict[str, Any]  # the real checkpoint's processor config, used when none is found
    default_frames: int = 16  # image models (CLIP) only
    forward_kwargs: dict[str, Any] = field(default_factory=dict)
    tiny_config: dict[str, Any] = field(default_factory=dict)
    #: backbone submodules the embedder's forward never runs (``forward_kwargs`` skips them): kept frozen whatever
    #: LoRA's bias or full fine-tuning would make trainable, and refused as LoRA targets
    skipped_modules: tuple[str, ...] = ()


_TINY_VIT = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
             "image_size": 32, "patch_size": 8}

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            name="vjepa2",
            model_types=("vjepa2",),
            model_class="VJEPA2Model",
            input_key="pixel_values_videos",
            pooling="mean",
            # encoder only: the predictor has layers with the very same names under `predictor.`
            lora_target=r"encoder\.layer\.\d+\.(attention\.(query|key|value|proj)|mlp\.(fc1|fc2))",
            default_checkpoint="facebook/vjepa2-vitl-fpc64-256",
            frames_attr="frames_per_clip",
            image_attr="crop_size",
            tubelet_attr="tubelet_size",
            fixed_frames=False,  # RoPE: any multiple of the tubelet works
            default_processor={"size": {"shortest_edge": 292}, "crop_size": {"height": 256, "width": 256},
                               "do_center_crop": True, **IMAGENET},
            forward_kwargs={"skip_predictor": True},
            skipped_modules=("predictor",),
            tiny_config={"crop_size": 32, "frames_per_clip": 4, "tubelet_size": 2, "patch_size": 8,
                         "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "mlp_ratio": 2.0,
                         "pred_hidden_size": 32, "pred_num_hidden_layers": 1, "pred_num_attention_heads": 2,
                         "num_pooler_layers": 1},
        ),
        Family(
            name="timesformer",
            model_types=("timesformer",),
            model_class="TimesformerModel",
            input_key="pixel_values",
            pooling="cls",
            # divided space-time attention: spatial + temporal fused qkv, their outputs, MLP
            lora_target=(r"encoder\.layer\.\d+\.((temporal_)?attention\.attention\.qkv|(temporal_)?attention\.output"
                         r"\.dense|temporal_dense|intermediate\.dense|output\.dense)"),
            default_checkpoint="facebook/timesformer-base-finetuned-k400",
            frames_attr="num_frames",
            image_attr="image_size",
            tubelet_attr=None,
            fixed_frames=True,
            default_processor={"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224},
                               "do_center_crop": True, "image_mean": [0.45] * 3, "image_std": [0.225] * 3},
            tiny_config={**_TINY_VIT, "num_frames": 4},
        ),
        Family(
            name="videomae",
            model_types=("videomae",),
            model_class="VideoMAEModel",
            input_key="pixel_values",
            pooling="mean",
            # q/k/v are included; bgs_hf.models.patches makes sure they are really called (see there)
            lora_target=(r"encoder\.layer\.\d+\.(attention\.attention\.(query|key|value)|attention\.output\.dense"
                         r"|intermediate\.dense|output\.dense)"),
            default_checkpoint="MCG-NJU/videomae-base",
            frames_attr="num_frames",
            image_attr="image_size",
            tubelet_attr="tubelet_size",
            fixed_frames=True,
            default_processor={"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224},
                               "do_center_crop": True, **IMAGENET},
            tiny_config={**_TINY_VIT, "num_frames": 4, "tubelet_size": 2},
        ),
        Family(
            name="clip",
            model_types=("clip", "clip_vision_model"),
            model_class="CLIPVisionModel",
            input_key="pixel_values",
            pooling="frame-mean",
            # CLIPVisionModel holds only the vision tower; the optional prefix covers layouts that nest it
            lora_target=r"(vision_model\.)?encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.(fc1|fc2))",
            default_checkpoint="openai/clip-vit-base-patch32",
            frames_attr=None,
            image_attr="image_size",
            tubelet_attr=None,
            fixed_frames=False,
            default_processor={"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224},
                               "do_center_crop": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
                               "image_std": [0.26862954, 0.26130258, 0.27577711]},
            default_frames=8,
            tiny_config={**_TINY_VIT, "tiny_frames": 2},
        ),
        Family(
            name="bgs_conv3d",
            model_types=("bgs_conv3d",),
            model_class="BGSConv3dModel",
            input_key="pixel_values",
            pooling="mean",
            lora_target=r"blocks\.\d+\.conv",
            default_checkpoint="bgs-tiny-conv3d-fg",  # bundled; there is no Hub checkpoint of this family
            frames_attr="num_frames",
            image_attr="image_size",
            tubelet_attr=None,
            fixed_frames=False,  # fully convolutional + global pooling: any frame count
            default_processor={"size": {"shortest_edge": 64}, "crop_size": {"height": 64, "width": 64},
                               "do_center_crop": True, **IMAGENET},
            tiny_config={"widths": [8, 16], "temporal_strides": [1, 2], "num_frames": 4, "image_size": 32},
        ),
    )
}

_BY_MODEL_TYPE = {mt: f for f in FAMILIES.values() for mt in f.model_types}


def list_families() -> list[str]:
    """Every accepted short name: families, their tiny-random forms and the bundled backbones."""
    return [*FAMILIES, *(TINY_PREFIX + f for f in FAMILIES), *BUNDLED]


@dataclass
class BackboneSpec:
    """A resolved backbone: family facts plus the checkpoint's own config and processor settings."""

    family: str
    name: str  # as the user gave it (family names become the default checkpoint id, local folders absolute)
    source: str  # "hub" | "local" | "tiny-random" | "bundled"
    model_class: str
    input_key: str
    pooling: str
    lora_target: str
    forward_kwargs: dict[str, Any]
    num_frames: int
    image_size: int
    tubelet_size: int
    fixed_frames: bool
    processor_config: dict[str, Any]
    path: str | None = None  # local folder (local / bundled)
    trust_remote_code: bool = False
    config: Any = field(default=None, repr=False)  # transformers PretrainedConfig
    #: the Hub commit the spec was resolved at: a saved run reloads that base, not whatever the repo holds later
    revision: str | None = None
    #: the checkpoint's own frame count when the user opted into time-embedding interpolation (else None)
    frames_interpolated_from: int | None = None
    #: read from a saved model's ``base/`` (a pushed model's ``--include-base`` base: a local folder or a Hub snapshot,
    #: recorded by name and revision only): a save writes ``base/`` again, or its record named no loadable base
    shipped_base: bool = False

    @property
    def hidden_size(self) -> int:
        return int(self.config.hidden_size)

    @property
    def num_layers(self) -> int:
        return int(self.config.num_hidden_layers)

    @property
    def skipped_modules(self) -> tuple[str, ...]:
        """The backbone submodules the embedder's forward never runs (:attr:`Family.skipped_modules`)."""
        family = FAMILIES.get(self.family)
        return family.skipped_modules if family is not None else ()

    def frame_policy(self, num_frames: int | None = None) -> FramePolicy:
        """The checkpoint's preprocessing as a FramePolicy; frames come from the model config."""
        frames = self.num_frames if num_frames is None else checked_num_frames(num_frames)
        policy = processor_policy(self.processor_config, self.name, num_frames=frames)
        if policy.crop != self.image_size:
            logger.warning("%s: processor crop %d != model image size %d; using the model's size",
                           self.name, policy.crop, self.image_size)
            policy = FramePolicy.from_dict({**policy.to_dict(), "crop": self.image_size,
                                            "size": max(policy.size, self.image_size)})
        return policy

    def check_frames(self, num_frames: int) -> None:
        """Refuse frame counts the model would silently interpolate or mis-reshape (TimeSformer, VideoMAE), or could
        tell nothing from (one frame of a foreground stream). A :class:`BGSInputError` (a ``ValueError``), as the
        project refuses user input: a clip of 5 frames passed to ``rollout_maps`` (its forward's check) raised a bare
        ``ValueError`` where building the model raised the same line as BGSInputError, and the attention analysis,
        which notes a model's BGSInputError and runs the others, stopped."""
        num_frames = checked_num_frames(num_frames)  # 0 passed V-JEPA 2's tubelet check (0 is a multiple of any)
        if num_frames == 1 and getattr(self.config, "input_stream", "rgb") == "foreground":
            raise BGSInputError(f"{self.name}: 1 frame per clip, but its foreground stream is each frame's "
                                "difference from the clip's median frame, which one frame has none of (every clip "
                                "embeds alike); sample 2 or more (train: --num_frames)")
        if self.fixed_frames and self.num_frames % self.tubelet_size:  # no count fits: its own ends in part of one
            self._refuse_part_tubelet(self.num_frames)
        if self.fixed_frames and num_frames != self.num_frames:
            if self.family in INTERPOLATING_FAMILIES:
                why = "the model would silently interpolate its time embeddings"
                hint = " or opt in with interpolate_frames=True (train: --interpolate_frames)"
            else:  # VideoMAE: a fixed position table, so another count is a shape error deep in its forward
                why = "its position embeddings are fixed to that count and cannot be interpolated"
                hint = ""
            # the count to pass is named: "use its frame policy" left a user to dig it out of the config
            raise BGSInputError(f"{self.name} ({self.family}) was built for {self.num_frames} frames but got "
                                f"{num_frames}: {why}. Sample {self.num_frames} (its config's; train: --num_frames "
                                f"{self.num_frames}, or leave it out){hint}.")
        if 0 < num_frames < self.tubelet_size:  # V-JEPA 2's forward repeats them to fill one, without a word
            raise BGSInputError(f"{self.name}: {num_frames} frame{'s' if num_frames > 1 else ''} per clip, fewer "
                                f"than its tubelet of {self.tubelet_size} frames (a shorter input is repeated to fill "
                                f"one tubelet: a still image, not a clip); sample a multiple of {self.tubelet_size} "
                                "(train: --num_frames)")
        if num_frames % self.tubelet_size and self.tubelet_size > 1:
            self._refuse_part_tubelet(num_frames)

    def _refuse_part_tubelet(self, num_frames: int) -> NoReturn:
        """Refuse a frame count that ends in part of a tubelet, naming the count to use. Why: the patch embedding
        drops those frames without a word; a fixed-frames model (VideoMAE) whose own config count ends so was told
        that count is no multiple and, at the multiple below it, that it was built for its own: no count was named."""
        t = self.tubelet_size
        whole = num_frames - num_frames % t
        dropped = f"its patch embedding drops the last {count(num_frames - whole, 'frame')} without a word"
        if self.fixed_frames:  # its own count, whatever was asked: its position table holds `whole` frames' tokens
            attr = FAMILIES[self.family].frames_attr if self.family in FAMILIES else "num_frames"
            if not whole:  # a hand-edited count below one tubelet was told "set num_frames to 0", which nothing builds
                raise BGSInputError(f"{self.name}: its config's {attr} ({num_frames}) is fewer than its tubelet size {t} "
                                    f"(its patch embedding makes no token of it); set {attr} to {t} or another multiple "
                                    f"of {t} in its config.json")
            raise BGSInputError(f"{self.name}: its config's {attr} ({num_frames}) is not a multiple of its tubelet size "
                                f"{t} ({dropped}, and its position embeddings are those of {whole} frames); set {attr} "
                                f"to {whole} in its config.json")
        raise BGSInputError(f"{self.name}: {num_frames} frames is not a multiple of tubelet size {t} ({dropped}); sample "
                            f"{whole} or {whole + t} (train: --num_frames)")

    def with_interpolated_frames(self, num_frames: int) -> BackboneSpec:
        """This spec taking ``num_frames`` per clip by interpolating the checkpoint's time embeddings.

        Why an opt-in: transformers' TimeSformer resizes its time embeddings (nearest neighbour) whenever the
        frame count differs from its config, without a word, so we refuse that by default; the paper's 16-frame
        TimeSformer-k400 (an 8-frame checkpoint) relied on it. The spec records the checkpoint's own count, so a
        saved run reloads with the same frames and its card can say so; the weights are untouched (the
        interpolation happens in every forward). The layers, which transformers reshapes by the config's count, are
        set to this one when the backbone loads (:func:`~bgs_hf.models.patches.set_timesformer_frames`), so load
        the base with ``load_base``, not a plain ``TimesformerModel.from_pretrained``.
        """
        num_frames = checked_num_frames(num_frames)  # the count itself before what the family can do with it
        if num_frames == self.num_frames or not self.fixed_frames:
            return self
        if self.family not in INTERPOLATING_FAMILIES:
            raise BGSInputError(f"{self.name} ({self.family}) cannot interpolate its frame count: it was built for "
                                f"{self.num_frames} frames, got {num_frames}")
        logger.warning("%s: %d frames per clip, its time embeddings interpolated from the checkpoint's %d",
                       self.name, num_frames, self.num_frames)
        own = self.frames_interpolated_from or self.num_frames
        # still fixed_frames: the layers are set to this count (set_timesformer_frames) and take no other
        return dataclasses.replace(self, num_frames=num_frames,
                                   frames_interpolated_from=None if num_frames == own else own)

    def load_backbone(self) -> nn.Module:
        """Instantiate the transformers model: from ``path`` when set (local, bundled, a run's ``base/``),
        else a tiny-random model from seed 0, else ``from_pretrained(name)`` (Hub)."""
        cls = model_class(self.model_class)
        if self.source == "tiny-random" and self.path is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                model = cls(self.config)
        else:
            model = self._load_checkpoint(cls)
        from bgs_hf.models.patches import apply_patches

        apply_patches(model, self.family, num_frames=self.num_frames if self.frames_interpolated_from else None)
        return model

    def _load_checkpoint(self, cls: type) -> nn.Module:
        """The checkpoint's weights, from ``path`` or the Hub commit the spec was resolved at; refused in one line
        unless they fill the model, and the weights it has beyond the backbone said in one line, not transformers'
        multi-row report."""
        location = self.path if self.path is not None else self.name
        # mismatched shapes are ignored here only so that we, not transformers' multi-line report, say what is
        # wrong; either way the model is refused below
        hub: dict[str, Any] = {"revision": self.revision} if self.path is None and self.revision else {}
        if self.path is None and hub_unreachable() is not None:  # the cached weights, without retries
            hub["local_files_only"] = True
        with _LoadReportFilter() as held:
            try:
                model, info = cls.from_pretrained(location, config=self.config,
                                                  trust_remote_code=self.trust_remote_code, use_safetensors=True,
                                                  output_loading_info=True, ignore_mismatched_sizes=True, **hub)
            except BaseException as err:
                held.release()  # transformers' error points at its report
                if isinstance(err, OSError) and any(m in str(err) for m in _NO_SAFETENSORS):
                    raise _no_safetensors(self.name, self.revision if self.path is None else None,
                                          folder=self.path) from None
                if self.path is not None and _unbuildable_config(err):
                    # a local folder's config.json the model cannot be built from (heads not dividing the hidden
                    # size, a patch size of 0, an unknown hidden_act): was transformers' traceback, naming no file
                    first = str(err).splitlines()[0][:200] if str(err) else ""
                    raise BGSInputError(f"cannot build {self.model_class} from its config.json "
                                        f"({type(err).__name__}: {first})", path=self.path, whole=True) from None
                raise
        _check_loaded_weights(self.name, info, path=self.path)
        unused = sorted(info.get("unexpected_keys") or [])
        if unused:
            logger.info("%s: %s not used by %s %s left out (first: %s): another tower, a decoder or a task head",
                        self.name, count(len(unused), "checkpoint weight"), self.model_class,
                        agree(len(unused), "was", "were"), unused[0])
        if self.family == "videomae" and model.layernorm is None and any(k.startswith("fc_norm.") for k in unused):
            # VideoMAE with use_mean_pooling (its fine-tuned classifiers): the final LayerNorm is the head's
            logger.warning("%s: its fc_norm (the LayerNorm after mean pooling) is in the classification head, "
                           "which is left out, and %s has no final LayerNorm: the clip embedding is the mean of "
                           "un-normalised tokens (pretraining checkpoints such as MCG-NJU/videomae-base end in "
                           "a LayerNorm)", self.name, self.model_class)
        return model

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description recorded in ``bgs_config.json``."""
        return {
            "family": self.family, "name": self.name, "source": self.source, "model_class": self.model_class,
            "input_key": self.input_key, "pooling": self.pooling, "lora_target": self.lora_target,
            "forward_kwargs": dict(self.forward_kwargs), "num_frames": self.num_frames,
            "image_size": self.image_size, "tubelet_size": self.tubelet_size, "fixed_frames": self.fixed_frames,
            "processor_config": dict(self.processor_config), "trust_remote_code": self.trust_remote_code,
            "revision": self.revision, "frames_interpolated_from": self.frames_interpolated_from,
        }


#: what transformers' error says when a checkpoint has no safetensors weights, from a folder or from the Hub (its
#: "Please do not set `use_safetensors=True`" names a flag the user never set: bgs-hf loads no pickle)
_NO_SAFETENSORS = ("does not appear to have a file named model.safetensors", "no file named model.safetensors")


#: pickled weights transformers would load from a folder, were safetensors not asked for
_PICKLED_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")


def _no_safetensors(name: str, revision: str | None, *, folder: str | None = None) -> BGSInputError:
    """One line for a checkpoint with pickled weights only (``pytorch_model.bin``, older Hub repos). No backbone
    revision can be chosen (the commit main points at is pinned, so the conversion bot's safetensors pull request,
    which transformers takes on main, is not used): the way out is a folder, which needs the processor too, or its
    frames get the family's default preprocessing. A local ``folder`` with no weights at all (config.json copied
    alone) was told to convert the pickled weights it does not have."""
    if folder is not None and not any((Path(folder) / f).is_file() for f in _PICKLED_WEIGHTS):
        return BGSInputError("no model.safetensors (nor pytorch_model.bin) in this backbone folder: its config.json "
                             "describes a model whose weights are not there; pass the whole folder save_pretrained "
                             "wrote", path=folder, whole=True)
    at = f" at Hub commit {revision} (a safetensors copy in a Hub pull request is not used)" if revision else ""
    return BGSInputError(f"{name} has no model.safetensors{at}, and bgs-hf loads no pickled weights "
                         "(pytorch_model.bin): use a checkpoint with safetensors weights, or convert this one: load it "
                         "with transformers, save_pretrained the model and its processor (AutoProcessor) to one folder "
                         "and pass the folder")


class _LoadReportFilter(logging.Filter):
    """Holds back transformers' multi-row "LOAD REPORT" while a backbone loads. Its rows are weights the checkpoint
    has beyond the backbone (CLIP's text tower, VideoMAE-base's decoder, TimeSformer-k400's classifier), which is
    expected and said in one line, or missing / mis-shaped weights, which :func:`_check_loaded_weights` refuses."""

    _LOGGER = "transformers.modeling_utils"

    def __init__(self) -> None:
        super().__init__()
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if "LOAD REPORT" in str(record.msg):
            self.held.append(record)
            return False
        return True

    def release(self) -> None:
        """Emit what was held (when loading failed, transformers' error refers to its report)."""
        target = logging.getLogger(self._LOGGER)
        target.removeFilter(self)
        for record in self.held:
            target.handle(record)
        self.held = []

    def __enter__(self) -> _LoadReportFilter:
        logging.getLogger(self._LOGGER).addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger(self._LOGGER).removeFilter(self)


def _check_loaded_weights(name: str, info: dict[str, Any], *, path: str | None) -> None:
    """Refuse a checkpoint that does not fill the model: the weights left out (or of another shape) would stay at
    their random init and every embedding would be garbage, without an error. Hub checkpoints too: a repo whose
    config names a supported family but whose weights are another architecture's loaded silently.
    (transformers < 5.5.1 read VideoMAE's q/v biases under other names and left them uninitialised: NaN.)
    ``path`` (a local folder) is named whole: a saved run's is its ``base/``, which every run has; once, where it is
    the backbone's ``name`` too (a folder passed as the backbone was named twice, ``F: 62 weights of F were ...``)."""
    path = None if path == name else path
    mismatched = sorted(info.get("mismatched_keys") or [], key=lambda m: m[0])
    if mismatched:
        key, have, want = mismatched[0]
        raise BGSInputError(
            f"{count(len(mismatched), 'weight')} of {name} {agree(len(mismatched), 'has', 'have')} another shape "
            "in its checkpoint than its config gives "
            f"(first: {key} {tuple(have)} vs {tuple(want)}): the weights are not the architecture config.json "
            "describes", path=path, whole=True)
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise BGSInputError(
            f"{count(len(missing), 'weight')} of {name} {agree(len(missing), 'was', 'were')} not in its checkpoint "
            "as transformers "
            f"{transformers.__version__} names them (first: {missing[0]}): another architecture's checkpoint, or "
            "one saved with another transformers version (bgs-hf needs >= 5.5.1)", path=path, whole=True)


def model_class(name: str) -> type:
    """The model class called ``name``: one of bgs-hf's own (:data:`OWN_MODEL_CLASSES`) or transformers'."""
    if name in OWN_MODEL_CLASSES:
        return getattr(importlib.import_module(OWN_MODEL_CLASSES[name]), name)
    return getattr(transformers, name)


def config_class(family: Family) -> type:
    """The transformers config class of a family's model (a saved run's config is rebuilt with it)."""
    return model_class(family.model_class).config_class


def _tiny_config(family: Family) -> Any:
    """The config of a ``tiny-random-<family>`` model (``tiny_frames`` is the registry's, not the config's)."""
    kw = {k: v for k, v in family.tiny_config.items() if k != "tiny_frames"}
    return config_class(family)(**kw)


def _read_processor_file(p: Path, repo_id: str | None = None) -> dict[str, Any] | None:
    """A processor config file; one that is not JSON is refused, never taken for absent (the family's defaults
    would then preprocess every clip). Of a composite ``processor_config.json``, the video or image processor in it
    (``None`` when it holds neither: a tokenizer-only processor)."""
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:  # a damaged file: the codec's message named no file
        raise BGSInputError(f"not UTF-8 text (byte {err.start})" + (f" (Hub repo {repo_id})" if repo_id else ""),
                            path=p) from None
    except json.JSONDecodeError as err:
        raise BGSInputError(f"invalid JSON: {err}" + (f" (Hub repo {repo_id})" if repo_id else ""), path=p) from err
    if p.name != COMPOSITE_PROCESSOR_FILE:
        if not isinstance(raw, dict):  # a number or list: "'int' object is not iterable" from deep in FramePolicy
            raise BGSInputError(f"not a processor config (a JSON object), got {type(raw).__name__}"
                                + (f" (Hub repo {repo_id})" if repo_id else ""), path=p)
        return raw
    nested = [raw.get(k) for k in ("video_processor", "image_processor")] if isinstance(raw, dict) else []
    return next((n for n in nested if isinstance(n, dict)), None)


def _read_local_processor(folder: Path) -> dict[str, Any] | None:
    """A folder's processor config, the first of :data:`PROCESSOR_FILES` it has (``None``: the family's defaults)."""
    for fname in PROCESSOR_FILES:
        p = folder / fname
        if p.is_file():
            return _read_processor_file(p)
    return None


def _hub_commit(repo_id: str, *, local_files_only: bool = False) -> str | None:
    """The commit ``main`` of a Hub repo points at now (from the cached or downloaded config.json's snapshot)."""
    from huggingface_hub import hf_hub_download
    from transformers.utils.hub import extract_commit_hash

    try:
        return extract_commit_hash(hf_hub_download(repo_id, "config.json", local_files_only=local_files_only), None)
    except Exception:  # noqa: BLE001 - the config itself was just read: an unpinned spec is the fallback
        logger.warning("%s: cannot tell which Hub commit this is; a saved run will reload the newest one", repo_id)
        return None


def _read_hub_processor(repo_id: str, revision: str | None, *, local_files_only: bool = False) -> dict[str, Any] | None:
    """A Hub repo's processor config at ``revision``, the first of :data:`PROCESSOR_FILES` it has (``None``: the
    family's defaults)."""
    from huggingface_hub import hf_hub_download

    for fname in PROCESSOR_FILES:
        try:
            path = Path(hf_hub_download(repo_id, fname, revision=revision, local_files_only=local_files_only))
        except Exception:  # noqa: BLE001 - missing file or offline: try the next, then fall back
            continue
        return _read_processor_file(path, repo_id)
    return None


def _detect_family(model_type: str, where: str) -> Family:
    """The family of a config's ``model_type``; one line naming ``where`` the config is and the supported types."""
    fam = _BY_MODEL_TYPE.get(model_type)
    if fam is None:
        raise BGSInputError(
            f"unsupported backbone model_type {model_type!r} in {where}; supported: {sorted(_BY_MODEL_TYPE)}"
        )
    return fam


def _scaled_default_processor(family: Family, image_size: int) -> dict[str, Any]:
    """The family's real checkpoint processor (:attr:`Family.default_processor`) scaled to a model's input size, for
    a model that has no processor config (tiny-random, bare configs): the same short side to crop ratio."""
    default = family.default_processor
    ratio = default["size"]["shortest_edge"] / default["crop_size"]["height"]
    return {**default, "size": {"shortest_edge": round(image_size * ratio)},
            "crop_size": {"height": image_size, "width": image_size}}


def _spec(family: Family, name: str, source: str, config: Any, processor: dict[str, Any] | None,
          path: str | None, trust_remote_code: bool) -> BackboneSpec:
    """A spec from a family and a checkpoint's config and processor config, refusing what bgs-hf cannot run right.
    Frames, image and tubelet sizes are read where the family keeps them in its config; an image model (CLIP) has no
    frame count there and takes the family's (its ``tiny_frames`` for tiny-random)."""
    if family.frames_attr is None:
        frames = int(family.tiny_config.get("tiny_frames", 2)) if source == "tiny-random" else family.default_frames
    else:
        frames = int(getattr(config, family.frames_attr))
    image = getattr(config, family.image_attr)
    image = int(image[0] if isinstance(image, (list, tuple)) else image)
    tubelet = int(getattr(config, family.tubelet_attr)) if family.tubelet_attr else 1
    for attr, value in ((family.frames_attr, frames), (family.image_attr, image), (family.tubelet_attr, tubelet)):
        if attr is not None and value < 1:  # a tubelet of 0 was a ZeroDivisionError, 0 frames blamed on the processor
            raise BGSInputError(f"{name}: its config's {attr} is {value}; a {family.name} model needs 1 or more")
    if processor is None:
        processor = _scaled_default_processor(family, image)
        if source in ("hub", "local"):
            logger.warning("%s: no processor config found; using %s defaults", name, family.name)
    _check_unnormalisation(config, processor, name)
    if family.name == "timesformer" and getattr(config, "attention_type", None) == "space_only":
        raise BGSInputError(f"{name}: TimeSformer with attention_type 'space_only' is not supported: it runs each "
                            "frame as its own sequence, one CLS per frame (a clip gave one embedding per frame); "
                            "use a divided_space_time or joint_space_time checkpoint")
    return BackboneSpec(
        family=family.name, name=name, source=source, model_class=family.model_class,
        input_key=family.input_key, pooling=family.pooling, lora_target=family.lora_target,
        forward_kwargs=dict(family.forward_kwargs), num_frames=frames, image_size=image, tubelet_size=tubelet,
        fixed_frames=family.fixed_frames, processor_config=processor, path=path,
        trust_remote_code=trust_remote_code, config=config,
    )


def warn_if_frames_repeat(path: str | os.PathLike[str] | None, num_frames: int, spec: Any, *,
                          clip: str = "a training clip", as_built: bool = False) -> bool:
    """One warning when ``num_frames`` sampled per clip are more than the clip at ``path`` holds, naming a count that
    fits; True when it warned. Why: decoding fills the count by repeating frames without a word, so the V-JEPA 2
    fpc64 checkpoint (64 frames) on 16-frame SocialShapes clips ran on each frame four times: four times the compute
    and memory, and each 2-frame tubelet one frame twice, which pretraining never showed it. Training and evaluation
    probe their first clip (their clips are one set, of one length as a rule); :func:`warn_if_any_frames_repeat` is
    the check of the clips a library call embeds (``embed_paths``, the pixel baseline), and the Space's answers say
    it of an upload from the count its decode worker reports (it opens no upload itself). ``clip`` says which clip
    it is, ``as_built`` that the model's count is its own (a run, a model object), so the count that fits is one to
    train it with."""
    return warn_if_any_frames_repeat([path], num_frames, spec, clip=clip, as_built=as_built)


def processor_policy(processor: dict[str, Any], name: str, *, num_frames: int | None = None) -> FramePolicy:
    """A checkpoint's processor config as a FramePolicy; one line naming the backbone when a value cannot be read
    (``"size": {"shortest_edge": "a"}``, ``"crop_size": 0``, ``"image_std": null`` were an ``int()`` or FramePolicy
    ValueError with no word of which file)."""
    try:
        return FramePolicy.from_processor_config(processor, num_frames=num_frames)
    except (TypeError, ValueError) as err:
        raise BGSInputError(f"{name}: its processor config cannot be read ({err})") from None


def _check_unnormalisation(config: Any, processor: dict[str, Any], name: str) -> None:
    """A model that undoes the processor's normalisation inside (``bgs_conv3d`` with a foreground stream) must
    agree with the processor, or its stream would be computed from wrongly scaled frames without any error."""
    if getattr(config, "input_stream", "rgb") == "rgb":
        return
    # what the frames will really be normalised with (do_normalize false or missing keys included)
    policy = processor_policy(processor, name)
    for model_key, policy_key in (("pixel_mean", "mean"), ("pixel_std", "std")):
        want, have = getattr(config, model_key), getattr(policy, policy_key)
        if not np.allclose(want, have):
            raise BGSInputError(f"{name}: the processor normalises with {policy_key} {list(have)} but the model "
                                f"undoes {model_key} {want} before its foreground stream (check do_normalize and "
                                "image_mean/image_std in preprocessor_config.json)")


def _saved_base_name(folder: Path) -> str:
    """``", 'bgs-tiny-conv3d-fg',"`` for a saved model whose bgs_config.json names its base, else ``""``."""
    try:
        name = json.loads((folder / BGS_CONFIG).read_text(encoding="utf-8"))["backbone"]["name"]
    except (OSError, ValueError, KeyError, TypeError):  # unreadable, or not a bgs-hf config: the base goes unnamed
        return ""
    return f", {name!r}," if isinstance(name, str) else ""


def _unbuildable_config(err: BaseException) -> bool:
    """Whether building a model from a local folder failed on a value of its config.json (transformers checks some
    only in the model's constructor, and divides or looks up by others), not on our own code's one-line refusal."""
    return isinstance(err, (ValueError, KeyError, ArithmeticError)) and not isinstance(err, BGSInputError)


def _from_folder(folder: Path, name: str, source: str, trust_remote_code: bool,
                 given: str | None = None) -> BackboneSpec:
    """A spec of a transformers folder (a local one or a bundled backbone), its family read from ``config.json``.
    ``given``: the folder as the user typed it, which a folder that is no backbone is named by (``runs/ss/eval``,
    not ``eval``, one of many)."""
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        if (folder / BGS_CONFIG).is_file():  # a run or a staged adapter, given to train on from there
            raise BGSInputError(f"a saved BGS model ({BGS_CONFIG}: LoRA adapter and head), not a backbone: pass the "
                                f"base it was trained from{_saved_base_name(folder)} as the backbone "
                                "(`--resume_from_checkpoint` goes on with a run in its own --output_dir; "
                                "`bgs_hf.load_model` loads the model)", path=folder if given is None else given, whole=True)
        raise BGSInputError("no config.json in backbone folder", path=folder if given is None else given, whole=True)
    try:
        raw = json.loads(cfg_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:  # a damaged file: the codec's message named no file
        raise BGSInputError(f"not UTF-8 text (byte {err.start})", path=cfg_path) from None
    except json.JSONDecodeError as err:
        raise BGSInputError(f"invalid JSON: {err}", path=cfg_path) from err
    if not isinstance(raw, dict):  # a list or number: "'list' object has no attribute 'get'"
        raise BGSInputError(f"not a model config (a JSON object), got {type(raw).__name__}", path=cfg_path)
    family = _detect_family(str(raw.get("model_type")), str(cfg_path))
    try:
        config = config_class(family).from_pretrained(str(folder))
    except (StrictDataclassError, ValueError) as err:  # neither names the file: a field of another type
        # (transformers' multi-line report), a value the config's own checks refuse (bgs_conv3d's input_stream, an
        # even kernel_size: was a ValueError traceback)
        raise BGSInputError(f"not a valid {family.name} config ({' '.join(str(err).split())})", path=cfg_path) from None
    return _spec(family, name, source, config, processor=_read_local_processor(folder), path=str(folder),
                 trust_remote_code=trust_remote_code)


def bundled_path(name: str) -> Path:
    """Folder of a bundled backbone; a clear error when its weights were not produced/installed."""
    folder = ASSETS_DIR / name
    if not (folder / "config.json").is_file() or not (folder / "model.safetensors").is_file():
        raise BGSInputError(
            f"bundled backbone {name!r} is missing (expected config.json and model.safetensors in {folder}); "
            "build it with `bgs-hf pretrain-tiny` or use a tiny-random-<family> / Hub backbone"
        )
    return folder


def _unknown_name(name: str) -> BGSInputError:
    """A name with no slash that resolved to nothing: the registry name it most likely meant, and all of them."""
    from bgs_hf._format import did_you_mean

    hint = did_you_mean(name, list_families())
    return BGSInputError(f"backbone {name!r} is neither a registry name nor a folder here{hint}; registry names: "
                         f"{list_families()}; a Hub model is named ORG/NAME")


def get_backbone_spec(name_or_path: str | os.PathLike[str], *, trust_remote_code: bool = False) -> BackboneSpec:
    """Resolve a family name, ``tiny-random-<family>``, a bundled backbone (:data:`BUNDLED`), local folder or Hub id."""
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise BGSInputError(f"backbone must be a family name, Hub id or local folder, got {type(name_or_path).__name__}"
                            "; save a model object first with model.save_pretrained(folder) and pass the folder")
    name = str(name_or_path)
    if not name:  # Path("") is the working folder: its name in the error, or the model there loaded, unasked
        raise _unknown_name(name)
    if name in FAMILIES:
        name = FAMILIES[name].default_checkpoint
    if name.startswith(TINY_PREFIX):
        fam = FAMILIES.get(name[len(TINY_PREFIX):])
        if fam is None:
            raise BGSInputError(f"unknown tiny backbone {name!r}; choose from {[TINY_PREFIX + f for f in FAMILIES]}")
        return _spec(fam, name, "tiny-random", _tiny_config(fam), processor=None, path=None, trust_remote_code=False)
    if name in BUNDLED:
        return _from_folder(bundled_path(name), name, "bundled", trust_remote_code)
    if expand_user(name).is_dir():
        folder = expand_user(name).resolve()
        return _from_folder(folder, str(folder), "local", trust_remote_code, given=name)
    if looks_like_a_path(name):
        what = ("is a file, not a backbone folder" if expand_user(name).exists()
                else f"no such backbone folder{sibling_folder_hint(name)}")  # 'runs\\ss' for runs/ss
        raise BGSInputError(f"{name}: {what} (and not a Hub id); known names: {list_families()}")
    if "/" in name and (why := hub_id_problem(name)) is not None:  # a bare name stays a mistyped registry name
        raise BGSInputError(f"backbone {name!r} is neither a folder here nor a Hub model id (ORG/NAME): {why}")
    return _from_hub(name, trust_remote_code)


def _from_hub(name: str, trust_remote_code: bool) -> BackboneSpec:
    """A spec of a Hub model, pinned to the commit ``main`` points at now; offline, from the local cache alone, so a
    model cached earlier still loads without a minute of retries."""
    unreachable = hub_unreachable()
    try:
        raw = transformers.AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code,
                                                      local_files_only=unreachable is not None)
    except Exception as err:  # noqa: BLE001 - offline, unknown repo, gated: one clear line
        _refuse_hub_name(name, err, unreachable)
    if unreachable is not None:
        logger.warning("%s: %s cannot be reached; using the cached copy (HF_HUB_OFFLINE=1 skips the network)",
                       name, unreachable)
    family = _detect_family(str(raw.model_type), name)
    cached = unreachable is not None  # every further lookup from the cache too: each one retried for 23 s
    revision = _hub_commit(name, local_files_only=cached)
    pin = {"revision": revision} if revision else {}
    config = config_class(family).from_pretrained(name, trust_remote_code=trust_remote_code,
                                                   local_files_only=cached, **pin)
    spec = _spec(family, name, "hub", config, processor=_read_hub_processor(name, revision, local_files_only=cached),
                 path=None, trust_remote_code=trust_remote_code)
    spec.revision = revision
    return spec


def _refuse_hub_name(name: str, err: Exception, unreachable: str | None) -> NoReturn:
    """One line for a name the Hub lookup could not resolve, saying what to do: a mistyped registry name, a model
    to download where there is network, or the Hub's own reason; and where the name's owner is a folder here, that
    it may be a mistyped folder. Called while ``err`` is handled, so the Hub's error stays its context."""
    if "/" not in name:  # no Hub id (ORG/NAME): a mistyped registry name, never something to download
        raise _unknown_name(name) from None
    typo = mistyped_folder_hint(name)
    config = cached_hub_file(name, "config.json") if unreachable is not None or constants.HF_HUB_OFFLINE else None
    if config is False:  # was told to `hf download` it, which fetches the same repo without a config.json again
        raise BGSInputError(
            f"cannot resolve backbone {name!r}: the local Hugging Face cache records that the Hub repo has no "
            f"config.json: not a transformers backbone; pass a local folder written by save_pretrained{typo}") from None
    if unreachable is not None:
        raise BGSInputError(
            f"backbone {name!r} is not a folder here, not in the local Hugging Face cache, and {unreachable} "
            f"cannot be reached (offline?): {download_advice(name)}, or pass a local folder written by "
            f"save_pretrained{typo}") from None
    if constants.HF_HUB_OFFLINE and config is None:  # a cached config that failed keeps its own reason
        # was "not one of [the registry names] ... the Hub lookup failed (OSError: We couldn't connect ...)" for
        # `--backbone vjepa2` itself, with no word of what to do
        raise BGSInputError(
            f"cannot resolve backbone {name!r}: not a folder here, and not in the local Hugging Face cache while "
            f"HF_HUB_OFFLINE is set: {download_advice(name)}, or pass a local folder written by "
            f"save_pretrained{typo}") from None
    raise BGSInputError(
        f"cannot resolve backbone {name!r}: not one of {list_families()}, not a local folder, and the Hub "
        f"lookup failed ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}){typo}"
    ) from err


def spec_from_dict(d: dict[str, Any], config: Any, *, path: str | None = None) -> BackboneSpec:
    """Rebuild a spec recorded by :meth:`BackboneSpec.to_dict` around an already loaded config."""
    return BackboneSpec(
        family=d["family"], name=d["name"], source=d["source"], model_class=d["model_class"],
        input_key=d["input_key"], pooling=d["pooling"], lora_target=d["lora_target"],
        forward_kwargs=dict(d.get("forward_kwargs", {})), num_frames=int(d["num_frames"]),
        image_size=int(d["image_size"]), tubelet_size=int(d.get("tubelet_size", 1)),
        fixed_frames=bool(d.get("fixed_frames", False)), processor_config=dict(d.get("processor_config", {})),
        path=path, trust_remote_code=bool(d.get("trust_remote_code", False)), config=config,
        revision=d.get("revision"), frames_interpolated_from=d.get("frames_interpolated_from"),
    )
