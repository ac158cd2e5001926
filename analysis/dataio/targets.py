"""Published targets: one CSV per study in ``data/published/``, the single source of truth.

Each row is one number the study reports (``published``), derives from reported numbers
(``inferred``), or that the replication has to assume (``assumed``), with its source. The
simulation reads its inputs from here and the scorecard its claims, so changing a number in the
CSV changes both.

Columns
-------
id : unique key used in code and as a keyword to override an assumption.
quantity, group, time : what the number describes (``csa_pct_change``, ``HIIT``, ``post``).
statistic : ``mean``, ``sd``, ``corr``, ``count``, ``p_value``, ``fold``..., or ``protocol``
    for a fact of the design (sessions per week) that is an input, not a claim to reproduce.
relation : ``=`` for a value, ``<`` or ``>`` for a bound such as p < 0.05.
value : the number.
dispersion, dispersion_type : the printed ``±`` and how it is read: ``SD``, ``SEM``, or ``pm``
    (printed as ``±`` without saying which; the ``dispersion`` argument of a study decides).
n : sample size the dispersion refers to.
unit, tolerance : unit and how far a reproduced value may be from a printed one.
kind : ``published``, ``inferred`` or ``assumed``.
claimed_by : who makes a claim: ``paper`` (the study's abstract), ``companion abstract``, or
    ``article`` (the popular article, not the paper); empty for assumptions.
source, note : citation (or reasoning) and remarks.
allowed : optional; the values an ``assumed`` number may be overridden with (see below). Tables
    without the column (older ones) load as if it were empty.
low, high, range_reason : optional, after the columns above (and after ``allowed``); for an
    ``assumed`` row, the documented plausible range the sensitivity analysis moves it over
    (:mod:`analysis.checks.sensitivity`: the tornado plots) and where that range comes from: a
    cited study's spread, ``shared/studies.md``, or a stated rule such as "half to double the
    assumed value" when nothing better exists (the reason says which). Both ends lie within the
    row's ``allowed`` rule and ``low <= value <= high``; a range may be given only for an
    ``assumed`` row, and with a reason. Empty for the other rows; tables without the columns
    load as if they were empty (:meth:`Targets.ranges` lists the filled ones).

Allowed values of an assumption
-------------------------------
``Targets.with_overrides`` refuses a value outside the meaning of the row, so a negative muscle
area or a correlation of 2 never reaches the simulation. The meaning is read from the row, in
this order:

1. the ``allowed`` cell, when it is filled in; its grammar::

       allowed    := conditions [";" reason]
       conditions := condition {" " condition}
       condition  := "integer"              a whole number
                   | op bound               op is one of  >  >=  <  <=
                   | bound ".." bound       a closed interval: both ends allowed
       bound      := number | id            id: another row of the table (its value in force)

   e.g. ``>0``, ``>0 <100``, ``-1..1``, ``integer >=0 <=control_n``. The optional ``reason``
   after ``;`` says why, for the error message.
2. otherwise the ``statistic`` (and ``quantity``/``unit``) column, where they are unambiguous:

   ========================================  =============  ==================================
   statistic                                 allowed        why
   ========================================  =============  ==================================
   ``sd``, ``sdlog``, ``sdlogit``            ``>=0``        an SD cannot be negative
   ``corr``                                  ``-1..1``      a correlation
   ``count``                                 ``integer >=0``  a count
   ``fold``, ``geomean``                     ``>0``         ratios of positive levels
   ``mean`` of a ``*_pct_change`` in ``%``   ``>-100``      -100 % leaves nothing
   ========================================  =============  ==================================

An assumed row with neither cannot be overridden (the error says to fill in ``allowed``).
Every value must also be a finite number, and the table's own values must satisfy their rules
(checked when the table is read).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, describe_location

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "published"

COLUMNS = [
    "id",
    "quantity",
    "group",
    "time",
    "statistic",
    "relation",
    "value",
    "dispersion",
    "dispersion_type",
    "n",
    "unit",
    "tolerance",
    "kind",
    "claimed_by",
    "source",
    "note",
    "allowed",
]
# columns a table may leave out; they are added empty when it is read
OPTIONAL_COLUMNS = ("allowed",)
# the plausible range of an assumption, after the standard columns; optional, added empty
RANGE_COLUMNS = ("low", "high", "range_reason")
KINDS = ("published", "inferred", "assumed")
RELATIONS = ("=", "<", ">")
DISPERSION_TYPES = ("SD", "SEM", "pm")
DISPERSION_READINGS = ("sem", "sd")


@dataclass(frozen=True)
class Bound:
    """One end of an allowed range: a number, or the id of another row of the table."""

    value: float | str
    inclusive: bool


@dataclass(frozen=True)
class Allowed:
    """The values an assumption may take, parsed from the grammar of the module docstring.

    Examples
    --------
    >>> rule = parse_allowed(">0 <100; a percentage")
    >>> rule.describe(), rule.problem(100.0), rule.problem(5.0) is None
    ('> 0 and < 100', 'it must be > 0 and < 100', True)
    >>> parse_allowed("integer >=0 <=n").problem(3.0, {"n": 2.0}.get)
    'it must be a whole number between 0 and n (2)'
    """

    text: str
    low: Bound | None = None
    high: Bound | None = None
    integer: bool = False
    reason: str = ""

    def ids(self) -> list[str]:
        """The other rows this rule refers to."""
        return [
            b.value for b in (self.low, self.high) if b is not None and isinstance(b.value, str)
        ]

    def describe(self, resolve=None) -> str:
        """``'>= 0'``, ``'between -1 and 1'``, ``'a whole number between 0 and control_n (5)'``."""

        def show(bound: Bound) -> str:
            if isinstance(bound.value, str):
                known = resolve(bound.value) if resolve is not None else None
                return bound.value if known is None else f"{bound.value} ({format_number(known)})"
            return format_number(bound.value)

        low, high = self.low, self.high
        if low is not None and high is not None and low.inclusive and high.inclusive:
            text = f"between {show(low)} and {show(high)}"
        else:
            parts = []
            if low is not None:
                parts.append(f"{'>=' if low.inclusive else '>'} {show(low)}")
            if high is not None:
                parts.append(f"{'<=' if high.inclusive else '<'} {show(high)}")
            text = " and ".join(parts) or "any number"
        return f"a whole number {text}" if self.integer else text

    def problem(self, value: float, resolve=None) -> str | None:
        """None if ``value`` is allowed, else ``'it must be ...'``.

        ``resolve(id)`` gives the value in force of a row a bound refers to.
        """

        def number(bound: Bound) -> float:
            return float(resolve(bound.value)) if isinstance(bound.value, str) else bound.value

        ok = not self.integer or float(value).is_integer()
        if ok and self.low is not None:
            low = number(self.low)
            ok = value >= low if self.low.inclusive else value > low
        if ok and self.high is not None:
            high = number(self.high)
            ok = value <= high if self.high.inclusive else value < high
        return None if ok else f"it must be {self.describe(resolve)}"


_OPERATORS = {">=": ("low", True), "<=": ("high", True), ">": ("low", False), "<": ("high", False)}


def _bound(text: str, inclusive: bool) -> Bound:
    try:
        value = float(text)
    except ValueError:
        if not text.isidentifier():
            raise ValueError(f"{text!r} is neither a number nor the id of a row") from None
        return Bound(text, inclusive)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return Bound(value, inclusive)


def parse_allowed(text: str) -> Allowed:
    """Read an ``allowed`` cell (grammar in the module docstring); ValueError if malformed.

    Examples
    --------
    >>> parse_allowed("-1..1").describe()
    'between -1 and 1'
    >>> parse_allowed(">=0").problem(-0.5)
    'it must be >= 0'
    """
    conditions, _, reason = str(text).partition(";")
    found: dict = {"low": None, "high": None}
    integer = False
    if not conditions.split():
        raise ValueError("no condition before the ';'")
    for word in conditions.split():
        if word == "integer":
            integer = True
            continue
        if ".." in word:
            low, _, high = word.partition("..")
            pairs = [("low", _bound(low, True)), ("high", _bound(high, True))]
        else:
            op = next((o for o in _OPERATORS if word.startswith(o)), None)
            if op is None:
                raise ValueError(
                    f"cannot read {word!r}; write conditions such as >0, >=0, <100, -1..1, integer"
                )
            side, inclusive = _OPERATORS[op]
            pairs = [(side, _bound(word[len(op) :], inclusive))]
        for side, bound in pairs:
            if found[side] is not None:
                raise ValueError(f"two {side}er bounds in {text!r}")
            found[side] = bound
    return Allowed(str(text).strip(), found["low"], found["high"], integer, reason.strip())


# statistic -> (allowed, why): the meaning of an assumed row that needs no `allowed` cell
_BY_STATISTIC = {
    "sd": (">=0", "a standard deviation cannot be negative"),
    "sdlog": (">=0", "a standard deviation (of the logarithm) cannot be negative"),
    "sdlogit": (">=0", "a standard deviation (of the logit) cannot be negative"),
    "corr": ("-1..1", "a correlation lies between -1 and 1"),
    "count": ("integer >=0", "a count is a whole number of at least 0"),
    "fold": (">0", "a fold change multiplies a positive level, so it must itself be positive"),
    "geomean": (">0", "a geometric mean exists only for positive values"),
}


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def allowed_for(row) -> Allowed | None:
    """The allowed values of a row (a mapping of the table's columns), or None if unknown.

    Examples
    --------
    >>> allowed_for({"statistic": "corr", "allowed": None}).describe()
    'between -1 and 1'
    >>> allowed_for({"statistic": "mean", "quantity": "csa_pct_change", "unit": "%"}).text
    '>-100'
    """
    cell = row.get("allowed")
    if not _is_blank(cell) and str(cell).strip():
        rule = parse_allowed(str(cell))
        if rule.reason:
            return rule
        quantity, unit = row.get("quantity"), row.get("unit")
        if rule.low is not None and rule.low.value == 0 and not rule.low.inclusive:
            what = quantity if _is_blank(unit) else f"{quantity} ({unit})"
            return Allowed(**{**rule.__dict__, "reason": f"{what} cannot be zero or negative"})
        return rule
    statistic, quantity, unit = row.get("statistic"), row.get("quantity"), row.get("unit")
    if statistic in _BY_STATISTIC:
        text, why = _BY_STATISTIC[statistic]
        return Allowed(**{**parse_allowed(text).__dict__, "reason": why})
    if (
        statistic == "mean"
        and isinstance(quantity, str)
        and quantity.endswith("_pct_change")
        and unit == "%"
    ):
        base = quantity.removesuffix("_pct_change")
        why = f"a change of -100 % or less would leave a zero or negative {base}"
        return Allowed(**{**parse_allowed(">-100").__dict__, "reason": why})
    return None


def format_number(value: float) -> str:
    """A number as a person would type it: ``20``, ``-0.5``, ``1e+300``, ``nan``.

    Examples
    --------
    >>> format_number(20.0), format_number(0.25), format_number(float("inf"))
    ('20', '0.25', 'inf')
    """
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _nonzero_number(value) -> bool:
    """A finite real number other than a bool or 0 (usable as a divisor), by the test
    :meth:`Targets.with_overrides` applies to every value."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value != 0
    )


