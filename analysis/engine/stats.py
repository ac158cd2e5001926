"""Statistics as tidy DataFrames: thin wrappers on pingouin and scipy, plus what they lack.

Tests come from scipy (t-tests) and pingouin (mixed ANOVA, ANCOVA); the tests check the
t-tests against pingouin. Written by hand, because neither library offers them: exact
confidence intervals of Cohen's d_z and Hedges' g (noncentral t), the confidence interval of
partial eta squared (noncentral F), the
Greenhouse-Geisser p of a mixed ANOVA's interaction when pingouin leaves it empty, and the GRIM
consistency check of a mean of integers.

Imperfect data (issue 8). Nothing here raises on data a researcher may bring:

* A confidence interval says how it was found in ``ci_method``: :data:`EXACT_T` /
  :data:`EXACT_F`; :data:`NORMAL_T` / :data:`PATNAIK_F` when scipy's noncentral distribution
  cannot be bracketed (a documented approximation); or ``"not computable: <reason>"`` with NaN
  bounds (non-finite input, fewer than 2 observations).
* A test on degenerate data (fewer than 2 values, zero variance, a non-finite value) returns
  NaN statistics and says why in its ``note`` (``""`` when the test ran).
* Values beyond about 1e100 are scaled by a power of two before a t-test, the ANOVA or the
  ANCOVA: an exact operation in binary floating point, so t, F and d are unchanged to the last
  bit, while their squares no longer overflow (scipy's one-sample t of 1e300-sized data is
  otherwise 0).
* ±inf, and a 0 that a logarithm or a ratio cannot take, are left out and reported, never
  offset (:func:`prepare_measures`, :func:`percent_change`): an offset such as log(x + 1)
  would change every other subject's result.
* Analyses that need complete subjects say which subjects they left out and why
  (:func:`left_out`), in subject order of appearance: ids are strings and never sorted as
  numbers.

pingouin is imported inside the functions: it imports matplotlib, and ``import analysis`` must
stay light.
"""

from __future__ import annotations

import contextvars
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import InputError
from .apa import apa
from .tables import describe_left_out

__all__ = [
    "CI",
    "EXACT_F",
    "EXACT_T",
    "NORMAL_T",
    "PATNAIK_F",
    "ancova",
    "average_sd_d",
    "cohen_dz_ci",
    "complete_subjects",
    "describe",
    "grim_consistent",
    "hedges_correction",
    "hedges_g",
    "left_out",
    "linear_trend",
    "mixed_anova",
    "not_computable",
    "one_sample_ttest",
    "paired_ttest",
    "paired_values",
    "partial_eta_squared_ci",
    "percent_change",
    "percent_change_of_pairs",
    "prepare_measures",
    "welch_ttest",
]

EXACT_T = "exact noncentral t"
NORMAL_T = "normal approximation of the noncentral t (Abramowitz & Stegun 26.7.10)"
EXACT_F = "exact noncentral F"
PATNAIK_F = "Patnaik approximation of the noncentral F"

# Values whose squares stay far from overflow (1.8e308) and underflow (2.2e-308).
_SAFE_MAGNITUDE = (1e-100, 1e100)
# Evaluations allowed while a bound is bracketed: 2**60 times the first step is ample.
_MAX_STEPS = 60


def not_computable(reason: str) -> str:
    """The ``note`` / ``ci_method`` text of a statistic the data cannot give.

    Examples
    --------
    >>> not_computable("zero variance")
    'not computable: zero variance'
    """
    return f"not computable: {reason}"


class CI(tuple):
    """Numbers (bounds, or an estimate and its bounds) that also say how they were found.

    A plain tuple to unpack (``low, high = cohen_dz_ci(t, n)``) with one attribute,
    ``ci_method``: :data:`EXACT_T`, :data:`NORMAL_T`, :data:`EXACT_F`, :data:`PATNAIK_F`, or
    ``"not computable: <reason>"`` when the numbers are NaN.

    Examples
    --------
    >>> ci = CI((0.1, 0.9), EXACT_T)
    >>> low, high = ci
    >>> low, high, ci.ci_method
    (0.1, 0.9, 'exact noncentral t')
    """

    ci_method: str

    def __new__(cls, values=(), ci_method: str = ""):
        obj = super().__new__(cls, (float(v) for v in values))
        obj.ci_method = ci_method  # a tuple subclass without __slots__ has a __dict__
        return obj

    def __repr__(self) -> str:
        return f"CI({tuple(self)!r}, ci_method={self.ci_method!r})"


@contextmanager
def _quiet_pingouin():
    """Silence pingouin 0.7's deprecation warnings about pandas 3 (not ours to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pingouin")
        warnings.filterwarnings("ignore", category=FutureWarning, module="pingouin")
        yield


@contextmanager
def _quiet_numerics():
    """Far tails of scipy's distributions warn about overflow; the callers check the values."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _scale_factor(*arrays: np.ndarray) -> float:
    """A power of two that brings the largest finite |value| near 1, or 1.0 if none is needed.

    Multiplying by a power of two is exact in binary floating point, so scale-free statistics
    (t, F, d) are unchanged; it is applied only when the values are so large (or small) that
    their squares would overflow (or underflow).
    """
    biggest = 0.0
    for a in arrays:
        finite = np.abs(a[np.isfinite(a)])
        if finite.size:
            biggest = max(biggest, float(finite.max()))
    low, high = _SAFE_MAGNITUDE
    if biggest == 0.0 or low < biggest < high:
        return 1.0
    return math.ldexp(1.0, -math.frexp(biggest)[1])


def _mean(a: np.ndarray) -> float:
    return float(a.mean()) if a.size else math.nan


# The warnings recorder a solver runs under (:func:`_rerun_if_scipy_warns`), if any.
_RECORDER = contextvars.ContextVar("recorder", default=None)


class _ScipyWarned(Exception):
    """Raised by :func:`_checked` under a recorder as soon as scipy has warned."""


def _checked(evaluate: Callable[[], float]) -> float:
    """A CDF value from scipy, or NaN if it is not finite or scipy warned while computing it.

    Boost (behind scipy's noncentral distributions) warns "Series did not converge, closest
    value was ..." and returns that value; it can be far off (``nct.sf(1e6, 2, 5e5)`` gives
    0.165 where the limit is 1 - exp(-1/4) = 0.221), so it must not count as exact.
    """
    caught = _RECORDER.get()
    if caught is not None:  # one recorder around the whole solve: cheap
        value = float(evaluate())
        if caught:
            raise _ScipyWarned
        return value if math.isfinite(value) else math.nan
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(evaluate())
    return value if math.isfinite(value) and not caught else math.nan


