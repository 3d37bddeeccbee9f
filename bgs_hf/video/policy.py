"""The one frame-sampling and preprocessing policy shared by training, evaluation and the Space.

A model records its ``FramePolicy`` at save time; every consumer rebuilds clips from it, so a clip
looks the same to the trainer, the evaluator and the demo.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bgs_hf._format import agree, count
from bgs_hf.errors import BGSInputError, finite_number, whole_number

logger = logging.getLogger(__name__)

#: ImageNet normalisation: the frame policy's default, and the constants `VideoMAEForPreTraining` uses to
#: un-normalise its reconstruction targets (pretraining uses these, so pixel targets stay exact).
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

SAMPLING_MODES = ("uniform",)

_HALF = {"image_mean": [0.5] * 3, "image_std": [0.5] * 3}  # transformers' IMAGENET_STANDARD_MEAN/STD
_IMAGENET = {"image_mean": list(IMAGENET_MEAN), "image_std": list(IMAGENET_STD)}
_OPENAI_CLIP = {"image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}
#: transformers' class defaults of ``image_mean``/``image_std`` for the processors the supported backbones' configs
#: name (``image_processor_type`` or ``video_processor_type``). A config that leaves them out is normalised by
#: transformers with its class's values, so it is here too: ImageNet's for a CLIP or VideoMAE config without
#: ``image_mean`` fed the model other inputs than transformers does, without a word. (Sizes left out keep this
#: policy's rules, but V-JEPA 2's, which transformers derives from the crop: see ``_vjepa2_sizes``; transformers would
#: pad a 64-px frame to its class's 224-px crop.) Checked against transformers in tests/test_video_policy.py.
PROCESSOR_DEFAULTS: dict[str, dict[str, list[float]]] = {
    "VideoMAEImageProcessor": _HALF,
    "VideoMAEImageProcessorPil": _HALF,
    "VideoMAEVideoProcessor": _HALF,
    "TimesformerVideoProcessor": _IMAGENET,
    "VJEPA2VideoProcessor": _IMAGENET,
    "CLIPImageProcessor": _OPENAI_CLIP,
    "CLIPImageProcessorPil": _OPENAI_CLIP,
    "CLIPImageProcessorFast": _OPENAI_CLIP,  # transformers 4.x's name, in the configs it saved
}

# Bump when decode_frames' output for the same (file, num_frames, size) changes, or what it accepts: it is part of
# every ClipCache key, so stale cache entries are never read after an algorithm change. 2: still images and
# cover-art-only audio are refused (version 1 caches served them as clips). 3: an h264/HEVC AVI with B-frames is
# sampled by its frames' presentation order (version 2 took its decode-order stamps for times, skipping frames).
# 4: partly transparent frames (an alpha channel, a WebM's too) are refused (version 3 served the colour under them).
# 5: non-square pixels (a sample aspect ratio) are shown at their shown width (version 4 served stretched frames), and
# a clip whose head cannot be decoded (no keyframe before it) is sampled over the frames shown (version 4 took its first
# frame shown for every sample in that head), and a display matrix that mirrors the picture is applied as FFmpeg applies
# it (version 4 turned a left-right mirror upside down and ignored a top-bottom one). 6: a clip of one frame shown (a
# still image in a video container) is refused (version 5 served it as that frame repeated).
DECODER_VERSION = 6


def checked_num_frames(value: Any, what: str = "num_frames") -> int:
    """``value`` frames per clip as an ``int``, or one line naming ``what`` (the argument, or ``--num_frames`` for
    ``bgs-hf train``): the one check of a user's frame count, for the frame policy, the decoder, the pixel baseline and
    the backbone registry alike, made before what a family can take (a 0-frame VideoMAE was told it "cannot
    interpolate", 2.5 frames were read as 2 by ``FramePolicy`` and refused by ``decode_frames`` in a plain ValueError
    or a TypeError, ``True`` read as 1)."""
    return whole_number(value, what, least=1)


#: families whose transformers forward resizes its time embeddings to any frame count (see
#: bgs_hf.models.registry.BackboneSpec.with_interpolated_frames); VideoMAE's fixed sinusoidal table cannot
INTERPOLATING_FAMILIES = ("timesformer",)


def frames_repeat(held: int | None, num_frames: int) -> bool:
    """The one rule of every repeated-frames check: a clip that holds fewer frames than are sampled from it has some
    repeated to fill the count (a clip whose frames are not known is not said to)."""
    return bool(held) and held < num_frames


def repeated_frames_effect(num_frames: int, held: int) -> str:
    """What sampling ``num_frames`` from ``held`` frames does, in the words of every place that says it (the
    warnings here and the Space's answers)."""
    return f"each frame is repeated about {num_frames / held:.3g} times to fill them (more compute, no more motion)"


def _frames_held(path: str | os.PathLike[str] | None) -> int | None:
    """The frames the clip at ``path`` holds (its header's count, else its packets demuxed: no decoding; about a
    millisecond an MP4, whose header counts them, and a WebM, whose header does not, about 10 ms for 900 frames
    beside 1.3 s to decode it); None for no path or a clip that cannot be read, whose decode, which comes next, says
    why."""
    from bgs_hf.video import probe

    if path is None:
        return None
    try:
        return probe(path, count_frames=True).frames
    except BGSInputError:
        return None


def warn_if_any_frames_repeat(paths: Sequence[str | os.PathLike[str] | None], num_frames: int, spec: Any, *,
                              clip: str = "a clip", as_built: bool = False, flag: str = "--num_frames") -> bool:
    """One warning when clips hold fewer frames than the ``num_frames`` sampled from each (:func:`frames_repeat`),
    naming the first such clip, how many of ``paths`` are (where there are several) and a count that fits the fewest;
    True when it warned. The check of training and evaluation (:func:`bgs_hf.models.registry.warn_if_frames_repeat`,
    their first clip), of ``embed_paths`` and of the pixel baseline; each clip's header is read (about a millisecond
    an MP4, about 10 ms a 900-frame WebM whose packets are counted, beside tens to thousands of ms for its decode).
    Here, not in the registry: the pixel baseline needs no transformers."""
    short = [(path, held) for path in paths if frames_repeat(held := _frames_held(path), num_frames)]
    if not short:
        return False
    path, held = short[0]
    fewest = min(h for _, h in short)
    name = getattr(spec, "name", "the backbone")
    tubelet = int(getattr(spec, "tubelet_size", 1) or 1)
    fits = max(fewest - fewest % tubelet, tubelet)
    if not getattr(spec, "fixed_frames", False):
        hint = f"sample {fits} ({flag} {fits})"
    elif getattr(spec, "family", None) in INTERPOLATING_FAMILIES:  # TimeSformer: its own count, or interpolated
        own = spec.frames_interpolated_from or num_frames
        hint = (f"sample its checkpoint's own {own} (leave out {flag} and --interpolate_frames)" if own <= fewest
                else f"use clips of {own} frames or more, or sample {fits} with its time embeddings interpolated "
                     f"from its {own} ({flag} {fits} --interpolate_frames)")
    else:
        hint = f"it takes {num_frames} frames only: use clips of {num_frames} frames or more"
    if as_built and not (getattr(spec, "fixed_frames", False) and getattr(spec, "family", None)
                         not in INTERPOLATING_FAMILIES):
        hint = f"{hint} when training it (a saved model samples the count it was trained with)"
    how_many = ""
    if len(paths) > 1:
        how_many = (f", and {len(short)} of the {count(len(paths), 'clip')} {agree(len(short), 'holds', 'hold')} "
                    f"fewer than {num_frames}" + (f" (the fewest {fewest})" if fewest < held else ""))
    logger.warning("%s: %d frames sampled per clip, but %s (%s) holds %d%s: %s; %s", name, num_frames,
                   Path(path).name, clip, held, how_many, repeated_frames_effect(num_frames, held), hint)
    return True


def _triple(values: Any, name: str) -> tuple[float, float, float]:
    """Three finite numbers: an infinite std made every pixel 0, a NaN mean every pixel NaN, without a word. One
    number is every channel's; a numpy array or torch tensor of three is read as a list is (it was taken for one
    number and refused as not 3 numbers)."""
    several = isinstance(values, (list, tuple)) or getattr(values, "ndim", 0) >= 1  # a 0-d array is one number
    try:
        vals = tuple(float(v) for v in (values if several else [values] * 3))
    except (TypeError, ValueError):  # a processor config's "image_mean": null, a text entry
        raise ValueError(f"FramePolicy.{name} needs 3 numbers (RGB), got {values!r}") from None
    except OverflowError:  # an int beyond float range (10**400): as unusable as inf
        raise ValueError(f"FramePolicy.{name} must be finite numbers, got {values!r}") from None
    if len(vals) != 3:
        raise ValueError(f"FramePolicy.{name} needs 3 values (RGB), got {len(vals)}")
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"FramePolicy.{name} must be finite numbers, got {vals}")
    return vals  # type: ignore[return-value]


