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


def test_the_fit_figure_draws_r2_and_the_accuracies_each_on_its_own_scale(tmp_path, monkeypatch):
    """fit.png drew R² (0.01-0.2 on the demo) and the accuracies (0.4-0.66) on one y axis: the R² bars and their CIs
    took the bottom tenth of it. R² has its own axes with the ceiling and its band; the accuracies theirs, in percent
    as the tables print them, with chance over each; one legend for both."""
    from matplotlib.collections import LineCollection

    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars

    drawn = _capture_figures(monkeypatch)
    fits = {"pretrained": {"R²": 0.007, "3-way acc": 0.425, "2-way acc": 0.569},
            "bgs": {"R²": 0.080, "3-way acc": 0.511, "2-way acc": 0.659}}
    _plot_bars(fits, tmp_path / "fit.png", panels=FIT_PANELS, title="Behavioural fit (test clips)",
               errors={"pretrained": {"R²": (-0.004, 0.054)}, "bgs": {"R²": (0.012, 0.198)}},
               refs={"R²": ("noise ceiling", 0.164, (0.051, 0.288)), "3-way acc": ("chance", 1 / 3, None),
                     "2-way acc": ("chance", 1 / 2, None)})
    fig = drawn[-1]
    r2_ax, acc_ax = fig.axes
    assert [t.get_text() for t in r2_ax.get_xticklabels()] == ["R²"]
    assert [t.get_text() for t in acc_ax.get_xticklabels()] == ["3-way acc", "2-way acc"]
    assert r2_ax.get_ylabel() == "R² (signed Spearman²)" and "accuracy" in acc_ax.get_ylabel()
    assert sorted(round(p.get_height(), 3) for p in r2_ax.patches if p.get_height()) == [0.007, 0.08]
    assert 0.288 <= r2_ax.get_ylim()[1] < 0.35  # its own scale: the band's top, not the accuracies' 0.66
    assert acc_ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    (ceiling,) = [c for c in r2_ax.collections if isinstance(c, LineCollection) and c.get_label() == "noise ceiling"]
    np.testing.assert_allclose(ceiling.get_segments()[0][:, 1], [0.164, 0.164])
    chance = [c.get_segments()[0] for c in acc_ax.collections
              if isinstance(c, LineCollection) and c.get_label() == "chance"]
    np.testing.assert_allclose([seg[0] for seg in chance], [[-0.45, 1 / 3], [0.55, 1 / 2]])
    def caps(ax) -> int:  # error bar caps drawn (a missing interval is a NaN one, not drawn)
        lines = [line for c in ax.containers if getattr(c, "errorbar", None) is not None for line in c.errorbar.lines[1]]
        return int(sum(np.isfinite(line.get_xydata()).all(axis=1).sum() for line in lines))

    assert (caps(r2_ax), caps(acc_ax)) == (4, 0)  # the two R² intervals; the accuracies have none
    assert acc_ax.get_legend() is not None and r2_ax.get_legend() is None and fig.get_suptitle().startswith("Behav")


def test_an_interval_that_misses_its_estimate_gets_a_zero_side_not_a_negative_one():
    """A bootstrap percentile interval need not contain its estimate (few resamples), and matplotlib refuses a
    negative error; without the clip at zero the mutant passed (every interval above held its estimate)."""
    from bgs_hf.viz.figure import ci_error_bars

    np.testing.assert_allclose(ci_error_bars([0.5, 0.5], [(0.6, 0.9), (0.1, 0.4)]), [[0.0, 0.4], [0.4, 0.0]])


# Okabe & Ito (2008), the palette that stays distinct under the common colour-vision deficiencies
_OKABE_ITO = {"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"}


def _capture_figures(monkeypatch):
    from matplotlib.figure import Figure

    drawn, save = [], Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    return drawn


