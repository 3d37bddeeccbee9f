"""Safe loading (issue 9 item 3): a static scan of the package for unsafe deserialisation and hard-coded remote
code, plus the loader's warnings when a saved model meets other library versions or another base model."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bgs_hf"


def _name(node: ast.AST) -> str:
    """Dotted name of a call target: ``torch.load``, ``pickle.loads``, ``np.load``, ``eval``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_calls(source: str, filename: str = "<src>") -> list[str]:
    """Every unsafe pattern in ``source`` as ``file:line: what``."""
    found: list[str] = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            last = name.rsplit(".", 1)[-1]
            why = None
            if name.endswith("torch.load") or name == "load" and _kw(node, "weights_only") is not None:
                if not _is_true(_kw(node, "weights_only")):
                    why = "torch.load without weights_only=True"
            elif name.split(".")[0] in ("pickle", "cPickle", "dill", "cloudpickle", "joblib") and last.startswith("load"):
                why = f"{name} unpickles"
            elif last == "read_pickle":
                why = "pandas.read_pickle unpickles"
            elif last == "load" and _is_true(_kw(node, "allow_pickle")):
                why = "np.load(allow_pickle=True)"
            elif name in ("yaml.load", "yaml.unsafe_load", "yaml.full_load"):
                why = f"{name} (use yaml.safe_load)"
            elif name in ("eval", "exec"):
                why = f"{name}() on text"
            if _is_true(_kw(node, "trust_remote_code")):
                why = "trust_remote_code=True hard-coded"
            if why:
                found.append(f"{filename}:{node.lineno}: {why}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.args + node.args.kwonlyargs
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + node.args.defaults
            defaults += node.args.kw_defaults
            for arg, default in zip(args, defaults):
                if arg.arg == "trust_remote_code" and default is not None and not (
                    isinstance(default, ast.Constant) and default.value is False
                ):
                    found.append(f"{filename}:{node.lineno}: {node.name}(trust_remote_code=...) must default to False")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id == "trust_remote_code" and "False" not in ast.unparse(node.value or ast.Constant(None)):
                found.append(f"{filename}:{node.lineno}: dataclass field trust_remote_code must default to False")
    return found


def test_scanner_catches_each_pattern() -> None:
    """The scan must be able to fail: every pattern in a planted snippet is reported."""
    planted = (
        "import torch, pickle, numpy as np, yaml, pandas as pd\n"
        "torch.load('x.pt')\n"
        "torch.load('x.pt', weights_only=False)\n"
        "pickle.loads(b'')\n"
        "np.load('a.npy', allow_pickle=True)\n"
        "pd.read_pickle('f')\n"
        "yaml.load('a')\n"
        "eval('1')\n"
        "f(trust_remote_code=True)\n"
        "def g(trust_remote_code=True): ...\n"
        "torch.load('ok.pt', weights_only=True)\n"
        "np.load('ok.npy', allow_pickle=False)\n"
        "yaml.safe_load('a')\n"
        "def h(trust_remote_code: bool = False): ...\n"
    )
    found = unsafe_calls(planted)
    assert sorted(int(f.split(":")[1]) for f in found) == list(range(2, 11)), found


def test_package_has_no_unsafe_loading_or_hard_coded_remote_code() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    found = [f for p in files for f in unsafe_calls(p.read_text(encoding="utf-8"), str(p.relative_to(PACKAGE.parent)))]
    assert found == [], "\n".join(found)


def private_imports(source: str, module: str, is_module: Callable[[str], bool],
                    filename: str = "<src>") -> list[str]:
    """Every private name (``_x``, not a module) one module of the package takes from another: ``from
    bgs_hf.m import _x`` and ``m._x`` on an imported module, as ``file:line: bgs_hf.m._x``. ``module``: this file's
    dotted name (``bgs_hf.a.b``; a package's ``__init__`` as ``bgs_hf.a.__init__``, for relative imports);
    ``is_module``: whether a dotted name is a module."""
    found: list[str] = []
    package = module.rsplit(".", 1)[0]
    modules: dict[str, str] = {}  # local name -> bgs_hf module it is bound to

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            if not base.startswith("bgs_hf"):
                continue
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if is_module(target):
                    modules[alias.asname or alias.name] = target
                elif private(alias.name) and base != module:
                    found.append(f"{filename}:{node.lineno}: {target}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("bgs_hf") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules and modules[node.value.id] != module):
            target = f"{modules[node.value.id]}.{node.attr}"
            if not is_module(target):
                found.append(f"{filename}:{node.lineno}: {target}")
    return found


def _is_package_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_private_import_scan_can_fail() -> None:
    planted = (
        "from bgs_hf.video.decode import _reason, check_video\n"
        "from bgs_hf.video import decode as _decode\n"
        "from ..models.registry import _config_class\n"
        "from . import _args\n"
        "from bgs_hf import __version__\n"
        "from .space import _local_helper\n"
        "_decode._reason(None)\n"
        "_decode.check_video\n"
    )
    found = private_imports(planted, "bgs_hf.cli.space", _is_package_module)
    assert found == ["<src>:1: bgs_hf.video.decode._reason", "<src>:3: bgs_hf.models.registry._config_class",
                     "<src>:7: bgs_hf.video.decode._reason"], found


def test_no_module_uses_another_modules_private_names() -> None:
    """``_hub_unreachable``, ``_json_safe``, ``decode._reason`` ... were private by name and shared in fact: a
    reader of their home module could not tell that renaming or changing one would break another module."""
    files = sorted(PACKAGE.rglob("*.py"))
    found = []
    for p in files:
        rel = p.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        found += private_imports(p.read_text(encoding="utf-8"), module, _is_package_module, str(rel))
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    from bgs_hf.models import LoraSettings, build_embedder

    out = tmp_path_factory.mktemp("model")
    build_embedder("tiny-random-videomae", lora=LoraSettings(r=2)).save_pretrained(str(out))
    return out


def test_no_pickled_weights_are_written(saved: Path) -> None:
    """A saved model folder holds safetensors and JSON only (no .bin/.pt/.pkl), and loads back."""
    from bgs_hf.models import load_model

    suffixes = {p.suffix for p in saved.rglob("*") if p.is_file()}
    assert ".safetensors" in suffixes and suffixes <= {".safetensors", ".json", ".md", ".txt"}, suffixes
    assert load_model(saved) is not None


def _copy_with(saved: Path, dst: Path, edit) -> Path:  # noqa: ANN001
    import shutil

    shutil.copytree(saved, dst)
    edit(dst)
    return dst


def _edit_json(path: Path, fn) -> None:  # noqa: ANN001
    cfg = json.loads(path.read_text())
    fn(cfg)
    path.write_text(json.dumps(cfg))


def test_load_model_warns_on_a_transformers_version_mismatch(saved: Path, tmp_path: Path, caplog) -> None:
    """(The peft case is test_models.py::test_load_model_warns_on_version_mismatch.)"""
    from bgs_hf.models import load_model

    with caplog.at_level(logging.WARNING, logger="bgs_hf.models.loading"):
        load_model(saved)
    assert "was saved with" not in caplog.text  # control: same versions, no warning
    folder = _copy_with(saved, tmp_path / "m", lambda d: _edit_json(
        d / "bgs_config.json", lambda c: c["versions"].update(transformers="3.0.0")))
    with caplog.at_level(logging.WARNING, logger="bgs_hf.models.loading"):
        load_model(folder)
    assert "saved with transformers 3.0.0" in caplog.text


def test_load_model_warns_when_the_adapter_names_another_base(saved: Path, tmp_path: Path, caplog) -> None:
    from bgs_hf.models import load_model

    folder = _copy_with(saved, tmp_path / "m", lambda d: _edit_json(
        d / "adapter_config.json", lambda c: c.update(base_model_name_or_path="someone/other-base")))
    with caplog.at_level(logging.WARNING, logger="bgs_hf.models.loading"):
        load_model(folder)
    assert "adapter was trained on someone/other-base" in caplog.text


def test_remote_code_is_off_unless_asked(saved: Path, monkeypatch) -> None:
    """Loading a Hub-id base passes trust_remote_code=False unless the caller passes True."""
    from bgs_hf.models import loading

    seen: list[object] = []

    class Boom(Exception):
        pass

    def fake_from_pretrained(name, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.append(kwargs.get("trust_remote_code"))
        raise Boom

    cfg = loading.read_bgs_config(saved)
    cfg["backbone"].update(source="hub", base_folder=None, name="someone/video-model")
    monkeypatch.setattr(loading, "read_bgs_config", lambda folder: cfg)
    monkeypatch.setattr(loading, "config_class", lambda family: type("C", (), {
        "from_pretrained": staticmethod(fake_from_pretrained)}))
    for flag in (False, True):
        with pytest.raises(Boom):
            loading.load_base(saved, trust_remote_code=flag)
    assert seen == [False, True]
