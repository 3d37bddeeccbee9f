"""Would the demo do better to train on train + validation clips for a fixed epoch count, instead of training on
the train clips and keeping the best-validation epoch? Decided without the test clips, by a nested split:
``python docs/experiments/refit_train_val.py [--seeds 0 1 2 3 4]``.

Per seed, the demo's 40 validation clips play the test set ("outer validation") and the 50 test clips are left
out entirely (their judgments are dropped). On the 160 training clips:

- ``select``: the demo's procedure one level down: 120 clips trained, 40 inner-validation clips pick the best
  epoch (plateau LR schedule, as in the demo);
- ``refit``: the proposed procedure one level down: all 160 clips trained for the same 20 epochs, no validation,
  constant LR, last epoch kept.

Both are scored on the 40 outer-validation clips (Spearman RSA, what R² squares). Rule fixed before running:
adopt ``refit`` only if its mean RSA over seeds 0-4 exceeds ``select``'s by more than 0.02 and it is higher on at
least 4 of the 5 seeds (the rule of the earlier recipe checks). About 5 min per seed on 2 cores.

A third variant, checked after ``refit`` was adopted (``--variants refit-hflip``): ``refit`` with each step's
training clips mirrored left-right at random (``BGSArguments.hflip``). Same rule against ``refit``'s figures.

A fourth, ``--variants refit-swa``: the same run as ``refit`` (so its last epoch must reproduce ``refit``'s figures)
with the trainable weights kept at every epoch's end; scored are the last epoch and the mean of the last 10 and
last 5 epochs' LoRA + head weights (stochastic weight averaging over the constant-lr half of the run). Rule fixed
before running: adopt the mean of the last 10 only if its mean outer RSA over seeds 0-4 exceeds the last epoch's
by more than 0.02 and it is higher on at least 4 of 5 seeds.

A fifth, ``--variants refit-ooo``: ``refit`` with the probabilistic local term (``--local_loss odd-one-out``, the
3-way softmax likelihood of the human choice at temperature 0.1) in place of the paper's triplet hinge, whose
gradient vanishes once a triplet clears its 0.2 margin. Rule fixed before running, against ``refit``'s rows: mean
outer RSA over seeds 0-4 more than 0.02 higher and higher on at least 4 of 5 seeds. ``refit`` is rerun on seed 0
first, to check that this machine reproduces its logged figures.

A sixth, ``--variants refit-e30``: ``refit`` for 30 epochs instead of 20 (constant lr, last epoch kept). Why: with
40 clips held out, validation RSA peaked at epochs 17-19 of 20 on every seed, and 30 epochs under the old
procedure raised the best validation RSA on all five seeds (by +0.014 on average, short of the bar). Rule fixed
before running (committed with the variant, before its first run), against ``refit``'s rows: mean outer RSA over
seeds 0-4 more than 0.02 higher and higher on at least 4 of 5 seeds; and, if adopted, ``make demo`` on a fresh
clone must still finish in under 10 minutes.

A seventh, ``--variants refit --backbone PATH``: ``refit`` on another self-supervised backbone of the same family
(the default's LoRA recipe, passed explicitly since the recipe tables are keyed by registry name). Checked on
2026-12-01: ``bgs-hf pretrain-tiny OUT --batch-size 64 --steps 300``, i.e. SimCLR with 64 clips (128 views, 126
negatives per view) per step instead of 32, over the same 19,200 clip draws and the same corpus. Why: NT-Xent's
main known sensitivity is the number of negatives, and the probe of the bundled recipe stopped rising after 200
of its 600 steps, so more steps alone would not help. Rules fixed before the run's first result: (1) continue
only if its card's probe social-space R² exceeds the bundled 0.477 by more than 0.03 (held-out corpus clips, no
benchmark clip); (2) adopt it as the default only if its mean outer RSA over seeds 0-4 is more than 0.02 above
``refit``'s rows and higher on at least 4 of 5 seeds, and ``bgs-hf pretrain-tiny`` still reproduces it in under
30 minutes on 2 cores.

An eighth, the same ``--variants refit --backbone PATH`` on a backbone pretrained on twice the corpus (registered
2026-12-02 before the run): ``bgs-hf pretrain-tiny OUT --corpus-clips 6000``, the bundled recipe (600 steps of 32
clips) over 6,000 unlabelled clips (seeds 1000000 .. 1005999) instead of 3,000. Why: issue 5 asks for a large
corpus, and the bundled run's probe stopped rising after 200 steps, i.e. after about two passes over 3,000 clips,
which is what instance discrimination does when it can tell the corpus's clips apart without the content; twice
the clips makes that harder at the same cost in steps. Rules as the seventh's, fixed before its first result: (1)
continue only if the card's probe social-space R² exceeds the bundled 0.477 by more than 0.03; (2) adopt it as the
default only if its mean outer RSA over seeds 0-4 is more than 0.02 above ``refit``'s rows and higher on at least 4
of 5 seeds, and ``bgs-hf pretrain-tiny`` still makes it in under 30 minutes on 2 cores.

A ninth and a tenth, registered together on 2026-12-04 and committed before either ran, both against ``refit``'s
rows with the rule of the recipe checks (mean outer RSA over seeds 0-4 more than 0.02 higher and higher on at least
4 of 5 seeds; if adopted, ``make demo`` on a fresh clone must still finish in under 10 minutes). Two at once means
two chances for noise to pass the bar; no third is added after seeing these.

- ``--variants refit-r16``: LoRA rank 16 with ``lora_alpha`` 32 (the same alpha / r scale of 2) instead of rank 8.
  Why: the adapter's rank is the one capacity knob of the LoRA recipe that no check has touched, and 30 epochs did
  not help, so a larger adapter rather than a longer run is the open capacity question.
- ``--variants refit-spearman``: the global term's correlation on soft ranks (``--rsa_method soft_spearman``, the
  differentiable Spearman of ``bgs_hf.losses.rsa.RSALoss``) instead of the paper's Pearson. Why: every reported
  figure is a Spearman RSA (R² squares it), so the global term would fit the order of the distances the
  evaluation scores rather than their linear fit.

An eleventh and a twelfth, registered together on 2026-12-04 (after the ninth and tenth had ended) and committed
before either ran; the same rule against ``refit``'s rows (mean outer RSA over seeds 0-4 more than 0.02 higher and
higher on at least 4 of 5 seeds; if adopted, ``make demo`` on a fresh clone still under 10 minutes). These are the
two knobs of the recipe no check has touched; after them, twelve checks will have been run, so a pass is read
with that many chances for noise in mind, and none is added after seeing these.

- ``--variants refit-global``: the local term's weight halved (``alpha`` 0.35 instead of 0.7; the global term's
  schedule unchanged, 0.3 rising to 0.7), so from epoch 4 on the global term weighs twice the local one instead of
  the same. Why: the evaluation scores the held-out clips' distance geometry, which the global term fits directly;
  with Adam at a constant lr the terms' ratio, not their scale, is what changes the updates.
- ``--variants refit-head256``: a projection head of 256 units instead of 128. Why: the head is Linear ->
  LayerNorm -> ReLU, so on 128 units the ReLU can leave the embedding fewer live dimensions than the backbone's
  128 features; a wider head is the one capacity knob of the head no check has touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
from weight_averaging import (  # this folder's script (run as a script, it is on sys.path)
    EpochSnapshots,
    load_weights,
    tail_means,
)

from bgs_hf.data import load
from bgs_hf.data.splits import carve_val
from bgs_hf.quickstart import QuickstartConfig, ensure_socialshapes, train_bgs_run


def nested(data, seed: int, refit: bool):
    """``data`` with the demo's validation clips as test and the test clips removed."""
    if refit:
        train, inner_val = data.splits["train"], np.empty(0, dtype=np.int64)
    else:
        train, inner_val = carve_val(data.splits["train"], 0.25, seed)  # 40 of 160, as the demo carves 40 of 200
    return dataclasses.replace(data, splits={"train": train, "val": inner_val, "test": data.splits["val"]})