def _bar_insides(fig):
    """(container, patch, grey levels inside the bar) of each bar of ``fig`` as saved: ITU-R BT.601 luma of 255, as a
    greyscale print converts, 2 px in from each edge."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.container import BarContainer

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    luma = np.asarray(canvas.buffer_rgba())[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    for ax in fig.axes:
        for cont in (c for c in ax.containers if isinstance(c, BarContainer)):
            for patch in cont.patches:
                box = patch.get_window_extent()  # display pixels, origin bottom left
                yield cont, patch, luma[luma.shape[0] - int(box.y1) + 2:luma.shape[0] - int(box.y0) - 2,
                                        int(box.x0) + 2:int(box.x1) - 2]


def test_model_colours_are_colour_blind_safe_and_layers_name_the_split(tmp_path, monkeypatch):
    """fit.png and layers.png used matplotlib's default cycle: four models drew tab10 green next to tab10 red
    (indistinguishable with deuteranopia) and layers.png gave each *line* its own colour, so one model was blue
    on train and orange on the scored split; its legend said "scored split", not which split, and no axis said
    "layer"."""
    from matplotlib.colors import to_hex

    from bgs_hf.eval.suite import _plot_bars, _plot_layers

    drawn = _capture_figures(monkeypatch)
    fits = {m: {"R²": 0.1 * k, "3-way acc": 0.4} for k, m in enumerate(["pretrained", "bgs", "language-distilled",
                                                                         "language"])}
    _plot_bars(fits, tmp_path / "fit.png", ylabel="y", title="t")
    (ax,) = drawn[-1].axes
    colours = {to_hex(p.get_facecolor()) for p in ax.patches if p.get_height() != 0}
    assert len(colours) == 4 and colours <= _OKABE_ITO, colours

    rows = [{"layer": "layer 1", "select_r2": 0.1, "test_r2": 0.05}, {"layer": "output", "select_r2": 0.3,
                                                                      "test_r2": 0.08}]
    layers = {m: {"layers": rows, "chosen_on": "train", "chosen": "output"} for m in ("pretrained", "bgs")}
    _plot_layers(layers, tmp_path / "layers.png", split="test")
    (ax,) = drawn[-1].axes
    by_model: dict[str, set[str]] = {}
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):  # the zero line, the chosen layer's star
            by_model.setdefault(line.get_label().split(", ")[0], set()).add(to_hex(line.get_color()))
    assert set(by_model) == {"pretrained video model (frozen)", "BGS fine-tuned (LoRA)"}
    assert all(len(c) == 1 for c in by_model.values()) and set.union(*by_model.values()) <= _OKABE_ITO
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"BGS fine-tuned (LoRA)", "test clips (scored)", "train clips (choose the layer)"} <= set(legend)
    assert not any("scored split" in t for t in legend)
    assert ax.get_xlabel() == "layer" and "Spearman" in ax.get_ylabel()


def test_a_bar_group_with_no_value_says_not_scored(tmp_path, monkeypatch):
    """motion.png left the single-frame slot empty (every model's embeddings tied, so it was not scored) with no
    word on the figure: it read as R² = 0."""
    from bgs_hf.eval.suite import _plot_bars

    drawn = _capture_figures(monkeypatch)
    motion = {m: {"original": 0.08, "shuffled": 0.01, "single-frame": float("nan")} for m in ("pretrained", "bgs")}
    _plot_bars(motion, tmp_path / "motion.png", ylabel="R² (test)", title="Motion controls")
    (ax,) = drawn[-1].axes
    notes = [t for t in ax.texts if "not scored" in t.get_text()]
    assert len(notes) == 1 and notes[0].get_position()[0] == pytest.approx(2.0)



def test_layers_figure_says_n_a_only_at_a_layer_with_no_r2_on_either_split(tmp_path, monkeypatch):
    """A layer whose R² is undefined on both splits (its features tie on every pair) is marked "n/a" where the
    lines skip it; one undefined on the selection split alone still has its scored point and no mark (a mutant
    marking a layer undefined on either split passed: no test drew an undefined layer)."""
    from bgs_hf.eval.suite import _plot_layers

    drawn = _capture_figures(monkeypatch)
    rows = [{"layer": "embeddings", "select_r2": None, "test_r2": 0.1},
            {"layer": "layer 1", "select_r2": None, "test_r2": None},
            {"layer": "output", "select_r2": 0.2, "test_r2": 0.3}]
    _plot_layers({"bgs": {"layers": rows, "chosen_on": "val", "chosen": "output"}}, tmp_path / "layers.png")
    (ax,) = drawn[-1].axes
    assert [t.get_position() for t in ax.texts if t.get_text() == "n/a"] == [(1, 0)]


def test_bar_groups_keep_the_tables_order_when_the_first_model_has_none_of_them(tmp_path, monkeypatch):
    """probes.png of a first model with no probe (its embeddings not finite: the suite passes it as ``{}``) ordered
    the attributes by each process's string hashing (every group sorted to the same key), so the figure's order
    changed from run to run and rarely matched the table's; the order is the groups' as first met."""
    from bgs_hf.eval.suite import _plot_bars

    drawn = _capture_figures(monkeypatch)
    attrs = ["valence", "arousal", "dominance", "intimacy", "communication"]
    _plot_bars({"pretrained": {}, "bgs": {a: 0.1 * k for k, a in enumerate(attrs, 1)}}, tmp_path / "probes.png",
               ylabel="r", title="t")
    (ax,) = drawn[-1].axes
    assert [t.get_text() for t in ax.get_xticklabels()] == attrs
    _plot_bars({"pretrained": {"arousal": 0.2}, "bgs": {a: 0.1 for a in attrs}}, tmp_path / "probes.png",
               ylabel="r", title="t")
    (ax,) = drawn[-1].axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["arousal", "valence", "dominance", "intimacy",
                                                            "communication"]


def test_layers_of_backbones_of_different_depths_sit_over_their_own_layer_names(tmp_path, monkeypatch):
    """``--pretrained`` of another backbone (12 blocks beside the run's 4): every model's points were drawn at their
    row number and the ticks named the last model's rows, so the 12-block model's "layer 5" sat over "output", its
    "layer 12" and chosen star over no name at all, unlike the table beside it."""
    from bgs_hf.eval.suite import _plot_layers

    def rows(depth: int) -> list[dict]:
        names = ["embeddings", *(f"layer {k}" for k in range(1, depth + 1)), "output"]
        return [{"layer": n, "select_r2": 0.01 * k, "test_r2": 0.005 * k} for k, n in enumerate(names)]

    drawn = _capture_figures(monkeypatch)
    _plot_layers({"pretrained": {"layers": rows(12), "chosen_on": "train", "chosen": "layer 12"},
                  "bgs": {"layers": rows(4), "chosen_on": "train", "chosen": "output"}}, tmp_path / "layers.png")
    (ax,) = drawn[-1].axes
    drawn[-1].canvas.draw()
    ticks = {round(x): t.get_text() for x, t in zip(ax.get_xticks(), ax.get_xticklabels())}
    from matplotlib.colors import to_hex

    from bgs_hf.viz.models import model_colour_of

    for key, depth, chosen in (("pretrained", 12, "layer 12"), ("bgs", 4, "output")):
        mine = [ln for ln in ax.get_lines() if to_hex(ln.get_color()) == model_colour_of(key).lower()]
        stars = [ln for ln in mine if ln.get_label() == "_chosen"]
        assert len(mine) == 3 and len(stars) == 1
        for line in mine:
            named = [ticks.get(round(x)) for x in line.get_xdata()]
            assert named == ([chosen] if line in stars else [r["layer"] for r in rows(depth)]), (key, named)


def _report_figures(tmp_path, monkeypatch) -> dict:
    """Every figure `bgs-hf quickstart` and `bgs-hf evaluate` write, drawn on tiny data (name -> Figure)."""
    from bgs_hf.eval.attention import plot_overlays
    from bgs_hf.eval.partition import plot_partition
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars, _plot_layers
    from bgs_hf.quickstart import plot_against_ceiling

    drawn = _capture_figures(monkeypatch)
    figs = {}
    row = {"r2": 0.05, "r2_ci": [0.0, 0.1], "pct_of_ceiling": 30.0, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    plot_against_ceiling({"data": "toy", "models": {k: dict(row) for k in ("pixels", "pretrained", "language", "bgs")},
                          "noise_ceiling_r2": 0.16, "noise_ceiling_ci": [0.05, 0.3]}, tmp_path / "r2.png")
    figs["r2_vs_ceiling"] = drawn[-1]
    fits = {m: {"R²": 0.1 + 0.02 * k, "3-way acc": 0.4 + 0.05 * k, "2-way acc": 0.55 + 0.05 * k}
            for k, m in enumerate(("pretrained", "bgs", "language-distilled", "language"))}
    _plot_bars(fits, tmp_path / "fit.png", panels=FIT_PANELS, title="Behavioural fit (test)",
               errors={n: {"R²": (0.05, 0.3)} for n in fits},
               refs={"R²": ("noise ceiling", 0.4, (0.3, 0.5)), "3-way acc": ("chance", 1 / 3, None),
                     "2-way acc": ("chance", 1 / 2, None)})
    figs["fit"] = drawn[-1]
    probes = {m: {a: 0.5 + 0.1 * k for a in ("valence", "arousal", "dominance", "intimacy", "communication")}
              for k, m in enumerate(("pretrained", "bgs"))}
    _plot_bars(probes, tmp_path / "probes.png", ylabel="Pearson r (test clips)", title="Ridge probes of clip ratings")
    figs["probes"] = drawn[-1]
    rows = [{"layer": name, "select_r2": 0.1 * k, "test_r2": 0.05 * k}
            for k, name in enumerate(("embeddings", "layer 1", "layer 2", "layer 3", "layer 4", "output"))]
    _plot_layers({m: {"layers": rows, "chosen_on": "train", "chosen": "output"} for m in ("pretrained", "bgs")},
                 tmp_path / "layers.png", split="test")
    figs["layers"] = drawn[-1]
    plot_partition({m: {"video_unique": 0.05, "shared": 0.02, "language_unique": 0.03}
                    for m in ("pretrained", "bgs", "language-distilled")}, tmp_path / "partition.png")
    figs["partition"] = drawn[-1]
    rng = np.random.default_rng(0)
    plot_overlays(np.zeros((16, 32, 32, 3), np.uint8), {m: rng.random((2, 4, 4)) / 32 for m in ("pretrained", "bgs")},
                  tmp_path / "attention_0.png", title="ss_0000.mp4: each location's contribution")
    figs["attention"] = drawn[-1]
    m = rng.random((20, 20))
    plot_similarity_matrices({"simulated observers (p_ij)": m, "pretrained": m}, tmp_path / "sim.png", title="t")
    figs["similarity_matrices"] = drawn[-1]
    return figs


def _bar_colours(ax) -> dict[str, str]:
    """Model display name -> face colour of its bars (legend labels, else the x tick under a lone bar)."""
    from matplotlib.colors import to_hex
    from matplotlib.container import BarContainer

    out: dict[str, str] = {}
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    for cont in bars:
        label = cont.get_label()
        if label and not label.startswith("_"):
            out[label] = to_hex(cont.patches[0].get_facecolor())
    if not out:  # one bar per model, named by its tick (wrapped over lines)
        ticks = [" ".join(t.get_text().split()) for t in ax.get_xticklabels()]
        for tick, patch in zip(ticks, [p for c in bars for p in c.patches]):
            out[tick] = to_hex(patch.get_facecolor())
    return out


def test_every_figure_draws_each_model_in_one_colour_of_one_palette_under_one_name(tmp_path, monkeypatch):
    """r2_vs_ceiling.png kept its own green/red (the captions bar green beside the BGS bar red: one colour to a
    deuteranope) while fit.png used the Okabe-Ito palette, so one model had two colours across the figures of one
    demo; and the figures named the models by their JSON keys (pretrained, bgs) while report.md said "BGS
    fine-tuned (LoRA)"."""
    from matplotlib.colors import to_hex

    from bgs_hf.viz.models import model_colour_of, model_name

    figs = _report_figures(tmp_path, monkeypatch)
    seen: dict[str, set[str]] = {}
    for fig in ("r2_vs_ceiling", "fit", "probes"):
        for ax in figs[fig].axes:  # fit.png: R² and the accuracies, each on its own axes
            for name, colour in _bar_colours(ax).items():
                seen.setdefault(name, set()).add(colour)
    (ax,) = figs["layers"].axes
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):
            seen.setdefault(line.get_label().split(", ")[0], set()).add(to_hex(line.get_color()))
    names = {k: model_name(k) for k in ("pixels", "pretrained", "language", "bgs", "language-distilled")}
    assert set(seen) == set(names.values()), seen
    colours = {k: model_colour_of(k).lower() for k in names}
    for key, name in names.items():
        assert seen[name] == {colours[key]}, (key, seen[name])
    assert len(set(colours.values())) == len(names)  # five models, five colours
    assert set(colours.values()) <= _OKABE_ITO | {"#999999"}  # cbPalette: Okabe-Ito and its grey
    # the partition's parts come from the same palette, the language part in the language model's colour
    (ax,) = figs["partition"].axes
    parts = _bar_colours(ax)
    assert set(parts.values()) <= _OKABE_ITO | {"#999999", "#bbbbbb"} and parts["language only"] == colours["language"]
    assert [" ".join(t.get_text().split()) for t in ax.get_xticklabels()] == [
        names[k] for k in ("pretrained", "bgs", "language-distilled")]
    rows = {" ".join(a.get_ylabel().split()) for a in figs["attention"].axes if a.get_ylabel()}
    assert rows >= {"frames", names["pretrained"], names["bgs"]} and "bgs" not in rows


def test_fit_png_tells_bgs_and_the_language_distilled_control_apart_in_greyscale(tmp_path, monkeypatch):
    """Printed in grey, fit.png's BGS orange #E69F00 (luma 0.299·230 + 0.587·159 = 162 of 255) and the
    language-distilled control's purple #CC79A7 (0.299·204 + 0.587·121 + 0.114·167 = 151) were 11 levels apart: the
    two were told apart only by order and legend. Each model's bars, as rendered, now differ by at least 30 grey
    levels on average, and the legend shows the control's hatch too; the bars' heights (the data) are unchanged."""
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars
    from bgs_hf.viz.models import model_name

    drawn = _capture_figures(monkeypatch)
    fits = {m: {"R²": 0.1 + 0.02 * k, "3-way acc": 0.4 + 0.05 * k, "2-way acc": 0.55 + 0.05 * k}
            for k, m in enumerate(("pretrained", "bgs", "language-distilled", "language"))}
    _plot_bars(fits, tmp_path / "fit.png", panels=FIT_PANELS, title="Behavioural fit (test)",
               refs={"R²": ("noise ceiling", 0.4, (0.3, 0.5))})
    fig = drawn[-1]
    grey: dict[str, list[float]] = {}
    heights: dict[str, list[float]] = {}
    for cont, patch, inside in _bar_insides(fig):  # its pixels as saved, to read each bar's grey from
        grey.setdefault(cont.get_label(), []).append(float(inside.mean()))
        heights.setdefault(cont.get_label(), []).append(patch.get_height())
    bgs, control = model_name("bgs"), model_name("language-distilled")
    assert abs(np.mean(grey[bgs]) - np.mean(grey[control])) >= 30, (grey[bgs], grey[control])
    assert heights[control] == pytest.approx([0.14, 0.5, 0.65]) and heights[bgs] == pytest.approx([0.12, 0.45, 0.6])
    legend = fig.axes[-1].get_legend()
    hatches = {t.get_text(): getattr(h, "get_hatch", lambda: None)() for t, h in zip(legend.get_texts(),
                                                                                 legend.legend_handles)}
    assert hatches[control] and not hatches[bgs]


def test_every_two_models_that_print_as_one_grey_in_a_bar_figure_differ_in_hatch(tmp_path, monkeypatch):
    """Beside the control and BGS, three more pairs of models that share a bar figure print within 30 grey levels
    (BT.601 luma of 255): the pretrained model's blue #0072B2 (0.587·114 + 0.114·178 = 87) and the captions' green
    #009E73 (0.587·158 + 0.114·115 = 106) in fit.png and r2_vs_ceiling.png, the raw pixels' grey #999999 (153) and
    BGS's orange (162) in r2_vs_ceiling.png, the pixels' grey and the control's purple (151). Each such pair, as
    drawn, now differs in its hatch; the colours are unchanged. A model looks the same in every panel of both
    figures (the quickstart's chart hatched its bars in reverse order and every pair still differed), its hatch is
    drawn (dark lines inside the bar) and no bar is outlined (an unhatched bar shows none)."""
    from matplotlib.colors import to_rgb, to_rgba
    from matplotlib.container import BarContainer

    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars
    from bgs_hf.quickstart import plot_against_ceiling

    def luma(colour) -> float:
        r, g, b = (255 * v for v in to_rgb(colour))
        return 0.299 * r + 0.587 * g + 0.114 * b

    drawn = _capture_figures(monkeypatch)
    keys = ("pixels", "pretrained", "language", "bgs", "language-distilled")
    _plot_bars({m: {"R²": 0.1, "3-way acc": 0.4, "2-way acc": 0.6} for m in keys}, tmp_path / "fit.png",
               panels=FIT_PANELS, title="Behavioural fit (test)")
    row = {"r2": 0.05, "r2_ci": [0.0, 0.1], "pct_of_ceiling": 30.0, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    plot_against_ceiling({"data": "toy", "models": {k: dict(row) for k in keys[:4]}, "noise_ceiling_r2": 0.16,
                          "noise_ceiling_ci": [0.05, 0.3]}, tmp_path / "r2.png")
    close, looks = set(), {}
    for fig in drawn:
        for _, patch, inside in _bar_insides(fig):
            dark = float((inside < 50).mean())  # a hatch: 8-20% of the inside; an error bar's line: 1%
            assert (dark > 0.04) == bool(patch.get_hatch()), (patch.get_hatch(), dark)
            assert patch.get_linewidth() == 0 or to_rgba(patch.get_edgecolor())[3] == 0  # no outline
        for ax in fig.axes:
            bars = [c for c in ax.containers if isinstance(c, BarContainer)]
            named = [c for c in bars if c.get_label() and not c.get_label().startswith("_")]
            if named:  # one container per model, named in the legend
                drawn_as = {c.get_label(): (c.patches[0].get_facecolor(), c.patches[0].get_hatch()) for c in named}
            else:  # one bar per model, named by its tick
                ticks = [" ".join(t.get_text().split()) for t in ax.get_xticklabels()]
                drawn_as = {t: (p.get_facecolor(), p.get_hatch()) for t, p in zip(ticks, bars[0].patches)}
            assert len(drawn_as) in (4, 5), drawn_as
            names = sorted(drawn_as)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    if abs(luma(drawn_as[a][0]) - luma(drawn_as[b][0])) < 30:
                        close.add(frozenset((a, b)))
                        assert drawn_as[a][1] != drawn_as[b][1], (a, b, drawn_as[a][1])
            for name, look in drawn_as.items():
                looks.setdefault(name, set()).add((tuple(look[0]), look[1]))
    assert len(looks) == 5 and all(len(seen) == 1 for seen in looks.values()), looks
    assert len(close) >= 4  # control/BGS, control/pixels, pixels/BGS and pretrained/captions, at least


def test_partition_png_tells_every_two_of_its_parts_apart_in_greyscale(tmp_path, monkeypatch):
    """partition.png drew "video only" in sky blue #56B4E9 (BT.601 luma of 255: 0.299·86 + 0.587·180 + 0.114·233 =
    158) beside "shared" in grey #BBBBBB (187): 29 levels apart, under ``GREY_APART`` (30), so in a greyscale print
    the two were told apart only by order and legend. Every two parts now print 30 or more levels apart or differ in
    hatch: the shared part is hatched (dark lines inside its bars and in its legend entry, no outline), video only and
    language only (the captions' green #009E73: 0.587·158 + 0.114·115 = 106; 52 and 81 levels from the others) are
    plain at their colours' grey. The bars' heights (the data) are unchanged. Mutation audit: the shared part drawn
    with a bare ``hatch=`` (no edge colour) printed the same here, but its lines take the edge colour of the user's
    matplotlibrc (white on a ``patch.edgecolor: white`` style: no dark pixel in the bar), and a hatch the captions'
    model wears elsewhere (``//``) passed: the test now reads that the part is drawn as every bar figure draws a hatch,
    in black with no outline, and in a texture no standard model has."""
    from itertools import combinations

    from matplotlib.colors import to_rgba

    from bgs_hf.eval.partition import plot_partition

    drawn = _capture_figures(monkeypatch)
    parts = {"pretrained": {"video_unique": 0.3, "shared": 0.1, "language_unique": 0.2},
             "bgs": {"video_unique": 0.25, "shared": 0.15, "language_unique": 0.05}}
    plot_partition(parts, tmp_path / "partition.png")
    fig = drawn[-1]
    seen: dict[str, list[tuple[float, float]]] = {}
    heights: dict[str, list[float]] = {}
    for cont, patch, inside in _bar_insides(fig):  # its pixels as saved
        seen.setdefault(cont.get_label(), []).append((float(np.median(inside)), float((inside < 50).mean())))
        heights.setdefault(cont.get_label(), []).append(patch.get_height())
        assert patch.get_linewidth() == 0 or to_rgba(patch.get_edgecolor())[3] == 0  # no outline
    assert [round(grey) for grey, _ in seen["video only"]] == [158, 158]  # unhatched: its colour's grey
    assert [round(grey) for grey, _ in seen["language only"]] == [106, 106]
    assert [round(grey) for grey, _ in seen["shared"]] == [187, 187]  # the hatch's lines are few: its ground
    hatched = {}
    for label, bars in seen.items():
        assert all(dark > 0.04 for _, dark in bars) or all(dark == 0 for _, dark in bars), (label, bars)
        hatched[label] = all(dark > 0.04 for _, dark in bars)  # a hatch: dark lines inside the bar
    for a, b in combinations(seen, 2):
        apart = abs(np.mean([g for g, _ in seen[a]]) - np.mean([g for g, _ in seen[b]]))
        assert apart >= 30 or hatched[a] != hatched[b], (a, b, apart)
    assert hatched == {"video only": False, "shared": True, "language only": False}
    shared = next(c for c in fig.axes[0].containers if c.get_label() == "shared").patches
    assert [(to_rgba(p.get_edgecolor()), p.get_linewidth()) for p in shared] == [((0.0, 0.0, 0.0, 1.0), 0.0)] * 2
    assert not {p.get_hatch() for p in shared} & {"xx", "//", ".."}  # the control's, the captions', the pixels'
    legend = fig.axes[0].get_legend()
    assert {t.get_text(): bool(h.get_hatch()) for t, h in zip(legend.get_texts(), legend.legend_handles)} == hatched
    assert heights == {"video only": pytest.approx([0.3, 0.25]), "shared": pytest.approx([0.1, 0.15]),
                       "language only": pytest.approx([0.2, 0.05])}


def test_a_control_the_user_names_is_hatched_where_its_colour_prints_as_another_models_grey(tmp_path, monkeypatch):
    """A control passed to ``evaluate`` under its own name takes the first spare palette colour, sky blue #56B4E9:
    printed in grey (BT.601 luma of 255) 0.299·86 + 0.587·180 + 0.114·233 = 158, BGS's orange #E69F00 162, and it was
    drawn with no hatch, told apart from BGS by order and legend alone. It is now hatched (dark lines inside its bars,
    in its legend entry too). The spare colours wrap round after four: a fifth control is sky blue again and takes
    another hatch than the first; vermillion #D55E00 (0.299·213 + 0.587·94 = 119), yellow #F0E442 (213) and black
    (0) print 30 or more levels from every other model here and stay plain, as do BGS and the pretrained model."""
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars
    from bgs_hf.viz.models import model_name

    drawn = _capture_figures(monkeypatch)
    scores = {"R²": 0.1, "3-way acc": 0.4, "2-way acc": 0.6}
    for models in (("pretrained", "bgs", "my-control"), ("bgs", "ctl-a", "ctl-b", "ctl-c", "ctl-d", "ctl-e")):
        _plot_bars({m: dict(scores) for m in models}, tmp_path / "fit.png", panels=FIT_PANELS, title="fit")
    one, wrapped = ({}, {})
    for fig, seen in zip(drawn, (one, wrapped)):
        for cont, patch, inside in _bar_insides(fig):  # its pixels as saved
            seen.setdefault(cont.get_label(), []).append((float((inside < 50).mean()), float(np.median(inside)),
                                                          patch.get_hatch()))
    bgs = model_name("bgs")
    assert [round(grey) for _, grey, _ in one[bgs]] == [162] * 3  # an unhatched bar prints at its colour's grey
    assert [round(grey) for _, grey, _ in one["my-control"]] == [158] * 3  # the hatch's lines are few: its ground
    assert all(dark > 0.04 for dark, _, _ in one["my-control"]), one["my-control"]  # a hatch: dark lines inside
    assert all(dark == 0 and not hatch for dark, _, hatch in one[bgs] + one[model_name("pretrained")])
    legend = drawn[0].axes[-1].get_legend()
    assert {t.get_text(): bool(h.get_hatch()) for t, h in zip(legend.get_texts(), legend.legend_handles)
            if t.get_text() in one} == {model_name("pretrained"): False, bgs: False, "my-control": True}
    hatched = {m for m, bars in wrapped.items() if all(dark > 0.04 and hatch for dark, _, hatch in bars)}
    plain = {m for m, bars in wrapped.items() if not any(hatch for _, _, hatch in bars)}  # black: dark all over
    assert (hatched, plain) == ({"ctl-a", "ctl-e"}, {bgs, "ctl-b", "ctl-c", "ctl-d"})
    assert {wrapped["ctl-a"][0][2], wrapped["ctl-e"][0][2]} == {h for _, _, h in wrapped["ctl-a"] + wrapped["ctl-e"]}
    assert wrapped["ctl-a"][0][2] != wrapped["ctl-e"][0][2]  # the two sky-blue controls differ in texture


def _texts(fig):
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist once drawn
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_figure_text_is_readable_at_the_saved_size(tmp_path, monkeypatch):
    """Tick labels of 6-7 pt, legends of 6-7 pt and 8-9 pt titles: at the saved size (110 dpi) layers.png's layer
    names and fit.png's legend were 9-10 pixels high."""
    figs = _report_figures(tmp_path, monkeypatch)
    for name, fig in figs.items():
        small = sorted({(t.get_fontsize(), t.get_text()[:30]) for t in _texts(fig) if t.get_fontsize() < 8})
        assert not small, (name, small)
        titles = [ax.title for ax in fig.axes if ax.get_title()] + ([fig._suptitle] if fig._suptitle else [])
        assert all(t.get_fontsize() >= 9 for t in titles), (name, [(t.get_text(), t.get_fontsize()) for t in titles])


def test_legends_sit_beside_the_data_not_on_it(tmp_path, monkeypatch):
    """fit.png's legend (seven entries) lay over the R² group's ceiling band and r2_vs_ceiling.png's over the band
    too; probes.png's and motion.png's sat where a bar of r = 0.8 ends."""
    figs = _report_figures(tmp_path, monkeypatch)
    for name in ("r2_vs_ceiling", "fit", "probes", "layers", "partition"):
        fig = figs[name]
        fig.canvas.draw()
        legend = fig.axes[-1].get_legend() or (fig.legends[0] if fig.legends else None)
        assert legend is not None, name
        box = legend.get_window_extent()
        for ax in fig.axes:  # fit.png: beside its right-hand axes, and off the left-hand one
            assert not box.overlaps(ax.get_window_extent()), (name, box, ax.get_window_extent())
        assert figs[name].bbox.contains(box.x1 - 1, box.y1 - 1) and figs[name].bbox.contains(box.x0 + 1, box.y0 + 1)


def test_similarity_matrices_count_clips_in_whole_numbers(tmp_path, monkeypatch):
    """A 20-clip panel had ticks at 2.5, 7.5, 12.5 clips. (Mutation audit of weak tests: at today's panel size
    matplotlib's own ticks of 20 clips are whole (0, 2, 4 ...), so the locator left out passed; 5- and 12-clip
    panels get 0.5 and 1.5 steps without it.)"""
    from bgs_hf.viz.matrices import plot_similarity_matrices

    figs = _report_figures(tmp_path, monkeypatch)
    drawn = _capture_figures(monkeypatch)
    for n in (5, 12):
        m = np.random.default_rng(n).random((n, n))
        plot_similarity_matrices({"a": m, "b": m}, tmp_path / f"sim{n}.png", title="t")
    for fig in (figs["similarity_matrices"], *drawn):
        fig.canvas.draw()
        for ax in fig.axes[:-1]:  # the last is the colour bar
            for tick in list(ax.get_xticks()) + list(ax.get_yticks()):
                assert float(tick).is_integer(), tick


def test_other_models_take_the_unused_palette_colours_in_order_and_the_language_row_its_model():
    """Mutants that passed: every non-standard model one colour, a standard model's colour reused, a repeated key
    using up a colour, the first spare skipped; the bundled MiniLM named by case; a name's ` (...)` suffix kept; a
    label given for the language row ignored."""
    from bgs_hf.viz.models import language_name, model_colours, model_name

    # the palette less the standard models' four: sky blue, vermillion, yellow, black (Okabe & Ito order)
    assert model_colours(["bgs", "ctrl-a", "ctrl-a", "ctrl-b", "pixels"]) == {
        "bgs": "#E69F00", "ctrl-a": "#56B4E9", "ctrl-b": "#D55E00", "pixels": "#999999"}
    assert language_name("sentence-transformers/all-minilm-l6-v2") == "captions (MiniLM-L6)"  # Hub ids: any case
    assert language_name("org/other-model (bundled by pkg)") == "captions (other-model)"
    assert model_name("language", language_model="org/x", labels={"language": "my captions"}) == "my captions"
    assert model_name("language", language_model="org/x", labels={"bgs": "run b"}) == "captions (x)"


def test_data_stats_plot_axes_say_they_count_positions_not_clip_indices(tmp_path, monkeypatch):
    """`data stats`' plot reorders clips (train, then test) and labelled both axes "clip": on the release, "clip 2"
    of the test panel is clip 17 of video_mapping.csv (its test clips are 3, 6, 17, ...), and the left panel's
    test block starts at position 200 whatever the test clips' indices."""
    from bgs_hf.cli.main import main
    from bgs_hf.data.testing import tiny_release_tables, write_release

    drawn = _capture_figures(monkeypatch)
    root = write_release(tiny_release_tables(), tmp_path / "rel")  # test clips 0-3: last on the left panel
    assert main(["data", "stats", str(root), "--png", str(tmp_path / "s.png"), "--n-splits", "2"]) == 0
    *panels, bar = drawn[-1].axes  # the last is the colour bar
    assert bar.get_ylabel() == "p_ij (hatched: unobserved pair or the diagonal)"  # was "grey = unobserved": the diagonal
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in panels] == [
        ("position: train clips, then test clips", "position: train clips, then test clips"),
        ("position among the test clips", "position among the test clips")]


def test_similarity_panels_share_one_colour_scale_and_grey_unobserved_pairs(tmp_path, monkeypatch):
    """The tests above checked that a PNG was written: mutants that passed drew each panel on its own scale, ignored
    ``vmin``/``vmax``, drew unobserved pairs in the colour map's lowest colour (which reads as p = 0) instead of grey,
    and dropped or reordered the panel titles, the per-panel axis labels, the colour bar's label or the title."""
    from matplotlib.colors import to_hex

    drawn = _capture_figures(monkeypatch)
    unobserved = np.array([[np.nan, 0.2], [0.2, np.nan]])
    mats = {"first": unobserved, "second": np.array([[0.5, 0.9], [0.9, 0.5]])}
    plot_similarity_matrices(mats, tmp_path / "m.png", title="T", label="p_ij", axis_label=("rows a", "rows b"))
    fig = drawn[-1]
    *panels, bar = fig.axes
    assert [ax.get_title() for ax in panels] == ["first", "second"]
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in panels] == [("rows a", "rows a"), ("rows b", "rows b")]
    images = [ax.get_images()[0] for ax in panels]
    assert [im.get_clim() for im in images] == [(0.2, 0.9), (0.2, 0.9)]  # all finite values of both panels
    assert to_hex(panels[0].get_facecolor()) == "#d9d9d9" and images[0].get_array().mask[0, 0]
    assert bar.get_ylabel() == "p_ij" and fig.get_suptitle() == "T"
    plot_similarity_matrices(mats, tmp_path / "n.png", vmin=0.0, vmax=1.0)
    assert [ax.get_images()[0].get_clim() for ax in drawn[-1].axes[:-1]] == [(0.0, 1.0), (0.0, 1.0)]


