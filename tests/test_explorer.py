"""Assumption explorers (issue 12): the sliders' verdicts, their static copy, the parameter.

The explorer's verdict is the *exact replication's* verdict, the one ``claim_verdicts`` shows
for ``replicate(seed, **setting)``: so "where the assumption map says it should flip" is where
the exact replication flips, found here by paths the explorer does not use (the pandas/scipy
bisection of ``estes2017.claim1_flip_point``, the ordinary ``replicate`` and
``claim_verdicts``). The probability column answers the map's question (how often a study of
this size reproduces the claim) and is checked against ``probability_map`` within Monte Carlo
error; the map's 0.5 contour is not where one dataset's verdict flips, so it is not used for that.
"""

import json
import math
import re

import nbformat
import numpy as np
import pytest
from conftest import ROOT

from analysis.checks import explorer
from analysis.checks import sensitivity as sens
from analysis.errors import InputError
from analysis.studies import estes2017, ryu2016

CONTROL_MEAN = "control_csa_pct_change_mean"
BOLD_ROW = r'<tr style="font-weight:bold"><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>'


def verdicts(table, outcome="claim 1"):
    return table.set_index("outcome").loc[outcome]


@pytest.fixture(scope="module")
def flips():
    """Claim 1's flip point per reading of "±" by the pandas/scipy bisection (tol 0.01)."""
    return {
        d: estes2017.claim1_flip_point(seed=0, lo=-4.0, hi=8.0, tol=0.01, dispersion=d)
        for d in ("sem", "sd")
    }


@pytest.mark.parametrize("dispersion", ["sem", "sd"])
def test_moving_the_controls_change_flips_claim_1_where_the_exact_replication_does(
    flips, dispersion
):
    flip = flips[dispersion]
    assert math.isfinite(flip) and -4.0 < flip < 8.0
    # both sides of the flip, near it (outside the bisection's tolerance) and far from it
    values = [-4.0, flip - 0.05, flip + 0.05, 8.0]
    grid = explorer.explore_grid(
        estes2017, [{CONTROL_MEAN: v, "dispersion": dispersion} for v in values], seed=0
    )
    claim1 = grid[grid["outcome"] == "claim 1"]
    assert claim1["verdict"].tolist() == [
        "supported",
        "supported",
        "not supported",
        "not supported",
    ]
    assert (claim1["p"].iloc[1] < 0.05 <= claim1["p"].iloc[2]) and claim1[
        "p"
    ].is_monotonic_increasing
    # the two readings of "±" flip at different control changes (SD: a larger HIIT effect)
    assert flips["sd"] > flips["sem"] + 2


def test_the_explorer_agrees_with_the_tornado_at_the_ends_of_the_range():
    tornado = sens.tornado(estes2017, assumptions=[CONTROL_MEAN]).set_index("end")
    for end in ("low", "high"):
        row = tornado.loc[end]
        table = explorer.explore(estes2017, **{CONTROL_MEAN: float(row["value"])})
        assert (verdicts(table)["verdict"] == "supported") == bool(row["claim_1"])
        assert verdicts(table)["p"] == pytest.approx(row["csa_interaction_p"], rel=1e-12)


@pytest.mark.parametrize(
    ("study", "setting"),
    [(estes2017, {CONTROL_MEAN: 2.0, "dispersion": "sem"}), (ryu2016, {})],
    ids=["estes2017-control-2", "ryu2016-defaults"],
)
def test_verdicts_and_probabilities_are_those_of_claim_verdicts(study, setting):
    setting = dict(setting)  # the parameter itself is shared between runs
    dispersion = setting.pop("dispersion", "sem")
    ordinary = study.claim_verdicts(study.replicate(0, dispersion, **setting))
    ordinary = ordinary.set_index("claim")
    found = explorer.explore(study, 0, dispersion=dispersion, **setting)
    claims = found[found["outcome"].str.startswith("claim ")]
    assert len(claims) == len(ordinary)
    for row in claims.itertuples():
        claim = int(row.outcome.split()[1])
        assert row.verdict == ordinary.loc[claim, "verdict"]
        # the same 4,000 population draws, the same seed: the same share, exactly
        assert row.probability == ordinary.loc[claim, "probability"]


