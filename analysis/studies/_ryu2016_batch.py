"""Many population draws of the running-distance study at once, as arrays (issue 11).

:func:`simulate_batch` draws ``reps`` datasets of Ryu et al. (2016) from the population, the
model of :func:`analysis.studies.ryu2016.simulate` with ``empirical=False``;
:func:`decide_batch` computes, for every replicate, what each decision row of the scorecard
would show; :func:`claims_batch` says per replicate whether the article's claims 3 and 4 hold.
No pandas touches a replicate and nothing loops over replicates: every statistic is an array
operation over all of them, so the power of a published decision takes seconds for 100,000
replicates instead of hours (``benchmarks/power.py``).

The model
---------
Per distance and per runner, as in ``simulate``: log CK and log LDH at pre, post and day 3 are
one multivariate normal of 6 variables (the time correlations of each marker, the CK-LDH
correlation applied as the same Kronecker-style product); logit % DNA in tail, log tail length
and log tail moment at the three times are one multivariate normal of 9 variables
(``kron`` of the measure and time correlations); age, body mass and finish time are
independent normals. Every number comes from the targets table with the assumptions given.
Each replicate is drawn as standard normals times the lower Cholesky factor of the covariance
of its distance (computed once per call and distance), plus the means, then taken back with
``exp`` or the inverse logit, so the measures are on the scale ``simulate`` writes (U/L, %, µm).

Random numbers: blocks and streams
----------------------------------
Replicate ``r`` of a seed belongs to block ``r // BLOCK`` (:data:`BLOCK` = 2048). Within block
``b``, the standard normals of outcome ``o`` (its position in ``ryu2016.OUTCOMES``; 5 for the
runners' characteristics) and distance ``g`` (its position in ``ryu2016.GROUPS``) come from
their own stream, ``PCG64(SeedSequence(root.entropy, spawn_key=root.spawn_key + (b, o, g)))``
(what ``root.spawn`` would make), drawn as an array (runners, 3, BLOCK) and coloured whole,
whatever part of the block is asked for, and coloured in slices of :data:`COLOURED` replicates
(the slices holding requested replicates only). So a replicate depends on the seed and its index only:

* the same seed gives the same arrays however the replicates are requested, in one call or in
  chunks (``start=``), on one thread or many, and whatever ``reps``;
* the first ``k`` runners of a distance are the same for every ``n >= k`` (common random
  numbers for a search over the sample size);
* an outcome is the same whichever other outcomes are drawn with it (each outcome comes after
  the ones it is correlated with in the Cholesky order: CK before LDH; % DNA, tail length, tail
  moment), so ``outcomes=("ck_u_l",)`` gives the CK of the full draw for a fifth of the
  random numbers.

A call therefore draws whole blocks of normals (kept for the next cell of a grid, which draws
the same ones; a cell with more runners draws only the runners added, as the generator would
have drawn them next); a batch of 20 replicates costs the colouring of 256. The coloured
slices are kept too (``_Pieces``, up to :data:`PIECES_BYTES`), by the normals, factor and means
that made them: a grid whose cells move one family's assumptions colours the other family
once. Seeds are ints (``SeedSequence(seed)``), ``SeedSequence`` objects (used as the root, not
spawned from), or ``Generator`` objects (a root is drawn from it, which advances it: chunks of
one power computation must share an int or a ``SeedSequence``).

How the decisions are computed
------------------------------
Every test the scorecard decides by is a function of a few sums per distance: the means at
each time and the centred sums of products between times (:class:`_Summary`). They are
computed once per outcome, with the replicates on the last axis of the arrays (the layout
``simulate_batch`` draws in; its ``measures`` are views of it shaped (reps, runners, times)),
so a sum over runners is a handful of long vector operations. The paired and Welch t-tests,
Holm's adjustment and the mixed ANOVA's Greenhouse-Geisser p then follow the formulas of
:mod:`analysis.engine.ttests` and :mod:`analysis.engine.anova` (and agree with them to
rounding, which the tests check), without the statistics no decision reads: the engine's
``mixed_anova`` also computes three uncorrected p, Mauchly's test and Huynh-Feldt, and its
t-tests reduce along the short runner axis; on 100,000 replicates that is several seconds
more. The p-values come from scipy's ``stdtr`` and ``fdtrc``, as in the engine; they are most
of the time left.

Examples
--------
>>> batch = simulate_batch(4, seed=1)
>>> batch.measures["ck_u_l"].shape, batch.subjects[:2].tolist(), batch.times
((4, 30, 3), ['S01', 'S02'], ('pre', 'post', 'day3'))
>>> decisions = decide_batch(batch)
>>> decisions.values.shape, decisions.claim_ids[0]
((4, 23), 'ck_post_gt_pre_10km')
>>> sorted(claims_batch(batch, decisions))
[3, 4]
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..dataio.targets import Targets
from ..engine.simulate import child_seed, correlation_matrix, root_seed
from ..errors import InputError
from .base import Batch, Decisions
from .ryu2016 import (
    COLUMNS,
    GROUPS,
    NAME,
    OUTCOMES,
    SUBJECT_COLUMNS,
    TIMES,
    _logit,
    _time_corr,
    comet_levels,
    targets,
)

__all__ = [
    "BLOCK",
    "CLAIMS",
    "BatchDecisions",
    "anova_batch",
    "claims_batch",
    "decide_batch",
    "simulate_batch",
]

BLOCK = 2048  # replicates per seed block (see the module docstring)
COLOURED = 256  # replicates per matrix product when colouring normals (a divisor of BLOCK)
# Replicates per slice in decide_batch: the arrays of one slice (about 5 MB per outcome) stay
# in the cache between the many passes of the tests, which a whole 100,000-replicate batch
# (70 MB per outcome) would not. Only speed depends on it: every statistic is per replicate.
CHUNK = 4096
# the correlated outcomes, each in the order of its Cholesky factor (see the module docstring)
FAMILIES = (("ck_u_l", "ldh_u_l"), ("tail_dna_pct", "tail_length_um", "tail_moment"))
OUTCOMES_INDEX = {o: i for i, o in enumerate(OUTCOMES)}  # the stream index of an outcome
CHARACTERISTICS_STREAM = len(OUTCOMES)  # the stream index of age, body mass and finish time
# article claim -> what "the claim's pattern holds" means for a replicate (claims_batch)
CLAIMS = {
    3: "longer races, more damage: every decision row the paper claims (claimed_by paper) holds",
    4: "damage persists to day 3: every day-3 decision row of the article (claimed_by article)"
    " holds",
}
_SINGULAR = 1e-8  # faux's (and rnorm_multi's) smallest usable eigenvalue of a correlation


@dataclass(frozen=True)
class _Family:
    """Correlated outcomes drawn together: per distance, means and the Cholesky factor of the
    covariance on the normal scale, outcome-major (outcome 1 at pre, post, day3, then 2...)."""

    outcomes: tuple[str, ...]
    mean: dict[str, np.ndarray]
    factor: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Rule:
    """One decision row of the scorecard (a targets row whose statistic starts with ``p_``)."""

    id: str
    statistic: str
    outcome: str
    group: str
    time: str
    relation: str
    threshold: float
    claimed_by: str


@dataclass(frozen=True)
class _Model:
    """Everything a batch needs from the targets table, computed once per set of assumptions."""

    n: dict[str, int]
    families: tuple[_Family, ...]
    characteristics: dict[str, tuple[np.ndarray, np.ndarray]]  # group -> (means, SDs)
    rules: tuple[_Rule, ...]


def _key(assumptions: Mapping[str, float]) -> tuple:
    return tuple(sorted(assumptions.items()))


# A grid of 13 x 13 cells asks for 169 settings, and notebook 04 draws two maps over the same
# ones: every setting is kept (a model is a few small arrays).
@functools.lru_cache(maxsize=1024)
def _model(key: tuple) -> _Model:
    """The parameters of ``simulate`` and the scorecard's decision rows for ``key``'s
    assumptions. Cached: reading the targets table takes longer than a chunk of replicates."""
    t = _Values(targets(**dict(key)))
    try:
        return _Model(
            n={g: t.count(f"n_{g}") for g in GROUPS},
            families=(_enzymes(t), _comet(t)),
            characteristics=_characteristics(t),
            # assumptions override assumed rows only, never a claim: the rules are the table's
            rules=_table_rules(targets()),
        )
    except InputError:  # the model's own message, which names what to change
        raise  # (InputError is a ValueError: not to be reworded below)
    except (ValueError, ArithmeticError) as exc:
        # numbers too extreme to compute with (a % DNA of 5e-324 has no logit): what
        # simulate says of them (an audit found "math domain error" here)
        reason = str(exc).split(". ")[0].rstrip(".")
        values = ", ".join(f"{k} = {t.value(k):g}" for k in t.overrides) or "the defaults"
        raise InputError(
            f"{NAME} cannot be simulated with {values} ({reason}); change the assumptions you "
            "gave towards their defaults."
        ) from None


# the table's numbers as floats, per table as loaded (see _Values)
_NUMBERS: dict[str, tuple[object, dict[str, float]]] = {}


class _Values:
    """``value`` and ``count`` of a :class:`Targets`, with the table's own numbers read once
    per table as loaded: a model reads about 80 of them, and each pandas row lookup costs
    about 20 µs, more than a grid cell's whole model otherwise."""

    def __init__(self, t: Targets):
        self.study, self.overrides = t.study, t.overrides
        kept = _NUMBERS.get(t.study)
        if kept is None or kept[0] is not t.table:
            kept = _NUMBERS[t.study] = (t.table, {})
        self._targets, self._numbers = t, kept[1]

    def value(self, target_id: str) -> float:
        if target_id in self.overrides:
            return float(self.overrides[target_id])
        number = self._numbers.get(target_id)
        if number is None:  # the same float Targets.value gives (or its KeyError)
            number = self._numbers[target_id] = self._targets.value(target_id)
        return number

    count = Targets.count  # reads self.value and self.study only


