"""Noise ceilings against hand-computed values and slow loop references."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata, spearmanr

from bgs_hf.errors import BGSInputError
from bgs_hf.metrics import human_similarity, loo_ceiling, repeat_agreement, spearman_brown, split_half_ceiling
from bgs_hf.metrics.ceiling import compact_pair_ids
from bgs_hf.metrics.rsa import FractionRanker

# Two participants, N = 4: every split puts one in each half, so the ceiling is fully determined.
# A: (0,1,2) odd 2 -> keep 01 | (0,1,3) odd 2 -> keep 01 | (0,2,3) odd 1 -> keep 03 | (1,2,3) odd 0 -> keep 23
#    p over pairs (01,02,03,12,13,23) = [1, 0, .5, 0, 0, .5]   ranks [6, 2, 4.5, 2, 2, 4.5]
# B: (0,1,2) odd 0 -> keep 12 | (0,1,3) odd 2 -> keep 01 | (0,2,3) odd 2 -> keep 02 | (1,2,3) odd 2 -> keep 12
#    p = [.5, .5, 0, 1, 0, 0]                                   ranks [4.5, 4.5, 2, 6, 2, 2]
# rank deviations [2.5,-1.5,1,-1.5,-1.5,1] and [1,1,-1.5,2.5,-1.5,-1.5]: cov -3.5, both sums of squares 15
# r = -7/30; Spearman-Brown 2r/(1+r) = -14/23; signed square = -196/529
TRIP = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]] * 2)
ODD = np.array([2, 2, 1, 0, 0, 2, 2, 2])
PART = np.array(["A"] * 4 + ["B"] * 4)


def test_split_half_hand_value():
    res = split_half_ceiling(TRIP, 4, n_splits=5, participant=PART, odd=ODD)
    np.testing.assert_allclose(res.r_splits, -7 / 30)
    assert res.r_sb == pytest.approx(-14 / 23)
    assert res.r2 == pytest.approx(-196 / 529)
    assert res.ci == pytest.approx((-196 / 529, -196 / 529))
    assert res.n_pairs_both == 6
    trip = SimpleNamespace(idx=TRIP, odd=ODD, participant=PART)
    assert split_half_ceiling(trip, 4, n_splits=2).r2 == pytest.approx(res.r2)
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    with pytest.raises(BGSInputError):
        split_half_ceiling(TRIP, 4, odd=ODD, participant=np.array(["A"] * 8))


def _random(seed: int, n_items: int = 12, n_trip: int = 600, n_part: int = 9):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n_items, 3))
    idx = np.array([rng.choice(n_items, 3, replace=False) for _ in range(n_trip)])
    s = emb @ emb.T
    logit = np.stack([s[idx[:, 1], idx[:, 2]], s[idx[:, 0], idx[:, 2]], s[idx[:, 0], idx[:, 1]]], 1)
    odd = (logit + rng.gumbel(size=logit.shape)).argmax(1)
    part = rng.integers(0, n_part, n_trip)
    return idx, odd, part


def test_spearman_brown_is_clipped_to_a_correlation():
    # 2r/(1+r) is below -1 for r < -1/3 and -inf at r = -1; a reliability cannot be
    assert spearman_brown(-0.5) == -1.0  # unclipped: -2
    with warnings.catch_warnings():  # mutation audit: 2·(-1)/0 warned "divide by zero" without the errstate
        warnings.simplefilter("error")
        assert spearman_brown(-1.0) == -1.0  # unclipped: -inf, which used to drop the split from the mean silently
    assert spearman_brown(-0.2) == pytest.approx(-0.5)  # inside the range: unchanged
    np.testing.assert_allclose(spearman_brown(np.array([0.0, 1.0, np.nan])), [0.0, 1.0, np.nan])
    # two participants who disagree: r = -0.4833 on every split -> -1 (was -1.87), r2 -1 (was -3.5)
    odd = np.array([2, 2, 1, 0, 0, 1, 2, 2])
    res = split_half_ceiling(TRIP, 4, n_splits=4, odd=odd, participant=PART)
    assert res.r_splits[0] < -1 / 3
    assert res.r_sb == -1.0 and res.r2 == -1.0


def test_ceilings_check_clip_indices_and_empty_input():
    with pytest.raises(BGSInputError, match="outside 0..2"):
        split_half_ceiling(TRIP, 3, odd=ODD, participant=PART)  # clip 3 would alias another pair's id
    with pytest.raises(BGSInputError, match="outside 0..2"):
        loo_ceiling(TRIP, 3, odd=ODD, participant=PART)
    empty = np.zeros((0, 3), dtype=np.int64)
    with pytest.raises(BGSInputError, match="at least one judgment"):
        split_half_ceiling(empty, odd=np.zeros(0, dtype=np.int64), participant=np.zeros(0))


@pytest.mark.parametrize("ceiling", [split_half_ceiling, loo_ceiling])
def test_ceilings_without_participants_say_where_to_give_them(ceiling):
    """Coverage audit: no test ran the refusal of judgments with no participant (arrays without ``participant=``, a
    table without the column); it now also says how to give them."""
    table = pd.DataFrame({"clip_a": TRIP[:, 0], "clip_b": TRIP[:, 1], "clip_c": TRIP[:, 2], "odd": ODD})
    want = (r"^noise ceilings need a participant per judgment: pass participant= \(one per judgment\) or a judgments "
            r"table with a participant column$")
    for trip, odd in ((TRIP, ODD), (table, None)):
        with pytest.raises(BGSInputError, match=want):
            ceiling(trip, 4, odd=odd)


@pytest.mark.parametrize("design", [{}, {"seed": 2, "n_trip": 80, "n_part": 5}], ids=["dense", "sparse"])
def test_split_half_matches_reference_loop(design):
    """The sparse design leaves pairs seen in one half only (mutation audit: taking pairs seen in *either* half, the
    interval's tails not halved, and ``r_sb`` / ``n_pairs_both`` as median / max passed the dense design's checks)."""
    idx, odd, part = _random(**{"seed": 0, **design})
    res = split_half_ceiling(idx, 12, n_splits=7, seed=3, odd=odd, participant=part, ci=0.8)
    rng = np.random.default_rng(3)  # same draws as the implementation: one permutation per split
    n_part = len(np.unique(part))
    ref, ref_sb, ref_both = [], [], []
    for _ in range(7):
        first = rng.permutation(n_part)[: n_part // 2]
        in_first = np.isin(part, first)
        h0 = human_similarity(idx[in_first], odd[in_first], 12)
        h1 = human_similarity(idx[~in_first], odd[~in_first], 12)
        iu = np.triu_indices(12, 1)
        both = (h0.mask & h1.mask)[iu]
        rho = spearmanr(h0.p[iu][both], h1.p[iu][both])[0]
        sb = 2 * rho / (1 + rho)
        ref.append(np.sign(sb) * sb**2)
        ref_sb.append(sb)
        ref_both.append(both.sum())
    np.testing.assert_allclose(res.r2_splits, ref)
    assert res.r2 == pytest.approx(np.mean(ref))
    assert res.ci == pytest.approx(tuple(np.percentile(ref, [10, 90])))
    assert res.r_sb == pytest.approx(np.mean(ref_sb))
    assert res.n_pairs_both == pytest.approx(np.mean(ref_both))
    assert design == {} or np.mean(ref_both) < 66  # sparse: some pairs seen in one half only


def test_fraction_ranker_equals_rankdata():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 30, 5000)
    k = rng.integers(0, 1000, 5000) % (n + 1)
    np.testing.assert_allclose(FractionRanker(29).ranks(k, n), rankdata(k / n))


def test_compact_pair_ids_are_the_upper_triangle_order():
    n_items = 6
    idx = np.array([[0, 1, 5], [4, 2, 3]])
    iu = np.triu_indices(n_items, 1)
    order = {(i, j): c for c, (i, j) in enumerate(zip(*iu))}
    expect = [[order[0, 1], order[0, 5], order[1, 5]], [order[2, 4], order[3, 4], order[2, 3]]]
    np.testing.assert_array_equal(compact_pair_ids(idx, n_items), expect)


def test_repeat_agreement_hand_values():
    # {0,1,2} x3: odd clips 0, 0, 1 -> 1 agreeing pair of 3; {1,2,3} x2: odd clip 3 both times -> 1 of 1
    # {0,1,3} once (ignored). agreement = 2/4; majority ceiling = (2 + 2) / (3 + 2)
    idx = np.array([[0, 1, 2], [2, 0, 1], [1, 2, 0], [3, 2, 1], [1, 2, 3], [0, 1, 3]])
    odd = np.array([0, 1, 0, 0, 2, 1])
    res = repeat_agreement(idx, odd)
    assert res.agreement == pytest.approx(0.5)
    assert res.majority_acc_3way == pytest.approx(0.8)
    assert (res.n_triplets, res.n_responses, res.n_response_pairs) == (2, 5, 4)


def test_loo_ceiling_matches_reference_loop():
    idx, odd, part = _random(1, n_trip=300)
    res = loo_ceiling(idx, 12, odd=odd, participant=part)
    own, rest, allp, acc3, acc2 = [], [], [], [], []
    h_all = human_similarity(idx, odd, 12)
    for q in np.unique(part):
        me = part == q
        h_me = human_similarity(idx[me], odd[me], 12)
        h_rest = human_similarity(idx[~me], odd[~me], 12)
        iu = np.triu_indices(12, 1)
        seen = h_me.mask[iu]
        both = seen & h_rest.mask[iu]
        own += list(h_me.p[iu][both])
        rest += list(h_rest.p[iu][both])
        allp += list(zip(h_me.p[iu][seen], h_all.p[iu][seen]))
        for t, o in zip(idx[me], odd[me]):
            pairs = [(t[0], t[1]), (t[0], t[2]), (t[1], t[2])]
            if not all(h_rest.mask[a, b] for a, b in pairs):
                continue
            sims = [h_rest.p[a, b] for a, b in pairs]
            kept = sims[2 - o]
            others = [sims[c] for c in range(3) if c != 2 - o]
            top = max(sims)  # ties broken at random, in expectation
            acc3.append(1.0 / sum(x == top for x in sims) if kept == top else 0.0)
            acc2.append(np.mean([1.0 if kept > x else 0.5 if kept == x else 0.0 for x in others]))
    assert res.r_lower == pytest.approx(spearmanr(own, rest)[0])
    a, b = zip(*allp)
    assert res.r_upper == pytest.approx(spearmanr(a, b)[0])
    assert res.ooo_acc_3way == pytest.approx(np.mean(acc3))
    assert res.ooo_acc_2way == pytest.approx(np.mean(acc2))
    assert res.n_judgments == len(acc3) and res.n_entries == len(own)


def test_ceiling_or_nan_reports_nan_for_a_split_too_small_to_have_one(caplog) -> None:
    import math

    import numpy as np

    from bgs_hf.metrics.ceiling import ceiling_or_nan

    idx = np.array([[0, 1, 2], [0, 1, 3]])
    odd = np.array([2, 2])
    trip = type("T", (), {"idx": idx, "odd": odd, "participant": np.array([0, 0])})()
    with caplog.at_level("WARNING"):
        r2, ci = ceiling_or_nan(trip, 4)
    assert math.isnan(r2) and all(math.isnan(c) for c in ci)
    assert "two participants" in caplog.text


def test_repeat_agreement_leaves_out_one_participants_own_repeats():
    """Double-recorded trials (one participant, the same triplet twice, the same answer) passed for agreement
    between observers. Hand values: triplet {0,1,2} answered by p1 twice (odd 0, 0) and p2 once (odd 1):
    cross-participant pairs (p1a,p2), (p1b,p2) -> 0 of 2 agree; p1's own pair is left out."""
    idx = np.array([[0, 1, 2], [2, 0, 1], [1, 2, 0], [3, 2, 1], [1, 2, 3]])
    odd = np.array([0, 1, 0, 0, 2])  # odd clips 0, 0, 1 ; 3, 3
    participant = np.array(["p1", "p1", "p2", "p1", "p3"])
    res = repeat_agreement(idx, odd, participant)
    # {1,2,3}: p1 and p3 both chose 3 -> 1 of 1; {0,1,2}: 0 of 2 -> 1 / 3
    assert res.agreement == pytest.approx(1 / 3)
    assert (res.n_response_pairs, res.n_same_participant_pairs) == (3, 1)
    assert repeat_agreement(idx, odd).agreement == pytest.approx(2 / 4)  # without participants: every pair


