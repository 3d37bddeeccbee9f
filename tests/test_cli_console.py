"""Each fact once on the console: a command prints its result on stdout, the library logs progress; where both
said the same thing (``wrote s.png`` as a log line and as a print), one of them goes."""

from __future__ import annotations

import inspect
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bgs_hf._files import WORK_PREFIX
from bgs_hf.cli.main import main


@pytest.fixture(scope="module")
def tiny_ss(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bgs_hf.synth import SynthConfig, generate_socialshapes

    return generate_socialshapes(tmp_path_factory.mktemp("console") / "ss", n_clips=24, seed=0,
                                 config=SynthConfig(num_frames=8, size=32, workers=1))


def _console(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    """What a user reads: the command's stdout and the log records at INFO and above (which the CLI's logging
    prints on stderr; stderr itself is left out here, so a record is never counted twice)."""
    lines = capsys.readouterr().out.splitlines()
    lines += [line for r in caplog.records if r.levelno >= logging.INFO for line in r.getMessage().splitlines()]
    caplog.clear()
    return lines


def _naming(lines: list[str], text: str) -> list[str]:
    return [line for line in lines if text in line]


@pytest.fixture(autouse=True)
def _info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what the CLI shows without --verbose


@pytest.mark.parametrize("fmt", ["release", "hub"])
def test_synth_says_where_it_wrote_once(tmp_path, capsys, caplog, fmt):
    """The library logged "SocialShapes: ... in 1.6 s -> ss" next to the CLI's "wrote ss in 1.6 s", and the Hub
    layout's "wrote Hub layout to .bgs-partial-ss-123" named a hidden folder that is gone when the command ends."""
    out = tmp_path / "ss"
    assert main(["synth", str(out), "--clips", "10", "--size", "16", "--frames", "4", "--workers", "1",
                 "--format", fmt]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, str(out))) == 1, lines
    assert not _naming(lines, WORK_PREFIX), lines
    assert len([line for line in lines if " s" in line and "in " in line and str(out) in line]) == 1
    assert len(_naming(lines, "simulated judgments")) == 1, lines  # the count only the library knows is still said once


def test_data_stats_and_validate_say_each_fact_once(tiny_ss, tmp_path, capsys, caplog):
    """`data stats --json s.json` printed "wrote s.png" and logged it too; every command that loads data logged
    the dataset's repr, which `data stats` then printed as a table and `data validate` printed as "OK: ..."."""
    stats = tmp_path / "s.json"
    assert main(["data", "stats", str(tiny_ss), "--json", str(stats), "--n-splits", "5"]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "s.png")) == 1 and len(_naming(lines, "s.json")) == 1, lines
    assert not _naming(lines, "OddOneOutData("), lines  # the printed table says it
    assert main(["data", "validate", str(tiny_ss), "--no-decode"]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "OddOneOutData(")) == 1, lines


def test_data_export_names_the_folder_it_wrote_once(tiny_ss, tmp_path, capsys, caplog):
    """The library logged "wrote Hub layout to .bgs-partial-exp-123 (...)", a hidden work folder, beside the CLI's
    "wrote Hub layout to exp"."""
    out = tmp_path / "exp"
    assert main(["data", "export", str(tiny_ss), str(out)]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "wrote Hub layout")) == 1 and len(_naming(lines, str(out))) == 1, lines
    assert not _naming(lines, WORK_PREFIX), lines


def test_train_names_its_run_folder_once(tiny_ss, tmp_path, capsys, caplog):
    """"run folder: run" was logged by the library and printed by the CLI."""
    out = tmp_path / "run"
    assert main(["train", "--data", str(tiny_ss), "--backbone", "tiny-random-videomae", "--output-dir", str(out),
                 "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--eval_strategy", "no"]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "run folder")) == 1, lines


def test_push_local_dir_says_what_it_staged_once(tiny_ss, tmp_path, capsys, caplog):
    """"staged 12 files for the Hub in DIR" was logged by the library above the CLI's "staged 12 files in DIR"."""
    run, staged = tmp_path / "run", tmp_path / "staged"
    assert main(["train", "--data", str(tiny_ss), "--backbone", "tiny-random-videomae", "--output-dir", str(run),
                 "--max_steps", "1", "--clips_per_step", "8", "--disable_tqdm", "true", "--eval_strategy", "no"]) == 0
    _console(capsys, caplog)
    assert main(["push", str(run), "--repo-id", "me/run", "--local-dir", str(staged)]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "staged ")) == 1 and len(_naming(lines, str(staged))) == 1, lines


