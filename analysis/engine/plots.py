"""Figures (matplotlib + seaborn). Each function returns its ``Figure``; ``save`` writes files.

Figures are written as PNG and SVG with fixed metadata and a fixed SVG hash salt, so the same
data give byte-identical SVG files. Every colour comes from seaborn's colour-blind-safe
``"colorblind"`` palette (heatmaps use ``viridis`` or the diverging ``RdBu``), log axes are
labelled with plain numbers (100, 200, 500, not 10²), and every error bar says what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.lines import Line2D

from .figureset import FigureSet, no_idle_layout_engine, render

matplotlib.rcParams["svg.hashsalt"] = "running-replication"
matplotlib.rcParams["svg.fonttype"] = "path"

#: seaborn's colour-blind-safe palette (the Okabe-Ito hues), by name
COLOURBLIND = dict(
    zip(
        ("blue", "orange", "green", "vermilion", "pink", "brown", "rose", "grey", "yellow", "sky"),
        sns.color_palette("colorblind").as_hex(),
        strict=True,
    )
)
PALETTE = {
    "HIIT": COLOURBLIND["vermilion"],
    "control": COLOURBLIND["grey"],
    "10km": COLOURBLIND["sky"],
    "21km": COLOURBLIND["blue"],
    "42km": COLOURBLIND["vermilion"],
}
# a second cue besides colour, for readers who cannot tell the hues apart (or print in grey)
MARKERS = {"10km": "o", "21km": "s", "42km": "^"}
SUBJECT_LINE = {"color": "0.6", "alpha": 0.6, "linewidth": 0.9}
NOTE_SIZE = 8  # legends, notes and annotations: no smaller, to stay readable at report width
SE_NOTE = "Error bars: ± 1 standard error (SE) of the mean."
GEOMETRIC_SE_NOTE = (
    "Log axes: geometric mean exp(m); bars from exp(m − SE) to exp(m + SE), where m is the "
    "mean and SE the standard error of the log values (so the bars are uneven)."
)


def _sem(values: pd.Series) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.count())) if values.count() > 1 else 0.0


def plain_number(value: float, position: object = None) -> str:
    """A tick label as a plain number: ``200``, ``1,000``, ``0.05`` (never ``2×10²``).

    Examples
    --------
    >>> [plain_number(v) for v in (200.0, 1000.0, 0.05, 1.5, 0.0001, 12345.0)]
    ['200', '1,000', '0.05', '1.5', '0.0001', '12,345']
    """
    if not np.isfinite(value) or value <= 0:
        return ""
    rounded = float(f"{value:.6g}")  # drops float noise (0.30000000000000004)
    if rounded >= 1000 and rounded.is_integer():
        return f"{rounded:,.0f}"
    return np.format_float_positional(rounded, trim="-")


class ReadableLogLocator(ticker.Locator):
    """Major ticks of a log axis at round numbers: decades, 1-2-5 steps or finer ones,
    whichever first puts at least three ticks in view (a log axis spanning less than a
    decade would otherwise show one tick, or none).

    Examples
    --------
    >>> [plain_number(t) for t in ReadableLogLocator().tick_values(90, 1100)]
    ['100', '200', '500', '1,000']
    >>> [plain_number(t) for t in ReadableLogLocator().tick_values(140, 330)]
    ['150', '200', '300']
    """

    STEPS = (
        (1.0,),
        (1.0, 2.0, 5.0),
        (1.0, 2.0, 3.0, 5.0),
        (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0),
        (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
    )
    MAX_DECADES = 8

    def __call__(self):
        return self.tick_values(*self.axis.get_view_interval())

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        vmin, vmax = sorted((float(vmin), float(vmax)))
        if not np.isfinite(vmax) or vmax <= 0:
            return np.array([])
        vmin = vmin if vmin > 0 else vmax / 10
        first, last = int(np.floor(np.log10(vmin))), int(np.ceil(np.log10(vmax)))
        ticks = np.array([])
        for steps in self.STEPS:
            # built from decimal strings, so 0.1 * 3 is 0.3 and not 0.30000000000000004
            candidates = [float(f"{m}e{e}") for e in range(first, last + 1) for m in steps]
            ticks = np.array([t for t in candidates if vmin <= t <= vmax])
            if len(ticks) > self.MAX_DECADES:  # many decades: every n-th one
                ticks = ticks[:: int(np.ceil(len(ticks) / self.MAX_DECADES))]
            if len(ticks) >= 3:
                break
        return ticks


def plain_log_axis(axis) -> None:
    """Label a log ``axis`` (``ax.xaxis`` or ``ax.yaxis``) with plain numbers at round values.

    Call it after ``set_xscale("log")``/``set_yscale("log")``, which reset the tick locators.
    Minor ticks stay as marks without labels (matplotlib labels them ``6×10²`` by default).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [120, 900]); ax.set_yscale("log"); plain_log_axis(ax.yaxis)
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    ['200', '300', '500']
    >>> close(fig)
    """
    axis.set_major_locator(ReadableLogLocator())
    axis.set_major_formatter(ticker.FuncFormatter(plain_number))
    axis.set_minor_formatter(ticker.NullFormatter())


def pretty_study_label(study_id: str) -> str:
    """A readable name for a study id: ``harber2012_young`` -> ``Harber 2012 (young)``.

    Ids that do not look like ``<author><year>[_<cohort>]`` are returned with underscores
    as spaces.

    Examples
    --------
    >>> pretty_study_label("harber2012_young"), pretty_study_label("estes2017")
    ('Harber 2012 (young)', 'Estes 2017')
    >>> pretty_study_label("abe_2010_assumed")
    'abe 2010 assumed'
    """
    match = re.fullmatch(r"([a-z]+)(\d{4})(?:_(.+))?", str(study_id))
    if not match:
        return str(study_id).replace("_", " ")
    author, year, cohort = match.groups()
    cohort = f" ({cohort.replace('_', ' ')})" if cohort else ""
    return f"{author.capitalize()} {year}{cohort}"


def _margin_column(ax, x: float, ys, texts, header: str, *, header_y: float, gid: str) -> None:
    """Text in a column right of the axes (``x`` in axes fractions, ``ys`` in data units):
    annotations there can neither hide data nor cross a reference line."""
    where = ax.get_yaxis_transform()  # x in axes fractions, y in data
    for y_value, text in zip(ys, texts, strict=True):
        ax.text(
            x,
            y_value,
            text,
            transform=where,
            ha="left",
            va="center",
            fontsize=NOTE_SIZE,
            clip_on=False,
            gid=gid,
        )
    ax.text(
        x,
        header_y,
        header,
        transform=where,
        ha="left",
        va="center",
        fontsize=NOTE_SIZE,
        fontweight="bold",
        clip_on=False,
        gid=f"{gid}_header",
    )


def prepost_lines(
    data: pd.DataFrame,
    dv: str,
    ylabel: str,
    *,
    groups: Sequence[str],
    times: Sequence[str] = ("pre", "post"),
    group: str = "group",
    subject: str = "subject",
    time: str = "time",
):
    """One panel per group: a grey line per subject, and the group mean ± SE in colour.

    Subject lines carry the gid ``"subject"`` and the mean's errorbar container the label
    ``"mean ± SE"``, so what a panel draws can be counted.
    """
    fig, axes = plt.subplots(
        1, len(groups), figsize=(3.2 * len(groups), 3.6), sharey=True, squeeze=False
    )
    x = np.arange(len(times))
    for ax, level in zip(axes[0], groups, strict=True):
        part = data[data[group] == level]
        wide = part.pivot(index=subject, columns=time, values=dv).reindex(columns=list(times))
        for _, values in wide.iterrows():
            ax.plot(x, values.to_numpy(), gid="subject", **SUBJECT_LINE)
        means = wide.mean()
        sems = wide.apply(_sem)
        ax.errorbar(
            x,
            means.to_numpy(),
            yerr=sems.to_numpy(),
            color=PALETTE.get(level, COLOURBLIND["blue"]),
            linewidth=2.5,
            marker="o",
            capsize=4,
            label="mean ± SE",
            zorder=3,
        )
        ax.set_xticks(x, list(times))
        ax.set_xlim(-0.3, len(times) - 0.7)
        ax.set_title(f"{level} (n = {len(wide)})")
        ax.set_xlabel("Time")
    axes[0][0].set_ylabel(ylabel)
    handles, _ = axes[0][0].get_legend_handles_labels()
    subject_handle = Line2D([], [], **SUBJECT_LINE)
    axes[0][0].legend(
        [subject_handle, *handles],
        ["each subject", "group mean ± 1 SE"],
        loc="lower right",
        frameon=False,
        fontsize=NOTE_SIZE,
    )
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "prepost_lines")


def change_distribution(change: pd.DataFrame, ylabel: str, *, groups: Sequence[str]):
    """Percent change per subject by group: box plot with every subject as a dot.

    What the box shows (median, quartiles, whiskers) is written under the axes (gid
    ``"legend_note"``).
    """
    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    palette = {g: PALETTE.get(g, COLOURBLIND["blue"]) for g in groups}
    common = {
        "data": change,
        "x": "group",
        "y": "pct_change",
        "order": list(groups),
        "hue": "group",
        "palette": palette,
        "ax": ax,
        "legend": False,
    }
    # saturation=1: seaborn would otherwise dull the palette's colours into unsafe ones
    sns.boxplot(**common, width=0.5, fliersize=0, saturation=1, boxprops={"alpha": 0.35})
    # swarmplot places points deterministically (a random jitter would change the SVG bytes)
    sns.swarmplot(**common, size=6)
    ax.axhline(0, color="0.3", linewidth=0.8, linestyle="--")
    ax.set_xlabel("Group")
    ax.set_ylabel(ylabel)
    fig.text(
        0.01,
        0.01,
        "Dots: subjects. Box: median and quartiles;\nwhiskers: furthest points within 1.5 × IQR.",
        fontsize=NOTE_SIZE,
        color="0.3",
        gid="legend_note",
    )
    sns.despine(fig)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return _label(fig, "change_distribution")


def change_means(
    change: pd.DataFrame, measures: Mapping[str, str], ylabel: str, *, groups: Sequence[str]
):
    """Mean ± SE percent change of several measures per group, over each subject's change.

    Subjects are small dots, spread sideways by rank (deterministic, unlike random jitter);
    group means are large markers with SE bars. The legend sits above the axes, clear of
    the data.
    """
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    width = 0.8 / len(groups)
    x = np.arange(len(measures))
    for i, level in enumerate(groups):
        part = change[change["group"] == level]
        colour = PALETTE.get(level, COLOURBLIND["blue"])
        centre = x + (i - (len(groups) - 1) / 2) * width
        for j, measure in enumerate(measures):
            values = part.loc[part["measure"] == measure, "pct_change"].sort_values()
            spread = np.linspace(-0.25, 0.25, len(values)) * width if len(values) > 1 else [0]
            ax.scatter(
                centre[j] + np.asarray(spread),
                values,
                s=12,
                color=colour,
                alpha=0.45,
                linewidths=0,
                label=f"{level}, each subject" if j == 0 else None,
            )
        means = [part.loc[part["measure"] == m, "pct_change"].mean() for m in measures]
        sems = [_sem(part.loc[part["measure"] == m, "pct_change"]) for m in measures]
        ax.errorbar(
            centre,
            means,
            yerr=sems,
            fmt="o",
            color=colour,
            markersize=8,
            capsize=5,
            linewidth=2,
            label=f"{level} mean ± SE",
        )
    ax.axhline(0, color="0.3", linewidth=0.8, linestyle="--")
    ax.set_xticks(x, list(measures.values()))
    ax.set_xlabel("VO2max")
    ax.set_ylabel(ylabel)
    ax.legend(
        frameon=False,
        fontsize=NOTE_SIZE,
        ncol=2,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        title="error bars: ± 1 SE",
        title_fontsize=NOTE_SIZE,
    )
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "change_means")


def _geometric_summary(values: pd.Series) -> tuple[float, float, float]:
    """Geometric mean with the SE band of the log values, back-transformed (lower, upper)."""
    logs = np.log(values.dropna())
    centre, se = logs.mean(), _sem(logs)
    return float(np.exp(centre)), float(np.exp(centre - se)), float(np.exp(centre + se))


def _arithmetic_summary(values: pd.Series) -> tuple[float, float, float]:
    centre, se = values.mean(), _sem(values)
    return float(centre), float(centre - se), float(centre + se)


def time_courses(
    data: pd.DataFrame,
    outcomes: Mapping[str, str],
    *,
    groups: Sequence[str],
    times: Sequence[str],
    log_scale: Sequence[str] = (),
    group: str = "group",
    time: str = "time",
    title: str | None = None,
):
    """One panel per outcome: mean ± SE over time, one line per group.

    Outcomes in ``log_scale`` show the geometric mean with the SE band of the logs, on a
    log axis labelled with plain numbers. Each group's line carries the group's name as its
    label; the groups' legend and a note on the error bars (gid ``"legend_note"``) take a
    spare panel when there is one, else sit under the panels.
    """
    ncols = min(3, len(outcomes))
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.2 * nrows), squeeze=False)
    x = np.arange(len(times))
    offsets = np.linspace(-0.08, 0.08, len(groups))
    for ax, (outcome, label) in zip(axes.flat, outcomes.items(), strict=False):
        summary = _geometric_summary if outcome in log_scale else _arithmetic_summary
        for offset, level in zip(offsets, groups, strict=True):
            part = data[data[group] == level]
            points = [summary(part.loc[part[time] == t, outcome]) for t in times]
            centre = np.array([p[0] for p in points])
            low = centre - np.array([p[1] for p in points])
            high = np.array([p[2] for p in points]) - centre
            ax.errorbar(
                x + offset,
                centre,
                yerr=[low, high],
                marker=MARKERS.get(level, "o"),
                capsize=3,
                color=PALETTE.get(level, None),
                label=level,
                linewidth=1.8,
            )
        if outcome in log_scale:
            ax.set_yscale("log")
            plain_log_axis(ax.yaxis)
            label = f"{label}\ngeometric mean ± SE (log axis)"
        else:
            label = f"{label}\nmean ± SE"
        ax.set_ylabel(label)
        ax.set_xticks(x, list(times))
        ax.set_xlabel("Time")
    note = SE_NOTE + ("\n" + GEOMETRIC_SE_NOTE if log_scale else "")
    spare = list(axes.flat)[len(outcomes) :]
    for ax in spare:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend = {"frameon": False, "fontsize": NOTE_SIZE, "title": "distance"}
    if spare:
        # the empty panel holds the legend and the note: no panel of data is covered
        holder = spare[0]
        holder.set_visible(True)
        holder.axis("off")
        holder.legend(handles, labels, loc="upper left", **legend)
        holder.text(
            0.0,
            0.5,
            _wrap(note, 44),
            transform=holder.transAxes,
            va="top",
            fontsize=NOTE_SIZE,
            color="0.25",
            gid="legend_note",
        )
        bottom = 0.0
    else:
        axes.flat[0].legend(**legend)
        fig.text(0.01, 0.01, note, fontsize=NOTE_SIZE, color="0.25", gid="legend_note")
        bottom = 0.35 / fig.get_figheight() * (1 + note.count("\n"))
    if title:
        fig.suptitle(title, fontsize=10)
    sns.despine(fig)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return _label(fig, "time_courses")


def _wrap(text: str, width: int) -> str:
    """``text`` wrapped to lines of at most ``width`` characters, keeping its line breaks."""
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def trajectories(
    data: pd.DataFrame,
    outcome: str,
    ylabel: str,
    *,
    groups: Sequence[str],
    times: Sequence[str],
    log_scale: bool = False,
    group: str = "group",
    subject: str = "subject",
    time: str = "time",
):
    """One panel per group: each subject's trajectory (gid ``"subject"``) and the mean
    (geometric on a log axis, labelled with plain numbers)."""
    fig, axes = plt.subplots(
        1, len(groups), figsize=(3.2 * len(groups), 3.4), sharey=True, squeeze=False
    )
    x = np.arange(len(times))
    summary = _geometric_summary if log_scale else _arithmetic_summary
    for ax, level in zip(axes[0], groups, strict=True):
        part = data[data[group] == level]
        wide = part.pivot(index=subject, columns=time, values=outcome).reindex(columns=list(times))
        for _, values in wide.iterrows():
            ax.plot(x, values.to_numpy(), gid="subject", **SUBJECT_LINE)
        centre = [summary(wide[t])[0] for t in times]
        ax.plot(
            x,
            centre,
            color=PALETTE.get(level, COLOURBLIND["blue"]),
            linewidth=2.5,
            marker=MARKERS.get(level, "o"),
            label="geometric mean" if log_scale else "mean",
        )
        if log_scale:
            ax.set_yscale("log")
        ax.set_xticks(x, list(times))
        ax.set_title(f"{level} (n = {len(wide)})")
        ax.set_xlabel("Time")
    if log_scale:
        for ax in axes[0]:
            plain_log_axis(ax.yaxis)
    axes[0][0].set_ylabel(ylabel + (" (log axis)" if log_scale else ""))
    handles, labels = axes[0][0].get_legend_handles_labels()
    axes[0][0].legend(
        [Line2D([], [], **SUBJECT_LINE), *handles[-1:]],
        ["each subject", labels[-1]],
        frameon=False,
        fontsize=NOTE_SIZE,
    )
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "trajectories")


def _fold_ticks(limit: float) -> np.ndarray:
    """Colour-bar ticks (log2 values) at round folds within ``±limit``: powers of two, or
    finer folds (0.8, 1.25, 1.5 ...) when the range is under a doubling."""
    doublings = np.arange(-np.floor(limit), np.floor(limit) + 1)
    if len(doublings) >= 3:
        return doublings
    folds = np.array([0.5, 2 / 3, 0.8, 1.0, 1.25, 1.5, 2.0])
    logs = np.log2(folds)
    return logs[np.abs(logs) <= limit + 1e-9]


def fold_label(log2_fold: float, position: object = None) -> str:
    """A colour-bar tick label: the fold whose log2 is ``log2_fold``, as ``2×`` or ``0.5×``.

    Examples
    --------
    >>> [fold_label(v) for v in (-1.0, 0.0, 1.0, 2.0, np.log2(1.5))]
    ['0.5×', '1×', '2×', '4×', '1.5×']
    """
    return f"{2.0**log2_fold:.2g}×"


def fold_heatmap(
    folds: pd.DataFrame,
    outcomes: Mapping[str, str],
    *,
    groups: Sequence[str],
    title: str | None = None,
):
    """Geometric-mean fold change vs pre: outcome (rows) x distance and timepoint (columns).

    ``folds`` has per-subject ``log_fold`` with ``outcome``, ``group`` and ``contrast``.
    Colour is log2 of the fold (white = no change), on the diverging ``RdBu`` map; each
    cell prints the fold (``1.44×``) and the colour bar is labelled in folds too (ticks at
    0.5×, 1×, 2×, 4× ...), so the two read alike.
    """
    mean_log = folds.groupby(["outcome", "contrast", "group"], sort=False)["log_fold"].mean()
    table = np.exp(mean_log).unstack(["contrast", "group"])
    columns = [(c, g) for c in folds["contrast"].unique() for g in groups]
    table = table.reindex(index=list(outcomes), columns=columns)
    table.index = [outcomes[o] for o in table.index]
    table.columns = [f"{g}\n{c.split(' /')[0]}" for c, g in table.columns]
    fig, ax = plt.subplots(figsize=(1.1 * table.shape[1] + 2.5, 0.55 * table.shape[0] + 1.6))
    log2 = np.log2(table)
    limit = float(np.nanmax(np.abs(log2.to_numpy()))) or 1.0
    sns.heatmap(
        log2,
        annot=table.map(lambda fold: f"{fold:.2f}×"),
        fmt="",
        cmap="RdBu_r",
        center=0,
        vmin=-limit,
        vmax=limit,
        cbar_kws={"label": "geometric-mean fold change vs pre\n(log colour scale)"},
        ax=ax,
        linewidths=0.5,
    )
    bar = ax.collections[0].colorbar
    bar.set_ticks(_fold_ticks(limit))
    bar.ax.yaxis.set_major_formatter(ticker.FuncFormatter(fold_label))
    bar.ax.yaxis.set_minor_locator(ticker.NullLocator())
    ax.set_xlabel("Distance and timepoint (fold vs pre)")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _label(fig, "fold_heatmap")


def forest(studies: pd.DataFrame, pooled: pd.Series, benchmark: Mapping[str, float] | None = None):
    """Forest plot: each study's mean % change with its 95 % CI (marker area ~ weight), the
    random-effects pooled estimate as a diamond, and its 95 % prediction interval as a bar.

    ``studies`` needs ``study, mode, age_group, n, pct_change, se, weight_dl`` (a ``label``
    column, when present, names the rows; else the ids are made readable by
    :func:`pretty_study_label`); ``pooled`` a row of :func:`analysis.engine.meta.pool`.
    Each row's estimate and CI are printed in a column right of the axes (gid
    ``"estimate_text"``), where they cannot cover data or the no-effect line. ``benchmark``
    (Grgic 2019) is stated under the plot (gid ``"benchmark"``): it is a standardised
    difference between training types, not a % change, so it is not drawn on the axis.
    """
    rows = studies.reset_index(drop=True)
    k = len(rows)
    fig, ax = plt.subplots(figsize=(8.6, 0.6 * k + 3.1))
    y = np.arange(k, 0, -1) + 1.0
    half = 1.959963984540054 * rows["se"].to_numpy(float)
    mode_colours = {"running": COLOURBLIND["vermilion"], "cycling": COLOURBLIND["blue"]}
    colours = [mode_colours.get(m, COLOURBLIND["grey"]) for m in rows["mode"]]
    ax.errorbar(
        rows["pct_change"],
        y,
        xerr=half,
        fmt="none",
        color="0.3",
        ecolor="0.3",
        capsize=3,
        gid="study_ci",
    )
    ax.scatter(
        rows["pct_change"],
        y,
        s=40 + 600 * rows["weight_dl"],
        marker="s",
        c=colours,
        zorder=3,
        gid="studies",
    )
    names = rows["label"] if "label" in rows else rows["study"].map(pretty_study_label)
    labels = [
        f"{name}\n{m}, {a}, n = {n}"
        for name, m, a, n in zip(names, rows["mode"], rows["age_group"], rows["n"], strict=True)
    ]
    est, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    ax.fill([low, est, high, est], [0.5, 0.8, 0.5, 0.2], color="black", gid="pooled")
    has_pi = bool(np.isfinite(pooled["pi_low"]))
    if has_pi:
        ax.plot(
            [pooled["pi_low"], pooled["pi_high"]],
            [0.5, 0.5],
            color="0.4",
            linewidth=1,
            linestyle=":",
            gid="prediction_interval",
        )
    ax.axvline(0, color="0.3", linewidth=0.8, gid="no_effect")
    ax.set_yticks([*y, 0.5], [*labels, f"Random effects ({pooled['method']}), k = {k}"])
    ax.set_xlabel("Change in quadriceps size (%), mean and 95 % CI")
    ax.set_ylim(-0.2, k + 2.3)
    _margin_column(
        ax,
        1.03,
        [*y, 0.5],
        [
            *(
                f"{c:.1f} [{c - h:.1f}, {c + h:.1f}]"
                for c, h in zip(rows["pct_change"], half, strict=True)
            ),
            f"{est:.1f} [{low:.1f}, {high:.1f}]",
        ],
        "% change [95 % CI]",
        header_y=k + 1.8,
        gid="estimate_text",
    )
    ax.set_title(
        f"Aerobic training and quadriceps size: {est:.1f} % ({low:.1f} to {high:.1f})", fontsize=10
    )
    handles = [
        Line2D([], [], marker="s", linestyle="", color=colour, label=f"{mode} study")
        for mode, colour in mode_colours.items()
        if mode in set(rows["mode"])
    ]
    handles.append(Line2D([], [], marker="D", linestyle="", color="black", label="pooled, 95 % CI"))
    if has_pi:
        handles.append(Line2D([], [], color="0.4", linestyle=":", label="95 % prediction interval"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=len(handles),
        frameon=False,
        fontsize=NOTE_SIZE,
        title="square area ∝ weight in the pooled estimate",
        title_fontsize=NOTE_SIZE,
    )
    bottom = 0.0
    if benchmark:
        fig.text(
            0.01,
            0.01,
            f"For context (Grgic 2019, {benchmark['k']} studies): resistance vs aerobic "
            f"training, Hedges' g = {benchmark['g']:.2f} ({benchmark['ci_low']:.2f} to "
            f"{benchmark['ci_high']:.2f}) favouring resistance;\na standardised difference "
            "between training types, not a % change, so not drawn on the axis.",
            ha="left",
            va="bottom",
            fontsize=NOTE_SIZE,
            color="0.25",
            gid="benchmark",
        )
        bottom = 0.45 / fig.get_figheight()
    sns.despine(fig, left=True)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return _label(fig, "forest")


def time_in_zone(bands: pd.DataFrame, prescribed_band: str):
    """Minutes per week in each % HRR band, one bar group per protocol; the prescribed band
    is shaded."""
    order = list(dict.fromkeys(bands["band"]))
    protocols = list(dict.fromkeys(bands["protocol"]))
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    width = 0.8 / len(protocols)
    x = np.arange(len(order))
    colours = sns.color_palette("colorblind", len(protocols))
    for i, (name, colour) in enumerate(zip(protocols, colours, strict=True)):
        part = bands[bands["protocol"] == name].set_index("band").reindex(order)
        ax.bar(
            x + (i - (len(protocols) - 1) / 2) * width,
            part["minutes_per_week"],
            width,
            color=colour,
            label=name,
        )
    if prescribed_band in order:
        j = order.index(prescribed_band)
        ax.axvspan(
            j - 0.45,
            j + 0.45,
            color=COLOURBLIND["yellow"],
            alpha=0.3,
            zorder=0,
            label="prescribed band",
        )
    ax.set_xticks(x, [band.replace("-", "–") for band in order])
    ax.set_xlabel("Intensity band (% heart-rate reserve)")
    ax.set_ylabel("Minutes per week")
    ax.legend(frameon=False, fontsize=NOTE_SIZE)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "time_in_zone")


def save(fig, directory: str | Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``directory`` with reproducible bytes
    (:func:`analysis.engine.figureset.render`)."""
    return render(fig).write(directory, stem)


