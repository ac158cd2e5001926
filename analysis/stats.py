"""Statistics as tidy DataFrames: thin wrappers on pingouin and scipy, plus what they lack.

Tests come from scipy (t-tests) and pingouin (mixed ANOVA, ANCOVA); the tests check the
t-tests against pingouin. Written by hand, because neither library offers them: exact
confidence intervals of Cohen's d_z and Hedges' g (noncentral t), the confidence interval of
partial eta squared (noncentral F), the
Greenhouse-Geisser p of a mixed ANOVA's interaction when pingouin leaves it empty, and the GRIM
consistency check of a mean of integers.

pingouin is imported inside the functions: it imports matplotlib, and ``import analysis`` must
stay light.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .errors import InputError

__all__ = [
    "ancova",
    "cohen_dz_ci",
    "complete_subjects",
    "describe",
    "grim_consistent",
    "hedges_g",
    "linear_trend",
    "mixed_anova",
    "one_sample_ttest",
    "paired_ttest",
    "partial_eta_squared_ci",
    "percent_change",
    "welch_ttest",
]


@contextmanager
def _quiet_pingouin():
    """Silence pingouin 0.7's deprecation warnings about pandas 3 (not ours to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pingouin")
        warnings.filterwarnings("ignore", category=FutureWarning, module="pingouin")
        yield


def _noncentrality_interval(distribution_cdf, observed, confidence):
    """Noncentrality values whose distributions put ``observed`` at the two tail quantiles.

    The CDF at ``observed`` falls as the noncentrality rises. The bracket grows outwards from
    ``observed`` in doubling steps, which keeps it where scipy's noncentral CDFs are finite.
    """
    alpha = (1 - confidence) / 2

    def solve(target):
        def f(nc):
            return distribution_cdf(observed, nc) - target

        step = 1.0
        low, high = observed - step, observed + step
        while f(low) < 0:
            step *= 2
            low -= step
        step = 1.0
        while f(high) > 0:
            step *= 2
            high += step
        return optimize.brentq(f, low, high, xtol=1e-12)

    return solve(1 - alpha), solve(alpha)


