"""Human similarity, RSA, odd-one-out accuracy, bootstraps and behavioural_fit against hand-computed
values and scipy/rsatoolbox."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import pearsonr, rankdata, spearmanr

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics import (
    behavioural_fit,
    bootstrap_ci,
    cosine_similarity_matrix,
    human_similarity,
    loo_ceiling,
    ooo_acc_2way,
    ooo_acc_2way_per_judgment,
    ooo_acc_3way,
    ooo_acc_3way_per_judgment,
    paired_bootstrap,
    pct_of_ceiling,
    pearson,
    r2,
    rsa_pearson,
    rsa_spearman,
    spearman,
    split_half_ceiling,
)
from bgs_hf.metrics.bootstrap import _design, _stat_fn, clip_resamples
from bgs_hf.metrics.similarity import HumanSimilarity

# Worked example (N = 4 clips).
#   t1 (0,1,2) odd=2 -> kept (0,1);  t2 (0,1,3) odd=0 -> kept (1,3);  t3 (2,1,0) odd=1 -> kept (2,0)
#   n01=3 k01=1 -> 1/3 | n02=2 k02=1 -> 1/2 | n12=2 k12=0 -> 0 | n03=1 k03=0 -> 0 | n13=1 k13=1 -> 1
#   n23=0 -> unobserved
IDX = np.array([[0, 1, 2], [0, 1, 3], [2, 1, 0]])
ODD = np.array([2, 0, 1])
# model similarities: S01=.9 S02=.5 S12=.1 S03=.2 S13=.3 S23=.4
S = np.array(
    [
        [1.0, 0.9, 0.5, 0.2],
        [0.9, 1.0, 0.1, 0.3],
        [0.5, 0.1, 1.0, 0.4],
        [0.2, 0.3, 0.4, 1.0],
    ]
)


def test_human_similarity_hand_values():
    h = human_similarity(IDX, ODD, 4)
    assert h.n[0, 1] == h.n[1, 0] == 3 and h.k[0, 1] == 1
    assert h.n[0, 2] == 2 and h.k[0, 2] == 1
    assert h.n[1, 2] == 2 and h.k[1, 2] == 0
    assert h.n[0, 3] == 1 and h.k[0, 3] == 0
    assert h.n[1, 3] == 1 and h.k[1, 3] == 1
    assert h.n[2, 3] == 0 and not h.mask[2, 3] and np.isnan(h.p[2, 3])
    assert not h.mask.diagonal().any()
    np.testing.assert_allclose(h.p[[0, 0, 1, 0, 1], [1, 2, 2, 3, 3]], [1 / 3, 0.5, 0, 0, 1])
    i, j, p = h.pairs()
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)]
    i, j, p = h.pairs(items=[3, 1])  # order follows items: pair (3, 1)
    assert (i.tolist(), j.tolist(), p.tolist()) == ([3], [1], [1.0])


def test_human_similarity_prints_its_counts_not_its_matrices():
    """A notebook showing ``human_similarity(...)`` got four N×N arrays, elided, before anything a reader could use.
    The worked example by hand: 4 clips, pairs 01 02 12 03 13 observed (5), n = 3 + 2 + 2 + 1 + 1 = 9 judgments
    holding them, 9 / 5 = 1.80 per observed pair; with no judgment, no pair and no mean."""
    from bgs_hf.metrics import HumanSimilarity

    assert repr(human_similarity(IDX, ODD, 4)) == (
        "HumanSimilarity(4 clips, 5 observed pairs, 1.80 judgments per observed pair; matrices .n .k .p .mask)")
    zeros = np.zeros((3, 3), dtype=np.int64)
    empty = HumanSimilarity(n=zeros, k=zeros, p=np.full((3, 3), np.nan), mask=zeros.astype(bool))
    assert repr(empty) == (
        "HumanSimilarity(3 clips, 0 observed pairs, n/a judgments per observed pair; matrices .n .k .p .mask)")


def test_human_similarity_matches_loop_reference():
    rng = np.random.default_rng(1)
    n_items = 9
    idx = np.array([rng.choice(n_items, 3, replace=False) for _ in range(300)])
    odd = rng.integers(0, 3, 300)
    n = np.zeros((n_items, n_items), int)
    k = np.zeros((n_items, n_items), int)
    for t, o in zip(idx, odd):
        for u in range(3):
            for v in range(u + 1, 3):
                n[t[u], t[v]] += 1
                n[t[v], t[u]] += 1
        keep = [t[x] for x in range(3) if x != o]
        k[keep[0], keep[1]] += 1
        k[keep[1], keep[0]] += 1
    h = human_similarity(idx, odd, n_items)
    np.testing.assert_array_equal(h.n, n)
    np.testing.assert_array_equal(h.k, k)
    # integer weights = repeating rows
    w = rng.integers(0, 3, 300)
    hw = human_similarity(idx, odd, n_items, weights=w)
    hr = human_similarity(np.repeat(idx, w, axis=0), np.repeat(odd, w), n_items)
    np.testing.assert_array_equal(hw.n, hr.n)
    np.testing.assert_array_equal(hw.k, hr.k)


def test_human_similarity_drops_catch_and_rejects_bad_input():
    h = human_similarity(np.vstack([IDX, [[1, 1, 2]]]), np.append(ODD, 0), 4)
    np.testing.assert_array_equal(h.n, human_similarity(IDX, ODD, 4).n)
    with pytest.raises(BGSInputError, match="row 1"):
        human_similarity(IDX, np.array([0, 3, 1]), 4)
    with pytest.raises(BGSInputError, match="outside"):
        human_similarity(IDX, ODD, 3)
    trip = SimpleNamespace(idx=IDX, odd=ODD)  # duck-typed TripletArrays
    np.testing.assert_array_equal(human_similarity(trip, n_items=4).k, human_similarity(IDX, ODD, 4).k)


def test_rsa_hand_values_and_scipy():
    h = human_similarity(IDX, ODD, 4)
    # p = [1/3, .5, 0, 0, 1] ranks [3, 4, 1.5, 1.5, 5]; S = [.9, .5, .2, .1, .3] ranks [5, 4, 2, 1, 3]
    # deviations [0, 1, -1.5, -1.5, 2] and [2, 1, -1, -2, 0]: rho = 5.5 / sqrt(9.5 * 10)
    rho = 5.5 / np.sqrt(95.0)
    assert rsa_spearman(S, h) == pytest.approx(rho)
    assert r2(S, h) == pytest.approx(rho**2)
    assert r2(-S, h) == pytest.approx(-(rho**2))  # signed
    p = [1 / 3, 0.5, 0, 0, 1]
    s = [0.9, 0.5, 0.2, 0.1, 0.3]
    assert rsa_spearman(S, h) == pytest.approx(spearmanr(s, p)[0])
    assert rsa_pearson(S, h) == pytest.approx(pearsonr(s, p)[0])
    # subset items [0, 1, 3]: p = [1/3, 0, 1], S = [.9, .2, .3]; d = [-1, 0, 1] -> 1 - 6*2/24 = 0.5
    assert rsa_spearman(S, h, items=[0, 1, 3]) == pytest.approx(0.5)
    assert rsa_spearman(S[np.ix_([0, 1, 3], [0, 1, 3])], h, items=[0, 1, 3]) == pytest.approx(0.5)
    with pytest.raises(BGSInputError):
        rsa_spearman(np.eye(5), h)


def test_rsa_random_against_scipy():
    rng = np.random.default_rng(2)
    idx = np.array([rng.choice(12, 3, replace=False) for _ in range(40)])
    h = human_similarity(idx, rng.integers(0, 3, 40), 12)
    sim = rng.random((12, 12))
    sim = sim + sim.T
    iu = np.triu_indices(12, 1)
    m = h.mask[iu]
    assert rsa_spearman(sim, h) == pytest.approx(spearmanr(sim[iu][m], h.p[iu][m])[0])
    assert rsa_pearson(sim, h) == pytest.approx(pearsonr(sim[iu][m], h.p[iu][m])[0])


def test_rsa_against_rsatoolbox():
    import rsatoolbox  # a dev dependency: a broken install fails here, not skips
    from rsatoolbox.rdm import RDMs, compare

    rng = np.random.default_rng(3)
    idx = np.array([rng.choice(10, 3, replace=False) for _ in range(30)])
    h = human_similarity(idx, rng.integers(0, 3, 30), 10)
    emb = rng.normal(size=(10, 5))
    sim = cosine_similarity_matrix(emb)
    iu = np.triu_indices(10, 1)
    human_rdm = np.where(h.mask[iu], 1 - h.p[iu], np.nan)  # unobserved pairs as nan in both RDMs
    model_rdm = np.where(h.mask[iu], 1 - sim[iu], np.nan)
    assert rsatoolbox is not None
    ref_s = compare(RDMs(model_rdm[None]), RDMs(human_rdm[None]), method="spearman")[0, 0]
    ref_p = compare(RDMs(model_rdm[None]), RDMs(human_rdm[None]), method="corr")[0, 0]
    assert rsa_spearman(sim, h) == pytest.approx(ref_s)
    assert rsa_pearson(sim, h) == pytest.approx(ref_p)


def test_ooo_accuracy_hand_values():
    # t1 kept (0,1)=.9 vs .5, .1 -> 3way 1, 2way 1
    # t2 kept (1,3)=.3 vs (0,1)=.9, (0,3)=.2 -> 3way 0, 2way .5
    # t3 kept (2,0)=.5 vs (2,1)=.1, (1,0)=.9 -> 3way 0, 2way .5
    np.testing.assert_array_equal(ooo_acc_3way_per_judgment(S, IDX, ODD), [1, 0, 0])
    np.testing.assert_array_equal(ooo_acc_2way_per_judgment(S, IDX, ODD), [1, 0.5, 0.5])
    assert ooo_acc_3way(S, IDX, ODD) == pytest.approx(1 / 3)
    assert ooo_acc_2way(S, IDX, ODD) == pytest.approx(2 / 3)
    # the 2-way anchor test, written out: anchors x and y of kept pair (x, y), negative o
    score = []
    for t, o in zip(IDX, ODD):
        x, y = [t[q] for q in range(3) if q != o]
        neg = t[o]
        score.append((int(S[x, y] > S[x, neg]) + int(S[y, x] > S[y, neg])) / 2)
    assert ooo_acc_2way(S, IDX, ODD) == pytest.approx(np.mean(score))
    # items-local matrix gives the same
    items = [0, 1, 2, 3]
    assert ooo_acc_3way(S, IDX, ODD, items=items) == ooo_acc_3way(S, IDX, ODD)


def test_ooo_ties_count_wrong_and_chance():
    tie = np.array([[1, 0.5, 0.5], [0.5, 1, 0.2], [0.5, 0.2, 1]])  # S01 == S02
    one = np.array([[0, 1, 2]])
    assert ooo_acc_3way(tie, one, [2]) == 0.0  # kept (0,1) ties (0,2)
    assert ooo_acc_2way(tie, one, [2]) == 0.5  # beats (1,2) only
    assert ooo_acc_3way(np.ones((3, 3)), one, [2]) == 0.0
    rng = np.random.default_rng(0)
    idx = np.array([rng.choice(50, 3, replace=False) for _ in range(20000)])
    odd = rng.integers(0, 3, len(idx))
    sim = rng.random((50, 50))
    sim = sim + sim.T
    assert ooo_acc_3way(sim, idx, odd) == pytest.approx(1 / 3, abs=0.015)
    assert ooo_acc_2way(sim, idx, odd) == pytest.approx(1 / 2, abs=0.015)


def test_ooo_accuracy_drops_catch_trials(caplog):
    # (0,0,1) odd 2 would compare S00 = 1 with S01, S01: free for the model; it carries no pair information
    idx = np.vstack([IDX, [[0, 0, 1], [3, 2, 3]]])
    odd = np.concatenate([ODD, [2, 1]])
    with caplog.at_level("WARNING"):
        assert ooo_acc_3way(S, idx, odd) == pytest.approx(1 / 3)  # the hand value without them
        assert ooo_acc_2way(S, idx, odd) == pytest.approx(2 / 3)
    assert "dropping 2 non-distinct (catch) triplets from odd-one-out accuracy" in caplog.text
    np.testing.assert_array_equal(ooo_acc_3way_per_judgment(S, idx, odd), [1, 0, 0])
    fit = behavioural_fit(S, human_similarity(idx, odd, 4), idx, odd, n_boot=20)
    assert fit["n_judgments"] == 3 and fit["ooo_acc_3way"] == pytest.approx(1 / 3)
    boot = bootstrap_ci(S, human_similarity(IDX, ODD, 4), idx=idx, odd=odd, stat="ooo_acc_3way", n_boot=20)
    assert boot.estimate == pytest.approx(1 / 3)


def test_ooo_accuracy_refuses_negative_clip_indices():
    """numpy would read clip -1 as the last clip and score a judgment nobody made."""
    with pytest.raises(BGSInputError, match="clip -1"):
        ooo_acc_3way(S, [[0, 1, -1]], [2])
    with pytest.raises(BGSInputError, match="clip -1"):
        ooo_acc_2way(S[:3, :3], [[0, 1, -1]], [2], items=[0, 1, 2])


def test_ooo_accuracy_is_nan_not_zero_for_undefined_similarities():
    nan_model = cosine_similarity_matrix(np.full((4, 8), np.nan))  # e.g. a run that diverged
    assert np.isnan(ooo_acc_3way(nan_model, IDX, ODD)) and np.isnan(ooo_acc_2way(nan_model, IDX, ODD))
    partly = S.copy()
    partly[0, 3] = partly[3, 0] = np.nan  # only t2 (0,1,3) reads it
    np.testing.assert_array_equal(ooo_acc_3way_per_judgment(partly, IDX, ODD), [1, np.nan, 0])
    np.testing.assert_array_equal(ooo_acc_2way_per_judgment(partly, IDX, ODD), [1, np.nan, 0.5])


def _toy(seed: int = 0, n_items: int = 14, n_trip: int = 400):
    """Judgments drawn from a latent embedding, and a model that sees a noisy copy of it."""
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n_items, 4))
    truth = cosine_similarity_matrix(emb)
    idx = np.array([rng.choice(n_items, 3, replace=False) for _ in range(n_trip)])
    pair_sim = np.stack([truth[idx[:, 1], idx[:, 2]], truth[idx[:, 0], idx[:, 2]], truth[idx[:, 0], idx[:, 1]]], 1)
    logits = 4 * pair_sim + rng.gumbel(size=pair_sim.shape)
    odd = logits.argmax(1)
    participant = rng.integers(0, 25, n_trip)
    model = cosine_similarity_matrix(emb + 0.8 * rng.normal(size=emb.shape))
    return idx, odd, participant, model, rng


def test_bootstrap_duplicates_equal_expanded_design():
    idx, odd, _, model, rng = _toy()
    h = human_similarity(idx, odd, 14)
    items = np.arange(14)
    design = _design("clips", h, items, idx, None, 14)
    fn = _stat_fn(model, h, items, idx, odd, "rsa_spearman", design)
    draw = rng.integers(0, 14, 14)
    mult = np.bincount(draw, minlength=14)
    # explicit resampled design: every position pair (a<b) of distinct clips that were observed
    a, b = np.triu_indices(14, 1)
    ga, gb = draw[a], draw[b]
    keep = (ga != gb) & h.mask[ga, gb]
    ref = spearmanr(model[ga[keep], gb[keep]], h.p[ga[keep], gb[keep]])[0]
    assert fn(mult) == pytest.approx(ref)
    assert fn(np.ones(14, int)) == pytest.approx(rsa_spearman(model, h))
    # judgments: (a,b,c) counts m_a*m_b*m_c times
    f3 = _stat_fn(model, h, items, idx, odd, "ooo_acc_3way", design)
    per = ooo_acc_3way_per_judgment(model, idx, odd)
    w = mult[idx].prod(1)
    assert f3(mult) == pytest.approx((w * per).sum() / w.sum())


def test_bootstrap_ci_over_clips_and_participants():
    idx, odd, participant, model, _ = _toy()
    h = human_similarity(idx, odd, 14)
    res = bootstrap_ci(model, h, idx=idx, odd=odd, n_boot=200, seed=0)
    assert res.estimate == pytest.approx(r2(model, h))
    assert res.low <= res.estimate <= res.high and res.low < res.high
    assert len(res.samples) == 200
    again = bootstrap_ci(model, h, idx=idx, odd=odd, n_boot=200, seed=0)
    assert (again.low, again.high) == (res.low, res.high)  # seeded
    trip = SimpleNamespace(idx=idx, odd=odd, participant=participant)
    rp = bootstrap_ci(model, None, idx=trip, stat="rsa_spearman", over="participants", n_boot=100)
    assert rp.estimate == pytest.approx(rsa_spearman(model, h))
    assert rp.low < rp.high
    ra = bootstrap_ci(model, h, idx=trip, stat="ooo_acc_2way", over="participants", n_boot=100)
    assert ra.estimate == pytest.approx(ooo_acc_2way(model, idx, odd))
    with pytest.raises(BGSInputError):
        bootstrap_ci(model, h, stat="nope")


def test_paired_bootstrap():
    idx, odd, _, model, rng = _toy(n_items=30, n_trip=1500)
    h = human_similarity(idx, odd, 30)
    same = paired_bootstrap(model, model, h, idx=idx, odd=odd, n_boot=100)
    assert same.diff == 0 and np.all(same.samples_a == same.samples_b) and same.p_value == 1.0
    noise = rng.random((30, 30))
    noise = noise + noise.T
    better = paired_bootstrap(model, noise, h, idx=idx, odd=odd, n_boot=300)
    assert better.diff == pytest.approx(r2(model, h) - r2(noise, h))
    assert better.diff > 0 and better.low > 0 and better.p_value < 0.05


def test_pct_of_ceiling_and_behavioural_fit():
    assert pct_of_ceiling(0.1, 0.2) == pytest.approx(50.0)
    assert np.isnan(pct_of_ceiling(0.1, 0.0))
    idx, odd, participant, model, _ = _toy()
    h = human_similarity(idx, odd, 14)
    out = behavioural_fit(model, h, idx, odd, None, 0.5, n_boot=100)
    keys = {"r2", "r2_ci", "rsa_spearman", "rsa_pearson", "ooo_acc_3way", "ooo_acc_2way",
            "pct_of_ceiling", "n_pairs", "n_judgments"}
    assert keys <= set(out)
    assert out["r2"] == pytest.approx(r2(model, h))
    assert out["pct_of_ceiling"] == pytest.approx(100 * out["r2"] / 0.5)
    assert out["n_pairs"] == int(h.mask.sum() // 2) and out["n_judgments"] == len(idx)
    assert out["ooo_acc_3way"] == pytest.approx(ooo_acc_3way(model, idx, odd))
    # container form with a duck-typed OddOneOutData and an items-local model matrix
    items = np.arange(7)
    inside = np.isin(idx, items).all(1)
    trip = SimpleNamespace(idx=idx[inside], odd=odd[inside], participant=participant[inside])
    data = SimpleNamespace(splits={"test": items}, n_clips=14, triplets=lambda split: trip)
    local = model[np.ix_(items, items)]
    out2 = behavioural_fit(local, data, "test", n_boot=50)
    hs = human_similarity(trip.idx, trip.odd, 14)
    assert out2["r2"] == pytest.approx(r2(model, hs))
    assert out2["n_judgments"] == int(inside.sum())


def test_accuracy_over_items_with_a_global_matrix_scores_only_judgments_inside_them():
    """The bootstrap over ``items`` weighs only judgments inside them; the point estimate scored every
    judgment, so it could fall outside its own CI (estimate 0.45, CI [1, 1] in review). Now refused."""
    rng = np.random.default_rng(0)
    sim = rng.normal(size=(8, 8))
    sim = sim + sim.T
    idx = np.array([[0, 1, 2], [1, 2, 3], [0, 1, 7]])
    with pytest.raises(BGSInputError, match=r"judgment row 2: triplet \[0, 1, 7\] names a clip outside `items`"):
        ooo_acc_3way(sim, idx, [0, 0, 0], items=np.arange(4))
    with pytest.raises(BGSInputError, match="row 2"):
        bootstrap_ci(sim, None, np.arange(4), idx=idx, odd=[0, 0, 0], stat="ooo_acc_3way", n_boot=10)
    inside = ooo_acc_3way(sim, idx[:2], [0, 0], items=np.arange(4))
    assert inside == ooo_acc_3way(sim[:4, :4], idx[:2], [0, 0], items=np.arange(4))  # both matrix forms agree


def test_pearson_of_a_constant_float_vector_is_nan():
    """Centring [0.1, 0.1, 0.1] leaves ulp-sized values: pearson said 1.0 / -1.0 / 0.0 (scipy: nan)."""
    for y in ([0.1] * 3, [0.7] * 3, [1.0, 2.0, 3.0]):
        assert np.isnan(pearson([0.1] * 3, y))
        assert np.isnan(pearson(y, [0.1] * 3))  # either side (mutation audit: testing only x passed; r read 0.0)
    human = human_similarity(IDX, ODD, 4)
    assert np.isnan(rsa_pearson(np.full((4, 4), 0.1), human))


def test_metric_inputs_are_checked_with_one_line():
    with pytest.raises(BGSInputError, match="fraction"):
        bootstrap_ci(S, human_similarity(IDX, ODD, 4), ci=95)
    with pytest.raises(BGSInputError, match=r"participant must have shape \(3,\)"):
        bootstrap_ci(S, None, idx=IDX, odd=ODD, participant=["a", "b"], over="participants", n_boot=5)
    with pytest.raises(BGSInputError, match=r"weights must have shape \(3,\)"):
        human_similarity(IDX, ODD, 4, weights=np.ones(2))
    with pytest.raises(BGSInputError, match="odd must be whole numbers, got 2.7"):
        ooo_acc_3way(S, IDX, np.asarray(ODD) + 0.7)  # was truncated to ODD silently
    assert ooo_acc_3way(S, np.asarray(IDX, dtype=float), np.asarray(ODD, dtype=float)) == ooo_acc_3way(S, IDX, ODD)


def test_ceiling_errors_name_the_row_the_caller_passed():
    """Catch trials were dropped before the clip check, so the row number was off by their count."""
    idx = [[0, 0, 1], [0, 1, 2], [1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 9]]
    odd, part = [0] * 6, ["p", "q"] * 3
    for fn in (split_half_ceiling, loo_ceiling):
        with pytest.raises(BGSInputError, match=r"judgment row 5: triplet \[0, 1, 9\]"):
            fn(idx, 4, odd=odd, participant=part)


def test_behavioural_fit_on_an_unknown_split_is_one_line():
    from test_training_helpers import tiny_data

    data, _ = tiny_data()
    with pytest.raises(BGSInputError, match="unknown split 'tset'"):
        behavioural_fit(np.eye(data.n_clips), data, "tset")


def test_paired_bootstrap_p_value_is_never_zero():
    """Every resample favouring one model gave p = 0.0; a finite bootstrap can only say p <= 2/(n+1)."""
    idx, odd, _, model, rng = _toy(n_items=30, n_trip=1500)
    h = human_similarity(idx, odd, 30)
    noise = rng.random((30, 30))
    res = paired_bootstrap(model, noise + noise.T, h, idx=idx, odd=odd, n_boot=200, stat="ooo_acc_3way")
    assert res.low > 0  # every resample favours the model
    assert res.p_value == pytest.approx(2 / 201)


def test_paired_bootstrap_and_ceiling_check_ci_like_bootstrap_ci():
    """``paired_bootstrap(ci=95)`` and ``split_half_ceiling(ci=95)`` reached numpy ('Percentiles must be in the range [0, 100]') after every resample."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match="fraction"):
        paired_bootstrap(S, S.T, h, idx=IDX, odd=ODD, ci=95, n_boot=5)
    with pytest.raises(BGSInputError, match="fraction"):  # the ceiling's interval too
        split_half_ceiling(IDX, 4, odd=ODD, participant=["a", "b", "a"], ci=95)


