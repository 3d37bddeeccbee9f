"""Human-like captions for SocialShapes clips: varied templates and synonyms, some vague or partly wrong.

Real captions describe what people do and where, with different words and levels of detail, and a
fraction miss the point. Here about ``caption_vague_rate`` of captions are vague ("some shapes moving
around") or name a confusable action (a chase called following), as real ones sometimes do.
"""

from __future__ import annotations

import colorsys
import re

import numpy as np

from bgs_hf.synth.scene import Scene

ACTIONS: dict[str, tuple[str, ...]] = {
    "chase": ("{A} chases {B}", "{A} is running after {B}", "{B} flees from {A}", "{A} pursues {B} {manner}"),
    "fight": (
        "{A} and {B} are fighting",
        "{A} and {B} shove each other back and forth",
        "{A} attacks {B} {manner}",
        "{A} and {B} scuffle",
    ),
    "hug": (
        "{A} and {B} come together and hug",
        "{A} and {B} move close and embrace",
        "{A} approaches {B} and they cuddle",
        "{A} and {B} meet and hug {manner}",
    ),
    "help": (
        "{A} helps {B} move along",
        "{A} pushes {B} to help it get up",
        "{A} gives {B} a hand",
        "{A} comes over and assists {B}",
    ),
    "avoid": (
        "{B} avoids {A}",
        "{B} moves away from {A}",
        "{A} approaches but {B} keeps its distance",
        "{B} shies away from {A} {manner}",
    ),
    "ignore": (
        "{A} and {B} ignore each other",
        "{A} and {B} wander around separately",
        "{A} and {B} move {manner} without interacting",
        "{A} and {B} go their own way",
    ),
    "follow": (
        "{B} follows {A}",
        "{A} leads and {B} follows behind",
        "{B} trails after {A} {manner}",
        "{B} walks behind {A}",
    ),
    "talk": (
        "{A} and {B} are talking",
        "{A} and {B} have a conversation",
        "{A} and {B} face each other and chat",
        "{A} and {B} take turns speaking",
    ),
}

#: Plausible confusions for "partly wrong" captions.
CONFUSIONS: dict[str, str] = {
    "chase": "follow",
    "fight": "chase",
    "hug": "talk",
    "help": "follow",
    "avoid": "ignore",
    "ignore": "avoid",
    "follow": "chase",
    "talk": "hug",
}

VAGUE: tuple[str, ...] = (
    "some shapes moving around",
    "two things on a screen",
    "an animation of coloured shapes",
    "something happens between two shapes",
    "shapes in a scene",
    "a short clip of two figures",
)

_FAST = ("quickly", "energetically", "frantically", "fast")
_SLOW = ("slowly", "calmly", "gently", "leisurely")
_NOUNS = ("shape", "figure", "shape", "figure", "character")
_SHAPE_WORDS = {
    "circle": ("circle", "ball", "round shape"),
    "square": ("square", "box", "block"),
    "triangle": ("triangle", "triangle", "pointy shape"),
    "diamond": ("diamond", "rhombus", "diamond"),
    "hexagon": ("hexagon", "six-sided shape", "hexagon"),
}


def colour_name(rgb: tuple[int, int, int]) -> str:
    """A basic colour word for an RGB triple (by hue, lightness and saturation)."""
    h, light, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    if s < 0.2:
        return "grey" if 0.25 < light < 0.75 else ("black" if light <= 0.25 else "white")
    names = ("red", "orange", "yellow", "green", "green", "cyan", "blue", "blue", "purple", "pink", "red")
    return names[min(int(h * 11), 10)]


def ground_word(scene: Scene) -> str:
    """Where the clip happens, in words (indoor room kinds, or grass/sand/road outdoors)."""
    if scene.scene_kind == "indoor":
        return {"tiles": "tiled", "planks": "wooden-floored", "stripes": "striped"}.get(scene.texture, "")
    r, g, b = scene.background2
    if abs(r - g) < 8 and abs(g - b) < 8:
        return "road"
    return "grass" if g > r else "sand"


def _place(scene: Scene, rng: np.random.Generator) -> str:
    if scene.scene_kind == "indoor":
        return str(rng.choice(["in a room", "indoors", f"in a {ground_word(scene)} room", "inside a house"]))
    g = ground_word(scene)
    return str(rng.choice(["outside", "outdoors", f"on the {g}", f"outside on the {g}"]))


def _agent(scene: Scene, k: int, rng: np.random.Generator, *, second: bool) -> str:
    """How a captioner names an agent: mostly generically (like "a man"), sometimes by colour/shape."""
    u = rng.random()
    if u < 0.08:
        return f"the {colour_name(scene.agent_colours[k])} {rng.choice(_SHAPE_WORDS[scene.agent_shapes[k]])}"
    if u < 0.15:
        return f"the {colour_name(scene.agent_colours[k])} {rng.choice(_NOUNS)}"
    noun = str(rng.choice(_NOUNS))
    return f"the other {noun}" if second else f"{rng.choice(['one', 'a'])} {noun}"


def _details(scene: Scene, rng: np.random.Generator) -> list[str]:
    """Graded details real captioners add: vigour, distance and gaze, each mentioned only sometimes."""
    out = []
    if rng.random() < 0.5:
        if scene.energy > 0.66:
            out.append(str(rng.choice(["very energetically", "at high speed", "with a lot of energy"])))
        elif scene.energy < 0.33:
            out.append(str(rng.choice(["very slowly", "in a relaxed way", "calmly"])))
    if rng.random() < 0.4:
        if scene.closeness > 0.6:
            out.append(
                str(rng.choice(["staying close together", "side by side", "very close to each other"]))
            )
        elif scene.closeness < 0.35:
            out.append(
                str(rng.choice(["keeping far apart", "at a distance", "with lots of space between them"]))
            )
    if rng.random() < 0.4:
        if scene.facing > 0.65:
            out.append(str(rng.choice(["facing each other", "looking at each other"])))
        elif scene.facing < 0.3:
            out.append(str(rng.choice(["looking away from each other", "without eye contact"])))
    return out


def make_captions(scene: Scene, rng: np.random.Generator, n: int = 5, vague_rate: float = 0.2) -> list[str]:
    """``n`` captions for one clip; each is vague/partly wrong with probability ``vague_rate``."""
    out: list[str] = []
    lead, other = (0, 1) if scene.leader == 0 else (1, 0)
    for _ in range(n):
        kind = scene.interaction
        bad = rng.random() < vague_rate
        if bad and rng.random() < 0.5:
            text = str(rng.choice(VAGUE))
            if rng.random() < 0.5:
                text += " " + _place(scene, rng)
        else:
            if bad:
                kind = CONFUSIONS[kind]
            manner = str(rng.choice(_FAST if scene.energy > 0.5 else _SLOW))
            a, b = _agent(scene, lead, rng, second=False), _agent(scene, other, rng, second=True)
            text = str(rng.choice(ACTIONS[kind])).format(A=a, B=b, manner=manner)
            text += "".join(" " + p for p in _details(scene, rng))
            if rng.random() < 0.3:
                text += " " + _place(scene, rng)
            if scene.third_agent and rng.random() < 0.4:
                text += str(rng.choice([" while a third shape watches", " as another shape wanders by"]))
            if scene.distractors and rng.random() < 0.2:
                text += " near some objects"
        text = re.sub(r"\s+", " ", text).strip()
        out.append(text[0].upper() + text[1:] + ".")
    return out


def normalise_caption(text: str) -> str:
    """The release's captions.csv form: lower case, punctuation stripped."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]", " ", text.lower())).strip()
