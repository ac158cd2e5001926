"""How the conclusions move when the assumptions move.

Two tools, for any registered study module:

* :func:`sensitivity` re-runs the exact (``empirical=True``) replication over a grid of
  assumptions and tabulates the study's key statistics for each setting.
* :func:`power` draws many datasets from the population (``empirical=False``) and reports how
  often a test reaches p < alpha: how likely a study of the published size was to see the
  published effect if the assumptions hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from types import ModuleType

import numpy as np
import pandas as pd

from ..engine.simulate import as_rng
from ..studies.base import count_passed


def sensitivity(
    study: ModuleType, grid: Mapping[str, Sequence] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Key statistics of ``study`` for every combination of the assumptions in ``grid``.

    ``grid`` maps an assumption id (or ``dispersion``) to the values to try; by default the
    study's ``SENSITIVITY_GRID``. Returns one row per combination: the settings, then the
    numbers of ``study.key_statistics``.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> table = sensitivity(estes2017, {"dispersion": ["sem", "sd"]})
    >>> table[["dispersion", "claims_passed"]].shape
    (2, 2)
    """
    grid = dict(grid if grid is not None else study.SENSITIVITY_GRID)
    rows = []
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        rep = study.replicate(seed=seed, **setting)
        rows.append(
            {
                **setting,
                **study.key_statistics(rep.tables),
                "claims_passed": count_passed(rep.scorecard),
                "claims_total": len(rep.scorecard),
            }
        )
    return pd.DataFrame(rows)


def power(
    study: ModuleType,
    statistic: str,
    n_sims: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    **assumptions,
) -> pd.Series:
    """Share of population draws in which ``statistic`` (a p-value) falls below ``alpha``.

    Each draw is ``study.simulate(empirical=False)`` analysed by ``study.analyze``;
    ``statistic`` names a p-value of ``study.key_statistics``. Returns the estimate with a
    95 % Wilson interval and the number of draws.

    Examples
    --------
    >>> from analysis.studies import estes2017
    >>> res = power(estes2017, "hiit_csa_p", n_sims=20, seed=1)
    >>> 0 <= res["power"] <= 1
    True
    """
    rng = as_rng(seed)
    hits = 0
    for _ in range(n_sims):
        data = study.simulate(seed=rng, empirical=False, **assumptions)
        stats = study.key_statistics(study.analyze(data, validate=False))
        hits += bool(stats[statistic] < alpha)
    share = hits / n_sims
    z = 1.959963984540054
    centre = (share + z**2 / (2 * n_sims)) / (1 + z**2 / n_sims)
    half = z * np.sqrt(share * (1 - share) / n_sims + z**2 / (4 * n_sims**2)) / (1 + z**2 / n_sims)
    return pd.Series(
        {
            "statistic": statistic,
            "alpha": alpha,
            "n_sims": n_sims,
            "power": share,
            "ci_low": centre - half,
            "ci_high": centre + half,
        }
    )
