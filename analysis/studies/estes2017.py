"""HIIT running and quadriceps size: Estes et al. 2017, simulated from its abstract.

Estes RR, Malinowski A, Piacentini M, et al. The Effect of High Intensity Interval Run Training
on Cross-sectional Area of the Vastus Lateralis in Untrained College Students. Int J Exerc Sci
2017;10(1):137-145. PMID 28479954.

Every number comes from ``data/published/estes2017.csv``, where each is marked published,
inferred or assumed. The simulation makes, per group, subjects whose *percent changes* have
exactly the published mean and SD (SD = SEM * sqrt(n) under the default reading of ``±``),
and whose baselines have exactly the published means and SDs.

Relative VO2max is absolute VO2max over body mass, so the two changes fix each subject's body
mass change: ``(1 + abs) = (1 + rel)(1 + mass)``. The correlation of the two VO2max changes is
chosen so that the body-mass change has the assumed SD (about 1 %); every subject then stays
within 5 % of their starting body mass, which ``simulate`` checks.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dataio import shared
from ..dataio.schemas import DataSpec, Measure, validate
from ..dataio.targets import Targets, load_targets
from ..engine.simulate import _rnorm_multi_values, as_rng
from ..engine.tables import Tables, first_row
from ..errors import InputError
from .base import (
    PROBABILITY_REPS,
    Batch,
    Replication,
    assumed_decisions,
    build_scorecard,
    claim_probabilities,
    probabilities,
    probability_seed,
)

if TYPE_CHECKING:
    from ..engine.figureset import FigureSet

NAME = "estes2017"
TITLE = "HIIT running and quadriceps size (Estes et al. 2017)"
NOTEBOOK = "01_hiit_quadriceps"
CITATION = (
    "Estes RR, Malinowski A, Piacentini M, et al. The Effect of High Intensity Interval Run "
    "Training on Cross-sectional Area of the Vastus Lateralis in Untrained College Students. "
    "Int J Exerc Sci 2017;10(1):137-145."
)
GROUPS = ("HIIT", "control")
TIMES = ("pre", "post")
MEASURES = ("csa_cm2", "vo2max_rel", "vo2max_abs", "body_mass_kg")
LABELS = {
    "csa_cm2": "Vastus lateralis CSA (cm²)",
    "vo2max_rel": "Relative VO2max (ml·kg⁻¹·min⁻¹)",
    "vo2max_abs": "Absolute VO2max (L·min⁻¹)",
    "body_mass_kg": "Body mass (kg)",
}
COLUMNS = ["subject", "group", "sex", "time", *MEASURES, "age_yr", "height_cm"]
# quantity in the targets table -> measured column whose percent change it is
CHANGE_OF = {
    "csa_pct_change": "csa_cm2",
    "vo2max_rel_pct_change": "vo2max_rel",
    "vo2max_abs_pct_change": "vo2max_abs",
    "body_mass_pct_change": "body_mass_kg",
}
# ... and back: the label of a measure's percent change in the change tables, which hold % not
# the measure's unit (``change_tests`` of ``csa_pct_change``, not of ``csa_cm2``)
PCT_CHANGE_OF = {measure: quantity for quantity, measure in CHANGE_OF.items()}
MAX_BODY_MASS_CHANGE_PCT = 5.0

# Plausible ranges of real data (the validator's rules), each with its source.
DATA_SPEC = DataSpec(
    study=NAME,
    subject="subject",
    time="time",
    factors={"group": GROUPS, "sex": ("M", "F"), "time": TIMES},
    measures={
        "csa_cm2": Measure(
            "cm²",
            1.0,
            100.0,
            "adult vastus lateralis CSA is about 15-40 cm² by panoramic ultrasound or MRI "
            "(Noorkoiv et al. 2010, Ultrasound Med Biol 36:1318); 1-100 admits any adult",
            unit_mistakes=((300.0, 10_000.0, "mm²", "divide by 100 to get cm²"),),
        ),
        "vo2max_rel": Measure(
            "ml·kg⁻¹·min⁻¹",
            10.0,
            95.0,
            "ACSM's Guidelines (11th ed.) norms; the highest values recorded are near 95",
            unit_mistakes=(
                (
                    0.3,
                    8.0,
                    "L/min (absolute VO2max)",
                    "put relative VO2max (ml/kg/min) here and absolute VO2max in vo2max_abs",
                ),
            ),
        ),
        "vo2max_abs": Measure(
            "L·min⁻¹",
            0.3,
            8.0,
            "ACSM norms; elite endurance athletes reach about 7.5 L/min",
            unit_mistakes=(
                (300.0, 8_000.0, "ml/min", "divide by 1000 to get L/min"),
                (
                    10.0,
                    95.0,
                    "ml·kg⁻¹·min⁻¹ (relative VO2max)",
                    "put absolute VO2max (L/min) here and relative VO2max in vo2max_rel",
                ),
            ),
        ),
        "body_mass_kg": Measure(
            "kg",
            25.0,
            250.0,
            "adult body mass (CDC anthropometric reference data, 1st-99th percentile "
            "with a wide margin)",
            unit_mistakes=((25_000.0, 250_000.0, "g", "divide by 1000 to get kg"),),
        ),
        "age_yr": Measure(
            "yr", 10.0, 100.0, "the study enrolled university students", per_subject=True
        ),
        "height_cm": Measure(
            "cm",
            100.0,
            230.0,
            "adult stature (CDC anthropometric reference data, with a wide margin)",
            per_subject=True,
            unit_mistakes=((1.0, 2.3, "metres", "multiply by 100 to get cm"),),
        ),
    },
    subject_factors=("group", "sex"),
    optional=("age_yr", "height_cm"),
)

_PREFIX = {"HIIT": "hiit", "control": "control"}


def targets(**assumptions: float) -> Targets:
    """The study's targets table, with assumptions overridden by keyword."""
    return load_targets(NAME).with_overrides(**assumptions)


def _mean_sd(t: Targets, key: str, dispersion: str) -> tuple[float, float]:
    """Mean and SD of ``key``: a published row with ``±``, or assumed ``_mean``/``_sd`` rows."""
    if t.has(key):
        return t.value(key), t.sd(key, dispersion)
    return t.value(f"{key}_mean"), t.value(f"{key}_sd")


