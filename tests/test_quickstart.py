"""The quickstart's plumbing: benchmark caching and one end-to-end run on a tiny instance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bgs_hf.baselines import language_similarity as language_similarity_real


def test_benchmark_cache_is_reused_and_never_touches_its_siblings(tmp_path, monkeypatch) -> None:
    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []

    def fake(kind: str):
        def gen(out, **kwargs):
            calls.append(kind)
            Path(out).mkdir(parents=True, exist_ok=True)  # the quickstart hands over its own empty work folder
            (Path(out) / "made").write_text(kind)
            return Path(out)

        return gen

    monkeypatch.setattr(synth, "generate_socialshapes", fake("socialshapes"), raising=False)
    monkeypatch.setattr(synth, "generate_abstract_set", fake("abstract"), raising=False)
    (tmp_path / "keep.txt").write_text("a user's file")
    a = ensure_socialshapes(0, 30, root=tmp_path)
    b = ensure_socialshapes(0, 30, root=tmp_path, abstract=True)
    assert a != b and a.parent == tmp_path and b.parent == tmp_path
    assert (a / "made").read_text() == "socialshapes" and (b / "made").read_text() == "abstract"
    assert ensure_socialshapes(0, 30, root=tmp_path) == a  # reused
    assert calls == ["socialshapes", "abstract"]
    assert (tmp_path / "keep.txt").exists()
    assert ensure_socialshapes(1, 30, root=tmp_path) != a  # another seed is another instance



def test_the_benchmark_cache_folder_expands_a_tilde_and_an_empty_setting_is_unset(tmp_path, monkeypatch) -> None:
    """Mutation audit (quickstart, fourth pass), a bug: ``BGS_HF_CACHE="~/bench"`` (quoted, so no shell expands it)
    made a folder named ``~`` in the working directory, and ``BGS_HF_CACHE=`` wrote the benchmark into the working
    directory itself; ``BGS_SPACE_CACHE`` already read both as meant."""
    from bgs_hf.quickstart import cache_root

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BGS_HF_CACHE", "~/bench")
    assert cache_root() == tmp_path / "bench"
    monkeypatch.setenv("BGS_HF_CACHE", "")
    assert cache_root() == tmp_path / ".cache" / "bgs_hf"
    monkeypatch.delenv("BGS_HF_CACHE")
    assert cache_root() == tmp_path / ".cache" / "bgs_hf"
    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "shared"))
    assert cache_root() == tmp_path / "shared"


def _fake_generator(calls: list[str], fail: BaseException | None = None):
    def gen(out, **kwargs):
        calls.append(str(out))
        (Path(out) / "videos").mkdir(parents=True)
        (Path(out) / "videos" / "ss_0000.mp4").write_bytes(b"video bytes" * 50)
        if fail is not None:
            raise fail
        (Path(out) / "judgments.csv").write_text("a,b,c\n")
        return Path(out)

    return gen


def test_a_damaged_cached_benchmark_is_generated_again(tmp_path, monkeypatch, caplog) -> None:
    """A cached video cut short or with bytes changed (a full disk, a killed copy of ~/.cache) was reused as it
    was: the quickstart stopped after its baselines and model load with `error: ss_0005.mp4: not a readable
    video`, naming neither the cache nor what to delete, and did so on every rerun (a flipped byte was not even
    noticed)."""
    import logging

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator(calls), raising=False)
    final = ensure_socialshapes(0, 30, root=tmp_path)
    video = final / "videos" / "ss_0000.mp4"
    assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == 1
    for damage in (lambda b: b[:100], lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:]):
        video.write_bytes(damage(video.read_bytes()))
        with caplog.at_level(logging.WARNING):
            assert ensure_socialshapes(0, 30, root=tmp_path) == final
        assert "is damaged (videos/ss_0000.mp4 is missing or changed)" in caplog.text
        assert video.read_bytes() == b"video bytes" * 50
        caplog.clear()
    assert len(calls) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [final.name]  # no temp or stale folder left
    (final / ".complete").write_text("socialshapes-4")  # a marker from before the file list: reused as it is
    assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == 3


def test_an_interrupted_benchmark_generation_leaves_nothing_in_the_cache(tmp_path, monkeypatch) -> None:
    """Ctrl-C or an error after the generator returned (or a generator that wrote into the folder) left
    `NAME.tmpPID` in the cache for good: a rerun works under another PID and never removes it."""
    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    for fail in (KeyboardInterrupt(), OSError(28, "No space left on device")):
        monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator([], fail), raising=False)
        with pytest.raises(type(fail)):
            ensure_socialshapes(0, 30, root=tmp_path)
        assert list(tmp_path.iterdir()) == []


_KILLED_GENERATION = """
import sys, time
from pathlib import Path

import bgs_hf.synth as synth
from bgs_hf._files import built_in_place
from bgs_hf.quickstart import ensure_socialshapes


def generate(out, **kwargs):  # as the generators build: in a hidden work folder, moved into place when whole
    with built_in_place(out) as work:
        (work / "videos").mkdir(parents=True)
        (work / "videos" / "ss_0000.mp4").write_bytes(b"half a video")
        print("rendering", flush=True)
        time.sleep(600)


