"""The array mixed ANOVA against R's afex (Type II and III) and pingouin (Type II).

References: tests/reference/anova_reference.R (R 4.2.2, afex 1.2-1, car 3.1-1):
``afex::aov_ez(id = "subject", dv = "y", data = d, between = "group", within = "time",
type = 2 | 3)``, from ``summary(fit)$univariate.tests``, ``$sphericity.tests`` and
``$pval.adjustments``, and ``anova(fit, es = "pes")``; 15 designs (balanced and unbalanced,
2-4 groups of 3-30, 2-4 timepoints, near and strong non-sphericity, skewed errors, a subject
missing a timepoint) in tests/reference/data/.
"""

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine import stats
from analysis.engine.anova import EFFECTS, mixed_anova

REFERENCE = ROOT / "tests" / "reference"
AFEX = pd.read_csv(REFERENCE / "anova_reference.csv")
DESIGNS = sorted(AFEX["design"].unique())
# ours -> afex's column
COLUMNS = {
    "ss": "ss",
    "df1": "df1",
    "ss_error": "ss_error",
    "df2": "df2",
    "f": "F",
    "p": "p",
    "pes": "pes",
    "mauchly_w": "mauchly_w",
    "mauchly_p": "mauchly_p",
    "eps_gg": "gg_eps",
    "p_gg": "gg_p",
    "eps_hf": "hf_eps",
    "p_hf": "hf_p",
}


def wide(design: str):
    """Complete subjects as a subjects x timepoints array, and their groups (afex drops the
    incomplete subject of missing_3g6_3t, as the ANOVA must)."""
    long = pd.read_csv(REFERENCE / "data" / f"{design}.csv", dtype={"subject": str})
    table = long.pivot(index="subject", columns="time", values="y").dropna()
    groups = long.drop_duplicates("subject").set_index("subject").loc[table.index, "group"]
    return table.to_numpy(), groups.to_numpy()


@pytest.mark.parametrize("ss_type", [2, 3])
@pytest.mark.parametrize("design", DESIGNS)
def test_every_number_equals_afex(design, ss_type):
    y, groups = wide(design)
    ours = mixed_anova(y, groups, ss_type=ss_type).table()
    ref = AFEX[(AFEX["design"] == design) & (AFEX["type"] == ss_type)]
    ref = ref.set_index("effect").loc[list(EFFECTS)]
    for mine, theirs in COLUMNS.items():
        expected = ref[theirs].to_numpy(float)
        got = ours[mine].to_numpy(float)
        # afex leaves sphericity empty with 2 timepoints and on the between row
        present = ~np.isnan(expected)
        np.testing.assert_allclose(got[present], expected[present], rtol=1e-8, err_msg=mine)
    assert ours["ss_type"].eq(f"Type {'I' * ss_type}").all()


def test_type_ii_and_iii_differ_in_the_time_row_only_when_groups_are_unequal():
    y, groups = wide("unbal_2g5_9_3t")
    two, three = mixed_anova(y, groups, ss_type=2), mixed_anova(y, groups, ss_type=3)
    np.testing.assert_allclose(two.f[0, [0, 2]], three.f[0, [0, 2]], rtol=1e-12)
    assert abs(two.f[0, 1] - three.f[0, 1]) > 0.5  # afex: 3.80 (II) vs 2.85 (III)
    y, groups = wide("bal_4g6_4t")
    np.testing.assert_allclose(
        mixed_anova(y, groups, ss_type=2).f, mixed_anova(y, groups, ss_type=3).f, rtol=1e-10
    )