def _vo2_change_correlation(
    sd_rel: float, sd_abs: float, sd_mass: float, p: str = "hiit", dispersion: str = "sem"
) -> float:
    # mass change ≈ abs change - rel change, so var(mass) ≈ sd_abs² + sd_rel² - 2ρ sd_abs sd_rel:
    # a ρ in [-1, 1] gives only sd_mass in [|sd_abs - sd_rel|, sd_abs + sd_rel]
    # (an SD of 0 is refused by name when the block is simulated)
    low, high = abs(sd_abs - sd_rel), sd_abs + sd_rel
    if sd_rel > 0 and sd_abs > 0:
        try:
            rho = (sd_rel**2 + sd_abs**2 - sd_mass**2) / (2 * sd_rel * sd_abs)
        except OverflowError:  # squares of huge SDs: the same in ratios, which cannot overflow
            rho = (sd_rel / sd_abs + sd_abs / sd_rel - (sd_mass / sd_rel) * (sd_mass / sd_abs)) / 2
        # |ρ| = 1 would make the two changes exact functions of each other: not simulable
        possible = abs(rho) < 1 - 1e-8  # False for NaN too
    else:  # one change does not vary: the other alone sets the SD, whatever ρ
        rho, possible = 0.0, sd_mass == high
    if not possible:
        # name the rows that set the three SDs: assumed ones by id, published ones as read
        sds = "_pct_change_sd" if p == "control" else f"_pct_change (± read as {dispersion})"
        raise InputError(
            f"{p}_body_mass_pct_change_sd = {sd_mass:g} % cannot arise from VO2max change SDs "
            f"of {sd_rel:.3g} % ({p}_vo2max_rel{sds}) and {sd_abs:.3g} % "
            f"({p}_vo2max_abs{sds}); choose {p}_body_mass_pct_change_sd strictly between "
            f"{low:.3g} and {high:.3g}, or change those SDs."
        )
    return rho


def _published(t: Targets, key: str) -> bool:
    """Whether the mean (and ±) of ``key`` is a published row, not an assumed one."""
    return t.has(key) and t.row(key)["kind"] == "published"


def _simulate_group(t, group, dispersion, empirical, rng, exact_assumed=False):
    """One group's subjects as arrays, in the order they are drawn.

    Returns ``csa_cm2``, ``vo2max_rel``, ``vo2max_abs`` and ``body_mass_kg`` as (subjects, 2)
    (pre, post) and ``age_yr``, ``height_cm`` and ``sex`` as (subjects,).
    """
    p = _PREFIX[group]
    n, n_male = t.count(f"{p}_n"), t.count(f"{p}_n_male")

    def block(keys, r=0.0, r_from=()):
        pairs = [_mean_sd(t, f"{p}_{k}", dispersion) for k in keys]
        # exact sample moments for published numbers only: an assumed variable keeps the
        # noise of a real sample (issue 11), unless exact_assumed asks for the old grid
        exact = [empirical and (exact_assumed or _published(t, f"{p}_{k}")) for k in keys]
        try:
            # (n, len(keys)): the columns in the order of keys
            return _rnorm_multi_values(
                n,
                [m for m, _ in pairs],
                [s for _, s in pairs],
                r,
                varnames=list(keys),
                empirical=exact,
                seed=rng,
            )
        except ValueError as exc:
            # each value passed Targets.with_overrides; what is left is an SD of 0 (a constant
            # cannot be simulated) or a correlation of ±1: name the assumptions that set them
            zero = [
                f"{p}_{k}_sd = {sd:g}" for k, (_, sd) in zip(keys, pairs, strict=True) if sd <= 0
            ]
            named = zero or [f"{i} = {t.value(i):g}" for i in r_from]
            reason = (
                "every variable is drawn at random, so each SD must be above 0"
                if zero
                else str(exc).split(". ")[0].rstrip(".")
            )
            raise InputError(
                f"{NAME} {group} group cannot be simulated with {', '.join(named)} ({reason}); "
                "change the assumptions you gave towards their defaults."
            ) from None

    people = block(["age", "height"])
    fitness = block(["body_mass", "vo2max_rel"])
    csa = block(
        ["csa_pre", "csa_pct_change"],
        t.value("csa_change_baseline_corr"),
        ["csa_change_baseline_corr"],
    )
    mean_rel, sd_rel = _mean_sd(t, f"{p}_vo2max_rel_pct_change", dispersion)
    mean_abs, sd_abs = _mean_sd(t, f"{p}_vo2max_abs_pct_change", dispersion)
    sd_mass = t.value(f"{p}_body_mass_pct_change_sd")
    rho = _vo2_change_correlation(sd_rel, sd_abs, sd_mass, p, dispersion)
    vo2 = block(["vo2max_rel_pct_change", "vo2max_abs_pct_change"], rho)

    rel_factor = 1 + vo2[:, 0] / 100
    abs_factor = 1 + vo2[:, 1] / 100
    mass_factor = abs_factor / rel_factor
    worst = float(np.max(np.abs(mass_factor - 1)) * 100)
    if worst > MAX_BODY_MASS_CHANGE_PCT:
        raise InputError(
            f"{group}: a simulated body mass changes by {worst:.1f} % in 10 weeks (limit "
            f"{MAX_BODY_MASS_CHANGE_PCT} %); {body_mass_advice(p, mean_rel, mean_abs)}."
        )
    if n_male > n:
        raise InputError(f"{group}: {n_male} men in a group of {n}.")
    # Assumed: the men are the heaviest subjects of their group.
    male = np.zeros(n, dtype=bool)
    mass_pre, rel_pre, csa_pre = fitness[:, 0], fitness[:, 1], csa[:, 0]
    male[np.argsort(-mass_pre, kind="stable")[:n_male]] = True

    csa_cm2 = np.stack([csa_pre, csa_pre * (1 + csa[:, 1] / 100)], axis=1)
    vo2max_rel = np.stack([rel_pre, rel_pre * rel_factor], axis=1)
    body_mass_kg = np.stack([mass_pre, mass_pre * mass_factor], axis=1)
    return {
        "csa_cm2": csa_cm2,
        "vo2max_rel": vo2max_rel,
        "vo2max_abs": vo2max_rel * body_mass_kg / 1000.0,
        "body_mass_kg": body_mass_kg,
        "age_yr": people[:, 0].copy(),
        "height_cm": people[:, 1].copy(),
        # object, as a data frame's text column reads back (an exact grid stacks these)
        "sex": np.where(male, "M", "F").astype(object),
    }


