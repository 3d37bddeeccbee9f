"""The quickstart's plumbing: benchmark caching and one end-to-end run on a tiny instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_benchmark_cache_is_reused_and_never_touches_its_siblings(tmp_path, monkeypatch) -> None:
    import bgs_hf.synth as synth
    from bgs_hf.quickstart import ensure_socialshapes

    calls: list[str] = []

    def fake(kind: str):
        def gen(out, **kwargs):
            calls.append(kind)
            Path(out).mkdir(parents=True)
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


@pytest.mark.slow
def test_quickstart_end_to_end_on_a_tiny_instance(tmp_path, monkeypatch) -> None:
    from bgs_hf.quickstart import MODEL_KEYS, QuickstartConfig, format_table, run_quickstart

    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    cfg = QuickstartConfig(out_dir=str(tmp_path / "demo"), n_clips=80, backbone="tiny-random-videomae", n_boot=20,
                           suite=False, language_control=False, val_fraction=0.0,  # the default's procedure
                           training={"num_train_epochs": 1, "save_strategy": "no", "eval_strategy": "no"})
    report = run_quickstart(cfg)
    assert (report["n_val_clips"], report["n_train_clips"]) == (0, 64)  # 80 clips, 16 of them test
    assert "trained on all 64 non-test clips" in (tmp_path / "demo" / "report.md").read_text()
    saved = json.loads((tmp_path / "demo" / "report.json").read_text())
    for key in MODEL_KEYS:
        for field in ("r2", "r2_ci", "pct_of_ceiling", "ooo_acc_3way", "ooo_acc_2way"):
            assert field in saved[key], (key, field)
        assert saved[key]["r2"] == pytest.approx(report["models"][key]["r2"])
        assert 0.0 <= saved[key]["ooo_acc_3way"] <= 1.0
    assert saved["noise_ceiling_r2"] == pytest.approx(report["noise_ceiling_r2"])
    for png in ("r2_vs_ceiling.png", "similarity_matrices.png"):
        assert (tmp_path / "demo" / png).stat().st_size > 1000
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
