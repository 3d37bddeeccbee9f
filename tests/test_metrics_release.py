"""The paper's real release: test-split human similarity, noise ceilings and repeat agreement."""

from __future__ import annotations

import numpy as np
import pytest

from bgs_hf.data.testing import release_available, release_dir
from bgs_hf.metrics import human_similarity, loo_ceiling, repeat_agreement, split_half_ceiling

RELEASE = release_dir()
pytestmark = [
    pytest.mark.release,
    pytest.mark.skipif(not release_available(), reason=f"release not found at {RELEASE}"),
]


@pytest.fixture(scope="module")
def release():
    from bgs_hf.data import load

    return load(RELEASE)


def test_release_test_split_ceiling(release):
    trip = release.triplets("test")
    assert len(trip) == 368
    h = human_similarity(trip, n_items=release.n_clips)
    assert int(h.mask.sum() // 2) == 637
    assert set(np.unique(trip.idx)) <= set(release.split_items("test").tolist())
    ceiling = split_half_ceiling(trip, release.n_clips, n_splits=100, seed=0)
    assert 0.19 <= ceiling.r2 <= 0.23  # the paper reports 0.213
    assert ceiling.ci[0] < ceiling.r2 < ceiling.ci[1]
    loo = loo_ceiling(trip, release.n_clips)
    assert loo.r_lower < loo.r_upper and 0 < loo.ooo_acc_2way < 1


def test_release_repeat_agreement(release):
    rep = repeat_agreement(release.triplets(None))
    assert 0.52 <= rep.agreement <= 0.58  # the paper: "about 55%"
    assert 1 / 3 < rep.majority_acc_3way < 1
