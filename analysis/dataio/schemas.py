"""What a study's data file must hold, and the check that reports every problem at once.

A researcher who brings real data gets either a clean long table or one
:class:`~analysis.errors.InputError` that lists **every** problem, grouped by rule: the
file, the real line numbers (or sheet rows), the column, the offending values and the fix.
Cell-level rules (numbers, finiteness, plausible ranges, labels) run through a pandera schema
with ``lazy=True``; the rules pandera has no check for (ids with control characters, unit
mistakes, duplicate rows, a subject in two groups, a subject attribute that changes) are
written here by hand.

The plausible range of each measure is stated once, in the study's :class:`DataSpec`, with
the source it comes from.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, InputError

# Cells these strings fill are missing values, as pandas' read_csv would read them.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", ".", "#n/a"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SHOWN_LINES = 6
_SHOWN_VALUES = 3


@dataclass(frozen=True)
class Measure:
    """A numeric column: unit, plausible range with its source, and likely unit mistakes.

    ``low``/``high`` bound the plausible values (None: unbounded); ``low`` is exclusive
    unless ``low_inclusive``. ``per_subject`` marks a quantity that cannot change between a
    subject's rows (age, height). ``unit_mistakes`` lists windows ``(low, high, unit, fix)``:
    when most of a column's values lie in such a window, the file was most likely written in
    that other unit (the column's median lies in the window, where no real value in this
    unit lies), and the message says so instead of listing every value.
    """

    unit: str
    low: float | None
    high: float | None
    source: str
    low_inclusive: bool = False
    per_subject: bool = False
    unit_mistakes: tuple[tuple[float, float, str, str], ...] = ()  # low, high, unit, fix

    def range_text(self) -> str:
        """``'> 0 and ≤ 100000 U/L'``: the allowed values, for a message."""
        parts = []
        if self.low is not None:
            parts.append(f"{'≥' if self.low_inclusive else '>'} {self.low:g}")
        if self.high is not None:
            parts.append(f"≤ {self.high:g}")
        return " and ".join(parts) + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True)
class DataSpec:
    """What one study's long-format data must look like.

    ``factors`` maps a label column to its allowed labels (``subject_factors`` are constant
    within a subject, e.g. group and sex); ``measures`` maps a numeric column to its
    :class:`Measure`. Columns in ``optional`` may be absent.
    """

    study: str
    subject: str
    time: str
    factors: Mapping[str, Sequence[str]]
    measures: Mapping[str, Measure]
    subject_factors: Sequence[str] = ()
    optional: Sequence[str] = ()
    group: str = "group"

    @property
    def columns(self) -> list[str]:
        """Every column the study knows, in the order of its data files."""
        return list(dict.fromkeys([self.subject, *self.factors, *self.measures]))

    @property
    def required(self) -> list[str]:
        return [c for c in self.columns if c not in self.optional]

    @property
    def per_time_measures(self) -> list[str]:
        """Measures that may differ between a subject's timepoints (columns of a wide file)."""
        return [m for m, spec in self.measures.items() if not spec.per_subject]

    @property
    def per_subject_columns(self) -> list[str]:
        """Columns that describe the subject and are the same on each of its rows."""
        return [*self.subject_factors, *(m for m, s in self.measures.items() if s.per_subject)]


@dataclass
class Problem:
    """One rule broken, on one column, by one or more rows."""

    rule: str
    fix: str
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    values: list = field(default_factory=list)


class _Locator:
    """Turns row positions into what the user sees: file lines, sheet rows or data rows."""

    def __init__(self, n_rows: int, lines: Sequence[int] | None, word: str):
        self.lines = np.asarray(lines if lines is not None else np.arange(1, n_rows + 1))
        self.word = word

    def __call__(self, rows: Sequence[int]) -> str:
        numbers = sorted({int(self.lines[r]) for r in rows})
        if not numbers:
            return ""
        if len(numbers) == 1:
            return f"{self.word} {numbers[0]}"
        shown = ", ".join(map(str, numbers[:_SHOWN_LINES]))
        more = len(numbers) - _SHOWN_LINES
        tail = f" and {more} more" if more > 0 else ""
        return f"{self.word}s {shown}{tail} ({len(numbers)} rows)"


def _values_text(values: Sequence) -> str:
    distinct = list(dict.fromkeys(_show(v) for v in values))
    shown = ", ".join(distinct[:_SHOWN_VALUES])
    return shown + (", ..." if len(distinct) > _SHOWN_VALUES else "")