def test_a_constant_matrix_gets_a_scale_of_nonzero_width_and_a_model_folder_its_last_name(tmp_path, monkeypatch):
    """Mutation audit (third pass): one value in every cell given the scale (v, v) (a zero-width norm maps every
    cell to one end by matplotlib's rule of the day) passed. A matrix of 0.5s is drawn on (0.5, 0.5 + 1e-9); a
    sentence model folder given with a trailing slash, ``org/model/``, is "captions (model)"."""
    from bgs_hf.viz.models import language_name

    drawn = _capture_figures(monkeypatch)
    plot_similarity_matrices({"flat": np.full((2, 2), 0.5)}, tmp_path / "f.png")
    lo, hi = drawn[-1].axes[0].get_images()[0].get_clim()
    assert lo == 0.5 and hi == 0.5 + 1e-9
    assert language_name("org/model/") == "captions (model)"


def test_bare_subplots_keep_the_dpi_and_squeeze_asked_for():
    """Mutation audit (second pass): ``viz.figure.subplots`` dropping ``dpi`` (the Space's 100-dpi figure at
    matplotlib's default) or ``squeeze`` (a one-model, one-frame attention overlay or one-style synth preview got a bare
    Axes where a 2-D array is indexed) passed: the figures were checked on their files, with several panels."""
    from matplotlib.axes import Axes

    from bgs_hf.viz.figure import subplots

    fig, axes = subplots(1, 1, squeeze=False, dpi=50)
    assert fig.dpi == 50 and axes.shape == (1, 1) and isinstance(axes[0, 0], Axes)
    _, ax = subplots()
    assert isinstance(ax, Axes)