def test_evaluate_names_its_report_once(tiny_ss, tmp_path, capsys, caplog):
    """"evaluation suite: 36.8 s -> ev" was logged beside the CLI's "report: ev/evaluation.md ... (36.8 s)"."""
    report = tmp_path / "ev"
    assert main(["evaluate", "--data", str(tiny_ss), "--model", "tiny-random-videomae", "--analyses", "fit",
                 "--n-boot", "5", "--report", str(report)]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, str(report))) == 1, lines
    for line in _naming(lines, "loading sentence model "):  # it named a local model's folder twice on one line
        model = line.split("loading sentence model ")[1].split()[0]
        assert line.count(model) == 1, line


def test_quickstart_names_its_report_once(tmp_path, capsys, caplog, monkeypatch):
    """"wrote demo/report.md" was logged by the library above the CLI's "wrote demo/report.json, report.md, ..."."""
    monkeypatch.setenv("BGS_HF_CACHE", str(tmp_path / "cache"))
    assert main(["quickstart", "--out", str(tmp_path / "demo"), "--fast", "--clips", "24", "--backbone",
                 "tiny-random-videomae"]) == 0
    lines = _console(capsys, caplog)
    assert len(_naming(lines, "report.md")) == 1, lines


def test_space_says_it_embeds_the_catalogue_first_and_its_url_once_it_serves(monkeypatch, capsys, caplog,
                                                                              tmp_path):
    """`bgs-hf space` printed "starting ... on http://..." before half a minute of embedding, when nothing
    answered at that address yet. It also said "embedding the catalogue" on a start that read the embeddings from
    its cache (and logged that it did): a second start says only that it read them."""
    from types import SimpleNamespace

    import numpy as np

    from bgs_hf.hub import space_app

    printed: dict[str, str] = {}

    class Demo:
        local_url = "http://127.0.0.1:43210/"  # what gradio says once its server answers

        @property
        def is_running(self) -> bool:  # read once the server answers: what was printed by then, and it stops
            printed["serving"] = capsys.readouterr().out
            return False

        def close(self, verbose: bool = True) -> None:
            pass

    paths = [tmp_path / f"c{i}.mp4" for i in range(7)]
    for i, path in enumerate(paths):
        path.write_bytes(bytes([i]))
    catalogue = space_app.Catalogue("catalogue", [p.name for p in paths], paths, np.zeros((7, 1, 1, 3), np.uint8))

    def embed(self, paths, cache):
        printed["embedding"] = capsys.readouterr().out
        return np.ones((len(paths), 2), np.float32), np.ones((len(paths), 2), np.float32)

    def launch(config, *, backend, **kwargs):
        assert backend.catalogue is catalogue
        printed["launching"] = capsys.readouterr().out
        return Demo()

    monkeypatch.setattr(space_app.ModelPair, "load", lambda name: SimpleNamespace(fingerprint=lambda: "models"))
    monkeypatch.setattr(space_app.Catalogue, "load", lambda folder, config: catalogue)
    monkeypatch.setattr(space_app.SpaceBackend, "_embed_paths", embed)
    monkeypatch.setattr(space_app, "launch", launch)
    monkeypatch.setattr(space_app, "check_port_free", lambda *a: None)  # 7860 may be in use on this machine
    command = ["space", "--model", "someone/model", "--data", "catalogue", "--cache-dir", str(tmp_path / "cache")]
    assert main(command) == 0
    assert printed.pop("embedding") == "embedding the catalogue (7 clips)...\n"
    assert printed["launching"] == ""  # no address before the server is up
    assert printed["serving"] == "serving the BGS Space on http://127.0.0.1:43210/ (Ctrl+C to stop)\n"
    caplog.clear()
    assert main(command) == 0  # a second start reads the embeddings from the cache: it does not say it embeds
    assert "embedding" not in printed and printed["launching"] == ""
    assert _naming(_console(capsys, caplog), "catalogue") == [
        f"catalogue embeddings (7 clips) read from the cache, {next((tmp_path / 'cache' / 'embeddings').iterdir())}"]


def _console_settings() -> dict[str, object]:
    """What a command may change for its own run and must give back: logger levels and the progress-bar switches
    of transformers (its global switch and its tqdm hook), huggingface_hub and datasets."""
    import datasets
    import huggingface_hub.utils as hub_utils
    from transformers.utils import logging as hf_logging

    hook = hf_logging.set_tqdm_hook(None)
    hf_logging.set_tqdm_hook(hook)
    return {"root": logging.getLogger().level, "bgs_hf": logging.getLogger("bgs_hf").level,
            "transformers bars": hf_logging.is_progress_bar_enabled(), "transformers hook": hook,
            "hub bars off": hub_utils.are_progress_bars_disabled(),
            "datasets bars off": datasets.utils.are_progress_bars_disabled()}


