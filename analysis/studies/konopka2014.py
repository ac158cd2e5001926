"""How much cardio, how hard: the prescription, the Estes protocol, and the literature.

Konopka AR, Harber MP. Skeletal muscle hypertrophy after aerobic exercise training. Exerc Sport
Sci Rev 2014;42(2):53-61. The popular article credits this review with the prescription
"30-40 min, 4-5 days a week, 70-80 % of heart-rate reserve" (claim 5).

Three pieces, each from the tables in ``data/published/``:

* the prescription and the lab's cycling protocol (``konopka2014.csv``),
* the Estes 2017 running protocol, read from ``estes2017.csv``, placed in % HRR for a person of
  the study's mean age (resting heart rate assumed),
* a random-effects meta-analysis of the aerobic-training hypertrophy studies
  (``aerobic_hypertrophy.csv``), one row per cohort.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dataio.targets import DATA_DIR, load_targets
from ..engine import meta
from ..engine.hrr import EQUATIONS
from ..engine.sessions import Interval, Prescription, Protocol, against_prescription, time_in_bands
from .base import Results
from .verdicts import verdict_row

if TYPE_CHECKING:
    from ..engine.figureset import FigureSet

NAME = "konopka2014"
TITLE = "How much cardio, how hard (Konopka & Harber 2014 and the literature)"
NOTEBOOK = "03_dose_and_intensity"
LITERATURE = DATA_DIR / "aerobic_hypertrophy.csv"


def load_literature() -> pd.DataFrame:
    """The per-study table, with SE and SD filled in (SD = SE * sqrt(n) where SE is printed)."""
    table = pd.read_csv(LITERATURE)
    is_se = table["dispersion_type"].eq("SE")
    table["se"] = np.where(is_se, table["dispersion"], np.nan)
    table["sd"] = table["se"] * np.sqrt(table["n"])
    table["primary"] = table["primary"].astype(bool)
    return table


def prescription() -> Prescription:
    """The prescription of claim 5, from ``konopka2014.csv``."""
    t = load_targets(NAME)
    return Prescription(
        min_minutes=t.value("rx_min_minutes"),
        max_minutes=t.value("rx_max_minutes"),
        min_days=t.value("rx_min_days"),
        max_days=t.value("rx_max_days"),
        low_pct_hrr=t.value("rx_low_pct_hrr"),
        high_pct_hrr=t.value("rx_high_pct_hrr"),
    )


def estes_protocol(completed: bool = False) -> Protocol:
    """Estes 2017: 4 x (4 min at 90-95 % HRmax + 3 min at 70 % HRmax), 10 weeks.

    As planned: 3 sessions a week (inferred from Losey 2013). As completed: 24.5 sessions in
    10 weeks, 2.45 a week. Warm-up and cool-down are not published and are left out.
    """
    t = load_targets("estes2017")
    repeats = int(t.value("hiit_intervals"))
    weeks = t.value("hiit_weeks")
    per_week = t.value("hiit_sessions") / weeks if completed else t.value("hiit_sessions_per_week")
    intervals = (
        Interval(
            t.value("hiit_interval_min") * repeats,
            t.value("hiit_interval_low"),
            t.value("hiit_interval_high"),
            "hrmax",
            "work",
        ),
        Interval(
            t.value("hiit_recovery_min") * repeats,
            t.value("hiit_recovery_intensity"),
            t.value("hiit_recovery_intensity"),
            "hrmax",
            "active rest",
        ),
    )
    name = "Estes 2017 as completed" if completed else "Estes 2017 as planned"
    return Protocol(name, intervals, per_week, weeks)


def lab_protocol() -> Protocol:
    """The Konopka & Harber cycling protocol in its final weeks (45 min at 80 % HRR, 4/week)."""
    t = load_targets(NAME)
    pct = t.value("lab_final_pct_hrr")
    return Protocol(
        "Harber lab cycling, final weeks (4/week)",
        (Interval(t.value("lab_final_minutes"), pct, pct, "hrr", "steady cycling"),),
        t.value("lab_final_days"),
        t.value("lab_weeks"),
    )


def study_person() -> tuple[float, float]:
    """Age (published mean of the Estes HIIT group) and resting heart rate (assumed)."""
    return load_targets("estes2017").value("hiit_age"), load_targets(NAME).value("estes_hr_rest")


def protocols_against_prescription(equation: str = "tanaka", age=None, hr_rest=None):
    """Each protocol's minutes inside the prescribed band and whether it meets the dose."""
    default_age, default_rest = study_person()
    age = default_age if age is None else age
    hr_rest = default_rest if hr_rest is None else hr_rest
    rx = prescription()
    rows = [
        against_prescription(p, age, hr_rest, equation, rx)
        for p in (estes_protocol(False), estes_protocol(True), lab_protocol())
    ]
    return pd.concat(rows, ignore_index=True).assign(age_yr=age, hr_rest_bpm=hr_rest)


