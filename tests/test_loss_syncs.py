"""Host reads (device syncs) of a loss call: on a GPU each read of a device value waits for the device's queue.

No GPU is needed to count them: :class:`HostReads` stands in for one, marking as "on the device" the tensors given
to it, every tensor moved to a device (``.to(device)``, a factory's or ``as_tensor``'s ``device=``) and every tensor
computed from a marked one, and it counts the reads of marked values on the host (``bool``, ``int``, ``.item()``,
``torch.allclose``, ``torch.unique`` ...). The CPU is both sides here, so a move is recognised by its ``device``
argument, not by where the tensor ends up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves

from bgs_hf.losses import BGSLoss, OddOneOutLoss, RSALoss, TripletMarginLoss
from bgs_hf.losses.rsa import model_distances, rank_average_ties, soft_rank

#: torch calls whose answer is a device value read on the host (or whose output size is), i.e. a sync on a GPU
READS = frozenset({"__bool__", "__int__", "__float__", "__index__", "__repr__", "__format__", "item", "tolist",
                   "numpy", "cpu", "allclose", "equal", "unique", "unique_consecutive", "bincount", "nonzero",
                   "masked_select", "repeat_interleave"})


class HostReads(TorchFunctionMode):
    """Count host reads of values on a stand-in device (see the module's docstring); ``reads`` names them in order."""

    def __init__(self, *on_device: torch.Tensor) -> None:
        super().__init__()
        self.reads: list[str] = []
        self._marked: dict[int, torch.Tensor] = {}  # by id, holding each tensor so that no id is reused meanwhile
        for t in on_device:
            self._mark(t)

    def _mark(self, t: Any) -> None:
        if isinstance(t, torch.Tensor):
            self._marked[id(t)] = t

    def on_device(self, t: Any) -> bool:
        return isinstance(t, torch.Tensor) and id(t) in self._marked

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        inputs = tree_leaves((args, kwargs))
        from_device = any(self.on_device(a) for a in inputs)
        if from_device and name in READS:
            self.reads.append(name)
        out = func(*args, **kwargs)
        moved = kwargs.get("device") is not None or (
            name == "to" and any(isinstance(a, (torch.device, str)) for a in args[1:]))
        if moved and not from_device and any(out is a for a in inputs):
            out = out.clone()  # a CPU tensor "moved" to the CPU is itself: the copy stands for the device's
        if from_device or moved:
            for t in tree_leaves(out):
                self._mark(t)
        return out


def step_batch(seed: int = 0, n_clips: int = 12, n_trip: int = 20, n_pairs: int = 30,
               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Embeddings with a gradient and the loss inputs as :meth:`BGSCollator.collate_plan` builds them (CPU tensors:
    int64 indices, float32 human distances)."""
    rng = np.random.default_rng(seed)
    emb = torch.as_tensor(rng.normal(size=(n_clips, 8)), dtype=dtype).requires_grad_(True)
    triplets = np.stack([rng.choice(n_clips, 3, replace=False) for _ in range(n_trip)])
    iu = np.stack(np.triu_indices(n_clips, 1), 1)
    pairs = iu[rng.choice(len(iu), n_pairs, replace=False)]
    return emb, {"triplets": torch.as_tensor(triplets, dtype=torch.long),
                 "odd": torch.as_tensor(rng.integers(0, 3, n_trip), dtype=torch.long),
                 "pairs": torch.as_tensor(pairs, dtype=torch.long),
                 "human_dist": torch.as_tensor(rng.random(n_pairs), dtype=torch.float32)}


def test_host_reads_counts_reads_of_device_values_only() -> None:
    """The counter itself: a read of a moved or derived tensor counts, one of a host tensor does not."""
    dev = torch.device("cpu")
    host = torch.tensor([1.0, 2.0])
    with HostReads() as seen:
        bool((host > 0).all())
        int(host.max())
        moved = host.to(dev)
        assert seen.reads == [] and moved is not host
        bool((moved > 0).all())
        float(moved.sum())
        torch.allclose(moved, moved)
        torch.as_tensor([1, 2], device=dev).tolist()
        int(host.min())  # the host copy is still the host's
    assert seen.reads == ["__bool__", "__float__", "allclose", "tolist"]


def test_a_bgs_loss_call_on_a_trainer_batch_reads_the_device_once() -> None:
    """Every check of the step's indices, odd positions and human distances read device values (a host sync each on
    a GPU: 13 per BGSLoss call with the paper's terms), though they arrive on the host. They are checked where given
    and moved once: the one read left is the collapsed-model check of the model's own distances, which decides
    whether the RSA term is logged (RSALoss's own check selects on the device)."""
    emb, b = step_batch()
    with HostReads(emb) as seen:
        out = BGSLoss()(emb, b["triplets"], b["odd"], b["pairs"], b["human_dist"], epoch=1)
    assert seen.reads == ["__bool__"], seen.reads
    assert out.n_triplets == 20 and out.n_pairs == 30 and bool(torch.isfinite(out.loss))


@pytest.mark.parametrize("loss, args", [
    (TripletMarginLoss(), ("triplets", "odd")),
    (OddOneOutLoss(), ("triplets", "odd")),
    (RSALoss(), ("pairs", "human_dist")),
    (RSALoss("soft_spearman"), ("pairs", "human_dist")),
])
def test_each_term_on_host_inputs_reads_no_device_value(loss: torch.nn.Module, args: tuple[str, str]) -> None:
    """A term alone: its checks, soft Spearman's human ranks (torch.unique, bincount) and RSA's collapsed-model
    check read no device value."""
    emb, b = step_batch(1)
    with HostReads(emb) as seen:
        loss(emb, *(b[k] for k in args))
    assert seen.reads == [], seen.reads


def test_soft_targets_on_the_host_read_no_device_value() -> None:
    emb, b = step_batch(2)
    probs = torch.full((20, 3), 1 / 3, dtype=torch.float64)
    with HostReads(emb) as seen:
        OddOneOutLoss()(emb, b["triplets"], odd_probs=probs)
        BGSLoss(local=OddOneOutLoss())(emb, b["triplets"], None, b["pairs"], b["human_dist"], odd_probs=probs)
    assert seen.reads == ["__bool__"], seen.reads  # BGSLoss's collapsed-model check


@pytest.mark.parametrize("loss, args", [
    (TripletMarginLoss(), ("triplets", "odd")),
    (OddOneOutLoss(), ("triplets", "odd")),
    (RSALoss(), ("pairs", "human_dist")),
    (RSALoss("soft_spearman"), ("pairs", "human_dist")),
])
def test_host_inputs_are_moved_to_the_embeddings_device_after_their_checks(loss: torch.nn.Module,
                                                                         args: tuple[str, str]) -> None:
    """Checked on the host, each input still goes to the loss's device: a GPU's embeddings beside indices or
    distances left on the CPU are torch's "Expected all tensors to be on the same device". The stand-in device
    above cannot tell (the CPU is both sides); torch's ``meta`` device can, with no GPU."""
    from bgs_hf.losses._common import as_human_dist, as_index, as_odd
    from bgs_hf.losses.odd_one_out import as_odd_probs

    meta = torch.device("meta")
    emb, b = step_batch(5)
    assert as_index(b["triplets"], meta, width=3, name="triplets").device == meta
    assert as_odd(b["odd"], 20, meta).device == meta
    assert as_human_dist(b["human_dist"], 30, meta, torch.float32).device == meta
    assert as_odd_probs(np.full((20, 3), 1 / 3), 20, meta).device == meta
    assert loss(emb.to(meta), *(b[k] for k in args)).device == meta


def test_inputs_already_on_the_device_are_still_checked() -> None:
    """Checked where given: on the device they are read there (the same refusals)."""
    emb, b = step_batch(3)
    with HostReads(emb) as seen:
        bad = b["pairs"].to(emb.device)
        bad[0, 0] = 99
        with pytest.raises(ValueError, match="must index the 12 embedding rows"):
            RSALoss()(emb, bad, b["human_dist"])
    assert seen.reads  # the range check read the device's values


def _old_rsa(emb: torch.Tensor, pairs: torch.Tensor, hd: torch.Tensor, method: str) -> torch.Tensor:
    """RSALoss.forward as it was: the collapsed model read on the host and branched on."""
    md = model_distances(emb, pairs)
    if bool((md == md[0]).all()):
        return (emb * 0.0).sum()
    hd = hd.to(md.dtype)
    if method == "soft_spearman":
        md, hd = soft_rank(md, 0.1), rank_average_ties(hd)
    xc, yc = md - md.mean(), hd - hd.mean()
    return -((xc * yc).sum() / (xc.norm() * yc.norm() + 1e-8)).to(emb.dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("method", ["pearson", "soft_spearman"])
@pytest.mark.parametrize("collapsed", [False, True])
def test_rsa_selected_on_the_device_keeps_the_bits(dtype: torch.dtype, method: str, collapsed: bool) -> None:
    """The collapsed-model check selected by torch.where, not branched on: the loss and the gradient are the old
    ones bit for bit, and a collapsed model's is a zero still connected to ``emb``."""
    emb, b = step_batch(4, dtype=dtype)
    if collapsed:
        emb = torch.ones_like(emb).requires_grad_(True)
    new = RSALoss(method)(emb, b["pairs"], b["human_dist"])
    (g_new,) = torch.autograd.grad(new, emb)
    old = _old_rsa(emb, b["pairs"], b["human_dist"], method)
    (g_old,) = torch.autograd.grad(old, emb)
    assert new.dtype == old.dtype == dtype and torch.equal(new, old) and torch.equal(g_new, g_old)
    assert bool(torch.isfinite(g_new).all())
    if collapsed:
        assert float(new.detach()) == 0.0 and new.requires_grad and not g_new.any()


@pytest.mark.parametrize("recipe", ["clip-batched", "paper-v1"])
def test_a_trainer_step_reads_the_device_for_the_collapse_check_the_divergence_check_and_the_log(tmp_path: Any,
                                                                                                 recipe: str) -> None:
    """A BGSTrainer step as the Trainer runs it: the batch moved by accelerate's loader and ``_prepare_inputs``, then
    ``compute_loss``. Every tensor of the collator's batch was moved, so the counts of the gather, the loss's index
    checks, the epoch and the cost counters were all read back from the device (20 reads a step).
    Host numbers stay numpy now; what is read is the model's collapse (the loss) and the loss's finiteness (the
    divergence stop, which must stop the step before its optimiser step). The two logged terms
    (:class:`~bgs_hf.training.counters.CostCounters`) were read at every step too (4 reads a step): they are kept on
    the device and read once per training log, the whole window's in one read."""
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.metrics.similarity import human_similarity
    from bgs_hf.training import BGSArguments, BGSCollator, TensorClipStore, get_recipe
    from bgs_hf.training.api import build_loss, training_arguments
    from bgs_hf.training.data import StepDataset, build_sampler
    from bgs_hf.training.trainer import BGSTrainer

    data, pix = tiny_data()
    trip = data.triplets("train")
    sampler = build_sampler(get_recipe(recipe), trip, human_similarity(trip.idx, trip.odd, data.n_clips),
                            data.split_items("train"), seed=0)
    args = training_arguments({"output_dir": str(tmp_path), "use_cpu": True, "eval_strategy": "no",
                               "load_best_model_at_end": False, "lr_scheduler_type": "constant"})
    trainer = BGSTrainer(model=tiny_peft_model(), args=args, train_dataset=StepDataset(sampler),
                         loss_fn=build_loss(BGSArguments()), data_collator=BGSCollator(sampler, TensorClipStore(pix)),
                         clip_store=TensorClipStore(pix))
    loader = iter(trainer.get_train_dataloader())
    with HostReads() as seen:
        batch = trainer._prepare_inputs(next(loader))
        assert seen.on_device(batch["pixel_values"])  # the stand-in device: the loader moved the pixels
        loss = trainer.compute_loss(trainer.model, batch)
        assert seen.reads == ["__bool__", "__bool__"], seen.reads
        trainer.compute_loss(trainer.model, batch)  # a second step (the same batch)
        del seen.reads[:]
        trainer.log({"loss": 1.0})  # a training log: the window of 2 steps, read once
        assert seen.reads == ["tolist"], seen.reads
    assert bool(torch.isfinite(loss.detach()))
    assert {"loss_local", "loss_global", "clip_passes"} <= trainer.state.log_history[-1].keys()
