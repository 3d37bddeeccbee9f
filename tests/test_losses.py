"""Every loss against hand-computed values on toy embeddings (rsatoolbox style)."""

from __future__ import annotations

import doctest
import math
import re

import numpy as np
import pytest
import torch
from scipy import stats

import bgs_hf.losses._common as common_mod
import bgs_hf.losses.bgs as bgs_mod
import bgs_hf.losses.odd_one_out as ooo_mod
import bgs_hf.losses.rsa as rsa_mod
import bgs_hf.losses.triplet as triplet_mod
from bgs_hf.losses import BGSLoss, OddOneOutLoss, PaperSchedule, RSALoss, TripletMarginLoss
from bgs_hf.losses.rsa import rank_average_ties, soft_rank

# cos(e0,e1)=0.6, cos(e0,e2)=0, cos(e1,e2)=0.8 -> D = 0.4, 1.0, 0.2
EMB = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])


def test_triplet_margin_hand_values():
    trip = torch.tensor([[0, 1, 2], [0, 1, 2]])
    # odd=2: a=0,p=1,n=2: max(0, 0.4 - 1.0 + 0.2) = 0 ; odd=1: a=0,p=2,n=1: 1.0 - 0.4 + 0.2 = 0.8
    loss = TripletMarginLoss(margin=0.2)(EMB, trip, torch.tensor([2, 1]))
    assert float(loss) == pytest.approx(0.4, abs=1e-6)
    # symmetric: odd=1 also anchors on 2: D(2,0) - D(2,1) + 0.2 = 1.0 - 0.2 + 0.2 = 1.0 -> (0.8 + 1.0) / 2
    sym = TripletMarginLoss(margin=0.2, symmetric=True)(EMB, trip[:1], torch.tensor([1]))
    assert float(sym) == pytest.approx(0.9, abs=1e-6)


def test_triplet_uses_local_indices_and_gradient():
    emb = torch.cat([torch.zeros(1, 2) + 0.5, EMB]).requires_grad_(True)  # row 0 unused
    loss = TripletMarginLoss()(emb, torch.tensor([[1, 2, 3]]), torch.tensor([1]))
    assert float(loss.detach()) == pytest.approx(0.8, abs=1e-6)
    loss.backward()
    assert emb.grad[0].abs().sum() == 0 and emb.grad[1:].abs().sum() > 0


@pytest.mark.parametrize("loss", [TripletMarginLoss(), OddOneOutLoss()])
def test_odd_must_name_one_position_per_triplet(loss):
    """A short ``odd`` used to make the hinge score only the first triplets (gather takes a shorter index)."""
    trip = torch.tensor([[1, 2, 3], [0, 1, 2], [0, 2, 3]])
    emb = torch.cat([torch.zeros(1, 2) + 0.5, EMB])
    with pytest.raises(ValueError, match="odd has 1 entries for 3 triplets"):
        loss(emb, trip, torch.tensor([1]))
    with pytest.raises(ValueError, match="positions 0, 1 or 2"):
        loss(emb, trip, torch.tensor([1, 3, 0]))


def test_odd_one_out_hand_values_and_soft_labels():
    trip = torch.tensor([[0, 1, 2]])
    z = [0.8, 0.0, 0.6]  # logits: odd=0 <- cos(1,2), odd=1 <- cos(0,2), odd=2 <- cos(0,1); T = 1
    logp = [zi - math.log(sum(math.exp(v) for v in z)) for zi in z]
    loss = OddOneOutLoss(temperature=1.0)(EMB, trip, torch.tensor([0]))
    assert float(loss) == pytest.approx(-logp[0], abs=1e-6)
    soft = OddOneOutLoss(temperature=1.0)(EMB, trip, odd_probs=torch.tensor([[0.5, 0.0, 0.5]]))
    assert float(soft) == pytest.approx(-(0.5 * logp[0] + 0.5 * logp[2]), abs=1e-6)
    # temperature scales the logits
    t = OddOneOutLoss(temperature=0.5)(EMB, trip, torch.tensor([2]))
    z2 = [v / 0.5 for v in z]
    assert float(t) == pytest.approx(-(z2[2] - math.log(sum(math.exp(v) for v in z2))), abs=1e-6)


def test_odd_one_out_is_order_invariant():
    perm = torch.tensor([[2, 0, 1]])  # clip 0 now at position 1
    a = OddOneOutLoss()(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([0]))
    b = OddOneOutLoss()(EMB, perm, torch.tensor([1]))
    assert float(a) == pytest.approx(float(b), abs=1e-6)


def _toy_rsa():
    emb = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0],
                                                      [0.2, 0.1, 1.0]]), dim=-1)
    pairs = torch.tensor([[0, 1], [0, 2], [0, 3], [1, 2], [2, 3]])  # (1,3) unobserved
    human = torch.tensor([0.25, 0.8, 0.9, 0.5, 0.1])
    e = emb.numpy()
    model_d = np.array([1 - e[i] @ e[j] for i, j in pairs.tolist()])
    return emb, pairs, human, model_d


def test_rsa_pearson_matches_scipy():
    emb, pairs, human, model_d = _toy_rsa()
    expected = -stats.pearsonr(model_d, human.numpy()).statistic
    assert float(RSALoss()(emb, pairs, human)) == pytest.approx(expected, abs=1e-5)


def test_rsa_soft_spearman_approaches_spearman():
    emb, pairs, human, model_d = _toy_rsa()
    expected = -stats.spearmanr(model_d, human.numpy()).statistic
    got = RSALoss("soft_spearman", regularization_strength=1e-3)(emb, pairs, human)
    assert float(got) == pytest.approx(expected, abs=1e-3)
    emb = emb.clone().requires_grad_(True)
    RSALoss("soft_spearman", regularization_strength=0.5)(emb, pairs, human).backward()
    assert emb.grad.abs().sum() > 0


def test_rank_helpers_match_scipy_rankdata():
    x = torch.tensor([0.3, 0.1, 0.3, 0.9, 0.1, 0.5])
    assert np.allclose(rank_average_ties(x).numpy(), stats.rankdata(x.numpy()))
    assert np.allclose(soft_rank(x, 1e-4).numpy(), stats.rankdata(x.numpy()), atol=1e-3)


def test_rsa_too_few_pairs_is_zero_with_graph():
    emb = EMB.clone().requires_grad_(True)
    loss = RSALoss()(emb, torch.tensor([[0, 1], [1, 2]]), torch.tensor([0.1, 0.2]))
    assert float(loss.detach()) == 0.0 and loss.requires_grad


def test_paper_schedule():
    s = PaperSchedule()
    assert [s(e)[1] for e in (0, 1, 2.9, 4, 10)] == pytest.approx([0.3, 0.4, 0.5, 0.7, 0.7])
    assert s(3)[0] == 0.7


def test_bgs_loss_combines_components():
    emb, pairs, human, _ = _toy_rsa()
    trip, odd = torch.tensor([[0, 1, 2], [1, 2, 3]]), torch.tensor([2, 0])
    loss = BGSLoss()
    out = loss(emb, trip, odd, pairs, human, epoch=2)
    local = TripletMarginLoss()(emb, trip, odd)
    glob = RSALoss()(emb, pairs, human)
    assert (out.alpha, out.beta) == pytest.approx((0.7, 0.5))
    assert float(out.loss) == pytest.approx(0.7 * float(local) + 0.5 * float(glob), abs=1e-6)
    log = out.to_log_dict()
    assert log["loss_local"] == pytest.approx(float(local)) and log["n_pairs"] == 5.0
    # exactly 3 pairs (the fewest a correlation needs) still carry the global term
    glob3 = RSALoss()(emb, pairs[:3], human[:3])
    assert abs(float(glob3)) > 0.1
    three = loss(emb, trip, odd, pairs[:3], human[:3], epoch=0)
    assert float(three.loss) == pytest.approx(0.7 * float(local) + 0.3 * float(glob3), abs=1e-6)
    assert three.to_log_dict()["loss_global"] == pytest.approx(float(glob3))
    empty = loss(emb, torch.zeros(0, 3, dtype=torch.long), torch.zeros(0, dtype=torch.long), pairs[:2], human[:2])
    assert float(empty.loss) == 0.0 and math.isnan(empty.to_log_dict()["loss_local"])
    cfg = loss.get_config_dict()
    assert cfg["local"]["margin"] == 0.2 and cfg["global"]["method"] == "pearson"
    assert cfg["schedule"]["alpha"] == 0.7


def test_bgs_with_odd_one_out_local_uses_soft_labels():
    emb, pairs, human, _ = _toy_rsa()
    trip = torch.tensor([[0, 1, 2]])
    probs = torch.tensor([[0.5, 0.0, 0.5]])
    out = BGSLoss(local=OddOneOutLoss(temperature=1.0))(emb, trip, torch.tensor([0]), pairs, human, odd_probs=probs)
    assert float(out.local) == pytest.approx(float(OddOneOutLoss(1.0)(emb, trip, odd_probs=probs)), abs=1e-6)


@pytest.mark.parametrize("mod", [triplet_mod, ooo_mod, rsa_mod, bgs_mod])
def test_docstring_examples_run(mod):
    """Run as a user pastes them: in a namespace of their own (``globs={}``), not the module's, where an example
    that forgot ``import torch`` still passed."""
    res = doctest.testmod(mod, globs={}, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.parametrize("cls", [TripletMarginLoss, OddOneOutLoss, RSALoss, BGSLoss])
def test_each_loss_docstring_lists_its_forward_arguments_in_order_and_has_an_example(cls):
    """The house style's Inputs table (sentence-transformers losses): its rows are ``forward``'s arguments, in
    order, so a renamed or added argument cannot leave the table describing another call."""
    import inspect
    import re

    doc = inspect.getdoc(cls)
    table = doc.split("Inputs:", 1)[1].split("Example", 1)[0]
    rows = re.findall(r"^\s*``(\w+)``\s", table, flags=re.M)
    assert rows == list(inspect.signature(cls.forward).parameters)[1:]
    assert ">>> " in doc.split("Example", 1)[1]


def test_the_losses_package_docstring_gives_each_classs_real_settings_and_call():
    """``bgs_hf.losses``' class list (``TripletMarginLoss(margin=0.2, symmetric=False)(emb, triplets, odd)`` ...) is
    a reference, not code to run, and no test read it: each line's settings must be the constructor's, with its
    defaults where the code has them, and its call ``forward``'s arguments, in order, keyword-only ones after ``*``."""
    import ast
    import inspect

    import bgs_hf.losses

    block = bgs_hf.losses.__doc__.split("called with the epoch)::\n\n", 1)[1].split("\n\n", 1)[0]
    lines = [line.split("#")[0].split(" -> ")[0].strip() for line in re.sub(r"\n\s+\(", "(", block).splitlines()]
    classes = {"TripletMarginLoss": TripletMarginLoss, "OddOneOutLoss": OddOneOutLoss, "RSALoss": RSALoss,
               "BGSLoss": BGSLoss, "PaperSchedule": PaperSchedule}
    assert [line.split("(", 1)[0] for line in lines] == list(classes)
    for line in lines:
        name, settings, call = re.fullmatch(r"(\w+)\((.*)\)\((.*)\)", line).groups()
        cls = classes[name]
        shown = {k.arg: k.value for k in ast.parse(f"f({settings})").body[0].value.keywords}
        real = inspect.signature(cls).parameters
        assert list(shown) == list(real), name
        for key, value in shown.items():
            if isinstance(value, ast.Constant) and real[key].default is not None:
                assert value.value == real[key].default, (name, key)
        called = ast.parse(f"def f({call}): pass").body[0].args
        method = cls.__call__ if cls is PaperSchedule else cls.forward
        params = list(inspect.signature(method).parameters.values())[1:]
        assert [a.arg for a in called.args] == [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD], name
        assert [a.arg for a in called.kwonlyargs] == [p.name for p in params if p.kind is p.KEYWORD_ONLY], name


# --- inputs the losses used to accept silently (the metrics refuse the same ones) ---


@pytest.mark.parametrize("loss", [TripletMarginLoss(), OddOneOutLoss()])
def test_fractional_odd_and_indices_are_refused(loss):
    """``.long()`` used to truncate: odd 1.7 scored as 1, triplet [0, 1, 2.9] as [0, 1, 2]."""
    trip = torch.tensor([[0, 1, 2]])
    with pytest.raises(ValueError, match="odd must hold whole numbers"):
        loss(EMB, trip, torch.tensor([1.7]))
    with pytest.raises(ValueError, match="triplets must hold whole numbers"):
        loss(EMB, torch.tensor([[0.0, 1.0, 2.9]]), torch.tensor([2]))
    assert float(loss(EMB, torch.tensor([[0.0, 1.0, 2.0]]), torch.tensor([2.0]))) == pytest.approx(
        float(loss(EMB, trip, torch.tensor([2]))))  # whole-number floats are fine


@pytest.mark.parametrize("loss", [TripletMarginLoss(), OddOneOutLoss(), RSALoss()])
def test_indices_outside_the_step_name_the_argument(loss):
    """A bad row index was a bare ``IndexError: index out of range in self`` (a device assert on CUDA)."""
    if isinstance(loss, RSALoss):
        call = lambda idx: loss(EMB, idx, torch.tensor([0.1, 0.2, 0.3]))  # noqa: E731
        bad, name = torch.tensor([[0, 1], [0, 3], [1, 2]]), "pairs"
        neg = torch.tensor([[0, 1], [0, -1], [1, 2]])
    else:
        call = lambda idx: loss(EMB, idx, torch.tensor([0]))  # noqa: E731
        bad, name, neg = torch.tensor([[0, 1, 3]]), "triplets", torch.tensor([[0, -1, 2]])
    for idx in (bad, neg):
        with pytest.raises(ValueError, match=rf"{name} must index the 3 embedding rows \(0\.\.2\)"):
            call(idx)


def test_odd_probs_must_be_distributions():
    """Counts [2, 1, 0] used to give 3.26 instead of the 1.09 of [2/3, 1/3, 0]; a negative row was accepted."""
    loss, trip = OddOneOutLoss(1.0), torch.tensor([[0, 1, 2]])
    for bad in ([[2.0, 1.0, 0.0]], [[1.2, -0.2, 0.0]], [[float("nan"), 0.5, 0.5]]):
        with pytest.raises(ValueError, match="odd_probs"):
            loss(EMB, trip, odd_probs=torch.tensor(bad))
    loss(EMB, trip, odd_probs=torch.tensor([[2 / 3, 1 / 3, 0.0]]))


def test_rsa_human_dist_checked_before_the_few_pairs_shortcut():
    pairs = torch.tensor([[0, 1], [0, 2], [1, 2]])
    with pytest.raises(ValueError, match="human_dist has 5 values for 2 pairs"):
        RSALoss()(EMB, pairs[:2], torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5]))
    with pytest.raises(ValueError, match="human_dist must be finite"):
        RSALoss()(EMB, pairs, torch.tensor([0.1, float("nan"), 0.3]))


