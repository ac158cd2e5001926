"""Effect sizes against R's effectsize (tests/reference/effectsize_reference.R, R 4.2.2).

Partial eta squared: ``F_to_eta2(f, df, df_error, ci = 0.90, alternative = "two.sided")``;
effectsize 0.8.3 finds the bounds with optim(), which can stop short of the root, so the
tests compare with the ``*_exact`` columns (the same equations solved with uniroot to 1e-14).
Paired d's: ``cohens_d(post, pre, paired = TRUE)`` (d_z, exact noncentral-t CI) and
``repeated_measures_d(post, pre, method = "av", adjust = FALSE | TRUE)`` (d_av, g_av; from the
formulas of effectsize 1.0.3, as Debian's 0.8.3 lacks the function).
"""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.stats import f as f_dist

from analysis.engine import stats

REFERENCE = ROOT / "tests" / "reference"
ETA = pd.read_csv(REFERENCE / "effectsize_f_reference.csv").query(
    "measure == 'eta2_partial' and alternative == 'two.sided'"
)
D = pd.read_csv(REFERENCE / "effectsize_d_reference.csv")


@pytest.mark.parametrize(
    "row", ETA.to_dict("records"), ids=lambda r: f"F{r['F']}-{r['df1']}-{r['df2']}"
)
def test_partial_eta_squared_ci_equals_effectsize(row):
    low, high = stats.partial_eta_squared_ci(row["F"], row["df1"], row["df2"], confidence=0.90)
    assert low == pytest.approx(row["ci_low_exact"], abs=1e-6)
    assert high == pytest.approx(row["ci_high_exact"], abs=1e-6)


@given(st.floats(0, 200), st.integers(1, 6), st.integers(2, 200))
@example(0.057, 2, 4)
def test_the_partial_eta_squared_estimate_lies_inside_its_interval(f, df1, df2):
    """Issue 9: with λ / (λ + df1 + df2 + 1), F = 0.057 on (2, 4) gave 0.0275 outside [0, 0.024].

    Only an F below the 5th percentile of the central F has no noncentrality to fit: the
    interval is then [0, 0], as effectsize reports it (F = 0.057 on (3, 60) in the reference).
    """
    estimate = f * df1 / (f * df1 + df2)
    low, high = stats.partial_eta_squared_ci(f, df1, df2)
    if f_dist.cdf(f, df1, df2) < 0.05:
        assert (low, high) == (0.0, 0.0)
    else:
        assert low - 1e-9 <= estimate <= high + 1e-9


@pytest.mark.parametrize("name", ["paired_n8", "paired_n15", "paired_n30"])
def test_paired_effect_sizes_equal_effectsize(name):
    data = pd.read_csv(REFERENCE / "data" / f"{name}.csv")
    res = stats.paired_ttest(data["pre"].to_numpy(), data["post"].to_numpy())
    rows = D[D["dataset"] == name].set_index("measure")
    d_z = rows.loc["d_z (ncp t CI)"]
    assert res["d_z"] == pytest.approx(d_z["estimate"], rel=1e-12)
    assert res["d_z_ci_low"] == pytest.approx(d_z["ci_low_exact"], abs=1e-6)
    assert res["d_z_ci_high"] == pytest.approx(d_z["ci_high_exact"], abs=1e-6)
    for ours in ("d_av", "g_av"):
        ref = rows.loc[ours]
        assert res[ours] == pytest.approx(ref["estimate"], rel=1e-12)
        assert res[f"{ours}_ci_low"] == pytest.approx(ref["ci_low"], rel=1e-12)
        assert res[f"{ours}_ci_high"] == pytest.approx(ref["ci_high"], rel=1e-12)


def test_d_z_and_g_av_can_differ_twofold_and_are_never_confused():
    """Issue 9: a column named hedges_g beside dz held g_av; here each says what it is."""
    rng = np.random.default_rng(3)
    pre = rng.normal(100, 10, 10)
    post = pre + rng.normal(5, 2, 10)  # strongly correlated: d_z far above d_av
    res = stats.paired_ttest(pre, post)
    assert res["d_z"] > 2 * res["g_av"]
    assert {"d_z", "d_av", "g_av"} <= set(res) and "hedges_g" not in res