@contextmanager
def _tight_png_in_one_draw(fig) -> Iterator[None]:
    """Let the inline backend render ``fig`` as a tight PNG in one draw instead of two.

    Jupyter shows a figure with ``print_figure(..., format="png", dpi=fig.dpi,
    bbox_inches="tight")``, for which matplotlib draws the figure once only to measure it
    and then again to render it. The tight box can be measured without that first draw
    (``get_tightbbox`` lays out what it needs): such a call gets the box already measured, as
    matplotlib measures it (same renderer type and dpi, ``savefig.pad_inches``), so the image
    is the same to the byte (tested); any other call (another format, dpi, padding or extra
    artists) goes through unchanged.
    """
    canvas = fig.canvas
    original = canvas.print_figure

    def print_figure(filename, *args, **kwargs):
        tight = (
            kwargs.get("bbox_inches") == "tight"
            and kwargs.get("format") == "png"
            and kwargs.get("dpi") == fig.dpi
            and kwargs.get("pad_inches") is None
            and kwargs.get("bbox_extra_artists") is None
            and not args
            and hasattr(canvas, "get_renderer")
        )
        if tight:
            pad = matplotlib.rcParams["savefig.pad_inches"]
            kwargs["bbox_inches"] = fig.get_tightbbox(canvas.get_renderer()).padded(pad)
        return original(filename, *args, **kwargs)

    shadowed = vars(canvas).get("print_figure")  # a wrapper of this kind already in place
    canvas.print_figure = print_figure
    try:
        with no_idle_layout_engine(fig):
            yield
    finally:
        if shadowed is None:
            del canvas.print_figure
        else:
            canvas.print_figure = shadowed


