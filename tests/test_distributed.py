"""A 2-process CPU run (torchrun, or ``accelerate launch --multi_gpu`` with ACCELERATE_USE_CPU=true; gloo) gives
the same first-step loss and gradients as one process on the same global clip set: embeddings are gathered with
gradient and DDP's gradient averaging is exact. Equal numbers alone cannot tell a real 2-process step from two
processes that each ran the whole step alone (a launcher that forms no process group), so each rank also records
the process group it trained in and the clips it embedded: the ranks' parts, in rank order, must be exactly the
one-process step's clips."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _clip_ids(rows, pix) -> list[int]:
    """Which clips of ``pix`` these pixel rows are (the store hands out exact copies; hflip is off)."""
    return [int((pix == row).flatten(1).all(1).nonzero()[0, 0]) for row in rows]


def first_step(out_json: str, embed_chunk: int, recipe: str, clips_per_step: int) -> None:
    """Train one step through BGSTrainer (accelerate/DDP when launched by torchrun); record loss and grads.

    Gradient clipping is off: clipping to norm 1 would hide a wrong world-size scaling of the gradients. The
    model carries a buffer, as CLIP does (position ids): DDP broadcast buffers at every forward, and ranks with
    different row counts run different numbers of chunked forwards, which hung such a model.
    """
    import torch
    from test_training_helpers import tiny_data, tiny_peft_model
    from transformers import TrainerCallback

    from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig
    from bgs_hf.training.api import train_bgs

    data, pix = tiny_data()
    model = tiny_peft_model(dropout=0.0)
    model.register_buffer("position_ids", torch.arange(4))
    seen: dict = {}

    class Capture(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, **kw):
            if "grads" not in seen:
                seen["grads"] = {n: p.grad.detach().double().tolist() for n, p in model.named_parameters()
                                 if p.requires_grad}

    def record_rows(inputs) -> None:  # the first training step: the process group and this rank's clips
        if "grad_rows" not in seen and torch.is_grad_enabled():
            import torch.distributed as dist

            seen["dist_world"] = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
            seen["grad_rows"] = _clip_ids(inputs["pixel_values"], pix)
            seen["nograd_rows"] = _clip_ids(inputs.get("pixel_values_nograd", pix[:0]), pix)

    rank = int(os.environ.get("RANK", 0))
    cfg = TrainConfig(
        data=DataArguments(data="tiny"), bgs=BGSArguments(recipe=recipe, clips_per_step=clips_per_step, embed_chunk=embed_chunk),
        training={"output_dir": f"{out_json}.run", "use_cpu": True, "max_steps": 2,  # a hang showed from the 2nd step on
                  "eval_strategy": "no",
                  "load_best_model_at_end": False, "lr_scheduler_type": "constant", "save_strategy": "no",
                  "disable_tqdm": True, "seed": 5, "logging_steps": 1,
                  "max_grad_norm": 0.0},
        data_override=data, clip_store=TensorClipStore(pix), model_override=model)
    from bgs_hf.training import trainer as trainer_mod

    real_init = trainer_mod.BGSTrainer.__init__
    real_embed = trainer_mod.BGSTrainer.embed_step

    def init(self, *a, **kw):  # add the capture callback to the trainer train_bgs builds
        real_init(self, *a, **kw)
        self.add_callback(Capture())

    def embed_step(self, model, inputs):
        record_rows(inputs)
        return real_embed(self, model, inputs)

    trainer_mod.BGSTrainer.__init__ = init
    trainer_mod.BGSTrainer.embed_step = embed_step
    try:
        res = train_bgs(cfg)
    finally:
        trainer_mod.BGSTrainer.__init__ = real_init
        trainer_mod.BGSTrainer.embed_step = real_embed
    loss = [h["loss"] for h in res.trainer.state.log_history if "loss" in h][0]
    Path(f"{out_json}.{rank}").write_text(json.dumps({"loss": loss, "grads": seen["grads"],
                                                      "world": int(os.environ.get("WORLD_SIZE", 1)),
                                                      **{k: seen[k] for k in ("dist_world", "grad_rows", "nograd_rows")}}))


def _compare(one: dict, two: dict) -> None:
    import numpy as np

    assert two["world"] == 2 and one["world"] == 1
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-5, abs=1e-6)
    assert one["grads"].keys() == two["grads"].keys()
    nonzero = 0
    for name, g in one["grads"].items():
        np.testing.assert_allclose(np.array(two["grads"][name]), np.array(g), rtol=1e-4, atol=1e-6, err_msg=name)
        nonzero += bool(np.abs(np.array(g)).sum() > 0)
    assert nonzero >= len(one["grads"]) // 2


def _check_split(one: dict, r0: dict, r1: dict) -> None:
    """Both ranks trained in one 2-process group, each on its own part of the step: the parts, in rank order,
    are the one-process step's clips (none twice, none missing, none embedded by both ranks)."""
    assert (one["dist_world"], r0["dist_world"], r1["dist_world"]) == (1, 2, 2), "a rank trained alone"
    for key in ("grad_rows", "nograd_rows"):
        assert r0[key] + r1[key] == one[key], (key, r0[key], r1[key], one[key])
    assert r0["grad_rows"] and r1["grad_rows"]


#: (embed_chunk, recipe, clips_per_step): plain clip sets, chunked re-forward under DDP, paper-v1 (no-gradient
#: rows), and 5 clips in chunks of 2 (3 rows, 2 forwards on one rank; 2 rows, 1 forward on the other)
CASES = [(0, "clip-batched", 6), (2, "clip-batched", 6), (0, "paper-v1", 6), (2, "clip-batched", 5)]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launcher(name: str, mixed_precision: str | None = "no") -> list[str]:
    """The 2-process command line of ``name`` (torchrun, or accelerate's real multi-process CPU launch: its
    ``--cpu --num_processes 2`` starts one process); ``mixed_precision=None`` leaves it to accelerate's config file."""
    exe = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} not found")
    if name == "torchrun":
        return [exe, "--nproc_per_node", "2", "--standalone"]
    precision = ["--mixed_precision", mixed_precision] if mixed_precision else []
    return [exe, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", *precision,
            "--dynamo_backend", "no", "--main_process_port", str(_free_port())]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> Path:
    """The single-process reference runs (shared by both launchers)."""
    out = tmp_path_factory.mktemp("dist") / "one"
    subprocess.run([sys.executable, __file__, str(out)], check=True, env=_env(), timeout=300, capture_output=True)
    return out


