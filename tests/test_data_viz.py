"""Similarity-matrix plots: files written, shared scale, bad shapes refused."""

from __future__ import annotations

import numpy as np
import pytest

from bgs_hf.viz import plot_similarity_matrices


def test_writes_png_with_nan_and_several_panels(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.random((6, 6))
    a[0, 1] = np.nan
    out = plot_similarity_matrices({"human": a, "model": rng.random((4, 4)) * 3}, tmp_path / "m" / "x.png", title="t")
    assert out.read_bytes()[:4] == b"\x89PNG"
    single = plot_similarity_matrices({"only": np.full((3, 3), np.nan)}, tmp_path / "y.png")
    assert single.stat().st_size > 0


def test_rejects_non_square_and_empty(tmp_path):
    with pytest.raises(ValueError, match="square"):
        plot_similarity_matrices({"bad": np.zeros((2, 3))}, tmp_path / "z.png")
    with pytest.raises(ValueError, match="at least one"):
        plot_similarity_matrices({}, tmp_path / "z.png")
