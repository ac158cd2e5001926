"""Assumption maps: documented ranges, the tornado, the exact grid and probability maps."""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from analysis.checks import sensitivity as sens
from analysis.checks.power import power
from analysis.dataio.targets import DATA_DIR, allowed_for, load_targets
from analysis.engine import plots
from analysis.errors import InputError
from analysis.studies import estes2017, konopka2014, ryu2016

STUDIES = {"estes2017": estes2017, "ryu2016": ryu2016}
# ends of documented ranges whose verdict flips (a strong test of the reference agreement)
ESTES_END = {"control_csa_pct_change_mean": 3.7}  # high end: claim 1 no longer supported
RYU_END = {"ck_fold_post_10km": 1.225}  # low end: the 10 km CK rise loses significance
ESTES_OTHER = {"dispersion": "sd", "csa_change_baseline_corr": 0.5, "control_n_male": 2}


# --- documented ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_every_assumed_row_has_a_range_inside_its_allowed_values(study):
    t = load_targets(study)
    table = t.table
    assumed = table[table["kind"] == "assumed"]
    assert assumed["low"].notna().all() and assumed["high"].notna().all()
    assert assumed["range_reason"].str.strip().str.len().gt(0).all()
    # only assumptions have ranges
    assert table.loc[table["kind"] != "assumed", ["low", "high", "range_reason"]].isna().all().all()
    values = dict(zip(table["id"], table["value"], strict=True))
    for row in assumed.to_dict("records"):
        low, default, high = row["low"], row["value"], row["high"]
        # strictly around the default: every assumed default here is an interior value
        assert low < default < high, row["id"]
        rule = allowed_for(row)
        assert rule is not None, row["id"]
        for end in (low, high):
            assert rule.problem(end, values.get) is None, (row["id"], end)
    # the new columns come after the standard ones
    assert list(table.columns[-3:]) == ["low", "high", "range_reason"]


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_every_end_of_a_range_can_be_simulated(study):
    # an override at either end passes Targets.with_overrides (the rule the CLI applies)
    t = load_targets(study)
    for row in t.ranges().itertuples():
        for end in (row.low, row.high):
            assert t.with_overrides(**{row.id: end}).value(row.id) == end


def _write(tmp_path, table: pd.DataFrame):
    path = tmp_path / "estes2017.csv"
    table.to_csv(path, index=False)
    return path


def test_a_range_outside_the_allowed_values_is_refused_when_read(tmp_path):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype=str)
    table.loc[table["id"] == "control_csa_pct_change_sd", "low"] = "-1"
    with pytest.raises(InputError, match=r'column "low".*-1 is outside the allowed values'):
        load_targets("estes2017", _write(tmp_path, table))


def test_a_range_must_contain_the_default_and_belong_to_an_assumption(tmp_path):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype=str)
    wrong = table.copy()
    wrong.loc[wrong["id"] == "control_csa_pct_change_sd", "high"] = "2"
    with pytest.raises(InputError, match="does not contain the row's value 3"):
        load_targets("estes2017", _write(tmp_path, wrong))
    published = table.copy()
    published.loc[published["id"] == "hiit_n", ["low", "high", "range_reason"]] = ["1", "20", "x"]
    with pytest.raises(InputError, match="a published number has no range"):
        load_targets("estes2017", _write(tmp_path, published))


def test_a_table_without_range_columns_still_loads(tmp_path):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype=str)
    t = load_targets(
        "estes2017", _write(tmp_path, table.drop(columns=["low", "high", "range_reason"]))
    )
    assert t.ranges().empty and t.value("control_csa_pct_change_sd") == 3.0


# --- the ordinary path, once per reference cell (seconds each) --------------------------------------


@pytest.fixture(scope="module")
def reference():
    """``replicate`` + ``key_statistics`` + scorecard + ``claim_verdicts`` at two range ends."""
    estes = sens.replicate_grid(estes2017, [ESTES_END], seed=0).iloc[0]
    ryu = sens.replicate_grid(ryu2016, [RYU_END], seed=0).iloc[0]
    return {"estes2017": estes, "ryu2016": ryu}