def _env() -> dict[str, str]:
    """The launched processes import this checkout's bgs_hf, as the test process does: a script's sys.path starts
    at tests/, so they imported the installed one (another checkout's, under an editable install)."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "ACCELERATE_USE_CPU": "true",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH")]))}


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["torchrun", "accelerate"])
def test_two_processes_match_one(tmp_path, one_process, launcher):
    two = str(tmp_path / "two")
    proc = subprocess.run([*_launcher(launcher), __file__, two], env=_env(), timeout=300, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for chunk, recipe, cps in CASES:
        tag = f"{chunk}-{recipe}-{cps}"
        one_res = json.loads(Path(f"{one_process}-{tag}.0").read_text())
        r0 = json.loads(Path(f"{two}-{tag}.0").read_text())
        r1 = json.loads(Path(f"{two}-{tag}.1").read_text())
        _check_split(one_res, r0, r1)
        _compare(one_res, r0)
        _compare(one_res, r1)



def _gather_uneven(rank: int, init: str, out: str) -> None:
    """Rank r holds ``counts[r]`` rows (3 and 1): the gathered tensor is both parts in rank order, without the
    padding, and a loss on it sends each rank the gradient of its own rows."""
    import torch
    import torch.distributed as dist

    from bgs_hf.training.distributed import gather_rows

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=2)
    try:
        counts = [3, 1]
        parts = [torch.arange(6.0).reshape(3, 2) + 1, torch.tensor([[10.0, 20.0]])]
        part = parts[rank].clone().requires_grad_(True)
        whole = gather_rows(part, counts)
        weights = torch.arange(8.0).reshape(4, 2)
        (whole * weights).sum().backward()
        Path(f"{out}.{rank}").write_text(json.dumps({"whole": whole.tolist(), "grad": part.grad.tolist()}))
    finally:
        dist.destroy_process_group()


@pytest.mark.distributed
def test_gathering_parts_of_different_sizes_drops_the_padding_and_returns_each_rank_its_rows(tmp_path):
    """The ranks' parts are padded to the largest for all_gather; the padding must go (it shifted every later rank's
    rows, and the two-process runs above only ever had equal parts). The loss's gradient of row i reaches the rank
    holding it, summed over the ranks' identical losses (x2)."""
    import torch.multiprocessing as mp

    out = str(tmp_path / "gather")
    mp.spawn(_gather_uneven, args=(f"file://{tmp_path / 'init'}", out), nprocs=2, join=True)
    want = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [10.0, 20.0]]
    weights = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]
    for rank, rows in ((0, slice(0, 3)), (1, slice(3, 4))):
        got = json.loads(Path(f"{out}.{rank}").read_text())
        assert got["whole"] == want
        assert got["grad"] == [[2 * w for w in row] for row in weights[rows]]


@pytest.mark.parametrize("rows, counts", [(2, [3, 1]), (3, [3]), (3, [3, 1, 1])])
def test_a_part_whose_rows_are_not_the_counts_of_its_rank_is_refused_before_any_collective(monkeypatch, rows,
                                                                                             counts) -> None:
    """Mutation audit of ``gather_rows``: rank 0 of 2 holding other rows than the step plan's counts give it, or
    counts for another number of processes, is refused before the all_gather (which would pad to a wrong width and
    hand every rank other rows, or wait for a rank that never comes); nothing distributed runs here."""
    import torch

    from bgs_hf.training import distributed

    monkeypatch.setattr(distributed, "world", lambda: (2, 0))
    with pytest.raises(RuntimeError, match=rf"^rank 0: part has {rows} rows, counts say \[{', '.join(map(str, counts))}\]$"):
        distributed.gather_rows(torch.zeros(rows, 2), counts)


def _main_process_computes(rank: int, init: str, out: str) -> None:
    """``on_main_process``: rank 0's value on both ranks (rank 1 never computes), and rank 0's error raised on both."""
    import torch.distributed as dist

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.distributed import on_main_process

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=2)
    try:
        got = on_main_process(lambda: {"computed_by": rank})

        def refuse() -> None:
            raise BGSInputError("too few judgments", path="test.csv")

        try:
            on_main_process(refuse)
            said = None
        except BGSInputError as err:
            said = str(err)
        Path(f"{out}.{rank}").write_text(json.dumps({"got": got, "said": said}))
    finally:
        dist.destroy_process_group()


@pytest.mark.distributed
def test_a_statistic_computed_on_the_main_process_reaches_every_rank_and_so_does_its_error(tmp_path):
    import torch.multiprocessing as mp

    out = str(tmp_path / "main")
    mp.spawn(_main_process_computes, args=(f"file://{tmp_path / 'init'}", out), nprocs=2, join=True)
    for rank in (0, 1):
        assert json.loads(Path(f"{out}.{rank}").read_text()) == {"got": {"computed_by": 0},
                                                                 "said": "test.csv: too few judgments"}


def _command_groups(rank: int, port: int, out: str) -> None:
    """Per command run through ``run_guarded`` (the one way every bgs-hf entry point runs): its exit status, whether
    the default process group is still up after it, and what its collective summed. The group of the first three is
    started inside the command by accelerate's ``PartialState``, as ``TrainingArguments`` starts it under torchrun;
    the last one's by the caller before the command."""
    import torch
    import torch.distributed as dist
    from accelerate.state import PartialState

    from bgs_hf.cli.main import run_guarded
    from bgs_hf.errors import BGSInputError

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2",
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    sums: list[int] = []

    def summed() -> int:
        one = torch.ones(1)
        dist.all_reduce(one)
        sums.append(int(one.item()))
        return 0

    def run() -> int:
        PartialState(cpu=True)
        return summed()

    def refused() -> int:
        run()
        raise BGSInputError("refused here", path="judgments.csv")

    seen = {tag: [run_guarded(command), dist.is_initialized()]
            for tag, command in (("run", run), ("again", run), ("refused", refused))}
    if not dist.is_initialized():  # (a group left up by the commands would be reused)
        dist.init_process_group("gloo", rank=rank, world_size=2)  # the caller's own group
    seen["callers"] = [run_guarded(summed), dist.is_initialized()]
    summed()  # still the caller's to use
    dist.destroy_process_group()
    Path(f"{out}.{rank}").write_text(json.dumps({**seen, "sums": sums}))


@pytest.mark.distributed
def test_a_commands_process_group_ends_with_it_and_a_callers_is_left_alone(tmp_path):
    """Under torchrun the run starts the process group (TrainingArguments, through accelerate) and nothing destroyed
    it: gloo's threads were left to static destructors at exit, where a rank once aborted ("terminate called without
    an active exception") after a successful 2-process run. Now the command that started it ends it, on success and
    on a refusal (exit 2), and a second run in the same process starts a new one; a group the caller had up before the
    command stays up and usable. Five all_reduces of a 1 over 2 processes: 2 each."""
    import torch.multiprocessing as mp

    out = str(tmp_path / "groups")
    mp.spawn(_command_groups, args=(_free_port(), out), nprocs=2, join=True)
    for rank in (0, 1):
        assert json.loads(Path(f"{out}.{rank}").read_text()) == {
            "run": [0, False], "again": [0, False], "refused": [2, False], "callers": [0, True], "sums": [2] * 5}