def test_other_libraries_say_warnings_only_and_their_bars_stay_off(tiny_ss, capsys, caplog):
    """`make demo` printed sentence-transformers' "INFO sentence_transformers.base.model: Loading SentenceTransformer
    model from ..." and transformers' "Loading weights: 100%|...| 103/103" bar between bgs_hf's own lines: the CLI
    set every logger to INFO. Ours still say INFO, and the settings are as they were once `main()` returns."""
    before = _console_settings()
    assert main(["baseline", "language", "--data", str(tiny_ss), "--n-boot", "5"]) == 0
    err = capsys.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.name == "bgs_hf.baselines.language"
            and r.levelno == logging.INFO and r.getMessage().startswith("loading sentence model ")], caplog.records
    theirs = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
              if not r.name.startswith("bgs_hf") and r.levelno < logging.WARNING]
    assert theirs == []
    assert "Loading weights" not in err
    assert _console_settings() == before


def test_training_keeps_its_step_bar_without_the_weight_loading_bars(tiny_ss, tmp_path, capsys, caplog):
    """The bundled backbone's "Loading weights: 100%|...| 8/8" bar came before the Trainer's step bar (and once
    more per saved checkpoint); the step bar is the one a user watches and stays."""
    out = tmp_path / "run"
    assert main(["train", "--data", str(tiny_ss), "--output-dir", str(out), "--num_train_epochs", "1",
                 "--clips_per_step", "8", "--eval_strategy", "no"]) == 0
    err = capsys.readouterr().err
    assert "Loading weights" not in err
    (steps,) = [int(m.group(1)) for r in caplog.records if r.name == "bgs_hf.training.api"
                for m in [re.search(r"(\d+) steps/epoch, 1 process$", r.getMessage())] if m]  # not "1 process(es)"
    assert re.search(rf"\r100%\|[^\r\n]*\| {steps}/{steps} \[", err), err[-2000:]  # the Trainer's bar has no title