def test_loo_accuracy_ceiling_breaks_ties_at_random():
    """The others' p_ij are fractions like 0, 1/2, 1 and tie often; counted wrong, the accuracy 'ceiling' on the
    release (2-way 0.568) fell below a caption baseline (0.659). Hand values for the expected-score rule."""
    from bgs_hf.metrics.ooo import ooo_expected_from_sims

    sims = np.array([[0.5, 0.5, 0.0],    # odd 2 -> kept ab ties with ac at the top: 3-way 1/2; 2-way (tie, win)
                     [1.0, 0.0, 0.0],    # clear win
                     [0.5, 0.5, 0.5]])   # all tied: 3-way 1/3, 2-way 1/2
    odd = np.array([2, 2, 2])
    three, two = ooo_expected_from_sims(sims, odd)
    np.testing.assert_allclose(three, [0.5, 1.0, 1 / 3])
    np.testing.assert_allclose(two, [0.75, 1.0, 0.5])


def test_loo_accuracy_scores_only_judgments_whose_three_pairs_the_others_saw():
    """Mutation audit: scoring a held-out judgment when *any* of its pairs was seen by the others (not all three)
    passed the suite, whose random design has every pair seen by everyone. Hand values: A answers (0,1,2) odd 2;
    B answers (0,1,2) odd 2 and (0,1,3) odd 2. A saw only pair 01 of B's (0,1,3), so 2 judgments are scored, both
    right (each keeps 0-1, the pair the other kept every time)."""
    idx = np.array([[0, 1, 2], [0, 1, 2], [0, 1, 3]])
    res = loo_ceiling(idx, 4, odd=np.array([2, 2, 2]), participant=np.array(["A", "B", "B"]))
    assert res.n_judgments == 2
    assert (res.ooo_acc_3way, res.ooo_acc_2way) == (1.0, 1.0)