def test_similarity_panels_refuse_a_wrong_number_of_axis_labels_and_draw_clips_as_cells(tmp_path, monkeypatch):
    """Mutation audit (second pass): one axis label too few accepted (zip then dropped the last panel: two matrices,
    one drawn), cells interpolated into each other, another default colour map, and an all-NaN panel's scale not
    (0, 1) passed: the tests gave one label per panel or one for all, and looked at clims of finite panels only."""
    drawn = _capture_figures(monkeypatch)
    mats = {"a": np.eye(2), "b": np.eye(2)}
    with pytest.raises(ValueError, match=r"axis_label: 1 labels for 2 panels"):
        plot_similarity_matrices(mats, tmp_path / "m.png", axis_label=["only one"])
    plot_similarity_matrices({"unobserved": np.full((2, 2), np.nan)}, tmp_path / "n.png")
    (image,) = drawn[-1].axes[0].get_images()
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_interpolation() == "nearest" and image.cmap.name.startswith("viridis")


def test_a_fifth_other_model_wraps_round_the_spare_colours_and_names_keep_their_rules():
    """Mutation audit (second pass): the spare colours not wrapping (every model past the fourth other one in black),
    ``finetuned_name`` calling any adapter or any BGS-trained model "BGS fine-tuned", and an unknown key (a control
    the user named) shown as "fine-tuned model" passed: the tests had at most two other models and standard keys."""
    from bgs_hf.viz.models import FINETUNED_NAME, finetuned_name, model_colours, model_name

    spare = ["#56B4E9", "#D55E00", "#F0E442", "#000000"]  # the palette less the four standard colours, in order
    assert list(model_colours(["a", "b", "c", "d", "e", "bgs"]).values()) == spare + [spare[0], "#E69F00"]
    assert finetuned_name(True, True) == "BGS fine-tuned (LoRA)"
    assert finetuned_name(True, False) == finetuned_name(False, True) == finetuned_name(False, False) == FINETUNED_NAME
    assert model_name("my-control") == "my-control" and model_name("pixels") == "raw pixels"


def test_long_titles_many_models_and_an_unscored_last_group_stay_inside_the_saved_figure(tmp_path, monkeypatch):
    """Seen in a visual review: a long data name ran r2_vs_ceiling.png's title off both edges, a long model name the
    Space's heat-map title, a long data name `data stats`' suptitle (and a wrapped one pushed the quickstart's matrices'
    axis labels off the bottom); fit.png's legend of 13 models ran off the
    bottom; probes.png's last group with no value said "not scored" across the axes' right edge."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars
    from bgs_hf.hub.space_app import similarity_figure
    from bgs_hf.quickstart import plot_against_ceiling

    drawn, save = [], Figure.savefig  # each figure with the dpi it is saved at (text clipped at 120 dpi, not 100)
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append((self, k.get("dpi"))),
                                                                  save(self, *a, **k))[1])
    row = {"r2": 0.05, "r2_ci": [0.0, 0.1]}
    plot_against_ceiling({"data": "a-release-folder-with-a-rather-long-name-of-its-own-v2", "models": {"bgs": row},
                          "noise_ceiling_r2": 0.16, "noise_ceiling_ci": [0.05, 0.3]}, tmp_path / "r2.png")
    plot_similarity_matrices({"only": np.eye(4)}, tmp_path / "m.png",
                             title="Human similarity p_ij: a-release-folder-with-a-rather-long-name-of-its-own")
    plot_similarity_matrices({k: np.eye(20) for k in "abc"}, tmp_path / "q.png", axis_label="test clip",
                             title="Test clips (20), ordered by clustering the simulated observers' matrix; values as "
                                   "within-matrix ranks rescaled to 0-1 per panel (RSA compares ranks)")  # 2 lines
    many = {f"control-{k}-with-a-long-name": {"R²": 0.1, "3-way acc": 0.4} for k in range(13)}
    _plot_bars(many, tmp_path / "fit.png", panels=FIT_PANELS, title="t", errors={n: {"R²": (0.0, 0.2)} for n in many})
    _plot_bars({"bgs": {"energy": 0.3, "scene": float("nan")}}, tmp_path / "probes.png", ylabel="r", title="t")
    figs = [*drawn, (similarity_figure(np.eye(3), ["a: x", "b: y", "c: z"],
                                       "fine-tuned model (someone/a-long-hub-repository-name-v3)", 0), None)]
    for fig, dpi in figs:
        fig.set_dpi(dpi or fig.dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        box, renderer = fig.bbox, canvas.get_renderer()
        ticks = {id(t) for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}
        for t in [t for t in _texts(fig) if id(t) not in ticks]:  # a tick label past the view keeps its text
            ext = t.get_window_extent(renderer)
            assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, t.get_text()
        for legend in [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
            ext = legend.get_window_extent()
            assert box.y0 <= ext.y0 and ext.y1 <= box.y1, ext
    from matplotlib.image import imread

    bottom = imread(tmp_path / "q.png")[-2:, :, :3]  # the saved file: its axis labels were cut by the lower edge
    assert bottom.min() > 0.95
    (ax,) = drawn[-1][0].axes
    (note,) = [t for t in ax.texts if t.get_text() == "not scored"]
    assert ax.get_window_extent().x1 >= note.get_window_extent(drawn[-1][0].canvas.get_renderer()).x1


def test_a_long_model_name_wraps_in_the_legend_and_leaves_the_axes_their_width(tmp_path, monkeypatch):
    """fit.png of a run compared with a Hub backbone (``--pretrained org/videomae-base-finetuned-...``): its one-line
    legend entry took the figure's width, and tight_layout squeezed the three bar groups into a third of it."""
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars

    drawn = _capture_figures(monkeypatch)
    long = "my-very-long-org/videomae-base-finetuned-kinetics-400-something (frozen)"
    fits = {m: {"R²": 0.1, "3-way acc": 0.45, "2-way acc": 0.6} for m in ("pretrained", "bgs", "language")}
    _plot_bars(fits, tmp_path / "fit.png", panels=FIT_PANELS, title="t", names={"pretrained": long},
               refs={"R²": ("noise ceiling", 0.4, (0.3, 0.5))})
    fig = drawn[-1]
    fig.canvas.draw()
    # both axes together (R² | accuracies); 0.25 of one axes unwrapped
    assert sum(ax.get_window_extent().width for ax in fig.axes) > 0.45 * fig.bbox.width
    (entry,) = [t.get_text() for t in fig.axes[-1].get_legend().get_texts() if "kinetics" in t.get_text()]
    assert " ".join(entry.split()).replace("- ", "-") == long  # wrapped, not cut