def _rerun_if_scipy_warns(solve: Callable[[], object]) -> object:
    """``solve()`` under one warnings recorder; if scipy warned, ``solve()`` checking each value.

    Recording warnings around every CDF value costs about a fifth of a confidence interval's
    time, and scipy warns only far in the tails: so the first run records once and stops at
    the first warning, and only then is ``solve()`` repeated with every value checked
    (:func:`_checked`), where a value that warned counts as NaN.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = _RECORDER.set(caught)
        try:
            return solve()
        except _ScipyWarned:
            pass
        finally:
            _RECORDER.reset(token)
    return solve()


# The CDFs a confidence interval's root search evaluates thousands of times, as scipy.stats'
# ``nct.cdf``, ``ncf.cdf`` and ``f.cdf`` compute them for one number: the same special
# function on the same arguments inside the support, 0 or 1 beyond it, NaN for a NaN or an
# invalid parameter (scipy's ``rv_continuous.cdf``). The generic method spends about 0.1 ms
# per call on array bookkeeping; test_stats checks that the values agree to the bit.
def _fast_nct_cdf(x: float, df: float, nc: float) -> float:
    if not (df > 0 and nc == nc) or x != x:
        return math.nan
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return special.nctdtr(df, nc, x)


def _fast_ncf_cdf(x: float, df1: float, df2: float, nc: float) -> float:
    if not (df1 > 0 and df2 > 0 and nc >= 0) or x != x:
        return math.nan
    if x == math.inf:
        return 1.0
    if x <= 0:
        return 0.0
    return special.ncfdtr(df1, df2, nc, x)


def _fast_f_cdf(x: float, df1: float, df2: float) -> float:
    if not (df1 > 0 and df2 > 0) or x != x:
        return math.nan
    if x == math.inf:
        return 1.0
    if x <= 0:
        return 0.0
    return special.fdtr(df1, df2, x)


def _nct_cdf(x: float, df: float, nc: float) -> float:
    """scipy's noncentral t CDF, from its survival function where the CDF is NaN.

    scipy 1.17 (Boost) returns NaN in pockets of the far tail where the CDF is within 1e-15 of
    0 or 1, e.g. ``nct.cdf(7.90625, 2, -9.055)``; its ``sf`` is finite there. NaN when neither
    can be trusted (:func:`_checked`).
    """
    value = _checked(lambda: _fast_nct_cdf(x, df, nc))
    if math.isnan(value):
        value = 1.0 - _checked(lambda: stats.nct.sf(x, df, nc))
    return value


def _ncf_cdf(x: float, df1: float, df2: float, nc: float) -> float:
    """scipy's noncentral F CDF (central at ``nc = 0``), from ``sf`` where the CDF is NaN."""
    if nc <= 0:
        return _checked(lambda: _fast_f_cdf(x, df1, df2))
    value = _checked(lambda: _fast_ncf_cdf(x, df1, df2, nc))
    if math.isnan(value):
        value = 1.0 - _checked(lambda: stats.ncf.sf(x, df1, df2, nc))
    return value


def _patnaik_ncf_cdf(x: float, df1: float, df2: float, nc: float) -> float:
    """Patnaik's approximation of the noncentral F CDF by a scaled central F.

    F'(df1, df2, λ) ≈ c F(ν, df2) with c = (df1 + λ) / df1 and ν = (df1 + λ)² / (df1 + 2λ)
    (Patnaik 1949, Biometrika 36:202; Johnson, Kotz & Balakrishnan 1995, Continuous Univariate
    Distributions vol. 2, ch. 30). Only central F CDFs are evaluated, which scipy computes from
    the incomplete beta function wherever the arguments are finite.
    """
    c = (df1 + nc) / df1
    nu = (df1 + nc) * ((df1 + nc) / (df1 + 2 * nc))  # not (df1 + nc) ** 2: it may overflow
    return _checked(lambda: _fast_f_cdf(x / c, nu, df2))


def _solve_decreasing(
    g: Callable[[float], float],
    target: float,
    start: float,
    floor: float = -math.inf,
    step: float = 1.0,
) -> float | None:
    """``x`` with ``g(x) = target`` for a decreasing ``g``, or None if it cannot be bracketed.

    The bracket grows from ``start`` in doubling steps (the first is ``step``), towards larger
    ``x`` while ``g`` is above the target. A step that lands where ``g`` is not finite is
    halved back towards the last finite point, so both ends of the bracket are finite values of
    ``g``; Brent's method then finds the root, which must leave a residual below 1e-6 (a
    non-finite value inside the bracket makes ``brentq`` fail). At most :data:`_MAX_STEPS`
    evaluations are spent on the bracket: far in the tails scipy needs up to 20 ms per value.
    """

    def f(x: float) -> float:
        return g(x) - target if math.isfinite(x) else math.nan

    a, fa = start, f(start)
    if not math.isfinite(fa):
        return None
    if fa == 0:
        return a
    direction = 1.0 if fa > 0 else -1.0
    for _ in range(_MAX_STEPS):
        b = max(a + direction * step, floor)
        fb = f(b)
        if not math.isfinite(fb):
            step /= 2
            continue
        if fb == 0:
            return b
        if (fb > 0) != (fa > 0):
            break
        if b == floor:  # the root lies below the floor
            return None
        a, fa = b, fb
        step *= 2
    else:
        return None
    try:
        root = optimize.brentq(f, min(a, b), max(a, b), xtol=1e-12)
    except (ValueError, RuntimeError):
        return None
    residual = f(root)
    return root if math.isfinite(residual) and abs(residual) <= 1e-6 else None


def _noncentrality_interval(distribution_cdf, observed, confidence):
    """Noncentrality values whose distributions put ``observed`` at the two tail quantiles.

    The CDF at ``observed`` falls as the noncentrality rises. Each bound is bracketed from
    ``observed`` outwards on finite values of the CDF only (:func:`_solve_decreasing`).
    Returns ``(low, high)``, or None when either bound cannot be bracketed.
    """
    alpha = (1 - confidence) / 2

    def g(nc: float) -> float:
        return distribution_cdf(observed, nc)

    # the interval's half-width grows with |observed|; a first step of |observed| / 8 keeps
    # the number of (slow, far-tail) evaluations small for a large t
    step = max(1.0, abs(observed) / 8)
    low = _solve_decreasing(g, 1 - alpha, observed, step=step)
    high = _solve_decreasing(g, alpha, observed, step=step)
    if low is None or high is None:
        return None
    return low, high


def _nct_normal_interval(observed: float, df: float, confidence: float) -> tuple[float, float]:
    """Noncentrality interval from the normal approximation of the noncentral t.

    P(T' ≤ t | ν, δ) ≈ Φ((t (1 - 1/(4ν)) - δ) / sqrt(1 + t²/(2ν))) (Abramowitz & Stegun 1964,
    Handbook of Mathematical Functions, eq. 26.7.10, after Johnson & Welch 1940, Biometrika
    31:362). Solving Φ(·) = 1 - α/2 and α/2 for δ gives a closed form, finite for every finite
    t; ``hypot`` keeps t² from overflowing.
    """
    z = float(stats.norm.ppf((1 + confidence) / 2))
    center = observed * (1 - 1 / (4 * df))
    half = z * math.hypot(1.0, observed / math.sqrt(2 * df))
    return center - half, center + half