def test_participant_bootstrap_equals_the_repeated_judgments():
    """A participant drawn m times counts as m copies of their judgments: every statistic equals the one on
    the explicitly repeated rows, human similarity rebuilt from them."""
    idx, odd, participant, model, rng = _toy(n_trip=300)
    h = human_similarity(idx, odd, 14)
    design = _design("participants", h, None, idx, participant, 14)
    codes = np.unique(participant, return_inverse=True)[1]
    mult = np.bincount(rng.integers(0, 25, 25), minlength=25)
    ri, ro = np.repeat(idx, mult[codes], axis=0), np.repeat(odd, mult[codes])
    rh = human_similarity(ri, ro, 14)
    ref = {"r2": r2(model, rh), "rsa_spearman": rsa_spearman(model, rh), "rsa_pearson": rsa_pearson(model, rh),
           "ooo_acc_3way": ooo_acc_3way(model, ri, ro), "ooo_acc_2way": ooo_acc_2way(model, ri, ro)}
    for stat, want in ref.items():
        assert _stat_fn(model, h, None, idx, odd, stat, design)(mult) == pytest.approx(want), stat


def test_cosine_similarity_matrix_matches_scikit_learn():
    from sklearn.metrics.pairwise import cosine_similarity

    emb = np.random.default_rng(0).normal(size=(6, 4))
    emb[2] = 0.0  # a zero row: similarity 0 with everything, itself included (as scikit-learn)
    np.testing.assert_allclose(cosine_similarity_matrix(emb), cosine_similarity(emb), atol=1e-12)


def test_equal_embeddings_give_exactly_equal_similarities_so_a_collapsed_model_is_undefined_not_scored():
    """BLAS sums entries of one product in different orders: 50 equal 128-dim rows (a collapsed head) gave
    off-diagonal similarities an ulp apart, so R² read ±0.002 and 3-way accuracy 3% instead of n/a and 0."""
    rng = np.random.default_rng(1)
    n = 50
    idx = np.array([rng.choice(n, 3, replace=False) for _ in range(368)])
    odd = rng.integers(0, 3, len(idx))
    human = human_similarity(idx, odd, n)
    for dim in (128, 768):
        flat = cosine_similarity_matrix(np.tile(rng.normal(size=dim).astype(np.float32), (n, 1)))
        assert np.ptp(flat) == 0.0
        assert np.isnan(r2(flat, human)) and np.isnan(rsa_pearson(flat, human))
        assert ooo_acc_3way(flat, idx, odd) == 0.0 and ooo_acc_2way(flat, idx, odd) == 0.0
    emb = rng.normal(size=(n, 128))
    plain = cosine_similarity_matrix(emb)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    assert np.array_equal(plain, unit @ unit.T)  # without equal rows: the same numbers, bit for bit
    dup = cosine_similarity_matrix(np.vstack([emb, emb[:5]]))  # a clip given twice ties with itself exactly
    assert np.array_equal(dup[n:], dup[:5]) and np.array_equal(dup[:, n:], dup[:, :5])
    # each clip keeps its own similarities (mutation audit: rows of the distinct set read as rows of the clips passed)
    np.testing.assert_allclose(dup[:n, :n], plain, rtol=0, atol=1e-12)


def test_cosine_similarity_of_one_vector_is_refused_in_one_line():
    """Fuzzing: one clip's embedding vector failed in numpy's norm ("axis 1 is out of bounds for array of
    dimension 1")."""
    with pytest.raises(BGSInputError, match=r"emb must be a \(clips, dims\) matrix, one row per clip, got shape \(2,\)"):
        cosine_similarity_matrix(np.array([3.0, 4.0]))
    np.testing.assert_allclose(cosine_similarity_matrix(np.array([[3.0, 4.0], [4.0, 3.0]])), [[1, 0.96], [0.96, 1]])


def test_cosine_similarity_of_an_infinite_embedding_is_nan_without_a_warning():
    """s66 statistics review: a diverged model's row holding inf warned numpy's "invalid value encountered in divide"
    (inf / inf) before its NaN; it is now NaN without a word, as a NaN row is, and R² and accuracy read NaN."""
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [np.inf, 1.0], [1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim = cosine_similarity_matrix(emb)
        nan_row = cosine_similarity_matrix(np.where(np.isinf(emb), np.nan, emb))
    np.testing.assert_array_equal(np.isnan(sim), np.isnan(nan_row))
    assert np.isnan(sim[2]).all() and np.isnan(sim[:, 2]).all()
    np.testing.assert_allclose(sim[np.ix_([0, 1, 3], [0, 1, 3])], [[1, 0, 0.5**0.5], [0, 1, 0.5**0.5],
                                                                   [0.5**0.5, 0.5**0.5, 1]])
    idx, odd = np.array([[0, 1, 2], [0, 1, 3]]), np.array([2, 0])
    assert np.isnan(r2(sim, human_similarity(idx, odd, 4))) and np.isnan(ooo_acc_3way(sim, idx, odd))


def test_bootstrap_from_triplets_alone_reads_the_clip_count_off_the_model_matrix():
    """Triplets over the first clips of a global N×N matrix (a test split that is not the last clips): the
    clip count came from the triplets' largest index, and the right matrix was refused as 'expected 12'."""
    idx, odd, participant, model, _ = _toy(n_items=14)
    inside = (idx < 12).all(1)
    idx, odd, participant = idx[inside], odd[inside], participant[inside]
    want = r2(model, human_similarity(idx, odd, 14))
    for over in ("clips", "participants"):
        res = bootstrap_ci(model, idx=idx, odd=odd, participant=participant, over=over, n_boot=20)
        assert res.estimate == pytest.approx(want), over
        pair = paired_bootstrap(model, model.T, idx=idx, odd=odd, participant=participant, over=over, n_boot=20)
        assert pair.diff == 0.0, over


def test_an_undefined_estimate_has_no_interval():
    """One NaN embedding row: the estimate is NaN, but the resamples that left that clip out gave a finite
    'CI' ([-0.63, 0.69] in review) and the paired bootstrap reported diff NaN with CI [0, 0] and p = 1."""
    idx, odd, _, model, _ = _toy()
    h = human_similarity(idx, odd, 14)
    broken = model.copy()
    broken[3, :] = broken[:, 3] = np.nan
    for stat in ("r2", "rsa_pearson", "ooo_acc_3way"):
        res = bootstrap_ci(broken, h, idx=idx, odd=odd, stat=stat, n_boot=50)
        assert np.isnan(res.estimate) and np.isnan(res.low) and np.isnan(res.high), stat
        pair = paired_bootstrap(broken, model, h, idx=idx, odd=odd, stat=stat, n_boot=50)
        assert np.isnan([pair.diff, pair.low, pair.high, pair.p_value]).all(), stat
    out = behavioural_fit(broken, h, idx, odd, n_boot=50)
    assert np.isnan(out["r2"]) and np.isnan(out["r2_ci"]).all()


def test_a_participant_bootstrap_needs_two_participants():
    """One participant is drawn every time: the 'CI' collapsed onto the estimate, a zero-width interval."""
    idx, odd, _, model, _ = _toy()
    with pytest.raises(BGSInputError, match="at least two participants"):
        bootstrap_ci(model, idx=idx, odd=odd, participant=["p"] * len(idx), over="participants", n_boot=5)
    with pytest.raises(BGSInputError, match="at least two participants"):
        paired_bootstrap(model, model, idx=idx, odd=odd, participant=["p"] * len(idx), over="participants")


def test_a_participant_bootstrap_refuses_a_missing_participant_and_reads_ids_of_mixed_types():
    """Fuzzing: a participant left empty failed in numpy's sort (None: "'<' not supported between instances of
    'NoneType' and 'str'") or, NaN in a table's number column, resampled those judgments as one made-up participant;
    ids of mixed types (1 and 'b') failed like None. Mixed ids are now told apart by their text: 1 sorts before 'b' as
    'a' does, so the seeded draws equal those of 'a', 'b'."""
    import pandas as pd

    idx, odd, participant, model, _ = _toy(n_trip=60)
    named = np.array(["a", "b"])[participant % 2]
    mixed = np.array([1, "b"], dtype=object)[participant % 2]
    want = bootstrap_ci(model, idx=idx, odd=odd, participant=named, over="participants", n_boot=20)
    got = bootstrap_ci(model, idx=idx, odd=odd, participant=mixed, over="participants", n_boot=20)
    assert np.isfinite(want.samples).all() and np.array_equal(got.samples, want.samples)
    for missing in (None, np.nan, " "):
        part = named.astype(object)
        part[7] = missing
        with pytest.raises(BGSInputError, match="participant row 7 is missing"):
            bootstrap_ci(model, idx=idx, odd=odd, participant=part, over="participants", n_boot=5)
    table = pd.DataFrame({"clip_a": idx[:, 0], "clip_b": idx[:, 1], "clip_c": idx[:, 2], "odd": odd,
                          "participant": np.where(np.arange(60) == 3, np.nan, participant % 2)})
    with pytest.raises(BGSInputError, match=r"participant row 3 is missing \(nan\)"):
        paired_bootstrap(model, model.T, idx=table, over="participants", n_boot=5)
    clips = bootstrap_ci(model, idx=table, n_boot=5)  # a clip bootstrap does not read the participants
    assert clips.estimate == pytest.approx(r2(model, human_similarity(idx, odd, 14)))


def test_fractional_items_are_refused_not_truncated():
    """``items=[0.5, 1.5, 2.5]`` was cast to clips 0, 1, 2 silently."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match="items must be whole numbers, got 0.5"):
        r2(S[:3, :3], h, [0.5, 1.5, 2.5])
    with pytest.raises(BGSInputError, match="items must be whole numbers"):
        ooo_acc_3way(S[:3, :3], IDX[:1], ODD[:1], items=[0.5, 1.5, 2.5])
    assert r2(S[:3, :3], h, np.array([0.0, 1.0, 2.0])) == r2(S[:3, :3], h, [0, 1, 2])  # whole floats are fine


def test_items_are_checked_before_a_bootstrap_counts_clips_and_a_column_of_items_is_refused():
    """Fuzzing: with triplets alone the bootstrap took the largest of ``items`` before checking them, so text items
    failed in numpy's maximum ("did not contain a loop with signature matching types"), where every other metric
    names them, and no items in numpy's "zero-size array to reduction operation"; a column of items (shape (4, 1),
    a DataFrame's ``df[["clip"]]``) failed in numpy's indexing in every metric that takes items."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match="items must be whole numbers"):
        bootstrap_ci(S, idx=IDX, odd=ODD, items=["0", "1", "2", "3"], n_boot=5)
    res = bootstrap_ci(S, idx=IDX, odd=ODD, items=[], n_boot=5)  # no clip, no pair: undefined
    assert np.isnan([res.estimate, res.low, res.high]).all()
    column = np.arange(4).reshape(4, 1)
    for call in (lambda: r2(S, h, column), lambda: ooo_acc_3way(S, IDX, ODD, column), lambda: h.pairs(column),
                 lambda: bootstrap_ci(S, h, items=column, n_boot=5),
                 lambda: bootstrap_ci(S, idx=IDX, odd=ODD, items=column, n_boot=5)):
        with pytest.raises(BGSInputError, match=r"items must be a flat list of clip indices, got shape \(4, 1\)"):
            call()


def test_a_table_of_judgments_is_read_by_its_column_names():
    """A pandas DataFrame or a ``datasets.Dataset`` with the judgments' columns (``data.judgments``):
    the DataFrame with ``odd`` failed on ``int('a')``, the Dataset said only 'pass odd or a TripletArrays'."""
    import datasets
    import pandas as pd

    df = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "odd": ODD,
                       "participant": ["a", "b", "a"], "rt_s": [1.0, 2.0, 3.0]})
    want = human_similarity(IDX, ODD, 4)
    for table in (df, datasets.Dataset.from_pandas(df)):
        for got in (human_similarity(table, None, 4), human_similarity(table, table["odd"], 4)):
            np.testing.assert_array_equal(got.n, want.n)
            np.testing.assert_array_equal(got.k, want.k)
        assert ooo_acc_2way(S, table) == ooo_acc_2way(S, IDX, ODD)
        assert split_half_ceiling(table, 4, n_splits=5).n_splits == 5  # the participant column is read too
    with pytest.raises(BGSInputError, match="columns clip_a, clip_b, clip_c and odd"):
        human_similarity(df.drop(columns="odd"))
    with pytest.raises(BGSInputError, match="triplet indices must be whole numbers, got .a."):
        human_similarity([["a", "b", "c"]], [0], 4)


def test_a_matrix_over_the_test_clips_alone_points_to_items():
    """Embeddings of only the split's clips: the error said '5×5, expected 14' and not what to pass."""
    idx, odd, _, model, _ = _toy()
    h = human_similarity(idx, odd, 14)
    with pytest.raises(BGSInputError, match=r"5×5, expected 14; .*pass items="):
        r2(model[:5, :5], h)
    with pytest.raises(BGSInputError, match="pass items="):
        ooo_acc_3way(model[:5, :5], idx, odd)
    inside = (idx < 5).all(1)
    assert ooo_acc_3way(model[:5, :5], idx[inside], odd[inside], items=np.arange(5)) == ooo_acc_3way(
        model, idx[inside], odd[inside])


def test_an_asymmetric_model_matrix_is_refused():
    """RSA read the upper triangle and odd-one-out accuracy read S[a, b] in each triplet's presentation order,
    so an asymmetric matrix scored differently when the same judgments were listed in another clip order."""
    h = human_similarity(IDX, ODD, 4)
    skew = S + np.triu(np.full((4, 4), 0.5), 1)
    for fn in (lambda: r2(skew, h), lambda: ooo_acc_3way(skew, IDX, ODD),
               lambda: bootstrap_ci(skew, h, idx=IDX, odd=ODD, n_boot=5)):
        with pytest.raises(BGSInputError, match=r"not symmetric \(S\[0, 1\] = 1.4, S\[1, 0\] = 0.9\).*\(S \+ S.T\) / 2"):
            fn()
    emb = np.random.default_rng(0).normal(size=(4, 64)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    f32 = emb @ emb.T  # float32 rounding leaves it a hair off symmetric: still accepted
    assert r2(f32, h) == pytest.approx(r2(cosine_similarity_matrix(emb), h))
    assert ooo_acc_2way(f32, IDX, ODD) == ooo_acc_2way(cosine_similarity_matrix(emb), IDX, ODD)


def test_whole_numbers_held_as_python_objects_are_read():
    """``df.to_numpy()`` of a judgments table with a text column is an object array: its clip indices were read
    before text was refused, then refused as 'triplet indices must be whole numbers, got 0'."""
    import pandas as pd

    df = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "odd": ODD,
                       "participant": ["a", "b", "a"]})
    rows = df.to_numpy()
    assert rows.dtype == object
    assert ooo_acc_3way(S, rows[:, :3], rows[:, 3]) == ooo_acc_3way(S, IDX, ODD)
    h = human_similarity(IDX, ODD, 4)
    assert r2(S[:3, :3], h, np.array([0, 1, 2], dtype=object)) == r2(S[:3, :3], h, [0, 1, 2])
    with pytest.raises(BGSInputError, match="triplet indices must be whole numbers, got 'x'"):
        human_similarity(np.array([[0, 1, "x"]], dtype=object), [0], 4)
    with pytest.raises(BGSInputError, match="items must be whole numbers, got 0.5"):
        r2(S[:3, :3], h, np.array([0, 0.5, 2], dtype=object))


# --- the metrics API used by hand, on numbers small enough to check on paper ---

_S4 = np.array([[1, .9, .1, .2], [.9, 1, .5, .3], [.1, .5, 1, .8], [.2, .3, .8, 1]])
_IDX4 = np.array([[0, 1, 2], [0, 1, 3], [1, 2, 3], [0, 1, 2]])
_ODD4 = np.array([2, 2, 0, 0])


def test_triplets_in_the_place_of_human_similarity_are_one_line():
    """``rsa_spearman(S, idx)`` / ``bootstrap_ci(S, idx, odd)`` (triplets where ``human`` goes) raised
    AttributeError: 'numpy.ndarray' object has no attribute 'n_items'."""
    from bgs_hf.metrics import bootstrap_ci, paired_bootstrap, rsa_pearson, rsa_spearman

    for call in (lambda: rsa_spearman(_S4, _IDX4), lambda: rsa_pearson(_S4, (_IDX4, _ODD4)), lambda: r2(_S4, _IDX4),
                 lambda: bootstrap_ci(_S4, _IDX4, _ODD4, n_boot=10),
                 lambda: paired_bootstrap(_S4, _S4, _IDX4, n_boot=10), lambda: behavioural_fit(_S4, _IDX4, _ODD4)):
        with pytest.raises(BGSInputError, match=r"human must be a HumanSimilarity .*human_similarity\(idx, odd"):
            call()


@pytest.mark.parametrize("n_boot", [0, -1, 1.5])
def test_bootstrap_resample_count_must_be_a_positive_whole_number(n_boot):
    """``n_boot=0`` / ``-1`` returned an interval of NaN without a word; ``1.5`` a TypeError from ``range``."""
    from bgs_hf.metrics import bootstrap_ci, paired_bootstrap

    human = human_similarity(_IDX4, _ODD4, 4)
    for call in (lambda: bootstrap_ci(_S4, human, n_boot=n_boot),
                 lambda: paired_bootstrap(_S4, _S4, human, n_boot=n_boot)):
        with pytest.raises(BGSInputError, match="n_boot must be a whole number >= 1"):
            call()


@pytest.mark.parametrize("n_splits", [0, -3])
def test_split_half_ceiling_needs_at_least_one_split(n_splits):
    """``n_splits=0`` gave NaN with numpy's "Mean of empty slice" warnings; ``-3`` "negative dimensions"."""
    from bgs_hf.metrics import split_half_ceiling

    with pytest.raises(BGSInputError, match="n_splits must be a whole number >= 1"):
        split_half_ceiling(_IDX4, 4, n_splits, odd=_ODD4, participant=[0, 1, 0, 1])


def test_correlations_of_vectors_of_different_lengths_are_one_line():
    """``pearson([1, 2, 3], [1, 2, 3, 4])`` raised numpy's "matmul: Input operand 1 has a mismatch in its core
    dimension 0, with gufunc signature ..."."""
    for fn in (pearson, spearman):
        with pytest.raises(BGSInputError, match="x and y must have the same length, got 3 and 4"):
            fn([1, 2, 3], [1, 2, 3, 4])
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)  # by hand: sum(dx*dy)=4, sum(dx^2)=5


