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


# ---- every flag the user-facing docs show exists where they show it --------------------------------------------

_DOCS = ["README.md", "spaces/bgs-demo/README.md", "bgs_hf/assets/bgs-tiny-conv3d-fg/README.md",
         "bgs_hf/assets/bgs-tiny-conv3d/README.md", "bgs_hf/assets/bgs-tiny-videomae/README.md"]
# flags of other programs the docs show beside ours (accelerate launch, torchrun, pip, `duplicates`)
_OTHER_PROGRAMS = {"--multi_gpu", "--num_processes", "--num_machines", "--mixed_precision", "--dynamo_backend",
                   "--machine_rank", "--main_process_ip", "--main_process_port", "--cpu", "--standalone",
                   "--nproc_per_node", "--index-url", "--change"}
_FLAG = r"--[A-Za-z][A-Za-z0-9_-]*"


def _doc_text(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / name).read_text(encoding="utf-8")


def _commands(text: str) -> list[tuple[list[str], list[str]]]:
    """``(command path, flags)`` of every bgs-hf / ``-m bgs_hf.train`` command in fenced blocks and inline code,
    with continuation lines joined, comments dropped and ``$VAR`` replaced by its ``VAR="..."`` value."""
    import re
    import shlex

    pieces, block, prose = [], None, []
    for line in text.splitlines():
        if line.startswith("```"):
            if block is not None:
                pieces.append("\n".join(block))
            block = [] if block is None else None
        elif block is not None:
            block.append(line)
        else:
            prose.append(line)
    pieces += [m for m in re.findall(r"`([^`\n]+)`", "\n".join(prose)) if m.startswith(("bgs-hf ", "python -m"))]
    found = []
    for piece in pieces:
        variables: dict[str, str] = {}
        for line in piece.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*", "", line.removeprefix("$ "))
            for name, value in re.findall(r'^\s*([A-Z_]+)="([^"]*)"', line):
                variables[name] = value
            for name, value in variables.items():
                line = line.replace(f"${name}", value)
            for segment in re.split(r"&&|;|\|\|?", line):
                try:
                    tokens = shlex.split(segment)
                except ValueError:
                    continue
                if "bgs_hf.train" in tokens:
                    path, rest = ["train"], tokens[tokens.index("bgs_hf.train") + 1:]
                elif "bgs-hf" in tokens:
                    rest = tokens[tokens.index("bgs-hf") + 1:]
                    if not rest or rest[0].startswith("-"):
                        continue
                    depth = 2 if rest[0] in ("data", "baseline") and len(rest) > 1 else 1
                    path, rest = rest[:depth], rest[depth:]
                else:
                    continue
                flags = [t.split("=")[0] for t in rest if re.fullmatch(_FLAG + r"(=.*)?", t)]
                found.append((path, flags))
    return found


def _help_flags(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> set[str]:
    import re

    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0, f"bgs-hf {' '.join(path)} --help failed"
    return set(re.findall(_FLAG, capsys.readouterr().out))


@pytest.mark.parametrize("doc", _DOCS)
def test_every_flag_a_doc_command_uses_is_in_that_commands_help(doc, capsys):
    commands = _commands(_doc_text(doc))
    helps: dict[tuple[str, ...], set[str]] = {}
    missing = []
    for path, flags in commands:
        key = tuple(path)
        if key not in helps:
            helps[key] = _help_flags(key, capsys)
        missing += [f"bgs-hf {' '.join(path)} {flag}" for flag in flags if flag not in helps[key]]
    assert not missing, f"{doc} shows flags that `--help` does not list: {missing}"


def test_every_flag_the_readme_names_belongs_to_some_command(capsys):
    """Prose flags (`--val_fraction 0`, `--include-base`, `--rt-ms`...) have no command beside them: each must be
    in at least one command's --help (or be accelerate's, torchrun's or pip's)."""
    import re

    paths = [("quickstart",), ("synth",), ("train",), ("evaluate",), ("report",), ("pretrain-tiny",), ("push",),
             ("space",), ("baseline", "language"), ("baseline", "pixels"),
             *[("data", a) for a in ("stats", "validate", "export", "import", "push")]]
    known = set().union(*(_help_flags(p, capsys) for p in paths)) | _OTHER_PROGRAMS
    named = {f for doc in _DOCS for f in re.findall(_FLAG, _doc_text(doc))}
    assert named - known == set()


_ALL_DOCS = [*_DOCS, "ARCHITECTURE.md", "DEVELOPERS.md", "docs/CONTRACTS.md", "hub_cards/model_card.md.j2",
             "hub_cards/dataset_card.md.j2"]


def _resolve(dotted: str) -> object:
    """``bgs_hf.a.b.name`` -> the object: the longest importable module prefix, then attributes."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("doc", _ALL_DOCS)
def test_every_module_path_and_name_a_doc_gives_exists(doc):
    """`bgs_hf/x/y.py`, `bgs_hf.x.y.name` and ARCHITECTURE's bare `name.py` in code spans must be real (a
    renamed module or function leaves the docs pointing at nothing)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spans = re.findall(r"`([^`]+)`", _doc_text(doc))
    missing = []
    for span in spans:
        for path in re.findall(r"\bbgs_hf/[A-Za-z0-9_./-]*[A-Za-z0-9_]", span):
            if "{" not in path and not (root / path).exists():
                missing.append(path)
        for dotted in re.findall(r"\bbgs_hf(?:\.[A-Za-z_][A-Za-z0-9_]*)+", span):
            try:
                _resolve(dotted)
            except (ImportError, AttributeError):
                missing.append(dotted)
        for bare in re.findall(r"^([a-z_0-9]+\.py)\b", span):
            if not any((root / "bgs_hf").rglob(bare)):
                missing.append(bare)
    assert not missing, f"{doc} names what does not exist: {missing}"
