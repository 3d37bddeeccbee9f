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


@pytest.fixture(autouse=True, scope="session")
def _subprocesses_exit_without_collecting():
    """Put ``tests/subprocess_site`` first on ``PYTHONPATH``: every Python process a test starts (and that passes
    ``PYTHONPATH`` on) freezes its collector at exit, as a ``bgs-hf`` command does, instead of spending about 2 s
    in the interpreter's final collections (see its ``sitecustomize.py``)."""
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests" / "subprocess_site"), saved]))
    yield
    if saved is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session is over: pytest's own process, too, exits with its collector frozen (as ``subprocess_site`` makes
    the suite's subprocesses do), instead of spending 2-4 s after its summary in the interpreter's final collections
    over everything the tests imported."""
    import atexit
    import gc

    atexit.register(gc.freeze)


@pytest.fixture
def torch_threads_restored() -> Any:
    """For tests that check a run sets its own thread count: they start from 2 threads, and the process gets its
    count back afterwards, whatever the run left."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def pyproject() -> dict[str, Any]:
    """The repository's pyproject.toml, parsed. ``tomllib`` is Python 3.11+; on 3.10 (which requires-python
    allows) pytest's own dependency ``tomli`` is the same parser."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """``publish(repo_id, folder)`` puts a folder where an online ``from_pretrained(repo_id)`` would have cached it;
    the Hub is off, so every lookup is answered from there and nothing reaches the network."""
    import shutil

    cache = tmp_path / "hub-cache"
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def publish(repo_id: str, folder, commit: str = "0" * 40) -> None:
        repo = cache / ("models--" + repo_id.replace("/", "--"))
        shutil.copytree(folder, repo / "snapshots" / commit)
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(commit)  # a later publish moves main, as a push to the repo does

    return publish


@pytest.fixture
def foreground_streams_computed(monkeypatch) -> list[str]:
    """The sha256 of every clip whose foreground stream ``BGSConv3dModel`` computes during the test, in order (a
    clip served from a stream cache is not there): a stream computed twice for one clip shows as a repeated hash."""
    import hashlib

    import torch

    from bgs_hf.models.conv3d import BGSConv3dModel

    computed: list[str] = []
    foreground = BGSConv3dModel._foreground

    def counted(self: BGSConv3dModel, pixel_values: torch.Tensor) -> torch.Tensor:
        computed.extend(hashlib.sha256(clip.contiguous().numpy().tobytes()).hexdigest() for clip in pixel_values)
        return foreground(self, pixel_values)

    monkeypatch.setattr(BGSConv3dModel, "_foreground", counted)
    return computed
