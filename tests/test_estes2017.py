"""Estes et al. 2017: the simulated data reproduce the published figures (shared/studies.md §1)."""

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from analysis.errors import InputError
from analysis.studies import estes2017 as study

SEEDS = [1, 2, 3, 4, 5]


def pct_change(df, column):
    wide = df.pivot(index="subject", columns="time", values=column)
    return 100 * (wide["post"] / wide["pre"] - 1)


@pytest.fixture(scope="module", params=SEEDS)
def data(request):
    return study.simulate(seed=request.param)


def test_group_sizes_and_sex_split(data):
    subjects = data.drop_duplicates("subject")
    assert subjects["group"].value_counts().to_dict() == {"HIIT": 12, "control": 5}
    assert ((subjects["group"] == "HIIT") & (subjects["sex"] == "M")).sum() == 2
    assert data.groupby("subject").size().eq(2).all()
    assert list(data.columns[:8]) == [
        "subject",
        "group",
        "sex",
        "time",
        "csa_cm2",
        "vo2max_rel",
        "vo2max_abs",
        "body_mass_kg",
    ]


# Golden values: Estes 2017 abstract, SEM reading: SD = SEM * sqrt(12).
@pytest.mark.parametrize(
    ("column", "mean", "sd"),
    [
        ("csa_cm2", 10.6, 9.35),
        ("vo2max_rel", 5.2, 7.62),
        ("vo2max_abs", 6.0, 7.97),
    ],
)
def test_hiit_percent_changes_match_the_abstract(data, column, mean, sd):
    change = pct_change(data[data["group"] == "HIIT"], column)
    assert change.mean() == pytest.approx(mean, abs=1e-9)
    assert change.std(ddof=1) == pytest.approx(sd, abs=0.01)


def test_hiit_percent_change_sd_is_exactly_sem_times_root_n(data):
    change = pct_change(data[data["group"] == "HIIT"], "csa_cm2")
    assert change.std(ddof=1) == pytest.approx(2.7 * math.sqrt(12), rel=1e-9)


def test_hiit_baseline_matches_the_abstract(data):
    pre = data[(data["group"] == "HIIT") & (data["time"] == "pre")]
    for column, mean, sem in [
        ("age_yr", 19.9, 0.5),
        ("height_cm", 169.8, 1.9),
        ("body_mass_kg", 63.8, 2.3),
        ("vo2max_rel", 42.1, 1.6),
    ]:
        assert pre[column].mean() == pytest.approx(mean, abs=1e-9)
        assert pre[column].std(ddof=1) / math.sqrt(12) == pytest.approx(sem, rel=1e-9)


def test_relative_vo2max_is_absolute_over_body_mass(data):
    ratio = data["vo2max_abs"] * 1000 / data["body_mass_kg"]
    np.testing.assert_allclose(ratio, data["vo2max_rel"], rtol=1e-12)


def test_no_body_mass_changes_by_more_than_5_percent(data):
    assert pct_change(data, "body_mass_kg").abs().max() <= 5.0


def test_all_values_positive_and_schema_valid(data):
    assert (data.select_dtypes("number") > 0).all().all()
    study.validate_data(data)  # raises if the simulation breaks its own schema


