"""Random-effects meta-analysis of mean changes, on top of statsmodels' ``combine_effects``.

statsmodels pools the effects (DerSimonian-Laird, ``method_re="dl"``; Paule-Mandel,
``method_re="iterated"``). Added here: a tidy one-row summary, the 95 % prediction interval
(Higgins, Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137, with t on k - 2 df),
leave-one-out, subgroups, and a guard that never pools two rows of one cohort.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError

METHODS = {"DL": "dl", "PM": "iterated"}


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


def pool(
    table: pd.DataFrame,
    effect: str = "pct_change",
    se: str = "se",
    method: str = "DL",
    cohort: str | None = "cohort",
    label: str = "",
) -> pd.DataFrame:
    """Random-effects pooled estimate as one tidy row.

    Columns: ``analysis, method, k, estimate, se, ci_low, ci_high, pi_low, pi_high, tau2,
    i2, q, q_p, fixed_estimate``.

    Examples
    --------
    >>> t = pd.DataFrame({"pct_change": [12.0, 5.0, 6.0], "se": [2.0, 1.0, 1.0],
    ...                   "cohort": ["a", "b", "c"]})
    >>> round(float(pool(t)["estimate"].iloc[0]), 3)
    7.181
    """
    from statsmodels.stats.meta_analysis import combine_effects

    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}, got {method!r}.")
    rows = _check(table, effect, se, cohort)
    y = rows[effect].to_numpy(float)
    variance = rows[se].to_numpy(float) ** 2
    res = combine_effects(y, variance, method_re=METHODS[method])
    ci_low, ci_high = res.conf_int(alpha=0.05)[1]
    k = len(y)
    estimate, se_re = float(res.mean_effect_re), float(res.sd_eff_w_re)
    if k >= 3:
        half = stats.t.ppf(0.975, k - 2) * np.sqrt(res.tau2 + se_re**2)
        pi_low, pi_high = estimate - half, estimate + half
    else:  # a prediction interval needs at least three studies
        pi_low = pi_high = np.nan
    return pd.DataFrame(
        [
            {
                "analysis": label,
                "method": method,
                "k": k,
                "estimate": estimate,
                "se": se_re,
                "ci_low": float(ci_low),
                "ci_high": float(ci_high),
                "pi_low": float(pi_low),
                "pi_high": float(pi_high),
                "tau2": float(res.tau2),
                "i2": float(res.i2),
                "q": float(res.q),
                "q_p": float(stats.chi2.sf(res.q, k - 1)),
                "fixed_estimate": float(res.mean_effect_fe),
            }
        ]
    )


def weights(table: pd.DataFrame, effect="pct_change", se="se", method="DL") -> pd.Series:
    """Relative random-effects weight of each row (sums to 1), as statsmodels computes it."""
    from statsmodels.stats.meta_analysis import combine_effects

    res = combine_effects(
        table[effect].to_numpy(float), table[se].to_numpy(float) ** 2, method_re=METHODS[method]
    )
    return pd.Series(res.weights_rel_re, index=table.index, name="weight")


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
                        "k": 1,
                        "estimate": only[effect],
                        "se": only[se],
                        "ci_low": only[effect] - 1.959963984540054 * only[se],
                        "ci_high": only[effect] + 1.959963984540054 * only[se],
                        "pi_low": np.nan,
                        "pi_high": np.nan,
                        "tau2": np.nan,
                        "i2": np.nan,
                        "q": np.nan,
                        "q_p": np.nan,
                        "fixed_estimate": only[effect],
                    }
                ]
            )
        out.append(row.assign(subgroup=by, level=level))
    return pd.concat(out, ignore_index=True)


def dersimonian_laird_tau2(y: Sequence[float], se: Sequence[float]) -> float:
    """Between-study variance by the DerSimonian-Laird moment formula (for cross-checks).

    τ² = max(0, (Q − (k − 1)) / (Σw − Σw² / Σw)), w = 1 / SE², Q = Σ w (y − ȳ_fixed)².

    Examples
    --------
    >>> round(dersimonian_laird_tau2([12.0, 5.0, 6.0], [2.0, 1.0, 1.0]), 4)
    5.9167
    """
    y, w = np.asarray(y, float), 1 / np.asarray(se, float) ** 2
    fixed = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - fixed) ** 2)
    return float(max(0.0, (q - (len(y) - 1)) / (w.sum() - np.sum(w**2) / w.sum())))
