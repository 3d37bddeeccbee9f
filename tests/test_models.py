"""Per-backbone acceptance tests on tiny random models: LoRA is live, scoped and round-trips."""

from __future__ import annotations

import copy
import json
import logging
import re

import numpy as np
import pytest
import torch
import transformers
from peft import PeftModel
from torch import nn

from bgs_hf.errors import BGSInputError
from bgs_hf.losses import OddOneOutLoss
from bgs_hf.models import (
    BGSEmbedder,
    BGSPeftModel,
    DeadLoraError,
    HeadConfig,
    LoraSettings,
    assert_lora_live,
    build_embedder,
    get_backbone_spec,
    load_base,
    load_model,
)
from bgs_hf.models.embedder import WEIGHT_SAMPLES, lora_module_names, same_weights, weights_sample
from bgs_hf.models.registry import ASSETS_DIR

torch.set_num_threads(1)

FAMILIES = ["videomae", "timesformer", "vjepa2", "clip", "bgs_conv3d"]
BACKBONES = [f"tiny-random-{f}" for f in FAMILIES] + [
    pytest.param(name, marks=pytest.mark.skipif(
        not (ASSETS_DIR / name / "model.safetensors").is_file(), reason=f"bundled {name} weights not produced yet"))
    for name in ("bgs-tiny-videomae", "bgs-tiny-conv3d", "bgs-tiny-conv3d-fg")
]
# LoRA'd linear (conv for bgs_conv3d) layers per block: the family's intended modules, and nothing else
PER_LAYER = {"videomae": 6, "timesformer": 7, "vjepa2": 6, "clip": 6, "bgs_conv3d": 1}
FORBIDDEN = {"vjepa2": "predictor", "clip": "text_model"}


def _clips(model, n: int = 3, seed: int = 0) -> torch.Tensor:
    fp = model.frame_policy
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, fp.num_frames, 3, fp.crop, fp.crop, generator=g)


def _train_step(model, x: torch.Tensor, lr: float = 5e-2) -> dict[str, float]:
    """One AdamW step on an odd-one-out loss; returns the |grad| of every lora_B before the step."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr)
    loss = OddOneOutLoss()(model(x), torch.tensor([[0, 1, 2]]), torch.tensor([2]))
    loss.backward()
    grads = {n: float(p.grad.norm()) for n, p in model.named_parameters() if "lora_B" in n}
    opt.step()
    opt.zero_grad()
    return grads


def _stepped_with_reference(model) -> tuple[torch.Tensor, torch.Tensor]:
    """In eval mode, one training step (nonzero lora_B, a changed head), then clips and the model's embeddings of
    them: what a save and reload must give back."""
    x = _clips(model)
    model.eval()
    _train_step(model, x)
    with torch.no_grad():
        return x, model(x)


@pytest.mark.parametrize("name", BACKBONES)
def test_one_step_changes_outputs_and_every_lora_b_gets_grad(name):
    model = build_embedder(name)
    assert isinstance(model, BGSPeftModel)
    x = _clips(model)
    model.eval()  # dropout off so the only change is the optimizer step
    with torch.no_grad():
        before, features = model(x), model.pooled_features(x)
    assert before.shape == (3, 128)
    assert torch.allclose(before.norm(dim=-1), torch.ones(3), atol=1e-5)
    grads = _train_step(model, x)
    assert len(grads) == len(lora_module_names(model)) > 0
    dead = [n for n, g in grads.items() if not g > 0]
    assert not dead, f"zero lora_B grads: {dead}"
    with torch.no_grad():
        after = model(x)
        # the backbone's own output: the trained head alone changes `after` even when every LoRA is dead
        assert (model.pooled_features(x) - features).abs().max() > 1e-4
    assert (after - before).abs().max() > 1e-4


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_only_in_intended_tower(family):
    model = build_embedder(f"tiny-random-{family}")
    names = lora_module_names(model)
    spec = model.spec
    assert len(names) == PER_LAYER[family] * spec.num_layers
    for n in names:
        rel = n.split("backbone.", 1)[1]
        assert re.fullmatch(spec.lora_target, rel), n
        if family in FORBIDDEN:
            assert FORBIDDEN[family] not in n
    # only LoRA weights and the head copy are trainable
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert all("lora_" in n or "head.modules_to_save" in n for n in trainable), trainable
    assert any("head.modules_to_save" in n for n in trainable)


@pytest.mark.parametrize("family", FAMILIES)
def test_adapter_round_trip(family, tmp_path):
    model = build_embedder(f"tiny-random-{family}")
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(str(tmp_path))
    files = {p.name for p in tmp_path.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "bgs_config.json", "base"} <= files
    assert not list(tmp_path.rglob("*.bin")) and not list(tmp_path.rglob("*.pt"))
    adapter_cfg = json.loads((tmp_path / "adapter_config.json").read_text())
    assert adapter_cfg["base_model_name_or_path"] == f"tiny-random-{family}"
    assert adapter_cfg["modules_to_save"] == ["head"]
    bgs_cfg = json.loads((tmp_path / "bgs_config.json").read_text())
    assert bgs_cfg["frame_policy"] == model.frame_policy.to_dict()
    assert bgs_cfg["head"] == {"out_dim": 128, "dropout": 0.3}

    plain = PeftModel.from_pretrained(load_base(tmp_path), str(tmp_path)).eval()
    loaded = load_model(tmp_path)
    assert not loaded.training
    with torch.no_grad():
        assert torch.equal(plain(x), ref)
        assert torch.equal(loaded(x), ref)


def test_an_adapter_config_naming_a_task_type_loads_as_the_bgs_adapter(tmp_path):
    """An adapter_config.json with a ``task_type`` (what peft writes for ``LoraConfig(task_type="FEATURE_EXTRACTION")``)
    was loaded by peft as its ``PeftModelForFeatureExtraction``: its forward passed no ``pixel_values`` (a
    ``TypeError``) and its ``save_pretrained`` wrote no ``bgs_config.json``. It loads as the run it is."""
    model = build_embedder("tiny-random-videomae")
    x, ref = _stepped_with_reference(model)  # nonzero lora_B: the adapter's weights decide the embeddings
    model.save_pretrained(str(tmp_path / "run"))
    config_file = tmp_path / "run" / "adapter_config.json"
    config = json.loads(config_file.read_text())
    assert config["task_type"] is None  # ours names none
    config_file.write_text(json.dumps({**config, "task_type": "FEATURE_EXTRACTION"}))
    loaded = load_model(tmp_path / "run")
    assert isinstance(loaded, BGSPeftModel)
    with torch.no_grad():
        assert torch.equal(loaded(x), ref)
    loaded.save_pretrained(str(tmp_path / "again"))
    assert (tmp_path / "again" / "bgs_config.json").is_file()
    with torch.no_grad():
        assert torch.equal(load_model(tmp_path / "again")(x), ref)


def test_model_without_lora_saves_and_loads_head(tmp_path):
    model = build_embedder("tiny-random-videomae", lora=None).eval()
    assert isinstance(model, BGSEmbedder)
    with torch.no_grad():
        model.head[0].weight.add_(0.5)
        ref = model(_clips(model))
    model.save_pretrained(tmp_path)
    loaded = load_model(tmp_path)
    with torch.no_grad():
        assert torch.equal(loaded(_clips(model)), ref)


def test_model_without_lora_keeps_its_fine_tuned_backbone(tmp_path):
    """``lora=None`` trains every weight; saving kept only the head and a pointer to the original base, so a
    fine-tuned backbone from a local folder (or the Hub) silently came back as it was before training."""
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.models.loading import restore_plain_weights

    torch.manual_seed(0)
    base_dir = tmp_path / "videomae-base"
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base_dir)
    model = build_embedder(str(base_dir), lora=None)
    x = _clips(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.5)
    OddOneOutLoss()(model(x), torch.tensor([[0, 1, 2]]), torch.tensor([2])).backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(tmp_path / "run")
    with torch.no_grad():
        assert torch.allclose(load_model(tmp_path / "run")(x), ref, atol=1e-6)
        # the base it was trained from stays the original (the evaluation's "pretrained" row)
        original = build_embedder(str(base_dir), lora=None, head=None).eval()
        base = load_base(tmp_path / "run")
        assert torch.allclose(base.pooled_features(x), original.pooled_features(x), atol=1e-6)
        assert not torch.allclose(base.pooled_features(x), model.pooled_features(x), atol=1e-3)
    # the Trainer's resume path puts the same weights back into a freshly built model
    fresh = build_embedder(str(base_dir), lora=None).eval()
    restore_plain_weights(fresh, tmp_path / "run")
    with torch.no_grad():
        assert torch.allclose(fresh(x), ref, atol=1e-6)
    # a frozen backbone (head-only probe) saves no backbone copy: the base folder is the reference
    probe = build_embedder(str(base_dir), lora=None)
    probe.backbone.requires_grad_(False)
    probe.save_pretrained(tmp_path / "probe")
    assert not (tmp_path / "probe" / "base").exists() and (tmp_path / "probe" / "head.safetensors").is_file()
    assert not (tmp_path / "probe" / "backbone.safetensors").exists()


def test_a_fully_trained_bundled_or_tiny_base_keeps_its_original_in_base(tmp_path):
    """Offline bases are shipped in ``base/``; for a model trained without LoRA that copy was the trained
    backbone, so "pretrained" comparisons compared the model with itself."""
    model = build_embedder("tiny-random-videomae", lora=None)
    x = _clips(model)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.05 * torch.randn_like(p))
        ref = model.eval()(x)
    model.save_pretrained(tmp_path / "run")
    fresh = build_embedder("tiny-random-videomae", lora=None, head=None).eval()
    with torch.no_grad():
        assert torch.allclose(load_model(tmp_path / "run")(x), ref, atol=1e-6)
        assert torch.allclose(load_base(tmp_path / "run").pooled_features(x), fresh.pooled_features(x), atol=1e-6)


@pytest.mark.parametrize("lora", [True, False])
def test_a_model_whose_loaded_base_folder_is_gone_is_refused_in_one_line_before_anything_is_saved(tmp_path, lora):
    """A model loaded from a folder that ships its base (``base/``: tiny-random here, a pushed ``--include-base``
    model alike) reloads that ``base/`` to write it again on save. Deleted after loading, the save failed with
    transformers' "Repo id must be in the form ..." after peft had written the adapter: a folder without
    ``bgs_config.json``. Now one line names the missing folder and what to do, and nothing is written."""
    import shutil

    build_embedder("tiny-random-videomae", lora=LoraSettings(r=2, alpha=4) if lora else None).save_pretrained(
        tmp_path / "run")
    model = load_model(tmp_path / "run")
    kept = tmp_path / "kept-base"
    shutil.move(tmp_path / "run" / "base", kept)
    with pytest.raises(BGSInputError) as err:
        model.save_pretrained(str(tmp_path / "again"))
    message = str(err.value)
    assert message.count("\n") == 0 and str(tmp_path / "run" / "base") in message, message
    assert "gone" in message and "put that folder back, or load the model again" in message, message
    assert not (tmp_path / "again").exists()
    shutil.move(kept, tmp_path / "run" / "base")  # put back: the save writes base/ again
    model.save_pretrained(str(tmp_path / "again"))
    assert all((tmp_path / "again" / name).is_file() for name in ("base/config.json", "bgs_config.json"))


def test_liveness_catches_dead_predictor_lora():
    """V-JEPA 2 skips its predictor, which reuses the encoder's module names: LoRA there is dead. ``build_embedder``
    refuses such targets before anything trains; a model wrapped by peft directly is caught by the liveness check."""
    from peft import LoraConfig

    targets = r"predictor\.layer\.\d+\.attention\.(query|value)"
    base = build_embedder("tiny-random-vjepa2", lora=None)
    model = PeftModel(base, LoraConfig(r=8, target_modules=rf"backbone\.{targets}"))
    with pytest.raises(DeadLoraError) as err:
        assert_lora_live(model, _clips(model, 2))
    assert all("predictor" in n for n in err.value.dead) and len(err.value.dead) == 2
    assert "predictor.layer.0.attention.query" in str(err.value)
    assert str(err.value).endswith(f"such as the backbone's default '{base.spec.lora_target}'")  # the fix, named
    live = build_embedder("tiny-random-vjepa2")
    norms = assert_lora_live(live, _clips(live, 2))
    assert len(norms) == 12 and min(norms.values()) > 0


@pytest.mark.parametrize("targets", [r"predictor\.layer\.\d+\.attention\.(query|value)", r".*\.attention\.(query|value)",
                                     r".*(query|value)"])
def test_lora_targets_in_the_skipped_predictor_are_refused_when_the_model_is_built(targets):
    """A user regex reaching V-JEPA 2's predictor (alone, or along with the encoder: ``.*(query|value)``) built a
    model whose predictor LoRA could never train; it was refused as "dead" only when train_bgs started, never by
    ``build_embedder`` alone. Now one line at build time, naming the predictor's first layer and the fix."""
    with pytest.raises(BGSInputError, match=r"match 2 layers of tiny-random-vjepa2's predictor \(first: "
                                            r"predictor\.layer\.0\.attention\.query\), which the embedder never runs.*"
                                            r"leave predictor out of the regex \(--lora_target_modules\), as the "
                                            r"default 'encoder\\\.layer") as err:
        build_embedder("tiny-random-vjepa2", lora=LoraSettings(target_modules=targets))
    assert f"LoRA targets '{targets}'" in str(err.value)  # the regex as the user wrote it, not its scoped form
    if targets.startswith("."):  # the same regex scoped to the encoder is taken
        scoped = lora_module_names(build_embedder("tiny-random-vjepa2",
                                                  lora=LoraSettings(target_modules=rf"encoder\.{targets}")))
        assert len(scoped) == 4 and not any("predictor" in n for n in scoped)


def test_lora_targets_matching_nothing_name_what_the_backbone_holds_and_its_defaults():
    """A full CLIPModel checkpoint's text tower (or VideoMAE's pretraining decoder) is not loaded, so targets naming it
    match nothing; the line was peft's "Please check your `target_modules` and `exclude_modules` configuration" (a
    setting bgs-hf never exposes) after the regex in its scoped form. It now names the model class, a module name as
    the backbone spells it, and the default targets."""
    with pytest.raises(BGSInputError) as err:
        build_embedder("tiny-random-clip",
                       lora=LoraSettings(target_modules=r"text_model\.encoder\.layers\.\d+\.self_attn\.q_proj"))
    line = str(err.value)
    assert line.startswith(r"LoRA targets 'text_model\.encoder\.layers\.\d+\.self_attn\.q_proj' match no module of "
                           "tiny-random-clip (a CLIPVisionModel, without the towers or heads")
    assert "exclude_modules" not in line and "\n" not in line
    assert re.search(r"named like \S*encoder\.layers\.0\.self_attn\.\w+_proj; its default targets are '", line)


@pytest.mark.parametrize("lora", [None, LoraSettings(), LoraSettings(bias="all"), LoraSettings(bias="lora_only")],
                         ids=["full", "bias-none", "bias-all", "bias-lora_only"])
def test_the_forward_reaches_every_trainable_parameter_whatever_the_lora_bias(lora, caplog):
    """What a multi-process run decides DDP's find_unused_parameters by. LoRA bias "all" and full fine-tuning made
    V-JEPA 2's predictor trainable, which the forward skips (``skip_predictor``): it never got a gradient, yet the
    optimizer held state for it, parameter counts called it trained, and DDP searched for unused parameters at
    every step. It is now frozen whatever the LoRA settings, so every trainable parameter is reached."""
    from bgs_hf.models.liveness import unreached_parameters

    with caplog.at_level(logging.INFO, logger="bgs_hf.models.embedder"):
        model = build_embedder("tiny-random-vjepa2", lora=lora)
    embedder = model if lora is None else model.get_base_model()
    assert not any(p.requires_grad for p in embedder.backbone.predictor.parameters())
    assert unreached_parameters(model, _clips(model, 1)) == []
    outside = sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and ".predictor." not in n)
    assert f": {outside} trainable parameters" in caplog.text  # the build's log line counts what trains
    if lora is not None:  # peft's count (print_trainable_parameters), as the Trainer's log
        assert model.get_nb_trainable_parameters()[0] == outside
    if lora is None or lora.bias == "all":  # the encoder's biases still train
        assert any(p.requires_grad for n, p in embedder.backbone.encoder.named_parameters() if n.endswith("bias"))
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("lora", [None, LoraSettings(bias="all")], ids=["full", "bias-all"])
def test_a_vjepa2_run_reloaded_to_train_keeps_its_predictor_frozen_and_embeds_bit_identically(tmp_path, lora):
    """The predictor is frozen, not removed: a run saved after a step and reloaded (``load_model``, trainable or not;
    ``BGSPeftModel.from_pretrained``, which peft's loading makes mark every bias trainable again) embeds as saved,
    bit for bit, and its predictor stays frozen wherever it is reloaded to train."""
    from bgs_hf.models.liveness import unreached_parameters

    model = build_embedder("tiny-random-vjepa2", lora=lora)
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(tmp_path)
    reloaded = [load_model(tmp_path), load_model(tmp_path, is_trainable=True)]
    if lora is not None:
        reloaded.append(BGSPeftModel.from_pretrained(load_base(tmp_path), str(tmp_path), is_trainable=True))
    for again in reloaded:
        with torch.no_grad():
            assert torch.equal(again.eval()(x), ref)
        assert unreached_parameters(again, x[:1]) == []
        embedder = again if lora is None else again.get_base_model()
        assert not any(p.requires_grad for p in embedder.backbone.predictor.parameters())


def test_liveness_runs_the_training_forward():
    """The check ran in eval mode, where activation checkpointing is off: a backbone checkpointed with
    use_reentrant=True (set on the backbone itself, past the embedder's refusal) passed it, then trained no
    LoRA weight (every lora_B gradient 0 in train mode)."""
    model = build_embedder("tiny-random-videomae")
    model.backbone.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    with pytest.raises(DeadLoraError) as err:
        assert_lora_live(model, _clips(model, 2))
    assert len(err.value.dead) == len(lora_module_names(model)) > 0


