"""SocialShapes scenes: what happens socially (motion, facing) kept independent of what it looks like.

A :class:`Scene` holds two groups of parameters sampled independently of each other:

* **social content** — interaction type, energy, who leads, closeness, facing. These drive the agents'
  trajectories and headings (:func:`trajectories`) and the latent social-affective attributes.
* **nuisance** — scene kind (indoor/outdoor-like), background colours and texture, agent colours and
  shapes, distractor objects, camera jitter. They change the pixels a lot and the social meaning not at all.

This split reproduces the structure of the real problem: people judge what the agents are doing, while
the pixels are dominated by scene context.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

#: Interaction types, shown only through motion and facing.
INTERACTIONS: tuple[str, ...] = ("chase", "fight", "hug", "help", "avoid", "ignore", "follow", "talk")

#: Agent body shapes (nuisance).
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "hexagon")

#: Scene kinds (nuisance); "indoor" has a wall and a tiled or wooden floor (or a striped wall and a plain floor),
#: "outdoor" a sky and a textured ground.
SCENE_KINDS: tuple[str, ...] = ("indoor", "outdoor")

#: Per-type range of each continuous social parameter (before ``SynthConfig.param_overlap`` mixing).
#: energy: speed/vigour; closeness: how near the agents stay; facing: how much they face each other.
TYPE_PARAM_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "chase": {"energy": (0.6, 1.0), "closeness": (0.2, 0.6), "facing": (0.2, 0.6)},
    "fight": {"energy": (0.6, 1.0), "closeness": (0.5, 0.9), "facing": (0.7, 1.0)},
    "hug": {"energy": (0.1, 0.5), "closeness": (0.7, 1.0), "facing": (0.7, 1.0)},
    "help": {"energy": (0.2, 0.6), "closeness": (0.5, 0.9), "facing": (0.4, 0.8)},
    "avoid": {"energy": (0.3, 0.8), "closeness": (0.0, 0.4), "facing": (0.0, 0.4)},
    "ignore": {"energy": (0.0, 0.5), "closeness": (0.0, 0.5), "facing": (0.0, 0.3)},
    "follow": {"energy": (0.1, 0.5), "closeness": (0.3, 0.7), "facing": (0.3, 0.7)},
    "talk": {"energy": (0.0, 0.4), "closeness": (0.4, 0.8), "facing": (0.7, 1.0)},
}


#: Ranges of the SynthConfig fields: (integer only, check, the range in words). Probabilities and shares lie in
#: [0, 1]; strengths and noise levels are finite and >= 0.
_LIMITS: dict[str, tuple[bool, Callable[[float], bool], str]] = {
    "num_frames": (True, lambda v: v >= 2, ">= 2"),
    "size": (True, lambda v: v >= 16 and v % 2 == 0, "even and >= 16 (h264, agents of a few px)"),
    # the frame rate keeps thousandths of a second: 0.0004 s rounded to 0 and the rate divided by it
    "duration_s": (False, lambda v: v > 0 and Fraction(v).limit_denominator(1000) > 0,
                   "> 0 that is at least 1/1000 once rounded to thousandths"),
    "agent_radius": (False, lambda v: 0 < v < 0.5, "in (0, 0.5)"),
    "third_agent_prob": (False, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "param_overlap": (False, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "motion_noise": (False, lambda v: v >= 0, ">= 0"),
    "texture_strength": (False, lambda v: v >= 0, ">= 0"),
    "max_distractors": (True, lambda v: v >= 0, ">= 0"),
    "distractor_motion": (False, lambda v: v >= 0, ">= 0"),
    "jitter_px": (False, lambda v: v >= 0, ">= 0"),
    "obs_per_pair": (False, lambda v: v > 0, "> 0"),
    "sets_per_participant": (True, lambda v: v >= 1, ">= 1"),
    "trials_per_set": (True, lambda v: v >= 2, ">= 2 (one of them is the catch trial)"),
    "repeat_fraction": (False, lambda v: 0 <= v < 1, "in [0, 1)"),
    "type_weight": (False, lambda v: v >= 0, ">= 0"),
    "choice_beta": (False, lambda v: v >= 0, ">= 0"),
    "weight_jitter": (False, lambda v: v >= 0, ">= 0"),
    "lapse": (False, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "rating_noise": (False, lambda v: v >= 0, ">= 0"),
    "test_fraction": (False, lambda v: 0 < v < 1, "in (0, 1)"),
    "captions_per_clip": (True, lambda v: v >= 1, ">= 1"),
    "caption_vague_rate": (False, lambda v: 0 <= v <= 1, "in [0, 1]"),
    "workers": (True, lambda v: v >= 1, ">= 1"),
    "crf": (True, lambda v: 0 <= v <= 51, "in [0, 51] (h264)"),
}


@dataclass
class SynthConfig:
    """Everything that shapes a SocialShapes benchmark. Defaults are calibrated to the real release.

    Rendering: ``num_frames`` frames of ``size`` px over ``duration_s`` seconds (fps = frames/duration).
    Difficulty: ``param_overlap`` mixes each type's parameter range with the full [0,1] range (0 = types
    well separated, 1 = continuous parameters carry no type information); ``motion_noise`` adds wobble.
    Nuisance strengths scale how much the scene context dominates the pixels.
    Observers: see :mod:`bgs_hf.synth.observers`.
    """

    # rendering
    num_frames: int = 16
    size: int = 64
    duration_s: float = 3.0
    agent_radius: float = 0.075  # fraction of the frame side
    third_agent_prob: float = 0.25
    # difficulty of the social content
    param_overlap: float = 0.25
    motion_noise: float = 0.01
    # nuisance strengths
    texture_strength: float = 1.0
    max_distractors: int = 4
    distractor_motion: float = 0.05
    jitter_px: float = 1.5
    # observers (simulated humans)
    #: regular trials = obs_per_pair * n_pairs / 3, rounded up to whole participants (release: 4.54)
    obs_per_pair: float = 4.54
    sets_per_participant: int = 11
    trials_per_set: int = 21  # including one catch trial
    repeat_fraction: float = 0.254  # share of regular trials repeating a triplet shown elsewhere
    type_weight: float = 0.75  # weight of the interaction category in the observers' social space
    choice_beta: float = 3.0  # softmax inverse temperature: higher = more consistent observers
    weight_jitter: float = 0.2  # sd of per-participant log dimension weights
    lapse: float = 0.1  # probability of a random guess
    rating_noise: float = 0.12
    # split
    test_fraction: float = 0.2
    # captions
    captions_per_clip: int = 5
    caption_vague_rate: float = 0.2
    # generation
    workers: int = 2
    crf: int = 18

    def __post_init__(self) -> None:
        """Refuse a value out of range here, not deep in generation (a ZeroDivisionError) or, worse, by simulating
        with it (``lapse=1.5`` inverts the observers' choices, ``choice_beta=nan`` makes every one pick clip 1). A
        numpy number is kept as the Python ``int`` or ``float`` it equals, so the config can be written as JSON."""
        from bgs_hf.errors import BGSInputError, is_finite_real

        for name, (integral, check, text) in _LIMITS.items():
            value = getattr(self, name)
            kind = numbers.Integral if integral else numbers.Real
            # an integer is finite: a count beyond float range is taken as any large count is
            finite = isinstance(value, numbers.Integral) if integral else is_finite_real(value)
            if isinstance(value, bool) or not isinstance(value, kind) or not finite or not check(value):
                raise BGSInputError(f"SynthConfig.{name} must be {'an integer' if integral else 'a number'} {text}, "
                                    f"got {value!r}")
            if type(value) not in (int, float):  # a numpy scalar (a sweep's np.arange) failed in json.dumps of
                # ground_truth.json once every clip had been rendered: kept as the Python number it equals
                setattr(self, name, int(value) if isinstance(value, numbers.Integral) else float(value))

    @property
    def fps(self) -> Fraction:
        """Frame rate that makes every clip last ``duration_s`` seconds."""
        return Fraction(self.num_frames) / Fraction(self.duration_s).limit_denominator(1000)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Distractor:
    """A non-social object: it may drift slowly, never interacts."""

    x: float
    y: float
    radius: float
    shape: str
    colour: tuple[int, int, int]
    vx: float = 0.0
    vy: float = 0.0


@dataclass
class Scene:
    """One clip's parameters. Social fields and nuisance fields are sampled independently."""

    # social content
    interaction: str
    energy: float
    leader: int  # which of agents 0/1 leads (approacher, helper, the one in front that is chased or followed)
    closeness: float
    facing: float
    third_agent: bool
    centre: tuple[float, float]
    direction: float  # global orientation of the interaction, radians (hides layout from mean frames)
    motion_seed: int
    # nuisance
    scene_kind: str
    background: tuple[int, int, int]
    background2: tuple[int, int, int]
    texture: str
    texture_scale: float
    horizon: float
    agent_colours: list[tuple[int, int, int]]
    agent_shapes: list[str]
    distractors: list[Distractor] = field(default_factory=list)
    jitter: float = 0.0
    nuisance_seed: int = 0

    @property
    def n_agents(self) -> int:
        return 3 if self.third_agent else 2

    def to_dict(self) -> dict:
        return asdict(self)


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, size=3))  # type: ignore[return-value]


