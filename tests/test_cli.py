"""The command line, run as a user runs it: a separate process."""

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pingouin as pg
import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    paths = {}
    for name, seed in [("a", 1), ("b", 1), ("c", 2)]:
        paths[name] = folder / f"{name}.csv"
        result = run("simulate", "estes2017", "--seed", seed, "--out", paths[name])
        assert result.returncode == 0, result.stderr
    return paths


def test_same_seed_same_bytes_different_seed_different_bytes(simulated):
    assert sha(simulated["a"]) == sha(simulated["b"])
    assert sha(simulated["a"]) != sha(simulated["c"])


def test_replicate_exits_zero_and_prints_the_scorecard():
    result = run("replicate", "estes2017", "--seed", 3)
    assert result.returncode == 0, result.stderr
    assert "claims PASS" in result.stdout
    assert "FAIL" not in result.stdout


def test_replicate_exits_nonzero_when_a_claim_fails():
    result = run("replicate", "estes2017", "--assume", "control_csa_pct_change_mean=10")
    assert result.returncode == 1
    assert "FAIL" in result.stdout


def test_analyze_writes_tables_whose_interaction_f_equals_pingouin(simulated, tmp_path):
    out = tmp_path / "tables"
    result = run("analyze", "estes2017", simulated["c"], "--out", out)
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out / "mixed_anova.csv")
    data = pd.read_csv(simulated["c"])
    for dv in ["csa_cm2", "vo2max_rel", "vo2max_abs", "body_mass_kg"]:
        ref = pg.mixed_anova(data=data, dv=dv, within="time", between="group", subject="subject")
        ours = written[(written["dv"] == dv) & (written["Source"] == "Interaction")]
        assert ours["F"].iloc[0] == pytest.approx(ref.loc[2, "F"], abs=1e-6)
    expected = {
        "descriptives",
        "percent_change",
        "change_summary",
        "change_tests",
        "paired_tests",
        "group_comparison",
        "mixed_anova",
        "ancova",
    }
    assert {p.stem for p in out.glob("*.csv")} == expected


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d.assign(csa_cm2=d["csa_cm2"].where(d.index != 6, -2.0)),
            r'line 8 \(data row 7\), column "csa_cm2"',
        ),
        (lambda d: d.drop(columns="time"), "missing column"),
        (lambda d: d.assign(group=d["group"].replace("control", "ctrl")), "not one of"),
        (lambda d: pd.concat([d, d.iloc[[4]]]), "second row"),
        (
            lambda d: d.assign(
                vo2max_abs=d["vo2max_abs"].astype(object).where(d.index != 2, "abc")
            ),
            "not a number",
        ),
        (lambda d: d.assign(csa_cm2=d["csa_cm2"].where(d.index != 2)), "value is missing"),
        (lambda d: d.assign(sex=d["sex"].where(d.index != 1, "X")), "not one of"),
        # row 1 is subject S01 at post: give it the other sex than at pre
        (
            lambda d: d.assign(
                sex=d["sex"].where(d.index != 1, "M" if d.at[0, "sex"] == "F" else "F")
            ),
            "more than one value of sex",
        ),
    ],
)
def test_analyze_invalid_input_exits_2_with_one_message_and_writes_nothing(
    simulated, tmp_path, edit, message
):
    bad = tmp_path / "bad.csv"
    edit(pd.read_csv(simulated["a"])).to_csv(bad, index=False)
    out = tmp_path / "out"
    result = run("analyze", "estes2017", bad, "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr
    assert pd.Series([result.stderr]).str.contains(message).iloc[0], result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "estes2017", "does-not-exist.csv", "--out", "x"], "no such file"),
        (["analyze", "nosuchstudy", "x.csv", "--out", "x"], "unknown study"),
        (["replicate", "estes2017", "--assume", "hiit_csa_pct_change=3"], "published number"),
        (["replicate", "estes2017", "--assume", "oops"], "NAME=NUMBER"),
    ],
)
def test_other_bad_input_exits_2_without_traceback(tmp_path, args, message):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_and_garbled_files_are_named(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run("analyze", "estes2017", empty, "--out", tmp_path / "o")
    assert result.returncode == 2 and "empty" in result.stderr
    header_only = tmp_path / "header.csv"
    header_only.write_text("subject,group,sex,time,csa_cm2,vo2max_rel,vo2max_abs,body_mass_kg\n")
    result = run("analyze", "estes2017", header_only, "--out", tmp_path / "o")
    assert result.returncode == 2 and "no data rows" in result.stderr


def test_import_analysis_does_not_import_plotting():
    code = (
        "import sys, analysis, analysis.studies.estes2017, analysis.cli; "
        "print(sorted(m for m in ('matplotlib', 'seaborn') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"


def test_replicate_does_not_import_plotting_or_pingouin():
    code = (
        "import sys; from analysis.cli import main; main(['replicate', 'estes2017']); "
        "print(sorted(m for m in ('matplotlib', 'seaborn', 'pingouin') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_replicate_ryu2016_exits_zero(seed):
    result = run("replicate", "ryu2016", "--seed", seed)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ryu2016_simulate_analyze_and_reject(tmp_path):
    data = tmp_path / "runners.csv"
    assert run("simulate", "ryu2016", "--seed", 4, "--out", data).returncode == 0
    out = tmp_path / "tables"
    result = run("analyze", "ryu2016", data, "--out", out)
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out / "mixed_anova.csv")
    frame = pd.read_csv(data).assign(log_ck=lambda d: np.log(d["ck_u_l"]))
    ref = pg.mixed_anova(
        data=frame, dv="log_ck", within="time", between="group", subject="subject"
    ).set_index("Source")
    ours = written[written["dv"] == "log_ck_u_l"].set_index("Source")
    for source in ["group", "time", "Interaction"]:
        assert ours.loc[source, "F"] == pytest.approx(ref.loc[source, "F"], abs=1e-6)

    bad = tmp_path / "bad.csv"
    pd.read_csv(data).assign(ck_u_l=lambda d: d["ck_u_l"].where(d.index != 10, 0.0)).to_csv(
        bad, index=False
    )
    result = run("analyze", "ryu2016", bad, "--out", tmp_path / "nothing")
    assert result.returncode == 2
    assert 'line 12 (data row 11), column "ck_u_l"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "nothing").exists()