def test_a_chart_against_an_undefined_noise_ceiling_says_it_is_n_a(tmp_path, monkeypatch):
    """r2_vs_ceiling.png and fit.png on a split too small for a ceiling (the tables' "n/a"): no line, no band and not a
    word, so the chart named against the ceiling read as one that simply left it out."""
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars
    from bgs_hf.quickstart import plot_against_ceiling

    drawn = _capture_figures(monkeypatch)
    row = {"r2": -0.03, "r2_ci": [-0.1, 0.02], "pct_of_ceiling": None, "ooo_acc_3way": 0.4, "ooo_acc_2way": 0.6}
    plot_against_ceiling({"data": "toy", "models": {"pixels": row, "bgs": row}, "noise_ceiling_r2": float("nan"),
                          "noise_ceiling_ci": [None, None]}, tmp_path / "r2.png")
    nan = float("nan")
    _plot_bars({"bgs": {"R²": -0.03, "3-way acc": 0.4}}, tmp_path / "fit.png", panels=FIT_PANELS, title="t",
               refs={"R²": ("noise ceiling", nan, [nan, nan]), "3-way acc": ("chance", 1 / 3, None)})
    for fig in drawn:
        legend = [" ".join(t.get_text().split()) for t in fig.axes[-1].get_legend().get_texts()]
        assert "noise ceiling: n/a (too few judgments or participants to estimate it)" in legend, legend
        for ax in fig.axes:  # nothing drawn
            assert not [x for x in [*ax.lines, *ax.collections] if x.get_label() == "noise ceiling"]
    ok = {"data": "toy", "models": {"bgs": row}, "noise_ceiling_r2": 0.16, "noise_ceiling_ci": [0.05, 0.3]}
    plot_against_ceiling(ok, tmp_path / "ok.png")  # a defined ceiling: its value, and no n/a
    assert not [t for t in drawn[-1].axes[0].get_legend().get_texts() if "n/a" in t.get_text()]


def test_similarity_panels_name_their_clips_when_given_names_and_keep_them_inside_the_figure(tmp_path, monkeypatch):
    """`data stats` on a 12-clip pilot study drew positions 0-11 on both axes: which row was which video was not
    said anywhere. ``tick_names`` names every row and column of a panel (a long name keeps its start and end), the
    panel without names keeps counting, and the names and axis labels stay inside the saved figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn = _capture_figures(monkeypatch)
    names = ["walk/a.mp4", "b.mp4", "interviews/participant-07/take-3.mp4"]  # 10, 5 and 36 characters
    plot_similarity_matrices({"named": np.eye(3), "counted": np.eye(3)}, tmp_path / "m.png",
                             tick_names=[names, None])
    fig = drawn[-1]
    named, counted = fig.axes[0], fig.axes[1]
    fig.set_dpi(120)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    shown = ["walk/a.mp4", "b.mp4", "interview…take-3.mp4"]  # 20 characters: 9, the ellipsis, the last 10
    assert [t.get_text() for t in named.get_xticklabels()] == shown
    assert [t.get_text() for t in named.get_yticklabels()] == shown
    assert list(named.get_xticks()) == [0, 1, 2]
    assert [t.get_text() for t in counted.get_xticklabels()] != shown  # positions, as before
    box, renderer = fig.bbox, canvas.get_renderer()
    for t in [*named.get_xticklabels(), *named.get_yticklabels(), named.xaxis.label, named.yaxis.label]:
        ext = t.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, t.get_text()
    with pytest.raises(ValueError, match=r"tick_names: 1 entries for 2 panels"):
        plot_similarity_matrices({"a": np.eye(2), "b": np.eye(2)}, tmp_path / "n.png", tick_names=[None])
    with pytest.raises(ValueError, match=r"tick_names of 'a': 3 names for 2 rows"):
        plot_similarity_matrices({"a": np.eye(2)}, tmp_path / "n.png", tick_names=[names])


def test_named_ticks_widen_the_figure_by_each_named_panel_and_a_name_of_twenty_characters_is_kept_whole(
        tmp_path, monkeypatch):
    """Mutation audit (the figure size for names, ``_tick_text``): the room named ticks take was never measured (the
    figure kept 4.2 in a panel + 0.8 by 4.4 without it, grew once for two named panels, or by a name's uncut length,
    and the labels still fitted: constrained layout shrank the panels), a name of exactly TICK_CHARS characters was
    never shown, and the column names were never checked to stand upright. By hand: a shown name of 20 characters (36
    cut to 20, or 20 kept) is 0.07 x 20 = 1.4 in beside each named panel and once below."""
    drawn = _capture_figures(monkeypatch)
    names = ["walk/a.mp4", "b.mp4", "interviews/participant-07/take-3.mp4"]
    for tick_names, size in (([names, None], (4.2 * 2 + 0.8 + 1.4, 4.4 + 1.4)),
                             ([names, names], (4.2 * 2 + 0.8 + 2 * 1.4, 4.4 + 1.4)),
                             (None, (4.2 * 2 + 0.8, 4.4))):
        plot_similarity_matrices({"a": np.eye(3), "b": np.eye(3)}, tmp_path / "m.png", tick_names=tick_names)
        assert tuple(drawn[-1].get_size_inches()) == pytest.approx(size), tick_names
    twenty = "studio/take-0003.mp4"  # 20 characters
    plot_similarity_matrices({"a": np.eye(2)}, tmp_path / "m.png", tick_names=[[twenty, "b.mp4"]])
    ax = drawn[-1].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [twenty, "b.mp4"]
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {90.0}  # columns' names upright: no overlap
    assert tuple(drawn[-1].get_size_inches()) == pytest.approx((4.2 + 0.8 + 1.4, 4.4 + 1.4))


def test_two_long_names_that_differ_in_the_middle_get_distinct_ticks(tmp_path, monkeypatch):
    """`data stats --png` on a pilot study whose clips sit in one folder per participant: participant 07's and 08's
    take-3 both read ``interview…take-3.mp4`` on the axes, so two rows and columns had the same name. Names cut to
    the same text now carry their position in the panel (23 characters: the figure grows 0.07 in a character); a
    panel holding one of them keeps its plain cut name, and names that stay apart stay as they were."""
    drawn = _capture_figures(monkeypatch)
    seven, eight = "interviews/participant-07/take-3.mp4", "interviews/participant-08/take-3.mp4"
    plot_similarity_matrices({"all": np.eye(3), "test": np.eye(2)}, tmp_path / "m.png",
                             tick_names=[["b.mp4", seven, eight], ["b.mp4", eight]])
    both, alone = drawn[-1].axes[0], drawn[-1].axes[1]
    shown = ["b.mp4", "interview…take-3.mp4 #1", "interview…take-3.mp4 #2"]
    assert [t.get_text() for t in both.get_xticklabels()] == shown
    assert [t.get_text() for t in both.get_yticklabels()] == shown
    assert [t.get_text() for t in alone.get_xticklabels()] == ["b.mp4", "interview…take-3.mp4"]
    assert tuple(drawn[-1].get_size_inches()) == pytest.approx((4.2 * 2 + 0.8 + 2 * 0.07 * 23, 4.4 + 0.07 * 23))


def test_unobserved_cells_are_hatched_so_a_greyscale_print_keeps_them_apart_from_the_most_similar_pairs(
        tmp_path, monkeypatch):
    """Seen in a visual review (greyscale copy of similarity_matrices.png): unobserved pairs were flat #d9d9d9, grey
    level 0.299*217 + 0.587*217 + 0.114*217 = 217 of 255, and viridis' top (#fde725) is 0.299*253 + 0.587*231 +
    0.114*37 = 216: in print the judges' most similar pairs, the clusters the panel is for, were the unobserved ones.
    Now the masked cells are transparent over the axes' grey, hatched in a darker grey, in every panel."""
    from matplotlib.colors import to_hex, to_rgba

    drawn = _capture_figures(monkeypatch)
    mats = {"judges": np.array([[np.nan, 1.0], [1.0, np.nan]]), "model": np.array([[np.nan, 0.0], [0.0, np.nan]])}
    plot_similarity_matrices(mats, tmp_path / "m.png", vmin=0.0, vmax=1.0)
    *panels, _bar = drawn[-1].axes
    for ax in panels:
        (image,) = ax.get_images()
        assert image.get_array().mask[0, 0] and to_rgba(image.cmap.get_bad())[3] == 0.0  # the axes show through
        assert to_hex(ax.get_facecolor()) == "#d9d9d9" and ax.patch.get_hatch() == "////"
        hatch = to_rgba(ax.patch.get_edgecolor())  # a hatch's colour: its patch's edge colour
        assert hatch[3] == 1.0 and max(hatch[:3]) < 0.6  # visibly darker than the 0.85 grey under it
        assert ax.patch.get_linewidth() == 0.0  # the edge itself not drawn