def test_split_half_with_three_common_pairs_and_the_clip_count_read_off_the_triplets():
    """Mutation audit: dropping a split with exactly 3 pairs in both halves (the documented minimum) and inferring
    one clip fewer than the largest index + 1 (pairs with the last clip then alias others) both passed. A answers
    (0,1,2) odd 2, B answers it odd 2 and odd 0: p_A = [1, 0, 0], p_B = [1/2, 0, 1/2] over (01, 02, 12), ranks
    [3, 1.5, 1.5] and [2.5, 1, 2.5], r = 0.75 / 1.5 = 1/2, Spearman-Brown 2/3, R² 4/9."""
    idx = np.array([[0, 1, 2]] * 3)
    res = split_half_ceiling(idx, 3, n_splits=3, odd=np.array([2, 2, 0]), participant=np.array(["A", "B", "B"]))
    assert (res.r2, res.r_sb, res.n_pairs_both) == pytest.approx((4 / 9, 2 / 3, 3))
    assert split_half_ceiling(TRIP, n_splits=5, odd=ODD, participant=PART).r2 == pytest.approx(-196 / 529)
    assert loo_ceiling(TRIP, odd=ODD, participant=PART) == loo_ceiling(TRIP, 4, odd=ODD, participant=PART)


def test_loo_ceiling_hand_values_for_two_disagreeing_participants():
    """Mutation audit: r2_lower unsigned, r2_upper from r_lower, n_participants off by one and entries the others
    never saw counted in n_entries all passed (the reference loop's random design agrees positively and lets everyone
    see every pair). TRIP/ODD/PART: each participant's p_ij against the other's is Spearman -7/30 pooled over the 12
    participant×pair entries; against everyone's p = (p_A + p_B) / 2 it is scipy's Spearman below."""
    p_a = np.array([1, 0, 0.5, 0, 0, 0.5])
    p_b = np.array([0.5, 0.5, 0, 1, 0, 0])
    res = loo_ceiling(TRIP, 4, odd=ODD, participant=PART)
    upper = spearmanr(np.r_[p_a, p_b], np.r_[(p_a + p_b) / 2, (p_a + p_b) / 2])[0]
    assert (res.r_lower, res.r2_lower) == pytest.approx((-7 / 30, -49 / 900))
    assert (res.r_upper, res.r2_upper) == pytest.approx((upper, upper**2))
    assert (res.n_participants, res.n_entries, res.n_judgments) == (2, 12, 8)
    # A: (0,1,2); B: (0,1,2), (0,1,3): B's entries 03 and 13 were never seen by A, so 3 + 3 entries count
    sparse = loo_ceiling(np.array([[0, 1, 2], [0, 1, 2], [0, 1, 3]]), 4, odd=np.array([2, 2, 2]),
                         participant=np.array(["A", "B", "B"]))
    assert (sparse.n_participants, sparse.n_entries) == (2, 6)


def test_repeat_agreement_keys_each_participants_own_pairs_by_triplet_and_person():
    """Mutation audit: grouping a participant's own responses by a key that splits their two different answers to
    one triplet, or a (triplet, person) key that aliases the last participant on one triplet with the first on the
    next, both passed. {0,1,2}: p1 answers odd clip 0 then 2, p3 odd 0; {1,2,3}: p1 and p2 odd 3. Cross-participant
    pairs: (p1 0, p3 0) agree, (p1 2, p3 0) do not, (p1, p2) agree: 2 of 3; p1's own pair on {0,1,2} is left out."""
    idx = np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 3], [3, 2, 1]])
    odd_clip = np.array([0, 2, 0, 3, 3])
    res = repeat_agreement(idx, (idx == odd_clip[:, None]).argmax(1), np.array(["p1", "p1", "p3", "p1", "p2"]))
    assert res.agreement == pytest.approx(2 / 3)
    assert (res.n_response_pairs, res.n_same_participant_pairs) == (3, 1)


def test_ceiling_or_nan_passes_its_splits_and_seed_on():
    """Mutation audit: ``ceiling_or_nan`` dropping ``n_splits`` (always 100 splits) passed."""
    from bgs_hf.metrics.ceiling import ceiling_or_nan

    idx, odd, part = _random(0)
    trip = SimpleNamespace(idx=idx, odd=odd, participant=part)
    want = split_half_ceiling(idx, 12, n_splits=3, seed=4, odd=odd, participant=part)
    assert ceiling_or_nan(trip, 12, n_splits=3, seed=4) == (want.r2, list(want.ci))


def test_fraction_ranks_past_the_lookup_table_fall_back_to_rankdata(monkeypatch):
    """Pairs seen more than ``MAX_LUT_N`` times are ranked by scipy instead of the lookup table. Mutation audit:
    ranking k instead of k/n on that path passed (no test reached it)."""
    import bgs_hf.metrics.rsa as rsa_mod

    rng = np.random.default_rng(1)
    n = rng.integers(1, 30, 500)
    k = rng.integers(0, 1000, 500) % (n + 1)
    monkeypatch.setattr(rsa_mod, "MAX_LUT_N", 10)
    ranker = FractionRanker(29)
    assert not ranker.enabled
    np.testing.assert_allclose(ranker.ranks(k, n), rankdata(k / n))


def test_a_fraction_ranker_grows_its_table_for_a_larger_n_doubling_up_to_the_cap(monkeypatch):
    """A participant resample can count a pair more often than the full data: the ranker's table grows to the larger
    n (at least doubling, so a bootstrap rebuilds it a few times, not once per resample), capped at ``MAX_LUT_N``,
    past which scipy ranks. Mutation audit: the growth to twice the table alone (not to ``n``) passed, an IndexError
    for a pair counted more than twice the full data's most; the doubling and the cap were never checked."""
    import bgs_hf.metrics.rsa as rsa_mod

    ranker = FractionRanker(2)
    # 0, 1/3, 2/3, 1 (n = 3 > 2): the table doubles to 4
    np.testing.assert_array_equal(ranker.ranks(np.array([0, 1, 2, 3]), np.array([3, 3, 3, 3])), [1, 2, 3, 4])
    assert (ranker.n_max, ranker.enabled) == (4, True)
    # 1/2, 2/4, 10/20 tie (ranks 2-4, average 3) above 5/20 and below 20/20; 20 is past twice 4: the table takes n
    np.testing.assert_array_equal(ranker.ranks(np.array([1, 2, 10, 5, 20]), np.array([2, 4, 20, 20, 20])),
                                  [3, 3, 3, 1, 5])
    assert ranker.n_max == 20
    ranker.ranks(np.array([1]), np.array([21]))
    assert ranker.n_max == 40  # doubled, not 21
    assert ranker.ranks(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0  # no pair: no ranks

    monkeypatch.setattr(rsa_mod, "MAX_LUT_N", 10)
    capped = FractionRanker(6)
    np.testing.assert_array_equal(capped.ranks(np.array([7, 0]), np.array([7, 7])), [2, 1])
    assert (capped.n_max, capped.enabled) == (10, True)  # twice 6 is past the cap of 10: the cap
    k, n = np.array([3, 1, 11, 0, 5]), np.array([11, 2, 11, 4, 10])  # 3/11, 1/2, 1, 0, 1/2
    np.testing.assert_array_equal(capped.ranks(k, n), [2, 3.5, 5, 1, 3.5])  # n = 11 is past the cap: scipy ranks
    assert not capped.enabled


def test_repeat_agreement_tells_every_odd_clip_apart():
    """{0,1,2} answered with odd clip 1, then 2 (the last two positions of the sorted triplet), then 2: one
    agreeing pair of 3; majority 2 of 3. Mutation audit: a position code that merged the last two sorted positions
    passed the hand values above, whose repeats never differed there."""
    res = repeat_agreement(np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2]]), np.array([1, 0, 2]))
    assert res.agreement == pytest.approx(1 / 3)
    assert res.majority_acc_3way == pytest.approx(2 / 3)


