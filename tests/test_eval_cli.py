"""End to end: `bgs-hf evaluate` and `bgs-hf report` on a tiny SocialShapes instance with a tiny random VideoMAE,
and the language-distillation control's data."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from bgs_hf.cli.main import main

#: the loss config a BGS run records (``get_config_dict()``; only its name decides what the run is called)
BGS_LOSS = {"name": "BGSLoss", "local": {"name": "TripletMarginLoss"}, "global": {"name": "RSALoss"}}


@pytest.fixture(scope="module")
def tiny_sets(tmp_path_factory):
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_abstract_set, generate_socialshapes

    root = tmp_path_factory.mktemp("eval")
    cfg = replace(SynthConfig(), num_frames=8, size=32, workers=1)
    data = generate_socialshapes(root / "ss", n_clips=48, seed=3, config=cfg)
    abstract = generate_abstract_set(root / "abs", n_train=12, n_generalisation=9, seed=3, config=cfg)
    return root, data, abstract


def _saved_run(folder, *, loss=BGS_LOSS, lora=True):
    """A run folder as training leaves it: the saved (random) embedder and the loss it recorded in
    bgs_trainer_state.json (``None``: a folder saved by another training loop, which records none)."""
    from bgs_hf.models import HeadConfig, build_embedder

    kwargs = {} if lora else {"lora": None, "head": HeadConfig(out_dim=8)}
    build_embedder("tiny-random-videomae", **kwargs).save_pretrained(str(folder))
    if loss is not None:
        (folder / "bgs_trainer_state.json").write_text(json.dumps({"loss": loss}))
    return folder


def test_evaluate_and_report_end_to_end(tiny_sets, capsys):
    root, data, abstract = tiny_sets
    run = _saved_run(root / "run")  # a (random) BGS run folder
    out = root / "eval"
    rc = main(["evaluate", "--data", str(data), "--model", str(run), "--abstract", str(abstract), "--report",
               str(out), "--json", str(root / "e.json"), "--n-boot", "30", "--n-perm", "30"])
    assert rc == 0
    res = json.loads((out / "evaluation.json").read_text())
    assert res == json.loads((root / "e.json").read_text())
    assert set(res["fit"]) >= {"pretrained", "bgs", "language"}
    for key in ("r2", "r2_ci", "pct_of_ceiling", "ooo_acc_3way", "ooo_acc_2way"):
        assert key in res["fit"]["bgs"]
    assert set(res["paired"]["bgs - pretrained"]) == {"r2", "ooo_acc_3way", "ooo_acc_2way"}
    # each p keeps its number and the resamples behind it (the report prints "< 1/(n+1)" at that floor)
    assert res["paired"]["bgs - pretrained"]["r2"]["n_boot"] <= 30 and (res["n_boot"], res["n_perm"]) == (30, 30)
    assert all(isinstance(v["p_value"], float) and v["n_perm"] == 30 for v in res["probes"]["bgs"].values())
    assert res["layers"]["bgs"]["chosen"] in [r["layer"] for r in res["layers"]["bgs"]["layers"]]
    assert res["layers"]["bgs"]["chosen_on"] == "val"
    assert len(res["layers"]["pretrained"]["layers"]) == 2 + 1 + 1  # embeddings, 2 blocks, output
    assert {"video_unique", "language_unique", "shared"} <= set(res["partition"]["bgs"])
    part = res["partition"]["bgs"]  # with an interval over clip resamples, shown in the report
    assert all(len(part[f"{k}_ci"]) == 2 for k in ("video_unique", "language_unique", "shared"))
    assert res["transfer"]["models"]["bgs"]["n_test"] == 9
    att = res["attention"]
    assert 0 <= att["models"]["bgs"]["agent_mass"] <= 1 and "divergence" in att
    assert set(res["motion"]["bgs"]) == {"original", "shuffled", "single-frame", "reversed"}
    for fig in ("fit", "partition", "layers", "motion"):
        assert (out / res["figures"][fig]).is_file()
    # every figure path relative to the result folder, the attention overlays' list too (left absolute, a moved
    # folder's report linked the old place: a mutant doing so passed)
    assert [res["figures"][fig] for fig in ("fit", "partition", "layers", "motion", "attention")] == [
        "fit.png", "partition.png", "layers.png", "motion.png", ["attention_0.png", "attention_1.png"]]
    md = (out / "evaluation.md").read_text()
    for title in ("Behavioural fit", "Layer-wise fit", "Variance partitioning", "Attribute probes",
                  "Out-of-distribution transfer", "Attention", "Motion controls"):
        assert f"## {title}" in md
    lo, hi = part["video_unique_ci"]
    assert f"{part['video_unique']:.3f} [{lo:.3f}, {hi:.3f}]" in md
    assert "data:image/png;base64," in (out / "evaluation.html").read_text()
    assert "30 permutations" in md and "30 resamples" in md and "| BGS fine-tuned (LoRA) |" in md
    capsys.readouterr()

    rc = main(["report", str(out), str(root / "e.json"), "--out", str(root / "rep")])
    assert rc == 0
    side = (root / "rep" / "report.md").read_text()
    assert "| run |" in side and side.count("## ") >= 7


def test_layer_is_chosen_on_training_clips_when_a_run_kept_no_validation(tiny_sets):
    """The demo trains on every training clip: the layer-wise analysis must still run, choose on train, say so."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.metrics import cosine_similarity_matrix, rsa_spearman

    root, data_dir, _ = tiny_sets
    data = load(data_dir, val_fraction=0.0, seed=3)
    assert len(data.splits["val"]) == 0
    res = run_suite(data, "tiny-random-videomae", "tiny-random-videomae", out_dir=root / "noval",
                    analyses=("layers",), n_boot=10, seed=3)
    lw = res["layers"]["pretrained"]
    assert lw["chosen_on"] == "train" and "train clips" in lw["note"]
    best = max(lw["layers"], key=lambda r: r["select_rsa"])
    assert lw["chosen"] == best["layer"]
    # the output row's selection RSA, recomputed by hand from the model's embedding of the training clips
    from bgs_hf.eval.embed import embed_clips
    from bgs_hf.eval.suite import resolve_model

    train = SplitHumans.build(data, "train", ceiling=False)
    emb = embed_clips(resolve_model("tiny-random-videomae"), data, train.items, root / "noval" / "clip_cache")
    assert lw["layers"][-1]["select_rsa"] == pytest.approx(
        rsa_spearman(cosine_similarity_matrix(emb), train.human, train.items), abs=1e-6)


def test_evaluate_backbone_alone_and_bad_input(tiny_sets, capsys):
    root, data, _ = tiny_sets
    out = root / "alone"
    rc = main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--report", str(out),
               "--analyses", "fit,motion", "--n-boot", "20"])
    assert rc == 0
    res = json.loads((out / "evaluation.json").read_text())
    assert set(res["fit"]) == {"pretrained", "language"} and "layers" not in res
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--analyses", "nope"]) == 2
    assert main(["report", str(root / "missing")]) == 2
    assert "error:" in capsys.readouterr().err


def test_a_refused_evaluate_leaves_no_report_folder_in_tmp(tiny_sets, tmp_path, monkeypatch):
    """Without --report the suite writes to a fresh temp folder; a refusal must not leave it behind."""
    import tempfile

    _, data, _ = tiny_sets
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--analyses", "nope"]) == 2
    assert list(tmp_path.glob("bgs-eval-*")) == []


def test_evaluate_on_a_run_defaults_to_its_training_seed_so_the_ceiling_matches_its_metrics(tiny_sets, tmp_path):
    """`bgs-hf train` scores with its --seed (Trainer default 42), `evaluate` drew the ceiling with seed 0: the
    same run showed two ceilings. Without --seed, evaluate now takes the run's."""
    _, data, _ = tiny_sets
    run = tmp_path / "run"
    assert main(["train", "--data", str(data), "--backbone", "tiny-random-videomae", "--output-dir", str(run),
                 "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "5"]) == 0
    trained = json.loads((run / "metrics.json").read_text())["test"]
    assert main(["evaluate", "--data", str(data), "--model", str(run), "--analyses", "fit", "--n-boot", "20",
                 "--report", str(tmp_path / "ev")]) == 0
    res = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert res["seed"] == 5
    assert res["noise_ceiling_r2"] == pytest.approx(trained["ceiling_r2"], abs=1e-12)
    assert res["fit"]["bgs"]["r2"] == pytest.approx(trained["r2"], abs=1e-6)
    # the Python API likewise (run_suite used seed 0 unless told)
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.suite import pretrained_of

    api = run_suite(str(data), pretrained_of(run), str(run), out_dir=tmp_path / "api", analyses=["fit"], n_boot=20)
    assert api["seed"] == 5 and api["noise_ceiling_r2"] == pytest.approx(trained["ceiling_r2"], abs=1e-12)


def test_the_suite_takes_a_runs_test_embeddings_rather_than_run_the_model_on_its_clips_again(tiny_sets, tmp_path,
                                                                                             monkeypatch):
    """The quickstart ran the fine-tuned model over the test clips twice: at the end of training, to score them for
    metrics.json, and again in the suite. A run keeps the first (``TrainResult.embeddings``) and ``run_suite(embedded=)``
    takes them: the model is not run on those clips again, and the evaluation is bit-identical. Where the suite needs
    more of the model (layer features, clips outside the scored split), it is run as before."""
    import torch

    from bgs_hf.eval import run_suite
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME
    from bgs_hf.models.embedder import BGSEmbedder
    from bgs_hf.training.api import TrainConfig, train_bgs
    from bgs_hf.training.args import BGSArguments, DataArguments, ModelArguments

    _, data, _ = tiny_sets
    run = train_bgs(TrainConfig(
        data=DataArguments(data=str(data), cache_dir=str(tmp_path / "cache")),
        model=ModelArguments(backbone="tiny-random-videomae"), bgs=BGSArguments(clips_per_step=8),
        training={"output_dir": str(tmp_path / "run"), "use_cpu": True, "max_steps": 1, "disable_tqdm": True,
                  "seed": 5, "report_to": "none"}))
    clips, emb = run.embeddings["test"]
    assert len(emb) == len(clips) > 0 and sorted(clips.tolist()) == clips.tolist()

    rows: list[int] = []  # clips in each backbone pass without gradients: an embedding, never a training step
    backbone_outputs = BGSEmbedder._backbone_outputs

    def counted(self, pixel_values, **kwargs):
        if not torch.is_grad_enabled():
            rows.append(len(pixel_values))
        return backbone_outputs(self, pixel_values, **kwargs)

    monkeypatch.setattr(BGSEmbedder, "_backbone_outputs", counted)
    common = {"analyses": ("fit",), "n_boot": 20, "cache": tmp_path / "cache"}
    plain = run_suite(str(data), "tiny-random-videomae", run.output_dir, out_dir=tmp_path / "plain", **common)
    n_test = plain["n_clips"]
    assert n_test == len(clips) and sum(rows) == 2 * n_test  # the frozen and the fine-tuned model, each once
    rows.clear()
    given = run_suite(str(data), "tiny-random-videomae", run.output_dir, out_dir=tmp_path / "given",
                      embedded={"bgs": (clips, emb)}, **common)
    assert sum(rows) == n_test  # the frozen model alone
    assert given["fit"] == plain["fit"] and given["paired"] == plain["paired"]
    for key in ("items", "pretrained", "bgs"):
        assert np.array_equal(np.load(tmp_path / "given" / TEST_EMBEDDINGS_NAME)[key],
                              np.load(tmp_path / "plain" / TEST_EMBEDDINGS_NAME)[key])
    # the layer-wise fit needs every clip's layer features, the training clips' too: both models run on them all
    rows.clear()
    layered = run_suite(str(data), "tiny-random-videomae", run.output_dir, out_dir=tmp_path / "layers",
                        embedded={"bgs": (clips, emb)}, **{**common, "analyses": ("fit", "layers")})
    assert sum(rows) == 2 * 48  # the benchmark's every clip: the test clips and the training clips choosing the layer
    # (the layer pass's batches mix in training clips: the same embeddings to float precision, not to the bit)
    assert layered["fit"]["bgs"]["r2"] == pytest.approx(plain["fit"]["bgs"]["r2"], abs=1e-6)


def test_given_embeddings_are_taken_only_where_they_hold_every_clip_a_model_needs_and_no_layers_are_wanted(
        monkeypatch):
    """``_embed_models(embedded=)`` by hand, with a stand-in for the model pass (clip c embeds as c + 1000, a given
    row as c): the test above hands it exactly the clips wanted, in their order, and only a main model's. Here the
    BGS rows cover the wanted clips 1, 3, 5, 7 shuffled among others (7, 5, 9, 3, 1: taken, in the wanted order, as
    float64 like a pass's); the pretrained model's lack clip 7 (run again, not a BGSInputError); the control's hold
    its two scored clips 3 and 5 (taken, though the main models want four). With layer features wanted, a main model
    is run for them even when its rows hold every clip, and the control (never layer-scored) still takes its own
    (the quickstart's full suite: the control ran over the test clips a second time)."""
    import bgs_hf.eval.embed
    from bgs_hf.eval.suite import _embed_models

    runs: list[tuple[str, list[int], bool]] = []

    def passes(model, data, clips, cache, *, batch_size, layers, check_frames):
        assert not check_frames  # run_suite checked its scored clips' frames already: not every clip again
        runs.append((model, [int(c) for c in clips], layers))
        rows = np.asarray(clips, dtype=np.float64)[:, None] + 1000
        return (rows, np.stack([rows, rows])) if layers else rows

    def rows(*clips: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array(clips), np.array(clips, dtype=np.float32)[:, None]

    monkeypatch.setattr(bgs_hf.eval.embed, "embed_clips", passes)
    models = {"pretrained": "P", "bgs": "B", "language-distilled": "C"}
    items, scored = np.array([1, 3, 5, 7]), np.array([3, 5])
    emb, layer_features = _embed_models(
        models, ["pretrained", "bgs"], None, items, scored, None, batch_size=8, layers=False,
        embedded={"pretrained": rows(1, 3, 5), "bgs": rows(7, 5, 9, 3, 1), "language-distilled": rows(5, 3, 11)})
    assert runs == [("P", [1, 3, 5, 7], False)] and layer_features == {}
    assert emb["pretrained"][:, 0].tolist() == [1001, 1003, 1005, 1007]
    assert emb["bgs"][:, 0].tolist() == [1, 3, 5, 7] and emb["bgs"].dtype == np.float64
    assert emb["language-distilled"][:, 0].tolist() == [3, 5]

    runs.clear()
    emb, layer_features = _embed_models(
        models, ["pretrained", "bgs"], None, items, scored, None, batch_size=8, layers=True,
        embedded={"pretrained": None, "bgs": rows(1, 3, 5, 7), "language-distilled": rows(3, 5)})
    assert runs == [("P", [1, 3, 5, 7], True), ("B", [1, 3, 5, 7], True)]
    assert sorted(layer_features) == ["bgs", "pretrained"] and emb["bgs"][:, 0].tolist() == [1001, 1003, 1005, 1007]
    assert emb["language-distilled"][:, 0].tolist() == [3, 5]


def test_the_default_seed_is_the_one_given_else_the_runs_own_else_zero(tmp_path):
    """``default_seed`` by hand: 3 given wins; a run folder's recorded 7, or its recorded 0, is used as recorded; a
    backbone name has 0 (a mutant falling back to 1 passed, and turned a run's recorded 0 into 1)."""
    from bgs_hf.eval.suite import default_seed

    assert default_seed("tiny-random-videomae", None) == 0 and default_seed("tiny-random-videomae", 3) == 3
    for recorded in (7, 0):
        run = tmp_path / f"seed-{recorded}"
        run.mkdir()
        (run / "bgs_config.json").write_text("{}")
        (run / "run_config.json").write_text(json.dumps({"training": {"seed": recorded}}))
        assert default_seed(str(run), None) == recorded and default_seed(str(run), 3) == 3


def test_a_pushed_model_is_evaluated_by_its_hub_id_as_by_its_folder(tiny_sets, tmp_path, hub_cache):
    """`evaluate --model USER/NAME` of a model `bgs-hf push` published (what `load_model` and the Space take) was
    taken for a backbone: "cannot resolve backbone 'USER/NAME' ... the Hub lookup failed" (its repo has no
    config.json), and offline, with the repo in the cache, "couldn't find them in the cached files"."""
    from bgs_hf.eval import run_suite

    _, data, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    hub_cache("me/bgs-run", run)
    flags = ["--data", str(data), "--analyses", "fit", "--n-boot", "10"]
    assert main(["evaluate", *flags, "--model", str(run), "--report", str(tmp_path / "local")]) == 0
    assert main(["evaluate", *flags, "--model", "me/bgs-run", "--report", str(tmp_path / "hub")]) == 0
    local, hub = (json.loads((tmp_path / d / "evaluation.json").read_text())["fit"] for d in ("local", "hub"))
    assert set(hub) == set(local) >= {"pretrained", "bgs"}
    for row in ("pretrained", "bgs"):
        assert hub[row]["r2"] == pytest.approx(local[row]["r2"], abs=1e-9)
    api = run_suite(str(data), "tiny-random-videomae", "me/bgs-run", out_dir=tmp_path / "api", analyses=("fit",),
                    n_boot=10)
    assert api["fit"]["bgs"]["r2"] == pytest.approx(local["bgs"]["r2"], abs=1e-9)
    # as the comparison, its row is named by its repo id (not by the snapshot folder's commit hash)
    assert main(["evaluate", *flags, "--model", str(run), "--pretrained", "me/bgs-run", "--report",
                 str(tmp_path / "vs")]) == 0
    assert "| me/bgs-run (run folder) |" in (tmp_path / "vs" / "evaluation.md").read_text()


def test_a_pushed_model_is_scored_with_its_runs_seed_so_its_ceiling_and_cis_are_the_cards(tiny_sets, tmp_path):
    """A run folder is re-scored with its training seed, which drew its card's ceiling split-halves and bootstrap
    CIs; the folder `bgs-hf push` published keeps no run record, so `evaluate` of the published model drew them with
    seed 0: another noise ceiling, other CIs and another % of ceiling than the card it was published with. The
    push records the seed in the published bgs_config.json, and the published model is scored as its run is."""
    from bgs_hf.eval.suite import default_seed
    from bgs_hf.hub import push_run
    from bgs_hf.training.api import recorded_seed

    _, data, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"training": {"seed": 7}}))
    staged = tmp_path / "staged"
    push_run(run, "me/bgs-run", local_dir=staged)
    assert recorded_seed(staged) == default_seed(str(staged), None) == 7
    assert not (run / "bgs_config.json").read_text().count("training_seed")  # the run folder is untouched
    flags = ["--data", str(data), "--analyses", "fit", "--n-boot", "20"]
    for name, model in (("local", run), ("pushed", staged)):
        assert main(["evaluate", *flags, "--model", str(model), "--report", str(tmp_path / name)]) == 0
    local, pushed = (json.loads((tmp_path / d / "evaluation.json").read_text()) for d in ("local", "pushed"))
    assert pushed["seed"] == local["seed"] == 7
    assert (pushed["noise_ceiling_r2"], pushed["noise_ceiling_ci"]) == (local["noise_ceiling_r2"],
                                                                        local["noise_ceiling_ci"])
    for row in ("pretrained", "bgs"):
        for key in ("r2", "r2_ci", "pct_of_ceiling", "ceiling_r2"):
            assert pushed["fit"][row][key] == local["fit"][row][key], (row, key)


def test_a_pushed_models_seed_is_the_one_its_run_is_scored_with_whatever_its_bgs_config_held(tmp_path):
    """A run's own records say its seed; a ``training_seed`` in its bgs_config.json (one copied from a published
    model) is read only where there are none. Push kept such a stray one over the run's records, so the pushed
    model was scored with another seed than its run and card: it now publishes the run's, or none where the run
    recorded none. A pushed model pushed again keeps its seed, and a published one of a bad type (text, a float,
    a flag; a bgs_config.json that is no JSON object) is no seed, not a crash. Mutation audit of 9dbe650: the
    published key renamed, a published 7.0 taken as 7, a stray seed read beside the run's records, and a
    bgs_config.json that is a JSON list failing on ``.get``, passed."""
    import shutil

    from bgs_hf.eval.suite import default_seed
    from bgs_hf.hub import push_run
    from bgs_hf.training.api import recorded_seed

    run = _saved_run(tmp_path / "run")
    config = json.loads((run / "bgs_config.json").read_text())
    (run / "bgs_config.json").write_text(json.dumps({**config, "training_seed": 3}))
    for name, training, seed in (("seed 7", {"seed": 7}, 7), ("no seed", {}, None)):
        (run / "run_config.json").write_text(json.dumps({"training": training}))
        push_run(run, "me/bgs-run", local_dir=tmp_path / name)
        assert recorded_seed(tmp_path / name) == recorded_seed(run) == seed, name
        assert default_seed(str(tmp_path / name), None) == default_seed(str(run), None) == (seed or 0), name
    published = json.loads((tmp_path / "seed 7" / "bgs_config.json").read_text())
    assert published["training_seed"] == 7
    assert "training_seed" not in json.loads((tmp_path / "no seed" / "bgs_config.json").read_text())
    push_run(tmp_path / "seed 7", "me/bgs-run", local_dir=tmp_path / "again")
    assert recorded_seed(tmp_path / "again") == 7
    for k, bad in enumerate(("7", 7.0, True)):
        folder = tmp_path / f"bad {k}"
        shutil.copytree(tmp_path / "seed 7", folder)
        (folder / "bgs_config.json").write_text(json.dumps({**published, "training_seed": bad}))
        assert recorded_seed(folder) is None and default_seed(str(folder), None) == 0, bad
        push_run(folder, "me/bgs-run", local_dir=tmp_path / f"again {k}")
        assert "training_seed" not in json.loads((tmp_path / f"again {k}" / "bgs_config.json").read_text()), bad
    (folder / "bgs_config.json").write_text("[7]")
    assert recorded_seed(folder) is None


def test_language_distilled_data_replaces_only_fit_judgments(tiny_sets, caplog):
    import logging

    from bgs_hf.data import load
    from bgs_hf.eval.controls import language_distilled_data, odd_from_similarity

    _, data_dir, _ = tiny_sets
    data = load(data_dir)
    rng = np.random.default_rng(0)
    f = rng.normal(size=(data.n_clips, 4))
    sim = f @ f.T
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.controls"):
        ctrl = language_distilled_data(data, sim)
    # SocialShapes' judges are simulated: the log line said "agree with the human choice"
    (line,) = [r.getMessage() for r in caplog.records if "language-distilled control" in r.getMessage()]
    assert data.simulated_observers and "simulated observer's choice" in line and "human" not in line
    fit = ctrl.triplets("fit")
    assert np.array_equal(fit.odd, odd_from_similarity(sim, fit.idx))
    assert np.array_equal(ctrl.triplets("test").odd, data.triplets("test").odd)  # scored against people
    assert ctrl.judgments.features == data.judgments.features
    assert ctrl.meta["language_distilled"]["replaced_judgments"] == len(data.triplets("fit"))
    human = data.triplets("fit")  # agreement of the caption model's choices with the ones they replaced
    assert ctrl.meta["language_distilled"]["agreement_with_humans"] == pytest.approx(
        np.mean(odd_from_similarity(sim, human.idx) == human.odd))
    assert len(ctrl.triplets()) == len(data.triplets())


def test_a_run_is_scored_on_the_splits_it_recorded(tiny_sets, tmp_path, caplog):
    """A carve-out drawn at evaluation (seed 0) is not the run's (its --seed): val/test could hold training clips.
    The run's splits apply in the Python API too, and for a checkpoint (its run's run_config.json)."""
    from bgs_hf.data import load
    from bgs_hf.eval.suite import run_data

    _, data_dir, _ = tiny_sets
    trained = load(data_dir, val_fraction=0.5, seed=9)  # the split the run trained with
    clip_ids = list(trained.clips["clip_id"])
    run = tmp_path / "run"
    (run / "checkpoint-3").mkdir(parents=True)
    (run / "run_config.json").write_text(json.dumps(
        {"splits": {k: [clip_ids[i] for i in v] for k, v in trained.splits.items()}}))
    here = load(data_dir, seed=0)
    assert not np.array_equal(here.splits["val"], trained.splits["val"])
    for folder in (run, run / "checkpoint-3"):
        as_trained = run_data(here, folder)[0]
        for name in ("train", "val", "test"):
            np.testing.assert_array_equal(as_trained.splits[name], trained.splits[name])
    (run / "run_config.json").write_text(json.dumps({"splits": {"train": ["not-a-clip"]}}))
    with pytest.raises(Exception, match="not in this data"):
        run_data(here, run)[0]
    (run / "run_config.json").unlink()  # an older run: scored as before, with a warning
    assert run_data(here, run)[0] is here
    assert "records no splits" in caplog.text


@pytest.fixture(scope="module")
def other_seed_run(tiny_sets):
    """A one-step run trained on the tiny benchmark (seed 3), and a benchmark of another seed with the same 48 clip
    ids (``ss_0000.mp4``...): SocialShapes names its clips alike at every seed."""
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    root, data, _ = tiny_sets
    other = generate_socialshapes(root / "ss_seed4", n_clips=48, seed=4,
                                  config=replace(SynthConfig(), num_frames=8, size=32, workers=1))
    run = root / "seed3-run"
    assert main(["train", "--data", str(data), "--backbone", "tiny-random-videomae", "--output-dir", str(run),
                 "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "5"]) == 0
    return run, data, other


def test_a_run_scored_on_another_seeds_benchmark_says_so_and_takes_that_benchmarks_own_splits(other_seed_run,
                                                                                             tmp_path, capsys):
    """Clip ids alone matched a run to its data: a seed-3 run scored on the seed-4 benchmark went through silently,
    on the seed-4 clips that happened to carry the run's test ids, called held-out. The videos the run recorded
    tell the two apart: a warning in the log, evaluation.json, the report and the headline, and the benchmark's own
    splits (the model saw none of its clips; a control trained beside the run is not refused for its train ids)."""
    from bgs_hf.data import load

    run, data, other = other_seed_run
    flags = ["--model", str(run), "--analyses", "fit", "--n-boot", "10"]
    assert main(["evaluate", "--data", str(other), *flags, "--control", f"beside={run}", "--report",
                 str(tmp_path / "other")]) == 0
    res = json.loads((tmp_path / "other" / "evaluation.json").read_text())
    assert "data_warning" in res
    assert res["data_warning"].startswith("ss_seed4 is not the data this run trained on (ss at ")
    assert "scored on ss_seed4's own splits" in res["data_warning"]
    scored = np.load(tmp_path / "other" / "test_embeddings.npz")["items"]
    np.testing.assert_array_equal(scored, load(other).splits["test"])  # its stimulus_set, not the run's test ids
    assert f"**{res['data_warning']}.**" in (tmp_path / "other" / "evaluation.md").read_text()
    assert "ss_seed4 / test (see the data warning above): " in capsys.readouterr().out
    recorded = json.loads((run / "run_config.json").read_text())["video_fingerprints"]
    assert len(recorded) == 48 and set(recorded) == set(load(data).clip_ids) == set(load(other).clip_ids)
    assert main(["evaluate", "--data", str(data), *flags, "--report", str(tmp_path / "same")]) == 0
    assert "data_warning" not in json.loads((tmp_path / "same" / "evaluation.json").read_text())


def test_an_older_run_without_video_fingerprints_is_warned_about_when_its_test_counts_differ(other_seed_run,
                                                                                            tmp_path, caplog):
    """A run trained before video fingerprints were recorded cannot be told apart by its videos; its metrics.json's
    test judgment count can: the same data on the same clips gives the same count."""
    import shutil

    from bgs_hf.data import load
    from bgs_hf.eval.suite import run_data

    run, data, other = other_seed_run
    old = tmp_path / "old-run"
    shutil.copytree(run, old, ignore=shutil.ignore_patterns("checkpoint-*"))
    config = json.loads((old / "run_config.json").read_text())
    config.pop("video_fingerprints", None)
    (old / "run_config.json").write_text(json.dumps(config))
    same = run_data(load(data), old)[0]
    assert "may not be the data" not in caplog.text
    assert len(same.triplets("test")) == json.loads((old / "metrics.json").read_text())["test"]["n_judgments"]
    scored = run_data(load(other), old)[0]
    assert "ss_seed4 may not be the data this run trained on: its metrics.json counted" in caplog.text
    np.testing.assert_array_equal(scored.splits["test"], same.splits["test"])  # the run's splits stay


def test_an_older_runs_test_row_scored_on_another_split_is_no_count_to_compare(tmp_path):
    """Mutation audit of suite.py: a run's metrics.json whose ``test`` row records another split (``"split": "val"``)
    counted other clips' judgments, which says nothing about the data: no warning (a mutant comparing its count anyway
    passed). The same row on the test split with another count than the data's warns."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import _counts_differ

    (tmp_path / "run_config.json").write_text("{}")
    data = SimpleNamespace(name="d", triplets=lambda split: [0] * 7)  # 7 test judgments here
    notes = {}
    for split in ("val", "test"):
        (tmp_path / "metrics.json").write_text(json.dumps({"test": {"n_judgments": 9, "split": split}}))
        notes[split] = _counts_differ(tmp_path, data)
    assert notes["val"] is None
    assert notes["test"].startswith("d may not be the data this run trained on: its metrics.json counted 9 judgments "
                                    "on its test clips, this data holds 7 on them")


def test_a_run_folder_given_to_run_suite_is_scored_on_its_own_splits(tiny_sets, tmp_path):
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    _, data_dir, _ = tiny_sets
    trained = load(data_dir, val_fraction=0.5, seed=9)
    clip_ids = list(trained.clips["clip_id"])
    run = tmp_path / "run"
    build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2)).save_pretrained(str(run))
    (run / "run_config.json").write_text(json.dumps(
        {"splits": {k: [clip_ids[i] for i in v] for k, v in trained.splits.items()}}))
    res = run_suite(data_dir, "tiny-random-videomae", run, out_dir=tmp_path / "ev", analyses=("fit",), n_boot=5,
                    seed=0, split="val")
    assert res["n_clips"] == len(trained.splits["val"])  # was: seed 0's carve-out, with the run's training clips


def test_scoring_val_keeps_val_out_of_the_probes_and_the_layer_choice(tiny_sets, tmp_path):
    """`--split val` chose the layer on val and trained the probes on train + val: the scored clips leaked."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    res = run_suite(data, "tiny-random-videomae", "tiny-random-videomae", out_dir=tmp_path / "ev",
                    analyses=("layers", "probes"), n_boot=5, n_perm=5, seed=0, split="val")
    assert res["layers"]["pretrained"]["chosen_on"] == "train"
    n_train = {v["n_train"] for v in res["probes"]["pretrained"].values()}
    assert n_train and max(n_train) <= len(data.splits["train"])


def test_evaluate_prints_na_where_a_split_has_no_noise_ceiling(tiny_sets, tmp_path, capsys):
    """A split with few judgments has no ceiling: the command wrote evaluation.json, then died formatting None."""
    from bgs_hf.data import load
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    _, data, _ = tiny_sets
    loaded = load(data, seed=0)
    ids = list(loaded.clips["clip_id"])
    train, val = loaded.splits["train"], loaded.splits["val"]
    run = tmp_path / "run"  # a run that kept 6 validation clips: one judgment, no split-half ceiling
    build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2)).save_pretrained(str(run))
    splits = {"train": [ids[i] for i in [*train, *val[6:]]], "val": [ids[i] for i in val[:6]],
              "test": [ids[i] for i in loaded.splits["test"]]}
    (run / "run_config.json").write_text(json.dumps({"splits": splits}))
    rc = main(["evaluate", "--data", str(data), "--model", str(run), "--split", "val", "--analyses",
               "fit", "--n-boot", "5", "--report", str(tmp_path / "ev")])
    res = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert res["noise_ceiling_r2"] is None  # the case under test
    # and says why beside the n/a, in the summary and the report (the reason went by in the log only)
    why = "the split has 1 valid judgment, and a split-half ceiling needs two or more"
    assert res["noise_ceiling_why"] == why
    assert rc == 0 and f"noise ceiling R² n/a: {why}" in capsys.readouterr().out
    assert f"| n/a: {why} |" in (tmp_path / "ev" / "evaluation.md").read_text()


