"""Simulate data whose *sample* moments equal published targets.

A Python port of the two workhorses of R's faux package (Lisa DeBruine):
``rnorm_multi(empirical = TRUE)`` and ``sim_design``. No maintained Python package does this,
so it is written here by hand on top of numpy.

With ``empirical=True`` the simulated sample has exactly the requested means, standard
deviations (denominator n - 1) and correlation matrix, to floating-point precision: the data a
replication of a published table needs. With ``empirical=False`` the rows are independent draws
from the population with those parameters: the data a power or sensitivity study needs.

The exact construction follows MASS::mvrnorm(empirical = TRUE): draw standard normals, centre
them, whiten them so their sample covariance is the identity, then colour them with a square
root of the target covariance.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = [
    "as_rng",
    "child_seed",
    "correlation_matrix",
    "lognormal_params",
    "rlnorm_multi",
    "rnorm_multi",
    "root_seed",
    "sim_design",
]

_PSD_TOLERANCE = 1e-10
_SINGULAR_TOLERANCE = 1e-8  # faux's threshold for a usable correlation matrix


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed`` (an int, a Generator, or None)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def root_seed(seed) -> np.random.SeedSequence:
    """The ``numpy.random.SeedSequence`` a batch cuts its streams from: ``seed`` itself when
    it is one (a block's seed in :mod:`analysis.checks.parallel`), ``SeedSequence(seed)`` for
    an int or None, and for a ``Generator`` a new root drawn from it (which advances it)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(2**63, size=2).tolist())
    if seed is not None and not isinstance(seed, int | np.integer):
        raise InputError(
            f"seed must be an int, a numpy SeedSequence or Generator, or None; got {seed!r}"
        )
    return np.random.SeedSequence(None if seed is None else int(seed))


