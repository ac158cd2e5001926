"""Random-effects meta-analysis of mean changes: DerSimonian-Laird, Paule-Mandel and REML.

The three between-study variance (τ²) estimators are written by hand because statsmodels'
``combine_effects`` has no REML (metafor's default) and reports the Q-based I² for every
estimator. Each agrees with R's metafor 3.8 ``rma(yi, vi, method = ...)`` to 1e-8 on
``dat.bcg`` and on the project's literature table (``tests/reference/``):

- **DL** (DerSimonian & Laird 1986): the moment estimator, closed form.
- **PM** (Paule & Mandel 1982): the τ² at which the generalised Q statistic equals its
  expectation ``k - 1``, solved to machine precision (metafor stops at about 1e-4 unless
  ``control = list(tol = ...)`` is tightened).
- **REML**: Fisher scoring on the restricted likelihood (Viechtbauer 2005, J Educ Behav Stat
  30:261), as metafor does, truncated at 0.

Heterogeneity as metafor reports it, from the τ² of the chosen estimator: the "typical"
within-study variance ``s² = (k - 1) Σw / ((Σw)² - Σw²)`` with ``w = 1 / v``,
``I² = τ² / (τ² + s²)`` (a fraction here; metafor prints a percentage) and
``H² = (τ² + s²) / s²`` (Higgins & Thompson 2002, Stat Med 21:1539). Only for DL does this I²
equal the Q-based ``(Q - (k - 1)) / Q``.

Confidence intervals use the normal distribution, or, with ``knapp_hartung=True``, the
Knapp-Hartung (2003) variance with t on k - 1 df (metafor's ``test = "knha"``, not truncated).
The 95 % prediction interval uses t on k - 2 df (Higgins, Thompson & Spiegelhalter 2009, J R
Stat Soc A 172:137; metafor's ``predict(..., pi.type = "riley")``). Added: leave-one-out,
subgroups, and a guard that never pools two rows of one cohort.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import InputError

METHODS = ("DL", "PM", "REML")
_Z975 = stats.norm.ppf(0.975)


def _check(table: pd.DataFrame, effect: str, se: str, cohort: str | None) -> pd.DataFrame:
    rows = table.dropna(subset=[effect, se])
    if len(rows) < 2:
        raise InputError(f"a meta-analysis needs at least 2 rows with {effect} and {se}.")
    if (rows[se] <= 0).any():
        raise InputError(f"every {se} must be positive.")
    if cohort is not None and rows[cohort].duplicated().any():
        repeated = rows.loc[rows[cohort].duplicated(keep=False), cohort].unique().tolist()
        raise InputError(
            f"rows of the same cohort would be pooled twice ({', '.join(map(str, repeated))}); "
            "keep one row per cohort."
        )
    return rows


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def _generalised_q(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / (v + tau2)
    return float(np.sum(w * (y - _weighted_mean(y, w)) ** 2))


def tau2_dl(y: Sequence[float], v: Sequence[float]) -> float:
    """DerSimonian-Laird τ² = max(0, (Q - (k - 1)) / (Σw - Σw² / Σw)), w = 1 / v.

    Examples
    --------
    >>> round(tau2_dl([12.0, 5.0, 6.0], [4.0, 1.0, 1.0]), 4)
    5.9167
    """
    y, w = np.asarray(y, float), 1 / np.asarray(v, float)
    q = _generalised_q(0.0, y, 1 / w)
    return float(max(0.0, (q - (len(y) - 1)) / (w.sum() - np.sum(w**2) / w.sum())))


def tau2_pm(y: Sequence[float], v: Sequence[float]) -> float:
    """Paule-Mandel τ²: the root of ``Q(τ²) = k - 1`` (0 when Q(0) is already below).

    Examples
    --------
    >>> round(tau2_pm([12.0, 5.0, 6.0], [4.0, 1.0, 1.0]), 4)
    11.3737
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    target = len(y) - 1
    if _generalised_q(0.0, y, v) <= target:
        return 0.0
    high = max(1.0, float(np.var(y, ddof=1)))
    while _generalised_q(high, y, v) > target:  # Q falls as τ² grows
        high *= 2
    return float(optimize.brentq(lambda t: _generalised_q(t, y, v) - target, 0.0, high, xtol=1e-14))


