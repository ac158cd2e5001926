"""Analyses on imperfect real-shaped data (issue 8): unequal groups, missing timepoints, zeros,
degenerate groups, odd ids, non-finite values.

Every scenario starts from a simulated study (the shape of a real file) and breaks it the way
real data break. The promises checked everywhere: every table computes, none holds ±inf, every
subject a table leaves out is named in that table and in ``Tables.notes``; and where the right
expectation is "as if the subject had never been there", the results equal an analysis of only
the complete subjects (the reference).
"""

import re
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from analysis.engine import stats
from analysis.studies import estes2017, ryu2016

# ---------------------------------------------------------------------------- helpers


def computed(tables) -> dict[str, pd.DataFrame]:
    """Every table of ``tables``, each checked to hold no ±inf."""
    out = {}
    for name in tables:
        table = tables[name]
        numbers = table.select_dtypes("number").to_numpy(dtype=float, na_value=np.nan)
        assert not np.isinf(numbers).any(), f"{name} holds ±inf"
        out[name] = table
    return out


def left_out_by(table: pd.DataFrame) -> set[str]:
    """The subjects a table says it left out (summary columns, or per-subject rows)."""
    ids = set()
    for column in ("excluded_subjects", "dropped_subjects"):
        if column in table.columns:
            ids |= {s for cell in table[column].fillna("") for s in str(cell).split(";") if s}
    if "subject" in table.columns and "exclusion_reason" in table.columns:
        ids |= set(table.loc[table["exclusion_reason"].fillna("") != "", "subject"])
    return ids


def noted(notes: list[str], name: str, subject: str) -> bool:
    """Is ``subject`` named as left out in a note of table ``name``?"""
    pattern = re.compile(rf"(: left out |, ){re.escape(subject)} \(")
    own = [n for n in notes if n.startswith((f"{name} of ", f"{name}:"))]
    return any(pattern.search(n) for n in own)


def assert_left_out_subjects_are_noted(tables) -> list[str]:
    notes = tables.notes
    for name in tables:
        for subject in left_out_by(tables[name]):
            assert noted(notes, name, subject), f"{name}: {subject} not in notes {notes}"
    return notes


def rows(table: pd.DataFrame, **equals) -> pd.DataFrame:
    mask = pd.Series(True, index=table.index)
    for column, value in equals.items():
        mask &= table[column] == value
    return table[mask].reset_index(drop=True)


STATS = ["t", "p_val", "p_holm", "mean_diff", "d_z"]


@pytest.fixture(scope="module")
def ryu():
    return ryu2016.simulate(seed=1, exact_assumed=True)


@pytest.fixture(scope="module")
def estes():
    return estes2017.simulate(seed=1)


# ---------------------------------------------------------------------------- Ryu


def test_ryu_unequal_groups_6_7_8_need_no_notes_and_match_pingouin(ryu):
    first = ryu.drop_duplicates("subject").groupby("group")["subject"].agg(list)
    keep = first["10km"][:6] + first["21km"][:7] + first["42km"][:8]
    data = ryu[ryu["subject"].isin(keep)]
    tables = ryu2016.analyze(data, validate=False)
    computed(tables)
    assert tables.notes == []  # unequal groups are handled, nothing left out
    within = rows(tables["posthoc_within"], outcome="ck_u_l", contrast="post - pre")
    assert within.set_index("group")["n"].to_dict() == {"10km": 6, "21km": 7, "42km": 8}
    # reference: pingouin's mixed ANOVA of the same rows (it handles unequal groups)
    ref = pg.mixed_anova(
        data=data.assign(y=np.log(data["ck_u_l"])),
        dv="y",
        within="time",
        between="group",
        subject="subject",
    ).set_index("Source")
    ours = rows(tables["mixed_anova"], dv="log_ck_u_l").set_index("Source")
    # Type III (the default) differs from pingouin's Type II only in the time row
    for source in ("group", "Interaction"):
        assert ours.loc[source, "F"] == pytest.approx(ref.loc[source, "F"], rel=1e-9)
    assert ours.loc["time", "ss_type"] == "Type III"
    assert ours.loc["time", "F"] != pytest.approx(ref.loc["time", "F"], rel=1e-3)
    type2 = stats.mixed_anova(
        data.assign(y=np.log(data["ck_u_l"])),
        dv="y",
        within="time",
        between="group",
        ss_type=2,
    ).set_index("Source")
    for source in ("group", "time", "Interaction"):
        assert type2.loc[source, "F"] == pytest.approx(ref.loc[source, "F"], rel=1e-9)
    assert tables["mixed_model"]["n_subjects"].eq(21).all()