def cohen_dz_ci(t: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact confidence interval of Cohen's d_z = t / sqrt(n) from the noncentral t.

    The bounds are the noncentrality parameters that put the observed t at the upper and
    lower tail quantiles of a noncentral t with n - 1 df, divided by sqrt(n) (Cumming &
    Finch 2001, Educ Psychol Meas 61:532). Written by hand: pingouin's ``compute_esci`` uses a
    normal approximation.

    Examples
    --------
    >>> low, high = cohen_dz_ci(3.93, 12)
    >>> round(low, 3), round(high, 3)
    (0.385, 1.854)
    """
    df = n - 1
    low, high = _noncentrality_interval(lambda x, nc: stats.nct.cdf(x, df, nc), t, confidence)
    return low / math.sqrt(n), high / math.sqrt(n)


def partial_eta_squared_ci(
    f_value: float, df1: float, df2: float, confidence: float = 0.90
) -> tuple[float, float]:
    """Confidence interval of partial eta squared from the noncentral F (Steiger 2004).

    The noncentrality bounds λ are turned into η²p = λ / (λ + df1 + df2 + 1). A 90 % interval
    is conventional because η²p cannot be negative (Steiger 2004, Psychol Methods 9:164).
    Written by hand: neither pingouin nor statsmodels provides it.

    Examples
    --------
    >>> low, high = partial_eta_squared_ci(10.0, 1, 20)
    >>> round(low, 4), round(high, 4)
    (0.0704, 0.5283)
    """
    if not np.isfinite(f_value):
        return (math.nan, math.nan)
    alpha = (1 - confidence) / 2

    def cdf(nc):
        return stats.ncf.cdf(f_value, df1, df2, nc) if nc > 0 else stats.f.cdf(f_value, df1, df2)

    def bound(target):
        if cdf(0.0) < target:  # even λ = 0 puts F above this quantile
            return 0.0
        high = max(10.0, f_value * df1 * 2)
        while cdf(high) > target:
            high *= 2
        return optimize.brentq(lambda nc: cdf(nc) - target, 0.0, high, xtol=1e-10)

    lam_low, lam_high = bound(1 - alpha), bound(alpha)
    total = df1 + df2 + 1
    return lam_low / (lam_low + total), lam_high / (lam_high + total)


def grim_consistent(mean: float, n: int, decimals: int) -> bool:
    """GRIM test: can a mean of ``n`` integers, rounded to ``decimals``, be ``mean``?

    Brown & Heathers 2017, Soc Psychol Personal Sci 8:363. Written by hand (a few lines).

    Examples
    --------
    >>> grim_consistent(24.5, 12, 1)
    True
    >>> grim_consistent(24.45, 12, 2)
    False
    """
    half = 0.5 * 10.0**-decimals
    low, high = math.ceil((mean - half) * n - 1e-9), math.floor((mean + half) * n + 1e-9)
    return any(
        round(total / n, decimals) == round(mean, decimals) for total in range(low, high + 1)
    )


def describe(
    df: pd.DataFrame, measures: Sequence[str], by: Sequence[str], name: str = "measure"
) -> pd.DataFrame:
    """n, mean, SD (n - 1), SEM, min and max of each measure within each cell of ``by``.

    Returns one row per cell x measure (tidy); the measure's name is in column ``name``.

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 3.0, 2.0, 2.0]})
    >>> describe(d, ["y"], ["g"])[["g", "measure", "n", "mean", "sd"]].to_dict("records")[0]
    {'g': 'a', 'measure': 'y', 'n': 2, 'mean': 2.0, 'sd': 1.4142135623730951}
    """
    long = df.melt(id_vars=list(by), value_vars=list(measures), var_name=name)
    grouped = long.dropna(subset=["value"]).groupby([*by, name], observed=True, sort=False)
    out = grouped["value"].agg(n="count", mean="mean", sd="std", min="min", max="max")
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    out = out.reset_index()[[*by, name, "n", "mean", "sd", "sem", "min", "max"]]
    out["n"] = out["n"].astype(int)
    return out


def complete_subjects(
    df: pd.DataFrame, subject: str, time: str, levels: Sequence[str], measures: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Keep subjects with a value of every measure at every level of ``time``.

    Returns the kept rows and the sorted ids of the subjects that were dropped, so that an
    analysis needing complete cases can say which subjects it left out.
    """
    present = df.dropna(subset=list(measures))
    present = present[present[time].isin(levels)]
    counts = present.groupby(subject, observed=True)[time].nunique()
    complete = set(counts[counts == len(levels)].index)
    dropped = sorted(set(df[subject]) - complete)
    return present[present[subject].isin(complete)].copy(), dropped


def percent_change(
    df: pd.DataFrame,
    measures: Sequence[str],
    *,
    subject: str = "subject",
    time: str = "time",
    pre: str = "pre",
    post: str = "post",
    keep: Sequence[str] = ("group",),
) -> pd.DataFrame:
    """Per-subject percent change ``100 * (post / pre - 1)`` of each measure, long format.

    Subjects without both timepoints are left out. Columns: ``subject``, ``keep`` columns,
    ``measure``, ``pre``, ``post``, ``pct_change``.

    Examples
    --------
    >>> d = pd.DataFrame({"subject": ["a", "a"], "group": ["g", "g"], "time": ["pre", "post"],
    ...                   "y": [10.0, 11.0]})
    >>> float(percent_change(d, ["y"])["pct_change"].iloc[0])
    10.000000000000009
    """
    wide = df.pivot_table(
        index=[subject, *keep], columns=time, values=list(measures), observed=True, sort=False
    )
    rows = []
    for measure in measures:
        if (measure, pre) not in wide.columns or (measure, post) not in wide.columns:
            continue
        part = wide[measure][[pre, post]].dropna().reset_index()
        part.columns = [subject, *keep, "pre", "post"]
        part.insert(len(keep) + 1, "measure", measure)
        part["pct_change"] = 100.0 * (part["post"] / part["pre"] - 1.0)
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def paired_ttest(pre: np.ndarray, post: np.ndarray, confidence: float = 0.95) -> dict:
    """Paired t-test of post vs pre (scipy) with Cohen's d_z and its exact CI.

    d_z = mean(post - pre) / SD(post - pre), the effect size of a paired design. The t and p
    agree with ``pingouin.ttest(post, pre, paired=True)`` (tested); scipy is used because
    importing pingouin costs a second.

    Examples
    --------
    >>> res = paired_ttest(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.5, 4.5, 4.5]))
    >>> round(res["t"], 4), res["dof"], round(res["dz"], 4)
    (3.6556, 3, 1.8278)
    """
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    res = stats.ttest_rel(post, pre)
    diff = post - pre
    n = diff.size
    low, high = cohen_dz_ci(float(res.statistic), n, confidence)
    return {
        "n": n,
        "mean_pre": pre.mean(),
        "mean_post": post.mean(),
        "mean_diff": diff.mean(),
        "t": float(res.statistic),
        "dof": n - 1,
        "p_val": float(res.pvalue),
        "dz": float(diff.mean() / diff.std(ddof=1)),
        "dz_ci_low": low,
        "dz_ci_high": high,
    }