def _show(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return repr(str(value))


def format_problems(problems: Sequence[Problem], source, locate: _Locator) -> str:
    """The one message of a failed validation: a head line, then one line per problem."""
    lines = [
        f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the data; "
        "nothing was analysed or written. Fix these and run again:"
    ]
    for p in problems:
        where = [f'column "{p.column}"'] if p.column is not None else []
        if p.rows:
            where.append(locate(p.rows))
        if p.values:
            where.append(f"value{'s' if len(p.values) > 1 else ''} {_values_text(p.values)}")
        lines.append(f"  - {p.rule}: {', '.join(where)}{' — ' if where else ''}{p.fix}")
    return "\n".join(lines)


# --- columns -------------------------------------------------------------------------------


def _column_problems(columns: Sequence[str], spec: DataSpec) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for position, name in enumerate(columns, 1):
        if name in seen:
            problems.append(
                Problem(
                    "duplicated column name",
                    f"columns {seen[name]} and {position} are both called {name!r}; rename or "
                    "delete one (only one column may hold each quantity).",
                    column=name,
                )
            )
        seen.setdefault(name, position)
    unknown = [c for c in columns if c not in spec.columns]
    for name in spec.required:
        if name in seen:
            continue
        hint = _closest(name, unknown)
        problems.append(
            Problem(
                "missing column",
                (f"rename {hint!r} to {name!r}" + _case_hint(name, hint) + ".")
                if hint
                else f"add it (see the template data/templates/{spec.study}_long.csv).",
                column=name,
            )
        )
    return problems


def _closest(name: str, candidates: Sequence[str]) -> str | None:
    folded = {re.sub(r"[\s_\-.()]", "", c.lower()): c for c in candidates}
    key = re.sub(r"[\s_\-.()]", "", name.lower())
    if key in folded:
        return folded[key]
    match = difflib.get_close_matches(name.lower(), [c.lower() for c in candidates], 1, 0.75)
    if match:
        return next(c for c in candidates if c.lower() == match[0])
    # a unit left off or added: "ck" for "ck_u_l", "csa" for "csa_cm2"
    stem = name.lower().split("_")[0]
    prefixed = [c for c in candidates if c.lower().split("_")[0] == stem and len(stem) >= 2]
    return prefixed[0] if len(prefixed) == 1 else None


def _case_hint(name: str, found: str) -> str:
    if name.lower() == found.strip().lower():
        return " (only case or spaces differ; names must match exactly)"
    return " (closest name in the file)"


# --- cells ---------------------------------------------------------------------------------


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as text, ids kept exactly: ``"001"`` stays ``"001"``, a whole float ``3.0`` is
    ``"3"`` (a spreadsheet's number), missing stays missing."""

    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        return str(value)

    return series.map(one).astype(object)


def _is_missing_text(series: pd.Series) -> pd.Series:
    return series.isna() | series.map(
        lambda v: isinstance(v, str) and v.strip().lower() in MISSING_TOKENS
    )


def _numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column as floats, and a mask of the cells that held text that is not a number."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float), pd.Series(False, index=series.index)
    text = _as_text(series)
    missing = _is_missing_text(text)
    cleaned = text.where(~missing).map(lambda v: v.strip() if isinstance(v, str) else v)
    values = pd.to_numeric(cleaned, errors="coerce").astype(float)
    not_number = ~missing & values.isna()
    return values, not_number


def _subject_ids(series: pd.Series, locate: _Locator, problems: list[Problem]) -> pd.Series:
    """Subject ids as text, exactly as written; spaces around them stripped with a warning."""
    ids = _as_text(series)
    missing = _is_missing_text(ids) & ~ids.map(lambda v: isinstance(v, str) and v.strip() != "")
    control = ids.map(lambda v: isinstance(v, str) and bool(_CONTROL.search(v.strip())))
    if control.any():
        rows = np.flatnonzero(control)
        problems.append(
            Problem(
                "control character in a subject id",
                "ids may not hold tabs, NULs or other control characters; retype the id.",
                column=series.name,
                rows=list(rows),
                values=[ids.iloc[r] for r in rows],
            )
        )
    if missing.any():
        problems.append(
            Problem(
                "missing subject id",
                "every row needs the id of its subject.",
                column=series.name,
                rows=list(np.flatnonzero(missing)),
            )
        )
    stripped = ids.map(lambda v: v.strip() if isinstance(v, str) else v)
    padded = (stripped != ids) & ids.notna() & ~control
    if padded.any():
        rows = np.flatnonzero(padded)
        warnings.warn(
            f"spaces around {len(rows)} subject id(s) removed ({locate(rows)}, e.g. "
            f"{ids.iloc[rows[0]]!r} -> {stripped.iloc[rows[0]]!r}); ids are otherwise kept as "
            "written.",
            DataWarning,
            stacklevel=3,
        )
    return stripped


def _label_problems(
    column: str, labels: pd.Series, allowed: Sequence[str], problems: list[Problem]
) -> None:
    missing = labels.isna() | labels.map(lambda v: isinstance(v, str) and v.strip() == "")
    if missing.any():
        problems.append(
            Problem(
                "missing label",
                f"write one of {list(allowed)}.",
                column=column,
                rows=list(np.flatnonzero(missing)),
            )
        )
    unknown = ~missing & ~labels.isin(list(allowed))
    if not unknown.any():
        return
    folded = {a.lower(): a for a in allowed}
    near = unknown & labels.map(lambda v: isinstance(v, str) and v.strip().lower() in folded)
    for mask, fix in (
        (
            near,
            f"only case or spaces differ from the allowed labels {list(allowed)}; write "
            "them exactly.",
        ),
        (unknown & ~near, f"the allowed labels are {list(allowed)}."),
    ):
        if mask.any():
            rows = np.flatnonzero(mask)
            problems.append(
                Problem("unknown label", fix, column, list(rows), [labels.iloc[r] for r in rows])
            )


def _pandera_schema(spec: DataSpec, present: Sequence[str]):
    import pandera.pandas as pa

    columns = {}
    for name, measure in spec.measures.items():
        if name not in present:
            continue
        checks = [pa.Check(lambda s: ~np.isinf(s), name="finite", ignore_na=True)]
        if measure.low is not None:
            check = pa.Check.ge if measure.low_inclusive else pa.Check.gt
            checks.append(check(measure.low))
        if measure.high is not None:
            checks.append(pa.Check.le(measure.high))
        columns[name] = pa.Column(float, checks, nullable=True)
    return pa.DataFrameSchema(columns, strict=False)


def _cell_problems(numbers: pd.DataFrame, spec: DataSpec, problems: list[Problem]) -> None:
    """Non-finite and out-of-range values (pandera, every failure at once), unit mistakes."""
    import pandera.errors

    try:
        _pandera_schema(spec, list(numbers.columns)).validate(numbers, lazy=True)
        failures = pd.DataFrame(columns=["column", "check", "index"])
    except pandera.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    for name in numbers.columns:
        measure = spec.measures[name]
        values = numbers[name]
        mistake = _unit_mistake(values, measure)
        if mistake is not None:
            window_unit, fix, rows = mistake
            problems.append(
                Problem(
                    "likely unit mistake",
                    f"most values look like {window_unit}, not {measure.unit}; {fix}.",
                    name,
                    rows,
                    [values.iloc[r] for r in rows],
                )
            )
            continue
        mine = failures[failures["column"] == name]
        for checks, rule, fix in (
            (
                ("finite",),
                "not a finite number",
                "write a finite number, or leave the cell empty if it was not measured.",
            ),
            (
                ("greater_than", "less_than"),
                "implausible value",
                f"{name} must be {measure.range_text()} (plausible "
                f"range: {measure.source}); check the value and its unit.",
            ),
        ):
            failed = mine["check"].astype(str).str.startswith(checks)
            rows = sorted({int(i) for i in mine.loc[failed, "index"].dropna()})
            rows = [r for r in rows if checks == ("finite",) or np.isfinite(values.iloc[r])]
            if rows:
                problems.append(Problem(rule, fix, name, rows, [values.iloc[r] for r in rows]))


def _unit_mistake(values: pd.Series, measure: Measure):
    present = values.dropna()
    present = present[np.isfinite(present)]
    if present.empty:
        return None
    for low, high, unit, fix in measure.unit_mistakes:
        if low <= present.median() <= high:
            rows = list(np.flatnonzero(values.between(low, high)))
            return unit, fix, rows
    return None


# --- structure -----------------------------------------------------------------------------


def _structure_problems(data: pd.DataFrame, spec: DataSpec, problems: list[Problem]) -> None:
    subject, time = spec.subject, spec.time
    usable = data[subject].notna() & data[time].notna()
    keys = data.loc[usable, [subject, time]]
    repeated = keys.duplicated(keep=False)
    if repeated.any():
        rows = list(keys.index[repeated])
        pairs = keys[repeated].drop_duplicates()
        examples = ", ".join(f"{s} at {t}" for s, t in pairs.head(3).itertuples(index=False))
        problems.append(
            Problem(
                f"more than one row per {subject} x {time}",
                f"{len(pairs)} {subject} x {time} pair(s) appear twice or more (e.g. {examples}); "
                "keep one row for each.",
                subject,
                rows,
            )
        )
    for column in spec.per_subject_columns:
        if column not in data.columns:
            continue
        values = data.loc[data[subject].notna(), [subject, column]].dropna()
        if column in spec.factors:  # a wrong label is reported once, as a wrong label
            values = values[values[column].isin(list(spec.factors[column]))]
        varies = values.groupby(subject, sort=False)[column].transform("nunique") > 1
        if not varies.any():
            continue
        subjects = list(dict.fromkeys(values.loc[varies, subject]))
        rule = (
            f"{subject} in two {column}s"
            if column == spec.group
            else f"{column} changes within a {subject}"
        )
        problems.append(
            Problem(
                rule,
                f"{len(subjects)} {subject}(s) ({', '.join(map(str, subjects[:3]))}"
                f"{', ...' if len(subjects) > 3 else ''}) have more than one {column}; it "
                f"describes the {subject} and must be the same on each of its rows (or two "
                "people share an id: give them different ids).",
                column,
                list(values.index[varies]),
            )
        )


def validate(
    df: pd.DataFrame,
    spec: DataSpec,
    source: str | Path = "<data>",
    *,
    lines: Sequence[int] | None = None,
    locator: str = "row",
) -> pd.DataFrame:
    """Check ``df`` against ``spec``; return a clean long table or raise one error.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject x time. Cells may be text (as read from a file) or numbers.
    spec : DataSpec
        The study's rules.
    source : str or Path
        Named in every message.
    lines, locator : optional
        Where each row stands in the user's file (``locator="line"`` with the real line
        numbers of a CSV, ``"row"`` with sheet rows); default: data rows counted from 1.

    Returns
    -------
    pandas.DataFrame
        The study's columns in order (optional ones when present): subject ids and labels as
        text exactly as written (spaces around ids removed, with a :class:`DataWarning`),
        measures as floats (empty cells are NaN: not measured).

    Raises
    ------
    InputError
        Listing every problem, grouped by rule, with lines, values and fixes.

    Examples
    --------
    >>> from analysis.studies.estes2017 import DATA_SPEC
    >>> bad = pd.DataFrame({"subject": ["01", "01"], "group": ["HIIT", "hiit"],
    ...     "sex": ["F", "F"], "time": ["pre", "post"], "csa_cm2": [20.1, 250.0],
    ...     "vo2max_rel": [40, 42], "vo2max_abs": [2.6, 2.7], "body_mass_kg": [64, 64]})
    >>> try:
    ...     validate(bad, DATA_SPEC, "my.csv")
    ... except InputError as e:
    ...     for line in str(e).splitlines()[1:]:
    ...         print(line.split(" — ")[0])
      - unknown label: column "group", row 2, value 'hiit'
      - implausible value: column "csa_cm2", row 2, value 250
    """
    columns = [str(c) for c in df.columns]
    locate = _Locator(len(df), lines, locator)
    if not set(columns) & set(spec.required):
        shown = ", ".join(repr(c) for c in columns[:6]) + (", ..." if len(columns) > 6 else "")
        raise InputError(
            f"{source}: none of the columns of a {spec.study} file (it has {shown}; a "
            f"{spec.study} file has {', '.join(spec.required)}). Is it the right file, or the "
            f"right study? Start from data/templates/{spec.study}_long.csv."
        )
    problems = _column_problems(columns, spec)
    if problems:
        raise InputError(format_problems(problems, source, locate))
    if df.empty:
        raise InputError(
            f"{source}: has a header but no data rows; add one row per subject x time."
        )
    extra = [c for c in columns if c not in spec.columns]
    if extra:
        warnings.warn(
            f"{source}: column(s) {extra} are not used by {spec.study} and were ignored.",
            DataWarning,
            stacklevel=2,
        )

    raw = df.reset_index(drop=True)
    present = [c for c in spec.columns if c in columns]
    out = pd.DataFrame(index=raw.index)
    out[spec.subject] = _subject_ids(raw[spec.subject], locate, problems)
    for name, allowed in spec.factors.items():
        if name in present:
            out[name] = _as_text(raw[name])
            _label_problems(name, out[name], allowed, problems)
    numbers = {}
    for name in spec.measures:
        if name not in present:
            continue
        values, not_number = _numbers(raw[name])
        if not_number.any():
            rows = np.flatnonzero(not_number)
            problems.append(
                Problem(
                    "not a number",
                    "write a plain number such as 12.5 (no units or thousands separators), or "
                    "leave the cell empty if it was not measured.",
                    name,
                    list(rows),
                    [raw[name].iloc[r] for r in rows],
                )
            )
        numbers[name] = values
    numbers = pd.DataFrame(numbers, index=raw.index)
    _cell_problems(numbers, spec, problems)
    for name in numbers.columns:
        out[name] = numbers[name]
    _structure_problems(out, spec, problems)
    if problems:
        raise InputError(format_problems(problems, source, locate))
    for name in [spec.subject, *(f for f in spec.factors if f in present)]:
        out[name] = out[name].astype(str)
    return out[present]
