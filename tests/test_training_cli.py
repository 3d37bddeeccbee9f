"""`bgs-hf train` end to end on a tiny SocialShapes release folder with a tiny random VideoMAE (CPU)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _silent_processes_end_at_once(monkeypatch) -> float:
    """The tests here play each process of a launch in turn in this one process: no launcher stops one that ends in
    silence, so it ends without waiting for the first process to speak (``bgs_hf.train.FIRST_PROCESS_GRACE_S``). The
    module's own grace is returned, for a test that checks it."""
    import bgs_hf.train

    grace = bgs_hf.train.FIRST_PROCESS_GRACE_S
    monkeypatch.setattr(bgs_hf.train, "FIRST_PROCESS_GRACE_S", 0.0)
    return grace


@pytest.fixture(scope="module")
def socialshapes(tmp_path_factory):
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    out = tmp_path_factory.mktemp("ss") / "socialshapes"
    return generate_socialshapes(out, n_clips=60, seed=0, config=SynthConfig(num_frames=8, size=32))


def test_parse_flags_and_bgs_defaults():
    from bgs_hf.train import parse

    cfg = parse(["--data", "d", "--backbone", "tiny-random-clip", "--output-dir", "/tmp/x", "--max_steps", "3",
                 "--recipe", "paper-v1", "--learning_rate", "3e-4"])
    t = cfg.training
    assert (cfg.data.data, cfg.model.backbone, cfg.bgs.recipe) == ("d", "tiny-random-clip", "paper-v1")
    assert (t.output_dir, t.max_steps, t.learning_rate) == ("/tmp/x", 3, 3e-4)
    assert t.metric_for_best_model == "eval_rsa" and t.load_best_model_at_end and t.greater_is_better
    assert t.lr_scheduler_kwargs == {"mode": "max", "factor": 0.5, "patience": 3}
    assert not t.remove_unused_columns and t.per_device_train_batch_size == 1
    off = parse(["--data", "d", "--output_dir", "/tmp/x", "--eval_strategy", "no"]).training
    assert not off.load_best_model_at_end and str(off.lr_scheduler_type.value) == "constant"


def test_each_off_switch_says_it_turns_its_flag_off_and_still_does(capsys):
    """HfArgumentParser gives a flag that is on by default an off switch carrying the flag's own help and the default
    False: ``bgs-hf train -h`` said ``--no_eval_test`` would "score the test split at the end (default: False)"."""
    from bgs_hf.train import build_parser, parse

    shown = " ".join(build_parser([]).format_help().split())
    assert "--no_eval_test, --no-eval-test turn --eval_test off (the same as --eval_test false) --" in shown
    assert ("--no_log_on_each_node, --no-log-on-each-node turn --log_on_each_node off (the same as --log_on_each_node "
            "false) --") in shown
    assert "score the test split at the end (metrics.json) (default: False)" not in shown
    for flags, scored in (([], True), (["--no_eval_test"], False), (["--no-eval-test"], False),
                          (["--eval_test", "false"], False), (["--eval-test"], True)):
        assert parse(["--data", "d", "--output_dir", "/tmp/x", *flags]).bgs.eval_test is scored, flags
    for flags, each_node in (([], True), (["--no_log_on_each_node"], False)):
        assert parse(["--data", "d", "--output_dir", "/tmp/x", *flags]).training.log_on_each_node is each_node


def test_train_help_shows_no_default_of_none_and_says_the_one_required_flag():
    """``bgs-hf train -h`` printed "(default: None)" 47 times (HfArgumentParser's formatter adds a default to every
    flag): for ``--data``, which the command cannot run without; after ``--cache_dir``'s own default; for
    ``--output_dir``, where transformers writes to ``trainer_output``; and for the overrides whose unset value means
    the backbone's or the recipe's. A flag with a real default still shows it."""
    from bgs_hf.train import build_parser, parse

    shown = " ".join(build_parser([]).format_help().split())
    assert "(default: None)" not in shown and shown.count("(required)") == 1
    assert "--data DATA release folder, Hub-layout folder or Hub dataset id (required) --" in shown
    assert "decoded-clip cache (default: <output_dir>/clip_cache; 'none' disables) --memory_cache_mb" in shown
    assert "metrics.json (default: trainer_output) --" in shown
    assert parse(["--data", "d"]).training.output_dir == "trainer_output"
    assert "frames per clip, for models that accept any (default: the backbone's own) --" in shown
    assert "picks --embed_chunk by a probe (default: none) --" in shown
    assert "share of train clips held out as validation (default: 0.2) --" in shown


def test_the_early_stopping_patience_is_told_in_evaluations_not_epochs():
    """The patience counts evaluations (``SayingEarlyStoppingCallback`` says "not improved for N evaluation(s)"):
    with ``--eval_strategy steps`` one every ``--eval_steps`` steps. The help called them epochs."""
    from bgs_hf.train import build_parser

    shown = " ".join(build_parser([]).format_help().split())
    patience = shown[shown.index("--early_stopping_patience EARLY_STOPPING_PATIENCE"):shown.index("--eval_test [")]
    assert "evaluations without a gain in --metric_for_best_model" in patience, patience
    assert "epochs without" not in patience


def test_train_help_says_what_resume_from_checkpoint_takes_and_that_jit_checkpointing_is_refused():
    """transformers' help called ``--resume_from_checkpoint`` "Not directly used by Trainer; intended for
    training/evaluation scripts" (bgs-hf uses it, and takes ``last``), and offered ``--enable_jit_checkpoint``, which
    made a SIGTERM'd run save and score as if finished (see the refusal below)."""
    from bgs_hf.train import build_parser

    shown = " ".join(build_parser([]).format_help().split())
    resume = shown[shown.index("--resume_from_checkpoint RESUME_FROM_CHECKPOINT"):]
    assert "Not directly used by Trainer" not in resume[:300] and "'last'" in resume[:300], resume[:300]
    jit = shown[shown.index("--enable_jit_checkpoint [ENABLE_JIT_CHECKPOINT]"):][:300]
    assert "refused by bgs-hf" in jit and "Enable JIT checkpointing" not in jit, jit


@pytest.mark.parametrize("recipe", [[], ["--val_fraction", "0"]], ids=["validated", "no-validation"])
def test_the_advice_to_checkpoint_more_often_parses_and_checkpoints_every_n_steps(tmp_path, capsys, recipe):
    """README, the --enable_jit_checkpoint refusal and its -h said "checkpoint more often with --save_strategy steps
    --save_steps N": beside the default epoch evaluation and best-model selection transformers refused that
    ("--load_best_model_at_end requires the save and eval strategy to match"), and under `make demo`'s --val_fraction
    0 too. Each place's advice, N filled in, must parse and checkpoint every N steps; the two flags alone are
    refused in one line that gives the advice."""
    from bgs_hf.cli.main import main
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import build_parser, parse
    from bgs_hf.training.args import CHECKPOINT_MORE_OFTEN

    assert main(["train", "--data", str(tmp_path / "missing"), "--enable_jit_checkpoint"]) == 2
    pattern = r"checkpoint more often with ((?:--[a-z_]+ (?:steps|N) ?)+)"
    refusal = " ".join(capsys.readouterr().err.split())
    helped = " ".join(build_parser([]).format_help().split())
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    advice = [re.search(pattern, refusal), re.search(pattern, helped),
              re.search(r"Checkpoint often enough for a pre-emption to lose little \(`([^`]+)`", readme)]
    assert all(advice), (refusal, advice)
    for said in advice:
        flags = said.group(1).replace(" N", " 7").split()
        training = parse(["--data", str(tmp_path / "missing"), *recipe, *flags]).training
        assert (training.save_strategy, training.save_steps) == ("steps", 7), said.group(1)
    with pytest.raises(BGSInputError) as refused:
        parse(["--data", str(tmp_path / "missing"), *recipe, "--save_strategy", "steps", "--save_steps", "7"])
    assert CHECKPOINT_MORE_OFTEN in str(refused.value), refused.value


@pytest.mark.parametrize("flags, advice", [
    (["--save_strategy", "no"], "; to save no checkpoint, also give --load_best_model_at_end false (the last model is "
                                "kept)"),
    (["--eval_strategy", "steps", "--eval_steps", "5", "--save_steps", "7"], ""),
    (["--eval_strategy", "steps", "--eval_steps", "5", "--save_strategy", "epoch"], ""),
])
def test_only_more_frequent_checkpoints_are_told_to_checkpoint_more_often(tmp_path, flags, advice):
    """Mutation audit of 0965972: the advice to checkpoint more often added to every TrainingArguments refusal passed
    every test. ``--save_strategy no`` (a quick run that keeps no checkpoint) was told "to checkpoint more often than
    once an epoch, give --save_strategy steps ...", the opposite of what was asked: it is told what keeps no
    checkpoint, which then parses; other refusals are transformers' line alone."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import parse

    with pytest.raises(BGSInputError) as refused:
        parse(["--data", str(tmp_path / "missing"), *flags])
    said = str(refused.value)
    assert said.startswith("--load_best_model_at_end requires") and "checkpoint more often" not in said, said
    assert said.endswith(advice) and said.count(";") == (1 if advice else 0), said
    if advice:
        training = parse(["--data", str(tmp_path / "missing"), *flags, "--load_best_model_at_end", "false"]).training
        assert (str(training.save_strategy.value), training.load_best_model_at_end) == ("no", False)


@pytest.mark.parametrize("argv, line", [
    (["--dat", "x"], "unrecognized arguments: --dat x (did you mean --data?)"),
    (["--data_dir", "x", "--output_dir", "/tmp/x"], "unrecognized arguments: --data_dir x (did you mean --data?)"),
    (["--max-step", "3"], "unrecognized arguments: --max-step 3 (did you mean --max-steps?); the following arguments "
                          "are required: --data"),
    (["--output_dir", "/tmp/x"], "the following arguments are required: --data"),
])
def test_a_mistyped_or_shortened_train_flag_is_named_and_suggested_where_a_required_flag_is_missing(argv, line,
                                                                                                    capsys):
    """``bgs-hf train --dat x`` (a shortened --data, which train does not take) said only "the following arguments
    are required: --data", where any other unknown flag gets "did you mean": argparse checks the required flags before
    it returns the unknown ones. A command line without a typo still says what is missing."""
    from bgs_hf.train import parse

    with pytest.raises(SystemExit) as exit_info:
        parse(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"bgs-hf train: error: {line}"
    assert parse(["--data", "d", "--output-dir", "/tmp/x", "--max-steps", "3"]).training.max_steps == 3


def test_a_typo_of_a_flag_that_only_starts_like_the_missing_one_is_suggested_its_own_flag(capsys):
    """Mutation audit of 442735c: a typed flag that merely starts with the missing ``--data`` (no ``_`` or ``-``
    after it) taken to stand for it passed, the tests' flags that extend --data having a ``_`` after it: then
    ``--dataloader_num_worker 2`` was told "did you mean --data?", and --data was not said to be missing."""
    from bgs_hf.train import parse

    with pytest.raises(SystemExit) as exit_info:
        parse(["--dataloader_num_worker", "2"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "bgs-hf train: error: unrecognized arguments: --dataloader_num_worker 2 (did you mean "
        "--dataloader_num_workers?); the following arguments are required: --data")


def test_python_m_bgs_hf_train_takes_no_abbreviated_flag_and_says_a_refusal_on_one_line():
    """Mutation audit (quickstart and top-level helpers, third pass): ``python -m bgs_hf.train``'s parser taking
    abbreviations (``--num_train_epoch 3`` then trained 3 epochs while ``training_defaults``, which reads the flags as
    typed, saw no epoch count) passed; a refused TrainingArguments setting is one line, its transformers message's
    newlines and dashes joined by single spaces."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import parse

    with pytest.raises(BGSInputError, match=r"^unrecognized arguments: --num_train_epoch 3 \(did you mean "
                                            r"--num_train_epochs\?\)$"):
        parse(["--data", "d", "--output_dir", "/tmp/x", "--num_train_epoch", "3"])
    with pytest.raises(BGSInputError) as refused:
        parse(["--data", "d", "--output_dir", "/tmp/x", "--eval_strategy", "epoch", "--save_strategy", "steps",
               "--load_best_model_at_end", "true"])
    assert "\n" not in str(refused.value) and "  " not in str(refused.value)
    assert "but found - Evaluation strategy: IntervalStrategy.EPOCH - Save strategy: SaveStrategy.STEPS" in str(
        refused.value)


@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_a_ddp_timeout_below_a_second_is_refused_before_the_process_group_starts(monkeypatch, capsys, tmp_path,
                                                                                 timeout):
    """Building TrainingArguments starts a launch's process group, on a GPU with ``--ddp_timeout`` as its timeout:
    ``torchrun --nproc_per_node 2 -m bgs_hf.train ... --ddp_timeout 0`` was torch's C++ "client socket has timed out
    after 0ms" rendezvous error and frames on every rank, said as "a collective operation failed, most likely because
    another process of the launch stopped first", before the run's own check could refuse the flag. Here starting the
    group fails the test: the flag is refused, as typed, before it."""
    from transformers import TrainingArguments

    from bgs_hf.train import main

    def started(self):
        raise AssertionError("the process group was started")

    monkeypatch.setattr(TrainingArguments, "_setup_devices", property(started))
    assert main(["--data", "d", "--output_dir", str(tmp_path / "r"), "--ddp-timeout", timeout]) == 2
    assert capsys.readouterr().err == (f"error: --ddp-timeout must be a whole number >= 1 (seconds a collective waits "
                                       f"for the other processes), got {timeout}\n")
    assert not (tmp_path / "r").exists()