def _distinct_colour(rng: np.random.Generator, avoid: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    """A saturated colour far (in RGB) from everything in ``avoid``, so agents stay visible."""
    best, best_d = None, -1.0
    for _ in range(12):
        hue = rng.random()
        c = np.clip(np.abs(((hue * 6 + np.array([0, 4, 2])) % 6) - 3) - 1, 0, 1)  # hue -> rgb
        c = (0.25 + 0.75 * c) * rng.uniform(0.6, 1.0) * 255
        d = min((np.linalg.norm(c - np.array(a)) for a in avoid), default=1e9)
        if d > best_d:
            best, best_d = c, d
    return tuple(int(v) for v in best)  # type: ignore[arg-type, return-value]


def _sample_param(rng: np.random.Generator, lo_hi: tuple[float, float], overlap: float) -> float:
    """In the type's range ``lo_hi``, or with probability ``overlap`` anywhere in [0, 1]: how
    ``SynthConfig.param_overlap`` makes the continuous parameters say less about the type."""
    if rng.random() < overlap:
        return float(rng.random())
    return float(rng.uniform(*lo_hi))


def sample_scene(
    rng: np.random.Generator, config: SynthConfig | None = None, *, interaction: str | None = None
) -> Scene:
    """Draw one scene. Social content and nuisance come from two independent child generators, so that drawing either
    differently (another ``interaction``, more distractors) leaves the other as it was."""
    config = config or SynthConfig()
    social_rng, nuisance_rng = rng.spawn(2)
    return Scene(**_sample_social(social_rng, config, interaction), **_sample_nuisance(nuisance_rng, config))


def _sample_social(rng: np.random.Generator, config: SynthConfig, interaction: str | None) -> dict[str, Any]:
    """The :class:`Scene` fields of its social content (``interaction`` drawn too when ``None``; an empty one is
    refused like any unknown name, not taken for "draw one")."""
    from bgs_hf.errors import BGSInputError

    kind = INTERACTIONS[int(rng.integers(len(INTERACTIONS)))] if interaction is None else interaction
    if kind not in INTERACTIONS:
        raise BGSInputError(f"unknown interaction {kind!r}; choose from {', '.join(INTERACTIONS)}")
    ranges = TYPE_PARAM_RANGES[kind]
    energy = _sample_param(rng, ranges["energy"], config.param_overlap)
    closeness = _sample_param(rng, ranges["closeness"], config.param_overlap)
    facing = _sample_param(rng, ranges["facing"], config.param_overlap)
    leader = int(rng.integers(2))
    third = bool(rng.random() < config.third_agent_prob)
    centre = (float(rng.uniform(0.38, 0.62)), float(rng.uniform(0.38, 0.62)))
    direction = float(rng.uniform(0, 2 * np.pi))
    return dict(
        interaction=kind,
        energy=energy,
        leader=leader,
        closeness=closeness,
        facing=facing,
        third_agent=third,
        centre=centre,
        direction=direction,
        motion_seed=int(rng.integers(2**31)),
    )


def _sample_nuisance(rng: np.random.Generator, config: SynthConfig) -> dict[str, Any]:
    """The :class:`Scene` fields of its look: none of them changes what the agents do."""
    scene_kind = SCENE_KINDS[int(rng.integers(2))]
    if scene_kind == "indoor":  # warm/neutral wall over a tiled or wooden floor, or striped over a plain one
        background = _colour(rng, 90, 230)
        background2 = tuple(int(v) for v in np.clip(np.array(_colour(rng, 60, 200)) * [1.0, 0.85, 0.7], 0, 255))
        texture = ["tiles", "planks", "stripes"][int(rng.integers(3))]
        horizon = float(rng.uniform(0.25, 0.5))
    else:  # sky over grass/sand/road
        background = tuple(int(v) for v in (rng.integers(90, 170), rng.integers(150, 210), rng.integers(200, 256)))
        background2 = [
            (int(rng.integers(40, 100)), int(rng.integers(110, 180)), int(rng.integers(30, 90))),  # grass
            (int(rng.integers(170, 230)), int(rng.integers(150, 200)), int(rng.integers(90, 140))),  # sand
            (int(rng.integers(80, 130)),) * 3,  # road
        ][int(rng.integers(3))]
        texture = ["noise", "blobs", "grass"][int(rng.integers(3))]
        horizon = float(rng.uniform(0.15, 0.4))
    texture_scale = float(rng.uniform(0.05, 0.25))
    colours: list[tuple[int, int, int]] = []
    for _ in range(3):
        colours.append(_distinct_colour(rng, [background, background2, *colours]))
    shapes = [SHAPES[int(i)] for i in rng.integers(len(SHAPES), size=3)]
    if rng.random() < 0.5:  # half the clips: both main agents look alike
        shapes[1] = shapes[0]
    n_distract = int(rng.integers(config.max_distractors + 1))
    distractors = []
    for _ in range(n_distract):
        ang = rng.uniform(0, 2 * np.pi)
        speed = config.distractor_motion * rng.uniform(0, 1)
        distractors.append(
            Distractor(
                x=float(rng.uniform(0.05, 0.95)),
                y=float(rng.uniform(0.05, 0.95)),
                radius=float(rng.uniform(0.04, 0.12)),
                shape=["circle", "square", "bar"][int(rng.integers(3))],
                colour=_colour(rng, 20, 240),
                vx=float(speed * np.cos(ang)),
                vy=float(speed * np.sin(ang)),
            )
        )
    jitter = float(rng.uniform(0.0, 1.0) * config.jitter_px)
    return dict(
        scene_kind=scene_kind,
        background=background,
        background2=background2,
        texture=texture,
        texture_scale=texture_scale,
        horizon=horizon,
        agent_colours=colours,
        agent_shapes=shapes,
        distractors=distractors,
        jitter=jitter,
        nuisance_seed=int(rng.integers(2**31)),
    )


# --------------------------------------------------------------------------------------------------
# Motion: positions (A,T,2) in [0,1]^2 world coordinates and headings (A,T) in radians.
# --------------------------------------------------------------------------------------------------


def _unit(a: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(a), np.sin(a)], axis=-1)


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, n: int = 2, k: int = 3) -> np.ndarray:
    """Smooth random curves (n, T) built from a few low-frequency sinusoids."""
    out = np.zeros((n, t.size))
    for _ in range(k):
        f = rng.uniform(0.5, 2.0, size=(n, 1))
        ph = rng.uniform(0, 2 * np.pi, size=(n, 1))
        out += np.sin(2 * np.pi * f * t[None] + ph) / k
    return out


