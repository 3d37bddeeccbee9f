"""Interrupted training (issue 9 item 2): SIGKILL a real `bgs-hf train` subprocess mid-epoch, while it writes
a checkpoint, then resume; the final adapter equals an uninterrupted run's (same seed, CPU, full determinism).

Run as a script (``python tests/test_resume_training.py --slow-save-at N -- <train flags>``) this file is the
training process itself: the real ``bgs-hf train`` CLI, with only ``Trainer._save_optimizer_and_scheduler``
slowed down at step N, so the parent's SIGKILL lands inside that checkpoint write every time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve()
SAVE_STEPS, KILL_AT, MAX_STEPS = 4, 8, 10


def _flags(data: Path, out: Path) -> list[str]:
    # 12 clips -> ~8 train clips in sets of 3 = 3 steps per epoch: checkpoints 4 and 8 both fall mid-epoch
    return ["--data", str(data), "--backbone", "tiny-random-videomae", "--head_dim", "16", "--output_dir", str(out),
            "--use_cpu", "true", "--seed", "3", "--full_determinism", "true", "--max_steps", str(MAX_STEPS),
            "--clips_per_step", "3", "--eval_strategy", "no", "--save_strategy", "steps",
            "--save_steps", str(SAVE_STEPS), "--save_total_limit", "3", "--learning_rate", "0.01",
            "--logging_steps", "1", "--disable_tqdm", "true", "--eval_test", "false", "--report_to", "none"]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parents[1]), os.environ.get("PYTHONPATH")]))}


def _train(argv: list[str], *, slow_save_at: int | None = None, timeout: float = 240) -> subprocess.Popen:
    cmd = [sys.executable, str(HERE)] + (["--slow-save-at", str(slow_save_at)] if slow_save_at else []) + ["--", *argv]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 240) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-3000:]
    return out


def _adapter(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    from bgs_hf.cli.main import main as cli

    out = tmp_path_factory.mktemp("ss") / "ss"
    assert cli(["synth", str(out), "--clips", "12", "--seed", "1", "--size", "32", "--frames", "8",
                "--workers", "1"]) == 0
    return out


@pytest.mark.slow
def test_sigkill_during_a_checkpoint_write_then_resume_gives_the_uninterrupted_adapter(
    synth, tmp_path, capsys
) -> None:
    ref = _train(_flags(synth, tmp_path / "ref"))
    killed_dir = tmp_path / "killed"
    victim = _train(_flags(synth, killed_dir), slow_save_at=KILL_AT)
    _finish(ref)
    partial = killed_dir / f"checkpoint-{KILL_AT}"
    deadline = time.time() + 180
    while not (partial / "adapter_model.safetensors").is_file():  # the write has started ...
        assert victim.poll() is None, victim.communicate()[0][-3000:]
        assert time.time() < deadline, "checkpoint write never started"
        time.sleep(0.05)
    time.sleep(0.3)
    victim.send_signal(signal.SIGKILL)  # ... and is killed half-way (no optimizer, no trainer_state.json)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    assert not (killed_dir / "adapter_model.safetensors").exists(), "the run finished before the kill"
    assert not (partial / "trainer_state.json").exists() and (killed_dir / f"checkpoint-{SAVE_STEPS}").is_dir()

    # resuming from the half-written folder is refused with one line, never read
    from bgs_hf.cli.main import main as cli

    assert cli(["train", *_flags(synth, killed_dir), "--resume_from_checkpoint", str(partial)]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and f"checkpoint-{KILL_AT}" in last and "Traceback" not in err
    assert not (killed_dir / "adapter_model.safetensors").exists()

    # `last` resumes from the newest COMPLETE checkpoint (step 4, mid-epoch) and reproduces the reference run
    out = _finish(_train([*_flags(synth, killed_dir), "--resume_from_checkpoint", "last"]))
    assert f"checkpoint-{SAVE_STEPS}" in out
    state = json.loads((killed_dir / "trainer_state.json").read_text())
    assert state["global_step"] == MAX_STEPS
    a, b = _adapter(tmp_path / "ref"), _adapter(killed_dir)
    assert a.keys() == b.keys() and len(a) > 0
    import torch

    for k in a:
        torch.testing.assert_close(b[k], a[k], rtol=1e-5, atol=1e-6, msg=k)
    assert any("lora" in k for k in a)
    totals = [json.loads((d / "bgs_trainer_state.json").read_text())["totals"] for d in (tmp_path / "ref", killed_dir)]
    assert totals[0] == totals[1]  # the counters continue, not restart


def test_resume_last_skips_half_written_checkpoints_and_refuses_them_by_name(tmp_path, caplog) -> None:
    """Fast check of the rule the slow test exercises: only complete checkpoint folders are ever read."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import INCOMPLETE_MARKER, resolve_resume

    for step, files in {2: ["trainer_state.json"], 3: [], 6: ["trainer_state.json", INCOMPLETE_MARKER],
                        10: ["adapter_model.safetensors"]}.items():
        d = tmp_path / f"checkpoint-{step}"
        d.mkdir()
        for f in files:
            (d / f).write_text("{}")
    assert resolve_resume(None, tmp_path) is None
    with caplog.at_level("WARNING"):
        assert resolve_resume("last", tmp_path) == str(tmp_path / "checkpoint-2")
    assert "checkpoint-10, checkpoint-3, checkpoint-6" in caplog.text
    for step in (3, 6, 10):
        with pytest.raises(BGSInputError, match=rf"^checkpoint-{step}: checkpoint was not completely written"):
            resolve_resume(str(tmp_path / f"checkpoint-{step}"), tmp_path)
    with pytest.raises(BGSInputError, match="no complete checkpoint"):
        resolve_resume("last", tmp_path / "checkpoint-3")


def _main(argv: list[str]) -> int:
    """The training subprocess: the real CLI; ``--slow-save-at N`` stalls the checkpoint-N write."""
    slow = None
    if argv and argv[0] == "--slow-save-at":
        slow, argv = int(argv[1]), argv[2:]
    argv = argv[1:] if argv and argv[0] == "--" else argv
    if slow is not None:
        from transformers import Trainer

        original = Trainer._save_optimizer_and_scheduler

        def stalled(self, output_dir):  # noqa: ANN001, ANN202
            if self.state.global_step == slow:
                time.sleep(600)
            return original(self, output_dir)

        Trainer._save_optimizer_and_scheduler = stalled
    from bgs_hf.cli.main import main

    return main(["train", *argv])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))


