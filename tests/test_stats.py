"""Statistics: agreement with pingouin and scipy, and the hand-written intervals."""

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis.engine import stats

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
    assert ours["d_z"] == pytest.approx(diff.mean() / diff.std(ddof=1), rel=1e-12)


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
# issue 8: scipy's nct.cdf is NaN at nc = -7.09375 (t = 7.90625, 2 df) and at nc = -9.8 (t = 20),
# where the bracket used to grow, and brentq raised
@example(7.90625, 3)
@example(20.0, 3)
def test_dz_ci_bounds_put_t_at_the_tail_quantiles(t, n):
    ci = stats.cohen_dz_ci(t, n)
    low, high = ci
    assert ci.ci_method == stats.EXACT_T
    # reference: the noncentral t of scipy, evaluated at the bounds
    assert sps.nct.cdf(t, n - 1, low * math.sqrt(n)) == pytest.approx(0.975, abs=1e-7)
    assert sps.nct.cdf(t, n - 1, high * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)
    assert low < t / math.sqrt(n) < high


@settings(max_examples=40)
@given(st.floats(-1e3, 1e3), st.integers(2, 500))
@example(7.90625, 3)
@example(20.0, 3)
@example(1e3, 2)
@example(-1e3, 2)
def test_dz_ci_never_raises_and_contains_the_estimate(t, n):
    ci = stats.cohen_dz_ci(t, n)
    assert ci.ci_method in (stats.EXACT_T, stats.NORMAL_T)
    low, high = ci
    assert math.isfinite(low) and math.isfinite(high)
    assert low <= t / math.sqrt(n) <= high


@pytest.mark.parametrize(
    ("t", "n"), [(math.inf, 10), (-math.inf, 10), (math.nan, 10), (2.0, 1), (2.0, 0)]
)
def test_dz_ci_of_impossible_input_is_nan_and_says_why(t, n):
    ci = stats.cohen_dz_ci(t, n)
    assert all(math.isnan(v) for v in ci)
    assert ci.ci_method.startswith("not computable: ")


def test_dz_ci_falls_back_to_the_normal_approximation(monkeypatch):
    # scipy's noncentral t unusable everywhere: the closed form of Abramowitz & Stegun 26.7.10.
    # Reference, by hand for t = 2, 10 df, 95 %: centre 2 (1 - 1/40) = 1.95, half-width
    # 1.959964 * sqrt(1 + 4/20) = 2.147033, so nc in (-0.197033, 4.097033), divided by sqrt(11).
    monkeypatch.setattr(stats, "_nct_cdf", lambda x, df, nc: math.nan)
    ci = stats.cohen_dz_ci(2.0, 11)
    assert ci.ci_method == stats.NORMAL_T
    assert ci[0] * math.sqrt(11) == pytest.approx(-0.197033, abs=1e-6)
    assert ci[1] * math.sqrt(11) == pytest.approx(4.097033, abs=1e-6)


def test_the_normal_approximation_is_close_to_the_exact_interval_for_many_df():
    # reference: the exact interval (scipy's noncentral t); A&S 26.7.10 errs by O(1/df)
    exact = stats._noncentrality_interval(lambda x, nc: sps.nct.cdf(x, 200, nc), 3.0, 0.95)
    approx = stats._nct_normal_interval(3.0, 200, 0.95)
    np.testing.assert_allclose(approx, exact, atol=1e-3)


@given(samples, samples)
def test_hedges_g_never_raises_and_contains_g(x, y):
    g, low, high = res = stats.hedges_g(np.array(x), np.array(y))
    assert res.ci_method in (stats.EXACT_T, stats.NORMAL_T)
    assert low <= g <= high


def test_hedges_g_of_degenerate_groups_is_nan_with_a_reason():
    one = stats.hedges_g(np.array([1.0]), np.array([1.0, 2.0]))
    flat = stats.hedges_g(np.array([3.0, 3.0]), np.array([1.0, 1.0]))
    bad = stats.hedges_g(np.array([1.0, np.inf]), np.array([1.0, 2.0]))
    for res in (one, flat, bad):
        assert all(math.isnan(v) for v in res)
        assert res.ci_method.startswith("not computable")


@given(st.floats(0.05, 60), st.integers(1, 4), st.integers(5, 120))
def test_partial_eta_squared_ci_inverts_the_noncentral_f(f_value, df1, df2):
    low, high = stats.partial_eta_squared_ci(f_value, df1, df2)
    total = df2  # η²p = λ / (λ + df2): effectsize's conversion (tests/test_effect_sizes.py)
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