@dataclass
class FramePolicy:
    """How a clip becomes a model input: ``num_frames`` sampled uniformly over the whole clip by
    timestamp, short side resized to ``size``, centre-cropped to ``crop``, normalised by mean/std."""

    num_frames: int = 16
    size: int = 224
    crop: int = 224
    mean: tuple[float, float, float] = field(default=IMAGENET_MEAN)
    std: tuple[float, float, float] = field(default=IMAGENET_STD)
    sampling: str = "uniform"

    def __post_init__(self) -> None:
        self.num_frames = checked_num_frames(self.num_frames, "FramePolicy.num_frames")
        # one line naming the field: int() read a size of 2.5 as 2, True as 1 and "64" as 64
        self.size = whole_number(self.size, "FramePolicy.size", least=1)
        self.crop = whole_number(self.crop, "FramePolicy.crop", least=1)
        self.mean = _triple(self.mean, "mean")
        self.std = _triple(self.std, "std")
        if self.crop > self.size:
            raise ValueError(f"FramePolicy.crop ({self.crop}) must not exceed size ({self.size})")
        if any(s <= 0 for s in self.std):
            raise ValueError(f"FramePolicy.std must be positive, got {self.std}")
        if self.sampling not in SAMPLING_MODES:
            raise ValueError(f"FramePolicy.sampling must be one of {SAMPLING_MODES}, got {self.sampling!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mean"], d["std"] = list(self.mean), list(self.std)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FramePolicy:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def decode_key(self) -> dict[str, Any]:
        """The fields that change decoded pixels (not crop/normalisation): the ClipCache key."""
        return {
            "num_frames": self.num_frames,
            "size": self.size,
            "sampling": self.sampling,
            "decoder": DECODER_VERSION,
        }

    @classmethod
    def from_processor_config(cls, config: dict[str, Any], *, num_frames: int | None = None) -> FramePolicy:
        """Read a transformers image/video processor config dict (``preprocessor_config.json`` or
        ``processor.to_dict()``): ``size``, ``crop_size``, ``image_mean``, ``image_std``.

        Only short-side resize + square centre crop is modelled; a ``{"height", "width"}`` size
        (squash resize) is approximated by short side = min(height, width), with a warning, and so are
        ``do_resize: false`` (transformers crops frames at their own size) and ``do_center_crop: false`` beside a
        short-side size (transformers keeps the whole, non-square frame), each with a one-line warning naming the key.
        The resample filter is always bilinear with antialias (documented difference from CLIP's bicubic).
        A mean or std left out is the default of the processor class the config names (:data:`PROCESSOR_DEFAULTS`), as
        in transformers; of an unknown class, ImageNet's. ``do_rescale``/``rescale_factor`` and ``do_normalize`` are
        honoured exactly: transformers computes ``(x * rescale_factor - mean) / std`` (factor 1 without rescaling,
        mean 0 and std 1 without normalising), which is the policy's ``(x / 255 - mean') / std'`` with mean and std
        divided by ``255 * rescale_factor`` (unchanged at the usual 1/255). A switch written ``null`` is off, as in
        transformers (which keeps the None and skips the step); left out, it is on. ``VJEPA2VideoProcessor`` ignores a
        config's ``size`` and resizes the short side to ``int(crop * 256 / 224)`` (crop 256 when left out): so does
        the policy for that class. ``num_frames`` left out or ``null`` is the default (16); 0 or ``false`` is refused.
        """
        cfg = _as_transformers_reads_it(config)
        size, crop = _size_and_crop(cfg, default=cls.size)
        _warn_unmodelled_steps(cfg, size, crop)
        mean, std = _normalisation(cfg)
        nf = num_frames if num_frames is not None else cfg.get("num_frames")
        if nf is None:  # left out, or null (a video processor's unset count, which transformers leaves unset)
            nf = cls.num_frames
        elif num_frames is None:  # 0 or false: transformers samples no frame; it was read as the default 16
            nf = checked_num_frames(nf, "num_frames")
        return cls(num_frames=nf, size=size, crop=crop, mean=mean, std=std)  # nf checked there


