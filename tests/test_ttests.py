"""Batched t-tests and Holm against scipy and statsmodels, dataset by dataset."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.engine import ttests


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(9)
    return rng.normal(1.0, 2.0, size=(200, 12)), rng.normal(0.0, 1.0, size=(200, 7))


def test_one_sample_and_paired_equal_scipy_per_replicate(batch):
    x, _ = batch
    res = ttests.one_sample(x, mu=0.5)
    ref = stats.ttest_1samp(x, 0.5, axis=-1)
    np.testing.assert_allclose(res.t, ref.statistic, rtol=1e-12)
    np.testing.assert_allclose(res.p, ref.pvalue, rtol=1e-10)
    pre, post = x[:, :6], x[:, 6:]
    paired = ttests.paired(pre, post)
    ref = stats.ttest_rel(post, pre, axis=-1)
    np.testing.assert_allclose(paired.t, ref.statistic, rtol=1e-12)
    np.testing.assert_allclose(paired.p, ref.pvalue, rtol=1e-10)


def test_welch_equals_scipy_per_replicate(batch):
    x, y = batch
    res = ttests.welch(x, y)
    ref = stats.ttest_ind(x, y, axis=-1, equal_var=False)
    np.testing.assert_allclose(res.t, ref.statistic, rtol=1e-12)
    np.testing.assert_allclose(res.p, ref.pvalue, rtol=1e-10)
    np.testing.assert_allclose(res.df, ref.df, rtol=1e-12)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
@example([0.01, 0.04, 0.03])
@example([0.5, 0.5])
def test_holm_equals_statsmodels(p):
    ours = ttests.holm(np.array(p))
    ref = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)


def test_holm_works_per_family_and_leaves_nan_out():
    p = np.array([[0.01, 0.04, 0.03], [0.2, np.nan, 0.01]])
    out = ttests.holm(p)
    np.testing.assert_allclose(out[0], [0.03, 0.06, 0.06])
    np.testing.assert_allclose(out[1], [0.2, np.nan, 0.02])


# Rows without variance, or nearly so: each batched test must give what the tidy test of
# analysis.engine.stats gives the same row (NaN where it says "not computable"), since the
# batched decisions of issue 11 must equal the ordinary path's. An audit found the batch
# deciding p = 0 where the ordinary path said "zero variance" (every change exactly 25 %).
DEGENERATE = [
    [25.0, 25.0, 25.0, 25.0],  # all equal: zero variance
    [0.1, 0.1, 0.1],  # all equal, with a mean that rounds: numpy's SD may not be 0
    [7.0, 7.0, 7.0, 7.0 + 2**-48],  # a variance at the rounding level
    [1.0, 2.0, 3.0, 4.0],
]


@pytest.mark.parametrize("row", DEGENERATE)
def test_one_sample_and_paired_give_what_the_tidy_tests_give(row):
    from analysis.engine.stats import one_sample_ttest, paired_ttest

    x = np.array(row)
    batched = ttests.one_sample(np.stack([x, x + 1.0]))
    for k, values in enumerate((x, x + 1.0)):
        np.testing.assert_equal(batched.p[k], one_sample_ttest(values)["p_val"])
    pre = np.arange(1.0, x.size + 1.0) * 3.0
    paired = ttests.paired(pre, pre + x)
    np.testing.assert_allclose(paired.p, paired_ttest(pre, pre + x)["p_val"], rtol=1e-9)
    assert np.isnan(paired.p) == np.isnan(paired_ttest(pre, pre + x)["p_val"])


@pytest.mark.parametrize("other", [[5.0, 5.0, 5.0], [5.0, 6.0, 8.0]])
@pytest.mark.parametrize("row", DEGENERATE)
def test_welch_gives_what_the_tidy_test_gives(row, other):
    from analysis.engine.stats import welch_ttest

    x, y = np.array(row), np.array(other)
    batched = ttests.welch(x, y).p
    tidy = welch_ttest(x, y)["p_val"]
    assert np.isnan(batched) == np.isnan(tidy)
    np.testing.assert_allclose(batched, tidy, rtol=1e-9)
