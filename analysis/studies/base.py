"""What a study is and what it returns: the contract between the studies and the build.

Every study module in :mod:`analysis.studies` satisfies :class:`Study`; a study whose data
are simulated from published summaries also satisfies :class:`SimulatedStudy`. The build
(:mod:`analysis.build`) and the command line only use what these protocols name, so a new
study needs no change outside its own module, its targets table, its notebook and one line of
the registry (:data:`analysis.studies.NAMES`).

The types a study returns live here, below the build: :class:`Results` (every study),
:class:`Replication` (a simulated study: data, tables and scorecard), the scorecard rows
(:func:`build_scorecard`) and the verdict rows (:mod:`analysis.studies.verdicts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # only for annotations: importing them here would load the engine
    from ..dataio.schemas import DataSpec
    from ..dataio.targets import Targets
    from ..engine.tables import Tables

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
    "judged_by",
    "probability",
    "probability_low",
    "probability_high",
    "kind",
    "claimed_by",
    "source",
    "note",
]


# A published statement whose magnitudes are all assumed passes when a study of the published
# size reproduces it at least this often under the assumptions (issue 11): one draw decides
# nothing, and the power conventionally asked of a design is 0.8.
PASS_PROBABILITY = 0.8
# Replicates behind each such probability: Monte Carlo SE at most 0.8 percentage points.
PROBABILITY_REPS = 4000


@dataclass(frozen=True)
class Probability:
    """How often a statement holds over replicates: the share and its 95 % Wilson interval."""

    share: float
    low: float
    high: float
    reps: int

    @classmethod
    def of(cls, holds: np.ndarray) -> Probability:
        """From a (reps,) boolean array.

        Examples
        --------
        >>> Probability.of(np.array([True] * 9 + [False]))
        Probability(share=0.9, low=0.5958, high=0.9821, reps=10)
        """
        from ..engine.proportions import wilson

        reps = int(holds.size)
        low, high = wilson(int(holds.sum()), reps)
        return cls(float(holds.mean()), round(float(low), 4), round(float(high), 4), reps)


def probabilities(decisions: Decisions) -> dict[str, Probability]:
    """The probability that each decision of ``decisions`` holds, by claim id."""
    holds = decisions.holds
    return {cid: Probability.of(holds[:, j]) for j, cid in enumerate(decisions.claim_ids)}


def assumed_decisions(t: Targets) -> list[str]:
    """The decision rows (p-values) about a group none of whose magnitudes is published: they
    are judged by their probability over many studies, not by the example dataset.

    Examples
    --------
    >>> from analysis.dataio.targets import load_targets
    >>> assumed_decisions(load_targets("estes2017"))
    ['control_csa_p']
    >>> len(assumed_decisions(load_targets("ryu2016")))  # no magnitude published at all
    23
    """
    table = t.table
    published = (table["kind"] == "published") & (table["statistic"] == "mean")
    published_groups = set(table.loc[published, "group"])
    decisions = table[table["statistic"].str.startswith("p_") & table["relation"].isin(["<", ">"])]
    return decisions.loc[~decisions["group"].isin(published_groups), "id"].tolist()


def claim_probabilities(simulate_batch, claims_batch, rep: Replication) -> dict[int, Probability]:
    """How often a study of the published size reproduces each claim the study decides, under
    the assumptions of ``rep`` (:data:`PROBABILITY_REPS` population draws seeded from
    ``rep.seed``): the power of the original design for the claim."""
    batch = simulate_batch(PROBABILITY_REPS, probability_seed(rep.seed), **rep.assumptions)
    return {claim: Probability.of(holds) for claim, holds in claims_batch(batch).items()}


def probability_seed(seed: int | None) -> np.random.SeedSequence | None:
    """The seed of the probability draws of a replication with ``seed``: a stream of its own,
    apart from the example dataset's, so the same seed gives the same probability."""
    return None if seed is None else np.random.SeedSequence([int(seed), 0x5EED])


def empty_scorecard() -> pd.DataFrame:
    """A scorecard with no rows (a study that reproduces nothing it simulated)."""
    return pd.DataFrame(columns=SCORECARD_COLUMNS)