_RULES: dict[str, tuple[Targets, tuple[_Rule, ...]]] = {}


def _table_rules(t: Targets) -> tuple[_Rule, ...]:
    """The rules of the table as loaded; computed again only when its file changed
    (``load_targets`` then parses a new table)."""
    kept = _RULES.get(NAME)
    if kept is None or kept[0].table is not t.table:
        kept = _RULES[NAME] = (t, _rules(t))
    return kept[1]


def _factor(t: Targets, corr: np.ndarray, sd: np.ndarray, sds: list[str], corrs: list[str]):
    """Lower Cholesky factor of ``diag(sd) corr diag(sd)``; the error ``simulate`` would give
    (naming the assumptions to blame) when no data can have these SDs and correlations."""
    key = (corr.tobytes(), sd.tobytes(), corr.shape)
    kept = _FACTORS.get(key)
    if kept is not None:  # these SDs and correlations passed every check below before
        return kept
    reason, culprits = None, corrs
    try:
        corr = correlation_matrix(corr, corr.shape[0])
        if np.linalg.eigvalsh(corr)[0] < _SINGULAR:
            reason = "the correlation matrix is singular"
    except ValueError as exc:
        reason = str(exc).split(". ")[0].rstrip(".")
    zero = [k for k in sds if t.value(k) <= 0]
    if zero:
        reason, culprits = "every variable is drawn at random, so each SD must be above 0", zero
    if reason is not None:
        values = ", ".join(f"{k} = {t.value(k):g}" for k in culprits)
        raise InputError(
            f"{NAME} cannot be simulated with {values} ({reason}); change the assumptions you "
            "gave towards their defaults."
        )
    try:
        factor = np.linalg.cholesky(corr * np.outer(sd, sd))
    except np.linalg.LinAlgError:  # SDs so small that their products underflow (1e-300)
        smallest = min(sds, key=t.value)
        raise InputError(
            f"{NAME} cannot be simulated with {smallest} = {t.value(smallest):g} (an SD so "
            "small that its covariances vanish in floating point); change the assumptions you "
            "gave towards their defaults."
        ) from None
    factor.flags.writeable = False  # shared by every model with these numbers
    if len(_FACTORS) >= 1024:
        try:  # the oldest out (another thread may have taken it)
            del _FACTORS[next(iter(_FACTORS))]
        except (KeyError, RuntimeError, StopIteration):
            pass
    _FACTORS[key] = factor
    return factor


# (correlations, SDs) -> their checked Cholesky factor: a grid over one assumption
# recomputes the others' factor (and its eigenvalue check) in every cell otherwise
_FACTORS: dict[tuple, np.ndarray] = {}


def _enzymes(t: Targets) -> _Family:
    """log CK and log LDH, as ``ryu2016._enzymes`` builds them (reordered outcome-major)."""
    ck0, ldh0 = math.log(t.value("ck_pre_geomean")), math.log(t.value("ldh_pre_geomean"))
    ck_sd = [t.value(f"ck_{time}_sdlog") for time in TIMES]
    sd = np.array(ck_sd + [t.value("ldh_sdlog")] * len(TIMES))
    ck_r = _time_corr(
        t.value("ck_corr_pre_post"), t.value("ck_corr_pre_day3"), t.value("ck_corr_post_day3")
    )
    ldh_c = t.value("ldh_corr_time")
    ldh_r = _time_corr(ldh_c, ldh_c, ldh_c)
    cross = t.value("ck_ldh_corr") * np.sqrt(np.clip(ck_r * ldh_r, 0, None))
    corr = np.block([[ck_r, cross], [cross.T, ldh_r]])
    sds = [f"ck_{time}_sdlog" for time in TIMES] + ["ldh_sdlog"]
    corrs = ["ck_corr_pre_post", "ck_corr_pre_day3", "ck_corr_post_day3", "ldh_corr_time"]
    factor = _factor(t, corr, sd, sds, [*corrs, "ck_ldh_corr"])
    mean = {}
    for g in GROUPS:
        ck = [ck0 + math.log(t.value(f"ck_fold_{time}_{g}")) for time in TIMES[1:]]
        ldh = [ldh0 + math.log(t.value(f"ldh_fold_{time}_{g}")) for time in TIMES[1:]]
        mean[g] = np.array([ck0, *ck, ldh0, *ldh])
    return _Family(FAMILIES[0], mean, dict.fromkeys(GROUPS, factor))