def test_liveness_check_leaves_no_trace():
    """Train mode without side effects: dropout off (two checks agree), BatchNorm neither updated nor run in
    train mode on the check's one clip, the RNG stream, every module's mode and the .grad fields as they were."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.BatchNorm1d(16), torch.nn.Dropout(0.5),
                               torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "3"], lora_dropout=0.5))
    model.train()  # the BatchNorm would update its statistics if the check let it
    base[3].eval()  # a module left in eval mode inside a training model stays so
    bn = base[1]
    stats = [bn.running_mean.clone(), bn.running_var.clone(), bn.num_batches_tracked.clone()]
    modes = {n: m.training for n, m in model.named_modules()}
    x = torch.randn(1, 12)  # train_bgs checks one clip
    rng = torch.get_rng_state()
    first = assert_lora_live(model, x)
    assert torch.equal(torch.get_rng_state(), rng)
    assert first == assert_lora_live(model, x) and len(first) == 2
    assert {n: m.training for n, m in model.named_modules()} == modes
    assert all(torch.equal(a, b) for a, b in zip((bn.running_mean, bn.running_var, bn.num_batches_tracked), stats))
    assert all(p.grad is None for p in model.parameters())


def test_liveness_check_holds_stochastic_depth_off():
    """Train mode let V-JEPA 2's drop path (stochastic depth, not an nn.Dropout) skip whole layers on the check's
    one clip: with drop_path_rate 0.9 every LoRA module of the last layer was called dead, on every run."""
    import dataclasses

    spec = get_backbone_spec("tiny-random-vjepa2")
    config = type(spec.config)(**{**spec.config.to_dict(), "drop_path_rate": 0.9})
    model = build_embedder(dataclasses.replace(spec, config=config))
    assert any(type(m).__name__.endswith("DropPath") for m in model.modules())
    rng = torch.get_rng_state()
    for _ in range(3):
        assert len(assert_lora_live(model, _clips(model, 1))) == len(lora_module_names(model))
    assert torch.equal(torch.get_rng_state(), rng) and model.training


@pytest.mark.parametrize("family", FAMILIES)
def test_embed_layers_shape(family):
    model = build_embedder(f"tiny-random-{family}", lora=None, head=None).eval()
    x = _clips(model, 2)
    with torch.no_grad():
        layers = model.embed_layers(x)
        last = model(x)
    assert layers.shape == (model.spec.num_layers + 1, 2, model.spec.hidden_size)
    assert torch.allclose(layers.norm(dim=-1), torch.ones_like(layers[..., 0]), atol=1e-5)
    assert last.shape == (2, model.spec.hidden_size)  # head=None: pooled backbone features


@pytest.mark.parametrize("family", FAMILIES)
def test_embed_with_layers_is_forward_and_embed_layers_from_one_backbone_pass(family):
    """The layer-wise evaluation needs each clip's embedding and its layer features: ``model(x)`` then
    ``model.embed_layers(x)`` ran the backbone twice per batch. One pass must give both, bit for bit, through peft with
    a live LoRA and the head's trained copy (``modules_to_save``), else the evaluation's numbers would move."""
    model = build_embedder(f"tiny-random-{family}").eval()
    assert isinstance(model, PeftModel)
    with torch.no_grad():  # lora_B starts at 0 and the head copy equals the original: make both count
        g = torch.Generator().manual_seed(1)
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.1 * torch.randn(p.shape, generator=g))
    x = _clips(model, 2)
    passes = []
    model.get_base_model().backbone.register_forward_hook(lambda *_: passes.append(1))
    with torch.no_grad():
        emb, layers = model.embed_with_layers(x)
        assert len(passes) == 1
        want_emb, want_layers = model(x), model.embed_layers(x)
    assert len(passes) == 3
    assert torch.equal(emb, want_emb) and torch.equal(layers, want_layers)
    assert emb.shape == (2, model.embedding_dim) and layers.shape[:2] == (model.spec.num_layers + 1, 2)


def test_timesformer_frame_mismatch_fails_loudly():
    model = build_embedder("tiny-random-timesformer", lora=None)
    fp = model.frame_policy
    with pytest.raises(ValueError, match="silently interpolate"):
        model(torch.randn(1, fp.num_frames + 2, 3, fp.crop, fp.crop))
    with pytest.raises(ValueError, match="silently interpolate"):
        build_embedder("tiny-random-timesformer", num_frames=8)


def test_videomae_frame_mismatch_names_the_real_reason():
    """VideoMAE's position table is fixed to the checkpoint's frame count: another count is a shape error in its
    forward, not a silent interpolation (the refusal used to say "would silently interpolate its time
    embeddings", TimeSformer's reason, which sent VideoMAE users looking for an opt-in that does not exist)."""
    from bgs_hf.errors import BGSInputError

    base = get_backbone_spec("tiny-random-videomae").num_frames
    with pytest.raises(BGSInputError) as err:
        build_embedder("tiny-random-videomae", num_frames=base + 2)
    msg = str(err.value)
    assert "silently interpolate" not in msg and "position embeddings" in msg and "\n" not in msg
    assert f"built for {base} frames but got {base + 2}" in msg
    # the count to pass is named (was: "Use its frame policy", with neither the flag nor the count)
    assert f"Sample {base} (its config's; train: --num_frames {base}, or leave it out)." in msg


def test_timesformer_frame_mismatch_names_the_count_and_the_opt_in():
    """TimeSformer's refusal names both ways out: its own count, or the interpolation opt-in."""
    base = get_backbone_spec("tiny-random-timesformer").num_frames
    with pytest.raises(ValueError) as err:
        build_embedder("tiny-random-timesformer", num_frames=base + 2)
    assert (f"Sample {base} (its config's; train: --num_frames {base}, or leave it out) or opt in with "
            "interpolate_frames=True (train: --interpolate_frames)." in str(err.value))


def test_timesformer_takes_another_frame_count_only_when_asked_and_a_saved_run_keeps_it(tmp_path):
    """The paper's 16-frame TimeSformer-k400 is an 8-frame checkpoint: opt-in interpolation, recorded in the run."""
    base = get_backbone_spec("tiny-random-timesformer").num_frames
    frames = base + 2
    model = build_embedder("tiny-random-timesformer", num_frames=frames, interpolate_frames=True)
    assert model.frame_policy.num_frames == frames and model.spec.frames_interpolated_from == base
    x = _clips(model)
    assert x.shape[1] == frames
    model.eval()
    _train_step(model, x)
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(tmp_path)
    bb = json.loads((tmp_path / "bgs_config.json").read_text())["backbone"]
    assert (bb["num_frames"], bb["frames_interpolated_from"]) == (frames, base)
    plain = PeftModel.from_pretrained(load_base(tmp_path), str(tmp_path)).eval()
    loaded = load_model(tmp_path)
    assert loaded.frame_policy.num_frames == frames
    with torch.no_grad():
        assert torch.equal(loaded(x), ref) and torch.equal(plain(x), ref)
    with pytest.raises(BGSInputError, match="cannot interpolate"):
        build_embedder("tiny-random-videomae", num_frames=base + 2, interpolate_frames=True)
    with pytest.raises(BGSInputError, match="needs num_frames"):
        build_embedder("tiny-random-timesformer", interpolate_frames=True)
    with pytest.raises(BGSInputError, match="interpolate_frames=True"):
        build_embedder("tiny-random-timesformer", num_frames=frames)


def test_interpolated_timesformer_attends_over_every_frame_of_the_clip():
    """transformers' TimesformerLayer reshapes its tokens by ``config.num_frames`` (transformers#38027), not by the
    input: with --interpolate_frames a 2T-frame clip ran as T "frames" of twice the positions (temporal attention
    over half the clip, spatial attention across two frames), silently, and its attention maps failed."""
    from bgs_hf.eval.attention import rollout_maps

    spec = get_backbone_spec("tiny-random-timesformer")
    frames, g = 2 * spec.num_frames, spec.image_size // spec.config.patch_size
    model = build_embedder("tiny-random-timesformer", num_frames=frames, interpolate_frames=True).eval()
    seen: list[tuple[int, ...]] = []
    for m in model.modules():
        if hasattr(m, "temporal_attention"):
            m.temporal_attention.attention.register_forward_hook(lambda _m, a, _o: seen.append(tuple(a[0].shape)))
    x = _clips(model, 1)
    with torch.no_grad():
        model(x)
    assert seen and all(s[:2] == (g * g, frames) for s in seen)  # every position attends across all its frames
    assert model.backbone.config.num_frames == spec.num_frames  # the checkpoint's config (base/ reloads from it)
    assert rollout_maps(model, x[0]).shape == (frames, g, g)
    with pytest.raises(ValueError, match="was built for"):  # the layers now take this count, and no other
        model(torch.randn(1, frames + 2, 3, spec.image_size, spec.image_size))


def test_vjepa2_and_clip_accept_other_frame_counts():
    for name, frames in (("tiny-random-vjepa2", 8), ("tiny-random-clip", 3)):
        model = build_embedder(name, lora=None, num_frames=frames).eval()
        assert model.frame_policy.num_frames == frames
        with torch.no_grad():
            assert model(_clips(model, 1)).shape == (1, 128)


def test_fewer_frames_than_the_tubelet_are_refused_before_weights_load(monkeypatch):
    """1 frame for a tubelet of 2 passed the check: V-JEPA 2's forward repeats the frame to fill one tubelet (a still
    image embedded as a clip), VideoMAE's fails in its reshape; either way the frame count is the mistake."""
    from bgs_hf.models.embedder import resolve_backbone
    from bgs_hf.models.registry import BackboneSpec, get_backbone_spec

    spec = get_backbone_spec("tiny-random-vjepa2")  # any multiple of its tubelet (RoPE)
    assert spec.tubelet_size == 2 and not spec.fixed_frames
    with pytest.raises(ValueError, match=r"1 frame per clip, fewer than its tubelet of 2 frames.*--num_frames"):
        spec.check_frames(1)
    spec.check_frames(2)
    videomae = get_backbone_spec("tiny-random-videomae")  # fixed to its own count: that is the reason given
    assert videomae.tubelet_size == 2
    with pytest.raises(ValueError, match=r"built for 4 frames but got 1"):
        videomae.check_frames(1)
    loaded = []
    monkeypatch.setattr(BackboneSpec, "load_backbone", lambda self: loaded.append(self.name))
    with pytest.raises(BGSInputError, match="fewer than its tubelet") as err:
        resolve_backbone("tiny-random-vjepa2", num_frames=1)
    assert "\n" not in str(err.value) and not loaded


def test_vjepa2_pools_all_its_patch_tokens_and_never_runs_the_predictor():
    """V-JEPA 2 has no CLS token, so a clip is the mean of all its patch tokens (token 0 is just one patch), and
    its forward runs the predictor as well unless ``skip_predictor=True`` (compute spent on an output nobody
    reads). Both used to be checked only as registry literals, in a Hub test."""
    model = build_embedder("tiny-random-vjepa2", lora=None, head=None).eval()
    ran: list[int] = []
    model.backbone.predictor.register_forward_hook(lambda *_: ran.append(1))
    x = _clips(model, 2)
    with torch.no_grad():
        feats = model.pooled_features(x)
        assert not ran, "the embedder ran V-JEPA 2's predictor"
        tokens = model.backbone(pixel_values_videos=x, skip_predictor=True).last_hidden_state
    spec = model.spec
    patches = (spec.num_frames // spec.tubelet_size) * (spec.image_size // spec.config.patch_size) ** 2
    assert tokens.shape[1] == patches  # patch tokens only: no CLS in front
    torch.testing.assert_close(feats, tokens.mean(1))


def test_clip_embeds_every_frame_as_an_image_and_averages_over_time():
    """CLIP sees images: each frame goes through the vision tower alone and the clip is the mean over its frames of
    the pooled (final-layer-normed CLS) output, not one frame's and not the raw CLS token."""
    model = build_embedder("tiny-random-clip", lora=None, head=None, num_frames=3).eval()
    x = _clips(model, 2)
    with torch.no_grad():
        feats = model.pooled_features(x)
        per_frame = torch.stack([model.backbone(pixel_values=x[:, t]).pooler_output for t in range(x.shape[1])], 1)
    torch.testing.assert_close(feats, per_frame.mean(1))
    assert not torch.allclose(per_frame[:, 0], per_frame[:, 1])  # the frames differ: the mean is no single frame's


def test_clip_lora_regex_takes_the_vision_tower_only_where_both_towers_are_present():
    """CLIP's text tower has the vision tower's module names (``encoder.layers.N.self_attn.q_proj``): the family's
    LoRA targets must be scoped to ``vision_model``, so they match the vision tower of a full CLIPModel alone."""
    spec = get_backbone_spec("tiny-random-clip")
    full = transformers.CLIPModel(transformers.CLIPConfig(
        text_config={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64},
        vision_config=spec.config.to_dict()))
    names = [n for n, _ in full.named_modules() if re.fullmatch(spec.lora_target, n)]
    assert any(n.startswith("text_model.encoder.layers.") for n, _ in full.named_modules())  # the clash exists
    assert len(names) == PER_LAYER["clip"] * spec.num_layers
    assert all(n.startswith("vision_model.") for n in names), names


def test_gradient_checkpointing_gives_same_grads():
    ref = build_embedder("tiny-random-videomae").eval()
    ckpt = build_embedder("tiny-random-videomae", gradient_checkpointing=True).eval()
    assert ckpt.is_activation_checkpointing and not ref.is_activation_checkpointing
    ckpt.load_state_dict(ref.state_dict())
    x = _clips(ref)
    ref.train()
    ckpt.train()
    for m in (ref, ckpt):  # deterministic: no dropout anywhere for this comparison
        for mod in m.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = 0.0
    g = []
    for m in (ref, ckpt):
        (m(x) * torch.arange(128.0)).sum().backward()
        g.append(torch.cat([p.grad.flatten() for n, p in m.named_parameters() if "lora_A" in n]))
    assert torch.allclose(g[0], g[1], atol=1e-6)


def test_registry_resolution_and_errors(tmp_path):
    spec = get_backbone_spec("tiny-random-videomae")
    assert (spec.family, spec.source, spec.input_key, spec.pooling) == ("videomae", "tiny-random", "pixel_values",
                                                                          "mean")
    assert get_backbone_spec("tiny-random-vjepa2").forward_kwargs == {"skip_predictor": True}
    assert get_backbone_spec("tiny-random-vjepa2").input_key == "pixel_values_videos"
    with pytest.raises(BGSInputError, match="unknown tiny backbone"):
        get_backbone_spec("tiny-random-resnet")
    # a local folder: family from config.model_type, preprocessing from its processor config
    spec.load_backbone().save_pretrained(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(
        {"size": {"shortest_edge": 40}, "crop_size": {"height": 32, "width": 32}, "do_center_crop": True,
         "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]}))
    local = get_backbone_spec(tmp_path)
    assert (local.family, local.source, local.num_frames, local.image_size) == ("videomae", "local", 4, 32)
    fp = local.frame_policy()
    assert (fp.size, fp.crop, fp.mean, fp.std) == (40, 32, (0.5,) * 3, (0.25,) * 3)
    model = build_embedder(str(tmp_path), head=HeadConfig(out_dim=16))
    with torch.no_grad():
        assert model.eval()(_clips(model, 1)).shape == (1, 16)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(BGSInputError, match="unsupported backbone model_type 'bert'"):
        get_backbone_spec(tmp_path)


@pytest.mark.parametrize("where", ["local", "hub"])
def test_a_processor_saved_by_transformers_5_in_processor_config_json_is_read(where, hub_cache, tmp_path, caplog):
    """transformers 5 saves a processor (``CLIPProcessor.save_pretrained``) as one ``processor_config.json`` with the
    image processor nested in it, and no ``preprocessor_config.json``: the checkpoint's own size and normalisation
    were ignored ("no processor config found; using clip defaults") while ``AutoImageProcessor`` reads them."""
    folder = tmp_path / "clip"
    transformers.CLIPVisionModel(get_backbone_spec("tiny-random-clip").config).save_pretrained(folder)
    image = {"crop_size": {"height": 32, "width": 32}, "do_center_crop": True, "do_normalize": True,
             "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
             "image_processor_type": "CLIPImageProcessor", "resample": 3, "size": {"shortest_edge": 40}}
    (folder / "processor_config.json").write_text(json.dumps({"image_processor": image,
                                                              "processor_class": "CLIPProcessor"}))
    assert list(transformers.AutoImageProcessor.from_pretrained(folder).image_mean) == [0.5, 0.5, 0.5]
    if where == "hub":
        hub_cache("org/clip-x", folder)
    with caplog.at_level("WARNING", logger="bgs_hf.models.registry"):
        fp = get_backbone_spec("org/clip-x" if where == "hub" else folder).frame_policy()
    assert (fp.size, fp.crop, fp.mean, fp.std) == (40, 32, (0.5,) * 3, (0.5,) * 3)
    assert "no processor config found" not in caplog.text


def test_bundled_backbone_missing_is_a_clear_error(monkeypatch, tmp_path):
    import bgs_hf.models.registry as reg

    monkeypatch.setattr(reg, "ASSETS_DIR", tmp_path)
    with pytest.raises(BGSInputError, match="bundled backbone 'bgs-tiny-videomae' is missing"):
        get_backbone_spec("bgs-tiny-videomae")


def test_load_model_rejects_non_model_folder(tmp_path):
    with pytest.raises(BGSInputError, match="bgs_config.json"):
        load_model(tmp_path)


def test_load_model_of_a_backbone_hub_id_is_refused_before_its_weights_download(tmp_path, monkeypatch):
    """``bgs_hf.load_model("facebook/vjepa2-vitl-fpc64-256")`` (a backbone, not a saved BGS model) downloaded the
    whole repo, 1.3 GB of weights, and only then said "no bgs_config.json"; the repo is now asked for that file
    first (here an online Hub answering 404 for it)."""
    import httpx
    import huggingface_hub
    from huggingface_hub.errors import RemoteEntryNotFoundError

    import bgs_hf.models.loading as loading

    def no_such_file(repo_id, filename, **_kw):
        request = httpx.Request("HEAD", f"https://huggingface.co/{repo_id}/resolve/main/{filename}")
        raise RemoteEntryNotFoundError("404 Client Error. Entry Not Found", response=httpx.Response(404, request=request))

    downloads: list[str] = []
    monkeypatch.setattr(loading, "hub_unreachable", lambda: None)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_such_file)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **_kw: downloads.append(repo_id) or
                        str(tmp_path))
    with pytest.raises(BGSInputError, match=r"'facebook/vjepa2-vitl-fpc64-256' has no bgs_config\.json") as err:
        load_model("facebook/vjepa2-vitl-fpc64-256")
    assert downloads == [] and "\n" not in str(err.value)


def test_load_model_of_a_cached_backbone_offline_says_it_is_no_bgs_model(hub_cache, tmp_path):
    """Offline, a backbone in the local cache is not taken for a repo that cannot be downloaded."""
    transformers.VideoMAEModel(get_backbone_spec("tiny-random-videomae").config).save_pretrained(tmp_path / "repo")
    hub_cache("org/videomae-x", tmp_path / "repo")
    with pytest.raises(BGSInputError, match=r"'org/videomae-x' \(its copy in the local Hugging Face cache; offline\) "
                                            r"has no bgs_config\.json"):
        load_model("org/videomae-x")
    with pytest.raises(BGSInputError, match="cannot download model repo 'org/not-cached'"):
        load_model("org/not-cached")


def test_full_clip_checkpoint_loads_vision_tower_only(tmp_path):
    """A real CLIP checkpoint holds both towers (model_type 'clip'); we load and adapt the vision one only."""
    vision = {k: v for k, v in get_backbone_spec("tiny-random-clip").config.to_dict().items()
              if k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "image_size",
                       "patch_size")}
    cfg = transformers.CLIPConfig(
        text_config={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
                     "vocab_size": 99}, vision_config=vision, projection_dim=16)
    full = transformers.CLIPModel(cfg)
    full.save_pretrained(tmp_path)
    spec = get_backbone_spec(tmp_path)
    assert (spec.family, spec.num_frames, spec.image_size) == ("clip", 8, 32)
    model = build_embedder(str(tmp_path), num_frames=2)
    names = lora_module_names(model)
    assert names and not any("text" in n for n in names)
    q = model.get_base_model().backbone.encoder.layers[0].self_attn.q_proj.base_layer.weight
    assert torch.equal(q, full.vision_model.encoder.layers[0].self_attn.q_proj.weight)
    with torch.no_grad():
        assert model.eval()(_clips(model, 1)).shape == (1, 128)


def test_checkpoint_weights_left_out_by_design_are_one_line_not_a_load_report(tmp_path, capfd, caplog):
    """The real checkpoints hold more than the backbone (CLIP's text tower, VideoMAE-base's decoder, TimeSformer-k400's
    classifier). transformers printed a multi-row "LOAD REPORT" table marking each UNEXPECTED ("not ok if you expect
    identical arch") at every load: training, evaluate (twice), push. Missing or mis-shaped weights are refused by
    bgs-hf anyway, so the left-out ones are one INFO line naming how many and the first."""
    cfg = transformers.CLIPConfig(
        text_config={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
                     "vocab_size": 99},
        vision_config={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
                       "image_size": 32, "patch_size": 8}, projection_dim=16)
    transformers.CLIPModel(cfg).save_pretrained(tmp_path)
    capfd.readouterr()
    with caplog.at_level("INFO", logger="bgs_hf.models.registry"):
        get_backbone_spec(tmp_path).load_backbone()
    out = capfd.readouterr()
    assert "LOAD REPORT" not in out.out + out.err and "UNEXPECTED" not in out.out + out.err
    lines = [r.getMessage() for r in caplog.records if "not used by" in r.getMessage()]
    assert len(lines) == 1 and "not used by CLIPVisionModel" in lines[0] and "\n" not in lines[0]


def test_load_model_warns_on_version_mismatch(tmp_path, caplog):
    model = build_embedder("tiny-random-timesformer")
    model.save_pretrained(str(tmp_path))
    cfg = json.loads((tmp_path / "bgs_config.json").read_text())
    cfg["versions"]["peft"] = "0.1.0"
    (tmp_path / "bgs_config.json").write_text(json.dumps(cfg))
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(tmp_path)
    assert "peft 0.1.0" in caplog.text


def test_bundled_backbone_round_trip_saves_base_weights(monkeypatch, tmp_path):
    """bgs-tiny-videomae resolves to the assets folder; a run folder carries its base so loading is offline."""
    import bgs_hf.models.registry as reg

    assets = tmp_path / "assets"
    torch.manual_seed(3)
    transformers.VideoMAEModel(get_backbone_spec("tiny-random-videomae").config).save_pretrained(
        assets / "bgs-tiny-videomae")
    monkeypatch.setattr(reg, "ASSETS_DIR", assets)
    model = build_embedder("bgs-tiny-videomae").eval()
    assert model.spec.source == "bundled"
    x = _clips(model)
    _train_step(model, x)
    with torch.no_grad():
        ref = model(x)
    run = tmp_path / "run"
    model.save_pretrained(str(run))
    monkeypatch.setattr(reg, "ASSETS_DIR", tmp_path / "gone")  # the assets are not needed to load the run
    with torch.no_grad():
        assert torch.equal(load_model(run)(x), ref)


@pytest.mark.parametrize("name", ["bgs-tiny-videomae", "bgs-tiny-conv3d", "bgs-tiny-conv3d-fg"])
def test_a_checkpoint_missing_weights_is_refused_not_left_random(name, tmp_path):
    """transformers 5.2-5.5.0 read the bundled VideoMAE's ``query.bias``/``value.bias`` as missing ``q_bias``/
    ``v_bias`` and left them uninitialised: every embedding was NaN, with no error. A bundled or local folder
    whose checkpoint lacks weights of the model is now refused; the bundled ones load whole."""
    import shutil

    from safetensors.torch import load_file, save_file

    from bgs_hf.models.registry import get_backbone_spec

    get_backbone_spec(name).load_backbone()  # whole: no error
    folder = tmp_path / name
    shutil.copytree(ASSETS_DIR / name, folder)
    weights = load_file(str(folder / "model.safetensors"))
    dropped = sorted(weights)[0]
    save_file({k: v for k, v in weights.items() if k != dropped}, str(folder / "model.safetensors"))
    with pytest.raises(BGSInputError, match=r"1 weight of .* was not in its checkpoint"):
        get_backbone_spec(str(folder)).load_backbone()


def test_trained_biases_stay_out_of_base(tmp_path):
    """With LoRA bias="all" the trained biases were written into base/, so the "pretrained" row of a run was
    partly fine-tuned; base/ is now the untouched base and the adapter carries the biases."""
    from safetensors.torch import load_file

    from bgs_hf.models.registry import get_backbone_spec

    model = build_embedder("tiny-random-videomae", lora=LoraSettings(bias="all"))
    x = _clips(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias") and p.requires_grad and ".backbone." in name:
                p.add_(0.5)
    model.eval()
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(str(tmp_path))
    original = get_backbone_spec("tiny-random-videomae").load_backbone().state_dict()
    base = load_file(str(tmp_path / "base" / "model.safetensors"))
    for k, v in base.items():
        torch.testing.assert_close(v, original[k], rtol=0, atol=0, msg=k)
    with torch.no_grad():
        assert torch.equal(load_model(tmp_path)(x), ref)


@pytest.mark.parametrize("kwargs, match", [({"dropout": 1.5}, "LoRA dropout"), ({"alpha": 0}, "LoRA alpha"),
                                           ({"bias": "some"}, "LoRA bias")])
def test_lora_settings_are_checked_where_they_are_given(kwargs, match):
    """--lora_dropout 1.5 was blamed on the targets ("match no module"), --lora_alpha 0 on dead modules."""
    with pytest.raises(BGSInputError, match=match):
        LoraSettings(**kwargs)


def test_head_settings_are_checked_and_a_half_precision_backbone_meets_the_head():
    with pytest.raises(BGSInputError, match="head dropout"):
        HeadConfig(dropout=1.5)
    model = build_embedder("tiny-random-videomae", lora=None).eval()
    model.backbone.to(torch.bfloat16)  # a bf16 checkpoint stays bf16 (transformers' dtype="auto")
    with torch.no_grad():
        out = model(_clips(model))
    assert out.dtype == torch.float32 and torch.isfinite(out).all()


def test_reentrant_checkpointing_is_refused():
    """use_reentrant=True left every lora_B gradient at 0 while the (eval-mode) liveness check passed."""
    model = build_embedder("tiny-random-videomae")
    with pytest.raises(BGSInputError, match="use_reentrant=True trains no LoRA"):
        model.gradient_checkpointing_enable({"use_reentrant": True})


@pytest.mark.parametrize("damage, match", [
    ("truncate-base", "cannot load the base model"), ("no-base", "base/ .* is missing"),
    ("adapter-json", "adapter_config.json: invalid JSON"), ("config-list", "no 'backbone' object"),
    ("no-frame-policy", "missing frame_policy"), ("hub-base-offline", "cannot load the base model from the Hub"),
])
def test_a_damaged_model_folder_is_one_line(tmp_path, monkeypatch, damage, match):
    """A truncated base, a broken adapter_config.json or bgs_config.json, or an unreachable Hub base were
    tracebacks (SafetensorError, JSONDecodeError, AttributeError, KeyError, OSError)."""
    import shutil

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)  # read at import: no retries
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    cfg_path = tmp_path / "bgs_config.json"
    cfg = json.loads(cfg_path.read_text())
    if damage == "truncate-base":
        with open(tmp_path / "base" / "model.safetensors", "r+b") as f:
            f.truncate(100)
    elif damage == "no-base":
        shutil.rmtree(tmp_path / "base")
    elif damage == "adapter-json":
        (tmp_path / "adapter_config.json").write_text("{")
    elif damage == "config-list":
        cfg_path.write_text("[]")
    elif damage == "no-frame-policy":
        cfg_path.write_text(json.dumps({k: v for k, v in cfg.items() if k != "frame_policy"}))
    else:
        cfg["backbone"].update(source="hub", name="MCG-NJU/videomae-base", base_folder=None)
        cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(BGSInputError, match=match) as err:
        load_model(tmp_path)
    if damage in ("truncate-base", "hub-base-offline", "no-base"):  # the folder's refusals name it whole
        assert str(err.value).startswith(f"{tmp_path}: ")


def test_a_run_on_a_hub_base_loads_from_the_cache_where_the_hub_is_unreachable_and_else_says_what_to_do(
        tmp_path, monkeypatch, hub_cache):
    """A run trained on ``MCG-NJU/videomae-base`` loaded on a machine without network (``HF_HUB_OFFLINE`` unset), as
    ``--backbone`` of the same name already was: from the cache without huggingface_hub's retries, and, where the
    cache lacks it, one line saying what to do (was: 30 s of retries, a huggingface_hub warning, then only
    transformers' "We couldn't connect to 'https://huggingface.co' ...")."""
    import shutil

    from huggingface_hub import constants
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.models import loading, registry
    from bgs_hf.models.registry import FAMILIES

    VideoMAEModel(VideoMAEConfig(**FAMILIES["videomae"].tiny_config)).save_pretrained(tmp_path / "videomae")
    hub_cache("MCG-NJU/videomae-base", tmp_path / "videomae")
    run = tmp_path / "run"
    build_embedder("MCG-NJU/videomae-base", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2)).save_pretrained(str(run))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    for module in (registry, loading):  # the host does not resolve: every lookup asks the cache alone
        monkeypatch.setattr(module, "hub_unreachable", lambda: "huggingface.co")
    assert load_model(run).spec.name == "MCG-NJU/videomae-base"  # its cached copy
    shutil.rmtree(constants.HF_HUB_CACHE)
    with pytest.raises(BGSInputError) as err:
        load_model(run)
    assert str(err.value) == (
        f"{run}: cannot load the base model from the Hub base MCG-NJU/videomae-base: not in the local Hugging Face "
        "cache, and huggingface.co cannot be reached (offline?): download it where there is network (`hf download "
        f"MCG-NJU/videomae-base --revision {'0' * 40}`) and copy the cache")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    for module in (registry, loading):
        monkeypatch.setattr(module, "hub_unreachable", lambda: None)  # as with HF_HUB_OFFLINE set
    with pytest.raises(BGSInputError, match=r"cache, and HF_HUB_OFFLINE is set: download it where there is network "
                                            r"\(`hf download MCG-NJU/videomae-base --revision 0{40}`\)"):
        load_model(run)


def test_saved_weights_get_the_users_permissions(tmp_path):
    """safetensors writes 0600: a run in a shared folder could not be loaded by a colleague."""
    import os
    import stat

    from bgs_hf import _files

    old = os.umask(0o022)
    _files._umask.cache_clear()
    try:
        build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
        for path in [tmp_path / "adapter_model.safetensors", tmp_path / "base" / "model.safetensors"]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    finally:
        os.umask(old)
        _files._umask.cache_clear()


# --- Hub ids, resolved from a local Hugging Face cache (what an earlier online download leaves): the online code
# path with the real checkpoints' architectures (depth cut to one block) and their processor files -------------

#: The paper's checkpoints: their transformers class, the config of the real repo (class defaults are that
#: repo's, see each config class's docstring) with one block, and the processor file the repo ships.
HUB_CHECKPOINTS = {
    "facebook/vjepa2-vitl-fpc64-256": (
        "VJEPA2Model", {"num_hidden_layers": 1, "pred_num_hidden_layers": 1},
        "video_preprocessor_config.json",
        {"do_resize": True, "size": {"shortest_edge": 292}, "resample": 2, "do_center_crop": True,
         "crop_size": {"height": 256, "width": 256}, "do_rescale": True, "rescale_factor": 1 / 255,
         "do_normalize": True, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
         "video_processor_type": "VJEPA2VideoProcessor"}),
    "facebook/timesformer-base-finetuned-k400": (
        "TimesformerForVideoClassification", {"num_hidden_layers": 1, "num_labels": 3},
        "preprocessor_config.json",
        {"crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_normalize": True, "do_resize": True,
         "image_mean": [0.45, 0.45, 0.45], "image_std": [0.225, 0.225, 0.225], "resample": 2,
         "image_processor_type": "VideoMAEImageProcessor", "size": {"shortest_edge": 224}}),
    "MCG-NJU/videomae-base": (
        "VideoMAEForPreTraining", {"num_hidden_layers": 1, "decoder_num_hidden_layers": 1, "use_mean_pooling": False},
        "preprocessor_config.json",
        {"do_center_crop": True, "do_normalize": True, "do_resize": True, "resample": 2, "size": 224,
         "feature_extractor_type": "VideoMAEFeatureExtractor", "image_mean": [0.485, 0.456, 0.406],
         "image_std": [0.229, 0.224, 0.225]}),
    "openai/clip-vit-base-patch32": (
        "CLIPModel", {"text_config": {"num_hidden_layers": 1}, "vision_config": {"num_hidden_layers": 1, "patch_size": 32}},
        "preprocessor_config.json",
        {"crop_size": 224, "do_center_crop": True, "do_normalize": True, "do_resize": True, "resample": 3, "size": 224,
         "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
         "image_std": [0.26862954, 0.26130258, 0.27577711]}),
}
#: family, frames, image size, tubelet, resize short side, LoRA modules in the one block
HUB_EXPECTED = {
    "facebook/vjepa2-vitl-fpc64-256": ("vjepa2", 64, 256, 2, 292, 6),
    "facebook/timesformer-base-finetuned-k400": ("timesformer", 8, 224, 1, 224, 7),
    "MCG-NJU/videomae-base": ("videomae", 16, 224, 2, 224, 6),
    "openai/clip-vit-base-patch32": ("clip", 8, 224, 1, 224, 6),
}


@pytest.mark.parametrize("repo_id", list(HUB_CHECKPOINTS))
def test_a_paper_hub_checkpoint_takes_its_own_preprocessing_weights_and_scoped_lora(repo_id, hub_cache, tmp_path):
    cls_name, overrides, proc_file, proc = HUB_CHECKPOINTS[repo_id]
    family, frames, image, tubelet, short_side, per_block = HUB_EXPECTED[repo_id]
    cls = getattr(transformers, cls_name)
    torch.manual_seed(0)
    saved = cls(cls.config_class(**overrides))
    saved.save_pretrained(tmp_path / "repo")
    (tmp_path / "repo" / proc_file).write_text(json.dumps(proc))
    hub_cache(repo_id, tmp_path / "repo")

    spec = get_backbone_spec(family)  # the family name resolves to this Hub checkpoint
    assert (spec.name, spec.source, spec.family) == (repo_id, "hub", family)
    assert (spec.num_frames, spec.image_size, spec.tubelet_size) == (frames, image, tubelet)
    fp = spec.frame_policy()
    assert (fp.num_frames, fp.size, fp.crop) == (frames, short_side, image)
    assert fp.mean == pytest.approx(proc["image_mean"]) and fp.std == pytest.approx(proc["image_std"])
    assert spec.forward_kwargs == ({"skip_predictor": True} if family == "vjepa2" else {})

    model = build_embedder(repo_id, num_frames=2 if family in ("vjepa2", "clip") else None)
    names = lora_module_names(model)
    assert len(names) == per_block
    assert all(re.fullmatch(spec.lora_target, n.split("backbone.", 1)[1]) for n in names)
    assert not any(FORBIDDEN.get(family, "-") in n for n in names)
    # the checkpoint's weights, not a random init: the first block's first linear layer is the saved one
    loaded = {k.replace("base_layer.", ""): v for k, v in model.get_base_model().backbone.state_dict().items()}
    ref = {k: v for k, v in saved.state_dict().items()
           if "encoder.layer" in k and k.endswith("weight") and "text_model" not in k and "decoder" not in k}
    key = sorted(ref)[0]
    rel = key.split(".", 1)[1] if key.split(".", 1)[0] in ("videomae", "timesformer", "vision_model") else key
    rel = rel if rel in loaded else "vision_model." + rel  # CLIPVisionModel nests its tower in older transformers
    assert torch.equal(loaded[rel], ref[key]), rel
    x = _clips(model, 1)
    with torch.no_grad():
        assert model.eval()(x).shape == (1, 128)
        assert model.embed_layers(x).shape == (2, 1, spec.hidden_size)


@pytest.mark.parametrize("damage, match", [
    ("missing", r"1 weight of org/videomae-x was not in its checkpoint"),
    ("other-architecture", r"\d weights of org/videomae-x were not in its checkpoint"),
    ("other-shape", r"\d weights of org/videomae-x have another shape in its checkpoint"),
])
def test_a_hub_checkpoint_that_does_not_fill_the_model_is_one_line(damage, match, hub_cache, tmp_path):
    """A Hub repo whose config names a supported family but whose weights leave some out (or are another
    architecture's) loaded silently with those weights random; weights of another shape were a RuntimeError
    pointing at a multi-line report."""
    from safetensors.torch import load_file, save_file

    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
             "image_size": 32, "patch_size": 16, "num_frames": 4, "tubelet_size": 2}
    folder = tmp_path / "repo"
    big = {"hidden_size": 64, "intermediate_size": 128} if damage == "other-shape" else {}
    transformers.VideoMAEModel(transformers.VideoMAEConfig(**{**small, **big})).save_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    if damage == "missing":
        weights.pop(sorted(weights)[0])
    elif damage == "other-architecture":
        weights = {"some_other_model." + k: v for k, v in weights.items()}
    else:
        transformers.VideoMAEConfig(**small).save_pretrained(folder)  # config of the small model, weights of the big
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    hub_cache("org/videomae-x", folder)
    spec = get_backbone_spec("org/videomae-x")
    assert spec.source == "hub"
    with pytest.raises(BGSInputError, match=match) as err:
        build_embedder("org/videomae-x")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("n", [1, 2])
def test_the_count_of_weights_a_checkpoint_lacks_or_misshapes_takes_its_nouns_and_verbs_number(n, tmp_path):
    """The refusals said "1 weight(s) of X were not in its checkpoint" and "1 weight(s) ... have another shape": the
    count now takes its noun's number and the verb agrees (``bgs_hf._format.count``). By hand: a tiny VideoMAE
    folder with its first ``n`` weights (sorted by name) dropped, or widened by one row."""
    from safetensors.torch import load_file, save_file

    from bgs_hf.models.registry import get_backbone_spec

    folder = tmp_path / "videomae"
    transformers.VideoMAEModel(transformers.VideoMAEConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32,
        patch_size=16, num_frames=4, tubelet_size=2)).save_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    damaged = sorted(weights)[:n]
    said = {1: ("1 weight of", "was not", "has another shape"), 2: ("2 weights of", "were not", "have another shape")}[n]
    save_file({k: v for k, v in weights.items() if k not in damaged}, str(folder / "model.safetensors"))
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec(str(folder)).load_backbone()
    assert f"{said[0]} {folder} {said[1]} in its checkpoint as transformers" in str(err.value)
    wider = {k: torch.cat([v, v[:1]]) if k in damaged else v for k, v in weights.items()}
    save_file(wider, str(folder / "model.safetensors"))
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec(str(folder)).load_backbone()
    assert f"{said[0]} {folder} {said[2]} in its checkpoint than its config gives" in str(err.value)
    assert "(s)" not in str(err.value)


