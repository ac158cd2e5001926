"""Verdicts on the article's claims: the vocabulary, the evidence grades and the rules.

Each study's ``claim_verdicts(results)`` returns rows made by :func:`verdict_row`;
:func:`analysis.build.claims.claims_table` joins them with the article's claims so that every
claim shows, even one no study tests. This module sits below the studies (they import it) and
below the build (which only reads the rows).
This docstring is the one place where the rules are written down; the study modules apply
them, and ``README.md`` ("How verdicts are decided") summarises them.

Verdicts (:data:`VERDICTS`): what the evidence shows
----------------------------------------------------
``supported``
    The deciding test, chosen before looking at its result, comes out as the claim says.
``partly supported``
    One part of the claim is decided and holds; another part is not tested by any data here.
``not supported``
    The deciding test does not come out as the claim says (p >= alpha, or the wrong sign).
``contested``
    Equally defensible deciding analyses disagree.
``rests on assumptions``
    Only numbers we assumed could decide it; the simulation cannot confirm or refute it.
``not testable``
    No data here speak to it (an opinion, or a claim no study replicates).

Grades (:data:`GRADES`): how the deciding number was obtained
-------------------------------------------------------------
``published``
    The decision is the paper's own published test (the deciding statistic then starts with
    :data:`PAPERS_OWN_TESTS`), or a computation on published numbers only, with no simulated
    or assumed input (the random-effects pooling of published per-study changes, claim 5).
``reconstructed``
    Our test on data simulated to match the published summaries, where the published
    summaries alone fix the result (e.g. a one-sample t implied by a printed mean ± SEM).
``assumption-driven``
    The result turns on numbers we assumed; the verdict is shown across their plausible range.
``""``
    No verdict was computed (``not testable``).

A simulated study (one of :func:`analysis.studies.simulated_names`) is never graded ``published``
unless its deciding statistic cites the paper's own tests: :func:`verdict_row` refuses it.

The rule per claim
------------------
1. *HIIT grew VL CSA, controls did not* (Estes 2017). Decided by the group × time interaction
   on CSA (mixed ANOVA, Type III SS; with two timepoints the sphericity-corrected p equals the
   uncorrected one), :func:`decide_by_interaction`, with the ANCOVA of post on pre reported
   beside it. "HIIT p < 0.05 and controls p >= 0.05" is *not* a test of the claim: the
   difference between "significant" and "not significant" is not itself statistically
   significant (Gelman & Stern 2006, Am Stat 60:328; Nieuwenhuis et al. 2011, Nat Neurosci
   14:1105). The within-group tests are context. The controls' data are entirely assumed
   (n from a companion abstract, change 0 ± 3 % from "did not change"), so the grade is
   ``assumption-driven`` and the verdict is shown across assumed control changes of 0-6 % and
   SDs of 1.5-6 %, with the control change at which it flips.
2. *VO2max rose 5-6 %* (Estes 2017). The within-group one-sample t implied by the published
   mean ± SEM (t = mean / SEM, df = n - 1; identical for every seed): ``reconstructed``. A rise
   is p < 0.05 with a positive mean change, for relative and absolute VO2max both (a
   significant fall supports nothing). The rise holds, but "running improves fitness" would need a comparison with the controls, whose
   VO2max changes are not published: ``partly supported``.
3. *Longer races, more damage* (Ryu 2016). The simulated data were built to reproduce the
   published directions, so testing them would be circular. The verdict rests on the paper's
   own tests as printed in its abstract (each distance raised CK, LDH and tail moment; after
   the race the marathon group exceeded both others): ``supported`` only because the paper's
   statements say so, graded ``published``; the simulated tests are shown as a check of the
   simulation, by construction.
4. *Damage persists to day 3* (the article's statement, not the paper's): the day-3 levels are
   assumed from other studies, so ``rests on assumptions``, ``assumption-driven``.
5. *Intensity is the lever; 30-40 min, 4-5 days/week at 70-80 % HRR* (Konopka & Harber 2014).
   The random-effects meta-analysis of published per-study changes decides whether aerobic
   training grows the quadriceps (95 % CI above 0); no study compares doses or intensities,
   so at best ``partly supported``. Grade ``published``: the pooling uses published numbers
   only; the protocol's % HRR (an assumed resting heart rate) is context, not the decision.
6. *Endurance mileage past some point works against muscle gain* (an expert's opinion in the
   article): decided by :mod:`analysis.studies.concurrent`'s rule over the pooled estimates that
   three concurrent-training meta-analyses published (Wilson 2012, Schumann 2022, Lundberg
   2022; never pooled together, they share primary studies); grade ``published``.
"""

