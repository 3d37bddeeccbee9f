"""bgs-tiny-conv3d-fg: the in-model foreground stream, SimCLR's loss and views, config checks (its CLI run and
committed asset are tested with bgs-tiny-conv3d's in test_pretrain_conv3d.py)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from test_pretrain import moving_squares, refuse_rendering
from test_video_foreground import SHIFTS, _shaken_clip

from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel, StreamCache, shared_stream_cache
from bgs_hf.pretrain.contrastive import ContrastivePretrainConfig, nt_xent, views
from bgs_hf.pretrain.corpus import to_pixel_values
from bgs_hf.video.foreground import ForegroundConfig, foreground, foreground_stream
from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

torch.set_num_threads(1)
FG_SMALL = {"widths": [8, 16], "temporal_strides": [1, 2], "num_frames": 8, "image_size": 48,
            "input_stream": "foreground", "foreground_gain": 4.0}


def test_in_model_stream_is_the_foreground_of_the_unnormalised_frames():
    """The model receives normalised pixel_values, undoes the normalisation, and sees gain x the foreground that
    the uint8 reference computes (which is also exact on the constructed shaken clip)."""
    clip, truth = _shaken_clip(SHIFTS)
    model = BGSConv3dModel(BGSConv3dConfig(**FG_SMALL))
    stream = model.input_stream(to_pixel_values(clip))
    assert stream.shape == (1, 1, 8, 48, 48)
    reference = torch.from_numpy(foreground(clip, progress=False)).float() / 255 * 4.0
    assert (stream[:, 0] - reference).abs().max() <= 4.0 * 0.5 / 255 + 1e-5  # uint8 rounding only
    inner = np.zeros_like(truth)
    inner[..., 5:-5, 5:-5] = True
    lit = stream[:, 0].numpy() > 4.0 * 25 / 255
    assert (lit & truth & inner).sum() / (truth & inner).sum() > 0.95 and (lit & ~truth).sum() == 0


def test_foreground_stream_model_ignores_the_background_and_flows_into_the_convolutions():
    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**FG_SMALL)).eval()
    assert model.blocks[0].conv.in_channels == 1
    clip, _ = _shaken_clip(SHIFTS)
    recoloured = clip.copy()
    recoloured[..., 0] = clip[..., 0] // 2  # another background (and agent) colour: a different clip to RGB
    with torch.no_grad():
        moved = model(to_pixel_values(clip)).pooler_output
        static = model(to_pixel_values(np.repeat(clip[:, :1], 8, axis=1))).pooler_output
        rgb = BGSConv3dModel(BGSConv3dConfig(**{**FG_SMALL, "input_stream": "rgb"})).eval()
        assert not torch.allclose(rgb(to_pixel_values(recoloured)).pooler_output,
                                  rgb(to_pixel_values(clip)).pooler_output)
    # a clip that never moves has an all-zero stream: only the biases answer
    assert torch.allclose(static, model(torch.zeros(1, 8, 3, 48, 48) - 10).pooler_output, atol=1e-6)
    assert not torch.allclose(moved, static)


def test_config_validates_the_stream():
    with pytest.raises(ValueError, match="input_stream"):
        BGSConv3dConfig(input_stream="flow")
    with pytest.raises(ValueError, match="max_shift"):
        BGSConv3dConfig(input_stream="foreground", foreground_max_shift=6, foreground_border=5)
    with pytest.raises(ValueError, match="pixel_mean"):
        BGSConv3dConfig(pixel_mean=[0.5])


def test_nt_xent_matches_a_hand_computed_value():
    """Two clips, two views each: z = [a, b, a', b'] with a = a', b = b' orthogonal. Row a's positive has
    cosine 1, its two negatives cosine 0: loss = -log(e^(1/t) / (e^(1/t) + 2)) for every row."""
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    t = 0.5
    expected = -math.log(math.exp(1 / t) / (math.exp(1 / t) + 2))
    assert nt_xent(z, t).item() == pytest.approx(expected, rel=1e-6)
    swapped = z[[0, 1, 3, 2]]  # positives now orthogonal, a negative identical: much worse
    assert nt_xent(swapped, t).item() > expected + 1


def test_views_keep_the_content_and_change_position_orientation_and_gain():
    cfg = ContrastivePretrainConfig()
    torch.manual_seed(0)
    stream = torch.zeros(6, 1, 4, 64, 64)
    stream[:, :, :, 20:26, 30:34] = 1.0
    out = views(stream, cfg, np.random.default_rng(0))
    mass = out.sum(dim=(1, 2, 3, 4)) / stream.sum(dim=(1, 2, 3, 4))
    assert ((mass >= 0.6) & (mass <= 1.4)).all()  # gain only: no pixel leaves (the stream's border is zero)
    assert (out > 0).sum(dim=(1, 2, 3, 4)).eq((stream > 0).sum(dim=(1, 2, 3, 4))).all()
    assert len({tuple(torch.nonzero(o[0, 0])[0].tolist()) for o in out}) > 1  # positions differ between views
    assert torch.equal(out[:, :, 0] > 0, out[:, :, 3] > 0)  # time is left alone


def _symmetries(x: torch.Tensor) -> list[torch.Tensor]:
    """The eight symmetries of the square on the last two axes of ``x``: rotations by k·90° of x and of x mirrored."""
    return [torch.rot90(v, k, dims=(-2, -1)) for v in (x, x.flip(-1)) for k in range(4)]


def test_each_view_is_a_symmetry_of_the_square_shifted_and_scaled_and_all_of_them_occur():
    """Every view is one of the 8 flips/rotations of its clip, rolled by (dy, dx) in [-s, s]² and scaled by a gain
    in [min, max]; over 400 views all 8 symmetries, every shift on each axis and shifts with dy != dx occur (a view
    that dropped the flip and rotation, never shifted by +s, shifted along the diagonal or rotated by 0/90° only
    passed the test above)."""
    s = 2
    cfg = ContrastivePretrainConfig(max_view_shift=s)
    clip = torch.zeros(1, 1, 2, 12, 12)
    clip[..., 4:8, 4:8] = torch.arange(1.0, 33.0).view(2, 4, 4)  # no symmetry of its own; 4 px clear of each edge
    out = views(clip.expand(400, -1, -1, -1, -1), cfg, np.random.default_rng(0))
    found, shifts = set(), set()
    for view in out:
        gain = float(view.sum() / clip.sum())
        assert cfg.min_view_gain <= gain <= cfg.max_view_gain
        for i, sym in enumerate(_symmetries(clip[0])):
            (y0, x0), (y1, x1) = (torch.nonzero(v[0, 0])[0].tolist() for v in (sym, view))
            if torch.allclose(torch.roll(sym, (y1 - y0, x1 - x0), dims=(-2, -1)) * gain, view):
                found.add(i)
                shifts.add((y1 - y0, x1 - x0))
                break
        else:
            raise AssertionError("a view is no shifted, scaled symmetry of its clip")
    assert found == set(range(8))
    assert {dy for dy, _ in shifts} == {dx for _, dx in shifts} == set(range(-s, s + 1))
    assert any(dy != dx for dy, dx in shifts)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="temperature"):
        ContrastivePretrainConfig(temperature=0)
    with pytest.raises(ValueError, match="batch_size"):
        ContrastivePretrainConfig(batch_size=1)
    with pytest.raises(ValueError, match="view_gain"):
        ContrastivePretrainConfig(min_view_gain=1.5)
    with pytest.raises(ValueError, match="max_view_shift"):  # a circular shift by half the frame
        ContrastivePretrainConfig(max_view_shift=32)


def test_a_gain_or_temperature_beyond_float_range_is_refused_where_it_is_set():
    """``math.isfinite`` raised OverflowError on an int beyond float range (``temperature=10**400``): refused as
    ``inf`` is, in its one line."""
    for name in ("temperature", "min_view_gain", "max_view_gain", "foreground_gain"):
        with pytest.raises(ValueError, match=f"^{name} must be a finite number > 0, got 1{'0' * 400}$"):
            ContrastivePretrainConfig(**{name: 10**400})


def test_a_negative_view_shift_is_refused_where_it_is_set():
    """-1 was accepted and failed at the first step (``rng.integers(1, 0)``), after the corpus and its stream;
    0 (no shift) is a valid recipe."""
    with pytest.raises(ValueError, match=r"max_view_shift must be in \[0, 32\), got -1"):
        ContrastivePretrainConfig(max_view_shift=-1)
    assert ContrastivePretrainConfig(max_view_shift=0).max_view_shift == 0


def test_cli_rejects_a_bad_contrastive_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bgs_hf.cli.main import main

    assert main(["pretrain-tiny", str(tmp_path / "x"), "--set", "temperature=-1"]) == 2
    assert "temperature must be a finite number > 0, got -1.0" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_default_backbone_lora_is_live_and_its_adapter_round_trips(tmp_path: Path) -> None:
    """The bundled default end to end: LoRA on the convolutions after the fixed stream gets gradient, one step
    changes the output, and the saved adapter loads with plain peft and with bgs_hf.load_model."""
    from peft import PeftModel

    from bgs_hf.losses import OddOneOutLoss
    from bgs_hf.models import build_embedder, load_base, load_model
    from bgs_hf.models.registry import DEFAULT_BACKBONE

    assert DEFAULT_BACKBONE == "bgs-tiny-conv3d-fg"
    model = build_embedder(DEFAULT_BACKBONE).eval()
    x = to_pixel_values(np.stack([moving_squares(s) for s in range(3)]))
    with torch.no_grad():
        before = model(x)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-2)
    OddOneOutLoss()(model(x), torch.tensor([[0, 1, 2]]), torch.tensor([2])).backward()
    grads = {n: float(p.grad.norm()) for n, p in model.named_parameters() if "lora_B" in n}
    assert len(grads) == 4 and all(g > 0 for g in grads.values()), grads
    opt.step()
    with torch.no_grad():
        ref = model(x)
    assert not torch.allclose(ref, before)
    model.save_pretrained(str(tmp_path))
    plain = PeftModel.from_pretrained(load_base(tmp_path), str(tmp_path)).eval()
    with torch.no_grad():
        assert torch.equal(plain(x), ref)
        assert torch.equal(load_model(tmp_path)(x), ref)


def test_registry_refuses_a_processor_that_disagrees_with_the_in_model_unnormalisation(tmp_path: Path) -> None:
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models import get_backbone_spec

    BGSConv3dModel(BGSConv3dConfig(**FG_SMALL)).save_pretrained(tmp_path)
    processor = {"size": {"shortest_edge": 48}, "crop_size": {"height": 48, "width": 48}, "do_center_crop": True,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.229, 0.224, 0.225]}
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(processor))
    with pytest.raises(BGSInputError, match="image_mean"):
        get_backbone_spec(tmp_path)
    processor["image_mean"] = [0.485, 0.456, 0.406]
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(processor))
    assert get_backbone_spec(tmp_path).config.input_stream == "foreground"


def test_the_stream_cache_gives_bit_identical_outputs_and_keeps_to_its_budget():
    """Fine-tuning embeds the same clips every epoch; the cached stream must equal the computed one bit for bit,
    whatever batch a clip comes in, and the cache must stay within its byte budget and skip inputs that need a
    gradient."""
    g = torch.Generator().manual_seed(0)
    clips = torch.rand(6, 8, 3, 48, 48, generator=g)
    plain = BGSConv3dModel(BGSConv3dConfig(**FG_SMALL)).eval()
    cached = BGSConv3dModel(BGSConv3dConfig(**FG_SMALL)).eval()
    cached.load_state_dict(plain.state_dict())
    per_clip = 8 * 48 * 48 * 4  # one clip's stream, float32
    cached.enable_stream_cache(4 * per_clip)
    with torch.no_grad():
        for batch in ([0, 1, 2], [2, 1, 3, 3], [4, 0, 5], [5, 4, 0, 1]):  # repeats, reorderings, evictions
            x = clips[batch]
            assert torch.equal(cached(x).pooler_output, plain(x).pooler_output)
            assert cached._stream_cache.nbytes <= 4 * per_clip and len(cached._stream_cache) <= 4
    assert list(cached._stream_cache)[-1][2] != list(cached._stream_cache)[0][2]
    needs_grad = torch.rand(2, 8, 3, 48, 48, generator=g).requires_grad_(True)  # e.g. an input-saliency map
    before = list(cached._stream_cache)
    assert torch.equal(cached(needs_grad).pooler_output, plain(needs_grad).pooler_output)
    assert list(cached._stream_cache) == before
    half = clips[:2].to(torch.bfloat16)  # numpy has no bfloat16: the key is built from the raw bytes
    assert torch.equal(cached.input_stream(half), plain.input_stream(half))
    cached.enable_stream_cache(0)
    assert cached._stream_cache is None


def test_the_stream_cache_holds_no_more_memory_than_it_counts():
    """A cached stream was a view of its batch's stream: one clip left in the cache kept the whole batch alive, so
    the memory held was up to a batch's worth per clip beyond the byte budget the cache counted."""
    g = torch.Generator().manual_seed(0)
    clips = torch.rand(9, 8, 3, 48, 48, generator=g)
    model = BGSConv3dModel(BGSConv3dConfig(**FG_SMALL)).eval()
    per_clip = 8 * 48 * 48 * 4
    model.enable_stream_cache(4 * per_clip)
    with torch.no_grad():
        model(clips[:4])
        model(clips[4:8])
        model(clips[[0, 8]])  # the cache now holds clips 6, 7, 0, 8 from three different batches
    storages = {v.untyped_storage().data_ptr(): v.untyped_storage().nbytes() for v in model._stream_cache.values()}
    assert sum(storages.values()) == model._stream_cache.nbytes <= 4 * per_clip


