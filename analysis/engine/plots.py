"""Figures (matplotlib + seaborn). Each function returns its ``Figure``; ``save`` writes files.

Figures are written as PNG and SVG with fixed metadata and a fixed SVG hash salt, so the same
data give byte-identical SVG files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

matplotlib.rcParams["svg.hashsalt"] = "running-replication"
matplotlib.rcParams["svg.fonttype"] = "path"

PALETTE = {
    "HIIT": "#c0392b",
    "control": "#7f8c8d",
    "10km": "#5dade2",
    "21km": "#2874a6",
    "42km": "#1b2631",
}
SUBJECT_LINE = {"color": "0.6", "alpha": 0.6, "linewidth": 0.9}


def _sem(values: pd.Series) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.count())) if values.count() > 1 else 0.0


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
            color=PALETTE.get(level, "C0"),
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
    axes[0][0].legend(loc="lower right", frameon=False, fontsize=8)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "prepost_lines")


def change_distribution(change: pd.DataFrame, ylabel: str, *, groups: Sequence[str]):
    """Percent change per subject by group: box plot with every subject as a dot."""
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    palette = {g: PALETTE.get(g, "C0") for g in groups}
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
    sns.boxplot(**common, width=0.5, fliersize=0, boxprops={"alpha": 0.35})
    # swarmplot places points deterministically (a random jitter would change the SVG bytes)
    sns.swarmplot(**common, size=6)
    ax.axhline(0, color="0.3", linewidth=0.8, linestyle="--")
    ax.set_xlabel("Group")
    ax.set_ylabel(ylabel)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "change_distribution")


def change_means(
    change: pd.DataFrame, measures: Mapping[str, str], ylabel: str, *, groups: Sequence[str]
):
    """Mean ± SE percent change of several measures per group, over each subject's change.

    Subjects are small dots, spread sideways by rank (deterministic, unlike random jitter);
    group means are large markers with SE bars.
    """
    fig, ax = plt.subplots(figsize=(4.8, 3.8))
    width = 0.8 / len(groups)
    x = np.arange(len(measures))
    for i, level in enumerate(groups):
        part = change[change["group"] == level]
        colour = PALETTE.get(level, "C0")
        centre = x + (i - (len(groups) - 1) / 2) * width
        for j, measure in enumerate(measures):
            values = part.loc[part["measure"] == measure, "pct_change"].sort_values()
            spread = np.linspace(-0.25, 0.25, len(values)) * width if len(values) > 1 else [0]
            ax.scatter(
                centre[j] + np.asarray(spread), values, s=12, color=colour, alpha=0.45, linewidths=0
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
    ax.legend(frameon=False, fontsize=8)
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
    log axis. Each group's line carries the group's name as its label.
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
                marker="o",
                capsize=3,
                color=PALETTE.get(level, None),
                label=level,
                linewidth=1.8,
            )
        if outcome in log_scale:
            ax.set_yscale("log")
            label = f"{label}, geometric mean ± SE"
        ax.set_ylabel(label)
        ax.set_xticks(x, list(times))
        ax.set_xlabel("Time")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(frameon=False, fontsize=8, title="distance")
    if title:
        fig.suptitle(title, fontsize=10)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "time_courses")


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
    """One panel per group: each subject's trajectory (gid ``"subject"``) and the mean."""
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
            color=PALETTE.get(level, "C0"),
            linewidth=2.5,
            marker="o",
            label="geometric mean" if log_scale else "mean",
        )
        if log_scale:
            ax.set_yscale("log")
        ax.set_xticks(x, list(times))
        ax.set_title(f"{level} (n = {len(wide)})")
        ax.set_xlabel("Time")
    axes[0][0].set_ylabel(ylabel)
    axes[0][0].legend(frameon=False, fontsize=8)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "trajectories")


