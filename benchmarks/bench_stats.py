"""Statistics at scale: human similarity, the split-half noise ceiling and the bootstrap's resamples.

A THINGS-scale synthetic judgment set (4.7 million triplets over 1,854 items, ~12k participants, drawn
from a latent embedding so the ceiling is not trivially zero) and, when present, the paper's real
release. Targets (issue 8): similarity < 5 s and 100 split-halves < 60 s on 2 cores, judged only on a run at
THINGS scale (a smaller run says so instead of "met"). On a third set (1 million judgments over 2,000 clips),
``bootstrap_ci``'s R² resamples over clips and over participants against the plain computation they replaced,
alternating in the same run, each checked to give the same samples bit for bit (a ratio, no target).

    python benchmarks/bench_stats.py [--triplets 4700000] [--items 1854] [--splits 100] [--json FILE]
    python benchmarks/bench_stats.py --triplets 20000 --items 100 --splits 2 --big-triplets 0 \
        --boot-triplets 20000 --boot-items 100 --json FILE  # smoke
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from common import (  # shared helpers (benchmarks/common.py)
    RESULTS,
    ROOT,
    machine,
    markdown_table,
    require_at_least_one,
    write_json,
)

from bgs_hf.cli._args import check_output_file_flags, output_file
from bgs_hf.cli.main import printed_lines_off_stdout
from bgs_hf.errors import BGSInputError
from bgs_hf.metrics import bootstrap
from bgs_hf.metrics.ceiling import repeat_agreement, split_half_ceiling
from bgs_hf.metrics.rsa import cosine_similarity_matrix, model_pair_values, r2, signed_square, spearman
from bgs_hf.metrics.similarity import HumanSimilarity, human_similarity, participant_codes

#: the scale the targets are set for (THINGS: 4.7M triplets over 1,854 items)
THINGS_TRIPLETS, THINGS_ITEMS = 4_700_000, 1854
TARGETS = {"similarity_s": 5.0, "ceiling_100_splits_s": 60.0}


def synthetic_things(n_triplets: int, n_items: int, n_participants: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Triplets from a noisy softmax over a latent 16-d embedding (choice = least similar clip)."""
    rng = np.random.default_rng(seed)
    emb = np.abs(rng.normal(size=(n_items, 16))).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    idx = rng.integers(0, n_items, size=(n_triplets, 3))
    bad = (idx[:, 0] == idx[:, 1]) | (idx[:, 0] == idx[:, 2]) | (idx[:, 1] == idx[:, 2])
    while bad.any():  # redraw non-distinct rows
        idx[bad] = rng.integers(0, n_items, size=(int(bad.sum()), 3))
        bad = (idx[:, 0] == idx[:, 1]) | (idx[:, 0] == idx[:, 2]) | (idx[:, 1] == idx[:, 2])
    a, b, c = (emb[idx[:, i]] for i in range(3))
    # logit for "position p is odd" = similarity of the other two (kept) clips
    logits = np.stack([(b * c).sum(1), (a * c).sum(1), (a * b).sum(1)], axis=1) * 12.0
    logits += rng.gumbel(size=logits.shape).astype(np.float32)
    odd = logits.argmax(axis=1).astype(np.int8)
    participant = rng.integers(0, n_participants, size=n_triplets)
    return {"idx": idx, "odd": odd, "participant": participant}