def test_each_step_contrasts_two_independent_views_through_the_configured_projector(tmp_path, monkeypatch):
    """The loss of each step is NT-Xent at the config's temperature over (2B, projector_dim) projections whose two
    halves are two different views of the same clips; the saved model computes the stream the config describes
    (one view used twice, a fixed temperature, a projector ignoring projector_dim, or a model config whose
    foreground settings differ from the run's passed every test)."""
    import bgs_hf.pretrain.contrastive as contrastive
    from bgs_hf.pretrain.conv3d import Conv3dArch

    calls: list[tuple[torch.Tensor, float]] = []

    def recording(z: torch.Tensor, temperature: float) -> torch.Tensor:
        calls.append((z.detach().clone(), temperature))
        return nt_xent(z, temperature)

    monkeypatch.setattr(contrastive, "nt_xent", recording)
    monkeypatch.setattr(contrastive, "socialshapes_source", lambda: lambda seed: moving_squares(seed, t=8, size=32))
    cfg = ContrastivePretrainConfig(arch=Conv3dArch(widths=[8, 16], temporal_strides=[1, 2], num_frames=8,
                                                    image_size=32),
                                    steps=3, warmup_steps=1, batch_size=3, corpus_clips=4, num_threads=1,
                                    temperature=0.3, projector_hidden=12, projector_dim=5, max_view_shift=4,
                                    foreground_gain=2.5)
    cfg.foreground.max_shift, cfg.foreground.border = 3, 6
    result = contrastive.pretrain_contrastive(cfg, tmp_path, progress=False)
    assert [t for _, t in calls] == [0.3] * 3
    assert [tuple(z.shape) for z, _ in calls] == [(6, 5)] * 3
    assert result.losses == [pytest.approx(nt_xent(z, 0.3).item()) for z, _ in calls]
    assert all(not torch.allclose(z[:3], z[3:]) for z, _ in calls)  # the two views of a clip differ
    saved = json.loads((tmp_path / "config.json").read_text())
    assert (saved["input_stream"], saved["foreground_gain"], saved["foreground_max_shift"],
            saved["foreground_border"]) == ("foreground", 2.5, 3, 6)