synth.generate_socialshapes = generate
ensure_socialshapes(0, 30, root=Path(sys.argv[1]))
"""


def test_a_sigkilled_benchmark_generation_leaves_nothing_in_the_cache_once_the_next_quickstart_ran(tmp_path,
                                                                                                   monkeypatch,
                                                                                                   caplog) -> None:
    """A quickstart killed (SIGKILL, the OOM killer) while it made the benchmark left `NAME.tmpPID`'s hidden work
    folder (`.bgs-partial-NAME.tmpPID-PID`) in the cache for good: the next run clears a dead PID's work folders
    only for its own target, and its target was named by its own PID."""
    import logging
    import os
    import signal
    import subprocess
    import sys

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    root = tmp_path / "cache"
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_GENERATION, str(root)], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout.readline() == "rendering\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert any(p.name.startswith(".bgs-partial-") for p in root.iterdir())  # what the killed run left
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator([]), raising=False)
    with caplog.at_level(logging.INFO, logger="bgs_hf"):
        final = ensure_socialshapes(0, 30, root=root)
    assert sorted(p.name for p in root.iterdir()) == [final.name]
    assert f"left by a killed run (process {proc.pid} is gone)" in caplog.text


def test_a_benchmark_another_process_finished_first_is_kept_not_deleted(tmp_path, monkeypatch) -> None:
    """Two quickstarts generating the same benchmark: the one finishing second deleted the first one's copy
    (`rmtree(final)` after checking it was not there) while the first was already reading it."""
    import os
    import shutil

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator([]), raising=False)
    final = tmp_path / ensure_socialshapes(0, 30, root=tmp_path / "probe").name
    real_rmtree, real_rename, theirs = shutil.rmtree, os.rename, {}

    def other_process_finishes(src: Path) -> None:  # their identical copy lands just now
        if not theirs:
            shutil.copytree(src, final)
            theirs["inode"] = final.stat().st_ino

    def rmtree(path, *a, **k):
        if Path(path) == final:
            other_process_finishes(next(tmp_path.glob(f".bgs-partial-{final.name}.tmp-*")))
        return real_rmtree(path, *a, **k)

    def rename(src, dst, *a, **k):
        if Path(dst) == final:
            other_process_finishes(Path(src))
        return real_rename(src, dst, *a, **k)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    monkeypatch.setattr(os, "rename", rename)
    assert ensure_socialshapes(0, 30, root=tmp_path) == final
    assert final.stat().st_ino == theirs["inode"]  # theirs, never deleted under the other reader
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([final.name, "probe"])


@pytest.mark.slow
def test_quickstart_end_to_end_on_a_tiny_instance(tmp_path, monkeypatch, caplog) -> None:
    import logging

    import bgs_hf.viz
    from bgs_hf.quickstart import MODEL_KEYS, QuickstartConfig, format_table, run_quickstart

    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    import torch

    from bgs_hf.models.embedder import BGSEmbedder

    embedded, backbone_outputs = [], BGSEmbedder._backbone_outputs  # clips of each backbone pass without gradients
    monkeypatch.setattr(BGSEmbedder, "_backbone_outputs", lambda self, x, **k: (
        embedded.append(len(x)) if not torch.is_grad_enabled() else None, backbone_outputs(self, x, **k))[1])
    panels, plot = {}, bgs_hf.viz.plot_similarity_matrices
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices", lambda mats, *a, **k: (panels.update(mats),
                                                                                       plot(mats, *a, **k))[1])
    cfg = QuickstartConfig(out_dir=str(tmp_path / "demo"), n_clips=80, backbone="tiny-random-videomae", n_boot=20,
                           suite=False, language_control=False, val_fraction=0.0,  # the default's procedure
                           training={"num_train_epochs": 1, "save_strategy": "no", "eval_strategy": "no"})
    with caplog.at_level(logging.INFO, logger="bgs_hf.quickstart"):
        report = run_quickstart(cfg)
    # each stage is named before its progress bars (the console showed two trainings' bare step counters)
    stages = [r.getMessage().split(":")[0] for r in caplog.records
              if r.name == "bgs_hf.quickstart" and r.getMessage().split(":")[0] in ("baselines", "training", "evaluation")]
    assert stages == ["baselines", "training", "evaluation"], stages
    assert any("BGS LoRA on tiny-random-videomae, 64 training clips" in r.getMessage() for r in caplog.records)
    assert (report["n_val_clips"], report["n_train_clips"]) == (0, 64)  # 80 clips, 16 of them test
    # each test clip through the frozen and the fine-tuned model once: the suite takes the fine-tuned model's test
    # embeddings that training made for metrics.json (it embedded the 16 clips again: 48)
    assert sum(embedded) == 2 * 16
    assert "trained on all 64 non-test clips" in (tmp_path / "demo" / "report.md").read_text()
    saved = json.loads((tmp_path / "demo" / "report.json").read_text())
    for key in MODEL_KEYS:
        for field in ("r2", "r2_ci", "pct_of_ceiling", "ooo_acc_3way", "ooo_acc_2way"):
            assert field in saved[key], (key, field)
        assert saved[key]["r2"] == pytest.approx(report["models"][key]["r2"])
        # every row a share of the one test ceiling (mutation audit: a row scored against another denominator passed)
        assert report[key]["pct_of_ceiling"] == pytest.approx(100 * report[key]["r2"] / report["noise_ceiling_r2"])
        assert 0.0 <= saved[key]["ooo_acc_3way"] <= 1.0
    assert saved["noise_ceiling_r2"] == pytest.approx(report["noise_ceiling_r2"])
    # mutation audit: each row is its own model's similarity over the test clips, in their order (the caption row
    # on the first caption, the paper's), every field in its place; the rows passed mixed up, misaligned or on
    # mean captions, and the figure's panels swapped
    from bgs_hf.baselines import language_similarity, pixel_similarity
    from bgs_hf.data import load
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME
    from bgs_hf.metrics import behavioural_fit, cosine_similarity_matrix
    from bgs_hf.quickstart import MODEL_LABELS, _cluster_order, _percentile_ranks

    data = load(report["data_dir"], seed=0, val_fraction=0.0)
    test = SplitHumans.build(data, "test", seed=0)
    ti = test.items
    emb = np.load(tmp_path / "demo" / "analyses" / TEST_EMBEDDINGS_NAME)
    np.testing.assert_array_equal(emb["items"], ti)
    sims = {"pixels": pixel_similarity([data.clips["video"][int(i)] for i in ti]),
            "language": language_similarity([data.clips["captions"][int(i)][:1] for i in ti]),
            "pretrained": cosine_similarity_matrix(emb["pretrained"]), "bgs": cosine_similarity_matrix(emb["bgs"])}
    for key, sim in sims.items():
        want = behavioural_fit(sim, test.human, test.trip.idx, test.trip.odd, ti, test.ceiling_r2, n_boot=20, seed=0)
        for field in ("r2", "r2_ci", "pct_of_ceiling", "ooo_acc_3way", "ooo_acc_2way"):
            assert saved[key][field] == pytest.approx(want[field]), (key, field)
    assert saved["noise_ceiling_ci"] == pytest.approx(test.ceiling_ci)
    order = _cluster_order(np.nan_to_num(test.human.p[np.ix_(ti, ti)], nan=0.5))
    for key in ("pretrained", "bgs"):
        np.testing.assert_allclose(panels[MODEL_LABELS[key]], _percentile_ranks(sims[key])[np.ix_(order, order)])
    for png in ("r2_vs_ceiling.png", "similarity_matrices.png"):
        assert (tmp_path / "demo" / png).stat().st_size > 1000
    # the human panel's unobserved pairs are grey (NaN off the diagonal), and its title says what grey means
    ((human_title, human),) = [(k, v) for k, v in panels.items() if k.startswith("simulated observers")]
    assert np.isnan(human[~np.eye(len(human), dtype=bool)]).any() and "hatched: pair in no test judgment" in human_title
    assert "noise ceiling" in format_table(report)
    assert "| model |" in (tmp_path / "demo" / "report.md").read_text()
    # `bgs-hf push RUN_DIR` finds the pretrained row in the run folder (was: nothing wrote baseline.json), and
    # the card's two rows are percentages of one ceiling, the report's
    from bgs_hf.hub.run_info import RunInfo

    info = RunInfo.from_run_dir(report["run_dir"])
    assert info.ceiling["r2"] == pytest.approx(report["noise_ceiling_r2"])
    for card_row, key in ((info.baseline, "pretrained"), (info.fit, "bgs")):
        for field in ("r2", "pct_of_ceiling", "ooo_acc_3way"):
            assert card_row[field] == pytest.approx(report[key][field]), (key, field)
    card = (Path(report["run_dir"]) / "README.md").read_text()  # was peft's "Model Card for Model ID" template
    assert "More Information Needed" not in card and f"{report['bgs']['ooo_acc_3way']:.1%}" in card


def test_tiny_recipe_applies_to_each_bundled_backbone_and_nothing_else() -> None:
    from bgs_hf.models.registry import BUNDLED, DEFAULT_BACKBONE
    from bgs_hf.quickstart import QuickstartConfig

    assert QuickstartConfig().backbone == DEFAULT_BACKBONE in BUNDLED
    for name in BUNDLED:
        cfg = QuickstartConfig(backbone=name)
        assert cfg.training_overrides()["learning_rate"] > 1e-4  # the paper's 1e-4 barely moves a tiny model
        assert cfg.model_overrides() == {"head_dropout": 0.0}
    other = QuickstartConfig(backbone="tiny-random-videomae")
    assert other.training_overrides() == {} and other.model_overrides() == {}
    assert QuickstartConfig(backbone="bgs-tiny-conv3d", training={"learning_rate": 1e-4}).training_overrides() == {
        "learning_rate": 1e-4}
    # the default backbone trains its 20 epochs without early stopping (best validation epoch kept); an explicit
    # setting wins, and the other backbones keep the library's patience
    assert QuickstartConfig().bgs_overrides() == {"early_stopping_patience": 0}
    assert QuickstartConfig(bgs={"early_stopping_patience": 3}).bgs_overrides() == {"early_stopping_patience": 3}
    assert other.bgs_overrides() == {} and QuickstartConfig(backbone="bgs-tiny-conv3d").bgs_overrides() == {}
    # the default backbone trains on every non-test clip (no validation carve-out); the others keep 0.2
    assert QuickstartConfig().validation_fraction() == 0.0
    assert other.validation_fraction() == 0.2 == QuickstartConfig(backbone="bgs-tiny-conv3d").validation_fraction()
    assert QuickstartConfig(val_fraction=0.1).validation_fraction() == 0.1



def test_an_empty_override_and_a_validation_share_of_zero_are_taken_as_given() -> None:
    """Mutation audit (quickstart, fourth pass): an empty ``training``, ``model`` or ``bgs`` override read as none given
    (the bundled backbone's tiny recipe, lr 2e-3 and head dropout 0, applied over an explicit ``{}``, "the library
    defaults") and ``val_fraction=0.0`` as none given (0.2 of another backbone's clips held out) all passed."""
    from bgs_hf.quickstart import QuickstartConfig

    given = QuickstartConfig(training={}, model={}, bgs={})
    assert (given.training_overrides(), given.model_overrides(), given.bgs_overrides()) == ({}, {}, {})
    assert QuickstartConfig(backbone="tiny-random-videomae", val_fraction=0.0).validation_fraction() == 0.0


def _report(**bgs) -> dict:
    nan = float("nan")
    row = {"r2": 0.08, "r2_ci": [0.01, 0.2], "pct_of_ceiling": 49.64, "ooo_acc_3way": 0.51, "ooo_acc_2way": 0.6}
    return {"data": "toy", "models": {"pixels": {**row, "r2": -0.0001, "pct_of_ceiling": -0.05},
                                      "bgs": {**row, **bgs}, "language": {**row, "pct_of_ceiling": nan}},
            "noise_ceiling_r2": 0.164, "noise_ceiling_ci": [0.05, 0.29]}


def test_the_table_keeps_a_decimal_and_says_n_a_for_undefined_values() -> None:
    """49.6% printed as "50%" (the issue's bar), -0.05% as "-0%", and an undefined % (the suite's None) crashed
    the demo after training with a TypeError."""
    from bgs_hf.quickstart import format_table

    assert "| 49.6% | 51.0% | 60.0% |" in format_table(_report())  # then 3-way, then 2-way accuracy
    table = format_table(_report(pct_of_ceiling=None, r2_ci=None))
    assert "| -0.1% |" in table and "-0%" not in table
    assert "| BGS fine-tuned (LoRA) | 0.080 [n/a, n/a] | n/a |" in table
    assert "| captions (MiniLM-L6) | 0.080 [0.010, 0.200] | n/a |" in table
    undefined = format_table({**_report(), "noise_ceiling_r2": float("nan"), "noise_ceiling_ci": [None, None]})
    assert "| noise ceiling (split-half; 95% range over splits) | n/a [n/a, n/a] | – |" in undefined


def test_the_table_notes_a_test_split_too_small_for_its_cis_once_and_the_demos_table_is_unchanged() -> None:
    """`bgs-hf quickstart --clips 40` printed and wrote a table whose R² read [-1.000, 1.000] without a word: below
    the table (the console's and report.md's), once, the note `evaluate` prints. The demo's split (50 clips, 348
    judgments, narrow intervals) ends at the ceiling row, as before."""
    from bgs_hf.quickstart import format_table

    said = "is too small for its 95% CIs to say anything"
    ceiling_row = "| noise ceiling (split-half; 95% range over splits) | 0.164 [0.050, 0.290] | 100% | – | – |"
    demo = format_table({**_report(), "n_test_clips": 50, "n_test_judgments": 348})
    assert demo.endswith(ceiling_row) and said not in demo
    small = format_table({**_report(), "n_test_clips": 6, "n_test_judgments": 12})
    assert small.endswith(f"{ceiling_row}\n\n*the test split (6 clips, 12 judgments) {said} (under 100 judgments, "
                          "the fewest `bgs-hf data validate` expects CIs to be read on).*"), small
    wide = _report()
    wide["models"]["pixels"] = {**wide["models"]["pixels"], "r2_ci": [-1.0, 1.0]}  # one row's interval is enough
    table = format_table({**wide, "n_test_clips": 50, "n_test_judgments": 348})
    assert table.count(said) == 1 and table.endswith(
        f"*the test split (50 clips, 348 judgments) {said} (an R² interval spans most of R²'s range, -1 to 1).*")
    # mutation audit: only the first row's interval read passed (the wide row was the first); here the third is wide
    late = _report()
    late["models"]["language"] = {**late["models"]["language"], "r2_ci": [-0.9, 0.9]}
    assert format_table({**late, "n_test_clips": 50, "n_test_judgments": 348}).endswith(
        f"*the test split (50 clips, 348 judgments) {said} (an R² interval spans most of R²'s range, -1 to 1).*")
    # and it is the table's own note, right below it: a row not scored is noted after it (it followed that note)
    late["models"]["language"] = {**late["models"]["language"], "r2_ci": None, "skipped": "no captions"}
    table = format_table({**late, "n_test_clips": 6, "n_test_judgments": 12})
    assert f"{ceiling_row}\n\n*the test split (6 clips, 12 judgments) {said} (under 100 " in table
    assert table.endswith("\n\n*captions (MiniLM-L6): not scored (no captions).*"), table


def test_the_ceiling_plot_survives_a_ci_that_misses_its_estimate_and_undefined_values(tmp_path) -> None:
    """With few resamples a percentile CI need not contain its estimate: matplotlib refused the negative error
    bar, so --n-boot 1 lost the whole run before report.json was written."""
    from bgs_hf.quickstart import plot_against_ceiling

    report = _report(r2_ci=[0.09, 0.2])  # the estimate 0.08 lies below its interval
    report["models"]["language"]["r2_ci"] = None
    assert plot_against_ceiling(report, tmp_path / "a.png").stat().st_size > 1000
    undefined = {**report, "noise_ceiling_r2": float("nan"), "noise_ceiling_ci": [None, None]}
    assert plot_against_ceiling(undefined, tmp_path / "b.png").stat().st_size > 1000


def test_the_ceiling_plot_draws_each_models_interval_and_the_ceilings_range(tmp_path, monkeypatch) -> None:
    """Mutation audit: r2_vs_ceiling.png with a model's CI reversed (drawn as no error bar), the grey band taken from
    a model's CI instead of the ceiling's range, the dashed ceiling line drawn at an end of that range, or "not scored"
    written over the scored bars instead of the unscored one passed: only the file's size was checked."""
    from matplotlib.figure import Figure

    from bgs_hf.quickstart import MODEL_KEYS, plot_against_ceiling

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    report = _report()
    report["models"]["bgs"]["r2_ci"] = [0.02, 0.15]
    plot_against_ceiling(report, tmp_path / "a.png")
    (ax,) = drawn[0].axes
    (bars,) = [c for c in ax.containers if getattr(c, "errorbar", None) is not None]
    segments = bars.errorbar.lines[2][0].get_segments()  # one (x, lo) - (x, hi) line per bar, in table order
    shown = [k for k in MODEL_KEYS if k in report["models"]]
    np.testing.assert_allclose(np.asarray(segments[shown.index("bgs")])[:, 1], [0.02, 0.15])
    np.testing.assert_allclose(np.asarray(segments[shown.index("language")])[:, 1], [0.01, 0.2])
    (band,) = [p for p in ax.patches if p.get_label().startswith("noise ceiling")]
    ys = band.get_patch_transform().transform(band.get_path().vertices)[:, 1]
    assert (ys.min(), ys.max()) == pytest.approx((0.05, 0.29))
    (line,) = [line for line in ax.lines if line.get_label().startswith("noise ceiling R²")]
    assert list(line.get_ydata()) == pytest.approx([0.164, 0.164])  # the ceiling, not an end of its range
    report["models"]["language"]["r2"] = float("nan")
    plot_against_ceiling(report, tmp_path / "b.png")
    labels = [(t.get_text(), t.get_position()[0]) for t in drawn[1].axes[0].texts]
    assert labels == [("not scored", shown.index("language"))]
    # second pass: a range with one undefined end drew a band (and its legend entry) from NaN; the line stays
    plot_against_ceiling({**report, "noise_ceiling_ci": [None, 0.29]}, tmp_path / "c.png")
    legend = [t.get_text() for t in drawn[2].axes[0].get_legend().get_texts()]
    assert not [p for p in drawn[2].axes[0].patches if p.get_label().startswith("noise ceiling")]
    assert [t for t in legend if t.startswith("noise ceiling")] == ["noise ceiling R² = 0.164"]


def test_suite_rows_turn_none_back_into_nan() -> None:
    import math

    from bgs_hf.quickstart import _pick

    row = _pick({"r2": 0.1, "r2_ci": [None, 0.2], "pct_of_ceiling": None})
    assert math.isnan(row["pct_of_ceiling"]) and math.isnan(row["r2_ci"][0]) and row["r2_ci"][1] == 0.2


def test_percentile_ranks_span_zero_to_one_in_every_panel() -> None:
    """Mid-ranks of heavily tied human p_ij kept the human panel between 0.28 and 0.88 of a shared 0-1 scale."""
    import numpy as np

    from bgs_hf.quickstart import _percentile_ranks

    human = np.array([[np.nan, 0, 0, 1], [0, np.nan, 0, 0.5], [0, 0, np.nan, 0], [1, 0.5, 0, np.nan]])
    ranks = _percentile_ranks(human)
    off = ranks[~np.eye(4, dtype=bool)]
    assert np.nanmin(off) == 0.0 and np.nanmax(off) == 1.0
    assert ranks[0, 1] == ranks[1, 2] == 0.0  # ties stay tied


def test_a_rerun_clears_the_earlier_run_outputs_but_keeps_the_clip_cache(tmp_path) -> None:
    """A --fast rerun kept the full run's analyses; an interrupted rerun left the old report beside a new
    adapter, and bgs/baseline.json with the old run's pretrained row."""
    from bgs_hf.quickstart import MARKER, OWNED_OUTPUTS, _clear_earlier_outputs

    (tmp_path / MARKER).write_text("")
    for name in OWNED_OUTPUTS:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "." in name:
            path.write_text("old")
        else:
            path.mkdir()
            (path / ("layers.png" if name == "analyses" else "metrics.json")).write_text("old")
    (tmp_path / "clip_cache").mkdir()
    (tmp_path / "clip_cache" / "x.npy").write_text("kept")
    (tmp_path / "bgs" / "adapter_model.safetensors").write_text("train_bgs replaces it")
    _clear_earlier_outputs(tmp_path)
    assert not any((tmp_path / name).exists() for name in OWNED_OUTPUTS)
    assert (tmp_path / "clip_cache" / "x.npy").exists() and (tmp_path / "bgs" / "adapter_model.safetensors").exists()


def test_a_mistyped_backbone_fails_before_the_benchmark_is_made(tmp_path, monkeypatch) -> None:
    import bgs_hf.quickstart as qs
    from bgs_hf.errors import BGSInputError

    monkeypatch.setattr(qs, "ensure_socialshapes", lambda *a, **k: pytest.fail("generated the benchmark first"))
    with pytest.raises(BGSInputError, match="tiny-random-nope"):
        qs.run_quickstart(qs.QuickstartConfig(out_dir=str(tmp_path / "o"), backbone="tiny-random-nope"))



def test_an_out_folder_of_the_users_is_refused_before_the_benchmark_is_made(tmp_path, monkeypatch) -> None:
    """Mutation audit (quickstart, fourth pass): the first ``--out`` check left out passed, as the folder was still
    refused, but only after the benchmark was generated (minutes at 250 clips) and the data loaded."""
    import bgs_hf.quickstart as qs
    from bgs_hf.errors import BGSInputError

    made: list[tuple] = []
    monkeypatch.setattr(qs, "ensure_socialshapes", lambda *args, **kwargs: made.append(args))
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.md").write_text("a user's notes")
    with pytest.raises(BGSInputError, match="--out is not empty"):
        qs.run_quickstart(qs.QuickstartConfig(out_dir=str(out)))
    assert made == [] and [p.name for p in out.iterdir()] == ["mine.md"]


def test_a_benchmark_the_machine_cannot_hold_is_refused_naming_the_quickstarts_clips(tmp_path, monkeypatch,
                                                                                      capsys) -> None:
    """The SocialShapes estimate's refusal names the generator's settings (num_frames, size, force), which the
    quickstart does not have: it is said as the quickstart's own `--clips` (`n_clips` in Python), nothing cached."""
    from bgs_hf.cli.main import main
    from bgs_hf.errors import BGSSettingError
    from bgs_hf.quickstart import ensure_socialshapes
    from bgs_hf.synth import budget

    monkeypatch.setattr(budget, "_memory_limit", lambda: (1e6, "this machine has"))
    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    with pytest.raises(BGSSettingError, match=r"^the SocialShapes benchmark of n_clips 12 needs about \S+ MB of "
                                              r"memory \(an estimate\), but this machine has 1.0 MB: ask for fewer "
                                              r"clips$"):
        ensure_socialshapes(0, 12)
    assert main(["quickstart", "--out", str(tmp_path / "o"), "--clips", "12"]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: the SocialShapes benchmark of --clips 12 needs")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_fast_report_does_not_link_analyses_it_skipped() -> None:
    from bgs_hf.quickstart import render_markdown

    report = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 9,
              "n_test_pairs": 9, "timings_s": {"total_s": 60.0}, "config": {"suite": False}}
    md = render_markdown(report)
    assert "skipped" in md and "attribute probes" not in md
    assert "2.5-97.5% range over those splits" in md
    # mutation audit (second pass): a report that records neither its training counts nor its resamples read "trained
    # on all None non-test clips" and "(None resamples)"
    assert "bootstraps over clips. Noise ceiling" in md and "BGS was trained" not in md


def test_bgs_hf_report_finds_a_quickstart_folders_analyses(tmp_path) -> None:
    from bgs_hf.eval.report import load_run
    from bgs_hf.eval.suite import RESULT_NAME

    (tmp_path / "analyses").mkdir()
    (tmp_path / "analyses" / RESULT_NAME).write_text(json.dumps({"models": {}, "split": "test", "fit": {}}))
    assert load_run(tmp_path)[2] == tmp_path / "analyses"


def test_a_rerun_with_bad_inputs_keeps_the_earlier_report(tmp_path) -> None:
    """A mistyped --data deleted the earlier report, figures and analyses, then failed."""
    import bgs_hf.quickstart as qs
    from bgs_hf.errors import BGSInputError

    out = tmp_path / "demo"
    out.mkdir()
    (out / qs.MARKER).write_text("")
    (out / "report.json").write_text("{}")
    with pytest.raises(BGSInputError):
        qs.run_quickstart(qs.QuickstartConfig(out_dir=str(out), data_dir=str(tmp_path / "no-such-dataset"),
                                              backbone="tiny-random-videomae"))
    assert (out / "report.json").read_text() == "{}"


def test_a_folder_the_quickstart_did_not_make_is_never_cleared(tmp_path) -> None:
    """--out pointing at a user's folder (their notes, a training run in bgs/) deleted report.md, analyses/ and
    the run: only a folder an earlier quickstart marked is cleared; any other non-empty one is refused."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.quickstart import _clear_earlier_outputs

    (tmp_path / "analyses").mkdir()
    (tmp_path / "analyses" / "notes.txt").write_text("mine")
    (tmp_path / "report.md").write_text("mine")
    with pytest.raises(BGSInputError, match="is not empty"):
        _clear_earlier_outputs(tmp_path)
    assert (tmp_path / "report.md").read_text() == "mine" and (tmp_path / "analyses" / "notes.txt").exists()


def test_the_run_folder_readme_is_the_model_card_not_peft_s_template(tmp_path) -> None:
    """runs/demo/bgs/README.md was peft's empty template ("Model Card for Model ID", "[More Information Needed]"
    everywhere): the card with the run's numbers was only ever rendered by `bgs-hf push`."""
    from test_hub import make_tiny_run

    from bgs_hf.hub.card import write_run_card

    run = make_tiny_run(tmp_path / "run")
    saved = (run / "README.md").read_text()  # what save_pretrained leaves: a card without the run's numbers
    assert "Model Card for Model ID" not in saved and "| **this model (BGS-aligned)** | 0.087" not in saved
    assert write_run_card(run) == run / "README.md"
    text = (run / "README.md").read_text()
    assert "More Information Needed" not in text
    assert "| **this model (BGS-aligned)** | 0.087 [0.021, 0.150] | 41.5% | 41.2% | 63.5% |" in text
    assert "| pretrained `tiny-random-videomae` (no BGS) | 0.031 [-0.010, 0.080] | 14.9% |" in text