def _same_numbers(fast: pd.Series, slow: pd.Series) -> None:
    numeric = [c for c in slow.index if c.endswith(("_p", "_d", "_g", "_p_holm"))]
    numeric += [c for c in slow.index if c.startswith("decision_")]
    assert numeric
    for column in numeric:
        assert fast[column] == pytest.approx(slow[column], rel=1e-9, abs=1e-12), column
    for column in ["decisions_held", "decisions_total", "all_hold"] + [
        c for c in slow.index if c.startswith("claim_")
    ]:
        assert fast[column] == slow[column], column


def test_the_tornado_at_an_end_equals_an_ordinary_replication(reference):
    for study, end in ((estes2017, ESTES_END), (ryu2016, RYU_END)):
        (name, value), slow = next(iter(end.items())), reference[study.NAME]
        table = sens.tornado(study, assumptions=[name])
        row = table.set_index("end").loc["low" if value < table["default"].iloc[0] else "high"]
        assert row["value"] == value
        _same_numbers(row, slow)
        # flips: the claims whose result differs from the default replication's, both
        # taken from the ordinary path
        default = sens.replicate_grid(study, [{}], seed=0).iloc[0]
        claims = [c for c in slow.index if c.startswith("claim_")]
        flipped = [c.replace("_", " ") for c in claims if bool(slow[c]) != bool(default[c])]
        assert flipped and row["flips"] == ", ".join(flipped)
        if study is estes2017:  # the HIIT study's claim columns are its verdicts
            assert slow["verdict_1"] == "not supported" and not row["claim_1"]


def test_the_exact_grid_equals_the_ordinary_path(reference):
    grid = sens.exact_grid(estes2017, [{}, ESTES_END, ESTES_OTHER])
    _same_numbers(grid.iloc[1], reference["estes2017"])
    # a third cell by hand: the other reading of "±", a baseline correlation, two men
    dispersion, rest = "sd", {k: v for k, v in ESTES_OTHER.items() if k != "dispersion"}
    rep = estes2017.replicate(0, dispersion, **rest)
    for name, value in estes2017.key_statistics(rep.tables).items():
        assert grid.iloc[2][name] == pytest.approx(value, rel=1e-9), name
    card = rep.scorecard.set_index("claim_id")
    for claim_id in ("hiit_csa_p", "control_csa_p", "hiit_vo2max_rel_p"):
        assert grid.iloc[2][f"decision_{claim_id}"] == pytest.approx(
            card.loc[claim_id, "reproduced"], rel=1e-9
        )
    p, verdict = estes2017.claim1_verdict_at(0, **ESTES_OTHER)
    assert grid.iloc[2]["csa_interaction_p"] == pytest.approx(p, rel=1e-9)
    assert grid.iloc[2]["claim_1"] == (verdict == "supported")
    ryu = sens.exact_grid(ryu2016, [RYU_END])
    _same_numbers(ryu.iloc[0], reference["ryu2016"])


def test_exact_assumed_moments_give_the_old_exact_grid():
    # every assumed moment exact too: the statistics of the ordinary path on that dataset
    data = ryu2016.simulate(0, exact_assumed=True, **RYU_END)
    slow = ryu2016.key_statistics(ryu2016.analyze(data, validate=False))
    fast = sens.exact_grid(ryu2016, [RYU_END, {}], exact_assumed=True)
    for name, value in slow.items():
        assert fast.iloc[0][name] == pytest.approx(value, rel=1e-9), name
    # with exact moments the default 10 km rise has the same p at every seed
    again = sens.exact_grid(ryu2016, [{}], seed=5, exact_assumed=True)
    assert again.iloc[0]["ck_post_10km_p_holm"] == pytest.approx(
        fast.iloc[1]["ck_post_10km_p_holm"], rel=1e-9
    )