def _numbers(column: pd.Series) -> pd.Series:
    """The column as floats, NaN where a cell is not a finite number."""
    numbers = pd.to_numeric(column, errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers))


def _whole_numbers(column: pd.Series) -> pd.Series:
    numbers = _numbers(column)
    return (numbers >= 1) & (numbers % 1 == 0)


def _check_table(table: pd.DataFrame, path: Path) -> None:
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {missing}. A targets table needs the columns {COLUMNS}."
        )
    checks = [
        ("id", table["id"].isna() | table["id"].duplicated(keep="first"), "a unique, non-empty id"),
        ("kind", ~table["kind"].isin(KINDS), f"one of {list(KINDS)}"),
        ("relation", ~table["relation"].isin(RELATIONS), f"one of {list(RELATIONS)}"),
        ("value", table["value"].isna(), "a number"),
        ("source", table["source"].isna(), "a source (citation or reasoning)"),
        (
            "claimed_by",
            (table["kind"] != "assumed") & table["claimed_by"].isna(),
            "who makes the claim (paper, companion abstract or article)",
        ),
        (
            "dispersion_type",
            table["dispersion"].notna() & ~table["dispersion_type"].isin(DISPERSION_TYPES),
            f"one of {list(DISPERSION_TYPES)} when a dispersion is given",
        ),
        ("n", table["dispersion"].notna() & table["n"].isna(), "the n of the dispersion"),
        ("value", table["value"].notna() & _numbers(table["value"]).isna(), "a number"),
        (
            "dispersion",
            table["dispersion"].notna() & ~(_numbers(table["dispersion"]) > 0),
            "a number above 0 (the printed ±), or an empty cell",
        ),
        (
            "n",
            table["n"].notna() & ~_whole_numbers(table["n"]),
            "a whole number of 1 or more (the sample size), or an empty cell",
        ),
    ]
    for column, bad, expected in checks:
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"{describe_location(path, row, column)}: got {table.iloc[row][column]!r}; "
                f"expected {expected}. Fix that cell of the targets table."
            )
    _check_allowed(table, path)
    _check_ranges(table, path)


