"""``bgs_conv3d``: a small 3-D CNN video backbone as a transformers ``PreTrainedModel``.

Why a CNN: at the demo's 2-core budget a from-scratch tiny ViT does not learn SocialShapes' social content
even with oracle labels, while a 0.9 M-parameter 3-D CNN does (``docs/experiments/README.md``). Registered as
a transformers model it gets what the ViT families have: ``save_pretrained``/``from_pretrained``,
``AutoModel``, peft LoRA on its ``Conv3d`` layers, and hidden states for the layer-wise analyses.

Three choices keep it honest under LoRA and comparable with the ViTs:

- **No normalisation layers.** Pretraining uses BatchNorm; :func:`fold_batchnorm` folds it into the
  convolutions when pretraining ends (exact in eval mode). Fine-tuning therefore cannot drift running
  statistics that an adapter folder would not save.
- **Input streams.** ``input_stream="rgb"`` convolves the normalised frames. ``"foreground"`` first undoes the
  processor's normalisation (``pixel_mean``/``pixel_std``) and computes the label-free foreground of
  :mod:`bgs_hf.video.foreground` (x ``foreground_gain``), a fixed, parameter-free stage inside ``forward``: every
  caller (pretraining, LoRA fine-tuning, evaluation, the Space) then feeds the same ``pixel_values`` and gets
  the same stream, and no adapter can change it. The registry refuses a processor config whose mean/std
  disagree with ``pixel_mean``/``pixel_std``.
- **Equal-width hidden states.** Layer ``i``'s feature map is returned as ``(B, tokens, layer_width)`` with
  its channels zero-padded to the widest block's width (the last block's, ``hidden_size``, unless an earlier block
  is wider), so the layer-wise analyses can stack them. Zero padding changes neither dot products nor norms, so
  cosine geometry per layer is exactly the layer's own.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPooling

from bgs_hf.errors import BGSInputError, whole_number
from bgs_hf.video.foreground import ForegroundConfig, foreground_stream
from bgs_hf.video.policy import IMAGENET_MEAN, IMAGENET_STD

MODEL_TYPE = "bgs_conv3d"
INPUT_STREAMS: tuple[str, ...] = ("rgb", "foreground")

#: The architecture of ``bgs-tiny-conv3d`` (and of the capacity check's CNN): block widths, temporal strides.
DEFAULT_WIDTHS: tuple[int, ...] = (32, 64, 128, 192)
DEFAULT_TEMPORAL_STRIDES: tuple[int, ...] = (1, 2, 2, 2)


class BGSConv3dConfig(PretrainedConfig):
    """Block widths and temporal strides; every block halves height and width (odd ``kernel_size``, same padding).
    ``input_stream`` and the ``foreground_*``/``pixel_*`` fields: see the module docstring."""

    model_type = MODEL_TYPE

    def __init__(self, widths: list[int] | tuple[int, ...] = DEFAULT_WIDTHS,
                 temporal_strides: list[int] | tuple[int, ...] = DEFAULT_TEMPORAL_STRIDES, kernel_size: int = 3,
                 num_channels: int = 3, num_frames: int = 16, image_size: int = 64,
                 initializer_range: float = 0.02, input_stream: str = "rgb", foreground_gain: float = 4.0,
                 foreground_max_shift: int = 4, foreground_border: int = 5,
                 pixel_mean: list[float] | tuple[float, ...] = IMAGENET_MEAN,
                 pixel_std: list[float] | tuple[float, ...] = IMAGENET_STD, **kwargs: Any) -> None:
        # one line naming the field: int() read 2.5 frames as 2, a 64.7-px image as 64 and a width of True as 1
        widths = [whole_number(w, f"BGSConv3dConfig.widths[{i}]") for i, w in enumerate(widths)]
        temporal_strides = [whole_number(s, f"BGSConv3dConfig.temporal_strides[{i}]")
                            for i, s in enumerate(temporal_strides)]
        num_frames = whole_number(num_frames, "BGSConv3dConfig.num_frames")
        image_size = whole_number(image_size, "BGSConv3dConfig.image_size")
        kernel_size = whole_number(kernel_size, "BGSConv3dConfig.kernel_size", least=1)  # -1 is odd, Conv3d failed
        num_channels = whole_number(num_channels, "BGSConv3dConfig.num_channels", least=1)
        foreground_max_shift = whole_number(foreground_max_shift, "BGSConv3dConfig.foreground_max_shift")
        foreground_border = whole_number(foreground_border, "BGSConv3dConfig.foreground_border")
        if input_stream not in INPUT_STREAMS:
            raise ValueError(f"input_stream must be one of {INPUT_STREAMS}, got {input_stream!r}")
        if len(pixel_mean) != num_channels or len(pixel_std) != num_channels:
            raise ValueError(f"pixel_mean/pixel_std need {num_channels} entries, got {pixel_mean}, {pixel_std}")
        ForegroundConfig(max_shift=foreground_max_shift, border=foreground_border)  # validates
        if not widths or len(widths) != len(temporal_strides):
            raise ValueError(f"widths {widths} and temporal_strides {temporal_strides} need one entry per block")
        if min(*widths, *temporal_strides, num_frames, image_size) < 1:  # failed once the clips were made
            raise ValueError(f"widths {widths}, temporal_strides {temporal_strides}, num_frames {num_frames} and "
                             f"image_size {image_size} must all be >= 1")
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd (same padding), got {kernel_size}")
        self.widths = widths
        self.temporal_strides = temporal_strides
        self.kernel_size = kernel_size
        self.num_channels = num_channels
        self.num_frames = num_frames
        self.image_size = image_size
        self.initializer_range = initializer_range
        self.input_stream = input_stream
        self.foreground_gain = float(foreground_gain)
        self.foreground_max_shift = foreground_max_shift
        self.foreground_border = foreground_border
        self.pixel_mean = [float(m) for m in pixel_mean]
        self.pixel_std = [float(s) for s in pixel_std]
        super().__init__(**kwargs)

    @property
    def hidden_size(self) -> int:
        return self.widths[-1]

    @property
    def num_hidden_layers(self) -> int:
        return len(self.widths)

    @property
    def layer_width(self) -> int:
        """Width every hidden state is zero-padded to: the widest of the input stream and the blocks (padding to the
        last block's alone left a wider earlier block unpadded, and stacking the layers failed)."""
        return max(self.stream_channels, *self.widths)

    @property
    def stream_channels(self) -> int:
        """Channels the first convolution sees."""
        return 1 if self.input_stream == "foreground" else self.num_channels

    def foreground_config(self) -> ForegroundConfig:
        return ForegroundConfig(max_shift=self.foreground_max_shift, border=self.foreground_border)


class BGSConv3dBlock(GradientCheckpointingLayer):
    """Conv3d (bias carries the folded BatchNorm) + ReLU. LoRA targets ``conv``; activation checkpointing
    works per block."""

    def __init__(self, c_in: int, c_out: int, kernel: int, temporal_stride: int) -> None:
        super().__init__()
        self.conv = nn.Conv3d(c_in, c_out, kernel, stride=(temporal_stride, 2, 2), padding=kernel // 2)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


class BGSConv3dPreTrainedModel(PreTrainedModel):
    """What transformers needs to save, load and initialise the model; a fresh model starts from He (fan-out)
    weights and zero biases, the usual start of a ReLU CNN."""

    config_class = BGSConv3dConfig
    config: BGSConv3dConfig
    base_model_prefix = "conv3d"
    main_input_name = "pixel_values"
    supports_gradient_checkpointing = True

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Conv3d):
            init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)