def test_a_ddp_timeout_longer_than_torch_can_count_is_refused_before_the_process_group_starts(monkeypatch, capsys,
                                                                                              tmp_path):
    """torch counts a rendezvous deadline in 64-bit nanoseconds of a clock started at boot: a launch with
    ``--ddp_timeout 10000000000`` ("never time out") failed its rendezvous at once on a GPU (torch's C++ "client
    socket has timed out after 10000000000000ms"), 10**20 was "a training argument must be a finite number" there and
    an OverflowError traceback on every rank of a CPU launch. The longest torch counts still starts the group."""
    from transformers import TrainingArguments

    from bgs_hf.train import main, parse
    from bgs_hf.training.api import MAX_DDP_TIMEOUT_S

    def started(self):
        raise AssertionError("the process group was started")

    monkeypatch.setattr(TrainingArguments, "_setup_devices", property(started))
    for timeout in ("10000000000", "100000000000000000000"):
        assert main(["--data", "d", "--output_dir", str(tmp_path / "r"), "--ddp_timeout", timeout]) == 2
        assert capsys.readouterr().err == (f"error: --ddp_timeout must be at most {MAX_DDP_TIMEOUT_S} seconds (about "
                                           f"285 years: torch cannot count a longer wait), got {timeout}\n")
    with pytest.raises(AssertionError, match="the process group was started"):
        parse(["--data", "d", "--output_dir", str(tmp_path / "r"), "--ddp_timeout", str(MAX_DDP_TIMEOUT_S)])
    assert not (tmp_path / "r").exists()


def test_bgs_defaults_follow_the_flags_in_either_spelling_and_either_form():
    """``--eval-strategy no`` (dashes, as the CLI accepts) turns the plateau schedule and best-model loading off, as
    ``--eval_strategy no`` does, whether the value follows as the next word or after ``=``: a reader of the typed
    flags that kept the dashes in the name left them on."""
    from bgs_hf.train import parse
    from bgs_hf.training.args import flags_in

    assert flags_in(["--eval-strategy=no", "--save_steps", "3", "--hflip", "--max-steps", "7"]) == {
        "eval_strategy": "no", "save_steps": "3", "hflip": None, "max_steps": "7"}
    for flags in (["--eval-strategy", "no"], ["--eval_strategy=no"], ["--eval-strategy=no"]):
        t = parse(["--data", "d", "--output-dir", "/tmp/x", *flags]).training
        assert not t.load_best_model_at_end and str(t.lr_scheduler_type.value) == "constant", flags
        assert t.lr_scheduler_kwargs == {}


@pytest.mark.parametrize(("text", "size"), [
    ("8GB", 8 * 10**9), ("8gb", 8 * 10**9), ("512MiB", 512 * 2**20), ("512m", 512 * 2**20), ("1.5g", 3 * 2**29),
    (" 2 KB ", 2000), ("1000000", 10**6), (".5GiB", 2**29), ("3t", 3 * 2**40),
    ("2k", 2 * 2**10),  # k is binary like m and g (mutation audit: read as 1000, it passed)
])
def test_max_memory_reads_decimal_and_binary_units(text, size):
    """--max_memory 8GB is 8e9 bytes, 8GiB (and the short 8g) 8 * 2**30: the probe then picks the chunk for that
    budget. No test read a unit: GB taken as GiB, or no decimals, passed."""
    from bgs_hf.training.args import parse_bytes

    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["8 GBs", "GB", "1.2.3g", "-1GB", ""])
def test_max_memory_that_is_no_size_is_one_line(text):
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.args import parse_bytes

    with pytest.raises(BGSInputError, match="--max_memory: cannot read"):
        parse_bytes(text)


@pytest.mark.parametrize(("text", "message"), [
    ("0GB", "'0GB' is no budget"), ("0.4", "'0.4' is no budget"),  # 0 bytes: embed_chunk 1, not "off"
    ("1" * 400 + "GB", "is too large to be a size"),  # an OverflowError traceback from int(inf)
])
def test_max_memory_of_no_bytes_or_past_a_float_is_one_line(text, message):
    """Fuzzing: --max_memory 0GB (read as "off", like --embed_chunk 0) silently chose the smallest chunk of 1 clip,
    and a size past the largest float was an OverflowError traceback."""
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.args import parse_bytes

    with pytest.raises(BGSInputError, match=message):
        parse_bytes(text)
    assert parse_bytes("1") == 1  # the smallest budget still read


def test_a_run_without_flags_takes_the_papers_settings():
    """The defaults of a bare ``bgs-hf train --data d --output_dir o``: the paper's schedule, head, LoRA and loss, and
    the run-keeping settings (a resumed run restores early stopping's count; a NaN step is logged as NaN, not hidden
    in a running mean). Only some were pinned, so any other default could change unseen."""
    from bgs_hf.train import parse

    cfg = parse(["--data", "d", "--output_dir", "/tmp/x"])
    t, m, b, d = cfg.training, cfg.model, cfg.bgs, cfg.data
    assert (t.learning_rate, t.num_train_epochs, t.save_total_limit, t.logging_steps) == (1e-4, 50, 2, 5)
    assert (t.per_device_train_batch_size, t.per_device_eval_batch_size, t.dataloader_num_workers) == (1, 8, 0)
    assert t.restore_callback_states_from_checkpoint and not t.logging_nan_inf_filter and t.report_to == []
    assert str(t.eval_strategy.value) == str(t.save_strategy.value) == "epoch"
    assert (m.backbone, m.head_dim, m.head_dropout, m.lora_r, m.lora_alpha, m.lora_dropout) == (
        "bgs-tiny-conv3d-fg", 128, 0.3, 8, 16, 0.1)
    assert (b.local_loss, b.margin, b.rsa_method, b.alpha, b.beta0, b.beta_step, b.beta_max) == (
        "triplet", 0.2, "pearson", 0.7, 0.3, 0.1, 0.7)
    assert (b.early_stopping_patience, b.hflip, b.eval_test) == (5, False, True)
    assert (d.val_fraction, d.val_split, d.split_seed) == (0.2, "seeded", 0)


def test_a_run_without_evaluation_given_as_the_enum_keeps_the_last_model_at_a_constant_rate():
    """Library use may pass transformers' enums, whose str() is ``IntervalStrategy.NO``, not "no": no evaluation is no
    best model to load and no plateau to wait for, as with ``--eval_strategy no``. was: ``lr_scheduler_type=
    SchedulerType.REDUCE_ON_PLATEAU`` lost the plateau's mode/factor/patience, so torch's defaults (mode "min",
    factor 0.1, patience 10) took a rising validation RSA for no improvement and cut the rate."""
    from transformers.trainer_utils import IntervalStrategy, SchedulerType

    from bgs_hf.training.api import training_arguments

    for off in (IntervalStrategy.NO, "no"):
        t = training_arguments({"output_dir": "/tmp/x", "eval_strategy": off})
        assert not t.load_best_model_at_end and t.lr_scheduler_type == SchedulerType.CONSTANT, off
        assert t.lr_scheduler_kwargs == {}
    kept = training_arguments({"output_dir": "/tmp/x", "lr_scheduler_type": SchedulerType.REDUCE_ON_PLATEAU})
    assert kept.lr_scheduler_kwargs == {"mode": "max", "factor": 0.5, "patience": 3}


@pytest.mark.parametrize("schedule", ["cosine", "linear", "constant_with_warmup"])
def test_another_lr_schedule_gets_no_plateau_kwargs(schedule):
    """The plateau's mode/factor/patience used to stay and crash every other schedule at the first step."""
    import torch
    from transformers import get_scheduler

    from bgs_hf.train import parse

    t = parse(["--data", "d", "--output_dir", "/tmp/x", "--lr_scheduler_type", schedule]).training
    assert t.lr_scheduler_kwargs == {}
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    get_scheduler(t.lr_scheduler_type, opt, num_warmup_steps=1, num_training_steps=10,
                  scheduler_specific_kwargs=t.lr_scheduler_kwargs)
    kept = parse(["--data", "d", "--output_dir", "/tmp/x", "--lr_scheduler_type", schedule,
                  "--lr_scheduler_kwargs", '{"num_cycles": 0.25}' if schedule == "cosine" else "{}"]).training
    assert kept.lr_scheduler_kwargs == ({"num_cycles": 0.25} if schedule == "cosine" else {})


def test_memory_is_pinned_only_for_an_accelerator(monkeypatch):
    """Pinned memory on a CPU-only machine makes torch warn on every data loader; with a GPU it speeds copies."""
    import torch

    from bgs_hf.train import parse
    from bgs_hf.training.api import training_arguments

    for present in (False, True):
        monkeypatch.setattr(torch.accelerator, "is_available", lambda present=present: present)
        assert parse(["--data", "d", "--output_dir", "/tmp/x"]).training.dataloader_pin_memory is present
        assert training_arguments({"output_dir": "/tmp/x"}).dataloader_pin_memory is present
    assert training_arguments({"output_dir": "/tmp/x", "dataloader_pin_memory": True}).dataloader_pin_memory


def test_bgs_hf_train_writes_the_run_folder(socialshapes, tmp_path, capsys):
    from bgs_hf.cli.main import main

    out = tmp_path / "run"
    rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--max_steps", "6", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1",
               "--metric_for_best_model", "eval_ooo_acc_3way"])
    assert rc == 0
    for name in ("adapter_config.json", "adapter_model.safetensors", "bgs_config.json", "training_args.json",
                 "trainer_state.json", "metrics.json"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    for split in ("val", "test"):
        for key in ("r2", "r2_ci", "rsa_spearman", "rsa_pearson", "ooo_acc_3way", "ooo_acc_2way", "pct_of_ceiling"):
            assert key in metrics[split], (split, key)
    assert metrics["counters"]["clip_passes"] > 0
    # the best checkpoint's score is named by the metric that chose it (it was stored as "best_eval_rsa" whatever it was)
    state = json.loads((out / "trainer_state.json").read_text())
    assert metrics["metric_for_best_model"] == "eval_ooo_acc_3way"
    assert metrics["best_metric"] == state["best_metric"] is not None
    bgs_cfg = json.loads((out / "bgs_config.json").read_text())
    assert "frame_policy" in json.dumps(bgs_cfg)
    # what the card's licence rests on: the data's origin, not its folder's name
    assert json.loads((out / "run_config.json").read_text())["data"]["origin"] == "socialshapes"
    # the folder's README is the run's model card with its test row (it was peft's empty template)
    card = (out / "README.md").read_text()
    assert "Model Card for Model ID" not in card and "More Information Needed" not in card
    assert f"| **this model (BGS-aligned)** | {metrics['test']['r2']:.3f}" in card
    # the saved adapter loads back by itself
    from bgs_hf.models import load_model

    assert load_model(out) is not None
    printed = capsys.readouterr().out
    assert "run folder" in printed
    # the fit printed below it is read, not parsed (it was raw JSON); the machine form is the metrics.json it names
    tail = printed[printed.index("run folder"):]
    assert "{" not in tail and f"  test  R² {metrics['test']['r2']:.3f} [" in tail
    assert tail.endswith(f"metrics (JSON): {out / 'metrics.json'}\n")
    # the same --output-dir again: refused (nothing touched), unless asked to replace it
    before = (out / "adapter_model.safetensors").read_bytes()
    again = ["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
             "--max_steps", "2", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "2"]
    assert main(again) == 2
    assert "holds an earlier run" in capsys.readouterr().err
    assert (out / "adapter_model.safetensors").read_bytes() == before
    assert main([*again, "--overwrite_output_dir"]) == 0
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2"]  # the old checkpoint-6 is gone


def test_train_on_every_non_test_clip_with_mirroring(socialshapes, tmp_path, capsys):
    """``--val_fraction 0``: no validation, constant lr, last model kept (the demo's procedure); ``--hflip`` on."""
    from bgs_hf.cli.main import main

    out = tmp_path / "refit"
    rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--num_train_epochs", "2", "--clips_per_step", "16", "--logging_steps", "1", "--val_fraction", "0",
               "--hflip", "--disable_tqdm", "true", "--seed", "1"])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val"] == {} and metrics["best_metric"] is None and "r2" in metrics["test"]
    state = json.loads((out / "trainer_state.json").read_text())
    assert not [h for h in state["log_history"] if "eval_rsa" in h]
    lrs = {float(h["learning_rate"]) for h in state["log_history"] if "learning_rate" in h}
    assert len(lrs) == 1  # constant: no validation plateau to halve it on
    capsys.readouterr()


def test_a_run_that_scored_no_split_says_so_instead_of_printing_an_empty_fit(socialshapes, tmp_path, capsys):
    """``--val_fraction 0 --eval_test false``: nothing is scored, and the console printed ``{}`` below the run
    folder, an empty fit a reader cannot tell from a failure. It now says which split was not scored and why."""
    from bgs_hf.cli.main import main

    out = tmp_path / "unscored"
    rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--val_fraction", "0",
               "--eval_test", "false"])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val"] == {} and "test" not in metrics
    printed = capsys.readouterr().out
    tail = printed[printed.index("run folder"):]
    assert "{}" not in tail
    assert ("no fit to print: val had nothing to score (fewer than 3 clips or no judgments); "
            "test not scored (--eval_test false)") in tail


