"""Monte Carlo power of a simulated study: how often a study of this size reproduces its findings.

For a study with a batched simulator (``simulate_batch``, ``decide_batch`` and, if it has
article claims to decide, ``claims_batch``: see :class:`analysis.studies.base.Batch`),
:func:`power` draws many datasets from the population the assumptions describe and counts, for
each, whether every scorecard decision comes out as published. The headline is the row
``all decisions``: *a study of this size, if our assumptions are true, would have reproduced the
published pattern X % of the time*.

Every share comes with its Monte Carlo standard error ``sqrt(p (1 - p) / reps)`` and a 95 %
Wilson score interval (Wilson 1927, J Am Stat Assoc 22:209; it stays inside [0, 1] and keeps
its coverage near 0 and 1, where the Wald interval collapses). Where a decision is a t-test of
normal data, the closed-form power (noncentral t, :func:`analytic_power_t`) is shown beside it
as a check of the simulation; :func:`analytic_power_f` does the same for F-tests.

:func:`sample_size` finds the smallest n per group with 80 % power, and
:func:`minimal_detectable_effect` the weakest assumed effect detected with 80 % power, both by
a search over a grid with **common random numbers** (every grid point draws the same seeds, so
the power curve is smooth and, in practice, monotone).

The work runs in seeded blocks (:mod:`analysis.checks.parallel`): the same seed gives the same
numbers whatever the chunk size, locally, on ``workers`` processes or on a Dask cluster.
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..dataio import shared
from ..engine.proportions import wilson
from ..errors import InputError
from .parallel import BLOCK, check_reps_and_seed, run_blocks

__all__ = [
    "Curve",
    "PowerTable",
    "analytic_mde_t",
    "analytic_power_f",
    "analytic_power_t",
    "minimal_detectable_effect",
    "power",
    "power_curve",
    "sample_size",
    "wilson",
]

PATTERN = "all decisions"  # the row of the whole published pattern
TABLE_COLUMNS = [
    "row",
    "kind",
    "holds_when",
    "power",
    "mc_se",
    "ci_low",
    "ci_high",
    "holds",
    "undefined",
    "reps",
    "analytic",
]


POWER_LEGEND = (
    "power: share of replicates in which the row holds as published; mc_se = sqrt(p(1-p)/reps); "
    "ci: 95 % Wilson interval; analytic: closed form where one exists."
)
# the same, in the words of the formatted table's headers (analysis.engine.display.label)
POWER_LEGEND_HTML = (
    "Power: share of replicates in which the row holds as published; Monte Carlo SE = "
    "sqrt(p (1 - p) / replicates); CI: 95 % Wilson interval; Analytic: closed form where one "
    "exists."
)

# --- intervals and closed forms ----------------------------------------------------------------


def analytic_power_t(d: float, n: int, alpha: float = 0.05, tails: int = 2) -> float:
    """Power of a one-sample (or paired) t-test of ``n`` normal observations, effect size ``d``.

    ``d`` is the mean (of the differences, for a paired test) over its SD. The test statistic
    follows a noncentral t with ``n - 1`` df and noncentrality ``d sqrt(n)``. Two tails: the
    probability of either rejection region (as statsmodels' ``TTestPower`` and G*Power count
    it); one tail: of the region on the side of ``d``.

    Examples
    --------
    G*Power 3.1 (t tests, means: difference from constant) gives N = 34 for d = 0.5,
    alpha = 0.05 two-tailed and 80 % power, with an actual power of 0.8077775:

    >>> round(analytic_power_t(0.5, 34), 7), round(analytic_power_t(0.5, 33), 4)
    (0.8077775, 0.7954)
    >>> round(analytic_power_t(0.0, 10), 6)  # no effect: the size of the test
    0.05
    """
    if n < 2:
        raise ValueError(f"a t-test needs n >= 2, got {n}")
    if tails not in (1, 2):
        raise ValueError(f"tails must be 1 or 2, got {tails}")
    df, nc = n - 1, abs(d) * math.sqrt(n)
    crit = stats.t.isf(alpha / tails, df)
    upper = stats.nct.sf(crit, df, nc)
    # the far tail as the upper tail of the mirror image: scipy's nct.cdf gives NaN there for
    # large noncentralities, its sf gives the tiny number
    lower = stats.nct.sf(crit, df, -nc) if tails == 2 else 0.0
    return float(upper + lower)


def analytic_power_f(noncentrality: float, df1: float, df2: float, alpha: float = 0.05) -> float:
    """Power of an F-test: ``P(F' > F_crit)`` for a noncentral F with ``df1, df2`` df.

    For a one-way ANOVA of ``k`` groups with ``N`` subjects in all and Cohen's ``f``, the
    noncentrality is ``f**2 * N`` with ``df1 = k - 1`` and ``df2 = N - k`` (G*Power's and
    statsmodels' ``FTestAnovaPower`` convention); :func:`anova_noncentrality` computes it from
    group means and a common SD.

    Examples
    --------
    G*Power 3.1 (F tests, ANOVA: fixed effects, omnibus, one-way) gives a total N of 159 for
    f = 0.25, alpha = 0.05, 3 groups and 80 % power, with an actual power of 0.8048873:

    >>> round(analytic_power_f(0.25**2 * 159, 2, 156), 7)
    0.8048873
    >>> round(analytic_power_f(0.0, 2, 27), 6)  # no effect: the size of the test
    0.05
    """
    crit = stats.f.isf(alpha, df1, df2)
    if noncentrality == 0:
        return float(stats.f.sf(crit, df1, df2))
    return float(stats.ncf.sf(crit, df1, df2, noncentrality))


def anova_noncentrality(means: Sequence[float], sd: float, n: int | Sequence[int]) -> float:
    """Noncentrality ``sum n_i (mu_i - mu)**2 / sd**2`` of a one-way ANOVA (``mu`` weighted by n).

    Examples
    --------
    >>> anova_noncentrality([0.0, 0.5], 1.0, 20)  # f = 0.25, N = 40: f**2 N
    2.5
    """
    means = np.asarray(means, float)
    sizes = np.broadcast_to(np.asarray(n, float), means.shape)
    grand = float((sizes * means).sum() / sizes.sum())
    return float((sizes * (means - grand) ** 2).sum() / sd**2)


def analytic_mde_t(n: int, power: float = 0.8, alpha: float = 0.05, tails: int = 2) -> float:
    """The smallest effect size ``d`` a t-test of ``n`` observations detects with ``power``.

    Examples
    --------
    >>> d = analytic_mde_t(34)
    >>> round(d, 3), round(analytic_power_t(d, 34), 6)
    (0.495, 0.8)
    """
    if not alpha < power < 1:
        raise ValueError(f"power must be between alpha ({alpha}) and 1, got {power}")
    high = 1.0
    while analytic_power_t(high, n, alpha, tails) < power:  # bracket the root
        high *= 2
    return float(optimize.brentq(lambda d: analytic_power_t(d, n, alpha, tails) - power, 0, high))


# --- one block of replicates -------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    """One setting to simulate: what a block needs, and nothing that cannot be pickled."""

    study: Any
    n: Any
    assumptions: tuple[tuple[str, Any], ...]
    only: tuple[str, ...] | None = None

    def batch(self, reps: int, seed) -> Any:
        return self.study.simulate_batch(reps, seed, n=self.n, **dict(self.assumptions))


def _claims(cell: _Cell, batch, decisions) -> dict:
    """The article claims of a batch (none when one decision alone is asked for), reusing the
    decisions already computed where the study's ``claims_batch`` takes them."""
    claims_batch = getattr(cell.study, "claims_batch", None)
    if cell.only is not None or not callable(claims_batch):
        return {}
    takes_decisions = _accepts(claims_batch, "decisions", keywords=False)
    return claims_batch(batch, decisions) if takes_decisions else claims_batch(batch)


# (function, name, keywords) -> answer of _accepts: inspect.signature costs about 0.2 ms, and
# a grid asks for every cell of a few hundred replicates
_ACCEPTS: dict[tuple, bool] = {}


def _accepts(func: Callable, name: str, *, keywords: bool) -> bool:
    """Whether ``func`` has a parameter ``name`` (or, with ``keywords``, takes ``**options``);
    False when it has no signature (a builtin)."""
    try:
        return _ACCEPTS[func, name, keywords]
    except (KeyError, TypeError):  # not asked yet, or unhashable (then not kept)
        pass
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        parameters = ()
    found = any(p.name == name or (keywords and p.kind is p.VAR_KEYWORD) for p in parameters)
    try:
        _ACCEPTS[func, name, keywords] = found
    except TypeError:
        pass
    return found


def counting_options(decide_batch: Callable) -> dict:
    """``{"exact": False}`` for a study's ``decide_batch`` that takes ``exact`` (by name or
    through ``**options``, as ``ryu2016.decide_batch`` passes them on): a count reads only
    whether each decision holds and whether it is missing, which that mode gives unchanged
    for less work (``analysis.studies._ryu2016_batch.decide_batch``); else ``{}``."""
    return {"exact": False} if _accepts(decide_batch, "exact", keywords=True) else {}


def _count_block(cell: _Cell, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Counts over ``reps`` replicates: each decision holding, all at once, each article claim
    supported, and each decision undefined (NaN), as one int64 vector (exact to add up)."""
    # the block's SeedSequence itself, not the generator: a study may cut its own streams
    # from it (ryu2016 spawns one per block, outcome and distance)
    batch = cell.batch(reps, rng.bit_generator.seed_seq)
    options = counting_options(cell.study.decide_batch)
    decisions = cell.study.decide_batch(batch, only=cell.only, **options)
    with np.errstate(invalid="ignore"):  # a NaN value does not hold; it is counted apart
        holds = decisions.holds
    claims = _claims(cell, batch, decisions)
    parts = [
        holds.sum(axis=0),
        [holds.all(axis=1).sum()],
        [np.asarray(claims[k]).sum() for k in sorted(claims)],
        np.isnan(decisions.values).sum(axis=0),
    ]
    return np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])


@dataclass(frozen=True)
class _Layout:
    """What the count vector of a study holds, learnt from a small pilot batch."""

    claim_ids: tuple[str, ...]
    relations: tuple[str, ...]
    thresholds: tuple[float, ...]
    claims: tuple[int, ...]
    group_sizes: dict[str, int]
    dispersion: str | None

    def index(self, target: str | int) -> int:
        """Position in the count vector of a decision id, the pattern or a claim number."""
        if isinstance(target, str) and target in self.claim_ids:
            return self.claim_ids.index(target)
        if target in ("all", PATTERN):
            return len(self.claim_ids)
        if isinstance(target, int | np.integer) and not isinstance(target, bool):
            if int(target) in self.claims:
                return len(self.claim_ids) + 1 + self.claims.index(int(target))
        choices = [*self.claim_ids, "all"] + [str(c) for c in self.claims]
        raise InputError(
            f"no decision or claim {target!r} in this study; choose one of: {', '.join(choices)} "
            "(a claim by its number)"
        )


def _study_module(study) -> Any:
    if isinstance(study, str):
        from ..studies import get_simulated_study

        study = get_simulated_study(study)
    if not callable(getattr(study, "simulate_batch", None)) or not callable(
        getattr(study, "decide_batch", None)
    ):
        name = getattr(study, "NAME", study)
        raise InputError(
            f"{name} has no batched simulator (simulate_batch and decide_batch), so its power "
            "cannot be estimated here."
        )
    return study


def _pilot(cell: _Cell) -> _Layout:
    """A tiny batch drawn and decided here, before any work is sent out: it checks the
    assumptions and ``n`` (a refusal comes now, with the study's message) and tells the layout
    of the counts. Its seed is fixed and plays no part in the results."""
    batch = cell.batch(8, np.random.SeedSequence(0))
    decisions = cell.study.decide_batch(batch, only=cell.only)
    claims = _claims(cell, batch, decisions)
    groups, counts = np.unique(np.asarray(batch.groups), return_counts=True)
    return _Layout(
        claim_ids=tuple(decisions.claim_ids),
        relations=tuple(decisions.relations),
        thresholds=tuple(float(x) for x in np.asarray(decisions.thresholds, float)),
        claims=tuple(sorted(int(k) for k in claims)),
        group_sizes={str(g): int(c) for g, c in zip(groups, counts, strict=True)},
        dispersion=batch.assumptions.get("dispersion"),
    )


def _reads_pm(study) -> bool:
    """Whether the study has a printed ``±`` whose reading (SEM or SD) ``dispersion`` picks.
    A study without a targets table (a test's) is given ``dispersion`` as it is."""
    targets = getattr(study, "targets", None)
    if not callable(targets):
        return True
    table = targets().table
    return "dispersion_type" in table and bool((table["dispersion_type"] == "pm").any())


def _assumptions(study, dispersion: str | None, assumptions: Mapping[str, Any]) -> dict:
    targets = getattr(study, "targets", None)
    if callable(targets):  # a keyword of simulate_batch that is not an assumption (start=)
        ids = set(targets().table["id"])
        unknown = [k for k in assumptions if k not in ids and k != "dispersion"]
        if unknown:
            raise InputError(
                f"{getattr(study, 'NAME', study)} has no assumption named "
                f"{', '.join(map(repr, unknown))}; its assumed numbers are the rows of its "
                "targets table (data/published/)."
            )
    out = dict(assumptions)
    if dispersion is not None:
        if dispersion not in ("sem", "sd"):
            raise InputError(f"dispersion must be 'sem' or 'sd', got {dispersion!r}")
        # as replicate does, a study that prints no ± accepts the option and ignores it
        if _reads_pm(study):
            out["dispersion"] = dispersion
    return out


# --- analytic power beside the simulation ------------------------------------------------------


def _estes2017_analytic(study, layout: _Layout, assumptions: Mapping[str, Any]) -> dict:
    """Each decision of the HIIT study is a one-sample t-test of a group's percent change, and
    the percent changes are drawn normal: the noncentral t gives its power exactly (up to the
    rare redraw of a group whose body mass would change by more than 5 %)."""
    rest = {k: v for k, v in assumptions.items() if k != "dispersion"}
    t = study.targets(**rest)
    dispersion = layout.dispersion or "sem"
    rows = _claim_rows(t)
    out = {}
    for claim_id in layout.claim_ids:
        row = rows[claim_id]
        group = row["group"]
        try:
            # the same mean and SD the simulation uses (a printed ± read as SEM or SD)
            key = f"{study._PREFIX[group]}_{row['quantity']}"
            mean, sd = study._mean_sd(t, key, dispersion)
        except (KeyError, ValueError):  # a decision of another kind: no closed form here
            continue
        two_sided = analytic_power_t(mean / sd, layout.group_sizes[group], float(row["value"]))
        out[claim_id] = two_sided if row["relation"] == "<" else 1.0 - two_sided
    return out


def _claim_rows(t) -> dict[str, dict]:
    """The claim rows of a targets table by id, read once per table as loaded (a power curve
    asks at every value; assumptions never override a claim). Shared: read-only."""
    kept = _CLAIM_ROWS.get(t.study)
    if kept is None or kept[0] is not t.table:
        rows = {row["id"]: row for row in t.claims().to_dict("records")}
        kept = _CLAIM_ROWS[t.study] = (t.table, rows)
    return kept[1]


_CLAIM_ROWS: dict[str, tuple[Any, dict[str, dict]]] = {}


# Closed forms of the registered studies' decisions, where one exists. A study may instead
# offer ``analytic_power(group_sizes, **assumptions) -> {claim_id: power}`` itself, with
# ``group_sizes`` the subjects per group of the batch ({"HIIT": 12, ...}).
ANALYTIC: dict[str, Callable] = {"estes2017": _estes2017_analytic}


def _analytic(study, layout: _Layout, assumptions: Mapping[str, Any]) -> dict[str, float]:
    own = getattr(study, "analytic_power", None)
    if callable(own):
        return dict(own(layout.group_sizes, **assumptions))
    known = ANALYTIC.get(getattr(study, "NAME", ""))
    return known(study, layout, assumptions) if known else {}


# --- power -------------------------------------------------------------------------------------


@dataclass
class PowerTable:
    """The power of every decision of a study, of its whole published pattern and of its
    article claims, with Monte Carlo SEs and Wilson intervals.

    ``table`` has one row per decision (``kind = "decision"``, ``row`` its scorecard
    ``claim_id``), one for the pattern (``"pattern"``, ``all decisions``: every decision holds
    in the same replicate) and one per article claim (``"claim"``, ``claim N``: the verdict is
    as the article says). Columns: ``power`` (the share of replicates in which the row holds),
    ``mc_se``, ``ci_low``/``ci_high`` (95 % Wilson), ``holds`` (the count), ``undefined``
    (replicates whose decision could not be computed, which count as not holding), ``reps`` and
    ``analytic`` (closed-form power where one exists, else NaN).
    """

    study: str
    table: pd.DataFrame
    reps: int
    seed: int
    n: Any = None
    assumptions: dict = field(default_factory=dict)
    block: int = BLOCK

    def __getitem__(self, row: str) -> pd.Series:
        """One row by name: a decision id, ``all decisions`` or ``claim N``."""
        found = self.table[self.table["row"] == row]
        if found.empty:
            raise KeyError(f"no row {row!r}; the rows are {', '.join(self.table['row'])}")
        return found.iloc[0]

    @property
    def pattern(self) -> float:
        """The power of the whole published pattern (every decision at once)."""
        return float(self[PATTERN]["power"])

    def heading(self) -> str:
        n = "as published" if self.n is None else self.n
        given = ", ".join(f"{k}={v}" for k, v in self.assumptions.items()) or "none"
        return (
            f"Power of {self.study}: {self.reps:,} replicates drawn from the assumed population "
            f"(seed {self.seed}, n per group {n}; assumptions given: {given})"
        )

    def __str__(self) -> str:
        shown = self.table.drop(columns=["reps"]).copy()
        with pd.option_context("display.width", 160, "display.max_rows", 200):
            body = shown.to_string(
                index=False,
                na_rep="",
                formatters={
                    "power": "{:.4f}".format,
                    "mc_se": "{:.4f}".format,
                    "ci_low": "{:.4f}".format,
                    "ci_high": "{:.4f}".format,
                    "analytic": lambda x: "" if pd.isna(x) else f"{x:.4f}",
                },
            )
        return (
            f"{self.heading()}\n{body}\n{POWER_LEGEND}\n"
            f"The whole published pattern was reproduced in {self.pattern:.1%} of the replicates."
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The heading, the table through the project's formatter and what the columns mean."""
        from ..engine.display import to_html

        return (
            f"<p>{html.escape(self.heading())}</p>{to_html(self.table)}"
            f"<p>{html.escape(POWER_LEGEND_HTML)} The whole published pattern was reproduced "
            f"in {self.pattern:.1%} of the replicates.</p>"
        )

    def to_dict(self) -> dict:
        """Plain JSON-ready values (NaN as None)."""
        rows = [
            {
                k: (None if isinstance(v, float) and math.isnan(v) else _plain(v))
                for k, v in r.items()
            }
            for r in self.table.to_dict("records")
        ]
        return {
            "study": self.study,
            "reps": self.reps,
            "seed": self.seed,
            "n": self.n,
            "assumptions": dict(self.assumptions),
            "block": self.block,
            "rows": rows,
        }


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _rows(layout: _Layout, counts: np.ndarray, reps: int, analytic: Mapping) -> pd.DataFrame:
    k, m = len(layout.claim_ids), len(layout.claims)
    names = [*layout.claim_ids, PATTERN, *(f"claim {c}" for c in layout.claims)]
    kinds = ["decision"] * k + ["pattern"] + ["claim"] * m
    when = [
        f"p {rel} {thr:g}" for rel, thr in zip(layout.relations, layout.thresholds, strict=True)
    ]
    when += ["every decision at once"] + ["verdict as the article says"] * m
    holds = counts[: k + 1 + m]
    undefined = list(counts[k + 1 + m :]) + [0] * (1 + m)
    share = holds / reps
    low, high = wilson(holds, reps)
    return pd.DataFrame(
        {
            "row": names,
            "kind": kinds,
            "holds_when": when,
            "power": share,
            "mc_se": np.sqrt(share * (1 - share) / reps),
            "ci_low": low,
            "ci_high": high,
            "holds": holds.astype(int),
            "undefined": np.asarray(undefined, dtype=int),
            "reps": reps,
            "analytic": [analytic.get(name, np.nan) for name in names],
        },
        columns=TABLE_COLUMNS,
    )


def power(
    study: ModuleType | str,
    reps: int = 10_000,
    seed: int = 0,
    *,
    n: int | Mapping[str, int] | None = None,
    dispersion: str | None = None,
    chunk: int | None = None,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
    **assumptions: float,
) -> PowerTable:
    """How often a study of this size, drawn from the assumed population, reproduces each of
    its published decisions, all of them at once, and each article claim.

    Parameters
    ----------
    study : module or str
        A simulated study with ``simulate_batch`` and ``decide_batch`` (``claims_batch`` adds
        the article's claims), or its registry name.
    reps : int
        Replicates (datasets drawn from the population). The Monte Carlo SE is at most
        ``0.5 / sqrt(reps)``: 0.5 percentage points at 10,000.
    seed : int
        Same seed, same table, whatever ``chunk``, ``threads``, ``workers`` or ``scheduler``.
    n : int or mapping, optional
        Subjects per group (an int for every group, or group -> n); default the study's.
    dispersion : {"sem", "sd"}, optional
        How a printed ``±`` is read; default the study's (SEM).
    chunk, threads, workers, scheduler, progress
        How the work runs (see :func:`analysis.checks.parallel.run_blocks`); the result does
        not depend on them.
    **assumptions
        Override assumed numbers of the study by id.

    Returns
    -------
    PowerTable

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> result = power(estes2017, reps=2_000, seed=1)
    >>> result.table["kind"].value_counts().to_dict()
    {'decision': 4, 'claim': 2, 'pattern': 1}
    >>> result.table["row"].tolist()[-3:]
    ['all decisions', 'claim 1', 'claim 2']
    >>> row = result["hiit_csa_p"]  # a one-sample t-test: the closed form applies
    >>> close = abs(row["power"] - row["analytic"]) < 4 * row["mc_se"]
    >>> round(float(row["analytic"]), 3), bool(close)
    (0.946, True)
    """
    study = _study_module(study)
    check_reps_and_seed(reps, seed)
    run = {"chunk": chunk, "threads": threads, "workers": workers, "scheduler": scheduler}
    if n is None and dispersion is None and not assumptions:
        # the defaults: notebooks 02 and 04 both show this table; a build computes it once
        # (analysis/dataio/shared.py). How the work runs does not change the result.
        key = f"power-{getattr(study, 'NAME', study)}-reps{int(reps)}-seed{int(seed)}"
        return shared.once(key, lambda: _power(study, reps, seed, None, None, {}, progress, run))
    return _power(study, reps, seed, n, dispersion, assumptions, progress, run)


def _power(study, reps, seed, n, dispersion, assumptions, progress, run) -> PowerTable:
    given = _assumptions(study, dispersion, assumptions)
    cell = _Cell(study, n, tuple(given.items()))
    layout = _pilot(cell)
    (counts,) = run_blocks(
        _count_block,
        [cell],
        reps,
        seed,
        progress=progress,
        desc=f"power {getattr(study, 'NAME', '')}",
        **run,
    )
    table = _rows(layout, counts, reps, _analytic(study, layout, given))
    return PowerTable(
        study=getattr(study, "NAME", str(study)),
        table=table,
        reps=reps,
        seed=seed,
        n=n,
        assumptions=given,
    )


# --- power curves, sample size, minimal detectable effect --------------------------------------


@dataclass
class Curve:
    """Power of one target over a grid (of ``n``, or of one assumption), with the answer of
    the search: the first grid value, in the order given, at which power reaches ``target``.

    ``found`` is that value (for :func:`minimal_detectable_effect`, interpolated linearly in
    power between it and the grid value before it), or None when the grid never reaches the
    target. ``curve`` has one row per grid value: the value, ``power``, ``mc_se``,
    ``ci_low``/``ci_high``, ``holds``, ``reps`` and ``analytic`` (NaN where no closed form).
    """

    study: str
    over: str
    claim: str
    target: float
    found: Any
    curve: pd.DataFrame
    reps: int
    seed: int

    def __str__(self) -> str:
        if self.found is not None:
            answer = f"{self.over} = {self.found:g}"
        else:
            best = int(self.curve["power"].to_numpy().argmax())
            peak = f"{self.curve[self.over].iloc[best]:g} ({self.curve['power'].iloc[best]:.3f})"
            # a target with a "no effect" row (p > 0.05) is broken by large samples: its power
            # rises, peaks and falls, and no wider grid reaches the target
            answer = (
                f"not reached on this grid; power peaks at {self.over} = {peak} and falls "
                "beyond, so a wider grid will not reach it either"
                if best < len(self.curve) - 1
                else f"not reached on this grid (largest power at its end, {peak}); widen it"
            )
        with pd.option_context("display.width", 160, "display.max_rows", 500):
            body = self.curve.to_string(index=False, float_format="{:.4f}".format, na_rep="")
        return (
            f"{self.study}: power of {self.claim} over {self.over} ({self.reps:,} replicates per "
            f"point, seed {self.seed}, common random numbers); first reaching "
            f"{self.target:.0%}: {answer}\n{body}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The first line of :meth:`__str__` above the curve, through the project's formatter."""
        from ..engine.display import to_html

        return f"<p>{html.escape(str(self).splitlines()[0])}</p>{to_html(self.curve)}"


def _target_name(layout: _Layout, claim) -> str:
    i = layout.index(claim)
    k = len(layout.claim_ids)
    return layout.claim_ids[i] if i < k else PATTERN if i == k else f"claim {claim}"


def power_curve(
    study: ModuleType | str,
    over: str,
    values: Iterable,
    claim: str | int = "all",
    reps: int = 2_000,
    seed: int = 0,
    *,
    n: int | Mapping[str, int] | None = None,
    dispersion: str | None = None,
    chunk: int | None = None,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
    **assumptions: float,
) -> pd.DataFrame:
    """Power of ``claim`` at each of ``values`` of ``over`` (``"n"`` or an assumption id).

    Every value draws the same seeds (common random numbers: :mod:`analysis.checks.parallel`),
    so neighbouring points differ by the setting, not by luck. ``claim``: a decision id,
    ``"all"`` (the whole pattern) or an article claim's number.

    Returns one row per value: ``over``'s value, ``power``, ``mc_se``, ``ci_low``,
    ``ci_high``, ``holds``, ``reps``, ``analytic``.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> curve = power_curve(estes2017, "n", [4, 8], claim="hiit_csa_p", reps=1_000)
    >>> curve["analytic"].round(3).tolist()
    [0.351, 0.785]
    >>> bool((abs(curve["power"] - curve["analytic"]) < 4 * curve["mc_se"]).all())
    True
    """
    study = _study_module(study)
    check_reps_and_seed(reps, seed)
    if over in _NOT_CURVES:
        raise InputError(
            f"a power curve moves n or an assumption, not {over!r} ({_NOT_CURVES[over]})"
        )
    fixed = {**assumptions, "n": n, "dispersion": dispersion}
    if fixed.get(over) is not None:
        raise InputError(f"{over} is both moved and fixed; leave it out of one")
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InputError(f"values: give a sequence of values of {over}, e.g. [4, 8, 12]")
    values = list(values)
    if not values:
        raise InputError(f"give at least one value of {over} to try")
    given = _assumptions(study, dispersion, assumptions)
    cells, layouts = [], []
    for value in values:
        setting = dict(given) if over == "n" else {**given, over: value}
        size = value if over == "n" else n
        cell = _Cell(study, size, tuple(setting.items()))
        layout = _pilot(cell)  # every setting is checked before any work goes out
        only = (claim,) if isinstance(claim, str) and claim in layout.claim_ids else None
        cells.append(_Cell(study, size, tuple(setting.items()), only))
        layouts.append((layout, setting))
    # a single decision is computed alone (``only``): its counts are then at position 0
    first_layout = layouts[0][0]
    name = _target_name(first_layout, claim)
    counts = run_blocks(
        _count_block,
        cells,
        reps,
        seed,
        common=True,
        chunk=chunk,
        threads=threads,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc=f"{getattr(study, 'NAME', '')} over {over}",
    )
    holds, analytic = [], []
    for cell, (layout, setting), count in zip(cells, layouts, counts, strict=True):
        holds.append(int(count[0 if cell.only else layout.index(claim)]))
        analytic.append(_analytic(study, layout, setting).get(name, np.nan))
    holds = np.asarray(holds)
    share = holds / reps
    low, high = wilson(holds, reps)
    table = pd.DataFrame(
        {
            over: values,
            "power": share,
            "mc_se": np.sqrt(share * (1 - share) / reps),
            "ci_low": low,
            "ci_high": high,
            "holds": holds,
            "reps": reps,
            "analytic": analytic,
        }
    )
    table.attrs["claim"] = name
    return table


# keywords of power_curve that are not settings of the simulation
_NOT_CURVES = {
    "seed": "give seed=; each point uses the same seeds",
    "reps": "give reps=",
}


def _check_target(target: float) -> None:
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        raise InputError(f"the target power must be a number between 0 and 1, got {target!r}")


def _numbers(name: str, values: Any, whole: bool = False) -> list:
    """``values`` as a list of finite numbers (whole ones with ``whole``), or InputError."""
    kind = "whole numbers" if whole else "numbers"
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InputError(f"{name} must be a sequence of {kind}, got {values!r}")
    out = []
    for v in values:
        ok = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        ok = ok and math.isfinite(v) and (not whole or float(v).is_integer())
        if not ok:
            raise InputError(f"{name} must hold {kind} only, got {v!r}")
        out.append(int(v) if whole else float(v))
    if not out:
        raise InputError(f"{name} is empty: give at least one value")
    return out


def sample_size(
    study: ModuleType | str,
    target: float = 0.8,
    claim: str | int = "all",
    n_range: Iterable[int] = range(2, 41),
    reps: int = 2_000,
    seed: int = 0,
    **kwargs,
) -> Curve:
    """The smallest n per group at which ``claim`` holds with at least ``target`` power.

    The whole of ``n_range`` is run (in parallel where asked: ``workers=``, ``scheduler=``)
    with common random numbers, in increasing order of n whatever order it is given in, and
    the smallest n whose estimated power reaches ``target`` is the answer; the curve beside
    it shows how sharp that is (its Monte Carlo SEs, and the closed form where one exists).
    A target that includes a "no effect" decision (``p > 0.05``) need not be monotone in n:
    larger samples detect the small differences it says are absent, so its power can peak
    below ``target`` (the printed answer then says so).

    ``claim``: a decision id, ``"all"`` (every decision at once) or an article claim's number.
    Other keywords as :func:`power_curve`.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> found = sample_size(estes2017, claim="hiit_csa_p", n_range=range(4, 13), reps=1_000)
    >>> exact = int(found.curve.query("analytic >= 0.8")["n"].min())  # the closed form's answer
    >>> exact, abs(found.found - exact) <= 1
    (9, True)
    """
    _check_target(target)
    study = _study_module(study)
    if "n" in kwargs:
        raise InputError("sample_size searches over n: give n_range=, not n=")
    # searched in increasing order, whatever order n_range gives: the answer is the smallest
    n_values = sorted(set(_numbers("n_range", n_range, whole=True)))
    if any(v < 2 for v in n_values):
        raise InputError("every n of n_range must be 2 or more")
    curve = power_curve(study, "n", n_values, claim, reps, seed, **kwargs)
    reached = curve[curve["power"] >= target]
    found = int(reached["n"].iloc[0]) if len(reached) else None
    return Curve(
        study=getattr(study, "NAME", str(study)),
        over="n",
        claim=curve.attrs["claim"],
        target=target,
        found=found,
        curve=curve,
        reps=reps,
        seed=seed,
    )


def minimal_detectable_effect(
    study: ModuleType | str,
    assumption: str,
    values: Iterable[float],
    target: float = 0.8,
    claim: str | int = "all",
    reps: int = 2_000,
    seed: int = 0,
    **kwargs,
) -> Curve:
    """The weakest setting of an assumed effect at which ``claim`` holds with ``target`` power.

    ``values`` run from the weakest effect to the strongest (for an effect that helps by being
    small, such as the controls' change against which claim 1 is judged, list them downwards).
    The answer is interpolated linearly in power between the first value that reaches
    ``target`` and the one before it; None when none does. Common random numbers throughout.
    Other keywords (``n``, ``dispersion``, other assumptions, the backend) as
    :func:`power_curve`.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> mde = minimal_detectable_effect(
    ...     estes2017, "control_csa_pct_change_mean", [9, 6, 3, 0], claim=1, reps=1_000
    ... )
    >>> mde.found is None or 0 <= mde.found <= 9
    True
    """
    _check_target(target)
    study = _study_module(study)
    values = _numbers("values", values)
    curve = power_curve(study, assumption, values, claim, reps, seed, **kwargs)
    shares = curve["power"].to_numpy()
    hits = np.flatnonzero(shares >= target)
    found = None
    if hits.size:
        i = int(hits[0])
        found = values[i]
        if i > 0 and shares[i] > shares[i - 1]:
            # linear in power between the grid values on either side of the target
            w = (target - shares[i - 1]) / (shares[i] - shares[i - 1])
            found = values[i - 1] + w * (values[i] - values[i - 1])
    return Curve(
        study=getattr(study, "NAME", str(study)),
        over=assumption,
        claim=curve.attrs["claim"],
        target=target,
        found=found,
        curve=curve,
        reps=reps,
        seed=seed,
    )