@settings(max_examples=40)
@given(st.floats(0, 1e7), st.integers(1, 10), st.floats(0.5, 2000))
@example(1e300, 1, 10)
@example(0.0, 1, 5)
def test_partial_eta_squared_ci_never_raises(f_value, df1, df2):
    low, high = ci = stats.partial_eta_squared_ci(f_value, df1, df2)
    if ci.ci_method.startswith("not computable"):
        assert math.isnan(low) and math.isnan(high)
    else:
        assert ci.ci_method in (stats.EXACT_F, stats.PATNAIK_F)
        assert 0 <= low <= high <= 1


@pytest.mark.parametrize("args", [(math.inf, 1, 5), (math.nan, 1, 5), (2.0, 0, 5), (-1.0, 1, 5)])
def test_partial_eta_squared_ci_of_impossible_input_is_nan(args):
    ci = stats.partial_eta_squared_ci(*args)
    assert math.isnan(ci[0]) and ci.ci_method.startswith("not computable")


def test_partial_eta_squared_ci_falls_back_to_patnaik(monkeypatch):
    # reference: the exact interval from scipy's noncentral F (doctest: 0.0769, 0.552); the
    # Patnaik (1949) scaled central F is within about 0.015 of it here
    monkeypatch.setattr(stats, "_ncf_cdf", lambda *args: math.nan)
    ci = stats.partial_eta_squared_ci(10.0, 1, 20)
    assert ci.ci_method == stats.PATNAIK_F
    np.testing.assert_allclose(ci, (0.0769, 0.552), atol=0.015)


def test_degenerate_t_tests_give_nan_and_a_note():
    flat = stats.paired_ttest(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0]))
    single = stats.one_sample_ttest(np.array([4.0]))
    same = stats.one_sample_ttest(np.array([4.0, 4.0, 4.0]))
    lonely = stats.welch_ttest(np.array([1.0]), np.array([1.0, 2.0, 3.0]))
    for res, why in [
        (flat, "zero variance"),
        (single, "needs 2"),
        (same, "zero variance"),
        (lonely, "2 or more per group"),
    ]:
        assert math.isnan(res["t"]) and math.isnan(res["p_val"])
        assert res["note"].startswith("not computable") and why in res["note"]
    assert flat["mean_diff"] == 1.0  # what can be computed still is
    ok = stats.welch_ttest(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))
    assert ok["note"] == "" and math.isfinite(ok["t"])  # one flat group is fine for Welch


def test_huge_values_give_the_same_t_as_their_rescaled_selves():
    # t, d and Welch's t do not depend on the unit; scipy's one-sample t of 1e300-sized values
    # was 0 (its squares overflow). Reference: the same test on the values divided by 1e300.
    x = np.array([1.0, 2.0, 3.5, 4.0])
    y = np.array([0.5, 1.0, 1.5])
    small, huge = stats.one_sample_ttest(x), stats.one_sample_ttest(x * 1e300)
    assert huge["t"] == pytest.approx(small["t"], rel=1e-12)
    assert huge["sd"] == pytest.approx(small["sd"] * 1e300, rel=1e-12)
    welch_small, welch_huge = stats.welch_ttest(x, y), stats.welch_ttest(x * 1e300, y * 1e300)
    assert welch_huge["t"] == pytest.approx(welch_small["t"], rel=1e-12)
    assert welch_huge["hedges_g"] == pytest.approx(welch_small["hedges_g"], rel=1e-12)


def test_linear_trend_of_degenerate_data_is_nan_with_a_note():
    same_x = stats.linear_trend(np.array([10.0, 10.0, 10.0]), np.array([1.0, 2.0, 3.0]))
    two = stats.linear_trend(np.array([10.0, 21.0]), np.array([1.0, 2.0]))
    for res in (same_x, two):
        assert math.isnan(res["slope"]) and res["note"].startswith("not computable")


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
    assert ours["exclusion_reason"].iloc[0] == f"{first} (no June value)"
    assert ours["n_subjects"].iloc[0] == df["Subject"].nunique() - 1
    # the subjects left are analysed as if the dropped one had never been there
    alone = stats.mixed_anova(
        df[df["Subject"] != first], dv="Scores", within="Time", between="Group", subject="Subject"
    )
    np.testing.assert_array_equal(ours["F"], alone["F"])


def test_mixed_anova_of_degenerate_data_gives_nan_and_a_note():
    df = pg.read_dataset("mixed_anova")
    flat = df.assign(Scores=5.0)
    ours = stats.mixed_anova(flat, dv="Scores", within="Time", between="Group", subject="Subject")
    assert ours["F"].isna().all() and ours["note"].str.startswith("not computable").all()
    assert ours["np2_ci_method"].str.startswith("not computable").all()
    inf = df.copy()
    inf.loc[inf.index[0], "Scores"] = np.inf
    ours = stats.mixed_anova(inf, dv="Scores", within="Time", between="Group", subject="Subject")
    first = df["Subject"].iloc[0]
    assert ours["dropped_subjects"].iloc[0] == str(first)
    assert "inf" in ours["exclusion_reason"].iloc[0]
    assert np.isfinite(ours["F"]).all()


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