# --- mutation audit (models), second pass: the stream's input range and the cache's eviction order ---


def test_the_foreground_stream_is_computed_from_frames_clipped_to_the_unit_range():
    """The model undoes the processor's normalisation and clips the frames to [0, 1] before the stream, as the
    frames a decoder gives are: pixel values beyond the unit range (an augmentation's overshoot) give the stream of
    the clipped frames, times the gain."""
    cfg = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=16, input_stream="foreground",
                          foreground_gain=3.0, foreground_max_shift=1, foreground_border=2)
    model = BGSConv3dModel(cfg).eval()
    g = torch.Generator().manual_seed(0)
    frames = torch.rand(1, 4, 16, 16, 3, generator=g) * 1.6 - 0.3  # (B, T, H, W, C), about a third outside [0, 1]
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    pixel_values = ((frames - mean) / std).permute(0, 1, 4, 2, 3)  # what the processor would give
    expected = 3.0 * foreground_stream(frames.clamp(0, 1), ForegroundConfig(max_shift=1, border=2))
    with torch.no_grad():
        torch.testing.assert_close(model.input_stream(pixel_values), expected[:, None], atol=1e-5, rtol=1e-5)


def test_the_stream_cache_evicts_the_clip_used_least_recently():
    """A budget of two clips: after clips a, b, then a again, the next new clip c evicts b (least recently used), not
    a (the oldest entry); a clip seen again is served from the cache."""
    cfg = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=16, input_stream="foreground",
                          foreground_max_shift=1, foreground_border=2)
    model = BGSConv3dModel(cfg).eval()
    g = torch.Generator().manual_seed(0)
    a, b, c = (torch.rand(1, 4, 3, 16, 16, generator=g) for _ in range(3))
    model.enable_stream_cache(2 * 4 * 16 * 16 * 4)  # two clips' float32 streams
    with torch.no_grad():
        for clip in (a, b, a, c):
            model.input_stream(clip)
    digest = {name: hashlib.blake2b(clip[0].contiguous().view(-1).view(torch.uint8).numpy().tobytes(),
                                    digest_size=16).digest() for name, clip in (("a", a), ("b", b), ("c", c))}
    assert [key[2] for key in model._stream_cache] == [digest["a"], digest["c"]]