def test_the_report_says_what_the_ceiling_and_the_accuracies_are() -> None:
    """report.md named the ceiling only "split-half" (not that it is the mean Spearman-Brown-corrected R² of
    participant halves, nor how % of ceiling is formed) and gave the accuracies' chance levels without saying how
    each is scored or that ties count as wrong."""
    from bgs_hf.quickstart import render_markdown

    report = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
              "n_test_pairs": 589, "timings_s": {"total_s": 60.0}, "config": {"suite": True, "n_boot": 1000}}
    md = render_markdown(report)
    assert "Spearman-Brown" in md and "% of ceiling = R² / ceiling" in md
    assert "1000 resamples" in md and "ties count as wrong" in md
    assert "348 test judgments" in md and "chance 1/3" in md and "chance 1/2" in md


def test_every_chance_level_a_reader_sees_is_formatted_from_the_one_constant(monkeypatch, capsys) -> None:
    """quickstart's table and README text, the card's metric names and table header, the report's fit text and
    `bgs-hf baseline` wrote the chance levels as literals (``33%``, ``1/3``, ``33.3%``, ``0.333``) beside the
    constants of ``bgs_hf.metrics.ooo``: a changed constant would have left each naming the old level. Each is now
    formatted from the constant (patched below to 1/4 and 3/5, which must show through), with formats that give the
    demo's spellings of 1/3 and 1/2 byte for byte."""
    from bgs_hf import _format, quickstart
    from bgs_hf.cli import baseline
    from bgs_hf.eval import report
    from bgs_hf.hub import card
    from bgs_hf.metrics import ooo

    fraction, pct = _format.fmt_fraction, _format.fmt_chance_pct
    assert (pct(1 / 3, ".0f"), pct(1 / 2, ".0f"), pct(1 / 3), pct(1 / 2)) == ("33%", "50%", "33.3%", "50%")
    assert (fraction(1 / 3), fraction(1 / 2), _format.fmt_chance(1 / 3)) == ("1/3", "1/2", "(chance 33.3%)")
    # a name built at import: it must be the one formatted from the constant
    assert [name for _, _, name in card.EVAL_METRICS[2:]] == [
        f"Odd-one-out accuracy, 3-way (chance {fraction(ooo.CHANCE_3WAY)})",
        f"Odd-one-out accuracy, 2-way anchor test (chance {fraction(ooo.CHANCE_2WAY)})"]
    # the others are formatted when written: another level shows through, the old one nowhere
    for module in (ooo, quickstart, report, card):
        monkeypatch.setattr(module, "CHANCE_3WAY", 1 / 4)
        monkeypatch.setattr(module, "CHANCE_2WAY", 3 / 5)
    shown = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
             "n_test_pairs": 589, "timings_s": {"total_s": 60.0}, "config": {"suite": True, "n_boot": 1000}}
    assert quickstart.format_table(shown).startswith(
        "| model | test R² [95% CI] | % of ceiling | 3-way acc (chance 25%) | 2-way acc (chance 60%) |\n")
    md = quickstart.render_markdown(shown)
    assert "kept (chance 1/4); 2-way" in md and "than to the odd one (chance 3/5)." in md and "1/3" not in md
    text = str(card.render_model_card(card.BGSModelCardData(fit={"r2": 0.1, "r2_ci": [0.0, 0.2], "n_judgments": 348})))
    assert "| odd-one-out acc. 3-way (chance 25%) | 2-way anchor test (chance 60%) |" in text and "33.3%" not in text
    fit = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 5.0, "rsa_spearman": 0.1, "rsa_pearson": 0.2,
           "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6}
    blocks = report._fit_blocks([("toy", {"fit": {"bgs": fit}, "split": "test"}, Path("run"))])
    assert blocks[0][1].endswith("ties counted wrong; 3-way chance 25%; 2-way (the paper's anchor test) chance 60%.")
    baseline._print("pixels", {"split": "test", "n_clips": 50, "n_pairs": 589, "n_judgments": 348, "r2": 0.1,
                               "r2_ci": [0.0, 0.2], "ceiling_r2": 0.2, "pct_of_ceiling": 50.0, "rsa_spearman": 0.1,
                               "rsa_pearson": 0.1, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6})
    out = capsys.readouterr().out
    assert "  ooo_acc_3way  0.4000   (chance 0.250)\n  ooo_acc_2way  0.6000   (chance 0.600)\n" in out


def test_the_demo_table_header_the_console_fit_lines_and_fit_png_follow_the_chance_constants(monkeypatch, capsys,
                                                                                                tmp_path) -> None:
    """Mutation audit (a0f3015..985b459): quickstart's table header at the report's ``.3g`` (``(chance 33.3%)``, not
    the demo's ``33%``: the test above reads it only at levels whole in percent), and `bgs-hf evaluate`'s fit lines,
    `bgs-hf train`'s (``fit_text``, also ``TrainResult``) and fit.png's chance lines written with literals equal to
    today's levels passed the suite, which patched the constants only where those three do not read them. By hand:
    unpatched, the demo's header; with the levels 1/4 and 2/3, the header reads 25% and 67%, each line and fit.png
    the patched levels."""
    from types import SimpleNamespace

    from bgs_hf import quickstart
    from bgs_hf.cli import evaluate
    from bgs_hf.eval import suite
    from bgs_hf.metrics import ooo
    from bgs_hf.training import api

    shown = {**_report(), "n_test_clips": 50, "n_test_judgments": 348}
    assert quickstart.format_table(shown).startswith(
        "| model | test R² [95% CI] | % of ceiling | 3-way acc (chance 33%) | 2-way acc (chance 50%) |\n")
    for module in (ooo, quickstart, api):
        monkeypatch.setattr(module, "CHANCE_3WAY", 1 / 4)
        monkeypatch.setattr(module, "CHANCE_2WAY", 2 / 3)
    assert quickstart.format_table(shown).startswith(
        "| model | test R² [95% CI] | % of ceiling | 3-way acc (chance 25%) | 2-way acc (chance 67%) |\n")
    fit = {"r2": 0.1, "r2_ci": [0.0, 0.2], "pct_of_ceiling": 50.0, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.7,
           "n_judgments": 348}
    evaluate._print_summary({"data": "toy", "split": "test", "n_clips": 50, "n_pairs": 589, "n_judgments": 348,
                             "noise_ceiling_r2": 0.2, "fit": {"bgs": fit}})
    assert "3-way 40.0% (chance 25%)  2-way 70.0% (chance 66.7%)\n" in capsys.readouterr().out
    assert api.fit_text(fit).endswith("3-way acc 40.0% (chance 25%), 2-way acc 70.0% (chance 66.7%) over 348 judgments")
    drawn: dict = {}
    monkeypatch.setattr(suite, "_plot_bars", lambda *_, refs, **__: drawn.update(refs))
    run = SimpleNamespace(models=(), scored=SimpleNamespace(ceiling_r2=0.2, ceiling_ci=(0.1, 0.3)), n_boot=10, seed=0,
                          split="test", out=tmp_path, row_labels={}, data=None)
    suite._add_fit({"timings_s": {}, "figures": {}}, run, {}, None, None)
    assert (drawn["3-way acc"], drawn["2-way acc"]) == (("chance", 1 / 4, None), ("chance", 2 / 3, None))



def test_the_demo_report_calls_simulated_judgments_simulated() -> None:
    """On SocialShapes (the demo's data) report.md spoke of "human p_ij" and "the pair the person kept", and the
    bar chart of "human odd-one-out judgments": the judgments come from simulated observers (as the Space says)."""
    from bgs_hf.quickstart import judges, render_markdown

    base = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
            "n_test_pairs": 589, "timings_s": {"total_s": 60.0}, "config": {"suite": True, "n_boot": 1000}}
    simulated = render_markdown({**base, "simulated_observers": True})
    assert "human" not in simulated.lower() and "person" not in simulated
    assert "the simulated observers' p_ij" in simulated and judges({"simulated_observers": True}) == "simulated observers"
    people = render_markdown({**base, "simulated_observers": False})
    assert "human p_ij" in people and "the pair the person kept" in people and judges({}) == "humans"


def test_the_ceiling_row_claims_no_hundred_percent_of_a_ceiling_that_is_not_positive() -> None:
    """A 60-clip run's test ceiling was -0.086 and its row said 100% while every model's % read n/a."""
    from bgs_hf.quickstart import format_table

    for ceiling in (-0.086, 0.0):
        table = format_table({**_report(), "noise_ceiling_r2": ceiling, "noise_ceiling_ci": [-0.1, 0.05]})
        assert f"| {ceiling:.3f} [-0.100, 0.050] | – | – | – |" in table, table
    assert "| 0.164 [0.050, 0.290] | 100% |" in format_table(_report())


def test_report_md_says_why_every_percent_of_ceiling_is_na_when_the_ceiling_is_not_positive() -> None:
    """README walk-through: a 60-clip quickstart's ceiling was -0.086 and report.md showed n/a in every % column
    without a word why (only the log said so)."""
    from bgs_hf.quickstart import render_markdown

    base = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 12, "n_test_judgments": 30,
            "n_test_pairs": 40, "timings_s": {"total_s": 60.0}, "config": {"suite": True}}
    why = "so % of ceiling is undefined (n/a): use more clips or judgments"
    md = render_markdown({**base, "noise_ceiling_r2": -0.086})
    assert "% of ceiling = R² / ceiling; here the ceiling is -0.086, not positive" in md and why in md
    assert why not in render_markdown(base)  # the ceiling 0.164: the sentence ends as before
    assert "% of ceiling = R² / ceiling. Accuracies" in render_markdown(base)


