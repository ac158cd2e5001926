"""Dump the effects and variances that ``analysis.studies.konopka2014.meta_analyses`` pools.

Run from the repository root:  .venv/bin/python tests/reference/dump_aerobic_meta.py
Writes ``tests/reference/data/aerobic_meta_sets.csv`` (analysis, study, cohort, yi, vi, se):
yi = mean % change, se = its printed SE, vi = se ** 2, exactly as ``analysis.engine.meta.pool`` gets
them. The primary set is read from ``meta_analyses()["studies"]``; the three sensitivity sets
repeat the selection in ``meta_analyses`` (the script checks that the project pools each to the
same estimate from these rows). ``meta_reference.R`` reads this file.
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "aerobic_meta_sets.csv"


def sets():
    import pandas as pd

    from analysis.studies import konopka2014 as dose

    lit = dose.load_literature()
    primary = dose.meta_analyses(lit)["studies"]
    swapped = pd.concat(
        [primary[primary["study"] != "harber2009"], lit[lit["study"] == "konopka2010"]]
    )
    without = primary[primary["cohort"] != "older_women_bsu"]
    abe = lit[lit["study"] == "abe2010"].assign(se=lambda d: d["se_assumed"])
    return {
        "primary": primary,
        "Konopka 2010 instead of Harber 2009": swapped,
        "without the older-women cohort": without,
        "with Abe 2010 (assumed SE)": pd.concat([primary, abe]),
    }


def main() -> None:
    import numpy as np

    from analysis.engine import meta
    from analysis.studies import konopka2014 as dose

    runs = sets()
    pooled = dose.meta_analyses()["pooled"]
    for label, rows in runs.items():
        for method in ("DL", "PM"):
            mine = meta.pool(rows, method=method, label=label)["estimate"].iloc[0]
            theirs = pooled.loc[
                (pooled["analysis"] == label) & (pooled["method"] == method), "estimate"
            ].iloc[0]
            assert np.isclose(mine, theirs, rtol=0, atol=1e-12), (label, method, mine, theirs)
    with open(OUT, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["analysis", "study", "cohort", "yi", "vi", "se"])
        for label, rows in runs.items():
            for _, r in rows.iterrows():
                se = float(r["se"])
                w.writerow(
                    [
                        label,
                        r["study"],
                        r["cohort"],
                        repr(float(r["pct_change"])),
                        repr(se**2),
                        repr(se),
                    ]
                )


if __name__ == "__main__":
    main()
