"""ClipCache: never decode twice, atomic writes, corrupt entries rebuilt, no pickle; load_clip(s)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import bgs_hf.video.decode as decode_mod
from bgs_hf.video import ClipCache, ClipDataset, FramePolicy, decode_frames, load_clip, load_clips

try:
    from tests.media import clips as media
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from media import clips as media  # type: ignore[no-redef]

POLICY = FramePolicy(num_frames=4, size=32, crop=24)


@pytest.fixture()
def clip(tmp_path: Path) -> Path:
    return media.write_barcode_clip(tmp_path / "videos" / "a.mp4", 12)


@pytest.fixture()
def decode_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = decode_mod.decode_frames

    def counting(path, num_frames, *, size=None):  # noqa: ANN001, ANN202
        calls.append(Path(path).name)
        return real(path, num_frames, size=size)

    monkeypatch.setattr(decode_mod, "decode_frames", counting)
    return calls


def test_second_call_does_not_decode(tmp_path: Path, clip: Path, decode_calls: list[str]) -> None:
    cache = ClipCache(tmp_path / "cache")
    first = cache.get(clip, POLICY)
    second = cache.get(clip, POLICY)
    assert decode_calls == ["a.mp4"]
    np.testing.assert_array_equal(first, second)
    assert first.shape == (4, 32, 42, 3) and first.dtype == np.uint8
    # a fresh process (new ClipCache object) reads the same entry from disk
    ClipCache(tmp_path / "cache").get(clip, POLICY)
    assert decode_calls == ["a.mp4"]
    # the key is the content: a renamed copy hits, a policy that only changes crop/mean hits
    cache.get(media.copy(clip, tmp_path / "renamed.mp4"), POLICY)
    cache.get(clip, FramePolicy(num_frames=4, size=32, crop=16, mean=(0, 0, 0), std=(1, 1, 1)))
    assert decode_calls == ["a.mp4"]
    # decoding parameters change the key
    cache.get(clip, FramePolicy(num_frames=3, size=32, crop=24))
    cache.get(clip, FramePolicy(num_frames=4, size=28, crop=24))
    assert len(decode_calls) == 3
    # ... into entries of their own: the first policy's entry is still there (a shared key would have been
    # overwritten by the size-28 frames and decoded again here)
    keys = {cache.entry_path(clip, FramePolicy(num_frames=n, size=s, crop=24)) for n, s in ((4, 32), (3, 32), (4, 28))}
    assert len(keys) == 3 and all(k.is_file() for k in keys)
    cache.get(clip, POLICY)
    assert len(decode_calls) == 3


def test_edited_file_misses(tmp_path: Path, clip: Path, decode_calls: list[str]) -> None:
    cache = ClipCache(tmp_path / "cache")
    cache.get(clip, POLICY)
    media.write_barcode_clip(clip, 20)  # same path, new content
    frames = cache.get(clip, POLICY)
    assert len(decode_calls) == 2
    assert [media.read_barcode(f) for f in frames] == [2, 7, 12, 17]


def test_a_video_replaced_while_it_is_decoded_leaves_no_entry_under_its_old_contents_key(
    tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The key is the sha256 of the bytes hashed before decoding; a video replaced between the hash and the decode (a
    ``git checkout`` of the data, a re-encode in place, while a run reads it) stored the new video's frames under the
    old contents' key, and once the old video was back the cache served the other clip's frames, checksum and all."""
    import shutil

    original = tmp_path / "original.mp4"
    shutil.copyfile(clip, original)
    real = decode_mod.decode_frames

    def replaced_midway(path, num_frames, *, size=None):  # noqa: ANN001, ANN202
        media.write_barcode_clip(Path(path), 20)  # another clip, under the same name
        return real(path, num_frames, size=size)

    monkeypatch.setattr(decode_mod, "decode_frames", replaced_midway)
    cache = ClipCache(tmp_path / "cache")
    with caplog.at_level("WARNING", logger="bgs_hf.video.cache"):
        got = cache.get(clip, POLICY)
    assert [media.read_barcode(f) for f in got] == [2, 7, 12, 17]  # what was decoded: the new video
    assert "changed while it was decoded" in caplog.text and "a.mp4" in caplog.text
    assert not list((tmp_path / "cache").rglob("*.npy"))
    monkeypatch.setattr(decode_mod, "decode_frames", real)
    shutil.copyfile(original, clip)  # the old video is back
    np.testing.assert_array_equal(ClipCache(tmp_path / "cache").get(clip, POLICY), decode_frames(original, 4, size=32))


