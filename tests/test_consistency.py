"""GRIM, GRIMMER and recomputed p-values (analysis.engine.consistency).

Golden values are from Brown & Heathers 2017 (Soc Psychol Personal Sci 8:363) or worked by
hand in the comments; GRIM and GRIMMER are also checked against a brute-force enumeration of
every small integer sample, rounded independently here with :mod:`decimal`, and p-values
against scipy.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from analysis.dataio.targets import COLUMNS, DATA_DIR, load_targets
from analysis.engine import consistency
from analysis.engine.consistency import (
    check_p,
    consistency_table,
    grim,
    grimmer,
    p_from_ci,
    p_from_mean,
    p_from_t,
    recompute_p_from_ci,
    recompute_p_from_mean,
)
from analysis.errors import InputError

MODES = (ROUND_HALF_UP, ROUND_HALF_EVEN)


# ------------------------------------------------------------ independent rounding


def _decimal(x: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return Decimal(x.numerator) / Decimal(x.denominator)


def rounded(x: Fraction, places: int, mode) -> str:
    """``x`` (exact) printed to ``places`` decimals under a decimal rounding mode."""
    with localcontext() as ctx:
        ctx.prec = 60
        return str(_decimal(x).quantize(Decimal(1).scaleb(-places), rounding=mode))


def rounded_sqrt(x: Fraction, places: int, mode) -> str:
    """sqrt(x) printed to ``places`` decimals (Decimal's sqrt is correctly rounded; a tie
    needs x to be a square of a finite decimal, which is then exact at 60 digits)."""
    with localcontext() as ctx:
        ctx.prec = 60
        root = _decimal(x).sqrt()
        return str(root.quantize(Decimal(1).scaleb(-places), rounding=mode))


def summaries(sample, places_mean: int, places_sd: int) -> tuple[set, set, set]:
    """Every printed mean, SD and SEM a sample can have, under either rounding mode."""
    n = len(sample)
    mean = Fraction(sum(sample), n)
    var = (Fraction(sum(a * a for a in sample)) - n * mean * mean) / (n - 1)
    means = {rounded(mean, places_mean, m) for m in MODES}
    sds = {rounded_sqrt(var, places_sd, m) for m in MODES}
    sems = {rounded_sqrt(var / n, places_sd, m) for m in MODES}
    return means, sds, sems


# ------------------------------------------------------------ GRIM


def test_grim_brown_heathers_example_is_inconsistent():
    # Brown & Heathers 2017, section "The GRIM test": a mean of 5.19 from 28 participants
    # is impossible: 145/28 = 5.1786 and 146/28 = 5.2143 round to 5.18 and 5.21
    r = grim("5.19", 28)
    assert not r.consistent and r.verdict == "inconsistent"
    assert r.nearest == pytest.approx((145 / 28, 146 / 28))
    assert "145/28" in r.reason and "146/28" in r.reason


@pytest.mark.parametrize(
    ("mean", "n", "verdict", "sums"),
    [
        ("24.50", 12, "consistent", (294,)),  # 294/12 = 24.5 exactly
        ("24.45", 12, "inconsistent", ()),  # 293/12 = 24.4167, 294/12 = 24.5
        ("3.47", 99, "consistent", (344,)),  # 344/99 = 3.4747; 343/99 = 3.4646
        ("3.47", 100, "consistent", (347,)),  # 100 >= 10**2: every mean possible
        ("5.10", 28, "inconsistent", ()),  # 142/28 = 5.0714, 143/28 = 5.1071
    ],
)
def test_grim_hand_computed(mean, n, verdict, sums):
    r = grim(mean, n)
    assert r.verdict == verdict
    assert r.consistent == (verdict != "inconsistent")
    if verdict == "consistent":
        assert r.sums == sums


def test_grim_sessions_figure_is_consistent():
    # Estes 2017: 24.5 sessions, n = 12; 294/12 = 24.5. At n = 12 >= 10**1 every mean with
    # one decimal is possible, so GRIM cannot fail: consistent, and the reason says so
    r = grim("24.5", 12)
    assert r.consistent
    assert r.sums == (294,)
    assert r.verdict == "consistent" and "cannot fail" in r.reason
    assert "294/12 = 24.5" in r.reason


def test_grim_trailing_zeros_count():
    # "5.10" has 2 decimals (inconsistent at n = 28, above); the float 5.1 has 1 (and
    # 28 >= 10, so nothing can be said)
    assert grim(5.10, 28).verdict == "consistent" and "cannot fail" in grim(5.10, 28).reason
    assert grim(5.1, 28, decimals=2).verdict == "inconsistent"


def test_grim_accepts_half_up_and_half_even():
    # 21/8 = 2.625 exactly: half up prints 2.63, half to even 2.62; both are accepted,
    # and a negative mean rounds half away from zero (-2.63) or to even (-2.62)
    for text in ("2.63", "2.62", "-2.63", "-2.62"):
        assert grim(text, 8).consistent, text
    assert not grim("2.64", 8).consistent  # 21/8 = 2.625 and 22/8 = 2.75


def test_grim_items():
    # 5 subjects averaging 2 integer items: means are multiples of 1/10
    assert grim("3.10", 5, items=2).consistent
    assert not grim("3.15", 5, items=2).consistent  # 31/10 = 3.1, 32/10 = 3.2
    assert "cannot fail" in grim("3.1", 5, items=2).reason  # 10 >= 10**1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean": "2.5", "n": 0},
        {"mean": "2.5", "n": 2.5},
        {"mean": "2.5", "n": True},
        {"mean": "abc", "n": 4},
        {"mean": float("nan"), "n": 4},
        {"mean": "2.55", "n": 4, "decimals": 1},
        {"mean": "2.5", "n": 4, "items": 0},
    ],
)
def test_grim_refuses_bad_input(kwargs):
    with pytest.raises(InputError):
        grim(**kwargs)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 11, 13])
def test_grim_matches_brute_force(n):
    # every mean with 2 decimals between 3 and 5: possible iff some n integers give it
    possible = set()
    for total in range(3 * n - 1, 5 * n + 2):
        possible |= {rounded(Fraction(total, n), 2, m) for m in MODES}
    for hundredths in range(300, 501):
        text = f"{hundredths / 100:.2f}"
        assert grim(text, n).consistent == (text in possible), (text, n)


@given(st.lists(st.integers(-50, 200), min_size=1, max_size=60), st.integers(0, 3))
def test_true_means_pass_grim(sample, places):
    mean = Fraction(sum(sample), len(sample))
    for mode in MODES:
        assert grim(rounded(mean, places, mode), len(sample)).consistent


# ------------------------------------------------------------ GRIMMER


def test_grimmer_sessions_sd_reading_is_impossible():
    # 12 integers averaging 24.5 (total 294): each deviation is k + 1/2, whose square is
    # 1/4 mod 2, so the sum of squared deviations is 12/4 = 3 mod 2: 3, 5, 7, ... The SD is
    # sqrt(3/11) = 0.522 or sqrt(5/11) = 0.674 or more: never 0.6
    r = grimmer("24.5", "0.6", 12, reading="SD")
    assert r.verdict == "inconsistent" and not r.consistent
    assert r.nearest == pytest.approx((math.sqrt(3 / 11), math.sqrt(5 / 11)))


def test_grimmer_sessions_sem_reading_is_possible():
    # as an SEM, 0.6 stands for SDs of 0.55 to 0.65 times sqrt(12) (1.91 to 2.25): squared
    # deviations of 40 to 55.8, which hold odd numbers (41, 43, ...), e.g. 45: SEM 0.584
    r = grimmer("24.5", "0.6", 12, reading="SEM")
    assert r.consistent
    assert r.verdict == "consistent"
    assert all(round(x, 1) == 0.6 for x in r.nearest)


def test_grimmer_parity():
    # mean 3.50 of 10 integers: total 35 (odd), so the sum of squares Q is odd; an SD of
    # 1.05 needs Q - 122.5 in [9 * 1.045^2, 9 * 1.055^2] = [9.83, 10.02]: Q = 132.5 is not
    # whole, and Q = 132 (SD 1.027) is even. Q = 131 and 133 give 0.972 and 1.080
    r = grimmer("3.50", "1.05", 10)
    assert r.verdict == "inconsistent"
    assert r.nearest == pytest.approx((math.sqrt(8.5 / 9), math.sqrt(10.5 / 9)))
    assert grimmer("3.50", "1.08", 10).verdict == "consistent"


def test_grimmer_small_n_needs_more_than_parity():
    # 3 integers with total 9 and sum of squares 31 would have SD sqrt((31 - 27) / 2) =
    # 1.414: parity (31 and 9 odd) and the minimum (27) allow it, but the deviations would
    # need d1 + d2 + d3 = 0 and d1^2 + d2^2 + d3^2 = 4, which no integers do
    assert grimmer("3.00", "1.41", 3).verdict == "inconsistent"
    # (2, 3, 4): sum of squares 29, SD 1
    assert grimmer("3.00", "1.00", 3).verdict == "consistent"


def test_grimmer_minimum_sum_of_squares():
    # 10 integers with total 15 are at best five 1s and five 2s: sum of squares 25, SD
    # sqrt((25 - 22.5) / 9) = 0.527. An SD of 0.24 needs a sum of squares of 23 (odd, like
    # the total, and inside [22.5 + 9 * 0.235^2, 22.5 + 9 * 0.245^2] = [23.0, 23.04]),
    # which parity alone would let through
    r = grimmer("1.50", "0.24", 10)
    assert r.verdict == "inconsistent"
    assert r.nearest[0] == pytest.approx(math.sqrt(2.5 / 9))
    assert grimmer("1.50", "0.53", 10).consistent


def test_grimmer_fails_with_grim():
    r = grimmer("5.19", "1.00", 28)
    assert not r.consistent and "GRIM" in r.reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean": "2.5", "sd": "1.0", "n": 1},
        {"mean": "2.5", "sd": "-1.0", "n": 4},
        {"mean": "2.5", "sd": "1.0", "n": 4, "reading": "variance"},
    ],
)
def test_grimmer_refuses_bad_input(kwargs):
    with pytest.raises(InputError):
        grimmer(**kwargs)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_grimmer_matches_brute_force(n):
    # Every sample of n integers from -2 to 10; a mean in [3, 5] with an SD <= 1.5 (or an
    # SEM <= 0.6) keeps every value within 3 +- 1.5 * (n - 1) / sqrt(n) - ... < 10 of it,
    # so the enumeration holds every sample that can print such a pair.
    by_sd, by_sem = set(), set()
    for sample in combinations_with_replacement(range(-2, 11), n):
        means, sds, sems = summaries(sample, 2, 2)
        by_sd |= {(m, s) for m in means for s in sds}
        by_sem |= {(m, s) for m in means for s in sems}
    means = sorted(
        {f"{h / 100:.2f}" for h in range(300, 501) if grim(f"{h / 100:.2f}", n).consistent}
        | {"3.01", "4.99"}
    )
    for mean in means:
        for hundredths in range(0, 151):
            sd = f"{hundredths / 100:.2f}"
            assert grimmer(mean, sd, n).consistent == ((mean, sd) in by_sd), (mean, sd, n)
            if hundredths <= 60:
                assert grimmer(mean, sd, n, reading="SEM").consistent == ((mean, sd) in by_sem), (
                    mean,
                    sd,
                    n,
                    "SEM",
                )


@given(
    st.lists(st.integers(-20, 60), min_size=2, max_size=40),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_true_summaries_pass_grimmer(sample, places_mean, places_sd):
    means, sds, sems = summaries(sample, places_mean, places_sd)
    n = len(sample)
    for mean in means:
        for sd in sds:
            assert grimmer(mean, sd, n).consistent, (mean, sd)
        for sem in sems:
            assert grimmer(mean, sem, n, reading="SEM").consistent, (mean, sem)


@given(
    st.lists(st.integers(0, 21), min_size=2, max_size=25),
    st.integers(2, 3),
    st.integers(1, 3),
)
def test_true_summaries_of_item_means_pass(totals, items, places):
    # each subject's score is the mean of `items` integer items, i.e. total / items
    n = len(totals)
    mean = Fraction(sum(totals), n * items)
    var = (Fraction(sum(t * t for t in totals), items * items) - n * mean * mean) / (n - 1)
    for mode in MODES:
        m, s = rounded(mean, places, mode), rounded_sqrt(var, places, mode)
        assert grim(m, n, items=items).consistent
        assert grimmer(m, s, n, items=items).consistent


# ------------------------------------------------------------ p-values


def test_p_from_t_matches_scipy():
    for t, df in [(2.0, 10), (-3.3, 4), (0.0, 7), (1.2, 1000.5)]:
        assert p_from_t(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-12)
        assert p_from_t(t, df, tails=1) == pytest.approx(stats.t.sf(abs(t), df), rel=1e-12)
    assert p_from_t(1.959963984540054, math.inf) == pytest.approx(0.05, rel=1e-12)
    with pytest.raises(InputError):
        p_from_t(2.0, 10, tails=3)


@pytest.mark.parametrize("seed", range(8))
def test_p_from_mean_matches_ttest_1samp(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    data = rng.normal(rng.normal(0, 1), rng.uniform(0.5, 3), n)
    mean, sd = data.mean(), data.std(ddof=1)
    expected = stats.ttest_1samp(data, 0.0)
    assert p_from_mean(mean, sd, n, "SD") == pytest.approx(expected.pvalue, rel=1e-9)
    assert p_from_mean(mean, sd / math.sqrt(n), n, "SEM") == pytest.approx(
        expected.pvalue, rel=1e-9
    )
    side = "greater" if mean > 0 else "less"
    one = stats.ttest_1samp(data, 0.0, alternative=side).pvalue
    assert p_from_mean(mean, sd, n, "SD", tails=1) == pytest.approx(one, rel=1e-9)
    # against another null value
    assert p_from_mean(mean, sd, n, "SD", mu=0.3) == pytest.approx(
        stats.ttest_1samp(data, 0.3).pvalue, rel=1e-9
    )


def test_p_from_mean_estes_values():
    # shared/studies.md: under the SEM reading t(11) = 3.93, p ~ 0.0024 (CSA); 2.36,
    # p ~ 0.038 (relative VO2max); 2.61, p ~ 0.024 (absolute VO2max)
    assert p_from_mean(10.6, 2.7, 12, "SEM") == pytest.approx(0.0024, abs=5e-5)
    assert p_from_mean(5.2, 2.2, 12, "SEM") == pytest.approx(0.038, abs=5e-4)
    assert p_from_mean(6.0, 2.3, 12, "SEM") == pytest.approx(0.024, abs=5e-4)


@pytest.mark.parametrize("seed", range(5))
def test_recomputed_range_covers_the_rounding_box(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(3, 30))
    mean, disp = f"{rng.uniform(-5, 5):.1f}", f"{rng.uniform(0.5, 4):.1f}"
    for reading in ("SEM", "SD"):
        r = recompute_p_from_mean(mean, disp, n, reading)
        assert r.p_low <= r.p <= r.p_high
        for _ in range(200):
            m = float(mean) + rng.uniform(-0.05, 0.05)
            d = float(disp) + rng.uniform(-0.05, 0.05)
            p = p_from_mean(m, d, n, reading)
            assert r.p_low - 1e-12 <= p <= r.p_high + 1e-12


def test_p_from_ci_of_a_wald_interval():
    # estimate 0.5, SE 0.2: the 95 % interval is 0.5 +- 1.959964 * 0.2, and z = 2.5
    z = stats.norm.ppf(0.975)
    p = p_from_ci(0.5, 0.5 - z * 0.2, 0.5 + z * 0.2)
    assert p == pytest.approx(2 * stats.norm.sf(2.5), rel=1e-10)
    z90 = stats.norm.ppf(0.95)
    assert p_from_ci(0.5, 0.5 - z90 * 0.2, 0.5 + z90 * 0.2, level=0.90) == pytest.approx(p)
    with pytest.raises(InputError):
        p_from_ci(0.5, 0.7, 0.3)


def test_recompute_p_from_ci_schumann():
    # Schumann 2022, explosive strength: -0.28 (-0.48 to -0.08), p = 0.007. SE =
    # 0.40 / 3.92 = 0.102, z = 2.74, p = 0.0061; with every bound +-0.005 the width is 0.39
    # to 0.41 and |z| from 0.275 / 0.1046 = 2.63 to 0.285 / 0.0995 = 2.86
    r = recompute_p_from_ci("-0.28", "-0.48", "-0.08")
    assert r.p == pytest.approx(0.0061, abs=1e-4)
    assert r.p_low == pytest.approx(2 * stats.norm.sf(0.285 / (0.39 / (2 * 1.959964))), rel=1e-5)
    assert r.p_high == pytest.approx(2 * stats.norm.sf(0.275 / (0.41 / (2 * 1.959964))), rel=1e-5)
    assert check_p("p = 0.007", r).consistent
    assert not check_p("p = 0.02", r).consistent


@pytest.mark.parametrize(
    ("reported", "p", "consistent"),
    [
        ("p < 0.05", 0.049, True),
        ("p < 0.05", 0.051, False),
        ("p<.05", 0.01, True),
        ("P ≤ 0.05", 0.05, True),
        ("p > 0.05", 0.2, True),
        ("p > 0.05", 0.03, False),
        ("p = .003", 0.0034, True),  # rounds to 0.003
        ("p = .003", 0.0036, False),  # rounds to 0.004
        ("p = 0.0030", 0.0034, False),  # four decimals: 0.0034 is not 0.0030
        ("p = 0.12", 0.125, True),  # a tie: half to even gives 0.12
        ("p = 0.13", 0.125, True),  # half up gives 0.13
        ("p = 0.37", 0.375, False),  # both give 0.38
        (("<", 0.001), 0.0004, True),
    ],
)
def test_check_p_relations(reported, p, consistent):
    assert check_p(reported, p).consistent == consistent


def test_check_p_range_and_decision_error():
    # mean 1.0 +- 1.0 (SEM), n = 12: t(11) = 1, p = 0.34; "p < 0.05" fails and the
    # conclusion flips; "p = 0.34" agrees
    r = recompute_p_from_mean("1.0", "1.0", 12, "SEM")
    assert r.p == pytest.approx(2 * stats.t.sf(1.0, 11))
    c = check_p("p < 0.05", r)
    assert not c.consistent and c.decision_error
    assert check_p("p = 0.34", r).consistent
    # read as an SD the same numbers give t(11) = 3.46, p = 0.005
    assert check_p("p < 0.05", recompute_p_from_mean("1.0", "1.0", 12, "SD")).consistent
    # part of the range only: 2.0 +- 1.0 SEM, n = 12: t from 1.95/1.05 = 1.86 (p = 0.09) to
    # 2.05/0.95 = 2.16 (p = 0.054): "p < 0.06" holds for part of it
    part = check_p("p < 0.06", recompute_p_from_mean("2.0", "1.0", 12, "SEM"))
    assert part.consistent and "part" in part.reason


def test_check_p_refuses_unreadable_text():
    with pytest.raises(InputError):
        check_p("significant", 0.01)
    with pytest.raises(InputError):
        check_p("p < 0.05", 1.5)


# ------------------------------------------------------------ the table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return consistency_table()


def test_table_covers_every_published_row(table):
    names = consistency.targets_tables()
    assert {"estes2017", "ryu2016", "konopka2014", "concurrent_training"} <= set(names)
    assert "aerobic_hypertrophy" not in names and "article_claims" not in names
    for study in names:
        targets = load_targets(study).table
        published = set(targets.loc[targets["kind"] == "published", "id"])
        assert published == set(table.loc[table["study"] == study, "id"]), study
    assert list(table.columns) == consistency.CONSISTENCY_COLUMNS
    assert set(table["verdict"]) <= {"consistent", "inconsistent", "not applicable"}
    assert table["reason"].str.len().gt(0).all()


def test_table_sessions_figure_is_grim_consistent(table):
    row = table[(table["id"] == "hiit_sessions") & (table["check"] == "GRIM")]
    assert len(row) == 1
    assert bool(row["consistent"].iloc[0])
    assert "294/12 = 24.5" in row["reason"].iloc[0]
    assert row["verdict"].iloc[0] == "consistent"


def test_table_p_below_005_under_both_readings(table):
    # every published "p < 0.05" whose quantity/group/time has a published mean +- (pm):
    # found from the targets, not from a list of ids
    found = 0
    for study in consistency.targets_tables():
        t = load_targets(study).table
        t = t[t["kind"] == "published"]
        means = t[t["statistic"].isin(["mean", "mean_of_counts"]) & (t["dispersion_type"] == "pm")]
        ps = t[(t["statistic"] == "p_value") & (t["relation"] == "<")]
        for _, p in ps.iterrows():
            same = (
                (means["quantity"] == p["quantity"])
                & (means["group"].fillna("") == (p["group"] if pd.notna(p["group"]) else ""))
                & (means["time"].fillna("") == (p["time"] if pd.notna(p["time"]) else ""))
            )
            if not same.any():
                continue
            found += 1
            rows = table[(table["study"] == study) & (table["id"] == p["id"])]
            assert set(rows["reading"]) == {"SEM", "SD"}, p["id"]
            assert rows["verdict"].isin(["consistent", "inconsistent"]).all()
            assert rows["uses"].isin(means.loc[same, "id"]).all()
    assert found >= 3  # Estes 2017: CSA, relative and absolute VO2max


def test_table_estes_p_values_hold_under_both_readings(table):
    rows = table[(table["study"] == "estes2017") & table["check"].str.startswith("p from mean")]
    assert len(rows) == 6
    assert (rows["verdict"] == "consistent").all()


def test_table_sessions_sd_reading_is_impossible(table):
    rows = table[(table["id"] == "hiit_sessions") & (table["check"] == "GRIMMER")]
    verdicts = dict(zip(rows["reading"], rows["verdict"], strict=True))
    assert verdicts == {"SD": "inconsistent", "SEM": "consistent"}


def test_table_ci_checks(table):
    rows = table[table["check"] == "p from estimate and 95 % CI"]
    raw = pd.read_csv(consistency.targets_tables()["concurrent_training"])
    with_ci = raw[
        (raw["kind"] == "published") & raw[["ci_low", "ci_high", "p"]].notna().all(axis=1)
    ]
    assert set(rows["id"]) == set(with_ci["id"])
    assert (rows["verdict"] == "consistent").all()
    # Schumann's hypertrophy interval (-0.16 to 0.18) is centred on 0.01, not on -0.01
    note = rows.loc[rows["id"] == "schumann_hypertrophy", "reason"].iloc[0]
    assert "not symmetric" in note


def _write_targets(path, rows):
    frame = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame["source"] = "test"
    frame.loc[frame["kind"] != "assumed", "claimed_by"] = "paper"
    frame[COLUMNS].to_csv(path, index=False)


def test_table_on_a_new_targets_table(tmp_path):
    # the rule, not the example: a table the module has never seen
    path = tmp_path / "made_up.csv"
    base = {"relation": "=", "kind": "published", "group": "A", "time": "post"}
    _write_targets(
        path,
        [
            # Brown & Heathers' impossible mean, as a mean of counts
            dict(base, id="visits", quantity="visits", statistic="mean", value="5.19",
                 n="28", unit="visits"),
            # a mean of integers by its statistic, with an SD that fits (3.50 +- 1.08, n = 10)
            dict(base, id="score", quantity="score", statistic="mean_of_counts", value="3.50",
                 dispersion="1.08", dispersion_type="SD", n="10", unit="points"),
            # t(11) = 1 read as SEM (p = 0.34), 3.46 read as SD (p = 0.005)
            dict(base, id="gain", quantity="gain_pct", statistic="mean", value="1.0",
                 dispersion="1.0", dispersion_type="pm", n="12", unit="%"),
            dict(base, id="gain_p", quantity="gain_pct", statistic="p_value", relation="<",
                 value="0.05"),
            dict(base, id="other_p", quantity="other", statistic="p_value", relation="<",
                 value="0.05"),
            dict(base, id="guess", quantity="gain_pct", statistic="sd", value="3",
                 kind="assumed"),
        ],
    )  # fmt: skip
    t = consistency_table([path])
    assert set(t["id"]) == {"visits", "score", "gain", "gain_p", "other_p"}
    assert (t["study"] == "made_up").all()

    def verdict(id_, check, reading=""):
        row = t[(t["id"] == id_) & (t["check"] == check) & (t["reading"] == reading)]
        assert len(row) == 1, (id_, check, reading)
        return row["verdict"].iloc[0]

    assert verdict("visits", "GRIM") == "inconsistent"
    assert verdict("score", "GRIM") == "consistent"
    assert verdict("score", "GRIMMER", "SD") == "consistent"
    assert verdict("gain_p", "p from mean ± SEM", "SEM") == "inconsistent"
    assert verdict("gain_p", "p from mean ± SD", "SD") == "consistent"
    assert verdict("gain", "") == "not applicable"
    assert "gain_p" in t.loc[t["id"] == "gain", "reason"].iloc[0]
    other = t.loc[t["id"] == "other_p"].iloc[0]
    assert other["verdict"] == "not applicable" and "without its test statistic" in other["reason"]
    assert pd.isna(other["consistent"])


def _one_mean(path, **changes):
    base = {"relation": "=", "kind": "published", "group": "A", "time": "post"}
    mean = dict(base, id="gain", quantity="gain_pct", statistic="mean", value="1.0",
                dispersion="1.0", dispersion_type="pm", n="12", unit="%")  # fmt: skip
    p = dict(base, id="gain_p", quantity="gain_pct", statistic="p_value", relation="<",
             value="0.05")  # fmt: skip
    _write_targets(path, [dict(mean, **changes), p])
    return path


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"dispersion": "0"}, "dispersion"),
        ({"dispersion": "-1.0"}, "dispersion"),
        ({"dispersion": "wide"}, "dispersion"),
        ({"n": "0"}, "n"),
        ({"n": "twelve"}, "n"),
        ({"n": "12.5"}, "n"),
        ({"value": "about 1"}, "value"),
    ],
)
def test_a_cell_no_check_can_read_is_named_with_its_file_line_and_column(tmp_path, changes, column):
    # found by an audit: such cells gave an unlocated "the dispersion must be > 0" for the
    # whole table, or the verdict "no n is given" for n = 0 or "twelve"
    path = _one_mean(tmp_path / "made_up.csv", **changes)
    with pytest.raises(InputError) as caught:
        consistency_table([path])
    message = str(caught.value)
    assert str(path) in message and "line 2" in message and f'column "{column}"' in message
    assert "Fix" in message


def test_two_tables_of_one_name_are_refused_not_merged(tmp_path):
    first = _one_mean(tmp_path / "estes2017.csv")
    (tmp_path / "copy").mkdir()
    with pytest.raises(InputError, match="two targets tables are named estes2017"):
        consistency_table(["estes2017", tmp_path / "copy" / "estes2017.csv"])
    with pytest.raises(InputError, match="two targets tables are named estes2017"):
        consistency_table([first, "estes2017"], data_dir=DATA_DIR)


def test_recomputed_p_reads_as_a_sentence():
    sd = recompute_p_from_mean("10.6", "2.7", 12, "SD").describe()
    assert sd == "t(11) = 13.6, p < 0.001 (< 0.001 within rounding)"
    assert "= <" not in " ".join(consistency_table("estes2017")["recomputed"])
