"""Backbones, the BGS embedding model, LoRA, adapter save/load and the LoRA liveness check.

Public API (stable: what users import)::

    from bgs_hf.models import (
        BackboneSpec, get_backbone_spec, list_families,     # registry
        HeadConfig, LoraSettings, BGSEmbedder, build_embedder,
        assert_lora_live, DeadLoraError,
        save_embedder, load_model, load_base,
    )

Other bgs-hf packages also import internal helpers and file names from the submodules themselves (e.g. the
trainer's ``bgs_hf.models.loading.restore_plain_weights`` and ``INCOMPLETE_MARKER``, the CLI's
``saved_model_folder``); those may change between versions.

Registry (``registry.py``)
    ``get_backbone_spec(name_or_path, *, trust_remote_code=False) -> BackboneSpec``.
    Accepts a family name (``vjepa2``, ``timesformer``, ``videomae``, ``clip``: the paper's Hub
    checkpoints; ``bgs_conv3d``: our own 3-D CNN, :mod:`bgs_hf.models.conv3d`), any Hub id or local folder of
    those classes (family from ``config.model_type``), ``tiny-random-<family>`` (tiny random model built from a
    config, no files), and the bundled backbones in ``bgs_hf/assets/``: ``bgs-tiny-videomae``,
    ``bgs-tiny-conv3d`` and ``bgs-tiny-conv3d-fg`` (``DEFAULT_BACKBONE`` names the default).
    ``spec.frame_policy()`` returns the :class:`bgs_hf.video.FramePolicy` read from the checkpoint's
    processor config; ``spec.load_backbone()`` returns the transformers model.

Embedder (``embedder.py``)
    ``build_embedder(backbone, *, head=HeadConfig(), lora=LoraSettings(), trust_remote_code=False,
    num_frames=None, gradient_checkpointing=False, interpolate_frames=False,
    activation_checkpointing_kwargs=None) -> BGSEmbedder | BGSPeftModel``.
    ``lora=None`` returns the plain :class:`BGSEmbedder` (every weight trainable; saved with its backbone);
    otherwise a :class:`BGSPeftModel` (a ``peft.PeftModel`` subclass) wrapping it, with LoRA on the
    spec's tower-scoped regex and the head in ``modules_to_save``. Both expose:

    - ``model(pixel_values)`` with ``pixel_values: (B, T, 3, H, W)`` float (already normalised by
      ``bgs_hf.video.preprocess``) ``-> (B, D)`` L2-normalised embeddings (D = head.out_dim, or the
      backbone width when ``head=None``);
    - ``model.embed_layers(pixel_values) -> (L+1, B, D_backbone)`` pooled, L2-normalised features of
      the embedding output and every backbone layer (layer-wise evaluation; no head; ``bgs_conv3d``: D is its
      widest block's width);
    - ``model.embed_with_layers(pixel_values) -> (embeddings, layer features)``, the two above from one backbone pass;
    - ``model.frame_policy`` (``FramePolicy``), ``model.spec`` (``BackboneSpec``),
      ``model.head_config`` (``HeadConfig | None``);
    - ``model.activation_checkpointing_enable()`` / ``activation_checkpointing_disable()`` (what
      Trainer calls for ``--activation_checkpointing``; non-reentrant), ``is_activation_checkpointing``;
      the old ``gradient_checkpointing_*`` names are aliases;
    - ``model.save_pretrained(dir)`` (BGSPeftModel): a standard PEFT adapter folder
      (``adapter_config.json``, ``adapter_model.safetensors`` incl. the head) plus ``bgs_config.json``
      and, for tiny-random/bundled bases, ``base/`` (config + safetensors) so loading needs no network.
      Trainer checkpoints written through ``save_pretrained`` are therefore complete, loadable folders.
      A plain :class:`BGSEmbedder` writes ``bgs_config.json``, ``head.safetensors`` and, when its backbone is
      trainable or no longer the base (fine-tuned then frozen; ``peft_model.merge_and_unload()``),
      ``backbone.safetensors``; ``base/`` always holds the base it started from, and
      ``BGSEmbedder.from_pretrained(dir)`` loads it back (:func:`load_model`'s, for a folder without LoRA). The inner model of a
      ``BGSPeftModel`` refuses a plain save: save the PeftModel, or merge first.

Loading (``loading.py``)
    ``load_model(dir_or_repo, *, revision=None, trust_remote_code=False, is_trainable=False) -> BGSPeftModel |
    BGSEmbedder`` (also ``bgs_hf.load_model``): local folder or Hub repo id; eval mode unless ``is_trainable``.
    ``load_base(dir_or_repo) -> BGSEmbedder`` builds the un-adapted base + fresh head described by a
    folder's ``bgs_config.json``; ``PeftModel.from_pretrained(load_base(d), d)`` is the plain-peft route.
    ``save_embedder(model, dir)`` = ``model.save_pretrained(dir)`` for either kind.

Liveness (``liveness.py``)
    ``assert_lora_live(model, pixel_values) -> dict[str, float]`` runs one forward/backward in train mode (the
    path training runs, activation checkpointing included; dropout, drop path and BatchNorm held in eval, nothing in the
    model changed) and raises :class:`DeadLoraError` naming every LoRA module whose ``lora_B`` gradient is zero
    (``lora_A`` is random, so a called ``lora_B`` gets gradient even at zero). Call it once at the start of training.
"""

from __future__ import annotations

from bgs_hf.models.embedder import BGSEmbedder, BGSPeftModel, HeadConfig, LoraSettings, build_embedder
from bgs_hf.models.liveness import DeadLoraError, assert_lora_live
from bgs_hf.models.loading import load_base, load_model, save_embedder
from bgs_hf.models.registry import BackboneSpec, get_backbone_spec, list_families

__all__ = [
    "BGSEmbedder",
    "BGSPeftModel",
    "BackboneSpec",
    "DeadLoraError",
    "HeadConfig",
    "LoraSettings",
    "assert_lora_live",
    "build_embedder",
    "get_backbone_spec",
    "list_families",
    "load_base",
    "load_model",
    "save_embedder",
]