def test_a_backbone_folder_without_its_weights_is_one_line_naming_the_folder_once(tmp_path):
    """A local backbone folder whose weights leave some out (or are of another shape) was refused as
    ``F: 1 weight of F was not in its checkpoint``, the folder named twice; one with config.json and no weights at all
    (copied without them) was told bgs-hf loads no pickled weights and to convert them, though there are none."""
    from safetensors.torch import load_file, save_file

    from bgs_hf.models.registry import get_backbone_spec

    folder = tmp_path / "videomae"
    transformers.VideoMAEModel(transformers.VideoMAEConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32,
        patch_size=16, num_frames=4, tubelet_size=2)).save_pretrained(folder)
    weights = load_file(str(folder / "model.safetensors"))
    first = sorted(weights)[0]
    damaged = [{k: v for k, v in weights.items() if k != first},
               {k: torch.cat([v, v[:1]]) if k == first else v for k, v in weights.items()}]
    for saved in damaged:
        save_file(saved, str(folder / "model.safetensors"))
        with pytest.raises(BGSInputError) as err:
            get_backbone_spec(str(folder)).load_backbone()
        assert str(err.value).startswith(f"1 weight of {folder} ") and str(err.value).count(str(folder)) == 1
    (folder / "model.safetensors").unlink()
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec(str(folder)).load_backbone()
    assert str(err.value) == (f"{folder}: no model.safetensors (nor pytorch_model.bin) in this backbone folder: its "
                              "config.json describes a model whose weights are not there; pass the whole folder "
                              "save_pretrained wrote")


def test_a_backbone_folder_with_sharded_pickled_weights_is_told_to_convert_them(tmp_path):
    """A large model an older transformers saved has its pickled weights in shards (``pytorch_model.bin.index.json``
    and its parts, no ``pytorch_model.bin``): its folder has weights to convert, and is told so, not that its weights
    are not there."""
    from bgs_hf.models.registry import get_backbone_spec

    folder = _videomae_with_pickled_weights_only(tmp_path / "videomae")
    weights = torch.load(folder / "pytorch_model.bin")
    (folder / "pytorch_model.bin").unlink()
    names = sorted(weights)
    shards = {k: f"pytorch_model-0000{1 + (i >= len(names) // 2)}-of-00002.bin" for i, k in enumerate(names)}
    for shard in set(shards.values()):
        torch.save({k: v for k, v in weights.items() if shards[k] == shard}, folder / shard)
    (folder / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": shards}))
    with pytest.raises(BGSInputError, match=r"has no model\.safetensors, and bgs-hf loads no pickled weights") as err:
        get_backbone_spec(str(folder)).load_backbone()
    assert "are not there" not in str(err.value)


@pytest.mark.parametrize("mean_pooling", [True, False])
def test_a_videomae_classifier_checkpoint_says_its_fc_norm_is_not_applied(mean_pooling, hub_cache, tmp_path, caplog):
    """A fine-tuned VideoMAE (``MCG-NJU/videomae-base-finetuned-kinetics``: ``use_mean_pooling`` true) has no final
    LayerNorm in VideoMAEModel; its ``fc_norm`` sits in the classification head, which is left out, so the clip
    embedding is the mean of un-normalised tokens. That was said nowhere (the weights left out were named by
    ``classifier.bias``); the pretraining checkpoints (``use_mean_pooling`` false) end in a LayerNorm: no word."""
    import logging

    torch.manual_seed(0)
    cfg = transformers.VideoMAEConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                                      image_size=32, patch_size=16, num_frames=4, tubelet_size=2, num_labels=3,
                                      use_mean_pooling=mean_pooling)
    transformers.VideoMAEForVideoClassification(cfg).save_pretrained(tmp_path / "repo")
    hub_cache("org/videomae-k400", tmp_path / "repo")
    with caplog.at_level(logging.INFO, logger="bgs_hf.models.registry"):
        model = build_embedder("org/videomae-k400")
    said = [r.getMessage() for r in caplog.records if "fc_norm" in r.getMessage()]
    assert (model.get_base_model().backbone.layernorm is None) is mean_pooling  # transformers' choice
    if mean_pooling:
        assert len(said) == 1 and "mean of un-normalised tokens" in said[0]
        assert [r.levelno for r in caplog.records if "fc_norm" in r.getMessage()] == [logging.WARNING]
    else:
        assert said == []


def _videomae_with_pickled_weights_only(folder):
    """A tiny VideoMAE checkpoint as older Hub repos ship it: config.json and pytorch_model.bin, no safetensors."""
    model = transformers.VideoMAEModel(transformers.VideoMAEConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32,
        patch_size=16, num_frames=4, tubelet_size=2))
    model.config.save_pretrained(folder)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder


@pytest.mark.parametrize("where", ["hub", "local"])
def test_a_checkpoint_with_only_pickled_weights_is_one_line_saying_why(where, hub_cache, tmp_path):
    """A checkpoint with ``pytorch_model.bin`` and no ``model.safetensors`` (older Hub repos) failed with transformers'
    "Please do not set `use_safetensors=True`": the user set nothing (bgs-hf loads no pickle), and no flag turns it
    off. The line now says why and what to do."""
    folder = _videomae_with_pickled_weights_only(tmp_path / "repo")
    hub_cache("org/videomae-bin", folder)
    with pytest.raises(BGSInputError, match=r"no model\.safetensors\b.*bgs-hf loads no pickled weights") as err:
        build_embedder("org/videomae-bin" if where == "hub" else str(folder))
    assert "use_safetensors" not in str(err.value) and "\n" not in str(err.value)


def test_the_pickled_weights_advice_keeps_the_checkpoints_preprocessing(hub_cache, tmp_path, caplog):
    """The no-safetensors line said "use a checkpoint or revision with safetensors weights" (no backbone revision
    can be given: bgs-hf pins the commit main points at, so the safetensors copy the Hub's conversion bot leaves in a
    pull request, which transformers takes on main, is not used) or "save_pretrained it to a folder": done as told,
    the folder had no processor config and its frames were normalised with the family's defaults. The line now names
    the processor, and done as told the folder keeps the checkpoint's normalisation and size."""
    import logging

    folder = _videomae_with_pickled_weights_only(tmp_path / "repo")
    own = {"image_mean": [0.5, 0.4, 0.3], "image_std": [0.2, 0.25, 0.3]}
    transformers.VideoMAEImageProcessor(size={"shortest_edge": 40}, crop_size={"height": 32, "width": 32},
                                        **own).save_pretrained(folder)
    hub_cache("org/videomae-bin", folder)
    with pytest.raises(BGSInputError) as err:
        build_embedder("org/videomae-bin")
    text = str(err.value)
    assert "revision" not in text and "AutoProcessor" in text and "processor" in text.split("save_pretrained", 1)[1]
    # done as the line says
    out = tmp_path / "converted"
    transformers.AutoModel.from_pretrained("org/videomae-bin").save_pretrained(out)
    transformers.AutoProcessor.from_pretrained("org/videomae-bin").save_pretrained(out)
    with caplog.at_level(logging.WARNING):
        spec = get_backbone_spec(str(out))
        build_embedder(str(out))
    policy = spec.frame_policy()
    assert policy.mean == pytest.approx(own["image_mean"]) and policy.std == pytest.approx(own["image_std"])
    assert (policy.size, policy.crop) == (40, 32) and "no processor config found" not in caplog.text


def test_a_hub_checkpoint_with_an_unreadable_processor_config_is_one_line(hub_cache, tmp_path, caplog):
    """A Hub repo's preprocessor_config.json that is not JSON was skipped as if absent: the spec took the family's
    default normalisation and size, logging "no processor config found" (a local folder's was refused)."""
    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
             "image_size": 32, "patch_size": 16, "num_frames": 4, "tubelet_size": 2}
    folder = tmp_path / "repo"
    transformers.VideoMAEConfig(**small).save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text('{"image_mean": [0.5, 0.5, 0.5],')  # cut short
    hub_cache("org/videomae-x", folder)
    with pytest.raises(BGSInputError, match=r"preprocessor_config\.json: invalid JSON") as err:
        get_backbone_spec("org/videomae-x")
    assert "\n" not in str(err.value)
    assert not [r for r in caplog.records if "no processor config found" in r.getMessage()]


def _hub_base_of_two_commits(hub_cache, tmp_path, repo: str, old: str, new: str) -> tuple[str, str]:
    """A tiny TimeSformer Hub base whose commits ``old`` and ``new`` hold weights of the same shapes from other seeds
    (a push to the base repo), each saved in ``tmp_path/<commit>``; the cache holds ``old``."""
    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
             "image_size": 32, "patch_size": 16, "num_frames": 4}
    for seed, commit in ((0, old), (1, new)):
        torch.manual_seed(seed)
        transformers.TimesformerModel(transformers.TimesformerConfig(**small)).save_pretrained(tmp_path / commit)
    hub_cache(repo, tmp_path / old, old)
    return old, new


def test_a_run_on_a_hub_base_reloads_the_commit_it_was_trained_on(hub_cache, tmp_path):
    """Only the repo id was recorded: after a push to the base repo, load_model put the adapter on the new weights
    and gave other embeddings, without a word."""
    old, new = _hub_base_of_two_commits(hub_cache, tmp_path, "org/timesformer-x", "a" * 40, "b" * 40)
    model = build_embedder("org/timesformer-x")
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(str(tmp_path / "run"))
    hub_cache("org/timesformer-x", tmp_path / new, new)  # the base repo moves on
    with torch.no_grad():
        assert torch.equal(load_model(tmp_path / "run")(x), ref)
    assert model.spec.revision == old and get_backbone_spec("org/timesformer-x").revision == new
    assert json.loads((tmp_path / "run" / "adapter_config.json").read_text())["revision"] == old


def test_a_hub_name_offline_is_one_line_at_once(tmp_path, monkeypatch, caplog):
    """Offline, a real Hub name took 23 s of huggingface_hub retries (ten "Retrying in 8s" warning lines) and then
    led with the list of family names; a missing folder was blamed on the Hub ("Repo id must be in the form")."""
    import socket

    import huggingface_hub.constants as hub_constants

    from bgs_hf.models.registry import hub_unreachable

    def no_dns(*_a, **_kw):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(BGSInputError, match=r"'facebook/vjepa2-vitl-fpc64-256' is not a folder here, not in the "
                                            r"local Hugging Face cache, and huggingface\.co cannot be reached") as err:
        build_embedder("facebook/vjepa2-vitl-fpc64-256")
    assert "\n" not in str(err.value)
    assert not [r for r in caplog.records if "Retrying" in r.getMessage()]  # no network attempt, so no retries
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")  # the proxy resolves names, not this machine
    assert hub_unreachable() is None
    with pytest.raises(BGSInputError, match="folder: no such backbone folder"):
        build_embedder(str(tmp_path / "no" / "such" / "folder"))


@pytest.mark.parametrize("offline", ["no-dns", "HF_HUB_OFFLINE", "online"])
def test_a_mistyped_registry_name_offline_is_told_the_registry_names_not_to_download_it(tmp_path, monkeypatch,
                                                                                       offline):
    """``--backbone vjepa`` offline was told to ``hf download vjepa`` and copy the cache: advice that cannot work
    for a name that is no Hub repo (ORG/NAME). It is told the name is neither a registry name nor a folder here,
    the close registry name, and the registry names (online too, where the Hub answers that no such repo exists)."""
    import socket

    import huggingface_hub.constants as hub_constants

    from bgs_hf.models import registry

    if offline == "online":
        def not_a_repo(name, **_kw):
            raise OSError(f"{name} is not a local folder and is not a valid model identifier listed on "
                          "'https://huggingface.co/models'")

        monkeypatch.setattr(registry, "hub_unreachable", lambda: None)
        monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", not_a_repo)
    elif offline == "no-dns":
        def no_dns(*_a, **_kw):
            raise socket.gaierror(-2, "Name or service not known")

        monkeypatch.setattr(socket, "getaddrinfo", no_dns)
        monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
        for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(var, raising=False)
    else:
        monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)  # no folder of that name here
    with pytest.raises(BGSInputError, match=r"backbone 'vjepa' is neither a registry name nor a folder here "
                                            r"\(did you mean 'vjepa2'\?\)") as err:
        get_backbone_spec("vjepa")
    text = str(err.value)
    assert "hf download" not in text and "\n" not in text and "'bgs-tiny-conv3d-fg'" in text
    with pytest.raises(BGSInputError, match=r"'no-such-thing' is neither a registry name nor a folder here; ") as err:
        get_backbone_spec("no-such-thing")
    assert "did you mean" not in str(err.value)


def test_a_model_object_as_backbone_says_to_save_it_first(tmp_path):
    """``build_embedder(CLIPVisionModel(cfg))`` raised ``OSError: [Errno 36] File name too long`` with the model's
    whole repr as the file name."""
    model = transformers.CLIPVisionModel(transformers.CLIPVisionConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8))
    with pytest.raises(BGSInputError, match=r"backbone must be .* got CLIPVisionModel.*save_pretrained"):
        build_embedder(model)
    model.save_pretrained(tmp_path / "clip")
    assert build_embedder(str(tmp_path / "clip"))(torch.zeros(1, 8, 3, 32, 32)).shape == (1, 128)


def test_a_dict_or_number_for_head_or_lora_is_one_line_before_the_backbone_loads(monkeypatch):
    """``build_embedder(name, head={"out_dim": 64})`` failed with ``'dict' object has no attribute 'build'`` (for
    ``lora``, ``to_peft_config``) after the backbone's weights had loaded."""
    from bgs_hf.models.registry import BackboneSpec

    monkeypatch.setattr(BackboneSpec, "load_backbone", lambda self: pytest.fail("weights loaded before the check"))
    with pytest.raises(BGSInputError, match=r"^head must be a HeadConfig .* got dict; use HeadConfig\(\*\*head\)$"):
        build_embedder("tiny-random-clip", head={"out_dim": 8})
    with pytest.raises(BGSInputError, match=r"^lora must be a LoraSettings .* got dict; use LoraSettings\(\*\*lora\)$"):
        build_embedder("tiny-random-clip", lora={"r": 4})
    with pytest.raises(BGSInputError, match=r"^head must be a HeadConfig .* got int$"):
        build_embedder("tiny-random-clip", head=8)


def test_load_model_of_a_model_object_or_none_is_one_line(tmp_path):
    """``bgs_hf.load_model(model)`` (already loaded) or ``load_model(None)`` raised os.fspath's bare TypeError
    ("expected str, bytes or os.PathLike object, not BGSPeftModel"); ``load_base`` the same."""
    model = build_embedder("tiny-random-clip", head=HeadConfig(out_dim=8))
    with pytest.raises(BGSInputError, match=r"^expected a saved model's folder or Hub repo id, got BGSPeftModel \(a "
                                            r"model object: it is loaded already\)$"):
        load_model(model)
    for value in (None, 3):
        with pytest.raises(BGSInputError, match=rf"got {type(value).__name__}$"):
            load_model(value)
        with pytest.raises(BGSInputError, match=rf"got {type(value).__name__}$"):
            load_base(value)


def test_a_cached_hub_backbone_offline_loads_from_the_cache_without_retries(hub_cache, tmp_path, monkeypatch, caplog):
    """Offline (no DNS) without ``HF_HUB_OFFLINE``, a Hub backbone cached earlier was announced as "using the cached
    copy" and then every later lookup (its commit, config, processor files, weights) went to the network anyway:
    about 50 "Retrying in 8s" warnings and 70 s before the cached model loaded."""
    import logging
    import socket
    import time

    import huggingface_hub.constants as hub_constants

    torch.manual_seed(0)
    transformers.VideoMAEModel(transformers.VideoMAEConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=32,
        patch_size=16, num_frames=4, tubelet_size=2)).save_pretrained(tmp_path / "repo")
    hub_cache("org/videomae-offline", tmp_path / "repo")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)  # not declared offline: the network is just down
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)

    def no_dns(*_a, **_kw):
        raise socket.gaierror(-2, "Name or service not known")

    slept: list[float] = []
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(time, "sleep", slept.append)  # huggingface_hub's retry back-off, made instant and counted
    import huggingface_hub

    # bgs-hf's own file lookups (the commit, the processor files), each asked of the cache alone: one that tries the
    # network first makes a request (and its retries) the machine cannot answer, even where it falls back to the cache
    asked: list[tuple[str, bool]] = []
    download = huggingface_hub.hf_hub_download

    def cache_only_download(repo_id, filename, **kw):
        asked.append((filename, kw.get("local_files_only", False)))
        return download(repo_id, filename, **kw)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", cache_only_download)
    with caplog.at_level(logging.WARNING):
        model = build_embedder("org/videomae-offline")
    assert asked and all(cache_only for _, cache_only in asked), asked
    assert model.spec.revision == "0" * 40
    assert not slept, f"{len(slept)} retries of a Hub request"
    assert not [r for r in caplog.records if "thrown while requesting" in r.getMessage()]
    assert "cannot be reached; using the cached copy" in caplog.text
    # a run saved on that base reloads from the cache the same way (its config lookup retried too)
    from bgs_hf.models import load_model

    model.save_pretrained(str(tmp_path / "run"))
    cfg_path = tmp_path / "run" / "bgs_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["backbone"]["revision"] = None  # recorded without a commit (no cache hit by hash): "main" is looked up
    cfg_path.write_text(json.dumps(cfg))
    load_model(str(tmp_path / "run"))
    assert not slept, f"{len(slept)} retries of a Hub request reloading the run"


@pytest.fixture
def no_dns_and_no_proxy(monkeypatch) -> list[str]:
    """A machine that resolves no name, online mode, no proxy variable: the hosts looked up are listed."""
    import socket

    import huggingface_hub.constants as hub_constants

    looked_up: list[str] = []

    def no_dns(host, *_a, **_kw):
        looked_up.append(host)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return looked_up


def test_a_hub_mirror_on_plain_http_behind_a_proxy_is_not_taken_for_offline(monkeypatch, no_dns_and_no_proxy):
    """``HF_ENDPOINT=http://mirror`` reached through ``HTTP_PROXY`` (the proxy resolves the mirror's name, this
    machine cannot): only the https proxy variables were looked at, so the local DNS failure made every uncached
    backbone "not in the local Hugging Face cache and hf-mirror.internal cannot be reached"."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf.models.registry import hub_unreachable

    monkeypatch.setattr(hub_constants, "ENDPOINT", "http://hf-mirror.internal")
    assert hub_unreachable() == "hf-mirror.internal"  # no proxy: the name must resolve here
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    assert hub_unreachable() is None
    monkeypatch.setattr(hub_constants, "ENDPOINT", "https://huggingface.co")  # an http proxy does not carry https
    assert hub_unreachable() == "huggingface.co"


def test_the_hub_check_takes_all_proxy_and_offline_mode_and_a_dotted_or_backslashed_name_is_a_folder(
        monkeypatch, no_dns_and_no_proxy):
    """Mutation audit (``_offline``): ``ALL_PROXY`` ignored (every uncached backbone behind a SOCKS proxy "cannot be
    reached"), ``HF_HUB_OFFLINE`` looked up by DNS all the same, and ``./model``, ``../m`` or ``runs\\bgs`` taken for
    Hub ids all passed: the tests above set an http(s) proxy and name folders with an absolute path or two slashes."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf._offline import hub_unreachable, looks_like_a_path

    looked_up = no_dns_and_no_proxy
    monkeypatch.setattr(hub_constants, "ENDPOINT", "https://huggingface.co")
    assert hub_unreachable() == "huggingface.co" and looked_up == ["huggingface.co"]
    monkeypatch.setenv("all_proxy", "socks5h://proxy.example:1080")
    assert hub_unreachable() is None
    monkeypatch.delenv("all_proxy")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)  # cache-only lookups already: nothing to resolve
    assert hub_unreachable() is None and looked_up == ["huggingface.co"]
    assert all(looks_like_a_path(name) for name in ("./model", "../models/x", "~/m", "runs\\bgs", "/abs"))
    assert not any(looks_like_a_path(name) for name in ("org/name", "name", "org/name.v2"))


# --- mutation audit: settings and pooling the tests above did not pin ---


def test_timesformer_pools_its_cls_token():
    """TimeSformer's clip vector is token 0, the CLS token it prepends to its (frame x patch) tokens: the last or a
    mean of the tokens gave other embeddings and no test saw it (V-JEPA 2's mean and CLIP's frame mean are pinned
    above)."""
    model = build_embedder("tiny-random-timesformer", lora=None, head=None).eval()
    x = _clips(model, 2)
    with torch.no_grad():
        feats = model.pooled_features(x)
        tokens = model.backbone(pixel_values=x).last_hidden_state
    spec = model.spec
    assert tokens.shape[1] == 1 + spec.num_frames * (spec.image_size // spec.config.patch_size) ** 2
    torch.testing.assert_close(feats, tokens[:, 0])
    assert not torch.allclose(tokens[:, 0], tokens[:, -1])


def test_the_head_is_the_papers_linear_layernorm_relu_dropout():
    """The projection head by hand: Linear -> LayerNorm -> ReLU -> Dropout, then L2 (eval: dropout is off). A head
    without its LayerNorm embedded just as well and passed every test."""
    model = build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=16, dropout=0.25)).eval()
    lin, ln, relu, drop = model.head
    assert (type(lin), type(ln), type(relu), type(drop)) == (torch.nn.Linear, torch.nn.LayerNorm, torch.nn.ReLU,
                                                             torch.nn.Dropout)
    assert drop.p == 0.25 and lin.out_features == 16
    with torch.no_grad():
        ln.weight.uniform_(0.5, 1.5)
        ln.bias.uniform_(-0.5, 0.5)
        x = _clips(model, 3)
        f = model.pooled_features(x)
        h = f @ lin.weight.T + lin.bias
        h = (h - h.mean(-1, keepdim=True)) / torch.sqrt(h.var(-1, unbiased=False, keepdim=True) + ln.eps)
        h = torch.clamp(h * ln.weight + ln.bias, min=0)
        torch.testing.assert_close(model(x), h / h.norm(dim=-1, keepdim=True))


def test_lora_settings_reach_the_adapter(tmp_path):
    """r, alpha, dropout and bias given to build_embedder are the adapter's: a LoRA config built with lora_alpha=r
    (scale 1 instead of alpha / r), no dropout or bias "none" trained another model than the one asked for, and
    every test passed (only invalid values were checked). The paper's defaults: r=8, alpha=16, dropout=0.1."""
    default = build_embedder("tiny-random-videomae")
    cfg = default.peft_config["default"]
    assert (cfg.r, cfg.lora_alpha, cfg.lora_dropout, cfg.bias) == (8, 16, 0.1, "none")
    model = build_embedder("tiny-random-videomae", lora=LoraSettings(r=4, alpha=12, dropout=0.2, bias="all"))
    cfg = model.peft_config["default"]
    assert (cfg.r, cfg.lora_alpha, cfg.lora_dropout, cfg.bias) == (4, 12, 0.2, "all")
    layers = [m for n, m in model.named_modules() if n in set(lora_module_names(model))]
    assert layers and all(m.scaling["default"] == 3.0 and m.lora_dropout["default"].p == 0.2 for m in layers)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any(n.endswith("base_layer.bias") for n in trainable)  # bias="all": the backbone's biases train
    model.save_pretrained(str(tmp_path))  # bgs_config.json records them as well (the model card reads them)
    recorded = json.loads((tmp_path / "bgs_config.json").read_text())["lora"]
    assert {k: recorded[k] for k in ("r", "alpha", "dropout", "bias")} == {"r": 4, "alpha": 12, "dropout": 0.2,
                                                                           "bias": "all"}


def test_frames_of_another_size_are_refused_even_where_the_backbone_would_take_them():
    """The fully convolutional bgs_conv3d (and V-JEPA 2) embed any frame size without an error: frames not
    preprocessed with the model's own policy gave other embeddings silently unless the embedder refuses them."""
    for name in ("tiny-random-bgs_conv3d", "tiny-random-vjepa2"):
        model = build_embedder(name, lora=None).eval()
        fp = model.frame_policy
        with pytest.raises(ValueError, match=f"expects {fp.crop}x{fp.crop} frames, got 48x48"):
            model(torch.randn(1, fp.num_frames, 3, 48, 48))


def test_a_lora_model_without_head_round_trips(tmp_path):
    """``head=None`` (pooled backbone features under LoRA) is recorded and loaded without a head; a loader that
    always built the default head gave 128-d embeddings from a random head."""
    model = build_embedder("tiny-random-videomae", head=None)
    x, ref = _stepped_with_reference(model)
    assert ref.shape == (3, model.spec.hidden_size)
    model.save_pretrained(str(tmp_path))
    loaded = load_model(tmp_path)
    assert loaded.get_base_model().head is None and loaded.get_base_model().embedding_dim == model.spec.hidden_size
    with torch.no_grad():
        assert torch.equal(loaded(x), ref)


def test_a_run_on_a_hub_base_reloads_the_config_of_the_commit_it_was_trained_on(hub_cache, tmp_path):
    """The weights were pinned to the recorded commit, the config was not: after a push that changes the base's
    architecture the run must still load on the old config (here: one layer, where the new commit has two)."""
    old, new = "c" * 40, "d" * 40
    for commit, layers in ((old, 1), (new, 2)):
        torch.manual_seed(0)
        transformers.TimesformerModel(transformers.TimesformerConfig(
            hidden_size=32, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=64, image_size=32,
            patch_size=16, num_frames=4)).save_pretrained(tmp_path / commit)
    hub_cache("org/timesformer-y", tmp_path / old, old)
    model = build_embedder("org/timesformer-y").eval()
    x = _clips(model)
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(str(tmp_path / "run"))
    hub_cache("org/timesformer-y", tmp_path / new, new)
    loaded = load_model(tmp_path / "run")
    assert loaded.get_base_model().spec.num_layers == 1
    with torch.no_grad():
        assert torch.equal(loaded(x), ref)


def test_a_local_base_replaced_since_training_is_one_line(tmp_path):
    """was: loading a run whose local base folder now holds another model (a wider one here) ended in peft's
    ``RuntimeError: Error(s) in loading state_dict ... size mismatch`` traceback, one line per LoRA tensor."""
    base = tmp_path / "base_local"

    def save_base(hidden: int) -> None:
        _save_small_videomae(base, 0, hidden=hidden)

    save_base(32)
    build_embedder(str(base)).save_pretrained(str(tmp_path / "run"))
    save_base(48)
    with pytest.raises(BGSInputError, match=r"base model folder .*base_local no longer matches the adapter \(first: "
                                            r"backbone\..*lora_A.* is \(8, 32\) in the adapter, \(8, 48\) in the base\)") as err:
        load_model(tmp_path / "run")
    assert str(err.value).startswith(f"{tmp_path / 'run'}: ")
    # a deeper base of the same width: the LoRA of its third layer, which the adapter has no weights for, was left
    # at its initial values (peft's "Found missing adapter keys" Python warning, the model loaded)
    save_base(32)
    config = json.loads((base / "config.json").read_text())
    deeper = transformers.VideoMAEModel(transformers.VideoMAEConfig(**{**config, "num_hidden_layers": 3}))
    deeper.save_pretrained(base)
    # the run folder named whole, as load_model's other refusals of a folder name it (a `run` among many)
    with pytest.raises(BGSInputError, match=rf"^{re.escape(str(tmp_path / 'run'))}: the adapter does not fit the backbone "
                                            r".*base_local \(VideoMAEModel\): "
                                            r"\d+ weights missing for modules its targets match here \(first: "
                                            r"backbone\.encoder\.layer\.2\..*\); was the base replaced since training"):
        load_model(tmp_path / "run")


