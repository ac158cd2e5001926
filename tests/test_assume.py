"""``--assume NAME=VALUE``: every value finite and within the meaning of its assumption.

The meaning of each assumed row lives in its targets table (``allowed``, or derived from
``statistic``/``unit``/``quantity``: see :mod:`analysis.dataio.targets`), and the check in
``Targets.with_overrides``, so the command line and the Python API refuse the same values.
"""

import contextlib
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.cli import main
from analysis.dataio.targets import DATA_DIR, load_targets, parse_allowed
from analysis.errors import InputError
from analysis.studies import simulated_names

STUDIES = simulated_names()
ASSUMED = {study: load_targets(study).assumed_ids() for study in STUDIES}


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- the meaning of every assumption is stated ----------------------------------------------


@pytest.mark.parametrize("study", STUDIES)
def test_every_assumption_of_a_study_has_allowed_values_that_admit_its_default(study):
    t = load_targets(study)
    for target_id in t.assumed_ids():
        rule = t.allowed(target_id)
        assert rule is not None, f"{study}: {target_id} has no allowed values"
        assert rule.reason, f"{study}: {target_id} does not say why"
        assert rule.problem(t.value(target_id), t.value) is None


@pytest.mark.parametrize(
    ("study", "target_id", "allowed"),
    [
        ("estes2017", "control_csa_pct_change_sd", ">= 0"),
        ("estes2017", "csa_change_baseline_corr", "between -1 and 1"),
        ("estes2017", "control_csa_pct_change_mean", "> -100"),
        ("estes2017", "control_csa_pre_mean", "> 0"),
        ("estes2017", "control_n_male", "a whole number between 0 and control_n (5)"),
        ("ryu2016", "ck_pre_sdlog", ">= 0"),
        ("ryu2016", "ck_fold_post_10km", "> 0"),
        ("ryu2016", "ck_pre_geomean", "> 0"),
        ("ryu2016", "tail_dna_pct_pre", "> 0 and < 100"),
        ("ryu2016", "finish_time_mean_10km", "> 0"),
    ],
)
def test_the_meaning_of_an_assumption(study, target_id, allowed):
    t = load_targets(study)
    assert t.allowed(target_id).describe(t.value) == allowed


# --- refused through the Python API ---------------------------------------------------------


@pytest.mark.parametrize(
    ("study", "assumption", "message"),
    [
        ("estes2017", {"control_csa_pre_mean": -20}, r"control_csa_pre_mean = -20 .*> 0 .*cm2"),
        ("estes2017", {"control_csa_pre_mean": 0}, r"must be > 0"),
        ("estes2017", {"control_csa_pct_change_sd": -1}, r"standard deviation cannot be neg"),
        ("estes2017", {"csa_change_baseline_corr": 1.5}, r"between -1 and 1"),
        ("estes2017", {"control_csa_pct_change_mean": -100}, r"> -100 .*zero or negative csa"),
        ("estes2017", {"control_n_male": 1.5}, r"a whole number"),
        ("estes2017", {"control_n_male": 6}, r"control_n \(5\).*counted within the control"),
        ("estes2017", {"control_n_male": -1}, r"between 0 and control_n"),
        ("ryu2016", {"ck_pre_geomean": 0}, r"ck_pre_geomean = 0 .*geometric mean"),
        ("ryu2016", {"ck_fold_post_42km": -2}, r"fold change"),
        ("ryu2016", {"tail_dna_pct_pre": 100}, r"< 100 .*logit"),
        ("ryu2016", {"tail_dna_fold_post": 0}, r"tail_dna_fold_post = 0 .*> 0"),
        ("ryu2016", {"ck_corr_pre_post": -1.01}, r"correlation"),
        ("ryu2016", {"tail_length_sdlog": -0.1}, r">= 0"),
        ("ryu2016", {"age_mean": float("nan")}, r"age_mean = nan is not a finite number"),
        ("ryu2016", {"age_mean": float("inf")}, r"age_mean = inf is not a finite number"),
        ("ryu2016", {"age_mean": "40"}, r"is not a number"),
        ("ryu2016", {"age_mean": True}, r"is not a number"),
    ],
)
def test_a_value_outside_its_meaning_is_refused_by_the_api(study, assumption, message):
    with pytest.raises(InputError, match=message) as caught:
        load_targets(study).with_overrides(**assumption)
    text = str(caught.value)
    assert next(iter(assumption)) in text and "\n" not in text
    assert "default" in text  # and what to give instead


def test_the_limits_themselves_where_they_are_allowed():
    t = load_targets("estes2017").with_overrides(
        control_csa_pct_change_sd=0,
        csa_change_baseline_corr=-1,
        control_csa_pct_change_mean=-99.9,
        control_n_male=5,
    )
    assert t.value("control_n_male") == 5.0
    load_targets("ryu2016").with_overrides(ck_corr_pre_post=1, tail_dna_pct_pre=99.9)