def test_repeat_agreement_counts_the_triplets_answered_by_two_participants():
    """`data stats` printed 'between participants: ... all 0.545 (8,201)' on the release, counting 75 triplets that
    only one participant answered twice: they add no pair to that agreement, which is over 8,126 triplets. {0,1,2}:
    p1 twice; {1,2,3}: p1 and p2; {0,1,3}: p3 twice and p4; {0,2,3} once."""
    idx = np.array([[0, 1, 2], [2, 1, 0], [1, 2, 3], [3, 2, 1], [0, 1, 3], [0, 1, 3], [1, 3, 0], [0, 2, 3]])
    participant = np.array(["p1", "p1", "p1", "p2", "p3", "p3", "p4", "p5"])
    res = repeat_agreement(idx, np.zeros(8, dtype=int), participant)
    assert (res.n_triplets, res.n_triplets_between) == (3, 2)
    assert repeat_agreement(idx, np.zeros(8, dtype=int)).n_triplets_between == 3  # no participants: every repeat


def test_loo_upper_bound_correlates_every_own_entry_even_those_the_others_never_saw():
    """Mutation audit (second pass): r_upper over the entries the others saw only (as r_lower) passed; the reference
    loop's design lets everyone see every pair. A: (0,1,2) odd 2; B: (0,1,2) odd 2, (0,1,3) odd 0. Own p over A's
    01, 02, 12 and B's 01, 02, 12, 03, 13 = [1, 0, 0, 1/2, 0, 0, 0, 1] against everyone's [2/3, 0, 0, 2/3, 0, 0, 0, 1]:
    rank deviations [3, -1.5, -1.5, 1.5, -1.5, -1.5, -1.5, 3] and [2, -1.5, -1.5, 2, -1.5, -1.5, -1.5, 3.5] give
    30.75 / 31.5 = 41/42 (B's 03 and 13 left out: 12/sqrt(150)). r_lower over the 6 seen entries: [1, 0, 0, 1/2, 0, 0]
    against [1/2, 0, 0, 1, 0, 0], 11.5 / 12.5 = 23/25."""
    res = loo_ceiling(np.array([[0, 1, 2], [0, 1, 2], [0, 1, 3]]), 4, odd=np.array([2, 2, 0]),
                      participant=np.array(["A", "B", "B"]))
    assert (res.r_upper, res.r_lower, res.n_entries) == pytest.approx((41 / 42, 23 / 25, 6))


def test_split_half_splits_without_three_common_pairs_are_left_out_of_every_summary():
    """The docstring: a split with fewer than 3 pairs in both halves yields NaN and is ignored. Mutation audit (second
    pass): the mean R², its range or the mean r_sb over every split (NaN included) all passed, as every test's splits
    were all defined. A and B answer (0,1,2) as in the three-common-pairs case (R² 4/9, r_sb 2/3); C answers
    (3,4,5) alone, so a split that puts C in a half by itself shares no pair. The mean pairs in both halves counts
    those splits as 0."""
    idx = np.array([[0, 1, 2]] * 3 + [[3, 4, 5]])
    res = split_half_ceiling(idx, 6, n_splits=6, odd=np.array([2, 2, 0, 2]), participant=np.array(["A", "B", "B", "C"]))
    defined = np.isfinite(res.r_splits)
    assert 0 < defined.sum() < 6
    assert (res.r2, *res.ci, res.r_sb) == pytest.approx((4 / 9, 4 / 9, 4 / 9, 2 / 3))
    assert res.n_pairs_both == pytest.approx(3 * defined.mean())


def test_agreement_and_accuracy_over_no_responses_are_undefined_not_zero():
    """Mutation audit (second pass): repeat agreement 0.0 with no repeated triplet and a leave-one-out accuracy of 0.5
    with no held-out judgment whose pairs the others saw both passed. Two different triplets, one participant each:
    nothing repeats, and A's (0,1,2) shares only pair 01 with B's (0,1,3)."""
    idx, odd = np.array([[0, 1, 2], [0, 1, 3]]), np.array([0, 1])
    rep = repeat_agreement(idx, odd)
    assert np.isnan([rep.agreement, rep.majority_acc_3way]).all() and (rep.n_triplets, rep.n_response_pairs) == (0, 0)
    loo = loo_ceiling(idx, 4, odd=odd, participant=np.array(["A", "B"]))
    assert loo.n_judgments == 0 and np.isnan([loo.ooo_acc_3way, loo.ooo_acc_2way]).all()


def test_ceilings_and_repeat_agreement_need_one_participant_per_judgment():
    """Mutation audit (second pass): the participant-length check dropped from the ceilings or from repeat agreement
    passed. A single label then broadcast over every judgment (leave-one-out and repeat agreement read everyone as one
    participant), and a list one short gave the split-half ceiling a number (R² -0.19 here) or failed inside numpy."""
    calls = (lambda p: split_half_ceiling(TRIP, 4, odd=ODD, participant=p),
             lambda p: loo_ceiling(TRIP, 4, odd=ODD, participant=p), lambda p: repeat_agreement(TRIP, ODD, p))
    for participant in (["A"], PART[:-1]):
        for call in calls:
            with pytest.raises(BGSInputError, match=rf"participant must have shape \(8,\), got \({len(participant)},\)"):
                call(participant)