#: below this speed, in arena widths per clip (1e-3 a frame at the default 16 frames), an agent counts as standing
#: still and keeps its fallback heading
STILL_SPEED_PER_CLIP = 0.015


def _heading_from_motion(p: np.ndarray, fallback: float) -> np.ndarray:
    """Heading along the velocity; where the agent barely moves keep the fallback heading.

    The paths are functions of clip time, so "barely moves" is judged per clip, not per frame: a fixed 1e-3 a frame
    turned slow walks into standing still as frames were added (in the "ignore" scenes of seeds 0-299, 3.6% of the
    agents' frames at 64 frames and 64% at 256 snapped to the fallback; none at 16)."""
    v = np.gradient(p, axis=0)
    speed = np.linalg.norm(v, axis=-1)
    h = np.arctan2(v[:, 1], v[:, 0])
    return np.where(speed > STILL_SPEED_PER_CLIP / (len(p) - 1), h, fallback)


def _toward(p_from: np.ndarray, p_to: np.ndarray) -> np.ndarray:
    d = p_to - p_from
    return np.arctan2(d[..., 1], d[..., 0])


def _blend_angle(a: np.ndarray, b: np.ndarray, w: float | np.ndarray) -> np.ndarray:
    """Circular interpolation from angle a (w=0) to b (w=1)."""
    return np.arctan2((1 - w) * np.sin(a) + w * np.sin(b), (1 - w) * np.cos(a) + w * np.cos(b))