def test_report_md_blames_a_non_positive_ceiling_on_no_cause_the_code_did_not_check() -> None:
    """report.md said a ceiling of -0.086 came from halves that "do not agree on so few test judgments", however many
    there were (nothing checks that: judges who judge differently make it so too), and called an undefined ceiling
    "n/a, not positive" with halves that "do not agree", where it had too few judgments for halves at all."""
    from bgs_hf.quickstart import render_markdown
    from bgs_hf.viz.figure import UNDEFINED_ESTIMATE

    base = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 120, "n_test_judgments": 3000,
            "n_test_pairs": 4000, "timings_s": {"total_s": 60.0}, "config": {"suite": True}}
    negative = render_markdown({**base, "noise_ceiling_r2": -0.086})
    assert "here the ceiling is -0.086, not positive (the two halves of the participants do not agree), so % of " \
           "ceiling is undefined (n/a)" in negative
    assert "so few" not in negative
    # on simulated observers the halves are theirs, as the card and the Space say (it said "the participants")
    simulated = render_markdown({**base, "noise_ceiling_r2": -0.086, "simulated_observers": True})
    assert "here the ceiling is -0.086, not positive (the two halves of the simulated observers do not agree), so " \
           "% of ceiling is undefined (n/a)" in simulated and "halves of the participants do not" not in simulated
    # and the definition of the ceiling names their halves too (it said "random halves of the participants")
    assert "the p_ij of two random halves of the simulated observers, corrected to the whole group" in simulated
    assert "halves of the participants" not in simulated
    assert "the p_ij of two random halves of the participants, corrected to the whole group" in negative
    for undefined in (float("nan"), None):
        md = render_markdown({**base, "noise_ceiling_r2": undefined, "noise_ceiling_ci": [None, None]})
        assert f"here the ceiling is {UNDEFINED_ESTIMATE}, so % of ceiling is undefined (n/a)" in md
        assert "not positive" not in md and "do not agree" not in md


def test_a_collapsed_model_keeps_its_flag_and_the_table_says_its_zero_is_no_answer() -> None:
    """The suite flags embeddings alike for every clip (``collapsed``); the quickstart's ``_pick`` dropped the flag,
    so report.md showed 0.0% accuracy, below chance, with nothing to say why."""
    from bgs_hf.quickstart import _pick, format_table

    row = _pick({"r2": None, "r2_ci": [None, None], "pct_of_ceiling": None, "ooo_acc_3way": 0.0,
                 "ooo_acc_2way": 0.0, "n_pairs": 3, "n_judgments": 2, "collapsed": True})
    assert row["collapsed"] is True and "collapsed" not in _pick(_report()["models"]["bgs"])
    table = format_table({**_report(), "models": {**_report()["models"], "bgs": row}})
    assert ("BGS fine-tuned (LoRA): its embeddings do not differ between clips, so every similarity ties: the 0% "
            "accuracies (ties count as wrong) are no answer, not a wrong one") in table


def test_a_rerun_keeps_the_users_own_files_inside_the_folders_it_clears(tmp_path) -> None:
    """A rerun removed analyses/ and language_distilled/ whole, with the user's notes in them; it now removes
    the files an evaluation and a training run write there, and the folder only when nothing else is left."""
    from bgs_hf.quickstart import MARKER, _clear_earlier_outputs

    (tmp_path / MARKER).write_text("")
    analyses, control = tmp_path / "analyses", tmp_path / "language_distilled"
    for folder, ours in ((analyses, ("evaluation.json", "fit.png", "attention_0.png", ".bgs-evaluation")),
                         (control, ("adapter_model.safetensors", "metrics.json", "run_config.json", "README.md",
                                    "checkpoint-4/x.safetensors", "base/config.json"))):
        for name in ours:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text("old")
        (folder / "my_notes.md").write_text("keep me")
    _clear_earlier_outputs(tmp_path)
    for folder in (analyses, control):
        assert sorted(p.name for p in folder.iterdir()) == ["my_notes.md"], list(folder.iterdir())
    (analyses / "my_notes.md").unlink()
    (analyses / "fit.png").write_text("old")
    _clear_earlier_outputs(tmp_path)
    assert not analyses.exists()


def test_the_language_control_relabels_with_the_caption_setting_of_the_language_row(tmp_path, monkeypatch) -> None:
    """``QuickstartConfig(caption="mean")`` scored the language row on mean captions, while the language-distilled
    control was trained on the first caption's choices (489 of 3 003 judgments differ)."""
    import bgs_hf.eval.controls as controls
    import bgs_hf.quickstart as qs

    class Reached(Exception):
        pass

    def distilled(data, language_sim=None, **kwargs):
        raise Reached(kwargs.get("language_config"))

    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(controls, "language_distilled_data", distilled)
    monkeypatch.setattr(qs, "train_bgs_run", lambda *a, **k: type("Run", (), {"output_dir": str(tmp_path / "r")}))
    cfg = qs.QuickstartConfig(out_dir=str(tmp_path / "demo"), n_clips=60, backbone="tiny-random-videomae", n_boot=5,
                              caption="mean", suite=True, language_control=True)
    with pytest.raises(Reached) as reached:
        qs.run_quickstart(cfg)
    assert getattr(reached.value.args[0], "caption", None) == "mean"


def test_a_cached_benchmark_is_reused_only_for_its_own_seed_clip_count_and_generator_version(tmp_path,
                                                                                              monkeypatch) -> None:
    """Mutation audit: a cache name without the clip count (a 250-clip run reusing a 60-clip benchmark), without the
    generator version (an older generator's videos reused), an abstract set named without its seed, the generator
    called with seed 0, and ``BGS_HF_CACHE`` ignored all passed (the cache test's fake generator took any seed)."""
    import bgs_hf.synth as synth
    import bgs_hf.synth.generate as generate
    from bgs_hf.quickstart import cache_root, ensure_socialshapes

    made: list[dict] = []

    def gen(out, **kwargs):
        made.append(kwargs)
        return _fake_generator([])(out)

    monkeypatch.setattr(synth, "generate_socialshapes", gen, raising=False)
    monkeypatch.setattr(synth, "generate_abstract_set", gen, raising=False)
    first = ensure_socialshapes(2, 30, root=tmp_path)
    assert made == [{"n_clips": 30, "seed": 2}]
    assert ensure_socialshapes(2, 40, root=tmp_path) != first and made[-1] == {"n_clips": 40, "seed": 2}
    abstract = ensure_socialshapes(2, 0, root=tmp_path, abstract=True)
    assert made[-1] == {"seed": 2}
    assert ensure_socialshapes(3, 0, root=tmp_path, abstract=True) != abstract and made[-1] == {"seed": 3}
    monkeypatch.setattr(generate, "GENERATOR_VERSION", "socialshapes-999")
    assert ensure_socialshapes(2, 30, root=tmp_path) != first and len(made) == 5
    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "shared"))
    assert cache_root() == tmp_path / "shared"


FAKE_SUITE_ROWS = {
    "pretrained": {"r2": 0.11, "r2_ci": [0.01, 0.21], "pct_of_ceiling": 11.0, "ooo_acc_3way": 0.41, "ooo_acc_2way": 0.51,
                   "rsa_spearman": 0.31, "rsa_pearson": 0.32, "n_pairs": 71, "n_judgments": 51},
    "bgs": {"r2": 0.22, "r2_ci": [0.12, 0.32], "pct_of_ceiling": 22.0, "ooo_acc_3way": 0.42, "ooo_acc_2way": 0.52,
            "rsa_spearman": 0.33, "rsa_pearson": 0.34, "n_pairs": 77, "n_judgments": 55}}


@pytest.fixture(scope="module")
def socialshapes_seed3(tmp_path_factory) -> Path:
    """60 small SocialShapes clips at seed 3, made once for the runs below whose training and suite are faked."""
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    return generate_socialshapes(tmp_path_factory.mktemp("ss") / "ss", n_clips=60, seed=3,
                                 config=SynthConfig(num_frames=8, size=32, workers=1))


def _fake_training_and_suite(monkeypatch, tmp_path: Path) -> dict:
    """The quickstart's minutes-long steps faked, each recording what it was handed in the returned dict: the caption
    model (a fixed random matrix, kept as ``language_sim``), each training run (``train``: its name and data), the
    suite (``suite``: seed, n_boot, its data and keyword arguments; it reports ``FAKE_SUITE_ROWS``, and the caption
    row fitted as the real suite fits it, kept as ``language_fit``), the run card
    (``card``: its folder, and whether baseline.json was there) and the abstract set (``abstract``)."""
    from types import SimpleNamespace

    import bgs_hf.baselines as baselines
    import bgs_hf.eval as eval_mod
    import bgs_hf.hub.card as card
    import bgs_hf.quickstart as qs
    from bgs_hf.eval.fit import SplitHumans, fit_from_similarity
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME
    from bgs_hf.hub.run_info import BASELINE_FILE

    seen: dict = {"train": [], "card": [], "abstract": []}
    rng = np.random.default_rng(0)

    def language_similarity(captions, cfg, names=None):
        seen.update(caption=cfg.caption, language_sim=np.corrcoef(np.random.default_rng(1).normal(size=(len(captions), 6))))
        return seen["language_sim"]

    def train(data_dir, out, cfg, *, data=None, name="bgs", **kwargs):
        seen["train"].append((name, data))
        return SimpleNamespace(output_dir=str(out / name), embeddings={"test": (f"{name}'s test clips", name)})

    def suite(data, backbone, run_dir, *, out_dir, seed, n_boot, **kwargs):
        seen["suite"] = (seed, n_boot, data, kwargs)
        test = SplitHumans.build(data, "test", seed=seed)
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        emb = {k: rng.normal(size=(len(test.items), 4)) for k in FAKE_SUITE_ROWS}
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        np.savez(Path(out_dir) / TEST_EMBEDDINGS_NAME, items=test.items, **emb)
        fits = {k: dict(v) for k, v in FAKE_SUITE_ROWS.items()}
        if kwargs.get("language_sim") is not None:
            seen["language_fit"] = fits["language"] = fit_from_similarity(kwargs["language_sim"], data, test,
                                                                          n_boot=n_boot, seed=seed)
        return {"fit": fits}

    monkeypatch.setattr(baselines, "language_similarity", language_similarity)
    monkeypatch.setattr(qs, "train_bgs_run", train)
    monkeypatch.setattr(card, "write_run_card", lambda run_dir: seen["card"].append(
        (str(run_dir), (Path(run_dir) / BASELINE_FILE).is_file())))
    monkeypatch.setattr(eval_mod, "run_suite", suite)
    monkeypatch.setattr(qs, "ensure_socialshapes", lambda seed, n_clips, *, abstract=False, **k: seen["abstract"].append(
        (seed, n_clips, abstract)) or tmp_path / "abstract")
    return seen


def test_the_report_takes_each_row_from_its_own_model_and_the_seed_reaches_every_step(tmp_path, monkeypatch,
                                                                                     socialshapes_seed3) -> None:
    """Mutation audit (the end-to-end run's plumbing in seconds: training and the suite faked): the data, the test
    split's ceiling, the baselines' bootstrap or the suite seeded 0 whatever --seed said, report.json's pair count
    taken from the judgment count, report.md's judgments and pairs swapped, baseline.json from the fine-tuned row, no
    marker written in --out, the language row on mean captions by default or over the clips in another order, the
    baselines' % of a ceiling of 1, and the validation count from the test split all passed."""
    monkeypatch.setattr("bgs_hf.metrics.ceiling.MIN_CEILING_PAIRS", 1)  # the plumbing of a ceiling too thin to report
    import bgs_hf.data as data_mod
    import bgs_hf.metrics as metrics
    import bgs_hf.quickstart as qs
    from bgs_hf.eval.fit import SplitHumans

    data_dir, out = socialshapes_seed3, tmp_path / "demo"
    seen = _fake_training_and_suite(monkeypatch, tmp_path)
    seen.update(load=[], fit=[])
    load, fit = data_mod.load, metrics.behavioural_fit
    monkeypatch.setattr(data_mod, "load", lambda *a, **k: seen["load"].append(k["seed"]) or load(*a, **k))
    monkeypatch.setattr(metrics, "behavioural_fit", lambda *a, **k: seen["fit"].append((k["seed"], k["n_boot"]))
                        or fit(*a, **k))
    cfg = qs.QuickstartConfig(out_dir=str(out), seed=3, data_dir=str(data_dir), backbone="tiny-random-videomae",
                              n_boot=7, suite=False, language_control=False)
    report = qs.run_quickstart(cfg)

    data = load(data_dir, seed=3, val_fraction=0.2)
    test = SplitHumans.build(data, "test", seed=3)
    # the pixel row's fit; the caption row is the suite's (seeded 3, 7 resamples)
    assert seen["load"] == [3] and seen["fit"] == [(3, 7)] and seen["suite"][:2] == (3, 7)
    assert seen["caption"] == "first"  # the paper's language row
    assert report["noise_ceiling_r2"] == test.ceiling_r2 != SplitHumans.build(data, "test", seed=0).ceiling_r2
    assert (report["n_train_judgments"], report["n_val_clips"]) == (len(data.triplets("train")),
                                                                     len(data.splits["val"]))
    language = fit(np.corrcoef(np.random.default_rng(1).normal(size=(len(test.items), 6))), test.human, test.trip.idx,
                   test.trip.odd, test.items, test.ceiling_r2, n_boot=7, seed=3)  # the fake's matrix, in test order
    assert {k: report["language"][k] for k in ("r2", "pct_of_ceiling")} == pytest.approx(
        {k: language[k] for k in ("r2", "pct_of_ceiling")})
    assert report["pixels"]["pct_of_ceiling"] == pytest.approx(100 * report["pixels"]["r2"] / test.ceiling_r2)
    for key, row in FAKE_SUITE_ROWS.items():
        assert report[key] == report["models"][key] == row
    assert (report["n_test_pairs"], report["n_test_judgments"]) == (77, 55)  # the fine-tuned row's
    md = (out / "report.md").read_text()
    assert "55 judgments, 77 observed pairs" in md and "55 test judgments" in md
    assert json.loads((out / "report.json").read_text())["n_test_pairs"] == 77
    assert not list(out.glob("*.tmp")) and (out / qs.MARKER).is_file()
    baseline = json.loads((out / "bgs" / "baseline.json").read_text())
    assert (baseline["r2"], baseline["split"], baseline["backbone"]) == (0.11, "test", "tiny-random-videomae")