class StreamCache(OrderedDict):
    """Foreground streams by clip key, least recently used first, within ``max_bytes`` (``nbytes`` counts them): one
    model's own (training) or one shared by models that see the same pixels (the evaluation suite)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self.max_bytes = int(max_bytes)
        self.nbytes = 0

    def clear(self) -> None:
        """Forget every stream, and their bytes: a scope's cache is emptied and may be filled again."""
        super().clear()
        self.nbytes = 0

    def streams(self, keys: list[tuple[Any, ...]], compute: Callable[[list[int]], torch.Tensor]) -> torch.Tensor:
        """The stacked streams of ``keys``; ``compute(rows)`` gives those of the batch rows not cached, each
        uncached clip once even if the batch repeats it."""
        first_uncached: dict[tuple[Any, ...], int] = {}
        for i, k in enumerate(keys):
            if k not in self:
                first_uncached.setdefault(k, i)
        missing = list(first_uncached.values())
        if missing:
            for i, stream in zip(missing, compute(missing), strict=True):
                # a copy: a view would keep the whole batch's stream alive until its last clip is evicted,
                # up to a batch's worth of memory per cached clip beyond what the budget counts
                self[keys[i]] = stream.clone()
                self.nbytes += stream.numel() * stream.element_size()
        out = torch.stack([self[k] for k in keys])
        for k in keys:
            self.move_to_end(k)
        while self.nbytes > self.max_bytes and len(self) > 0:
            _, old = self.popitem(last=False)
            self.nbytes -= old.numel() * old.element_size()
        return out