def _commands_out_of_step(rank: int, port: int, agent: bool, out: str) -> None:
    """Three commands in one process, each starting its group (accelerate's ``PartialState``, as under torchrun) and
    summing a 1 in it; rank 0 leaves the second one late (its reports) and starts the third one late. ``agent``:
    the launch's store is torchrun's (hosted by the test's process), else rank 0 hosts it (``mp.spawn``)."""
    from datetime import timedelta

    import torch
    import torch.distributed as dist
    from accelerate.state import PartialState

    from bgs_hf.cli.main import run_guarded

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2",
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if agent:
        os.environ["TORCHELASTIC_USE_AGENT_STORE"] = "True"
    sums: list[int] = []

    def command(late: str) -> int:
        if late == "start" and rank == 0:
            time.sleep(2)
        PartialState(cpu=True, timeout=timedelta(seconds=60))
        one = torch.ones(1)
        dist.all_reduce(one)
        sums.append(int(one.item()))
        if late == "leave" and rank == 0:
            time.sleep(2)
        return 0

    statuses = [run_guarded(lambda late=late: command(late)) for late in ("", "leave", "start")]
    Path(f"{out}.{rank}").write_text(json.dumps({"statuses": statuses, "sums": sums}))


@pytest.mark.distributed
@pytest.mark.parametrize("agent", [True, False], ids=["torchrun's store", "rank 0's store"])
def test_a_rank_that_starts_the_next_commands_group_first_meets_its_peer_there(agent, tmp_path):
    """Under torchrun (its agent's store) a second command in the same process failed whenever the ranks did not
    leave one group and start the next in step: the early one read its peer's address of the last group, which torch
    names the same ("default_pg/0/..."), in the store ("Connection reset by peer", or "timed out connecting" when the
    peer had left). Under a launch whose rank 0 hosts the store (``mp.spawn``), the early one also met rank 0's old
    store as it closed ("Failed to recv": the test above failed so under load). Each command's group now
    meets under a new name and rank 0's store stays open."""
    from datetime import timedelta

    import torch.distributed as dist
    import torch.multiprocessing as mp

    port = _free_port()
    store = dist.TCPStore("127.0.0.1", port, is_master=True, wait_for_workers=False,
                          timeout=timedelta(seconds=60)) if agent else None  # the agent's, as torchrun hosts it
    out = str(tmp_path / "steps")
    try:
        mp.spawn(_commands_out_of_step, args=(port, agent, out), nprocs=2, join=True)
    finally:
        del store
    for rank in (0, 1):
        assert json.loads(Path(f"{out}.{rank}").read_text()) == {"statuses": [0, 0, 0], "sums": [2, 2, 2]}


def _gloo_threads() -> list[str]:
    """This process's native threads that gloo runs (the process group's workers, its transport's loop)."""
    names = (Path(task, "comm").read_text().strip() for task in Path("/proc/self/task").iterdir())
    return sorted(name for name in names if "gloo" in name)


def _refused_after_the_group_started(rank: int, port: int, out: str) -> None:
    """``python -m bgs_hf.train`` (its console, its launch handling) whose run is refused on every rank once its
    process group is up (TrainingArguments starts it, through accelerate, as under torchrun), with the collector off
    as at a command's exit (:func:`~bgs_hf._process.exit_without_collecting`). The refused run holds the group, as a
    run's DDP model does. Records the exit status, the gloo threads inside the run and those still alive after it."""
    import gc

    import torch.distributed as dist

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import main

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2",
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), ACCELERATE_USE_CPU="true")
    inside: list[str] = []

    def refused(parsed) -> None:
        group = dist.group.WORLD  # noqa: F841 - what the run's DDP model holds
        # Both ranks connected before either refuses, and gloo's threads seen once they run: under load rank 1 once
        # recorded none (its threads not yet started, or rank 0 already gone: "connection closed by peer").
        dist.barrier()
        deadline = time.monotonic() + 30
        while not _gloo_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        inside.extend(_gloo_threads())
        raise BGSInputError("refused here", path="judgments.csv")

    gc.disable()
    api.train_bgs = refused
    bgs_hf.train.FIRST_PROCESS_GRACE_S = 0.0  # no launcher stops rank 1, which ends in silence: it need not wait
    status = main(["--data", "tiny", "--output_dir", f"{out}-run", "--use_cpu", "true"])
    Path(f"{out}.{rank}").write_text(json.dumps({"status": status, "group_up": dist.is_initialized(),
                                                 "inside": bool(inside), "after": _gloo_threads()}))


@pytest.mark.distributed
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread names from /proc")
def test_a_run_refused_after_its_group_started_leaves_no_gloo_thread_on_any_rank(tmp_path):
    """destroy_process_group only forgets a gloo group: its worker and transport threads end when the last reference
    to it goes. A rank other than the first re-raised its refusal to end silently, and that error's traceback held
    the failed run's frames in a cycle with itself, which the collector, frozen at a command's exit, never freed: the
    run's model, the group and gloo's three threads lived on into the interpreter's exit on rank 1 (rank 0 ended
    them), the teardown where a rank once aborted ("terminate called without an active exception")."""
    import torch.multiprocessing as mp

    out = str(tmp_path / "refused")
    mp.spawn(_refused_after_the_group_started, args=(_free_port(), out), nprocs=2, join=True)
    for rank in (0, 1):
        assert json.loads(Path(f"{out}.{rank}").read_text()) == {
            "status": 2, "group_up": False, "inside": True, "after": []}, rank


def _rank1_clip(data) -> int:
    """The first clip of rank 1's share of step 0 (clip-batched, 6 clips a step, seed 5, 2 processes): a clip only
    that rank loads in that step."""
    from bgs_hf.metrics.similarity import human_similarity
    from bgs_hf.training import get_recipe, shard_rows
    from bgs_hf.training.data import build_sampler

    trip = data.triplets("train")
    plan = build_sampler(get_recipe("clip-batched").with_overrides(clips_per_step=6), trip,
                         human_similarity(trip.idx, trip.odd, data.n_clips), data.split_items("train"), seed=5,
                         world_size=2).plan(0, 0)
    clip = int(plan.clips[shard_rows(len(plan.clips), 2, 1)][0])
    assert clip != int(data.split_items("train")[0])  # the LoRA liveness check reads that one, on every rank
    return clip


def _train_main(out: str, data, store, max_steps: int, eval_steps: int = 0) -> int:
    """``python -m bgs_hf.train`` (its console, its error handling) training ``data`` through ``store``, evaluated on
    validation every ``eval_steps`` steps (0: never)."""
    from test_training_helpers import tiny_peft_model

    from bgs_hf.training import BGSArguments, DataArguments, TrainConfig

    evaluation = {"eval_strategy": "steps", "eval_steps": eval_steps, "load_best_model_at_end": False} if eval_steps \
        else {"eval_strategy": "no"}
    cfg = TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6),
                      training={"output_dir": out, "use_cpu": True, "max_steps": max_steps, **evaluation,
                                "save_strategy": "no", "disable_tqdm": True, "seed": 5},
                      data_override=data, clip_store=store, model_override=tiny_peft_model())
    return _main_training(cfg)