def close(fig) -> None:
    """Free a figure's memory once it has been saved."""
    plt.close(fig)


def _caption_lookup():
    """:func:`analysis.dataio.captions.caption_for`, or ``None`` while that module is absent."""
    try:
        from ..dataio.captions import caption_for
    except ImportError:
        return None
    return caption_for


def show(figures: Mapping[str, object]) -> None:
    """Display figures in a notebook, each under its file stem and followed by its caption
    (from :func:`analysis.dataio.captions.caption_for`, when it has one), then close them.

    A study's figures (a :class:`~analysis.engine.figureset.FigureSet`) are shown as the PNG
    the project writes for them (``figures/<stem>.png``, at the figure's own size): in
    ``make reproduce``, the very bytes of the build's file, rendered once for both
    (:mod:`analysis.engine.figureset`). Any other figure is shown as Jupyter shows it.
    Outside IPython the stem line and the caption are printed as plain text.

    Examples
    --------
    >>> fig, _ = plt.subplots()
    >>> show({"no_such_figure": _label(fig, "example")})  # doctest: +ELLIPSIS
    no_such_figure: drawn by analysis.engine.plots.example
    ...
    """
    from IPython import get_ipython
    from IPython.display import Markdown, display

    caption_for = _caption_lookup()
    notebook = get_ipython() is not None
    for stem in figures:
        caption = caption_for(stem) if caption_for is not None else None
        if notebook:
            if isinstance(figures, FigureSet):
                image = figures.render(stem, svg=False)
                display(Markdown(f"`{stem}`: drawn by `{image.drawn_by}`"))
                display(image)
            else:
                fig = figures[stem]
                display(Markdown(f"`{stem}`: drawn by `{drawn_by(fig)}`"))
                with _tight_png_in_one_draw(fig):
                    display(fig)
                plt.close(fig)
            if caption:
                display(Markdown(f"**Figure `{stem}`.** {caption}"))
        else:
            fig = figures[stem]
            print(f"{stem}: drawn by {drawn_by(fig)}")
            print(fig)
            if caption:
                print(f"Figure {stem}. {caption}")
            plt.close(fig)


