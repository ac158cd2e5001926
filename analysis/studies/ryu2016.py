"""Running distance and muscle damage: Ryu et al. 2016, simulated from its abstract.

Ryu JH, Paik IY, Woo JH, Shin KO, Cho SY, Roh HT. Impact of different running distances on
muscle and lymphocyte DNA damage in amateur marathon runners. J Phys Ther Sci
2016;28(2):450-455. doi:10.1589/jpts.28.450.

The abstract gives the design (30 men, 10 per distance, three blood draws) and the direction
and significance of each effect, but no means or SDs. So every magnitude here is **assumed**
from other studies (``data/published/ryu2016.csv`` names them), and the scorecard checks that
the simulated data show every published *direction and significance*. CK and LDH are
log-normal with exact moments on the log scale; % DNA in tail is logit-normal (it stays in
0-100 %); tail length and tail moment are log-normal (they stay positive). Subjects carry their
own level across timepoints, and CK and LDH are correlated within a subject.
"""

from __future__ import annotations

import contextlib
import math
import re
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dataio import shared
from ..dataio.schemas import DataSpec, Measure, validate
from ..dataio.targets import Targets, load_targets
from ..engine.simulate import _sim_design_values, as_rng
from ..engine.tables import Tables, first_row
from ..errors import InputError
from .base import (
    PROBABILITY_REPS,
    Batch,
    Replication,
    assumed_decisions,
    build_scorecard,
    claim_probabilities,
    count_passed,
    probabilities,
    probability_seed,
)

if TYPE_CHECKING:
    from ..engine.figureset import FigureSet

NAME = "ryu2016"
TITLE = "Running distance and muscle damage (Ryu et al. 2016)"
NOTEBOOK = "02_distance_muscle_damage"
CITATION = (
    "Ryu JH, Paik IY, Woo JH, Shin KO, Cho SY, Roh HT. Impact of different running distances "
    "on muscle and lymphocyte DNA damage in amateur marathon runners. J Phys Ther Sci "
    "2016;28(2):450-455."
)
GROUPS = ("10km", "21km", "42km")
DISTANCE_KM = {"10km": 10.0, "21km": 21.0975, "42km": 42.195}
TIMES = ("pre", "post", "day3")
# outcome -> scale of analysis ("log": CK and LDH are right-skewed)
OUTCOMES = {
    "ck_u_l": "log",
    "ldh_u_l": "log",
    "tail_dna_pct": "raw",
    "tail_length_um": "raw",
    "tail_moment": "raw",
}
SUBJECT_COLUMNS = ("age_yr", "body_mass_kg", "finish_time_min")
COLUMNS = ["subject", "group", "time", *OUTCOMES, *SUBJECT_COLUMNS]
LABELS = {
    "ck_u_l": "CK (U/L)",
    "ldh_u_l": "LDH (U/L)",
    "tail_dna_pct": "DNA in tail (%)",
    "tail_length_um": "Tail length (µm)",
    "tail_moment": "Tail moment (AU)",
}
ASSUMED_MAGNITUDES = "Simulated: directions as published, magnitudes assumed (ryu2016.csv)"

# Plausible ranges of real data (the validator's rules), each with its source.
DATA_SPEC = DataSpec(
    study=NAME,
    subject="subject",
    time="time",
    factors={"group": GROUPS, "time": TIMES},
    measures={
        "ck_u_l": Measure(
            "U/L",
            0.0,
            100_000.0,
            "reference 24-204 U/L in men; a few thousand after a marathon (Kobayashi et al. "
            "2005; PMC6267712); severe rhabdomyolysis stays below 100,000",
            unit_mistakes=((0.0, 10.0, "µkat/L", "multiply by 60 to get U/L"),),
        ),
        "ldh_u_l": Measure(
            "U/L",
            0.0,
            10_000.0,
            "reference 140-280 U/L; about 2-fold after a marathon (Kobayashi et al. 2005)",
            unit_mistakes=((0.0, 20.0, "µkat/L", "multiply by 60 to get U/L"),),
        ),
        "tail_dna_pct": Measure(
            "%",
            0.0,
            100.0,
            "a percentage of the cell's DNA (comet assay)",
            low_inclusive=True,
        ),
        "tail_length_um": Measure(
            "µm",
            0.0,
            1_000.0,
            "lymphocyte comet tails are about 10-150 µm; a whole comet image is under 1 mm",
            low_inclusive=True,
        ),
        "tail_moment": Measure(
            "AU",
            0.0,
            1_000.0,
            "tail length (µm) x fraction of DNA in the tail, so at most the tail length",
            low_inclusive=True,
        ),
        "age_yr": Measure("yr", 15.0, 90.0, "adult amateur marathon runners", per_subject=True),
        # body mass really changes over a race (fluid loss), so it is a per-time measure
        "body_mass_kg": Measure(
            "kg",
            35.0,
            200.0,
            "adult male runners (CDC anthropometric reference data, with a wide margin)",
            unit_mistakes=((35_000.0, 200_000.0, "g", "divide by 1000 to get kg"),),
        ),
        "finish_time_min": Measure(
            "min",
            20.0,
            600.0,
            "10 km world record about 26 min; marathon cut-offs 6-7 h",
            per_subject=True,
        ),
    },
    subject_factors=("group",),
    optional=SUBJECT_COLUMNS,
)


def targets(**assumptions: float) -> Targets:
    """The study's targets table, with assumptions overridden by keyword."""
    return load_targets(NAME).with_overrides(**assumptions)


def dv(outcome: str) -> str:
    """The column an outcome is analysed on: ``log_ck_u_l`` for a log-scale outcome."""
    return f"log_{outcome}" if OUTCOMES[outcome] == "log" else outcome


def _time_corr(pre_post: float, pre_day3: float, post_day3: float) -> np.ndarray:
    return np.array([[1, pre_post, pre_day3], [pre_post, 1, post_day3], [pre_day3, post_day3, 1]])


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def comet_levels(t: Targets) -> tuple[list[float], list[float]]:
    """The median % DNA in tail and the geometric mean tail length at pre, post and day 3:
    the pre-race level times each later time's fold (``tail_dna_fold_post``, ...), so that
    moving a pre-race level moves every time with it (the paper reports no change).

    Raises
    ------
    InputError
        When a % DNA in tail reaches 100 (its logit, which the model draws, does not exist).

    Examples
    --------
    >>> comet_levels(targets(tail_dna_pct_pre=4.0, tail_length_fold_day3=0.9))[0][0]
    4.0
    """
    dna_pre, length_pre = t.value("tail_dna_pct_pre"), t.value("tail_length_pre")
    dna = [dna_pre] + [dna_pre * t.value(f"tail_dna_fold_{time}") for time in TIMES[1:]]
    length = [length_pre] + [length_pre * t.value(f"tail_length_fold_{time}") for time in TIMES[1:]]
    for time, level in zip(TIMES, dna, strict=True):
        if level >= 100:
            fold = (
                ""
                if time == "pre"
                else f" x tail_dna_fold_{time} = {t.value(f'tail_dna_fold_{time}'):g}"
            )
            raise InputError(
                f"{NAME} cannot be simulated with tail_dna_pct_pre = {dna_pre:g}{fold}: the "
                f"median % DNA in tail at {time} would be {level:g} %, and a percentage of a "
                "cell's DNA stays below 100; lower one of them."
            )
    return dna, length