def _main_training(cfg) -> int:
    """``python -m bgs_hf.train`` (its console, its error handling) training ``cfg``; whether this process's group was
    still up when it returned goes to ``<output_dir>.group_up.<rank>``."""
    import torch.distributed as dist

    import bgs_hf.training.api as api
    from bgs_hf.train import main

    real = api.train_bgs
    api.train_bgs = lambda parsed: real(cfg)
    try:
        return main(["--data", "tiny", "--output_dir", str(cfg.training["output_dir"]), "--use_cpu", "true"])
    finally:
        Path(f"{cfg.training['output_dir']}.group_up.{os.environ.get('RANK', 0)}").write_text(
            json.dumps(dist.is_initialized()))


def broken_clip_run(out: str, where: str) -> int:
    """``python -m bgs_hf.train`` on 2 processes where the first clip of rank 1's share of step 0 (``where`` "step",
    loaded in its DataLoader) or of the evaluation after step 1 ("evaluation", a validation clip loaded by the trainer
    itself) cannot be read (a broken video only that rank loads): the exit status of this rank."""
    from test_training_helpers import tiny_data

    from bgs_hf.errors import BGSInputError
    from bgs_hf.training import TensorClipStore, shard_rows

    data, pix = tiny_data()
    val = data.split_items("val")
    broken = _rank1_clip(data) if where == "step" else int(val[shard_rows(len(val), 2, 1).start])

    class Store(TensorClipStore):
        def __call__(self, clip: int):
            if clip == broken:
                raise BGSInputError("not a readable video (Invalid data found when processing input)",
                                    path=f"c{clip}.mp4")
            return super().__call__(clip)

    return _train_main(out, data, Store(pix), max_steps=2, eval_steps=1 if where == "evaluation" else 0)


def warnings_run(out: str) -> int:
    """``python -m bgs_hf.train`` on 2 processes without validation clips (a warning every process computes alike),
    where rank 1's first clip of step 0 has a damaged clip-cache entry (a warning about that rank's own clip)."""
    import logging

    from test_training_helpers import tiny_data

    from bgs_hf.training import TensorClipStore

    data, pix = tiny_data(val=0)
    damaged = _rank1_clip(data)

    class Store(TensorClipStore):
        def __call__(self, clip: int):
            if clip == damaged:  # what VideoClipStore's ClipCache says of an entry it cannot read
                logging.getLogger("bgs_hf.video.cache").warning("clip cache entry for c%d.mp4 is damaged: decoding "
                                                                "the video again", clip)
            return super().__call__(clip)

    return _train_main(out, data, Store(pix), max_steps=1)


@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.parametrize("where", ["step", "evaluation"])
def test_a_clip_one_rank_cannot_read_is_said_once_by_that_rank_and_the_other_says_one_line(tmp_path, where):
    """Rank 1's broken clip stopped the launch with its one line, but rank 0, its all_gather cut off, printed a
    50-line gloo traceback ("Connection closed by peer") above it. Now: the broken clip once, from rank 1; rank 0
    at most one line (that another process failed, or "terminated" when the launcher stops it first). A clip of rank
    1's share of an evaluation (loaded by the trainer, not a DataLoader) stopped rank 1 in silence: rank 0's line
    pointed to an error nobody printed."""
    logs = tmp_path / "logs"
    proc = subprocess.run([*_launcher("torchrun"), "--log-dir", str(logs), "--redirects", "3", __file__, "--broken",
                           str(tmp_path / "run"), where], env=_env(), timeout=300, capture_output=True, text=True)
    assert proc.returncode != 0
    err = {r: next(logs.glob(f"*/attempt_0/{r}/stderr.log")).read_text() for r in (0, 1)}
    said = {r: [line for line in err[r].splitlines() if "error:" in line or line.strip() == "terminated"]
            for r in (0, 1)}
    assert len(said[1]) == 1, err[1][-3000:]  # naming the process: rank 1 of the launch's 2
    assert re.fullmatch(r"error: rank 1 of 2: c\d+\.mp4: not a readable video \(.*\)", said[1][0]), err[1][-3000:]
    assert len(said[0]) <= 1 and "not a readable video" not in err[0], err[0][-3000:]
    assert said[0] in ([], ["terminated"]) or said[0][0].startswith("error: rank 0 stopped: a collective operation failed")
    for r in (0, 1):
        assert "Traceback" not in err[r] and "gloo" not in err[r], err[r][-3000:]
    # the rank that refused ended the process group its run started (rank 0 may be stopped by the launcher first)
    assert json.loads(Path(f"{tmp_path / 'run'}.group_up.1").read_text()) is False


@pytest.mark.distributed
@pytest.mark.slow
def test_a_warning_every_process_computes_is_said_once_per_machine_and_a_ranks_own_by_that_rank(tmp_path):
    """Every process of a launch reads the same flags and data, and each printed the same warnings ("no validation
    clips: ...", "--clips_per_step is not used ...", "replacing an earlier run") once more. Now LOCAL_RANK 0 says
    them; another process still says a warning about a clip it loaded for its own part of a step."""
    logs = tmp_path / "logs"
    proc = subprocess.run([*_launcher("torchrun"), "--log-dir", str(logs), "--redirects", "3", __file__, "--warnings",
                           str(tmp_path / "run")], env=_env(), timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    err = {r: next(logs.glob(f"*/attempt_0/{r}/stderr.log")).read_text() for r in (0, 1)}
    shared = "WARNING bgs_hf.training.api: no validation clips: evaluation, early stopping and best-model selection"
    assert (err[0].count(shared), err[1].count(shared)) == (1, 0), (err[0][-3000:], err[1][-3000:])
    # the run's INFO line counts the launch's processes (count(): "2 processes", as "1 process" for one)
    started = re.findall(r"INFO bgs_hf\.training\.api: BGS \S+: \d+ train clips, \d+ judgments, \d+ steps/epoch, (.+)",
                         err[0])
    assert started == ["2 processes"], err[0][-3000:]
    damaged = re.compile(r"WARNING bgs_hf\.video\.cache: clip cache entry for c\d+\.mp4 is damaged")
    assert damaged.search(err[1]), err[1][-3000:]
    # python -m bgs_hf.train ended the process group its run started, on every rank (it was left to exit)
    assert [json.loads(Path(f"{tmp_path / 'run'}.group_up.{r}").read_text()) for r in (0, 1)] == [False, False]


def final_fit_run(out: str) -> None:
    """Two steps evaluated on validation (``eval_rsa`` picks the best checkpoint), then the final fit of val and test:
    record how many behavioural fits this process computed and the metrics it returned."""
    from test_training_helpers import tiny_data, tiny_peft_model

    import bgs_hf.metrics.fit as fit
    from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig
    from bgs_hf.training.api import json_safe, train_bgs

    calls: list[int] = []
    real = fit.behavioural_fit

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    fit.behavioural_fit = counted
    data, pix = tiny_data()
    cfg = TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6),
                      training={"output_dir": f"{out}.run", "use_cpu": True, "max_steps": 2, "eval_strategy": "steps",
                                "eval_steps": 1, "save_strategy": "steps", "save_steps": 1, "disable_tqdm": True,
                                "seed": 5, "load_best_model_at_end": True},
                      data_override=data, clip_store=TensorClipStore(pix), model_override=tiny_peft_model(dropout=0.0))
    res = train_bgs(cfg)
    kept = ("val", "test", "best_metric", "best_checkpoint")
    Path(f"{out}.{os.environ.get('RANK', 0)}").write_text(json.dumps(json_safe(
        {"fits": len(calls), "metrics": {k: res.metrics[k] for k in kept}})))