#: the cache of the innermost open :func:`stream_cache_scope` (None outside one)
_SCOPE: contextvars.ContextVar[StreamCache | None] = contextvars.ContextVar("bgs_stream_cache_scope", default=None)


@contextlib.contextmanager
def stream_cache_scope(max_bytes: int) -> Iterator[StreamCache]:
    """One :class:`StreamCache` of up to ``max_bytes`` for every training run (``train_bgs``) and evaluation suite
    (:func:`shared_stream_cache`) inside the ``with`` block: the quickstart's two runs and its suite embed the same
    clips, and each clip's stream is computed once for all of them. Emptied on exit, even by an error; outside a
    scope, each run keeps its own cache and each suite one of its own."""
    scope = StreamCache(max_bytes)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
        scope.clear()


def scoped_stream_cache() -> StreamCache | None:
    """The cache of the open :func:`stream_cache_scope`, or None outside one."""
    return _SCOPE.get()


@contextlib.contextmanager
def shared_stream_cache(models: Iterable[Any], max_bytes: int) -> Iterator[StreamCache]:
    """One :class:`StreamCache` of up to ``max_bytes`` for every module of ``models`` that has a stream cache, for the
    ``with`` block: models run on the same clips (the suite's pretrained and BGS models) compute each clip's stream
    once. Inside a :func:`stream_cache_scope` it is the scope's cache (kept for the scope's later runs). On exit, even
    by an error, each module gets back the cache it had (none, usually), so the shared streams are freed."""
    scope = scoped_stream_cache()
    shared = scope if scope is not None else StreamCache(max_bytes)
    earlier: dict[int, tuple[Any, StreamCache | None]] = {}
    for model in models:
        for module in model.modules() if isinstance(model, nn.Module) else ():
            if hasattr(module, "enable_stream_cache") and id(module) not in earlier:
                earlier[id(module)] = (module, getattr(module, "_stream_cache", None))
                module.enable_stream_cache(shared)
    try:
        yield shared
    finally:
        for module, cache in earlier.values():
            module.enable_stream_cache(cache if cache is not None else 0)
        if shared is not scope:
            shared.clear()