def test_a_bound_naming_another_row_uses_its_value_in_force():
    # control_n is inferred, so it cannot move; the rule still reads it through the targets
    t = load_targets("estes2017")
    assert t.allowed("control_n_male").ids() == ["control_n"]
    with pytest.raises(InputError, match=r"control_n \(5\)"):
        t.with_overrides(control_n_male=5.5)


def test_the_study_functions_refuse_before_simulating():
    from analysis.studies import estes2017, ryu2016

    with pytest.raises(InputError, match="control_csa_pre_mean = -20"):
        estes2017.simulate(seed=0, control_csa_pre_mean=-20)
    with pytest.raises(InputError, match="ck_pre_geomean = 0"):
        ryu2016.replicate(seed=0, ck_pre_geomean=0)


# --- the grammar of the allowed column ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        (">0", [1e-9, 5], [0, -1]),
        (">=0", [0, 3], [-1e-9]),
        ("<100", [99.9, -5], [100]),
        ("-1..1", [-1, 0, 1], [-1.0001, 1.0001]),
        (">0 <100", [0.1, 99.9], [0, 100]),
        ("integer >=0", [0, 7], [0.5, -1]),
        (">-100; a change of -100 % leaves nothing", [-99], [-100]),
    ],
)
def test_the_allowed_grammar(text, inside, outside):
    rule = parse_allowed(text)
    assert all(rule.problem(v) is None for v in inside)
    assert all(rule.problem(v) is not None for v in outside)


@pytest.mark.parametrize("text", ["", "=0", "0-100", "> 0", ">0 >1", "1..", ">inf", "; why"])
def test_a_malformed_allowed_cell_is_an_error(text):
    with pytest.raises(ValueError):  # the message is checked through a table below
        parse_allowed(text)


def _table_with(tmp_path, target_id, **cells):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype=str)
    for column, value in cells.items():
        table.loc[table["id"] == target_id, column] = value
    path = tmp_path / "estes2017.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"allowed": "0-100"}, r"cannot read .0-100."),
        ({"allowed": "<=control_nn"}, r"'control_nn' is not the id of a row"),
        ({"value": "-5"}, r"the row.s own value -5 breaks its rule"),
    ],
)
def test_a_broken_rule_in_a_table_is_reported_with_its_cell(tmp_path, cells, message):
    path = _table_with(tmp_path, "control_csa_pre_mean", **cells)
    with pytest.raises(
        InputError, match=rf'estes2017.csv, line 31 \(data row 30\), column "allowed": {message}'
    ):
        load_targets("estes2017", path)


def test_an_assumption_without_a_stated_meaning_cannot_be_overridden(tmp_path):
    path = _table_with(tmp_path, "control_age_mean", allowed="", statistic="average")
    with pytest.raises(InputError, match="control_age_mean has no stated range.*'allowed'"):
        load_targets("estes2017", path).with_overrides(control_age_mean=30)