def test_a_shared_stream_cache_serves_a_stream_only_to_models_with_the_same_stream_settings():
    """The evaluation suite shares one stream cache between its models: a model whose gain, shift, border or pixel
    mean/std differ computes its own stream (served another's it would convolve the wrong input), one with the same
    settings is served the first's; on exit no model keeps the shared cache and its streams are freed."""
    cfg = {"widths": [4], "temporal_strides": [1], "num_frames": 4, "image_size": 16, "input_stream": "foreground",
           "foreground_max_shift": 1, "foreground_border": 2}
    changes = ({"foreground_gain": 2.0}, {"foreground_max_shift": 0}, {"foreground_border": 3},
               {"pixel_mean": [0.4, 0.5, 0.6]}, {"pixel_std": [0.3, 0.2, 0.25]})
    base, same = (BGSConv3dModel(BGSConv3dConfig(**cfg)).eval() for _ in range(2))
    others = [BGSConv3dModel(BGSConv3dConfig(**{**cfg, **change})).eval() for change in changes]
    clip = torch.rand(1, 4, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        plain = [m.input_stream(clip) for m in (base, *others)]  # no cache: each computed here
        assert all(not torch.equal(stream, plain[0]) for stream in plain[1:])
        with shared_stream_cache([base, same, *others], 2**20) as cache:
            for model, want in zip((base, *others), plain, strict=True):
                assert torch.equal(model.input_stream(clip), want)
            assert len(cache) == 1 + len(changes)
            assert torch.equal(same.input_stream(clip), plain[0]) and len(cache) == 1 + len(changes)
    assert all(m._stream_cache is None for m in (base, same, *others)) and len(cache) == 0


def test_a_stream_cache_computes_a_repeated_clip_once_counts_what_it_holds_and_serves_a_batch_past_its_budget():
    """A batch repeating a clip computes it once and counts it once (counted twice, the budget evicted clips it still
    had room for); a batch of more new clips than the budget holds is still served whole, and the cache then holds
    the batch's last clips; a budget below one stream holds none."""
    computed: list[str] = []

    def compute(keys: list[tuple[str]]):
        def streams(rows: list[int]) -> torch.Tensor:
            computed.extend(keys[r][0] for r in rows)
            return torch.stack([torch.full((2, 3), float(ord(keys[r][0]))) for r in rows])  # 24 bytes each
        return streams

    def value(out: torch.Tensor) -> list[str]:
        return [chr(int(s[0, 0])) for s in out]

    cache = StreamCache(48)  # two float32 (2, 3) streams
    keys = [("a",), ("b",), ("a",)]
    assert value(cache.streams(keys, compute(keys))) == ["a", "b", "a"]
    assert computed == ["a", "b"] and cache.nbytes == 48 and list(cache) == [("b",), ("a",)]
    keys = [("c",), ("d",), ("e",)]  # three new clips, a budget of two
    assert value(cache.streams(keys, compute(keys))) == ["c", "d", "e"]
    assert computed == ["a", "b", "c", "d", "e"] and list(cache) == [("d",), ("e",)] and cache.nbytes == 48
    cache.clear()  # emptied, it counts no bytes: refilled, its budget holds two streams again
    assert len(cache) == 0 and cache.nbytes == 0
    keys = [("f",), ("g",)]
    assert value(cache.streams(keys, compute(keys))) == ["f", "g"] and list(cache) == keys and cache.nbytes == 48
    small = StreamCache(23)  # one byte short of a stream
    assert value(small.streams([("f",)], compute([("f",)]))) == ["f"] and len(small) == 0 and small.nbytes == 0


def test_a_shared_stream_cache_gives_back_each_modules_own_cache_once_whatever_the_models_repeat():
    """A model passed twice, or inside another model passed beside it (a wrapper shares its modules), got the shared
    cache recorded as its own on the second visit, and kept it after the block; a model that is no nn.Module (an
    embedding function) is passed over."""
    cfg = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=16, input_stream="foreground",
                          foreground_max_shift=1, foreground_border=2)
    mine, bare = BGSConv3dModel(cfg).eval(), BGSConv3dModel(cfg).eval()
    mine.enable_stream_cache(2**20)
    own = mine._stream_cache

    def embedding_function(clips: torch.Tensor) -> torch.Tensor:
        return clips.flatten(1)

    with shared_stream_cache([mine, torch.nn.Sequential(mine, bare), embedding_function, bare, mine], 2**20) as cache:
        assert mine._stream_cache is cache and bare._stream_cache is cache and cache is not own
    assert mine._stream_cache is own and bare._stream_cache is None