def test_the_caption_row_is_the_suites_fit_bootstrapped_once(tmp_path, monkeypatch, socialshapes_seed3) -> None:
    """The quickstart fitted the caption similarity on the test clips for its table, and the suite, handed the same
    similarity, fitted it again with the same n_boot and seed (1,000 resamples drawn twice for one row). The table's
    caption row is now the suite's: one bootstrap for the pixel row, one for the caption row, and the row's numbers
    are those of the suite's fit (``_fake_training_and_suite`` fits it as ``run_suite`` does)."""
    import bgs_hf.metrics.fit as metrics_fit
    import bgs_hf.quickstart as qs

    seen = _fake_training_and_suite(monkeypatch, tmp_path)
    drawn: list[int] = []
    bootstrap = metrics_fit.bootstrap_ci
    monkeypatch.setattr(metrics_fit, "bootstrap_ci", lambda *a, **k: drawn.append(k["n_boot"]) or bootstrap(*a, **k))
    for suite in (False, True):
        drawn.clear()
        report = qs.run_quickstart(qs.QuickstartConfig(out_dir=str(tmp_path / f"demo-{suite}"), seed=3, n_boot=7,
                                                       data_dir=str(socialshapes_seed3), backbone="tiny-random-videomae",
                                                       suite=suite, language_control=False))
        assert drawn == [7, 7]  # the pixel row's and the suite's caption row's (was [7, 7, 7])
        language = seen["language_fit"]
        assert report["language"] == report["models"]["language"] == {k: language[k] for k in qs.ROW_KEYS}
        assert report["language"]["n_judgments"] > 0 and np.isfinite(report["language"]["r2"])


def test_the_full_run_hands_the_suite_its_control_language_row_cache_and_abstract_set(tmp_path, monkeypatch,
                                                                                    socialshapes_seed3) -> None:
    """Mutation audit (second pass; training and the suite faked): the abstract set made with seed 0, the suite run
    without its motion analysis, its language-distilled control, the caption row's similarity or config, or the
    shared clip cache; the control trained into the BGS run's folder or on the real judgments; the run card not
    written again once baseline.json is there; baseline.json naming the backbone as typed, not as the run records it;
    and the control trained when the suite that scores it is off, all passed (the seeded test runs --fast)."""
    from dataclasses import replace
    from types import SimpleNamespace

    import bgs_hf.eval.controls as controls
    import bgs_hf.models.registry as registry
    import bgs_hf.quickstart as qs
    from bgs_hf.eval.fit import SplitHumans

    data_dir, out = socialshapes_seed3, tmp_path / "demo"
    seen = _fake_training_and_suite(monkeypatch, tmp_path)
    distilled = SimpleNamespace(name="the caption model's choices")
    monkeypatch.setattr(controls, "language_distilled_data", lambda data, language_config: seen.update(
        distilled_caption=language_config.caption) or distilled)
    monkeypatch.setattr(registry, "get_backbone_spec", lambda name: SimpleNamespace(name=f"/models/{name}"))
    cfg = qs.QuickstartConfig(out_dir=str(out), seed=3, data_dir=str(data_dir), backbone="mine", n_boot=7,
                              caption="mean")
    report = qs.run_quickstart(cfg)
    _, _, data, kwargs = seen["suite"]
    assert seen["train"] == [("bgs", data), ("language_distilled", distilled)] and seen["distilled_caption"] == "mean"
    assert seen["abstract"] == [(3, 0, True)] and kwargs["abstract_dir"] == tmp_path / "abstract"
    assert kwargs["analyses"] == ("fit", "layers", "partition", "probes", "transfer", "attention", "motion")
    assert kwargs["controls"] == {"language-distilled": str(out / "language_distilled")}
    # each run's own test embeddings, which it made to score its metrics.json: the suite runs neither model on the test
    # clips again where it needs nothing more of them (they were embedded twice)
    assert kwargs["embedded"] == {"bgs": ("bgs's test clips", "bgs"),
                                  "language-distilled": ("language_distilled's test clips", "language_distilled")}
    assert kwargs["language_sim"] is seen["language_sim"] and kwargs["language_config"].caption == "mean"
    assert kwargs["cache"] == out / "clip_cache"
    assert seen["card"] == [(str(out / "bgs"), True)]  # rewritten with the pretrained row beside the run's
    assert json.loads((out / "bgs" / "baseline.json").read_text())["backbone"] == "/models/mine"
    assert report["n_test_clips"] == len(SplitHumans.build(data, "test", seed=3).items) == 12  # 60 clips, a fifth test
    seen["train"].clear()
    seen["abstract"].clear()
    qs.run_quickstart(replace(cfg, suite=False))  # language_control stays on: nothing would score the control
    assert [name for name, _ in seen["train"]] == ["bgs"] and seen["abstract"] == []
    assert seen["suite"][3]["analyses"] == ("fit",) and seen["suite"][3]["abstract_dir"] is None
    assert seen["suite"][3]["embedded"] == {"bgs": ("bgs's test clips", "bgs")}


def test_data_without_captions_runs_without_the_caption_row_and_its_control(tmp_path, monkeypatch,
                                                                        socialshapes_seed3) -> None:
    """``quickstart --data`` on a lab's own data (``data import`` stores no captions), or on data where one test clip
    has none, stopped after the pixel baseline with "none of the 12 clips has a caption to embed"; ``evaluate``
    scores such data without its caption row. Now the quickstart does too, and says why the row is empty."""
    from dataclasses import replace

    import bgs_hf.baselines as baselines
    import bgs_hf.data as data_mod
    import bgs_hf.quickstart as qs

    seen = _fake_training_and_suite(monkeypatch, tmp_path)
    monkeypatch.setattr(baselines, "language_similarity", language_similarity_real)  # refuses before any model loads
    load = data_mod.load

    def no_captions(*args, **kwargs):
        data = load(*args, **kwargs)
        return replace(data, clips=data.clips.remove_columns("captions").add_column(
            "captions", [[] for _ in range(data.n_clips)]))

    monkeypatch.setattr(data_mod, "load", no_captions)
    out = tmp_path / "demo"
    report = qs.run_quickstart(qs.QuickstartConfig(out_dir=str(out), seed=3, data_dir=str(socialshapes_seed3),
                                                   backbone="tiny-random-videomae", n_boot=7))
    assert report["language"]["skipped"] == "none of the 12 clips has a caption to embed"
    assert np.isnan(report["language"]["r2"]) and report["language"]["r2_ci"] is None
    assert [name for name, _ in seen["train"]] == ["bgs"]  # no language-distilled control: it needs the captions
    assert seen["suite"][3]["controls"] == {} and seen["suite"][3]["language_sim"] is None
    md = (out / "report.md").read_text()
    assert "| captions (MiniLM-L6) | n/a [n/a, n/a] | n/a | n/a | n/a |" in md
    assert "*captions (MiniLM-L6): not scored (none of the 12 clips has a caption to embed).*" in md
    assert json.loads((out / "report.json").read_text())["language"]["r2"] is None


def test_a_folder_holding_a_quickstart_report_is_cleared_and_any_other_report_json_refused(tmp_path) -> None:
    """Mutation audit: a folder from before the marker (a quickstart's report.json, no marker) refused as the user's,
    and any other program's report.json taken for a quickstart's (then cleared), both passed."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.quickstart import _clear_earlier_outputs

    earlier = {"noise_ceiling_r2": 0.2, "models": {}, "recipe": "r", "backbone": "b", "seed": 0}
    (tmp_path / "report.json").write_text(json.dumps(earlier))
    (tmp_path / "report.md").write_text("earlier")
    _clear_earlier_outputs(tmp_path)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "report.json").write_text(json.dumps({"models": {}, "backbone": "b"}))
    with pytest.raises(BGSInputError, match="is not empty"):
        _clear_earlier_outputs(tmp_path)
    assert (tmp_path / "report.json").is_file()


def test_the_clustered_order_puts_similar_clips_side_by_side() -> None:
    """Mutation audit: clustering the similarity itself as a distance passed (the end-to-end run recomputes the figure's
    order with the same function): two groups of clips, similar within (0.9) and not across (0.1), come out whole."""
    from bgs_hf.quickstart import _cluster_order

    group = np.array([0, 1, 0, 1, 0, 1])
    order = _cluster_order(np.where(group[:, None] == group[None, :], 0.9, 0.1))
    assert sorted(order) == list(range(6)) and {frozenset(order[:3]), frozenset(order[3:])} == {
        frozenset({0, 2, 4}), frozenset({1, 3, 5})}


def test_the_report_says_how_the_model_was_trained_and_its_wall_time_in_minutes() -> None:
    """Mutation audit: the two training sentences swapped (a validation carve-out described as "all non-test clips"),
    the wall time in seconds labelled min, the test split's judgments and pairs swapped, and the table's rows in
    another order than the README's all passed."""
    from bgs_hf.quickstart import format_table, render_markdown

    report = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
              "n_test_pairs": 589, "timings_s": {"total_s": 150.0}, "config": {"suite": True},
              "n_train_clips": 160, "n_train_judgments": 9000}
    md = render_markdown({**report, "n_val_clips": 40})
    assert "Test split: 50 clips, 348 judgments, 589 observed pairs." in md and "Wall time: 2.5 min." in md
    assert ("BGS was trained on 160 clips (9000 judgments); the epoch with the best RSA on 40 validation clips was "
            "kept.") in md
    assert "BGS was trained on all 160 non-test clips (9000 judgments)" in render_markdown({**report, "n_val_clips": 0})
    report["models"] = {**report["models"], "pretrained": report["models"]["bgs"]}
    rows = [line.split(" | ")[0] for line in format_table(report).splitlines()[2:6]]
    assert rows == ["| raw pixels", "| pretrained video model (frozen)", "| captions (MiniLM-L6)",
                    "| BGS fine-tuned (LoRA)"]  # the README's order


def test_validation_clips_holding_no_judgment_are_not_said_to_have_chosen_the_epoch() -> None:
    """Claims audit: with validation clips that share no judgment, train_bgs scores nothing, keeps the last epoch at a
    constant lr and warns so, while report.md said "the epoch with the best RSA on 5 validation clips was kept"."""
    from bgs_hf.quickstart import render_markdown

    report = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
              "n_test_pairs": 589, "timings_s": {"total_s": 150.0}, "config": {"suite": True},
              "n_train_clips": 160, "n_train_judgments": 9000, "n_val_clips": 5}
    md = render_markdown({**report, "n_val_judgments": 0})
    assert "the epoch with the best RSA" not in md
    assert ("BGS was trained on 160 clips (9000 judgments) for a fixed number of epochs and the last epoch was kept: "
            "its 5 validation clips share no judgment to choose an epoch with.") in md
    chosen = "the epoch with the best RSA on 5 validation clips was kept."
    assert chosen in render_markdown({**report, "n_val_judgments": 2})
    assert chosen in render_markdown(report)  # a report.json from before the count: as it read then


def test_the_bgs_run_gets_the_seed_and_the_bundled_backbones_recipe(tmp_path, monkeypatch) -> None:
    """Mutation audit: the BGS run seeded 0 whatever --seed said, or without the tiny backbone's head dropout 0,
    its no-early-stopping setting or its validation share (0: every non-test clip), all passed (the end-to-end test
    trains another backbone with every setting given)."""
    import bgs_hf.training.api as api
    from bgs_hf.models.registry import DEFAULT_BACKBONE
    from bgs_hf.quickstart import QuickstartConfig, train_bgs_run

    seen = []
    monkeypatch.setattr(api, "train_bgs", lambda config: seen.append(config) or "run")
    stop_early = object()
    assert train_bgs_run(tmp_path / "ss", tmp_path / "demo", QuickstartConfig(seed=4), name="language_distilled",
                         callbacks=[stop_early]) == "run"
    ((config),) = seen
    # second pass: the callbacks given, and no experiment tracker (the demo is offline), were dropped unseen
    assert config.callbacks == [stop_early] and config.training["report_to"] == "none"
    assert {k: config.training[k] for k in ("seed", "output_dir", "learning_rate", "num_train_epochs")} == {
        "seed": 4, "output_dir": str(tmp_path / "demo" / "language_distilled"), "learning_rate": 2e-3,
        "num_train_epochs": 20}
    assert (config.model.backbone, config.model.head_dropout) == (DEFAULT_BACKBONE, 0.0)
    assert (config.bgs.early_stopping_patience, config.bgs.overwrite_output_dir) == (0, True)
    assert (config.data.data, config.data.val_fraction, config.data.cache_dir) == (
        str(tmp_path / "ss"), 0.0, str(tmp_path / "demo" / "clip_cache"))


def test_percentile_ranks_leave_unjudged_pairs_grey_and_rank_the_others() -> None:
    """Mutation audit: ranking the human matrix's NaN (pairs in no test judgment) with the rest passed (the tested
    matrix had NaN on its diagonal only): rankdata then returns NaN everywhere and the whole panel read 0.5."""
    from bgs_hf.quickstart import _percentile_ranks

    nan = float("nan")
    ranks = _percentile_ranks(np.array([[nan, 0.2, nan], [0.2, nan, 0.8], [nan, 0.8, nan]]))
    assert np.isnan(ranks[0, 2]) and np.isnan(ranks[2, 0]) and (ranks[0, 1], ranks[1, 2]) == (0.0, 1.0)


