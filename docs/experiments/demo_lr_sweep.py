"""The demo's BGS run at another learning rate or epoch count on seeds 0-4, headline table only (no further
analyses, no language control): ``python docs/experiments/demo_lr_sweep.py LR [--epochs N]``. Prints best
validation RSA and test figures per seed; ``demo_lr_sweep.log`` holds ``0.004`` and ``0.002 --epochs 30`` (the
default recipe's figures, 2e-3 for 20 epochs, are the README's). About 3 min per seed on 2 cores (20 epochs)."""

from __future__ import annotations

import argparse
import json

from bgs_hf.quickstart import QuickstartConfig, run_quickstart


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lr", type=float)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--epochs", type=int, default=20)
    args = p.parse_args()
    for seed in args.seeds:
        out = f"/tmp/sweep_lr{args.lr}_s{seed}"
        rep = run_quickstart(QuickstartConfig(out_dir=out, seed=seed, suite=False, language_control=False,
                                              training={"learning_rate": args.lr, "num_train_epochs": args.epochs}))
        best_val = json.load(open(out + "/bgs/trainer_state.json"))["best_metric"]
        b, f = rep["models"]["bgs"], rep["models"]["pretrained"]
        print(f"RESULT lr {args.lr} epochs {args.epochs} seed {seed} best_val {best_val:.3f} test {b['r2']:.3f} "  # noqa: T201
              f"pct {b['pct_of_ceiling']:.0f} 3way {b['ooo_acc_3way']:.3f} frozen {f['r2']:.3f}", flush=True)


if __name__ == "__main__":
    main()