@dataclass(frozen=True)
class _Stage:
    """What every interaction's motion is built from: the clip's time, its frame of reference and the scene's social
    parameters, set up once so that each interaction below says only how its pair moves."""

    rng: np.random.Generator  # the clip's one motion generator: every draw, shared or not, comes from it in order
    t: np.ndarray  # clip time, 0..1 over the T frames
    centre: np.ndarray  # scene.centre, the middle of the pair's motion
    u: np.ndarray  # unit vector along scene.direction: the interaction's main axis
    v: np.ndarray  # u turned a quarter left: the axis across it
    direction: float  # scene.direction (radians), the fallback heading of an agent standing still
    energy: float
    closeness: float
    facing: float
    dist: float  # typical separation of the pair
    span: float  # distance travelled over the clip
    wob: np.ndarray  # (2, T) smooth wobble shared by the pair's paths, headings and the bystander's path

    @property
    def T(self) -> int:
        return self.t.size


class _PairMotion(NamedTuple):
    """Positions (T, 2) and headings (T,) of the pair, by role: ``lead`` is the leader, ``other`` its partner."""

    lead: np.ndarray
    other: np.ndarray
    h_lead: np.ndarray
    h_other: np.ndarray


def _pursuit(m: _Stage, speed: float, gap: np.ndarray, lunge: bool) -> _PairMotion:
    """One agent goes along a gently curving path and the other comes after it ``gap`` behind on the same path: the
    pursuer looks at its target, the target glances back at it more the higher ``facing``."""
    T, t, u = m.T, m.t, m.u
    curve = 0.08 * m.wob[0]
    lead = m.centre + np.outer(t - 0.5, speed * u) + np.outer(curve, m.v)
    lag = np.clip(np.round(gap / max(speed, 1e-3) * (T - 1)).astype(int), 1, T - 1)
    # the path extended backwards before the clip starts, so the pursuer has a place on it from the first frame
    ext = np.concatenate([lead[0] - np.outer(np.arange(T - 1, 0, -1) / (T - 1), speed * u), lead])
    other = ext[np.arange(T) + (T - 1) - lag]
    h_lead = _heading_from_motion(lead, m.direction)
    look_back = _toward(lead, other)
    h_lead = _blend_angle(h_lead, look_back, 0.5 * m.facing * (0.5 + 0.5 * np.sin(6 * t + m.wob[1])))
    h_other = _toward(other, lead)
    if lunge:  # the chaser lunges: speed bursts along the path (after its heading, which stays on the target)
        other = other + np.outer(0.02 * m.energy * np.sin(2 * np.pi * 3 * t), u)
    return _PairMotion(lead, other, h_lead, h_other)


