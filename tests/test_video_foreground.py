"""Label-free foreground (shake compensation + median background): exact on a constructed clip, close to the
renderer's own agent masks on SocialShapes clips, and clearly better than raw frame differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bgs_hf.video.foreground import ForegroundConfig, estimate_shifts, foreground


def _shaken_clip(shifts: list[tuple[int, int]], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A textured static scene seen through integer camera shifts, with one 6-px square moving right."""
    rng = np.random.default_rng(seed)
    scene = rng.integers(0, 256, size=(80, 80, 3), dtype=np.uint8)
    frames, truth = [], []
    for t, (dy, dx) in enumerate(shifts):
        img = scene[8 + dy : 8 + dy + 48, 8 + dx : 8 + dx + 48].copy()  # the camera moves by (dy, dx)
        mask = np.zeros((48, 48), bool)
        mask[20:26, 10 + 3 * t : 16 + 3 * t] = True
        img[mask] = (255, 0, 0)
        frames.append(img)
        truth.append(mask)
    return np.stack(frames)[None], np.stack(truth)[None]


SHIFTS = [(0, 0), (1, -2), (-3, 1), (2, 2), (0, -1), (-1, 3), (3, 0), (1, 1)]


def test_shift_estimate_recovers_the_camera_path_up_to_a_common_offset() -> None:
    clip, _ = _shaken_clip(SHIFTS)
    est = estimate_shifts(torch.from_numpy(clip).float() / 255).numpy()[0]
    # a frame seen from camera offset s is aligned to the middle frame's view (offset m) by rolling it s - m
    assert (est == np.array(SHIFTS) - np.array(SHIFTS[len(SHIFTS) // 2])).all(), est


def test_foreground_is_the_moving_square_and_not_the_texture() -> None:
    clip, truth = _shaken_clip(SHIFTS)
    fg = foreground(clip, progress=False) > 25
    inner = np.zeros_like(truth)
    inner[..., 5:-5, 5:-5] = True  # the border is zeroed by design
    assert (fg & truth & inner).sum() / (truth & inner).sum() > 0.95
    assert (fg & ~truth).sum() / (~truth & inner).sum() < 0.01


def test_without_compensation_texture_would_dominate() -> None:
    """The point of the alignment: plain frame differences of the shaken clip light up most of the frame."""
    clip, truth = _shaken_clip(SHIFTS)
    diff = np.abs(np.diff(clip[0].astype(int), axis=0)).mean(-1) > 25
    assert diff[..., 5:-5, 5:-5].mean() > 0.5
    assert (foreground(clip, progress=False) > 25).mean() < 2 * truth.mean()


@pytest.mark.slow
def test_socialshapes_foreground_matches_the_renderers_agent_masks() -> None:
    from bgs_hf.pretrain.config import CORPUS_SEED_OFFSET
    from bgs_hf.synth import SynthConfig, render_scene, sample_scene

    cfg, ious = SynthConfig(), []
    for i in range(8):
        rendered = render_scene(sample_scene(np.random.default_rng(CORPUS_SEED_OFFSET + i), cfg), cfg)
        fg = foreground(rendered.frames[None], progress=False)[0] > 25
        agents = rendered.agent_masks
        ious.append((fg & agents).sum() / (fg | agents).sum())
    assert np.mean(ious) > 0.45, ious  # measured 0.61 over the first 20 corpus clips; slow agents blend in


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="uint8 clips"):
        foreground(np.zeros((1, 4, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="border"):
        foreground(np.zeros((1, 4, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="max_shift"):
        ForegroundConfig(max_shift=5, border=5)


def test_foreground_by_hand_on_a_still_clip() -> None:
    """Mutation audit: channels summed instead of averaged, uint8 values truncated, a border row left unzeroed, a
    chunk slice one clip short and a 2·border frame accepted all passed (the other tests threshold at 25 on one
    clip). A still textured clip whose frame ``t`` of clip ``n`` alone brightens one interior pixel by (30, 60, 92)
    and four border pixels: the median background is the scene, so the foreground is that pixel alone at
    round((30 + 60 + 92) / 3) = round(60.67) = 61, wherever the chunks fall."""
    scene = np.random.default_rng(0).integers(40, 200, size=(16, 16, 3), dtype=np.uint8)
    clips = np.repeat(np.repeat(scene[None, None], 3, axis=1), 3, axis=0)
    want = np.zeros((3, 3, 16, 16), np.uint8)
    for n, (t, y, x) in enumerate([(0, 8, 8), (1, 6, 9), (2, 10, 5)]):
        clips[n, t, y, x] += np.array([30, 60, 92], np.uint8)
        want[n, t, y, x] = 61
        for by, bx in [(4, 8), (11, 8), (8, 4), (8, 11)]:  # inside the default 5-px border of a 16-px frame
            clips[n, t, by, bx] += 50
    np.testing.assert_array_equal(foreground(clips, ForegroundConfig(chunk=2), progress=False), want)
    foreground(np.zeros((1, 3, 11, 11, 3), np.uint8), progress=False)  # one pixel inside the border: accepted
    with pytest.raises(ValueError, match="border"):
        foreground(np.zeros((1, 3, 10, 10, 3), np.uint8), progress=False)  # nothing inside it


def test_a_negative_shake_range_and_frames_that_are_not_uint8_clips_are_refused() -> None:
    """Mutation audit (second pass): ``max_shift`` -1 accepted (no shift searched at all), float clips taken for
    uint8 ones (values in [0, 1] read as levels out of 255: a foreground of at most 1/255) and
    ``foreground_stream`` without its (N,T,H,W,C) check all passed."""
    from bgs_hf.video.foreground import foreground_stream

    with pytest.raises(ValueError, match="need 0 <= max_shift < border, got max_shift=-1, border=5"):
        ForegroundConfig(max_shift=-1)
    with pytest.raises(ValueError, match="expected uint8 clips"):
        foreground(np.ones((1, 3, 16, 16, 3), np.float32), progress=False)
    with pytest.raises(ValueError, match=r"expected frames \(N,T,H,W,C\), got shape \(3, 16, 16, 3\)"):
        foreground_stream(torch.zeros(3, 16, 16, 3))


def test_an_even_frame_counts_background_is_the_lower_middle_value() -> None:
    """Mutation audit (third pass): the background as the mean of the two middle frames (``quantile(0.5)``) for an even
    frame count passed (the hand clip had 3 frames; the shaken one is thresholded). torch's median, which the
    committed stream was computed with, takes the lower one: a still clip whose pixel (8, 8) is 10, 20, 60, 100 in
    its four frames has background 20 there and foreground 10, 0, 40, 80 (the two-middle mean, 40: 30, 20, 20, 60)."""
    scene = np.random.default_rng(0).integers(40, 200, size=(16, 16, 3), dtype=np.uint8)
    clip = np.repeat(scene[None, None], 4, axis=1)
    clip[0, :, 8, 8] = np.array([10, 20, 60, 100], np.uint8)[:, None]
    fg = foreground(clip, progress=False)
    assert fg[0, :, 8, 8].tolist() == [10, 0, 40, 80]
    fg[0, :, 8, 8] = 0
    assert not fg.any()


def test_the_stream_itself_refuses_frames_with_nothing_inside_the_border() -> None:
    """Mutation audit (third pass): ``foreground_stream`` without its own size check passed (only ``foreground``, the
    uint8 wrapper, was tested). The conv3d model calls the stream directly: 10-px frames under a 5-px border have an
    empty alignment window (NaN costs: shift (-4, -4) for every frame) and a border that zeroes the whole stream,
    served as an all-black foreground without a word."""
    from bgs_hf.video.foreground import foreground_stream

    with pytest.raises(ValueError, match=r"frames of \(10, 10\) px leave nothing inside a 5-px border"):
        foreground_stream(torch.zeros(1, 3, 10, 10, 3), ForegroundConfig())


@pytest.mark.parametrize(("field", "value", "line"), [
    ("max_shift", 2.5, "ForegroundConfig.max_shift must be a whole number, got 2.5"),
    ("max_shift", True, "ForegroundConfig.max_shift must be a whole number, got True"),
    ("border", "5", "ForegroundConfig.border must be a whole number, got '5'"),
    ("chunk", 2.5, "ForegroundConfig.chunk must be a whole number, got 2.5"),
    ("chunk", True, "ForegroundConfig.chunk must be a whole number, got True"),
    ("chunk", 0, "ForegroundConfig.chunk must be >= 1, got 0"),
])
def test_a_foreground_setting_that_is_no_whole_number_is_one_line_naming_it(field, value, line) -> None:
    """A max shift or chunk of 2.5 was accepted and failed in ``range()`` at the first clip, ``True`` searched a
    1-px shake or took chunks of 1 clip, and ``"5"`` failed in ``<=`` with a TypeError. A whole float or numpy
    integer is that ``int``."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError) as caught:
        ForegroundConfig(**{field: value})
    assert str(caught.value) == line
    got = ForegroundConfig(max_shift=np.int64(3), border=4.0, chunk=np.int32(2))
    assert got == ForegroundConfig(max_shift=3, border=4, chunk=2)
    assert {type(got.max_shift), type(got.border), type(got.chunk)} == {int}