def test_a_stream_cache_scope_is_the_innermost_open_one_and_is_emptied_on_every_exit():
    """Mutation audit: a scope whose cache was emptied only on an error kept its streams (and their bytes) after a
    plain exit, for as long as the caller held it; a scope that set "no scope" on exit, not the one open before it,
    left an enclosing scope's later runs each with a cache of their own (neither had a test: the quickstart's one
    scope is never nested, and its caller drops the cache on return)."""
    from bgs_hf.models.conv3d import scoped_stream_cache, stream_cache_scope

    def fill(cache: StreamCache, name: str) -> None:
        cache.streams([(name,)], lambda rows: torch.zeros(len(rows), 2, 3))  # 24 bytes

    assert scoped_stream_cache() is None
    with stream_cache_scope(48) as outer:
        assert scoped_stream_cache() is outer
        fill(outer, "a")
        with stream_cache_scope(48) as inner:
            assert scoped_stream_cache() is inner and inner is not outer
            fill(inner, "b")
        assert scoped_stream_cache() is outer and len(inner) == 0 and inner.nbytes == 0
        assert list(outer) == [("a",)] and outer.nbytes == 24
    assert scoped_stream_cache() is None and len(outer) == 0 and outer.nbytes == 0
    with pytest.raises(RuntimeError, match="a run failed"), stream_cache_scope(48) as failed:
        fill(failed, "c")
        raise RuntimeError("a run failed")
    assert scoped_stream_cache() is None and len(failed) == 0 and failed.nbytes == 0