def test_a_restarted_checkpoint_folder_is_ready_before_any_rank_writes_into_it(tmp_path, monkeypatch) -> None:
    """Rank 0 removes a checkpoint folder a killed run left half-written, then every rank writes its RNG state
    into it: with no barrier between, rank 1's `rng_state_1.pth` could be written before the removal and lost."""
    from types import SimpleNamespace

    import transformers

    from bgs_hf.training.trainer import INCOMPLETE_MARKER, BGSTrainer

    calls: list[str] = []
    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    (folder / INCOMPLETE_MARKER).touch()
    (folder / "rng_state_1.pth").write_bytes(b"stale")

    def parent_save(self, model, trial):
        calls.append("write" if not (folder / "rng_state_1.pth").exists() else "write-into-stale")
        calls.append("marked" if (folder / INCOMPLETE_MARKER).exists() else "unmarked")

    monkeypatch.setattr(transformers.Trainer, "_save_checkpoint", parent_save)
    trainer = BGSTrainer.__new__(BGSTrainer)  # only what _save_checkpoint reads
    trainer.__dict__.update(
        _get_output_dir=lambda trial: str(tmp_path), state=SimpleNamespace(global_step=4),
        args=SimpleNamespace(should_save=True),
        accelerator=SimpleNamespace(wait_for_everyone=lambda: calls.append("barrier")))
    trainer._save_checkpoint(None, None)
    assert calls[:2] == ["barrier", "write"], calls  # the folder is made afresh before any rank writes into it
    # and marked as incomplete while written (mutation audit: no marker passed; rank 1's RNG state can come after rank
    # 0's trainer_state.json, so a kill then left a folder that looked complete)
    assert calls[2] == "marked", calls
    assert not (folder / INCOMPLETE_MARKER).exists()


def test_resume_last_takes_the_highest_step_not_the_last_name(tmp_path) -> None:
    """Mutation audit: ``checkpoint-9`` sorts after ``checkpoint-10`` by name; ``last`` must be step 10 (ordering
    by name resumed 1 step after 9 and trained steps 10.. again), a case the test above (2 vs 10) did not pin."""
    from bgs_hf.training.trainer import resolve_resume

    for step in (9, 10):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert resolve_resume("last", tmp_path) == str(tmp_path / "checkpoint-10")


# ---- mutation audit of bgs_hf/training, third pass


@pytest.mark.parametrize("value", ["last", "latest", "LAST", "Latest", "true", True])
def test_every_spelling_of_resume_last_takes_the_newest_complete_checkpoint(tmp_path, value) -> None:
    """``--resume_from_checkpoint`` latest, LAST or true (as text from a config file) all mean last: checkpoint-10 of
    3 and 10 (dropping "latest" or the case made it a folder name that does not exist)."""
    from bgs_hf.training.trainer import resolve_resume

    for step in (3, 10):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert resolve_resume(value, tmp_path) == str(tmp_path / "checkpoint-10")


def test_resuming_from_a_folder_that_does_not_exist_is_one_line(tmp_path) -> None:
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import resolve_resume

    with pytest.raises(BGSInputError, match="--resume_from_checkpoint: no such checkpoint folder"):
        resolve_resume(str(tmp_path / "checkpoint-4"), tmp_path)


def test_resuming_from_a_file_or_a_folder_that_is_no_checkpoint_says_what_it_is(tmp_path) -> None:
    """``--resume_from_checkpoint`` naming a file said ``no such checkpoint folder``, and naming the run's own folder
    (no ``checkpoint-N``, no marker, no ``trainer_state.json``) said the job was stopped while saving it: neither was
    true. A ``checkpoint-N`` folder without its Trainer state is still one cut short (an older bgs-hf's, without
    the marker), and a marked folder of any name too."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.resume import INCOMPLETE_MARKER, resolve_resume

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BGSInputError) as err:
        resolve_resume(str(tmp_path / "notes.txt"), tmp_path)
    assert str(err.value) == "notes.txt: --resume_from_checkpoint: a file, not a checkpoint folder"
    run = tmp_path / "run"
    (run / "checkpoint-2").mkdir(parents=True)
    (run / "checkpoint-2" / "trainer_state.json").write_text('{"global_step": 2}')
    with pytest.raises(BGSInputError) as err:
        resolve_resume(str(run), tmp_path)
    assert str(err.value) == ("run: --resume_from_checkpoint: not a checkpoint folder (it holds no trainer_state.json); "
                              "pass one of a run's checkpoint-N folders, or last for the newest in --output_dir")
    (run / INCOMPLETE_MARKER).touch()  # a folder of another name the Trainer was writing when the job stopped
    with pytest.raises(BGSInputError, match=r"^run: checkpoint was not completely written"):
        resolve_resume(str(run), tmp_path)
    assert resolve_resume(str(run / "checkpoint-2"), tmp_path) == str(run / "checkpoint-2")


@pytest.mark.parametrize("state, said", [
    (b'{"global_step": 2, "log_hi', "is not a JSON object (cut short or edited)"),
    (b"", "is not a JSON object (cut short or edited)"),
    (b'["global_step", 2]', "is not a JSON object (cut short or edited)"),
    (b"\xff\xfe{}", "is not a JSON object (cut short or edited)"),
    (b'{"global_step": "two"}', "has global_step 'two', not a whole number >= 0 (edited or damaged)"),
    (b'{"global_step": -1}', "has global_step -1, not a whole number >= 0 (edited or damaged)"),
    (b'{"global_step": 2.5}', "has global_step 2.5, not a whole number >= 0 (edited or damaged)"),
])
def test_a_checkpoint_whose_trainer_state_is_damaged_is_refused_in_one_line_before_anything_loads(
        tmp_path, monkeypatch, state, said) -> None:
    """``train_bgs`` reads the checkpoint's step from its ``trainer_state.json`` first: one cut short, edited into
    no object or holding a step that is no whole number was a ``JSONDecodeError``, ``AttributeError`` or
    ``ValueError`` traceback. Now one line names the checkpoint, the file and what to do, before the data loads."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training import DataArguments, TrainConfig, api, train_bgs
    from bgs_hf.training.resume import checkpoint_step

    def loaded(*_: Any, **__: Any) -> Any:
        raise AssertionError("the data loaded before the checkpoint was checked")

    monkeypatch.setattr(api, "training_data", loaded)
    folder = tmp_path / "run" / "checkpoint-2"
    folder.mkdir(parents=True)
    (folder / "trainer_state.json").write_bytes(state)
    cfg = TrainConfig(data=DataArguments(data="tiny"), training={"output_dir": str(tmp_path / "run"),
                                                                 "use_cpu": True, "resume_from_checkpoint": "last"})
    with pytest.raises(BGSInputError) as err:
        train_bgs(cfg)
    assert str(err.value) == (f"checkpoint-2: its trainer_state.json {said}: resume from another checkpoint, or start "
                              "a new run")
    (folder / "trainer_state.json").write_text('{"global_step": 2.0}')  # read as written: a whole number
    assert checkpoint_step(folder) == 2
    (folder / "trainer_state.json").write_text("{}")  # no step recorded: the Trainer's own default, 0
    assert checkpoint_step(folder) == 0


