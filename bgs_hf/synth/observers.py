"""Simulated observers doing the paper's odd-one-out task on SocialShapes clips.

Design (mirrors the real release): participants do ``sets_per_participant`` sets of ``trials_per_set``
trials; each set holds one catch trial (a triplet with a duplicated clip, not flagged). The regular
triplets cover every clip pair at least once (greedy covering, given about 1 ``obs_per_pair`` or more), are
topped up with random triplets to about ``obs_per_pair`` observations per pair, and a fraction recur across
participants with the release's multiplicity profile, so repeated-triplet agreement can be measured.

Choice model: participant p sees clips a, b, c with coordinates z in a latent social space and
per-participant dimension weights w_p (log-normal jitter around 1). The similarity of a pair is
``-sum_d w_pd (z_id - z_jd)^2``; the odd-one-out is drawn from a softmax (inverse temperature
``choice_beta``) over the similarities of the *other two* clips, with a lapse to uniform guessing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bgs_hf.synth.scene import SynthConfig

#: Release multiplicity profile of repeated triplets: copies -> number of triplets seen that often.
REPEAT_PROFILE: dict[int, int] = {2: 6012, 3: 1060, 4: 674, 5: 448}

_ADJ = (
    "fluid amber brave calm clever dusty eager fuzzy gentle happy icy jolly keen lively mellow noble "
    "odd proud quick rapid shy silent sunny tidy vivid witty young zesty bold bright crisp"
).split()
_ANIMALS = (
    "muskrat otter badger heron lynx marten newt ocelot panda quail raven seal tapir urchin vole walrus "
    "yak zebra bison cobra dingo egret ferret gecko hyena ibis jackal koala lemur moose"
).split()


def participant_names(n: int, rng: np.random.Generator) -> list[str]:
    """Unique ``adjective-animal`` ids like the release's (``fluid-muskrat``)."""
    pool = [f"{a}-{b}" for a in _ADJ for b in _ANIMALS]
    order = rng.permutation(len(pool))
    names = [pool[i] for i in order[: min(n, len(pool))]]
    names += [f"{pool[order[i % len(pool)]]}-{i // len(pool) + 1}" for i in range(len(pool), n)]
    return names