def test_evaluate_without_the_fit_still_counts_the_scored_pairs(tiny_sets, tmp_path, capsys):
    """`--analyses layers,attention`: the console and evaluation.md said "None pairs" / "| None |" (the count was
    filled in by the fit alone); it is the split's, the same the fit reports."""
    _, data, _ = tiny_sets
    common = ["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--n-boot", "5"]
    assert main([*common, "--analyses", "attention", "--report", str(tmp_path / "att")]) == 0
    printed = capsys.readouterr().out
    assert main([*common, "--analyses", "fit", "--report", str(tmp_path / "fit")]) == 0
    capsys.readouterr()
    res = json.loads((tmp_path / "att" / "evaluation.json").read_text())
    fit = json.loads((tmp_path / "fit" / "evaluation.json").read_text())
    assert res["n_pairs"] == fit["n_pairs"] == fit["fit"]["pretrained"]["n_pairs"] > 0
    assert f"{res['n_pairs']} pairs" in printed and "None" not in printed
    assert "None" not in (tmp_path / "att" / "evaluation.md").read_text()
    # an evaluation.json written before (its n_pairs null) reads "n/a" in `bgs-hf report`, not "None"
    (tmp_path / "old.json").write_text(json.dumps({**res, "n_pairs": None}))
    assert main(["report", str(tmp_path / "old.json"), "--out", str(tmp_path / "rep")]) == 0
    side = (tmp_path / "rep" / "report.md").read_text()
    assert "None" not in side and f"| {res['n_clips']} | n/a | {res['n_judgments']} |" in side


@pytest.mark.parametrize(("flags", "message"), [
    (["--control", "bgs=x"], "--control name 'bgs' is reserved"),
    (["--control", "a=x", "--control", "a=y"], "--control name 'a' is given twice"),
    (["--control", "=runs/x"], "--control must be NAME=RUN_DIR, got '=runs/x'"),  # a row named ""
    (["--control", "ctrl="], "--control must be NAME=RUN_DIR, got 'ctrl='"),
    (["--control", "language=x"], "--control name 'language' is reserved"),
    # test_embeddings.npz's clip key and np.savez's own parameters: a TypeError traceback once every model had
    # embedded the clips (and the earlier report was cleared)
    (["--control", "items=x"], "--control name 'items' is reserved"),
    (["--control", "file=x"], "--control name 'file' is reserved"),
    # the key that marks an analysis skipped: a control of that name in res["fit"] made its section vanish
    (["--control", "skipped=x"], "--control name 'skipped' is reserved"),
    (["--control", "runs/x"], "--control must be NAME=RUN_DIR, got 'runs/x'"),
    (["--n-boot", "0"], "--n-boot must be >= 1"),
    (["--n-perm", "0"], "--n-perm must be >= 1"),  # CLI audit, fourth pass: its check dropped passed
    (["--abstract", "/nonexistent"], "not a SocialShapes-Abstract folder"),
    # read by the transfer analysis alone: without it the folder was ignored, and the report had no transfer section
    (["--abstract", "/nonexistent", "--analyses", "fit,probes"],
     "--abstract is read only by the transfer analysis: add transfer to --analyses, or drop --abstract"),
    # read by the probes alone: without them the count was ignored (its default, when not given, is not refused)
    (["--n-perm", "50", "--analyses", "fit,transfer"],
     "--n-perm is read only by the probes analysis: add probes to --analyses, or drop --n-perm"),
])
def test_evaluate_refuses_bad_flags_before_any_work(tiny_sets, capsys, monkeypatch, flags, message):
    """One line, exit 2, and neither the data nor the suite touched (without its early check, a missing
    ``--abstract`` folder was refused by the suite in the same words, after the data and models had loaded)."""
    import bgs_hf.data
    import bgs_hf.eval.suite as suite

    work: list[str] = []
    monkeypatch.setattr(bgs_hf.data, "load", lambda *_a, **_kw: work.append("load"))
    monkeypatch.setattr(suite, "run_suite", lambda *_a, **_kw: work.append("run_suite"))
    _, data, _ = tiny_sets
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", *flags]) == 2
    assert message in capsys.readouterr().err
    assert work == []


def test_the_suite_refuses_a_control_named_as_a_key_of_its_embeddings_file_before_the_data_loads(tmp_path):
    """``run_suite(controls={"items": ...})`` (``--control items=RUN``) crashed in ``np.savez`` with "got multiple
    values for keyword argument 'items'" after every model had embedded the clips."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import run_suite

    for name in ("items", "file", "allow_pickle"):
        with pytest.raises(BGSInputError, match=f"control name '{name}' is reserved"):
            run_suite("/nonexistent-data", "tiny-random-videomae", controls={name: "tiny-random-videomae"},
                      out_dir=tmp_path / "ev")
    assert not (tmp_path / "ev").exists()
    from bgs_hf.eval.suite import EMBEDDING_KEYS, RESERVED_CONTROL_NAMES, RESERVED_NAMES

    assert RESERVED_NAMES + EMBEDDING_KEYS + ("skipped",) == RESERVED_CONTROL_NAMES  # the CLI refuses the same names


def test_a_control_named_skipped_is_refused_before_the_data_loads_as_its_rows_would_read_as_not_run(tmp_path):
    """``controls={"skipped": run}`` (``--control skipped=RUN``) put a row "skipped" into ``res["fit"]`` and
    ``res["partition"]``, the key by which a result says its analysis did not run: the report then dropped the
    whole fit section (every model's row with it) and printed the partition as "not run ({...its numbers...})".
    Refused in one line before the data loads, as the suite's own rows' names are."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import run_suite

    with pytest.raises(BGSInputError, match=r"^control name 'skipped' is reserved \(.*\bskipped\)$"):
        run_suite("/nonexistent-data", "tiny-random-videomae", controls={"skipped": "tiny-random-videomae"},
                  out_dir=tmp_path / "ev")
    assert not (tmp_path / "ev").exists()


def test_evaluate_checks_a_named_language_model_whenever_the_partition_needs_it(tiny_sets, tmp_path, capsys,
                                                                                 monkeypatch):
    """The language row feeds the fit and the partition: ``--analyses partition`` alone checks ``--language-model``
    first too (a mutant checking it for ``fit`` only passed), and an analysis without the row does not."""
    import bgs_hf.baselines.language as language
    from bgs_hf.errors import BGSInputError

    checked: list[str] = []

    def refuse(name, *_a, **_kw):
        checked.append(name)
        raise BGSInputError(f"sentence model {name!r} refused here")

    monkeypatch.setattr(language, "check_sentence_model", refuse)
    missing = str(tmp_path / "not-loaded")
    for analyses, code in (("partition", 2), ("layers", 2)):
        assert main(["evaluate", "--data", missing, "--model", "tiny-random-videomae", "--language-model", "mine",
                     "--analyses", analyses]) == code
    err = capsys.readouterr().err
    assert checked == ["mine"] and "sentence model 'mine' refused here" in err and err.count("refused here") == 1


def test_evaluate_prints_each_rows_interval_low_then_high(tiny_sets, tmp_path, capsys, monkeypatch):
    """The console's fit line reads R² [low, high] as the suite recorded it (a mutant printing [high, low] passed:
    no test read the printed interval)."""
    import bgs_hf.eval.suite as suite

    row = {"r2": 0.1, "r2_ci": [0.05, 0.2], "pct_of_ceiling": 50.0, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 9, "n_pairs": 12, "n_judgments": 30, "noise_ceiling_r2": 0.2,
           "fit": {"bgs": row}, "timings_s": {"total": 1.0}}
    monkeypatch.setattr(suite, "run_suite", lambda *_a, **_kw: res)
    _, data, _ = tiny_sets
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--analyses", "fit",
                 "--report", str(tmp_path / "ev")]) == 0
    assert ("R² 0.1000 [0.0500, 0.2000]  50.0% of ceiling  3-way 40.0% (chance 33.3%)  2-way 60.0% (chance 50%)"
            in capsys.readouterr().out)


def test_evaluate_prints_each_row_under_its_display_name_and_an_undefined_share_as_n_a(tiny_sets, tmp_path, capsys,
                                                                                      monkeypatch):
    """The console named its rows by their JSON keys (``pretrained``, ``bgs``) while the report and every figure
    show the names (and the labels one evaluation gives its rows), and an undefined share of the ceiling printed
    as "n/a% of ceiling"."""
    import bgs_hf.eval.suite as suite

    row = {"r2": 0.1, "r2_ci": [0.05, 0.2], "pct_of_ceiling": None, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 9, "n_pairs": 12, "n_judgments": 30, "noise_ceiling_r2": None,
           "fit": {"pretrained": row, "bgs": row}, "timings_s": {"total": 1.0},
           "models": {"pretrained": {"label": "my other run"}, "bgs": {}}}
    monkeypatch.setattr(suite, "run_suite", lambda *_a, **_kw: res)
    _, data, _ = tiny_sets
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--analyses", "fit",
                 "--report", str(tmp_path / "ev")]) == 0
    lines = [ln.strip() for ln in capsys.readouterr().out.splitlines() if "R² 0.1000" in ln]
    assert [ln.split("  R²")[0].strip() for ln in lines] == ["my other run", "BGS fine-tuned (LoRA)"]
    assert all("n/a of ceiling" in ln and "n/a%" not in ln for ln in lines)  # (the accuracies are in percent)


def test_evaluate_leaves_the_namespace_it_is_given_as_it_was(tiny_sets, tmp_path, monkeypatch):
    """`run` settled the run's folder and the seed on the caller's namespace (`args.model`, `args.seed`): a caller
    reusing it (a notebook, a loop over runs) scored the next model with the first run's recorded seed, and saw its
    `--model` rewritten."""
    import copy

    import bgs_hf.eval.suite as suite
    from bgs_hf.cli.main import build_parser

    seen = []
    monkeypatch.setattr(suite, "run_suite", lambda data, pretrained, finetuned, **kw: seen.append((finetuned, kw["seed"]))
                        or {"data": "d", "split": "test", "n_clips": 9, "n_pairs": 12, "n_judgments": 30,
                            "noise_ceiling_r2": None, "fit": {}, "timings_s": {"total": 1.0}})
    _, data, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    (run / "run_config.json").write_text(json.dumps({"training": {"seed": 7}}))  # the seed it trained with
    args = build_parser().parse_args(["evaluate", "--data", str(data), "--model", f"{run}/", "--analyses", "fit",
                                      "--report", str(tmp_path / "ev")])
    given = copy.deepcopy(vars(args))
    assert args.func(args) == 0
    assert seen == [(str(run), 7)]  # the run's folder, scored with its recorded seed
    assert vars(args) == given and args.seed is None and args.model == f"{run}/"


