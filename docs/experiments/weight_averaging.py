"""Does averaging the trainable weights of the last epochs beat the one best-validation epoch?

``python docs/experiments/weight_averaging.py [--seeds 0 1 2 3 4]``: the demo's BGS run (default recipe, default
backbone, SocialShapes seed S) with a callback that keeps the trainable weights (LoRA + head) at every epoch's
end. After training it scores, on the validation and test clips: the best-validation epoch (what the demo keeps),
the last epoch, and the mean of the last 10 and last 5 epochs' weights. Log: ``weight_averaging.log``.

Rule fixed before running: the demo adopts the mean of the last 10 epochs (the second half of its 20) only if
its mean validation RSA over seeds 0-4 is at least that of the best-validation epoch. That is a comparison tilted
towards the best epoch, which was chosen on those very validation clips, so a pass means the average is at least
as good; test figures are printed for the record and play no part in the decision. About 3 min per seed on
2 cores.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch
from transformers import TrainerCallback

from bgs_hf.quickstart import QuickstartConfig, ensure_socialshapes
from bgs_hf.training.api import TrainConfig, train_bgs
from bgs_hf.training.args import BGSArguments, DataArguments, ModelArguments


class EpochSnapshots(TrainerCallback):
    """Trainable weights at each epoch's end (CPU copies)."""

    def __init__(self) -> None:
        self.snapshots: list[dict[str, torch.Tensor]] = []

    def on_epoch_end(self, args, state, control, model=None, **kwargs):  # noqa: ANN001, ANN201
        self.snapshots.append({n: p.detach().clone().cpu() for n, p in model.named_parameters() if p.requires_grad})


def tail_means(snapshots: list[dict[str, torch.Tensor]], ks: tuple[int, ...] = (10, 5)) -> dict[str, dict]:
    """The last epoch's weights and the mean of the last ``k`` epochs' weights, by variant name."""
    out = {"last": snapshots[-1]}
    for k in ks:
        out[f"mean-last-{k}"] = {n: torch.stack([s[n] for s in snapshots[-k:]]).mean(0) for n in snapshots[-1]}
    return out


def load_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Copy the given trainable weights into ``model`` in place."""
    named = dict(model.named_parameters())
    with torch.no_grad():
        for n, w in weights.items():
            named[n].copy_(w)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for seed in args.seeds:
        cfg = QuickstartConfig(seed=seed)
        out = Path(f"/tmp/wavg_s{seed}")
        snaps = EpochSnapshots()
        data_dir = ensure_socialshapes(seed, cfg.n_clips)
        run = train_bgs(TrainConfig(
            data=DataArguments(data=str(data_dir), cache_dir=str(out / "clip_cache")),
            model=ModelArguments(backbone=cfg.backbone, **cfg.model_overrides()),
            bgs=BGSArguments(recipe=cfg.recipe, **{**cfg.bgs_overrides(), "overwrite_output_dir": True}),
            training={"output_dir": str(out / "bgs"), "seed": seed, "report_to": "none", **cfg.training_overrides()},
            callbacks=[snaps],
        ))
        trainer = run.trainer
        named = dict(trainer.model.named_parameters())
        variants = {"best-val": {n: named[n].detach().clone() for n in snaps.snapshots[0]},
                    **tail_means(snaps.snapshots)}
        for name, weights in variants.items():
            load_weights(trainer.model, weights)
            val = trainer.score(*trainer.eval_sets["eval"])
            test = trainer.score(*trainer.eval_sets["test"])
            print(f"RESULT seed {seed} {name:12s} val_rsa {val['rsa']:.3f} val_r2 {val['r2']:.3f} "  # noqa: T201
                  f"test_r2 {test['r2']:.3f} test_3way {test['ooo_acc_3way']:.3f} epochs {len(snaps.snapshots)}",
                  flush=True)


if __name__ == "__main__":
    main()