def test_tornado_rows_cover_each_range_end_and_mark_flips():
    table = sens.tornado(estes2017, assumptions=["control_csa_pct_change_mean", "hiit_csa_pre_sd"])
    assert table[["assumption", "end"]].values.tolist() == [
        ["control_csa_pct_change_mean", "low"],
        ["control_csa_pct_change_mean", "high"],
        ["hiit_csa_pre_sd", "low"],
        ["hiit_csa_pre_sd", "high"],
    ]
    assert table["value"].tolist() == [-3.7, 3.7, 2.0, 8.0]
    default = table.attrs["default"]
    assert default["claim_1"] and table.attrs["statistic"] == "csa_interaction_p"
    # a flip is named exactly where a claim differs from the default replication
    for row in table.to_dict("records"):
        differs = [f"claim {c}" for c in (1, 2) if row[f"claim_{c}"] != default[f"claim_{c}"]]
        assert row["flips"] == ", ".join(differs)
    assert table["flips"].iloc[:2].tolist() == ["", "claim 1"]
    # a larger assumed control change weakens the interaction
    p = table.set_index(["assumption", "end"])["csa_interaction_p"]
    assert p["control_csa_pct_change_mean", "low"] < default["csa_interaction_p"]
    assert p["control_csa_pct_change_mean", "high"] > default["csa_interaction_p"]
    with pytest.raises(InputError, match="no assumed row with a documented range"):
        sens.tornado(estes2017, assumptions=["hiit_n"])


def test_tornado_figure_sorts_by_width_and_marks_flips():
    table = sens.tornado(
        estes2017,
        assumptions=["hiit_csa_pre_mean", "control_csa_pct_change_mean", "control_age_sd"],
    )
    fig = plots.tornado(table)
    ax = fig.axes[0]
    names = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    p = table.pivot(index="assumption", columns="end", values="csa_interaction_p")
    width = (np.log10(p["high"]) - np.log10(p["low"])).abs()
    # widest first (drawn on top); an assumption that moves nothing is left out
    assert names == width[width > 1e-12].sort_values(ascending=False).index.tolist()
    assert "control_age_sd" not in names and names[0] == "control_csa_pct_change_mean"
    flips = int((table["flips"] != "").sum())
    assert flips >= 1 and sum(c.get_gid() == "flip" for c in ax.collections) == flips
    assert ax.get_xscale() == "log"
    assert plots.drawn_by(fig) == "analysis.engine.plots.tornado"
    plots.close(fig)


# --- probability maps ----------------------------------------------------------------------------


def _noise(a: pd.Series, b: pd.Series) -> np.ndarray:
    return 3 * np.sqrt(a.to_numpy() ** 2 + b.to_numpy() ** 2)


def test_claim_1_becomes_less_likely_as_the_controls_assumed_change_rises():
    means = [0.0, 2.0, 4.0, 6.0]
    m = sens.probability_map(
        estes2017,
        ("control_csa_pct_change_mean", means),
        ("control_csa_pct_change_sd", [3.0]),
        claim=1,
        reps=2000,
        seed=3,
    )
    p, se = m["probability"], m["mc_se"]
    # falls in expectation: each step down by more than the Monte Carlo noise allows
    assert (p.diff().iloc[1:].to_numpy() < _noise(se.iloc[1:], se.iloc[:-1])).all()
    assert p.iloc[0] - p.iloc[-1] > 0.3
    assert (m["reps"] == 2000).all() and (m["undefined"] == 0).all()


def test_the_10km_rise_becomes_more_likely_with_fold_and_correlation():
    m = sens.probability_map(
        ryu2016,
        ("ck_fold_post_10km", [1.1, 1.5, 1.9]),
        ("ck_corr_pre_post", [0.4, 0.8]),
        claim="ck_post_gt_pre_10km",
        reps=2000,
        seed=1,
    )
    grid = m.pivot(index="ck_corr_pre_post", columns="ck_fold_post_10km", values="probability")
    assert (np.diff(grid.to_numpy(), axis=1) > -0.03).all()  # rises with the fold
    assert (grid.loc[0.8] - grid.loc[0.4] > -0.03).all()  # and with the correlation
    assert grid.loc[0.8, 1.9] > 0.95 and grid.loc[0.4, 1.1] < 0.2


