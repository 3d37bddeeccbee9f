"""FramePolicy (serialisation, processor configs) and the torch resize/crop/normalise path."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from bgs_hf.video import FramePolicy, center_crop, preprocess, resize_frames_uint8, resize_short_side
from bgs_hf.video.transforms import short_side_shape


def test_policy_roundtrip_through_json() -> None:
    pol = FramePolicy(num_frames=8, size=160, crop=128, mean=(0.5, 0.5, 0.5), std=[0.25, 0.25, 0.25])
    back = FramePolicy.from_dict(json.loads(json.dumps(pol.to_dict())))
    assert back == pol and isinstance(back.std, tuple)


@pytest.mark.parametrize(
    "kwargs",
    [{"crop": 300}, {"crop": 225}, {"num_frames": 0}, {"sampling": "random"}, {"mean": (0.5, 0.5)}, {"std": (1, 0, 1)}],
)
def test_policy_rejects_bad_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        FramePolicy(**kwargs)



@pytest.mark.parametrize(("frames", "line"), [
    (0, "FramePolicy.num_frames must be >= 1, got 0"),
    (-3, "FramePolicy.num_frames must be >= 1, got -3"),
    (2.5, "FramePolicy.num_frames must be a whole number, got 2.5"),
    (True, "FramePolicy.num_frames must be a whole number, got True"),
    ("8", "FramePolicy.num_frames must be a whole number, got '8'"),
])
def test_a_policys_frame_count_is_checked_by_the_registrys_one_check_in_one_line(frames, line) -> None:
    """``FramePolicy`` read 2.5 frames as 2, ``True`` as 1 and ``"8"`` as 8 (``int()``), and refused 0 in a plain
    ValueError of its own; ``from_processor_config(num_frames=2.5)`` truncated before the policy saw it. Now the
    frame count is the backbone registry's ``checked_num_frames``, moved down to ``bgs_hf.video.policy`` (the registry
    imports it from there), each refusal one ``BGSInputError`` line naming the field."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models import registry
    from bgs_hf.video import policy

    with pytest.raises(BGSInputError) as caught:
        FramePolicy(num_frames=frames, size=4, crop=4)
    assert str(caught.value) == line
    with pytest.raises(BGSInputError) as caught:
        FramePolicy.from_processor_config({"crop_size": 4, "size": 4}, num_frames=frames)
    assert str(caught.value) == line
    assert registry.checked_num_frames is policy.checked_num_frames  # one check, still importable from the registry


def test_accepted_frame_counts_give_the_policies_they_gave() -> None:
    """A whole float or numpy integer is that ``int``, and the default backbone's policy is the one its
    ``preprocessor_config.json`` writes out (16 frames, short side 64, crop 64, ImageNet's mean and std)."""
    from bgs_hf.models.registry import DEFAULT_BACKBONE, get_backbone_spec

    for frames in (4, 4.0, np.int64(4)):
        got = FramePolicy(num_frames=frames, size=8, crop=8).num_frames
        assert got == 4 and type(got) is int
    assert get_backbone_spec(DEFAULT_BACKBONE).frame_policy() == FramePolicy(
        num_frames=16, size=64, crop=64, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))


@pytest.mark.parametrize(("field", "value", "line"), [
    ("size", 2.5, "FramePolicy.size must be a whole number, got 2.5"),
    ("size", True, "FramePolicy.size must be a whole number, got True"),
    ("size", "64", "FramePolicy.size must be a whole number, got '64'"),
    ("size", None, "FramePolicy.size must be a whole number, got None"),
    ("size", 0, "FramePolicy.size must be >= 1, got 0"),
    ("size", -1, "FramePolicy.size must be >= 1, got -1"),
    ("crop", 2.5, "FramePolicy.crop must be a whole number, got 2.5"),
    ("crop", True, "FramePolicy.crop must be a whole number, got True"),
    ("crop", "4", "FramePolicy.crop must be a whole number, got '4'"),
    ("crop", 0, "FramePolicy.crop must be >= 1, got 0"),
    ("crop", -1, "FramePolicy.crop must be >= 1, got -1"),
])
def test_a_policys_size_or_crop_that_is_no_whole_positive_number_is_one_line_naming_it(field, value, line) -> None:
    """``int()`` read a size or crop of 2.5 as 2, ``True`` as 1 and ``"64"`` as 64, None was its TypeError, and 0 or
    -1 a plain ValueError printing the whole policy. Now the frame count's one whole-number check names the field."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError) as caught:
        FramePolicy(**{"num_frames": 2, "size": 4, "crop": 4, field: value})
    assert str(caught.value) == line


@pytest.mark.parametrize(("config", "line"), [
    ({"size": {"shortest_edge": 64.5}}, "processor size shortest_edge must be a whole number, got 64.5"),
    ({"size": {"shortest_edge": True}}, "processor size shortest_edge must be a whole number, got True"),
    ({"size": 64.5}, "processor size must be a whole number, got 64.5"),
    ({"size": 64, "crop_size": {"height": 56.5, "width": 56.5}}, "processor crop_size height must be a whole number, "
                                                                  "got 56.5"),
    ({"size": 64, "crop_size": {"height": 56, "width": "56"}}, "processor crop_size width must be a whole number, "
                                                                "got '56'"),
])
def test_a_processor_configs_size_that_is_no_whole_number_is_one_line_naming_the_key(config, line) -> None:
    """``from_processor_config`` read a ``shortest_edge`` of 64.5 as 64, ``true`` as 1 and a 56.5-px crop as 56 (and
    took ``"56"`` beside a whole height), each a policy of its own without a word."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError) as caught:
        FramePolicy.from_processor_config(config)
    assert str(caught.value) == line