def one_sample_ttest(x: np.ndarray, mu: float = 0.0, confidence: float = 0.95) -> dict:
    """One-sample t-test of ``x`` against ``mu`` (scipy) with Cohen's d and its exact CI.

    For percent changes this is the test that a published mean ± SEM of the change implies.

    Examples
    --------
    >>> res = one_sample_ttest(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> round(res["t"], 4), round(res["d"], 4)
    (3.873, 1.9365)
    """
    x = np.asarray(x, dtype=float)
    res = stats.ttest_1samp(x, mu)
    low, high = cohen_dz_ci(float(res.statistic), x.size, confidence)
    sd = x.std(ddof=1)
    return {
        "n": x.size,
        "mean": x.mean(),
        "sd": sd,
        "sem": sd / np.sqrt(x.size),
        "t": float(res.statistic),
        "dof": x.size - 1,
        "p_val": float(res.pvalue),
        "d": float((x.mean() - mu) / sd),
        "d_ci_low": low,
        "d_ci_high": high,
    }


def hedges_g(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Hedges' g of x - y with an exact CI (noncentral t on Cohen's d, times Hedges' J).

    g = J * d with d the pooled-SD Cohen's d and J = 1 - 3 / (4 (nx + ny) - 9), the value
    ``pingouin.compute_effsize(x, y, eftype="hedges")`` gives (tested). The CI inverts the
    noncentral t of d (Hedges & Olkin 1985) and scales it by J; written by hand because
    pingouin's ``compute_esci`` uses a normal approximation.

    Examples
    --------
    >>> g, low, high = hedges_g(np.array([5.0, 6, 7, 9]), np.array([1.0, 2, 2.5]))
    >>> round(g, 3), round(float(low), 3), round(float(high), 3)
    (2.94, 0.731, 5.07)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    nx, ny = x.size, y.size
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    d = (x.mean() - y.mean()) / pooled
    correction = 1 - 3 / (4 * (nx + ny) - 9)
    scale = np.sqrt(nx * ny / (nx + ny))
    df = nx + ny - 2
    nc_low, nc_high = _noncentrality_interval(
        lambda t, nc: stats.nct.cdf(t, df, nc), d * scale, confidence
    )
    return (
        float(d * correction),
        float(nc_low / scale * correction),
        float(nc_high / scale * correction),
    )


def welch_ttest(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> dict:
    """Welch's t-test of x vs y (scipy) with Hedges' g and its CI (:func:`hedges_g`).

    Agrees with ``pingouin.ttest(x, y, correction=True)`` (tested).

    Examples
    --------
    >>> res = welch_ttest(np.array([5.0, 6.0, 7.0, 9.0]), np.array([1.0, 2.0, 2.5]))
    >>> round(res["t"], 3), round(res["hedges_g"], 3)
    (5.116, 2.94)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    res = stats.ttest_ind(x, y, equal_var=False)
    g, low, high = hedges_g(x, y, confidence)
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    return {
        "n_x": x.size,
        "n_y": y.size,
        "mean_x": x.mean(),
        "mean_y": y.mean(),
        "t": float(res.statistic),
        "dof": float(dof),
        "p_val": float(res.pvalue),
        "hedges_g": g,
        "g_ci_low": low,
        "g_ci_high": high,
    }


def mixed_anova(
    df: pd.DataFrame,
    *,
    dv: str,
    within: str,
    between: str,
    subject: str = "subject",
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Two-way mixed ANOVA (pingouin) completed with what a report needs.

    Subjects missing any level of ``within`` are dropped, and the table says which
    (``dropped_subjects``). Added to pingouin's table: the Greenhouse-Geisser p of every
    within-subject row (pingouin may leave the interaction's empty; here it is
    ``f.sf(F, eps * DF1, eps * DF2)``), and a 90 % CI of partial eta squared.

    Examples
    --------
    >>> import pingouin as pg
    >>> d = pg.read_dataset("mixed_anova")
    >>> aov = mixed_anova(d, dv="Scores", within="Time", between="Group", subject="Subject")
    >>> round(float(aov.loc[aov["Source"] == "Interaction", "F"].iloc[0]), 4)
    2.728
    """
    import pingouin as pg

    levels = list(levels) if levels is not None else list(pd.unique(df[within].dropna()))
    data, dropped = complete_subjects(df, subject, within, levels, [dv])
    data = data[[subject, between, within, dv]].copy()
    per_group = data.groupby(between, observed=True)[subject].nunique()
    if (per_group >= 2).sum() < 2 or len(levels) < 2:
        raise InputError(
            f"the mixed ANOVA of {dv} needs 2 or more {between} levels with at least 2 subjects "
            f"measured at every {within} ({', '.join(map(str, levels))}); complete subjects "
            f"per {between}: {per_group.to_dict() or 'none'}"
        )
    for column in (between, within):  # pingouin wants plain labels, not unused categories
        data[column] = data[column].astype(str)
    with _quiet_pingouin():
        table = pg.mixed_anova(
            data=data, dv=dv, within=within, between=between, subject=subject, correction=True
        )
    if "p_GG_corr" not in table.columns:
        table["p_GG_corr"] = np.nan
    if "eps" not in table.columns:
        table["eps"] = np.nan
    is_within = table["Source"] != between
    eps = table.loc[is_within, "eps"].fillna(1.0)
    table.loc[is_within, "eps"] = eps
    missing = is_within & table["p_GG_corr"].isna()
    table.loc[missing, "p_GG_corr"] = stats.f.sf(
        table.loc[missing, "F"],
        table.loc[missing, "eps"] * table.loc[missing, "DF1"],
        table.loc[missing, "eps"] * table.loc[missing, "DF2"],
    )
    cis = [
        partial_eta_squared_ci(f, d1, d2)
        for f, d1, d2 in zip(table["F"], table["DF1"], table["DF2"], strict=True)
    ]
    table["np2_ci90_low"] = [c[0] for c in cis]
    table["np2_ci90_high"] = [c[1] for c in cis]
    table.insert(0, "dv", dv)
    table["n_subjects"] = data[subject].nunique()
    table["dropped_subjects"] = ";".join(map(str, dropped))
    return table


def ancova(df_wide: pd.DataFrame, *, dv: str, covar: str, between: str) -> pd.DataFrame:
    """ANCOVA of ``dv`` (post) adjusted for ``covar`` (pre) with a between factor (pingouin).

    Examples
    --------
    >>> d = pd.DataFrame({"pre": [1.0, 2, 3, 4, 5, 6], "post": [1.5, 2.2, 3.9, 5.5, 6.1, 7.4],
    ...                   "g": ["a", "a", "a", "b", "b", "b"]})
    >>> list(ancova(d, dv="post", covar="pre", between="g")["Source"])
    ['g', 'pre', 'Residual']
    """
    import pingouin as pg

    data = df_wide.copy()
    data[between] = data[between].astype(str)
    if data[between].nunique() < 2:
        raise InputError(f"the ANCOVA of {dv} needs subjects in 2 or more {between} levels")
    with _quiet_pingouin():
        return pg.ancova(data=data, dv=dv, covar=covar, between=between)


def linear_trend(x: np.ndarray, y: np.ndarray) -> dict:
    """Least-squares slope of y on x with its t-test (scipy ``linregress``).

    Examples
    --------
    >>> res = linear_trend(np.array([1.0, 2, 3, 4]), np.array([2.0, 4.1, 5.9, 8.2]))
    >>> round(res["slope"], 3)
    2.04
    """
    res = stats.linregress(np.asarray(x, float), np.asarray(y, float))
    return {
        "n": int(np.size(x)),
        "slope": float(res.slope),
        "intercept": float(res.intercept),
        "slope_se": float(res.stderr),
        "r": float(res.rvalue),
        "p_val": float(res.pvalue),
    }