def test_a_run_that_does_not_score_test_gets_a_card_of_the_split_it_scored(socialshapes, tmp_path, caplog):
    """``--eval_test false`` is a documented flag: the run ended with "WARNING no model card in RUN: metrics.json
    has no split 'test'" and kept peft's empty template, because the card was always rendered for the test split."""
    import logging

    from bgs_hf.cli.main import main

    out = tmp_path / "noeval"
    with caplog.at_level(logging.WARNING, logger="bgs_hf.hub.card"):
        rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir",
                   str(out), "--max_steps", "2", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1",
                   "--eval_test", "false"])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "test" not in metrics and "r2" in metrics["val"]
    assert "no model card" not in caplog.text
    card = (out / "README.md").read_text()
    assert "Model Card for Model ID" not in card
    assert f"| **this model (BGS-aligned)** | {metrics['val']['r2']:.3f}" in card


def test_a_readme_of_the_users_own_in_the_output_folder_is_kept(socialshapes, tmp_path):
    """An --output_dir that is not a run folder but holds the user's README.md (``runs/README.md`` describing their
    experiments): the run-card writer replaced it wholesale (peft's save only adds its metadata to it)."""
    from bgs_hf.cli.main import main

    out = tmp_path / "runs"
    out.mkdir()
    (out / "README.md").write_text("# Our lab's runs\n\nNotes on every experiment: keep this.\n")
    rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--max_steps", "2", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1"])
    assert rc == 0 and (out / "adapter_model.safetensors").is_file()
    assert "keep this" in (out / "README.md").read_text()


def test_peft_template_left_by_a_save_cut_short_is_not_taken_for_the_users_readme(socialshapes, tmp_path):
    """A save killed between peft's README.md and bgs_config.json left peft's empty template in a folder that
    looks like no run; the next run kept that template as if it were the user's own README (no model card)."""
    from huggingface_hub import ModelCard, ModelCardData

    from bgs_hf.cli.main import main

    out = tmp_path / "run"
    out.mkdir()
    (out / "adapter_model.safetensors").write_bytes(b"cut short")
    ModelCard.from_template(ModelCardData(library_name="peft")).save(out / "README.md")
    rc = main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--max_steps", "2", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1",
               "--overwrite_output_dir"])
    assert rc == 0
    card = (out / "README.md").read_text()
    assert "Model Card for Model ID" not in card and "this model (BGS-aligned)" in card


@pytest.mark.parametrize("num_steps", [0, 4])
def test_an_accumulation_count_in_the_accelerator_config_is_refused_before_the_data_loads(tmp_path, capsys, num_steps):
    """``--accelerator_config '{"gradient_accumulation_kwargs": {"num_steps": 0}}'`` replaced
    --gradient_accumulation_steps inside the Trainer, after the run's own accumulation and resume checks had passed on
    the flag's 1: 0 was a ZeroDivisionError once the data and the model had loaded, 4 accumulated unchecked. Refused
    before the data loads (the folder here is missing), and by a BGSTrainer's check of its own arguments."""
    from transformers import TrainingArguments

    from bgs_hf.cli.main import main
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training.args import check_batch_size

    config = json.dumps({"gradient_accumulation_kwargs": {"num_steps": num_steps}})
    assert main(["train", "--data", str(tmp_path / "missing"), "--accelerator_config", config]) == 2
    said = rf"--accelerator_config gradient_accumulation_kwargs num_steps={num_steps} is not supported: .*" \
           r"set --gradient_accumulation_steps instead$"
    assert re.search(said, capsys.readouterr().err.strip()), said
    args = TrainingArguments(output_dir=str(tmp_path / "own"), use_cpu=True, per_device_train_batch_size=1,
                             report_to="none", accelerator_config=json.loads(config))
    with pytest.raises(BGSInputError, match=said):
        check_batch_size(args)
    check_batch_size(TrainingArguments(output_dir=str(tmp_path / "own"), use_cpu=True, per_device_train_batch_size=1,
                                       report_to="none",
                                       accelerator_config={"gradient_accumulation_kwargs": {"sync_each_batch": True}}))


def test_bad_data_is_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bgs_hf.train", "--data", str(tmp_path / "missing"),
                           "--output-dir", str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr


@pytest.mark.parametrize("error, code, text", [(PermissionError(13, "Permission denied", "/ro/run"), 2,
                                                "error: PermissionError: Permission denied: /ro/run"),
                                               (KeyboardInterrupt(), 130, "interrupted")])
def test_python_m_bgs_hf_train_ends_like_the_cli(monkeypatch, capsys, error, code, text):
    """`python -m bgs_hf.train` (what torchrun and accelerate launch run) printed tracebacks for OS errors and
    Ctrl-C, where `bgs-hf train` printed one line."""
    import bgs_hf.training.api as api
    from bgs_hf.train import main

    def fail(config):
        raise error

    monkeypatch.setattr(api, "train_bgs", fail)
    assert main(["--data", "x", "--output_dir", "/tmp/unused"]) == code
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err


def test_ctrl_c_says_after_interrupted_which_checkpoint_a_resume_goes_on_from(monkeypatch, capsys, tmp_path):
    """Ctrl-C during a run printed only "interrupted": nothing said what the run folder kept. The next line names its
    last complete checkpoint (by step: checkpoint-10 after checkpoint-3; a half-written checkpoint-12 is no resume
    point) and `--resume_from_checkpoint last`, or says there is none; so does SIGTERM's "terminated"; under a launch only
    its first process says it."""
    from types import SimpleNamespace

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.cli.main import Terminated
    from bgs_hf.train import main

    def interrupted(config):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "train_bgs", interrupted)
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    run = tmp_path / "run"
    assert main(["--data", "x", "--output_dir", str(run)]) == 130
    assert capsys.readouterr().err == f"interrupted\nno checkpoint was written yet in {run}: nothing to resume from\n"
    for step, complete in ((3, True), (10, True), (12, False)):
        (run / f"checkpoint-{step}").mkdir(parents=True)
        (run / f"checkpoint-{step}" / "adapter_model.safetensors").write_bytes(b"")
        if complete:  # the Trainer's state is written last
            (run / f"checkpoint-{step}" / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    kept = f"last complete checkpoint: {run}/checkpoint-10 (rerun with --resume_from_checkpoint last to go on from it)"
    assert main(["--data", "x", "--output_dir", str(run)]) == 130
    assert capsys.readouterr().err == f"interrupted\n{kept}\n"

    def terminated(config):  # SIGTERM, as run_guarded turns it into an exception: a cluster pre-empting the job
        raise Terminated

    monkeypatch.setattr(api, "train_bgs", terminated)
    assert main(["--data", "x", "--output_dir", str(run)]) == 143
    assert capsys.readouterr().err == f"terminated\n{kept}\n"
    monkeypatch.setattr(api, "train_bgs", interrupted)
    # a launch: TrainingArguments would join it, so the flags are parsed to the run folder alone
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: SimpleNamespace(training=SimpleNamespace(output_dir=str(run))))
    monkeypatch.setenv("WORLD_SIZE", "4")
    for rank, local_rank, said in (("0", "0", f"interrupted\n{kept}\n"), ("2", "0", "interrupted\n"), ("1", "1", "")):
        monkeypatch.setenv("RANK", rank)
        monkeypatch.setenv("LOCAL_RANK", local_rank)
        assert main(["--data", "x", "--output_dir", str(run)]) == 130
        assert capsys.readouterr().err == said, rank


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, whose every write fails")
def test_a_full_disk_while_a_checkpoint_is_saved_names_the_last_complete_checkpoint(socialshapes, tmp_path, capsys,
                                                                                   monkeypatch):
    """A full disk while the Trainer ``torch.save``s a checkpoint's ``optimizer.pt`` ended the run in torch's
    multi-screen ``RuntimeError`` traceback (exit 1), saying neither the file nor what the run kept. It is one line
    naming the file, exit 2, then the line Ctrl-C's "interrupted" gets: the half-written checkpoint-6 (the run's end;
    its first epoch of 5 steps ended in checkpoint-5) is no resume point, checkpoint-5 is."""
    import torch

    from bgs_hf.train import main
    from bgs_hf.training.resume import complete_checkpoints

    run = tmp_path / "run"
    save = torch.save

    def onto_a_full_disk(obj, f, *args, **kwargs):  # checkpoint-6's optimizer state is written onto /dev/full
        if str(f) == str(run / "checkpoint-6" / "optimizer.pt"):
            os.symlink("/dev/full", f)
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", onto_a_full_disk)
    assert main(["--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output_dir", str(run),
                 "--max_steps", "6", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1"]) == 2
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"error: OSError: write failed (the disk may be full): {run}/checkpoint-6/optimizer.pt",
        f"last complete checkpoint: {run}/checkpoint-5 (rerun with --resume_from_checkpoint last to go on from it)"]
    assert complete_checkpoints(run) == ([run / "checkpoint-5"], ["checkpoint-6"])


def test_an_os_error_before_any_checkpoint_is_its_one_line_without_a_resume_line(tmp_path, capsys, monkeypatch):
    """The line naming what a resume goes on from follows an environment error only once a checkpoint was begun: a
    run folder that cannot be written before the first step has nothing to resume, and "no checkpoint was written
    yet" under a permission error read as noise."""
    from types import SimpleNamespace

    import bgs_hf.train
    from bgs_hf.train import main

    def unwritable(config):
        raise PermissionError(13, "Permission denied", str(tmp_path / "run"))

    run = SimpleNamespace(training=SimpleNamespace(output_dir=str(tmp_path / "run")))
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: run)
    monkeypatch.setattr("bgs_hf.training.api.train_bgs", unwritable)
    assert main([]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: PermissionError: Permission denied: {tmp_path / 'run'}"]


def test_the_resume_line_follows_only_the_environments_error_and_a_half_written_first_checkpoint_says_none(
        tmp_path, capsys, monkeypatch):
    """Mutation audit (train's line after an error): the line was also printed after any error once a checkpoint was
    begun (a diverged run, a bad clip mid-run: exit 1 and 2, not the environment), or after any error that took the
    environment's path, and a full disk while the first checkpoint was written (checkpoint-5 half-written, none
    complete) said nothing, as if none had been begun. By hand: the error's line alone, then the "none yet" line."""
    from types import SimpleNamespace

    import bgs_hf.train
    from bgs_hf.errors import BGSDivergedError, BGSInputError
    from bgs_hf.train import main

    run = tmp_path / "run"
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: SimpleNamespace(training=SimpleNamespace(output_dir=str(run))))
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    first = run / "checkpoint-5"
    first.mkdir(parents=True)
    (first / "adapter_model.safetensors").write_bytes(b"")  # no trainer_state.json: cut while it was written

    def full_disk(config):
        raise OSError(28, "No space left on device", str(first / "optimizer.pt"))

    monkeypatch.setattr("bgs_hf.training.api.train_bgs", full_disk)
    assert main([]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: OSError: No space left on device: {first}/optimizer.pt",
        f"no checkpoint was written yet in {run}: nothing to resume from"]
    (first / "trainer_state.json").write_text(json.dumps({"global_step": 5}))  # now a complete one

    def diverged(config):
        raise BGSDivergedError("loss is nan at step 7")

    def bad_clip(config):
        raise BGSInputError("not a readable video", path="c7.mp4")

    for fails, status, line in ((diverged, 1, "error: loss is nan at step 7"),
                                (bad_clip, 2, "error: c7.mp4: not a readable video")):
        monkeypatch.setattr("bgs_hf.training.api.train_bgs", fails)
        assert main([]) == status
        assert capsys.readouterr().err.splitlines() == [line]


def _as_process(monkeypatch, rank: str | None, local_rank: str) -> None:
    """Environment of one process of a launch: its RANK (None: a launcher that sets only LOCAL_RANK) and LOCAL_RANK."""
    if rank is None:
        monkeypatch.delenv("RANK", raising=False)
    else:
        monkeypatch.setenv("RANK", rank)
    monkeypatch.setenv("LOCAL_RANK", local_rank)


def test_an_error_every_process_of_a_launch_meets_alike_is_said_once_per_machine(monkeypatch, capsys):
    """Every process reads the same flags and data and computes the same loss: a refusal, a diverged loss or Ctrl-C
    was printed once per process (8 GPUs, 8 lines). LOCAL_RANK 0 says it; the others end with the same status in
    silence, except for an error in the clips a process loaded itself (its DataLoader, or its share of an evaluation
    loaded in the process: that one too went unsaid), which only it can say. A clip every process loads alike (the
    first training clip DDP's settings are fitted on) is said once, like a refusal. A process's own line names it
    unless it is the launch's first (on 8 GPUs or several machines, a bare line did not say which process, machine or
    share of the clips met it): by RANK of WORLD_SIZE, or its LOCAL_RANK where RANK is not set."""
    import numpy as np
    import torch

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSDivergedError, BGSInputError
    from bgs_hf.train import main
    from bgs_hf.training.data import stack_clips

    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch

    def own_clip(config):  # a broken clip in this process's share of a step: raised inside its DataLoader
        def collate(items):
            raise BGSInputError("not a readable video", path="c7.mp4")

        next(iter(torch.utils.data.DataLoader([0], collate_fn=collate)))

    def unreadable(clip: int):
        raise BGSInputError("not a readable video", path=f"c{clip}.mp4")

    def own_eval_clip(config):  # its share of an evaluation, loaded by BGSTrainer.embed_clips: no DataLoader
        stack_clips(unreadable, np.array([8, 9]))

    def shared_clip(config):
        stack_clips(unreadable, np.array([3]), own=False)

    argv = ["--data", "x", "--output_dir", "/tmp/unused"]
    for rank, local_rank, who in (("1", "1", "rank 1 of 4: "), ("2", "0", "rank 2 of 4: "), ("0", "0", ""),
                                  (None, "1", "local rank 1: ")):
        monkeypatch.setenv("WORLD_SIZE", "4")
        _as_process(monkeypatch, rank, local_rank)
        for error, code, text in ((BGSInputError("--foo: no"), 2, "error: --foo: no"),
                                  (BGSDivergedError("the loss became nan"), 1, "error: the loss became nan"),
                                  (KeyboardInterrupt(), 130, "interrupted")):
            def fail(config, error=error):
                raise error

            monkeypatch.setattr(api, "train_bgs", fail)
            assert main(argv) == code
            assert capsys.readouterr().err.strip() == (text if local_rank == "0" else ""), (rank, error)
        monkeypatch.setattr(api, "train_bgs", own_clip)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == f"error: {who}c7.mp4: not a readable video", rank
        monkeypatch.setattr(api, "train_bgs", own_eval_clip)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == f"error: {who}c8.mp4: not a readable video", rank
        monkeypatch.setattr(api, "train_bgs", shared_clip)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == ("error: c3.mp4: not a readable video" if local_rank == "0" else "")