def test_a_resumed_checkpoint_brings_back_its_counters_and_names_another_recipe(tmp_path, caplog) -> None:
    """A checkpoint records the counters it reached (30 clip passes, 18 with gradient, 4 judgments, 7 pairs): resuming
    from it starts the counters there, not at 0, and a checkpoint of another recipe is named in a warning."""
    from test_training import _trainer
    from test_training_helpers import tiny_data, tiny_peft_model

    data, pix = tiny_data()
    saved, _ = _trainer(tmp_path / "a", data, pix, tiny_peft_model())
    saved.bgs_info = {"recipe": {"name": "paper-v1"}}
    saved.bgs_totals = {"clip_passes": 30, "clip_passes_grad": 18, "judgments": 4, "rsa_pairs_grad": 7}
    folder = tmp_path / "checkpoint-3"
    saved._save(str(folder))
    assert json.loads((folder / "bgs_trainer_state.json").read_text())["totals"] == saved.bgs_totals
    resumed, _ = _trainer(tmp_path / "b", data, pix, tiny_peft_model(seed=1))
    resumed.bgs_info = {"recipe": {"name": "clip-batched"}}
    with caplog.at_level("WARNING", logger="bgs_hf.training.trainer"):
        resumed._load_from_checkpoint(str(folder))
    assert resumed.bgs_totals == {"clip_passes": 30, "clip_passes_grad": 18, "judgments": 4, "rsa_pairs_grad": 7}
    assert "resuming a {'name': 'paper-v1'} checkpoint with recipe {'name': 'clip-batched'}" in caplog.text


@pytest.mark.parametrize("corrupt", [b'{"totals": {"clip_passes": 3', b"", b"[]", b"null", b"\xff\xfe{}"])
def test_a_checkpoint_whose_bgs_state_is_no_json_object_is_refused_in_one_line(tmp_path, corrupt) -> None:
    """The schedule check reads ``bgs_trainer_state.json`` tolerantly (``check_resume_schedule``), but restoring the
    counters read it strictly: a record cut short, empty or not an object was a bare ``JSONDecodeError`` (or
    ``AttributeError: 'list' object has no attribute 'get'``) from inside the Trainer. Now one line names the
    checkpoint, the file and what to do; the resuming trainer's counters are left as they were."""
    from test_training import _trainer
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.errors import BGSInputError

    data, pix = tiny_data()
    saved, _ = _trainer(tmp_path / "a", data, pix, tiny_peft_model())
    folder = tmp_path / "checkpoint-3"
    saved._save(str(folder))
    (folder / "bgs_trainer_state.json").write_bytes(corrupt)
    resumed, _ = _trainer(tmp_path / "b", data, pix, tiny_peft_model(seed=1))
    before = dict(resumed.bgs_totals)
    with pytest.raises(BGSInputError) as err:
        resumed._load_from_checkpoint(str(folder))
    assert str(err.value) == ("checkpoint-3: its bgs_trainer_state.json is not a JSON object (cut short or edited): "
                              "resume from another checkpoint, or start a new run")
    assert resumed.bgs_totals == before


@pytest.mark.parametrize("record, field", [
    # hand-edited or damaged fields the restore reads: AttributeError, ValueError and KeyError tracebacks before
    ({"totals": [1, 2]}, "totals [1, 2], not an object of counts"),
    ({"totals": {"clip_passes": "abc"}}, "totals.clip_passes 'abc', not a count (a whole number >= 0)"),
    # taken without a word before: a negative count carried on, a time that is no number read as unknown, a record
    # of the processes that is no list of parts dropped for an unknown number, one part of text written back
    ({"totals": {"judgments": -4}}, "totals.judgments -4, not a count (a whole number >= 0)"),
    ({"train_seconds": "12 s"}, "train_seconds '12 s', not a time in seconds (a number >= 0, or null)"),
    # an OverflowError traceback from math.isfinite: JSON's 401-digit integer, read as a Python int
    ({"train_seconds": 10**400}, f"train_seconds 1{'0' * 400}, not a time in seconds (a number >= 0, or null)"),
    ({"world_sizes": "2"}, "world_sizes '2', not a list of {from_step, world_size} objects"),
    ({"world_sizes": [{"from_step": 0}]}, "world_sizes[0].world_size missing, not a whole number >= 1 or null"),
    ({"world_sizes": [{"from_step": 0, "world_size": 2}, {"from_step": 2, "world_size": "one"}]},
     "world_sizes[1].world_size 'one', not a whole number >= 1 or null"),
])
def test_a_checkpoint_whose_bgs_state_has_a_malformed_field_is_refused_in_one_line_naming_it(tmp_path, record,
                                                                                             field) -> None:
    """A ``bgs_trainer_state.json`` that is a JSON object but whose counters, training time or record of processes
    are of another shape (edited by hand, damaged) gave ``AttributeError: 'list' object has no attribute 'items'``,
    ``ValueError: invalid literal for int()`` or ``KeyError: 'world_size'`` from inside the Trainer, or was taken
    without a word. Now one line names the checkpoint, the file, the field and what to do; the resuming trainer's
    counters are left as they were."""
    from test_training import _trainer
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.errors import BGSInputError

    data, pix = tiny_data()
    saved, _ = _trainer(tmp_path / "a", data, pix, tiny_peft_model())
    folder = tmp_path / "checkpoint-3"
    saved._save(str(folder))
    (folder / "bgs_trainer_state.json").write_text(json.dumps(
        {"totals": {"clip_passes": 12, "clip_passes_grad": 12, "judgments": 5, "rsa_pairs_grad": 9},
         "train_seconds": 1.5, "world_sizes": [{"from_step": 0, "world_size": 1}], **record}))
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": 3}))
    resumed, _ = _trainer(tmp_path / "b", data, pix, tiny_peft_model(seed=1))
    before = dict(resumed.bgs_totals)
    with pytest.raises(BGSInputError) as err:
        resumed._load_from_checkpoint(str(folder))
    assert str(err.value) == (f"checkpoint-3: its bgs_trainer_state.json has {field} (edited or damaged): resume "
                              "from another checkpoint, or start a new run")
    assert resumed.bgs_totals == before


