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


def test_library_figures_leave_the_users_backend_and_pyplot_alone(tmp_path):
    """Each plot called ``matplotlib.use("Agg")`` (a notebook's inline plots stopped appearing after a benchmark
    was made) and kept its figure in pyplot (the Space never closed one per request)."""
    import matplotlib
    import matplotlib.pyplot as plt

    from bgs_hf.eval.attention import plot_overlays
    from bgs_hf.eval.partition import plot_partition
    from bgs_hf.eval.suite import _plot_bars
    from bgs_hf.hub.space_app import similarity_figure
    from bgs_hf.pretrain.train import plot_loss_curve
    from bgs_hf.quickstart import plot_against_ceiling

    before = matplotlib.get_backend()
    plt.close("all")
    matplotlib.use("pdf")  # stands in for a notebook's backend
    try:
        row = {"r2": 0.05, "r2_ci": [0.0, 0.1], "pct_of_ceiling": 30.0, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
        plot_against_ceiling({"data": "toy", "models": {"bgs": row}, "noise_ceiling_r2": 0.16,
                              "noise_ceiling_ci": [0.05, 0.3]}, tmp_path / "a.png")
        plot_partition({"m": {"video_unique": 0.1, "shared": 0.05, "language_unique": 0.02}}, tmp_path / "b.png")
        _plot_bars({"m": {"x": 0.2, "y": 0.3}}, tmp_path / "c.png", ylabel="acc", title="t")
        plot_overlays(np.zeros((4, 8, 8, 3), np.uint8), {"m": np.random.rand(4, 8, 8)}, tmp_path / "d.png")
        plot_loss_curve([1.0, 0.5, 0.25], tmp_path / "e.png")
        fig = similarity_figure(np.eye(3), ["a: x", "b: y", "c: z"], "model", 0)
        assert fig.savefig is not None
        assert matplotlib.get_backend() == "pdf" and plt.get_fignums() == []
        for name in "abcde":
            assert (tmp_path / f"{name}.png").stat().st_size > 500
    finally:
        matplotlib.use(before)


def test_a_bar_without_an_interval_gets_no_error_bar(tmp_path, monkeypatch):
    """A missing interval became a zero-length error bar: fit.png drew a cap on top of every accuracy bar (only R²
    has a CI), which reads as a very tight confidence interval."""
    from matplotlib.figure import Figure

    from bgs_hf.eval.suite import _plot_bars
    from bgs_hf.viz.figure import ci_error_bars

    err = ci_error_bars([0.4, 0.1, 0.2], [None, (0.05, 0.2), (float("nan"), float("nan"))])
    assert np.isnan(err[:, 0]).all() and np.isnan(err[:, 2]).all()
    np.testing.assert_allclose(err[:, 1], [0.05, 0.1])
    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    _plot_bars({"m": {"R²": 0.1, "3-way acc": 0.45}}, tmp_path / "fit.png", ylabel="y", title="t",
               errors={"m": {"R²": (0.05, 0.2)}})
    (ax,) = drawn[0].axes
    (bars,) = [c for c in ax.containers if getattr(c, "errorbar", None) is not None]
    caps = np.concatenate([line.get_xydata() for line in bars.errorbar.lines[1]])
    assert np.isfinite(caps).all(axis=1).sum() == 2  # the R² bar's two caps, none over the accuracy bar
