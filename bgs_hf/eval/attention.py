"""Attention rollout (Abnar & Zuidema, 2020): where in space and time a model's embedding draws from.

Per layer the attention is averaged over heads, the residual path is added (``0.5·A + 0.5·I``), rows are
renormalised, and the layers are multiplied from first to last. A token's relevance is then the rollout
row of the pooled output (:func:`rollout_method` says which): the CLS row for TimeSformer (its divided
space-time layers roll out as the temporal step then the spatial step, so relevance moves across frames; the
per-frame CLS copies are averaged as the model averages them; a joint space-time checkpoint has one attention over
every frame's patches, rolled out as it is); the CLS row of each frame for CLIP, an image
model whose frames never meet; the mean of all rows for mean-pooled models without a CLS (VideoMAE, V-JEPA 2).
Maps live on the token grid ``(T', g, g)`` with T' = frames / tubelet and g = image / patch.

Convolutional backbones (``bgs_conv3d``) have no attention; for them the map is each location's contribution to
the mean-pooled feature, ``h_i · mean_j h_j`` (non-negative after ReLU), on the last block's ``(T', g, g)`` grid.

Before/after comparisons: divergence = 1 − mean over clips of the Pearson r between the two models'
maps; on SocialShapes, the share of rollout mass on the interacting agents' pixels (masks reduced to the
same token grid), next to the share those pixels cover (what uniform attention would give).
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf.errors import BGSInputError

#: What the map of each family shows (reported next to the maps, so nobody reads a spatial-only map as more).
METHODS: dict[str, str] = {
    "timesformer": "rollout of the CLS token through divided space-time attention (temporal + spatial)",
    "clip": "rollout of each frame's CLS token (spatial only: an image model), frames averaged",
    "vjepa2": "rollout of the mean-pooled output over all tokens (no CLS token)",
    "videomae": "rollout of the mean-pooled output over all tokens (no CLS token)",
    "bgs_conv3d": "each location's contribution to the mean-pooled feature (no attention)",
}
#: Families whose relevance map is :func:`contribution_maps` (no attention to roll out).
CONVOLUTIONAL: tuple[str, ...] = ("bgs_conv3d",)
#: A TimeSformer with ``attention_type="joint_space_time"``: no temporal step, so not :data:`METHODS`' divided one.
JOINT_SPACE_TIME = "rollout of the CLS token through joint space-time attention (all frames' patches at once)"


def _mix(attention: Any, residual: float) -> np.ndarray:
    """One attention step as a token-mixing matrix: heads averaged, residual identity added, rows renormalised."""
    a = np.asarray(attention, dtype=np.float64).mean(axis=-3)
    a = residual * np.eye(a.shape[-1]) + (1.0 - residual) * a
    return a / a.sum(axis=-1, keepdims=True)


def rollout(attentions: Sequence[Any], residual: float = 0.5) -> np.ndarray:
    """``(..., N, N)`` rollout from per-layer attentions ``(..., heads, N, N)`` (first layer first)."""
    result = None
    for a in attentions:
        a = _mix(a, residual)
        result = a if result is None else a @ result
    if result is None:
        raise BGSInputError("attention rollout needs at least one layer of attentions")
    return result


def divided_rollout(spatial: Sequence[Any], temporal: Sequence[Any], residual: float = 0.5) -> np.ndarray:
    """``(T, P)`` CLS relevance of a divided space-time model (TimeSformer), first layer first.

    ``spatial[l]``: ``(T, heads, 1+P, 1+P)``, per frame, the CLS copy first; ``temporal[l]``: ``(P, heads, T, T)``,
    per patch position. A layer is ``x ↦ S(Tm(x))``: the temporal step mixes each position across frames (the CLS
    is left alone), the spatial step mixes each frame with its CLS copy, and the new CLS is the mean over frames
    of the copies (TimesformerLayer). Only the CLS row is needed, so it is carried back from the last layer as a
    vector instead of multiplying ``(1+TP)²`` matrices.
    """
    if len(spatial) != len(temporal) or not spatial:
        raise BGSInputError(f"divided rollout needs as many temporal as spatial layers (got {len(temporal)} "
                            f"and {len(spatial)})")
    n_frames, n_pos = np.shape(spatial[0])[0], np.shape(spatial[0])[-1] - 1
    cls, rel = 1.0, np.zeros((n_frames, n_pos))  # the CLS output's row over [CLS, (frame, position)]
    for s, t in zip(reversed(spatial), reversed(temporal)):
        s, t = _mix(s, residual), _mix(t, residual)  # (T, 1+P, 1+P), (P, T, T)
        if s.shape != (n_frames, n_pos + 1, n_pos + 1) or t.shape != (n_pos, n_frames, n_frames):
            raise BGSInputError(f"divided rollout: spatial {s.shape} and temporal {t.shape} do not fit "
                                f"{n_frames} frames x {n_pos} positions")
        # spatial step: the CLS row is the frames' mean of the copies' rows; a patch row stays in its frame
        new_cls = cls * s[:, 0, 0].mean() + np.einsum("tp,tp->", rel, s[:, 1:, 0])
        rel = cls * s[:, 0, 1:] / n_frames + np.einsum("tp,tpq->tq", rel, s[:, 1:, 1:])
        # temporal step: a patch row stays at its position; the CLS passes through
        rel = np.einsum("tp,ptu->up", rel, t)
        cls = new_cls
    return rel


def _base(model: Any) -> Any:
    """The embedder under a peft wrapper: it holds the ``spec``, the ``backbone`` and the forward path."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def rollout_method(model: Any) -> str:
    """What a model's map shows, reported next to it: :data:`METHODS` by family, except a joint space-time
    TimeSformer (the family's text names the divided temporal + spatial steps it does not have)."""
    base = _base(model)
    family = base.spec.family
    if family == "timesformer" and getattr(base.backbone.config, "attention_type", None) == "joint_space_time":
        return JOINT_SPACE_TIME
    return METHODS.get(family, f"rollout ({family})")