def _comet(t: Targets) -> _Family:
    """logit % DNA in tail, log tail length, log tail moment, as ``ryu2016._comet`` builds
    them (reordered outcome-major: the correlation is ``kron(measures, times)``)."""
    moment0 = math.log(t.value("tail_moment_pre"))
    dna_pct, length_um = comet_levels(t)
    dna = [_logit(level / 100) for level in dna_pct]
    length = [math.log(level) for level in length_um]
    sd = np.repeat(
        [t.value("tail_dna_sdlogit"), t.value("tail_length_sdlog"), t.value("tail_moment_sdlog")],
        len(TIMES),
    )
    c = t.value("comet_corr_time")
    dl, dm, lm = (
        t.value(k)
        for k in ("comet_corr_dna_length", "comet_corr_dna_moment", "comet_corr_length_moment")
    )
    corr = np.kron(np.array([[1, dl, dm], [dl, 1, lm], [dm, lm, 1]]), _time_corr(c, c, c))
    sds = ["tail_dna_sdlogit", "tail_length_sdlog", "tail_moment_sdlog"]
    corrs = ["comet_corr_time", "comet_corr_dna_length", "comet_corr_dna_moment"]
    factor = _factor(t, corr, sd, sds, [*corrs, "comet_corr_length_moment"])
    mean = {}
    for g in GROUPS:
        moment = [moment0 + math.log(t.value(f"tail_moment_fold_{time}_{g}")) for time in TIMES[1:]]
        mean[g] = np.array([*dna, *length, moment0, *moment])
    return _Family(FAMILIES[1], mean, dict.fromkeys(GROUPS, factor))


def _characteristics(t: Targets) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Age, body mass and finish time per distance: independent normals (``r = 0``)."""
    out = {}
    for g in GROUPS:
        ids = [("age_mean", "age_sd"), ("body_mass_mean", "body_mass_sd")]
        ids.append((f"finish_time_mean_{g}", f"finish_time_sd_{g}"))
        zero = [sd for _, sd in ids if t.value(sd) <= 0]
        if zero:
            values = ", ".join(f"{k} = {t.value(k):g}" for k in zero)
            raise InputError(
                f"{NAME} cannot be simulated with {values} (every variable is drawn at random, "
                "so each SD must be above 0); change the assumptions you gave towards their "
                "defaults."
            )
        out[g] = (np.array([t.value(m) for m, _ in ids]), np.array([t.value(s) for _, s in ids]))
    return out


def _rules(t: Targets) -> tuple[_Rule, ...]:
    """The decision rows of the scorecard, in its order (``build_scorecard`` walks
    ``claims()``; decisions are the rows whose statistic is a p-value)."""

    def text(value) -> str:
        return "" if not isinstance(value, str) else value

    return tuple(
        _Rule(
            id=row["id"],
            statistic=row["statistic"],
            outcome=row["quantity"],
            group=text(row["group"]),
            time=text(row["time"]),
            relation=row["relation"],
            threshold=float(row["value"]),
            claimed_by=text(row["claimed_by"]),
        )
        for _, row in t.claims().iterrows()
        if str(row["statistic"]).startswith("p_")
    )


def _root_key(root: np.random.SeedSequence) -> tuple:
    """What names a root's streams: its entropy, spawn key and pool size."""
    entropy = root.entropy if isinstance(root.entropy, int) else tuple(root.entropy)
    return entropy, root.spawn_key, root.pool_size


def _stream(
    root: np.random.SeedSequence, block: int, stream: int, *, group: int, size: int
) -> np.ndarray:
    """The standard normals of one stream (see the module docstring): (runners, 3, BLOCK),
    runner-major so that the first k runners do not depend on how many follow. Read-only."""
    named = _root_key(root)
    key = (*named, block, stream, group)
    with _STREAMS_LOCK:
        kept = _STREAMS.pop(key, None)  # put back last: the least recently used go first
        if kept is None:
            child = child_seed(root, block, stream, group)
            kept = _Stream(np.random.Generator(np.random.PCG64(child)))
        _STREAMS[key] = kept
        while len(_STREAMS) > _STREAMS_KEPT:
            del _STREAMS[next(iter(_STREAMS))]
    return kept.first(size)


