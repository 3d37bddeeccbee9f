"""Configuration of the bundled `bgs-tiny-videomae` pretraining run.

The defaults ARE the recipe of the committed weights: `bgs-hf pretrain-tiny OUT --arch videomae` runs it. The
weights were made with torch 2.11 and transformers 5.17 (model card), and on the pinned torch 2.13 stack the loss
differs from the first step (0.948232 against the logged 0.948061): the command reproduces the recipe, not these
exact bits (the two bgs_conv3d recipes do reproduce their weights). Chosen to finish well inside 30 minutes on 2
CPU cores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from bgs_hf.errors import BGSInputError, finite_number, is_finite_real, whole_number

#: Corpus clip ``i`` is rendered from ``default_rng(CORPUS_SEED_OFFSET + i)``; a benchmark draws its scenes from
#: child streams spawned from its seed, so the corpus never contains a benchmark clip (see pretrain.card).
CORPUS_SEED_OFFSET = 10**6
#: Held-out probe clips use seeds ``PROBE_SEED_OFFSET + i``: disjoint from the corpus and from the benchmark.
PROBE_SEED_OFFSET = 2 * 10**6

#: Allowed reconstruction targets (see `PretrainConfig.target`).
TARGETS: tuple[str, ...] = ("pixels", "motion", "pixels+motion")
#: `PretrainSchedule` fields that count something (steps, clips, threads, seeds): whole numbers only.
COUNT_FIELDS: tuple[str, ...] = ("steps", "batch_size", "corpus_clips", "warmup_steps", "seed", "num_threads",
                                 "corpus_seed_offset", "log_every")
#: the smallest value of each count field that has one (the seed's range is checked on its own)
_COUNT_LEAST: dict[str, int] = {"steps": 1, "batch_size": 1, "corpus_clips": 1, "num_threads": 1, "log_every": 1,
                                "warmup_steps": 0, "corpus_seed_offset": 0}


@dataclass
class TinyVideoMAEArch:
    """Architecture of the tiny VideoMAE encoder and its (discarded) pretraining decoder."""

    image_size: int = 64
    patch_size: int = 16
    num_frames: int = 16
    tubelet_size: int = 2
    hidden_size: int = 192
    num_hidden_layers: int = 4
    num_attention_heads: int = 3
    intermediate_size: int = 768
    decoder_hidden_size: int = 96
    decoder_num_hidden_layers: int = 2
    decoder_num_attention_heads: int = 3
    decoder_intermediate_size: int = 384
    norm_pix_loss: bool = True

    def __post_init__(self) -> None:
        # one line naming the field: a patch size of 2.5 or True reached VideoMAE (or the corpus renderer) as given;
        # the sizes' bounds are checked with the recipe that uses them (PretrainConfig)
        for f in fields(self):
            if f.name != "norm_pix_loss":
                setattr(self, f.name, whole_number(getattr(self, f.name), f"TinyVideoMAEArch.{f.name}"))

    def to_videomae_config(self) -> Any:
        """The `transformers.VideoMAEConfig` (mean pooling on, as the embedder pools tokens anyway)."""
        from transformers import VideoMAEConfig

        return VideoMAEConfig(**asdict(self), use_mean_pooling=True)

    @property
    def seq_length(self) -> int:
        """Number of tubelet tokens per clip."""
        per_frame = (self.image_size // self.patch_size) ** 2
        return per_frame * (self.num_frames // self.tubelet_size)


def check_probe_seeds(corpus_seed_offset: int, corpus_clips: int, probe_clips: int) -> None:
    """Refuse a corpus whose seeds reach the held-out probe's (``PROBE_SEED_OFFSET`` on): the probe would score
    clips the backbone trained on, while its card says they are disjoint. A ``BGSInputError``, so that a command
    can name the flags that set the three (``bgs_hf.errors.naming_flag``)."""
    corpus_end, probe_end = corpus_seed_offset + corpus_clips, PROBE_SEED_OFFSET + probe_clips
    if corpus_seed_offset < probe_end and PROBE_SEED_OFFSET < corpus_end:
        raise BGSInputError(f"corpus seeds {corpus_seed_offset}-{corpus_end - 1} overlap the probe's "
                            f"{PROBE_SEED_OFFSET}-{probe_end - 1}: the corpus must end before seed {PROBE_SEED_OFFSET} "
                            f"or start after {probe_end - 1}")


@dataclass
class PretrainSchedule:
    """Corpus size and optimisation settings that the three bundled backbones' pretraining configs share
    (the loop is `bgs_hf.pretrain.train.optimise`)."""

    steps: int = 1200
    batch_size: int = 32
    corpus_clips: int = 3000
    lr: float = 1e-3
    min_lr: float = 1e-5
    weight_decay: float = 0.05
    warmup_steps: int = 60
    grad_clip: float = 1.0
    seed: int = 0
    num_threads: int = 2
    corpus_seed_offset: int = CORPUS_SEED_OFFSET
    log_every: int = 10

    def __post_init__(self) -> None:
        # a count given as a float from Python: 2.5 steps was a TypeError in range() after the corpus was rendered,
        # inf an OverflowError traceback, and a warm-up of 0.5 (or NaN) silently ran at twice the peak lr (or min_lr)
        # (True passed as 1, and each was a plain ValueError): the one whole-number check, naming the config
        for name in COUNT_FIELDS:
            setattr(self, name, whole_number(getattr(self, name), f"{type(self).__name__}.{name}",
                                             least=_COUNT_LEAST.get(name)))
        finite_number(self.lr, "lr", above=0, error=ValueError)
        for name in ("min_lr", "weight_decay", "grad_clip"):
            finite_number(getattr(self, name), name, at_least=0, error=ValueError)
        if self.min_lr > self.lr:  # the "decay" rose from lr to min_lr: the run ended above its peak lr
            raise ValueError(f"min_lr {self.min_lr} must be <= lr {self.lr} (the cosine decays from lr to min_lr)")
        # refused now, not once the corpus is rendered (torch.manual_seed overflows at 2**64) or at its first clip
        # (numpy refuses a negative seed)
        if not 0 <= self.seed < 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {self.seed}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PretrainConfig(PretrainSchedule):
    """Everything that determines the `bgs-tiny-videomae` weights (plus output knobs that do not)."""

    arch: TinyVideoMAEArch = field(default_factory=TinyVideoMAEArch)
    mask_ratio: float = 0.9
    #: Reconstruction target of the masked tubelets: "pixels" (VideoMAE), "motion" (per-patch normalised
    #: temporal frame differences, MotionMAE-style: static backgrounds become trivial, moving agents carry
    #: the loss) or "pixels+motion" (both, from a decoder head twice as wide; motion term x motion_weight).
    target: str = "pixels"
    motion_weight: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        finite_number(self.motion_weight, "motion_weight", at_least=0, error=ValueError)  # negative: maximise its error
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {self.target!r}")
        if not self.arch.norm_pix_loss and self.target != "pixels":  # the motion targets always normalise
            raise ValueError(f"arch.norm_pix_loss=False needs target='pixels' (the {self.target!r} target is "
                             "normalised per patch whatever it says)")
        a = self.arch  # refused now, not at step 0 after minutes of rendering the corpus
        a.__post_init__()  # whole numbers, set by --set after it was built
        # a size of 0 divided by zero just below; a negative one, or 0 layers, reached VideoMAE after the corpus
        # (the heads are checked with the widths they divide)
        small = [f"arch.{name} {size}" for name, size in asdict(a).items()
                 if name not in ("norm_pix_loss", "num_attention_heads", "decoder_num_attention_heads") and size < 1]
        if small:
            raise ValueError(f"{', '.join(small)}: every size of the architecture must be >= 1")
        if not is_finite_real(self.mask_ratio):  # inf was an OverflowError in the masked-patch count below
            raise ValueError(f"mask_ratio must be a number in (0, 1), got {self.mask_ratio}")
        if a.image_size % a.patch_size or a.num_frames % a.tubelet_size:
            raise ValueError(f"patch_size {a.patch_size} must divide image_size {a.image_size} and tubelet_size "
                             f"{a.tubelet_size} must divide num_frames {a.num_frames}")
        for width, heads in (("hidden_size", "num_attention_heads"),
                             ("decoder_hidden_size", "decoder_num_attention_heads")):  # VideoMAE raised at build time
            if getattr(a, heads) < 1 or getattr(a, width) % getattr(a, heads):
                raise ValueError(f"{heads} {getattr(a, heads)} must divide {width} {getattr(a, width)}")
        per_frame = (a.image_size // a.patch_size) ** 2
        if not 0 < int(round(self.mask_ratio * per_frame)) < per_frame:
            raise ValueError(f"mask_ratio {self.mask_ratio} leaves no visible or no masked patch ({per_frame} per "
                             "frame)")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PretrainConfig:
        d = dict(d)
        arch = TinyVideoMAEArch(**d.pop("arch", {}))
        return cls(arch=arch, **d)
