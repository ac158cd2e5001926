"""Command line: ``python -m analysis [--debug] <command> ...``.

Commands
--------
studies                                     list the registered studies
simulate STUDY --seed N --out FILE.csv      write a simulated dataset
replicate STUDY [--seed N] [--out FILE]     print the scorecard; exit 0 only if the paper's rows pass
analyze STUDY FILE --out DIR                load and validate a data file, write every table,
                                            a README.txt, the decisions (summary.txt) and figures
hrr --age A --resting R [--zone 70-80]      heart-rate zone in bpm for each HRmax equation
reproduce [--seed N] [--out DIR]            rebuild every dataset, table, figure and notebook
power STUDY [--reps N] [--workers N]        Monte Carlo power of every decision and the pattern

Every argument is checked before any work starts (``--seed`` >= 0, ``--jobs`` >= 1, each
``--assume NAME=VALUE`` finite and within the meaning of the assumption: see
:mod:`analysis.dataio.targets`). Output is all or nothing and never destructive: an existing file or a
non-empty folder is replaced only with ``--force``, and then only a regular file, or the tables
this tool wrote (see :mod:`analysis.dataio.io`).

Exit codes
----------
0 success; 1 a scorecard claim failed, or an unexpected error (one line on stderr; ``--debug``
shows the traceback); 2 bad input or usage, with one message naming the culprit and the fix;
130 interrupted (Ctrl-C); 141 the reader of stdout went away (``| head``), quietly.
"""

from __future__ import annotations

import argparse
import math
import os
import select
import sys
import traceback
import warnings
from pathlib import Path

from .errors import InputError

EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`


def _one_line(text: object) -> str:
    """``text`` with its line breaks and runs of spaces folded: stderr gets one line per message."""
    return " ".join(str(text).split())


# --- argument types: checked by argparse, before any work -----------------------------------


def _whole_number(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(
            f"{what} must be a whole number >= {minimum}, got {text!r}"
        )
    return value


def seed_type(text: str) -> int:
    """``--seed``: a whole number >= 0 (numpy refuses negative seeds)."""
    return _whole_number(text, 0, "the seed")


def jobs_type(text: str) -> int:
    """``--jobs``: a whole number >= 1."""
    return _whole_number(text, 1, "the number of jobs")


# ten million replicates take minutes on two cores; beyond that the Monte Carlo SE (at most
# 0.016 percentage points) is far below anything an assumption could be trusted to
MAX_REPS = 10_000_000
# processes of a LocalCluster on one machine; more only compete for its cores
MAX_WORKERS = 64
# subjects per group: a block of replicates of the largest design at this n is a few hundred MB
MAX_N = 500


def reps_type(text: str) -> int:
    """``--reps``: a whole number from 1 to :data:`MAX_REPS`."""
    value = _whole_number(text, 1, "the number of replicates")
    if value > MAX_REPS:
        raise argparse.ArgumentTypeError(
            f"the number of replicates must be at most {MAX_REPS:,}, got {text!r} (its Monte "
            "Carlo SE is then below 0.02 percentage points)"
        )
    return value


def workers_type(text: str) -> int:
    """``--workers``: a whole number from 1 to :data:`MAX_WORKERS`."""
    value = _whole_number(text, 1, "the number of workers")
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"the number of workers must be at most {MAX_WORKERS} processes on this machine, "
            f"got {text!r}; for more, start a Dask cluster and give --scheduler"
        )
    return value


def n_type(text: str) -> int:
    """``--n``: subjects per group, a whole number from 2 to :data:`MAX_N`."""
    value = _whole_number(text, 2, "n (subjects per group; a t-test needs 2)")
    if value > MAX_N:
        raise argparse.ArgumentTypeError(f"n must be at most {MAX_N} per group, got {text!r}")
    return value


def scheduler_type(text: str) -> str:
    """``--scheduler``: a Dask scheduler's address, ``tcp://host:port`` (``host:port`` too).

    Examples
    --------
    >>> scheduler_type("scheduler.example.org:8786")
    'tcp://scheduler.example.org:8786'
    """
    from .checks.parallel import check_address

    try:
        return check_address(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--scheduler ")) from None


def assumption_type(text: str) -> tuple[str, float]:
    """``--assume NAME=VALUE``: a name and a finite number (its range is checked by the study).

    Examples
    --------
    >>> assumption_type("control_csa_pct_change_sd=5")
    ('control_csa_pct_change_sd', 5.0)
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if not sep or not key or number is None:
        raise argparse.ArgumentTypeError(
            f"takes NAME=NUMBER, e.g. control_csa_pct_change_sd=5; got {text!r}"
        )
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(
            f"{key}={value.strip()} is not a finite number (nan, inf and numbers beyond about "
            "1.8e308 are refused); give an ordinary number"
        )
    return key, number


def out_file_type(text: str) -> Path:
    """``--out`` of a CSV file: a path that does not end in a separator."""
    if text.endswith(("/", os.sep)) or Path(text).name in ("", ".", ".."):
        raise argparse.ArgumentTypeError(
            f"{text!r} names a folder; give a file name, e.g. {text.rstrip('/')}/results.csv"
        )
    return Path(text)


def _assumptions(pairs: list[tuple[str, float]] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in pairs or []:
        if key in out and out[key] != value:
            raise InputError(
                f"--assume {key} is given twice ({out[key]:g} and {value:g}); give it once."
            )
        out[key] = value
    return out


# --- commands ---------------------------------------------------------------------------------


SIMULATED_COMMANDS = "simulate, replicate, analyze, power"


def cmd_studies(args) -> int:
    """Every study of the registry: what it is built from and which commands apply to it."""
    from .studies import all_studies, is_simulated

    rows = [("study", "data", "commands", "notebook", "title")]
    for study in all_studies():
        simulated = is_simulated(study.NAME)
        rows.append(
            (
                study.NAME,
                "simulated" if simulated else "published numbers",
                SIMULATED_COMMANDS if simulated else "none (report and notebook)",
                study.NOTEBOOK,
                study.TITLE,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
            + "  "
            + row[4]
        )
    print(
        "\nEvery study is in `make reproduce`'s report. simulate/replicate/analyze/power apply "
        "to the simulated studies only; the others are computed from published numbers."
    )
    return 0


def _study_and_assumptions(args):
    """The study module and the checked ``--assume`` values (before any work starts)."""
    from .studies import get_simulated_study

    study = get_simulated_study(args.study)
    assumptions = _assumptions(args.assume)
    study.targets(**assumptions)  # names, finiteness and ranges: see Targets.with_overrides
    return study, assumptions


def _simulated(study, seed: int, dispersion: str, assumptions: dict[str, float]):
    """Simulate, then check the data against the schema real data must meet.

    Values that are legal one by one can still combine into impossible data (a percent
    change mean near -100 % with a large SD makes a negative muscle area); the message then
    names the assumptions given.
    """
    import numpy as np

    given = ", ".join(f"{k}={v:g}" for k, v in assumptions.items())
    # an overflow is reported below, once, as an error naming the assumptions
    with np.errstate(all="ignore"):
        data = study.simulate(seed, dispersion, **assumptions)
    numeric = data.select_dtypes("number")
    if not np.isfinite(numeric.to_numpy()).all():
        column = next(c for c in numeric if not np.isfinite(numeric[c]).all())
        if not given:
            raise RuntimeError(f"the simulated {column} has infinite or undefined values")
        raise InputError(
            f"--assume {given}: the simulated {column} overflows (infinite or undefined values); "
            "choose values of a realistic size."
        )
    try:
        study.validate_data(data, source="simulated data")
    except InputError as exc:
        if not given:
            raise RuntimeError(f"simulated data fail their own schema: {exc}") from None
        raise InputError(
            f"--assume {given} gives simulated data that real data could not have: "
            f"{_problems(exc)}. Choose values further from the plausible limits."
        ) from None
    return data


def _problems(exc: InputError) -> str:
    """The problems a validator lists (one per ``  - `` line), on one line."""
    lines = str(exc).splitlines()
    bullets = [line.strip()[2:].rstrip(".") for line in lines if line.strip().startswith("- ")]
    return "; ".join(bullets) if bullets else _one_line(exc).rstrip(".")


def cmd_simulate(args) -> int:
    from .dataio.io import check_csv_target, save_csv

    study, assumptions = _study_and_assumptions(args)
    check_csv_target(args.out, force=args.force, label="--out")
    data = _simulated(study, args.seed, args.dispersion, assumptions)
    path = save_csv(data, args.out, force=args.force, label="--out")
    print(
        f"wrote {path} ({data['subject'].nunique()} subjects, {len(data)} rows, seed {args.seed})"
    )
    return 0


def cmd_replicate(args) -> int:
    import pandas as pd

    from .studies.base import PASS_PROBABILITY, summary

    study, assumptions = _study_and_assumptions(args)
    if args.out:
        from .dataio.io import check_csv_target

        check_csv_target(args.out, force=args.force, label="--out")
    # With assumptions of the user's, the data are simulated once more here (milliseconds) to
    # check them against the schema of real data; replicate() stays the one definition of a
    # replication. Without, the study's own numbers are checked by the tests, and skipping
    # the schema (pandera costs half a second to import) keeps `replicate` quick.
    if assumptions:
        _simulated(study, args.seed, args.dispersion, assumptions)
    try:
        rep = study.replicate(args.seed, args.dispersion, **assumptions)
    except ArithmeticError as exc:
        if not assumptions:
            raise
        # data of absurd magnitude that still pass the schema (1e-300 U/L) break the arithmetic
        given = ", ".join(f"{k}={v:g}" for k, v in assumptions.items())
        raise InputError(
            f"--assume {given} gives numbers too extreme to analyse ({type(exc).__name__}: "
            f"{exc}); choose values of a realistic size."
        ) from None
    card = rep.scorecard
    shown = card[
        ["claim_id", "statistic", "published", "reproduced", "tolerance", "status", "kind"]
    ].copy()
    by_probability = card["probability"].notna()
    if by_probability.any():
        # a row judged by its probability over many studies PASSes by that, not by this
        # dataset's value: show what decided it
        shown.insert(
            shown.columns.get_loc("status"),
            "decided_by",
            [
                f"P = {p:.3f} [{low:.3f}, {high:.3f}]" if pd.notna(p) else "this dataset"
                for p, low, high in card[
                    ["probability", "probability_low", "probability_high"]
                ].itertuples(index=False)
            ],
        )
    with pd.option_context(
        "display.width", 200, "display.max_rows", 500, "display.float_format", "{:.4g}".format
    ):
        print(f"{study.TITLE}: scorecard (seed {args.seed}, ± read as {args.dispersion.upper()})")
        print(shown.to_string(index=False))
    if by_probability.any():
        studies = card.loc[by_probability, "judged_by"].iloc[0].removeprefix("probability over ")
        print(
            f"P: the share of {studies} (simulated under the assumptions) in which the row "
            f"holds, with its 95 % Wilson interval; such a row PASSes at P >= "
            f"{PASS_PROBABILITY:g}, whatever this dataset's own value."
        )
    print(summary(card))
    articles = card.loc[(card["status"] != "PASS") & (card["claimed_by"] == "article"), "claim_id"]
    if len(articles):
        # the exit code follows the paper's rows only (Replication.passed)
        print(
            f"FAIL rows that are the popular article's statements, not the paper's: "
            f"{', '.join(articles)}. A finding about the article; the exit code is 0 when "
            "every row of the paper passes."
        )
    if args.out:
        from .dataio.io import save_csv

        save_csv(card, args.out, force=args.force, label="--out")
    return 0 if rep.passed else EXIT_FAIL


def sheet_value(text: str | None) -> str | int | None:
    """``--sheet``: a 0-based index when it is a whole number, else a sheet name.

    Examples
    --------
    >>> sheet_value("2"), sheet_value("Data 2019"), sheet_value(None)
    (2, 'Data 2019', None)
    """
    if text is None:
        return None
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else text


# the files `analyze` writes beside its tables
README_FILE = "README.txt"
SUMMARY_FILE = "summary.txt"
FIGURES_FOLDER = "figures"
ALPHA = 0.05
WIDTH = 100  # of the wrapped prose lines of README.txt and summary.txt


def format_p(p: float) -> str:
    """A p-value rounded as the summary prints it: ``0.0034``, ``0.037``, ``< 0.001``.

    The display layer's rounding (:func:`analysis.engine.display.format_p`: never rounded across
    0.05), with NaN said in words.

    Examples
    --------
    >>> format_p(0.00341), format_p(0.0371), format_p(0.84247), format_p(2e-9), format_p(float("nan"))
    ('0.0034', '0.037', '0.842', '< 0.001', 'not computable')
    """
    from .engine.display import format_p as rounded

    return rounded(float(p)) or "not computable"


def _p_text(label: str, p: float) -> str:
    """``"p = 0.037"``, ``"Holm p < 0.001"``."""
    shown = format_p(p)
    return f"{label} {shown}" if shown.startswith("<") else f"{label} = {shown}"


def _wrapped(text: str, indent: str = "", hanging: str = "") -> str:
    import textwrap

    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=hanging or indent,
        break_on_hyphens=False,
    )


def analysis_summary(study, data, tables, source: str) -> str:
    """What ``analyze`` found, rounded and with units: the study's decisions and their p.

    Printed on stdout and written as ``summary.txt``; each line is one decision of
    ``study.decisions(tables)``: ``yes`` (the test came out as stated), ``no``, or ``n/a``
    (the data cannot give it).
    """
    subjects = data.drop_duplicates("subject")
    counts = subjects["group"].value_counts()
    groups = ", ".join(f"{g} {counts.get(g, 0)}" for g in study.DATA_SPEC.factors["group"])
    lines = [
        study.TITLE,
        _wrapped(f"Data: {source}, {len(subjects)} subjects ({groups}).", hanging="  "),
        "",
        _wrapped(
            f"Decisions (alpha = {ALPHA:g}), each with its estimate, test and p; full precision "
            f"in the tables ({README_FILE} lists them). yes: the test comes out as stated; no: "
            "it does not; n/a: these data cannot give it."
        ),
    ]
    for row in study.decisions(tables).itertuples(index=False):
        mark = "n/a" if row.holds is None else "yes" if row.holds else "no"
        parts = [row.estimate] if row.estimate else []
        if math.isfinite(row.p):
            parts.append(f"{row.statistic}, {_p_text(row.p_label, row.p)}")
        else:
            parts.append(row.statistic)
        # two lines, never wrapped: a broken "p <" / "0.05" would misread
        lines.append(f"  {mark:<4} {row.statement}")
        lines.append(f"       {'; '.join(parts)} (stated: {row.stated})")
    return "\n".join(lines) + "\n"


def output_readme(study, tables, figure_files: list[str], command: str) -> str:
    """The ``README.txt`` of an ``analyze`` folder: every file, what it holds, its units.

    Each table's line comes from the study's ``TABLE_DESCRIPTIONS`` (what, units).
    """
    lines = [
        _wrapped(f"{study.TITLE}: results of `{command}`."),
        _wrapped(
            "Tables are CSV (comma-separated, decimal point, UTF-8), one row per result, at "
            "full precision; an empty cell is a value that does not apply or could not be "
            "computed (the row's note or exclusion_reason says why). p-values (p_val, p_unc, "
            "p_holm, p_GG_corr, ...) are probabilities, no unit. A text cell starting with ' "
            "was quoted so that a spreadsheet does not run it as a formula."
        ),
        "",
        "Tables",
    ]
    for name in tables:
        what, units = study.TABLE_DESCRIPTIONS[name]
        lines.append(_wrapped(f"{name}.csv: {what}. Units: {units}.", "  ", "    "))
    lines += [
        "",
        "Other files",
        _wrapped(
            f"{SUMMARY_FILE}: the study's decisions rounded, as `analyze` printed them: each "
            "statement, whether these data show it, its estimate (with units) and its test. "
            "No unit beyond those it names.",
            "  ",
            "    ",
        ),
    ]
    if figure_files:
        stems = sorted({Path(f).stem for f in figure_files})
        kinds = " and ".join(sorted({Path(f).suffix[1:].upper() for f in figure_files}))
        lines.append(
            _wrapped(
                f"{FIGURES_FOLDER}/: the study's figures drawn from these data ({kinds}): "
                f"{', '.join(stems)}. Axis labels give the units.",
                "  ",
                "    ",
            )
        )
    lines.append(
        _wrapped(
            f"{README_FILE}: this file. .analysis-manifest.json: the files this tool wrote "
            "here and their SHA-256 (`analyze --force` replaces only those). No unit.",
            "  ",
            "    ",
        )
    )
    return "\n".join(lines) + "\n"


def _figure_files(study, results, source: str) -> dict[str, bytes]:
    """The study's figures drawn from ``results``, as ``{"figures/<stem>.png": bytes, ...}``.

    Drawn with the study's own ``figures`` and saved by :func:`analysis.engine.plots.save`
    (PNG and SVG) into a private temporary folder, whose bytes then go to the output folder with
    the tables, all or nothing. A title saying the data are simulated (a study's
    ``ASSUMED_MAGNITUDES``) names ``source`` instead: these are the user's data.
    """
    import tempfile

    import matplotlib
    import matplotlib.text

    matplotlib.use("Agg")  # files only: never a window, also where a display exists
    from .engine import plots

    files = {}
    figures = study.figures(results)
    simulated_title = getattr(study, "ASSUMED_MAGNITUDES", None)
    drawn = []  # closed at the end; a figure never drawn (after an error) is not drawn to close it
    with tempfile.TemporaryDirectory(prefix="analysis-figures-") as folder:
        try:
            for stem in figures:
                fig = figures[stem]
                drawn.append(fig)
                for text in fig.findobj(matplotlib.text.Text):
                    if simulated_title and text.get_text() == simulated_title:
                        text.set_text(f"Data: {Path(source).name}")
                for path in plots.save(fig, folder, stem):
                    files[f"{FIGURES_FOLDER}/{path.name}"] = path.read_bytes()
        finally:
            for fig in drawn:
                plots.close(fig)
    return files


def cmd_analyze(args) -> int:
    from .dataio.io import check_tables_target, save_tables
    from .errors import DataWarning
    from .studies import get_simulated_study, load
    from .studies.base import Results

    study = get_simulated_study(args.study)
    # what --out is can be checked now; what it holds is checked once the data file is known
    # to be good (a bad file is the first thing to fix), before any table is computed
    check_tables_target(args.out, force=args.force, label="--out", contents=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        try:
            data = load(args.file, study.NAME, sheet=sheet_value(args.sheet), layout=args.format)
        finally:
            # printed even when the load fails: they may explain the error
            for warning in caught:
                if issubclass(warning.category, DataWarning):
                    print(f"warning: {_one_line(warning.message)}", file=sys.stderr)
                else:
                    warnings.warn_explicit(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )
    tables = study.analyze(data, source=str(args.file), validate=False)
    # the table names are known before any is computed: refuse a non-empty folder or a clash
    # with the user's files before the work (the figures' names are checked when they are drawn)
    names = [f"{name}.csv" for name in tables] + [README_FILE, SUMMARY_FILE]
    check_tables_target(args.out, force=args.force, names=names, label="--out")
    computed = {name: tables[name] for name in tables}  # every table, before any is described
    summary = analysis_summary(study, data, tables, str(args.file))
    try:
        figures = _figure_files(study, Results(study.NAME, tables, data=data), str(args.file))
    except Exception as exc:  # the tables stand without the figures; say so, write the rest
        figures = {}
        print(f"warning: no figures: {_one_line(exc)}", file=sys.stderr)
    command = " ".join(
        ["python -m analysis analyze", study.NAME, str(args.file)]
        + ([f"--sheet {args.sheet}"] if args.sheet is not None else [])
        + ([f"--format {args.format}"] if args.format else [])
    )
    files = {
        README_FILE: output_readme(study, tables, list(figures), command).encode(),
        SUMMARY_FILE: summary.encode(),
        **figures,
    }
    save_tables(computed, args.out, force=args.force, label="--out", files=files)
    print(summary, end="")
    shown = f" and {len({Path(f).stem for f in figures})} figures (PNG, SVG)" if figures else ""
    print(f"\nwrote {len(computed)} tables, {README_FILE}, {SUMMARY_FILE}{shown} in {args.out}")
    for note in tables.brief_notes():
        print(f"note: {_one_line(note)}", file=sys.stderr)
    return 0


def cmd_hrr(args) -> int:
    import pandas as pd

    from .engine.hrr import EQUATIONS, parse_zone, zone_table

    low, high, reading = parse_zone(args.zone)
    equations = [args.equation] if args.equation else list(EQUATIONS)
    table = zone_table(args.age, args.resting, (low, high), equations)
    shown = table[["equation", "hrmax_bpm", "low_bpm", "high_bpm", "citation"]]
    print(
        f"Heart-rate zone {low:.0%}-{high:.0%} of heart-rate reserve (Karvonen), age "
        f"{args.age:g}, resting {args.resting:g} bpm (zone {args.zone!r} read as a "
        f"{reading} of HRR)"
    )
    with pd.option_context("display.width", 160, "display.float_format", "{:.1f}".format):
        print(shown.to_string(index=False))
    return 0


def cmd_power(args) -> int:
    import json
    import time

    from .checks.power import power

    # the same checks as simulate/replicate (a study of published numbers gets the registry's
    # error; names, finiteness and ranges of --assume), all before any work
    study, assumptions = _study_and_assumptions(args)
    if assumptions:
        # values legal one by one can still make impossible or overflowing data: refused as
        # replicate refuses them (one dataset at the published size), not counted as failures
        _simulated(study, args.seed, args.dispersion or "sem", assumptions)
    where = (
        f"on {args.workers} local worker processes"
        if args.workers
        else f"on the Dask cluster at {args.scheduler}"
        if args.scheduler
        else "locally"
    )
    start = time.perf_counter()
    result = power(
        study,
        reps=args.reps,
        seed=args.seed,
        n=args.n,
        dispersion=args.dispersion,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=True,  # on stderr, and only when the run takes more than about a second
        **assumptions,
    )
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result)
        print(f"({args.reps:,} replicates in {seconds:.1f} s, {where})")
    return 0


def cmd_reproduce(args) -> int:
    from .build.reproduce import reproduce

    return reproduce(
        seed=args.seed,
        out=Path(args.out),
        only=args.only,
        notebooks_dir=args.notebooks,
        jobs=args.jobs,
    )


# --- parser -----------------------------------------------------------------------------------


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (its usage block would make it several)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {self.prog}: {_one_line(message)} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m analysis",
        description="Simulated replications of the studies behind 'does running build leg "
        "muscle?'. The data are simulated from published summaries; see the README.",
    )
    debug_help = "show the traceback of an error instead of a one-line message"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help):
        p = sub.add_parser(name, help=help)
        # also after the command; SUPPRESS keeps the subparser from resetting a --debug given
        # before it
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
        return p

    def force_option(p, what):
        p.add_argument("--force", action="store_true", help=f"replace {what} (never anything else)")

    p = command("studies", help="list every study and the commands that apply to it")
    p.set_defaults(func=cmd_studies)

    def study_options(p):
        p.add_argument("study", help="a simulated study: estes2017 or ryu2016 (see `studies`)")
        p.add_argument("--seed", type=seed_type, default=0, help="random seed >= 0 (default 0)")
        p.add_argument(
            "--dispersion",
            choices=["sem", "sd"],
            default="sem",
            help="read the published ± as SEM (default) or SD",
        )
        p.add_argument(
            "--assume",
            action="append",
            type=assumption_type,
            metavar="NAME=VALUE",
            help="override an assumed number of the study (repeatable); its allowed range is "
            "in data/published/STUDY.csv",
        )

    p = command("simulate", help="write a simulated dataset as CSV")
    study_options(p)
    p.add_argument("--out", required=True, type=out_file_type, help="CSV file to write")
    force_option(p, "an existing --out file")
    p.set_defaults(func=cmd_simulate)

    p = command(
        "replicate", help="print the scorecard; exit 0 only if every row of the paper passes"
    )
    study_options(p)
    p.add_argument("--out", type=out_file_type, help="also write the scorecard as CSV")
    force_option(p, "an existing --out file")
    p.set_defaults(func=cmd_replicate)

    p = command("analyze", help="load and validate a data file, write every result table")
    p.add_argument("study", help="a simulated study: estes2017 or ryu2016 (see `studies`)")
    p.add_argument("file", type=Path, help="data file (CSV, Excel...): long or wide format")
    p.add_argument("--out", required=True, type=Path, help="folder for the result tables")
    p.add_argument(
        "--sheet", metavar="NAME_OR_INDEX", help="Excel sheet: its name or 0-based index"
    )
    p.add_argument(
        "--format",
        choices=["long", "wide"],
        help="layout of the file: one row per subject x time (long) or per subject (wide); "
        "detected when not given",
    )
    force_option(p, "the tables this tool wrote into a non-empty --out folder")
    p.set_defaults(func=cmd_analyze)

    p = command("hrr", help="heart-rate zone in bpm from age and resting heart rate")
    p.add_argument("--age", type=float, required=True, help="age in years (10-100)")
    p.add_argument("--resting", type=float, required=True, help="resting heart rate, bpm")
    p.add_argument(
        "--equation",
        choices=["fox", "tanaka", "gellish", "nes"],
        help="one HRmax equation (default: all four)",
    )
    p.add_argument("--zone", default="70-80", help="zone in %% of HRR, e.g. 70-80 (default)")
    p.set_defaults(func=cmd_hrr)

    p = command(
        "power",
        help="how often a study of this size reproduces each published decision (Monte Carlo)",
    )
    p.add_argument("study", help="a simulated study: estes2017 or ryu2016 (see `studies`)")
    p.add_argument(
        "--reps",
        type=reps_type,
        default=10_000,
        help=f"replicates drawn from the population, 1-{MAX_REPS:,} (default 10,000)",
    )
    p.add_argument("--seed", type=seed_type, default=0, help="random seed >= 0 (default 0)")
    p.add_argument(
        "--assume",
        action="append",
        type=assumption_type,
        metavar="NAME=VALUE",
        help="override an assumed number of the study (repeatable); its allowed range is "
        "in data/published/STUDY.csv",
    )
    p.add_argument(
        "--dispersion",
        choices=["sem", "sd"],
        help="read the published ± as SEM (the default) or SD",
    )
    p.add_argument(
        "--n", type=n_type, help=f"subjects per group, 2-{MAX_N} (default: the published sizes)"
    )
    backend = p.add_mutually_exclusive_group()
    backend.add_argument(
        "--workers",
        type=workers_type,
        help="run on a Dask LocalCluster of N worker processes (default: in this process)",
    )
    backend.add_argument(
        "--scheduler",
        type=scheduler_type,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON (only that)")
    p.set_defaults(func=cmd_power)

    p = command("reproduce", help="rebuild every result and the report")
    p.add_argument("--seed", type=seed_type, default=0, help="seed passed to every notebook")
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p.add_argument("--only", help="run one notebook (name or file stem)")
    p.add_argument("--notebooks", type=Path, help="folder of notebooks (default notebooks/)")
    p.add_argument(
        "--jobs",
        type=jobs_type,
        default=None,
        help="notebooks run at once, >= 1 (default: one per core while the build computes "
        "its own outputs, one more after)",
    )
    p.set_defaults(func=cmd_reproduce)
    return parser


# --- main -------------------------------------------------------------------------------------


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # Python's default display takes two lines and names a file inside a library
    print(f"warning: {_one_line(message)}", file=sys.stderr)


def _stdout_is_gone() -> bool:
    """True when stdout is a pipe whose reader has closed it (``| head`` finished)."""
    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail loudly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def exit_now(code) -> None:
    """Leave the process with exit status ``code`` without tearing the interpreter down.

    At a normal exit Python frees every object of every loaded module; with pandas, SciPy,
    matplotlib and Jupyter's libraries loaded that took 0.5-0.75 s after a build's last line
    (measured), for memory the operating system takes back at once. The exit handlers
    still run first (``atexit``: temporary folders, multiprocessing's helpers, logging), then
    the standard streams are flushed. While a thread that is not a daemon still runs, or
    for a ``code`` that is not an exit status, this is an ordinary ``sys.exit``.
    """
    import atexit
    import threading

    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if not isinstance(code, int) or isinstance(code, bool) or any(not t.daemon for t in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # a closed pipe: nothing more to say
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0), or a usage error already printed on one line
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _show_warning
            code = args.func(args)
            sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        if _stdout_is_gone():
            _quiet_stdout()
            return EXIT_BROKEN_PIPE
        return _unexpected(debug)
    except InputError as exc:
        if debug:
            traceback.print_exc()
        # as written: a loader's list of every problem in a file keeps its one line per problem
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:
        return _unexpected(debug)


def _unexpected(debug: bool) -> int:
    exc = sys.exception()
    if debug:
        traceback.print_exc()
        return EXIT_FAIL
    text = _one_line(exc)
    print(
        f"error: unexpected {type(exc).__name__}{': ' + text if text else ''} "
        "(run again with --debug for the traceback)",
        file=sys.stderr,
    )
    return EXIT_FAIL