@st.composite
def designs(draw):
    """A random mixed design: 2-4 groups of 3-30 subjects (unequal), 2-4 timepoints."""
    n_groups = draw(st.integers(2, 4))
    sizes = [draw(st.integers(3, 30)) for _ in range(n_groups)]
    levels = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    subject_level = rng.normal(0, draw(st.floats(0.1, 3)), size=(n, 1))
    y = 50 + subject_level + rng.normal(0, 1, size=(n, levels)) * rng.uniform(0.5, 3, levels)
    groups = np.repeat([f"g{k}" for k in range(n_groups)], sizes)
    return y, groups


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_type_ii_equals_pingouin_on_random_designs(design):
    y, groups = design
    n, levels = y.shape
    long = pd.DataFrame(
        {
            "subject": np.repeat(np.arange(n), levels),
            "group": np.repeat(groups, levels),
            "time": np.tile(np.arange(levels), n),
            "y": y.ravel(),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pg.mixed_anova(long, dv="y", within="time", between="group", subject="subject")
    ours = mixed_anova(y, groups, ss_type=2)
    # atol: an F near 0 (7.8e-7, found by hypothesis) comes from sums of squares that cancel
    # to ~1e-14 in both implementations; relative agreement is meaningless there
    np.testing.assert_allclose(ours.f[0], ref["F"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.p[0], ref["p_unc"], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours.pes[0], ref["np2"], rtol=1e-8, atol=1e-10)
    if levels > 2:
        np.testing.assert_allclose(ours.eps_gg[0, 1], ref.loc[1, "eps"], rtol=1e-8)


def test_replicates_are_independent_analyses():
    rng = np.random.default_rng(4)
    y = rng.normal(size=(50, 17, 3))
    groups = ["a"] * 9 + ["b"] * 8
    batch = mixed_anova(y, groups)
    for r in (0, 17, 49):
        one = mixed_anova(y[r], groups)
        for field in ("f", "p", "pes", "eps_gg", "eps_hf", "mauchly_w", "p_gg", "p_hf"):
            np.testing.assert_allclose(getattr(batch, field)[r], getattr(one, field)[0])


def test_a_constant_shift_or_a_change_of_unit_changes_nothing_but_the_sums_of_squares():
    y, groups = wide("hetvar_3g8_10_6_4t")
    base = mixed_anova(y, groups)
    moved = mixed_anova(1000 * y + 1e6, groups)
    np.testing.assert_allclose(moved.f, base.f, rtol=1e-7)
    np.testing.assert_allclose(moved.ss, base.ss * 1e6, rtol=1e-7)


def test_timepoints_far_apart_change_only_the_time_effect():
    # Adding a constant to every subject at one timepoint moves the time effect only: the
    # error terms, the group and interaction effects and the sphericity estimates stay. With
    # levels 1e7 apart and SDs near 1, a one-pass SSCP (sums of squares minus sums²/n) lost
    # digits here (an audit found GG p off by 8e-7 relative on % DNA going from 99.9 to 0.01).
    y, groups = wide("hetvar_3g8_10_6_4t")
    base = mixed_anova(y, groups)
    moved = mixed_anova(y + [0.0, 1e7, -1e7, 5e6], groups)
    for field in ("ss_error", "eps_gg", "eps_hf", "mauchly_w"):
        np.testing.assert_allclose(getattr(moved, field), getattr(base, field), rtol=1e-9)
    for effect in (0, 2):  # group, group:time
        for field in ("ss", "f", "p", "p_gg"):
            np.testing.assert_allclose(
                getattr(moved, field)[:, effect], getattr(base, field)[:, effect], rtol=1e-9
            )


@pytest.mark.parametrize(
    ("y", "groups", "message"),
    [
        (np.ones((6, 3)), ["a"] * 6, "2 or more groups"),
        (np.ones((2, 3)), ["a", "b"], "more subjects than groups"),
        (np.ones((6, 1)), ["a"] * 3 + ["b"] * 3, "2 or more"),
        (np.full((6, 3), np.nan), ["a"] * 3 + ["b"] * 3, "missing values"),
        (np.ones((6, 3)), ["a"] * 5, "5 labels for 6 subjects"),
    ],
)
def test_bad_designs_raise_a_clear_value_error(y, groups, message):
    with pytest.raises(ValueError, match=message):
        mixed_anova(y, groups)


def test_the_dataframe_wrapper_names_its_sums_of_squares_and_drops_incomplete_subjects():
    long = pd.read_csv(REFERENCE / "data" / "missing_3g6_3t.csv", dtype={"subject": str})
    table = stats.mixed_anova(long, dv="y", within="time", between="group").set_index("Source")
    ref = AFEX[(AFEX["design"] == "missing_3g6_3t") & (AFEX["type"] == 3)].set_index("effect")
    assert table.loc["time", "F"] == pytest.approx(ref.loc["time", "F"], rel=1e-8)
    assert table.loc["Interaction", "p_GG_corr"] == pytest.approx(
        ref.loc["group:time", "gg_p"], rel=1e-8
    )
    assert table["ss_type"].eq("Type III").all()
    assert table["dropped_subjects"].eq("S07").all()
    assert table["n_subjects"].eq(17).all()
