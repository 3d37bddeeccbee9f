"""Dataset statistics for ``bgs-hf data stats``, the dataset card and the README.

Counts are by clip split (a split's judgments have all three clips in it); the noise ceiling is the
split-half ceiling on the test judgments, from ``bgs_hf.metrics`` (the only place it is defined).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bgs_hf._files import json_safe
from bgs_hf._format import count, fmt
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.splits import labels_name_val, val_method


def observed_pairs(data: OddOneOutData, split: str | None) -> int:
    """Clip pairs (i < j) seen together in at least one valid judgment of the split.

    Counted from the judgments' pair keys, not an N×N matrix: the dataset card of a 20 000-clip import needed
    gigabytes for this one number."""
    from bgs_hf.metrics.similarity import pair_keys

    trip = data.triplets(split)
    return int(len(np.unique(pair_keys(trip.idx, data.n_clips)))) if len(trip) else 0


def _split_counts(data: OddOneOutData, split: str) -> dict[str, int]:
    items = data.split_items(split)
    return {
        "clips": int(len(items)),
        "judgments": len(data.triplets(split)),
        "observed_pairs": observed_pairs(data, split),
    }


def catch_answers(data: OddOneOutData) -> dict[str, int]:
    """How the catch trials were answered. One showing a clip twice is answered right when the clip shown once is
    chosen; one clip three times, or a flagged trial of three distinct clips, has no right answer. The analyses drop
    every catch trial; this says whether the people who answered the rest were attending."""
    catch = data.catch_trials()
    srt = np.sort(catch.idx, axis=1)
    gradable = ((srt[:, 0] == srt[:, 1]) != (srt[:, 1] == srt[:, 2]))  # exactly two distinct clips
    right = (catch.idx == catch.odd_clip()[:, None]).sum(axis=1) == 1
    return {
        "gradable": int(gradable.sum()),
        "right": int((gradable & right).sum()),
        "participants_missed": int(np.unique(catch.participant[gradable & ~right]).size),
    }


def repeated_in_a_row(data: OddOneOutData) -> dict[str, int]:
    """Judgments that repeat their participant's previous trial: the same three clips (any order) at the next trial
    number of the same session. The release holds 167, all but one answered alike: recorded twice, not asked twice.
    They are kept, as the paper's own train_triplets.csv keeps them (each counts in the pair counts n_ij), and said,
    so a reader of those counts knows. A trial without a number (-1) is never a repeat."""
    import pandas as pd

    df = data.judgments.select_columns(
        ["clip_a", "clip_b", "clip_c", "odd", "participant", "session", "trial", "is_catch"]).to_pandas()
    idx = df[["clip_a", "clip_b", "clip_c"]].to_numpy(dtype=np.int64)
    srt = np.sort(idx, axis=1)
    t = pd.DataFrame({"participant": df["participant"], "session": df["session"], "trial": df["trial"],
                      "a": srt[:, 0], "b": srt[:, 1], "c": srt[:, 2],
                      "odd": idx[np.arange(len(idx)), df["odd"].to_numpy(dtype=np.int64)],
                      "catch": df["is_catch"].to_numpy(dtype=bool)})
    t = t[t["trial"] >= 0].sort_values(["participant", "session", "trial"], kind="stable")
    prev = t.shift()
    again = ((t["participant"] == prev["participant"]) & (t["session"] == prev["session"])
             & (t["trial"] == prev["trial"] + 1) & (t[["a", "b", "c"]] == prev[["a", "b", "c"]]).all(axis=1))
    return {
        "judgments": int(again.sum()),
        "same_answer": int((again & (t["odd"] == prev["odd"])).sum()),
        "valid": int((again & ~t["catch"]).sum()),  # those in the pair counts (catch trials never are)
    }


def count_stats(data: OddOneOutData) -> dict[str, Any]:
    """Counts only (fast; no resampling). ``splits.train`` is the paper's train = our train ∪ val."""
    n_total = len(data.judgments)
    mixed = data.mixed_judgments("fit", "test")
    return {
        "name": data.name,
        "clips": data.n_clips,
        "judgments_total": n_total,
        "catch_trials": data.n_catch,
        "valid_judgments": n_total - data.n_catch,
        "catch_answers": catch_answers(data),
        "repeated_in_a_row": repeated_in_a_row(data),
        "participants": data.n_participants,
        "observed_pairs_all": observed_pairs(data, None),
        "videos": int(sum(v is not None for v in data.clips["video"])),
        "splits": {
            "train": _split_counts(data, "fit"),
            "test": _split_counts(data, "test"),
            "mixed_judgments": mixed,
        },
        "mixed_judgments": mixed,
        "val_carve_out": {
            "train": _split_counts(data, "train"),
            "val": _split_counts(data, "val"),
            "seed": data.meta.get("split_config", {}).get("seed"),
            # val from the data's own stimulus_set labels, or a carve-out of train: seeded or the paper's v1 draw
            "from_labels": labels_name_val(data.clips["stimulus_set"]),
            "val_split": data.meta.get("split_config", {}).get("val_split", "seeded"),
        },
    }