@pytest.mark.parametrize("flag", ["--model", "--pretrained", "--control"])
def test_a_folder_holding_run_folders_is_named_with_the_runs_inside_not_as_a_backbone(tmp_path, capsys, flag):
    """`bgs-hf quickstart --out runs/demo` then `bgs-hf evaluate --model runs/demo`: the quickstart's folder holds
    the run (runs/demo/bgs) and was taken for a backbone, "demo: no config.json in backbone folder", which named
    neither the run inside nor what to pass (a --control said it only after the data had loaded)."""
    out = tmp_path / "demo"
    for run in ("bgs", "language_distilled"):
        (out / run).mkdir(parents=True)
        (out / run / "bgs_config.json").write_text("{}")
    (out / "analyses").mkdir()
    given = {"--model": ["--model", str(out)], "--pretrained": ["--model", "tiny-random-videomae", "--pretrained",
                                                                str(out)],
             "--control": ["--model", "tiny-random-videomae", "--control", f"x={out}"]}[flag]
    rc = main(["evaluate", "--data", str(tmp_path / "not-loaded"), *given, "--analyses", "fit"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert f"{flag}: {out}: not a run folder (no bgs_config.json)" in err and "backbone folder" not in err
    assert f"the run folders in it: {out / 'bgs'}, {out / 'language_distilled'}" in err
    assert "not-loaded" not in err


def test_report_of_a_missing_run_names_it_by_the_path_given(tmp_path, capsys):
    """The README's `bgs-hf report runs/ss/eval runs/other/eval`: every run's folder is called `eval`, so a missing
    one named only `eval:` did not say which of them to evaluate."""
    (tmp_path / "ss" / "eval").mkdir(parents=True)
    missing = tmp_path / "other" / "eval"
    assert main(["report", str(missing), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert f"error: {missing}: no evaluation.json (run `bgs-hf evaluate ... --report DIR` first)" in err
    assert main(["report", str(tmp_path / "ss" / "eval"), "--out", str(tmp_path / "rep")]) == 2
    assert f"error: {tmp_path / 'ss' / 'eval'}: no evaluation.json" in capsys.readouterr().err


def test_report_of_a_run_folder_names_the_evaluation_folder_inside_it(tmp_path, capsys):
    """The README trains into `runs/ss` and evaluates into `runs/ss/eval`: `bgs-hf report runs/ss` said "run
    `bgs-hf evaluate ... --report DIR` first" to a user who had (minutes of evaluation again), not where it was."""
    run = tmp_path / "runs" / "ss"
    (run / "eval").mkdir(parents=True)
    (run / "eval" / "evaluation.json").write_text("{}")
    (run / "checkpoint-2").mkdir()
    assert main(["report", str(run), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"error: {run}: no evaluation.json (its evaluation is in {run / 'eval'}: pass that folder)" in err, err
    (run / "eval-mpnet").mkdir()
    (run / "eval-mpnet" / "evaluation.json").write_text("{}")
    assert main(["report", str(run), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert f"evaluations are in {run / 'eval'}, {run / 'eval-mpnet'}: pass the ones to report)" in err, err
    assert not (tmp_path / "rep").exists()


def test_report_reads_json_copies_refuses_other_json_and_aligns_probe_columns(tmp_path):
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.report import load_run, write_report

    quick = tmp_path / "report.json"  # a quickstart report: also has "models", but is no evaluation result
    quick.write_text(json.dumps({"models": {"bgs": {"r2": 0.1}}, "noise_ceiling_r2": 0.2}))
    with pytest.raises(BGSInputError, match="not a `bgs-hf evaluate` result"):
        load_run(quick)
    suite_dir = tmp_path / "eval"
    suite_dir.mkdir()
    probe = {"valence": {"r": 0.5, "p_value": 0.01}}
    base = {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 3, "n_judgments": 3, "noise_ceiling_r2": 0.2,
            "noise_ceiling_ci": [0.1, 0.3], "models": {}, "figures": {}, "fit": {}}
    one = {**base, "probes": {"pretrained": probe}}
    two = {**base, "result_dir": str(suite_dir), "probes": {"pretrained": probe, "bgs": {"valence": {"r": 0.7,
                                                                                             "p_value": 0.001}}}}
    (tmp_path / "two.json").write_text(json.dumps(two))
    name, res, folder = load_run(tmp_path / "two.json")
    assert folder == suite_dir  # figures resolve where the suite wrote them, not beside the --json copy
    md, _ = write_report([("one", one, tmp_path), (name, res, folder)], tmp_path / "rep")
    table = [line for line in md.read_text().splitlines() if line.startswith("|") and "valence" in line]
    header = next(line for line in md.read_text().splitlines() if line.startswith("| run | attribute"))
    assert all(line.count("|") == header.count("|") for line in table), (header, table)
    assert "0.700" in table[1] and table[0].count("–") >= 2


def test_run_suite_takes_model_objects_and_survives_a_diverged_model_and_unrated_clips(tiny_sets, tmp_path):
    """Review: a fine-tuned model passed as an object was read as a file name; NaN embeddings crashed
    partitioning, probes and transfer; a probe with no r (constant ratings) crashed the report."""
    import torch

    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.models import HeadConfig, build_embedder

    root, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rating = "rating_valence"  # one of the probed attributes
    test = set(data.splits["test"].tolist())
    values = [3.0 if i in test else v for i, v in enumerate(data.clips[rating])]
    data = dataclasses.replace(data, clips=data.clips.remove_columns(rating).add_column(rating, values))
    diverged = build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None)
    with torch.no_grad():
        diverged.head[0].weight.fill_(float("nan"))
    res = run_suite(data, diverged, build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None),
                    out_dir=tmp_path / "ev", abstract_dir=abstract, analyses=("fit", "partition", "probes", "transfer"),
                    n_boot=5, n_perm=5)
    assert res["partition"]["pretrained"] == {"skipped": "non-finite embeddings (a diverged model?)"}
    assert res["transfer"]["models"]["pretrained"]["skipped"].startswith("non-finite")
    # no difference or p against a diverged model (it was a table of n/a, counted as tested)
    assert res["paired"]["bgs - pretrained"]["skipped"].endswith("not scored: non-finite embeddings (a diverged model?)")
    assert res["probes"]["bgs"][rating.removeprefix("rating_")]["r"] is None
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert "Ridge probes" in md or "probe" in md.lower()


@pytest.mark.parametrize("diverged_models, rated, reason", [
    (("bgs",), False, "no rating column"),  # the finite model shows the clips are unrated
    (("bgs", "pretrained"), True, "non-finite embeddings"),  # nothing could be probed: ratings or not
])
def test_a_probes_section_with_no_probe_says_why(tiny_sets, tmp_path, diverged_models, rated, reason):
    """A diverged model on unrated clips left the probes section as empty per-model tables with no reason, and
    with every model diverged it would have blamed the (present) ratings."""
    import torch

    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.models import HeadConfig, build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    ratings = [c for c in data.clips.column_names if c.startswith("rating_")]
    assert ratings, "the fixture's clips must be rated for this test to mean anything"
    if not rated:
        data = dataclasses.replace(data, clips=data.clips.remove_columns(ratings))
    models = {n: build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None)
              for n in ("bgs", "pretrained")}
    for n in diverged_models:
        with torch.no_grad():
            models[n].head[0].weight.fill_(float("nan"))
    res = run_suite(data, models["bgs"], models["pretrained"], out_dir=tmp_path / "ev", analyses=("probes",),
                    n_perm=5)
    assert res["probes"]["skipped"].startswith(reason)


@pytest.mark.parametrize("diverged, rated", [("pretrained", False), ("bgs", True)])
def test_a_diverged_models_skipped_probes_are_said_in_one_line_naming_it(tiny_sets, tmp_path, caplog, diverged,
                                                                         rated):
    """A model with NaN embeddings had its probe columns left as dashes without a word in the log or the report
    (the first model's as much as the second's); the data's own line (no rating columns) is still said once, by the
    model that could be probed."""
    import logging

    import torch

    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.models import HeadConfig, build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    if not rated:
        data = dataclasses.replace(data, clips=data.clips.remove_columns(
            [c for c in data.clips.column_names if c.startswith("rating_")]))
    models = {n: build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None)
              for n in ("bgs", "pretrained")}
    with torch.no_grad():
        models[diverged].head[0].weight.fill_(float("nan"))
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval"):
        run_suite(data, models["pretrained"], models["bgs"], out_dir=tmp_path / "ev", analyses=("probes",), n_boot=5,
                  n_perm=5, seed=0)
    said = [r.getMessage() for r in caplog.records if "probe" in r.getMessage()]
    name = {"pretrained": "pretrained video model (frozen)", "bgs": "BGS fine-tuned (LoRA)"}[diverged]
    expected = [f"probes of {name} skipped: non-finite embeddings (a diverged model?)"]
    if not rated:
        expected.append("no rating_valence, rating_arousal, rating_dominance, rating_intimacy, "
                        "rating_communication columns: their probes skipped")
    assert said == expected


def test_a_diverged_models_skipped_probes_line_names_it_as_its_report_row_does(caplog):
    """Mutation audit: the skipped-probes line naming a model by its key's default name, not the evaluation's row
    label (another run folder or a backbone name given as the comparison: ``model_labels``), joining two names with a
    comma, or naming only the first, passed, as the suite's test above diverges one model object (default names). Both
    models' embeddings NaN, the pretrained row labelled ``videomae-base (frozen)``: no probe is fit, and one line names
    that label and the bgs row's default name, in the report's row order."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.eval.suite import _add_probes

    nan = np.full((4, 2), np.nan)
    run = SimpleNamespace(embeds_fit_clips=True, main=["pretrained", "bgs"], emb={"pretrained": nan, "bgs": nan},
                          row_labels={"pretrained": "videomae-base (frozen)"}, n_perm=5, seed=0)
    res: dict = {"timings_s": {}, "figures": {}}
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval"):
        _add_probes(res, run)
    assert [r.getMessage() for r in caplog.records] == [
        "probes of videomae-base (frozen) and BGS fine-tuned (LoRA) skipped: non-finite embeddings (a diverged model?)"]
    assert res["probes"] == {"skipped": "non-finite embeddings (a diverged model?)"} and not res["figures"]


def test_a_control_trained_on_the_scored_clips_is_refused(tiny_sets, tmp_path):
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    ids = list(data.clips["clip_id"])
    control = tmp_path / "control"
    build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2)).save_pretrained(
        str(control))
    (control / "run_config.json").write_text(json.dumps({"splits": {  # trained on the clips scored as test
        "train": [ids[i] for i in data.splits["test"]], "val": [], "test": [ids[i] for i in data.splits["train"]]}}))
    with pytest.raises(BGSInputError, match=r"control 'lang' trained on \d+ of the 'test' clips scored here"):
        run_suite(data, "tiny-random-videomae", None, controls={"lang": control}, out_dir=tmp_path / "ev",
                  analyses=("fit",), n_boot=5)
    # a control on the run's own splits is fine on every split, val included (its val only chose its epoch)
    (control / "run_config.json").write_text(json.dumps({"splits": {k: [ids[i] for i in v]
                                                                    for k, v in data.splits.items()}}))
    for split in ("test", "val"):
        run_suite(data, "tiny-random-videomae", None, controls={"lang": control}, out_dir=tmp_path / f"ok-{split}",
                  analyses=("fit",), n_boot=5, split=split)


def _record_loads(monkeypatch) -> list[str]:
    """What ``run_suite`` loads: every model (``resolve_model``) and the language reference."""
    import bgs_hf.baselines.language
    import bgs_hf.eval.suite

    loaded: list[str] = []
    monkeypatch.setattr(bgs_hf.eval.suite, "resolve_model", lambda m: loaded.append(f"model {m}"))
    monkeypatch.setattr(bgs_hf.baselines.language, "language_similarity",
                        lambda *a, **k: loaded.append("language reference"))
    return loaded


def test_a_control_trained_on_the_scored_clips_is_refused_before_any_model_loads(tiny_sets, tmp_path, monkeypatch):
    """The refusal needs only the control's run_config.json, but came after the pretrained model, the fine-tuned
    one, the control itself and the language reference had loaded (minutes for Hub-sized backbones)."""
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    ids = list(data.clips["clip_id"])
    control = tmp_path / "control"
    control.mkdir()
    (control / "bgs_config.json").write_text("{}")
    (control / "run_config.json").write_text(json.dumps({"splits": {
        "train": [ids[i] for i in data.splits["test"]], "val": [], "test": [ids[i] for i in data.splits["train"]]}}))
    loaded = _record_loads(monkeypatch)
    with pytest.raises(BGSInputError, match=r"control 'lang' trained on \d+ of the 'test' clips scored here"):
        run_suite(data, "tiny-random-videomae", None, controls={"lang": control}, out_dir=tmp_path / "ev",
                  analyses=("fit",), n_boot=5)
    assert loaded == []


def test_a_control_that_trained_on_two_of_the_last_scored_clips_is_refused_with_their_count(tiny_sets, tmp_path,
                                                                                               monkeypatch):
    """Every scored clip is checked against the control's training clips, not the first one alone: a control whose
    recorded train split holds the last two test clips is refused with "2 of the 'test' clips" (a mutant looking
    at the first scored clip passed: the existing case trained on all of them)."""
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    ids = list(data.clips["clip_id"])
    test = sorted(int(i) for i in data.splits["test"])
    control = tmp_path / "control"
    control.mkdir()
    (control / "bgs_config.json").write_text("{}")
    (control / "run_config.json").write_text(json.dumps({"splits": {
        "train": [ids[i] for i in [*data.splits["train"], *test[-2:]]], "val": [ids[i] for i in data.splits["val"]],
        "test": [ids[i] for i in test[:-2]]}}))
    loaded = _record_loads(monkeypatch)
    with pytest.raises(BGSInputError, match=r"control 'lang' trained on 2 of the 'test' clips scored here"):
        run_suite(data, "tiny-random-videomae", None, controls={"lang": control}, out_dir=tmp_path / "ev",
                  analyses=("fit",), n_boot=5)
    assert loaded == []


def test_a_scored_split_without_judgments_is_refused_before_any_model_loads(tiny_sets, tmp_path, monkeypatch):
    """A scored split whose clips hold no judgment was refused only after every model and the language reference
    had loaded (an unknown split was refused first already). The line says why a split of clips can hold none and
    which splits hold some, with their counts, for --split (it said only "has no valid judgments")."""
    import re

    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    test = data.splits["test"][:2]  # two clips: no judgment has its three clips among them
    splits = {"train": np.union1d(data.splits["train"], data.splits["test"][2:]), "val": data.splits["val"],
              "test": test}
    # the judgments whose three clips all lie in each split, counted from the valid judgments' clips
    every = data.triplets().idx
    n_train, n_val = (int(np.isin(every, splits[s]).all(axis=1).sum()) for s in ("train", "val"))
    assert n_train > 0 and n_val > 0 and not np.isin(every, test).all(axis=1).any()
    loaded = _record_loads(monkeypatch)
    said = (f"{data.name}: split 'test' has no valid judgments (a judgment counts in a split only when its three "
            f"clips all lie in it); judgments lie in train ({n_train}), val ({n_val}): score one of those (--split)")
    with pytest.raises(BGSInputError, match=f"^{re.escape(said)}$"):
        run_suite(dataclasses.replace(data, splits=splits), "tiny-random-videomae", str(tmp_path / "no-run"),
                  out_dir=tmp_path / "ev", analyses=("fit",), n_boot=5)
    assert loaded == []
    assert not (tmp_path / "ev").exists()


@pytest.mark.parametrize("shape", ["other split", (4, 2)])
def test_a_given_language_similarity_not_over_the_scored_clips_is_refused_before_any_model_loads(
        tiny_sets, tmp_path, monkeypatch, shape):
    """``run_suite(language_sim=...)`` of the test clips while scoring ``split="val"`` (or no square matrix at all)
    was refused by the fit only once every model had embedded the clips, though the docstring says every input is
    checked before any video model loads. Now one line first, naming the shape wanted."""
    import re

    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    n_test, n_val = len(data.splits["test"]), len(data.splits["val"])
    assert n_test != n_val
    sim = np.eye(n_test) if shape == "other split" else np.ones(shape)
    loaded = _record_loads(monkeypatch)
    said = (f"language_sim has shape {sim.shape}: it must be the caption similarity of the {n_val} scored 'val' clips "
            f"({n_val}×{n_val}, in the split's order) or of all {data.n_clips} clips ({data.n_clips}×{data.n_clips}); "
            "nothing was embedded")
    for analyses in (("fit",), ("partition",)):
        with pytest.raises(BGSInputError, match=f"^{re.escape(said)}$"):
            run_suite(data, "tiny-random-videomae", None, out_dir=tmp_path / "ev", split="val", analyses=analyses,
                      language_sim=sim, n_boot=5)
    assert loaded == []
    assert not (tmp_path / "ev").exists()


def test_the_partition_records_its_time_like_every_other_analysis(tiny_sets, tmp_path, monkeypatch):
    """The variance partition was the one analysis without a ``timings_s`` entry in evaluation.json. A clock that
    moves only while a model's partition is computed (7 s each) reads 7 s for it and 0 for the embedding."""
    from types import SimpleNamespace

    import bgs_hf.eval.partition
    import bgs_hf.eval.suite
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.metrics import cosine_similarity_matrix

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    clock = [100.0]
    monkeypatch.setattr(bgs_hf.eval.suite, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    partition = bgs_hf.eval.partition.partition_pairs

    def slow_partition(*args, **kwargs):
        clock[0] += 7.0
        return partition(*args, **kwargs)

    monkeypatch.setattr(bgs_hf.eval.partition, "partition_pairs", slow_partition)
    lang = cosine_similarity_matrix(np.random.default_rng(0).normal(size=(len(data.splits["test"]), 4)))
    res = run_suite(data, "tiny-random-videomae", None, out_dir=tmp_path / "ev", analyses=("partition",), n_boot=5,
                    language_sim=lang, seed=0)
    assert "shared" in res["partition"]["pretrained"]  # partitioned, not skipped
    assert res["timings_s"] == {"embed": 0.0, "partition": 7.0, "total": 7.0}


def test_report_on_a_copied_evaluation_links_its_own_figures(tiny_sets, tmp_path):
    """`bgs-hf report COPY` linked the original folder's figures (the recorded absolute result_dir)."""
    import shutil

    from bgs_hf.eval.report import load_run

    root, data_dir, _ = tiny_sets
    assert main(["evaluate", "--data", str(data_dir), "--model", "tiny-random-videomae", "--report",
                 str(tmp_path / "ev1"), "--analyses", "fit", "--n-boot", "5"]) == 0
    shutil.copytree(tmp_path / "ev1", tmp_path / "copy")
    _, _, folder = load_run(tmp_path / "copy")
    assert folder == tmp_path / "copy"


def test_probes_on_data_without_ratings_say_why_in_the_report(tiny_sets, tmp_path):
    """A lab's own data has no rating_* columns: the probes came back empty per model and the report printed an
    "Attribute probes" heading over nothing."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.report import build_sections

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    data = dataclasses.replace(data, clips=data.clips.remove_columns(
        [c for c in data.clips.column_names if c.startswith("rating_")]))
    res = run_suite(data, "tiny-random-videomae", "tiny-random-videomae", out_dir=tmp_path / "ev",
                    analyses=("probes",), n_boot=5, n_perm=5, seed=0)
    assert res["probes"] == {"skipped": "no rating column with enough rated clips (rating_valence, rating_arousal, "
                                        "rating_dominance, rating_intimacy, rating_communication)"}
    sections = dict(build_sections([("run", res, tmp_path / "ev")]))
    assert sections["Attribute probes"] == [("text", f"*run: not run ({res['probes']['skipped']}).*")]


def test_probes_with_too_few_clips_to_train_on_say_the_counts_in_the_report(tiny_sets, tmp_path):
    """Scoring the train split of data rated throughout leaves the probes the 4 validation clips to train on: the report
    said "no rating column with enough rated clips", which was false (every clip was rated); it now gives each column's
    rated clips against the minimums, and names a column the data lacks."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    val = data.split_items("val")  # 4 of them left in val, the rest moved to train (a small study's carve-out)
    splits = {**data.splits, "train": np.sort(np.concatenate([data.split_items("train"), val[4:]])), "val": val[:4]}
    data = dataclasses.replace(data, clips=data.clips.remove_columns(["rating_communication"]), splits=splits)
    n_val, n_train = len(data.split_items("val")), len(data.split_items("train"))
    assert n_val < 5 <= n_train  # too few to train on outside the scored train split
    res = run_suite(data, "tiny-random-videomae", "tiny-random-videomae", out_dir=tmp_path / "ev",
                    analyses=("probes",), n_boot=5, n_perm=5, seed=0, split="train")
    assert res["probes"] == {"skipped": "too few rated clips to fit the probes scoring the train split: "
                                        "rating_valence, rating_arousal, rating_dominance, rating_intimacy: "
                                        f"{n_val} to train on (at least 5 needed) and {n_train} scored (at least 3 "
                                        "needed); no rating_communication column"}


def test_probes_skipped_for_the_data_are_said_once_per_evaluation_not_once_per_model(tiny_sets, tmp_path, caplog):
    """`bgs-hf evaluate` of a lab's unrated study printed "no rating_valence, ... columns: their probes skipped" twice,
    once for the pretrained model and once for the fine-tuned one; which probes the data leaves out is the data's, the
    same for every model. So is a rating column with too few rated clips (here 2 of 8 training clips rated)."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.probes import paired_probes

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    data = dataclasses.replace(data, clips=data.clips.remove_columns(
        [c for c in data.clips.column_names if c.startswith("rating_")]))
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.probes"):
        run_suite(data, "tiny-random-videomae", "tiny-random-videomae", out_dir=tmp_path / "ev",
                  analyses=("probes",), n_boot=5, n_perm=5, seed=0)
    said = [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.probes"]
    assert said == ["no rating_valence, rating_arousal, rating_dominance, rating_intimacy, rating_communication "
                    "columns: their probes skipped"]

    class Clips(dict):
        column_names = property(lambda self: list(self))

    caplog.clear()
    rated = SimpleNamespace(clips=Clips(rating_arousal=[1.0, 2.0] + [float("nan")] * 10))  # clips 0, 1 of 12
    with caplog.at_level(logging.INFO, logger="bgs_hf.eval.probes"):
        assert paired_probes(np.eye(12), np.eye(12), rated, np.arange(8), np.arange(8, 12), np.arange(12),
                             attrs=("arousal",), n_boot=5) == {}
    assert [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.probes"] == [
        "too few rated clips for arousal: 2 training (at least 5 needed) and 0 scored (at least 3 needed); probe "
        "skipped"]


def test_analyses_skipped_in_every_run_follow_those_that_ran_in_the_analyses_order_transfer_too(tmp_path):
    """The rule of every all-skipped section (it says why, after the analyses that ran) held for all but the
    transfer, which stood in its place: here ahead of the attention that ran, where the layers skipped alike went to
    the end."""
    from bgs_hf.eval.report import build_sections

    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "fit": {"bgs": row},
           "layers": {"skipped": "no validation or training judgments to choose a layer"},
           "transfer": {"skipped": "no abstract set given"},
           "attention": {"models": {"bgs": {"grid": [2, 4, 4], "agent_mass": 0.3, "agent_area": 0.2}}},
           "motion": {"skipped": "no motion"}}
    sections = build_sections([("one", res, tmp_path)])
    assert [title for title, _ in sections] == ["Data and noise ceiling", "Behavioural fit", "Attention",
                                                "Layer-wise fit", "Out-of-distribution transfer", "Motion controls"]
    assert dict(sections)["Out-of-distribution transfer"] == [("text", "*one: not run (no abstract set given).*")]


def test_report_fit_table_puts_each_number_in_its_column(tmp_path):
    """Only the section titles of the fit table were checked: swapped 3-way / 2-way columns went unnoticed."""
    from bgs_hf.eval.report import write_report

    fit = {"r2": 0.0871, "r2_ci": [0.021, 0.15], "pct_of_ceiling": 41.47, "rsa_spearman": 0.2951,
           "rsa_pearson": 0.2712, "ooo_acc_3way": 0.4123, "ooo_acc_2way": 0.6351}
    res = {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 3, "n_judgments": 3, "noise_ceiling_r2": 0.21,
           "noise_ceiling_ci": [0.17, 0.25], "models": {}, "figures": {}, "fit": {"bgs": fit}}
    md, _ = write_report([("one", res, tmp_path)], tmp_path / "rep")
    lines = md.read_text().splitlines()
    assert "| model | R² | R² 95% CI | % of ceiling | RSA ρ | RSA r | 3-way acc | 2-way acc |" in lines
    assert "| BGS fine-tuned (LoRA) | 0.087 | [0.021, 0.150] | 41.5% | 0.295 | 0.271 | 41.2% | 63.5% |" in lines


@pytest.mark.parametrize("earlier", ["evaluation.json", ".bgs-evaluation"])
def test_evaluating_again_into_a_report_folder_replaces_the_earlier_report_only(tiny_sets, tmp_path, earlier):
    """A second evaluation into the same --report folder (fewer analyses, or after an interrupted one) left the
    earlier run's figures beside the new evaluation.json, so the folder mixed two evaluations. The user's own
    files and the decoded-clip cache stay. (The earlier evaluation is known by its evaluation.json, or, interrupted
    before writing one, by the marker it left.)"""
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    out = tmp_path / "ev"
    (out / "clip_cache").mkdir(parents=True)
    (out / "clip_cache" / "kept.bin").write_bytes(b"x")
    (out / earlier).write_text(json.dumps({"models": {}, "split": "test"}) if earlier.endswith(".json") else "")
    for name in ("layers.png", "probes.png", "attention_3.png", "evaluation.md", "notes.txt"):
        (out / name).write_text("earlier")
    run_suite(data_dir, "tiny-random-videomae", None, out_dir=out, analyses=("fit",), n_boot=5, seed=0)
    left = sorted(p.name for p in out.iterdir())
    assert "layers.png" not in left and "probes.png" not in left and "attention_3.png" not in left
    assert "notes.txt" in left and (out / "clip_cache" / "kept.bin").is_file()
    assert (out / "evaluation.md").read_text() != "earlier" and "fit.png" in left


def test_a_refused_evaluation_keeps_the_earlier_report_in_its_folder(tiny_sets, tmp_path):
    """The earlier evaluation's files were removed before the models were resolved: a rerun into the same --report
    folder with a mistyped backbone (or a control trained on the test clips) was refused in one line and had
    deleted the earlier evaluation.json, figures and test embeddings on its way."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    out = tmp_path / "ev"
    out.mkdir()
    for name in ("evaluation.json", "evaluation.md", "fit.png", "test_embeddings.npz"):
        (out / name).write_text("earlier")
    (out / "evaluation.json").write_text(json.dumps({"models": {}, "split": "test"}))  # an evaluation's, not mine
    with pytest.raises(BGSInputError, match="no-such-backbone"):
        run_suite(data_dir, str(tmp_path / "no-such-backbone"), None, out_dir=out, analyses=("fit",), n_boot=5,
                  seed=0)
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(
        ["evaluation.json", "evaluation.md", "fit.png", "test_embeddings.npz"])


@pytest.mark.parametrize("late", ["abstract video undecodable", "interrupted"])
def test_an_evaluation_refused_or_interrupted_after_embedding_keeps_the_earlier_report_whole(tiny_sets, tmp_path,
                                                                                           monkeypatch, late):
    """The earlier report was cleared once the clips were embedded, and the analyses then wrote into the folder: an
    --abstract folder with a file that is no video (refused by the transfer analysis as it embeds them) or Ctrl-C before
    the report was written lost the earlier evaluation.json and left half a new report (fit.png,
    test_embeddings.npz). Now the earlier files stay byte for byte, and no hidden work folder is left beside them."""
    import shutil

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import report, run_suite

    _, data_dir, abstract = tiny_sets
    out = tmp_path / "ev"
    out.mkdir()
    earlier = {name: f"earlier {name}".encode() for name in ("evaluation.md", "evaluation.html", "fit.png",
                                                              "probes.png", "test_embeddings.npz")}
    earlier["evaluation.json"] = json.dumps({"models": {}, "split": "test"}).encode()  # an evaluation's
    for name, content in earlier.items():
        (out / name).write_bytes(content)
    bad = tmp_path / "abs"
    shutil.copytree(abstract, bad)
    if late == "interrupted":  # at the very last step: every figure and evaluation.json already written
        def ctrl_c(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(report, "write_report", ctrl_c)
        expected = pytest.raises(KeyboardInterrupt)
    else:  # refused by the transfer analysis as it embeds the abstract set, after the fit was written (a missing
        # video is refused before any model loads: a file that is no video is found only by decoding it)
        (bad / "videos" / "abs_gen_0008.mp4").write_bytes(b"not a video")
        expected = pytest.raises(BGSInputError, match="abs_gen_0008.mp4")
    with expected:
        run_suite(data_dir, "tiny-random-videomae", None, out_dir=out, abstract_dir=bad, analyses=("fit", "transfer"),
                  n_boot=5, seed=0)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".bgs-evaluation"} == earlier
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["clip_cache"]  # no .bgs-partial-* work folder


def _abstract_refusal_of_the_cli(data_dir, abstract, tmp_path, capsys, monkeypatch) -> tuple[str, list[str]]:
    """(stderr, the work begun) of `bgs-hf evaluate --abstract ABSTRACT --analyses transfer`, which must exit 2 at
    its own checks: the data load and the suite are replaced by recorders of their being called."""
    import bgs_hf.data
    import bgs_hf.eval.suite as suite

    work: list[str] = []
    monkeypatch.setattr(bgs_hf.data, "load", lambda *_a, **_kw: work.append("load"))
    monkeypatch.setattr(suite, "run_suite", lambda *_a, **_kw: work.append("run_suite"))
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data_dir), "--model", "tiny-random-videomae", "--abstract", str(abstract),
                 "--analyses", "transfer", "--report", str(tmp_path / "ev2")]) == 2
    return capsys.readouterr().err, work


def test_an_abstract_set_whose_labels_csv_lacks_a_column_is_refused_before_any_model_loads(tiny_sets, tmp_path,
                                                                                           capsys, monkeypatch):
    """`bgs-hf evaluate --abstract DIR` (and ``run_suite(abstract_dir=DIR)``) with DIR/labels.csv lacking its split
    column: the CLI checked only that labels.csv exists and the suite read it in the transfer analysis, so the refusal
    came once every model had embedded the scored clips. Now it is the one line naming the file and column before any
    model loads (the missing backbone here is never looked up)."""
    import shutil

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, abstract = tiny_sets
    bad = tmp_path / "abs"
    shutil.copytree(abstract, bad)
    rows = [line.split(",") for line in (bad / "labels.csv").read_text().splitlines()]
    k = rows[0].index("split")
    (bad / "labels.csv").write_text("".join(",".join(row[:k] + row[k + 1:]) + "\n" for row in rows))
    missing = str(tmp_path / "no-such-backbone")
    with pytest.raises(BGSInputError, match="labels.csv: column 'split' missing"):
        run_suite(data_dir, missing, None, out_dir=tmp_path / "ev", abstract_dir=bad, analyses=("transfer",))
    err, work = _abstract_refusal_of_the_cli(data_dir, bad, tmp_path, capsys, monkeypatch)
    assert err.count("\n") == 1 and "labels.csv: column 'split' missing" in err and work == [], err


def test_an_abstract_set_missing_videos_is_refused_before_any_model_loads(tiny_sets, tmp_path, capsys, monkeypatch):
    """`bgs-hf evaluate --abstract DIR` with two of DIR's 21 videos gone: the transfer analysis found the first one
    only as it embedded the set, after every other analysis. Now the CLI (before the data loads) and ``run_suite``
    (before any model loads: the missing backbone is never looked up) say it in one line naming the folder, how
    many of the videos are missing and the first of them in labels.csv's order."""
    import shutil

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    _, data_dir, abstract = tiny_sets
    bad = tmp_path / "abs"
    shutil.copytree(abstract, bad)
    names = [line.split(",")[0] for line in (bad / "labels.csv").read_text().splitlines()[1:]]
    assert len(names) == 21  # 12 train + 9 generalisation clips
    for name in (names[15], names[4]):  # the earlier row is named first
        (bad / "videos" / name).unlink()
    said = f"abs: 2 of the 21 videos labels.csv lists are missing from videos/ (first: {names[4]})"
    with pytest.raises(BGSInputError) as err:
        run_suite(data_dir, str(tmp_path / "no-such-backbone"), None, out_dir=tmp_path / "ev", abstract_dir=bad,
                  analyses=("transfer",))
    assert str(err.value).startswith(said), err.value
    out, work = _abstract_refusal_of_the_cli(data_dir, bad, tmp_path, capsys, monkeypatch)
    assert out.count("\n") == 1 and f"error: {said}" in out and work == [], out


def test_an_earlier_evaluation_is_cleared_of_every_file_an_evaluation_writes_and_nothing_else(tmp_path):
    """Every figure and record a suite writes (fit, layers, partition, probes, motion and attention figures, the test
    embeddings, the markdown and HTML report) is an earlier evaluation's to replace, the user's notes are not (a
    mutant leaving motion.png out of the list passed: the rerun test left layers, probes and attention figures
    only); the marker of an evaluation under way is written (without it, an interrupted one's files were refused as
    the user's at the next run: a mutant writing none passed)."""
    from bgs_hf.eval.suite import REPORT_MARKER, _clear_earlier_report

    written = ["evaluation.json", "evaluation.md", "evaluation.html", "test_embeddings.npz", "fit.png", "layers.png",
               "partition.png", "probes.png", "motion.png", "attention_0.png", "attention_1.png"]
    for name in [*written, "notes.md", "motion.png.txt"]:
        (tmp_path / name).write_text("earlier")
    (tmp_path / "evaluation.json").write_text(json.dumps({"models": {}, "split": "test"}))
    _clear_earlier_report(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([REPORT_MARKER, "motion.png.txt", "notes.md"])


def test_a_report_folder_whose_evaluation_json_is_not_an_evaluation_is_refused_not_cleared(tmp_path):
    """An ``evaluation.json`` that is not valid JSON (or not a result) marks no earlier evaluation: the folder's
    fit.png is the user's, refused by name before anything is written, and nothing is removed (a mutant taking any
    unreadable evaluation.json for an earlier evaluation passed, and cleared the user's files)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import _clear_earlier_report, check_report_folder

    for text in ("{not json", json.dumps([1, 2])):
        (tmp_path / "evaluation.json").write_text(text)
        (tmp_path / "fit.png").write_text("mine")
        for check in (check_report_folder, _clear_earlier_report):
            with pytest.raises(BGSInputError, match="holds evaluation.json, which no earlier evaluation wrote"):
                check(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["evaluation.json", "fit.png"]


def test_a_frozen_backbone_given_by_its_folder_is_named_by_the_folder(tmp_path, monkeypatch):
    """A backbone loaded from a local folder is named "<folder> (frozen)", a Hub snapshot (in the Hugging Face
    cache) by its repo id, not by the whole path (a mutant printing the absolute path passed: every test named a Hub
    backbone)."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import model_labels

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    local = tmp_path / "weights" / "my-videomae"
    snapshot = tmp_path / "hub" / "models--someone--their-vit" / "snapshots" / ("abc123" + "0" * 34)
    for folder in (local, snapshot):
        folder.mkdir(parents=True)
        model = SimpleNamespace(spec=SimpleNamespace(name=str(folder)))
        assert model_labels(str(folder), None, {"pretrained": model}) == {
            "pretrained": f"{'my-videomae' if folder == local else 'someone/their-vit'} (frozen)"}


def test_a_backbone_in_a_users_own_folder_named_snapshots_is_named_by_its_folder(tmp_path):
    """Mutation audit of 208edde: ``_short`` taking any folder under a ``snapshots`` folder for a Hub snapshot passed:
    weights a user keeps in ``weights/snapshots/v2`` (no ``models--`` cache folder above) were labelled
    "None (frozen)"."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import model_labels

    folder = tmp_path / "weights" / "snapshots" / "v2"
    folder.mkdir(parents=True)
    model = SimpleNamespace(spec=SimpleNamespace(name=str(folder)))
    assert model_labels(str(folder), None, {"pretrained": model}) == {"pretrained": "v2 (frozen)"}


def test_attention_over_no_clips_is_refused_before_any_work(tmp_path):
    """``run_suite(attention_clips=0)`` mapped ``test.items[:0]``, no clip, and failed with an IndexError in the
    attention analysis after every model had embedded the clips; it is refused first, with the way to skip the maps
    (before the data loads: a source that does not exist is never read)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    with pytest.raises(BGSInputError, match=r"attention_clips must be at least 1 \(got 0\); leave 'attention' out"):
        run_suite(tmp_path / "no-such-data", "no-such-backbone", out_dir=tmp_path / "ev", attention_clips=0)
    assert not (tmp_path / "ev").exists()


def test_embedding_sends_the_clips_to_the_models_device(monkeypatch):
    """A model on a GPU (``train_bgs(...).model`` after a GPU run, passed to ``run_suite`` or ``embed_clips``) got
    the decoded clips on the CPU: "Expected all tensors to be on the same device" at the first batch. The ``meta``
    device stands in for a GPU here: the batch must arrive on the device of the model's weights."""
    from types import SimpleNamespace

    import torch

    import bgs_hf.video
    from bgs_hf.eval.embed import embed_paths

    class OnDevice(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2, device="meta"))
            self.frame_policy = SimpleNamespace(num_frames=2)
            self.seen: list[str] = []

        def forward(self, x):
            self.seen.append(x.device.type)
            return torch.zeros(len(x), 3)

        def embed_with_layers(self, x):
            self.seen.append(x.device.type)
            return torch.zeros(len(x), 3), torch.zeros(2, len(x), 4)

    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache: torch.zeros(2, 3, 4, 4))
    model = OnDevice()
    emb, lay = embed_paths(model, ["a.mp4", "b.mp4", "c.mp4"], batch_size=2, layers=True, progress=False)
    assert emb.shape == (3, 3) and lay.shape == (2, 3, 4)
    assert model.seen == ["meta"] * 2  # one backbone pass per batch gives the embeddings and the layers



@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_an_embedding_batch_size_that_is_no_count_is_one_line(tmp_path, monkeypatch, batch_size):
    """``embed_paths(batch_size=0)`` failed in ``range`` ("arg 3 must not be zero"), ``-1`` said "no clips to embed"
    of three clips, 2.5 was a TypeError; ``run_suite`` passed them on and failed only once the models had loaded. One
    line now, and ``run_suite`` says it before the data loads (a source that does not exist is never read)."""
    from types import SimpleNamespace

    import torch

    import bgs_hf.video
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.embed import embed_paths

    monkeypatch.setattr(bgs_hf.video, "load_clip", lambda path, policy, cache: torch.zeros(2, 3, 4, 4))
    model = torch.nn.Linear(2, 2)
    model.frame_policy = SimpleNamespace(num_frames=2)
    model.train()
    refusal = rf"batch_size must be a whole number >= 1, got {batch_size}$"
    with pytest.raises(BGSInputError, match=refusal):
        embed_paths(model, ["a.mp4", "b.mp4", "c.mp4"], batch_size=batch_size, progress=False)
    assert model.training  # refused before the model was put in eval mode
    with pytest.raises(BGSInputError, match=refusal):
        run_suite(tmp_path / "no-such-data", "no-such-backbone", out_dir=tmp_path / "ev", batch_size=batch_size)
    assert not (tmp_path / "ev").exists()


def test_an_unknown_analysis_is_refused_before_the_data_loads(tmp_path, capsys):
    """``--analyses fit,layerz`` was refused only after the data (and, for a run, the splits) had loaded."""
    rc = main(["evaluate", "--data", str(tmp_path / "not-loaded"), "--model", "tiny-random-videomae",
               "--analyses", "fit,layerz"])
    err = capsys.readouterr().err
    assert rc == 2 and "unknown analyses ['layerz']" in err and "not-loaded" not in err


def test_a_mistyped_analysis_gets_a_did_you_mean(tmp_path, capsys):
    """``--caption frist`` and ``--split tset`` got a "did you mean"; ``--analyses fti`` only the list."""
    rc = main(["evaluate", "--data", str(tmp_path / "not-loaded"), "--model", "tiny-random-videomae",
               "--analyses", "fti"])
    err = capsys.readouterr().err
    assert rc == 2 and "error: unknown analyses ['fti'] (did you mean 'fit'?); choose from fit, layers," in err


@pytest.mark.parametrize("analyses", ["", " , ,"])
def test_an_empty_list_of_analyses_is_refused_before_the_data_loads(tmp_path, capsys, analyses):
    """Fuzzing: ``--analyses ''`` (or only commas) passed the check as no unknown name: the suite embedded every clip
    with every model, then replaced an earlier report with one holding no analysis."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import run_suite

    rc = main(["evaluate", "--data", str(tmp_path / "not-loaded"), "--model", "tiny-random-videomae",
               "--analyses", analyses])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.endswith("no analyses to run (an empty list); choose at least one of fit, layers, "
                                    "partition, probes, transfer, attention, motion") and "not-loaded" not in err
    with pytest.raises(BGSInputError, match="^no analyses to run"):  # the library refuses it too
        run_suite(tmp_path / "not-loaded", "tiny-random-videomae", None, out_dir=tmp_path / "r", analyses=())
    assert not (tmp_path / "r").exists()


def test_a_mistyped_split_is_refused_right_after_the_data_loads(tiny_sets, tmp_path, capsys, monkeypatch):
    """``--split tset`` was refused only after every model had been loaded (a run folder's base and adapter, each
    control); the split names come with the data, so it is checked as soon as the data has loaded."""
    import bgs_hf.eval.suite as suite

    _, data, _ = tiny_sets
    monkeypatch.setattr(suite, "resolve_model", lambda *a, **k: pytest.fail("a model loaded before the split check"))
    rc = main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--split", "tset",
               "--report", str(tmp_path / "ev")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert "--split 'tset' is not a split of" in err and "did you mean 'test'?" in err
    assert not (tmp_path / "ev").exists()
    for kind in ("pixels", "language"):  # the baselines, too, name the flag (they said "unknown split 'tset'")
        assert main(["baseline", kind, "--data", str(data), "--split", "tset"]) == 2
        assert "--split 'tset' is not a split of" in capsys.readouterr().err
    from bgs_hf.errors import BGSInputError  # the Python API, too, before any model
    with pytest.raises(BGSInputError, match="unknown split 'tset'"):
        suite.run_suite(str(data), "tiny-random-videomae", out_dir=tmp_path / "py", split="tset")
    assert not (tmp_path / "py").exists()


def test_an_explicit_language_model_that_cannot_load_is_refused_before_any_work(tiny_sets, tmp_path, capsys,
                                                                                 monkeypatch):
    """``evaluate --language-model nope`` offline spent ~84 s in Hub retries, then logged a warning and exited 0
    with no language row (nor variance partitioning): the row the user asked for was silently dropped. Offline it
    is now refused at once, before the data loads; any other failure to load it, before any video model loads."""
    import socket

    import huggingface_hub.constants as hub_constants

    import bgs_hf.baselines.language as language
    import bgs_hf.eval.suite as suite
    from bgs_hf.baselines.language import LanguageBaselineConfig
    from bgs_hf.errors import BGSInputError

    _, data, _ = tiny_sets
    with monkeypatch.context() as offline:
        def no_dns(*_a, **_kw):
            raise socket.gaierror(-2, "Name or service not known")

        offline.setattr(socket, "getaddrinfo", no_dns)
        offline.setattr(hub_constants, "HF_HUB_OFFLINE", False)
        offline.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
        for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            offline.delenv(var, raising=False)
        rc = main(["evaluate", "--data", str(tmp_path / "not-loaded"), "--model", "tiny-random-videomae",
                   "--language-model", "nope", "--report", str(tmp_path / "ev")])
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1, err
        assert "--language-model: sentence model 'nope' is not a folder here" in err and "not-loaded" not in err

    def cannot_load(*_a, **_kw):
        raise BGSInputError("cannot load sentence model 'org/gone' (offline? not a model folder?): 404")

    monkeypatch.setattr(language, "load_sentence_model", cannot_load)
    monkeypatch.setattr(language, "check_sentence_model", lambda *_a, **_kw: None)  # as if the Hub answered
    resolve = suite.resolve_model
    monkeypatch.setattr(suite, "resolve_model", lambda *a, **k: pytest.fail("a model loaded before the language row"))
    with pytest.raises(BGSInputError, match="cannot load sentence model 'org/gone'"):
        suite.run_suite(str(data), "tiny-random-videomae", out_dir=tmp_path / "py", analyses=("fit",),
                        language_config=LanguageBaselineConfig(model="org/gone"), n_boot=5)
    assert main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--language-model", "org/gone",
                 "--report", str(tmp_path / "cli")]) == 2
    assert "cannot load sentence model 'org/gone'" in capsys.readouterr().err
    # not asked for by name: the default's row is skipped, and the report and evaluation.json say why
    monkeypatch.setattr(suite, "resolve_model", resolve)
    rc = main(["evaluate", "--data", str(data), "--model", "tiny-random-videomae", "--analyses", "fit,partition",
               "--n-boot", "5", "--report", str(tmp_path / "default")])
    assert rc == 0
    res = json.loads((tmp_path / "default" / "evaluation.json").read_text())
    assert "language" not in res["fit"] and "cannot load sentence model 'org/gone'" in res["language_skipped"]
    assert "cannot load sentence model 'org/gone'" in res["partition"]["skipped"]
    md = (tmp_path / "default" / "evaluation.md").read_text()
    assert "no language row (cannot load sentence model 'org/gone'" in md


def test_report_rows_name_a_comparison_run_or_a_plain_backbone_for_what_it_is(tiny_sets, tmp_path, monkeypatch):
    """``evaluate --pretrained OTHER_RUN`` labelled the other fine-tuned run "pretrained video model (frozen)", and a
    backbone name given as ``--model`` (scored alone, or beside ``--pretrained``) read "pretrained video model
    (frozen)" / "BGS fine-tuned (LoRA)" whatever it was; evaluation.json keeps its keys."""
    import bgs_hf.eval.suite as suite

    _, data, _ = tiny_sets
    for name in ("run-a", "seed-7-run"):
        _saved_run(tmp_path / name)
    drawn: list[dict] = []
    plot = suite._plot_bars
    monkeypatch.setattr(suite, "_plot_bars", lambda *a, **k: (drawn.append(k.get("names") or {}), plot(*a, **k))[1])
    cases = {
        "other-run": (["--model", str(tmp_path / "run-a"), "--pretrained", str(tmp_path / "seed-7-run")],
                      {"pretrained": "seed-7-run (run folder)", "bgs": "BGS fine-tuned (LoRA)"}),
        "alone": (["--model", "tiny-random-videomae"], {"pretrained": "tiny-random-videomae (frozen)"}),
        "two-backbones": (["--model", "tiny-random-videomae", "--pretrained", "tiny-random-clip"],
                          {"pretrained": "tiny-random-clip (frozen)", "bgs": "tiny-random-videomae (frozen)"}),
    }
    for case, (flags, want) in cases.items():
        out = tmp_path / case
        assert main(["evaluate", "--data", str(data), *flags, "--analyses", "fit", "--n-boot", "5",
                     "--report", str(out)]) == 0
        res = json.loads((out / "evaluation.json").read_text())
        assert set(res["fit"]) == {*want, "language"}  # the keys are the contract
        md = (out / "evaluation.md").read_text()
        for key, label in want.items():
            assert f"| {label} |" in md and f"`{key}`: {label}" in md, (case, md)
            assert drawn[-1].get(key, "BGS fine-tuned (LoRA)" if key == "bgs" else None) == label
        if case != "other-run":
            assert "BGS fine-tuned (LoRA)" not in md
        assert "pretrained video model (frozen)" not in md
    # the standard case keeps the standard names: a run folder beside its own base
    out = tmp_path / "standard"
    assert main(["evaluate", "--data", str(data), "--model", str(tmp_path / "run-a"), "--analyses", "fit",
                 "--n-boot", "5", "--report", str(out)]) == 0
    md = (out / "evaluation.md").read_text()
    assert "| pretrained video model (frozen) |" in md and "| BGS fine-tuned (LoRA) |" in md
    assert "label" not in json.dumps(json.loads((out / "evaluation.json").read_text())["models"])
    # `push --baseline`: the other run's figures are refused as run-a's pretrained row, its own base's are shown
    from bgs_hf.errors import BGSInputError
    from bgs_hf.hub.run_info import RunInfo

    with pytest.raises(BGSInputError, match="its pretrained row is the fine-tuned run 'seed-7-run' "):
        RunInfo.from_run_dir(tmp_path / "run-a", baseline=tmp_path / "other-run" / "evaluation.json")
    assert RunInfo.from_run_dir(tmp_path / "run-a", baseline=out / "evaluation.json").baseline["r2"] is not None


def test_a_report_of_a_run_beside_its_backbone_alone_names_the_one_frozen_model_once(tiny_sets, tmp_path):
    """``evaluate --model RUN`` names the run's base "pretrained video model (frozen)", ``evaluate --model BACKBONE``
    the same model "BACKBONE (frozen)": ``bgs-hf report`` of both listed one model under two names (its key line read
    "`pretrained`: pretrained video model (frozen) in run-eval, tiny-random-videomae (frozen) in base-eval"). Each
    evaluation's own report keeps its names."""
    _, data, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    for name, model in (("run-eval", str(run)), ("base-eval", "tiny-random-videomae")):
        assert main(["evaluate", "--data", str(data), "--model", model, "--analyses", "fit", "--n-boot", "5",
                     "--report", str(tmp_path / name)]) == 0
    assert "| pretrained video model (frozen) |" in (tmp_path / "run-eval" / "evaluation.md").read_text()
    assert main(["report", str(tmp_path / "run-eval"), str(tmp_path / "base-eval"), "--out", str(tmp_path / "rep")]) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "pretrained video model (frozen)" not in md
    assert "`pretrained`: tiny-random-videomae (frozen);" in md
    for run_label in ("run-eval", "base-eval"):
        assert f"| {run_label} | tiny-random-videomae (frozen) |" in md
    assert "| run-eval | BGS fine-tuned (LoRA) − tiny-random-videomae (frozen) | R² |" in md
    # the files on disk keep their labels (push --baseline and each run's own report read them)
    assert "label" not in json.loads((tmp_path / "run-eval" / "evaluation.json").read_text())["models"]["pretrained"]


def _frozen_rows(models: dict) -> dict:
    """A minimal evaluation.json with a fit row of each model in ``models`` (key -> its ``models`` entry)."""
    fit = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": None, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    return {"models": models, "split": "test", "data": "toy", "n_clips": 5, "fit": {key: fit for key in models}}


def test_a_report_names_each_frozen_base_by_its_backbone_where_one_name_would_cover_two(tmp_path):
    """Two runs on other bases both called theirs "pretrained video model (frozen)": one name, two models, and the key
    line said one model. Where runs differ, each frozen row is named by its backbone (a Hub backbone at two commits by
    its commit); runs on one base, and a single run, keep the standard name."""
    from bgs_hf.eval.report import write_report

    def report(*runs: dict) -> str:
        out = tmp_path / f"rep{len(list(tmp_path.iterdir()))}"
        return write_report([(f"r{i}", res, tmp_path) for i, res in enumerate(runs)], out)[0].read_text()

    def standard(backbone: str, revision: str | None = None) -> dict:
        base = {"backbone": backbone, **({"revision": revision} if revision else {})}
        return _frozen_rows({"pretrained": base, "bgs": {"backbone": backbone}})

    md = report(standard("tiny-random-videomae"), standard("tiny-random-clip"))
    assert "| r0 | tiny-random-videomae (frozen) |" in md and "| r1 | tiny-random-clip (frozen) |" in md
    assert "`pretrained`: tiny-random-videomae (frozen) in r0, tiny-random-clip (frozen) in r1;" in md
    assert "pretrained video model (frozen)" not in md
    md = report(standard("org/vit", "a" * 40), standard("org/vit", "b" * 40))
    assert "| r0 | org/vit (frozen) at Hub commit aaaaaaaaaaaa |" in md
    assert "| r1 | org/vit (frozen) at Hub commit bbbbbbbbbbbb |" in md
    for same in ((standard("tiny-random-videomae"), standard("tiny-random-videomae")), (standard("tiny-random-clip"),)):
        md = report(*same)
        assert "| pretrained video model (frozen) |" in md and "tiny-random" not in md
    # a fine-tuned run as the comparison, or a frozen backbone that is another model, keeps its own name
    other = _frozen_rows({"pretrained": {"backbone": "tiny-random-videomae", "label": "seed-7 (run folder)"}})
    md = report(standard("tiny-random-videomae"), other)
    assert "| r0 | pretrained video model (frozen) |" in md and "| r1 | seed-7 (run folder) |" in md


def test_an_evaluation_records_a_hub_backbones_commit(tiny_sets, tmp_path):
    """Two commits of one Hub backbone are two models; evaluation.json recorded the name alone, so a report could not
    tell them apart (nor a run's pinned base from the repo's later head)."""
    from bgs_hf.eval.suite import run_suite
    from bgs_hf.models import build_embedder

    _, data, _ = tiny_sets
    model = build_embedder("tiny-random-videomae", head=None, lora=None).eval()
    model.spec.revision = "c" * 40
    res = run_suite(str(data), model, None, out_dir=tmp_path / "e", analyses=["fit"], n_boot=5)
    assert res["models"]["pretrained"] == {"backbone": "tiny-random-videomae", "embedding_dim": 32,
                                           "revision": "c" * 40}


def test_a_report_of_a_json_whose_entries_record_no_model_keeps_every_rows_name(tmp_path):
    """A JSON whose ``models`` entries record no backbone (trimmed by hand, or written by another tool: the report
    reads it) is no frozen model of any name: beside runs on two bases it keeps its own row name while theirs are
    named by their backbones, and alone it is reported as it was (a mutant that read its entry's backbone stopped
    with ``KeyError: 'backbone'``)."""
    from bgs_hf.eval.report import write_report

    def standard(backbone: str) -> dict:
        return _frozen_rows({"pretrained": {"backbone": backbone}, "bgs": {"backbone": backbone}})

    unnamed = _frozen_rows({"pretrained": {}, "bgs": {}})
    runs = [("r0", unnamed, tmp_path), ("r1", standard("tiny-random-videomae"), tmp_path),
            ("r2", standard("tiny-random-clip"), tmp_path)]
    md = write_report(runs, tmp_path / "rep")[0].read_text()
    assert "| r0 | pretrained video model (frozen) |" in md
    assert "| r1 | tiny-random-videomae (frozen) |" in md and "| r2 | tiny-random-clip (frozen) |" in md
    md = write_report(runs[:1], tmp_path / "alone")[0].read_text()
    assert "| pretrained video model (frozen) |" in md and "| BGS fine-tuned (LoRA) |" in md


def test_a_report_that_renames_a_frozen_row_says_its_figures_keep_their_evaluations_names(tmp_path):
    """The report renames a run's frozen base beside that backbone evaluated alone, but each figure was drawn by its
    evaluation with the name it gave ("pretrained video model (frozen)" in the legend beside a table row
    "tiny-random-videomae (frozen)"): the report says so under its key line; a report that renames nothing, and a
    run without figures, add no such line."""
    from bgs_hf.eval.report import write_report

    def run(folder: str, entry: dict, figures: bool = True) -> tuple:
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "fit.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        res = _frozen_rows({"pretrained": entry})
        return folder, {**res, "figures": {"fit": "fit.png"}} if figures else res, tmp_path / folder

    base = {"backbone": "tiny-random-videomae"}
    alone = run("alone", {**base, "label": "tiny-random-videomae (frozen)"})
    md = write_report([run("run-eval", base), alone], tmp_path / "rep")[0].read_text()
    note = ("*Each evaluation drew its figures with its own row names: run-eval's name tiny-random-videomae (frozen) "
            "(the `pretrained` row) as its evaluation did.*")
    assert note in md and "alone's" not in md
    assert "drew its figures" not in write_report([run("other", base)], tmp_path / "one")[0].read_text()
    md = write_report([run("bare", base, figures=False), alone], tmp_path / "bare")[0].read_text()
    assert "| bare | tiny-random-videomae (frozen) |" in md and "drew its figures" not in md


def test_audit_427b01d_renamed_rows_keyed_by_names_with_lone_backticks_read_as_written(tmp_path):
    """Mutation audit (427b01d): the renamed rows' note fencing each key by one backtick again passed every test: two
    keys each holding a lone backtick (``my `x``, ``y` b``, two Hub revisions of each backbone) paired up in the note,
    the text between them read as code and their backticks lost. Each key reads as written, in evaluation.md
    (CommonMark) and the HTML report alike."""
    import html
    import re

    from markdown_it import MarkdownIt

    from bgs_hf.eval.report import write_report

    def run(folder: str, revision: str) -> tuple:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "fit.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        res = _frozen_rows({key: {"backbone": backbone, "label": f"{backbone} (frozen)", "revision": revision}
                            for key, backbone in (("my `x", "tiny-random-videomae"), ("y` b", "tiny-random-clip"))})
        return folder, {**res, "figures": {"fit": "fit.png"}}, tmp_path / folder

    md_path, html_path = write_report([run("one", "a" * 40), run("two", "b" * 40)], tmp_path / "rep")[:2]
    md, page = md_path.read_text(), html_path.read_text()
    rendered = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", MarkdownIt("commonmark").render(md), re.S)]
    shown = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", page, re.S)]
    for paragraphs in (rendered, shown):
        note = [p for p in paragraphs if "drew its figures" in p]
        assert len(note) == 1, note
        assert "(the <code>my `x</code> row)" in note[0] and "(the <code>y` b</code> row)" in note[0], note