class _Stream:
    """One stream's generator and the runners drawn from it so far. A generator fills an
    array in order, so drawing k more runners after n gives the rows n .. n + k - 1 of one
    draw of n + k: a power curve over n draws each stream once, up to its largest n."""

    def __init__(self, generator: np.random.Generator):
        self.generator = generator
        self.buffer = np.empty((0, len(TIMES), BLOCK))  # room to grow into, by half
        self.drawn = 0  # runners drawn (the first rows of the buffer)
        self.lock = threading.Lock()  # threads of one grid may share a stream

    def first(self, size: int) -> np.ndarray:
        with self.lock:
            if self.drawn < size:
                if self.buffer.shape[0] < size:
                    # a new buffer: the views handed out keep the old one
                    room = max(size, self.buffer.shape[0] * 3 // 2)
                    grown = np.empty((room, len(TIMES), BLOCK))
                    grown[: self.drawn] = self.buffer[: self.drawn]
                    self.buffer = grown
                self.generator.standard_normal(out=self.buffer[self.drawn : size])
                self.drawn = size
            view = self.buffer[:size]  # rows that are never written again
            view.flags.writeable = False
            return view


# Grids and power curves with common random numbers draw the same streams in every cell: a
# block's streams (3 distances x 8 streams, for the run and for its pilot) are kept, so a
# cell costs its arithmetic only.
_STREAMS: dict[tuple, _Stream] = {}
_STREAMS_KEPT = 3 * 8 * 2
_STREAMS_LOCK = threading.Lock()


def _group_sizes(model: _Model, n) -> dict[str, int]:
    """Runners per distance: the published n, one int for every distance, or a mapping."""
    if n is None:
        sizes = dict(model.n)
    elif isinstance(n, Mapping):
        unknown = set(n) - set(GROUPS)
        if unknown:
            raise InputError(f"n names unknown distances {sorted(unknown)}; use {list(GROUPS)}")
        sizes = {g: n.get(g, model.n[g]) for g in GROUPS}
    else:
        sizes = dict.fromkeys(GROUPS, n)
    for g, size in sizes.items():
        if not isinstance(size, int | np.integer) or isinstance(size, bool) or size < 2:
            raise InputError(
                f"n of {g} must be a whole number of at least 2 (a t-test needs 2 runners); "
                f"got {size!r}"
            )
    return {g: int(size) for g, size in sizes.items()}


def _requested(outcomes) -> tuple[str, ...]:
    """The measures to draw, in ``simulate``'s column order."""
    if outcomes is None:
        return tuple(OUTCOMES)
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    known = (*OUTCOMES, *SUBJECT_COLUMNS)
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        raise InputError(f"unknown outcome(s) {unknown}; choose from {list(known)}")
    return tuple(o for o in known if o in set(outcomes))


def _back_transform(name: str, values: np.ndarray) -> None:
    """From the normal scale to the scale ``simulate`` writes, in place."""
    if name == "tail_dna_pct":  # inverse logit, in percent, as simulate writes it
        np.negative(values, out=values)
        np.exp(values, out=values)
        values += 1
        np.divide(100, values, out=values)
    else:  # log-normal
        np.exp(values, out=values)


def simulate_batch(
    reps: int,
    seed: int | np.random.SeedSequence | np.random.Generator | None = 0,
    *,
    n: int | Mapping[str, int] | None = None,
    outcomes: Iterable[str] | None = None,
    start: int = 0,
    **assumptions: float,
) -> Batch:
    """Draw ``reps`` datasets of the study from the population, as arrays.

    The model of ``ryu2016.simulate(empirical=False)``: the same targets, correlations,
    transforms, subject ids and columns (see the module docstring), without pandas and
    without a loop over replicates.

    Parameters
    ----------
    reps : int
        Number of datasets (replicates).
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Same seed, same arrays (the block scheme of the module docstring).
    n : int or mapping of distance to int, optional
        Runners per distance (at least 2); default the published 10 per distance. A mapping
        may name some distances only (the others keep the published n).
    outcomes : iterable of str, optional
        The measures to draw: any of ``ryu2016.OUTCOMES`` and the per-runner characteristics
        ``age_yr``, ``body_mass_kg``, ``finish_time_min``. Default: the five outcomes, which
        is all ``analyze`` and the decisions need. The characteristics are left out unless
        named because no decision uses them; ``Batch.replicate`` then gives a frame without
        them, which ``analyze`` accepts (they are optional columns).
    start : int
        Index of the first replicate in the seed's sequence: ``simulate_batch(k, s,
        start=j)`` holds replicates ``j .. j + k - 1`` of ``simulate_batch(j + k, s)``, so a
        long run can be drawn in chunks with the same result.
    **assumptions : float
        Override any ``assumed`` row of ``data/published/ryu2016.csv`` by its id.

    Returns
    -------
    Batch
        ``measures``: each outcome (reps, subjects, 3) on ``simulate``'s scale (U/L, %, µm,
        AU), times ``pre, post, day3``; each characteristic drawn (reps, subjects).
        ``subjects`` ``S01``..., ``groups`` in the order of ``ryu2016.GROUPS``.

    Examples
    --------
    >>> b = simulate_batch(3, seed=7, n={"42km": 12}, outcomes=["ck_u_l", "age_yr"])
    >>> b.measures["ck_u_l"].shape, b.measures["age_yr"].shape, b.columns[-1]
    ((3, 32, 3), (3, 32), 'age_yr')
    >>> bool((simulate_batch(3, seed=7, outcomes=["ck_u_l"]).measures["ck_u_l"]
    ...       == simulate_batch(3, seed=7).measures["ck_u_l"]).all())
    True
    """
    if not isinstance(reps, int | np.integer) or isinstance(reps, bool) or reps < 0:
        raise InputError(f"reps must be a whole number of at least 0; got {reps!r}")
    if not isinstance(start, int | np.integer) or isinstance(start, bool) or start < 0:
        raise InputError(f"start must be a whole number of at least 0; got {start!r}")
    reps, start = int(reps), int(start)
    model = _model(_key(assumptions))
    sizes = _group_sizes(model, n)
    names = _requested(outcomes)
    root = root_seed(seed)

    total = sum(sizes.values())
    first = np.cumsum([0, *sizes.values()])
    where = {g: slice(int(first[i]), int(first[i + 1])) for i, g in enumerate(GROUPS)}
    # replicates on the last axis (runners, times, replicates): the layout of the draws, and
    # the one decide_batch sums over runners in; the Batch shows them as (reps, runners, times)
    layout = {
        name: np.empty((total, len(TIMES), reps) if name in OUTCOMES else (total, reps))
        for name in names
    }
    for block in range(start // BLOCK, -(-(start + reps) // BLOCK)):
        low, high = max(start, block * BLOCK), min(start + reps, (block + 1) * BLOCK)
        inside = slice(low - block * BLOCK, high - block * BLOCK)
        rows = slice(low - start, high - start)
        draws = {
            g: functools.partial(_stream, root, block, group=gi, size=sizes[g])
            for gi, g in enumerate(GROUPS)
        }
        source = (*_root_key(root), block, tuple(sizes.items()))
        for family in model.families:
            _draw_family(layout, family, draws, where, inside, rows, source)
        for g in GROUPS:
            _draw_characteristics(layout, model, g, draws[g], inside, rows, where[g])
    measures = {
        name: values.transpose(2, 0, 1) if values.ndim == 3 else values.T
        for name, values in layout.items()
    }

    width = max(len(str(total)), 2)
    return Batch(
        study=NAME,
        subjects=np.array([f"S{k:0{width}d}" for k in range(1, total + 1)], dtype=object),
        groups=np.repeat(np.array(GROUPS, dtype=object), list(sizes.values())),
        times=TIMES,
        measures=measures,
        columns=[c for c in COLUMNS if c in ("subject", "group", "time") or c in names],
        assumptions=dict(assumptions),
    )


def _draw_family(layout, family, draws, where, inside, rows, source) -> None:
    """Fill the requested outcomes of one correlated family for every distance, one block.

    ``source`` names the block's normals (root, block, runners per distance): with the
    family's outcomes, factor and means it names the coloured values whole (:data:`_PIECES`).
    """
    wanted = [k for k, o in enumerate(family.outcomes) if o in layout]
    if not wanted:
        return
    drawn = wanted[-1] + 1  # Cholesky: an outcome needs the normals of those before it
    times = len(TIMES)
    picked = np.concatenate([np.arange(k * times, (k + 1) * times) for k in wanted])
    # Distances with the same factor (the model's SDs and correlations are the same at every
    # distance) are coloured in one product: each runner's slice of it is the same matrix
    # product as when its distance is coloured alone, with a third of the calls.
    runs: list[list[str]] = []
    for g in draws:
        if runs and family.factor[g] is family.factor[runs[-1][0]]:
            runs[-1].append(g)
        else:
            runs.append([g])
    for run in runs:
        runners = slice(where[run[0]].start, where[run[-1]].stop)  # distances are contiguous
        streams = [[draws[g](OUTCOMES_INDEX[o]) for o in family.outcomes[:drawn]] for g in run]
        factor = family.factor[run[0]][picked, : drawn * times]
        # the means of each runner's distance, (runners, rows, 1)
        mean = np.concatenate(
            [
                np.broadcast_to(family.mean[g][picked, None], (z[0].shape[0], picked.size, 1))
                for g, z in zip(run, streams, strict=True)
            ]
        )
        key = (source, family.outcomes, tuple(wanted), tuple(run), factor.tobytes(), mean.tobytes())
        _colour(layout, family, wanted, factor, mean, streams, inside, rows, runners, key)


def _colour(layout, family, wanted, factor, mean, streams, inside, rows, runners, key) -> None:
    """Colour the standard normals of ``streams`` (per distance, per outcome drawn) with
    ``factor``, add ``mean``, and write the ``wanted`` outcomes to ``layout``."""
    times = len(TIMES)
    size = sum(z[0].shape[0] for z in streams)
    # Coloured in fixed slices of COLOURED replicates, each its own contiguous matrix product
    # (runners, outcomes x times, COLOURED): BLAS and SIMD loops may round the columns of
    # products of other widths differently, and a replicate must not depend on the call that
    # drew it. Only the slices holding requested replicates are computed.
    normals = None
    first, last = inside.start // COLOURED, -(-inside.stop // COLOURED)
    for piece in range(first, last):
        low, high = piece * COLOURED, (piece + 1) * COLOURED
        values = _PIECES.get((key, piece))
        if values is None:
            if normals is None:
                normals = np.empty((size, factor.shape[1], COLOURED))
            at = 0
            for group in streams:
                n = group[0].shape[0]
                for k, z in enumerate(group):
                    normals[at : at + n, k * times : (k + 1) * times] = z[:, :, low:high]
                at += n
            values = factor @ normals
            values += mean
            for j, k in enumerate(wanted):
                _back_transform(family.outcomes[k], values[:, j * times : (j + 1) * times])
            _PIECES.put((key, piece), values)
        keep = slice(max(inside.start, low) - low, min(inside.stop, high) - low)
        target = slice(
            rows.start + max(inside.start, low) - inside.start,
            rows.start + min(inside.stop, high) - inside.start,
        )
        for j, k in enumerate(wanted):
            layout[family.outcomes[k]][runners, :, target] = values[
                :, j * times : (j + 1) * times, keep
            ]


class _Pieces:
    """The coloured slices last made, by what makes them: the block's normals (seed, block,
    runners per distance), the family, the outcomes drawn, its factor and means (their
    bytes), and the slice. A grid whose cells differ in one family's assumptions (a map of CK
    settings, the claims' ranges moving one row at a time) colours the other families once:
    the values are those the same product gives, read instead of made again. At most
    :data:`PIECES_BYTES` are kept, the least recently used going first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: dict[tuple, np.ndarray] = {}
        self.size = 0
        self.lock = threading.Lock()  # threads of one grid may share them

    def get(self, key: tuple) -> np.ndarray | None:
        with self.lock:
            values = self.kept.pop(key, None)
            if values is not None:
                self.kept[key] = values  # now the most recently used
            return values

    def put(self, key: tuple, values: np.ndarray) -> None:
        if values.nbytes > self.limit:
            return
        values.flags.writeable = False  # shared by every cell that reads it
        with self.lock:
            old = self.kept.pop(key, None)
            self.size -= 0 if old is None else old.nbytes
            self.kept[key] = values
            self.size += values.nbytes
            while self.size > self.limit:
                self.size -= self.kept.pop(next(iter(self.kept))).nbytes


PIECES_BYTES = 16 * 2**20  # a 4,000-replicate setting of the published design: about 15 MB
_PIECES = _Pieces(PIECES_BYTES)


def _draw_characteristics(layout, model, g, draw, inside, rows, runners) -> None:
    """Age, body mass and finish time of one distance and block (all three are drawn, so
    that each is the same whichever are asked for)."""
    wanted = [j for j, c in enumerate(SUBJECT_COLUMNS) if c in layout]
    if not wanted:
        return
    z = draw(CHARACTERISTICS_STREAM)
    mean, sd = model.characteristics[g]
    for j in wanted:
        layout[SUBJECT_COLUMNS[j]][runners, rows] = (z[:, j] * sd[j] + mean[j])[:, inside]


def _select(rules: Sequence[_Rule], only) -> tuple[_Rule, ...]:
    if only is None:
        return tuple(rules)
    if isinstance(only, str):
        only = [only]
    chosen = set(only)
    unknown = chosen - {r.id for r in rules}
    if unknown:
        raise InputError(
            f"{sorted(unknown)} are not decision rows of the {NAME} scorecard; they are: "
            f"{', '.join(r.id for r in rules)}"
        )
    return tuple(r for r in rules if r.id in chosen)


def _members(groups: np.ndarray, group: str):
    """The runners of a distance, as a slice when they are contiguous (a view, no copy)."""
    index = np.flatnonzero(groups == group)
    if index.size and index[-1] - index[0] + 1 == index.size:
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


# Where the sums are too coarse for a test and the values are read again (_Summary): a
# variance of the changes below this share of S_tt + S_pp (its relative error is then above
# about 1e-12), and a distance's variance below this multiple of its mean squared.
_COARSE = 1e-4
_COARSE_MEAN = 1e-20
# the (a, b) entries of a 3 x 3 sum-of-products matrix that are kept (its upper triangle)
_UPPER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
_ENTRY = {pair: k for k, pair in enumerate(_UPPER)} | {(b, a): k for k, (a, b) in enumerate(_UPPER)}
# the pairs of _posthoc_between, one Holm family per time
PAIRS = (("21km", "10km"), ("42km", "10km"), ("42km", "21km"))


@dataclass
class _Summary:
    """Sufficient statistics of one outcome (on the analysis scale) in a slice of replicates,
    per distance: means (times, R) and centred sums of products (6, R, order ``_UPPER``).

    Every test of the scorecard is a function of these: a paired t of later vs pre uses the
    mean change and ``S_tt + S_pp - 2 S_pt``; Welch's t the means and ``S_tt``; the mixed
    ANOVA the means and the pooled matrix. Two passes (mean, then centred products) keep
    them as accurate as the engine's.
    """

    n: dict[str, int]
    mean: dict[str, np.ndarray]
    sscp: dict[str, np.ndarray]
    y: np.ndarray  # the values summed, (runners, times, R): read again where sums are too coarse
    members: Mapping[str, slice | np.ndarray]

    @classmethod
    def of(cls, y: np.ndarray, members: Mapping[str, slice | np.ndarray]) -> _Summary:
        """``y`` (runners, times, R): replicates on the last axis, so each sum over runners
        is a few long vector operations instead of many short ones."""
        n, mean, sscp = {}, {}, {}
        for g, runners in members.items():
            part = y[runners]
            n[g] = part.shape[0]
            mean[g] = part.sum(axis=0)
            mean[g] /= n[g]
            deviations = part - mean[g]
            sscp[g] = np.empty((len(_UPPER), y.shape[-1]))
            for k, (a, b) in enumerate(_UPPER):
                np.einsum("ir,ir->r", deviations[:, a], deviations[:, b], out=sscp[g][k])
        return cls(n, mean, sscp, y, members)

    def _rows(self, g: str, time: int, columns: np.ndarray) -> np.ndarray:
        """The values of distance ``g`` at ``time`` in replicates ``columns``, one contiguous
        row per replicate: numpy reduces such a row as it reduces the 1-D column
        ``analyze`` tests, so a variance of exactly 0 comes out 0 in both."""
        return np.ascontiguousarray(self.y[self.members[g]][:, time, columns].T)

    def paired(self, g: str, later: int) -> tuple[np.ndarray, np.ndarray]:
        """(p, mean change) of the paired t-test of time ``later`` vs pre in distance ``g``
        (``ttests.paired``); NaN p where the changes have no variance, as
        ``stats.paired_ttest``."""
        t, df, change, undefined = self.paired_t(g, later)
        p = _t_tail(t, df)
        p[undefined] = np.nan
        return p, change

    def paired_t(self, g: str, later: int):
        """(t, df, mean change, where p is undefined) of :meth:`paired`, before the tail.

        The variance of the changes comes from the sums, ``S_tt + S_pp - 2 S_pt``, which
        loses digits when it is small beside ``S_tt + S_pp`` (changes nearly equal while the
        runners differ); in those replicates, which population draws do not give, it is
        computed from the changes themselves, as ``stats.paired_ttest`` computes it (an
        audit found p = 4e-73 where every change was log 2 and ``analyze`` said "zero
        variance").
        """
        n, s = self.n[g], self.sscp[g]
        change = self.mean[g][later] - self.mean[g][0]
        spread = s[_ENTRY[later, later]] + s[_ENTRY[0, 0]]
        variance = spread - 2 * s[_ENTRY[0, later]]
        coarse = np.flatnonzero(variance <= _COARSE * spread)
        variance /= n - 1
        undefined = variance <= 0
        if coarse.size:
            changes = self._rows(g, later, coarse) - self._rows(g, 0, coarse)
            sd = changes.std(axis=-1, ddof=1)
            change[coarse], variance[coarse] = changes.mean(axis=-1), sd**2
            undefined[coarse] = sd == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = change / np.sqrt(variance / n)
        return t, float(n - 1), change, undefined

    def welch(self, a: str, b: str, time: int) -> tuple[np.ndarray, np.ndarray]:
        """(p, mean of a - mean of b) of Welch's test at ``time`` (``ttests.welch``; NaN p
        when both distances lack variance, as ``stats.welch_ttest``)."""
        t, df, difference, undefined = self.welch_t(a, b, time)
        p = _t_tail(t, df)
        p[undefined] = np.nan
        return p, difference

    def welch_t(self, a: str, b: str, time: int):
        """(t, df, difference, where p is undefined) of :meth:`welch`, before the tail."""
        entry = _ENTRY[time, time]
        na, nb = self.n[a], self.n[b]
        va = self.sscp[a][entry] / ((na - 1) * na)
        vb = self.sscp[b][entry] / ((nb - 1) * nb)
        undefined = (va <= 0) & (vb <= 0)
        # all values of a distance nearly equal: the centred sum is at the rounding level of
        # the mean; computed again as ``stats.welch_ttest`` computes it, which calls the test
        # undefined only when both variances are exactly 0
        coarse = np.flatnonzero(
            (va <= _COARSE_MEAN * self.mean[a][time] ** 2)
            | (vb <= _COARSE_MEAN * self.mean[b][time] ** 2)
        )
        if coarse.size:
            exact_a = self._rows(a, time, coarse).var(axis=-1, ddof=1)
            exact_b = self._rows(b, time, coarse).var(axis=-1, ddof=1)
            va[coarse], vb[coarse] = exact_a / na, exact_b / nb
            undefined[coarse] = (exact_a == 0) & (exact_b == 0)
        difference = self.mean[a][time] - self.mean[b][time]
        total = va + vb
        with np.errstate(divide="ignore", invalid="ignore"):
            t = difference / np.sqrt(total)
            df = total**2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        return t, df, difference, undefined

    def anova(self, effects: Sequence[int] = (1, 2)) -> np.ndarray:
        """Greenhouse-Geisser p of the mixed ANOVA's ``time`` (1) and ``group:time`` (2)
        effects, Type III, as :func:`analysis.engine.anova.mixed_anova` computes them (the
        same formulas on the same sums; see its docstring), without the statistics no
        decision reads (uncorrected p, Mauchly's test, Huynh-Feldt): (len(effects), R)."""
        from ..engine.anova import orthonormal_contrasts

        groups = list(self.n)
        counts = np.array([self.n[g] for g in groups], dtype=float)
        total, a = counts.sum(), len(groups)
        levels = len(TIMES)
        p = levels - 1
        contrasts = orthonormal_contrasts(levels)  # (levels, p)
        # the contrasts of every distance's means, and of the pooled within-distance matrix
        group_z = np.stack([contrasts.T @ self.mean[g] for g in groups])  # (a, p, R)
        pooled = sum(self.sscp[g] for g in groups)
        full = np.array([[pooled[_ENTRY[i, j]] for j in range(levels)] for i in range(levels)])
        error = np.einsum("ai,abr,bj->ijr", contrasts, full, contrasts)  # (p, p, R)
        ss_error = np.trace(error)
        trace_sq = np.einsum("ijr,jir->r", error, error)
        eps = ss_error**2 / (p * trace_sq)
        df_error = (total - a) * p
        out = np.empty((len(effects), group_z.shape[-1]))
        for k, effect in enumerate(effects):
            if effect == 1:  # Type III: the unweighted mean of the distances' contrasts
                unweighted = group_z.mean(axis=0)
                ss, df = (unweighted**2).sum(axis=0) / ((1.0 / counts).sum() / a**2), p
            else:
                grand = np.einsum("apr,a->pr", group_z, counts / total)
                ss = np.einsum("apr,a->r", (group_z - grand) ** 2, counts)
                df = (a - 1) * p
            with np.errstate(divide="ignore", invalid="ignore"):
                f = (ss / df) / (ss_error / df_error)
            out[k] = _f_tail(f, df * eps, df_error * eps)
        return out


def _t_tail(t: np.ndarray, df) -> np.ndarray:
    """Two-sided p of t: ``analysis.engine.ttests``' formula (scipy's ``stdtr``)."""
    from scipy import special

    with np.errstate(invalid="ignore"):
        p = special.stdtr(df, -np.abs(t))
    p *= 2
    return p


def _f_tail(f: np.ndarray, df1, df2) -> np.ndarray:
    """Upper tail of F: ``analysis.engine.anova``'s formula (scipy's ``fdtrc``)."""
    from scipy import special

    with np.errstate(invalid="ignore"):
        return special.fdtrc(df1, df2, f)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's adjustment of the small families on the first axis of ``p`` (k, R): the same
    numbers as :func:`analysis.engine.ttests.holm` (a stable sort, ties in order), with
    comparisons instead of a sort per replicate, which for k <= 3 is several times faster.
    Families with a missing p go to the engine, which leaves it out of m."""
    if np.isnan(p).any():
        from ..engine.ttests import holm

        return holm(p.T).T
    k = p.shape[0]
    rank = np.zeros(p.shape, dtype=np.intp)
    for i in range(k):
        for j in range(k):
            if j != i:
                rank[i] += p[j] <= p[i] if j < i else p[j] < p[i]
    scaled = (k - rank) * p
    adjusted = scaled.copy()
    for i in range(k):
        for j in range(k):
            if j != i:
                below = np.where(rank[j] <= rank[i], scaled[j], 0.0)
                np.maximum(adjusted[i], below, out=adjusted[i])
    return np.minimum(adjusted, 1.0, out=adjusted)


# Relative margin around the critical t of a screened family (see _family): far wider than
# the rounding of scipy's t tail and its inverse (about 1e-15), so a t outside it is on the
# same side of the threshold whatever the last bits of its p.
_SCREEN_MARGIN = 1e-4


def _critical(df, q: float):
    """|t| at which the two-sided p on ``df`` is ``q`` (scipy's ``stdtrit``)."""
    from scipy import special

    return -special.stdtrit(df, q / 2)


def _families(
    families: Mapping[tuple, list[tuple]], rows: Sequence, limits: Sequence[float], screen: bool
) -> dict[tuple, dict]:
    """:func:`_family` of every family (key -> its tests, one per row of ``rows``), as
    key -> row -> values. The families are put side by side on the replicate axis and
    computed in one pass: every number is per replicate and family, so this changes nothing
    but the count of short array operations (the t tail is elementwise, Holm per column)."""
    if not families or not rows:
        return {key: {} for key in families}
    keys = list(families)
    sizes = [np.shape(families[key][0][0])[-1] for key in keys]
    side_by_side = []
    for i in range(len(rows)):
        tests = [families[key][i] for key in keys]
        dfs = [test[1] for test in tests]
        if all(isinstance(d, float) for d in dfs) and len(set(dfs)) == 1:
            df = dfs[0]
        else:
            df = np.concatenate(
                [np.broadcast_to(d, (size,)) for d, size in zip(dfs, sizes, strict=True)]
            )
        side_by_side.append(
            (
                np.concatenate([test[0] for test in tests]),
                df,
                np.concatenate([test[2] for test in tests]),
                np.concatenate([test[3] for test in tests]),
            )
        )
    values = _family(side_by_side, limits, screen)
    edges = np.cumsum([0, *sizes])
    return {
        key: dict(zip(rows, values[:, edges[f] : edges[f + 1]], strict=True))
        for f, key in enumerate(keys)
    }


def _family(tests: Sequence[tuple], limits: Sequence[float], screen: bool) -> np.ndarray:
    """The values of a Holm family's rows, (k, R): the Holm-adjusted two-sided p of each
    t-test (``tests``: (t, df, difference, undefined) per row, as ``_Summary.paired_t`` and
    ``welch_t`` give them), or 1.0 where the difference is not positive.

    ``screen`` (for counts only, ``decide_batch(exact=False)``): a replicate in which every
    |t| of the family is clear of the band between the critical values of ``max(limits)``
    and of ``min(limits) / k`` (``limits``: the thresholds the values are compared with)
    gets 0.0 where its adjusted p is below every threshold and 1.0 where it is above every
    one, without its p: a p below ``min / k`` stays below ``min`` after Holm (each p it is
    compared with is smaller, times at most k) and a p above ``max`` stays above. The t tail
    is most of the cost of a decision, and few replicates fall in the band; those get their
    exact values. The two-sided p falls as |t| rises and as df rises (Welch's df varies per
    replicate: the band is taken at the smallest and largest df of the family), so every
    comparison with a threshold comes out as with the exact values.
    """
    t = np.stack([test[0] for test in tests])
    dfs = [test[1] for test in tests]
    difference = np.stack([test[2] for test in tests])
    undefined = np.stack([test[3] for test in tests])
    if all(isinstance(d, float) for d in dfs) and len(set(dfs)) == 1:
        df = dfs[0]  # the paired tests of one distance: one df
    else:
        df = np.stack([np.broadcast_to(d, t.shape[1:]) for d in dfs])
    band = _band(df, limits, len(tests)) if screen else None
    if band is None:
        p = _t_tail(t, df)
        p[undefined] = np.nan
        return np.where(difference > 0, _holm(p), 1.0)
    low, high = band
    size = np.abs(t)
    with np.errstate(invalid="ignore"):  # NaN t: not clear, computed exactly
        clear = ((size < low) | (size > high)) & ~undefined
    if not isinstance(df, float):
        clear &= np.isfinite(df)
    values = np.where(difference > 0, np.where(size > high, 0.0, 1.0), 1.0)
    near = np.flatnonzero(~clear.all(axis=0))
    if near.size:
        p = _t_tail(t[:, near], df if isinstance(df, float) else df[:, near])
        p[undefined[:, near]] = np.nan
        values[:, near] = np.where(difference[:, near] > 0, _holm(p), 1.0)
    return values


def _band(df, limits: Sequence[float], k: int) -> tuple[float, float] | None:
    """(low, high) |t| of :func:`_family`'s screen, or None when it cannot screen."""
    if isinstance(df, float):
        return _band_between((df,), tuple(limits), k)
    finite = df[np.isfinite(df)]
    if not finite.size:
        return None
    return _band_between((float(finite.min()), float(finite.max())), tuple(limits), k)


@functools.lru_cache(maxsize=256)  # the paired tests of a grid ask for the same df each cell
def _band_between(ends: tuple[float, ...], limits: tuple[float, ...], k: int):
    """:func:`_band` for the df from ``min(ends)`` to ``max(ends)``."""
    if not limits or not all(0 < q < 1 for q in limits):
        return None
    low = min(_critical(d, max(limits)) for d in ends) * (1 - _SCREEN_MARGIN)
    high = max(_critical(d, min(limits) / k) for d in ends) * (1 + _SCREEN_MARGIN)
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        return None
    return float(low), float(high)


def _analysis_scale(name: str, values: np.ndarray) -> np.ndarray:
    """The column ``analyze`` tests: ``np.log`` of a log-scale outcome (``ryu2016.dv``), as
    ``prepare_measures`` computes it from the same numbers; the raw values otherwise."""
    return np.log(values) if OUTCOMES[name] == "log" else values


def _evaluate(
    batch: Batch, rules: Sequence[_Rule], anova: Sequence[str] = (), screen: bool = False
):
    """The values of ``rules`` and the GG p of time and interaction of the ``anova``
    outcomes, slice by slice of :data:`CHUNK` replicates (every number is per replicate, so
    the slicing changes nothing but speed). ``screen``: see :func:`_family`."""
    if batch.study != NAME or tuple(batch.times) != TIMES:
        raise InputError(f"this needs a {NAME} batch with times {TIMES}")
    unknown = [o for o in anova if o not in OUTCOMES]
    if unknown:
        raise InputError(f"unknown outcome(s) {unknown}; choose from {list(OUTCOMES)}")
    needed = {r.outcome for r in rules if r.outcome in OUTCOMES} | set(anova)
    missing = sorted(needed - set(batch.measures))
    if missing:
        raise InputError(f"the batch has no {missing}; draw it with simulate_batch(outcomes=...)")
    groups = np.asarray(batch.groups)
    members = {g: _members(groups, g) for g in GROUPS if np.any(groups == g)}
    reps = batch.reps
    values = np.full((reps, len(rules)), np.nan)
    anovas = {o: np.empty((reps, 2)) for o in anova}
    limits = tuple(r.threshold for r in rules)
    # (runners, times, reps): a view of simulate_batch's arrays, whose memory is laid out so
    layout = {o: batch.measures[o].transpose(1, 2, 0) for o in needed}
    for low in range(0, reps, CHUNK):
        high = min(reps, low + CHUNK)
        summary = {
            o: _Summary.of(_analysis_scale(o, layout[o][..., low:high]), members) for o in needed
        }
        gg = {}
        for o in anova:
            gg[o] = summary[o].anova()
            anovas[o][low:high] = gg[o].T
        # The Holm families the rules need: of _posthoc_within (outcome, distance: every later
        # time vs pre) and of _posthoc_between (outcome, time: the pairs of distances present).
        kept = [r for r in rules if r.outcome in summary]
        within_keys = dict.fromkeys(
            (r.outcome, r.group)
            for r in kept
            if r.statistic == "p_increase_vs_pre" and r.group in members
        )
        between_keys = dict.fromkeys(
            (r.outcome, r.time)
            for r in kept
            if r.statistic == "p_increase_between" and r.time in TIMES
        )
        later = range(1, len(TIMES))
        pairs = [(a, b) for a, b in PAIRS if a in members and b in members]
        within = _families(
            {(o, g): [summary[o].paired_t(g, t) for t in later] for o, g in within_keys},
            TIMES[1:],
            limits,
            screen,
        )
        between = _families(
            {
                (o, time): [summary[o].welch_t(a, b, TIMES.index(time)) for a, b in pairs]
                for o, time in between_keys
            },
            pairs,
            limits,
            screen,
        )
        for j, rule in enumerate(rules):
            s = summary.get(rule.outcome)
            if s is None:
                continue  # not an outcome of the data: _lookup finds no row, NaN
            if rule.statistic == "p_increase_vs_pre" and rule.group in members:
                hit = within[rule.outcome, rule.group].get(rule.time)
            elif rule.statistic == "p_increase_between" and rule.time in TIMES:
                a, _, b = rule.group.partition(">")
                hit = between[rule.outcome, rule.time].get((a, b))
            elif rule.statistic == "p_time":
                if rule.outcome not in gg:
                    gg[rule.outcome] = s.anova(effects=(1,))
                values[low:high, j] = gg[rule.outcome][0]
                continue
            else:
                continue  # _lookup gives NaN
            if hit is not None:
                values[low:high, j] = hit
    return values, anovas


def anova_batch(batch: Batch, outcomes: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Greenhouse-Geisser p of the mixed ANOVA's time and distance x time effects, for every
    replicate: what ``analyze``'s ``mixed_anova`` table shows as ``p_GG_corr`` (Type III; CK
    and LDH on the log scale).

    Parameters
    ----------
    batch : Batch
        From :func:`simulate_batch`.
    outcomes : iterable of str, optional
        Default: every outcome of ``ryu2016.OUTCOMES`` in the batch.

    Returns
    -------
    dict
        Outcome -> (reps, 2): column 0 time, column 1 the interaction.
    """
    names = [o for o in OUTCOMES if o in batch.measures] if outcomes is None else list(outcomes)
    return _evaluate(batch, (), names)[1]


def decide_batch(
    batch: Batch,
    only: Iterable[str] | None = None,
    *,
    anova: Iterable[str] = (),
    exact: bool = True,
) -> Decisions:
    """For every replicate, the value of each decision row of the scorecard.

    Exactly what ``ryu2016.scorecard(data, analyze(data))`` shows in its ``reproduced``
    column for the rows whose statistic is a p-value (``_lookup``), computed on all
    replicates at once:

    * ``p_increase_vs_pre`` (outcome, distance, later time): the paired t-test of later vs
      pre on the analysis scale (log for CK and LDH), Holm-adjusted within the distance over
      its family of contrasts (post - pre and day3 - pre, as ``_posthoc_within``); 1.0 when
      the mean change is not positive.
    * ``p_increase_between`` (outcome, ``a>b``, time): Welch's t-test of ``a`` vs ``b``,
      Holm-adjusted over the three pairs of distances at that time (``_posthoc_between``);
      1.0 when ``a``'s mean is not above ``b``'s.
    * ``p_time`` (outcome): the Greenhouse-Geisser p of time in the mixed ANOVA (Type III).

    Any other ``p_`` statistic gives NaN, as ``_lookup`` does. The rows, their relations and
    thresholds are read from the targets table under the batch's assumptions.

    Parameters
    ----------
    batch : Batch
        From :func:`simulate_batch`, with the outcomes the chosen rows need.
    only : iterable of str, optional
        Ids of the decision rows to compute (the others are not computed); default all, in
        the scorecard's order.
    anova : iterable of str, optional
        Outcomes whose mixed ANOVA (GG p of time and interaction, as :func:`anova_batch`)
        to compute in the same pass, returned as the ``anova`` attribute of the result.
    exact : bool
        False: for counting only. A t-test whose t is far from the critical values gets 0.0
        (below the threshold) or 1.0 (above) instead of its p, which it would compare the
        same way; ``holds``, ``all_hold`` and the missing values are as with True, and the
        decision costs about half as much (the t tail is most of it).

    Returns
    -------
    Decisions
        ``values`` (replicates, rows); ``holds`` and ``all_hold`` say which come out as
        published. With ``anova``: a :class:`BatchDecisions` whose ``anova`` holds them.
    """
    model = _model(_key(batch.assumptions))
    rules = _select(model.rules, only)
    values, anovas = _evaluate(batch, rules, tuple(anova), screen=not exact)
    fields = {
        "study": NAME,
        "claim_ids": tuple(r.id for r in rules),
        "relations": tuple(r.relation for r in rules),
        "thresholds": np.array([r.threshold for r in rules]),
        "values": values,
    }
    return BatchDecisions(**fields, anova=anovas) if anovas else Decisions(**fields)


@dataclass
class BatchDecisions(Decisions):
    """:class:`~analysis.studies.base.Decisions` with the mixed ANOVAs computed beside them:
    outcome -> (reps, 2) Greenhouse-Geisser p of time and interaction (:func:`anova_batch`)."""

    anova: dict[str, np.ndarray] = field(default_factory=dict)


def claims_batch(batch: Batch, decisions: Decisions | None = None) -> dict[int, np.ndarray]:
    """Per article claim the study speaks to, does its pattern hold in each replicate?

    * **3** (longer races, more damage): every decision row the paper itself claims
      (``claimed_by == "paper"``: CK, LDH and tail moment rose after the race at every
      distance, the marathon exceeded both shorter races after the race, no time effect on %
      DNA in tail or tail length) holds at once.
    * **4** (damage persists to day 3): every day-3 decision row of the article
      (``claimed_by == "article"``: CK and LDH above pre on day 3 at every distance) holds.

    The rows are read from the targets table (:data:`CLAIMS`); the count rows of the
    scorecard are not decisions and are left out. The share of ``True`` is the probability
    that a study of this size, under the assumptions, reproduces the claim's whole pattern.

    Parameters
    ----------
    batch : Batch
        From :func:`simulate_batch`.
    decisions : Decisions, optional
        ``decide_batch(batch)`` if already computed (it must hold the rows of both claims);
        otherwise only the rows the two claims need are computed.

    Returns
    -------
    dict
        Claim number -> (replicates,) booleans.
    """
    model = _model(_key(batch.assumptions))
    rows = {
        3: [r.id for r in model.rules if r.claimed_by == "paper"],
        4: [r.id for r in model.rules if r.claimed_by == "article" and r.time == "day3"],
    }
    if decisions is None:  # only whether each row holds is read: no exact p needed
        decisions = decide_batch(batch, only=[i for ids in rows.values() for i in ids], exact=False)
    column = {c: j for j, c in enumerate(decisions.claim_ids)}
    missing = [i for ids in rows.values() for i in ids if i not in column]
    if missing:
        raise InputError(f"the decisions lack the rows {missing}; compute them with decide_batch")
    holds = decisions.holds
    return {
        claim: holds[:, [column[i] for i in ids]].all(axis=1) for claim, ids in rows.items() if ids
    }