def test_a_table_without_the_allowed_column_still_loads(tmp_path):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype=str).drop(columns="allowed")
    table.to_csv(tmp_path / "old.csv", index=False)
    t = load_targets("estes2017", tmp_path / "old.csv")
    assert t.allowed("control_csa_pct_change_sd").describe() == ">= 0"  # derived
    assert t.allowed("control_csa_pre_mean") is None  # needs the column


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "culprit"),
    [
        (["--assume", "control_csa_pre_mean=-20"], "control_csa_pre_mean = -20"),
        (["--assume", "control_csa_pct_change_sd=nan"], "control_csa_pct_change_sd=nan"),
        (["--assume", "control_csa_pct_change_sd=inf"], "control_csa_pct_change_sd=inf"),
        (["--assume", "control_csa_pct_change_sd=-inf"], "control_csa_pct_change_sd=-inf"),
        (["--assume", "control_csa_pct_change_sd=1e400"], "control_csa_pct_change_sd=1e400"),
        (["--assume", "control_csa_pct_change_sd=abc"], "NAME=NUMBER"),
        (["--assume", "=3"], "NAME=NUMBER"),
        (["--assume", "made_up=1"], "no assumption named 'made_up'"),
        (["--assume", "hiit_csa_pct_change=3"], "published number"),
        (["--assume", "control_n_male=2.5"], "control_n_male = 2.5"),
        (
            ["--assume", "control_csa_pct_change_sd=2", "--assume", "control_csa_pct_change_sd=3"],
            "given twice",
        ),
        # legal one by one, impossible in the simulation: named all the same
        (["--assume", "control_csa_pct_change_sd=0"], "control_csa_pct_change_sd = 0"),
        (["--assume", "csa_change_baseline_corr=1"], "csa_change_baseline_corr = 1"),
        (["--assume", "control_body_mass_pct_change_sd=20"], "control_body_mass_pct_change_sd"),
        # a mean change of -99.5 % with an SD of 20 % makes some muscle area negative
        (
            [
                "--assume",
                "control_csa_pct_change_mean=-99.5",
                "--assume",
                "control_csa_pct_change_sd=20",
            ],
            "control_csa_pct_change_mean=-99.5, control_csa_pct_change_sd=20",
        ),
        (["--assume", "control_age_mean=1"], "age_yr"),
    ],
)
@pytest.mark.parametrize("command", ["simulate", "replicate"])
def test_the_command_line_refuses_with_one_line_naming_the_assumption(
    capsys, tmp_path, command, args, culprit
):
    out = ["--out", tmp_path / "x.csv"] if command == "simulate" else []
    code, stdout, err = run(capsys, command, "estes2017", *args, *out)
    assert code == 2, err
    assert culprit in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("assumptions", "culprits"),
    [
        (["ck_corr_pre_post=-0.9"], ["ck_corr_pre_post = -0.9", "ck_ldh_corr = 0.4"]),
        (["comet_corr_time=-0.9"], ["comet_corr_time = -0.9"]),
        (["age_sd=0"], ["age_sd = 0"]),
        (["tail_moment_sdlog=0"], ["tail_moment_sdlog = 0"]),
        (["ck_pre_sdlog=800"], ["ck_pre_sdlog=800"]),  # exp overflows
        (["tail_dna_pct_pre=5e-324"], ["tail_dna_pct_pre"]),  # its logit does not exist
    ],
)
def test_ryu_combinations_no_data_can_have_are_named(capsys, assumptions, culprits):
    args = [a for pair in assumptions for a in ("--assume", pair)]
    code, stdout, err = run(capsys, "replicate", "ryu2016", *args)
    assert code == 2, err
    for culprit in culprits:
        assert culprit in err
    assert len(err.strip().splitlines()) == 1, err


# Values a user might type, including the edges: zero, negative zero, the extremes of
# floating point, nan and infinity, and ordinary numbers of every size.
VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 100.0, -100.0, 1e-300, 5e-324, 1.7e308, 1e12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2, max_value=2),
    st.floats(min_value=-150, max_value=300),
    st.integers(min_value=-10, max_value=1000),
)
TEXT = st.one_of(
    VALUES.map(repr), st.sampled_from(["1e400", "-1e400", "NaN", "+inf", "1_000", "0x10"])
)


@given(
    study=st.sampled_from(STUDIES),
    data=st.data(),
)
def test_any_assumption_value_gives_a_scorecard_or_one_line_never_a_traceback(study, data):
    ids = data.draw(st.lists(st.sampled_from(ASSUMED[study]), min_size=1, max_size=3))
    args = ["replicate", study]
    for target_id in ids:
        args += ["--assume", f"{target_id}={data.draw(TEXT)}"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    stdout, stderr = out.getvalue(), err.getvalue()
    assert "Traceback" not in stderr
    assert "unexpected" not in stderr, stderr
    if code == 2:
        assert stderr.startswith("error: ") and len(stderr.strip().splitlines()) == 1, stderr
        assert stdout == ""
    else:
        assert code in (0, 1), (code, stderr)
        assert "claims PASS" in stdout  # a scorecard, passed or not


@pytest.mark.parametrize("assumption", ["ck_pre_sdlog=1e-300", "ck_day3_sdlog=1e-200"])
def test_an_sd_too_small_for_floating_point_is_one_line_naming_it(assumption, capsys):
    # found by the test above (ryu2016, ck_pre_sdlog = 1e-300): the SD's square underflowed
    # and the Cholesky factor failed as "unexpected LinAlgError"; st.data() takes no @example
    assert main(["replicate", "ryu2016", "--assume", assumption]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert assumption.split("=")[0] in err and "unexpected" not in err


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"tail_dna_pct_post": 6.6}, "give tail_dna_fold_post=1.1 (6.6 / tail_dna_pct_pre = 6)"),
        (
            {"tail_length_day3": 45, "tail_length_pre": 50},
            "give tail_length_fold_day3=0.9 (45 / tail_length_pre = 50)",
        ),
        ({"tail_dna_pct_day3": "6"}, "give tail_dna_fold_day3 (default 1.02)"),
    ],
)
def test_a_renamed_assumption_says_what_to_give_instead(given, expected):
    # the comet levels after the race became multiples of the pre-race level (2026-11-28)
    with pytest.raises(InputError, match="is now 'tail_") as caught:
        load_targets("ryu2016").with_overrides(**given)
    assert expected in str(caught.value)