def test_rsa_human_dist_finite_in_the_dtype_it_is_correlated_in():
    """A float64 distance past float32's range (1e300, numpy's default dtype) is inf once cast for float32 rows:
    checked after the cast, it is refused, not correlated as inf (a NaN loss). Also where BGSLoss counts it."""
    pairs = torch.tensor([[0, 1], [0, 2], [1, 2]])
    big = np.array([0.1, 1e300, 0.3])
    for loss in (RSALoss(), RSALoss("soft_spearman")):
        with pytest.raises(ValueError, match="human_dist must be finite"):
            loss(EMB, pairs, big)
    with pytest.raises(ValueError, match="human_dist must be finite"):
        BGSLoss()(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([0]), pairs, big)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_rsa_loss_computes_in_float32_for_half_embeddings(dtype):
    """fp16 soft ranks of a 64-clip step overflowed to NaN; eps 1e-8 is 0 in fp16 (collapse gave NaN);
    bf16 merged distinct human distances before ranking."""
    torch.manual_seed(0)
    m = 64
    li, lj = torch.triu_indices(m, m, 1)
    pairs, human = torch.stack([li, lj], 1), torch.rand(m * (m - 1) // 2)
    emb = torch.nn.functional.normalize(torch.randn(m, 32), dim=-1)
    for method in ("soft_spearman", "pearson"):
        ref = float(RSALoss(method)(emb.to(dtype).float(), pairs, human))
        e = emb.to(dtype).requires_grad_(True)
        out = RSALoss(method)(e, pairs, human)
        out.backward()
        assert out.dtype == dtype and torch.isfinite(e.grad).all()
        assert float(out.detach()) == pytest.approx(ref, abs=1e-2)
    collapsed = torch.ones(3, 4, dtype=dtype)
    three = torch.tensor([[0, 1], [0, 2], [1, 2]])
    assert float(RSALoss()(collapsed, three, torch.tensor([0.2, 0.9, 0.5]))) == 0.0


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("make", [TripletMarginLoss, lambda: TripletMarginLoss(symmetric=True), OddOneOutLoss])
def test_local_losses_compute_in_float32_for_half_embeddings(make, dtype):
    """A bf16/fp16 model's embeddings given straight to the local losses (a user's own loop; the Trainer upcasts):
    cosines of close clips (0.9998 here, as early in fine-tuning) and 1 - cos were computed in half precision, which
    put the triplet hinge's gradient 38% (bf16) off the exact one on the very same half inputs, odd-one-out's 18%."""
    torch.manual_seed(0)
    m, n = 64, 200
    emb = torch.nn.functional.normalize(torch.randn(1, 32) + 0.02 * torch.randn(m, 32), dim=-1).to(dtype)
    trip = torch.stack([torch.randperm(m)[:3] for _ in range(n)])
    odd = torch.randint(0, 3, (n,))
    exact = emb.double().requires_grad_(True)  # the same (rounded) inputs, in float64
    ref = make()(exact, trip, odd)
    ref.backward()
    e = emb.clone().requires_grad_(True)
    out = make()(e, trip, odd)
    out.backward()
    assert out.dtype == dtype and e.grad.dtype == dtype
    assert float(out.detach()) == pytest.approx(float(ref.detach()), abs=torch.finfo(dtype).eps * float(ref.detach()))
    rel = float((e.grad.double() - exact.grad).norm() / exact.grad.norm())
    assert rel < 0.01, rel


@pytest.mark.parametrize("make", [
    lambda v: TripletMarginLoss(margin=v), lambda v: OddOneOutLoss(temperature=v),
    lambda v: RSALoss("soft_spearman", regularization_strength=v), lambda v: PaperSchedule(alpha=v),
    lambda v: PaperSchedule(beta0=v), lambda v: PaperSchedule(beta_step=v), lambda v: PaperSchedule(beta_max=v),
])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_loss_settings_are_refused(make, value):
    """``--alpha inf`` trained with loss NaN every step (logged as 0) and saved an all-NaN adapter."""
    with pytest.raises(ValueError, match="finite"):
        make(value)


def test_valid_soft_targets_pass_with_half_precision_embeddings():
    """The sum check ran after the cast to fp16, which rounds [0.05, 0.55, 0.4] off 1 beyond the tolerance."""
    emb = EMB.to(torch.float16)
    OddOneOutLoss(1.0)(emb, torch.tensor([[0, 1, 2]]), odd_probs=torch.tensor([[0.05, 0.55, 0.4]], dtype=torch.float64))


# --- the losses used standalone, as a library (a notebook's own embeddings) ---


@pytest.mark.parametrize("loss", [TripletMarginLoss(margin=0.3, symmetric=True), OddOneOutLoss(temperature=0.5),
                                  RSALoss("soft_spearman", regularization_strength=0.2), RSALoss(),
                                  BGSLoss(local=OddOneOutLoss(0.2), global_=RSALoss("soft_spearman"),
                                          schedule=PaperSchedule(alpha=0.5, beta0=0.1, beta_step=0.2, beta_max=0.9))])
def test_get_config_dict_rebuilds_the_same_loss(loss):
    """``get_config_dict()`` also carries descriptive keys (``name``, ``distance``) for the model card, so
    ``type(loss)(**cfg)`` raised TypeError; ``from_config_dict`` / ``loss_from_config`` rebuild it."""
    from bgs_hf.losses import loss_from_config

    cfg = loss.get_config_dict()
    for again in (type(loss).from_config_dict(cfg), loss_from_config(cfg)):
        assert type(again) is type(loss) and again.get_config_dict() == cfg
    with pytest.raises(ValueError, match="not a TripletMarginLoss"):
        TripletMarginLoss.from_config_dict(RSALoss().get_config_dict())
    with pytest.raises(ValueError, match="unknown loss 'MSELoss'"):
        loss_from_config({"name": "MSELoss"})


@pytest.mark.parametrize("kw, match", [({"local": "triplet"}, "local must be a loss module"),
                                       ({"global_": RSALoss}, "global_ must be a loss module"),
                                       ({"schedule": {"alpha": 1.0}}, "schedule must be")])
def test_bgs_loss_refuses_parts_that_are_not_losses(kw, match):
    """``BGSLoss(local="triplet")`` was accepted and then silently had no local term until the first call failed
    with "'str' object is not callable"; a dict schedule failed only at the first step."""
    with pytest.raises(TypeError, match=match):
        BGSLoss(**kw)


def test_a_local_loss_without_odd_says_so():
    """``TripletMarginLoss(emb, trip, None)`` (or ``BGSLoss`` given only ``odd_probs``) raised torch's
    "Could not infer dtype of NoneType"."""
    trip = torch.tensor([[0, 1, 2]])
    with pytest.raises(ValueError, match="TripletMarginLoss needs odd"):
        TripletMarginLoss()(EMB, trip, None)
    with pytest.raises(ValueError, match="^OddOneOutLoss needs odd or odd_probs$"):  # coverage audit: no test ran it
        OddOneOutLoss(1.0)(EMB, trip)
    pairs, human = torch.tensor([[0, 1], [0, 2], [1, 2]]), torch.tensor([0.2, 0.9, 0.5])
    with pytest.raises(ValueError, match="odd_probs is used only by OddOneOutLoss"):
        BGSLoss()(EMB, trip, None, pairs, human, odd_probs=torch.tensor([[0.5, 0.0, 0.5]]))


@pytest.mark.parametrize("emb", [EMB[0], EMB[None], EMB.long()])
def test_embeddings_must_be_a_float_matrix(emb):
    """A 1-D embedding raised "shape '[3]' is invalid for input of size 1", a (1, M, D) batch "triplets must
    index the 1 embedding rows"."""
    for call in (lambda: TripletMarginLoss()(emb, torch.tensor([[0, 1, 2]]), torch.tensor([0])),
                 lambda: OddOneOutLoss()(emb, torch.tensor([[0, 1, 2]]), torch.tensor([0])),
                 lambda: RSALoss()(emb, torch.tensor([[0, 1], [0, 2], [1, 2]]), torch.tensor([0.2, 0.9, 0.5]))):
        with pytest.raises(ValueError, match=r"emb must be a floating-point \(M, D\) matrix"):
            call()


@pytest.mark.parametrize("field", ["alpha", "beta0", "beta_step", "beta_max"])
def test_negative_schedule_weights_are_refused(field):
    """``PaperSchedule(beta_step=-0.1)`` was accepted: from epoch 4 beta turned negative and the RSA term
    trained the model away from the human similarities, silently."""
    with pytest.raises(ValueError, match=f"{field} must be .*>= 0"):
        PaperSchedule(**{field: -0.1})
    PaperSchedule(**{field: 0.0})  # a zero weight (an ablation) is fine
    with pytest.raises(ValueError, match="epoch must be a finite number"):
        PaperSchedule()(float("nan"))


@pytest.mark.parametrize("value", ["a", None])
def test_a_setting_that_is_not_a_number_names_itself(value):
    """``TripletMarginLoss(margin=None)`` raised "float() argument must be ... not 'NoneType'"."""
    with pytest.raises(ValueError, match="margin must be a finite number"):
        TripletMarginLoss(margin=value)


@pytest.mark.parametrize(("make", "line"), [
    (lambda: TripletMarginLoss(margin=True), "margin must be a finite number, got True"),
    (lambda: OddOneOutLoss(temperature="0.5"), "temperature must be a finite number >= 1e-30, got '0.5'"),
    (lambda: PaperSchedule(alpha=True), "alpha must be a finite number >= 0, got True"),
    (lambda: RSALoss("soft_spearman", regularization_strength="1.0"),
     "regularization_strength must be a finite number >= 1e-30, got '1.0'"),
    # inf is not a value below the bound: "(the loss divides by it: a smaller one ...)" was said of it too
    (lambda: OddOneOutLoss(temperature=float("inf")), "temperature must be a finite number >= 1e-30, got inf"),
])
def test_a_loss_setting_given_as_a_bool_or_text_is_refused_as_its_twins_refuse_it(make, line):
    """``finite_setting`` read its value with ``float()``, so ``margin=True`` trained with a margin of 1 and
    ``temperature="0.5"`` at 0.5, where every other numeric setting (the training flags, the Space limits, the
    pretraining configs) refuses a bool and text: one rule, ``bgs_hf.errors.finite_number``, still a ValueError."""
    with pytest.raises(ValueError, match=f"^{re.escape(line)}$"):
        make()
    assert OddOneOutLoss(temperature=np.float32(0.5)).temperature == 0.5  # numpy's numbers are still numbers


# --- mutation audit: gradients, reductions and edge cases the value tests above did not pin ---


def _grad_case():
    torch.manual_seed(3)
    emb = torch.nn.functional.normalize(torch.randn(5, 4, dtype=torch.float64), dim=-1)
    trip = torch.tensor([[0, 1, 2], [1, 3, 4], [4, 0, 2]])
    odd = torch.tensor([2, 0, 1])
    li, lj = torch.triu_indices(5, 5, 1)
    pairs = torch.stack([li, lj], 1)
    human = torch.rand(len(pairs), dtype=torch.float64)
    return emb, trip, odd, pairs, human


@pytest.mark.parametrize("name", ["triplet", "triplet_sym", "odd_one_out", "odd_one_out_soft", "pearson"])
def test_loss_gradients_match_finite_differences(name):
    """The value tests pin each loss's forward only: a ``detach()`` on a normaliser (e.g. the Pearson
    denominator) leaves every value unchanged but trains on a wrong gradient. gradcheck compares autograd with
    central differences in float64. (soft_spearman is left out: its temperature, strength * std(x), is held
    constant in the backward on purpose, so it differs from a finite difference by design.)"""
    emb, trip, odd, pairs, human = _grad_case()
    probs = torch.tensor([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.2, 0.2, 0.6]], dtype=torch.float64)
    fn = {"triplet": lambda e: TripletMarginLoss(margin=0.5)(e, trip, odd),
          "triplet_sym": lambda e: TripletMarginLoss(margin=0.5, symmetric=True)(e, trip, odd),
          "odd_one_out": lambda e: OddOneOutLoss(0.3)(e, trip, odd),
          "odd_one_out_soft": lambda e: OddOneOutLoss(0.3)(e, trip, odd_probs=probs),
          "pearson": lambda e: RSALoss()(e, pairs, human)}[name]
    if name.startswith("triplet"):  # every hinge active, away from its kink, so the loss is smooth there
        assert TripletMarginLoss(margin=0.5)(emb, trip, odd) > 0
    assert torch.autograd.gradcheck(fn, (emb.clone().requires_grad_(True),), eps=1e-6, atol=1e-6)


