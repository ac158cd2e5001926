"""Benchmark of ``make reproduce`` (issue 11: warm, with notebook 04, at most 15 s wall).

Runs ``python -m analysis reproduce`` into a scratch folder: once to warm the caches (the file
cache, the previous report's timings the build orders notebooks by, and the ``.pyc`` files,
unless ``PYTHONDONTWRITEBYTECODE`` is set, as on this project's machine: then the build's
process and the workers' forkserver each compile the package's own modules again, about 0.25
CPU-seconds each), then ``--repeats`` timed runs. As a reference measured in the same run, the
same build with every kernel launched as a new interpreter (``ANALYSIS_FRESH_KERNELS=1``, what
the build did before kernels were forked from a preloaded worker). CPU-seconds are summed over
every process of the machine (``/proc/stat``, Linux), so a busy machine shows as CPU the build
did not use.

The speed of the virtual machine this project is built on drifts by a factor of two within
minutes, so the benchmark also times a fixed pure-Python loop before and after the builds: a
reader can tell a slow build from a slow machine.

Usage: ``python benchmarks/reproduce.py [--repeats 3] [--seed 0]`` (``make bench-reproduce``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 15.0  # seconds, warm, issue 11


def cpu_seconds() -> float | None:
    """Busy CPU-seconds of the whole machine so far (``None`` where /proc/stat is missing)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def machine_probe() -> float:
    """CPU-seconds of a fixed pure-Python loop (3 million steps): about 0.4 s when this
    project's machine runs fast, twice that when it does not."""
    start = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return time.process_time() - start


def build(out: Path, seed: int, fresh: bool) -> tuple[float, float | None]:
    env = {**os.environ, "ANALYSIS_FRESH_KERNELS": "1" if fresh else ""}
    command = [sys.executable, "-m", "analysis", "reproduce", "--seed", str(seed)]
    cpu = cpu_seconds()
    start = time.perf_counter()
    subprocess.run([*command, "--out", str(out)], check=True, env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = cpu_seconds()
    return wall, None if cpu is None or after is None else after - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    before = machine_probe()
    with tempfile.TemporaryDirectory(prefix="bench-reproduce-") as folder:
        out = Path(folder) / "reports"
        build(out, args.seed, fresh=False)  # warm-up, not timed
        runs = [build(out, args.seed, fresh=False) for _ in range(args.repeats)]
        reference = build(out, args.seed, fresh=True)
    after = machine_probe()
    walls = [wall for wall, _ in runs]
    print(f"{'build':34s} {'wall s':>7s} {'CPU s':>7s} {'x reference':>12s}")
    for k, (wall, cpu) in enumerate(runs, 1):
        shown = f"{cpu:7.1f}" if cpu is not None else f"{'':7s}"
        print(f"{'reproduce, run ' + str(k):34s} {wall:7.1f} {shown} {wall / reference[0]:12.2f}")
    shown = f"{reference[1]:7.1f}" if reference[1] is not None else f"{'':7s}"
    print(f"{'reference: kernels launched afresh':34s} {reference[0]:7.1f} {shown} {1.0:12.2f}")
    print(
        f"machine probe (a fixed loop, lower is faster): {before:.2f} CPU-s before the builds, "
        f"{after:.2f} after"
    )
    median = statistics.median(walls)
    verdict = "ok" if max(walls) <= TARGET else "SLOW"
    print(f"median {median:.1f} s, slowest {max(walls):.1f} s; target {TARGET:.0f} s: {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