def _distance_by_time(measures, n, mu, sd, r, empirical, rng) -> np.ndarray:
    """Distance (between) x time (within) values of ``measures``: faux's ``sim_design``.

    Returns the numbers ``sim_design`` would lay out as its long table, as an array (runners
    in the order of ``GROUPS``, ``TIMES``, ``measures``).
    """
    _, _, wides = _sim_design_values(
        between={"group": GROUPS},
        within={"time": TIMES},
        n=n,
        mu=mu,
        sd=sd,
        r=r,
        measures=measures,
        empirical=empirical,
        seed=rng,
    )
    # sim_design's wide columns run time by time with the measure fastest
    return np.concatenate(wides).reshape(-1, len(TIMES), len(measures))


def _column(values: np.ndarray, k: int) -> np.ndarray:
    """Measure ``k`` of a (runners, times, measures) array as a C-contiguous (runners, times)
    copy: the long table's columns were contiguous, and numpy may compute ``exp`` of strided
    data by another loop than of contiguous data, which need not agree to the last bit."""
    return np.ascontiguousarray(values[..., k])


def _enzymes(t: Targets, n: dict, empirical: bool, rng) -> dict[str, np.ndarray]:
    """CK and LDH (U/L), each (runners, times): log-normal, 2 markers x 3 times per runner,
    exact log-scale moments per distance with ``empirical``."""
    mu, sd = {}, {}
    ck0, ldh0 = math.log(t.value("ck_pre_geomean")), math.log(t.value("ldh_pre_geomean"))
    ck_sd = [t.value(f"ck_{time}_sdlog") for time in TIMES]
    for g in GROUPS:
        ck = [
            ck0,
            ck0 + math.log(t.value(f"ck_fold_post_{g}")),
            ck0 + math.log(t.value(f"ck_fold_day3_{g}")),
        ]
        ldh = [
            ldh0,
            ldh0 + math.log(t.value(f"ldh_fold_post_{g}")),
            ldh0 + math.log(t.value(f"ldh_fold_day3_{g}")),
        ]
        mu[g] = [v for pair in zip(ck, ldh, strict=True) for v in pair]
        sd[g] = [v for s in ck_sd for v in (s, t.value("ldh_sdlog"))]
    # corr(marker a at time i, marker b at time j) = time_corr[a][i, j] scaled by the marker
    # correlation: a Kronecker-style product that stays positive definite
    ck_r = _time_corr(
        t.value("ck_corr_pre_post"), t.value("ck_corr_pre_day3"), t.value("ck_corr_post_day3")
    )
    ldh_c = t.value("ldh_corr_time")
    ldh_r = _time_corr(ldh_c, ldh_c, ldh_c)
    cross = t.value("ck_ldh_corr") * np.sqrt(np.clip(ck_r * ldh_r, 0, None))
    r = np.empty((6, 6))
    r[0::2, 0::2], r[1::2, 1::2] = ck_r, ldh_r
    r[0::2, 1::2] = r[1::2, 0::2] = cross
    logs = _distance_by_time(["log_ck", "log_ldh"], n, mu, sd, r, empirical, rng)
    return {"ck_u_l": np.exp(_column(logs, 0)), "ldh_u_l": np.exp(_column(logs, 1))}


def _comet(t: Targets, n: dict, empirical: bool, rng) -> dict[str, np.ndarray]:
    """% DNA in tail (logit-normal), tail length and tail moment (log-normal), each
    (runners, times): 3 measures x 3 times per runner."""
    mu, sd = {}, {}
    moment0 = math.log(t.value("tail_moment_pre"))
    dna, length = comet_levels(t)
    for g in GROUPS:
        values = []
        for k, time in enumerate(TIMES):
            moment = (
                moment0
                if time == "pre"
                else moment0 + math.log(t.value(f"tail_moment_fold_{time}_{g}"))
            )
            values += [_logit(dna[k] / 100), math.log(length[k]), moment]
        mu[g] = values
        sd[g] = [
            t.value("tail_dna_sdlogit"),
            t.value("tail_length_sdlog"),
            t.value("tail_moment_sdlog"),
        ] * len(TIMES)
    c = t.value("comet_corr_time")
    measures_r = np.array(
        [
            [1, t.value("comet_corr_dna_length"), t.value("comet_corr_dna_moment")],
            [t.value("comet_corr_dna_length"), 1, t.value("comet_corr_length_moment")],
            [t.value("comet_corr_dna_moment"), t.value("comet_corr_length_moment"), 1],
        ]
    )
    r = np.kron(_time_corr(c, c, c), measures_r)
    raw = _distance_by_time(["logit_dna", "log_length", "log_moment"], n, mu, sd, r, empirical, rng)
    return {
        "tail_dna_pct": 100 / (1 + np.exp(-_column(raw, 0))),
        "tail_length_um": np.exp(_column(raw, 1)),
        "tail_moment": np.exp(_column(raw, 2)),
    }


def _characteristics(t: Targets, n: dict, empirical: bool, rng) -> dict[str, np.ndarray]:
    """Age, body mass and finish time, each (runners,): one value per runner."""
    mu = {
        g: [t.value("age_mean"), t.value("body_mass_mean"), t.value(f"finish_time_mean_{g}")]
        for g in GROUPS
    }
    sd = {
        g: [t.value("age_sd"), t.value("body_mass_sd"), t.value(f"finish_time_sd_{g}")]
        for g in GROUPS
    }
    _, _, wides = _sim_design_values(
        between={"group": GROUPS},
        within={},
        n=n,
        mu=mu,
        sd=sd,
        r=0.0,
        measures=list(SUBJECT_COLUMNS),
        empirical=empirical,
        seed=rng,
    )
    values = np.concatenate(wides)
    return {name: values[:, k].copy() for k, name in enumerate(SUBJECT_COLUMNS)}


def simulate(
    seed: int | np.random.Generator | None = 0,
    dispersion: str = "sem",
    *,
    empirical: bool = True,
    exact_assumed: bool = False,
    **assumptions: float,
) -> pd.DataFrame:
    """Simulate the study: one row per runner x timepoint (pre, post, day3).

    The data frame of :func:`simulate_arrays` (the same arguments, the same numbers).

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Same seed, same data.
    dispersion : str
        Accepted for a uniform interface; this abstract prints no ``±`` to read.
    empirical : bool
        Exact sample moments for published numbers: this abstract publishes none (only the
        number of runners, directions and significance), so every magnitude is drawn from
        its assumed population with the seed and the data show a real sample's noise (issue
        11: groups with identical means to four decimals would look fabricated). ``False``:
        the same (population draws).
    exact_assumed : bool
        With ``empirical``, make the assumed means, SDs and correlations exact per distance
        (the exact-replication grid of :mod:`analysis.checks.sensitivity`).
    **assumptions
        Override any ``assumed`` row of ``data/published/ryu2016.csv`` by its id.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, group, time, ck_u_l, ldh_u_l, tail_dna_pct, tail_length_um,
        tail_moment, age_yr, body_mass_kg, finish_time_min``.

    Examples
    --------
    >>> df = simulate(seed=1)
    >>> df.groupby("group", observed=True)["subject"].nunique().to_dict()
    {'10km': 10, '21km': 10, '42km': 10}
    """
    made = simulate_arrays(
        seed, dispersion, empirical=empirical, exact_assumed=exact_assumed, **assumptions
    )
    return made.replicate(0)  # its one replicate as the tidy long table