def _save_small_videomae(folder, seed: int, *, hidden: int = 32, layers: int = 2, patch: int = 8) -> None:
    """A tiny VideoMAE checkpoint in ``folder``; seeds give the same shapes and other weights (another pretrain),
    ``hidden`` another width."""
    torch.manual_seed(seed)
    transformers.VideoMAEModel(transformers.VideoMAEConfig(
        hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=64, image_size=32,
        patch_size=patch, num_frames=4, tubelet_size=2)).save_pretrained(folder)


def _other_base_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "trained on other weights" in r.getMessage()]


def test_an_adapter_on_a_base_of_the_same_shapes_but_other_weights_warns_in_one_line(tmp_path, caplog):
    """was: a local base folder replaced since training by another checkpoint of the same shapes (another seed of
    ``pretrain-tiny``) took the adapter without a word, and every embedding was another model's. The right base, and a
    folder saved before the fingerprint was recorded, load without the warning."""
    import shutil

    base = tmp_path / "base_local"
    _save_small_videomae(base, 0)
    model = build_embedder(str(base))
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(str(tmp_path / "run"))
    recorded = json.loads((tmp_path / "run" / "bgs_config.json").read_text())["base_fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{64}", recorded)
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        with torch.no_grad():
            assert torch.equal(load_model(tmp_path / "run")(x), ref)
    assert not _other_base_warnings(caplog)

    _save_small_videomae(base, 1)
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        loaded = load_model(tmp_path / "run")
    [line] = _other_base_warnings(caplog)
    assert "\n" not in line and f"the base model folder {base} holds now" in line, line
    # the re-save of the model loaded on the other base still records the weights its adapter was trained on
    loaded.save_pretrained(str(tmp_path / "resaved"))
    assert json.loads((tmp_path / "resaved" / "bgs_config.json").read_text())["base_fingerprint"] == recorded

    old = tmp_path / "old"  # saved before the key existed: loads as it did, without a word
    shutil.copytree(tmp_path / "run", old)
    cfg = json.loads((old / "bgs_config.json").read_text())
    del cfg["base_fingerprint"]
    (old / "bgs_config.json").write_text(json.dumps(cfg))
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(old)
    assert not _other_base_warnings(caplog)


def test_a_head_trained_on_a_frozen_base_warns_on_other_weights_and_a_saved_backbone_does_not(tmp_path, caplog):
    """A model without LoRA whose backbone stayed the base (a head-only probe) is the base plus its head: another
    checkpoint of the same shapes is warned of as an adapter's is. A fully fine-tuned one brings its backbone, which
    replaces every base weight: no warning, and the same embeddings."""
    base = tmp_path / "base_local"
    _save_small_videomae(base, 0)
    probe = build_embedder(str(base), lora=None, head=HeadConfig(out_dim=8))
    probe.backbone.requires_grad_(False)
    probe.save_pretrained(str(tmp_path / "probe"))
    tuned = build_embedder(str(base), lora=None, head=HeadConfig(out_dim=8))
    x, ref = _stepped_with_reference(tuned)
    tuned.save_pretrained(str(tmp_path / "tuned"))
    _save_small_videomae(base, 1)
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(tmp_path / "probe")
    assert len(_other_base_warnings(caplog)) == 1
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        with torch.no_grad():
            assert torch.equal(load_model(tmp_path / "tuned")(x), ref)
    assert not _other_base_warnings(caplog)


def test_the_base_fingerprint_survives_a_reload_and_save_and_reads_the_weights_not_their_dtype(tmp_path):
    """The fingerprint is of the values a base holds, rounded to bfloat16: the same weights stored in bfloat16 give
    the one a float32 copy gives; a checkpoint of another seed another. Saved, reloaded to train and saved again, a run
    records the same one."""
    from bgs_hf.models.embedder import weights_fingerprint

    _save_small_videomae(tmp_path / "f32", 0)
    _save_small_videomae(tmp_path / "seed1", 1)
    f32 = transformers.VideoMAEModel.from_pretrained(tmp_path / "f32")
    f32.to(torch.bfloat16).save_pretrained(tmp_path / "bf16")
    fingerprints = {name: build_embedder(str(tmp_path / name), lora=None).base_fingerprint
                    for name in ("f32", "bf16", "seed1")}
    assert fingerprints["f32"] == fingerprints["bf16"] != fingerprints["seed1"]
    assert weights_fingerprint(weights_sample(f32)) == fingerprints["f32"]

    build_embedder(str(tmp_path / "f32")).save_pretrained(str(tmp_path / "run"))
    load_model(tmp_path / "run", is_trainable=True).save_pretrained(str(tmp_path / "again"))
    for run in ("run", "again"):
        assert json.loads((tmp_path / run / "bgs_config.json").read_text())["base_fingerprint"] == fingerprints["f32"]


def test_a_run_on_a_hub_base_whose_commit_went_unrecorded_warns_when_the_repo_moved_on(hub_cache, tmp_path, caplog):
    """A run that recorded no commit of its Hub base (hand-edited, or saved where none was known) loads the repo's
    newest weights: after a push to the base repo of weights of the same shapes, the adapter sat on them without a word.
    The recorded commit itself is still loaded silently."""
    old, new = _hub_base_of_two_commits(hub_cache, tmp_path, "org/timesformer-z", "c" * 40, "d" * 40)
    run = tmp_path / "run"
    build_embedder("org/timesformer-z").save_pretrained(str(run))
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(run)
    assert not _other_base_warnings(caplog)
    hub_cache("org/timesformer-z", tmp_path / new, new)
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(run)  # the recorded commit
    assert not _other_base_warnings(caplog)
    cfg = json.loads((run / "bgs_config.json").read_text())
    cfg["backbone"]["revision"] = None
    (run / "bgs_config.json").write_text(json.dumps(cfg))
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(run)
    [line] = _other_base_warnings(caplog)
    assert "than the Hub base org/timesformer-z holds now" in line, line


def test_the_base_fingerprint_of_a_fixed_sample_is_pinned_so_a_saved_run_loads_without_a_warning_after_an_upgrade():
    """Mutation audit (1cadbc8): ``base_fingerprint`` is compared with the one a run recorded when it was saved,
    perhaps by an older bgs-hf: any change to what is hashed (the bfloat16 rounding, the length before each tensor's
    values, their byte order, the hash) made every saved run warn on its own base. The float32 and bfloat16 copies of
    a sample give the pinned value; a base that differs in one sampled value of any one tensor (only its last layer
    re-trained, say) gives another."""
    from bgs_hf.models.embedder import weights_fingerprint

    sample = [torch.tensor([0.5, -1.25, 3.0e-3, 0.0]), torch.linspace(-2, 2, 7), torch.zeros(0)]
    pinned = "127fa537c766c51799f66a70d570adfb72c6e63e856893b4b1bf4df8c8d67489"
    assert weights_fingerprint(sample) == weights_fingerprint([x.to(torch.bfloat16) for x in sample]) == pinned
    for which in (0, 1):
        edited = [x.clone() for x in sample]
        edited[which][-1] += 1
        assert weights_fingerprint(edited) != pinned, which


def test_an_adapter_of_another_run_on_other_base_weights_is_refused_without_an_other_weights_warning(tmp_path,
                                                                                                        caplog):
    """Mutation audit (1cadbc8): the base weights are compared only once the adapter is in. An adapter that does not
    fit the backbone (another run's, on another base) is the one-line refusal alone, not also told it was "trained on
    other weights" first."""
    for name in ("tiny-random-videomae", "tiny-random-timesformer"):
        build_embedder(name).save_pretrained(str(tmp_path / name))
    recorded = {name: json.loads((tmp_path / name / "bgs_config.json").read_text())["base_fingerprint"]
                for name in ("tiny-random-videomae", "tiny-random-timesformer")}
    assert len(set(recorded.values())) == 2
    base = load_base(tmp_path / "tiny-random-timesformer")
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        with pytest.raises(BGSInputError, match="the adapter does not fit the backbone tiny-random-timesformer"):
            BGSPeftModel.from_pretrained(base, str(tmp_path / "tiny-random-videomae"))
    assert not _other_base_warnings(caplog)


def test_a_head_only_probe_on_a_base_of_another_width_is_refused_without_an_other_weights_warning(tmp_path, caplog):
    """Mutation audit (1cadbc8): as for an adapter, a head's base weights are compared only once the head is in. A
    probe whose base folder was replaced by a base of another width is refused in one line (its head does not fit),
    not first told it was trained on "same shapes, another checkpoint"."""
    base = tmp_path / "base_local"

    def save_base(hidden: int) -> None:
        _save_small_videomae(base, 0, hidden=hidden, layers=1, patch=16)

    save_base(32)
    probe = build_embedder(str(base), lora=None, head=HeadConfig(out_dim=8))
    probe.backbone.requires_grad_(False)
    probe.save_pretrained(str(tmp_path / "probe"))
    save_base(48)
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        with pytest.raises(BGSInputError, match=r"no longer matches head\.safetensors \(it takes 32 features, the base "
                                                r"gives 48\)") as err:
            load_model(tmp_path / "probe")
        assert str(err.value).startswith(f"{tmp_path / 'probe'}: ")  # the folder whole: `probe`, one of many
    assert not _other_base_warnings(caplog)


def test_a_run_without_lora_whose_local_base_was_replaced_by_one_of_another_width_is_one_line(tmp_path):
    """was: a fully fine-tuned run whose local base folder was replaced since training by a base of another width was
    torch's state_dict report, a traceback listing every tensor of the backbone; a head-only probe's was blamed on the
    record ("head.safetensors does not fit the head bgs_config.json records"), which nobody had edited. Both now name
    the base folder, as an adapter's run does (``test_a_local_base_replaced_since_training_is_one_line``)."""
    base = tmp_path / "base_local"

    def save_base(hidden: int) -> None:
        _save_small_videomae(base, 0, hidden=hidden, layers=1, patch=16)

    save_base(32)
    for name in ("tuned", "probe"):
        model = build_embedder(str(base), lora=None, head=HeadConfig(out_dim=8))
        if name == "tuned":
            _stepped_with_reference(model)  # a changed backbone: saved beside the head
        else:
            model.backbone.requires_grad_(False)
        model.save_pretrained(str(tmp_path / name))
    assert json.loads((tmp_path / "tuned" / "bgs_config.json").read_text())["backbone_weights"]
    save_base(48)
    for name, detail in (("tuned", r"backbone\.safetensors \(first: embeddings\.patch_embeddings\.projection\.weight "
                                   r"is \(32, 3, 2, 16, 16\) in backbone\.safetensors, \(48, 3, 2, 16, 16\) in the "
                                   r"base\): it changed since training; restore the base the run was trained from$"),
                         ("probe", r"head\.safetensors \(it takes 32 features, the base gives 48\): was the base "
                                   r"replaced since training, or is head\.safetensors another run's\?$")):
        with pytest.raises(BGSInputError, match=rf"^{re.escape(str(tmp_path / name))}: the base model folder "
                                                rf"{re.escape(str(base))} no longer matches {detail}") as err:
            load_model(tmp_path / name)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("record", ["{not json", "[]"])
def test_an_adapter_folder_whose_bgs_config_is_no_json_object_loads_by_peft_without_a_comparison(tmp_path, caplog,
                                                                                                 record):
    """Mutation audit (1cadbc8): an adapter loaded by the peft route (``BGSPeftModel.from_pretrained``, as the
    Trainer's resume does) from a folder whose ``bgs_config.json`` is no JSON object holds no fingerprint to compare:
    it loads as it did before the fingerprint existed, not with a JSONDecodeError or an AttributeError from the
    comparison."""
    import shutil

    model = build_embedder("tiny-random-videomae")
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(str(tmp_path / "run"))
    shutil.copytree(tmp_path / "run", tmp_path / "edited")
    (tmp_path / "edited" / "bgs_config.json").write_text(record)
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        loaded = BGSPeftModel.from_pretrained(load_base(tmp_path / "run"), str(tmp_path / "edited")).eval()
    with torch.no_grad():
        assert torch.equal(loaded(x), ref)
    assert not _other_base_warnings(caplog)


@pytest.mark.skipif(torch.accelerator.is_available(), reason="offload has an accelerator to offload from here")
def test_checkpointing_kwargs_given_as_the_trainer_gives_them_reach_the_backbone():
    """was: ``every_n_layers``/``offload`` inside the kwargs dict (as ``--activation_checkpointing_kwargs`` gives them)
    went on to ``torch.utils.checkpoint`` and build_embedder took no kwargs at all; ``offload=True`` on a machine
    without an accelerator failed at the first backward (``pin_memory=True requires a CUDA ...``)."""
    model = build_embedder("tiny-random-videomae", gradient_checkpointing=True,
                           activation_checkpointing_kwargs={"every_n_layers": 2, "offload": True}).train()
    layers = model.get_base_model().backbone.encoder.layer
    assert [layer.gradient_checkpointing for layer in layers] == [True, False]
    model(_clips(model)).sum().backward()
    assert all(p.grad is not None for n, p in model.named_parameters() if "lora_B" in n)
    with pytest.raises(BGSInputError, match="every_n_layers must be an integer >= 1, got 0"):
        build_embedder("tiny-random-videomae", gradient_checkpointing=True,
                       activation_checkpointing_kwargs={"every_n_layers": 0})


# --- mutation audit (models): boundaries and records the tests above did not pin ---


def test_a_dropout_of_one_is_refused_for_the_head_and_for_lora():
    """Dropout 1.0 zeroes every unit in training (the head's output, or every LoRA update): the bound is [0, 1), and a
    check with ``<= 1.0`` passed every test, which tried 1.5 only."""
    with pytest.raises(BGSInputError, match="head dropout must be in"):
        HeadConfig(dropout=1.0)
    with pytest.raises(BGSInputError, match="LoRA dropout must be in"):
        LoraSettings(dropout=1.0)
    with pytest.raises(BGSInputError, match="head out_dim must be >= 3"):
        HeadConfig(out_dim=0)
    HeadConfig(dropout=0.0)
    LoraSettings(dropout=0.0)


def test_a_user_lora_regex_with_alternatives_is_scoped_to_the_backbone_as_a_whole():
    """``--lora_target_modules 'A|B'`` gets the backbone prefix on both alternatives: without the group around the
    user's regex, ``backbone\\.A|B`` full-matched A's modules alone and B's got no LoRA, silently."""
    targets = r"encoder\.layer\.0\.output\.dense|encoder\.layer\.1\.output\.dense"
    model = build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=targets))
    names = sorted(n.split("backbone.", 1)[1] for n in lora_module_names(model))
    assert names == ["encoder.layer.0.output.dense", "encoder.layer.1.output.dense"]


def test_a_user_lora_regex_with_leading_inline_flags_keeps_them_and_is_scoped_to_the_backbone():
    """``--lora_target_modules '(?i)...'`` is a valid regex (so ``LoraSettings`` took it), but wrapped in the backbone
    scope its global flags no longer stood at the start: Python's ``re.error`` "global flags not at the start of the
    expression" came from deep inside peft. The flags now lead the scoped regex, a verbose one's comment included."""
    upper = r"(?i)ENCODER\.LAYER\.0\.OUTPUT\.DENSE"
    verbose = "(?x) encoder\\.layer\\.1\\.output\\.dense  # the second block's MLP output"
    for targets, want in ((upper, "encoder.layer.0.output.dense"), (verbose, "encoder.layer.1.output.dense")):
        model = build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=targets))
        assert [n.split("backbone.", 1)[1] for n in lora_module_names(model)] == [want]
    with pytest.raises(BGSInputError, match="not a valid regex"):  # flags inside it fail where given, as before
        LoraSettings(target_modules=r"encoder(?i)")


def test_a_user_lora_regex_anchored_at_both_ends_is_told_to_drop_the_anchors():
    """Target names are matched in full, as peft does, so ``^encoder...dense$`` is a correct regex, but inside
    ``backbone\\.(?:...)`` its ``^`` can never match: the run was refused with "match no module" and nothing about why.
    The refusal now says to drop the anchors; a regex without them that matches nothing is told only the first part."""
    with pytest.raises(BGSInputError, match=r"match no module .*drop the \^ and \$ anchors"):
        build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=r"^encoder\.layer\.0\.output\.dense$"))
    with pytest.raises(BGSInputError, match=r"match no module") as err:
        build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=r"no_such_module"))
    assert "anchors" not in str(err.value)


def test_frames_of_the_right_height_but_another_width_are_refused():
    """Height and width are each checked: a check that refused only frames wrong in both passed 32x48 frames."""
    model = build_embedder("tiny-random-bgs_conv3d", lora=None).eval()
    fp = model.frame_policy
    with pytest.raises(ValueError, match=f"expects {fp.crop}x{fp.crop} frames, got {fp.crop}x48"):
        model(torch.randn(1, fp.num_frames, 3, fp.crop, 48))
    with pytest.raises(ValueError, match=f"got 48x{fp.crop}"):
        model(torch.randn(1, fp.num_frames, 3, 48, fp.crop))


@pytest.mark.parametrize("frames", [0, -2])
def test_a_frame_count_below_one_is_one_line_naming_num_frames(frames):
    """num_frames 0 on a model that takes any count passed the frame check (0 is a multiple of every tubelet) and
    failed later in FramePolicy's ValueError, a traceback, instead of the one-line input error."""
    from bgs_hf.models.embedder import resolve_backbone

    for name in ("tiny-random-vjepa2", "tiny-random-clip"):
        with pytest.raises(BGSInputError, match=f"num_frames must be >= 1, got {frames}"):
            resolve_backbone(name, num_frames=frames)


def test_a_frame_count_not_a_multiple_of_the_tubelet_is_refused():
    """V-JEPA 2 takes any multiple of its tubelet (2): 5 frames would lose or mis-group the last one."""
    spec = get_backbone_spec("tiny-random-vjepa2")
    with pytest.raises(ValueError, match="5 frames is not a multiple of tubelet size 2"):
        spec.check_frames(5)
    spec.check_frames(6)
    get_backbone_spec("tiny-random-clip").check_frames(5)  # tubelet 1: any count


def test_a_frame_count_ending_in_part_of_a_tubelet_is_refused_naming_the_counts_to_use(tmp_path):
    """The refusal named no count: `5 frames is not a multiple of tubelet size 2`. It now says what the model would
    do (drop the last frame) and which counts to sample; a fixed-frames VideoMAE whose own config count ends in part
    of a tubelet (5 frames, tubelet 2) was refused at 5 as no multiple and at 4 as "built for 5 frames ... Use its
    frame policy" (which is 5): no count worked and none was named. Both are now the one line naming the config's 4,
    and the same weights saved with num_frames 4 (the position table of 5 frames in tubelets of 2 is that of 4) load
    and embed."""
    from transformers import VideoMAEConfig, VideoMAEModel

    spec = get_backbone_spec("tiny-random-vjepa2")
    for frames, use in ((5, "sample 4 or 6"), (7, "sample 6 or 8")):
        with pytest.raises(ValueError, match=rf"{frames} frames is not a multiple of tubelet size 2 \(its patch "
                                             rf"embedding drops the last 1 frame without a word\); {use} \(train: "):
            spec.check_frames(frames)
    config = VideoMAEConfig(image_size=32, patch_size=8, num_frames=5, tubelet_size=2, hidden_size=16,
                            num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    VideoMAEModel(config).save_pretrained(tmp_path / "five")
    said = ("its config's num_frames (5) is not a multiple of its tubelet size 2 (its patch embedding drops the last "
            "1 frame without a word, and its position embeddings are those of 4 frames); set num_frames to 4 in its "
            "config.json")
    for frames in (None, 4, 6):
        with pytest.raises(BGSInputError, match=re.escape(said)):
            build_embedder(str(tmp_path / "five"), head=None, lora=None, num_frames=frames)
    config.num_frames = 4
    VideoMAEModel.from_pretrained(tmp_path / "five", config=config).save_pretrained(tmp_path / "four")
    model = build_embedder(str(tmp_path / "four"), head=None, lora=None)
    assert model(torch.zeros(1, 4, 3, 32, 32)).shape == (1, 16)


def test_a_part_tubelet_refusal_names_whole_counts_for_any_tubelet_and_never_0_frames(tmp_path):
    """Mutation audit of 3e58759: the counts named were checked only for 1 frame past tubelets of 2, where the whole
    count is also ``frames - 1``: a whole count of ``frames - 1`` (6 frames in tubelets of 4 told "sample 5 or 9") or
    "the last 1 frame" for any remainder passed. And a VideoMAE whose config.json num_frames (1), edited by hand, is
    below its tubelet (2) was told "set num_frames to 0", which transformers cannot build and bgs-hf refuses; it is
    told a multiple of its tubelet, and at 2 the same weights (a sinusoidal position table, from the count) embed."""
    import dataclasses

    from transformers import VideoMAEConfig, VideoMAEModel

    spec = dataclasses.replace(get_backbone_spec("tiny-random-vjepa2"), tubelet_size=4)
    with pytest.raises(ValueError, match=re.escape("6 frames is not a multiple of tubelet size 4 (its patch embedding "
                                                   "drops the last 2 frames without a word); sample 4 or 8 (train: ")):
        spec.check_frames(6)
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=8, num_frames=4, tubelet_size=2, hidden_size=16,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)).save_pretrained(
        tmp_path / "one")
    config = json.loads((tmp_path / "one" / "config.json").read_text())
    (tmp_path / "one" / "config.json").write_text(json.dumps({**config, "num_frames": 1}))
    said = ("its config's num_frames (1) is fewer than its tubelet size 2 (its patch embedding makes no token of it); "
            "set num_frames to 2 or another multiple of 2 in its config.json")
    for frames in (None, 2):
        with pytest.raises(BGSInputError, match=re.escape(said)):
            build_embedder(str(tmp_path / "one"), head=None, lora=None, num_frames=frames)
    (tmp_path / "one" / "config.json").write_text(json.dumps({**config, "num_frames": 2}))
    model = build_embedder(str(tmp_path / "one"), head=None, lora=None)
    assert model(torch.zeros(1, 2, 3, 32, 32)).shape == (1, 16)


def test_the_embedding_dim_is_the_heads_width_and_is_recorded(tmp_path):
    """``embedding_dim`` (and bgs_config.json's, which readers of a saved run use) is the head's out_dim when there is
    a head; only the head=None case was checked, and a property returning the backbone's width passed."""
    model = build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=16, dropout=0.0)).eval()
    assert model.embedding_dim == 16 != model.spec.hidden_size
    with torch.no_grad():
        assert model(_clips(model, 1)).shape == (1, 16)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "bgs_config.json").read_text())["embedding_dim"] == 16


def test_interpolating_an_interpolated_spec_records_the_checkpoints_own_frame_count():
    """A spec already interpolated (4 -> 6 frames) and asked for 8 still says it was interpolated from the
    checkpoint's 4, and asked for 4 again is the plain checkpoint spec (no interpolation recorded)."""
    spec = get_backbone_spec("tiny-random-timesformer")
    own = spec.num_frames
    six = spec.with_interpolated_frames(own + 2)
    assert (six.num_frames, six.frames_interpolated_from) == (own + 2, own)
    eight = six.with_interpolated_frames(own + 4)
    assert (eight.num_frames, eight.frames_interpolated_from) == (own + 4, own)
    back = six.with_interpolated_frames(own)
    assert (back.num_frames, back.frames_interpolated_from) == (own, None)
    assert spec.with_interpolated_frames(own) is spec
    videomae = get_backbone_spec("tiny-random-videomae")  # its own count is no interpolation, so no refusal
    assert videomae.with_interpolated_frames(videomae.num_frames) is videomae


def test_a_processor_crop_other_than_the_models_input_gives_way_to_the_model_and_never_a_crop_above_the_resize():
    """A checkpoint whose processor crops 16 pixels for a 32-pixel model: the model's size wins, and the short side
    is resized to at least that crop (a resize to 20 under a 32 crop cannot be cropped)."""
    import dataclasses

    spec = get_backbone_spec("tiny-random-videomae")
    assert spec.image_size == 32
    for size, want in ((20, 32), (40, 40)):
        odd = dataclasses.replace(spec, processor_config={"size": {"shortest_edge": size},
                                                          "crop_size": {"height": 16, "width": 16}})
        fp = odd.frame_policy()
        assert (fp.size, fp.crop) == (want, 32)


def test_a_tiny_random_model_without_a_processor_takes_the_real_checkpoints_resize_ratio():
    """No processor config: the family's real one scaled to the model, resize and crop alike (V-JEPA 2 resizes to
    292 for a 256 crop, so a 32-pixel tiny model resizes to round(32 * 292 / 256) = round(36.5) = 36)."""
    spec = get_backbone_spec("tiny-random-vjepa2")
    assert spec.processor_config["size"] == {"shortest_edge": 36}
    assert spec.processor_config["crop_size"] == {"height": 32, "width": 32}
    assert (spec.frame_policy().size, spec.frame_policy().crop) == (36, 32)


def test_clip_takes_its_tiny_frame_count_when_tiny_and_the_familys_default_from_a_folder(tmp_path):
    """CLIP's config has no frame count: tiny-random-clip samples 2 frames (fast tests), a real CLIP checkpoint the
    family's 8."""
    tiny = get_backbone_spec("tiny-random-clip")
    assert tiny.num_frames == 2
    tiny.load_backbone().save_pretrained(tmp_path)
    assert get_backbone_spec(tmp_path).num_frames == 8


def test_a_name_with_two_slashes_is_a_missing_folder_not_a_hub_id():
    """``org/name/extra`` can be no Hub repo: it is refused as a folder that is not there, without a Hub lookup."""
    from bgs_hf.models.registry import looks_like_a_path

    assert looks_like_a_path("no/such/folder") and not looks_like_a_path("org/name")
    with pytest.raises(BGSInputError, match="no/such/folder: no such backbone folder"):
        get_backbone_spec("no/such/folder")


def test_a_saved_fixed_frame_model_still_refuses_another_frame_count_when_loaded(tmp_path):
    """bgs_config.json records that TimeSformer takes its own frame count only; a loader that lost ``fixed_frames``
    let the reloaded model interpolate its time embeddings silently for a clip of another length."""
    model = build_embedder("tiny-random-timesformer")
    model.save_pretrained(str(tmp_path))
    loaded = load_model(tmp_path)
    spec = loaded.get_base_model().spec
    assert spec.fixed_frames and spec.num_frames == model.get_base_model().spec.num_frames
    fp = loaded.get_base_model().frame_policy
    with pytest.raises(ValueError, match="silently interpolate"):
        loaded(torch.randn(1, fp.num_frames + 2, 3, fp.crop, fp.crop))



def test_a_model_loaded_to_train_further_is_left_in_train_mode_with_its_lora_trainable(tmp_path):
    """``load_model(d, is_trainable=True)`` (to go on training a saved adapter) is not put in eval mode: its head's
    dropout runs (the backbone, loaded by transformers' from_pretrained, is in eval mode until ``.train()``, which the
    Trainer calls). A loader that put every model in eval mode passed every test. Embedding is eval mode."""
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    trainable = load_model(tmp_path, is_trainable=True)
    head = [m for n, m in trainable.named_modules() if n.endswith("head.modules_to_save.default")]
    assert trainable.training and head and all(m.training for m in head[0].modules())
    assert any(p.requires_grad for n, p in trainable.named_parameters() if "lora_B" in n)
    frozen = load_model(tmp_path)
    assert not any(m.training for m in frozen.modules())
    assert not any(p.requires_grad for p in frozen.parameters())


def test_a_folder_check_refuses_what_loading_would_refuse_before_any_weight_loads(tmp_path):
    """``check_saved_model`` (``bgs-hf push`` runs it before staging) refuses a LoRA run whose adapter_config.json is
    gone and a run whose local base folder has moved, from the files alone: without those two checks the folder was
    published and failed only at load time."""
    import shutil

    from bgs_hf.models.loading import check_saved_model

    run = tmp_path / "run"
    build_embedder("tiny-random-videomae").save_pretrained(str(run))
    assert check_saved_model(run)["lora"]["r"] == 8
    (run / "adapter_config.json").unlink()
    with pytest.raises(BGSInputError, match="holds a LoRA adapter, not an adapter-less model"):
        check_saved_model(run)
    base = tmp_path / "local_base"
    get_backbone_spec("tiny-random-videomae").load_backbone().save_pretrained(base)
    build_embedder(str(base)).save_pretrained(str(tmp_path / "run_local"))
    check_saved_model(tmp_path / "run_local")
    shutil.rmtree(base)
    with pytest.raises(BGSInputError, match="the base model folder recorded at save time is missing"):
        check_saved_model(tmp_path / "run_local")