def test_a_map_cell_equals_power_with_the_same_seed():
    m = sens.probability_map(
        estes2017,
        ("control_csa_pct_change_mean", [1.0, 3.0]),
        ("control_csa_pct_change_sd", [2.0]),
        claim=1,
        reps=2500,
        seed=7,
        dispersion="sd",
    )
    alone = power(
        estes2017,
        reps=2500,
        seed=7,
        dispersion="sd",
        control_csa_pct_change_mean=3.0,
        control_csa_pct_change_sd=2.0,
    )
    assert m.iloc[1]["holds"] == alone["claim 1"]["holds"]
    assert m.iloc[1]["probability"] == alone["claim 1"]["power"]
    cell = {"ck_fold_post_10km": 1.3, "ck_corr_pre_post": 0.6}
    m = sens.probability_map(
        ryu2016,
        ("ck_fold_post_10km", [cell["ck_fold_post_10km"]]),
        ("ck_corr_pre_post", [cell["ck_corr_pre_post"]]),
        claim="all",
        reps=2000,
        seed=2,
    )
    alone = power(ryu2016, reps=2000, seed=2, **cell)
    assert m.iloc[0]["holds"] == alone["all decisions"]["holds"]
    m = sens.probability_map(
        ryu2016,
        ("ck_fold_post_10km", [cell["ck_fold_post_10km"]]),
        ("ck_corr_pre_post", [cell["ck_corr_pre_post"]]),
        claim="ck_post_gt_pre_10km",
        reps=2000,
        seed=2,
    )
    assert m.iloc[0]["holds"] == alone["ck_post_gt_pre_10km"]["holds"]


def test_the_same_seed_gives_the_same_map_wherever_it_runs():
    args = (
        estes2017,
        ("control_csa_pct_change_mean", [0.0, 4.0]),
        ("control_csa_pct_change_sd", [3.0]),
    )
    one = sens.probability_map(*args, claim=1, reps=3000, seed=11)
    again = sens.probability_map(*args, claim=1, reps=3000, seed=11, threads=2)
    pd.testing.assert_frame_equal(one, again)
    other = sens.probability_map(*args, claim=1, reps=3000, seed=12)
    assert not one["holds"].equals(other["holds"])


def test_maps_of_several_claims_on_one_grid_equal_each_map_alone():
    # probability_maps judges every claim on one set of draws; each map must be the one
    # probability_map gives alone, bit for bit (CK drawn beside the other measures is the CK
    # drawn alone, and a decision does not depend on the others computed with it)
    grid = (("ck_fold_post_10km", [1.0, 1.6]), ("ck_corr_pre_post", [0.3, 0.9]))
    claims = ["ck_post_gt_pre_10km", "all", 3, "ldh_post_gt_pre_42km", "ck_post_gt_pre_10km"]
    maps = sens.probability_maps(ryu2016, *grid, claims, reps=700, seed=4, chunk=1)
    assert list(maps) == ["ck_post_gt_pre_10km", "all", 3, "ldh_post_gt_pre_42km"]
    for claim, table in maps.items():
        alone = sens.probability_map(ryu2016, *grid, claim=claim, reps=700, seed=4)
        pd.testing.assert_frame_equal(table, alone)
        assert table.attrs == alone.attrs
    hiit = (("control_csa_pct_change_mean", [0.0, 5.0]), ("control_csa_pct_change_sd", [3.0]))
    facet = ("dispersion", ("sem", "sd"))
    maps = sens.probability_maps(estes2017, *hiit, [1, "all"], reps=300, seed=2, facet=facet)
    for claim, table in maps.items():
        alone = sens.probability_map(estes2017, *hiit, claim=claim, reps=300, seed=2, facet=facet)
        pd.testing.assert_frame_equal(table, alone)
    with pytest.raises(InputError, match="at least one claim"):
        sens.probability_maps(estes2017, *hiit, [], reps=10)


def test_default_maps_draw_each_grid_once(monkeypatch):
    # ryu2016's two maps share their grid: one pass of draws, not two
    calls = []
    real = sens.run_blocks

    def counting(*args, **kwargs):
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(sens, "run_blocks", counting)
    maps = sens.default_maps(ryu2016, reps=20, step=12)
    assert list(maps) == ["ryu2016_map_ck_post_gt_pre_10km", "ryu2016_map_all"]
    assert calls == [9]  # one run over the 3 x 3 cells
    assert maps["ryu2016_map_all"].attrs["claim"] == "all"


