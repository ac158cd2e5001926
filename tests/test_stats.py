"""Statistics: agreement with pingouin and scipy, and the hand-written intervals."""

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from analysis import stats

samples = st.lists(st.floats(-100, 100, allow_nan=False), min_size=3, max_size=30).filter(
    lambda xs: np.std(xs) > 1e-3
)


@given(samples, st.integers(0, 10_000))
def test_paired_ttest_agrees_with_pingouin(pre, seed):
    pre = np.array(pre)
    post = pre + np.random.default_rng(seed).normal(1.0, 2.0, size=pre.size)
    ours = stats.paired_ttest(pre, post)
    ref = pg.ttest(post, pre, paired=True).iloc[0]
    assert ours["t"] == pytest.approx(ref["T"], rel=1e-9)
    assert ours["p_val"] == pytest.approx(ref["p_val"], rel=1e-9)
    diff = post - pre
    assert ours["dz"] == pytest.approx(diff.mean() / diff.std(ddof=1), rel=1e-12)


@given(samples, samples)
def test_welch_and_hedges_agree_with_pingouin(x, y):
    x, y = np.array(x), np.array(y)
    ours = stats.welch_ttest(x, y)
    ref = pg.ttest(x, y, correction=True).iloc[0]
    assert ours["t"] == pytest.approx(ref["T"], rel=1e-9)
    assert ours["dof"] == pytest.approx(ref["dof"], rel=1e-9)
    assert ours["p_val"] == pytest.approx(ref["p_val"], rel=1e-7, abs=1e-300)
    g = pg.compute_effsize(x, y, eftype="hedges")
    assert ours["hedges_g"] == pytest.approx(g, rel=1e-9, abs=1e-12)
    assert ours["g_ci_low"] <= ours["hedges_g"] <= ours["g_ci_high"]


def test_one_sample_ttest_matches_the_published_estes_figures():
    # shared/studies.md §1: mean 10.6, SEM 2.7, n 12 -> t(11) = 3.93, p ≈ 0.0024.
    # Any sample with that mean and SD = 2.7 * sqrt(12) gives the same t.
    x = np.array([1.0, -1.0] * 6)
    x = (x - x.mean()) / x.std(ddof=1) * 2.7 * math.sqrt(12) + 10.6
    res = stats.one_sample_ttest(x)
    assert res["t"] == pytest.approx(10.6 / 2.7, rel=1e-12)
    assert round(res["t"], 2) == 3.93
    assert round(res["p_val"], 4) == 0.0024


@given(st.floats(-8, 8), st.integers(3, 60))
def test_dz_ci_bounds_put_t_at_the_tail_quantiles(t, n):
    low, high = stats.cohen_dz_ci(t, n)
    # reference: the noncentral t of scipy, evaluated at the bounds
    assert sps.nct.cdf(t, n - 1, low * math.sqrt(n)) == pytest.approx(0.975, abs=1e-7)
    assert sps.nct.cdf(t, n - 1, high * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)
    assert low < t / math.sqrt(n) < high


@given(st.floats(0.05, 60), st.integers(1, 4), st.integers(5, 120))
def test_partial_eta_squared_ci_inverts_the_noncentral_f(f_value, df1, df2):
    low, high = stats.partial_eta_squared_ci(f_value, df1, df2)
    total = df1 + df2 + 1
    assert 0 <= low <= high < 1
    if high > 0:
        lam_high = high * total / (1 - high)
        assert sps.ncf.cdf(f_value, df1, df2, lam_high) == pytest.approx(0.05, abs=1e-6)
    else:  # F below its 5th percentile even at λ = 0: the interval is [0, 0]
        assert sps.f.cdf(f_value, df1, df2) <= 0.05 + 1e-9
    if low > 0:
        lam_low = low * total / (1 - low)
        assert sps.ncf.cdf(f_value, df1, df2, lam_low) == pytest.approx(0.95, abs=1e-6)
    else:  # F is so small that even λ = 0 leaves it below the 95th percentile
        assert sps.f.cdf(f_value, df1, df2) <= 0.95 + 1e-9


def test_grim_matches_the_worked_examples():
    # Brown & Heathers 2017: a mean of 5.19 from 28 integers is impossible (145/28 = 5.18,
    # 146/28 = 5.21); 24.5 sessions from 12 people is possible (294/12).
    assert not stats.grim_consistent(5.19, 28, 2)
    assert stats.grim_consistent(5.18, 28, 2)
    assert stats.grim_consistent(24.5, 12, 1)


def test_mixed_anova_equals_pingouin_and_fills_the_gg_p():
    df = pg.read_dataset("mixed_anova")
    ours = stats.mixed_anova(df, dv="Scores", within="Time", between="Group", subject="Subject")
    ref = pg.mixed_anova(
        data=df, dv="Scores", within="Time", between="Group", subject="Subject", correction=True
    )
    np.testing.assert_allclose(ours["F"], ref["F"], rtol=1e-12)
    within = ours[ours["Source"] != "Group"]
    expected = sps.f.sf(within["F"], within["eps"] * within["DF1"], within["eps"] * within["DF2"])
    np.testing.assert_allclose(within["p_GG_corr"], expected, rtol=1e-6)
    assert ours["dropped_subjects"].eq("").all()


def test_mixed_anova_drops_incomplete_subjects_and_says_which():
    df = pg.read_dataset("mixed_anova")
    first = df["Subject"].iloc[0]
    cut = df.drop(df.index[(df["Subject"] == first) & (df["Time"] == "June")])
    ours = stats.mixed_anova(cut, dv="Scores", within="Time", between="Group", subject="Subject")
    assert ours["dropped_subjects"].iloc[0] == str(first)
    assert ours["n_subjects"].iloc[0] == df["Subject"].nunique() - 1


def test_describe_and_percent_change():
    df = pd.DataFrame(
        {
            "subject": ["a", "a", "b", "b"],
            "group": ["g"] * 4,
            "time": ["pre", "post"] * 2,
            "y": [10.0, 12.0, 20.0, 21.0],
        }
    )
    change = stats.percent_change(df, ["y"])
    assert change["pct_change"].round(9).tolist() == [20.0, 5.0]
    desc = stats.describe(df, ["y"], ["time"]).set_index("time")
    assert desc.loc["pre", "mean"] == 15.0
    assert desc.loc["pre", "sem"] == pytest.approx(np.std([10, 20], ddof=1) / math.sqrt(2))