def test_only_a_process_silent_on_a_refusal_or_divergence_waits_for_the_launcher(monkeypatch, capsys):
    """A process that ends in silence on a refusal or a diverged loss (the first process of its machine says it) waits
    for the launcher to stop it, so that a first process meeting it later is not stopped before it speaks; the first
    process, one that says its own clip's error, and Ctrl-C or the launcher's SIGTERM (every process gets them) do
    not wait."""
    import numpy as np

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.cli.main import Terminated
    from bgs_hf.errors import BGSDivergedError, BGSInputError
    from bgs_hf.train import main
    from bgs_hf.training.data import stack_clips

    waited: list[str] = []
    monkeypatch.setattr(bgs_hf.train, "_leave_it_to_the_first_process", lambda: waited.append("waited"))
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch
    monkeypatch.setenv("WORLD_SIZE", "4")

    def unreadable(clip: int):
        raise BGSInputError("not a readable video", path=f"c{clip}.mp4")

    errors = {"refusal": BGSInputError("--foo: no"), "diverged": BGSDivergedError("the loss became nan"),
              "ctrl-c": KeyboardInterrupt(), "sigterm": Terminated()}
    for rank, local_rank in (("1", "1"), ("0", "0"), ("2", "0")):
        _as_process(monkeypatch, rank, local_rank)
        for tag, error in errors.items():
            def fail(config, error=error):
                raise error

            monkeypatch.setattr(api, "train_bgs", fail)
            main(["--data", "x"])
            assert waited == (["waited"] if local_rank == "1" and tag in ("refusal", "diverged") else []), (rank, tag)
            waited.clear()
        monkeypatch.setattr(api, "train_bgs", lambda config: stack_clips(unreadable, np.array([8])))  # its own clip
        assert main(["--data", "x"]) == 2
        assert waited == [], rank
    capsys.readouterr()


@pytest.mark.parametrize("argv, status", [(["--data", "x", "--max_steps", "twenty"], 2), (["--max_steps", "2"], 2),
                                          (["--data", "x", "--val_split", "v1"], 2), (["-h"], 0)])
def test_a_usage_error_or_help_in_a_launch_is_printed_once_per_machine(monkeypatch, capsys, argv, status):
    """argparse prints a usage error (a bad value, a missing --data, a mistyped choice) and ``-h`` itself, before any
    launch handling: ``accelerate launch --multi_gpu --num_processes 2 -m bgs_hf.train ... --max_steps twenty``
    printed its usage and error lines once per process (8 GPUs: 16 lines), and ``-h`` its help 8 times. The first
    process of each machine prints them; the others end with the same status silently, as for any other refusal."""
    from bgs_hf.train import main

    monkeypatch.setenv("WORLD_SIZE", "4")
    said = {}
    for rank, local_rank in (("0", "0"), ("2", "0"), ("1", "1"), (None, "1")):
        _as_process(monkeypatch, rank, local_rank)
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == status, (rank, local_rank)
        out, err = capsys.readouterr()
        said[rank, local_rank] = out + err
    assert said["0", "0"] and said["2", "0"] == said["0", "0"], said
    assert said["1", "1"] == said[None, "1"] == "", said
    if status:
        assert said["0", "0"].splitlines()[-1].startswith("bgs-hf train: error: "), said["0", "0"]


@pytest.mark.parametrize("argv, status", [(["--data", "x", "--max_steps", "twenty"], 2), (["-h"], 0)])
def test_a_process_silent_on_a_usage_error_waits_for_the_launcher(monkeypatch, capsys, argv, status):
    """A usage error is met alike by every process right after its imports, which a loaded machine finishes at
    different times: the silent process ended at once with exit 2, and the launcher (its 0.1 s poll) stopped the first
    process before it printed the usage and ``error:`` lines, the cause lost, as it was for any other refusal before
    the silent process waited for the launcher. ``-h`` (exit 0: the launcher waits for every process) and the first
    process do not wait."""
    import bgs_hf.train
    from bgs_hf.train import main

    waited: list[str] = []
    monkeypatch.setattr(bgs_hf.train, "_leave_it_to_the_first_process", lambda: waited.append("waited"))
    monkeypatch.setenv("WORLD_SIZE", "4")
    for rank, local_rank in (("0", "0"), ("2", "0"), ("1", "1"), (None, "1")):
        _as_process(monkeypatch, rank, local_rank)
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == status, (rank, local_rank)
        assert waited == (["waited"] if status and local_rank == "1" else []), (rank, local_rank)
        waited.clear()
    capsys.readouterr()


def test_a_silent_process_waits_as_long_as_the_readme_says(monkeypatch, capsys, _silent_processes_end_at_once):
    """Mutation audit of 52de397..1efec6f: ``FIRST_PROCESS_GRACE_S`` of 1 s passed every test (this file's tests wait
    0 s, the 2-process test its own 60 s), though a first process still importing on a loaded machine needs longer to
    say its line: a process silent on a usage error or a refusal sleeps the grace the README gives ("waits (up to
    10 s) for the launcher"), in one sleep, through the real ``_leave_it_to_the_first_process`` (a fake sleep)."""
    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import main

    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    documented = float(re.search(r"waits \(up to (\d+(?:\.\d+)?) s\) for the launcher", readme)[1])
    monkeypatch.setattr(bgs_hf.train, "FIRST_PROCESS_GRACE_S", _silent_processes_end_at_once)
    slept: list[float] = []
    monkeypatch.setattr(bgs_hf.train.time, "sleep", slept.append)
    monkeypatch.setenv("WORLD_SIZE", "4")
    _as_process(monkeypatch, "1", "1")
    with pytest.raises(SystemExit) as ended:
        main(["--data", "x", "--max_steps", "twenty"])
    assert ended.value.code == 2 and slept == [documented], slept

    def refused(config):
        raise BGSInputError("--foo: no")

    slept.clear()
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch
    monkeypatch.setattr(api, "train_bgs", refused)
    assert main(["--data", "x"]) == 2 and slept == [documented], slept
    capsys.readouterr()


def test_an_os_error_is_said_by_each_process_that_meets_it_named_unless_it_is_the_first(monkeypatch,
                                                                                                    capsys):
    """An ``OSError`` (the environment) went around the launch handling: one every process meets alike (an unwritable
    ``--output_dir``, a full disk) was printed by every process, and one a process met in its own clips (a video gone
    or unreadable while its share of a step or an evaluation loads) was printed without naming the process. Now every
    process that meets one says it, named unless it is the launch's first: the environment need not be alike on every
    process (a full disk on one node), so no process is silenced; all end with status 2."""
    import errno

    import numpy as np
    import torch

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.train import main
    from bgs_hf.training.data import stack_clips

    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch

    def vanished(config):  # its DataLoader's share of a step: the video was deleted under the run
        def collate(items):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", "videos/c7.mp4")

        next(iter(torch.utils.data.DataLoader([0], collate_fn=collate)))

    def denied(clip: int):
        raise PermissionError(errno.EACCES, "Permission denied", f"videos/c{clip}.mp4")

    def own_eval_clip(config):  # its share of an evaluation, loaded in the process (own_part)
        stack_clips(denied, np.array([8, 9]))

    def unwritable(config):  # every process meets it alike
        raise PermissionError(errno.EACCES, "Permission denied", "/out/run")

    def disk_full(config):
        raise OSError(errno.ENOSPC, "No space left on device", "/out/run/trainer_state.json")

    argv = ["--data", "x", "--output_dir", "/tmp/unused"]
    monkeypatch.setenv("WORLD_SIZE", "4")
    for rank, local_rank, who in (("1", "1", "rank 1 of 4: "), ("2", "0", "rank 2 of 4: "), ("0", "0", ""),
                                  (None, "1", "local rank 1: ")):
        _as_process(monkeypatch, rank, local_rank)
        monkeypatch.setattr(api, "train_bgs", vanished)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == \
            f"error: {who}FileNotFoundError: No such file or directory: videos/c7.mp4", rank
        monkeypatch.setattr(api, "train_bgs", own_eval_clip)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == f"error: {who}PermissionError: Permission denied: videos/c8.mp4", rank
        monkeypatch.setattr(api, "train_bgs", unwritable)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == f"error: {who}PermissionError: Permission denied: /out/run", rank
        monkeypatch.setattr(api, "train_bgs", disk_full)
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == \
            f"error: {who}OSError: No space left on device: /out/run/trainer_state.json", rank


def test_a_full_disk_under_safetensors_is_said_by_each_process_named_as_an_os_error_is(monkeypatch, capsys):
    """safetensors' ``SafetensorError("... No space left on device (os error 28)")`` (a checkpoint's weights on a full
    disk) is no ``OSError``, so the launch handling let it through: every process printed the bare line
    ``error: OSError: No space left on device`` and none said which one it was. It now goes as an ``OSError`` does:
    each process says it, named unless it is the launch's first, exit 2."""
    from safetensors import SafetensorError

    def disk_full(config):
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    _said_by_each_of_8_processes(monkeypatch, capsys, disk_full, "OSError: No space left on device")


def _said_by_each_of_8_processes(monkeypatch, capsys, train, said: str) -> None:
    """``train`` (in place of ``train_bgs``) as processes 3, 4 (LOCAL_RANK 0), 0 and LOCAL_RANK 2 of an 8-process
    launch: each ends with status 2 and ``said`` as its one line, named unless it is the launch's first."""
    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.train import main

    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch
    monkeypatch.setattr(api, "train_bgs", train)
    monkeypatch.setenv("WORLD_SIZE", "8")
    for rank, local_rank, who in (("3", "3", "rank 3 of 8: "), ("4", "0", "rank 4 of 8: "), ("0", "0", ""),
                                  (None, "2", "local rank 2: ")):
        _as_process(monkeypatch, rank, local_rank)
        assert main(["--data", "x", "--output_dir", "/tmp/unused"]) == 2
        assert capsys.readouterr().err == f"error: {who}{said}\n", rank


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, whose every write fails")
def test_a_full_disk_under_torch_save_is_said_by_each_process_named_as_an_os_error_is(monkeypatch, capsys, tmp_path):
    """``torch.save``'s ``RuntimeError`` on a full disk (a process's own ``rng_state_3.pth``) is no ``OSError``, so
    under a launch it was a traceback on every process. It goes as an ``OSError`` does: each process says it, naming
    itself unless it is the launch's first, and the file, exit 2."""
    import torch

    full = tmp_path / "rng_state_3.pth"
    full.symlink_to("/dev/full")

    def disk_full(config):
        torch.save({"cpu_rng_state": torch.zeros(1000)}, str(full))

    _said_by_each_of_8_processes(monkeypatch, capsys, disk_full, f"OSError: write failed (the disk may be full): {full}")


def test_an_error_in_a_dataloader_worker_is_the_line_the_process_itself_would_print(monkeypatch, capsys, caplog):
    """With ``--dataloader_num_workers 2`` torch re-raises a worker's error in the main process as
    ``type(err)("Caught X in DataLoader worker process 0.\\nOriginal Traceback ...")``: a clip the worker could not
    read was printed as its whole traceback (flattened onto one line), and an ``OSError`` as ``error:
    FileNotFoundError: Caught FileNotFoundError in DataLoader worker process 0.``, without the file. Now the line is
    the one ``--dataloader_num_workers 0`` prints, naming the process as a launch does; ``-v`` keeps the worker's
    traceback in an ``OSError``'s debug log."""
    import errno
    import logging

    import torch

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import main

    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)  # TrainingArguments would join the launch
    errors = [(BGSInputError("not a readable video (Invalid data found when processing input)", path="c7.mp4"),
               "c7.mp4: not a readable video (Invalid data found when processing input)"),
              (FileNotFoundError(errno.ENOENT, "No such file or directory", "videos/c7.mp4"),
               "FileNotFoundError: No such file or directory: videos/c7.mp4"),
              (PermissionError(errno.EACCES, "Permission denied", "videos/it's c7.mp4"),  # repr() in double quotes
               "PermissionError: Permission denied: videos/it's c7.mp4"),
              (OSError(errno.ENOSPC, "No space left on device"), "OSError: No space left on device")]

    class Unreadable(torch.utils.data.Dataset):
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> int:
            raise self.error

    def in_worker(error: BaseException):
        def train(config):
            for _ in torch.utils.data.DataLoader(Unreadable(error), num_workers=2):
                pass

        return train

    argv = ["--data", "x", "--output_dir", "/tmp/unused"]
    for rank, who in ((None, ""), ("0", ""), ("1", "rank 1 of 4: ")):
        if rank is None:  # a run alone
            for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
                monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv("WORLD_SIZE", "4")
            monkeypatch.setenv("RANK", rank)
            monkeypatch.setenv("LOCAL_RANK", rank)
        for error, line in errors:
            monkeypatch.setattr(api, "train_bgs", in_worker(error))
            assert main(argv) == 2
            assert capsys.readouterr().err == f"error: {who}{line}\n", (rank, line)
    monkeypatch.setattr(api, "train_bgs", in_worker(errors[1][0]))
    with caplog.at_level(logging.DEBUG, logger="bgs_hf"):
        assert main(["-v", *argv]) == 2
    assert capsys.readouterr().err.endswith(f"error: rank 1 of 4: {errors[1][1]}\n")
    logged = caplog.text
    assert "Original Traceback" in logged and "in __getitem__" in logged