def _check_ranges(table: pd.DataFrame, path: Path) -> None:
    """Every filled ``low``/``high`` belongs to an assumed row, has a reason, brackets the
    row's value and lies within its ``allowed`` rule (a range the simulation would refuse is
    no range)."""
    filled = np.flatnonzero((table["low"].notna() | table["high"].notna()).to_numpy())
    if not filled.size:
        return
    # plain arrays of the columns a rule reads, not pandas rows: this runs at every load
    columns = ["id", "kind", "value", "low", "high", "range_reason"]
    columns += ["allowed", "statistic", "quantity", "unit"]
    arrays = {c: table[c].to_numpy(dtype=object) for c in columns}
    values = dict(zip(arrays["id"], arrays["value"], strict=True))
    for position in filled:
        problem = _range_problem({c: arrays[c][position] for c in columns}, values)
        if problem is not None:
            column, text = problem
            where = describe_location(path, int(position), column)
            raise InputError(f"{where}: {text}. Fix the range of this row.")


def _range_problem(record: dict, values: dict) -> tuple[str, str] | None:
    """(column, what is wrong) with the range of one row, or None."""
    if record["kind"] != "assumed":
        return "low", f"a {record['kind']} number has no range; only an assumed one does"
    ends = {}
    for column in ("low", "high"):
        try:
            ends[column] = float(record[column])
        except (TypeError, ValueError):
            ends[column] = math.nan
        if not math.isfinite(ends[column]):
            return column, f"got {record[column]!r}; give both ends of the range as finite numbers"
    reason = record.get("range_reason")
    if _is_blank(reason) or not str(reason).strip():
        return "range_reason", "a range needs its reason (a source or a stated rule)"
    low, high, value = ends["low"], ends["high"], float(record["value"])
    if not low <= value <= high:
        return "low", (
            f"the range {format_number(low)} to {format_number(high)} does not contain the "
            f"row's value {format_number(value)}"
        )
    rule = allowed_for(record)
    for column, end in (("low", low), ("high", high)):
        problem = rule.problem(end, values.get) if rule is not None else None
        if problem is not None:
            return column, f"{format_number(end)} is outside the allowed values ({problem})"
    return None


