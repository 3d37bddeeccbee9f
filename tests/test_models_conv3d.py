"""The bgs_conv3d backbone: BatchNorm folding is exact, hidden states keep each layer's geometry, and it
behaves as a transformers model (save/load, AutoModel, activation checkpointing, any frame count)."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModel

from bgs_hf.models import build_embedder
from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel, fold_batchnorm, from_conv_bn_stack
from bgs_hf.pretrain.capacity import Conv3dNet

torch.set_num_threads(1)
SMALL = {"widths": [8, 16, 24], "temporal_strides": [1, 2, 2], "num_frames": 8, "image_size": 32}


def _trained_like_bn_stack() -> Conv3dNet:
    """A Conv3dNet whose BatchNorms have non-trivial statistics and affine parameters, in eval mode."""
    torch.manual_seed(0)
    net = Conv3dNet(widths=SMALL["widths"], temporal_strides=SMALL["temporal_strides"])
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.2, 3.0)
            m.weight.data.uniform_(0.5, 2.0)
            m.bias.data.uniform_(-0.5, 0.5)
    return net.eval()


def test_fold_batchnorm_matches_conv_then_bn_by_hand():
    conv = torch.nn.Conv3d(2, 3, 3, padding=1)
    bn = torch.nn.BatchNorm3d(3).eval()
    bn.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
    bn.running_var.copy_(torch.tensor([4.0, 0.25, 1.0]))
    bn.weight.data.copy_(torch.tensor([1.0, 2.0, -1.0]))
    bn.bias.data.copy_(torch.tensor([0.0, 1.0, 3.0]))
    w, b = fold_batchnorm(conv, bn)
    scale = torch.tensor([1.0, 2.0, -1.0]) / torch.sqrt(torch.tensor([4.0, 0.25, 1.0]) + bn.eps)
    assert torch.allclose(w, conv.weight * scale.view(3, 1, 1, 1, 1))
    assert torch.allclose(b, (conv.bias - torch.tensor([0.5, -1.0, 2.0])) * scale + torch.tensor([0.0, 1.0, 3.0]))


def test_folded_model_equals_the_pretraining_network():
    net = _trained_like_bn_stack()
    model = from_conv_bn_stack(net.net[:-2], BGSConv3dConfig(**SMALL))
    x = torch.randn(2, 8, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model(x).pooler_output, net(x), atol=1e-5)
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())
    with pytest.raises(ValueError, match="Conv3d\\+BatchNorm3d pairs"):
        from_conv_bn_stack(net.net[:-2], BGSConv3dConfig(**{**SMALL, "widths": [8, 16], "temporal_strides": [1, 2]}))
    with pytest.raises(ValueError, match="stride"):  # same shapes, other temporal strides: another network
        from_conv_bn_stack(net.net[:-2], BGSConv3dConfig(**{**SMALL, "temporal_strides": [1, 1, 2]}))


def test_hidden_states_are_padded_without_changing_cosine_geometry():
    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL)).eval()
    x = torch.randn(3, 8, 3, 32, 32)
    with torch.no_grad():
        out = model(x, output_hidden_states=True)
        h1 = model.blocks[0](x.transpose(1, 2))  # first block, 8 channels
    assert len(out.hidden_states) == len(SMALL["widths"]) + 1
    assert all(h.shape[-1] == 24 for h in out.hidden_states)
    assert torch.equal(out.hidden_states[-1], out.last_hidden_state)
    assert torch.allclose(out.pooler_output, out.last_hidden_state.mean(1))
    own = h1.flatten(2).mean(-1)  # (3, 8) pooled, unpadded
    padded = out.hidden_states[1].mean(1)
    assert torch.equal(padded[:, 8:], torch.zeros(3, 16))
    cos = torch.nn.functional.cosine_similarity
    assert torch.allclose(cos(padded[:, None], padded[None], dim=-1), cos(own[:, None], own[None], dim=-1), atol=1e-6)


def test_save_load_auto_model_and_bad_input(tmp_path):
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL)).eval()
    model.save_pretrained(tmp_path)
    loaded = AutoModel.from_pretrained(tmp_path)
    assert isinstance(loaded, BGSConv3dModel) and loaded.config.widths == SMALL["widths"]
    x = torch.randn(1, 8, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(x).last_hidden_state, model(x).last_hidden_state)
        assert model(torch.randn(1, 5, 3, 32, 32)).pooler_output.shape == (1, 24)  # any frame count
    with pytest.raises(ValueError, match="pixel_values must be"):
        model(torch.randn(1, 8, 32, 32))
    with pytest.raises(ValueError, match="one entry per block"):
        BGSConv3dConfig(widths=[8, 16], temporal_strides=[1])


def test_activation_checkpointing_gives_same_lora_grads():
    ref = build_embedder("tiny-random-bgs_conv3d").train()
    ckpt = build_embedder("tiny-random-bgs_conv3d", gradient_checkpointing=True).train()
    assert ckpt.is_activation_checkpointing
    ckpt.load_state_dict(ref.state_dict())
    for m in (*ref.modules(), *ckpt.modules()):
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    x = torch.randn(2, 4, 3, 32, 32)
    grads = []
    for m in (ref, ckpt):
        (m(x) * torch.arange(128.0)).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for n, p in m.named_parameters() if "lora_B" in n]))
    assert grads[0].abs().sum() > 0
    assert torch.allclose(grads[0], grads[1], atol=1e-6)


def test_a_processor_that_does_not_normalise_like_the_foreground_model_is_refused(tmp_path):
    """The check compared only the JSON's image_mean/std: with `do_normalize: false` frames arrive unnormalised
    while the model still undoes ImageNet normalisation, and the foreground stream was computed from pixels
    off by up to 0.48, silently (review)."""
    import json
    import shutil

    from bgs_hf.errors import BGSInputError
    from bgs_hf.models.registry import ASSETS_DIR, get_backbone_spec

    folder = tmp_path / "fg"
    shutil.copytree(ASSETS_DIR / "bgs-tiny-conv3d-fg", folder)
    get_backbone_spec(str(folder))  # as shipped: agrees
    proc = json.loads((folder / "preprocessor_config.json").read_text())
    (folder / "preprocessor_config.json").write_text(json.dumps({**proc, "do_normalize": False}))
    with pytest.raises(BGSInputError, match="normalises with mean .* but the model undoes pixel_mean"):
        get_backbone_spec(str(folder))


def test_saving_a_run_of_a_bundled_backbone_draws_no_loading_bar(tmp_path, capfd):
    """Each checkpoint save reloads the bundled base to write ``base/``: transformers' "Loading weights" bar then
    broke into the training bar once an epoch in `make demo`."""
    from transformers.utils import logging as hf_logging

    from bgs_hf.models.loading import write_bgs_files

    model = build_embedder("bgs-tiny-conv3d-fg")
    capfd.readouterr()
    write_bgs_files(model, tmp_path / "ckpt", lora=None, save_head=False)
    assert "Loading weights" not in capfd.readouterr().err
    assert (tmp_path / "ckpt" / "base" / "model.safetensors").is_file()
    assert hf_logging.is_progress_bar_enabled() and hf_logging.set_tqdm_hook(None) is None  # nothing left changed


# --- mutation audit (models), second pass: config checks and the output forms the tests above did not pin ---


@pytest.mark.parametrize("kwargs, match", [
    ({"kernel_size": 4}, "kernel_size must be odd"),
    ({"pixel_mean": [0.5, 0.5]}, r"pixel_mean/pixel_std need 3 entries"),
    ({"pixel_std": [0.2] * 4}, r"pixel_mean/pixel_std need 3 entries"),
    ({"input_stream": "flow"}, "input_stream must be one of"),
    ({"widths": [8, 16], "temporal_strides": [1, 2, 2]}, "one entry per block"),
])
def test_a_conv3d_config_that_cannot_be_built_as_asked_is_refused(kwargs, match):
    """An even kernel has no same padding (each block would shrink the clip by one frame and one pixel more than
    its stride), a mean/std without one entry per channel would broadcast or fail inside the foreground stream, and
    extra temporal strides were dropped without a word."""
    with pytest.raises(ValueError, match=match):
        BGSConv3dConfig(**{**SMALL, **kwargs})


def test_the_conv3d_refuses_frames_with_another_channel_count_and_returns_its_outputs_in_order():
    """A 1-channel clip is refused by name; the tuple form (``return_dict=False``) is (tokens, pooled[, hidden]) as
    transformers' other models give it; ``config.output_hidden_states`` turns the hidden states on by default."""
    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL)).eval()
    x = torch.randn(2, 8, 3, 32, 32)
    with pytest.raises(ValueError, match=r"pixel_values must be \(B, T, 3, H, W\), got \(2, 8, 1, 32, 32\)"):
        model(torch.randn(2, 8, 1, 32, 32))
    with torch.no_grad():
        ref = model(x, output_hidden_states=True)
        tokens, pooled = model(x, return_dict=False)
        tokens3, pooled3, hidden3 = model(x, output_hidden_states=True, return_dict=False)
        model.config.output_hidden_states = True
        default = model(x)
    # 32 px -> 16 -> 8 -> 4 and 8 frames -> 8 -> 4 -> 2: 2·4·4 = 32 tokens of the last block's 24 channels
    assert tokens.shape == (2, 32, 24) and pooled.shape == (2, 24)
    assert torch.equal(tokens, ref.last_hidden_state) and torch.equal(pooled, ref.pooler_output)
    assert torch.equal(tokens3, tokens) and len(hidden3) == 4
    assert default.hidden_states is not None and len(default.hidden_states) == 4


