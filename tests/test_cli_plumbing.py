"""CLI plumbing: every flag reaches what it sets, and every way a command ends has its exit status and one line.

Each test here caught a hand mutation of ``bgs_hf/cli`` that the rest of the suite passed (named in its docstring).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bgs_hf.cli.main import Terminated, build_parser, main, run_guarded
from bgs_hf.errors import BGSDivergedError, BGSInputError, whole_number


def _offline() -> OSError:
    from huggingface_hub.errors import OfflineModeIsEnabled

    return OfflineModeIsEnabled("Cannot reach https://huggingface.co: offline mode is enabled.")


def _not_in_the_cache() -> OSError:
    from huggingface_hub.errors import LocalEntryNotFoundError

    return LocalEntryNotFoundError("Cannot find the requested files in the disk cache")


@pytest.mark.parametrize(("error", "code", "line"), [
    (BGSInputError("--data: no such folder"), 2, "error: --data: no such folder"),
    (BGSDivergedError("loss became nan at step 3"), 1, "error: loss became nan at step 3"),
    (PermissionError(13, "Permission denied", "/ro/run"), 2, "error: PermissionError: Permission denied: /ro/run"),
    (_offline(), 2, "error: OfflineModeIsEnabled: Cannot reach https://huggingface.co: offline mode is enabled. "
                    "(no network, or HF_HUB_OFFLINE is set: this command needs the Hub)"),
    (OSError("Device not configured\n  while writing runs/x"), 2, "error: OSError: Device not configured"),
    # CLI audit, third pass: the hint given to hub's offline error alone passed; a lost connection and a file
    # missing from the offline cache are the same failure
    (ConnectionError("Name or service not known"), 2, "error: ConnectionError: Name or service not known (no network, "
                                                      "or HF_HUB_OFFLINE is set: this command needs the Hub)"),
    (_not_in_the_cache(), 2, "error: LocalEntryNotFoundError: Cannot find the requested files in the disk cache (no "
                             "network, or HF_HUB_OFFLINE is set: this command needs the Hub)"),
    (KeyboardInterrupt(), 130, "interrupted"),
    (Terminated(), 143, "terminated"),
])
def test_each_way_a_command_ends_has_its_exit_status_and_one_line(error, code, line, capsys):
    """`bgs-hf --help` documents 1 for a diverged run (2 for bad input) and the offline hint on a Hub failure; a
    diverged run exiting 2, an OS error exiting 1 and the hint dropped all passed the suite; so did an OS error's
    message printed whole over several lines (mutation audit)."""

    def command() -> int:
        raise error

    assert run_guarded(command) == code
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [line] and captured.out == ""


def test_an_os_error_of_two_files_names_both_as_python_does(tmp_path, capsys):
    """``push --local-dir`` (and ``data import``) copy with ``shutil``, which on a full disk raises ENOSPC with the
    *source* as ``filename`` and the copy as ``filename2``: the line read ``No space left on device: run/base/
    model.safetensors``, the user's file on a disk with room. A rename into a gone folder named only the file that
    exists. Both files, as ``str(OSError)`` gives them."""
    import errno
    import os

    src = tmp_path / "model.safetensors"
    src.write_bytes(b"w")

    def rename_into_a_gone_folder() -> None:  # raised by the OS
        os.rename(src, tmp_path / "gone" / "model.safetensors")

    def copy_onto_a_full_disk() -> None:  # as shutil's copyfile raises it (seen on a 100 kB tmpfs)
        raise OSError(errno.ENOSPC, "No space left on device", "run/base/model.safetensors", None,
                      "/full/.bgs-partial-push-9/base/model.safetensors")

    assert run_guarded(rename_into_a_gone_folder) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: FileNotFoundError: No such file or directory: {src} -> {tmp_path / 'gone' / 'model.safetensors'}"]
    assert run_guarded(copy_onto_a_full_disk) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: OSError: No space left on device: run/base/model.safetensors -> "
        "/full/.bgs-partial-push-9/base/model.safetensors"]


def test_a_full_disk_or_a_gone_folder_under_safetensors_is_one_os_error_line(tmp_path, capsys):
    """safetensors raises its own ``SafetensorError``, no ``OSError``, when it cannot write weights: ``bgs-hf train``
    whose disk filled while a checkpoint's adapter was saved (a 900 kB tmpfs) ended in a multi-screen traceback with
    exit status 1. It is the environment's one line, exit 2, as any other full disk; other errors still crash."""
    import safetensors.torch
    import torch
    from safetensors import SafetensorError

    gone = tmp_path / "gone"

    def save_into_a_gone_folder() -> None:  # safetensors' own error, raised by safetensors
        safetensors.torch.save_file({"w": torch.zeros(2)}, str(gone / "adapter_model.safetensors"))

    def save_onto_a_full_disk() -> None:  # its words on that full tmpfs (no path: the write failed, not the open)
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    def crash() -> None:
        raise RuntimeError("a bug that mentions no OS error")

    assert run_guarded(save_into_a_gone_folder) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: FileNotFoundError: No such file or directory: {gone}/"), err
    assert run_guarded(save_onto_a_full_disk) == 2
    assert capsys.readouterr().err.splitlines() == ["error: OSError: No space left on device"]
    with pytest.raises(RuntimeError, match="a bug"):
        run_guarded(crash)
    assert not gone.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, whose every write fails with ENOSPC")
def test_a_full_disk_or_a_gone_folder_under_torch_save_is_one_os_error_line_naming_its_file(tmp_path, capsys):
    """``torch.save`` (a checkpoint's ``optimizer.pt``, ``scheduler.pt``, ``rng_state.pth``) raises a ``RuntimeError``
    with no OS error in it when its write fails (torch 2.13: ``unexpected pos 704 vs 598``, or ``basic_ios::clear:
    iostream error`` for a file small enough to fail only when closed; ``Parent directory ... does not exist.``), so a
    full disk while a checkpoint was saved was a multi-screen traceback, exit 1. It is one line naming the file, exit
    2; "the disk may be full" only where torch's words do not say why (an ``OSError`` a file object raised does).
    torch's own words raised outside ``torch.save``, or another error inside it, still crash."""
    import errno
    import io

    import torch

    full = tmp_path / "checkpoint-6" / "optimizer.pt"  # every write to it fails, as on a full disk
    full.parent.mkdir()
    full.symlink_to("/dev/full")
    gone = tmp_path / "gone" / "rng_state.pth"

    class FullDisk(io.RawIOBase):  # a file object (fsspec, a user's own) on a disk with room for 100 bytes
        name = "/out/checkpoint-6/scheduler.pt"
        written = 0

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.written += len(data)
            if self.written > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            return len(data)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("a bug while pickling")

    for obj in ({"exp_avg": torch.zeros(1000)}, {"step": torch.zeros(1)}):  # a write cut mid-file; at its close
        assert run_guarded(lambda obj=obj: torch.save(obj, str(full))) == 2
        assert capsys.readouterr().err.splitlines() == \
            [f"error: OSError: write failed (the disk may be full): {full}"], obj
    assert run_guarded(lambda: torch.save({"w": torch.zeros(1)}, gone)) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: FileNotFoundError: No such file or directory: {gone}"]
    assert run_guarded(lambda: torch.save({"w": torch.zeros(1000)}, FullDisk())) == 2
    assert capsys.readouterr().err.splitlines() == \
        ["error: OSError: No space left on device: /out/checkpoint-6/scheduler.pt"]

    def torchs_words_elsewhere() -> None:
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")

    with pytest.raises(RuntimeError, match="unexpected pos"):
        run_guarded(torchs_words_elsewhere)
    with pytest.raises(RuntimeError, match="a bug while pickling"):
        run_guarded(lambda: torch.save({"w": Unpicklable()}, tmp_path / "fine.pt"))
    assert not gone.parent.exists()


def test_only_torchs_own_write_failure_inside_torch_save_is_an_os_error_line(tmp_path, capsys):
    """Mutation audit (``_torch_write_error``): torch's zip writer's own words were never raised, its words inside
    another message were never tried (a bug's message quoting them), nor a ``ValueError`` with them, nor a function
    named ``save`` outside torch, nor ``torch.load`` under them; the ``OSError`` under a file object's own error, or
    one with no ``strerror``, kept no test. By hand: each line below, from the ``OSError`` as written (an unnamed
    buffer's names no file); the others crash."""
    import errno
    import io

    import torch

    class Raises:  # pickled inside torch.save: its error is raised there, torch's own frames around it
        def __init__(self, err: Exception) -> None:
            self.err = err

        def __reduce__(self):
            raise self.err

    class FileObject(io.RawIOBase):  # a file object whose every write past 100 bytes raises ``fails()``
        def __init__(self, fails, name: str | None = "/out/checkpoint-6/scheduler.pt") -> None:
            super().__init__()
            self.fails, self.written = fails, 0
            if name is not None:
                self.name = name

        def writable(self) -> bool:
            return True

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:  # torch.load reads only a seekable file
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def readinto(self, buffer) -> int:
            raise self.fails()

        def write(self, data) -> int:
            self.written += len(data)
            if self.written > 100:
                raise self.fails()
            return len(data)

    def under_its_own_error() -> Exception:  # an fsspec-like writer whose own error replaced the OSError
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise ValueError("flush failed")  # noqa: B904 - as such a writer raises it (its __context__ only)

    def save(obj, f) -> None:  # a function of ours that happens to be called save
        raise RuntimeError("basic_ios::clear: iostream error")

    target = tmp_path / "optimizer.pt"
    writer_words = "PytorchStreamWriter failed writing file data/0: file write failed"
    said = {  # raised -> the one line
        lambda: torch.save({"w": Raises(RuntimeError(writer_words))}, str(target)):
            f"error: OSError: write failed (the disk may be full): {target}",
        lambda: torch.save({"w": torch.zeros(1000)}, FileObject(under_its_own_error)):
            "error: OSError: No space left on device: /out/checkpoint-6/scheduler.pt",
        lambda: torch.save({"w": torch.zeros(1000)}, FileObject(lambda: OSError("quota exceeded"))):
            "error: OSError: quota exceeded",
        lambda: torch.save({"w": torch.zeros(1000)}, FileObject(lambda: OSError(errno.ENOSPC, "No space left on device"),
                                                                name=None)):
            "error: OSError: No space left on device",
    }
    for command, line in said.items():
        assert run_guarded(command) == 2
        assert capsys.readouterr().err.splitlines() == [line]
    crashes = [
        lambda: torch.save({"w": Raises(RuntimeError("a bug after basic_ios::clear: iostream error"))}, str(target)),
        lambda: torch.save({"w": Raises(RuntimeError(f"a bug: Parent directory {tmp_path} does not exist."))},
                           str(target)),
        lambda: torch.save({"w": Raises(ValueError("basic_ios::clear: iostream error"))}, str(target)),
        lambda: save({"w": 1}, str(target)),
        lambda: torch.load(FileObject(lambda: RuntimeError("basic_ios::clear: iostream error"))),
    ]
    for command in crashes:
        with pytest.raises((RuntimeError, ValueError)):
            run_guarded(command)


def test_only_an_error_that_is_an_os_error_is_its_line_and_a_crash_still_closes_its_bar(monkeypatch, capsys):
    """Mutation audit (the OS error inside a library's error): a Rust I/O error worded over two lines or ending in a
    newline was a crash, an error that only quotes one with more after it was taken for it, and a crash, now caught by
    the new branch first, left its bar open, so its traceback began on the bar's line. By hand: the line holds the
    error's own words, and the bar's line ends before the traceback."""
    import io

    from safetensors import SafetensorError
    from tqdm.auto import tqdm

    def two_lines() -> None:
        raise SafetensorError("Error while serializing:\nI/O error: No space left on device (os error 28)\n")

    def quotes_one() -> None:
        raise RuntimeError("saving w: No space left on device (os error 28); then a bug")

    assert run_guarded(two_lines) == 2
    assert capsys.readouterr().err.splitlines() == ["error: OSError: No space left on device"]
    with pytest.raises(RuntimeError, match="then a bug"):
        run_guarded(quotes_one)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)

    def crash() -> None:  # the bar lives on in this frame, which the traceback keeps
        bar = tqdm(total=10, desc="pixel baseline", mininterval=0)
        bar.update(3)
        raise RuntimeError("a bug at clip 3")

    with pytest.raises(RuntimeError, match="a bug at clip 3") as crashed:
        run_guarded(crash)
    assert "pixel baseline" in stderr.getvalue() and stderr.getvalue().endswith("\n"), crashed


def test_a_command_that_started_no_process_group_imports_no_torch_to_end_one():
    """Mutation audit (``command_process_group``): ending a group whenever the command had none before, not only when
    one is up after it, imported torch at the end of every command that needs none (``data validate``) and called
    ``destroy_process_group`` on no group. A fresh process that runs a command without torch has none imported."""
    import subprocess
    import sys

    probe = "import sys\nfrom bgs_hf.cli.main import run_guarded\nassert run_guarded(lambda: 0) == 0\n" \
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0 and run.stdout.split("\n")[0] == "[]", run.stderr[-2000:]


@pytest.mark.parametrize("entry, flags", [("bgs_hf.cli.main", ["data", "validate", "{missing}"]),
                                          ("bgs_hf.train", ["--data", "{missing}", "--output-dir", "{out}"])])
def test_a_command_run_as_its_process_exits_without_the_last_collections_and_one_called_in_process_does_not(
        entry, flags, tmp_path):
    """Every ``bgs-hf`` command (and each process of a launch, ``python -m bgs_hf.train``) that imported torch and
    transformers took 2-3 s after its last line to exit: the interpreter's teardown collected every object the
    imports made. Only ``bgs-hf space`` froze the collector at exit. Now the console script's ``main()`` (no argv: the
    process is the command) does; an in-process ``main([...])`` (a notebook, a test) leaves the collector alone, at
    exit too. The probe, registered before ``main``, runs after every exit handler the command registers."""
    import subprocess
    import sys

    argv = [flag.format(missing=tmp_path / "missing", out=tmp_path / "out") for flag in flags]
    for in_process, expected in ((False, "frozen"), (True, "not frozen")):
        probe_file = tmp_path / f"probe-{in_process}.txt"
        start = ("import atexit, gc, sys;"
                 f"probe = open({str(probe_file)!r}, 'w');"
                 "atexit.register(lambda: probe.write(f'at exit {gc.get_freeze_count()}\\n') and probe.close());"
                 f"from {entry} import main; status = main({'sys.argv[1:]' if in_process else ''});"
                 "probe.write(f'after main {gc.get_freeze_count()}\\n'); sys.exit(status)")
        run = subprocess.run([sys.executable, "-c", start, *argv], capture_output=True, text=True, timeout=300,
                             cwd=Path(__file__).resolve().parents[1])
        assert run.returncode in (1, 2) and "missing" in run.stdout + run.stderr, run.stderr[-2000:]  # it ran
        after_main, at_exit = probe_file.read_text().splitlines()
        assert after_main == "after main 0", (entry, in_process, after_main)  # untouched while the process runs on
        frozen = int(at_exit.removeprefix("at exit ")) > 0  # was 0 without argv: every object collected
        assert ("frozen" if frozen else "not frozen") == expected, (entry, in_process, at_exit)


def test_an_in_process_main_given_no_flags_leaves_the_collector_alone(monkeypatch, capsys):
    """Only ``main()`` without ``argv`` (the process is the command) freezes the collector at exit: an in-process
    ``main([])`` (a notebook asking for the usage) is still in-process. Mutation audit: ``if not argv`` for
    ``argv is None`` passed in both entry points (the test above passes flags)."""
    import sys

    import bgs_hf._process
    from bgs_hf import train

    calls: list[str] = []
    monkeypatch.setattr(bgs_hf._process, "exit_without_collecting", lambda: calls.append("frozen at exit"))
    for entry in (main, train.main):
        try:
            entry([])
        except SystemExit:  # the usage error, as argparse ends it
            pass
    assert calls == []
    monkeypatch.setattr(sys, "argv", ["bgs-hf"])
    main()
    assert calls == ["frozen at exit"]  # the probe reaches the console script's path
    capsys.readouterr()


def test_a_process_group_that_will_not_end_leaves_the_commands_own_error(tmp_path, monkeypatch, capsys):
    """Mutation audit (``_end_process_group``): a group a failed peer left broken can raise on
    ``destroy_process_group``; without the guard that error replaced the command's own (a refusal's one line became
    a RuntimeError traceback). Here a 1-process gloo group the command starts, whose destroy raises."""
    import torch.distributed as dist

    destroy = dist.destroy_process_group

    def broken() -> None:
        raise RuntimeError("Connection closed by peer")

    def refused() -> None:
        dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
        raise BGSInputError("refused here", path="judgments.csv")

    monkeypatch.setattr(dist, "destroy_process_group", broken)
    try:
        assert run_guarded(refused) == 2
        assert capsys.readouterr().err.splitlines() == ["error: judgments.csv: refused here"]
    finally:
        if dist.is_initialized():
            destroy()


@pytest.mark.parametrize("tty", [True, False])
def test_an_error_line_starts_on_its_own_line_after_a_bar_the_failure_left_open(tty, monkeypatch):
    """A bar iterated by a comprehension (the pixel baseline's decode) or held by an object (the Trainer's step bar)
    outlives the failure while its traceback lives: ``error:`` was written on the bar's line (``3/10 [00:00<...]error:
    clip 3 ...``), and the bar drawn again under it when the traceback went. A pipe gets no blank line either."""
    import gc
    import io

    from tqdm.auto import tqdm

    class Stderr(io.StringIO):
        def isatty(self) -> bool:
            return tty

    stderr = Stderr()
    monkeypatch.setattr("sys.stderr", stderr)

    def decode(i: int) -> int:
        if i == 3:
            raise BGSInputError("clip 3 cannot be decoded")
        return i

    def command() -> None:
        [decode(i) for i in tqdm(range(10), desc="pixel baseline", mininterval=0)]

    assert run_guarded(command) == 2
    gc.collect()  # the failure's frames are gone: nothing more is drawn
    lines = stderr.getvalue().split("\n")
    assert lines[-2:] == ["error: clip 3 cannot be decoded", ""] and "pixel baseline" in lines[-3]
    assert "" not in lines[:-1]