def test_a_numpy_or_whole_float_size_and_crop_give_the_policy_the_ints_give() -> None:
    """What the size check accepts is read as before: a numpy integer or a whole float is that ``int``."""
    want = FramePolicy(num_frames=2, size=8, crop=6)
    for size, crop in ((np.int64(8), np.int32(6)), (8.0, 6.0)):
        got = FramePolicy(num_frames=2, size=size, crop=crop)
        assert got == want and type(got.size) is int and type(got.crop) is int
    assert FramePolicy.from_processor_config({"size": {"shortest_edge": 8.0}, "crop_size": {"height": 6.0,
                                              "width": 6.0}}, num_frames=2) == want


def test_a_mean_or_std_that_is_not_a_finite_number_is_refused_in_one_line() -> None:
    """Found by fuzzing processor configs: an infinite std was accepted and every preprocessed pixel came out 0
    (x / (255 * inf) - mean / inf), a NaN mean made every pixel NaN, and a config's ``"image_mean": null`` failed
    with ``TypeError: float() argument must be ... not 'NoneType'``. Each is one ValueError naming the field."""
    frames = np.full((1, 4, 4, 3), 200, np.uint8)
    x = preprocess(frames, FramePolicy(num_frames=1, size=4, crop=4, mean=0.5, std=0.25))
    assert torch.allclose(x, torch.full_like(x, (200 / 255 - 0.5) / 0.25))  # finite values still work
    for kwargs, match in (({"std": float("inf")}, r"^FramePolicy.std must be finite numbers, got \(inf, inf, inf\)$"),
                          ({"mean": (float("nan"), 0, 0)}, r"^FramePolicy.mean must be finite numbers, got \(nan, 0.0, 0.0\)$"),
                          ({"mean": None}, r"^FramePolicy.mean needs 3 numbers \(RGB\), got None$"),
                          ({"std": [0.2, "x", 0.2]}, r"^FramePolicy.std needs 3 numbers \(RGB\), got \[0.2, 'x', 0.2\]$")):
        with pytest.raises(ValueError, match=match):
            FramePolicy(num_frames=1, size=4, crop=4, **kwargs)
    with pytest.raises(ValueError, match=r"^FramePolicy.mean needs 3 numbers \(RGB\), got None$"):
        FramePolicy.from_processor_config({"image_mean": None, "image_std": [0.5, 0.5, 0.5]})


def test_a_numpy_array_or_tensor_of_three_numbers_is_a_mean_or_std() -> None:
    """A mean and std computed with numpy or torch (``frames.mean(axis=(0, 1, 2)) / 255``) were taken for one number
    and refused as ``FramePolicy.mean needs 3 numbers (RGB), got array([0.25, 0.5, 0.75])``. They are read as a list
    is; a 0-d array is still one number for every channel, and an array of another shape still one line."""
    policy = FramePolicy(mean=np.array([0.25, 0.5, 0.75]), std=torch.tensor([0.5, 0.25, 0.125]))
    assert (policy.mean, policy.std) == ((0.25, 0.5, 0.75), (0.5, 0.25, 0.125))
    assert json.loads(json.dumps(policy.to_dict()))["std"] == [0.5, 0.25, 0.125]  # plain floats, as recorded
    assert FramePolicy(mean=np.array(0.5)).mean == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match=r"^FramePolicy.mean needs 3 values \(RGB\), got 4$"):
        FramePolicy(mean=np.zeros(4))
    with pytest.raises(ValueError, match=r"^FramePolicy.std needs 3 numbers \(RGB\)"):
        FramePolicy(std=np.ones((1, 3)))


def test_one_number_is_every_channel_a_float_size_is_read_and_unknown_fields_are_left_out() -> None:
    """Mutation audit: a scalar mean/std (a processor config's ``image_mean: 0.5``) not spread over the three
    channels, a size written as a float (``160.0``) refused, and ``from_dict`` handing a field this version does not
    know (one a newer bgs-hf records) to the constructor all passed."""
    assert (FramePolicy(mean=0.5, std=0.25).mean, FramePolicy(mean=0.5, std=0.25).std) == ((0.5,) * 3, (0.25,) * 3)
    policy = FramePolicy.from_processor_config({"size": 160.0, "crop_size": 128.0, "image_mean": 0.5,
                                                "image_std": 0.5})
    assert (policy.size, policy.crop, policy.mean, policy.std) == (160, 128, (0.5,) * 3, (0.5,) * 3)
    assert FramePolicy.from_dict({**policy.to_dict(), "fps": 25}) == policy


def test_decode_key_ignores_crop_and_normalisation() -> None:
    a = FramePolicy(num_frames=8, size=128, crop=112)
    b = FramePolicy(num_frames=8, size=128, crop=96, mean=(0, 0, 0), std=(1, 1, 1))
    assert a.decode_key() == b.decode_key()
    assert a.decode_key() != FramePolicy(num_frames=4, size=128, crop=112).decode_key()