def test_sd_reading_uses_the_printed_value_as_sd():
    data = study.simulate(seed=1, dispersion="sd")
    change = pct_change(data[data["group"] == "HIIT"], "csa_cm2")
    assert change.std(ddof=1) == pytest.approx(2.7, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_replicate_passes_every_claim(seed):
    rep = study.replicate(seed=seed)
    assert rep.passed, rep.scorecard[rep.scorecard["status"] != "PASS"]
    assert {"quantity", "published", "reproduced", "tolerance", "status", "source"} <= set(
        rep.scorecard.columns
    )


def test_scorecard_covers_the_published_claims():
    card = study.replicate(seed=0).scorecard.set_index("claim_id")
    for claim in [
        "hiit_csa_pct_change",
        "hiit_csa_pct_change_sem",
        "hiit_csa_p",
        "hiit_vo2max_rel_p",
        "hiit_vo2max_abs_p",
        "control_csa_p",
        "hiit_n",
        "hiit_n_male",
        "control_n",
        "hiit_age",
        "hiit_body_mass",
        "hiit_vo2max_rel",
    ]:
        assert card.loc[claim, "status"] == "PASS"
    # one-sample t on the change, shared/studies.md §1: p ≈ 0.0024, 0.038, 0.024
    assert card.loc["hiit_csa_p", "reproduced"] == pytest.approx(0.0024, abs=5e-5)
    assert card.loc["hiit_vo2max_rel_p", "reproduced"] == pytest.approx(0.038, abs=5e-4)
    assert card.loc["hiit_vo2max_abs_p", "reproduced"] == pytest.approx(0.024, abs=5e-4)


def test_scorecard_fails_when_an_assumption_contradicts_a_published_claim():
    # controls that grew 10 % contradict "did not change"
    rep = study.replicate(seed=0, control_csa_pct_change_mean=10.0)
    assert not rep.passed
    failed = rep.scorecard.loc[rep.scorecard["status"] == "FAIL", "claim_id"].tolist()
    assert failed == ["control_csa_p"]


def test_published_moments_are_exact_and_assumed_ones_are_drawn():
    """Issue 11: exact sample moments for published numbers only."""
    t = study.targets()
    for seed in (0, 1, 2):
        data = study.simulate(seed=seed)
        wide = data.pivot_table(index=["subject", "group"], columns="time", values="csa_cm2")
        change = (wide["post"] / wide["pre"] - 1).mul(100).groupby(level="group")
        assert change.mean()["HIIT"] == pytest.approx(t.value("hiit_csa_pct_change"), abs=1e-9)
        assert change.std()["HIIT"] == pytest.approx(t.sd("hiit_csa_pct_change", "sem"))
        # the controls' change (assumed 0 ± 3 %) is a sample: never exactly 0
        assert change.mean()["control"] != pytest.approx(0.0, abs=1e-6)
        assert abs(change.mean()["control"]) < 6


def test_assumptions_can_move_and_published_numbers_cannot():
    data = study.simulate(seed=0, hiit_csa_pre_mean=25.0, exact_assumed=True)
    pre = data[(data["group"] == "HIIT") & (data["time"] == "pre")]
    assert pre["csa_cm2"].mean() == pytest.approx(25.0)
    # by default an assumed number is drawn from its population: moved, not exact
    drawn = study.simulate(seed=0, hiit_csa_pre_mean=25.0)
    drawn_pre = drawn[(drawn["group"] == "HIIT") & (drawn["time"] == "pre")]["csa_cm2"]
    assert drawn_pre.mean() != pytest.approx(25.0) and abs(drawn_pre.mean() - 25.0) < 4
    with pytest.raises(InputError, match="published number"):
        study.simulate(seed=0, hiit_csa_pct_change=20.0)
    with pytest.raises(InputError, match="no assumption named"):
        study.simulate(seed=0, made_up=1.0)


def test_an_impossible_body_mass_assumption_is_refused():
    with pytest.raises(InputError, match="body"):
        study.simulate(seed=0, hiit_body_mass_pct_change_sd=30.0)


def test_interaction_f_equals_pingouin_on_the_same_data():
    data = study.simulate(seed=2)
    ours = study.analyze(data)["mixed_anova"]
    ours = ours[(ours["dv"] == "csa_cm2") & (ours["Source"] == "Interaction")]
    ref = pg.mixed_anova(data=data, dv="csa_cm2", within="time", between="group", subject="subject")
    assert ours["F"].iloc[0] == pytest.approx(ref.loc[2, "F"], rel=1e-9)


def test_analyze_rejects_bad_data_with_one_message():
    data = study.simulate(seed=0)
    bad = data.copy()
    bad.loc[3, "csa_cm2"] = -1.0
    # the validator's messages (analysis.dataio.schemas): file, column, 1-based data row
    with pytest.raises(InputError, match=r'(?s)x\.csv.*column "csa_cm2", row 4\b'):
        study.analyze(bad, source="x.csv")
    dup = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match=r"(?s)more than one row per subject x time.*S01 at pre"):
        study.analyze(dup)
    with pytest.raises(InputError, match="missing column"):
        study.analyze(data.drop(columns="csa_cm2"))
    relabel = data.copy()
    relabel.loc[0, "group"] = "HIT"
    with pytest.raises(InputError, match=r"unknown label: column \"group\", row 1, value 'HIT'"):
        study.analyze(relabel)


def test_sensitivity_shows_the_control_assumption_matters():
    from analysis.checks.sensitivity import sensitivity

    table = sensitivity(study, {"control_csa_pct_change_mean": [0.0, 8.0]})
    assert table["csa_change_welch_p"].iloc[1] > table["csa_change_welch_p"].iloc[0]
    # the within-HIIT test is fixed by the published figures, whatever the controls do
    assert np.ptp(table["hiit_csa_p"]) < 1e-12


def test_real_data_with_one_group_still_gets_the_within_group_tables():
    hiit_only = study.simulate(seed=1).query("group == 'HIIT'")
    tables = study.analyze(hiit_only)
    assert len(tables["change_tests"]) == 4  # one row per measure
    for name in ("group_comparison", "mixed_anova", "ancova"):
        assert list(tables[name].columns) == ["note"]
        assert tables[name]["note"].iloc[0].startswith("not computed")


def test_every_table_is_described_with_its_units():
    tables = study.analyze(study.simulate(seed=1), validate=False)
    assert list(study.TABLE_DESCRIPTIONS) == list(tables)
    for name, (what, units) in study.TABLE_DESCRIPTIONS.items():
        assert what and units, name
    # the change tables hold percent changes and say so, in their labels and their units
    for name in ("change_summary", "change_tests", "group_comparison"):
        assert set(tables[name]["measure"]) == set(study.CHANGE_OF), name
        assert "% change" in study.TABLE_DESCRIPTIONS[name][1], name


def test_decisions_follow_the_data():
    as_published = study.decisions(study.analyze(study.simulate(seed=1), validate=False))
    assert as_published["holds"].tolist() == [True] * len(as_published)
    # controls that grew as much as HIIT: claim 1 fails, and "did not change" too
    grown = study.simulate(seed=1, control_csa_pct_change_mean=10.0)
    table = study.decisions(study.analyze(grown, validate=False)).set_index("statement")
    claim1 = table.index[0]
    assert claim1.startswith("HIIT grew VL CSA more than the controls")
    assert not table.loc[claim1, "holds"]
    assert not table.loc[
        "VL CSA did not change in the controls (paper; one-sample t of the % change against 0)",
        "holds",
    ]


def test_decisions_say_what_one_group_cannot_give():
    hiit_only = study.simulate(seed=1).query("group == 'HIIT'")
    table = study.decisions(study.analyze(hiit_only))
    claim1 = table.iloc[0]
    assert claim1["holds"] is None and claim1["statistic"] == "not computable from these data"
    assert table.iloc[2]["holds"]  # HIIT's own change is still tested