def drawn_by(fig) -> str:
    """The function that drew ``fig`` (each plotting function labels its figure)."""
    return fig.get_label() or "analysis.engine.plots"


def _label(fig, function_name: str):
    fig.set_label(f"analysis.engine.plots.{function_name}")
    return fig


def meta_estimates(estimates: pd.DataFrame, note: str = ""):
    """Forest plot of published meta-analytic estimates, side by side and never pooled: one row
    per estimate (SMD and 95 % CI), grouped by meta-analysis, hypertrophy outcomes in
    vermilion, strength and power in grey, a line at zero and no pooled diamond.

    ``estimates`` needs ``label, meta_analysis, domain, estimate, ci_low, ci_high`` (``p`` is
    printed when present); each row's numbers are printed in a column right of the axes
    (gid ``"estimate_text"``); ``note`` is written under the axis.
    """
    rows = estimates.reset_index(drop=True)
    groups = list(dict.fromkeys(rows["meta_analysis"]))
    positions, y = [], 0.0
    for group in groups:
        for _ in range(int((rows["meta_analysis"] == group).sum())):
            positions.append(y)
            y -= 1.0
        y -= 0.6
    ys = np.array(positions)
    fig, ax = plt.subplots(figsize=(9.0, 0.55 * len(rows) + 0.4 * len(groups) + 2.6))
    domain_colours = {"hypertrophy": COLOURBLIND["vermilion"], "other": COLOURBLIND["grey"]}
    is_size = rows["domain"] == "hypertrophy"
    colours = [domain_colours["hypertrophy" if s else "other"] for s in is_size]
    est = rows["estimate"].to_numpy(float)
    err = np.vstack([est - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - est])
    ax.errorbar(
        est, ys, xerr=err, fmt="none", color="0.3", ecolor="0.3", capsize=3, gid="estimate_ci"
    )
    ax.scatter(est, ys, marker="s", s=45, c=colours, zorder=3, gid="estimates")
    ax.axvline(0, color="0.3", linewidth=0.8)
    # "Schumann 2022 (k = 43): maximal strength" -> source above outcome, for a narrower margin
    labels = [str(label).replace("): ", ")\n", 1) for label in rows["label"]]
    ax.set_yticks(ys, labels, fontsize=NOTE_SIZE)
    numbers = []
    for _, row in rows.iterrows():
        p = row.get("p")
        text = f"{row['estimate']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
        numbers.append(text + (f", p = {p:.3f}" if pd.notna(p) else ""))
    has_p = "p" in rows and rows["p"].notna().any()
    _margin_column(
        ax,
        1.02,
        ys,
        numbers,
        "SMD [95 % CI]" + (", p" if has_p else ""),
        header_y=ys.max() + 0.8,
        gid="estimate_text",
    )
    ax.set_ylim(ys.min() - 0.6, ys.max() + 1.1)
    ax.set_xlabel("SMD, concurrent minus strength training alone (95 % CI)\n< 0: interference")
    ax.set_title(
        "Concurrent-training meta-analyses, side by side\n(not pooled: they share primary studies)",
        fontsize=10,
    )
    handles = [
        Line2D([], [], marker="s", linestyle="", color=domain_colours["hypertrophy"]),
        Line2D([], [], marker="s", linestyle="", color=domain_colours["other"]),
    ]
    ax.legend(
        handles,
        ["muscle size (hypertrophy)", "strength or power"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2,
        frameon=False,
        fontsize=NOTE_SIZE,
    )
    if note:
        fig.text(
            0.01,
            0.01,
            note,
            ha="left",
            va="bottom",
            fontsize=NOTE_SIZE,
            color="0.25",
            gid="not_drawn",
        )
    sns.despine(fig, left=True)
    inch = 1 / fig.get_figheight()
    fig.tight_layout(rect=(0, 0.55 * inch if note else 0, 1, 1))
    return _label(fig, "meta_estimates")


def _looks_like_p(name: str, values: np.ndarray) -> bool:
    """A p-value column: named ``..._p``/``p_...``/``..._p_holm`` with values in (0, 1]."""
    finite = values[np.isfinite(values)]
    named = name.endswith("_p") or name.startswith("p_") or "_p_" in name
    return bool(named and finite.size and (finite > 0).all() and (finite <= 1).all())


def tornado(
    table: pd.DataFrame,
    statistic: str | None = None,
    *,
    default: float | None = None,
    threshold: float | None = 0.05,
    log: bool | None = None,
    top: int | None = None,
    title: str | None = None,
):
    """One-at-a-time sensitivity: for each assumption, the statistic with the assumption at
    the low and at the high end of its range, as bars from the default value; widest on top.

    ``table`` is :func:`analysis.checks.sensitivity.tornado`'s (one row per assumption x
    end, columns ``assumption, end, value, unit`` and the statistic; ``attrs["default"]``
    the numbers of the default replication, ``attrs["statistic"]`` the statistic to show).
    Bars run from the default (solid line) to the value at each end: ``gid`` ``"low_end"``
    and ``"high_end"``. An end at which the replication's result on a claim differs from
    the default's (``flips``: the claim holds in one and not in the other) is marked with an
    ``X`` (gid ``"flip"``) and named in a column right of the axes (gid ``"flip_text"``),
    clear of the bars and lines. Assumptions that move neither the statistic nor a claim are
    left out and counted under the axis; ``top`` keeps the widest bars, and every assumption
    that flips a claim besides. A p-value is drawn on a log axis (plain-number ticks) with a
    dashed line at ``threshold``.

    Examples
    --------
    >>> t = pd.DataFrame({"assumption": ["a", "a", "b", "b"], "end": ["low", "high"] * 2,
    ...     "value": [0.0, 2.0, 1.0, 3.0], "unit": ["%", "%", "", ""],
    ...     "p": [0.01, 0.2, 0.03, 0.04], "flips": ["", "claim 1", "", ""]})
    >>> t.attrs["default"] = {"p": 0.035}
    >>> fig = tornado(t, "p")  # widest first, drawn on top
    >>> [tick.get_text().split("\\n")[0] for tick in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    >>> drawn_by(fig), len([c for c in fig.axes[0].collections if c.get_gid() == "flip"])
    ('analysis.engine.plots.tornado', 1)
    >>> close(fig)
    """
    statistic = statistic or table.attrs.get("statistic")
    if statistic is None or statistic not in table.columns:
        raise ValueError(f"name the statistic to draw (a column of the table), got {statistic!r}")
    if default is None:
        default = float(table.attrs.get("default", {}).get(statistic, np.nan))
    if not np.isfinite(default):
        raise ValueError(
            f"the value of {statistic} under the default assumptions is unknown: pass default= "
            "or the table of analysis.checks.sensitivity.tornado (its attrs hold it)"
        )
    values = table[statistic].to_numpy(float)
    if log is None:
        log = _looks_like_p(statistic, np.append(values, default))
    scale = np.log10 if log else (lambda v: v)
    rows = []
    for name, part in table.groupby("assumption", sort=False):
        ends = part.set_index("end")
        low, high = float(ends.loc["low", statistic]), float(ends.loc["high", statistic])
        flips = {e: str(ends.loc[e, "flips"]) if "flips" in ends else "" for e in ("low", "high")}
        width = abs(float(scale(high)) - float(scale(low)))
        rows.append((name, ends, low, high, flips, width if np.isfinite(width) else 0.0))
    moving = [r for r in rows if r[5] > 1e-12 or any(r[4].values())]
    moving.sort(key=lambda r: r[5], reverse=True)
    still = len(rows) - len(moving)
    # ``top`` limits the bars that only move the statistic: an end that flips a claim is
    # always drawn, however narrow its bar (a narrow bar can still cross a threshold that
    # another statistic of the claim decides by)
    widest = {id(r) for r in moving[:top]} if top is not None else {id(r) for r in moving}
    shown = [r for r in moving if id(r) in widest or any(r[4].values())]
    beyond = len(moving) - len(shown)
    moving = shown
    hidden = [f"{still} assumption(s) that move neither {statistic} nor a claim"] if still else []
    hidden += (
        # a no-break space: the wrapped note never ends a line between "top" and its number
        [f"{beyond} narrower one(s) beyond the top\u00a0{top}, none of which flips a claim"]
        if beyond
        else []
    )
    fig, ax = plt.subplots(figsize=(8.8, 0.42 * max(len(moving), 1) + 2.1))
    colours = {"low": COLOURBLIND["blue"], "high": COLOURBLIND["orange"]}
    flip_rows, flip_texts = [], []
    for i, (_, _, low, high, flips, _) in enumerate(moving):
        y = len(moving) - 1 - i
        # the two ends side by side (low above, high below), so that ends on the same side
        # of the default do not hide each other
        for end, at, offset in (("low", low, 0.17), ("high", high, -0.17)):
            left, right = sorted((default, at))
            ax.barh(
                y + offset,
                right - left,
                left=left,
                height=0.34,
                color=colours[end],
                alpha=0.8,
                gid=f"{end}_end",
                label=f"assumption at its {end} end" if i == 0 else None,
            )
            if flips[end]:
                ax.scatter(
                    [at], [y + offset], marker="X", s=45, color="black", zorder=4, gid="flip"
                )
                flip_rows.append(y + offset)
                flip_texts.append(f"{end} end: {flips[end]}")
    labels = []
    for name, ends, *_ in moving:
        unit = str(ends["unit"].iloc[0]) if "unit" in ends else ""
        span = f"{ends.loc['low', 'value']:g} to {ends.loc['high', 'value']:g}"
        labels.append(f"{name}\n{span} {unit}".rstrip())
    ax.set_yticks(range(len(moving) - 1, -1, -1), labels, fontsize=NOTE_SIZE)
    if flip_rows:
        _margin_column(
            ax,
            1.02,
            flip_rows,
            flip_texts,
            "X: a claim flips",
            header_y=len(moving) - 0.25,
            gid="flip_text",
        )
    if np.isfinite(default):
        ax.axvline(default, color="0.2", linewidth=1.2, gid="default")
    if log:
        ax.set_xscale("log")
        plain_log_axis(ax.xaxis)
    lines = "solid line: all assumptions at their defaults"
    if log and threshold is not None:
        ax.axvline(threshold, color="0.4", linewidth=0.9, linestyle="--", gid="threshold")
        lines += f"; dashed: {threshold:g}"
    ax.set_xlabel(f"{statistic}{' (log axis)' if log else ''}\n({lines})")
    # the top leaves room for the flip column's header above the first row
    ax.set_ylim(-0.7, max(len(moving), 1) - (0.05 if flip_rows else 0.3))
    # stacked under the axes: the note at the bottom, the legend above it (inside the axes
    # the legend would cover the bars of the last row; beside the note it would overlap it)
    inch = 1 / fig.get_figheight()
    note = _wrap("not shown: " + "; ".join(hidden), 110) if hidden else ""
    note_height = 0.16 * (note.count("\n") + 1) if note else 0.0
    if note:
        fig.text(0.01, 0.05 * inch, note, fontsize=NOTE_SIZE, color="0.35", gid="not_drawn")
    fig.legend(
        frameon=False,
        fontsize=NOTE_SIZE,
        loc="lower right",
        ncol=2,
        bbox_to_anchor=(0.99, (0.08 + note_height) * inch),
    )
    study = table.attrs.get("study", "")
    exact = "(assumed moments exact)" if table.attrs.get("exact_assumed") else ""
    # two lines: on one, the title ran past the figure's edge
    heading = f"{study}: each assumption alone at the ends of its documented range\n{exact}"
    ax.set_title(title or heading.strip(": \n"), fontsize=10)
    sns.despine(fig, left=True)
    fig.tight_layout(rect=(0, (0.4 + note_height) * inch, 1, 1))
    return _label(fig, "tornado")


def power_curves(
    curves: Mapping[str, pd.DataFrame],
    *,
    target: float | None = 0.8,
    title: str | None = None,
):
    """Power over the sample size: one line per curve with its 95 % Wilson band, the closed
    form (dashed) where the curve has one, and a dotted line at ``target``.

    ``curves`` maps a label to :func:`analysis.checks.power.power_curve`'s table over ``n``
    (columns ``n, power, ci_low, ci_high`` and ``analytic``; ``attrs["claim"]`` is added to
    the label). Lines carry the gid ``"power"``, bands ``"ci"``, closed forms ``"analytic"``.

    Examples
    --------
    >>> curve = pd.DataFrame({"n": [4, 8, 12], "power": [0.3, 0.6, 0.85],
    ...     "ci_low": [0.25, 0.55, 0.8], "ci_high": [0.35, 0.65, 0.9], "analytic": np.nan})
    >>> fig = power_curves({"a study": curve})
    >>> [line.get_gid() for line in fig.axes[0].lines], drawn_by(fig)
    (['power', 'target'], 'analysis.engine.plots.power_curves')
    >>> close(fig)
    """
    if not curves:
        raise ValueError("give at least one power curve (a label and its table)")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    colours = [COLOURBLIND[c] for c in ("blue", "vermilion", "green", "orange", "pink", "sky")]
    for i, (label, curve) in enumerate(curves.items()):
        missing = {"n", "power", "ci_low", "ci_high"} - set(curve.columns)
        if missing:
            raise ValueError(
                f"{label}: a power curve over n needs the columns n, power, ci_low and ci_high "
                f"(analysis.checks.power.power_curve); missing {sorted(missing)}"
            )
        colour = colours[i % len(colours)]
        claim = curve.attrs.get("claim")
        name = f"{label} ({claim})" if claim and claim not in label else label
        n = curve["n"].to_numpy(float)
        ax.fill_between(
            n, curve["ci_low"], curve["ci_high"], color=colour, alpha=0.2, linewidth=0, gid="ci"
        )
        ax.plot(
            n, curve["power"], marker="o", markersize=3.5, color=colour, label=name, gid="power"
        )
        if "analytic" in curve and curve["analytic"].notna().any():
            ax.plot(
                n,
                curve["analytic"],
                linestyle="--",
                color=colour,
                linewidth=1,
                label=f"{label}: closed form",
                gid="analytic",
            )
    if target is not None:
        ax.axhline(target, color="0.4", linestyle=":", linewidth=1, gid="target")
        ax.text(
            ax.get_xlim()[0],
            target,
            f" {target:.0%}",
            va="bottom",
            fontsize=NOTE_SIZE,
            color="0.35",
        )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    ax.set_xlabel("subjects per group (every group the same size)")
    ax.set_ylabel("power (share of simulated studies)")
    ax.legend(
        frameon=False,
        fontsize=NOTE_SIZE,
        loc="lower right",
        title="band: 95 % Wilson CI",
        title_fontsize=NOTE_SIZE,
    )
    ax.set_title(title or "Power over the sample size", fontsize=10)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "power_curves")


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres: midpoints, and half a step beyond each end."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mids = (centres[1:] + centres[:-1]) / 2
    return np.concatenate(
        [[centres[0] - (mids[0] - centres[0])], mids, [centres[-1] + (centres[-1] - mids[-1])]]
    )