def test_a_bgs_state_at_the_edges_of_each_field_is_read_and_one_just_past_them_refused(tmp_path) -> None:
    """Mutation audit (this round's new code): ``read_bgs_state`` at each field's edge. Read as written: counts of 0, a
    time of 0 s, a part's ``from_step`` null (a resumed older checkpoint writes it so) and an older bgs-hf's null or
    absent fields. Refused, naming the field: ``world_size`` 0, a part that is no object, a part without
    ``from_step``, a count of ``true`` or 2.5, a time of ``true``, -0.5 or infinity. Each mutant moving one of
    these edges (a count from 1, a time above 0, a world_size from 0, null parts, totals or world_sizes refused, a
    part's keys looked up in a number) passed the trainer-driven tests, whose records were all well inside them."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.resume import read_bgs_state, sampler_seed

    folder = tmp_path / "checkpoint-2"
    folder.mkdir()

    def read(record: dict[str, Any]) -> dict[str, Any]:
        (folder / "bgs_trainer_state.json").write_text(json.dumps(record))
        return read_bgs_state(folder)

    for record in ({"totals": {"judgments": 0, "clip_passes": 3}, "train_seconds": 0,
                    "world_sizes": [{"from_step": None, "world_size": 2}, {"from_step": 0, "world_size": 1}]},
                   {"totals": None, "train_seconds": None, "world_sizes": None},
                   {"world_sizes": [{"from_step": 3, "world_size": None}]}, {}):
        assert read(record) == record
    for record, field in (
            ({"world_sizes": [{"from_step": 0, "world_size": 0}]},
             "world_sizes[0].world_size 0, not a whole number >= 1 or null"),
            ({"world_sizes": [1]}, "world_sizes [1], not a list of {from_step, world_size} objects"),
            ({"world_sizes": [{"world_size": 2}]}, "world_sizes[0].from_step missing, not a whole number >= 0 or null"),
            ({"totals": {"judgments": True}}, "totals.judgments True, not a count (a whole number >= 0)"),
            ({"totals": {"judgments": 2.5}}, "totals.judgments 2.5, not a count (a whole number >= 0)"),
            ({"train_seconds": True}, "train_seconds True, not a time in seconds (a number >= 0, or null)"),
            ({"train_seconds": -0.5}, "train_seconds -0.5, not a time in seconds (a number >= 0, or null)"),
            ({"train_seconds": float("inf")}, "train_seconds inf, not a time in seconds (a number >= 0, or null)")):
        with pytest.raises(BGSInputError) as err:
            read(record)
        assert str(err.value) == (f"checkpoint-2: its bgs_trainer_state.json has {field} (edited or damaged): resume "
                                  "from another checkpoint, or start a new run"), record
    # the sampler's seed a checkpoint records, and the one it is compared with, are whole numbers, never 3.0
    assert [sampler_seed(SimpleNamespace(seed=s)) for s in (3, 3.0, True, None)] == [3, None, None, None]


def test_a_recorded_sampler_seed_that_is_no_whole_number_is_read_as_unrecorded(tmp_path) -> None:
    """Mutation audit (this round's new code): a hand-edited ``sampler_seed: 5.0`` is no recorded seed, so a checkpoint
    without training_args.json has nothing to compare and passes (a mutant taking 5.0 refused the resume as drawn
    with seed 5.0); 5 is compared with the flags' 42 and refused."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import check_resume_schedule

    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    args = SimpleNamespace(gradient_accumulation_steps=1, seed=42, data_seed=None)
    for recorded in (5.0, True, "5"):
        (folder / "bgs_trainer_state.json").write_text(json.dumps(
            {"steps_per_epoch": 3, "recipe": _CLIP_BATCHED_6, "sampler_seed": recorded}))
        check_resume_schedule(folder, 3, args, _CLIP_BATCHED_6, 1)
    (folder / "bgs_trainer_state.json").write_text(json.dumps(
        {"steps_per_epoch": 3, "recipe": _CLIP_BATCHED_6, "sampler_seed": 5}))
    with pytest.raises(BGSInputError, match="its run drew its clip sets with seed 5, this one with 42"):
        check_resume_schedule(folder, 3, args, _CLIP_BATCHED_6, 1)


@pytest.mark.parametrize("part", [{"from_step": 0}, {"from_step": 0, "world_size": "two"}])
def test_the_schedule_check_reads_a_malformed_record_of_processes_as_unrecorded(tmp_path, part) -> None:
    """The schedule check reads ``bgs_trainer_state.json`` tolerantly and runs first (before the model loads), but a
    part of ``world_sizes`` without its number of processes, or with text for it, was a ``KeyError: 'world_size'`` or
    ``ValueError: Cannot specify ',' with 's'`` traceback where the steps an epoch differ. Now the number is
    unrecorded: the refusal names the steps and leaves out the processes of the checkpoint's run."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import check_resume_schedule

    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    (folder / "bgs_trainer_state.json").write_text(json.dumps(
        {"steps_per_epoch": 3, "recipe": _CLIP_BATCHED_6, "world_sizes": [part]}))
    args = SimpleNamespace(gradient_accumulation_steps=1, seed=42, data_seed=None)
    with pytest.raises(BGSInputError) as err:
        check_resume_schedule(folder, 5, args, {**_CLIP_BATCHED_6, "clips_per_step": 4}, 1)
    assert str(err.value) == ("checkpoint-4: its run took 3 steps an epoch (clip-batched, --clips_per_step 6), this "
                              "one takes 5 (clip-batched, --clips_per_step 4, 1 process): the remaining steps would "
                              "not be the run's (other clip sets, epochs ending elsewhere); resume with "
                              "--clips_per_step 6, or start a new run")


@pytest.mark.parametrize("recorded, world_sizes, warned", [
    # an older bgs-hf recorded only the number of processes of the part that saved the checkpoint
    ({"world_size": 2}, [{"from_step": None, "world_size": 2}, {"from_step": 3, "world_size": 1}], True),
    ({"world_size": 1}, [{"from_step": None, "world_size": 1}], False),
    ({}, [{"from_step": None, "world_size": None}, {"from_step": 3, "world_size": 1}], False),  # not even that
    # mutation audit: an edited record's `true` (equal to 1 in Python) or empty list is no record either
    ({"world_size": True}, [{"from_step": None, "world_size": None}, {"from_step": 3, "world_size": 1}], False),
    ({"world_sizes": [], "world_size": 2}, [{"from_step": None, "world_size": 2}, {"from_step": 3, "world_size": 1}],
     True),
])
def test_a_checkpoint_of_an_older_bgs_hf_without_world_sizes_resumes_with_what_it_recorded(
        tmp_path, caplog, recorded, world_sizes, warned) -> None:
    """A checkpoint written before ``world_sizes`` (``bgs_trainer_state.json`` with at most ``world_size``) resumed on
    1 process: the run's record starts with its number from an unknown step (``from_step`` null) and adds this run's
    from the checkpoint's step 3 where it differs; the warning names the 2 processes that saved it, and is not given
    where the number was never recorded."""
    from test_training import _trainer
    from test_training_helpers import tiny_data, tiny_peft_model

    data, pix = tiny_data()
    saved, _ = _trainer(tmp_path / "a", data, pix, tiny_peft_model())
    folder = tmp_path / "checkpoint-3"
    saved._save(str(folder))
    (folder / "bgs_trainer_state.json").write_text(json.dumps(
        {"totals": {"clip_passes": 12, "clip_passes_grad": 12, "judgments": 5, "rsa_pairs_grad": 9}, **recorded}))
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": 3}))
    resumed, _ = _trainer(tmp_path / "b", data, pix, tiny_peft_model(seed=1))
    with caplog.at_level("WARNING", logger="bgs_hf.training.trainer"):
        resumed._load_from_checkpoint(str(folder))
    assert resumed.world_sizes == world_sizes
    assert (f"{folder} was saved by a run of 2 processes, this one has 1" in caplog.text) is warned
    assert ("processes, this one has" in caplog.text) is warned
    resumed._save(str(tmp_path / "checkpoint-4"))  # what the resumed run's checkpoints record
    assert json.loads((tmp_path / "checkpoint-4" / "bgs_trainer_state.json").read_text())["world_sizes"] == world_sizes


_CLIP_BATCHED_6 = {"name": "clip-batched", "sampler": "clip-set", "clips_per_step": 6, "passes_per_epoch": 1}
_PAPER_V1 = {"name": "paper-v1", "sampler": "paper-v1", "triplets_per_step": 4}


@pytest.mark.parametrize("state, now, why, fix", [
    # more steps an epoch, fewer accumulated, and the run's own --data_seed left out: all three named, in that order
    # (an older record without world_sizes: its number of processes unsaid)
    ({"steps_per_epoch": 3, "recipe": _CLIP_BATCHED_6}, (5, {**_CLIP_BATCHED_6, "clips_per_step": 4}, 1, 1, 42, None),
     "its run took 3 steps an epoch (clip-batched, --clips_per_step 6), this one takes 5 (clip-batched, "
     "--clips_per_step 4, 1 process); its run summed 2 steps an optimizer step, this one 1; its run drew its clip sets "
     "with seed 5, this one with 42", "resume with --clips_per_step 6, --gradient_accumulation_steps 2, --data_seed 5"),
    # a recipe of one's own that embeds each clip twice an epoch at the run's 6 clips a step: only the recipe differs
    ({"steps_per_epoch": 3, "recipe": _CLIP_BATCHED_6, "world_sizes": [{"from_step": 0, "world_size": 1}]},
     (6, {**_CLIP_BATCHED_6, "name": "twice", "passes_per_epoch": 2}, 1, 2, 42, 5),
     "its run took 3 steps an epoch (clip-batched, --clips_per_step 6, 1 process), this one takes 6 (twice, "
     "--clips_per_step 6, 1 process)", "resume with --recipe clip-batched"),
    # paper-v1 at 8 judgments a step on the run's one process: the recipe, not the number of processes
    ({"steps_per_epoch": 9, "recipe": _PAPER_V1, "world_sizes": [{"from_step": 0, "world_size": 1}]},
     (5, {**_PAPER_V1, "name": "paper-v1-8", "triplets_per_step": 8}, 1, 2, 42, 5),
     "its run took 9 steps an epoch (paper-v1, 4 judgments a step, 1 process), this one takes 5 (paper-v1-8, 8 "
     "judgments a step, 1 process)", "resume with --recipe paper-v1"),
    # mutation audit: paper-v1 begun on 4 processes and resumed on 1 from step 6: the run's processes are the last
    # part's, the one its steps an epoch were recorded on (its first part's 4 were named, and no number advised)
    ({"steps_per_epoch": 9, "recipe": _PAPER_V1, "world_sizes": [{"from_step": 0, "world_size": 4},
                                                                 {"from_step": 6, "world_size": 1}]},
     (8, _PAPER_V1, 4, 2, 42, 5),
     "its run took 9 steps an epoch (paper-v1, 4 judgments a step, 1 process), this one takes 8 (paper-v1, 4 "
     "judgments a step, 4 processes)", "resume on 1 process"),
])
def test_a_resume_schedule_refusal_names_each_difference_and_only_the_flags_that_undo_it(tmp_path, state, now, why,
                                                                                         fix) -> None:
    """Mutation audit (this session's new code): taking more steps an epoch than the run, or fewer accumulated steps,
    passed (the suite tried fewer and more); so did a run's own ``--data_seed`` read as its ``--seed``, ``--seed``
    advised where the run drew with ``--data_seed``, ``--clips_per_step`` advised where the run's value is the one
    given, and "on 1 process" advised to a paper-v1 run already on it. Hand records of a run at seed 42, data seed 5
    and gradient accumulation 2 (``bgs_trainer_state.json``, ``training_args.json``)."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import check_resume_schedule

    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    (folder / "bgs_trainer_state.json").write_text(json.dumps(state))
    (folder / "training_args.json").write_text(json.dumps({"gradient_accumulation_steps": 2, "seed": 42,
                                                           "data_seed": 5}))
    steps, recipe, world, acc, seed, data_seed = now
    args = SimpleNamespace(gradient_accumulation_steps=acc, seed=seed, data_seed=data_seed)
    with pytest.raises(BGSInputError) as err:
        check_resume_schedule(folder, steps, args, recipe, world)
    assert str(err.value) == (f"checkpoint-4: {why}: the remaining steps would not be the run's (other clip sets, "
                              f"epochs ending elsewhere); {fix}, or start a new run")


@pytest.mark.parametrize("records", [{}, {"bgs_trainer_state.json": "[]", "training_args.json": "[1, 2]"}])
def test_a_checkpoint_that_recorded_no_schedule_resumes_on_any(tmp_path, records) -> None:
    """Mutation audit (this session's new code): reading the run's seed where ``training_args.json`` is absent, and a
    record that is no JSON object as one, passed: a checkpoint of an older bgs-hf (no such records) or with records
    of another shape is taken with whatever steps, accumulation and seed this run has."""
    from types import SimpleNamespace

    from bgs_hf.training.trainer import check_resume_schedule

    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    for name, text in records.items():
        (folder / name).write_text(text)
    check_resume_schedule(folder, 7, SimpleNamespace(gradient_accumulation_steps=3, seed=1, data_seed=None),
                          _CLIP_BATCHED_6, 2)


def test_resuming_on_another_benchmark_with_the_runs_clip_ids_is_refused_naming_both(synth, tmp_path,
                                                                                     capsys) -> None:
    """Every SocialShapes benchmark names its clips ``ss_0000.mp4``... whatever its seed, and the resume check compared
    clip ids only: another seed's benchmark was taken silently when its splits matched the run's (here: the run's
    benchmark with the other seed's videos), and refused asking for other split flags when they did not. The video
    fingerprints the run recorded tell; a run from before them resumes as before."""
    import shutil

    from bgs_hf.cli.main import main as cli
    from bgs_hf.data import load
    from bgs_hf.training.api import _check_resumed_videos

    other = tmp_path / "ss_seed2"
    assert cli(["synth", str(other), "--clips", "12", "--seed", "2", "--size", "32", "--frames", "8",
                "--workers", "1"]) == 0
    swapped = tmp_path / "ss_swapped"  # the run's benchmark (its splits too), the other seed's videos
    shutil.copytree(synth, swapped)
    shutil.copytree(other / "data" / "raw" / "videos", swapped / "data" / "raw" / "videos", dirs_exist_ok=True)
    run = tmp_path / "run"
    flags = ["--backbone", "tiny-random-videomae", "--output_dir", str(run), "--use_cpu", "true", "--clips_per_step",
             "3", "--eval_strategy", "no", "--save_strategy", "steps", "--save_steps", "1", "--disable_tqdm", "true",
             "--eval_test", "false", "--report_to", "none"]
    assert cli(["train", "--data", str(synth), "--max_steps", "1", *flags]) == 0
    capsys.readouterr()
    for data in (other, swapped):
        assert cli(["train", "--data", str(data), "--max_steps", "2", "--resume_from_checkpoint", "last", *flags]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"error: run_config.json: resuming on other data than the run trained on: {data.name} at {data.resolve()} "
            f"holds other videos under the run's clip ids than ss at {synth.resolve()} (all 12 differ: another seed's "
            "benchmark, or clips encoded again); resume with the run's own --data, or start a new run")
    assert not (run / "checkpoint-2").exists()
    config = json.loads((run / "run_config.json").read_text())
    assert config["data"]["source"] == str(synth.resolve())  # not rewritten by the refused resumes
    _check_resumed_videos(run / "checkpoint-1", load(synth))  # its own data
    config.pop("video_fingerprints")  # a run from before they were recorded: resumed as before
    (run / "run_config.json").write_text(json.dumps(config))
    assert cli(["train", "--data", str(swapped), "--max_steps", "2", "--resume_from_checkpoint", "last", *flags]) == 0
    assert (run / "checkpoint-2").is_dir()


@pytest.mark.parametrize("lora", ["full fine-tuning", "bias all"])
def test_a_vjepa2_checkpoint_whose_optimizer_trained_the_predictor_is_refused_in_one_line(
    tmp_path, monkeypatch, lora
) -> None:
    """An older bgs-hf left V-JEPA 2's predictor trainable under full fine-tuning or LoRA ``bias="all"``: its
    checkpoints' optimizer state lists the predictor's parameters, which this bgs-hf keeps frozen, and resuming
    failed in torch ("loaded state dict contains a parameter group that doesn't match the size of optimizer's
    group"). It is one line naming the cause and the way out."""
    import torch
    from test_training import _run
    from test_training_helpers import tiny_data

    import bgs_hf.models.embedder as embedder
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models import LoraSettings, build_embedder

    data, _ = tiny_data(n_clips=16, n_judgments=200)
    tiny = (data, torch.randn(16, 4, 3, 32, 32, generator=torch.Generator().manual_seed(0)))

    def model() -> torch.nn.Module:
        torch.manual_seed(0)
        return build_embedder("tiny-random-vjepa2", head=None,
                              lora=None if lora == "full fine-tuning" else LoraSettings(r=2, bias="all"))

    steps = {"eval_strategy": "no", "load_best_model_at_end": False, "lr_scheduler_type": "constant",
             "save_strategy": "steps", "save_steps": 1, "report_to": "none", "learning_rate": 1e-3}
    with monkeypatch.context() as old_code:  # the older bgs-hf: nothing frozen
        old_code.setattr(embedder, "freeze_skipped_modules", lambda _: 0)
        old = model()
        assert any(p.requires_grad for n, p in old.named_parameters() if ".predictor." in n)
        _run(tmp_path, tiny, "run", model=old, max_steps=2, **steps)
    with pytest.raises(BGSInputError, match=r"^checkpoint-2: its optimizer state holds other parameter groups .*"
                                            r"V-JEPA 2 predictor .* start a new run from the checkpoint's weights$"):
        _run(tmp_path, tiny, "run", model=model(), max_steps=3, resume_from_checkpoint="last", **steps)


def test_a_checkpoint_whose_optimizer_groups_match_no_setting_is_one_line(tmp_path) -> None:
    """Resuming with other trainable parameters than the checkpoint's run (here: another LoRA target set) was torch's
    "loaded state dict contains a parameter group that doesn't match ..." from deep in the Trainer."""
    from peft import LoraConfig, get_peft_model
    from test_training import _run
    from test_training_helpers import TinyEmbedder, tiny_data

    from bgs_hf.errors import BGSInputError

    tiny = tiny_data()
    steps = {"eval_strategy": "no", "load_best_model_at_end": False, "save_strategy": "steps", "save_steps": 1}
    _run(tmp_path, tiny, "run", max_steps=1, **steps)
    other = get_peft_model(TinyEmbedder(), LoraConfig(r=4, target_modules=["proj"], modules_to_save=["head"]))
    with pytest.raises(BGSInputError, match=r"^checkpoint-1: its optimizer state holds other parameter groups "
                                            r"than this model trains: .* start a new run from the checkpoint's "
                                            r"weights$"):
        _run(tmp_path, tiny, "run", model=other, max_steps=2, resume_from_checkpoint="last", **steps)


class _CountingStore:
    """A clip store over in-memory pixels that counts the clips read (each one a decoding, for a video store)."""

    def __init__(self, pixels: Any) -> None:
        self.pixels, self.read = pixels, 0

    def __call__(self, clip: int) -> Any:
        self.read += 1
        return self.pixels[clip]


@pytest.mark.parametrize("epochs, last", [(1, 3), (1.5, 5)])
def test_a_resume_past_an_epoch_counted_runs_end_is_refused_before_the_model_runs_or_a_clip_is_read(
        tmp_path, epochs, last) -> None:
    """18 train clips in sets of 6 are 3 steps an epoch: a 2-epoch run's checkpoint-6 resumed with
    ``--num_train_epochs 1`` (3 steps) or 1.5 (ceil(4.5) = 5) was refused only once the Trainer was built, after the
    model had run on a training clip (the LoRA check) and every evaluation clip had been read (decoded, for videos).
    It is the same line, before any clip is read."""
    from dataclasses import replace

    from test_training import _resumable
    from test_training_helpers import tiny_data

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training import train_bgs

    data, pix = tiny_data()
    run = tmp_path / "r"
    train_bgs(_resumable(run, data, pix, {}, num_train_epochs=2))
    assert (run / "checkpoint-6").is_dir() and not (run / "checkpoint-7").exists()
    record = (run / "run_config.json").read_text()
    store = _CountingStore(pix)
    resumed = replace(_resumable(run, data, pix, {}, num_train_epochs=epochs, resume_from_checkpoint="last"),
                      clip_store=store)
    with pytest.raises(BGSInputError) as err:
        train_bgs(resumed)
    assert str(err.value) == (f"checkpoint-6: the checkpoint is at step 6, past the {last} steps this run is set to "
                              "(--max_steps, or --num_train_epochs): resume from an earlier checkpoint-N, or raise "
                              "--max_steps / --num_train_epochs")
    assert store.read == 0
    assert (run / "run_config.json").read_text() == record


@pytest.mark.parametrize("steps, accumulation, epochs, max_steps, planned", [
    (3, 1, 1, -1, 3),
    (3, 2, 1, -1, 2),  # 3 batches summed 2 at a time: 2 optimizer steps, the last of one batch
    (3, 2, 2.5, -1, 5),  # ceil(2.5 x 2)
    (1, 4, 3, -1, 3),  # fewer batches than accumulated: still one optimizer step an epoch
    (3, 2, 2.5, 7, 7),  # --max_steps wins
    (3, 1, 2, 0, 0),  # transformers counts from epochs only below 0
])
def test_the_steps_a_run_is_planned_to_take_are_the_trainers_own_count(tmp_path, steps, accumulation, epochs,
                                                                      max_steps, planned) -> None:
    """What a resume past the run's end is checked against before the model loads: by hand, and as transformers counts
    them on a BGS trainer whose step dataset has ``steps`` steps an epoch."""
    from test_training import _trainer
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.training.data import StepDataset
    from bgs_hf.training.trainer import planned_max_steps

    data, pix = tiny_data()
    trainer, _ = _trainer(tmp_path, data, pix, tiny_peft_model(), gradient_accumulation_steps=accumulation,
                          num_train_epochs=epochs, max_steps=max_steps)
    trainer.train_dataset = StepDataset(range(steps))  # only its length is read
    assert planned_max_steps(trainer.args, steps) == planned
    assert trainer.set_initial_training_values(trainer.args, trainer.get_train_dataloader())[-1] == planned


def _own_trainer(out: Path, clips_per_step: int, sampler_seed: int = 0, **training: Any) -> Any:
    """A BGSTrainer built by a user's own code, not ``train_bgs`` (no ``bgs_info``): tiny_data's 18 train clips in
    sets of ``clips_per_step`` drawn with the sampler's own ``sampler_seed``, a checkpoint at every step."""
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.metrics.similarity import human_similarity
    from bgs_hf.training import BGSArguments, BGSCollator, TensorClipStore, get_recipe
    from bgs_hf.training.api import build_loss, training_arguments
    from bgs_hf.training.data import StepDataset, build_sampler
    from bgs_hf.training.trainer import BGSTrainer

    data, pix = tiny_data()
    trip = data.triplets("train")
    sampler = build_sampler(get_recipe("clip-batched").with_overrides(clips_per_step=clips_per_step), trip,
                            human_similarity(trip.idx, trip.odd, data.n_clips), data.split_items("train"),
                            seed=sampler_seed)
    args = training_arguments({"output_dir": str(out), "use_cpu": True, "eval_strategy": "no",
                               "load_best_model_at_end": False, "lr_scheduler_type": "constant",
                               "save_strategy": "steps", "save_steps": 1, "save_total_limit": None,
                               "disable_tqdm": True, "report_to": "none", **training})
    store = TensorClipStore(pix)
    return BGSTrainer(model=tiny_peft_model(), args=args, train_dataset=StepDataset(sampler),
                      loss_fn=build_loss(BGSArguments()), data_collator=BGSCollator(sampler, store), clip_store=store)


@pytest.mark.parametrize("clips_per_step, training, why, fix", [
    # 18 train clips: 6 a step are 3 sets an epoch, 9 a step are 2 (no recipe given: only the processes are named)
    (9, {}, "its run took 3 steps an epoch (1 process), this one takes 2 (1 process)",
     "resume with the run's own settings"),
    (6, {"gradient_accumulation_steps": 2}, "its run summed 1 step an optimizer step, this one 2",
     "resume with --gradient_accumulation_steps 1"),
])
@pytest.mark.parametrize("resume", ["checkpoint-2", True])
def test_a_trainer_built_directly_refuses_a_resume_that_would_take_other_steps(tmp_path, clips_per_step, training,
                                                                               why, fix, resume) -> None:
    """``train_bgs`` refuses a resume with another step size or accumulation (``check_resume_schedule``), but a
    ``BGSTrainer`` built by one's own code resumed from the run's checkpoint-2 with them without a word (the steps
    left embedded other clip sets; a checkpoint of such a trainer did not even record its steps an epoch). Its
    ``train`` refuses it in the same line before anything loads, given a folder or ``True`` (transformers' last
    checkpoint); with the run's own settings it trains on to its 4 steps."""
    from bgs_hf.errors import BGSInputError

    run = tmp_path / "r"
    _own_trainer(run, 6, max_steps=2).train()
    assert json.loads((run / "checkpoint-2" / "bgs_trainer_state.json").read_text())["steps_per_epoch"] == 3
    other = _own_trainer(run, clips_per_step, max_steps=4, **training)
    with pytest.raises(BGSInputError) as err:
        other.train(resume_from_checkpoint=str(run / resume) if isinstance(resume, str) else resume)
    assert str(err.value) == (f"checkpoint-2: {why}: the remaining steps would not be the run's (other clip sets, "
                              f"epochs ending elsewhere); {fix}, or start a new run")
    assert other.state.global_step == 0 and not (run / "checkpoint-3").exists()
    # mutation audit (fifth pass): a trainer whose caller checked another checkpoint (train_bgs checks the one it
    # resumes, before the model is built) skipped the check of this one, and no test saw it
    other.schedule_checked = str(run / "checkpoint-1")
    with pytest.raises(BGSInputError) as again:
        other.train(resume_from_checkpoint=str(run / resume) if isinstance(resume, str) else resume)
    assert str(again.value) == str(err.value)
    same = _own_trainer(run, 6, max_steps=4)
    same.train(resume_from_checkpoint=str(run / "checkpoint-2"))
    assert same.state.global_step == 4


def test_a_trainer_built_directly_checks_the_seed_its_own_sampler_drew_the_clip_sets_with(tmp_path) -> None:
    """A ``BGSTrainer`` built by one's own code gives its sampler a seed of its own (here 0, beside ``args.seed`` 42),
    but its resume check took the flags' seed (``data_seed``, else ``seed``) for the clip sets': a resume that changed
    only ``args.seed`` (42 to 7; the run's clip sets) was refused naming seeds 42 and 7, and one whose sampler drew
    with seed 1 (other clip sets) was taken without a word. The checkpoint records its sampler's seed; a sampler of
    another seed is refused naming 0 and 1, and the run's sampler resumes to its 4 steps whatever ``args.seed``."""
    from bgs_hf.errors import BGSInputError

    run = tmp_path / "r"
    _own_trainer(run, 6, sampler_seed=0, max_steps=2, seed=42).train()
    assert json.loads((run / "checkpoint-2" / "bgs_trainer_state.json").read_text())["sampler_seed"] == 0
    other = _own_trainer(run, 6, sampler_seed=1, max_steps=4, seed=42)
    with pytest.raises(BGSInputError) as err:
        other.train(resume_from_checkpoint=str(run / "checkpoint-2"))
    assert str(err.value) == ("checkpoint-2: its run drew its clip sets with seed 0, this one with 1: the remaining "
                              "steps would not be the run's (other clip sets, epochs ending elsewhere); resume with "
                              "sampler seed 0, or start a new run")
    assert other.state.global_step == 0 and not (run / "checkpoint-3").exists()
    same = _own_trainer(run, 6, sampler_seed=0, max_steps=4, seed=7)
    same.train(resume_from_checkpoint=str(run / "checkpoint-2"))
    assert same.state.global_step == 4


def test_a_trainer_built_directly_resumes_true_from_the_newest_complete_checkpoint(tmp_path, caplog) -> None:
    """``BGSTrainer.train(resume_from_checkpoint=True)`` took transformers' newest ``checkpoint-N`` whatever its write:
    after a kill while checkpoint-3 was written (its marker there, its ``trainer_state.json`` not yet) the resume was a
    ``FileNotFoundError`` traceback. ``True`` is ``--resume_from_checkpoint last``: checkpoint-2, the newest complete
    one, trains on to step 4, the cut one named in a warning; the cut folder given by name is refused in one line."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.models.loading import INCOMPLETE_MARKER
    from bgs_hf.training.resume import checkpoint_complete

    run = tmp_path / "r"
    _own_trainer(run, 6, max_steps=3).train()
    (run / "checkpoint-3" / "trainer_state.json").unlink()  # a kill during checkpoint-3's write
    (run / "checkpoint-3" / INCOMPLETE_MARKER).touch()
    with pytest.raises(BGSInputError, match=r"^checkpoint-3: checkpoint was not completely written"):
        _own_trainer(run, 6, max_steps=4).train(resume_from_checkpoint=str(run / "checkpoint-3"))
    resumed = _own_trainer(run, 6, max_steps=4)
    with caplog.at_level("WARNING"):
        resumed.train(resume_from_checkpoint=True)
    assert "ignoring 1 incompletely written checkpoint: checkpoint-3" in caplog.text
    assert resumed.state.global_step == 4 and checkpoint_complete(run / "checkpoint-3")


@pytest.mark.parametrize("state, flags, seed, refused", [
    # an older bgs-hf's checkpoint (no sampler_seed): the flags' seeds of both runs, whatever this sampler's seed
    ({}, (42, None), 0, None),
    ({}, (8, None), 42, (42, 8, "--seed 42")),
    # an edited record's `true` (equal to 1 in Python) is no record either
    ({"sampler_seed": True}, (42, None), 1, None),
    # recorded: the samplers' seeds, whatever the flags; a flag is named where this run's seed is the flags'
    ({"sampler_seed": 3}, (42, None), 3, None),
    ({"sampler_seed": 3}, (42, None), 42, (3, 42, "--seed 3")),
    ({"sampler_seed": 3}, (42, 9), 9, (3, 9, "--data_seed 3")),
    ({"sampler_seed": 3}, (42, None), 4, (3, 4, "sampler seed 3")),
])
def test_a_resumes_clip_set_seed_is_the_recorded_samplers_else_the_flags(tmp_path, state, flags, seed,
                                                                         refused) -> None:
    """Hand records of a run at ``--seed`` 42 (``training_args.json``) whose sampler recorded seed 3, or an older
    checkpoint that recorded none; this run's ``(--seed, --data_seed)`` and its sampler's ``seed``: which seeds are
    compared, and what a refusal advises."""
    from types import SimpleNamespace

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.trainer import check_resume_schedule

    folder = tmp_path / "checkpoint-4"
    folder.mkdir()
    (folder / "bgs_trainer_state.json").write_text(json.dumps(state))
    (folder / "training_args.json").write_text(json.dumps({"gradient_accumulation_steps": 1, "seed": 42,
                                                           "data_seed": None}))
    args = SimpleNamespace(gradient_accumulation_steps=1, seed=flags[0], data_seed=flags[1])
    if refused is None:
        check_resume_schedule(folder, 3, args, None, 1, seed)
        return
    was, now, fix = refused
    with pytest.raises(BGSInputError) as err:
        check_resume_schedule(folder, 3, args, None, 1, seed)
    assert str(err.value) == (f"checkpoint-4: its run drew its clip sets with seed {was}, this one with {now}: the "
                              "remaining steps would not be the run's (other clip sets, epochs ending elsewhere); "
                              f"resume with {fix}, or start a new run")


def test_train_bgs_checks_a_resumes_schedule_once(tmp_path, monkeypatch) -> None:
    """``train_bgs`` checks the schedule before it builds the model; its trainer's ``train`` does not check it again."""
    from test_training import _resumable
    from test_training_helpers import tiny_data

    from bgs_hf.training import resume as resume_mod
    from bgs_hf.training import train_bgs
    from bgs_hf.training import trainer as trainer_mod

    data, pix = tiny_data()
    run = tmp_path / "r"
    train_bgs(_resumable(run, data, pix, {}, max_steps=1))
    checked: list[str] = []
    check = resume_mod.check_resume_schedule
    for module in (resume_mod, trainer_mod):  # train_bgs calls it from its home, the trainer's train by its own name
        monkeypatch.setattr(module, "check_resume_schedule",
                            lambda folder, *a: checked.append(Path(folder).name) or check(folder, *a))
    done = train_bgs(_resumable(run, data, pix, {}, max_steps=2, resume_from_checkpoint="last"))
    assert checked == ["checkpoint-1"] and done.trainer.state.global_step == 2


def test_complete_checkpoints_pass_over_a_stray_file_and_a_backup_copy_of_a_checkpoint(tmp_path):
    """Mutation audit of ``complete_checkpoints`` (what ``--resume_from_checkpoint last`` and an interrupted train's
    last line read): every test's run folder held only ``checkpoint-N`` folders, so dropping the folder test or the
    name pattern passed. A file named ``checkpoint-7`` is no checkpoint, not even an incomplete one, and a complete
    copy ``checkpoint-10.bak`` (a user's backup) is no step to sort by (it was ``int('10.bak')``'s ValueError)."""
    from bgs_hf.training.resume import complete_checkpoints

    for name, complete in (("checkpoint-3", True), ("checkpoint-10.bak", True), ("checkpoint-12", False)):
        (tmp_path / name).mkdir()
        if complete:
            (tmp_path / name / "trainer_state.json").write_text(json.dumps({"global_step": 3}))
    (tmp_path / "checkpoint-7").write_text("")
    assert complete_checkpoints(tmp_path) == ([tmp_path / "checkpoint-3"], ["checkpoint-12"])


def test_resume_last_names_the_run_folder_of_the_half_written_checkpoints_it_ignores(tmp_path, caplog) -> None:
    """``ignoring 1 incompletely written checkpoint: checkpoint-7`` named no folder: with another run's checkpoint
    resumed before, or runs side by side, a bare ``checkpoint-7`` could be any run's. The line names the run folder."""
    from bgs_hf.training.resume import resolve_resume

    run = tmp_path / "runs" / "b"
    for step, files in {4: ["trainer_state.json"], 7: []}.items():
        (run / f"checkpoint-{step}").mkdir(parents=True)
        for f in files:
            (run / f"checkpoint-{step}" / f).write_text("{}")
    with caplog.at_level("WARNING", logger="bgs_hf.training"):
        assert resolve_resume("last", run) == str(run / "checkpoint-4")
    lines = [r.getMessage() for r in caplog.records if "incompletely written" in r.getMessage()]
    assert lines == [f"{run}: ignoring 1 incompletely written checkpoint: checkpoint-7"], lines


def test_a_trainer_trained_afresh_after_a_resume_names_its_loss_train_loss_again(tmp_path) -> None:
    """A trainer resumed once and then trained again without a resume (a notebook's second ``train()``) trains the
    run from step 0: its loss, time and rates are the run's, ``train_loss`` as in any run in one call, not named
    ``..._since_resume`` after the earlier call's resume."""
    run = tmp_path / "r"
    _own_trainer(run, 6, max_steps=2).train()
    trainer = _own_trainer(run, 6, max_steps=3)
    resumed = trainer.train(resume_from_checkpoint=True).metrics
    assert "train_loss_since_resume" in resumed and "train_loss" not in resumed
    again = trainer.train().metrics
    assert {"train_loss", "train_runtime", "train_steps_per_second"} <= set(again), again
    assert not any(k.endswith("_since_resume") for k in again), again
    assert "train_loss" in trainer.state.log_history[-1]