def simulate_arrays(
    seed: int | np.random.Generator | None = 0,
    dispersion: str = "sem",
    *,
    empirical: bool = True,
    exact_assumed: bool = False,
    **assumptions: float,
) -> Batch:
    """The dataset of :func:`simulate` as arrays: one replicate in the layout of a batch.

    :func:`simulate` is this dataset as a data frame, so the numbers are the same by
    construction. Without pandas it is fast enough (about a millisecond) for the hundreds of
    exact replications of :func:`analysis.checks.sensitivity.exact_grid`.

    Parameters
    ----------
    seed, dispersion, empirical, exact_assumed, **assumptions
        As :func:`simulate`.

    Returns
    -------
    Batch
        One replicate: ``measures`` holds each outcome as (1, runners, times) and each runner
        characteristic as (1, runners), on :func:`simulate`'s scale; ``subjects``,
        ``groups`` and ``times`` as :func:`simulate` writes them.

    Raises
    ------
    InputError
        For assumptions the study cannot be simulated with (the message of :func:`simulate`).

    Examples
    --------
    >>> made = simulate_arrays(seed=1)
    >>> made.measures["ck_u_l"].shape, made.measures["age_yr"].shape
    ((1, 30, 3), (1, 30))
    >>> bool((made.measures["ck_u_l"][0].ravel() == simulate(seed=1)["ck_u_l"]).all())
    True
    """
    t = targets(**assumptions)
    rng = as_rng(seed)
    n = {g: t.count(f"n_{g}") for g in GROUPS}
    empirical = empirical and exact_assumed  # nothing published to reproduce exactly
    for g, count in n.items():
        if count < 10 and empirical:
            raise InputError(
                f"{g}: {count} runners; exact moments of 9 comet variables need at least 10."
            )
    times = ("pre", "post", "day3")
    # each block with the assumed SDs and correlations it is built from, to name in an error
    blocks = {
        _enzymes: (
            [f"ck_{time}_sdlog" for time in times] + ["ldh_sdlog"],
            ["ck_corr_pre_post", "ck_corr_pre_day3", "ck_corr_post_day3", "ldh_corr_time"]
            + ["ck_ldh_corr"],
        ),
        _comet: (
            ["tail_dna_sdlogit", "tail_length_sdlog", "tail_moment_sdlog"],
            ["comet_corr_time", "comet_corr_dna_length", "comet_corr_dna_moment"]
            + ["comet_corr_length_moment"],
        ),
        _characteristics: (
            ["age_sd", "body_mass_sd"] + [f"finish_time_sd_{g}" for g in GROUPS],
            [],
        ),
    }
    made = []
    for simulate_block, (sds, corrs) in blocks.items():
        try:
            made.append(simulate_block(t, n, empirical, rng))
        except InputError:
            raise
        except (ValueError, ArithmeticError) as exc:
            # each value passed Targets.with_overrides; what is left is an SD of 0 (a constant
            # cannot be simulated), correlations no data can have together, or numbers too
            # extreme to compute with
            reason = str(exc).split(". ")[0].rstrip(".")
            zero = [k for k in sds if t.value(k) <= 0]
            if "standard deviation" in reason and zero:
                culprits = zero
                reason = "every variable is drawn at random, so each SD must be above 0"
            elif "correlation" in reason:
                culprits = corrs
            else:
                culprits = list(t.overrides)
            values = ", ".join(f"{k} = {t.value(k):g}" for k in culprits) or "the defaults"
            raise InputError(
                f"{NAME} cannot be simulated with {values} ({reason}); change the assumptions "
                "you gave towards their defaults."
            ) from None
    measures = {name: values[np.newaxis] for part in made for name, values in part.items()}
    total = sum(n.values())
    width = max(len(str(total)), 2)  # sim_design's ids: S01, S02, ...
    return Batch(
        study=NAME,
        subjects=np.array([f"S{k:0{width}d}" for k in range(1, total + 1)], dtype=object),
        groups=np.repeat(np.array(GROUPS, dtype=object), [n[g] for g in GROUPS]),
        times=TIMES,
        measures=measures,
        columns=list(COLUMNS),
        assumptions=dict(assumptions),
    )


def validate_data(df: pd.DataFrame, source: str = "<data>") -> pd.DataFrame:
    """Check a data file of this study; raise :class:`~analysis.errors.InputError` if bad."""
    return validate(df, DATA_SPEC, source)


def _why(why: pd.DataFrame | None, column: str) -> pd.Series | None:
    return why[column] if why is not None and column in why.columns else None


def _reasons(per_subject: pd.DataFrame) -> dict[str, str]:
    """Subject -> ``exclusion_reason`` of the rows that have one, in row order."""
    left = per_subject[per_subject["exclusion_reason"] != ""]
    return dict(zip(left["subject"], left["exclusion_reason"], strict=True))


def _posthoc_within(data: pd.DataFrame, why: pd.DataFrame | None = None) -> pd.DataFrame:
    """Within each distance: post vs pre and day3 vs pre, Holm-adjusted within the distance.

    A runner without a usable value at both timepoints of a contrast is left out of that
    contrast and named (``excluded_subjects``, ``exclusion_reason``; ``why`` from
    :func:`analysis.engine.stats.prepare_measures` gives the reasons of unusable values). A contrast
    with fewer than 2 runners, or without variance, has NaN statistics and a ``note``. Effect
    sizes are named for what they are: ``d_z`` (change over the SD of the changes, exact CI)
    and ``d_av`` / ``g_av`` (change over the pre/post average SD; see
    :func:`analysis.engine.stats.paired_ttest`).
    """
    from ..engine import stats
    from ..engine.tables import exclusion_columns, left_out_note, with_notes

    present_times = set(data["time"])
    laters = [t for t in ("post", "day3") if t in present_times]
    if "pre" not in present_times or not laters:
        raise InputError("comparing timepoints needs pre and post or day3 values")
    groups = [g for g in GROUPS if g in set(data["group"])]
    # each distance's rows, selected once rather than once per outcome
    parts = {group: data[data["group"] == group] for group in groups}
    rows, notes = [], []
    for outcome in OUTCOMES:
        column = dv(outcome)
        for group in groups:
            part = parts[group]
            family = []
            for later in laters:
                pairs = stats.paired_values(part, [column], pre="pre", post=later, keep=(), why=why)
                usable = pairs["exclusion_reason"] == ""
                left = _reasons(pairs)
                pre, post = (pairs.loc[usable, c].to_numpy() for c in ("pre", "post"))
                res = stats.paired_ttest(pre, post)
                family.append(
                    {
                        "outcome": outcome,
                        "dv": column,
                        "group": group,
                        "contrast": f"{later} - pre",
                        **res,
                        **exclusion_columns(left),
                    }
                )
                if left:
                    what = f"posthoc_within of {column} ({group}, {later} - pre)"
                    notes.append(left_out_note(what, left))
            _holm(family)
            rows += family
    table = pd.DataFrame(rows)
    log = table["dv"].str.startswith("log_")
    with np.errstate(over="ignore"):
        table["fold"] = np.where(log, np.exp(table["mean_diff"]), np.nan)
    return with_notes(table, notes)


