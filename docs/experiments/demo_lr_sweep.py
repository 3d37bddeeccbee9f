"""The demo's BGS run at another learning rate, epoch count or clip-set size on seeds 0-4, headline table only
(no further analyses, no language control), with the 40 validation clips these checks were decided on (the demo
has since dropped them, see ``refit_train_val.py``): ``python docs/experiments/demo_lr_sweep.py LR [--epochs N]
[--clips-per-step K]``. Prints best validation RSA and test figures per seed; ``demo_lr_sweep.log`` holds every
run, each under its command line. About 3 min per seed on 2 cores (20 epochs)."""

from __future__ import annotations

import argparse
import json

from bgs_hf.quickstart import QuickstartConfig, run_quickstart


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])  # its first paragraph: a whole sentence
    p.add_argument("lr", type=float)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--clips-per-step", type=int, default=None, help="default: the recipe's (32)")
    args = p.parse_args()
    for seed in args.seeds:
        out = f"/tmp/sweep_lr{args.lr}_e{args.epochs}_k{args.clips_per_step}_s{seed}"
        cfg = QuickstartConfig(out_dir=out, seed=seed, suite=False, language_control=False, val_fraction=0.2,
                               training={"learning_rate": args.lr, "num_train_epochs": args.epochs})
        cfg.bgs = {**cfg.bgs_overrides(), "clips_per_step": args.clips_per_step}
        rep = run_quickstart(cfg)
        best_val = json.load(open(out + "/bgs/trainer_state.json"))["best_metric"]
        b, f = rep["models"]["bgs"], rep["models"]["pretrained"]
        print(f"RESULT lr {args.lr} epochs {args.epochs} clips_per_step {args.clips_per_step} seed {seed} best_val {best_val:.3f} test {b['r2']:.3f} "  # noqa: T201
              f"pct {b['pct_of_ceiling']:.0f} 3way {b['ooo_acc_3way']:.3f} frozen {f['r2']:.3f}", flush=True)


if __name__ == "__main__":
    main()