def test_a_saved_run_reloads_the_frame_count_it_was_trained_with(tmp_path):
    """CLIP and V-JEPA 2 take any frame count: a run trained with ``num_frames`` (3 here, the spec's own is 2) must
    sample 3 frames when reloaded; a loader that rebuilt the policy from the spec sampled the spec's count."""
    for name, frames in (("tiny-random-clip", 3), ("tiny-random-vjepa2", 8)):
        model = build_embedder(name, num_frames=frames)
        assert model.get_base_model().spec.num_frames != frames
        model.save_pretrained(str(tmp_path / name))
        assert load_model(tmp_path / name).get_base_model().frame_policy.num_frames == frames
        assert load_base(tmp_path / name).frame_policy == model.get_base_model().frame_policy


def test_only_a_folder_holding_bgs_config_is_taken_for_a_saved_model(tmp_path):
    """Evaluation scores a saved model by its folder and a backbone by its name or folder: a backbone's own folder
    (config.json, no bgs_config.json) taken for a saved model was refused as a damaged run."""
    from bgs_hf.models.loading import saved_model_folder

    get_backbone_spec("tiny-random-videomae").load_backbone().save_pretrained(tmp_path / "backbone")
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path / "run"))
    assert saved_model_folder(tmp_path / "run") == tmp_path / "run"
    assert saved_model_folder(str(tmp_path / "run")) == tmp_path / "run"
    assert saved_model_folder(tmp_path / "backbone") is None
    assert saved_model_folder("tiny-random-videomae") is None
    assert saved_model_folder(build_embedder("tiny-random-videomae", lora=None)) is None


def test_liveness_runs_the_training_forward_of_a_model_left_in_eval_mode():
    """A model in eval mode (as ``load_model`` returns it) is checked in train mode all the same: a check that ran in
    the mode it found passed a reentrant-checkpointed backbone, whose LoRA then trained nothing."""
    model = build_embedder("tiny-random-videomae")
    model.backbone.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    model.eval()
    with pytest.raises(DeadLoraError):
        assert_lora_live(model, _clips(model, 2))
    assert not any(m.training for m in model.modules())


def test_liveness_check_restores_running_statistics_it_does_not_hold_off():
    """A norm layer with running statistics that is not a BatchNorm (an InstanceNorm tracking them) updates them in
    train mode: the check puts them back, so checking a model changes none of its buffers."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Unflatten(1, (4, 4)),
                               torch.nn.InstanceNorm1d(4, track_running_stats=True), torch.nn.Flatten(),
                               torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "4"]))
    before = {n: b.clone() for n, b in model.named_buffers()}
    assert len(assert_lora_live(model, torch.randn(1, 12))) == 2
    assert all(torch.equal(b, before[n]) for n, b in model.named_buffers())


def test_liveness_check_leaves_the_random_stream_of_a_random_activation_alone():
    """Random layers the check does not hold off (RReLU samples its slopes in train mode) draw from a forked stream:
    checking a model does not shift the run's random numbers."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.RReLU(), torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "2"]))
    x = torch.randn(1, 12)
    rng = torch.get_rng_state()
    assert len(assert_lora_live(model, x)) == 2
    assert torch.equal(torch.get_rng_state(), rng)


def test_a_frozen_adapter_is_reported_dead_not_a_torch_error(tmp_path):
    """A loaded adapter (``load_model`` freezes it) has an output without a gradient path: the check names every LoRA
    module dead, one line, instead of torch's "element 0 of tensors does not require grad"."""
    model = build_embedder("tiny-random-videomae")
    model.save_pretrained(str(tmp_path))
    frozen = load_model(tmp_path)
    with pytest.raises(DeadLoraError) as err:
        assert_lora_live(frozen, _clips(frozen.get_base_model(), 1))
    assert len(err.value.dead) == len(lora_module_names(frozen)) > 0


# --- mutation audit (models), second pass: settings, records and refusals the tests above did not pin ---


def test_a_lora_rank_of_zero_or_a_regex_that_does_not_compile_is_refused_where_it_is_given():
    """r = 0 is no adapter at all, and a broken ``--lora_target_modules`` regex failed deep inside peft: both are one
    line at ``LoraSettings``. Mutation audit: a bound letting r = 0 through and a dropped regex check passed."""
    with pytest.raises(BGSInputError, match="LoRA rank r must be >= 1, got 0"):
        LoraSettings(r=0)
    with pytest.raises(BGSInputError, match=r"LoRA target_modules 'encoder\(' is not a valid regex"):
        LoraSettings(target_modules="encoder(")
    LoraSettings(r=1)


@pytest.mark.parametrize("targets", ["", " ", ",", " , "])
def test_lora_targets_of_only_spaces_and_commas_are_refused_not_taken_as_the_default(targets):
    """``target_modules=""`` (an unset variable) built the family's default targets without a word; spaces and
    commas name no module either. None is the way to the default."""
    with pytest.raises(BGSInputError, match=rf"^LoRA target_modules '{targets}' names no module: give a regex, or None "
                                            r"for the family's default targets$"):
        LoraSettings(target_modules=targets)
    assert LoraSettings(target_modules=None).target_modules is None


def test_a_head_config_recorded_with_keys_this_version_does_not_know_still_loads():
    """``bgs_config.json``'s head is read by its known fields: a key written by a newer version (or a hand edit) is
    left out, not passed to the constructor (TypeError)."""
    head = HeadConfig.from_dict({"out_dim": 64, "dropout": 0.2, "activation": "gelu"})
    assert head == HeadConfig(out_dim=64, dropout=0.2)
    assert HeadConfig.from_dict(None) is None


def test_building_a_tiny_random_backbone_uses_seed_0_and_leaves_the_callers_random_stream_alone():
    """A tiny-random backbone is the transformers model initialised from seed 0 (the same weights in every run), drawn
    from a forked stream: building one does not shift the caller's random numbers (a training seed)."""
    spec = get_backbone_spec("tiny-random-videomae")
    torch.manual_seed(0)
    expected = transformers.VideoMAEModel(spec.config).state_dict()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    got = spec.load_backbone().state_dict()
    assert torch.equal(torch.get_rng_state(), state)
    assert set(got) == set(expected) and all(torch.equal(got[k], expected[k]) for k in expected)


def test_liveness_projects_the_output_on_the_random_direction_of_its_seed():
    """The check's loss is sum(out * r), r ~ N(0, 1) drawn from ``seed``: the returned |grad lora_B| per module equal
    the gradients of that loss computed by hand, and another seed gives another projection."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "2"], init_lora_weights=False))
    x = torch.randn(2, 6)
    b_weights = {n: m.lora_B["default"].weight for n, m in model.named_modules() if hasattr(m, "lora_B")}

    def by_hand(seed: int) -> dict[str, float]:
        out = model(x)
        r = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
        grads = torch.autograd.grad((out * r).sum(), list(b_weights.values()))
        return {n: float(g.norm()) for n, g in zip(b_weights, grads)}

    for seed in (0, 7):
        assert assert_lora_live(model, x, seed=seed) == pytest.approx(by_hand(seed), rel=1e-6)
    assert by_hand(7) != pytest.approx(by_hand(0), rel=1e-3)


def test_the_dead_lora_message_names_the_first_eight_modules_and_counts_the_rest():
    """A large model's dead modules (every q/k/v of 24 layers) make one readable line: the first 8 and a count."""
    err = DeadLoraError([f"m{i}" for i in range(10)], 12)
    assert str(err).startswith("10 of 12 LoRA modules are dead (zero lora_B gradient): m0, m1, m2, m3, m4, m5, m6, m7 "
                               "... (+2 more); ")
    assert err.dead == [f"m{i}" for i in range(10)]
    assert "more" not in str(DeadLoraError(["a", "b"], 2))


def test_a_model_without_lora_modules_is_refused_by_the_liveness_check():
    """Nothing to check is not "all live": a model with no LoRA module (``lora=None``) is refused in one line."""
    model = build_embedder("tiny-random-bgs_conv3d", lora=None)
    with pytest.raises(DeadLoraError, match="<no LoRA modules found>"):
        assert_lora_live(model, _clips(model, 1))


def _freeze_the_embeddings_then_change_layer_1(backbone) -> None:
    backbone.embeddings.requires_grad_(False)
    backbone.encoder.layer[1].output.dense.weight.add_(0.3)


def _change_layer_0_then_freeze_everything(backbone) -> None:
    backbone.encoder.layer[0].attention.output.dense.weight.mul_(1.5)
    backbone.requires_grad_(False)


@pytest.mark.parametrize("change", [_freeze_the_embeddings_then_change_layer_1, _change_layer_0_then_freeze_everything])
def test_a_changed_backbone_is_saved_whether_or_not_it_still_trains(tmp_path, change):
    """Without LoRA the backbone is saved when any of it trains or any of it changed: a run that froze its first
    layers and fine-tuned the rest came back as the original backbone when only a wholly trainable one was saved,
    and a full fine-tune frozen for evaluation before saving did while only ``requires_grad`` was read."""
    model = build_embedder("tiny-random-videomae", lora=None)
    with torch.no_grad():
        change(model.backbone)
    model.eval()
    x = _clips(model, 2)
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(str(tmp_path))
    assert (tmp_path / "backbone.safetensors").is_file()
    with torch.no_grad():
        assert torch.equal(load_model(tmp_path)(x), ref)


def test_a_merged_lora_model_saves_its_merged_backbone(tmp_path):
    """``merge_and_unload`` returns the plain model with LoRA folded into frozen weights; its save dropped them
    (the backbone was frozen, so not written) and the folder loaded as the untrained base (max |diff| 0.04 here)."""
    model = build_embedder("tiny-random-videomae")
    x, ref = _stepped_with_reference(model)
    merged = model.merge_and_unload()
    assert isinstance(merged, BGSEmbedder)
    merged.save_pretrained(str(tmp_path))
    assert (tmp_path / "backbone.safetensors").is_file()
    with torch.no_grad():
        assert torch.allclose(load_model(tmp_path)(x), ref, atol=1e-5)


def test_the_inner_model_of_a_lora_model_refuses_a_plain_save(tmp_path):
    """Saving ``peft_model.get_base_model()`` wrote ``lora_`` keys and peft's head wrapper into a folder that loads as
    nothing; it now says which object to save, and writes nothing."""
    model = build_embedder("tiny-random-videomae")
    with pytest.raises(BGSInputError, match=r"carries LoRA adapters: save the PeftModel") as err:
        model.get_base_model().save_pretrained(str(tmp_path / "inner"))
    assert str(err.value).startswith(f"{tmp_path / 'inner'}: ")  # the folder whole, as every model folder's refusal
    assert not (tmp_path / "inner").exists()


def test_the_weights_sample_reads_evenly_spaced_values_and_sees_a_dense_change():
    """Every value of a small tensor, 4096 evenly spaced ones (first and last included) of a large one, no integer
    buffer; a copy compares equal, a change of every entry by 1e-6 (a merged LoRA's kind) does not."""
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]))
        lin.bias.copy_(torch.tensor([0.25, -0.75]))
    lin.register_buffer("steps", torch.tensor([7]))
    lin.register_buffer("big", torch.arange(10_000, dtype=torch.float32))
    weight, bias, big = weights_sample(lin)
    assert weight.tolist() == [1.0, -2.0, 0.5, 0.0, 3.0, -1.0] and bias.tolist() == [0.25, -0.75]
    assert big.numel() == WEIGHT_SAMPLES == 4096 and big[0] == 0 and big[-1] == 9999
    # index k of 4096 is round(k * 9999 / 4095): k = 1 -> 2.44 -> 2, k = 2 -> 4.88 -> 5
    assert big[1:3].tolist() == [2.0, 5.0]
    before = weights_sample(lin)
    assert same_weights(weights_sample(copy.deepcopy(lin)), before)
    with torch.no_grad():
        lin.weight.add_(1e-6)
    assert not same_weights(weights_sample(lin), before)
    assert not same_weights(before[:2], before)


def _processor(short_side: int) -> dict:
    return {"size": {"shortest_edge": short_side}, "crop_size": {"height": 32, "width": 32}, "do_center_crop": True,
            "image_mean": [0.5] * 3, "image_std": [0.25] * 3}


def test_a_folder_with_several_processor_files_takes_the_video_processors(tmp_path):
    """transformers' video models save a ``video_preprocessor_config.json`` beside an older
    ``preprocessor_config.json``; the video processor's settings (resize to 40 here, not 48) are the ones its frames
    get, and of a composite ``processor_config.json`` holding both, the video processor's too."""
    folder = tmp_path
    get_backbone_spec("tiny-random-videomae").config.save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text(json.dumps(_processor(48)))
    (folder / "video_preprocessor_config.json").write_text(json.dumps(_processor(40)))
    assert get_backbone_spec(folder).frame_policy().size == 40
    for name in ("preprocessor_config.json", "video_preprocessor_config.json"):
        (folder / name).unlink()
    (folder / "processor_config.json").write_text(json.dumps({"image_processor": _processor(48),
                                                              "video_processor": _processor(40)}))
    assert get_backbone_spec(folder).frame_policy().size == 40


def test_a_saved_run_warns_when_the_installed_peft_or_transformers_differs_in_its_minor_version(tmp_path, caplog):
    """A minor version of peft or transformers can change the embeddings (a reimplemented attention); a patch
    release is not worth a warning."""
    import peft

    build_embedder("tiny-random-bgs_conv3d").save_pretrained(str(tmp_path))
    cfg_path = tmp_path / "bgs_config.json"
    cfg = json.loads(cfg_path.read_text())
    for lib, installed in (("transformers", transformers.__version__), ("peft", peft.__version__)):
        major, minor, *_ = installed.split(".")
        for version, warned in ((f"{major}.{int(minor) + 1}.0", True), (f"{major}.{minor}.999", False)):
            cfg["versions"] = {**cfg["versions"], lib: version}
            cfg_path.write_text(json.dumps(cfg))
            caplog.clear()
            with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
                load_model(tmp_path)
            assert (f"saved with {lib} {version}" in caplog.text) is warned, (lib, version)
        cfg["versions"][lib] = installed


def test_interpolating_a_spec_to_no_frames_is_refused_there_too():
    """``BackboneSpec.with_interpolated_frames`` is public: called directly (not through ``resolve_backbone``) with 0
    or a negative count it is refused in one line, not turned into a 0-frame TimeSformer."""
    spec = get_backbone_spec("tiny-random-timesformer")
    for frames in (0, -8):
        with pytest.raises(BGSInputError, match=f"num_frames must be >= 1, got {frames}"):
            spec.with_interpolated_frames(frames)
    assert spec.with_interpolated_frames(8).num_frames == 8



@pytest.mark.parametrize(("frames", "line"), [
    (0, "num_frames must be >= 1, got 0"),
    (-3, "num_frames must be >= 1, got -3"),
    (2.5, "num_frames must be a whole number, got 2.5"),
    ("8", "num_frames must be a whole number, got '8'"),
])
def test_a_frame_count_is_checked_as_a_count_first_in_the_same_line_on_every_path(frames, line):
    """One check of the count itself, before what a family can do with it, on every public path: the spec's
    ``frame_policy`` read 2.5 frames as 2 and took "8"; ``check_frames`` raised a plain ValueError for 0 (a TypeError
    for "8"); ``with_interpolated_frames`` told a 0-frame VideoMAE it "cannot interpolate its frame count", read 2.5 as
    2 for TimeSformer and returned V-JEPA 2 and CLIP unchanged whatever the count."""
    from bgs_hf.models.embedder import resolve_backbone

    specs = {f: get_backbone_spec(f"tiny-random-{f}") for f in ("videomae", "timesformer", "vjepa2", "clip")}
    calls = [(f"{f}.{name}", fn) for f, spec in specs.items() for name, fn in (
        ("frame_policy", spec.frame_policy), ("check_frames", spec.check_frames),
        ("with_interpolated_frames", spec.with_interpolated_frames))]
    calls += [("resolve_backbone", lambda n: resolve_backbone("tiny-random-videomae", num_frames=n,
                                                              interpolate_frames=True)),
              ("build_embedder", lambda n: build_embedder("tiny-random-clip", num_frames=n))]
    for where, call in calls:
        with pytest.raises(BGSInputError) as caught:
            call(frames)
        assert str(caught.value) == line, where
    # accepted counts are untouched: a whole float is that integer, the checkpoint's own count is the spec itself
    videomae, timesformer = specs["videomae"], specs["timesformer"]
    assert videomae.frame_policy(4.0).num_frames == 4 and type(videomae.frame_policy(4.0).num_frames) is int
    assert videomae.with_interpolated_frames(videomae.num_frames) is videomae
    assert timesformer.with_interpolated_frames(8.0).num_frames == 8
    videomae.check_frames(videomae.num_frames)


def test_a_reloaded_run_keeps_its_tubelet_and_preprocessing_and_a_lora_run_has_no_separate_head_file(tmp_path):
    """``bgs_config.json`` records the spec whole: a V-JEPA 2 run reloads with its tubelet of 2 (so 5 frames are still
    refused) and the checkpoint's processor settings (what a re-saved or pushed run records as its preprocessing).
    The head of a LoRA run is in the adapter (modules_to_save), not also in ``head.safetensors``."""
    model = build_embedder("tiny-random-vjepa2")
    model.save_pretrained(str(tmp_path / "run"))
    assert not (tmp_path / "run" / "head.safetensors").exists()
    spec = load_model(tmp_path / "run").get_base_model().spec
    assert spec.tubelet_size == 2 and spec.processor_config == model.get_base_model().spec.processor_config
    with pytest.raises(ValueError, match="5 frames is not a multiple of tubelet size 2"):
        spec.check_frames(5)
    load_model(tmp_path / "run").save_pretrained(str(tmp_path / "again"))
    first, again = (json.loads((tmp_path / d / "bgs_config.json").read_text()) for d in ("run", "again"))
    assert again["preprocessing"] == first["preprocessing"] == spec.processor_config != {}


def test_a_saved_run_of_an_unknown_family_is_one_line(tmp_path):
    """A ``bgs_config.json`` naming a family this version does not know (a newer version's, a typo) is refused by
    name, not a KeyError."""
    build_embedder("tiny-random-bgs_conv3d").save_pretrained(str(tmp_path))
    cfg = json.loads((tmp_path / "bgs_config.json").read_text())
    cfg["backbone"]["family"] = "resnet3d"
    (tmp_path / "bgs_config.json").write_text(json.dumps(cfg))
    with pytest.raises(BGSInputError, match="unknown backbone family 'resnet3d'"):
        load_model(tmp_path)


def test_an_adapter_less_run_cut_off_mid_write_or_without_its_head_file_is_one_line(tmp_path):
    """A model saved without LoRA carries no adapter file, whose check also looks for the incomplete-write marker: the
    marker is checked for every folder, and a missing ``head.safetensors`` is named, not a file-not-found traceback."""
    from bgs_hf.models.loading import INCOMPLETE_MARKER

    build_embedder("tiny-random-bgs_conv3d", lora=None).save_pretrained(str(tmp_path))
    (tmp_path / INCOMPLETE_MARKER).touch()
    with pytest.raises(BGSInputError, match="this checkpoint was not completely written"):
        load_model(tmp_path)
    (tmp_path / INCOMPLETE_MARKER).unlink()
    (tmp_path / "head.safetensors").unlink()
    with pytest.raises(BGSInputError, match="model has a head but no adapter and no head.safetensors") as err:
        load_model(tmp_path)
    assert str(err.value).startswith(f"{tmp_path}: ")  # whole: a run's `bgs` or `checkpoint-N` names one of many



def test_a_plain_model_folders_damaged_head_or_base_weights_are_refused_naming_the_folder_whole(tmp_path):
    """A run's folder (``runs/demo/bgs``, ``checkpoint-N``) refused for its head file cut short, or for a ``base/`` whose
    weights lack one of the model's, said ``bgs: ...`` / ``base: ...``: the last part every quickstart run, every
    checkpoint and every saved base shares. Each now names the folder as given, as load_model's other refusals do."""
    from safetensors.torch import load_file, save_file

    run = tmp_path / "demo" / "bgs"
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    head = run / "head.safetensors"
    kept = head.read_bytes()
    head.write_bytes(kept[:5])
    with pytest.raises(BGSInputError, match=rf"^{re.escape(str(run))}: cannot read head\.safetensors \(") as err:
        load_model(run)
    assert "\n" not in str(err.value)
    head.write_bytes(kept)
    weights = load_file(str(run / "base" / "model.safetensors"))
    save_file({k: v for k, v in weights.items() if k != sorted(weights)[0]}, str(run / "base" / "model.safetensors"))
    with pytest.raises(BGSInputError, match=rf"^{re.escape(str(run / 'base'))}: 1 weight of tiny-random-videomae was "
                                            "not in its checkpoint"):
        load_model(run)


def test_interpolating_frames_of_a_model_that_takes_any_count_changes_nothing_but_the_count():
    """V-JEPA 2 (RoPE) and CLIP (frame by frame) take any frame count: ``interpolate_frames`` is then a no-op, not a
    refusal, and records no interpolation (there are no time embeddings to resize). The tiny V-JEPA 2 is built for 4
    frames and runs 6; the tiny CLIP runs 3. Mutation audit (third pass): the no-op for a non-fixed family dropped
    (``cannot interpolate its frame count``) passed."""
    from bgs_hf.models.embedder import resolve_backbone

    for name, built, frames in (("tiny-random-vjepa2", 4, 6), ("tiny-random-clip", 2, 3)):
        spec, policy = resolve_backbone(name, num_frames=frames, interpolate_frames=True)
        assert (spec.num_frames, spec.frames_interpolated_from, policy.num_frames) == (built, None, frames)


def test_a_timesformer_that_attends_within_each_frame_only_is_refused(tmp_path):
    """``attention_type="space_only"`` runs each frame as its own sequence with its own CLS token: the "clip"
    embedding would be one frame's. Mutation audit (third pass): the refusal dropped passed."""
    config = get_backbone_spec("tiny-random-timesformer").config
    config.attention_type = "space_only"
    config.save_pretrained(tmp_path)
    with pytest.raises(BGSInputError, match="attention_type 'space_only' is not supported"):
        get_backbone_spec(tmp_path)


def test_a_bundled_backbone_with_its_config_but_no_weights_is_missing(monkeypatch, tmp_path):
    """An install that kept ``config.json`` but not ``model.safetensors`` (a partial copy, LFS not pulled) is named
    missing before anything loads, not a spec whose weights fail later. Mutation audit (third pass): checking
    ``config.json`` alone passed (the existing test empties the whole assets folder)."""
    import shutil

    import bgs_hf.models.registry as reg

    (tmp_path / "bgs-tiny-videomae").mkdir()
    shutil.copy(ASSETS_DIR / "bgs-tiny-videomae" / "config.json", tmp_path / "bgs-tiny-videomae")
    monkeypatch.setattr(reg, "ASSETS_DIR", tmp_path)
    with pytest.raises(BGSInputError, match=r"'bgs-tiny-videomae' is missing \(expected config.json and "
                                            r"model.safetensors"):
        get_backbone_spec("bgs-tiny-videomae")


def test_a_windows_path_is_a_missing_folder_not_a_hub_id(monkeypatch):
    """``models\\mine`` (a Windows path) has no ``/`` but can be no Hub repo: a missing folder, said without a Hub
    lookup. Mutation audit (third pass): without the backslash rule it went to the Hub and came back as a mistyped
    registry name."""
    import bgs_hf.models.registry as reg

    monkeypatch.setattr(reg, "hub_unreachable", lambda: pytest.fail("a path was looked up on the Hub"))
    with pytest.raises(BGSInputError, match=r"models\\mine: no such backbone folder \(and not a Hub id\)"):
        get_backbone_spec("models\\mine")


@pytest.mark.parametrize("name", ["runs\\demo\\bgs", "runs\\demo/bgs", "runs/demo\\bgs", "runs\\bgs"])
def test_a_windows_path_given_as_a_saved_model_is_a_missing_folder_without_a_hub_lookup(monkeypatch, tmp_path, name):
    """``load_model("runs\\demo/bgs")`` (a Windows path, pasted or half retyped) was taken for a Hub repo id and
    refused as a malformed one ("Repo id must use alphanumeric chars"), where the backbone registry calls any name with
    a backslash a path. Both now decide by one rule: a missing folder, as typed, and no Hub lookup."""
    import huggingface_hub

    import bgs_hf.models.loading as loading

    def no_lookup(*args: object, **kwargs: object) -> None:
        pytest.fail("a Windows path was looked up on the Hub")

    monkeypatch.setattr(loading, "hub_unreachable", no_lookup)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_lookup)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_lookup)
    monkeypatch.chdir(tmp_path)  # no runs/demo/bgs here (a demo run in the working folder would be pointed to)
    with pytest.raises(BGSInputError) as err:
        load_model(name)
    assert str(err.value) == f"{name}: not a BGS model folder or Hub repo id"
    assert loading.saved_model_folder(name) is None


