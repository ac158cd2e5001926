"""Shares of Monte Carlo replicates: the Wilson score interval and its standard error.

Written by hand because it is four lines; ``statsmodels.stats.proportion.proportion_confint
(method="wilson")`` gives the same numbers (tested) but works on scalars one call at a time.
"""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson(holds, reps, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a share ``holds / reps`` (95 % by default).

    Wilson 1927, J Am Stat Assoc 22:209; it stays inside [0, 1] and keeps its coverage near
    0 and 1, where the normal (Wald) interval fails.

    Examples
    --------
    >>> low, high = wilson(80, 100)
    >>> round(float(low), 4), round(float(high), 4)
    (0.7112, 0.8666)
    >>> [round(float(x), 4) for x in wilson(0, 100)]
    [0.0, 0.037]
    """
    holds, reps = np.asarray(holds, float), np.asarray(reps, float)
    share = holds / reps
    centre = (share + z**2 / (2 * reps)) / (1 + z**2 / reps)
    half = z * np.sqrt(share * (1 - share) / reps + z**2 / (4 * reps**2)) / (1 + z**2 / reps)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mc_se(share, reps):
    """The Monte Carlo standard error of a share: sqrt(p (1 - p) / reps).

    Examples
    --------
    >>> round(float(mc_se(0.5, 10_000)), 4)
    0.005
    """
    share = np.asarray(share, float)
    return np.sqrt(share * (1 - share) / np.asarray(reps, float))