def test_bgs_loss_gradient_is_the_weighted_sum_of_its_terms():
    """Only the value of ``BGSLoss`` was pinned: a detached local (or global) term kept every logged number and
    silently trained on the other term alone."""
    emb, trip, odd, pairs, human = _grad_case()
    grads = []
    for fn in (lambda e: BGSLoss()(e, trip, odd, pairs, human, epoch=1).loss,
               lambda e: TripletMarginLoss()(e, trip, odd), lambda e: RSALoss()(e, pairs, human)):
        e = emb.clone().requires_grad_(True)
        fn(e).backward()
        grads.append(e.grad)
    assert grads[1].abs().sum() > 0 and grads[2].abs().sum() > 0
    torch.testing.assert_close(grads[0], 0.7 * grads[1] + 0.4 * grads[2])


def test_losses_average_over_triplets():
    """The hand-value tests score single triplets, where mean and sum agree: a summed reduction scaled the local
    term (and its weight against RSA) with the number of triplets in the step."""
    emb, trip, odd, _, _ = _grad_case()
    for loss in (OddOneOutLoss(0.3), TripletMarginLoss(margin=0.5), TripletMarginLoss(margin=0.5, symmetric=True)):
        each = [float(loss(emb, trip[i:i + 1], odd[i:i + 1])) for i in range(len(trip))]
        assert float(loss(emb, trip, odd)) == pytest.approx(np.mean(each), abs=1e-9)
    probs = torch.tensor([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.2, 0.2, 0.6]], dtype=torch.float64)
    each = [float(OddOneOutLoss(0.3)(emb, trip[i:i + 1], odd_probs=probs[i:i + 1])) for i in range(3)]
    assert float(OddOneOutLoss(0.3)(emb, trip, odd_probs=probs)) == pytest.approx(np.mean(each), abs=1e-9)


def test_soft_rank_temperature_is_relative_to_the_spread_of_the_distances():
    """``strength`` is documented as a fraction of std(x): the soft ranks (and soft-Spearman) of distances spread
    over 0.001 or over 1 are the same. An absolute temperature flattened close distances to one rank."""
    x = torch.tensor([0.3, 0.1, 0.35, 0.9, 0.12, 0.5], dtype=torch.float64)
    for c in (1e-3, 1e3):
        torch.testing.assert_close(soft_rank(c * x, 0.1), soft_rank(x, 0.1))
    assert np.allclose(soft_rank(1e-3 * x, 1e-3).numpy(), stats.rankdata(x.numpy()), atol=1e-3)


def test_bgs_loss_with_no_terms_is_a_zero_connected_to_the_embeddings():
    """A step with no triplet and fewer than 3 pairs still backprops (DDP needs every rank to reach every
    parameter); a negative epoch counts as epoch 0."""
    emb = EMB.clone().requires_grad_(True)
    out = BGSLoss()(emb, torch.zeros(0, 3, dtype=torch.long), torch.zeros(0, dtype=torch.long),
                    torch.tensor([[0, 1]]), torch.tensor([0.5]), epoch=-1)
    assert float(out.loss.detach()) == 0.0 and out.loss.requires_grad
    out.loss.backward()
    assert emb.grad is not None and (out.alpha, out.beta) == (0.7, 0.3)
    assert math.isnan(out.to_log_dict()["loss_local"]) and math.isnan(out.to_log_dict()["loss_global"])


@pytest.mark.parametrize("method", ["pearson", "soft_spearman"])
def test_bgs_loss_logs_rsa_over_equal_human_distances_as_nan_like_any_undefined_term(method):
    """Human distances all equal in a step (every pair judged alike) leave no correlation to fit: the RSA term was
    logged as -0.0, which a training log's window averaged in as a correlation of 0, while the other undefined terms
    are NaN (left out). The loss and its gradient are unchanged (the term's gradient was exactly 0)."""
    emb, pairs, _, _ = _toy_rsa()
    emb = emb.clone().requires_grad_(True)
    trip, odd = torch.tensor([[0, 1, 2]]), torch.tensor([0])
    equal = torch.full((pairs.shape[0],), 0.5)
    out = BGSLoss(global_=RSALoss(method))(emb, trip, odd, pairs, equal)
    assert math.isnan(out.to_log_dict()["loss_global"]) and out.n_pairs == pairs.shape[0]
    out.loss.backward()
    grad = emb.grad.clone()
    emb.grad = None
    local = 0.7 * TripletMarginLoss()(emb, trip, odd)
    local.backward()
    assert float(out.loss.detach()) == float(local.detach()) and torch.equal(grad, emb.grad)
    with pytest.raises(ValueError, match="human_dist must be finite"):  # still checked
        BGSLoss()(emb, trip, odd, pairs, torch.full((pairs.shape[0],), float("nan")))
    # equal but for one (mutation audit: "any equal" and "the first two equal" passed): RSA is defined and trained
    for k in (0, pairs.shape[0] - 1):
        partly = equal.clone()
        partly[k] = 0.9
        out = BGSLoss(global_=RSALoss(method))(emb, trip, odd, pairs, partly)
        want = float(RSALoss(method)(emb, pairs, partly).detach())
        assert math.isfinite(want) and out.to_log_dict()["loss_global"] == pytest.approx(want)


def test_bgs_loss_names_triplets_or_pairs_of_the_wrong_width():
    """Fuzzing: BGSLoss counted its triplets and pairs with torch's reshape, so a (1, 4) triplet, a (1, 3) pair or
    five pair indices failed with "shape '[-1, 3]' is invalid for input of size 4" before either term could name
    the argument, as each does when called alone."""
    emb, pairs, human, _ = _toy_rsa()
    with pytest.raises(ValueError, match=r"triplets must have shape \(n, 3\), got \(1, 4\)"):
        BGSLoss()(emb, torch.tensor([[0, 1, 2, 3]]), torch.tensor([0]), pairs, human)
    for bad in ([[0, 1, 2]], [0, 1, 2, 3, 1]):
        with pytest.raises(ValueError, match=r"pairs must have shape \(n, 2\)"):
            BGSLoss()(emb, torch.tensor([[0, 1, 2]]), torch.tensor([0]), torch.tensor(bad), human[:1])


def test_bgs_loss_checks_the_targets_of_a_term_it_skips():
    """A BGSLoss term skipped for want of inputs (2 pairs, no triplet) dropped its targets unchecked: 5 distances for
    2 pairs, or 2 odd positions for no triplet, gave a loss without a word, though RSALoss alone refuses the first;
    a missing ``human_dist`` was torch's "Could not infer dtype of NoneType"."""
    emb, pairs, human, _ = _toy_rsa()
    trip, odd = torch.tensor([[0, 1, 2]]), torch.tensor([0])
    with pytest.raises(ValueError, match="human_dist has 5 values for 2 pairs"):
        BGSLoss()(emb, trip, odd, pairs[:2], human)
    with pytest.raises(ValueError, match="odd has 2 entries for 0 triplets"):
        BGSLoss()(emb, torch.zeros(0, 3), torch.tensor([0, 1]), pairs, human)
    for loss in (BGSLoss(), lambda e, p, h: RSALoss()(e, p, h)):
        with pytest.raises(ValueError, match="human_dist is missing"):
            loss(emb, trip, odd, pairs, None) if isinstance(loss, BGSLoss) else loss(emb, pairs, None)
    # matching targets of a skipped term, and a step with no term at all, still give the other term alone
    out = BGSLoss()(emb, trip, odd, pairs[:2], human[:2])
    assert out.n_pairs == 2 and math.isnan(float(out.global_))
    assert float(out.loss) == pytest.approx(0.7 * float(TripletMarginLoss()(emb, trip, odd)))
    assert float(BGSLoss()(emb, torch.zeros(0, 3), torch.zeros(0), pairs, human).local.isnan())
    assert BGSLoss()(emb, trip, odd, None, None).n_pairs == 0


def test_the_config_of_a_users_schedule_or_term_names_it_without_claiming_the_papers():
    """``BGSLoss`` takes any callable ``epoch -> (alpha, beta)`` as schedule and any module as a term, but its
    ``get_config_dict()`` raised "asdict() should be called on dataclass instances" (AttributeError for a term without
    a config) and recorded a PaperSchedule subclass with the paper's formula. Each is now named, and not rebuilt."""
    from bgs_hf.losses import loss_from_config

    def ramp(epoch: float) -> tuple[float, float]:
        return 1.0, 0.1 * epoch

    class Warmup(PaperSchedule):
        def __call__(self, epoch: float) -> tuple[float, float]:
            return self.alpha, min(1.0, epoch) * self.beta_max

    class Mine(torch.nn.Module):
        def forward(self, emb, triplets, odd):
            return emb.sum() * 0.0

    cfg = BGSLoss(local=Mine(), schedule=ramp).get_config_dict()
    assert cfg["local"] == {"name": "Mine"} and cfg["global"] == RSALoss().get_config_dict()
    assert cfg["schedule"] == {"kind": "ramp"}
    assert BGSLoss(schedule=Warmup()).get_config_dict()["schedule"] == {"kind": "Warmup"}
    with pytest.raises(ValueError, match="only a PaperSchedule schedule can be rebuilt"):
        loss_from_config(cfg)
    assert BGSLoss().get_config_dict()["schedule"]["formula"].startswith("alpha * local")  # the paper's, as before


def test_losses_read_cosine_of_raw_unnormalised_embeddings():
    """Every loss promises D = 1 - cosine, so rescaling a clip's embedding changes nothing (a notebook's raw
    features, not L2-normalised). Mutation audit: dropping the re-normalisation in ``pair_cosine`` passed every
    test, whose embeddings were all unit rows, and scored raw features by dot product."""
    scale = torch.tensor([[2.0], [0.5], [3.0]])
    raw = EMB * scale  # same directions as EMB: D = 0.4, 1.0, 0.2 (see EMB)
    trip = torch.tensor([[0, 1, 2], [0, 1, 2]])
    assert float(TripletMarginLoss(margin=0.2)(raw, trip, torch.tensor([2, 1]))) == pytest.approx(0.4, abs=1e-6)
    z = [0.8, 0.0, 0.6]  # cos(1,2), cos(0,2), cos(0,1)
    expected = -(z[0] - math.log(sum(math.exp(v) for v in z)))
    assert float(OddOneOutLoss(temperature=1.0)(raw, trip[:1], torch.tensor([0]))) == pytest.approx(expected, abs=1e-6)
    emb, pairs, human, model_d = _toy_rsa()
    raw4 = emb * torch.tensor([[5.0], [0.2], [1.0], [7.0]])
    expected = -stats.pearsonr(model_d, human.numpy()).statistic
    assert float(RSALoss()(raw4, pairs, human)) == pytest.approx(expected, abs=1e-5)