@pytest.mark.parametrize("name", ["runs\\demo\\bgs", "runs\\demo/bgs", "runs\\demo\\bgz"])
def test_a_windows_path_of_a_folder_that_exists_with_slashes_points_to_it(monkeypatch, tmp_path, name):
    """``load_model("runs\\demo\\bgs")`` (a Windows path pasted on Linux, where ``runs/demo/bgs`` exists) was refused
    as a missing folder without naming the folder it means; so were ``evaluate --model`` and ``train --backbone``
    (the registry's "no such backbone folder"). Each now says "(did you mean 'runs/demo/bgs'?)"."""
    import bgs_hf.models.loading as loading

    monkeypatch.setattr(loading, "hub_unreachable", lambda: pytest.fail("a Windows path was looked up on the Hub"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "demo" / "bgs").mkdir(parents=True)
    with pytest.raises(BGSInputError) as err:
        load_model(name)
    assert str(err.value) == f"{name}: not a BGS model folder or Hub repo id (did you mean 'runs/demo/bgs'?)"
    assert loading.saved_model_folder(name) is None
    with pytest.raises(BGSInputError, match=re.escape(f"{name}: no such backbone folder (did you mean "
                                                      "'runs/demo/bgs'?) (and not a Hub id)")):
        get_backbone_spec(name)


@pytest.mark.parametrize("name", ["runs\\demo\\bgs\\", "runs\\demo\\bgz\\", "~/runs/demo/bgz", "~\\runs\\demo\\bgz\\"])
def test_a_folder_path_with_a_trailing_slash_or_tilde_is_pointed_to_the_folder_as_typed(monkeypatch, tmp_path, name):
    """Mutation audit of f0b3a22: ``load_model("runs\\demo\\bgz\\")`` (a Windows path as a shell completes a
    folder, with its trailing backslash) gave no did-you-mean though ``runs/demo/bgs`` exists, nor did ``--backbone``;
    ``~/runs/demo/bgz`` is pointed to ``~/runs/demo/bgs`` as typed, not to the expanded home folder."""
    import bgs_hf.models.loading as loading

    monkeypatch.setattr(loading, "hub_unreachable", lambda: pytest.fail("a path was looked up on the Hub"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "runs" / "demo" / "bgs").mkdir(parents=True)
    meant = f"{'~/' if name.startswith('~') else ''}runs/demo/bgs"
    with pytest.raises(BGSInputError) as err:
        load_model(name)
    assert str(err.value).endswith(f": not a BGS model folder or Hub repo id (did you mean {meant!r}?)")
    with pytest.raises(BGSInputError, match=re.escape(f"{name}: no such backbone folder (did you mean {meant!r}?)")):
        get_backbone_spec(name)


@pytest.mark.parametrize(("name", "why"), [("org/a--b", "Cannot have -- or .. in repo_id"),
                                           ("runs/x..y", "Cannot have -- or .. in repo_id"),
                                           ("org/model.git", "Repo_id cannot end by '.git'")])
def test_a_name_huggingface_hub_refuses_as_a_repo_id_is_said_so_without_a_hub_lookup(monkeypatch, name, why):
    """``org/a--b`` (no such folder) is no repo id huggingface_hub takes: offline, `--backbone` told the user to
    `hf download org/a--b`, which can never work, and `load_model` (so `evaluate --model`) said "cannot download model
    repo 'org/a--b': HFValidationError" without the reason. Each now says why in one line, before any Hub lookup."""
    import bgs_hf.models.loading as loading
    import bgs_hf.models.registry as reg

    def no_lookup() -> None:
        pytest.fail("a name huggingface_hub refuses was looked up on the Hub")

    monkeypatch.setattr(reg, "hub_unreachable", no_lookup)
    monkeypatch.setattr(loading, "hub_unreachable", no_lookup)
    with pytest.raises(BGSInputError, match=rf"^backbone '{re.escape(name)}' is neither a folder here nor a Hub model "
                                            rf"id \(ORG/NAME\): {re.escape(why)}$"):
        get_backbone_spec(name)
    with pytest.raises(BGSInputError, match=rf"^model '{re.escape(name)}' is neither a folder here nor a Hub repo id "
                                            rf"\(ORG/NAME\): {re.escape(why)}$"):
        load_model(name)
    assert loading.saved_model_folder(name) is None  # `evaluate --model` goes on to read it as a backbone name


def test_a_backbone_folder_whose_config_is_not_json_is_one_line(tmp_path):
    """A truncated or hand-broken ``config.json`` is named with its path, not a JSONDecodeError traceback. Mutation
    audit (third pass): reading it without the check passed."""
    (tmp_path / "config.json").write_text('{"model_type": "videomae",')
    with pytest.raises(BGSInputError, match="invalid JSON") as err:
        get_backbone_spec(tmp_path)
    assert "config.json" in str(err.value)


def test_an_embedder_with_a_pooling_it_does_not_know_is_refused_when_built():
    """A spec edited to another pooling (``max``) would otherwise fall through to the per-frame branch and average
    CLS tokens of "frames" that are whole clips. Mutation audit (third pass): the check dropped passed."""
    import dataclasses

    spec = get_backbone_spec("tiny-random-videomae")
    with pytest.raises(ValueError, match="unknown pooling 'max'"):
        BGSEmbedder(spec.load_backbone(), dataclasses.replace(spec, pooling="max"))


def test_frames_without_three_colour_channels_are_refused_before_the_backbone():
    """A grey clip (1 channel) is named in the embedder's own words, with the shape it got, not a convolution's
    channel error from inside the backbone. Mutation audit (third pass): checking only the number of dimensions
    passed."""
    model = build_embedder("tiny-random-videomae", lora=None, head=None).eval()
    with pytest.raises(ValueError, match=r"pixel_values must be \(B, T, 3, H, W\), got \(1, 4, 1, 32, 32\)"):
        model(torch.zeros(1, 4, 1, 32, 32))


def test_checkpointing_every_true_layers_is_refused_not_read_as_one():
    """``every_n_layers=True`` (a flag's value where a count belongs) is a bool, which Python also counts as 1:
    refused by name rather than checkpointing every layer. Mutation audit (third pass): the bool check dropped
    passed (the existing test gives 0)."""
    model = build_embedder("tiny-random-videomae", lora=None, head=None)
    with pytest.raises(BGSInputError, match="every_n_layers must be an integer >= 1, got True"):
        model.activation_checkpointing_enable({"every_n_layers": True})


def test_checkpointing_every_n_layers_given_as_a_numpy_integer_is_taken():
    """``every_n_layers=np.int64(2)`` (a count read from an array) is a whole number, as ``bgs_hf.errors.is_whole``
    says everywhere else: the first of the tiny VideoMAE's two layers is checkpointed (was: refused as "must be an
    integer >= 1, got np.int64(2)"); 2.0 is still refused."""
    model = build_embedder("tiny-random-videomae", lora=None, head=None)
    model.activation_checkpointing_enable({"every_n_layers": np.int64(2)})
    assert [layer.gradient_checkpointing for layer in model.backbone.encoder.layer] == [True, False]
    with pytest.raises(BGSInputError, match=r"every_n_layers must be an integer >= 1, got 2\.0"):
        model.activation_checkpointing_enable({"every_n_layers": 2.0})


@pytest.mark.parametrize(("lora", "written"), [(None, {"bgs_config.json", "head.safetensors", "base"}),
                                               (LoraSettings(), {"bgs_config.json", "adapter_config.json", "base"})])
def test_a_model_saved_from_another_process_than_the_main_one_writes_nothing(tmp_path, lora, written):
    """Under DDP every rank calls ``save_pretrained`` with ``is_main_process``; only rank 0 may write, or the ranks
    write bgs_config.json, base/ and the weights into one folder at once. Mutation audit (third pass): the plain
    model, or a LoRA model's bgs files, written on every rank passed."""
    model = build_embedder("tiny-random-videomae", lora=lora, head=HeadConfig(out_dim=8))
    model.save_pretrained(str(tmp_path / "rank1"), is_main_process=False)
    assert list((tmp_path / "rank1").rglob("*")) == []  # (peft makes the folder on every rank, and leaves it empty)
    model.save_pretrained(str(tmp_path / "rank0"), is_main_process=True)
    assert written <= {p.name for p in (tmp_path / "rank0").iterdir()}


@pytest.mark.parametrize("name", ["no/such/run", "myrun"])
def test_a_saved_model_name_that_can_be_no_hub_repo_is_refused_without_a_hub_lookup(monkeypatch, name):
    """``load_model`` of a missing ``no/such/run`` (a folder path) or ``myrun`` is neither a folder nor an ORG/NAME
    repo id: one line at once, no download attempted. Mutation audit (third pass): taking any name with a slash for
    a repo id (``a/b/c`` looked up, then "cannot download") passed."""
    import bgs_hf.models.loading as loading

    monkeypatch.setattr(loading, "hub_unreachable", lambda: pytest.fail("looked up on the Hub"))
    with pytest.raises(BGSInputError, match=f"^{name}: not a BGS model folder or Hub repo id"):  # as typed, whole
        load_model(name)


def test_a_run_config_without_the_backbones_name_or_an_adapter_config_not_an_object_is_one_line(tmp_path):
    """bgs_config.json's backbone without ``name`` (or ``source``) was a KeyError deep in loading, and an
    adapter_config.json holding a list an AttributeError in peft. Mutation audit (third pass): both checks dropped
    passed (the damaged-folder test breaks other parts of these files)."""
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    cfg_path = tmp_path / "bgs_config.json"
    good = cfg_path.read_text()
    cfg = json.loads(good)
    del cfg["backbone"]["name"]
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(BGSInputError, match=r"incomplete bgs-hf model config \(missing name\)"):
        load_model(tmp_path)
    cfg_path.write_text(good)
    (tmp_path / "adapter_config.json").write_text("[]")
    with pytest.raises(BGSInputError, match="not a PEFT adapter config"):
        load_model(tmp_path)


def test_an_adapter_recorded_on_another_base_than_the_run_config_is_warned_about(tmp_path, caplog):
    """adapter_config.json's base and bgs_config.json's backbone disagree when files of two runs were mixed: the
    adapter still loads on the recorded backbone, with a warning naming both. Mutation audit (third pass): the
    warning dropped passed."""
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    path = tmp_path / "adapter_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "base_model_name_or_path": "org/other-base"}))
    with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
        load_model(tmp_path)
    assert "adapter was trained on org/other-base but bgs_config.json names tiny-random-videomae" in caplog.text


def test_an_adapter_of_another_backbone_is_refused_in_one_line_not_half_loaded(tmp_path):
    """An adapter whose files were mixed with another run's bgs_config.json. A VideoMAE adapter on a TimeSformer of the
    same width loaded silently (peft loads the weights whose names fit, `attention.output.dense`, `intermediate.dense`
    and `output.dense`, and drops VideoMAE's query/key/value): a model that is neither, said only by the name
    warning. An adapter whose targets match nothing in the backbone was peft's NoMatchingPeftModuleError, a line
    naming neither. Both are one line naming the backbone; an adapter of the same backbone under another recorded
    name still loads (the warning test above)."""
    import shutil

    for name in ("tiny-random-videomae", "tiny-random-timesformer", "tiny-random-vjepa2", "bgs-tiny-videomae"):
        build_embedder(name).save_pretrained(str(tmp_path / name))
    for base, says in (("tiny-random-timesformer", r"the adapter does not fit the backbone tiny-random-timesformer "
                        r"\(TimesformerModel\): \d+ weights for modules tiny-random-timesformer does not have \(first: "
                        r"backbone\.encoder\.layer\.0\.attention\.attention\.\w+\.lora_A\.weight\); it was trained on "
                        r"tiny-random-videomae \(are the adapter and bgs_config\.json from different runs\?\)$"),
                       ("tiny-random-vjepa2", r"the adapter's target modules match no module of the backbone "
                        r"tiny-random-vjepa2 \(VJEPA2Model\) that bgs_config\.json records: it was trained on "
                        r"tiny-random-videomae"),
                       # wider: it was "the base model folder ... changed since training; restore the base", which it
                       # had not
                       ("bgs-tiny-videomae", r"the adapter does not fit the backbone bgs-tiny-videomae \(VideoMAEModel\) "
                        r"\(first: backbone\.\S+ is \(8, 32\) in the adapter, \(8, 192\) in the base\); it was trained "
                        r"on tiny-random-videomae \(are the adapter")):
        for file in ("adapter_config.json", "adapter_model.safetensors"):
            shutil.copy(tmp_path / "tiny-random-videomae" / file, tmp_path / base / file)
        with pytest.raises(BGSInputError, match=f"^{re.escape(str(tmp_path / base))}: {says}") as err:
            load_model(tmp_path / base)
        assert "\n" not in str(err.value)


def test_an_adapter_both_stray_and_short_says_both_and_a_bare_mistyped_name_keeps_its_did_you_mean():
    """Mutation audit (e5ea38f..10f2f14): an adapter with weights for modules the backbone lacks and none for some
    it wraps (another family's, on a deeper base) names both counts, not the first alone; and a bare name
    huggingface_hub would refuse as a repo id ('videomae--base', no '/') is still a mistyped registry name with its
    did-you-mean, not "neither a folder here nor a Hub model id"."""
    from bgs_hf.models.embedder import _adapter_misfit

    model = build_embedder("tiny-random-videomae")
    said = _adapter_misfit(model, "default", ["base_model.model.backbone.a.lora_A.weight"],
                           ["base_model.model.backbone.b.lora_A.default.weight", "c"])
    assert said == ("the adapter does not fit the backbone tiny-random-videomae (VideoMAEModel): 1 weight for modules "
                    "tiny-random-videomae does not have (first: backbone.a.lora_A.weight) and 2 weights missing for "
                    "modules its targets match here (first: backbone.b.lora_A.default.weight); was the base replaced "
                    "since training, or are the adapter and bgs_config.json from different runs?")
    with pytest.raises(BGSInputError, match=r"^backbone 'videomae--base' is neither a registry name nor a folder here "
                                            r"\(did you mean 'videomae'\?\)"):
        get_backbone_spec("videomae--base")


def test_the_run_config_records_the_backbones_own_pooling(tmp_path):
    """bgs_config.json says how the clip embedding was read out for whoever reads the folder: TimeSformer's CLS token
    (``cls``), not the mean most families use. Mutation audit (third pass): a fixed ``mean`` passed."""
    build_embedder("tiny-random-timesformer").save_pretrained(str(tmp_path))
    cfg = json.loads((tmp_path / "bgs_config.json").read_text())
    assert (cfg["pooling"], cfg["backbone"]["pooling"]) == ("cls", "cls")


def test_restoring_plain_weights_from_a_lora_run_is_refused_by_name(tmp_path):
    """The Trainer restores an adapter-less model's checkpoint with ``restore_plain_weights``; a LoRA run's folder
    there is the wrong kind of model, said as such, not "no head.safetensors". Mutation audit (third pass): without
    the check the head file's absence was blamed."""
    from bgs_hf.models.loading import restore_plain_weights

    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    plain = build_embedder("tiny-random-videomae", lora=None)
    with pytest.raises(BGSInputError, match="holds a LoRA adapter, not an adapter-less model"):
        restore_plain_weights(plain, tmp_path)


@pytest.mark.parametrize("norm, shape", [(torch.nn.BatchNorm1d, (16,)), (torch.nn.BatchNorm2d, (16, 1, 1)),
                                         (torch.nn.BatchNorm3d, (16, 1, 1, 1))])
def test_liveness_holds_every_batchnorm_in_eval_mode_on_its_one_clip(norm, shape):
    """On the check's single clip a BatchNorm in train mode has one value per channel and raises; each kind is held
    in eval mode. Mutation audit (third pass): BatchNorm3d left out of the held layers passed."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Unflatten(1, shape), norm(16), torch.nn.Flatten(),
                               torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "4"]))
    assert len(assert_lora_live(model, torch.randn(1, 12))) == 2


def test_liveness_checks_the_active_adapter_not_one_added_beside_it():
    """A second, inactive adapter gets no gradient by design: the check reads each module's active adapter only.
    Mutation audit (third pass): reading every adapter (the last one added winning) reported the inactive one dead."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "2"]))
    model.add_adapter("other", LoraConfig(r=2, target_modules=["0", "2"]))
    assert model.active_adapter == "default"
    norms = assert_lora_live(model, torch.randn(1, 12))
    assert sorted(norms) == ["base_model.model.0", "base_model.model.2"] and min(norms.values()) > 0


def test_setting_timesformers_frames_counts_the_layers_it_changed():
    """Each of the tiny TimeSformer's 2 layers is set from its 4 frames to 6, and a second call changes none; the
    model's own config keeps 4 (its time embeddings'). Mutation audit (third pass): a count that stayed 0 passed."""
    from bgs_hf.models.patches import set_timesformer_frames

    model = get_backbone_spec("tiny-random-timesformer").load_backbone()
    assert set_timesformer_frames(model, 6) == 2 and set_timesformer_frames(model, 6) == 0
    assert model.config.num_frames == 4


def test_a_head_of_one_or_two_features_is_refused_for_it_embeds_a_constant_or_a_one_hot_vector():
    """The paper's head is Linear -> LayerNorm -> ReLU -> L2: a LayerNorm over 1 feature outputs its bias (every clip
    the same vector), over 2 it outputs (-1, 1) or (1, -1), so after ReLU and L2 every clip is one of two one-hot
    vectors, and no gradient reaches the backbone (``--head_dim 2``: every LoRA module reported dead, blamed on the
    targets). Fuzzing found both; 3 features is the narrowest head that embeds."""
    def head_grad(width: int) -> tuple[torch.Tensor, torch.Tensor]:
        torch.manual_seed(0)
        x = torch.randn(5, 8, requires_grad=True)
        out = nn.functional.normalize(nn.Sequential(nn.Linear(8, width), nn.LayerNorm(width), nn.ReLU())(x), dim=-1)
        return out.detach(), torch.autograd.grad((out * torch.randn(5, width)).sum(), x)[0]

    two, grad = head_grad(2)
    assert set(map(tuple, two.tolist())) == {(0.0, 1.0), (1.0, 0.0)}
    assert grad.abs().max() < 1e-8  # rounding only (LayerNorm's eps)
    assert head_grad(3)[1].abs().max() > 1e-2
    for width in (1, 2):
        with pytest.raises(BGSInputError, match=f"head out_dim must be >= 3, got {width}"):
            HeadConfig(out_dim=width)
    assert HeadConfig(out_dim=3).out_dim == 3


@pytest.mark.parametrize("make, match", [
    (lambda: LoraSettings(r=2.5), "LoRA rank r must be a whole number, got 2.5"),  # was torch's "tuple of ints"
    (lambda: LoraSettings(r=float("nan")), "LoRA rank r must be a whole number, got nan"),
    (lambda: LoraSettings(r="8"), "LoRA rank r must be a whole number, got '8'"),  # was "'<' not supported"
    (lambda: LoraSettings(alpha=float("inf")), "LoRA alpha must be a finite number > 0, got inf"),  # every emb NaN
    (lambda: LoraSettings(alpha="16"), "LoRA alpha must be a finite number > 0, got '16'"),
    # an OverflowError traceback from math.isfinite, where the other numeric settings give their one line
    (lambda: LoraSettings(alpha=10**400), f"^LoRA alpha must be a finite number > 0, got {10**400}$"),
    (lambda: LoraSettings(dropout=None), r"LoRA dropout must be a number in \[0, 1\), got None"),
    (lambda: LoraSettings(target_modules=["query", "value"]), "LoRA target_modules must be one regex"),
    (lambda: HeadConfig(out_dim=2.5), "head out_dim must be a whole number, got 2.5"),
    (lambda: HeadConfig(out_dim=float("nan")), "head out_dim must be a whole number, got nan"),
    (lambda: HeadConfig(dropout=None), r"head dropout must be a number in \[0, 1\), got None"),
])
def test_lora_and_head_settings_that_are_no_whole_or_finite_number_are_one_line(make, match):
    """Fuzzing the settings: each was accepted and failed later in torch or peft (``TypeError: empty(): argument
    'size' must be tuple of ints``, ``unhashable type: 'list'``, peft's usual list of names), or crashed in the check
    itself (``'<' not supported``, ``float() argument must be ... not 'NoneType'``); alpha inf scaled the zero lora_B
    to NaN, so every embedding was NaN without a word."""
    with pytest.raises(BGSInputError, match=match):
        make()


def test_a_whole_float_rank_width_or_frame_count_is_read_as_that_integer_and_a_fraction_is_refused():
    from bgs_hf.models.embedder import resolve_backbone

    assert (LoraSettings(r=4.0).r, HeadConfig(out_dim=16.0).out_dim) == (4, 16)
    assert type(LoraSettings(r=4.0).r) is int
    _, policy = resolve_backbone("tiny-random-vjepa2", num_frames=6.0)
    assert policy.num_frames == 6
    with pytest.raises(BGSInputError, match="num_frames must be a whole number, got 2.5"):  # was: read as 2
        resolve_backbone("tiny-random-clip", num_frames=2.5)


@pytest.mark.parametrize("family", ["vjepa2", "clip", "videomae"])
def test_frames_that_are_not_floats_are_refused_not_embedded_as_raw_values(family):
    """uint8 frames (0-255, not normalised): V-JEPA 2 and CLIP embedded them without a word, the others failed in
    torch (``Input type (unsigned char) and bias type (float) should be the same``)."""
    model = build_embedder(f"tiny-random-{family}", lora=None).eval()
    fp = model.frame_policy
    raw = torch.randint(0, 256, (1, fp.num_frames, 3, fp.crop, fp.crop), dtype=torch.uint8)
    with pytest.raises(ValueError, match="pixel_values must be a float tensor .* got torch.uint8"):
        model(raw)
    with pytest.raises(ValueError, match="got ndarray"):
        model(raw.float().numpy())


def test_a_clip_of_no_frames_is_refused_by_the_models_that_take_any_count():
    """A (B, 0, 3, H, W) input passed the frame check (0 is a multiple of every tubelet) and failed in torch:
    "Kernel size can't be greater than actual input size" (V-JEPA 2, bgs_conv3d), a reshape error (CLIP)."""
    for family in ("vjepa2", "clip", "bgs_conv3d"):
        model = build_embedder(f"tiny-random-{family}", lora=None).eval()
        with pytest.raises(ValueError, match="0 frames per clip; a clip needs at least one"):
            model(torch.randn(1, 0, 3, model.frame_policy.crop, model.frame_policy.crop))


def test_a_foreground_backbone_refuses_one_frame_per_clip(tmp_path):
    """The foreground stream is each frame's difference from the clip's median frame: of one frame it is all zeros,
    so every clip embedded alike and the first block's LoRA was reported dead, blamed on the targets (the default
    backbone at ``--num_frames 1``). Two frames are the fewest it can tell anything from."""
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel
    from bgs_hf.models.embedder import resolve_backbone
    from bgs_hf.video.foreground import ForegroundConfig, foreground_stream

    one_frame = torch.rand(2, 1, 16, 16, 3)
    assert not foreground_stream(one_frame, ForegroundConfig(max_shift=0, border=1)).any()
    config = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=2, image_size=16, input_stream="foreground",
                             foreground_max_shift=0, foreground_border=1)
    BGSConv3dModel(config).save_pretrained(tmp_path)
    with pytest.raises(BGSInputError, match="1 frame per clip, but its foreground stream"):
        resolve_backbone(str(tmp_path), num_frames=1)
    model = build_embedder(str(tmp_path), lora=None, head=None).eval()
    with pytest.raises(ValueError, match="1 frame per clip"):
        model(torch.randn(1, 1, 3, 16, 16))
    assert resolve_backbone(str(tmp_path), num_frames=2)[1].num_frames == 2
    get_backbone_spec("tiny-random-bgs_conv3d").check_frames(1)  # an RGB stream: one frame is an image


def test_a_foreground_backbone_called_directly_on_one_frame_refuses_it_as_bad_input(tmp_path):
    """The foreground stream's one-frame refusal is :class:`BGSInputError` from a directly called forward too, as
    every other frame refusal of ``check_frames`` (the attention analysis and the CLI note that type as the user's
    input, a bare ``ValueError`` as a fault)."""
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    config = BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=2, image_size=16, input_stream="foreground",
                             foreground_max_shift=0, foreground_border=1)
    BGSConv3dModel(config).save_pretrained(tmp_path)
    model = build_embedder(str(tmp_path), lora=None, head=None).eval()
    with pytest.raises(BGSInputError, match="1 frame per clip, but its foreground stream"), torch.no_grad():
        model(torch.randn(1, 1, 3, 16, 16))


def test_lora_targets_that_match_a_whole_block_say_so_not_that_they_match_nothing():
    """``encoder\\.layer\\.0\\.attention`` (or ``.*``) matches an attention block, which peft cannot wrap; the line said
    the targets "match no module", followed by the first line of the block's repr."""
    with pytest.raises(BGSInputError, match=r"match encoder\.layer\.0\.attention of tiny-random-videomae, a "
                                            r"VideoMAEAttention, which LoRA cannot adapt"):
        build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=r"encoder\.layer\.0\.attention"))
    with pytest.raises(BGSInputError, match="match no module of tiny-random-videomae"):
        build_embedder("tiny-random-videomae", lora=LoraSettings(target_modules=r"encoder\.layer\.9\.output\.dense"))


def test_a_batch_of_no_clips_is_one_line_for_every_family():
    """(0, T, 3, H, W) failed in a reshape inside VideoMAE's, V-JEPA 2's and CLIP's attention ("cannot reshape tensor
    of 0 elements ... ambiguous") while TimeSformer and bgs_conv3d returned (0, D): one line for all of them."""
    for family in ("videomae", "vjepa2", "clip", "timesformer", "bgs_conv3d"):
        model = build_embedder(f"tiny-random-{family}", lora=None).eval()
        fp = model.frame_policy
        empty = torch.randn(0, fp.num_frames, 3, fp.crop, fp.crop)
        for embed in (model, model.embed_layers):
            with pytest.raises(ValueError, match=r"pixel_values holds no clip: \(0, "):
                embed(empty)


def test_a_home_folder_of_a_user_that_does_not_exist_is_a_missing_folder():
    """``~models/run`` typed for ``~/models/run``: pathlib's ``RuntimeError: Could not determine home directory`` was
    the whole message, from the backbone registry and from load_model."""
    with pytest.raises(BGSInputError, match="~no_such_user_bgs/models/x: no such backbone folder"):
        get_backbone_spec("~no_such_user_bgs/models/x")
    with pytest.raises(BGSInputError, match="not a BGS model folder or Hub repo id"):
        load_model("~no_such_user_bgs/run")


@pytest.fixture(scope="module")
def saved_plain_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plain-clip")
    build_embedder("tiny-random-clip", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(folder))
    return folder


_DROP = object()  # a field left out of the record


def _edit_record(record: dict, where: str, value) -> None:
    *parents, key = where.split(".")
    for name in parents:
        record = record[name]
    if value is _DROP:
        del record[key]
    else:
        record[key] = value


@pytest.mark.parametrize("where, value, match", [
    ("backbone.input_key", _DROP, "backbone input_key is missing"),  # was KeyError: 'input_key'
    ("backbone.model_class", "nan", "backbone model_class 'nan' is not the clip family's CLIPVisionModel"),
    ("backbone.pooling", "mean", "backbone pooling 'mean' is not the clip family's frame-mean"),  # was: unpack error
    ("backbone.tubelet_size", 0, "backbone tubelet_size is 0, not a whole number >= 1"),  # was ZeroDivisionError
    ("backbone.image_size", [], r"backbone image_size is \[\], not a whole number >= 1"),  # was int() TypeError
    ("backbone.processor_config", True, "backbone processor_config is True, not an object"),
    ("backbone.base_folder", 1.5, "backbone base_folder must be a folder name, got 1.5"),  # was PosixPath / float
    ("backbone.family", [1], r"unknown backbone family \[1\]"),  # was unhashable type: 'list'
    ("head", "mean", "head must be an object or null, got 'mean'"),  # was 'str' object has no attribute 'items'
    ("head.out_dim", _DROP, "/run: head.safetensors does not fit the head bgs_config.json records"),  # torch's report
    ("frame_policy.crop", "cls", "frame_policy cannot be read"),  # was int()'s "invalid literal"
    # size 32.5 loaded as a 32-px policy; 2.5 frames were one line that did not name the file
    ("frame_policy.size", 32.5, r"^bgs_config\.json: frame_policy cannot be read \(FramePolicy\.size must be a whole "
                                r"number, got 32\.5\)$"),
    ("frame_policy.num_frames", 2.5, r"^bgs_config\.json: frame_policy cannot be read \(FramePolicy\.num_frames must "
                                     r"be a whole number, got 2\.5\)$"),
    ("frame_policy.crop", 16, "frame_policy crops 16 px but the backbone takes 32 px"),  # was refused per clip
    ("backbone_weights", [1], r"backbone_weights must be a file name, got \[1\]"),
])
def test_a_hand_edited_run_record_is_one_line_naming_the_field(saved_plain_clip, tmp_path, where, value, match):
    """Fuzzing bgs_config.json (one value dropped, retyped or replaced) reached KeyError, TypeError, AttributeError,
    ZeroDivisionError and torch's state_dict report from deep inside load_model; read_bgs_config checked only the
    family, name, source and frame_policy."""
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(saved_plain_clip, folder)
    record = json.loads((folder / "bgs_config.json").read_text())
    _edit_record(record, where, value)
    (folder / "bgs_config.json").write_text(json.dumps(record))
    with pytest.raises(BGSInputError, match=match):
        load_model(folder)


def test_a_run_record_with_its_versions_edited_away_still_loads(saved_plain_clip, tmp_path):
    """``versions`` is only read to warn: a list or a number there was ``AttributeError: ... has no attribute 'get'``
    (or ``'split'``)."""
    import shutil

    for versions in ([1], {"peft": True, "transformers": -1}):
        folder = tmp_path / f"run-{type(versions).__name__}"
        shutil.copytree(saved_plain_clip, folder)
        record = json.loads((folder / "bgs_config.json").read_text())
        record["versions"] = versions
        (folder / "bgs_config.json").write_text(json.dumps(record))
        assert load_model(folder).embedding_dim == 8


@pytest.mark.parametrize("processor, match", [
    (-1, "preprocessor_config.json: not a processor config \\(a JSON object\\), got int"),  # 'int' is not iterable
    (["a", "b", "c"], "not a processor config \\(a JSON object\\), got list"),  # dict update sequence element
    ({"size": {"shortest_edge": "a"}},
     "its processor config cannot be read \\(processor size shortest_edge must be a whole number, got 'a'\\)"),
    ({"crop_size": 0, "size": 18}, "its processor config cannot be read \\(FramePolicy.crop must be >= 1, got 0\\)"),
    ({"image_std": None}, "its processor config cannot be read \\(FramePolicy.std needs 3 numbers"),
])
def test_a_backbone_folder_whose_processor_config_cannot_be_read_is_one_line_naming_it(tmp_path, processor, match):
    """Fuzzing a local backbone's preprocessor_config.json: a number or list failed in FramePolicy (``'int' object is
    not iterable``), a value that is no size in ``int()`` or FramePolicy's own ValueError, none naming the backbone."""
    from bgs_hf.models.embedder import resolve_backbone

    cfg = transformers.VideoMAEConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                                      image_size=16, patch_size=8, num_frames=2, tubelet_size=2)
    transformers.VideoMAEModel(cfg).save_pretrained(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(processor))
    with pytest.raises(BGSInputError, match=match):
        resolve_backbone(str(tmp_path))


def _tiny_videomae_folder(folder) -> dict:
    """A local VideoMAE backbone folder (no processor config); returns its config.json as a dict."""
    cfg = transformers.VideoMAEConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                                      image_size=16, patch_size=8, num_frames=2, tubelet_size=2)
    transformers.VideoMAEModel(cfg).save_pretrained(folder)
    return json.loads((folder / "config.json").read_text())