def test_pearson_of_an_infinite_value_is_nan_without_a_warning_and_matrices_are_flattened_as_in_spearman():
    """Fuzzing: ``pearson([inf, 1, 2], [1, 2, 3])`` warned "invalid value encountered in subtract" before its NaN (so did
    ``rsa_pearson`` of a matrix holding inf), and two matrices failed on "The truth value of an array with more than
    one element is ambiguous" where ``spearman`` correlates their flattened values."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(pearson([np.inf, 1, 2], [1, 2, 3])) and np.isnan(pearson([1, 2, 3], [1, -np.inf, 3]))
    # flattened [1, 2, 4, 3] and [1, 3, 2, 4]: deviations [-1.5, -.5, 1.5, .5], [-1.5, .5, -.5, 1.5]: 2 / 5
    a, b = np.array([[1.0, 2.0], [4.0, 3.0]]), np.array([[1.0, 3.0], [2.0, 4.0]])
    assert pearson(a, b) == pytest.approx(0.4) and spearman(a, b) == pytest.approx(0.4)


def test_a_non_square_model_matrix_is_named_as_it_is():
    """A 3×4 matrix given to odd-one-out accuracy was reported as "the model matrix is 3×3"."""
    with pytest.raises(BGSInputError, match=r"model similarity must be a square matrix, got shape \(3, 4\)"):
        ooo_acc_3way(_S4[:3], _IDX4, _ODD4)
    # by hand: the kept pair is the most similar in the first three judgments, not in the last
    assert ooo_acc_3way(_S4, _IDX4, _ODD4) == pytest.approx(0.75)


@pytest.mark.parametrize("catch", [[1, 1, 2], [1, 2, 1], [2, 1, 1]])
def test_a_catch_trial_repeating_any_two_positions_is_dropped(catch):
    """Mutation audit: a catch-trial test without the last two positions equal ([2, 1, 1]) let a check that missed
    b == c pass; such a row counted pair (1, 2) twice and put a count on the diagonal."""
    h = human_similarity(np.vstack([IDX, [catch]]), np.append(ODD, 0), 4)
    np.testing.assert_array_equal(h.n, human_similarity(IDX, ODD, 4).n)
    np.testing.assert_array_equal(h.k, human_similarity(IDX, ODD, 4).k)


def test_a_small_asymmetry_is_refused_beyond_float32_rounding():
    """Mutation audit: a tolerance loosened from float32 rounding to 1e-2 passed (the asymmetric case above is off
    by 0.5). 0.005 is thousands of times float32 rounding of a similarity in [-1, 1]."""
    skew = S.copy()
    skew[0, 1] += 0.005
    with pytest.raises(BGSInputError, match=r"not symmetric \(S\[0, 1\]"):
        r2(skew, human_similarity(IDX, ODD, 4))


def test_behavioural_fit_takes_each_number_from_its_own_function():
    """Mutation audit: a CI with its ends swapped, Spearman reported as the Pearson r, ``ci`` or ``seed`` dropped on
    the way to the bootstrap or the ceiling, or a container scored on another split by default passed every test."""
    from bgs_hf.metrics.ceiling import ceiling_or_nan

    idx, odd, participant, model, _ = _toy(n_items=14, n_trip=600)
    h = human_similarity(idx, odd, 14)
    out = behavioural_fit(model, h, idx, odd, None, 0.5, n_boot=60, ci=0.8, seed=4)
    boot = bootstrap_ci(model, h, None, idx=idx, odd=odd, stat="r2", n_boot=60, ci=0.8, seed=4)
    assert out["r2_ci"] == [boot.low, boot.high] and boot.low < boot.high
    assert out["rsa_pearson"] == pytest.approx(rsa_pearson(model, h))
    assert out["rsa_pearson"] != pytest.approx(out["rsa_spearman"])
    assert out["rsa_spearman"] == pytest.approx(rsa_spearman(model, h))
    assert out["ooo_acc_2way"] == pytest.approx(ooo_acc_2way(model, idx, odd))
    # container form: no split named means the test split; its ceiling is drawn with the seed given
    test, val = np.arange(8), np.arange(8, 14)
    trips = {}
    for name, items in (("test", test), ("val", val)):
        inside = np.isin(idx, items).all(1)
        trips[name] = SimpleNamespace(idx=idx[inside], odd=odd[inside], participant=participant[inside])
    data = SimpleNamespace(splits={"test": test, "val": val}, n_clips=14, triplets=lambda split: trips[split])
    default = behavioural_fit(model, data, n_boot=20, seed=3)
    assert default["split"] == "test" and default["r2"] == pytest.approx(behavioural_fit(model, data, "test",
                                                                                         n_boot=20, seed=3)["r2"])
    want, want_ci = ceiling_or_nan(trips["test"], 14, n_splits=100, seed=3)
    assert default["ceiling_r2"] == pytest.approx(want) and default["ceiling_r2_ci"] == pytest.approx(want_ci)
    assert want_ci != pytest.approx(ceiling_or_nan(trips["test"], 14, n_splits=100, seed=0)[1])


def test_a_mean_accuracy_over_an_undefined_judgment_is_undefined():
    """The module's promise: a judgment with a non-finite similarity scores NaN, so the mean is NaN (a nanmean
    would score a partly diverged model on its finite judgments alone)."""
    partly = S.copy()
    partly[0, 3] = partly[3, 0] = np.nan  # only t2 (0,1,3) reads it
    assert np.isnan(ooo_acc_3way(partly, IDX, ODD)) and np.isnan(ooo_acc_2way(partly, IDX, ODD))


def test_an_items_local_matrix_follows_the_order_of_items():
    """Rows of an items-local matrix follow ``items`` as given, sorted or not, in accuracy as in RSA."""
    order = np.array([3, 0, 2, 1])
    local = S[np.ix_(order, order)]
    h = human_similarity(IDX, ODD, 4)
    assert ooo_acc_3way(local, IDX, ODD, items=order) == pytest.approx(ooo_acc_3way(S, IDX, ODD))
    assert ooo_acc_2way(local, IDX, ODD, items=order) == pytest.approx(ooo_acc_2way(S, IDX, ODD))
    assert rsa_spearman(local, h, order) == pytest.approx(rsa_spearman(S, h))


def test_pearson_of_two_values_is_undefined():
    """Two points always lie on a line: r = ±1 says nothing, so fewer than three values give NaN (as documented)."""
    assert np.isnan(pearson([1.0, 2.0], [1.0, 3.0])) and np.isnan(spearman([1.0, 2.0], [2.0, 1.0]))


def test_pearson_of_values_whose_squares_leave_the_float_range_agrees_with_scipy():
    """Audit against references (every statistic against scipy or a hand value): x = [1, 2, 4], y = [1, 2, 3] give
    x̃ = [-4/3, -1/3, 5/3], ỹ = [-1, 0, 1], Σx̃ỹ = 3, Σx̃² = 14/3, Σỹ² = 2, so r = 3 / sqrt(28/3) = sqrt(27/28) at any
    scale. Scaled by 1e-200 or 1e200 (or both vectors by 1e-100) the sums of squares under- or overflowed and r read
    NaN; at 1e-160 they were subnormal and r read 0.98200 for 0.98198. scipy's pearsonr, which scales, agrees with the
    hand value. Values of ordinary size are computed as before, bit for bit (the demo's numbers do not move)."""
    x, y = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])
    want = np.sqrt(27 / 28)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "overflow encountered in matmul" on the way
        for sx, sy in ((1e-200, 1.0), (1e-160, 1.0), (1e200, 1.0), (1e-100, 1e-100), (1.0, 4e307), (1.0, 1.0)):
            assert pearson(x * sx, y * sy) == pytest.approx(want, rel=1e-13), (sx, sy)
            assert pearson(-x * sx, y * sy) == pytest.approx(-want, rel=1e-13), (sx, sy)
    for sx in (1e-200, 1e-160, 1e200):
        assert pearson(x * sx, y) == pytest.approx(pearsonr(x * sx, y)[0], rel=1e-13)
    a, b = np.random.default_rng(0).random((2, 500))
    ac, bc = a - a.mean(), b - b.mean()
    assert pearson(a, b) == float((ac @ bc) / np.sqrt((ac @ ac) * (bc @ bc)))  # exactly the plain formula's bits


def test_the_fit_split_of_a_plain_container_is_train_and_val():
    from bgs_hf.metrics.fit import split_items

    data = SimpleNamespace(splits={"train": np.array([4, 0]), "val": np.array([2]), "test": np.array([1])})
    np.testing.assert_array_equal(split_items(data, "fit"), [0, 2, 4])


def _resampled_r2(model: np.ndarray, human, picked: np.ndarray) -> float:
    """R² of one clip resample built by hand as a new stimulus set: every position pair of distinct, observed clips."""
    a, b = np.triu_indices(len(picked), 1)
    ga, gb = picked[a], picked[b]
    keep = (ga != gb) & human.mask[ga, gb]
    rho = spearmanr(model[ga[keep], gb[keep]], human.p[ga[keep], gb[keep]])[0]
    return float(np.sign(rho) * rho**2)


def test_clip_bootstraps_equal_a_plain_loop_over_seeded_resamples():
    """Mutation audit: resampling every clip (not only clips with an observed pair), a paired interval taken from
    model a's samples instead of the differences, and a paired bootstrap seeded 0 whatever ``seed`` says all passed
    this file's tests, which checked only low <= estimate <= high (``clip_resamples`` unseeded passed them too).
    Reference: each resample draws as many clips as
    have an observed pair (clip 13 has none), with numpy's generator seeded ``seed``, scored as a new stimulus set;
    the interval is numpy's 5th/95th percentile at ci 0.9; the p-value is 2·(smaller tail at or beyond 0, + 1)/(n + 1)."""
    idx, odd, _, model, rng = _toy()
    inside = (idx < 13).all(1)
    idx, odd = idx[inside], odd[inside]
    h = human_similarity(idx, odd, 14)
    noise = rng.random((14, 14))
    other = model + 0.5 * (noise + noise.T)
    observed = np.arange(13)
    draw = np.random.default_rng(5)
    picks = [observed[draw.integers(0, 13, size=13)] for _ in range(40)]
    ref_a = np.array([_resampled_r2(model, h, p) for p in picks])
    ref_b = np.array([_resampled_r2(other, h, p) for p in picks])

    from bgs_hf.metrics.bootstrap import clip_resamples

    mults = np.array(list(clip_resamples(observed, 14, 40, seed=5)))  # the same draws, as clip multiplicities
    np.testing.assert_array_equal(mults, [np.bincount(p, minlength=14) for p in picks])
    res = bootstrap_ci(model, h, n_boot=40, ci=0.9, seed=5)
    np.testing.assert_allclose(res.samples, ref_a)
    assert (res.low, res.high) == pytest.approx(tuple(np.percentile(ref_a, [5, 95])))

    pair = paired_bootstrap(model, other, h, n_boot=40, ci=0.9, seed=5)
    np.testing.assert_allclose(pair.samples_a, ref_a)
    np.testing.assert_allclose(pair.samples_b, ref_b)
    d = ref_a - ref_b
    assert (pair.low, pair.high) == pytest.approx(tuple(np.percentile(d, [5, 95])))
    tail = min((d <= 0).sum(), (d >= 0).sum())
    assert pair.p_value == pytest.approx(min(1.0, 2 * (tail + 1) / 41))


def _loop_r2_and_accuracy(model: np.ndarray, idx: np.ndarray, odd: np.ndarray) -> tuple[float, float]:
    """Signed R² and 3-way accuracy of judgments rebuilt by hand (a dict of pair counts, a loop over judgments), with
    no bgs_hf code: p_ij = kept / seen over each observed pair, scipy's Spearman with the model's values of those
    pairs; a judgment is right when its kept pair's similarity beats both other pairs' (ties wrong)."""
    seen: dict[tuple[int, int], int] = {}
    kept: dict[tuple[int, int], int] = {}
    right = []
    for t, o in zip(idx.tolist(), odd.tolist()):
        keep = tuple(sorted(c for q, c in enumerate(t) if q != o))
        others = [tuple(sorted((t[o], c))) for q, c in enumerate(t) if q != o]
        for pair in (keep, *others):
            seen[pair] = seen.get(pair, 0) + 1
        kept[keep] = kept.get(keep, 0) + 1
        right.append(all(model[keep] > model[pair] for pair in others))
    pairs = sorted(seen)
    rho = spearmanr([model[pair] for pair in pairs], [kept.get(pair, 0) / seen[pair] for pair in pairs])[0]
    return float(np.sign(rho) * rho**2), float(np.mean(right))


def test_participant_bootstraps_equal_a_plain_loop_over_seeded_participant_draws():
    """The draws of a bootstrap over participants had no reference, as the clip draws have: the tests checked a
    statistic given one multiplicity vector, the estimate, low < high and two inputs giving equal samples. Mutation
    audit: a resample drawing one participant too few (P - 1 draws), or never the last sorted participant, passed every
    test of this file. Reference: the P = 12 sorted ids drawn P times with replacement by numpy's generator seeded 4,
    each drawn participant's judgments taken once per draw, each resample scored from scratch (a dict of pair counts
    and scipy's Spearman; a loop for 3-way accuracy); the interval is numpy's 10th/90th percentile at ci 0.8 and the
    paired p 2·(smaller tail at or beyond 0, + 1)/(n + 1)."""
    idx, odd, participant, model, rng = _toy(n_trip=240)
    ids = np.array([f"p{q % 12:02d}" for q in participant])  # the first judgment's p03 is not the first sorted id
    people = np.unique(ids)
    assert len(people) == 12 and ids[0] != people[0]
    noise = rng.random((14, 14))
    other = model + 0.6 * (noise + noise.T)
    draw = np.random.default_rng(4)
    rows = []
    for _ in range(30):
        picked = people[draw.integers(0, len(people), size=len(people))]
        rows.append(np.concatenate([np.flatnonzero(ids == q) for q in picked]))
    ref = {name: np.array([_loop_r2_and_accuracy(sim, idx[r], odd[r]) for r in rows]) for name, sim in
           (("a", model), ("b", other))}
    h = human_similarity(idx, odd, 14)
    for stat, col in (("r2", 0), ("ooo_acc_3way", 1)):
        res = bootstrap_ci(model, h, idx=idx, odd=odd, participant=ids, over="participants", stat=stat, n_boot=30,
                           ci=0.8, seed=4)
        np.testing.assert_allclose(res.samples, ref["a"][:, col], err_msg=stat)
        assert res.interval == pytest.approx(tuple(np.percentile(ref["a"][:, col], [10, 90]))), stat
        assert res.estimate == pytest.approx(_loop_r2_and_accuracy(model, idx, odd)[col]), stat
    pair = paired_bootstrap(model, other, h, idx=idx, odd=odd, participant=ids, over="participants", n_boot=30, ci=0.8,
                            seed=4)
    np.testing.assert_allclose(pair.samples_a, ref["a"][:, 0])
    np.testing.assert_allclose(pair.samples_b, ref["b"][:, 0])
    d = ref["a"][:, 0] - ref["b"][:, 0]
    assert np.ptp(d) > 0 and (pair.low, pair.high) == pytest.approx(tuple(np.percentile(d, [10, 90])))
    tail = min((d <= 0).sum(), (d >= 0).sum())
    assert pair.p_value == pytest.approx(min(1.0, 2 * (tail + 1) / 31))


def test_coverage_must_lie_strictly_between_0_and_1_and_an_infinite_value_has_no_share():
    """Mutation audit: ``ci=1`` accepted (the 'interval' was then the resamples' min and max) and an infinite value
    given a percentage of the ceiling both passed."""
    h = human_similarity(IDX, ODD, 4)
    for ci in (0.0, 1.0):
        with pytest.raises(BGSInputError, match="fraction"):
            bootstrap_ci(S, h, ci=ci, n_boot=5)
    assert np.isnan(pct_of_ceiling(float("inf"), 0.5))


def test_weighted_counts_are_whole_numbers_that_follow_their_rows_past_a_catch_trial():
    """Mutation audit: integer weights giving float counts (``HumanSimilarity.n`` is int64), and weights cut to the
    first rows instead of filtered with them when a catch trial is dropped, both passed (no test weighted a table with
    a catch trial). IDX weighted 2, 1, 3 with a catch trial (weight 5) after the first row: n01 = 2 + 1 + 3,
    n02 = n12 = 2 + 3, n03 = n13 = 1; k01 = 2 (t1), k13 = 1 (t2), k02 = 3 (t3)."""
    idx = np.vstack([IDX[:1], [[1, 1, 2]], IDX[1:]])
    h = human_similarity(idx, np.array([2, 0, 0, 1]), 4, weights=np.array([2, 5, 1, 3]))
    assert h.n.dtype == h.k.dtype == np.int64
    want_n = np.zeros((4, 4), int)
    want_k = np.zeros((4, 4), int)
    for (i, j), n, k in zip([(0, 1), (0, 2), (1, 2), (0, 3), (1, 3)], [6, 5, 5, 1, 1], [2, 3, 0, 0, 1]):
        want_n[i, j] = want_n[j, i] = n
        want_k[i, j] = want_k[j, i] = k
    np.testing.assert_array_equal(h.n, want_n)
    np.testing.assert_array_equal(h.k, want_k)