def test_the_fine_tuned_row_is_called_bgs_only_for_a_run_that_recorded_the_bgs_loss_with_lora(tiny_sets, tmp_path):
    """evaluation.md, its JSON's names and every figure called any fine-tuned model "BGS fine-tuned (LoRA)": also a run
    that recorded another loss or none (saved by another training loop), and a full fine-tune with no LoRA. By the
    rule of the model card and the Space (``run_info.bgs_trained``, ``viz.models.finetuned_name``) those are the
    "fine-tuned model"; a BGS LoRA run (the demo's) keeps its name and its evaluation.json carries no label."""
    from bgs_hf.eval.suite import model_labels, resolve_model

    _, data, _ = tiny_sets
    bgs, other = _saved_run(tmp_path / "bgs"), _saved_run(tmp_path / "other", loss={"name": "InfoNCELoss"})
    for run, want in ((bgs, "BGS fine-tuned (LoRA)"), (other, "fine-tuned model")):
        out = tmp_path / f"eval-{run.name}"
        assert main(["evaluate", "--data", str(data), "--model", str(run), "--analyses", "fit", "--n-boot", "5",
                     "--report", str(out)]) == 0
        md, res = (out / "evaluation.md").read_text(), json.loads((out / "evaluation.json").read_text())
        assert f"| {want} |" in md and f"`bgs`: {want}" in md and f"{want} − pretrained" in md, md
        if run is bgs:
            assert "label" not in json.dumps(res["models"])
        else:
            assert res["models"]["bgs"]["label"] == want and "BGS" not in md, md
    pretrained = resolve_model("tiny-random-videomae")
    for run in (_saved_run(tmp_path / "unrecorded", loss=None), _saved_run(tmp_path / "full", lora=False)):
        labels = model_labels("tiny-random-videomae", run, {"pretrained": pretrained, "bgs": resolve_model(run)})
        assert labels == {"bgs": "fine-tuned model"}, run.name
    assert model_labels("tiny-random-videomae", bgs, {"pretrained": pretrained, "bgs": resolve_model(bgs)}) == {}


def test_row_labels_name_a_checkpoint_by_its_run_another_base_and_a_run_without_records(tmp_path):
    """``model_labels`` by hand: a ``checkpoint-N`` given as the comparison reads "seed-7/checkpoint-3 (run folder)"
    (a mutant naming it "checkpoint-3" passed); a frozen backbone other than the run's own base is named even beside
    a run folder, the run's own base is not (a mutant leaving out every frozen comparison beside a run passed); a
    LoRA run that recorded no BGS loss is not called BGS."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import model_labels

    run = tmp_path / "runs" / "seed-7"
    (run / "checkpoint-3").mkdir(parents=True)
    for folder in (run, run / "checkpoint-3"):
        (folder / "bgs_config.json").write_text("{}")  # a run folder, with no run records

    def backbone(name: str, **extra: object) -> SimpleNamespace:
        return SimpleNamespace(spec=SimpleNamespace(name=name), **extra)

    lora = backbone("tiny-random-videomae", disable_adapter=None)
    assert model_labels("tiny-random-clip", str(run), {"pretrained": backbone("tiny-random-clip"), "bgs": lora}) == {
        "pretrained": "tiny-random-clip (frozen)", "bgs": "fine-tuned model"}
    assert model_labels("tiny-random-videomae", str(run),
                        {"pretrained": backbone("tiny-random-videomae"), "bgs": lora}) == {"bgs": "fine-tuned model"}
    assert model_labels(str(run / "checkpoint-3"), str(run), {"pretrained": lora, "bgs": lora})["pretrained"] == (
        "seed-7/checkpoint-3 (run folder)")


def test_a_lora_model_object_given_as_the_pretrained_model_is_labelled_fine_tuned_and_refused_as_a_baseline(
        tiny_sets, tmp_path):
    """``run_suite(data, peft_model, ...)`` from Python left the pretrained row unlabelled, so ``push --baseline``
    took a fine-tuned model's figures for the backbone's; a run folder there was refused. A model object without an
    adapter is still taken for what its key says (it cannot be told from a frozen backbone)."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.suite import model_labels
    from bgs_hf.hub.run_info import RunInfo
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    _, data, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    tuned = build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=LoraSettings(r=2))
    res = run_suite(str(data), tuned, str(run), out_dir=tmp_path / "ev", analyses=("fit",), n_boot=5)
    label = "tiny-random-videomae (fine-tuned model object)"
    assert res["models"]["pretrained"]["label"] == label
    assert json.loads((tmp_path / "ev" / "evaluation.json").read_text())["models"]["pretrained"]["label"] == label
    assert f"| {label} |" in (tmp_path / "ev" / "evaluation.md").read_text()
    with pytest.raises(BGSInputError, match=r"evaluation\.json: its pretrained row is the fine-tuned model "
                                            r"'tiny-random-videomae' \(a model object with a LoRA adapter, given to "
                                            r"run_suite\), not a pretrained model: pass an evaluation\.json of the "
                                            r"pretrained backbone$"):
        RunInfo.from_run_dir(run, baseline=tmp_path / "ev" / "evaluation.json")
    frozen = build_embedder("tiny-random-videomae", head=None, lora=None)
    assert model_labels(frozen, str(run), {"pretrained": frozen, "bgs": tuned}) == {}
    assert model_labels(tuned, None, {"pretrained": tuned}) == {"pretrained": label}


def test_a_lora_object_is_labelled_only_as_the_pretrained_model_and_a_local_backbone_by_its_folders_name(tmp_path):
    """Mutation audit (363ce99..bcac884): ``model_labels`` labelling every LoRA model object fine-tuned (the ``bgs``
    row too, whose key says so already: every run_suite call from Python with a PEFT model then carried a label), and
    a backbone loaded from a local folder labelled by its whole path (a server path on evaluation.md, the figures and
    a pushed card), both passed every test: no test gave a LoRA object as the fine-tuned model, nor a local backbone."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import model_labels

    folder = tmp_path / "my-backbone"
    folder.mkdir()
    frozen = SimpleNamespace(spec=SimpleNamespace(name=str(folder)))
    tuned = SimpleNamespace(spec=frozen.spec, disable_adapter=lambda: None)  # a PEFT model, as `_has_adapter` asks
    assert model_labels(frozen, tuned, {"pretrained": frozen, "bgs": tuned}) == {}
    assert model_labels(tuned, tuned, {"pretrained": tuned, "bgs": tuned}) == {
        "pretrained": "my-backbone (fine-tuned model object)"}
    assert model_labels(str(folder), None, {"pretrained": frozen}) == {"pretrained": "my-backbone (frozen)"}


def test_each_suite_number_comes_from_its_own_models_embedding_of_the_scored_clips(tiny_sets, tmp_path, monkeypatch):
    """Mutation audit: with known embeddings per model (layers, motion controls and the abstract set too), every
    number of evaluation.json must equal the metric recomputed from that model's rows of the scored clips. A
    mixed-up model, a row misaligned when train clips are embedded beside the test clips, a swapped paired
    difference, a ceiling drawn with another seed or one motion control for all three passed every other test; so did
    the motion table's unaltered row with its 3-way and 2-way accuracies swapped, and fit.png's bars swapped. Round 8
    (audit of suite.py): the fit's paired comparisons drawn with another seed or half the resamples (only their
    difference was checked), fit.png's chance lines of 3-way and 2-way swapped, its error bars from the ceiling's range
    or its ceiling band dropped, partition.png calling simulated observers human, and a motion bar that never moved."""
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 1)  # the plumbing of a ceiling too thin to report
    from types import SimpleNamespace

    import bgs_hf.eval.attention as attention
    import bgs_hf.eval.embed as embed
    import bgs_hf.eval.suite as suite
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.embed import MOTION_CONTROLS
    from bgs_hf.eval.fit import SplitHumans, paired_comparison
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.eval.probes import (
        attribute_probes,
        paired_probes,
        paired_transfer,
        read_abstract_set,
        transfer_probe,
    )
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME
    from bgs_hf.metrics import behavioural_fit, cosine_similarity_matrix, r2

    _, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(0)
    names = ("fake-pre", "fake-bgs", "fake-ctl")
    table = {m: rng.normal(size=(data.n_clips, 6)) for m in names}
    n_abstract = len(read_abstract_set(abstract)[0])
    abstract_table = {m: rng.normal(size=(n_abstract, 6)) for m in names}

    def layer_stack(e):  # three "layers" with different geometry, then the model's own embedding as "output"
        return np.stack([np.sin((k + 1) * e) for k in range(3)])

    def motion(e, kind):  # a different, known embedding per control
        return e[:, : 3 + MOTION_CONTROLS.index(kind)]

    motion_seeds: set = set()

    def fake_clips(model, data_, items, cache=None, *, transform=None, layers=False, **_):
        e = table[model.spec.name][np.asarray(items)]
        if transform is not None:
            motion_seeds.add(transform.seed)
            e = motion(e, transform.kind)
        return (e, layer_stack(e)) if layers else e

    def fake_paths(model, paths, cache=None, **_):
        return abstract_table[model.spec.name][: len(paths)]

    attended: list = []

    def fake_attention(models, data_, items, cache=None, **_):
        attended.append(np.asarray(items))
        return {"n_clips": len(items), "models": {}}

    monkeypatch.setattr(embed, "embed_clips", fake_clips)
    monkeypatch.setattr(embed, "embed_paths", fake_paths)
    monkeypatch.setattr(attention, "attention_analysis", fake_attention)
    plotted: dict = {}  # figure file -> the bars it was given
    bars = suite._plot_bars
    panels: dict = {}  # figure file -> its axes' groups
    drawn: dict = {}  # figure file -> every keyword it was drawn with
    monkeypatch.setattr(suite, "_plot_bars", lambda groups, path, **k: (
        plotted.update({path.name: groups}), panels.update({path.name: k.get("panels")}), drawn.update({path.name: k}),
        bars(groups, path, **k))[3])
    import bgs_hf.eval.partition as partition_module

    partition_drawn: list = []  # plot_partition's keywords
    plot_partition = partition_module.plot_partition
    monkeypatch.setattr(partition_module, "plot_partition", lambda parts, path, **k: (
        partition_drawn.append(k), plot_partition(parts, path, **k))[1])
    progress_bars: list = []  # every tqdm bar the suite made itself (the motion controls')
    made = suite.tqdm
    monkeypatch.setattr(suite, "tqdm", lambda *a, **k: (progress_bars.append(made(*a, **k)), progress_bars[-1])[1])
    built: list = []
    build = SplitHumans.build.__func__
    monkeypatch.setattr(SplitHumans, "build", classmethod(
        lambda cls, data_, split, **k: (built.append((split, k.get("seed"))), build(cls, data_, split, **k))[1]))
    model = {m: SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=m)) for m in names}
    test = SplitHumans.build(data, "test", seed=5)
    lang = cosine_similarity_matrix(rng.normal(size=(len(test.items), 4)))
    built.clear()
    res = run_suite(data, model["fake-pre"], model["fake-bgs"], out_dir=tmp_path / "ev", seed=5, n_boot=20, n_perm=9,
                    controls={"ctl": model["fake-ctl"]}, language_sim=lang, abstract_dir=abstract,
                    analyses=("fit", "layers", "partition", "probes", "transfer", "attention", "motion"))
    key_of = {"pretrained": "fake-pre", "bgs": "fake-bgs", "ctl": "fake-ctl"}
    ti = test.items
    assert res["noise_ceiling_r2"] == pytest.approx(test.ceiling_r2)
    assert ("test", 5) in built  # the ceiling's split-halves drawn with the seed given (this tiny one is 1.0 anyway)
    saved = np.load(tmp_path / "ev" / TEST_EMBEDDINGS_NAME)
    for key, m in key_of.items():
        np.testing.assert_allclose(saved[key], table[m][ti])
        want = behavioural_fit(cosine_similarity_matrix(table[m][ti]), data, "test", seed=5, n_boot=20)
        for stat in ("r2", "r2_ci", "ooo_acc_3way", "ooo_acc_2way", "rsa_pearson"):
            assert res["fit"][key][stat] == pytest.approx(want[stat]), (key, stat)
    fit_r2 = {key: r2(cosine_similarity_matrix(table[m][ti]), test.human, ti) for key, m in key_of.items()}
    assert res["paired"]["bgs - pretrained"]["r2"]["diff"] == pytest.approx(fit_r2["bgs"] - fit_r2["pretrained"])
    assert res["paired"]["bgs - ctl"]["r2"]["diff"] == pytest.approx(fit_r2["bgs"] - fit_r2["ctl"])
    # each comparison whole: the fit's paired_comparison of the two models' own scored rows on the same 20 resamples,
    # seed 5 (drawn with another seed or 10 resamples passed)
    for other in ("pretrained", "ctl"):
        want = paired_comparison(table["fake-bgs"][ti], table[key_of[other]][ti], test, n_boot=20, seed=5)
        got = res["paired"][f"bgs - {other}"]
        assert {s: {k: pytest.approx(x) for k, x in v.items()} for s, v in want.items()} == got, other
    # fit.png: the ceiling and its range over R², chance 1/3 over the 3-way and 1/2 over the 2-way accuracy, each
    # model's R² interval as its error bar
    assert drawn["fit.png"]["refs"] == {"R²": ("noise ceiling", test.ceiling_r2, test.ceiling_ci),
                                        "3-way acc": ("chance", 1 / 3, None), "2-way acc": ("chance", 1 / 2, None)}
    assert drawn["fit.png"]["errors"] == {n: {"R²": pytest.approx(f["r2_ci"])} for n, f in res["fit"].items()}
    assert data.simulated_observers and [k["simulated"] for k in partition_drawn] == [True]
    # the motion bar: one step per model and control, 2 x 3, each taken
    assert [(bar.total, bar.n) for bar in progress_bars] == [(2 * len(MOTION_CONTROLS), 2 * len(MOTION_CONTROLS))]
    # layers: chosen on val, each row's own features, the output row the model's own embedding
    val = SplitHumans.build(data, "val", ceiling=False)
    for key in ("pretrained", "bgs"):
        lw, e = res["layers"][key], table[key_of[key]]
        assert lw["chosen_on"] == "val"
        feats = [*layer_stack(e), e]
        for row, f in zip(lw["layers"], feats):
            assert row["select_r2"] == pytest.approx(r2(cosine_similarity_matrix(f[val.items]), val.human, val.items))
            assert row["test_r2"] == pytest.approx(r2(cosine_similarity_matrix(f[ti]), test.human, ti))
        chosen = [row["layer"] for row in lw["layers"]].index(lw["chosen"])
        assert lw["chosen_fit"]["r2"] == pytest.approx(r2(cosine_similarity_matrix(feats[chosen][ti]), test.human, ti))
        part = partition_pairs(cosine_similarity_matrix(e[ti]), lang, test.human, ti)
        assert res["partition"][key]["r2_video"] == pytest.approx(part["r2_video"])
        assert res["motion"][key]["original"] == {k: res["fit"][key][k] for k in ("r2", "r2_ci", "ooo_acc_3way",
                                                                                 "ooo_acc_2way")}
        # fit.png: each bar its own statistic (the 3-way and 2-way bars swapped passed)
        fit = res["fit"][key]
        assert plotted["fit.png"][key] == {"R²": fit["r2"], "3-way acc": fit["ooo_acc_3way"],
                                           "2-way acc": fit["ooo_acc_2way"]}
        # R² on its own axes, the accuracies on theirs (one axis squashed R² into its bottom tenth)
        assert [p.groups for p in panels["fit.png"]] == [("R²",), ("3-way acc", "2-way acc")]
        for kind in MOTION_CONTROLS:
            want = behavioural_fit(cosine_similarity_matrix(motion(e[ti], kind)), data, "test", seed=5, n_boot=20)
            assert res["motion"][key][kind]["r2"] == pytest.approx(want["r2"]), (key, kind)
            assert res["motion"][key][kind]["r2_ci"] == pytest.approx(want["r2_ci"]), (key, kind)
            # original − this control, the fit's paired comparison of this model's own two embeddings
            want = paired_comparison(e[ti], motion(e[ti], kind), test, n_boot=20, seed=5)
            got = res["motion_paired"][key][kind]
            assert {s: {k: pytest.approx(x) for k, x in v.items()} for s, v in want.items()} == got, (key, kind)
            assert got["r2"]["diff"] == pytest.approx(fit_r2[key] - res["motion"][key][kind]["r2"])
        _, labels, is_gen, _ = read_abstract_set(abstract)
        want = transfer_probe(abstract_table[key_of[key]], labels, is_gen, seed=5)
        assert res["transfer"]["models"][key]["accuracy"] == pytest.approx(want["accuracy"])
    assert len(attended) == 1 and set(attended[0].tolist()) <= set(ti.tolist())  # maps of scored clips only
    # round 7: the first `attention_clips` scored clips (from the first one on), the shuffles drawn with the seed
    # given, the language row's bootstrap too, and the probes' permutations (each mutant passed)
    assert attended[0].tolist() == ti[:50].tolist()
    assert motion_seeds == {5}
    for key in ("pretrained", "bgs"):
        part = partition_pairs(cosine_similarity_matrix(table[key_of[key]][ti]), lang, test.human, ti, n_boot=20, seed=5)
        for k in ("video_unique_ci", "language_unique_ci", "shared_ci"):
            assert res["partition"][key][k] == pytest.approx(part[k]), (key, k)
    want = behavioural_fit(lang, data, "test", seed=5, n_boot=20)
    assert res["fit"]["language"]["r2_ci"] == pytest.approx(want["r2_ci"])
    fit_items = np.setdiff1d(data.split_items("fit"), ti)
    for key in ("pretrained", "bgs"):
        want = attribute_probes(table[key_of[key]], data, fit_items, ti, np.arange(data.n_clips), n_perm=9, seed=5)
        assert want and set(res["probes"][key]) == set(want)
        for attr, v in want.items():
            assert res["probes"][key][attr] == pytest.approx(v), (key, attr)
    # the paired tests of the report's "change in r" and of the transfer accuracies: bgs − pretrained, seed and n_boot
    # given, each model's own embedding
    want = paired_probes(table[key_of["bgs"]], table[key_of["pretrained"]], data, fit_items, ti,
                         np.arange(data.n_clips), n_boot=20, seed=5)
    assert want and set(res["probes_paired"]["bgs - pretrained"]) == set(want)
    for attr, v in want.items():
        got = res["probes_paired"]["bgs - pretrained"][attr]
        assert got["diff"] == pytest.approx(res["probes"]["bgs"][attr]["r"] - res["probes"]["pretrained"][attr]["r"])
        assert {k: pytest.approx(x) for k, x in v.items()} == got, attr
    want = paired_transfer(abstract_table[key_of["bgs"]], abstract_table[key_of["pretrained"]], labels, is_gen,
                           n_boot=20, seed=5)
    assert {k: pytest.approx(x) for k, x in want.items()} == res["transfer"]["paired"]["bgs - pretrained"]


def test_the_suite_fits_each_models_probes_once_and_reports_what_the_standalone_functions_give(tiny_sets, tmp_path,
                                                                                                  monkeypatch):
    """Each model's ridge probe of each rating and its transfer probe are fitted once, for the model's own row and
    for the paired difference: 2 models x 5 ratings = 10 ridge fits and 2 logistic fits (the paired functions refitted
    every probe the rows had fitted: 20 and 4). Every number is exactly what the standalone functions give from the
    embeddings alone."""
    from types import SimpleNamespace

    from sklearn.pipeline import Pipeline

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.eval.probes import (
        PROBE_ATTRS,
        attribute_probes,
        paired_probes,
        paired_transfer,
        read_abstract_set,
        transfer_probe,
    )

    _, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(3)
    table = {m: rng.normal(size=(data.n_clips, 6)) for m in ("fake-pre", "fake-bgs")}
    _, labels, is_gen, _ = read_abstract_set(abstract)
    abstract_table = {m: rng.normal(size=(len(labels), 6)) for m in table}
    monkeypatch.setattr(embed, "embed_clips", lambda model, data_, items, cache=None, **_: table[model.spec.name][
        np.asarray(items)])
    monkeypatch.setattr(embed, "embed_paths", lambda model, paths, cache=None, **_: abstract_table[model.spec.name])
    fitted: list[str] = []
    fit = Pipeline.fit
    monkeypatch.setattr(Pipeline, "fit", lambda self, *a, **k: (fitted.append(type(self[-1]).__name__),
                                                                fit(self, *a, **k))[1])
    model = {m: SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=m)) for m in table}
    res = run_suite(data, model["fake-pre"], model["fake-bgs"], out_dir=tmp_path / "ev", seed=4, n_boot=30, n_perm=9,
                    abstract_dir=abstract, analyses=("probes", "transfer"))
    assert set(res["probes"]["bgs"]) == set(PROBE_ATTRS)  # SocialShapes rates all five
    assert sorted(fitted) == ["LogisticRegression"] * 2 + ["RidgeCV"] * 10
    ti = SplitHumans.build(data, "test", ceiling=False).items
    fit_items = np.setdiff1d(data.split_items("fit"), ti)
    items = np.arange(data.n_clips)
    for key, m in {"pretrained": "fake-pre", "bgs": "fake-bgs"}.items():
        assert res["probes"][key] == attribute_probes(table[m], data, fit_items, ti, items, n_perm=9, seed=4)
        assert res["transfer"]["models"][key] == transfer_probe(abstract_table[m], labels, is_gen, seed=4)
    assert res["probes_paired"]["bgs - pretrained"] == paired_probes(table["fake-bgs"], table["fake-pre"], data,
                                                                     fit_items, ti, items, n_boot=30, seed=4)
    assert res["transfer"]["paired"]["bgs - pretrained"] == paired_transfer(
        abstract_table["fake-bgs"], abstract_table["fake-pre"], labels, is_gen, n_boot=30, seed=4)


def test_the_suite_records_each_models_width_its_resample_counts_and_scores_controls_only_where_asked(
        tiny_sets, tmp_path, monkeypatch):
    """With known embeddings (pretrained 5-d, bgs 6-d, a control 7-d): each model's ``embedding_dim`` is its own
    width (a mutant recording the clip count passed), ``n_boot`` / ``n_perm`` are 20 / 9 as given (one recorded for
    the other passed), ``n_pairs`` counts the scored split's own pairs (by hand from its judgments),
    test_embeddings.npz's ``items`` and ``n_clips`` are the scored clips even when training clips were embedded
    beside them (the embedded list, and its length, passed), and the layers and the transfer probe score the pretrained and
    fine-tuned models only (a control in the transfer table passed)."""
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 1)  # the plumbing of a ceiling too thin to report
    from itertools import combinations
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.eval.probes import read_abstract_set
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME

    _, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(1)
    width = {"fake-pre": 5, "fake-bgs": 6, "fake-ctl": 7}
    table = {m: rng.normal(size=(data.n_clips, d)) for m, d in width.items()}
    n_abstract = len(read_abstract_set(abstract)[0])

    def fake_clips(model, data_, items, cache=None, *, layers=False, **_):
        e = table[model.spec.name][np.asarray(items)]
        return (e, np.stack([np.sin(e), np.cos(e)])) if layers else e

    def fake_paths(model, paths, cache=None, **_):
        return rng.normal(size=(n_abstract, width[model.spec.name]))

    monkeypatch.setattr(embed, "embed_clips", fake_clips)
    monkeypatch.setattr(embed, "embed_paths", fake_paths)
    model = {m: SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=m)) for m in width}
    test = SplitHumans.build(data, "test", seed=0)
    res = run_suite(data, model["fake-pre"], model["fake-bgs"], out_dir=tmp_path / "ev", seed=0, n_boot=20, n_perm=9,
                    controls={"ctl": model["fake-ctl"]}, language_sim=np.eye(len(test.items)),
                    abstract_dir=abstract, analyses=("fit", "layers", "transfer"))
    assert {k: m["embedding_dim"] for k, m in res["models"].items()} == {"pretrained": 5, "bgs": 6, "ctl": 7}
    assert (res["n_boot"], res["n_perm"]) == (20, 9)
    # the split's observed pairs: those of its own judgments, not of every clip embedded (train clips beside it)
    assert res["n_pairs"] == len({tuple(sorted(pair)) for t in test.trip.idx.tolist() for pair in combinations(t, 2)})
    # the split's judgments: those whose three clips all lie in it, counted by hand (7 beside 10 clips here: the clip
    # count recorded as the judgment count passed)
    assert res["n_judgments"] == int(np.isin(data.triplets().idx, test.items).all(axis=1).sum()) != res["n_clips"]
    saved = np.load(tmp_path / "ev" / TEST_EMBEDDINGS_NAME)
    assert saved["items"].tolist() == test.items.tolist() and len(test.items) < data.n_clips
    assert res["n_clips"] == len(test.items) == len(data.splits["test"])
    assert set(res["layers"]) == set(res["transfer"]["models"]) == {"pretrained", "bgs"}
    assert set(res["fit"]) == {"pretrained", "bgs", "ctl", "language"}
    # every fit row carries the same keys: the language row, scored by behavioural_fit apart, had no ceiling_r2_ci
    assert {k: sorted(f) for k, f in res["fit"].items()} == {k: sorted(res["fit"]["bgs"]) for k in res["fit"]}
    assert res["fit"]["language"]["ceiling_r2_ci"] == res["fit"]["bgs"]["ceiling_r2_ci"] == test.ceiling_ci


def test_a_suite_scored_on_val_says_val_in_its_figures_and_records_the_vals_ceiling_range_low_then_high(
        tiny_sets, tmp_path, monkeypatch):
    """Mutation audit of suite.py: every suite test scored the test split, whose tiny ceiling range is one point (1.0
    to 1.0), so fit.png's title and motion.png's axis saying "test clips" whatever split was scored, and the header's
    ceiling range recorded high then low, passed. Scored on val (its range 0.44 to 0.86 here), each says val."""
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 1)  # the plumbing of a ceiling too thin to report
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    import bgs_hf.eval.suite as suite
    from bgs_hf.data import load
    from bgs_hf.eval.fit import SplitHumans

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(2)
    table = {m: rng.normal(size=(data.n_clips, 6)) for m in ("fake-pre", "fake-bgs")}
    monkeypatch.setattr(embed, "embed_clips", lambda model, data_, items, cache=None, *, transform=None, **_: (
        table[model.spec.name][np.asarray(items)][:, : 6 if transform is None else 4]))
    drawn: dict = {}  # figure file -> every keyword it was drawn with
    bars = suite._plot_bars
    monkeypatch.setattr(suite, "_plot_bars", lambda groups, path, **k: (drawn.update({path.name: k}),
                                                                         bars(groups, path, **k))[1])
    model = {m: SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=m)) for m in table}
    val = SplitHumans.build(data, "val", seed=0)
    lo, hi = val.ceiling_ci
    assert lo < hi  # a range that is not one point: reversed, it reads otherwise
    res = suite.run_suite(data, model["fake-pre"], model["fake-bgs"], out_dir=tmp_path / "ev", split="val", seed=0,
                          n_boot=5, language_sim=np.eye(len(val.items)), analyses=("fit", "motion"))
    assert (res["split"], res["noise_ceiling_ci"]) == ("val", [pytest.approx(lo), pytest.approx(hi)])
    assert drawn["fit.png"]["title"] == "Behavioural fit (val clips)"
    assert drawn["motion.png"]["ylabel"] == "R² (signed Spearman², val clips)"


def test_attention_analysis_reports_each_models_agent_mass_and_the_change_second_minus_first(tiny_sets, monkeypatch):
    """Mutation audit: with known maps, agent mass is each model's share on the agents' pixels, agent area the share
    those pixels cover, and the change the second model's (BGS) minus the first's; a flipped sign passed."""
    import bgs_hf.eval.attention as attention
    from bgs_hf.data import load
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:3]
    models = {"pretrained": build_embedder("tiny-random-videomae", head=None, lora=None),
              "bgs": build_embedder("tiny-random-videomae", head=None, lora=None)}
    tubelet, g, _ = attention.token_grid(models["bgs"])
    t_out = models["bgs"].frame_policy.num_frames // tubelet
    flat = np.full((t_out, g, g), 1.0 / (t_out * g * g))
    masks = attention.load_masks_for(data)
    soft = {cid: attention.masks_to_tokens(masks[cid], models["bgs"].frame_policy, tubelet, g, out_frames=t_out)
            for cid in (data.clips["clip_id"][int(i)] for i in items)}
    # BGS puts every clip's relevance where its agents are
    on_agents = {cid: s / s.sum() for cid, s in soft.items()}
    calls = {"n": 0}  # clips come in ``items`` order, one model after the other

    def fake_maps(model, clip):
        calls["n"] += 1
        if model is models["pretrained"]:
            return flat
        return on_agents[list(soft)[(calls["n"] - 1) % len(soft)]]

    monkeypatch.setattr(attention, "rollout_maps", fake_maps)
    res = attention.attention_analysis(models, data, items)
    area = np.mean([s.mean() for s in soft.values()])
    mass_bgs = np.mean([attention.mass_on_mask(on_agents[c], soft[c]) for c in soft])
    assert res["models"]["pretrained"]["agent_mass"] == pytest.approx(area)  # uniform: the area the agents cover
    assert res["models"]["bgs"]["agent_area"] == pytest.approx(area)
    assert res["models"]["bgs"]["agent_mass"] == pytest.approx(mass_bgs) and mass_bgs > area
    # the sd is over the clips' masses, not their areas (mutation audit, fourth pass: the areas' sd passed, as every
    # earlier test's map was flat, its mass the area)
    masses = [attention.mass_on_mask(on_agents[c], soft[c]) for c in soft]
    areas = [s.mean() for s in soft.values()]
    assert res["models"]["bgs"]["agent_mass_sd"] == pytest.approx(np.std(masses))
    assert abs(np.std(masses) - np.std(areas)) > 1e-3
    assert res["agent_mass_change"]["mean_diff"] == pytest.approx(mass_bgs - area)
    assert res["agent_mass_change"]["between"] == ["pretrained", "bgs"]
    # three clips, each with more mass on its agents under BGS: the exact two-sided signed-rank p is 2 · 1/2³ (W+ = 6,
    # the largest of the 8 equally likely sign patterns), by hand; one-sided would be 1/8
    per_clip = [attention.mass_on_mask(on_agents[c], soft[c]) - soft[c].mean() for c in soft]
    assert min(per_clip) > 0 and res["agent_mass_change"]["wilcoxon_p"] == pytest.approx(0.25)
    # maps on one token grid are compared (mutation audit: a mutant skipping the divergence of every pair passed):
    # a flat map correlates with none, so no clip counts; both models' maps alike give r = 1 on each of the 3 clips
    assert res["divergence"]["n_clips"] == 0 and "skipped" not in res["divergence"]
    calls["n"] = 0

    def alike(model, clip):
        calls["n"] += 1
        return on_agents[list(soft)[(calls["n"] - 1) % len(soft)]]

    monkeypatch.setattr(attention, "rollout_maps", alike)
    div = attention.attention_analysis(models, data, items)["divergence"]
    assert (div["divergence"], div["mean_r"], div["n_clips"], div["between"]) == (
        pytest.approx(0.0), pytest.approx(1.0), 3, ["pretrained", "bgs"])
    # the first model's maps against the second's, not against themselves (mutation audit, fourth pass: comparing the
    # first with itself passed, both cases above giving it r = 1 or none): maps of opposite patterns give r = -1
    calls["n"] = 0

    def opposite(model, clip):
        calls["n"] += 1
        m = on_agents[list(soft)[(calls["n"] - 1) % len(soft)]]
        return m if model is models["pretrained"] else (m.max() - m) / (m.max() - m).sum()

    monkeypatch.setattr(attention, "rollout_maps", opposite)
    div = attention.attention_analysis(models, data, items)["divergence"]
    assert (div["divergence"], div["mean_r"], div["n_clips"]) == (pytest.approx(2.0), pytest.approx(-1.0), 3)
    monkeypatch.setattr(attention, "rollout_maps", fake_maps)
    calls["n"] = 0
    # round 7: a clip without a mask is left out of the count, not the end of it (a mutant stopping there passed)
    first = data.clips["clip_id"][int(items[0])]
    monkeypatch.setattr(attention, "load_masks_for", lambda _: {c: m for c, m in masks.items() if c != first})
    calls["n"] = 0
    res = attention.attention_analysis(models, data, items)
    rest = [c for c in soft if c != first]
    assert res["models"]["bgs"]["n_masked_clips"] == 2
    assert res["models"]["bgs"]["agent_mass"] == pytest.approx(
        np.mean([attention.mass_on_mask(on_agents[c], soft[c]) for c in rest]))
    assert res["models"]["bgs"]["agent_area"] == pytest.approx(np.mean([soft[c].mean() for c in rest]))



def test_an_agent_mass_change_over_one_clip_has_no_wilcoxon_p(tiny_sets, monkeypatch):
    """One masked clip: the change is that clip's difference (BGS on its agents, 1 − area, against a flat map's
    area) but a signed-rank test of one difference says nothing, so its p is undefined (a mutant testing it gave
    scipy's p = 1 for what is no test at all; every test had three clips)."""
    import bgs_hf.eval.attention as attention
    from bgs_hf.data import load
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:1]
    model = build_embedder("tiny-random-videomae", head=None, lora=None)
    tubelet, g, _ = attention.token_grid(model)
    t_out = model.frame_policy.num_frames // tubelet
    soft = attention.masks_to_tokens(attention.load_masks_for(data)[data.clips["clip_id"][int(items[0])]],
                                     model.frame_policy, tubelet, g, out_frames=t_out)
    on_agents = (soft > 0) / (soft > 0).sum()  # every relevance on tokens the agents touch
    flat = np.full((t_out, g, g), 1.0 / soft.size)
    other = build_embedder("tiny-random-videomae", head=None, lora=None)
    monkeypatch.setattr(attention, "rollout_maps", lambda m, clip: flat if m is model else on_agents)
    res = attention.attention_analysis({"pretrained": model, "bgs": other}, data, items)
    change = res["agent_mass_change"]
    assert change["mean_diff"] == pytest.approx(soft[soft > 0].mean() - soft.mean()) and change["mean_diff"] > 0
    assert np.isnan(change["wilcoxon_p"])