def test_a_setting_refusal_in_a_dataloader_worker_is_one_line_not_a_traceback(monkeypatch, capsys):
    """A ``BGSSettingError`` took only a ``say`` callable, which torch's ``ExceptionWrapper.reraise`` cannot give it
    (it calls ``type(err)(message)``): with ``--dataloader_num_workers 2`` the refusal became a ``RuntimeError`` and
    ``bgs_hf.train`` ended in a traceback. Now it is the line ``--dataloader_num_workers 0`` prints, a setting it names
    named as the flag too (``--val_split paper``; was ``val_split 'paper'``, the worker's words: its naming did not
    cross processes), and so is a ``BudgetError`` or ``DeadLoraError``, whose constructors take other arguments (was a
    ``RuntimeError`` traceback)."""
    import torch

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSSettingError
    from bgs_hf.models.liveness import DeadLoraError
    from bgs_hf.synth.budget import BudgetError
    from bgs_hf.train import main

    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)

    class Refusing(torch.utils.data.Dataset):
        def __init__(self, refusal) -> None:
            self.refusal = refusal

        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> int:
            raise self.refusal()

    def loading(refusal, workers: int):
        def train(config):
            for _ in torch.utils.data.DataLoader(Refusing(refusal), num_workers=workers):
                pass

        return train

    argv = ["--data", "x", "--output_dir", "/tmp/unused"]
    for refusal, line in (
            (lambda: BGSSettingError(lambda n: "the abstract set needs 3 clips"), "the abstract set needs 3 clips"),
            (lambda: BGSSettingError(lambda n: f"{n('val_split', 'paper')} needs at least 2 train clips, got 1"),
             "--val_split paper needs at least 2 train clips, got 1"),
            (lambda: BudgetError(lambda n: f"SocialShapes with {n('n_clips', 10000)} needs about 69 GB of memory: set "
                                           f"{n('force')} to run anyway", "about 69 GB of memory"),
             "SocialShapes with --n_clips 10000 needs about 69 GB of memory: set --force to run anyway"),
            (lambda: DeadLoraError(["blocks.0.attn.qkv"], 4),
             "1 of 4 LoRA modules are dead (zero lora_B gradient): blocks.0.attn.qkv; choose targets on the forward "
             "path (--lora_target_modules)")):
        for workers in (0, 2):
            monkeypatch.setattr(api, "train_bgs", loading(refusal, workers))
            assert main(argv) == 2, (line, workers)
            assert capsys.readouterr().err == f"error: {line}\n", workers


def test_python_m_bgs_hf_train_prints_each_scored_splits_fit_on_the_main_process_only(monkeypatch, capsys):
    """Mutation audit (quickstart and top-level helpers, second pass): every rank of a launch printing the run folder
    and fit, and ``pct_of_ceiling`` left out of the printed fit, both passed (only full training runs read the output,
    on one process). The fit is the headline numbers in their printed forms (raw JSON before), metrics.json named for
    the unrounded ones; a split with nothing scored is left out."""
    from types import SimpleNamespace

    import bgs_hf.training.api as api
    from bgs_hf.train import main

    fit = {"r2": 0.25, "r2_ci": [0.1, 0.4], "rsa_spearman": 0.5, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.625,
           "pct_of_ceiling": 50.0, "ceiling_r2": 0.5, "n_pairs": 9, "n_judgments": 8}

    def run_on(main_process: bool):
        return lambda config: SimpleNamespace(trainer=SimpleNamespace(args=SimpleNamespace(should_save=main_process)),
                                              metrics={"val": {}, "test": fit}, output_dir="RUN", wall_s=2.0)

    monkeypatch.setattr(api, "train_bgs", run_on(False))
    assert main(["--data", "x", "--output_dir", "/tmp/unused"]) == 0 and capsys.readouterr().out == ""
    monkeypatch.setattr(api, "train_bgs", run_on(True))
    assert main(["--data", "x", "--output_dir", "/tmp/unused"]) == 0
    # by hand: R² 0.25 [0.1, 0.4] of a 0.5 ceiling is 50%; ρ 0.5; 2 of 5 and 5 of 8 right; the unrounded R² is
    # metrics.json's (the printed JSON read 0.07499999999999998); 8 judgments are under 100: the small-split note
    assert capsys.readouterr().out == (
        "run folder: RUN  (2.0 s)\n"
        "  test  R² 0.250 [0.100, 0.400], noise ceiling 0.500, 50.0% of ceiling, RSA ρ 0.500, 3-way acc 40.0% "
        "(chance 33.3%), 2-way acc 62.5% (chance 50%) over 8 judgments\n"
        "        note: the test split (8 judgments) is too small for its 95% CIs to say anything (under 100 judgments, "
        "the fewest `bgs-hf data validate` expects CIs to be read on)\n"
        "metrics (JSON): RUN/metrics.json\n")


def test_bgs_hf_train_notes_each_split_too_small_for_its_cis_once_and_a_demo_sized_split_not_at_all(monkeypatch,
                                                                                                       capsys):
    """`baseline`, `evaluate` and the report say when a split is too small for its 95% CIs to say anything; `bgs-hf
    train`'s closing lines printed a 5-clip split's R² [-1.000, 1.000] without a word. Each scored split that needs it
    gets the one note below its own line (under 100 judgments, or an R² interval 1.8 or more wide); the demo's splits
    print their lines alone (each accuracy beside its chance level)."""
    from types import SimpleNamespace

    import bgs_hf.training.api as api
    from bgs_hf.train import main

    def fit(r2_ci, n_clips, n_judgments, hits3, hits2):
        return {"r2": 0.0625, "r2_ci": r2_ci, "rsa_spearman": 0.25, "ooo_acc_3way": hits3 / n_judgments,
                "ooo_acc_2way": hits2 / n_judgments, "pct_of_ceiling": 12.5, "ceiling_r2": 0.5, "n_pairs": 9,
                "n_clips": n_clips, "n_judgments": n_judgments, "split": "?"}

    said = "is too small for its 95% CIs to say anything"
    demo_val, demo_test = fit([0.0, 0.125], 25, 200, 100, 150), fit([0.0, 0.125], 50, 348, 174, 261)
    tiny_val, tiny_test = fit([-1.0, 1.0], 5, 150, 50, 75), fit([0.0, 0.125], 5, 8, 4, 6)
    # by hand: 0.0625 of a 0.5 ceiling is 12.5%; 100/200 and 174/348 are 50.0%, 150/200 and 261/348 75.0%, 50/150
    # 33.3%, 75/150 50.0%, 4/8 50.0%, 6/8 75.0%
    line = ("  {}  R² 0.062 [{}], noise ceiling 0.500, 12.5% of ceiling, RSA ρ 0.250, 3-way acc {} (chance 33.3%), "
            "2-way acc {} (chance 50%) over {} judgments")
    demo = [line.format("val ", "0.000, 0.125", "50.0%", "75.0%", 200),
            line.format("test", "0.000, 0.125", "50.0%", "75.0%", 348)]
    for val, test, notes in [
        (demo_val, demo_test, []),
        (tiny_val, demo_test, [f"        note: the val split (5 clips, 150 judgments) {said} (an R² interval spans "
                               "most of R²'s range, -1 to 1)"]),
        (tiny_val, tiny_test, [f"        note: the val split (5 clips, 150 judgments) {said} (an R² interval spans "
                               "most of R²'s range, -1 to 1)",
                               f"        note: the test split (5 clips, 8 judgments) {said} (under 100 judgments, the "
                               "fewest `bgs-hf data validate` expects CIs to be read on)"]),
    ]:
        result = SimpleNamespace(trainer=SimpleNamespace(args=SimpleNamespace(should_save=True)),
                                 metrics={"val": val, "test": test}, output_dir="RUN", wall_s=2.0)
        monkeypatch.setattr(api, "train_bgs", lambda config, result=result: result)
        assert main(["--data", "x", "--output_dir", "/tmp/unused"]) == 0
        printed = capsys.readouterr().out.splitlines()
        fits = printed[1:-1]
        if not notes:
            assert fits == demo
            continue
        val_line = line.format("val ", "-1.000, 1.000", "33.3%", "50.0%", 150)
        test_line = demo[1] if test is demo_test else line.format("test", "0.000, 0.125", "50.0%", "75.0%", 8)
        assert fits == [val_line, notes[0], test_line, *notes[1:]]