def test_soft_rank_gradient_holds_its_temperature_constant():
    """soft_rank's temperature, strength * std(x), is held constant in the backward (the gradcheck above leaves
    soft_spearman out for that reason). Reference: with c fixed, d/dx_k sum_i w_i r_i =
    (1/c) sum_j sigmoid'((x_k - x_j)/c) (w_k - w_j). Mutation audit: differentiating through std(x) passed."""
    x = torch.tensor([0.3, 0.1, 0.35, 0.9, 0.12, 0.5], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, -2.0, 0.5, 3.0, 0.0, -1.0], dtype=torch.float64)
    strength = 0.3
    (w * soft_rank(x, strength)).sum().backward()
    xs, ws = x.detach().numpy(), w.numpy()
    c = strength * xs.std(ddof=1)  # torch.std is the sample std
    sig = 1.0 / (1.0 + np.exp(-(xs[:, None] - xs[None, :]) / c))
    expected = ((sig * (1.0 - sig)) * (ws[:, None] - ws[None, :])).sum(1) / c
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


# --- mutation audit, second pass: inputs, records and defaults the tests above did not pin ---


def test_the_hinge_anchors_on_the_earlier_kept_position_when_the_first_clip_is_odd():
    """For odd = 0 the kept positions are 1 and 2, and the anchor is position 1 (the earlier). Triplet (clips 2, 1, 0),
    odd 0: a = clip 1, p = clip 0, n = clip 2, so D(1,0) - D(1,2) + 0.2 = 0.4 - 0.2 + 0.2 = 0.4 (see EMB); anchored on
    clip 0 it would be max(0, 0.4 - 1.0 + 0.2) = 0. Mutation audit: the hand values had odd 1 and 2 only, so swapping
    the anchor of odd 0 passed every test."""
    loss = TripletMarginLoss(margin=0.2)(EMB, torch.tensor([[2, 1, 0]]), torch.tensor([0]))
    assert float(loss) == pytest.approx(0.4, abs=1e-6)


def test_an_empty_step_given_as_plain_empty_lists_is_a_zero_loss():
    """A step with no triplet (or pair) given as ``[]`` (shape (0,), not (0, 3)) is an empty step, as BGSLoss treats
    it, not a shape error."""
    emb = EMB.clone().requires_grad_(True)
    for loss in (TripletMarginLoss()(emb, [], []), OddOneOutLoss()(emb, [], []), RSALoss()(emb, [], [])):
        assert float(loss.detach()) == 0.0 and loss.requires_grad


def test_a_zero_temperature_or_soft_rank_strength_is_refused():
    """Both divide: temperature 0 gave infinite logits (NaN loss), strength 0 a soft rank of 0/0. Mutation audit: a
    bound that let 0 through passed, as only NaN and inf were tried."""
    with pytest.raises(ValueError, match=r"temperature must be a finite number >= 1e-30, got 0$"):
        OddOneOutLoss(temperature=0)
    with pytest.raises(ValueError, match=r"regularization_strength must be a finite number >= 1e-30, got 0.0$"):
        RSALoss("soft_spearman", regularization_strength=0.0)
    with pytest.raises(ValueError, match=r"temperature must be a finite number >= 1e-30, got -0.1$"):
        OddOneOutLoss(temperature=-0.1)


@pytest.mark.parametrize("tiny", [1e-40, 1e-45])
def test_a_temperature_or_soft_rank_strength_that_overflows_float32_is_refused(tiny):
    """Above 0 but so small that dividing by it overflowed float32: the loss (temperature) or the gradient (soft-rank
    strength) was NaN, and training stopped at the first step. Refused when the loss is made, saying why; the
    smallest allowed value still gives a finite loss and gradient."""
    for make in (lambda v: OddOneOutLoss(temperature=v), lambda v: RSALoss("soft_spearman", regularization_strength=v)):
        with pytest.raises(ValueError, match=rf">= 1e-30 \(the loss divides by it: a smaller one overflows float32 "
                                             rf"to NaN\), got {tiny!r}$"):
            make(tiny)
    emb = torch.nn.functional.normalize(torch.randn(6, 8, generator=torch.Generator().manual_seed(0)), dim=-1)
    emb.requires_grad_(True)
    pairs = torch.tensor([[0, 1], [0, 2], [1, 3], [2, 4], [3, 5]])
    loss = (OddOneOutLoss(temperature=1e-30)(emb, torch.tensor([[0, 1, 2], [3, 4, 5]]), torch.tensor([0, 1]))
            + RSALoss("soft_spearman", regularization_strength=1e-30)(emb, pairs, torch.tensor([.1, .5, .3, .9, .2])))
    loss.backward()
    assert bool(torch.isfinite(loss.detach())) and bool(torch.isfinite(emb.grad).all())


def test_odd_one_out_given_both_odd_and_odd_probs_refuses_rather_than_ignore_one():
    """``odd_probs`` silently won over ``odd``: a caller passing both (hard labels and soft targets from different
    judgments) trained on one without a word. BGSLoss, which documents passing ``odd_probs`` in place of ``odd``
    to an OddOneOutLoss term, still does."""
    trip = torch.tensor([[0, 1, 2]])
    probs = torch.tensor([[0.5, 0.0, 0.5]])
    with pytest.raises(ValueError, match="^OddOneOutLoss takes odd or odd_probs, not both$"):
        OddOneOutLoss(1.0)(EMB, trip, torch.tensor([1]), odd_probs=probs)
    out = BGSLoss(local=OddOneOutLoss(1.0))(EMB, trip, torch.tensor([1]), None, None, odd_probs=probs)
    assert float(out.local) == pytest.approx(float(OddOneOutLoss(1.0)(EMB, trip, odd_probs=probs)))


def test_infinite_indices_are_refused_as_not_whole_numbers():
    """inf is no row or position: it is refused like 1.7, not cast to a huge negative integer first."""
    inf = float("inf")
    with pytest.raises(ValueError, match="triplets must hold whole numbers"):
        TripletMarginLoss()(EMB, torch.tensor([[0.0, 1.0, inf]]), torch.tensor([0]))
    with pytest.raises(ValueError, match="odd must hold whole numbers"):
        OddOneOutLoss()(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([inf]))
    with pytest.raises(ValueError, match="pairs must hold whole numbers"):
        RSALoss()(EMB, torch.tensor([[0.0, 1.0], [0.0, 2.0], [1.0, -inf]]), torch.tensor([0.1, 0.2, 0.3]))


def test_a_config_describing_another_computation_or_unknown_settings_is_refused():
    """A recorded loss is rebuilt only when it describes what the class computes: a config saying ``distance:
    euclidean``, an unknown setting (a typo such as ``margn``) or a schedule other than PaperSchedule is refused, never
    rebuilt as the default."""
    from bgs_hf.losses import loss_from_config

    with pytest.raises(ValueError, match="TripletMarginLoss computes distance 'cosine', the config says 'euclidean'"):
        loss_from_config({"name": "TripletMarginLoss", "margin": 0.2, "distance": "euclidean"})
    with pytest.raises(ValueError, match=r"RSALoss config has unknown keys \['lambda'\]"):
        loss_from_config({"name": "RSALoss", "method": "pearson", "lambda": 1.0})
    with pytest.raises(ValueError, match="only a PaperSchedule schedule can be rebuilt"):
        loss_from_config({"name": "BGSLoss", "schedule": {"kind": "CosineSchedule", "alpha": 0.7}})
    with pytest.raises(ValueError, match=r"unknown keys \['margn'\]"):
        loss_from_config({"name": "TripletMarginLoss", "margn": 0.3})
    assert loss_from_config({"name": "TripletMarginLoss", "margin": 0.3, "distance": "cosine"}).margin == 0.3


def test_a_schedule_class_instead_of_an_instance_is_refused():
    """``BGSLoss(schedule=PaperSchedule)`` (the class, callable) failed only at the first step."""
    with pytest.raises(TypeError, match="schedule must be a PaperSchedule"):
        BGSLoss(schedule=PaperSchedule)


def test_the_log_dict_names_each_number_under_its_own_key_with_the_prefix():
    """``to_log_dict`` at epoch 2 of the paper's schedule: alpha 0.7, beta 0.5, 2 triplets, 5 pairs, the loss the sum
    of the weighted terms; every key carries the prefix. Mutation audit: alpha/beta swapped, n_triplets counted from
    the pairs and the prefix dropped from ``loss`` all passed (only loss_local and n_pairs were read)."""
    emb, pairs, human, _ = _toy_rsa()
    trip, odd = torch.tensor([[0, 1, 2], [1, 2, 3]]), torch.tensor([2, 0])
    log = BGSLoss()(emb, trip, odd, pairs, human, epoch=2).to_log_dict(prefix="eval_")
    local, glob = float(TripletMarginLoss()(emb, trip, odd)), float(RSALoss()(emb, pairs, human))
    assert set(log) == {f"eval_{k}" for k in ("loss", "loss_local", "loss_global", "alpha", "beta", "n_triplets",
                                               "n_pairs")}
    assert (log["eval_alpha"], log["eval_beta"]) == pytest.approx((0.7, 0.5))
    assert (log["eval_n_triplets"], log["eval_n_pairs"]) == (2, 5)
    # counts as ints: as floats a log showed 2.0 triplets (the Trainer's console, .4g, 1.2e+04 pairs from 10,000 on)
    assert [type(log[k]) for k in ("eval_n_triplets", "eval_n_pairs", "eval_alpha", "eval_loss")] == [int, int,
                                                                                                     float, float]
    assert log["eval_loss_global"] == pytest.approx(glob, abs=1e-6)
    assert log["eval_loss"] == pytest.approx(0.7 * local + 0.5 * glob, abs=1e-6)


def test_soft_targets_need_one_row_per_triplet_and_rows_summing_to_one():
    """One row of ``odd_probs`` for two triplets was broadcast to both; a row summing to 1.01 is not a distribution
    (the tolerance is 1e-4, for float rounding). Hand value for the valid case: see
    test_odd_one_out_hand_values_and_soft_labels."""
    loss, trip = OddOneOutLoss(1.0), torch.tensor([[0, 1, 2], [0, 1, 2]])
    with pytest.raises(ValueError, match=r"odd_probs must have shape \(2, 3\), got \(1, 3\)"):
        loss(EMB, trip, odd_probs=torch.tensor([[0.5, 0.0, 0.5]]))
    with pytest.raises(ValueError, match="odd_probs rows must be probabilities"):
        loss(EMB, trip[:1], odd_probs=torch.tensor([[0.5, 0.3, 0.21]]))
    loss(EMB, trip[:1], odd_probs=torch.tensor([[0.5, 0.3, 0.20001]]))


def test_the_losses_default_settings_are_the_documented_ones():
    """OddOneOutLoss's temperature 0.1 (its docstring example), TripletMarginLoss's margin 0.2 and unsymmetric hinge,
    soft-Spearman's strength 0.1: an odd-one-out or soft-Spearman recipe that names no setting trains with these."""
    assert OddOneOutLoss().temperature == 0.1
    assert (TripletMarginLoss().margin, TripletMarginLoss().symmetric) == (0.2, False)
    assert RSALoss("soft_spearman").regularization_strength == 0.1 and RSALoss().method == "pearson"
    assert RSALoss("soft_spearman").get_config_dict()["regularization_strength"] == 0.1


def test_an_unknown_rsa_method_is_refused():
    """``RSALoss("spearman")`` would otherwise train on Pearson under another name; the refusal names the method meant
    (``bgs-hf train --rsa_method`` reads it from here)."""
    with pytest.raises(ValueError, match=re.escape("unknown RSA method 'spearman' (did you mean 'soft_spearman'?); use "
                                                   "'pearson' or 'soft_spearman'")):
        RSALoss("spearman")


@pytest.mark.parametrize("loss", [TripletMarginLoss(), OddOneOutLoss()])
def test_a_negative_odd_position_is_refused_not_read_from_the_end(loss):
    """odd -1 would index ``_KEPT`` from the end: the hinge scored the triplet as if position 2 were odd, with no
    word. Mutation audit (third pass): the ``min < 0`` half of the position check dropped passed every test."""
    with pytest.raises(ValueError, match="positions 0, 1 or 2"):
        loss(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([-1]))


def test_odd_given_as_a_column_is_read_as_one_position_per_triplet():
    """An (n, 1) ``odd`` (a column sliced out of a judgments table) is flattened: same hand values as the flat
    one, the hinge's 0.4 of test_triplet_margin_hand_values and odd-one-out's -log softmax(z)[0] with z = (0.8, 0,
    0.6). Mutation audit (third pass): without the flattening, gather and nll_loss failed on the column."""
    trip = torch.tensor([[0, 1, 2], [0, 1, 2]])
    assert float(TripletMarginLoss(0.2)(EMB, trip, torch.tensor([[2], [1]]))) == pytest.approx(0.4, abs=1e-6)
    z = [0.8, 0.0, 0.6]
    expected = -(z[0] - math.log(sum(math.exp(v) for v in z)))
    assert float(OddOneOutLoss(1.0)(EMB, trip[:1], torch.tensor([[0]]))) == pytest.approx(expected, abs=1e-6)


