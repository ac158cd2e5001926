"""Command line: ``python -m analysis <command> ...``.

Commands
--------
studies                                     list the registered studies
simulate STUDY --seed N --out FILE.csv      write a simulated dataset
replicate STUDY [--seed N]                  print the scorecard; exit 0 only if all rows pass
analyze STUDY FILE.csv --out DIR            validate a data file and write every result table
hrr --age A --resting R [--zone 70-80]      heart-rate zone in bpm for each HRmax equation
reproduce [--seed N] [--out DIR]            rebuild every dataset, table, figure and notebook

Bad input exits with code 2 and one message, without a traceback and without writing files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError

EXIT_FAIL = 1
EXIT_USAGE = 2


def _assumptions(pairs: list[str] | None) -> dict[str, float]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise InputError(f"--assume takes NAME=NUMBER, got {pair!r}.")
    return out


def cmd_studies(args) -> int:
    from .studies import STUDIES

    for name, title in STUDIES.items():
        print(f"{name:12s} {title}")
    return 0


def cmd_simulate(args) -> int:
    from .io import write_csv
    from .studies import get_study

    study = get_study(args.study)
    data = study.simulate(args.seed, args.dispersion, **_assumptions(args.assume))
    path = write_csv(data, args.out)
    print(
        f"wrote {path} ({data['subject'].nunique()} subjects, {len(data)} rows, seed {args.seed})"
    )
    return 0


def cmd_replicate(args) -> int:
    import pandas as pd

    from .scorecard import summary
    from .studies import get_study

    study = get_study(args.study)
    rep = study.replicate(args.seed, args.dispersion, **_assumptions(args.assume))
    card = rep.scorecard
    shown = card[
        ["claim_id", "statistic", "published", "reproduced", "tolerance", "status", "kind"]
    ]
    with pd.option_context(
        "display.width", 160, "display.max_rows", 500, "display.float_format", "{:.4g}".format
    ):
        print(f"{study.TITLE}: scorecard (seed {args.seed}, ± read as {args.dispersion.upper()})")
        print(shown.to_string(index=False))
    print(summary(card))
    if args.out:
        from .io import write_csv

        write_csv(card, args.out)
    return 0 if rep.passed else EXIT_FAIL


def cmd_analyze(args) -> int:
    from .io import write_tables
    from .schemas import read_csv
    from .studies import get_study

    study = get_study(args.study)
    data = read_csv(args.file)
    tables = study.analyze(data, source=str(args.file))
    written = write_tables(tables, args.out)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_hrr(args) -> int:
    import pandas as pd

    from .hrr import EQUATIONS, parse_zone, zone_table

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


def cmd_reproduce(args) -> int:
    from .reproduce import reproduce

    return reproduce(
        seed=args.seed,
        out=Path(args.out),
        only=args.only,
        notebooks_dir=args.notebooks,
        jobs=args.jobs,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Simulated replications of the studies behind 'does running build leg "
        "muscle?'. The data are simulated from published summaries; see the README.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("studies", help="list the studies")
    p.set_defaults(func=cmd_studies)

    def study_options(p, out_help=None):
        p.add_argument("study", help="study name, e.g. estes2017 (see `studies`)")
        p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        p.add_argument(
            "--dispersion",
            choices=["sem", "sd"],
            default="sem",
            help="read the published ± as SEM (default) or SD",
        )
        p.add_argument(
            "--assume",
            action="append",
            metavar="NAME=VALUE",
            help="override an assumed number of the study (repeatable)",
        )

    p = sub.add_parser("simulate", help="write a simulated dataset as CSV")
    study_options(p)
    p.add_argument("--out", required=True, type=Path, help="CSV file to write")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("replicate", help="print the scorecard; exit 0 only if all rows pass")
    study_options(p)
    p.add_argument("--out", type=Path, help="also write the scorecard as CSV")
    p.set_defaults(func=cmd_replicate)

    p = sub.add_parser("analyze", help="validate a data file and write every result table")
    p.add_argument("study", help="study name, e.g. estes2017")
    p.add_argument("file", type=Path, help="long-format CSV: one row per subject x time")
    p.add_argument("--out", required=True, type=Path, help="folder for the result tables")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("hrr", help="heart-rate zone in bpm from age and resting heart rate")
    p.add_argument("--age", type=float, required=True, help="age in years (10-100)")
    p.add_argument("--resting", type=float, required=True, help="resting heart rate, bpm")
    p.add_argument(
        "--equation",
        choices=["fox", "tanaka", "gellish", "nes"],
        help="one HRmax equation (default: all four)",
    )
    p.add_argument("--zone", default="70-80", help="zone in %% of HRR, e.g. 70-80 (default)")
    p.set_defaults(func=cmd_hrr)

    p = sub.add_parser("reproduce", help="rebuild every result and the report")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every notebook")
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p.add_argument("--only", help="run one notebook (name or file stem)")
    p.add_argument("--notebooks", type=Path, help="folder of notebooks (default notebooks/)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    p.set_defaults(func=cmd_reproduce)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
