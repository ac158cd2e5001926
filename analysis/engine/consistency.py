"""Consistency checks of published numbers: GRIM, GRIMMER and recomputed p-values.

A printed summary can be checked without the data it summarises:

* **GRIM** (Brown & Heathers 2017, Soc Psychol Personal Sci 8(4):363, online 2016): a mean
  of ``n`` integers is a multiple of ``1/n``, so a mean printed to ``d`` decimals is possible
  only if some multiple of ``1/n`` rounds to it (:func:`grim`).
* **GRIMMER** (Anaya 2016, PeerJ Preprints 4:e2400v1; in the analytic form of Allard 2018,
  "Analytic-GRIMMER", the algorithm of R's ``scrutiny::grimmer``): the sum of squares of
  integers is an integer of the same parity as their sum, so only some SDs are possible for
  a given ``n`` and sum (:func:`grimmer`).
* **statcheck-style recomputation of p** (Nuijten et al. 2016, Behav Res Methods 48:1205):
  recompute p from the printed test statistic, or from what fixes it (a mean with its SEM or
  SD; an estimate with its 95 % CI), and say whether the printed p (``p < 0.05``,
  ``p = 0.003``) agrees (:func:`p_from_t`, :func:`p_from_mean`, :func:`p_from_ci`,
  :func:`recompute_p_from_mean`, :func:`recompute_p_from_ci`, :func:`check_p`).

:func:`consistency_table` runs every check that applies to every ``published`` row of every
targets table in ``data/published`` and says, for each row no check applies to, why.

Rounding
--------
A printed number stands for every value that rounds to it. Rounding is taken as either
**round half up** (half away from zero, as SPSS, Excel and SAS print) **or round half to
even** (as R's ``round`` and Python's ``round`` do), and a value is accepted if it rounds to
the printed number under either; everything is computed in exact rational arithmetic
(:class:`fractions.Fraction`), never on binary floats. A p-value recomputed from printed
numbers is a range, over every value those numbers stand for, and a printed p agrees with it
if it agrees with some value in the range (statcheck's convention); the table says when it
holds for part of the range only.

Decimals are read from the text: ``"24.50"`` has 2 decimals, ``24.5`` (a float) 1. Pass
strings, or ``decimals=``, when trailing zeros matter; a CSV read as numbers has lost them,
which is why :func:`consistency_table` reads the targets tables' cells as text. Even so a
table may store ``0.050`` as ``0.05``: a lost trailing zero widens the rounding interval, so
it makes a check more lenient, never stricter.

Why written by hand
-------------------
No maintained Python library does GRIMMER. On PyPI, ``grim`` (0.1.10, March 2024, marked
beta) does GRIM only, and ``statcheck`` (0.0.7) ports statcheck's extraction of tests from
an article's text; R's ``scrutiny`` (CRAN) is the maintained implementation of both GRIM and
GRIMMER. The tests check these functions against a brute-force enumeration of small integer
samples, not against another implementation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from os import PathLike
from pathlib import Path

import pandas as pd
from scipy import special, stats

from ..dataio.targets import COLUMNS, DATA_DIR, OPTIONAL_COLUMNS, load_targets
from ..errors import InputError, describe_location

__all__ = [
    "CONSISTENCY_COLUMNS",
    "COUNT_UNITS",
    "GrimResult",
    "GrimmerResult",
    "PCheck",
    "Recomputed",
    "check_p",
    "consistency_table",
    "grim",
    "grimmer",
    "is_mean_of_integers",
    "p_from_ci",
    "p_from_mean",
    "p_from_t",
    "recompute_p_from_ci",
    "recompute_p_from_mean",
    "targets_tables",
    "t_from_mean",
]

CONSISTENCY = "consistent"
INCONSISTENT = "inconsistent"
NOT_APPLICABLE = "not applicable"

# a ``mean`` row whose unit is one of these is a mean of whole numbers (per subject)
COUNT_UNITS = frozenset(
    {"sessions", "subjects", "participants", "people", "count", "counts", "visits", "repetitions"}
)
# statistics that are means of whole numbers whatever their unit
_INTEGER_STATISTICS = frozenset({"mean_of_counts"})
_MEAN_STATISTICS = frozenset({"mean", "mean_of_counts"})
_READINGS = {"SD": "SD", "SEM": "SEM", "SE": "SEM"}

CONSISTENCY_COLUMNS = [
    "study",
    "id",
    "quantity",
    "group",
    "time",
    "statistic",
    "reported",
    "check",
    "reading",
    "uses",
    "recomputed",
    "verdict",
    "consistent",
    "reason",
]

# a published row no check applies to: why, by its statistic
_NOT_CHECKABLE = {
    "protocol": "a fact of the design, not a summary of data",
    "count": "a count of people or things: no granularity or test statistic to check",
    "moderator": "a significance statement without its test statistic",
    "benchmark": "a benchmark from another study, without the numbers that would fix a p-value",
    "es": "an effect size without its dispersion, n or p-value",
    "smd": "an effect size without its confidence interval or p-value",
}


# ------------------------------------------------------------------ printed numbers


@dataclass(frozen=True)
class _Printed:
    """A printed number: its exact value, its decimals and its text."""

    value: Fraction
    decimals: int
    text: str

    @property
    def half(self) -> Fraction:
        """Half a unit of the last printed digit: the rounding half-width."""
        return Fraction(1, 2 * 10**self.decimals)


def _printed(x, decimals: int | None = None, what: str = "value") -> _Printed:
    """Read a printed number from text (keeps trailing zeros) or a number (shortest repr)."""
    if isinstance(x, bool):
        raise InputError(f"the {what} must be a number, got {x!r}")
    if isinstance(x, str):
        text = x.strip().replace("\u2212", "-").removeprefix("+")
    elif isinstance(x, Fraction):
        if decimals is None:
            raise InputError(f"give decimals= with a Fraction {what}")
        text = None
    else:
        try:
            number = float(x)
        except (TypeError, ValueError):
            raise InputError(f"the {what} must be a number, got {x!r}") from None
        if not math.isfinite(number):
            raise InputError(f"the {what} must be finite, got {x!r}")
        text = str(int(number)) if float(number).is_integer() and abs(number) < 1e15 else None
        text = text or repr(number)
    if text is None:
        value = x
        inferred = decimals
    else:
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise InputError(f"cannot read the {what} {x!r} as a number") from None
        if not dec.is_finite():
            raise InputError(f"the {what} must be finite, got {x!r}")
        value = Fraction(dec)
        inferred = max(0, -int(dec.as_tuple().exponent))
    if decimals is None:
        decimals = inferred
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise InputError(f"decimals must be a whole number >= 0, got {decimals!r}")
    if (value * 10**decimals).denominator != 1:
        raise InputError(
            f"the {what} {x!r} has more than {decimals} decimal(s); give decimals= to match it"
        )
    shown = f"{float(value):.{decimals}f}" if text is None or inferred != decimals else text
    return _Printed(value, decimals, shown)


def _accepted(p: _Printed) -> tuple[Fraction, bool, Fraction, bool]:
    """The values that round to ``p`` under half-up or half-even: (low, closed, high, closed).

    Half up (away from zero): a positive number keeps its lower tie, a negative one its upper
    tie, zero neither. Half to even: both ties when the last printed digit is even.
    """
    low, high = p.value - p.half, p.value + p.half
    even = (p.value * 10**p.decimals).numerator % 2 == 0
    return low, p.value > 0 or even, high, p.value < 0 or even


def _inside(x: Fraction, interval: tuple[Fraction, bool, Fraction, bool]) -> bool:
    low, low_closed, high, high_closed = interval
    above = x >= low if low_closed else x > low
    below = x <= high if high_closed else x < high
    return above and below


def _whole(n, what: str = "n", minimum: int = 1) -> int:
    try:
        ok = not isinstance(n, bool) and float(n).is_integer() and n >= minimum
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{what} must be a whole number >= {minimum}, got {n!r}")
    return int(n)


def _show(x: Fraction | float, digits: int) -> str:
    """``x`` to ``digits`` decimals, without trailing zeros: ``24.5``, ``5.1786``."""
    return f"{float(x):.{digits}f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------ GRIM


@dataclass(frozen=True)
class GrimResult:
    """The outcome of :func:`grim`.

    Attributes
    ----------
    mean : str
        The mean as printed (with its decimals).
    n, items, decimals : int
        Sample size, integer items averaged per subject, decimals of the mean.
    consistent : bool
        False only when no mean of ``n`` integers rounds to the printed mean.
    verdict : str
        ``"consistent"``, ``"inconsistent"`` or ``"not applicable"`` (every mean possible).
    sums : tuple of int
        The integer totals ``k`` (of ``n * items`` integers) with ``k / (n * items)``
        rounding to the mean (when GRIM does not apply and they are more than 10,000, one
        of them); empty when there is none.
    nearest : tuple of float
        The possible means nearest the printed one: those that round to it when there are
        some, else the neighbours below and above.
    reason : str
        One sentence that says why.
    """

    mean: str
    n: int
    items: int
    decimals: int
    consistent: bool
    verdict: str
    sums: tuple[int, ...]
    nearest: tuple[float, ...]
    reason: str


def _possible_sums(m: _Printed, units: int, limit: int = 1_000_000) -> list[int]:
    interval = _accepted(m)
    low, high = math.ceil(interval[0] * units), math.floor(interval[2] * units)
    if high - low > limit:
        raise InputError(
            f"{high - low} possible totals for a mean of {m.text} with n = {units}: too many "
            "to enumerate"
        )
    return [k for k in range(low, high + 1) if _inside(Fraction(k, units), interval)]


def grim(mean, n, items: int = 1, decimals: int | None = None) -> GrimResult:
    """GRIM test: can ``mean``, printed to ``decimals``, be the mean of ``n`` integers?

    Brown NJL & Heathers JAJ (2017, online 2016). The GRIM test: a simple technique detects
    numerous anomalies in the reporting of results in psychology. Soc Psychol Personal Sci
    8(4):363-369. Each of the ``n`` subjects contributes the mean of ``items`` integer items,
    so the mean is ``k / (n * items)`` for an integer ``k``; the printed mean is consistent if
    some such ``k`` gives a value that rounds to it. Rounding half up (away from zero) and
    half to even are both accepted (module docstring). When ``n * items >= 10**decimals``
    every printed mean is possible: the verdict is ``"consistent"`` and the reason says that
    GRIM could not have failed (an uninformative check, not evidence).

    Parameters
    ----------
    mean : str or float
        The printed mean; a string keeps trailing zeros (``"5.10"`` has 2 decimals).
    n : int
        Number of subjects.
    items : int, default 1
        Number of integer items each subject's score averages.
    decimals : int, optional
        Decimals the mean was printed to; inferred from ``mean`` when omitted.

    Returns
    -------
    GrimResult

    Raises
    ------
    InputError
        If ``n`` or ``items`` is not a whole number >= 1, or ``mean`` is not a finite number
        with at most ``decimals`` decimals.

    Examples
    --------
    >>> r = grim("24.50", 12)
    >>> r.verdict, r.sums, r.reason
    ('consistent', (294,), '294/12 = 24.5')
    >>> r = grim("24.5", 12)  # possible, but at n = 12 so is every mean with 1 decimal
    >>> r.consistent, r.verdict, "cannot fail" in r.reason
    (True, 'consistent', True)
    >>> r = grim("5.19", 28)  # Brown & Heathers' example of an impossible mean
    >>> r.consistent, r.nearest
    (False, (5.178571428571429, 5.214285714285714))
    >>> r.reason
    'no total of 28 integers gives 5.19: 145/28 = 5.1786 and 146/28 = 5.2143'
    >>> grim("3.47", 120).verdict  # 120 >= 10**2: every mean with 2 decimals is possible
    'consistent'
    """
    n = _whole(n, "n")
    items = _whole(items, "items")
    m = _printed(mean, decimals, "mean")
    units = n * items
    denominator = f"{n}" if items == 1 else f"({n} x {items})"
    powerless = units >= 10**m.decimals
    digits = m.decimals + 2
    interval = _accepted(m)
    if powerless and (interval[2] - interval[0]) * units > 10_000:
        sums: tuple[int, ...] = (round(m.value * units),)  # one of many
    else:
        sums = tuple(_possible_sums(m, units))
    if sums:
        shown = ", ".join(
            f"{k}/{denominator} = {_show(Fraction(k, units), digits)}" for k in sums[:3]
        ) + (", ..." if len(sums) > 3 else "")
        reason = shown
        if powerless:
            reason = (
                f"possible ({shown}), but with n x items = {units} >= 10^{m.decimals} every "
                f"mean printed to {m.decimals} decimal(s) is: GRIM cannot fail here"
            )
        return GrimResult(
            m.text,
            n,
            items,
            m.decimals,
            True,
            CONSISTENCY,  # possible; the reason says when GRIM could not have failed
            sums,
            tuple(k / units for k in sums[:3]),
            reason,
        )
    below = math.floor(m.value * units)
    pair = (below, below + 1)
    shown = " and ".join(f"{k}/{denominator} = {_show(Fraction(k, units), digits)}" for k in pair)
    return GrimResult(
        m.text,
        n,
        items,
        m.decimals,
        False,
        INCONSISTENT,
        (),
        tuple(k / units for k in pair),
        f"no total of {units} integers gives {m.text}: {shown}",
    )


# ------------------------------------------------------------------ GRIMMER


@dataclass(frozen=True)
class GrimmerResult:
    """The outcome of :func:`grimmer`.

    Attributes
    ----------
    mean, dispersion : str
        As printed.
    n, items : int
    reading : str
        ``"SD"`` or ``"SEM"``: what the printed dispersion was read as.
    consistent : bool
        False only when no sample of ``n`` integers has both the printed mean and dispersion.
    verdict : str
        ``"consistent"``, ``"inconsistent"`` or ``"not applicable"``: the dispersion's
        rounding interval holds sums of squares of both parities for every possible sum, so
        no dispersion printed near this one could have failed (``consistent`` is then True).
    grim : GrimResult
        The GRIM test of the mean, which GRIMMER runs first.
    nearest : tuple of float
        The possible dispersions (on the printed scale: SD or SEM) nearest the printed one,
        at most two; for a consistent result, those that round to it.
    reason : str
    """

    mean: str
    dispersion: str
    n: int
    items: int
    reading: str
    consistent: bool
    verdict: str
    grim: GrimResult
    nearest: tuple[float, ...]
    reason: str


def _min_sum_of_squares(total: int, n: int) -> int:
    """The least sum of squares of ``n`` integers that add up to ``total``: spread evenly."""
    q, r = divmod(total, n)
    return (n - r) * q * q + r * (q + 1) * (q + 1)


def _isqrt_floor(x: Fraction) -> int:
    return 0 if x <= 0 else math.isqrt(math.floor(x))


def _has_sample(n: int, total: int, squares: int) -> bool:
    """Do ``n`` integers exist with this sum and sum of squares? Exact search, for small n."""
    if n == 1:
        return total * total == squares
    if n == 2:
        gap = 2 * squares - total * total  # (a - b)^2
        if gap < 0:
            return False
        root = math.isqrt(gap)
        return root * root == gap and (root - total) % 2 == 0
    # the smallest value a_1 of a sorted sample lies at or below the mean, and within
    # sqrt((n - 1) / n * deviations) of it
    deviations = Fraction(squares) - Fraction(total * total, n)
    if deviations < 0:
        return False
    reach = _isqrt_floor(deviations * (n - 1) / n) + 1
    centre = Fraction(total, n)
    for a in range(math.floor(centre) - reach, math.floor(centre) + 1):
        rest, rest_sq = total - a, squares - a * a
        # the others are >= a, so their mean must be too
        if rest_sq >= 0 and rest >= a * (n - 1) and _has_sample(n - 1, rest, rest_sq):
            return True
    return False


def _first(iterable, count: int) -> list:
    out = []
    for item in iterable:
        out.append(item)
        if len(out) == count:
            break
    return out


# up to this n, sums of squares of the right parity above the minimum can still be impossible
# (n = 3: total 9, sum of squares 31); GRIMMER's conditions are then completed by a search
_EXACT_SEARCH_MAX_N = 4


def grimmer(
    mean,
    sd,
    n,
    items: int = 1,
    decimals: int | None = None,
    sd_decimals: int | None = None,
    reading: str = "SD",
) -> GrimmerResult:
    """GRIMMER test: can a mean and SD (or SEM) printed so come from ``n`` integers?

    Anaya J (2016). The GRIMMER test: a method for testing the validity of reported measures
    of variability. PeerJ Preprints 4:e2400v1. Implemented as Allard's (2018)
    Analytic-GRIMMER, the algorithm of R's ``scrutiny::grimmer``:

    1. GRIM on the mean (:func:`grim`) gives the possible integer totals ``S`` of the
       ``n * items`` item scores (each subject's score times ``items`` is an integer).
    2. The printed dispersion's rounding interval gives an interval of variances, and
       through ``Q = (n - 1) var + S**2 / n`` an interval of sums of squares ``Q``, which must
       be whole numbers.
    3. ``Q`` has the parity of ``S`` (``a**2`` and ``a`` are both odd or both even), and is at
       least the sum of squares of the most even split of ``S`` (added here; a condition the
       interval check already implies for all but very small SDs).
    4. The SD of each remaining ``Q`` must round to the printed value (exactly, on squares).

    For ``n <= 4`` these conditions are necessary but not sufficient (``n = 3``, ``S = 9``,
    ``Q = 31`` passes them, yet no three integers do it), so there a search for an actual
    sample completes them. The same ``items`` convention and rounding rules as :func:`grim`.

    Parameters
    ----------
    mean, sd : str or float
        As printed; strings keep trailing zeros.
    n : int
        Number of subjects (>= 2).
    items : int, default 1
    decimals, sd_decimals : int, optional
        Decimals of the mean and of the dispersion; inferred from the text when omitted.
    reading : {"SD", "SEM"}
        What ``sd`` is: an SD, or a standard error of the mean (``SD / sqrt(n)``).

    Returns
    -------
    GrimmerResult

    Examples
    --------
    Estes 2017's sessions completed, 24.5 ± 0.6 with n = 12. Read as an SD the ± is
    impossible: 12 integers averaging 24.5 have a sum of squared deviations of 3, 5, 7, ...,
    so an SD of sqrt(3/11) = 0.52 or sqrt(5/11) = 0.67, never 0.6:

    >>> r = grimmer("24.5", "0.6", 12)
    >>> r.verdict, r.nearest
    ('inconsistent', (0.5222329678670935, 0.674199862463242))
    >>> grimmer("24.5", "0.6", 12, reading="SEM").verdict  # an SEM printed to 0.1 fits any n = 12
    'consistent'
    >>> grimmer("3.50", "1.08", 10).verdict
    'consistent'
    >>> r = grimmer("3.50", "1.05", 10)  # the sum of squares would have to be 132, even
    >>> r.verdict, r.reason
    ('inconsistent', 'no 10 integers with mean 3.50 have an SD that rounds to 1.05; the nearest possible: 0.9718 and 1.0801')
    """
    n = _whole(n, "n", minimum=2)
    items = _whole(items, "items")
    key = _READINGS.get(str(reading).upper())
    if key is None:
        raise InputError(f"reading must be 'SD' or 'SEM', got {reading!r}")
    g = grim(mean, n, items, decimals)
    m = _printed(mean, decimals, "mean")
    s = _printed(sd, sd_decimals, "SD" if key == "SD" else "SEM")
    if s.value < 0:
        raise InputError(f"a dispersion cannot be negative, got {sd!r}")

    def result(consistent: bool, verdict: str, nearest, reason: str) -> GrimmerResult:
        return GrimmerResult(
            m.text, s.text, n, items, key, consistent, verdict, g, tuple(nearest), reason
        )

    if not g.consistent:
        return result(False, INCONSISTENT, (), f"the mean fails GRIM ({g.reason})")
    units = n * items
    # squares of the accepted dispersions, as variances of the subjects' scores
    low, low_closed, high, high_closed = _accepted(s)
    factor = n if key == "SEM" else 1
    var_low = (max(low, Fraction(0)) ** 2) * factor
    var_high = high**2 * factor
    low_closed = low_closed or low <= 0

    def var_ok(var: Fraction) -> bool:
        return _inside(var, (var_low, low_closed, var_high, high_closed))

    def variance(q: int, total: int) -> Fraction:
        # variance of the subjects' scores from the item scores' sum and sum of squares
        return (q - Fraction(total * total, n)) / (n - 1) / items**2

    def possible(q: int, total: int) -> bool:
        if (q - total) % 2 or q < _min_sum_of_squares(total, n):
            return False
        return n > _EXACT_SEARCH_MAX_N or _has_sample(n, total, q)

    to_printed = (lambda v: math.sqrt(v / n)) if key == "SEM" else math.sqrt
    spread = (n - 1) * items * items  # Q = spread * var + total^2 / n
    exact = n <= _EXACT_SEARCH_MAX_N
    matches: list[tuple[int, int]] = []
    windows = []
    powerless = not exact
    for total in _possible_sums(m, units):
        offset = Fraction(total * total, n)
        q_low = max(math.ceil(spread * var_low + offset), _min_sum_of_squares(total, n))
        q_high = math.floor(spread * var_high + offset)
        windows.append((total, q_low, q_high))
        if not exact and q_high - q_low >= 3:
            # the variance rises with Q, so only the ends can fall outside (on a tie): the
            # values between hold both parities; take the one nearest the printed value
            aim = round(spread * s.value**2 * factor + offset)
            aim = min(max(aim, q_low + 1), q_high - 1)
            if (aim - total) % 2:
                aim = aim - 1 if aim - 1 > q_low else aim + 1
            matches.append((total, aim))
            continue
        inside = [q for q in range(q_low, q_high + 1) if var_ok(variance(q, total))]
        powerless = powerless and len(inside) >= 2  # two in a row: both parities
        aim = spread * s.value**2 * factor + offset
        found = (q for q in sorted(inside, key=lambda q: abs(q - aim)) if possible(q, total))
        matches += [(total, q) for q in (found if not exact else _first(found, 2))]
    if matches:
        fits = sorted({to_printed(variance(q, t)) for t, q in matches})
        fits = sorted(sorted(fits, key=lambda x: abs(x - float(s.value)))[:2])
        total, q = min(
            matches, key=lambda tq: abs(to_printed(variance(tq[1], tq[0])) - float(s.value))
        )
        reason = (
            f"e.g. {n} {'integers' if items == 1 else 'item totals'} with sum {total} and "
            f"sum of squares {q}: "
            f"{key} = {to_printed(variance(q, total)):.{s.decimals + 3}f}"
        )
        if powerless:
            return result(
                True,
                CONSISTENCY,  # possible; the reason says the check could not have failed
                fits,
                f"at n = {n}, an {key} printed to {s.decimals} decimal(s) spans sums of "
                f"squares of both parities for every possible total, so any {key} near "
                f"{s.text} is possible ({reason})",
            )
        return result(True, CONSISTENCY, fits, f"possible: {reason}")
    near = set()
    for total, q_low, q_high in windows:
        # possible dispersions next to the accepted ones: just below, just above, and any
        # inside the interval of sums of squares whose SD rounds just outside (a tie)
        minimum = _min_sum_of_squares(total, n)
        below = next((q for q in range(q_low - 1, minimum - 1, -1) if possible(q, total)), None)
        start = max(q_high + 1, minimum)
        above = next((q for q in range(start, start + 10_000) if possible(q, total)), None)
        edge = [q for q in range(q_low, q_high + 1) if possible(q, total)]
        near |= {to_printed(variance(q, total)) for q in [below, above, *edge] if q is not None}
    closest = sorted(sorted(near, key=lambda x: abs(x - float(s.value)))[:2])
    shown = " and ".join(f"{x:.{s.decimals + 2}f}" for x in closest)
    return result(
        False,
        INCONSISTENT,
        closest,
        f"no {n} integers with mean {m.text} have an {key} that rounds to {s.text}"
        + (f"; the nearest possible: {shown}" if shown else ""),
    )


# ------------------------------------------------------------------ p-values


def _check_tails(tails) -> int:
    if tails not in (1, 2) or isinstance(tails, bool):
        raise InputError(f"tails must be 1 or 2, got {tails!r}")
    return int(tails)


def p_from_t(t: float, df: float, tails: int = 2) -> float:
    """The p-value of a t statistic with ``df`` degrees of freedom.

    Two-sided by default; ``tails=1`` gives the one-sided p in the direction of ``t``.
    ``df = inf`` gives the normal distribution's p (a z statistic).

    Examples
    --------
    >>> round(p_from_t(2.0, 10), 4), round(p_from_t(2.0, 10, tails=1), 4)
    (0.0734, 0.0367)
    >>> round(p_from_t(1.959964, math.inf), 4)
    0.05
    """
    tails = _check_tails(tails)
    t, df = float(t), float(df)
    if math.isnan(t) or not df > 0:
        raise InputError(f"need a t and df > 0, got t = {t!r}, df = {df!r}")
    one = float(special.ndtr(-abs(t))) if math.isinf(df) else float(special.stdtr(df, -abs(t)))
    return min(1.0, tails * one)


def _se(dispersion: float, n: int, reading: str) -> float:
    key = _READINGS.get(str(reading).upper())
    if key is None:
        raise InputError(f"reading must be 'SD' or 'SEM', got {reading!r}")
    return dispersion if key == "SEM" else dispersion / math.sqrt(n)


def t_from_mean(mean, dispersion, n, reading: str = "SEM", mu: float = 0.0) -> float:
    """One-sample t of a printed ``mean ± dispersion`` against ``mu``: ``(mean - mu) / SEM``.

    ``reading`` says what the ± is: ``"SEM"`` (``SEM = dispersion``) or ``"SD"``
    (``SEM = dispersion / sqrt(n)``). For a within-group change (post minus pre) this is
    the paired t-test of the change.

    Examples
    --------
    >>> round(t_from_mean(10.6, 2.7, 12, "SEM"), 3), round(t_from_mean(10.6, 2.7, 12, "SD"), 3)
    (3.926, 13.6)
    """
    n = _whole(n, "n", minimum=2)
    se = _se(float(dispersion), n, reading)
    if not se > 0:
        raise InputError(f"the dispersion must be > 0, got {dispersion!r}")
    return (float(mean) - mu) / se


def p_from_mean(
    mean, dispersion, n, reading: str = "SEM", tails: int = 2, mu: float = 0.0
) -> float:
    """p of the one-sample t-test that a printed ``mean ± dispersion`` implies.

    ``t = (mean - mu) / SEM`` on ``n - 1`` degrees of freedom, with ``SEM = dispersion``
    (``reading="SEM"``) or ``dispersion / sqrt(n)`` (``reading="SD"``); equal to
    ``scipy.stats.ttest_1samp`` on data with that mean and SD (tested).

    Examples
    --------
    Estes 2017: vastus lateralis CSA +10.6 ± 2.7 %, n = 12.

    >>> round(p_from_mean(10.6, 2.7, 12, "SEM"), 4)
    0.0024
    >>> p_from_mean(10.6, 2.7, 12, "SD") < 1e-7
    True
    """
    n = _whole(n, "n", minimum=2)
    return p_from_t(t_from_mean(mean, dispersion, n, reading, mu), n - 1, tails)


def _z_level(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"the confidence level must be between 0 and 1, got {level!r}")
    return float(stats.norm.ppf(0.5 + level / 2))


def p_from_ci(estimate, ci_low, ci_high, level: float = 0.95, tails: int = 2) -> float:
    """p of an estimate from its confidence interval (Altman & Bland 2011, BMJ 343:d2304).

    Assumes a normal (Wald) interval on this scale: ``SE = (high - low) / (2 z)``, with ``z``
    the normal quantile of the level (1.96 for 95 %), and ``p`` from ``z = estimate / SE``.
    For ratios, pass logarithms. An interval from a t distribution (Knapp-Hartung, small
    samples) gives a somewhat larger p than this.

    Examples
    --------
    Schumann et al. 2022: explosive strength SMD -0.28 (95 % CI -0.48 to -0.08), p = 0.007.

    >>> round(p_from_ci(-0.28, -0.48, -0.08), 4)
    0.0061
    """
    low, high = float(ci_low), float(ci_high)
    if not high > low:
        raise InputError(f"the interval must have low < high, got {ci_low!r} to {ci_high!r}")
    se = (high - low) / (2 * _z_level(level))
    return p_from_t(float(estimate) / se, math.inf, tails)


@dataclass(frozen=True)
class Recomputed:
    """A p-value recomputed from printed numbers, with its range over their rounding.

    Attributes
    ----------
    statistic : str
        ``"t"`` or ``"z"``.
    value : float
        The statistic from the numbers as printed.
    df : float
        Degrees of freedom (``inf`` for z).
    p : float
        p from the numbers as printed.
    p_low, p_high : float
        The least and greatest p over every value the printed numbers stand for.
    """

    statistic: str
    value: float
    df: float
    p: float
    p_low: float
    p_high: float

    def describe(self) -> str:
        """``'t(11) = 3.93, p = 0.0024 (0.002 to 0.0028 within rounding)'``."""
        name = "z" if math.isinf(self.df) else f"t({self.df:g})"
        low, high = _fmt_p(self.p_low), _fmt_p(self.p_high)
        spread = f"{low} within rounding" if low == high else f"{low} to {high} within rounding"
        return f"{name} = {self.value:.3g}, {_p_is(self.p)} ({spread})"


def _p_is(p: float) -> str:
    """``'p = 0.0024'``, or ``'p < 0.001'`` (not ``'p = < 0.001'``)."""
    shown = _fmt_p(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def _fmt_p(p: float) -> str:
    # "< 0.001" or "0.034" (analysis.engine.display.format_p), never e-notation
    from .display import format_p

    return format_p(p)


def _t_range(x_low, x_high, se_low, se_high) -> tuple[float, float]:
    """Least and greatest (x / se) over a box with se > 0 at its low end, or se_low = 0."""
    values = []
    for x in (x_low, x_high):
        for se in (se_low, se_high):
            if se > 0:
                values.append(x / se)
            elif x != 0:
                values.append(math.copysign(math.inf, x))
            else:
                values.append(0.0)
    return min(values), max(values)


def _p_range(t_min: float, t_max: float, df: float, tails: int, sign: float) -> tuple:
    """p over t in [t_min, t_max]: two-sided on |t|; one-sided in the direction ``sign``."""

    def one(t: float) -> float:  # upper tail
        return float(special.ndtr(-t)) if math.isinf(df) else float(special.stdtr(df, -t))

    if tails == 2:
        big = max(abs(t_min), abs(t_max))
        small = 0.0 if t_min <= 0 <= t_max else min(abs(t_min), abs(t_max))
        return min(1.0, 2 * one(big)), min(1.0, 2 * one(small))
    low, high = (t_min, t_max) if sign >= 0 else (-t_max, -t_min)
    return one(high), one(low)


def recompute_p_from_mean(
    mean, dispersion, n, reading: str = "SEM", tails: int = 2, mu: float = 0.0
) -> Recomputed:
    """:func:`p_from_mean` with its range over the rounding of the printed numbers.

    The mean and the dispersion stand for every value that rounds to them (decimals from
    the text: pass strings to keep trailing zeros); p is least at the largest ``|t|`` and
    greatest at the smallest, both at corners of that box. One-sided p is in the direction
    of the printed mean.

    Examples
    --------
    >>> r = recompute_p_from_mean("10.6", "2.7", 12, "SEM")
    >>> r.describe()
    't(11) = 3.93, p = 0.0024 (0.0020 to 0.0028 within rounding)'
    >>> r = recompute_p_from_mean("1.0", "1.0", 12, "SEM")  # t(11) = 1
    >>> r.p_low > 0.05
    True
    """
    tails = _check_tails(tails)
    n = _whole(n, "n", minimum=2)
    m = _printed(mean, what="mean")
    d = _printed(dispersion, what="dispersion")
    if d.value <= 0:
        raise InputError(f"the dispersion must be > 0, got {dispersion!r}")
    root = 1.0 if _READINGS.get(str(reading).upper()) == "SEM" else math.sqrt(n)
    value = t_from_mean(float(m.value), float(d.value), n, reading, mu)
    t_min, t_max = _t_range(
        float(m.value - m.half) - mu,
        float(m.value + m.half) - mu,
        float(d.value - d.half) / root,
        float(d.value + d.half) / root,
    )
    low, high = _p_range(t_min, t_max, n - 1, tails, 1.0 if value >= 0 else -1.0)
    return Recomputed("t", value, float(n - 1), p_from_t(value, n - 1, tails), low, high)


def recompute_p_from_ci(
    estimate, ci_low, ci_high, level: float = 0.95, tails: int = 2
) -> Recomputed:
    """:func:`p_from_ci` with its range over the rounding of the printed numbers.

    The bounds are taken to at least as many decimals as the estimate (a table read as
    numbers prints ``-0.20`` as ``-0.2``).

    Examples
    --------
    >>> recompute_p_from_ci("-0.28", "-0.48", "-0.08").describe()
    'z = -2.74, p = 0.0061 (0.0042 to 0.0086 within rounding)'
    """
    tails = _check_tails(tails)
    e = _printed(estimate, what="estimate")
    lo = _printed(ci_low, what="lower bound")
    hi = _printed(ci_high, what="upper bound")
    places = max(e.decimals, lo.decimals, hi.decimals)
    lo, hi = _printed(lo.value, places), _printed(hi.value, places)
    width = hi.value - lo.value
    if width <= 0:
        raise InputError(f"the interval must have low < high, got {ci_low!r} to {ci_high!r}")
    z = _z_level(level)
    se = float(width) / (2 * z)
    value = float(e.value) / se
    t_min, t_max = _t_range(
        float(e.value - e.half),
        float(e.value + e.half),
        float(width - 2 * lo.half) / (2 * z),
        float(width + 2 * lo.half) / (2 * z),
    )
    low, high = _p_range(t_min, t_max, math.inf, tails, 1.0 if value >= 0 else -1.0)
    return Recomputed("z", value, math.inf, p_from_t(value, math.inf, tails), low, high)


_P_TEXT = re.compile(r"^\s*(?:p\s*)?(<=|>=|≤|≥|<|>|=)\s*([0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)\s*$")
_RELATION_ALIASES = {"≤": "<=", "≥": ">="}


@dataclass(frozen=True)
class PCheck:
    """The outcome of :func:`check_p`.

    Attributes
    ----------
    reported : str
        The printed p, normalised (``'p < 0.05'``).
    relation : str
        ``'<'``, ``'<='``, ``'='``, ``'>='`` or ``'>'``.
    bound : float
        The printed number.
    p_low, p_high : float
        The recomputed p's range.
    consistent : bool
    verdict : str
        ``"consistent"`` or ``"inconsistent"``.
    decision_error : bool
        statcheck's gross inconsistency: inconsistent, and significant at ``alpha`` on one
        side but not on the other.
    reason : str
    """

    reported: str
    relation: str
    bound: float
    p_low: float
    p_high: float
    consistent: bool
    verdict: str
    decision_error: bool
    reason: str


def _parse_reported_p(reported) -> tuple[str, _Printed]:
    if isinstance(reported, tuple):
        relation, value = reported
        relation = _RELATION_ALIASES.get(str(relation).strip(), str(relation).strip())
        if relation not in ("<", "<=", "=", ">=", ">"):
            raise InputError(f"cannot read the relation {relation!r} of a printed p")
        return relation, _printed(value, what="p")
    match = _P_TEXT.match(str(reported).replace("\u2212", "-").strip().lower())
    if match is None:
        raise InputError(f"cannot read {reported!r} as a printed p (e.g. 'p < 0.05', 'p = .003')")
    relation = _RELATION_ALIASES.get(match.group(1), match.group(1))
    return relation, _printed(match.group(2), what="p")


def check_p(reported, recomputed, alpha: float = 0.05) -> PCheck:
    """Does a printed p agree with a recomputed one (statcheck's check)?

    Nuijten MB, Hartgerink CHJ, van Assen MALM, Epskamp S, Wicherts JM (2016). The
    prevalence of statistical reporting errors in psychology (1985-2013). Behav Res Methods
    48:1205-1226. ``p < b`` agrees if some recomputed p is below ``b`` (``p > b``: above);
    ``p = v`` agrees if the recomputed range meets the values that round to ``v`` (decimals
    from the text). A ``p = v`` on the boundary counts as significant, as statcheck does.

    Parameters
    ----------
    reported : str or tuple
        ``'p < 0.05'``, ``'p = .003'``, ``'<.001'``, or ``('<', 0.05)``.
    recomputed : float or Recomputed
        A p, or a :class:`Recomputed` with its range.
    alpha : float, default 0.05

    Examples
    --------
    >>> check_p("p < 0.05", 0.0024).verdict
    'consistent'
    >>> c = check_p("p = 0.03", recompute_p_from_mean("1.0", "1.0", 12, "SEM"))
    >>> c.verdict, c.decision_error
    ('inconsistent', True)
    >>> check_p("p = .003", 0.0034).verdict  # 0.0034 rounds to 0.003
    'consistent'
    """
    relation, bound = _parse_reported_p(reported)
    if isinstance(recomputed, Recomputed):
        p_low, p_high = recomputed.p_low, recomputed.p_high
    else:
        p_low = p_high = float(recomputed)
    if not 0 <= p_low <= p_high <= 1:
        raise InputError(f"a recomputed p must lie in [0, 1], got {p_low!r} to {p_high!r}")
    b = float(bound.value)
    text = f"p {relation} {bound.text}"
    if relation == "=":
        low, low_closed, high, high_closed = _accepted(bound)
        meets = (p_high > low or (low_closed and p_high == low)) and (
            p_low < high or (high_closed and p_low == high)
        )
        everywhere = low <= Fraction(p_low) and Fraction(p_high) <= high
    else:
        holds = {
            "<": lambda p: p < b,
            "<=": lambda p: p <= b,
            ">": lambda p: p > b,
            ">=": lambda p: p >= b,
        }[relation]
        meets = holds(p_low) or holds(p_high)
        everywhere = holds(p_low) and holds(p_high)
    low, high = _fmt_p(p_low), _fmt_p(p_high)
    span = _p_is(p_low) if low == high else f"p from {low} to {high}"
    # significance as printed, and as recomputed (if any value in the range agrees, no error)
    printed_sig = {"<": b <= alpha, "<=": b <= alpha, "=": b <= alpha}.get(relation)
    if relation in (">", ">="):
        printed_sig = False if b >= alpha else None
    decision_error = (
        not meets
        and printed_sig is not None
        and ((p_low <= alpha) != printed_sig and (p_high <= alpha) != printed_sig)
    )
    if relation == "=":
        verb = "lies within" if meets else "lies outside"
        reason = f"{text} {verb} the recomputed {span}"
    elif meets and everywhere:
        reason = f"{text} holds for the recomputed {span}"
    elif meets:
        reason = f"{text} holds for part of the recomputed {span} only"
    else:
        reason = f"{text} fails for the recomputed {span}"
        if decision_error:
            reason += f": the conclusion at alpha = {alpha:g} changes"
    return PCheck(
        text,
        relation,
        b,
        p_low,
        p_high,
        meets,
        CONSISTENCY if meets else INCONSISTENT,
        decision_error,
        reason,
    )


# ------------------------------------------------------------------ the table


def is_mean_of_integers(row) -> bool:
    """Is a targets row a mean of whole numbers (GRIM and GRIMMER apply)?

    Read from the row's ``statistic`` (``mean_of_counts``) or, for a plain ``mean``, its
    ``unit`` (one of :data:`COUNT_UNITS`, such as ``sessions``); never from its id.

    Examples
    --------
    >>> is_mean_of_integers({"statistic": "mean_of_counts", "unit": "sessions"})
    True
    >>> is_mean_of_integers({"statistic": "mean", "unit": "yr"})
    False
    """
    statistic, unit = _text(row.get("statistic")), _text(row.get("unit"))
    return statistic in _INTEGER_STATISTICS or (statistic == "mean" and unit in COUNT_UNITS)


def _text(cell) -> str:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell is pd.NA:
        return ""
    return str(cell).strip()


def targets_tables(data_dir: Path | str | None = None) -> dict[str, Path]:
    """The targets tables in ``data_dir`` (default ``data/published``): name -> path.

    A CSV is a targets table when its header has every column of
    :data:`analysis.dataio.targets.COLUMNS` (those that may be left out aside); other CSVs
    there (a per-study literature table, the article's claims) are not.

    Examples
    --------
    >>> sorted(targets_tables())[:2]
    ['concurrent_training', 'estes2017']
    """
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    found = {}
    required = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS]
    for path in sorted(folder.glob("*.csv")):
        try:
            header = pd.read_csv(path, nrows=0, comment="#").columns
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
            continue
        if all(c in header for c in required):
            found[path.stem] = path
    return found


def _resolve(studies, data_dir) -> dict[str, Path]:
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    if studies is None:
        return targets_tables(folder)
    if isinstance(studies, str | PathLike):
        studies = [studies]
    chosen: dict[str, Path] = {}
    for study in studies:
        if isinstance(study, PathLike) or str(study).endswith(".csv"):
            name, path = Path(study).stem, Path(study)
        else:
            name, path = str(study), folder / f"{study}.csv"
        if name in chosen:  # the table's name is its study: two would be one in the table
            raise InputError(
                f"two targets tables are named {name}: {chosen[name]} and {path}. The study "
                "column of the table is the file's name: copy one under another name, or "
                "check them one at a time."
            )
        chosen[name] = path
    return chosen


def _key(row: dict) -> tuple[str, str, str]:
    return (_text(row.get("quantity")), _text(row.get("group")), _text(row.get("time")))


def _mean_text(row: dict) -> str:
    unit = _text(row.get("unit"))
    unit = f" {unit}" if unit else ""
    n = _text(row.get("n"))
    n = f" (n = {_count_text(n)})" if n else ""
    dispersion = _text(row.get("dispersion"))
    if dispersion:
        kind = _text(row.get("dispersion_type"))
        kind = "" if kind == "pm" else f" {kind}"
        return f"{_text(row.get('value'))} ± {dispersion}{kind}{unit}{n}"
    return f"{_text(row.get('value'))}{unit}{n}"


def _count_text(text: str) -> str:
    try:
        return str(int(float(text))) if float(text).is_integer() else text
    except ValueError:
        return text


def _p_text(row: dict) -> str:
    return f"p {_text(row.get('relation')) or '='} {_text(row.get('value'))}"


def _reported(row: dict) -> str:
    statistic = _text(row.get("statistic"))
    if statistic in _MEAN_STATISTICS:
        return _mean_text(row)
    if statistic.startswith("p_"):
        return _p_text(row)
    unit = _text(row.get("unit"))
    return f"{_text(row.get('value'))} {unit}".strip() if len(unit) < 20 else _text(row["value"])


def _readings(row: dict) -> list[str]:
    kind = _text(row.get("dispersion_type"))
    if kind == "pm":
        return ["SEM", "SD"]
    return [_READINGS[kind.upper()]] if kind.upper() in _READINGS else []


def _n(row: dict) -> int | None:
    try:
        value = float(_text(row.get("n")))
    except ValueError:
        return None
    return int(value) if value.is_integer() and value >= 1 else None


def _integer_checks(row: dict, base: dict) -> list[dict]:
    n = _n(row)
    if n is None:
        return [dict(base, check="GRIM", verdict=NOT_APPLICABLE, reason="no n is given")]
    g = grim(_text(row["value"]), n)
    near = ", ".join(f"{x:.4g}" for x in g.nearest)
    out = [
        dict(
            base,
            check="GRIM",
            recomputed=near,
            verdict=g.verdict,
            consistent=g.consistent,
            reason=g.reason,
        )
    ]
    if _text(row.get("dispersion")) and n >= 2:
        for reading in _readings(row):
            r = grimmer(_text(row["value"]), _text(row["dispersion"]), n, reading=reading)
            near = ", ".join(f"{x:.4g}" for x in r.nearest)
            out.append(
                dict(
                    base,
                    check="GRIMMER",
                    reading=reading,
                    recomputed=f"{reading} {near}",
                    verdict=r.verdict,
                    consistent=r.consistent,
                    reason=r.reason,
                )
            )
    return out


def _p_checks(row: dict, means: list[dict], base: dict) -> list[dict]:
    out = []
    for mean in means:
        n = _n(mean)
        for reading in _readings(mean):
            entry = dict(
                base,
                check=f"p from mean ± {reading}",
                reading=reading,
                uses=mean["id"],
                reported=f"{_p_text(row)} for {_mean_text(mean)}",
            )
            if n is None or n < 2:
                out.append(dict(entry, verdict=NOT_APPLICABLE, reason="the mean has no n >= 2"))
                continue
            recomputed = recompute_p_from_mean(
                _text(mean["value"]), _text(mean["dispersion"]), n, reading
            )
            c = check_p(_p_text(row), recomputed)
            out.append(
                dict(
                    entry,
                    recomputed=recomputed.describe(),
                    verdict=c.verdict,
                    consistent=c.consistent,
                    reason=f"reading ± as {reading}: {c.reason} (two-sided one-sample t of "
                    f"{mean['id']} against 0)",
                )
            )
    return out


def _ci_check(row: dict, base: dict) -> dict:
    estimate, low, high, p = (_text(row.get(c)) for c in ("value", "ci_low", "ci_high", "p"))
    entry = dict(
        base,
        check="p from estimate and 95 % CI",
        reported=f"{estimate} (95 % CI {low} to {high}), p = {p}",
    )
    recomputed = recompute_p_from_ci(estimate, low, high)
    c = check_p(f"p = {p}", recomputed)
    reason = f"{c.reason} (normal approximation, SE from the width of the interval)"
    e, lo, hi = (Fraction(Decimal(x)) for x in (estimate, low, high))
    places = max(_printed(x).decimals for x in (estimate, low, high))
    if abs((lo + hi) / 2 - e) > Fraction(1, 10**places):
        reason += (
            f"; the interval is not symmetric about {estimate} (its midpoint is "
            f"{float((lo + hi) / 2):g}): not a symmetric Wald interval, or a misprint"
        )
    return dict(
        entry,
        recomputed=recomputed.describe(),
        verdict=c.verdict,
        consistent=c.consistent,
        reason=reason,
    )


def _not_applicable(row: dict, feeds: list[str]) -> str:
    statistic = _text(row.get("statistic"))
    if statistic in _MEAN_STATISTICS:
        unit = _text(row.get("unit"))
        why = f"not a mean of integers (unit {unit})" if unit else "not a mean of integers"
        if feeds:
            return f"{why}; its p-value is checked under {', '.join(feeds)}"
        return f"{why}, and no p-value refers to it"
    if statistic == "p_value":
        return (
            "a p-value without its test statistic: no mean ± dispersion is published for "
            f"{' / '.join(x for x in _key(row) if x) or 'its quantity'}"
        )
    if statistic.startswith("p_"):
        return f"a significance statement ({statistic}) without its test statistic"
    if statistic in _NOT_CHECKABLE:
        return _NOT_CHECKABLE[statistic]
    return f"no consistency check applies to a {statistic or 'row without a statistic'}"


def _study_rows(study: str, path: Path) -> list[dict]:
    load_targets(study, path)  # checks the table as every other reader does
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    records = raw.to_dict("records")
    published = [r for r in records if _text(r.get("kind")) == "published"]
    means: dict[tuple, list[dict]] = {}
    for r in published:
        if _text(r.get("statistic")) in _MEAN_STATISTICS and _text(r.get("dispersion")):
            means.setdefault(_key(r), []).append(r)
    feeds: dict[str, list[str]] = {}
    p_rows = [r for r in published if _text(r.get("statistic")) == "p_value"]
    for r in p_rows:
        for mean in means.get(_key(r), []):
            feeds.setdefault(mean["id"], []).append(r["id"])
    out = []
    for position, r in enumerate(records):
        if _text(r.get("kind")) != "published":
            continue
        try:
            out += _row_checks(study, r, means, feeds)
        except InputError as exc:  # a number no check can read: say where it is
            raise InputError(
                f"{describe_location(path, position)} (id {r['id']}): {exc}. Fix that row of "
                "the targets table."
            ) from None
    return out


def _row_checks(study: str, r: dict, means: dict, feeds: dict) -> list[dict]:
    """The checks of one published row (see :func:`consistency_table`)."""
    statistic = _text(r.get("statistic"))
    base = {
        "study": study,
        "id": r["id"],
        "quantity": _text(r.get("quantity")),
        "group": _text(r.get("group")),
        "time": _text(r.get("time")),
        "statistic": statistic,
        "reported": _reported(r),
        "check": "",
        "reading": "",
        "uses": "",
        "recomputed": "",
        "consistent": None,
    }
    checks = []
    if is_mean_of_integers(r):
        checks += _integer_checks(r, base)
    if statistic == "p_value" and means.get(_key(r)):
        checks += _p_checks(r, means[_key(r)], base)
    if all(_text(r.get(c)) for c in ("ci_low", "ci_high", "p")):
        checks.append(_ci_check(r, base))
    if not checks:
        checks.append(
            dict(base, verdict=NOT_APPLICABLE, reason=_not_applicable(r, feeds.get(r["id"], [])))
        )
    return checks


def consistency_table(
    studies: Iterable[str | PathLike] | str | None = None, data_dir: Path | str | None = None
) -> pd.DataFrame:
    """Every consistency check of every ``published`` row of the targets tables.

    One row per check, and at least one per published row; a row no check applies to has
    the verdict ``"not applicable"`` and says why. The checks:

    * ``GRIM`` on every mean of integers (:func:`is_mean_of_integers`: its ``statistic`` or
      ``unit`` says so), and ``GRIMMER`` on its dispersion, under each reading of the ``±``
      (``dispersion_type`` ``pm``: both ``SEM`` and ``SD``);
    * ``p from mean ± SEM`` / ``p from mean ± SD``: a ``p_value`` row is matched to the mean
      ± dispersion with the same ``quantity``, ``group`` and ``time``, read as the one-sample
      (paired) t-test of that within-group change against 0, two-sided, under each reading;
    * ``p from estimate and 95 % CI``: a row with ``ci_low``, ``ci_high`` and ``p`` (the
      concurrent-training table's extra columns), by :func:`recompute_p_from_ci`.

    Numbers are read as text from the CSV, so their printed decimals count (see the module
    docstring on trailing zeros a CSV may have lost).

    Parameters
    ----------
    studies : str, path or iterable of them, optional
        Study names (``"estes2017"``, looked up in ``data_dir``) or paths of targets CSVs;
        default: every targets table in ``data_dir`` (:func:`targets_tables`).
    data_dir : path, optional
        Default ``data/published``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONSISTENCY_COLUMNS`: study, id, quantity, group, time, statistic,
        reported (text), check, reading (``SEM``/``SD`` or empty), uses (the id of the row a
        p-value was recomputed from), recomputed, verdict (``consistent`` / ``inconsistent``
        / ``not applicable``), consistent, reason. ``consistent`` (nullable boolean) says
        whether the printed numbers are possible, or the printed p holds: True beside
        ``not applicable`` means "possible, but the check could not have failed" (GRIM at
        ``n >= 10**decimals``); it is missing where no check applies.

    Examples
    --------
    Estes 2017's 24.5 ± 0.6 sessions (n = 12): possible as a mean (294/12), though at n = 12
    GRIM cannot fail with one decimal; impossible if the ± is an SD:

    >>> t = consistency_table("estes2017")
    >>> sessions = t[t["id"] == "hiit_sessions"]
    >>> sessions[["check", "reading", "verdict", "consistent"]].values.tolist()
    [['GRIM', '', 'consistent', True], ['GRIMMER', 'SEM', 'consistent', True], ['GRIMMER', 'SD', 'inconsistent', False]]
    >>> t.loc[t["id"] == "hiit_csa_p", ["reading", "verdict"]].values.tolist()
    [['SEM', 'consistent'], ['SD', 'consistent']]
    """
    rows = []
    for study, path in _resolve(studies, data_dir).items():
        rows += _study_rows(study, path)
    table = pd.DataFrame(rows, columns=CONSISTENCY_COLUMNS)
    table["consistent"] = table["consistent"].astype("boolean")
    return table
