"""The HIIT study (Estes et al. 2017) for Monte Carlo work: many replicates as arrays (issue 11).

:func:`simulate_batch` draws ``reps`` datasets at once from the population model of
:func:`analysis.studies.estes2017.simulate` with ``empirical=False``; :func:`decide_batch` gives,
for every replicate, the value the scorecard's ``reproduced`` column would show for each of its
decision rows (the p-values); :func:`claims_batch` gives the verdicts on the article's claims 1
and 2 that :func:`~analysis.studies.estes2017.claim_verdicts` would reach. Everything runs on
numpy arrays through the array engine (:mod:`analysis.engine.ttests`,
:mod:`analysis.engine.anova`): no data frame and no loop over replicates, so that power over
100,000 replicates costs about a second instead of hours.

The model, per group and subject (as ``estes2017._simulate_group`` draws it):

* four independent pairs of normal variables: (age, height) and (body mass, relative VO2max)
  at baseline, uncorrelated; (baseline CSA, % change in CSA) with the assumed correlation
  ``csa_change_baseline_corr``; (% change in relative VO2max, % change in absolute VO2max)
  with the correlation that gives the body-mass change its assumed SD;
* post = pre x (1 + % change / 100) for CSA and relative VO2max; body mass changes by
  ``(1 + abs) / (1 + rel)``; absolute VO2max = relative x body mass / 1000 at each time;
* the ``n_male`` heaviest subjects (at baseline) are the men.

Means and SDs come from ``data/published/estes2017.csv`` with the assumptions given; a printed
``±`` is an SEM (SD = SEM x sqrt(published n)) or an SD as ``dispersion`` says. The SD stays
the population's when ``n`` is changed: only the number of subjects drawn moves.

``simulate`` refuses a dataset in which a subject's body mass changes by more than 5 %
(:data:`~analysis.studies.estes2017.MAX_BODY_MASS_CHANGE_PCT`). A batch draws the VO2max
changes of such a group again until it passes, which gives exactly the distribution of the
datasets ``simulate`` returns (the check depends on that block only, and the blocks are
independent). Under the default assumptions that happens to about 3 in 100,000 replicates; when
the assumptions make it frequent (the model refuses more than :data:`MAX_REDRAWN_SHARE` of the
groups, computed, not counted, so whatever the seed and ``reps``), the batch is refused instead,
with a message naming the assumption to lower.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from scipy import special

from ..dataio.targets import Targets
from ..engine import anova, ttests
from ..engine.simulate import child_seed, root_seed
from ..errors import InputError
from .base import Batch, Decisions

__all__ = [
    "MAX_REDRAWN_SHARE",
    "claims_batch",
    "csa_interaction_batch",
    "decide_batch",
    "simulate_batch",
]

# Above this share of groups failing the body-mass check, the assumptions are refused rather
# than the failing groups drawn again: the data would no longer be the model's population
# but a selection from it, and ``simulate`` would fail for that share of seeds.
MAX_REDRAWN_SHARE = 0.01
# ``verdicts.decide_by_interaction``'s default alpha, the one ``_claim1`` decides claim 1 with.
ALPHA = 0.05
# Pairs of variables drawn together per subject, in the order ``_simulate_group`` draws them,
# with the targets-table id of their correlation (None: uncorrelated; "vo2": derived).
_BLOCKS = (
    (("age", "height"), None),
    (("body_mass", "vo2max_rel"), None),
    (("csa_pre", "csa_pct_change"), "csa_change_baseline_corr"),
    (("vo2max_rel_pct_change", "vo2max_abs_pct_change"), "vo2"),
)


def _study():
    """The study module, imported when first needed: it re-exports this module's functions,
    so a module-level import would be circular."""
    from . import estes2017

    return estes2017


def _group_sizes(t: Targets, n) -> dict[str, int]:
    """Subjects per group: the targets table's n, or ``n`` (an int for every group or a
    mapping group -> int)."""
    study = _study()
    sizes = {g: t.count(f"{study._PREFIX[g]}_n") for g in study.GROUPS}
    if n is None:
        return sizes
    if isinstance(n, Mapping):
        unknown = sorted(set(n) - set(sizes))
        if unknown:
            raise InputError(
                f"n names unknown group(s) {', '.join(map(repr, unknown))}; the groups are "
                f"{', '.join(study.GROUPS)}."
            )
        given = dict(n)
    else:
        given = dict.fromkeys(sizes, n)
    for group, size in given.items():
        whole = isinstance(size, int | np.integer) and not isinstance(size, bool)
        if not whole or size < 2:
            raise InputError(
                f"n for the {group} group must be a whole number of 2 or more (a t-test needs "
                f"2 subjects), got {size!r}."
            )
        sizes[group] = int(size)
    return sizes


def _men(t: Targets, group: str, n: int) -> int:
    """How many men a group of ``n`` has: the table's count, or for another n the table's
    share of men rounded (half up), so that a sample-size search keeps the sex ratio."""
    study = _study()
    p = study._PREFIX[group]
    n_table, men = t.count(f"{p}_n"), t.count(f"{p}_n_male")
    if men > n_table:
        raise InputError(f"{group}: {men} men in a group of {n_table}.")
    return men if n == n_table else int(math.floor(men * n / n_table + 0.5))


def _parameters(t: Targets, group: str, dispersion: str) -> list[tuple]:
    """(means, sds, correlation) of each block of ``_BLOCKS``, checked as ``simulate`` checks
    them, with the same messages."""
    study = _study()
    p = study._PREFIX[group]
    found = []
    for keys, corr in _BLOCKS:
        pairs = [study._mean_sd(t, f"{p}_{k}", dispersion) for k in keys]
        zero = [f"{p}_{k}_sd = {sd:g}" for k, (_, sd) in zip(keys, pairs, strict=True) if sd <= 0]
        if zero:
            raise InputError(
                f"{study.NAME} {group} group cannot be simulated with {', '.join(zero)} (every "
                "variable is drawn at random, so each SD must be above 0); change the "
                "assumptions you gave towards their defaults."
            )
        if corr == "vo2":
            # the correlation that gives the body-mass change its assumed SD (raises, naming
            # the rows, when no correlation can)
            r = study._vo2_change_correlation(
                pairs[0][1], pairs[1][1], t.value(f"{p}_body_mass_pct_change_sd"), p, dispersion
            )
        elif corr is not None:
            r = t.value(corr)
            # rnorm_multi refuses a singular correlation matrix (smallest eigenvalue 1 - |r|
            # below 1e-8): the two variables would be exact functions of each other
            if not 1 - abs(r) >= 1e-8:
                raise InputError(
                    f"{study.NAME} {group} group cannot be simulated with {corr} = {r:g} (the "
                    f"correlation matrix is singular: {keys[0]} and {keys[1]} would be exact "
                    "linear functions of each other); change the assumptions you gave towards "
                    "their defaults."
                )
        else:
            r = 0.0
        found.append(([m for m, _ in pairs], [s for _, s in pairs], r))
    return found


def _pair(z: np.ndarray, means, sds, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Two normal variables with correlation ``r`` from two independent standard normals
    (``z[0]`` and ``z[1]``): the Cholesky root of the 2 x 2 correlation matrix, which gives the
    same distribution as ``rnorm_multi``'s symmetric root."""
    second = r * z[0] + math.sqrt(1.0 - r * r) * z[1] if r else z[1]
    return means[0] + sds[0] * z[0], means[1] + sds[1] * second


