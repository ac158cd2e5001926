"""The popular article's claims (``data/published/article_claims.csv``) joined with the verdicts
the studies give (:mod:`analysis.studies.verdicts` holds the vocabulary, the grades and the
rule per claim)."""

from __future__ import annotations

import pandas as pd

from ..dataio.targets import DATA_DIR
from ..studies.verdicts import VERDICT_COLUMNS


def load_claims() -> pd.DataFrame:
    """The article's claims as a table: ``claim, text, evidence, studies, note``."""
    return pd.read_csv(DATA_DIR / "article_claims.csv")


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