@pytest.mark.parametrize("edit, match", [
    (lambda raw: [1, 2], r"config\.json: not a model config \(a JSON object\), got list"),  # 'list' has no 'get'
    # transformers' multi-line StrictDataclassFieldValidationError, naming no file
    (lambda raw: {**raw, "num_frames": None}, r"config\.json: not a valid videomae config \(Validation error for field "
                                              r"'num_frames': TypeError: Field 'num_frames' expected int, got NoneType"),
    (lambda raw: {**raw, "tubelet_size": 0}, "its config's tubelet_size is 0; a videomae model needs 1 or more"),  # ÷ 0
    (lambda raw: {**raw, "num_frames": 0}, "its config's num_frames is 0; a videomae model needs 1 or more"),
    (lambda raw: {**raw, "image_size": -16}, "its config's image_size is -16; a videomae model needs 1 or more"),
], ids=["list", "null-frames", "tubelet-0", "frames-0", "image-negative"])
def test_a_backbone_folder_whose_config_json_cannot_be_read_is_one_line_naming_it(tmp_path, edit, match):
    """Fuzzing a local backbone's config.json: a list was ``AttributeError: 'list' object has no attribute 'get'``, a
    field of another type transformers' multi-line validation report, a tubelet of 0 a ZeroDivisionError when the
    embedder checked its frames and 0 frames blamed on a processor config the folder does not have."""
    raw = _tiny_videomae_folder(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(edit(raw)))
    with pytest.raises(BGSInputError, match=match):
        build_embedder(str(tmp_path), lora=None, head=HeadConfig(out_dim=8))


@pytest.mark.parametrize("edit, match", [
    ({"num_attention_heads": 3}, r"\(ValueError: The hidden size 16 is not a multiple of the number of attention heads"),
    ({"hidden_act": "bogus"}, r"\(KeyError: 'bogus'\)"),
    ({"patch_size": 0}, r"\(ZeroDivisionError: "),  # divided by in the patch embedding's size
], ids=["heads", "act", "patch"])
def test_a_backbone_folder_whose_config_json_the_model_cannot_be_built_from_is_one_line(tmp_path, capsys, edit, match):
    """Values transformers checks only in the model's constructor (heads not dividing the hidden size) or looks up
    there (an unknown ``hidden_act``) were its traceback from ``bgs-hf evaluate --model DIR``, naming no file; now
    one ``error:`` line (exit 2) naming the folder and its config.json."""
    from bgs_hf.cli.main import main

    raw = _tiny_videomae_folder(tmp_path / "bb")
    (tmp_path / "bb" / "config.json").write_text(json.dumps({**raw, **edit}))
    with pytest.raises(BGSInputError, match=r"bb: cannot build VideoMAEModel from its config\.json " + match):
        build_embedder(str(tmp_path / "bb"), lora=None, head=HeadConfig(out_dim=8))
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data = generate_socialshapes(tmp_path / "ss", n_clips=10, seed=0, config=SynthConfig(num_frames=4, size=16))
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data), "--model", str(tmp_path / "bb"), "--split", "train"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.splitlines()[-1].startswith(f"error: {tmp_path / 'bb'}: cannot build"), err


def test_a_hub_backbones_constructor_error_is_not_said_as_a_local_config_json(tmp_path, monkeypatch):
    """Only a local folder's constructor error is rewritten as its config.json's: a Hub checkpoint's (resolved from
    its own config there) stays transformers' own, so no line names a config.json the user never had; and our own
    one-line refusal raised during the build is not reworded as the config's fault."""
    import bgs_hf.models.registry as registry
    from bgs_hf.models.embedder import resolve_backbone

    _tiny_videomae_folder(tmp_path / "bb")
    local_spec, _ = resolve_backbone(str(tmp_path / "bb"))
    hub_spec = copy.copy(local_spec)
    hub_spec.path, hub_spec.revision = None, None

    class Unbuildable:
        @staticmethod
        def from_pretrained(*_, **__):
            raise ValueError("the hidden size is not a multiple of the number of attention heads")

    monkeypatch.setattr(registry, "hub_unreachable", lambda: None)
    with pytest.raises(ValueError, match="^the hidden size is not") as raised:
        hub_spec._load_checkpoint(Unbuildable)
    assert not isinstance(raised.value, BGSInputError)
    with pytest.raises(BGSInputError, match=r"cannot build VideoMAEModel from its config\.json \(ValueError: the"):
        local_spec._load_checkpoint(Unbuildable)

    class RefusedByUs:  # our own one-line refusal from inside the build (a patch's check) is kept as it was said
        @staticmethod
        def from_pretrained(*_, **__):
            raise BGSInputError("tiny: 3 frames per clip; this model takes 2")

    with pytest.raises(BGSInputError, match="^tiny: 3 frames per clip; this model takes 2$"):
        local_spec._load_checkpoint(RefusedByUs)


def test_a_saved_run_whose_base_config_json_cannot_be_read_is_one_line(tmp_path):
    """base/config.json with a field of another type was transformers' multi-line validation report."""
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(tmp_path))
    raw = json.loads((tmp_path / "base" / "config.json").read_text())
    (tmp_path / "base" / "config.json").write_text(json.dumps({**raw, "num_frames": "4"}))
    with pytest.raises(BGSInputError, match=r"cannot load the base model from .*base \(StrictDataclassFieldValidation"
                                            r"Error: Validation error for field 'num_frames':\)") as err:
        load_model(tmp_path)
    assert str(err.value).startswith(f"{tmp_path}: ")


@pytest.mark.parametrize("name", [None, 5, ["models/mine"]])
def test_a_run_record_naming_its_local_base_by_no_string_is_one_line_when_loaded_or_checked(tmp_path, name):
    """The recorded name of a local base is the folder it is reloaded from: read as a path before the record was
    checked, ``None`` or a number was ``TypeError: expected str, bytes or os.PathLike object`` from load_model and
    from ``bgs-hf push``'s folder check."""
    from bgs_hf.models.loading import check_saved_model

    _tiny_videomae_folder(tmp_path / "local")
    run = tmp_path / "run"
    build_embedder(str(tmp_path / "local"), lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    record = json.loads((run / "bgs_config.json").read_text())
    assert record["backbone"]["source"] == "local"
    record["backbone"]["name"] = name
    (run / "bgs_config.json").write_text(json.dumps(record))
    match = rf"bgs_config\.json: backbone name is {re.escape(repr(name))}, not a string"
    with pytest.raises(BGSInputError, match=match):
        check_saved_model(run)
    with pytest.raises(BGSInputError, match=match):
        load_model(run)


@pytest.mark.parametrize("damaged", ["config.json", "preprocessor_config.json", "bgs_config.json"])
def test_a_backbone_or_run_json_file_that_is_not_utf8_is_one_line_naming_it(tmp_path, damaged):
    """A byte no UTF-8 text has in a backbone's config.json or preprocessor_config.json, or in a run's
    bgs_config.json, was the codec's bare ``UnicodeDecodeError``, naming no file (only adapter_config.json's was
    caught)."""
    _tiny_videomae_folder(tmp_path / "local")
    (tmp_path / "local" / "preprocessor_config.json").write_text(json.dumps({"size": {"shortest_edge": 18},
                                                                             "crop_size": 16}))
    run = tmp_path / "run"
    build_embedder(str(tmp_path / "local"), lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    path = (run if damaged == "bgs_config.json" else tmp_path / "local") / damaged
    path.write_bytes(path.read_bytes().replace(b"{", b"{\xff", 1))
    with pytest.raises(BGSInputError, match=rf"^{re.escape(damaged)}: not UTF-8 text \(byte 1\)$") as err:
        if damaged == "bgs_config.json":
            load_model(run)
        else:
            get_backbone_spec(str(tmp_path / "local"))
    assert err.value.path == path


def test_a_lora_run_whose_adapter_peft_wrote_as_a_bin_file_still_loads(tmp_path):
    """PEFT writes ``adapter_model.bin`` when saving without safetensors: the folder check takes either file
    (:data:`~bgs_hf.models.loading.ADAPTER_WEIGHTS`), so such a run loads, not refused as missing its weights."""
    from safetensors.torch import load_file

    model = build_embedder("tiny-random-videomae")
    x, ref = _stepped_with_reference(model)
    model.save_pretrained(str(tmp_path))
    weights = tmp_path / "adapter_model.safetensors"
    torch.save(load_file(str(weights)), tmp_path / "adapter_model.bin")
    weights.unlink()
    with torch.no_grad():
        assert torch.equal(load_model(tmp_path)(x), ref)


def test_an_error_loading_the_adapter_that_is_no_state_dict_report_is_not_blamed_on_the_base(tmp_path, monkeypatch):
    """Only torch's ``Error(s) in loading state_dict`` report means the base changed since training; another
    RuntimeError (out of memory, a CUDA fault) is raised as it is, not dressed as a replaced base folder."""
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))

    def out_of_memory(*_a, **_kw):
        raise RuntimeError("CUDA error: out of memory")

    monkeypatch.setattr(BGSPeftModel, "from_pretrained", out_of_memory)
    with pytest.raises(RuntimeError, match="^CUDA error: out of memory$") as err:
        load_model(tmp_path)
    assert not isinstance(err.value, BGSInputError)


def test_a_backbone_folder_given_relative_is_recorded_absolute_so_the_run_loads_from_any_folder(tmp_path, monkeypatch):
    """A saved run reloads a local base from the folder it records: recorded as typed (``models/mine``), the run
    loaded only from the folder it was trained in."""
    _tiny_videomae_folder(tmp_path / "models" / "mine")
    monkeypatch.chdir(tmp_path)
    model = build_embedder("models/mine", lora=None, head=HeadConfig(out_dim=8))
    folder = str((tmp_path / "models" / "mine").resolve())
    assert model.spec.name == folder
    model.save_pretrained(str(tmp_path / "run"))
    monkeypatch.chdir(tmp_path / "models")
    assert load_model(tmp_path / "run").spec.path == folder


def test_an_empty_backbone_name_is_refused_not_taken_for_the_working_folder(tmp_path, monkeypatch):
    """``--backbone ""`` (an unset shell variable) was ``Path("")``, the working folder: elsewhere refused as
    ``<folder>: no config.json in backbone folder``, naming a folder the user never typed; inside a backbone folder,
    that model loaded without a word."""
    _tiny_videomae_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError, match=r"^backbone '' is neither a registry name nor a folder here; registry "
                                            r"names: \[.*'bgs-tiny-conv3d-fg'\]; a Hub model is named ORG/NAME$"):
        get_backbone_spec("")


# --- mutation audit (models: embedder, liveness, patches, conv3d), fourth pass ---


def test_the_trainable_parameters_the_forward_skips_are_named_whatever_they_are():
    """What DDP's ``find_unused_parameters`` is decided by: a trainable parameter the forward never reaches is named,
    LoRA or not (here V-JEPA 2's predictor, unfrozen by hand). Mutation audit (fourth pass): every test saw an empty
    list, so a check that named unreached LoRA weights alone passed."""
    from bgs_hf.models.liveness import unreached_parameters

    model = build_embedder("tiny-random-vjepa2", lora=None)
    model.backbone.predictor.requires_grad_(True)
    skipped = [n for n, _ in model.named_parameters() if n.startswith("backbone.predictor.")]
    assert skipped and unreached_parameters(model, _clips(model, 1)) == skipped


@pytest.mark.parametrize("name", ["tiny-random-videomae", "tiny-random-bgs_conv3d"])
def test_activation_checkpointing_turned_off_again_is_off_in_every_layer(name):
    """``activation_checkpointing_disable`` (and its older name) undoes the enable in each checkpointed layer.
    Mutation audit (fourth pass): no test turned it off, so a disable that did nothing passed."""
    model = build_embedder(name, lora=None, gradient_checkpointing=True)
    layers = [m for m in model.backbone.modules() if hasattr(m, "gradient_checkpointing")]
    assert layers and model.is_activation_checkpointing
    model.activation_checkpointing_disable()
    assert not model.is_activation_checkpointing and not any(m.gradient_checkpointing for m in layers)
    model.gradient_checkpointing_enable()
    assert model.is_gradient_checkpointing
    model.gradient_checkpointing_disable()
    assert not model.is_gradient_checkpointing


def test_liveness_checks_only_the_layers_that_carry_the_active_adapter():
    """An active adapter on some of the first adapter's layers: the check reads those layers, and the others, whose
    active adapter they do not carry, are passed over. Mutation audit (fourth pass): every adapter in the tests
    covered the same layers, so a check that looked the adapter up in every layer (a ``KeyError`` here) passed."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["0", "2"]))
    model.add_adapter("other", LoraConfig(r=2, target_modules=["2"]))
    model.set_adapter("other")
    norms = assert_lora_live(model, torch.randn(1, 12))
    assert list(norms) == ["base_model.model.2"] and norms["base_model.model.2"] > 0


def test_saving_a_lora_run_asks_the_hub_nothing(tmp_path, monkeypatch):
    """A vision backbone has no token embeddings to save: peft's ``save_embedding_layers="auto"`` looked the base up on
    the Hub (a DNS failure warned at every checkpoint offline). Mutation audit (fourth pass): leaving peft's default
    passed, the lookup's failure being a warning only."""
    import peft.utils.save_and_load as peft_saving

    def no_lookup(*args, **kwargs):
        raise AssertionError(f"Hub lookup {args}")

    monkeypatch.setattr(peft_saving, "check_file_exists_on_hf_hub", no_lookup)
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path))
    assert (tmp_path / "adapter_model.safetensors").is_file()


def test_the_weights_sample_sees_a_change_below_any_tolerance():
    """Bit for bit: every weight scaled by 1 + 1e-6 (a step at a tiny learning rate) is a changed backbone, saved.
    Mutation audit (fourth pass): comparing with ``allclose`` passed, the one dense change tested moving a weight of 0."""
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]))
        before = weights_sample(lin)
        lin.weight.mul_(1 + 1e-6)
    assert not same_weights(weights_sample(lin), before)


def test_freezing_the_skipped_modules_counts_only_what_it_froze():
    """``freeze_skipped_modules`` returns how many trainable values it froze: 0 on a model already frozen there, the
    predictor's size once it was made trainable. Mutation audit (fourth pass): counting every predictor value passed."""
    from bgs_hf.models.embedder import freeze_skipped_modules

    model = build_embedder("tiny-random-vjepa2", lora=None)
    assert freeze_skipped_modules(model) == 0
    model.backbone.predictor.requires_grad_(True)
    assert freeze_skipped_modules(model) == sum(p.numel() for p in model.backbone.predictor.parameters()) > 0
    assert not any(p.requires_grad for p in model.backbone.predictor.parameters())


def test_an_anchor_on_a_later_alternative_is_told_to_drop_the_anchors_too():
    """``other|^encoder...$``: the anchors of any alternative, not the first alone, are why nothing matched. Mutation
    audit (fourth pass): looking for an anchor at the start of the regex alone passed."""
    with pytest.raises(BGSInputError, match=r"match no module .*drop the \^ and \$ anchors"):
        build_embedder("tiny-random-videomae",
                       lora=LoraSettings(target_modules=r"no_such_module|^encoder\.layer\.0\.output\.dense$"))


def test_targets_matching_a_predictor_block_and_its_layers_count_the_layers_alone():
    """A regex matching a predictor block as well as its linear layers is refused naming the layers (modules with
    weights of their own), not the block around them. Mutation audit (fourth pass): counting every matched module
    passed, no tested regex matching a block."""
    with pytest.raises(BGSInputError, match=r"match 2 layers of tiny-random-vjepa2's predictor \(first: "
                                            r"predictor\.layer\.0\.attention\.query\)"):
        build_embedder("tiny-random-vjepa2",
                       lora=LoraSettings(target_modules=r"predictor\.layer\.\d+(\.attention\.(query|value))?"))


#: what ``load_model`` of a Hub name the cache lacks adds under HF_HUB_OFFLINE (the hub_cache fixture sets it)
_HF_HUB_OFFLINE_ADVICE = (" (not in the local Hugging Face cache, and HF_HUB_OFFLINE is set: download it where there is "
                          "network (`hf download {}`) and copy the cache, or pass the model's folder)")


def test_load_model_of_a_mistyped_run_folder_says_it_may_be_one(hub_cache, tmp_path, monkeypatch):
    """``load_model("runs/sss")`` for ``runs/ss`` (the README's ``bgs_hf.load_model("runs/demo/bgs")``, and `bgs-hf
    space --model`) was read as a Hub repo id and said only "cannot download model repo 'runs/sss':
    LocalEntryNotFoundError", where `evaluate --model` and `--backbone` name the folder that may be mistyped."""
    import huggingface_hub

    import bgs_hf.models.loading as loading

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(BGSInputError) as err:
        load_model("runs/sss")  # offline, not cached
    assert str(err.value) == ("cannot download model repo 'runs/sss': LocalEntryNotFoundError; runs/ is a folder "
                              "here, so runs/sss may be a mistyped folder" + _HF_HUB_OFFLINE_ADVICE.format("runs/sss"))
    with pytest.raises(BGSInputError) as err:
        load_model("org/sss")  # no org/ here: no folder to name
    assert str(err.value) == ("cannot download model repo 'org/sss': LocalEntryNotFoundError"
                              + _HF_HUB_OFFLINE_ADVICE.format("org/sss"))

    def no_such_repo(repo_id, filename, **_kw):
        raise RuntimeError("404 Repository Not Found")

    monkeypatch.setattr(loading, "hub_unreachable", lambda: None)  # online: the Hub's own refusal
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_such_repo)
    with pytest.raises(BGSInputError) as err:
        load_model("runs/sss")
    assert str(err.value) == ("cannot download model repo 'runs/sss': RuntimeError; runs/ is a folder here, so "
                              "runs/sss may be a mistyped folder")


def test_load_model_offline_names_the_folder_meant_and_without_the_hub_what_to_do(hub_cache, tmp_path, monkeypatch):
    """Follow-up to 1a7f94f: ``load_model("runs/sss")`` (and `bgs-hf space --model`) beside ``runs/ss`` said only
    that ``runs/`` is a folder here, not which folder was meant, as `data stats sss` does; and where the Hub's host
    cannot be reached, ``load_model("you/x")`` said "cannot download model repo 'you/x': LocalEntryNotFoundError"
    with no word of what to do, where a backbone named the same way is told to download it and copy the cache."""
    import bgs_hf.models.loading as loading

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ss").mkdir(parents=True)
    with pytest.raises(BGSInputError) as err:
        load_model("runs/sss")  # HF_HUB_OFFLINE, not cached
    assert str(err.value) == ("cannot download model repo 'runs/sss': LocalEntryNotFoundError (did you mean 'runs/ss'?)"
                              + _HF_HUB_OFFLINE_ADVICE.format("runs/sss"))
    monkeypatch.setattr(loading, "hub_unreachable", lambda: "huggingface.co")  # its name does not resolve here
    with pytest.raises(BGSInputError) as err:
        load_model("you/x")
    assert str(err.value) == (
        "cannot download model repo 'you/x': LocalEntryNotFoundError (not in the local Hugging Face cache, and "
        "huggingface.co cannot be reached: download it where there is network (`hf download you/x`) and copy the "
        "cache, or pass the model's folder)")


def test_load_model_of_an_uncached_hub_name_under_hf_hub_offline_says_what_to_do(hub_cache, monkeypatch):
    """With HF_HUB_OFFLINE=1 (how offline clusters run), ``load_model("you/x")`` said only "cannot download model repo
    'you/x': LocalEntryNotFoundError", where `--backbone you/x` and ``load_model`` with the Hub's host unreachable
    say what is missing and the `hf download` command (with the revision asked for). Without HF_HUB_OFFLINE a lookup
    that failed online is not said to be refused by it."""
    with pytest.raises(BGSInputError) as err:
        load_model("you/x")
    assert str(err.value) == ("cannot download model repo 'you/x': LocalEntryNotFoundError"
                              + _HF_HUB_OFFLINE_ADVICE.format("you/x"))
    with pytest.raises(BGSInputError, match=r"\(`hf download you/x --revision v1`\)"):
        load_model("you/x", revision="v1")
    with pytest.raises(BGSInputError, match=r"not in the local Hugging Face cache while HF_HUB_OFFLINE is set: "
                                            r"download it where there is network \(`hf download you/x`\)"):
        get_backbone_spec("you/x")  # the backbone route, worded alike
    import huggingface_hub
    import huggingface_hub.constants as hub_constants
    from huggingface_hub.errors import LocalEntryNotFoundError

    import bgs_hf.models.loading as loading

    def connection_lost(repo_id, filename, **_kw):  # online, after huggingface_hub's retries
        raise LocalEntryNotFoundError("An error happened while trying to locate the files on the Hub")

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(loading, "hub_unreachable", lambda: None)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", connection_lost)
    with pytest.raises(BGSInputError) as err:
        load_model("you/x")
    assert str(err.value) == "cannot download model repo 'you/x': LocalEntryNotFoundError"  # HF_HUB_OFFLINE unset


def test_a_saved_bgs_model_given_as_the_backbone_names_its_base(tmp_path):
    """`bgs-hf train --backbone runs/ss` (a run folder, or an adapter `push --local-dir` staged, to train on from
    there) said "ss: no config.json in backbone folder", which named neither what the folder is nor what to pass. It
    now says both, naming the base the model was trained from (a run's bgs_config.json records it); a folder of
    neither kind keeps its line."""
    run = tmp_path / "ss"
    run.mkdir()
    (run / "bgs_config.json").write_text(json.dumps({"backbone": {"name": "bgs-tiny-conv3d-fg"}}))
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec(str(run))
    assert str(err.value) == (
        f"{run}: a saved BGS model (bgs_config.json: LoRA adapter and head), not a backbone: pass the base it was "
        "trained from, 'bgs-tiny-conv3d-fg', as the backbone (`--resume_from_checkpoint` goes on with a run in its "
        "own --output_dir; `bgs_hf.load_model` loads the model)")
    (run / "bgs_config.json").write_text("{")  # unreadable: the base is not named
    with pytest.raises(BGSInputError, match=r"not a backbone: pass the base it was trained from as the backbone \("):
        get_backbone_spec(str(run))
    (run / "bgs_config.json").unlink()
    with pytest.raises(BGSInputError, match="no config.json in backbone folder"):
        get_backbone_spec(str(run))


def test_a_saved_models_base_name_of_another_shape_goes_unnamed_and_a_file_is_no_mistyped_folder(
        hub_cache, tmp_path, monkeypatch):
    """Mutation audit of b667c49 (mutants that passed): a bgs_config.json whose ``backbone`` is a bare string (not
    the object bgs-hf writes) failed on ``"..."["name"]`` with a TypeError traceback, and a ``name`` of null was
    named ``None`` as the base to pass; the mistyped-folder hint taken for any owner that exists, so a FILE ``runs``
    was called a folder here. The base goes unnamed, and a file gets no hint."""
    run = tmp_path / "ss"
    run.mkdir()
    for backbone in ("bgs-tiny-conv3d-fg", {"name": None}):
        (run / "bgs_config.json").write_text(json.dumps({"backbone": backbone}))
        with pytest.raises(BGSInputError) as err:
            get_backbone_spec(str(run))
        assert "not a backbone: pass the base it was trained from as the backbone (" in str(err.value), backbone
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").write_text("not a folder")
    with pytest.raises(BGSInputError) as err:
        load_model("runs/sss")
    assert str(err.value) == ("cannot download model repo 'runs/sss': LocalEntryNotFoundError"
                              + _HF_HUB_OFFLINE_ADVICE.format("runs/sss"))


def _older_transformers_backbone(model: nn.Module, gradient_checkpointing_enable: object) -> None:
    """Give ``model``'s backbone the checkpointing API of a transformers before ``activation_checkpointing_enable``."""

    def missing(self: object) -> None:
        raise AttributeError("activation_checkpointing_enable")

    model.backbone.__class__ = type("OlderBackbone", (type(model.backbone),), {
        "activation_checkpointing_enable": property(missing),
        "gradient_checkpointing_enable": gradient_checkpointing_enable})


def test_checkpointing_settings_an_older_transformers_cannot_apply_are_refused_not_dropped():
    """was: on a transformers without ``activation_checkpointing_enable`` (the embedder falls back to
    ``gradient_checkpointing_enable``), ``every_n_layers`` was dropped without a word: every layer checkpointed. Now
    one line names it and the version; the plain call still checkpoints, non-reentrant, and a
    ``gradient_checkpointing_enable`` that takes ``every_n_layers`` gets it."""
    model = build_embedder("tiny-random-videomae", lora=None, head=None)
    calls: list = []
    _older_transformers_backbone(model, lambda self, gradient_checkpointing_kwargs=None:
                                 calls.append(gradient_checkpointing_kwargs))
    with pytest.raises(BGSInputError, match=rf"^activation checkpointing's every_n_layers: transformers "
                                            rf"{re.escape(transformers.__version__)} cannot apply it; upgrade"):
        model.activation_checkpointing_enable({"every_n_layers": 2})
    model.activation_checkpointing_enable()
    assert calls == [{"use_reentrant": False}]
    _older_transformers_backbone(model, lambda self, gradient_checkpointing_kwargs=None, every_n_layers=1:
                                 calls.append(every_n_layers))
    model.activation_checkpointing_enable({"every_n_layers": 2})
    assert calls[-1] == 2


@pytest.mark.parametrize("family", FAMILIES)
def test_every_lora_b_gets_gradient_under_activation_checkpointing_with_no_warning(family):
    """The embedder checkpoints each family's backbone non-reentrantly through ``activation_checkpointing_enable``:
    every ``lora_B`` gets a nonzero gradient in the training forward, with none of the warnings of the other paths
    (transformers' FutureWarning for ``gradient_checkpointing_enable``; torch's "None of the inputs have
    requires_grad=True", which is true there: reentrant checkpointing of a frozen backbone trains no LoRA weight)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_embedder(f"tiny-random-{family}", gradient_checkpointing=True)
        norms = assert_lora_live(model, _clips(model, 2))
    assert model.is_activation_checkpointing and len(norms) == len(lora_module_names(model)) > 0
    assert [str(w.message) for w in caught] == []


def test_checkpointing_on_an_older_transformers_asks_for_offload_too_and_a_kwargs_signature_gets_both():
    """Mutation audit (733ae6e): dropping ``offload`` from what the fallback asks of ``gradient_checkpointing_enable``,
    refusing a ``gradient_checkpointing_enable(**kwargs)`` that would take both, and "it" for two settings all passed
    (the test asked for ``every_n_layers`` alone, and offload is turned off before this where no accelerator is)."""
    from bgs_hf.models.embedder import _older_checkpointing_settings

    class Plain(nn.Module):
        def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs=None):
            pass

    class TakesAny(nn.Module):
        def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs=None, **kwargs):
            pass

    version = re.escape(transformers.__version__)
    with pytest.raises(BGSInputError, match=rf"^activation checkpointing's offload: transformers {version} cannot "
                                            r"apply it; upgrade transformers or leave it out$"):
        _older_checkpointing_settings(Plain(), 1, True)
    with pytest.raises(BGSInputError, match=rf"^activation checkpointing's every_n_layers and offload: transformers "
                                            rf"{version} cannot apply them; upgrade transformers or leave them out$"):
        _older_checkpointing_settings(Plain(), 3, True)
    assert _older_checkpointing_settings(Plain(), 1, False) == {}
    assert _older_checkpointing_settings(TakesAny(), 3, True) == {"every_n_layers": 3, "offload": True}


def test_a_hub_backbone_not_cached_with_hf_hub_offline_set_says_what_to_do(hub_cache, tmp_path, monkeypatch,
                                                                             capsys):
    """README: "vjepa2 downloads facebook/vjepa2-vitl-fpc64-256 from the Hub". With HF_HUB_OFFLINE=1 (how offline
    clusters run) and no cached copy, `--backbone vjepa2` (or `evaluate --model vjepa2`) said "cannot resolve
    backbone 'facebook/vjepa2-vitl-fpc64-256': not one of ['vjepa2', ...], ... the Hub lookup failed (OSError: We
    couldn't connect ...)": the name typed was in the list, and nothing said what to do, where an unreachable
    host (HF_HUB_OFFLINE unset) got the download advice. A cached config that fails to load keeps its own reason."""
    from bgs_hf.cli.main import main

    monkeypatch.chdir(tmp_path)
    ckpt = "facebook/vjepa2-vitl-fpc64-256"
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec("vjepa2")
    assert str(err.value) == (
        f"cannot resolve backbone '{ckpt}': not a folder here, and not in the local Hugging Face cache while "
        f"HF_HUB_OFFLINE is set: download it where there is network (`hf download {ckpt}`) and copy the cache, or "
        "pass a local folder written by save_pretrained")
    rc = main(["evaluate", "--data", "not-loaded", "--model", "vjepa2", "--report", "ev"])
    err_text = capsys.readouterr().err
    assert rc == 2 and err_text.count("\n") == 1 and f"`hf download {ckpt}`" in err_text, err_text
    assert "not one of" not in err_text and "not-loaded" not in err_text, err_text
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "config.json").write_text(json.dumps({"model_type": "no-such-model-type"}))
    hub_cache("org/odd", tmp_path / "odd")
    with pytest.raises(BGSInputError, match=r"cannot resolve backbone 'org/odd': not one of \[.*the Hub lookup "
                                            r"failed \(ValueError"):
        get_backbone_spec("org/odd")


def _cached_without_config(hub_cache, tmp_path) -> None:
    """The Hub repo ``you/notes`` in the cache with huggingface_hub's record that it has no config.json (its
    ``.no_exist/<commit>/config.json`` marker): a repo of notes, not a transformers model."""
    commit = "c" * 40
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("not a model")
    hub_cache("you/notes", tmp_path / "notes", commit)
    marker = tmp_path / "hub-cache" / "models--you--notes" / ".no_exist" / commit
    marker.mkdir(parents=True)
    (marker / "config.json").touch()


def test_a_hub_repo_the_cache_records_without_a_config_is_not_told_to_download_it(hub_cache, tmp_path,
                                                                                   monkeypatch):
    """A Hub repo with no config.json (not a transformers model: a dataset's files, a pushed adapter) leaves
    huggingface_hub's ``.no_exist/<commit>/config.json`` marker in the cache. Offline (HF_HUB_OFFLINE=1, or a Hub
    host that does not resolve), `--backbone you/notes` was told it is not cached and to `hf download` it, which
    fetches the same repo without a config.json again; now the cache's own record is said."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf.models import registry

    _cached_without_config(hub_cache, tmp_path)
    expected = ("cannot resolve backbone 'you/notes': the local Hugging Face cache records that the Hub repo has no "
                "config.json: not a transformers backbone; pass a local folder written by save_pretrained")
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec("you/notes")
    assert str(err.value) == expected
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(registry, "hub_unreachable", lambda: "huggingface.co")  # the lookups stay cache-only
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec("you/notes")
    assert str(err.value) == expected


