"""Figures: what they draw, their labels, and reproducible SVG bytes."""

import hashlib
import sys
import types

import matplotlib
import pandas as pd
import pytest
from test_parallel import FAKE

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.collections import LineCollection, QuadMesh
from matplotlib.colors import to_hex, to_rgba_array
from matplotlib.container import ErrorbarContainer

from analysis.checks.power import power_curve
from analysis.engine import plots
from analysis.studies import concurrent, konopka2014, ryu2016
from analysis.studies import estes2017 as study


@pytest.fixture(scope="module")
def figures():
    rep = study.replicate(seed=1)
    figs = study.figures(rep)
    yield rep, figs
    for fig in figs.values():
        plots.close(fig)


def test_prepost_draws_one_line_per_subject_plus_the_mean(figures):
    rep, figs = figures
    fig = figs["estes2017_csa_prepost"]
    hiit, control = fig.axes

    def count(ax):
        lines = ax.get_lines()
        return (
            sum(line.get_gid() == "subject" for line in lines),
            sum(c.get_label() == "mean ± SE" for c in ax.containers),
        )

    assert count(hiit) == (12, 1)
    assert count(control) == (5, 1)
    # each subject line joins that subject's pre and post values
    pre_post = sorted(
        tuple(line.get_ydata()) for line in hiit.get_lines() if line.get_gid() == "subject"
    )
    wide = rep.data[rep.data["group"] == "HIIT"].pivot(
        index="subject", columns="time", values="csa_cm2"
    )
    assert pre_post == sorted(zip(wide["pre"], wide["post"], strict=True))
    assert hiit.get_ylabel() == "Vastus lateralis CSA (cm²)"
    assert [t.get_text() for t in hiit.get_xticklabels()] == ["pre", "post"]
    assert hiit.get_title() == "HIIT (n = 12)"


def test_change_figures_have_labels_with_units(figures):
    _, figs = figures
    assert figs["estes2017_csa_change_by_group"].axes[0].get_ylabel() == "Change in VL CSA (%)"
    vo2 = figs["estes2017_vo2max_change"].axes[0]
    assert vo2.get_ylabel() == "Change in VO2max (%)"
    assert [t.get_text() for t in vo2.get_xticklabels()] == ["relative", "absolute"]
    # one scatter per group x measure (the subjects): 2 x 2
    assert len(vo2.collections) >= 4


def test_each_figure_names_the_function_that_drew_it(figures):
    _, figs = figures
    assert plots.drawn_by(figs["estes2017_csa_prepost"]) == "analysis.engine.plots.prepost_lines"


def test_saved_svg_is_byte_identical_for_the_same_data(tmp_path):
    def digest(folder):
        rep = study.replicate(seed=4)
        fig = study.figures(rep)["estes2017_csa_prepost"]
        png, svg = plots.save(fig, folder, "f")
        plots.close(fig)
        return hashlib.sha256(svg.read_bytes()).hexdigest(), png.exists()

    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert first == second and first[1]


def _draws(monkeypatch) -> list:
    """Count the figure draws from here on."""
    calls, draw = [], matplotlib.figure.Figure.draw
    monkeypatch.setattr(
        matplotlib.figure.Figure, "draw", lambda self, r: calls.append(1) or draw(self, r)
    )
    return calls


def test_save_draws_once_per_file_and_writes_what_savefig_writes(tmp_path, monkeypatch):
    rep = study.replicate(seed=2)
    drawn = [study.figures(rep) for _ in range(2)]
    figs = [d["estes2017_csa_prepost"] for d in drawn]
    plain, quick = tmp_path / "plain", tmp_path / "quick"
    plain.mkdir()
    figs[0].savefig(plain / "f.png", dpi=150, metadata={"Software": None})
    figs[0].savefig(plain / "f.svg", metadata={"Date": None, "Creator": None})
    draws = _draws(monkeypatch)
    plots.save(figs[1], quick, "f")
    assert len(draws) == 2  # savefig alone draws 4 times after tight_layout
    for name in ("f.png", "f.svg"):
        assert (plain / name).read_bytes() == (quick / name).read_bytes()
    assert figs[1].get_layout_engine() is not None  # given back
    for fig in (f for d in drawn for f in d.values()):
        plots.close(fig)


