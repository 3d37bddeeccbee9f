"""What the Trainer's DataLoader yields: one item per (step, process), collated into a step batch.

The Trainer shards a map-style dataset across processes by interleaving indices (rank r gets r, W+r, ...).
:class:`StepDataset` therefore has ``steps × world_size`` items, item ``s·W + r`` being step ``s`` as seen
by rank ``r``; :class:`BGSCollator` turns it into that rank's pixels (its part of the global clip set)
plus the step's global triplets, pairs and human distances. Nothing in the batch depends on process-local
state, so a resumed run, a single process and a multi-process run all see the same global steps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from bgs_hf._format import count
from bgs_hf._launch import own_part
from bgs_hf.errors import BGSInputError
from bgs_hf.training.recipes import Recipe
from bgs_hf.training.sampler import ClipSetSampler, PaperV1Sampler, StepPlan, clips_per_step_for, shard_rows

#: counters of :meth:`StepPlan.stats`, in the order of the batch's ``plan_stats`` tensor
STAT_KEYS: tuple[str, ...] = ("clip_passes", "clip_passes_grad", "judgments", "rsa_pairs_grad")


class ClipStore(Protocol):
    """Model input of a clip by its global index: float ``(T, 3, H, W)``."""

    def __call__(self, clip: int) -> torch.Tensor: ...


class TensorClipStore:
    """Clips already in memory ``(N, T, 3, H, W)``: tests and tiny experiments, no decoding."""

    def __init__(self, pixels: torch.Tensor) -> None:
        self.pixels = pixels

    def __call__(self, clip: int) -> torch.Tensor:
        return self.pixels[clip]


class VideoClipStore:
    """Clips decoded through ``bgs_hf.video.load_clip`` (the one frame policy), via the on-disk
    :class:`~bgs_hf.video.ClipCache`, plus a small in-memory LRU of preprocessed tensors
    (``memory_mb``) so a tiny training set is decoded and normalised once per run."""

    def __init__(self, paths: Sequence[str | Path | None], policy: Any, cache_dir: str | Path | None = None,
                 memory_mb: float = 1024.0) -> None:
        from bgs_hf.video import ClipCache

        self.paths = list(paths)
        self.policy = policy
        self.cache = ClipCache(cache_dir) if cache_dir is not None else None
        self.memory_bytes = int(memory_mb * 2**20)
        self._memory: OrderedDict[int, torch.Tensor] = OrderedDict()
        self._used = 0

    def __call__(self, clip: int) -> torch.Tensor:
        from bgs_hf.video import load_clip

        hit = self._memory.get(clip)
        if hit is not None:
            self._memory.move_to_end(clip)
            return hit
        path = self.paths[clip]
        if path is None:
            raise BGSInputError(f"clip {clip} has no video file (the dataset was loaded without videos)")
        x = load_clip(path, self.policy, self.cache)
        if x.nbytes <= self.memory_bytes:  # a clip larger than the whole budget would evict every other one
            self._memory[clip] = x
            self._used += x.nbytes
            while self._used > self.memory_bytes:  # least recently used first
                _, oldest = self._memory.popitem(last=False)
                self._used -= oldest.nbytes
        return x


def stack_clips(store: ClipStore, clips: np.ndarray, *, own: bool = True) -> torch.Tensor:
    """``(len(clips), T, 3, H, W)`` model input for the given clip indices. Every process loads its own part of
    a step or an evaluation through here, so the warnings and errors raised meanwhile are its own (:func:`own_part`);
    ``own=False`` where every process of a launch loads the same clips, whose faults the first process says for all."""
    if len(clips) == 0:
        return torch.empty(0)
    with own_part() if own else nullcontext():
        return torch.stack([store(int(c)) for c in clips])


def build_sampler(recipe: Recipe, triplets: Any, human: Any, clips: np.ndarray, seed: int, world_size: int = 1
                  ) -> ClipSetSampler | PaperV1Sampler:
    """The step sampler of a recipe over the training triplets/clips; refuses, before any training, a recipe
    whose smallest step has fewer gradient clips than ``world_size`` processes, naming a ``--clips_per_step``
    that fits (balanced clip sets can be smaller than ``--clips_per_step``)."""
    if recipe.sampler == "paper-v1":
        sampler: ClipSetSampler | PaperV1Sampler = PaperV1Sampler(
            triplets, human, clips=clips, triplets_per_step=recipe.triplets_per_step,
            rsa_per_epoch=recipe.rsa_per_epoch, rsa_clips=recipe.rsa_clips,
            rsa_grad_clips=recipe.rsa_grad_clips, seed=seed, use_local=recipe.use_local, use_rsa=recipe.use_rsa,
            min_step_clips=world_size,
        )
    else:
        sampler = ClipSetSampler(
            triplets, human, clips=clips, clips_per_step=recipe.clips_per_step, seed=seed,
            seed_judgments=recipe.seed_judgments, passes=recipe.passes_per_epoch,
            use_local=recipe.use_local, use_rsa=recipe.use_rsa,
        )
    fewest = int(sampler.step_clip_counts().min())
    if fewest < world_size:
        raise _too_few_clips(recipe, fewest, len(sampler.clips), world_size)
    return sampler


def _too_few_clips(recipe: Recipe, fewest: int, n_clips: int, world_size: int) -> BGSInputError:
    """The refusal of a recipe whose smallest step has ``fewest`` gradient clips for ``world_size`` processes, with
    the change that fits: a ``--clips_per_step`` whose every set has a clip per process (and at least 3, as any set
    that trains), else fewer processes."""
    fits = clips_per_step_for(n_clips, max(world_size, 3))
    if recipe.sampler == "paper-v1":
        advice = (f"{recipe.name} embeds 3 clips per judgment, {recipe.triplets_per_step} judgments a step: run "
                  f"it on at most {fewest} processes"
                  + (f", or use --recipe clip-batched with --clips_per_step {fits} or more" if fits else ""))
    elif fits:
        advice = f"use --clips_per_step {fits} or more (it is {recipe.clips_per_step}), or fewer processes"
    else:
        advice = f"use fewer processes ({n_clips} training clips cannot give {world_size} one each)"
    return BGSInputError(f"recipe {recipe.name!r}: its smallest step has {fewest} gradient clips for {world_size} "
                         f"processes (each needs one); {advice}")


class StepDataset(torch.utils.data.Dataset):
    """Items ``{"epoch", "step", "rank"}``; ``len = steps_per_epoch × world_size`` (see module doc).

    ``epoch`` is set by the trainer at each epoch start (:meth:`set_epoch`) before the loader iterates.
    """

    def __init__(self, sampler: ClipSetSampler | PaperV1Sampler, world_size: int = 1) -> None:
        self.sampler = sampler
        self.world_size = int(world_size)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.sampler) * self.world_size

    def __getitem__(self, i: int) -> dict[str, int]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        return {"epoch": self.epoch, "step": int(i) // self.world_size, "rank": int(i) % self.world_size}


class ClipIndexDataset(torch.utils.data.Dataset):
    """The clip indices of an evaluation split (the Trainer wants an ``eval_dataset``; evaluation itself
    embeds these clips through the store, see ``BGSTrainer.evaluate``)."""

    def __init__(self, clips: np.ndarray) -> None:
        self.clips = np.asarray(clips, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> dict[str, int]:
        return {"clip": int(self.clips[i])}


class BGSCollator:
    """Step item(s) -> the rank's batch.

    Keys: ``pixel_values`` (this rank's gradient rows), ``pixel_values_nograd`` (its no-gradient rows;
    paper-v1 RSA steps only), tensors; and numpy arrays: ``grad_counts``/``nograd_counts`` (rows per rank, for the
    gather), ``triplets``, ``odd``, ``pairs``, ``human_dist`` (global rows), ``epoch``, ``plan_stats``
    (:data:`STAT_KEYS`). ``per_device_train_batch_size`` must be 1: one item is one whole step.

    The numbers the step reads on the host stay there: accelerate and the Trainer move every tensor of a batch to
    the device, and each count, index check or log read of one then waited on the device (a host sync; 20 a step
    with the paper's loss, 2 now, and one a training log); the loss checks the indices where given and moves them
    once.
    """

    def __init__(self, sampler: ClipSetSampler | PaperV1Sampler, store: ClipStore, world_size: int = 1, *,
                 hflip: bool = False, seed: int = 0) -> None:
        self.sampler = sampler
        self.store = store
        self.world_size = int(world_size)
        #: mirror each of a step's clips left-right with probability 1/2 (social content is mirror-invariant);
        #: the draw depends on (seed, epoch, step) and the clip's row only, so every process count flips alike
        self.hflip = bool(hflip)
        self.seed = int(seed)

    def flip_mask(self, epoch: int, step: int, n_rows: int) -> np.ndarray:
        """Which of a step's rows (gradient clips, then no-gradient clips) are mirrored."""
        if not self.hflip:
            return np.zeros(n_rows, dtype=bool)
        return np.random.default_rng([self.seed, int(epoch), int(step)]).random(n_rows) < 0.5

    def _pixels(self, clips: np.ndarray, flip: np.ndarray) -> torch.Tensor:
        """The model input of ``clips``, each row mirrored where ``flip`` says."""
        x = stack_clips(self.store, clips)  # a fresh tensor: mirroring it in place leaves the store alone
        if flip.any():
            x[torch.as_tensor(flip)] = x[torch.as_tensor(flip)].flip(-1)
        return x

    def __call__(self, items: list[dict[str, int]]) -> dict[str, Any]:
        if len(items) != 1:
            raise ValueError(f"BGS steps are whole clip sets: per_device_train_batch_size must be 1, got {len(items)}")
        item = items[0]
        plan = self.sampler.plan(item["epoch"], item["step"])
        return self.collate_plan(plan, item["rank"], item["epoch"], item["step"])

    def collate_plan(self, plan: StepPlan, rank: int = 0, epoch: int = 0, step: int = 0) -> dict[str, Any]:
        """Rank ``rank``'s batch of a global step plan: pixels of its own shard of the clips only, but every count,
        triplet and pair of the whole step, so each process can gather all embeddings and compute the same loss."""
        w = self.world_size
        if len(plan.clips) < w:
            raise BGSInputError(
                f"a step has {len(plan.clips)} gradient clips for {w} processes; use more clips per step "
                "or fewer processes"
            )
        grad = [shard_rows(len(plan.clips), w, r) for r in range(w)]
        nograd = [shard_rows(len(plan.nograd_clips), w, r) for r in range(w)]
        flip = self.flip_mask(epoch, step, plan.n_rows)
        flip_grad, flip_nograd = flip[: len(plan.clips)], flip[len(plan.clips):]
        batch: dict[str, Any] = {
            "pixel_values": self._pixels(plan.clips[grad[rank]], flip_grad[grad[rank]]),
            "grad_counts": np.array([s.stop - s.start for s in grad], dtype=np.int64),
            "nograd_counts": np.array([s.stop - s.start for s in nograd], dtype=np.int64),
            "triplets": np.array(plan.triplets, dtype=np.int64),
            "odd": np.array(plan.odd, dtype=np.int64),
            "pairs": np.array(plan.pairs, dtype=np.int64),
            "human_dist": np.array(plan.human_dist, dtype=np.float32),
            "epoch": np.array(int(epoch), dtype=np.int64),
            "plan_stats": np.array([plan.stats()[k] for k in STAT_KEYS], dtype=np.int64),
        }
        if len(plan.nograd_clips):
            batch["pixel_values_nograd"] = self._pixels(plan.nograd_clips[nograd[rank]], flip_nograd[nograd[rank]])
        return batch


def check_step_processes(dataset: Any, collator: Any, world_size: int) -> None:
    """Refuse a :class:`StepDataset` or :class:`BGSCollator` built for another number of processes than the run's.
    Nothing else notices: the Trainer shards the dataset's items by rank, so under 2 processes a dataset of 1 gave
    each process every other step (half an epoch, read as a whole one) and, with a collator of 2, gathered two steps'
    rows into one loss without an error; a collator of 1 failed inside the first step's gather."""
    for part in (dataset, collator):
        if isinstance(part, (StepDataset, BGSCollator)) and part.world_size != world_size:
            kind = type(part).__name__
            raise BGSInputError(f"{kind} was built for {count(part.world_size, 'process', 'processes')}, this run has "
                                f"{world_size}: build StepDataset(sampler, world_size) and BGSCollator(sampler, store, "
                                f"world_size) with the run's args.world_size ({world_size}), as train_bgs does")
