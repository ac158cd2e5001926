"""Real participant files in: formats, layouts, ids, and every malformed file refused clearly."""

import gzip
import hashlib
import json
import string
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis import cli
from analysis.dataio.loading import read_table
from analysis.errors import DataWarning, InputError
from analysis.studies import estes2017, get_study, load, ryu2016, simulated_names, template

BAD = ROOT / "tests" / "data" / "bad"
EXPECTED = json.loads((BAD / "expected.json").read_text())
STUDIES = {name: get_study(name) for name in simulated_names()}


def snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def quiet_load(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load(*args, **kwargs)


# --- the malformed files ----------------------------------------------------------------


def test_the_bad_corpus_has_at_least_40_files_each_with_its_expected_problems():
    files = {p.name for p in BAD.iterdir() if p.name != "expected.json"}
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_file_exits_2_names_every_problem_and_leaves_the_output_folder_alone(
    name, tmp_path, capsys
):
    case = EXPECTED[name]
    out = tmp_path / "results"
    out.mkdir()
    (out / "my_notes.txt").write_text("a researcher's own file")
    before = snapshot(tmp_path)
    code = cli.main(["analyze", case["study"], str(BAD / name), "--out", str(out), *case["args"]])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert str(BAD / name) in err
    for message in case["messages"]:
        assert message in err, f"{name}: expected {message!r} in\n{err}"
    if case["problems"] is not None:
        plural = "s" if case["problems"] != 1 else ""
        assert f": {case['problems']} problem{plural} in the data" in err, err
    assert snapshot(tmp_path) == before


def test_a_bad_file_through_a_real_process_gives_one_message_and_no_traceback(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "never"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "analyze",
            "estes2017",
            str(BAD / "four_faults.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "4 problems in the data" in result.stderr
    assert not out.exists()


# --- formats and layouts load back equal ------------------------------------------------


def _simulated(study, seed=3):
    data = STUDIES[study].simulate(seed)
    data["subject"] = data["subject"].str.replace("S", "0", regex=False)  # "001": leading zeros
    return data


WRITERS = {
    "long.csv": lambda d, p: d.to_csv(p, index=False),
    "semicolon_decimal_comma.csv": lambda d, p: d.to_csv(p, index=False, sep=";", decimal=","),
    "tab_utf16.tsv": lambda d, p: d.to_csv(p, index=False, sep="\t", encoding="utf-16"),
    "bom.csv": lambda d, p: d.to_csv(p, index=False, encoding="utf-8-sig"),
    "latin1.csv": lambda d, p: d.to_csv(p, index=False, encoding="latin-1"),
    "gzip_named.csv": lambda d, p: p.write_bytes(gzip.compress(d.to_csv(index=False).encode())),
    "sheet.xlsx": lambda d, p: d.to_excel(p, index=False),
    "excel_named.csv": lambda d, p: d.to_excel(p, index=False, engine="openpyxl"),
    "table.parquet": lambda d, p: d.to_parquet(p, index=False),
}


def _write(writer, data, path):
    if path.name == "excel_named.csv":  # pandas picks the engine by name: write, then rename
        xlsx = path.with_suffix(".xlsx")
        data.to_excel(xlsx, index=False)
        xlsx.rename(path)
    else:
        writer(data, path)


@pytest.mark.parametrize("study", sorted(STUDIES))
@pytest.mark.parametrize("name", sorted(WRITERS))
def test_a_simulated_dataset_loads_back_equal_from_every_format(study, name, tmp_path):
    data = _simulated(study)
    path = tmp_path / name
    _write(WRITERS[name], data, path)
    loaded = quiet_load(path, study)
    # Excel keeps 15-17 significant digits; text and Parquet keep every bit
    tolerance = 1e-14 if name.endswith((".xlsx", "excel_named.csv")) else 0
    pd.testing.assert_frame_equal(loaded, data, check_exact=tolerance == 0, rtol=tolerance)


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_wide_and_long_files_load_to_the_same_table(study, tmp_path):
    for layout in ("long", "wide"):
        template(study, layout).to_csv(tmp_path / f"{layout}.csv", index=False)
    long = load(tmp_path / "long.csv", study)
    wide = load(tmp_path / "wide.csv", study)
    named = load(tmp_path / "wide.csv", study, layout="wide")
    pd.testing.assert_frame_equal(long, wide)
    pd.testing.assert_frame_equal(long, named)


@pytest.mark.parametrize("study", sorted(STUDIES))
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_the_committed_templates_are_what_template_makes_and_they_load(study, layout):
    path = ROOT / "data" / "templates" / f"{study}_{layout}.csv"
    committed = pd.read_csv(path, dtype={"subject": str})
    made = template(study, layout)
    made["subject"] = made["subject"].astype(str)
    pd.testing.assert_frame_equal(committed, made, check_dtype=False)
    assert load(path, study)["subject"].str.startswith("00").all()


def test_the_readme_links_the_templates_and_the_use_your_own_data_section():
    readme = (ROOT / "README.md").read_text()
    assert "## Use your own data" in readme
    for path in (ROOT / "data" / "templates").glob("*.csv"):
        assert f"data/templates/{path.name}" in readme


# --- ids are text ----------------------------------------------------------------------


def test_ids_keep_leading_zeros_and_lose_only_the_spaces_around_them_with_a_warning(tmp_path):
    data = template("estes2017")
    data.loc[2, "subject"] = " 002 "
    path = tmp_path / "ids.csv"
    data.to_csv(path, index=False)
    with pytest.warns(DataWarning, match=r"spaces around 1 subject id.*line 4"):
        loaded = load(path, "estes2017")
    assert loaded["subject"].tolist() == template("estes2017")["subject"].tolist()
    assert loaded.groupby("group")["subject"].nunique().to_dict() == {"HIIT": 2, "control": 2}


def test_a_gzip_file_named_csv_is_read_and_the_warning_says_what_it_really_is(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(gzip.compress(template("ryu2016").to_csv(index=False).encode()))
    with pytest.warns(DataWarning, match="gzip"):
        assert len(load(path, "ryu2016")) == 18


def test_blank_lines_are_skipped_and_counted(tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text("\n\nsubject;x\n\n  \n001;1,5\n")
    table = read_table(path)
    assert table.lines.tolist() == [6]
    assert table.frame.to_dict("list") == {"subject": ["001"], "x": ["1.5"]}


def test_empty_measure_cells_are_missing_values_not_errors(tmp_path):
    data = template("ryu2016")
    data.loc[5, "ck_u_l"] = np.nan
    path = tmp_path / "gap.csv"
    data.to_csv(path, index=False)
    loaded = load(path, "ryu2016")
    assert np.isnan(loaded.loc[5, "ck_u_l"])
    assert loaded.drop(index=5).notna().all().all()


def test_body_mass_may_change_between_a_runners_timepoints(tmp_path):
    data = template("ryu2016")
    data.loc[data["time"] == "post", "body_mass_kg"] -= 1.5  # fluid lost during the race
    path = tmp_path / "mass.csv"
    data.to_csv(path, index=False)
    loaded = load(path, "ryu2016")
    assert loaded.groupby("subject")["body_mass_kg"].nunique().max() == 2


# --- the real-shaped file of the acceptance list ---------------------------------------


def real_shaped_ryu():
    """Unequal groups 6/7/8, one missing timepoint, ids with leading zeros, 1 decimal."""
    data = ryu2016.simulate(seed=11)
    sizes = {"10km": 6, "21km": 7, "42km": 8}
    keep = [
        s for g, n in sizes.items() for s in data.loc[data["group"] == g, "subject"].unique()[:n]
    ]
    data = data[data["subject"].isin(keep)].copy()
    data["subject"] = data["subject"].str.replace("S", "00", regex=False)
    data = data[~((data["subject"] == "0003") & (data["time"] == "day3"))]
    numeric = data.select_dtypes("number").columns
    data[numeric] = data[numeric].round(1)
    return data.reset_index(drop=True)


def test_a_real_shaped_file_gives_identical_results_in_csv_wide_csv_excel_and_parquet(tmp_path):
    data = real_shaped_ryu()
    paths = {
        "csv": tmp_path / "runners.csv",
        "xlsx": tmp_path / "runners.xlsx",
        "parquet": tmp_path / "runners.parquet",
        "wide": tmp_path / "runners_wide.csv",
    }
    data.to_csv(paths["csv"], index=False)
    data.to_excel(paths["xlsx"], index=False)
    data.to_parquet(paths["parquet"], index=False)
    wide = data.pivot(
        index=["subject", "group"],
        columns="time",
        values=[
            "ck_u_l",
            "ldh_u_l",
            "tail_dna_pct",
            "tail_length_um",
            "tail_moment",
            "body_mass_kg",
        ],
    )
    wide.columns = [f"{m}_{t}" for m, t in wide.columns]
    subject_info = data.drop_duplicates("subject").set_index("subject")[
        ["age_yr", "finish_time_min"]
    ]
    wide.reset_index().merge(subject_info.reset_index(), on="subject").to_csv(
        paths["wide"], index=False
    )

    results = {}
    for kind, path in paths.items():
        out = tmp_path / f"out_{kind}"
        assert cli.main(["analyze", "ryu2016", str(path), "--out", str(out)]) == 0
        results[kind] = {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}
    assert results["csv"] == results["xlsx"] == results["parquet"] == results["wide"]
    aov = pd.read_csv(tmp_path / "out_csv" / "mixed_anova.csv")
    assert set(aov["n_subjects"]) == {20}  # 21 runners, 0003 lacks day 3
    fold = pd.read_csv(tmp_path / "out_csv" / "fold_change.csv", dtype={"subject": str})
    assert fold["subject"].str.startswith("00").all()
    assert fold["subject"].nunique() == 21


# --- fuzzing: nothing but the project's own error escapes -------------------------------


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
@example(b"\x1f\x8b\x08\x00garbage")
@example(b"PK\x03\x04")
@example(b"PAR1\x00")
@example(b"\xff\xfe")
@example(b"subject,subject\n1,2\n")
def test_random_bytes_give_a_table_or_an_input_error(tmp_path, blob):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(blob)
    try:
        quiet_load(path, "estes2017")
    except InputError:
        pass


CELLS = st.one_of(
    st.text(alphabet=string.printable + "µ²é\x00", max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["pre", "post", "HIIT", "control", "M", "F", "", "NA", "1e300", "-0"]),
)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    columns=st.lists(
        st.sampled_from([*estes2017.DATA_SPEC.columns, "csa_cm2_pre", "extra", "Subject"]),
        min_size=1,
        max_size=12,
    ),
    rows=st.integers(0, 6),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_random_tables_give_a_table_or_an_input_error(tmp_path, columns, rows, data, delimiter):
    body = [[data.draw(CELLS) for _ in columns] for _ in range(rows)]
    frame = pd.DataFrame(body, columns=columns)
    path = tmp_path / "fuzz.csv"
    frame.to_csv(path, index=False, sep=delimiter)
    try:
        loaded = quiet_load(path, "estes2017")
    except InputError:
        return
    assert list(loaded.columns[:4]) == ["subject", "group", "sex", "time"]
    assert np.isfinite(
        loaded.select_dtypes("number").to_numpy(dtype=float)[
            ~np.isnan(loaded.select_dtypes("number").to_numpy(dtype=float))
        ]
    ).all()


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_a_file_far_larger_than_a_study_is_refused_before_it_is_parsed(tmp_path, monkeypatch, kind):
    """A million-row file once took 19 s and 2 GB to refuse; the size is now read first."""
    import analysis.dataio.loading as loading

    monkeypatch.setattr(loading, "MAX_ROWS", 10)
    data = template("ryu2016")  # 18 rows
    path = tmp_path / f"big.{kind}"
    {
        "csv": lambda: data.to_csv(path, index=False),
        "xlsx": lambda: data.to_excel(path, index=False),
        "parquet": lambda: data.to_parquet(path, index=False),
    }[kind]()
    with pytest.raises(InputError, match="18 data rows"):
        load(path, "ryu2016")