def test_claim_1s_probability_falls_with_the_controls_change_as_the_map_says():
    values = [0.0, 6.0]
    mapped = sens.probability_map(
        estes2017, (CONTROL_MEAN, values), ("control_csa_pct_change_sd", [3.0]), 1, reps=2000
    )
    grid = explorer.explore_grid(estes2017, [{CONTROL_MEAN: v} for v in values])
    mine = grid[grid["outcome"] == "claim 1"]["probability"].to_numpy()
    theirs = mapped["probability"].to_numpy()
    # independent draws (other seeds): equal within Monte Carlo error, 4 combined SEs
    se = np.sqrt(mine * (1 - mine) / 4000 + theirs * (1 - theirs) / 2000)
    assert np.all(np.abs(mine - theirs) < 4 * se + 1e-9)
    assert mine[0] > mine[1] + 0.3


def test_a_larger_10km_fold_or_correlation_makes_the_10km_ck_decision_hold():
    fold, corr = "ck_fold_post_10km", "ck_corr_pre_post"
    grid = explorer.explore_grid(
        ryu2016, [{fold: 1.0}, {fold: 2.25}, {fold: 1.3, corr: 0.5}, {fold: 1.3, corr: 0.9}]
    )
    decision = grid[grid["outcome"] == "10 km CK"].reset_index(drop=True)
    assert decision["verdict"].tolist()[:2] == ["does not hold", "holds"]
    assert decision["p"][1] < 0.05 <= decision["p"][0]
    assert decision["probability"][1] > 0.9 > 0.1 > decision["probability"][0]
    # a paired test gains power as the within-runner correlation rises
    assert (
        decision["p"][3] < decision["p"][2]
        and decision["probability"][3] > decision["probability"][2]
    )
    # the verdicts of claims 3 and 4 rest on the paper's tests and on assumptions: fixed
    assert set(grid.loc[grid["outcome"] == "claim 3", "verdict"]) == {"supported"}
    assert set(grid.loc[grid["outcome"] == "claim 4", "verdict"]) == {"rests on assumptions"}
    along = explorer.curve(ryu2016)
    assert along[along["outcome"] == "10 km CK"]["p"].is_monotonic_decreasing


def test_the_static_grid_has_content_and_the_verdicts_of_the_pure_function(monkeypatch):
    monkeypatch.setenv(explorer.STATIC_WIDGETS, "1")
    shown = explorer.assumption_explorer(estes2017, seed=0, dispersion="sem")
    assert isinstance(shown, explorer.StaticExplorer)
    grid = shown.grid
    assert grid["setting"].nunique() == len(explorer.EXPLORERS["estes2017"].static_x) * 2
    assert set(grid["dispersion"]) == {"sem", "sd"}
    for setting, part in grid.groupby("setting"):
        first = part.iloc[0]
        alone = explorer.explore(
            estes2017, 0, dispersion=first["dispersion"], **{CONTROL_MEAN: first[CONTROL_MEAN]}
        )
        assert part["verdict"].tolist() == alone["verdict"].tolist(), setting
        assert part["p"].tolist() == pytest.approx(alone["p"].tolist(), rel=1e-12)
    claim1 = grid[grid["outcome"] == "claim 1"]["verdict"]
    assert {"supported", "not supported"} <= set(claim1)  # the grid spans the flip
    html = shown._repr_html_()
    assert "Static version of the assumption explorer" in html and "jupyter lab" in html
    assert "notebooks/01_hiit_quadriceps.ipynb" in html
    assert html.count("<tr") == grid["setting"].nunique() + 1
    assert "data:image/png;base64," in html and len(shown.figure_png) > 1000
    assert "e-0" not in html and "…" not in html
    assert re.findall(BOLD_ROW, html) == [("SEM", "0")]  # the defaults: the notebook's setting


def test_outside_a_kernel_the_explorer_is_static_too(monkeypatch):
    monkeypatch.delenv(explorer.STATIC_WIDGETS, raising=False)
    assert not explorer._widgets_available()  # pytest runs no kernel


