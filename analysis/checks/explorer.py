"""Assumption explorers: sliders that move an assumed number and rerun the exact replication.

Notebooks 01 and 02 show their claims' verdicts at the default assumptions; an explorer lets a
reader move the assumptions the verdicts rest on (notebook 04's maps, :data:`MAP_PAIRS`) and
watch the verdicts, the deciding p-values and a figure follow:

* HIIT study (``estes2017``): the controls' assumed % change in CSA (mean and SD) and the
  reading of the abstract's "±" (SEM or SD); claims 1 and 2.
* running study (``ryu2016``): the 10 km CK fold change after the race and the within-runner
  correlation of CK before and after it; claims 3 and 4 and the 10 km CK decision.

Each setting is an *exact* replication (``replicate(seed)``'s dataset), decided by the array
engine (:func:`analysis.checks.sensitivity.exact_grid`, a few milliseconds a setting with
the studies' ``simulate_arrays``, where ``replicate`` and ``claim_verdicts`` take seconds),
so the verdict an explorer shows is the one ``claim_verdicts(replicate(seed, **setting))``
gives (``tests/test_explorer.py`` checks it).
Beside it, the probability that a study of the published size reproduces the claim under the
setting: the :data:`~analysis.studies.base.PROBABILITY_REPS` population draws that
``claim_verdicts`` makes, with the same seed, so the two agree exactly.

:func:`explore` is the pure function underneath; :func:`assumption_explorer` is what a notebook
shows: ipywidgets sliders in JupyterLab, and a precomputed static grid of outcomes with a
figure where no widget can work (``ANALYSIS_STATIC_WIDGETS=1``, as ``make reproduce`` and
``make test`` set, or without ipywidgets or a kernel): an offline HTML page cannot run Python.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..engine import display
from ..errors import InputError
from ..studies.base import PROBABILITY_REPS, Probability, probability_seed
from .power import counting_options
from .sensitivity import _batch_options, exact_grid, map_pairs

__all__ = [
    "EXPLORERS",
    "ExplorerSpec",
    "Outcome",
    "StaticExplorer",
    "assumption_explorer",
    "curve",
    "explore",
    "explore_grid",
    "explorer_figure",
    "outcome_html",
    "read_assumptions",
    "slider_range",
    "static_grid",
]

# notebook front ends right-align table cells; these hold sentences
LEFT = 'style="text-align:left"'
STATIC_WIDGETS = "ANALYSIS_STATIC_WIDGETS"  # as analysis.engine.hrr.zone_explorer reads it
ALPHA = 0.05


@dataclass(frozen=True)
class Outcome:
    """One line of an explorer's table: an article claim or one scorecard decision.

    ``claim`` names an article claim (``exact_grid``'s ``claim_<c>``) or ``decision`` a
    scorecard row (``decision_<id>``, held when its value meets the row's relation).
    ``deciding`` lists the ``exact_grid`` columns whose largest value is the deciding p shown
    (claim 2 holds only if both of its tests do, so the weaker one decides). ``verdicts`` is
    the verdict when the outcome is reproduced and when it is not: the rule of
    :mod:`analysis.studies.verdicts`; for a claim decided by the paper's own tests or resting
    on assumptions both are the same (the verdict does not move; the data's agreement does).
    """

    key: str
    statement: str
    deciding: tuple[str, ...]
    deciding_label: str
    verdicts: tuple[str, str]
    claim: int | None = None
    decision: str | None = None


@dataclass(frozen=True)
class ExplorerSpec:
    """What an explorer of one study moves and shows.

    ``x`` is the slider the figure's horizontal axis follows, ``y`` the second slider (an
    assumption id or ``"dispersion"``, the reading of "±"); ``static_x`` and ``static_y`` the
    values of the static grid shown where sliders cannot work.
    """

    study: str
    x: str
    x_label: str
    y: str
    y_label: str
    outcomes: tuple[Outcome, ...]
    static_x: tuple[float, ...]
    static_y: tuple[Any, ...]
    curve_points: int = 7  # plus the static grid's values: about 12 points a line


EXPLORERS: dict[str, ExplorerSpec] = {
    "estes2017": ExplorerSpec(
        study="estes2017",
        x="control_csa_pct_change_mean",
        x_label="controls' assumed change in CSA (%)",
        y="control_csa_pct_change_sd",
        y_label="its SD (%)",
        outcomes=(
            Outcome(
                "claim 1",
                "HIIT grew VL CSA, the controls did not",
                ("csa_interaction_p",),
                "group × time interaction p",
                ("supported", "not supported"),
                claim=1,
            ),
            Outcome(
                "claim 2",
                "VO2max rose 5-6 %",
                ("decision_hiit_vo2max_rel_p", "decision_hiit_vo2max_abs_p"),
                "larger p of the two VO2max one-sample t-tests",
                ("partly supported", "not supported"),
                claim=2,
            ),
        ),
        # the documented ends, the default, between it and the flip of claim 1 in the
        # example dataset (about 0.6 % under SEM) and past the range (where SD flips it)
        static_x=(-3.7, 0.0, 1.5, 3.7, 6.0),
        static_y=(3.0,),
    ),
    "ryu2016": ExplorerSpec(
        study="ryu2016",
        x="ck_fold_post_10km",
        x_label="10 km CK fold change after the race (× pre)",
        y="ck_corr_pre_post",
        y_label="within-runner correlation of CK, pre-post",
        outcomes=(
            Outcome(
                "claim 3",
                "longer races, more damage (every statement of the paper)",
                ("decision_ck_post_gt_pre_10km",),
                "CK rose after 10 km, Holm p",
                ("supported", "supported"),  # the paper's own tests decide it
                claim=3,
            ),
            Outcome(
                "claim 4",
                "damage persists to day 3 (the article's statement)",
                ("decision_ck_day3_gt_pre_10km",),
                "CK above pre on day 3 after 10 km, Holm p",
                ("rests on assumptions", "rests on assumptions"),
                claim=4,
            ),
            Outcome(
                "10 km CK",
                "CK rose after the 10 km race",
                ("decision_ck_post_gt_pre_10km",),
                "Holm p",
                ("holds", "does not hold"),
                decision="ck_post_gt_pre_10km",
            ),
        ),
        # the slider's low end (no rise), the documented ends and default, between them
        static_x=(1.0, 1.225, 1.5, 1.875, 2.25),
        static_y=(0.5, 0.75, 0.9),
    ),
}
# estes2017's static grid also shows both readings of "±" (its y slider stays at the default)
READINGS = ("sem", "sd")


def _spec(study: ModuleType | str) -> ExplorerSpec:
    name = study if isinstance(study, str) else getattr(study, "NAME", "")
    if name not in EXPLORERS:
        raise InputError(
            f"no assumption explorer for {name!r}; explorers exist for {', '.join(EXPLORERS)}."
        )
    return EXPLORERS[name]


def _study(study: ModuleType | str) -> ModuleType:
    from ..studies import get_simulated_study

    return get_simulated_study(study) if isinstance(study, str) else study


def _reads_dispersion(study: ModuleType) -> bool:
    """Whether the study prints a "±" whose reading matters (its ``SENSITIVITY_GRID`` moves it)."""
    return "dispersion" in getattr(study, "SENSITIVITY_GRID", {})


def slider_range(study: ModuleType | str, assumption: str) -> tuple[float, float]:
    """The values a slider covers: the assumption's documented range (``low``..``high`` of
    the targets table) joined with notebook 04's map grid, which goes past it to where the
    verdict flips (:data:`~analysis.checks.sensitivity.MAP_PAIRS`).

    Examples
    --------
    >>> slider_range("estes2017", "control_csa_pct_change_mean")
    (-4.0, 8.0)
    >>> slider_range("ryu2016", "ck_fold_post_10km")
    (1.0, 2.44)
    """
    study = _study(study)
    row = study.targets().ranges().set_index("id").loc[assumption]
    low, high = float(row["low"]), float(row["high"])
    for spec in map_pairs(study):
        for axis, values in ((spec.x, spec.x_values), (spec.y, spec.y_values)):
            if axis == assumption:
                low, high = min(low, min(values)), max(high, max(values))
    return low, high


def read_assumptions(study: ModuleType | str, assumptions: Mapping[str, Any] | str | None):
    """A notebook's ``assumptions`` parameter as checked keywords: id -> float.

    papermill's ``-p assumptions '{"control_csa_pct_change_mean": 3}'`` passes text (``-y``
    and the Python API pass a mapping), so JSON text is read too. Every id must be an
    ``assumed`` row of ``data/published/<study>.csv`` with a value it allows (the study's
    ``targets(**assumptions)`` checks them and names the ones there are).

    Examples
    --------
    >>> read_assumptions("estes2017", '{"control_csa_pct_change_mean": 3}')
    {'control_csa_pct_change_mean': 3.0}
    >>> read_assumptions("estes2017", None)
    {}
    >>> read_assumptions("estes2017", {"hiit_n": 20})
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: 'hiit_n' is a published number of estes2017, not an assumption; edit data/published/estes2017.csv if the published value is wrong.
    """
    import json

    study = _study(study)
    if assumptions is None:
        return {}
    if isinstance(assumptions, str):
        try:
            assumptions = json.loads(assumptions) if assumptions.strip() else {}
        except json.JSONDecodeError as exc:
            raise InputError(
                f"assumptions must be a mapping of assumed ids to numbers, e.g. "
                f'{{"control_csa_pct_change_mean": 3}}; could not read {assumptions!r}: {exc}'
            ) from None
    if not isinstance(assumptions, Mapping):
        raise InputError(
            f"assumptions must be a mapping of assumed ids to numbers, got {assumptions!r}"
        )
    study.targets(**assumptions)  # raises InputError naming what is wrong
    return {str(k): float(v) for k, v in assumptions.items()}


# --- the pure functions -------------------------------------------------------------------------


def _probabilities(study: ModuleType, setting: Mapping[str, Any], seed: int, outcomes) -> dict:
    """The probability that a study of the published size reproduces each outcome, from the
    population draws ``claim_verdicts`` makes (same count, same seed: the same numbers)."""
    batch = study.simulate_batch(
        PROBABILITY_REPS, probability_seed(seed), **_batch_options(study, setting)
    )
    # only whether each decision holds is read: the counting mode gives that for less work
    decisions = study.decide_batch(batch, **counting_options(study.decide_batch))
    claims = study.claims_batch(batch, decisions)
    column = {c: j for j, c in enumerate(decisions.claim_ids)}
    with np.errstate(invalid="ignore"):  # a NaN decision does not hold
        holds = decisions.holds
    found = {}
    for outcome in outcomes:
        if outcome.claim is not None:
            found[outcome.key] = Probability.of(np.asarray(claims[outcome.claim], dtype=bool))
        else:
            found[outcome.key] = Probability.of(holds[:, column[outcome.decision]])
    return found


def _decision_holds(study: ModuleType, decision: str, value: float) -> bool:
    row = study.targets().row(decision)
    if not math.isfinite(value):
        return False
    return value < float(row["value"]) if row["relation"] == "<" else value > float(row["value"])


# (study, targets table, seed, setting) -> the exact_grid row of that replication: the
# static grid, the curves and a slider moved back share their replications
_EXACT: dict[tuple, pd.Series] = {}
_EXACT_KEPT = 512


def _exact_rows(study: ModuleType, settings: list[dict], seed: int) -> list[pd.Series]:
    """:func:`~analysis.checks.sensitivity.exact_grid`'s row for each setting, computing only
    the settings not made before (an exact replication is fixed by its seed and setting)."""
    # the parsed targets table is in the key: an edited targets file makes new replications
    table = id(study.targets().table)
    keys = [(study.NAME, table, seed, tuple(sorted(s.items()))) for s in settings]
    missing = list(dict.fromkeys(k for k in keys if k not in _EXACT))
    if missing:
        made = exact_grid(study, [dict(k[3]) for k in missing], seed)
        for key, (_, row) in zip(missing, made.iterrows(), strict=True):
            if len(_EXACT) >= _EXACT_KEPT:
                _EXACT.pop(next(iter(_EXACT)))
            _EXACT[key] = row
    return [_EXACT[k] for k in keys]


def explore_grid(
    study: ModuleType | str,
    settings: Sequence[Mapping[str, Any]],
    seed: int = 0,
    *,
    probability: bool = True,
) -> pd.DataFrame:
    """:func:`explore` for many settings at once (one :func:`exact_grid` call).

    Returns one row per setting × outcome: the setting's columns, then those of
    :func:`explore`, and ``setting`` (the index of the setting in ``settings``).
    """
    study = _study(study)
    spec = _spec(study)
    settings = [dict(s) for s in settings]
    grid = _exact_rows(study, settings, seed)
    columns = list(dict.fromkeys(k for s in settings for k in s))
    rows = []
    for i, setting in enumerate(settings):
        numbers = grid[i]
        chances = _probabilities(study, setting, seed, spec.outcomes) if probability else {}
        for outcome in spec.outcomes:
            p = max(float(numbers[c]) for c in outcome.deciding)
            if outcome.claim is not None:
                reproduced = bool(numbers[f"claim_{outcome.claim}"])
            else:
                value = float(numbers[f"decision_{outcome.decision}"])
                reproduced = _decision_holds(study, outcome.decision, value)
            verdict = outcome.verdicts[0] if reproduced else outcome.verdicts[1]
            if outcome.verdicts[0] != outcome.verdicts[1] and not math.isfinite(p):
                verdict = "not testable"
            chance = chances.get(outcome.key)
            rows.append(
                {
                    "setting": i,
                    **{k: setting.get(k) for k in columns},
                    "study": study.NAME,
                    "outcome": outcome.key,
                    "statement": outcome.statement,
                    "verdict": verdict,
                    "reproduced": reproduced,
                    "deciding": outcome.deciding_label,
                    "p": p,
                    "probability": chance.share if chance else math.nan,
                    "probability_low": chance.low if chance else math.nan,
                    "probability_high": chance.high if chance else math.nan,
                }
            )
    table = pd.DataFrame(rows)
    table.attrs.update(study=study.NAME, seed=seed)
    return table


def explore(study: ModuleType | str, seed: int = 0, **setting: Any) -> pd.DataFrame:
    """The claims' verdicts of one exact replication of ``study`` under ``setting``.

    Parameters
    ----------
    study : module or str
        ``estes2017`` or ``ryu2016`` (:data:`EXPLORERS`).
    seed : int
        The replication's seed (``replicate(seed)``); also seeds the probability draws.
    **setting
        Assumed-row ids of ``data/published/<study>.csv`` and ``dispersion`` (``"sem"`` or
        ``"sd"``); the others stay at their defaults.

    Returns
    -------
    pandas.DataFrame
        One row per outcome of the study's explorer (its claims, and ryu2016's 10 km CK
        decision): ``outcome``, ``statement``, ``verdict`` (what ``claim_verdicts`` says for
        this setting), ``reproduced`` (does the exact dataset reproduce it), ``deciding``
        (what the p is) and ``p``, and ``probability`` with its 95 % Wilson interval
        (``probability_low``, ``probability_high``): the share of population draws of the
        published size that reproduce it. ``attrs`` holds ``study``, ``seed`` and ``setting``.

    Examples
    --------
    >>> table = explore("estes2017", control_csa_pct_change_mean=4.0)
    >>> table[["outcome", "verdict", "reproduced"]].to_dict("records")
    [{'outcome': 'claim 1', 'verdict': 'not supported', 'reproduced': False}, {'outcome': 'claim 2', 'verdict': 'partly supported', 'reproduced': True}]
    >>> round(float(table["p"].iloc[0]), 3)
    0.247
    """
    table = explore_grid(study, [setting], seed).drop(columns="setting")
    table = table.drop(columns=list(setting))
    table.attrs.update(setting=dict(setting))
    return table


def _static_settings(spec: ExplorerSpec, study: ModuleType, fixed: Mapping[str, Any]) -> list:
    """The static grid's settings: ``static_x`` × the readings of "±" (a study that prints
    one) or × ``static_y``."""
    second = ("dispersion", READINGS) if _reads_dispersion(study) else (spec.y, spec.static_y)
    # a starting value given to the explorer (a notebook's ``assumptions``) joins the grid
    xs = sorted({*spec.static_x, *([float(fixed[spec.x])] if spec.x in fixed else [])})
    ys = second[1]
    if second[0] == spec.y and spec.y in fixed:
        ys = tuple(sorted({*ys, float(fixed[spec.y])}))
    fixed = {k: v for k, v in fixed.items() if k not in (spec.x, second[0])}
    return [{**fixed, second[0]: y, spec.x: x} for y in ys for x in xs]


def static_grid(study: ModuleType | str, seed: int = 0, **fixed: Any) -> pd.DataFrame:
    """The outcomes a reader would see at a few slider positions: the static explorer.

    ``static_x`` of the study's :class:`ExplorerSpec` crossed with the two readings of "±"
    (estes2017) or with ``static_y`` (ryu2016); ``fixed`` holds the other assumptions.

    Returns
    -------
    pandas.DataFrame
        One row per setting and outcome, the columns of :func:`explore_grid`.

    Examples
    --------
    >>> grid = static_grid("estes2017")
    >>> claim1 = grid[grid["outcome"] == "claim 1"]
    >>> claim1.groupby("dispersion")["verdict"].agg(list).to_dict()["sem"]
    ['supported', 'supported', 'not supported', 'not supported', 'not supported']
    """
    study = _study(study)
    return explore_grid(study, _static_settings(_spec(study), study, fixed), seed)


@functools.lru_cache(maxsize=64)
def _curve_cached(name: str, seed: int, fixed: tuple) -> pd.DataFrame:
    study = _study(name)
    spec = _spec(study)
    low, high = slider_range(study, spec.x)
    values = sorted({*np.round(np.linspace(low, high, spec.curve_points), 6), *spec.static_x})
    settings = [{**dict(fixed), spec.x: float(v)} for v in values]
    return explore_grid(study, settings, seed, probability=False)


def curve(study: ModuleType | str, seed: int = 0, **fixed: Any) -> pd.DataFrame:
    """Each outcome's deciding p along the ``x`` slider's whole range, the other settings at
    ``fixed``: what :func:`explorer_figure` draws (no probabilities: exact replications only).

    Examples
    --------
    >>> line = curve("estes2017")
    >>> line = line[line["outcome"] == "claim 1"]
    >>> bool(line["p"].is_monotonic_increasing)  # a larger control change, a weaker claim
    True
    """
    study = _study(study)
    spec = _spec(study)
    fixed = {k: v for k, v in fixed.items() if k != spec.x}
    return _curve_cached(study.NAME, int(seed), tuple(sorted(fixed.items()))).copy()


# --- what a notebook shows ----------------------------------------------------------------------


def _p_text(p: float) -> str:
    """``0.037``, ``< 0.001`` (as every table shows p: :func:`display.format_p`) or ``–``
    (not computable)."""
    return display.format_p(p) or "–"


def _setting_text(spec: ExplorerSpec, setting: Mapping[str, Any]) -> str:
    parts = []
    for key, value in setting.items():
        if key == "dispersion":
            parts.append(f'"±" read as {str(value).upper()}')
        elif key == spec.x:
            parts.append(f"{spec.x_label} = {value:g}")
        elif key == spec.y:
            parts.append(f"{spec.y_label} = {value:g}")
        else:
            parts.append(f"{key} = {value:g}" if isinstance(value, float) else f"{key} = {value}")
    return "; ".join(parts)


def outcome_html(table: pd.DataFrame) -> str:
    """:func:`explore`'s table as a small readable HTML table (one row per outcome)."""
    head = (
        "<tr><th>outcome</th><th>verdict</th><th>reproduced in this dataset</th>"
        "<th>deciding p</th><th>probability a study of this size reproduces it [95 % CI]"
        "</th></tr>"
    )
    body = "".join(
        f"<tr><td><b>{r.outcome}</b>: {r.statement}</td><td>{r.verdict}</td>"
        f"<td>{'yes' if r.reproduced else 'no'}</td>"
        f"<td>{_p_text(r.p)} <small>({r.deciding})</small></td>"
        f"<td>{r.probability:.2f} [{r.probability_low:.2f}, {r.probability_high:.2f}]</td></tr>"
        for r in table.itertuples()
    )
    return _left(f'<div style="overflow-x:auto"><table>{head}{body}</table></div>')