@dataclass
class Results:
    """What a study gives the report: its result tables (by name) and, for a simulated study,
    the data and the scorecard.

    A study computed from published numbers only has ``data = None`` and an empty scorecard.
    """

    study: str
    tables: Mapping[str, pd.DataFrame]
    seed: int | None = None
    data: pd.DataFrame | None = None
    scorecard: pd.DataFrame = field(default_factory=empty_scorecard)
    assumptions: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the replication reproduces every number and statement of the *paper*
        (and trivially when there is no scorecard).

        Rows ``claimed_by == "article"`` are the popular article's statements, which the
        scorecard tests rather than reproduces: their FAIL is a finding about the article
        (shown in the scorecard and the claims table), not a failed replication.
        """
        return paper_rows_pass(self.scorecard)


@dataclass
class Replication(Results):
    """A simulated study replicated: the simulated data, every result table and the scorecard.

    Examples
    --------
    >>> Replication("x", {}, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: a Replication needs the simulated data
    """

    def __post_init__(self) -> None:
        if self.data is None:
            raise ValueError("a Replication needs the simulated data")


@dataclass
class Batch:
    """Many replicates of a simulated study drawn from the population at once, as arrays.

    What ``simulate_batch(reps, seed, **assumptions)`` of a simulated study returns: the same
    model as its ``simulate(empirical=False)``, for ``reps`` datasets in one go (no pandas).

    Attributes
    ----------
    study : the study's name.
    subjects : (subjects,) the subject ids, as ``simulate`` writes them.
    groups : (subjects,) the group of each subject.
    times : the timepoints, in order (the last axis of every per-time measure).
    measures : per-time measure -> array (reps, subjects, times), on the scale ``simulate``
        writes (U/L, not log U/L); per-subject measure -> array (reps, subjects).
    constants : per-subject columns that do not vary between replicates (``sex``) -> (subjects,).
    columns : the column order of ``simulate``'s data frame.
    assumptions : the assumptions the batch was drawn under.
    """

    study: str
    subjects: np.ndarray
    groups: np.ndarray
    times: tuple[str, ...]
    measures: dict[str, np.ndarray]
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    assumptions: dict = field(default_factory=dict)

    @property
    def reps(self) -> int:
        """The number of replicates."""
        return next(iter(self.measures.values())).shape[0]

    def replicate(self, i: int) -> pd.DataFrame:
        """Replicate ``i`` as the tidy long data ``simulate`` would write (one row per
        subject x time), so the ordinary ``analyze`` can run on it."""
        n_sub, n_time = len(self.subjects), len(self.times)
        frame = {
            "subject": np.repeat(self.subjects, n_time),
            "group": np.repeat(self.groups, n_time),
            "time": np.tile(np.asarray(self.times, dtype=object), n_sub),
        }
        for name, values in self.constants.items():
            frame[name] = np.repeat(values, n_time)
        for name, values in self.measures.items():
            one = values[i]
            frame[name] = one.reshape(-1) if one.ndim == 2 else np.repeat(one, n_time)
        data = pd.DataFrame(frame)
        return data[self.columns] if self.columns else data


@dataclass
class Decisions:
    """The decisions of a study's scorecard for every replicate of a :class:`Batch`.

    What ``decide_batch(batch)`` of a simulated study returns. Column ``j`` is the scorecard
    row ``claim_ids[j]``: ``values`` holds what the scorecard's ``reproduced`` column would
    show for that replicate (a p-value, or 1.0 when the difference runs the other way), and
    the row holds when ``values relation threshold`` (``p < 0.05``; ``p > 0.05`` for "no
    effect"). Only rows that are decisions (p-values) are included: means and SDs are exact
    in the example dataset and vary by construction in population draws.
    """

    study: str
    claim_ids: tuple[str, ...]
    relations: tuple[str, ...]
    thresholds: np.ndarray
    values: np.ndarray  # (reps, k)

    @property
    def holds(self) -> np.ndarray:
        """(reps, k) booleans: does each decision come out as published?"""
        less = np.array([r == "<" for r in self.relations])
        return np.where(less, self.values < self.thresholds, self.values > self.thresholds)

    @property
    def all_hold(self) -> np.ndarray:
        """(reps,) booleans: does the whole published pattern hold at once?"""
        return self.holds.all(axis=1)


@runtime_checkable
class Study(Protocol):
    """What every study the report uses has (a module satisfies it with module-level names).

    Examples
    --------
    >>> from analysis.studies import get_study
    >>> isinstance(get_study("concurrent"), Study), isinstance(get_study("estes2017"), Study)
    (True, True)
    """

    NAME: str  # registry key and file prefix of its tables and figures
    TITLE: str  # one line for listings and the report
    NOTEBOOK: str  # stem of its notebook in notebooks/

    def results(self, seed: int | None = 0) -> Results:
        """Every result table (and, if simulated, the data and scorecard) for ``seed``."""
        ...

    def figures(self, results: Results) -> Mapping[str, Any]:
        """Its figures by file stem (``<NAME>_<what>``), drawn from ``results``: a
        :class:`~analysis.engine.figureset.FigureSet` (drawn when read, and in a build
        rendered once for the report and the notebooks) or any mapping of stem to Figure."""
        ...

    def claim_verdicts(self, results: Results) -> pd.DataFrame:
        """Its verdicts on the article's claims (rows of :func:`~.verdicts.verdict_row`)."""
        ...


@runtime_checkable
class SimulatedStudy(Study, Protocol):
    """A study whose participant data are simulated from published summaries; ``replicate``
    and ``analyze`` on the command line apply to these only.

    Examples
    --------
    >>> from analysis.studies import get_study
    >>> isinstance(get_study("ryu2016"), SimulatedStudy)
    True
    >>> isinstance(get_study("konopka2014"), SimulatedStudy)
    False
    """

    DATA_SPEC: DataSpec  # the tidy data it simulates and accepts from a researcher
    SENSITIVITY_GRID: Mapping[str, list]  # the assumptions worth moving, with values to try
    # table name -> (what it holds, its units): the README.txt ``analyze`` writes
    TABLE_DESCRIPTIONS: Mapping[str, tuple[str, str]]

    def simulate(
        self,
        seed: int | None = 0,
        dispersion: str = "sem",
        *,
        empirical: bool = True,
        **assumptions,
    ) -> pd.DataFrame:
        """Tidy data, one row per subject x timepoint, that reproduce the published summaries."""
        ...

    def analyze(self, df: pd.DataFrame, source: str = "<data>", *, validate: bool = True) -> Tables:
        """Every result table of the study's analysis, on simulated or real data."""
        ...

    def replicate(
        self, seed: int | None = 0, dispersion: str = "sem", **assumptions
    ) -> Replication:
        """simulate + analyze + scorecard in one call (its ``results``)."""
        ...

    def decisions(self, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        """The study's decisions on analysed data, one row each (``analyze`` prints them)."""
        ...

    def key_statistics(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """The few numbers a sensitivity table tracks."""
        ...

    def simulate_batch(self, reps: int, seed: Any = 0, *, n: Any = None, **assumptions) -> Batch:
        """``reps`` population draws of the design at once, as arrays (Monte Carlo power)."""
        ...

    def decide_batch(self, batch: Batch, only: Any = None) -> Decisions:
        """The scorecard's decisions (p-value rows) for every replicate, without pandas."""
        ...

    def claims_batch(self, batch: Batch) -> dict[int, np.ndarray]:
        """Per article claim this study decides, whether it holds in each replicate."""
        ...


def paper_rows_pass(card: pd.DataFrame) -> bool:
    """Whether every scorecard row not claimed by the popular article passes."""
    paper = card[card["claimed_by"] != "article"]
    return bool((paper["status"] == "PASS").all())


def count_passed(card: pd.DataFrame) -> int:
    """How many rows of a scorecard pass."""
    return int((card["status"] == "PASS").sum())


def summary(card: pd.DataFrame) -> str:
    """``"23 of 23 claims PASS"``: a ``str`` that a notebook shows as a sentence, not quoted
    (:class:`analysis.engine.display.Text`)."""
    from ..engine.display import Text  # not at import: base stays below the engine

    return Text(f"{count_passed(card)} of {len(card)} claims PASS")


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
    probability: Mapping[str, Probability] | None = None,
) -> pd.DataFrame:
    """One row per published or inferred number of ``targets``.

    ``lookup(row)`` returns the reproduced value of a targets row. Rows with a printed
    dispersion get a second row, compared with ``dispersion_lookup(row, reading)``, the
    reproduced SEM or SD depending on how ``±`` is read. A row in ``probability`` (a
    statement whose magnitudes are all assumed) is judged by how often a study of the
    published size reproduces it (``PASS`` at :data:`PASS_PROBABILITY` or more), not by the
    one dataset; its ``reproduced`` value is still this dataset's.
    """
    probability = probability or {}
    rows = []
    for _, row in targets.claims().iterrows():
        tolerance = 0.0 if pd.isna(row["tolerance"]) else float(row["tolerance"])
        reproduced = float(lookup(row))
        entry = _row(
            targets.study, row, row["id"], row["statistic"], row["value"], reproduced, tolerance
        )
        chance = probability.get(row["id"])
        if chance is not None:
            entry.update(
                judged_by=f"probability over {chance.reps} studies of this size",
                probability=chance.share,
                probability_low=chance.low,
                probability_high=chance.high,
                status="PASS" if chance.share >= PASS_PROBABILITY else "FAIL",
            )
        rows.append(entry)
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
        "judged_by": "this dataset",
        "probability": math.nan,
        "probability_low": math.nan,
        "probability_high": math.nan,
        "kind": row["kind"],
        "claimed_by": row["claimed_by"],
        "source": row["source"],
        "note": row["note"] if pd.notna(row["note"]) else "",
    }