def data_stats(data: OddOneOutData, *, n_splits: int = 100, seed: int = 0) -> dict[str, Any]:
    """:func:`count_stats` plus the human noise ceilings every model number is read against (split-half R² on
    the test judgments, the leave-one-participant-out bounds and held-out odd-one-out accuracy a model's
    ``ooo_acc_*`` is read against, repeated-triplet agreement), JSON-ready (nan -> null). Why a ceiling is missing
    is in its ``no_ceiling``, which ``format_stats`` prints: no log line (``data stats`` said it twice, a WARNING
    and the table)."""
    from bgs_hf.metrics.ceiling import loo_ceiling, repeat_agreement, split_half_ceiling

    out = count_stats(data)
    test = data.triplets("test")
    r2, ci, thin, missing, loo = None, [None, None], None, None, None
    if len(np.unique(test.participant)) >= 2:
        ceiling = split_half_ceiling(test, data.n_clips, n_splits=n_splits, seed=seed)
        r2, ci, thin = json_safe(ceiling.r2), json_safe(list(ceiling.ci)), ceiling.too_few_pairs()
        loo = json_safe(loo_ceiling(test, data.n_clips).to_dict())
    else:
        missing = ("the test split has no judgment with all three clips in it: use more clips, or a larger test "
                   "fraction" if len(test) == 0 else "the test split has judgments from fewer than 2 participants")
    repeats = repeat_agreement(test)
    repeats_all = repeat_agreement(data.triplets(None))
    out["noise_ceiling"] = {
        "test": {
            "r2_split_half": r2,
            "r2_split_half_ci": ci,
            "repeat_agreement": json_safe(repeats.agreement),
            "n_splits": n_splits,
            # why the R² means nothing (too few pairs seen in both halves), or None: reports show n/a for it
            "too_few_pairs": thin,
            "no_ceiling": missing,  # why no ceiling was computed (no test judgments, one participant), or None
            "repeated_triplets": repeats.n_triplets,
            "between_participant_triplets": repeats.n_triplets_between,  # the triplets the agreement is over
            # each participant against the others (Nili et al. 2014's bounds, on their own scale, not a model's R²)
            # and the others' p_ij predicting the held-out choices: the reference for ooo_acc_3way / 2way
            "leave_one_participant_out": loo,
        },
        "all": {
            "repeat_agreement": json_safe(repeats_all.agreement),
            "majority_acc_3way": json_safe(repeats_all.majority_acc_3way),
            "repeated_triplets": repeats_all.n_triplets,
            "between_participant_triplets": repeats_all.n_triplets_between,  # the triplets the agreement is over
        },
    }
    return out