class BGSConv3dModel(BGSConv3dPreTrainedModel):
    """``pixel_values (B, T, 3, H, W)`` -> (input stream ->) tokens ``(B, T'·H'·W', hidden_size)`` of the last block.

    ``pooler_output`` is the mean over tokens (global average pooling, the CNN's own readout).
    """

    #: clip key -> foreground stream, least recently used first; None while the cache is off (see enable_stream_cache)
    _stream_cache: StreamCache | None = None

    def __init__(self, config: BGSConv3dConfig) -> None:
        super().__init__(config)
        chans = [config.stream_channels, *config.widths]
        self.blocks = nn.ModuleList(
            BGSConv3dBlock(chans[i], chans[i + 1], config.kernel_size, config.temporal_strides[i])
            for i in range(len(config.widths))
        )
        self.post_init()

    def input_stream(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``pixel_values (B, T, C, H, W)`` -> what the first block convolves, ``(B, stream_channels, T, H, W)``."""
        if self.config.input_stream == "rgb":
            return pixel_values.transpose(1, 2)
        if self._stream_cache is not None and pixel_values.device.type == "cpu" and not pixel_values.requires_grad:
            return self._cached_stream(pixel_values)
        return self._foreground(pixel_values)

    def _foreground(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """The foreground stream ``(B, 1, T, H, W)`` of normalised ``pixel_values``: the foreground is computed on
        frames in [0, 1], so the processor's normalisation is undone first."""
        shape = (1, 1, -1, 1, 1)
        mean = torch.tensor(self.config.pixel_mean, device=pixel_values.device).view(shape)
        std = torch.tensor(self.config.pixel_std, device=pixel_values.device).view(shape)
        frames = (pixel_values.float() * std + mean).clamp_(0, 1).permute(0, 1, 3, 4, 2)  # (B, T, H, W, C)
        stream = foreground_stream(frames, self.config.foreground_config()) * self.config.foreground_gain
        return stream[:, None].to(pixel_values.dtype)

    def enable_stream_cache(self, cache: int | StreamCache) -> None:
        """Keep the foreground streams of the clips seen last, up to ``cache`` bytes (0 turns the cache off), or in a
        :class:`StreamCache` shared with other models (:func:`shared_stream_cache`).

        Why: the stream is a fixed function of the pixels (no weight touches it) and takes about half of a
        CPU fine-tuning step, while fine-tuning embeds the same clips every epoch. Keyed by the clip's pixel
        bytes, so a mirrored or otherwise changed clip is a new entry, and by the model's stream settings, so models
        that compute other streams never share one; a clip's stream does not depend on the other clips of its batch,
        so cached and computed streams are bit-identical (tested). CPU inputs only, and never for inputs that need a
        gradient. Not saved with the model.
        """
        if isinstance(cache, StreamCache):
            self._stream_cache = cache
        else:
            self._stream_cache = StreamCache(int(cache)) if cache > 0 else None

    def _cached_stream(self, pixel_values: torch.Tensor) -> torch.Tensor:
        cache = self._stream_cache
        assert cache is not None
        c = self.config
        settings = (c.foreground_max_shift, c.foreground_border, c.foreground_gain, tuple(c.pixel_mean),
                    tuple(c.pixel_std))
        keys = [(tuple(clip.shape), str(clip.dtype),
                 hashlib.blake2b(clip.contiguous().view(-1).view(torch.uint8).numpy().tobytes(),  # any dtype, bf16 too
                                 digest_size=16).digest(), settings)
                for clip in pixel_values.detach()]
        return cache.streams(keys, lambda rows: self._foreground(pixel_values[rows]))

    def _tokens(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, T·H·W, layer_width), channels zero-padded (see module docstring)."""
        tokens = x.flatten(2).transpose(1, 2)
        pad = self.config.layer_width - tokens.shape[-1]
        return nn.functional.pad(tokens, (0, pad)) if pad > 0 else tokens

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool | None = None,
                return_dict: bool | None = None, **_: Any) -> BaseModelOutputWithPooling | tuple:
        if pixel_values.ndim != 5 or pixel_values.shape[2] != self.config.num_channels:
            raise BGSInputError(f"pixel_values must be (B, T, {self.config.num_channels}, H, W), "
                                f"got {tuple(pixel_values.shape)}")
        output_hidden_states = (output_hidden_states if output_hidden_states is not None
                                else self.config.output_hidden_states)
        x = self.input_stream(pixel_values)  # Conv3d wants (B, C, T, H, W)
        hidden: list[torch.Tensor] = [self._tokens(x)] if output_hidden_states else []
        for block in self.blocks:
            x = block(x)
            if output_hidden_states:
                hidden.append(self._tokens(x))
        last = x.flatten(2).transpose(1, 2)
        pooled = last.mean(1)
        hidden_states = tuple(hidden) if output_hidden_states else None
        if return_dict is False:
            return (last, pooled, hidden_states) if output_hidden_states else (last, pooled)
        return BaseModelOutputWithPooling(last_hidden_state=last, pooler_output=pooled, hidden_states=hidden_states)


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv3d, bn: nn.BatchNorm3d) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of one convolution equal to ``bn(conv(x))`` with ``bn`` in eval mode."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    weight = conv.weight * scale.view(-1, *([1] * (conv.weight.ndim - 1)))
    return weight.clone(), ((bias - bn.running_mean) * scale + bn.bias).clone()


def from_conv_bn_stack(layers: nn.Sequential, config: BGSConv3dConfig) -> BGSConv3dModel:
    """A ``BGSConv3dModel`` equal (in eval mode) to a ``Conv3d, BatchNorm3d, ReLU`` x N stack.

    The pretraining network (``bgs_hf.pretrain.capacity.Conv3dNet``) is such a stack; this is how its
    weights become the bundled backbone.
    """
    pairs = [(m, layers[i + 1]) for i, m in enumerate(layers) if isinstance(m, nn.Conv3d)]
    if len(pairs) != len(config.widths) or not all(isinstance(bn, nn.BatchNorm3d) for _, bn in pairs):
        raise ValueError(f"expected {len(config.widths)} Conv3d+BatchNorm3d pairs, found {len(pairs)}")
    model = BGSConv3dModel(config)
    for block, (conv, bn) in zip(model.blocks, pairs, strict=True):
        if block.conv.weight.shape != conv.weight.shape or block.conv.stride != conv.stride:
            raise ValueError(f"block shape {tuple(block.conv.weight.shape)} stride {block.conv.stride} != "
                             f"source {tuple(conv.weight.shape)} stride {conv.stride}")
        weight, bias = fold_batchnorm(conv, bn)
        block.conv.weight.data.copy_(weight)
        block.conv.bias.data.copy_(bias)
    return model.eval()


def register_auto_classes() -> None:
    """Let ``AutoConfig``/``AutoModel.from_pretrained`` read ``bgs_conv3d`` folders (idempotent)."""
    with contextlib.suppress(ValueError):  # already registered
        AutoConfig.register(MODEL_TYPE, BGSConv3dConfig)
    with contextlib.suppress(ValueError):
        AutoModel.register(BGSConv3dConfig, BGSConv3dModel)


register_auto_classes()