def _mass_factor(rel_pct: np.ndarray, abs_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(relative VO2max factor, body-mass factor) of the two VO2max % changes, as ``simulate``
    computes them: ``(1 + abs) = (1 + rel)(1 + mass)``."""
    rel_factor = 1 + rel_pct / 100
    return rel_factor, (1 + abs_pct / 100) / rel_factor


def _refused(mass_factor: np.ndarray) -> np.ndarray:
    """(reps,) True where ``simulate`` would refuse the group: a body mass changes by more
    than the limit."""
    limit = _study().MAX_BODY_MASS_CHANGE_PCT
    return (np.abs(mass_factor - 1) * 100 > limit).any(axis=-1)


def _refused_share(means, sds, r: float, n: int) -> float:
    """The share of groups of ``n`` that ``simulate`` would refuse, from the model.

    With ``k`` the limit as a fraction, a subject is refused when
    ``1 + abs/100 > (1 + k)(1 + rel/100)`` or ``< (1 - k)(1 + rel/100)``, that is when
    ``abs - (1 + k) rel > 100 k`` or ``abs - (1 - k) rel < -100 k``: two linear combinations of
    the bivariate normal changes, and (while relative VO2max stays positive) disjoint events.
    Computed rather than counted so that the refusal does not depend on the seed or on
    ``reps``.
    """
    k = _study().MAX_BODY_MASS_CHANGE_PCT / 100
    (m_rel, m_abs), (s_rel, s_abs) = means, sds
    subject = 0.0
    for factor, tail in ((1 + k, 1.0), (1 - k, -1.0)):
        mean = m_abs - factor * m_rel
        sd = math.sqrt(s_abs**2 + (factor * s_rel) ** 2 - 2 * factor * r * s_abs * s_rel)
        subject += special.ndtr((mean - 100 * k) / sd if tail > 0 else (-100 * k - mean) / sd)
    return 1.0 if subject >= 1 else float(-math.expm1(n * math.log1p(-subject)))


def _check_redrawn(means, sds, r, size: int, group: str, p: str) -> None:
    """Refuse assumptions under which too many groups of ``size`` would be drawn again."""
    share = _refused_share(means, sds, r, size)
    if share > MAX_REDRAWN_SHARE:
        raise InputError(
            f"{group}: under these assumptions {share:.1%} of simulated groups of {size} have "
            f"a subject whose body mass changes by more than "
            f"{_study().MAX_BODY_MASS_CHANGE_PCT} % in 10 weeks, which simulate refuses (a batch "
            f"redraws them up to {MAX_REDRAWN_SHARE:.0%}); "
            f"{_study().body_mass_advice(p, *means)}."
        )


def _vo2_changes(rng, shape, means, sds, r, group: str, p: str, checked: bool = False, first=None):
    """The two VO2max % changes of one group, with the groups ``simulate`` would refuse drawn
    again (see the module docstring). ``checked``: :func:`_check_redrawn` already passed;
    ``first``: the standard normals of the first draw, (2, *shape), else drawn from ``rng``
    (which draws the groups drawn again in either case)."""
    if not checked:
        _check_redrawn(means, sds, r, shape[1], group, p)
    if first is None:
        first = rng.standard_normal((2, *shape))
    rel_pct, abs_pct = _pair(first, means, sds, r)
    _, mass_factor = _mass_factor(rel_pct, abs_pct)
    bad = np.flatnonzero(_refused(mass_factor))
    for _ in range(100):  # each round redraws the few left, with the same small chance of failing
        if not bad.size:
            return rel_pct, abs_pct
        rel_new, abs_new = _pair(rng.standard_normal((2, bad.size, shape[1])), means, sds, r)
        rel_pct[bad], abs_pct[bad] = rel_new, abs_new
        _, mass_factor = _mass_factor(rel_new, abs_new)
        bad = bad[_refused(mass_factor)]
    # only where relative VO2max can fall below -100 %, outside what the share above counts
    raise InputError(
        f"{group}: simulated body masses keep changing by more than "
        f"{_study().MAX_BODY_MASS_CHANGE_PCT} % in 10 weeks; lower "
        f"{p}_body_mass_pct_change_sd or the SDs of the VO2max changes."
    )


# The design of a batch per (targets table, assumptions, dispersion, n): a grid or a power
# curve asks for the same settings again and again. Keyed by the table as loaded, so an
# edited targets file is read anew; only designs that passed every check are kept.
_DESIGNS: dict[tuple, tuple] = {}
_DESIGNS_KEPT = 512


def _typed(value):
    """``value`` for a cache key: its type too, so that 2 and 2.0 (or True and 1), which
    the checks treat differently, are different keys."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, type(v), v) for k, v in value.items()))
    return (type(value), value)


def _design(assumptions: Mapping, n, dispersion: str) -> tuple[dict[str, int], dict]:
    """(subjects per group, group -> (men, ``_parameters``)), checked as ``simulate`` checks
    them, in the order it does (the first problem is the one reported)."""
    study = _study()
    t = study.targets(**assumptions)  # checks the assumptions every time
    try:
        key = (id(t.table), _typed(assumptions), _typed(n), dispersion)
        kept = _DESIGNS.get(key)
    except TypeError:  # an unhashable setting: refused below, with the study's message
        key, kept = None, None
    if kept is not None and kept[0] is t.table:
        return kept[1]
    numbers = _Numbers(t)
    sizes = _group_sizes(numbers, n)
    design = {}
    for group in study.GROUPS:
        size = sizes[group]
        design[group] = (_men(numbers, group, size), _parameters(numbers, group, dispersion))
        _check_redrawn(*design[group][1][-1], size, group, study._PREFIX[group])
    if key is not None:
        if len(_DESIGNS) >= _DESIGNS_KEPT:
            try:  # the oldest out (another thread may have taken it)
                del _DESIGNS[next(iter(_DESIGNS))]
            except (KeyError, RuntimeError, StopIteration):
                pass
        _DESIGNS[key] = (t.table, (sizes, design))
    return sizes, design


# per study, its table as loaded and the numbers read from it (see _Numbers)
_NUMBERS: dict[str, tuple[object, dict[tuple, float]]] = {}


class _Numbers:
    """``has``, ``value``, ``count`` and ``sd`` of a :class:`Targets`, with the table's own
    numbers read once per table as loaded: a design reads about 40, and each pandas row
    lookup costs about 20 µs, more than the rest of a grid cell's design."""

    def __init__(self, t: Targets):
        self.study, self.overrides, self._targets = t.study, t.overrides, t
        kept = _NUMBERS.get(t.study)
        if kept is None or kept[0] is not t.table:
            kept = _NUMBERS[t.study] = (t.table, {})
        self._numbers = kept[1]

    def has(self, target_id: str) -> bool:
        return self._targets.has(target_id)

    def value(self, target_id: str) -> float:
        if target_id in self.overrides:
            return float(self.overrides[target_id])
        return self._read(("value", target_id), self._targets.value, target_id)

    def sd(self, target_id: str, dispersion: str = "sem") -> float:
        # from the row alone (assumptions override values, not a printed dispersion)
        return self._read(("sd", target_id, dispersion), self._targets.sd, target_id, dispersion)

    count = Targets.count  # reads self.value and self.study only

    def _read(self, key: tuple, read, *args) -> float:
        number = self._numbers.get(key)
        if number is None:  # read as Targets reads it (or its error, not kept)
            number = self._numbers[key] = read(*args)
        return number


def simulate_batch(
    reps: int,
    seed: int | np.random.SeedSequence | np.random.Generator | None = 0,
    *,
    n: int | Mapping[str, int] | None = None,
    dispersion: str = "sem",
    **assumptions: float,
) -> Batch:
    """Draw ``reps`` datasets of the HIIT study from the population, as arrays.

    The same model as ``estes2017.simulate(seed, dispersion, empirical=False, **assumptions)``
    (see the module docstring), for every replicate at once: the same targets, the same
    correlations, the same derived columns, subject ids and column order.

    Parameters
    ----------
    reps : int
        Number of datasets (replicates), 1 or more.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Same seed, same arrays. (A replicate is not the dataset ``simulate`` makes with the same
        seed: only its distribution is the same.) Each group draws from its own stream,
        ``child_seed(root_seed(seed), g)`` (:mod:`analysis.engine.simulate`), subject by
        subject, so the first k subjects of a group are the same for every ``n >= k``, except
        in the rare replicates whose VO2max changes are drawn again for the body-mass limit
        (about 1 in 2,000 under the defaults, never more than :data:`MAX_REDRAWN_SHARE`) and
        in ``sex`` (the heaviest of the group are the men); a ``Generator`` gives a new root
        drawn from it, which advances it.
    n : int or mapping of group to int, optional
        Subjects per group, e.g. ``{"HIIT": 12, "control": 5}`` or ``20`` for both (each 2 or
        more); default the published (HIIT) and inferred (control) sizes. For sample-size
        searches: the population SDs do not change with ``n``, and the groups keep the table's
        share of men.
    dispersion : {"sem", "sd"}
        How the abstract's ``±`` is read; ``"sem"``: SD = SEM x sqrt(published n).
    **assumptions
        Override any ``assumed`` row of ``data/published/estes2017.csv`` by its id.

    Returns
    -------
    Batch
        ``measures``: ``csa_cm2, vo2max_rel, vo2max_abs, body_mass_kg`` of shape
        (reps, subjects, 2) (pre, post); ``age_yr, height_cm`` and ``sex`` ("M"/"F": the men
        are the heaviest, so sex differs between replicates) of shape (reps, subjects).
        ``assumptions`` holds the assumptions given and ``dispersion``.

    Raises
    ------
    InputError
        For assumptions ``simulate`` refuses (with its message), a bad ``n`` or ``reps``.

    Examples
    --------
    >>> batch = simulate_batch(1000, seed=1)
    >>> batch.measures["csa_cm2"].shape, batch.subjects[[0, -1]].tolist()
    ((1000, 17, 2), ['S01', 'S17'])
    >>> batch.replicate(0).columns.tolist()[:5]
    ['subject', 'group', 'sex', 'time', 'csa_cm2']
    >>> simulate_batch(10, n={"HIIT": 30}).groups.tolist().count("HIIT")
    30
    """
    study = _study()
    if not isinstance(reps, int | np.integer) or isinstance(reps, bool) or reps < 1:
        raise InputError(f"reps must be a whole number of 1 or more, got {reps!r}.")
    reps = int(reps)
    sizes, design = _design(assumptions, n, dispersion)
    root = root_seed(seed)

    total = sum(sizes.values())
    out = {m: np.empty((reps, total, 2)) for m in ("csa_cm2", "vo2max_rel", "body_mass_kg")}
    age, height = np.empty((reps, total)), np.empty((reps, total))
    male = np.zeros((reps, total), dtype=bool)
    ids, groups, start = [], [], 0
    for index, group in enumerate(study.GROUPS):
        size, p = sizes[group], study._PREFIX[group]
        men, (people, fitness, csa, vo2) = design[group]
        where = slice(start, start + size)
        # each group its own stream, drawn subject by subject (the 8 standard normals of
        # every replicate): the first k subjects of a group are the same draws for every
        # n >= k (common random numbers for sample-size searches), then variable first so
        # that each is contiguous. Redrawn VO2max pairs come after, from the same stream.
        rng = np.random.Generator(np.random.PCG64(child_seed(root, index)))
        z = np.moveaxis(rng.standard_normal((size, 8, reps)), 0, -1).copy()
        age[:, where], height[:, where] = _pair(z[0:2], *people)
        mass_pre, rel_pre = _pair(z[2:4], *fitness)
        csa_pre, csa_pct = _pair(z[4:6], *csa)
        rel_pct, abs_pct = _vo2_changes(
            rng, (reps, size), *vo2, group, p, checked=True, first=z[6:8]
        )
        rel_factor, mass_factor = _mass_factor(rel_pct, abs_pct)
        out["csa_cm2"][:, where, 0] = csa_pre
        out["csa_cm2"][:, where, 1] = csa_pre * (1 + csa_pct / 100)
        out["vo2max_rel"][:, where, 0] = rel_pre
        out["vo2max_rel"][:, where, 1] = rel_pre * rel_factor
        out["body_mass_kg"][:, where, 0] = mass_pre
        out["body_mass_kg"][:, where, 1] = mass_pre * mass_factor
        # Assumed (as simulate): the men are the heaviest subjects of their group.
        heaviest = np.argsort(-mass_pre, axis=1, kind="stable")[:, :men]
        np.put_along_axis(male[:, where], heaviest, True, axis=1)
        ids += [f"S{start + 1 + i:02d}" for i in range(size)]
        groups += [group] * size
        start += size

    measures = {
        "csa_cm2": out["csa_cm2"],
        "vo2max_rel": out["vo2max_rel"],
        "vo2max_abs": out["vo2max_rel"] * out["body_mass_kg"] / 1000.0,
        "body_mass_kg": out["body_mass_kg"],
        "age_yr": age,
        "height_cm": height,
        "sex": np.where(male, "M", "F"),
    }
    subjects, groups = np.array(ids), np.array(groups)
    # simulate sorts its rows by subject id as text: S100 comes before S11 in large samples
    order = np.argsort(subjects, kind="stable")
    if np.any(order != np.arange(total)):
        subjects, groups = subjects[order], groups[order]
        measures = {k: v[:, order] for k, v in measures.items()}
    return Batch(
        study=study.NAME,
        subjects=subjects,
        groups=groups,
        times=tuple(study.TIMES),
        measures=measures,
        columns=list(study.COLUMNS),
        assumptions=dict(assumptions, dispersion=dispersion),
    )


def _targets_of(batch: Batch) -> Targets:
    rest = {k: v for k, v in batch.assumptions.items() if k != "dispersion"}
    return _study().targets(**rest)


def _members(groups: np.ndarray, group: str) -> slice | np.ndarray:
    """Where the subjects of ``group`` are: a slice when they are contiguous (a view, no copy
    of the data), else their indices."""
    where = np.flatnonzero(groups == group)
    if where.size and where[-1] - where[0] + 1 == where.size:
        return slice(int(where[0]), int(where[-1]) + 1)
    return where


def _pct_change(batch: Batch, measure: str, group: str) -> np.ndarray:
    """(reps, subjects of ``group``) percent changes ``100 (post / pre - 1)``, computed from the
    pre and post values as ``analyze`` computes them (not taken from the draws), so that every
    p agrees with the ordinary path to rounding."""
    values = batch.measures[measure][:, _members(batch.groups, group)]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = 100.0 * (values[..., 1] / values[..., 0] - 1.0)
    # analyze leaves out a subject without a finite pair or with a pre value of 0 (each gives
    # a non-finite change); population draws never do, and a batch that did would need a
    # subject set per replicate, so it is refused rather than decided differently
    if not np.isfinite(change).all():
        raise ValueError(
            f"{measure} of the {group} group has a missing, infinite or zero pre value: "
            "decide_batch needs complete data (as simulate_batch draws)"
        )
    return change


def _decision_rows(t: Targets) -> tuple[dict, ...]:
    """The scorecard rows that are decisions (p-values), in the targets table's order; read
    once per table as loaded (assumptions override assumed rows, never a claim), as a block
    of a grid cell takes less time than filtering the table. Shared: read-only."""
    kept = _ROWS.get(t.study)
    if kept is None or kept[0] is not t.table:
        claims = t.claims()
        rows = tuple(claims[claims["statistic"] == "p_value"].to_dict("records"))
        kept = _ROWS[t.study] = (t.table, rows)
    return kept[1]


_ROWS: dict[str, tuple[object, tuple[dict, ...]]] = {}


def decide_batch(batch: Batch, only: Iterable[str] | None = None) -> Decisions:
    """Every scorecard decision of every replicate of ``batch``.

    The decision rows are the ``p_value`` rows of the targets table (``hiit_csa_p``,
    ``hiit_vo2max_rel_p``, ``hiit_vo2max_abs_p``, ``control_csa_p``). Each value is what the
    scorecard's ``reproduced`` column shows (``estes2017._lookup``): the two-sided p of the
    one-sample t-test of the group's percent change against 0 (``change_tests``), with no
    direction rule, as the scorecard has none for this study.

    Parameters
    ----------
    batch : Batch
        From :func:`simulate_batch`.
    only : iterable of str, optional
        The ids of the rows to compute, in the order wanted; default every decision row.

    Returns
    -------
    Decisions
        ``values`` of shape (reps, rows); ``holds`` says whether each row comes out as
        published (``p < 0.05``; ``p > 0.05`` for the controls' "did not change").

    Examples
    --------
    >>> decisions = decide_batch(simulate_batch(2000, seed=3))
    >>> decisions.claim_ids
    ('hiit_csa_p', 'hiit_vo2max_rel_p', 'hiit_vo2max_abs_p', 'control_csa_p')
    >>> decisions.values.shape
    (2000, 4)
    """
    study = _study()
    rows = _decision_rows(_targets_of(batch))
    if only is not None:
        by_id = {row["id"]: row for row in rows}
        wanted = list(dict.fromkeys([only] if isinstance(only, str) else only))
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            raise ValueError(
                f"no decision row {', '.join(map(repr, unknown))}; the rows are {', '.join(by_id)}"
            )
        rows = [by_id[i] for i in wanted]
    values = np.empty((batch.reps, len(rows)))
    for j, row in enumerate(rows):
        measure = study.CHANGE_OF.get(row["quantity"])
        if measure is None:  # a new kind of decision row needs its test written here
            raise NotImplementedError(f"decide_batch has no test for row {row['id']!r}")
        values[:, j] = ttests.one_sample(_pct_change(batch, measure, row["group"])).p
    return Decisions(
        study=batch.study,
        claim_ids=tuple(row["id"] for row in rows),
        relations=tuple(row["relation"] for row in rows),
        thresholds=np.array([float(row["value"]) for row in rows]),
        values=values,
    )


def csa_interaction_batch(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """Claim 1's deciding numbers per replicate: the group x time interaction p on CSA (mixed
    ANOVA, Type III, :func:`analysis.engine.anova.mixed_anova`) and whether the HIIT group's
    mean % change in CSA exceeds the controls' (the ``change_tests`` means ``_claim1`` compares).

    Returns
    -------
    tuple of numpy.ndarray
        (reps,) p-values and (reps,) booleans.
    """
    result, hiit_more = _interaction(batch)
    return result.effect_p("group:time"), hiit_more


def _interaction(batch: Batch) -> tuple[anova.MixedAnova, np.ndarray]:
    result = anova.mixed_anova(batch.measures["csa_cm2"], batch.groups, ss_type=3)
    hiit, control = (_pct_change(batch, "csa_cm2", g).mean(axis=1) for g in ("HIIT", "control"))
    return result, hiit > control


# Relative margin around the critical F of _interaction_below: far wider than the rounding of
# scipy's F tail and its inverse (about 1e-14), so an F outside it is on the same side of
# alpha whatever the last bits of its p.
_SCREEN_MARGIN = 1e-4


def _interaction_below(result: anova.MixedAnova, alpha: float) -> np.ndarray:
    """(reps,) whether the interaction's p is below ``alpha``: the same answer as comparing
    :meth:`~analysis.engine.anova.MixedAnova.effect_p`, with the F tail computed only for
    the replicates whose F is near the critical F (its df do not depend on the data, and the
    tail falls as F rises); the tail is a third of the cost of claim 1. NaN: not below."""
    j = anova.EFFECTS.index("group:time")
    f, df1, df2 = result.f[:, j], result.df1[:, j], result.df2[:, j]
    if not (f.size and np.all(df1 == df1[0]) and np.all(df2 == df2[0]) and 0 < alpha < 1):
        with np.errstate(invalid="ignore"):
            return result.effect_p("group:time") < alpha
    critical = float(special.fdtri(df1[0], df2[0], 1 - alpha))
    with np.errstate(invalid="ignore"):  # NaN F: near, decided by its (NaN) p
        below = f > critical * (1 + _SCREEN_MARGIN)
        near = np.flatnonzero(~(below | (f < critical * (1 - _SCREEN_MARGIN))))
        if near.size:
            below[near] = anova._f_sf(f[near], df1[near], df2[near]) < alpha
    return below


def _rises(batch: Batch, measure: str, decisions: Decisions | None) -> np.ndarray:
    """(reps,) whether the HIIT group's one-sample t of the % change in ``measure`` has
    p < alpha: read from ``decisions`` when they hold that test's row, else computed."""
    study = _study()
    if decisions is not None:
        ids = [
            row["id"]
            for row in _decision_rows(_targets_of(batch))
            if row["group"] == "HIIT" and study.CHANGE_OF.get(row["quantity"]) == measure
        ]
        for claim_id in ids:
            if claim_id in decisions.claim_ids:
                rose = _pct_change(batch, measure, "HIIT").mean(axis=1) > 0
                with np.errstate(invalid="ignore"):  # NaN p: not below alpha
                    return rose & (decisions.values[:, decisions.claim_ids.index(claim_id)] < ALPHA)
    change = _pct_change(batch, measure, "HIIT")
    n = change.shape[1]
    # a rise: p < alpha (two-sided) and a positive mean, i.e. t above the two-sided critical
    # t on n - 1 df; comparing t skips the t tail, about half the cost of each test. A NaN t
    # compares False, as a NaN p does; changes without variance have no test (NaN), as in
    # ttests.one_sample and stats.one_sample_ttest, not t = inf.
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = change.std(axis=1, ddof=1)
        t = change.mean(axis=1) / (sd / math.sqrt(n))
    return (t > special.stdtrit(n - 1, 1 - ALPHA / 2)) & (sd != 0)


def claims_batch(
    batch: Batch, decisions: Decisions | None = None, *, only: Iterable[int] | None = None
) -> dict[int, np.ndarray]:
    """The verdicts on the article's claims 1 and 2 for every replicate of ``batch``.

    Claim 1 (HIIT grew VL CSA, the controls did not) is ``True`` where
    ``verdicts.decide_by_interaction`` says "supported": the group x time interaction on CSA
    has p < 0.05 and the HIIT group's mean % change is the larger. Claim 2 (VO2max rose) is
    ``True`` where ``claim_verdicts`` says "partly supported": the HIIT group's one-sample
    t-tests of the % change in relative and in absolute VO2max both have p < 0.05 (two-sided,
    as ``claim_verdicts`` tests; it checks no sign).

    Parameters
    ----------
    batch : Batch
        From :func:`simulate_batch`.
    decisions : Decisions, optional
        ``decide_batch(batch)`` when already computed: claim 2 then reads its two VO2max rows
        (the same tests) instead of testing again.
    only : iterable of int, optional
        The claims to decide (a probability map of one claim needs no other); default both.

    Returns
    -------
    dict
        Claim number -> (reps,) booleans.

    Examples
    --------
    >>> claims = claims_batch(simulate_batch(2000, seed=3))
    >>> sorted(claims), claims[1].shape, claims[1].dtype
    ([1, 2], (2000,), dtype('bool'))
    """
    if decisions is not None and decisions.values.shape[0] != batch.reps:
        raise ValueError(
            f"decisions has {decisions.values.shape[0]} replicates, the batch {batch.reps}: "
            "pass decide_batch(batch) of this batch"
        )
    wanted = (1, 2) if only is None else tuple(only)
    unknown = [c for c in wanted if c not in (1, 2)]
    if unknown:
        raise ValueError(f"this study decides claims 1 and 2, not {unknown}")
    out = {}
    if 1 in wanted:  # a NaN p is "not testable": not supported
        result, hiit_more = _interaction(batch)
        out[1] = _interaction_below(result, ALPHA) & hiit_more
    if 2 in wanted:
        rel, absolute = (_rises(batch, m, decisions) for m in ("vo2max_rel", "vo2max_abs"))
        out[2] = rel & absolute
    return out