def test_ryu_missing_timepoint_names_the_runner_and_keeps_the_rest_unchanged(ryu):
    cut = ryu[~((ryu["subject"] == "S07") & (ryu["time"] == "day3"))]
    tables = ryu2016.analyze(cut, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert "mixed_anova of log_ck_u_l: left out S07 (no day3 value)" in notes
    aov = tables["mixed_anova"]
    assert aov["dropped_subjects"].eq("S07").all()
    assert aov["exclusion_reason"].eq("S07 (no day3 value)").all()
    day3 = rows(tables["posthoc_within"], group="10km", contrast="day3 - pre")
    assert day3["excluded_subjects"].eq("S07").all() and day3["n"].eq(9).all()
    folds = rows(tables["fold_change"], subject="S07", contrast="day3 / pre")
    assert folds["log_fold"].isna().all() and folds["exclusion_reason"].eq("no day3 value").all()
    assert rows(tables["dose_response"], contrast="day3 / pre")["excluded_subjects"].eq("S07").all()

    # reference: the same analyses of the 29 runners without S07
    without = ryu2016.analyze(ryu[ryu["subject"] != "S07"], validate=False)
    np.testing.assert_allclose(aov["F"], without["mixed_anova"]["F"], rtol=1e-12)
    np.testing.assert_allclose(aov["p_GG_corr"], without["mixed_anova"]["p_GG_corr"], rtol=1e-12)
    ref = rows(without["posthoc_within"], group="10km", contrast="day3 - pre")
    unadjusted = [c for c in STATS if c != "p_holm"]  # Holm's family also holds post - pre
    np.testing.assert_allclose(day3[unadjusted], ref[unadjusted], rtol=1e-12)
    post = rows(tables["posthoc_within"], group="10km", contrast="post - pre")
    family = post.merge(day3, on="outcome", suffixes=("_post", "_day3"), validate="1:1")
    assert len(family) == len(day3) == 5
    for _, both in family.iterrows():
        # Holm within the distance and outcome: post - pre with S07, day3 - pre without
        holm = multipletests([both["p_val_post"], both["p_val_day3"]], method="holm")[1]
        np.testing.assert_allclose([both["p_holm_post"], both["p_holm_day3"]], holm, rtol=1e-12)
    ours = rows(tables["dose_response"], contrast="day3 / pre")
    ref = rows(without["dose_response"], contrast="day3 / pre")
    np.testing.assert_allclose(ours[["slope", "p_val"]], ref[["slope", "p_val"]], rtol=1e-12)
    # post - pre still uses S07, as the full data do
    full = ryu2016.analyze(ryu, validate=False)
    ours = rows(tables["posthoc_within"], contrast="post - pre")
    ref = rows(full["posthoc_within"], contrast="post - pre")
    np.testing.assert_allclose(ours[STATS], ref[STATS], rtol=1e-12)


def test_ryu_ids_stay_strings_in_their_order(ryu):
    # "001" and "1" are two runners; "S 1" has a space; "9" comes before "10" comes before "100"
    odd = ["001", "1", "9", "10", "100", "S 1", "0", "007", "010", "02"]
    ids = dict(
        zip(ryu["subject"].unique(), odd + [f"{i:03d}" for i in range(200, 220)], strict=True)
    )
    data = ryu.assign(subject=ryu["subject"].map(ids))
    data = data[~((data["subject"] == "007") & (data["time"] == "day3"))]
    tables = ryu2016.analyze(data, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert tables["mixed_anova"]["dropped_subjects"].eq("007").all()
    assert "mixed_anova of tail_moment: left out 007 (no day3 value)" in notes
    folds = rows(tables["fold_change"], outcome="ck_u_l", contrast="post / pre")
    assert folds["subject"].tolist() == list(ids.values())  # order of appearance, as strings
    model = tables["mixed_model"]
    assert model["n_subjects"].eq(30).all()  # "001" and "1" were not merged


def test_ryu_zeros_are_left_out_of_logs_and_folds_only(ryu):
    data = ryu.copy()
    at = data["time"].eq
    data.loc[data["subject"].eq("S03") & at("pre"), "tail_dna_pct"] = 0.0  # the schema allows 0
    data.loc[data["subject"].eq("S04") & at("post"), "ck_u_l"] = 0.0
    tables = ryu2016.analyze(data, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert (
        "fold_change of tail_dna_pct (post / pre): left out S03 (tail_dna_pct = 0 at pre: "
        "no fold change)" in notes
    )
    assert "mixed_anova of log_ck_u_l: left out S04 (ck_u_l = 0 at post has no logarithm)" in notes
    folds = rows(tables["fold_change"], outcome="tail_dna_pct", subject="S03")
    assert len(folds) == 2 and folds["log_fold"].isna().all()
    # the raw-scale ANOVA of % DNA in tail keeps the 0; the log-scale CK ANOVA cannot
    aov = tables["mixed_anova"].set_index(["dv", "Source"])
    assert aov.loc[("tail_dna_pct", "time"), "dropped_subjects"] == ""
    assert aov.loc[("log_ck_u_l", "time"), "dropped_subjects"] == "S04"

    # reference 1: the trends of % DNA in tail equal those of the data without S03
    without = ryu2016.analyze(data[data["subject"] != "S03"], validate=False)
    cols = ["slope", "intercept", "p_val"]
    ours, ref = (rows(t["dose_response"], outcome="tail_dna_pct") for t in (tables, without))
    np.testing.assert_allclose(ours[cols], ref[cols], rtol=1e-12)
    # reference 2: the CK ANOVA equals that of the data without S04
    without = ryu2016.analyze(data[data["subject"] != "S04"], validate=False)
    ours, ref = (rows(t["mixed_anova"], dv="log_ck_u_l") for t in (tables, without))
    np.testing.assert_allclose(ours["F"], ref["F"], rtol=1e-12)
    # reference 3: the CK mixed model equals a fit without S04's post row
    no_row = data[~(data["subject"].eq("S04") & at("post"))]
    ref = rows(ryu2016.analyze(no_row, validate=False)["mixed_model"], dv="log_ck_u_l")
    ours = rows(tables["mixed_model"], dv="log_ck_u_l")
    np.testing.assert_allclose(ours["coef"], ref["coef"], rtol=1e-9)
    assert ours["excluded_subjects"].eq("S04").all() and ours["n_obs"].eq(89).all()


def test_ryu_a_group_without_variance_gives_nan_and_a_note(ryu):
    data = ryu.assign(ck_u_l=ryu["ck_u_l"].where(ryu["group"] != "10km", 100.0))
    tables = ryu2016.analyze(data, validate=False)
    computed(tables)
    flat = rows(tables["posthoc_within"], outcome="ck_u_l", group="10km")
    assert flat["t"].isna().all() and flat["p_holm"].isna().all()
    assert flat["note"].str.contains("zero variance").all()
    assert "posthoc_within: 2 of 30 row(s) not computable (see the note column)" in tables.notes
    other = rows(tables["posthoc_within"], outcome="ck_u_l", group="42km")
    assert np.isfinite(other["p_holm"]).all()


def test_ryu_single_runner_per_distance_computes_every_table(ryu):
    data = ryu[ryu["subject"].isin(["S01", "S11", "S21"])]
    tables = ryu2016.analyze(data, validate=False)
    t = computed(tables)
    assert t["posthoc_within"]["note"].str.startswith("not computable").all()
    assert t["posthoc_between"]["t"].isna().all()
    assert list(t["mixed_anova"].columns) == ["note"]
    assert any(n.startswith("mixed_anova: not computed") for n in tables.notes)


def test_ryu_one_timepoint_or_one_distance_says_what_was_not_computed(ryu):
    tables = ryu2016.analyze(ryu[ryu["time"] == "pre"], validate=False)
    computed(tables)
    not_computed = {n.split(":")[0] for n in tables.notes if ": not computed" in n}
    assert not_computed == {
        "mixed_anova",
        "posthoc_within",
        "fold_change",
        "dose_response",
        "mixed_model",
        "interaction_lrt",
    }
    assert np.isfinite(tables["posthoc_between"]["p_holm"]).all()
    tables = ryu2016.analyze(ryu[ryu["group"] == "42km"], validate=False)
    computed(tables)
    assert (
        "posthoc_between: not computed: comparing distances needs at least 2 runners in 2 "
        "or more distances" in tables.notes
    )


def test_ryu_inf_and_huge_values_do_not_crash_anything(ryu):
    data = ryu.copy()
    data.loc[data["subject"].eq("S02") & data["time"].eq("day3"), "ck_u_l"] = np.inf
    data.loc[data["subject"].eq("S05") & data["time"].eq("post"), "tail_moment"] = 1e300
    # and prints no warning from inside numpy or statsmodels (the mixed models' likelihood
    # overflowed when first read, outside their fit's silenced warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tables = ryu2016.analyze(data, validate=False)
        computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert "mixed_anova of log_ck_u_l: left out S02 (ck_u_l = inf at day3)" in notes


def test_ryu_body_mass_may_change_between_timepoints(ryu):
    # body mass after a race is a per-time measure; no analysis may assume it constant
    moved = ryu.assign(body_mass_kg=ryu["body_mass_kg"] - np.where(ryu["time"] == "post", 1.5, 0))
    ours, ref = (computed(ryu2016.analyze(d)) for d in (moved, ryu))  # the validator accepts it
    for name in ref:
        pd.testing.assert_frame_equal(ours[name], ref[name])


# ---------------------------------------------------------------------------- Estes


def test_estes_missing_post_names_the_subject_and_keeps_the_rest_unchanged(estes):
    cut = estes[~((estes["subject"] == "S03") & (estes["time"] == "post"))]
    tables = estes2017.analyze(cut, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    for name in ("percent_change", "change_tests", "paired_tests", "group_comparison", "ancova"):
        assert "S03" in left_out_by(tables[name]), name
    assert "mixed_anova of csa_cm2: left out S03 (no post value)" in notes
    change = rows(tables["percent_change"], subject="S03")
    assert (
        change["pct_change"].isna().all() and change["exclusion_reason"].eq("no post value").all()
    )

    # reference: the same analyses of the 16 subjects without S03
    without = estes2017.analyze(estes[estes["subject"] != "S03"], validate=False)
    for name, cols in [
        ("change_tests", ["n", "t", "p_val", "d", "d_ci_low", "d_ci_high"]),
        ("paired_tests", ["n", "t", "p_val", "d_z"]),
        ("group_comparison", ["t", "p_val", "hedges_g"]),
        ("mixed_anova", ["F", "p_unc"]),
        ("ancova", ["F", "p_unc"]),
    ]:
        np.testing.assert_allclose(tables[name][cols], without[name][cols], rtol=1e-12)


def test_estes_zero_baseline_is_left_out_of_percent_changes_only(estes):
    data = estes.copy()
    data.loc[data["subject"].eq("S03") & data["time"].eq("pre"), "csa_cm2"] = 0.0
    tables = estes2017.analyze(data, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert (
        "percent_change of csa_cm2: left out S03 (csa_cm2 = 0 at pre: no percent change)" in notes
    )
    tests = rows(tables["change_tests"], group="HIIT").set_index("measure")
    assert tests.loc["csa_pct_change", "n"] == 11 and tests.loc["vo2max_rel_pct_change", "n"] == 12
    paired = rows(tables["paired_tests"], group="HIIT", measure="csa_cm2")
    assert paired["n"].iloc[0] == 12  # a paired t-test needs no ratio: the 0 stays
    # reference: the change test of CSA equals that of the data without S03
    without = estes2017.analyze(data[data["subject"] != "S03"], validate=False)
    ref = rows(without["change_tests"], group="HIIT", measure="csa_pct_change")
    ours = rows(tables["change_tests"], group="HIIT", measure="csa_pct_change")
    np.testing.assert_allclose(ours[["t", "p_val", "d"]], ref[["t", "p_val", "d"]], rtol=1e-12)


def test_estes_flat_controls_give_nan_within_and_a_welch_test_between(estes):
    data = estes.copy()
    data.loc[data["group"] == "control", "csa_cm2"] = 20.0
    tables = estes2017.analyze(data, validate=False)
    computed(tables)
    flat = rows(tables["change_tests"], group="control", measure="csa_pct_change")
    assert np.isnan(flat["t"].iloc[0]) and "zero variance" in flat["note"].iloc[0]
    welch = rows(tables["group_comparison"], measure="csa_pct_change")
    assert np.isfinite(welch["p_val"].iloc[0])  # one flat group is fine for Welch


def test_estes_one_subject_per_group_or_one_timepoint_computes_every_table(estes):
    single = estes[estes["subject"].isin(["S01", "S13"])]
    tables = estes2017.analyze(single, validate=False)
    t = computed(tables)
    assert t["change_tests"]["note"].str.startswith("not computable").all()
    assert list(t["mixed_anova"].columns) == ["note"]
    assert any(n.startswith("mixed_anova: not computed") for n in tables.notes)
    tables = estes2017.analyze(estes[estes["time"] == "pre"], validate=False)
    t = computed(tables)
    assert list(t["change_tests"].columns) == ["note"]
    assert t["descriptives"]["n"].sum() > 0


def test_estes_ids_with_leading_zeros_and_non_finite_values(estes):
    ids = {s: f"{i:03d}" for i, s in enumerate(estes["subject"].unique(), start=1)}
    data = estes.assign(subject=estes["subject"].map(ids))
    data.loc[data["subject"].eq("003") & data["time"].eq("post"), "csa_cm2"] = np.inf
    data.loc[data["subject"].eq("004") & data["time"].eq("post"), "vo2max_rel"] = 1e300
    tables = estes2017.analyze(data, validate=False)
    computed(tables)
    notes = assert_left_out_subjects_are_noted(tables)
    assert "mixed_anova of csa_cm2: left out 003 (csa_cm2 = inf at post)" in notes
    subjects = rows(tables["percent_change"], measure="csa_cm2")["subject"].tolist()
    assert subjects == list(ids.values())


# ---------------------------------------------------------------------------- Tables.notes


def test_notes_compute_every_table_first(ryu):
    cut = ryu[~((ryu["subject"] == "S07") & (ryu["time"] == "day3"))]
    first = ryu2016.analyze(cut, validate=False)
    notes = first.notes  # read before any table
    assert "not yet computed" not in repr(first)
    later = ryu2016.analyze(cut, validate=False)
    computed(later)
    assert later.notes == notes and len(notes) > 0


# ---------------------------------------------------------------------------- hypothesis

damage = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from([0.0, np.nan, np.inf, 1e300, 1e-300])),
    max_size=3,
)


def broken(data, columns, dropped, changes):
    out = data.drop(data.index[sorted(i % len(data) for i in dropped)])
    for k, (position, value) in enumerate(changes):
        if len(out):
            row = out.index[position % len(out)]
            out.loc[row, columns[(position + k) % len(columns)]] = value
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 89), max_size=70, unique=True), damage)
def test_ryu_random_rows_missing_or_damaged_never_crash(dropped, changes):
    data = broken(ryu2016.simulate(seed=1), list(ryu2016.OUTCOMES), dropped, changes)
    tables = ryu2016.analyze(data, validate=False)
    computed(tables)
    assert_left_out_subjects_are_noted(tables)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 33), max_size=30, unique=True), damage)
def test_estes_random_rows_missing_or_damaged_never_crash(dropped, changes):
    data = broken(estes2017.simulate(seed=1), list(estes2017.MEASURES), dropped, changes)
    tables = estes2017.analyze(data, validate=False)
    computed(tables)
    assert_left_out_subjects_are_noted(tables)


def test_key_statistics_are_nan_where_the_data_give_no_table(estes, ryu):
    one_group = estes2017.analyze(estes[estes["group"] == "HIIT"], validate=False)
    numbers = estes2017.key_statistics(one_group)
    assert np.isnan(numbers["control_csa_p"]) and np.isnan(numbers["csa_interaction_p"])
    assert numbers["hiit_csa_p"] == pytest.approx(0.0024, abs=5e-5)  # shared/studies.md §1
    no_day3 = ryu2016.key_statistics(ryu2016.analyze(ryu[ryu["time"] != "day3"], validate=False))
    assert np.isnan(no_day3["ck_day3_10km_p_holm"]) and np.isfinite(no_day3["ck_post_10km_p_holm"])