def test_a_missing_participant_is_refused_at_its_row_and_ids_of_mixed_types_are_told_apart():
    """Fuzzing: a participant left empty (an empty cell of a judgments table) failed in numpy's sort (None: "'<' not
    supported between instances of 'NoneType' and 'str'") in both ceilings, or, as NaN, pooled those judgments into one
    made-up participant (repeat agreement pooled None and NaN alike); ids of mixed types (1 and 'B') failed like None.
    TRIP with A written as the number 1 keeps its hand values: split-half R² -196/529, leave-one-out r_lower -7/30,
    and A and B agree on one of their four shared triplets ((0,1,3): both leave out clip 3)."""
    mixed = np.array([1] * 4 + ["B"] * 4, dtype=object)
    assert split_half_ceiling(TRIP, 4, n_splits=3, odd=ODD, participant=mixed).r2 == pytest.approx(-196 / 529)
    assert loo_ceiling(TRIP, 4, odd=ODD, participant=mixed).r_lower == pytest.approx(-7 / 30)
    assert repeat_agreement(TRIP, ODD, mixed).agreement == pytest.approx(1 / 4)
    calls = (lambda p: split_half_ceiling(TRIP, 4, odd=ODD, participant=p),
             lambda p: loo_ceiling(TRIP, 4, odd=ODD, participant=p), lambda p: repeat_agreement(TRIP, ODD, p))
    for ids, missing, shown in ((PART, None, "None"), (PART, " ", "' '"), (np.array([1.0] * 4 + [2.0] * 4), np.nan, "nan")):
        part = ids.astype(object) if missing is None else ids.copy()
        part[5] = missing
        for call in calls:
            with pytest.raises(BGSInputError, match=rf"participant row 5 is missing \({shown}\)"):
                call(part)


def test_a_split_half_ceiling_with_no_pair_seen_in_both_halves_is_undefined_and_says_so(caplog):
    """A answers (0,1,2) and B (3,4,5): no split has a pair in both halves. Mutation audit (third pass): without the
    no-defined-split branch numpy's percentile of nothing failed, and an R² of 0 there passed; ``ceiling_or_nan``'s
    docstring promised a warning for this case too, and there was none (bug, fixed)."""
    from bgs_hf.metrics.ceiling import ceiling_or_nan

    idx, odd, part = np.array([[0, 1, 2], [3, 4, 5]]), np.array([0, 1]), np.array(["A", "B"])
    with caplog.at_level("WARNING"):
        res = split_half_ceiling(idx, 6, n_splits=4, odd=odd, participant=part)
    assert np.isnan([res.r2, *res.ci, res.r_sb]).all() and res.n_pairs_both == 0.0 and res.n_splits == 4
    assert "split-half ceiling: no split of 4 gives a correlation (3 or more pairs seen" in caplog.text
    r2, ci = ceiling_or_nan(SimpleNamespace(idx=idx, odd=odd, participant=part), 6, n_splits=4)
    assert np.isnan(r2) and len(ci) == 2 and np.isnan(ci).all()
    caplog.clear()
    with caplog.at_level("WARNING"):  # and for one participant, the refused case
        r2, ci = ceiling_or_nan(SimpleNamespace(idx=idx, odd=odd, participant=np.array(["A", "A"])), 6)
    assert np.isnan(r2) and len(ci) == 2 and "no noise ceiling" in caplog.text


def test_a_loo_ceiling_of_one_participant_is_refused_as_the_split_half_one_is():
    """Bug (s66 statistics review): with one participant no one is left out to compare with, yet the upper bound (own
    p against everyone's, i.e. their own) read r2_upper 1.0, a ceiling of 1, without a word; split-half refuses."""
    for ceiling in (split_half_ceiling, loo_ceiling):
        with pytest.raises(BGSInputError, match=r"ceiling needs at least two participants$"):
            ceiling(TRIP, 4, odd=ODD, participant=["A"] * len(TRIP))


def test_a_ceiling_result_as_a_dict_carries_its_hand_values():
    """``CeilingResult.to_dict`` is what reports record. Mutation audit (third pass): its range reversed or its mean
    pairs in both halves left out both passed (no test read it). TRIP: R² -196/529, r_sb -14/23, 6 pairs in both."""
    res = split_half_ceiling(TRIP, 4, n_splits=5, odd=ODD, participant=PART, ci=0.9)
    record = res.to_dict()
    assert record.pop("ci") == pytest.approx([-196 / 529, -196 / 529])
    assert record == pytest.approx({"r2": -196 / 529, "r_sb": -14 / 23, "n_splits": 5, "n_pairs_both": 6.0})
    idx, odd, part = _random(2, n_trip=80, n_part=5)
    res = split_half_ceiling(idx, 12, n_splits=7, seed=3, odd=odd, participant=part, ci=0.8)
    assert res.to_dict()["ci"] == pytest.approx(list(np.percentile(res.r2_splits, [10, 90])))
    assert res.to_dict()["ci"][0] < res.to_dict()["ci"][1]


def test_repeat_agreement_drops_catch_trials_with_or_without_participants():
    """Mutation audit (third pass): repeat agreement keeping catch trials, with participants or without, passed (no
    repeat test had one). Two catch trials (0, 0, 1) answered alike would add an agreeing pair; the hand values of
    the six-row example stay: agreement 2/4, majority 4/5, 2 triplets, 5 responses, 4 pairs."""
    idx = np.array([[0, 1, 2], [2, 0, 1], [1, 2, 0], [3, 2, 1], [1, 2, 3], [0, 1, 3], [0, 0, 1], [0, 0, 1]])
    odd = np.array([0, 1, 0, 0, 2, 1, 2, 2])
    for participant in (None, np.array(["p1", "p2", "p3", "p1", "p2", "p3", "p1", "p2"])):
        res = repeat_agreement(idx, odd, participant)
        assert (res.agreement, res.majority_acc_3way) == pytest.approx((0.5, 0.8)), participant
        assert (res.n_triplets, res.n_responses, res.n_response_pairs) == (2, 5, 4), participant


def test_ceilings_refuse_a_negative_clip_without_a_clip_count():
    """Bug found in the third mutation audit: without ``n_items`` the clip check was skipped, so clip -1 reached
    numpy's bincount ("'list' argument must have no negative elements") in both ceilings, and repeat agreement
    counted it as a clip. Each now names the row in one line, like human_similarity."""
    idx, odd, part = np.array([[0, 1, 2], [0, 1, -1], [0, 1, 2]]), np.array([0, 1, 2]), np.array(["A", "B", "B"])
    for call in (lambda: split_half_ceiling(idx, odd=odd, participant=part), lambda: loo_ceiling(idx, odd=odd, participant=part),
                 lambda: repeat_agreement(idx, odd, part), lambda: repeat_agreement(idx, odd)):
        with pytest.raises(BGSInputError, match=r"judgment row 1: triplet \[0, 1, -1\] names a clip outside 0\.\.2"):
            call()


def test_ceilings_drop_catch_trials():
    """Mutation audit (third pass): both ceilings keeping catch trials passed (the only test with one expected an error
    on another row). A's catch trial (1, 1, 2) would count pair (1, 1) under the id of pair (0, 3); dropped, the hand
    values of TRIP stay: split-half R² -196/529 over 6 pairs, leave-one-out r_lower -7/30 over 12 entries."""
    idx, odd, part = np.vstack([TRIP, [[1, 1, 2]]]), np.append(ODD, 0), np.append(PART, "A")
    res = split_half_ceiling(idx, 4, n_splits=3, odd=odd, participant=part)
    assert (res.r2, res.n_pairs_both) == pytest.approx((-196 / 529, 6))
    loo = loo_ceiling(idx, 4, odd=odd, participant=part)
    assert (loo.r_lower, loo.n_entries, loo.n_judgments) == pytest.approx((-7 / 30, 12, 8))