def test_a_broken_test_video_stops_the_run_before_training(socialshapes, tmp_path, capsys):
    """The scored clips were first read after training: the adapter was written, metrics.json never, and the
    folder refused a rerun."""
    import shutil

    from bgs_hf.cli.main import main
    from bgs_hf.data import load

    data_dir = tmp_path / "ss"
    shutil.copytree(socialshapes, data_dir)
    data = load(data_dir, seed=1)
    test_clip = data.clip_ids[int(data.splits["test"][0])]
    video = data_dir / "data" / "raw" / "videos" / test_clip
    video.write_bytes(video.read_bytes()[:600])
    out = tmp_path / "run"
    rc = main(["train", "--data", str(data_dir), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
               "--max_steps", "2", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", "1"])
    assert rc == 2 and test_clip in capsys.readouterr().err
    assert not (out / "adapter_model.safetensors").exists() and not list(out.glob("checkpoint-*"))


def test_data_without_videos_is_one_line_before_the_model_loads(socialshapes, tmp_path, capsys, monkeypatch):
    """The paper's release ships no videos: training on it said `clip 9 has no video file` after loading the model."""
    import shutil

    import bgs_hf.training.api as api
    from bgs_hf.cli.main import main
    from bgs_hf.data import load

    data_dir = tmp_path / "ss"
    shutil.copytree(socialshapes, data_dir)
    shutil.rmtree(data_dir / "data" / "raw" / "videos")
    first_train = load(data_dir, seed=1).split_items("train")

    def no_model(*args, **kwargs):
        raise AssertionError("the model was built before the missing videos were noticed")

    monkeypatch.setattr(api, "_build_model", no_model)
    rc = main(["train", "--data", str(data_dir), "--backbone", "tiny-random-videomae", "--output-dir",
               str(tmp_path / "run"), "--max_steps", "2", "--disable_tqdm", "true", "--seed", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "have no video file" in err and "raw/videos/<video_name>" in err
    assert len(first_train) > 0 and err.count("\n") == 1


def test_scoring_the_evaluation_clips_has_a_bar_naming_its_split_and_disable_tqdm_turns_it_off(
        socialshapes, tmp_path, capsys, monkeypatch):
    """The trained model's val and test clips were embedded for metrics.json (and the val clips at every evaluation)
    with no bar: minutes of silence on a real backbone. Each now has one ("scoring val clips", counting the clips;
    drawn, like every bar of ours over often-instant work, after `BAR_DELAY_S`, here 0). `--disable_tqdm true` turns
    it off, and the "checking evaluation clips" bar with it (that one heeded only the main process: 22 clips here)."""
    import re

    import bgs_hf._bars
    from bgs_hf.cli.main import main
    from bgs_hf.data import load

    monkeypatch.setattr(bgs_hf._bars, "BAR_DELAY_S", 0)
    data = load(socialshapes, seed=1)  # the run's splits: --seed 1 draws validation, test is the data's own
    n_val, n_test = len(data.splits["val"]), len(data.splits["test"])
    assert n_val + n_test >= 20 and n_val != n_test  # the checking bar is drawn; each count names its own split
    flags = ["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--max_steps", "1",
             "--clips_per_step", "8", "--seed", "1", "--eval_strategy", "no", "--save_strategy", "no",
             "--load_best_model_at_end", "false"]
    capsys.readouterr()
    assert main([*flags, "--output-dir", str(tmp_path / "bars")]) == 0
    err = capsys.readouterr().err
    for split, n in (("val", n_val), ("test", n_test)):
        assert re.search(rf"scoring {split} clips: 100%\|[^\r\n]*\| {n}/{n} \[", err), err[-3000:]
    assert "checking evaluation clips" in err
    assert main([*flags, "--output-dir", str(tmp_path / "quiet"), "--disable_tqdm", "true"]) == 0
    err = capsys.readouterr().err
    assert "scoring" not in err and "checking evaluation clips" not in err, err[-3000:]
    assert "r2" in json.loads((tmp_path / "quiet" / "metrics.json").read_text())["test"]  # scored all the same


def test_every_training_seed_is_scored_on_the_test_clips_data_stats_shows(socialshapes, tmp_path):
    """Without stimulus_set the test clips are a seeded draw; it followed the training --seed (Trainer default 42),
    so `data stats` showed other test clips than `train` scored, and each training seed had its own test set."""
    import pandas as pd

    from bgs_hf.cli.main import main
    from bgs_hf.data import load
    from bgs_hf.data.hub import write_hub

    folder = write_hub(load(socialshapes, seed=0), tmp_path / "hub")
    (clips_file,) = (folder / "clips").glob("*.parquet")
    pd.read_parquet(clips_file).drop(columns=["stimulus_set"]).to_parquet(clips_file)
    shown = load(folder, seed=0)  # what `bgs-hf data stats` (default --seed 0) reports
    tests = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        assert main(["train", "--data", str(folder), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
                     "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--seed", seed,
                     "--eval_strategy", "no", "--save_strategy", "no", "--load_best_model_at_end", "false"]) == 0
        tests.append(json.loads((out / "run_config.json").read_text())["splits"]["test"])
    assert tests[0] == tests[1] == sorted(shown.clip_ids[i] for i in shown.splits["test"])


@pytest.mark.parametrize("entry", ["bgs_hf.cli.main", "bgs_hf.train"])
def test_info_lines_come_from_the_main_process_only(entry):
    """A 2-process launch printed every INFO line twice, once per rank; the other ranks keep errors. Warnings every
    rank computes alike come once per machine (LOCAL_RANK 0); one logged while a process loads its own clips
    (``own_part``), and other libraries' warnings, from every process."""
    code = (f"import logging; from {entry} import console; from bgs_hf._launch import own_part\n"
            "log = logging.getLogger('bgs_hf.probe')\n"
            "with console(False):\n"
            "    log.info('info line'); log.warning('warning line'); log.error('error line')\n"
            "    logging.getLogger('peft').warning('other library')\n"
            "    with own_part(): log.warning('own clip')\n")
    for rank, local_rank, info, warning in (("0", "0", True, True), ("1", "0", False, True), ("1", "1", False, False)):
        env = {**__import__("os").environ, "RANK": rank, "LOCAL_RANK": local_rank}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 0, proc.stderr
        assert ("info line" in proc.stderr) is info and ("warning line" in proc.stderr) is warning, proc.stderr
        assert all(line in proc.stderr for line in ("own clip", "other library", "error line")), proc.stderr


def test_a_second_sigterm_kills_a_cleanup_that_hangs(tmp_path):
    """The first SIGTERM runs the command's cleanup (as Ctrl-C does); a cleanup that hangs (a barrier whose peers are
    gone) must not make the process immune: a second SIGTERM ended nothing, only SIGKILL did."""
    import os
    import signal
    import time

    started, flag = tmp_path / "command-started", tmp_path / "cleanup-started"
    code = ("import time, pathlib; from bgs_hf.cli.main import run_guarded\n"
            "def command():\n"
            f"    try:\n        pathlib.Path({str(started)!r}).touch(); time.sleep(60)\n"
            f"    finally:\n        pathlib.Path({str(flag)!r}).touch(); time.sleep(60)\n"
            "run_guarded(command)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 120
    while not started.exists():  # the handler is in place once the command runs
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    while not flag.exists():
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM


def test_val_split_paper_trains_on_the_papers_recipe_and_the_run_says_so(socialshapes, tmp_path, capsys):
    """`--val_split paper`: validation is the paper's v1 recipe (scikit-learn, random_state 42) on the train clips; the
    run records which validation it used (run_config.json, the card). A value that is not a split name, or a
    --val_fraction the paper's draw does not hold out, is refused before anything loads."""
    from bgs_hf.cli.main import main
    from bgs_hf.data import load
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import parse

    assert parse(["--data", "d", "--output_dir", "/tmp/x"]).data.val_split == "seeded"
    assert parse(["--data", "d", "--output_dir", "/tmp/x", "--val_split", "paper"]).data.val_split == "paper"
    with pytest.raises(BGSInputError, match=r"^--val_split paper holds out the paper's 0.2 of train clips, not "
                                            r"--val_fraction 0.1: drop --val_fraction \(or use --val_split seeded\)$"):
        parse(["--data", "d", "--output_dir", "/tmp/x", "--val_split", "paper", "--val_fraction", "0.1"])
    with pytest.raises(SystemExit) as refused:  # argparse's choices
        main(["train", "--data", "d", "--output_dir", str(tmp_path / "no"), "--val_split", "v1"])
    assert refused.value.code == 2
    assert "'v1'" in capsys.readouterr().err and not (tmp_path / "no").exists()
    out = tmp_path / "paper"
    assert main(["train", "--data", str(socialshapes), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
                 "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--val_split", "paper"]) == 0
    run = json.loads((out / "run_config.json").read_text())
    paper = load(socialshapes, val_split="paper")
    assert run["splits"]["val"] == sorted(paper.clip_ids[i] for i in paper.splits["val"])
    assert run["splits"]["val"] != sorted(load(socialshapes).clip_ids[i] for i in load(socialshapes).splits["val"])
    n_val, n_fit = len(paper.splits["val"]), len(paper.split_items("fit"))
    note = f"{n_val} of {n_fit} train clips (the paper's v1 recipe: scikit-learn train_test_split, random_state 42)"
    assert run["data"]["val_split"] == "paper" and run["data"]["validation"] == note
    assert f"`validation={note}`" in (out / "README.md").read_text()


@pytest.mark.parametrize(("flags", "message"), [
    (["--memory_cache_mb", "nan"], "--memory_cache_mb must be a finite number >= 0"),  # was a ValueError traceback
    (["--memory-cache-mb", "-5"], "--memory-cache-mb must be a finite number >= 0"),  # was: accepted
    (["--memory_cache_mb", "inf"], "--memory_cache_mb must be a finite number >= 0"),  # mutation audit: only nan
    (["--data_seed", "4294967296"], "--data_seed must be in [0, 2**32), got 4294967296"),  # numpy refuses it late
    (["--cache_dir", "FILE"], "--cache_dir is a file, not a folder"),  # was FileExistsError after the model built
    # was: NotADirectoryError once the data had loaded and the model was built (the cache folder is made then)
    (["--cache_dir", "FILE/clips"], "--cache_dir cannot be written: afile is a file, not a folder"),
    (["--clips_per_step", "-3"], "--clips_per_step must be >= 0"),  # was refused after the data and model loaded
    (["--embed_chunk", "-2"], "--embed_chunk must be >= 0"),  # was: accepted
    (["--early_stopping_patience", "-1"], "--early_stopping_patience must be >= 0"),  # was: accepted, as 0 (off)
    (["--head_dim", "-1"], "--head_dim must be >= 0"),  # was: accepted, as 0 (no head)
    (["--head_dim", "2"], "--head_dim: head out_dim must be >= 3, got 2"),  # was: one-hot embeddings, LoRA "dead"
    # these trained zero steps and exited 0, saving the untrained initialisation as the run's adapter
    (["--num_train_epochs", "0", "--max_steps", "-1"], "--num_train_epochs 0 with --max_steps -1 trains no step"),
    (["--num-train-epochs", "0"], "--num-train-epochs 0 with --max_steps -1 trains no step"),
    (["--num_train_epochs", "-2", "--max_steps", "0"], "--num_train_epochs -2 with --max_steps 0 trains no step"),
    # taken by the Trainer as its step count (it counts in epochs only below 0): 1 step trained, exit 0, as the run
    (["--max_steps", "0"], "--max_steps 0 is a step count, not 'count in epochs' (the Trainer would train 1 step and "
                           "stop): give --max_steps > 0, or -1 (the default) for --num_train_epochs 50 to set them"),
    (["--num_train_epochs", "nan"], "--num_train_epochs must be a finite number"),  # was a ValueError traceback
    # these named the setting, not the flag (`head dropout must be ...`, `unknown recipe 'nope'`)
    (["--head_dropout", "1.5"], "--head_dropout: head dropout must be in [0, 1), got 1.5"),
    (["--head-dropout", "1.5"], "--head-dropout: head dropout must be in [0, 1), got 1.5"),
    (["--lora_alpha", "0"], "--lora_alpha: LoRA alpha must be a finite number > 0, got 0"),
    (["--lora-dropout", "2"], "--lora-dropout: LoRA dropout must be in [0, 1)"),
    (["--recipe", "nope"], "--recipe: unknown recipe 'nope'"),
    # fuzzing: each failed in torch or the Trainer once the data and the model had loaded (or trained nothing)
    (["--gradient_accumulation_steps", "0"], "--gradient_accumulation_steps must be >= 1, got 0"),  # ZeroDivisionError
    (["--gradient-accumulation-steps", "-1"], "--gradient-accumulation-steps must be >= 1"),  # trained no step, exit 0
    (["--per_device_eval_batch_size", "0"], "--per_device_eval_batch_size must be >= 1"),  # range() error after training
    (["--warmup_steps", "inf"], "--warmup_steps must be a finite number >= 0, got inf"),  # OverflowError at step 0
    (["--weight_decay", "nan"], "--weight_decay must be a finite number >= 0, got nan"),  # diverged, blaming the LR
    (["--adam_beta1", "2"], "--adam_beta1 must be in [0, 1), got 2.0"),  # torch's "Invalid beta parameter"
    (["--adam_epsilon", "-1"], "--adam_epsilon must be a finite number >= 0, got -1.0"),  # torch's ValueError
    # one wording: --weight_decay said "got -1" where --adam_epsilon, in the same check, said "got -1.0"
    (["--weight_decay", "-1"], "--weight_decay must be a finite number >= 0, got -1.0"),
    (["--logging_steps", "inf"], "--logging_steps must be a finite number"),  # an OverflowError traceback
    (["--eval_strategy", "steps", "--eval-steps", "inf"], "--eval-steps must be a finite number"),  # the same
    (["--max_memory", "0GB"], "--max_memory: '0GB' is no budget"),  # picked embed_chunk 1, the slowest chunking
    # named no flag (`num_frames must be >= 1, got 0`), with or without interpolation
    (["--num_frames", "0"], "error: --num_frames must be >= 1, got 0"),
    (["--num-frames", "-3", "--interpolate_frames"], "error: --num-frames must be >= 1, got -3"),
    # transformers' SIGTERM handler: the run stopped early, then saved and scored as if finished, exit 0
    (["--enable_jit_checkpoint"], "error: --enable_jit_checkpoint is not supported: transformers' SIGTERM handler"),
    (["--enable-jit-checkpoint", "true"], "error: --enable-jit-checkpoint is not supported"),
    # the Trainer counts in epochs below 0: -5 trained --num_train_epochs (50) without a word, exit 0
    (["--max_steps", "-5"], "--max_steps must be >= 1, or -1 for --num_train_epochs to set them, got -5"),
    (["--max-steps", "-2"], "--max-steps must be >= 1, or -1 for --num_train_epochs to set them, got -2"),
    # taken without a word: a negative logging interval, every checkpoint kept, no clipping, eval_steps replaced by
    # logging_steps; a negative warmup was transformers' own line, naming no allowed value
    (["--logging_steps", "-1"], "error: --logging_steps must be > 0 (a number of steps, or below 1 a fraction"),
    (["--save_total_limit", "-1"], "error: --save_total_limit must be >= 1, or 0 to keep every checkpoint, got -1"),
    (["--max_grad_norm", "-1"], "error: --max_grad_norm must be >= 0 (0: no gradient clipping), got -1.0"),
    (["--max-grad-norm", "nan"], "error: --max-grad-norm must be >= 0 (0: no gradient clipping), got nan"),
    (["--eval_strategy", "steps", "--eval_steps", "0"],
     "error: --eval_steps must be > 0 (a number of steps, or below 1 a fraction of the run's steps; leave it out to"),
    (["--warmup_steps", "-1"], "error: --warmup_steps must be a finite number >= 0, got -1.0"),
])
def test_bad_training_flags_are_refused_before_the_data_loads(tmp_path, capsys, flags, message):
    """Each named its flag only late (after the data, the model, or both), or not at all; here the data does not
    exist, so a refusal that names the flag came first, and the output folder is never made."""
    from bgs_hf.cli.main import main

    afile = tmp_path / "afile"
    afile.write_text("")
    flags = [f.replace("FILE", str(afile)) for f in flags]
    rc = main(["train", "--data", str(tmp_path / "missing"), "--backbone", "tiny-random-videomae", "--output_dir",
               str(tmp_path / "run"), *flags])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()


def test_a_refused_output_folder_is_named_by_the_path_given(tmp_path, capsys, monkeypatch):
    """`--output-dir runs/a/bgs` holding an earlier run was refused as `bgs: holds an earlier run (metrics.json)`,
    and a file there as `bgs: --output_dir is a file, not a folder`: with runs/a/bgs and runs/b/bgs the user could
    not tell which folder was meant. Each line now names the path as given, under the flag as typed, before the data
    is read (it does not exist here); nothing is touched."""
    from bgs_hf.cli.main import main

    monkeypatch.chdir(tmp_path)
    for run in ("runs/a/bgs", "runs/b/bgs"):
        (tmp_path / run).mkdir(parents=True)
        (tmp_path / run / "metrics.json").write_text("{}")
    (tmp_path / "runs" / "c").mkdir()
    (tmp_path / "runs" / "c" / "bgs").write_text("keep me")
    train = ["train", "--data", str(tmp_path / "missing"), "--backbone", "tiny-random-videomae", "--max_steps", "1"]
    earlier = ("holds an earlier run (metrics.json): choose a new {}, resume it with --resume_from_checkpoint, or pass "
               "--overwrite_output_dir")
    for flag, run, says in (("--output-dir", "runs/a/bgs", earlier.format("--output-dir")),
                            ("--output_dir", "runs/b/bgs", earlier.format("--output_dir")),
                            ("--output-dir", "runs/c/bgs", "is a file, not a folder")):
        assert main([*train, flag, run]) == 2
        assert capsys.readouterr().err == f"error: {flag} {run} {says}\n"
    assert [(tmp_path / r / "metrics.json").read_text() for r in ("runs/a/bgs", "runs/b/bgs")] == ["{}", "{}"]
    assert (tmp_path / "runs" / "c" / "bgs").read_text() == "keep me"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "runs", "runs/a", "runs/a/bgs", "runs/a/bgs/metrics.json", "runs/b", "runs/b/bgs", "runs/b/bgs/metrics.json",
        "runs/c", "runs/c/bgs"]


#: a typo of each string flag with a fixed set of values (one edit from the value meant), that value, and its setting
#: in the Python API (its dataclass, or the TrainingArguments dict)
TYPOS = [
    ("--recipe", "paper_v1", "paper-v1", "bgs"), ("--recipe", "cahced", "cached", "bgs"),
    ("--local_loss", "tripet", "triplet", "bgs"), ("--local-loss", "odd_one_out", "odd-one-out", "bgs"),
    ("--rsa_method", "peason", "pearson", "bgs"), ("--rsa-method", "soft-spearman", "soft_spearman", "bgs"),
    ("--metric_for_best_model", "eval_rsaa", "eval_rsa", "training"),
    ("--metric-for-best-model", "ooo_acc_3wya", "eval_ooo_acc_3way", "training"),
]


@pytest.mark.parametrize(("flag", "typo", "meant", "group"), TYPOS)
def test_a_mistyped_value_of_a_string_flag_says_which_value_was_meant(tmp_path, capsys, flag, typo, meant, group):
    """``--recipe paper_v1`` or ``--local_loss tripet`` was refused in one line with no "did you mean" (the flags have
    no argparse choices: the library checks them, for the Python API too), and a mistyped ``--metric_for_best_model``
    only once the data and the model had loaded. The hint comes from the one check of each set, so the Python API's
    refusal has it too."""
    from bgs_hf.cli.main import main
    from bgs_hf.errors import BGSInputError
    from bgs_hf.training import BGSArguments, DataArguments, ModelArguments, TrainConfig, train_bgs

    rc = main(["train", "--data", str(tmp_path / "missing"), "--backbone", "tiny-random-videomae", "--output_dir",
               str(tmp_path / "run"), flag, typo])
    err = capsys.readouterr().err
    assert rc == 2 and f"(did you mean {meant!r}?)" in err and err.count("\n") == 1, err
    assert err.startswith(f"error: {flag}") and repr(typo) in err, err
    assert not (tmp_path / "run").exists()

    setting = {flag[2:].replace("-", "_"): typo}
    config = TrainConfig(data=DataArguments(data=str(tmp_path / "missing")),
                         model=ModelArguments(backbone="tiny-random-videomae"),
                         bgs=BGSArguments(**setting) if group == "bgs" else BGSArguments(),
                         training={"output_dir": str(tmp_path / "api"), **(setting if group == "training" else {})})
    with pytest.raises(BGSInputError, match=re.escape(typo) + ".*" + re.escape(f"(did you mean {meant!r}?)")):
        train_bgs(config)
    assert not (tmp_path / "api").exists()


def test_help_names_the_values_of_each_string_flag_with_a_fixed_set():
    """``-h`` lists what each such flag takes (no argparse choices show them): ``--metric_for_best_model`` kept
    transformers' help, "Defaults to 'loss'", a metric BGS evaluation does not report, and named no value."""
    from bgs_hf.train import build_parser

    shown = " ".join(build_parser([]).format_help().split())

    def help_of(flag: str, next_flag: str) -> str:
        return shown[shown.index(f"{flag} {flag[2:].upper()}"):shown.index(next_flag)]

    values = {("--recipe", "--clips_per_step"): ["clip-batched", "paper-v1", "triplet-only", "rsa-only", "cached"],
              ("--local_loss", "--margin"): ["triplet", "odd-one-out"],
              ("--rsa_method", "--alpha"): ["pearson", "soft_spearman"],
              ("--metric_for_best_model", "--greater_is_better"): [
                  "eval_rsa", "eval_rsa_pearson", "eval_r2", "eval_ooo_acc_3way", "eval_ooo_acc_2way"]}
    for (flag, next_flag), names in values.items():
        text = help_of(flag, next_flag)
        assert all(name in text for name in names), (flag, text)
    assert "Defaults to 'loss'" not in help_of("--metric_for_best_model", "--greater_is_better")


@pytest.mark.parametrize(("flags", "message"), [
    # named the Python setting (`val_split 'paper' ... use val_split 'seeded'`), beside a flag
    (["--val_split", "paper", "--val_fraction", "0.1"],
     "error: --val_split paper holds out the paper's 0.2 of train clips, not --val_fraction 0.1: drop --val_fraction "
     "(or use --val_split seeded)"),
    (["--val-split", "paper", "--val-fraction", "0.1"],
     "error: --val-split paper holds out the paper's 0.2 of train clips, not --val-fraction 0.1: drop --val-fraction "
     "(or use --val-split seeded)"),
    (["--val_split", "paper", "--val-fraction=0.3"], "not --val-fraction 0.3: drop --val-fraction (or use --val_split "
                                                     "seeded)"),
])
def test_val_split_refusals_name_the_flags_as_typed(tmp_path, capsys, flags, message):
    """`bgs-hf train --val_split paper --val_fraction 0.1` said "(or use val_split 'seeded')", the Python spelling."""
    from bgs_hf.cli.main import main

    rc = main(["train", "--data", str(tmp_path / "missing"), "--output_dir", str(tmp_path / "run"), *flags])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1, err
    assert "'paper'" not in err and "'seeded'" not in err
    assert not (tmp_path / "run").exists()


def test_val_split_paper_on_data_with_val_labels_names_the_flag(tmp_path, capsys):
    """Data whose stimulus_set names val clips, trained with `--val-split paper`: the refusal named `val_split 'paper'`
    and `val_split 'seeded'`, the Python spelling, not the flag typed."""
    from bgs_hf.cli.main import main
    from bgs_hf.data.testing import tiny_release_tables, write_release

    tables = tiny_release_tables(n_clips=16, n_test=5, trials_per_participant=30)
    tables.annotations.loc[6, "stimulus_set"] = "val"
    folder = write_release(tables, tmp_path / "rel")
    rc = main(["train", "--data", str(folder), "--backbone", "tiny-random-videomae", "--output-dir",
               str(tmp_path / "run"), "--val-split", "paper"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert ("annotations.csv: stimulus_set names 1 val clip: --val-split paper draws validation from the train "
            "clips itself; drop the val labels or use --val-split seeded") in err, err


def test_a_failed_collective_is_one_line_on_each_machines_first_process_and_other_errors_stay_crashes(monkeypatch,
                                                                                                        capsys,
                                                                                                        tmp_path):
    """Mutation audit of ``_once_per_launch``'s merged except clause: only the multi-process runs of
    test_distributed.py raised a real collective failure, and they accept an empty stderr, so LOCAL_RANK 0 staying
    silent, status 1, any error from torch/distributed/ or a RuntimeError that merely passed through a collective
    taken for one, and the checkpoint line after an error, all passed. A RuntimeError whose innermost frame is in
    torch/distributed/ (a gloo peer gone) ends status 2 with the one line on LOCAL_RANK 0 and nothing else (no
    checkpoint line: that is for Ctrl-C and SIGTERM); the other local ranks are silent. A RuntimeError raised by our
    own code called back from a collective, or a ValueError from torch/distributed/, is a crash, raised as it is."""
    from types import SimpleNamespace

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.train import main

    torch_distributed: dict = {}  # functions whose frames sit in a file under torch/distributed/, as torch's do
    exec(compile("def collective(then):\n    return then()\n\n"
                 "def peer_gone():\n    raise RuntimeError('Connection closed by peer [127.0.0.1]:29500')\n\n"
                 "def not_a_tensor():\n    raise ValueError('expected a tensor')\n",
                 str(tmp_path / "torch" / "distributed" / "distributed_c10d.py"), "exec"), torch_distributed)

    def ours():
        raise RuntimeError("our own bug")

    run = tmp_path / "run"
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: SimpleNamespace(training=SimpleNamespace(output_dir=str(run))))
    monkeypatch.setenv("WORLD_SIZE", "4")
    argv = ["--data", "x", "--output_dir", str(run)]
    line = ("error: rank {} stopped: a collective operation failed, most likely because another process of the "
            "launch stopped first (its own error says why; -v for this one's traceback)\n")
    monkeypatch.setattr(api, "train_bgs", lambda config: torch_distributed["collective"](torch_distributed["peer_gone"]))
    for rank, local_rank, said in (("0", "0", line.format(0)), ("2", "0", line.format(2)), ("3", "1", "")):
        monkeypatch.setenv("RANK", rank)
        monkeypatch.setenv("LOCAL_RANK", local_rank)
        assert main(argv) == 2, rank
        assert capsys.readouterr().err == said, rank
    for rank, local_rank in (("0", "0"), ("3", "1")):
        monkeypatch.setenv("RANK", rank)
        monkeypatch.setenv("LOCAL_RANK", local_rank)
        monkeypatch.setattr(api, "train_bgs", lambda config: torch_distributed["collective"](ours))
        with pytest.raises(RuntimeError, match="^our own bug$"):
            main(argv)
        monkeypatch.setattr(api, "train_bgs", lambda config: torch_distributed["not_a_tensor"]())
        with pytest.raises(ValueError, match="^expected a tensor$"):
            main(argv)


def _rank_0_of_two_raising_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, file: str
                              ) -> tuple[Path, Callable[[str], None]]:
    """Rank 0 (LOCAL_RANK 0) of a 2-process launch whose flags name the run folder it returns, and a function that
    raises ``RuntimeError(text)`` from a frame in ``torch/distributed/<file>``, as torch's own errors are raised."""
    from types import SimpleNamespace

    import bgs_hf.train

    torch_distributed: dict = {}
    exec(compile("def fail(text):\n    raise RuntimeError(text)\n", str(tmp_path / "torch" / "distributed" / file),
                 "exec"), torch_distributed)
    run = tmp_path / "run"
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: SimpleNamespace(training=SimpleNamespace(output_dir=str(run))))
    for name, value in (("WORLD_SIZE", "2"), ("RANK", "0"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    return run, torch_distributed["fail"]


def test_a_collective_that_timed_out_is_said_as_a_stalled_process_not_a_stopped_one(monkeypatch, capsys, tmp_path):
    """A process of a 2-process CPU launch stalled without exiting (a hung file system) and the other's collective
    waited ``--ddp_timeout``: gloo's "Timed out waiting 15000ms for recv operation to complete" was said as "most
    likely because another process of the launch stopped first (its own error says why", though none had stopped and
    none said anything. It is said as a timeout; a peer that closed its connection keeps its line."""
    import bgs_hf.training.api as api
    from bgs_hf.train import main

    run, raise_in_torch = _rank_0_of_two_raising_in(monkeypatch, tmp_path, "distributed_c10d.py")
    timed_out = ("[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:78] Timed out waiting "
                 "15000ms for recv operation to complete")
    for text, said in ((timed_out, "error: rank 0 stopped: a collective operation timed out (--ddp_timeout): another "
                                   "process of the launch did not reach it in time (its own log says how far it got; -v "
                                   "for this one's traceback)\n"),
                       ("Connection closed by peer [127.0.0.1]:29500", "error: rank 0 stopped: a collective operation "
                        "failed, most likely because another process of the launch stopped first (its own error says "
                        "why; -v for this one's traceback)\n")):
        monkeypatch.setattr(api, "train_bgs", lambda config, text=text: raise_in_torch(text))
        assert main(["--data", "x", "--output_dir", str(run)]) == 2
        assert capsys.readouterr().err == said
    # mutation audit (363ce99..bcac884): a node's other processes say nothing of a timeout either, as of a failure
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(api, "train_bgs", lambda config: raise_in_torch(timed_out))
    assert main(["--data", "x", "--output_dir", str(run)]) == 2
    assert capsys.readouterr().err == ""


def test_a_rendezvous_listen_failure_other_than_a_port_in_use_is_not_called_one(monkeypatch, capsys, tmp_path):
    """torch names the errno of a rendezvous server that could not listen (``EACCES`` for a port below 1024 a user
    may not open); only ``EADDRINUSE`` is another program holding the port (mutation audit of 9050391..52de397: the
    port alone matched, and a refused port was said to be "in use by another program")."""
    import bgs_hf.training.api as api
    from bgs_hf.train import main

    run, raise_in_torch = _rank_0_of_two_raising_in(monkeypatch, tmp_path, "rendezvous.py")
    failed = ("The server socket has failed to listen on any local network address. port: {}, useIpv6: false, code: "
              "{}, name: {}, message: {}")
    for port, code, errno, says in ((80, -13, "EACCES", "a collective operation failed"),
                                    (29500, -98, "EADDRINUSE", "port 29500 (MASTER_PORT), where the launch's")):
        text = failed.format(port, code, errno, "permission denied" if code == -13 else "address already in use")
        monkeypatch.setattr(api, "train_bgs", lambda config, text=text: raise_in_torch(text))
        assert main(["--data", "x", "--output_dir", str(run)]) == 2
        assert capsys.readouterr().err.startswith(f"error: rank 0 stopped: {says}"), errno


def test_the_launchers_sigterm_ends_a_silent_processs_wait_without_a_word(monkeypatch, capsys):
    """The launcher stops a process that waits in silence for the first process to say a refusal: its SIGTERM (raised
    as ``Terminated``) ends the wait, and the process ends as it would have, status 2 and nothing said (mutation audit
    of 9050391..52de397: without the wait's guard it said "terminated", status 143, under the first process's line)."""
    from types import SimpleNamespace

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.cli.main import Terminated
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import main

    def stopped(seconds: float) -> None:
        raise Terminated

    monkeypatch.setattr(bgs_hf.train, "time", SimpleNamespace(sleep=stopped))
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: None)
    monkeypatch.setenv("WORLD_SIZE", "2")
    _as_process(monkeypatch, "1", "1")
    for error in (BGSInputError("--foo: no"), SystemExit(2)):  # a refusal; argparse's usage error
        def refused(config, error=error):
            raise error

        monkeypatch.setattr(api, "train_bgs", refused)
        if isinstance(error, SystemExit):
            with pytest.raises(SystemExit) as ended:
                main(["--data", "x"])
            assert ended.value.code == 2
        else:
            assert main(["--data", "x"]) == 2
        assert capsys.readouterr().err == "", error


def test_python_m_bgs_hf_train_v_shows_a_failed_collectives_traceback(tmp_path):
    """The failed-collective line says "-v for this one's traceback", but under ``python -m bgs_hf.train`` (what
    every launch runs) the traceback went to the ``__main__`` logger, which ``-v`` does not open: -v showed nothing."""
    code = ("import runpy, sys\n"
            "from transformers import HfArgumentParser\n"
            "def parse_args_into_dataclasses(self, *args, **kwargs):  # as a collective would, with no group to form\n"
            "    ns = {}\n"
            f"    exec(compile('def gone():\\n    raise RuntimeError(\"Connection closed by peer\")\\n', "
            f"{str(tmp_path / 'torch' / 'distributed' / 'distributed_c10d.py')!r}, 'exec'), ns)\n"
            "    ns['gone']()\n"
            "HfArgumentParser.parse_args_into_dataclasses = parse_args_into_dataclasses\n"
            f"sys.argv = ['bgs_hf.train', '-v', '--data', 'x', '--output_dir', {str(tmp_path / 'run')!r}]\n"
            "runpy.run_module('bgs_hf.train', run_name='__main__', alter_sys=True)\n")
    env = {**os.environ, "WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "DEBUG bgs_hf.train: collective failed\nTraceback (most recent call last):" in proc.stderr, proc.stderr
    assert "RuntimeError: Connection closed by peer" in proc.stderr
    assert proc.stderr.endswith("(its own error says why; -v for this one's traceback)\n")


def test_a_launch_rank_that_ends_on_an_error_keeps_nothing_of_its_failed_run_alive(monkeypatch, capsys, tmp_path):
    """Mutation audit of ``_once_per_launch``'s traceback clearing: only test_distributed.py's 2-process run checked
    it, by one refusal that a rank other than the first ends silently, so the clearing kept off the path of an error
    the rank says itself (``error: rank 1 of 2: ...``, the environment's or its own clips'), or cut to the newest or
    the oldest error of a chain, passed. With the collector off (as a command's exit freezes it), the failed run (an
    object standing for its DDP model) is freed when ``main`` returns, whichever way the rank ends: a refusal that
    replaced the error that caused it (each in a cycle of its own with a frame holding the run), Ctrl-C, and a full
    disk said by rank 1 itself."""
    import errno
    import gc
    import weakref
    from types import SimpleNamespace

    import bgs_hf.train
    import bgs_hf.training.api as api
    from bgs_hf.errors import BGSInputError
    from bgs_hf.train import main

    class Run:
        """What a failed run's frames hold: its model, through DDP its process group and gloo's threads."""

    def raised_here(error: BaseException, run: Run) -> None:
        """Raises ``error`` from a frame holding it and the run: the error's traceback holds the frame (a cycle)."""
        raise error

    def refused(run: Run) -> None:
        try:
            raised_here(FileNotFoundError(errno.ENOENT, "No such file or directory"), run)
        except OSError as cause:
            raise BGSInputError("could not be read", path="judgments.csv") from cause

    runs: list[weakref.ref] = []

    def failing(fail: Callable[[Run], None]) -> Callable[[object], None]:
        def train(config: object) -> None:
            run = Run()
            runs.append(weakref.ref(run))
            fail(run)
        return train

    run_dir = tmp_path / "run"
    monkeypatch.setattr(bgs_hf.train, "parse", lambda flags: SimpleNamespace(training=SimpleNamespace(output_dir=str(run_dir))))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    cases = ((refused, 2, ""),
             (lambda run: raised_here(KeyboardInterrupt(), run), 130, ""),
             (lambda run: raised_here(OSError(errno.ENOSPC, "No space left on device"), run), 2, "error: rank 1 of 2: "))
    gc.collect()
    gc.disable()
    try:
        for i, (fail, status, said) in enumerate(cases):
            monkeypatch.setattr(api, "train_bgs", failing(fail))
            assert main(["--data", "x", "--output_dir", str(run_dir)]) == status, i
            err = capsys.readouterr().err
            assert err.startswith(said) and (err.count("\n") == 1 if said else err == ""), (i, err)
            assert runs[-1]() is None, f"case {i}: the failed run outlived main"
    finally:
        gc.enable()
    assert len(runs) == 3


@pytest.mark.parametrize("flag", ["--device", "--cuda", "--gpus", "--no_cuda"])
def test_a_device_flag_given_to_train_says_the_trainer_picks_the_device_not_a_flag_spelt_like_it(flag, tmp_path,
                                                                                                 capsys):
    """`bgs-hf train --device cuda:1` (as `baseline language` takes) was told "did you mean --recipe?", `--cuda`
    "--data?": flags of no such meaning. train has no device flag, launched or not: the Trainer picks the device, and
    `--use_cpu` is the one device setting, in the spelling typed."""
    from bgs_hf.train import main as train_main

    assert train_main(["--data", str(tmp_path), flag, "cuda:1"]) == 2
    use_cpu = "--use_cpu" if "_" in flag else "--use-cpu"
    assert capsys.readouterr().err.strip().endswith(
        f"unrecognized arguments: {flag} cuda:1 (bgs-hf train takes no device: the Trainer trains on the GPU where "
        "torch sees one, CUDA_VISIBLE_DEVICES or `accelerate launch` picking which, else on the CPU; "
        f"{use_cpu} true trains on the CPU)")
    from bgs_hf.cli.main import main as cli

    with pytest.raises(SystemExit) as exit_info:  # a command with no Trainer: no such hint
        cli(["baseline", "pixels", "--data", str(tmp_path), flag, "cuda:1"])
    assert exit_info.value.code == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert f"unrecognized arguments: {flag} cuda:1" in line and "Trainer" not in line, line


def _videomae_of_16_frames(folder: Path) -> str:
    """A tiny VideoMAE checkpoint built for 16 frames (as MCG-NJU/videomae-base), saved where ``folder`` says."""
    from transformers import VideoMAEConfig, VideoMAEModel

    from bgs_hf.models.registry import FAMILIES

    VideoMAEModel(VideoMAEConfig(**{**FAMILIES["videomae"].tiny_config, "num_frames": 16})).save_pretrained(folder)
    return str(folder)


@pytest.mark.parametrize(("backbone", "flags", "said"), [
    ("tiny-random-vjepa2", ["--num_frames", "16"], "16 frames sampled per clip, but {clip} (a training clip) holds 8: "
     "each frame is repeated about 2 times to fill them (more compute, no more motion); sample 8 (--num_frames 8)"),
    ("tiny-random-timesformer", ["--num_frames", "16", "--interpolate_frames"], "16 frames sampled per clip, but "
     "{clip} (a training clip) holds 8: each frame is repeated about 2 times to fill them (more compute, no more "
     "motion); sample its checkpoint's own 4 (leave out --num_frames and --interpolate_frames)"),
    (_videomae_of_16_frames, [], "16 frames sampled per clip, but {clip} (a training clip) holds 8: each frame is "
     "repeated about 2 times to fill them (more compute, no more motion); it takes 16 frames only: use clips of 16 "
     "frames or more"),
    ("tiny-random-vjepa2", [], None),  # its own 4 of the clips' 8: nothing repeated, nothing said
], ids=["vjepa2-any-count", "timesformer-interpolated", "videomae-fixed", "fewer-than-held"])
def test_a_run_sampling_more_frames_than_its_clips_hold_says_so_and_names_a_count_that_fits(
        socialshapes, tmp_path, caplog, backbone, flags, said):
    """The V-JEPA 2 fpc64 checkpoint (64 frames) on 16-frame SocialShapes clips, or MCG-NJU/videomae-base (16) on
    8-frame ones, trained on each frame repeated to fill the count, without a word: decoding repeats the nearest
    frames (several times the compute, no more motion, and a 2-frame tubelet of one frame twice)."""
    import logging

    from bgs_hf.cli.main import main

    if callable(backbone):
        backbone = backbone(tmp_path / "videomae-16")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.training.api"):
        rc = main(["train", "--data", str(socialshapes), "--backbone", backbone, "--output-dir", str(tmp_path / "run"),
                   "--max_steps", "1", "--clips_per_step", "6", "--disable_tqdm", "true", "--eval_test", "false",
                   "--val_fraction", "0", *flags])
    assert rc == 0
    repeated = [r.getMessage() for r in caplog.records if "repeated" in r.getMessage()]
    if said is None:
        assert repeated == []
        return
    assert len(repeated) == 1, repeated
    name, message = repeated[0].split(": ", 1)
    assert name == backbone and re.sub(r"ss_\d{4}\.mp4", "{clip}", message) == said, repeated[0]


@pytest.mark.parametrize(("num_frames", "spec", "said"), [
    (16, {"name": "vjepa2-like", "tubelet_size": 2}, "sample 6 (--num_frames 6)"),
    (16, {"name": "timesformer-like", "family": "timesformer", "fixed_frames": True, "frames_interpolated_from": 8},
     "use clips of 8 frames or more, or sample 7 with its time embeddings interpolated from its 8 (--num_frames 7 "
     "--interpolate_frames)"),
    (7, {"name": "vjepa2-like", "tubelet_size": 1}, None),  # all 7 frames sampled: none repeated
], ids=["odd-count-in-tubelets", "timesformer-clips-shorter-than-its-own", "as-many-as-held"])
def test_the_repeated_frames_warning_names_a_count_the_backbone_takes_and_is_silent_where_none_repeat(
        tmp_path, caplog, monkeypatch, num_frames, spec, said):
    """Mutation audit (d45df5f): the warning named 7 for 7-frame clips in tubelets of 2 (a count `train` refuses),
    fired at a count equal to the clip's ("repeated about 1 times": MCG-NJU/videomae-base's 16 on 16-frame clips),
    dropped --interpolate_frames from a TimeSformer's advice on clips shorter than its checkpoint's count, and raised
    on a clip it cannot probe or count; the suite's clips all held 8 frames, more than asked or as many as a tubelet
    divides."""
    import logging
    from types import SimpleNamespace

    import numpy as np

    import bgs_hf.video
    from bgs_hf.models.registry import warn_if_frames_repeat
    from bgs_hf.video import write_video

    clip = tmp_path / "seven.mp4"
    write_video(clip, np.zeros((7, 16, 16, 3), dtype=np.uint8), fps=8)
    (tmp_path / "notes.mp4").write_text("not a video")
    with caplog.at_level(logging.WARNING, logger="bgs_hf.video.policy"):
        warn_if_frames_repeat(str(clip), num_frames, SimpleNamespace(**spec))
        for unreadable in (None, str(tmp_path / "notes.mp4")):  # left to the clip's decode to refuse
            warn_if_frames_repeat(unreadable, num_frames, SimpleNamespace(**spec))
        monkeypatch.setattr(bgs_hf.video, "probe", lambda path, **_: SimpleNamespace(frames=None))  # uncounted
        warn_if_frames_repeat(str(clip), num_frames, SimpleNamespace(**spec))
    said = [] if said is None else [f"{spec['name']}: {num_frames} frames sampled per clip, but seven.mp4 (a training "
                                    f"clip) holds 7: each frame is repeated about {num_frames / 7:.3g} times to fill "
                                    f"them (more compute, no more motion); {said}"]
    assert [r.getMessage() for r in caplog.records] == said


@pytest.mark.parametrize("flags", [["--save_total_limit", "0"], ["--max_grad_norm", "0"], ["--eval_steps", "0"],
                                   ["--logging_steps", "0.5", "--warmup_steps", "0.1"]],
                         ids=["keep-all", "no-clipping", "eval-epoch", "fractions"])
def test_interval_flags_transformers_documents_are_still_taken(tmp_path, capsys, flags):
    """0 keeps every checkpoint, 0 clips no gradient, --eval_steps is unread under epoch evaluation, and below 1 a
    step count is a fraction of the run (transformers' documented meanings): the run goes on to read its data."""
    from bgs_hf.cli.main import main

    assert main(["train", "--data", str(tmp_path / "missing"), "--output_dir", str(tmp_path / "run"), *flags]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"error: {tmp_path / 'missing'}: no such folder"