def test_an_input_error_names_its_file_and_row_on_one_line_and_a_setting_as_each_command_spells_it():
    """Mutation audit (``errors``, second pass): a message's newline kept, ``as_flags`` joining words with ``_``
    whatever the command, and a value not quoted in the library's own words all passed (the tests saw settings only
    through typed flags, which are spelt as typed again). The file's name, its row and ``naming_flag``'s prefix,
    caught elsewhere through whole commands, are checked here on the class itself."""
    from bgs_hf.errors import BGSSettingError, naming_flag

    err = BGSInputError("column 'odd'\nis empty", path="/data/release/judgments.csv", row=4)
    assert str(err) == "judgments.csv row 4: column 'odd' is empty" and err.detail == "column 'odd'\nis empty"
    assert str(BGSInputError("bad", path=Path("x") / "a.csv")) == "a.csv: bad"
    setting = BGSSettingError(lambda n: f"{n('val_split', 'paper')} holds out 0.2, not {n('val_fraction', 0.1)}")
    assert str(setting) == "val_split 'paper' holds out 0.2, not val_fraction 0.1"
    assert str(setting.as_flags("-")) == "--val-split paper holds out 0.2, not --val-fraction 0.1"
    assert str(setting.as_flags("_")) == "--val_split paper holds out 0.2, not --val_fraction 0.1"
    with pytest.raises(BGSInputError) as info, naming_flag("--lora_r"):
        raise BGSInputError("LoRA rank r must be >= 1, got 0")
    assert str(info.value) == "--lora_r: LoRA rank r must be >= 1, got 0"



def test_an_input_error_about_a_path_with_no_name_names_it_as_given():
    """Mutation audit (``errors``, fourth pass): a path with no name (``.``, ``/``: ``Path.name`` is empty) named as
    ``": no such folder"`` passed: each is named as given."""
    assert str(BGSInputError("is not empty", path=".")) == ".: is not empty"
    assert str(BGSInputError("no such folder", path="/", row=2)) == "/ row 2: no such folder"


def test_a_setting_named_as_flags_keeps_its_own_detail_and_a_note_not_about_its_line_is_left_as_written():
    """Mutation audit (``errors``, fourth pass): ``as_flags`` giving the flag-named error the Python-named ``detail``
    of the one it renames (``detail`` is what a caller re-words: ``run_info``, ``validate``), and a worker's naming
    note read back over a line that does not end with the setting's words (the line's head cut at the wrong place),
    both passed."""
    import json

    from bgs_hf.errors import NAMING_NOTE, BGSSettingError, _portable

    say = lambda n: f"{n('val_split', 'paper')} needs {n('val_fraction')}"  # noqa: E731
    flags = BGSSettingError(say, path="/data/splits.json").as_flags("-")
    assert flags.detail == "--val-split paper needs --val-fraction"
    assert str(flags) == "splits.json: --val-split paper needs --val-fraction"
    text = f"another error's words\n{NAMING_NOTE}{json.dumps(_portable(say))}"
    assert str(BGSSettingError(text).as_flags("-")) == text.replace("\n", " ")


def test_each_allocators_own_words_are_out_of_memory_and_a_subclass_or_other_words_are_not():
    """Mutation audit (``errors``, fourth pass): ``CPU_OUT_OF_MEMORY`` cut to torch's CPU allocator alone passed (the
    tests' one message named all three markers): MPS says only "out of memory", a bare ``malloc`` failure only "can't
    allocate memory"."""
    from bgs_hf.errors import is_out_of_memory

    for said in ("MPS backend out of memory (MPS allocated: 9.00 GB)", "can't allocate memory: you tried 8 GB",
                 "[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: not enough memory"):
        assert is_out_of_memory(RuntimeError(said)), said
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    assert not is_out_of_memory(BGSDivergedError("loss became nan: out of memory"))  # a subclass: its own error
    assert not is_out_of_memory(ValueError("out of memory"))


def test_a_refused_setting_keeps_its_file_and_row_as_flags_and_a_flags_prefix_keeps_the_file_name():
    """Mutation audit (``errors``, third pass): a ``BGSSettingError`` dropping its file and row, ``as_flags`` dropping
    them from the line it gives the command, and ``naming_flag`` prefixing the bare message (the file's name lost) all
    passed: every setting tried came from no file."""
    from bgs_hf.errors import BGSSettingError, naming_flag

    setting = BGSSettingError(lambda n: f"{n('val_split', 'paper')} names 1 val clip", path="/d/annotations.csv",
                              row=3)
    assert str(setting) == "annotations.csv row 3: val_split 'paper' names 1 val clip"
    flags = setting.as_flags("-")
    assert str(flags) == "annotations.csv row 3: --val-split paper names 1 val clip"
    assert (flags.path, flags.row) == (Path("/d/annotations.csv"), 3)
    with pytest.raises(BGSInputError) as info, naming_flag("--data"):
        raise BGSInputError("column 'odd' is empty", path="/d/judgments.csv")
    assert str(info.value) == "--data: judgments.csv: column 'odd' is empty"


def _every_input_error() -> list[tuple[BaseException, str, dict[str, object]]]:
    """Every error class of bgs_hf a command prints in one line (written out by hand: a new one belongs here), one of
    each with the line it says and its own fields."""
    from bgs_hf.errors import BGSSettingError
    from bgs_hf.models.liveness import DeadLoraError
    from bgs_hf.synth.budget import BudgetError

    return [
        (BGSInputError("column 'odd' is empty", path="/d/judgments.csv", row=4),
         "judgments.csv row 4: column 'odd' is empty", {"path": Path("/d/judgments.csv"), "row": 4}),
        (BGSSettingError(lambda n: f"{n('val_split', 'paper')} names 1 val clip", path="/d/annotations.csv", row=3),
         "annotations.csv row 3: val_split 'paper' names 1 val clip", {"path": Path("/d/annotations.csv"), "row": 3}),
        (BudgetError(lambda n: f"SocialShapes with {n('n_clips', 10000)} needs about 69 GB of memory: set "
                               f"{n('force')} to run anyway", "about 69 GB of memory"),
         "SocialShapes with n_clips 10000 needs about 69 GB of memory: set force to run anyway",
         {"needs": "about 69 GB of memory"}),
        (DeadLoraError(["blocks.0.attn.qkv", "blocks.1.attn.qkv"], 4, "qkv"),
         "2 of 4 LoRA modules are dead (zero lora_B gradient): blocks.0.attn.qkv, blocks.1.attn.qkv; choose targets "
         "on the forward path (--lora_target_modules), such as the backbone's default 'qkv'",
         {"dead": ["blocks.0.attn.qkv", "blocks.1.attn.qkv"]}),
        (BGSDivergedError("loss is nan at step 3"), "loss is nan at step 3", {}),
    ]


def test_every_input_error_survives_pickle_and_a_rebuild_from_its_message():
    """A ``BGSSettingError`` kept its ``say``, mostly a lambda, so pickle refused it (a process pool's worker handed
    its caller a pickling error instead), and a ``BudgetError`` (``say, needs``) or ``DeadLoraError`` (``dead, total``)
    could not be built from its message alone, which is how torch re-raises a DataLoader worker's error (a
    ``RuntimeError`` traceback). Now each comes back from pickle as it was, fields and the naming of its settings
    included, and is rebuilt from its line (a subclass's own fields empty there)."""
    import pickle

    for err, line, fields in _every_input_error():
        back = pickle.loads(pickle.dumps(err))
        assert (type(back), str(back)) == (type(err), line)
        assert {k: getattr(back, k) for k in fields} == fields
        rebuilt = type(err)(line)
        assert (type(rebuilt), str(rebuilt)) == (type(err), line)
    budget, dead = [err for err, _, _ in _every_input_error()][2:4]
    assert (type(budget)(str(budget)).needs, type(dead)(str(dead)).dead) == (None, [])
    flags = {type(err): str(pickle.loads(pickle.dumps(err)).as_flags("-")) for err, _, _ in _every_input_error()[1:3]}
    assert list(flags.values()) == [
        "annotations.csv row 3: --val-split paper names 1 val clip",
        "SocialShapes with --n-clips 10000 needs about 69 GB of memory: set --force to run anyway"]
    assert list(flags) == [type(err) for err, _, _ in _every_input_error()[1:3]]  # as_flags keeps the type


def test_a_dataloader_workers_setting_refusal_names_its_flags_in_the_process_that_re_raises_it(monkeypatch, capsys):
    """torch hands a worker's error to the main process as the text of its traceback, rebuilt as
    ``type(err)(text)``: the worker's ``say`` is lost, and the line named the setting as in Python (``val_split
    'paper'``) where the same refusal in the main process named the flag. The worker's refusal ends its traceback with
    a note of its naming, read back on the rebuild: the command names the flag. The rebuilt error's text is torch's
    traceback without the note, and a refusal outside a worker carries no note."""
    import torch
    from torch._utils import ExceptionWrapper

    from bgs_hf.cli._parser import flags_as_typed
    from bgs_hf.errors import BGSSettingError

    def refusal() -> BGSSettingError:
        return BGSSettingError(lambda n: f"{n('val_split', 'paper')} needs at least 2 train clips, got {n_train}")

    n_train = 1
    assert getattr(refusal(), "__notes__", None) is None  # a traceback in this process shows no note
    monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: object())  # in a worker, from here on
    try:
        raise refusal()
    except BGSSettingError:
        wrapper = ExceptionWrapper(where="in DataLoader worker process 0")
    monkeypatch.undo()
    with pytest.raises(BGSSettingError) as info:
        wrapper.reraise()
    text = str(info.value)
    assert text.startswith("Caught BGSSettingError in DataLoader worker process 0. Original Traceback")
    assert text.rstrip().endswith("bgs_hf.errors.BGSSettingError: val_split 'paper' needs at least 2 train clips, got 1")

    def command() -> None:
        try:
            wrapper.reraise()
        except BGSInputError as err:
            raise flags_as_typed(err, ["--data", "x"], "_") from None

    assert run_guarded(command) == 2
    assert capsys.readouterr().err == "error: --val_split paper needs at least 2 train clips, got 1\n"


@pytest.mark.parametrize(("argv", "levels"), [
    (["report", "RUN"], (logging.WARNING, logging.INFO)),
    (["--verbose", "report", "RUN"], (logging.INFO, logging.DEBUG)),
    (["-v", "report", "RUN"], (logging.INFO, logging.DEBUG)),
    # after the command (was: "bgs-hf report: error: unrecognized arguments: -v")
    (["report", "RUN", "-v"], (logging.INFO, logging.DEBUG)),
    (["report", "--verbose", "RUN"], (logging.INFO, logging.DEBUG)),
])
def test_verbose_gives_the_command_debug_logging(argv, levels, monkeypatch):
    """`bgs-hf --verbose` promises debug logging; `console(False)` in `main` (the flag parsed, never used) and INFO
    instead of DEBUG for bgs_hf both passed the suite. The levels are the ones while the command runs."""
    import bgs_hf.cli.report as report

    monkeypatch.delenv("RANK", raising=False)
    seen = []
    monkeypatch.setattr(report, "run", lambda args: seen.append(
        (logging.getLogger().level, logging.getLogger("bgs_hf").level)) or 0)
    assert main(argv) == 0
    assert seen == [levels]


def test_verbose_is_taken_before_or_after_every_command_and_a_command_without_it_keeps_the_top_levels():
    """`bgs-hf evaluate -v ...` was argparse's "unrecognized arguments: -v": the flag was the top level's only. Each
    command takes it too, and one not given it leaves `bgs-hf -v COMMAND`'s (a default of False would overwrite it)."""
    from bgs_hf.cli._parser import walk

    parser = build_parser()
    for command in list(walk(parser))[1:]:  # every command and action, `data stats` and `baseline pixels` too
        assert command._option_string_actions["-v"].default is argparse.SUPPRESS, command.prog
    for argv, verbose in ((["data", "stats", "SRC"], False), (["data", "stats", "SRC", "-v"], True),
                          (["data", "-v", "stats", "SRC"], True), (["-v", "data", "stats", "SRC"], True),
                          (["evaluate", "-v", "--data", "d", "--model", "m"], True),
                          (["--verbose", "evaluate", "--data", "d", "--model", "m"], True)):
        assert parser.parse_command_line(argv).verbose is verbose, argv


@pytest.mark.parametrize("argv", [["train", "-v", "--data", "d", "--", "-v"],
                                  ["train", "--data", "d", "--verbose", "--", "-v"],
                                  ["-v", "train", "--data", "d", "--", "-v"]])
def test_train_takes_verbose_among_its_flags_and_hands_the_rest_on(argv, monkeypatch):
    """`bgs-hf train` hands its flags to HfArgumentParser, which said "unrecognized arguments: -v"; `-v` after
    `train` is now the top level's (debug logging while it runs), and every other flag, `--` on included, is handed
    on as typed."""
    import bgs_hf.cli.train as train_cli

    monkeypatch.delenv("RANK", raising=False)
    seen = []
    monkeypatch.setattr(train_cli, "run", lambda args: seen.append(
        (args.train_argv, logging.getLogger("bgs_hf").level)) or 0)
    assert main(argv) == 0
    assert seen == [(["--data", "d", "--", "-v"], logging.DEBUG)]


def test_python_m_bgs_hf_train_takes_verbose_too(monkeypatch, capsys):
    """`python -m bgs_hf.train -v` (and `accelerate launch -m bgs_hf.train -v`) is the run `bgs-hf train -v` is."""
    import bgs_hf.train as train_module

    monkeypatch.delenv("RANK", raising=False)
    seen = []

    def parse(flags):
        seen.append((flags, logging.getLogger("bgs_hf").level))
        raise BGSInputError("--data: no such folder")

    monkeypatch.setattr(train_module, "parse", parse)
    assert train_module.main(["--data", "d", "-v"]) == 2
    assert seen == [(["--data", "d"], logging.DEBUG)]
    assert capsys.readouterr().err == "error: --data: no such folder\n"


def test_python_m_bgs_hf_cli_is_the_bgs_hf_command():
    """`python -m bgs_hf.cli` (a cluster job's interpreter without the console script on PATH) was "No module named
    bgs_hf.cli.__main__; 'bgs_hf.cli' is a package and cannot be directly executed". It is the `bgs-hf` command:
    its help under that name, and its one-line errors and exit status."""
    help_run = subprocess.run([sys.executable, "-m", "bgs_hf.cli", "--help"], capture_output=True, text=True,
                              timeout=120)
    assert help_run.returncode == 0, help_run.stderr
    assert help_run.stdout.startswith("usage: bgs-hf "), help_run.stdout
    bad = subprocess.run([sys.executable, "-m", "bgs_hf.cli", "data", "stats", "no/such/folder"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1, bad.stderr


def test_an_inner_console_keeps_the_outer_ones_levels_and_an_unreadable_rank_is_the_main_process(monkeypatch):
    """Mutation audit: ``console`` not marking itself the owner (``bgs-hf --verbose train`` runs ``bgs_hf.train.main``,
    whose own ``console(False)`` then put bgs_hf back to INFO) and a RANK that is not a number taken for another
    rank's (bgs_hf's INFO lines silenced) both passed."""
    from bgs_hf.cli.main import console

    monkeypatch.delenv("RANK", raising=False)
    with console(True):
        with console(False):
            assert logging.getLogger("bgs_hf").level == logging.DEBUG
        assert logging.getLogger("bgs_hf").level == logging.DEBUG
    monkeypatch.setenv("RANK", "first")
    with console(False):
        assert logging.getLogger("bgs_hf").level == logging.INFO


def test_a_guarded_command_gives_sigterm_back_to_the_handler_it_found():
    """Mutation audit: the CLI's SIGTERM handler left installed after the command passed: ``main()`` called in-process
    (a notebook, a test) then turned the next ``kill`` of that process into a :class:`Terminated` anywhere."""
    import signal

    before, during = signal.getsignal(signal.SIGTERM), []
    assert run_guarded(lambda: during.append(signal.getsignal(signal.SIGTERM))) == 0
    assert during[0] is not before and signal.getsignal(signal.SIGTERM) is before


def test_a_sigterm_during_ctrl_cs_cleanup_leaves_it_interrupted(capsys):
    """Ctrl-C under `accelerate launch --num_processes 1`: the process gets the terminal's SIGINT and, a moment later,
    the launcher's SIGTERM (it stops its child on its own SIGINT); the SIGTERM landed in the cleanup and replaced the
    interrupt, so the run said "terminated" (143) for a Ctrl-C. A SIGTERM alone is still "terminated"."""
    import signal
    import time

    def interrupted() -> None:
        try:
            raise KeyboardInterrupt
        finally:  # the cleanup Ctrl-C runs, while the launcher's SIGTERM arrives
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)

    before = signal.getsignal(signal.SIGTERM)
    assert run_guarded(interrupted) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_sigterm_while_another_error_is_handled_still_terminates(capsys):
    """Mutation audit of 78a00cc: the Ctrl-C check widened to any exception being handled (or any BaseException), a
    SIGTERM landing in an ``except`` block (a library's fallback after a failed import or read, common in loading
    code) was ignored: the scheduler's SIGTERM did nothing and the job ran on until its SIGKILL, with no resume line."""
    import signal
    import time

    def handling() -> None:
        try:
            raise ValueError("a fallback's error")
        except ValueError:  # the library's fallback runs while the scheduler's SIGTERM arrives
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)

    before = signal.getsignal(signal.SIGTERM)
    assert run_guarded(handling) == 143
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("terminated")
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_command_module_not_yet_written_is_left_out_but_its_missing_dependency_is_raised(monkeypatch):
    """Mutant that passed (CLI audit, second pass): any ModuleNotFoundError while registering the commands taken for
    "a command still under construction", so a command whose own import needs a missing package vanished from
    `bgs-hf --help` without a word."""
    import importlib
    from types import SimpleNamespace

    import bgs_hf.cli.main as cli_main

    def import_module(name: str):
        if name == "bgs_hf.cli.push":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        if name == "bgs_hf.cli.space":
            raise ModuleNotFoundError("No module named 'yaml'", name="yaml")
        return importlib.import_module(name)

    monkeypatch.setattr(cli_main, "importlib", SimpleNamespace(import_module=import_module))
    monkeypatch.setattr(cli_main, "COMMANDS", ("synth", "push"))
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert list(commands) == ["synth"]
    monkeypatch.setattr(cli_main, "COMMANDS", ("synth", "space"))
    with pytest.raises(ModuleNotFoundError, match="'yaml'"):
        build_parser()


def test_an_abbreviation_both_spellings_of_one_flag_share_is_not_ambiguous():
    """Every `--dashed-flag` has an `--underscore_flag` alias: without the de-duplication `--split` (for
    --split-seed and --split_seed, one flag) was "ambiguous option" on Python 3.11; the suite only abbreviated past
    the `-`/`_`, where the two spellings differ. An abbreviation of two flags stays ambiguous."""
    parser = build_parser()
    args = parser.parse_args(["data", "stats", "SRC", "--split", "5", "--no"])
    assert (args.split_seed, args.no_png) == (5, True)
    with pytest.raises(SystemExit):
        parser.parse_args(["data", "stats", "SRC", "--n", "5"])  # --n-splits or --no-png