def _left(html: str) -> str:
    """Every cell of ``html`` left-aligned: they hold sentences (front ends right-align)."""
    return html.replace("<td>", f"<td {LEFT}>").replace("<th>", f"<th {LEFT}>")


def _p_is(p: float) -> str:
    """``p = 0.037``, ``p < 0.001`` or ``p not computable``."""
    shown = _p_text(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def _grid_html(spec: ExplorerSpec, grid: pd.DataFrame, current: Mapping[str, Any]) -> str:
    """The static grid as HTML: one row per setting, one cell per outcome; the row of the
    ``current`` setting (the notebook's parameters, defaults filled in) in bold."""
    second = "dispersion" if "dispersion" in grid.columns else spec.y
    second_label = 'reading of "±"' if second == "dispersion" else spec.y_label
    statements = dict(zip(grid["outcome"], grid["statement"], strict=False))
    head = f"<tr><th>{second_label}</th><th>{spec.x_label}</th>" + "".join(
        f"<th>{key}: {statement}</th>" for key, statement in statements.items()
    )
    rows = []
    for _, part in grid.groupby("setting", sort=True):
        first = part.iloc[0]
        shown = str(first[second]).upper() if second == "dispersion" else f"{first[second]:g}"
        cells = "".join(
            f"<td>{r.verdict}<br><small>{'reproduced' if r.reproduced else 'not reproduced'}"
            f"; {_p_is(r.p)}; probability {r.probability:.2f}</small></td>"
            for r in part.itertuples()
        )
        own = first[spec.x] == current.get(spec.x) and first[second] == current.get(second)
        style = ' style="font-weight:bold"' if own else ""
        rows.append(f"<tr{style}><td>{shown}</td><td>{first[spec.x]:g}</td>{cells}</tr>")
    return _left(f'<div style="overflow-x:auto"><table>{head}</tr>{"".join(rows)}</table></div>')


def explorer_figure(study: ModuleType | str, lines: Mapping[str, pd.DataFrame], at=None):
    """The deciding p of each outcome along the ``x`` slider: one line per outcome and per
    entry of ``lines`` (label -> :func:`curve` table), the 0.05 threshold dashed and, if
    ``at`` is a value of ``x``, a vertical line there. Log axis with plain-number ticks."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    spec = _spec(study)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    colours = sns.color_palette("colorblind")
    styles = ("-", "--", ":", "-.")
    # one colour per deciding number (ryu2016's claim 3 and its 10 km CK decision share one)
    numbers = {}
    for outcome in spec.outcomes:
        numbers.setdefault(outcome.deciding, outcome)
    by_number = {
        deciding: ", ".join(o.key for o in spec.outcomes if o.deciding == deciding)
        for deciding in numbers
    }
    for j, table in enumerate(lines.values()):
        for k, (deciding, outcome) in enumerate(numbers.items()):
            part = table[table["outcome"] == outcome.key]
            ax.plot(
                part[spec.x],
                part["p"].clip(lower=1e-4),
                styles[j % len(styles)],
                color=colours[k],
                marker="o",
                markersize=3,
                label=f"{by_number[deciding]}: {outcome.deciding_label}" if j == 0 else None,
            )
    handles, _ = ax.get_legend_handles_labels()
    handles += [  # the line styles: which setting of the other control each line is drawn at
        plt.Line2D([], [], color="0.3", linestyle=styles[j % len(styles)], label=label)
        for j, label in enumerate(lines)
        if label
    ]
    # below the axes, so no legend or note sits on the data; 0.05 is a labelled tick
    fig.legend(handles=handles, loc="outside lower center", fontsize=7, frameon=False)
    ax.axhline(ALPHA, color="0.4", linestyle=(0, (4, 3)), linewidth=1)
    if at is not None:
        ax.axvline(at, color="0.2", linewidth=1)
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1.5)
    ticks = [1e-4, 1e-3, 1e-2, 0.05, 0.1, 1.0]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v >= 1e-3 else "≤ 0.0001"))
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel("deciding p (exact replication)")
    return fig


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    from ..engine.figureset import no_idle_layout_engine

    buffer = io.BytesIO()
    with no_idle_layout_engine(fig):  # one draw, not two: the same bytes
        fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class StaticExplorer:
    """The explorer where sliders cannot work: its static grid, figure and an explanation.

    A notebook shows it as HTML (``_repr_html_``); ``grid`` is :func:`static_grid`'s table,
    ``setting`` what the explorer was given (the notebook's parameters).
    """

    study: str
    notebook: str
    grid: pd.DataFrame
    figure_png: str
    setting: dict

    def _repr_html_(self) -> str:
        spec = _spec(self.study)
        seed = self.grid.attrs.get("seed", 0)
        second = "dispersion" if "dispersion" in self.grid.columns else spec.y
        others = {k: v for k, v in self.setting.items() if k not in (spec.x, second)}
        t = _study(self.study).targets(**others)
        current = {  # the notebook's setting, the defaults where it sets none
            key: self.setting.get(key, "sem" if key == "dispersion" else t.value(key))
            for key in (spec.x, second)
        }
        return (
            "<div class='assumption-explorer static'>"
            "<p><b>Static version of the assumption explorer.</b> This copy cannot run Python, "
            "so instead of sliders it shows the outcomes precomputed at a few settings: exact "
            f"replications with seed {seed}, other assumptions "
            f"{_setting_text(spec, others) or 'at their defaults'}. Each cell gives the "
            "verdict, whether this dataset reproduces the claim, the deciding p and the "
            f"probability that a study of the published size reproduces it ({PROBABILITY_REPS:,} "
            "simulated studies). The row in bold is this notebook's own setting (its parameters "
            "cell). To move the sliders, open "
            f"<code>notebooks/{self.notebook}.ipynb</code> in JupyterLab (<code>make venv</code>,"
            " then <code>.venv/bin/jupyter lab notebooks/</code>) and run it.</p>"
            f"{_grid_html(spec, self.grid, current)}"
            f"<img alt='deciding p along {spec.x_label}' style='max-width:100%' "
            f"src='data:image/png;base64,{self.figure_png}'/>"
            "<p><small>Figure: each outcome's deciding p in the exact replication along "
            f"{spec.x_label}; below the dashed line (p = 0.05) it is reproduced in that "
            "dataset; p below 0.0001 is drawn at 0.0001.</small></p></div>"
        )

    def __repr__(self) -> str:
        return (
            f"StaticExplorer({self.study}: {self.grid['setting'].nunique()} settings; "
            "open the notebook in JupyterLab to move the sliders)"
        )


def _widgets_available() -> bool:
    """Whether a live widget can work: not a headless run, ipywidgets present, in a kernel."""
    if os.environ.get(STATIC_WIDGETS) == "1":
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _static(study: ModuleType, seed: int, setting: Mapping[str, Any]) -> StaticExplorer:
    spec = _spec(study)
    grid = static_grid(study, seed, **setting)
    second = "dispersion" if _reads_dispersion(study) else spec.y
    values = list(dict.fromkeys(grid[second]))  # one curve per value of the grid's rows
    fixed = {k: v for k, v in setting.items() if k not in (spec.x, second)}
    lines = {
        (f'"±" as {v.upper()}' if second == "dispersion" else f"{spec.y_label} {v:g}"): curve(
            study, seed, **{**fixed, second: v}
        )
        for v in values
    }
    return StaticExplorer(
        study.NAME,
        study.NOTEBOOK,
        grid,
        _png(explorer_figure(study, lines)),
        dict(setting),
    )


def _live(study: ModuleType, seed: int, setting: Mapping[str, Any]):
    import ipywidgets as widgets
    from IPython.display import HTML, display

    spec = _spec(study)
    t = study.targets()
    controls = {}
    for key, label in ((spec.x, spec.x_label), (spec.y, spec.y_label)):
        low, high = slider_range(study, key)
        start = float(setting.get(key, t.value(key)))
        controls[key] = widgets.FloatSlider(
            value=min(max(start, low), high),
            min=low,
            max=high,
            step=0.01 if high - low < 3 else 0.1,
            description=label,
            continuous_update=False,  # each position is a replication: rerun on release
            style={"description_width": "initial"},
            layout=widgets.Layout(width="95%"),
        )
    if _reads_dispersion(study):
        controls["dispersion"] = widgets.Dropdown(
            options=[("SEM", "sem"), ("SD", "sd")],
            value=setting.get("dispersion", "sem"),
            description='"±" read as',
            style={"description_width": "initial"},
        )
    fixed = {k: v for k, v in setting.items() if k not in controls}
    table_out, figure_out = widgets.Output(), widgets.Output()

    def update(**moved):
        current = {**fixed, **moved}
        table = explore(study, seed, **current)
        line = curve(study, seed, **current)
        with table_out:
            table_out.clear_output(wait=True)
            display(HTML(outcome_html(table)))
        with figure_out:
            figure_out.clear_output(wait=True)
            fig = explorer_figure(study, {"": line}, at=moved[spec.x])
            display(fig)
            import matplotlib.pyplot as plt

            plt.close(fig)

    widgets.interactive_output(update, controls)
    intro = widgets.HTML(
        f"<p>Exact replication (seed {seed}) under the settings below; moving a control "
        "reruns it (about a second; the figure's curve is recomputed when a control other "
        f"than {spec.x_label} moves). Fixed: {_setting_text(spec, fixed) or 'the defaults'}.</p>"
    )
    return widgets.VBox([intro, *controls.values(), table_out, figure_out])


def assumption_explorer(study: ModuleType | str, seed: int = 0, **setting: Any):
    """Sliders for the assumptions a study's verdicts rest on, or their static equivalent.

    In JupyterLab (a kernel with ipywidgets) it returns an ipywidgets box: sliders for the
    study's two assumptions (:data:`EXPLORERS`, over :func:`slider_range`) and, for
    estes2017, a dropdown for the reading of "±"; each change reruns the exact replication
    (:func:`explore`) and redraws the outcomes' table and the figure. Headless
    (``ANALYSIS_STATIC_WIDGETS=1``, set by ``make reproduce`` and ``make test``), without
    ipywidgets or outside a kernel it returns a :class:`StaticExplorer`: the grid of
    outcomes at a few settings (:func:`static_grid`), the figure along the first slider, and
    a sentence saying it is the static version and how to move the sliders. A widget would
    be empty in the offline HTML (it needs a CDN and a kernel) and its comm traffic has hung
    headless kernels (nbclient issue 312).

    ``setting`` gives the sliders' starting values and fixes every other assumption
    (``dispersion`` and assumed-row ids of ``data/published/<study>.csv``).
    """
    study = _study(study)
    _spec(study)
    if not _reads_dispersion(study):
        setting = {k: v for k, v in setting.items() if k != "dispersion"}
    if _widgets_available():
        return _live(study, int(seed), setting)
    return _static(study, int(seed), setting)