def _t_interval(observed: float, df: float, confidence: float) -> CI:
    """Noncentrality interval of a t statistic: exact if it can be bracketed, else approximate."""
    bounds = _rerun_if_scipy_warns(
        lambda: _noncentrality_interval(lambda x, nc: _nct_cdf(x, df, nc), observed, confidence)
    )
    if bounds is not None:
        return CI(bounds, EXACT_T)
    bounds = _nct_normal_interval(observed, df, confidence)
    if all(math.isfinite(b) for b in bounds):
        return CI(bounds, NORMAL_T)
    return CI((math.nan, math.nan), not_computable("the noncentral t overflows"))


def _interval_input_problem(statistic: float, n: float, confidence: float) -> str | None:
    if not (isinstance(statistic, int | float | np.number) and math.isfinite(statistic)):
        return f"the statistic is {statistic}"
    if not math.isfinite(n) or n < 2:
        return f"n = {n}; at least 2 observations are needed"
    if not 0 < confidence < 1:
        return f"confidence {confidence} is not between 0 and 1"
    return None


def cohen_dz_ci(t: float, n: int, confidence: float = 0.95) -> CI:
    """Exact confidence interval of Cohen's d_z = t / sqrt(n) from the noncentral t.

    The bounds are the noncentrality parameters that put the observed t at the upper and
    lower tail quantiles of a noncentral t with n - 1 df, divided by sqrt(n) (Cumming &
    Finch 2001, Educ Psychol Meas 61:532). Written by hand: pingouin's ``compute_esci`` uses a
    normal approximation.

    Never raises. Returns a :class:`CI` ``(low, high)`` whose ``ci_method`` is
    :data:`EXACT_T`; :data:`NORMAL_T` when scipy's noncentral t cannot be bracketed (the
    normal approximation of Abramowitz & Stegun 26.7.10); or ``"not computable: ..."`` with
    NaN bounds for a non-finite t, n < 2 or a confidence outside (0, 1).

    Examples
    --------
    >>> low, high = cohen_dz_ci(3.93, 12)
    >>> round(low, 3), round(high, 3)
    (0.385, 1.854)
    >>> cohen_dz_ci(float("inf"), 12).ci_method
    'not computable: the statistic is inf'
    """
    problem = _interval_input_problem(t, n, confidence)
    if problem:
        return CI((math.nan, math.nan), not_computable(problem))
    ci = _t_interval(float(t), n - 1, confidence)
    root = math.sqrt(n)
    return CI((ci[0] / root, ci[1] / root), ci.ci_method)


def partial_eta_squared_ci(f_value: float, df1: float, df2: float, confidence: float = 0.90) -> CI:
    """Confidence interval of partial eta squared from the noncentral F (Steiger 2004).

    The noncentrality bounds λ are the F values ``λ / df1`` turned into η²p by the same
    formula as the point estimate, ``η²p = F df1 / (F df1 + df2)``, so ``η²p = λ / (λ + df2)``
    and the estimate always lies inside its interval: the convention of R's effectsize
    (``F_to_eta2(f, df, df_error, ci = 0.90, alternative = "two.sided")``; Ben-Shachar, Lüdecke
    & Makowski 2020, JOSS 5:2815), which it equals to 1e-6 (tested). The older conversion
    ``λ / (λ + df1 + df2 + 1)`` (Steiger 2004, Psychol Methods 9:164, for the population
    η²) can exclude the estimate. An F below the lower 5 % point of the central F fits no
    noncentrality: the interval is then [0, 0], as effectsize reports it. A 90 % interval is
    conventional because η²p cannot be negative. Written by hand: neither pingouin nor statsmodels provides it.

    Never raises. Returns a :class:`CI` ``(low, high)`` whose ``ci_method`` is
    :data:`EXACT_F`; :data:`PATNAIK_F` when scipy's noncentral F cannot be bracketed
    (Patnaik 1949: a scaled central F); or ``"not computable: ..."`` with NaN bounds for a
    non-finite or negative F or degrees of freedom that are not positive.

    Examples
    --------
    >>> low, high = partial_eta_squared_ci(10.0, 1, 20)
    >>> round(low, 4), round(high, 4)
    (0.0769, 0.552)
    """
    values = (f_value, df1, df2)
    if not all(isinstance(v, int | float | np.number) and math.isfinite(v) for v in values):
        return CI((math.nan, math.nan), not_computable(f"F = {f_value}, df = {df1}, {df2}"))
    if f_value < 0 or df1 <= 0 or df2 <= 0 or not 0 < confidence < 1:
        return CI((math.nan, math.nan), not_computable(f"F = {f_value}, df = {df1}, {df2}"))
    alpha = (1 - confidence) / 2
    start = max(10.0, f_value * df1 * 2)  # near the λ whose mean F is the observed one

    def solve(cdf) -> list[float | None]:
        bounds = []
        for target in (1 - alpha, alpha):
            if cdf(0.0) < target:  # even λ = 0 puts F above this quantile
                bounds.append(0.0)
            else:
                bounds.append(_solve_decreasing(cdf, target, start, floor=0.0))
        return bounds

    for method, cdf in (
        (EXACT_F, lambda nc: _ncf_cdf(f_value, df1, df2, nc)),
        (PATNAIK_F, lambda nc: _patnaik_ncf_cdf(f_value, df1, df2, nc)),
    ):
        bounds = _rerun_if_scipy_warns(lambda cdf=cdf: solve(cdf))
        if all(b is not None and math.isfinite(b) for b in bounds):
            return CI([lam / (lam + df2) for lam in bounds], method)
    return CI((math.nan, math.nan), not_computable("the noncentral F cannot be bracketed"))


def grim_consistent(mean: float, n: int, decimals: int) -> bool:
    """GRIM test: can a mean of ``n`` integers, rounded to ``decimals``, be ``mean``?

    Brown & Heathers 2017, Soc Psychol Personal Sci 8:363; the test itself is
    :func:`analysis.engine.consistency.grim` (this is its yes/no answer).

    Examples
    --------
    >>> grim_consistent(24.5, 12, 1)
    True
    >>> grim_consistent(24.45, 12, 2)
    False
    """
    from .consistency import grim

    return grim(mean, n, decimals=decimals).consistent


