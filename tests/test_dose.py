"""Claim 5: the Estes protocol against the prescription, and the literature meta-analysis."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from analysis.engine import meta, plots
from analysis.engine.sessions import Interval, Protocol, against_prescription, time_in_bands
from analysis.errors import InputError
from analysis.studies import konopka2014 as dose


def primary_rows():
    lit = dose.load_literature()
    return lit[lit["primary"] & lit["se"].notna()]


def test_literature_converts_se_to_sd_and_keeps_one_row_per_cohort():
    lit = dose.load_literature()
    row = lit.set_index("study").loc["harber2009"]
    assert row["sd"] == pytest.approx(2 * np.sqrt(7))
    primary = primary_rows()
    assert primary["cohort"].is_unique
    assert "losey2013" not in set(primary["study"]) and "konopka2010" not in set(primary["study"])


def test_pooled_estimate_equals_combine_effects_to_1e9():
    rows = primary_rows()
    ours = meta.pool(rows, method="DL").iloc[0]
    ref = combine_effects(rows["pct_change"].to_numpy(), rows["se"].to_numpy() ** 2, method_re="dl")
    ci_low, ci_high = ref.conf_int(alpha=0.05)[1]
    assert ours["estimate"] == pytest.approx(ref.mean_effect_re, abs=1e-9)
    assert ours["ci_low"] == pytest.approx(ci_low, abs=1e-9)
    assert ours["ci_high"] == pytest.approx(ci_high, abs=1e-9)
    assert ours["tau2"] == pytest.approx(ref.tau2, abs=1e-9)
    assert ours["i2"] == pytest.approx(ref.i2, abs=1e-9)
    pm = meta.pool(rows, method="PM").iloc[0]
    ref_pm = combine_effects(
        rows["pct_change"].to_numpy(), rows["se"].to_numpy() ** 2, method_re="iterated"
    )
    # statsmodels iterates PM to its own tolerance; ours is solved to machine precision
    assert pm["tau2"] == pytest.approx(ref_pm.tau2, rel=1e-6)


def test_dersimonian_laird_by_hand():
    # by hand, for the four primary rows (12 ± 2, 5 ± 1, 6 ± 1, 10.6 ± 2.7):
    y = np.array([12.0, 5.0, 6.0, 10.6])
    se = np.array([2.0, 1.0, 1.0, 2.7])
    w = 1 / se**2
    fixed = (w * y).sum() / w.sum()
    q = (w * (y - fixed) ** 2).sum()
    tau2 = max(0.0, (q - 3) / (w.sum() - (w**2).sum() / w.sum()))
    w_star = 1 / (se**2 + tau2)
    estimate = (w_star * y).sum() / w_star.sum()
    se_re = np.sqrt(1 / w_star.sum())
    i2 = max(0.0, (q - 3) / q)
    ours = meta.pool(primary_rows()).iloc[0]
    assert ours["tau2"] == pytest.approx(tau2, rel=1e-12)
    assert ours["estimate"] == pytest.approx(estimate, rel=1e-12)
    assert ours["ci_low"] == pytest.approx(estimate - 1.959963984540054 * se_re, rel=1e-9)
    assert ours["i2"] == pytest.approx(i2, rel=1e-12)
    assert meta.tau2_dl(y, se**2) == pytest.approx(tau2, rel=1e-12)
    # prediction interval: Higgins et al. 2009, t on k - 2 df
    half = stats.t.ppf(0.975, 2) * np.sqrt(tau2 + se_re**2)
    assert ours["pi_high"] == pytest.approx(estimate + half, rel=1e-9)


def test_a_cohort_is_never_pooled_twice():
    lit = dose.load_literature()
    both = lit[lit["study"].isin(["harber2009", "konopka2010", "harber2012_young"])]
    with pytest.raises(InputError, match="same cohort"):
        meta.pool(both)


def test_sensitivity_runs_leave_one_out_and_subgroups():
    results = dose.meta_analyses()
    pooled = results["pooled"]
    assert set(pooled["analysis"]) == {
        "primary",
        "Konopka 2010 instead of Harber 2009",
        "without the older-women cohort",
        "with Abe 2010 (assumed SE)",
    }
    assert set(pooled["method"]) == {"DL", "PM", "REML"}
    without = pooled[(pooled["analysis"] == "without the older-women cohort")]
    assert (without["k"] == 3).all()
    assert len(results["leave_one_out"]) == len(primary_rows())
    levels = set(results["subgroups"]["level"])
    assert {"cycling", "running", "young", "older"} <= levels


def test_estes_protocol_read_from_the_published_table():
    planned, completed = dose.estes_protocol(False), dose.estes_protocol(True)
    assert planned.session_minutes == 4 * 4 + 4 * 3
    assert planned.sessions_per_week == 3
    assert completed.sessions_per_week == pytest.approx(24.5 / 10)


@pytest.mark.parametrize("equation", ["fox", "tanaka", "gellish", "nes"])
def test_estes_protocol_misses_the_band_and_the_lab_protocol_meets_it(equation):
    table = dose.protocols_against_prescription(equation).set_index("protocol")
    estes = table.loc["Estes 2017 as planned"]
    assert estes["minutes_in_band_per_week"] == 0
    assert not estes["meets_prescription"]
    assert table.loc["Harber lab cycling, final weeks (4/week)", "meets_prescription"]


def test_time_in_bands_adds_up_to_the_session():
    protocol = dose.estes_protocol()
    bands = time_in_bands(protocol, 19.9, 65)
    assert bands["minutes_per_session"].sum() == pytest.approx(protocol.session_minutes)
    assert bands["minutes_per_week"].sum() == pytest.approx(protocol.session_minutes * 3)


def test_prescription_check_on_simple_protocols():
    meets = Protocol("ok", (Interval(35, 72, 78, "hrr"),), 4, 12)
    too_few_days = Protocol("3 days", (Interval(35, 72, 78, "hrr"),), 3, 12)
    too_hard = Protocol("hard", (Interval(35, 85, 90, "hrr"),), 5, 12)
    assert against_prescription(meets, 30, 60)["meets_prescription"].iloc[0]
    assert not against_prescription(too_few_days, 30, 60)["meets_prescription"].iloc[0]
    assert not against_prescription(too_hard, 30, 60)["meets_prescription"].iloc[0]
    with pytest.raises(InputError):
        Interval(10, 90, 80)


def test_claim_5_verdict_and_figures():
    verdict = dose.claim_verdicts().iloc[0]
    assert verdict["claim"] == 5
    assert verdict["verdict"] in {"partly supported", "supported", "not supported"}
    assert "meta_pooled" in verdict["tables"]
    figs = dose.figures()
    forest = figs["konopka2014_forest"].axes[0]
    assert forest.get_xlabel().startswith("Change in quadriceps size (%)")
    assert len(forest.get_yticks()) == len(primary_rows()) + 1
    zone = figs["konopka2014_time_in_zone"].axes[0]
    assert zone.get_xlabel() == "Intensity band (% heart-rate reserve)"
    for fig in figs.values():
        plots.close(fig)
    assert isinstance(dose.tables()["zones"], pd.DataFrame)