def _as_transformers_reads_it(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with what transformers fills in from the processor class it names: the class's mean and std where
    the config leaves them out (:data:`PROCESSOR_DEFAULTS`), and V-JEPA 2's short side derived from its crop."""
    legacy = config.get("feature_extractor_type")  # read by transformers as the image processor it names
    kind = (config.get("video_processor_type") or config.get("image_processor_type")
            or (legacy.replace("FeatureExtractor", "ImageProcessor") if isinstance(legacy, str) else None))
    cfg = {**PROCESSOR_DEFAULTS.get(kind, {}), **config} if isinstance(kind, str) else dict(config)
    if kind == "VJEPA2VideoProcessor":
        cfg = _vjepa2_sizes(cfg)
    return cfg


def _size_and_crop(cfg: dict[str, Any], *, default: int) -> tuple[int, int]:
    """The short side and the square crop: one left out is the other (both left out, ``default``), and the short side
    is never below the crop, which would crop past the frame."""
    size = _edge(cfg.get("size"), "size")
    do_crop = cfg.get("do_center_crop", cfg.get("crop_size") is not None)
    crop = (
        _edge(cfg.get("crop_size"), "crop_size") if do_crop and cfg.get("crop_size") is not None else None
    )
    if size is None and crop is None:
        size = crop = default
    elif size is None:
        size = crop
    elif crop is None:
        crop = size
    if crop > size:  # e.g. size {"shortest_edge": 224} with a larger crop: resize up to the crop
        size = crop
    return size, crop


def _warn_unmodelled_steps(cfg: dict[str, Any], size: int, crop: int) -> None:
    """Say where the policy, which always resizes and then centre-crops, shows another field of view than
    transformers: a config that turns either step off."""
    if _switched_off(cfg, "do_resize"):
        logger.warning("processor do_resize %s: transformers crops each frame at its own size; bgs-hf resizes "
                       "its short side to %s px first, so a frame of another size shows another field of view "
                       "than through transformers", json.dumps(cfg["do_resize"]), size)
    if (_switched_off(cfg, "do_center_crop") and isinstance(cfg.get("size"), dict)
            and cfg["size"].get("shortest_edge") is not None):
        logger.warning("processor do_center_crop %s: transformers keeps the whole resized frame (short side "
                       "%s, not square); bgs-hf centre-crops it to %sx%s", json.dumps(cfg["do_center_crop"]),
                       size, crop, crop)


def _normalisation(cfg: dict[str, Any]) -> tuple[Any, Any]:
    """The policy's mean and std (on pixels / 255) that give transformers' ``(x * rescale_factor - mean) / std``."""
    if cfg.get("do_normalize", True):
        mean = cfg.get("image_mean", IMAGENET_MEAN)
        std = cfg.get("image_std", IMAGENET_STD)
    else:
        mean, std = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    # transformers: (x * rescale_factor - mean) / std = (x / 255 - mean / k) / (std / k), k = 255 * factor
    k = 255.0 * _rescale_factor(cfg)
    if not math.isclose(k, 1.0, rel_tol=1e-6):  # 1/255 as the configs write it keeps the policy it always had
        mean = tuple(v / k for v in _triple(mean, "mean"))
        std = tuple(v / k for v in _triple(std, "std"))
    return mean, std


def _switched_off(config: dict[str, Any], key: str) -> bool:
    """A processor step the config turns off (``false``, ``0`` or ``null``: transformers keeps a ``null`` on the
    processor, and a step whose switch is None is skipped); left out, the class default: on."""
    return key in config and not config[key]


#: transformers' VJEPA2VideoProcessor: crop 256 when left out, short side always ``int(crop * 256 / 224)``
_VJEPA2_CROP = 256


def _vjepa2_sizes(cfg: dict[str, Any]) -> dict[str, Any]:
    """transformers' ``VJEPA2VideoProcessor.__init__`` ignores a config's ``size``: it resizes the short side to
    ``int(crop * 256 / 224)`` of the crop's height (292 for its default 256 crop), so the policy does too."""
    crop = cfg.get("crop_size", _VJEPA2_CROP)
    height = crop.get("height") if isinstance(crop, dict) else crop
    if isinstance(height, bool) or not isinstance(height, (int, float)):
        return cfg  # transformers refuses such a crop; the generic reading below says why
    short = int(int(height) * 256 / 224)
    size = cfg.get("size")
    if size is not None and (size.get("shortest_edge") if isinstance(size, dict) else size) != short:
        logger.warning("processor size %s is ignored by transformers' VJEPA2VideoProcessor, which resizes the short "
                       "side to crop_size * 256 / 224 = %s; bgs-hf does the same", size, short)
    return {**cfg, "crop_size": crop, "size": {"shortest_edge": short}}


def _rescale_factor(config: dict[str, Any]) -> float:
    """What transformers multiplies the 0-255 pixels by before normalising: ``rescale_factor`` (1/255 when left
    out), or 1 with ``do_rescale: false``. A number, as every numeric setting (``finite_number``): ``float()`` took
    ``"0.5"``, on which transformers' processors fail (``x * "0.5"``)."""
    if _switched_off(config, "do_rescale"):
        return 1.0
    value = config.get("rescale_factor")
    if value is None:
        return 1 / 255
    return finite_number(value, "processor rescale_factor", above=0, error=ValueError)


def _edge(value: Any, name: str) -> int | None:
    """One edge length from a processor size spec: int, {shortest_edge}, or {height, width}; each a whole number
    (``int()`` read a ``shortest_edge`` of 224.5 as 224 and ``true`` as 1)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return whole_number(value, f"processor {name}")
    if isinstance(value, dict):
        if value.get("shortest_edge") is not None:
            return whole_number(value["shortest_edge"], f"processor {name} shortest_edge")
        h, w = value.get("height"), value.get("width")
        h = None if h is None else whole_number(h, f"processor {name} height")
        w = None if w is None else whole_number(w, f"processor {name} width")
        if h is not None and w is not None:
            if h != w:
                logger.warning("processor %s %sx%s is not square; using short side %s", name, h, w, min(h, w))
            elif name == "size":  # a squash: transformers resizes a 16:9 frame to h x w whole, with nothing cropped
                logger.warning("processor size %sx%s resizes every frame to that shape; bgs-hf keeps the aspect "
                               "ratio (short side %s, then a centre crop), so a frame that is not square shows less "
                               "than through transformers", h, w, h)
            return min(h, w)
        if h is not None or w is not None:
            return h if h is not None else w
    raise ValueError(f"cannot read processor {name}={value!r}: expected int, shortest_edge or height/width")
