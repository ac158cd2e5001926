"""Verdicts a methodologist would sign (issue 10): the rules of ``analysis.studies.verdicts``."""

import math

import pandas as pd
import pytest

from analysis.build.claims import claims_table
from analysis.engine.apa import apa_p
from analysis.studies import estes2017, ryu2016
from analysis.studies import konopka2014 as dose
from analysis.studies.verdicts import (
    GRADES,
    PAPERS_OWN_TESTS,
    VERDICTS,
    decide_by_interaction,
    verdict_row,
)


@pytest.fixture(scope="module")
def estes():
    rep = estes2017.replicate(seed=0)
    return rep, estes2017.claim_verdicts(rep).set_index("claim")


@pytest.fixture(scope="module")
def ryu():
    rep = ryu2016.replicate(seed=0)
    return rep, ryu2016.claim_verdicts(rep).set_index("claim")


def claim1_verdict(**assumptions) -> pd.Series:
    rep = estes2017.replicate(seed=0, **assumptions)
    return estes2017.claim_verdicts(rep).set_index("claim").loc[1]


# --- the rule -------------------------------------------------------------------------------


def test_decide_by_interaction():
    assert decide_by_interaction(0.049) == "supported"
    assert decide_by_interaction(0.05) == "not supported"
    assert decide_by_interaction(0.2) == "not supported"
    assert decide_by_interaction(0.01, as_claimed=False) == "not supported"
    assert decide_by_interaction(0.04, alpha=0.01) == "not supported"
    assert decide_by_interaction(math.nan) == "not testable"


def test_verdict_row_refuses_published_grade_for_a_simulated_study_unless_own_test():
    with pytest.raises(ValueError, match="paper's own test"):
        verdict_row(1, "supported", "our t-test", "", "estes2017", "t", grade="published")
    row = verdict_row(
        3, "supported", f"{PAPERS_OWN_TESTS} (abstract): x", "", "ryu2016", "t", "published"
    )
    assert row["grade"] == "published"
    with pytest.raises(ValueError, match="grade"):
        verdict_row(1, "supported", "x", "", "estes2017", "t", grade="solid")


# --- claim 1: the interaction decides, not a difference in significance ---------------------


def test_claim_1_is_decided_by_the_interaction_with_the_ancova_beside_it(estes):
    rep, verdicts = estes
    row = verdicts.loc[1]
    anova = rep.tables["mixed_anova"]
    inter = anova[(anova["dv"] == "csa_cm2") & (anova["Source"] == "Interaction")].iloc[0]
    assert inter["ss_type"] == "Type III"
    assert row["verdict"] == decide_by_interaction(inter["p_unc"]) == "supported"
    assert row["grade"] == "assumption-driven"
    stat = row["deciding_statistic"]
    assert stat.startswith("group × time interaction on VL CSA, mixed ANOVA (Type III SS)")
    # quoted as papers report it: F(1, 15) = 5.23, p = .037, η²p = .26, 90% CI [...]
    assert inter["apa"].startswith(f"F(1, 15) = {inter['F']:.2f}, {apa_p(inter['p_unc'])}")
    assert inter["apa"] in stat
    assert "ANCOVA (post on pre): F(1, 14)" in stat
    assert "under the assumed control change of 0.0 ± 3.0 %" in stat
    assert "entirely assumed" in row["caveat"] and "assumption-driven" in row["caveat"]
    assert "Gelman & Stern" in row["caveat"]
    for value in ("0 %", "3 %", "6 %", "1.5 %"):
        assert value in row["caveat"]
    assert "mixed_anova" in row["tables"] and "ancova" in row["tables"]


def test_fast_interaction_equals_the_mixed_anova(estes):
    rep, _ = estes
    anova = rep.tables["mixed_anova"]
    p = anova[(anova["dv"] == "csa_cm2") & (anova["Source"] == "Interaction")]["p_unc"].iloc[0]
    fast, hiit_more = estes2017.csa_interaction(rep.data)
    assert fast == pytest.approx(p, rel=1e-9) and hiit_more


def test_claim_1_not_decided_by_a_difference_in_significance():
    """Controls +3 %: HIIT p < 0.05 and controls p >= 0.05 (the old rule said 'supported'),
    yet the interaction is not significant, so the claim is not supported."""
    rep = estes2017.replicate(seed=0, control_csa_pct_change_mean=3.0)
    tests = rep.tables["change_tests"].set_index(["group", "measure"])
    assert tests.loc[("HIIT", "csa_pct_change"), "p_val"] < 0.05
    assert tests.loc[("control", "csa_pct_change"), "p_val"] >= 0.05
    assert estes2017.claim_verdicts(rep).set_index("claim").loc[1, "verdict"] == "not supported"


def test_claim_1_across_the_assumed_control_range():
    table = estes2017.claim1_across_assumptions(seed=0)
    assert len(table) == 9
    verdicts = table.set_index(["control_csa_pct_change_mean", "control_csa_pct_change_sd"])
    # seed 0's control sample (drawn: the controls are assumed) with the assumed mean moved
    assert (verdicts.loc[0.0, "verdict"].loc[[1.5, 3.0]] == "supported").all()
    assert (verdicts.loc[3.0, "verdict"] == "not supported").all()
    assert (verdicts.loc[6.0, "verdict"] == "not supported").all()
    # the rule: the more the controls are assumed to grow, the weaker the interaction
    for _, by_mean in table.groupby("control_csa_pct_change_sd"):
        assert by_mean.sort_values("control_csa_pct_change_mean")[
            "interaction_p"
        ].is_monotonic_increasing


