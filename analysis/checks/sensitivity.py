"""How the conclusions move when the assumptions move.

Every verdict of a simulated study rests on ``assumed`` rows of its targets table
(``data/published/<study>.csv``), each with a documented plausible range (its ``low``,
``high`` and ``range_reason`` columns). This module moves them and records what happens:

* :func:`exact_grid`: exact (``empirical=True``) replications over any list of settings, each
  dataset made by the study's ``simulate`` and all of them decided at once by the array engine
  (the study's ``decide_batch`` and ``claims_batch``, and the key statistics recomputed on
  arrays). It records the key statistics, every scorecard decision and whether each article
  claim holds.
* :func:`tornado`: one assumption at a time, each assumed row moved to the ends of its range
  (an exact grid); :func:`analysis.engine.plots.tornado` draws it.
* :func:`probability_map`: two assumptions at a time, the probability that a claim (or one
  decision, or the whole published pattern) holds in a study of the published size drawn from
  the population, over a grid of cells with thousands of replicates each (Monte Carlo, through
  :mod:`analysis.checks.parallel`, so it runs locally or on Dask); the pairs that matter are in
  :data:`MAP_PAIRS`, and :func:`analysis.engine.plots.probability_heatmap` draws them.
* :func:`sensitivity` (the exact replication over a small grid, ``study.SENSITIVITY_GRID``)
  and :func:`power` (share of population draws with p < alpha), as before.

The exact path and the Monte Carlo path answer different questions. An exact replication
shows what the data *built to the assumptions* give (the statistics are fixed by the seed);
the probability map shows how often a study *sampled* from that population reproduces the
claim, which is what "the claim depends on the assumption" means for a reader.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..engine.proportions import mc_se, wilson
from ..engine.simulate import as_rng
from ..errors import InputError
from ..studies.base import Batch, count_passed, judge
from .parallel import check_reps_and_seed, check_whole, run_blocks

__all__ = [
    "MAP_PAIRS",
    "TORNADO_STATISTIC",
    "MapSpec",
    "exact_grid",
    "map_pairs",
    "power",
    "probability_map",
    "probability_maps",
    "sensitivity",
    "tornado",
]


# The statistic a tornado plot shows by default: the one that decides the study's most
# assumption-driven claim (estes2017: claim 1 by the group x time interaction; ryu2016: the
# 10 km rise in CK, the weakest of the published effects under the assumed magnitudes).
TORNADO_STATISTIC = {"estes2017": "csa_interaction_p", "ryu2016": "ck_post_10km_p_holm"}


@dataclass(frozen=True)
class MapSpec:
    """One probability map worth drawing: two assumptions, their grids and the claim.

    ``claim`` is an article claim number (``claims_batch``), a scorecard decision id, or
    ``"all"`` (every decision at once); ``facet`` an optional third setting shown as panels,
    e.g. ``("dispersion", ("sem", "sd"))``.
    """

    x: str
    x_values: tuple[float, ...]
    y: str
    y_values: tuple[float, ...]
    claim: int | str
    facet: tuple[str, tuple] | None = None
    why: str = ""


def _grid(low: float, high: float, count: int = 25) -> tuple[float, ...]:
    # rounded so that a cell's setting prints as typed (1.05, not 1.0500000000000003)
    return tuple(round(float(v), 10) for v in np.linspace(low, high, count))


# The pairs of assumptions that matter, per study (issue 11). Each grid covers the row's
# documented range (``low``..``high``) and goes past it to where the verdict changes.
MAP_PAIRS: dict[str, tuple[MapSpec, ...]] = {
    "estes2017": (
        MapSpec(
            "control_csa_pct_change_mean",
            _grid(-4.0, 8.0),
            "control_csa_pct_change_sd",
            _grid(1.0, 7.0),
            1,
            ("dispersion", ("sem", "sd")),
            "claim 1 is decided by the group x time interaction against controls whose change "
            "is wholly assumed; the reading of '±' sets the HIIT group's SD",
        ),
    ),
    "ryu2016": (
        MapSpec(
            "ck_fold_post_10km",
            _grid(1.0, 2.44),
            "ck_corr_pre_post",
            _grid(0.3, 0.9),
            "ck_post_gt_pre_10km",
            None,
            "the 10 km rise in CK is the smallest assumed effect; a paired test gains power "
            "as the within-runner correlation rises",
        ),
        MapSpec(
            "ck_fold_post_10km",
            _grid(1.0, 2.44),
            "ck_corr_pre_post",
            _grid(0.3, 0.9),
            "all",
            None,
            "the whole published pattern (every decision of the scorecard at once)",
        ),
    ),
}


def map_pairs(study: ModuleType | str) -> tuple[MapSpec, ...]:
    """The maps worth drawing for ``study`` (:data:`MAP_PAIRS`), empty if none are defined.

    Examples
    --------
    >>> [m.claim for m in map_pairs("ryu2016")]
    ['ck_post_gt_pre_10km', 'all']
    """
    name = study if isinstance(study, str) else getattr(study, "NAME", "")
    return MAP_PAIRS.get(name, ())


# --- key statistics on arrays ----------------------------------------------------------------


def _members(groups: np.ndarray, group: str) -> np.ndarray:
    return np.flatnonzero(np.asarray(groups) == group)


def _estes2017_statistics(batch: Batch) -> dict[str, np.ndarray]:
    """``estes2017.key_statistics`` for every replicate of ``batch``, on arrays: the same
    tests on the same numbers as ``analyze`` (percent change 100 (post / pre - 1); one-sample
    t with d = mean / SD; Welch with Hedges' g = J d, J = 1 - 3 / (4 (nx + ny) - 9); the
    interaction of the mixed ANOVA, the same under Type II and III with two groups)."""
    from ..engine import anova, ttests

    csa = batch.measures["csa_cm2"]
    change = {}
    for group in ("HIIT", "control"):
        values = csa[:, _members(batch.groups, group)]
        change[group] = 100.0 * (values[..., 1] / values[..., 0] - 1.0)
    hiit, control = change["HIIT"], change["control"]
    nx, ny = hiit.shape[1], control.shape[1]
    pooled = np.sqrt(
        ((nx - 1) * hiit.var(axis=1, ddof=1) + (ny - 1) * control.var(axis=1, ddof=1))
        / (nx + ny - 2)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        d = hiit.mean(axis=1) / hiit.std(axis=1, ddof=1)
        g = (hiit.mean(axis=1) - control.mean(axis=1)) / pooled * (1 - 3 / (4 * (nx + ny) - 9))
    interaction = anova.mixed_anova(csa, batch.groups, ss_type=3)
    return {
        "hiit_csa_p": ttests.one_sample(hiit).p,
        "hiit_csa_d": d,
        "control_csa_p": ttests.one_sample(control).p,
        "csa_change_welch_p": ttests.welch(hiit, control).p,
        "csa_change_hedges_g": g,
        "csa_interaction_p": interaction.p[:, anova.EFFECTS.index("group:time")],
    }


def _ryu2016_statistics(batch: Batch) -> dict[str, np.ndarray]:
    """``ryu2016.key_statistics`` on arrays: Holm-adjusted paired t-tests of log CK within a
    distance (family: post - pre and day3 - pre) and Welch tests between distances at post
    (family: the three pairs), as ``_posthoc_within`` and ``_posthoc_between`` compute them."""
    from ..engine import ttests

    log_ck = np.log(batch.measures["ck_u_l"])
    times = list(batch.times)
    pre, post, day3 = (times.index(t) for t in ("pre", "post", "day3"))

    def within(group: str) -> np.ndarray:
        part = log_ck[:, _members(batch.groups, group)]
        p = [ttests.paired(part[..., pre], part[..., later]).p for later in (post, day3)]
        return ttests.holm(np.stack(p, axis=-1))  # (reps, 2): post, day3

    at_post = {g: log_ck[:, _members(batch.groups, g), post] for g in ("10km", "21km", "42km")}
    pairs = (("21km", "10km"), ("42km", "10km"), ("42km", "21km"))
    between = ttests.holm(
        np.stack([ttests.welch(at_post[a], at_post[b]).p for a, b in pairs], axis=-1)
    )
    ten, forty_two = within("10km"), within("42km")
    return {
        "ck_post_10km_p_holm": ten[:, 0],
        "ck_day3_10km_p_holm": ten[:, 1],
        "ck_day3_42km_p_holm": forty_two[:, 1],
        "ck_post_42_vs_21_p_holm": between[:, 2],
    }


# study -> key statistics of a batch, as arrays (the numbers of ``study.key_statistics``)
ARRAY_STATISTICS: dict[str, Callable[[Batch], dict[str, np.ndarray]]] = {
    "estes2017": _estes2017_statistics,
    "ryu2016": _ryu2016_statistics,
}


# --- the exact grid --------------------------------------------------------------------------


def _split(setting: Mapping[str, Any]) -> tuple[str, dict]:
    rest = dict(setting)
    return rest.pop("dispersion", "sem"), rest


def _simulated(study: ModuleType | str) -> ModuleType:
    """The study (a module, or its registered name) if it is simulated, with a targets table."""
    if isinstance(study, str):
        from ..studies import get_simulated_study

        study = get_simulated_study(study)  # an unknown or published-only name is refused there
    if not (
        callable(getattr(study, "targets", None)) and callable(getattr(study, "simulate", None))
    ):
        raise InputError(
            f"{getattr(study, 'NAME', study)!r} is not a simulated study (it needs simulate and "
            "a targets table); see `python -m analysis studies`."
        )
    return study


def _batched(study: ModuleType | str) -> ModuleType:
    study = _simulated(study)
    if not callable(getattr(study, "decide_batch", None)) or not callable(
        getattr(study, "simulate_batch", None)
    ):
        raise InputError(
            f"{getattr(study, 'NAME', study)} has no array engine (simulate_batch and "
            "decide_batch); tornado(..., engine='replicate') and sensitivity() work without one."
        )
    return study


def _axis(role: str, axis: Any) -> tuple[str, tuple]:
    """A map's ``x``, ``y`` or ``facet``: (an assumption id, its values, at least one)."""
    example = f'e.g. {role}=("control_csa_pct_change_mean", [0.0, 2.0, 4.0])'
    if not (isinstance(axis, tuple | list) and len(axis) == 2 and isinstance(axis[0], str)):
        raise InputError(f"{role} must be a pair (assumption id, values), {example}; got {axis!r}")
    name, values = axis
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InputError(f"{role}: the values of {name} must be a sequence, {example}")
    values = tuple(values)
    if not values:
        raise InputError(f"{role}: give at least one value of {name}, {example}")
    return name, values