# --- mutation audit (models), third pass ---


def test_a_conv3d_without_blocks_is_refused():
    """No widths at all builds no convolution and has no hidden size (``widths[-1]``): refused with the rule it
    breaks. Mutation audit (third pass): only the length comparison left passed (0 widths, 0 strides)."""
    with pytest.raises(ValueError, match="need one entry per block"):
        BGSConv3dConfig(**{**SMALL, "widths": [], "temporal_strides": []})


def test_a_fresh_conv3d_starts_from_fan_out_he_weights_and_zero_biases():
    """The tiny-random conv3d and the start of a from-scratch run: He initialisation over the fan-out (the
    documented ``kaiming_normal_(mode="fan_out")``), std √(2 / (c_out · 3³)): √(2/432) = 0.068 for the 16-channel
    block, √(2/648) = 0.056 for the 24-channel one (fan-in would give 0.096 and 0.068), and biases 0. Mutation audit
    (third pass): fan-in and PyTorch's default uniform biases both passed."""
    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL))
    for block, c_out in zip(model.blocks[1:], (16, 24), strict=True):
        assert float(block.conv.weight.detach().std()) == pytest.approx((2 / (c_out * 27)) ** 0.5, rel=0.05)
    assert all(torch.equal(b.conv.bias, torch.zeros_like(b.conv.bias)) for b in model.blocks)