def _toy_data() -> object:
    """What a command needs of a loaded dataset before it hands it on: its name and split names, and (for the humans'
    leave-one-out accuracy `baseline` prints) its clip count and each split's judgments, here none."""
    from types import SimpleNamespace

    from bgs_hf.data.container import TripletArrays

    def no_judgments(split: str) -> TripletArrays:
        return TripletArrays(np.zeros((0, 3), np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64),
                             np.zeros(0, np.int64))

    return SimpleNamespace(name="toy", splits={"train": [0], "val": [1], "test": [2]}, n_clips=3,
                           triplets=no_judgments)


def _scores(split: str) -> dict:
    """A result row with a distinct number in every field, so that a field printed under another's name shows."""
    return {"split": split, "n_clips": 3, "n_pairs": 5, "n_judgments": 4, "r2": 0.25, "r2_ci": [0.125, 0.375],
            "ceiling_r2": 0.5, "pct_of_ceiling": 50.0, "rsa_spearman": 0.31, "rsa_pearson": 0.32,
            "ooo_acc_3way": 0.6, "ooo_acc_2way": 0.7, "pct_of_ceiling_ci": None}


def _run_folder(folder: Path) -> None:
    """A saved run (a tiny random one), for tests whose suite is a stand-in: the CLI checks a run folder's files as
    ``load_model`` would before the data loads, so a bare ``bgs_config.json`` no longer passes for one."""
    from bgs_hf.models import build_embedder

    folder.parent.mkdir(parents=True, exist_ok=True)
    build_embedder("tiny-random-videomae").save_pretrained(str(folder))


def test_evaluate_hands_every_flag_to_the_suite_and_writes_what_it_returns(tmp_path, monkeypatch, capsys):
    """Every flag the suite takes, in one place; mutants that passed the suite before: --cache not handed on, and
    the printed line's CI ends or its 3-way and 2-way accuracies swapped (the others were caught by slower tests)."""
    import json

    import bgs_hf.eval.suite as suite

    loads, seen = [], {}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: loads.append((source, kw)) or _toy_data())

    def run_suite(data, pretrained, finetuned, **kw):
        seen.update(kw, models=(pretrained, finetuned))
        return {"data": "toy", "split": kw["split"], "n_clips": 3, "n_pairs": 5, "n_judgments": 4,
                "noise_ceiling_r2": 0.5, "fit": {"bgs": _scores(kw["split"])}, "timings_s": {"total": 1.0}}

    monkeypatch.setattr(suite, "run_suite", run_suite)
    monkeypatch.chdir(tmp_path)
    _run_folder(tmp_path / "runs" / "ctrl")  # a --control is checked before the data loads, as --model is
    abstract = tmp_path / "abstract"
    abstract.mkdir()
    (abstract / "labels.csv").write_text("video_name,split,label\nv.mp4,train,chase\n")  # read whole by the CLI
    (abstract / "videos").mkdir()
    (abstract / "videos" / "v.mp4").touch()  # its videos are checked to exist too
    js, report, cache = tmp_path / "e.json", tmp_path / "report", tmp_path / "cache"
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--pretrained", "tiny-random-clip",
                 "--split", "val", "--n-boot", "7", "--n-perm", "9", "--seed", "3", "--cache", str(cache),
                 "--abstract", str(abstract), "--analyses", "fit,probes,transfer", "--control", "ctrl=runs/ctrl",
                 "--json", str(js), "--report", str(report)]) == 0
    assert loads == [("D", {"seed": 3})]
    assert seen["models"] == ("tiny-random-clip", "tiny-random-videomae")
    assert {k: seen[k] for k in ("split", "n_boot", "n_perm", "seed", "cache", "abstract_dir", "analyses",
                                 "controls", "out_dir")} == {
        "split": "val", "n_boot": 7, "n_perm": 9, "seed": 3, "cache": str(cache), "abstract_dir": str(abstract),
        "analyses": ("fit", "probes", "transfer"), "controls": {"ctrl": "runs/ctrl"}, "out_dir": report}
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "toy / val: 3 clips, 5 pairs, 4 judgments; noise ceiling R² 0.5000"
    # each accuracy beside its chance level, as the report names them (`3-way 60.0%` alone hid how far above it)
    assert out[1] == (f"  {'BGS fine-tuned (LoRA)':<32} R² 0.2500 [0.1250, 0.3750]  50.0% of ceiling  "
                      "3-way 60.0% (chance 33.3%)  2-way 70.0% (chance 50%)")
    assert json.loads(js.read_text())["fit"]["bgs"]["ooo_acc_2way"] == 0.7
    assert f"wrote {js}" in out  # CLI audit, fourth pass: the line naming the JSON dropped passed


def test_evaluate_refuses_a_caption_mode_it_does_not_know_at_parse_time(capsys):
    """Mutant that passed (CLI audit, fourth pass): `evaluate --caption` without its choices, so `--caption last` was
    refused only once the data had loaded, as the language row's own setting."""
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--caption", "last"])
    assert info.value.code == 2
    assert "argument --caption: invalid choice: 'last'" in capsys.readouterr().err


def test_evaluate_reads_spaced_analyses_a_control_path_holding_an_equals_sign_and_checks_the_language_model(
        tmp_path, monkeypatch, capsys):
    """Mutants that passed (CLI audit, second pass): spaced `--analyses` (" partition , motion") not stripped, a
    `--control` path cut at its second `=`, and `--language-model` checked only when the fit (not the variance
    partitioning, which also embeds the captions) is asked for."""
    import bgs_hf.baselines.language as language
    import bgs_hf.eval.suite as suite

    checked, seen = [], {}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda name: checked.append(name))
    monkeypatch.setattr(suite, "run_suite", lambda data, pretrained, finetuned, **kw: seen.update(kw) or {
        "data": "toy", "split": "test", "n_clips": 3, "n_pairs": 5, "n_judgments": 4, "noise_ceiling_r2": 0.5,
        "timings_s": {"total": 1.0}})
    monkeypatch.chdir(tmp_path)
    _run_folder(tmp_path / "runs" / "lr=0.1")  # a --control is checked before the data loads, as --model is
    base = ["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--language-model", "org/lm"]
    assert main([*base, "--analyses", " partition , motion", "--control", "lang=runs/lr=0.1"]) == 0
    assert seen["analyses"] == ("partition", "motion") and seen["controls"] == {"lang": "runs/lr=0.1"}
    assert main([*base, "--analyses", "probes,attention"]) == 0  # no caption embedded: the model is not needed
    assert checked == ["org/lm"] and seen["analyses"] == ("probes", "attention")


def test_evaluate_names_the_language_flags_as_unused_without_the_fit_or_the_partition(monkeypatch, caplog):
    """``--language-model`` and ``--caption`` were ignored without a word when ``--analyses`` had neither fit nor
    partition (the only analyses that embed the captions), while ``--n-perm`` and ``--abstract`` are refused without
    their analyses. They are still accepted (a script passes them to every run), with one warning line naming them;
    with the fit or the partition, or left out, there is none, and the suite still gets the first caption by
    default."""
    import bgs_hf.baselines.language as language
    import bgs_hf.eval.suite as suite

    seen = {}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda name: None)
    monkeypatch.setattr(suite, "run_suite", lambda data, pretrained, finetuned, **kw: seen.update(kw) or {
        "data": "toy", "split": "test", "n_clips": 3, "n_pairs": 5, "n_judgments": 4, "noise_ceiling_r2": 0.5,
        "timings_s": {"total": 1.0}})
    base = ["evaluate", "--data", "D", "--model", "tiny-random-videomae"]

    def warned(*flags: str) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bgs_hf"):
            assert main([*base, *flags]) == 0
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    assert warned("--language-model", "org/lm", "--analyses", "probes,attention") == [
        "--language-model is unused: --analyses probes,attention has neither fit nor partition"]
    assert warned("--caption", "mean", "--analyses", "motion") == [
        "--caption is unused: --analyses motion has neither fit nor partition"]
    assert warned("--language-model", "org/lm", "--caption", "first", "--analyses", "probes") == [
        "--language-model and --caption are unused: --analyses probes has neither fit nor partition"]
    assert warned("--analyses", "probes") == []
    assert seen["language_config"].caption == "first"
    assert warned("--language-model", "org/lm", "--caption", "mean", "--analyses", "partition") == []
    assert (seen["language_config"].model, seen["language_config"].caption) == ("org/lm", "mean")


def test_baselines_hand_every_flag_to_the_baseline_and_print_each_number_under_its_name(tmp_path, monkeypatch,
                                                                                       capsys):
    """Mutants that passed: --grid, --frames, --n-boot or --seed not handed on (language or pixels), the data
    loaded without --seed (its val carve-out), ooo_acc_2way printed from the 3-way number."""
    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels

    loads, seen = [], {}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: loads.append(kw) or _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda *a, **k: None)

    def baseline(kind):
        def run(data, config, split, **kw):
            seen[kind] = (config, split, kw)
            return {**_scores(split), "model": "m", "caption": config.caption} if kind == "language" else _scores(split)
        return run

    monkeypatch.setattr(language, "language_baseline", baseline("language"))
    monkeypatch.setattr(pixels, "pixel_baseline", baseline("pixels"))
    assert main(["baseline", "language", "--data", "D", "--split", "val", "--n-boot", "7", "--seed", "3",
                 "--caption", "mean", "--batch-size", "5", "--device", "meta", "--model", "org/model"]) == 0
    config, split, kw = seen["language"]
    assert (config.model, config.caption, config.batch_size, config.device) == ("org/model", "mean", 5, "meta")
    assert (split, kw) == ("val", {"n_boot": 7, "seed": 3})
    printed = capsys.readouterr().out
    for line in ("  r2            0.2500   95% CI [0.1250, 0.3750]", "  noise ceiling 0.5000   -> 50.0% of ceiling",
                 "  rsa_spearman  0.3100", "  rsa_pearson   0.3200", "  ooo_acc_3way  0.6000", "  ooo_acc_2way  0.7000",
                 "  split val: 3 clips, 5 observed pairs, 4 judgments"):
        assert line in printed, printed
    assert main(["baseline", "pixels", "--data", "D", "--split", "fit", "--frames", "5", "--size", "48", "--grid",
                 "6", "--n-boot", "11", "--seed", "2", "--cache", str(tmp_path / "c")]) == 0
    config, split, kw = seen["pixels"]
    assert (config.num_frames, config.size, config.grid, config.cache_dir) == (5, 48, 6, str(tmp_path / "c"))
    assert (split, kw) == ("fit", {"n_boot": 11, "seed": 2})
    assert loads == [{"seed": 3}, {"seed": 2}]
    assert "pixel baseline: 5 frames, 6x6 grid" in capsys.readouterr().out


def test_a_baseline_prints_its_counts_with_separators_and_the_ceilings_own_range(monkeypatch, capsys):
    """On the release's train split `bgs-hf baseline` printed "11695 observed pairs, 12276 judgments" (`data stats`
    writes 12,276) and the ceiling without the range it moves over between split-halves, which `data stats` and the
    dataset card give: a model's share of a ceiling of 0.199 [0.091, 0.307] reads differently from one of 0.199."""
    import bgs_hf.baselines.pixels as pixels

    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: {
        **_scores(split), "n_pairs": 11695, "n_judgments": 12276, "n_clips": 1, "ceiling_r2_ci": [0.25, 0.75]})
    assert main(["baseline", "pixels", "--data", "D"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "  split test: 1 clip, 11,695 observed pairs, 12,276 judgments" in printed, printed
    assert ("  noise ceiling 0.5000   -> 50.0% of ceiling   (ceiling's 95% range over split-halves: 0.2500 to "
            "0.7500)") in printed, printed


def test_a_baseline_prints_the_ceilings_range_only_beside_a_ceiling_and_a_defined_range(monkeypatch, capsys):
    """Mutation audit: a ceiling too thin to read ends its line with why (the range of a ceiling that is n/a is no
    range of it), and a range whose lower end is undefined is left out, not printed as "n/a to 0.3000"."""
    import bgs_hf.baselines.pixels as pixels

    why = "too few pairs"
    rows = [({"ceiling_r2": None, "pct_of_ceiling": None, "ceiling_why": why, "ceiling_r2_ci": [0.1, 0.3]},
             f"  noise ceiling n/a: {why}"),
            ({"ceiling_r2_ci": [None, 0.3]}, "  noise ceiling 0.5000   -> 50.0% of ceiling")]
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    for row, want in rows:
        monkeypatch.setattr(pixels, "pixel_baseline",
                            lambda data, config, split, row=row, **kw: {**_scores(split), **row})
        assert main(["baseline", "pixels", "--data", "D"]) == 0
        line = next(ln for ln in capsys.readouterr().out.splitlines() if "noise ceiling" in ln)
        assert line == want, line


def test_a_baseline_prints_an_undefined_share_of_the_ceiling_as_n_a_not_n_a_percent(monkeypatch, capsys):
    """A split too small for a noise ceiling (a small benchmark's test split) printed "-> n/a% of ceiling", the
    slip `bgs-hf evaluate` no longer makes; a defined share keeps its %."""
    import bgs_hf.baselines.pixels as pixels

    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: {
        **_scores(split), "ceiling_r2": None, "pct_of_ceiling": None})
    assert main(["baseline", "pixels", "--data", "D"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "noise ceiling" in ln)
    assert line == "  noise ceiling n/a   -> n/a of ceiling", line


@pytest.mark.parametrize("kind", ["language", "pixels"])
def test_a_baseline_prints_why_its_split_has_no_noise_ceiling(kind, monkeypatch, capsys):
    """`bgs-hf baseline` of a pilot printed "noise ceiling n/a   -> n/a of ceiling" though its fit carries
    ``ceiling_why``: the reason now sits beside the n/a, as in `bgs-hf evaluate`'s summary. A reason beside a
    defined ceiling (no fit writes one) does not hide the ceiling or its share."""
    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels

    why = "the test split has judgments from fewer than 2 participants"
    row = {**_scores("test"), "ceiling_r2": None, "pct_of_ceiling": None, "ceiling_why": why}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda name: None)
    monkeypatch.setattr(language, "language_baseline", lambda data, config, split, **kw: {
        **row, "model": "m", "caption": "first"})
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: dict(row))
    assert main(["baseline", kind, "--data", "D"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "noise ceiling" in ln)
    assert line == f"  noise ceiling n/a: {why}", line
    row.update(ceiling_r2=0.5, pct_of_ceiling=50.0)
    assert main(["baseline", kind, "--data", "D"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "noise ceiling" in ln)
    assert line == "  noise ceiling 0.5000   -> 50.0% of ceiling", line


def test_data_commands_hand_their_split_flags_and_defaults_to_the_loader(tmp_path, monkeypatch, capsys):
    """Mutants that passed (CLI audit, second pass): `data stats --val-fraction` not handed to the loader, and
    `data validate --val-split` dropped from its split config. Every other flag and default of the three commands is
    pinned here too, in one place (the defaults, --split-seed, --n-splits and export's --seed were each caught by a
    slower test)."""
    from types import SimpleNamespace

    import bgs_hf.data as data_module
    import bgs_hf.data.stats as stats_module

    loads, stats, validated, written = [], [], [], []
    toy = SimpleNamespace(name="toy", meta={}, simulated_observers=False)
    monkeypatch.setattr(data_module, "load", lambda source, **kw: loads.append((source, kw)) or toy)
    monkeypatch.setattr(stats_module, "data_stats", lambda data, **kw: stats.append(kw) or {"n_clips": 3})
    monkeypatch.setattr(stats_module, "format_stats", lambda s: "STATS")
    assert main(["data", "stats", "SRC", "--no-png"]) == 0
    assert main(["data", "stats", "SRC", "--no-png", "--val_fraction", "0.3", "--seed", "2", "--split-seed", "5",
                 "--n-splits", "7"]) == 0
    assert main(["data", "stats", "SRC", "--no-png", "--val-split", "paper"]) == 0
    assert loads == [("SRC", {"val_fraction": 0.2, "seed": 0, "split_seed": None, "val_split": "seeded"}),
                     ("SRC", {"val_fraction": 0.3, "seed": 2, "split_seed": 5, "val_split": "seeded"}),
                     ("SRC", {"val_fraction": 0.2, "seed": 0, "split_seed": None, "val_split": "paper"})]
    assert stats == [{"n_splits": 100, "seed": 0}, {"n_splits": 7, "seed": 2}, {"n_splits": 100, "seed": 0}]
    monkeypatch.setattr(data_module, "validate", lambda source, **kw: validated.append((source, kw))
                        or (None, [BGSInputError("a.csv row 2: bad")]))
    assert main(["data", "validate", "SRC", "--no-decode", "--val-split", "paper", "--seed", "4", "--split-seed",
                 "6"]) == 1
    assert main(["data", "validate", "SRC", "--val-fraction", "0.25"]) == 1
    (source, kw), (_, plain) = validated
    config = kw["split_config"]
    assert (source, kw["decode_videos"], plain["decode_videos"]) == ("SRC", False, True)
    assert (config.val_fraction, config.seed, config.split_seed, config.val_split) == (0.2, 4, 6, "paper")
    config = plain["split_config"]
    assert (config.val_fraction, config.seed, config.split_seed, config.val_split) == (0.25, 0, None, "seeded")
    assert capsys.readouterr().out.splitlines()[-2:] == ["problem: a.csv row 2: bad", "1 problem found in SRC"]
    loads.clear()
    monkeypatch.setattr(data_module, "write_hub", lambda data, out, **kw: written.append(out) or Path(out))
    for seeds in (["--seed", "3"], ["--split-seed", "4"], ["--seed", "5", "--split-seed", "5"], []):
        assert main(["data", "export", "SRC", str(tmp_path / f"out{len(written)}"), *seeds]) == 0
    assert [kw for _, kw in loads] == [{"seed": 3, "split_seed": 3}, {"seed": 4, "split_seed": 4},
                                      {"seed": 5, "split_seed": 5}, {"seed": 0, "split_seed": 0}]


def test_each_baselines_json_names_the_data_it_scored(tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, second pass): the pixel baseline's JSON written without its `data` (the
    language one's was checked alone), so a saved row could not say which dataset it scored."""
    import json

    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels

    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda *a, **k: None)
    monkeypatch.setattr(language, "language_baseline",
                        lambda data, config, split, **kw: {**_scores(split), "model": "m", "caption": "first"})
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: _scores(split))
    for kind in ("pixels", "language"):
        out = tmp_path / f"{kind}.json"
        assert main(["baseline", kind, "--data", "some/data", "--json", str(out)]) == 0
        row = json.loads(out.read_text())
        assert (row["data"], row["split"], row["r2"]) == ("some/data", "test", 0.25)
        assert capsys.readouterr().out.endswith(f"wrote {out}\n")


