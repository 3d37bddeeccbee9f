"""Model card of the bundled backbone, written from the run's own log so every figure in it is measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bgs_hf._files import share
from bgs_hf.pretrain.train import CURVE_FILE, LOG_FILE

#: Why no benchmark clip is in the corpus, whatever seed a benchmark uses (``synth --seed`` takes any).
CORPUS_DISJOINT_NOTE = ("a benchmark draws its scenes from child streams spawned from its seed "
                        "(`default_rng(seed).spawn`), never from `default_rng(seed)` itself, so no benchmark clip "
                        "is in the corpus")

PROBE_FILE = "probe.json"


def _probe_table(probe: dict[str, Any]) -> str:
    """One row per feature set, mean ± sd per label; a classified label's header names its chance level."""
    labels = list(next(iter(probe["results"].values())))
    chance = probe["chance"]
    head = "| features | " + " | ".join(
        f"{k} acc (chance {chance[k]:.2f})" if k in chance else f"{k} R²" for k in labels
    ) + " |"
    rows = [head, "|---" * (len(labels) + 1) + "|"]
    for feat, res in probe["results"].items():
        cells = " | ".join(f"{res[k][0]:.3f} ± {res[k][1]:.3f}" for k in labels)
        rows.append(f"| {feat} | {cells} |")
    return "\n".join(rows)


def _probe_section(probe: dict[str, Any] | None, columns: str) -> str:
    """The card's "What the frozen embedding encodes": how the probe was run, what its ``columns`` mean, the table."""
    if probe is None:
        return "Not run for this checkpoint."
    return (f"Linear probes on {probe['n_clips']} held-out SocialShapes-style clips (seeds {probe['seeds']}, disjoint "
            f"from the corpus and from every benchmark instance); {probe['classifier']}. {columns}\n\n"
            + _probe_table(probe))