def prepare_measures(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    time: str = "time",
    log: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set the values an analysis cannot use to NaN, and say why each was set.

    A value is unusable when it is ±inf; a log column (``log`` maps its new name to its
    source column) is NaN where the source is not positive, because a logarithm of 0 does not
    exist. No offset such as log(x + 1) is added: it would change every subject's value and
    the meaning of a fold change, to rescue one reading that is below any assay's range.

    Returns
    -------
    data : pandas.DataFrame
        A copy of ``df`` with ``columns`` cleaned and the ``log`` columns added.
    why : pandas.DataFrame
        Same index, one column per cleaned or added column: ``""`` where the value is usable
        or was simply missing, else the reason, e.g. ``"ck_u_l = 0 at post has no
        logarithm"``. :func:`left_out` and :func:`describe` read it.

    Examples
    --------
    >>> d = pd.DataFrame({"time": ["pre", "post"], "ck": [0.0, 100.0]})
    >>> data, why = prepare_measures(d, ["ck"], log={"log_ck": "ck"})
    >>> why["log_ck"].tolist()
    ['ck = 0 at pre has no logarithm', '']
    """
    data = df.copy()
    why = pd.DataFrame(index=data.index)
    when = data[time].astype(str) if time in data.columns else pd.Series("?", index=data.index)
    for column in (c for c in columns if c in data.columns):
        values = pd.to_numeric(data[column], errors="coerce").astype(float)
        bad = values.notna() & ~np.isfinite(values)
        why[column] = [
            f"{column} = {v} at {t}" if b else "" for v, t, b in zip(values, when, bad, strict=True)
        ]
        data[column] = values.where(~bad)
    for new, source in (log or {}).items():
        if source not in data.columns:
            continue
        values = data[source]
        nonpositive = values.notna() & (values <= 0)
        reason = [
            f"{source} = {v:g} at {t} has no logarithm" for v, t in zip(values, when, strict=True)
        ]
        why[new] = np.where(nonpositive, reason, why[source] if source in why else "")
        with _quiet_numerics():
            data[new] = np.log(values.where(values > 0))
    return data, why


def left_out(
    df: pd.DataFrame,
    column: str,
    *,
    subject: str = "subject",
    time: str = "time",
    levels: Sequence[str],
    why: pd.Series | None = None,
    subjects: Sequence[str] | None = None,
) -> dict[str, str]:
    """Subjects without a finite ``column`` value at every one of ``levels``, and why.

    The reason of a missing value is its entry in ``why`` (see :func:`prepare_measures`) when
    there is one, else ``"<column> = inf at <level>"`` for a non-finite value and ``"no <level>
    value"`` for a blank or absent row; several are joined by ``"; "``. ``subjects`` (default:
    every subject of ``df``) is the scope; the result keeps its order (ids are never sorted).

    Examples
    --------
    >>> d = pd.DataFrame({"subject": ["010", "010", "9"], "time": ["pre", "post", "pre"],
    ...                   "y": [1.0, float("inf"), 2.0]})
    >>> left_out(d, "y", levels=["pre", "post"])
    {'010': 'y = inf at post', '9': 'no post value'}
    """
    found = _values_by_subject_and_time(df, column, subject, time, why)
    scope = list(pd.unique(df[subject])) if subjects is None else list(subjects)
    out: dict[str, str] = {}
    for s in scope:
        problems = _problems(found, s, column, levels)
        if problems:
            out[s] = problems
    return out


def _values_by_subject_and_time(
    df: pd.DataFrame, column: str, subject: str, time: str, why: pd.Series | None
) -> dict[tuple, tuple[float, str]]:
    """``(subject, time) -> (value, reason from why)``; a duplicated row's first value counts.

    Built from plain lists: iterating pandas' Arrow-backed strings row by row is slow.
    """
    n = len(df)
    reasons = why.reindex(df.index).fillna("").tolist() if why is not None else [""] * n
    found: dict[tuple, tuple[float, str]] = {}
    for key in zip(
        df[subject].tolist(), df[time].tolist(), df[column].tolist(), reasons, strict=True
    ):
        found.setdefault(key[:2], (key[2], key[3] if isinstance(key[3], str) else ""))
    return found


def _problems(found: dict, s, column: str, levels: Sequence[str]) -> str:
    """Why subject ``s`` lacks a finite value at some of ``levels`` (``""`` if it does not)."""
    problems = []
    for level in levels:
        value, reason = found.get((s, level), (math.nan, ""))
        if pd.notna(value) and np.isfinite(value):
            continue
        if reason:
            problems.append(reason)
        elif pd.notna(value):
            problems.append(f"{column} = {value} at {level}")
        else:
            problems.append(f"no {level} value")
    return "; ".join(problems)


def describe(
    df: pd.DataFrame,
    measures: Sequence[str],
    by: Sequence[str],
    name: str = "measure",
    *,
    subject: str | None = None,
    why: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """n, mean, SD (n - 1), SEM, min and max of each measure within each cell of ``by``.

    Returns one row per cell x measure (tidy); the measure's name is in column ``name``.
    Missing values are skipped. A value that is present but unusable (±inf, or a reason in
    ``why``, see :func:`prepare_measures`) is left out of its cell; when ``subject`` is given,
    ``excluded_subjects`` and ``exclusion_reason`` name those subjects (``""`` if none). The
    SD of values beyond 1e100 is computed on a power-of-two rescaling, so it does not overflow.

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 3.0, 2.0, 2.0]})
    >>> describe(d, ["y"], ["g"])[["g", "measure", "n", "mean", "sd"]].to_dict("records")[0]
    {'g': 'a', 'measure': 'y', 'n': 2, 'mean': 2.0, 'sd': 1.4142135623730951}
    """
    frames = []
    for measure in measures:
        values = pd.to_numeric(df[measure], errors="coerce").astype(float)
        reason = pd.Series("", index=df.index)
        if why is not None and measure in why.columns:
            reason = why[measure].reindex(df.index).fillna("")
        usable = np.isfinite(values) & (reason == "")
        nonfinite = values.notna() & ~np.isfinite(values) & (reason == "")
        if nonfinite.any():
            reason[nonfinite] = [f"{measure} = {v}" for v in values[nonfinite]]
        keep = values.notna() | (reason != "")  # a cell of only unusable values still shows
        scale = _scale_factor(values[usable].to_numpy())
        part = df.loc[keep, list(by)].copy()
        part[name] = measure
        part["value"] = values[keep].where(usable[keep]) * scale
        part["_scale"] = scale
        part["_subject"] = df.loc[keep, subject].astype(str) if subject else ""
        part["_reason"] = reason[keep]
        frames.append(part)
    long = pd.concat(frames, ignore_index=True)
    grouped = long.groupby([*by, name], observed=True, sort=False)
    out = grouped["value"].agg(n="count", mean="mean", sd="std", min="min", max="max")
    scale = grouped["_scale"].first()
    for column in ("mean", "sd", "min", "max"):
        out[column] = out[column] / scale
    with _quiet_numerics():
        out["sem"] = out["sd"] / np.sqrt(out["n"])
    columns = [*by, name, "n", "mean", "sd", "sem", "min", "max"]
    if subject:
        flagged = long[long["_reason"] != ""]
        flagged = flagged.assign(_text=flagged["_subject"] + " (" + flagged["_reason"] + ")")
        keys = flagged.groupby([*by, name], observed=True, sort=False)
        out["excluded_subjects"] = keys["_subject"].agg(";".join)
        out["exclusion_reason"] = keys["_text"].agg(", ".join)  # as describe_left_out writes
        out[["excluded_subjects", "exclusion_reason"]] = out[
            ["excluded_subjects", "exclusion_reason"]
        ].fillna("")
        columns += ["excluded_subjects", "exclusion_reason"]
    out = out.reset_index()[columns]
    out["n"] = out["n"].astype(int)
    return out


def complete_subjects(
    df: pd.DataFrame, subject: str, time: str, levels: Sequence[str], measures: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Keep subjects with a finite value of every measure at every level of ``time``.

    Returns the kept rows and the ids of the subjects that were dropped, in their order of
    appearance, so that an analysis needing complete cases can say which subjects it left out
    (:func:`left_out` says why).
    """
    values = df[list(measures)].apply(pd.to_numeric, errors="coerce")
    present = df[np.isfinite(values).all(axis=1).to_numpy()]
    present = present[present[time].isin(levels)]
    counts = present.groupby(subject, observed=True)[time].nunique()
    complete = set(counts[counts == len(levels)].index)
    dropped = [s for s in pd.unique(df[subject]) if s not in complete]
    return present[present[subject].isin(complete)].copy(), dropped