def test_a_ceiling_from_too_few_pairs_is_undefined_in_reports_and_says_how_many_it_rests_on(caplog):
    """A 9-judgment val split (synth --clips 80 --seed 0) read noise ceiling 1.0 [1.0, 1.0] without a word, and each
    model a "% of ceiling" of it: 2.0 pairs in both halves on average, and the 49 of 100 splits with a correlation
    had 3 or 4 pairs, one kept and the rest tied. Hand case: A and B answer (0, 1, 2) alike, p = [1, 0, 0] in both
    halves: Spearman 1 over 3 pairs, R² 1 on every split. ``split_half_ceiling`` keeps its arithmetic and warns;
    ``ceiling_or_nan`` (every report's ceiling) and so ``behavioural_fit`` give NaN and no % of it."""
    from bgs_hf.metrics import behavioural_fit
    from bgs_hf.metrics.ceiling import ceiling_or_nan, ceiling_or_why

    idx, odd, part = np.array([[0, 1, 2]] * 2), np.array([2, 2]), np.array(["A", "B"])
    with caplog.at_level("WARNING"):
        res = split_half_ceiling(idx, 3, n_splits=4, odd=odd, participant=part)
    assert (res.r2, res.ci, res.n_pairs_both) == (1.0, (1.0, 1.0), 3.0)
    assert ("split-half ceiling R² 1.000 means nothing: it rests on 3.0 pairs seen in both halves on average (at "
            "least 10 needed), 4 of 4 splits giving a correlation") in caplog.text
    trip = SimpleNamespace(idx=idx, odd=odd, participant=part)
    r2, ci = ceiling_or_nan(trip, 3, n_splits=4)
    assert np.isnan(r2) and len(ci) == 2 and np.isnan(ci).all()
    # and why, for `bgs-hf evaluate` to print beside its n/a (it printed a bare "noise ceiling R² n/a")
    assert ceiling_or_why(trip, 3, n_splits=4)[2] == ("it rests on 3.0 pairs seen in both halves on average (at "
                                                      "least 10 needed), 4 of 4 splits giving a correlation")
    data = SimpleNamespace(splits={"test": np.arange(3)}, n_clips=3, triplets=lambda split: trip)
    sim = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    fit = behavioural_fit(sim, data, "test", n_boot=20)
    assert fit["r2"] > 0 and np.isnan([fit["ceiling_r2"], *fit["ceiling_r2_ci"], fit["pct_of_ceiling"]]).all()


def test_a_ceiling_needs_its_minimum_of_pairs_and_half_its_splits_defined():
    """The two conditions of ``CeilingResult.too_few_pairs``, at their bounds: ``MIN_CEILING_PAIRS`` pairs in both
    halves on average is enough and a little under is not; half the splits with a correlation is enough and 4 of 10
    is not (the defined ones are then the draws that happened to share pairs)."""
    from bgs_hf.metrics.ceiling import MIN_CEILING_PAIRS, CeilingResult

    def result(n_pairs: float, n_undefined: int) -> CeilingResult:
        r2 = np.r_[np.full(10 - n_undefined, 0.2), np.full(n_undefined, np.nan)]
        return CeilingResult(0.2, (0.2, 0.2), 0.45, 10, n_pairs, r2, r2)

    assert MIN_CEILING_PAIRS == 10
    assert result(MIN_CEILING_PAIRS, 5).too_few_pairs() is None
    assert "it rests on 9.9 pairs seen in both halves on average (at least 10 needed)" in result(9.9, 0).too_few_pairs()
    assert "4 of 10 splits giving a correlation" in result(50.0, 6).too_few_pairs()


def test_a_split_half_ceiling_counts_the_observed_pairs_not_every_pair_of_the_dataset():
    """The test split of a large dataset is a few hundred pairs: counting all N(N-1)/2 pairs of the dataset in each
    split took 150 s and 8.6 GB for `data stats` (and the dataset card) of a 20 000-clip import. The same judgments
    under clip indices 1 000 times larger give the same ceiling, with memory for the pairs they hold."""
    import tracemalloc

    rng = np.random.default_rng(0)
    idx = np.stack([rng.choice(12, 3, replace=False) for _ in range(300)])
    odd, part = rng.integers(0, 3, 300), rng.integers(0, 10, 300)
    small = split_half_ceiling(idx, 12, n_splits=20, odd=odd, participant=part)
    tracemalloc.start()
    try:
        big = split_half_ceiling(idx * 250, 3_000, n_splits=20, odd=odd, participant=part)  # 4.5M pairs, 66 seen
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(big.r_splits, small.r_splits)
    assert (big.r2, big.ci, big.n_pairs_both) == (small.r2, small.ci, small.n_pairs_both)
    assert peak < 4_000_000, peak  # one count over every pair is 36 MB


def test_a_ceiling_of_no_judgments_says_why_a_split_holds_none_and_what_to_do():
    """`synth --clips 40 --seed 0` writes a test split of 8 clips that no judgment lies in; the next natural call,
    `split_half_ceiling(data.triplets("test"), data.n_clips)`, said only that it needs a judgment of three distinct
    clips. It now says why a split can hold none and what to change; catch trials alone are said as such."""
    none = np.zeros((0, 3), dtype=np.int64)
    for ceiling in (split_half_ceiling, loo_ceiling):
        with pytest.raises(BGSInputError) as err:
            ceiling(none, 4, odd=np.zeros(0, dtype=np.int64), participant=np.zeros(0))
        msg = str(err.value)
        assert "\n" not in msg and "three distinct clips, got none: a split holds only the judgments whose three " \
                                  "clips all lie in it" in msg
        assert "use more clips, or a larger test (or val) fraction" in msg and "bgs-hf data stats" in msg
    catch = np.array([[0, 0, 1], [2, 3, 3]])
    with pytest.raises(BGSInputError, match=r"three distinct clips, got only 2 catch trials$"):
        split_half_ceiling(catch, 4, odd=np.array([2, 0]), participant=np.array(["A", "B"]))


def test_the_ceilings_bar_draws_nothing_for_instant_work_and_slow_work_still_shows_one(capsys, monkeypatch):
    """A "split-half ceiling" bar was drawn for 100 splits that take about 0.01 s, twice per `train_bgs` call and
    once per `behavioural_fit`: noise in a notebook. Our often-instant bars now wait `BAR_DELAY_S` before they are
    drawn; a loop that takes longer still shows its bar, as does one whose caller gives its own delay of 0."""
    import time

    import bgs_hf._bars as bars

    idx, odd, part = _random(seed=0)
    split_half_ceiling(idx, 12, n_splits=100, odd=odd, participant=part)  # >= 20 splits: it had a bar
    assert capsys.readouterr().err == ""
    for _ in bars.delayed_bar(range(2), desc="asked at once", delay=0):  # a caller's own delay is kept (mutation audit)
        pass
    assert "asked at once" in capsys.readouterr().err
    monkeypatch.setattr(bars, "BAR_DELAY_S", 0.05)
    for _ in bars.delayed_bar(range(4), desc="slow work", mininterval=0):
        time.sleep(0.05)
    err = capsys.readouterr().err
    assert "slow work" in err and "4/4" in err


