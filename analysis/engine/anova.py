"""A mixed-design ANOVA on arrays: one between factor, one within factor, many replicates.

``mixed_anova(y, group)`` takes ``y`` of shape ``(replicates, subjects, timepoints)`` (one
dataset is one replicate) and one group label per subject, and returns, per replicate and per
effect (``group``, ``time``, ``group:time``): SS, df, F, p, partial η², Mauchly's W and p, the
Greenhouse-Geisser and Huynh-Feldt ε and their corrected p. Pure numpy and scipy, vectorised
over replicates, so that Monte Carlo work can call it on 100,000 datasets at once.

Written by hand because no Python package offers a batched split-plot ANOVA with Type III sums
of squares: pingouin computes Type II on one DataFrame at a time, statsmodels' ``AnovaRM`` has
no between factor.

Method (the multivariate formulation of a split-plot design; Maxwell, Delaney & Kelley 2018,
*Designing Experiments and Analyzing Data*, 3rd ed., ch. 12-14; O'Brien & Kaiser 1985,
Psychol Bull 97:316): each subject's row of ``b`` timepoints is split into its mean, scaled by
``sqrt(b)``, and ``b - 1`` orthonormal within-subject contrasts ``z``.

- ``group``: a one-way ANOVA of the scaled subject means (the same under Type II and III,
  since the between stratum holds no other term).
- ``group:time``: the between-group SSCP of ``z`` (its trace over the pooled within-group
  SSCP ``E``); the same under both types.
- ``time``: the test that the mean of ``z`` is zero. **Type III** (SPSS, JASP and afex's
  default, sum-to-zero contrasts) tests the *unweighted* mean of the group means,
  ``SS = ||u||² / (Σ_j 1/n_j / a²)``; **Type II** (pingouin) tests the *weighted* grand mean,
  ``SS = N ||z̄||²``. They agree when the groups are of equal size.
- Sphericity: Mauchly's W from ``E`` with the chi-square approximation and the second-order
  correction of R's ``mauchly.test`` (Anderson 1958, §10.7), as car computes it (see
  ``_sphericity``); Greenhouse-Geisser
  ``ε = tr(E)² / ((b - 1) tr(E²))``; Huynh-Feldt with the Lecoutre (1991) correction,
  ``ε = ((n + 1)(b - 1) ε_GG - 2) / ((b - 1)(n - (b - 1) ε_GG))`` with ``n = N - a``, the
  error df, as car and afex compute it; the corrected p uses ``min(ε_HF, 1)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import special

from .apa import apa

__all__ = ["EFFECTS", "MixedAnova", "mixed_anova", "orthonormal_contrasts"]

EFFECTS = ("group", "time", "group:time")
SS_TYPES = (2, 3)


def orthonormal_contrasts(levels: int) -> np.ndarray:
    """A ``levels x (levels - 1)`` matrix of orthonormal contrasts (normalised Helmert).

    Every such matrix gives the same F, ε and Mauchly W: they are invariant to the basis.

    Examples
    --------
    >>> m = orthonormal_contrasts(3)
    >>> np.allclose(m.T @ m, np.eye(2)), np.allclose(m.sum(axis=0), 0)
    (True, True)
    """
    helmert = np.zeros((levels, levels - 1))
    for k in range(1, levels):
        helmert[:k, k - 1] = 1.0
        helmert[k, k - 1] = -k
    return helmert / np.linalg.norm(helmert, axis=0)


@dataclass(frozen=True)
class MixedAnova:
    """The result of :func:`mixed_anova`: arrays of shape ``(replicates, 3)``.

    Columns follow :data:`EFFECTS` (``group``, ``time``, ``group:time``). Sphericity fields
    are NaN in the ``group`` column (a between-subject effect) and ε is 1 when there are only
    two timepoints (sphericity cannot fail with one contrast). The p-values ``p``, ``p_gg``
    and ``p_hf`` are computed when first read: the F tail costs about 1 µs per value, more
    than the rest of the ANOVA, and Monte Carlo work often needs one effect's p only
    (:meth:`effect_p`).
    """

    ss_type: int
    ss: np.ndarray
    df1: np.ndarray
    ss_error: np.ndarray
    df2: np.ndarray
    f: np.ndarray
    pes: np.ndarray
    mauchly_w: np.ndarray
    mauchly_p: np.ndarray
    eps_gg: np.ndarray
    eps_hf: np.ndarray
    n_subjects: int

    @functools.cached_property
    def p(self) -> np.ndarray:
        """Uncorrected p: F on ``(df1, df2)``."""
        return _f_sf(self.f, self.df1, self.df2)

    def effect_p(self, effect: str) -> np.ndarray:
        """The uncorrected p of one effect of :data:`EFFECTS`, (replicates,): the same
        numbers as its column of :attr:`p` (the F tail is elementwise), a third of the work."""
        j = EFFECTS.index(effect)
        if "p" in self.__dict__:  # already computed
            return self.p[:, j]
        return _f_sf(self.f[:, j], self.df1[:, j], self.df2[:, j])

    @functools.cached_property
    def p_gg(self) -> np.ndarray:
        """Greenhouse-Geisser corrected p: F on ``(ε df1, ε df2)``."""
        return _f_sf(self.f, self.df1 * self.eps_gg, self.df2 * self.eps_gg)

    @functools.cached_property
    def p_hf(self) -> np.ndarray:
        """Huynh-Feldt corrected p, with ``min(ε_HF, 1)`` as car and afex use it."""
        hf = np.minimum(self.eps_hf, 1.0)
        out = self.p.copy()
        below = hf < 1  # elsewhere the corrected p is the uncorrected one
        out[below] = _f_sf(self.f[below], (self.df1 * hf)[below], (self.df2 * hf)[below])
        out[np.isnan(hf)] = np.nan
        return out

    def table(self, replicate: int = 0):
        """One replicate as a tidy DataFrame (one row per effect), for display and CSV; its last
        column, ``apa``, gives each effect as a paper reports it."""
        import pandas as pd

        columns = {
            "effect": list(EFFECTS),
            "ss_type": f"Type {'I' * self.ss_type}",
            "ss": self.ss[replicate],
            "df1": self.df1[replicate],
            "ss_error": self.ss_error[replicate],
            "df2": self.df2[replicate],
            "f": self.f[replicate],
            "p": self.p[replicate],
            "pes": self.pes[replicate],
            "mauchly_w": self.mauchly_w[replicate],
            "mauchly_p": self.mauchly_p[replicate],
            "eps_gg": self.eps_gg[replicate],
            "p_gg": self.p_gg[replicate],
            "eps_hf": self.eps_hf[replicate],
            "p_hf": self.p_hf[replicate],
        }
        table = pd.DataFrame(columns)
        # as a paper reports it, GG-corrected where ε < 1 (analysis.engine.apa)
        table["apa"] = [apa(row) for _, row in table.iterrows()]
        return table


def _group_codes(group) -> tuple[np.ndarray, int]:
    labels = np.asarray(group)
    _, codes = np.unique(labels, return_inverse=True)
    return codes.ravel(), int(codes.max()) + 1 if codes.size else 0


def mixed_anova(y, group, ss_type: int = 3) -> MixedAnova:
    """Mixed ANOVA (between ``group`` x within ``time``) of every replicate in ``y``.

    Parameters
    ----------
    y : array_like, shape (replicates, subjects, timepoints) or (subjects, timepoints)
        The outcome; a 2-D array is one replicate. No missing values: drop incomplete
        subjects first (:func:`analysis.engine.stats.mixed_anova` does, and names them).
    group : array_like, shape (subjects,)
        Group label of each subject; groups may be of any sizes (at least 2 groups, and more
        subjects than groups).
    ss_type : {3, 2}
        Sums of squares for the ``time`` row: 3 (default; SPSS, JASP, afex) or 2 (pingouin).
        The ``group`` and ``group:time`` rows are the same under both.

    Returns
    -------
    MixedAnova
        Arrays of shape ``(replicates, 3)`` over the effects ``group, time, group:time``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = rng.normal(size=(5, 10, 3)) + [0.0, 0.5, 1.0]
    >>> res = mixed_anova(y, ["a"] * 4 + ["b"] * 6)
    >>> res.f.shape, res.df1[0].tolist(), res.df2[0].tolist()
    ((5, 3), [1.0, 2.0, 2.0], [8.0, 16.0, 16.0])
    """
    if ss_type not in SS_TYPES:
        raise ValueError(f"ss_type must be 2 or 3, got {ss_type!r}")
    y = np.asarray(y, dtype=float)
    if y.ndim == 2:
        y = y[np.newaxis]
    if y.ndim != 3:
        raise ValueError(f"y must have shape (replicates, subjects, timepoints); got {y.shape}")
    reps, n_subjects, levels = y.shape
    codes, n_groups = _group_codes(group)
    if codes.size != n_subjects:
        raise ValueError(f"group has {codes.size} labels for {n_subjects} subjects")
    if n_groups < 2 or n_subjects <= n_groups or levels < 2:
        raise ValueError(
            f"a mixed ANOVA needs 2 or more groups, more subjects than groups and 2 or more "
            f"timepoints; got {n_groups} group(s), {n_subjects} subjects, {levels} timepoint(s)"
        )
    if np.isnan(y).any():
        raise ValueError("y has missing values; drop the incomplete subjects first")

    counts = np.bincount(codes, minlength=n_groups).astype(float)
    onehot = np.zeros((n_subjects, n_groups))
    onehot[np.arange(n_subjects), codes] = 1.0
    p = levels - 1
    df_between_error = n_subjects - n_groups

    # Sufficient statistics in two passes: the group means, then the pooled within-group
    # SSCP matrix of the deviations from them. (One pass, ``SSCP - sums²/n``, loses digits
    # when the timepoints' levels differ by far more than the SD: found by an audit, p off
    # by 8e-7 relative where % DNA went from 99.9 to 0.01.) A scalar shift per replicate
    # changes no effect and keeps the means' differences accurate for data far from zero.
    shifted = y - y[:, :1, :1]
    means = np.matmul(onehot.T, shifted) / counts[:, None]  # (R, a, b)
    deviations = shifted
    deviations -= means[:, codes, :]  # in place: one array of the data's size, not two
    within = np.matmul(deviations.transpose(0, 2, 1), deviations)  # (R, b, b)

    # between stratum: subject means scaled by sqrt(b)
    ones = np.full(levels, 1.0 / np.sqrt(levels))
    group_m = means @ ones  # (R, a)
    grand_m = (group_m @ counts / n_subjects)[:, None]
    ss_group = ((group_m - grand_m) ** 2) @ counts
    ss_subjects = ones @ within @ ones

    # within stratum: orthonormal contrasts z = y C
    contrasts = orthonormal_contrasts(levels)
    group_z = means @ contrasts  # (R, a, p)
    sscp_error = contrasts.T @ within @ contrasts  # (R, p, p)
    ss_within_error = np.trace(sscp_error, axis1=1, axis2=2)
    grand_z = np.einsum("rap,a->rp", group_z, counts / n_subjects)
    ss_interaction = ((group_z - grand_z[:, None, :]) ** 2).sum(axis=2) @ counts
    if ss_type == 2:
        ss_time = n_subjects * (grand_z**2).sum(axis=1)
    else:
        unweighted = group_z.mean(axis=1)
        ss_time = (unweighted**2).sum(axis=1) / ((1.0 / counts).sum() / n_groups**2)

    df_within_error = float(df_between_error * p)
    ss = np.stack([ss_group, ss_time, ss_interaction], axis=1)
    ss_error = np.stack([ss_subjects, ss_within_error, ss_within_error], axis=1)
    df1 = np.broadcast_to([n_groups - 1.0, float(p), float((n_groups - 1) * p)], ss.shape)
    df2 = np.broadcast_to([float(df_between_error), df_within_error, df_within_error], ss.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (ss / df1) / (ss_error / df2)
        pes = ss / (ss + ss_error)

    w, w_p, eps_gg, eps_hf = _sphericity(sscp_error, p, df_between_error)
    nan = np.full(reps, np.nan)
    as_cols = lambda within: np.stack([nan, within, within], axis=1)  # noqa: E731
    return MixedAnova(
        ss_type=ss_type,
        ss=ss,
        df1=np.array(df1),
        ss_error=ss_error,
        df2=np.array(df2),
        f=f,
        pes=pes,
        mauchly_w=as_cols(w),
        mauchly_p=as_cols(w_p),
        eps_gg=as_cols(eps_gg),
        eps_hf=as_cols(eps_hf),
        n_subjects=n_subjects,
    )


def _f_sf(f, df1, df2):
    """Upper tail of the F distribution: scipy's ``fdtrc`` ufunc, without the overhead of
    ``stats.f.sf`` (the same Cephes routine); NaN where F is undefined."""
    with np.errstate(invalid="ignore"):
        return special.fdtrc(df1, df2, f)


def _sphericity(sscp_error: np.ndarray, p: int, df_error: int):
    """Mauchly's W and p, and the GG and HF epsilons, per replicate."""
    reps = sscp_error.shape[0]
    if p == 1:  # one contrast: sphericity holds by definition
        ones = np.ones(reps)
        return ones, np.full(reps, np.nan), ones, ones
    trace = np.trace(sscp_error, axis1=1, axis2=2)
    trace_sq = (sscp_error * sscp_error.transpose(0, 2, 1)).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        eps_gg = trace**2 / (p * trace_sq)
        n = float(df_error)
        eps_hf = ((n + 1) * p * eps_gg - 2) / (p * (n - p * eps_gg))
        # Mauchly (R's stats:::mauchly.test.SSD): W on the covariance estimate E / n
        sign, logdet = np.linalg.slogdet(sscp_error / n)
        log_w = logdet - p * np.log(trace / (n * p))
        w = np.where(sign > 0, np.exp(log_w), 0.0)
        rho = 1 - (2 * p**2 + p + 2) / (6 * p * n)
        # car (and so afex) writes ``3 * p`` with p the number of *levels* (p + 1 here) in
        # this second-order term, where R's mauchly.test has the number of contrasts; kept
        # so that the p agrees with afex, the reference (a difference below 1e-3 relative).
        w2 = (
            (p + 2)
            * (p - 1)
            * (p - 2)
            * (2 * p**3 + 6 * p**2 + 3 * (p + 1) + 2)
            / (288 * (n * p * rho) ** 2)
        )
        z = -n * rho * np.where(sign > 0, log_w, -np.inf)
        dof = p * (p + 1) / 2 - 1
        pr1 = special.chdtrc(dof, z)
        pr2 = special.chdtrc(dof + 4, z)
        w_p = pr1 + w2 * (pr2 - pr1)
    return w, w_p, eps_gg, eps_hf
