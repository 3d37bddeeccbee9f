"""Latent social-affective attributes of a SocialShapes clip, and their noisy "rated" versions.

The latents play the role of what raters perceive: social attributes follow from the interaction
type and its continuous parameters (energy, closeness, facing); scene attributes (indoor, expanse,
object) follow from the nuisance context only. ``agent_distance`` and ``facingness`` are measured
on the rendered trajectories.
"""

from __future__ import annotations

import numpy as np

from bgs_hf.synth.scene import INTERACTIONS, Scene, SynthConfig

#: Rating attributes in the release's column order (``rating-<attr>`` in annotations.csv).
RATING_ATTRS: tuple[str, ...] = (
    "indoor",
    "expanse",
    "object",
    "agent_distance",
    "facingness",
    "joint_action",
    "communication",
    "valence",
    "arousal",
    "intimacy",
    "dominance",
)

#: The social-affective attributes that define the observers' latent space.
SOCIAL_ATTRS: tuple[str, ...] = (
    "communication",
    "valence",
    "arousal",
    "intimacy",
    "dominance",
    "joint_action",
)

#: Per-type base values of the social attributes (communication, valence, arousal, intimacy, dominance,
#: joint_action). Chosen by hand to resemble the intuitive profiles of these interactions.
TYPE_PROFILES: dict[str, tuple[float, ...]] = {
    "chase": (0.30, 0.35, 0.85, 0.20, 0.70, 0.60),
    "fight": (0.40, 0.05, 0.95, 0.30, 0.80, 0.70),
    "hug": (0.60, 0.95, 0.45, 0.95, 0.20, 0.90),
    "help": (0.55, 0.80, 0.45, 0.55, 0.45, 0.85),
    "avoid": (0.25, 0.25, 0.55, 0.10, 0.55, 0.20),
    "ignore": (0.05, 0.50, 0.20, 0.05, 0.10, 0.05),
    "follow": (0.30, 0.60, 0.35, 0.35, 0.45, 0.60),
    "talk": (0.95, 0.70, 0.30, 0.60, 0.25, 0.70),
}
assert set(TYPE_PROFILES) == set(INTERACTIONS)


def measured_geometry(positions: np.ndarray, headings: np.ndarray) -> tuple[float, float]:
    """(agent_distance, facingness) in [0,1] from the pair's trajectories (agents 0 and 1)."""
    d = positions[1] - positions[0]
    dist = float(np.linalg.norm(d, axis=-1).mean())
    to_other = np.arctan2(d[:, 1], d[:, 0])
    f0 = np.cos(headings[0] - to_other)
    f1 = np.cos(headings[1] - (to_other + np.pi))
    facing = float(((f0 + f1) / 2).mean())
    return float(np.clip(dist / 0.6, 0, 1)), float(np.clip((facing + 1) / 2, 0, 1))


def latent_attributes(
    scene: Scene, positions: np.ndarray, headings: np.ndarray, rng: np.random.Generator
) -> dict[str, float]:
    """True latent value of every rating attribute for one clip, in [0,1]."""
    comm, val, aro, inti, dom, joint = TYPE_PROFILES[scene.interaction]
    e, c, f = scene.energy - 0.5, scene.closeness - 0.5, scene.facing - 0.5
    idio = rng.normal(0, 0.05, size=6)  # clip-specific idiosyncrasy beyond the parameters
    dist, facingness = measured_geometry(positions, headings)
    out = {
        "indoor": 1.0 if scene.scene_kind == "indoor" else 0.0,
        "expanse": (0.15 if scene.scene_kind == "indoor" else 0.6)
        + 0.3 * (1 - scene.horizon) * scene.texture_scale * 4,
        "object": len(scene.distractors) / 5.0,
        "agent_distance": dist,
        "facingness": facingness,
        "joint_action": joint + 0.15 * c + idio[5],
        "communication": comm + 0.25 * f + idio[0],
        "valence": val + 0.05 * c + idio[1],
        "arousal": aro + 0.35 * e + idio[2],
        "intimacy": inti + 0.25 * c + 0.1 * f + idio[3],
        "dominance": dom + 0.2 * e + idio[4],
    }
    return {k: float(np.clip(out[k], 0.0, 1.0)) for k in RATING_ATTRS}


def rated(latents: dict[str, float], rng: np.random.Generator, config: SynthConfig) -> dict[str, float]:
    """What a panel of raters would report: latent + rater noise, clipped and rounded like mean ratings."""
    noisy = {k: float(np.clip(v + rng.normal(0, config.rating_noise), 0, 1)) for k, v in latents.items()}
    noisy["indoor"] = float(np.round(noisy["indoor"] * 20) / 20)
    return {k: round(v, 4) for k, v in noisy.items()}


def social_space(
    latents: np.ndarray, types: np.ndarray, params: np.ndarray, *, type_weight: float
) -> np.ndarray:
    """Coordinates of clips in the observers' latent social space.

    ``latents`` (N, len(SOCIAL_ATTRS)), ``types`` (N,) type codes, ``params`` (N,3) energy/closeness/
    facing. Interaction category counts as its own dimension block (people judge "what they are doing"),
    scaled by ``type_weight``; the rest is graded. Scaled so the mean squared distance over all ordered pairs (each
    clip with itself included) is 1.
    """
    onehot = np.eye(len(INTERACTIONS))[types] * type_weight / np.sqrt(2)
    z = np.concatenate([latents, 0.5 * params, onehot], axis=1).astype(np.float64)
    z = z - z.mean(axis=0)
    msd = 2 * (z**2).sum(axis=1).mean()
    return z / np.sqrt(max(msd, 1e-12))