def time_it(fn, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls (the least disturbed by other jobs on a shared machine) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


@contextmanager
def resample_stamps() -> Iterator[list[float]]:
    """Clock readings as ``bootstrap_ci``'s own loop starts each resample, and one after the last: the gaps are the
    resamples, the time before the first the one-off setup, both from one call of the library's path (not a copy of
    it). Read off the progress bar the loop iterates (``bootstrap.delayed_bar``), put back on exit."""
    stamps: list[float] = []
    bar = bootstrap.delayed_bar

    def stamped(iterable, *args, **kwargs):
        for item in bar(iterable, *args, **kwargs):
            stamps.append(time.perf_counter())
            yield item
        stamps.append(time.perf_counter())

    bootstrap.delayed_bar = stamped
    try:
        yield stamps
    finally:
        bootstrap.delayed_bar = bar


def plain_r2_resamples(model: np.ndarray, human: HumanSimilarity, syn: dict[str, np.ndarray], over: str,
                       n_boot: int, seed: int, stamps: list[float]) -> np.ndarray:
    """The R² resamples of ``bootstrap_ci(model, human, ...)`` computed as it computed them before it ranked from one
    sort (commit cf549d0): over clips scipy's ``rankdata`` of each resample's repeated pairs; over participants human
    similarity rebuilt from the reweighted judgments (two N×N count matrices) and its observed pairs ranked anew.
    The same draws as ``bootstrap_ci`` with ``seed``; ``stamps`` gets a clock reading as each resample starts and
    one after the last."""
    if over == "clips":
        vals, p, gi, gj = model_pair_values(model, human)
        draws = bootstrap.clip_resamples(None, human.n_items, n_boot, seed, human=human)

        def draw() -> np.ndarray:
            return next(draws)

        def stat(mult: np.ndarray) -> float:
            w = mult[gi] * mult[gj]  # pair (i, j) repeated m_i·m_j times
            return float(signed_square(spearman(np.repeat(vals, w), np.repeat(p, w))))
    else:
        codes = participant_codes(syn["participant"])
        people = int(codes.max()) + 1
        rng = np.random.default_rng(seed)

        def draw() -> np.ndarray:
            return np.bincount(rng.integers(0, people, size=people), minlength=people)

        def stat(mult: np.ndarray) -> float:
            h = human_similarity(syn["idx"], syn["odd"], human.n_items, weights=mult[codes])
            v, p, _, _ = model_pair_values(model, h)
            return float(signed_square(spearman(v, p)))

    out = []
    for _ in range(n_boot):
        stamps.append(time.perf_counter())
        out.append(stat(draw()))
    stamps.append(time.perf_counter())
    return np.array(out)


def bootstrap_speed(syn: dict[str, np.ndarray], n_items: int, n_boot: int, repeats: int, seed: int = 0) -> dict:
    """``bootstrap_ci``'s R² over clips and over participants against :func:`plain_r2_resamples`, alternating (which
    goes first swaps each repeat, so a change in load reaches both sides alike): the fastest resample and the fastest
    setup of each side, their ratio, and whether every repeat gave bit-identical samples. The model is the cosine
    similarity of random 64-d embeddings: a resample's time does not depend on how well it fits."""
    rng = np.random.default_rng(seed + 3)
    model = cosine_similarity_matrix(rng.normal(size=(n_items, 64)).astype(np.float32))
    human = human_similarity(syn["idx"], syn["odd"], n_items)
    kwargs = {"clips": {}, "participants": {"idx": syn["idx"], "odd": syn["odd"], "participant": syn["participant"]}}

    def library(over: str) -> tuple[list[float], float, np.ndarray]:
        with resample_stamps() as stamps:
            t0 = time.perf_counter()
            res = bootstrap.bootstrap_ci(model, human, over=over, n_boot=n_boot, seed=seed, **kwargs[over])
        if len(stamps) != n_boot + 1:
            raise RuntimeError(f"bootstrap_ci's loop gave {len(stamps) - 1} resample stamps for {n_boot} resamples")
        return stamps, t0, res.samples

    def plain(over: str) -> tuple[list[float], float, np.ndarray]:
        stamps: list[float] = []
        t0 = time.perf_counter()
        return stamps, t0, plain_r2_resamples(model, human, syn, over, n_boot, seed, stamps)

    out: dict[str, object] = {"observed_pairs": int(human.mask.sum() // 2), "stat": "r2", "r2": r2(model, human),
                              "resamples": n_boot, "repeats": repeats}
    for over in ("clips", "participants"):
        setup: dict[str, list[float]] = {"new": [], "plain": []}
        laps: dict[str, list[float]] = {"new": [], "plain": []}
        identical, finite = [], []
        for rep in range(repeats):
            sides: list[tuple[str, Callable]] = [("new", library), ("plain", plain)]
            samples = {}
            for side, run in sides if rep % 2 == 0 else sides[::-1]:
                stamps, t0, samples[side] = run(over)
                setup[side].append(stamps[0] - t0)
                laps[side] += np.diff(stamps).tolist()
            identical.append(bool(np.array_equal(samples["new"], samples["plain"], equal_nan=True)))
            finite.append(int(np.isfinite(samples["new"]).sum()))
        new_s, plain_s = min(laps["new"]), min(laps["plain"])
        out[f"over_{over}"] = {
            "resample_s": new_s, "setup_s": min(setup["new"]),
            "plain_resample_s": plain_s, "plain_setup_s": min(setup["plain"]),
            "speedup_ratio": plain_s / new_s,
            "identical": all(identical), "finite_samples": min(finite),  # all NaN would be identical and say nothing
            "resample_s_all": laps["new"], "plain_resample_s_all": laps["plain"],
        }
    return out


def release_triplets(root: Path) -> dict[str, np.ndarray] | None:
    """Test-split triplets of the real release through the data layer (None when absent)."""
    if not (root / "data").exists():
        return None
    try:
        from bgs_hf.data import load
    except ImportError:
        return None
    data = load(root)
    out = {}
    for split in ("test", "fit"):
        trip = data.triplets(split)
        out[split] = {"idx": trip.idx, "odd": trip.odd, "participant": trip.participant, "n_items": data.n_clips}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triplets", type=int, default=4_700_000)
    ap.add_argument("--items", type=int, default=1854)
    ap.add_argument("--participants", type=int, default=12_340)
    ap.add_argument("--splits", type=int, default=100)
    ap.add_argument("--big-triplets", type=int, default=5_000_000,
                    help="similarity only on a second, larger set (issue 2's scale; 0 skips it)")
    ap.add_argument("--big-items", type=int, default=2000)
    ap.add_argument("--boot-triplets", type=int, default=1_000_000,
                    help="bootstrap_ci's resamples against the plain computation on a third set (0 skips it)")
    ap.add_argument("--boot-items", type=int, default=2000)
    ap.add_argument("--boot-participants", type=int, default=5000)
    ap.add_argument("--boot-resamples", type=int, default=5, help="resamples a call, over clips and participants")
    ap.add_argument("--boot-repeats", type=int, default=2, help="calls a side, alternating (the fastest counts)")
    ap.add_argument("--release", default=os.environ.get("BGS_RELEASE_DIR", str(ROOT.parent / "shared/data/garcia-isik-release")))
    ap.add_argument("--json", type=output_file("bench_stats.json"), default=RESULTS / "bench_stats.json")
    ap.add_argument("--note", default="", help="free text stored in the JSON (e.g. CPU contention)")
    args = ap.parse_args(argv)
    with printed_lines_off_stdout(args):  # --json /dev/stdout: the JSON alone on stdout
        # --splits 0 was refused by the library only after the set was drawn and timed
        require_at_least_one(ap, args, "triplets", "participants", "splits", "boot_participants", "boot_resamples",
                             "boot_repeats")
        check_output_file_flags(ap, args, "json")
        for flag, items in (("--items", args.items), ("--big-items", args.big_items if args.big_triplets > 0 else 3),
                            ("--boot-items", args.boot_items if args.boot_triplets > 0 else 3)):
            if items < 3:  # synthetic_things redraws rows until their three items differ: forever below 3
                ap.error(f"{flag} must be >= 3 (a triplet needs three different items), got {items}")

        result: dict[str, object] = {"machine": machine("cpu"), "note": args.note}  # numpy's work: on the CPU
        try:  # read before the timed work: a folder that is no release was a traceback after all of it, nothing written
            rel = release_triplets(Path(args.release))
        except BGSInputError as err:
            ap.error(f"--release {err}")
        t0 = time.perf_counter()
        syn = synthetic_things(args.triplets, args.items, args.participants)
        gen_s = time.perf_counter() - t0
        sim_s, hs = time_it(lambda: human_similarity(syn["idx"], syn["odd"], args.items), repeat=3)
        ceil_s, ceil = time_it(lambda: split_half_ceiling(syn["idx"], args.items, args.splits, 0,
                                                          odd=syn["odd"], participant=syn["participant"]))
        rep_s, rep = time_it(lambda: repeat_agreement(syn["idx"], syn["odd"]))
        result.update(
            {
                "synthetic": {
                    "triplets": args.triplets,
                    "items": args.items,
                    "participants": args.participants,
                    "observed_pairs": int(hs.mask.sum() // 2),
                    "generate_s": gen_s,
                    "ceiling_r2": ceil.r2,
                    "ceiling_ci": list(ceil.ci),
                    "repeat_agreement_s": rep_s,
                },
                "similarity_s": sim_s,
                "ceiling_100_splits_s": ceil_s * 100.0 / args.splits,
                "ceiling_splits": args.splits,
                "targets": TARGETS,
            }
        )
        at_scale = args.triplets >= THINGS_TRIPLETS and args.items >= THINGS_ITEMS
        rows = [
            ("synthetic" + (" (THINGS scale)" if at_scale else ""), f"{args.triplets:,}", f"{args.items:,}",
             f"{sim_s:.2f}", f"{ceil_s:.2f}", f"{ceil.r2:.3f}"),
        ]
        syn = hs = None  # free memory before the next set
        if args.big_triplets > 0:  # issue 2's scale: 5 million judgments over 2,000 clips (similarity only)
            big = synthetic_things(args.big_triplets, args.big_items, args.participants, seed=1)
            big_s, _ = time_it(lambda: human_similarity(big["idx"], big["odd"], args.big_items), repeat=3)
            result["similarity_big"] = {"triplets": args.big_triplets, "items": args.big_items, "similarity_s": big_s}
            if (args.big_triplets, args.big_items) == (5_000_000, 2000):
                result["similarity_5m_2000_s"] = big_s  # the key the committed results use
            rows.append(("synthetic (similarity only)", f"{args.big_triplets:,}", f"{args.big_items:,}", f"{big_s:.2f}",
                         "-", "-"))
            big = None
        boot_rows = []
        if args.boot_triplets > 0:  # the bootstrap's resamples at the scale benchmarks/README.md quotes (1M × 2,000)
            boot = synthetic_things(args.boot_triplets, args.boot_items, args.boot_participants, seed=2)
            speed = bootstrap_speed(boot, args.boot_items, args.boot_resamples, args.boot_repeats)
            result["bootstrap"] = {"triplets": args.boot_triplets, "items": args.boot_items,
                                   "participants": args.boot_participants, **speed}
            for over in ("clips", "participants"):
                s = speed[f"over_{over}"]
                boot_rows.append((over, s["resample_s"], s["plain_resample_s"], s["speedup_ratio"], s["setup_s"],
                                  s["plain_setup_s"], s["identical"]))
            boot = None
        if rel is not None:
            result["release"] = {}
            for split, t in rel.items():
                s_s, _ = time_it(lambda t=t: human_similarity(t["idx"], t["odd"], t["n_items"]), repeat=3)
                c_s, c = time_it(lambda t=t: split_half_ceiling(t["idx"], t["n_items"], args.splits, 0,
                                                               odd=t["odd"], participant=t["participant"]))
                result["release"][split] = {
                    "triplets": int(len(t["idx"])), "similarity_s": s_s, "ceiling_s": c_s,
                    "ceiling_r2": c.r2, "ceiling_ci": list(c.ci),
                }
                rows.append((f"release {split}", f"{len(t['idx']):,}", f"{t['n_items']:,}", f"{s_s:.3f}",
                             f"{c_s:.3f}", f"{c.r2:.3f}"))
        result["machine"]["loadavg_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

        print(f"| set | triplets | items | similarity (s) | {args.splits} split-halves (s) | ceiling R² |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        if rel is None:  # its rows were left out without a word: a fresh clone's run differed from the committed file
            print(f"\nthe real release: not timed, none at {args.release} (--release DIR or BGS_RELEASE_DIR names it)")
        if boot_rows:
            print(f"\nbootstrap_ci R², {args.boot_triplets:,} judgments over {args.boot_items:,} clips "
                  f"({result['bootstrap']['observed_pairs']:,} observed pairs), fastest of "
                  f"{args.boot_resamples} × {args.boot_repeats} resamples a side:\n")
            print(markdown_table(["over", "resample (s)", "plain resample (s)", "speedup", "setup (s)", "plain setup (s)",
                                  "bit-identical"], boot_rows))
        # the targets are set for THINGS scale: a smaller set meeting them says nothing about them
        met = (sim_s < TARGETS["similarity_s"] and result["ceiling_100_splits_s"] < TARGETS["ceiling_100_splits_s"]
               if at_scale else None)
        result["targets_met"] = met
        verdict = "not judged (smaller than THINGS scale)" if met is None else ("met" if met else "NOT met")
        # judged on the time of --splits split-halves scaled to 100: said, with the figure, where it is not 100's own
        scaled = "" if args.splits == 100 or met is None else (f", judged on {result['ceiling_100_splits_s']:.2f} s "
                                                               f"scaled from the {args.splits} timed")
        print(f"\ntargets (similarity < 5 s, 100 split-halves < 60 s{scaled}): {verdict}")
        write_json(args.json, result)
        print(f"\nwrote {args.json}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