def test_percentile_ranks_leave_out_the_diagonal_and_put_a_matrix_of_ties_at_mid_grey() -> None:
    """Mutation audit (second pass): ranking a cosine matrix's diagonal of ones with its pairs, and drawing a matrix
    whose pairs all tie (a collapsed model: every cosine 1) at rank 0 instead of mid-grey, both passed (every tested
    matrix had NaN on its diagonal and pairs that differ). Off the diagonal 0.2, 0.5, 0.8 are ranked 0, 0.5, 1."""
    from bgs_hf.quickstart import _percentile_ranks

    nan = float("nan")
    ranks = _percentile_ranks(np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.8], [0.5, 0.8, 1.0]]))
    np.testing.assert_array_equal(ranks, [[nan, 0.0, 0.5], [0.0, nan, 1.0], [0.5, 1.0, nan]])
    np.testing.assert_array_equal(_percentile_ranks(np.ones((3, 3))), [[nan, 0.5, 0.5], [0.5, nan, 0.5],
                                                                      [0.5, 0.5, nan]])


def test_the_two_reports_appear_together_or_not_at_all(tmp_path, monkeypatch) -> None:
    """Mutation audit: report.json and report.md written in place one after the other passed (nothing failed a write):
    a full disk on report.md then left the new report.json alone in --out. Neither appears, nor a temp file."""
    from bgs_hf.quickstart import _write_together

    reports = {tmp_path / "report.json": "{}", tmp_path / "report.md": "# report\n"}
    write_text = Path.write_text

    def full_disk(self: Path, *args, **kwargs) -> int:
        if "report.md" in self.name:  # its temp file, whatever it is named
            raise OSError(28, "No space left on device")
        return write_text(self, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Path, "write_text", full_disk)
        with pytest.raises(OSError, match="No space left"):
            _write_together(reports)
    assert list(tmp_path.iterdir()) == []
    _write_together(reports)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"report.json": "{}", "report.md": "# report\n"}


def test_a_failed_rename_of_the_reports_leaves_no_temp_file_in_out(tmp_path, monkeypatch) -> None:
    """report.json's rename into place failing (report.json a folder of the user's, a full or read-only mount) left
    both staged temp files in --out for good: the error is raised, naming report.json, and no temp file remains."""
    import os

    from bgs_hf.quickstart import _write_together

    reports = {tmp_path / "report.json": "{}", tmp_path / "report.md": "# report\n"}
    replace = os.replace

    def refused(src, dst, *args, **kwargs):
        if os.fspath(dst).endswith("report.json"):
            raise OSError(30, "Read-only file system", os.fspath(src), None, os.fspath(dst))
        return replace(src, dst, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", refused)
        with pytest.raises(OSError, match="Read-only file system"):
            _write_together(reports)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_while_the_reports_are_written_leaves_no_temp_file_and_stays_an_interrupt(tmp_path,
                                                                                           monkeypatch) -> None:
    """Mutation (audit of e90477e): the staged reports cleaned up on an ``Exception`` only passed: Ctrl-C while
    report.md was written aside left report.json's hidden temp file in --out. The interrupt is raised as it is, and
    --out is left as it was (empty)."""
    from bgs_hf.quickstart import _write_together

    reports = {tmp_path / "report.json": "{}", tmp_path / "report.md": "# report\n"}
    write_text = Path.write_text

    def interrupted(self: Path, *args, **kwargs) -> int:
        if "report.md" in self.name:
            raise KeyboardInterrupt
        return write_text(self, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Path, "write_text", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _write_together(reports)
    assert list(tmp_path.iterdir()) == []


def test_a_run_killed_before_its_reports_are_renamed_leaves_no_visible_temp_file(tmp_path) -> None:
    """SIGKILL (the OOM killer) after both reports were written aside, before they were renamed, left a visible
    ``report.json.tmp`` and ``report.md.tmp`` in --out for good. Now only hidden temp files, which the next write
    replaces; it also removes the visible ones an earlier version left."""
    import os
    import signal

    from bgs_hf.quickstart import _write_together

    reports = {tmp_path / "report.json": "{}", tmp_path / "report.md": "# report\n"}
    pid = os.fork()
    if pid == 0:  # the child is killed at its first rename, as a SIGKILL there would
        try:
            Path.replace = lambda self, target: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[method-assign]
            _write_together(reports)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    (tmp_path / "report.md.tmp").write_text("an earlier version's staged report")
    _write_together(reports)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"report.json": "{}", "report.md": "# report\n"}


def test_a_report_that_cannot_be_written_is_named_as_asked_for_and_one_resample_is_singular(tmp_path,
                                                                                          monkeypatch) -> None:
    """A full disk (or a refused rename) on the staged reports named the hidden temp file
    (``.bgs-partial-report.md.tmp``), a name the user never typed: it names ``report.md``. ``--n-boot 1`` wrote
    "(1 resamples)" in report.md: the noun agrees with its count (1000 as the demo prints it)."""
    import errno

    from bgs_hf.quickstart import _resamples_note, _write_together

    reports = {tmp_path / "report.json": "{}", tmp_path / "report.md": "# report\n"}
    write_text, replace = Path.write_text, Path.replace

    def full_disk(self: Path, *args, **kwargs) -> int:
        if "report.md" in self.name:
            with open(self, "w"):  # opened, then its write refused: an OSError naming no file
                raise OSError(errno.ENOSPC, "No space left on device")
        return write_text(self, *args, **kwargs)

    def refused(self: Path, target) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(self), None, str(target))

    for method, broken in (("write_text", full_disk), ("replace", refused)):
        with monkeypatch.context() as m:
            m.setattr(Path, method, broken)
            with pytest.raises(OSError) as err:
                _write_together(reports)
        assert err.value.filename == str(tmp_path / ("report.md" if method == "write_text" else "report.json"))
        assert "bgs-partial" not in str(err.value)
        for tmp in tmp_path.iterdir():
            tmp.unlink()
    assert write_text is Path.write_text and replace is Path.replace
    assert (_resamples_note({"config": {"n_boot": 1}}), _resamples_note({"config": {"n_boot": 1000}})) == (
        " (1 resample)", " (1000 resamples)")


def test_a_rerun_unlinks_a_symlinked_folder_in_the_control_run_and_keeps_its_target(tmp_path) -> None:
    """Mutation audit: removing a matched folder with rmtree even when it is a symlink passed: a control run whose
    ``base`` links to the user's model folder made the rerun fail (rmtree refuses a symlink)."""
    from bgs_hf.quickstart import MARKER, _clear_earlier_outputs

    (tmp_path / MARKER).write_text("")
    model = tmp_path / "my_model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (tmp_path / "language_distilled").mkdir()
    (tmp_path / "language_distilled" / "base").symlink_to(model, target_is_directory=True)
    _clear_earlier_outputs(tmp_path)
    assert not (tmp_path / "language_distilled").exists() and (model / "config.json").is_file()


def test_a_cached_benchmark_without_its_marker_or_with_a_listed_file_gone_is_generated_again(tmp_path,
                                                                                          monkeypatch) -> None:
    """Mutation audit (second pass): a listed video deleted from the cache taken as intact, a folder without its
    ``.complete`` (a copy of the cache cut short) reused, or kept in place of the new copy, all passed; a marker that
    is JSON but lists no files (not written by this version) is taken as it is, as the text-only one is."""
    import os

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator(calls), raising=False)
    final = ensure_socialshapes(0, 30, root=tmp_path)
    (final / "videos" / "ss_0000.mp4").unlink()
    assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == 2
    assert (final / "videos" / "ss_0000.mp4").read_bytes() == b"video bytes" * 50
    (final / ".complete").unlink()  # a half-copied cache: its files, no marker
    (final / "videos" / "ss_0000.mp4").write_bytes(b"cut")
    assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == 3
    assert (final / ".complete").is_file() and (final / "videos" / "ss_0000.mp4").read_bytes() == b"video bytes" * 50
    assert sorted(os.listdir(tmp_path)) == [final.name]
    (final / ".complete").write_text(json.dumps({"generator": "socialshapes-4"}))
    (final / "videos" / "ss_0000.mp4").write_bytes(b"not checked: no list")
    assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == 3


def test_a_cached_benchmark_whose_marker_is_not_a_file_list_is_generated_again(tmp_path, monkeypatch,
                                                                               caplog) -> None:
    """A ``.complete`` cut short or edited: a file list of numbers, or of sizes as text, failed with a TypeError or
    ValueError traceback, and JSON cut short, or not an object, was taken as intact (its videos never checked). Each
    is now damage like a cut video: one warning naming the marker, the benchmark generated again."""
    import logging

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator(calls), raising=False)
    final = ensure_socialshapes(0, 30, root=tmp_path)
    marker = (final / ".complete").read_text()
    bad = ['{"generator": "socialsh', "[1, 2]", '"socialshapes-7"', json.dumps({"files": ["videos/ss_0000.mp4"]}),
           json.dumps({"files": {"videos/ss_0000.mp4": 550}}), json.dumps({"files": {"judgments.csv": [6, "ab", 1]}}),
           json.dumps({"files": {"judgments.csv": ["6", "ab"]}}), b"\xff\xfe",
           # mutation audit: a digest that is no text, a generator version cut before its number
           json.dumps({"files": {"judgments.csv": [6, None]}}), "socialshapes-"]
    for k, text in enumerate(bad, start=2):
        write = (final / ".complete").write_bytes if isinstance(text, bytes) else (final / ".complete").write_text
        write(text)
        with caplog.at_level(logging.WARNING):
            assert ensure_socialshapes(0, 30, root=tmp_path) == final and len(calls) == k, text
        assert caplog.text.count("is damaged (.complete is not its file list): generating it again") == 1, text
        assert (final / ".complete").read_text() == marker
        caplog.clear()
    assert sorted(p.name for p in tmp_path.iterdir()) == [final.name]


def test_a_cached_benchmark_whose_marker_names_a_file_outside_its_folder_is_generated_again(tmp_path, monkeypatch,
                                                                                          caplog) -> None:
    """A hand-edited ``.complete`` listing ``../x`` or an absolute path (with that file's true size and sha256) was
    taken as intact: the check read a file outside the benchmark and vouched for it; a name with a NUL stopped the
    quickstart with a ValueError traceback from ``stat``. Each is now damage: one warning, generated again."""
    import logging

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes
    from bgs_hf.video.cache import file_sha256

    calls: list[str] = []
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator(calls), raising=False)
    cache = tmp_path / "cache"
    final = ensure_socialshapes(0, 30, root=cache)
    marker = (final / ".complete").read_text()
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"not the benchmark's")
    entry = [outside.stat().st_size, file_sha256(outside)]
    for k, name in enumerate(["../../outside.bin", str(outside), "videos/ss_0000.mp4\x00"], start=2):
        listed = json.loads(marker)
        listed["files"][name] = entry
        (final / ".complete").write_text(json.dumps(listed))
        with caplog.at_level(logging.WARNING):
            assert ensure_socialshapes(0, 30, root=cache) == final and len(calls) == k, name
        assert caplog.text.count("is damaged (.complete is not its file list): generating it again") == 1, name
        assert (final / ".complete").read_text() == marker and outside.is_file()
        caplog.clear()


def test_a_damaged_cache_warns_once_and_a_killed_runs_temp_folder_does_not_block_the_next(tmp_path, monkeypatch,
                                                                                           caplog) -> None:
    """Mutation audit (second pass): the damaged copy named twice (the check before replacing it warned again), and
    a temp folder left under this process id not cleared first, both passed. In a container every run may get the
    same pid, so a run killed mid-generation (no ``finally``) left ``NAME.tmpPID`` that made every rerun fail."""
    import logging
    import os

    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []
    monkeypatch.setattr(synth, "generate_socialshapes", _fake_generator(calls), raising=False)
    final = ensure_socialshapes(0, 30, root=tmp_path / "a")
    (final / "videos" / "ss_0000.mp4").write_bytes(b"cut")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.quickstart"):
        ensure_socialshapes(0, 30, root=tmp_path / "a")
    assert [r.getMessage().count("is damaged") for r in caplog.records] == [1]
    leftover = tmp_path / "b" / f".bgs-partial-{final.name}.tmp-{os.getpid()}"
    (leftover / "videos").mkdir(parents=True)
    (leftover / "videos" / "half.mp4").write_bytes(b"half")
    made = ensure_socialshapes(0, 30, root=tmp_path / "b")
    assert sorted(p.name for p in (made / "videos").iterdir()) == ["ss_0000.mp4"]
    assert sorted(os.listdir(tmp_path / "b")) == [final.name]


def test_a_rerun_removes_every_file_of_the_earlier_run_and_says_what_it_removed_and_kept(tmp_path, caplog) -> None:
    """Mutation audit (third pass): the owned outputs without ``similarity_matrices.png``, and a control run's files
    without ``trainer_state.json``, ``baseline.json`` or ``bgs_config.json`` (each then kept its folder alive and was
    called the user's), all passed: the rerun test built its folder from the very lists it checked. The names here are
    written out by hand: what a quickstart writes in --out, and what a training run writes in its folder."""
    import logging

    from bgs_hf.quickstart import MARKER, _clear_earlier_outputs

    (tmp_path / MARKER).write_text("")
    for name in ("report.json", "report.md", "r2_vs_ceiling.png", "similarity_matrices.png", "bgs/baseline.json",
                 "analyses/evaluation.json", "analyses/test_embeddings.npz", "analyses/attention_2.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("old")
    control = tmp_path / "language_distilled"
    for name in ("README.md", "adapter_config.json", "adapter_model.safetensors", "backbone.safetensors",
                 "base/config.json", "bgs_config.json", "bgs_trainer_state.json", "checkpoint-12/trainer_state.json",
                 "metrics.json", "run_config.json", "trainer_state.json", "training_args.json", "baseline.json"):
        (control / name).parent.mkdir(parents=True, exist_ok=True)
        (control / name).write_text("old")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.quickstart"):
        _clear_earlier_outputs(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER, "bgs"] and not list((tmp_path / "bgs").iterdir())
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path} holds an earlier quickstart run: removing its report.json, report.md, r2_vs_ceiling.png, "
        "similarity_matrices.png, analyses, language_distilled, baseline.json"]
    caplog.clear()
    (control / "checkpoint-3").mkdir(parents=True)
    (control / "my_notes.md").write_text("keep me")
    (control / "plots").mkdir()
    with caplog.at_level(logging.WARNING, logger="bgs_hf.quickstart"):
        _clear_earlier_outputs(tmp_path)
    assert caplog.records[-1].getMessage() == f"{control}: kept my_notes.md, plots (not written by a quickstart)"


