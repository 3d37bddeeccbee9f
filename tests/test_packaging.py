"""A regular (non-editable) install carries everything the commands read: the card and Space templates live at
the repository's top level, outside the package, and used to be missing from the wheel."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("setuptools")
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src")  # pip builds in the source folder: keep build/ out of the checkout
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_bundled", "*.egg-info")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("bgs_hf", "hub_cards", "spaces/bgs-demo"):
        shutil.copytree(ROOT / folder, src / folder, ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", str(src), "--no-deps", "--no-build-isolation",
                    "-w", str(out)], check=True, capture_output=True)
    (whl,) = out.glob("bgs_hf-*.whl")
    return whl


def test_wheel_bundles_the_card_and_space_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"bgs_hf/_bundled/hub_cards/{p.name}" for p in (ROOT / "hub_cards").iterdir()}
    expected |= {f"bgs_hf/_bundled/space/{p.name}" for p in (ROOT / "spaces" / "bgs-demo").iterdir() if p.is_file()}
    assert expected <= names, sorted(expected - names)
    assert any(n.startswith("bgs_hf/assets/bgs-tiny-conv3d-fg/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)  # Apache-2.0 text, not just its name


def test_installed_wheel_finds_its_templates(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    probe = (
        "import bgs_hf.paper as p, bgs_hf.hub.space_app as s;"
        "from bgs_hf.hub.card import CARDS_DIR; from bgs_hf.data.hub import TEMPLATE;"
        f"assert p.__file__.startswith({str(site)!r}), p.__file__;"
        "assert TEMPLATE.is_file() and (CARDS_DIR / 'model_card.md.j2').is_file();"
        "assert all((s.SPACE_TEMPLATE / n).is_file() for n in s.SPACE_FILES);"
        "print(CARDS_DIR, s.SPACE_TEMPLATE)"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "_bundled/hub_cards" in run.stdout and "_bundled/space" in run.stdout


def test_the_space_requirements_use_the_package_floors() -> None:
    """The Space installs its own requirements (bgs_hf is copied beside app.py): a floor raised in one file
    only (transformers 5.5.1, torch 2.6, huggingface_hub 1.4) would let the Space run on a version that breaks."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    declared = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower(): d.replace(" ", "")
                for d in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]}
    space = [ln.strip() for ln in (root / "spaces/bgs-demo/requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith(("#", "-"))]  # "-" lines: pip options (the CPU torch index)
    assert space
    for req in space:
        name = re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower()
        assert declared.get(name) == req.replace(" ", ""), (req, declared.get(name))


def test_the_space_front_matter_matches_the_package() -> None:
    """The Space's README front matter is what Hugging Face builds from: gradio at the version the package is
    tested with (the `space` extra's floor), the launcher, the package's licence, and a Python the package
    supports and is tested on. Without `python_version` a Space runs Python 3.10, where pip resolves older
    transformers, numpy, pandas and av than any test ran with."""
    import tomllib
    from huggingface_hub import SpaceCard
    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    card = SpaceCard.load(ROOT / "spaces/bgs-demo/README.md").data
    (gradio,) = [d for d in project["optional-dependencies"]["space"] if d.startswith("gradio>")]
    floor = re.search(r">=([\d.]+)", gradio).group(1)
    assert card.sdk == "gradio" and str(card.sdk_version).startswith(floor), (card.sdk_version, gradio)
    assert (ROOT / "spaces/bgs-demo" / card.app_file).is_file()
    assert card.license == project["license"].lower()
    assert card.python_version, "no python_version: the Space would run Python 3.10"
    version = str(card.python_version)
    assert version in SpecifierSet(project["requires-python"])
    assert tuple(int(v) for v in version.split(".")[:2]) >= (3, 11), version  # what the dev setup runs


def test_the_space_installs_the_cpu_build_of_torch() -> None:
    """The Space embeds on the CPU (nothing in bgs_hf.hub.space_app moves a model to a GPU), but a bare
    `torch>=2.6` pulls the CUDA build from PyPI on Linux: gigabytes of nvidia-* wheels on every Space build."""
    lines = [ln.strip() for ln in (ROOT / "spaces/bgs-demo/requirements.txt").read_text().splitlines()]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "cuda" not in (ROOT / "bgs_hf/hub/space_app.py").read_text().lower()