def test_pairs_refuse_items_outside_or_repeated_and_distance_is_one_minus_p():
    """Mutation audit: ``items`` naming clip N, repeated ``items``, and ``distance()`` returning p all passed."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match=r"items must lie in 0\.\.3"):
        h.pairs(items=[0, 4])
    with pytest.raises(BGSInputError, match="items must not repeat"):
        h.pairs(items=[0, 1, 1])
    d = h.distance()
    np.testing.assert_allclose(d[[0, 0, 1, 0, 1], [1, 2, 2, 3, 3]], [2 / 3, 0.5, 1, 1, 0])
    assert np.isnan(d[2, 3]) and np.isnan(d[0, 0])


def test_a_judgments_table_without_odd_is_read_by_name_in_any_column_order():
    """Mutation audit: a judgments table whose ``odd`` is given apart was read only when it had exactly three
    columns, in their order (``clip_c, clip_a, clip_b`` then scored the wrong clips), and an infinite index passed
    the whole-number check (then refused as 'outside 0..3'): both passed."""
    import pandas as pd

    want = human_similarity(IDX, ODD, 4)
    shuffled = pd.DataFrame({"clip_c": IDX[:, 2], "clip_a": IDX[:, 0], "clip_b": IDX[:, 1]})
    extra = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "participant": ["a", "b", "a"]})
    for table in (shuffled, extra):
        got = human_similarity(table, ODD, 4)
        np.testing.assert_array_equal(got.n, want.n)
        np.testing.assert_array_equal(got.k, want.k)
    with pytest.raises(BGSInputError, match="triplet indices must be whole numbers, got inf"):
        human_similarity([[0.0, 1.0, np.inf]], [0], 4)


def test_a_judgments_table_drops_its_flagged_catch_trials_like_data_triplets():
    """A table's ``is_catch`` flags (an attention check of three distinct clips, ``catch_trial_flag`` in a release)
    were ignored: ``human_similarity(data.judgments)`` counted the rows ``data.triplets()`` drops, and every
    metric given the table (ceilings, accuracies, bootstraps) scored them. The participant column follows."""
    import datasets
    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd],
                       "participant": ["a", "b", "a", "c", "c"], "is_catch": [False, False, False, True, True]})
    want = human_similarity(IDX, ODD, 4)
    for table in (df, datasets.Dataset.from_pandas(df)):
        for got in (human_similarity(table, None, 4), human_similarity(table, np.asarray(table["odd"]), 4)):
            np.testing.assert_array_equal(got.n, want.n)
            np.testing.assert_array_equal(got.k, want.k)
        assert ooo_acc_3way(S, table) == ooo_acc_3way(S, IDX, ODD)
        assert ooo_acc_2way(S, table) == ooo_acc_2way(S, IDX, ODD)
        # participant "c" answered only flagged rows: two participants remain, as in the unflagged arrays
        got, want_loo = loo_ceiling(table, 4), loo_ceiling(IDX, 4, odd=ODD, participant=["a", "b", "a"])
        assert got.n_participants == 2
        np.testing.assert_equal(vars(got), vars(want_loo))
    with pytest.raises(BGSInputError, match="is_catch"):
        human_similarity(df.assign(is_catch=["no", "no", "no", "yes", "yes"]), None, 4)


def test_odd_one_out_items_must_be_distinct_clip_indices():
    """Mutation audit: a negative item wrapped round and overwrote another clip's row in the lookup, and a repeated
    item kept its last position, so the accuracy read the wrong rows (0.0 for a 1.0 model); RSA refused both."""
    sim = np.eye(3) + 0.1
    sim[0, 1] = sim[1, 0] = 0.9  # clips 5 and 6 (positions 0 and 1) are the model's most similar pair
    idx, odd = np.array([[5, 6, 7]]), np.array([2])
    assert ooo_acc_3way(sim, idx, odd, items=[5, 6, 7]) == 1.0
    for bad, msg in (([5, 6, 7, -1], "items must lie in"), ([5, 6, 7, 7], "items must not repeat")):
        with pytest.raises(BGSInputError, match=msg):
            ooo_acc_3way(np.pad(sim, (0, 1)), idx, odd, items=bad)


def test_fractional_weights_count_as_given_and_the_clip_count_defaults_to_the_largest_index():
    """Mutation audit: rounding fractional weights like whole ones, and a default clip count one short of the
    largest index + 1, both passed (every test gave whole weights and ``n_items``). IDX weighted 0.5, 1.5, 1:
    n01 = 3, k01 = 0.5 (t1) -> 1/6; n02 = 0.5 + 1, k02 = 1 (t3) -> 2/3; n12 = 1.5, k12 = 0; n03 = n13 = 1.5,
    k13 = 1.5 (t2) -> 0 and 1."""
    h = human_similarity(IDX, ODD, 4, weights=np.array([0.5, 1.5, 1.0]))
    assert h.n[0, 2] == pytest.approx(1.5) and h.k[0, 1] == pytest.approx(0.5)
    np.testing.assert_allclose(h.p[[0, 0, 1, 0, 1], [1, 2, 2, 3, 3]], [1 / 6, 2 / 3, 0, 0, 1])
    default = human_similarity(IDX, ODD)
    assert default.n_items == 4
    np.testing.assert_array_equal(default.n, human_similarity(IDX, ODD, 4).n)


def test_a_whole_float_clip_count_is_read_and_a_text_or_fractional_one_is_refused():
    """Fuzzing: ``human_similarity(idx, odd, 4.0)`` failed in numpy's bincount ("Cannot cast array data from
    dtype('float64') to dtype('int64')") though the ceilings took 4.0; ``n_items='4'`` failed in a numpy comparison in
    both, and the leave-one-out ceiling truncated 4.5 to 4."""
    want = human_similarity(IDX, ODD, 4)
    got = human_similarity(IDX, ODD, 4.0)
    assert np.array_equal(got.n, want.n) and np.array_equal(got.k, want.k) and got.n.dtype == np.int64
    for bad in ("4", 4.5):
        with pytest.raises(BGSInputError, match="n_items must be a whole number"):
            human_similarity(IDX, ODD, bad)
        with pytest.raises(BGSInputError, match="n_items must be a whole number"):
            loo_ceiling(IDX, bad, odd=ODD, participant=["a", "b", "a"])


def test_a_judgment_bootstrap_from_triplets_alone_resamples_the_clips_they_name():
    """Mutation audit: with no human similarity, an accuracy bootstrap over clips resampled every row of the model
    matrix (14 clips) instead of the 12 clips the judgments name, and passed (a draw of clips no judgment holds thins
    the resample and widens the interval). Reference: numpy's generator seeded ``seed`` draws 12 of those clips, a
    judgment (a, b, c) weighs m_a·m_b·m_c."""
    idx, odd, _, model, _ = _toy(n_items=14)
    inside = (idx < 12).all(1)
    idx, odd = idx[inside], odd[inside]
    clips = np.unique(idx)
    assert len(clips) == 12
    per = ooo_acc_3way_per_judgment(model, idx, odd)
    draw = np.random.default_rng(7)
    ref = []
    for _ in range(30):
        m = np.bincount(clips[draw.integers(0, 12, size=12)], minlength=14)
        w = m[idx].prod(1)
        ref.append((w * per).sum() / w.sum())
    res = bootstrap_ci(model, idx=idx, odd=odd, stat="ooo_acc_3way", n_boot=30, seed=7)
    np.testing.assert_allclose(res.samples, ref)
    assert res.estimate == pytest.approx(per.mean())


def test_the_paired_p_value_counts_only_the_resamples_where_the_difference_is_defined():
    """Four clips: a resample that draws one or two distinct clips has fewer than 3 pairs, and its difference is
    NaN. Mutation audit: counting those resamples in n of (count + 1) / (n + 1) passed (the p-value shrank, 0.78
    here instead of 1); the docstring says n counts the resamples where the difference is defined."""
    h = human_similarity(IDX, ODD, 4)
    other = S.copy()
    other[0, 1] = other[1, 0] = 0.05
    pair = paired_bootstrap(S, other, h, stat="rsa_pearson", n_boot=200, seed=0)
    d = pair.samples_a - pair.samples_b
    good = d[np.isfinite(d)]
    assert 0 < good.size < d.size
    tail = min((good <= 0).sum(), (good >= 0).sum())
    assert pair.p_value == pytest.approx(min(1.0, 2 * (tail + 1) / (good.size + 1)))


def test_a_ceiling_is_100_percent_of_itself_only_when_it_is_positive_and_finite():
    """``positive_ceiling`` decides whether the card and quickstart tables print a ceiling's own "100%". Mutation
    audit: ``r2 >= 0`` in its place passed (no test called it), and would print 100% for a ceiling of 0, whose
    share of anything is undefined (pct_of_ceiling is NaN)."""
    from bgs_hf.metrics.bootstrap import positive_ceiling

    assert positive_ceiling(0.2) and positive_ceiling(1)
    for value in (0.0, -0.1, float("nan"), float("inf"), None, "0.2"):
        assert not positive_ceiling(value), value


def test_a_bootstrap_with_most_resamples_undefined_has_no_interval(caplog):
    """5 clips, one judgment (3 observed pairs): a resample defines R² only if it redraws all three judged clips,
    about 1 in 4; the interval over that lucky few read [0.4375, 0.4375] around an R² of 0.75 (n_boot=10; [0.8333,
    0.8333] in review). Under half the resamples defined gives no interval, and says why. The two clips no judgment
    names are not drawn (since the clip bootstrap resamples only clips with a pair): 2 in 9 resamples redraw the three
    judged clips, 217 of 1000 here (243 of 1000 when the five were drawn)."""
    idx, odd, items = np.array([[0, 1, 2]]), np.array([2]), np.arange(5)
    sim = np.eye(5)
    sim[[0, 0, 1], [1, 2, 2]] = sim[[1, 2, 2], [0, 0, 1]] = [0.3, 0.1, 0.2]
    h = human_similarity(idx, odd, 5)
    for n_boot in (10, 1000):
        with caplog.at_level("WARNING"):
            res = bootstrap_ci(sim, h, items, idx=idx, odd=odd, n_boot=n_boot)
        assert res.estimate == pytest.approx(0.75) and np.isnan([res.low, res.high]).all(), n_boot
        pair = paired_bootstrap(sim, -sim, h, items, idx=idx, odd=odd, n_boot=n_boot)
        assert np.isfinite(pair.diff) and np.isnan([pair.low, pair.high, pair.p_value]).all(), n_boot
    assert "bootstrap r2: only 217 of 1000 resamples are defined (under half): no interval" in caplog.text
    assert np.isnan(behavioural_fit(sim, h, idx, odd, items, n_boot=1000)["r2_ci"]).all()
    # only the three judged clips: the defined resamples (1 in 4.5) redraw each once, a zero-width 'CI' [0.75, 0.75]
    assert np.isnan(bootstrap_ci(sim, h, idx=idx, odd=odd, n_boot=1000).interval).all()
    # every resample defined, even only 5 of them: the interval stands
    tidx, todd, _, model, _ = _toy()
    assert np.isfinite(bootstrap_ci(model, human_similarity(tidx, todd, 14), idx=tidx, odd=todd, n_boot=5).interval).all()


def test_a_negative_odd_or_clip_is_refused_at_its_row():
    """Mutation audit (second pass): accepting odd = -1, dropping the check for a negative clip, and finding the
    offending row among clips past N only all passed (the tests' bad values were odd 3 and clip N); numpy then said
    "index 3 is out of bounds" or "'list' argument must have no negative elements", or the row lookup failed."""
    with pytest.raises(BGSInputError, match="judgment row 1: odd must be 0, 1 or 2 .*got -1"):
        human_similarity(IDX, np.array([2, -1, 1]), 4)
    with pytest.raises(BGSInputError, match=r"judgment row 1: triplet \[0, -1, 3\] names a clip outside 0\.\.3"):
        human_similarity(np.array([[0, 1, 2], [0, -1, 3]]), np.array([0, 0]), 4)


def test_odd_one_out_refuses_a_clip_past_the_matrix_and_an_odd_position_past_2():
    """Mutation audit (second pass): a clip index equal to the matrix size (``>`` for ``>=``) reached numpy's
    IndexError, and the public ``ooo_3way_from_sims`` without its own position check read column 2 - 3 = -1 (the
    last pair) for odd 3; both passed (the tests' clips past the matrix were far past it)."""
    from bgs_hf.metrics import ooo_2way_from_sims, ooo_3way_from_sims

    with pytest.raises(BGSInputError, match="triplet names clip 3 but the model matrix is 3×3"):
        ooo_acc_3way(S[:3, :3], [[0, 1, 3]], [2])
    for fn in (ooo_3way_from_sims, ooo_2way_from_sims):
        with pytest.raises(BGSInputError, match="odd must be 0, 1 or 2"):
            fn(np.array([[0.9, 0.1, 0.2]]), np.array([3]))


def test_odd_one_out_from_similarities_refuses_a_fractional_or_missing_odd_position():
    """Fuzzing: ``ooo_3way_from_sims`` / ``ooo_2way_from_sims`` cast ``odd`` to integers, so 1.7 was read as position 1
    (kept pair ac, 0.1 below ab's 0.9: scored wrong) and NaN failed in numpy ("cannot convert float NaN to integer"),
    where every other metric refuses a fraction; a whole 2.0 is position 2 (kept pair ab, above 0.1 and 0.2)."""
    from bgs_hf.metrics import ooo_2way_from_sims, ooo_3way_from_sims

    sims = np.array([[0.9, 0.1, 0.2]])
    for fn in (ooo_3way_from_sims, ooo_2way_from_sims):
        assert fn(sims, np.array([2.0])).tolist() == [1.0]
        for odd in (1.7, np.nan):
            with pytest.raises(BGSInputError, match=f"odd must be whole numbers, got {odd}"):
                fn(sims, np.array([odd]))


def test_an_asymmetric_items_local_matrix_is_refused_and_named_by_its_upper_entry():
    """Mutation audit (second pass): RSA without the symmetry check on an items-local matrix passed (the asymmetric
    test matrix was global), and so did naming the offending entry in a triplet's presentation order: triplet
    (1, 0, 2) reads S[1, 0] first, and the message said S[1, 0] = 0.9, S[0, 1] = 1.4 instead of S[0, 1] first."""
    h = human_similarity(IDX, ODD, 4)
    order = np.array([3, 0, 2, 1])
    local = S[np.ix_(order, order)]
    local[1, 3] += 0.5  # clips 0 and 1 (positions 1 and 3)
    with pytest.raises(BGSInputError, match=r"not symmetric \(S\[1, 3\] = 1.4, S\[3, 1\] = 0.9\)"):
        r2(local, h, order)
    skew = S + np.triu(np.full((4, 4), 0.5), 1)
    with pytest.raises(BGSInputError, match=r"not symmetric \(S\[0, 1\] = 1.4, S\[1, 0\] = 0.9\)"):
        ooo_acc_3way(skew, [[1, 0, 2]], [2])


def test_a_perfect_correlation_is_exactly_one():
    """Mutation audit (second pass): ``pearson`` without its clip to [-1, 1] passed; x = [0.1, 0.2, 0.4] and y = x + 0.2
    give (xc·yc)/sqrt(...) = 1.0000000000000002 in floating point, an R² above 1."""
    x, y = [0.1, 0.2, 0.4], [0.3, 0.4, 0.6]
    assert pearson(x, y) == 1.0 and pearson(x, [-v for v in y]) == -1.0


def test_the_documented_defaults_are_1000_resamples_a_95_percent_interval_and_100_splits():
    """docs/CONTRACTS.md: ``n_boot=1000``, ``n_splits=100``; the README's intervals are 95%. Mutation audit (second
    pass): ``bootstrap_ci`` / ``paired_bootstrap`` at ci 0.9 or 100 resamples, ``split_half_ceiling`` at ci 0.9 or 10
    splits, ``behavioural_fit`` at 200 resamples all passed (every test named its own counts)."""
    import inspect

    for fn, name, want in ((bootstrap_ci, "n_boot", 1000), (paired_bootstrap, "n_boot", 1000),
                           (behavioural_fit, "n_boot", 1000), (split_half_ceiling, "n_splits", 100)):
        assert inspect.signature(fn).parameters[name].default == want, fn.__name__
    idx, odd, participant, model, rng = _toy()
    h = human_similarity(idx, odd, 14)
    boot = bootstrap_ci(model, h, n_boot=50)
    assert boot.ci == 0.95 and boot.interval == pytest.approx(tuple(np.percentile(boot.samples, [2.5, 97.5])))
    noise = rng.random((14, 14))
    pair = paired_bootstrap(model, model + 0.3 * (noise + noise.T), h, n_boot=50)
    assert np.ptp(pair.samples_a - pair.samples_b) > 0
    assert (pair.low, pair.high) == pytest.approx(tuple(np.percentile(pair.samples_a - pair.samples_b, [2.5, 97.5])))
    ceiling = split_half_ceiling(idx, 14, odd=odd, participant=participant)
    assert len(ceiling.r2_splits) == 100
    assert ceiling.ci == pytest.approx(tuple(np.percentile(ceiling.r2_splits, [2.5, 97.5])))


def test_an_interval_over_half_the_resamples_reads_only_the_defined_ones():
    """Mutation audit (second pass): percentiles over every resample (NaN included, so a NaN interval) and refusing an
    interval when exactly half the resamples are defined both passed. Hand values: resamples 0.1, 0.3 and two NaN at
    ci 0.5 give numpy's 25th/75th percentiles of [0.1, 0.3], 0.15 and 0.25; on the 4-clip example 134 of 200 clip
    resamples define Pearson r and the interval is the 2.5th/97.5th percentile of those."""
    from bgs_hf.metrics.bootstrap import defined_interval

    assert defined_interval(np.array([0.1, 0.3, np.nan, np.nan]), 0.2, 0.5, "test") == pytest.approx((0.15, 0.25))
    res = bootstrap_ci(S, human_similarity(IDX, ODD, 4), stat="rsa_pearson", n_boot=200, seed=0)
    good = res.samples[np.isfinite(res.samples)]
    assert good.size == 134
    assert res.interval == pytest.approx(tuple(np.percentile(good, [2.5, 97.5])))


def test_the_paired_p_value_is_two_sided():
    """Swapping the two models negates every difference and keeps p. Mutation audit (second pass): counting only the
    tail at or below zero passed (every test's first model was the better one); the worse model first then read
    p = 1."""
    idx, odd, _, model, rng = _toy(n_items=30, n_trip=1500)
    h = human_similarity(idx, odd, 30)
    noise = rng.random((30, 30))
    ab = paired_bootstrap(model, noise + noise.T, h, n_boot=100, seed=1)
    ba = paired_bootstrap(noise + noise.T, model, h, n_boot=100, seed=1)
    assert ab.p_value < 0.05 and ba.p_value == ab.p_value
    assert (ba.diff, ba.low, ba.high) == pytest.approx((-ab.diff, -ab.high, -ab.low))


def _test_split_container(items: np.ndarray) -> tuple[SimpleNamespace, SimpleNamespace, np.ndarray]:
    """A duck-typed OddOneOutData whose test split is ``items`` (the toy judgments inside them), and the global model."""
    idx, odd, participant, model, _ = _toy()
    inside = np.isin(idx, items).all(1)
    trip = SimpleNamespace(idx=idx[inside], odd=odd[inside], participant=participant[inside])
    return SimpleNamespace(splits={"test": items}, n_clips=14, triplets=lambda split: trip), trip, model


def test_the_container_form_scores_a_split_that_is_not_the_first_clips():
    """A test split of clips 7..13 and its 7×7 matrix. Mutation audit (second pass): the accuracies read without
    ``items`` (the local matrix then indexed by global clip numbers), ``n_clips`` as the dataset's 14 clips, and a
    ``ceiling_r2`` given to the container form replaced by the split's own all passed: the container test's split
    was clips 0..6, where position and clip number agree."""
    data, trip, model = _test_split_container(np.arange(7, 14))
    out = behavioural_fit(model[7:, 7:], data, "test", ceiling_r2=0.4, n_boot=20)
    assert out["n_clips"] == 7 and out["n_judgments"] == len(trip.idx)
    assert out["ooo_acc_3way"] == pytest.approx(ooo_acc_3way(model, trip.idx, trip.odd))
    assert out["ooo_acc_2way"] == pytest.approx(ooo_acc_2way(model, trip.idx, trip.odd))
    assert out["ceiling_r2"] == 0.4 and out["pct_of_ceiling"] == pytest.approx(100 * out["r2"] / 0.4)


def test_the_container_form_reads_an_items_local_matrix_in_the_order_of_items_given():
    """Bug found in the second mutation audit: the container form replaced a given ``items`` by the split's own clip
    list, so a matrix over the test clips embedded in another order was read in the wrong order (R² 0.02 for the
    global 0.25 here), and ``odd`` was dropped without a word (``behavioural_fit(S, data, "test", 0.4)`` read 0.4 as
    ``odd``). Now ``items`` must be the split's clips and orders the matrix; ``odd`` or judgments are refused."""
    data, trip, model = _test_split_container(np.arange(7, 14))
    order = np.array([12, 7, 13, 9, 8, 11, 10])
    want = behavioural_fit(model, data, "test", n_boot=20)
    got = behavioural_fit(model[np.ix_(order, order)], data, "test", items=order, n_boot=20)
    for key in ("r2", "rsa_pearson", "ooo_acc_3way", "ooo_acc_2way", "n_pairs", "n_clips"):
        assert got[key] == pytest.approx(want[key]), key
    assert got["r2_ci"] == pytest.approx(want["r2_ci"], rel=1e-12)  # the CI draws clips in clip order, not by position
    with pytest.raises(BGSInputError, match=r"items must be the 'test' split's 7 clips"):
        behavioural_fit(model[:7, :7], data, "test", items=np.arange(7), n_boot=20)
    for call in (lambda: behavioural_fit(model, data, "test", 0.4), lambda: behavioural_fit(model, data, trip.idx, trip.odd)):
        with pytest.raises(BGSInputError, match="scores the split's own judgments"):
            call()


def test_a_clip_that_no_judgment_pairs_is_not_resampled_so_every_form_gives_the_same_interval():
    """A test split of clips 0..7 whose judgments all lie in 0..6: clip 7 carries no pair. The container form
    (``items`` = the split's clips), the array form with those ``items`` and a paired bootstrap over them drew clip 7
    too (an eighth of every resample's draws adding nothing but variance), while the array form without ``items``
    resampled the 7 clips with a pair: two CIs for one fit. Now every form draws the 7 clips (the split's order)."""
    idx, odd, participant, model, _ = _toy()
    inside = np.isin(idx, np.arange(7)).all(1)
    trip = SimpleNamespace(idx=idx[inside], odd=odd[inside], participant=participant[inside])
    split = np.arange(8)
    data = SimpleNamespace(splits={"test": split}, n_clips=14, triplets=lambda name: trip)
    hs = human_similarity(trip.idx, trip.odd, 14)
    want = behavioural_fit(model, hs, trip.idx, trip.odd, None, 0.5, n_boot=200, seed=2)["r2_ci"]
    assert want[0] < want[1]
    container = behavioural_fit(model[np.ix_(split, split)], data, "test", ceiling_r2=0.5, n_boot=200, seed=2)
    arrays = behavioural_fit(model, hs, trip.idx, trip.odd, split, 0.5, n_boot=200, seed=2)
    assert container["r2_ci"] == want and arrays["r2_ci"] == want and container["n_clips"] == 8
    for stat in ("r2", "ooo_acc_3way"):  # the triplets alone (no human similarity) tell clip 7 out too
        plain = bootstrap_ci(model, None, None, idx=trip.idx, odd=trip.odd, stat=stat, n_boot=100, seed=1)
        given = bootstrap_ci(model, None, split, idx=trip.idx, odd=trip.odd, stat=stat, n_boot=100, seed=1)
        assert np.array_equal(given.samples, plain.samples, equal_nan=True), stat
    noise = model + 0.1 * np.random.default_rng(3).normal(size=model.shape)
    a = paired_bootstrap(model, noise + noise.T, hs, split, n_boot=100, seed=1)
    b = paired_bootstrap(model, noise + noise.T, hs, None, n_boot=100, seed=1)
    assert (a.low, a.high, a.p_value) == (b.low, b.high, b.p_value)
    assert list(clip_resamples(split, 14, 3, 4, human=hs))[2].sum() == 7  # seven draws, none of clip 7


def test_a_share_of_the_ceiling_keeps_its_sign_and_needs_a_finite_positive_ceiling():
    """Mutation audit (third pass): ``pct_of_ceiling`` without its None check (a TypeError from ``np.isfinite``), with
    an infinite ceiling read as 0%, or NaN for a negative R² all passed. By hand: -0.05 of 0.2 is -25%, an
    anti-correlated model's share keeps its sign as its R² does; no ceiling or an infinite one gives no share.
    ``positive_ceiling`` takes a numpy float32 ceiling like a Python float (it said no: the table lost its 100%)."""
    from bgs_hf.metrics.bootstrap import positive_ceiling

    assert pct_of_ceiling(-0.05, 0.2) == pytest.approx(-25.0)
    assert np.isnan(pct_of_ceiling(0.1, None)) and np.isnan(pct_of_ceiling(0.1, float("inf")))
    assert positive_ceiling(np.float32(0.2)) and positive_ceiling(np.int64(1)) and not positive_ceiling(True)
    out = behavioural_fit(S, human_similarity(IDX, ODD, 4), IDX, ODD, n_boot=5)
    assert np.isnan(out["ceiling_r2"]) and np.isnan(out["pct_of_ceiling"])  # no ceiling given: NaN, not None


def test_a_share_of_the_ceiling_reads_a_torch_r2_as_its_number_and_gives_a_float():
    """Python journey: ``pct_of_ceiling(r2, ceiling)`` of an R² computed in torch (requiring grad) failed inside torch
    ("Can't call numpy() on Tensor that requires grad"), a bf16 one in numpy ("unsupported ScalarType BFloat16"), and
    ``positive_ceiling`` of a 0-d tensor said no ceiling (a table lost its 100%). Each is now read as every metric
    reads a tensor (``real_number``): a float, the number a float64 gives; text or several values in one line."""
    import torch

    from bgs_hf.metrics.bootstrap import positive_ceiling

    for dtype in (torch.float32, torch.float64, torch.bfloat16):
        for grad in (False, True) if dtype != torch.bfloat16 else (False,):
            r2, ceiling = torch.tensor(0.25, dtype=dtype, requires_grad=grad), torch.tensor(0.5, dtype=dtype)
            for args in ((r2, 0.5), (0.25, ceiling), (r2, ceiling)):
                pct = pct_of_ceiling(*args)
                assert type(pct) is float and pct == 50.0, (dtype, grad, args)
            assert positive_ceiling(ceiling) is True and positive_ceiling(-ceiling) is False
    assert np.isnan(pct_of_ceiling(torch.tensor(0.25, requires_grad=True), torch.tensor(-0.5)))
    assert pct_of_ceiling(np.float64(0.25), np.float32(0.5)) == 50.0 and pct_of_ceiling(1, 2) == 50.0
    assert type(pct_of_ceiling(np.float64(0.1), np.float64(0.2))) is float
    assert pct_of_ceiling(np.array(0.25), np.array([0.5])) == 50.0  # a 0-d and a one-element array: one number each
    assert not positive_ceiling(torch.tensor(True)) and not positive_ceiling(torch.tensor([0.5, 0.5]))
    with pytest.raises(BGSInputError, match="^value must be numbers, got '0.25'$"):
        pct_of_ceiling("0.25", 0.5)
    with pytest.raises(BGSInputError, match=r"^ceiling must be one number, got 2 values \(shape \(2,\)\)$"):
        pct_of_ceiling(0.25, torch.tensor([0.5, 0.5]))


def test_a_resample_count_is_a_number_not_a_flag_and_may_be_a_numpy_integer():
    """Mutation audit (third pass): ``n_boot=True`` taken as one resample, and a numpy integer (``np.int64(5)``, a
    count read off an array) refused, both passed."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match="n_boot must be a whole number >= 1, got True"):
        bootstrap_ci(S, h, n_boot=True)
    assert len(bootstrap_ci(S, h, n_boot=np.int64(5)).samples) == 5


def test_bootstrap_inputs_missing_for_the_asked_design_are_named_in_one_line():
    """Mutation audit (third pass): a participant bootstrap given participants but no triplets, an accuracy bootstrap
    given no triplets, a typo in ``over`` and an empty set of triplets all ended in another message (a missing
    ``odd``, numpy's "zero-size array", or a clip bootstrap of the typo)."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match="bootstrap over participants needs idx, odd and participant arrays"):
        bootstrap_ci(S, h, participant=["a", "b", "a"], over="participants", n_boot=5)
    with pytest.raises(BGSInputError, match="ooo_acc_3way needs triplet idx and odd arrays"):
        bootstrap_ci(S, h, stat="ooo_acc_3way", n_boot=5)
    with pytest.raises(BGSInputError, match="bootstrap `over` must be 'clips' or 'participants', got 'clip'"):
        bootstrap_ci(S, h, idx=IDX, odd=ODD, over="clip", n_boot=5)
    with pytest.raises(BGSInputError, match="need human similarity or triplets to bootstrap"):
        bootstrap_ci(S, idx=np.zeros((0, 3), dtype=int), odd=np.zeros(0, dtype=int), n_boot=5)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: human_similarity(IDX, None, 4), r"^odd-one-out positions missing: pass `odd` or a TripletArrays$"),
    (lambda: human_similarity(IDX[:, :2], ODD, 4), r"^triplet indices must have shape \(n, 3\), got \(3, 2\)$"),
    (lambda: r2(S[:3], human_similarity(IDX, ODD, 4)),
     r"^model similarity must be a square matrix, got shape \(3, 4\)$"),
    (lambda: next(clip_resamples(None, 4, 5)), r"^bootstrap over clips needs items, human similarity or triplets$"),
], ids=["no_odd", "two_columns", "rsa_3x4", "resample_nothing"])
def test_metric_inputs_no_other_test_reaches_are_refused_in_one_line(call, message):
    """Coverage audit: no fast test ran these checks (odd left out, pairs for triplets, a 3×4 matrix given to R², clip
    resamples of nothing); each must stay one line saying what is wrong."""
    with pytest.raises(BGSInputError, match=message):
        call()


