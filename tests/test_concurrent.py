"""Claim 6: the concurrent-training meta-analyses, side by side, and the rule that decides it."""

import pandas as pd
import pytest

from analysis.build import reproduce
from analysis.dataio.targets import KINDS
from analysis.engine import plots
from analysis.errors import InputError
from analysis.studies import all_studies, concurrent


def write_changed(tmp_path, changes: dict) -> pd.DataFrame:
    """A copy of the table with ``{(id, column): value}`` changed, read back through the checks."""
    table = pd.read_csv(concurrent.TABLE, dtype=object)
    for (row_id, column), value in changes.items():
        assert (table["id"] == row_id).any(), row_id
        table.loc[table["id"] == row_id, column] = value
    path = tmp_path / "concurrent_training.csv"
    table.to_csv(path, index=False)
    return concurrent.load_table(path)


def verdict(table=None) -> str:
    return concurrent.claim_verdicts(table=table).iloc[0]["verdict"]


def test_every_number_is_traced_to_a_source():
    table = concurrent.load_table()
    assert table["source"].notna().all() and (table["source"].str.len() > 20).all()
    assert table["kind"].isin(KINDS).all() and (table["kind"] != "assumed").all()
    assert table["claimed_by"].eq("paper").all()
    # a number not confirmed against its abstract says so
    inferred = table[table["kind"] == "inferred"]
    assert inferred["note"].str.contains("not confirmed").all()
    published = table[table["kind"] == "published"]
    assert published["note"].str.contains("confirmed against the abstract").all()
    for meta, pmid in [("Schumann 2022", "34757594"), ("Lundberg 2022", "35476184")]:
        assert table.loc[table["meta_analysis"] == meta, "source"].str.contains(pmid).all()


def test_abstract_numbers_as_recorded():
    t = concurrent.load_table().set_index("id")
    cols = ["value", "ci_low", "ci_high", "p"]
    assert t.loc["schumann_hypertrophy", cols].tolist() == [-0.01, -0.16, 0.18, 0.919]
    assert t.loc["schumann_explosive_strength", cols].tolist() == [-0.28, -0.48, -0.08, 0.007]
    assert t.loc["lundberg_fibre_csa", cols].tolist() == [-0.23, -0.46, 0.0, 0.05]
    assert t.loc["lundberg_fibre_csa_type_I", cols].tolist() == [-0.34, -0.72, 0.04, 0.078]
    assert t.loc["wilson_hypertrophy_concurrent", "value"] == 0.85


def test_verdict_as_recorded_is_contested_and_published():
    row = concurrent.claim_verdicts().iloc[0]
    assert row["claim"] == 6 and row["verdict"] == "contested" and row["grade"] == "published"
    assert "Schumann 2022" in row["deciding_statistic"]
    assert "Lundberg 2022" in row["deciding_statistic"]
    assert "-0.01" in row["deciding_statistic"] and "never pooled" in row["caveat"]


def test_where_the_rule_flips(tmp_path):
    # Schumann's whole-muscle CI moved below 0 -> every line shows interference
    below = write_changed(
        tmp_path,
        {
            ("schumann_hypertrophy", "value"): -0.1,
            ("schumann_hypertrophy", "ci_low"): -0.2,
            ("schumann_hypertrophy", "ci_high"): -0.01,
        },
    )
    assert verdict(below) == "supported"
    # the upper limit exactly 0 is not "below 0" (and p = 0.919 is not significant)
    at_zero = write_changed(tmp_path, {("schumann_hypertrophy", "ci_high"): 0.0})
    assert verdict(at_zero) == "contested"
    # Lundberg's p just above 0.05 alone does not flip it: the running moderator still counts
    p_above = write_changed(tmp_path, {("lundberg_fibre_csa", "p"): 0.051})
    assert verdict(p_above) == "contested"
    # ... without the running moderator either, no line shows interference
    neither = write_changed(
        tmp_path,
        {("lundberg_fibre_csa", "p"): 0.051, ("lundberg_moderator_running_type_I", "value"): 0},
    )
    assert verdict(neither) == "not supported"


def test_unconfirmed_rows_do_not_decide(tmp_path):
    # Wilson's moderators are inferred (not confirmed here): they take no part in the rule
    rows = concurrent.interference()
    assert not rows["id"].str.startswith("wilson").any()
    neither = write_changed(
        tmp_path,
        {
            ("lundberg_fibre_csa", "p"): 0.2,
            ("lundberg_moderator_running_type_I", "value"): 0,
            ("wilson_moderator_running", "value"): 1,
        },
    )
    assert verdict(neither) == "not supported"


def test_primary_is_the_largest_whole_muscle_synthesis():
    rows = concurrent.interference()
    assert rows.loc[rows["primary"], "id"].tolist() == ["schumann_hypertrophy"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({("schumann_hypertrophy", "ci_low"): "abc"}, 'column "ci_low"'),
        ({("schumann_hypertrophy", "value"): 0.5}, "between its ci_low and ci_high"),
        ({("lundberg_fibre_csa", "p"): 1.5}, "p value between 0 and 1"),
        ({("schumann_moderator_mode", "value"): 2}, "moderator row"),
        ({("lundberg_fibre_csa", "source"): None}, 'column "source"'),
        ({("lundberg_fibre_csa", "statistic"): "odds"}, 'column "statistic"'),
    ],
)
def test_a_bad_cell_is_named(tmp_path, change, message):
    with pytest.raises(InputError, match=message):
        write_changed(tmp_path, change)


def test_forest_draws_one_row_per_estimate_and_no_pooled_diamond():
    fig = concurrent.figures()["concurrent_forest"]
    est = concurrent.estimates()
    smd = est[est["metric"].str.startswith("SMD")]
    ax = fig.axes[0]
    points = [c for c in ax.collections if c.get_gid() == "estimates"]
    assert len(points) == 1 and len(points[0].get_offsets()) == len(smd) == 6
    assert len(ax.get_yticklabels()) == len(smd)
    assert not [p for p in ax.patches if p.get_gid() == "pooled"]
    assert any(line.get_xdata()[0] == 0 for line in ax.lines)  # the zero line
    assert plots.drawn_by(fig) == "analysis.engine.plots.meta_estimates"
    plots.close(fig)


def test_protocols_are_read_from_the_study_tables():
    p = concurrent.protocols().set_index("protocol")
    estes = p.loc["Estes 2017 (HIIT)"]
    assert (estes["mode"], estes["sessions_per_week"], estes["session_minutes"]) == (
        "running",
        3.0,
        28.0,
    )
    lab = p.loc["Harber lab (Konopka & Harber 2014)"]
    assert (lab["mode"], lab["sessions_per_week"], lab["session_minutes"]) == ("cycling", 4, 45)
    assert "20 to 45" in lab["protocol_note"]
    assert "Lundberg 2022: running" in estes["what_the_moderators_say_about_this_mode"]


def test_reproduce_runs_it_and_it_decides_claim_6():
    assert concurrent in all_studies()
    results = concurrent.results(seed=0)
    assert results.data is None and results.scorecard.empty
    verdicts = pd.concat(reproduce.claim_verdicts([results]), ignore_index=True)
    assert verdicts["claim"].tolist() == [6]
    assert set(concurrent.tables()) == {"estimates", "moderators", "protocols", "interference"}
    assert concurrent.NOTEBOOK == "05_does_mileage_hurt_muscle"
