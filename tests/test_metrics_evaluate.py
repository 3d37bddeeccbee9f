"""The `evaluate` module gives exactly the numbers of bgs_hf.metrics, offline from the package."""

from __future__ import annotations

import evaluate  # a dev dependency (and the `evaluate` extra): a broken install fails here, not skips
import numpy as np
import pytest

from bgs_hf.metrics import ooo_acc_2way, ooo_acc_3way, triplet_sims


@pytest.fixture(scope="module", autouse=True)
def _no_hub():
    """Every test here runs with the Hub off, for evaluate and huggingface_hub alike: ``evaluate.load("accuracy")``
    and the like fail offline, and the module must not need them. (evaluate reads ``HF_EVALUATE_OFFLINE`` once, at
    import: setting the variable in a test changes nothing, so a Hub call passed wherever the network was up.)"""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluate.config, "HF_EVALUATE_OFFLINE", True)
        mp.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
        yield


@pytest.fixture(scope="module")
def metric():
    from bgs_hf.eval import ODD_ONE_OUT_METRIC_PATH

    return evaluate.load(ODD_ONE_OUT_METRIC_PATH)


def test_evaluate_module_matches_metric_functions(metric, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    rng = np.random.default_rng(0)
    idx = np.array([rng.choice(20, 3, replace=False) for _ in range(500)])
    odd = rng.integers(0, 3, 500)
    sim = rng.random((20, 20)).round(1)  # coarse values: plenty of ties
    sim = sim + sim.T
    sims = triplet_sims(sim, idx)
    out = metric.compute(predictions=sims.tolist(), references=odd.tolist())
    assert out["ooo_acc_3way"] == ooo_acc_3way(sim, idx, odd)
    assert out["ooo_acc_2way"] == ooo_acc_2way(sim, idx, odd)
    assert out["n_judgments"] == 500
    for lo in range(0, 500, 100):  # batched use gives the same
        metric.add_batch(predictions=sims[lo : lo + 100].tolist(), references=odd[lo : lo + 100].tolist())
    assert metric.compute()["ooo_acc_2way"] == out["ooo_acc_2way"]


def test_evaluate_module_hand_example(metric):
    out = metric.compute(predictions=[[0.9, 0.5, 0.1], [0.9, 0.2, 0.3]], references=[2, 0])
    assert out == {"ooo_acc_3way": 0.5, "ooo_acc_2way": 0.75, "n_judgments": 2}


def test_evaluate_module_refuses_a_fractional_reference(metric):
    """``references=[1.7]`` was cast to 1 by the int64 feature before our code saw it: a wrong accuracy, no error."""
    from bgs_hf.errors import BGSInputError

    with pytest.raises(BGSInputError, match="whole numbers, got 1.7"):
        metric.compute(predictions=[[0.9, 0.5, 0.1]], references=[1.7])
    assert metric.compute(predictions=[[0.9, 0.5, 0.1]], references=[2.0])["ooo_acc_3way"] == 1.0


def test_evaluate_module_with_no_judgments_or_an_undefined_similarity_is_undefined(metric):
    """No judgment gives NaN accuracies and a count of 0 (not 0%, which reads as a model that always failed); a
    judgment with a NaN similarity makes both means NaN, as ``bgs_hf.metrics`` does, not an accuracy over the other
    judgments (mutants answering 0.0 and taking the 2-way ``nanmean`` passed)."""
    empty = metric.compute(predictions=[], references=[])
    assert np.isnan(empty["ooo_acc_3way"]) and np.isnan(empty["ooo_acc_2way"]) and empty["n_judgments"] == 0
    out = metric.compute(predictions=[[float("nan"), 0.5, 0.1], [0.9, 0.5, 0.1]], references=[2, 2])
    assert np.isnan(out["ooo_acc_3way"]) and np.isnan(out["ooo_acc_2way"]) and out["n_judgments"] == 2


def test_evaluate_module_refuses_a_prediction_without_three_similarities(metric):
    """Each prediction is (ab, ac, bc): two or four values are refused by the feature's length, before anything is
    reshaped (without ``length=3`` three 2-value rows were read as two triplets of other pairs)."""
    for bad in ([[0.9, 0.5], [0.1, 0.3], [0.2, 0.4]], [[0.9, 0.5, 0.1, 0.3]]):
        with pytest.raises(ValueError, match="don't match the expected format"):
            metric.compute(predictions=bad, references=[2] * len(bad))


def test_the_readme_and_docstring_examples_print_what_the_metric_returns(metric):
    """Mutation audit (third pass): the README's example with another 2-way answer or other references, and the
    docstring's example with its accuracies swapped, all passed: no test read them. Each example's call is run and
    must give the result written under it (the hand example above: 0.5 and 0.75 over 2 judgments)."""
    import ast
    import re
    from pathlib import Path

    from bgs_hf.eval import ODD_ONE_OUT_METRIC_PATH

    readme = (Path(ODD_ONE_OUT_METRIC_PATH) / "README.md").read_text()
    for where, text in (("README.md", readme), ("inputs_description", metric.inputs_description)):
        examples = re.findall(r"metric\.compute\((.+)\)\n\s*(?:# )?(\{.+\})", text)
        assert len(examples) == 1, where
        ((call, shown),) = examples
        kwargs = {k.arg: ast.literal_eval(k.value) for k in ast.parse(f"f({call})").body[0].value.keywords}
        assert metric.compute(**kwargs) == ast.literal_eval(shown), where
        assert ast.literal_eval(shown) == {"ooo_acc_3way": 0.5, "ooo_acc_2way": 0.75, "n_judgments": 2}, where
    # the README's block as pasted, its imports and `evaluate.load` included (only its `compute` call was run): its
    # last line gives the value its comment shows (the docstrings' examples run as doctests, test_docs_examples.py)
    (code,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    *lines, last, comment = code.strip().splitlines()
    scope: dict = {}
    exec(compile("\n".join(lines), "odd_one_out/README.md", "exec"), scope)  # noqa: S102 - the metric's own example
    assert eval(last, scope) == ast.literal_eval(comment.removeprefix("# "))  # noqa: S307



def test_evaluate_module_with_no_judgments_answers_without_a_numpy_warning(metric):
    """Mutation audit (third pass): the empty case left to the means (NaN with numpy's "Mean of empty slice"
    warning) passed: the values are the same, the warning is not."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = metric.compute(predictions=[], references=[])
    assert np.isnan(out["ooo_acc_3way"]) and np.isnan(out["ooo_acc_2way"]) and out["n_judgments"] == 0
