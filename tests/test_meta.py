"""Meta-analysis against R's metafor 3.8 (tests/reference/meta_reference.R, R 4.2.2).

Reference rows: ``rma(yi, vi, data = dat, method = "DL" | "PM" | "REML", test = "z" | "knha")``
on metafor's ``dat.bcg`` (13 BCG vaccine trials, Colditz et al. 1994, JAMA 271:698; log risk
ratios from ``escalc(measure = "RR", ...)``) and on the project's literature sets
(``tests/reference/dump_aerobic_meta.py``). PM and REML are compared with the "tight" rows
(``control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000)``): metafor's default
stops PM near 1e-4 and REML at a τ² change of 1e-5, while ours iterate to machine precision.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from analysis.engine import meta

REFERENCE = ROOT / "tests" / "reference"
METAFOR = pd.read_csv(REFERENCE / "meta_reference.csv")
DATASETS = {"dat_bcg": pd.read_csv(REFERENCE / "data" / "dat_bcg.csv")}
for name, part in pd.read_csv(REFERENCE / "data" / "aerobic_meta_sets.csv").groupby("analysis"):
    DATASETS[f"aerobic: {name}"] = part
CASES = METAFOR[(METAFOR["method"] == "DL") | (METAFOR["control"] == "tight")]


def ours(dataset: str, method: str, test: str) -> pd.Series:
    data = DATASETS[dataset].assign(se=lambda d: np.sqrt(d["vi"]))
    return meta.pool(
        data, effect="yi", se="se", method=method, cohort=None, knapp_hartung=test == "knha"
    ).iloc[0]


@pytest.mark.parametrize(
    "case", CASES.to_dict("records"), ids=lambda c: f"{c['dataset']}-{c['method']}-{c['test']}"
)
def test_pool_equals_metafor(case):
    got = ours(case["dataset"], case["method"], case["test"])
    # the "without the older-women cohort" REML tau2 is 0 (metafor: 3.5e-8 before truncation)
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6, abs=1e-7)
    for mine, theirs in [
        ("estimate", "estimate"),
        ("se", "se"),
        ("ci_low", "ci_lb"),
        ("ci_high", "ci_ub"),
        ("p", "pval"),
        ("q", "QE"),
        ("q_p", "QEp"),
    ]:
        assert got[mine] == pytest.approx(case[theirs], rel=1e-6, abs=1e-9), mine
    assert 100 * got["i2"] == pytest.approx(case["I2"], rel=1e-6, abs=1e-5)
    assert got["h2"] == pytest.approx(case["H2"], rel=1e-6)
    # our prediction interval is metafor's pi.type = "riley" (t on k - 2 df)
    assert got["pi_low"] == pytest.approx(case["pi_riley_lb"], rel=1e-6)
    assert got["pi_high"] == pytest.approx(case["pi_riley_ub"], rel=1e-6)


def test_only_dl_has_the_q_based_i2():
    """PM and REML report the tau2-based I², which differs from (Q - df) / Q (issue 9)."""
    data = DATASETS["aerobic: primary"].assign(se=lambda d: np.sqrt(d["vi"]))
    rows = {m: meta.pool(data, effect="yi", method=m, cohort=None).iloc[0] for m in meta.METHODS}
    q_based = (rows["DL"]["q"] - 3) / rows["DL"]["q"]
    assert rows["DL"]["i2"] == pytest.approx(q_based, rel=1e-12)
    assert abs(rows["PM"]["i2"] - q_based) > 0.05


@given(
    st.lists(st.floats(-50, 50), min_size=2, max_size=12).flatmap(
        lambda y: st.tuples(
            st.just(y), st.lists(st.floats(0.01, 25), min_size=len(y), max_size=len(y))
        )
    )
)
def test_estimators_solve_their_defining_equations(data):
    y, v = np.array(data[0]), np.array(data[1])
    pm = meta.tau2_pm(y, v)
    q = meta._generalised_q(pm, y, v)
    assert pm >= 0
    assert pm == 0 or q == pytest.approx(len(y) - 1, rel=1e-8)
    reml = meta.tau2_reml(y, v)
    assert reml >= 0
    if reml > 1e-8:  # an interior maximum: the REML score is zero there
        w = 1 / (v + reml)
        p_matrix = np.diag(w) - np.outer(w, w) / w.sum()
        score = (p_matrix @ y) @ (p_matrix @ y) - np.trace(p_matrix)
        assert abs(score) <= 1e-8 * np.trace(p_matrix @ p_matrix) * max(1, reml)