def test_cached_and_uncached_tensors_identical(tmp_path: Path, clip: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    plain = load_clip(clip, POLICY)
    cold = load_clip(clip, POLICY, cache)
    warm = load_clip(clip, POLICY, cache)
    assert plain.shape == (4, 3, 24, 24) and plain.dtype == torch.float32
    torch.testing.assert_close(cold, plain, rtol=0, atol=0)
    torch.testing.assert_close(warm, plain, rtol=0, atol=0)


def test_half_written_temp_file_is_ignored(tmp_path: Path, clip: Path, decode_calls: list[str]) -> None:
    cache = ClipCache(tmp_path / "cache")
    entry = cache.entry_path(clip, POLICY)
    entry.parent.mkdir(parents=True)
    tmp = entry.parent / f"{ClipCache.TMP_PREFIX}killed.npy"
    tmp.write_bytes(b"\x93NUMPY\x01\x00garbage-from-a-killed-writer")
    frames = cache.get(clip, POLICY)
    assert decode_calls == ["a.mp4"]
    np.testing.assert_array_equal(frames, decode_frames(clip, 4, size=32))
    assert np.load(entry, allow_pickle=False).shape == frames.shape
    assert cache.remove_stale_tmp(max_age_s=-1) == 1 and not tmp.exists()


def test_killed_write_leaves_no_entry(tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ClipCache(tmp_path / "cache")

    def dying_save(f, arr, allow_pickle=False):  # noqa: ANN001, ANN202
        f.write(b"\x93NUMPY partial")
        raise KeyboardInterrupt  # the process is interrupted mid-write

    monkeypatch.setattr(np, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        cache.get(clip, POLICY)
    monkeypatch.undo()
    entry = cache.entry_path(clip, POLICY)
    assert not entry.exists() and not list(entry.parent.iterdir())
    assert cache.get(clip, POLICY).shape == (4, 32, 42, 3)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong_shape", "pickle"])
def test_corrupt_entry_is_rebuilt(tmp_path: Path, clip: Path, decode_calls: list[str], damage: str) -> None:
    cache = ClipCache(tmp_path / "cache")
    good = cache.get(clip, POLICY)
    entry = cache.entry_path(clip, POLICY)
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    elif damage == "garbage":
        entry.write_bytes(b"not an npy file at all")
    elif damage == "wrong_shape":
        np.save(entry, np.zeros((2, 8, 8, 3), np.uint8))
    else:  # an object array would need pickle to load: must be refused, never unpickled
        np.save(entry, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    again = cache.get(clip, POLICY)
    assert len(decode_calls) == 2 and cache.rebuilt == 1
    np.testing.assert_array_equal(again, good)
    np.testing.assert_array_equal(np.load(entry, allow_pickle=False), good)


def test_cache_rejects_bad_video_with_one_line(tmp_path: Path) -> None:
    from bgs_hf.errors import BGSInputError

    bad = media.write_text_as_video(tmp_path / "bad.mp4")
    cache = ClipCache(tmp_path / "cache")
    with pytest.raises(BGSInputError, match="bad.mp4"):
        load_clip(bad, POLICY, cache)
    with pytest.raises(BGSInputError, match="missing.mp4"):
        cache.get(tmp_path / "missing.mp4", POLICY)
    assert not list((tmp_path / "cache").rglob("*.npy"))


def test_load_clips_and_dataset(tmp_path: Path, decode_calls: list[str]) -> None:
    paths = [media.write_barcode_clip(tmp_path / f"c{i}.mp4", 6 + i) for i in range(3)]
    cache = ClipCache(tmp_path / "cache")
    assert cache.warm(paths, POLICY, progress=False) == 3
    batch = load_clips(paths, POLICY, cache, progress=False)
    assert batch.shape == (3, 4, 3, 24, 24) and len(decode_calls) == 3
    loader = torch.utils.data.DataLoader(ClipDataset(paths, POLICY, cache), batch_size=2)
    got = torch.cat(list(loader))
    torch.testing.assert_close(got, batch, rtol=0, atol=0)
    assert len(decode_calls) == 3
    assert load_clips([], POLICY, cache, progress=False).shape == (0, 4, 3, 24, 24)


def test_videos_and_cache_entries_get_the_users_permissions(tmp_path: Path, clip: Path) -> None:
    """mkstemp's 0600 was renamed into place as it was: colleagues could not read a benchmark or shared cache."""
    import os
    import stat

    from bgs_hf import _files

    old = os.umask(0o022)
    _files._umask.cache_clear()
    try:
        video = media.write_barcode_clip(tmp_path / "shared" / "b.mp4", 6)
        cache = ClipCache(tmp_path / "cache")
        cache.get(video, POLICY)
        entries = list((tmp_path / "cache").rglob("*.npy"))
        assert entries
        for path in [video, *entries]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    finally:
        os.umask(old)
        _files._umask.cache_clear()


def test_written_files_get_the_umasks_mode_and_share_opens_only_owner_only_files_in_its_folder(tmp_path: Path) -> None:
    """Mutation audit: ``publish`` giving a fixed 0644 (the tests ran at umask 022 only, where that is the right
    mode), and ``share`` changing any file's mode (a 0755 script, a 0640 file the user restricted), going into
    sub-folders or following a symlink out of the folder all passed."""
    import os
    import stat

    from bgs_hf import _files

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.lstat().st_mode if path.is_symlink() else path.stat().st_mode)

    folder, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    for path, perm in ((folder / "weights", 0o600), (folder / "script", 0o755), (folder / "private", 0o640),
                       (folder / "sub" / "weights", 0o600), (elsewhere / "target", 0o600)):
        path.write_text("x")
        path.chmod(perm)
    (folder / "link").symlink_to(elsewhere / "target")
    old = os.umask(0o002)  # a lab's shared folder: group-writable
    _files._umask.cache_clear()
    try:
        _files.save_npy(folder / "a.npy", np.zeros(3))
        _files.share(folder)
    finally:
        os.umask(old)
        _files._umask.cache_clear()
    assert {p.name: mode(p) for p in (folder / "a.npy", folder / "weights", folder / "script", folder / "private")} == {
        "a.npy": 0o664, "weights": 0o664, "script": 0o755, "private": 0o640}
    assert mode(folder / "sub" / "weights") == mode(elsewhere / "target") == 0o600


def test_a_full_cache_volume_costs_the_cache_not_the_clip(tmp_path: Path, clip: Path, monkeypatch, caplog) -> None:
    """ENOSPC on the cache volume stopped training mid-epoch with "196608 requested and 3968 written"."""
    import errno

    from bgs_hf.video import cache as cache_mod

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_mod, "save_npy", full)
    cache = ClipCache(tmp_path / "cache")
    with caplog.at_level("WARNING"):
        first = cache.get(clip, POLICY)
        cache.get(clip, POLICY)
    assert first.shape[0] == POLICY.num_frames
    assert sum("going on without caching" in r.message for r in caplog.records) == 1


def test_temp_files_of_killed_writers_are_removed_when_a_cache_opens(tmp_path: Path) -> None:
    import os
    import time

    stale = tmp_path / "cache" / "ab" / (ClipCache.TMP_PREFIX + "x.npy")
    fresh = stale.with_name(ClipCache.TMP_PREFIX + "y.npy")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    ClipCache(tmp_path / "cache")
    assert not stale.exists() and fresh.exists()


def test_av1_is_checked_by_its_codec_not_its_decoder(tmp_path: Path) -> None:
    """probe() reported the decoder ('libdav1d'), so an allowed AV1 upload was always refused."""
    from bgs_hf.video.decode import check_video, probe
    from bgs_hf.video.write import write_video

    frames = np.random.default_rng(0).integers(0, 255, (8, 64, 64, 3)).astype(np.uint8)
    path = tmp_path / "av1.mp4"
    media.encoder_or_skip("libsvtav1")  # not a try around write_video: its own errors failed as a skip
    write_video(path, frames, fps=8, codec="libsvtav1", options={"preset": "12"})
    assert probe(path).codec == "av1"
    check_video(path)


# ---------------------------------------------------------------------------------------------- entry integrity
def _damage(entry: Path, how: str) -> None:
    data = bytearray(entry.read_bytes())
    if how == "flip_pixel":  # one bit in the middle of the frames: np.load reads it happily
        data[len(data) // 2] ^= 0x01
    elif how == "flip_last_pixel":
        data[len(data) - 1 - 48] ^= 0x80  # past any small trailer: inside the last frame's bytes
    elif how == "flip_header":
        data[20] ^= 0x04
    elif how == "truncate_one_byte":
        del data[-1:]
    elif how == "truncate_mid":
        del data[len(data) * 2 // 3 :]
    elif how == "zero_length":  # what a power cut after the rename can leave
        data = bytearray()
    elif how == "appended":
        data += b"\x00" * 17
    entry.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "how", ["flip_pixel", "flip_last_pixel", "flip_header", "truncate_one_byte", "truncate_mid", "zero_length",
            "appended"]
)
def test_a_damaged_cache_entry_is_decoded_again_once_with_a_warning(
    tmp_path: Path, clip: Path, decode_calls: list[str], caplog: pytest.LogCaptureFixture, how: str
) -> None:
    """A bit flip inside a cached clip was served as it was: training used the corrupt frames, with no word."""
    cache = ClipCache(tmp_path / "cache")
    fresh = decode_frames(clip, POLICY.num_frames, size=POLICY.size)
    cache.get(clip, POLICY)
    entry = cache.entry_path(clip, POLICY)
    _damage(entry, how)
    with caplog.at_level("WARNING", logger="bgs_hf.video.cache"):
        again = ClipCache(tmp_path / "cache").get(clip, POLICY)
    np.testing.assert_array_equal(again, fresh)
    assert again.flags.writeable
    assert decode_calls == ["a.mp4", "a.mp4"]  # decoded again from the video, once
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "a.mp4" in warnings[0] and entry.name in warnings[0], warnings
    assert "\n" not in warnings[0]
    # the entry on disk is whole again: the next read is a silent hit
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.video.cache"):
        np.testing.assert_array_equal(ClipCache(tmp_path / "cache").get(clip, POLICY), fresh)
    assert len(decode_calls) == 2 and not caplog.records


def test_a_damaged_entry_on_a_read_only_cache_is_never_served(
    tmp_path: Path, clip: Path, decode_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuilt entry cannot be written (read-only volume): every read still decodes, never the bad frames."""
    import errno

    from bgs_hf.video import cache as cache_mod

    cache = ClipCache(tmp_path / "cache")
    fresh = cache.get(clip, POLICY)
    _damage(cache.entry_path(clip, POLICY), "flip_pixel")

    def read_only(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(cache_mod, "save_npy", read_only)
    for _ in range(2):
        np.testing.assert_array_equal(cache.get(clip, POLICY), fresh)
    assert len(decode_calls) == 3


def test_entries_of_the_format_before_checksums_are_not_read(tmp_path: Path, clip: Path) -> None:
    """The on-disk format changed (checksum), so the key did: an old entry is never taken for a new one."""
    import hashlib
    import json

    cache = ClipCache(tmp_path / "cache")
    sha = cache.content_hash(clip)
    old_key = hashlib.sha256(json.dumps(POLICY.decode_key(), sort_keys=True).encode()).hexdigest()[:16]
    old = tmp_path / "cache" / sha[:2] / f"{sha}-{old_key}.npy"
    old.parent.mkdir(parents=True)
    np.save(old, np.full((4, 32, 42, 3), 7, np.uint8))  # plausible shape, wrong pixels
    np.testing.assert_array_equal(cache.get(clip, POLICY), decode_frames(clip, 4, size=32))
    assert cache.entry_path(clip, POLICY) != old


def test_concurrent_writers_of_one_entry_leave_one_whole_entry(tmp_path: Path, clip: Path) -> None:
    """Several workers filling the same cache entry at once (DataLoader workers, two runs on one cache)."""
    from concurrent.futures import ThreadPoolExecutor

    fresh = decode_frames(clip, 4, size=32)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: ClipCache(tmp_path / "cache").get(clip, POLICY), range(8)))
    for arr in got:
        np.testing.assert_array_equal(arr, fresh)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [ClipCache(tmp_path / "cache").entry_path(clip, POLICY).name]
    reader = ClipCache(tmp_path / "cache")
    np.testing.assert_array_equal(reader.get(clip, POLICY), fresh)
    assert (reader.hits, reader.misses) == (1, 0)


def test_a_file_rewritten_in_place_at_the_same_size_is_hashed_again(tmp_path: Path) -> None:
    """Mutation audit: a hash memo keyed without the modification time passed (the edit test changes the size): a
    video overwritten in place by another of the same byte size kept the old clip's key in that process."""
    import os

    video = tmp_path / "v.mp4"
    video.write_bytes(b"a" * 64)
    cache = ClipCache(tmp_path / "cache")
    first = cache.content_hash(video)
    with open(video, "r+b") as f:  # same inode, same size
        f.write(b"b" * 64)
    st = video.stat()
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cache.content_hash(video) != first


def test_a_whole_entry_of_another_frame_count_is_not_served(tmp_path: Path, clip: Path, decode_calls: list[str]) -> None:
    """Mutation audit: dropping the frame-count check on read passed (every wrong-shape entry in the suite also
    lacked its checksum trailer). An entry written whole, with its checksum, but holding 3 frames where the policy
    asks 4 (a key that once left a field out) is decoded again, not handed to a 4-frame model."""
    cache = ClipCache(tmp_path / "cache")
    entry = cache.entry_path(clip, POLICY)
    cache._write(entry, decode_frames(clip, 3, size=32))
    got = cache.get(clip, POLICY)
    assert got.shape == (4, 32, 42, 3) and decode_calls == ["a.mp4"] and cache.rebuilt == 1


def test_a_file_rewritten_to_another_size_within_one_mtime_tick_is_hashed_again(tmp_path: Path) -> None:
    """Mutation audit: a hash memo keyed without the file size passed. On file systems with coarse timestamps
    (FAT's 2 s, HFS+'s 1 s, some network mounts) a video rewritten within one tick keeps its mtime: its size is
    the only sign it changed."""
    import os

    video = tmp_path / "v.mp4"
    video.write_bytes(b"a" * 64)
    cache = ClipCache(tmp_path / "cache")
    first = cache.content_hash(video)
    st = video.stat()
    with open(video, "ab") as f:  # same inode, longer
        f.write(b"b")
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.content_hash(video) != first


def test_an_entry_is_written_under_the_temp_name_that_is_cleaned_up(
    tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutation audit: writing entries through temp files without ``TMP_PREFIX`` passed (a writer interrupted in
    Python removes its own temp file). One killed outright (SIGKILL, out of memory) leaves it, and only names that
    start with the prefix are ever removed, so the cache volume filled with orphans."""
    from bgs_hf import _files

    temps: list[str] = []
    real = _files.publish
    monkeypatch.setattr(_files, "publish", lambda tmp, final: temps.append(Path(tmp).name) or real(tmp, final))
    ClipCache(tmp_path / "cache").get(clip, POLICY)
    assert len(temps) == 1 and temps[0].startswith(ClipCache.TMP_PREFIX), temps


def test_warm_counts_only_the_clips_it_had_to_decode(tmp_path: Path, decode_calls: list[str]) -> None:
    """Mutation audit: ``warm`` returning the number of paths passed (the one call was on a cold cache)."""
    paths = [media.write_barcode_clip(tmp_path / f"c{i}.mp4", 6 + i) for i in range(3)]
    cache = ClipCache(tmp_path / "cache")
    assert cache.warm(paths[:2], POLICY, progress=False) == 2
    assert cache.warm(paths, POLICY, progress=False) == 1
    assert cache.warm(paths, POLICY, progress=False) == 0 and len(decode_calls) == 3


def _sealed_npy(arr: np.ndarray) -> bytes:
    """An entry as ``ClipCache`` writes one (``.npy`` + checksum trailer), from any array ``np.save`` takes as is."""
    import io

    from bgs_hf.video import cache as cache_mod

    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue() + cache_mod._seal(buf.getbuffer())


@pytest.mark.parametrize("layout", ["fortran", "four_channels"])
def test_a_whole_entry_of_another_layout_is_not_served(
    tmp_path: Path, clip: Path, decode_calls: list[str], layout: str
) -> None:
    """Mutation audit (second pass): dropping the Fortran-order or the channel check on read passed (the only whole
    wrong entry in the suite had the wrong frame count). Each entry below has its checksum, the policy's 4 frames
    and the clip's 32x42 frames, but Fortran-ordered bytes read in C order scramble the pixels, and a 4-channel
    entry is RGBA. Each is decoded again, once, never served."""
    fresh = decode_frames(clip, 4, size=32)
    assert fresh.shape == (4, 32, 42, 3)
    wrong = {"fortran": np.asfortranarray(fresh), "four_channels": np.zeros((4, 32, 42, 4), np.uint8)}[layout]
    cache = ClipCache(tmp_path / "cache")
    entry = cache.entry_path(clip, POLICY)
    entry.parent.mkdir(parents=True)
    entry.write_bytes(_sealed_npy(wrong))
    decode_calls.clear()
    np.testing.assert_array_equal(cache.get(clip, POLICY), fresh)
    assert decode_calls == ["a.mp4"] and cache.rebuilt == 1 and cache.hits == 0


def test_an_entry_lies_under_the_first_two_hex_digits_of_the_files_sha256_and_the_policy_key(
    tmp_path: Path, clip: Path
) -> None:
    """Mutation audit (third pass): another folder width (``sha[:3]``) or a shorter policy key passed: every test
    asked ``entry_path`` where the entries lie, so any layout read its own writes, while caches a run shares with
    another bgs-hf version (a lab's shared cache) then miss every entry. By hand: the video's sha256 and the first
    16 hex digits of the sha256 of the policy's decode key with the entry format, as sorted JSON."""
    import hashlib
    import json

    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    blob = json.dumps({"cache_format": 2, "decoder": 6, "num_frames": 4, "sampling": "uniform", "size": 32},
                      sort_keys=True).encode()
    key = hashlib.sha256(blob).hexdigest()[:16]
    cache = ClipCache(tmp_path / "cache")
    cache.get(clip, POLICY)
    assert [p.relative_to(tmp_path / "cache") for p in (tmp_path / "cache").rglob("*.npy")] == [
        Path(sha[:2]) / f"{sha}-{key}.npy"]


def test_a_video_replaced_by_another_of_the_same_size_and_time_is_hashed_again(tmp_path: Path) -> None:
    """Mutation audit (third pass): a hash memo keyed without the inode passed (the memo tests edit the file in place).
    A video replaced by a rename (``cp -p`` then ``mv``, rsync) can keep the size and modification time; its inode
    is new."""
    import os

    video, other = tmp_path / "v.mp4", tmp_path / "w.mp4"
    video.write_bytes(b"a" * 64)
    other.write_bytes(b"b" * 64)
    st = video.stat()
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    cache = ClipCache(tmp_path / "cache")
    first = cache.content_hash(video)
    os.replace(other, video)
    assert (video.stat().st_size, video.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert cache.content_hash(video) != first


def test_an_entry_that_cannot_be_read_is_decoded_again_with_the_reason(
    tmp_path: Path, clip: Path, decode_calls: list[str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    """Mutation audit (third pass): an OS error reading an entry (EIO on a failing disk) raised out of ``get`` when
    only a damaged entry was caught, and the suite passed (every damaged entry was readable bytes). The clip is
    decoded again with one warning giving the reason."""
    import builtins
    import errno

    from bgs_hf.video import cache as cache_mod

    cache = ClipCache(tmp_path / "cache")
    fresh = cache.get(clip, POLICY)

    def failing_disk(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if str(path).endswith(".npy"):
            raise OSError(errno.EIO, "Input/output error")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(cache_mod, "open", failing_disk, raising=False)
    with caplog.at_level("WARNING", logger="bgs_hf.video.cache"):
        np.testing.assert_array_equal(cache.get(clip, POLICY), fresh)
    assert decode_calls == ["a.mp4", "a.mp4"] and cache.rebuilt == 1
    assert [r.getMessage().endswith("is damaged (Input/output error): decoding the video again")
            for r in caplog.records] == [True]


def test_a_whole_entry_with_a_byte_past_its_frames_is_decoded_again(
    tmp_path: Path, clip: Path, decode_calls: list[str]
) -> None:
    """Mutation audit (third pass): dropping the check that the body holds exactly the header's frames passed; a
    checksummed entry with one byte more than its (4, 32, 42, 3) frames then failed ``reshape`` with a ValueError
    out of ``get`` instead of being decoded again."""
    import io

    from bgs_hf.video import cache as cache_mod

    fresh = decode_frames(clip, 4, size=32)
    cache = ClipCache(tmp_path / "cache")
    entry = cache.entry_path(clip, POLICY)
    entry.parent.mkdir(parents=True)
    buf = io.BytesIO()
    np.save(buf, fresh, allow_pickle=False)
    body = buf.getvalue() + b"\x00"
    entry.write_bytes(body + cache_mod._seal(memoryview(body)))
    decode_calls.clear()
    np.testing.assert_array_equal(cache.get(clip, POLICY), fresh)
    assert decode_calls == ["a.mp4"] and cache.rebuilt == 1 and cache.hits == 0


def test_an_unverified_cache_serves_its_entry_unchecked_and_a_new_cache_makes_its_parents(
    tmp_path: Path, clip: Path, decode_calls: list[str]
) -> None:
    """Mutation audit (third pass): ``verify=False`` still checking each entry (bench_io.py's unchecked reads then
    timed the check) and a cache folder made without its parents (``--cache-dir runs/cache/clips`` in a fresh
    checkout) passed. A flipped bit is served as it is, without decoding, when the checksum is not read."""
    root = tmp_path / "runs" / "cache" / "clips"
    fresh = ClipCache(root).get(clip, POLICY)
    entry = ClipCache(root).entry_path(clip, POLICY)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    entry.write_bytes(bytes(data))
    served = ClipCache(root, verify=False).get(clip, POLICY)
    assert decode_calls == ["a.mp4"] and (served != fresh).sum() == 1


def test_a_temp_file_younger_than_an_hour_is_left_to_its_writer(tmp_path: Path) -> None:
    """Mutation audit (third pass): removing temp files a minute old when a cache opens passed (the test's stale file
    was two hours old, its fresh one new). A writer on a slow shared volume can hold its temp file for minutes: one
    30 minutes old is kept, one just over the hour is removed."""
    import os
    import time

    folder = tmp_path / "cache" / "ab"
    folder.mkdir(parents=True)
    ages = {"writing": 30 * 60, "left": 3600 + 60}
    for name, age in ages.items():
        tmp = folder / f"{ClipCache.TMP_PREFIX}{name}.npy"
        tmp.write_bytes(b"half")
        os.utime(tmp, (time.time() - age, time.time() - age))
    ClipCache(tmp_path / "cache")
    assert [p.name for p in folder.iterdir()] == [f"{ClipCache.TMP_PREFIX}writing.npy"]


def test_a_file_is_hashed_past_its_first_chunk(tmp_path: Path) -> None:
    """Mutation audit (bgs_hf/video, fourth pass): ``file_sha256`` hashing only its first 1 MiB read passed (every
    test clip is smaller): two videos differing past their first MiB (an edit near a long clip's end) shared one
    cache key, the edited one served the other's frames."""
    import hashlib

    from bgs_hf.video.cache import _CHUNK, file_sha256

    data = bytearray(2 * _CHUNK + 100)
    first, edited = tmp_path / "first.mp4", tmp_path / "edited.mp4"
    first.write_bytes(data)
    data[-1] = 1
    edited.write_bytes(data)
    assert file_sha256(first) == hashlib.sha256(first.read_bytes()).hexdigest()
    assert file_sha256(edited) == hashlib.sha256(edited.read_bytes()).hexdigest() != file_sha256(first)