# --- mutation audit (pretrain), second pass: config checks, the views' gain, the precomputed stream, the optimiser ---


def test_config_refuses_a_zero_gain_and_a_stream_setting_changed_after_construction(tmp_path, capsys, monkeypatch):
    """A gain of 0 blanks a view; ``--set foreground.border=4`` (not above the default 4-px shake search) is
    refused by re-validating the nested stream config, in one line before the corpus (both passed)."""
    from bgs_hf.cli.main import main

    with pytest.raises(ValueError, match="^min_view_gain must be a finite number > 0, got 0.0$"):
        ContrastivePretrainConfig(min_view_gain=0.0)
    cfg = ContrastivePretrainConfig()
    cfg.foreground.border = 4
    with pytest.raises(ValueError, match="max_shift < border"):
        cfg.__post_init__()
    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "x"), "--set", "foreground.border=4"]) == 2
    err = capsys.readouterr().err
    assert "need 0 <= max_shift < border, got max_shift=4, border=4" in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_view_gains_are_drawn_uniformly_over_the_configured_range():
    """Over 400 views of a clip the gain (view mass / clip mass) spans [0.6, 1.4]: below 0.65 and above 1.35 both
    occur, and its mean is the range's midpoint 1.0 (sd of a uniform mean: 0.8/√12/√400 = 0.012). A constant gain
    of 1 stayed inside the range and passed every test."""
    cfg = ContrastivePretrainConfig(max_view_shift=2)
    clip = torch.zeros(1, 1, 2, 12, 12)
    clip[..., 4:8, 4:8] = 1.0
    out = views(clip.expand(400, -1, -1, -1, -1), cfg, np.random.default_rng(0))
    gains = out.sum(dim=(1, 2, 3, 4)) / clip.sum()
    assert gains.min() < 0.65 and gains.max() > 1.35
    assert float(gains.mean()) == pytest.approx(1.0, abs=0.04)