def render_videomae_card(
    log: dict[str, Any], probe: dict[str, Any] | None = None, timing_note: str = "", notes: str = "",
    reproduce: str | None = None,
) -> str:
    """The card of the ``videomae`` backbone (``render_conv3d_card`` is the CNNs'): Markdown with Hub YAML front
    matter describing data, objective, architecture, steps and loss.

    ``notes`` (markdown) becomes an extra section, e.g. a measured comparison of pretraining targets.
    """
    notes_md = f"\n## Other pretraining targets tried\n{notes.strip()}\n" if notes.strip() else ""
    cfg = log["config"]
    arch = cfg["arch"]
    tm = log["timing"]
    patches_per_frame = (arch["image_size"] // arch["patch_size"]) ** 2
    tokens_per_clip = patches_per_frame * (arch["num_frames"] // arch["tubelet_size"])
    hidden_patches = round(cfg["mask_ratio"] * patches_per_frame)  # as `tube_mask` rounds it
    probe_md = _probe_section(probe, "`interaction` is the social content (shown only through motion and facing); "
                                     "`scene_kind` is a nuisance factor (indoor/outdoor-like background).")
    return f"""---
library_name: transformers
license: apache-2.0
pipeline_tag: feature-extraction
tags:
- videomae
- self-supervised
- masked-video-modeling
- bgs-hf
- toy
---

# bgs-tiny-videomae

A **tiny toy video backbone** that bgs-hf pretrains itself, without any Hub download: its offline demo's first
default video model (`bgs-tiny-conv3d-fg` is the default now). It is a plain `VideoMAEModel` encoder
(`VideoMAEModel.from_pretrained(path)` loads it). It is **not a general video model**: it has only ever seen
{arch['image_size']}-px synthetic clips of coloured shapes, and Behavioral Geometric Supervision (BGS) fine-tuning of the bundled
weights stays near chance on SocialShapes (the probe below shows what its frozen features decode).

## Data
- {log['corpus']['n_clips']} unlabelled SocialShapes-style clips ({arch['num_frames']} frames,
  {arch['image_size']}×{arch['image_size']} px, ~3 s), rendered in memory by `bgs_hf.synth` with the default
  `SynthConfig`. Clip *i* uses seed `{cfg['corpus_seed_offset']} + i` (seeds {log['corpus']['seeds']});
  {CORPUS_DISJOINT_NOTE}.
- Frames only: no human (simulated) judgments, ratings, captions or scene labels are used.
- Augmentation: random horizontal and vertical flips.

## Objective
{log['objective']} (`VideoMAEForPreTraining`, `norm_pix_loss={arch['norm_pix_loss']}`), tube masking ratio
{cfg['mask_ratio']} (rounded to whole patches: {hidden_patches} of
{patches_per_frame} spatial patches hidden in every tubelet). AdamW (betas 0.9/0.95, weight decay {cfg['weight_decay']}), peak lr {cfg['lr']}, linear
warm-up {cfg['warmup_steps']} steps then cosine to {cfg['min_lr']}, gradient clipping {cfg['grad_clip']}.
The decoder ({arch['decoder_num_hidden_layers']} layers, width {arch['decoder_hidden_size']}) is discarded;
only the encoder is saved.

## Architecture
ViT encoder: {arch['num_hidden_layers']} layers, hidden {arch['hidden_size']}, {arch['num_attention_heads']}
heads, MLP {arch['intermediate_size']}; patch {arch['patch_size']} px, tubelet {arch['tubelet_size']} frames,
{tokens_per_clip} tokens per clip, fixed sinusoidal position embeddings, no CLS token (pool the tokens: bgs-hf uses the
mean of `last_hidden_state`). Input: {arch['num_frames']} frames, {arch['image_size']} px, ImageNet mean/std
(`preprocessor_config.json`).

## Training
- Steps: {log['steps']}, batch size {cfg['batch_size']}, seed {cfg['seed']}, {tm['torch_threads']} torch threads.
- Final loss (mean of the last 5% of steps): **{log['final_loss']:.4f}** (first step: {log['loss'][0]:.4f}).
- Wall time: {tm['total_s'] / 60:.1f} min in all ({tm['render_s']:.0f} s rendering the corpus,
  {tm['train_s']:.0f} s training, {tm['s_per_step']:.3f} s/step), measured on: {tm['cpu']}, CPU affinity
  {tm['cpu_affinity']} cores, torch {tm['torch']}. {timing_note}
- Reproduce: {reproduce or '`bgs-hf pretrain-tiny OUT --arch videomae` (the defaults are this recipe)'}. Runs are deterministic for a seed on
  the same torch build and thread count (`--threads`, default 2); other thread counts can change the last bits.

![loss curve]({CURVE_FILE})

The full per-step loss and config are in `{LOG_FILE}`.

## What the frozen embedding encodes
{probe_md}

## Limitations
Trained for minutes on one synthetic domain; it will not transfer to natural video. Read the probe table
honestly: on held-out clips a *linear* probe of the frozen, mean-pooled embedding decodes the social content
(interaction type; energy, closeness, facing) little or no better than raw pixels or a randomly initialised
encoder, while scene context (scene kind) is easily decodable. Masked reconstruction of these clips is
dominated by backgrounds. Whatever social structure BGS fine-tuning finds must come from adapting the encoder,
not from a linear read-out of its frozen features.
{notes_md}"""


def _conv3d_recipe(cfg: dict[str, Any]) -> dict[str, str]:
    """What differs between the two CNN recipes' cards: masked foreground prediction (``bgs-tiny-conv3d``) and
    contrastive learning on the foreground stream (``bgs-tiny-conv3d-fg``, whose config has a temperature)."""
    if "temperature" in cfg:
        fg = cfg["foreground"]
        return {
            "name": "bgs-tiny-conv3d-fg", "arch": "conv3d-fg", "tag": "contrastive-learning",
            "foreground": "The model's input stream",
            "augmentation": (f"two views per clip: random horizontal flip, 90-degree rotation, circular shift of up "
                             f"to {cfg['max_view_shift']} px and gain in [{cfg['min_view_gain']}, "
                             f"{cfg['max_view_gain']}]; time is never altered"),
            "objective": (f"Temperature {cfg['temperature']}, {cfg['batch_size']} clips per step ({2 * cfg['batch_size']} "
                          f"views), projector Linear({cfg['arch']['widths'][-1]}, {cfg['projector_hidden']})-ReLU-"
                          f"Linear({cfg['projector_hidden']}, {cfg['projector_dim']}), discarded after training"),
            "input": (f"the model undoes that normalisation and computes the foreground stream itself (shake search "
                      f"±{fg['max_shift']} px, {fg['border']}-px border zeroed, ×{cfg['foreground_gain']}), a fixed "
                      "stage without parameters: the convolutions (and any LoRA adapter) see only the stream"),
            "limitation": (" The stream assumes a static scene seen by a camera that shakes by at most "
                           f"{fg['max_shift']} px: on a panning camera, a cut or a zoom the background leaks into it, "
                           "and colour, texture and anything that does not move never reach the network."),
        }
    return {
        "name": "bgs-tiny-conv3d", "arch": "conv3d", "tag": "masked-video-modeling",
        "foreground": "The foreground target",
        "augmentation": "random horizontal and vertical flips (frames and target together)",
        "objective": (f"Future hidden for {cfg['future_share']:.0%} of the clips, {cfg['hidden_tubes']} tubes for the "
                      "rest. The prediction head is discarded"),
        "input": "the convolutions see the normalised RGB frames",
        "limitation": "",
    }


def conv3d_usage(name: str, arch: dict[str, Any]) -> str:
    """The CNN card's usage section. transformers alone does not know ``bgs_conv3d`` (only bgs-hf registers it), so
    the card's ``library_name`` is ``bgs-hf``: with ``transformers`` the Hub offered ``AutoModel.from_pretrained(repo)``,
    which fails. The snippet imports the registration first; ``path/to/<name>`` stands for the folder or repo id."""
    frames, size = arch["num_frames"], arch["image_size"]
    return f"""## Usage
transformers alone does not know the `bgs_conv3d` model type: its class is in bgs-hf, which must be installed and
imported first (hence `library_name: bgs-hf` above).

```python
import torch
from transformers import AutoModel

import bgs_hf.models.conv3d  # noqa: F401 - registers the `bgs_conv3d` model type with AutoModel

model = AutoModel.from_pretrained("path/to/{name}").eval()  # this folder, or the Hub repo it was uploaded to
pixel_values = torch.randn(2, {frames}, 3, {size}, {size})  # (clips, frames, RGB, height, width), ImageNet-normalised
with torch.no_grad():
    features = model(pixel_values=pixel_values).pooler_output  # the mean of the last block's tokens
print(features.shape)  # torch.Size([2, {arch['widths'][-1]}])
```

In bgs-hf the name is enough, since the package ships these weights: `bgs-hf train --backbone {name}`.
"""


def _conv3d_role(name: str) -> str:
    """What a bundled CNN backbone is to bgs-hf today: the default, or the default it replaced."""
    from bgs_hf.models.registry import DEFAULT_BACKBONE

    if name == DEFAULT_BACKBONE:
        return "the default backbone of `bgs-hf train` and of its demo"
    return f"an earlier default of its demo; `{DEFAULT_BACKBONE}` is the default now"


def render_conv3d_card(log: dict[str, Any], probe: dict[str, Any] | None = None, timing_note: str = "",
                       notes: str = "", reproduce: str | None = None) -> str:
    """The card of a ``bgs_conv3d`` backbone: same sections as the ViT's, for either CNN recipe."""
    notes_md = f"\n## Notes\n{notes.strip()}\n" if notes.strip() else ""
    cfg, tm = log["config"], log["timing"]
    arch, recipe = cfg["arch"], _conv3d_recipe(cfg)
    probe_md = _probe_section(probe, "`social space` is the clip's point in the simulated observers' latent social "
                                     "space (variance-weighted R²); `interaction` is shown only through motion and "
                                     "facing; `scene_kind` is a nuisance factor.")
    blocks = ", ".join(f"{w} ch / temporal stride {s}" for w, s in zip(arch["widths"], arch["temporal_strides"]))
    return f"""---
library_name: bgs-hf
license: apache-2.0
pipeline_tag: feature-extraction
tags:
- bgs_conv3d
- self-supervised
- {recipe['tag']}
- bgs-hf
- toy
---

# {recipe['name']}

A **tiny toy 3-D CNN video backbone** that bgs-hf pretrains itself, without labels: an offline video model whose
frozen features carry some of SocialShapes' social content ({_conv3d_role(recipe['name'])}). It is a
`BGSConv3dModel` (`import bgs_hf.models.conv3d` registers it with `AutoModel`, then `AutoModel.from_pretrained(path)`
loads it). It is **not a
general video model**: it has only ever seen {arch['image_size']}-px synthetic clips of coloured shapes.

{conv3d_usage(recipe['name'], arch)}
## Data
- {log['corpus']['n_clips']} unlabelled SocialShapes-style clips ({arch['num_frames']} frames,
  {arch['image_size']}×{arch['image_size']} px), rendered in memory by `bgs_hf.synth`. Clip *i* uses seed
  `{cfg['corpus_seed_offset']} + i` (seeds {log['corpus']['seeds']}); {CORPUS_DISJOINT_NOTE}.
- Frames only: no human (simulated) judgments, ratings, captions or scene labels are used. {recipe['foreground']}
  is computed from the frames alone (`bgs_hf.video.foreground`: integer camera-shake compensation,
  temporal-median background).
- Augmentation: {recipe['augmentation']}.

## Objective
{log['objective']}. {recipe['objective']}. AdamW (weight decay {cfg['weight_decay']}), peak lr {cfg['lr']}, linear
warm-up {cfg['warmup_steps']} steps then cosine to {cfg['min_lr']}, gradient clipping {cfg['grad_clip']}.

## Architecture
{len(arch['widths'])} blocks of Conv3d (kernel 3, spatial stride 2) + ReLU: {blocks}. BatchNorm was used in
pretraining and is folded into the convolutions, so the saved model has no running statistics for fine-tuning
to drift. `last_hidden_state` is the last block's feature map as tokens; `pooler_output` their mean (bgs-hf
pools the mean). Hidden states of the earlier blocks are zero-padded to {arch['widths'][-1]} channels, which
leaves their cosine geometry unchanged. Input: {arch['num_frames']} frames, {arch['image_size']} px, ImageNet
mean/std (`preprocessor_config.json`); {recipe['input']}.

## Training
- Steps: {log['steps']}, batch size {cfg['batch_size']}, seed {cfg['seed']}, {tm['torch_threads']} torch threads.
- Final loss (mean of the last 5% of steps): **{log['final_loss']:.4f}** (first step: {log['loss'][0]:.4f}).
- Wall time: {tm['total_s'] / 60:.1f} min in all ({tm['render_s']:.0f} s rendering the corpus and its
  foreground, {tm['train_s']:.0f} s training, {tm['s_per_step']:.3f} s/step), measured on: {tm['cpu']}, CPU
  affinity {tm['cpu_affinity']} cores, torch {tm['torch']}. {timing_note}
- Reproduce: {reproduce or f"`bgs-hf pretrain-tiny OUT --arch {recipe['arch']}` (the defaults are this recipe)"}.

![loss curve]({CURVE_FILE})

The full per-step loss and config are in `{LOG_FILE}`.

## What the frozen embedding encodes
{probe_md}

## Limitations
Trained for minutes on one synthetic domain; it will not transfer to natural video. Its frozen features carry
part of the observers' social space, not most of it (see the probe); `docs/experiments/README.md` in bgs-hf
measures how far that is from what half the noise ceiling needs.{recipe['limitation']}
{notes_md}"""


def write_model_card(
    out_dir: str | Path, probe: dict[str, Any] | None = None, timing_note: str = "", notes: str = "",
    reproduce: str | None = None,
) -> Path:
    """Write README.md (and probe.json when given) in ``out_dir`` from its training log. ``reproduce``: the
    command that made this checkpoint, when it is not the recipe's defaults."""
    out = Path(out_dir)
    log = json.loads((out / LOG_FILE).read_text(encoding="utf-8"))
    if probe is not None:
        (out / PROBE_FILE).write_text(json.dumps(probe, indent=1) + "\n", encoding="utf-8")
    path = out / "README.md"
    render = render_conv3d_card if "widths" in log["config"]["arch"] else render_videomae_card
    path.write_text(render(log, probe, timing_note, notes, reproduce), encoding="utf-8")
    share(out)  # model.safetensors was written 0600
    return path