def test_from_real_processor_configs() -> None:
    from transformers import CLIPImageProcessorPil, VideoMAEImageProcessorPil

    vm = FramePolicy.from_processor_config(VideoMAEImageProcessorPil().to_dict(), num_frames=16)
    assert (vm.num_frames, vm.size, vm.crop, vm.mean, vm.std) == (16, 224, 224, (0.5,) * 3, (0.5,) * 3)
    clip = FramePolicy.from_processor_config(CLIPImageProcessorPil().to_dict())
    assert clip.size == 224 and clip.crop == 224 and clip.mean[0] == pytest.approx(0.48145466)


def test_from_processor_config_dict_variants() -> None:
    # V-JEPA 2 video processor defaults: short side int(256*256/224), crop 256 given as an int.
    vj = FramePolicy.from_processor_config(
        {
            "size": {"shortest_edge": 292},
            "crop_size": 256,
            "image_mean": [0.485, 0.456, 0.406],
            "image_std": [0.229, 0.224, 0.225],
            "num_frames": 64,
        }
    )
    assert (vj.num_frames, vj.size, vj.crop) == (64, 292, 256)
    sq = FramePolicy.from_processor_config({"size": {"height": 224, "width": 224}, "do_center_crop": False})
    assert (sq.size, sq.crop) == (224, 224)
    raw = FramePolicy.from_processor_config(
        {"size": 128, "crop_size": {"height": 112, "width": 112}, "do_normalize": False}
    )
    assert (raw.size, raw.crop, raw.mean, raw.std) == (128, 112, (0.0,) * 3, (1.0,) * 3)
    with pytest.raises(ValueError):
        FramePolicy.from_processor_config({"size": {"longest_edge": 5}})


@pytest.mark.parametrize(
    "hw,expected", [((480, 640), (224, 298)), ((640, 480), (298, 224)), ((47, 63), (32, 42))]
)
def test_short_side_shape(hw: tuple, expected: tuple) -> None:
    size = expected[0] if hw[0] <= hw[1] else expected[1]
    assert short_side_shape(*hw, size) == expected
    x = torch.rand(2, 3, *hw)
    assert tuple(resize_short_side(x, size).shape[-2:]) == expected