@pytest.fixture
def release(tmp_path):
    """A 12-clip release (clips 0-5 test, judged by several participants: a split-half ceiling), in a second."""
    from bgs_hf.data.testing import tiny_release_tables, write_release

    return write_release(tiny_release_tables(n_clips=12, n_test=6, trials_per_participant=40), tmp_path / "rel")


def _hand_p(idx, odd, clips) -> np.ndarray:
    """p_ij over ``clips`` (in that order) by counting: of the judgments holding clips i and j, the share whose
    odd one is the third clip."""
    p = np.full((len(clips), len(clips)), np.nan)
    for a, i in enumerate(clips):
        for b, j in enumerate(clips):
            both = [k for k, row in enumerate(idx) if i in row and j in row and i != j]
            if both:
                p[a, b] = np.mean([idx[k][odd[k]] not in (i, j) for k in both])
    return p


def test_data_stats_refuses_a_pgf_plot_before_the_work_where_its_tex_system_is_missing(release, tmp_path,
                                                                                      monkeypatch, capsys):
    """``--png X.pgf`` is offered among the plot's formats, but matplotlib's pgf backend measures every label with
    its TeX system (xelatex): where that is not installed the plot was a RuntimeError traceback (exit 1) once the
    statistics had run and the --json was written. Now it is one line naming the missing program, before the work."""
    import matplotlib

    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no TeX system on it, whatever this machine has
    texsystem = matplotlib.rcParams["pgf.texsystem"]
    out = tmp_path / "out"
    assert main(["data", "stats", str(release), "--n-splits", "2", "--png", str(out / "sim.pgf"),
                 "--json", str(out / "s.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"error: --png .pgf needs {texsystem} ") and "not on the PATH" in err, err
    assert not out.exists()


def test_a_pgf_plot_named_in_capitals_is_checked_for_the_tex_system_matplotlib_is_set_to(release, tmp_path,
                                                                                       monkeypatch, capsys):
    """Mutation audit of 33bfdbe: the check reading ``.pgf`` in lower case only, or always looking for xelatex, passed.
    `--png SIM.PGF` is a pgf plot too (the format is read from the suffix in any case), and a user whose matplotlibrc
    sets ``pgf.texsystem: lualatex`` is measured with lualatex: an xelatex on the PATH does not stand in for it."""
    import matplotlib

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "xelatex").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "bin" / "xelatex").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setitem(matplotlib.rcParams, "pgf.texsystem", "lualatex")
    out = tmp_path / "out"
    assert main(["data", "stats", str(release), "--n-splits", "2", "--png", str(out / "SIM.PGF"),
                 "--json", str(out / "s.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: --png .pgf needs lualatex ") and "not on the PATH" in err, err
    assert not out.exists()


def test_data_stats_plots_where_the_flags_say_and_each_panel_holds_its_judgments(release, tmp_path, monkeypatch,
                                                                                 capsys):
    """Mutants that passed: --no-png ignored (a human_similarity.png written anyway), the colour scale no longer
    fixed to p_ij's [0, 1], the two panels in the other order, the left panel in index order instead of train then
    test, and the test panel drawn from every judgment instead of the test split's; and (audit of cli/data.py) the
    --json statistics written on one line, not one key a line."""
    import json

    import bgs_hf.viz
    from bgs_hf.cli.data import PANEL_AXES
    from bgs_hf.data import load

    drawn = []
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices",
                        lambda panels, png, **kw: drawn.append((panels, png, kw)))
    monkeypatch.chdir(tmp_path)
    base = ["data", "stats", str(release), "--n-splits", "2"]
    assert main([*base, "--no-png"]) == 0
    assert drawn == [] and not list(tmp_path.rglob("*.png"))
    assert main(base) == 0 and drawn[-1][1] == Path("human_similarity.png")
    assert main([*base, "--json", "out/s.json"]) == 0 and drawn[-1][1] == Path("out/s.png")
    text = (tmp_path / "out" / "s.json").read_text()
    assert json.loads(text)["clips"] == 12 and text.endswith("}\n") and '\n  "clips": 12,\n' in text
    assert main([*base, "--png", "p.svg"]) == 0
    panels, png, kw = drawn[-1]
    assert png == Path("p.svg")
    assert (kw["vmin"], kw["vmax"], kw["axis_label"]) == (0.0, 1.0, PANEL_AXES)
    data = load(release)
    train, test = list(range(6, 12)), list(range(6))
    assert list(data.split_items("test")) == test
    assert list(panels) == ["all valid judgments (6 train | 6 test clips)", "test split (6 clips)"]
    left, right = panels.values()
    every, tested = data.triplets(None), data.triplets("test")
    np.testing.assert_array_equal(left, _hand_p(every.idx.tolist(), every.odd.tolist(), train + test))
    np.testing.assert_array_equal(right, _hand_p(tested.idx.tolist(), tested.odd.tolist(), test))
    assert not np.array_equal(right, left[6:, 6:], equal_nan=True)  # mixed judgments count on the left only


def test_data_stats_names_the_clips_of_a_small_study_and_counts_positions_past_thirty(release, tmp_path, monkeypatch):
    """A pilot study's 12 clips were drawn as positions 0-11 ("position: train clips, then test clips"): a researcher
    could not tell which row was which video. Up to 30 clips a panel names them, in its own row order; the
    release's 250 (here 31) keep positions."""
    import bgs_hf.viz
    from bgs_hf.data.testing import tiny_release_tables, write_release

    drawn = []
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices", lambda panels, png, **kw: drawn.append(kw))
    monkeypatch.chdir(tmp_path)
    assert main(["data", "stats", str(release), "--n-splits", "2"]) == 0
    train = [f"clip_{i:03d}.mp4" for i in range(6, 12)]  # the fixture's test clips are 0-5, train 6-11
    test = [f"clip_{i:03d}.mp4" for i in range(6)]
    assert drawn[-1]["tick_names"] == [train + test, test]
    big = write_release(tiny_release_tables(n_clips=31, n_test=6, trials_per_participant=40), tmp_path / "big")
    assert main(["data", "stats", str(big), "--n-splits", "2", "--png", "big.png"]) == 0
    assert drawn[-1]["tick_names"] == [None, [f"clip_{i:03d}.mp4" for i in range(6)]]  # 31 clips, then 6


def test_a_panel_of_exactly_thirty_clips_is_named_and_each_panel_is_judged_by_its_own_count():
    """Mutation audit (``MAX_NAMED_CLIPS``): 30 clips, the most a panel names, was never drawn (12 and 31 were), so
    ``<`` for ``<=`` passed. By hand: 24 train + 6 test = 30 clips named in both panels; 25 + 6 = 31 counts
    positions in the first and names the 6 test clips."""
    from types import SimpleNamespace

    from bgs_hf.cli.data import panel_clip_names

    for n_fit, named_all in ((24, True), (25, False)):
        ids = [f"c{i}" for i in range(n_fit + 6)]
        data = SimpleNamespace(clip_ids=ids, split_items=lambda split, n_fit=n_fit: np.arange(n_fit) + 6
                               if split == "fit" else np.arange(6))
        test = ids[:6]
        assert panel_clip_names(data) == [ids[6:] + test if named_all else None, test], n_fit


def test_data_stats_beside_a_stream_json_plots_in_the_working_folder(release, tmp_path, monkeypatch, capsys):
    """The documented `data stats DATA --json /dev/stdout | jq` put the default plot at `/dev/stdout.png`: refused
    for a user as "the plot (--png) cannot be written: /dev takes no new file" (a --png never given), and written
    into /dev as root. A --json written as it is (/dev/stdout, /dev/null) takes the plot's no---json default."""
    import bgs_hf.viz

    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null here")
    drawn = []
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices", lambda panels, png, **kw: drawn.append(png))
    monkeypatch.chdir(tmp_path)
    assert main(["data", "stats", str(release), "--n-splits", "2", "--json", "/dev/null"]) == 0, capsys.readouterr()
    assert drawn == [Path("human_similarity.png")]


def test_data_stats_json_on_stdout_is_json_alone_piped_or_redirected(release, tmp_path):
    """`bgs-hf data stats DATA --json /dev/stdout | jq .` could not parse: the statistics table and `wrote
    /dev/stdout` were printed to stdout around the JSON. With --json on stdout the printed lines go to stderr; `--json
    -` is stdout too (it wrote a file named `-`). Run as a user runs it: stdout a pipe, then a redirect `> out.json`."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "bgs_hf.cli.main", "data", "stats", str(release), "--n-splits", "2", "--no-png",
               "--json"]
    work = tmp_path / "work"
    work.mkdir()
    piped = subprocess.run([*command, "/dev/stdout"], capture_output=True, text=True, timeout=300, cwd=work, env=env)
    assert piped.returncode == 0, piped.stderr[-2000:]
    stats = json.loads(piped.stdout)
    assert stats["clips"] == 12 and "\ndataset " in piped.stderr, piped.stderr[-2000:]
    assert "wrote /dev/stdout" in piped.stderr
    out = tmp_path / "out.json"
    with open(out, "w") as f:
        redirected = subprocess.run([*command, "-"], stdout=f, stderr=subprocess.PIPE, text=True, timeout=300,
                                    cwd=work, env=env)
    assert redirected.returncode == 0, redirected.stderr[-2000:]
    assert json.loads(out.read_text()) == stats and "\ndataset " in redirected.stderr
    assert os.listdir(work) == []  # no file named `-`


def test_baselines_and_evaluate_json_on_stdout_is_json_alone(tmp_path, monkeypatch, capfd):
    """Every command with --json (baseline language/pixels, evaluate): `--json /dev/stdout` (or `-`) gives stdout the
    JSON alone and the printed lines on stderr (they were on stdout before the JSON); a --json file prints as before."""
    import json

    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels
    import bgs_hf.eval.suite as suite

    monkeypatch.chdir(tmp_path)  # a `-` taken for a file name lands here
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda *a, **k: None)
    monkeypatch.setattr(language, "language_baseline",
                        lambda data, config, split, **kw: {**_scores(split), "model": "m", "caption": "first"})
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: _scores(split))
    monkeypatch.setattr(suite, "run_suite", lambda data, pretrained, finetuned, **kw: {
        "data": "toy", "split": kw["split"], "n_clips": 3, "n_pairs": 5, "n_judgments": 4, "noise_ceiling_r2": 0.5,
        "fit": {"bgs": _scores(kw["split"])}, "timings_s": {"total": 1.0}})
    commands = [["baseline", "pixels", "--data", "D"], ["baseline", "language", "--data", "D"],
                ["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--analyses", "fit", "--report",
                 str(tmp_path / "report")]]
    for command in commands:
        for target in ("/dev/stdout", "-"):
            assert main([*command, "--json", target]) == 0, command
            printed = capfd.readouterr()
            assert json.loads(printed.out)["split"] == "test", (command, printed)
            assert "wrote /dev/stdout" in printed.err and "0.2500" in printed.err, (command, printed.err)
            assert not Path("-").exists()
        assert main([*command, "--json", str(tmp_path / "r.json")]) == 0, command
        printed = capfd.readouterr()
        assert printed.out.count("\n") >= 2 and f"wrote {tmp_path / 'r.json'}" in printed.out, (command, printed)


def test_data_stats_writes_a_png_to_a_stream_and_its_printed_lines_beside_it(release, tmp_path, monkeypatch, capfd):
    """``data stats DATA --png /dev/stdout > plot.png`` (or ``| display``) was refused: "--png must end in one of
    .avif, ..." for a stream that has no suffix. The flag names the format: a PNG is written through the descriptor
    (a ``>>`` redirect's earlier bytes kept), and the statistics printed on stdout go to stderr, not into the image."""
    import os

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    monkeypatch.chdir(tmp_path)
    base = ["data", "stats", str(release), "--n-splits", "2"]
    assert main([*base, "--png", "/dev/stdout"]) == 0
    out, err = capfd.readouterr()
    assert out.startswith("\ufffdPNG") and "noise ceiling" in err and err.endswith("wrote /dev/stdout\n"), err
    kept = tmp_path / "kept.png"
    kept.write_bytes(b"earlier\n")
    fd = os.open(kept, os.O_WRONLY | os.O_APPEND)
    try:
        assert main([*base, "--png", f"/dev/fd/{fd}"]) == 0
    finally:
        os.close(fd)
    out, _ = capfd.readouterr()
    assert kept.read_bytes().startswith(b"earlier\n\x89PNG\r\n") and "noise ceiling" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.png", "rel"]  # no human_similarity.png


def test_data_stats_into_a_redirect_by_a_descriptors_name_plots_in_the_working_folder(release, tmp_path, monkeypatch,
                                                                                       capsys):
    """Mutation audit (c97b16f, fd170f2): ``is_written_in_place`` without its descriptor clause passed every test, as
    the only stream tested was /dev/null (a device). ``--json /dev/stdout > stats.json`` names a descriptor on a
    regular file: its plot went beside it, to ``/dev/stdout.png`` (``/dev/fd/N.png`` here), "takes no new file" for a
    user and written into /dev as root. It plots in the working folder and the JSON reaches the redirect's file."""
    import json
    import os

    import bgs_hf.viz

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd here")
    drawn = []
    monkeypatch.setattr(bgs_hf.viz, "plot_similarity_matrices", lambda panels, png, **kw: drawn.append(png))
    monkeypatch.chdir(tmp_path)
    redirect = tmp_path / "stats.json"
    fd = os.open(redirect, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        code = main(["data", "stats", str(release), "--n-splits", "2", "--json", f"/dev/fd/{fd}"])
    finally:
        os.close(fd)
    assert code == 0, capsys.readouterr()
    assert drawn == [Path("human_similarity.png")]
    assert isinstance(json.loads(redirect.read_text()), dict)


@pytest.mark.parametrize("flags", [["--json", "s.png"], ["--json", "s.svg", "--png", "s.svg"]])
def test_data_stats_refuses_a_plot_that_would_replace_its_json(release, tmp_path, monkeypatch, capsys, flags):
    """`data stats --json s.png` wrote the statistics to s.png, then the plot (by default the JSON path with .png)
    over them: exit 0, and no JSON left. Refused before any work, in one line."""
    monkeypatch.chdir(tmp_path)
    assert main(["data", "stats", str(release), "--n-splits", "2", *flags]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: --json and ") and "name one file, s." in err[0], err
    assert not list(tmp_path.glob("s.*"))


def test_data_stats_seed_draws_the_ceilings_split_halves(release, tmp_path, capsys):
    """`--seed` also draws the noise ceiling's split-halves (as `quickstart --seed` does); the ceiling drawn with seed
    0 whatever --seed said passed the suite, which compared only the splits `--seed` draws."""
    import json

    from bgs_hf.data import load
    from bgs_hf.data.stats import data_stats

    def stats(seed: int) -> dict:
        out = tmp_path / f"s{seed}.json"
        assert main(["data", "stats", str(release), "--no-png", "--n-splits", "5", "--seed", str(seed), "--json",
                     str(out)]) == 0
        return json.loads(out.read_text())

    assert stats(3) == json.loads(json.dumps(data_stats(load(release, seed=3), n_splits=5, seed=3)))
    assert stats(3)["noise_ceiling"] != stats(0)["noise_ceiling"]


def test_synth_hands_every_flag_to_the_generator(tmp_path, monkeypatch, capsys):
    """Mutants that passed: --seed of the abstract set, --overlap or --workers not handed on, and --clips' lower
    bound (10) lowered (10 is handed on here; 9 is refused by the generator itself, the next test)."""
    import bgs_hf.synth.generate as generate

    seen = {}
    monkeypatch.setattr(generate, "generate_socialshapes", lambda out, **kw: seen.update(ss=(out, kw)) or Path(out))
    monkeypatch.setattr(generate, "generate_abstract_set", lambda out, **kw: seen.update(abs=(out, kw)) or Path(out))
    out = str(tmp_path / "ss")
    assert main(["synth", out, "--clips", "12", "--seed", "4", "--format", "hub", "--frames", "6", "--size", "32",
                 "--workers", "3", "--beta", "2.5", "--lapse", "0.05", "--overlap", "0.4"]) == 0
    where, kw = seen["ss"]
    config = kw.pop("config")
    assert (where, kw) == (out, {"n_clips": 12, "seed": 4, "fmt": "hub", "force": False})
    assert (config.num_frames, config.size, config.workers, config.choice_beta, config.lapse,
            config.param_overlap) == (6, 32, 3, 2.5, 0.05, 0.4)
    assert main(["synth", str(tmp_path / "abs"), "--abstract", "--seed", "5", "--frames", "6"]) == 0
    assert seen["abs"][1]["seed"] == 5 and seen["abs"][1]["config"].num_frames == 6
    assert main(["synth", str(tmp_path / "big"), "--force"]) == 0 and seen["ss"][1]["force"] is True
    assert main(["synth", str(tmp_path / "big_abs"), "--abstract", "--force"]) == 0 and seen["abs"][1]["force"] is True
    assert main(["synth", str(tmp_path / "ten"), "--clips", "10"]) == 0 and seen["ss"][1]["n_clips"] == 10


@pytest.mark.parametrize("clips", ["9", "-3"])
def test_synth_too_few_clips_is_the_generators_one_refusal_named_as_the_flag(tmp_path, capsys, clips):
    """The CLI kept its own copy of the generator's minimum (10 clips), worded otherwise (`--clips must be at least
    10, got 9`): one rule in one place, the generator's, named as typed (`--clips 9`) as its estimate's refusal is."""
    assert main(["synth", str(tmp_path / "few"), "--clips", clips]) == 2  # the help's "at least 10"
    assert capsys.readouterr().err == f"error: --clips {clips}: must be at least 10\n"
    assert list(tmp_path.iterdir()) == []  # refused before any folder is made


def test_synth_without_flags_writes_250_clips_in_the_release_layout_with_the_default_config(tmp_path, monkeypatch):
    """Mutant that passed (CLI audit, second pass): `--clips`' default (250, as the help says) changed: every CLI test
    gave --clips. The release layout (`--format`'s default) and the default SynthConfig are pinned beside it."""
    import bgs_hf.synth.generate as generate
    from bgs_hf.synth import SynthConfig

    seen = {}
    monkeypatch.setattr(generate, "generate_socialshapes", lambda out, **kw: seen.update(ss=(out, kw)) or Path(out))
    monkeypatch.setattr(generate, "generate_abstract_set", lambda out, **kw: seen.update(abs=(out, kw)) or Path(out))
    assert main(["synth", str(tmp_path / "ss")]) == 0
    assert seen["ss"] == (str(tmp_path / "ss"), {"n_clips": 250, "seed": 0, "fmt": "release", "config": SynthConfig(),
                                                    "force": False})
    assert main(["synth", str(tmp_path / "abs"), "--abstract"]) == 0
    assert seen["abs"] == (str(tmp_path / "abs"), {"seed": 0, "config": SynthConfig(), "force": False})


@pytest.mark.parametrize(("flags", "line"), [
    (["--size", "31"], "error: --size must be an integer even and >= 16 (h264, agents of a few px), got 31\n"),
])
def test_synth_names_a_refused_setting_by_its_flag(tmp_path, flags, line, capsys):
    """`bgs-hf synth OUT --size 31` said "SynthConfig.size must be ...", a name the user never typed (a real fault of
    the error path, found by the CLI audit's second pass); nothing is written."""
    assert main(["synth", str(tmp_path / "ss"), *flags]) == 2
    assert capsys.readouterr().err == line
    assert not (tmp_path / "ss").exists()


@pytest.mark.parametrize("frames", ["0", "1"])
def test_synth_frames_below_two_are_refused_with_the_minimum_the_benchmark_takes(tmp_path, capsys, frames):
    """`--frames 0` said "must be >= 1", and the 1 that promised was then refused as "--frames must be an integer
    >= 2" (a clip needs two frames to show motion): the first refusal names the real minimum."""
    with pytest.raises(SystemExit) as info:
        main(["synth", str(tmp_path / "ss"), "--frames", frames])
    assert info.value.code == 2
    assert f"argument --frames: must be >= 2, got {frames}" in capsys.readouterr().err
    assert not (tmp_path / "ss").exists()


def test_push_hands_every_flag_to_push_run_and_lists_what_it_staged(monkeypatch, capsys):
    """The run push's flags reach ``push_run``: --split, --license, --baseline or --private dropped all passed the
    suite (only --include-base had a test)."""
    from types import SimpleNamespace

    import bgs_hf.hub.push as push

    seen = {}

    def push_run(run_dir, repo_id, **kw):
        seen.update(kw, run=(run_dir, repo_id))
        return SimpleNamespace(uploaded=False, files=["README.md", "bgs_config.json"], folder="STAGED", url=None)

    monkeypatch.setattr(push, "push_run", push_run)
    # both flags at once only to see each handed on: the real push_run refuses the pair (test_reliability_inputs)
    assert main(["push", "RUN", "--repo-id", "me/run", "--private", "--local-dir", "STAGED", "--license", "mit",
                 "--split", "val", "--baseline", "b.json", "--include-base", "--dataset", "org/judged"]) == 0
    assert seen == {"run": ("RUN", "me/run"), "private": True, "local_dir": "STAGED", "license": "mit",
                    "split": "val", "baseline": "b.json", "include_base": True, "dataset": "org/judged"}
    assert capsys.readouterr().out.splitlines() == ["staged 2 files in STAGED (nothing uploaded):", "  README.md",
                                                    "  bgs_config.json"]


def test_space_hands_its_settings_to_the_pushed_and_the_local_space(tmp_path, monkeypatch, capsys):
    """Mutants that passed: --max-upload-mb and --max-duration-s swapped, --private (pushed), --cache-dir, --host
    or --port (local) not handed to the Space."""
    import types

    from bgs_hf.hub import space_app

    pushed = {}
    monkeypatch.setattr(space_app, "push_space", lambda model, repo, **kw: pushed.update(kw, model=model, repo=repo)
                        or (["app.py"], None))
    # --local-dir with --private only to see each handed on: the real push_space refuses the pair
    assert main(["space", "--model", "me/run", "--push", "--repo-id", "me/space", "--local-dir", "SP", "--private",
                 "--data", "me/data", "--split", "test", "--max-upload-mb", "5", "--max-duration-s", "12"]) == 0
    assert pushed == {"model": "me/run", "repo": "me/space", "local_dir": "SP", "private": True, "settings": {
        "max_upload_mb": 5.0, "max_duration_s": 12.0, "catalogue_split": "test", "data": "me/data"}}
    served = {}

    class Demo:
        local_url = "http://x"
        is_running = False  # stopped at once

        def close(self, verbose: bool = True) -> None:
            pass

    monkeypatch.setattr(space_app.ModelPair, "load", lambda name: "models")
    monkeypatch.setattr(space_app.Catalogue, "for_config", lambda config: [1, 2])
    backend = types.SimpleNamespace(stop_decoding=lambda: None)
    monkeypatch.setattr(space_app, "SpaceBackend", lambda config, **kw: backend)
    monkeypatch.setattr(space_app, "launch", lambda config, **kw: served.update(kw, config=config) or Demo())
    monkeypatch.setattr(space_app, "check_port_free", lambda *a: None)  # 7861 may be in use on this machine
    assert main(["space", "--model", "me/run", "--data", "cat", "--split", "val", "--cache-dir", "C", "--host",
                 "0.0.0.0", "--port", "7861", "--max-upload-mb", "5", "--max-duration-s", "12"]) == 0
    config = served.pop("config")
    assert served == {"server_name": "0.0.0.0", "server_port": 7861, "prevent_thread_lock": True,
                      "backend": backend}
    assert (config.model, config.data, config.cache_dir, config.catalogue_split, config.max_upload_mb,
            config.max_duration_s) == ("me/run", "cat", "C", "val", 5.0, 12.0)


def test_quickstart_and_report_hand_their_flags_on(tmp_path, monkeypatch, capsys):
    """Mutants that passed: quickstart's --fast (suite or language control), --seed, --n-boot or --backbone not
    handed on; report's two runs of one folder name left under the same label; QuickstartConfig's defaults (what
    ``run_quickstart`` from Python runs) apart from the command's."""
    import bgs_hf.eval.report as report
    import bgs_hf.quickstart as quickstart

    seen = {}
    monkeypatch.setattr(quickstart, "run_quickstart", lambda cfg: seen.update(cfg=cfg) or {"timings_s": {"total_s": 60}})
    monkeypatch.setattr(quickstart, "format_table", lambda report: "TABLE")
    assert main(["quickstart", "--out", "OUT", "--seed", "2", "--clips", "30", "--backbone", "bb", "--n-boot", "200",
                 "--fast"]) == 0
    cfg = seen["cfg"]
    assert (cfg.out_dir, cfg.seed, cfg.n_clips, cfg.backbone, cfg.data_dir, cfg.n_boot, cfg.suite,
            cfg.language_control) == ("OUT", 2, 30, "bb", None, 200, False, False)
    assert main(["quickstart", "--data", "D"]) == 0
    cfg = seen["cfg"]
    assert (cfg.data_dir, cfg.seed, cfg.n_boot, cfg.suite, cfg.language_control) == ("D", 0, 1000, True, True)
    # mutation audit: QuickstartConfig's n_boot default (the library's demo) apart from the CLI's 1000 passed
    assert main(["quickstart"]) == 0 and seen["cfg"] == quickstart.QuickstartConfig()
    monkeypatch.setattr(report, "load_run", lambda path: ("eval", {"path": path}, Path(path)))
    monkeypatch.setattr(report, "write_report", lambda runs, out, **kw: seen.update(runs=runs, out=out, **kw)
                        or (Path(out) / "report.md", Path(out) / "report.html"))
    rep = tmp_path / "rep"
    assert main(["report", "a/eval", "b/eval", "--out", str(rep), "--title", "a vs b"]) == 0
    assert (seen["out"], seen["title"], seen["stem"]) == (rep, "a vs b", "report")
    assert [label for label, _, _ in seen["runs"]] == ["a/eval", "b/eval"]


@pytest.mark.parametrize("arch", ["conv3d-fg", "conv3d", "videomae"])
def test_pretrain_tiny_flags_set_their_config_fields(arch):
    """Mutants that passed: --threads, --corpus-clips or --batch-size not set on the config, and --steps leaving
    the warm-up whole (the card's reproduce command round-trips whatever the flags did, so it caught neither)."""
    from bgs_hf.cli.pretrain_tiny import configure, recipes

    default = recipes()[arch][0]()
    cfg = configure(build_parser().parse_args(["pretrain-tiny", "OUT", "--arch", arch, "--steps", "20",
                                               "--batch-size", "4", "--seed", "3", "--corpus-clips", "64",
                                               "--threads", "1", "--probe-clips", "0"]))
    assert (cfg.steps, cfg.batch_size, cfg.seed, cfg.corpus_clips, cfg.num_threads) == (20, 4, 3, 64, 1)
    assert default.warmup_steps > 2 and cfg.warmup_steps == 2  # a tenth of the 20 steps



@pytest.mark.parametrize(("flags", "probed"), [(["--probe-clips", "50"], 50), ([], 400), (["--probe-clips", "0"], None)])
def test_pretrain_tiny_probe_clips_reach_the_probe_and_the_card(tmp_path, monkeypatch, flags, probed):
    """Mutant that passed: the probe run on its default 400 clips whatever --probe-clips said (every CLI test ran
    with --probe-clips 0, which skips the probe); the card's reproduce command is checked for each case too."""
    from types import SimpleNamespace

    import bgs_hf.cli.pretrain_tiny as pretrain_tiny
    import bgs_hf.pretrain.card as card
    import bgs_hf.pretrain.probe as probe

    real = pretrain_tiny.recipes()
    seen: dict = {}
    def pretrain(cfg, work: Path) -> SimpleNamespace:
        work.mkdir(parents=True)
        return SimpleNamespace(render_s=0.0, train_s=0.0, final_loss=1.0)

    monkeypatch.setattr(pretrain_tiny, "recipes", lambda: {arch: (config_class, pretrain)
                                                           for arch, (config_class, _) in real.items()})
    monkeypatch.setattr(probe, "run_probe", lambda work, n_clips, name: seen.update(n_clips=n_clips, name=name)
                        or "PROBE")
    monkeypatch.setattr(card, "write_model_card", lambda work, result, reproduce: seen.update(
        result=result, reproduce=reproduce))
    assert main(["pretrain-tiny", str(tmp_path / "o"), *flags]) == 0
    assert seen.get("n_clips") == probed and seen["result"] == ("PROBE" if probed else None)
    if probed:
        assert seen["name"] == "bgs-tiny-conv3d-fg"
    reproduce = seen["reproduce"] or ""  # None: every setting is the default
    assert ("--probe-clips 50" in reproduce) == (probed == 50) and ("--probe-clips 0" in reproduce) == (not probed)
    assert (reproduce == "") == (probed == 400)


def test_quickstart_refuses_clips_with_data(capsys):
    """Mutant that passed: `quickstart --data D --clips 30` silently scoring D's own clips (the flag ignored)."""
    assert main(["quickstart", "--data", "D", "--clips", "30"]) == 2
    err = capsys.readouterr().err
    assert "--clips sizes a generated SocialShapes" in err and err.count("\n") == 1, err


def test_quickstart_takes_n_boot_from_100_and_prints_the_table_and_its_wall_time_in_minutes(monkeypatch, capsys):
    """Mutation audit (quickstart, second pass): --n-boot's floor lowered to 10, the wall time printed in seconds as
    "min", and the table not printed all passed (the flag test replaces ``format_table`` and reads no output)."""
    import bgs_hf.quickstart as quickstart

    seen = {}
    monkeypatch.setattr(quickstart, "run_quickstart", lambda cfg: seen.update(cfg=cfg) or {"timings_s": {"total_s": 90}})
    monkeypatch.setattr(quickstart, "format_table", lambda report: "TABLE")
    with pytest.raises(SystemExit) as info:
        main(["quickstart", "--n-boot", "99"])
    assert info.value.code == 2 and "--n-boot: must be" in capsys.readouterr().err
    assert main(["quickstart", "--out", "OUT", "--n-boot", "100"]) == 0 and seen["cfg"].n_boot == 100
    assert capsys.readouterr().out == ("\nTABLE\n\nwrote OUT/report.json, report.md, r2_vs_ceiling.png, "
                                       "similarity_matrices.png (1.5 min)\n")  # 90 s


def test_data_export_no_card_and_data_push_private_reach_the_writer_and_the_upload(release, tmp_path, monkeypatch,
                                                                                   capsys):
    """Mutants that passed: `data export --no-card` writing the full card anyway, and `data push --private`
    creating a public repo (the suite's pushes all staged with --local-dir)."""
    import yaml

    import bgs_hf.data.hub as hub

    assert main(["data", "export", str(release), str(tmp_path / "bare"), "--no-card"]) == 0
    text = (tmp_path / "bare" / "README.md").read_text()
    assert set(yaml.safe_load(text.split("---")[1])) == {"configs"} and text.rstrip().endswith("---")
    assert main(["data", "export", str(release), str(tmp_path / "full")]) == 0
    assert "license" in yaml.safe_load((tmp_path / "full" / "README.md").read_text().split("---")[1])
    pushed = []
    monkeypatch.setattr(hub, "push_to_hub", lambda folder, repo_id, **kw: pushed.append((repo_id, kw)) or "URL")
    for flags in (["--private"], []):
        assert main(["data", "push", str(release), "--repo-id", "me/data", "--license", "cc-by-4.0", *flags]) == 0
    assert pushed == [("me/data", {"private": True}), ("me/data", {"private": False})]


def test_data_export_refuses_a_folder_holding_the_users_files(release, tmp_path, capsys):
    """Mutant that passed (CLI audit, second pass): `data export` without its new-or-empty check on OUT (only
    `synth`, `import` and the pushes' folders were tried): a user's file there must stay, alone."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["data", "export", str(release), str(out)]) == 2
    assert capsys.readouterr().err == "error: mine: OUT is not empty: choose a new or empty folder (nothing was " \
                                      "written)\n"
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "keep me"


def test_an_evaluation_the_suite_refuses_leaves_no_temp_report_folder(tmp_path, monkeypatch, capsys):
    """Without --report the suite writes into a fresh temp folder, removed when the suite stops with an error; the
    suite's test of it stopped at `--analyses nope`, before the folder was made, so skipping the removal passed."""
    import tempfile

    import bgs_hf.eval.suite as suite

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())

    def refuse(data, pretrained, finetuned, *, out_dir, **kw):
        assert out_dir.is_dir() and out_dir.parent == tmp_path and out_dir.name.startswith("bgs-eval-")
        raise BGSInputError("the scored split holds no judgment")

    monkeypatch.setattr(suite, "run_suite", refuse)
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--analyses", "fit"]) == 2
    assert capsys.readouterr().err == "error: the scored split holds no judgment\n"
    assert list(tmp_path.glob("bgs-eval-*")) == []


def test_push_without_flags_uploads_the_test_split_publicly_and_names_the_repos_address(monkeypatch, capsys):
    """Mutants that passed (CLI audit, third pass): `push --split`'s default (test, as its help says) changed, and
    the upload's line naming the staging folder instead of the repo's address (only the staged listing had a test)."""
    from types import SimpleNamespace

    import bgs_hf.hub.push as push

    seen = {}

    def push_run(run_dir, repo_id, **kw):
        seen.update(kw, run=(run_dir, repo_id))
        return SimpleNamespace(uploaded=True, files=["README.md", "bgs_config.json", "adapter_model.safetensors"],
                               folder="/tmp/staged", url="https://huggingface.co/me/run")

    monkeypatch.setattr(push, "push_run", push_run)
    assert main(["push", "RUN", "--repo-id", "me/run"]) == 0
    assert seen == {"run": ("RUN", "me/run"), "private": False, "local_dir": None, "license": None, "split": "test",
                    "baseline": None, "include_base": False, "dataset": None}
    assert capsys.readouterr().out == "pushed 3 files to https://huggingface.co/me/run\n"


def test_report_labels_each_run_by_its_folder_and_two_of_one_name_by_their_paths(tmp_path, monkeypatch, capsys):
    """Mutants that passed (CLI audit, third pass): every run labelled by its full path (the one test gave two folders
    named `eval`), a full-path label kept as typed (`x/eval/` and `x/eval` one run, two labels), and the default
    `--out` (./report) and `--title` changed. Hand values: runs/a and runs/b/ are `a` and `b`; x/eval/ and y//eval
    are `x/eval` and `y/eval`, each with its own result and folder."""
    import bgs_hf.eval.report as report

    seen = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(report, "load_run", lambda path: (Path(path).name, {"path": path}, Path(path)))
    monkeypatch.setattr(report, "write_report", lambda runs, out, **kw: seen.update(runs=runs, out=out, **kw)
                        or (Path(out) / "report.md", Path(out) / "report.html"))
    assert main(["report", "runs/a", "runs/b/"]) == 0
    assert seen == {"runs": [("a", {"path": "runs/a"}, Path("runs/a")), ("b", {"path": "runs/b/"}, Path("runs/b"))],
                    "out": Path("report"), "title": "bgs-hf evaluation report", "stem": "report"}
    assert capsys.readouterr().out == f"wrote {Path('report/report.md')} and {Path('report/report.html')}\n"
    assert main(["report", "x/eval/", "y//eval", "--out", "two"]) == 0
    assert seen["runs"] == [("x/eval", {"path": "x/eval/"}, Path("x/eval")),
                            ("y/eval", {"path": "y//eval"}, Path("y/eval"))]


def test_baselines_without_flags_score_the_test_split_with_1000_resamples_at_seed_0(tmp_path, monkeypatch, capsys):
    """Mutants that passed (CLI audit, third pass): the defaults of `--n-boot` (1000), `--seed` (0), the language
    row's `--batch-size` (64) and `--caption` (first) changed: every CLI test gave them. The defaults are the help's
    numbers; the language title names the model the baseline resolved, not the flag (None), and `--json` into a
    new folder makes it."""
    import json

    import bgs_hf.baselines.language as language
    import bgs_hf.baselines.pixels as pixels

    loads, seen = [], {}
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: loads.append(kw) or _toy_data())
    monkeypatch.setattr(language, "check_sentence_model", lambda *a, **k: None)
    monkeypatch.setattr(language, "language_baseline", lambda data, config, split, **kw: seen.update(
        language=(config, split, kw)) or {**_scores(split), "model": "all-MiniLM-L6-v2", "caption": config.caption})
    monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, **kw: seen.update(
        pixels=(config, split, kw)) or _scores(split))
    out = tmp_path / "new" / "l.json"
    assert main(["baseline", "language", "--data", "D", "--json", str(out)]) == 0
    config, split, kw = seen["language"]
    assert (config.model, config.caption, config.batch_size, config.device) == (None, "first", 64, "cpu")
    assert (split, kw) == ("test", {"n_boot": 1000, "seed": 0})
    assert capsys.readouterr().out.startswith("language baseline: all-MiniLM-L6-v2 (caption: first)\n")
    assert json.loads(out.read_text())["r2"] == 0.25
    assert main(["baseline", "pixels", "--data", "D"]) == 0
    assert seen["pixels"][1:] == ("test", {"n_boot": 1000, "seed": 0})
    assert loads == [{"seed": 0}, {"seed": 0}]


def test_evaluate_without_flags_scores_a_backbone_alone_on_test_with_the_helps_defaults(tmp_path, monkeypatch,
                                                                                          capsys):
    """Mutants that passed (CLI audit, third pass): the defaults of `--split` (test), `--n-boot` and `--n-perm`
    (1000) changed, `--caption` not handed to the language row, and the last line not naming the report's files and
    time: every CLI test gave the flags. A backbone name is the pretrained model, with no fine-tuned one; seed 0; all
    seven analyses; the bundled language model on the first captions."""
    import tempfile

    import bgs_hf.eval.suite as suite
    from bgs_hf.baselines.language import LanguageBaselineConfig

    seen = {}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: seen.update(load=kw) or _toy_data())

    def run_suite(data, pretrained, finetuned, **kw):
        seen.update(kw, models=(pretrained, finetuned))
        return {"data": "toy", "split": kw["split"], "n_clips": 3, "n_pairs": 5, "n_judgments": 4,
                "noise_ceiling_r2": 0.5, "timings_s": {"total": 12.34}}

    monkeypatch.setattr(suite, "run_suite", run_suite)
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae"]) == 0
    out = seen.pop("out_dir")
    assert out.parent == tmp_path and out.name.startswith("bgs-eval-")
    assert seen == {"load": {"seed": 0}, "models": ("tiny-random-videomae", None), "split": "test", "n_boot": 1000,
                    "n_perm": 1000, "seed": 0, "cache": None, "abstract_dir": None, "controls": None,
                    "analyses": ("fit", "layers", "partition", "probes", "transfer", "attention", "motion"),
                    "language_config": LanguageBaselineConfig(model=None, caption="first"),
                    "num_frames": None, "interpolate_frames": False,  # the backbone's own count
                    "human_reference": True}  # the humans' leave-one-out accuracy beside each model's
    assert capsys.readouterr().out.splitlines()[-1] == (f"report: {out / 'evaluation.md'} and "
                                                        f"{out / 'evaluation.html'} (12.3 s)")
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--caption", "mean", "--json",
                 str(tmp_path / "new" / "e.json")]) == 0
    assert seen["language_config"] == LanguageBaselineConfig(model=None, caption="mean")
    assert (tmp_path / "new" / "e.json").is_file()
    # --n-perm not given is not refused without the probes (only one the user gave is): the default is handed on
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--analyses", "fit"]) == 0
    assert (seen["analyses"], seen["n_perm"]) == (("fit",), 1000)


