"""Library calls leave a caller's process as they found it (a notebook, a script of the user's own beside their own
torch work): the pretraining functions and ``train_bgs`` seed the global random generators and set torch's thread
count for their run, and gave neither back."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from test_pretrain import moving_squares, small_config
from test_pretrain_conv3d import small_arch
from test_training_helpers import tiny_data, tiny_peft_model

#: the caller's own seed, and a thread count none of the runs below asks for (each asks for 1)
USER_SEED, USER_THREADS = 1234, 2


def _leaves_the_callers_state(call: Callable[[], Any]) -> None:
    """After ``call()``, torch's thread count is the caller's and the caller's next draws from Python's, numpy's and
    torch's global generators are those a fresh generator of the caller's seed makes first: the run's reseeds
    (``torch.manual_seed(cfg.seed)``, transformers' ``set_seed``) do not reach them."""
    torch.set_num_threads(USER_THREADS)
    random.seed(USER_SEED)
    np.random.seed(USER_SEED)
    torch.manual_seed(USER_SEED)
    call()
    assert torch.get_num_threads() == USER_THREADS
    assert random.random() == random.Random(USER_SEED).random()
    np.testing.assert_array_equal(np.random.rand(3), np.random.RandomState(USER_SEED).rand(3))
    assert torch.equal(torch.rand(3), torch.rand(3, generator=torch.Generator().manual_seed(USER_SEED)))


def _squares(seed: int) -> np.ndarray:
    return moving_squares(seed, t=8, size=32)


def _pretrain_videomae(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bgs_hf.pretrain import pretrain

    pretrain(small_config(steps=1, corpus_clips=2), tmp_path, source=moving_squares, progress=False)


def _pretrain_conv3d(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bgs_hf.pretrain.conv3d as conv3d

    monkeypatch.setattr(conv3d, "socialshapes_source", lambda: _squares)
    conv3d.pretrain_conv3d(conv3d.Conv3dPretrainConfig(arch=small_arch(), steps=1, warmup_steps=1, batch_size=2,
                                                       corpus_clips=2, num_threads=1, hidden_tubes=2),
                           tmp_path, progress=False)


def _pretrain_contrastive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bgs_hf.pretrain.contrastive as contrastive

    monkeypatch.setattr(contrastive, "socialshapes_source", lambda: _squares)
    contrastive.pretrain_contrastive(contrastive.ContrastivePretrainConfig(
        arch=small_arch(), steps=1, warmup_steps=1, batch_size=2, corpus_clips=2, num_threads=1), tmp_path,
        progress=False)


def _capacity_candidate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bgs_hf.pretrain.capacity import CapacityConfig, train_candidate

    rng = np.random.default_rng(0)
    clips = rng.integers(0, 255, size=(4, 16, 64, 64, 3), dtype=np.uint8)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    train_candidate("conv3d", CapacityConfig(candidates=["conv3d"], steps=1, eval_every=1, batch_size=2),
                    (clips[:2], y[:2]), (clips[2:], y[2:]))


def _capacity_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bgs_hf.pretrain.capacity as capacity

    rendered = np.zeros((2, 16, 64, 64, 3), dtype=np.uint8), np.zeros((2, 2), dtype=np.float32)
    monkeypatch.setattr(capacity, "render_labelled", lambda seeds, arch, desc: rendered)
    monkeypatch.setattr(capacity, "train_candidate", lambda *a, **kw: torch.manual_seed(0) and {})
    capacity.run_capacity_check(capacity.CapacityConfig(candidates=["conv3d"], train_clips=2, probe_clips=2))


def _probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bgs_hf.pretrain.probe as probe
    from bgs_hf.models.conv3d import BGSConv3dConfig, BGSConv3dModel

    with torch.random.fork_rng(devices=[]):  # the test's own model, not the call's draws
        BGSConv3dModel(BGSConv3dConfig(widths=[4], temporal_strides=[1], num_frames=4, image_size=32)).save_pretrained(
            tmp_path)
    monkeypatch.setattr(probe, "cv_r2", lambda x, y, seed=0: (0.0, 0.0))
    monkeypatch.setattr(probe, "cv_accuracy", lambda x, y, seed=0: (0.0, 0.0))
    monkeypatch.setattr(probe, "pixel_features", lambda clips: {})
    probe.run_probe(tmp_path, n_clips=5, name="t",
                    source=lambda s: (moving_squares(s, t=4, size=32), {"kind": "a", "level": 1.5}))


@pytest.mark.parametrize("call", [_pretrain_videomae, _pretrain_conv3d, _pretrain_contrastive, _capacity_candidate,
                                  _capacity_check, _probe])
def test_pretraining_gives_the_caller_its_thread_count_and_random_streams_back(
        tmp_path, monkeypatch, torch_threads_restored, call) -> None:
    _leaves_the_callers_state(lambda: call(tmp_path, monkeypatch))


def test_train_bgs_gives_the_caller_its_random_streams_back(tmp_path, torch_threads_restored) -> None:
    """``train_bgs`` calls transformers' ``set_seed(args.seed)``, which seeds Python's, numpy's and torch's global
    generators; the run itself still draws from its own seed (a test in test_training.py fixes its adapter)."""
    from bgs_hf.training import BGSArguments, DataArguments, TrainConfig, train_bgs
    from bgs_hf.training.data import TensorClipStore

    data, pix = tiny_data()
    model = tiny_peft_model()  # seeds torch itself: built before the caller's seed
    cfg = TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6),
                      training={"output_dir": str(tmp_path / "run"), "use_cpu": True, "max_steps": 1,
                                "disable_tqdm": True, "seed": 7, "report_to": "none"},
                      data_override=data, clip_store=TensorClipStore(pix), model_override=model)
    _leaves_the_callers_state(lambda: train_bgs(cfg))


def test_pretrain_tiny_runs_its_probe_on_the_commands_thread_count(tmp_path, monkeypatch,
                                                                   torch_threads_restored) -> None:
    """The library's pretraining gives the caller's thread count back, so the command sets ``--threads`` for itself:
    its probe embeds on that count, as it did when the pretraining function left it set."""
    from types import SimpleNamespace

    import bgs_hf.cli.pretrain_tiny as pretrain_tiny
    import bgs_hf.pretrain.card as card
    import bgs_hf.pretrain.probe as probe
    from bgs_hf.cli.main import main

    real = pretrain_tiny.recipes()
    seen: dict[str, int] = {}

    def pretrain(cfg: Any, work: Path) -> SimpleNamespace:
        work.mkdir(parents=True)
        return SimpleNamespace(render_s=0.0, train_s=0.0, final_loss=1.0)

    monkeypatch.setattr(pretrain_tiny, "recipes", lambda: {arch: (config_class, pretrain)
                                                           for arch, (config_class, _) in real.items()})
    monkeypatch.setattr(probe, "run_probe", lambda work, n_clips, name: seen.update(threads=torch.get_num_threads()))
    monkeypatch.setattr(card, "write_model_card", lambda work, result, reproduce: None)
    assert torch.get_num_threads() == 2
    assert main(["pretrain-tiny", str(tmp_path / "o"), "--threads", "1", "--probe-clips", "40"]) == 0
    assert seen["threads"] == 1


def test_a_train_config_names_a_model_or_training_arguments_object_instead_of_printing_it() -> None:
    """A notebook showing a ``TrainConfig`` with a ``model_override`` printed the model's whole module tree (a line a
    module: 47 lines for a two-layer LoRA toy, thousands for a real backbone), and a ``TrainingArguments`` its
    hundred-odd fields one a line. Each is now named by its class; the settings stay as the dataclass shows them."""
    from transformers import TrainingArguments

    from bgs_hf.training import BGSArguments, DataArguments, TrainConfig

    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    args = TrainingArguments(output_dir="x", use_cpu=True, report_to="none")
    shown = repr(TrainConfig(data=DataArguments(data="d"), bgs=BGSArguments(clips_per_step=6), training=args,
                             model_override=model, callbacks=["cb"]))
    assert "\n" not in shown
    assert shown.startswith("TrainConfig(data=DataArguments(data='d', ")
    assert ", bgs=BGSArguments(recipe='clip-batched', clips_per_step=6, " in shown
    assert shown.endswith(", training=TrainingArguments(...), data_override=None, clip_store=None, "
                          "model_override=Sequential(...), callbacks=['cb'])")
    # a dict of training settings is shown as given
    assert ", training={'output_dir': 'x'}, " in repr(TrainConfig(data=DataArguments(data="d"),
                                                                 training={"output_dir": "x"}))


def test_a_failing_call_gives_the_state_back_and_cuda_is_forked_only_once_initialised(monkeypatch,
                                                                                       torch_threads_restored) -> None:
    """Mutants that passed: the restore after the call rather than in ``finally`` (a run that raised, the usual way
    a notebook's run ends early, left the run's thread count and streams), and CUDA's state never forked (every test
    ran without CUDA). The wrapped entry points keep their own name, docstring and signature."""
    import inspect
    from contextlib import contextmanager

    from bgs_hf._process import process_state_kept
    from bgs_hf.pretrain.probe import run_probe
    from bgs_hf.training import train_bgs

    def failing() -> None:
        with pytest.raises(RuntimeError, match="the run failed"), process_state_kept():
            torch.set_num_threads(1)
            random.seed(0)
            np.random.seed(0)
            torch.manual_seed(0)
            raise RuntimeError("the run failed")

    _leaves_the_callers_state(failing)

    forked: list[list[int]] = []

    @contextmanager
    def fork_rng(devices: list[int]):
        forked.append(list(devices))
        yield

    monkeypatch.setattr(torch.random, "fork_rng", fork_rng)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 3)
    for initialised in (False, True):
        monkeypatch.setattr(torch.cuda, "is_initialized", lambda initialised=initialised: initialised)
        with process_state_kept():
            pass
    assert forked == [[], [3]]  # device 3 only once CUDA is up: reading a state initialises its device

    assert (train_bgs.__name__, run_probe.__name__) == ("train_bgs", "run_probe")
    assert train_bgs.__doc__.startswith("Fine-tune with BGS and write the run folder")
    assert list(inspect.signature(train_bgs).parameters) == ["config"]


def test_a_python_process_the_suite_starts_freezes_its_collector_at_exit() -> None:
    """The suite's own scripts (``python -c`` probes, test files run as a training process, each rank of a launch)
    spent about 2 s each in the interpreter's final collections after their last line: ``tests/conftest.py`` puts
    ``tests/subprocess_site`` on ``PYTHONPATH``, whose ``sitecustomize`` freezes the collector at exit. A fresh
    interpreter started as the tests start theirs has it, and its exit handlers freeze the collector."""
    import subprocess
    import sys

    probe = ("import atexit, gc, sys; print(sys.modules['sitecustomize'].__file__);"
             "before = gc.get_freeze_count(); atexit._run_exitfuncs(); print(before, gc.get_freeze_count() > 0)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    site, frozen = run.stdout.splitlines()
    assert Path(site) == Path(__file__).resolve().parent / "subprocess_site" / "sitecustomize.py"
    assert frozen == "0 True"  # frozen by the exit handlers, not before
