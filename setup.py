"""Build hook, nothing else (the metadata is in pyproject.toml).

The Hub card templates and the Space template live at the repository's top level (``hub_cards/``,
``spaces/bgs-demo/``), outside the package, so a wheel would not carry them and ``bgs-hf push``, ``data export``
and ``space --push`` would fail after a regular ``pip install``. Wheels get a copy under ``bgs_hf/_bundled/``;
editable installs read the repository's folders (``bgs_hf.paper.bundled_folder``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: name under bgs_hf/_bundled/ -> folder of the repository
BUNDLED = {"hub_cards": "hub_cards", "space": "spaces/bgs-demo"}


class BuildPyWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name, folder in BUNDLED.items():
            shutil.copytree(root / folder, Path(self.build_lib) / "bgs_hf" / "_bundled" / name,
                            dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithTemplates})