from __future__ import annotations

import math

import pandas as pd

VERDICT_COLUMNS = [
    "claim",
    "verdict",
    "grade",
    "deciding_statistic",
    "caveat",
    "study",
    "tables",
    "probability",
]
# The probability column: how often a study of the published size, drawn from the population
# the default assumptions describe, reproduces the claim's deciding result (simulated studies
# only; NaN for claims decided from published numbers).
# What the evidence shows ...
VERDICTS = (
    "supported",
    "partly supported",
    "not supported",
    "contested",
    "rests on assumptions",
    "not testable",
)
# ... and how it was obtained: the paper's own test or a computation on published numbers only;
# our test on data simulated to match published summaries; a result that turns on numbers we
# assumed. (See the module docstring.)
GRADES = ("published", "reconstructed", "assumption-driven", "")
# How a deciding statistic of a simulated study starts when it is the paper's own test.
PAPERS_OWN_TESTS = "the paper's own tests"
# One line for the report, under the claims table.
GRADE_LEGEND = (
    "Grade: published = the paper's own test, or a computation on published numbers only; "
    "reconstructed = our test on simulated data that the published summaries fix; "
    "assumption-driven = the result turns on numbers we assumed (varied in the caveat)."
)


def decide_by_interaction(p: float, alpha: float = 0.05, as_claimed: bool = True) -> str:
    """The verdict on 'the trained group changed, the controls did not' from the group × time
    interaction p (never from the two within-group p-values; Gelman & Stern 2006).

    ``as_claimed``: the difference goes the claimed way (the trained group changed more).

    Examples
    --------
    >>> decide_by_interaction(0.023)
    'supported'
    >>> decide_by_interaction(0.09)
    'not supported'
    >>> decide_by_interaction(0.001, as_claimed=False)
    'not supported'
    >>> decide_by_interaction(float("nan"))
    'not testable'
    """
    if p is None or not math.isfinite(float(p)):
        return "not testable"
    return "supported" if float(p) < alpha and as_claimed else "not supported"


def verdict_row(
    claim: int,
    verdict: str,
    statistic: str,
    caveat: str,
    study: str,
    tables: str,
    grade: str = "reconstructed",
) -> dict:
    """One verdict with its evidence grade; ``tables`` names the result tables where the
    deciding statistic is computed.

    Examples
    --------
    >>> verdict_row(4, "rests on assumptions", "x", "y", "ryu2016", "t", "assumption-driven")["grade"]
    'assumption-driven'
    >>> verdict_row(3, "supported", "our t-test", "", "ryu2016", "t", "published")
    Traceback (most recent call last):
    ...
    ValueError: ryu2016 is simulated: grade 'published' needs the deciding statistic to be the paper's own test (start it with "the paper's own tests"), got 'our t-test'
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    if grade not in GRADES:
        raise ValueError(f"grade must be one of {GRADES}, got {grade!r}")
    if grade == "published" and _simulated(study) and not statistic.startswith(PAPERS_OWN_TESTS):
        raise ValueError(
            f"{study} is simulated: grade 'published' needs the deciding statistic to be the "
            f"paper's own test (start it with {PAPERS_OWN_TESTS!r}), got {statistic[:60]!r}"
        )
    return dict(
        zip(
            VERDICT_COLUMNS,
            [claim, verdict, grade, statistic, caveat, study, tables, math.nan],
            strict=True,
        )
    )


def with_probabilities(verdicts: pd.DataFrame, chances: dict) -> pd.DataFrame:
    """``verdicts`` with the ``probability`` of each claim filled in from ``chances``
    (claim -> :class:`~analysis.studies.base.Probability`)."""
    out = verdicts.copy()
    out["probability"] = [
        chances[c].share if c in chances else math.nan for c in out["claim"].tolist()
    ]
    return out


def _simulated(study: str) -> bool:
    from . import NAMES, is_simulated

    return study in NAMES and is_simulated(study)