def test_each_loss_config_names_exactly_what_it_computes_and_a_symmetric_hinge_round_trips():
    """The model card shows these dicts and a run rebuilds its loss from them: a symmetric hinge left out of its
    config came back one-sided (0.8, not 0.9, on the hand triplet of test_triplet_margin_hand_values), a Pearson RSA
    listed a soft-rank strength it never uses, and odd-one-out lost its similarity. Mutation audit (third pass): all
    three passed, the round-trip test comparing a config only with its own rebuild."""
    from bgs_hf.losses import loss_from_config

    sym = TripletMarginLoss(margin=0.2, symmetric=True)
    assert sym.get_config_dict() == {"name": "TripletMarginLoss", "margin": 0.2, "distance": "cosine",
                                     "symmetric": True}
    again = loss_from_config(sym.get_config_dict())
    assert float(again(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([1]))) == pytest.approx(0.9, abs=1e-6)
    assert RSALoss().get_config_dict() == {"name": "RSALoss", "method": "pearson", "distance": "cosine"}
    assert RSALoss("soft_spearman", 0.5).get_config_dict() == {
        "name": "RSALoss", "method": "soft_spearman", "distance": "cosine", "regularization_strength": 0.5}
    assert OddOneOutLoss(0.5).get_config_dict() == {"name": "OddOneOutLoss", "temperature": 0.5,
                                                    "similarity": "cosine"}


def test_a_bgs_config_naming_no_terms_or_schedule_rebuilds_the_papers_loss():
    """``{"name": "BGSLoss"}`` alone is the paper's loss: the triplet hinge (margin 0.2), -Pearson, alpha 0.7 and beta
    0.3 + 0.1 per epoch up to 0.7. Mutation audit (third pass): a missing schedule raising KeyError and a missing local
    term rebuilt as odd-one-out both passed."""
    loss = BGSLoss.from_config_dict({"name": "BGSLoss"})
    assert type(loss.local) is TripletMarginLoss and (loss.local.margin, loss.local.symmetric) == (0.2, False)
    assert type(loss.global_) is RSALoss and loss.global_.method == "pearson"
    assert [w for e in (0, 2, 5) for w in loss.schedule(e)] == pytest.approx([0.7, 0.3, 0.7, 0.5, 0.7, 0.7])


def test_soft_spearman_of_a_collapsed_model_is_zero_not_nan():
    """A model giving every clip the same embedding (a collapse, e.g. early in training) has all its distances tied:
    their spread is 0, and the soft ranks must not divide by it. Each soft rank is then 0.5 · P + 0.5 = 2 for P = 3,
    the average tie rank, and the correlation with any human distances 0. Mutation audit (third pass): the spread
    without its floor (NaN ranks, a NaN loss) passed."""
    tied = torch.ones(3)
    assert soft_rank(tied, 0.1).tolist() == [2.0, 2.0, 2.0]
    emb = torch.ones(4, 2)
    pairs = torch.tensor([[0, 1], [0, 2], [1, 3]])
    assert float(RSALoss("soft_spearman")(emb, pairs, torch.tensor([0.2, 0.9, 0.5]))) == 0.0


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("method", ["pearson", "soft_spearman"])
def test_rsa_loss_of_a_collapsed_model_has_a_zero_gradient(method, dtype):
    """Fuzzing: with every clip embedded alike the model distances are all equal and no correlation is defined; the
    loss read 0, but its gradient was rounding noise magnified by the 1e-8 guard: for this row up to 4 (Pearson in
    float32), 16 (soft Spearman in float64), 4.3e9 (soft Spearman in bfloat16) and inf (soft Spearman in float16, a
    NaN step); other rows gave 2.6e10 for soft Spearman in float32."""
    emb = torch.tensor([[0.3, -1.2, 0.5]]).repeat(4, 1).to(dtype).requires_grad_(True)
    pairs = torch.tensor([[0, 1], [0, 2], [1, 2], [1, 3]])
    loss = RSALoss(method)(emb, pairs, torch.tensor([0.2, 0.5, 0.9, 0.1]))
    loss.backward()
    assert float(loss.detach()) == 0.0 and loss.dtype == dtype
    assert emb.grad is not None and not emb.grad.any()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: TripletMarginLoss(margin=10**400), f"margin must be a finite number, got {10**400}"),
    (lambda: TripletMarginLoss(margin=-10**400), f"margin must be a finite number, got {-10**400}"),
    (lambda: OddOneOutLoss(temperature=10**400), f"temperature must be a finite number >= 1e-30, got {10**400}"),
    (lambda: PaperSchedule(alpha=-10**400), f"alpha must be a finite number >= 0, got {-10**400}"),
    (lambda: PaperSchedule()(10**400), f"epoch must be a finite number, got {10**400}"),
])
def test_a_loss_setting_beyond_float_range_is_its_one_line_refusal(make, message):
    """An int beyond float range (10**400) as a loss setting or epoch was ``OverflowError: int too large to convert
    to float`` from ``float()`` in ``finite_setting``; it is as unusable as inf, so it gets inf's line."""
    import re

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make()
    assert TripletMarginLoss(margin=2).margin == 2.0  # an int a float holds is still taken


def test_the_symmetric_hinge_clips_each_anchor_at_zero_and_a_negative_margin_keeps_its_sign():
    """Hand values on EMB (D(0,1) = 0.4, D(0,2) = 1.0, D(1,2) = 0.2). Mutation audit (fourth pass): the second anchor's
    hinge without its ``relu`` (a negative term cancelling the first) and a negative margin read as its absolute value
    passed every test."""
    trip = torch.tensor([[0, 1, 2]])
    # odd 0: a=1, p=2, n=0: D(1,2) - D(1,0) + 0.5 = 0.3; anchored on 2: D(2,1) - D(2,0) + 0.5 = -0.3 -> 0; (0.3 + 0) / 2
    sym = TripletMarginLoss(margin=0.5, symmetric=True)(EMB, trip, torch.tensor([0]))
    assert float(sym) == pytest.approx(0.15, abs=1e-6)
    # odd 1: a=0, p=2, n=1: D(0,2) - D(0,1) - 0.3 = 1.0 - 0.4 - 0.3 = 0.3 (0.9 with the margin's sign dropped)
    assert float(TripletMarginLoss(margin=-0.3)(EMB, trip, torch.tensor([1]))) == pytest.approx(0.3, abs=1e-6)


@pytest.mark.parametrize("call", [
    lambda: RSALoss()(EMB, None, [0.1, 0.2, 0.3]),
    lambda: TripletMarginLoss()(EMB, None, [0]),
    lambda: OddOneOutLoss()(EMB, None, [0]),
])
def test_missing_indices_are_named_not_torchs_dtype_message(call):
    """``pairs=None`` / ``triplets=None`` given to a loss was torch's ``RuntimeError: Could not infer dtype of
    NoneType``, naming neither the argument nor what it should hold (``human_dist=None`` already had its line)."""
    with pytest.raises(ValueError, match=r"^(pairs|triplets) is missing: give an \(n, [23]\) array of row indices$"):
        call()


@pytest.mark.parametrize("value", ["false", "no", 0.0, None, [True]])
def test_a_symmetric_flag_that_is_not_a_bool_is_refused_not_read_as_truthy(value):
    """``TripletMarginLoss(symmetric="false")``, or a hand-edited run config's ``"symmetric": "false"`` rebuilt by
    ``from_config_dict``, trained (and was recorded as) the symmetric hinge: ``bool("false")`` is True."""
    with pytest.raises(ValueError, match=f"^symmetric must be True or False, got {re.escape(repr(value))}$"):
        TripletMarginLoss(symmetric=value)
    with pytest.raises(ValueError, match="^symmetric must be True or False"):
        TripletMarginLoss.from_config_dict({"name": "TripletMarginLoss", "margin": 0.2, "symmetric": value})
    assert TripletMarginLoss(symmetric=np.bool_(True)).symmetric is True


@pytest.mark.parametrize(("call", "message"), [
    (lambda: TripletMarginLoss()(EMB, [], [0, 1]), "odd has 2 entries for 0 triplets"),
    (lambda: OddOneOutLoss()(EMB, [], [2]), "odd has 1 entries for 0 triplets"),
    (lambda: OddOneOutLoss()(EMB, [], odd_probs=[[0.5, 0.5, 0.0]]), r"odd_probs must have shape (0, 3), got (1, 3)"),
    (lambda: BGSLoss(OddOneOutLoss())(EMB, [], None, None, None, odd_probs=[[5.0, 5.0, 5.0]]),
     r"odd_probs must have shape (0, 3), got (1, 3)"),
])
def test_targets_given_for_a_step_without_triplets_are_checked_not_dropped(call, message):
    """A local loss returned its empty-step 0 before looking at its targets: odd positions or soft targets for no
    triplet (a caller's misaligned batch) were dropped without a word, while BGSLoss already refused such an ``odd``.
    Empty targets still give the empty step's 0."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()
    assert float(TripletMarginLoss()(EMB, [], [])) == 0.0
    assert float(OddOneOutLoss()(EMB, [], odd_probs=[])) == 0.0
    assert float(OddOneOutLoss()(EMB, torch.zeros(0, 3, dtype=torch.long), odd_probs=torch.zeros(0, 3))) == 0.0
    assert float(BGSLoss(OddOneOutLoss())(EMB, [], None, None, None, odd_probs=[]).loss) == 0.0


@pytest.mark.parametrize(("schedule", "message"), [
    ({"kind": "PaperSchedule", "gamma": 0.5},
     "PaperSchedule config has unknown keys ['gamma']; it takes ['alpha', 'beta0', 'beta_step', 'beta_max']"),
    ({"kind": "PaperSchedule", "formula": "alpha * local"},
     f"PaperSchedule computes formula {bgs_mod._PAPER_FORMULA!r}, the config says 'alpha * local'"),
    (["PaperSchedule"], "BGSLoss config: only a PaperSchedule schedule can be rebuilt"),
])
def test_a_recorded_schedule_with_an_unknown_key_or_of_another_shape_is_one_line(schedule, message):
    """A hand-edited run config's schedule with a key PaperSchedule does not take was ``TypeError:
    PaperSchedule.__init__() got an unexpected keyword argument 'gamma'``, and a list failed in ``dict()`` (``dictionary update
    sequence element #0 has length 13; 2 is required``); the terms' own configs were already checked this way.
    The schedule a BGSLoss records still rebuilds to itself."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        BGSLoss.from_config_dict({"name": "BGSLoss", "schedule": schedule})
    mine = BGSLoss(schedule=PaperSchedule(alpha=0.5, beta0=0.1, beta_step=0.2, beta_max=0.6))
    assert BGSLoss.from_config_dict(mine.get_config_dict()).schedule == mine.schedule


def test_a_hinge_config_records_its_own_margin_and_soft_targets_need_three_columns():
    """Mutation audit (fourth pass): a hinge config recording the default margin 0.2 whatever the loss's (the card
    and a rebuilt run would train on another margin), and a soft-target check reading only the row count (two columns
    reached the product as torch's broadcast error) passed every test."""
    rebuilt = TripletMarginLoss.from_config_dict(TripletMarginLoss(margin=0.5).get_config_dict())
    assert rebuilt.margin == 0.5
    # odd 2 on EMB: D(0,1) - D(0,2) + 0.5 = 0.4 - 1.0 + 0.5 = -0.1 -> 0; odd 1: 1.0 - 0.4 + 0.5 = 1.1
    assert float(rebuilt(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([1]))) == pytest.approx(1.1, abs=1e-6)
    with pytest.raises(ValueError, match=r"^odd_probs must have shape \(1, 3\), got \(1, 2\)$"):
        OddOneOutLoss()(EMB, torch.tensor([[0, 1, 2]]), odd_probs=[[0.5, 0.5]])


def test_bgs_loss_logs_rsa_of_a_collapsed_model_as_nan_and_checks_pairs_it_skips():
    """A collapsed model (every pair at the same model distance) has no correlation either: RSALoss gives a 0 with
    no gradient, which BGSLoss logged as ``loss_global`` 0.0 (a training log's window mean averaged it in), while
    equal human distances were already NaN. The loss and its (zero) gradient are as before. And a step skipped for
    equal human distances no longer skips the pairs' check: pair 9 of 3 clips gave a 0 loss without a word."""
    emb = torch.ones(3, 2, requires_grad=True)
    pairs = [[0, 1], [0, 2], [1, 2]]
    out = BGSLoss()(emb, [], None, pairs, [0.1, 0.5, 0.9])
    assert math.isnan(out.to_log_dict()["loss_global"]) and float(out.loss.detach()) == 0.0
    out.loss.backward()
    assert emb.grad is not None and not emb.grad.any()
    live = BGSLoss()(EMB, [], None, pairs, [0.1, 0.5, 0.9])  # D = 0.4, 1.0, 0.2 against 0.1, 0.5, 0.9
    want = -np.corrcoef([0.4, 1.0, 0.2], [0.1, 0.5, 0.9])[0, 1]
    assert float(live.global_) == pytest.approx(want, abs=1e-6)
    assert float(live.loss) == pytest.approx(0.3 * want, abs=1e-6)
    with pytest.raises(ValueError, match=r"^pairs must index the 3 embedding rows \(0\.\.2\), got values 0\.\.9$"):
        BGSLoss()(EMB, [], None, [[0, 9], [0, 1], [1, 2]], [0.5, 0.5, 0.5])


@pytest.mark.parametrize("call, message", [
    (lambda: RSALoss()(EMB, [[0, 1], [0, 2], [1, 2]], torch.tensor([0.1, 0.5, 0.9]) + 1j), "human_dist"),
    (lambda: RSALoss()(EMB, [[0, 1], [0, 2], [1, 2]], [0.1 + 2j, 0.5, 0.9]), "human_dist"),
    (lambda: RSALoss()(EMB, torch.tensor([[0, 1], [0, 2], [1, 2]]) + 0j, [0.1, 0.5, 0.9]), "pairs"),
    (lambda: OddOneOutLoss()(EMB, np.array([[0, 1, 2]], dtype=complex), [0]), "triplets"),
    (lambda: TripletMarginLoss()(EMB, [[0, 1, 2]], torch.tensor([1]) + 1j), "odd"),
    (lambda: OddOneOutLoss()(EMB, [[0, 1, 2]], odd_probs=[[0.5 + 1j, 0.5, 0.0]]), "odd_probs"),
    (lambda: BGSLoss()(EMB, [[0, 1, 2]], [1], [[0, 1], [0, 2], [1, 2]], np.array([0.1, 0.5, 0.9]) * 1j),
     "human_dist")])
def test_complex_loss_inputs_are_refused_not_cast_to_their_real_part(call, message):
    """A complex ``human_dist`` lost its imaginary part with only torch's ComplexWarning, complex indices with no
    word at all, and the loss went on with the real part; now one line names the argument."""
    with pytest.raises(ValueError, match=rf"^{message} must be real, got complex values \(torch\.complex\d+\)$"):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: RSALoss()(EMB, torch.tensor([[True, False], [False, True], [True, True]]), [0.1, 0.5, 0.9]), "pairs"),
    (lambda: TripletMarginLoss()(EMB, np.array([[False, True, True]]), [1]), "triplets"),
    (lambda: OddOneOutLoss()(EMB, [[0, 1, 2]], torch.tensor([True])), "odd"),
    (lambda: TripletMarginLoss()(EMB, [[0, 1, 2]], [False]), "odd"),
    (lambda: BGSLoss()(EMB, [[0, 1, 2]], np.array([True]), [], []), "odd")])
