"""Scorecards: each published claim next to the value the replication reproduces."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .targets import Targets

SCORECARD_COLUMNS = [
    "study",
    "claim_id",
    "quantity",
    "group",
    "statistic",
    "published",
    "reproduced",
    "tolerance",
    "status",
    "kind",
    "claimed_by",
    "source",
    "note",
]


@dataclass
class Replication:
    """A study replicated: the simulated data, every result table and the scorecard."""

    study: str
    seed: int | None
    data: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    scorecard: pd.DataFrame
    assumptions: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every row of the scorecard passes."""
        return count_passed(self.scorecard) == len(self.scorecard)


def count_passed(card: pd.DataFrame) -> int:
    """How many rows of a scorecard pass."""
    return int((card["status"] == "PASS").sum())


def summary(card: pd.DataFrame) -> str:
    """``"23 of 23 claims PASS"``."""
    return f"{count_passed(card)} of {len(card)} claims PASS"


def judge(relation: str, published: float, reproduced: float, tolerance: float) -> str:
    """``PASS`` or ``FAIL`` for one claim.

    Examples
    --------
    >>> judge("=", 10.6, 10.6000001, 0.05), judge("<", 0.05, 0.2, 0), judge(">", 0.05, 0.9, 0)
    ('PASS', 'FAIL', 'PASS')
    """
    if reproduced is None or (isinstance(reproduced, float) and math.isnan(reproduced)):
        return "FAIL"
    if relation == "<":
        ok = reproduced < published
    elif relation == ">":
        ok = reproduced > published
    else:
        ok = abs(reproduced - published) <= tolerance + 1e-9
    return "PASS" if ok else "FAIL"


def _published_text(relation: str, value: float) -> str:
    return f"{relation} {value:g}" if relation in "<>" else f"{value:g}"


def build_scorecard(
    targets: Targets,
    lookup: Callable[[pd.Series], float],
    dispersion: str,
    dispersion_lookup: Callable[[pd.Series, str], float] | None = None,
) -> pd.DataFrame:
    """One row per published or inferred number of ``targets``.

    ``lookup(row)`` returns the reproduced value of a targets row. Rows with a printed
    dispersion get a second row, compared with ``dispersion_lookup(row, reading)``, the
    reproduced SEM or SD depending on how ``±`` is read.
    """
    rows = []
    for _, row in targets.claims().iterrows():
        tolerance = 0.0 if pd.isna(row["tolerance"]) else float(row["tolerance"])
        reproduced = float(lookup(row))
        rows.append(
            _row(
                targets.study, row, row["id"], row["statistic"], row["value"], reproduced, tolerance
            )
        )
        if pd.notna(row["dispersion"]) and dispersion_lookup is not None:
            reading = row["dispersion_type"]
            reading = {"pm": dispersion.upper()}.get(reading, reading)
            spread = float(dispersion_lookup(row, reading))
            rows.append(
                _row(
                    targets.study,
                    row,
                    f"{row['id']}_{reading.lower()}",
                    reading,
                    row["dispersion"],
                    spread,
                    tolerance,
                )
            )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


def _row(study, row, claim_id, statistic, published, reproduced, tolerance) -> dict:
    relation = row["relation"] if statistic == row["statistic"] else "="
    return {
        "study": study,
        "claim_id": claim_id,
        "quantity": row["quantity"],
        "group": row["group"] if pd.notna(row["group"]) else "",
        "statistic": statistic,
        "published": _published_text(relation, float(published)),
        "reproduced": reproduced,
        "tolerance": tolerance,
        "status": judge(relation, float(published), reproduced, tolerance),
        "kind": row["kind"],
        "claimed_by": row["claimed_by"],
        "source": row["source"],
        "note": row["note"] if pd.notna(row["note"]) else "",
    }