def protocols_by_equation() -> pd.DataFrame:
    """:func:`protocols_against_prescription` under each HRmax equation, stacked."""
    return pd.concat([protocols_against_prescription(eq) for eq in EQUATIONS], ignore_index=True)[
        ["protocol", "equation", "hrmax_bpm", "minutes_in_band_per_week", "meets_prescription"]
    ]


def protocols_time_in_bands(equation: str = "tanaka", age=None, hr_rest=None) -> pd.DataFrame:
    """Minutes per session and week in each % HRR band, for each protocol."""
    default_age, default_rest = study_person()
    age = default_age if age is None else age
    hr_rest = default_rest if hr_rest is None else hr_rest
    return pd.concat(
        [
            time_in_bands(p, age, hr_rest, equation)
            for p in (estes_protocol(False), estes_protocol(True), lab_protocol())
        ],
        ignore_index=True,
    )


def meta_analyses(literature: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The primary random-effects analysis, its sensitivity runs, leave-one-out and subgroups.

    Primary: one row per cohort (``primary`` rows with an SE). Sensitivity runs: Konopka 2010
    in place of Harber 2009 (possibly the same women), without that cohort at all, with Abe
    2010 at its assumed SE, each by DerSimonian-Laird and by Paule-Mandel.
    """
    lit = load_literature() if literature is None else literature
    primary = lit[lit["primary"] & lit["se"].notna()]
    swapped = pd.concat(
        [primary[primary["study"] != "harber2009"], lit[lit["study"] == "konopka2010"]]
    )
    without = primary[primary["cohort"] != "older_women_bsu"]
    abe = lit[lit["study"] == "abe2010"].assign(se=lambda d: d["se_assumed"])
    with_abe = pd.concat([primary, abe])
    runs = {
        "primary": primary,
        "Konopka 2010 instead of Harber 2009": swapped,
        "without the older-women cohort": without,
        "with Abe 2010 (assumed SE)": with_abe,
    }
    pooled = pd.concat(
        [
            meta.pool(rows, method=method, label=label)
            for label, rows in runs.items()
            for method in meta.METHODS
        ],
        ignore_index=True,
    )
    studies = primary.assign(
        weight_dl=meta.weights(primary, method="DL"), weight_pm=meta.weights(primary, method="PM")
    )
    return {
        "studies": studies,
        "pooled": pooled,
        "leave_one_out": meta.leave_one_out(primary),
        "subgroups": pd.concat(
            [meta.subgroups(primary, "mode"), meta.subgroups(primary, "age_group")],
            ignore_index=True,
        ),
    }


def benchmark() -> dict[str, float]:
    """Grgic et al. 2019: resistance vs aerobic training, whole-muscle hypertrophy.

    A plain dict (``g``, ``ci_low``, ``ci_high``, ``i2`` in %, ``k`` studies) that a notebook
    shows as a titled table (:class:`analysis.engine.display.Record`).

    Examples
    --------
    >>> b = benchmark()
    >>> b["k"], isinstance(b, dict)
    (21, True)
    """
    from ..engine.display import Record

    t = load_targets(NAME)
    values = {
        "g": t.value("grgic_g"),
        "ci_low": t.value("grgic_ci_low"),
        "ci_high": t.value("grgic_ci_high"),
        "i2": t.value("grgic_i2"),
        "k": int(t.row("grgic_g")["n"]),
    }
    title = (
        "Grgic et al. 2019 (Sports Med): resistance vs aerobic training, whole-muscle "
        "hypertrophy; Hedges' g > 0 favours resistance, 95 % CI, I² in %, k studies"
    )
    return Record(values, title=title)


def tables() -> dict[str, pd.DataFrame]:
    """Every result table of this analysis, by name (written by ``make reproduce``)."""
    from ..engine.hrr import zone_table

    age, hr_rest = study_person()
    rx = prescription()
    results = meta_analyses()
    return {
        "zones": zone_table(age, hr_rest, (rx.low_pct_hrr, rx.high_pct_hrr)),
        "protocols_vs_prescription": protocols_against_prescription(),
        "time_in_bands": protocols_time_in_bands(),
        "literature": load_literature(),
        "meta_studies": results["studies"],
        "meta_pooled": results["pooled"],
        "meta_leave_one_out": results["leave_one_out"],
        "meta_subgroups": results["subgroups"],
    }


def results(seed: int | None = 0) -> Results:
    """Every result table (:class:`~analysis.studies.base.Study`); nothing is simulated, so
    ``seed`` changes nothing."""
    return Results(NAME, tables(), seed=seed)


def claim_verdicts(results: Results | None = None) -> pd.DataFrame:
    """Claim 5: 'intensity is the lever: 30-40 min, 4-5 days/week at 70-80 % HRR'.

    Computed from the published numbers: the tables of ``results`` when given (the same
    numbers, not computed twice), else computed here.
    """
    done = _tables_of(results)
    pooled = done["meta_pooled"] if done is not None else meta_analyses()["pooled"]
    primary = pooled[(pooled["analysis"] == "primary") & (pooled["method"] == "DL")].iloc[0]
    checks = (
        done["protocols_vs_prescription"] if done is not None else protocols_against_prescription()
    )
    checks = checks.set_index("protocol")
    estes = checks.loc["Estes 2017 as planned"]
    grows = primary["ci_low"] > 0
    verdict = "partly supported" if grows else "not supported"
    return pd.DataFrame(
        [
            verdict_row(
                5,
                verdict,
                f"aerobic training grew the quadriceps by {primary['estimate']:.1f} % (random-effects "
                f"meta-analysis of published per-study numbers, "
                f"k = {int(primary['k'])}, 95 % CI {primary['ci_low']:.1f} to {primary['ci_high']:.1f}, "
                f"prediction interval {primary['pi_low']:.1f} to {primary['pi_high']:.1f}); the Estes "
                f"running protocol spends {estes['minutes_in_band_per_week']:.0f} min a week at "
                f"{estes['band_pct_hrr']} % HRR (meets the prescription: "
                f"{'yes' if estes['meets_prescription'] else 'no'})",
                "grade published: the verdict rests on the pooled change, computed from per-study "
                "numbers printed in the papers only (no simulated or assumed number enters the "
                "primary analysis; Abe 2010's assumed SE is used in a sensitivity run only); the "
                "% HRR of the protocols uses an assumed resting heart rate and is context, not "
                "the decision. The hypertrophy came from cycling studies of this lab (mostly "
                "older adults) and one running study at a far higher intensity; no study here "
                "compares doses or intensity with distance, so the prescription itself is not "
                "tested",
                NAME,
                "meta_pooled, protocols_vs_prescription",
                "published",
            )
        ]
    )


def _tables_of(results: Results | None) -> dict[str, pd.DataFrame] | None:
    """The tables of ``results`` if they are this study's (:func:`tables`), else None."""
    if results is None or results.study != NAME:
        return None
    return results.tables


def figures(results: Results | None = None) -> FigureSet:
    """The figures of this analysis by file stem, each drawn when first read
    (:class:`~analysis.engine.figureset.FigureSet`), from the published numbers: the tables
    of ``results`` when given, else computed here."""
    from ..engine import plots

    done = _tables_of(results)
    if done is not None:
        studies, pooled, bands = done["meta_studies"], done["meta_pooled"], done["time_in_bands"]
    else:
        analyses = meta_analyses()
        studies, pooled, bands = analyses["studies"], analyses["pooled"], protocols_time_in_bands()
    primary = pooled[(pooled["analysis"] == "primary") & (pooled["method"] == "DL")].iloc[0]
    rx = prescription()
    return plots.FigureSet(
        NAME,
        {
            "konopka2014_forest": partial(plots.forest, studies, primary, benchmark()),
            "konopka2014_time_in_zone": partial(
                plots.time_in_zone, bands, f"{rx.low_pct_hrr:g}-{rx.high_pct_hrr:g}"
            ),
        },
    )