def test_an_agent_mass_change_with_one_clip_changed_has_no_wilcoxon_p():
    """Two clips, one unchanged: scipy drops the zero difference and gave p = 1.0 for the one left, what the one-clip
    case (the same single difference) reads as NaN. Two changed clips still get scipy's p."""
    from bgs_hf.eval.attention import _agent_mass_change

    one = _agent_mass_change(np.array([0.2, 0.3]), np.array([0.2, 0.5]), ["pretrained", "bgs"])
    assert one["mean_diff"] == pytest.approx(0.1) and np.isnan(one["wilcoxon_p"])
    two = _agent_mass_change(np.array([0.2, 0.3]), np.array([0.3, 0.5]), ["pretrained", "bgs"])
    assert two["wilcoxon_p"] == pytest.approx(0.5)


def test_attention_of_two_backbones_on_different_token_grids_keeps_the_earlier_analyses_and_skips_only_the_divergence(
        tiny_sets, tmp_path):
    """Review: `bgs-hf evaluate --pretrained` of another backbone than the model's, attention on. A tiny VideoMAE's maps
    (4 frames in tubelets of 2, 32-px crop in 8-px patches: 2x4x4 tokens) cannot be compared token by token with a
    tiny TimeSformer's (4 frames of 4x4 patches: 4x4x4), and map_divergence refused them only after the fit and every
    rollout had run and the earlier report had been cleared: both lost to one line. Now the evaluation completes:
    each model's own maps and agent mass are reported, and the divergence alone says why it was not computed."""
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    out = tmp_path / "ev"
    run_suite(data_dir, "tiny-random-videomae", None, out_dir=out, analyses=("fit",), n_boot=5, seed=0)
    res = run_suite(data_dir, "tiny-random-videomae", "tiny-random-timesformer", out_dir=out,
                    analyses=("fit", "attention"), n_boot=5, seed=0, attention_clips=2)
    att = res["attention"]
    assert att["models"]["pretrained"]["grid"] == [2, 4, 4] and att["models"]["bgs"]["grid"] == [4, 4, 4]
    why = ("2×4×4 tokens for tiny-random-videomae (frozen), 4×4×4 for tiny-random-timesformer (frozen): maps on two "
           "token grids cannot be compared token by token (compare two models of one backbone and frame policy)")
    assert att["divergence"] == {"between": ["pretrained", "bgs"], "skipped": why}
    for name in ("pretrained", "bgs"):  # each model's own agent mass stays, over both clips (SocialShapes has masks)
        assert att["models"][name]["n_masked_clips"] == 2 and 0 <= att["models"][name]["agent_mass"] <= 1
    # and so does the change, a per-clip comparison of shares that needs no common grid (mutation audit: a mutant
    # dropping it with the divergence passed): over the same two clips, the difference of the two mean masses
    mass = {name: att["models"][name]["agent_mass"] for name in ("pretrained", "bgs")}
    assert att["agent_mass_change"]["mean_diff"] == pytest.approx(mass["bgs"] - mass["pretrained"])
    assert att["agent_mass_change"]["between"] == ["pretrained", "bgs"]
    assert set(res["fit"]) >= {"pretrained", "bgs"}  # the earlier analyses' numbers are kept
    written = json.loads((out / "evaluation.json").read_text())
    assert written["attention"]["divergence"]["skipped"] == why
    # the figures' folder is the report folder, not the hidden one it was built in (a mutant recording that passed)
    assert written["result_dir"] == res["result_dir"] == str(out.resolve())
    assert f"| not compared: {why} | – |" in (out / "evaluation.md").read_text()


def test_a_model_whose_attention_cannot_be_rolled_out_is_skipped_with_the_reason(tiny_sets, monkeypatch):
    """A model refused by ``rollout_maps`` (a backbone without attention weights) is reported as skipped with the
    refusal's words, and the other model is still analysed, with no divergence to draw from one model's maps (a
    mutant letting the refusal end the whole analysis passed: no test's model was refused)."""
    import bgs_hf.eval.attention as attention
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:2]
    model, refused = (build_embedder("tiny-random-videomae", head=None, lora=None) for _ in range(2))
    tubelet, g, _ = attention.token_grid(model)
    t_out = model.frame_policy.num_frames // tubelet
    flat = np.full((t_out, g, g), 1.0 / (t_out * g * g))

    def maps(m, clip):
        if m is refused:
            raise BGSInputError("fake: the backbone does not expose attention weights")
        return flat

    monkeypatch.setattr(attention, "rollout_maps", maps)
    res = attention.attention_analysis({"pretrained": refused, "bgs": model}, data, items)
    assert res["models"]["pretrained"] == {"skipped": "fake: the backbone does not expose attention weights"}
    assert res["models"]["bgs"]["grid"] == list(flat.shape) and res["models"]["bgs"]["n_masked_clips"] == 2
    assert "divergence" not in res and "agent_mass_change" not in res


def test_attention_overlays_show_the_first_two_clips_centre_cropped_and_alike_maps_show_no_change(tiny_sets,
                                                                                                   tmp_path,
                                                                                                   monkeypatch):
    """Overlays: the first two clips by default, each frame cut to the model's centre crop (a 32x48 frame loses 8
    columns each side; mutants with one overlay or the top-left corner passed). Two models with the same maps
    change agent mass by 0 with an undefined Wilcoxon p (a mutant testing the zero differences gave p = 1), and
    each model's agent-mass sd is the population sd over the masked clips (ddof 0; ddof 1 passed); the recorded
    grid is the map's (T', g, g) (its last two sides passed)."""
    import bgs_hf.eval.attention as attention
    import bgs_hf.video.decode as decode
    from bgs_hf.data import load
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:3]
    model = build_embedder("tiny-random-videomae", head=None, lora=None)
    tubelet, g, _ = attention.token_grid(model)
    pol, t_out = model.frame_policy, model.frame_policy.num_frames // tubelet
    assert pol.crop == 32
    monkeypatch.setattr(attention, "rollout_maps", lambda m, clip: np.full((t_out, g, g), 1.0 / (t_out * g * g)))
    wide = np.broadcast_to(np.arange(48, dtype=np.uint8)[None, None, :, None], (pol.num_frames, 32, 48, 3))
    monkeypatch.setattr(decode, "decode_frames", lambda *_a, **_k: wide)
    overlays: list = []
    monkeypatch.setattr(attention, "plot_overlays", lambda frames, maps, path, **_: (overlays.append(frames), path)[1])
    res = attention.attention_analysis({"pretrained": model, "bgs": model}, data, items, out_dir=tmp_path)
    assert len(res["figures"]) == len(overlays) == 2
    assert res["models"]["bgs"]["grid"] == [t_out, g, g]  # the map's (T', g, g), not (g, g)
    assert all(f.shape == (pol.num_frames, 32, 32, 3) and f[0, 0, :, 0].tolist() == list(range(8, 40))
               for f in overlays)
    masks = attention.load_masks_for(data)
    area = np.array([attention.masks_to_tokens(masks[data.clips["clip_id"][int(i)]], pol, tubelet, g,
                                               out_frames=t_out).mean() for i in items])
    sd = float(np.sqrt(((area - area.mean()) ** 2).sum() / 3))  # a flat map's mass is the covered area
    assert res["models"]["bgs"]["agent_mass_sd"] == pytest.approx(sd) and sd > 0
    assert res["agent_mass_change"]["mean_diff"] == 0.0 and np.isnan(res["agent_mass_change"]["wilcoxon_p"])
    # one clip asked for: its one overlay, not an IndexError for a second (mutation audit, fourth pass: overlays not
    # capped at the clip count passed)
    overlays.clear()
    one = attention.attention_analysis({"pretrained": model, "bgs": model}, data, items[:1], out_dir=tmp_path)
    assert len(one["figures"]) == len(overlays) == 1


def test_attention_overlays_draw_a_conv_models_maps_centred_on_its_tokens_and_a_vits_on_its_patches(tiny_sets,
                                                                                                     tmp_path,
                                                                                                     monkeypatch):
    """The evaluation's overlays drew every map as patches: a CNN's token k, centred on pixel stride·k (as its agent
    mass pools the masks), was drawn half a token to its lower right. Each convolutional model is named to
    ``plot_overlays`` as ``centred``, a ViT is not."""
    import bgs_hf.eval.attention as attention
    from bgs_hf.data import load
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:1]
    models = {"pretrained": build_embedder("tiny-random-videomae", head=None, lora=None),
              "bgs": build_embedder("tiny-random-bgs_conv3d", head=None, lora=None)}
    grids = {id(m): attention.token_grid(m) for m in models.values()}
    t_out = {id(models["pretrained"]): models["pretrained"].frame_policy.num_frames // grids[id(models["pretrained"])][0],
             id(models["bgs"]): 2}  # 4 frames through temporal strides [1, 2]
    monkeypatch.setattr(attention, "rollout_maps",
                        lambda m, clip: np.full((t_out[id(m)], grids[id(m)][1], grids[id(m)][1]), 1.0))
    said: list = []
    monkeypatch.setattr(attention, "plot_overlays", lambda frames, maps, path, **kw: (said.append(kw), path)[1])
    res = attention.attention_analysis(models, data, items, out_dir=tmp_path)
    assert len(res["figures"]) == len(said) == 1
    assert set(said[0].get("centred") or ()) == {"bgs"}
    # each model's own strides (frames per step, pixels per token), which place its tokens where its stride does not
    # divide the clip: the videomae's 2-frame tubelets of 8-px patches, the conv's strides [1, 2] over 2 blocks
    assert said[0].get("strides") == {"pretrained": (2, 8), "bgs": (2, 4)}


def test_attention_overlays_of_two_frame_policies_draw_each_models_tokens_over_the_frames_it_saw(tiny_sets, tmp_path,
                                                                                                  monkeypatch):
    """`bgs-hf evaluate --pretrained` of another frame policy, attention on: the paper's 16-frame TimeSformer run
    beside its 8-frame checkpoint (here 8 interpolated frames beside 4), or another backbone's 8 frames in 2-frame
    tubelets of a 48-px crop beside 4 frames of 32 px. Every row was drawn over the first model's frames with its own
    strides: the 8-frame map's steps 0-3 (the clip's first half) across the whole clip, the tubelet model's steps
    0, 0, 1, 1, its 6 patches a side running 16 px past a 32-px frame. Each model's row now shows its own frame at
    each column's time (frames 1, 3, 5, 7 of 8 under frames 0-3 of 4) and its tokens over it."""
    from matplotlib.figure import Figure
    from transformers import VideoMAEConfig, VideoMAEModel

    import bgs_hf.eval.attention as attention
    from bgs_hf.data import load
    from bgs_hf.models import build_embedder

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    items = data.splits["test"][:1]
    VideoMAEModel(VideoMAEConfig(image_size=48, patch_size=8, num_frames=8, tubelet_size=2, hidden_size=16,
                                 num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)).save_pretrained(
        tmp_path / "vmae48")
    four = build_embedder("tiny-random-timesformer", head=None, lora=None)
    others = {"interpolated": build_embedder("tiny-random-timesformer", head=None, lora=None, num_frames=8,
                                             interpolate_frames=True),
              "tubelets": build_embedder(str(tmp_path / "vmae48"), head=None, lora=None)}
    assert four.frame_policy.crop == 32 and others["tubelets"].frame_policy.crop == 48

    def maps(m, clip):  # step t holds t + 1 everywhere: each panel's value says which step it draws
        g = attention.token_grid(m)[1]
        steps = clip.shape[0] // attention.token_grid(m)[0]
        return np.arange(1.0, steps + 1)[:, None, None] * np.ones((steps, g, g))

    monkeypatch.setattr(attention, "rollout_maps", maps)
    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    others["alike"] = four  # one frame policy: every row over the same frames, as before
    for name, (steps, side) in {"interpolated": ([2, 4, 6, 8], 32), "tubelets": ([1, 2, 3, 4], 48),
                                "alike": ([1, 2, 3, 4], 32)}.items():
        drawn.clear()
        attention.attention_analysis({"pretrained": four, "bgs": others[name]}, data, items, out_dir=tmp_path / name)
        (fig,) = drawn
        rows = [ax for ax in fig.axes if len(ax.get_images()) == 2]
        assert [float(ax.get_images()[1].get_array().mean()) for ax in rows[:4]] == [1, 2, 3, 4]
        assert [float(ax.get_images()[1].get_array().mean()) for ax in rows[4:]] == steps, name
        for ax in rows[4:]:  # its own crop, its 8-px patches filling it, the whole of it shown
            frame, overlay = ax.get_images()
            assert frame.get_array().shape[:2] == (side, side), name
            assert overlay.get_extent() == pytest.approx((-0.5, side - 0.5, side - 0.5, -0.5)), name
            assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx((-0.5, side - 0.5, side - 0.5, -0.5)), name


def test_report_tables_put_each_number_in_its_column_for_every_analysis(tmp_path):
    """Mutation audit: the tables after the fit table (layers, partition, probes, transfer, attention, motion) were
    checked for their titles only; a swapped column, a sign-flipped change in r or a ✓ on the wrong layer passed."""
    from bgs_hf.eval.report import write_report

    def layers(chosen, fit_r2):
        return {"layers": [{"layer": "embeddings", "select_rsa": 0.1, "select_r2": 0.011, "test_r2": 0.022},
                           {"layer": "layer 1", "select_rsa": 0.5, "select_r2": 0.251, "test_r2": 0.133},
                           {"layer": "output", "select_rsa": 0.3, "select_r2": 0.092, "test_r2": 0.144}],
                "chosen": chosen, "chosen_on": "val",
                "chosen_fit": {"r2": fit_r2, "r2_ci": [0.05, 0.2], "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.62}}

    probe = lambda r: {"r": r, "p_value": 0.2, "n_perm": 1000}  # noqa: E731
    res = {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 3, "n_judgments": 3, "noise_ceiling_r2": 0.21,
           "noise_ceiling_ci": [0.17, 0.25], "models": {}, "figures": {}, "n_perm": 1000,
           "layers": {"pretrained": layers("layer 1", 0.133)},
           "partition": {"bgs": {"video_unique": 0.031, "language_unique": 0.012, "shared": 0.005, "r2_video": 0.036,
                                 "r2_language": 0.017, "r2_both": 0.048, "n_pairs": 40}},
           "probes": {"pretrained": {"valence": probe(0.2), "arousal": probe(0.1)},
                      "bgs": {"valence": probe(0.5), "arousal": probe(0.2)}},
           "probes_paired": {"bgs - pretrained": {"valence": {"diff": 0.3, "ci": [0.1, 0.45], "p_value": 0.02,
                                                              "n_boot": 1000, "n_tied": 0},
                                                  "arousal": {"diff": 0.1, "ci": [-0.1, 0.3], "p_value": 0.3,
                                                              "n_boot": 1000, "n_tied": 0}}},
           "transfer": {"labels": ["a", "b"], "models": {"bgs": {"accuracy": 0.7, "ci": [0.5, 0.85], "chance": 0.4,
                                                                 "train_accuracy": 0.95, "n_train": 30, "n_test": 20}},
                        "paired": {"bgs - pretrained": {"diff": 0.15, "ci": [0.05, 0.25], "p_value": 0.004,
                                                        "n_boot": 1000, "n_tied": 2}}},
           "attention": {"models": {"bgs": {"method": "m", "grid": [2, 4, 4], "agent_mass": 0.3, "agent_area": 0.2,
                                            "n_masked_clips": 5}},
                         "divergence": {"divergence": 0.6, "mean_r": 0.4, "between": ["pretrained", "bgs"]},
                         "agent_mass_change": {"mean_diff": 0.05, "wilcoxon_p": 0.03}},
           "motion": {"bgs": {"shuffled": {"r2": 0.05, "r2_ci": [0.01, 0.09], "ooo_acc_3way": 0.38,
                                           "ooo_acc_2way": 0.57}, "reversed": {"skipped": "collapsed"}}},
           "motion_paired": {"bgs": {"shuffled": {
               "r2": {"diff": 0.07, "ci": [0.02, 0.12], "p_value": 0.01, "n_boot": 1000, "n_tied": 0},
               "ooo_acc_3way": {"diff": 0.04, "ci": [-0.01, 0.09], "p_value": 0.2, "n_boot": 1000, "n_tied": 3}},
               "reversed": {"skipped": "control not scored: collapsed"}}}}
    md, _ = write_report([("one", res, tmp_path)], tmp_path / "rep")
    lines = md.read_text().splitlines()
    pre, bgs = "pretrained video model (frozen)", "BGS fine-tuned (LoRA)"
    assert "| data | split | clips | pairs | judgments | noise ceiling R² [95% range over split-halves] |" in lines
    assert "| d | test | 3 | 3 | 3 | 0.210 [0.170, 0.250] |" in lines
    assert f"| {pre} | layer 1 | val | 0.133 | [0.050, 0.200] | 41.0% | 62.0% |" in lines
    assert f"| {pre} | layer 1 | 0.251 | 0.133 | ✓ |" in lines and f"| {pre} | output | 0.092 | 0.144 |  |" in lines
    assert f"| {bgs} | 0.031 | 0.012 | 0.005 | 0.036 | 0.017 | 0.048 | 40 |" in lines
    assert (f"| attribute | r: {pre} | p: {pre} | r: {bgs} | p: {bgs} | change in r: {bgs} − {pre} | change 95% CI "
            "| change p | change Holm p |") in lines
    # Holm over the two attributes' change p's: 2 × 0.02 = 0.04, then max(0.04, 1 × 0.3) = 0.3
    assert "| valence | 0.200 | 0.200 | 0.500 | 0.200 | 0.300 | [0.100, 0.450] | 0.020 | 0.040 |" in lines
    assert "| arousal | 0.100 | 0.200 | 0.200 | 0.200 | 0.100 | [-0.100, 0.300] | 0.300 | 0.300 |" in lines
    assert f"| {bgs} | 70.0% | [50.0%, 85.0%] | 40.0% | 95.0% | 30 | 20 |" in lines
    assert f"| {bgs} − {pre} | 15.0 pp | [5.0, 25.0] pp | 0.004 |" in lines
    assert f"| {bgs} | m | 0.300 | 0.200 | 5 | 2×4×4 |" in lines
    assert f"| {pre} vs {bgs} | 0.600 | 0.400 | 0.050 | 0.030 |" in lines
    # what the change and its p are: second − first, a two-sided signed-rank test over the masked clips (it said
    # neither, beside probe p's labelled one-sided)
    assert ("Agent mass change: the second model's minus the first's, mean over the clips with agent masks; Wilcoxon "
            "p: two-sided signed-rank test of those per-clip changes.") in md.read_text()
    assert f"| {bgs} | shuffled | 0.050 | [0.010, 0.090] | 38.0% | 57.0% |" in lines
    # original − control, paired: Holm over the run's two motion tests (2 × 0.01, then max(0.02, 0.2))
    assert "| model | comparison | statistic | difference | 95% CI | p | Holm p (this table) |" in lines
    assert f"| {bgs} | original − shuffled | R² | 0.070 | [0.020, 0.120] | 0.010 | 0.020 |" in lines
    assert f"| {bgs} | original − shuffled | 3-way acc | 4.0 pp | [-1.0, 9.0] pp | 0.200 | 0.200 |" in lines
    assert f"| {bgs} | original − reversed | not tested (control not scored: collapsed) | – | – | – | – |" in lines
    text = md.read_text()
    assert "the table holds 2 tests (each model × control × statistic)" in text
    assert "Each attribute's p is its own test, uncorrected for the several attributes (2 per model; change Holm p" in text
    # the probes' and the transfer's intervals keep each fitted probe fixed: said, not left for a reader to guess
    assert "leave out the uncertainty of fitting the probe (which training clips, which alpha)" in text
    assert "count only the held-out clips' variation and leave out the uncertainty of fitting the probe" in text


def test_the_report_links_its_figures_and_escapes_its_cells_as_each_format_needs(tmp_path):
    """Mutation audit (second pass): the markdown image linked by its absolute path (a moved report folder lost its
    figures), a single run's captions labelled with the run, a missing figure read (a traceback), `|` in a name left
    to split a markdown row, `<` in a name left as HTML, markdown's `*` left in the HTML text and an empty table drawn
    as a bare header all passed: the report tests read the markdown's table rows of standard models only."""
    from bgs_hf.eval.report import write_report

    run = tmp_path / "ev"
    run.mkdir()
    (run / "fit.png").write_bytes(b"\x89PNG fake")
    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "figures": {"fit": ["fit.png", "gone.png"]},
           "fit": {"a|b": row, "<ctrl>": {**row, "collapsed": True}},
           "attention": {"models": {"bgs": {"method": "m", "grid": [2, 4, 4], "agent_mass": 0.3}}}}
    md_path, html_path = write_report([("one", res, run)], tmp_path / "rep")
    md, page = md_path.read_text(), html_path.read_text()
    caption = ("behavioural fit: R² on its own scale (error bars: 95% CI; dashed: the noise ceiling, grey band: its "
               "95% range over split-halves) beside the accuracies (dotted: chance)")
    assert f"![{caption}](../ev/fit.png)" in md.splitlines() and "gone.png" not in md + page
    assert page.count("data:image/png;base64,") == 1
    assert "| a\\|b | 0.100 | [0.000, 0.200] | 40.0% |" in md
    assert "<td>&lt;ctrl&gt;</td>" in page and "<ctrl>" not in page
    assert "<p>&lt;ctrl&gt;: the embeddings do not differ between clips" in page and "<p>*" not in page
    assert md.count("the embeddings do not differ between clips") == 1  # the collapsed row alone
    assert "| between |" not in md and "<th>between</th>" not in page  # no divergence: no table


def test_the_report_says_why_a_row_or_an_analysis_was_not_run_and_counts_each_probes_own_permutations(tmp_path):
    """Mutation audit (second pass): a transfer analysis skipped in every run vanishing, a model's transfer row without
    its reason, the missing language row's reason dropped, a CI kept as a tuple (the suite's own results before JSON)
    printed raw, a probe's p floor from the run's permutation count instead of its own, the probe header named after a
    run that skipped the probes, the attributes re-sorted, and a resample note of 0 undefined resamples (or one without its run's label) all
    passed. A probe of 30 permutations in a run of 1000: p = 1/31 reads "< 0.033" (hand value)."""
    from bgs_hf.eval.report import build_sections, render

    row = {"r2": 0.1, "r2_ci": (0.0, 0.2), "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "n_perm": 1000, "fit": {"bgs": row},
           "language_skipped": "no captions", "transfer": {"skipped": "no abstract set"}}
    md, _ = render(build_sections([("one", res, tmp_path)]), tmp_path, "t")
    assert "| BGS fine-tuned (LoRA) | 0.100 | [0.000, 0.200] |" in md
    assert "*no language row (no captions).*" in md
    assert "## Out-of-distribution transfer\n\n*one: not run (no abstract set).*" in md
    transfer = {"models": {"bgs": {"skipped": "one label"}}}
    md, _ = render(build_sections([("one", {**res, "transfer": transfer}, tmp_path)]), tmp_path, "t")
    assert "| BGS fine-tuned (LoRA) | not run (one label) | – |" in md

    def paired(tied):
        return {"bgs - pretrained": {"r2": {"diff": 0.1, "ci": [0.0, 0.2], "p_value": 0.5, "n_boot": 10,
                                            "n_tied": tied}}}

    a = {**res, "n_boot": 10, "paired": paired(3), "probes": {"skipped": "no training clips"}}
    b = {**res, "n_boot": 10, "paired": paired(0), "language_reference": {"model": "org/mine", "caption": "first"},
         "probes": {"language": {"valence": {"r": 0.5, "p_value": 1 / 31, "n_perm": 30},
                                 "arousal": {"r": 0.1, "p_value": 0.5, "n_perm": 30}}}}
    md, _ = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]), tmp_path, "t")
    assert ("*Resamples with no difference or an undefined statistic: a: BGS fine-tuned (LoRA) − pretrained video "
            "model (frozen), R²: no difference in 3 of 10 resamples.*") in md
    assert "| run | attribute | r: captions (mine) | p: captions (mine) |" in md
    assert "| b | valence | 0.500 | < 0.033 |" in md
    assert md.index("| b | valence |") < md.index("| b | arousal | 0.100 | 0.500 |")  # the result's order


def test_the_report_counts_one_resample_one_permutation_and_one_test_in_the_singular(tmp_path):
    """`evaluate --n-boot 1 --n-perm 1` (or a comparison with one statistic) wrote "(1 resamples; ...", "no
    difference in 1 of 1 resamples", "(1 permutations; ..." and "the table holds 1 tests" in evaluation.md. Each
    noun agrees with its count; a count keeps its digits as recorded (1000, as the demo's report prints it)."""
    from bgs_hf.eval.report import build_sections, render

    def paired(n_boot, tied):
        return {"bgs - pretrained": {"r2": {"diff": 0.1, "ci": [0.0, 0.2], "p_value": 1.0, "n_boot": n_boot,
                                            "n_tied": tied}}}

    def probes(n_perm):
        return {"bgs": {"valence": {"r": 0.5, "p_value": 0.5, "n_perm": n_perm}}}

    row = {"r2": 0.1, "r2_ci": (0.0, 0.2), "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    base = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "fit": {"bgs": row, "pretrained": row}}
    one = {**base, "n_boot": 1, "paired": paired(1, 1), "probes": probes(1)}
    md, _ = render(build_sections([("one", one, tmp_path)]), tmp_path, "t")
    assert "(1 resample; " in md and "R²: no difference in 1 of 1 resample.*" in md, md
    assert "(1 permutation; " in md and "the table holds 1 test (each comparison" in md, md
    one = {**base, "n_boot": 1, "paired": {"bgs - pretrained": {"r2": {"diff": 0.1, "ci": [0.0, 0.2], "p_value": 1.0,
                                                                      "n_boot": 0, "n_tied": 0}}}}
    md, _ = render(build_sections([("one", one, tmp_path)]), tmp_path, "t")
    assert "R²: 1 of 1 resample undefined" in md, md
    many = {**base, "n_boot": 1000, "paired": {**paired(1000, 3), "pretrained - bgs": paired(1000, 0)[
        "bgs - pretrained"]}, "probes": probes(1000)}
    md, _ = render(build_sections([("many", many, tmp_path)]), tmp_path, "t")
    assert "(1000 resamples; " in md and "no difference in 3 of 1000 resamples" in md, md
    assert "(1000 permutations; " in md and "the table holds 2 tests (each comparison" in md, md


def test_the_probes_attribute_count_leaves_out_a_run_not_asked_for_them(tmp_path):
    """Runs side by side, one of which was not asked for the probes (no ``probes`` key): the text counted it as
    "2 / 0 per model", as if it had probed no attribute; a run that skipped them was already left out. Hand value:
    the one probed run has two attributes."""
    from bgs_hf.eval.report import build_sections, render

    base = {"data": "d", "split": "test", "n_clips": 3, "models": {}}
    probed = {**base, "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.01, "n_perm": 99},
                                         "arousal": {"r": 0.1, "p_value": 0.5, "n_perm": 99}}}}
    skipped = {**base, "probes": {"skipped": "no ratings"}}
    md, _ = render(build_sections([("a", probed, tmp_path), ("b", base, tmp_path), ("c", skipped, tmp_path)]),
                   tmp_path, "t")
    assert "attributes (2 per model)." in md, md


def test_the_report_keeps_the_first_runs_model_name_the_partition_intervals_and_each_rows_width(tmp_path):
    """Mutation audit (third pass): the key list naming a model after the last run (not the first), the partition's
    cells without their intervals, a model whose partition was skipped (non-finite embeddings) breaking the table (it
    was left out without a word; it now says why, as the transfer and motion rows do), a transfer row that was not run one cell short of its header, and a map without its method left blank all passed."""
    from bgs_hf.eval.report import build_sections, render

    base = {"data": "d", "split": "test", "n_clips": 3, "models": {"language": {}}}
    a = {**base, "language_reference": {"model": "org/alpha", "caption": "first"}}
    b = {**base, "language_reference": {"model": "org/beta", "caption": "first"}}
    md, _ = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]), tmp_path, "t")
    # the first run's name first, and the other run's model under its own name (not the first run's)
    assert "Models (their keys in evaluation.json): `language`: captions (alpha) in a, captions (beta) in b." in md

    parts = {"video_unique": 0.031, "language_unique": 0.012, "shared": 0.005, "r2_video": 0.036,
             "r2_language": 0.017, "r2_both": 0.048, "n_pairs": 40, "video_unique_ci": [0.01, 0.05],
             "language_unique_ci": [0.0, 0.02], "shared_ci": [-0.01, 0.02]}
    res = {**base, "partition": {"bgs": parts, "pretrained": {"skipped": "non-finite embeddings"}},
           "transfer": {"models": {"bgs": {"skipped": "one label"}}},
           "attention": {"models": {"bgs": {"grid": [2, 4, 4], "agent_mass": 0.3, "agent_area": 0.2}}}}
    lines = render(build_sections([("one", res, tmp_path)]), tmp_path, "t")[0].splitlines()
    bgs = "BGS fine-tuned (LoRA)"
    assert (f"| {bgs} | 0.031 [0.010, 0.050] | 0.012 [0.000, 0.020] | 0.005 [-0.010, 0.020] | 0.036 | 0.017 | 0.048 "
            "| 40 |") in lines
    assert "| pretrained video model (frozen) | not run (non-finite embeddings) | – | – | – | – | – | – |" in lines
    assert f"| {bgs} | not run (one label) | – | – | – | – | – |" in lines  # 7 cells under 7 headers
    assert f"| {bgs} | attention rollout | 0.300 | 0.200 | – | 2×4×4 |" in lines