def tau2_reml(y: Sequence[float], v: Sequence[float], *, max_iter: int = 1000) -> float:
    """Restricted maximum-likelihood τ² by Fisher scoring, started at the DL value.

    Each step adds ``(Σw²(y - μ̂)² - tr P) / tr P²`` with ``P = W - w wᵀ / Σw``; a step that
    would go below zero is halved, as metafor does; iterations stop when τ² changes by less
    than 1e-14 (relative).

    Examples
    --------
    >>> round(tau2_reml([12.0, 5.0, 6.0], [4.0, 1.0, 1.0]), 4)
    10.2524
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    tau2 = tau2_dl(y, v)
    for _ in range(max_iter):
        w = 1.0 / (v + tau2)
        p_matrix = np.diag(w) - np.outer(w, w) / w.sum()
        residual = p_matrix @ y
        step = (residual @ residual - np.trace(p_matrix)) / np.trace(p_matrix @ p_matrix)
        new = tau2 + step
        while new < 0:
            step /= 2
            new = tau2 + step
            if step < 1e-16:
                new = 0.0
                break
        if abs(new - tau2) <= 1e-14 * max(1.0, tau2):
            return float(new)
        tau2 = new
    return float(tau2)


_ESTIMATORS = {"DL": tau2_dl, "PM": tau2_pm, "REML": tau2_reml}


def pool(
    table: pd.DataFrame,
    effect: str = "pct_change",
    se: str = "se",
    method: str = "DL",
    cohort: str | None = "cohort",
    label: str = "",
    *,
    knapp_hartung: bool = False,
) -> pd.DataFrame:
    """Random-effects pooled estimate as one tidy row.

    Columns: ``analysis, method, ci_method, k, estimate, se, ci_low, ci_high, p, pi_low,
    pi_high, tau2, i2`` (τ²-based, a fraction), ``h2, q, q_p, fixed_estimate``.

    Examples
    --------
    >>> t = pd.DataFrame({"pct_change": [12.0, 5.0, 6.0], "se": [2.0, 1.0, 1.0],
    ...                   "cohort": ["a", "b", "c"]})
    >>> round(float(pool(t)["estimate"].iloc[0]), 3)
    7.181
    >>> round(float(pool(t, method="REML")["i2"].iloc[0]), 3)
    0.872
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}, got {method!r}.")
    rows = _check(table, effect, se, cohort)
    y = rows[effect].to_numpy(float)
    v = rows[se].to_numpy(float) ** 2
    k = len(y)
    tau2 = _ESTIMATORS[method](y, v)
    w = 1.0 / (v + tau2)
    estimate = _weighted_mean(y, w)
    if knapp_hartung:
        se_re = float(np.sqrt(np.sum(w * (y - estimate) ** 2) / ((k - 1) * w.sum())))
        quantile = stats.t.ppf(0.975, k - 1)
        p_value = 2 * stats.t.sf(abs(estimate / se_re), k - 1)
    else:
        se_re = float(np.sqrt(1.0 / w.sum()))
        quantile = _Z975
        p_value = 2 * stats.norm.sf(abs(estimate / se_re))
    w0 = 1.0 / v
    typical = (k - 1) * w0.sum() / (w0.sum() ** 2 - np.sum(w0**2))
    q = _generalised_q(0.0, y, v)
    if k >= 3:
        half = stats.t.ppf(0.975, k - 2) * np.sqrt(tau2 + se_re**2)
        pi_low, pi_high = estimate - half, estimate + half
    else:  # a prediction interval needs at least three studies
        pi_low = pi_high = np.nan
    return pd.DataFrame(
        [
            {
                "analysis": label,
                "method": method,
                "ci_method": "Knapp-Hartung t(k-1)" if knapp_hartung else "normal (z)",
                "k": k,
                "estimate": estimate,
                "se": se_re,
                "ci_low": estimate - quantile * se_re,
                "ci_high": estimate + quantile * se_re,
                "p": float(p_value),
                "pi_low": float(pi_low),
                "pi_high": float(pi_high),
                "tau2": tau2,
                "i2": tau2 / (tau2 + typical),
                "h2": (tau2 + typical) / typical,
                "q": q,
                "q_p": float(stats.chi2.sf(q, k - 1)),
                "fixed_estimate": _weighted_mean(y, w0),
            }
        ]
    )


def weights(table: pd.DataFrame, effect="pct_change", se="se", method="DL") -> pd.Series:
    """Relative random-effects weight of each row (sums to 1): ``1 / (v + τ²)``, normalised."""
    v = table[se].to_numpy(float) ** 2
    w = 1.0 / (v + _ESTIMATORS[method](table[effect].to_numpy(float), v))
    return pd.Series(w / w.sum(), index=table.index, name="weight")


def leave_one_out(table: pd.DataFrame, name: str = "study", **kwargs) -> pd.DataFrame:
    """The pooled estimate with each row left out in turn."""
    out = []
    for index in table.index:
        rest = table.drop(index)
        if (
            rest.dropna(subset=[kwargs.get("effect", "pct_change"), kwargs.get("se", "se")]).shape[
                0
            ]
            >= 2
        ):
            out.append(pool(rest, label=f"without {table.at[index, name]}", **kwargs))
    return pd.concat(out, ignore_index=True)


def subgroups(table: pd.DataFrame, by: str, **kwargs) -> pd.DataFrame:
    """Pooled estimate within each level of ``by``; a level with one study is that study."""
    effect, se = kwargs.get("effect", "pct_change"), kwargs.get("se", "se")
    out = []
    for level, part in table.groupby(by, sort=True):
        if len(part) >= 2:
            row = pool(part, label=f"{by} = {level}", **kwargs)
        else:
            only = part.iloc[0]
            row = pd.DataFrame(
                [
                    {
                        "analysis": f"{by} = {level}",
                        "method": "single study",
                        "ci_method": "normal (z)",
                        "k": 1,
                        "estimate": only[effect],
                        "se": only[se],
                        "ci_low": only[effect] - 1.959963984540054 * only[se],
                        "ci_high": only[effect] + 1.959963984540054 * only[se],
                        "p": float(2 * stats.norm.sf(abs(only[effect] / only[se]))),
                        "pi_low": np.nan,
                        "pi_high": np.nan,
                        "tau2": np.nan,
                        "i2": np.nan,
                        "h2": np.nan,
                        "q": np.nan,
                        "q_p": np.nan,
                        "fixed_estimate": only[effect],
                    }
                ]
            )
        out.append(row.assign(subgroup=by, level=level))
    return pd.concat(out, ignore_index=True)
