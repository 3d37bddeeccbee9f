"""Write uint8 RGB frames to a video file with PyAV, atomically (synthetic stimuli, tests, benchmarks)."""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._files import mkstemp_for, publish, raise_naming_target
from bgs_hf.errors import finite_number, is_finite_real

logger = logging.getLogger(__name__)

#: libx264 options under which the same frames always decode to the same pixels. Single-threaded is not
#: enough: with macroblock-tree rate control (x264's default) encoding one 64-px SocialShapes clip 25 times in
#: one process gave 13 different decodings (up to 4 grey levels apart), so a benchmark seed did not fix its
#: pixels. ``no-mbtree`` (or no lookahead, or no B-frames) removes it; no-mbtree keeps the rest of the preset.
DETERMINISTIC_X264: dict[str, str] = {"threads": "1",
                                      "x264-params": "threads=1:lookahead-threads=1:sliced-threads=0:no-mbtree=1"}


def write_video(
    path: str | Path,
    frames: np.ndarray | Iterable[np.ndarray],
    *,
    fps: float | Fraction = 25.0,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    times_s: Sequence[float] | None = None,
    rotation: int | None = None,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Encode ``frames`` (uint8 (T,H,W,3) or an iterable of (H,W,3)) to ``path``.

    ``times_s`` gives each frame's presentation time in seconds (variable frame rate); otherwise frames
    are spaced at ``fps``. ``rotation`` writes display-matrix side data (counter-clockwise degrees).
    ``options`` go to the encoder, ``container_options`` to the muxer (e.g. ``{"movflags": "faststart"}``).
    The file appears under its final name only once complete (temp file + ``os.replace``).
    """
    import av

    rate = _check_timing(fps, times_s)
    if isinstance(frames, np.ndarray):
        _check_frames(frames)
        if times_s is not None and len(times_s) != len(frames):
            raise ValueError(f"write_video: {len(times_s)} times_s for {len(frames)} frames")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_for(out, dir=out.parent, prefix=f".{out.stem}.", suffix=f".tmp{out.suffix}")
    os.close(fd)
    opts = {"crf": "18", "preset": "veryfast"} if codec in ("libx264", "libx265") else {}
    opts.update(options or {})
    tb = Fraction(1, 1000) if times_s is not None else None
    try:
        with av.open(tmp, mode="w", format=_format_for(out), options=container_options or {}) as container:
            stream = container.add_stream(codec, rate=rate, options=opts)
            if tb is not None:
                stream.codec_context.time_base = tb
                stream.time_base = tb
            if rotation:
                stream.set_display_rotation(rotation)
            n = _encode_frames(container, stream, frames, pix_fmt=pix_fmt, times_s=times_s, time_base=tb)
            if n == 0:
                raise ValueError(f"write_video({out.name}): no frames given")
            if times_s is not None and n < len(times_s):  # an iterable shorter than its times (an array is checked above)
                raise ValueError(f"write_video: {len(times_s)} times_s for {n} frames")
            for packet in stream.encode():
                container.mux(packet)
        publish(tmp, out)
    except OSError as err:  # PyAV's errors too: a full disk or a refused rename named the hidden temp file
        raise_naming_target(err, tmp, out, unnamed=True)
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    logger.debug("wrote %d frames to %s", n, out)
    return out


def _encode_frames(container: Any, stream: Any, frames: np.ndarray | Iterable[np.ndarray], *, pix_fmt: str,
                   times_s: Sequence[float] | None, time_base: Fraction | None) -> int:
    """Encode and mux each frame, the first setting the stream's size; returns how many. Each is checked as it comes,
    since the frames of an iterable are known only once read."""
    import av

    n = 0
    for i, arr in enumerate(frames):
        arr = np.ascontiguousarray(_check_frames(np.asarray(arr)))
        if times_s is not None and i >= len(times_s):
            raise ValueError(f"write_video: more frames than the {len(times_s)} times_s given")
        if n == 0:
            stream.height, stream.width = arr.shape[:2]
            stream.pix_fmt = pix_fmt
        elif arr.shape[:2] != (stream.height, stream.width):  # the encoder would rescale it without a word
            raise ValueError(f"write_video: frame {i} is {arr.shape[0]}x{arr.shape[1]}, the first frame "
                             f"{stream.height}x{stream.width}")
        frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
        if time_base is not None:
            frame.pts, frame.time_base = int(round(float(times_s[i]) * 1000)), time_base  # type: ignore[index]
        for packet in stream.encode(frame):
            container.mux(packet)
        n += 1
    return n


def _check_frames(arr: np.ndarray) -> np.ndarray:
    """uint8 only: a cast would silently turn floats in [0, 1] black and wrap integers past 255."""
    if arr.dtype != np.uint8:
        raise ValueError(f"write_video: frames must be uint8 RGB, got {arr.dtype} (scale and convert first)")
    return arr


def _check_timing(fps: float | Fraction, times_s: Sequence[float] | None) -> Fraction:
    """Times the muxers take as given: otherwise an MP4 refused them naming the temp file, a Matroska file got frames
    sharing a timestamp, and a negative time put a frame before an MP4's edit list (never shown). Returns the rate the
    stream records: ``fps`` to a denominator of 1001 (29.97 is 30000/1001), a fraction of 32-bit integers in FFmpeg."""
    finite_number(fps, "write_video: fps", above=0, error=ValueError)
    exact = Fraction(fps) if isinstance(fps, numbers.Rational) else Fraction(float(fps))  # numpy's float32 too
    rate = exact.limit_denominator(1001)
    # below 1/1001 fps the rate was 0, written as 24 fps without a word; from 2**31 fps PyAV's OverflowError
    if exact < Fraction(1, 1001) or rate.numerator >= 2**31:
        raise ValueError(f"write_video: fps must be from 1/1001 to 2147483647 (a rate FFmpeg records as a fraction "
                         f"of 32-bit integers, to a denominator of 1001), got {fps}")
    if times_s is None:
        return rate
    for i, t in enumerate(times_s):
        if not (is_finite_real(t) and t >= 0):
            shown = f"{float(t):g}" if is_finite_real(t) else f"{t}"  # float(10**400) overflows
            raise ValueError(f"write_video: times_s must be finite and >= 0, got {shown} s for frame {i}")
    stamps = [int(round(float(t) * 1000)) for t in times_s]  # the milliseconds written (time base 1/1000)
    for i in range(1, len(stamps)):
        if stamps[i] <= stamps[i - 1]:
            raise ValueError(f"write_video: times_s must increase by at least 1 ms (they are kept to the millisecond): "
                             f"frame {i} at {float(times_s[i]):g} s follows frame {i - 1} at {float(times_s[i - 1]):g} s")
    return rate


def _format_for(path: Path) -> str | None:
    """Container format from the final name (the temp name keeps the suffix, but be explicit)."""
    return {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm", ".avi": "avi"}.get(
        path.suffix.lower()
    )