@dataclass(frozen=True)
class _ExactCell:
    """One exact replication to make where the work runs: nothing here but picklable values."""

    study: Any
    setting: tuple[tuple[str, Any], ...]
    seed: int
    layout: tuple[tuple[str, int], ...]  # measure -> ndim of its array in a Batch
    subjects: tuple[str, ...]
    times: tuple[str, ...]
    exact_assumed: bool = False


def _exact_arrays(cell: _ExactCell, reps: int, rng) -> dict[str, np.ndarray]:
    """The exact dataset of one setting as the arrays of one Batch replicate. ``reps`` and
    ``rng`` (from :func:`~analysis.checks.parallel.run_blocks`) are not used: an exact
    replication is fixed by the study's own seed, as ``replicate(seed)`` is.

    A study with ``simulate_arrays`` (``simulate``'s dataset as arrays, the same numbers) is
    asked for that: ``simulate``'s data frame costs far more than its numbers, and an exact
    grid makes hundreds of them. Any other study is asked for ``simulate``'s data frame.
    """
    dispersion, rest = _split(dict(cell.setting))
    if cell.exact_assumed:
        rest["exact_assumed"] = True
    simulate_arrays = getattr(cell.study, "simulate_arrays", None)
    try:
        if callable(simulate_arrays):
            made = simulate_arrays(cell.seed, dispersion, empirical=True, **rest)
        else:
            data = cell.study.simulate(cell.seed, dispersion, empirical=True, **rest)
    except InputError as exc:
        shown = ", ".join(f"{k}={v}" for k, v in cell.setting) or "the defaults"
        raise InputError(f"exact replication with {shown}: {exc}") from None
    if callable(simulate_arrays):
        return _placed_arrays(cell, made)
    subject = pd.Index(cell.subjects).get_indexer(data["subject"].astype(str))
    time = pd.Index(cell.times).get_indexer(data["time"].astype(str))
    if (subject < 0).any() or (time < 0).any():
        raise InputError(
            f"{cell.study.NAME}: the exact data have other subjects or times than a batch of "
            "the same design; an exact grid needs the published group sizes."
        )
    out = {}
    for name, ndim in cell.layout:
        column = data[name].to_numpy()
        if ndim == 3:  # (subjects, times)
            values = np.full((len(cell.subjects), len(cell.times)), np.nan)
            values[subject, time] = column
        else:  # one value per subject, repeated on each of its rows
            values = np.empty(len(cell.subjects), dtype=column.dtype)
            values[subject] = column
        out[name] = values
    return out


def _placed_arrays(cell: _ExactCell, made: Batch) -> dict[str, np.ndarray]:
    """The arrays of ``simulate_arrays``'s one replicate ``made``, placed at the subjects and
    times of the grid's batch (``cell.subjects``, ``cell.times``) as :func:`_exact_arrays`
    places the rows of ``simulate``'s data frame: NaN where a per-time measure has no value.

    Raises
    ------
    InputError
        If ``made`` has a subject or time the grid's batch has not.
    """
    where = {s: i for i, s in enumerate(cell.subjects)}
    when = {t: i for i, t in enumerate(cell.times)}
    subject = np.array([where.get(str(s), -1) for s in made.subjects], dtype=np.intp)
    time = np.array([when.get(str(t), -1) for t in made.times], dtype=np.intp)
    if (subject < 0).any() or (time < 0).any():
        raise InputError(
            f"{cell.study.NAME}: the exact data have other subjects or times than a batch of "
            "the same design; an exact grid needs the published group sizes."
        )
    out = {}
    for name, ndim in cell.layout:
        one = made.measures[name][0]  # the only replicate
        if ndim == 3:  # (subjects, times)
            values = np.full((len(cell.subjects), len(cell.times)), np.nan)
            values[np.ix_(subject, time)] = one
        else:  # one value per subject
            values = np.empty(len(cell.subjects), dtype=one.dtype)
            values[subject] = one
        out[name] = values
    return out


