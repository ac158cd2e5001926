"""Write the mixed-design ANOVA reference datasets (long CSV: subject,group,time,y).

Run from the repository root:  python tests/reference/make_designs.py
Deterministic: each design has its own numpy ``default_rng`` seed, and y is rounded to
4 decimals so that the CSV text (not the generator) is the artifact R and Python both read.
``tests/reference/data/designs.csv`` lists every design with its shape and purpose.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "data"


def cs_cov(k: int, sd: float = 1.0, rho: float = 0.5) -> np.ndarray:
    """Compound symmetry: sphericity holds exactly in the population."""
    return sd**2 * ((1 - rho) * np.eye(k) + rho * np.ones((k, k)))


def ar1_cov(k: int, sd: float = 1.0, rho: float = 0.9) -> np.ndarray:
    """AR(1): strong non-sphericity for rho = 0.9 and k >= 3."""
    idx = np.arange(k)
    return sd**2 * rho ** np.abs(idx[:, None] - idx[None, :])


def hetvar_cov(k: int, big: int, factor: float = 5.0, rho: float = 0.5) -> np.ndarray:
    """Compound-symmetric correlations but one time point with a `factor` times larger SD."""
    sds = np.ones(k)
    sds[big] = factor
    corr = (1 - rho) * np.eye(k) + rho * np.ones((k, k))
    return corr * np.outer(sds, sds)


def simulate(seed, sizes, k, cov, group_effects, time_effects, inter=None, errors="normal"):
    """Rows (subject, group, time, y) for group sizes `sizes` and k time points."""
    rng = np.random.default_rng(seed)
    g = len(sizes)
    inter = np.zeros((g, k)) if inter is None else np.asarray(inter, float)
    chol = np.linalg.cholesky(cov)
    rows, sid = [], 0
    width = max(2, len(str(sum(sizes))))
    for gi, n in enumerate(sizes):
        for _ in range(n):
            sid += 1
            if errors == "normal":
                e = chol @ rng.standard_normal(k)
            elif errors == "lognormal":  # right-skewed, centred near 0
                z = chol @ rng.standard_normal(k)
                e = np.exp(z) - np.exp(np.diag(cov) / 2)
            elif errors == "exponential":  # skewed subject effect plus skewed noise
                e = rng.exponential(2.0) + rng.exponential(1.0, size=k) - 3.0
            else:
                raise ValueError(errors)
            mu = 10.0 + group_effects[gi] + np.asarray(time_effects, float) + inter[gi]
            y = mu + e
            for ti in range(k):
                rows.append(
                    (f"S{sid:0{width}d}", f"g{gi + 1}", f"t{ti + 1}", round(float(y[ti]), 4))
                )
    return rows


# name: (seed, group sizes, k, covariance, group effects, time effects, interaction, errors, note)
# fmt: off
DESIGNS = {
    "bench_3g10_3t": (
        101, [10, 10, 10], 3, cs_cov(3, 2.0, 0.6), [0, 0.5, 1.0], [0, 0.8, 1.2],
        [[0, 0, 0], [0, 0.3, 0.6], [0, -0.2, 0.9]], "normal",
        "the project's benchmark shape: 3 groups x 10 subjects x 3 times, balanced, compound symmetry",
    ),
    "bal_2g8_2t": (
        102, [8, 8], 2, cs_cov(2, 1.5, 0.5), [0, 1.0], [0, 0.7], [[0, 0], [0, 0.5]], "normal",
        "balanced, 2 time points (sphericity trivially holds: epsilon = 1, no Mauchly test)",
    ),
    "bal_2g3_3t": (
        103, [3, 3], 3, cs_cov(3, 1.0, 0.4), [0, 0.6], [0, 0.4, 0.9], None, "normal",
        "smallest design: 2 groups x 3 subjects x 3 times",
    ),
    "null_3g5_3t": (
        104, [5, 5, 5], 3, cs_cov(3, 1.0, 0.5), [0, 0, 0], [0, 0, 0], None, "normal",
        "no true effects (small F values, large p)",
    ),
    "bal_4g6_4t": (
        105, [6, 6, 6, 6], 4, cs_cov(4, 1.5, 0.5), [0, 0.4, 0.8, 1.5], [0, 0.5, 1.0, 1.2],
        [[0, 0, 0, 0], [0, 0.2, 0.4, 0.6], [0, -0.3, 0.0, 0.3], [0, 0.5, 1.0, 1.5]], "normal",
        "balanced, 4 groups x 6 subjects x 4 times, compound symmetry (near-sphericity)",
    ),
    "ar1_2g12_4t": (
        106, [12, 12], 4, ar1_cov(4, 1.5, 0.9), [0, 0.8], [0, 0.3, 0.6, 0.9],
        [[0, 0, 0, 0], [0, 0.2, 0.4, 0.6]], "normal",
        "balanced, AR(1) rho = 0.9 over 4 times: strong non-sphericity",
    ),
    "unbal_2g5_9_3t": (
        107, [5, 9], 3, cs_cov(3, 1.2, 0.5), [0, 1.0], [0, 0.5, 0.8], [[0, 0, 0], [0, 0.6, 1.2]],
        "normal", "unbalanced 5 / 9, 3 times (Type II and III differ)",
    ),
    "unbal_3g3_7_12_4t": (
        108, [3, 7, 12], 4, cs_cov(4, 1.0, 0.5), [0, 0.5, 1.2], [0, 0.4, 0.7, 1.0],
        [[0, 0, 0, 0], [0, 0.3, 0.3, 0.3], [0, -0.4, 0.2, 0.8]], "normal",
        "unbalanced 3 / 7 / 12, 4 times",
    ),
    "unbal_4g3_5_30_9_2t": (
        109, [3, 5, 30, 9], 2, cs_cov(2, 1.0, 0.6), [0, 0.3, 0.6, 1.0], [0, 0.5],
        [[0, 0], [0, 0.4], [0, -0.2], [0, 0.8]], "normal",
        "unbalanced 3 / 5 / 30 / 9 (sizes 3 to 30), 2 times",
    ),
    "hetvar_3g8_10_6_4t": (
        110, [8, 10, 6], 4, hetvar_cov(4, big=3, factor=5.0), [0, 0.5, 1.0], [0, 0.3, 0.6, 2.0],
        [[0, 0, 0, 0], [0, 0.2, 0.4, 1.0], [0, 0.0, 0.5, -1.0]], "normal",
        "unbalanced 8 / 10 / 6; the 4th time point has a 5x larger SD (non-sphericity)",
    ),
    "ar1_unbal_3g4_9_14_4t": (
        111, [4, 9, 14], 4, ar1_cov(4, 2.0, 0.9), [0, 0.5, 1.0], [0, 0.2, 0.5, 0.9],
        [[0, 0, 0, 0], [0, 0.3, 0.6, 0.9], [0, -0.2, -0.4, -0.6]], "normal",
        "unbalanced 4 / 9 / 14, AR(1) rho = 0.9 over 4 times",
    ),
    "skew_2g15_20_3t": (
        112, [15, 20], 3, cs_cov(3, 0.8, 0.5), [0, 0.7], [0, 0.4, 0.6], [[0, 0, 0], [0, 0.3, 0.5]],
        "lognormal", "unbalanced 15 / 20, right-skewed (lognormal) errors",
    ),
    "skew_3g6_3t": (
        113, [6, 6, 6], 3, cs_cov(3), [0, 0.5, 1.0], [0, 0.5, 1.0], None, "exponential",
        "balanced 3 x 6 x 3, skewed (exponential) subject effects and noise",
    ),
    "large_2g30_3t": (
        114, [30, 30], 3, cs_cov(3, 1.0, 0.3), [0, 0.3], [0, 0.2, 0.5], [[0, 0, 0], [0, 0.2, 0.4]],
        "normal", "balanced 2 x 30 x 3",
    ),
    "missing_3g6_3t": (
        115, [6, 6, 6], 3, cs_cov(3, 1.0, 0.5), [0, 0.5, 1.0], [0, 0.6, 0.9], None, "normal",
        "balanced 3 x 6 x 3 but S07 (group g2) has no t2 row: the ANOVA drops S07 "
        "(complete cases: 6 / 5 / 6)",
    ),
}
# fmt: on
MISSING = {"missing_3g6_3t": ("S07", "t2")}

# Paired (wide: subject,pre,post) and two-sample (group,y) data for the effect-size references.
# name: (seed, n, mean pre, mean post, sd pre, sd post, correlation)
PAIRED = {
    "paired_n8": (201, 8, 10.0, 11.2, 2.0, 2.5, 0.7),
    "paired_n15": (202, 15, 50.0, 48.5, 6.0, 6.0, 0.3),
    "paired_n30": (203, 30, 3.0, 3.4, 1.0, 1.4, 0.9),
}
# name: (seed, n1, n2, mean1, mean2, sd1, sd2)
TWO_SAMPLE = {
    "twosample_10_14": (301, 10, 14, 5.0, 6.0, 1.5, 1.5),
    "twosample_5_5": (302, 5, 5, 0.0, 0.4, 1.0, 1.0),
    "twosample_25_12": (303, 25, 12, 20.0, 17.5, 3.0, 6.0),
}


def write_effect_size_data() -> None:
    for name, (seed, n, m1, m2, s1, s2, r) in PAIRED.items():
        rng = np.random.default_rng(seed)
        cov = np.array([[s1**2, r * s1 * s2], [r * s1 * s2, s2**2]])
        xy = rng.multivariate_normal([m1, m2], cov, size=n, method="cholesky")
        with open(OUT / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["subject", "pre", "post"])
            for i, (a, b) in enumerate(xy, start=1):
                w.writerow([f"S{i:02d}", round(float(a), 4), round(float(b), 4)])
    for name, (seed, n1, n2, m1, m2, s1, s2) in TWO_SAMPLE.items():
        rng = np.random.default_rng(seed)
        with open(OUT / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["group", "y"])
            for label, n, m, s in (("x", n1, m1, s1), ("y", n2, m2, s2)):
                for v in rng.normal(m, s, size=n):
                    w.writerow([label, round(float(v), 4)])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    index = []
    for name, (seed, sizes, k, cov, ge, te, inter, errors, note) in DESIGNS.items():
        rows = simulate(seed, sizes, k, cov, ge, te, inter, errors)
        if name in MISSING:
            subject, time = MISSING[name]
            rows = [r for r in rows if not (r[0] == subject and r[2] == time)]
        with open(OUT / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["subject", "group", "time", "y"])
            w.writerows(rows)
        dropped = MISSING.get(name, ("", ""))[0]
        index.append((name, seed, len(sizes), "/".join(map(str, sizes)), k, errors, dropped, note))
    with open(OUT / "designs.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["design", "seed", "groups", "sizes", "times", "errors", "dropped_subject", "note"]
        )
        w.writerows(index)
    write_effect_size_data()


if __name__ == "__main__":
    main()