@contextlib.contextmanager
def eager_attention(backbone: Any) -> Iterator[None]:
    """Temporarily switch a transformers model to eager attention (SDPA returns no weights)."""
    old = getattr(backbone.config, "_attn_implementation", None)
    changed = old not in (None, "eager") and hasattr(backbone, "set_attn_implementation")
    if changed:
        backbone.set_attn_implementation("eager")
    try:
        yield
    finally:
        if changed:
            backbone.set_attn_implementation(old)


@contextlib.contextmanager
def temporal_attentions(backbone: Any) -> Iterator[list[Any]]:
    """Collect TimeSformer's temporal attention weights, first layer first, during the forward inside.

    Why: ``TimesformerLayer`` calls its temporal attention without ``output_attentions``, so ``outputs.attentions``
    holds only the spatial step. A pre-hook turns the flag on for the temporal self-attention alone (the layer
    reads only the first output) and a hook keeps the weights.
    """
    found: list[Any] = []
    handles = []

    def want_weights(_: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if len(args) > 1:
            return (args[0], True, *args[2:]), kwargs
        return args, {**kwargs, "output_attentions": True}

    def keep(_: Any, __: Any, output: Any) -> None:
        found.append(output[1].detach())

    for layer in backbone.modules():
        inner = getattr(getattr(layer, "temporal_attention", None), "attention", None)
        if inner is not None:
            handles += [inner.register_forward_pre_hook(want_weights, with_kwargs=True),
                        inner.register_forward_hook(keep)]
    try:
        yield found
    finally:
        for h in handles:
            h.remove()


def token_grid(model: Any) -> tuple[int, int, bool]:
    """(tubelet, grid side g, per-frame CLS?) of a BGS embedder's backbone. A ViT's patches drop the pixels past the
    last whole patch; same-padded stride-2 convolutions keep a token for a part side (100 px -> 50 -> 25 -> 13 -> 7),
    which ``image // 16`` (6) missed: the CNN's map was refused as not filling its grid."""
    base = _base(model)
    spec = base.spec
    stride, centred = _side_stride(base.backbone.config)
    image = int(spec.image_size)
    g = -(-image // stride) if centred else image // stride
    return int(spec.tubelet_size or 1), g, spec.pooling in ("cls", "frame-mean")


def _side_stride(cfg: Any) -> tuple[int, bool]:
    """(pixels per token side, centred?) of a backbone config: ``bgs_conv3d``'s blocks each halve the side (same
    padding: token k centred on pixel stride·k), a ViT's patch covers its block."""
    widths = getattr(cfg, "widths", None)
    return (2 ** len(widths), True) if widths else (int(getattr(cfg, "patch_size", 16)), False)


def _conv_geometry(model: Any) -> tuple[int, list[int]] | None:
    """``(kernel, temporal_strides)`` of a convolutional backbone, for :func:`masks_to_tokens`' ``conv``; None for a
    ViT, whose tokens are plain patches."""
    base = _base(model)
    if base.spec.family not in CONVOLUTIONAL:
        return None
    cfg = base.backbone.config
    return int(cfg.kernel_size), list(cfg.temporal_strides)


def token_strides(model: Any) -> tuple[int, int, bool]:
    """(frames per time step, pixels per token side, centred?) of a BGS embedder's tokens: a ViT's tubelet and patch
    (a token covers its block), a CNN's product of temporal strides and 2 per block (token k centred on stride·k,
    :func:`_conv_geometry`). Why: the overlays placed tokens at frames / T' and pixels / g, which is the stride only
    where it divides the clip (a 100-px CNN's 7 tokens drawn 14.3 px apart, not 16)."""
    base = _base(model)
    conv = _conv_geometry(model)
    side, centred = _side_stride(base.backbone.config)
    return int(np.prod(conv[1])) if conv is not None else int(base.spec.tubelet_size or 1), side, centred


def contribution_maps(tokens: np.ndarray, g: int) -> np.ndarray:
    """``(T', g, g)`` share of each token in the mean-pooled feature, ``h_i · mean(h)`` (sums to 1); NaN where a
    feature is not finite (a diverged model), as its rollout is for a ViT: it read as uniform, an agent mass made up."""
    tokens = np.asarray(tokens, dtype=np.float64)
    if tokens.ndim != 2 or not len(tokens) or tokens.shape[0] % (g * g):
        raise BGSInputError(f"{tokens.shape} tokens do not fill a {g}x{g} grid")
    if not np.isfinite(tokens).all():
        return np.full((tokens.shape[0] // (g * g), g, g), np.nan)
    rel = np.clip(tokens @ tokens.mean(axis=0), 0, None)
    total = rel.sum()
    rel = rel / total if total > 0 else np.full_like(rel, 1.0 / rel.size)
    return rel.reshape(-1, g, g)


def _forward_with_attentions(base: Any, x: Any) -> tuple[Any, list[Any]]:
    """One eval-mode, eager forward of ``x``: the backbone's outputs (attentions, last hidden state) and
    TimeSformer's temporal attentions, which ``outputs.attentions`` leaves out (empty for other families)."""
    import torch

    was_training = base.training
    base.eval()
    try:
        with torch.no_grad(), eager_attention(base.backbone), temporal_attentions(base.backbone) as temporal:
            out = base._backbone_outputs(x, output_attentions=True)  # noqa: SLF001 - the embedder's own input path
    finally:
        base.train(was_training)
    return out, temporal


def _pooled_relevance(base: Any, attentions: list[np.ndarray], temporal: list[np.ndarray], n_frames: int,
                      per_frame_cls: bool) -> np.ndarray:
    """The rollout over patch tokens of what the embedder pools (:data:`METHODS`): ``(T, P)`` for a TimeSformer
    or per-frame CLS model, the flat token order of a mean-pooled one."""
    if base.spec.family == "timesformer" and temporal:  # divided space-time: (T, P)
        return divided_rollout(attentions, temporal)
    if base.spec.family == "timesformer":  # joint space-time: one attention over [CLS, (position, frame)]
        rel = rollout(attentions)[0, 0, 1:]
        if rel.size % n_frames:
            raise BGSInputError(f"{base.spec.name}: {rel.size} patch tokens do not split into {n_frames} frames")
        return rel.reshape(-1, n_frames).T
    if per_frame_cls:  # image model, (T, 1+g², 1+g²) spatial attention per frame: the CLS row, per frame
        return rollout(attentions)[:, 0, 1:]
    return rollout(attentions)[0].mean(axis=0)  # mean pooling over every token: average the rows


def rollout_maps(model: Any, clip: Any) -> np.ndarray:
    """Rollout relevance ``(T', g, g)`` (sums to 1) of one preprocessed clip ``(T, 3, H, W)``."""
    base = _base(model)
    _, g, per_frame_cls = token_grid(model)
    x = clip[None] if clip.ndim == 4 else clip
    out, temporal = _forward_with_attentions(base, x)
    attentions = getattr(out, "attentions", None)
    if base.spec.family in CONVOLUTIONAL:
        return contribution_maps(out.last_hidden_state[0].float().cpu().numpy(), g)
    if not attentions or any(a is None for a in attentions):
        raise BGSInputError(f"{base.spec.name}: the backbone does not expose attention weights")
    rel = _pooled_relevance(base, [a.float().cpu().numpy() for a in attentions],
                            [t.float().cpu().numpy() for t in temporal], int(x.shape[1]), per_frame_cls)
    if rel.size % (g * g) or (per_frame_cls and rel.shape[-1] != g * g):
        raise BGSInputError(f"{base.spec.name}: {rel.shape[-1]} patch tokens do not fill the {g}x{g} grid")
    maps = np.clip(rel.reshape(-1, g, g), 0, None)
    return maps / maps.sum()


def masks_to_tokens(labels: np.ndarray, policy: Any, tubelet: int, grid: int, agents: Sequence[int] = (1, 2),
                    out_frames: int | None = None, conv: tuple[int, Sequence[int]] | None = None,
                    patch: int | None = None) -> np.ndarray:
    """Share of each token's pixels covered by ``agents`` in a per-frame label map ``(T_src, H, W)`` (labels as in
    ``agent_masks.npz``: 1 and 2 are the interacting agents, 3 the bystander).

    Frames follow the decode policy (the frame on screen at each segment midpoint), space follows the
    resize + centre crop of the frame policy, then pixels are averaged per patch and per tubelet (a ViT's
    tokens). ``conv=(kernel, temporal_strides)``: a token of a stack of same-padded stride-2 convolutions sees a
    window centred on its grid position, not the block to its lower right; the mask is pooled through the same
    geometry (one average pool per block), so agent mass is not pulled half a token off the agents. ``patch``: a
    ViT's patch side (:func:`token_strides`); its patches cover the crop's first ``grid · patch`` pixels only (a
    36-px crop of 8-px patches: 0..31), which the pool then splits, not the whole crop (9-px blocks).
    """
    import torch

    from bgs_hf.video.decode import sample_times
    from bgs_hf.video.transforms import center_crop, resize_short_side

    t_src = labels.shape[0]  # label frame i is on screen over [i, i + 1)
    pick = np.minimum(np.floor(sample_times(0.0, t_src, policy.num_frames)).astype(int), t_src - 1)
    on_agents = np.isin(labels[pick], np.asarray(agents)).astype(np.float32)
    x = torch.from_numpy(on_agents)[:, None]
    x = center_crop(resize_short_side(x, policy.size), policy.crop)[:, 0]
    if conv is not None:
        kernel, strides = conv
        v = x[None, None]  # (1, 1, T, H, W)
        for t_stride in strides:
            v = torch.nn.functional.avg_pool3d(v, kernel, stride=(int(t_stride), 2, 2), padding=kernel // 2,
                                               count_include_pad=False)
        if v.shape[-1] != grid:
            raise BGSInputError(f"the convolution geometry gives a {v.shape[-1]}x{v.shape[-1]} grid, expected {grid}")
        return v[0, 0].numpy()
    if patch is not None:
        x = x[:, : grid * patch, : grid * patch]
    x = torch.nn.functional.adaptive_avg_pool2d(x[:, None], grid)[:, 0].numpy()
    t_out = out_frames if out_frames is not None else policy.num_frames // tubelet
    per = policy.num_frames // t_out
    return x[: per * t_out].reshape(t_out, per, grid, grid).mean(axis=1)


def mass_on_mask(maps: np.ndarray, soft_mask: np.ndarray) -> float:
    """Fraction of a map's relevance (rollout or contribution) on mask pixels (soft mask = covered share per token)."""
    total = float(maps.sum())
    return float((maps * soft_mask).sum() / total) if total > 0 else float("nan")


def map_divergence(maps_a: Sequence[np.ndarray], maps_b: Sequence[np.ndarray], *,
                   ids: Sequence[str] | None = None) -> dict[str, float]:
    """1 − mean Pearson r between paired maps (0 = identical patterns, 1 = unrelated). Maps are compared token by
    token, so each clip's two maps must share a shape (``ids`` name the clips in the refusal; else their places)."""
    from bgs_hf.metrics.rsa import pearson

    if len(maps_a) != len(maps_b):  # zip dropped the longer list's last clips without a word
        raise BGSInputError(f"map divergence pairs maps clip by clip, got {len(maps_a)} and {len(maps_b)} maps")
    for k, (a, b) in enumerate(zip(maps_a, maps_b)):
        # maps of two grids: unequal sizes failed in pearson naming neither map, equal sizes gave a meaningless r
        if np.shape(a) != np.shape(b):
            clip = ids[k] if ids is not None else k
            raise BGSInputError(f"map divergence: clip {clip} has maps of shape {np.shape(a)} and {np.shape(b)} "
                                f"(two token grids); compare two models of one backbone and frame policy")
    rs = np.array([pearson(np.ravel(a), np.ravel(b)) for a, b in zip(maps_a, maps_b)])
    good = rs[np.isfinite(rs)]
    mean_r = float(good.mean()) if good.size else float("nan")
    return {"divergence": 1.0 - mean_r, "mean_r": mean_r, "n_clips": int(good.size)}


def load_masks_for(data: Any) -> dict[str, np.ndarray] | None:
    """Per-clip agent label maps of a SocialShapes folder (``agent_masks.npz``), keyed by clip id."""
    root = getattr(data, "root", None)
    path = Path(root) / "agent_masks.npz" if root is not None else None
    if path is None or not path.is_file():
        return None
    from bgs_hf.synth.generate import load_agent_masks

    labels, names = load_agent_masks(path)
    return dict(zip(names, labels))


def _token_cells(n_samples: int, n_tokens: int, centred: bool, stride: int | None = None) -> tuple[float, float]:
    """(start, width) of token 0's cell along an axis of ``n_samples`` pixels or frames, in imshow's coordinates
    (sample j drawn over j ± 0.5). A patch or tubelet token covers its block of samples; a token of same-padded
    stride-2 convolutions is centred on sample stride·i, as :func:`masks_to_tokens`' ``conv`` pools the masks. Why:
    maps drawn over (0, w) sat half a pixel right of and below a ViT's patches, and half a token off a CNN's.
    ``stride``: the model's own (:func:`token_strides`); without it, ``n_samples / n_tokens``, which is the stride
    only where it divides the axis."""
    step = stride if stride is not None else n_samples / n_tokens
    return (-step / 2 if centred else -0.5), step


def _token_at(sample: int, n_samples: int, n_tokens: int, centred: bool, stride: int | None = None) -> int:
    """The token whose cell (:func:`_token_cells`) holds ``sample`` (a frame), the outermost one past the ends."""
    start, step = _token_cells(n_samples, n_tokens, centred, stride)
    return min(max(int(np.floor((sample - start) / step)), 0), n_tokens - 1)


def _drawn_map(map_now: np.ndarray, h: int, w: int, centred: bool,
               stride: int | None = None) -> tuple[np.ndarray, tuple[float, ...]]:
    """A ``(g, g)`` map and its imshow extent over an ``h x w`` frame, each token's cell over its own pixels. Centred
    tokens' cells stop half a token short of the right and bottom edges: the last row and column are held to the
    edge, as imshow holds the first ones from their centres up to the top and left edges."""
    (y0, sy), (x0, sx) = (_token_cells(h, map_now.shape[0], centred, stride),
                          _token_cells(w, map_now.shape[1], centred, stride))
    if centred:
        map_now = np.pad(map_now, ((0, 1), (0, 1)), mode="edge")
    return map_now, (x0, x0 + sx * map_now.shape[1], y0 + sy * map_now.shape[0], y0)


def _same_time(sample: int, n_from: int, n_to: int) -> int:
    """Of ``n_to`` frames sampled uniformly over a clip, the one whose segment holds the midpoint of ``sample`` of
    ``n_from`` (both sampled at segment midpoints, :func:`~bgs_hf.video.decode.sample_times`); ``sample`` itself
    where the counts are equal."""
    return min((2 * sample + 1) * n_to // (2 * n_from), n_to - 1)


def plot_overlays(frames: np.ndarray, maps: dict[str, np.ndarray], path: str | Path, *, title: str = "",
                  n_times: int = 4, labels: dict[str, str] | None = None, centred: Collection[str] = (),
                  strides: Mapping[str, tuple[int, int]] | None = None,
                  own_frames: Mapping[str, np.ndarray] | None = None) -> Path:
    """Rows: the frames, then each model's map upsampled over them; columns: times across the clip.

    Every model's map is drawn on one colour scale (share of the clip's relevance per token, with a colour bar),
    so a brighter row means more concentrated relevance, not a different per-model maximum. A map with no finite
    value (a diverged model) says so over its frames. ``centred``: the maps whose tokens are centred on their grid
    positions in space and time (a convolutional backbone's, :func:`_token_cells`), not patches and tubelets.
    ``strides``: each model's (frames per time step, pixels per token side), :func:`token_strides`; a map without
    them is spread evenly over the frames and pixels (right only where its strides divide the clip). ``own_frames``:
    the clip as a model saw it where its frame count or crop is not ``frames``' (``--pretrained`` of another frame
    policy): its row shows, under each column, its own frame at that column's time, and its tokens over that frame.
    Why: its strides are in its own frames and pixels; over the 4 frames of another model, an 8-frame model's map
    showed its steps 0-3 (the clip's first half) across the whole clip.
    """
    from bgs_hf.viz.figure import LABEL_PT, TEXT_PT, TITLE_PT, subplots
    from bgs_hf.viz.matrices import save_figure
    from bgs_hf.viz.models import model_name

    t_frames = frames.shape[0]
    shown_frames = np.linspace(0, t_frames - 1, n_times).round().astype(int)
    rows = ["frames", *maps]
    # the finite maps' top: a diverged model's NaN map listed first made the scale NaN, blanking every other map
    vmax = max((float(np.nanmax(m)) for m in maps.values() if np.isfinite(m).any()), default=0.0) or 1.0
    fig, axes = subplots(len(rows), n_times, figsize=(1.6 * n_times + 1.6, 1.6 * len(rows) + 0.6), squeeze=False,
                         layout="constrained")
    image = None
    for r, name in enumerate(rows):
        seen = frames if name == "frames" else (own_frames or {}).get(name, frames)
        n_seen, h, w = seen.shape[:3]
        for c, frame in enumerate(shown_frames):
            ax = axes[r, c]
            at = _same_time(frame, t_frames, n_seen)  # this column's time in the frames the row's model saw
            ax.imshow(seen[at])
            if name != "frames":  # the map's time step whose cell holds this frame (a tubelet, or centred on it)
                m, (t_step, side) = maps[name], (strides or {}).get(name, (None, None))
                map_now, extent = _drawn_map(m[_token_at(at, n_seen, m.shape[0], name in centred, t_step)], h, w,
                                             name in centred, side)
                image = ax.imshow(map_now, cmap="inferno", alpha=0.6, extent=extent, interpolation="bilinear",
                                  vmin=0, vmax=vmax)
                ax.set_xlim(-0.5, w - 0.5)  # the frame's own extent: a centred map's cells reach past it
                ax.set_ylim(h - 0.5, -0.5)
                if not np.isfinite(map_now).any():  # a diverged model's NaN map showed the bare frame, no word
                    ax.text(0.5, 0.5, "no map\n(not finite)", transform=ax.transAxes, ha="center", va="center",
                            fontsize=TEXT_PT, color="white", bbox={"facecolor": "0.3", "lw": 0})
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:  # a model's row under its display name (bgs_hf.viz.models), wrapped beside a small panel
                shown = name if name == "frames" else model_name(name, labels=labels)
                ax.set_ylabel(textwrap.fill(shown, 16), fontsize=TEXT_PT)
            if r == 0:
                ax.set_title(f"frame {frame}", fontsize=LABEL_PT)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes[1:].ravel()), shrink=0.9)
        bar.set_label("share of relevance per token", fontsize=LABEL_PT)
        bar.ax.tick_params(labelsize=TEXT_PT)
    fig.suptitle(title or "attention rollout", fontsize=TITLE_PT)
    path = Path(path)
    save_figure(fig, path, dpi=110)
    return path


def _agent_mass_per_clip(model: Any, maps: Sequence[np.ndarray], ids: Sequence[str],
                         masks: dict[str, np.ndarray]) -> tuple[list[float], list[float]]:
    """Per clip with a mask: the share of the map on the agents, and the share of tokens they cover (what uniform
    relevance would put there), the mask pooled to the model's own token grid."""
    tubelet, g, _ = token_grid(model)
    conv = _conv_geometry(model)
    patch = token_strides(model)[1]
    mass, area = [], []
    for cid, m in zip(ids, maps):
        if cid not in masks:
            continue
        soft = masks_to_tokens(masks[cid], model.frame_policy, tubelet, g, out_frames=m.shape[0], conv=conv,
                               patch=patch)
        mass.append(mass_on_mask(m, soft))
        area.append(float(soft.mean()))
    return mass, area


def _agent_mass_change(first: np.ndarray, second: np.ndarray, between: list[str]) -> dict[str, Any]:
    """The second model's agent mass minus the first's on the same clips, with a Wilcoxon signed-rank p. scipy drops
    the clips whose mass did not change, so the p is NaN unless at least two clips changed: over one difference (one
    clip, or two with one unchanged) scipy's p of 1 is no test at all."""
    from scipy.stats import wilcoxon

    diff = second - first
    return {"mean_diff": float(diff.mean()), "between": between,
            "wilcoxon_p": float(wilcoxon(diff).pvalue) if np.count_nonzero(diff) > 1 else float("nan")}


def _overlay_figures(maps: dict[str, list[np.ndarray]], policies: Mapping[str, Any], paths: Sequence[str],
                     ids: Sequence[str], methods: str, out_dir: Path, n_overlays: int, labels: dict[str, str] | None,
                     centred: Collection[str] = (), strides: Mapping[str, tuple[int, int]] | None = None) -> list[str]:
    """``attention_<k>.png`` of the first ``n_overlays`` clips: their frames as the models see them (each model's
    ``policies`` entry: its frame count, resize and centre crop; the first model's on the frames row), under every
    model's map, titled with the clip and what the maps show; ``centred`` and ``strides`` as :func:`plot_overlays`'.
    Why each its own: a model's strides are in its own frames and pixels (a 16-frame TimeSformer beside its 8-frame
    checkpoint)."""
    import torch

    from bgs_hf.video.decode import decode_frames
    from bgs_hf.video.transforms import center_crop

    def seen(path: str, policy: Any) -> np.ndarray:
        frames = torch.from_numpy(decode_frames(path, policy.num_frames, size=policy.size))
        return center_crop(frames.permute(0, 3, 1, 2), policy.crop).permute(0, 2, 3, 1).numpy()

    view = {n: (p.num_frames, p.size, p.crop) for n, p in policies.items()}
    distinct = {v: policies[n] for n, v in view.items()}  # one decode per distinct view of a clip
    first = next(iter(view.values()))
    figs = []
    for k in range(min(n_overlays, len(paths))):
        decoded = {v: seen(paths[k], p) for v, p in distinct.items()}
        figs.append(str(plot_overlays(decoded[first], {n: m[k] for n, m in maps.items()}, out_dir / f"attention_{k}.png",
                                      title=textwrap.fill(f"{ids[k]}: {methods}", 70), labels=labels,
                                      centred=centred, strides=strides,
                                      own_frames={n: decoded[v] for n, v in view.items() if v != first})))
    return figs


def _two_grids(grids: dict[str, list[int]], labels: dict[str, str] | None) -> str:
    """Why two models' maps get no divergence: another backbone as ``--pretrained`` maps to another token grid (a
    refusal there came after every other analysis and rollout, in place of the whole evaluation)."""
    from bgs_hf.viz.models import model_name

    (first, a), (second, b) = grids.items()
    return (f"{'×'.join(map(str, a))} tokens for {model_name(first, labels=labels)}, {'×'.join(map(str, b))} for "
            f"{model_name(second, labels=labels)}: maps on two token grids cannot be compared token by token (compare "
            "two models of one backbone and frame policy)")


def attention_analysis(models: dict[str, Any], data: Any, items: Sequence[int] | np.ndarray, cache: Any = None, *,
                       out_dir: str | Path | None = None, n_overlays: int = 2,
                       labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Rollout maps of ``items`` for each model; divergence between the first two (``{"skipped": why}`` where their
    maps lie on different token grids: each model's own maps and agent mass still count); agent-mask mass.
    ``labels``: display names overriding a model key's standard one in the figures and that reason."""
    from tqdm.auto import tqdm

    from bgs_hf.eval.embed import as_cache, clip_paths
    from bgs_hf.video import load_clip

    cache = as_cache(cache)
    paths = clip_paths(data, items)
    masks = load_masks_for(data)
    ids = [data.clips["clip_id"][int(i)] for i in items]
    result: dict[str, Any] = {"n_clips": len(items), "models": {}}
    maps: dict[str, list[np.ndarray]] = {}
    agent_mass: dict[str, np.ndarray] = {}
    for name, model in models.items():
        try:
            maps[name] = [rollout_maps(model, load_clip(p, model.frame_policy, cache))
                          for p in tqdm(paths, desc=f"rollout {name}", unit="clip")]
        except BGSInputError as err:  # no map for this model (no attention weights, ...): said, the others still run
            result["models"][name] = {"skipped": str(err)}
            continue
        entry: dict[str, Any] = {"grid": list(maps[name][0].shape), "method": rollout_method(model)}
        if masks is not None:
            mass, area = _agent_mass_per_clip(model, maps[name], ids, masks)
            if mass:
                agent_mass[name] = np.asarray(mass)
                entry.update({"agent_mass": float(np.mean(mass)), "agent_mass_sd": float(np.std(mass)),
                              "agent_area": float(np.mean(area)), "n_masked_clips": len(mass)})
        result["models"][name] = entry
    names = list(maps)
    if len(names) >= 2:
        grids = {n: result["models"][n]["grid"] for n in names[:2]}
        if len({tuple(g) for g in grids.values()}) > 1:  # the rest of the evaluation stands: this comparison alone goes
            result["divergence"] = {"skipped": _two_grids(grids, labels)}
        else:
            result["divergence"] = map_divergence(maps[names[0]], maps[names[1]], ids=ids)
        result["divergence"]["between"] = names[:2]
        if names[0] in agent_mass and names[1] in agent_mass:
            result["agent_mass_change"] = _agent_mass_change(agent_mass[names[0]], agent_mass[names[1]], names[:2])
    if out_dir is not None and maps:
        methods = "; ".join(dict.fromkeys(result["models"][n]["method"] for n in names))
        geometry = {n: token_strides(models[n]) for n in names}
        centred = [n for n in names if geometry[n][2]]
        result["figures"] = _overlay_figures(maps, {n: models[n].frame_policy for n in names}, paths, ids, methods,
                                             Path(out_dir), n_overlays, labels, centred,
                                             {n: g[:2] for n, g in geometry.items()})
    return result