def _batch_options(study: ModuleType, setting: Mapping[str, Any]) -> dict:
    """``setting`` as keywords of ``study.simulate_batch``: ``dispersion`` is passed only to a
    simulator that reads a printed "±" (as ``replicate`` does, a study without one ignores it)."""
    dispersion, rest = _split(setting)
    if "dispersion" in setting and _takes(study.simulate_batch, "dispersion", default=True):
        rest["dispersion"] = dispersion
    return rest


# function -> its parameters' names (None: it has no signature). ``inspect.signature`` costs
# about 0.2 ms, and the Monte Carlo grids ask for every cell of a few hundred replicates.
_PARAMETERS: dict[Any, frozenset[str] | None] = {}


def _takes(func: Callable, name: str, *, default: bool) -> bool:
    """Whether ``func`` has a parameter ``name``; ``default`` when it has no signature."""
    try:
        names = _PARAMETERS[func]
    except (KeyError, TypeError):  # not seen yet, or unhashable (then not kept)
        try:
            names = frozenset(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            names = None
        try:
            _PARAMETERS[func] = names
        except TypeError:
            pass
    return default if names is None else name in names


def _pilot(study: ModuleType, setting: Mapping[str, Any]) -> Batch:
    return study.simulate_batch(1, 0, **_batch_options(study, setting))


def _decide(study: ModuleType, batch: Batch) -> dict[str, np.ndarray]:
    """Every number the exact grid records for each replicate of ``batch``."""
    decisions = study.decide_batch(batch)
    with np.errstate(invalid="ignore"):  # a NaN value does not hold
        holds = decisions.holds
    out: dict[str, np.ndarray] = {}
    statistics = ARRAY_STATISTICS.get(study.NAME)
    if statistics is not None:
        out.update(statistics(batch))
    out["decisions_held"] = holds.sum(axis=1)
    out["decisions_total"] = np.full(batch.reps, holds.shape[1])
    out["all_hold"] = holds.all(axis=1)
    claims_batch = getattr(study, "claims_batch", None)
    if callable(claims_batch):
        for claim, value in sorted(_claims(claims_batch, batch, decisions).items()):
            out[f"claim_{claim}"] = np.asarray(value, dtype=bool)
    for j, claim_id in enumerate(decisions.claim_ids):
        out[f"decision_{claim_id}"] = decisions.values[:, j]
    return out


def _claims(claims_batch, batch: Batch, decisions) -> dict:
    takes = _takes(claims_batch, "decisions", default=False)
    return claims_batch(batch, decisions) if takes else claims_batch(batch)


def exact_grid(
    study: ModuleType,
    settings: Iterable[Mapping[str, Any]],
    seed: int = 0,
    *,
    exact_assumed: bool = False,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Exact replications of ``study`` for every setting, decided at once by the array engine.

    Each setting (a mapping of assumption ids, and ``dispersion``, to values) is made into its
    exact dataset by ``study.simulate(seed, empirical=True, ...)``, as ``replicate(seed)``
    makes it (the same numbers as arrays from ``study.simulate_arrays`` where the study has
    it, without building a DataFrame per setting); the datasets are stacked into one :class:`~analysis.studies.base.Batch` (one
    replicate per setting) and decided together by ``decide_batch`` and ``claims_batch``,
    with the key statistics recomputed on the arrays. The datasets are made where the work
    runs (:func:`~analysis.checks.parallel.run_blocks`): in this process, on ``threads``, on a
    ``LocalCluster`` of ``workers`` or on the Dask cluster at ``scheduler``.

    Parameters
    ----------
    study : module
        A simulated study with ``simulate_batch`` and ``decide_batch``.
    settings : iterable of mapping
        One mapping per exact replication; every setting must keep the published group sizes.
    seed : int
        The seed of every exact replication (as ``replicate(seed)``).
    exact_assumed : bool
        ``False`` (the default): the dataset ``replicate(seed)`` analyses, whose published
        moments are exact and whose assumed ones are drawn with the seed (sampling noise, the
        same draws for every setting). ``True``: the assumed moments are made exact too
        (``simulate(exact_assumed=True)``), so a statistic moves with the assumptions only.
    threads, workers, scheduler, progress
        Where the datasets are made (see :func:`analysis.checks.parallel.run_blocks`).

    Returns
    -------
    pandas.DataFrame
        One row per setting: the setting's columns, then the study's key statistics
        (``study.key_statistics``; for a study registered in :data:`ARRAY_STATISTICS`),
        ``decisions_held``/``decisions_total``/``all_hold`` (the scorecard's decision rows),
        ``claim_<c>`` (does article claim ``c`` hold: ``claims_batch``) and
        ``decision_<id>`` (the value the scorecard's ``reproduced`` column shows for that row).

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> grid = exact_grid(estes2017, [{}, {"control_csa_pct_change_mean": 4.0}])
    >>> grid["claim_1"].tolist()  # claim 1 rests on the controls' assumed change
    [True, False]
    >>> bool(grid["csa_interaction_p"].is_monotonic_increasing)
    True
    """
    study = _batched(study)
    if isinstance(settings, str | Mapping) or not isinstance(settings, Iterable):
        raise InputError(
            "settings must be a sequence of settings, each a mapping of assumption ids to "
            "values, e.g. [{}, {'control_csa_pct_change_mean': 2.0}]"
        )
    settings = list(settings)
    bad = [s for s in settings if not isinstance(s, Mapping)]
    if bad:
        raise InputError(
            f"each setting must be a mapping of assumption ids to values, got {bad[0]!r}"
        )
    settings = [dict(s) for s in settings]
    if not settings:
        raise InputError("exact_grid needs at least one setting ([{}] is the defaults)")
    check_whole("seed", seed, 0)
    if exact_assumed and "exact_assumed" not in inspect.signature(study.simulate).parameters:
        raise InputError(f"{study.NAME}.simulate has no exact_assumed option")
    pilot = _pilot(study, settings[0])
    # the per-time measures, and the per-subject ones a decision or statistic may read
    layout = tuple((name, values.ndim) for name, values in pilot.measures.items())
    cells = [
        _ExactCell(
            study,
            tuple(s.items()),
            int(seed),
            layout,
            tuple(str(x) for x in pilot.subjects),
            tuple(pilot.times),
            bool(exact_assumed),
        )
        for s in settings
    ]
    made = run_blocks(
        _exact_arrays,
        cells,
        reps=1,
        seed=int(seed),
        combine=None,
        threads=threads,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        desc=f"exact grid {study.NAME}",
    )
    arrays = [found[0] for found in made]
    batch = Batch(
        study=pilot.study,
        subjects=pilot.subjects,
        groups=pilot.groups,
        times=pilot.times,
        measures={name: np.stack([a[name] for a in arrays]) for name, _ in layout},
        constants=dict(pilot.constants),
        columns=list(pilot.columns),
        # the decisions' rows and thresholds do not depend on the assumptions: the defaults
        assumptions={},
    )
    numbers = _decide(study, batch)
    columns = list(dict.fromkeys(k for s in settings for k in s))
    frame = pd.DataFrame([{k: s.get(k) for k in columns} for s in settings])
    return pd.concat([frame, pd.DataFrame(numbers)], axis=1)


# --- the ordinary path (the reference the array engine is tested against) ----------------------


def _claims_from_verdicts(holds: Mapping[int, str]):
    """Claims read from ``study.claim_verdicts``: claim ``c`` holds when its verdict is
    ``holds[c]``."""

    def read(study, rep, held: pd.Series) -> dict[int, bool]:
        verdicts = study.claim_verdicts(rep).set_index("claim")["verdict"]
        return {c: bool(verdicts.get(c) == v) for c, v in holds.items()}

    return read


def _claims_from_decisions(rows: Mapping[int, Callable[[pd.DataFrame], pd.Series]]):
    """Claims read from the dataset's decisions: claim ``c`` holds when every decision row
    ``rows[c]`` selects from the scorecard holds in the data. For a study whose verdicts do
    not depend on the data (ryu2016's claim 3 rests on the paper's own tests), this is what
    its ``claims_batch`` decides: does the simulated study reproduce the claim's pattern."""

    def read(study, rep, held: pd.Series) -> dict[int, bool]:
        card = rep.scorecard
        return {c: bool(held[card.loc[pick(card), "claim_id"]].all()) for c, pick in rows.items()}

    return read


def _ryu_rows(claimed_by: str, day3: bool):
    def pick(card: pd.DataFrame) -> pd.Series:
        decision = card["statistic"].astype(str).str.startswith("p_")
        chosen = decision & (card["claimed_by"] == claimed_by)
        return chosen & card["claim_id"].str.contains("day3") if day3 else chosen

    return pick


REFERENCE_CLAIMS = {
    "estes2017": _claims_from_verdicts({1: "supported", 2: "partly supported"}),
    "ryu2016": _claims_from_decisions(
        {3: _ryu_rows("paper", False), 4: _ryu_rows("article", True)}
    ),
}


def _replicate_row(study: ModuleType, setting: Mapping[str, Any], seed: int) -> dict:
    """The numbers of :func:`exact_grid` for one setting, by the ordinary path: ``replicate``
    (pandas and pingouin), ``key_statistics``, the scorecard and ``claim_verdicts``.

    A decision holds when the value the scorecard reproduces from the dataset satisfies the
    row's relation (``p < 0.05``), as ``Decisions.holds`` says; not the scorecard's status,
    which judges a decision about wholly assumed data by its probability over many studies.
    """
    dispersion, rest = _split(setting)
    rep = study.replicate(seed, dispersion, **rest)
    card = rep.scorecard
    decisions = card[card["statistic"].astype(str).str.startswith("p_")]
    rows = study.targets().table.set_index("id")
    held = pd.Series(
        {
            claim_id: judge(
                rows.loc[claim_id, "relation"], float(rows.loc[claim_id, "value"]), value, 0.0
            )
            == "PASS"
            for claim_id, value in zip(decisions["claim_id"], decisions["reproduced"], strict=True)
        },
        dtype=bool,
    )
    out = {**setting, **study.key_statistics(rep.tables)}
    out.update(decisions_held=int(held.sum()), decisions_total=len(held), all_hold=bool(held.all()))
    read = REFERENCE_CLAIMS.get(study.NAME)
    if read is not None:
        out.update({f"claim_{c}": v for c, v in read(study, rep, held).items()})
    verdicts = study.claim_verdicts(rep)
    out.update(
        {f"verdict_{c}": v for c, v in zip(verdicts["claim"], verdicts["verdict"], strict=True)}
    )
    for claim_id, value in zip(decisions["claim_id"], decisions["reproduced"], strict=True):
        out[f"decision_{claim_id}"] = float(value)
    return out


def replicate_grid(
    study: ModuleType, settings: Iterable[Mapping[str, Any]], seed: int = 0
) -> pd.DataFrame:
    """:func:`exact_grid` by the ordinary path, one ``replicate`` per setting (slow: seconds
    per setting), plus ``verdict_<c>``, the verdict of each claim from ``claim_verdicts``.

    The reference the array engine is tested against; use :func:`exact_grid` for real grids.
    """
    settings = [dict(s) for s in settings]
    table = pd.DataFrame([_replicate_row(study, s, seed) for s in settings])
    first = list(dict.fromkeys(k for s in settings for k in s))
    return table[first + [c for c in table.columns if c not in first]]


def sensitivity(
    study: ModuleType,
    grid: Mapping[str, Sequence] | None = None,
    seed: int = 0,
    *,
    engine: str = "replicate",
) -> pd.DataFrame:
    """Key statistics of ``study`` for every combination of the assumptions in ``grid``.

    ``grid`` maps an assumption id (or ``dispersion``) to the values to try; by default the
    study's ``SENSITIVITY_GRID``. With ``engine="replicate"`` (the default), one row per
    combination: the settings, the numbers of ``study.key_statistics`` and how many scorecard
    rows pass (``claims_passed`` of ``claims_total``, means and SDs included). With
    ``engine="array"``, the combinations run through :func:`exact_grid` (seconds for hundreds
    of combinations) and the columns are those of :func:`exact_grid`.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> table = sensitivity(estes2017, {"dispersion": ["sem", "sd"]})
    >>> table[["dispersion", "claims_passed"]].shape
    (2, 2)
    >>> fast = sensitivity(estes2017, {"dispersion": ["sem", "sd"]}, engine="array")
    >>> bool(np.allclose(fast["hiit_csa_p"], table["hiit_csa_p"], rtol=1e-9))
    True
    """
    study = _simulated(study)
    grid = {
        k: list(v) if isinstance(v, Iterable) and not isinstance(v, str) else []
        for k, v in dict(grid if grid is not None else study.SENSITIVITY_GRID).items()
    }
    empty = [k for k, values in grid.items() if not values]
    if not grid or empty:
        raise InputError(
            "grid: give each assumption at least one value, as a list "
            f"(e.g. {{'dispersion': ['sem', 'sd']}}){'; empty: ' + ', '.join(empty) if empty else ''}"
        )
    settings = [
        dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())
    ]
    if engine == "array":
        return exact_grid(study, settings, seed)
    if engine != "replicate":
        raise ValueError(f"engine must be 'replicate' or 'array', got {engine!r}")
    rows = []
    for setting in settings:
        rep = study.replicate(seed=seed, **setting)
        rows.append(
            {
                **setting,
                **study.key_statistics(rep.tables),
                "claims_passed": count_passed(rep.scorecard),
                "claims_total": len(rep.scorecard),
            }
        )
    return pd.DataFrame(rows)


# --- one at a time: the tornado -----------------------------------------------------------------


def tornado(
    study: ModuleType,
    seed: int = 0,
    *,
    statistic: str | None = None,
    assumptions: Sequence[str] | None = None,
    engine: str = "array",
    exact_assumed: bool = False,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    **fixed: Any,
) -> pd.DataFrame:
    """Each assumed row of ``study`` moved alone to the ends of its documented range.

    Every assumed row with a range in the study's targets table (``low``, ``high``,
    ``range_reason``: :meth:`~analysis.dataio.targets.Targets.ranges`) is set to its low and
    to its high end, the others staying at their defaults (or at ``fixed``), and the study is
    replicated exactly with ``seed``: by :func:`exact_grid` (``engine="array"``, the default)
    or by ``replicate`` and ``claim_verdicts`` (``engine="replicate"``: the reference, slow).

    Parameters
    ----------
    study : module
        A simulated study.
    seed : int
        The seed of the exact replications.
    statistic : str, optional
        The number :func:`analysis.engine.plots.tornado` draws (``attrs["statistic"]``): a
        column of the result; default the study's :data:`TORNADO_STATISTIC`.
    assumptions : sequence of str, optional
        Only these assumed rows (default: every row with a range).
    engine : {"array", "replicate"}
    exact_assumed : bool
        Make the assumed moments exact too (array engine; see :func:`exact_grid`): each bar
        then shows the assumption's effect alone, without the example dataset's sampling
        noise. Default ``False``: the datasets ``replicate`` analyses.
    threads, workers, scheduler
        Where the exact datasets are made (array engine; see :func:`exact_grid`).
    **fixed
        Settings applied to every replication, e.g. ``dispersion="sd"`` for the tornado
        under the other reading of "±".

    Returns
    -------
    pandas.DataFrame
        One row per assumption x end: ``study, assumption, end`` (``low``/``high``),
        ``value`` (the setting), ``default`` (the row's default), ``unit``, ``range_reason``,
        then the numbers of :func:`exact_grid` at that setting, and ``flips``: the claims
        whose result in the replication differs from the default replication's (``"claim
        1"``, or ``""``). A claim's result is ``claims_batch``'s: for the HIIT study that is
        the verdict ``claim_verdicts`` gives; for the running study, whose verdicts are
        probabilities over many studies, it is whether this one dataset shows the pattern
        the claim rests on (see :func:`claim_ranges` for the probabilities).
        ``attrs["default"]`` holds the numbers of the default replication, ``attrs["fixed"]``
        the fixed settings, ``attrs["statistic"]`` the statistic to draw and ``attrs["seed"]``
        the seed.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> table = tornado(estes2017, assumptions=["control_csa_pct_change_mean"])
    >>> table[["end", "value", "claim_1", "flips"]].to_dict("records")
    [{'end': 'low', 'value': -3.7, 'claim_1': True, 'flips': ''}, {'end': 'high', 'value': 3.7, 'claim_1': False, 'flips': 'claim 1'}]
    >>> table.attrs["default"]["claim_1"], table.attrs["statistic"]
    (True, 'csa_interaction_p')
    """
    study = _simulated(study)
    check_whole("seed", seed, 0)
    t = study.targets()
    ranges = t.ranges()
    if assumptions is not None:
        if isinstance(assumptions, str):
            assumptions = [assumptions]
        assumptions = list(assumptions)
        if not assumptions or len(set(assumptions)) < len(assumptions):
            raise InputError(
                "assumptions: give each assumption to move once, at least one (None moves "
                f"every one with a range: {', '.join(ranges['id'])})"
            )
        unknown = [a for a in assumptions if a not in set(ranges["id"])]
        if unknown:
            raise InputError(
                f"{study.NAME} has no assumed row with a documented range named "
                f"{', '.join(map(repr, unknown))}; rows with ranges: {', '.join(ranges['id'])}."
            )
        ranges = ranges.set_index("id").loc[list(assumptions)].reset_index()
    clash = [i for i in ranges["id"] if i in fixed]
    if clash:
        raise InputError(f"{', '.join(clash)} is both moved and fixed; leave it out of one")
    settings = [dict(fixed)]
    for row in ranges.itertuples():
        settings += [{**fixed, row.id: float(row.low)}, {**fixed, row.id: float(row.high)}]
    if engine == "array":
        numbers = exact_grid(
            study,
            settings,
            seed,
            exact_assumed=exact_assumed,
            threads=threads,
            workers=workers,
            scheduler=scheduler,
        )
    elif engine == "replicate":
        if exact_assumed:
            raise ValueError("exact_assumed needs engine='array' (replicate has no such option)")
        numbers = replicate_grid(study, settings, seed)
    else:
        raise ValueError(f"engine must be 'array' or 'replicate', got {engine!r}")
    setting_columns = list(dict.fromkeys(k for s in settings for k in s))
    numbers = numbers.drop(columns=setting_columns)
    default = numbers.iloc[0].to_dict()
    claims = [c for c in numbers.columns if c.startswith("claim_")]
    rows = []
    for k, row in enumerate(ranges.itertuples()):
        for j, end in enumerate(("low", "high")):
            found = numbers.iloc[1 + 2 * k + j].to_dict()
            flips = [c.replace("_", " ") for c in claims if bool(found[c]) != bool(default[c])]
            rows.append(
                {
                    "study": study.NAME,
                    "assumption": row.id,
                    "end": end,
                    "value": float(getattr(row, end)),
                    "default": float(row.value),
                    "unit": "" if pd.isna(row.unit) else str(row.unit),
                    "range_reason": row.range_reason,
                    **found,
                    "flips": ", ".join(flips),
                }
            )
    table = pd.DataFrame(rows)
    statistic = statistic or TORNADO_STATISTIC.get(study.NAME)
    if statistic is not None and statistic not in table.columns:
        raise InputError(
            f"{statistic!r} is not a number the tornado records; choose one of "
            f"{', '.join(c for c in numbers.columns if not c.startswith('claim_'))}."
        )
    table.attrs.update(
        default=default,
        fixed=dict(fixed),
        seed=seed,
        study=study.NAME,
        statistic=statistic,
        exact_assumed=exact_assumed,
    )
    return table


# --- two at a time: probability maps ------------------------------------------------------------


@dataclass(frozen=True)
class _MapCell:
    """One cell of one or more probability maps over the same grid, as a worker needs it."""

    study: Any
    setting: tuple[tuple[str, Any], ...]
    claims: tuple[int | str, ...]
    outcomes: tuple[str, ...] | None


def _map_block(cell: _MapCell, reps: int, rng: np.random.Generator) -> np.ndarray:
    """(holds, undefined) of each claim of the cell, over the same ``reps`` population draws:
    how many replicates reproduce the claim, and in how many its decision could not be
    computed (NaN, which counts as not holding, as in :func:`analysis.checks.power.power`)."""
    options = _batch_options(cell.study, dict(cell.setting))
    if cell.outcomes is not None:
        options["outcomes"] = list(cell.outcomes)
    # the block's SeedSequence itself, as analysis.checks.power passes it: a study may cut its
    # own streams from it (ryu2016 spawns one per block, outcome and distance)
    try:
        batch = cell.study.simulate_batch(reps, rng.bit_generator.seed_seq, **options)
    except InputError as exc:
        shown = ", ".join(f"{k}={v}" for k, v in cell.setting)
        raise InputError(f"probability map cell {shown}: {exc}") from None
    # only whether each decision holds (or is missing) is counted: the exact p is not needed
    from .power import counting_options

    counting = counting_options(cell.study.decide_batch)
    # the decisions the claims read, computed once for all of them: every decision when the
    # whole pattern is mapped, else the named ones (whether a decision holds, or is missing,
    # does not depend on which others are computed with it)
    named = [c for c in cell.claims if isinstance(c, str) and c != "all"]
    decisions = None
    if "all" in cell.claims:
        decisions = cell.study.decide_batch(batch, **counting)
    elif named:
        decisions = cell.study.decide_batch(batch, only=named, **counting)
    counts = []
    for claim in cell.claims:
        undefined = 0
        if claim == "all":
            undefined = int(np.isnan(decisions.values).any(axis=1).sum())
            with np.errstate(invalid="ignore"):
                holds = decisions.all_hold
        elif isinstance(claim, str):
            column = decisions.claim_ids.index(claim)
            undefined = int(np.isnan(decisions.values[:, column]).sum())
            with np.errstate(invalid="ignore"):
                holds = decisions.holds[:, column]
        elif _takes(cell.study.claims_batch, "only", default=False):  # this claim alone
            holds = cell.study.claims_batch(batch, only=[claim])[claim]
        else:
            holds = _claims(cell.study.claims_batch, batch, None)[claim]
        counts += [int(np.sum(holds)), undefined]
    return np.array(counts, dtype=np.int64)


def _check_claim(study: ModuleType, claim: int | str, fixed: Mapping[str, Any]) -> int | str:
    pilot = _pilot(study, fixed)
    ids = tuple(study.decide_batch(pilot).claim_ids)
    if isinstance(claim, str) and (claim == "all" or claim in ids):
        return claim
    claims_batch = getattr(study, "claims_batch", None)
    known = sorted(_claims(claims_batch, pilot, None)) if callable(claims_batch) else []
    if isinstance(claim, int | np.integer) and not isinstance(claim, bool) and claim in known:
        return int(claim)
    raise InputError(
        f"{study.NAME} has no claim or decision {claim!r}; choose an article claim "
        f"({', '.join(map(str, known)) or 'none'}), a decision ({', '.join(ids)}) or 'all'."
    )


def _outcomes(study: ModuleType, claim: int | str) -> tuple[str, ...] | None:
    """The measures a decision needs, when the study's simulator can draw a subset
    (``simulate_batch(outcomes=...)``); None (all) for a claim or the whole pattern."""
    try:
        takes = "outcomes" in inspect.signature(study.simulate_batch).parameters
    except (TypeError, ValueError):
        takes = False
    options = getattr(study, "OUTCOMES", None)
    if not takes or not isinstance(claim, str) or claim == "all" or options is None:
        return None
    quantity = study.targets().row(claim)["quantity"]
    return (quantity,) if quantity in options else None


def _label(t, assumption: str) -> str:
    if assumption == "dispersion":
        return "reading of ±"
    if assumption == "n":
        return "n (subjects per group)"
    unit = t.row(assumption)["unit"]
    return assumption if pd.isna(unit) or not str(unit) else f"{assumption} ({unit})"


def probability_map(
    study: ModuleType,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    claim: int | str = "all",
    reps: int = 2_000,
    seed: int = 0,
    *,
    facet: tuple[str, Sequence[Any]] | None = None,
    common: bool = True,
    chunk: int | None = None,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
    **fixed: Any,
) -> pd.DataFrame:
    """The probability that ``claim`` holds over a grid of two assumptions.

    Each cell (a value of ``x`` by a value of ``y``, for each value of ``facet``) draws
    ``reps`` datasets of the published size from the population its assumptions describe
    (the study's ``simulate_batch``) and counts those in which the claim holds. The cells run
    in seeded blocks through :func:`analysis.checks.parallel.run_blocks`, so a map is the
    same, bit for bit, locally, on ``threads``, on ``workers`` or on a Dask cluster.

    Parameters
    ----------
    study : module
        A simulated study with ``simulate_batch`` and ``decide_batch``.
    x, y : (str, sequence of float)
        An assumption id (or ``"dispersion"``) and its values.
    claim : int or str
        An article claim number (``claims_batch``), a decision id of the scorecard
        (``decide_batch(only=...)``; only the measures it needs are drawn when the study's
        ``simulate_batch`` takes ``outcomes``), or ``"all"``: every decision at once.
    reps : int
        Replicates per cell; the Monte Carlo SE is at most ``0.5 / sqrt(reps)`` (1.1
        percentage points at 2,000).
    seed : int
        Same seed, same map.
    facet : (str, sequence), optional
        A third setting shown as panels, e.g. ``("dispersion", ("sem", "sd"))``.
    common : bool
        Common random numbers (the default): every cell draws the same seeded streams, so
        neighbouring cells differ by their assumptions, not by the luck of the draw, and each
        cell equals :func:`analysis.checks.power.power` run on that setting with the same seed.
    chunk, threads, workers, scheduler, progress
        How the work runs (:func:`analysis.checks.parallel.run_blocks`).
    **fixed
        Settings applied to every cell (other assumptions, ``dispersion``).

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``study``, ``claim``, the facet's column if any, the ``x`` and
        ``y`` columns (named by their ids), ``probability`` (share of replicates in which the
        claim holds), ``mc_se`` (``sqrt(p (1 - p) / reps)``), ``ci_low``/``ci_high`` (95 %
        Wilson), ``holds``, ``undefined`` and ``reps``. ``attrs`` names ``x``, ``y``,
        ``facet``, ``claim``, ``labels`` (axis labels with units), ``defaults`` (the
        assumptions' defaults) and ``seed``, for :func:`analysis.engine.plots.probability_heatmap`.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> m = probability_map(estes2017, ("control_csa_pct_change_mean", [0.0, 6.0]),
    ...                     ("control_csa_pct_change_sd", [3.0]), claim=1, reps=500)
    >>> low, high = m["probability"]
    >>> bool(low > high + 3 * m["mc_se"].max()), int(m["reps"].iloc[0])
    (True, 500)
    """
    maps = probability_maps(
        study,
        x,
        y,
        (claim,),
        reps,
        seed,
        facet=facet,
        common=common,
        chunk=chunk,
        threads=threads,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        **fixed,
    )
    return next(iter(maps.values()))


def probability_maps(
    study: ModuleType,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    claims: Sequence[int | str] = ("all",),
    reps: int = 2_000,
    seed: int = 0,
    *,
    facet: tuple[str, Sequence[Any]] | None = None,
    common: bool = True,
    chunk: int | None = None,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
    **fixed: Any,
) -> dict[int | str, pd.DataFrame]:
    """:func:`probability_map` of several claims over the same grid, from one set of draws.

    Each cell is simulated once and every claim is judged on the same replicates, so each
    map equals, bit for bit, the one :func:`probability_map` gives for that claim with the
    same seed (whether a decision holds does not depend on the measures drawn beside it, nor
    on the other decisions computed with it); what is saved is the drawing and the tests the
    claims share.

    Parameters
    ----------
    claims : sequence of int or str
        Article claim numbers, decision ids or ``"all"``, as ``claim`` of
        :func:`probability_map`; each is mapped once, in this order.
    study, x, y, reps, seed, facet, common, chunk, threads, workers, scheduler, progress, fixed
        As for :func:`probability_map`.

    Returns
    -------
    dict
        Claim -> its map (the table :func:`probability_map` returns).

    Examples
    --------
    >>> from analysis.studies import ryu2016
    >>> grid = (("ck_fold_post_10km", [1.2, 2.0]), ("ck_corr_pre_post", [0.6]))
    >>> maps = probability_maps(ryu2016, *grid, ["ck_post_gt_pre_10km", "all"], reps=300)
    >>> one = probability_map(ryu2016, *grid, "ck_post_gt_pre_10km", reps=300)
    >>> list(maps), maps["ck_post_gt_pre_10km"].equals(one)
    (['ck_post_gt_pre_10km', 'all'], True)
    """
    study = _batched(study)
    check_reps_and_seed(reps, seed)
    (x_id, x_values), (y_id, y_values) = _axis("x", x), _axis("y", y)
    facet_id, facet_values = _axis("facet", facet) if facet is not None else (None, (None,))
    names = [n for n in (facet_id, x_id, y_id) if n is not None]
    if len(set(names)) < len(names) or any(n in fixed for n in names):
        raise InputError(
            f"x, y, facet and the fixed settings must name different assumptions: {names}"
        )
    if isinstance(claims, str | int | np.integer):
        claims = [claims]
    claims = tuple(dict.fromkeys(_check_claim(study, c, fixed) for c in claims))
    if not claims:
        raise InputError("name at least one claim to map (a claim, a decision id or 'all')")
    outcomes = _union_outcomes(study, claims)
    settings = []
    for f in facet_values:
        for yv in y_values:
            for xv in x_values:
                setting = dict(fixed)
                if facet_id is not None:
                    setting[facet_id] = f
                setting[x_id], setting[y_id] = _plain(xv), _plain(yv)
                settings.append(setting)
    cells = [_MapCell(study, tuple(s.items()), claims, outcomes) for s in settings]
    counts = np.array(
        run_blocks(
            _map_block,
            cells,
            reps,
            seed,
            chunk=chunk,
            common=common,
            threads=threads,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            desc=f"map {study.NAME}",
        ),
        dtype=np.int64,
    ).reshape(len(cells), len(claims), 2)
    t = study.targets()
    ids = set(t.table["id"])
    maps = {}
    for k, claim in enumerate(claims):
        holds, undefined = counts[:, k, 0], counts[:, k, 1]
        share = holds / reps
        low, high = wilson(holds, reps)
        table = pd.DataFrame(
            {
                "study": study.NAME,
                "claim": str(claim),
                **({facet_id: [s[facet_id] for s in settings]} if facet_id is not None else {}),
                x_id: [s[x_id] for s in settings],
                y_id: [s[y_id] for s in settings],
                "probability": share,
                "mc_se": mc_se(share, reps),
                "ci_low": low,
                "ci_high": high,
                "holds": holds,
                "undefined": undefined,
                "reps": reps,
            }
        )
        table.attrs.update(
            study=study.NAME,
            x=x_id,
            y=y_id,
            facet=facet_id,
            claim=claim,
            seed=seed,
            reps=reps,
            fixed=dict(fixed),
            labels={n: _label(t, n) for n in names},
            defaults={n: _default(t, n, ids) for n in names},
        )
        maps[claim] = table
    return maps


def _default(t, name: str, ids: set) -> Any:
    """The value a map's axis has when nothing moves it (the heatmap marks it)."""
    if name in ids:
        return t.value(name)
    return "sem" if name == "dispersion" else None  # n: the published sizes, one per group


def _union_outcomes(study: ModuleType, claims: Sequence[int | str]) -> tuple[str, ...] | None:
    """The measures every claim of ``claims`` needs (:func:`_outcomes`), in the study's
    order; None (all) when any of them needs all."""
    needed = [_outcomes(study, c) for c in claims]
    if any(n is None for n in needed):
        return None
    wanted = {o for n in needed for o in n}
    return tuple(o for o in study.OUTCOMES if o in wanted)


# --- the claims over the assumptions' ranges (the report's claims table) ----------------------

RANGE_REPS = 1_000  # draws per setting: Monte Carlo SE <= 1.6 percentage points


@dataclass(frozen=True)
class _ClaimsCell:
    study: Any
    setting: tuple[tuple[str, Any], ...]
    claims: tuple[int, ...]


def _claims_block(cell: _ClaimsCell, reps: int, rng: np.random.Generator) -> np.ndarray:
    """How many of ``reps`` population draws reproduce each claim of ``cell.claims``, then 1
    if the study refused to simulate the setting (0 otherwise)."""
    options = _batch_options(cell.study, dict(cell.setting))
    try:
        batch = cell.study.simulate_batch(reps, rng.bit_generator.seed_seq, **options)
    except InputError:  # an end of a range the population model cannot reach: reported
        return np.array([0] * len(cell.claims) + [1], dtype=np.int64)
    holds = _claims(cell.study.claims_batch, batch, None)
    with np.errstate(invalid="ignore"):
        counts = [int(np.sum(holds[c])) for c in cell.claims]
    return np.array([*counts, 0], dtype=np.int64)


def claim_ranges(
    study: ModuleType,
    reps: int = RANGE_REPS,
    seed: int = 0,
    *,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool | Callable[[int], None] = False,
    **fixed: Any,
) -> pd.DataFrame:
    """How the probability that each article claim holds moves over the assumptions' ranges.

    The probability that a study of the published size reproduces the claim (``reps``
    population draws, common random numbers) at the defaults, and with each assumed row
    moved alone to the low and the high end of its documented range: the tornado's settings
    (:func:`tornado`), judged by probability instead of one exact dataset. Assumptions that
    act together can move it further than any one alone; notebook 04's maps show two at once.

    Parameters
    ----------
    study : module
        A simulated study with ``simulate_batch`` and ``claims_batch``.
    reps : int
        Draws per setting; the Monte Carlo SE is at most ``0.5 / sqrt(reps)``.
    seed : int
        Same seed, same table.
    threads, workers, scheduler
        Where the settings run (:func:`analysis.checks.parallel.run_blocks`).
    progress : bool or callable
        A progress bar, or a function called after each block
        (:func:`~analysis.checks.parallel.run_blocks`).
    **fixed
        Settings applied everywhere (e.g. ``dispersion="sd"``).

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``study, claim``, ``probability`` (at the defaults), ``low`` and
        ``high`` (the smallest and largest over the defaults and every end), ``low_at`` and
        ``high_at`` (the setting that gave them, ``id = value``, or ``defaults``),
        ``settings`` (how many were judged), ``not_simulable`` (ends the population model
        cannot reach, e.g. an SD that makes too many body masses implausible: left out) and
        ``reps``.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> r = claim_ranges(estes2017, reps=200).set_index("claim")
    >>> bool(r.loc[1, "low"] <= r.loc[1, "probability"] <= r.loc[1, "high"])
    True
    >>> r.loc[1, "low_at"].split(" = ")[0] in set(estes2017.targets().ranges()["id"])
    True
    """
    study = _batched(study)
    check_reps_and_seed(reps, seed)
    if not callable(getattr(study, "claims_batch", None)):
        raise InputError(f"{study.NAME} decides no article claim (it has no claims_batch).")
    claims = tuple(sorted(_claims(study.claims_batch, _pilot(study, fixed), None)))
    ranges = study.targets().ranges()
    clash = [i for i in ranges["id"] if i in fixed]
    if clash:
        raise InputError(f"{', '.join(clash)} is both moved and fixed; leave it out of one")
    settings, labels = [dict(fixed)], ["defaults"]
    for row in ranges.itertuples():
        for end in ("low", "high"):
            value = float(getattr(row, end))
            settings.append({**fixed, row.id: value})
            labels.append(f"{row.id} = {value:g}")
    cells = [_ClaimsCell(study, tuple(s.items()), claims) for s in settings]
    counts = np.array(
        run_blocks(
            _claims_block,
            cells,
            reps,
            seed,
            common=True,
            threads=threads,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            desc=f"claim ranges {study.NAME}",
        )
    )
    refused = counts[:, -1] > 0
    if refused[0]:
        raise InputError(f"{study.NAME} cannot be simulated with {fixed or 'its defaults'}.")
    share = np.where(refused[:, None], np.nan, counts[:, :-1] / reps)  # (settings, claims)
    skipped = ", ".join(label for label, no in zip(labels, refused, strict=True) if no)
    rows = []
    for j, claim in enumerate(claims):
        low, high = int(np.nanargmin(share[:, j])), int(np.nanargmax(share[:, j]))
        rows.append(
            {
                "study": study.NAME,
                "claim": claim,
                "probability": share[0, j],
                "low": share[low, j],
                "high": share[high, j],
                "low_at": labels[low],
                "high_at": labels[high],
                "settings": int((~refused).sum()),
                "not_simulable": skipped,
                "reps": reps,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs.update(study=study.NAME, seed=seed, reps=reps, fixed=dict(fixed))
    return table


def default_maps(
    study: ModuleType, reps: int = 2_000, seed: int = 0, *, step: int = 1, **options: Any
) -> dict[str, pd.DataFrame]:
    """Every probability map of :data:`MAP_PAIRS` for ``study``, by name
    (``<study>_map_<claim>``).

    ``step`` takes every ``step``-th value of each 25-value grid (2: 13 x 13 cells), for a
    quicker look; other keywords go to :func:`probability_map` (``workers=``, ``scheduler=``).

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> maps = default_maps(estes2017, reps=20, step=12)
    >>> list(maps), len(maps["estes2017_map_1"])
    (['estes2017_map_1'], 18)
    """
    check_whole("step", step, 1)  # 2: every other value of each grid
    study = _batched(study)
    # maps over the same grid are judged on the same draws (probability_maps): one pass
    grids: dict[tuple, list[MapSpec]] = {}
    for spec in map_pairs(study):
        grids.setdefault((spec.x, spec.x_values, spec.y, spec.y_values, spec.facet), []).append(
            spec
        )
    made = {}
    for (x, x_values, y, y_values, facet), specs in grids.items():
        found = probability_maps(
            study,
            (x, tuple(x_values)[::step]),
            (y, tuple(y_values)[::step]),
            [spec.claim for spec in specs],
            reps=reps,
            seed=seed,
            facet=facet,
            **options,
        )
        for spec in specs:
            made[spec.claim] = found[spec.claim]
    # in the order of MAP_PAIRS
    return {f"{study.NAME}_map_{spec.claim}": made[spec.claim] for spec in map_pairs(study)}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --- power, as before ---------------------------------------------------------------------------


def power(
    study: ModuleType,
    statistic: str,
    n_sims: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    **assumptions,
) -> pd.Series:
    """Share of population draws in which ``statistic`` (a p-value) falls below ``alpha``.

    When ``statistic`` is a scorecard decision of a study with an array engine that holds
    when ``p < alpha`` (``hiit_csa_p``), this is :func:`analysis.checks.power.power` (seeded
    blocks, thousands of replicates a second); otherwise each draw is
    ``study.simulate(empirical=False)`` analysed by ``study.analyze``, with ``statistic`` a
    p-value of ``study.key_statistics``. Returns the estimate with a 95 % Wilson interval
    and the number of draws.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> res = power(estes2017, "hiit_csa_p", n_sims=20, seed=1)
    >>> 0 <= res["power"] <= 1
    True
    """
    study = _simulated(study)
    check_whole("n_sims", n_sims, 1)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InputError(f"alpha must be a number between 0 and 1, got {alpha!r}")
    drawn = isinstance(seed, np.random.Generator)  # a generator's draws: the loop below
    if not drawn:
        check_whole("seed", seed, 0)
    if not drawn and _decides_below(study, statistic, alpha):
        from .power import power as fast_power

        options = dict(assumptions)
        dispersion = options.pop("dispersion", None)
        row = fast_power(study, reps=n_sims, seed=seed, dispersion=dispersion, **options)[statistic]
        share, low, high = float(row["power"]), float(row["ci_low"]), float(row["ci_high"])
    else:
        rng = as_rng(seed)
        hits = 0
        for _ in range(n_sims):
            data = study.simulate(seed=rng, empirical=False, **assumptions)
            stats = study.key_statistics(study.analyze(data, validate=False))
            if statistic not in stats:  # known after the first analysis: refused there
                raise InputError(
                    f"{study.NAME} has no statistic {statistic!r}; its key statistics are "
                    f"{', '.join(map(str, stats.index if hasattr(stats, 'index') else stats))}"
                )
            hits += bool(stats[statistic] < alpha)
        share = hits / n_sims
        low, high = (float(end) for end in wilson(hits, n_sims))
    return pd.Series(
        {
            "statistic": statistic,
            "alpha": alpha,
            "n_sims": n_sims,
            "power": share,
            "ci_low": low,
            "ci_high": high,
        }
    )


def _decides_below(study: ModuleType, statistic: str, alpha: float) -> bool:
    """Whether ``statistic`` is a decision row of the array engine that holds at p < alpha."""
    if not (
        callable(getattr(study, "decide_batch", None)) and callable(getattr(study, "targets", None))
    ):
        return False
    claims = study.targets().claims()
    row = claims[claims["id"] == statistic]
    return (
        len(row) == 1
        and str(row["statistic"].iloc[0]).startswith("p_")
        and row["relation"].iloc[0] == "<"
        and float(row["value"].iloc[0]) == alpha
    )