def _posthoc_between(data: pd.DataFrame, why: pd.DataFrame | None = None) -> pd.DataFrame:
    """Between distances at each timepoint (Welch), Holm-adjusted over the three pairs.

    Runners of the two distances without a usable value at that timepoint are left out of
    the comparison and named; groups of unequal size are what Welch's test is for.
    """
    from ..engine import stats
    from ..engine.tables import exclusion_columns, left_out_note, with_notes

    groups = [g for g in GROUPS if g in set(data["group"])]
    if len(groups) < 2:
        raise InputError("comparing distances needs at least 2 runners in 2 or more distances")
    rows, notes = [], []
    pairs = [("21km", "10km"), ("42km", "10km"), ("42km", "21km")]
    times = [t for t in TIMES if t in set(data["time"])]
    # the rows of each timepoint, distance and pair of distances, selected once rather than
    # once per outcome (and pair)
    at_time = {time: data[data["time"] == time] for time in times}
    cells = {(t, g): at[at["group"] == g] for t, at in at_time.items() for g in groups}
    both_of = {(a, b): data[data["group"].isin([a, b])] for a, b in pairs}
    for outcome in OUTCOMES:
        column = dv(outcome)
        for time in times:
            family = []
            for a, b in pairs:
                if a not in groups or b not in groups:
                    continue
                both = both_of[a, b]
                left = stats.left_out(both, column, levels=[time], why=_why(why, column))
                x, y = (
                    cells[time, g].loc[np.isfinite(cells[time, g][column]), column].to_numpy()
                    for g in (a, b)
                )
                res = stats.welch_ttest(x, y)
                family.append(
                    {
                        "outcome": outcome,
                        "dv": column,
                        "time": time,
                        "contrast": f"{a} - {b}",
                        **res,
                        **exclusion_columns(left),
                    }
                )
                if left:
                    what = f"posthoc_between of {column} ({time}, {a} - {b})"
                    notes.append(left_out_note(what, left))
            _holm(family)
            rows += family
    return with_notes(pd.DataFrame(rows), notes)


def _holm(family: list[dict]) -> None:
    """Add Holm-adjusted p-values to a family of test results, in place (pingouin).

    A test that could not be computed (NaN p) keeps a NaN ``p_holm`` and does not count in
    the family: Holm's m is the number of tests actually made (Holm 1979, Scand J Stat 6:65).
    """
    import pingouin as pg

    if not family:
        return
    p = np.array([r["p_val"] for r in family], dtype=float)
    adjusted = np.full(p.shape, np.nan)
    made = np.isfinite(p)
    if made.any():
        _, adjusted[made] = pg.multicomp(p[made], method="holm")
    for row, value in zip(family, adjusted, strict=True):
        row["p_holm"] = float(value)