def body_mass_advice(p: str, mean_rel: float, mean_abs: float) -> str:
    """What to change when simulated body masses leave the limit: each subject's body-mass
    change is ``(1 + abs) / (1 + rel) - 1`` of their two VO2max changes, so its mean comes
    from the two means and its spread from ``<p>_body_mass_pct_change_sd``."""
    implied = ((1 + mean_abs / 100) / (1 + mean_rel / 100) - 1) * 100
    means = [f"{p}_vo2max_{kind}_pct_change_mean" for kind in ("rel", "abs")]
    if not all(targets().has(m) for m in means):  # published means (HIIT): only the SD moves
        return f"lower {p}_body_mass_pct_change_sd (the mean change is {implied:+.2f} %)"
    return (
        f"lower {p}_body_mass_pct_change_sd, or bring {means[0]} and {means[1]} closer "
        f"together (they imply a mean body-mass change of {implied:+.2f} %)"
    )


def simulate(
    seed: int | None = 0,
    dispersion: str = "sem",
    *,
    empirical: bool = True,
    exact_assumed: bool = False,
    **assumptions: float,
) -> pd.DataFrame:
    """Simulate the study: one row per subject x time.

    Parameters
    ----------
    seed : int
        Same seed, same data (byte for byte once written).
    dispersion : {"sem", "sd"}
        How the abstract's ``±`` is read. ``"sem"`` (default): SD = SEM * sqrt(n).
    empirical : bool
        ``True``: the HIIT group's *published* means and ± (age, height, body mass, VO2max,
        the % changes) are reproduced exactly; every *assumed* number (the HIIT baseline
        CSA, all of the controls) is drawn from its population with the seed, so the data
        show the noise a real sample has (a control change of exactly 0.0 % would look
        fabricated). ``False``: everything drawn from the population (for power studies).
    exact_assumed : bool
        With ``empirical``, also make the assumed numbers exact (the exact-replication grid
        of :mod:`analysis.checks.sensitivity`, where only the assumption should move).
    **assumptions
        Override any ``assumed`` row of ``data/published/estes2017.csv`` by its id, e.g.
        ``control_csa_pct_change_sd=5``.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, group, sex, time, csa_cm2, vo2max_rel`` (ml/kg/min),
        ``vo2max_abs`` (L/min), ``body_mass_kg, age_yr, height_cm``.

    Examples
    --------
    >>> df = simulate(seed=1)
    >>> df.groupby("group")["subject"].nunique().to_dict()
    {'HIIT': 12, 'control': 5}
    """
    made = simulate_arrays(
        seed, dispersion, empirical=empirical, exact_assumed=exact_assumed, **assumptions
    )
    return made.replicate(0)  # its one replicate as the tidy long table


def simulate_arrays(
    seed: int | None = 0,
    dispersion: str = "sem",
    *,
    empirical: bool = True,
    exact_assumed: bool = False,
    **assumptions: float,
) -> Batch:
    """The dataset of :func:`simulate` as arrays: one replicate in the layout of a batch.

    :func:`simulate` is this dataset as a data frame, so the numbers are the same by
    construction. Without pandas it is fast enough (well under a millisecond) for the
    hundreds of exact replications of :func:`analysis.checks.sensitivity.exact_grid`.

    Parameters
    ----------
    seed, dispersion, empirical, exact_assumed, **assumptions
        As :func:`simulate`.

    Returns
    -------
    Batch
        One replicate: ``measures`` holds ``csa_cm2, vo2max_rel, vo2max_abs, body_mass_kg``
        as (1, subjects, 2) (pre, post) and ``age_yr, height_cm, sex`` as (1, subjects);
        ``subjects`` in :func:`simulate`'s row order (sorted as text).

    Raises
    ------
    InputError
        For assumptions the study cannot be simulated with (the message of :func:`simulate`).

    Examples
    --------
    >>> made = simulate_arrays(seed=1)
    >>> made.measures["csa_cm2"].shape, made.subjects[[0, -1]].tolist()
    ((1, 17, 2), ['S01', 'S17'])
    >>> bool((made.measures["csa_cm2"][0].ravel() == simulate(seed=1)["csa_cm2"]).all())
    True
    """
    t = targets(**assumptions)
    rng = as_rng(seed)
    parts = [
        _simulate_group(t, group, dispersion, empirical, rng, exact_assumed) for group in GROUPS
    ]
    sizes = [len(part["age_yr"]) for part in parts]
    subjects = np.array([f"S{k:02d}" for k in range(1, sum(sizes) + 1)], dtype=object)
    groups = np.repeat(np.array(GROUPS, dtype=object), sizes)
    # the rows are sorted by subject id as text (S100 before S11 in a large sample)
    order = np.argsort(subjects.astype(str), kind="stable")
    measures = {
        name: np.concatenate([part[name] for part in parts])[order][np.newaxis] for name in parts[0]
    }
    return Batch(
        study=NAME,
        subjects=subjects[order],
        groups=groups[order],
        times=TIMES,
        measures=measures,
        columns=list(COLUMNS),
        assumptions=dict(assumptions, dispersion=dispersion),
    )


# What each table of :func:`analyze` holds and in which units: the README.txt that
# ``python -m analysis analyze`` writes beside the tables is made from this.
_MEASURE_UNITS = (
    "csa_cm2 in cm², vo2max_rel in ml·kg⁻¹·min⁻¹, vo2max_abs in L·min⁻¹, body_mass_kg in kg"
)
TABLE_DESCRIPTIONS = {
    "descriptives": (
        "n, mean, SD, SEM, min and max of each measure by group and time",
        f"the unit of the measure named in `measure` ({_MEASURE_UNITS}, age_yr in years, "
        "height_cm in cm); n in subjects",
    ),
    "percent_change": (
        "each subject's pre and post value of each measure and its percent change, "
        "100 × (post / pre - 1), with the reason when a subject has none",
        f"pre, post in the unit of `measure` ({_MEASURE_UNITS}); pct_change in %",
    ),
    "change_summary": (
        "n, mean, SD, SEM, min and max of the percent change of each measure by group "
        "(`measure` names the change: csa_pct_change, ...)",
        "mean, sd, sem, min, max in % change; n in subjects",
    ),
    "change_tests": (
        "one-sample t-test of each group's percent change against 0 (the test a published "
        "mean ± SEM of a change implies), Cohen's d with its exact 95 % CI",
        "mean, sd, sem in % change; t, d and its CI: no unit; dof in degrees of freedom",
    ),
    "paired_tests": (
        "paired t-test of post against pre in each group, with Cohen's d_z, d_av and "
        "Hedges' g_av and their 95 % CIs",
        f"mean_pre, mean_post, mean_diff in the unit of `measure` ({_MEASURE_UNITS}); t and "
        "effect sizes: no unit",
    ),
    "group_comparison": (
        "Welch t-test of the percent change, HIIT against control, with Hedges' g and its "
        "exact 95 % CI",
        "mean_x (HIIT), mean_y (control) in % change; t, hedges_g: no unit; n_x, n_y in subjects",
    ),
    "mixed_anova": (
        "group × time mixed ANOVA of each measure (Type III SS; complete subjects only), "
        "partial eta squared with its 90 % CI",
        "SS, MS in the squared unit of `dv`; F, np2: no unit; DF1, DF2 in degrees of freedom",
    ),
    "ancova": (
        "ANCOVA of each measure's post value on its pre value and group",
        "SS in the squared unit of `dv`; F, np2: no unit; DF in degrees of freedom",
    ),
}