def test_describe_leaves_out_unusable_values_and_names_them():
    df = pd.DataFrame(
        {
            "subject": ["007", "010", "9", "11"],
            "g": ["a", "a", "a", "b"],
            "y": [1.0, np.inf, 3.0, 1e300],
        }
    )
    table = stats.describe(df, ["y"], ["g"], subject="subject").set_index("g")
    assert table.loc["a", "n"] == 2 and table.loc["a", "mean"] == 2.0
    assert table.loc["a", "excluded_subjects"] == "010"
    assert table.loc["a", "exclusion_reason"] == "010 (y = inf)"
    assert table.loc["b", "mean"] == 1e300 and table.loc["b", "excluded_subjects"] == ""
    big = stats.describe(pd.DataFrame({"g": "a", "y": [1e300, 2e300, 3e300]}), ["y"], ["g"])
    # SD of (1, 2, 3) is 1; computed on a power-of-two rescaling it does not overflow
    assert big["sd"].iloc[0] == pytest.approx(1e300, rel=1e-12)


def test_left_out_keeps_ids_as_strings_in_their_order():
    df = pd.DataFrame(
        {
            "subject": ["010", "010", "9", "001", "001"],
            "time": ["pre", "post", "pre", "pre", "post"],
            "y": [1.0, np.inf, 2.0, 3.0, 4.0],
        }
    )
    assert stats.left_out(df, "y", levels=["pre", "post"]) == {
        "010": "y = inf at post",
        "9": "no post value",
    }
    assert list(stats.left_out(df, "y", levels=["pre", "post"])) == ["010", "9"]


def test_prepare_measures_sets_a_log_of_zero_to_nan_and_says_why():
    df = pd.DataFrame({"time": ["pre", "post", "day3"], "ck": [0.0, np.inf, 100.0]})
    data, why = stats.prepare_measures(df, ["ck"], log={"log_ck": "ck"})
    assert data["log_ck"].isna().tolist() == [True, True, False]
    assert data["log_ck"].iloc[2] == pytest.approx(math.log(100.0))
    assert why["log_ck"].tolist() == ["ck = 0 at pre has no logarithm", "ck = inf at post", ""]
    assert np.isnan(data["ck"].iloc[1])


def test_percent_change_leaves_out_a_zero_baseline_and_says_why():
    df = pd.DataFrame(
        {
            "subject": ["a", "a", "b", "b", "c"],
            "group": "g",
            "time": ["pre", "post", "pre", "post", "pre"],
            "y": [0.0, 12.0, 20.0, 21.0, 5.0],
        }
    )
    assert percent_change_rows(stats.percent_change(df, ["y"])) == [("b", 5.0)]
    full = stats.percent_change(df, ["y"], report_excluded=True)
    assert full["exclusion_reason"].tolist() == [
        "y = 0 at pre: no percent change",
        "",
        "no post value",
    ]
    assert not np.isinf(full["pct_change"]).any()


def percent_change_rows(change):
    return [(s, round(v, 9)) for s, v in zip(change["subject"], change["pct_change"], strict=True)]


def _same_bits(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


finite_or_edge = st.one_of(
    st.floats(-1e4, 1e4, allow_nan=False), st.sampled_from([math.inf, -math.inf, math.nan, 0.0])
)


@settings(max_examples=300)
@given(finite_or_edge, st.one_of(st.floats(-2, 400), st.just(math.nan)), finite_or_edge)
def test_fast_nct_cdf_is_scipys_to_the_bit(x, df, nc):
    # the confidence intervals' root search calls the special function directly (speed)
    assert _same_bits(float(stats._fast_nct_cdf(x, df, nc)), float(sps.nct.cdf(x, df, nc)))


@settings(max_examples=300)
@given(finite_or_edge, st.floats(-1, 50), st.floats(-1, 500), finite_or_edge)
def test_fast_f_and_ncf_cdfs_are_scipys_to_the_bit(x, df1, df2, nc):
    fast = float(stats._fast_ncf_cdf(x, df1, df2, nc))
    assert _same_bits(fast, float(sps.ncf.cdf(x, df1, df2, nc)))
    assert _same_bits(float(stats._fast_f_cdf(x, df1, df2)), float(sps.f.cdf(x, df1, df2)))