def child_seed(root: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``root`` at ``key``, ``root.spawn`` would make (without counting the
    children already spawned, so that a stream is named by its key alone).

    >>> root = np.random.SeedSequence(7)
    >>> child_seed(root, 1).generate_state(2).tolist() == root.spawn(2)[1].generate_state(2).tolist()
    True
    """
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, *key), pool_size=root.pool_size
    )


def correlation_matrix(r: float | Sequence[float] | np.ndarray, p: int) -> np.ndarray:
    """Build and check a ``p`` x ``p`` correlation matrix, as faux does.

    ``r`` may be a single correlation used for every pair, the ``p * (p - 1) / 2`` values of the
    upper triangle in row order, or the full matrix.

    Raises
    ------
    ValueError
        If the shape does not fit ``p``, a value lies outside [-1, 1], the matrix is not
        symmetric with a unit diagonal, or it is not positive semi-definite.

    Examples
    --------
    >>> correlation_matrix(0.5, 3)
    array([[1. , 0.5, 0.5],
           [0.5, 1. , 0.5],
           [0.5, 0.5, 1. ]])
    >>> correlation_matrix([0.1, 0.2, 0.3], 3)[0, 2]
    np.float64(0.2)
    """
    arr = np.asarray(r, dtype=float)
    n_pairs = p * (p - 1) // 2
    if arr.ndim == 0:
        mat = np.full((p, p), float(arr))
        np.fill_diagonal(mat, 1.0)
    elif arr.ndim == 1 and arr.size == n_pairs:
        mat = np.eye(p)
        mat[np.triu_indices(p, k=1)] = arr
        mat = mat + np.triu(mat, k=1).T
    elif arr.shape == (p, p):
        mat = arr.copy()
    else:
        raise ValueError(
            f"r has shape {arr.shape}; for {p} variables give one correlation, the {n_pairs} "
            f"upper-triangle values, or a {p} x {p} matrix."
        )
    if np.any(np.abs(mat) > 1 + 1e-12):
        raise ValueError("every correlation must lie in [-1, 1].")
    if not _allclose(mat, mat.T):
        raise ValueError("the correlation matrix must be symmetric.")
    if not _allclose(np.diag(mat), np.ones(p)):
        raise ValueError("the correlation matrix must have 1 on its diagonal.")
    smallest = np.linalg.eigvalsh(mat).min() if p else 0.0
    if smallest < -_PSD_TOLERANCE:
        raise ValueError(
            f"the correlation matrix is not positive semi-definite (smallest eigenvalue "
            f"{smallest:.3g}): no data can have these correlations together."
        )
    return mat


def _allclose(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.allclose(a, b, atol=1e-12)`` for finite or NaN values, at a fraction of its cost.

    The same test as numpy's (``|a - b| <= atol + rtol |b|`` with its default ``rtol``, NaN
    never close), without its argument handling, which dominated the time of an exact grid
    (thousands of small correlation matrices). Infinite values must be excluded before.
    """
    return bool(((np.abs(a - b) <= 1e-12 + 1e-05 * np.abs(b)) | (a == b)).all())


def _broadcast(name: str, values, p: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return np.full(p, float(arr))
    if arr.shape != (p,):
        raise ValueError(f"{name} has {arr.size} values; expected 1 or {p} (one per variable).")
    return arr


def _psd_sqrt(mat: np.ndarray) -> np.ndarray:
    """The symmetric square root ``A`` (``A @ A.T == mat``) of a positive semi-definite ``mat``.

    The symmetric root is unique, so the same seed gives the same data on every machine.
    ``eigenvectors * sqrt(eigenvalues)`` (MASS::mvrnorm's factor) is not: LAPACK may return
    each eigenvector with either sign, and any basis of a repeated eigenvalue (equal
    correlations), and which it returns differs between OpenBLAS's CPU kernels.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(mat)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _exact_standard_normal(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Draw n x p values with sample mean 0 and sample covariance (n - 1 denominator) I.

    As MASS::mvrnorm(empirical = TRUE) and faux do, centre and whiten the draw, here with
    its symmetric whitening ``U @ Vt`` from the singular value decomposition ``U S Vt``: the
    orthonormal matrix nearest to the draw, exact to machine precision whatever ``n > p``
    (a Cholesky whitening loses digits when ``n = p + 1``, where the sample covariance is
    nearly singular). ``U`` alone would do mathematically, but LAPACK may flip the sign of
    each singular vector, differently on different CPUs; ``U @ Vt`` is the same either way.
    """
    for _ in range(10):  # a rank-deficient draw has probability zero; retry just in case
        z = rng.standard_normal((n, p))
        z -= z.mean(axis=0)
        left, singular, right = np.linalg.svd(z, full_matrices=False)
        if singular.size and singular.min() > 1e-8 * singular.max():
            return (left @ right) * np.sqrt(n - 1)
    raise RuntimeError("could not draw a full-rank sample; this should not happen")


def rnorm_multi(
    n: int,
    mu: float | Sequence[float] = 0.0,
    sd: float | Sequence[float] = 1.0,
    r: float | Sequence[float] | np.ndarray = 0.0,
    *,
    varnames: Sequence[str] | None = None,
    empirical: bool | Sequence[bool] = False,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw ``n`` rows of multivariate normal data, like faux's ``rnorm_multi``.

    Parameters
    ----------
    n : int
        Number of rows (subjects). With ``empirical=True`` it must exceed the number of
        variables, since ``n`` centred points span at most ``n - 1`` dimensions.
    mu, sd : float or sequence of float
        Means and standard deviations, one value for all variables or one per variable.
    r : float, sequence or array
        Correlations: see :func:`correlation_matrix`.
    varnames : sequence of str, optional
        Column names; the number of variables is taken from here, or from ``mu``/``sd``/``r``.
    empirical : bool or sequence of bool
        ``True``: the sample moments equal the targets exactly. ``False``: draws from the
        population. One flag per variable (an extension of faux, written here): the
        variables flagged ``True`` have exact sample means, SDs and correlations among
        themselves; the others are drawn from their population *given* those, so a
        published number can be reproduced exactly while an assumed one keeps its sampling
        noise.
    seed : int or numpy.random.Generator, optional
        Same seed, same numbers: the same bytes on one machine, and within about 1e-13
        (relative; up to 3e-14 measured) on another CPU, whose BLAS kernels round
        differently.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, one column per variable.

    Examples
    --------
    >>> df = rnorm_multi(10, mu=[0, 5], sd=[1, 2], r=0.5, varnames=["a", "b"],
    ...                  empirical=True, seed=1)
    >>> (df.mean().round(12) + 0.0).tolist(), df.std().round(12).tolist()  # + 0.0: no -0.0
    ([0.0, 5.0], [1.0, 2.0])
    >>> float(df.corr().loc["a", "b"].round(12))
    0.5

    Exact for ``a`` only (``b`` is drawn given ``a``):

    >>> df = rnorm_multi(10, mu=[0, 5], sd=[1, 2], r=0.5, varnames=["a", "b"],
    ...                  empirical=[True, False], seed=1)
    >>> abs(round(float(df["a"].mean()), 12)), round(float(df["a"].std()), 12)
    (0.0, 1.0)
    >>> bool(round(float(df["b"].std()), 12) == 2.0)
    False
    """
    values = _rnorm_multi_values(n, mu, sd, r, varnames=varnames, empirical=empirical, seed=seed)
    return pd.DataFrame(values, columns=_names(varnames, values.shape[1]))


def _names(varnames: Sequence[str] | None, p: int) -> list[str]:
    """Column names of :func:`rnorm_multi`: ``varnames``, or faux's ``X1, X2, ...``."""
    return list(varnames) if varnames is not None else [f"X{i + 1}" for i in range(p)]


def _rnorm_multi_values(
    n: int,
    mu: float | Sequence[float] = 0.0,
    sd: float | Sequence[float] = 1.0,
    r: float | Sequence[float] | np.ndarray = 0.0,
    *,
    varnames: Sequence[str] | None = None,
    empirical: bool | Sequence[bool] = False,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """The numbers of :func:`rnorm_multi` as an ``(n, p)`` array, without pandas.

    :func:`rnorm_multi` wraps this array in its data frame, so the two give the same numbers
    for the same arguments by construction; the array simulators of the studies (an exact
    grid makes hundreds of datasets) call this directly. Parameters, checks and errors are
    those of :func:`rnorm_multi`.

    Returns
    -------
    numpy.ndarray
        ``n`` rows, one column per variable (in the order of ``varnames``).
    """
    p = _n_variables(mu, sd, r, varnames)
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive whole number, got {n!r}.")
    means = _broadcast("mu", mu, p)
    sds = _broadcast("sd", sd, p)
    if np.any(~np.isfinite(means)) or np.any(~np.isfinite(sds)):
        raise ValueError("mu and sd must be finite numbers.")
    names = _names(varnames, p)
    if len(names) != p:
        raise ValueError(f"varnames has {len(names)} names for {p} variables.")
    if np.any(sds <= 0):
        bad = [f"{names[i]} (sd = {sds[i]:g})" for i in np.flatnonzero(sds <= 0)]
        raise ValueError(
            f"every standard deviation must be positive; {', '.join(bad)}. A constant variable "
            "is not a random variable: leave it out of the simulation and add it as a column."
        )
    corr = correlation_matrix(r, p)
    _check_not_singular(corr, names)
    exact = _exact_flags(empirical, p)
    if exact.any() and n <= exact.sum():
        raise ValueError(
            f"empirical=True needs more rows than variables (n > p); got n = {n}, "
            f"p = {int(exact.sum())}. Simulate fewer variables together, or use empirical=False."
        )
    rng = as_rng(seed)
    if exact.all():
        z = _exact_standard_normal(rng, n, p) @ _psd_sqrt(corr).T
    elif not exact.any():
        z = rng.standard_normal((n, p)) @ _psd_sqrt(corr).T
    else:
        z = _partly_exact_standard_normal(rng, n, corr, exact)
    return z * sds + means


def _exact_flags(empirical: bool | Sequence[bool], p: int) -> np.ndarray:
    flags = np.asarray(empirical, dtype=bool)
    if flags.ndim == 0:
        return np.full(p, bool(flags))
    if flags.shape != (p,):
        raise ValueError(f"empirical has {flags.size} flags for {p} variables.")
    return flags


def _partly_exact_standard_normal(rng, n: int, corr: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Correlated standard normals: exact moments for the ``exact`` columns, the others drawn
    from their conditional distribution given those (written by hand: faux has no such
    option)."""
    e, o = np.flatnonzero(exact), np.flatnonzero(~exact)
    z = np.empty((n, corr.shape[0]))
    z[:, e] = _exact_standard_normal(rng, n, e.size) @ _psd_sqrt(corr[np.ix_(e, e)]).T
    # x_o | x_e ~ N(C_oe C_ee^-1 x_e, C_oo - C_oe C_ee^-1 C_eo)
    weights = np.linalg.solve(corr[np.ix_(e, e)], corr[np.ix_(e, o)])
    residual = corr[np.ix_(o, o)] - corr[np.ix_(o, e)] @ weights
    z[:, o] = z[:, e] @ weights + rng.standard_normal((n, o.size)) @ _psd_sqrt(residual).T
    return z


def _check_not_singular(corr: np.ndarray, names: Sequence[str]) -> None:
    """Refuse a singular correlation matrix, as faux does (eigenvalues below 1e-8), naming
    the variables that are linear functions of each other."""
    if corr.shape[0] < 2:
        return
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    if eigenvalues[0] >= _SINGULAR_TOLERANCE:
        return
    weights = np.abs(eigenvectors[:, 0])
    involved = [names[i] for i in np.flatnonzero(weights > 0.1 * weights.max())]
    raise ValueError(
        f"the correlation matrix is singular (smallest eigenvalue {eigenvalues[0]:.3g}, below "
        f"{_SINGULAR_TOLERANCE:g}): {', '.join(involved)} would be exact linear functions of "
        "each other. Lower the correlations among them (no |r| = 1 chains)."
    )


def _n_variables(mu, sd, r, varnames) -> int:
    if varnames is not None:
        return len(varnames)
    for value in (mu, sd):
        arr = np.asarray(value)
        if arr.ndim == 1:
            return arr.size
    arr = np.asarray(r)
    if arr.ndim == 2:
        return arr.shape[0]
    if arr.ndim == 1:  # upper triangle: p (p - 1) / 2 values
        p = int(round((1 + np.sqrt(1 + 8 * arr.size)) / 2))
        return p
    return 1


def lognormal_params(mean: float | np.ndarray, sd: float | np.ndarray):
    """Log-scale mean and SD of a log-normal variable with arithmetic ``mean`` and ``sd``.

    ``sdlog = sqrt(log(1 + sd**2 / mean**2))`` and ``meanlog = log(mean) - sdlog**2 / 2``.

    Examples
    --------
    >>> meanlog, sdlog = lognormal_params(100.0, 50.0)
    >>> round(float(meanlog), 4), round(float(sdlog), 4)
    (4.4936, 0.4724)
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    if np.any(mean <= 0) or np.any(sd < 0):
        raise ValueError("a log-normal variable needs a positive mean and a non-negative SD.")
    sdlog = np.sqrt(np.log1p(sd**2 / mean**2))
    return np.log(mean) - sdlog**2 / 2, sdlog


def rlnorm_multi(
    n: int,
    meanlog: float | Sequence[float] = 0.0,
    sdlog: float | Sequence[float] = 1.0,
    r: float | Sequence[float] | np.ndarray = 0.0,
    *,
    varnames: Sequence[str] | None = None,
    empirical: bool = False,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Log-normal variant of :func:`rnorm_multi`: exact moments on the log scale.

    ``np.log`` of the result has sample means ``meanlog``, SDs ``sdlog`` and correlations ``r``.

    Examples
    --------
    >>> df = rlnorm_multi(8, meanlog=[5.0, 6.0], sdlog=0.4, r=0.3, empirical=True, seed=2)
    >>> np.log(df).mean().round(12).tolist()
    [5.0, 6.0]
    """
    logs = rnorm_multi(n, meanlog, sdlog, r, varnames=varnames, empirical=empirical, seed=seed)
    return np.exp(logs)


def _cell_value(name: str, spec, cell, p: int) -> np.ndarray:
    if isinstance(spec, Mapping):
        if cell not in spec:
            raise ValueError(f"{name} has no entry for the between-subject cell {cell!r}.")
        spec = spec[cell]
    return _broadcast(name, spec, p)


def _cell_corr(spec, cell, p: int) -> np.ndarray:
    if isinstance(spec, Mapping):
        if cell not in spec:
            raise ValueError(f"r has no entry for the between-subject cell {cell!r}.")
        spec = spec[cell]
    return correlation_matrix(spec, p)


def sim_design(
    *,
    between: Mapping[str, Sequence[str]] | None = None,
    within: Mapping[str, Sequence[str]] | None = None,
    n: int | Mapping = 10,
    mu=0.0,
    sd=1.0,
    r=0.0,
    measures: Sequence[str] = ("y",),
    empirical: bool = False,
    seed: int | np.random.Generator | None = None,
    id_col: str = "subject",
    id_prefix: str = "S",
) -> pd.DataFrame:
    """Simulate a mixed design as one tidy long table, like faux's ``sim_design``.

    Each subject belongs to one between-subject cell (a combination of the levels of the
    ``between`` factors) and is measured in every within-subject cell (a combination of the
    levels of the ``within`` factors) on every one of ``measures``. Per subject that is
    ``p = n_within_cells * len(measures)`` correlated variables, ordered within cell by within
    cell: ``[cell1-measure1, cell1-measure2, ..., cell2-measure1, ...]``.

    Parameters
    ----------
    between, within : mapping of factor name to its levels, optional
    n : int or mapping
        Subjects per between cell; a mapping from cell to count for unequal cells. A cell is
        the level itself with one between factor, and a tuple of levels with several.
    mu, sd : float, sequence of length p, or mapping from cell to either
    r : float, upper triangle, p x p matrix, or mapping from cell to any of them
        Within-subject correlations among the ``p`` variables.
    measures : sequence of str
        Names of the measured variables (the value columns of the result).
    empirical : bool
        Exact sample moments in every between cell (needs ``n > p`` in each).
    seed : int or numpy.random.Generator, optional
    id_col, id_prefix : str
        Name of the subject column and prefix of the ids (``S01``, ``S02``...).

    Returns
    -------
    pandas.DataFrame
        One row per subject x within cell: ``id_col``, the between factors, the within
        factors, then one column per measure. Factor columns are ordered categoricals.

    Examples
    --------
    >>> df = sim_design(between={"group": ["a", "b"]}, within={"time": ["pre", "post"]},
    ...                 n=5, mu={"a": [10, 12], "b": [10, 10]}, sd=2, r=0.6,
    ...                 empirical=True, seed=3)
    >>> df.shape
    (20, 4)
    >>> df.groupby(["group", "time"], observed=True)["y"].mean().round(9).tolist()
    [10.0, 12.0, 10.0, 10.0]
    """
    between = dict(between or {})
    within = dict(within or {})
    measures = list(measures)
    between_cells, within_cells, wides = _sim_design_values(
        between=between,
        within=within,
        n=n,
        mu=mu,
        sd=sd,
        r=r,
        measures=measures,
        empirical=empirical,
        seed=seed,
    )

    rows = []
    subject_number = 0
    for cell, wide in zip(between_cells, wides, strict=True):
        for i in range(wide.shape[0]):
            subject_number += 1
            for w, within_cell in enumerate(within_cells):
                values = wide[i, w * len(measures) : (w + 1) * len(measures)]
                rows.append((subject_number, *cell, *within_cell, *values))

    width = len(str(subject_number))
    columns = [id_col, *between, *within, *measures]
    long = pd.DataFrame(rows, columns=columns)
    long[id_col] = [f"{id_prefix}{k:0{max(width, 2)}d}" for k in long[id_col]]
    for factor, levels in {**between, **within}.items():
        long[factor] = pd.Categorical(long[factor], categories=list(levels), ordered=True)
    return long


def _sim_design_values(
    *,
    between: Mapping[str, Sequence[str]],
    within: Mapping[str, Sequence[str]],
    n: int | Mapping,
    mu,
    sd,
    r,
    measures: Sequence[str],
    empirical: bool,
    seed: int | np.random.Generator | None,
) -> tuple[list[tuple], list[tuple], list[np.ndarray]]:
    """The numbers of :func:`sim_design`, one wide array per between-subject cell.

    :func:`sim_design` lays these arrays out as its long table, so the two give the same
    numbers by construction (the cells are drawn in the same order from the same generator);
    the array simulators of the studies call this directly and skip the table.

    Parameters
    ----------
    between, within, n, mu, sd, r, measures, empirical, seed
        As :func:`sim_design` (``between`` and ``within`` as mappings, ``{}`` for none).

    Returns
    -------
    between_cells : list of tuple
        The between-subject cells, in order (``[()]`` without between factors).
    within_cells : list of tuple
        The within-subject cells, in order (``[()]`` without within factors).
    wides : list of numpy.ndarray
        Per between cell, an array (subjects of the cell, ``p``) whose columns are ordered
        within cell by within cell, measure fastest, as :func:`sim_design` documents.
    """
    between_cells = list(itertools.product(*between.values())) or [()]
    within_cells = list(itertools.product(*within.values())) or [()]
    p = len(within_cells) * len(measures)
    rng = as_rng(seed)
    wides = []
    for cell in between_cells:
        # faux names a cell of one between factor by its level, of several by the tuple
        cell_key = cell[0] if len(cell) == 1 else cell
        count = n[cell_key] if isinstance(n, Mapping) else n
        wides.append(
            _rnorm_multi_values(
                int(count),
                _cell_value("mu", mu, cell_key, p),
                _cell_value("sd", sd, cell_key, p),
                _cell_corr(r, cell_key, p),
                empirical=empirical,
                seed=rng,
            )
        )
    return between_cells, within_cells, wides