def test_the_precomputed_stream_is_every_clips_own_in_half_precision():
    """Five clips in chunks of 2: each row is the model's stream of that clip alone, stored as float16 (a chunk one
    clip short, which a corpus smaller than a chunk never shows, or float32 storage passed every test)."""
    from bgs_hf.pretrain.contrastive import foreground_streams

    model = BGSConv3dModel(BGSConv3dConfig(**{**FG_SMALL, "image_size": 32, "num_frames": 4,
                                              "foreground_max_shift": 1, "foreground_border": 2}))
    pool = np.stack([moving_squares(s, t=4, size=32) for s in range(5)])
    stream = foreground_streams(pool, model, chunk=2, progress=False)
    assert stream.dtype == torch.float16 and stream.shape == (5, 1, 4, 32, 32)
    for i in range(5):
        assert torch.equal(stream[i], model.input_stream(to_pixel_values(pool[i : i + 1]))[0].half())


def test_the_contrastive_run_optimises_and_clips_encoder_and_projector_with_the_configs_settings(
        tmp_path, monkeypatch, torch_threads_restored):
    """The projector is Linear(16, 12)-ReLU-Linear(12, 5); AdamW gets the config's lr and weight decay 0.2 (not its own
    0.01) over encoder and projector, the loop clips the gradient of both, and torch runs on the config's 1 thread
    (a projector without its ReLU, AdamW's default decay, clipping the encoder alone or the thread count left as
    it was passed every test)."""
    import bgs_hf.pretrain.contrastive as contrastive
    from bgs_hf.pretrain.conv3d import Conv3dArch

    built: list[torch.nn.Sequential] = []

    class Recording(torch.nn.Sequential):
        def __init__(self, *modules):  # noqa: ANN002
            super().__init__(*modules)
            built.append(self)

    seen: dict = {}
    optimise = contrastive.optimise

    def recording_optimise(cfg, opt, params, batch_loss, **kw):  # noqa: ANN001, ANN003
        seen.update(opt=opt, params=params, threads=torch.get_num_threads())
        return optimise(cfg, opt, params, batch_loss, **kw)

    monkeypatch.setattr(contrastive.nn, "Sequential", Recording)
    monkeypatch.setattr(contrastive, "optimise", recording_optimise)
    monkeypatch.setattr(contrastive, "socialshapes_source", lambda: lambda seed: moving_squares(seed, t=8, size=32))
    cfg = ContrastivePretrainConfig(arch=Conv3dArch(widths=[8, 16], temporal_strides=[1, 2], num_frames=8,
                                                    image_size=32),
                                    steps=1, warmup_steps=1, batch_size=2, corpus_clips=2, num_threads=1,
                                    projector_hidden=12, projector_dim=5, max_view_shift=4, weight_decay=0.2)
    contrastive.pretrain_contrastive(cfg, tmp_path, progress=False)
    projectors = [s for s in built if any(isinstance(m, torch.nn.Linear) for m in s)]
    assert [(type(m).__name__, getattr(m, "in_features", None), getattr(m, "out_features", None))
            for m in projectors[0]] == [("Linear", 16, 12), ("ReLU", None, None), ("Linear", 12, 5)]
    (group,) = seen["opt"].param_groups
    assert group["weight_decay"] == 0.2 and len(seen["params"]) == len(group["params"])
    assert {id(p) for p in seen["params"]} == {id(p) for p in group["params"]}
    assert {id(p) for p in projectors[0].parameters()} <= {id(p) for p in seen["params"]}
    assert seen["threads"] == 1