def paired_values(
    df: pd.DataFrame,
    measures: Sequence[str],
    *,
    subject: str = "subject",
    time: str = "time",
    pre: str = "pre",
    post: str = "post",
    keep: Sequence[str] = ("group",),
    why: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every subject's ``pre`` and ``post`` value of each measure, and why a pair is unusable.

    Returns one row per measure x subject (subjects in order of appearance): ``subject``, the
    ``keep`` columns (from the subject's first row), ``measure``, ``pre``, ``post`` and
    ``exclusion_reason``: ``""`` for a pair of finite values, else the reason from
    :func:`left_out`. Unusable values are NaN in the table, never ±inf.

    Examples
    --------
    >>> d = pd.DataFrame({"subject": ["a", "a", "b"], "group": "g", "time": ["pre", "post", "pre"],
    ...                   "y": [10.0, 11.0, 12.0]})
    >>> paired_values(d, ["y"])["exclusion_reason"].tolist()
    ['', 'no post value']
    """
    first = df.drop_duplicates(subject)
    ids = first[subject].tolist()
    kept = {k: first[k].tolist() for k in keep}
    columns: dict[str, list] = {c: [] for c in [subject, *keep, "measure", "pre", "post"]}
    columns["exclusion_reason"] = []
    for measure in measures:
        reasons = why[measure] if why is not None and measure in why.columns else None
        found = _values_by_subject_and_time(df, measure, subject, time, reasons)
        columns[subject] += ids
        for k in keep:
            columns[k] += kept[k]
        columns["measure"] += [measure] * len(ids)
        for s in ids:
            for label, level in (("pre", pre), ("post", post)):
                value = found.get((s, level), (math.nan, ""))[0]
                ok = pd.notna(value) and np.isfinite(value)
                columns[label].append(float(value) if ok else math.nan)
            columns["exclusion_reason"].append(_problems(found, s, measure, [pre, post]))
    return pd.DataFrame(columns)


def percent_change(
    df: pd.DataFrame,
    measures: Sequence[str],
    *,
    subject: str = "subject",
    time: str = "time",
    pre: str = "pre",
    post: str = "post",
    keep: Sequence[str] = ("group",),
    why: pd.DataFrame | None = None,
    report_excluded: bool = False,
) -> pd.DataFrame:
    """Per-subject percent change ``100 * (post / pre - 1)`` of each measure, long format.

    Columns: ``subject``, ``keep`` columns, ``measure``, ``pre``, ``post``, ``pct_change``.
    A subject without a finite value at both timepoints is left out, and so is one whose
    ``pre`` is 0: its percent change is undefined (±inf), and no offset is added because it
    would change every other subject's change too. With ``report_excluded`` the left-out
    subjects are kept as rows with a NaN ``pct_change`` and an ``exclusion_reason`` column
    (``""`` for the others) says why.

    Examples
    --------
    >>> d = pd.DataFrame({"subject": ["a", "a"], "group": ["g", "g"], "time": ["pre", "post"],
    ...                   "y": [10.0, 11.0]})
    >>> float(percent_change(d, ["y"])["pct_change"].iloc[0])
    10.000000000000009
    """
    pairs = paired_values(
        df, measures, subject=subject, time=time, pre=pre, post=post, keep=keep, why=why
    )
    change = percent_change_of_pairs(pairs, pre=pre)
    if report_excluded:
        return change
    usable = change["exclusion_reason"] == ""
    return change.loc[usable].drop(columns="exclusion_reason").reset_index(drop=True)


def percent_change_of_pairs(pairs: pd.DataFrame, pre: str = "pre") -> pd.DataFrame:
    """:func:`percent_change` of the table of :func:`paired_values`, every row kept.

    Adds ``pct_change`` (NaN where the pair is unusable) before ``exclusion_reason``, and
    gives a pair whose pre value is 0 the reason ``"<measure> = 0 at pre: no percent change"``.

    Examples
    --------
    >>> pairs = pd.DataFrame({"subject": ["a", "b"], "measure": "y", "pre": [0.0, 10.0],
    ...                       "post": [1.0, 11.0], "exclusion_reason": ""})
    >>> percent_change_of_pairs(pairs)["exclusion_reason"].tolist()
    ['y = 0 at pre: no percent change', '']
    """
    pairs = pairs.copy()
    zero = (pairs["exclusion_reason"] == "") & (pairs["pre"] == 0)
    pairs.loc[zero, "exclusion_reason"] = [
        f"{m} = 0 at {pre}: no percent change" for m in pairs.loc[zero, "measure"]
    ]
    usable = pairs["exclusion_reason"] == ""
    with _quiet_numerics():
        change = (100.0 * (pairs["post"] / pairs["pre"] - 1.0)).where(usable)
    pairs.insert(pairs.columns.get_loc("exclusion_reason"), "pct_change", change)
    return pairs


def hedges_correction(df: float) -> float:
    """Hedges' exact small-sample factor J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)).

    The factor effectsize applies (``adjust = TRUE``); ``1 - 3 / (4 df - 1)`` approximates it.

    Examples
    --------
    >>> round(hedges_correction(10), 6)
    0.922746
    """
    if not df > 1:
        return math.nan
    return math.exp(math.lgamma(df / 2) - math.log(math.sqrt(df / 2)) - math.lgamma((df - 1) / 2))


def average_sd_d(pre: np.ndarray, post: np.ndarray, confidence: float = 0.95) -> dict:
    """Within-subject d_av and g_av: the mean change over the pre/post average SD.

    ``d_av = mean(post - pre) / sqrt((SD_pre² + SD_post²) / 2)``, with the normal CI
    ``d_av ± z SD(post - pre) / (sqrt(n) s_av)``, and ``g_av = J(n - 1) d_av`` (CI scaled
    alike): R effectsize's ``repeated_measures_d(post, pre, method = "av", adjust = FALSE``
    / ``TRUE)`` (effectsize ≥ 0.8.7; equal to 1e-12, tested). Unlike d_z it does not grow
    with the pre/post correlation, so it compares with between-group d (Lakens 2013, Front
    Psychol 4:863). Written by hand: neither pingouin nor scipy has it.

    Examples
    --------
    >>> res = average_sd_d(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.5, 4.5, 4.5]))
    >>> round(res["d_av"], 4), round(res["g_av"], 4)
    (0.6715, 0.4859)
    """
    pre, post = np.asarray(pre, dtype=float), np.asarray(post, dtype=float)
    n = pre.size
    nan = dict.fromkeys(
        ["d_av", "d_av_ci_low", "d_av_ci_high", "g_av", "g_av_ci_low", "g_av_ci_high"], math.nan
    )
    if n < 2 or not (np.isfinite(pre).all() and np.isfinite(post).all()):
        return nan
    s_av = math.sqrt((pre.var(ddof=1) + post.var(ddof=1)) / 2)
    if s_av == 0:
        return nan
    diff = post - pre
    d = float(diff.mean() / s_av)
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(diff.var(ddof=1) / n) / s_av
    j = hedges_correction(n - 1)
    return {
        "d_av": d,
        "d_av_ci_low": d - half,
        "d_av_ci_high": d + half,
        "g_av": j * d,
        "g_av_ci_low": j * (d - half),
        "g_av_ci_high": j * (d + half),
    }


def paired_ttest(pre: np.ndarray, post: np.ndarray, confidence: float = 0.95) -> dict:
    """Paired t-test of post vs pre (scipy) with the within-subject effect sizes, named.

    ``d_z`` = mean(post - pre) / SD(post - pre), the effect size the paired test itself
    measures, with its exact noncentral-t CI (R effectsize's ``cohens_d(post, pre, paired =
    TRUE)``); ``d_av`` and ``g_av`` (:func:`average_sd_d`) scale the change by the pre/post
    SDs instead, comparable with a between-group d. The t and p
    agree with ``pingouin.ttest(post, pre, paired=True)`` (tested); scipy is used because
    importing pingouin costs a second. Fewer than 2 pairs, a non-finite value or differences
    of zero variance give NaN t, p and d_z, and ``note`` says why (``""`` otherwise);
    ``ci_method`` says how the CI was found (:func:`cohen_dz_ci`); ``apa`` gives the test as a
    paper reports it (:func:`analysis.engine.apa.apa`; ``""`` when not computable).

    Examples
    --------
    >>> res = paired_ttest(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.5, 4.5, 4.5]))
    >>> round(res["t"], 4), res["dof"], round(res["d_z"], 4)
    (3.6556, 3, 1.8278)
    """
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    scale = _scale_factor(pre, post)
    pre_s, post_s = pre * scale, post * scale
    diff = post_s - pre_s
    n = diff.size
    out = {
        "test": "paired t, two-sided",
        "n": n,
        "mean_pre": _mean(pre_s) / scale,
        "mean_post": _mean(post_s) / scale,
        "mean_diff": _mean(diff) / scale,
        "t": math.nan,
        "dof": n - 1,
        "p_val": math.nan,
        "d_z": math.nan,
        "d_z_ci_low": math.nan,
        "d_z_ci_high": math.nan,
        "ci_method": "",
        **average_sd_d(pre_s, post_s, confidence),
        "note": "",
        "apa": "",
    }
    if n < 2:
        problem = f"{n} pair(s); a paired t-test needs 2 or more"
    elif not np.isfinite(diff).all():
        problem = "a value is not finite"
    elif diff.std(ddof=1) == 0:
        problem = "the differences have zero variance"
    else:
        problem = None
    if problem:
        out["ci_method"] = out["note"] = not_computable(problem)
        return out
    with _quiet_numerics():  # scipy warns of precision loss on nearly equal values
        res = stats.ttest_rel(post_s, pre_s)
    ci = cohen_dz_ci(float(res.statistic), n, confidence)
    out.update(
        t=float(res.statistic),
        p_val=float(res.pvalue),
        d_z=float(diff.mean() / diff.std(ddof=1)),
        d_z_ci_low=ci[0],
        d_z_ci_high=ci[1],
        ci_method=ci.ci_method,
    )
    out["apa"] = apa(out)  # as a paper reports it (analysis.engine.apa)
    return out


def one_sample_ttest(x: np.ndarray, mu: float = 0.0, confidence: float = 0.95) -> dict:
    """One-sample t-test of ``x`` against ``mu`` (scipy) with Cohen's d and its exact CI.

    For percent changes this is the test that a published mean ± SEM of the change implies.
    Fewer than 2 values, a non-finite value or zero variance give NaN t, p and d, and ``note``
    says why; ``ci_method`` says how the CI was found (:func:`cohen_dz_ci`); ``apa`` gives the
    test as a paper reports it (:func:`analysis.engine.apa.apa`).

    Examples
    --------
    >>> res = one_sample_ttest(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> round(res["t"], 4), round(res["d"], 4)
    (3.873, 1.9365)
    """
    x = np.asarray(x, dtype=float)
    scale = _scale_factor(x, np.array([mu], dtype=float))
    xs, mus = x * scale, mu * scale
    n = xs.size
    sd = float(xs.std(ddof=1)) if n >= 2 else math.nan
    out = {
        "test": f"one-sample t against {mu:g}, two-sided; d = (mean - {mu:g}) / SD",
        "n": n,
        "mean": _mean(xs) / scale,
        "sd": sd / scale,
        "sem": sd / math.sqrt(n) / scale if n else math.nan,
        "t": math.nan,
        "dof": n - 1,
        "p_val": math.nan,
        "d": math.nan,
        "d_ci_low": math.nan,
        "d_ci_high": math.nan,
        "ci_method": "",
        "note": "",
        "apa": "",
    }
    if n < 2:
        problem = f"{n} value(s); a t-test needs 2 or more"
    elif not (np.isfinite(xs).all() and math.isfinite(mus)):
        problem = "a value is not finite"
    elif sd == 0:
        problem = "the values have zero variance"
    else:
        problem = None
    if problem:
        out["ci_method"] = out["note"] = not_computable(problem)
        return out
    with _quiet_numerics():
        res = stats.ttest_1samp(xs, mus)
    ci = cohen_dz_ci(float(res.statistic), n, confidence)
    out.update(
        t=float(res.statistic),
        p_val=float(res.pvalue),
        d=float((xs.mean() - mus) / sd),
        d_ci_low=ci[0],
        d_ci_high=ci[1],
        ci_method=ci.ci_method,
    )
    out["apa"] = apa(out)  # as a paper reports it (analysis.engine.apa)
    return out


def hedges_g(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> CI:
    """Hedges' g of x - y with an exact CI (noncentral t on Cohen's d, times Hedges' J).

    g = J * d with d the pooled-SD Cohen's d and J = 1 - 3 / (4 (nx + ny) - 9), the value
    ``pingouin.compute_effsize(x, y, eftype="hedges")`` gives (tested). The CI inverts the
    noncentral t of d (Hedges & Olkin 1985) and scales it by J; written by hand because
    pingouin's ``compute_esci`` uses a normal approximation.

    Never raises. Returns a :class:`CI` ``(g, low, high)``; its ``ci_method`` is as in
    :func:`cohen_dz_ci`, and ``"not computable: ..."`` (all three NaN) when a group has fewer
    than 2 values, a value is not finite, or both groups have zero variance.

    Examples
    --------
    >>> g, low, high = hedges_g(np.array([5.0, 6, 7, 9]), np.array([1.0, 2, 2.5]))
    >>> round(g, 3), round(float(low), 3), round(float(high), 3)
    (2.94, 0.731, 5.07)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    nx, ny = x.size, y.size
    if nx < 2 or ny < 2:
        return CI([math.nan] * 3, not_computable("each group needs 2 or more values"))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return CI([math.nan] * 3, not_computable("a value is not finite"))
    scale = _scale_factor(x, y)
    x, y = x * scale, y * scale
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    if pooled == 0:
        return CI([math.nan] * 3, not_computable("both groups have zero variance"))
    d = (x.mean() - y.mean()) / pooled
    correction = 1 - 3 / (4 * (nx + ny) - 9)
    root = np.sqrt(nx * ny / (nx + ny))
    ci = _t_interval(float(d * root), nx + ny - 2, confidence)
    return CI((d * correction, ci[0] / root * correction, ci[1] / root * correction), ci.ci_method)


def welch_ttest(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> dict:
    """Welch's t-test of x vs y (scipy) with Hedges' g and its CI (:func:`hedges_g`).

    Agrees with ``pingouin.ttest(x, y, correction=True)`` (tested). A group of fewer than 2
    values, a non-finite value or two groups of zero variance give NaN statistics, and
    ``note`` says why; ``apa`` gives the test as a paper reports it (Welch's df with 1 decimal).

    Examples
    --------
    >>> res = welch_ttest(np.array([5.0, 6.0, 7.0, 9.0]), np.array([1.0, 2.0, 2.5]))
    >>> round(res["t"], 3), round(res["hedges_g"], 3)
    (5.116, 2.94)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    scale = _scale_factor(x, y)
    xs, ys = x * scale, y * scale
    out = {
        "test": "Welch t, two-sided; Hedges' g with the pooled SD",
        "n_x": x.size,
        "n_y": y.size,
        "mean_x": _mean(xs) / scale,
        "mean_y": _mean(ys) / scale,
        "t": math.nan,
        "dof": math.nan,
        "p_val": math.nan,
        "hedges_g": math.nan,
        "g_ci_low": math.nan,
        "g_ci_high": math.nan,
        "ci_method": "",
        "note": "",
        "apa": "",
    }
    if x.size < 2 or y.size < 2:
        problem = f"{x.size} and {y.size} values; Welch's test needs 2 or more per group"
    elif not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        problem = "a value is not finite"
    elif xs.var(ddof=1) == 0 and ys.var(ddof=1) == 0:
        problem = "both groups have zero variance"
    else:
        problem = None
    if problem:
        out["ci_method"] = out["note"] = not_computable(problem)
        return out
    with _quiet_numerics():
        res = stats.ttest_ind(xs, ys, equal_var=False)
    g = hedges_g(xs, ys, confidence)
    vx, vy = xs.var(ddof=1) / xs.size, ys.var(ddof=1) / ys.size
    dof = (vx + vy) ** 2 / (vx**2 / (xs.size - 1) + vy**2 / (ys.size - 1))
    out.update(
        t=float(res.statistic),
        dof=float(dof),
        p_val=float(res.pvalue),
        hedges_g=g[0],
        g_ci_low=g[1],
        g_ci_high=g[2],
        ci_method=g.ci_method,
    )
    out["apa"] = apa(out)  # as a paper reports it (analysis.engine.apa)
    return out


_ANOVA_COLUMNS = [
    "Source",
    "ss_type",
    "SS",
    "DF1",
    "DF2",
    "MS",
    "F",
    "p_unc",
    "p_GG_corr",
    "p_HF_corr",
    "np2",
    "eps",
    "eps_HF",
    "sphericity",
    "W_spher",
    "p_spher",
]


def mixed_anova(
    df: pd.DataFrame,
    *,
    dv: str,
    within: str,
    between: str,
    subject: str = "subject",
    levels: Sequence[str] | None = None,
    why: pd.Series | None = None,
    ss_type: int = 3,
) -> pd.DataFrame:
    """Two-way mixed ANOVA of one long table, on the array engine :mod:`analysis.engine.anova`.

    **Type III sums of squares by default** (SPSS, JASP and afex report them); ``ss_type=2``
    gives pingouin's Type II. The two differ only in the ``time`` row, and only with unequal
    groups; the ``ss_type`` column says which the table holds. Every F, p, partial η², ε and
    Mauchly W equals R afex's ``aov_ez(..., type = ss_type)`` to 1e-10 (tested on 15 designs).

    Columns follow pingouin's names: ``Source`` (the between factor, the within factor,
    ``Interaction``), ``SS, DF1, DF2, MS, F, p_unc``; ``p_GG_corr`` and ``p_HF_corr``
    (Greenhouse-Geisser and Huynh-Feldt corrected p, within rows), ``np2`` (partial η² with
    its 90 % CI, ``np2_ci90_low/high`` and ``np2_ci_method``, effectsize's convention),
    ``eps`` (GG ε), ``eps_HF``, ``sphericity`` (Mauchly p > 0.05), ``W_spher``, ``p_spher``.

    Subjects missing any level of ``within`` (or with a non-finite value) are dropped, and the
    table says which (``dropped_subjects``, ``;``-separated in order of appearance) and why
    (``exclusion_reason``, from :func:`left_out` with ``why``). Raises :class:`InputError` when
    fewer than 2 groups have 2 complete subjects or there are fewer than 2 levels. Data
    without any variance give NaN statistics and a ``note`` (``""`` otherwise). The last
    column, ``apa``, gives each row as a paper reports it (:func:`analysis.engine.apa.apa`;
    Greenhouse-Geisser corrected where ε < 1).

    Examples
    --------
    >>> import pingouin as pg
    >>> d = pg.read_dataset("mixed_anova")
    >>> aov = mixed_anova(d, dv="Scores", within="Time", between="Group", subject="Subject")
    >>> round(float(aov.loc[aov["Source"] == "Interaction", "F"].iloc[0]), 4)
    2.728
    >>> aov["ss_type"].iloc[0]
    'Type III'
    """
    from . import anova

    levels = list(levels) if levels is not None else list(pd.unique(df[within].dropna()))
    data, dropped = complete_subjects(df, subject, within, levels, [dv])
    reasons = left_out(
        df, dv, subject=subject, time=within, levels=levels, why=why, subjects=dropped
    )
    per_group = data.groupby(between, observed=True)[subject].nunique()
    if (per_group >= 2).sum() < 2 or len(levels) < 2:
        raise InputError(
            f"the mixed ANOVA of {dv} needs 2 or more {between} levels with at least 2 subjects "
            f"measured at every {within} ({', '.join(map(str, levels))}); complete subjects "
            f"per {between}: {per_group.to_dict() or 'none'}"
        )
    wide = data.pivot_table(
        index=subject, columns=within, values=dv, aggfunc="first", observed=True, sort=False
    )[levels]
    groups = data.drop_duplicates(subject).set_index(subject).loc[wide.index, between]
    values = wide.to_numpy(dtype=float)
    scale = _scale_factor(values)  # exact; keeps sums of squares finite
    note = ""
    if np.unique(values).size < 2:
        note = not_computable(f"every value of {dv} is the same")
    with _quiet_numerics():
        res = anova.mixed_anova(values * scale, groups.astype(str).to_numpy(), ss_type=ss_type)
        table = res.table()
    table = pd.DataFrame(
        {
            "Source": [between, within, "Interaction"],
            "ss_type": table["ss_type"],
            "SS": table["ss"] / scale**2,
            "DF1": table["df1"],
            "DF2": table["df2"],
            "MS": table["ss"] / table["df1"] / scale**2,
            "F": table["f"],
            "p_unc": table["p"],
            "p_GG_corr": table["p_gg"],
            "p_HF_corr": table["p_hf"],
            "np2": table["pes"],
            "eps": table["eps_gg"],
            "eps_HF": table["eps_hf"],
            "sphericity": (table["mauchly_p"] > 0.05).where(table["mauchly_p"].notna()),
            "W_spher": table["mauchly_w"],
            "p_spher": table["mauchly_p"],
        }
    )
    if note:
        table.loc[:, "SS":] = np.nan
    cis = [
        partial_eta_squared_ci(f, d1, d2)
        for f, d1, d2 in zip(table["F"], table["DF1"], table["DF2"], strict=True)
    ]
    table["np2_ci90_low"] = [c[0] for c in cis]
    table["np2_ci90_high"] = [c[1] for c in cis]
    table["np2_ci_method"] = [c.ci_method for c in cis]
    table.insert(0, "dv", dv)
    table["n_subjects"] = len(wide)
    table["dropped_subjects"] = ";".join(map(str, dropped))
    table["exclusion_reason"] = describe_left_out(reasons)
    table["note"] = note
    # as a paper reports it: GG-corrected where ε < 1 (analysis.engine.apa)
    table["apa"] = [apa(row) for _, row in table.iterrows()]
    return table


def ancova(df_wide: pd.DataFrame, *, dv: str, covar: str, between: str) -> pd.DataFrame:
    """ANCOVA of ``dv`` (post) adjusted for ``covar`` (pre) with a between factor (pingouin).

    Rows with a missing or non-finite value are the caller's to leave out (and to report).
    Raises :class:`InputError` when the data cannot support the model: fewer than 2 groups,
    no residual degrees of freedom, a covariate without variance (the design would be
    rank-deficient, and pingouin would still print an F), or a fit pingouin cannot make.
    The last column, ``apa``, gives each effect as a paper reports it, with the residual df
    as its error df (``""`` in the ``Residual`` row).

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
    groups = data[between].nunique()
    if groups < 2:
        raise InputError(f"the ANCOVA of {dv} needs subjects in 2 or more {between} levels")
    residual_df = len(data) - groups - 1
    if residual_df < 1:
        raise InputError(
            f"the ANCOVA of {dv} needs more subjects than {groups + 1} parameters; "
            f"it has {len(data)}"
        )
    if data[covar].nunique() < 2:
        raise InputError(f"the ANCOVA of {dv}: the covariate {covar} has zero variance")
    if data[dv].nunique() < 2:
        raise InputError(f"the ANCOVA of {dv}: every value is the same")
    # exact power-of-two rescaling: F and p do not change, sums of squares cannot overflow
    scale = _scale_factor(data[dv].to_numpy(dtype=float))
    data[dv] = data[dv] * scale
    data[covar] = data[covar] * _scale_factor(data[covar].to_numpy(dtype=float))
    try:
        with _quiet_pingouin(), _quiet_numerics():
            table = pg.ancova(data=data, dv=dv, covar=covar, between=between)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
        raise InputError(f"the ANCOVA of {dv} could not be fitted ({exc})") from exc
    table["SS"] = table["SS"] / scale**2
    # pingouin computes Type II; with one factor, one covariate and no interaction term each
    # row's Type II and Type III sums of squares are the same
    table.insert(1, "ss_type", "Type II = Type III (no interaction term)")
    # as a paper reports it; each effect's error df is the Residual row's
    residual = table.loc[table["Source"] == "Residual", "DF"]
    df_error = float(residual.iloc[0]) if len(residual) else None
    table["apa"] = [
        apa(row, df_error=df_error) if row["Source"] != "Residual" else ""
        for _, row in table.iterrows()
    ]
    return table


def linear_trend(x: np.ndarray, y: np.ndarray) -> dict:
    """Least-squares slope of y on x with its t-test (scipy ``linregress``).

    Fewer than 3 points (no residual degree of freedom), fewer than 2 distinct x or a
    non-finite value give NaN statistics, and ``note`` says why (``""`` otherwise).

    Examples
    --------
    >>> res = linear_trend(np.array([1.0, 2, 3, 4]), np.array([2.0, 4.1, 5.9, 8.2]))
    >>> round(res["slope"], 3)
    2.04
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    out = {
        "n": int(np.size(x)),
        "slope": math.nan,
        "intercept": math.nan,
        "slope_se": math.nan,
        "r": math.nan,
        "p_val": math.nan,
        "note": "",
    }
    if x.size < 3:
        problem = f"{x.size} point(s); a trend with a test needs 3 or more"
    elif not (np.isfinite(x).all() and np.isfinite(y).all()):
        problem = "a value is not finite"
    elif np.unique(x).size < 2:
        problem = "every x is the same"
    else:
        problem = None
    if problem:
        out["note"] = not_computable(problem)
        return out
    with _quiet_numerics():
        res = stats.linregress(x, y)
    out.update(
        slope=float(res.slope),
        intercept=float(res.intercept),
        slope_se=float(res.stderr),
        r=float(res.rvalue),
        p_val=float(res.pvalue),
    )
    return out