def test_resize_is_antialiased_like_pil() -> None:
    """torch bilinear+antialias should match PIL's BILINEAR (what HF *Pil processors use) within rounding."""
    from PIL import Image

    rng = np.random.default_rng(0)
    img = np.kron(rng.integers(0, 2, (30, 40)) * 255, np.ones((4, 4))).astype(np.uint8)  # 120x160 blocks
    img = np.stack([img, 255 - img, img // 2], -1)
    ours = resize_frames_uint8(img, 45)
    ref = np.asarray(Image.fromarray(img).resize((ours.shape[1], ours.shape[0]), Image.BILINEAR))
    assert ours.shape == (45, 60, 3)
    assert np.abs(ours.astype(int) - ref.astype(int)).max() <= 2
    checker = (np.indices((64, 64)).sum(0) % 2 * 255).astype(np.uint8)[..., None].repeat(3, -1)
    small = resize_frames_uint8(checker, 16)
    assert abs(float(small.mean()) - 127.5) < 2 and small.std() < 2  # aliasing would give stripes


def test_center_crop_offsets() -> None:
    x = torch.arange(5 * 7).view(1, 5, 7)
    np.testing.assert_array_equal(center_crop(x, 3)[0].numpy(), np.arange(35).reshape(5, 7)[1:4, 2:5])


def test_preprocess_normalises_and_crops() -> None:
    pol = FramePolicy(num_frames=2, size=32, crop=24, mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 1.0))
    frames = np.full((2, 32, 48, 3), 51, np.uint8)  # 51/255 = 0.2
    out = preprocess(frames, pol)
    assert out.shape == (2, 3, 24, 24) and out.dtype == torch.float32
    torch.testing.assert_close(out[:, 0], torch.full((2, 24, 24), (0.2 - 0.5) / 0.5))
    torch.testing.assert_close(out[:, 1], torch.full((2, 24, 24), (0.2 - 0.25) / 0.25))
    torch.testing.assert_close(out[:, 2], torch.full((2, 24, 24), 0.2))
    # not yet resized frames are resized first (short side 64 -> 32)
    assert preprocess(np.zeros((2, 64, 80, 3), np.uint8), pol).shape == (2, 3, 24, 24)


def test_preprocess_matches_hf_pil_processor() -> None:
    """Same geometry and normalisation as transformers' VideoMAE processor, up to resize rounding."""
    from transformers import VideoMAEImageProcessorPil

    proc = VideoMAEImageProcessorPil(size={"shortest_edge": 64}, crop_size={"height": 56, "width": 56})
    pol = FramePolicy.from_processor_config(proc.to_dict(), num_frames=1)
    rng = np.random.default_rng(1)
    frame = np.kron(rng.integers(0, 256, (18, 24, 3)), np.ones((5, 5, 1))).astype(np.uint8)  # 90x120
    ref = np.asarray(proc(images=[frame], return_tensors="np")["pixel_values"]).reshape(3, 56, 56)
    ours = preprocess(resize_frames_uint8(frame[None], pol.size), pol)[0].numpy()
    assert ours.shape == ref.shape == (3, 56, 56)
    assert np.abs(ours - ref).mean() < 0.01 and np.abs(ours - ref).max() < 0.05


def test_package_exports_resolve() -> None:
    import bgs_hf.video as video

    assert sorted(video.__all__) == sorted(video._EXPORTS)
    assert all(getattr(video, name) is not None for name in video.__all__)


def test_a_non_square_processor_size_uses_its_short_side(caplog) -> None:
    """Mutation audit: a ``{"height", "width"}`` size read as its long side passed the suite (its only such size is
    square). 224x320 must give short side 224 (the crop then fits inside the frame), with a warning."""
    with caplog.at_level("WARNING"):
        policy = FramePolicy.from_processor_config({"size": {"height": 224, "width": 320}, "do_center_crop": False})
    assert (policy.size, policy.crop) == (224, 224)
    assert "is not square; using short side 224" in caplog.text


def test_decode_key_names_size_and_decoder_version() -> None:
    """Mutation audit: a ClipCache key without ``size`` (frames decoded at 160 px served to a 128-px policy) or
    without the decoder version (stale entries read after an algorithm change) passed: the only check compared
    two policies of one size."""
    from bgs_hf.video.policy import DECODER_VERSION

    key = FramePolicy(num_frames=8, size=128, crop=112).decode_key()
    assert key == {"num_frames": 8, "size": 128, "sampling": "uniform", "decoder": DECODER_VERSION}
    assert key != FramePolicy(num_frames=8, size=160, crop=112).decode_key()


def test_processor_configs_with_one_edge_or_a_crop_beyond_the_short_side() -> None:
    """Mutation audit: a config with only ``crop_size`` taking the default 224 as its short side, and a crop larger
    than ``shortest_edge`` not resizing up to it (the policy then refuses crop > size), both passed."""
    only_crop = FramePolicy.from_processor_config({"crop_size": {"height": 112, "width": 112}})
    assert (only_crop.size, only_crop.crop) == (112, 112)
    up = FramePolicy.from_processor_config({"size": {"shortest_edge": 224}, "crop_size": 256})
    assert (up.size, up.crop) == (256, 256)


def test_center_crop_refuses_a_crop_wider_than_the_frame() -> None:
    """Mutation audit: checking the crop against the height alone passed; a 5x3 frame cropped to 4 came back 4x3."""
    with pytest.raises(ValueError, match="larger than frame 5x3"):
        center_crop(torch.zeros(1, 5, 3), 4)
    with pytest.raises(ValueError, match="larger than frame 3x5"):
        center_crop(torch.zeros(1, 3, 5), 4)


def test_uint8_resize_rounds_to_the_nearest_level() -> None:
    """Mutation audit: truncating the resized values passed. 2x2 -> 1x1 (antialiased bilinear at scale 2 weighs
    the four pixels equally): means 1.75, 0.25 and 10.75 round to 2, 0 and 11 (truncation: 1, 0, 10)."""
    frame = np.zeros((2, 2, 3), np.uint8)
    frame[..., 0] = [[1, 2], [2, 2]]
    frame[..., 1] = [[0, 0], [0, 1]]
    frame[..., 2] = [[10, 11], [11, 11]]
    np.testing.assert_array_equal(resize_frames_uint8(frame, 1), [[[2, 0, 11]]])


def test_preprocess_resizes_portrait_frames_whose_height_is_the_size() -> None:
    """Mutation audit: deciding "already resized" from the height alone passed; a 64x60 frame under a 64-px policy
    was cropped unresized. transformers' VideoMAE processor is the reference, as for landscape frames."""
    from transformers import VideoMAEImageProcessorPil

    proc = VideoMAEImageProcessorPil(size={"shortest_edge": 64}, crop_size={"height": 56, "width": 56})
    pol = FramePolicy.from_processor_config(proc.to_dict(), num_frames=1)
    rng = np.random.default_rng(2)
    frame = np.kron(rng.integers(0, 256, (16, 15, 3)), np.ones((4, 4, 1))).astype(np.uint8)  # 64x60
    ref = np.asarray(proc(images=[frame], return_tensors="np")["pixel_values"]).reshape(3, 56, 56)
    ours = preprocess(frame[None], pol)[0].numpy()
    assert np.abs(ours - ref).mean() < 0.01 and np.abs(ours - ref).max() < 0.05


def test_imagenet_defaults_the_asked_frame_count_and_no_centre_crop_are_kept() -> None:
    """Mutation audit: ImageNet mean/std in another channel order, a processor config's own ``num_frames`` beating
    the count asked for, and ``do_center_crop: False`` ignored beside a ``crop_size`` all passed."""
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

    policy = FramePolicy()
    assert (policy.num_frames, policy.size, policy.crop, policy.sampling) == (16, 224, 224, "uniform")  # crop 223 passed
    assert policy.mean == IMAGENET_MEAN == tuple(IMAGENET_DEFAULT_MEAN)
    assert policy.std == IMAGENET_STD == tuple(IMAGENET_DEFAULT_STD)
    assert FramePolicy.from_processor_config({"size": 128, "num_frames": 64}, num_frames=16).num_frames == 16
    assert FramePolicy.from_processor_config({"size": 128, "num_frames": 64}).num_frames == 64
    uncropped = FramePolicy.from_processor_config({"size": {"shortest_edge": 256}, "crop_size": 224,
                                                   "do_center_crop": False})
    assert (uncropped.size, uncropped.crop) == (256, 256)


@pytest.mark.parametrize("shape", [(2, 32, 40, 1), (2, 32, 40, 4), (2, 3, 32, 40)])
def test_preprocess_refuses_frames_that_are_not_rgb_last(shape: tuple) -> None:
    """Mutation audit (second pass): dropping the channel check passed (every tested frame was RGB). A grey clip
    already at the policy's size was broadcast to three equal channels and served; RGBA and channels-first frames
    failed deep in torch. Each is refused in one line naming the shape."""
    policy = FramePolicy(num_frames=2, size=32, crop=32)
    named = ", ".join(map(str, shape))
    with pytest.raises(ValueError, match=rf"preprocess expects \(T,H,W,3\) frames, got shape \({named}\)"):
        preprocess(np.zeros(shape, np.uint8), policy)


def test_a_processor_config_without_a_field_gets_the_policys_default_and_one_pixel_is_a_policy() -> None:
    """Mutation audit (third pass): a processor config naming neither ``size`` nor ``crop_size`` failed (no default
    size), one without ``image_mean``/``image_std`` got 0.5 or the mean as its std, and ``"num_frames": null`` (an
    image processor's field left empty) failed in ``int(None)``: all passed, since every tested config gave these
    fields. A policy of one frame of one pixel is the smallest valid one (a ``crop <= 1`` refusal passed)."""
    bare = FramePolicy.from_processor_config({})
    assert (bare.num_frames, bare.size, bare.crop) == (16, 224, 224)
    assert (bare.mean, bare.std) == ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert FramePolicy.from_processor_config({"size": 112, "num_frames": None}).num_frames == 16
    assert FramePolicy(num_frames=1, size=1, crop=1).crop == 1


def test_a_policy_read_with_float_fields_keys_the_cache_as_its_integers() -> None:
    """Mutation audit (third pass): ``FramePolicy`` keeping 8.0/160.0/128.0 as floats (a hand-edited config.json) passed:
    160.0 == 160 in every comparison the suite made. The cache key is JSON, where 160.0 is not 160: the same clips
    were decoded again under a second key. The fields are ints and the key is the integer policy's."""
    from bgs_hf.video import ClipCache

    floats = FramePolicy(num_frames=8.0, size=160.0, crop=128.0)
    assert [type(v) for v in (floats.num_frames, floats.size, floats.crop)] == [int, int, int]
    assert ClipCache.policy_key(floats) == ClipCache.policy_key(FramePolicy(num_frames=8, size=160, crop=128))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint16])