def test_bootstraps_read_an_items_local_matrix_in_the_order_of_items():
    """A 4×4 matrix over items [3, 0, 2, 1]. Mutation audit (third pass): an accuracy bootstrap reading it by global clip
    number (2-way 0.5 instead of the hand value 2/3), a participant bootstrap of R² ignoring ``items`` (refused as
    the wrong size) and a triplets-only bootstrap counting clips from the triplets alone or one short (items naming
    clip 4, which no triplet names, refused) all passed. Hand values from the worked example: 3-way 1/3, 2-way 2/3,
    R² = 5.5² / 95."""
    order = np.array([3, 0, 2, 1])
    local = S[np.ix_(order, order)]
    h = human_similarity(IDX, ODD, 4)
    for stat, want in (("ooo_acc_3way", 1 / 3), ("ooo_acc_2way", 2 / 3)):
        assert bootstrap_ci(local, h, order, idx=IDX, odd=ODD, stat=stat, n_boot=5).estimate == pytest.approx(want)
    res = bootstrap_ci(local, h, order, idx=IDX, odd=ODD, participant=["a", "b", "a"], over="participants", n_boot=5)
    assert (res.estimate, res.over, res.stat) == (pytest.approx(30.25 / 95), "participants", "r2")
    five = np.array([3, 0, 4, 2, 1])  # clip 4 is in no judgment: its row and column never count
    local5 = np.eye(5)
    local5[np.ix_([0, 1, 3, 4], [0, 1, 3, 4])] = local
    assert bootstrap_ci(local5, None, five, idx=IDX, odd=ODD, n_boot=5).estimate == pytest.approx(30.25 / 95)


def test_a_clip_resample_holding_no_whole_judgment_has_no_accuracy():
    """Four clips, three judgments: a resample that draws no judgment's three clips has no accuracy (NaN), not 0.
    Mutation audit (third pass): dividing by at least 1 (0 for such resamples) passed, as every accuracy bootstrap
    tested had judgments in every resample. Reference: numpy's generator seeded 2 draws 4 of clips 0..3, a judgment
    (a, b, c) weighs m_a·m_b·m_c, per-judgment 3-way scores [1, 0, 0] (hand values above)."""
    draw = np.random.default_rng(2)
    ref = []
    for _ in range(40):
        w = np.bincount(draw.integers(0, 4, size=4), minlength=4)[IDX].prod(1)
        ref.append(w[0] / w.sum() if w.sum() else np.nan)
    with warnings.catch_warnings():  # mutation audit: dividing 0 by 0 gave the same NaN with numpy's warning
        warnings.simplefilter("error")
        res = bootstrap_ci(S, human_similarity(IDX, ODD, 4), idx=IDX, odd=ODD, stat="ooo_acc_3way", n_boot=40, seed=2)
    assert np.isnan(ref).any()
    np.testing.assert_allclose(res.samples, ref)


def test_a_participant_bootstrap_drops_a_catch_trial_with_its_participant():
    """Mutation audit (third pass): dropping a catch trial from the triplets but not from the participants passed (no
    participant bootstrap had a catch trial); the participants then sat one row off. With a catch trial of
    participant "b" inserted, every resample equals the one without it (same participants, same seed)."""
    participant = ["a", "b", "a"]
    h = human_similarity(IDX, ODD, 4)
    idx = np.vstack([IDX[:1], [[1, 1, 2]], IDX[1:]])
    odd = np.array([2, 0, 0, 1])
    for stat in ("rsa_pearson", "ooo_acc_2way"):
        want = bootstrap_ci(S, h, idx=IDX, odd=ODD, participant=participant, over="participants", stat=stat, n_boot=20)
        got = bootstrap_ci(S, h, idx=idx, odd=odd, participant=["a", "b", "b", "a"], over="participants", stat=stat,
                           n_boot=20)
        np.testing.assert_array_equal(got.samples, want.samples)
    pair = paired_bootstrap(S, S.T, h, idx=idx, odd=odd, participant=["a", "b", "b", "a"], over="participants", n_boot=5)
    assert (pair.over, pair.stat) == ("participants", "r2")


def test_odd_one_out_checks_the_symmetry_of_every_pair_of_a_triplet():
    """Mutation audit (third pass): checking only the pairs (a, b) and (a, c) passed (the asymmetric test matrices
    were off in every pair); S[1, 2] = 0.6 against S[2, 1] = 0.1 for triplet (0, 1, 2) is its pair (b, c)."""
    skew = S.copy()
    skew[1, 2] = 0.6
    with pytest.raises(BGSInputError, match=r"not symmetric \(S\[1, 2\] = 0.6, S\[2, 1\] = 0.1\)"):
        ooo_acc_2way(skew, [[0, 1, 2]], [2])


def test_accuracy_over_no_judgment_is_undefined_and_the_positions_must_match_the_judgments():
    """Mutation audit (third pass): an accuracy of 0 over no judgment (only catch trials) and ``ooo_3way_from_sims``
    scoring two similarity rows against one position both passed."""
    from bgs_hf.metrics import ooo_3way_from_sims

    assert np.isnan(ooo_acc_3way(S, [[0, 0, 1]], [2])) and np.isnan(ooo_acc_2way(S, [[2, 1, 2]], [0]))
    with pytest.raises(BGSInputError, match=r"need sims \(n, 3\) and odd \(n,\), got \(2, 3\) and \(1,\)"):
        ooo_3way_from_sims(np.zeros((2, 3)), np.array([0]))


def test_an_empty_list_of_judgments_reads_as_no_judgment():
    """Fuzzing: ``ooo_acc_3way(S, [], [])`` and ``human_similarity([], [], 4)`` were refused as "triplet indices must
    have shape (n, 3), got (0,)" where an empty (0, 3) array gives NaN and zero counts (a filter that left no
    judgment; the losses take ``[]`` too)."""
    assert np.isnan(ooo_acc_3way(S, [], [])) and np.isnan(ooo_acc_2way(S, [], []))
    h = human_similarity([], [], 4)
    assert h.n.shape == (4, 4) and h.n.sum() == 0 and not h.mask.any()


def test_similarity_checks_name_items_and_refuse_a_negative_item():
    """Mutation audit (third pass): a size error naming only the clip count when ``items`` was given, a negative item
    read as the last clip, and a symmetry tolerance loosened to 1e-3 relative (an asymmetry of 1e-4 on 0.9, a
    thousand times float32 rounding, accepted) all passed."""
    h = human_similarity(IDX, ODD, 4)
    with pytest.raises(BGSInputError, match=r"model similarity is 5×5, expected 3 \(items\) or 4"):
        r2(np.eye(5), h, [0, 1, 3])
    with pytest.raises(BGSInputError, match=r"items must lie in 0\.\.3"):
        h.pairs(items=[-1, 0])
    skew = S.copy()
    skew[0, 1] += 1e-4
    with pytest.raises(BGSInputError, match="not symmetric"):
        r2(skew, h)
    empty = human_similarity(np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int))
    assert empty.n_items == 0 and empty.n.shape == (0, 0)


def test_behavioural_fit_names_a_split_it_cannot_score_in_one_line():
    """Mutation audit (third pass): the container's KeyError text kept in its quotes, a plain container's unknown
    split read as numpy's error, a plain container's own ``fit`` split replaced by train ∪ val, and an empty split
    scored (NaN everywhere) all passed."""
    from bgs_hf.metrics.fit import split_items

    def unknown(split):
        raise KeyError(f"unknown split {split!r}; choose from ['fit', 'test']")

    with pytest.raises(BGSInputError) as err:
        behavioural_fit(S, SimpleNamespace(splits={}, triplets=None, split_items=unknown), "tset")
    assert str(err.value) == "unknown split 'tset'; choose from ['fit', 'test']"
    plain = SimpleNamespace(splits={"train": np.array([0]), "val": np.array([1]), "test": np.array([2, 3]),
                                    "fit": np.array([0, 1, 3])}, n_clips=4)
    np.testing.assert_array_equal(split_items(plain, "fit"), [0, 1, 3])
    with pytest.raises(BGSInputError, match=r"unknown split 'tset'; choose from \['fit', 'test', 'train', 'val'\]"):
        split_items(plain, "tset")
    plain.triplets = lambda split: SimpleNamespace(idx=np.zeros((0, 3), dtype=int), odd=np.zeros(0, dtype=int))
    with pytest.raises(BGSInputError) as err:  # why a split of clips may hold none, and where to look
        behavioural_fit(S, plain, "test")
    assert str(err.value) == ("data: split 'test' has no valid judgments (a judgment counts in a split only when its "
                              "three clips all lie in it); no split holds one whole: check the data's splits with "
                              "`bgs-hf data validate`")
    plain.triplets = lambda split: SimpleNamespace(idx=np.zeros((2 if split in ("val", "fit") else 0, 3), dtype=int))
    with pytest.raises(BGSInputError) as err:  # "fit" (train and val together) is no split of its own to name
        behavioural_fit(S, plain, "test")
    assert str(err.value).endswith("all lie in it); judgments lie in val (2): score one of those (--split)")


def test_a_paired_bootstrap_has_no_interval_when_either_model_is_undefined():
    """One NaN similarity (clips 3 and 5) leaves most clip resamples defined (those missing clip 3 or clip 5) but the
    difference itself undefined, whichever model it is. Mutation audit (third pass): judging the interval by model
    a's estimate alone passed, as the only undefined pair test put the broken model first."""
    idx, odd, _, model, _ = _toy()
    h = human_similarity(idx, odd, 14)
    assert h.mask[3, 5]
    partly = model.copy()
    partly[3, 5] = partly[5, 3] = np.nan
    for a, b in ((model, partly), (partly, model)):
        pair = paired_bootstrap(a, b, h, idx=idx, odd=odd, stat="rsa_pearson", n_boot=50)
        assert 2 * np.isfinite(pair.samples_a - pair.samples_b).sum() > 50
        assert np.isnan([pair.diff, pair.low, pair.high, pair.p_value]).all()


def test_a_flagged_table_with_odd_of_another_length_is_refused_by_its_shape():
    """Mutation audit (third pass): filtering a given ``odd`` by the table's flags whatever its length passed; two
    positions for a table of 5 rows (3 unflagged) then failed inside numpy's boolean indexing."""
    import pandas as pd

    df = pd.DataFrame({"clip_a": [0, 0, 2, 1, 3], "clip_b": [1, 1, 1, 2, 2], "clip_c": [2, 3, 0, 3, 0],
                       "is_catch": [False, False, False, True, True]})
    with pytest.raises(BGSInputError, match=r"odd must have shape \(3,\), got \(2,\)"):
        human_similarity(df, np.array([2, 0]), 4)


def test_pearson_scale_leaves_normal_and_undefined_inputs_as_given_and_divides_the_others_by_their_largest():
    """Mutation audit of pearson's scaling: every test's values were ordinary (products of sums of squares near 1)
    or far out of range, so scaling whenever the product is under machine epsilon (2.2e-16, not the smallest normal
    2.2e-308), ``pearson_scale`` scaling always, or scaling inputs with no r, all passed. Values of 1e-10 (product
    ~2e-19, a normal float) keep the plain formula's bits (scaled, r moves in its last digits); no r (a constant, a
    NaN, two values) comes back as given (a zero vector was 0/0 = NaN); [1, -2, 4]·1e-200 against [1, 2, 3] is
    divided by 4e-200 and by 3: [0.25, -0.5, 1] and [1/3, 2/3, 1], by hand."""
    from bgs_hf.metrics.rsa import pearson_scale

    a, b = np.random.default_rng(0).random((2, 50))
    x = a * 1e-10
    xc, bc = x - x.mean(), b - b.mean()
    assert pearson(x, b) == float((xc @ bc) / np.sqrt((xc @ xc) * (bc @ bc)))
    for p, q in ((x, b), ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0]), ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0]),
                 ([1.0, 2.0], [2.0, 1.0])):
        sp, sq = pearson_scale(p, q)
        np.testing.assert_array_equal(sp, p)
        np.testing.assert_array_equal(sq, q)
    sp, sq = pearson_scale(np.array([1.0, -2.0, 4.0]) * 1e-200, [1.0, 2.0, 3.0])
    assert sp.tolist() == [0.25, -0.5, 1.0] and sq.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0], rel=1e-15)


def _reference_pair_stat(stat: str, x: np.ndarray, y: np.ndarray) -> float:
    """A pair statistic the plain way: Pearson of scipy's average ranks, sorting every resample anew."""
    if stat == "rsa_pearson":
        return pearson(x, y)
    if x.size < 3:
        return float("nan")
    rho = pearson(rankdata(x), rankdata(y))
    return float(np.sign(rho) * rho**2) if stat == "r2" else rho


@pytest.mark.parametrize("stat", ["r2", "rsa_spearman", "rsa_pearson"])
def test_pair_bootstraps_are_bit_for_bit_the_plain_resampled_statistic(stat):
    """Both bootstraps rank each resample from one sort of the full data's pairs and count a participant resample's
    n_ij and k_ij over those pairs only (at THINGS scale a resample took 0.7 s over clips and 1.7 s over participants,
    mostly scipy's sort and two N×N matrices): every resample must still give the plain computation's statistic
    exactly, on tied model values (rounded to 0.1), a clip with NaN similarities judged by one participant (finite only in
    resamples that miss it) and an items-local matrix in shuffled order. Reference: numpy's generator seeded 3 draws the clips with an
    items (here every clip), or the sorted participants, as many as there are; over clips each observed pair of positions a < b
    in ``items`` is repeated m_i·m_j times, over participants n_ij and k_ij are summed from each drawn participant's
    judgments (np.add.at) and p = k / n over the pairs observed; then scipy's rankdata and Pearson."""
    idx, odd, participant, model, rng = _toy(n_trip=300)
    keep = ~(idx == 4).any(1) | (participant == 7)  # clip 4 judged by one participant only
    idx, odd, participant = idx[keep], odd[keep], participant[keep]
    model = np.round(model, 1)
    model[4, :] = model[:, 4] = np.nan
    items = rng.permutation(14)
    local = model[np.ix_(items, items)]
    h = human_similarity(idx, odd, 14)
    kw = dict(stat=stat, n_boot=25, seed=3)

    ref = _plain_clip_samples(stat, model, h, items, 25, 3)
    res = bootstrap_ci(local, h, items, **kw)
    assert np.isnan(ref).any() and np.isfinite(ref).sum() > 5
    assert np.array_equal(res.samples, ref, equal_nan=True)

    ref = _plain_participant_samples(stat, model, idx, odd, participant, items, 25, 3)
    res = bootstrap_ci(local, h, items, idx=idx, odd=odd, participant=participant, over="participants", **kw)
    assert np.isnan(ref).any() and np.isfinite(ref).sum() > 5
    assert np.array_equal(res.samples, ref, equal_nan=True)


def _plain_clip_samples(stat: str, model: np.ndarray, h: HumanSimilarity, items: np.ndarray, n_boot: int,
                        seed: int) -> list[float]:
    """Clip resamples the plain way: numpy's generator seeded ``seed`` draws as many of the clips of ``items`` as there
    are, from the clips in ascending order (not ``items``' row order: the same clips in another order draw alike), each
    observed pair of positions a < b is repeated m_i·m_j times, then scipy's rankdata and Pearson."""
    li, lj = np.triu_indices(len(items), 1)
    gi, gj = items[li], items[lj]
    seen = h.mask[gi, gj]
    draw = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        m = np.bincount(np.sort(items)[draw.integers(0, len(items), len(items))], minlength=h.n_items)
        w = m[gi[seen]] * m[gj[seen]]
        out.append(_reference_pair_stat(stat, np.repeat(model[gi, gj][seen], w), np.repeat(h.p[gi, gj][seen], w)))
    return out


def _plain_participant_samples(stat: str, model: np.ndarray, idx: np.ndarray, odd: np.ndarray,
                               participant: np.ndarray, items: np.ndarray, n_boot: int, seed: int) -> list[float]:
    """Participant resamples the plain way: the sorted participants drawn as many times as there are, n_ij and k_ij
    summed over every clip pair from each drawn participant's judgments, p = k / n over the pairs of ``items``
    observed in the resample, then scipy's rankdata and Pearson."""
    n_items = len(model)
    li, lj = np.triu_indices(len(items), 1)
    gi, gj = items[li], items[lj]
    people = np.unique(participant)
    draw = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        weight = np.bincount(draw.integers(0, len(people), len(people)), minlength=len(people))
        n, k = np.zeros((n_items, n_items), dtype=np.int64), np.zeros((n_items, n_items), dtype=np.int64)
        for t, o, q in zip(idx, odd, np.searchsorted(people, participant)):
            for u, v in ((0, 1), (0, 2), (1, 2)):
                a, b = sorted((t[u], t[v]))
                n[a, b] += weight[q]
                n[b, a] += weight[q]
                k[a, b] += weight[q] * (o not in (u, v))
                k[b, a] += weight[q] * (o not in (u, v))
        obs = n[gi, gj] > 0
        out.append(_reference_pair_stat(stat, model[gi, gj][obs], k[gi, gj][obs] / n[gi, gj][obs]))
    return out


@pytest.mark.parametrize("stat", ["r2", "rsa_spearman", "rsa_pearson"])
def test_pair_bootstraps_over_more_clips_than_items_are_the_plain_resampled_statistic(stat):
    """Mutation audit of the ranked bootstraps: a participant resample's pairs outside ``items`` counted into the first
    pair of ``items`` (not the spare last slot), and its under-3 guard dropped (a resample observing no pair of
    ``items`` crashed on the max of no counts), passed, as the bit-for-bit test above resamples 14 well-judged clips,
    all of them ``items``. Here 9 clips, ``items`` 6 of them in shuffled order, and nine judgments: 4 observe pairs of
    ``items`` ((0,1) twice, (2,3) three times, (4,5), (1,4)), with clips 6-8 beside them, and 2 only pairs with clips
    6-8; one participant per judgment, then two, the second judging only those 2 (a quarter of the resamples draw
    that participant alone and observe no pair of ``items``: NaN)."""
    idx = np.array([[0, 1, 6], [0, 1, 7], [2, 3, 6], [2, 3, 8], [2, 3, 7], [4, 5, 8], [6, 7, 8], [0, 6, 8],
                    [1, 4, 7]])
    odd = np.array([2, 0, 2, 2, 1, 0, 0, 1, 2])
    rng = np.random.default_rng(5)
    model = rng.normal(size=(9, 9))
    model = model + model.T
    items = np.array([3, 0, 5, 1, 4, 2])
    local = model[np.ix_(items, items)]
    h = human_similarity(idx, odd, 9)
    kw = dict(stat=stat, n_boot=60, seed=4)

    ref = _plain_clip_samples(stat, model, h, items, 60, 4)
    assert np.array_equal(bootstrap_ci(local, h, items, **kw).samples, ref, equal_nan=True)
    for participant in (np.arange(9), np.array([0, 0, 0, 0, 0, 0, 1, 1, 0])):
        ref = _plain_participant_samples(stat, model, idx, odd, participant, items, 60, 4)
        res = bootstrap_ci(local, h, items, idx=idx, odd=odd, participant=participant, over="participants", **kw)
        assert np.isfinite(ref).sum() > 20
        assert np.array_equal(res.samples, ref, equal_nan=True)
    assert np.isnan(ref).sum() > 5  # the resamples of the second participant alone


# ------------------------------------------------------------------ reference audit: rsatoolbox, scipy, loops, hands
@pytest.mark.parametrize("stat", ["r2", "rsa_spearman", "rsa_pearson"])
def test_clip_bootstrap_resamples_equal_rsatoolboxs_resampled_rdms(stat):
    """Reference library (the bootstrap was checked against a loop written here only): rsatoolbox's own resampling of
    stimuli, ``RDMs.subsample_pattern`` with a clip drawn m times listed m times, which repeats a pair (i, j) m_i·m_j
    times and sets the pairs of a clip with its own copy to NaN, then ``compare`` ("spearman" or "corr"), which drops
    NaN pairs. Unobserved pairs are NaN in both RDMs (rsatoolbox refuses NaNs in one only); dissimilarity 1 − s
    against 1 − p has the correlation of s against p. The draws are ``clip_resamples``', the ones ``bootstrap_ci``
    makes with the same seed."""
    from rsatoolbox.rdm import RDMs, compare

    idx, odd, _, model, _ = _toy(seed=4, n_items=10, n_trip=60)
    h = human_similarity(idx, odd, 10)
    iu = np.triu_indices(10, 1)
    observed = h.mask[iu]
    rdm = {name: RDMs(np.where(observed, 1 - values[iu], np.nan)[None], pattern_descriptors={"index": np.arange(10)})
           for name, values in (("model", model), ("human", h.p))}
    method = "corr" if stat == "rsa_pearson" else "spearman"
    ref = []
    for mult in clip_resamples(None, 10, 40, seed=9, human=h):
        drawn = np.repeat(np.arange(10), mult)
        rho = compare(rdm["model"].subsample_pattern("index", drawn), rdm["human"].subsample_pattern("index", drawn),
                      method=method)[0, 0]
        ref.append(np.sign(rho) * rho**2 if stat == "r2" else rho)
    res = bootstrap_ci(model, h, stat=stat, n_boot=40, seed=9)
    np.testing.assert_allclose(res.samples, ref, rtol=0, atol=1e-12)
    full = compare(rdm["model"], rdm["human"], method=method)[0, 0]
    assert res.estimate == pytest.approx(np.sign(full) * full**2 if stat == "r2" else full, abs=1e-12)