def fold_heatmap(
    folds: pd.DataFrame,
    outcomes: Mapping[str, str],
    *,
    groups: Sequence[str],
    title: str | None = None,
):
    """Geometric-mean fold change vs pre: outcome (rows) x distance and timepoint (columns).

    ``folds`` has per-subject ``log_fold`` with ``outcome``, ``group`` and ``contrast``.
    Colour is log2 of the fold (white = no change); each cell is annotated with the fold.
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
        annot=table,
        fmt=".2f",
        cmap="RdBu_r",
        center=0,
        vmin=-limit,
        vmax=limit,
        cbar_kws={"label": "log2 fold change vs pre"},
        ax=ax,
        linewidths=0.5,
    )
    ax.set_xlabel("Distance and timepoint (fold vs pre)")
    ax.set_ylabel("")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _label(fig, "fold_heatmap")


def forest(studies: pd.DataFrame, pooled: pd.Series, benchmark: Mapping[str, float] | None = None):
    """Forest plot: each study's mean % change with its 95 % CI (marker area ~ weight), the
    random-effects pooled estimate as a diamond, and its 95 % prediction interval as a bar.

    ``studies`` needs ``study, pct_change, se, weight_dl``; ``pooled`` a row of
    :func:`analysis.engine.meta.pool`. ``benchmark`` (Grgic 2019) is stated beside the plot: it is a
    standardised difference between training types, not a % change, so it is not drawn on
    the axis.
    """
    rows = studies.reset_index(drop=True)
    k = len(rows)
    fig, ax = plt.subplots(figsize=(7.2, 0.55 * k + 2.4))
    y = np.arange(k, 0, -1) + 1.0
    half = 1.959963984540054 * rows["se"].to_numpy(float)
    colours = ["#c0392b" if m == "running" else "#2874a6" for m in rows["mode"]]
    ax.errorbar(
        rows["pct_change"], y, xerr=half, fmt="none", ecolor="0.3", capsize=3, gid="study_ci"
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
    labels = [
        f"{s} ({m}, {a}, n={n})"
        for s, m, a, n in zip(
            rows["study"], rows["mode"], rows["age_group"], rows["n"], strict=True
        )
    ]
    est, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    ax.fill([low, est, high, est], [0.5, 0.8, 0.5, 0.2], color="black", gid="pooled")
    if np.isfinite(pooled["pi_low"]):
        ax.plot(
            [pooled["pi_low"], pooled["pi_high"]],
            [0.5, 0.5],
            color="0.4",
            linewidth=1,
            linestyle=":",
            gid="prediction_interval",
            label="95 % prediction interval",
        )
    ax.axvline(0, color="0.3", linewidth=0.8)
    pooled_label = f"Random effects ({pooled['method']}), k = {k}"
    if np.isfinite(pooled["pi_low"]):
        pooled_label += "\ndotted: 95 % prediction interval"
    ax.set_yticks([*y, 0.5], [*labels, pooled_label])
    ax.set_xlabel("Change in quadriceps size (%), mean and 95 % CI")
    ax.set_ylim(-0.2, k + 2.6)
    ax.set_title(
        f"Aerobic training and quadriceps size: {est:.1f} % ({low:.1f} to {high:.1f})", fontsize=10
    )
    if benchmark:
        ax.text(
            0.01,
            0.99,
            f"For context (Grgic 2019, {benchmark['k']} studies): resistance vs "
            f"aerobic training,\nHedges' g = {benchmark['g']:.2f} "
            f"({benchmark['ci_low']:.2f} to {benchmark['ci_high']:.2f}) favouring resistance",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=7.5,
            color="0.25",
            gid="benchmark",
        )
    sns.despine(fig, left=True)
    fig.tight_layout()
    return _label(fig, "forest")


def time_in_zone(bands: pd.DataFrame, prescribed_band: str):
    """Minutes per week in each % HRR band, one bar group per protocol; the prescribed band
    is outlined."""
    order = list(dict.fromkeys(bands["band"]))
    protocols = list(dict.fromkeys(bands["protocol"]))
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    width = 0.8 / len(protocols)
    x = np.arange(len(order))
    colours = sns.color_palette("Set2", len(protocols))
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
            j - 0.45, j + 0.45, color="#f9e79f", alpha=0.5, zorder=0, label="prescribed band"
        )
    ax.set_xticks(x, order)
    ax.set_xlabel("Intensity band (% heart-rate reserve)")
    ax.set_ylabel("Minutes per week")
    ax.legend(frameon=False, fontsize=8)
    sns.despine(fig)
    fig.tight_layout()
    return _label(fig, "time_in_zone")


def save(fig, directory: str | Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``directory`` with reproducible bytes."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{stem}.png", directory / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=150, metadata={"Software": None})
    fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    return paths


def close(fig) -> None:
    """Free a figure's memory once it has been saved."""
    plt.close(fig)


def show(figures: Mapping[str, object]) -> None:
    """Display figures in a notebook, each under its file stem, then close them."""
    from IPython.display import Markdown, display

    for stem, fig in figures.items():
        display(Markdown(f"`{stem}`: drawn by `{drawn_by(fig)}`"))
        display(fig)
        plt.close(fig)


def drawn_by(fig) -> str:
    """The function that drew ``fig`` (each plotting function labels its figure)."""
    return fig.get_label() or "analysis.engine.plots"


def _label(fig, function_name: str):
    fig.set_label(f"analysis.engine.plots.{function_name}")
    return fig


def meta_estimates(estimates: pd.DataFrame, note: str = ""):
    """Forest plot of published meta-analytic estimates, side by side and never pooled: one row
    per estimate (SMD and 95 % CI), grouped by meta-analysis, hypertrophy outcomes in red,
    strength and power in grey, a line at zero and no pooled diamond.

    ``estimates`` needs ``label, meta_analysis, domain, estimate, ci_low, ci_high`` (``p`` is
    printed when present); ``note`` is written under the axis.
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
    fig, ax = plt.subplots(figsize=(9.0, 0.55 * len(rows) + 0.4 * len(groups) + 2.4))
    colours = ["#c0392b" if d == "hypertrophy" else "0.45" for d in rows["domain"]]
    est = rows["estimate"].to_numpy(float)
    err = np.vstack([est - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - est])
    ax.errorbar(est, ys, xerr=err, fmt="none", ecolor="0.3", capsize=3, gid="estimate_ci")
    ax.scatter(est, ys, marker="s", s=45, c=colours, zorder=3, gid="estimates")
    ax.axvline(0, color="0.3", linewidth=0.8)
    labels = []
    for _, row in rows.iterrows():
        p = row.get("p")
        text = (
            f"{row['label']}\n{row['estimate']:.2f} ({row['ci_low']:.2f} to {row['ci_high']:.2f})"
        )
        labels.append(text + (f", p = {p:.3f}" if pd.notna(p) else ""))
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlabel("SMD, concurrent minus strength training alone (95 % CI)\n< 0: interference")
    ax.set_title(
        "Concurrent-training meta-analyses, side by side\n(not pooled: they share primary studies)",
        fontsize=10,
    )
    if note:
        fig.text(
            0.01, 0.01, note, ha="left", va="bottom", fontsize=7.5, color="0.25", gid="not_drawn"
        )
    sns.despine(fig, left=True)
    fig.tight_layout(rect=(0, 0.09 if note else 0, 1, 1))
    return _label(fig, "meta_estimates")