@pytest.mark.parametrize(("command", "usage"), [("baseline", "usage: bgs-hf baseline [-h] [-v] KIND ..."),
                                                 ("data", "usage: bgs-hf data [-h] [-v] ACTION ...")])
def test_a_command_group_without_its_action_prints_its_help_and_exits_2(command, usage, capsys):
    """Mutant that passed (CLI audit, third pass): `bgs-hf baseline` without KIND exiting 0 (success), where the
    help says 2 for bad usage and `bgs-hf` without COMMAND exits 2."""
    assert main([command]) == 2
    assert capsys.readouterr().out.splitlines()[0] == usage


def test_data_import_hands_its_column_names_units_and_draw_to_the_reader(tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, third pass): `data import --test-fraction`'s default (0.2, as its help says)
    changed; the flags beside it are pinned here by hand too: `--rt ''` and `--session ''` mean no such column (not
    one named ''), `--rt-ms` is a unit of 0.001 s, `--videos-columns` is stripped."""
    from bgs_hf.data import triplet_table
    from bgs_hf.data.triplet_table import TripletColumns

    seen = []
    monkeypatch.setattr(triplet_table, "collect_problems", lambda table, videos, **kw: seen.append(
        (table, videos, kw)) or (None, [BGSInputError("t.csv row 2: no such video")]))
    assert main(["data", "import", "t.csv", "vids", str(tmp_path / "a")]) == 1
    assert main(["data", "import", "t.csv", "vids", str(tmp_path / "b"), "--videos-columns", " l, m ,r", "--odd",
                 "choice", "--participant", "who", "--trial", "n", "--rt", "", "--session", "", "--rt-ms",
                 "--skip-incomplete", "--skip-missing-videos", "--test-fraction", "0.4", "--split-seed", "3"]) == 1
    (table, videos, plain), (_, _, given) = seen
    assert (table, videos) == (Path("t.csv"), Path("vids"))
    assert plain["columns"] == TripletColumns(videos=("video1", "video2", "video3"), odd="odd_one_out",
                                              participant="participant", trial="trial", rt="rt", rt_unit_s=1.0,
                                              session="session")
    assert given["columns"] == TripletColumns(videos=("l", "m", "r"), odd="choice", participant="who", trial="n",
                                              rt=None, rt_unit_s=0.001, session=None)
    assert [(kw["skip_incomplete"], kw["skip_missing_videos"], kw["split_config"].test_fraction,
             kw["split_config"].split_seed) for kw in (plain, given)] == [(False, False, 0.2, 0), (True, True, 0.4, 3)]
    assert capsys.readouterr().out.splitlines()[-1] == "1 problem found in t.csv; nothing written"


def test_a_refused_evaluation_keeps_the_report_folder_the_user_named(tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, third pass): a run the suite refuses removing the `--report` folder as it
    removes its own temp folder: the user's folder, and anything of theirs in it, must stay."""
    import bgs_hf.eval.suite as suite

    report = tmp_path / "mine"
    report.mkdir()
    (report / "notes.txt").write_text("keep me")
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())

    def refuse(data, pretrained, finetuned, *, out_dir, **kw):
        raise BGSInputError("the scored split holds no judgment")

    monkeypatch.setattr(suite, "run_suite", refuse)
    assert main(["evaluate", "--data", "D", "--model", "tiny-random-videomae", "--report", str(report)]) == 2
    assert capsys.readouterr().err == "error: the scored split holds no judgment\n"
    assert [p.name for p in report.iterdir()] == ["notes.txt"] and (report / "notes.txt").read_text() == "keep me"