def test_preprocess_refuses_frames_that_are_not_uint8(dtype: type) -> None:
    """Frames already scaled to [0, 1] (what many readers return as float) were divided by 255 again: every pixel
    came out near ``-mean / std``, a near-constant clip the model embedded without a word (std 0.13 against 1.32
    for the same clip as uint8). 16-bit and int64 frames were read as 0-255 too. Each is refused in one line."""
    policy = FramePolicy(num_frames=2, size=8, crop=8)
    frames = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3))
    assert preprocess(frames.astype(np.uint8), policy).std() > 0.5  # uint8 frames still work
    with pytest.raises(ValueError, match=rf"preprocess expects uint8 frames \(0-255\), got {np.dtype(dtype).name}"):
        preprocess(frames.astype(dtype), policy)
    with pytest.raises(ValueError, match="expects uint8 frames"):
        preprocess(torch.from_numpy(frames.astype(dtype)), policy)



def _transformers_processor_class(kind: str) -> type:
    """transformers' class for a processor type name, imported from its module (the top-level names of the video
    processors are placeholders that need torchvision)."""
    import importlib

    modules = {"VideoMAEVideoProcessor": "videomae.video_processing_videomae",
               "TimesformerVideoProcessor": "timesformer.video_processing_timesformer",
               "VJEPA2VideoProcessor": "vjepa2.video_processing_vjepa2"}
    if kind in modules:
        return getattr(importlib.import_module(f"transformers.models.{modules[kind]}"), kind)
    import transformers

    return getattr(transformers, kind.removesuffix("Fast"))


def test_a_processor_config_without_mean_or_std_takes_its_processor_classs_defaults_as_transformers_does(
    tmp_path,
) -> None:
    """A ``preprocessor_config.json`` that names its processor but leaves ``image_mean``/``image_std`` out is read
    by transformers with that class's defaults (VideoMAE 0.5/0.5, CLIP OpenAI's), not ImageNet's: the policy used
    ImageNet's, so a CLIP or VideoMAE backbone with such a config saw other inputs than transformers gives it, and a
    VJEPA2 one without sizes was cropped to 224 instead of 256, without a word."""
    import transformers

    from bgs_hf.video.policy import PROCESSOR_DEFAULTS

    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"image_processor_type": "CLIPImageProcessor"}))
    ref = transformers.CLIPImageProcessor.from_pretrained(tmp_path)
    clip = FramePolicy.from_processor_config({"image_processor_type": "CLIPImageProcessor"})
    assert (clip.mean, clip.std) == (tuple(ref.image_mean), tuple(ref.image_std))
    assert clip.mean == (0.48145466, 0.4578275, 0.40821073)
    mae = FramePolicy.from_processor_config({"image_processor_type": "VideoMAEImageProcessor", "size": 64})
    assert (mae.size, mae.crop, mae.mean, mae.std) == (64, 64, (0.5,) * 3, (0.5,) * 3)  # sizes: the policy's rules
    vj = FramePolicy.from_processor_config({"video_processor_type": "VJEPA2VideoProcessor", "crop_size": 256})
    assert (vj.size, vj.crop, vj.mean) == (292, 256, (0.485, 0.456, 0.406))  # short side: transformers' 256 * 256/224
    # the config's own values win; a config naming no known type keeps the ImageNet default
    own = FramePolicy.from_processor_config({"image_processor_type": "CLIPImageProcessor", "image_mean": 0.4,
                                             "image_std": 0.3})
    assert (own.mean, own.std) == ((0.4,) * 3, (0.3,) * 3)
    assert FramePolicy.from_processor_config({"image_processor_type": "SomeOtherProcessor"}).mean == (0.485, 0.456, 0.406)
    legacy = FramePolicy.from_processor_config({"feature_extractor_type": "VideoMAEFeatureExtractor"})  # transformers 4
    assert (legacy.mean, legacy.std) == ((0.5,) * 3, (0.5,) * 3)
    # the table is transformers' own class defaults
    for kind, defaults in PROCESSOR_DEFAULTS.items():
        cls = _transformers_processor_class(kind)
        assert defaults == {"image_mean": list(cls.image_mean), "image_std": list(cls.image_std)}, kind