def test_repeat_agreement_equals_a_count_over_every_pair_of_responses():
    """Reference loop (the hand tests hold two or three triplets): 200 random designs over 4 clips (4 triplets, so
    most repeat) and 3 participants. Agreement: over every pair of responses to one unordered triplet by two different
    participants (by anyone without participants), the share naming the same odd clip; majority accuracy: over the
    triplets answered twice or more, the majority answer's count summed over the responses' count."""
    from collections import Counter, defaultdict
    from itertools import combinations

    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 25))
        idx = np.array([rng.choice(4, 3, replace=False) for _ in range(n)])
        odd = rng.integers(0, 3, n)
        person = rng.integers(0, 3, n)
        key = [tuple(sorted(t)) for t in idx.tolist()]
        odd_clip = idx[np.arange(n), odd]
        answers = defaultdict(list)
        for k, o in zip(key, odd_clip.tolist()):
            answers[k].append(o)
        repeated = [a for a in answers.values() if len(a) >= 2]
        majority = (sum(Counter(a).most_common(1)[0][1] for a in repeated) / sum(map(len, repeated))
                    if repeated else float("nan"))
        for who in (person, None):
            pairs = [(i, j) for i, j in combinations(range(n), 2)
                     if key[i] == key[j] and (who is None or who[i] != who[j])]
            agree = sum(odd_clip[i] == odd_clip[j] for i, j in pairs) / len(pairs) if pairs else float("nan")
            res = repeat_agreement(idx, odd, who)
            assert res.agreement == pytest.approx(agree, nan_ok=True)
            assert res.majority_acc_3way == pytest.approx(majority, nan_ok=True)
            assert (res.n_response_pairs, res.n_triplets, res.n_responses) == (
                len(pairs), len(repeated), sum(map(len, repeated)))


def test_a_loo_upper_bound_can_be_negative_and_keeps_its_sign_when_squared():
    """Mutation audit (bootstrap.py and ceiling.py): ``r2_upper`` as the plain square r_upper² passed, as every tested
    upper bound was positive; everyone's p_ij holds one's own, yet pooled over participant×pair entries it can
    anti-correlate. Clips 0..2, pairs (01, 02, 12): participant 0 keeps 12, 02, 12, 02 (own p [0, 1/2, 1/2]),
    participant 2 keeps 01 (own p [1, 0, 0]); everyone's p is [1/5, 2/5, 2/5]. Ranks of the 6 entries: own
    [2, 4.5, 4.5, 6, 2, 2], everyone's [1.5, 4.5, 4.5, 1.5, 4.5, 4.5]: r = -3 / sqrt(15 · 12) = -1/(2√5), R² -1/20."""
    idx = np.array([[1, 0, 2], [0, 2, 1], [1, 2, 0], [0, 1, 2], [0, 2, 1]])
    res = loo_ceiling(idx, 3, odd=np.array([2, 0, 0, 0, 2]), participant=np.array([2, 0, 0, 0, 0]))
    assert res.r_upper == pytest.approx(-1 / (2 * np.sqrt(5)))
    assert res.r2_upper == pytest.approx(-1 / 20)


def test_participant_ids_that_comparing_by_text_joins_or_parts_are_warned_of(caplog):
    """Ids of mixed types are told apart by their text: 1 and '1' became one participant, and 1 and 1.0 two, though
    ids of numbers alone join 1 and 1.0, so one id of text elsewhere ('B') split a participant, each without a word
    (a list was written as text by numpy before any check). Now either is one warning naming the two ids, and the
    reading stays the text's; 1 and 'B' (nothing joined or parted) give none. By hand: [1]*4 + ['1']*4 is one
    participant (no pair across two), so repeat agreement counts its four repeated triplets' pairs as same-participant."""
    with caplog.at_level("WARNING"):
        assert repeat_agreement(TRIP, ODD, [1] * 4 + ["B"] * 4) == repeat_agreement(TRIP, ODD, PART)
    assert "participant ids" not in caplog.text
    with caplog.at_level("WARNING"):
        joined = repeat_agreement(TRIP, ODD, [1] * 4 + ["1"] * 4)
    assert ("participant ids of mixed types are told apart by their text: 1 and '1' are one participant; give every "
            "id as text, written one way") in caplog.text
    assert joined.n_same_participant_pairs == 4 and joined.n_response_pairs == 0
    caplog.clear()
    parted = np.array([1] * 4 + [1.0] * 2 + ["B"] * 2, dtype=object)
    with caplog.at_level("WARNING"):
        got = loo_ceiling(TRIP, 4, odd=ODD, participant=parted)
    assert ("participant ids of mixed types are told apart by their text: 1 and 1.0 are two; give every id as text, "
            "written one way") in caplog.text
    assert got == loo_ceiling(TRIP, 4, odd=ODD, participant=np.array(["1"] * 4 + ["1.0"] * 2 + ["B"] * 2))


def test_the_mixed_id_warning_names_the_first_pair_joined_and_parted_as_plain_numbers(caplog):
    """Mutation audit (bcac884..e5ea38f): the warning naming the last pair the text joins or parts in place of the
    first, or numpy's ids as their repr (``np.int64(1)``), passed the suite, whose ids were Python's and held one pair
    of each. By hand: 1 and '1' are joined first, 2 and '2' last; 1 and 1.0 parted first, 2 and 2.0 last."""
    from bgs_hf.metrics.similarity import participant_codes

    ids = np.array([np.int64(1), "1", np.float64(1.0), np.int64(2), "2", np.float64(2.0)], dtype=object)
    with caplog.at_level("WARNING"):
        codes = participant_codes(ids)
    assert ("participant ids of mixed types are told apart by their text: 1 and '1' are one participant, 1 and 1.0 "
            "are two; give every id as text, written one way") in caplog.text
    assert codes.tolist() == [0, 0, 1, 2, 2, 3]


def test_bool_participant_ids_that_comparing_by_text_joins_or_parts_are_warned_of(caplog):
    """A bool id counted as neither number nor text, so comparing by text joined True and 'True' (numpy's True too)
    into one participant and parted True from 1 (equal numbers: True == 1), without the warning 1 and '1' get. Now
    the warning names both; the reading stays the text's, and bools with text alone (True and 'B') give none. By
    hand: [True]*4 + ['True']*4 is one participant, so repeat agreement counts its four repeated triplets' pairs as
    same-participant; by text 1 < True < 'True', so [True, 'True', 1] is coded [1, 1, 0]."""
    from bgs_hf.metrics.similarity import participant_codes

    with caplog.at_level("WARNING"):
        assert repeat_agreement(TRIP, ODD, [True] * 4 + ["B"] * 4) == repeat_agreement(TRIP, ODD, PART)
    assert "participant ids" not in caplog.text
    with caplog.at_level("WARNING"):
        joined = repeat_agreement(TRIP, ODD, [True] * 4 + ["True"] * 4)
    assert ("participant ids of mixed types are told apart by their text: True and 'True' are one participant; give "
            "every id as text, written one way") in caplog.text
    assert joined.n_same_participant_pairs == 4 and joined.n_response_pairs == 0
    caplog.clear()
    with caplog.at_level("WARNING"):
        codes = participant_codes(np.array([np.True_, "True", np.int64(1)], dtype=object))
    assert ("participant ids of mixed types are told apart by their text: True and 'True' are one participant, True "
            "and 1 are two; give every id as text, written one way") in caplog.text
    assert codes.tolist() == [1, 1, 0]