def analyze(df: pd.DataFrame, source: str = "<data>", *, validate: bool = True) -> Tables:
    """Run every analysis of the study on long data (simulated or real).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per subject x time, with the columns of :data:`COLUMNS`.
    source : str
        Name of the file ``df`` came from, used in error messages.
    validate : bool
        Check ``df`` against the study's schema first (see :data:`DATA_SPEC`). Only data that
        :func:`simulate` just made may skip it.

    Returns
    -------
    Tables
        Tidy tables, each computed on first use: ``descriptives``, ``percent_change`` (per
        subject), ``change_summary``, ``change_tests`` (one-sample t of the percent change
        against 0: the test a published mean ± SEM of a change implies, used by the
        scorecard), ``paired_tests`` (pre vs post, Cohen's d_z), ``group_comparison`` (Welch t
        on the percent change, Hedges' g), ``mixed_anova`` (group x time, each measure) and
        ``ancova`` (post adjusted for pre).

    Notes
    -----
    Imperfect data (issue 8) never make a table crash; :attr:`Tables.notes` lists, one line
    each, what every table left out and why:

    * A subject without a finite pre and post value of a measure is left out of that
      measure's change and paired analyses; the tables say who (``excluded_subjects``,
      ``exclusion_reason``; in ``percent_change`` the subject's row has a NaN change and its
      reason). The mixed ANOVA drops such subjects too (``dropped_subjects``).
    * A pre value of 0 has no percent change: the subject is left out of the change-based
      tables of that measure (``percent_change``, ``change_summary``, ``change_tests``,
      ``group_comparison``) and reported; no offset is added, because it would move every
      other subject's change. The paired t-test, ANOVA and ANCOVA keep the subject.
    * ±inf values are treated as unusable and reported (:func:`analysis.engine.stats.prepare_measures`).
    * A group of fewer than 2 subjects or without variance gives NaN statistics with a
      ``note``; an analysis the data cannot support at all (one group, one timepoint) becomes
      a table holding only a ``note``.

    Subject ids are kept as the strings they are, in their order of appearance.

    Examples
    --------
    >>> tables = analyze(simulate(seed=1))
    >>> list(tables)[:3]
    ['descriptives', 'percent_change', 'change_summary']
    """
    from ..engine import stats
    from ..engine.tables import (
        exclusion_columns,
        left_out_note,
        note_descriptives,
        note_exclusions,
        stack,
        with_notes,
    )

    raw = validate_data(df, source) if validate else df
    measures = list(MEASURES)
    subject_vars = [c for c in ("age_yr", "height_cm") if c in raw.columns]
    data, why = stats.prepare_measures(raw, [*measures, *subject_vars], time="time")
    for column in ("subject", "group", "time"):  # ids stay strings: "001" is not 1
        data[column] = data[column].astype(str)
    pairs = stats.paired_values(data, measures, keep=("group",), why=why)
    changes_by_subject = stats.percent_change_of_pairs(pairs)  # measure: the data column (csa_cm2)
    # the tables of changes label each row by what it holds: csa_pct_change, in %
    change_all = changes_by_subject.assign(measure=changes_by_subject["measure"].map(PCT_CHANGE_OF))
    change = change_all[change_all["exclusion_reason"] == ""]

    def excluded(frame, measure, group=None) -> dict[str, str]:
        rows = frame[(frame["measure"] == measure) & (frame["exclusion_reason"] != "")]
        if group is not None:
            rows = rows[rows["group"] == group]
        return dict(zip(rows["subject"], rows["exclusion_reason"], strict=True))

    def require_pairs(frame, what):
        if (frame["exclusion_reason"] == "").sum() == 0:
            raise InputError(f"{what} needs subjects with a usable pre and post value")

    def descriptives():
        table = stats.describe(
            data, [*measures, *subject_vars], ["group", "time"], subject="subject", why=why
        )
        return note_descriptives(table)

    def percent_change():
        require_pairs(changes_by_subject, "a percent change")
        notes = [
            left_out_note(f"percent_change of {m}", excluded(changes_by_subject, m))
            for m in measures
            if excluded(changes_by_subject, m)
        ]
        return with_notes(changes_by_subject.copy(), notes)

    def change_summary():
        require_pairs(change_all, "a change summary")
        summary = stats.describe(
            change, ["pct_change"], ["group", "measure"], name="variable"
        ).drop(columns="variable")
        cells = change_all[["group", "measure"]].drop_duplicates()
        table = cells.merge(summary, how="left", on=["group", "measure"])
        table["n"] = table["n"].fillna(0).astype(int)
        return _with_exclusions(table, change_all, "change_summary")

    def per_group(name, frame, test, columns):
        require_pairs(frame, f"{name}")
        rows = []
        cells = frame[["measure", "group"]].drop_duplicates()
        for measure, group in cells.itertuples(index=False):
            part = frame[
                (frame["measure"] == measure)
                & (frame["group"] == group)
                & (frame["exclusion_reason"] == "")
            ]
            res = test(*(part[c].to_numpy() for c in columns))
            rows.append({"group": group, "measure": measure, **res})
        return _with_exclusions(pd.DataFrame(rows), frame, name)

    def group_comparison():
        present = set(data["group"])
        if not {"HIIT", "control"} <= present:
            raise InputError("comparing the groups needs at least 2 HIIT and 2 control subjects")
        require_pairs(change_all, "comparing the groups")
        rows = []
        for measure in (PCT_CHANGE_OF[m] for m in measures):
            part = change[change["measure"] == measure]
            hiit = part.loc[part["group"] == "HIIT", "pct_change"].to_numpy()
            control = part.loc[part["group"] == "control", "pct_change"].to_numpy()
            res = stats.welch_ttest(hiit, control)
            rows.append({"measure": measure, "contrast": "HIIT - control", **res})
        table = pd.DataFrame(rows)
        return _with_exclusions(table, change_all, "group_comparison", by_group=False)

    def mixed_anova():
        return stack(
            (
                f"mixed_anova of {m}",
                {"dv": m},
                lambda m=m: note_exclusions(
                    stats.mixed_anova(
                        data, dv=m, within="time", between="group", levels=TIMES, why=why[m]
                    ),
                    f"mixed_anova of {m}",
                ),
            )
            for m in measures
        )

    def ancova_of(measure):
        part = pairs[(pairs["measure"] == measure) & (pairs["exclusion_reason"] == "")]
        wide = part.rename(columns={"pre": f"{measure}_pre", "post": f"{measure}_post"})
        table = stats.ancova(wide, dv=f"{measure}_post", covar=f"{measure}_pre", between="group")
        table.insert(0, "dv", measure)
        for column, value in exclusion_columns(excluded(pairs, measure)).items():
            table[column] = value
        return note_exclusions(table, f"ancova of {measure}")

    def ancova():
        require_pairs(pairs, "the ANCOVA")
        return stack((f"ancova of {m}", {"dv": m}, lambda m=m: ancova_of(m)) for m in measures)

    return Tables(
        {
            "descriptives": descriptives,
            "percent_change": percent_change,
            "change_summary": change_summary,
            "change_tests": lambda: per_group(
                "change_tests", change_all, stats.one_sample_ttest, ["pct_change"]
            ),
            "paired_tests": lambda: per_group(
                "paired_tests", pairs, stats.paired_ttest, ["pre", "post"]
            ),
            "group_comparison": group_comparison,
            "mixed_anova": mixed_anova,
            "ancova": ancova,
        }
    )