def test_a_map_names_what_cannot_be_mapped():
    with pytest.raises(InputError, match="no claim or decision 'claim 9'"):
        sens.probability_map(
            estes2017,
            ("control_csa_pct_change_mean", [0.0]),
            ("control_csa_pct_change_sd", [3.0]),
            claim="claim 9",
            reps=10,
        )
    with pytest.raises(InputError, match="must name different assumptions"):
        sens.probability_map(
            estes2017,
            ("control_csa_pct_change_mean", [0.0]),
            ("control_csa_pct_change_mean", [3.0]),
            claim=1,
            reps=10,
        )


def test_heatmap_draws_a_panel_per_facet_with_units_and_contours():
    m = sens.probability_map(
        estes2017,
        ("control_csa_pct_change_mean", [-2.0, 2.0, 6.0]),
        ("control_csa_pct_change_sd", [2.0, 5.0]),
        claim=1,
        reps=400,
        facet=("dispersion", ("sem", "sd")),
    )
    fig = plots.probability_heatmap(m)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 2 and len(fig.axes) == 3  # two panels and one colour bar
    assert panels[0].get_xlabel() == "control_csa_pct_change_mean (%)"
    assert panels[0].get_ylabel() == "control_csa_pct_change_sd (%)"
    assert [ax.get_title() for ax in panels] == ["± read as SEM", "± read as SD"]
    mesh = next(c for c in panels[0].collections if c.get_gid() == "cells")
    assert mesh.get_array().size == 6 and mesh.get_clim() == (0.0, 1.0)
    assert any(c.get_gid() == "default" for c in panels[0].collections)
    plots.close(fig)


def test_map_pairs_name_real_assumptions_and_cover_their_ranges():
    for name, specs in sens.MAP_PAIRS.items():
        t = STUDIES[name].targets()
        ranges = t.ranges().set_index("id")
        for spec in specs:
            assert len(spec.x_values) >= 25 and len(spec.y_values) >= 25
            for axis, values in ((spec.x, spec.x_values), (spec.y, spec.y_values)):
                assert min(values) <= ranges.loc[axis, "low"], axis
                assert max(values) >= ranges.loc[axis, "high"], axis
                assert min(values) <= t.value(axis) <= max(values)


def test_old_power_delegates_to_the_array_engine_for_a_decision():
    old = sens.power(estes2017, "hiit_csa_p", n_sims=2000, seed=4)
    new = power(estes2017, reps=2000, seed=4)["hiit_csa_p"]
    assert old["power"] == new["power"] and old["n_sims"] == 2000
    assert math.isclose(old["ci_low"], new["ci_low"]) and old["ci_high"] == new["ci_high"]


# --- the claims over the assumptions' ranges ---------------------------------------------------


def test_claim_ranges_bracket_the_default_and_name_the_setting_of_each_end():
    table = sens.claim_ranges(estes2017, reps=500, seed=3).set_index("claim")
    assert list(table.index) == [1, 2]
    assert (table["low"] <= table["probability"]).all()
    assert (table["probability"] <= table["high"]).all()
    # claim 1 is the interaction against controls: it is least likely when the controls are
    # assumed to grow most, most likely when they are assumed to shrink most
    row = estes2017.targets().ranges().set_index("id").loc["control_csa_pct_change_mean"]
    assert table.loc[1, "low_at"] == f"control_csa_pct_change_mean = {row.high:g}"
    assert table.loc[1, "high_at"] == f"control_csa_pct_change_mean = {row.low:g}"
    # the settings are the tornado's: the defaults and both ends of every range, less the
    # ends the population model refuses, which are named
    skipped = [s for s in table.loc[1, "not_simulable"].split(", ") if s]
    assert table.loc[1, "settings"] + len(skipped) == 1 + 2 * len(estes2017.targets().ranges())


@pytest.mark.parametrize(
    ("study", "fixed"),
    [(estes2017, {"dispersion": "sem"}), (estes2017, {"dispersion": "sd"}), (ryu2016, {})],
    ids=["estes2017-sem", "estes2017-sd", "ryu2016"],  # the running study prints no ±
)
def test_every_documented_range_end_can_be_simulated(study, fixed):
    # A range end the population model refuses is left out of the claims' ranges and of
    # power at that setting (claim_ranges names it in not_simulable): the documented ranges
    # must stay within what the model accepts. An audit found two HIIT ends refused (a
    # control VO2max change of -2 %, a control body-mass SD of 2 %) while their reasons
    # said the model accepts them.
    for row in study.targets().ranges().itertuples():
        for value in (row.low, row.high):
            batch = study.simulate_batch(8, seed=0, **fixed, **{row.id: float(value)})
            assert batch.reps == 8, (row.id, value)