def _covering_triplets(n: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy triplets covering every unordered pair of n items at least once (about n^2/6 triplets)."""
    uncovered = ~np.eye(n, dtype=bool)
    out = []
    iu, ju = np.triu_indices(n, 1)
    for p in rng.permutation(iu.size):
        i, j = iu[p], ju[p]
        if not uncovered[i, j]:
            continue
        gain = uncovered[i].astype(np.int8) + uncovered[j]
        gain[[i, j]] = -1
        best = np.flatnonzero(gain == gain.max())
        k = best[rng.integers(best.size)]
        out.append((i, j, k))
        for a, b in ((i, j), (i, k), (j, k)):
            uncovered[a, b] = uncovered[b, a] = False
    return np.array(out, dtype=np.int64).reshape(-1, 3)


def _keys(t: np.ndarray, n: int) -> np.ndarray:
    s = np.sort(t, axis=1)
    return (s[:, 0] * n + s[:, 1]) * n + s[:, 2]


def count_participants(n_clips: int, config: SynthConfig) -> int:
    """How many simulated participants a design of ``n_clips`` clips has (each does ``sets_per_participant`` sets
    of ``trials_per_set`` trials): enough for about ``obs_per_pair`` judgments per clip pair, so the count grows
    with the square of the clip count. Arithmetic only, for :mod:`bgs_hf.synth.budget`'s up-front estimate."""
    n_pairs = n_clips * (n_clips - 1) // 2
    n_regular = int(round(config.obs_per_pair * n_pairs / 3))
    return max(1, int(np.ceil(n_regular / ((config.trials_per_set - 1) * config.sets_per_participant))))


def make_design(n_clips: int, rng: np.random.Generator, config: SynthConfig) -> pd.DataFrame:
    """Trial list: participation, task, trial, stim1..3 (catch trials included, unflagged), is_catch."""
    if n_clips < 4:
        raise ValueError(f"need at least 4 clips for odd-one-out triplets, got {n_clips}")
    per_set = config.trials_per_set - 1
    n_part = count_participants(n_clips, config)
    n_slots = n_part * config.sets_per_participant * per_set

    mult = np.array(list(REPEAT_PROFILE))
    prob = np.array(list(REPEAT_PROFILE.values()), float)
    prob /= prob.sum()
    mean_extra = float((prob * (mult - 1)).sum())
    n_unique = int(round(n_slots * (1 - config.repeat_fraction)))
    cover = _covering_triplets(n_clips, rng)
    seen = set(_keys(cover, n_clips).tolist())
    extra = []
    max_unique = n_clips * (n_clips - 1) * (n_clips - 2) // 6
    target = min(max(n_unique, len(cover)), max_unique)
    while len(seen) < target:
        cand = np.stack([rng.choice(n_clips, 3, replace=False) for _ in range(min(4096, target - len(seen)))])
        for t, k in zip(cand, _keys(cand, n_clips).tolist()):
            if k not in seen and len(seen) < target:
                seen.add(k)
                extra.append(t)
    unique = np.concatenate([cover, np.array(extra, np.int64).reshape(-1, 3)])
    unique = unique[rng.permutation(len(unique))]
    # repeats: pick triplets and give them extra copies with the release's multiplicity profile
    n_copies_needed = max(n_slots - len(unique), 0)
    n_rep = int(np.ceil(n_copies_needed / mean_extra)) if n_copies_needed else 0
    reps = []
    if n_rep:
        chosen = rng.choice(len(unique), size=min(n_rep, len(unique)), replace=False)
        copies = rng.choice(mult, size=chosen.size, p=prob) - 1
        reps = [np.repeat(unique[chosen], copies, axis=0)]
    regular = np.concatenate([unique, *reps])[:n_slots]
    if len(regular) < n_slots:  # tiny benchmarks: recycle triplets
        regular = np.concatenate([regular, regular[rng.integers(len(regular), size=n_slots - len(regular))]])
    regular = regular[rng.permutation(len(regular))]
    # shuffle each triplet's on-screen order
    regular = np.take_along_axis(regular, np.argsort(rng.random(regular.shape), axis=1), axis=1)

    n_sets = n_part * config.sets_per_participant
    sets = regular.reshape(n_sets, per_set, 3)
    a = rng.integers(n_clips, size=n_sets)
    b = (a + 1 + rng.integers(n_clips - 1, size=n_sets)) % n_clips
    catch = np.stack([a, a, b], axis=1)
    catch = np.take_along_axis(catch, np.argsort(rng.random(catch.shape), axis=1), axis=1)
    pos = rng.integers(config.trials_per_set, size=n_sets)
    trials = np.empty((n_sets, config.trials_per_set, 3), np.int64)
    is_catch = np.zeros((n_sets, config.trials_per_set), bool)
    for s in range(n_sets):
        trials[s] = np.insert(sets[s], pos[s], catch[s], axis=0)
        is_catch[s, pos[s]] = True
    names = participant_names(n_part, rng)
    part = np.repeat(np.array(names, dtype=object), config.sets_per_participant * config.trials_per_set)
    task = np.tile(
        np.repeat([f"set{k + 1}" for k in range(config.sets_per_participant)], config.trials_per_set), n_part
    )
    flat = trials.reshape(-1, 3)
    return pd.DataFrame(
        {
            "participation": part,
            "task": task,
            "trial": np.tile(np.arange(config.trials_per_set), n_sets),
            "stim1_name": flat[:, 0],
            "stim2_name": flat[:, 1],
            "stim3_name": flat[:, 2],
            "is_catch": is_catch.reshape(-1),
        }
    )


def simulate_choices(
    design: pd.DataFrame, z: np.ndarray, rng: np.random.Generator, config: SynthConfig
) -> pd.DataFrame:
    """Add ``choice`` (odd-one-out clip index) and ``response_time`` (s) to a design."""
    names, part_code = np.unique(design["participation"].to_numpy(dtype=str), return_inverse=True)
    w = np.exp(rng.normal(0, config.weight_jitter, size=(names.size, z.shape[1])))
    w /= w.mean(axis=1, keepdims=True)
    idx = design[["stim1_name", "stim2_name", "stim3_name"]].to_numpy()
    wp = w[part_code]
    za, zb, zc = z[idx[:, 0]], z[idx[:, 1]], z[idx[:, 2]]
    # similarity of the pair left when position k is the odd one
    sim = -np.stack(
        [((zb - zc) ** 2 * wp).sum(1), ((za - zc) ** 2 * wp).sum(1), ((za - zb) ** 2 * wp).sum(1)], axis=1
    )
    with np.errstate(over="ignore"):
        logits = config.choice_beta * sim
        overflowed = np.isneginf(logits).all(axis=1)  # a beta near the largest float: -inf - -inf was NaN
        if overflowed.any():  # shifted before scaling, so the most similar pair keeps 0 (these rows only)
            shifted = sim[overflowed] - sim[overflowed].max(axis=1, keepdims=True)
            logits[overflowed] = config.choice_beta * shifted
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    prob = (1 - config.lapse) * prob + config.lapse / 3
    cum = prob.cumsum(axis=1)
    odd = (rng.random(len(idx))[:, None] > cum).sum(axis=1).clip(0, 2)
    # catch trials: the duplicated clip is never odd; real participants pick the singleton 99.9% of the time
    catch = design["is_catch"].to_numpy()
    if catch.any():
        ci = idx[catch]
        single = np.where(ci[:, 0] == ci[:, 1], 2, np.where(ci[:, 0] == ci[:, 2], 1, 0))
        slip = rng.random(catch.sum()) < 0.001
        odd[catch] = np.where(slip, (single + 1) % 3, single)
    rt = np.exp(rng.normal(np.log(4.8), 0.5, size=len(idx)))
    slow = rng.random(len(idx)) < 0.02
    rt[slow] += rng.exponential(30.0, size=slow.sum())
    out = design.copy()
    out["choice"] = idx[np.arange(len(idx)), odd]
    out["response_time"] = np.round(np.maximum(rt, 2.0), 3)
    return out