@pytest.mark.distributed
@pytest.mark.slow
def test_only_the_first_process_computes_the_final_fit_and_every_process_returns_it(tmp_path):
    """Every process of a launch computed metrics.json's full fit (1,000 bootstrap resamples, 100 ceiling split-halves
    per split) and printed its warnings and progress bars again, though only the first writes it. The embeddings are
    still gathered on every process and each evaluation still scored on each (the best checkpoint is chosen on every
    rank); the fit is the first process's, sent to the others, and the one-process run's fit."""
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, __file__, "--final-fit", str(one)], check=True, env=_env(), timeout=300,
                   capture_output=True)
    proc = subprocess.run([*_launcher("torchrun"), __file__, "--final-fit", str(two)], env=_env(), timeout=300,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    single, r0, r1 = (json.loads(Path(f"{p}.{r}").read_text()) for p, r in ((one, 0), (two, 0), (two, 1)))
    assert (single["fits"], r0["fits"], r1["fits"]) == (2, 2, 0)
    assert r1["metrics"] == r0["metrics"]
    assert Path(r0["metrics"]["best_checkpoint"]).name == Path(single["metrics"]["best_checkpoint"]).name
    written = json.loads(Path(f"{two}.run", "metrics.json").read_text())
    for split in ("val", "test"):
        assert written[split] == r0["metrics"][split]
        for key, value in single["metrics"][split].items():  # float sums of other batch shapes: not bit-equal
            close = [v if v is None or isinstance(v, str) else pytest.approx(v, rel=1e-4, abs=1e-6)
                     for v in (value if isinstance(value, list) else [value])]
            assert (r0["metrics"][split][key] if isinstance(value, list) else [r0["metrics"][split][key]]) == close, key
    assert r0["metrics"]["best_metric"] == pytest.approx(single["metrics"]["best_metric"], rel=1e-4)


def ddp_settings_run(out: str) -> None:
    """Two 2-step runs, the model of the first reaching every trainable parameter, the second also holding one its
    forward never calls (a spare layer of the user's own model): what DDP was given, and the steps done."""
    import torch
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig
    from bgs_hf.training.api import train_bgs

    data, pix = tiny_data()
    seen = {}
    for tag in ("all-reached", "one-unreached"):
        model = tiny_peft_model(dropout=0.0)
        model.register_buffer("position_ids", torch.arange(4))  # a constant buffer, as CLIP's
        if tag == "one-unreached":
            model.base_model.model.spare = torch.nn.Linear(2, 2)
        cfg = TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6),
                          training={"output_dir": f"{out}.{tag}", "use_cpu": True, "max_steps": 3,
                                    "eval_strategy": "no", "save_strategy": "no", "disable_tqdm": True, "seed": 5},
                          data_override=data, clip_store=TensorClipStore(pix), model_override=model)
        trainer = train_bgs(cfg).trainer
        ddp = trainer.model_wrapped
        seen[tag] = {"steps": trainer.state.global_step, "ddp": type(ddp).__name__,
                     "find_unused": ddp.find_unused_parameters, "forward_sync_buffers": ddp.broadcast_buffers}
    Path(f"{out}.{os.environ.get('RANK', 0)}").write_text(json.dumps(seen))


@pytest.mark.distributed
@pytest.mark.slow
def test_a_two_process_run_gives_ddp_its_settings_without_a_warning_on_any_rank(tmp_path):
    """Every rank warned twice: DDP's "find_unused_parameters=True was specified ... but did not find any unused
    parameters" (transformers turns the search on for a model that is not a PreTrainedModel, and a BGS step reaches
    every trainable parameter), and torch's "`broadcast_buffers` is deprecated" (BGSTrainer's default, passed to
    DDP's constructor). Now the search is off when one forward reaches every trainable parameter, on when one does
    not (off, DDP raises at the second step), and buffers are still not broadcast at each forward."""
    logs, out = tmp_path / "logs", tmp_path / "ddp"
    proc = subprocess.run([*_launcher("torchrun"), "--log-dir", str(logs), "--redirects", "3", __file__,
                           "--ddp-settings", str(out)], env={**_env(), "PYTHONWARNINGS": "default"}, timeout=300,
                          capture_output=True, text=True)
    err = {r: next(logs.glob(f"*/attempt_0/{r}/stderr.log")).read_text() for r in (0, 1)}
    assert proc.returncode == 0, err[0][-3000:] + err[1][-3000:]
    for r in (0, 1):
        for warning in ("did not find any unused parameters", "`broadcast_buffers` is deprecated"):
            assert warning not in err[r], err[r][-3000:]
        seen = json.loads(Path(f"{out}.{r}").read_text())
        common = {"steps": 3, "ddp": "DistributedDataParallel", "forward_sync_buffers": False}
        assert seen == {"all-reached": {**common, "find_unused": False}, "one-unreached": {**common, "find_unused": True}}


def late_refusal_run(marker: str) -> int:
    """``python -m bgs_hf.train`` whose flags every process refuses alike, the first process 5 s after rank 1 has
    refused (a loaded machine, a slower disk, a download only it makes): the exit status of this rank. A silent rank
    may wait up to a minute here, so that a slow machine cannot end the wait before the first process speaks."""
    import bgs_hf.train as train
    from bgs_hf.errors import BGSInputError

    def refused(flags):
        if os.environ.get("RANK") == "0":
            deadline = time.monotonic() + 120
            while not Path(marker).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(5)
        else:
            Path(marker).touch()
        raise BGSInputError("no such folder", path="nope")

    train.parse = refused
    train.FIRST_PROCESS_GRACE_S = 60.0
    return train.main(["--data", "nope"])


@pytest.mark.distributed
@pytest.mark.slow
def test_a_refusal_the_first_process_meets_later_is_still_said(tmp_path):
    """Every process refuses alike and only the first says it, the others ending in silence at once: where the first
    met the refusal later than another, the launcher stopped it (its 0.1 s poll saw the other end) before it said it,
    and the launch printed "terminated" above torchrun's summary, the cause lost. The silent process now waits for the
    launcher to stop it (a bounded wait), and the first one's line comes."""
    logs = tmp_path / "logs"
    proc = subprocess.run([*_launcher("torchrun"), "--log-dir", str(logs), "--redirects", "3", __file__,
                           "--late-refusal", str(tmp_path / "refused")], env=_env(), timeout=300, capture_output=True,
                          text=True)
    assert proc.returncode != 0
    err = {r: next(logs.glob(f"*/attempt_0/{r}/stderr.log")).read_text() for r in (0, 1)}
    said = {r: [line for line in err[r].splitlines() if "error:" in line or line.strip() == "terminated"]
            for r in (0, 1)}
    assert said == {0: ["error: nope: no such folder"], 1: []}, (err[0][-3000:], err[1][-3000:])