def test_show_renders_the_tight_png_jupyter_would_in_one_draw(monkeypatch):
    from IPython.core.pylabtools import print_figure

    rep = ryu2016.replicate(seed=2)
    drawn = [ryu2016.figures(rep) for _ in range(2)]
    figs = [d["ryu2016_fold_change_heatmap"] for d in drawn]
    expected = print_figure(figs[0], "png", bbox_inches="tight", base64=True)
    draws = _draws(monkeypatch)
    with plots._tight_png_in_one_draw(figs[1]):
        shown = print_figure(figs[1], "png", bbox_inches="tight", base64=True)
    assert shown == expected and len(draws) == 1
    assert "print_figure" not in vars(figs[1].canvas)  # the canvas is given back as it was
    for fig in (f for d in drawn for f in d.values()):
        plots.close(fig)


# --- issue 12: readable figures ------------------------------------------------------------------

COLOURBLIND = {to_hex(c) for c in sns.color_palette("colorblind")}


@pytest.fixture(scope="module")
def ryu_figures():
    figs = ryu2016.figures(ryu2016.replicate(seed=1))
    for fig in figs.values():
        fig.canvas.draw()
    yield figs
    for fig in figs.values():
        plots.close(fig)


@pytest.fixture(scope="module")
def dose_figures():
    figs = {**konopka2014.figures(), **concurrent.figures()}
    for fig in figs.values():
        fig.canvas.draw()
    yield figs
    for fig in figs.values():
        plots.close(fig)


def _log_axes(fig):
    for ax in fig.axes:
        if ax.get_yscale() == "log":
            yield ax.get_yticklabels()
        if ax.get_xscale() == "log":
            yield ax.get_xticklabels()


def _assert_plain(labels):
    texts = [t.get_text() for t in labels if t.get_text()]
    assert len(texts) >= 2, texts  # a log axis with one label cannot be read
    for text in texts:
        assert not any(mark in text for mark in ("10^", "×10", "$", "e+", "e-")), texts
        float(text.replace(",", ""))  # a plain number


def test_log_axes_are_labelled_with_plain_numbers(ryu_figures):
    axes = [labels for fig in ryu_figures.values() for labels in _log_axes(fig)]
    assert len(axes) == 2 + 3  # CK and LDH time courses, three CK trajectory panels
    # the trajectory panels share one y axis, labelled on the first panel only
    labelled = [labels for labels in axes if any(t.get_text() for t in labels)]
    assert len(labelled) == 2 + 1
    for labels in labelled:
        _assert_plain(labels)


@pytest.mark.parametrize("low, high", [(120, 900), (140, 330), (0.0004, 0.2), (1e-9, 1.0), (3, 7)])
def test_any_log_range_gets_at_least_two_plain_labels(low, high):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [low, high])
    ax.set_yscale("log")
    plots.plain_log_axis(ax.yaxis)
    fig.canvas.draw()
    _assert_plain(ax.get_yticklabels())
    assert not [t for t in ax.get_yticklabels(minor=True) if t.get_text()]
    plots.close(fig)


def test_tornado_p_axis_is_plain_and_flips_sit_beside_the_axes():
    table = pd.DataFrame(
        {
            "assumption": ["a", "a", "b", "b"],
            "end": ["low", "high"] * 2,
            "value": [0.0, 2.0, 1.0, 3.0],
            "unit": ["%", "%", "", ""],
            "p": [0.001, 0.2, 0.03, 0.04],
            "flips": ["", "claim 1", "claim 2", ""],
        }
    )
    table.attrs["default"] = {"p": 0.035}
    fig = plots.tornado(table, "p")
    fig.canvas.draw()
    ax = fig.axes[0]
    _assert_plain(ax.get_xticklabels())
    flip_texts = [t for t in ax.texts if t.get_gid() == "flip_text"]
    assert [t.get_text() for t in flip_texts] == ["high end: claim 1", "low end: claim 2"]
    # in the margin column: clear of every bar and of the default and threshold lines
    data_area = ax.get_window_extent()
    assert all(t.get_window_extent().x0 >= data_area.x1 for t in flip_texts)
    plots.close(fig)


