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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError, describe_location

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "published"

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
]
KINDS = ("published", "inferred", "assumed")
RELATIONS = ("=", "<", ">")
DISPERSION_TYPES = ("SD", "SEM", "pm")
DISPERSION_READINGS = ("sem", "sd")


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
    ]
    for column, bad, expected in checks:
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"{describe_location(path, row, column)}: got {table.iloc[row][column]!r}; "
                f"expected {expected}. Fix that cell of the targets table."
            )


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

    def row(self, target_id: str) -> pd.Series:
        """The row with this id."""
        match = self.table[self.table["id"] == target_id]
        if match.empty:
            raise KeyError(f"{self.study} has no target with id {target_id!r}")
        return match.iloc[0]

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

    def with_overrides(self, **assumptions: float) -> Targets:
        """A copy in which assumed numbers are replaced; published numbers cannot be."""
        for key in assumptions:
            if key not in set(self.table["id"]):
                raise InputError(
                    f"{self.study} has no assumption named {key!r}. "
                    f"Assumptions: {', '.join(self.assumed_ids())}."
                )
            kind = self.row(key)["kind"]
            if kind != "assumed":
                raise InputError(
                    f"{key!r} is a {kind} number of {self.study}, not an assumption; edit "
                    f"data/published/{self.study}.csv if the published value is wrong."
                )
        return Targets(self.study, self.table, {**self.overrides, **assumptions})

    def published(self) -> pd.DataFrame:
        """The published and inferred rows, in the columns a reader needs."""
        keep = self.table["kind"] != "assumed"
        cols = [c for c in COLUMNS if c not in ("time", "tolerance", "claimed_by", "note")]
        return self.table.loc[keep, cols].reset_index(drop=True)

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
    """Read and check ``data/published/<study>.csv``."""
    path = Path(path) if path is not None else DATA_DIR / f"{study}.csv"
    try:
        table = pd.read_csv(path, dtype={"id": str, "group": str, "time": str}, comment="#")
    except FileNotFoundError:
        raise InputError(f"{path}: no such targets table.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}).") from None
    _check_table(table, path)
    return Targets(study, table)