def _check_allowed(table: pd.DataFrame, path: Path) -> None:
    """Every ``allowed`` cell parses, names existing rows, and admits its own row's value."""
    records = table.to_dict("records")
    values = {r["id"]: r["value"] for r in records}
    for position, record in enumerate(records):
        where = describe_location(path, position, "allowed")
        try:
            rule = allowed_for(record)
        except ValueError as exc:
            raise InputError(
                f"{where}: {exc}. Write it as in analysis.dataio.targets (e.g. >0, -1..1)."
            ) from None
        if rule is None or record["kind"] != "assumed":
            continue
        unknown = [i for i in rule.ids() if i not in values]
        if unknown:
            raise InputError(f"{where}: {unknown[0]!r} is not the id of a row of this table.")
        problem = rule.problem(float(record["value"]), values.get)
        if problem is not None:
            raise InputError(
                f"{where}: the row's own value {format_number(record['value'])} breaks its "
                f"rule ({problem}); fix the value or the rule."
            )


# id(table) -> (table, its rows by id, their allowed values by id, filled as read); a few
# tables at most (one per targets file version)
_ROWS: dict[int, tuple[pd.DataFrame, dict[str, pd.Series], dict[str, Allowed | None]]] = {}


@dataclass(frozen=True)
class Targets:
    """The targets of one study, with assumptions optionally overridden.

    Examples
    --------
    >>> t = load_targets("estes2017")
    >>> t.value("hiit_csa_pct_change")
    10.6
    >>> round(t.sd("hiit_csa_pct_change", "sem"), 4)
    9.3531
    >>> t.sd("hiit_csa_pct_change", "sd")
    2.7
    """

    study: str
    table: pd.DataFrame
    overrides: dict = field(default_factory=dict)

    @functools.cached_property
    def _kept(self) -> tuple[pd.DataFrame, dict[str, pd.Series], dict[str, Allowed | None]]:
        # filtering the table at every lookup cost ~2 ms; a batch or a grid reads rows
        # thousands of times (the id column is unique: checked when the table is read).
        # Shared by every Targets of the same table: a grid makes one per cell.
        kept = _ROWS.get(id(self.table))
        if kept is None or kept[0] is not self.table:
            if len(_ROWS) >= 16:
                _ROWS.pop(next(iter(_ROWS)))
            kept = _ROWS[id(self.table)] = (self.table, self._index(), {})
        return kept

    @property
    def _rows(self) -> dict[str, pd.Series]:
        return self._kept[1]

    def _index(self) -> dict[str, pd.Series]:
        return {row["id"]: row for _, row in self.table.iterrows()}

    def row(self, target_id: str) -> pd.Series:
        """The row with this id."""
        found = self._rows.get(target_id)
        if found is None:
            raise KeyError(f"{self.study} has no target with id {target_id!r}")
        return found

    def has(self, target_id: str) -> bool:
        """Whether the table has a row with this id."""
        return target_id in self._rows

    def value(self, target_id: str) -> float:
        """The number, or its override when the row is an assumption that was overridden."""
        if target_id in self.overrides:
            return float(self.overrides[target_id])
        return float(self.row(target_id)["value"])

    def count(self, target_id: str) -> int:
        """A count (group size, number of men) as an int."""
        value = self.value(target_id)
        if value != int(value) or value < 0:
            raise InputError(f"{self.study} target {target_id!r} must be a whole number")
        return int(value)

    def sd(self, target_id: str, dispersion: str = "sem") -> float:
        """The SD the printed dispersion implies under the given reading of ``±``."""
        if dispersion not in DISPERSION_READINGS:
            raise InputError(f"dispersion must be one of {DISPERSION_READINGS}, got {dispersion!r}")
        row = self.row(target_id)
        kind = row["dispersion_type"]
        if pd.isna(row["dispersion"]):
            raise KeyError(f"{self.study} target {target_id!r} has no dispersion")
        spread = float(row["dispersion"])
        if kind == "SEM" or (kind == "pm" and dispersion == "sem"):
            return spread * math.sqrt(float(row["n"]))
        return spread

    def assumed_ids(self) -> list[str]:
        return self.table.loc[self.table["kind"] == "assumed", "id"].tolist()

    def allowed(self, target_id: str) -> Allowed | None:
        """The values this row may be overridden with (see the module docstring), or None.

        Examples
        --------
        >>> t = load_targets("estes2017")
        >>> t.allowed("control_csa_pct_change_sd").describe()
        '>= 0'
        >>> t.allowed("control_n_male").describe(t.value)
        'a whole number between 0 and control_n (5)'
        """
        # parsed once per table and row (Allowed is frozen): a grid cell checks every
        # override it sets, and parsing one costs about 0.07 ms
        rules = self._kept[2]
        if target_id not in rules:
            rules[target_id] = allowed_for(self.row(target_id).to_dict())
        return rules[target_id]

    def with_overrides(self, **assumptions: float) -> Targets:
        """A copy in which assumed numbers are replaced; published numbers cannot be.

        Each value must be a finite number within the meaning of its row (:meth:`allowed`):
        an SD of -1, a correlation of 1.5 or a negative muscle area raise
        :class:`~analysis.errors.InputError` naming the assumption, the value, the allowed
        range and why, before any simulation starts.

        Examples
        --------
        >>> load_targets("estes2017").with_overrides(control_csa_pct_change_sd=5).value(
        ...     "control_csa_pct_change_sd")
        5.0
        >>> try:
        ...     load_targets("estes2017").with_overrides(control_csa_pre_mean=-20)
        ... except InputError as exc:
        ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
        estes2017 assumption control_csa_pre_mean = -20 is not allowed: it must be > 0
        (csa_cm2 (cm2) cannot be zero or negative); the default is 20.
        """
        values = {}
        for key, value in assumptions.items():
            if not self.has(key):
                renamed = RENAMED_ASSUMPTIONS.get((self.study, key))
                if renamed is not None:
                    new, pre, what = renamed
                    base = assumptions.get(pre, self.value(pre))
                    give = f"{new} (default {self.value(new):g})"
                    if _nonzero_number(value) and _nonzero_number(base):
                        give = f"{new}={value / base:.4g} ({value:g} / {pre} = {base:g})"
                    raise InputError(
                        f"{self.study}: {key!r} is now {new!r}, the {what} after the race as a "
                        f"multiple of {pre} (so that moving the pre-race level moves every "
                        f"time with it): give {give}."
                    )
                raise InputError(
                    f"{self.study} has no assumption named {key!r}. "
                    f"Assumptions: {', '.join(self.assumed_ids())}."
                )
            row = self.row(key)
            kind = row["kind"]
            if kind != "assumed":
                raise InputError(
                    f"{key!r} is a {kind} number of {self.study}, not an assumption; edit "
                    f"data/published/{self.study}.csv if the published value is wrong."
                )
            default = format_number(row["value"])
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise InputError(
                    f"{self.study} assumption {key} = {value!r} is not a number; give a number "
                    f"such as the default {default}."
                )
            if not math.isfinite(float(value)):
                raise InputError(
                    f"{self.study} assumption {key} = {format_number(value)} is not a finite "
                    f"number; give a number such as the default {default}."
                )
            if self.allowed(key) is None:
                raise InputError(
                    f"{self.study} assumption {key} has no stated range of allowed values, so it "
                    f"cannot be overridden; fill in its 'allowed' cell in "
                    f"data/published/{self.study}.csv (grammar in analysis.dataio.targets)."
                )
            values[key] = float(value)
        new = Targets(self.study, self.table, {**self.overrides, **values})
        # checked on the new targets: a bound may name another row that is overridden too
        for key, value in values.items():
            rule = new.allowed(key)
            problem = rule.problem(value, new.value)
            if problem is not None:
                why = f" ({rule.reason})" if rule.reason else ""
                raise InputError(
                    f"{self.study} assumption {key} = {format_number(value)} is not allowed: "
                    f"{problem}{why}; the default is {format_number(self.row(key)['value'])}."
                )
        return new

    def published(self) -> pd.DataFrame:
        """The published and inferred rows, in the columns a reader needs."""
        keep = self.table["kind"] != "assumed"
        dropped = ("time", "tolerance", "claimed_by", "note", "allowed")
        cols = [c for c in COLUMNS if c not in dropped]
        return self.table.loc[keep, cols].reset_index(drop=True)

    def ranges(self) -> pd.DataFrame:
        """The assumed rows that have a documented range: ``id, value`` (the table's
        default, not an override), ``low, high, unit, range_reason``.

        Examples
        --------
        >>> r = load_targets("estes2017").ranges().set_index("id")
        >>> r.loc["control_csa_pct_change_sd", ["low", "value", "high"]].tolist()
        [1.5, 3.0, 6.0]
        """
        keep = (self.table["kind"] == "assumed") & self.table["low"].notna()
        columns = ["id", "value", "low", "high", "unit", "range_reason"]
        rows = self.table.loc[keep, columns].reset_index(drop=True)
        return rows.astype({"value": float, "low": float, "high": float})

    def assumptions(self) -> pd.DataFrame:
        """The assumed rows with the values in force (overrides applied) and their sources."""
        rows = self.table[self.table["kind"] == "assumed"].copy()
        rows["value"] = [self.value(i) for i in rows["id"]]
        return rows[
            ["id", "quantity", "group", "statistic", "value", "unit", "source", "note"]
        ].reset_index(drop=True)

    def claims(self) -> pd.DataFrame:
        """Rows the scorecard checks: published and inferred numbers, except protocol facts."""
        keep = (self.table["kind"] != "assumed") & (self.table["statistic"] != "protocol")
        return self.table[keep].reset_index(drop=True)