def test_correlations_of_three_to_six_tied_values_equal_scipys():
    """Reference library on the smallest inputs a user hits (3 observed pairs: one triplet's): Spearman and Pearson of
    every pair of vectors of 3 values in {0, 1, 2} (ties, constants) and of random tied vectors of 4-6 values equal
    scipy's spearmanr / pearsonr, NaN exactly where scipy has no correlation (a constant vector). By hand: ranks
    [1, 2, 3] against [1, 3, 2] give rho = 1 − 6·2 / (3·8) = 1/2."""
    from itertools import product

    assert spearman([0.1, 0.2, 0.3], [5.0, 9.0, 7.0]) == pytest.approx(0.5)
    rng = np.random.default_rng(0)
    vectors = [np.array(v, dtype=np.float64) for v in product(range(3), repeat=3)]
    pairs = [(x, y) for x in vectors for y in vectors]
    pairs += [(rng.integers(0, 3, n).astype(np.float64), rng.integers(0, 3, n).astype(np.float64))
              for n in (4, 5, 6) for _ in range(100)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on a constant input
        for x, y in pairs:
            constant = np.ptp(x) == 0 or np.ptp(y) == 0
            for ours, theirs in ((spearman, spearmanr), (pearson, pearsonr)):
                want = float("nan") if constant else theirs(x, y)[0]
                assert ours(x, y) == pytest.approx(want, abs=1e-12, nan_ok=True), (ours.__name__, x, y)


def test_accuracies_on_a_tie_heavy_matrix_equal_a_loop_over_judgments():
    """Reference loop on the case the hand tests meet at one triplet: similarities of three values only (most
    triplets tie somewhere), 40 random matrices of 6 clips. 3-way: right only when the kept pair beats both others
    (a tie is wrong); 2-way: the share of the two other pairs it beats (a tie is wrong); the ceilings' tie-broken
    scores: 1/(pairs tied at the top) when the kept pair is among them, and 1/2 for a tied anchor comparison."""
    from bgs_hf.metrics.ooo import ooo_expected_from_sims, triplet_sims

    rng = np.random.default_rng(1)
    for _ in range(40):
        sim = rng.integers(0, 3, (6, 6)).astype(np.float64)
        sim = sim + sim.T
        idx = np.array([rng.choice(6, 3, replace=False) for _ in range(30)])
        odd = rng.integers(0, 3, 30)
        three, two, fair3, fair2 = [], [], [], []
        for t, o in zip(idx.tolist(), odd.tolist()):
            x, y = [c for q, c in enumerate(t) if q != o]
            kept, others = sim[x, y], [sim[x, t[o]], sim[y, t[o]]]
            three.append(float(kept > max(others)))
            two.append(np.mean([kept > s for s in others]))
            top = max(kept, *others)
            fair3.append(1 / [kept, *others].count(top) if kept == top else 0.0)
            fair2.append(np.mean([1.0 if kept > s else 0.5 if kept == s else 0.0 for s in others]))
        np.testing.assert_array_equal(ooo_acc_3way_per_judgment(sim, idx, odd), three)
        np.testing.assert_array_equal(ooo_acc_2way_per_judgment(sim, idx, odd), two)
        got3, got2 = ooo_expected_from_sims(triplet_sims(sim, idx), odd)
        np.testing.assert_allclose(got3, fair3, rtol=0, atol=1e-15)
        np.testing.assert_allclose(got2, fair2, rtol=0, atol=1e-15)


def test_three_clips_and_a_constant_similarity_by_hand():
    """The smallest split (3 clips, 3 pairs) and a collapsed model, every number of ``behavioural_fit`` by hand.
    Judgments (0,1,2) odd 2 twice -> kept 01; (2,0,1) odd 1 -> odd clip 0, kept 12: p over (01, 02, 12) = [2/3, 0, 1/3].
    S01 = .9, S02 = .1, S12 = .05: ranks [3, 2, 1] against [3, 1, 2], rho = 1 − 6·2/24 = 1/2, R² 1/4; Pearson: centred
    s [.55, −.25, −.3], p [1/3, −1/3, 0]: r = (.8/3) / sqrt(.455 · 2/9). Kept 01 = .9 beats .1 and .05 twice (3-way 1,
    2-way 1); kept 12 = .05 loses to .1 and .9 (0, 0): 3-way 2/3, 2-way 2/3. A constant S: no correlation (NaN, and no
    interval), and every comparison ties, so both accuracies are 0 (ties count as wrong)."""
    idx = np.array([[0, 1, 2], [0, 1, 2], [2, 0, 1]])
    odd = np.array([2, 2, 1])
    h = human_similarity(idx, odd, 3)
    np.testing.assert_allclose(h.p[[0, 0, 1], [1, 2, 2]], [2 / 3, 0, 1 / 3])
    sim = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.05], [0.1, 0.05, 1.0]])
    fit = behavioural_fit(sim, h, idx, odd, n_boot=20)
    assert fit["rsa_spearman"] == pytest.approx(0.5) and fit["r2"] == pytest.approx(0.25)
    assert fit["rsa_pearson"] == pytest.approx((0.8 / 3) / np.sqrt(0.455 * 2 / 9))
    assert (fit["ooo_acc_3way"], fit["ooo_acc_2way"]) == pytest.approx((2 / 3, 2 / 3))
    assert (fit["n_pairs"], fit["n_judgments"]) == (3, 3)
    flat = behavioural_fit(np.full((3, 3), 0.5), h, idx, odd, n_boot=20)
    assert all(np.isnan(flat[k]) for k in ("r2", "rsa_spearman", "rsa_pearson")) and np.isnan(flat["r2_ci"]).all()
    assert (flat["ooo_acc_3way"], flat["ooo_acc_2way"]) == (0.0, 0.0)


def test_a_percentile_interval_reads_only_the_finite_samples_and_is_undefined_without_one():
    """Mutation audit (bootstrap.py and ceiling.py): ``percentile_interval`` without its empty guard (numpy's
    IndexError on no finite sample, where its docstring promises NaN) and keeping ±inf among the samples both passed:
    its callers only reach it with finite samples. Hand values: the 25th/75th percentiles of 0, 1, 2, 3, 4 are 1 and 3
    (numpy's linear rule, positions 1 and 3), whatever infinities and NaNs stand beside them."""
    from bgs_hf.metrics.bootstrap import percentile_interval

    assert percentile_interval(np.array([0.0, 1.0, 2.0, 3.0, 4.0]), 0.5) == (1.0, 3.0)
    assert percentile_interval(np.array([np.inf, 0.0, 1.0, np.nan, 2.0, 3.0, -np.inf, 4.0]), 0.5) == (1.0, 3.0)
    for none in (np.array([np.nan, np.inf]), np.array([])):
        assert np.isnan(percentile_interval(none, 0.95)).all()


def test_a_paired_p_at_or_below_alpha_means_zero_lies_outside_the_interval_but_not_the_converse():
    """``paired_bootstrap``'s docstring said p <= alpha *when* 0 lies outside the 1 - alpha interval; the add-one p
    can miss alpha there. By hand: 25 of 1000 differences at -1 and 975 at +1 give the 95% interval [0.95, 1] (numpy's
    2.5th percentile sits at position 24.975, between -1 and +1) and p = 2·(25 + 1)/1001 = 52/1001 = 0.052. What it
    now says, p <= alpha only when 0 lies outside the interval, and outside it p <= alpha + 4/(n + 1), is checked
    over random tied differences."""
    from bgs_hf.metrics.bootstrap import paired_resample_test

    def test_of(d: np.ndarray, ci: float):
        stat_a = lambda m: float(d.mean()) if m is None else float(d[m[0]])  # noqa: E731
        return paired_resample_test(stat_a, lambda m: 0.0, (np.array([b]) for b in range(d.size)), n_boot=d.size,
                                    ci=ci)

    res = test_of(np.array([-1.0] * 25 + [1.0] * 975), 0.95)
    assert (res.low, res.high) == pytest.approx((0.95, 1.0)) and res.p_value == pytest.approx(52 / 1001)
    rng = np.random.default_rng(0)
    for _ in range(3000):
        ci = float(rng.choice([0.5, 0.8, 0.9, 0.95]))
        d = rng.integers(-2, 3, size=int(rng.integers(1, 60))).astype(float) + float(rng.integers(0, 3))
        res = test_of(d, ci)
        if res.p_value <= 1 - ci:
            assert not res.low <= 0 <= res.high, (res.low, res.high, res.p_value)
        if not res.low <= 0 <= res.high:
            assert res.p_value <= 1 - ci + 4 / (d.size + 1), (res.low, res.high, res.p_value)


def test_a_clip_named_only_beside_clips_outside_items_is_not_resampled_from_the_triplets_either():
    """Mutation audit (bootstrap.py and ceiling.py): from the triplets alone, drawing a clip of ``items`` that some
    judgment names (beside two clips outside ``items``) but none pairs with another clip of ``items`` passed; it adds
    no pair, and the human-similarity form, which reads the observed pairs, leaves it out. Items 0..7, judgments among
    0..6 plus one (7, 10, 11): both forms draw the same 7 clips, so their resamples are equal."""
    idx, odd, _, model, _ = _toy()
    inside = np.isin(idx, np.arange(7)).all(1)
    trip_idx = np.vstack([idx[inside], [[7, 10, 11]]])
    trip_odd = np.append(odd[inside], 0)
    items = np.arange(8)
    from_pairs = bootstrap_ci(model, human_similarity(trip_idx, trip_odd, 14), items, n_boot=60, seed=5)
    from_triplets = bootstrap_ci(model, None, items, idx=trip_idx, odd=trip_odd, n_boot=60, seed=5)
    assert np.isfinite(from_pairs.samples).all()
    np.testing.assert_array_equal(from_triplets.samples, from_pairs.samples)


def test_one_resample_and_one_split_are_the_least_counts_allowed():
    """Mutation audit (bootstrap.py and ceiling.py): ``check_count`` refusing its own bound (``n_boot=1`` and
    ``n_splits=1``, which its message "a whole number >= 1" allows) passed: the tests tried only counts below it."""
    human = human_similarity(_IDX4, _ODD4, 4)
    assert bootstrap_ci(_S4, human, n_boot=1).samples.shape == (1,)
    assert paired_bootstrap(_S4, _S4, human, n_boot=1).samples_a.shape == (1,)
    assert split_half_ceiling(_IDX4, 4, 1, odd=_ODD4, participant=[0, 1, 0, 1]).r2_splits.shape == (1,)


def test_triplet_weights_must_be_finite_counts_of_at_least_zero():
    """Reference check (fourth pass): ``human_similarity(..., weights=)`` took a weight of -1 as minus one judgment (the
    worked example's weights (1, -1, 1) gave n01 = 1 and n13 = k13 = -1, pair (1, 3) then "unobserved") and NaN or
    inf as counts that made pairs unobserved or infinite, without a word; text failed in numpy's float conversion. By hand, weights (2, 1, 0) on
    the worked example count t1 twice and t3 never: n01 = 2 + 1 = 3, k01 = 2 (t1 keeps (0, 1)), p01 = 2/3; n02 = 2,
    k02 = 0 (t3, which kept (2, 0), weighs 0); the same weights as Python objects (a table's column), which failed in
    numpy's bincount ("Cannot cast array data from dtype('O')"), count alike."""
    h = human_similarity(IDX, ODD, 4, weights=[2, 1, 0])
    assert (h.n[0, 1], h.k[0, 1], h.p[0, 1]) == (3, 2, pytest.approx(2 / 3))
    assert (h.n[0, 2], h.k[0, 2], h.p[0, 2]) == (2, 0, 0.0)
    as_objects = human_similarity(IDX, ODD, 4, weights=np.array([2.0, 1.0, 0.0], dtype=object))
    np.testing.assert_array_equal(as_objects.n, h.n)
    for weights, row, shown in (([1, -1, 1], 1, "-1"), ([1, 1, np.nan], 2, "nan"), ([np.inf, 1, 1], 0, "inf")):
        with pytest.raises(BGSInputError, match=f"^judgment row {row}: weights must be finite counts >= 0, got {shown}$"):
            human_similarity(IDX, ODD, 4, weights=weights)
    for weights, shown in ((["1", 2, 3], "'1'"), ([1, None, 1], "None")):
        with pytest.raises(BGSInputError, match=f"weights must be numbers, got {shown}$"):
            human_similarity(IDX, ODD, 4, weights=weights)


def test_a_negative_clip_count_is_refused_in_one_line():
    """Reference check (fourth pass): ``human_similarity([], [], n_items=-1)`` failed in numpy's reshape ("can only
    specify one unknown dimension") and, with judgments, said they named a clip "outside 0..-2"; the ceilings read
    the count alike. No clip and no judgment is still an empty similarity."""
    for call in (lambda: human_similarity(np.zeros((0, 3), int), [], -1), lambda: human_similarity(IDX, ODD, -1),
                 lambda: split_half_ceiling(IDX, -1, 2, odd=ODD, participant=[0, 1, 0])):
        with pytest.raises(BGSInputError, match=r"^n_items must be >= 0, got -1$"):
            call()
    assert human_similarity([], [], 0).n.shape == (0, 0)


def test_pearson_of_values_both_near_1e100_agrees_with_scipy_without_a_warning():
    """Reference check (fourth pass): with both vectors near 1e100 each sum of squares (~1e200) is finite but their
    product overflows: r was right (sqrt(27/28), as scipy's pearsonr says) but came with numpy's "overflow encountered
    in scalar multiply" from the range test (the same for 1e-100 against 1e100 underflowing)."""
    x, y = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for sx, sy in ((1e100, 1e100), (1e150, 1e100), (1e-100, 1e100)):
            assert pearson(x * sx, y * sy) == pytest.approx(np.sqrt(27 / 28), rel=1e-13), (sx, sy)
            assert spearman(x * sx, -y * sy) == pytest.approx(-1.0)
    assert pearson(x * 1e100, y * 1e100) == pytest.approx(pearsonr(x * 1e100, y * 1e100)[0], rel=1e-13)


def test_clip_indices_past_int64_or_with_an_imaginary_part_are_refused_as_given():
    """Reference check (fourth pass): a float clip index of 1e20, or 2**63 itself, wrapped round in the int64 cast and was
    refused as "triplet names clip -9223372036854775808", a number the user never wrote; an odd position 2+1j was
    read as 2 with numpy's ComplexWarning and scored."""
    for clip, shown in ((1e20, r"1e\+20"), (2.0**63, r"9\.22337e\+18")):
        with pytest.raises(BGSInputError, match=rf"triplet indices must be whole numbers within ±2\*\*63 \(int64\), "
                                                rf"got {shown}$"):
            ooo_acc_3way(S, [[0.0, 1.0, clip]], [0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BGSInputError, match=r"odd must be whole numbers, got \(2\+1j\)$"):
            ooo_acc_3way(S, IDX, [2 + 1j, 0, 1])
        assert ooo_acc_3way(S, IDX, np.array([2, 0, 1], dtype=complex)) == pytest.approx(1 / 3)  # whole, as before


def test_a_collapsed_model_whose_rows_differ_only_in_the_sign_of_a_zero_still_ties_exactly():
    """Mutation audit (fourth pass): reading the rows' bytes without ``+ 0.0`` passed, since no test held a -0.0. 50
    clips embedding as one vector with six zero entries, each clip's zeros signed its own way (-0.0 for the bits of
    its index): 50 distinct byte rows, one point. BLAS's product of them spread the similarities by an ulp
    (1.1e-16 at 128 dims), which scored a geometry; alike, they tie exactly and the model is undefined, as
    ``test_equal_embeddings_give_exactly_equal_similarities_so_a_collapsed_model_is_undefined_not_scored`` says."""
    rng = np.random.default_rng(1)
    n = 50
    idx = np.array([rng.choice(n, 3, replace=False) for _ in range(200)])
    odd = rng.integers(0, 3, len(idx))
    human = human_similarity(idx, odd, n)
    for dim in (128, 768):
        one = rng.normal(size=dim).astype(np.float32).astype(np.float64)
        one[:6] = 0.0
        emb = np.tile(one, (n, 1))
        for clip in range(n):
            emb[clip, [bit for bit in range(6) if clip >> bit & 1]] = -0.0
        sim = cosine_similarity_matrix(emb)
        assert np.ptp(sim) == 0.0 and np.isnan(r2(sim, human)) and ooo_acc_3way(sim, idx, odd) == 0.0


def test_human_similarity_refuses_odd_positions_longer_than_the_judgments_or_in_a_column():
    """Mutation audit (fourth pass): ``as_triplets`` checking only that ``odd`` is not shorter than the judgments passed:
    odd-one-out accuracy checks the shape again, the human similarity does not, so a fourth position failed in
    numpy's indexing and a (3, 1) column broadcast ``2 - odd`` across every judgment's pairs."""
    for odd, shape in (([2, 0, 1, 0], r"\(4,\)"), (ODD[:, None], r"\(3, 1\)")):
        with pytest.raises(BGSInputError, match=rf"^odd must have shape \(3,\), got {shape}$"):
            human_similarity(IDX, odd, 4)


def test_the_fit_keeps_the_sign_of_an_anti_correlated_r2():
    """Mutation audit (fourth pass): ``behavioural_fit`` squaring rho without its sign passed: every fit tested
    correlated positively. The worked example's -S has rho = -5.5 / sqrt(95) (``test_rsa_hand_values_and_scipy``), so
    R² = -5.5² / 95 = -30.25 / 95, and its share of a 0.5 ceiling is negative too."""
    fit = behavioural_fit(-S, human_similarity(IDX, ODD, 4), IDX, ODD, ceiling_r2=0.5, n_boot=5)
    assert fit["rsa_spearman"] == pytest.approx(-5.5 / np.sqrt(95.0))
    assert fit["r2"] == pytest.approx(-30.25 / 95) and fit["pct_of_ceiling"] == pytest.approx(-30.25 / 95 / 0.5 * 100)


def test_text_given_as_similarities_or_vectors_is_refused_in_one_line_naming_it():
    """``spearman(['a', 'b', 'c'], [1, 2, 3])`` ranked the text as if numbers and gave 1.0, ``pearson(['1', '2',
    '3'], ...)`` read the text as numbers, and a similarity matrix of text failed in numpy's float conversion ("could
    not convert string to float") in RSA, the fit, odd-one-out accuracy and the variance partition. Each now names
    the argument; numbers held as Python objects (a table's column) still count."""
    from bgs_hf.eval.partition import partition_pairs, variance_partition

    h = human_similarity(IDX, ODD, 4)
    text = np.full((4, 4), "a")
    model = "model similarity must be numbers, got 'a'"
    calls = [
        ("x must be numbers, got 'a'", lambda: spearman(["a", "b", "c"], [1, 2, 3])),
        ("y must be numbers, got 'c'", lambda: spearman([1, 2, 3], ["c", "b", "a"])),
        ("x must be numbers, got '1'", lambda: pearson(["1", "2", "3"], [1, 2, 3])),
        ("x must be numbers, got None", lambda: pearson(np.array([1, None, 3], dtype=object), [1, 2, 3])),
        ("y must be real numbers, got \\(1\\+1j\\)", lambda: pearson([1, 2, 3], [1 + 1j, 2, 3])),
        ("emb must be numbers, got 'a'", lambda: cosine_similarity_matrix([["a", "b"], ["c", "d"]])),
        (model, lambda: rsa_spearman(text, h)),
        (model, lambda: behavioural_fit(text, h, IDX, ODD, n_boot=0)),
        (model, lambda: ooo_acc_3way(text, IDX, ODD)),
        (model, lambda: partition_pairs(np.eye(4), text, h, None)),
        ("video must be numbers, got 'a'", lambda: variance_partition([1, 2, 3, 4, 5], ["a"] * 5, [1, 2, 3, 4, 6])),
    ]
    for message, call in calls:
        with pytest.raises(BGSInputError, match=f"^{message}$"):
            call()
    assert spearman(np.array([1, 2, 3], dtype=object), [1, 2, 4]) == pytest.approx(1.0)


def test_a_triplet_arrays_with_odd_given_too_says_to_name_the_arguments_after_it() -> None:
    """`human_similarity(data.triplets("test"), data.n_clips)` (as `split_half_ceiling(test, data.n_clips)` is called)
    put the clip count in `odd`, then blamed the triplets: "triplet indices must be whole numbers, got
    TripletArrays(...)"; `ooo_acc_3way(sim, trip, items)` put the items there: "odd must have shape (3,), got (4,)".
    Now either is one line saying the triplets hold their own odd-one-outs and to name what follows."""
    trip = SimpleNamespace(idx=IDX, odd=ODD)  # duck-typed TripletArrays
    sim = np.eye(4)
    for call, shown in ((lambda: human_similarity(trip, 4), "4"),
                        (lambda: ooo_acc_3way(sim, trip, np.arange(4)), "an array of shape (4,)")):
        with pytest.raises(BGSInputError) as info:
            call()
        assert str(info.value) == (f"a SimpleNamespace holds its own odd-one-outs, yet `odd` was given too ({shown}): "
                                   "name the arguments after it, e.g. n_items=... or items=...")
    np.testing.assert_array_equal(human_similarity(trip, n_items=4).n, human_similarity(IDX, ODD, 4).n)
    assert ooo_acc_3way(sim, trip, items=np.arange(4)) == ooo_acc_3way(sim, IDX, ODD, np.arange(4))


def test_a_models_torch_embeddings_are_scored_as_their_numbers():
    """Python journey: ``cosine_similarity_matrix(model(pixel_values))``, the README's embeddings (a tensor that
    requires grad), failed inside torch ("Can't call numpy() on Tensor that requires grad"), and a bf16 run's
    embeddings in numpy's conversion ("Got unsupported ScalarType BFloat16"). Every metric now reads a tensor's
    numbers: detached, on the CPU, bfloat16 widened; the graph is left as it was."""
    import torch

    emb = torch.randn(4, 8, generator=torch.Generator().manual_seed(0), requires_grad=True)
    np.testing.assert_array_equal(cosine_similarity_matrix(emb), cosine_similarity_matrix(emb.detach().numpy()))
    unit = torch.nn.functional.normalize(emb, dim=-1)
    sim = unit @ unit.T  # requires grad, as a model's similarity matrix does
    plain = sim.detach().numpy()
    h = human_similarity(torch.tensor(IDX), torch.tensor(ODD), 4)
    np.testing.assert_array_equal(h.n, human_similarity(IDX, ODD, 4).n)
    assert ooo_acc_3way(sim, IDX, ODD) == ooo_acc_3way(plain, IDX, ODD)
    assert ooo_acc_2way(sim, IDX, ODD) == ooo_acc_2way(plain, IDX, ODD)
    assert r2(sim, h) == r2(plain, h)
    assert spearman(emb[:, 0], emb[:, 1]) == spearman(emb.detach().numpy()[:, 0], emb.detach().numpy()[:, 1])
    fit = behavioural_fit(sim, h, IDX, ODD, n_boot=5)
    assert fit["rsa_spearman"] == behavioural_fit(plain, h, IDX, ODD, n_boot=5)["rsa_spearman"]
    half = emb.detach().bfloat16()
    np.testing.assert_array_equal(cosine_similarity_matrix(half), cosine_similarity_matrix(half.float().numpy()))
    assert emb.requires_grad and emb.grad is None and sim.requires_grad


def test_a_judgments_table_with_a_count_in_odds_place_says_to_name_the_arguments_after_it():
    """Python journey: ``human_similarity(judgments, n_clips)`` on a ``datasets`` judgments table (as
    ``split_half_ceiling(judgments, n_clips)`` is called) put the count in ``odd`` and said "odd must have shape
    (348,), got ()"; ``ooo_acc_3way(sim, table, items)`` put the items there. Now one line, as for a TripletArrays;
    the table's own ``odd`` column given again (one per row) is read as before."""
    import datasets
    import pandas as pd

    df = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "odd": ODD,
                       "participant": ["a", "b", "a"]})
    for table in (df, datasets.Dataset.from_pandas(df)):
        for call, shown in ((lambda t=table: human_similarity(t, 4), "4"),
                            (lambda t=table: ooo_acc_3way(S, t, np.arange(4)), "an array of shape (4,)")):
            with pytest.raises(BGSInputError) as info:
                call()
            assert str(info.value) == (f"a judgments table holds its own odd-one-outs, yet `odd` was given too "
                                       f"({shown}): name the arguments after it, e.g. n_items=... or items=...")
        np.testing.assert_array_equal(human_similarity(table, n_items=4).n, human_similarity(IDX, ODD, 4).n)
        np.testing.assert_array_equal(human_similarity(table, table["odd"], 4).k, human_similarity(IDX, ODD, 4).k)
        assert ooo_acc_3way(S, table, items=np.arange(4)) == ooo_acc_3way(S, IDX, ODD, np.arange(4))