def test_claim_ranges_default_equals_power_and_the_result_is_the_same_wherever_it_runs():
    one = sens.claim_ranges(ryu2016, reps=300, seed=5)
    again = sens.claim_ranges(ryu2016, reps=300, seed=5, threads=2)
    pd.testing.assert_frame_equal(one, again)
    # common random numbers: the default setting is power() with the same seed
    alone = power(ryu2016, reps=300, seed=5)
    for row in one.itertuples():
        assert row.probability == alone[f"claim {row.claim}"]["power"]
    with pytest.raises(InputError, match="konopka2014. is not a simulated study"):
        sens.claim_ranges(konopka2014)


X = ("control_csa_pct_change_mean", [0.0])
Y = ("control_csa_pct_change_sd", [3.0])


# Arguments an audit found passed through to a deep TypeError, ValueError or KeyError, or
# gave an empty result or reversed grids without a word.
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sens.probability_map(estes2017, X, Y, claim=1, reps=1.5), "reps must be a whole"),
        (lambda: sens.probability_map(estes2017, X, Y, claim=1, seed=None), "seed must be a whole"),
        (lambda: sens.probability_map(estes2017, (X[0], []), Y, claim=1), "at least one value"),
        (lambda: sens.probability_map(estes2017, X, (Y[0], 3.0), claim=1), "must be a sequence"),
        (lambda: sens.probability_map(estes2017, X[0], Y, claim=1), "x must be a pair"),
        (
            lambda: sens.probability_map(estes2017, X, Y, claim=1, facet=("dispersion", [])),
            "facet: give at least one value",
        ),
        (lambda: sens.probability_maps(estes2017, X, Y, [1], reps=0), "reps must be a whole"),
        (lambda: sens.claim_ranges(estes2017, reps=0), "reps must be a whole"),
        (lambda: sens.claim_ranges(estes2017, seed=1.5), "seed must be a whole"),
        (lambda: sens.default_maps(estes2017, reps=10, step=0), "step must be a whole number"),
        (lambda: sens.default_maps(estes2017, reps=10, step=-12), "step must be a whole number"),
        (lambda: sens.tornado(konopka2014), "not a simulated study"),
        (lambda: sens.tornado(estes2017, assumptions=[]), "at least one"),
        (lambda: sens.tornado(estes2017, assumptions=[X[0], X[0]]), "each assumption to move once"),
        (lambda: sens.tornado(estes2017, seed=-1, engine="replicate"), "seed must be a whole"),
        (lambda: sens.power(estes2017, "hiit_csa_p", n_sims=0), "n_sims must be a whole"),
        (lambda: sens.power(estes2017, "hiit_csa_p", alpha=2), "alpha must be a number"),
        (lambda: sens.power(estes2017, "nosuch", n_sims=2), "no statistic 'nosuch'"),
        (lambda: sens.exact_grid(estes2017, None), "settings must be a sequence"),
        (lambda: sens.exact_grid(estes2017, [1]), "each setting must be a mapping"),
        (lambda: sens.exact_grid(estes2017, []), "at least one setting"),
        (lambda: sens.sensitivity(estes2017, {X[0]: []}), "at least one value"),
        (lambda: sens.sensitivity(estes2017, {"dispersion": "sd"}), "at least one value"),
    ],
)  # fmt: skip
def test_api_arguments_are_checked_with_a_clear_message(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_a_study_may_be_given_by_name_and_a_map_may_move_n():
    by_name = sens.claim_ranges("estes2017", reps=50, seed=2)
    pd.testing.assert_frame_equal(by_name, sens.claim_ranges(estes2017, reps=50, seed=2))
    m = sens.probability_map(estes2017, ("n", [4, 8]), Y, claim=1, reps=50)
    assert m.attrs["labels"]["n"] == "n (subjects per group)" and m.attrs["defaults"]["n"] is None
    assert len(m) == 2
