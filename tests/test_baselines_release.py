"""`bgs-hf baseline language` on the paper's real release, offline with the bundled MiniLM-L6."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

RELEASE = Path(os.environ.get("BGS_RELEASE_DIR", Path(__file__).resolve().parents[1] / "../shared/data/garcia-isik-release"))


@pytest.mark.release
@pytest.mark.slow
@pytest.mark.skipif(not (RELEASE / "data").is_dir(), reason=f"release not found at {RELEASE}")
def test_language_baseline_cli_on_release(tmp_path, monkeypatch):
    from bgs_hf.cli.main import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "l.json"
    assert main(["baseline", "language", "--data", str(RELEASE), "--n-boot", "200", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["n_pairs"] == 637 and res["n_judgments"] == 368 and res["n_clips"] == 50
    # captions carry real signal about social similarity, but less than the noise ceiling
    assert 0.02 < res["r2"] < res["ceiling_r2"]
    assert res["r2_ci"][0] < res["r2"] < res["r2_ci"][1]
    assert 0.5 < res["ooo_acc_2way"] < 1 and 1 / 3 < res["ooo_acc_3way"] < 1
    assert np.isfinite(res["pct_of_ceiling"])
