"""The popular article's claims (``data/published/article_claims.csv``) and their verdicts.

Each study module's ``claim_verdicts(rep)`` returns rows made by :func:`verdict_row`; the
report joins them with the claims table so that every claim shows, even one no study tests.
"""

from __future__ import annotations

import pandas as pd

from .targets import DATA_DIR

VERDICT_COLUMNS = ["claim", "verdict", "grade", "deciding_statistic", "caveat", "study", "tables"]
# What the evidence shows ...
VERDICTS = (
    "supported",
    "partly supported",
    "not supported",
    "contested",
    "rests on assumptions",
    "not testable",
)
# ... and how it was obtained: the paper's (or a meta-analysis's) own test; our test on data
# simulated to match published summaries; a result that turns on numbers we assumed.
GRADES = ("published", "reconstructed", "assumption-driven", "")


def load_claims() -> pd.DataFrame:
    """The article's claims as a table: ``claim, text, evidence, studies, note``."""
    return pd.read_csv(DATA_DIR / "article_claims.csv")


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
    deciding statistic is computed."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    if grade not in GRADES:
        raise ValueError(f"grade must be one of {GRADES}, got {grade!r}")
    return dict(
        zip(
            VERDICT_COLUMNS,
            [claim, verdict, grade, statistic, caveat, study, tables],
            strict=True,
        )
    )


def claims_table(verdicts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every claim of the article with its verdict; claims no study decides are 'not testable'.

    Examples
    --------
    >>> claims_table([]).loc[5, "verdict"]
    'not testable'
    """
    claims = load_claims()
    found = (
        pd.concat(verdicts, ignore_index=True)
        if verdicts
        else pd.DataFrame(columns=VERDICT_COLUMNS)
    )
    table = claims.merge(found, on="claim", how="left", suffixes=("", "_verdict"))
    opinion = table["evidence"] == "opinion"
    table["verdict"] = table["verdict"].fillna("not testable")
    table.loc[opinion & table["deciding_statistic"].isna(), "deciding_statistic"] = (
        "none: an expert's opinion, labelled as such; no data here test it"
    )
    table["deciding_statistic"] = table["deciding_statistic"].fillna("not yet replicated")
    table = table.drop(columns=["studies"]).fillna("")
    return table
