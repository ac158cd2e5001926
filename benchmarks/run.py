"""Benchmarks, run by ``make bench``: wall time of whole processes, with a reference.

Each command is timed as a new process (what a user waits for), several times; the median is
printed with its ratio to a reference process measured in the same run, so the figures can be
compared across machines. The reference is Python importing pandas and scipy.stats, the floor
of any command of this project.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

REPEATS = 5
REFERENCE = [sys.executable, "-c", "import pandas, scipy.stats"]
CASES = {
    "replicate estes2017": ([sys.executable, "-m", "analysis", "replicate", "estes2017"], 3.0),
    "import analysis": ([sys.executable, "-c", "import analysis.studies.estes2017"], None),
}


def wall_time(command: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    wall_time(REFERENCE)  # warm the file cache and the .pyc files
    reference = wall_time(REFERENCE)
    print(f"{'case':28s} {'median s':>9s} {'x reference':>12s} {'target s':>9s}  verdict")
    print(f"{'reference (pandas+scipy)':28s} {reference:9.2f} {1.0:12.2f}")
    failed = False
    for name, (command, target) in CASES.items():
        wall_time(command)
        seconds = wall_time(command)
        verdict = "" if target is None else ("ok" if seconds < target else "SLOW")
        failed |= verdict == "SLOW"
        shown = f"{target:9.1f}" if target else f"{'':9s}"
        print(f"{name:28s} {seconds:9.2f} {seconds / reference:12.2f} {shown}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