def test_bar_switches_force_bars_off_and_give_back_exactly_what_they_found(tmp_path, monkeypatch):
    """Mutation audit (``_bars``, second pass): a caller's ``disable=False`` winning over the switch, transformers'
    hook given back as None instead of the hook found, and datasets' bars switched (and so turned on after) when a
    user had them off all passed: the console tests run with the real libraries in their default state. Fakes stand
    in for them here, and a module first imported inside the block is switched, then given back."""
    from types import SimpleNamespace

    import bgs_hf._bars as bars

    assert bars._no_bar(lambda *a, **k: (a, k), (3,), {"disable": False, "desc": "x"}) == ((3,), {"disable": True,
                                                                                                   "desc": "x"})
    hooks = ["the user's hook"]
    hf_logging = SimpleNamespace(set_tqdm_hook=lambda hook: (hooks.append(hook), hooks[-2])[1])
    restore = bars.transformers_bars_off(hf_logging)
    assert hooks[-1] is bars._no_bar
    restore()
    assert hooks[-1] == "the user's hook"
    calls = []
    user_off = SimpleNamespace(are_progress_bars_disabled=lambda: True, disable_progress_bars=lambda: calls.append("off"),
                               enable_progress_bars=lambda: calls.append("on"))
    bars.datasets_bars_off(user_off)()
    assert calls == []  # theirs to keep off
    (tmp_path / "bgs_bars_probe.py").write_text("NAME = 'probe'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    switched = []
    monkeypatch.setattr(bars, "SWITCHES", {"bgs_bars_probe": lambda module: switched.append(module.NAME) or (
        lambda: switched.append("restored"))})
    finders = list(sys.meta_path)
    try:
        with bars.third_party_bars_off():
            import bgs_bars_probe  # noqa: F401 - first imported inside the block: switched then
            assert switched == ["probe"]
        assert switched == ["probe", "restored"] and sys.meta_path == finders
    finally:
        sys.modules.pop("bgs_bars_probe", None)


def test_a_library_imported_before_the_block_is_switched_and_given_back_and_datasets_env_choice_is_left_alone(
        monkeypatch):
    """Mutation audit (``_bars``, third pass): a library imported before the block switched but never given back, and
    datasets' bars switched where ``HF_DATASETS_DISABLE_PROGRESS_BARS`` chose (datasets refuses that, with a warning),
    both passed: the fakes stood for a module first imported inside the block and for bars a user had turned off."""
    from types import ModuleType, SimpleNamespace

    import bgs_hf._bars as bars

    switched = []
    monkeypatch.setitem(sys.modules, "bgs_bars_loaded", ModuleType("bgs_bars_loaded"))
    monkeypatch.setattr(bars, "SWITCHES", {"bgs_bars_loaded": lambda module: switched.append(module.__name__) or (
        lambda: switched.append("restored"))})
    with bars.third_party_bars_off():
        assert switched == ["bgs_bars_loaded"]
    assert switched == ["bgs_bars_loaded", "restored"]
    calls = []
    env_chose = SimpleNamespace(are_progress_bars_disabled=lambda: False, HF_DATASETS_DISABLE_PROGRESS_BARS=False,
                                disable_progress_bars=lambda: calls.append("off"),
                                enable_progress_bars=lambda: calls.append("on"))
    bars.datasets_bars_off(env_chose)()
    assert calls == []


def test_open_bars_close_innermost_first_past_a_gone_stream_and_no_tqdm_or_hook_is_no_error(monkeypatch):
    """Mutation audit (``_bars``, fourth pass): the open bars closed outermost first, an ``OSError`` of a bar whose
    stream is gone raised out of the close (the ``error:`` line then never said), ``close_open_bars`` without tqdm
    imported failing on ``None.tqdm``, and a transformers without ``set_tqdm_hook`` calling None all passed: the
    console tests run with one bar, tqdm imported and today's transformers."""
    import io
    from types import SimpleNamespace

    from tqdm.auto import tqdm

    import bgs_hf._bars as bars

    closed = []
    outer = tqdm(total=2, desc="outer", file=io.StringIO())
    inner = tqdm(total=2, desc="inner", file=io.StringIO())  # nested: drawn on the line below
    gone = tqdm(total=2, desc="gone", file=io.StringIO(), position=3)
    try:
        for bar in (outer, inner):
            bar.close = lambda bar=bar, close=bar.close: (closed.append(bar.desc), close())[1]

        def stream_gone() -> None:
            closed.append("gone")
            raise OSError(5, "Input/output error")

        gone.close = stream_gone
        bars.close_open_bars()
        assert closed == ["gone", "inner", "outer"]
    finally:
        for bar in (gone, inner, outer):
            del bar.close  # tqdm's own close again
            bar.close()
    monkeypatch.delitem(sys.modules, "tqdm.std")  # a command that made no bar: tqdm not imported
    assert bars.close_open_bars() is None
    assert bars.transformers_bars_off(SimpleNamespace())() is None  # an older transformers: its bars stay


def test_a_library_user_keeps_their_logging_and_progress_bar_settings(tmp_path):
    """The CLI's quieting is the CLI's: importing bgs_hf and loading models through it (the default backbone, a
    save that reloads its base, the MiniLM baseline) leaves the root logger and every progress-bar switch alone."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from __future__ import annotations\nimport json, logging\n" + inspect.getsource(_console_settings) +
        "before = _console_settings()\n"  # before anything of bgs_hf is imported
        "import bgs_hf, bgs_hf.cli.main\n"
        "from bgs_hf.baselines.language import load_sentence_model\n"
        "from bgs_hf.models import build_embedder\n"
        "from bgs_hf.models.registry import DEFAULT_BACKBONE\n"
        f"build_embedder(DEFAULT_BACKBONE).save_pretrained({str(tmp_path / 'model')!r})\n"
        "load_sentence_model()\n"
        "after = _console_settings()\n"
        "print(json.dumps([before, after], default=repr))\n")
    proc = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    before, after = json.loads(proc.stdout.splitlines()[-1])
    assert after == before
    assert before["transformers bars"] and before["transformers hook"] is None and before["root"] == logging.WARNING


def test_the_console_drops_transformers_advice_on_an_unused_group_only_while_a_command_runs():
    """Mutation audit (363ce99..bcac884): the console's filter of transformers' "launch your script with python -m
    torch.distributed.launch" warning left in place after ``main()`` returned (a notebook's later warnings of that
    logger lost), or never installed, passed every test but a 2-process launch's. That warning alone is dropped, and
    only inside the console."""
    from bgs_hf.cli.main import console

    advice = logging.getLogger("transformers.training_args")

    def shown(message: str) -> bool:
        return bool(advice.filter(logging.LogRecord(advice.name, logging.WARNING, __file__, 1, message, None, None)))

    unused = ("torch.distributed process group is initialized, but parallel_mode != ParallelMode.DISTRIBUTED. In order "
              "to use Torch DDP, launch your script with `python -m torch.distributed.launch")
    with console(False):
        assert (shown(unused), shown("another warning")) == (False, True)
    assert shown(unused)
