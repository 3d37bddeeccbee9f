"""Acceptance on the paper's real release (never copied into the repo; skipped when absent)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bgs_hf.cli.main import main as cli
from bgs_hf.data import load, write_hub
from bgs_hf.data.stats import count_stats, data_stats
from bgs_hf.data.testing import release_available, release_dir

RELEASE = release_dir()
pytestmark = [pytest.mark.release, pytest.mark.skipif(not release_available(), reason=f"no release at {RELEASE}")]


@pytest.fixture(scope="module")
def release_data():
    return load(RELEASE)


def test_counts_match_the_paper(release_data):
    s = count_stats(release_data)
    assert (s["judgments_total"], s["catch_trials"], s["valid_judgments"]) == (49_484, 2_358, 47_126)
    assert s["participants"] == 215 and s["clips"] == 250
    assert s["observed_pairs_all"] == 31_125  # the design covers every pair
    assert (s["splits"]["train"]["clips"], s["splits"]["train"]["judgments"]) == (200, 24_096)
    assert s["splits"]["test"] == {"clips": 50, "judgments": 368, "observed_pairs": 637}
    assert s["splits"]["mixed_judgments"] == 22_662
    assert len(release_data.splits["val"]) == 40 and len(release_data.splits["train"]) == 160


def test_split_judgments_match_the_release_files(release_data):
    """Our by-clip train/test triplets are exactly the release's train/test_triplets.csv rows."""
    import pandas as pd

    for split, name in (("fit", "train_triplets.csv"), ("test", "test_triplets.csv")):
        ref = pd.read_csv(RELEASE / "data/interim/similarity" / name)
        stims = ref[["stim1_name", "stim2_name", "stim3_name"]].to_numpy()
        ref = ref[(stims[:, 0] != stims[:, 1]) & (stims[:, 1] != stims[:, 2]) & (stims[:, 0] != stims[:, 2])]
        trip = release_data.triplets(split)
        ours = sorted(map(tuple, np.c_[trip.idx, trip.odd_clip()].tolist()))
        theirs = sorted(map(tuple, ref[["stim1_name", "stim2_name", "stim3_name", "choice"]].to_numpy().tolist()))
        assert ours == theirs


def test_noise_ceiling_in_paper_range(release_data):
    nc = data_stats(release_data)["noise_ceiling"]["test"]
    assert 0.19 <= nc["r2_split_half"] <= 0.23
    assert nc["r2_split_half_ci"][0] < nc["r2_split_half"] < nc["r2_split_half_ci"][1]


def test_cli_stats_json_and_hub_round_trip(release_data, tmp_path):
    js = tmp_path / "s.json"
    assert cli(["data", "stats", str(RELEASE), "--json", str(js)]) == 0
    s = json.loads(js.read_text())
    assert s["splits"]["test"]["observed_pairs"] == 637 and s["mixed_judgments"] == 22_662
    assert (tmp_path / "s.png").is_file()
    back = load(write_hub(release_data, tmp_path / "hub"))
    t = data_stats(back)
    for key in ("name",):
        s.pop(key), t.pop(key)
    assert t == s