def test_tornado_top_keeps_every_assumption_that_flips_a_claim():
    # found by an independent audit (2026-11-28): the running study's tornado (top=15) hid
    # 14 assumptions whose end flips a claim, their bars of width 0 in the statistic drawn
    table = pd.DataFrame(
        {
            "assumption": [name for name in "abcd" for _ in range(2)],
            "end": ["low", "high"] * 4,
            "value": [0.0, 1.0] * 4,
            "unit": [""] * 8,
            "p": [0.001, 0.5, 0.01, 0.1, 0.03, 0.04, 0.035, 0.035],
            "flips": ["", "claim 1", "", "", "", "", "", "claim 3"],
        }
    )
    table.attrs["default"] = {"p": 0.035}
    fig = plots.tornado(table, "p", top=1)
    labels = [t.get_text().split("\n")[0] for t in fig.axes[0].get_yticklabels()]
    assert labels == ["a", "d"]  # the widest, then the one that flips with no width at all
    note = next(t.get_text() for t in fig.texts if t.get_gid() == "not_drawn")
    assert "2 narrower one(s) beyond the top\u00a01, none of which flips a claim" in note
    flips = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "flip_text"]
    assert flips == ["high end: claim 1", "high end: claim 3"]
    plots.close(fig)


def test_power_curves_draw_each_curve_with_its_interval_and_closed_form():
    curve = power_curve(FAKE, "n", [4, 8, 16], claim="gain_p", reps=400, effect=0.8)
    fig = plots.power_curves({"fake study": curve})
    ax = fig.axes[0]
    drawn = {line.get_gid(): line for line in ax.lines}
    np.testing.assert_array_equal(drawn["power"].get_ydata(), curve["power"])
    np.testing.assert_allclose(drawn["analytic"].get_ydata(), curve["analytic"])
    band = next(c for c in ax.collections if c.get_gid() == "ci")
    low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    assert low == pytest.approx(curve["ci_low"].min()) and high == pytest.approx(
        curve["ci_high"].max()
    )
    assert drawn["target"].get_ydata()[0] == 0.8
    assert "gain_p" in ax.get_legend().get_texts()[0].get_text()
    plots.close(fig)
    with pytest.raises(ValueError, match="missing"):
        plots.power_curves({"no interval": curve.drop(columns="ci_low")})


def _says_what_the_bars_are(ax, fig) -> str:
    texts = [ax.get_ylabel(), ax.get_xlabel(), *(t.get_text() for t in fig.texts)]
    texts += [t.get_text() for a in fig.axes for t in a.texts]
    for holder in [*fig.axes, fig]:
        legend = holder.get_legend() if holder is not fig else None
        legends = [legend] if legend else list(getattr(holder, "legends", []))
        for lg in legends:
            texts += [t.get_text() for t in lg.get_texts()] + [lg.get_title().get_text()]
    return " ".join(texts)


def test_every_axis_with_error_bars_says_what_they_are(figures, ryu_figures, dose_figures):
    _, estes = figures
    checked = 0
    for fig in [*estes.values(), *ryu_figures.values(), *dose_figures.values()]:
        for ax in fig.axes:
            bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
            if bars or any(str(c.get_gid()).endswith("_ci") for c in ax.collections):
                said = _says_what_the_bars_are(ax, fig)
                assert "SE" in said or "95 % CI" in said, (plots.drawn_by(fig), said)
                checked += 1
    assert checked >= 2 + 1 + 5 + 2  # prepost panels, VO2max, time courses, two forests


def test_time_courses_explain_the_geometric_mean_band(ryu_figures):
    fig = ryu_figures["ryu2016_time_courses"]
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]
    logged = [ax for ax in panels if ax.get_yscale() == "log"]
    assert len(logged) == 2
    assert all("geometric mean ± SE" in ax.get_ylabel() for ax in logged)
    assert all("mean ± SE" in ax.get_ylabel() for ax in panels)
    note = " ".join(" ".join(t.get_text().split()) for ax in fig.axes for t in ax.texts)
    assert "exp(m − SE)" in note and "log values" in note


def test_forest_rows_are_readable_study_names(dose_figures):
    ax = dose_figures["konopka2014_forest"].axes[0]
    names = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert names[:4] == ["Harber 2009", "Harber 2012 (young)", "Harber 2012 (older)", "Estes 2017"]
    assert not any("_" in name for name in names)


@pytest.mark.parametrize("stem", ["konopka2014_forest", "concurrent_forest"])
def test_forest_annotations_clear_the_no_effect_line_and_the_data(dose_figures, stem):
    fig = dose_figures[stem]
    ax = fig.axes[0]
    zero = next(line for line in ax.lines if list(line.get_xdata()) == [0, 0])
    zero_box = zero.get_window_extent()
    texts = [*ax.texts, *fig.texts, *ax.get_legend().get_texts(), ax.title]
    assert any(t.get_gid() == "estimate_text" for t in ax.texts)
    for text in texts:
        assert not text.get_window_extent().overlaps(zero_box), text.get_text()
    # estimates printed in the margin column, right of every data point and interval
    data_area = ax.get_window_extent()
    for text in ax.texts:
        assert text.get_window_extent().x0 >= data_area.x1, text.get_text()