def test_data_import_puts_the_declared_licence_on_the_card_and_counts_what_it_wrote(tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, third pass): `data import --license` checked, then dropped from the card (the
    import tests gave a licence only where the card's licence was not read). Without one, the card says it was not
    declared; the summary counts by hand: 8 clips, 3 of them test, 3 judgments from 2 participants."""
    from types import SimpleNamespace

    import pandas as pd

    import bgs_hf.data as data_module
    from bgs_hf.data import triplet_table

    data = SimpleNamespace(n_clips=8, split_items=lambda split: [0, 4, 6] if split == "test" else [1, 2, 3, 5, 7],
                           judgments=pd.DataFrame({"participant": ["p1", "p2", "p1"]}), n_participants=2,
                           mixed_judgments=lambda: 0,  # every trial inside one split: no note
                           meta={"source": "triplet-table", "imported_from": "t.csv"})
    cards = []
    monkeypatch.setattr(triplet_table, "collect_problems", lambda table, videos, **kw: (data, []))
    monkeypatch.setattr(data_module, "write_hub", lambda data, out, **kw: cards.append(kw["card_info"]) or Path(out))
    out = tmp_path / "my-study"
    assert main(["data", "import", "t.csv", "vids", str(out), "--license", "cc-by-4.0"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"wrote {out}: 8 clips (5 train, 3 test), 3 judgments from 2 " \
                                                      "participants"
    assert main(["data", "import", "t.csv", "vids", str(tmp_path / "plain")]) == 0
    declared, plain = cards
    assert (declared.license, declared.license_note) == ("cc-by-4.0", "Licensed `cc-by-4.0` by the publisher of "
                                                                      "this dataset.")
    assert declared.pretty_name == "my-study" and plain.license_note == "Licence not declared (pass --license)."


@pytest.mark.parametrize("command", [["export", "SRC", "OUT"], ["push", "SRC", "--repo-id", "me/data"]])
def test_a_half_declared_licence_is_refused_before_the_data_loads(command, tmp_path, monkeypatch, capsys):
    """Mutant that passed (CLI audit, third pass): `data export` checking the declared licence only once the data had
    loaded (a release's hundreds of judgments read, then refused): `--license-name` without `--license other` stops
    at once, in one line, and nothing is written."""
    import bgs_hf.data as data_module

    loads = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(data_module, "load", lambda source, **kw: loads.append(source))
    assert main(["data", *command, "--license-name", "lab-terms-1.0"]) == 2
    assert capsys.readouterr().err == ("error: --license-name names the terms of `--license other`: pass --license "
                                       "other with it\n")
    assert loads == [] and list(tmp_path.iterdir()) == []


def test_help_text_keeps_its_line_breaks_and_one_paragraph_is_wrapped_even_with_a_trailing_newline():
    """Mutant that passed (CLI audit, third pass): a one-paragraph text ending in a newline (a docstring whose quotes
    close on their own line) printed as written, one long line, instead of wrapped. Hand values at width 30 with a
    2-space indent: twelve 'word's wrap five to a line (2 + 5×4 + 4 = 26 columns; a sixth would make 31)."""
    from bgs_hf.cli._parser import HelpFormatter

    formatter = HelpFormatter("bgs-hf")
    assert formatter._fill_text("word " * 12 + "\n", 30, "  ") == ("  word word word word word\n"
                                                                    "  word word word word word\n  word word")
    assert formatter._fill_text("examples:\n  bgs-hf a   b\n", 30, "  ") == "  examples:\n    bgs-hf a   b\n"


def test_an_unknown_flag_given_with_its_value_after_an_equals_sign_gets_its_suggestion(capsys):
    """Mutant that passed (CLI audit, third pass): `--jsn=out/s.json` looked up whole, value and all, so it got no
    "did you mean" (every test typed the value apart; a short value such as `--sed=1` still matched `--seed`)."""
    with pytest.raises(SystemExit) as stop:
        main(["data", "stats", "SRC", "--jsn=out/s.json"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == ("bgs-hf data stats: error: unrecognized arguments: "
                                                        "--jsn=out/s.json (did you mean --json?)")


def test_a_refused_setting_is_named_as_a_flag_in_the_commands_own_spelling():
    """Mutant that passed (CLI audit, third pass): `flags_as_typed` ignoring its separator, so `bgs-hf train`
    (whose flags and help are `--val_split`) named a setting the user did not type as `--val-split`; one typed is
    named as typed whatever the separator."""
    from bgs_hf.cli._parser import flags_as_typed
    from bgs_hf.errors import BGSSettingError

    def refused() -> BGSSettingError:
        return BGSSettingError(lambda n: f"{n('val_split', 'paper')} needs at least 2 train clips, got 1")

    assert str(refused()) == "val_split 'paper' needs at least 2 train clips, got 1"
    assert str(flags_as_typed(refused(), ["--data", "x"], "_")) == "--val_split paper needs at least 2 train clips, got 1"
    assert str(flags_as_typed(refused(), ["--data", "x"])) == "--val-split paper needs at least 2 train clips, got 1"
    assert str(flags_as_typed(refused(), ["--val-split", "paper"], "_")) == ("--val-split paper needs at least 2 "
                                                                             "train clips, got 1")


def test_a_flag_is_respelled_as_typed_but_a_path_holding_its_other_spelling_is_left_alone():
    """Mutant that passed (CLI audit, third pass): `as_typed` without its look-behind, so a path in the message
    (`runs/lr--val-fraction`) was rewritten like a flag once the user typed `--val_fraction`."""
    from bgs_hf.cli._parser import as_typed

    assert as_typed("argument --val-fraction: no such folder: runs/lr--val-fraction", ["--val_fraction", "2"]) == \
        "argument --val_fraction: no such folder: runs/lr--val-fraction"


def test_the_parser_reads_sys_argv_as_typed_walks_an_alias_once_and_keeps_a_flag_defined_in_both_spellings(
        monkeypatch, capsys):
    """Mutation audit (``cli/_parser``): ``parse_command_line(None)`` (the console script) naming a flag as argparse
    spells it, not as typed in ``sys.argv``, nor a ``--flag=value`` as typed; ``typed_argv`` left empty; an aliased
    command walked twice; ``finish`` pointing a flag's ``_`` spelling at it where a command defines that spelling
    itself, or a command's description without its full stop; no "did you mean" for a flag after a stray word;
    ``-v`` after ``--`` taken for ``--verbose``; a required flag's help without ``(required)`` and a help naming its
    own default given a second: all passed, as every test hands ``main`` its argv and the real commands have no
    alias."""
    from bgs_hf.cli._args import float_between
    from bgs_hf.cli._parser import CLIParser, DefaultsHelpFormatter, take_verbose, unrecognized_message, walk

    parser = CLIParser(prog="demo")
    parser.add_argument("--n_boot", dest="own", default=None)  # a command's own flag of that spelling, first
    parser.add_argument("--val-fraction", type=float_between(0.0, 1.0), default=0.2)
    parser.add_argument("--n-boot", type=int, default=10)
    commands = parser.add_subparsers(dest="command")
    stats = commands.add_parser("stats", aliases=["st"], help="print counts")
    parser.finish()
    assert list(walk(parser)) == [parser, stats] and stats.description == "Print counts."
    assert unrecognized_message(parser, ["stray", "--val-fractoin", "2"]) == (  # a word before the flag: still a hint
        "unrecognized arguments: stray --val-fractoin 2 (did you mean --val-fraction?)")
    assert vars(parser.parse_command_line(["--n_boot", "3"])) == {"val_fraction": 0.2, "n_boot": 10, "own": "3",
                                                                  "command": None, "typed_argv": ("--n_boot", "3")}
    monkeypatch.setattr("sys.argv", ["demo", "--val_fraction", "2"])
    with pytest.raises(SystemExit) as exited:
        parser.parse_command_line(None)
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "demo: error: argument --val_fraction: must be in [0.0, 1.0], got 2"
    with pytest.raises(SystemExit):
        parser.parse_command_line(["--val_fraction=1.5"])  # its value after an equals sign
    assert capsys.readouterr().err.splitlines()[-1] == "demo: error: argument --val_fraction: must be in [0.0, 1.0], got 1.5"
    assert take_verbose(["--data", "x", "--", "-v"]) == (False, ["--data", "x", "--", "-v"])
    assert take_verbose(["--data", "x", "-v", "--", "-v"]) == (True, ["--data", "x", "--", "-v"])
    helped = argparse.ArgumentParser(prog="train", formatter_class=DefaultsHelpFormatter)
    helped.add_argument("--data", required=True, help="dataset folder")
    helped.add_argument("--cache_dir", default="auto", help="clip cache (default: <output_dir>/clip_cache)")
    helped.add_argument("--seed", type=int, default=42, help="seed")
    text = " ".join(helped.format_help().split())
    assert "dataset folder (required)" in text and "seed (default: 42)" in text
    assert "(default: <output_dir>/clip_cache)" in text and "(default: auto)" not in text


def test_a_whole_number_beyond_float_range_is_read_or_refused_in_one_line() -> None:
    """``whole_number`` asked ``math.isfinite`` of every value, which raised OverflowError for an int beyond a float's
    range (10**400), instead of taking it or giving its one line."""
    assert whole_number(10**400, "n") == 10**400
    with pytest.raises(BGSInputError, match=r"^n must be >= 1, got -1000"):
        whole_number(-(10**400), "n", least=1)
    with pytest.raises(BGSInputError, match=r"^n must be a whole number, got 2\.5$"):
        whole_number(2.5, "n")


def test_a_real_number_is_finite_only_where_a_float_holds_it() -> None:
    """``is_finite_real``: ``math.isfinite`` raised OverflowError on an int beyond float range (10**400), where the
    settings checked with it (Space limits, SynthConfig, a checkpoint's training time) are used as floats. The largest
    float is 2**1024 - 2**971: an int up to it is finite, 2**1024 is not."""
    from fractions import Fraction

    from bgs_hf.errors import is_finite_real

    for value in (0, -3, 2.5, 2**1023, 2**1024 - 2**971, np.int64(7), np.float32(0.5), Fraction(1, 3)):
        assert is_finite_real(value), value
    for value in (10**400, -(10**400), 2**1024, Fraction(10**400, 3), float("inf"), float("nan"), np.float32("inf"),
                  True, False, None, "1", [1.0]):
        assert not is_finite_real(value), value


def test_finite_number_is_the_one_line_of_a_numeric_setting_with_its_bound_and_the_callers_error_type() -> None:
    """``finite_number``: the check the training flags, the Space limits, the pretraining configs, the losses and
    ``write_video`` share. A bound is the value's own (0 passes ``at_least=0``, not ``above=0``), the value comes back
    a float (numpy's float32 is no JSON), text is quoted (``'5'``) and a ValueError caller keeps a plain ValueError."""
    import re

    from bgs_hf.errors import finite_number

    for value, kwargs, expected in ((2, {"above": 0}, 2.0), (0, {"at_least": 0}, 0.0), (np.float32(0.5), {}, 0.5),
                                    (-7, {}, -7.0), (2**1023, {"above": 0}, 2.0**1023)):
        got = finite_number(value, "x", **kwargs)
        assert type(got) is float and got == expected, (value, got)
    for value, kwargs, line in ((0, {"above": 0}, "x must be a finite number > 0, got 0"),
                                (-1.5, {"at_least": 0, "note": " (0: off)"}, "x must be a finite number >= 0 (0: off), got -1.5"),
                                (1e-31, {"at_least": 1e-30}, "x must be a finite number >= 1e-30, got 1e-31"),
                                (float("nan"), {}, "x must be a finite number, got nan"),
                                (10**400, {"above": 0}, f"x must be a finite number > 0, got {10**400}"),
                                (True, {"above": 0}, "x must be a finite number > 0, got True"),
                                ("5", {"above": 0}, "x must be a finite number > 0, got '5'"),
                                (None, {}, "x must be a finite number, got None")):
        with pytest.raises(BGSInputError, match=f"^{re.escape(line)}$"):
            finite_number(value, "x", **kwargs)
    with pytest.raises(ValueError) as caught:
        finite_number(-1, "fps", above=0, error=ValueError)
    assert type(caught.value) is ValueError and str(caught.value) == "fps must be a finite number > 0, got -1"


def test_whole_number_checks_a_least_of_zero_and_names_a_whole_float_below_it_as_an_integer() -> None:
    """Mutation audit (this round's new code): ``least=0`` (a seed, a video limit) read as no bound, so -1 passed, and
    a whole float below ``least`` named as written (``got 0.0``) passed every test, which bounded only at 1."""
    assert whole_number(0, "seed", least=0) == 0
    with pytest.raises(BGSInputError, match=r"^seed must be >= 0, got -1$"):
        whole_number(-1, "seed", least=0)
    with pytest.raises(BGSInputError, match=r"^n must be >= 1, got 0$"):
        whole_number(0.0, "n", least=1)


def test_a_split_too_small_for_its_cis_gets_one_note_per_output_and_a_demo_sized_split_none(tmp_path, monkeypatch,
                                                                                            capsys):
    """A 12-clip study's 5 test clips printed R² 95% CI [-1.0000, 1.0000] in `baseline`, `evaluate` and the report,
    with no word on what it means. Each output now says once (not per row) that the split is too small, naming its
    clips and judgments: under 100 judgments (`data validate`'s minimum), or an R² interval of width 1.8 or more (90%
    of R²'s range, -1 to 1). The demo's test split (50 clips, 348 judgments, an interval ~0.1 wide) gets none."""
    import bgs_hf.baselines.pixels as pixels
    from bgs_hf.cli.evaluate import _print_summary
    from bgs_hf.eval.report import build_sections, render

    def tiny(n_clips, n_judgments, ci):
        return {**_scores("test"), "n_clips": n_clips, "n_judgments": n_judgments, "r2_ci": ci}

    said = "is too small for its 95% CIs to say anything"
    monkeypatch.setattr("bgs_hf.data.load", lambda source, **kw: _toy_data())
    for row, note in [
        (tiny(5, 8, [-1.0, 1.0]), "note: the test split (5 clips, 8 judgments) " + said + " (an R² interval spans"),
        (tiny(5, 99, [-0.1, 0.3]), "note: the test split (5 clips, 99 judgments) " + said + " (under 100 judgments"),
        (tiny(20, 150, [-0.875, 0.9375]), "note: the test split (20 clips, 150 judgments) " + said + " (an R² interval"),
        (tiny(20, 100, [-0.875, 0.875]), None),  # 1.75 wide, 100 judgments: readable, if barely
        (tiny(50, 348, [0.04, 0.13]), None),  # the demo's test split
    ]:
        monkeypatch.setattr(pixels, "pixel_baseline", lambda data, config, split, row=row, **kw: dict(row))
        assert main(["baseline", "pixels", "--data", "D"]) == 0
        lines = [ln for ln in capsys.readouterr().out.splitlines() if said in ln]
        assert len(lines) == (note is not None) and (note is None or lines[0].startswith("  " + note))
        fit = {k: row for k in ("pretrained", "bgs", "language")}
        res = {"data": "d", "split": "test", "n_clips": row["n_clips"], "n_pairs": 5, "n_judgments": row["n_judgments"],
               "noise_ceiling_r2": 0.5, "fit": fit}
        _print_summary(res)
        lines = [ln for ln in capsys.readouterr().out.splitlines() if said in ln]
        assert len(lines) == (note is not None) and (note is None or lines[0].startswith("  " + note))
        md, _ = render(build_sections([("one", {**res, "models": {}}, tmp_path)]), tmp_path, "t")
        assert md.count(said) == (note is not None)
        assert note is None or f"*{note.removeprefix('note: ')}" in md


def test_the_small_split_note_reads_every_row_counts_only_real_counts_and_prefixes_each_runs_note(tmp_path, capsys):
    """Mutation audit (`small_split_note` and its callers): an interval of 0.85 - -0.95 (1.8 less an ulp in floats)
    taken as narrow, the note given only when every row's interval is wide (the tests gave each row the same one), a
    count of True or text read as judgments, a clip count of None or "5" printed ("None clips", "5 clips") or none an
    empty "()", an infinite, three-ended, reversed or half-bool interval read as wide, only evaluate's first row read,
    and the report's note without its run's label where two runs share the report, all passed. By hand: 150 judgments
    is enough, so only a wide interval (its high end less its low end >= 1.8) can add the note there."""
    from bgs_hf.cli.evaluate import _print_summary
    from bgs_hf.data.validate import small_split_note
    from bgs_hf.eval.report import build_sections, render

    said = "is too small for its 95% CIs to say anything"
    wide = " (an R² interval spans most of R²'s range, -1 to 1)"
    assert small_split_note("test", 20, 150, [[-0.95, 0.85]]) == f"note: the test split (20 clips, 150 judgments) {said}{wide}"
    assert small_split_note("val", 20, 150, [[0.1, 0.2], None, (-0.95, 0.85)]) == \
        f"note: the val split (20 clips, 150 judgments) {said}{wide}"  # one wide row of three is enough
    assert small_split_note("test", None, np.int64(99), []) == (  # numpy's count is one; a missing one is left out
        f"note: the test split (99 judgments) {said} (under 100 judgments, the fewest `bgs-hf data validate` expects "
        "CIs to be read on)")
    assert small_split_note("test", None, None, [[-1.0, 1.0]]) == f"note: the test split {said}{wide}"
    assert small_split_note("test", "5", 150, [[-1.0, 1.0]]) == f"note: the test split (150 judgments) {said}{wide}"
    for not_a_count in (True, 8.0, "8", None):
        assert small_split_note("test", 20, not_a_count, [[0.1, 0.2]]) is None, not_a_count
    # mutation audit (fourth pass): the note at exactly FEW_JUDGMENTS passed; 100 judgments are enough
    assert small_split_note("test", 20, 100, [[0.1, 0.2]]) is None
    # mutation audit: a float clip count printed (12.0 as "12 clips", where 8.0 judgments are not counted), and an
    # interval with a missing end (a NaN bound, which metrics.json writes as null) a TypeError, both passed
    assert small_split_note("test", 12.0, 150, [[-1.0, 1.0]]) == f"note: the test split (150 judgments) {said}{wide}"
    for not_an_interval in ([-np.inf, np.inf], [-1.0, 1.0, 0.5], [1.0, -1.0], [np.nan, 1.0], [-1.0, True], "ab", None,
                            [None, None], [None, 1.0]):
        assert small_split_note("test", 20, 150, [not_an_interval]) is None, not_an_interval

    row = {**_scores("test"), "n_clips": 20, "n_judgments": 150}
    fit = {"pretrained": {**row, "r2_ci": [0.1, 0.2]}, "bgs": {**row, "r2_ci": [-1.0, 1.0]}, "language": row}
    res = {"data": "d", "split": "test", "n_clips": 20, "n_pairs": 5, "n_judgments": 150, "noise_ceiling_r2": 0.5,
           "fit": fit}
    _print_summary(res)
    assert [ln for ln in capsys.readouterr().out.splitlines() if said in ln] == \
        [f"  note: the test split (20 clips, 150 judgments) {said}{wide}"]
    demo = {**res, "fit": {name: {**row, "r2_ci": [0.04, 0.13]} for name in fit}}
    md, _ = render(build_sections([("small", {**res, "models": {}}, tmp_path),
                                   ("demo", {**demo, "models": {}}, tmp_path / "2")]), tmp_path, "t")
    assert md.count(said) == 1 and f"*small: the test split (20 clips, 150 judgments) {said}{wide}.*" in md


def test_data_commands_refuse_a_negative_seed_naming_the_flag_and_need_an_action(tmp_path, monkeypatch, capsys):
    """Mutants that passed (audit of cli/data.py): `bgs-hf data` with no ACTION exiting 0 (a usage error, like no
    COMMAND), and a negative seed or `--n-splits 0` let through argparse (they failed only once the data had loaded,
    `--seed`/`--split-seed` of `validate`, `export`, `push` as the loader's `seed must be >= 0`, naming no flag the
    user typed)."""
    import bgs_hf.data as data_module

    monkeypatch.setattr(data_module, "load", lambda source, **kw: pytest.fail(f"loaded with {kw}"))
    monkeypatch.setattr(data_module, "validate", lambda source, **kw: pytest.fail(f"validated with {kw}"))
    assert main(["data"]) == 2
    capsys.readouterr()
    for argv, message in ((["validate", "SRC", "--seed", "-1"], "--seed: must be >= 0, got -1"),
                          (["stats", "SRC", "--no-png", "--split-seed", "-1"], "--split-seed: must be >= 0, got -1"),
                          (["stats", "SRC", "--no-png", "--n-splits", "0"], "--n-splits: must be >= 1, got 0"),
                          (["export", "SRC", str(tmp_path / "out"), "--split-seed", "-1"], "--split-seed: must be >= 0"),
                          (["export", "SRC", str(tmp_path / "out"), "--seed", "-2"], "--seed: must be >= 0, got -2"),
                          (["push", "SRC", "--repo-id", "u/d", "--local-dir", str(tmp_path / "st"), "--seed", "-3"],
                           "--seed: must be >= 0, got -3")):
        with pytest.raises(SystemExit) as exit_:
            main(["data", *argv])
        assert exit_.value.code == 2, argv
        assert message in capsys.readouterr().err, argv
    assert not (tmp_path / "out").exists() and not (tmp_path / "st").exists()


def test_data_push_refuses_to_stage_a_private_repo(release, tmp_path, capsys):
    """Mutant that passed (audit of cli/data.py): `data push --local-dir --private` staging anyway, so the later
    real push, without --private, made a public repo (the check was tried on `bgs-hf push` and `space` only)."""
    staged = tmp_path / "staged"
    assert main(["data", "push", str(release), "--repo-id", "me/data", "--local-dir", str(staged), "--private"]) == 2
    assert "error: --private makes the repo an upload creates private" in capsys.readouterr().err
    assert not staged.exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="writes below /proc, where no folder can be made")
def test_python_m_bgs_hf_cli_main_v_shows_the_environments_error_traceback(tmp_path):
    """``-v`` shows the traceback under an environment's one-line error (``bgs-hf -v`` did), but run as ``python -m
    bgs_hf.cli.main`` the traceback went to the ``__main__`` logger, which ``-v`` (DEBUG for bgs_hf) does not open."""
    import subprocess
    import sys

    # /proc passes the output checks but makes no folder: the work folder's mkdir fails (an OSError)
    run = subprocess.run([sys.executable, "-m", "bgs_hf.cli.main", "-v", "synth", "/proc/bgs-hf-no-such-out",
                          "--force", "--clips", "10", "--frames", "2", "--size", "16"], capture_output=True, text=True,
                         timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 2, run.stderr[-2000:]
    assert "DEBUG bgs_hf.cli.main: command failed\nTraceback (most recent call last):" in run.stderr, run.stderr[-2000:]
    assert run.stderr.splitlines()[-1].startswith("error: FileNotFoundError: "), run.stderr[-2000:]
    # mutation audit (363ce99..bcac884): the same for an environment's error raised as a library's own type
    # (safetensors' full disk), whose branch named the `__main__` logger still and passed
    code = ("import runpy, sys\n"
            "from safetensors import SafetensorError\n"
            "import bgs_hf.synth.generate as generate\n"
            "def full(*args, **kwargs):\n"
            "    raise SafetensorError('Error while serializing: I/O error: No space left on device (os error 28)')\n"
            "generate.generate_socialshapes = full\n"
            f"sys.argv = ['bgs_hf.cli.main', '-v', 'synth', {str(tmp_path / 'ss')!r}, '--clips', '10', '--frames', '2',"
            " '--size', '16']\n"
            "runpy.run_module('bgs_hf.cli.main', run_name='__main__', alter_sys=True)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 2, run.stderr[-2000:]
    assert "DEBUG bgs_hf.cli.main: command failed\nTraceback (most recent call last):" in run.stderr, run.stderr[-2000:]
    assert "SafetensorError: Error while serializing" in run.stderr
    assert run.stderr.splitlines()[-1].startswith("error: "), run.stderr[-2000:]


def test_a_parse_again_that_is_refused_too_says_nothing_and_a_refused_line_leaves_the_parser_as_it_was(monkeypatch,
                                                                                                      capsys):
    """Mutation audit of 442735c (a mistyped flag named where a required one is missing), mutants that passed, as no
    bgs-hf command has a required group or a required flag of two names, and each refused line ends the process with
    its words handed over: the second, all-optional parse of a refused line printing its own refusal (two ``error:``
    lines) or its words taken for unknown ones; a missing flag of two names (``-r/--repo-id``) said again beside its
    typo; a short ``--r`` not taken for the flag it starts; the flags left optional, or the parser refusing for good,
    after one refused line; a parser given no words (``sys.argv``) reading none."""
    from bgs_hf.cli._parser import CLIParser

    parser = CLIParser(prog="tool", allow_abbrev=False)
    parser.add_argument("-r", "--repo-id", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--train", action="store_true")
    group.add_argument("--test", action="store_true")
    with pytest.raises(SystemExit):
        parser.parse_args(["--rep", "x"])  # the parse again is refused too (no --train or --test): argparse's line
    assert capsys.readouterr().err.splitlines() == ["usage: tool [-h] -r REPO_ID (--train | --test)",
                                                    "tool: error: the following arguments are required: -r/--repo-id"]
    for _ in range(2):  # refused alike once more: --repo-id is still required, and the parser still says so
        monkeypatch.setattr("sys.argv", ["tool", "--r", "x", "--test"])
        with pytest.raises(SystemExit) as exited:
            parser.parse_args()
        assert exited.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1] == "tool: error: unrecognized arguments: --r x (did you mean " \
                                                           "--repo-id?)"
    assert vars(parser.parse_args(["--repo-id", "d", "--test"])) == {"repo_id": "d", "train": False, "test": True}


def test_a_command_line_given_as_an_iterator_is_read_whole():
    """``CLIParser().parse_args(iter(["--seed", "3"]))`` read seed 0: the parser listed the words (to name a mistyped
    flag later) and then handed argparse the spent iterator, so every flag was silently dropped."""
    from bgs_hf.cli._parser import CLIParser

    parser = CLIParser(prog="tool")
    parser.add_argument("--seed", type=int, default=0)
    assert parser.parse_args(iter(["--seed", "3"])).seed == 3


def test_a_missing_flag_a_typo_stands_for_is_matched_by_any_of_its_long_names_in_either_spelling(capsys):
    """Mutation audit of 52de397..1efec6f, mutants that passed, as every bgs-hf command's required flag is dashed
    with one long name: a missing flag matched to its typo by its name as registered (``--out_dir`` against the
    typo's dashed ``--out-dir``), or by its last long name only (``--repo-id/--repo``), was said missing beside its
    own "did you mean"."""
    from bgs_hf.cli._parser import CLIParser

    parser = CLIParser(prog="tool", allow_abbrev=False)
    parser.add_argument("--repo-id", "--repo", required=True)
    parser.add_argument("--out_dir", required=True)
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--repo-i", "x", "--out_dirr", "y"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == ("tool: error: unrecognized arguments: --repo-i x --out_dirr y "
                                                        "(did you mean --repo-id?; did you mean --out_dir?)")


def test_a_word_read_as_a_command_after_no_unknown_flag_names_none(capsys):
    """A mistyped command after a `-` (stdin's name) given to a flag, after `--`, or after a flag of the parser's own
    where it takes no abbreviation, follows no unknown flag, so none is named; nor for a positional's choice, which
    no flag can stand before (mutants of its audit: `-` taken for a flag raised an IndexError in argparse's option
    lookup, a command word missing before `--` a ValueError; a flag read as unknown where abbreviations are off, the
    words after `--` read as flags and values, or a positional's choices as commands, an AttributeError)."""
    from bgs_hf.cli._parser import CLIParser

    parser = CLIParser(prog="tool", allow_abbrev=False)
    parser.add_argument("--input")
    parser.add_argument("--quiet", action="store_true")
    parser.add_subparsers(dest="command", metavar="COMMAND").add_parser("run")
    assert parser.parse_args(["--input", "-", "run"]).input == "-"
    plain = CLIParser(prog="tool")
    plain.add_argument("mode", choices=("a", "b"))
    for parsed, argv, what in ((parser, ["--input", "-", "x"], "COMMAND"), (parser, ["--", "x"], "COMMAND"),
                               (parser, ["--zz", "--", "x"], "COMMAND"), (parser, ["--quiet", "x"], "COMMAND"),
                               (plain, ["--zz", "x"], "mode")):
        with pytest.raises(SystemExit) as exited:
            parsed.parse_args(argv)
        assert exited.value.code == 2, argv
        line = capsys.readouterr().err.splitlines()[-1]
        assert line.startswith(f"tool: error: argument {what}: invalid choice: ") and "no flag" not in line, line


def _data_stats_into_a_closed_pipe(release: Path, extra: list[str], cwd: Path, env: dict[str, str] | None = None,
                                   stdout: str | None = None) -> subprocess.CompletedProcess[str]:
    """``bgs-hf data stats RELEASE *extra`` run as a user runs it, its stdout a pipe whose reader is already gone
    (or the file ``stdout``)."""
    return _python_into(["-m", "bgs_hf.cli.main", "data", "stats", str(release), "--n-splits", "2", *extra], cwd, env,
                        stdout)


def _block_buffered_env() -> dict[str, str]:
    """This environment without ``PYTHONUNBUFFERED``: a child's stdout block-buffered, as a user's is."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _python_into(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                 stdout: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python *args`` (this checkout's bgs_hf importable) run as a user runs it, its stdout a pipe whose reader is
    already gone (or the file ``stdout``)."""
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    command = [sys.executable, *args]
    if stdout is None:
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line
    else:
        write_end = os.open(stdout, os.O_WRONLY)
    try:
        return subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300, cwd=cwd,
                              env=env)
    finally:
        os.close(write_end)


def test_a_command_run_with_no_stdout_at_all_ends_as_it_would_with_one(monkeypatch):
    """Mutation audit of 33bfdbe: ``_flush_stdout`` flushing a ``sys.stdout`` that is None passed. Python has none
    where descriptor 1 was closed at start (`pythonw`, a service or a cron job started with it closed): every
    command, done or failed, then ended on an AttributeError traceback, its exit status lost."""
    monkeypatch.setattr(sys, "stdout", None)
    assert run_guarded(lambda: 0) == 0 and run_guarded(lambda: 3) == 3


def test_a_closed_pipe_downstream_ends_the_command_quietly_as_unix_tools_do(release, tmp_path, capsys):
    """`bgs-hf data stats X --json - | head -1` (or `--png /dev/stdout | head -c 10`, or the table into a pager
    quit early) ended with `error: BrokenPipeError` and exit 2: now it ends as `cat` does, no error line and no
    traceback, exit 141 (128 + SIGPIPE). Run as a user runs it: stdout a pipe whose reader is already gone. A
    broken pipe that is not stdout's (a network upload) is still the environment's error line."""
    import errno

    from bgs_hf.cli.main import run_guarded

    for extra in (["--no-png", "--json", "-"], ["--png", "/dev/stdout", "--json", str(tmp_path / "s.json")],
                  ["--no-png"]):
        run = _data_stats_into_a_closed_pipe(release, extra, tmp_path)
        assert run.returncode == 141, (extra, run.stderr[-2000:])
        assert "error" not in run.stderr.lower() and "Traceback" not in run.stderr, (extra, run.stderr[-2000:])

    def upload() -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    assert run_guarded(upload) == 2
    assert "error: " in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_lines_still_buffered_for_a_gone_reader_keep_the_exit_status_and_print_no_exception(release, tmp_path):
    """With stdout block-buffered, as it is for a user (this suite may run with PYTHONUNBUFFERED set, which hid it):
    a command whose table is still buffered when its pipe's reader is gone (`| head -0`, a `| tee` that Ctrl-C ended)
    ends quietly with 141 when it succeeds (run_guarded's flush removed: "Exception ignored ... BrokenPipeError" and
    120), and keeps its own exit status and one error line when it fails (here its plot onto a full disk): it was
    the error line, then "Exception ignored in: <_io.TextIOWrapper name='<stdout>'...> BrokenPipeError", and 120.
    A stdout onto a full disk is said once (the lines it kept, flushed again, said it a second time)."""
    env = _block_buffered_env()
    full = ["error: OSError: No space left on device: /dev/full"]  # (the plot's file: it named none)
    stdout_full = ["error: OSError: No space left on device: the standard output (/dev/full)"]
    for extra, stdout, status, lines in ((["--no-png"], None, 141, []), (["--png", "/dev/full"], None, 2, full),
                                         (["--no-png"], "/dev/full", 2, stdout_full)):
        run = _data_stats_into_a_closed_pipe(release, extra, tmp_path, env, stdout)
        said = [line for line in run.stderr.splitlines() if not line.startswith("INFO ")]
        assert (run.returncode, said) == (status, lines), (extra, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_stdout_that_fails_is_named_as_the_standard_output_once(tmp_path: Path) -> None:
    """`bgs-hf data stats X > /dev/full` (a redirect onto a full disk) said `error: OSError: No space left on device`
    after a command that succeeded, and `error: stdout: OSError: ...` after one that failed: neither said that the
    file the user redirected stdout into was the one without room (the command writes files of its own, too)."""
    script = ("import sys\nfrom bgs_hf.cli.main import run_guarded\nfrom bgs_hf.errors import BGSInputError\n"
              "def command():\n    print('a table line')\n    if sys.argv[1] == 'fail':\n"
              "        raise BGSInputError('bad input')\nsys.exit(run_guarded(command))\n")
    env = _block_buffered_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                      env.get("PYTHONPATH")]))
    named = "error: OSError: No space left on device: the standard output (/dev/full)"
    for case, lines in (("succeed", [named]), ("fail", ["error: bad input", named])):
        with open("/dev/full", "w") as full:
            run = subprocess.run([sys.executable, "-c", script, case], stdout=full, stderr=subprocess.PIPE, text=True,
                                 timeout=120, cwd=tmp_path, env=env)
        assert (run.returncode, run.stderr.splitlines()) == (2, lines), run.stderr[-2000:]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_failing_stdout_is_named_by_a_path_alone_and_by_no_path_where_the_system_gives_none(tmp_path: Path) -> None:
    """Mutation audit (of 6b16e25): the standard output named by whatever ``/proc/self/fd/1`` reads (a pipe's or a
    socket's ``pipe:[42]``, no file a user can look at), and a ``/proc`` that refuses the read (``PermissionError``
    in a hardened container) failing the error line itself, both passed."""
    script = ("import errno, os, sys\nfrom bgs_hf.cli.main import run_guarded\n"
              "def pipe(name):\n    return 'pipe:[42]'\n"
              "def refused(name):\n    raise PermissionError(errno.EACCES, 'Permission denied', name)\n"
              "os.readlink = {'pipe': pipe, 'refused': refused}[sys.argv[1]]\n"
              "sys.exit(run_guarded(lambda: print('a table line')))\n")
    env = _block_buffered_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                      env.get("PYTHONPATH")]))
    for case in ("pipe", "refused"):
        with open("/dev/full", "w") as full:
            run = subprocess.run([sys.executable, "-c", script, case], stdout=full, stderr=subprocess.PIPE, text=True,
                                 timeout=120, cwd=tmp_path, env=env)
        said = ["error: OSError: No space left on device: the standard output"]
        assert (run.returncode, run.stderr.splitlines()) == (2, said), (case, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_stdout_that_fills_mid_command_is_named_as_one_that_fails_at_the_last_flush(release, tmp_path):
    """`bgs-hf data stats X > /dev/full` named the standard output only where its last flush failed: a write that
    failed before it (PYTHONUNBUFFERED set; a listing longer than the buffer) said `error: OSError: No space left on
    device`, no file, and a command that caught that error ended 0 with its lines lost. All say the one line, exit 2,
    no traceback and no "Exception ignored"."""
    named = ["error: OSError: No space left on device: the standard output (/dev/full)"]
    unbuffered = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = _data_stats_into_a_closed_pipe(release, ["--no-png"], tmp_path, unbuffered, "/dev/full")
    said = [line for line in run.stderr.splitlines() if not line.startswith("INFO ")]
    assert (run.returncode, said) == (2, named), run.stderr[-2000:]
    script = ("import sys\nfrom bgs_hf.cli.main import run_guarded\n"
              "def listing():\n    for i in range(5000):\n        print('a table line', i)\n"
              "def caught():\n    try:\n        listing()\n    except OSError:\n        pass\n"
              "sys.exit(run_guarded({'listing': listing, 'caught': caught}[sys.argv[1]]))\n")
    block_buffered = _block_buffered_env()
    block_buffered["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                                 block_buffered.get("PYTHONPATH")]))
    for case, env in (("listing", block_buffered), ("caught", block_buffered),
                      ("caught", {**block_buffered, "PYTHONUNBUFFERED": "1"})):
        with open("/dev/full", "w") as full:
            run = subprocess.run([sys.executable, "-c", script, case], stdout=full, stderr=subprocess.PIPE, text=True,
                                 timeout=120, cwd=tmp_path, env=env)
        assert (run.returncode, run.stderr.splitlines()) == (2, named), (case, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_plot_or_json_onto_a_device_that_fails_names_the_file_given_and_leaves_no_temp_file(release, tmp_path):
    """`bgs-hf data stats X --png /dev/full` (a figure onto a device whose writes fail) said `error: OSError: No
    space left on device`, naming no file; so did `--json /dev/full`, and `--png /dev/stdout > /dev/full`. Each
    names the file given, one line, exit 2; a device is written as it is, so no temp file is left beside it."""
    from bgs_hf._files import WORK_PREFIX

    before = set(os.listdir("/dev"))
    for extra, stdout, named in ((["--png", "/dev/full"], "/dev/null", "/dev/full"),
                                 (["--no-png", "--json", "/dev/full"], "/dev/null", "/dev/full"),
                                 (["--png", "/dev/stdout"], "/dev/full", "/dev/stdout")):
        run = _data_stats_into_a_closed_pipe(release, extra, tmp_path, stdout=stdout)
        said = [line for line in run.stderr.splitlines() if not line.startswith("INFO ")][-1:]
        assert (run.returncode, said) == (2, [f"error: OSError: No space left on device: {named}"]), \
            (extra, run.stderr[-2000:])
        assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr[-2000:]
    assert sorted(os.listdir(tmp_path)) == ["rel"]
    assert not [name for name in set(os.listdir("/dev")) - before if name.startswith(WORK_PREFIX)]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_stdout_flushed_or_written_in_lines_mid_command_fails_as_one_named_line(tmp_path):
    """Mutation audit of 19e13d5: ``_StdoutNamingErrors`` passing ``flush`` or ``writelines`` straight to the stream
    passed. ``bgs-hf space > /dev/full`` prints its "serving ..." line with ``flush=True`` (a ``--png /dev/stderr``
    flushes stdout before the figure, too): that flush's error named no file, and the flush at the end said it a
    second time. Each is the one line naming the stdout, exit 2."""
    named = ["error: OSError: No space left on device: the standard output (/dev/full)"]
    script = ("import sys\nfrom bgs_hf.cli.main import run_guarded\n"
              "def flushed():\n    print('serving the BGS Space', flush=True)\n"
              "def lines():\n    sys.stdout.writelines(['a table line\\n'] * 5000)\n"
              "sys.exit(run_guarded({'flushed': flushed, 'lines': lines}[sys.argv[1]]))\n")
    env = _block_buffered_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")]))
    for case in ("flushed", "lines"):
        with open("/dev/full", "w") as full:
            run = subprocess.run([sys.executable, "-c", script, case], stdout=full, stderr=subprocess.PIPE, text=True,
                                 timeout=120, cwd=tmp_path, env=env)
        assert (run.returncode, run.stderr.splitlines()) == (2, named), (case, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_help_and_version_onto_a_full_disk_or_a_closed_pipe_end_as_a_commands_lines_do(tmp_path):
    """`bgs-hf --help > /dev/full` (`--version`, a bare `bgs-hf`, `data stats --help`; a full disk under `> help.txt`)
    printed "Exception ignored in: <_io.TextIOWrapper name='<stdout>'...> OSError" and ended 120, and 0 with the help
    lost where PYTHONUNBUFFERED is set (argparse drops a failed write of its own); `bgs-hf train --help > /dev/full`
    (its flags' help parsed inside the command) ended 0, its help lost. Each says the one line, exit 2; a reader
    gone ends it quietly, 141, as for a command's own lines."""
    named = ["error: OSError: No space left on device: the standard output (/dev/full)"]
    block_buffered = _block_buffered_env()
    unbuffered = {**block_buffered, "PYTHONUNBUFFERED": "1"}
    for argv, env in ((["--help"], block_buffered), (["--version"], block_buffered), ([], block_buffered),
                      (["data", "stats", "--help"], block_buffered), (["--help"], unbuffered),
                      (["train", "--help"], block_buffered), (["train", "--help"], unbuffered)):
        run = _python_into(["-m", "bgs_hf.cli.main", *argv], tmp_path, env, "/dev/full")
        assert (run.returncode, run.stderr.splitlines()) == (2, named), (argv, env is unbuffered, run.stderr[-2000:])
        if argv in (["--help"], ["train", "--help"]):
            run = _python_into(["-m", "bgs_hf.cli.main", *argv], tmp_path, env)
            assert (run.returncode, run.stderr) == (141, ""), (argv, env is unbuffered, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_command_run_inside_another_says_its_stdouts_failure_once(tmp_path):
    """`bgs-hf train` runs `bgs_hf.train`'s guarded command inside its own: a stdout that failed there (a full disk
    under `> log.txt`) was said by both, two lines, and a reader gone (`| head -0`), ended quietly inside, was
    `error: BrokenPipeError: Broken pipe` and exit 2 outside. One line, exit 2; quietly, 141."""
    named = ["error: OSError: No space left on device: the standard output (/dev/full)"]
    script = ("import sys\nfrom bgs_hf.cli.main import run_guarded\n"
              "def listing():\n    for i in range(5000):\n        print('a table line', i)\n"
              "sys.exit(run_guarded(lambda: run_guarded(listing)))\n")
    env = _block_buffered_env()
    run = _python_into(["-c", script], tmp_path, env, "/dev/full")
    assert (run.returncode, run.stderr.splitlines()) == (2, named), run.stderr[-2000:]
    run = _python_into(["-c", script], tmp_path, env)  # its reader gone before the first line
    assert (run.returncode, run.stderr) == (141, ""), run.stderr[-2000:]


def test_a_usage_error_help_and_version_run_as_a_process_keep_argparses_exit_status(tmp_path):
    """Mutation audit (of ede32e8): the command line is parsed inside ``run_guarded`` now, argparse's SystemExit
    passing ``_stdout_errors_named``; one kept there where stdout had not failed (not raised again) ended a usage
    error (`bgs-hf bogus`, `bgs-hf data stats --bogus`, `bgs-hf train --bogus 1`) 0 in a process whose stdout is a
    file, and passed: in-process tests capture stdout, which is not wrapped. Argparse's own ends, as before the
    commit: 2 with the usage on stderr for a usage error, 0 with the help or version on stdout, and a bare `bgs-hf`
    its help and 2."""
    out = tmp_path / "out.txt"
    for argv, status, printed, said in ((["bogus"], 2, "", "invalid choice: 'bogus'"),
                                        (["data", "stats", "--bogus"], 2, "", "unrecognized arguments: --bogus"),
                                        (["train", "--bogus", "1"], 2, "", "unrecognized arguments: --bogus 1"),
                                        (["--version"], 0, "bgs-hf ", ""), (["-h"], 0, "usage: bgs-hf ", ""),
                                        ([], 2, "usage: bgs-hf ", "")):
        out.write_text("")
        run = _python_into(["-m", "bgs_hf.cli.main", *argv], tmp_path, stdout=str(out))
        assert run.returncode == status, (argv, run.stderr[-2000:])
        assert out.read_text().startswith(printed) and bool(out.read_text()) == bool(printed), (argv, out.read_text())
        if said:
            assert run.stderr.startswith("usage: bgs-hf ") and said in run.stderr, (argv, run.stderr[-2000:])
        else:
            assert run.stderr == "", (argv, run.stderr[-2000:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_failed_command_inside_another_keeps_its_status_and_says_its_stdouts_failure_once(tmp_path):
    """`bgs-hf train ... > log.txt` on a full disk (or `| tee log.txt` that Ctrl-C ended with it) whose run then
    diverged or was interrupted: `bgs_hf.train`'s run said its error, then the failure its last flush of stdout met
    (`_flush_stdout_at_end`), and `bgs-hf`'s run around it said that failure again and ended 2, not the run's 1 (130);
    a reader gone, said by neither, was `error: BrokenPipeError: Broken pipe` and 2. Nested, it ends as one run does
    (`python -m bgs_hf.train`)."""
    named = "error: OSError: No space left on device: the standard output (/dev/full)"
    script = ("import sys\nfrom bgs_hf.cli.main import run_guarded\nfrom bgs_hf.errors import BGSDivergedError\n"
              "def run():\n    print('a table line')\n"
              "    if sys.argv[1] == 'diverged':\n        raise BGSDivergedError('the loss diverged')\n"
              "    raise KeyboardInterrupt\n"
              "sys.exit(run_guarded(lambda: run_guarded(run)) if sys.argv[2] == 'nested' else run_guarded(run))\n")
    env = _block_buffered_env()
    for kind, status, said in (("diverged", 1, "error: the loss diverged"), ("interrupted", 130, "interrupted")):
        for how in ("alone", "nested"):
            run = _python_into(["-c", script, kind, how], tmp_path, env, "/dev/full")
            assert (run.returncode, run.stderr.splitlines()) == (status, [said, named]), (kind, how, run.stderr)
            run = _python_into(["-c", script, kind, how], tmp_path, env)  # its reader gone before the first line
            assert (run.returncode, run.stderr.splitlines()) == (status, [said]), (kind, how, run.stderr)


def test_evaluates_console_summary_names_the_seed_that_drew_its_ceiling_once(capsys) -> None:
    """`bgs-hf evaluate` printed the ceiling without the seed that drew it, where evaluation.md, report.md, the model
    card and the Space say it: a run evaluated at --seed 3 beside its card's seed-0 ceiling differed for no reason on
    screen. The console now says evaluation.md's sentence once, below the rows; not where no ceiling was estimated
    (n/a) or no seed was recorded."""
    from bgs_hf.cli.evaluate import _print_summary
    from bgs_hf.eval.report import EVALUATION_SEED
    from bgs_hf.metrics.bootstrap import ceiling_seed_note

    fit = {k: _scores("test") for k in ("pretrained", "bgs", "language")}
    res = {"data": "d", "split": "test", "n_clips": 50, "n_pairs": 589, "n_judgments": 348, "noise_ceiling_r2": 0.5,
           "seed": 3, "fit": fit}
    _print_summary(res)
    said = "The ceiling's split-halves were drawn with seed"
    lines = [ln for ln in capsys.readouterr().out.splitlines() if said in ln]
    assert lines == [f"  {ceiling_seed_note(3, EVALUATION_SEED)}"]
    assert "this evaluation's `--seed`" in lines[0] and "data stats" in lines[0]
    for no_note in ({**res, "noise_ceiling_r2": float("nan"), "noise_ceiling_why": "too few judgments"},
                    {k: v for k, v in res.items() if k != "seed"}):
        _print_summary(no_note)
        assert said not in capsys.readouterr().out


def test_evaluates_summary_says_why_the_humans_have_no_leave_one_out_accuracy(capsys) -> None:
    """A split of one participant has no humans' accuracy: each row says n/a beside chance, and the line below says
    why, once; a result written before the field existed prints as it did."""
    from bgs_hf.cli.evaluate import _print_summary

    why = "the test split has judgments from 1 participant; leaving one out needs 2 or more"
    human = {"ooo_acc_3way": None, "ooo_acc_2way": None, "n_judgments": 0, "n_choices": 4, "n_participants": 1,
             "why": why}
    res = {"data": "d", "split": "test", "n_clips": 3, "n_pairs": 5, "n_judgments": 4, "noise_ceiling_r2": 0.5,
           "fit": {"pretrained": _scores("test")}, "human_loo_accuracy": human}
    _print_summary(res)
    printed = capsys.readouterr().out
    assert "3-way 60.0% (chance 33.3%, humans leave-one-out n/a)  2-way 70.0% (chance 50%, humans leave-one-out n/a)" \
        in printed
    assert printed.count(why) == 1 and f"  humans leave-one-out n/a: {why}" in printed
    del res["human_loo_accuracy"]
    _print_summary(res)
    printed = capsys.readouterr().out
    assert "3-way 60.0% (chance 33.3%)  2-way 70.0% (chance 50%)" in printed and "humans" not in printed


def test_evaluates_summary_says_nothing_of_the_humans_leave_one_out_without_fit_rows(capsys) -> None:
    """Mutation guard: the humans' leave-one-out line sits below the fit rows it is read beside; an evaluation with no
    fit rows (only other analyses) prints neither its coverage nor its n/a reason."""
    from bgs_hf.cli.evaluate import _print_summary

    covered = {"ooo_acc_3way": 0.75, "ooo_acc_2way": 0.8, "n_judgments": 4, "n_choices": 5, "n_participants": 3}
    missing = {"ooo_acc_3way": None, "ooo_acc_2way": None, "n_judgments": 0, "n_choices": 4, "n_participants": 1,
               "why": "the test split has judgments from 1 participant; leaving one out needs 2 or more"}
    for human in (covered, missing):
        _print_summary({"data": "d", "split": "test", "n_clips": 3, "n_pairs": 5, "n_judgments": 4,
                        "noise_ceiling_r2": 0.5, "fit": {}, "human_loo_accuracy": human})
        printed = capsys.readouterr().out
        assert printed.startswith("d / test: 3 clips") and "leave-one-out" not in printed, printed