def test_a_half_precision_foreground_model_convolves_its_stream_in_its_own_precision():
    """The foreground stream is computed in float32 and handed to the first convolution in the input's dtype: a
    bfloat16 model (``--bf16``, a bf16 checkpoint) runs, its tokens bfloat16. Mutation audit (third pass): the stream
    left in float32 passed; the bfloat16 convolution then refuses a float32 input."""
    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL, input_stream="foreground")).eval().to(torch.bfloat16)
    x = torch.randn(1, 8, 3, 32, 32, dtype=torch.bfloat16)
    with torch.no_grad():
        assert model.input_stream(x).dtype == torch.bfloat16
        assert model(x).last_hidden_state.dtype == torch.bfloat16


def test_a_conv3d_whose_last_block_is_narrower_pads_every_layer_to_its_widest_block(tmp_path):
    """Widths [8, 4]: each hidden state was zero-padded to the last block's 4 channels, so the first block's 8 stayed 8
    and the layer-wise embedding failed in ``torch.stack`` ("expects each tensor to be equal size"; found by fuzzing,
    reachable through ``pretrain-tiny --arch conv3d --set arch.widths=...`` then layer-wise evaluation). Every layer is
    now 8 wide, its own channels first and zeros after, so its cosine geometry is unchanged."""
    torch.manual_seed(0)
    config = BGSConv3dConfig(widths=[8, 4], temporal_strides=[1, 1], num_frames=2, image_size=8)
    assert (config.layer_width, config.hidden_size) == (8, 4)
    model = BGSConv3dModel(config).eval()
    x = torch.randn(2, 2, 3, 8, 8)
    with torch.no_grad():
        out = model(x, output_hidden_states=True)
        first = model.blocks[0](x.transpose(1, 2))
    stream, block0, block1 = out.hidden_states
    assert stream.shape == block0.shape[:1] + (2 * 8 * 8, 8) and block0.shape == block1.shape[:1] + (2 * 4 * 4, 8)
    assert block1.shape == (2, 2 * 2 * 2, 8)
    assert torch.equal(block0, first.flatten(2).transpose(1, 2))
    assert torch.equal(block1[..., :4], out.last_hidden_state) and not block1[..., 4:].any()
    assert torch.equal(stream[..., :3], x.transpose(1, 2).flatten(2).transpose(1, 2)) and not stream[..., 3:].any()
    model.save_pretrained(tmp_path)
    embedder = build_embedder(str(tmp_path), lora=None, head=None).eval()
    with torch.no_grad():
        layers = embedder.embed_layers(x)
    assert layers.shape == (3, 2, 8)
    last = torch.nn.functional.normalize(out.last_hidden_state.mean(1), dim=-1)
    torch.testing.assert_close(layers[-1, :, :4], last)