def test_a_bool_mask_given_as_indices_is_refused_not_read_as_rows_0_and_1(call, name):
    """A bool tensor, array or list for ``pairs`` / ``triplets`` / ``odd`` was read as indices 0 and 1 and gave a
    loss of the wrong rows; a mask is not a list of indices. Whole-number indices still score as before."""
    with pytest.raises(ValueError, match=rf"^{name} must hold integer indices, got bools \(a mask is not a list of "
                                         r"indices\)$"):
        call()
    ints = OddOneOutLoss()(EMB, torch.tensor([[0, 1, 2]]), torch.tensor([1]))
    assert float(OddOneOutLoss()(EMB, np.array([[0.0, 1.0, 2.0]]), [1.0])) == float(ints)


@pytest.mark.parametrize("cfg", ["RSALoss", ["RSALoss"], None])
def test_a_loss_config_that_is_not_a_dict_says_what_a_config_is(cfg):
    """``loss_from_config("RSALoss")`` (or a run's recorded ``loss`` hand-edited into a string) said
    ``unknown loss None in config``, and ``RSALoss.from_config_dict("RSALoss")`` ``not a RSALoss config (name
    'str')``: the config was never missing a known name, it was not a dict."""
    from bgs_hf.losses import loss_from_config

    shown = re.escape(f"got {type(cfg).__name__} {cfg!r}")
    with pytest.raises(ValueError, match=rf'^a loss config must be a dict with a "name" key, e\.g\. '
                                         rf'\{{"name": "RSALoss", \.\.\.\}}, {shown}$'):
        loss_from_config(cfg)
    with pytest.raises(ValueError, match=r'^a loss config must be a dict with a "name" key, e\.g\. \{"name": '
                                         r'"TripletMarginLoss", \.\.\.\}'):
        TripletMarginLoss.from_config_dict(cfg)
    with pytest.raises(ValueError, match=r'^a loss config must be a dict'):
        BGSLoss.from_config_dict({"name": "BGSLoss", "local": cfg})
    assert type(loss_from_config({"name": "RSALoss"})) is RSALoss


def test_a_loss_config_without_a_name_says_the_key_is_missing():
    """A config dict with no ``name`` key (a hand-written ``{"margin": 0.2}``, or a recorded BGSLoss term that lost
    its name) said ``unknown loss None in config``, and ``from_config_dict`` ``not a TripletMarginLoss config (name
    None)``: as if the loss were named None. A list as the name raised TypeError "unhashable type"."""
    from bgs_hf.losses import loss_from_config

    known = re.escape("['BGSLoss', 'OddOneOutLoss', 'RSALoss', 'TripletMarginLoss']")
    with pytest.raises(ValueError, match=rf'^a loss config needs a "name" key, one of {known}; '
                                         r"got keys \['margin'\]$"):
        loss_from_config({"margin": 0.2})
    with pytest.raises(ValueError, match=rf'^a loss config needs a "name" key, one of {known}; got keys \[\]$'):
        BGSLoss.from_config_dict({"name": "BGSLoss", "local": {}})
    with pytest.raises(ValueError, match=r'^not a TripletMarginLoss config \(no "name" key\)$'):
        TripletMarginLoss.from_config_dict({"margin": 0.2})
    with pytest.raises(ValueError, match=rf"^unknown loss \['RSALoss'\] in config; known: {known}$"):
        loss_from_config({"name": ["RSALoss"]})
    with pytest.raises(ValueError, match=r"^not a RSALoss config \(name None\)$"):  # a name given as None: as before
        RSALoss.from_config_dict({"name": None})


def test_float16_embeddings_summing_past_its_range_keep_a_finite_loss():
    """The zero every loss starts from (or returns for an empty step) was ``emb.sum() * 0``: float16 raw features
    whose entries sum past 65504 made it inf * 0, so BGSLoss returned NaN beside two finite terms, and an empty
    step's zero was NaN. Each term is computed in float32 and was finite all along."""
    gen = torch.Generator().manual_seed(0)
    emb = (3.0 + torch.randn(32, 768, generator=gen)).half().requires_grad_(True)
    assert torch.isinf(emb.detach().sum())  # the case: a plain sum overflows float16
    trip, odd, pairs, hd = [[0, 1, 2], [1, 3, 0]], [2, 0], [[0, 1], [0, 2], [1, 2], [1, 3]], [0.2, 0.5, 0.9, 0.4]
    out = BGSLoss()(emb, trip, odd, pairs, hd)
    with torch.no_grad():
        local, glob = TripletMarginLoss()(emb, trip, odd), RSALoss()(emb, pairs, hd)
    value = float(out.loss.detach())
    assert math.isfinite(value) and value == pytest.approx(0.7 * float(local) + 0.3 * float(glob), abs=2e-3)
    out.loss.backward()
    assert torch.isfinite(emb.grad).all()
    for zero in (TripletMarginLoss()(emb, [], []), OddOneOutLoss()(emb, [], []), RSALoss()(emb, [[0, 1]], [0.5]),
                 BGSLoss()(emb, [], [], [], []).loss):
        assert float(zero.detach()) == 0.0 and zero.grad_fn is not None


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_soft_targets_given_in_half_precision_are_read_as_the_probabilities_they_round(dtype):
    """A float16 row of thirds sums to 0.99976 and a bfloat16 one to 1.002, beyond the 1e-4 tolerance: valid
    targets held in half precision were refused as "not counts". Counts and rows off 1 by more than the dtype's
    rounding are still refused."""
    q = torch.tensor([[1 / 3, 1 / 3, 1 / 3], [2 / 3, 1 / 3, 0.0]])
    loss = OddOneOutLoss(0.5)(EMB, [[0, 1, 2], [2, 1, 0]], odd_probs=q.to(dtype))
    assert float(loss) == pytest.approx(float(OddOneOutLoss(0.5)(EMB, [[0, 1, 2], [2, 1, 0]], odd_probs=q)), rel=1e-2)
    for bad in ([[2, 1, 0]], [[0.5, 0.45, 0.0]]):
        with pytest.raises(ValueError, match="must be probabilities"):
            OddOneOutLoss()(EMB, [[0, 1, 2]], odd_probs=torch.tensor(bad, dtype=dtype))


def test_human_distances_given_without_pairs_are_refused_as_odd_without_triplets_is():
    """``BGSLoss()(emb, trip, odd, None, hd)`` (pairs lost, e.g. a misspelt batch key) trained without the RSA term,
    the distances dropped without a word, where ``odd`` given with ``triplets=None`` was refused; no distances (None
    or empty) with no pairs is still a step without the RSA term."""
    with pytest.raises(ValueError, match=r"^human_dist has 3 values for 0 pairs$"):
        BGSLoss()(EMB, [[0, 1, 2]], [2], None, [0.1, 0.5, 0.9])
    for hd in (None, []):
        out = BGSLoss()(EMB, [[0, 1, 2]], [2], None, hd)
        assert out.n_pairs == 0 and math.isnan(float(out.global_))


@pytest.mark.parametrize("call, name, got", [
    (lambda: TripletMarginLoss()(EMB, "012", [2]), "triplets", "str"),
    (lambda: TripletMarginLoss()(EMB, [[0, 1, 2]], ["a"]), "odd", "list"),
    (lambda: RSALoss()(EMB, {"pairs": [[0, 1]]}, [0.5]), "pairs", "dict"),
    (lambda: RSALoss()(EMB, [[0, 1], [0, 2], [1, 2]], ["0.1", "0.5", "0.9"]), "human_dist", "list"),
    (lambda: OddOneOutLoss()(EMB, [[0, 1, 2], [0, 1]], [2, 0]), "triplets", "list"),
    (lambda: OddOneOutLoss()(EMB, [[0, 1, 2]], odd_probs=np.array([[0.5, 0.5, None]])), "odd_probs", "ndarray"),
    (lambda: BGSLoss()(EMB, [[0, 1, 2]], [2], "01", [0.5]), "pairs", "str")])
def test_loss_inputs_that_are_not_numbers_name_the_argument(call, name, got):
    """Text, a dict or ragged rows as indices or distances were torch's own one line, naming no argument ("too many
    dimensions 'str'", "expected sequence of length 3 at dim 1 (got 2)"), and a dict a RuntimeError ("Could not
    infer dtype of dict")."""
    with pytest.raises(ValueError, match=rf"^{name} must be numbers \(a tensor, array or list of rows\), got {got}: "):
        call()


def test_pairs_and_distances_held_in_pandas_score_as_arrays():
    """A two-column DataFrame of pairs (as ``bgs_hf.data`` tables hold them) failed in torch with "could not determine
    the shape of object type 'DataFrame'"; a Series of distances already worked."""
    import pandas as pd
    pairs, hd = [[0, 1], [0, 2], [1, 2]], [0.1, 0.5, 0.9]
    frame = pd.DataFrame(pairs, columns=["i", "j"])
    assert float(RSALoss()(EMB, frame, pd.Series(hd))) == float(RSALoss()(EMB, pairs, hd))
    trip = pd.DataFrame([[0, 1, 2]], columns=["a", "b", "c"])
    assert float(TripletMarginLoss()(EMB, trip, pd.Series([2]))) == float(TripletMarginLoss()(EMB, [[0, 1, 2]], [2]))


@pytest.mark.parametrize("human, got", [
    (np.array([[0.0, 0.3, 0.8], [0.3, 0.0, 0.5], [0.8, 0.5, 0.0]]), r"\(3, 3\) \(a distance matrix"),
    (np.linspace(0.1, 0.9, 9).reshape(9, 1), r"\(9, 1\)$"),
    (np.linspace(0.1, 0.9, 9).reshape(1, 9), r"\(1, 9\)$")])
