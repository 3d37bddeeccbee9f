"""Decode N frames sampled uniformly over a whole clip with PyAV, turning every failure into one clear line.

Sampling is by presentation timestamp, not frame index, so variable-frame-rate clips are sampled evenly
in time. The clip's timeline comes from a cheap demux pass (no decoding); the decode pass then runs
sequentially (no per-frame seeks) and converts to RGB only the frames it keeps.

Frames come out as players show them: display rotation (DISPLAYMATRIX side data, read through
``VideoFrame.rotation``) is applied in multiples of 90 degrees, and non-square pixels (a sample aspect ratio: DV,
HDV, QCIF at 128:117, anamorphic DVD) are resized to the shape they are shown at, the stored width times the ratio.

A display matrix that mirrors the picture (a negative determinant: an editor's flip, ``ffmpeg -display_hflip``) is
flipped as FFmpeg's own autorotation does it, then turned: ``VideoFrame.rotation`` alone reads a left-right mirror as
a half turn, an upside-down frame.

Known limits: rotations between multiples of 90 degrees are rounded to the nearest one. The whole clip is decoded,
so very long videos are slow (the Space caps duration with ``check_video``). Truncation is detected when the header
records a frame count (MP4/MOV: fewer samples, in a file that ends inside a box), a Matroska/WebM track its duration
(the ``DURATION`` tag), or the container cannot be opened (an MP4/MOV whose boxes run past its end, or that has no
index, is then named truncated; so is one FFmpeg opens that the cut left without a track, codec or frame); a cut
live-muxed WebM (no tag), MPEG-TS or AVI, or a fragmented MP4 cut at a fragment boundary (its header records no frame
count), may decode short. An MP4 cut inside its last frame is refused only where that frame fails to decode (an
AV1 one where the cut falls in its first frame OBU). Partly transparent frames (an alpha channel with any see-through
pixel among those sampled) are refused: what lies under such a pixel is not defined.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._format import count
from bgs_hf.errors import BGSInputError, whole_number
from bgs_hf.video.policy import checked_num_frames
from bgs_hf.video.transforms import resize_frames_uint8_to, short_side_shape

logger = logging.getLogger(__name__)

#: What to do about a file FFmpeg cannot decode, after the refusal's own words (which a user could not act on):
#: re-encoding to plain h264 fixes a damaged or unusual encoding; a clip that cannot be fixed can be left out.
REENCODE_HINT = "re-encode it (ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4) or leave the clip out"
#: ... and about one cut short: only another copy has the missing frames.
RECOPY_HINT = "copy or download it again, or leave the clip out"


def flatten_hint(reader: str = "") -> str:
    """What to do about a clip with see-through pixels: only the user knows the background its viewers saw. FFmpeg's
    ``premultiply`` filter multiplies each colour by its alpha, which lays the frame onto black; ``reader`` is the
    input option that makes ffmpeg read the alpha at all (``-c:v libvpx-vp9`` for a VP9 WebM)."""
    return (f"flatten it onto the background your participants saw (onto black: ffmpeg {reader}-i IN -vf "
            "premultiply=inplace=1 -c:v libx264 -pix_fmt yuv420p OUT.mp4)")


@dataclass
class VideoInfo:
    """What ``probe`` learns from a container without decoding pixels (the Space's pre-decode check)."""

    path: str
    container: str
    codec: str
    pix_fmt: str | None
    width: int
    height: int
    duration_s: float | None
    frames: int | None
    fps: float | None
    size_bytes: int
    has_audio: bool
    #: a stored pixel's width over its height where it is not square (players widen the frame by it); None: square
    sample_aspect_ratio: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Timeline:
    """Presentation extent of the video stream, in stream time-base units (or frame indices)."""

    start: float
    end: float
    n_frames: int
    by_index: bool = False  # True when the file carries no usable timestamps
    #: packet stamps rising in decode order: where the codec reorders frames (B-frames), they may be decode-order
    #: stamps (AVI stores no presentation times), which the decoded frames then carry out of order
    decode_order: bool = False
    #: the file ends inside its last frame's bytes (FFmpeg flags the short packet corrupt): a decoder error is that cut
    ends_inside: bool = False
    #: each frame's time as :func:`_presented` gives it (the stamps sorted, or the indices), rising
    times: list[float] = field(default_factory=list)
    #: every sample demuxed, including those an edit list discards, which the decoder is fed too
    n_stored: int = 0


def check_file(path: str | Path) -> Path:
    """Missing, non-regular or zero-byte files fail here, before FFmpeg sees them; so does a path the system will
    not look up (a name longer than the file system allows, a folder it may not search), as one line."""
    p = Path(path)
    try:
        if not p.exists():
            raise BGSInputError("video file not found", path=p)
        if not p.is_file():
            raise BGSInputError("not a regular file", path=p)
        empty = p.stat().st_size == 0
    except OSError as err:  # Path.exists raises all but "no such file" errors (ENAMETOOLONG, EACCES)
        raise BGSInputError(f"cannot read file ({error_reason(err)})", path=p) from None
    if empty:
        raise BGSInputError("video file is empty (0 bytes)", path=p)
    return p


def error_reason(err: BaseException) -> str:
    """An OS/FFmpeg error as the one-line reason in a BGSInputError (the cache's reads say it the same way)."""
    msg = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return " ".join(str(msg).split())


@contextmanager
def _open(p: Path) -> Iterator[Any]:
    import av

    try:  # absolute: FFmpeg reads "12:30.mp4" as protocol "12", "pipe:0.mp4" as stdin, "file:x.mp4" as x.mp4
        # tags that are not UTF-8 (a Latin-1 AVI title) are read with replacement characters, not a refused clip
        container = av.open(os.path.abspath(p), mode="r", metadata_errors="replace")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as err:
        logger.debug("av.open(%s) failed", p, exc_info=True)
        cut = _cut_box(p)
        if cut is not None:  # re-encoding cannot help: ffmpeg refuses the file as well ("moov atom not found")
            raise _cut_error(cut, p) from None
        raise BGSInputError(f"not a readable video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None
    try:
        yield container
    finally:
        container.close()


def _cut_box(p: Path) -> str | None:
    """Where an MP4/MOV (ISO base media: it starts with an ``ftyp`` box) that FFmpeg cannot open was cut: the top-level
    box the file ends inside, as ``head -c`` or a stopped download leaves it, or the index (``moov``) missing after the
    frames (``mdat``); ``None`` for any other file. Most MP4s keep their index after the frames, so a cut anywhere in
    the frames takes the index with it, and such a file read as "not a readable video" with a hint to re-encode what
    ffmpeg cannot read either ("moov atom not found")."""
    seen: set[bytes] = set()
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            if size < 8 and not _may_begin_ftyp(f.read(8)):  # "hi\n" as clip.mp4 was called an MP4 cut short
                return None
            at = 0
            while at + 8 <= size:
                f.seek(at)
                head = f.read(16)
                length, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if (at == 0 and kind != b"ftyp") or not kind.isalnum():
                    return None  # not ISO base media, or not a box here: damaged, not cut
                if length == 1 and len(head) == 16:  # a 64-bit size follows the type
                    length = int.from_bytes(head[8:16], "big")
                seen.add(kind)
                if length == 0:  # the box runs to the end of the file (an mdat whose recording never finished)
                    break
                if length < 8:
                    return None
                if at + length > size:
                    name = kind.decode()
                    no_index = "" if b"moov" in seen else ", and it holds no 'moov' index"
                    return f"the file ends {size - at:,} bytes into its '{name}' box of {length:,}{no_index}"
                at += length
    except OSError:
        return None
    if b"moov" in seen or b"meta" in seen:  # whole boxes, the index among them; or a still image (HEIF), not cut
        return None
    held = "frames but " if b"mdat" in seen else ""
    return f"the file holds {held}no 'moov' index, so it was cut or its recording never finished"


def _may_begin_ftyp(head: bytes) -> bool:
    """Whether ``head``, a file shorter than a box header (8 bytes), could be the start of an MP4/MOV's first box: an
    ``ftyp`` box's size (big-endian, far below 65,536 bytes: its first two bytes zero), then its type cut short. A text
    file of a few bytes is no video at all, as a longer one is, not an MP4 cut short."""
    return head[:2] == b"\0\0"[:len(head)] and head[4:] == b"ftyp"[:max(len(head) - 4, 0)]


def _cut_error(cut: str, p: Path) -> BGSInputError:
    """The one line for an MP4/MOV cut where FFmpeg reads no frame of it (:func:`_cut_box` says where)."""
    return BGSInputError(f"not a readable video (truncated: {cut}); {RECOPY_HINT}", path=p)


def _refuse_if_cut(p: Path) -> None:
    """Refuse an MP4/MOV that FFmpeg opens but the file ends inside a box of (:func:`_cut_box`) as truncated, where
    it would be refused for what the cut left (no video stream, no decoder, no frames) with a hint to re-encode: a
    file cut inside its index loses a track, a codec's description or the sample tables. A whole file passes."""
    if (cut := _cut_box(p)) is not None:
        raise _cut_error(cut, p) from None


def _is_cover_art(stream: Any) -> bool:
    """An audio file's embedded picture (``attached_pic``): one still image, not a video."""
    import av

    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _video_stream(container: Any, p: Path) -> Any:
    fmt = container.format.name
    if fmt == "image2" or fmt.endswith("_pipe"):  # FFmpeg's still-image demuxers (png_pipe, jpeg_pipe, ...)
        raise BGSInputError(f"a still image ({fmt}), not a video", path=p)
    moving = [s for s in container.streams.video if not _is_cover_art(s)]
    if not (container.streams.video or container.streams.audio):  # FFmpeg opens an MP4 cut in its index's header,
        _refuse_if_cut(p)  # or in its video track's (then as a 'data' stream)
    if not moving:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        only = " (the only picture is cover art)" if container.streams.video else ""
        raise BGSInputError(f"no video stream{only} (streams: {', '.join(kinds)})", path=p)
    return moving[0]


#: Container formats whose header frame count is the sample table (every coded frame): only there is "fewer
#: packets than the header says" proof of truncation. AVI's header also counts empty skip entries.
_SAMPLE_TABLE_FORMATS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2")


def _sample_count(container: Any, stream: Any) -> int:
    """Every coded frame the header records, where that count is the sample table's (MP4/MOV); 0 elsewhere."""
    counts_samples = any(name in _SAMPLE_TABLE_FORMATS for name in str(container.format.name).split(","))
    return int(stream.frames or 0) if counts_samples else 0


def _truncated(present: int, recorded: int, p: Path) -> BGSInputError:
    """The one line for an MP4/MOV holding fewer frames than its header records: the decoder's and the Space's."""
    return BGSInputError(f"truncated video: {present} of {recorded} frames present; {RECOPY_HINT}", path=p)


def _cut_short(stored: int, recorded: int, p: Path) -> bool:
    """Whether an MP4/MOV holding ``stored`` of the ``recorded`` samples its header counts was cut: fewer, and the
    file ends inside a box (:func:`_cut_box`). Fewer alone is no proof: an edit list that trims the tail leaves
    FFmpeg's index short of the header's count in a whole file; a cut inside the index leaves the index short (none
    of 40 samples) while FFmpeg still opens the file."""
    return stored < recorded and _cut_box(p) is not None


def _check_samples_present(p: Path, num_frames: int | None = None, *, last_frame: bool = False) -> None:
    """Refuse an MP4/MOV cut short from its sample table alone, neither demuxing nor decoding: a frame whose bytes
    start past the end of the file is missing (those starting before it are the frames :func:`_timeline` demuxes);
    with ``num_frames``, a last frame cut short too where that many samples' decode may read it, and with
    ``last_frame`` wherever it lies (:func:`_check_last_frame_whole`). The Space's upload check, for a long upload, and
    ``bgs-hf data import``'s; a file with no sample table (or a PyAV that does not expose it) is left to the decoder,
    whose first pass counts the frames demuxed. Only a file ending inside its last frame is demuxed, no other."""
    table = _sample_table(p)
    if table is None:
        return
    recorded, samples = table
    present = sum(pos < p.stat().st_size for pos, _ in samples)
    if present < len(samples) or _cut_short(len(samples), recorded, p):
        raise _truncated(present, recorded, p)
    if (num_frames is not None or last_frame) and samples:
        _check_last_frame_whole(p, samples, None if last_frame else num_frames)


def _check_last_frame_whole(p: Path, samples: list[tuple[int, int]], num_frames: int | None) -> None:
    """Refuse an MP4/MOV whose frames all start in the file but whose last one ends past it (a faststart file cut a
    few bytes short), where decoding ``num_frames`` samples (``None``: any number, as an import that does not know
    training's) reads that frame and the decoder fails on what is left of it (an H.264 frame's length prefix runs
    past the cut): the decode after the check refused it, once the upload was hashed and demuxed. Found from the
    sample table, that one frame decoded alone and, for a file so cut with ``num_frames`` given only, the decoder's
    own demux pass (:func:`_may_read_last_frame`); a cut frame the decoder reads (MPEG-4 Part 2), or one the decode
    stops before, passes, as training decodes it. So does one whose codec decodes no frame alone, whole or
    cut (VP9: predicted from frames before), which the decoder, given those frames, may read: the whole frame
    stored before it, decoded alone too, says which. An AV1 frame (which does not decode alone either) is judged
    from its bytes instead, as its decoder first reads them (:func:`_av1_cut_before_a_picture`)."""
    pos, nbytes = max(samples)  # the frame stored last (``samples``: each one's offset and size): the one cut short
    size = p.stat().st_size
    if not pos < size < pos + nbytes:
        return
    av1 = _codec(p) == "av1"
    fails = _av1_cut_before_a_picture(_bytes_at(p, pos, size - pos)) if av1 else not _decodes_alone(p, pos, nbytes)
    if not fails:
        return
    if num_frames is not None and not _may_read_last_frame(p, samples.index((pos, nbytes)), num_frames):
        return  # ``samples`` is in decode order
    # the frame stored before it, whole: where it fails alone too (VP9), the cut one's failure says nothing of the cut
    # (a VP9 MP4 so cut, which training decodes, was refused)
    before = sorted(samples)[-2:-1]
    if av1 or not before or _decodes_alone(p, *before[0]):
        raise BGSInputError(f"truncated video: the file ends inside the last frame it holds ({size - pos:,} of "
                            f"{nbytes:,} bytes of it present); {RECOPY_HINT}", path=p)


def _decodes_alone(p: Path, pos: int, nbytes: int) -> bool:
    """Whether the decoder reads the sample at ``pos`` (``nbytes`` long, or what the file holds of it) given it alone:
    a fresh decoder each time, as one flushed takes no more packets."""
    import av

    data = _bytes_at(p, pos, nbytes)
    with _open(p) as container:
        return _decodes(_video_stream(container, p), [av.Packet(data)])


def _bytes_at(p: Path, pos: int, nbytes: int) -> bytes:
    """The file's ``nbytes`` bytes from ``pos`` (fewer where it ends first), an OS error as one line."""
    try:
        with open(p, "rb") as f:
            f.seek(pos)
            return f.read(nbytes)
    except OSError as err:
        raise BGSInputError(f"cannot read file ({error_reason(err)})", path=p) from None


def _codec(p: Path) -> str:
    """The video stream's codec as :func:`probe` names it ('av1', not the decoder 'libdav1d'); "" without a decoder."""
    with _open(p) as container:
        cc = _video_stream(container, p).codec_context
        return cc.codec.canonical_name if cc is not None else ""


#: AV1 OBU types that make no picture: sequence header, temporal delimiter, metadata, padding
_AV1_NO_PICTURE = frozenset({1, 2, 5, 15})


def _av1_cut_before_a_picture(head: bytes) -> bool:
    """Whether ``head``, what the file holds of an AV1 sample (OBUs, each stating its size, as MP4 stores them), ends
    inside an OBU that no whole frame OBU precedes. Why: the decoder (dav1d) refuses an OBU whose size runs past its
    data ("Invalid data") before any picture of the sample, on any number of threads: such a clip, cut 1 to 1,000
    bytes short, passed the Space's check (an AV1 frame does not decode alone even whole) and was refused by the
    decode. A cut after a whole frame OBU is refused or read as dav1d's frame threads happen to hold a finished
    picture (one thread refuses, two read it), and a cut at an OBU's end is read: those pass."""
    at = 0
    while at < len(head):
        header = head[at]
        if header >> 7 or not header & 2:  # the forbidden bit (damaged, not cut), or no size: it fills the sample
            return False
        at += 2 if header & 4 else 1  # the extension byte
        length = 0
        for shift in range(0, 56, 7):  # leb128, at most 8 bytes
            if at >= len(head):
                return True
            length |= (head[at] & 0x7F) << shift
            at += 1
            if not head[at - 1] & 0x80:
                break
        if at + length > len(head):
            return True
        if header >> 3 & 15 not in _AV1_NO_PICTURE:
            return False
        at += length
    return False


def _may_read_last_frame(p: Path, cut_at: int, num_frames: int) -> bool:
    """Whether decoding ``num_frames`` samples feeds the decoder the sample ``cut_at`` (its place in decode order):
    the clip's timeline demuxed as the decoder's first pass demuxes it, no frame decoded. Why not from the frame
    count alone: with B-frames the sample stored last is not the frame shown last, and the decoder gives frames out
    its reorder depth late (2 for x264's defaults, not the 16 the standards allow), so a cut clip whose decode
    stops frames before the cut one was refused; and one of rising stamps whose decoder holds frames back (x264
    choosing no B-frames) reads 18 frames past the last sample, not 17, and was passed."""
    import av

    try:
        with _open(p) as container:
            stream = _video_stream(container, p)
            return _samples_fed(_timeline(container, stream, p), stream, num_frames) > cut_at
    except (av.FFmpegError, OSError) as err:  # the decoder's first pass, in its words
        raise BGSInputError(f"corrupt video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None


def _reorder_depth(stream: Any) -> int:
    """How many samples late the decoder gives out a frame (FFmpeg's ``has_b_frames``: for H.264 in MP4 the sample
    table's composition offsets and the stream's own header say it, for HEVC its header); where this PyAV does not
    show the number, the most the standards allow."""
    cc = stream.codec_context
    if cc is None:
        return 0
    depth = getattr(cc, "reorder_depth", None)
    return int(depth) if depth is not None else (_MAX_REORDER if cc.has_b_frames else 0)


def _samples_fed(timeline: _Timeline, stream: Any, num_frames: int) -> int:
    """How many samples, in decode order, decoding ``num_frames`` samples feeds the decoder: it stops at the first
    frame shown past the last sample (:func:`_frames_on_screen`), taken once the frames :func:`_presented` holds
    back have come after it, which the decoder gives out :func:`_reorder_depth` samples late; the samples an edit list
    discards are decoded too. A last sample past every frame's start reads them all."""
    last = sample_times(timeline.start, timeline.end, num_frames)[-1]
    past = bisect.bisect_right(timeline.times, last)  # the first frame shown past it
    if past >= len(timeline.times):
        return timeline.n_stored
    fed = past + 1 + _held_back(timeline, _reorders(stream)) + _reorder_depth(stream)
    return fed + timeline.n_stored - timeline.n_frames


def _sample_table(p: Path) -> tuple[int, list[tuple[int, int]]] | None:
    """The header's frame count and each sample's (offset, size) in the file, from an MP4/MOV's sample table (FFmpeg's
    index of it); ``None`` for a file without one, or a PyAV that does not expose it."""
    import av

    try:
        with _open(p) as container:
            stream = _video_stream(container, p)
            recorded = _sample_count(container, stream)
            entries = getattr(stream, "index_entries", None)  # FFmpeg's index, built from the sample table
            if not recorded or entries is None:
                return None
            return recorded, [(entries[i].pos, entries[i].size) for i in range(len(entries))]
    except (av.FFmpegError, OSError) as err:
        raise BGSInputError(f"not a readable video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None


def _is_flush(packet: Any) -> bool:
    """The demuxer's end-of-stream flush packet: no sample of the file."""
    return packet.size == 0 and packet.dts is None


def _is_shown(packet: Any) -> bool:
    """A sample that is a frame shown: not empty, not one an edit list discards (what the decoder counts)."""
    return packet.size != 0 and not getattr(packet, "is_discard", False)


def _timeline(container: Any, stream: Any, p: Path) -> _Timeline:
    """Demux (no decode) to find the first/last presentation time and the frame count."""
    pts: list[int] = []
    durations: dict[int, int] = {}  # packet durations by pts: the last frame's sets where the timeline ends
    n_stored = 0  # every coded sample, including those an edit list discards (what the header counts)
    last = None
    for packet in container.demux(stream):
        if _is_flush(packet):
            continue
        n_stored += 1
        last = packet
        if not _is_shown(packet):
            continue
        if packet.pts is not None:
            pts.append(packet.pts)
            if packet.duration:
                durations[packet.pts] = packet.duration
        else:
            pts.append(-1)  # frame with no timestamp: fall back to frame indices below
    header_frames = _sample_count(container, stream)
    if _cut_short(n_stored, header_frames, p):  # first: an MP4 cut before its first frame is cut, not frameless
        raise _truncated(n_stored, header_frames, p)
    if not pts:
        _refuse_if_cut(p)  # an MP4 cut inside its index's sample tables
        raise BGSInputError(f"video stream has no frames; {REENCODE_HINT}", path=p)
    ends_inside = bool(last is not None and last.is_corrupt and last.pos is not None and last.pos >= 0
                       and last.pos + last.size >= p.stat().st_size)
    if -1 in pts or len(set(pts)) != len(pts):
        return _Timeline(0.0, float(len(pts)), len(pts), by_index=True, ends_inside=ends_inside,
                         times=[float(i) for i in range(len(pts))], n_stored=n_stored)
    rising = all(a < b for a, b in zip(pts, pts[1:]))
    pts.sort()
    step = float(np.median(np.diff(pts))) if len(pts) > 1 else 1.0
    last_duration = durations.get(pts[-1]) or step
    timeline = _Timeline(float(pts[0]), float(pts[-1] + max(last_duration, 1)), len(pts), decode_order=rising,
                         ends_inside=ends_inside, times=[float(t) for t in pts], n_stored=n_stored)
    _check_track_duration(container, stream, timeline, step, p)
    return timeline


def _track_duration_s(stream: Any) -> float | None:
    """The ``DURATION`` tag (``HH:MM:SS.nnnnnnnnn``) FFmpeg's and mkvmerge's Matroska muxers write per track when
    they finish the file; ``None`` without one (a live-muxed WebM, as browsers record)."""
    tag = next((v for k, v in stream.metadata.items() if k.upper() == "DURATION"), None)
    try:
        h, m, sec = str(tag).strip().split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    except (AttributeError, ValueError):
        return None


def _check_track_duration(container: Any, stream: Any, timeline: _Timeline, step: float, p: Path) -> None:
    """Matroska has no sample table: a cut file demuxes short. Its track ``DURATION`` tag says where the video
    ends; more than two frames (or 0.1 s) missing from the end is truncation, not sampled over what is left."""
    if "matroska" not in str(container.format.name).split(",") or not stream.time_base:
        return
    expected_s = _track_duration_s(stream)
    if expected_s is None:
        return
    tb = float(stream.time_base)
    end_s = timeline.end * tb
    if expected_s - end_s > max(2 * step * tb, 0.1):
        raise BGSInputError(f"truncated video: frames up to {end_s:.2f} s of {expected_s:.2f} s present; {RECOPY_HINT}",
                            path=p)


#: The fewest frames a video has: one frame has no motion, where the social content of a clip lives. A still image in a
#: video container was embedded as that frame repeated by training, evaluation and `data validate` (for the default
#: backbone, whose input is the moving foreground, every such clip alike), while the Space refused it and the same
#: picture as a PNG was refused everywhere.
MIN_FRAMES = 2


def check_frame_count(n_frames: int, path: str | Path, least: int = MIN_FRAMES) -> None:
    """The one rule for how few frames make a video, for the decoder (so training, evaluation and `data validate`)
    and the Space's upload check alike: ``n_frames`` frames shown (packets an edit list discards are not) under
    ``least`` is one line naming the file."""
    if n_frames < least:  # 2 frames under a limit of 8 are too few, not "a still image"
        what = "a still image, not a video" if n_frames == 1 else "too few for a video"
        raise BGSInputError(f"{count(n_frames, 'frame')}: {what} (at least {least} frames; the social content of a "
                            "clip is in how it moves)", path=path)


def sample_times(start: float, end: float, num_frames: int) -> np.ndarray:
    """Midpoints of ``num_frames`` equal segments of [start, end): the uniform sampling policy."""
    return start + (np.arange(num_frames) + 0.5) * (end - start) / num_frames


#: Most frames an h264/HEVC decoder holds back to reorder (the standards' limit): how far a decoded frame's
#: decode-order stamp can lie from its place in presentation order.
_MAX_REORDER = 16


def _reorders(stream: Any) -> bool:
    """Whether the stream's codec may give frames out of decode order (h264, HEVC, MPEG-4 Part 2 with B-frames)."""
    return bool(getattr(stream.codec_context.codec, "reorder", False)) if stream.codec_context else False


def _held_back(timeline: _Timeline, reorders: bool) -> int:
    """How many decoded frames :func:`_presented` holds before giving one out: the window its stamps are sorted in
    where they are decode-order ones of a codec that reorders (they rise in decode order), none elsewhere."""
    return _MAX_REORDER if reorders and timeline.decode_order and not timeline.by_index else 0


def _presented(frames: Iterator[Any], timeline: _Timeline, reorders: bool) -> Iterator[tuple[Any, float]]:
    """Each decoded frame with its presentation time, in the decoder's (presentation) order.

    A frame's own stamp is its time, except where the stamps are decode-order ones of a codec that reorders (an
    h264 AVI with B-frames): its frames then carry 1, 2, 4, 3, 5, 7, 8, 6, ... and read as times they sampled some
    frames twice and skipped others. There the times are the stamps sorted, within a window of the most frames a
    decoder reorders (frames held that long); anywhere else the window is empty, each frame its own stamp.
    """
    if timeline.by_index:
        yield from ((frame, float(i)) for i, frame in enumerate(frames))
        return
    window = _held_back(timeline, reorders)
    held: deque[Any] = deque()
    stamps: list[float] = []
    for i, frame in enumerate(frames):
        held.append(frame)
        heapq.heappush(stamps, float(i) if frame.pts is None else float(frame.pts))
        if len(held) > window:
            yield held.popleft(), heapq.heappop(stamps)
    while held:
        yield held.popleft(), heapq.heappop(stamps)


def _may_be_transparent(fmt: Any) -> bool:
    """Pixel formats that can carry transparency: an alpha plane (an animated GIF's bgra, PNG or QuickTime RLE in
    a .mov, ProRes 4444, FFV1) or a palette, whose entries have an alpha."""
    return bool(fmt.has_palette) or any(c.is_alpha for c in fmt.components)


def _check_opaque(frame: Any, p: Path, reader: str = "") -> None:
    """A see-through pixel has no colour of its own: converting to RGB keeps whatever lies under it (white from
    FFmpeg's GIF decoder, black or anything else the encoder stored), so the model would see a background nobody
    chose. Opaque frames of such formats (most GIFs) pass."""
    if not _may_be_transparent(frame.format):
        return
    alpha = frame.to_ndarray(format="rgba")[..., 3]
    if alpha.min() < 255:
        share = float(np.mean(alpha < 255))
        raise BGSInputError(f"partly transparent frames ({share:.0%} of a sampled frame's pixels are see-through, "
                            f"an alpha channel in {frame.format.name}): the colour under them is not defined; "
                            f"{flatten_hint(reader)}", path=p)


#: The most a stored pixel's width may differ from its height (either way): DV, HDV and anamorphic DVD lie within
#: 1:2 to 2:1; a ratio past this one is a damaged header, whose frames would be decoded tens of thousands of px wide.
MAX_SAMPLE_ASPECT = 16


def _sample_aspect(stream: Any, p: Path) -> Fraction | None:
    """A stored pixel's width over its height as players read it (the container's, else the codec's:
    ``av_guess_sample_aspect_ratio``); ``None`` for square pixels or none recorded."""
    sar = stream.sample_aspect_ratio
    if sar is None or sar <= 0 or sar == 1:
        return None
    if not 1 / MAX_SAMPLE_ASPECT <= sar <= MAX_SAMPLE_ASPECT:
        raise BGSInputError(f"pixel aspect ratio {sar.numerator}:{sar.denominator} (a stored pixel's width to its "
                            f"height) is past {MAX_SAMPLE_ASPECT}:1 either way, a damaged header; re-encode it with "
                            "square pixels (ffmpeg -i IN -vf setsar=1 -c:v libx264 -pix_fmt yuv420p OUT.mp4) or leave "
                            "the clip out", path=p)
    return sar


def _mirrored(frame: Any) -> bool:
    """Whether the frame's display matrix mirrors the picture (its 2x2 part has a negative determinant), which
    ``VideoFrame.rotation`` does not say."""
    from av.sidedata.sidedata import Type

    for data in getattr(frame, "side_data", ()):
        if data.type == Type.DISPLAYMATRIX:
            m = [int(v) for v in np.frombuffer(bytes(data), dtype=np.int32)]
            return len(m) == 9 and m[0] * m[4] - m[1] * m[3] < 0
    return False


def _frame_array(frame: Any, size: int | None, p: Path, reader: str = "", sar: Fraction | None = None) -> np.ndarray:
    """RGB uint8 (H,W,3) as shown: upright (rotation side data applied), non-square pixels (``sar``) widened or
    narrowed to the frame's shown shape, short side resized (one resize for both); a partly transparent frame is one
    line."""
    _check_opaque(frame, p, reader)
    arr = frame.to_ndarray(format="rgb24")
    h, w = arr.shape[:2]
    shown = (h, max(1, round(w * sar))) if sar is not None else (h, w)  # was the stored shape: a stretched frame
    rot = int(round((getattr(frame, "rotation", 0) or 0) / 90.0)) % 4
    if _mirrored(frame):  # flipped top to bottom, then turned: a left-right mirror's "180 degrees" is then that mirror
        arr = arr[::-1]
    if rot:  # PyAV reports counter-clockwise degrees; np.rot90 rotates counter-clockwise too
        arr = np.rot90(arr, k=rot)
        shown = shown[::-1] if rot % 2 else shown
    arr = np.ascontiguousarray(arr)
    out = short_side_shape(*shown, size) if size is not None else shown
    return arr if arr.shape[:2] == out else resize_frames_uint8_to(arr, out)


def decode_frames(path: str | Path, num_frames: int, *, size: int | None = None) -> np.ndarray:
    """Decode ``num_frames`` frames sampled uniformly in time over the whole clip -> uint8 (T,H,W,3).

    Each sample takes the frame on screen at the midpoint of its segment, so clips with fewer frames
    than requested repeat their nearest frames; a clip of one frame shown, a still image, is refused
    (:func:`check_frame_count`). Frames are as players show them (upright, non-square pixels at their
    shown width: see the module's docstring). ``size`` resizes the short side (antialiased bilinear).
    Any unreadable input raises ``BGSInputError`` naming the file.
    """
    num_frames = checked_num_frames(num_frames)  # 2.5 failed in a TypeError after opening the file, True read as 1
    picked = _frames_at(check_file(path), lambda t: sample_times(t.start, t.end, num_frames), size)
    # a resolution change mid-stream: every frame is brought to the first one's shape, so they stack
    first = picked[0].shape
    return np.stack([a if a.shape == first else resize_frames_uint8_to(a, first[:2]) for a in picked])


def check_first_frame(path: str | Path) -> None:
    """Refuse, in :func:`decode_frames`' words, a file no frame decodes from or that shows one frame (a still image),
    decoding its first frame only. Why: ``bgs-hf data import`` checks every clip it copies, and sampling one frame
    mid-clip decoded half of each (about ten times the cost on short clips, far more on long ones)."""
    _frames_at(check_file(path), lambda t: np.array([t.start], dtype=np.float64), None)


def check_last_frame(path: str | Path) -> None:
    """Refuse an MP4/MOV cut inside its last frame where that frame fails to decode alone, from the sample table and
    that one frame (no decode of the clip), in the Space's upload check's words, whatever frames a later decode
    samples. Why: a faststart MP4 cut a few bytes short passed ``bgs-hf data import`` (whose decode reads the first
    frame) and ``data validate`` (the middle one), and was refused by training's decode of more frames."""
    _check_samples_present(check_file(path), last_frame=True)


def _frames_at(p: Path, at: Callable[[_Timeline], np.ndarray], size: int | None) -> list[np.ndarray]:
    """The frames on screen at the times ``at`` picks on the clip's timeline (rising), every failure one line."""
    import av

    timeline = None
    try:
        with _open(p) as container:  # pass 1: demux only, for the timeline the samples divide
            timeline = _timeline(container, _video_stream(container, p), p)
        check_frame_count(timeline.n_frames, p)
        with _open(p) as container:  # pass 2: decode in order, converting only the frames kept
            return _frames_on_screen(container, timeline, at(timeline), size, p)
    except BGSInputError:
        raise
    except (av.FFmpegError, OSError, MemoryError, ValueError) as err:  # ValueError: unsupported pix_fmt
        logger.debug("decoding %s failed", p, exc_info=True)
        if timeline is not None and timeline.ends_inside:  # re-encoding keeps the cut; another copy has the frame
            raise BGSInputError(f"truncated video: the file ends inside the last frame it holds ({error_reason(err)}); "
                                f"{RECOPY_HINT}", path=p) from None
        raise BGSInputError(f"corrupt video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None


#: FFmpeg's own VP8/VP9 decoders drop the alpha a WebM stores beside each frame (``alpha_mode`` 1, Matroska's
#: BlockAdditional); libvpx's read it, to the same colour pixels.
_ALPHA_DECODERS = {"vp8": "libvpx", "vp9": "libvpx-vp9"}


def _alpha_decoder(stream: Any, p: Path) -> Any | None:
    """A libvpx decoder for a WebM whose alpha FFmpeg's own decoder would drop; ``None`` for every other stream."""
    import av

    alpha_mode = next((str(v).strip() for k, v in stream.metadata.items() if k.lower() == "alpha_mode"), "")
    name = _ALPHA_DECODERS.get(stream.codec_context.name) if alpha_mode == "1" else None
    if name is None:
        return None
    try:
        return av.CodecContext.create(name, "r")
    except (av.FFmpegError, ValueError):  # a PyAV built on an FFmpeg without libvpx
        logger.warning("%s: its alpha channel is not read (this FFmpeg has no %s decoder), so transparent pixels keep "
                       "the colour stored under them", p.name, name)
        return None


def _decoded(container: Any, stream: Any, decoder: Any | None) -> Iterator[Any]:
    """The stream's frames in decoder order, by ``decoder`` where one is given (``_alpha_decoder``)."""
    if decoder is None:
        yield from container.decode(stream)
        return
    for packet in container.demux(stream):  # the last, empty packet flushes the decoder
        yield from decoder.decode(packet)


def _frames_on_screen(container: Any, timeline: _Timeline, targets: np.ndarray, size: int | None,
                      p: Path) -> list[np.ndarray]:
    """One RGB array per target time (rising): the last frame presented at or before it, the first frame for a
    target before any. A frame is converted once however many targets it covers, and decoding stops at the
    first frame past the last target.

    Where the first frame decoded comes after the timeline's start (a clip cut with no keyframe at its head: the
    decoder drops what comes before the first one, and a player shows nothing of it), the targets are spread again
    over what can be shown, with a warning: they were the first frame shown again for every target in the part
    that cannot be decoded (half the samples of a clip cut 15 frames before a keyframe).
    """
    stream = _video_stream(container, p)
    reorders = _reorders(stream)
    decoder = _alpha_decoder(stream, p)
    reader = f"-c:v {decoder.name} " if decoder is not None else ""  # how ffmpeg reads the alpha, for the hint
    sar = _sample_aspect(stream, p)
    picked: list[np.ndarray] = []
    on_screen = None
    for frame, shown_at in _presented(_decoded(container, stream, decoder), timeline, reorders):
        if on_screen is None and shown_at > timeline.start:
            lost = f"{(shown_at - timeline.start) * float(stream.time_base):.2f} s" if stream.time_base else "frames"
            logger.warning("%s: its first %s cannot be decoded (no keyframe before them): its frames are sampled "
                           "from the first one shown", p.name, lost)
            targets = sample_times(shown_at, timeline.end, len(targets))
        if on_screen is not None and len(picked) < len(targets) and targets[len(picked)] < shown_at:
            arr = _frame_array(on_screen, size, p, reader, sar)
            while len(picked) < len(targets) and targets[len(picked)] < shown_at:
                picked.append(arr)
        if len(picked) == len(targets):
            break
        on_screen = frame
    if on_screen is None:
        raise BGSInputError(f"no decodable video frames; {REENCODE_HINT}", path=p)
    if len(picked) < len(targets):  # targets after the last frame's start: it stays on screen to the end
        picked.extend([_frame_array(on_screen, size, p, reader, sar)] * (len(targets) - len(picked)))
    return picked


def probe(path: str | Path, *, count_frames: bool = False) -> VideoInfo:
    """Container, codec, size, duration and frame count, read from headers (no pixel decoding).

    ``count_frames=True`` demuxes the stream (still no decoding) when the header has no frame count; a stream
    demuxed anyway for its duration reports its frame count too.
    """
    import av

    p = check_file(path)
    try:
        with _open(p) as container:
            stream = _video_stream(container, p)
            cc = stream.codec_context
            if cc is None:  # PyAV gives no codec context where FFmpeg has no decoder (a damaged or unknown codec id)
                _refuse_if_cut(p)  # an MP4 cut inside its video track's sample description
                raise BGSInputError(f"no decoder for its video codec; {REENCODE_HINT}", path=p)
            tb = stream.time_base
            duration = float(stream.duration * tb) if stream.duration and tb else None
            if duration is None and container.duration:
                duration = container.duration / 1_000_000
            rate = stream.average_rate or stream.guessed_rate
            frames = int(stream.frames or 0) or None
            if duration is None or (frames is None and count_frames):
                # no header duration (live-muxed WebM, as browsers record): demux the timestamps, no decoding
                timeline = _timeline(container, stream, p)
                frames = frames or timeline.n_frames or None  # paid for already: a second demux only to count
                if duration is None and timeline.n_frames:
                    if not timeline.by_index and tb:
                        duration = float((timeline.end - timeline.start) * tb)
                    elif rate:
                        duration = timeline.n_frames / float(rate)
            return VideoInfo(
                path=str(p),
                container=container.format.name,
                codec=cc.codec.canonical_name,  # 'av1', not the decoder ('libdav1d') that reads it
                pix_fmt=cc.pix_fmt,
                width=int(cc.width),
                height=int(cc.height),
                duration_s=duration,
                frames=frames,
                fps=float(rate) if rate else None,
                size_bytes=p.stat().st_size,
                has_audio=bool(container.streams.audio),
                sample_aspect_ratio=float(sar) if (sar := _sample_aspect(stream, p)) is not None else None,
            )
    except (av.FFmpegError, OSError) as err:
        raise BGSInputError(f"not a readable video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None


def scale_down_hint(width: int, height: int, max_pixels: int) -> str:
    """What to do about a frame of more than ``max_pixels`` pixels: the largest even size of its shape within the
    limit, and the ffmpeg line that scales it there (a DCI 4K upload, 4096x2160, was refused as too large with no
    word of what would fit)."""
    scale = math.sqrt(max_pixels / (width * height))
    fit_w, fit_h = (max(2, int(side * scale) // 2 * 2) for side in (width, height))  # even: yuv420p needs it
    return (f"scale it to {fit_w}x{fit_h} or less to fit (ffmpeg -i IN -vf scale={fit_w}:{fit_h} -c:v libx264 "
            "-pix_fmt yuv420p OUT.mp4)")


@dataclass
class VideoLimits:
    """Upload limits for untrusted videos (the Space). ``None`` disables a check."""

    max_bytes: int | None = 50 * 1024 * 1024
    max_duration_s: float | None = 60.0
    max_pixels: int | None = 3840 * 2160
    #: longer side / shorter side: an 8192x16 clip of 3 kB resized to a 224-px short side is frames 114,688 px
    #: wide (a gigabyte decoded)
    max_aspect: float | None = 4.0
    codecs: tuple[str, ...] | None = ("h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "ffv1")
    containers: tuple[str, ...] | None = ("mp4", "mov", "matroska", "webm", "avi")
    #: fewest frames, checked before decoding (:func:`check_frame_count`, the rule the decoder applies to every clip)
    min_frames: int | None = MIN_FRAMES

    def __post_init__(self) -> None:
        # one line naming the field: a limit of 2.5 frames or "1000" bytes was compared as given (text failed in `>`
        # at the first upload), True read as 1, a negative limit refused every upload
        for name in ("max_bytes", "max_pixels", "min_frames"):
            if getattr(self, name) is not None:
                setattr(self, name, whole_number(getattr(self, name), f"VideoLimits.{name}", least=0))


def check_video(path: str | Path, limits: VideoLimits | None = None, num_frames: int | None = None) -> VideoInfo:
    """Pre-decode gate for untrusted uploads: size first (before FFmpeg reads it), then container and
    codec allow-lists, duration and resolution from the headers, then an MP4/MOV's sample table against the file's
    size (a frame stored past its end: ``truncated video``; with ``num_frames``, the samples the clip's decode takes,
    also a last frame cut short where that decode reads it and it does not decode alone, or for AV1 is cut in its first
    frame OBU), then the fewest frames, whose first ``min_frames`` packets are demuxed (a header's count can be more
    than the file holds). Raises ``BGSInputError``."""
    lim = limits or VideoLimits()
    p = check_file(path)
    nbytes = p.stat().st_size
    if lim.max_bytes is not None and nbytes > lim.max_bytes:
        raise BGSInputError(f"file too large ({_size_text(nbytes)} > limit {_size_text(lim.max_bytes)})", path=p)
    info = probe(p)
    if lim.containers is not None and not set(info.container.split(",")) & set(lim.containers):
        # the allowed ones named: "not allowed" alone left a visitor guessing what to convert the clip to
        raise BGSInputError(f"container '{info.container}' not allowed (allowed: {', '.join(lim.containers)})", path=p)
    if lim.codecs is not None and info.codec not in lim.codecs:
        raise BGSInputError(f"codec '{info.codec}' not allowed (allowed: {', '.join(lim.codecs)})", path=p)
    if lim.max_duration_s is not None and info.duration_s is None:
        raise BGSInputError("duration unknown (neither the header nor the timestamps give one)", path=p)
    if lim.max_duration_s is not None and info.duration_s > lim.max_duration_s:
        raise BGSInputError(f"duration {_seconds(info.duration_s)} exceeds limit {_seconds(lim.max_duration_s)}", path=p)
    if lim.max_pixels is not None and info.width * info.height > lim.max_pixels:
        # the fix first: the line ends in the refusal's own words, as it always has (a caller may match its end)
        raise BGSInputError(f"{scale_down_hint(info.width, info.height, lim.max_pixels)}: resolution "
                            f"{info.width}x{info.height} too large ({info.width * info.height:,} pixels > limit "
                            f"{lim.max_pixels:,})", path=p)
    # as shown: a 64x48 clip of pixels 8:1 wide is decoded 512x48 (so to 2,389x224 px at size 224)
    shown_w = info.width * (info.sample_aspect_ratio or 1.0)
    if lim.max_aspect is not None and max(shown_w, info.height) > lim.max_aspect * max(min(shown_w, info.height), 1):
        shape = f"{info.width}x{info.height}" + (f" (shown {round(shown_w)}x{info.height}: its pixels are "
                                                 f"{info.sample_aspect_ratio:.3g} times as wide as high)"
                                                 if info.sample_aspect_ratio else "")
        raise BGSInputError(f"frame shape {shape} is too elongated (more than {lim.max_aspect:g}:1)", path=p)
    if info.frames is not None and info.frames > (lim.min_frames or 0):
        # a longer clip cut short (a stopped download, `head -c` of an MP4 whose index comes first): one line saying
        # so, before the Space's worker decodes (it refused the clip only after hashing it, in its first pass) and
        # before the count of the first frames (which called a 250-frame clip cut inside its first frame "0 frames:
        # too few for a video"); a clip of no more frames than the fewest allowed, cut, is too few either way
        _check_samples_present(p, None if num_frames is None else checked_num_frames(num_frames))
    if lim.min_frames is not None:
        if info.frames is None or info.frames < lim.min_frames:  # no count, or too few: an AVI header may undercount
            info.frames = _frames_shown(p)  # the decoder's count: an upload is refused where training refuses the clip
        # a count is not the frames there: a 2-frame MP4 cut inside or after its first frame still says 2 (it passed
        # here, and the decoder refused it in other words); the first frames are read, never the rest of the file
        if info.frames >= lim.min_frames and (whole := _frames_shown(p, upto=lim.min_frames)) < lim.min_frames:
            info.frames = whole
        check_frame_count(info.frames, p, lim.min_frames)
    return info


def _frames_shown(p: Path, upto: int | None = None) -> int:
    """The frames the decoder samples from (demuxed, not decoded): what :func:`decode_frames` counts. With ``upto``,
    the frames of the first ``upto`` packets the decoder gets a picture from: a long upload's packets are not all read
    to learn that it has two frames. A packet the file ends inside (FFmpeg flags it corrupt) counts as the decoder
    takes it: a frame where those few packets decode (an AVI or an MPEG-4 Part 2 MP4 cut inside its second frame, which
    training decodes), none where they fail (an H.264 MP4 cut so, "corrupt video" to training)."""
    import av

    try:
        with _open(p) as container:
            stream = _video_stream(container, p)
            if upto is None:
                return _timeline(container, stream, p).n_frames
            first: list[Any] = []
            for packet in container.demux(stream):
                if not _is_flush(packet) and _is_shown(packet):
                    first.append(packet)
                if len(first) >= upto:
                    break
            whole = sum(not packet.is_corrupt for packet in first)
            if whole == len(first) or _decodes(stream, first):
                return len(first)
            return whole
    except (av.FFmpegError, OSError) as err:
        raise BGSInputError(f"not a readable video ({error_reason(err)}); {REENCODE_HINT}", path=p) from None


def _decodes(stream: Any, packets: list[Any]) -> bool:
    """Whether the decoder reads ``packets`` (the first few of a file, one of them cut) without an error: the only
    decoding the upload check does, and only where a packet is cut, to refuse what :func:`decode_frames` refuses."""
    import av

    try:
        for packet in [*packets, None]:  # None flushes the frames the decoder holds back
            stream.codec_context.decode(packet)
    except av.FFmpegError:
        return False
    return True


def _size_text(nbytes: int) -> str:
    """MiB to a tenth from 1 MiB up, whole bytes below (where a limit of 1000 bytes would read "0.0 MiB")."""
    return f"{nbytes / 2**20:.1f} MiB" if nbytes >= 2**20 else f"{nbytes} bytes"


def _seconds(value: float) -> str:
    """Seconds to the millisecond, trailing zeros dropped: a 0.39 s limit read "limit 0s" when shown whole."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "s"