def load_targets(study: str, path: Path | str | None = None) -> Targets:
    """Read and check ``data/published/<study>.csv``.

    The parsed table is kept while the file is unchanged (same size and modification time):
    assumption grids read it thousands of times. It is shared, so treat ``Targets.table`` as
    read-only (every method does).
    """
    path = Path(path) if path is not None else DATA_DIR / f"{study}.csv"
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None:
        return _read_targets(study, path)
    # abspath, not resolve: no system call per read (a grid cell reads the table each time)
    slot, stamp = (study, os.path.abspath(path)), (stat.st_mtime_ns, stat.st_size)
    cached = _LOADED.get(slot)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    targets = _read_targets(study, path)
    _LOADED[slot] = (stamp, targets)  # one version per file: memory stays flat
    return targets


_LOADED: dict[tuple[str, str], tuple[tuple[int, int], Targets]] = {}

# Assumptions whose id changed: (study, old id) -> (new id, the row it is a multiple of, what
# it is), so that a script written before is told what to give instead (2026-11-28: the running
# study's comet levels after the race became multiples of the pre-race level).
RENAMED_ASSUMPTIONS = {
    ("ryu2016", f"tail_{old}_{time}"): (f"tail_{new}_fold_{time}", pre, what)
    for old, new, pre, what in (
        ("dna_pct", "dna", "tail_dna_pct_pre", "median % DNA in tail"),
        ("length", "length", "tail_length_pre", "tail length"),
    )
    for time in ("post", "day3")
}