def test_the_array_form_of_behavioural_fit_says_why_it_has_no_ceiling():
    """Python journey: ``behavioural_fit(sim, human, idx, odd)`` without ``ceiling_r2`` reported ``pct_of_ceiling``
    and ``ceiling_r2`` NaN with no word why (the container form says why beside a NaN ceiling, ``ceiling_why``); now
    its ``ceiling_why`` says how to get one, and a fit given its ceiling is as before."""
    h = human_similarity(IDX, ODD, 4)
    bare = behavioural_fit(S, h, IDX, ODD, n_boot=5)
    assert np.isnan(bare["pct_of_ceiling"]) and np.isnan(bare["ceiling_r2"])
    assert bare["ceiling_why"].startswith("no ceiling_r2 given: pass ceiling_r2=split_half_ceiling(")
    given = behavioural_fit(S, h, IDX, ODD, ceiling_r2=0.2, n_boot=5)
    assert "ceiling_why" not in given and given["pct_of_ceiling"] == pytest.approx(100 * given["r2"] / 0.2)
    assert [bare[k] for k in ("r2", "rsa_spearman", "ooo_acc_3way", "n_pairs")] == [
        given[k] for k in ("r2", "rsa_spearman", "ooo_acc_3way", "n_pairs")]


def test_a_list_of_a_models_grad_tensors_is_scored_as_their_stacked_numbers():
    """Python journey: ``cosine_similarity_matrix([model(x) for x in clips])`` (a list of tensors that require grad)
    failed inside torch, as numpy read each tensor ("Can't call numpy() on Tensor that requires grad"). A list of
    tensors is now read as numpy reads a list of arrays, stacked (``host_array``, so in every metric); a list of
    batches of different sizes, which numpy cannot stack, and one of equal batches, are one line saying to join them."""
    import torch

    rows = [torch.randn(8, generator=torch.Generator().manual_seed(k), requires_grad=True) for k in range(4)]
    plain = torch.stack(rows).detach().numpy()
    np.testing.assert_array_equal(cosine_similarity_matrix(rows), cosine_similarity_matrix(plain))
    np.testing.assert_array_equal(cosine_similarity_matrix(tuple(rows)), cosine_similarity_matrix(plain))
    sim = cosine_similarity_matrix(plain)
    assert ooo_acc_3way(list(torch.tensor(sim)), [torch.tensor(t) for t in IDX], ODD) == ooo_acc_3way(sim, IDX, ODD)
    assert spearman([r.sum() for r in rows], [1, 2, 3, 4]) == spearman(plain.sum(1), [1, 2, 3, 4])
    assert r2([torch.tensor(row, requires_grad=True) for row in sim], human_similarity(IDX, ODD, 4)) == r2(
        sim, human_similarity(IDX, ODD, 4))
    batches = [torch.randn(8, 4, requires_grad=True), torch.randn(3, 4)]
    with pytest.raises(BGSInputError, match=r"^a list of 2 tensors of different shapes \(\(3, 4\), \(8, 4\)\) cannot "
                                            r"be stacked: join a list of batches into one matrix with torch.cat"):
        cosine_similarity_matrix(batches)
    with pytest.raises(BGSInputError, match=r"got shape \(2, 8, 4\) \(a list of batches: join them into one with "
                                            r"torch.cat\(list\)\)$"):
        cosine_similarity_matrix([batches[0], batches[0]])
    assert all(b.requires_grad for b in rows) and rows[0].grad is None


def test_non_finite_embeddings_are_still_nan_but_named_once_by_their_row_count(caplog):
    """Python journey: embeddings with NaN (a NaN pixel, a diverged model) gave NaN R² and accuracies without a word
    saying which input was not finite. The numbers stay NaN (a diverged model's evaluation reads NaN, not an error:
    ``test_cosine_similarity_of_an_infinite_embedding_is_nan_without_a_warning``), and ``cosine_similarity_matrix``,
    where the rows are still known, says once how many of them hold NaN or inf, and which."""
    import torch

    emb = np.array([[1.0, 0.0], [0.0, 1.0], [np.inf, 1.0], [1.0, 1.0]])
    with caplog.at_level("WARNING", logger="bgs_hf.metrics.rsa"):
        sim = cosine_similarity_matrix(emb)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].startswith("1 of 4 embedding rows (clips) holds NaN or inf (row 2): those "
                                                 "clips' similarities are NaN"), said
    assert np.isnan(sim[2]).all() and np.isnan(r2(sim, human_similarity(IDX, ODD, 4)))
    caplog.clear()
    many = torch.randn(12, 3)
    many[[1, 4, 5, 6, 8, 11]] = float("nan")
    with caplog.at_level("WARNING", logger="bgs_hf.metrics.rsa"):
        cosine_similarity_matrix(many)
        cosine_similarity_matrix(np.eye(4))  # finite: no word
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "6 of 12 embedding rows (clips) hold NaN or inf (rows 1, 4, 5, 6, 8, and 1 more)"]


def test_a_gpu_or_float64_tensor_is_scored_as_its_own_numbers():
    """Mutation audit of 30508e5 and 3106ca1: ``host_array`` without ``.cpu()``, widening every tensor to float32,
    or ``whole_numbers`` reading a tensor with ``np.asarray`` passed (the tests' tensors were on the CPU, float32).
    A GPU run's embeddings and its judgments' index tensors (here a stand-in numpy refuses, as it does a CUDA
    tensor, until it is copied to the CPU) are scored as their numbers, and a float64 tensor keeps its precision:
    rounded to float32, 1 + 1e-12 tied with 1 and the ranks changed."""
    import torch

    message = "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory"

    class OnDevice(torch.Tensor):
        def numpy(self, *args, **kwargs):
            raise TypeError(message)

        def __array__(self, *args, **kwargs):
            raise TypeError(message)

        def cpu(self, *args, **kwargs):
            return self.as_subclass(torch.Tensor).clone()

    emb = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    gpu = emb.as_subclass(OnDevice).requires_grad_()
    with pytest.raises(TypeError, match="cuda"):
        np.asarray(gpu.detach())
    np.testing.assert_array_equal(cosine_similarity_matrix(gpu), cosine_similarity_matrix(emb.numpy()))
    h = human_similarity(torch.tensor(IDX).as_subclass(OnDevice), torch.tensor(ODD).as_subclass(OnDevice), 4)
    np.testing.assert_array_equal(h.n, human_similarity(IDX, ODD, 4).n)
    close = torch.tensor([1.0, 1.0 + 1e-12, 0.5], dtype=torch.float64)
    assert spearman(close, [1.0, 2.0, 0.0]) == spearman(close.numpy(), [1.0, 2.0, 0.0]) == 1.0
    np.testing.assert_array_equal(cosine_similarity_matrix(emb.double()), cosine_similarity_matrix(emb.double().numpy()))


def test_every_metric_entry_reads_a_grad_tensor_and_a_zero_d_count_tensor_as_their_numbers():
    """Python journey: ``signed_square``, ``spearman_brown`` and ``human_similarity(weights=...)`` on a tensor that
    requires grad failed inside torch ("Can't call numpy() on Tensor that requires grad"), ``triplet_sims`` cast
    clip 1.7 to 1, and ``n_items=torch.tensor(4)`` (a count computed in torch) was refused as no whole number. Each is
    now read as ``host_array`` reads a tensor (its numbers); a 0-d tensor as its number, a fraction or bool still not."""
    import torch

    from bgs_hf.metrics import signed_square, spearman_brown, triplet_sims
    from bgs_hf.metrics.bootstrap import check_count

    r = torch.tensor([0.5, -0.2], requires_grad=True)
    np.testing.assert_allclose(signed_square(r), [0.25, -0.04], rtol=1e-6)
    np.testing.assert_allclose(spearman_brown(r), [2 / 3, -0.5], rtol=1e-6)
    assert signed_square(torch.tensor(-0.5, requires_grad=True)) == -0.25
    weights = torch.tensor([1.0, 2.0, 0.0], requires_grad=True)
    np.testing.assert_array_equal(human_similarity(IDX, ODD, 4, weights=weights).n,
                                  human_similarity(IDX, ODD, 4, weights=[1.0, 2.0, 0.0]).n)
    with pytest.raises(BGSInputError, match="triplet indices must be whole numbers, got 1.7"):
        triplet_sims(S, [[0, 1.7, 2]])
    for n in (torch.tensor(4), torch.tensor(4.0), np.int64(4)):
        np.testing.assert_array_equal(human_similarity(IDX, ODD, n).n, human_similarity(IDX, ODD, 4).n)
    assert check_count(torch.tensor(7), "n_boot") == 7 and split_half_ceiling(
        SimpleNamespace(idx=IDX, odd=ODD, participant=np.array(["a", "b", "a"])), n_items=torch.tensor(4),
        n_splits=torch.tensor(2)).n_splits == 2
    class OnDevice(torch.Tensor):  # a GPU tensor's stand-in: numpy refuses it until it is copied to the CPU
        def __array__(self, *args, **kwargs):
            raise TypeError("can't convert cuda:0 device type tensor to numpy")

        def cpu(self, *args, **kwargs):
            return self.as_subclass(torch.Tensor).clone()

    codes = torch.tensor([0, 1, 0]).as_subclass(OnDevice)  # participant codes kept on the GPU
    assert split_half_ceiling(IDX, 4, 2, odd=ODD, participant=codes).n_pairs_both == split_half_ceiling(
        IDX, 4, 2, odd=ODD, participant=[0, 1, 0]).n_pairs_both == 1.0
    for bad in (torch.tensor(2.5), torch.tensor(True), torch.tensor([4])):
        with pytest.raises(BGSInputError, match="n_items must be a whole number"):
            human_similarity(IDX, ODD, bad)
    assert r.grad is None and weights.grad is None


def test_a_judgments_table_with_items_as_long_as_it_in_odds_place_says_to_name_them():
    """Python journey: ``ooo_acc_3way(sim, judgments, items)`` with as many items as the table has rows read the items
    as odd-one-outs ("odd must be 0, 1 or 2", or, items all below 3, a wrong accuracy without a word); only another
    length was said to be a misplaced argument. Now any ``odd`` other than the table's own column is that one line;
    the column given again is read as before."""
    import pandas as pd

    df = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "odd": ODD})
    for items in (np.array([0, 1, 3]), [1, 0, 0]):
        with pytest.raises(BGSInputError, match=r"^a judgments table holds its own odd-one-outs, yet `odd` was given "
                                                r"too \(an array of shape \(3,\)\): name the arguments after it"):
            ooo_acc_3way(S, df, items)
    assert ooo_acc_3way(S, df, list(ODD)) == ooo_acc_3way(S, IDX, ODD)


def test_a_model_matrix_holding_nan_names_its_rows_once_and_still_scores_nan(caplog):
    """Python journey: a model similarity matrix holding NaN (not built by ``cosine_similarity_matrix``, which names
    its embedding rows) passed to ``ooo_acc_3way``/``ooo_acc_2way``/``rsa_spearman``/``r2`` gave NaN without a word.
    Each now warns, once per matrix, naming by ``non_finite_rows`` the rows whose every pair scored is NaN (else the
    rows of the NaN pairs); the numbers stay as they were (NaN). NaN entries no pair reads (``human.p``'s diagonal)
    are not named, nor is a matrix whose embedding rows ``cosine_similarity_matrix`` named already."""
    sim = S.copy()
    sim[2, :] = sim[:, 2] = np.nan
    h = human_similarity(IDX, ODD, 4)
    for score in (lambda m: ooo_acc_3way(m, IDX, ODD), lambda m: ooo_acc_2way(m, IDX, ODD),
                  lambda m: rsa_spearman(m, h), lambda m: r2(m, h)):
        caplog.clear()
        with caplog.at_level("WARNING", logger="bgs_hf.metrics"):
            matrix = sim.copy()
            assert np.isnan(score(matrix)) and np.isnan(score(matrix))  # the second score of it: no word
        said = [r.getMessage() for r in caplog.records]
        assert len(said) == 1 and said[0].startswith(
            "1 of 4 model similarity rows (clips) holds NaN or inf (row 2) in every pair scored, so the score may be "
            "NaN"), said
    one = S.copy()
    one[0, 3] = one[3, 0] = np.inf
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, 1.0], [1.0, 1.0]])
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.metrics"):
        assert np.isnan(ooo_acc_3way(one, IDX, ODD))
        assert rsa_spearman(h.p, h) == 1.0 and ooo_acc_3way(S, IDX, ODD) == ooo_acc_3way(S, IDX, ODD)
        embedded = cosine_similarity_matrix(emb)
        assert np.isnan(r2(embedded, h)) and np.isnan(ooo_acc_3way(embedded, IDX, ODD))
    assert [r.getMessage().split(", so")[0].split(":")[0] for r in caplog.records] == [
        "2 of 4 model similarity rows (clips) hold NaN or inf (rows 0, 3) in a pair scored",
        "1 of 4 embedding rows (clips) holds NaN or inf (row 2)"]


def test_the_non_finite_rows_phrase_marks_more_rows_only_past_the_five_it_shows():
    """Mutation audit of f826695: ``, ...`` after 4 rows passed (the test named 1 and 6): exactly five non-finite rows
    are all shown, with nothing said to be left out; integer pixels (uint8) hold no NaN and are never named."""
    from bgs_hf.metrics.similarity import non_finite_rows

    five = np.zeros((8, 2))
    five[[0, 2, 3, 5, 7]] = np.nan
    assert non_finite_rows(five, "embedding") == "5 of 8 embedding rows (clips) hold NaN or inf (rows 0, 2, 3, 5, 7)"
    assert non_finite_rows(np.zeros((3, 2), dtype=np.uint8), "pixel input") is None


def test_a_finite_model_matrix_gathers_no_pair_rows_for_the_non_finite_warning(monkeypatch):
    """Hot path: ``triplet_sims`` (every per-judgment accuracy, each bootstrap's and ceiling's) gathered every pair's
    rows for the NaN warning even when all similarities were finite, 2-3x its time on 20,000 judgments. Only a
    matrix holding NaN or inf now reaches ``warn_non_finite_pairs``; the accuracies are as before."""
    from bgs_hf.metrics import ooo

    def never(*args: object) -> None:
        raise AssertionError("warn_non_finite_pairs reached")

    monkeypatch.setattr(ooo, "warn_non_finite_pairs", never)
    np.testing.assert_array_equal(ooo_acc_3way_per_judgment(S, IDX, ODD), [1.0, 0.0, 0.0])
    assert ooo_acc_2way(S, IDX, ODD) == 2 / 3
    sim = S.copy()
    sim[2, :] = sim[:, 2] = np.nan
    with pytest.raises(AssertionError, match="warn_non_finite_pairs reached"):
        ooo_acc_3way(sim, IDX, ODD)


def test_the_non_finite_warning_names_the_rows_scored_once_a_matrix_holds_nan_and_a_list_each_time(caplog):
    """Mutation audit of 2bd3eaa: the rows named for an items-local matrix (``r2(sub, human, items)``) are the rows of
    the matrix given, counted out of its size (the global pair indices named row 3 "of 4" of a 3×3 matrix); a clip
    no judgment names is never named (without ``n_read > 0`` it was "in every pair scored", and the rows of the inf
    pair were not named); a matrix scored while finite and then given NaN in place (a buffer refilled each epoch) is
    said when it first holds NaN (were every matrix scored remembered, the diverged epoch said nothing); a nested list holding NaN (no weak reference to remember it by) scores NaN with the warning each time, as it did
    before the registry (without its ``except TypeError`` it failed with "cannot create weak reference")."""
    h = human_similarity(IDX, ODD, 4)
    items = [0, 1, 3]
    sub = S[np.ix_(items, items)].copy()
    sub[2, :] = sub[:, 2] = np.nan
    nested = S.tolist()
    nested[2] = [float("nan")] * 4
    for row in nested:
        row[2] = float("nan")
    unjudged = np.pad(S, ((0, 1), (0, 1)), constant_values=0.5)  # clip 4: in the matrix, in no triplet
    unjudged[0, 3] = unjudged[3, 0] = np.inf
    buffer = S.copy()
    with caplog.at_level("WARNING", logger="bgs_hf.metrics"):
        assert r2(buffer, h) == r2(S, h) and ooo_acc_3way(buffer, IDX, ODD) == ooo_acc_3way(S, IDX, ODD)
        buffer[2, :] = buffer[:, 2] = np.nan
        assert np.isnan(r2(buffer, h))
        assert np.isnan(ooo_acc_3way(unjudged, IDX, ODD))
        assert np.isnan(r2(sub, h, items))
        assert np.isnan(r2(nested, h)) and np.isnan(r2(nested, h))
    assert [r.getMessage().split(", so")[0] for r in caplog.records] == [
        "1 of 4 model similarity rows (clips) holds NaN or inf (row 2) in every pair scored",
        "2 of 5 model similarity rows (clips) hold NaN or inf (rows 0, 3) in a pair scored",
        "1 of 3 model similarity rows (clips) holds NaN or inf (row 2) in every pair scored"] + [
        "1 of 4 model similarity rows (clips) holds NaN or inf (row 2) in every pair scored"] * 2


def test_a_ceiling_is_one_number_not_a_list_of_one_or_none():
    """Mutation audit of 6b31f49: ``positive_ceiling`` taking any one-element value (a record's ``[0.5]``, a list
    where a number belongs, shown as a ceiling "100%") and ``real_number`` reading an empty array past its end
    (an IndexError, not the one-line refusal) passed; the tests gave a 0-d tensor and two values only."""
    import torch

    from bgs_hf.metrics.bootstrap import positive_ceiling
    from bgs_hf.metrics.similarity import real_number

    for one in ([0.5], np.array([0.5]), torch.tensor([0.5])):
        assert positive_ceiling(one) is False, one
    assert positive_ceiling(np.float32(0.5)) is True and positive_ceiling(torch.tensor(0.5)) is True
    for empty in (np.array([]), torch.tensor([]), []):
        with pytest.raises(BGSInputError, match=r"^ceiling must be one number, got 0 values \(shape \(0,\)\)$"):
            pct_of_ceiling(0.25, empty)
        with pytest.raises(BGSInputError, match=r"^r2 must be one number, got 0 values"):
            real_number(empty, "r2")


def test_a_bootstrap_interval_does_not_depend_on_the_row_order_of_the_embeddings():
    """A user's embeddings saved in another clip order, scored with ``items`` in that order: the R² and accuracies
    were the same, but every clip bootstrap drew its clips by position in ``items``, so the same data and seed gave
    another interval (R² [0.26, 0.54] or another by order) and another paired p. Now the clips are drawn in clip
    order: each resample is the global matrix's (up to the rounding of sums over the pairs in another order)."""
    idx, odd, _, model, rng = _toy(n_trip=120)
    other = cosine_similarity_matrix(rng.normal(size=(14, 4)))
    h = human_similarity(idx, odd, 14)
    order = np.random.default_rng(5).permutation(14)
    local, local_other = model[np.ix_(order, order)], other[np.ix_(order, order)]
    for stat in ("r2", "rsa_pearson", "ooo_acc_3way", "ooo_acc_2way"):
        want = bootstrap_ci(model, h, idx=idx, odd=odd, stat=stat, n_boot=30, seed=3)
        got = bootstrap_ci(local, h, order, idx=idx, odd=odd, stat=stat, n_boot=30, seed=3)
        np.testing.assert_allclose(got.samples, want.samples, rtol=1e-12, atol=1e-15, err_msg=stat)
        pair_want = paired_bootstrap(model, other, h, idx=idx, odd=odd, stat=stat, n_boot=30, seed=3)
        pair_got = paired_bootstrap(local, local_other, h, order, idx=idx, odd=odd, stat=stat, n_boot=30, seed=3)
        assert (pair_got.low, pair_got.high, pair_got.p_value) == pytest.approx(
            (pair_want.low, pair_want.high, pair_want.p_value), rel=1e-12, abs=1e-15), stat
    fit_want = behavioural_fit(model, h, idx, odd, ceiling_r2=0.5, n_boot=30, seed=3)
    fit_got = behavioural_fit(local, h, idx, odd, order, 0.5, n_boot=30, seed=3)
    assert fit_got["r2_ci"] == pytest.approx(fit_want["r2_ci"], rel=1e-12) and fit_got["r2"] == pytest.approx(fit_want["r2"])
    for got_mult, want_mult in zip(clip_resamples(order, 14, 3, seed=3, human=h),
                                   clip_resamples(np.arange(14), 14, 3, seed=3, human=h)):
        np.testing.assert_array_equal(got_mult, want_mult)