def test_a_rerun_removes_a_killed_runs_work_folder_in_its_outputs_without_calling_it_the_users(tmp_path,
                                                                                                 caplog) -> None:
    """A quickstart killed while it wrote its analyses left ``analyses/.bgs-partial-PID``; the rerun warned
    ``analyses: kept .bgs-partial-PID (not written by a quickstart)`` and kept the folder, which the evaluation then
    removed anyway. A dead process's work folder is now removed with the rest; a live process's is still kept."""
    import logging
    import os

    from bgs_hf.quickstart import MARKER, _clear_earlier_outputs

    dead, live = ".bgs-partial-4194305", f".bgs-partial-{os.getppid()}"  # above Linux's largest pid: no such process
    (tmp_path / MARKER).write_text("")
    for name in ("report.json", "analyses/evaluation.json", f"analyses/{dead}/evaluation.json",
                 "language_distilled/metrics.json", f"language_distilled/{dead}/metrics.json",
                 f"language_distilled/{live}/metrics.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("old")
    with caplog.at_level(logging.INFO, logger="bgs_hf"):
        _clear_earlier_outputs(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER, "language_distilled"]
    assert sorted(p.name for p in (tmp_path / "language_distilled").iterdir()) == [live]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[1:] == [f"{tmp_path / 'language_distilled'}: kept {live} (not written by a quickstart)"]
    assert f"removing {tmp_path / 'analyses' / dead}, left by a killed run (process 4194305 is gone)" in caplog.text


@pytest.mark.parametrize("text", ["3", json.dumps(["noise_ceiling_r2", "models", "recipe", "backbone"]), "{not json"])
def test_a_report_json_that_is_no_json_object_is_the_users_and_refused_in_one_line(tmp_path, text) -> None:
    """Mutation audit (third pass): taking any JSON for an object (a bare number then crashed with a TypeError, and a
    list of the report's key names was taken for a quickstart's report and cleared) and an unreadable report.json
    left uncaught (a JSONDecodeError traceback) both passed: every tested report.json was a JSON object."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.quickstart import _clear_earlier_outputs

    (tmp_path / "report.json").write_text(text)
    with pytest.raises(BGSInputError, match="--out is not empty: choose a new or empty folder"):
        _clear_earlier_outputs(tmp_path)
    assert (tmp_path / "report.json").read_text() == text


def test_the_report_records_its_run_folders_and_counts_and_the_figure_draws_each_models_test_matrix(
        tmp_path, monkeypatch, socialshapes_seed3) -> None:
    """Mutation audit (third pass; training and the suite faked): report.json's data, run and analyses folders all
    given as --out, its training-clip count taken from the validation split, its backbone as the registry resolves it
    (not as typed), ``simulated_observers`` always true; the similarity figure's panels left in the clips' own order,
    the fine-tuned panel drawn from the pretrained embeddings, the clustered order with unjudged pairs as 0 (not the
    0.5 of no preference) and its title counting every clip: all passed (only the slow end-to-end run drew the figure).
    Here the same data is read as people's judgments (its simulated ground truth dropped)."""
    from types import SimpleNamespace

    import bgs_hf.data as data_mod
    import bgs_hf.models.registry as registry
    import bgs_hf.quickstart as qs
    import bgs_hf.viz as viz
    from bgs_hf.eval.fit import SplitHumans
    from bgs_hf.eval.suite import TEST_EMBEDDINGS_NAME
    from bgs_hf.metrics import cosine_similarity_matrix

    data_dir, out = socialshapes_seed3, tmp_path / "demo"
    _fake_training_and_suite(monkeypatch, tmp_path)
    load = data_mod.load

    def as_people(*args, **kwargs):
        data = load(*args, **kwargs)
        data.meta.pop("ground_truth", None)
        return data

    drawn: dict = {}
    monkeypatch.setattr(data_mod, "load", as_people)
    monkeypatch.setattr(registry, "get_backbone_spec", lambda name: SimpleNamespace(name=f"/models/{name}"))
    monkeypatch.setattr(viz, "plot_similarity_matrices", lambda mats, path, **kwargs: drawn.update(mats=mats, **kwargs))
    report = qs.run_quickstart(qs.QuickstartConfig(out_dir=str(out), seed=3, data_dir=str(data_dir), backbone="mine",
                                                   n_boot=7, suite=False, language_control=False))
    assert (report["data_dir"], report["run_dir"], report["analyses_dir"]) == (
        str(data_dir), str(out / "bgs"), str(out / "analyses"))
    assert report["backbone"] == "mine" and report["simulated_observers"] is False
    data = as_people(data_dir, seed=3, val_fraction=0.2)
    assert report["n_val_clips"] == len(data.splits["val"]) > 0
    assert report["n_val_judgments"] == len(data.triplets("val"))  # what report.md's training sentence reads
    assert report["n_train_clips"] + report["n_val_clips"] == 48  # 60 clips, 12 of them test
    assert "human p_ij" in (out / "report.md").read_text()

    test = SplitHumans.build(data, "test", seed=3)
    items = test.items
    human = test.human.p[np.ix_(items, items)]
    assert np.isnan(human[~np.eye(len(items), dtype=bool)]).any()  # unjudged pairs: their 0.5 places them
    order = qs._cluster_order(np.nan_to_num(human, nan=0.5))
    emb = np.load(out / "analyses" / TEST_EMBEDDINGS_NAME)
    want = {"humans (p_ij; hatched: pair in no test judgment)": human,
            "pretrained video model (frozen)": cosine_similarity_matrix(emb["pretrained"]),
            "BGS fine-tuned (LoRA)": cosine_similarity_matrix(emb["bgs"])}
    assert list(drawn["mats"]) == list(want)
    for key, matrix in want.items():
        np.testing.assert_array_equal(drawn["mats"][key], qs._percentile_ranks(matrix)[np.ix_(order, order)])
    assert drawn["title"].startswith("Test clips (12), ordered by clustering the humans' matrix; ")
    # every panel's diagonal is hatched (a clip with itself is no pair): said, so it does not read as missing data
    assert drawn["title"].endswith("; the diagonal (each clip with itself) is left out (hatched)")
    assert all(np.isnan(np.diag(m)).all() for m in drawn["mats"].values())


def test_a_suite_row_given_as_tuples_or_flagged_not_collapsed_reads_like_any_other() -> None:
    """Mutation audit (third pass): ``_pick`` turning None to NaN inside lists only (an in-memory row's ``(None, 0.2)``
    CI kept its None, which formats and plots unlike NaN) and a row flagged ``collapsed: false`` reported as collapsed
    both passed: the tested rows held lists and no flag, or a true one."""
    import math

    from bgs_hf.quickstart import _pick

    row = _pick({"r2": 0.1, "r2_ci": (None, 0.2), "pct_of_ceiling": 50.0, "collapsed": False})
    assert math.isnan(row["r2_ci"][0]) and row["r2_ci"][1] == 0.2 and "collapsed" not in row


def test_the_clustered_order_is_average_linkage_which_does_not_chain() -> None:
    """Mutation audit (third pass): single linkage passed (the two-group test clusters alike). Four clips a=0, d=1,
    b=2, c=3 with distances (1 - similarity) a-b 0.1, a-c 0.2, c-d 0.3 and 0.9 elsewhere: single linkage chains c onto
    {a, b} at 0.2 and d onto them at 0.3, leaves [1, 3, 0, 2]; average linkage puts c 0.55 from {a, b} (0.2 and 0.9)
    and d 0.3 from c, so it merges {a, b} at 0.1, {c, d} at 0.3 and then the two: leaves [0, 2, 1, 3]."""
    from bgs_hf.quickstart import _cluster_order

    dist = np.full((4, 4), 0.9)
    np.fill_diagonal(dist, 0.0)
    for i, j, d in ((0, 2, 0.1), (0, 3, 0.2), (1, 3, 0.3)):
        dist[i, j] = dist[j, i] = d
    assert list(_cluster_order(1.0 - dist)) == [0, 2, 1, 3]


def test_the_report_heads_with_its_seed_and_names_backbone_recipe_and_whose_judgments_in_text_and_chart(
        tmp_path, monkeypatch) -> None:
    """Mutation audit (third pass): report.md's title without its seed, its backbone and recipe swapped, its sentence
    that SocialShapes' judgments are simulated observers' (not people's) dropped, a report that records no config
    read as --fast, and the bar chart's title calling simulated judgments human (and people's simulated) all passed."""
    from matplotlib.figure import Figure

    from bgs_hf.quickstart import plot_against_ceiling, render_markdown

    report = {**_report(), "seed": 7, "backbone": "bgs-tiny-conv3d-fg", "recipe": "rsa_only", "n_test_clips": 50,
              "n_test_judgments": 348, "n_test_pairs": 589, "timings_s": {"total_s": 60.0}}
    md = render_markdown({**report, "simulated_observers": True})
    assert md.startswith("# bgs-hf quickstart: toy (seed 7)\n")
    assert "Backbone `bgs-tiny-conv3d-fg`, recipe `rsa_only`. Test split:" in md
    assert "The judgments are SocialShapes' simulated observers, not people." in md
    assert "attribute probes" in md  # no config recorded: the full run's report, not --fast's
    assert "not people" not in render_markdown({**report, "simulated_observers": False})
    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    for simulated in (True, False):
        plot_against_ceiling({**report, "simulated_observers": simulated}, tmp_path / "r2.png")
    assert [fig.axes[0].get_title() for fig in drawn] == [
        "Agreement with simulated observers' odd-one-out judgments (toy)", "Agreement with human odd-one-out judgments (toy)"]


def test_a_training_override_wins_over_the_demos_own_settings(tmp_path, monkeypatch) -> None:
    """Mutation audit (third pass): the quickstart's seed, folder and ``report_to`` set after the caller's
    ``training`` overrides (a ``report_to="tensorboard"`` asked for was silently dropped) passed."""
    import bgs_hf.training.api as api
    from bgs_hf.quickstart import QuickstartConfig, train_bgs_run

    seen = []
    monkeypatch.setattr(api, "train_bgs", lambda config: seen.append(config))
    train_bgs_run(tmp_path / "ss", tmp_path / "demo", QuickstartConfig(seed=4, training={"report_to": "tensorboard"}))
    assert (seen[0].training["report_to"], seen[0].training["seed"]) == ("tensorboard", 4)
    assert "learning_rate" not in seen[0].training  # the given overrides replace the tiny recipe's


def test_a_test_ceiling_of_exactly_zero_is_warned_about_and_gives_no_percentage(tmp_path, monkeypatch, caplog,
                                                                                socialshapes_seed3) -> None:
    """Mutation audit (third pass): the warning that % of ceiling is undefined given for a negative ceiling only (a
    ceiling of 0, which no percentage can divide by either, passed silently) passed: no test run had such a ceiling."""
    import logging

    import bgs_hf.metrics.ceiling as ceiling
    import bgs_hf.quickstart as qs

    _fake_training_and_suite(monkeypatch, tmp_path)
    monkeypatch.setattr(ceiling, "ceiling_or_why", lambda trip, n_clips, **kwargs: (0.0, [-0.1, 0.1], None))
    cfg = qs.QuickstartConfig(out_dir=str(tmp_path / "demo"), seed=3, data_dir=str(socialshapes_seed3),
                              backbone="tiny-random-videomae", n_boot=7, suite=False, language_control=False)
    with caplog.at_level(logging.WARNING, logger="bgs_hf.quickstart"):
        report = qs.run_quickstart(cfg)
    (warning,) = [r.getMessage() for r in caplog.records if "noise ceiling is" in r.getMessage()]
    assert warning.startswith("the test split's noise ceiling is 0.000 (") and "% of ceiling is undefined" in warning
    assert np.isnan(report["pixels"]["pct_of_ceiling"])
    assert "| noise ceiling (split-half; 95% range over splits) | 0.000 [-0.100, 0.100] | – |" in (
        tmp_path / "demo" / "report.md").read_text()



def test_an_undefined_test_ceiling_is_logged_as_n_a_and_its_one_judgment_in_the_singular(caplog) -> None:
    """Mutation audit (quickstart, fourth pass), a bug: a test split of one judgment (no split-half ceiling) was
    logged as `R² = nan [nan, nan]`, where every other line and the report read n/a, and warned of `(1 judgments)`."""
    import logging
    from types import SimpleNamespace

    from bgs_hf.quickstart import QuickstartConfig, _check_test_split

    nan, data = float("nan"), SimpleNamespace(name="toy")
    one = SimpleNamespace(trip=[(0, 1, 2)], ceiling_r2=nan, ceiling_ci=[nan, nan], ceiling_why="one judgment")
    with caplog.at_level(logging.INFO, logger="bgs_hf.quickstart"):
        _check_test_split(QuickstartConfig(), data, one)
    assert [r.getMessage() for r in caplog.records] == [
        "noise ceiling (test, split-half): R² = n/a [n/a, n/a]",
        "the test split's noise ceiling is n/a (1 judgment): % of ceiling is undefined; use more clips or judgments"]
    caplog.clear()
    many = SimpleNamespace(trip=[(0, 1, 2)] * 40, ceiling_r2=0.25, ceiling_ci=[0.1, 0.4], ceiling_why=None)
    with caplog.at_level(logging.INFO, logger="bgs_hf.quickstart"):
        _check_test_split(QuickstartConfig(), data, many)
    assert [r.getMessage() for r in caplog.records] == ["noise ceiling (test, split-half): R² = 0.250 [0.100, 0.400]"]


def test_the_advice_for_a_test_split_without_judgments_counts_the_clips_tried_from_the_ones_asked_for(
        monkeypatch) -> None:
    """Mutation audit (quickstart, fourth pass): the advice when no larger benchmark gives the test split a judgment
    naming ``--clips up to MORE_CLIPS_TRIED`` (the clips tried beyond the count asked for) as the largest count tried
    passed: no test reached that branch."""
    import bgs_hf.synth.generate as generate
    from bgs_hf.quickstart import QuickstartConfig, _more_clips_advice

    cfg = QuickstartConfig(n_clips=40, seed=5)
    monkeypatch.setattr(generate, "more_clips_with_judgments", lambda n_clips, seed, synth: None)
    assert _more_clips_advice(cfg) == (f"another --seed (no --clips up to {40 + generate.MORE_CLIPS_TRIED} gives it a "
                                       "judgment at --seed 5)")
    monkeypatch.setattr(generate, "more_clips_with_judgments", lambda n_clips, seed, synth: (45, {"test": 1}))
    assert _more_clips_advice(cfg) == "more clips: at --seed 5, --clips 45 gives it 1 judgment (checked on its drawn design)"


def test_only_a_collapsed_models_zero_accuracy_is_called_no_answer() -> None:
    """Mutation audit (third pass): the "no answer" note written under the table for every model shown passed (the
    collapsed-model test looked only for the collapsed row's note): with the fine-tuned row alone collapsed, its note
    is the one, and a table with none collapsed has none."""
    from bgs_hf.quickstart import format_table

    collapsed = {**_report()["models"]["bgs"], "collapsed": True}
    notes = [line for line in format_table({**_report(), "models": {**_report()["models"], "bgs": collapsed}})
             .splitlines() if "no answer" in line]
    assert len(notes) == 1 and notes[0].startswith("*BGS fine-tuned (LoRA): its embeddings do not differ")
    assert "no answer" not in format_table(_report())


def _make_recipe(target: str) -> list[str]:
    """The command lines of a Makefile target (tab-indented lines after ``target:``)."""
    lines = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


_FAULTS = """
import resource, numpy as np
for _ in range(2):  # the first rounds fault their pages in whatever the setting
    a, b = np.ones(8 * 2**20), np.ones(8 * 2**20); del a, b
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):  # 2 x 64 MiB a round, as a step's activations: above glibc's largest default mmap threshold
    a, b = np.ones(8 * 2**20), np.ones(8 * 2**20); del a, b
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_make_demo_keeps_freed_memory_in_the_heap_so_steps_do_not_fault_it_in_again() -> None:
    """glibc gives a freed block of over 32 MiB back to the kernel, so each of the demo's training steps faulted its
    activations in again page by page (a quarter of its CPU time in the kernel); `make demo` runs the quickstart with
    the tunables that keep it, and they do: 20 rounds of two 64 MiB arrays fault again every round without them."""
    import ctypes
    import os
    import re
    import subprocess
    import sys

    try:
        ctypes.CDLL("libc.so.6").gnu_get_libc_version  # noqa: B018 - glibc only: others ignore GLIBC_TUNABLES
    except (OSError, AttributeError):
        pytest.skip("not glibc")
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^MALLOC_TUNABLES\s*:?=\s*(\S+)\s*$", makefile, re.M)
    assert found, "the Makefile sets no MALLOC_TUNABLES"
    quickstart = [line for line in _make_recipe("demo") if "bgs-hf quickstart" in line]
    assert quickstart and "GLIBC_TUNABLES=" in quickstart[0] and "$(MALLOC_TUNABLES)" in quickstart[0]

    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}

    def faults(extra: dict[str, str]) -> int:
        out = subprocess.run([sys.executable, "-c", _FAULTS], env={**env, **extra}, capture_output=True, text=True,
                             check=True)
        return int(out.stdout.strip())

    plain, tuned = faults({}), faults({"GLIBC_TUNABLES": found.group(1)})
    # without: every round faults its arrays in again (about 21,000 faults here, fewer than their 655,360 4-KiB pages
    # where the kernel backs them with huge pages); with: the heap's pages are reused, next to none
    assert plain >= 20 * 100, plain
    assert tuned * 10 < plain, (tuned, plain)


@pytest.mark.parametrize(("given", "line"), [
    ({"seed": True}, "QuickstartConfig.seed must be a whole number, got True"),
    ({"seed": 1.5}, "QuickstartConfig.seed must be a whole number, got 1.5"),
    ({"seed": -1}, "QuickstartConfig.seed must be >= 0, got -1"),
    ({"n_clips": 2.5}, "QuickstartConfig.n_clips must be a whole number, got 2.5"),
    ({"n_clips": "250"}, "QuickstartConfig.n_clips must be a whole number, got '250'"),
    ({"n_boot": 2.5}, "QuickstartConfig.n_boot must be a whole number, got 2.5"),
    ({"n_boot": 0}, "QuickstartConfig.n_boot must be >= 1, got 0"),
])
def test_a_quickstart_count_that_is_no_whole_number_is_one_line_naming_it(given, line):
    """Built from Python they were taken as given and refused, if at all, by whichever step used them first (n_boot
    2.5 by the first bootstrap, after training). The default config and a whole float or numpy integer are as before."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.quickstart import QuickstartConfig

    with pytest.raises(BGSInputError) as caught:
        QuickstartConfig(**given)
    assert str(caught.value) == line
    assert (QuickstartConfig().seed, QuickstartConfig().n_clips, QuickstartConfig().n_boot) == (0, 250, 1000)
    got = QuickstartConfig(seed=np.int64(3), n_clips=80.0, n_boot=np.int32(20))
    assert (got.seed, got.n_clips, got.n_boot) == (3, 80, 20) and {type(got.seed), type(got.n_clips)} == {int}


def test_report_md_figures_have_alt_text_that_says_what_their_marks_mean() -> None:
    """Seen in a visual review: report.md's figures were "R² against the noise ceiling" and "similarity matrices", alt
    text that names neither the error bars (CIs), the ceiling's line and band, whose matrices the panels are, nor that
    they are drawn as ranks on one scale: a reader who cannot see the figures learnt nothing of them."""
    import re

    from bgs_hf.quickstart import render_markdown

    base = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 50, "n_test_judgments": 348,
            "n_test_pairs": 589, "timings_s": {"total_s": 60.0}, "config": {"suite": True, "n_boot": 1000}}
    for simulated, whose in ((True, "simulated observers' p_ij"), (False, "humans' p_ij")):
        alts = dict((f, a) for a, f in re.findall(r"!\[([^\]]*)\]\(([^)]+\.png)\)",
                                                   render_markdown({**base, "simulated_observers": simulated})))
        assert set(alts) == {"r2_vs_ceiling.png", "similarity_matrices.png"}
        bars = alts["r2_vs_ceiling.png"]
        assert "95% bootstrap CI" in bars and "dashed line" in bars and "grey band" in bars and "split-halves" in bars
        panels = alts["similarity_matrices.png"]
        assert "one colour scale" in panels and "percentile ranks" in panels
        assert panels.endswith(f"{whose}, pretrained video model (frozen), BGS fine-tuned (LoRA)")