def test_model_hatches_hands_out_the_spare_hatches_in_order_to_close_greys_until_they_run_out():
    """Mutation audit of ``model_hatches``, on its keyword arguments. Printed in grey (BT.601 luma of 255): the
    pretrained blue #0072B2 0.587·114 + 0.114·178 = 87.2, the captions' green #009E73 0.587·158 + 0.114·115 = 105.9,
    BGS's orange #E69F00 0.299·230 + 0.587·159 = 162.1; the spare colours, given to user-named models in turn, sky blue
    #56B4E9 157.9, vermillion #D55E00 0.299·213 + 0.587·94 = 118.9, yellow #F0E442 213.1, black 0. Vermillion is 31.7
    levels from the blue (plain: 30 apart reads as two greys) and 13.0 from the green (hatched, with the first spare
    hatch although it is the second user-named model). Nine user-named models beside BGS repeat each spare colour, so
    all nine are close to another: the first six take the six spare hatches in order, the last three none (colour and
    legend alone, no error). A key named twice is one model with one hatch (was: no test had a control 30-32 levels
    from another model, more than two hatched controls, or a repeated key)."""
    from bgs_hf.viz.models import model_hatches

    def drawn(hatch: str) -> dict:
        return {"hatch": hatch, "edgecolor": "black", "linewidth": 0}

    assert model_hatches(["pretrained", "c1", "c2", "c3", "c4"]) == {k: {} for k in ("pretrained", "c1", "c2", "c3",
                                                                                       "c4")}
    assert model_hatches(["language", "c1", "c2"]) == {"language": drawn("//"), "c1": {}, "c2": drawn("\\\\")}
    many = [f"c{i}" for i in range(1, 10)]
    spare = ["\\\\", "++", "--", "||", "oo", "**"]
    assert model_hatches(["bgs", *many]) == {"bgs": {}, **{k: drawn(h) for k, h in zip(many, spare)},
                                             "c7": {}, "c8": {}, "c9": {}}
    assert model_hatches(["bgs", "c1", "c1", "c2"]) == {"bgs": {}, "c1": drawn("\\\\"), "c2": {}}


def test_an_attention_map_with_no_finite_value_says_so_over_its_frames(tmp_path, monkeypatch):
    """A diverged model's rollout map is NaN (``bgs_hf.eval.attention``): its row of attention_<k>.png showed the bare
    frames, as if the model's relevance were nowhere, with no word. Each of its panels now says "no map (not
    finite)"; the frames' row and a finite map's row carry no such note."""
    from bgs_hf.eval.attention import plot_overlays

    drawn = _capture_figures(monkeypatch)
    rng = np.random.default_rng(0)
    plot_overlays(np.zeros((8, 16, 16, 3), np.uint8), {"pretrained": rng.random((2, 4, 4)) / 16,
                                                       "bgs": np.full((2, 4, 4), np.nan)}, tmp_path / "a.png", n_times=3)
    axes = np.array(drawn[-1].axes[:9]).reshape(3, 3)  # rows: frames, pretrained, bgs (the colour bar last)
    notes = [[" ".join(t.get_text().split()) for t in ax.texts] for ax in axes.ravel()]
    assert notes == [[]] * 6 + [["no map (not finite)"]] * 3