def resumed_run(out: str, resume: str) -> None:
    """A 5-step run (3 steps an epoch, checkpoints at steps 2 and 4), from scratch or resumed from ``resume``: record,
    per step this process trained, the clips it embedded, and the run's logged losses and metrics.json's ``train``.
    Dropout is off: its draws differ with the number of processes even in a run that is never interrupted."""
    import torch
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig
    from bgs_hf.training import trainer as trainer_mod
    from bgs_hf.training.api import train_bgs

    data, pix = tiny_data(val=0)  # no validation split: no final fit to wait for
    clips: dict[int, list[int]] = {}
    real_embed = trainer_mod.BGSTrainer.embed_step

    def embed_step(self, model, inputs):
        if torch.is_grad_enabled():
            clips[self.state.global_step + 1] = _clip_ids(inputs["pixel_values"], pix)
        return real_embed(self, model, inputs)

    cfg = TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6, eval_test=False),
                      training={"output_dir": out, "use_cpu": True, "max_steps": 5, "eval_strategy": "no",
                                "save_strategy": "steps", "save_steps": 2, "save_total_limit": None, "seed": 5,
                                "logging_steps": 1, "learning_rate": 2e-2, "disable_tqdm": True,
                                "resume_from_checkpoint": None if resume == "none" else resume},
                      data_override=data, clip_store=TensorClipStore(pix), model_override=tiny_peft_model(dropout=0.0))
    trainer_mod.BGSTrainer.embed_step = embed_step
    try:
        res = train_bgs(cfg)
    finally:
        trainer_mod.BGSTrainer.embed_step = real_embed
    losses = {h["step"]: h["loss"] for h in res.trainer.state.log_history if "loss" in h}
    Path(f"{out}.{os.environ.get('RANK', 0)}").write_text(json.dumps(
        {"clips": clips, "losses": losses, "train": json.loads(Path(out, "metrics.json").read_text())["train"]}))


def _pre_empted_copy(run: Path, to: Path) -> Path:
    """What a job pre-empted after step 3 leaves of ``run``: its run_config.json and checkpoint-2."""
    to.mkdir()
    shutil.copy(run / "run_config.json", to / "run_config.json")
    shutil.copytree(run / "checkpoint-2", to / "checkpoint-2")
    return to