def _chase(m: _Stage) -> _PairMotion:
    """A chase: the pursuer runs at full speed, closes in (the gap shrinks to 40%) and lunges."""
    return _pursuit(m, m.span, m.dist * (1.0 - 0.6 * m.t), lunge=True)


def _follow(m: _Stage) -> _PairMotion:
    """Following: slower than a chase, at a steady distance, without lunges."""
    return _pursuit(m, 0.6 * m.span, np.full(m.T, m.dist), lunge=False)


def _fight(m: _Stage) -> _PairMotion:
    """A fight: face to face across a swaying axis, each lunging at the other out of step (faster and harder with
    ``energy``), jostling, and at least 0.14 apart between lunges."""
    t, e = m.t, m.energy
    axis = m.direction + 0.6 * m.wob[0]
    ua = _unit(axis)
    f = 2.0 + 3.0 * e
    amp = 0.04 + 0.06 * e
    half = np.maximum(m.dist, 0.14) / 2
    off_l = half - amp * np.abs(np.sin(2 * np.pi * f * t))
    off_o = half - amp * np.abs(np.sin(2 * np.pi * f * t + np.pi / 2))
    shake = 0.015 * e * m.rng.standard_normal((m.T, 2))
    lead = m.centre + ua * off_l[:, None] + shake
    other = m.centre - ua * off_o[:, None] - shake
    return _PairMotion(lead, other, _toward(lead, other), _toward(other, lead))