def test_wrapped_text_fits_the_width_it_was_wrapped_to(tmp_path):
    """Mutation audit (fourth pass): ``wrap_to`` counting 96 characters to the inch (points as pixels) instead of 72
    passed every test: titles wrapped a third too wide ran off the saved figure again. Each line of a long title,
    drawn at the size it was wrapped for, fits the width asked for (DejaVu Sans, as saved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bgs_hf.viz.figure import subplots, wrap_to

    text = " ".join(f"word{k}" for k in range(80))
    for width_in, pt in ((6.2, 10.5), (4.0, 12.0), (10.0, 8.5)):
        fig, _ = subplots(figsize=(12, 2), dpi=100)
        canvas = FigureCanvasAgg(fig)
        lines = wrap_to(text, width_in, pt).split("\n")
        assert len(lines) > 1
        widths = [fig.text(0, 0.5, line, fontsize=pt).get_window_extent(canvas.get_renderer()).width / fig.dpi
                  for line in lines]
        assert max(widths) <= width_in and max(widths[:-1]) > 0.7 * width_in, (width_in, pt, widths)


def test_a_tall_legend_stays_inside_the_figure_and_fit_png_panels_keep_their_width_ratio(tmp_path, monkeypatch):
    """Mutation audit (fourth pass): ``fit_height_to_legend`` without its 0.6 in for the title and the margin, and
    ``subplots`` dropping ``gridspec_kw`` (fit.png's R² axes as wide as the two accuracies' axes) and the CI legend
    key without the error bars' cap passed every test.
    A legend of 14 two-line model names lies inside the saved figure, and fit.png's accuracy axes are twice as wide
    as the R² axes (two groups beside one)."""
    from bgs_hf.eval.suite import FIT_PANELS, _plot_bars

    drawn = _capture_figures(monkeypatch)
    fits = {f"org/a-rather-long-control-model-name-number-{k:02d}": {"R²": 0.1, "3-way acc": 0.4, "2-way acc": 0.6}
            for k in range(14)}
    _plot_bars(fits, tmp_path / "fit.png", panels=FIT_PANELS, title="Behavioural fit (test)",
               errors={m: {"R²": (0.05, 0.2)} for m in fits})
    fig = drawn[-1]
    fig.canvas.draw()
    r2_ax, acc_ax = fig.axes
    legend = acc_ax.get_legend().get_window_extent()
    assert fig.get_figheight() > 3.4  # taller than the figure drawn for a few models
    assert legend.y0 >= 0 and legend.y1 <= fig.bbox.height, (legend, fig.bbox)
    assert acc_ax.get_position().width == pytest.approx(2 * r2_ax.get_position().width, rel=1e-6)
    keys = dict(zip([t.get_text() for t in acc_ax.get_legend().get_texts()], acc_ax.get_legend().legend_handles))
    assert keys["95% CI (bootstrap over clips)"].get_marker() == "_"  # the key shows the bars' caps


def test_a_model_not_partitioned_is_named_with_its_reason_under_the_partition_axes(tmp_path, monkeypatch):
    """partition.png left a model whose partition was skipped (``{"skipped": why}``: diverged or collapsed) off the
    axis without a word while the table said why. It still has no slot, and a line under the axes says why; a figure
    with every model partitioned has no such line (its pixels as before)."""
    from matplotlib.text import Text

    from bgs_hf.eval.partition import plot_partition

    drawn = _capture_figures(monkeypatch)
    bgs = {"video_unique": 0.25, "shared": 0.15, "language_unique": 0.05}
    why = "non-finite embeddings (a diverged model?)"
    plot_partition({"bgs": bgs, "pretrained": {"skipped": why}}, tmp_path / "partition.png")
    ax = drawn[-1].axes[0]
    assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == ["BGS fine-tuned (LoRA)"]
    texts = [t.get_text().replace("\n", " ") for t in drawn[-1].findobj(Text)]
    assert f"pretrained video model (frozen): not run ({why})" in texts
    plot_partition({"bgs": bgs}, tmp_path / "healthy.png")
    assert not any("not run" in t.get_text() for t in drawn[-1].findobj(Text))
    assert drawn[-1].axes[0].get_xlabel() == ""


def test_a_partition_figure_with_no_model_partitioned_says_so_with_each_reason_and_warns_nothing(tmp_path,
                                                                                                 monkeypatch):
    """With every model skipped, partition.png drew empty axes (``set_xlim(-0.5, -0.5)``: matplotlib's UserWarning
    "identical low and high xlims") with a legend of three parts in matplotlib's default blue, not the palette's, for
    bars that were not there. It now says no model was partitioned, with each model's reason, and has no axes, no
    legend and no warning."""
    import warnings

    from matplotlib.text import Text

    from bgs_hf.eval.partition import plot_partition

    drawn = _capture_figures(monkeypatch)
    parts = {"bgs": {"skipped": "collapsed embeddings"}, "pretrained": {"skipped": "non-finite embeddings"}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_partition(parts, tmp_path / "partition.png")
    (ax,) = drawn[-1].axes
    assert ax.get_legend() is None and not ax.patches and not ax.axison
    (said,) = [t.get_text() for t in ax.texts]
    assert said.replace("\n", " ") == ("no model was partitioned BGS fine-tuned (LoRA): not run (collapsed "
                                         "embeddings) pretrained video model (frozen): not run (non-finite embeddings)")
    assert ax.get_title() == "Variance partitioning" and (tmp_path / "partition.png").is_file()
    assert not any("not run" in t.get_text() for t in drawn[-1].findobj(Text) if t not in ax.texts)  # said once


def test_a_long_panel_title_wraps_whole_inside_its_place_and_a_title_that_fits_is_left_as_it_was(
        tmp_path, monkeypatch):
    """A model named in 80 characters over a similarity panel ran into the next panel's title (the two read as one
    line of text) and lost its ends at the figure's edges. It now wraps, whole, to its panel's place, the figure
    taller by its added line; titles that fit keep their one line and the figure its size (the quickstart's
    titles: its similarity_matrices.png keeps its pixels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn = _capture_figures(monkeypatch)
    words = "pretrained video model fine-tuned on a long data set name with many words in it " * 2
    named = [[f"clip-{i}.mp4" for i in range(4)]] * 3
    for n, tick_names in ((40, None), (80, None), (80, named)):
        titles = [f"{i} {words}"[:n].strip() for i in range(3)]
        plot_similarity_matrices(dict(zip(titles, [np.eye(4)] * 3)), tmp_path / "m.png", title="t",
                                 tick_names=tick_names)
        fig = drawn[-1]
        size = tuple(fig.get_size_inches())
        fig.set_dpi(120)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        panels = fig.axes[:3]
        extents = [ax.title.get_window_extent(canvas.get_renderer()) for ax in panels]
        for ax, title, ext in zip(panels, titles, extents):
            assert "".join(ax.get_title().split()) == "".join(title.split())  # wrapped, not cut
            assert fig.bbox.x0 < ext.x0 and ext.x1 < fig.bbox.x1, (n, ax.get_title())
        for left, right in zip(extents, extents[1:]):
            assert left.x1 < right.x0, (n, [ax.get_title() for ax in panels])
        if n < 80:  # fits: as it was drawn before
            assert [ax.get_title() for ax in panels] == titles
        else:
            assert all("\n" in ax.get_title() for ax in panels)
            assert size[1] > 4.4 + (0 if tick_names is None else 0.07 * len("clip-0.mp4"))  # a line taller
    from bgs_hf.quickstart import MODEL_LABELS

    titles = ["simulated observers (p_ij; hatched: pair in no test judgment)", MODEL_LABELS["pretrained"],
              MODEL_LABELS["bgs"]]
    plot_similarity_matrices(dict(zip(titles, [np.eye(50)] * 3)), tmp_path / "q.png", axis_label="test clip")
    assert [ax.get_title() for ax in drawn[-1].axes[:3]] == titles
    assert tuple(drawn[-1].get_size_inches()) == pytest.approx((4.2 * 3 + 0.8, 4.4))


def test_wrapped_panel_titles_keep_their_margins_and_the_panels_their_size_one_panel_and_wide_letters_too(
        tmp_path, monkeypatch):
    """Mutation audit of the panel titles' wrapping: a lone panel's long title has no neighbour to run into, only the
    figure's edges, and wraps to them; a title of narrow letters then wide ones ('iiii ... WWWW') wraps by its lines'
    measured widths, not its average letter's; a panel titled "" beside a long title is passed over (it has no width
    to measure a letter by). Each title stays TITLE_MARGIN_IN from the figure's edges and twice that from its
    neighbour's (titles that come closer than that without touching wrap too), and the figure grows by the added
    lines only: the square panels keep their size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bgs_hf.viz.matrices import TITLE_MARGIN_IN

    drawn, dpi = _capture_figures(monkeypatch), 120

    def placed(titles):
        plot_similarity_matrices(dict(zip(titles, [np.eye(4)] * len(titles))), tmp_path / "m.png")
        fig = drawn[-1]
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        panels = fig.axes[:len(titles)]
        return fig, [ax.title.get_window_extent(canvas.get_renderer()) for ax in panels], panels[0].bbox.height / dpi

    words = "pretrained video model fine-tuned on a long data set name with many words in it " * 2
    margin = TITLE_MARGIN_IN * dpi
    for titles, short in (([words[:80].strip()], ["a"]), (["iiii " * 8 + f"WWWW {i}" * 8 for i in range(3)],
                                                           ["a", "b", "c"]), ([words.strip(), ""], None)):
        fig, extents, side = placed(titles)
        kept = [(ax.get_title(), ext) for ax, ext in zip(fig.axes, extents) if ext.width > 0]
        assert all("\n" in shown for shown, _ in kept), [ax.get_title() for ax in fig.axes]
        assert ["".join(shown.split()) for shown, _ in kept] == ["".join(t.split()) for t in titles if t]
        assert all(fig.bbox.x0 + margin <= ext.x0 and ext.x1 <= fig.bbox.x1 - margin for _, ext in kept)
        assert all(right.x0 - left.x1 >= 2 * margin for left, right in zip(extents, extents[1:]))
        if short is not None:  # 0.17 in a line of 10 pt: the panels drawn as with one line of title
            assert side == pytest.approx(placed(short)[2], abs=0.02)
    for n in range(55, 58):  # about where three titles of one line come within twice the margin of each other
        _, extents, _ = placed([f"{i} {words}"[:n].strip() for i in range(3)])
        assert all(right.x0 - left.x1 >= 2 * margin for left, right in zip(extents, extents[1:])), n


def _quickstart_like_figure():
    from bgs_hf.viz.figure import subplots

    fig, ax = subplots(figsize=(4, 3))
    ax.bar(["a", "b"], [0.3, 0.6])
    ax.set_title("agreement")
    return fig


def test_a_figure_cut_short_by_a_full_disk_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    """matplotlib's savefig wrote straight to its target: a full disk mid-write left a cut-short PNG (a figure a
    report or paper then picked up). Now the old file stays whole, no hidden temp file is left, and the error
    names the target."""
    import errno

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bgs_hf.viz.matrices import save_figure

    png = tmp_path / "agreement.png"
    png.write_bytes(b"the earlier figure")

    def full_disk(self, fname_or_fh, **kwargs):
        fh = open(fname_or_fh, "wb") if isinstance(fname_or_fh, (str, bytes)) or hasattr(fname_or_fh, "__fspath__") \
            else fname_or_fh
        fh.write(b"\x89PNG\r\n\x1a\n half")
        fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FigureCanvasAgg, "print_png", full_disk)
    with pytest.raises(OSError) as caught:
        save_figure(_quickstart_like_figure(), png, dpi=130)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(png)
    assert png.read_bytes() == b"the earlier figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.png"]


def test_save_figure_writes_the_bytes_savefig_writes_with_the_mode_of_a_plain_file(tmp_path):
    """The demo's PNGs must not change: the figure through the temp file is byte for byte savefig's own; a name
    with no suffix still gets matplotlib's ``.png``, and a new file the mode any file of the user's gets."""
    import os

    from bgs_hf.viz.matrices import save_figure

    fig = _quickstart_like_figure()
    fig.savefig(tmp_path / "direct.png", dpi=130)
    save_figure(fig, tmp_path / "routed.png", dpi=130)
    assert (tmp_path / "routed.png").read_bytes() == (tmp_path / "direct.png").read_bytes()
    save_figure(fig, tmp_path / "bare", dpi=110)
    assert (tmp_path / "bare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "routed.png").stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "routed.png").chmod(0o640)  # an existing figure keeps its own mode, as under a plain write
    save_figure(fig, tmp_path / "routed.png", dpi=130)
    assert (tmp_path / "routed.png").stat().st_mode & 0o777 == 0o640


def test_a_figure_in_a_folder_that_takes_no_new_file_or_behind_a_symlink_is_written_as_a_plain_write_would(
        tmp_path, monkeypatch):
    """Mutation (audit of e657366): ``save_figure`` through a temp file must write where a plain ``savefig`` did: an
    existing figure the user may write in a folder that takes no new file (a shared results folder) in place, and a
    figure name that is a symlink through to its target, the link kept (not replaced by a file of its own)."""
    import os
    import tempfile

    from bgs_hf.viz.matrices import save_figure

    fig = _quickstart_like_figure()
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "fig.png").write_bytes(b"the earlier figure")
    real = tempfile.mkstemp

    def mkstemp(suffix=None, prefix=None, dir=None, text=False):  # chmod cannot show a locked folder to root
        if dir is not None and os.path.realpath(dir) == os.path.realpath(locked):
            raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}a1b2c3d4{suffix}"))
        return real(suffix, prefix, dir, text)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    save_figure(fig, locked / "fig.png", dpi=50)
    assert (locked / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and os.listdir(locked) == ["fig.png"]
    with pytest.raises(PermissionError):  # a new one there is refused, as a plain write's would be
        save_figure(fig, locked / "new.png", dpi=50)

    (tmp_path / "figs").mkdir()
    (tmp_path / "link.png").symlink_to(tmp_path / "figs" / "fig.png")
    save_figure(fig, tmp_path / "link.png", dpi=50)
    assert (tmp_path / "link.png").is_symlink()
    assert (tmp_path / "figs" / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _pgf_without_latex(monkeypatch) -> None:
    """matplotlib's pgf backend measures its text with LaTeX (xelatex), which a test machine may lack: stand-in
    metrics, so a ``.pgf`` (and the raster images it writes beside itself) can be saved."""
    from matplotlib.backends import backend_pgf

    class Metrics:
        def get_width_height_descent(self, text, prop):
            return 5.0 * len(text), 7.0, 2.0

    monkeypatch.setattr(backend_pgf.LatexManager, "_get_cached_or_new", classmethod(lambda cls: Metrics()))
    monkeypatch.setattr(backend_pgf, "_get_image_inclusion_command", lambda: r"\includegraphics")


def test_a_pgf_and_its_images_appear_whole_or_not_at_all(tmp_path, monkeypatch):
    """A ``.pgf`` was written straight (its raster images go beside its own name, so it bypassed the temp file): a
    failure after its first image left an earlier ``.pgf`` cut short and a stray ``-img0.png``. Now it is built in
    a hidden folder: a success leaves the ``.pgf`` (an existing one's mode kept) and the images it names, a
    failure the earlier files untouched, and neither leaves the hidden folder."""
    import errno

    import numpy as np
    from matplotlib.backends import backend_pgf

    from bgs_hf.viz import plot_similarity_matrices

    _pgf_without_latex(monkeypatch)
    matrix = np.random.default_rng(0).random((5, 5))
    pgf = tmp_path / "sim.pgf"
    pgf.write_text("the earlier figure")
    pgf.chmod(0o640)
    plot_similarity_matrices({"a": matrix, "b": matrix}, pgf)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["sim-img0.png", "sim-img1.png", "sim-img2.png", "sim.pgf"], names
    text = pgf.read_text()
    assert all(f"{{{name}}}" in text for name in names[:-1]) and pgf.stat().st_mode & 0o777 == 0o640

    for old in tmp_path.iterdir():
        old.write_text("the earlier figure")
    real_draw_image = backend_pgf.RendererPgf.draw_image

    def full_disk_at_the_second_image(self, gc, x, y, im, transform=None):
        if self.image_counter == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_draw_image(self, gc, x, y, im, transform)

    monkeypatch.setattr(backend_pgf.RendererPgf, "draw_image", full_disk_at_the_second_image)
    with pytest.raises(OSError) as caught:
        plot_similarity_matrices({"a": matrix, "b": matrix}, tmp_path / "new.pgf")
    assert caught.value.errno == errno.ENOSPC
    with pytest.raises(OSError):
        plot_similarity_matrices({"a": matrix, "b": matrix}, pgf)
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    assert all(p.read_text() == "the earlier figure" for p in tmp_path.iterdir())


def test_a_pgf_behind_a_symlink_keeps_the_link_and_a_folder_that_takes_no_new_file_is_named_as_typed(tmp_path,
                                                                                                     monkeypatch):
    """Mutation audit of 33bfdbe: ``_save_pgf`` building beside the name given rather than its target, or letting
    the hidden folder's name out of a refusal, passed. A ``sim.pgf`` that links into a paper's figure folder was
    replaced by a file of its own (the paper kept the old figure, its images landed elsewhere), and a folder that
    takes no new file was "Permission denied: .../.bgs-partial-sim.pgf-x1y2", a name the user never typed."""
    import os
    import tempfile

    import numpy as np

    _pgf_without_latex(monkeypatch)
    matrix = np.random.default_rng(0).random((5, 5))
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "sim.pgf").write_text("the earlier figure")
    (tmp_path / "sim.pgf").symlink_to(tmp_path / "paper" / "sim.pgf")
    plot_similarity_matrices({"a": matrix, "b": matrix}, tmp_path / "sim.pgf")
    assert (tmp_path / "sim.pgf").is_symlink() and sorted(os.listdir(tmp_path)) == ["paper", "sim.pgf"]
    assert sorted(os.listdir(tmp_path / "paper")) == ["sim-img0.png", "sim-img1.png", "sim-img2.png", "sim.pgf"]
    assert "{sim-img0.png}" in (tmp_path / "paper" / "sim.pgf").read_text()

    locked = tmp_path / "locked"
    locked.mkdir()
    real = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):  # chmod cannot show a locked folder to root
        if dir is not None and os.path.realpath(dir) == os.path.realpath(locked):
            raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}x1y2"))
        return real(suffix, prefix, dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(PermissionError) as caught:
        plot_similarity_matrices({"a": matrix, "b": matrix}, locked / "sim.pgf")
    assert caught.value.filename == str(locked / "sim.pgf") and os.listdir(locked) == []


def test_every_figure_is_saved_through_save_figure():
    """One way out for every figure (quickstart's and evaluate's PNGs, the synth and pretrain plots, the training
    benchmark's curves): a bare ``fig.savefig(path)`` elsewhere writes straight to its target again."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    callers = [str(p.relative_to(root)) for folder in ("bgs_hf", "benchmarks", "spaces")
               for p in sorted((root / folder).rglob("*.py"))
               if ".savefig(" in p.read_text(encoding="utf-8") and p.name != "matrices.py"]
    assert callers == []


def test_a_plot_to_stdout_comes_after_the_lines_printed_before_it(tmp_path):
    """Mutation audit (100c40d): ``save_figure`` writing to descriptor 1 without flushing ``sys.stdout`` first passed
    every test (the CLI flushes before it moves its lines to stderr). A script that prints a line, then plots to
    ``/dev/stdout`` into a pipe: the buffered line came after the PNG's bytes, at exit."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe's stdout is buffered
    script = ("import numpy as np\nfrom bgs_hf.viz import plot_similarity_matrices\nprint('first')\n"
              "plot_similarity_matrices({'m': np.eye(3)}, '/dev/stdout')\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=120,
                         env=env).stdout
    assert out.startswith(b"first\n\x89PNG\r\n\x1a\n"), out[:40]


def _has_font_for(text: str) -> bool:
    """Whether an installed font (not matplotlib's 'Last Resort' boxes) draws every character of ``text``."""
    from matplotlib.font_manager import fontManager, get_font

    for entry in fontManager.ttflist:
        if entry.name.startswith("Last Resort"):
            continue
        font = get_font(entry.fname)
        if all(font.get_char_index(ord(c)) for c in text if not c.isspace()):
            return True
    return False


def test_clip_names_no_installed_font_draws_are_one_warning_naming_them_not_a_raw_warning_per_glyph(tmp_path, caplog):
    """Japanese and Chinese clip names were drawn as empty boxes with one raw matplotlib "Glyph NNNN missing from
    font(s) DejaVu Sans" warning per character per drawing (32 lines for one figure), none naming a label or a fix."""
    import logging
    import warnings

    names = ["スキップ_01", "漢字 2", "Ünïcödé", "walk_03"]
    mat = np.random.default_rng(0).random((4, 4))
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        out = plot_similarity_matrices({"human": mat, "model": mat}, tmp_path / "cjk.png", title="スキップ data",
                                       tick_names=[names, names])
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert not [w for w in raw if "missing from font" in str(w.message)]
    told = [r.getMessage() for r in caplog.records if "font" in r.getMessage()]
    if _has_font_for("スキップ漢字データ"):  # a CJK font is installed: drawn with it, nothing to tell
        assert told == []
        return
    assert len(told) == 1, told
    # the boxes of a name are numbered by its place in the panel ('走る' and '跳ぶ' were both two boxes)
    assert "'スキップ_01 #0', '漢字 2 #1'" in told[0] and "'スキップ data'" in told[0] and "Ünïcödé" not in told[0]
    assert "Noto Sans CJK" in told[0] and "font.family" in told[0]


def test_the_space_heat_map_draws_a_clip_name_in_an_installed_font_that_has_it(caplog):
    """The Space's heat map laid out its clip names in DejaVu Sans only: a name in a script it lacks was boxes (and a
    raw matplotlib warning per character in the server log) where an installed font draws it."""
    import warnings

    from bgs_hf.hub.space_app import similarity_figure

    with warnings.catch_warnings(record=True) as raw:
        warnings.simplefilter("always")
        fig = similarity_figure(np.eye(3), ["\u2900 01: a clip", "b", "c"], "model", 0)
    assert [str(w.message) for w in raw] == []
    ax = fig.axes[0]
    assert len(ax.get_xticklabels()[0].get_fontproperties().get_family()) == 2
    assert ax.get_xticklabels()[1].get_fontproperties().get_family() == ["sans-serif"]


def test_a_label_its_font_lacks_is_drawn_in_an_installed_font_that_has_it(tmp_path, caplog):
    """A character DejaVu Sans lacks (U+2900, in matplotlib's own DejaVu Serif and STIX) was a box, with matplotlib's
    raw warning, although a font matplotlib ships draws it; a Latin label keeps its font (its figure is saved as
    before, byte for byte)."""
    import logging
    import warnings

    from matplotlib.font_manager import findfont, get_font
    from matplotlib.text import Text

    from bgs_hf.viz.figure import subplots
    from bgs_hf.viz.matrices import save_figure

    fig, ax = subplots()
    ax.set_title("clip \u2900 01")
    ax.set_xlabel("clip")
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        save_figure(fig, tmp_path / "arrow.png")
    assert [str(w.message) for w in raw] == []
    assert [r.getMessage() for r in caplog.records] == []
    family = ax.title.get_fontproperties().get_family()
    assert len(family) == 2
    assert get_font(findfont(family[1])).get_char_index(0x2900)
    assert all(t.get_fontproperties().get_family() == ["sans-serif"] for t in fig.findobj(Text) if t is not ax.title)


def test_only_tick_names_no_font_draws_get_their_panel_position(tmp_path, monkeypatch):
    """Mutation audit of 9bb2012: the ``#i`` told apart names drawn as empty boxes; a name that draws (``walk_03``,
    ``Ünïcödé``) keeps its text, as in a Latin-only figure."""
    import bgs_hf.viz.matrices as matrices

    figs = []
    real_save = matrices.save_figure
    monkeypatch.setattr(matrices, "save_figure", lambda fig, path, **kw: (figs.append(fig), real_save(fig, path, **kw)))
    names = ["walk_03", "\u6f22\u5b57", "\u00dcn\u00efc\u00f6d\u00e9"]
    plot_similarity_matrices({"human": np.eye(3), "model": np.eye(3)}, tmp_path / "m.png", tick_names=[names, names])
    undrawn = "\u6f22\u5b57 #1" if not _has_font_for("\u6f22\u5b57") else "\u6f22\u5b57"
    for ax in figs[0].axes[:2]:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["walk_03", undrawn, names[2]]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["walk_03", undrawn, names[2]]


def test_a_figure_saved_to_a_device_gets_a_font_for_its_labels_as_a_file_does(caplog):
    """Mutation audit of 9bb2012: ``--png /dev/stdout`` or a FIFO is saved on save_figure's stream branch; a label
    with a character DejaVu Sans lacks (U+2900) was drawn there as a box, with matplotlib's raw warning."""
    import logging
    import warnings

    from bgs_hf.viz.figure import subplots
    from bgs_hf.viz.matrices import save_figure

    fig, ax = subplots()
    ax.set_title("clip \u2900 01")
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        save_figure(fig, "/dev/null")
    assert [str(w.message) for w in raw] == []
    assert len(ax.title.get_fontproperties().get_family()) == 2


def _name_figures(tmp_path, name: str) -> dict[str, object]:
    """Each library figure laid out before it is saved, with ``name`` where a user's text is drawn: a control model, a
    data set, a run's title, a clip label."""
    from bgs_hf.eval.partition import plot_partition
    from bgs_hf.eval.suite import _plot_bars, _plot_layers
    from bgs_hf.pretrain.train import plot_loss_curve
    from bgs_hf.quickstart import plot_against_ceiling
    from bgs_hf.synth import SynthConfig, sample_scene
    from bgs_hf.synth.generate import contact_sheet

    row = {"r2": 0.05, "r2_ci": [0.0, 0.1], "pct_of_ceiling": 30.0, "ooo_acc_3way": 0.5, "ooo_acc_2way": 0.6}
    layers = [{"layer": "layer 1", "select_r2": 0.1, "test_r2": 0.05}]
    config = SynthConfig(size=32, num_frames=8)
    return {
        "fit bars": lambda: _plot_bars({"bgs": {"R²": 0.1}, name: {"R²": 0.2}}, tmp_path / "bars.png", ylabel="R²",
                                       title="t"),
        "layers": lambda: _plot_layers({name: {"layers": layers, "chosen_on": "val", "chosen": "layer 1"}},
                                       tmp_path / "layers.png"),
        "partition": lambda: plot_partition({name: {"video_unique": 0.1, "shared": 0.05, "language_unique": 0.02}},
                                            tmp_path / "partition.png"),
        "quickstart": lambda: plot_against_ceiling({"data": name, "models": {"bgs": row}, "noise_ceiling_r2": 0.16,
                                                    "noise_ceiling_ci": [0.05, 0.3]}, tmp_path / "ceiling.png"),
        "loss curve": lambda: plot_loss_curve([1.0, 0.5], tmp_path / "loss.png", title=name),
        "contact sheet": lambda: contact_sheet(tmp_path / "sheet.png", [sample_scene(np.random.default_rng(0), config)],
                                               config, [name], n_frames=2),
        # probes.png: a rating of the user's own is a group, named under its bars
        "rating bars": lambda: _plot_bars({"bgs": {name: 0.3, "speed": 0.2}}, tmp_path / "probes.png", ylabel="r",
                                          title="Ridge probes of clip ratings"),
    }


NAME_FIGURES = ["fit bars", "layers", "partition", "quickstart", "loss curve", "contact sheet", "rating bars"]


@pytest.mark.parametrize("figure", NAME_FIGURES)
@pytest.mark.parametrize("name", ["control \u2900 01", "\u6a21\u578b control"])
def test_a_name_an_installed_font_draws_is_laid_out_in_it_with_no_raw_glyph_warning(tmp_path, caplog, figure, name):
    """A figure laid out (``tight_layout``, the legend's height) before ``save_figure`` checked its fonts measured a
    name in a script DejaVu Sans lacks (a control model named in Chinese, U+2900) as empty boxes, with matplotlib's raw
    "Glyph ... missing from font" warning per character, although an installed font draws it (then used at the save
    only, so the figure was laid out for other text)."""
    import logging
    import warnings

    if not _has_font_for(name):
        pytest.skip(f"no installed font draws {name!r}")
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        _name_figures(tmp_path, name)[figure]()
    assert [str(w.message) for w in raw if "missing from font" in str(w.message)] == []
    assert [r.getMessage() for r in caplog.records if "font" in r.getMessage()] == []


@pytest.mark.parametrize("figure", NAME_FIGURES)
def test_a_name_no_installed_font_draws_is_one_warning_in_every_figure_not_a_raw_warning_per_glyph(tmp_path, caplog,
                                                                                                  figure):
    """A name no installed font draws (Egyptian hieroglyphs here) is told once, naming it, by the figure's first
    check; laid out outside ``glyphs_checked`` (``fig.tight_layout()`` after the legend's check: fit.png, layers.png,
    probes.png, whose ratings of the user's own are named under their bars) it also put matplotlib's raw "Glyph ...
    missing from font" warning per character in the user's log. The test above skips this case."""
    import logging
    import warnings

    name = "\U00013000\U00013080 control"
    if _has_font_for(name):
        pytest.skip(f"an installed font draws {name!r}")
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        _name_figures(tmp_path, name)[figure]()
    assert [str(w.message) for w in raw if "missing from font" in str(w.message)] == []
    told = [r.getMessage() for r in caplog.records if "font" in r.getMessage()]
    assert len(told) == 1 and name in told[0], told


def test_figure_tight_layout_is_laid_out_as_matplotlibs_own():
    """``figure.tight_layout`` (every library figure's layout) does what ``fig.tight_layout()`` does, the fonts
    checked first: a figure whose texts all draw is laid out to the same bounds."""
    from bgs_hf.viz.figure import subplots, tight_layout

    bounds = []
    for lay_out in (tight_layout, lambda fig: fig.tight_layout()):
        fig, ax = subplots(figsize=(3, 2))
        ax.set_ylabel("a long label\nover two lines")
        ax.set_title("a title")
        before = ax.get_position().bounds
        lay_out(fig)
        bounds.append(ax.get_position().bounds)
    assert bounds[0] != before
    assert bounds[0] == bounds[1]