def test_the_live_explorer_reruns_the_replication_when_a_slider_moves(monkeypatch):
    pytest.importorskip("ipywidgets")
    seen = []
    real = explorer.explore

    def recording(study, seed=0, **setting):
        seen.append(dict(setting))
        return real(study, seed, **setting)

    monkeypatch.setattr(explorer, "explore", recording)
    box = explorer._live(estes2017, 0, {CONTROL_MEAN: 2.0})
    mean, sd, reading = box.children[1:4]
    assert (mean.min, mean.max, mean.value) == (-4.0, 8.0, 2.0)
    assert (sd.min, sd.max) == explorer.slider_range(estes2017, "control_csa_pct_change_sd")
    assert seen[-1] == {CONTROL_MEAN: 2.0, "control_csa_pct_change_sd": 3.0, "dispersion": "sem"}
    mean.value = 4.5
    reading.value = "sd"
    assert seen[-1] == {CONTROL_MEAN: 4.5, "control_csa_pct_change_sd": 3.0, "dispersion": "sd"}


def test_read_assumptions_takes_papermills_text_and_refuses_what_is_not_assumed():
    assert explorer.read_assumptions(ryu2016, '{"ck_fold_post_10km": 1.3}') == {
        "ck_fold_post_10km": 1.3
    }
    assert explorer.read_assumptions(ryu2016, {}) == {}
    with pytest.raises(InputError, match="no assumption named"):
        explorer.read_assumptions(estes2017, {"control_csa_change": 3})
    with pytest.raises(InputError, match="could not read"):
        explorer.read_assumptions(estes2017, "{control_csa_pct_change_mean: 3}")
    with pytest.raises(InputError, match="not allowed"):
        explorer.read_assumptions(estes2017, {"control_csa_pre_mean": -20})


def test_an_explorer_exists_only_for_the_simulated_studies():
    with pytest.raises(InputError, match="published numbers only"):
        explorer.explore("konopka2014")


@pytest.mark.notebook
def test_notebook_1s_assumptions_parameter_reaches_the_replication_and_the_explorer(
    tmp_path, monkeypatch
):
    pm = pytest.importorskip("papermill")
    # headless, as make reproduce runs it (the kernel inherits the environment)
    monkeypatch.setenv(explorer.STATIC_WIDGETS, "1")
    source = nbformat.read(ROOT / "notebooks" / "01_hiit_quadriceps.ipynb", as_version=4)
    needed = (
        "# Parameters",
        "explorer.read_assumptions",
        "study.replicate(",
        "claim_verdicts(rep)",
    )
    needed += ("explorer.assumption_explorer",)
    cells = [
        c for c in source.cells if c.cell_type == "code" and any(n in c.source for n in needed)
    ]
    assert len(cells) == len(needed)
    trimmed = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    path = tmp_path / "01_trimmed.ipynb"
    nbformat.write(trimmed, path)
    # as the command line passes it: `-p assumptions '{"control_csa_pct_change_mean": 3}'`
    out = tmp_path / "01_out.ipynb"
    pm.execute_notebook(
        str(path),
        str(out),
        parameters={"assumptions": json.dumps({CONTROL_MEAN: 3})},
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)

    def shown(marker: str) -> str:
        cell = next(c for c in executed.cells if marker in c.source)
        return "".join(
            "".join(o.get("data", {}).get("text/html", "")) for o in cell.get("outputs", [])
        )

    claims = shown("claim_verdicts(rep)")
    assert "assumed control change of 3.0 ± 3.0 %" in claims  # not the default 0.0
    assert "not supported" in claims
    static = shown("explorer.assumption_explorer")
    assert "Static version of the assumption explorer" in static
    # the notebook's own setting is the grid's bold row
    assert re.findall(BOLD_ROW, static) == [("SEM", "3")]


def test_the_explorers_figure_is_drawn_once_and_is_what_savefig_writes(monkeypatch):
    import base64
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    def figure():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([1, 2, 3], [0.2, 0.04, 0.5])
        ax.set_ylabel("deciding p")
        fig.tight_layout()  # leaves the do-nothing layout engine that costs a second draw
        return fig

    plain = io.BytesIO()
    figure().savefig(plain, format="png", dpi=110)
    draws, draw = [], matplotlib.figure.Figure.draw
    monkeypatch.setattr(
        matplotlib.figure.Figure, "draw", lambda self, r: draws.append(1) or draw(self, r)
    )
    assert base64.b64decode(explorer._png(figure())) == plain.getvalue()
    assert len(draws) == 1
    plt.close("all")
