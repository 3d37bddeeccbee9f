"""Named training recipes: which clips a step embeds and which loss terms it uses.

=================  ==========================================================================================
recipe             what a step does
=================  ==========================================================================================
``clip-batched``   (default) embeds a set of ``clips_per_step`` unique training clips once; the triplet
                   loss covers every training judgment inside the set, the RSA loss every observed pair in
                   it, with gradient; each training clip is embedded once per epoch.
``paper-v1``       the paper's recipe, kept as the comparison baseline: 4 judgments per step, each clip of
                   each triplet embedded separately (12 passes); on 6 evenly spaced steps per epoch an RSA
                   term on 24 random training clips, 6 with gradient and 18 without (at most 123 pairs).
``triplet-only``   ``clip-batched`` without the RSA term (same clip sets, same budget): ablation.
``rsa-only``       ``clip-batched`` without the local term: ablation.
``cached``         all training clips in ONE step; clips are embedded in chunks of ``embed_chunk`` with
                   activation recomputation (GradCache-style), so memory stays that of one chunk while the
                   loss sees every judgment and pair of the training set.
=================  ==========================================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bgs_hf._format import did_you_mean
from bgs_hf.errors import BGSInputError, BGSSettingError


@dataclass(frozen=True)
class Recipe:
    """A named preset. ``sampler``: ``clip-set`` (:class:`ClipSetSampler`) or ``paper-v1``."""

    name: str
    sampler: str = "clip-set"
    #: clip-set: global clips per step (0 = every training clip in one step)
    clips_per_step: int = 32
    #: clip-set: random judgments that seed each greedy clip set
    seed_judgments: int = 2
    #: clip-set: how many times each training clip is embedded per epoch
    passes_per_epoch: int = 1
    #: paper-v1: judgments per (global) step, and the RSA sub-sampling
    triplets_per_step: int = 4
    rsa_per_epoch: int = 6
    rsa_clips: int = 24
    rsa_grad_clips: int = 6
    use_local: bool = True
    use_rsa: bool = True
    #: clips per forward chunk with activation recomputation (0 = one forward per step, no recomputation)
    embed_chunk: int = 0

    def __post_init__(self) -> None:
        if self.sampler not in ("clip-set", "paper-v1"):
            raise BGSInputError(f"recipe {self.name!r}: unknown sampler {self.sampler!r}")
        if not (self.use_local or self.use_rsa):
            raise BGSInputError(f"recipe {self.name!r}: needs the local term, the RSA term, or both")
        if self.triplets_per_step < 1:  # paper-v1 divides its judgments by it (was a ZeroDivisionError)
            raise BGSSettingError(lambda n: f"recipe {self.name!r}: {n('triplets_per_step')} must be at least 1, "
                                            f"got {self.triplets_per_step}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, **overrides: Any) -> Recipe:
        """A copy with the given fields replaced (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("clip-batched"),
        Recipe("paper-v1", sampler="paper-v1"),
        Recipe("triplet-only", use_rsa=False),
        Recipe("rsa-only", use_local=False),
        Recipe("cached", clips_per_step=0, embed_chunk=16),
    )
}

DEFAULT_RECIPE = "clip-batched"


def get_recipe(name: str | Recipe) -> Recipe:
    """The preset called ``name`` (a :class:`Recipe` passes through)."""
    if isinstance(name, Recipe):
        return name
    if name not in RECIPES:
        raise BGSInputError(f"unknown recipe {name!r}{did_you_mean(name, RECIPES)}; choose from {', '.join(RECIPES)}")
    return RECIPES[name]