def _facet_title(name: str, value) -> str:
    if name == "dispersion":
        return f"± read as {str(value).upper()}"
    return f"{name} = {value}"


def probability_heatmap(
    table: pd.DataFrame,
    x: str | None = None,
    y: str | None = None,
    *,
    facet: str | None = None,
    value: str = "probability",
    contours: Sequence[float] = (0.5, 0.8),
    title: str | None = None,
):
    """The probability that a claim holds over a grid of two assumptions, one panel per
    value of ``facet``, with contours at ``contours`` and the default assumptions marked.

    ``table`` is :func:`analysis.checks.sensitivity.probability_map`'s: one row per cell,
    the ``x`` and ``y`` assumptions as (numeric) columns and ``probability``, a categorical
    setting such as the reading of "±" as the ``facet``; its ``attrs`` give ``x``,
    ``y``, ``facet``, the axis ``labels`` (with units), the ``defaults`` and the ``claim``.
    The colour runs from 0 to 1 (one colour bar for every panel); cells are not labelled.
    The mesh carries the gid ``"cells"``, the contours ``"contour"`` and the default point
    ``"default"``.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [0.0, 1.0, 0.0, 1.0], "b": [1.0, 1.0, 2.0, 2.0],
    ...                   "probability": [0.9, 0.6, 0.7, 0.3]})
    >>> fig = probability_heatmap(t, "a", "b")
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), drawn_by(fig)
    ('a', 'analysis.engine.plots.probability_heatmap')
    >>> close(fig)
    """
    attrs = table.attrs
    x = x or attrs.get("x")
    y = y or attrs.get("y")
    facet = facet if facet is not None else attrs.get("facet")
    if x is None or y is None:
        raise ValueError("name the x and y columns (or pass probability_map's table)")
    labels = {**{x: x, y: y}, **attrs.get("labels", {})}
    defaults = attrs.get("defaults", {})
    panels = list(dict.fromkeys(table[facet])) if facet else [None]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.4 * len(panels) + 1.2, 4.3), squeeze=False, sharey=True
    )
    # room under the axes for the note, above them for the title (set before the colour bar,
    # which takes its place from the axes)
    fig.subplots_adjust(bottom=0.2, top=0.86, left=0.1, right=0.9, wspace=0.12)
    mesh, marked, drawn = None, False, set()
    for ax, panel in zip(axes[0], panels, strict=True):
        part = table if panel is None else table[table[facet] == panel]
        grid = part.pivot_table(index=y, columns=x, values=value, aggfunc="first")
        xs, ys = grid.columns.to_numpy(float), grid.index.to_numpy(float)
        z = grid.to_numpy(float)
        mesh = ax.pcolormesh(
            _edges(xs), _edges(ys), z, cmap="viridis", vmin=0.0, vmax=1.0, shading="flat"
        )
        mesh.set_gid("cells")
        finite = z[np.isfinite(z)]
        levels = [c for c in contours if finite.size and finite.min() < c < finite.max()]
        if levels and len(xs) > 1 and len(ys) > 1:
            drawn.update(levels)
            # each level keeps its colour whichever others are drawn in this panel
            palette = ["white", "black", "0.5", "0.8"]
            lines = ax.contour(
                xs,
                ys,
                z,
                levels=levels,
                colors=[palette[list(contours).index(c) % len(palette)] for c in levels],
                linewidths=1.2,
            )
            lines.set_gid("contour")
            ax.clabel(lines, fmt="%.1f", fontsize=NOTE_SIZE)
        dx, dy = defaults.get(x), defaults.get(y)
        if isinstance(dx, int | float) and isinstance(dy, int | float):
            ax.scatter(
                [dx],
                [dy],
                marker="P",
                s=90,
                color=COLOURBLIND["vermilion"],
                edgecolor="white",
                zorder=4,
                gid="default",
            )
            marked = True
        ax.set_xlabel(labels[x])
        if panel is not None:
            ax.set_title(_facet_title(facet, panel), fontsize=9)
    axes[0][0].set_ylabel(labels[y])
    claim = attrs.get("claim")
    what = {None: value, "all": "the whole published pattern holds"}.get(
        claim, f"claim {claim} holds" if isinstance(claim, int) else f"{claim} holds"
    )
    bar = fig.colorbar(mesh, ax=list(axes[0]), fraction=0.05, pad=0.03)
    bar.set_label(f"probability that {what}" if claim is not None else value, fontsize=8)
    reps = attrs.get("reps")
    heading = title or " ".join(
        s for s in (attrs.get("study", ""), f"({reps:,} replicates per cell)" if reps else "") if s
    )
    if heading:
        fig.suptitle(heading, fontsize=10)
    notes = []
    if drawn:
        notes.append(f"lines: probability {', '.join(f'{c:g}' for c in sorted(drawn))}")
    values = table[value].to_numpy(float)
    for c in (c for c in contours if c not in drawn and np.isfinite(values).any()):
        side = "below" if np.nanmax(values) <= c else "above" if np.nanmin(values) >= c else None
        notes.append(f"every cell {side} {c:g}" if side else f"no line at {c:g}")
    if marked:
        notes.append("cross (+): every assumption at its default")
    if notes:
        fig.text(0.01, 0.01, "; ".join(notes), fontsize=NOTE_SIZE, color="0.3", gid="legend_note")
    sns.despine(fig)
    return _label(fig, "probability_heatmap")


def probability_heatmaps(tables: Mapping[str, pd.DataFrame]) -> dict:
    """:func:`probability_heatmap` of each table, keyed as ``tables`` (figure stems)."""
    return {name: probability_heatmap(table) for name, table in tables.items()}