def test_human_distances_not_one_per_pair_as_a_vector_are_refused_even_when_the_count_matches(human, got):
    """A full (n, n) distance matrix (or a column) was flattened: when n * n happened to equal the number of pairs,
    RSALoss and BGSLoss scored its row-major values against the pairs without a word."""
    pairs = [[0, 1], [0, 2], [1, 2]] * 3
    for loss in (lambda: RSALoss()(EMB, pairs, human), lambda: BGSLoss()(EMB, [[0, 1, 2]], [2], pairs, human),
                 lambda: BGSLoss()(EMB, [[0, 1, 2]], [2], pairs[:2], human)):
        with pytest.raises(ValueError, match=rf"^human_dist must have shape \((9|2),\), one distance per pair, "
                                             rf"got {got}"):
            loss()


def test_human_distances_given_as_bools_are_refused_not_read_as_0_and_1():
    """A bool mask as ``human_dist`` was read as distances 0.0 and 1.0 and correlated without a word."""
    for loss in (lambda hd: RSALoss()(EMB, [[0, 1], [0, 2], [1, 2]], hd),
                 lambda hd: BGSLoss()(EMB, [[0, 1, 2]], [2], [[0, 1], [0, 2], [1, 2]], hd)):
        for hd in (torch.tensor([True, False, True]), np.array([True, False, True]), [True, False, True]):
            with pytest.raises(ValueError, match=r"^human_dist must hold real distances, got bools"):
                loss(hd)


def test_the_recorded_schedule_formula_floors_the_epoch_as_the_schedule_does():
    """The formula a run records (and its model card prints) read ``beta0 + beta_step * epoch``, while the schedule
    floors the epoch: at epoch 1.5 the card's formula gave 0.45, the run trained with 0.4. A run recorded with the
    old words still rebuilds (the code floored then too)."""
    cfg = BGSLoss().get_config_dict()
    assert "beta0 + beta_step * floor(epoch)" in cfg["schedule"]["formula"], cfg
    for epoch in (0.0, 0.5, 1.5, 2.0, 3.999, 9.5):
        assert PaperSchedule()(epoch)[1] == pytest.approx(min(0.7, 0.3 + 0.1 * math.floor(epoch))), epoch
    older = {**cfg, "schedule": {**cfg["schedule"], "formula": bgs_mod._PAPER_FORMULA_UNFLOORED}}
    assert BGSLoss.from_config_dict(older).get_config_dict() == cfg


@pytest.mark.parametrize("odd, got", [
    (np.eye(3)[[2]], r"\(1, 3\) \(a one-hot or soft-target matrix"),
    (np.array([[0.2, 0.3, 0.5]]), r"\(1, 3\) \(a one-hot or soft-target matrix"),
    (np.array([[2, 0, 1]]), r"\(1, 3\)$"),
    # positions of three triplets as a row, each 0 or 1: not a one-hot (a row sums to 2), no hint that it is one
    (np.array([[0, 1, 1]]), r"\(1, 3\)$"),
    # two positions as a row: 0s and 1s summing to 1, but an odd one out has three positions, so no one-hot hint
    (np.array([[1, 0]]), r"\(1, 2\)$"),
    # mutation audit (d1ff1fe): a row summing to 1 with a negative entry, and no rows at all, are no targets either
    (np.array([[-1, 1, 1]]), r"\(1, 3\)$"),
    (np.zeros((0, 3)), r"\(0, 3\)$"),
    (torch.tensor(2), r"\(\)$")])
def test_odd_not_one_position_per_triplet_as_a_vector_is_refused_even_when_the_count_matches(odd, got):
    """A (T', 3) one-hot matrix as ``odd`` was flattened: when 3 * T' happened to equal the number of triplets, its
    0s and 1s were scored as positions without a word (soft targets were "odd must hold whole numbers"). A (1, T) row
    is refused as well (a (1, 3) one-hot looks the same); a (T, 1) column stays, as
    test_odd_given_as_a_column_is_read_as_one_position_per_triplet reads it."""
    trip = [[0, 1, 2]] * 3
    for loss in (lambda: TripletMarginLoss()(EMB, trip, odd), lambda: OddOneOutLoss()(EMB, trip, odd),
                 lambda: BGSLoss()(EMB, trip, odd, None, None), lambda: BGSLoss()(EMB, None, odd, None, None)):
        with pytest.raises(ValueError, match=rf"^odd must have shape \((3|0),\) or \((3|0), 1\), one position per "
                                             rf"triplet, got {got}"):
            loss()
    assert float(TripletMarginLoss()(EMB, trip, [2, 0, 1])) == float(TripletMarginLoss()(EMB, trip, [[2], [0], [1]]))


def test_targets_off_one_beyond_their_own_rounding_are_refused_in_float32_and_integers():
    """Mutation audit (816f7fb): the tolerance was tested in half precision only, so the bfloat16 rounding (0.008)
    for every dtype, or any tolerance for integer targets, passed. A float32 row off 1 by 0.005 and integer counts
    are still refused; a one-hot integer row is a probability row."""
    for bad in (torch.tensor([[0.5, 0.495, 0.0]]), torch.tensor([[2, 0, 0]]), np.array([[1, 1, 0]])):
        with pytest.raises(ValueError, match="must be probabilities"):
            OddOneOutLoss()(EMB, [[0, 1, 2]], odd_probs=bad)
    hard = OddOneOutLoss()(EMB, [[0, 1, 2]], odd_probs=torch.tensor([[0, 0, 1]]))
    assert float(hard) == pytest.approx(float(OddOneOutLoss()(EMB, [[0, 1, 2]], [2])))


# --- degenerate rows: an all-zero embedding (a collapsed head, black frames through a model without bias) ---

_TRIP = torch.tensor([[0, 1, 2], [2, 3, 4], [0, 3, 5], [1, 4, 5]])
_ODD = torch.tensor([0, 1, 2, 0])
_PAIRS = torch.tensor([[0, 1], [0, 2], [1, 2], [2, 3], [3, 4], [4, 5], [0, 5]])
_HUMAN = torch.tensor([0.2, 0.5, 0.9, 0.4, 0.7, 0.1, 0.6])
_EVERY_LOSS = {
    "triplet": lambda e: TripletMarginLoss(margin=1.5)(e, _TRIP, _ODD),
    "triplet-symmetric": lambda e: TripletMarginLoss(margin=1.5, symmetric=True)(e, _TRIP, _ODD),
    "odd-one-out": lambda e: OddOneOutLoss()(e, _TRIP, _ODD),
    "odd-one-out-soft": lambda e: OddOneOutLoss()(e, _TRIP, odd_probs=torch.tensor([[0.5, 0.25, 0.25]] * 4)),
    "rsa-pearson": lambda e: RSALoss()(e, _PAIRS, _HUMAN),
    "rsa-soft-spearman": lambda e: RSALoss("soft_spearman")(e, _PAIRS, _HUMAN),
    "bgs": lambda e: BGSLoss()(e, _TRIP, _ODD, _PAIRS, _HUMAN, epoch=2).loss,
    "bgs-odd-one-out": lambda e: BGSLoss(OddOneOutLoss(), RSALoss("soft_spearman"))(e, _TRIP, _ODD, _PAIRS, _HUMAN).loss,
}


