"""Video I/O: the ONE frame-sampling and preprocessing policy shared by training, evaluation and the Space.

Everyone calls ``load_clip(path, policy, cache)``; ``decode_frames`` and ``preprocess`` are its two halves.
"""

from __future__ import annotations

from bgs_hf.video.cache import ClipCache, ClipDataset, file_sha256, load_clip, load_clips
from bgs_hf.video.decode import VideoInfo, VideoLimits, check_file, check_video, decode_frames, probe, sample_times
from bgs_hf.video.policy import DECODER_VERSION, IMAGENET_MEAN, IMAGENET_STD, FramePolicy
from bgs_hf.video.transforms import center_crop, preprocess, resize_frames_uint8, resize_short_side
from bgs_hf.video.write import write_video

__all__ = [
    "DECODER_VERSION",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "ClipCache",
    "ClipDataset",
    "FramePolicy",
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
