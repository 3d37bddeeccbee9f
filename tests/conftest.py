"""Suite-wide fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _system_temp_inside_basetemp(tmp_path_factory):
    """Point the system temp folder into pytest's basetemp, which pytest prunes after three runs.

    Why: the code under test and the processes it starts (``bgs-hf evaluate`` without ``--report``, torchrun's
    ``torchelastic_*`` folders, Gradio uploads) write to the system temp folder; a test run must not leave
    them in the user's /tmp.
    """
    folder = tmp_path_factory.mktemp("system-temp")
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # recomputed from TMPDIR on next use
    yield
    if saved_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_env
    tempfile.tempdir = saved_tempdir


@pytest.fixture(scope="session")
def pyproject() -> dict[str, Any]:
    """The repository's pyproject.toml, parsed. ``tomllib`` is Python 3.11+; on 3.10 (which requires-python
    allows) pytest's own dependency ``tomli`` is the same parser."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