def _with_exclusions(
    table: pd.DataFrame, frame: pd.DataFrame, name: str, *, by_group: bool = True
) -> pd.DataFrame:
    """Add ``excluded_subjects`` / ``exclusion_reason`` per row, and a note per row that has some.

    ``frame`` is a per-subject table with ``measure``, ``group`` and ``exclusion_reason``
    columns (:func:`analysis.engine.stats.paired_values`); a row of ``table`` gets the subjects of
    its measure (and group, with ``by_group``) that ``frame`` left out.
    """
    from ..engine.tables import exclusion_columns, left_out_note, with_notes

    found: dict[tuple, dict[str, str]] = {}
    flagged = frame[frame["exclusion_reason"] != ""]
    for subject, measure, group, reason in zip(
        flagged["subject"],
        flagged["measure"],
        flagged["group"],
        flagged["exclusion_reason"],
        strict=True,
    ):
        found.setdefault((measure, group if by_group else None), {})[subject] = reason
    cells, notes = [], []
    for row in table.itertuples(index=False):
        left = found.get((row.measure, row.group if by_group else None), {})
        cells.append(exclusion_columns(left))
        if left:
            what = f"{name} of {row.measure}" + (f" ({row.group})" if by_group else "")
            notes.append(left_out_note(what, left))
    table = pd.concat([table, pd.DataFrame(cells, index=table.index)], axis=1)
    return with_notes(table, notes)


def validate_data(df: pd.DataFrame, source: str = "<data>") -> pd.DataFrame:
    """Check a data file of this study; raise :class:`~analysis.errors.InputError` if bad."""
    return validate(df, DATA_SPEC, source)


def _lookup(data: pd.DataFrame, tables: dict[str, pd.DataFrame]):
    from ..engine.stats import grim_consistent

    def reproduced(row: pd.Series) -> float:
        quantity, group, statistic = row["quantity"], row["group"], row["statistic"]
        subjects = data.drop_duplicates("subject")
        if statistic == "count" and quantity == "n_subjects":
            return float((subjects["group"] == group).sum())
        if statistic == "count" and quantity == "n_male":
            return float(((subjects["group"] == group) & (subjects["sex"] == "M")).sum())
        if statistic == "mean_of_counts":  # not simulated: GRIM consistency of the printed mean
            decimals = max(0, -int(math.floor(math.log10(float(row["tolerance"]) * 2))))
            ok = grim_consistent(float(row["value"]), int(row["n"]), decimals)
            return float(row["value"]) if ok else math.nan
        if quantity in CHANGE_OF:
            summary = first_row(tables["change_summary"], group=group, measure=quantity)
            tests = first_row(tables["change_tests"], group=group, measure=quantity)
            if statistic == "mean":
                return summary["mean"] if summary is not None else math.nan
            if statistic == "p_value":
                return tests["p_val"] if tests is not None else math.nan
        if statistic == "mean":
            found = first_row(
                tables["descriptives"], group=group, time=row["time"], measure=quantity
            )
            return found["mean"] if found is not None else math.nan
        return math.nan

    def spread(row: pd.Series, reading: str) -> float:
        quantity, group = row["quantity"], row["group"]
        if quantity in CHANGE_OF:
            found = first_row(tables["change_summary"], group=group, measure=quantity)
        elif row["statistic"] == "mean_of_counts":
            return float(row["dispersion"])  # not simulated; nothing to compare
        else:
            found = first_row(
                tables["descriptives"], group=group, time=row["time"], measure=quantity
            )
        if found is None:
            return math.nan
        return found["sem"] if reading == "SEM" else found["sd"]

    return reproduced, spread


def scorecard(
    data: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    dispersion: str = "sem",
    *,
    seed: int | None = 0,
    **assumptions,
) -> pd.DataFrame:
    """Published claims against the values reproduced from ``data`` and ``tables``.

    A decision about a group whose data are all assumed (the controls: "did not change") is
    judged by the probability that a study of the published size reproduces it under the
    assumptions (:data:`~analysis.studies.base.PROBABILITY_REPS` population draws, seeded
    from ``seed``), not by the one example dataset.
    """
    t = targets(**assumptions)
    reproduced, spread = _lookup(data, tables)
    assumed = assumed_decisions(t)
    chance = {}
    if assumed:
        batch = simulate_batch(
            PROBABILITY_REPS, probability_seed(seed), dispersion=dispersion, **assumptions
        )
        chance = probabilities(decide_batch(batch, only=assumed))
    return build_scorecard(t, reproduced, dispersion, spread, chance)