def _dose_response(
    data: pd.DataFrame, why: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-subject log fold change vs pre, and its linear trend on race distance (km).

    A fold change needs positive values at both timepoints: a runner with a 0 (e.g.
    ``tail_dna_pct`` = 0, which the schema allows) or a missing or non-finite value is left
    out of that outcome and contrast, never given an offset (an offset would change every
    runner's fold), and is reported: a ``fold_change`` row with a NaN ``log_fold`` and its
    ``exclusion_reason``, and the trend's ``excluded_subjects``. The log fold is
    ``log(later) - log(pre)``, which cannot overflow as a ratio of extreme values can.
    """
    from ..engine import stats
    from ..engine.tables import exclusion_columns, left_out_note, with_notes

    groups = [g for g in GROUPS if g in set(data["group"])]
    if len(groups) < 2:
        raise InputError("a dose-response trend needs runners of 2 or more distances")
    present_times = set(data["time"])
    laters = [t for t in ("post", "day3") if t in present_times]
    if "pre" not in present_times or not laters:
        raise InputError("a fold change needs pre and post or day3 values")
    folds = []
    for outcome in OUTCOMES:
        for later in laters:
            part = stats.paired_values(
                data, [outcome], pre="pre", post=later, keep=("group",), why=why
            )
            usable = part["exclusion_reason"] == ""
            for label, time in (("pre", "pre"), ("post", later)):
                zero = usable & (part[label] <= 0)
                part.loc[zero, "exclusion_reason"] = [
                    f"{outcome} = {v:g} at {time}: no fold change" for v in part.loc[zero, label]
                ]
                usable &= ~zero
            with np.errstate(divide="ignore", invalid="ignore"):
                log_fold = np.log(part["post"]) - np.log(part["pre"])
            folds.append(
                pd.DataFrame(
                    {
                        "outcome": outcome,
                        "contrast": f"{later} / pre",
                        "subject": part["subject"],
                        "group": part["group"],
                        "distance_km": part["group"].map(DISTANCE_KM),
                        "log_fold": log_fold.where(usable),
                        "exclusion_reason": part["exclusion_reason"],
                    }
                )
            )
    folds = pd.concat(folds, ignore_index=True)
    trends, fold_notes, trend_notes = [], [], []
    for (outcome, contrast), part in folds.groupby(["outcome", "contrast"], sort=False):
        usable = part["exclusion_reason"] == ""
        left = _reasons(part)
        res = stats.linear_trend(
            part.loc[usable, "distance_km"].to_numpy(), part.loc[usable, "log_fold"].to_numpy()
        )
        with np.errstate(over="ignore"):
            per_10km = float(np.exp(10 * res["slope"]))
        trends.append(
            {
                "outcome": outcome,
                "contrast": contrast,
                **res,
                "fold_per_10km": per_10km,
                **exclusion_columns(left),
            }
        )
        if left:
            fold_notes.append(left_out_note(f"fold_change of {outcome} ({contrast})", left))
            trend_notes.append(left_out_note(f"dose_response of {outcome} ({contrast})", left))
    return with_notes(folds, fold_notes), with_notes(pd.DataFrame(trends), trend_notes)


def _mixed_model(
    data: pd.DataFrame, why: pd.DataFrame | None = None, of=None, name: str = "mixed_model"
) -> pd.DataFrame:
    """Linear mixed model per outcome: distance x time, random intercept per runner.

    ``of`` fits one outcome (default: the REML fit and its Wald z tests, :data:`WALD_NOTE`;
    :func:`_interaction_lrt_of`: the likelihood-ratio test of the interaction). statsmodels
    MixedLM uses every row, so it still works when a runner misses a
    timepoint, where the mixed ANOVA must drop the runner. A value that is present but
    unusable (0 on the log scale, ±inf) is left out as an observation and reported
    (``excluded_subjects``, ``exclusion_reason``). An outcome whose data cannot identify the
    model (a distance x time cell without observations, too few observations for its fixed
    effects, no variance, a singular fit) gets one row with a ``note``.
    """
    from ..engine.tables import stack

    groups = [g for g in GROUPS if g in set(data["group"])]
    times = [t for t in TIMES if t in set(data["time"])]
    if len(groups) < 2 or len(times) < 2:
        raise InputError("the mixed model needs 2 or more distances and 2 or more timepoints")
    return stack(
        (
            f"{name} of {dv(outcome)}",
            {"outcome": outcome, "dv": dv(outcome)},
            lambda outcome=outcome: (of or _mixed_model_of)(data, outcome, why),
        )
        for outcome in OUTCOMES
    )


# The p-values of statsmodels' MixedLM are Wald z tests: the normal distribution treats the
# variance components as known, which is anti-conservative with ~10 runners per distance
# (compared with the Satterthwaite or Kenward-Roger t of R's lmerTest).
WALD_NOTE = "Wald z (normal); anti-conservative in small samples vs Satterthwaite t"
LRT_NOTE = "likelihood ratio, ML fits, chi-square on (distances - 1)(times - 1) df"


def _model_frame(data: pd.DataFrame, outcome: str, why: pd.DataFrame | None):
    """The usable rows of one outcome for the mixed model, the runners left out and why."""
    column = dv(outcome)
    frame = data.loc[data["group"].isin(GROUPS) & data["time"].isin(TIMES)]
    frame = frame[["subject", "group", "time", column]]
    usable = np.isfinite(frame[column])
    reasons = _why(why, column)
    left: dict[str, str] = {}
    if reasons is not None:
        reasons = reasons.reindex(frame.index).fillna("")
        for subject, reason in zip(frame["subject"][~usable], reasons[~usable], strict=True):
            if reason:
                left[subject] = f"{left[subject]}; {reason}" if subject in left else reason
    part = frame[usable]
    groups = [g for g in GROUPS if g in set(part["group"])]
    times = [t for t in TIMES if t in set(part["time"])]
    if len(groups) < 2 or len(times) < 2:
        raise InputError(
            f"the mixed model of {column} needs usable values at 2 or more distances and "
            "2 or more timepoints"
        )
    cells = set(zip(part["group"], part["time"], strict=True))
    empty = [f"{g} {t}" for g in groups for t in times if (g, t) not in cells]
    if empty:
        raise InputError(
            f"the mixed model of {column} has no observation in {', '.join(empty)}; its "
            "distance x time effects cannot be estimated"
        )
    n_fixed = len(groups) * len(times)
    if len(part) < n_fixed + 2:  # plus the two variance parameters
        raise InputError(
            f"the mixed model of {column} has {len(part)} observations for {n_fixed} fixed "
            "effects and 2 variances"
        )
    if part[column].nunique() < 2:
        raise InputError(f"the mixed model of {column}: every value is the same")
    return part, left, groups, times


@contextlib.contextmanager
def _quiet_fit():
    """statsmodels' convergence chatter and numpy's overflow warnings of extreme data (a value
    of 1e300) stay out of the user's output: the tables report the fit (``converged``, and
    inf or NaN where a number overflowed)."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _fit(part: pd.DataFrame, column: str, formula: str, reml: bool):
    import statsmodels.formula.api as smf

    try:
        with _quiet_fit():
            fit = smf.mixedlm(formula, part, groups=part["subject"]).fit(reml=reml)
            # computed when first read: read here, where their warnings are silenced
            fit.llf, fit.bse_fe, fit.tvalues, fit.pvalues  # noqa: B018
            return fit
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
        raise InputError(f"the mixed model of {column} could not be fitted ({exc})") from exc


def _terms(groups: list[str], times: list[str]) -> tuple[str, str]:
    """Fixed effects with the shortest distance and the first timepoint as references."""
    group = f"C(group, Treatment('{groups[0]}'))"
    time = f"C(time, Treatment('{times[0]}'))"
    return group, time


def _mixed_model_of(data: pd.DataFrame, outcome: str, why: pd.DataFrame | None) -> pd.DataFrame:
    from ..engine.tables import exclusion_columns, note_exclusions

    column = dv(outcome)
    part, left, groups, times = _model_frame(data, outcome, why)
    group, time = _terms(groups, times)
    fit = _fit(part, column, f"{column} ~ {group} * {time}", reml=True)
    with _quiet_fit():
        ci = fit.conf_int()
    rows = []
    for term in fit.fe_params.index:
        rows.append(
            {
                "outcome": outcome,
                "dv": column,
                "term": _term(term),
                "coef": fit.fe_params[term],
                "se": fit.bse_fe[term],
                "z": fit.tvalues[term],
                "p_val": fit.pvalues[term],
                "p_method": WALD_NOTE,
                "ci_low": ci.loc[term, 0],
                "ci_high": ci.loc[term, 1],
                "n_obs": int(fit.nobs),
                "n_subjects": part["subject"].nunique(),
                "converged": bool(fit.converged),
                **exclusion_columns(left),
            }
        )
    return note_exclusions(pd.DataFrame(rows), f"mixed_model of {column}")


def _interaction_lrt_of(data: pd.DataFrame, outcome: str, why: pd.DataFrame | None) -> pd.DataFrame:
    """Likelihood-ratio test of distance x time: full vs main-effects model, both by ML.

    REML likelihoods of models with different fixed effects are not comparable, so both are
    refitted by maximum likelihood (Pinheiro & Bates 2000, §2.4.2); the statistic
    ``2 (llf_full - llf_reduced)`` is referred to chi-square on ``(d - 1)(t - 1)`` df.
    """
    from scipy import stats as sps

    from ..engine.tables import exclusion_columns, note_exclusions

    column = dv(outcome)
    part, left, groups, times = _model_frame(data, outcome, why)
    group, time = _terms(groups, times)
    full = _fit(part, column, f"{column} ~ {group} * {time}", reml=False)
    reduced = _fit(part, column, f"{column} ~ {group} + {time}", reml=False)
    chi2 = max(0.0, 2 * (full.llf - reduced.llf))
    df = (len(groups) - 1) * (len(times) - 1)
    row = {
        "outcome": outcome,
        "dv": column,
        "test": "distance x time",
        "llf_full": full.llf,
        "llf_reduced": reduced.llf,
        "chi2": chi2,
        "df": df,
        "p_val": float(sps.chi2.sf(chi2, df)),
        "p_method": LRT_NOTE,
        "n_obs": int(full.nobs),
        "n_subjects": part["subject"].nunique(),
        "converged": bool(full.converged and reduced.converged),
        **exclusion_columns(left),
    }
    return note_exclusions(pd.DataFrame([row]), f"interaction_lrt of {column}")


def _term(term: str) -> str:
    """``C(group, Treatment('10km'))[T.42km]`` -> ``group[42km]``: readable term names."""
    return re.sub(r"C\((\w+), Treatment\('[^']*'\)\)\[T\.", r"\1[", term)


# What each table of :func:`analyze` holds and in which units: the README.txt that
# ``python -m analysis analyze`` writes beside the tables is made from this.
_OUTCOME_UNITS = (
    "ck_u_l, ldh_u_l in U/L; tail_dna_pct in % of the cell's DNA; tail_length_um in µm; "
    "tail_moment in arbitrary units (AU)"
)
_DV_SCALE = (
    "on the scale of `dv`: natural log of U/L for log_ck_u_l and log_ldh_u_l, else the "
    f"outcome's unit ({_OUTCOME_UNITS})"
)
TABLE_DESCRIPTIONS = {
    "descriptives": (
        "n, mean, SD, SEM, min and max of each outcome by distance and time, raw and on the "
        "log scale (log_ rows), with the geometric mean of the log rows",
        f"the unit of `measure` ({_OUTCOME_UNITS}); log_ rows in natural log of U/L; geomean "
        "in U/L; n in runners",
    ),
    "mixed_anova": (
        "distance × time mixed ANOVA of each outcome (CK and LDH on the log scale; complete "
        "runners only), Mauchly's test, Greenhouse-Geisser and Huynh-Feldt p, partial eta "
        "squared with its 90 % CI",
        f"SS, MS {_DV_SCALE}, squared; F, np2, eps: no unit; DF1, DF2 in degrees of freedom",
    ),
    "posthoc_within": (
        "paired t-tests of post and day 3 against pre at each distance, Holm-adjusted within "
        "each distance and outcome (p_holm), with d_z, d_av, g_av; fold = exp(mean_diff) for "
        "the log outcomes",
        f"mean_pre, mean_post, mean_diff {_DV_SCALE}; fold: a ratio (later / pre, no unit); "
        "t and effect sizes: no unit",
    ),
    "posthoc_between": (
        "Welch t-tests between the distances at each time, Holm-adjusted over the three pairs "
        "(p_holm), with Hedges' g",
        f"mean_x, mean_y {_DV_SCALE}; t, hedges_g: no unit; n_x, n_y in runners",
    ),
    "fold_change": (
        "each runner's log fold change of each outcome, later against pre, with the reason "
        "when a runner has none",
        "log_fold: natural log of (later / pre), no unit; distance_km in km",
    ),
    "dose_response": (
        "linear trend of the log fold change on race distance, per outcome and contrast",
        "slope: log fold per km; intercept: log fold; fold_per_10km: a ratio per 10 km; r: no "
        "unit; slope_se in log fold per km",
    ),
    "mixed_model": (
        "linear mixed model of each outcome (distance × time, random intercept per runner, "
        "every row used), one row per fixed effect, Wald z tests",
        f"coef, se, ci_low, ci_high {_DV_SCALE}; z: no unit",
    ),
    "interaction_lrt": (
        "likelihood-ratio test of the distance × time interaction of each mixed model",
        "llf_full, llf_reduced: log-likelihoods; chi2: no unit; df in degrees of freedom",
    ),
}


def analyze(df: pd.DataFrame, source: str = "<data>", *, validate: bool = True) -> Tables:
    """Run every analysis of the study on long data (simulated or real).

    Returns
    -------
    Tables
        ``descriptives`` (raw and log scale, with geometric means), ``mixed_anova`` (distance
        x time per outcome, CK and LDH on the log scale, with Mauchly's test,
        Greenhouse-Geisser p for time and interaction, partial η² with 90 % CI, and the
        runners it had to drop), ``posthoc_within``, ``posthoc_between`` (Holm, Hedges' g),
        ``fold_change`` (per runner), ``dose_response`` (trend on km) and ``mixed_model``
        (MixedLM, random intercept, all rows).

    Notes
    -----
    Imperfect data (issue 8) never make a table crash; :attr:`Tables.notes` lists, one line
    each, what every table left out and why:

    * Missing timepoints and unequal distances: the MixedLM and the Welch tests use every
      value there is; the mixed ANOVA drops runners without every timepoint
      (``dropped_subjects``, ``exclusion_reason``) and each paired contrast leaves out the
      runners without both of its values (``excluded_subjects``, ``exclusion_reason``).
    * Zeros: a 0 cannot be log-transformed (CK, LDH) nor divided by (fold changes). Such a
      value is left out of the analyses that need the log or the ratio, and reported;
      no offset such as log(x + 1) is added, because it would change every runner's result.
      Raw-scale analyses of the same outcome keep the 0.
    * ±inf values are treated as unusable and reported (:func:`analysis.engine.stats.prepare_measures`).
    * Fewer than 2 runners in a comparison, or no variance: NaN statistics and a ``note``.
    * ``body_mass_kg`` may differ between a runner's timepoints; no analysis assumes it
      constant (none uses it).

    Subject ids are kept as the strings they are, in their order of appearance.

    Examples
    --------
    >>> tables = analyze(simulate(seed=1))
    >>> aov = tables["mixed_anova"]
    >>> aov[aov["dv"] == "log_ck_u_l"]["Source"].tolist()
    ['group', 'time', 'Interaction']
    """
    from ..engine import stats
    from ..engine.tables import note_descriptives, note_exclusions, stack

    raw = validate_data(df, source) if validate else df
    logs = {dv(o): o for o, scale in OUTCOMES.items() if scale == "log"}
    data, why = stats.prepare_measures(raw, list(OUTCOMES), time="time", log=logs)
    for column in ("subject", "group", "time"):  # ids stay strings: "001" is not 1
        data[column] = data[column].astype(str)

    times = [t for t in TIMES if t in set(data["time"])]  # a file may lack a timepoint

    def descriptives():
        columns = [*OUTCOMES, *logs]
        table = stats.describe(data, columns, ["group", "time"], subject="subject", why=why)
        log = table["measure"].str.startswith("log_")
        with np.errstate(over="ignore"):
            table["geomean"] = np.exp(table["mean"].where(log))
        return note_descriptives(table)

    def mixed_anova():
        return stack(
            (
                f"mixed_anova of {dv(o)}",
                {"dv": dv(o)},
                lambda o=o: note_exclusions(
                    stats.mixed_anova(
                        data,
                        dv=dv(o),
                        within="time",
                        between="group",
                        levels=times,
                        why=why[dv(o)],
                    ),
                    f"mixed_anova of {dv(o)}",
                ),
            )
            for o in OUTCOMES
        )

    dose = {}

    def dose_response(which):
        if not dose:
            dose["fold_change"], dose["dose_response"] = _dose_response(data, why)
        return dose[which]

    return Tables(
        {
            "descriptives": descriptives,
            "mixed_anova": mixed_anova,
            "posthoc_within": lambda: _posthoc_within(data, why),
            "posthoc_between": lambda: _posthoc_between(data, why),
            "fold_change": lambda: dose_response("fold_change"),
            "dose_response": lambda: dose_response("dose_response"),
            "mixed_model": lambda: _mixed_model(data, why),
            "interaction_lrt": lambda: _mixed_model(
                data, why, of=_interaction_lrt_of, name="interaction_lrt"
            ),
        }
    )


def _lookup(data: pd.DataFrame, tables):
    def reproduced(row: pd.Series) -> float:
        quantity, group, time, statistic = (
            row["quantity"],
            row["group"],
            row["time"],
            row["statistic"],
        )
        if statistic == "count":
            return float(data.loc[data["group"] == group, "subject"].nunique())
        if statistic == "p_increase_vs_pre":
            hit = first_row(
                tables["posthoc_within"], outcome=quantity, group=group, contrast=f"{time} - pre"
            )
            if hit is None:
                return math.nan
            return hit["p_holm"] if hit["mean_diff"] > 0 else 1.0
        if statistic == "p_increase_between":
            a, b = group.split(">")
            hit = first_row(
                tables["posthoc_between"], outcome=quantity, time=time, contrast=f"{a} - {b}"
            )
            if hit is None:
                return math.nan
            return hit["p_holm"] if hit["mean_x"] > hit["mean_y"] else 1.0
        if statistic == "p_time":
            hit = first_row(tables["mixed_anova"], dv=dv(quantity), Source="time")
            return hit["p_GG_corr"] if hit is not None else math.nan
        return math.nan

    return reproduced


def scorecard(
    data: pd.DataFrame, tables, dispersion: str = "sem", *, seed: int | None = 0, **assumptions
) -> pd.DataFrame:
    """Published (and the article's) statements against the simulated data's statistics.

    A "rose" or "higher" statement is decided by the Holm-adjusted p of the matching test,
    counted as 1 when the difference runs the other way. Every magnitude is assumed, so each
    statement's status is the probability that a study of the published size reproduces it
    under the assumptions (:data:`~analysis.studies.base.PROBABILITY_REPS` population draws
    seeded from ``seed``; PASS at 0.8 or more); ``reproduced`` shows this dataset's value.
    """
    t = targets(**assumptions)
    assumed = assumed_decisions(t)
    chance = {}
    if assumed:
        batch = simulate_batch(PROBABILITY_REPS, probability_seed(seed), **assumptions)
        # only whether each row holds is read: the counting mode gives that for less work
        chance = probabilities(decide_batch(batch, only=assumed, exact=False))
    return build_scorecard(t, _lookup(data, tables), dispersion, probability=chance)


def replicate(seed: int | None = 0, dispersion: str = "sem", **assumptions) -> Replication:
    """Simulate, analyse and score the study in one call.

    Examples
    --------
    >>> replicate(seed=1).passed
    True
    """
    if not assumptions and dispersion == "sem" and isinstance(seed, int):
        # a build computes this for its report and a notebook again: once (analysis/dataio/shared.py)
        return shared.once(f"{NAME}-replicate-seed{seed}", lambda: _replicate(seed, dispersion))
    return _replicate(seed, dispersion, **assumptions)


def _replicate(seed: int | None, dispersion: str, **assumptions) -> Replication:
    data = simulate(seed, dispersion, **assumptions)
    tables = analyze(data, validate=False)  # made by simulate(); its schema is tested
    card = scorecard(data, tables, dispersion, seed=seed, **assumptions)
    return Replication(
        NAME, tables, seed=seed, data=data, scorecard=card, assumptions=dict(assumptions)
    )


def results(seed: int | None = 0) -> Replication:
    """The study's results for the report (:class:`~analysis.studies.base.Study`): the exact
    replication under the default assumptions."""
    return replicate(seed=seed)


SENSITIVITY_GRID = {
    "ck_fold_post_10km": [1.225, 1.5],  # the documented low end and the default
    "ck_fold_day3_10km": [1.1, 1.4],
    "ck_corr_pre_day3": [0.5, 0.75],
}


def key_statistics(tables) -> dict[str, float]:
    """The numbers a sensitivity analysis follows as the assumptions move.

    NaN for a number whose table or row the data could not give.
    """

    def value(table, column, **where) -> float:
        row = first_row(tables[table], **where)
        return float(row[column]) if row is not None and column in row.index else math.nan

    within, between = "posthoc_within", "posthoc_between"
    return {
        "ck_post_10km_p_holm": value(
            within, "p_holm", outcome="ck_u_l", group="10km", contrast="post - pre"
        ),
        "ck_day3_10km_p_holm": value(
            within, "p_holm", outcome="ck_u_l", group="10km", contrast="day3 - pre"
        ),
        "ck_day3_42km_p_holm": value(
            within, "p_holm", outcome="ck_u_l", group="42km", contrast="day3 - pre"
        ),
        "ck_post_42_vs_21_p_holm": value(
            between, "p_holm", outcome="ck_u_l", time="post", contrast="42km - 21km"
        ),
    }


def decisions(tables, t: Targets | None = None) -> pd.DataFrame:
    """The study's decisions on any data: each significance statement of the paper (and of
    the article, on day 3) as the scorecard states it, and the trend of CK on distance.

    Columns as :func:`analysis.studies.estes2017.decisions`: ``statement``, ``stated``
    (``p < 0.05``; ``p > 0.05`` for "no change"), ``holds`` (None when the data cannot give
    the test), ``estimate`` (rounded, with its unit), ``statistic``, ``p``, ``p_label``
    (``Holm p`` for the post-hoc tests, which decide by it) and ``apa``.

    Examples
    --------
    >>> table = decisions(analyze(simulate(seed=0)))
    >>> table[["statement", "holds"]].head(1).to_dict("records")
    [{'statement': 'CK rose after the race at 10 km (paper)', 'holds': True}]
    """
    t = targets() if t is None else t
    rows = []
    statements = t.table[t.table["statistic"].str.startswith("p_") & (t.table["kind"] != "assumed")]
    for spec in statements.itertuples(index=False):
        name = LABELS[spec.quantity].split(" (")[0]
        name = name if name[:2].isupper() else name[0].lower() + name[1:]  # CK, DNA; tail
        who = f"({spec.claimed_by})"
        when = {"post": "after the race", "day3": "on day 3"}.get(spec.time, "")
        estimate, statistic, p_label, apa, rises = "", "", "p", "", False
        if spec.statistic == "p_increase_vs_pre":
            row = first_row(
                tables["posthoc_within"],
                outcome=spec.quantity,
                group=spec.group,
                contrast=f"{spec.time} - pre",
            )
            statement = f"{name} rose {when} at {_km(spec.group)} {who}"
            p_column, p_label = "p_holm", "Holm p"
            if row is not None:
                estimate = _change_text(row["fold"], row["mean_diff"], spec.quantity, "change")
                statistic = f"paired t({row['dof']:.0f}) = {row['t']:.2f}"
                rises = row["mean_diff"] > 0
        elif spec.statistic == "p_increase_between":
            high, low = spec.group.split(">")
            row = first_row(
                tables["posthoc_between"],
                outcome=spec.quantity,
                time=spec.time,
                contrast=f"{high} - {low}",
            )
            statement = f"{name} {when}: {_km(high)} above {_km(low)} {who}"
            p_column, p_label = "p_holm", "Holm p"
            if row is not None:
                difference = row["mean_x"] - row["mean_y"]
                log = OUTCOMES[spec.quantity] == "log"
                estimate = _change_text(
                    float(np.exp(difference)) if log else math.nan,
                    difference,
                    spec.quantity,
                    "difference",
                )
                statistic = f"Welch t({row['dof']:.1f}) = {row['t']:.2f}"
                rises = difference > 0
        else:  # p_time: "no change over time"
            row = first_row(tables["mixed_anova"], dv=dv(spec.quantity), Source="time")
            statement = f"{name} did not change over time (time effect, mixed ANOVA) {who}"
            p_column = "p_GG_corr"
            if row is not None:
                statistic = (
                    f"F({row['DF1']:.0f}, {row['DF2']:.0f}) = {row['F']:.2f}, "
                    f"Greenhouse-Geisser ε = {row['eps']:.2f}"
                )
                p_label = "Greenhouse-Geisser p"
                apa = str(row["apa"]) if "apa" in row.index else ""
            rises = False
        p = float(row[p_column]) if row is not None else math.nan
        known = math.isfinite(p)
        holds = (p < 0.05 and rises) if spec.relation == "<" else p > 0.05
        rows.append(
            {
                "statement": statement,
                "stated": f"p {spec.relation} {spec.value:g}",
                "holds": bool(holds) if known else None,
                "estimate": estimate if known else "",
                "statistic": statistic if known else "not computable from these data",
                "p": p,
                "p_label": p_label,
                "apa": apa if known else "",
            }
        )
    trend = first_row(tables["dose_response"], outcome="ck_u_l", contrast="post / pre")
    p = float(trend["p_val"]) if trend is not None else math.nan
    known = math.isfinite(p)
    rows.append(
        {
            "statement": "CK rose more after longer races (trend of the log fold change on km)",
            "stated": "p < 0.05",
            "holds": bool(p < 0.05 and trend["slope"] > 0) if known else None,
            "estimate": f"×{trend['fold_per_10km']:.2f} per 10 km" if known else "",
            "statistic": f"r = {trend['r']:.2f}, n = {trend['n']:.0f}"
            if known
            else "not computable from these data",
            "p": p,
            "p_label": "p",
            "apa": "",
        }
    )
    return pd.DataFrame(rows)


def _km(group: str) -> str:
    """``"10km"`` -> ``"10 km"``."""
    return group.replace("km", " km")


def _change_text(fold: float, difference: float, outcome: str, what: str) -> str:
    """A change as read: ``×1.44`` (of the geometric means) on the log scale, else the
    difference of the means with its unit.

    Examples
    --------
    >>> _change_text(1.4356, 0.3616, "ck_u_l", "change"), _change_text(math.nan, 0.67, "tail_moment", "change")
    ('×1.44 (geometric mean change)', '+0.67 AU (mean change)')
    """
    if math.isfinite(fold):
        return f"×{fold:.2f} (geometric mean {what})"
    unit = DATA_SPEC.measures[outcome].unit
    return f"{difference:+.2f} {unit} (mean {what})"


DAMAGE_MARKERS = {"ck_u_l": "CK", "ldh_u_l": "LDH", "tail_moment": "tail moment"}


def papers_own_tests(t: Targets | None = None) -> dict[str, list[str]]:
    """The paper's own significance statements (its abstract) that claim 3 rests on.

    ``raised``: the markers that rose significantly after the race at every distance;
    ``marathon_most``: the markers for which the 42 km group exceeded both shorter distances
    after the race. Read from the ``published`` rows of ``ryu2016.csv``, not from any data.

    Examples
    --------
    >>> papers_own_tests()["marathon_most"]
    ['CK', 'LDH', 'tail moment']
    """
    t = targets() if t is None else t
    rows = t.table[
        (t.table["kind"] == "published")
        & (t.table["claimed_by"] == "paper")
        & (t.table["time"] == "post")
        & (t.table["relation"] == "<")
        & (t.table["value"] <= 0.05)
    ]

    def stated(quantity: str, statistic: str, groups: set[str]) -> bool:
        part = rows[(rows["quantity"] == quantity) & (rows["statistic"] == statistic)]
        return groups <= set(part["group"])

    raised = [
        label for q, label in DAMAGE_MARKERS.items() if stated(q, "p_increase_vs_pre", set(GROUPS))
    ]
    most = [
        label
        for q, label in DAMAGE_MARKERS.items()
        if stated(q, "p_increase_between", {"42km>10km", "42km>21km"})
    ]
    return {"raised": raised, "marathon_most": most}


def claim_verdicts(rep: Replication) -> pd.DataFrame:
    """The article's claims 3 (longer races, more damage) and 4 (damage persists).

    Claim 3 rests on the paper's own tests: the simulated data were built to reproduce the
    published directions, so testing them would be circular (the rules: ``analysis.studies.verdicts``).
    """
    from ..engine.apa import apa_p, apa_t
    from .verdicts import PAPERS_OWN_TESTS, verdict_row, with_probabilities

    card = rep.scorecard.set_index("claim_id")
    paper = card[card["claimed_by"] == "paper"]
    article = card[card["claimed_by"] == "article"]
    own = papers_own_tests()
    supported = bool(own["raised"]) and bool(own["marathon_most"])
    ck_42_21 = first_row(
        rep.tables["posthoc_between"], outcome="ck_u_l", time="post", contrast="42km - 21km"
    )
    ck_trend = first_row(rep.tables["dose_response"], outcome="ck_u_l", contrast="post / pre")
    simulated = f"{count_passed(paper)} of {len(paper)} published statements hold"
    if ck_42_21 is not None:  # the Holm-adjusted p decides, so it is the one quoted
        simulated += (
            "; CK 42 km vs 21 km after the race, Welch "
            + apa_t(ck_42_21["t"], ck_42_21["dof"], ck_42_21["p_holm"])
            + " (Holm-adjusted)"
        )
    if ck_trend is not None:
        simulated += (
            f"; CK fold change ×{ck_trend['fold_per_10km']:.2f} per 10 km (trend "
            f"{apa_p(ck_trend['p_val'])})"
        )
    day3 = rep.tables["posthoc_within"]
    day3 = day3[(day3["outcome"] == "ck_u_l") & (day3["contrast"] == "day3 - pre")]
    day3_tests = "; ".join(
        f"{_km(row.group)}: {apa_t(row.t, row.dof, row.p_holm)}" for row in day3.itertuples()
    )
    verdicts = pd.DataFrame(
        [
            verdict_row(
                3,
                "supported" if supported else "not supported",
                f"{PAPERS_OWN_TESTS} (abstract): {', '.join(own['raised']) or 'no marker'} rose "
                f"after the race at 10, 21 and 42 km, and after the race the 42 km group exceeded "
                f"the 10 and 21 km groups in {', '.join(own['marathon_most']) or 'no marker'} "
                f"(p < 0.05, as printed); the simulated data reproduce the directions by "
                f"construction (magnitudes assumed): {simulated}",
                "grade published: the verdict is the paper's own significance statements, not "
                "our tests, which are circular (the data were simulated to reproduce those very "
                "directions; every magnitude is assumed from other marathon and half-marathon "
                "studies). The abstract does not compare 21 with 10 km, so 'longer races' rests "
                "on the marathon exceeding both; the per-10 km trend is assumption-driven",
                NAME,
                "posthoc_within, posthoc_between, dose_response",
                "published",
            ),
            verdict_row(
                4,
                "rests on assumptions",
                "CK still above pre on day 3 in the simulated data (paired t on log CK, "
                f"Holm-adjusted p: {day3_tests}); {count_passed(article)} of {len(article)} "
                "article rows PASS",
                "grade assumption-driven: the paper's abstract reports no day-3 result (this is "
                "the popular article's statement); the day-3 levels are assumed from other "
                "marathon studies (PMC6267712), so the simulation cannot confirm the claim",
                NAME,
                "posthoc_within",
                "assumption-driven",
            ),
        ]
    )
    return with_probabilities(verdicts, claim_probabilities(simulate_batch, claims_batch, rep))


def figures(rep: Replication) -> FigureSet:
    """The study's figures by file stem, each drawn when first read by a function of
    ``analysis.engine.plots`` (:class:`~analysis.engine.figureset.FigureSet`)."""
    from ..engine import plots

    folds = rep.tables["fold_change"]
    return plots.FigureSet(
        NAME,
        {
            "ryu2016_time_courses": partial(
                plots.time_courses,
                rep.data,
                {o: LABELS[o] for o in OUTCOMES},
                groups=GROUPS,
                times=TIMES,
                log_scale=[o for o, s in OUTCOMES.items() if s == "log"],
                title=ASSUMED_MAGNITUDES,
            ),
            "ryu2016_ck_trajectories": partial(
                plots.trajectories,
                rep.data,
                "ck_u_l",
                LABELS["ck_u_l"],
                groups=GROUPS,
                times=TIMES,
                log_scale=True,
            ),
            "ryu2016_fold_change_heatmap": partial(
                plots.fold_heatmap,
                folds,
                {o: LABELS[o].split(" (")[0] for o in OUTCOMES},
                groups=GROUPS,
                title=ASSUMED_MAGNITUDES,
            ),
        },
    )


# Monte Carlo power (issue 11): the batched functions live in ._ryu2016_batch, imported on
# first use (it needs the array engine, whose scipy import is slow, and it imports this module)
def simulate_batch(reps, seed=0, **options):
    """``reps`` population draws as arrays: :func:`._ryu2016_batch.simulate_batch`."""
    from ._ryu2016_batch import simulate_batch as run

    return run(reps, seed, **options)


def decide_batch(batch, only=None, **options):
    """Each replicate's scorecard decisions: :func:`._ryu2016_batch.decide_batch`."""
    from ._ryu2016_batch import decide_batch as run

    return run(batch, only, **options)


def claims_batch(batch, decisions=None):
    """Does each replicate reproduce claims 3 and 4: :func:`._ryu2016_batch.claims_batch`."""
    from ._ryu2016_batch import claims_batch as run

    return run(batch, decisions)
