"""Rasterise a SocialShapes :class:`~bgs_hf.synth.scene.Scene` into frames and agent masks, write h264.

Pure numpy (no drawing library), so rendering is deterministic across platforms. The background and
camera jitter are drawn from the scene's nuisance seed only; agents move as :func:`trajectories` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from bgs_hf.synth.scene import Scene, SynthConfig, trajectories


@dataclass
class RenderedClip:
    """Frames plus per-pixel agent identity, so later analyses can ask whether attention is on agents.

    ``frames``: uint8 (T,H,W,3). ``agent_labels``: uint8 (T,H,W), 0 = not an agent, k = agent k-1
    (visible pixels after occlusion). ``positions`` (A,T,2) world coords in [0,1] (x right, y down),
    ``headings`` (A,T) radians.
    """

    frames: np.ndarray
    agent_labels: np.ndarray
    positions: np.ndarray
    headings: np.ndarray

    @property
    def agent_masks(self) -> np.ndarray:
        """bool (T,H,W): pixel belongs to any agent."""
        return self.agent_labels > 0

    def agent_mask(self, k: int) -> np.ndarray:
        """bool (T,H,W): pixel belongs to agent ``k`` (0-based)."""
        return self.agent_labels == k + 1


def _value_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Smooth noise in [-1,1]: a random grid upsampled bilinearly."""
    g = rng.uniform(-1, 1, size=(cells + 1, cells + 1))
    ys = np.linspace(0, cells, h)
    xs = np.linspace(0, cells, w)
    y0 = np.minimum(ys.astype(int), cells - 1)
    x0 = np.minimum(xs.astype(int), cells - 1)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[None, :]
    a = g[y0][:, x0]
    b = g[y0][:, x0 + 1]
    c = g[y0 + 1][:, x0]
    d = g[y0 + 1][:, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def render_background(scene: Scene, config: SynthConfig, pad: int = 0) -> np.ndarray:
    """Static scene context, float32 (S+2pad, S+2pad, 3) in [0,255]."""
    rng = np.random.default_rng(scene.nuisance_seed)
    n = config.size + 2 * pad
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / config.size
    top = np.array(scene.background, np.float32)
    bottom = np.array(scene.background2, np.float32)
    ground = (yy > scene.horizon + pad / config.size)[..., None]
    period = max(scene.texture_scale, 0.04)
    s = 40.0 * config.texture_strength
    if scene.scene_kind == "abstract":  # PHASE-like: plain floor, dark walls at the frame border
        img = top + 0 * yy[..., None]
        m = pad / config.size + 0.03
        wall = (
            (xx < m) | (xx > 1 + 2 * pad / config.size - m) | (yy < m) | (yy > 1 + 2 * pad / config.size - m)
        )
        return np.where(wall[..., None], np.float32(40.0), img).astype(np.float32)
    if scene.scene_kind == "indoor":
        wall = top + 0 * yy[..., None]
        if scene.texture == "stripes":
            wall = wall + s * 0.6 * np.sign(np.sin(2 * np.pi * xx / period))[..., None]
            floor = bottom + s * 0.3 * _value_noise(rng, n, n, 6)[..., None]
        elif scene.texture == "tiles":
            checker = np.sign(np.sin(np.pi * xx / period) * np.sin(np.pi * yy / period))
            floor = bottom + s * 0.8 * checker[..., None]
        else:  # planks
            row = np.floor(yy / (period * 0.5))
            seam = (np.abs(((xx + 0.37 * row) / (2 * period)) % 1.0) < 0.04) | (
                ((yy / (period * 0.5)) % 1) < 0.12
            )
            floor = bottom - s * 1.0 * seam[..., None] + s * 0.2 * _value_noise(rng, n, n, 12)[..., None]
        skirting = (np.abs(yy - scene.horizon - pad / config.size) < 0.015)[..., None]
        img = np.where(ground, floor, wall) - 60 * skirting
    else:
        sky = top + (yy[..., None] * 60.0) * np.array([0.6, 0.4, -0.2], np.float32)
        if scene.texture == "noise":
            tex = _value_noise(rng, n, n, 10)
        elif scene.texture == "blobs":
            tex = np.zeros((n, n), np.float32)
            for _ in range(12):
                cx, cy, r = rng.uniform(0, n), rng.uniform(0, n), rng.uniform(0.03, 0.12) * n
                tex += np.where((xx * config.size - cx) ** 2 + (yy * config.size - cy) ** 2 < r * r, 1.0, 0.0)
            tex = np.clip(tex, 0, 1) * 2 - 1
        else:  # grass: vertical streaks
            tex = _value_noise(rng, n, max(n * 2, 8), 24)[:, :n] * np.sign(
                np.sin(2 * np.pi * xx / (period * 0.3))
            )
        ground_img = bottom + s * 0.8 * tex[..., None]
        clouds = np.clip(_value_noise(rng, n, n, 4), 0, 1)[..., None] * 80 * config.texture_strength
        img = np.where(ground, ground_img, sky + clouds)
    return np.clip(img, 0, 255).astype(np.float32)


def shape_mask(
    xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, r: float, heading: float, shape: str
) -> np.ndarray:
    """bool mask of a shape of radius ``r`` centred at (cx,cy), rotated to ``heading`` (world units)."""
    dx, dy = xx - cx, yy - cy
    ch, sh = np.cos(heading), np.sin(heading)
    a = dx * ch + dy * sh  # along heading
    b = -dx * sh + dy * ch  # across
    if shape == "circle":
        return a * a + b * b < r * r
    if shape == "square":
        return np.maximum(np.abs(a), np.abs(b)) < 0.85 * r
    if shape == "diamond":
        return np.abs(a) + np.abs(b) < 1.15 * r
    if shape == "hexagon":
        ang = np.arctan2(b, a)
        rad = np.sqrt(a * a + b * b)
        return rad * np.cos(((ang + np.pi / 6) % (np.pi / 3)) - np.pi / 6) < 0.95 * r
    if shape == "triangle":  # isosceles, apex along the heading
        return (a > -0.7 * r) & (a < 1.1 * r) & (np.abs(b) < 0.75 * (1.1 * r - a))
    if shape == "bar":
        return (np.abs(a) < r) & (np.abs(b) < 0.3 * r)
    raise ValueError(f"unknown shape {shape!r}")


def _camera_offsets(scene: Scene, config: SynthConfig) -> np.ndarray:
    """Per-frame camera shift in pixels (T,2): slow drift plus shake, amplitude ``scene.jitter``."""
    rng = np.random.default_rng(scene.nuisance_seed + 1)
    T = config.num_frames
    drift = np.cumsum(rng.standard_normal((T, 2)), axis=0)
    drift -= drift.mean(axis=0)
    drift /= max(np.abs(drift).max(), 1e-6)
    shake = rng.standard_normal((T, 2)) * 0.5
    return scene.jitter * (drift + shake)


def render_scene(scene: Scene, config: SynthConfig | None = None) -> RenderedClip:
    """Draw every frame: background, distractors, then agents (with an eye dot showing facing)."""
    config = config or SynthConfig()
    S, T = config.size, config.num_frames
    pos, head = trajectories(scene, config)
    pad = int(np.ceil(3 * config.jitter_px)) + 1
    bg = render_background(scene, config, pad=pad)
    offsets = _camera_offsets(scene, config)
    yy, xx = (np.mgrid[0:S, 0:S].astype(np.float32) + 0.5) / S
    frames = np.empty((T, S, S, 3), np.uint8)
    labels = np.zeros((T, S, S), np.uint8)
    r = config.agent_radius
    t = np.linspace(0.0, 1.0, T)
    for f in range(T):
        ox, oy = offsets[f]
        ix, iy = int(round(pad + ox)), int(round(pad + oy))
        img = bg[iy : iy + S, ix : ix + S].copy()
        wx, wy = xx + (ix - pad) / S, yy + (iy - pad) / S  # world coords seen by this frame's pixels
        for d in scene.distractors:
            cx, cy = d.x + d.vx * t[f], d.y + d.vy * t[f]
            m = shape_mask(wx, wy, cx, cy, d.radius, 0.3, d.shape)
            img[m] = d.colour
        for k in range(pos.shape[0]):
            cx, cy = pos[k, f]
            h = head[k, f]
            colour = np.array(scene.agent_colours[k], np.float32)
            m = shape_mask(wx, wy, cx, cy, r, h, scene.agent_shapes[k])
            img[m] = colour * 0.8
            inner = shape_mask(wx, wy, cx, cy, 0.8 * r, h, scene.agent_shapes[k])
            img[inner] = colour
            eye_x, eye_y = cx + 0.55 * r * np.cos(h), cy + 0.55 * r * np.sin(h)
            eye = (wx - eye_x) ** 2 + (wy - eye_y) ** 2 < (0.32 * r) ** 2
            lum = colour @ np.array([0.299, 0.587, 0.114], np.float32)
            img[eye] = 20.0 if lum > 110 else 245.0
            labels[f][m | eye] = k + 1  # the eye reaches past the body's edge: it is the agent's pixels too
        frames[f] = np.clip(img, 0, 255).astype(np.uint8)
    return RenderedClip(frames=frames, agent_labels=labels, positions=pos, headings=head)


def write_video(path: str | Path, frames: np.ndarray, fps: float | Fraction, *, crf: int = 18) -> Path:
    """Encode uint8 (T,H,W,3) RGB frames as h264/yuv420p MP4 (even sizes) through :func:`bgs_hf.video.write_video`,
    with :data:`~bgs_hf.video.write.DETERMINISTIC_X264`, so that a seed gives the same bytes."""
    from bgs_hf.video.write import DETERMINISTIC_X264
    from bgs_hf.video.write import write_video as write

    _, H, W, _ = frames.shape
    if H % 2 or W % 2:
        raise ValueError(f"h264 yuv420p needs even frame sizes, got {W}x{H}")
    return write(path, frames, fps=fps, options={"crf": str(crf), "preset": "veryfast", **DETERMINISTIC_X264})
