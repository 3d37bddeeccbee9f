"""Video I/O: the ONE frame-sampling and preprocessing policy shared by training, evaluation and the Space.

Everyone calls ``load_clip(path, policy, cache)``; ``decode_frames`` and ``preprocess`` are its two halves.
Names are imported lazily, so ``bgs_hf.video.policy`` stays light (no torch, no PyAV) for CLI start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bgs_hf._lazy import lazy_dir, lazy_exports

_EXPORTS = {
    "ClipCache": "cache",
    "ClipDataset": "cache",
    "file_sha256": "cache",
    "load_clip": "cache",
    "load_clips": "cache",
    "VideoInfo": "decode",
    "VideoLimits": "decode",
    "check_file": "decode",
    "check_video": "decode",
    "decode_frames": "decode",
    "probe": "decode",
    "sample_times": "decode",
    "DECODER_VERSION": "policy",
    "IMAGENET_MEAN": "policy",
    "IMAGENET_STD": "policy",
    "FramePolicy": "policy",
    "center_crop": "transforms",
    "preprocess": "transforms",
    "resize_frames_uint8": "transforms",
    "resize_short_side": "transforms",
    "write_video": "write",
}

__all__ = [
    "ClipCache",
    "ClipDataset",
    "DECODER_VERSION",
    "FramePolicy",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "VideoInfo",
    "VideoLimits",
    "center_crop",
    "check_file",
    "check_video",
    "decode_frames",
    "file_sha256",
    "load_clip",
    "load_clips",
    "preprocess",
    "probe",
    "resize_frames_uint8",
    "resize_short_side",
    "sample_times",
    "write_video",
]

if TYPE_CHECKING:
    from bgs_hf.video.cache import ClipCache, ClipDataset, file_sha256, load_clip, load_clips
    from bgs_hf.video.decode import (
        VideoInfo,
        VideoLimits,
        check_file,
        check_video,
        decode_frames,
        probe,
        sample_times,
    )
    from bgs_hf.video.policy import DECODER_VERSION, IMAGENET_MEAN, IMAGENET_STD, FramePolicy
    from bgs_hf.video.transforms import center_crop, preprocess, resize_frames_uint8, resize_short_side
    from bgs_hf.video.write import write_video


__getattr__ = lazy_exports("bgs_hf.video", _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())
