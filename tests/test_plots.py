"""Figures: what they draw, their labels, and reproducible SVG bytes."""

import hashlib

import matplotlib
import pytest

matplotlib.use("Agg")

from analysis.engine import plots
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
