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


NOT_BUILT = "not built in this run"


def claims_table(verdicts: list[pd.DataFrame], built: list[str] | None = None) -> pd.DataFrame:
    """Every claim of the article with its verdict; claims no study decides are 'not testable'.

    ``built`` names the studies this run built (default: all). A claim resting on a study
    that was not built (``reproduce --only``) says so instead of getting a verdict.

    Examples
    --------
    >>> claims_table([]).loc[5, "verdict"]
    'not testable'
    >>> claims_table([], built=["konopka2014"]).loc[0, "verdict"]
    'not built in this run'
    """
    claims = load_claims()
    found = (
        pd.concat(verdicts, ignore_index=True)
        if verdicts
        else pd.DataFrame(columns=VERDICT_COLUMNS)
    )
    table = claims.merge(found, on="claim", how="left", suffixes=("", "_verdict"))
    opinion = table["evidence"] == "opinion"
    if built is not None:
        skipped = table["verdict"].isna() & ~table["studies"].fillna("").map(
            lambda names: all(name in built for name in str(names).split(";") if name)
        )
        table.loc[skipped, "verdict"] = NOT_BUILT
        table.loc[skipped, "deciding_statistic"] = (
            "reproduce --only built another notebook; run reproduce without --only"
        )
    table["verdict"] = table["verdict"].fillna("not testable")
    table.loc[opinion & table["deciding_statistic"].isna(), "deciding_statistic"] = (
        "none: an expert's opinion, labelled as such; no data here test it"
    )
    table["deciding_statistic"] = table["deciding_statistic"].fillna("not yet replicated")
    table = table.drop(columns=["studies"])
    # a blank cell where nothing applies, also in number columns (probability), which become
    # object columns: said explicitly, as pandas will refuse "" as a float's fill value
    gaps = [
        c
        for c in table.columns
        if not pd.api.types.is_string_dtype(table[c]) and table[c].isna().any()
    ]
    return table.astype(dict.fromkeys(gaps, object)).fillna("")


RANGE_COLUMNS = ["probability_low", "probability_high", "low_at", "high_at"]


def with_ranges(claims: pd.DataFrame, ranges: list[pd.DataFrame]) -> pd.DataFrame:
    """``claims`` with, for each claim a simulated study decides, the lowest and highest
    probability that it holds over the assumptions' ranges and the setting giving each
    (:func:`analysis.checks.sensitivity.claim_ranges`); blank for the other claims.

    Examples
    --------
    >>> r = pd.DataFrame({"claim": [1], "low": [0.2], "high": [0.9], "low_at": ["a = 1"],
    ...                   "high_at": ["a = -1"]})
    >>> row = with_ranges(claims_table([]), [r]).loc[0]
    >>> float(row["probability_low"]), row["low_at"]
    (0.2, 'a = 1')
    >>> row = with_ranges(claims_table([]).assign(probability=0.1), [r]).loc[0]
    >>> float(row["probability_low"]), row["low_at"]
    (0.1, 'defaults')
    """
    found = pd.concat(ranges, ignore_index=True) if ranges else pd.DataFrame(columns=["claim"])
    found = found.rename(columns={"low": "probability_low", "high": "probability_high"})
    found = found.reindex(columns=["claim", *RANGE_COLUMNS])
    table = claims.drop(columns=[c for c in RANGE_COLUMNS if c in claims.columns])
    table = table.merge(found, on="claim", how="left")
    table[["low_at", "high_at"]] = table[["low_at", "high_at"]].astype(object)
    # The headline probability comes from its own 4,000 draws, the range from 1,000 per
    # setting: the defaults belong to the range, so it is widened to hold the headline
    # (Monte Carlo noise could otherwise put 57 % outside "59-59 %").
    if "probability" in table.columns:
        headline = pd.to_numeric(table["probability"], errors="coerce")
        below = headline < table["probability_low"]
        above = headline > table["probability_high"]
        table.loc[below, "probability_low"] = headline[below]
        table.loc[below, "low_at"] = "defaults"
        table.loc[above, "probability_high"] = headline[above]
        table.loc[above, "high_at"] = "defaults"
    table[["low_at", "high_at"]] = table[["low_at", "high_at"]].fillna("")
    return table
