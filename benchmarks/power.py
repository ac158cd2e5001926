"""Benchmark of Monte Carlo power for the running-distance study (issue 11), run by ``make bench``.

100,000 replicates of Ryu et al. (2016) at its published size (3 distances x 10 runners x 3
timepoints, 5 outcomes) drawn from the population and decided: every decision row of the
scorecard (paired t-tests with Holm within each distance, Welch tests with Holm over the three
pairs, the Greenhouse-Geisser time effect) and, beside them, the mixed ANOVA (GG p of time and
distance x time) of all 5 outcomes; data generation included. Beside it, measured in the same
run, today's path for one replicate (``simulate(empirical=False)``, ``analyze``,
``scorecard``), timed on a few replicates and scaled. Then 1,000,000 replicates in chunks, in a
child process whose peak resident memory is read with ``getrusage(RUSAGE_CHILDREN)``.

Targets (issue 11): 100,000 replicates under 2 s on the project's 2-core machine, at least
1000x faster than the loop, and 1,000,000 replicates with a peak RSS under 1 GB.

The chunk loop is this file's own: chunks of whole seed blocks
(:data:`analysis.studies._ryu2016_batch.BLOCK`) are drawn with ``start=`` and decided on a
thread pool (numpy and scipy release the GIL in their array loops, so two threads use both
cores); the draws of a replicate depend only on the seed and its index, so the counts are the
same whatever the chunk size or the number of threads.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from analysis.studies import ryu2016
from analysis.studies._ryu2016_batch import BLOCK, claims_batch, decide_batch, simulate_batch

REPLICATES = 100_000
BIG = 1_000_000
LOOP_SUBSET = 20
CHUNK = 4 * BLOCK  # 8,192 replicates per task: 30 MB of data; 13 tasks keep both threads busy
WORKERS = min(2, os.cpu_count() or 1)
SEED = 2026
TARGET_SECONDS = 2.0
TARGET_RATIO = 1000
TARGET_RSS_MB = 1024


def chunk(start: int, reps: int, anova=tuple(ryu2016.OUTCOMES)) -> dict[str, np.ndarray]:
    """Draw and decide one chunk; return its counts (so a long run keeps no replicate)."""
    batch = simulate_batch(reps, SEED, start=start)
    decisions = decide_batch(batch, anova=anova)
    claims = claims_batch(batch, decisions)
    return {
        "holds": decisions.holds.sum(axis=0),
        "all_hold": decisions.all_hold.sum(keepdims=True),
        **{f"claim_{c}": holds.sum(keepdims=True) for c, holds in claims.items()},
        **{
            f"anova_{o}": (p < 0.05).sum(axis=0) for o, p in getattr(decisions, "anova", {}).items()
        },
    }


def power(
    reps: int, chunk_size: int = CHUNK, workers: int = WORKERS, anova=tuple(ryu2016.OUTCOMES)
) -> dict[str, np.ndarray]:
    """Counts over ``reps`` replicates, chunk by chunk on ``workers`` threads."""
    starts = range(0, reps, chunk_size)
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(lambda s: chunk(s, min(chunk_size, reps - s), anova), starts)
        total: dict[str, np.ndarray] = {}
        for part in parts:
            for key, count in part.items():
                total[key] = total.get(key, 0) + count
    return total


def loop(reps: int) -> None:
    """Today's path, one replicate at a time."""
    for seed in range(reps):
        data = ryu2016.simulate(seed, empirical=False)
        ryu2016.scorecard(data, ryu2016.analyze(data, validate=False))


def child(reps: int) -> int:
    """The big run, in its own process so that its peak RSS is its own."""
    start = time.perf_counter()
    counts = power(reps)
    seconds = time.perf_counter() - start
    print(f"{seconds:.3f} {counts['all_hold'][0]}")
    return 0


def main() -> int:
    power(2 * BLOCK)  # warm up imports, the targets cache and the thread pool
    times, cpu, counts = [], [], None
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        counts = power(REPLICATES)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    best = min(times)
    start = time.perf_counter()
    power(REPLICATES, anova=())  # the scorecard's decisions only (2 of the 5 ANOVAs' time p)
    decisions_only = time.perf_counter() - start

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loop(2)  # warm up pandas, pingouin and statsmodels
        start = time.perf_counter()
        loop(LOOP_SUBSET)
        loop_seconds = (time.perf_counter() - start) * REPLICATES / LOOP_SUBSET

    big = subprocess.run(
        [sys.executable, __file__, "--child", str(BIG)], check=True, capture_output=True, text=True
    )
    big_seconds = float(big.stdout.split()[0])
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux

    ratio = loop_seconds / best
    ok_time, ok_ratio, ok_rss = best < TARGET_SECONDS, ratio >= TARGET_RATIO, rss_mb < TARGET_RSS_MB
    rows = len(decide_batch(simulate_batch(1, 0)).claim_ids)
    print(
        f"Monte Carlo power of ryu2016, {REPLICATES:,} replicates of 3 x 10 x 3 x 5 outcomes: "
        f"{rows} scorecard decisions + 5 mixed ANOVAs (GG), data generation included, "
        f"{WORKERS} threads, chunks of {CHUNK:,}"
    )
    print(
        f"  batched           best {best:7.3f} s   (runs: {', '.join(f'{t:.3f}' for t in times)})"
        f"   target {TARGET_SECONDS} s  {'ok' if ok_time else 'SLOW'}"
    )
    # CPU time of both threads: what the run costs whatever else the machine is doing
    print(f"  ... CPU time {min(cpu):.3f} s, so {min(cpu) / best:.2f} cores busy on average")
    print(f"  ... the scorecard's decisions without the 5 ANOVAs: {decisions_only:.3f} s")
    print(
        f"  loop of simulate + analyze + scorecard: {loop_seconds:9.1f} s (timed on "
        f"{LOOP_SUBSET}, scaled)   ratio {ratio:,.0f}x   target {TARGET_RATIO}x  "
        f"{'ok' if ok_ratio else 'SLOW'}"
    )
    print(
        f"  {BIG:,} replicates in chunks: {big_seconds:.2f} s, peak RSS {rss_mb:.0f} MB   "
        f"target {TARGET_RSS_MB} MB  {'ok' if ok_rss else 'TOO BIG'}"
    )
    share = counts["all_hold"][0] / REPLICATES
    se = np.sqrt(share * (1 - share) / REPLICATES)
    print(f"  (whole published pattern reproduced in {100 * share:.1f} % ± {100 * se:.1f} %)")
    return 0 if ok_time and ok_ratio and ok_rss else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(child(int(sys.argv[2])))
    sys.exit(main())