def leave_one_out_text(loo: dict[str, Any], one: str = "participant") -> str:
    """The leave-one-participant-out ceiling in words, one text for ``data stats`` and the dataset card's "Data
    quality" table (which says it shows what ``data stats`` prints, and lacked it). With no pair of clips judged by
    two participants it is n/a: its upper bound, each participant against themselves, would read 1.000. ``one`` names
    a judge throughout, the reason too (a simulated set's card said "observers", then "a participant")."""
    if not loo.get("n_entries", 1):
        return f"test, {count(loo['n_participants'], one)}: n/a: no pair of clips a {one} judged was judged by another"
    return (f"test, {count(loo['n_participants'], one)}: R² {fmt(loo['r2_lower'], '.3f')} vs the others (upper bound "
            f"{fmt(loo['r2_upper'], '.3f')}); they predict {fmt(loo['ooo_acc_3way'], '.1%')} 3-way, "
            f"{fmt(loo['ooo_acc_2way'], '.1%')} 2-way of {count(loo['n_judgments'], 'held-out choice')}")


def format_stats(stats: dict[str, Any]) -> str:
    """A readable multi-line summary of :func:`data_stats` / :func:`count_stats` output."""
    s = stats["splits"]
    lines = [
        f"dataset            {stats['name']}",
        f"clips              {stats['clips']:,} ({stats['videos']:,} with video)",
        f"judgments          {stats['judgments_total']:,} total, {stats['catch_trials']:,} catch, "
        f"{stats['valid_judgments']:,} valid",
        f"participants       {stats['participants']:,}",
    ]
    c = stats.get("catch_answers")
    if c and c["gradable"]:
        share = 100 * c["right"] / c["gradable"]
        lines.append(f"catch answers      {c['right']:,} of {c['gradable']:,} right ({share:.1f}%); "
                     f"{c['participants_missed']:,} of {count(stats['participants'], 'participant')} missed one")
    r = stats.get("repeated_in_a_row")
    if r and r["judgments"]:
        lines.append(f"repeated trials    {count(r['judgments'], 'judgment')} recorded twice in a row by the same "
                     "participant (kept, as in the paper)")
    lines += [
        f"observed pairs     {stats['observed_pairs_all']:,} of {stats['clips'] * (stats['clips'] - 1) // 2:,}",
        f"train (by clip)    {count(s['train']['clips'], 'clip')}, {count(s['train']['judgments'], 'judgment')}, "
        f"{count(s['train']['observed_pairs'], 'observed pair')}",
        f"test  (by clip)    {count(s['test']['clips'], 'clip')}, {count(s['test']['judgments'], 'judgment')}, "
        f"{count(s['test']['observed_pairs'], 'observed pair')}",
        f"mixed (unused)     {count(s['mixed_judgments'], 'judgment')}",
    ]
    v = stats.get("val_carve_out")
    if v:
        how = val_method(v, from_labels=bool(v.get("from_labels")))
        lines.append(
            f"val carve-out      {v['val']['clips']:,} of {count(s['train']['clips'], 'train clip')} ({how}): "
            f"{v['train']['judgments']:,} train / {count(v['val']['judgments'], 'val judgment')}"
        )
    nc = stats.get("noise_ceiling")
    if nc:
        t = nc["test"]
        lo, hi = t["r2_split_half_ci"]
        between = t["between_participant_triplets"]
        why = t.get("too_few_pairs") or t.get("no_ceiling")
        if why:  # n/a, as evaluation reports and the dataset card say (a bare R² read as one; a bare n/a said nothing)
            lines.append(f"noise ceiling      test split-half R² n/a: {why}")
        else:
            lines.append(
                f"noise ceiling      test split-half R² {fmt(t['r2_split_half'], '.3f')} "
                f"(95% range {fmt(lo, '.3f')} to {fmt(hi, '.3f')} over {count(t['n_splits'], 'split')})"
            )
        loo = t.get("leave_one_participant_out")
        if loo:  # the others' p_ij of a pair against each participant's own answers
            lines.append(f"leave-one-out      {leave_one_out_text(loo)}")
        lines.append(
            f"repeat agreement   between participants: test {fmt(t['repeat_agreement'], '.3f')} "
            f"({count(between, 'triplet')} answered by 2+ participants); "
            f"all {fmt(nc['all']['repeat_agreement'], '.3f')} ({nc['all']['between_participant_triplets']:,})"
        )
    return "\n".join(lines)
