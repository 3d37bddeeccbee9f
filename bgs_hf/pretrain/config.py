"""Configuration of the bundled `bgs-tiny-videomae` pretraining run.

The defaults ARE the recipe of the committed weights: `bgs-hf pretrain-tiny OUT --arch videomae` reproduces
them (same seed, same torch thread count). They were chosen to finish well inside 30 minutes on 2 CPU cores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Corpus clip ``i`` is rendered from seed ``CORPUS_SEED_OFFSET + i``. Benchmark instances use small integer
#: seeds (0, 1, 2, ...), so the pretraining corpus can never contain a benchmark clip.
CORPUS_SEED_OFFSET = 10**6
#: Held-out probe clips use seeds ``PROBE_SEED_OFFSET + i``: disjoint from the corpus and from the benchmark.
PROBE_SEED_OFFSET = 2 * 10**6

#: ImageNet normalisation, the constants `VideoMAEForPreTraining` uses to un-normalise its reconstruction
#: targets; using the same ones keeps pixel targets exact.
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

#: Allowed reconstruction targets (see `PretrainConfig.target`).
TARGETS: tuple[str, ...] = ("pixels", "motion", "pixels+motion")


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

    def to_videomae_config(self) -> Any:
        """The `transformers.VideoMAEConfig` (mean pooling on, as the embedder pools tokens anyway)."""
        from transformers import VideoMAEConfig

        return VideoMAEConfig(**asdict(self), use_mean_pooling=True)

    @property
    def seq_length(self) -> int:
        """Number of tubelet tokens per clip."""
        per_frame = (self.image_size // self.patch_size) ** 2
        return per_frame * (self.num_frames // self.tubelet_size)


@dataclass
class PretrainSchedule:
    """Corpus size and optimisation settings that both bundled backbones' pretraining configs share
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
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {self.target!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PretrainConfig:
        d = dict(d)
        arch = TinyVideoMAEArch(**d.pop("arch", {}))
        return cls(arch=arch, **d)
