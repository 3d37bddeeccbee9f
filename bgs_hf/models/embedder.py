"""The BGS embedding model: a video backbone, explicit pooling, the paper's projection head, and LoRA.

``BGSEmbedder`` treats every registered family the same way (``(B, T, 3, H, W)`` in, ``(B, D)``
L2-normalised embeddings out). ``build_embedder`` wraps it with peft LoRA as a ``BGSPeftModel``, a
``PeftModel`` whose ``save_pretrained`` also writes ``bgs_config.json`` (and the base weights of
tiny/bundled backbones), so every adapter folder, Trainer checkpoints included, loads by itself.

Where each backbone's trap is handled (the why is written there, once):

- VideoMAE reads q/k/v weights functionally, so LoRA there would be dead: :mod:`bgs_hf.models.patches`.
- V-JEPA 2 runs its predictor, whose layers have the encoder's names: the family's ``forward_kwargs``
  (``skip_predictor``), ``skipped_modules`` and encoder-scoped ``lora_target`` (:data:`~bgs_hf.models.registry.FAMILIES`),
  enforced here by :func:`freeze_skipped_modules` and :func:`_refuse_skipped_targets`; no CLS token, so
  ``mean`` pooling (:meth:`BGSEmbedder._pool`).
- TimeSformer's fused ``qkv``: its ``lora_target``; its silent frame interpolation:
  :meth:`~bgs_hf.models.registry.BackboneSpec.check_frames` / ``with_interpolated_frames``, run by
  :func:`resolve_backbone` before any weight loads.
- CLIP's text tower shares the vision tower's names: its ``lora_target``; an image model, so every frame is embedded
  as an image and pooled over time (``frame-mean``, :meth:`BGSEmbedder._pool`).
"""

from __future__ import annotations

import hashlib
import logging
import numbers
import os
import re
from dataclasses import asdict, dataclass
from typing import Any

import torch
from peft import LoraConfig, PeftModel
from torch import nn

from bgs_hf._files import BGS_CONFIG
from bgs_hf._format import count
from bgs_hf.errors import BGSInputError, finite_number, is_whole, whole_number
from bgs_hf.models.registry import POOLINGS, BackboneSpec, checked_num_frames, get_backbone_spec
from bgs_hf.video.policy import FramePolicy

logger = logging.getLogger(__name__)

HEAD_MODULE = "head"
#: narrowest head that can embed: LayerNorm then ReLU make 1 feature a constant and 2 a one-hot vector, and neither
#: passes a gradient back (every LoRA module was reported dead, blamed on the targets)
MIN_HEAD_DIM = 3
#: peft's LoRA bias modes ("none" trains no bias, so the model with its adapter off is the original backbone)
LORA_BIAS: tuple[str, ...] = ("none", "all", "lora_only")
#: a regex's leading global flags, ``(?i)`` or ``(?x)``: Python takes them only at the very start of a pattern
_LEADING_FLAGS = re.compile(r"(?:\(\?[aiLmsux]+\))+")


def blank_targets(targets: object) -> bool:
    """Whether ``targets`` is text of only spaces and commas (``""``: an unset shell variable): it names no module, and
    an empty regex was taken as the family's default targets without a word."""
    return isinstance(targets, str) and not targets.replace(",", "").strip()


def scoped_target_regex(targets: str) -> str:
    """``targets`` (module names relative to the backbone) as a regex over the embedder's module names.

    Why the flags are moved: inside ``backbone\\.(?:...)`` a user's leading ``(?i)`` no longer starts the pattern,
    and Python refuses it ("global flags not at the start of the expression") from deep inside peft. A verbose
    pattern's closing parenthesis goes on its own line, out of reach of a trailing ``# comment``.
    """
    lead = _LEADING_FLAGS.match(targets)
    flags, body = (lead.group(0), targets[lead.end():]) if lead else ("", targets)
    end = "\n)" if "x" in flags else ")"
    return rf"{flags}backbone\.(?:{body}{end}"


def _check_dropout(value: Any, what: str) -> None:
    """One line for a dropout that is no probability torch could drop with (``what``: whose dropout)."""
    if not isinstance(value, numbers.Real):
        raise BGSInputError(f"{what} dropout must be a number in [0, 1), got {value!r}")
    if not 0.0 <= float(value) < 1.0:
        raise BGSInputError(f"{what} dropout must be in [0, 1), got {value}")


