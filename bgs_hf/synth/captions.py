"""Human-like captions for SocialShapes clips: varied templates and synonyms, some vague or partly wrong.

Real captions say what people do, sometimes how (vigour, mood, distance, gaze) and where, in different
words and levels of detail; a fraction miss the point. So a caption here names the interaction with one
of several synonymous verb phrases ("chasing" / "running after"), often adds a mood word of the kind
captioners use for that interaction ("angrily", "warmly"), and sometimes graded details tied to the
clip's continuous parameters (energy, closeness, facing) and a scene clause (the nuisance context).
About ``vague_rate`` of captions are vague ("some shapes moving around"), name a confusable action
(a chase called following), or get the vigour and who-did-what wrong, as real ones sometimes do. The
place, the agents' looks and the mood are drawn once per clip: captioners of one video see the same
scene, so their captions share those words, while each words the action in their own way. Agents are
mostly named generically, like "a man" in real captions, and sometimes by colour and shape, like "the
girl in the red shirt".
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

import numpy as np

from bgs_hf.synth.scene import Scene

# The six settings below are tuned together so that MiniLM caption similarity relates to the simulated humans
# about as it does on the real release (first caption R² ~0.05-0.1, mean of 5 ~0.1-0.15 on the 50 test clips).
#: Share of agent mentions by colour and shape (the rest are generic: "one figure", "the other shape").
NAMED_RATE = 0.15
#: Share of action captions that end with a scene clause ("in a room", "on the grass").
PLACE_RATE = 0.25
#: Share of action captions with a mood word ("angrily", "warmly").
MOOD_RATE = 0.9
#: Share of action captions with a second clause spelling out the interaction ("trying to catch it").
ELABORATION_RATE = 0.7
#: Most extras (mood word, elaboration, graded details) one caption keeps: people write short captions.
MAX_EXTRAS = 3
#: How bad captions split into (vague, confusable action); the rest misread the vigour and the roles.
BAD_MIX = (0.2, 0.2)

#: Share of action captions of a clip with a third agent that mention it ("while a third shape watches").
BYSTANDER_RATE = 0.3
#: Share of action captions of a clip with distractor objects that mention them ("near some objects").
DISTRACTOR_RATE = 0.15
#: Share of vague captions that still say where the clip happens ("some shapes moving around outside").
VAGUE_PLACE_RATE = 0.5

#: Main clauses per interaction. ``{A}`` is the leader (``Scene.leader``: the helper, the approacher, the one in
#: front that a chaser or a follower goes after), ``{B}`` the other agent, ``{P}`` the pair ("two shapes");
#: synonyms so that no one phrasing defines a type.
ACTIONS: dict[str, tuple[str, ...]] = {
    "chase": (
        "{B} chases {A}",
        "{B} is running after {A}",
        "{A} runs away from {B} who chases it",
        "{P} chasing each other",
    ),
    "fight": (
        "{P} are fighting",
        "{A} and {B} fight",
        "{A} attacks {B}",
        "{A} is hitting {B}",
        "{P} shove and hit each other",
        "{P} having a fight",
    ),
    "hug": (
        "{P} hugging",
        "{A} hugs {B}",
        "{A} and {B} embrace",
        "{P} cuddle together",
        "{A} goes to {B} and they hug",
        "{P} give each other a hug",
    ),
    "help": (
        "{A} helps {B}",
        "{A} is helping {B} along",
        "{A} assists {B}",
        "{A} gives {B} a hand",
        "{A} supports {B} to move",
        "{A} comes over to help {B}",
    ),
    "avoid": (
        "{B} avoids {A}",
        "{B} moves away from {A}",
        "{B} tries to get away from {A}",
        "{A} approaches but {B} backs off",
        "{B} keeps away from {A}",
        "{B} steers clear of {A}",
    ),
    "ignore": (
        "{P} ignore each other",
        "{A} and {B} are not interacting",
        "{P} wander around separately",
        "{P} moving around on their own",
    ),
    "follow": (
        "{B} follows {A}",
        "{B} is following {A}",
        "{A} leads and {B} follows behind",
        "{B} walks behind {A}",
        "{P} walking one behind the other",
    ),
    "talk": (
        "{P} are talking",
        "{A} talks to {B}",
        "{P} having a conversation",
        "{A} and {B} chat",
        "{A} is speaking with {B}",
        "{P} chatting together",
    ),
}

#: Mood words captioners attach to each interaction (shared across related ones, as in real speech).
MOODS: dict[str, tuple[str, ...]] = {
    "chase": ("aggressively", "playfully", "angrily", "in a hostile way", "threateningly"),
    "fight": ("angrily", "aggressively", "violently", "in a hostile way", "furiously"),
    "hug": ("warmly", "affectionately", "lovingly", "happily", "tenderly"),
    "help": ("kindly", "in a friendly way", "supportively", "warmly", "gently"),
    "avoid": ("nervously", "fearfully", "anxiously", "warily", "in a hostile way"),
    "ignore": ("indifferently", "without noticing each other", "coldly", "absent-mindedly", "aimlessly"),
    "follow": ("curiously", "in a friendly way", "closely", "quietly", "patiently"),
    "talk": ("happily", "in a friendly way", "warmly", "cheerfully", "calmly"),
}

#: Second clauses that spell out what the interaction looks like, as captioners often do.
ELABORATIONS: dict[str, tuple[str, ...]] = {
    "chase": ("trying to catch it", "running fast after it", "as it runs away", "in a chase"),
    "fight": ("hitting each other", "pushing and attacking", "as they fight", "punching"),
    "hug": ("holding each other close", "in a hug", "embracing each other", "cuddling"),
    "help": ("helping it along", "to help it", "giving it support", "assisting it"),
    "avoid": ("to avoid it", "keeping away from it", "moving away", "escaping it"),
    "ignore": ("ignoring each other", "paying no attention", "not interacting", "each doing their own thing"),
    "follow": ("following behind it", "walking after it", "one behind the other", "following its path"),
    "talk": ("talking to each other", "in a conversation", "chatting", "having a chat"),
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
    "two figures doing something",
    "objects moving in a space",
)

#: Graded details: (low, middle, high) phrase pools for energy, closeness and facing.
_ENERGY = (
    ("slowly", "calmly", "gently", "in a relaxed way"),
    ("at a steady pace", "", "", ""),
    ("quickly", "energetically", "fast", "frantically"),
)
_CLOSENESS = (
    ("far apart", "at a distance", "with lots of space between them"),
    ("", "", ""),
    ("close together", "very close to each other", "side by side"),
)
_FACING = (
    ("looking away from each other", "without eye contact", "turned away from each other"),
    ("", "", ""),
    ("facing each other", "looking at each other", "face to face"),
)
_PAIRS = ("two shapes", "two figures", "the two shapes", "two characters", "a pair of shapes", "two people")
_NOUNS = ("shape", "figure", "shape", "figure", "character")
_SHAPE_WORDS = {
    "circle": ("circle", "ball", "round shape"),
    "square": ("square", "box", "block"),
    "triangle": ("triangle", "triangle", "pointy shape"),
    "diamond": ("diamond", "rhombus", "diamond"),
    "hexagon": ("hexagon", "six-sided shape", "hexagon"),
}


#: Upper hue bound (degrees) of each colour word. Eleven equal bins put yellow and gold in "orange", orange at
#: 20-32° in "red" and chartreuse in "yellow", so a yellow agent's caption said "the orange circle".
_HUE_WORDS: tuple[tuple[float, str], ...] = ((15, "red"), (45, "orange"), (70, "yellow"), (165, "green"),
                                             (195, "cyan"), (255, "blue"), (285, "purple"), (340, "pink"),
                                             (360, "red"))


def colour_name(rgb: tuple[int, int, int]) -> str:
    """A basic colour word for an RGB triple (by hue, lightness and saturation), as an observer would say it."""
    h, light, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    if s < 0.2:
        return "grey" if 0.25 < light < 0.75 else ("black" if light <= 0.25 else "white")
    return next(word for bound, word in _HUE_WORDS if h * 360 < bound or bound == 360)


def ground_word(scene: Scene) -> str:
    """Where the clip happens, in words (indoor room kinds, or grass/sand/road outdoors)."""
    if scene.scene_kind == "indoor":
        return {"tiles": "tiled", "planks": "wooden-floored", "stripes": "striped"}.get(scene.texture, "")
    r, g, b = scene.background2
    if abs(r - g) < 8 and abs(g - b) < 8:
        return "road"
    return "grass" if g > r else "sand"


def _pick(rng: np.random.Generator, pool: tuple[str, ...] | list[str]) -> str:
    """One phrase of ``pool``, uniformly, as a plain ``str``."""
    return str(pool[int(rng.integers(len(pool)))])


def _place(scene: Scene, rng: np.random.Generator) -> str:
    if scene.scene_kind == "indoor":
        return _pick(rng, ["in a room", "indoors", f"in a {ground_word(scene)} room", "inside a house"])
    g = ground_word(scene)
    far = "in a field" if g == "grass" else ("on a beach" if g == "sand" else "in the street")
    return _pick(rng, ["outside", "outdoors", f"on the {g}", far])


@dataclass
class _ClipView:
    """What every captioner of one clip sees alike: the place and how the agents look.

    Drawn once per clip, so the 5 captions share their scene and appearance words (as real captions of
    one video share "in a kitchen") while each captioner words the action in their own way."""

    place: str
    names: tuple[str, str]  # (leader, other) by colour and shape
    mood: str  # the feel of the interaction, as this clip comes across

    @classmethod
    def of(cls, scene: Scene, rng: np.random.Generator) -> _ClipView:
        names = tuple(
            f"the {colour_name(scene.agent_colours[k])} {_SHAPE_WORDS[scene.agent_shapes[k]][0]}"
            for k in ((0, 1) if scene.leader == 0 else (1, 0))
        )
        mood = _pick(rng, MOODS[scene.interaction])
        return cls(place=_place(scene, rng), names=names, mood=mood)  # type: ignore[arg-type]


def _agent(view: _ClipView, who: int, rng: np.random.Generator, *, second: bool) -> str:
    """How a captioner names agent ``who`` (0 leader, 1 other): mostly generically (like "a man"),
    sometimes by its colour and shape."""
    if rng.random() < NAMED_RATE:
        return view.names[who]
    noun = _pick(rng, _NOUNS)
    return f"the other {noun}" if second else f"{_pick(rng, ['one', 'a'])} {noun}"


def _graded(value: float, pools: tuple[tuple[str, ...], ...], rng: np.random.Generator) -> str:
    """A phrase for a continuous parameter, read with perceptual noise; the middle is mostly unsaid."""
    v = value + rng.normal(0, 0.1)
    return _pick(rng, pools[0 if v < 0.35 else (2 if v > 0.65 else 1)])


def _details(scene: Scene, rng: np.random.Generator, *, misread: bool = False) -> list[str]:
    """Graded details real captioners add: vigour, distance and gaze, each mentioned only sometimes.
    ``misread`` gets the vigour backwards (a partly wrong caption)."""
    energy = 1.0 - scene.energy if misread else scene.energy
    out = []
    for value, pools, p in (
        (energy, _ENERGY, 1.0 if misread else 0.6),
        (scene.closeness, _CLOSENESS, 0.4),
        (scene.facing, _FACING, 0.3),
    ):
        if rng.random() < p:
            out.append(_graded(value, pools, rng))
    return [d for d in out if d]


def _action_caption(
    scene: Scene, view: _ClipView, kind: str, rng: np.random.Generator, *, misread: bool = False
) -> str:
    """One caption naming ``kind``, with optional mood, details, scene and bystander clauses."""
    lead, other = (1, 0) if misread else (0, 1)  # a misread clip also mixes up who did what
    a, b = _agent(view, lead, rng, second=False), _agent(view, other, rng, second=True)
    text = _pick(rng, ACTIONS[kind]).format(A=a, B=b, P=_pick(rng, _PAIRS))
    extras = []
    if rng.random() < MOOD_RATE:
        extras.append(view.mood if kind == scene.interaction else _pick(rng, MOODS[kind]))
    if rng.random() < ELABORATION_RATE:
        extras.append(_pick(rng, ELABORATIONS[kind]))
    extras += _details(scene, rng, misread=misread)
    extras = [e for k, e in enumerate(extras) if e not in extras[:k]]  # no "gently gently"
    if len(extras) > MAX_EXTRAS:  # a few details, in the order drawn, not all of them
        keep = np.sort(rng.choice(len(extras), MAX_EXTRAS, replace=False))
        extras = [extras[i] for i in keep]
    parts = [text, *extras]
    if rng.random() < PLACE_RATE:
        parts.append(view.place)
    if scene.third_agent and rng.random() < BYSTANDER_RATE:
        parts.append(_pick(rng, ["while a third shape watches", "as another shape wanders by"]))
    if scene.distractors and rng.random() < DISTRACTOR_RATE:
        parts.append("near some objects")
    return " ".join(parts)


def make_captions(scene: Scene, rng: np.random.Generator, n: int = 5, vague_rate: float = 0.2) -> list[str]:
    """``n`` captions for one clip; each is vague or partly wrong with probability ``vague_rate``.

    A bad caption is vague (``BAD_MIX[0]``), names a confusable action (``BAD_MIX[1]``), or names the
    right action with the vigour misread (the rest)."""
    view = _ClipView.of(scene, rng)
    out: list[str] = []
    for _ in range(n):
        bad = rng.random() < vague_rate
        how_bad = rng.random()  # drawn for every caption, read only for bad ones: the draw order fixes the captions
        if bad and how_bad < BAD_MIX[0]:
            text = _pick(rng, VAGUE)
            if rng.random() < VAGUE_PLACE_RATE:
                text += " " + view.place
        elif bad and how_bad < BAD_MIX[0] + BAD_MIX[1]:
            text = _action_caption(scene, view, CONFUSIONS[scene.interaction], rng)
        else:
            text = _action_caption(scene, view, scene.interaction, rng, misread=bad)
        text = re.sub(r"\s+", " ", text).strip()
        out.append(text[0].upper() + text[1:] + ".")
    return out


def normalise_caption(text: str) -> str:
    """The release's captions.csv form: lower case, punctuation stripped."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s'-]", " ", text.lower())).strip()
