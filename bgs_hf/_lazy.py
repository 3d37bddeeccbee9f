"""Lazy package exports: ``import bgs_hf.video`` stays light until a name that needs torch or PyAV is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

#: ``exports[name]`` for a subpackage reached as an attribute (``bgs_hf.models`` after a bare ``import bgs_hf``)
SUBPACKAGE = ""


def lazy_exports(package: str, exports: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<exports[name]>`` on first use and caches the name
    (``SUBPACKAGE``: the subpackage ``package.<name>`` itself)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if module == SUBPACKAGE:
            value = importlib.import_module(f"{package}.{name}")
        else:
            value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__


def lazy_dir(exports: dict[str, str], namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """A module ``__dir__`` that lists the lazy names too, so ``dir()`` and tab completion show them before their
    first use (without it a lazy package looked empty of its own API), importing nothing. It lists the public API
    only: ``__all__``, the lazy names, what the package defines itself and its loaded public submodules, not the
    helpers its ``__init__`` imports (``dir(bgs_hf)`` showed ``SUBPACKAGE``, ``lazy_dir``, ``annotations``)."""
    package = namespace["__name__"]

    def public(name: str, value: Any) -> bool:
        if name.startswith("__") and name.endswith("__"):
            return True
        if name.startswith("_"):
            return False
        if isinstance(value, ModuleType):
            return value.__name__ == f"{package}.{name}"
        return getattr(value, "__module__", None) == package

    def __dir__() -> list[str]:
        own = {name for name, value in list(namespace.items()) if public(name, value)}
        return sorted(own | set(namespace.get("__all__", ())) | set(exports))

    return __dir__