def test_fold_heatmap_colour_bar_reads_in_folds_like_its_cells(ryu_figures):
    fig = ryu_figures["ryu2016_fold_change_heatmap"]
    heat, bar = fig.axes
    ticks = [
        (tick, label.get_text())
        for tick, label in zip(bar.get_yticks(), bar.get_yticklabels(), strict=True)
        if label.get_text()
    ]
    assert len(ticks) >= 3
    for position, text in ticks:
        assert text.endswith("×")
        # a tick at log2(f) is labelled f
        assert 2.0**position == pytest.approx(float(text.rstrip("×")), rel=0.05)
    assert "1×" in [text for _, text in ticks]
    cells = [t.get_text() for t in heat.texts]
    assert cells and all(c.endswith("×") for c in cells)


def _drawn_colours(fig):
    """The non-grey colours that show: of lines and their markers, bars, boxes and points
    (heatmap meshes excluded)."""
    found = []
    for ax in fig.axes:
        for line in ax.lines:
            if line.get_linestyle() not in ("None", "none", ""):
                found.append(line.get_color())
            if line.get_marker() not in ("None", "none", "", None):
                found += [line.get_markeredgecolor(), line.get_markerfacecolor()]
        for artist in [*ax.patches, *(c for c in ax.collections if not isinstance(c, QuadMesh))]:
            found += list(to_rgba_array(artist.get_facecolor()))
            if isinstance(artist, LineCollection):
                found += list(to_rgba_array(artist.get_edgecolor()))
    rgba = [row for colour in found for row in to_rgba_array(colour)]  # "none" has no row
    colours = {to_hex(row) for row in rgba if row[3] > 0}
    return {c for c in colours if len({c[1:3], c[3:5], c[5:7]}) > 1}  # r == g == b: grey


def test_palette_is_colour_blind_safe(figures, ryu_figures, dose_figures):
    assert set(plots.PALETTE.values()) <= COLOURBLIND
    _, estes = figures
    for fig in [*estes.values(), *ryu_figures.values(), *dose_figures.values()]:
        if plots.drawn_by(fig).endswith("fold_heatmap"):
            continue
        colours = _drawn_colours(fig)
        assert colours, plots.drawn_by(fig)
        assert colours <= COLOURBLIND | {"#ffffff"}, (plots.drawn_by(fig), colours - COLOURBLIND)


def test_no_tick_labels_overlap(figures, ryu_figures, dose_figures):
    _, estes = figures
    for fig in [*estes.values(), *ryu_figures.values(), *dose_figures.values()]:
        fig.canvas.draw()
        for ax in fig.axes:
            for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
                boxes = [t.get_window_extent() for t in labels if t.get_text()]
                for i, box in enumerate(boxes):
                    assert not any(box.overlaps(other) for other in boxes[i + 1 :]), plots.drawn_by(
                        fig
                    )


def _fake_captions(monkeypatch, captions):
    module = types.ModuleType("analysis.dataio.captions")
    module.caption_for = captions.get
    monkeypatch.setitem(sys.modules, "analysis.dataio.captions", module)


def test_show_prints_each_figure_with_its_caption(monkeypatch, capsys):
    _fake_captions(monkeypatch, {"with_caption": "What the figure shows, and what is assumed."})
    first, _ = plt.subplots()
    second, _ = plt.subplots()
    plots.show({"with_caption": first, "without_caption": second})
    out = capsys.readouterr().out
    assert "Figure with_caption. What the figure shows, and what is assumed." in out
    assert "without_caption: drawn by" in out and "Figure without_caption" not in out
    assert not plt.fignum_exists(first.number)  # closed once shown


def test_show_puts_the_caption_under_the_figure_in_ipython(monkeypatch):
    import IPython
    import IPython.display

    _fake_captions(monkeypatch, {"stem": "The caption."})
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    fig, _ = plt.subplots()
    plots.show({"stem": fig})
    assert shown[1] is fig
    assert isinstance(shown[2], IPython.display.Markdown) and "The caption." in shown[2].data


def test_show_without_the_captions_module_shows_no_caption(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "analysis.dataio.captions", None)  # import fails
    fig, _ = plt.subplots()
    plots.show({"stem": fig})
    out = capsys.readouterr().out
    assert "stem: drawn by" in out and "Figure stem" not in out