def test_repeat_agreement_keeps_apart_clip_ids_no_narrower_number_holds():
    """Triplets are grouped by their sorted clips as int64 rows, so ids a lab's database hands out (past 2**31, past
    float64's 2**53) stay distinct: {1, 2, 2**53}, {1, 2, 2**53 + 1} and {1, 2, 2**53 + 2**32} answered once each are
    no repeat. Mutation audit of 9c2aa8d: the rows cast to int32, float32 or float64 before grouping passed every
    test, and read two of them as one triplet answered twice."""
    big = 2**53
    idx = np.array([[1, 2, big], [big + 1, 2, 1], [1, big + 2**32, 2]], dtype=np.int64)
    once = repeat_agreement(idx, np.zeros(3, int))
    assert (once.n_triplets, once.n_responses) == (0, 0) and np.isnan(once.agreement), once
    codes = np.array([[0, 1, 2], [3, 1, 0], [0, 4, 1]])
    twice, odd = np.concatenate([idx, idx]), np.array([0, 1, 2, 0, 0, 2])
    got, want = repeat_agreement(twice, odd), repeat_agreement(np.concatenate([codes, codes]), odd)
    assert (got.n_triplets, got.agreement, got.majority_acc_3way) == (3, want.agreement, want.majority_acc_3way)


def test_grouping_by_rows_takes_numpy_2_0_0s_inverse_of_one_column(monkeypatch):
    """numpy 2.0.0 (allowed by numpy>=1.26) returned ``np.unique(..., axis=0, return_inverse=True)``'s inverse as an
    (n, 1) column, reverted in 2.0.1; each caller flattens it. Mutation audit of 9c2aa8d: repeat_agreement without
    its ``ravel`` passed on the numpy installed, and raised on 2.0.0's column (an (n, n) code for ``np.bincount``);
    cosine_similarity_matrix's (duplicate rows) likewise, in ``np.ix_``."""
    from bgs_hf.metrics.rsa import cosine_similarity_matrix

    idx = np.array([[0, 1, 2], [2, 1, 0], [1, 2, 3], [3, 2, 1], [0, 1, 3]])
    odd, participant = np.array([0, 1, 0, 0, 2]), np.array(["p1", "p2", "p1", "p1", "p3"])
    emb = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [1.0, 1.0]])  # rows 0 and 2 one direction: grouped by rows
    want = [repeat_agreement(idx, odd), repeat_agreement(idx, odd, participant), cosine_similarity_matrix(emb)]
    unique = np.unique

    def unique_2_0_0(ar, *args, **kwargs):
        out = unique(ar, *args, **kwargs)
        if kwargs.get("axis") is None or not kwargs.get("return_inverse"):
            return out
        assert not kwargs.get("return_index"), "the inverse is out[1] only without return_index"
        return (out[0], out[1].reshape(-1, 1), *out[2:])

    monkeypatch.setattr(np, "unique", unique_2_0_0)
    assert repeat_agreement(idx, odd) == want[0]
    assert repeat_agreement(idx, odd, participant) == want[1]
    np.testing.assert_array_equal(cosine_similarity_matrix(emb), want[2])


#: Four participants judge the triplet (0, 1, 2); A also judges (0, 1, 3), whose pairs (0, 3) and (1, 3) no one
#: else saw. By hand: A, B and D (odd 2) are predicted by the others' p_01 2/3 (A left out; 3/4 for B, D) over
#: p_12 1/3 (1/4): right; C (odd 0) by p_01 1 over p_12 0: odd 2 predicted, wrong. 3-way 3/4 over 4 of 5 choices.
HAND_LOO_IDX = np.array([[0, 1, 2], [0, 1, 3], [0, 1, 2], [0, 1, 2], [0, 1, 2]])
HAND_LOO_ODD = np.array([2, 2, 2, 0, 2])
HAND_LOO_PARTICIPANT = np.array(["A", "A", "B", "C", "D"])


def test_human_loo_accuracy_is_loo_ceilings_held_out_accuracy_over_the_choices_it_covers():
    """`baseline` and `evaluate` showed a model's ooo_acc_* against chance only; the humans' reference beside it is
    loo_ceiling's held-out accuracy, and says how many of the split's choices it rests on (n of N)."""
    from bgs_hf.data.container import TripletArrays
    from bgs_hf.metrics.ceiling import human_loo_accuracy

    trip = TripletArrays(HAND_LOO_IDX, HAND_LOO_ODD, HAND_LOO_PARTICIPANT, np.arange(5))
    got = human_loo_accuracy(trip, 4)
    loo = loo_ceiling(trip, 4)
    assert got["ooo_acc_3way"] == pytest.approx(0.75) == loo.ooo_acc_3way
    assert got["ooo_acc_2way"] == loo.ooo_acc_2way and 0 < got["ooo_acc_2way"] <= 1
    assert (got["n_judgments"], got["n_choices"], got["n_participants"], got["why"]) == (4, 5, 4, None)

    alone = TripletArrays(HAND_LOO_IDX, HAND_LOO_ODD, np.array(["A"] * 5), np.arange(5))
    got = human_loo_accuracy(alone, 4, "val")
    assert (got["ooo_acc_3way"], got["ooo_acc_2way"], got["n_judgments"], got["n_choices"]) == (None, None, 0, 5)
    assert got["why"] == "the val split has judgments from 1 participant; leaving one out needs 2 or more"
    # A's (0, 1, 2) and B's (0, 1, 3) share the pair (0, 1) only: neither can be predicted from the other
    unseen = TripletArrays(HAND_LOO_IDX[:2], HAND_LOO_ODD[:2], np.array(["A", "B"]), np.arange(2))
    got = human_loo_accuracy(unseen, 4)
    assert (got["ooo_acc_3way"], got["n_judgments"]) == (None, 0)
    assert got["why"] == "none of the test split's 2 choices has all three pairs seen by the other participants"


def test_human_loo_accuracy_of_a_split_with_no_three_distinct_clips_is_its_why_not_a_stop():
    """A split whose judgments each name a clip twice has nothing for the others to predict: `baseline`/`evaluate`
    print the reason beside the model's accuracy rather than stopping after every clip was embedded."""
    from bgs_hf.data.container import TripletArrays
    from bgs_hf.metrics.ceiling import human_loo_accuracy

    twice = TripletArrays(np.array([[0, 0, 1], [0, 0, 1], [1, 1, 2]]), np.array([2, 2, 0]), np.array(["A", "B", "C"]),
                          np.arange(3))
    got = human_loo_accuracy(twice, 4)
    assert (got["ooo_acc_3way"], got["ooo_acc_2way"], got["n_judgments"], got["n_participants"]) == (None, None, 0, 3)
    assert "three distinct clips" in got["why"]