def test_where_claim_1_flips_as_the_assumed_control_change_moves():
    flip = estes2017.claim1_flip_point(seed=0, tol=0.01)
    # seed 0's drawn control sample, control SD 3 % (1.66 % when the controls were exact)
    assert flip == pytest.approx(0.57, abs=0.02)
    below, above = (
        claim1_verdict(control_csa_pct_change_mean=flip - 0.05),
        claim1_verdict(control_csa_pct_change_mean=flip + 0.05),
    )
    assert below["verdict"] == "supported" and above["verdict"] == "not supported"
    assert f"about {flip:.1f} %" in below["caveat"]
    # the full mixed ANOVA agrees with the fast form on either side of the flip
    p_below = estes2017.claim1_verdict_at(0, control_csa_pct_change_mean=flip - 0.05)[0]
    p_above = estes2017.claim1_verdict_at(0, control_csa_pct_change_mean=flip + 0.05)[0]
    assert p_below < 0.05 <= p_above
    assert apa_p(p_below) in below["deciding_statistic"]


# --- claim 2 ----------------------------------------------------------------------------------


def test_claim_2_is_reconstructed_from_the_published_mean_and_sem(estes):
    _, verdicts = estes
    row = verdicts.loc[2]
    assert row["grade"] == "reconstructed"
    assert row["verdict"] == "partly supported"
    assert "one-sample t" in row["deciding_statistic"]
    assert "mean ± SEM" in row["caveat"]


def test_claim_2_t_is_the_one_the_published_summary_implies(estes):
    rep, verdicts = estes
    t = estes2017.targets()
    row = t.row("hiit_vo2max_rel_pct_change")
    implied = row["value"] / row["dispersion"]  # mean / SEM
    assert f"one-sample t(11) = {implied:.2f}" in verdicts.loc[2, "deciding_statistic"]


# --- claims 3 and 4 ---------------------------------------------------------------------------


def test_claim_3_rests_on_the_papers_own_tests(ryu):
    _, verdicts = ryu
    row = verdicts.loc[3]
    assert row["verdict"] == "supported" and row["grade"] == "published"
    assert row["deciding_statistic"].startswith(f"{PAPERS_OWN_TESTS} (abstract): ")
    assert (
        "the simulated data reproduce the directions by construction (magnitudes assumed)"
        in row["deciding_statistic"]
    )
    assert "circular" in row["caveat"]
    assert ryu2016.papers_own_tests() == {
        "raised": ["CK", "LDH", "tail moment"],
        "marathon_most": ["CK", "LDH", "tail moment"],
    }


def test_claim_3_does_not_depend_on_the_simulated_data(ryu):
    """The same verdict whatever the assumed magnitudes: it is the paper's statement."""
    rep = ryu2016.replicate(seed=0, ck_fold_post_10km=1.2)
    row = ryu2016.claim_verdicts(rep).set_index("claim").loc[3]
    assert row["verdict"] == "supported" and row["grade"] == "published"


def test_claim_4_rests_on_assumptions(ryu):
    _, verdicts = ryu
    row = verdicts.loc[4]
    assert row["verdict"] == "rests on assumptions" and row["grade"] == "assumption-driven"
    assert "not the paper" in row["caveat"] or "abstract reports no day-3" in row["caveat"]


# --- every row --------------------------------------------------------------------------------


def test_no_reconstructed_study_is_graded_published_unless_the_papers_own_test(estes, ryu):
    rows = pd.concat([estes[1], ryu[1]])
    assert len(rows) == 4
    for claim, row in rows.iterrows():
        assert row["verdict"] in VERDICTS and row["grade"] in GRADES, claim
        if row["grade"] == "published":
            assert row["deciding_statistic"].startswith(PAPERS_OWN_TESTS), claim


def test_claim_5_grade():
    row = dose.claim_verdicts().iloc[0]
    assert row["grade"] == "published"
    assert "published per-study numbers" in row["deciding_statistic"]
    assert "assumed resting heart rate" in row["caveat"]


def test_claims_table_carries_the_grade(estes, ryu):
    table = claims_table([estes[1].reset_index(), ryu[1].reset_index(), dose.claim_verdicts()])
    grades = table.set_index("claim")["grade"]
    assert grades.loc[1] == "assumption-driven" and grades.loc[2] == "reconstructed"
    assert grades.loc[3] == "published" and grades.loc[4] == "assumption-driven"
    assert grades.loc[5] == "published"


def test_the_claims_table_warns_of_nothing():
    # pandas warns that "" will not be accepted as a float column's fill value: the table
    # makes its blank cells without relying on that
    import warnings

    from analysis.studies import concurrent

    verdicts = [dose.claim_verdicts(), concurrent.claim_verdicts()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = claims_table(verdicts)
    assert (table["probability"] == "").any()  # a claim without a probability: blank
