"""What the CLI's own help says must match what the code does (the help is the first documentation people read)."""

from __future__ import annotations

import pytest

from bgs_hf.cli.main import main


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The help text of ``bgs-hf ARGV --help`` with all whitespace removed (argparse wraps at hyphens)."""
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return "".join(capsys.readouterr().out.split())


def test_evaluate_help_names_the_language_model_the_paper_used(capsys):
    from bgs_hf.baselines.language import MODEL_ALIASES, PAPER_LANGUAGE_MODEL

    text = _help(["evaluate"], capsys)
    assert PAPER_LANGUAGE_MODEL.split("/")[-1] in text  # paraphrase-multilingual-mpnet-base-v2
    assert "all-mpnet-base-v2" not in text  # a different model, never used by the paper
    assert MODEL_ALIASES["mpnet"] == PAPER_LANGUAGE_MODEL and "'mpnet'" in text


def test_data_stats_help_says_the_seed_draws_the_ceiling_split_halves(capsys):
    # `quickstart --seed S` and `data stats --seed S` print the same ceiling only because the seed draws the
    # split-halves; the help must say so, or a reader comparing the two tables sees different ceilings
    assert "noiseceiling'ssplit-halves" in _help(["data", "stats"], capsys)
    assert "split-halves" not in _help(["data", "export"], capsys)


def test_a_card_pushed_with_include_base_says_the_base_ships_in_the_repo(tmp_path):
    # README: "A run trained from a local base-model folder is published with --include-base (its weights go in
    # base/)"; the card named the base only by its folder name, with no word that its weights are in base/
    import json

    import torch
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.hub import push_run
    from bgs_hf.models import HeadConfig, LoraSettings, build_embedder

    torch.manual_seed(0)
    base_dir = tmp_path / "my-videomae"
    VideoMAEModel(VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                                 num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)).save_pretrained(
        base_dir)
    run = tmp_path / "run"
    build_embedder(str(base_dir), head=HeadConfig(out_dim=8), lora=LoraSettings(r=2, alpha=4)).save_pretrained(
        str(run))
    (run / "metrics.json").write_text(json.dumps({"test": {"r2": 0.05, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6}}))
    result = push_run(run, "tester/local-base", local_dir=tmp_path / "out", include_base=True)
    assert "base/model.safetensors" in result.files
    base_row = next(line for line in (tmp_path / "out" / "README.md").read_text().splitlines()
                    if line.startswith("| Base model |"))
    assert "`my-videomae`" in base_row and "weights shipped in `base/`" in base_row