def test_embeddings_of_a_clip_no_judgment_names_point_to_n_items():
    """Embeddings of every clip, the last judged by no one, and a human similarity built without ``n_items`` (which
    then ends at the last clip judged): the matrix was refused with the hint to pass ``items=`` and ``items`` naming
    that clip as "items must lie in 0..5", neither saying what to do (``items=`` of all 7 clips was refused in turn).
    Now both name ``n_items=`` and the count, and with it the R² is the one over the judged clips."""
    idx, odd, _, model, _ = _toy(n_items=6, n_trip=60)
    seven = np.eye(7)
    seven[:6, :6] = model
    h = human_similarity(idx, odd)
    assert h.n_items == 6
    with pytest.raises(BGSInputError, match=r"7×7, expected 6; .*human_similarity\(\.\.\., n_items=7\)"):
        r2(seven, h)
    with pytest.raises(BGSInputError, match=r"7×7, expected 6; .*n_items=7"):
        behavioural_fit(seven, h, idx, odd, n_boot=5)
    order = np.array([6, 2, 0, 5, 1, 4, 3])
    with pytest.raises(BGSInputError, match=r"items must lie in 0\.\.5, got 6; .*human_similarity\(\.\.\., n_items=7\)"):
        r2(seven[np.ix_(order, order)], h, order)
    with pytest.raises(BGSInputError, match=r"items must lie in 0\.\.5, got 6; .*n_items=7"):
        bootstrap_ci(seven[np.ix_(order, order)], h, order, n_boot=5)
    with pytest.raises(BGSInputError, match=r"items must lie in 0\.\.5, got -1$"):  # no n_items helps a negative clip
        h.pairs(items=[-1, 0])
    h7 = human_similarity(idx, odd, n_items=7)
    assert r2(seven, h7) == r2(seven[np.ix_(order, order)], h7, order) == pytest.approx(r2(model, h))
    with pytest.raises(BGSInputError, match=r"5×5, expected 6; .*pass items="):  # a smaller matrix keeps its hint
        r2(model[:5, :5], h)


def test_a_judgments_table_read_from_a_csv_with_is_catch_as_1_and_0_drops_its_flagged_rows():
    """A user's own judgments CSV read by ``pd.read_csv``, its ``is_catch`` column written 1/0 (as ``data import``
    reads it): every metric given the table was refused ("column is_catch must hold True/False, got [0] (int64); read
    the table with bgs_hf.data.load", which reads no bare CSV). Now 1/0 (int or float) are the flags; 2 still refused."""
    import io

    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd],
                       "participant": ["a", "b", "a", "c", "c"], "is_catch": [0, 0, 0, 1, 1]})
    table = pd.read_csv(io.StringIO(df.to_csv(index=False)))
    want = human_similarity(IDX, ODD, 4)
    for got_table in (table, table.astype({"is_catch": float})):
        got = human_similarity(got_table, None, 4)
        np.testing.assert_array_equal(got.n, want.n)
        np.testing.assert_array_equal(got.k, want.k)
        assert ooo_acc_3way(S, got_table) == ooo_acc_3way(S, IDX, ODD)
        assert loo_ceiling(got_table, 4).n_participants == 2
    with pytest.raises(BGSInputError, match=r"is_catch must hold True/False \(or 1/0\), got \[2\]"):
        human_similarity(table.assign(is_catch=[0, 0, 0, 1, 2]), None, 4)


def test_a_ceiling_result_is_read_as_its_r2_and_a_bad_ceiling_is_refused_before_the_bootstrap(monkeypatch):
    """Python journey: ``behavioural_fit(..., ceiling_r2=split_half_ceiling(trip, n))``, the object rather than its
    ``.r2``, was refused ("ceiling must be numbers, got CeilingResult(...)") only after the bootstrap had run (seconds
    to minutes at scale), as was text. A CeilingResult now reads as its ``r2`` (in ``pct_of_ceiling`` too); a
    LooCeilingResult, which has two bounds, and text are refused before any work."""
    import bgs_hf.metrics.fit as fit_mod
    from bgs_hf.metrics import CeilingResult, LooCeilingResult

    ceiling = CeilingResult(0.2, (0.1, 0.3), 0.45, 10, 12.0, np.full(10, 0.2), np.full(10, 0.3))
    h = human_similarity(IDX, ODD, 4)
    given = behavioural_fit(S, h, IDX, ODD, ceiling_r2=ceiling, n_boot=5)
    plain = behavioural_fit(S, h, IDX, ODD, ceiling_r2=0.2, n_boot=5)
    assert given.keys() == plain.keys()
    np.testing.assert_equal([given[k] for k in plain], [plain[k] for k in plain])  # NaN == NaN here
    assert type(given["ceiling_r2"]) is float and given["ceiling_r2"] == 0.2
    assert pct_of_ceiling(0.05, ceiling) == pytest.approx(25.0)

    def no_bootstrap(*args, **kwargs):
        raise AssertionError("the bootstrap ran before the ceiling was checked")

    monkeypatch.setattr(fit_mod, "bootstrap_ci", no_bootstrap)
    loo = LooCeilingResult(0.5, 0.7, 0.25, 0.49, 0.6, 0.8, 3, 12, 9)
    with pytest.raises(BGSInputError, match=r"^ceiling_r2: a LooCeilingResult has two bounds; pass its r2_lower or "
                                            r"r2_upper$"):
        behavioural_fit(S, h, IDX, ODD, ceiling_r2=loo, n_boot=5)
    with pytest.raises(BGSInputError, match="^ceiling_r2 must be numbers, got '0.2'$"):
        behavioural_fit(S, h, IDX, ODD, ceiling_r2="0.2", n_boot=5)
    with pytest.raises(BGSInputError, match="^ceiling: a LooCeilingResult has two bounds"):
        pct_of_ceiling(0.05, loo)


def _labelled_toy(labels: np.ndarray, seed: int = 0, n_trip: int = 300):
    """``_toy``'s judgments and model over ``len(labels)`` clips, the clips named by ``labels`` (a lab's video
    numbers) and by their numbering 0..n-1 (``np.unique``'s codes, as the refusal tells a user to make)."""
    idx, odd, participant, model, _ = _toy(seed, n_items=len(labels), n_trip=n_trip)
    labels = np.sort(np.asarray(labels))
    return labels[idx], idx, odd, participant, model, labels


def _peak_bytes(call):
    """The most memory ``call()`` held at once (tracemalloc, which counts numpy's arrays), and what it returned or
    raised."""
    import tracemalloc

    tracemalloc.start()
    try:
        try:
            out = call()
        except BGSInputError as err:
            out = err
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def test_clip_ids_that_are_labels_are_refused_before_any_n_by_n_matrix_naming_how_to_number_them():
    """A lab's video numbers (100000) given as clip indices: ``human_similarity`` and the bootstraps made N×N matrices
    of N = largest id + 1 (100,001², 80 GB each, several) until memory ran out. Now one line, before any matrix:
    the largest id, the distinct clips, how to number them and the n_items= way for a set that big. Measured at ids
    up to 5000 (about 1 GB of matrices before); the same line for 100000."""
    named, codes, odd, _, model, labels = _labelled_toy([100, 2500, 700, 1200, 5000, 555, 999, 4242])
    peak, err = _peak_bytes(lambda: human_similarity(named, odd))
    assert isinstance(err, BGSInputError) and peak < 20e6, (peak, err)
    text = str(err)
    assert "run to 5,000 but name only 8 distinct clips" in text and "5,001×5,001 (0.2 GB each)" in text, text
    assert "np.unique(idx, return_inverse=True)" in text and "numbered 0..7" in text, text
    assert text.endswith("human_similarity(..., n_items=5001)"), text
    for call in (lambda: bootstrap_ci(model, items=labels, idx=named, odd=odd, n_boot=5),  # an items-local matrix
                 lambda: bootstrap_ci(model, items=labels, idx=named, odd=odd, stat="ooo_acc_3way", n_boot=5),
                 lambda: paired_bootstrap(model, model, items=labels, idx=named, odd=odd, n_boot=5)):
        peak, err = _peak_bytes(call)
        assert isinstance(err, BGSInputError) and "8 distinct clips" in str(err) and peak < 20e6, (peak, err)
    with pytest.raises(BGSInputError, match=r"run to 100,000 but name only 8 distinct clips: .*\(80\.0 GB each\)"):
        human_similarity(np.where(named == 5000, 100000, named), odd)
    # numbered as the line says, the same judgments score as the same clips always did
    clips, numbered = np.unique(named, return_inverse=True)
    assert np.array_equal(clips, labels) and np.array_equal(numbered.reshape(-1, 3), codes)
    assert r2(model, human_similarity(numbered.reshape(-1, 3), odd)) == r2(model, human_similarity(codes, odd))


def test_sparse_clip_indices_of_a_real_clip_set_or_an_explicit_n_items_are_not_refused(monkeypatch):
    """The label check refuses only what no clip set is: a few clips of a set that is small (a 250-clip set's clips,
    most unjudged), one judged densely enough (a tenth of its clips), or sized by an explicit n_items, are built as
    before (stood in for here at the matrices' own step, which is not then run)."""
    import bgs_hf.metrics.similarity as similarity

    named, _, odd, _, model, labels = _labelled_toy([3, 40, 77, 120, 181, 249, 200, 9])
    assert human_similarity(named, odd).n_items == 250  # a 250-clip set, 8 clips judged
    assert bootstrap_ci(model, items=labels, idx=named, odd=odd, n_boot=5).estimate == pytest.approx(
        r2(model, human_similarity(named, odd), labels))

    def built(idx, odd, n_items, weights=None):
        raise LookupError(n_items)

    monkeypatch.setattr(similarity, "similarity_counts", built)
    far, _, far_odd, _, _, _ = _labelled_toy([100, 2500, 700, 1200, 5000, 555, 999, 4242])
    edge = np.where(far == 5000, 4095, np.where(far == 4242, 4000, far))  # 4096 clips: at the limit
    dense = np.concatenate([far, np.arange(0, 5001, 10)[:, None] + [0, 1, 2]])  # 1,500+ of 5001 clips judged
    for idx, odd_, n_items, want in ((far, far_odd, 5001, 5001), (far, far_odd, 100001, 100001),
                                     (edge, far_odd, None, 4096), (dense, np.zeros(len(dense), int), None, 5003)):
        with pytest.raises(LookupError) as got:
            human_similarity(idx, odd_, n_items)
        assert got.value.args == (want,)


def test_ceilings_and_accuracies_of_clip_ids_that_are_labels_hold_no_table_as_long_as_the_largest_id():
    """The ceilings and accuracies never needed N×N: given labels they gave the numbers of the labels' numbering,
    but the leave-one-out ceiling counted over all N(N-1)/2 pairs (ids up to 6000: 290 MB; 100000: 80 GB) and an
    accuracy over ``items`` built a lookup as long as the largest id (8 bytes an id: 80 GB for ids of 10 billion).
    Now both as little as the judgments need, with the same numbers; and repeat agreement keyed each triplet as
    a·N² + b·N + c, which wrapped round int64 for ids past 2 million and counted two triplets as one repeated."""
    named, codes, odd, participant, model, labels = _labelled_toy([100, 2500, 700, 1200, 6000, 555, 999, 4242])
    want = loo_ceiling(codes, odd=odd, participant=participant)
    peak, got = _peak_bytes(lambda: loo_ceiling(named, odd=odd, participant=participant))
    assert peak < 20e6 and got == want, (peak, got, want)
    big = labels * 10**9  # ids of up to 6 trillion, 8 bytes each in a lookup table
    peak, acc = _peak_bytes(lambda: ooo_acc_3way(model, big[codes], odd, big))
    assert peak < 20e6 and acc == ooo_acc_3way(model, codes, odd), (peak, acc)
    assert ooo_acc_2way(model[::-1, ::-1], big[codes], odd, big[::-1]) == ooo_acc_2way(model, codes, odd)  # rows in
    # another order
    got = split_half_ceiling(named, odd=odd, participant=participant, n_splits=5)
    assert got.r2 == split_half_ceiling(codes, odd=odd, participant=participant, n_splits=5).r2
    # two triplets whose a·N² + b·N + c differ by exactly 2**64 (N = 3,000,001), each answered once: no repeat
    from bgs_hf.metrics import repeat_agreement

    pair = np.array([[0, 2508038, 2589983], [2049637, 2100000, 2500000], [1, 2, 3_000_000]])
    res = repeat_agreement(pair, np.zeros(3, int))
    assert res.n_triplets == 0 and np.isnan(res.agreement), res
    twice = np.concatenate([pair, pair[:1]])
    assert repeat_agreement(twice, np.array([0, 0, 0, 1])).n_triplets == 1


def test_an_is_catch_column_names_its_first_value_that_is_no_flag():
    """``pd.read_csv`` of a True/False ``is_catch`` column with a cell left empty gives an object column: it was
    refused as "must hold True/False (or 1/0), got [False] (object)", naming a valid flag, not the empty cell. Now the
    first value that is no flag is named (``nan``; ``'no'`` in a column of text, as before), and an object column of
    True/False alone (pandas' ``boolean`` dtype, a column built from Python bools) is read as the flags, and 1/0
    unsigned as signed."""
    import io

    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd],
                       "is_catch": [False, False, False, True, True]})
    want = human_similarity(IDX, ODD, 4)
    for flags in (df.astype({"is_catch": object}), df.astype({"is_catch": "boolean"}),
                  df.astype({"is_catch": np.uint8})):  # 1/0 unsigned (a parquet's uint8) as signed
        got = human_similarity(flags, None, 4)
        np.testing.assert_array_equal(got.n, want.n)
        np.testing.assert_array_equal(got.k, want.k)
    empty = pd.read_csv(io.StringIO(df.assign(is_catch=[False, True, None, False, True]).to_csv(index=False)))
    assert empty["is_catch"].dtype == object
    with pytest.raises(BGSInputError, match=r"is_catch must hold True/False \(or 1/0\), got \[nan\] \(object\)"):
        human_similarity(empty, None, 4)
    with pytest.raises(BGSInputError, match=r"got \['no'\] \(object\)"):
        human_similarity(df.assign(is_catch=["no", "no", "no", "yes", "yes"]), None, 4)


def test_an_is_catch_refusal_of_a_users_own_csv_says_what_to_write_not_only_to_use_data_load():
    """The refusal of a CSV's ``is_catch`` with an empty cell (or a 2) ended "read the table with bgs_hf.data.load",
    which reads no bare CSV: the user's own table was told to go through a reader that refuses it. It says what to
    write in the column, and that data.load is for a release or Hub-layout folder."""
    import io

    import pandas as pd

    df = pd.DataFrame({"clip_a": IDX[:, 0], "clip_b": IDX[:, 1], "clip_c": IDX[:, 2], "odd": ODD,
                       "is_catch": [False, None, True]})
    empty = pd.read_csv(io.StringIO(df.to_csv(index=False)))
    for table in (empty, df.assign(is_catch=[0, 2, 1])):
        with pytest.raises(BGSInputError) as err:
            human_similarity(table, None, 4)
        message = str(err.value)
        assert "write True/False or 1/0 in every row" in message, message
        assert "read a release or Hub-layout folder with bgs_hf.data.load" in message, message
        assert "in every row (an empty cell is neither)" in message, message  # the NaN shown is the empty cell


def test_an_object_is_catch_column_of_1_and_0_reads_as_the_int_column_does():
    """An ``is_catch`` column of 1/0 held as objects (a pandas column mixing ints with True/False, or read from JSON
    or Excel) was refused ("must hold True/False (or 1/0), got [0] (object)") while the int and bool columns of the
    same values were read. Now Python and numpy ints 1/0 in an object column are the flags; -1, 0.5, 2 and 'maybe' are
    still refused, each named as written (``2``, not ``np.int64(2)``)."""
    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd]})
    want = human_similarity(IDX, ODD, 4)
    for flags in ([0, 0, 0, 1, 1], [np.int64(0), 0, False, np.int8(1), True], [0, 0, 0, 1, True]):
        table = df.assign(is_catch=pd.Series(flags, dtype=object))
        assert table["is_catch"].dtype == object
        got = human_similarity(table, None, 4)
        np.testing.assert_array_equal(got.n, want.n)
        np.testing.assert_array_equal(got.k, want.k)
        assert ooo_acc_3way(S, table) == ooo_acc_3way(S, IDX, ODD)
    for bad, shown in ((-1, r"-1"), (0.5, r"0\.5"), (np.int64(2), r"2"), ("maybe", r"'maybe'")):
        table = df.assign(is_catch=pd.Series([0, 0, 0, 1, bad], dtype=object))
        with pytest.raises(BGSInputError, match=rf"is_catch must hold True/False \(or 1/0\), got \[{shown}\] \(object\)"):
            human_similarity(table, None, 4)


def test_an_object_is_catch_column_of_text_0_and_1_is_refused_and_float_flags_are_read():
    """Text "0"/"1" in an object ``is_catch`` column is no flag: read as truthy, "0" would drop every row as a catch
    trial without a word, so it is refused, named as written. Floats 1.0/0.0 (a column that was float beside ints or
    True/False) are the flags they equal, as in a float column."""
    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd]})
    for text in ("0", "1"):
        table = df.assign(is_catch=pd.Series([0, 0, 0, 1, text], dtype=object))
        with pytest.raises(BGSInputError, match=rf"is_catch must hold True/False \(or 1/0\), got \['{text}'\] "
                                                r"\(object\)"):
            human_similarity(table, None, 4)
    want = human_similarity(IDX, ODD, 4)
    table = df.assign(is_catch=pd.Series([0.0, np.float64(0.0), False, 1.0, np.float32(1.0)], dtype=object))
    got = human_similarity(table, None, 4)
    np.testing.assert_array_equal(got.n, want.n)
    np.testing.assert_array_equal(got.k, want.k)


def test_repeat_agreement_keys_distinct_triplets_of_ids_past_2_million_apart_as_small_ids_do():
    """Past 2 million (a·N² + b·N + c past int64) the key is rebuilt over the clips numbered 0..D-1 and their (a, b)
    pairs numbered 0..P-1: each part must keep the triplets apart, or two triplets read as one repeated. Here
    (a, b) pairs (0, 3) and (1, 2) with the same c, and pair ranks 0 and 1 with c 5 and 4, are four triplets; each
    answered twice, the agreement is that of the same judgments over clips numbered 0..5."""
    from bgs_hf.metrics import repeat_agreement

    codes = np.array([[0, 3, 4], [1, 2, 4], [0, 1, 5], [0, 2, 4]])
    labels = np.array([10, 11, 12, 13, 3_000_000, 3_000_001])  # base³ past 2**63: the renumbered key
    once = repeat_agreement(labels[codes], np.zeros(4, int))
    assert once.n_triplets == 0 and np.isnan(once.agreement), once
    twice, odd = np.concatenate([codes, codes]), np.array([0, 1, 2, 0, 0, 1, 1, 0])
    got, want = repeat_agreement(labels[twice], odd), repeat_agreement(twice, odd)
    assert (got.n_triplets, got.agreement, got.majority_acc_3way) == (4, want.agreement, want.majority_acc_3way)


def test_clip_ids_at_exactly_label_ratio_times_the_distinct_clips_are_a_clip_set_not_labels():
    """The label check refuses past LABEL_RATIO (10) times the distinct clips named, as its docs say: a split of a
    tenth of a set's clips by global index (500 of 5000 clips, the last one named) is a clip set, built as before."""
    from bgs_hf.metrics.similarity import LABEL_RATIO, matrix_clip_count

    named = np.r_[np.arange(0, 4990, 10), 4999]  # 500 distinct clips, largest index 4999: 5000 clips
    assert LABEL_RATIO * np.unique(named).size == 5000 and matrix_clip_count(named) == 5000
    with pytest.raises(BGSInputError, match="name only 500 distinct clips"):
        matrix_clip_count(np.r_[named[:-1], 5000])  # 5001 clips: past ten times the 500


def test_an_is_catch_column_of_numpy_bools_held_as_objects_is_read_as_its_flags():
    """Mutation audit of 42d82d3: an object column is read as flags when it holds True/False alone, and numpy's
    ``np.True_``/``np.False_`` are those flags as Python's are (a column built from numpy comparisons, kept as
    objects by ``pd.Series(..., dtype=object)`` or a concat); testing Python's ``bool`` alone refused it as
    "got [False] (object)", naming a valid flag."""
    import pandas as pd

    extra_idx, extra_odd = np.array([[1, 2, 3], [3, 2, 0]]), np.array([0, 1])
    flags = pd.Series([np.False_, np.False_, np.False_, np.True_, np.True_], dtype=object)
    df = pd.DataFrame({"clip_a": [*IDX[:, 0], *extra_idx[:, 0]], "clip_b": [*IDX[:, 1], *extra_idx[:, 1]],
                       "clip_c": [*IDX[:, 2], *extra_idx[:, 2]], "odd": [*ODD, *extra_odd], "is_catch": flags})
    assert df["is_catch"].dtype == object and isinstance(np.asarray(df["is_catch"])[0], np.bool_)
    want = human_similarity(IDX, ODD, 4)
    got = human_similarity(df, None, 4)
    np.testing.assert_array_equal(got.n, want.n)
    np.testing.assert_array_equal(got.k, want.k)