def test_runs_side_by_side_with_different_models_under_one_key_name_each_runs_own(tmp_path):
    """`bgs-hf report a b` of two runs compared with different frozen backbones: the models line and the probe
    table's columns named run a's backbone for both, so run b's probe r stood under a model it never scored."""
    from bgs_hf.eval.report import build_sections, render

    probe = {"valence": {"r": 0.1, "p_value": 0.01, "n_perm": 100}}
    a = {"data": "d", "split": "test", "n_clips": 3, "models": {"pretrained": {"label": "videomae-small (frozen)"},
                                                                 "bgs": {}},
         "probes": {"pretrained": probe, "bgs": probe}}
    b = {**a, "models": {"pretrained": {"label": "vjepa-large (frozen)"}, "bgs": {}}}
    md, _ = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]), tmp_path, "t")
    assert ("Models (their keys in evaluation.json): `pretrained`: videomae-small (frozen) in a, vjepa-large (frozen) "
            "in b; `bgs`: BGS fine-tuned (LoRA).") in md
    assert ("| run | attribute | r: pretrained | p: pretrained | r: BGS fine-tuned (LoRA) | p: BGS fine-tuned (LoRA) "
            "| change in r: BGS fine-tuned (LoRA) − pretrained |") in md
    md, _ = render(build_sections([("a", a, tmp_path), ("c", dict(a), tmp_path)]), tmp_path, "t")  # one backbone
    assert "`pretrained`: videomae-small (frozen);" in md and "| r: videomae-small (frozen) |" in md


def test_motion_controls_skipped_in_every_run_say_why_and_a_table_rule_has_a_cell_per_column(tmp_path):
    """Mutation audit (third pass): the motion section dropped when every run skipped it (the other analyses said
    why), and the markdown table's rule one cell short of its header (GitHub then draws no table) both passed."""
    from bgs_hf.eval.report import build_sections, render

    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "motion": {"skipped": "no --motion-controls"}}
    md, _ = render(build_sections([("one", res, tmp_path)]), tmp_path, "t")
    assert "## Motion controls\n\n*one: not run (no --motion-controls).*" in md
    lines = md.splitlines()
    header = lines.index("| data | split | clips | pairs | judgments | noise ceiling R² [95% range over split-halves] |")
    assert lines[header + 1] == "|---|---|---|---|---|---|"  # six columns
    fit = {"r2": 0.133, "r2_ci": [0.05, 0.2], "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.62}
    layers = {"bgs": {"layers": [], "chosen": "layer 1", "chosen_on": "train", "chosen_fit": fit}}
    md, _ = render(build_sections([("one", {**res, "layers": layers}, tmp_path)]), tmp_path, "t")
    assert "| BGS fine-tuned (LoRA) | layer 1 | train | 0.133 | [0.050, 0.200] | 41.0% | 62.0% |" in md.splitlines()


def test_a_run_without_motion_controls_beside_one_with_them_is_reported_and_a_line_break_stays_in_its_cell(tmp_path):
    """Fuzzing: two runs side by side, one with motion controls and one whose ``motion`` is ``{"skipped": ...}`` (the
    form a report of that run alone reads), failed with AttributeError ('str' object has no attribute 'items'); the
    skipped run now says why, as a skipped partition does. And a line break in a cell (a data name, a run label)
    ended its table row mid-cell (the report escaped ``|`` only): it reads as a space."""
    from bgs_hf.eval.report import build_sections, render

    shuffled = {"r2": 0.05, "r2_ci": [0.01, 0.09], "ooo_acc_3way": 0.38, "ooo_acc_2way": 0.57}
    a = {"data": "my\ndata", "split": "test", "n_clips": 3, "models": {}, "motion": {"bgs": {"shuffled": shuffled}}}
    b = {"data": "d|e", "split": "test", "n_clips": 3, "models": {}, "motion": {"skipped": "no motion controls"}}
    lines = render(build_sections([("run\r\na", a, tmp_path), ("b", b, tmp_path)]), tmp_path, "t")[0].splitlines()
    assert "| run a | BGS fine-tuned (LoRA) | shuffled | 0.050 | [0.010, 0.090] | 38.0% | 57.0% |" in lines
    assert not any(line.startswith("| b | skipped") for line in lines)
    assert lines.index("*b: not run (no motion controls).*") > lines.index("| run a | BGS fine-tuned (LoRA) | shuffled "
                                                                        "| 0.050 | [0.010, 0.090] | 38.0% | 57.0% |")
    assert "| run a | my data | test | 3 | n/a | None | n/a n/a |" in lines and "| b | d\\|e | test | 3 | n/a | None | n/a n/a |" in lines


def test_a_run_that_skipped_an_analysis_another_run_ran_says_why_in_every_section(tmp_path):
    """Two runs side by side (`bgs-hf report a b`), run a with every analysis and run b with each skipped: the
    partition and motion sections ended with "*b: not run (...)*", while the layers, probes, transfer and attention
    sections showed run a's rows alone and left run b out without a word. Every section now ends with b's reason,
    once, after a's rows, by one rule (the reasons below are the suite's own words)."""
    from bgs_hf.eval.report import build_sections, render

    fit = {"r2": 0.133, "r2_ci": [0.05, 0.2], "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.62}
    parts = {"video_unique": 0.031, "language_unique": 0.012, "shared": 0.005, "r2_video": 0.036,
             "r2_language": 0.017, "r2_both": 0.048, "n_pairs": 40}
    base = {"split": "test", "n_clips": 3, "models": {}}
    a = {**base, "data": "d",
         "layers": {"bgs": {"layers": [{"layer": "layer 1", "select_r2": 0.1, "test_r2": 0.133}], "chosen": "layer 1",
                            "chosen_on": "train", "chosen_fit": fit}},
         "partition": {"bgs": parts},
         "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.01, "n_perm": 100}}},
         "transfer": {"models": {"bgs": {"accuracy": 0.6, "ci": [0.4, 0.8], "chance": 0.34, "train_accuracy": 0.9,
                                         "n_train": 30, "n_test": 12}}},
         "attention": {"models": {"bgs": {"grid": [2, 4, 4], "agent_mass": 0.3, "agent_area": 0.2}}},
         "motion": {"bgs": {"shuffled": fit}}}
    why = {"Layer-wise fit": "no validation or training judgments to choose a layer",
           "Variance partitioning": "no language row: no captions",
           "Attribute probes": "no training clips",
           "Out-of-distribution transfer": "no abstract set given (bgs-hf synth DIR --abstract)",
           "Attention": "a backbone without attention weights",
           "Motion controls": "no motion controls"}
    keys = {"Layer-wise fit": "layers", "Variance partitioning": "partition", "Attribute probes": "probes",
            "Out-of-distribution transfer": "transfer", "Attention": "attention", "Motion controls": "motion"}
    b = {**base, "data": "e", **{keys[title]: {"skipped": reason} for title, reason in why.items()}}
    sections = dict(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]))
    for title, reason in why.items():
        said = [block for block in sections[title] if block[0] == "text" and block[1].startswith("*b:")]
        assert said == [("text", f"*b: not run ({reason}).*")], title
        assert sections[title][-1] == said[0], title  # after run a's tables and figures
    lines = render(list(sections.items()), tmp_path, "t")[0].splitlines()
    bgs = "BGS fine-tuned (LoRA)"
    for row in (f"| a | {bgs} | layer 1 | train | 0.133 | [0.050, 0.200] | 41.0% | 62.0% |",
                f"| a | {bgs} | 60.0% | [40.0%, 80.0%] | 34.0% | 90.0% | 30 | 12 |",
                f"| a | {bgs} | attention rollout | 0.300 | 0.200 | – | 2×4×4 |"):
        assert row in lines
    assert "*b: not run (no training clips).*" in lines and "| b | valence |" not in "\n".join(lines)


def test_a_skipped_layers_reason_naming_layers_or_chosen_is_read_as_a_reason_not_as_layers(tmp_path):
    """Two runs side by side, run b's layers skipped with a reason holding the words "layers" and "chosen": the
    layers tables tested ``"layers" in lw`` / ``"chosen" in lw`` on the reason string (a substring test) and then
    indexed it (TypeError: string indices must be integers). The reason is a reason: b says why, a's rows stand."""
    from bgs_hf.eval.report import build_sections, render

    fit = {"r2": 0.133, "r2_ci": [0.05, 0.2], "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.62}
    a = {"data": "d", "split": "test", "n_clips": 3, "models": {},
         "layers": {"bgs": {"layers": [{"layer": "layer 1", "select_r2": 0.1, "test_r2": 0.133}], "chosen": "layer 1",
                            "chosen_on": "train", "chosen_fit": fit}}}
    reason = "no layers embedded, none chosen"
    b = {**a, "layers": {"skipped": reason}}
    lines = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]), tmp_path, "t")[0].splitlines()
    bgs = "BGS fine-tuned (LoRA)"
    assert f"| a | {bgs} | layer 1 | train | 0.133 | [0.050, 0.200] | 41.0% | 62.0% |" in lines
    assert f"| a | {bgs} | layer 1 | 0.100 | 0.133 | ✓ |" in lines
    assert "*b: not run (no layers embedded, none chosen).*" in lines
    assert not any(line.startswith("| b |") for line in lines[lines.index("## Layer-wise fit"):])


def test_a_run_not_asked_for_an_analysis_another_run_ran_says_so_and_one_no_run_asked_for_has_no_section(tmp_path):
    """Two runs side by side, run b evaluated without the probes and the fit (``--analyses`` left them out: no key in
    its result, not a skipped one): the probes and fit sections showed run a's rows and left b out without a word,
    where a run that skipped them says why. b now says it was not asked for, by the rule that says why a run
    skipped; a section only skipped or not asked for says both; one that no run was asked for stays absent."""
    from bgs_hf.eval.report import build_sections, render

    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    a = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "fit": {"bgs": row},
         "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.01, "n_perm": 100}}},
         "transfer": {"skipped": "no abstract set given"}}
    b = {"data": "e", "split": "test", "n_clips": 3, "models": {}}
    sections = dict(build_sections([("a", a, tmp_path), ("b", b, tmp_path)]))
    assert list(sections) == ["Data and noise ceiling", "Behavioural fit", "Attribute probes",
                              "Out-of-distribution transfer"]
    for title in ("Behavioural fit", "Attribute probes"):
        assert [x for x in sections[title] if x[0] == "text" and x[1].startswith("*b")] == [("text",
                                                                                             "*b: not asked for.*")]
        assert sections[title][-1] == ("text", "*b: not asked for.*"), title  # after a's rows
    assert sections["Out-of-distribution transfer"] == [("text", "*a: not run (no abstract set given).*"),
                                                        ("text", "*b: not asked for.*")]
    lines = render(list(sections.items()), tmp_path, "t")[0].splitlines()
    assert "| a | valence | 0.500 | 0.010 |" in lines
    # one run alone: an analysis it was not asked for has no section, as before
    assert [title for title, _ in build_sections([("b", b, tmp_path)])] == ["Data and noise ceiling"]


def test_a_control_named_with_a_dash_keeps_its_name_in_the_paired_rows(tmp_path):
    """``--control "lang - distilled=RUN"``: the paired key "bgs - lang - distilled" was split at every " - ", so the
    fit's paired table and the resample note read "BGS fine-tuned (LoRA) − lang − distilled", a three-way comparison
    of models no run holds. The key splits at its first " - " (its first side is always the suite's bgs row)."""
    from bgs_hf.eval.report import build_sections, render

    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "n_boot": 100,
           "fit": {"bgs": row, "lang - distilled": row},
           "paired": {"bgs - lang - distilled": {"r2": {"diff": 0.02, "ci": [-0.01, 0.05], "p_value": 0.4,
                                                        "n_boot": 100, "n_tied": 3}}}}
    lines = render(build_sections([("one", res, tmp_path)]), tmp_path, "t")[0].splitlines()
    assert "| BGS fine-tuned (LoRA) − lang - distilled | R² | 0.020 | [-0.010, 0.050] | 0.400 | 0.400 |" in lines
    assert ("*Resamples with no difference or an undefined statistic: BGS fine-tuned (LoRA) − lang - distilled, R²: "
            "no difference in 3 of 100 resamples.*") in lines


def test_a_figure_in_a_folder_named_with_spaces_or_brackets_is_shown_in_the_markdown_report(tmp_path):
    """Fuzzing: a run folder named with a space or a bracket (``my run (1]``) wrote ``![...](../my run (1]/fit.png)``,
    which markdown does not read as an image (a link target has no spaces; a caption no unmatched ``]``): report.md
    showed the text instead of the figure. Such a target is written in ``<...>`` and the caption's brackets escaped;
    a plain path is written as before."""
    from bgs_hf.eval.report import render

    for folder, target in (("my run (1]", "<../my run (1]/fit.png>"), ("plain", "../plain/fit.png")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "fit.png").write_bytes(b"png")
        md, _ = render([("S", [("image", str(tmp_path / folder / "fit.png"), f"fit ({folder})")])], tmp_path / "out", "t")
        caption = "fit (my run (1\\])" if folder != "plain" else "fit (plain)"
        assert f"![{caption}]({target})" in md.splitlines()
        try:  # and as a markdown renderer reads it (markdown-it-py comes with rich, gradio's)
            from markdown_it import MarkdownIt
        except ImportError:
            continue
        assert "<img src=" in MarkdownIt("commonmark").render(md), md


def test_an_asterisk_in_a_name_is_kept_in_the_html_report(tmp_path):
    """Fuzzing: the HTML report dropped every ``*`` of a text line to drop its markdown italics, so a run labelled
    ``a*b`` read ``ab`` (and ``x*y`` as ``xy``); only the italics' own outer pair goes now."""
    from bgs_hf.eval.report import render

    _, page = render([("S", [("text", "*a*b: not run (x*y).*"), ("text", "plain 2*3")])], tmp_path, "t")
    assert "<p>a*b: not run (x*y).</p><p>plain 2*3</p>" in page


def test_runs_side_by_side_with_different_test_counts_say_which_run_holds_which(tmp_path):
    """`bgs-hf report a b`, run a with two paired tests and run b with one: the text read "the table holds 2 / 1
    tests", the distinct counts alone (a third run of 2 added nothing), so which run held which was unsaid. Each run's
    count now stands by its label, in the runs' order (hand counts: a 2, b 1, c 2); runs that agree keep one count,
    and the probes' attributes per model read the same way."""
    from bgs_hf.eval.report import build_sections, render

    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    test = {"diff": 0.05, "ci": [0.01, 0.1], "p_value": 0.2, "n_boot": 100, "n_tied": 0}

    def run(stats, attributes):
        tests = {s: test for s in stats}
        return {"data": "d", "split": "test", "n_clips": 3, "models": {}, "n_boot": 100,
                "fit": {"bgs": row, "pretrained": row}, "paired": {"bgs - pretrained": tests},
                "motion": {"bgs": {"original": row, "shuffled": row}}, "motion_paired": {"bgs": {"shuffled": tests}},
                "probes": {"bgs": {a: {"r": 0.5, "p_value": 0.01, "n_perm": 99} for a in attributes}}}

    a, b = run(["r2", "ooo_acc_3way"], ["valence", "arousal"]), run(["r2"], ["valence"])
    md, page = render(build_sections([("a", a, tmp_path), ("b", b, tmp_path), ("c", a, tmp_path)]), tmp_path, "t")
    assert "/ 1" not in md, md
    assert "the table holds 2 tests in a, 1 test in b, 2 tests in c (each comparison × statistic, per run)" in md
    assert "the table holds 2 tests in a, 1 test in b, 2 tests in c (each model × control × statistic, per run)" in md
    assert "attributes (2 per model in a, 1 per model in b, 2 per model in c)" in md
    md, _ = render(build_sections([("a", a, tmp_path), ("c", a, tmp_path)]), tmp_path, "t")
    assert "the table holds 2 tests (each comparison × statistic, per run)" in md and "attributes (2 per model)" in md


def test_the_html_report_shows_code_spans_as_code_and_escapes_a_run_folder_named_with_html(tmp_path):
    """The HTML report showed the markdown's code spans with their backticks (the models line's `bgs`, the small
    split note's `bgs-hf data validate`, the probes' `--split train`): they are <code> now, as the markdown renders
    them. A run folder named ``a<b&c`` (`bgs-hf report`) is text in every cell, caption and line, never a tag: the
    page's only tags are the report's own."""
    from html.parser import HTMLParser

    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    for name in ("a<b&c", "plain"):
        run = tmp_path / name
        run.mkdir()
        (run / "fit.png").write_bytes(b"png")
        (run / "evaluation.json").write_text(json.dumps(
            {"data": "d", "split": "test", "n_clips": 3, "n_judgments": 4, "models": {"bgs": {}}, "fit": {"bgs": row},
             "figures": {"fit": "fit.png"}, "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.01, "n_perm": 99}}}}))
    assert main(["report", str(tmp_path / "a<b&c"), str(tmp_path / "plain"), "--out", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "Models (their keys in evaluation.json): <code>bgs</code>: BGS fine-tuned (LoRA)." in page
    assert "<code>bgs-hf data validate</code>" in page and "(with <code>--split train</code>," in page
    assert "`" not in page
    assert "<td>a&lt;b&amp;c</td>" in page and "(a&lt;b&amp;c)</figcaption>" in page and "a<b" not in page
    tags: set[str] = set()

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)

    Tags().feed(page)
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "code", "strong", "table",
                    "thead", "tbody", "tr", "th", "td", "figure", "img", "figcaption"}, tags


def test_the_transfer_and_motion_paired_tables_say_which_resamples_had_no_difference(tmp_path):
    """The fit's paired table is followed by which rows' resamples showed no difference (they count on both sides of
    0, so p = 1.000 with few clips is no evidence, not "no difference"); the transfer's and the motion controls'
    paired tables, whose p's are the same test, said nothing though evaluation.json records ``n_tied`` for them
    too. Both now say it, by the fit's rule (a row with none is not listed)."""
    from bgs_hf.eval.report import build_sections, render

    def paired(tied):
        return {"diff": 0.1, "ci": [0.0, 0.2], "p_value": 1.0, "n_boot": 10, "n_tied": tied}

    fit = {"r2": 0.133, "r2_ci": [0.05, 0.2], "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.62}
    res = {"data": "d", "split": "test", "n_clips": 3, "models": {}, "n_boot": 10,
           "transfer": {"models": {}, "paired": {"bgs - pretrained": paired(7)}},
           "motion": {"bgs": {"original": fit, "shuffled": fit}},
           "motion_paired": {"bgs": {"shuffled": {"r2": paired(0), "ooo_acc_3way": paired(5)}}}}
    sections = dict(build_sections([("one", res, tmp_path)]))
    bgs, pre = "BGS fine-tuned (LoRA)", "pretrained video model (frozen)"
    assert sections["Out-of-distribution transfer"][-1] == (
        "text", f"*Resamples with no difference or an undefined statistic: {bgs} − {pre}, accuracy: no difference "
                "in 7 of 10 resamples.*")
    assert sections["Motion controls"][-1] == (
        "text", f"*Resamples with no difference or an undefined statistic: {bgs}, original − shuffled, 3-way acc: no "
                "difference in 5 of 10 resamples.*")
    md, _ = render(build_sections([("a", res, tmp_path), ("b", res, tmp_path)]), tmp_path, "t")
    assert f"a: {bgs} − {pre}, accuracy: no difference in 7 of 10 resamples; b: {bgs} − {pre}, accuracy" in md
    none = {**res, "transfer": {"models": {}, "paired": {"bgs - pretrained": paired(0)}},
            "motion_paired": {"bgs": {"shuffled": {"r2": paired(0)}}}}
    assert "Resamples with no difference" not in render(build_sections([("one", none, tmp_path)]), tmp_path, "t")[0]


def test_a_damaged_evaluation_json_is_refused_in_one_line_naming_it_before_anything_is_written(tmp_path):
    """Fuzzing: an ``evaluation.json`` that is not UTF-8 failed in the codec, one whose ``figures`` is a list or whose
    ``result_dir`` is a number in ``load_run`` (AttributeError, TypeError: ``bgs-hf report`` printed a traceback and
    ``evaluate --report`` into that folder failed), and one with a statistic missing or of the wrong type (an edited
    file, another version's) deep in the report's tables (KeyError 'rsa_pearson', TypeError): each is one line naming
    the file or the run, and no report is written."""
    import json

    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.report import load_run, write_report

    (tmp_path / "bytes.json").write_bytes(b"\xff{}")
    with pytest.raises(BGSInputError, match=r"^bytes\.json: not UTF-8 text \(byte 0\)$"):
        load_run(tmp_path / "bytes.json")
    for i, damage in enumerate(({"figures": ["fit.png"]}, {"figures": {"fit": 3}}, {"result_dir": 3})):
        (tmp_path / f"bad{i}.json").write_text(json.dumps({"models": {}, "split": "test", **damage}))
        with pytest.raises(BGSInputError, match=rf"^bad{i}\.json: not a `bgs-hf evaluate` result"):
            load_run(tmp_path / f"bad{i}.json")
    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "ooo_acc_3way": 0.5,
           "ooo_acc_2way": 0.6}
    good = {"data": "d", "split": "test", "models": {}, "fit": {"bgs": {**row, "rsa_pearson": 0.3}}}
    for bad, problem in (({"fit": {"bgs": row}}, "no 'rsa_pearson'"),
                         ({"fit": {"bgs": 0.1}}, "'float' object is not subscriptable")):
        with pytest.raises(BGSInputError, match=rf"^two: its result cannot be reported \({problem}\)"):
            write_report([("one", good, tmp_path), ("two", {**good, **bad}, tmp_path)], tmp_path / "rep")
        assert not (tmp_path / "rep").exists()


def test_a_json_copy_holding_only_some_figures_links_the_recorded_folder_and_is_named_by_its_stem(tmp_path):
    """Mutation audit (second pass): a ``--json`` copy's folder taken as its figures' home when it holds any (not all) of
    them, the copy named with its ``.json`` suffix, and ``write_report`` rewriting the caller's own result's figure
    paths all passed: the copied-evaluation test held every figure or none."""
    import json

    from bgs_hf.eval.report import load_run, write_report

    suite_dir = tmp_path / "suite"
    suite_dir.mkdir()
    for name in ("fit.png", "layers.png"):
        (suite_dir / name).write_bytes(b"png")
    (tmp_path / "fit.png").write_bytes(b"png")  # one of the two beside the copy
    res = {"data": "d", "split": "test", "models": {}, "result_dir": str(suite_dir),
           "figures": {"fit": "fit.png", "layers": ["layers.png"]}}
    (tmp_path / "copy.json").write_text(json.dumps(res))
    label, loaded, folder = load_run(tmp_path / "copy.json")
    assert (label, folder) == ("copy", suite_dir)
    write_report([(label, loaded, folder)], tmp_path / "rep")
    assert loaded["figures"] == {"fit": "fit.png", "layers": ["layers.png"]}


def test_a_report_refuses_a_folder_of_its_names_and_bad_json_in_one_line_and_escapes_its_title(tmp_path):
    """Mutation audit (second pass): a folder named ``evaluation.md`` in the output folder read as a file (a traceback),
    a result file of invalid JSON a traceback, the title left unescaped in the HTML, and a figure given as one path
    (not a list) read letter by letter all passed: the refusal tests used files, and every test gave valid JSON."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.report import build_sections, check_report_targets, load_run, write_report

    (tmp_path / "out" / "evaluation.md").mkdir(parents=True)
    with pytest.raises(BGSInputError, match="exists and was not written by bgs-hf"):
        check_report_targets(tmp_path / "out")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(BGSInputError, match="invalid JSON"):
        load_run(tmp_path / "bad.json")
    res = {"data": "d", "split": "test", "models": {}, "fit": {}, "figures": {"probes": "probes.png"},
           "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.2}}}}
    sections = dict(build_sections([("one", res, tmp_path)]))
    assert [b[:2] for b in sections["Attribute probes"] if b[0] == "image"] == [("image", "probes.png")]
    _, html_path = write_report([("one", res, tmp_path)], tmp_path / "rep", title="a <b> c")
    assert "<h1>a &lt;b&gt; c</h1>" in html_path.read_text()


def test_the_evaluation_report_names_the_judges_of_its_data(tiny_sets, tmp_path, monkeypatch):
    """On SocialShapes evaluation.md defined R² against "human similarity", partitioned "the human pair
    similarities" and the partition figure's axis read "R² of human pair similarity": the judgments are simulated
    observers' (report.md already said so; evaluation.json did not record it). Human data keeps every word."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.partition import plot_partition
    from bgs_hf.eval.report import build_sections, render
    from bgs_hf.models import HeadConfig, build_embedder

    root, data_dir, _ = tiny_sets
    tiny = build_embedder("tiny-random-videomae", head=HeadConfig(out_dim=8), lora=None)
    res = run_suite(load(data_dir, seed=0), tiny, out_dir=tmp_path / "ev", analyses=("fit",), n_boot=5)
    assert res["simulated_observers"] is True  # a SocialShapes instance (it ships its ground truth)
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert "human" not in md.lower() and "model and the simulated observers' similarity" in md, md
    part = {"bgs": {"video_unique": 0.031, "language_unique": 0.012, "shared": 0.005, "r2_video": 0.036,
                    "r2_language": 0.017, "r2_both": 0.048, "n_pairs": 40}}
    import bgs_hf.viz.figure as figure

    axes = []
    made = figure.subplots
    monkeypatch.setattr(figure, "subplots", lambda *a, **k: (lambda fa: axes.append(fa[1]) or fa)(made(*a, **k)))
    for simulated in (True, False):
        res = {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 3, "n_judgments": 3, "noise_ceiling_r2": 0.21,
               "noise_ceiling_ci": [0.17, 0.25], "models": {}, "figures": {}, "simulated_observers": simulated,
               "fit": {"bgs": {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": None, "rsa_spearman": 0.3,
                               "rsa_pearson": None, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}}, "partition": part}
        md, _ = render(build_sections([("toy", res, tmp_path)]), tmp_path, "t")
        plot_partition(part, tmp_path / "p.png", simulated=simulated)
        ylabel = axes[-1].get_ylabel()
        if simulated:
            assert "human" not in md.lower() and "human" not in ylabel, (md, ylabel)
            assert "OLS R² of the simulated observers' pair similarities" in md and "simulated observers'" in ylabel
        else:
            assert "simulated" not in md and ylabel == "R² of human pair similarity\n(OLS, scored pairs)"
            assert "between model and human similarity over the scored" in md
            assert "OLS R² of the human pair similarities from the model's" in md


def test_layerwise_fit_without_training_clips_says_why_it_did_not_run(tiny_sets, tmp_path):
    """`--analyses layers,probes` on data whose clips are all scored: the probes said "not run (no training
    clips)", the layer-wise fit left no trace in evaluation.json or the report."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    none = np.zeros(0, dtype=np.int64)
    every = dataclasses.replace(data, splits={"train": none, "val": none, "test": np.arange(data.n_clips)})
    res = run_suite(every, "tiny-random-videomae", out_dir=tmp_path / "ev", analyses=("layers", "probes"), n_boot=5,
                    n_perm=5)
    assert res["probes"] == {"skipped": "no training clips"}
    assert res["layers"] == {"skipped": "no validation or training judgments to choose a layer"}
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert "not run (no validation or training judgments to choose a layer)" in md


def test_the_layerwise_fit_of_the_chosen_output_layer_is_the_fit_row_not_a_second_bootstrap(tiny_sets, tmp_path,
                                                                                            monkeypatch):
    """Where the layer-wise fit chose a model's output embedding (the demo's fine-tuned model, whose layer is chosen on
    the training clips), its chosen fit was ``fit_from_embeddings`` of the very rows, n_boot and seed of that model's
    fit row, bootstrapped a second time. It is now the fit row itself. The layer features are made flat, so no layer's
    selection RSA is defined and the output is chosen for both models; a chosen inner layer, or the last block where
    no output embedding is given, still gets its own fit."""
    import bgs_hf.eval.fit as fit_mod
    from bgs_hf.eval import run_suite

    _, data_dir, _ = tiny_sets
    layerwise, fit_from_embeddings = fit_mod.layerwise_fit, fit_mod.fit_from_embeddings
    fitted: list[int] = []
    monkeypatch.setattr(fit_mod, "layerwise_fit", lambda layer_emb, *a, **k: layerwise(np.ones_like(layer_emb), *a, **k))
    monkeypatch.setattr(fit_mod, "fit_from_embeddings", lambda emb, *a, **k: fitted.append(len(emb))
                        or fit_from_embeddings(emb, *a, **k))
    res = run_suite(str(data_dir), "tiny-random-videomae", "tiny-random-videomae", out_dir=tmp_path / "ev",
                    analyses=("fit", "layers"), n_boot=20, cache=tmp_path / "cache")
    n_test = res["n_clips"]
    assert fitted == [n_test, n_test]  # the two fit rows, and no layer's (was four fits)
    for name in ("pretrained", "bgs"):
        assert res["layers"][name]["chosen"] == "output"
        assert res["layers"][name]["chosen_fit"] == res["fit"][name]
    # handed a fit row, a chosen inner layer is still fitted on its own features: the only layer with a defined
    # selection RSA (the others flat) is chosen, and its fit is its own
    from bgs_hf.data import load

    data = load(data_dir, seed=0)
    select, test = fit_mod.SplitHumans.build(data, "train", ceiling=False), fit_mod.SplitHumans.build(data, "test")
    items = np.union1d(select.items, test.items)
    feats = np.stack([np.random.default_rng(0).normal(size=(len(items), 3)), np.ones((len(items), 3))])
    out = layerwise(feats, np.ones((len(items), 3)), data, items, select, test, chosen_on="train", n_boot=5,
                    head_fit={"r2": "the output's fit row"})
    rows = np.searchsorted(items, test.items)
    assert out["chosen"] == "embeddings"
    own = fit_from_embeddings(feats[0][rows], data, test, n_boot=5)  # NaN where the tiny split has no ceiling
    assert json.dumps(out["chosen_fit"], sort_keys=True) == json.dumps(own, sort_keys=True) and np.isfinite(own["r2"])
    # without an output embedding the last row is the last block: chosen, it is fitted on its own features, never
    # given the fit row of an output that is not there
    out = layerwise(feats[::-1], None, data, items, select, test, chosen_on="train", n_boot=5,
                    head_fit={"r2": "the output's fit row"})
    assert out["chosen"] == "layer 1" and [r["layer"] for r in out["layers"]] == ["embeddings", "layer 1"]
    assert json.dumps(out["chosen_fit"], sort_keys=True) == json.dumps(own, sort_keys=True)


@pytest.mark.parametrize("own", ["evaluation.md", "fit.png", "evaluation.json"])
def test_evaluate_refuses_a_report_folder_holding_the_users_own_files_of_report_names(tmp_path, capsys, own):
    """`bgs-hf evaluate --report DIR` with the user's own DIR/evaluation.md (notes), DIR/fit.png or an
    evaluation.json of theirs, and no earlier evaluation there, replaced them without a word once the whole
    evaluation had run (was: `_clear_earlier_report` removed every file of a report name). Now one line names the
    file before the data loads (MISSING is never read), and the folder is as it was."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite

    out = tmp_path / "mine"
    out.mkdir()
    (out / own).write_text("my notes")
    (out / "notes.txt").write_text("kept")
    missing = str(tmp_path / "MISSING")
    assert main(["evaluate", "--data", missing, "--model", "tiny-random-videomae", "--report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"holds {own}" in err and "MISSING" not in err, err
    with pytest.raises(BGSInputError, match=f"holds {own}"):  # the library call too, before its data loads
        run_suite(missing, "tiny-random-videomae", None, out_dir=out, analyses=("fit",))
    assert (out / own).read_text() == "my notes" and sorted(p.name for p in out.iterdir()) == sorted([own, "notes.txt"])


def _evaluation(folder):
    """A folder holding an evaluation.json as `bgs-hf evaluate` writes it (the fields the report reads)."""
    fit = {"r2": 0.0871, "r2_ci": [0.021, 0.15], "pct_of_ceiling": 41.47, "rsa_spearman": 0.2951,
           "rsa_pearson": 0.2712, "ooo_acc_3way": 0.4123, "ooo_acc_2way": 0.6351}
    folder.mkdir(parents=True)
    (folder / "evaluation.json").write_text(json.dumps(
        {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 3, "n_judgments": 3, "noise_ceiling_r2": 0.21,
         "noise_ceiling_ci": [0.17, 0.25], "models": {}, "figures": {}, "fit": {"bgs": fit}}))
    return folder


def test_report_of_one_run_given_twice_shows_it_once_and_names_the_repeat(tmp_path, monkeypatch, caplog):
    """`bgs-hf report runs/x runs/x/` (one folder, two spellings; or its evaluation.json) showed every row twice, the
    two labelled alike `runs/x`; the repeat is dropped with a warning naming it, and the one run is reported alone."""
    _evaluation(tmp_path / "runs" / "x")
    monkeypatch.chdir(tmp_path)
    with caplog.at_level("WARNING", logger="bgs_hf.eval.report"):
        assert main(["report", "runs/x", "runs/x/", "runs/x/evaluation.json", "--out", "both"]) == 0
    assert main(["report", "runs/x", "--out", "one"]) == 0
    assert (tmp_path / "both" / "report.md").read_text() == (tmp_path / "one" / "report.md").read_text()
    warned = [r.getMessage() for r in caplog.records if r.name == "bgs_hf.eval.report"]
    where = tmp_path.resolve() / "runs" / "x" / "evaluation.json"
    assert warned == [f"runs/x/: the same run as runs/x ({where}), reported once",
                      f"runs/x/evaluation.json: the same run as runs/x ({where}), reported once"]


def test_report_leaves_the_namespace_it_is_given_as_it_was(tmp_path, monkeypatch):
    """`run` wrote the runs left once repeats were dropped back into the caller's namespace (`args.runs`): a caller
    reusing it (a notebook, a loop) saw its RUN_DIR list changed, as `evaluate`'s run once rewrote `--model`."""
    import copy

    from bgs_hf.cli.main import build_parser

    _evaluation(tmp_path / "runs" / "x")
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["report", "runs/x", "runs/x/", "--out", "rep"])
    given = copy.deepcopy(vars(args))
    assert args.func(args) == 0
    assert (tmp_path / "rep" / "report.md").is_file()
    assert vars(args) == given and args.runs == ["runs/x", "runs/x/"]


def test_runs_sharing_a_folder_name_after_a_repeat_are_each_labelled_by_their_own_path(tmp_path, monkeypatch):
    """Mutation audit: labelling runs that share a folder name by the paths as given (``a/x a/x/ b/x``), not the runs
    left once the repeat is dropped, passed: b/x's row was labelled with the repeat's path, ``a/x``. By hand: a/x's
    R² 0.0871 prints 0.087 and b/x's 0.1234 prints 0.123, each beside its own path."""
    _evaluation(tmp_path / "a" / "x")
    record = json.loads((_evaluation(tmp_path / "b" / "x") / "evaluation.json").read_text())
    record["fit"]["bgs"]["r2"] = 0.1234
    (tmp_path / "b" / "x" / "evaluation.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    assert main(["report", "a/x", "a/x/", "b/x", "--out", "rep"]) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| a/x | BGS fine-tuned (LoRA) | 0.087 |" in md and "| b/x | BGS fine-tuned (LoRA) | 0.123 |" in md, md


@pytest.mark.parametrize("own", ["report.md", "report.html", "quickstart"])
def test_report_replaces_only_a_report_it_wrote(tmp_path, capsys, own):
    """`bgs-hf report --out DIR` overwrote any DIR/report.md or report.html (was: the user's own notes, or the
    quickstart's headline report.md in its run folder, were replaced without a word). A report bgs-hf wrote is
    still replaced by the next one; any other is refused in one line before the runs are read."""
    from bgs_hf.quickstart import MARKER

    ev = _evaluation(tmp_path / "ev")
    out = tmp_path / "rep"
    assert main(["report", str(ev), "--out", str(out)]) == 0
    assert main(["report", str(ev), "--out", str(out), "--title", "second"]) == 0
    assert (out / "report.md").read_text().startswith("# second")
    assert "<h1>second</h1>" in (out / "report.html").read_text()
    capsys.readouterr()

    mine = tmp_path / "mine"
    mine.mkdir()
    name = "report.md" if own == "quickstart" else own
    if own == "quickstart":  # a quickstart run folder: its report.md is not a `bgs-hf report`
        (mine / MARKER).write_text("")
    (mine / name).write_text("# my own notes\n")
    before = sorted(p.name for p in mine.iterdir())
    assert main(["report", str(tmp_path / "MISSING"), "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}: exists and was not written by bgs-hf" in err and "--out" in err, err
    assert "MISSING" not in err
    assert (mine / name).read_text() == "# my own notes\n" and sorted(p.name for p in mine.iterdir()) == before


def test_data_without_videos_is_refused_before_any_model_loads(tmp_path, monkeypatch, capsys):
    """The paper's release ships no videos: `evaluate` on it computed the ceiling, loaded the language reference and
    every video model (a Hub download for `--model vjepa2`), then said `clip X has no video file`, leaving an empty
    report folder."""
    from bgs_hf.data import load
    from bgs_hf.data.testing import tiny_release_tables, write_release

    root = write_release(tiny_release_tables(n_clips=12, n_test=6, trials_per_participant=60), tmp_path / "rel")
    assert len(load(root).triplets("test")) > 0
    loaded = _record_loads(monkeypatch)
    rc = main(["evaluate", "--data", str(root), "--model", "tiny-random-videomae", "--report", str(tmp_path / "ev"),
               "--analyses", "fit", "--n-boot", "5"])
    err = capsys.readouterr().err
    assert rc == 2 and loaded == [] and not (tmp_path / "ev").exists()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "6 of the 6 clips to embed have no video file" in errors[0]
    assert "raw/videos/<video_name>" in errors[0]


def test_a_training_clip_without_a_video_is_refused_before_any_model_loads_when_the_probes_embed_it(
        tiny_sets, tmp_path, monkeypatch, capsys):
    """The probes (and layers) embed the training clips beside the scored ones: a training clip whose video is
    missing is named before any model loads, among every clip to embed (a mutant checking the scored clips alone
    passed, and failed later at that clip's decoding, with the models loaded)."""
    import shutil
    from pathlib import Path

    from bgs_hf.data import load

    _, data_dir, _ = tiny_sets
    copy = tmp_path / "ss"
    shutil.copytree(data_dir, copy)
    data = load(copy, seed=0)
    train_clip = int(data.splits["train"][0])
    Path(data.clips["video"][train_clip]).unlink()
    n_embedded = len(set(data.split_items("fit").tolist()) | set(data.split_items("test").tolist()))
    loaded = _record_loads(monkeypatch)
    assert main(["evaluate", "--data", str(copy), "--model", "tiny-random-videomae", "--report", str(tmp_path / "ev"),
                 "--analyses", "probes"]) == 2
    err = capsys.readouterr().err
    assert loaded == [] and not (tmp_path / "ev").exists()
    assert f"1 of the {n_embedded} clips to embed has no video file" in err


def test_a_backbone_name_is_scored_frozen_on_its_pooled_features_with_no_head():
    """Mutation audit: a backbone name (the quickstart's and `evaluate`'s pretrained row) built with the default,
    randomly initialised projection head passed: the "frozen, no head" row scored a random projection."""
    from bgs_hf.eval.suite import resolve_model

    model = resolve_model("tiny-random-videomae")
    assert model.head is None and not hasattr(model, "disable_adapter")


def test_the_suites_own_language_row_embeds_the_captions_it_was_asked_for_and_says_so(tiny_sets, tmp_path,
                                                                                      monkeypatch):
    """Mutation audit: with no language similarity given (``bgs-hf evaluate --caption mean``), the suite computing it
    with the default config (the first caption), or recording "first" whatever was used, passed: the CLI test stops
    at the suite's arguments."""
    from types import SimpleNamespace

    import bgs_hf.baselines.language as language
    from bgs_hf.baselines.language import LanguageBaselineConfig
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.suite import _language_reference

    class Reached(Exception):
        pass

    def similarity(captions, config=None, **_):
        raise Reached(config)

    monkeypatch.setattr(language, "language_similarity", similarity)
    _, data_dir, _ = tiny_sets
    config = LanguageBaselineConfig(caption="mean")
    with pytest.raises(Reached) as reached:
        run_suite(load(data_dir, seed=0), SimpleNamespace(frame_policy=None), out_dir=tmp_path / "ev",
                  analyses=("fit",), language_config=config, n_boot=5)
    assert reached.value.args[0] is config
    assert _language_reference(config)["caption"] == "mean"
    # computed, the row is recorded with the config used (the default's "first" recorded passed), and the partition
    # alone computes it too (a mutant computing it for the fit only left the partition "no language row")
    import bgs_hf.eval.embed as embed
    from bgs_hf.baselines.language import model_label
    from bgs_hf.metrics import cosine_similarity_matrix

    data = load(data_dir, seed=0)
    rng = np.random.default_rng(0)
    table = rng.normal(size=(data.n_clips, 4))
    monkeypatch.setattr(language, "language_similarity", lambda captions, config=None, **_: cosine_similarity_matrix(
        rng.normal(size=(len(captions), 3))))
    monkeypatch.setattr(embed, "embed_clips", lambda model, data_, items, cache=None, **_: table[np.asarray(items)])
    model = SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name="fake"))
    res = run_suite(data, model, out_dir=tmp_path / "fit", analyses=("fit",), language_config=config, n_boot=5)
    assert res["language_reference"] == {"model": model_label(None), "caption": "mean"} and "language" in res["fit"]
    res = run_suite(data, model, out_dir=tmp_path / "partition", analyses=("partition",), language_config=config,
                    n_boot=5)
    assert "shared" in res["partition"]["pretrained"]  # partitioned, not skipped


def test_a_motion_control_that_collapses_the_embeddings_is_not_scored(tiny_sets, tmp_path, monkeypatch):
    """A model that embeds every single-frame clip alike (a foreground model shown one frame) has no answer: its row
    says why instead of a 0% accuracy below chance; the other controls are scored (a mutant scoring the collapsed
    row passed: no suite test gave a control identical embeddings)."""
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.fit import COLLAPSED

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    table = np.random.default_rng(1).normal(size=(data.n_clips, 5))

    def fake_clips(model, data_, items, cache=None, *, transform=None, **_):
        e = table[np.asarray(items)]
        return np.ones_like(e) if transform is not None and transform.kind == "single-frame" else e

    monkeypatch.setattr(embed, "embed_clips", fake_clips)
    model = SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name="fake"))
    res = run_suite(data, model, out_dir=tmp_path / "ev", analyses=("fit", "motion"), n_boot=5)
    motion = res["motion"]["pretrained"]
    assert motion["single-frame"] == {"skipped": COLLAPSED}
    assert all(np.isfinite(motion[k]["ooo_acc_3way"]) for k in ("shuffled", "reversed"))
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert f"| single-frame | not scored: {COLLAPSED} |" in md
    # original − control on the same resamples: this fake's shuffled and reversed clips embed as the original, so
    # every difference is 0 exactly, in every resample (CI [0, 0]), and p = 1; the collapsed control has no test
    paired = res["motion_paired"]["pretrained"]
    for kind in ("shuffled", "reversed"):
        assert set(paired[kind]) == {"r2", "ooo_acc_3way", "ooo_acc_2way"}
        for v in paired[kind].values():  # (a resample of these few clips may leave R² undefined: not counted)
            assert {k: v[k] for k in ("diff", "ci", "p_value")} == {"diff": 0.0, "ci": [0.0, 0.0], "p_value": 1.0}
            assert v["n_tied"] == v["n_boot"] >= 3
    assert paired["single-frame"] == {"skipped": f"control not scored: {COLLAPSED}"}
    assert "| pretrained video model (frozen) | original − shuffled | R² | 0.000 | [0.000, 0.000] | 1.000 | 1.000 |" in md
    # a model whose unaltered clips collapse has no original to test a control against (its 0% is no answer)
    monkeypatch.setattr(embed, "embed_clips", lambda model, data_, items, cache=None, *, transform=None, **_: (
        table[np.asarray(items)] if transform is not None else np.ones((len(items), 5))))
    res = run_suite(data, model, out_dir=tmp_path / "ev2", analyses=("fit", "motion"), n_boot=5)
    assert res["motion_paired"]["pretrained"]["shuffled"] == {"skipped": f"original not scored: {COLLAPSED}"}


def test_the_fits_paired_comparison_against_a_model_whose_embeddings_collapsed_is_not_tested(tiny_sets, tmp_path,
                                                                                             monkeypatch):
    """A pretrained model that embeds every clip alike has no answer (its fit row says so: R² undefined, 0% from
    ties), yet ``paired["bgs - pretrained"]`` gave an accuracy difference, CI and p against that 0%, counted in the
    table's Holm family, where the motion controls said "original not scored". Now the pair is not tested, its row
    says why, and Holm adjusts over the control's three p's alone, as the text counts them."""
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.fit import COLLAPSED, SplitHumans, paired_comparison
    from bgs_hf.eval.report import _diff_cells, _p
    from bgs_hf.metrics import cosine_similarity_matrix
    from bgs_hf.metrics.bootstrap import holm

    _, data_dir, _ = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(1)
    table, other, captions = (rng.normal(size=(data.n_clips, 5)) for _ in range(3))
    pretrained, bgs, ctl = (SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=n)) for n in "abc")
    monkeypatch.setattr(embed, "embed_clips", lambda model, data_, items, cache=None, **_: (
        np.ones((len(items), 5)) if model is pretrained else (table if model is bgs else other)[np.asarray(items)]))
    res = run_suite(data, pretrained, bgs, controls={"ctl": ctl}, out_dir=tmp_path / "ev", analyses=("fit",),
                    language_sim=cosine_similarity_matrix(captions), n_boot=20)
    assert res["fit"]["pretrained"]["collapsed"]
    assert res["paired"]["bgs - pretrained"] == {"skipped": f"pretrained video model (frozen) not scored: {COLLAPSED}"}
    scored = SplitHumans.build(data, "test", ceiling=False)
    want = paired_comparison(table[scored.items], other[scored.items], scored, n_boot=20, seed=res["seed"])
    assert res["paired"]["bgs - ctl"] == want  # the control's pair is tested as before
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert (f"| BGS fine-tuned (LoRA) − pretrained video model (frozen) | not tested (pretrained video model (frozen) "
            f"not scored: {COLLAPSED}) | – | – | – | – |") in md.splitlines()
    stats = ("r2", "ooo_acc_3way", "ooo_acc_2way")
    assert f"the table holds {sum(np.isfinite(want[s]['p_value']) for s in stats)} tests" in md
    for s, holm_p in zip(stats, holm([want[s]["p_value"] for s in stats])):
        row = ["BGS fine-tuned (LoRA) − ctl", {"r2": "R²", "ooo_acc_3way": "3-way acc", "ooo_acc_2way": "2-way acc"}[s],
               *_diff_cells(want[s], s, res), _p(holm_p)]
        assert "| " + " | ".join(row) + " |" in md.splitlines()


