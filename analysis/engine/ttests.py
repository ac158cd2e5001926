"""t-tests and Holm's adjustment on arrays: many datasets at once, no Python loop.

Each function works along the last axis of its inputs, so ``x`` of shape ``(replicates, n)``
gives one test per replicate; the leading axes broadcast. They return named arrays (t, df, p)
equal to scipy's ``ttest_1samp``, ``ttest_rel`` and ``ttest_ind(equal_var=False)`` (tested),
which loop over a Python call per dataset when used for Monte Carlo work. Written by hand for
that batch form; the p-values come from scipy's ``stdtr`` (the same routine scipy's tests use).
Data without variance (all values equal; for Welch's test, in both groups) give NaN t and p,
as the tidy tests of :mod:`analysis.engine.stats` do, where scipy gives ±inf or NaN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special

__all__ = ["TTest", "holm", "one_sample", "paired", "welch"]


class TTest(NamedTuple):
    """Arrays of t statistics, degrees of freedom and two-sided p-values."""

    t: np.ndarray
    df: np.ndarray
    p: np.ndarray
    mean_diff: np.ndarray


def _two_sided(t, df):
    with np.errstate(invalid="ignore"):
        return 2.0 * special.stdtr(df, -np.abs(t))


def one_sample(x, mu: float = 0.0) -> TTest:
    """One-sample t-test of the mean of ``x`` (last axis) against ``mu``.

    Examples
    --------
    >>> res = one_sample(np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 1.5, 0.5, 1.0]]))
    >>> res.t.round(4).tolist(), res.df.tolist()
    ([3.873, 4.899], [3.0, 3.0])
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = x.std(axis=-1, ddof=1)
        t = (mean - mu) / (sd / np.sqrt(n))
    # no test without variance: NaN, as analysis.engine.stats.one_sample_ttest (not ±inf, p 0)
    t = np.where(sd == 0, np.nan, t)
    df = np.full(t.shape, n - 1.0)
    return TTest(t, df, _two_sided(t, df), mean - mu)


def paired(pre, post) -> TTest:
    """Paired t-test of ``post - pre`` (last axis pairs the subjects).

    Examples
    --------
    >>> paired(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.5, 4.5, 4.5])).t.round(4)
    np.float64(3.6556)
    """
    return one_sample(np.asarray(post, float) - np.asarray(pre, float))


def welch(x, y) -> TTest:
    """Welch's unequal-variance t-test of ``mean(x) - mean(y)`` along the last axis.

    Examples
    --------
    >>> res = welch(np.array([5.0, 6.0, 7.0, 9.0]), np.array([1.0, 2.0, 2.5]))
    >>> round(float(res.t), 3), round(float(res.df), 3)
    (5.116, 4.349)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    nx, ny = x.shape[-1], y.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        vx = x.var(axis=-1, ddof=1) / nx
        vy = y.var(axis=-1, ddof=1) / ny
    diff = x.mean(axis=-1) - y.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / np.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    # both groups without variance: no test, as analysis.engine.stats.welch_ttest
    t = np.where((vx == 0) & (vy == 0), np.nan, t)
    return TTest(t, df, _two_sided(t, df), diff)


def holm(p) -> np.ndarray:
    """Holm's step-down adjustment of each family of p-values on the last axis.

    ``p_(i)`` sorted ascending becomes ``max_{j <= i} min(1, (m - j + 1) p_(j))`` (Holm 1979,
    Scand J Stat 6:65); the same as ``statsmodels.stats.multitest.multipletests(p,
    method="holm")`` per family (tested). NaN p-values stay NaN and do not count in ``m``.

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    missing = np.isnan(p)
    m = (~missing).sum(axis=-1, keepdims=True)
    order = np.argsort(np.where(missing, np.inf, p), axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1)
    factor = m - np.arange(p.shape[-1])
    adjusted = np.minimum(1.0, np.maximum.accumulate(np.nan_to_num(ranked * factor), axis=-1))
    adjusted = np.where(np.isnan(ranked), np.nan, adjusted)
    out = np.empty_like(adjusted)
    np.put_along_axis(out, order, adjusted, axis=-1)
    return out