def replicate(seed: int | None = 0, dispersion: str = "sem", **assumptions) -> Replication:
    """Simulate, analyse and score the study in one call.

    Examples
    --------
    >>> rep = replicate(seed=1)
    >>> rep.passed
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
        NAME,
        tables,
        seed=seed,
        data=data,
        scorecard=card,
        assumptions=dict(assumptions, dispersion=dispersion),
    )


def results(seed: int | None = 0) -> Replication:
    """The study's results for the report (:class:`~analysis.studies.base.Study`): the exact
    replication under the default assumptions."""
    return replicate(seed=seed)


SENSITIVITY_GRID = {
    "dispersion": ["sem", "sd"],
    "control_csa_pct_change_mean": [0.0, 3.0, 6.0],
    "control_csa_pct_change_sd": [1.5, 3.0, 6.0],
}


def key_statistics(tables) -> dict[str, float]:
    """The few numbers a sensitivity analysis follows as the assumptions move.

    NaN for a number whose table or row the data could not give (a note table, one group).
    """

    def value(table, column, **where) -> float:
        row = first_row(tables[table], **where)
        return float(row[column]) if row is not None and column in row.index else math.nan

    return {
        "hiit_csa_p": value("change_tests", "p_val", group="HIIT", measure="csa_pct_change"),
        "hiit_csa_d": value("change_tests", "d", group="HIIT", measure="csa_pct_change"),
        "control_csa_p": value("change_tests", "p_val", group="control", measure="csa_pct_change"),
        "csa_change_welch_p": value("group_comparison", "p_val", measure="csa_pct_change"),
        "csa_change_hedges_g": value("group_comparison", "hedges_g", measure="csa_pct_change"),
        "csa_interaction_p": value("mixed_anova", "p_unc", dv="csa_cm2", Source="Interaction"),
    }


def decisions(tables) -> pd.DataFrame:
    """The study's decisions on any data: the claims' deciding tests and the paper's
    significance statements, one row each, as ``analyze`` prints them.

    Columns: ``statement`` (what holds if the test comes out as stated), ``stated``
    (``p < 0.05``, or ``p > 0.05`` for "did not change"), ``holds`` (True, False, or None when
    the data cannot give the test), ``estimate`` (rounded, with its unit), ``statistic``
    (the test statistic without its p), ``p``, ``p_label`` and ``apa`` (the test as papers
    report it, where the table has an ``apa`` column; else "").

    Examples
    --------
    >>> table = decisions(analyze(simulate(seed=0)))
    >>> table[["statement", "holds"]].head(2).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'statement': 'HIIT grew VL CSA more than the controls (claim 1: group × time
      interaction, mixed ANOVA)', 'holds': True},
     {'statement': 'the groups differ in post VL CSA adjusted for pre (ANCOVA)', 'holds': True}]
    """
    rows = []

    def add(statement, stated, row, p_column, holds, estimate, statistic, p_label="p"):
        p = float(row[p_column]) if row is not None else math.nan
        known = row is not None and math.isfinite(p)
        rows.append(
            {
                "statement": statement,
                "stated": stated,
                "holds": bool(holds(p)) if known else None,
                "estimate": estimate if known else "",
                "statistic": statistic if known else "not computable from these data",
                "p": p,
                "p_label": p_label,
                "apa": str(row["apa"]) if known and "apa" in row.index else "",
            }
        )

    def change(group, quantity):
        return first_row(tables["change_tests"], group=group, measure=quantity)

    hiit, control = change("HIIT", "csa_pct_change"), change("control", "csa_pct_change")
    inter = first_row(tables["mixed_anova"], dv="csa_cm2", Source="Interaction")
    hiit_more = hiit is not None and control is not None and hiit["mean"] > control["mean"]
    add(
        "HIIT grew VL CSA more than the controls (claim 1: group × time interaction, mixed ANOVA)",
        "p < 0.05",
        inter,
        "p_unc",
        lambda p: p < 0.05 and hiit_more,
        f"HIIT {_signed(hiit['mean'])} %, controls {_signed(control['mean'])} %"
        if hiit is not None and control is not None
        else "",
        f"F({_whole(inter['DF1'])}, {_whole(inter['DF2'])}) = {inter['F']:.2f}, "
        f"partial η² = {inter['np2']:.2f}"
        if inter is not None
        else "",
    )
    group = first_row(tables["ancova"], dv="csa_cm2", Source="group")
    residual = first_row(tables["ancova"], dv="csa_cm2", Source="Residual")
    add(
        "the groups differ in post VL CSA adjusted for pre (ANCOVA)",
        "p < 0.05",
        group if residual is not None else None,
        "p_unc",
        lambda p: p < 0.05,
        "",
        f"F(1, {_whole(residual['DF'])}) = {group['F']:.2f}, partial η² = {group['np2']:.2f}"
        if group is not None and residual is not None
        else "",
    )
    for group_name, quantity, what, stated in (
        ("HIIT", "csa_pct_change", "VL CSA rose in the HIIT group", "p < 0.05"),
        ("control", "csa_pct_change", "VL CSA did not change in the controls", "p > 0.05"),
        ("HIIT", "vo2max_rel_pct_change", "relative VO2max rose in the HIIT group", "p < 0.05"),
        ("HIIT", "vo2max_abs_pct_change", "absolute VO2max rose in the HIIT group", "p < 0.05"),
    ):
        row = change(group_name, quantity)
        rises = row is not None and row["mean"] > 0
        add(
            f"{what} (paper; one-sample t of the % change against 0)",
            stated,
            row,
            "p_val",
            (lambda p, rises=rises: p < 0.05 and rises)
            if stated == "p < 0.05"
            else (lambda p: p > 0.05),
            f"{_signed(row['mean'])} % (SD {row['sd']:.1f} %, n = {_whole(row['n'])})"
            if row is not None
            else "",
            f"t({_whole(row['dof'])}) = {row['t']:.2f}, d = {row['d']:.2f}"
            if row is not None and math.isfinite(row["t"])
            else "",
        )
    return pd.DataFrame(rows)


def _apa(row: pd.Series, fallback: str) -> str:
    """The test of a table row as papers report it (its ``apa`` cell), else ``fallback``."""
    text = row.get("apa", "")
    return text if isinstance(text, str) and text else fallback


def _whole(value) -> str:
    """A count or degrees of freedom as printed: ``15``, or ``14.8`` when not whole (Welch)."""
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"


def _signed(value: float) -> str:
    """``+10.6`` / ``-2.1`` / ``0.0``: one decimal, without a spurious ``-0.0``."""
    rounded = round(float(value), 1)
    return "0.0" if rounded == 0 else f"{rounded:+.1f}"


# Claim 1 is shown across these assumed control changes (mean and SD of the % change in CSA).
CLAIM1_CONTROL_MEANS = (0.0, 3.0, 6.0)
CLAIM1_CONTROL_SDS = (1.5, 3.0, 6.0)
_CONTROL_MEAN, _CONTROL_SD = "control_csa_pct_change_mean", "control_csa_pct_change_sd"


def csa_interaction(data: pd.DataFrame) -> tuple[float, bool]:
    """The group × time interaction p on CSA and whether HIIT grew more than the controls.

    With two timepoints the mixed-ANOVA interaction is the pooled-variance t-test of
    ``post - pre`` between the groups (F = t²), so this fast form gives the p of the
    ``Interaction`` row of ``mixed_anova`` (complete subjects only); it lets the verdict be
    followed across many assumed control changes without the full tables.

    Examples
    --------
    >>> p, hiit_more = csa_interaction(simulate(seed=0))
    >>> round(p, 4), hiit_more
    (0.0371, True)
    """
    from scipy import stats as sps

    wide = data.pivot_table(index=["subject", "group"], columns="time", values="csa_cm2")
    wide = wide.dropna().reset_index()
    change = wide["post"] - wide["pre"]
    hiit, control = change[wide["group"] == "HIIT"], change[wide["group"] == "control"]
    if len(hiit) < 2 or len(control) < 2:
        return math.nan, False
    return float(sps.ttest_ind(hiit, control).pvalue), bool(hiit.mean() > control.mean())


def _split(assumptions: dict) -> tuple[str, dict]:
    rest = dict(assumptions)
    return rest.pop("dispersion", "sem"), rest


def claim1_verdict_at(seed: int | None = 0, **assumptions) -> tuple[float, str]:
    """Claim 1's interaction p and verdict for data simulated under ``assumptions``
    (``dispersion`` and any assumed id of ``estes2017.csv``)."""
    from .verdicts import decide_by_interaction

    dispersion, rest = _split(assumptions)
    p, hiit_more = csa_interaction(simulate(seed, dispersion, **rest))
    return p, decide_by_interaction(p, as_claimed=hiit_more)


def claim1_across_assumptions(
    seed: int | None = 0,
    means: tuple[float, ...] = CLAIM1_CONTROL_MEANS,
    sds: tuple[float, ...] = CLAIM1_CONTROL_SDS,
    **assumptions,
) -> pd.DataFrame:
    """Claim 1's verdict for every assumed control change (mean × SD of the % change in CSA).

    Examples
    --------
    >>> table = claim1_across_assumptions(seed=0, sds=(3.0,))
    >>> table["verdict"].tolist()
    ['supported', 'not supported', 'not supported']
    """
    rows = []
    for mean in means:
        for sd in sds:
            setting = {**assumptions, _CONTROL_MEAN: mean, _CONTROL_SD: sd}
            p, verdict = claim1_verdict_at(seed, **setting)
            rows.append(
                {_CONTROL_MEAN: mean, _CONTROL_SD: sd, "interaction_p": p, "verdict": verdict}
            )
    return pd.DataFrame(rows)


def claim1_flip_point(
    seed: int | None = 0, lo: float = 0.0, hi: float = 10.0, tol: float = 0.01, **assumptions
) -> float:
    """The assumed control change in CSA (%) at which claim 1's verdict flips from
    'supported' to 'not supported' (the interaction p crosses 0.05), found by bisection.

    NaN when the verdict is the same at ``lo`` and ``hi``.

    Examples
    --------
    >>> round(claim1_flip_point(seed=0, tol=0.05), 1)
    0.6
    """

    def supported(mean: float) -> bool:
        return claim1_verdict_at(seed, **{**assumptions, _CONTROL_MEAN: mean})[1] == "supported"

    low_supported = supported(lo)
    if low_supported == supported(hi):
        return math.nan
    return _bisect(supported, lo, hi, tol, low_supported)


def _bisect(supported, lo: float, hi: float, tol: float, low_supported: bool) -> float:
    """Midpoint of the interval (width <= ``tol``) where ``supported`` changes value."""
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if supported(mid) == low_supported:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _claim1(rep: Replication) -> dict:
    """Claim 1: decided by the group × time interaction on CSA (see ``analysis.studies.verdicts``)."""
    from ..engine.apa import apa_p
    from .verdicts import decide_by_interaction, verdict_row

    dispersion, assumptions = _split(rep.assumptions)
    t = targets(**assumptions)
    control_mean, control_sd = t.value(_CONTROL_MEAN), t.value(_CONTROL_SD)
    assumed = (
        f"under the assumed control change of {control_mean:.1f} ± {control_sd:.1f} % (mean ± SD)"
    )
    inter = first_row(rep.tables["mixed_anova"], dv="csa_cm2", Source="Interaction")
    group = first_row(rep.tables["ancova"], dv="csa_cm2", Source="group")
    residual = first_row(rep.tables["ancova"], dv="csa_cm2", Source="Residual")
    hiit = first_row(rep.tables["change_tests"], group="HIIT", measure="csa_pct_change")
    control = first_row(rep.tables["change_tests"], group="control", measure="csa_pct_change")
    if inter is None or hiit is None or control is None:
        return verdict_row(
            1,
            "not testable",
            "the group × time interaction on VL CSA could not be computed from these data",
            "the mixed ANOVA needs complete pre/post pairs in both groups",
            NAME,
            "mixed_anova",
            "",
        )
    hiit_more = float(hiit["mean"]) > float(control["mean"])
    verdict = decide_by_interaction(float(inter["p_unc"]), as_claimed=hiit_more)
    ancova = (
        "ANCOVA (post on pre): "
        + _apa(group, f"F(1, {int(residual['DF'])}) = {group['F']:.2f}, p = {group['p_unc']:.4f}")
        if group is not None and residual is not None
        else "ANCOVA (post on pre): not computable"
    )
    interaction = _apa(
        inter,
        f"F({int(inter['DF1'])}, {int(inter['DF2'])}) = {inter['F']:.2f}, p = {inter['p_unc']:.4f}",
    )
    statistic = (
        f"group × time interaction on VL CSA, mixed ANOVA ({inter['ss_type']} SS): "
        f"{interaction}; {ancova}; {assumed}. Context, not the decision: HIIT "
        f"{_signed(hiit['mean'])} % ({apa_p(hiit['p_val'])}), controls "
        f"{_signed(control['mean'])} % ({apa_p(control['p_val'])})"
    )
    seed = 0 if rep.seed is None else rep.seed
    setting = {**assumptions, "dispersion": dispersion}
    by_mean = [
        claim1_verdict_at(seed, **{**setting, _CONTROL_MEAN: m, _CONTROL_SD: control_sd})
        for m in CLAIM1_CONTROL_MEANS
    ]
    by_sd = [
        by_mean[CLAIM1_CONTROL_MEANS.index(control_mean)]
        if s == control_sd and control_mean in CLAIM1_CONTROL_MEANS
        else claim1_verdict_at(seed, **{**setting, _CONTROL_MEAN: control_mean, _CONTROL_SD: s})
        for s in CLAIM1_CONTROL_SDS
    ]
    flip = math.nan  # bisect between the two grid means where the verdict changes
    means, supported = CLAIM1_CONTROL_MEANS, [v == "supported" for _, v in by_mean]
    for i in range(len(means) - 1):
        if supported[i] != supported[i + 1]:
            flip = _bisect(
                lambda m: (
                    claim1_verdict_at(seed, **{**setting, _CONTROL_MEAN: m})[1] == "supported"
                ),
                means[i],
                means[i + 1],
                0.05,
                supported[i],
            )
            break

    def listed(values, results) -> str:
        return "; ".join(
            f"{v:g} %: p = {p:.3f}, {verdict}"
            for v, (p, verdict) in zip(values, results, strict=True)
        )

    flips = (
        f"the verdict changes at an assumed control change of about {flip:.1f} % "
        f"({'supported below, not supported above' if supported[0] else 'the other way'})"
        if math.isfinite(flip)
        else "the verdict does not flip between the assumed control changes listed"
    )
    caveat = (
        "grade assumption-driven: the control group's data are entirely assumed (n = 5 from a "
        "companion abstract; its change in CSA is assumed from the abstract's 'did not change' "
        f"as a mean of {control_mean:g} with an SD of {control_sd:g} %), and the interaction "
        "depends on them. HIIT "
        "significant and controls not is not itself a test of the difference (Gelman & Stern "
        f"2006). Across the assumption range (seed {seed}): control change (SD "
        f"{control_sd:g} %) {listed(CLAIM1_CONTROL_MEANS, by_mean)}; control SD (mean "
        f"{control_mean:g} %) {listed(CLAIM1_CONTROL_SDS, by_sd)}; {flips}"
    )
    return verdict_row(
        1,
        verdict,
        statistic,
        caveat,
        NAME,
        "mixed_anova, ancova, change_tests",
        "assumption-driven",
    )


def claim_verdicts(rep: Replication) -> pd.DataFrame:
    """The article's claims this study speaks to (1 and 2), each with its deciding numbers;
    the rules are in ``analysis.studies.verdicts``."""
    from .verdicts import verdict_row, with_probabilities

    rel = first_row(rep.tables["change_tests"], group="HIIT", measure="vo2max_rel_pct_change")
    abs_ = first_row(rep.tables["change_tests"], group="HIIT", measure="vo2max_abs_pct_change")
    inter = first_row(rep.tables["mixed_anova"], dv="vo2max_rel", Source="Interaction")
    rises = (  # a rise: significant and upwards (a significant fall is no support)
        rel is not None
        and abs_ is not None
        and all(row["p_val"] < 0.05 and row["mean"] > 0 for row in (rel, abs_))
    )
    interaction = (
        f"the group × time interaction on relative VO2max against the assumed controls is "
        f"p = {inter['p_unc']:.2f}, which decides nothing because those controls are assumed"
        if inter is not None
        else "no interaction could be computed"
    )

    def one_sample(row) -> str:
        return _apa(row, f"t({int(row['dof'])}) = {row['t']:.2f}, p = {row['p_val']:.4f}")

    vo2 = verdict_row(
        2,
        "partly supported" if rises else "not supported",
        (
            f"relative VO2max {_signed(rel['mean'])} % (one-sample {one_sample(rel)}), "
            f"absolute {_signed(abs_['mean'])} % (one-sample {one_sample(abs_)}), HIIT group"
            if rel is not None and abs_ is not None
            else "the HIIT group's VO2max changes could not be computed"
        ),
        "grade reconstructed: the abstract prints the mean ± SEM change and p < 0.05 but not "
        "the test; our p-values are the one-sample t that the published mean ± SEM imply "
        "(t = mean / SEM, df = n - 1), the same for every seed. The rise is supported; "
        "'running improves fitness' would need the controls, whose VO2max changes are not "
        f"published ({interaction}), hence 'partly'",
        NAME,
        "change_tests",
        "reconstructed",
    )
    verdicts = pd.DataFrame([_claim1(rep), vo2])
    return with_probabilities(verdicts, claim_probabilities(simulate_batch, claims_batch, rep))


def figures(rep: Replication) -> FigureSet:
    """The study's figures by file stem, each drawn when first read by a function of
    ``analysis.engine.plots`` (:class:`~analysis.engine.figureset.FigureSet`)."""
    from ..engine import plots

    change = rep.tables["percent_change"]
    return plots.FigureSet(
        NAME,
        {
            "estes2017_csa_prepost": partial(
                plots.prepost_lines, rep.data, "csa_cm2", LABELS["csa_cm2"], groups=GROUPS
            ),
            "estes2017_csa_change_by_group": partial(
                plots.change_distribution,
                change[change["measure"] == "csa_cm2"],
                "Change in VL CSA (%)",
                groups=GROUPS,
            ),
            "estes2017_vo2max_change": partial(
                plots.change_means,
                change[change["measure"].isin(["vo2max_rel", "vo2max_abs"])],
                {"vo2max_rel": "relative", "vo2max_abs": "absolute"},
                "Change in VO2max (%)",
                groups=GROUPS,
            ),
        },
    )


from ._estes2017_batch import claims_batch, decide_batch, simulate_batch  # noqa: E402