def test_a_square_height_width_processor_size_warns_that_it_is_not_resized_the_same_way(caplog) -> None:
    """A ``{"height": 224, "width": 224}`` size is a squash: transformers resizes a 16:9 frame to 224x224 whole, the
    policy resizes its short side and centre-crops (56% of its width). The docstring promised a warning for such a
    size; only a non-square one got it. A ``{"height", "width"}`` crop is a crop: no warning."""
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        sq = FramePolicy.from_processor_config({"size": {"height": 224, "width": 224},
                                                "crop_size": {"height": 224, "width": 224}})
    assert (sq.size, sq.crop) == (224, 224)
    assert "processor size 224x224 resizes every frame to that shape" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        FramePolicy.from_processor_config({"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}})
    assert caplog.text == ""


@pytest.mark.parametrize("settings", [{"rescale_factor": 1 / 127.5}, {"do_rescale": False},
                                      {"do_normalize": False, "rescale_factor": 1 / 127.5},
                                      {"do_rescale": False, "do_normalize": False}, {"do_normalize": False},
                                      {"do_rescale": None}, {"do_normalize": None}])
def test_a_processor_configs_rescaling_and_normalisation_give_transformers_own_pixel_values(settings: dict) -> None:
    """transformers computes ``(x * rescale_factor - mean) / std``; the policy read every config as if its factor were
    1/255, so a Hub config with ``"rescale_factor": 1/127.5`` or ``"do_rescale": false`` (frames in 0-255) was fed
    to the model on another scale than transformers feeds it, without a word. Both are now the policy's mean and std
    divided by ``255 * rescale_factor``: the same tensor as transformers' VideoMAE processor gives."""
    from transformers import VideoMAEImageProcessorPil

    proc = VideoMAEImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 24, "width": 24},
                                     image_mean=[0.45, 0.5, 0.55], image_std=[0.2, 0.25, 0.3], **settings)
    policy = FramePolicy.from_processor_config(proc.to_dict(), num_frames=1)
    frame = np.random.default_rng(0).integers(0, 256, (32, 32, 3)).astype(np.uint8)  # at the size: no resampling
    ref = np.asarray(proc(images=[frame], return_tensors="np")["pixel_values"]).reshape(3, 24, 24)
    ours = preprocess(frame[None], policy)[0].numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def test_the_bundled_processor_configs_give_the_policy_they_always_gave_and_no_warning(caplog) -> None:
    """Reading ``do_rescale``/``rescale_factor``, ``do_resize`` and ``do_center_crop`` must leave the bundled
    backbones' policy (their 1/255 written as 0.00392156862745098) exactly as before: ImageNet mean/std, 64 px."""
    from importlib.resources import files

    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

    configs = sorted(p for p in files("bgs_hf").joinpath("assets").iterdir()
                     if p.joinpath("preprocessor_config.json").is_file())
    assert len(configs) == 3
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        for folder in configs:
            config = json.loads(folder.joinpath("preprocessor_config.json").read_text())
            assert FramePolicy.from_processor_config(config) == FramePolicy(
                num_frames=16, size=64, crop=64, mean=IMAGENET_MEAN, std=IMAGENET_STD), folder.name
    assert caplog.text == ""


def test_processor_steps_the_policy_cannot_skip_are_a_warning_naming_the_key(caplog) -> None:
    """``do_resize: false`` (transformers crops frames at their own size) and ``do_center_crop: false`` beside a
    short-side size (transformers keeps the whole, non-square frame) were read as if on, without a word; a
    ``rescale_factor`` that is no positive number is refused in one line."""
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        policy = FramePolicy.from_processor_config({"do_resize": False, "size": {"shortest_edge": 256},
                                                    "crop_size": 224})
    assert (policy.size, policy.crop) == (256, 224)
    assert caplog.text.count("processor do_resize false: transformers crops each frame at its own size") == 1
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        FramePolicy.from_processor_config({"do_center_crop": False, "size": {"shortest_edge": 224}})
    assert "processor do_center_crop false: transformers keeps the whole resized frame" in caplog.text
    for bad in (0, -1, "x", float("nan"), True):
        with pytest.raises(ValueError, match=r"^processor rescale_factor must be a finite number > 0, got "):
            FramePolicy.from_processor_config({"rescale_factor": bad})