def test_the_quickstarts_training_runs_and_suite_compute_each_clips_foreground_stream_once_and_keep_none(
        tmp_path, monkeypatch, foreground_streams_computed) -> None:
    """The default backbone's foreground stream is a fixed function of a clip's pixels, and the quickstart's two
    training runs (BGS and its language-distilled control) and its suite embed the same clips: each run computed
    every training clip's stream again in its first epoch, and the suite the test clips' streams the runs had. One
    cache for the quickstart (``stream_cache_scope``): each distinct clip computed once, and no model keeps a cache
    once the quickstart returns or fails."""
    import gc

    import torch

    import bgs_hf.quickstart as quickstart
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel, scoped_stream_cache
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data_dir = generate_socialshapes(tmp_path / "ss", n_clips=20, config=SynthConfig(size=32, num_frames=8, workers=1))
    torch.manual_seed(0)
    BGSConv3dModel(BGSConv3dConfig(widths=[4, 8], temporal_strides=[1, 2], num_frames=8, image_size=32,
                                   input_stream="foreground", foreground_max_shift=1,
                                   foreground_border=2)).save_pretrained(tmp_path / "base")
    computed = foreground_streams_computed
    runs: list[object] = []

    def control(cfg, data_dir, out, data, *_: object) -> dict[str, object]:
        """The control's second training run on the same clips (the suite skips scoring it, as ``--fast`` does)."""
        runs.append(quickstart.train_bgs_run(data_dir, out, cfg, data=data, name="language_distilled"))
        return {}

    monkeypatch.setattr(quickstart, "_train_language_control", control)
    cfg = quickstart.QuickstartConfig(
        out_dir=str(tmp_path / "demo"), data_dir=str(data_dir), backbone=str(tmp_path / "base"), n_boot=5,
        suite=False, val_fraction=0.0, training={"num_train_epochs": 1, "save_strategy": "no", "eval_strategy": "no",
                                                 "use_cpu": True, "per_device_eval_batch_size": 4})
    quickstart.run_quickstart(cfg)
    assert len(runs) == 1
    # each of the 20 clips once (was 44: each run's 16 training clips and 4 test clips, and the suite's 4 test
    # clips once more)
    assert len(computed) == len(set(computed)) == 20, (len(computed), len(set(computed)))

    def caches() -> list[object]:
        gc.collect()
        return [m._stream_cache for m in gc.get_objects() if isinstance(m, BGSConv3dModel)
                if m._stream_cache is not None]

    assert scoped_stream_cache() is None and caches() == []

    def failing(*_: object, **__: object) -> None:
        seen.append(scoped_stream_cache())
        raise RuntimeError("the suite failed")

    seen: list[object] = []
    monkeypatch.setattr(quickstart, "_train_language_control", lambda *a: {})
    monkeypatch.setattr("bgs_hf.eval.run_suite", failing)
    with pytest.raises(RuntimeError, match="the suite failed"):
        quickstart.run_quickstart(cfg)
    (scope,) = seen
    assert scope is not None and len(scope) == 0 and scope.nbytes == 0  # filled by the run, emptied on the error
    assert scope.max_bytes == 1024 * 2**20  # --memory_cache_mb's default, 1024 MiB (mutation audit: 1 MiB passed)
    assert scoped_stream_cache() is None and caches() == []


def test_report_md_says_which_seed_drew_its_ceiling_in_the_model_cards_words() -> None:
    """report.md showed the noise ceiling without the seed that drew its split-halves, so two quickstarts of one
    `--data` at other `--seed`s showed two ceilings of the same judgments with no reason given; the model card said
    it. The line below the table now says it in the card's sentence (and, for a seed other than 0, that `data stats`
    and a dataset card draw seed 0); a ceiling never estimated has no seed said of it."""
    from bgs_hf.quickstart import render_markdown

    base = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 12, "n_test_judgments": 30,
            "n_test_pairs": 40, "timings_s": {"total_s": 60.0}, "config": {"suite": True}}
    lines = render_markdown(base).splitlines()
    said = ("The ceiling's split-halves were drawn with seed 0, the quickstart's `--seed`, also its BGS run's "
            "training seed, as `bgs-hf evaluate` of that run draws them.")
    at = lines.index(said)
    row = next(i for i, line in enumerate(lines) if line.startswith("| noise ceiling (split-half; 95% range "))
    assert row < at < next(i for i, line in enumerate(lines) if line.startswith("![")), lines
    assert lines[at - 1] == lines[at + 1] == "", lines  # a paragraph of its own below the table
    other = render_markdown({**base, "seed": 3})
    assert ("The ceiling's split-halves were drawn with seed 3, the quickstart's `--seed`, also its BGS run's "
            "training seed, as `bgs-hf evaluate` of that run draws them; a dataset card and `bgs-hf data stats` draw "
            "them with seed 0 (`bgs-hf data stats --seed N` with N; `data export`/`data push --seed` is the "
            "train/test draw's), so they can state a slightly different ceiling for the same judgments.\n") in other
    for undefined in (float("nan"), None):
        assert "split-halves were drawn" not in render_markdown({**base, "noise_ceiling_r2": undefined,
                                                                   "noise_ceiling_ci": [None, None]})
    assert "split-halves were drawn with seed 0" in render_markdown({**base, "noise_ceiling_r2": -0.086})


def test_report_mds_seed_line_is_a_paragraph_of_its_own_above_the_training_sentence() -> None:
    """Mutation audit of e88874a: the blank line after the ceiling's seed sentence dropped passed, as the test above
    renders a report with no training counts (no training sentence, whose own blank line stood in). The demo's
    report.md has one: the seed sentence and "BGS was trained on ..." were one Markdown paragraph."""
    from bgs_hf.quickstart import render_markdown

    report = {**_report(), "seed": 0, "backbone": "b", "recipe": "r", "n_test_clips": 12, "n_test_judgments": 30,
              "n_test_pairs": 40, "timings_s": {"total_s": 60.0}, "config": {"suite": True},
              "n_train_clips": 150, "n_train_judgments": 900, "n_val_clips": 0}
    lines = render_markdown(report).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("The ceiling's split-halves were drawn with seed 0,"))
    assert lines[at - 1] == lines[at + 1] == "", lines
    assert lines[at + 2].startswith("BGS was trained on all 150 non-test clips (900 judgments)"), lines