@pytest.mark.parametrize(("field", "value", "line"), [
    ("num_frames", 2.5, "BGSConv3dConfig.num_frames must be a whole number, got 2.5"),
    ("num_frames", "8", "BGSConv3dConfig.num_frames must be a whole number, got '8'"),
    ("image_size", 64.7, "BGSConv3dConfig.image_size must be a whole number, got 64.7"),
    ("image_size", None, "BGSConv3dConfig.image_size must be a whole number, got None"),
    ("widths", [8, 16.5, 24], "BGSConv3dConfig.widths[1] must be a whole number, got 16.5"),
    ("temporal_strides", [1, True, 2], "BGSConv3dConfig.temporal_strides[1] must be a whole number, got True"),
    ("kernel_size", 3.5, "BGSConv3dConfig.kernel_size must be a whole number, got 3.5"),
    ("kernel_size", True, "BGSConv3dConfig.kernel_size must be a whole number, got True"),
    ("kernel_size", -1, "BGSConv3dConfig.kernel_size must be >= 1, got -1"),
    ("num_channels", 3.5, "BGSConv3dConfig.num_channels must be a whole number, got 3.5"),
    ("foreground_max_shift", 2.5, "BGSConv3dConfig.foreground_max_shift must be a whole number, got 2.5"),
    ("foreground_border", True, "BGSConv3dConfig.foreground_border must be a whole number, got True"),
])
def test_a_conv3d_size_that_is_no_whole_number_is_one_line_naming_the_field(field, value, line):
    """``int()`` read 2.5 frames as 2, a 64.7-px image as 64, a width of 16.5 as 16, a max shift of 2.5 as 2, a
    kernel or stride of ``True`` as 1 and ``"8"`` frames as 8 (each a model of its own, saved without a word); None
    was int()'s TypeError, a 3.5 kernel was "not odd", 3.5 channels wanted "3.5 entries" of mean and std, a border of
    ``True`` was told it was below the max shift, and kernel -1 (odd) failed in torch. Now the one whole-number check
    names the field."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError) as caught:
        BGSConv3dConfig(**{**SMALL, field: value})
    assert str(caught.value) == line


def test_a_conv3d_config_of_numpy_or_whole_float_sizes_is_the_config_of_their_ints():
    """What the check takes is read as before: the default backbone's sizes as numpy integers or whole floats give
    the same config, field for field, with every size a Python ``int`` (its JSON is the same text)."""
    import numpy as np

    ints = {"widths": [32, 64, 128, 128], "temporal_strides": [1, 2, 2, 2], "kernel_size": 3, "num_channels": 3,
            "num_frames": 16, "image_size": 64, "foreground_max_shift": 4, "foreground_border": 5}
    want = BGSConv3dConfig(**ints, input_stream="foreground")
    for kind in (np.int64, float):
        given = {k: [kind(x) for x in v] if isinstance(v, list) else kind(v) for k, v in ints.items()}
        got = BGSConv3dConfig(**given, input_stream="foreground")
        assert got.to_json_string() == want.to_json_string()
        assert all(type(getattr(got, k)) is int for k in ints if k not in ("widths", "temporal_strides"))
        assert all(type(x) is int for x in got.widths + got.temporal_strides)


# --- mutation audit (models: embedder, liveness, patches, conv3d), fourth pass ---


def test_folding_takes_a_bias_free_convolution_and_refuses_a_stack_without_batchnorm():
    """A bias-free convolution (the usual one before a BatchNorm) folds to ``bn(conv(x))`` with the BatchNorm's
    shift as its bias; a convolution followed by no BatchNorm is refused in one line, not an ``AttributeError`` from
    inside the fold. Mutation audit (fourth pass): both passed, every folded test convolution had a bias and a
    BatchNorm."""
    torch.manual_seed(0)
    conv = torch.nn.Conv3d(2, 3, 3, padding=1, bias=False)
    bn = torch.nn.BatchNorm3d(3).eval()
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.2, 3.0)
    bn.bias.data.uniform_(-0.5, 0.5)
    weight, bias = fold_batchnorm(conv, bn)
    x = torch.randn(1, 2, 4, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(torch.nn.functional.conv3d(x, weight, bias, padding=1), bn(conv(x)))
    no_bn = torch.nn.Sequential(*(m for m in _trained_like_bn_stack().net[:-2]
                                  if not isinstance(m, torch.nn.BatchNorm3d)))
    with pytest.raises(ValueError, match=r"expected 3 Conv3d\+BatchNorm3d pairs"):
        from_conv_bn_stack(no_bn, BGSConv3dConfig(**SMALL))


def test_every_hidden_state_is_as_wide_as_the_input_stream_when_no_block_is_wider():
    """Blocks narrower than the 3 colour channels: the input stream's hidden state is the widest, and every layer is
    padded to it. Mutation audit (fourth pass): padding to the widest block alone passed (the stream stayed 3 wide,
    the blocks 2, and the layers could not be stacked)."""
    model = BGSConv3dModel(BGSConv3dConfig(widths=[2, 2], temporal_strides=[1, 1], num_frames=2, image_size=8))
    with torch.no_grad():
        hidden = model(torch.randn(1, 2, 3, 8, 8), output_hidden_states=True).hidden_states
    assert [h.shape[-1] for h in hidden] == [3, 3, 3]


# --- input checks that still gave a traceback (s72) ---


@pytest.mark.parametrize(("edit", "named"), [
    ({"input_stream": "flow"}, "input_stream must be one of ('rgb', 'foreground'), got 'flow'"),
    ({"kernel_size": 4}, "kernel_size must be odd (same padding), got 4"),
    ({"widths": [8, 16]}, "widths [8, 16] and temporal_strides [1, 2, 2] need one entry per block"),
    ({"foreground_max_shift": 9}, "need 0 <= max_shift < border, got max_shift=9, border=5"),
    ({"num_frames": 2.5}, "BGSConv3dConfig.num_frames must be a whole number, got 2.5"),  # one line, no file named
], ids=["stream", "kernel", "widths", "shift", "frames"])
@pytest.mark.parametrize("command", [["evaluate", "--data", "missing", "--model"],
                                     ["train", "--data", "missing", "--output_dir", "run", "--backbone"]],
                         ids=["evaluate", "train"])
def test_a_backbone_folder_whose_conv3d_config_is_refused_is_one_cli_line_naming_its_config_json(
        tmp_path, monkeypatch, capsys, edit, named, command):
    """A backbone folder's config.json with a value BGSConv3dConfig refuses (``"input_stream": "flow"``, an even
    kernel, widths without a temporal stride each, a max shift past the border) was a ValueError traceback from
    ``bgs-hf evaluate --model DIR`` and ``bgs-hf train --backbone DIR``, naming no file: now the one ``error:`` line
    (exit 2) names config.json, as a field of another type already did."""
    import json

    from bgs_hf.cli.main import main

    BGSConv3dModel(BGSConv3dConfig(**SMALL)).save_pretrained(tmp_path / "bb")
    raw = json.loads((tmp_path / "bb" / "config.json").read_text())
    (tmp_path / "bb" / "config.json").write_text(json.dumps({**raw, **edit}))
    monkeypatch.chdir(tmp_path)
    assert main([*command, str(tmp_path / "bb")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert line.endswith(f"config.json: not a valid bgs_conv3d config ({named})"), line


def test_a_clip_tensor_the_models_refuse_is_a_bgs_input_error():
    """The forward checks of a clip tensor (dtype, dimensions, channels, no clip, image size) refuse the caller's
    input, so they raise BGSInputError (still a ValueError) as the frame-count check beside them did: the CLI prints
    it as one ``error:`` line and the attention analysis notes it for one model, where a plain ValueError was a
    traceback."""
    from bgs_hf.errors import BGSInputError

    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(**SMALL)).eval()
    with pytest.raises(BGSInputError, match=r"pixel_values must be \(B, T, 3, H, W\), got \(1, 8, 1, 32, 32\)"):
        model(torch.randn(1, 8, 1, 32, 32))
    embedder = build_embedder("tiny-random-bgs_conv3d", lora=None).eval()
    size = embedder.spec.image_size
    bad = {"pixel_values must be a float tensor": torch.zeros(1, 4, 3, size, size, dtype=torch.uint8),
           r"pixel_values must be \(B, T, 3, H, W\)": torch.zeros(4, 3, size, size),
           "pixel_values holds no clip": torch.zeros(0, 4, 3, size, size),
           "0 frames per clip": torch.zeros(1, 0, 3, size, size),
           f"expects {size}x{size} frames, got {size + 2}x{size}": torch.zeros(1, 4, 3, size + 2, size)}
    for match, clip in bad.items():
        with pytest.raises(BGSInputError, match=match):
            embedder(clip)


def test_frames_preprocess_refuses_are_a_bgs_input_error():
    """``preprocess`` takes the caller's frames: another shape, an empty frame or float frames are BGSInputError (a
    ValueError, as before), so a command or app that hands it a user's array prints one line, not a traceback."""
    import numpy as np

    from bgs_hf.errors import BGSInputError
    from bgs_hf.video import FramePolicy, preprocess

    policy = FramePolicy(num_frames=2, size=16, crop=16)
    for match, frames in {r"expects \(T,H,W,3\) frames": np.zeros((2, 16, 16), np.uint8),
                          "at least 1 x 1 px": np.zeros((2, 0, 16, 3), np.uint8),
                          "expects uint8 frames": np.zeros((2, 16, 16, 3), np.float32)}.items():
        with pytest.raises(BGSInputError, match=match):
            preprocess(frames, policy)