def test_a_rescale_factor_written_as_text_is_refused_as_transformers_processors_fail_on_it() -> None:
    """``float()`` read ``"rescale_factor": "0.5"`` as 0.5, while transformers keeps the text on the processor and
    fails on it at the first clip (``x * "0.5"``; torch's backend ``1.0 / "0.5"``): the policy fed frames a model
    loaded through transformers could not be given. It is refused in one line, as ``finite_number`` words every
    numeric setting; the number 0.5 is still read (k = 255 * 0.5, so mean 0.5 becomes 0.5 / 127.5)."""
    from transformers import VideoMAEImageProcessorPil

    from bgs_hf.errors import BGSInputError
    from bgs_hf.models.registry import processor_policy

    frame = np.full((8, 8, 3), 100, np.uint8)
    settings = {"size": {"shortest_edge": 8}, "crop_size": {"height": 8, "width": 8}}
    with pytest.raises(TypeError):  # numpy's UFuncTypeError: float64 times a str
        VideoMAEImageProcessorPil.from_dict({**settings, "rescale_factor": "0.5"})(images=[frame], return_tensors="np")
    config = {**settings, "image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    with pytest.raises(ValueError, match=r"^processor rescale_factor must be a finite number > 0, got '0\.5'$"):
        FramePolicy.from_processor_config({**config, "rescale_factor": "0.5"})
    with pytest.raises(BGSInputError, match=r"^tiny: its processor config cannot be read \(processor rescale_factor "
                                            r"must be a finite number > 0, got '0\.5'\)$"):
        processor_policy({**config, "rescale_factor": "0.5"}, "tiny")
    policy = FramePolicy.from_processor_config({**config, "rescale_factor": 0.5})
    assert policy.mean == pytest.approx((0.5 / 127.5,) * 3) and policy.std == pytest.approx((0.5 / 127.5,) * 3)


@pytest.mark.parametrize("config", [{"crop_size": 256}, {}, {"crop_size": {"height": 256, "width": 256},
                                                               "size": {"shortest_edge": 256}},
                                    {"crop_size": {"height": 256, "width": 256}, "size": {"shortest_edge": 292}},
                                    {"crop_size": 32, "size": 32}])
def test_a_vjepa2_processor_config_is_resized_as_transformers_resizes_it_whatever_its_size_says(config: dict) -> None:
    """transformers' ``VJEPA2VideoProcessor`` ignores a config's ``size`` and resizes the short side to
    ``int(crop * 256 / 224)`` (crop 256 when left out); the policy took the config's size, or the crop when there was
    none: ``{"crop_size": 256}`` gave a 256-px short side (transformers: 292), a wider field of view than the model
    gets through transformers, without a word. The Hub checkpoint's own config (292 beside 256) is unchanged."""
    from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

    full = {"video_processor_type": "VJEPA2VideoProcessor", **config}
    ref = _transformers_processor_class("VJEPA2VideoProcessor").from_dict(full)
    policy = FramePolicy.from_processor_config(full, num_frames=2)
    assert (policy.size, policy.crop) == (ref.size.shortest_edge, ref.crop_size.height)
    assert (policy.mean, policy.std) == (tuple(ref.image_mean), tuple(ref.image_std)) == (IMAGENET_MEAN, IMAGENET_STD)


def test_a_vjepa2_processor_config_gives_transformers_pixels_on_a_non_square_frame() -> None:
    """The pixels of a small V-JEPA 2 config (crop 32, ``size`` 32, which transformers replaces by 36) on a 45x60
    frame. transformers' video processors need torchvision (not a dependency), so its VJEPA2 processor's resolved
    settings run through transformers' PIL backend, which the policy already matches up to resize rounding."""
    from transformers import VideoMAEImageProcessorPil

    config = {"video_processor_type": "VJEPA2VideoProcessor", "crop_size": {"height": 32, "width": 32}, "size": 32}
    vj = _transformers_processor_class("VJEPA2VideoProcessor").from_dict(config)
    proc = VideoMAEImageProcessorPil(size={"shortest_edge": vj.size.shortest_edge},
                                     crop_size={"height": vj.crop_size.height, "width": vj.crop_size.width},
                                     image_mean=list(vj.image_mean), image_std=list(vj.image_std))
    policy = FramePolicy.from_processor_config(config, num_frames=1)
    frame = np.kron(np.random.default_rng(3).integers(0, 256, (9, 12, 3)), np.ones((5, 5, 1))).astype(np.uint8)
    ref = np.asarray(proc(images=[frame], return_tensors="np")["pixel_values"]).reshape(3, 32, 32)
    ours = preprocess(frame[None], policy)[0].numpy()
    assert np.abs(ours - ref).mean() < 0.01 and np.abs(ours - ref).max() < 0.05


def test_a_processor_switch_written_null_is_off_as_in_transformers(caplog) -> None:
    """transformers keeps a config's ``null`` switch as None and skips the step (``do_rescale: null`` feeds 0-255
    pixels); the policy read ``null`` as on for ``do_rescale``/``do_resize``/``do_center_crop``: 255 times the
    scale transformers feeds, and no warning where ``false`` gives one. (Pixels: the rescaling test above.)"""
    with caplog.at_level("WARNING", logger="bgs_hf.video.policy"):
        policy = FramePolicy.from_processor_config({"do_resize": None, "do_center_crop": None, "do_rescale": None,
                                                    "size": {"shortest_edge": 64}, "crop_size": 56})
    assert (policy.size, policy.crop) == (64, 64)
    assert policy.mean == pytest.approx(tuple(m / 255 for m in (0.485, 0.456, 0.406)))  # x in 0-255, not 0-1
    assert "processor do_resize null: transformers crops each frame at its own size" in caplog.text
    assert "processor do_center_crop null: transformers keeps the whole resized frame" in caplog.text


@pytest.mark.parametrize(("make", "message"), [
    (lambda: FramePolicy(num_frames=1, size=4, crop=4, mean=10**400),
     f"FramePolicy.mean must be finite numbers, got {10**400}"),
    (lambda: FramePolicy(num_frames=1, size=4, crop=4, std=(0.2, -10**400, 0.2)),
     f"FramePolicy.std must be finite numbers, got (0.2, {-10**400}, 0.2)"),
    (lambda: FramePolicy.from_processor_config({"rescale_factor": 10**400}),
     f"processor rescale_factor must be a finite number > 0, got {10**400}"),
    (lambda: FramePolicy.from_processor_config({"rescale_factor": -10**400}),
     f"processor rescale_factor must be a finite number > 0, got {-10**400}"),
])
def test_a_mean_std_or_rescale_factor_beyond_float_range_is_its_one_line_refusal(make, message):
    """An int beyond float range (10**400) in a processor config's mean, std or rescale_factor was
    ``OverflowError: int too large to convert to float``; it is refused as inf is, naming the field."""

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make()
    assert FramePolicy(num_frames=1, size=4, crop=4, mean=1, std=(1, 2, 3)).std == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(("written", "message"), [
    (0, "num_frames must be >= 1, got 0"),
    (False, "num_frames must be a whole number, got False"),
    (0.0, "num_frames must be >= 1, got 0"),
])
def test_a_processor_config_whose_num_frames_is_no_count_is_refused_not_read_as_the_default(written, message) -> None:
    """``"num_frames": 0`` (or ``false``) was read as the default 16 (``cfg.get("num_frames") or 16``): transformers'
    sampler takes 0 frames from such a count. It is one line; left out or ``null`` (a video processor's unset count)
    is still 16, a frame count given by the caller (the model config's) still wins, and 8 is 8."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models.registry import processor_policy

    config = {"size": 4, "crop_size": 4, "num_frames": written}
    with pytest.raises(BGSInputError, match=f"^{re.escape(message)}$"):
        FramePolicy.from_processor_config(config)
    with pytest.raises(BGSInputError, match=f"^tiny: its processor config cannot be read \\({re.escape(message)}\\)$"):
        processor_policy(config, "tiny")
    assert FramePolicy.from_processor_config(config, num_frames=4).num_frames == 4
    for kept in ({"size": 4}, {"size": 4, "num_frames": None}):
        assert FramePolicy.from_processor_config(kept).num_frames == 16
    assert FramePolicy.from_processor_config({"size": 4, "num_frames": 8}).num_frames == 8


def test_frames_decoded_at_their_own_size_give_load_clips_tensor(tmp_path) -> None:
    """``decode_frames`` and ``preprocess`` are ``load_clip``'s two halves, but frames decoded at their own size were
    resized in float by ``preprocess``, keeping the half grey levels the decoder's uint8 resize rounds away: up to
    0.0087 off ``load_clip``'s tensor of the same file. By hand: a 2x2 frame 1, 2, 2, 2 at short side 1 is their
    mean 1.75, which the decoder stores as 2 (the float path gave 1.75 / 255)."""
    from bgs_hf.video import decode_frames, load_clip, write_video

    frame = np.zeros((1, 2, 2, 3), np.uint8)
    frame[0, ..., 0] = [[1, 2], [2, 2]]
    flat = FramePolicy(num_frames=1, size=1, crop=1, mean=0.0, std=1.0)
    torch.testing.assert_close(preprocess(frame, flat)[0, :, 0, 0], torch.tensor([2 / 255, 0.0, 0.0]))
    policy = FramePolicy(num_frames=3, size=32, crop=27, mean=(0.45, 0.5, 0.55), std=(0.2, 0.25, 0.3))
    frames = np.random.default_rng(0).integers(0, 256, (3, 45, 61, 3)).astype(np.uint8)
    clip = write_video(tmp_path / "odd.mkv", frames, codec="ffv1", pix_fmt="bgr0", fps=10)  # lossless
    full = decode_frames(clip, 3)
    assert full.shape == (3, 45, 61, 3)
    assert torch.equal(preprocess(full, policy), load_clip(clip, policy))
    assert torch.equal(preprocess(full.transpose(0, 2, 1, 3), policy),  # a portrait frame too
                       preprocess(resize_frames_uint8(full.transpose(0, 2, 1, 3), 32), policy))


@pytest.mark.parametrize("shape", [(2, 0, 5, 3), (2, 5, 0, 3)])
def test_preprocess_refuses_frames_without_a_pixel_in_one_line(shape: tuple) -> None:
    """A frame 0 px high or wide was a ZeroDivisionError from the resize's aspect ratio."""
    named = ", ".join(map(str, shape))
    with pytest.raises(ValueError, match=rf"preprocess expects frames of at least 1 x 1 px, got shape \({named}\)"):
        preprocess(np.zeros(shape, np.uint8), FramePolicy(num_frames=2, size=8, crop=8))