def _value_and_gradient(loss: object, emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    e = emb.clone().requires_grad_(True)
    value = loss(e)
    value.backward()
    return value.detach(), e.grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", sorted(_EVERY_LOSS))
def test_an_all_zero_embedding_row_gets_no_gradient_and_the_others_keep_theirs(name, dtype):
    """A zero row has no direction, so no cosine; ``F.normalize`` divided it by its eps (1e-12) and its gradient was
    the loss's times 1e12 (3e12 here; inf in float16, NaN for BGSLoss): after the Trainer's gradient clipping
    (max_grad_norm 1.0) that one row set the step's direction, and the other rows' gradients were scaled to 1e-12 of
    theirs. Now it gets no gradient, reads as cosine 0 with every row, as before, and every other row keeps its
    gradient, so clipping leaves them as they were."""
    emb = torch.randn(6, 8, generator=torch.Generator().manual_seed(0)).to(dtype)
    emb[2] = 0.0
    value, grad = _value_and_gradient(_EVERY_LOSS[name], emb)
    assert torch.isfinite(value) and bool(torch.isfinite(grad).all())
    assert not grad[2].any()
    assert float(grad.float().norm()) < 100.0
    rows = torch.nn.Parameter(emb.float())
    _EVERY_LOSS[name](rows).backward()
    others = [0, 1, 3, 4, 5]
    before = float(rows.grad[others].norm())
    torch.nn.utils.clip_grad_norm_([rows], 1.0)  # the Trainer's default max_grad_norm
    assert float(rows.grad[others].norm()) >= min(before, 0.01)  # old: 1e-12 of theirs


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", sorted(_EVERY_LOSS))
def test_rows_with_a_norm_keep_their_value_and_gradient_bit_for_bit(name, dtype, monkeypatch):
    """The guard in :func:`unit_rows` changes nothing else: every loss value, and the gradient of every row with a norm
    above F.normalize's eps (a row with some zero entries included), are ``torch.equal`` to plain ``F.normalize``'s,
    with and without a zero row beside them (the demo's numbers stay). Rows of norm 1e-20 and 1e-30, below the eps,
    keep their values and, as a zero row, get no gradient (they got the loss's times 1e12)."""
    gen = torch.Generator().manual_seed(1)
    emb = torch.randn(6, 8, generator=gen, dtype=torch.float64)
    emb[5, :5] = 0.0  # zeros in a row with a norm: not a zero row
    emb = (emb / emb.norm(dim=1, keepdim=True) * torch.tensor([[1.0], [1e-20], [3.0], [1e-30], [1e3], [0.5]])).to(dtype)
    with_zero = emb.clone()
    with_zero[3] = 0.0
    new = [_value_and_gradient(_EVERY_LOSS[name], e) for e in (emb, with_zero)]
    monkeypatch.setattr(common_mod, "unit_rows", lambda e: torch.nn.functional.normalize(e, dim=-1))
    old = [_value_and_gradient(_EVERY_LOSS[name], e) for e in (emb, with_zero)]
    above = [0, 2, 4, 5]
    assert torch.equal(new[0][0], old[0][0]) and torch.equal(new[0][1][above], old[0][1][above])
    assert torch.equal(new[1][0], old[1][0])
    assert torch.equal(new[1][1][above], old[1][1][above])
    assert old[1][1][3].abs().max() > 1e9 and not new[1][1][3].any()  # the old zero row's 1e12, now 0
    for tiny in (1, 3):  # 1e-20 and 1e-30: below the eps, the same 1e12 before, now none
        assert old[0][1][tiny].abs().max() > 1e9 and not new[0][1][tiny].any()
    assert not new[1][1][1].any()


#: F.normalize's eps, the norm at or below which a row is divided by it (``unit_rows``' NORM_EPS)
_NORMALIZE_EPS = 1e-12


@pytest.mark.parametrize("norm", [1e-12, 5e-13, 1e-15, 1e-20])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("name", sorted(_EVERY_LOSS))
def test_a_row_of_norm_at_or_below_the_eps_gets_no_gradient_as_a_zero_row(name, dtype, norm, monkeypatch):
    """A row collapsed to norm 1e-15 or 1e-20 (not exactly 0) was divided by F.normalize's eps 1e-12 as a zero row was,
    and got the loss's gradient times up to 1e12 (6e10 to 5e12 by loss and norm, in float32, float64 and bfloat16 alike; float16
    rounds such rows to 0), so after the Trainer's clipping at max_grad_norm 1.0 it set the step's direction and the
    other rows kept about 1e-12 of theirs. It now gets none, as a zero row; the loss value and every other row's
    gradient are ``torch.equal`` to before."""
    emb = torch.randn(6, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    emb[2] = emb[2] / emb[2].norm() * norm
    emb = emb.to(dtype)
    rounded_up = dtype == torch.bfloat16 and norm == 1e-12  # bfloat16 holds it as 1.0005e-12: above, a cosine
    assert (float(emb[2].float().norm()) <= _NORMALIZE_EPS) != rounded_up
    value, grad = _value_and_gradient(_EVERY_LOSS[name], emb)
    assert torch.isfinite(value) and bool(torch.isfinite(grad).all())
    others = [0, 1, 3, 4, 5]
    if not rounded_up:
        assert not grad[2].any()
        assert float(grad.float().norm()) < 100.0
    monkeypatch.setattr(common_mod, "unit_rows", lambda e: torch.nn.functional.normalize(e, dim=-1))
    old_value, old_grad = _value_and_gradient(_EVERY_LOSS[name], emb)
    assert torch.equal(value, old_value) and torch.equal(grad[others], old_grad[others])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_unit_rows_above_the_eps_are_f_normalize_bit_for_bit(dtype):
    """Rows of norm 1e-11 to 1e3 (random directions, a few exactly at a power of ten) keep F.normalize's unit rows and
    gradients bit for bit, and only rows at or below the eps lose their gradient: the guard moves no demo number."""
    gen = torch.Generator().manual_seed(3)
    norms = 10.0 ** (torch.rand(400, 1, generator=gen, dtype=torch.float64) * 14 - 11)
    norms[:5, 0] = torch.tensor([1e-11, 2e-12, 1.0000001e-12, 1.0, 1e3], dtype=torch.float64)
    base = torch.randn(400, 16, generator=gen, dtype=torch.float64)
    emb = (base / base.norm(dim=1, keepdim=True) * norms).to(dtype)
    emb = torch.cat([emb, torch.zeros(1, 16, dtype=dtype), emb[:1] * 1e-13])  # a zero row and one below the eps
    upstream = torch.randn(emb.shape, generator=gen, dtype=torch.float64).to(dtype)
    got, want = emb.clone().requires_grad_(True), emb.clone().requires_grad_(True)
    new, old = common_mod.unit_rows(got), torch.nn.functional.normalize(want, dim=-1)
    (new * upstream).sum().backward()
    (old * upstream).sum().backward()
    assert torch.equal(new, old)
    assert bool((emb[:400].norm(dim=1) > _NORMALIZE_EPS).all())
    assert torch.equal(got.grad[:400], want.grad[:400])
    assert not got.grad[400:].any() and bool((want.grad[401].abs() > 1e9).any())
    assert common_mod.NORM_EPS == _NORMALIZE_EPS


def test_a_first_rsa_weight_above_a_nonzero_cap_is_refused_not_capped_without_a_word():
    """``PaperSchedule(beta0=1.0, beta_step=0.0)``, a constant RSA weight of 1 (``--beta0 1 --beta_step 0``), trained
    with beta 0.7 from the first epoch: the default ``beta_max`` capped it, while ``--beta0`` is "the RSA weight at
    epoch 0" and the run's record said beta0 1.0. A cap raised with it keeps beta0; a cap of 0 still turns RSA off."""
    with pytest.raises(ValueError, match=r"^beta0 1 is above beta_max 0\.7: beta is capped at beta_max from the first "
                                         r"epoch, so beta0 would never apply"):
        PaperSchedule(beta0=1.0, beta_step=0.0)
    with pytest.raises(ValueError, match=r"^beta0 0\.5 is above beta_max 0\.4"):
        BGSLoss.from_config_dict({"name": "BGSLoss", "schedule": {"kind": "PaperSchedule", "beta0": 0.5,
                                                                   "beta_max": 0.4}})
    assert PaperSchedule(beta0=1.0, beta_step=0.0, beta_max=1.0)(3) == (0.7, 1.0)
    assert PaperSchedule(beta_max=0.0)(0) == (0.7, 0.0) == PaperSchedule(beta0=0.0, beta_step=0.0)(5)
    assert PaperSchedule(beta0=0.7)(0) == (0.7, 0.7)  # at the cap, not above it


class Weighted(TripletMarginLoss):
    """A user's term with another forward (the subclass tests below)."""

    def forward(self, emb, triplets, odd):
        return 2.0 * super().forward(emb, triplets, odd)


class Sharper(OddOneOutLoss):
    pass


class Ranked(RSALoss):
    pass


def test_a_subclassed_loss_term_is_recorded_under_its_own_name_and_not_rebuilt_as_ours():
    """A subclass of a term with another forward (``class Weighted(TripletMarginLoss)``) inherited its parent's
    ``get_config_dict()``: the run's record and model card said ``TripletMarginLoss`` margin 0.3, and
    ``loss_from_config`` rebuilt the paper's hinge from it without a word (a PaperSchedule subclass was already
    recorded by its own name). Its settings stay; our own classes are recorded as before."""
    from bgs_hf.losses import loss_from_config

    cfg = BGSLoss(local=Weighted(margin=0.3), global_=Ranked("soft_spearman")).get_config_dict()
    assert cfg["local"] == {"name": "Weighted", "margin": 0.3, "distance": "cosine", "symmetric": False}
    assert cfg["global"] == {"name": "Ranked", "method": "soft_spearman", "distance": "cosine",
                             "regularization_strength": 0.1}
    assert Sharper(temperature=0.5).get_config_dict() == {"name": "Sharper", "temperature": 0.5, "similarity": "cosine"}
    for recorded, name in ((cfg, "Weighted"), (cfg["local"], "Weighted"), (cfg["global"], "Ranked")):
        with pytest.raises(ValueError, match=f"unknown loss '{name}' in config"):
            loss_from_config(recorded)
    with pytest.raises(ValueError, match=r"not a TripletMarginLoss config \(name 'Weighted'\)"):
        TripletMarginLoss.from_config_dict(cfg["local"])
    ours = BGSLoss(OddOneOutLoss(), RSALoss()).get_config_dict()
    assert (ours["local"]["name"], ours["global"]["name"]) == ("OddOneOutLoss", "RSALoss")
    assert loss_from_config(ours).get_config_dict() == ours


def test_a_subclassed_bgs_loss_is_recorded_under_its_own_name_without_the_papers_formula():
    """``class Mine(BGSLoss)`` with another forward was recorded as ``BGSLoss`` with the paper's formula: its model
    card called the run BGS-aligned and ``loss_from_config`` rebuilt the paper's objective from it. Its terms and
    weights are still recorded; ours is recorded, and rebuilt, as before."""
    from bgs_hf.losses import loss_from_config

    class Mine(BGSLoss):
        def forward(self, emb, *args, **kwargs):
            out = super().forward(emb, *args, **kwargs)
            out.loss = out.local  # the local term alone
            return out

    cfg = Mine(schedule=PaperSchedule(beta0=0.2)).get_config_dict()
    assert cfg["name"] == "Mine" and cfg["local"]["name"] == "TripletMarginLoss"
    assert cfg["schedule"] == {"kind": "PaperSchedule", "alpha": 0.7, "beta0": 0.2, "beta_step": 0.1,
                               "beta_max": 0.7}  # no formula: it is BGSLoss.forward's, not this one's
    with pytest.raises(ValueError, match="unknown loss 'Mine' in config"):
        loss_from_config(cfg)
    with pytest.raises(ValueError, match=r"not a BGSLoss config \(name 'Mine'\)"):
        BGSLoss.from_config_dict(cfg)
    ours = BGSLoss().get_config_dict()
    assert ours["name"] == "BGSLoss" and ours["schedule"]["formula"] == bgs_mod._PAPER_FORMULA
    assert loss_from_config(ours).get_config_dict() == ours


def test_a_subclassed_loss_term_rebuilds_from_its_own_record_as_itself():
    """Since a1c80b9 a subclass of a term is recorded under its own name; its own ``from_config_dict`` (inherited)
    still checked the name against its parent's, so ``Weighted.from_config_dict(Weighted(margin=0.3)
    .get_config_dict())`` was refused as "not a TripletMarginLoss config (name 'Weighted')" (before a1c80b9 it
    rebuilt a ``Weighted``): a user's own class could no longer be rebuilt from the run's record. Each class now reads
    its own name: the subclass rebuilds itself, ours still refuse it, and a subclass is not filled from ours."""

    for term, parent in ((Weighted(margin=0.3, symmetric=True), TripletMarginLoss),
                         (Sharper(temperature=0.5), OddOneOutLoss), (Ranked("soft_spearman"), RSALoss)):
        cfg = term.get_config_dict()
        again = type(term).from_config_dict(cfg)
        assert type(again) is type(term) and again.get_config_dict() == cfg
        name = type(term).__name__
        with pytest.raises(ValueError, match=rf"not a {parent.__name__} config \(name '{name}'\)"):
            parent.from_config_dict(cfg)
        with pytest.raises(ValueError, match=rf"not a {name} config \(name '{parent.__name__}'\)"):
            type(term).from_config_dict(parent().get_config_dict())


@pytest.mark.parametrize("name", sorted(_EVERY_LOSS))
def test_a_loss_of_non_finite_embeddings_without_a_gradient_names_their_rows_once(name, caplog):
    """A loss called directly on a diverged model's embeddings (under ``torch.no_grad``, or of embeddings that need no
    gradient: a validation loss, a saved matrix) returned NaN without a word. It still does, and one warning names the
    non-finite rows, once (not again for BGSLoss's terms, nor for a second call on the same tensor). A loss that
    takes a gradient is not read: a training step pays no device sync for it (the BGSTrainer reads its own loss)."""
    emb = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    emb[3, 1], emb[4, 0] = float("nan"), float("inf")
    with caplog.at_level("WARNING", logger="bgs_hf.losses"):
        with torch.no_grad():
            assert torch.isnan(_EVERY_LOSS[name](emb))
        assert torch.isnan(_EVERY_LOSS[name](emb))  # the same tensor: said already
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bgs_hf.losses")]
    assert len(said) == 1, said
    assert re.fullmatch(r"\w+ is nan: 2 of 6 embedding rows \(clips\) hold NaN or inf \(rows 3, 4\); check those "
                        r"clips' pixels and the model's weights", said[0]), said[0]
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.losses"):
        other = emb.clone()
        assert torch.isnan(_EVERY_LOSS[name](other))  # another tensor: said again
        trained = emb.clone().requires_grad_(True)
        assert torch.isnan(_EVERY_LOSS[name](trained))  # a gradient taken: not read
        emb[3:5] = 1.0
        assert torch.isfinite(_EVERY_LOSS[name](emb.clone()))
    assert len([r for r in caplog.records if r.name.startswith("bgs_hf.losses")]) == 1


def test_bgs_loss_with_no_term_to_take_names_the_non_finite_rows_itself(caplog):
    """BGSLoss with no triplet and fewer than 3 pairs calls no term: its loss is the zero that keeps the graph, NaN of
    NaN embeddings. Only BGSLoss's own check (of its output's ``loss``) can say which rows, and it says it once."""
    emb = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    emb[2, 0] = float("nan")
    with caplog.at_level("WARNING", logger="bgs_hf.losses"), torch.no_grad():
        out = BGSLoss()(emb, None, None, None, None)
    assert torch.isnan(out.loss) and out.n_triplets == out.n_pairs == 0
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bgs_hf.losses")]
    assert len(said) == 1 and said[0].startswith("BGSLoss is nan: 1 of 6 embedding rows") and "(row 2)" in said[0], said


@pytest.mark.parametrize("name", sorted(n for n in _EVERY_LOSS if not n.startswith("bgs")))
def test_a_finite_loss_beside_a_non_finite_row_no_term_reads_says_nothing(name, caplog):
    """The rows are named only when the loss is not finite: a NaN row no triplet or pair reads leaves a term's loss
    finite, and that loss is given without a warning (nor a copy of the embeddings to the host). (BGSLoss's is NaN
    there: its graph-keeping zero sums every row.)"""
    emb = torch.randn(7, 8, generator=torch.Generator().manual_seed(0))
    emb[6] = float("nan")  # row 6: in no triplet (_TRIP) and no pair (_PAIRS)
    with caplog.at_level("WARNING", logger="bgs_hf.losses"), torch.no_grad():
        assert torch.isfinite(_EVERY_LOSS[name](emb))
    assert not [r for r in caplog.records if r.name.startswith("bgs_hf.losses")]


@pytest.mark.skipif(not hasattr(torch, "compiler") or not hasattr(torch.compiler, "reset"), reason="no torch.compile")
def test_a_compiled_loss_used_for_training_then_without_a_gradient_gives_nan_without_reading_it(caplog):
    """``torch.compile(loss)`` called first on embeddings that need a gradient (a training step), then under
    ``torch.no_grad`` on NaN embeddings: dynamo ran the code after the forward's graph break eagerly (it had compiled
    to nothing), ``is_compiling()`` read there was False, and the check imported ``bgs_hf.metrics`` under dynamo (an
    InternalTorchDynamoError from scipy) or read the loss on the host inside the compiled call. It returns NaN and,
    as documented, says nothing under torch.compile."""
    torch.compiler.reset()
    try:
        loss = torch.compile(TripletMarginLoss(), backend="eager")
        emb = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
        assert torch.isfinite(loss(emb.clone().requires_grad_(True), _TRIP, _ODD))
        emb[1, 0] = float("nan")
        with caplog.at_level("WARNING", logger="bgs_hf.losses"), torch.no_grad():
            assert torch.isnan(loss(emb, _TRIP, _ODD))
        assert not [r for r in caplog.records if r.name.startswith("bgs_hf.losses")]
    finally:
        torch.compiler.reset()