@dataclass
class HeadConfig:
    """The paper's projection head: Linear(d -> out_dim) -> LayerNorm -> ReLU -> Dropout -> L2."""

    out_dim: int = 128
    dropout: float = 0.3

    def __post_init__(self) -> None:
        self.out_dim = whole_number(self.out_dim, "head out_dim")
        if self.out_dim < MIN_HEAD_DIM:
            raise BGSInputError(f"head out_dim must be >= {MIN_HEAD_DIM}, got {self.out_dim} (its LayerNorm and ReLU "
                                "turn 1 or 2 features into a constant or one-hot embedding that no gradient reaches)")
        _check_dropout(self.dropout, "head")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> HeadConfig | None:
        """The head a ``bgs_config.json`` records (``None``: no head); keys this version does not know are ignored."""
        return None if d is None else cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    def build(self, in_dim: int) -> nn.Sequential:
        return nn.Sequential(nn.Linear(in_dim, self.out_dim), nn.LayerNorm(self.out_dim), nn.ReLU(),
                             nn.Dropout(self.dropout))


@dataclass
class LoraSettings:
    """LoRA hyper-parameters (paper: r=8, alpha=16, dropout=0.1).

    ``target_modules``: a regex fully matched against module names *relative to the backbone*
    (e.g. ``r"encoder\\.layer\\.\\d+\\.output\\.dense"``); ``None`` uses the family's tower-scoped default.
    """

    r: int = 8
    alpha: int = 16
    dropout: float = 0.1
    target_modules: str | None = None
    bias: str = "none"

    def __post_init__(self) -> None:
        self.r = whole_number(self.r, "LoRA rank r", least=1)
        # alpha 0 scales every update to nothing (a "dead" LoRA, blamed on the targets); inf times the
        # zero-initialised lora_B made every embedding NaN; 10**400 was an OverflowError traceback from math.isfinite
        finite_number(self.alpha, "LoRA alpha", above=0)
        _check_dropout(self.dropout, "LoRA")
        if self.bias not in LORA_BIAS:
            raise BGSInputError(f"LoRA bias must be one of {', '.join(LORA_BIAS)}, got {self.bias!r}")
        if self.target_modules is not None and not isinstance(self.target_modules, str):
            raise BGSInputError(f"LoRA target_modules must be one regex (a string, full-matched against module names "
                                f"relative to the backbone, alternatives joined by '|'), got {self.target_modules!r}")
        if blank_targets(self.target_modules):
            raise BGSInputError(f"LoRA target_modules {self.target_modules!r} names no module: give a regex, or None "
                                f"for the family's default targets")
        if self.target_modules is not None:
            try:
                re.compile(self.target_modules)
                re.compile(scoped_target_regex(self.target_modules))
            except re.error as err:
                raise BGSInputError(f"LoRA target_modules {self.target_modules!r} is not a valid regex ({err})") from None

    def target_regex(self, spec: BackboneSpec) -> str:
        """The regex peft gets: these targets, or the family's tower-scoped default, under ``backbone.``."""
        return scoped_target_regex(self.target_modules or spec.lora_target)

    def to_peft_config(self, spec: BackboneSpec, *, with_head: bool) -> LoraConfig:
        return LoraConfig(
            r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout, bias=self.bias,
            target_modules=self.target_regex(spec), modules_to_save=[HEAD_MODULE] if with_head else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _older_checkpointing_settings(backbone: nn.Module, every_n_layers: int, offload: bool) -> dict[str, Any]:
    """``every_n_layers`` and ``offload`` for the ``gradient_checkpointing_enable`` of a transformers without
    ``activation_checkpointing_enable``; one it does not take is refused in one line (they were dropped without a word:
    every layer checkpointed, nothing offloaded)."""
    import inspect

    import transformers

    asked: dict[str, Any] = {}
    if every_n_layers != 1:
        asked["every_n_layers"] = every_n_layers
    if offload:
        asked["offload"] = True
    params = inspect.signature(backbone.gradient_checkpointing_enable).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return asked
    missing = [k for k in asked if k not in params]
    if missing:
        them = "it" if len(missing) == 1 else "them"
        raise BGSInputError(f"activation checkpointing's {' and '.join(missing)}: transformers "
                            f"{transformers.__version__} cannot apply {them}; upgrade transformers or leave {them} out")
    return asked


class BGSEmbedder(nn.Module):
    """Backbone + pooling + optional projection head -> L2-normalised clip embeddings."""

    supports_gradient_checkpointing = True
    main_input_name = "pixel_values"

    def __init__(self, backbone: nn.Module, spec: BackboneSpec, head: HeadConfig | None = None,
                 frame_policy: FramePolicy | None = None) -> None:
        super().__init__()
        if spec.pooling not in POOLINGS:  # else it fell through to frame-mean's branch (see _pool)
            raise ValueError(f"unknown pooling {spec.pooling!r}; the spec's pooling must be one of {', '.join(POOLINGS)}")
        self.backbone = backbone
        self.spec = spec
        freeze_skipped_modules(self)
        # what the base weights looked like: a save compares against it to tell a merged or frozen-after-training
        # backbone (which must be written) from the untouched base (which need not be)
        self._base_weights_sample = weights_sample(backbone)
        # which base weights these are, recorded by a save (bgs_config.json's base_fingerprint): a base of the same
        # shapes but other weights (another seed, another revision) loaded under the adapter is told on load
        self.base_fingerprint = weights_fingerprint(self._base_weights_sample)
        self.head_config = head
        self.frame_policy = frame_policy if frame_policy is not None else spec.frame_policy()
        spec.check_frames(self.frame_policy.num_frames)
        self.head = head.build(spec.hidden_size) if head is not None else None
        # peft records this as adapter_config.json's base_model_name_or_path
        self.name_or_path = spec.name

    @property
    def embedding_dim(self) -> int:
        return self.head_config.out_dim if self.head_config is not None else self.spec.hidden_size

    def _checked_input(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``pixel_values`` refused in one line unless they are normalised clips this backbone takes, else cast to the
        backbone's float dtype (a bf16/fp16 checkpoint fed float32 frames fails in its first layer). A
        :class:`BGSInputError`, as :meth:`BackboneSpec.check_frames` refuses a frame count: the clip tensor is the
        caller's input (a ``ValueError`` still, so ``except ValueError`` catches it as before)."""
        if not isinstance(pixel_values, torch.Tensor) or not pixel_values.is_floating_point():
            # uint8 frames: V-JEPA 2 and CLIP embedded the raw 0-255 values without a word, the others failed in torch
            kind = pixel_values.dtype if isinstance(pixel_values, torch.Tensor) else type(pixel_values).__name__
            raise BGSInputError(f"pixel_values must be a float tensor of frames normalised by the model's frame_policy "
                                f"(bgs_hf.video.preprocess), got {kind}")
        if pixel_values.ndim != 5 or pixel_values.shape[2] != 3:
            raise BGSInputError(f"pixel_values must be (B, T, 3, H, W), got {tuple(pixel_values.shape)}")
        if pixel_values.shape[0] == 0:  # VideoMAE, V-JEPA 2 and CLIP failed in a reshape inside their attention
            raise BGSInputError(f"pixel_values holds no clip: {tuple(pixel_values.shape)}")
        if pixel_values.shape[1] == 0:  # the input's fault, not a num_frames argument's (check_frames names that)
            raise BGSInputError(f"{self.spec.name}: 0 frames per clip; a clip needs at least one")
        self.spec.check_frames(int(pixel_values.shape[1]))
        h, w = pixel_values.shape[-2:]
        if h != self.spec.image_size or w != self.spec.image_size:
            raise BGSInputError(f"{self.spec.name} expects {self.spec.image_size}x{self.spec.image_size} frames, "
                                f"got {h}x{w}; preprocess with the model's frame_policy")
        dtype = next(self.backbone.parameters()).dtype
        return pixel_values.to(dtype) if dtype.is_floating_point else pixel_values

    def _backbone_outputs(self, pixel_values: torch.Tensor, **kwargs: Any) -> Any:
        """The backbone's outputs for checked clips, with the family's ``forward_kwargs`` (V-JEPA 2:
        ``skip_predictor``); an image model (``frame-mean``) gets the ``B*T`` frames as a batch of images."""
        x = self._checked_input(pixel_values)
        if self.spec.pooling == "frame-mean":
            x = x.flatten(0, 1)
        return self.backbone(**{self.spec.input_key: x}, **self.spec.forward_kwargs, **kwargs)

    def _pool(self, tokens: torch.Tensor, batch: int, pooled: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, hidden)`` from one layer's ``tokens``, by the family's pooling.

        ``mean`` over every token (V-JEPA 2 has no CLS token; VideoMAE and bgs_conv3d are pooled the same way);
        ``cls``, the first token (TimeSformer); ``frame-mean`` (CLIP, an image model): each frame's ``pooled``
        output (CLIP's post-layernorm CLS) or else its first token, averaged over the clip's frames.
        """
        if self.spec.pooling == "mean":
            return tokens.mean(1)
        if self.spec.pooling == "cls":
            return tokens[:, 0]
        per_frame = pooled if pooled is not None else tokens[:, 0]
        return per_frame.reshape(batch, -1, per_frame.shape[-1]).mean(1)

    def _last_layer_features(self, out: Any, batch: int) -> torch.Tensor:
        """Pooled last-layer features (B, hidden) of the backbone's outputs ``out``."""
        pooled = getattr(out, "pooler_output", None) if self.spec.pooling == "frame-mean" else None
        return self._pool(out.last_hidden_state, batch, pooled)

    def _head_embedding(self, feats: torch.Tensor) -> torch.Tensor:
        """The head (if any) on pooled features, L2-normalised: what :meth:`forward` returns."""
        if self.head is not None:  # a bf16/fp16 checkpoint's features meet the head in the head's dtype
            feats = self.head(feats.to(next(self.head.parameters()).dtype))
        return nn.functional.normalize(feats.float(), dim=-1)

    def _layer_features(self, out: Any, batch: int) -> torch.Tensor:
        """``(L+1, B, hidden)`` pooled, L2-normalised features of every hidden state in ``out``."""
        if not out.hidden_states:
            raise RuntimeError(f"{self.spec.model_class} returned no hidden_states")
        layers = [self._pool(h, batch) for h in out.hidden_states]
        return nn.functional.normalize(torch.stack(layers).float(), dim=-1)

    def pooled_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pooled last-layer backbone features (B, hidden), before the head and not normalised."""
        return self._last_layer_features(self._backbone_outputs(pixel_values), pixel_values.shape[0])

    def forward(self, pixel_values: torch.Tensor, **_: Any) -> torch.Tensor:
        """``(B, T, 3, H, W)`` normalised frames -> ``(B, D)`` L2-normalised embeddings (other keyword arguments, which
        peft and the Trainer may pass, are ignored)."""
        return self._head_embedding(self.pooled_features(pixel_values))

    def embed_layers(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``(L+1, B, hidden)`` pooled, L2-normalised features of the embeddings and every layer (bgs_conv3d: its widest
        block's width, the layers zero-padded to it)."""
        out = self._backbone_outputs(pixel_values, output_hidden_states=True)
        return self._layer_features(out, pixel_values.shape[0])

    def embed_with_layers(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(``forward``'s embeddings, ``embed_layers``' features) from one backbone pass: the layer-wise evaluation
        needs both of every clip, and calling the two ran the backbone twice."""
        out = self._backbone_outputs(pixel_values, output_hidden_states=True)
        b = pixel_values.shape[0]
        return self._head_embedding(self._last_layer_features(out, b)), self._layer_features(out, b)

    def activation_checkpointing_enable(self, activation_checkpointing_kwargs: dict[str, Any] | None = None,
                                        every_n_layers: int = 1, offload: bool = False) -> None:
        """Trade compute for memory in the backbone (what ``Trainer`` calls for ``--activation_checkpointing``).

        Always non-reentrant, which works with a frozen backbone + LoRA without input grads.
        ``every_n_layers`` and ``offload`` may also come inside the kwargs, as ``--activation_checkpointing_kwargs``
        gives them (the rest would reach ``torch.utils.checkpoint``, and from there the layers' forward).
        """
        kw = {"use_reentrant": False, **(activation_checkpointing_kwargs or {})}
        every_n_layers, offload = kw.pop("every_n_layers", every_n_layers), kw.pop("offload", offload)
        if not is_whole(every_n_layers, floats=False) or every_n_layers < 1:
            raise BGSInputError(f"activation checkpointing's every_n_layers must be an integer >= 1, got "
                                f"{every_n_layers!r}")
        if offload and not torch.accelerator.is_available():  # transformers pins host memory, which then fails
            logger.warning("activation checkpointing offload needs an accelerator to offload from; without one "
                           "the saved activations stay in host memory, where they already are")
            offload = False
        if kw["use_reentrant"]:  # the checkpointed input of a frozen backbone needs no grad: LoRA gets none
            raise BGSInputError("use_reentrant=True trains no LoRA weight in a frozen backbone (every lora_B "
                                "gradient is 0); leave it False")
        bb = self.backbone
        if hasattr(bb, "activation_checkpointing_enable"):  # transformers >= 5.2x
            bb.activation_checkpointing_enable(activation_checkpointing_kwargs=kw, every_n_layers=int(every_n_layers),
                                               offload=offload)
        else:
            bb.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kw,
                                             **_older_checkpointing_settings(bb, int(every_n_layers), offload))

    def activation_checkpointing_disable(self) -> None:
        bb = self.backbone
        if hasattr(bb, "activation_checkpointing_disable"):
            bb.activation_checkpointing_disable()
        else:
            bb.gradient_checkpointing_disable()

    @property
    def is_activation_checkpointing(self) -> bool:
        return any(getattr(m, "gradient_checkpointing", False) for m in self.backbone.modules())

    # older names (transformers < 5.2x, peft, user code)
    def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs: dict[str, Any] | None = None,
                                      **kwargs: Any) -> None:
        self.activation_checkpointing_enable(gradient_checkpointing_kwargs, **kwargs)

    def gradient_checkpointing_disable(self) -> None:
        self.activation_checkpointing_disable()

    @property
    def is_gradient_checkpointing(self) -> bool:
        return self.is_activation_checkpointing

    @classmethod
    def from_pretrained(cls, dir_or_repo: str | os.PathLike[str], **kwargs: Any) -> BGSEmbedder:
        """The model :meth:`save_pretrained` wrote (a folder or Hub repo id), as :func:`bgs_hf.load_model` loads it
        (``revision``, ``trust_remote_code``, ``is_trainable``): the class had ``save_pretrained`` and no way back, so
        ``BGSEmbedder.from_pretrained(folder)``, the pair transformers and peft users reach for, was an
        AttributeError. A LoRA run's folder is refused in one line naming its loaders."""
        from bgs_hf.models.loading import load_model  # here: loading imports this module

        model = load_model(dir_or_repo, **kwargs)
        if not isinstance(model, cls):
            raise BGSInputError("holds a LoRA adapter, not a model without LoRA: load it with bgs_hf.load_model(folder)"
                                " or PeftModel.from_pretrained(bgs_hf.models.load_base(folder), folder)",
                                path=dir_or_repo, whole=True)
        return model

    def save_pretrained(self, save_directory: str | os.PathLike[str], **kwargs: Any) -> None:
        """Save a model without LoRA: ``bgs_config.json``, the head's weights, the backbone as it is now in
        ``backbone.safetensors`` when it is trainable or its weights are no longer the base's (fine-tuned then
        frozen, or LoRA merged into it with ``merge_and_unload``), and the untrained base in
        ``base/`` when it has no Hub/local home (tiny-random, bundled) or was read from a saved model's ``base/``."""
        # here: loading imports this module
        from bgs_hf.models.loading import require_base_to_copy, write_bgs_files

        if lora_module_names(self):
            # the inner model of a PeftModel: its folder would hold lora_ keys and peft's head wrapper, and load as
            # nothing at all
            raise BGSInputError("this model carries LoRA adapters: save the PeftModel around it "
                                "(peft_model.save_pretrained(folder)), or merge them first "
                                "(peft_model.merge_and_unload().save_pretrained(folder))", path=save_directory,
                                whole=True)
        if not kwargs.get("is_main_process", True):
            return
        require_base_to_copy(self.spec, save_directory)
        trainable = any(p.requires_grad for p in self.backbone.parameters())
        changed = not same_weights(weights_sample(self.backbone), self._base_weights_sample)
        write_bgs_files(self, save_directory, lora=None, save_head=True, save_backbone=trainable or changed)


class BGSPeftModel(PeftModel):
    """A ``PeftModel`` around a :class:`BGSEmbedder` whose ``save_pretrained`` writes a complete run folder.

    The adapter part is standard PEFT (``PeftModel.from_pretrained(base, dir)`` reads it); we add
    ``bgs_config.json`` and, for tiny-random/bundled backbones or a base read from a saved model's ``base/``, the base
    weights in ``base/``. Wrapping (which ``from_pretrained`` does too) lets LoRA ``bias="all"`` mark every bias
    trainable: the backbone modules the forward never runs are frozen again (:func:`freeze_skipped_modules`); a
    further adapter keeps them as they are (peft restores the flags, and takes one adapter with a bias at most).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        freeze_skipped_modules(self.get_base_model())

    def load_adapter(self, model_id: str | os.PathLike[str], adapter_name: str, *args: Any, **kwargs: Any) -> Any:
        """peft's ``load_adapter`` (``from_pretrained`` and the Trainer's resume and best-model loads call it), refused
        in one line when the adapter does not fit this backbone, and warned of when it was trained on other base
        weights of the same shapes (:func:`~bgs_hf.models.loading.warn_other_base`).

        Why: peft loads the saved weights whose names the model has and drops the others without a word, so a
        VideoMAE adapter on a TimeSformer of the same width (both have ``attention.output.dense``,
        ``intermediate.dense`` and ``output.dense``) loaded as a model that is neither, with at most a warning.
        """
        from bgs_hf.models.loading import warn_other_base  # here: loading imports this module

        result = super().load_adapter(model_id, adapter_name, *args, **kwargs)
        if result.unexpected_keys or result.missing_keys:
            raise BGSInputError(_adapter_misfit(self, adapter_name, result.unexpected_keys, result.missing_keys),
                                path=model_id, whole=True)
        warn_other_base(self.get_base_model(), model_id)  # same shapes, other weights: it fits, and embeds wrongly
        return result

    def save_pretrained(self, save_directory: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # here: loading imports this module
        from bgs_hf.models.loading import drop_auto_class, require_base_to_copy, write_bgs_files

        # vision backbones have no token embeddings; "auto" would probe the Hub for the base's config.json
        kwargs.setdefault("save_embedding_layers", False)
        if kwargs.get("is_main_process", True):  # before peft writes the adapter: no folder without its config
            require_base_to_copy(self.get_base_model().spec, save_directory)
        had_card = os.path.exists(os.path.join(save_directory, "README.md"))
        super().save_pretrained(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            from bgs_hf.hub.card import write_saved_model_card

            for name in self.peft_config:  # each adapter's folder as peft chose it
                drop_auto_class(save_directory if name == "default" else os.path.join(save_directory, name))
            cfg = self.peft_config[self.active_adapter]
            lora = {"r": cfg.r, "alpha": cfg.lora_alpha, "dropout": cfg.lora_dropout,
                    "target_modules": cfg.target_modules if isinstance(cfg.target_modules, str)
                    else sorted(cfg.target_modules), "bias": cfg.bias}
            write_bgs_files(self.get_base_model(), save_directory, lora=lora, save_head=False)
            if not had_card:  # else peft's empty template ("Model Card for Model ID"); one there before is kept
                write_saved_model_card(save_directory)


def _adapter_misfit(model: PeftModel, adapter_name: str, stray: list[str], missing: list[str]) -> str:
    """Why a saved adapter does not fit ``model``'s backbone: weights for modules it does not have (``stray``), LoRA
    modules its targets wrap here that the adapter has no weights for (``missing``)."""
    spec = model.get_base_model().spec
    trained_on = model.peft_config[adapter_name].base_model_name_or_path
    parts = [f"{count(len(keys), 'weight')} {what} (first: {keys[0].removeprefix('base_model.model.')})"
             for keys, what in ((stray, f"for modules {spec.name} does not have"),
                                (missing, "missing for modules its targets match here")) if keys]
    why = (f"it was trained on {trained_on} (are the adapter and {BGS_CONFIG} from different runs?)"
           if trained_on and trained_on != spec.name else
           f"was the base replaced since training, or are the adapter and {BGS_CONFIG} from different runs?")
    return f"the adapter does not fit the backbone {spec.name} ({spec.model_class}): {' and '.join(parts)}; {why}"


WEIGHT_SAMPLES = 4096


def weights_sample(module: nn.Module) -> list[torch.Tensor]:
    """Up to :data:`WEIGHT_SAMPLES` evenly spaced values of each floating tensor, copied to the CPU.

    A merged LoRA or a training step moves (nearly) every entry, so these tell a changed backbone from its base.
    Reading every weight instead (norms in float64) took 4 s per build for VideoMAE-base on 2 busy cores; these
    take 0.04 s. A hand edit of a single unsampled entry goes unseen: leave such a backbone trainable and it is
    always saved.
    """
    out = []
    with torch.no_grad():
        for t in module.state_dict().values():
            if not t.is_floating_point() or t.is_meta:  # a backbone built empty has no values to read
                continue
            flat = t.reshape(-1)
            n = min(flat.numel(), WEIGHT_SAMPLES)
            idx = torch.linspace(0, flat.numel() - 1, n, dtype=torch.float64).round().long().to(t.device)
            out.append(flat[idx].to("cpu", copy=True))
    return out


def weights_fingerprint(sample: list[torch.Tensor]) -> str:
    """sha256 of a :func:`weights_sample`, every value rounded to bfloat16 first (``bgs_config.json``'s
    ``base_fingerprint``).

    Why sampled: hashing a base whole would read gigabytes at every build. Why rounded: the same weights loaded in
    float32 or bfloat16, on any device, give the same fingerprint, while another checkpoint (another seed or
    revision) differs in nearly every value. A float16 load of float32 weights may round a value differently.
    """
    digest = hashlib.sha256()
    for values in sample:
        bits = values.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2")
        digest.update(len(bits).to_bytes(8, "little"))
        digest.update(bits.tobytes())
    return digest.hexdigest()


def same_weights(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    """Two :func:`weights_sample` results hold the same values, bit for bit."""
    return len(a) == len(b) and all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(a, b))


def freeze_skipped_modules(embedder: nn.Module) -> int:
    """Freeze the backbone modules the embedder's forward never runs (V-JEPA 2's predictor:
    :attr:`BackboneSpec.skipped_modules`); returns how many parameter values were trainable there.

    Why: full fine-tuning or LoRA ``bias="all"`` made them trainable, yet they never get a gradient. The optimizer
    held state for them, parameter counts called them trained, and a multi-process run had DDP search for unused
    parameters at every step. Their values are untouched, so saved runs and adapters load as before.
    """
    spec = getattr(embedder, "spec", None)
    backbone = getattr(embedder, "backbone", None)
    if spec is None or backbone is None:
        return 0
    frozen = 0
    for name in spec.skipped_modules:
        module = getattr(backbone, name, None)
        if not isinstance(module, nn.Module):
            continue
        for p in module.parameters():
            if p.requires_grad:
                p.requires_grad_(False)
                frozen += p.numel()
    if frozen:
        logger.debug("%s: %d parameters of %s frozen (the forward never runs them)", spec.name, frozen,
                     ", ".join(spec.skipped_modules))
    return frozen


def trainable_parameters(model: nn.Module) -> int:
    """How many parameter values will train (``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def lora_module_names(model: nn.Module) -> list[str]:
    """Names of every module carrying a LoRA adapter (for checks and tests)."""
    from peft.tuners.lora import LoraLayer

    return [n for n, m in model.named_modules() if isinstance(m, LoraLayer)]


def resolve_backbone(
    backbone: str | os.PathLike[str] | BackboneSpec,
    *,
    trust_remote_code: bool = False,
    num_frames: int | None = None,
    interpolate_frames: bool = False,
) -> tuple[BackboneSpec, FramePolicy]:
    """The backbone's spec and frame policy for the frames asked for, checked without loading any weight, so a
    frame count the model would silently interpolate or mis-reshape is one line before data or weights load."""
    if num_frames is not None:  # the value before the backbone it is for
        num_frames = checked_num_frames(num_frames)
    spec = backbone if isinstance(backbone, BackboneSpec) else get_backbone_spec(
        backbone, trust_remote_code=trust_remote_code)
    if interpolate_frames:
        if num_frames is None:
            raise BGSInputError("interpolate_frames needs num_frames (the frame count to interpolate to)")
        spec = spec.with_interpolated_frames(num_frames)
    policy = spec.frame_policy(num_frames)
    try:
        spec.check_frames(policy.num_frames)
    except ValueError as err:  # a frame count the user asked for: one line, not a traceback
        raise BGSInputError(str(err)) from None
    return spec, policy


def _unusable_targets(model: BGSEmbedder, scoped: str, given: str, err: ValueError) -> BGSInputError:
    """Why peft refused the ``scoped`` targets (``given`` under ``backbone.``): none matched, or one matched a module
    LoRA cannot wrap (a whole attention block: ``encoder.*`` was told it "match no module", with the first line of a
    module's repr)."""
    name = model.spec.name
    matched = [(n, type(m).__name__) for n, m in model.named_modules() if n and re.fullmatch(scoped, n)]
    refused = re.search(r"Target module (\w+)\(", str(err))
    unwrappable = [(n, kind) for n, kind in matched if refused and kind == refused[1]]
    if unwrappable:
        where, kind = unwrappable[0]
        return BGSInputError(f"LoRA targets '{given}' match {where.removeprefix('backbone.')} of {name}, a {kind}, "
                             "which LoRA cannot adapt: target its Linear (or convolution) layers")
    # a user's ``^...$`` is correct as a regex, but names are matched in full inside ``backbone\.(?:...)``, where
    # the ``^`` can never match: say so rather than leave a correct-looking regex unexplained
    anchors = ("; module names are matched in full under the backbone: drop the ^ and $ anchors"
               if re.search(r"\(\?:\^|\|\^", scoped) else "")
    # peft's own line speaks of exclude_modules, which bgs-hf never sets: name what the backbone holds instead (a
    # full CLIPModel checkpoint's text tower, VideoMAE's pretraining decoder, a classifier are not loaded)
    example = next((n for n, _ in model.backbone.named_modules() if re.fullmatch(model.spec.lora_target, n)), None)
    like = f", named like {example}" if example else ""
    return BGSInputError(f"LoRA targets '{given}' match no module of {name} (a {model.spec.model_class}, without the "
                         f"towers or heads its checkpoint may hold beyond it; module names are relative to it{like}; "
                         f"its default targets are '{model.spec.lora_target}'){anchors}")


def _refuse_skipped_targets(model: BGSEmbedder, scoped: str, given: str) -> None:
    """Refuse LoRA targets inside a module the forward never runs (V-JEPA 2's predictor, whose layers have the
    encoder's names): that LoRA would train nothing, and was refused as "dead" only when training started (never by
    :func:`build_embedder` alone)."""
    for skipped in model.spec.skipped_modules:
        prefix = f"backbone.{skipped}."
        # its layers (modules holding weights of their own), not the blocks around them
        hit = [n for n, m in model.named_modules() if n.startswith(prefix) and re.fullmatch(scoped, n)
               and any(True for _ in m.parameters(recurse=False))]
        if hit:
            raise BGSInputError(
                f"LoRA targets '{given}' match {count(len(hit), 'layer')} of {model.spec.name}'s {skipped} (first: "
                f"{hit[0].removeprefix('backbone.')}), which the embedder never runs, so their LoRA would never "
                f"train: leave {skipped} out of the regex (--lora_target_modules), as the default "
                f"'{model.spec.lora_target}' does")


def build_embedder(
    backbone: str | os.PathLike[str] | BackboneSpec,
    *,
    head: HeadConfig | None = HeadConfig(),  # noqa: B008 - immutable use
    lora: LoraSettings | None = LoraSettings(),  # noqa: B008
    trust_remote_code: bool = False,
    num_frames: int | None = None,
    gradient_checkpointing: bool = False,
    interpolate_frames: bool = False,
    activation_checkpointing_kwargs: dict[str, Any] | None = None,
) -> BGSEmbedder | BGSPeftModel:
    """Build the embedder for a backbone name/path; with ``lora`` it is wrapped as a :class:`BGSPeftModel`.

    ``head=None`` gives pooled backbone features; ``lora=None`` the plain model (nothing frozen: full
    fine-tuning; its ``save_pretrained`` then writes the backbone too. Freeze ``model.backbone`` for a head-only
    probe).
    ``num_frames`` overrides the frame count for models that accept any (V-JEPA 2, CLIP, bgs_conv3d); with
    ``interpolate_frames=True`` also for TimeSformer, whose time embeddings are then interpolated
    (:meth:`BackboneSpec.with_interpolated_frames`; the paper's 16-frame TimeSformer-k400).
    ``activation_checkpointing_kwargs`` (with ``gradient_checkpointing=True``): ``--activation_checkpointing_kwargs``,
    ``every_n_layers`` and ``offload`` included (:meth:`BGSEmbedder.activation_checkpointing_enable`).
    """
    _check_setting_types(head, lora)
    spec, policy = resolve_backbone(backbone, trust_remote_code=trust_remote_code, num_frames=num_frames,
                                    interpolate_frames=interpolate_frames)
    model = BGSEmbedder(spec.load_backbone(), spec, head, policy)
    if gradient_checkpointing:
        model.activation_checkpointing_enable(activation_checkpointing_kwargs)
    if lora is None:
        logger.info("%s without LoRA: %d trainable parameters", spec.name, trainable_parameters(model))
        return model
    return _wrap_with_lora(model, lora)


def _check_setting_types(head: Any, lora: Any) -> None:
    """Refuse a dict or number for ``head`` / ``lora`` before any weight loads: it failed only after the backbone was
    built (``'dict' object has no attribute 'build'``)."""
    for arg, value, kind, example in (("head", head, HeadConfig, "HeadConfig(out_dim=128)"),
                                      ("lora", lora, LoraSettings, "LoraSettings(r=8, alpha=16)")):
        if value is not None and not isinstance(value, kind):
            use = f"; use {kind.__name__}(**{arg})" if isinstance(value, dict) else ""
            raise BGSInputError(f"{arg} must be a {kind.__name__} (e.g. {arg}={example}) or None, got "
                                f"{type(value).__name__}{use}")


def _wrap_with_lora(model: BGSEmbedder, lora: LoraSettings) -> BGSPeftModel:
    """``model`` with LoRA on its targets (the head, if any, in ``modules_to_save``); targets LoRA could never train
    or wrap are refused in one line naming them, not in peft's words."""
    spec = model.spec
    peft_cfg = lora.to_peft_config(spec, with_head=model.head is not None)
    peft_cfg.base_model_name_or_path = spec.name
    peft_cfg.revision = spec.revision  # the Hub commit of the base (None for local, bundled, tiny-random)
    given = lora.target_modules or spec.lora_target
    _refuse_skipped_targets(model, peft_cfg.target_modules, given)
    try:
        wrapped = BGSPeftModel(model, peft_cfg)
    except ValueError as err:  # peft: no module matches the targets (NoMatchingPeftModuleError is one)
        raise _unusable_targets(model, peft_cfg.target_modules, given, err) from None
    names = lora_module_names(wrapped)
    logger.info("LoRA on %d modules of %s (regex %s): %d trainable parameters", len(names), spec.name,
                peft_cfg.target_modules, trainable_parameters(wrapped))
    # a guard behind scoped_target_regex, which keeps every match under ``backbone.``: the head is never adapted
    outside = [n for n in names if not re.search(r"\.backbone\.", n)]
    if outside:
        raise BGSInputError(f"LoRA targets {peft_cfg.target_modules!r} match modules outside the backbone: "
                            f"{outside[:5]}")
    return wrapped