def report_averages(run, snaps: EpochSnapshots, seed: int) -> None:
    """Outer-validation figures of the last epoch and of the mean of the last 10 / 5 epochs' weights."""
    trainer = run.trainer
    for name, weights in tail_means(snaps.snapshots).items():
        load_weights(trainer.model, weights)
        m = trainer.score(*trainer.eval_sets["test"])
        print(f"RESULT seed {seed} refit-swa {name:11s} outer_val_rsa {m['rsa']:.3f} outer_val_r2 {m['r2']:.3f} "  # noqa: T201
              f"3way {m['ooo_acc_3way']:.3f} epochs {len(snaps.snapshots)}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])  # its first paragraph: a whole sentence
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--variants", nargs="+", default=["select", "refit"],  # a mistyped name must not run plain refit
                   choices=["select", "refit", "refit-hflip", "refit-swa", "refit-ooo", "refit-e30", "refit-r16",
                            "refit-spearman", "refit-global", "refit-head256"])
    p.add_argument("--backbone", default=None,
                   help="a pretrain-tiny output folder of the conv3d-fg family, trained with the default's recipe")
    args = p.parse_args()
    for seed in args.seeds:
        data_dir = ensure_socialshapes(seed, 250)
        data = load(data_dir, seed=seed)
        for variant in args.variants:
            cfg = QuickstartConfig(out_dir=f"/tmp/refit_{variant}_s{seed}", seed=seed, suite=False,
                                   language_control=False)
            if args.backbone:  # the default's recipe on another backbone of its family
                cfg = dataclasses.replace(cfg, backbone=args.backbone, training=cfg.training_overrides(),
                                          model=cfg.model_overrides(), bgs=cfg.bgs_overrides(),
                                          out_dir=cfg.out_dir + "_" + Path(args.backbone).name)
            if variant == "refit-hflip":
                cfg.bgs = {**cfg.bgs_overrides(), "hflip": True}
            elif variant == "refit-ooo":
                cfg.bgs = {**cfg.bgs_overrides(), "local_loss": "odd-one-out"}
            elif variant == "refit-e30":
                cfg.training = {**cfg.training_overrides(), "num_train_epochs": 30}
            elif variant == "refit-r16":
                cfg.model = {**cfg.model_overrides(), "lora_r": 16, "lora_alpha": 32}
            elif variant == "refit-spearman":
                cfg.bgs = {**cfg.bgs_overrides(), "rsa_method": "soft_spearman"}
            elif variant == "refit-global":
                cfg.bgs = {**cfg.bgs_overrides(), "alpha": 0.35}
            elif variant == "refit-head256":
                cfg.model = {**cfg.model_overrides(), "head_dim": 256}
            d = nested(data, seed, variant.startswith("refit"))
            snaps = EpochSnapshots()
            run = train_bgs_run(data_dir, Path(cfg.out_dir), cfg, data=d,
                                callbacks=[snaps] if variant == "refit-swa" else None)
            if variant == "refit-swa":
                report_averages(run, snaps, seed)
                continue
            m = run.metrics["test"]
            print(f"RESULT seed {seed} {variant} train_clips {len(d.splits['train'])} "  # noqa: T201
                  f"train_judgments {len(d.triplets('train'))} outer_val_rsa {m['rsa_spearman']:.3f} "
                  f"outer_val_r2 {m['r2']:.3f} 3way {m['ooo_acc_3way']:.3f} "
                  f"best_inner_val {run.metrics['best_metric']} "
                  f"wall_s {run.wall_s:.0f}", flush=True)
            json.dump({k: run.metrics[k] for k in ("test", "best_metric", "wall_s")},
                      open(f"{cfg.out_dir}/nested.json", "w"), default=float)


if __name__ == "__main__":
    main()