def _hug(m: _Stage) -> _PairMotion:
    """A hug: the pair come together smoothly over the first 60% of the clip (from further apart with more
    ``energy``, closer in the end with more ``closeness``), then sway together."""
    t, u, v = m.t, m.u, m.v
    start = 0.2 + 0.1 * m.energy
    end = 0.05 + 0.05 * (1 - m.closeness)
    s = np.clip(t / 0.6, 0, 1)
    s = s * s * (3 - 2 * s)  # smoothstep: they slow down as they meet
    half = start + (end - start) * s
    sway = 0.01 * np.sin(2 * np.pi * 1.5 * t) * (t > 0.6)
    lead = m.centre + np.outer(half, u) + np.outer(sway, v)
    other = m.centre - np.outer(half, u) + np.outer(sway, v)
    return _PairMotion(lead, other, _toward(lead, other), _toward(other, lead))


def _help(m: _Stage) -> _PairMotion:
    """Helping: the one in need struggles in place for the first half while the helper comes over, watching it, to
    get behind it; then the pair move off together, both facing the way they go."""
    t, u, v, cl = m.t, m.u, m.v, m.closeness
    needy0 = m.centre - 0.12 * v
    struggle = 0.03 * np.abs(np.sin(2 * np.pi * 2.5 * t)) * (t < 0.5)
    together = np.clip((t - 0.5) / 0.5, 0, 1) * 0.5 * m.span
    other = needy0 + np.outer(struggle + together, v)
    approach = np.clip(t / 0.5, 0, 1)
    lead_start = needy0 + (0.3 + 0.1 * (1 - cl)) * u
    behind = other - (0.06 + 0.05 * (1 - cl)) * v
    lead = lead_start[None] * (1 - approach[:, None]) + behind * approach[:, None]
    h_other = np.full(m.T, np.arctan2(v[1], v[0]))
    h_lead = np.where(t < 0.55, _toward(lead, other), h_other)
    return _PairMotion(lead, other, h_lead, h_other)


def _avoid(m: _Stage) -> _PairMotion:
    """Avoiding: the leader walks up to the other, who backs off faster (more so with ``energy``) and veers aside,
    its back turned but for glances back about 40% of the time, turning further round the higher ``facing``."""
    t, u, v, e = m.t, m.u, m.v, m.energy
    lead = m.centre - 0.5 * m.dist * u + np.outer(t * 0.5 * m.span, u) + np.outer(0.05 * m.wob[0], v)
    other = m.centre + 0.5 * m.dist * u + np.outer(t * (0.5 * m.span + 0.1 + 0.1 * e), u) + np.outer(0.15 * t, v)
    away = _toward(lead, other)  # the approacher looks at the other; the other faces the same way, away from it
    glance = m.facing * (np.sin(2 * np.pi * 1.5 * t + m.wob[1]) > 0.3)
    return _PairMotion(lead, other, away, _blend_angle(away, away + np.pi, glance))


def _ignore(m: _Stage) -> _PairMotion:
    """Ignoring: the two start near each other and wander off each in its own direction (random, roughly
    opposite), looking only where they go."""
    t, u, v, span = m.t, m.u, m.v, m.span
    p0 = m.centre + 0.5 * m.dist * u
    p1 = m.centre - 0.5 * m.dist * u
    d0 = _unit(np.array(m.direction + m.rng.uniform(-2, 2)))
    d1 = _unit(np.array(m.direction + np.pi + m.rng.uniform(-2, 2)))
    lead = p0 + np.outer(t * 0.5 * span, d0) + 0.05 * np.outer(m.wob[0], v)
    other = p1 + np.outer(t * 0.5 * span, d1) + 0.05 * np.outer(m.wob[1], u)
    return _PairMotion(lead, other, _heading_from_motion(lead, m.direction),
                       _heading_from_motion(other, m.direction + np.pi))