#: the pretrained model's embeddings (of a shape, clips on its second-to-last axis) in the tests below: no answer, every
#: clip one point (every similarity ties) or NaN (a diverged model); or one direction scaled by each clip's place,
#: collapsed for the fits' similarities but not for a probe, which reads the norm
PRETRAINED_ROWS = {"collapsed": np.ones, "diverged": lambda shape: np.full(shape, np.nan),
                   "scaled": lambda shape: np.arange(1.0, shape[-2] + 1)[:, None] * np.ones(shape)}


def _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, analyses):
    """``run_suite`` of a pretrained model whose every embedding (each clip, each layer, each altered clip, the
    abstract set's) is :data:`PRETRAINED_ROWS`' ``how``, beside a bgs model of random ones; (result, evaluation.md lines,
    the bgs model's tables)."""
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.metrics import cosine_similarity_matrix

    _, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(1)
    tables = {"clips": rng.normal(size=(data.n_clips, 5)), "layers": rng.normal(size=(3, data.n_clips, 4)),
              "abstract": rng.normal(size=(21, 5)), "captions": rng.normal(size=(data.n_clips, 5))}
    pretrained, bgs = (SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=n)) for n in "ab")

    def fake_clips(model, data_, items, cache=None, *, layers=False, **_):
        items = np.asarray(items)
        e = PRETRAINED_ROWS[how]((len(items), 5)) if model is pretrained else tables["clips"][items]
        if not layers:
            return e
        return e, PRETRAINED_ROWS[how]((3, len(items), 4)) if model is pretrained else tables["layers"][:, items]

    monkeypatch.setattr(embed, "embed_clips", fake_clips)
    monkeypatch.setattr(embed, "embed_paths", lambda model, paths, cache=None, **_: (
        PRETRAINED_ROWS[how]((len(paths), 5)) if model is pretrained else tables["abstract"][:len(paths)]))
    res = run_suite(data, pretrained, bgs, out_dir=tmp_path / "ev", abstract_dir=abstract, analyses=analyses,
                    language_sim=cosine_similarity_matrix(tables["captions"]), n_boot=5, n_perm=9, seed=2)
    return res, (tmp_path / "ev" / "evaluation.md").read_text().splitlines(), tables


@pytest.mark.parametrize("how", ["collapsed", "diverged"])
def test_a_model_whose_similarities_mean_nothing_is_not_partitioned(tiny_sets, tmp_path, monkeypatch, how):
    """A collapsed model's partition read video only 0.000 [0.000, 0.000], shared 0.000 and language only the
    captions' own R², with intervals, as if its similarities explained nothing of the judgments: shares of a model
    with no answer. Now its row says why, as the fit's paired table and a diverged model's row do; the other model's
    parts are those of ``partition_pairs`` as before."""
    from bgs_hf.data import load
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED, SplitHumans
    from bgs_hf.eval.partition import partition_pairs
    from bgs_hf.metrics import cosine_similarity_matrix

    res, lines, tables = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, ("partition",))
    why = {"collapsed": COLLAPSED, "diverged": NON_FINITE}[how]
    assert res["partition"]["pretrained"] == {"skipped": why}
    assert f"| pretrained video model (frozen) | not run ({why}) | – | – | – | – | – | – |" in lines
    scored = SplitHumans.build(load(tiny_sets[1], seed=0), "test", ceiling=False)
    want = partition_pairs(cosine_similarity_matrix(tables["clips"][scored.items]),
                           cosine_similarity_matrix(tables["captions"]), scored.human, scored.items, n_boot=5, seed=2)
    parts = ("video_unique", "language_unique", "shared", "r2_video", "r2_both")
    assert [res["partition"]["bgs"][k] for k in parts] == pytest.approx([want[k] for k in parts])


@pytest.mark.parametrize("how", ["collapsed", "diverged"])
def test_the_chosen_layer_of_a_model_whose_every_layer_means_nothing_is_not_scored(tiny_sets, tmp_path, monkeypatch,
                                                                                   how):
    """With every layer undefined, the output is chosen by default, and its chosen fit was shown as scored: n/a
    with 0.0% and 0.0% accuracies (ties counted wrong) for a collapsed model, with no word of why (the fit table
    flags the same 0% as no answer). Now the chosen row says "not scored" and why; the other model's layer is chosen
    and scored as before."""
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED

    res, lines, _ = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, ("fit", "layers"))
    why = {"collapsed": COLLAPSED, "diverged": NON_FINITE}[how]
    layers = res["layers"]["pretrained"]
    assert layers["chosen"] == "output" and layers["chosen_fit"] == {"skipped": why}
    assert all(row["select_r2"] is None and row["test_r2"] is None for row in layers["layers"])
    assert f"| pretrained video model (frozen) | output | val | not scored: {why} | – | – | – |" in lines
    assert set(res["layers"]["bgs"]["chosen_fit"]) >= {"r2", "r2_ci", "ooo_acc_3way", "ooo_acc_2way"}
    assert res["layers"]["bgs"]["chosen"] != "output"


@pytest.mark.parametrize("how", ["collapsed", "diverged"])
def test_the_motion_tables_original_of_a_model_with_no_answer_says_why(tiny_sets, tmp_path, monkeypatch, how):
    """The motion table's "original" row of a collapsed model copied the fit row: R² n/a and 0.0% accuracies, shown as
    scored, while each of its controls below it said "not scored" and why. Now the original says so too; the other
    model's original is its fit row as before."""
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED
    from bgs_hf.eval.suite import MOTION_STATS

    res, lines, _ = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, ("fit", "motion"))
    why = {"collapsed": COLLAPSED, "diverged": NON_FINITE}[how]
    assert res["motion"]["pretrained"]["original"] == {"skipped": why}
    assert f"| pretrained video model (frozen) | original | not scored: {why} | – | – | – |" in lines
    assert res["motion"]["bgs"]["original"] == {k: res["fit"]["bgs"][k] for k in MOTION_STATS}


@pytest.mark.parametrize("how", ["collapsed", "diverged"])
def test_a_transfer_probe_of_embeddings_alike_for_every_clip_is_not_run(tiny_sets, tmp_path, monkeypatch, how):
    """A model embedding every abstract clip alike gave its probe nothing to read: it answered one label for every
    clip, and its row read 33.3% [12.1%, 64.6%], the chance share, with a paired difference of 22.2 pp and p 0.476
    against the other model, as if it were a read-out. Now its row says why and there is no paired test, as for a
    diverged model."""
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED

    res, lines, _ = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, ("transfer",))
    why = {"collapsed": COLLAPSED, "diverged": NON_FINITE}[how]
    assert res["transfer"]["models"]["pretrained"] == {"skipped": why}
    assert "accuracy" in res["transfer"]["models"]["bgs"] and "paired" not in res["transfer"]
    assert f"| pretrained video model (frozen) | not run ({why}) | – | – | – | – | – |" in lines


@pytest.mark.parametrize("how", ["collapsed", "diverged"])
def test_a_model_whose_embeddings_leave_a_probe_nothing_to_read_is_not_probed_and_the_report_says_why(
        tiny_sets, tmp_path, monkeypatch, caplog, how):
    """A collapsed model's ridge probes predicted one rating for every clip: r and p n/a, and its change in r was
    "tested" (CI and p n/a) with no word of why; a diverged model's columns were dashes, its reason in the log alone.
    Now neither is probed nor paired, its row says why in evaluation.json, the log and the report (as the fit's
    paired table words it), and the other model's probes are as before."""
    import logging

    from bgs_hf.data import load
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED
    from bgs_hf.eval.probes import attribute_probes
    from bgs_hf.metrics.fit import split_items

    with caplog.at_level(logging.WARNING, logger="bgs_hf.eval"):
        res, lines, tables = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, how, ("probes",))
    why = {"collapsed": COLLAPSED, "diverged": NON_FINITE}[how]
    assert res["probes"]["pretrained"] == {"skipped": why} and "probes_paired" not in res
    assert [r.getMessage() for r in caplog.records if "probe" in r.getMessage()] == [
        f"probes of pretrained video model (frozen) skipped: {why}"]
    assert f"*pretrained video model (frozen) not scored: {why}.*" in lines
    row = next(line for line in lines if line.startswith("| valence |"))
    assert row.split(" | ")[1:3] == ["–", "–"] and row.endswith("| – | – | – | – |")
    data = load(tiny_sets[1], seed=0)
    scored = split_items(data, "test")
    fit_items = np.setdiff1d(split_items(data, "fit"), scored)
    items = np.union1d(fit_items, scored)
    want = attribute_probes(tables["clips"][items], data, fit_items, scored, items, n_perm=9, seed=2)
    assert res["probes"]["bgs"] == json.loads(json.dumps(want))


def test_clips_alike_but_for_their_norm_are_probed_though_the_fit_calls_them_collapsed(tiny_sets, tmp_path,
                                                                                       monkeypatch):
    """The probes' test of a model with nothing to read is every clip one point, not the fits' ``collapsed`` (every
    similarity ties): rows of one direction and different norms tie for the fit, whose paired test skips them, but a
    probe reads their norms, and the ridge and transfer probes of them are run and paired as any other's."""
    res, lines, _ = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, "scaled",
                                                        ("fit", "probes", "transfer"))
    assert res["fit"]["pretrained"]["collapsed"] and "skipped" in res["paired"]["bgs - pretrained"]
    assert set(res["probes"]["pretrained"]) == set(res["probes"]["bgs"]) >= {"valence"}
    assert set(res["probes_paired"]["bgs - pretrained"]) == set(res["probes"]["bgs"])
    assert "accuracy" in res["transfer"]["models"]["pretrained"] and "bgs - pretrained" in res["transfer"]["paired"]
    assert not any(line.startswith(("| pretrained video model (frozen) | not run", "*pretrained video model (frozen) "
                                    "not scored")) for line in lines)


def test_a_probe_has_nothing_to_read_only_where_every_clip_is_the_same_point():
    """``unscorable``: the fits read similarities, which tie for rows alike up to their norm; a probe reads the
    features, which such rows still tell apart (by the norm), so it is refused only rows that are all the same."""
    from bgs_hf.eval.embed import NON_FINITE
    from bgs_hf.eval.fit import COLLAPSED, unscorable

    scaled = np.tile([[0.2, -1.0, 3.0]], (4, 1)) * [[1], [2], [3], [4]]
    assert unscorable(scaled) == COLLAPSED and unscorable(scaled, probe=True) is None
    assert unscorable(np.tile([[0.2, -1.0, 3.0]], (4, 1)), probe=True) == COLLAPSED
    assert unscorable(np.zeros((3, 2)), probe=True) == COLLAPSED
    assert unscorable(np.full((3, 2), np.inf), probe=True) == NON_FINITE
    rng = np.random.default_rng(0)
    assert unscorable(rng.normal(size=(5, 3))) is None and unscorable(rng.normal(size=(5, 3)), probe=True) is None
    assert unscorable(1e-6 * rng.normal(size=(5, 3)), probe=True) is None  # small, but not alike


def test_every_export_of_bgs_hf_eval_is_the_object_of_the_module_its_docstring_names():
    """Mutation audit (third pass): an export looked up in another module (``wilson_ci`` in ``fit``,
    ``MOTION_CONTROLS`` in ``attention``), left out (``train_control``, ``ANALYSES``) or ``__all__`` without the
    metric's path all passed: the tests import ``run_suite`` and ``ODD_ONE_OUT_METRIC_PATH`` alone. The names and
    modules below are the package docstring's list, written out by hand."""
    import importlib
    from pathlib import Path

    import bgs_hf.eval as ev

    documented = {
        "embed": ("embed_clips", "embed_paths", "MotionControl", "MOTION_CONTROLS"),
        "fit": ("SplitHumans", "fit_from_embeddings", "paired_comparison", "layerwise_fit"),
        "partition": ("variance_partition", "partition_pairs", "plot_partition"),
        "probes": ("ridge_probe", "attribute_probes", "permutation_pearson", "transfer_probe", "wilson_ci",
                   "read_abstract_set"),
        "attention": ("rollout", "rollout_maps", "masks_to_tokens", "mass_on_mask", "map_divergence",
                      "attention_analysis"),
        "controls": ("odd_from_similarity", "language_distilled_data", "train_control"),
        "suite": ("run_suite", "ANALYSES"),
        "report": ("write_report", "load_run"),
    }
    assert sorted(ev.__all__) == sorted(["ODD_ONE_OUT_METRIC_PATH", *(n for names in documented.values() for n in names)])
    for module, names in documented.items():
        home = importlib.import_module(f"bgs_hf.eval.{module}")
        for name in names:
            assert getattr(ev, name) is getattr(home, name), name
    assert Path(ev.ODD_ONE_OUT_METRIC_PATH).name == "odd_one_out"
    assert (Path(ev.ODD_ONE_OUT_METRIC_PATH) / "odd_one_out.py").is_file()


def test_a_mistyped_run_folder_is_refused_before_the_data_loads_and_named_as_a_folder(tmp_path, monkeypatch, capsys):
    """`evaluate --model runs/sss` (for runs/ss) was taken for a Hub id and refused only after the noise ceiling
    and the language row, with advice to `hf download runs/sss`; now at once, before the data, saying runs/ is a
    folder here. --pretrained is checked the same way."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)  # a cache-only lookup: nothing leaves the machine
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ss").mkdir(parents=True)
    for argv in (["--model", "runs/sss"], ["--model", "tiny-random-videomae", "--pretrained", "runs/sss"]):
        rc = main(["evaluate", "--data", "not-loaded", *argv, "--report", "ev"])
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1, err
        flag = argv[-2]
        assert f"{flag}: cannot resolve backbone 'runs/sss'" in err, err
        assert "runs/ is a folder here, so runs/sss may be a mistyped folder" in err and "not-loaded" not in err
    rc = main(["evaluate", "--data", "not-loaded", "--model", "org/sss", "--report", "ev"])
    err = capsys.readouterr().err
    assert rc == 2 and "'org/sss'" in err and "mistyped folder" not in err, err  # no org/ here: no folder hint


def test_a_control_that_is_not_a_run_nor_a_backbone_here_is_refused_before_the_data_loads(tmp_path, monkeypatch,
                                                                                             capsys):
    """`evaluate --control lang=you/x` (an uncached Hub id, offline) or `--control lang=runs/sss` (a mistyped run
    folder) was refused only once the data, the ceiling and the language row had loaded, where the same name given to
    --model is refused at once: the controls now go through --model's check."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)  # a cache-only lookup: nothing leaves the machine
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ss").mkdir(parents=True)
    for control, said in (("you/x", "`hf download you/x`"), ("runs/sss", "runs/sss may be a mistyped folder")):
        rc = main(["evaluate", "--data", "not-loaded", "--model", "tiny-random-videomae", "--control",
                   f"lang={control}", "--report", "ev"])
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1, err
        assert f"--control: cannot resolve backbone '{control}'" in err and said in err, err
        assert "not-loaded" not in err, err