def _refused_online(monkeypatch, tmp_path, name: str, answer: str) -> str:
    """``get_backbone_spec(name)``'s refusal with HF_HUB_OFFLINE unset and the Hub answering (stood in for: nothing
    leaves the machine) every config lookup with ``OSError(answer.format(repo))``."""
    import huggingface_hub.constants as hub_constants

    from bgs_hf.models import registry

    def refuse(repo, **_kw):
        raise OSError(answer.format(repo))

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(registry, "hub_unreachable", lambda: None)  # online: the Hub answers
    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", refuse)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError) as err:
        get_backbone_spec(name)
    return str(err.value)


def test_a_hub_backbone_the_hub_does_not_have_keeps_the_hubs_reason_without_hf_hub_offline(tmp_path, monkeypatch):
    """Mutant of 1a7f94f that passed: the HF_HUB_OFFLINE advice given whenever the config is not cached, whatever
    HF_HUB_OFFLINE is. Online, `--backbone org/no-such-model` (a typo of a Hub id) would be told "HF_HUB_OFFLINE is
    set" and to `hf download` it, where the Hub's own answer (no such repo) is what to read."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    text = _refused_online(monkeypatch, tmp_path, "org/no-such-model", "{} is not a local folder and is not a valid "
                           "model identifier listed on 'https://huggingface.co/models'")
    assert text.startswith("cannot resolve backbone 'org/no-such-model': not one of ["), text
    assert text.endswith("the Hub lookup failed (OSError: org/no-such-model is not a local folder and is not a valid "
                         "model identifier listed on 'https://huggingface.co/models')"), text


def test_load_model_with_the_hub_unreachable_asks_the_local_cache_alone(tmp_path, monkeypatch):
    """Mutant of 1b23da3 that passed: the Hub asked whatever hub_unreachable said (``cache_only = False``). With no
    route to the Hub and HF_HUB_OFFLINE unset, each lookup is then retried by huggingface_hub for 23 s before the
    one line comes."""
    import huggingface_hub
    import huggingface_hub.constants as hub_constants
    from huggingface_hub.errors import LocalEntryNotFoundError

    import bgs_hf.models.loading as loading

    asked: list[bool] = []

    def from_the_cache(repo_id, *_args, local_files_only=False, **_kw):
        asked.append(local_files_only)
        raise LocalEntryNotFoundError(f"{repo_id} is not in the local cache")  # nothing leaves the machine

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(loading, "hub_unreachable", lambda: "huggingface.co")
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", from_the_cache)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", from_the_cache)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError, match=r"huggingface\.co cannot be reached: download it where there is network"):
        load_model("you/x")
    assert asked and all(asked), asked


def test_load_model_of_a_revision_with_the_hub_unreachable_is_told_to_download_that_revision(tmp_path, monkeypatch):
    """``load_model("you/x", revision="v2")`` with the Hub's host unreachable was told to run `hf download you/x`,
    which fetches ``main``: the cache copied over still lacked ``v2`` and the same line came back."""
    import bgs_hf.models.loading as loading

    monkeypatch.setattr(loading, "hub_unreachable", lambda: "huggingface.co")  # HF_HUB_OFFLINE: nothing is asked
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError) as err:
        load_model("you/x", revision="v2")
    assert "(`hf download you/x --revision v2`)" in str(err.value), err.value
    with pytest.raises(BGSInputError) as err:
        load_model("you/x")
    assert "(`hf download you/x`)" in str(err.value), err.value


def test_online_a_hub_backbone_keeps_the_hubs_reason_over_an_old_no_config_record_in_the_cache(hub_cache, tmp_path,
                                                                                             monkeypatch):
    """Mutant of 4c77984 (and of b610824, the same line) that passed: the cache's ``.no_exist`` record of config.json
    consulted online too. The record is of the commit the cache last saw; online, the Hub's own answer is what to read: `--backbone you/notes` for a
    repo that has since gained a config.json but is gated (or the token lacks access) would be told "not a transformers
    backbone" instead of the Hub's 401/403."""
    _cached_without_config(hub_cache, tmp_path)
    text = _refused_online(monkeypatch, tmp_path, "you/notes",
                           "You are trying to access a gated repo. Access to model {} is restricted.")
    assert text.startswith("cannot resolve backbone 'you/notes': not one of ["), text
    assert text.endswith("the Hub lookup failed (OSError: You are trying to access a gated repo. Access to model "
                         "you/notes is restricted.)"), text


@pytest.mark.parametrize("damage", ["weights_missing", "incomplete_marker", "adapter_config_missing"])
def test_a_model_folder_load_model_refuses_is_named_as_given_not_by_its_last_part(tmp_path, damage: str) -> None:
    """A run folder's last part names one of many (a quickstart's run is always ``OUT/bgs``, a checkpoint
    ``checkpoint-N`` of any run): ``bgs: adapter_config.json but no adapter_model.safetensors`` said not which run's
    weights were lost, so load_model's refusals of a model folder name it whole, as its missing base/ already did.
    A LoRA run whose adapter_config.json was lost too (mutant of 53780d6 that passed: that refusal named ``bgs``)."""
    from test_hub import make_tiny_run

    from bgs_hf.models.loading import INCOMPLETE_MARKER

    run = make_tiny_run(tmp_path / "runs" / "demo" / "bgs")
    if damage == "weights_missing":
        (run / "adapter_model.safetensors").unlink()
    elif damage == "adapter_config_missing":
        (run / "adapter_config.json").unlink()
    else:
        (run / INCOMPLETE_MARKER).touch()
    with pytest.raises(BGSInputError) as info:
        load_model(run)
    assert str(info.value).startswith(f"{run}: ")


def test_a_file_given_as_a_saved_model_is_refused_as_no_folder_without_a_hub_lookup(tmp_path, monkeypatch):
    """Mutation audit of 2f66c0f: ``resolve_model_folder`` not asking whether the path exists passed. A file named
    like a repo id (``runs/adapter_model.safetensors``, the weights given for the run) was then looked up on the Hub
    and said "cannot download model repo" (or waited on the network), not that it is no model folder."""
    import bgs_hf.models.loading as loading

    monkeypatch.setattr(loading, "hub_unreachable", lambda: pytest.fail("looked up on the Hub"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "adapter_model.safetensors").write_bytes(b"")
    with pytest.raises(BGSInputError) as err:
        load_model("runs/adapter_model.safetensors")
    assert str(err.value) == "runs/adapter_model.safetensors: not a BGS model folder or Hub repo id"


def test_a_saved_model_given_as_the_backbone_by_a_relative_path_is_named_as_typed(tmp_path, monkeypatch):
    """Mutation audit of 2f66c0f: the saved-model refusal of ``--backbone`` naming the resolved folder, not the one
    given, passed (the tests gave absolute paths). ``--backbone runs/ss`` run from the project folder is named
    ``runs/ss``, as typed, not ``/home/.../project/runs/ss``, a path the user never typed."""
    run = tmp_path / "runs" / "ss"
    run.mkdir(parents=True)
    (run / "bgs_config.json").write_text(json.dumps({"backbone": {"name": "bgs-tiny-conv3d-fg"}}))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError, match=r"^runs/ss: a saved BGS model \(bgs_config\.json"):
        get_backbone_spec("runs/ss")
    (run / "bgs_config.json").unlink()
    with pytest.raises(BGSInputError, match=r"^runs/ss: no config\.json in backbone folder$"):
        get_backbone_spec("runs/ss")


def test_a_base_weight_of_another_shape_in_a_runs_base_names_the_run_folder_whole(tmp_path):
    """Mutation audit of 2f66c0f: the refusal of a checkpoint weight of another shape without ``whole=True`` passed
    (only the missing weight's was tested on a run's base). A run whose ``base/model.safetensors`` holds a weight of
    another shape said ``base: ...``, which every saved run has; it names ``runs/demo/bgs/base``, as its missing
    weight does."""
    from safetensors.torch import load_file, save_file

    run = tmp_path / "demo" / "bgs"
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    weights = load_file(str(run / "base" / "model.safetensors"))
    first = sorted(weights)[0]
    save_file({**weights, first: torch.cat([weights[first], weights[first][:1]])}, str(run / "base" / "model.safetensors"))
    with pytest.raises(BGSInputError, match=rf"^{re.escape(str(run / 'base'))}: 1 weight of tiny-random-videomae has "
                                            "another shape in its checkpoint"):
        load_model(run)


def test_a_pushed_model_load_model_refuses_is_named_by_its_repo_id_not_its_cache_folder(hub_cache, tmp_path):
    """``load_model("org/name")`` of a pushed model refused for a file of its own (its head file lost, a base weight
    missing) named the Hugging Face cache's snapshot folder, ``~/.cache/huggingface/hub/models--org--name/snapshots/
    <commit>``, a path the user never typed (before 2f66c0f its last part, the commit). It names the repo id, and a
    folder inside it by the repo id and its path there (``org/name/base``), as ``bgs-hf evaluate --model org/name`` and
    the Space, which load the snapshot folder, do too."""
    run = tmp_path / "run"
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    (run / "head.safetensors").unlink()
    hub_cache("org/name", run)
    snapshot = tmp_path / "hub-cache" / "models--org--name" / "snapshots" / ("0" * 40)
    for given in ("org/name", snapshot):
        with pytest.raises(BGSInputError) as err:
            load_model(given)
        assert str(err.value) == "org/name: model has a head but no adapter and no head.safetensors"
    (snapshot / "base" / "config.json").unlink()
    with pytest.raises(BGSInputError, match=r"^org/name: base/ \(the base the model was trained from\) is missing"):
        load_model("org/name")
    assert str(BGSInputError("x", path=snapshot / "base", whole=True)) == "org/name/base: x"
    assert str(BGSInputError("x", path=snapshot / "bgs_config.json")) == "bgs_config.json: x"  # a file: its name


def test_a_head_file_of_another_heads_layer_names_is_one_line_not_an_attribute_error(tmp_path):
    """Mutation audit of 2f66c0f: the head-width check taken for a head file that lacks the first layer (``saved is
    None or ...``) passed. A head.safetensors whose tensors are named as another head's (another run's, or renamed
    by hand) is the record's misfit, said in one line naming the folder whole; the mutant read ``None.shape``."""
    from safetensors.torch import load_file, save_file

    run = tmp_path / "demo" / "bgs"
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    head = load_file(str(run / "head.safetensors"))
    save_file({"other." + k: v for k, v in head.items()}, str(run / "head.safetensors"))
    with pytest.raises(BGSInputError, match=rf"^{re.escape(str(run))}: head\.safetensors does not fit the head "
                                            "bgs_config.json records"):
        load_model(run)


def test_a_pushed_models_warnings_and_base_refusals_name_it_by_its_repo_id_inside_the_line(hub_cache, tmp_path,
                                                                                          caplog, monkeypatch):
    """208edde named a pushed model by its repo id before the line, but the line itself still named the Hugging Face
    cache: ``load_model("org/name")`` warned ``/home/u/.cache/huggingface/hub/models--org--name/snapshots/<commit>
    was saved with peft ...`` and refused ``org/name: cannot load the base model from /home/u/.cache/.../base``, paths
    the user never typed. The version and other-weights warnings and the base refusals (damaged, of another width)
    name ``org/name`` and ``org/name/base``; a local folder stays named as typed (``run/base``)."""
    from bgs_hf.models.loading import write_base

    run = tmp_path / "run"
    build_embedder("tiny-random-videomae").save_pretrained(str(run))
    cfg = json.loads((run / "bgs_config.json").read_text())
    cfg["versions"]["peft"], cfg["base_fingerprint"] = "0.1.0", "another"
    (run / "bgs_config.json").write_text(json.dumps(cfg))
    hub_cache("org/name", run)
    with caplog.at_level(logging.WARNING, logger="bgs_hf.models.loading"):
        load_model("org/name")
    lines = [r.getMessage() for r in caplog.records if r.name == "bgs_hf.models.loading"]
    assert len(lines) == 2 and lines[0].startswith("org/name was saved with peft 0.1.0 but "), lines
    assert lines[1].startswith("org/name was trained on other weights than the base model folder org/name/base holds "
                               "now (same shapes"), lines
    config = transformers.VideoMAEConfig.from_pretrained(run / "base")
    config.hidden_size *= 2
    write_base(transformers.VideoMAEModel(config), run / "base")  # a base of another width
    hub_cache("org/name", run, "1" * 40)
    with pytest.raises(BGSInputError, match=r"^org/name: the base model folder org/name/base no longer matches the "
                                            r"adapter \(first: "):
        load_model("org/name")
    (run / "base" / "model.safetensors").write_bytes(b"damaged")
    hub_cache("org/name", run, "2" * 40)
    with pytest.raises(BGSInputError, match=r"^org/name: cannot load the base model from org/name/base "
                                            r"\(SafetensorError"):
        load_model("org/name")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BGSInputError, match=r"^run: cannot load the base model from run/base \(SafetensorError"):
        load_model("run")


def test_a_users_own_folder_named_snapshots_is_named_as_given_and_a_nested_cache_by_its_innermost_repo(tmp_path,
                                                                                                      monkeypatch):
    """Mutation audit of 208edde: ``hub_model_named`` without its ``models--`` check, or searching from the outermost
    ``snapshots``, passed. A run a researcher keeps under ``runs/snapshots/epoch3`` was then named ``runs/bgs``, a
    folder that does not exist; a Hub cache inside another's snapshot names the model loaded, the innermost."""
    from bgs_hf.errors import hub_model_named

    mine = tmp_path / "runs" / "snapshots" / "epoch3" / "bgs"
    assert hub_model_named(mine) is None
    assert str(BGSInputError("x", path=mine, whole=True)) == f"{mine}: x"
    cache = tmp_path / "models--a--b" / "snapshots" / ("c1" * 20) / "cache"  # HF_HUB_CACHE in another's snapshot
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    nested = cache / "models--org--name" / "snapshots" / ("c2" * 20) / "base"
    assert hub_model_named(nested) == "org/name/base"


def test_only_a_snapshot_in_the_hugging_face_cache_is_named_by_its_repo_id(tmp_path, monkeypatch):
    """Since 208edde any folder laid out like the Hub cache's was named by a repo id: a user's own
    ``x/models--mine/snapshots/abc`` (named so, or a cache folder copied, ``refs/`` and 40-hex commit too) was
    ``mine`` in every refusal and warning, hiding the path the user must go and fix. Only a snapshot that
    huggingface_hub's cache (``HF_HUB_CACHE``) holds, in the layout ``snapshot_download`` writes there, is named by
    its repo id, whether the cache is reached through a link or the path was resolved."""
    import os

    from bgs_hf.errors import folder_named, hub_model_named

    real = tmp_path / "real-cache"
    (real / "models--org--name" / "refs").mkdir(parents=True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    os.symlink(real, tmp_path / "hf-cache")  # ~/.cache a link to another disk
    commit = "0123456789abcdef" * 2 + "01234567"
    for cache in (tmp_path / "hf-cache", real):
        snapshot = cache / "models--org--name" / "snapshots" / commit
        assert hub_model_named(snapshot) == "org/name"
        assert folder_named(snapshot / "base") == "org/name/base"
        assert str(BGSInputError("x", path=snapshot, whole=True)) == "org/name: x"
    copied = tmp_path / "backup" / "models--org--name"  # a whole cache folder copied, refs/ and all
    (copied / "refs").mkdir(parents=True)
    lookalikes = (tmp_path / "x" / "models--mine" / "snapshots" / "abc", copied / "snapshots" / commit,
                  real / "models--org--name" / "snapshots" / "abc",  # in the cache, no commit folder
                  real / "models--org--name" / "snapshots", real / "models--org--name")
    for folder in lookalikes:
        assert hub_model_named(folder) is None
        assert folder_named(folder) == str(folder)
        assert str(BGSInputError("x", path=folder / "base", whole=True)) == f"{folder / 'base'}: x"


def test_load_model_names_a_users_folder_laid_out_like_the_hub_cache_by_its_path(hub_cache, tmp_path):
    """``load_model`` of a damaged model in the user's own ``x/models--mine/snapshots/abc`` (or a pushed model's
    cache folder copied out of the cache) refused naming ``mine`` (``org/name``), a folder that is nowhere: it names
    the path given; the same model in the Hugging Face cache is still named ``org/name``."""
    import shutil

    run = tmp_path / "run"
    build_embedder("tiny-random-videomae", lora=None, head=HeadConfig(out_dim=8)).save_pretrained(str(run))
    (run / "head.safetensors").unlink()
    hub_cache("org/name", run)
    mine = tmp_path / "x" / "models--mine" / "snapshots" / "abc"
    shutil.copytree(run, mine)
    copied = tmp_path / "backup" / "models--org--name"
    shutil.copytree(tmp_path / "hub-cache" / "models--org--name", copied)
    for given, named in (("org/name", "org/name"), (mine, str(mine)), (copied / "snapshots" / ("0" * 40),
                                                                      str(copied / "snapshots" / ("0" * 40)))):
        with pytest.raises(BGSInputError) as err:
            load_model(given)
        assert str(err.value) == f"{named}: model has a head but no adapter and no head.safetensors"


def test_a_model_without_lora_loads_back_with_its_classes_from_pretrained(tmp_path):
    """Python journey: ``BGSEmbedder`` had ``save_pretrained`` and no ``from_pretrained`` (an AttributeError), the
    pair transformers and peft users reach for; it now loads what the save wrote, as ``load_model`` does, and a LoRA
    run's folder is refused in one line naming its two loaders."""
    torch.manual_seed(0)
    model = build_embedder("tiny-random-videomae", lora=None).eval()
    x = _clips(model)
    with torch.no_grad():
        ref = model(x)
    model.save_pretrained(tmp_path / "plain")
    back = BGSEmbedder.from_pretrained(tmp_path / "plain")
    assert type(back) is BGSEmbedder and not back.training
    with torch.no_grad():
        assert torch.equal(back(x), ref)
    assert BGSEmbedder.from_pretrained(tmp_path / "plain", is_trainable=True).training
    build_embedder("tiny-random-videomae", lora=LoraSettings(r=2, alpha=4)).save_pretrained(tmp_path / "lora")
    with pytest.raises(BGSInputError) as err:
        BGSEmbedder.from_pretrained(tmp_path / "lora")
    assert str(err.value) == (f"{tmp_path / 'lora'}: holds a LoRA adapter, not a model without LoRA: load it with "
                              "bgs_hf.load_model(folder) or PeftModel.from_pretrained(bgs_hf.models.load_base(folder), "
                              "folder)")


def test_hub_model_named_reads_the_cache_as_huggingface_hub_lays_it_out(tmp_path, monkeypatch):
    """Mutation audit of 30508e5 and 3106ca1: ``hub_model_named`` resolving a path's last part (a snapshot's files
    link into ``blobs/``), without its ``snapshots`` or ``models--`` check, taking a name that merely starts with a
    commit, or raising on a link loop passed every test (the tests' caches are copied folders, with no blobs and no
    links). A file reached through the cache's real folder is named by its repo id; a blob (a small file's is its
    40-hex git sha1), a dataset's or Space's snapshot and a ``<commit>.bak`` folder are paths; a link loop is named
    as given, not a traceback in place of a refusal."""
    import os

    from bgs_hf.errors import hub_model_named

    real = tmp_path / "real-cache"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    os.symlink(real, tmp_path / "hf-cache")
    commit = "0123456789abcdef" * 2 + "01234567"
    blob = real / "models--org--name" / "blobs" / ("f" * 40)
    blob.parent.mkdir(parents=True)
    blob.write_text("{}")
    snapshot = real / "models--org--name" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    os.symlink(os.path.join("..", "..", "blobs", blob.name), snapshot / "config.json")  # as snapshot_download links
    for cache in (tmp_path / "hf-cache", real):
        assert hub_model_named(cache / "models--org--name" / "snapshots" / commit / "config.json") == \
            "org/name/config.json"
    for other in (blob, real / "datasets--org--data" / "snapshots" / commit,
                  real / "spaces--org--app" / "snapshots" / commit, snapshot.parent / (commit + "0"),
                  snapshot.parent / (commit + ".bak")):
        assert hub_model_named(other) is None
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    assert hub_model_named(loop / "m") is None
    assert str(BGSInputError("x", path=loop / "m", whole=True)) == f"{loop / 'm'}: x"


def test_write_base_names_the_saved_class_without_changing_the_callers_model(tmp_path):
    """Mutation audit (7cf0b3b): ``write_base`` set ``architectures`` on a copy of the config, but the push test reads
    a base it loads afresh, so writing it on the caller's model passed: a researcher saving the encoder of the
    classifier they still use found its config renamed to the bare encoder (and its next ``save_pretrained`` so)."""
    from bgs_hf.models.loading import write_base

    config = transformers.VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                         num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                                         num_labels=3, architectures=["VideoMAEForVideoClassification"])
    classifier = transformers.VideoMAEForVideoClassification(config)
    write_base(classifier.videomae, tmp_path / "base")
    assert json.loads((tmp_path / "base" / "config.json").read_text())["architectures"] == ["VideoMAEModel"]
    assert classifier.config.architectures == ["VideoMAEForVideoClassification"]
    assert classifier.videomae.config.architectures == ["VideoMAEForVideoClassification"]


def test_a_frame_count_refused_in_a_direct_rollout_maps_call_is_bad_input_as_at_every_entry_point(tmp_path):
    """``rollout_maps(model, clip)`` of a clip whose frames end in part of a tubelet (5 frames, tubelet 2) raised a
    bare ``ValueError`` from the forward's frame check, where ``build_embedder`` and ``train`` gave the same line as
    :class:`BGSInputError`, the project's one type for bad user input (and the one the attention analysis notes as a
    model's skip). Every frame check now raises it, a directly called forward too; a saved model whose recorded
    frame policy does not fit keeps its own line naming the file."""
    from bgs_hf.eval.attention import rollout_maps

    model = build_embedder("tiny-random-vjepa2", num_frames=4).eval()
    size = model.spec.image_size
    with pytest.raises(BGSInputError, match=r"5 frames is not a multiple of tubelet size 2 .*sample 4 or 6"):
        rollout_maps(model, torch.randn(5, 3, size, size))
    with pytest.raises(BGSInputError, match=r"1 frame per clip, fewer than its tubelet of 2 frames"):
        rollout_maps(model, torch.randn(1, 3, size, size))
    with pytest.raises(BGSInputError, match=r"5 frames is not a multiple"), torch.no_grad():
        model(torch.randn(1, 5, 3, size, size))
    with pytest.raises(BGSInputError, match=r"5 frames is not a multiple"):
        build_embedder("tiny-random-vjepa2", num_frames=5)
    with pytest.raises(BGSInputError, match=r"was built for 4 frames but got 2"):
        get_backbone_spec("tiny-random-videomae").check_frames(2)
    folder = tmp_path / "saved"
    model.save_pretrained(folder)
    config = json.loads((folder / "bgs_config.json").read_text())
    config["frame_policy"]["num_frames"] = 3
    (folder / "bgs_config.json").write_text(json.dumps(config))
    with pytest.raises(BGSInputError, match=r"^bgs_config\.json: frame_policy does not fit the backbone: .*3 frames"):
        load_model(folder)


def test_a_run_on_a_hub_base_recorded_without_its_commit_asks_no_host_where_the_hub_is_unreachable(
        tmp_path, monkeypatch, hub_cache):
    """Mutation audit (d45df5f): `load_base` asking the network for the base's config (`local_files_only` False) where
    the Hub cannot be reached passed the suite, whose run pinned a commit the cache holds (read without a request).
    A run recorded without its commit ("main" looked up): the cached base loads, and the uncached one is refused,
    without one lookup of a host (each a request the machine cannot answer, and huggingface_hub's retries)."""
    import shutil
    import socket

    from huggingface_hub import constants
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.models import loading, registry
    from bgs_hf.models.registry import FAMILIES

    VideoMAEModel(VideoMAEConfig(**FAMILIES["videomae"].tiny_config)).save_pretrained(tmp_path / "videomae")
    hub_cache("MCG-NJU/videomae-base", tmp_path / "videomae")
    run = tmp_path / "run"
    build_embedder("MCG-NJU/videomae-base", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2)).save_pretrained(str(run))
    cfg = json.loads((run / "bgs_config.json").read_text())
    cfg["backbone"]["revision"] = None  # recorded without a commit: "main" is looked up
    (run / "bgs_config.json").write_text(json.dumps(cfg))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    for module in (registry, loading):
        monkeypatch.setattr(module, "hub_unreachable", lambda: "huggingface.co")
    looked_up: list[object] = []

    def no_dns(host, *_a, **_kw):
        looked_up.append(host)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    assert load_model(run).spec.name == "MCG-NJU/videomae-base"
    shutil.rmtree(constants.HF_HUB_CACHE)
    with pytest.raises(BGSInputError, match="not in the local Hugging Face cache, and huggingface.co cannot be reached"):
        load_model(run)
    assert looked_up == []


def test_a_model_whose_loaded_base_folder_is_left_empty_is_refused_as_one_that_is_gone(tmp_path):
    """Mutation audit (9dd1635): the refusal asking only that the loaded ``base/`` folder exist (not its config.json)
    passed every test, which moved the whole folder away: a ``base/`` emptied in place (a sync that kept the folder)
    then failed as before, in transformers' words after the save had begun."""
    import shutil

    build_embedder("tiny-random-videomae", lora=None).save_pretrained(tmp_path / "run")
    model = load_model(tmp_path / "run")
    shutil.rmtree(tmp_path / "run" / "base")
    (tmp_path / "run" / "base").mkdir()
    with pytest.raises(BGSInputError, match="gone"):
        model.save_pretrained(str(tmp_path / "again"))
    assert not (tmp_path / "again").exists()