@pytest.mark.parametrize("setting", ["temperature=nan", "max_view_gain=inf", "foreground_gain=0", "projector_dim=0",
                                     "projector_hidden=-1"])
def test_settings_that_train_on_nothing_or_nan_are_refused_before_the_corpus(setting, tmp_path, monkeypatch, capsys):
    """NaN passed ``temperature <= 0`` and trained on NaN losses; an infinite gain drew infinite views; a gain of 0
    blanks the stream; a projector of width 0 projects nothing (each was accepted)."""
    from bgs_hf.cli.main import main

    refuse_rendering(monkeypatch)
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert f"{setting.split('=')[0]} must be" in err and err.count("\n") == 1, err


def test_a_shared_stream_cache_inside_a_scope_is_the_scopes_and_leaves_its_streams_for_the_scopes_later_runs(
        monkeypatch):
    """Mutation audit of ``stream_cache_scope``: the quickstart's one test has the suite as its scope's last user, so
    a ``shared_stream_cache`` that emptied the scope's cache on leaving (as it empties its own) passed, and none read
    a suite's own cache outside a scope. Inside a scope the block lends each model the scope's cache and leaves its
    streams there for the scope's next model; outside one it lends a cache of its own and empties it on leaving."""
    from bgs_hf.models.conv3d import scoped_stream_cache, stream_cache_scope

    cfg = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=16, input_stream="foreground",
                          foreground_max_shift=1, foreground_border=2)
    first, second = BGSConv3dModel(cfg).eval(), BGSConv3dModel(cfg).eval()
    computed: list[int] = []
    foreground = BGSConv3dModel._foreground

    def counted(self: BGSConv3dModel, pixel_values: torch.Tensor) -> torch.Tensor:
        computed.append(len(pixel_values))
        return foreground(self, pixel_values)

    monkeypatch.setattr(BGSConv3dModel, "_foreground", counted)
    clips = torch.rand(3, 4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    per_clip = 4 * 16 * 16 * 4  # one clip's stream: 4 frames of 16 x 16, float32
    with torch.no_grad(), stream_cache_scope(2**20) as scope:
        assert scoped_stream_cache() is scope
        with shared_stream_cache([first], 2**20) as cache:
            assert cache is scope and first._stream_cache is scope
            first(clips)
        assert first._stream_cache is None and len(scope) == 3 and scope.nbytes == 3 * per_clip
        with shared_stream_cache([second], 2**20):
            second(clips)
        assert computed == [3] and len(scope) == 3  # the second model's streams served from the scope
    assert scoped_stream_cache() is None and len(scope) == 0 and scope.nbytes == 0
    with torch.no_grad(), shared_stream_cache([first], 2**20) as own:
        first(clips)
        assert own is not scope and len(own) == 3
    assert len(own) == 0 and first._stream_cache is None and computed == [3, 3]