def test_every_control_not_only_the_first_is_checked_before_the_data_loads(tmp_path, monkeypatch, capsys):
    """Mutant of 4c77984 that passed: only the first --control checked before the data loads. `evaluate --control
    a=runs/a --control lang=you/x` (the second an uncached Hub id, offline) was refused only once the data, the ceiling
    and the language row had loaded."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)  # a cache-only lookup: nothing leaves the machine
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    from bgs_hf.models import build_embedder

    (tmp_path / "runs").mkdir()
    build_embedder("tiny-random-videomae").save_pretrained(str(tmp_path / "runs" / "a"))  # a whole saved run
    rc = main(["evaluate", "--data", "not-loaded", "--model", "tiny-random-videomae", "--control", "a=runs/a",
               "--control", "lang=you/x", "--report", "ev"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert "--control: cannot resolve backbone 'you/x'" in err and "not-loaded" not in err, err


def test_the_evaluation_reports_figures_have_alt_text_that_says_what_they_show(tmp_path):
    """Seen in a visual review: the demo's overlays (a convolutional backbone, titled "(no attention)") were captioned
    "attention rollout overlays", and the layers, probes and motion figures "layer-wise R²", "probe r per attribute"
    and "motion controls": alt text that named neither the marks (line styles, star, error bars) nor the map shown."""
    from bgs_hf.eval.report import build_sections

    conv = "each location's contribution to the mean-pooled feature (no attention)"
    res = {"data": "d", "split": "test", "models": {}, "fit": {},
           "attention": {"models": {"pretrained": {"method": conv, "grid": [2, 4, 4]},
                                    "bgs": {"method": conv, "grid": [2, 4, 4]},
                                    "other": {"skipped": "no attention weights"}}},
           "figures": {"attention": ["attention_0.png"], "layers": "layers.png", "probes": "probes.png",
                       "motion": "motion.png"},
           "layers": {"bgs": {"chosen": "output", "chosen_on": "train",
                              "chosen_fit": {"r2": 0.1, "r2_ci": [0.0, 0.2], "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6},
                              "layers": [{"layer": "output", "select_r2": 0.2, "test_r2": 0.1}]}},
           "probes": {"bgs": {"valence": {"r": 0.5, "p_value": 0.2}}},
           "motion": {"bgs": {"original": {"r2": 0.1, "r2_ci": [0.0, 0.2], "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}}}}
    sections = dict(build_sections([("one", res, tmp_path)]))
    alt = {b[1]: b[2] for blocks in sections.values() for b in blocks if b[0] == "image"}
    overlays = alt["attention_0.png"]
    assert "attention rollout" not in overlays and f"({conv})" in overlays and "one row per model" in overlays
    assert "no attention weights" not in overlays  # a skipped model has no row
    layers = alt["layers.png"]
    assert "dashed" in layers and "solid" in layers and "star: the chosen layer" in layers
    assert "Pearson r" in alt["probes.png"] and "one bar per model" in alt["probes.png"]
    assert "95% CI" in alt["motion.png"] and "R²" in alt["motion.png"]
    res["attention"]["models"] = {"bgs": {"grid": [8, 14, 14]}}  # written before maps recorded their method
    overlays = {b[1]: b[2] for b in dict(build_sections([("one", res, tmp_path)]))["Attention"] if b[0] == "image"}
    assert "(attention rollout)" in overlays["attention_0.png"]


def test_each_runs_overlays_are_captioned_with_its_own_map_and_a_run_without_maps_recorded_says_rollout(tmp_path):
    """Mutation audit (``_images``' callable caption, ``_attention_caption``): every report the tests built held one
    run, so captioning each run's overlays with the first run's map passed, and a run whose results hold no attention
    models (written before the maps were recorded) was never captioned: "()" passed for its map. By hand: each run's
    own map, then its label; the default map's name."""
    import copy

    from bgs_hf.eval.report import build_sections

    conv = "each location's contribution to the mean-pooled feature (no attention)"

    def run(method: str | None, figure: str) -> dict:
        models = {} if method is None else {"bgs": {"method": method, "grid": [2, 4, 4]}}
        return {"data": "d", "split": "test", "models": {}, "fit": {}, "attention": {"models": models},
                "figures": {"attention": [figure]}}

    one, two = run(conv, "one.png"), run("attention rollout (Abnar & Zuidema, 2020)", "two.png")
    blocks = dict(build_sections([("conv", one, tmp_path), ("vit", copy.deepcopy(two), tmp_path)]))["Attention"]
    alt = {b[1]: b[2] for b in blocks if b[0] == "image"}
    assert f"({conv})" in alt["one.png"] and alt["one.png"].endswith(" (conv)")
    assert "(attention rollout (Abnar & Zuidema, 2020))" in alt["two.png"] and conv not in alt["two.png"]
    assert alt["two.png"].endswith(" (vit)")
    blocks = dict(build_sections([("old", run(None, "old.png"), tmp_path)]))["Attention"]
    assert [b[2] for b in blocks if b[0] == "image"] == [
        "overlays of each model's map (attention rollout) on one scored clip's frames: the frames, then one row per "
        "model, on one colour scale (share of relevance per token)"]


def test_a_model_with_no_answer_is_drawn_n_a_in_fit_png_and_probes_png_not_as_bars_of_0(tiny_sets, tmp_path,
                                                                                        monkeypatch):
    """fit.png drew a collapsed model's accuracies as bars of 0% (every tie counted wrong: no answer, as the report's
    note says) and left its R² slot empty, and its every probes.png slot (not probed) was empty, with no word: each
    read as a value of 0 beside the scored models' bars. Now each such slot says "n/a" at that model's place in its
    group, and the scored model's bars are its numbers."""
    from pathlib import Path

    from matplotlib.figure import Figure

    import bgs_hf.viz.matrices as matrices

    drawn: dict[str, Figure] = {}
    save = matrices.save_figure  # every figure's one way out (savefig itself is handed the hidden temp file)
    monkeypatch.setattr(matrices, "save_figure", lambda fig, path, **k: (drawn.__setitem__(Path(path).name, fig),
                                                                         save(fig, path, **k))[1])
    res, _, _ = _suite_beside_a_model_with_no_answer(tiny_sets, tmp_path, monkeypatch, "collapsed", ("fit", "probes"))
    attrs = [a for a, v in res["probes"]["bgs"].items() if "r" in v]
    want = {"fit.png": (("R²", "3-way acc", "2-way acc"), [res["fit"]["bgs"][k] for k in ("r2", "ooo_acc_3way",
                                                                                             "ooo_acc_2way")]),
            "probes.png": (tuple(attrs), [res["probes"]["bgs"][a]["r"] for a in attrs])}
    for name, (groups, heights) in want.items():
        bgs = [p for ax in drawn[name].axes for c in ax.containers if c.get_label() == "BGS fine-tuned (LoRA)"
               for p in c.patches]
        assert [p.get_height() for p in bgs] == pytest.approx(heights), name
        slots = [p for ax in drawn[name].axes for c in ax.containers
                 if c.get_label() == "pretrained video model (frozen)" for p in c.patches]
        assert len(slots) == len(groups) and not any(np.isfinite(p.get_height()) for p in slots), name
        marks = [t.get_position() for ax in drawn[name].axes for t in ax.texts if t.get_text() == "n/a"]
        assert [x for x, _ in marks] == pytest.approx([p.get_x() + p.get_width() / 2 for p in slots]), name
        assert all(y == 0 for _, y in marks)


def test_a_backbone_folder_is_not_a_folder_of_runs_and_one_under_home_is_named_with_its_one_run(tmp_path, monkeypatch):
    """Mutants that passed (CLI audit, fourth pass): the folder-of-runs check without its config.json test (a backbone
    folder that also holds a run, trained into it, refused as a folder of runs), without `~` expansion
    (`--model=~/demo`, which no shell expands, taken for a backbone: "no config.json"), and its one-run wording."""
    from bgs_hf.cli.evaluate import check_not_a_folder_of_runs
    from bgs_hf.errors import BGSInputError

    backbone = tmp_path / "vjepa2"
    (backbone / "run").mkdir(parents=True)
    (backbone / "config.json").write_text("{}")
    (backbone / "run" / "bgs_config.json").write_text("{}")
    check_not_a_folder_of_runs("--pretrained", str(backbone))  # a backbone: left to its loader
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "demo" / "bgs").mkdir(parents=True)
    (tmp_path / "demo" / "bgs" / "bgs_config.json").write_text("{}")
    with pytest.raises(BGSInputError) as refused:
        check_not_a_folder_of_runs("--model", "~/demo")
    assert str(refused.value) == ("--model: ~/demo: not a run folder (no bgs_config.json) nor a backbone (no "
                                  "config.json); the run folder in it: ~/demo/bgs: pass that")


def test_an_empty_control_path_is_refused_as_one_in_a_working_folder_holding_runs(tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, fourth pass): the folder-of-runs check given `--control ctrl=`'s empty path (the
    working folder): where that folder holds a run, the refusal named "--control: : not a run folder", not the flag's
    form."""
    (tmp_path / "bgs").mkdir()
    (tmp_path / "bgs" / "bgs_config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--control", "ctrl="]) == 2
    assert capsys.readouterr().err == "error: --control must be NAME=RUN_DIR, got 'ctrl='\n"


def test_a_code_span_in_the_html_report_is_escaped_and_a_bold_warnings_is_code_too(tmp_path):
    """Mutation audit (4ecb7d4): a code span's text put in <code> unescaped, and a bold data warning's code spans left
    with their backticks, both passed every test. The models line puts each JSON key in a code span, and a key is
    whatever evaluation.json holds (``m<1>&x``): it is text in the page, never a tag; a data warning's code span is
    <code> as any line's."""
    row = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 40.0, "rsa_spearman": 0.3, "rsa_pearson": 0.3,
           "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    run = tmp_path / "run"
    run.mkdir()
    (run / "evaluation.json").write_text(json.dumps(
        {"data": "d", "split": "test", "n_clips": 3, "n_judgments": 4, "models": {"m<1>&x": {}},
         "fit": {"m<1>&x": row}, "data_warning": "score it with `bgs-hf evaluate --split val`"}))
    assert main(["report", str(run), "--out", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "<code>m&lt;1&gt;&amp;x</code>" in page and "m<1>" not in page
    assert "<strong>score it with <code>bgs-hf evaluate --split val</code>.</strong>" in page
    assert "`" not in page


@pytest.mark.parametrize("flag", ["--model", "--control", "--pretrained"])
def test_a_run_folder_load_model_refuses_is_refused_before_the_data_loads(tmp_path, capsys, flag):
    """A run folder whose adapter weights were lost (a copy that left out adapter_model.safetensors) was refused only
    after the data, the split-half ceiling and the language row had loaded (seconds to minutes on a large study);
    now it is refused first, naming the flag and the folder as given: here the data does not even exist, and the
    line is the model's, not the data's."""
    good = _saved_run(tmp_path / "good")
    damaged = _saved_run(tmp_path / "runs" / "a" / "bgs")
    (damaged / "adapter_model.safetensors").unlink()
    given = {"--model": ["--model", str(damaged)],
             "--control": ["--model", str(good), "--control", f"other={damaged}"],
             "--pretrained": ["--model", str(good), "--pretrained", str(damaged)]}[flag]
    assert main(["evaluate", "--data", str(tmp_path / "no-such-data"), *given, "--analyses", "fit"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"error: {flag}: {damaged}: adapter_config.json but no adapter_model.safetensors: the adapter "
                       "weights are missing (was the save interrupted?)")


def test_a_pushed_models_evaluation_warnings_and_refusals_name_its_repo_id_not_the_hub_cache(tiny_sets, tmp_path,
                                                                                             hub_cache, caplog):
    """``evaluate --model org/name`` scores the cache's snapshot folder, and its lines named that folder, a path the
    user never typed: "/home/u/.cache/huggingface/hub/models--org--name/snapshots/<commit> records no splits ...", a
    control's refusal by the commit alone ("0000...: control 'lang' trained on ..."), and a run whose records cannot be
    read (the report's row name, the Space's) by the snapshot path. Each names the repo id; a local control is named
    whole, as typed (``control``, not its last part)."""
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval import run_suite
    from bgs_hf.eval.suite import _finetuned_name
    from bgs_hf.hub.space_app import recorded_run

    _, data_dir, _ = tiny_sets
    run = _saved_run(tmp_path / "run")
    hub_cache("org/name", run)
    flags = ["--data", str(data_dir), "--analyses", "fit", "--n-boot", "5"]
    with caplog.at_level("WARNING", logger="bgs_hf.eval.suite"):
        assert main(["evaluate", *flags, "--model", "org/name", "--report", str(tmp_path / "hub")]) == 0
    assert [r.getMessage().split(" (")[0] for r in caplog.records if "records no splits" in r.getMessage()] == [
        "org/name records no splits"]
    data = load(data_dir, seed=0)
    ids = list(data.clips["clip_id"])
    (run / "run_config.json").write_text(json.dumps({"splits": {  # trained on the clips scored as test
        "train": [ids[i] for i in data.splits["test"]], "val": [], "test": [ids[i] for i in data.splits["train"]]}}))
    hub_cache("org/ctrl", run)
    for control, named in (("org/ctrl", "org/ctrl"), (run, str(run))):
        with pytest.raises(BGSInputError, match=rf"^{re.escape(named)}: control 'lang' trained on \d+ of the 'test' "
                                                "clips"):
            run_suite(data, "tiny-random-videomae", None, controls={"lang": control}, out_dir=tmp_path / "ev",
                      analyses=("fit",), n_boot=5)
    snapshot = tmp_path / "hub-cache" / "models--org--ctrl" / "snapshots" / ("0" * 40)
    (snapshot / "bgs_config.json").write_text("{")
    caplog.clear()
    with caplog.at_level("WARNING"):
        _finetuned_name(snapshot, object())
        assert recorded_run(snapshot) is None
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "org/ctrl: no run records to name the model by"] * 2


def test_a_users_folder_laid_out_like_the_hub_cache_is_named_by_its_path_in_evaluation_and_the_space(tmp_path,
                                                                                                      caplog):
    """A run the user keeps in ``x/models--mine/snapshots/abc`` (named so, or copied out of the Hugging Face cache)
    whose records cannot be read was warned about as ``mine`` by ``evaluate`` (the report's row name) and the Space,
    a folder that is nowhere, and labelled ``mine (run folder)`` as a comparison row: each names the folder the user
    must fix, its path (its last part as a row label, as any local run folder)."""
    from types import SimpleNamespace

    from bgs_hf.eval.suite import _finetuned_name, model_labels
    from bgs_hf.hub.space_app import recorded_run

    mine = _saved_run(tmp_path / "x" / "models--mine" / "snapshots" / "abc")
    (mine / "bgs_config.json").write_text("{")
    with caplog.at_level("WARNING"):
        _finetuned_name(mine, object())
        assert recorded_run(mine) is None
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"{mine}: no run records to name the model by"] * 2
    model = SimpleNamespace(spec=SimpleNamespace(name=str(mine)))
    assert model_labels(str(mine), None, {"pretrained": model}) == {"pretrained": "abc (run folder)"}


def _repeated(caplog) -> list[str]:
    """The frame-repeat warnings logged (by the one check training, evaluation and the Space share)."""
    return [r.getMessage() for r in caplog.records if "repeated about" in r.getMessage()]


def test_evaluate_of_a_backbone_takes_num_frames_as_train_does_and_warns_when_the_clips_hold_fewer(
        tiny_sets, tmp_path, caplog, capsys):
    """A pretrained V-JEPA 2 fpc64 scored on 16-frame clips embedded each frame four times, without a word, and
    evaluate had no way to choose another count: the count is train's flag, with its refusals, recorded in
    evaluation.json, and sampling more than the clips hold (8 here) is said with a count that fits."""
    import logging

    _, data, _ = tiny_sets
    flags = ["--data", str(data), "--analyses", "fit", "--n-boot", "20"]
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", *flags, "--model", "tiny-random-vjepa2", "--num_frames", "16",
                     "--report", str(tmp_path / "16")]) == 0
    said = _repeated(caplog)
    assert len(said) == 1, said
    assert re.sub(r"ss_\d{4}\.mp4", "{clip}", said[0]) == (
        "tiny-random-vjepa2: 16 frames sampled per clip, but {clip} (a test clip) holds 8: each frame is repeated "
        "about 2 times to fill them (more compute, no more motion); sample 8 (--num_frames 8)"), said[0]
    res = json.loads((tmp_path / "16" / "evaluation.json").read_text())
    assert res["models"]["pretrained"]["num_frames"] == 16
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", *flags, "--model", "tiny-random-vjepa2", "--num_frames", "8",
                     "--report", str(tmp_path / "8")]) == 0
    assert _repeated(caplog) == []
    res = json.loads((tmp_path / "8" / "evaluation.json").read_text())
    assert res["models"]["pretrained"] == {"backbone": "tiny-random-vjepa2", "embedding_dim": 32, "num_frames": 8,
                                           "label": "tiny-random-vjepa2 (frozen)"}
    capsys.readouterr()
    # train's refusals, before the data loads: a fixed-count VideoMAE, part of a tubelet, a run's own count
    run = _saved_run(tmp_path / "run")
    for model, more, said in [
            ("tiny-random-videomae", ["--num_frames", "8"], "--model: tiny-random-videomae (videomae) was built for 4 "
                                                           "frames but got 8"),
            ("tiny-random-vjepa2", ["--num_frames", "5"], "--model: tiny-random-vjepa2: 5 frames is not a multiple of "
                                                         "tubelet size 2"),
            ("tiny-random-vjepa2", ["--num_frames", "0"], "--num_frames must be"),
            ("tiny-random-vjepa2", ["--interpolate_frames"], "--interpolate_frames needs --num_frames"),
            (str(run), ["--num_frames", "8"], "--num_frames: a frame count (8) is for a model given as a backbone "
                                              "name, and none is")]:
        assert main(["evaluate", *flags, "--model", model, *more]) == 2
        err = capsys.readouterr().err
        assert said in err, err


def test_evaluate_of_a_run_sampling_more_frames_than_its_clips_hold_says_so_once(tiny_sets, tmp_path, caplog):
    """A run (and its own base, scored beside it) samples the count it was trained with: sampling more than the
    clips hold is said once, the count that fits one to train with."""
    import logging

    from bgs_hf.eval.suite import run_suite
    from bgs_hf.models import build_embedder

    _, data, _ = tiny_sets
    run = tmp_path / "run"
    build_embedder("tiny-random-vjepa2", num_frames=16).save_pretrained(str(run))
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", "--data", str(data), "--model", str(run), "--analyses", "fit", "--n-boot", "20",
                     "--report", str(tmp_path / "eval")]) == 0
    said = _repeated(caplog)
    assert len(said) == 1, said
    assert said[0].endswith("; sample 8 (--num_frames 8) when training it (a saved model samples the count it was "
                            "trained with)"), said[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # the Python entry point, on a model object
        run_suite(data, build_embedder("tiny-random-vjepa2", head=None, lora=None, num_frames=16),
                  out_dir=tmp_path / "object", analyses=("fit",), n_boot=20)
    assert len(_repeated(caplog)) == 1, _repeated(caplog)


def test_evaluate_of_a_timesformer_interpolated_as_train_does_records_both_counts(tiny_sets, tmp_path, caplog):
    """`--num_frames 8 --interpolate_frames` scores a TimeSformer (a 4-frame checkpoint) on 8 frames, its time
    embeddings interpolated as train's flags do, and evaluation.json says both counts; the clips hold 8: no repeat."""
    import logging

    _, data, _ = tiny_sets
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", "--data", str(data), "--model", "tiny-random-timesformer", "--num_frames", "8",
                     "--interpolate_frames", "--analyses", "fit", "--n-boot", "20", "--report",
                     str(tmp_path / "eval")]) == 0
    assert _repeated(caplog) == []
    res = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    entry = res["models"]["pretrained"]
    assert (entry["num_frames"], entry["frames_interpolated_from"]) == (8, 4), entry


def test_evaluate_with_another_frame_count_says_it_in_the_report_and_its_own_count_says_nothing(tiny_sets, tmp_path):
    """`evaluate --model tiny-random-vjepa2 --num_frames 8` (its own count is 4) was recorded in evaluation.json
    alone: evaluation.md and `bgs-hf report`'s report named the row as if it sampled its own count. Each says the
    count beside the row's name; `--num_frames 4`, the backbone's own, records and says nothing (as a default
    evaluation); an interpolated TimeSformer's note names the checkpoint's count too."""
    from bgs_hf.eval.report import build_sections, render

    _, data, _ = tiny_sets
    flags = ["--data", str(data), "--model", "tiny-random-vjepa2", "--analyses", "fit", "--n-boot", "20"]
    note = "*tiny-random-vjepa2 (frozen) sampled 8 frames per clip (`evaluate --num_frames 8`).*"
    assert main(["evaluate", *flags, "--num_frames", "8", "--report", str(tmp_path / "8")]) == 0
    assert note in (tmp_path / "8" / "evaluation.md").read_text().splitlines()
    assert main(["report", str(tmp_path / "8"), "--out", str(tmp_path / "rep")]) == 0
    assert note in (tmp_path / "rep" / "report.md").read_text().splitlines()
    assert main(["evaluate", *flags, "--num_frames", "4", "--report", str(tmp_path / "4")]) == 0
    res = json.loads((tmp_path / "4" / "evaluation.json").read_text())
    assert "num_frames" not in res["models"]["pretrained"], res["models"]["pretrained"]
    assert "frames per clip" not in (tmp_path / "4" / "evaluation.md").read_text()
    res["models"]["pretrained"].update(num_frames=8, frames_interpolated_from=4, label="tiny-random-timesformer (frozen)")
    md, _ = render(build_sections([("t", res, tmp_path / "4")]), tmp_path / "4", "t")
    assert ("*tiny-random-timesformer (frozen) sampled 8 frames per clip (`evaluate --num_frames 8 --interpolate_frames`: "
            "its time embeddings interpolated from the checkpoint's 4).*") in md.splitlines(), md


def test_audit_427b01d_a_frame_count_note_in_a_report_of_several_runs_names_its_run(tmp_path):
    """Mutation audit (427b01d): the frame-count note without its run's name passed every test: in a report of two
    evaluations of one backbone, one with ``--num_frames 8``, "tiny-random-vjepa2 (frozen) sampled 8 frames" did not
    say which run's row sampled them (both rows have that name)."""
    from bgs_hf.eval.report import build_sections, render

    label = "tiny-random-vjepa2 (frozen)"
    own = _frozen_rows({"pretrained": {"backbone": "tiny-random-vjepa2", "label": label}})
    chosen = _frozen_rows({"pretrained": {"backbone": "tiny-random-vjepa2", "label": label, "num_frames": 8}})
    md, _ = render(build_sections([("own", own, tmp_path), ("eight", chosen, tmp_path)]), tmp_path, "t")
    said = [line for line in md.splitlines() if "frames per clip" in line]
    assert said == [f"*eight: {label} sampled 8 frames per clip (`evaluate --num_frames 8`).*"], said


def test_a_frame_count_is_recorded_for_the_backbone_name_alone_and_run_suite_refuses_it_beside_runs_alone(
        tiny_sets, tmp_path, caplog):
    """Mutation audit (b3d5d7f): the count recorded for every model, a run's too (which samples its own), the
    repeat check probing the data's first clip (not the first scored one), and run_suite's own refusal dropped (a
    Python caller's count then ignored without a word) passed every test: a run scored against a backbone named
    with ``--num_frames`` records the count on the backbone's entry only, the warning names a clip of the split
    scored (``--split val``), and ``run_suite`` refuses a count given beside run folders alone, before the data loads, as the CLI does."""
    import logging
    from pathlib import Path

    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.eval.suite import run_suite
    from bgs_hf.models import build_embedder

    _, data, _ = tiny_sets
    run = tmp_path / "run"
    build_embedder("tiny-random-vjepa2", num_frames=16).save_pretrained(str(run))
    with pytest.raises(BGSInputError, match=r"a frame count \(8\) is for a model given as a backbone name"):
        run_suite(str(data), str(run), out_dir=tmp_path / "refused", analyses=("fit",), n_boot=20, num_frames=8)
    assert not (tmp_path / "refused" / "evaluation.json").exists()
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", "--data", str(data), "--model", str(run), "--pretrained", "tiny-random-vjepa2",
                     "--num_frames", "8", "--split", "val", "--analyses", "fit", "--n-boot", "20",
                     "--report", str(tmp_path / "eval")]) == 0
    res = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert res["models"]["pretrained"]["num_frames"] == 8
    assert "num_frames" not in res["models"]["bgs"], res["models"]["bgs"]
    said = _repeated(caplog)  # the run's 16, not the backbone's 8
    assert len(said) == 1 and said[0].startswith("tiny-random-vjepa2: 16 frames"), said
    clips = load(str(data)).clips["video"]
    scored = {Path(clips[int(i)]).name for i in load(str(data)).splits["val"]}  # the data's first clip is a test one
    assert re.search(r"(ss_\d{4}\.mp4) \(a val clip\)", said[0])[1] in scored, said[0]


@pytest.mark.parametrize(("spec", "hint"), [
    ({"name": "videomae-like", "family": "videomae", "fixed_frames": True},
     "it takes 16 frames only: use clips of 16 frames or more"),
    ({"name": "vjepa2-like", "tubelet_size": 2},
     "sample 6 (--num_frames 6) when training it (a saved model samples the count it was trained with)"),
], ids=["fixed-count", "any-count"])
def test_a_saved_models_repeat_warning_says_to_train_with_a_count_only_where_one_can_be_chosen(tmp_path, caplog,
                                                                                              spec, hint):
    """Mutation audit (b3d5d7f): "when training it" appended to a fixed-count VideoMAE's hint too passed every test:
    no training of that backbone takes another count, so a saved one's advice is its clips' length alone."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.models.registry import warn_if_frames_repeat
    from bgs_hf.video import write_video

    clip = tmp_path / "seven.mp4"
    write_video(clip, np.zeros((7, 16, 16, 3), dtype=np.uint8), fps=8)
    with caplog.at_level(logging.WARNING, logger="bgs_hf.video.policy"):
        assert warn_if_frames_repeat(str(clip), 16, SimpleNamespace(**spec), clip="a test clip", as_built=True)
    said = _repeated(caplog)
    assert len(said) == 1 and said[0].endswith(f"(more compute, no more motion); {hint}"), said


def _clips_of(folder, frames: dict[str, int]) -> list[str]:
    """Tiny clips (16x16 px) named as given, each holding its number of frames."""
    from bgs_hf.video import write_video

    rng = np.random.default_rng(0)
    paths = []
    for name, n in frames.items():
        write_video(folder / name, rng.integers(0, 255, (n, 16, 16, 3), dtype=np.uint8), fps=8)
        paths.append(str(folder / name))
    return paths


def test_embedding_clips_from_a_script_warns_once_naming_the_first_clip_holding_fewer_frames_than_sampled(
        tmp_path, caplog):
    """``embed_paths`` / ``embed_clips`` called from a script embedded each frame of a short clip repeated without a
    word (``train`` and ``evaluate`` warned; a library call did not): one warning a call, not a clip nor a batch,
    naming the first short clip, how many are short and a count that fits the fewest; none where the clips hold the
    count, and none where the caller checked already (``check_frames=False``, as ``run_suite`` does)."""
    import logging

    from bgs_hf.eval.embed import embed_paths
    from bgs_hf.models import build_embedder

    paths = _clips_of(tmp_path, {"ok.mp4": 12, "seven.mp4": 7, "ten.mp4": 10, "five.mp4": 5})
    model = build_embedder("tiny-random-vjepa2", head=None, lora=None, num_frames=8)
    with caplog.at_level(logging.WARNING):
        emb = embed_paths(model, paths, batch_size=1, progress=False)
    assert emb.shape[0] == 4
    assert _repeated(caplog) == [
        "tiny-random-vjepa2: 8 frames sampled per clip, but seven.mp4 (a clip embedded) holds 7, and 2 of the 4 clips "
        "hold fewer than 8 (the fewest 5): each frame is repeated about 1.14 times to fill them (more compute, no more "
        "motion); sample 4 (--num_frames 4) when training it (a saved model samples the count it was trained with)"]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        embed_paths(model, [paths[0], paths[2]], progress=False)  # 12 and 10 frames: none repeated
        embed_paths(model, paths, progress=False, check_frames=False)
    assert _repeated(caplog) == []


def test_the_default_synthetic_clips_hold_the_frames_the_default_backbone_and_pixel_baseline_sample(
        tmp_path, caplog):
    """The demo's numbers come from clips that hold every frame sampled: the default ``bgs-hf synth`` clips under the
    default backbone (``embed_clips``) and the pixel baseline's default count give no repeated-frames warning."""
    import logging

    from bgs_hf.baselines import pixel_similarity
    from bgs_hf.data import load
    from bgs_hf.eval.embed import embed_clips
    from bgs_hf.models import build_embedder
    from bgs_hf.models.registry import DEFAULT_BACKBONE
    from bgs_hf.synth import SynthConfig
    from bgs_hf.synth.generate import generate_socialshapes

    data = load(str(generate_socialshapes(tmp_path / "ss", n_clips=12, seed=0,
                                          config=replace(SynthConfig(), workers=1))))
    items = np.arange(len(data.clips))
    model = build_embedder(DEFAULT_BACKBONE, head=None, lora=None)
    with caplog.at_level(logging.WARNING):
        embed_clips(model, data, items, progress=False)
        pixel_similarity(list(data.clips["video"]))
    assert _repeated(caplog) == []


def test_evaluate_reports_the_humans_leave_one_out_accuracy_beside_each_models(tiny_sets, tmp_path, capsys):
    """`bgs-hf evaluate` showed a model's 3-way and 2-way accuracy against chance only. The humans' leave-one-out
    accuracy on the same split (loo_ceiling's, computed once) is now in evaluation.json, --json and beside each
    row, with the n of N choices it covers; a Python caller of run_suite (the quickstart) gets none by default."""
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite
    from bgs_hf.metrics import loo_ceiling

    _, data_dir, _ = tiny_sets
    report, out_json = tmp_path / "ev", tmp_path / "e.json"
    assert main(["evaluate", "--data", str(data_dir), "--model", "tiny-random-videomae", "--analyses", "fit",
                 "--n-boot", "5", "--report", str(report), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    test = load(data_dir, seed=0).triplets("test")
    loo = loo_ceiling(test, load(data_dir, seed=0).n_clips)
    want = {"ooo_acc_3way": loo.ooo_acc_3way, "ooo_acc_2way": loo.ooo_acc_2way, "n_judgments": loo.n_judgments,
            "n_choices": len(test), "n_participants": loo.n_participants, "why": None}
    assert 0 < loo.n_judgments <= len(test)
    for written in (out_json, report / "evaluation.json"):
        assert json.loads(written.read_text())["human_loo_accuracy"] == want
    assert f"(chance 33.3%, humans leave-one-out {loo.ooo_acc_3way:.1%})" in printed
    assert f"(chance 50%, humans leave-one-out {loo.ooo_acc_2way:.1%})" in printed
    assert (f"  humans leave-one-out: the other participants' p_ij predicting each held-out choice, over "
            f"{loo.n_judgments} of {len(test)} choices") in printed
    plain = run_suite(str(data_dir), "tiny-random-videomae", None, out_dir=tmp_path / "api", analyses=("fit",),
                      n_boot=5, seed=0)
    assert "human_loo_accuracy" not in plain


def test_embed_clips_hands_its_check_frames_to_embed_paths(monkeypatch):
    """Mutation audit (f1eb277): ``embed_clips`` passing ``check_frames=True`` whatever it was given passed every
    test (``run_suite``'s stand-ins replace ``embed_clips`` itself): every evaluation then warned of repeated frames
    once more per model, beside its own first-clip warning."""
    import bgs_hf.eval.embed as embed

    asked: list[bool] = []
    monkeypatch.setattr(embed, "clip_paths", lambda data, items: [None] * len(items))
    monkeypatch.setattr(embed, "embed_paths", lambda *_, check_frames, **__: asked.append(check_frames))
    embed.embed_clips("model", None, np.arange(3), progress=False)
    embed.embed_clips("model", None, np.arange(3), progress=False, check_frames=False)
    assert asked == [True, False]


def test_run_suite_checks_the_frames_once_not_again_in_its_abstract_set_or_motion_control_passes(
        tiny_sets, tmp_path, monkeypatch):
    """Mutation audit (f1eb277): ``check_frames=False`` dropped from the abstract set's or the motion controls'
    embedding passed every test; ``run_suite`` then warned of repeated frames again for each model and control (four
    controls: up to eight more warnings of one evaluation). Every pass of the suite is asked not to check again."""
    from types import SimpleNamespace

    import bgs_hf.eval.embed as embed
    from bgs_hf.data import load
    from bgs_hf.eval import run_suite

    _, data_dir, abstract = tiny_sets
    data = load(data_dir, seed=0)
    rng = np.random.default_rng(1)
    asked: list[tuple[str, bool]] = []

    def clips_pass(model, data_, items, cache=None, *, check_frames=True, **_):
        asked.append(("clips", check_frames))
        return rng.normal(size=(len(items), 5))

    def paths_pass(model, paths, cache=None, *, check_frames=True, **_):
        asked.append(("paths", check_frames))
        return rng.normal(size=(len(paths), 5))

    monkeypatch.setattr(embed, "embed_clips", clips_pass)
    monkeypatch.setattr(embed, "embed_paths", paths_pass)
    pretrained, bgs = (SimpleNamespace(frame_policy=None, spec=SimpleNamespace(name=n)) for n in "ab")
    run_suite(data, pretrained, bgs, out_dir=tmp_path / "ev", abstract_dir=abstract,
              analyses=("fit", "transfer", "motion"), n_boot=5, n_perm=9, seed=2)
    assert {kind for kind, _ in asked} == {"clips", "paths"} and len(asked) > 4, asked
    assert [kind for kind, check in asked if check] == [], asked


def test_evaluate_split_val_reads_the_models_accuracy_beside_the_humans_on_val_not_test(tiny_sets, tmp_path, capsys):
    """`evaluate --split val` scores the val clips: the humans' leave-one-out accuracy beside each row must rest on
    the val split's judgments, the ones the model's accuracy is counted on, not the test split's."""
    from bgs_hf.data import load
    from bgs_hf.metrics.ceiling import human_loo_accuracy

    _, data_dir, _ = tiny_sets
    out_json = tmp_path / "e.json"
    assert main(["evaluate", "--data", str(data_dir), "--model", "tiny-random-videomae", "--analyses", "fit",
                 "--split", "val", "--n-boot", "5", "--report", str(tmp_path / "ev"), "--json", str(out_json)]) == 0
    data = load(data_dir, seed=0)
    val, test = data.triplets("val"), data.triplets("test")
    assert len(val) != len(test)  # the two splits' references differ: a test-split one would show
    want = human_loo_accuracy(val, data.n_clips, "val")
    assert json.loads(out_json.read_text())["human_loo_accuracy"] == want
    assert want["n_choices"] == len(val) == json.loads(out_json.read_text())["n_judgments"]
    printed = capsys.readouterr().out
    assert printed.count(f"over {want['n_judgments']} of {len(val)} choices") == 1
    assert want["ooo_acc_3way"] != want["ooo_acc_2way"]  # each row's 3-way and 2-way beside their own
    assert f"(chance 33.3%, humans leave-one-out {want['ooo_acc_3way']:.1%})" in printed
    assert f"(chance 50%, humans leave-one-out {want['ooo_acc_2way']:.1%})" in printed
