"""Validation of a study's data file (pandera), turned into one clear message.

A researcher who brings real data gets either a validated DataFrame or an :class:`InputError`
that names the file, the line, the column and the fix: never a traceback from inside pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError, describe_location

_MAX_PROBLEMS = 5


@dataclass(frozen=True)
class DataSpec:
    """What one study's long-format data file must look like.

    ``factors`` maps a column to its allowed levels; ``subject_columns`` are constant within a
    subject (group, sex, age...); ``measures`` maps a numeric column to its (low, high) bounds,
    where a bound of None means unbounded and the low bound is exclusive (values must be > low)
    unless it is listed in ``inclusive_low``.
    """

    study: str
    subject: str
    time: str
    factors: Mapping[str, Sequence[str]]
    measures: Mapping[str, tuple[float | None, float | None]]
    subject_columns: Sequence[str] = ()
    optional: Sequence[str] = ()
    inclusive_low: Sequence[str] = field(default_factory=tuple)

    @property
    def required(self) -> list[str]:
        cols = [self.subject, *self.factors, *self.measures, *self.subject_columns]
        return [c for c in dict.fromkeys(cols) if c not in self.optional]


def _schema(spec: DataSpec):
    import pandera.pandas as pa

    columns = {spec.subject: pa.Column(str, nullable=False, coerce=True)}
    for name, levels in spec.factors.items():
        columns[name] = pa.Column(
            str, pa.Check.isin(list(levels)), nullable=False, coerce=True, required=False
        )
    for name, (low, high) in spec.measures.items():
        checks = []
        if low is not None:
            inclusive = name in spec.inclusive_low
            checks.append(pa.Check.ge(low) if inclusive else pa.Check.gt(low))
        if high is not None:
            checks.append(pa.Check.le(high))
        columns[name] = pa.Column(float, checks, nullable=False, coerce=True, required=False)
    return pa.DataFrameSchema(columns, strict=False)


def _problem_text(path, failure: pd.Series, spec: DataSpec) -> str:
    column = failure.get("column")
    index = failure.get("index")
    row = int(index) if pd.notna(index) else None
    check = str(failure.get("check"))
    value = failure.get("failure_case")
    where = describe_location(path, row, column if pd.notna(column) else None)
    if check == "not_nullable":
        return f"{where}: the value is missing; fill it in or remove the row"
    if check.startswith("coerce_dtype"):
        return f"{where}: {value!r} is not a number; write a plain number such as 12.5"
    if check.startswith("isin"):
        levels = spec.factors.get(column, [])
        return f"{where}: {value!r} is not one of {list(levels)}; use one of those labels"
    if check.startswith(("greater_than", "less_than", "in_range")):
        low, high = spec.measures.get(column, (None, None))
        rng = f"above {low}" if high is None else f"between {low} and {high}"
        return f"{where}: {value!r} is out of range ({check}); the value must be {rng}"
    return f"{where}: {value!r} fails {check}"


def validate(df: pd.DataFrame, spec: DataSpec, source: str | Path = "<data>") -> pd.DataFrame:
    """Check ``df`` against ``spec``; return a clean copy or raise :class:`InputError`.

    Checks the required columns, labels, numbers, bounds, one row per subject x time, and
    subject-level columns that must not vary within a subject.
    """
    import pandera.errors

    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {missing}. A {spec.study} file needs the columns "
            f"{spec.required} (one row per {spec.subject} x {spec.time}); rename or add them."
        )
    if df.empty:
        raise InputError(f"{source}: has a header but no data rows.")
    data = df.reset_index(drop=True)
    try:
        data = _schema(spec).validate(data, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases.sort_values("index", na_position="first", kind="stable")
        problems = [_problem_text(source, f, spec) for _, f in cases.iterrows()]
        problems = list(dict.fromkeys(problems))
        more = len(problems) - _MAX_PROBLEMS
        text = "; ".join(problems[:_MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise InputError(f"{len(problems)} problem(s) in the data. {text}.") from None

    duplicated = data.duplicated(subset=[spec.subject, spec.time], keep="first")
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{describe_location(source, row)}: {spec.subject} {data.at[row, spec.subject]!r} "
            f"has a second row for {spec.time} {data.at[row, spec.time]!r}; keep one row per "
            f"{spec.subject} x {spec.time}."
        )
    for column in spec.subject_columns:
        if column not in data.columns:
            continue
        varies = data.groupby(spec.subject, sort=False)[column].transform("nunique") > 1
        if varies.any():
            row = int(varies.to_numpy().nonzero()[0][-1])
            raise InputError(
                f"{describe_location(source, row, column)}: {spec.subject} "
                f"{data.at[row, spec.subject]!r} has more than one value of {column}; it "
                "describes the subject and must be the same on each of the subject's rows."
            )
    return data


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV file or raise one :class:`InputError` saying why it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of a CSV file.")
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; it needs a header row and data.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise InputError(f"{path}: cannot be read as CSV ({reason}).") from None
