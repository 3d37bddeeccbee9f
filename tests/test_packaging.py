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
             if ln.strip() and not ln.startswith("#")]
    assert space
    for req in space:
        name = re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower()
        assert declared.get(name) == req.replace(" ", ""), (req, declared.get(name))