@pytest.mark.distributed
@pytest.mark.slow
def test_a_run_resumed_on_another_number_of_processes_trains_the_same_steps_and_records_both(tmp_path):
    """A 2-process job pre-empted and resumed on 1 process (and the reverse) with ``--resume_from_checkpoint last``
    trains exactly the remaining steps 3-5, each on the clip set of the uninterrupted run (the same 6 clips a step,
    split among the processes there are), to the same losses. metrics.json (and every checkpoint) recorded only the
    last part's number of processes; now ``world_sizes`` says which trained from which step, and the resume warns
    that dropout's random state is not the run's (transformers keeps one per process)."""
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, __file__, "--resumed", str(one), "none"], check=True, env=_env(), timeout=300,
                   capture_output=True)
    r12 = _pre_empted_copy(one, tmp_path / "r12")  # 1 process, then 2
    proc = subprocess.run([*_launcher("torchrun"), __file__, "--resumed", str(two), "none", str(r12), "last"],
                          env=_env(), timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r21 = _pre_empted_copy(two, tmp_path / "r21")  # 2 processes, then 1
    proc = subprocess.run([sys.executable, __file__, "--resumed", str(r21), "last"], env=_env(), timeout=300,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{r21 / 'checkpoint-2'} was saved by a run of 2 processes, this one has 1" in proc.stderr

    def rec(run: Path, rank: int = 0) -> dict:
        return json.loads(Path(f"{run}.{rank}").read_text())

    whole = rec(one)["clips"]
    assert sorted(whole, key=int) == ["1", "2", "3", "4", "5"] and all(len(c) == 6 for c in whole.values())
    assert {s: rec(two, 0)["clips"][s] + rec(two, 1)["clips"][s] for s in whole} == whole
    assert rec(r21)["clips"] == {s: whole[s] for s in ("3", "4", "5")}
    assert {s: rec(r12, 0)["clips"][s] + rec(r12, 1)["clips"][s] for s in rec(r12, 0)["clips"]} == \
        {s: whole[s] for s in ("3", "4", "5")}
    for run in (r21, r12):
        assert rec(run)["losses"] == pytest.approx(rec(one)["losses"], rel=1e-4, abs=1e-6)
    assert rec(one)["train"]["world_sizes"] == [{"from_step": 0, "world_size": 1}]
    assert rec(two)["train"]["world_sizes"] == [{"from_step": 0, "world_size": 2}]
    assert rec(r21)["train"]["world_sizes"] == [{"from_step": 0, "world_size": 2}, {"from_step": 2, "world_size": 1}]
    assert rec(r12)["train"]["world_sizes"] == [{"from_step": 0, "world_size": 1}, {"from_step": 2, "world_size": 2}]
    assert rec(r12, 1)["train"] == rec(r12, 0)["train"] and rec(r21)["train"]["resumed_from_step"] == 2
    assert json.loads((r21 / "checkpoint-4" / "bgs_trainer_state.json").read_text())["world_sizes"] == \
        rec(r21)["train"]["world_sizes"]
    for run in (one, two, r12, r21):  # a step's clip set is one sample on any number of processes (2 counted twice)
        train = rec(run)["train"]
        since = "_since_resume" if "resumed_from_step" in train else ""
        assert train[f"train_samples_per_second{since}"] == pytest.approx(train[f"train_steps_per_second{since}"],
                                                                         rel=0.01, abs=2e-3)


def _replaceable(out: str, overwrite: bool = False, **training):
    """A tiny run into ``out`` (6 clips a step, a checkpoint at every step, no validation or test fit to wait for)."""
    from test_training_helpers import tiny_data, tiny_peft_model

    from bgs_hf.training import BGSArguments, DataArguments, TensorClipStore, TrainConfig

    data, pix = tiny_data(val=0)
    return TrainConfig(data=DataArguments(data="tiny"), bgs=BGSArguments(clips_per_step=6, eval_test=False,
                                                                       overwrite_output_dir=overwrite),
                       training={"output_dir": out, "use_cpu": True, "save_strategy": "steps", "save_steps": 1,
                                 "save_total_limit": None, "eval_strategy": "no", "disable_tqdm": True, "seed": 5,
                                 **training},
                       data_override=data, clip_store=TensorClipStore(pix), model_override=tiny_peft_model())


def earlier_runs(root: str) -> None:
    """Run A (its checkpoint-1 to resume from) and run B (the finished run to replace), one step each."""
    from bgs_hf.training.api import train_bgs

    for name in ("a", "b"):
        train_bgs(_replaceable(str(Path(root, name)), max_steps=1))


def replacing_run(out: str, checkpoint: str, refused_on: int) -> int:
    """``python -m bgs_hf.train --overwrite_output_dir`` into ``out``, resuming ``checkpoint`` to step 2; the process
    of rank ``refused_on`` (-1: none) alone refuses the checkpoint's optimizer state (its copy unreadable there), once
    every process has wrapped the model and before training begins."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training import trainer as trainer_mod

    if int(os.environ.get("RANK", 0)) == refused_on:
        def unreadable(self, checkpoint: str | None) -> None:
            raise BGSInputError("optimizer.pt: not readable here", path=checkpoint)

        trainer_mod.BGSTrainer._load_optimizer_and_scheduler = unreadable
    cfg = _replaceable(out, overwrite=True, max_steps=2, resume_from_checkpoint=checkpoint)
    return _main_training(cfg)


@pytest.mark.distributed
@pytest.mark.slow
def test_a_run_one_process_refuses_leaves_the_run_it_would_replace_and_one_that_passes_replaces_it_once(tmp_path):
    """``--overwrite_output_dir`` removes the earlier run at train begin, once every check has passed; but the main
    process removed it (and rewrote run_config.json) as soon as its own checks passed, while another process refused
    the run alone (a checkpoint's optimizer state it cannot read), then stopped at the barrier: the refused run cost
    the earlier one. Now every process reaches train begin first. The control: a run every process passes replaces
    it once (the main process's warning, its removal done before any process writes the new run's files)."""
    root, logs = tmp_path / "runs", tmp_path / "logs"
    subprocess.run([sys.executable, __file__, "--earlier-runs", str(root)], check=True, env=_env(), timeout=300,
                   capture_output=True)
    b, checkpoint = root / "b", str(root / "a" / "checkpoint-1")
    files = {str(f.relative_to(b)): f.read_bytes() for f in sorted(b.rglob("*")) if f.is_file()}
    assert {"checkpoint-1/optimizer.pt", "adapter_model.safetensors", "metrics.json", "run_config.json"} <= set(files)

    def launch(attempt: str, refused_on: int) -> tuple[subprocess.CompletedProcess, dict[int, str]]:
        proc = subprocess.run([*_launcher("torchrun"), "--log-dir", str(logs / attempt), "--redirects", "3", __file__,
                               "--replacing", str(b), checkpoint, str(refused_on)], env=_env(), timeout=300,
                              capture_output=True, text=True)
        return proc, {r: next((logs / attempt).glob(f"*/attempt_0/{r}/stderr.log")).read_text() for r in (0, 1)}

    replacing = "WARNING bgs_hf.training.api: " + str(b) + ": replacing an earlier run"
    proc, err = launch("refused", refused_on=1)
    assert proc.returncode != 0
    assert {str(f.relative_to(b)): f.read_bytes() for f in sorted(b.rglob("*")) if f.is_file()} == files, err[0]
    for r in (0, 1):
        assert replacing not in err[r] and "Traceback" not in err[r], err[r][-3000:]
    said = [line for line in err[0].splitlines() if line.startswith("error:") or line.strip() == "terminated"]
    assert said in ([], ["terminated"]) or said == ["error: rank 0 stopped: a collective operation failed, most likely "
                                                     "because another process of the launch stopped first (its own "
                                                     "error says why; -v for this one's traceback)"], err[0][-3000:]

    proc, err = launch("passes", refused_on=-1)
    assert proc.returncode == 0, err[0][-3000:] + err[1][-3000:]
    assert (err[0].count(replacing), err[1].count(replacing)) == (1, 0)
    assert sorted(p.name for p in b.glob("checkpoint-*")) == ["checkpoint-2"]
    assert {"rng_state_0.pth", "rng_state_1.pth"} <= {p.name for p in (b / "checkpoint-2").iterdir()}
    record = json.loads((b / "run_config.json").read_text())["training"]
    assert (record["max_steps"], record["resume_from_checkpoint"]) == (2, checkpoint)
    assert json.loads((b / "metrics.json").read_text())["train"]["resumed_from_step"] == 1


#: what ``accelerate config`` writes for a one-GPU project, read by every later ``accelerate launch`` from
#: ``$HF_HOME/accelerate/default_config.yaml``
_ACCELERATE_CONFIG = """compute_environment: LOCAL_MACHINE
debug: false
distributed_type: 'NO'
downcast_bf16: 'no'
gpu_ids: all
machine_rank: 0
main_training_function: main
mixed_precision: {precision}
num_machines: 1
num_processes: {processes}
rdzv_backend: static
same_network: true
use_cpu: false
"""


def _launch_with_config(tmp_path: Path, name: str, launcher: list[str], precision: str = "'no'",
                        processes: int = 1) -> tuple[subprocess.CompletedProcess, Path]:
    """``launcher -m bgs_hf.train`` (1 step of a tiny model) with a user's accelerate config file in a scratch home."""
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    data, home = tmp_path / "ss", tmp_path / "home"
    if not data.exists():
        generate_socialshapes(data, n_clips=30, seed=0, config=SynthConfig(num_frames=8, size=32))
    (home / "hf" / "accelerate").mkdir(parents=True, exist_ok=True)
    (home / "hf" / "accelerate" / "default_config.yaml").write_text(
        _ACCELERATE_CONFIG.format(precision=precision, processes=processes))
    out = tmp_path / name
    return subprocess.run([*launcher, "-m", "bgs_hf.train", "--data", str(data), "--backbone", "tiny-random-videomae",
                           "--output-dir", str(out), "--max_steps", "1", "--clips_per_step", "8", "--val_fraction", "0",
                           "--disable_tqdm", "true"], env={**_env(), "HOME": str(home), "HF_HOME": str(home / "hf")},
                          timeout=300, capture_output=True, text=True), out


def _one_process_launch() -> list[str]:
    """``accelerate launch`` with no flag but a port: the config file says the rest."""
    return [_launcher("accelerate")[0], "launch", "--main_process_port", str(_free_port())]


@pytest.mark.distributed
@pytest.mark.slow
def test_an_accelerate_config_files_mixed_precision_is_trained_and_recorded_or_refused_in_one_line(tmp_path):
    """A user's ``accelerate config`` (for another project) answered bf16: the Trainer trained in it, but
    ``--bf16`` stayed False, so training_args.json, run_config.json and the card said float32. fp16 there: accelerate
    trains in float32 on CPU without a word. Now bf16 is recorded as trained, with the launch's 2 processes, and fp16
    on CPU is one line naming the launch flag that overrides the config file."""
    proc, out = _launch_with_config(tmp_path, "bf16", _launcher("accelerate", mixed_precision=None), "bf16")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "training_args.json").read_text())["bf16"] is True
    assert json.loads((out / "training_args.json").read_text())["use_cpu"] is True  # ACCELERATE_USE_CPU's CPU
    assert json.loads((out / "run_config.json").read_text())["training"]["bf16"] is True
    assert "`bf16=True`" in (out / "README.md").read_text()
    assert json.loads((out / "bgs_trainer_state.json").read_text())["world_size"] == 2

    proc, out = _launch_with_config(tmp_path, "fp16", _one_process_launch(), "fp16")
    assert proc.returncode != 0 and not out.exists()
    said = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(said) == 1 and "fp16 is not applied on CPU" in said[0], proc.stderr[-3000:]
    assert said[0].endswith("launch with --mixed_precision no (or bf16), which overrides the config file")


@pytest.mark.distributed
@pytest.mark.slow
def test_an_accelerate_config_file_for_two_processes_without_multi_gpu_is_said_to_start_one(tmp_path):
    """``num_processes: 2`` with ``distributed_type: 'NO'``: accelerate starts one process, which trained alone and
    said only ``1 process(es)``; now a warning says why and the flag to add. A config for one process: no warning."""
    said = "WARNING bgs_hf.training.api: accelerate launch started this one process alone"
    for processes, expected in ((2, 1), (1, 0)):
        proc, out = _launch_with_config(tmp_path, f"p{processes}", _one_process_launch(), processes=processes)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stderr.count(said) == expected, proc.stderr[-3000:]
        assert json.loads((out / "bgs_trainer_state.json").read_text())["world_size"] == 1


@pytest.mark.distributed
def test_a_launch_the_trainer_would_run_alone_is_refused_in_one_line_without_transformers_advice(tmp_path):
    """``torchrun --nproc_per_node 2 -m bgs_hf.train`` without ``--use_cpu`` on a machine without GPUs: each process
    printed transformers' "process group is initialized, but parallel_mode != ParallelMode.DISTRIBUTED ... launch
    your script with python -m torch.distributed.launch" (what the user did) before bgs-hf's line saying to pass
    --use_cpu true. Here a 1-process group is up as the launcher's would be, and the Trainer's process count is
    patched to the launcher's 2, as in test_training.py's refusal test: stderr is bgs-hf's one line."""
    code = ("import sys, torch.distributed as dist\n"
            "dist.init_process_group('gloo', rank=0, world_size=1)\n"
            "import bgs_hf.training.api as api\n"
            "api.world = lambda: (2, 0)\n"
            "from bgs_hf.train import main\n"
            f"sys.exit(main(['--data', {str(tmp_path / 'none')!r}, '--output_dir', {str(tmp_path / 'run')!r}]))\n")
    env = {**_env(), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
    env.pop("ACCELERATE_USE_CPU")  # the launch without it
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == ["error: 2 processes were started but the Trainer runs 1 (each one alone): on a "
                                        "machine without GPUs pass --use_cpu true (or set ACCELERATE_USE_CPU=true), so "
                                        "they train as one run"], proc.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.distributed
def test_ddp_timeout_is_the_timeout_of_a_cpu_launchs_group(tmp_path):
    """transformers starts a CPU launch's gloo group (``--use_cpu``, ACCELERATE_USE_CPU) without ``--ddp_timeout``,
    so a process whose peer stalled without exiting waited torch's 30 minutes whatever the flag said (seen: a rank
    held 90 s in its data load, ``--ddp_timeout 15``, and the other waited the 90 s). Here the group is up as the
    launcher's would be: the run's checks set the flag's timeout on it; without the flag it keeps its own."""
    code = ("import sys, torch, torch.distributed as dist\n"
            "from datetime import timedelta\n"
            "dist.init_process_group('gloo', rank=0, world_size=1, timeout=timedelta(seconds=600))\n"
            "from bgs_hf.training import BGSArguments, DataArguments, TrainConfig\n"
            "from bgs_hf.training.api import check_train_config\n"
            "gloo = dist.distributed_c10d._get_default_group()._get_backend(torch.device('cpu'))\n"
            "for timeout in sys.argv[1:]:\n"
            f"    training = {{'output_dir': {str(tmp_path / 'run')!r}, 'use_cpu': True}}\n"
            "    if timeout != 'unset':\n"
            "        training['ddp_timeout'] = int(timeout)\n"
            "    check_train_config(TrainConfig(data=DataArguments(data='x'), bgs=BGSArguments(), training=training))\n"
            "    print(gloo.options._timeout.total_seconds())\n"
            "dist.destroy_process_group()\n")
    env = {**_env(), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
    proc = subprocess.run([sys.executable, "-c", code, "unset", "15", "1800"], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["600.0", "15.0", "15.0"]  # 1800 is the flag's default: the group keeps its own


@pytest.mark.distributed
def test_a_rendezvous_port_another_program_holds_is_named_in_one_line(tmp_path):
    """A launch whose MASTER_PORT another run holds, set by hand (``srun``/``mpirun`` scripts; torchrun and accelerate
    launch check theirs before bgs-hf runs): rank 0, which hosts the rendezvous, failed in TrainingArguments' process
    group with torch's "EADDRINUSE" and said "a collective operation failed, most likely because another process of
    the launch stopped first", which none had. Here the first rank of a 2-process launch meets a port held: it names
    the port and how to pick another, in one line, before anything is written."""
    import socket

    env = {**_env(), "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
           "MASTER_ADDR": "127.0.0.1"}
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "bgs_hf.train", "--data", str(tmp_path / "none"), "--output_dir",
                               str(tmp_path / "run")], capture_output=True, text=True, timeout=300,
                              env={**env, "MASTER_PORT": str(port)})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [f"error: rank 0 stopped: port {port} (MASTER_PORT), where the launch's processes "
                                        "meet, is in use by another program (another run?): pick a free one "
                                        "(MASTER_PORT, torchrun --master_port, accelerate launch --main_process_port)"
                                        ], proc.stderr
    assert not (tmp_path / "run").exists()


if __name__ == "__main__":
    try:
        if sys.argv[1] == "--broken":
            sys.exit(broken_clip_run(sys.argv[2], sys.argv[3]))
        if sys.argv[1] == "--warnings":
            sys.exit(warnings_run(sys.argv[2]))
        if sys.argv[1] == "--ddp-settings":
            sys.exit(ddp_settings_run(sys.argv[2]))
        if sys.argv[1] == "--earlier-runs":
            sys.exit(earlier_runs(sys.argv[2]))
        if sys.argv[1] == "--replacing":
            sys.exit(replacing_run(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        if sys.argv[1] == "--late-refusal":
            sys.exit(late_refusal_run(sys.argv[2]))
        if sys.argv[1] == "--final-fit":
            sys.exit(final_fit_run(sys.argv[2]))
        if sys.argv[1] == "--resumed":  # one or more (run folder, checkpoint or none) pairs, in turn
            for run, resume in zip(sys.argv[2::2], sys.argv[3::2]):
                resumed_run(run, resume)
            sys.exit(0)
        for chunk, recipe, cps in CASES:
            first_step(f"{sys.argv[1]}-{chunk}-{recipe}-{cps}", chunk, recipe, cps)
    finally:  # this script owns the group its train_bgs calls started (bgs_hf's commands end theirs themselves)
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
