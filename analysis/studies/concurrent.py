"""Does endurance work hurt muscle gain? The concurrent-training meta-analyses (claim 6).

The popular article's claim 6, "endurance mileage past some point works against muscle gain", is
an expert's opinion; the three studies of this project do not test it. Three meta-analyses of
concurrent training (aerobic plus strength training against the same strength training alone)
do, and their abstract-level results are recorded in ``data/published/concurrent_training.csv``
(one row per pooled number, each with its kind and source):

* Wilson et al. 2012, J Strength Cond Res 26(8):2293-2307 (21 studies): within-group effect
  sizes by training type, and moderators (running, not cycling; frequency and duration);
* Schumann et al. 2022, Sports Med 52(3):601-612 (43 studies): concurrent vs strength alone,
  whole-muscle hypertrophy, maximal and explosive strength, SMD with 95 % CI;
* Lundberg et al. 2022, Sports Med 52(10):2391-2403 (15 studies): muscle-fibre CSA, overall and
  by fibre type, and type I interference with running but not cycling.

**They are never pooled together.** The three syntheses share primary studies (Schumann and
Lundberg searched the same databases on the same dates, and both include studies Wilson
pooled), so a pooled estimate across them would count the same participants more than once.
They are shown side by side. The project did not re-analyse any primary data: every number is
the meta-analysis's own, as printed in its abstract.

The rule that decides claim 6
-----------------------------
Only rows of kind ``published`` (confirmed against the abstract) and of the ``hypertrophy``
domain take part; a row *shows interference* when

* it is an SMD (concurrent minus strength alone) whose 95 % CI lies below 0 (``ci_high < 0``),
  or whose estimate is negative with ``p <= 0.05``; or
* it is a moderator row recording a significant interference in a subgroup (``value == 1``,
  e.g. type I fibres when the aerobic training was running).

The *primary* row is the whole-muscle hypertrophy SMD of the largest synthesis (most studies;
ties broken by the newer one), today Schumann 2022. Then:

* primary shows interference and so does at least one other row -> ``supported``;
* neither the primary row nor any other row shows interference -> ``not supported``;
* otherwise (one side shows it, the other not) -> ``contested``.

With the numbers as recorded, Schumann's whole-muscle CI includes 0 while Lundberg's fibre CSA
(p = 0.050) and its running-specific type I moderator show interference, so the verdict is
``contested``. :func:`decide` takes any table, so a changed number changes the verdict.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dataio.targets import DATA_DIR, load_targets
from ..errors import InputError, describe_location
from .base import Results
from .verdicts import verdict_row

if TYPE_CHECKING:
    from ..engine.figureset import FigureSet

NAME = "concurrent"
TITLE = "Does endurance work hurt muscle gain? (concurrent-training meta-analyses)"
NOTEBOOK = "05_does_mileage_hurt_muscle"
TABLE = DATA_DIR / "concurrent_training.csv"

EXTRA_COLUMNS = [
    "meta_analysis",
    "year",
    "domain",
    "outcome",
    "comparison",
    "subgroup",
    "metric",
    "ci_low",
    "ci_high",
    "p",
    "k_studies",
]
STATISTICS = ("es", "smd", "moderator", "p_value", "protocol")
DOMAINS = ("hypertrophy", "strength", "power", "design")
ALPHA = 0.05
OUTCOME_LABELS = {
    "whole_muscle_hypertrophy": "whole-muscle hypertrophy",
    "maximal_strength": "maximal strength",
    "explosive_strength": "explosive strength",
    "fibre_csa": "muscle-fibre CSA, all fibres",
    "fibre_csa_type_I": "muscle-fibre CSA, type I",
    "fibre_csa_type_II": "muscle-fibre CSA, type II",
}
# the aerobic mode of each protocol (a fact of the design, not a number)
PROTOCOL_MODES = {"Estes 2017 (HIIT)": "running", "Harber lab (Konopka & Harber 2014)": "cycling"}


def load_table(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check the table (the targets checks, then those of the extra columns).

    Raises :class:`~analysis.errors.InputError` naming the line and column of a bad cell.

    Examples
    --------
    >>> table = load_table()
    >>> table.set_index("id").loc["schumann_hypertrophy", ["value", "ci_low", "ci_high"]].tolist()
    [-0.01, -0.16, 0.18]
    """
    path = Path(path) if path is not None else TABLE
    table = load_targets("concurrent_training", path).table.copy()
    missing = [c for c in EXTRA_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; a meta-analysis table needs them.")
    numeric = ("value", "year", "ci_low", "ci_high", "p", "k_studies")
    for column in numeric:
        converted = pd.to_numeric(table[column], errors="coerce")
        bad = converted.isna() & table[column].notna()
        _raise_first(bad, path, table, column, "a number")
        table[column] = converted.astype(float)
    is_smd = table["statistic"] == "smd"
    ordered = (table["ci_low"] <= table["value"]) & (table["value"] <= table["ci_high"])
    checks = [
        ("statistic", ~table["statistic"].isin(STATISTICS), f"one of {list(STATISTICS)}"),
        ("domain", ~table["domain"].isin(DOMAINS), f"one of {list(DOMAINS)}"),
        ("meta_analysis", table["meta_analysis"].isna(), "the meta-analysis (e.g. Schumann 2022)"),
        ("year", table["year"].isna(), "the year of publication"),
        ("outcome", table["outcome"].isna(), "the outcome"),
        ("kind", table["kind"] == "assumed", "published or inferred (nothing here is assumed)"),
        ("ci_low", is_smd & table["ci_low"].isna(), "the lower 95 % limit of an SMD"),
        ("ci_high", is_smd & table["ci_high"].isna(), "the upper 95 % limit of an SMD"),
        ("value", is_smd & ~ordered, "an SMD between its ci_low and ci_high"),
        ("p", table["p"].notna() & ~table["p"].between(0, 1), "a p value between 0 and 1"),
        (
            "value",
            (table["statistic"] == "moderator") & ~table["value"].isin([0, 1]),
            "1 (significant interference reported) or 0 (none) for a moderator row",
        ),
    ]
    for column, bad, expected in checks:
        _raise_first(bad, path, table, column, expected)
    return table


def _raise_first(bad: pd.Series, path, table: pd.DataFrame, column: str, expected: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{describe_location(path, row, column)}: got {table.iloc[row][column]!r}; "
            f"expected {expected}. Fix that cell of {Path(path).name}."
        )


def _label(row) -> str:
    outcome = OUTCOME_LABELS.get(row["outcome"], str(row["outcome"]).replace("_", " "))
    return f"{row['meta_analysis']} (k = {int(row['k_studies'])}): {outcome}"


def estimates(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pooled numbers, tidy: SMDs (concurrent vs strength), Wilson's within-group ESs and
    the subgroup p values, with kind and source. Nothing is pooled across meta-analyses."""
    t = load_table() if table is None else table
    rows = t[t["statistic"].isin(["smd", "es", "p_value"])].copy()
    rows["estimate"] = rows["value"].where(rows["statistic"] != "p_value")
    rows["label"] = [_label(r) for _, r in rows.iterrows()]
    cols = [
        "id",
        "meta_analysis",
        "year",
        "k_studies",
        "domain",
        "outcome",
        "comparison",
        "subgroup",
        "metric",
        "estimate",
        "ci_low",
        "ci_high",
        "p",
        "label",
        "kind",
        "source",
        "note",
    ]
    return rows[cols].reset_index(drop=True)


def moderators(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """What each synthesis says about frequency, duration and running vs cycling."""
    t = load_table() if table is None else table
    rows = t[t["statistic"] == "moderator"].copy()
    rows["finding"] = np.where(
        rows["value"] == 1,
        "significant interference reported",
        "no significant interference / moderator effect",
    )
    return rows[
        ["id", "meta_analysis", "subgroup", "outcome", "finding", "kind", "note"]
    ].reset_index(drop=True)


def protocols(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Estes running protocol and the Harber lab cycling protocol, placed against what the
    meta-analyses say about frequency and mode. Numbers are read from ``estes2017.csv`` and
    ``konopka2014.csv``; both protocols are aerobic training *alone* (no strength training)."""
    t = load_table() if table is None else table
    estes, lab = load_targets("estes2017"), load_targets("konopka2014")
    split = t.loc[t["id"] == "schumann_frequency_split", "value"]
    split_value = float(split.iloc[0]) if len(split) else np.nan
    rows = [
        {
            "protocol": "Estes 2017 (HIIT)",
            "sessions_per_week": estes.value("hiit_sessions_per_week"),
            "session_minutes": estes.value("hiit_intervals")
            * (estes.value("hiit_interval_min") + estes.value("hiit_recovery_min")),
            "weeks": estes.value("hiit_weeks"),
            "protocol_note": f"{estes.row('hiit_intervals')['note']}; "
            f"{estes.row('hiit_sessions_per_week')['note']}; warm-up and cool-down not published",
            "source": "data/published/estes2017.csv",
        },
        {
            "protocol": "Harber lab (Konopka & Harber 2014)",
            "sessions_per_week": lab.value("lab_final_days"),
            "session_minutes": lab.value("lab_final_minutes"),
            "weeks": lab.value("lab_weeks"),
            "protocol_note": f"{lab.row('lab_final_minutes')['note']}; "
            f"{lab.row('lab_final_days')['note']} (final weeks shown)",
            "source": "data/published/konopka2014.csv",
        },
    ]
    out = pd.DataFrame(rows)
    out.insert(1, "mode", out["protocol"].map(PROTOCOL_MODES))
    out["weekly_minutes"] = out["sessions_per_week"] * out["session_minutes"]
    out["strength_training"] = "none (aerobic training alone)"
    out["vs_schumann_frequency_split"] = [
        f"{'<' if s < split_value else '>='} {split_value:g} sessions/week"
        for s in out["sessions_per_week"]
    ]
    mods = moderators(t)
    out["what_the_moderators_say_about_this_mode"] = [
        "; ".join(
            f"{m['meta_analysis']}: {m['subgroup']}, {m['outcome'].replace('_', ' ')}: "
            f"{m['finding']} ({m['kind']})"
            for _, m in mods[mods["subgroup"].str.contains(mode)].iterrows()
        )
        for mode in out["mode"]
    ]
    return out


def _shows_interference(row) -> bool:
    if row["statistic"] == "moderator":
        return bool(row["value"] == 1)
    if row["statistic"] == "smd":
        below = row["ci_high"] < 0
        significant = pd.notna(row["p"]) and row["p"] <= ALPHA and row["value"] < 0
        return bool(below or significant)
    return False


def _why(row) -> str:
    if row["statistic"] == "moderator":
        found = "significant interference" if row["value"] == 1 else "no significant interference"
        return f"{found} reported in the {row['subgroup']} subgroup"
    return (
        f"SMD {row['value']:.2f} (95 % CI {row['ci_low']:.2f} to {row['ci_high']:.2f}"
        + (f", p = {row['p']:.3f}" if pd.notna(row["p"]) else "")
        + ")"
    )


def interference(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows the rule reads (published, hypertrophy domain), each marked by the rule."""
    t = load_table() if table is None else table
    rows = t[
        (t["kind"] == "published")
        & (t["domain"] == "hypertrophy")
        & t["statistic"].isin(["smd", "moderator"])
    ].copy()
    if rows.empty:
        raise InputError("no published hypertrophy rows: claim 6 cannot be decided")
    whole = rows[(rows["statistic"] == "smd") & (rows["outcome"] == "whole_muscle_hypertrophy")]
    if whole.empty:
        raise InputError("no published whole-muscle hypertrophy SMD: claim 6 cannot be decided")
    primary_id = whole.sort_values(["k_studies", "year"], ascending=False).iloc[0]["id"]
    rows["primary"] = rows["id"] == primary_id
    rows["shows_interference"] = [_shows_interference(r) for _, r in rows.iterrows()]
    rows["why"] = [_why(r) for _, r in rows.iterrows()]
    rows["label"] = [
        _label(r) + ("" if r["subgroup"] == "overall" else f", {r['subgroup']}")
        for _, r in rows.iterrows()
    ]
    rows = rows.sort_values("primary", ascending=False, kind="stable")
    return rows[
        ["id", "primary", "label", "statistic", "shows_interference", "why", "source"]
    ].reset_index(drop=True)


def decide(table: pd.DataFrame | None = None) -> dict:
    """Apply the rule of the module docstring; returns the verdict and the rows behind it."""
    rows = interference(table)
    primary = rows[rows["primary"]].iloc[0]
    others = rows[~rows["primary"]]
    interfering = others[others["shows_interference"]]
    if primary["shows_interference"] and len(interfering):
        verdict = "supported"
    elif not primary["shows_interference"] and interfering.empty:
        verdict = "not supported"
    else:
        verdict = "contested"
    return {"verdict": verdict, "primary": primary, "interfering": interfering, "rows": rows}


def tables() -> dict[str, pd.DataFrame]:
    """Every result table of this analysis, by name (written by ``make reproduce``)."""
    t = load_table()
    return {
        "estimates": estimates(t),
        "moderators": moderators(t),
        "protocols": protocols(t),
        "interference": interference(t),
    }


def results(seed: int | None = 0) -> Results:
    """Every result table (:class:`~analysis.studies.base.Study`); nothing is simulated, so
    ``seed`` changes nothing."""
    return Results(NAME, tables(), seed=seed)


def claim_verdicts(
    results: Results | None = None, *, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Claim 6: 'endurance mileage past some point works against muscle gain'.

    Decided from ``table`` (default: the recorded targets table); ``results`` is accepted for
    the study protocol.
    """
    result = decide(table)
    primary = result["primary"]
    interfering = result["interfering"]
    found = (
        "; ".join(f"{r['label']}: {r['why']}" for _, r in interfering.iterrows())
        if len(interfering)
        else "none"
    )
    statistic = (
        f"{primary['label']}, concurrent vs strength alone: {primary['why']} "
        f"({'shows' if primary['shows_interference'] else 'no'} interference); "
        f"other published hypertrophy evidence showing interference: {found}"
    )
    caveat = (
        "the meta-analyses share primary studies and are shown side by side, never pooled; the "
        "project did not re-analyse primary data (abstract-level numbers only); the syntheses "
        "compare adding aerobic work to strength training, not mileage doses, and none reports "
        "a threshold ('past some point'): Schumann found no frequency effect (> 5 vs < 5 "
        "sessions a week), Wilson's frequency/duration correlations could not be confirmed here"
    )
    return pd.DataFrame(
        [
            verdict_row(
                6,
                result["verdict"],
                statistic,
                caveat,
                NAME,
                "interference, estimates, moderators",
                grade="published",
            )
        ]
    )


def figures(results: Results | None = None, *, table: pd.DataFrame | None = None) -> FigureSet:
    """The figures of this analysis by file stem, each drawn when first read
    (:class:`~analysis.engine.figureset.FigureSet`), from ``table`` (default the targets
    table)."""
    from ..engine import plots

    est = estimates(table)
    smd = est[est["metric"].str.startswith("SMD")]
    not_drawn = (
        "Not drawn: Wilson 2012 (within-group effect sizes, not a contrast with strength "
        "alone);\nrunning vs cycling subgroup SMDs (not confirmed in the abstracts here). "
        "Nothing is pooled across meta-analyses."
    )
    return plots.FigureSet(
        NAME, {f"{NAME}_forest": partial(plots.meta_estimates, smd, note=not_drawn)}
    )