def _separator_hint(path: Path) -> str:
    """A sentence naming the separator when the header is split by semicolons or tabs, as a
    spreadsheet in many locales saves "CSV"; otherwise an empty string."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            lines = (line.split("#")[0] for line in handle)  # as read_csv(comment="#")
            header = next((line for line in lines if line.strip()), "")
    except OSError:
        return ""
    name, count = max(
        (("semicolons", header.count(";")), ("tabs", header.count("\t"))),
        key=lambda found: found[1],
    )
    if count <= header.count(","):
        return ""
    return (
        f" Its header is separated by {name}; a targets table is separated by commas, with a "
        "point for decimals, as the tables in data/published/ are. Save it as comma-separated "
        "CSV (in Excel: 'CSV UTF-8 (Comma delimited)')."
    )


def _read_targets(study: str, path: Path) -> Targets:
    try:
        table = pd.read_csv(
            path,
            dtype={"id": str, "group": str, "time": str, "allowed": str, "range_reason": str},
            comment="#",
        )
    except FileNotFoundError:
        raise InputError(f"{path}: no such targets table.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())  # pandas ends its message with a newline
        raise InputError(
            f"{path}: cannot be read as CSV ({reason}).{_separator_hint(path)}"
        ) from None
    if len(table.columns) == 1 and (hint := _separator_hint(path)):
        raise InputError(f"{path}: the whole header is read as one column.{hint}")
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = pd.Series([None] * len(table), dtype=object)
    for column in RANGE_COLUMNS:  # added after every other column, as in a table that has them
        if column not in table.columns:
            dtype = object if column == "range_reason" else float
            table[column] = pd.Series([None] * len(table), dtype=dtype)
    _check_table(table, path)
    return Targets(study, table)
