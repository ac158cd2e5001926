"""Benchmark of the array ANOVA engine, run by ``make bench``.

100,000 replicates of the 3 groups x 10 subjects x 3 timepoints design through
``analysis.engine.anova.mixed_anova`` (every SS, F, p, partial eta², Mauchly W and p, GG and HF epsilon;
analysis only, data drawn beforehand; the GG and HF corrected p, computed when first read,
timed separately), beside the reference measured in the
same run: a loop of ``pingouin.mixed_anova`` over long DataFrames, timed on a subset and
scaled to 100,000. Target (issue 9): under 0.5 s on the project's 2-core machine.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

from analysis.engine.anova import mixed_anova

REPLICATES = 100_000
LOOP_SUBSET = 100
TARGET_SECONDS = 0.5
GROUPS = np.repeat(["a", "b", "c"], 10)


def best_of(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def pingouin_loop(y: np.ndarray) -> None:
    import pingouin as pg

    subjects = np.arange(y.shape[1])
    for replicate in y:
        long = pd.DataFrame(
            {
                "subject": np.repeat(subjects, y.shape[2]),
                "group": np.repeat(GROUPS, y.shape[2]),
                "time": np.tile(np.arange(y.shape[2]), y.shape[1]),
                "y": replicate.ravel(),
            }
        )
        pg.mixed_anova(long, dv="y", within="time", between="group", subject="subject")


def main() -> int:
    rng = np.random.default_rng(2026)
    y = rng.normal(size=(REPLICATES, 30, 3)) + [0.0, 0.3, 0.6]
    mixed_anova(y[:10], GROUPS)  # warm up imports and caches
    best, median = best_of(lambda: mixed_anova(y, GROUPS))

    def with_corrections():
        result = mixed_anova(y, GROUPS)
        return result.p_gg, result.p_hf

    corrected, _ = best_of(with_corrections)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pingouin_loop(y[:5])
        loop_best, _ = best_of(lambda: pingouin_loop(y[:LOOP_SUBSET]), repeats=2)
    loop_scaled = loop_best * REPLICATES / LOOP_SUBSET
    verdict = "ok" if best < TARGET_SECONDS else "SLOW"
    print(f"mixed_anova, {REPLICATES:,} replicates of 3 x 10 x 3 (GG, HF, Mauchly, Type III)")
    print(
        f"  array engine      best {best:7.3f} s   median {median:7.3f} s   target "
        f"{TARGET_SECONDS} s  {verdict}"
    )
    print(
        f"  ... and reading the GG and HF corrected p (computed on first read): {corrected:.3f} s"
    )
    print(
        f"  pingouin loop     {loop_scaled:7.1f} s (timed on {LOOP_SUBSET}, scaled)   "
        f"ratio {loop_scaled / best:,.0f}x"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