def _talk(m: _Stage) -> _PairMotion:
    """Talking: the pair stand face to face and take turns (3 to 5 turns a clip), the one speaking nodding towards
    the other, more with ``energy``."""
    t, u = m.t, m.u
    half = max(m.dist, 0.12) / 2
    turn = (np.floor(t * m.rng.uniform(3, 5) + m.rng.random()) % 2).astype(float)  # who speaks
    nod = 0.015 * (1 + m.energy) * np.abs(np.sin(2 * np.pi * 4 * t))
    lead = m.centre + u * (half - nod * turn)[:, None]
    other = m.centre - u * (half - nod * (1 - turn))[:, None]
    return _PairMotion(lead, other, _toward(lead, other), _toward(other, lead))


#: How each interaction moves its pair; every name in INTERACTIONS has one.
_PAIR_MOTION: dict[str, Callable[[_Stage], _PairMotion]] = {
    "chase": _chase,
    "fight": _fight,
    "hug": _hug,
    "help": _help,
    "avoid": _avoid,
    "ignore": _ignore,
    "follow": _follow,
    "talk": _talk,
}

#: Interactions whose pair look at each other (or the helper at the one it helps): ``facing`` < 1 turns them away.
_FACING_TURNS_AWAY: frozenset[str] = frozenset({"fight", "hug", "talk", "help"})


def _bystander(m: _Stage) -> tuple[np.ndarray, np.ndarray]:
    """The third agent: drifts slowly in a straight line of its own, wobbling, and looks where it goes."""
    start = m.rng.uniform(0.1, 0.9, size=2)
    ang = m.rng.uniform(0, 2 * np.pi)
    p = start + np.outer(m.t, 0.15 * _unit(np.array(ang))) + 0.04 * np.stack([m.wob[0], m.wob[1]], -1)[:, ::-1]
    return p, _heading_from_motion(p, ang)


def trajectories(scene: Scene, config: SynthConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic agent motion for ``scene``: positions (A,T,2) and headings (A,T).

    Agent 0/1 are the interacting pair; ``scene.leader`` picks which of them plays the leading role.
    A third agent, when present, is an uninvolved bystander.

    Every draw comes from one generator seeded by ``scene.motion_seed``, in a fixed order (the wobble, the
    interaction's own draws, the facing turn, the bystander, the motion noise): SocialShapes' bytes depend on it.
    """
    config = config or SynthConfig()
    motion = _PAIR_MOTION.get(scene.interaction)
    if motion is None:  # pragma: no cover - guarded in sample_scene
        raise ValueError(scene.interaction)
    rng = np.random.default_rng(scene.motion_seed)
    t = np.linspace(0.0, 1.0, config.num_frames)
    u = _unit(np.array(scene.direction))
    m = _Stage(
        rng=rng,
        t=t,
        centre=np.array(scene.centre),
        u=u,
        v=np.array([-u[1], u[0]]),
        direction=scene.direction,
        energy=scene.energy,
        closeness=scene.closeness,
        facing=scene.facing,
        dist=0.42 - 0.3 * scene.closeness,
        span=0.25 + 0.35 * scene.energy,
        wob=_smooth_noise(rng, t, n=2),
    )
    lead, other, h_lead, h_other = motion(m)

    # facing < 1 turns agents away from their social heading by a per-clip angle (same sign all clip)
    if scene.interaction in _FACING_TURNS_AWAY:
        dev = (1.0 - scene.facing) * (np.pi / 2) * rng.choice([-1, 1], size=2)
        h_lead = h_lead + dev[0]
        h_other = h_other + dev[1]

    agents = [lead, other] if scene.leader == 0 else [other, lead]
    heads = [h_lead, h_other] if scene.leader == 0 else [h_other, h_lead]
    if scene.third_agent:
        p, h = _bystander(m)
        agents.append(p)
        heads.append(h)
    pos = np.stack(agents)
    pos = pos + config.motion_noise * rng.standard_normal(pos.shape)
    pos = np.clip(pos, 0.06, 0.94)
    return pos, np.stack(heads)
