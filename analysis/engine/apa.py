"""Test results as papers report them, in APA style: ``F(2, 27) = 16.07, p < .001, η²p = .54``.

The rules (APA Publication Manual, 7th ed., sections 6.36 and 6.43-6.44):

- test statistics (F, t, χ²) and unbounded effect sizes (d, g) with 2 decimals;
- no leading zero for numbers that cannot exceed 1: p and bounded effect sizes (η²p, r);
- p exact to 3 decimals, ``p < .001`` below that, ``p > .999`` above; one more decimal (up to
  5) where 3 would carry the value across .05 (``.04996`` is ``p = .04996``, never ``.050``);
- degrees of freedom as integers, or with 1 decimal (2 below 10) when they are not whole:
  Welch's t, a Greenhouse-Geisser corrected F (whose ε is then given);
- a confidence interval as ``90% CI [.35, .62]`` after its estimate, at the level the table
  holds (90 % for η²p, 95 % for d and g: :mod:`analysis.engine.stats`).

A statistic that could not be computed (NaN) gives ``""``. Plain string formatting: no library
writes APA strings from these tables, so it is written by hand here. Minus signs are ASCII
hyphens, so that the strings survive CSV files and ``grep``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["apa", "apa_chi2", "apa_df", "apa_f", "apa_number", "apa_p", "apa_t"]

ALPHA = 0.05  # the threshold whose side a rounded p must stay on


def _finite(*values) -> bool:
    try:
        return all(math.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


def apa_number(value: float, *, bounded: bool = False, decimals: int = 2) -> str:
    """``value`` with ``decimals`` decimals; without the leading zero if ``bounded`` (|x| <= 1).

    Examples
    --------
    >>> apa_number(0.5412, bounded=True), apa_number(-0.3, bounded=True), apa_number(0.93)
    ('.54', '-.30', '0.93')
    >>> apa_number(1234.5678)
    '1234.57'
    """
    if not _finite(value):
        return ""
    text = f"{float(value):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no "-0.00"
    if bounded:
        text = text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text
    return text


def apa_p(p: float) -> str:
    """``"p = .008"``, ``"p < .001"`` or ``"p > .999"``; ``""`` for NaN.

    Three decimals, or more (up to 5) when three would put a p below .05 at or above it, or
    the other way round.

    Examples
    --------
    >>> apa_p(0.00812), apa_p(1e-5), apa_p(0.3), apa_p(0.9996)
    ('p = .008', 'p < .001', 'p = .300', 'p > .999')
    >>> apa_p(0.04996), apa_p(0.0501)
    ('p = .04996', 'p = .050')
    """
    if not _finite(p):
        return ""
    p = float(p)
    if p < 0.001:
        return "p < .001"
    decimals = 3
    while decimals < 5 and (round(p, decimals) < ALPHA) != (p < ALPHA):
        decimals += 1
    if round(p, decimals) >= 1:
        return "p > .999"
    return "p = " + apa_number(p, bounded=True, decimals=decimals)


def apa_df(df: float) -> str:
    """Degrees of freedom: an integer, or 1 decimal (2 below 10) when not whole.

    Examples
    --------
    >>> apa_df(27.0), apa_df(17.3456), apa_df(1.4237)
    ('27', '17.3', '1.42')
    """
    if not _finite(df):
        return ""
    df = float(df)
    if abs(df - round(df)) < 1e-9:
        return str(int(round(df)))
    return f"{df:.2f}" if df < 10 else f"{df:.1f}"


def _effect(name: str, value, ci, ci_level: int, bounded: bool) -> str:
    if not _finite(value):
        return ""
    text = f", {name} = {apa_number(value, bounded=bounded)}"
    if ci is not None and _finite(*ci):
        low, high = (apa_number(v, bounded=bounded) for v in ci)
        text += f", {ci_level}% CI [{low}, {high}]"
    return text


def apa_f(
    f: float,
    df1: float,
    df2: float,
    p: float,
    *,
    effect: float | None = None,
    effect_name: str = "η²p",
    ci: tuple[float, float] | None = None,
    ci_level: int = 90,
    epsilon: float | None = None,
) -> str:
    """An F-test: ``F(2, 27) = 16.07, p < .001, η²p = .54, 90% CI [.35, .62]``.

    ``effect`` (η²p, bounded) and its ``ci`` are optional; ``epsilon`` (a Greenhouse-Geisser
    ε below 1, by which ``df1`` and ``df2`` were already multiplied) is stated at the end.

    Examples
    --------
    >>> apa_f(16.0712, 2, 27, 1e-5, effect=0.5434, ci=(0.3512, 0.6249))
    'F(2, 27) = 16.07, p < .001, η²p = .54, 90% CI [.35, .62]'
    >>> apa_f(5.1, 1.42, 38.3, 0.021, epsilon=0.71)
    'F(1.42, 38.3) = 5.10, p = .021, ε = .71'
    >>> apa_f(float("nan"), 2, 27, float("nan"))
    ''
    """
    if not _finite(f, df1, df2, p):
        return ""
    text = f"F({apa_df(df1)}, {apa_df(df2)}) = {apa_number(f)}, {apa_p(p)}"
    text += _effect(effect_name, effect, ci, ci_level, bounded=True)
    if epsilon is not None and _finite(epsilon) and epsilon < 1:
        text += f", ε = {apa_number(epsilon, bounded=True)}"
    return text


def apa_t(
    t: float,
    df: float,
    p: float,
    *,
    effect: float | None = None,
    effect_name: str = "d",
    ci: tuple[float, float] | None = None,
    ci_level: int = 95,
) -> str:
    """A t-test: ``t(11) = 3.21, p = .008, d = 0.93, 95% CI [0.39, 1.85]``.

    Welch's fractional df show with 1 decimal (``t(17.3) = ...``). ``effect`` (d, d_z or g:
    unbounded, so with a leading zero) and its ``ci`` are optional.

    Examples
    --------
    >>> apa_t(3.2104, 11, 0.0083, effect=0.9268)
    't(11) = 3.21, p = .008, d = 0.93'
    >>> apa_t(-2.5, 17.34, 0.0226, effect=-1.1, effect_name="g", ci=(-2.05, -0.12))
    't(17.3) = -2.50, p = .023, g = -1.10, 95% CI [-2.05, -0.12]'
    """
    if not _finite(t, df, p):
        return ""
    text = f"t({apa_df(df)}) = {apa_number(t)}, {apa_p(p)}"
    return text + _effect(effect_name, effect, ci, ci_level, bounded=False)


def apa_chi2(chi2: float, df: float, p: float) -> str:
    """A chi-square test (e.g. a likelihood-ratio test): ``χ²(2) = 7.41, p = .025``.

    Examples
    --------
    >>> apa_chi2(7.412, 2, 0.0246)
    'χ²(2) = 7.41, p = .025'
    """
    if not _finite(chi2, df, p):
        return ""
    return f"χ²({apa_df(df)}) = {apa_number(chi2)}, {apa_p(p)}"


# effect-size columns of the t-test tables (analysis.engine.stats): column -> (symbol, CI cols)
_T_EFFECTS = {
    "d": ("d", ("d_ci_low", "d_ci_high")),
    "d_z": ("dz", ("d_z_ci_low", "d_z_ci_high")),
    "hedges_g": ("g", ("g_ci_low", "g_ci_high")),
}


def _get(row: Mapping, key: str, default=math.nan):
    try:
        return row[key]
    except (KeyError, IndexError):
        return default


def _has(row: Mapping, *keys: str) -> bool:
    return all(k in row for k in keys)  # a dict's keys, a Series' index


def _uses_gg(eps, p_gg) -> bool:
    return _finite(eps, p_gg) and float(eps) < 1 - 1e-12


def apa(row: Mapping, *, df_error: float | None = None) -> str:
    """The APA string of one row of the engine's test tables (a Series or a dict).

    Recognised by their columns:

    - :func:`analysis.engine.stats.mixed_anova` (``F, DF1, DF2, p_unc, np2``, its 90 % CI and
      ``eps``) and :meth:`analysis.engine.anova.MixedAnova.table` (``f, df1, df2, p, pes,
      eps_gg, p_gg``): an F with partial η². Where the Greenhouse-Geisser ε is below 1 (a
      within effect of 3 or more levels) the df and p are GG-corrected and ε is given: the p
      the running study decides with. With 2 levels ε is 1 and nothing changes.
    - :func:`analysis.engine.stats.ancova` (``F, DF, p_unc, np2``): the row holds only its own
      df, so the error df (the ``Residual`` row's ``DF``) is ``df_error``; without it the
      string is ``""``.
    - the t-tests (``t, dof, p_val`` with ``d``, ``d_z`` or ``hedges_g`` and their CI).
    - a chi-square test (``chi2, df, p_val``), as in a likelihood-ratio table.

    Returns ``""`` when the statistic is NaN (not computable). Raises ``ValueError`` for a row
    of none of these kinds.

    Examples
    --------
    >>> apa({"F": 16.07, "DF1": 2.0, "DF2": 27.0, "p_unc": 1e-5, "np2": 0.54})
    'F(2, 27) = 16.07, p < .001, η²p = .54'
    >>> apa({"t": 3.21, "dof": 11, "p_val": 0.008, "d_z": 0.93})
    't(11) = 3.21, p = .008, dz = 0.93'
    """
    if _has(row, "F", "DF1", "DF2"):  # stats.mixed_anova
        df1, df2, p = _get(row, "DF1"), _get(row, "DF2"), _get(row, "p_unc")
        eps, p_gg = _get(row, "eps"), _get(row, "p_GG_corr")
        if _uses_gg(eps, p_gg):
            df1, df2, p = float(df1) * float(eps), float(df2) * float(eps), p_gg
        else:
            eps = None
        ci = (_get(row, "np2_ci90_low"), _get(row, "np2_ci90_high"))
        return apa_f(_get(row, "F"), df1, df2, p, effect=_get(row, "np2"), ci=ci, epsilon=eps)
    if _has(row, "f", "df1", "df2"):  # anova.MixedAnova.table
        df1, df2, p = _get(row, "df1"), _get(row, "df2"), _get(row, "p")
        eps, p_gg = _get(row, "eps_gg"), _get(row, "p_gg")
        if _uses_gg(eps, p_gg):
            df1, df2, p = float(df1) * float(eps), float(df2) * float(eps), p_gg
        else:
            eps = None
        return apa_f(_get(row, "f"), df1, df2, p, effect=_get(row, "pes"), epsilon=eps)
    if _has(row, "F", "DF", "p_unc"):  # stats.ancova
        if df_error is None:
            return ""
        f, df1, p = _get(row, "F"), _get(row, "DF"), _get(row, "p_unc")
        return apa_f(f, df1, df_error, p, effect=_get(row, "np2"))
    if _has(row, "t", "dof", "p_val"):
        for column, (symbol, (low, high)) in _T_EFFECTS.items():
            if column in row:
                ci = (_get(row, low), _get(row, high))
                t, dof, p = row["t"], row["dof"], row["p_val"]
                return apa_t(t, dof, p, effect=row[column], effect_name=symbol, ci=ci)
        return apa_t(row["t"], row["dof"], row["p_val"])
    if _has(row, "chi2", "df", "p_val"):
        return apa_chi2(row["chi2"], row["df"], row["p_val"])
    raise ValueError(
        "not a row of a test table this knows (mixed ANOVA, ANCOVA, t-test, chi-square); "
        f"its fields are {', '.join(map(str, list(row.keys())))}"
    )
