"""The display layer: numbers without e-notation, p-values, headers, wrapping, APA strings."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from analysis.checks.power import TABLE_COLUMNS, PowerTable
from analysis.engine import anova, display, stats
from analysis.engine.apa import apa, apa_p
from analysis.studies import konopka2014
from analysis.studies.base import summary

E_NOTATION = re.compile(r"\d[eE][+-]?\d")
CELL = re.compile(r"<td[^>]*>(.*?)</td>", flags=re.S)


def cells(html: str) -> list[str]:
    return CELL.findall(html)


def decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


# --- numbers ---------------------------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(-2.220446049250313e-15)
@example(1.0600e01)
@example(1e20)
@example(3e-6)
@example(-0.00004)
def test_format_number_never_uses_e_notation_and_stays_close(value):
    text = display.format_number(value)
    assert not E_NOTATION.search(text) and "e" not in text.lower()
    if text.startswith(("<", ">")):  # a real but tiny value: "< 0.0001" / "> -0.0001"
        assert 0 < abs(value) < 1e-4 and (text[0] == "<") == (value > 0)
        return
    shown = float(text.replace(",", ""))
    # rounding to the decimals shown moves a value by at most half a unit of the last one
    assert abs(shown - value) <= 0.5 * 10 ** -decimals_of(text) + 1e-12 * abs(value)


@given(
    st.lists(st.floats(allow_infinity=False), min_size=1, max_size=8),
    st.lists(st.floats(0, 1), min_size=1, max_size=8),
)
@example([-2.220446049250313e-15, 10.6], [1e-12])
def test_no_table_cell_is_in_e_notation(values, p_values):
    size = min(len(values), len(p_values))
    frame = pd.DataFrame(
        {"value": values[:size], "p_val": p_values[:size], "d": values[:size], "n": 1e20}
    )
    for text in cells(display.to_html(frame)):
        assert not E_NOTATION.search(text), text


def test_the_values_the_issue_saw_in_e_notation():
    # 1.0600e+01, -2.2204e-15 and a count 1.0000e+01 (issue 12)
    frame = pd.DataFrame({"mean": [10.6, -2.2204e-15, 3.5], "n": [10.0, 12.0, 5.0]})
    shown = cells(display.to_html(frame))
    # the column's typical magnitude is the median of 10.6 and 3.5 (the noise left out), 7.05:
    # 3 significant digits of it are 2 decimals; the noise is zero at those decimals
    assert shown == ["10.60", "10", "0.00", "12", "3.50", "5"]


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0034, "0.0034"),  # 2 significant digits
        (0.034, "0.034"),  # at least 3 decimals
        (0.34, "0.340"),
        (0.05, "0.050"),
        (0.00099, "< 0.001"),
        (1e-300, "< 0.001"),
        (0.001, "0.0010"),
        (1.0, "1.000"),
        (0.04996, "0.04996"),  # 0.050 would read as not significant
        (0.0501, "0.050"),  # on the same side of 0.05 already
        (float("nan"), ""),
    ],
)
def test_format_p(p, text):
    assert display.format_p(p) == text


@given(st.floats(0, 1))
def test_format_p_keeps_the_side_of_005(p):
    text = display.format_p(p)
    if p < 0.001:
        assert text == "< 0.001"
    else:
        assert (float(text) < 0.05) == (p < 0.05)
        assert abs(float(text) - p) <= 0.5 * 10 ** -decimals_of(text)


def test_integer_valued_floats_show_as_integers():
    frame = pd.DataFrame({"n": [12.0, 5.0], "DF1": [2.0, 1.0], "reps": [10_000.0, 20_000.0]})
    assert cells(display.to_html(frame)) == ["12", "2", "10,000", "5", "1", "20,000"]


def test_effect_sizes_have_two_decimals():
    frame = pd.DataFrame({"d": [0.9268, -0.004], "np2": [0.5434, 0.1], "hedges_g": [2.0, 1.0]})
    assert cells(display.to_html(frame)) == ["0.93", "0.54", "2.00", "0.00", "0.10", "1.00"]


# --- tables ----------------------------------------------------------------------------------


def test_empty_columns_are_dropped():
    frame = pd.DataFrame(
        {
            "p_val": [0.5, 0.2],
            "nothing": [np.nan, np.nan],
            "blank_note": ["", " "],
            "sometimes": [None, "a note"],
        }
    )
    html = display.to_html(frame)
    assert "Nothing" not in html and "Blank note" not in html
    assert "Sometimes" in html and "a note" in html
    assert list(display.format_table(frame).data.columns) == ["p_val", "sometimes"]


def test_headers_are_labelled():
    expected = {
        "csa_cm2": "CSA (cm²)",
        "ck_u_l": "CK (U/L)",
        "p_holm": "p (Holm)",
        "p_val": "p",
        "deciding_statistic": "Deciding statistic",
        "csa_pct_change": "CSA change (%)",
        "vo2max_rel": "VO2max (mL/kg/min)",
        "hr_rest_bpm": "Resting HR (bpm)",
        "tail_length_um": "Tail length (µm)",
        "d_z_ci_low": "dz CI low",
    }
    assert {c: display.label(c) for c in expected} == expected
    html = display.to_html(pd.DataFrame({c: [1.5] for c in expected}))
    for header in expected.values():
        assert f">{header}</th>" in html.replace("&#x27;", "'")


def test_long_text_is_wrapped_not_truncated():
    verdict = "the controls' change is assumed; " * 30
    with pd.option_context("display.max_colwidth", 50):
        html = display.to_html(pd.DataFrame({"caveat": [verdict], "p": [0.5]}))
    assert verdict.strip().replace("'", "&#x27;") in html
    assert "…" not in html and "..." not in html
    assert "white-space: normal" in html  # the text cells wrap


def test_to_html_wraps_the_table_in_a_box_that_scrolls_sideways():
    html = display.to_html(pd.DataFrame({"x": [1.5]}), caption="Table 1 <draft>")
    assert html.startswith('<div class="table-scroll" style="overflow-x:auto; max-width:100%">')
    assert html.rstrip().endswith("</div>")
    assert "Table 1 &lt;draft&gt;" in html


def test_the_index_is_hidden_only_when_it_is_a_plain_range():
    plain = display.to_html(pd.DataFrame({"x": [1.5, 2.5]}))
    named = display.to_html(pd.DataFrame({"x": [1.5, 2.5]}, index=["HIIT", "control"]))
    assert "HIIT" not in plain and ">0<" not in plain
    assert "HIIT" in named and "control" in named


def test_same_table_same_html():
    # the report is rebuilt byte for byte: no random ids
    frame = pd.DataFrame({"x": [1.5, 2.5]})
    assert display.to_html(frame) == display.to_html(frame.copy())


def test_a_series_row_shows_as_a_two_column_table():
    row = pd.Series(
        {"row": "all decisions", "power": 0.51, "mc_se": 0.0224, "holds": 255, "analytic": np.nan},
        dtype=object,
    )
    html = display.to_html(row)
    assert "dtype" not in html
    assert ">Field</th>" in html and ">Value</th>" in html
    assert cells(html) == [
        *("Row", "all decisions", "Power", "0.51", "Monte Carlo SE", "0.0224", "Holds", "255")
    ]


def test_a_numbered_series_shows_as_a_column():
    html = display.to_html(pd.Series([0.0004, 0.2], name="p_val"))
    assert cells(html) == ["&lt; 0.001", "0.200"]


def test_install_is_a_no_op_outside_ipython():
    before = pd.get_option("display.max_colwidth")
    display.install()
    display.install()
    assert pd.get_option("display.max_colwidth") == before


def test_install_registers_the_formatter_in_an_ipython_shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        with pd.option_context("display.max_colwidth", 50, "display.max_columns", 20):
            display.install()
            display.install()  # idempotent
            assert pd.get_option("display.max_colwidth") is None
            frame = pd.DataFrame({"p_val": [2e-9], "text": ["x" * 300]})
            data, _ = shell.display_formatter.format(frame)
            assert data["text/html"].startswith('<div class="table-scroll"')
            assert "&lt; 0.001" in data["text/html"] and "x" * 300 in data["text/html"]
            data, _ = shell.display_formatter.format(frame.iloc[0])
            assert ">Field</th>" in data["text/html"]
    finally:
        InteractiveShell.clear_instance()


# --- result objects --------------------------------------------------------------------------


def test_summary_is_a_string_shown_as_a_sentence():
    card = pd.DataFrame({"status": ["PASS", "PASS", "FAIL"]})
    text = summary(card)
    assert text == "2 of 3 claims PASS" and isinstance(text, str)
    assert text._repr_html_() == "<p>2 of 3 claims PASS</p>"


def test_benchmark_is_still_a_dict_and_displays_as_a_table():
    bench = konopka2014.benchmark()
    assert isinstance(bench, dict)
    assert json.loads(json.dumps(bench)) == dict(bench)
    assert set(bench) == {"g", "ci_low", "ci_high", "i2", "k"}
    html = bench._repr_html_()
    assert html.startswith('<div class="table-scroll"') and "Grgic" in html
    assert "Grgic" in str(bench) and "CI low: 0.41" in str(bench)


def test_power_table_html_goes_through_the_formatter():
    rows = [
        ["hiit_csa_p", "decision", "p < 0.05", 0.9461, 0.00226, 0.9415, 0.9502, 9461, 0, 1e4, 0.946],
        ["all decisions", "pattern", "every decision", 0.518, 0.005, 0.51, 0.53, 5180, 0, 1e4, None],
    ]  # fmt: skip
    table = PowerTable("estes2017", pd.DataFrame(rows, columns=TABLE_COLUMNS), 10_000, 0)
    html = table._repr_html_()
    assert "table-scroll" in html and ">Monte Carlo SE</th>" in html
    assert ">10,000<" in html and ">9461<" in html
    assert not any(E_NOTATION.search(c) for c in cells(html))
    assert "51.8%" in html


# --- APA strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "text"),
    [
        # the issue's example: df as integers, F with 2 decimals, p below .001, no leading zero
        (
            {"F": 16.07, "DF1": 2.0, "DF2": 27.0, "p_unc": 1e-5, "np2": 0.54},
            "F(2, 27) = 16.07, p < .001, η²p = .54",
        ),
        (
            {"F": 16.07, "DF1": 2.0, "DF2": 27.0, "p_unc": 1e-5, "np2": 0.54,
             "np2_ci90_low": 0.35, "np2_ci90_high": 0.62},
            "F(2, 27) = 16.07, p < .001, η²p = .54, 90% CI [.35, .62]",
        ),
        # GG: ε = .75 turns df 2 and 54 into 1.5 and 40.5, and the p is the corrected one
        (
            {"F": 5.1, "DF1": 2.0, "DF2": 54.0, "p_unc": 0.009, "p_GG_corr": 0.0123,
             "np2": 0.159, "eps": 0.75},
            "F(1.50, 40.5) = 5.10, p = .012, η²p = .16, ε = .75",
        ),
        # two levels: ε = 1, nothing corrected
        (
            {"F": 6.74, "DF1": 1.0, "DF2": 15.0, "p_unc": 0.0201, "p_GG_corr": 0.0201,
             "np2": 0.31, "eps": 1.0},
            "F(1, 15) = 6.74, p = .020, η²p = .31",
        ),
        ({"t": 3.21, "dof": 11, "p_val": 0.008, "d": 0.93}, "t(11) = 3.21, p = .008, d = 0.93"),
        (
            {"t": -2.5, "dof": 17.34, "p_val": 0.0226, "hedges_g": -1.1, "g_ci_low": -2.05,
             "g_ci_high": -0.12},
            "t(17.3) = -2.50, p = .023, g = -1.10, 95% CI [-2.05, -0.12]",
        ),
        ({"t": 1.0, "dof": 9, "p_val": 0.04996, "d_z": 0.3}, "t(9) = 1.00, p = .04996, dz = 0.30"),
        ({"chi2": 7.412, "df": 2, "p_val": 0.0246}, "χ²(2) = 7.41, p = .025"),
        ({"t": float("nan"), "dof": 11, "p_val": float("nan"), "d": float("nan")}, ""),
    ],
)  # fmt: skip
def test_apa_of_known_rows(row, text):
    assert apa(row) == text
    assert apa(pd.Series(row)) == text  # a table's row works the same


def test_apa_of_an_ancova_row_needs_its_error_df():
    row = {"Source": "group", "F": 4.68, "DF": 1, "p_unc": 0.048, "np2": 0.25}
    assert apa(row) == ""
    assert apa(row, df_error=14) == "F(1, 14) = 4.68, p = .048, η²p = .25"


def test_apa_p_rules():
    assert [apa_p(p) for p in (0.3, 0.0005, 0.9996, 0.0495)] == [
        "p = .300",
        "p < .001",
        "p > .999",
        "p = .0495",  # .050 would read as not significant
    ]


def test_apa_refuses_a_row_it_does_not_know():
    with pytest.raises(ValueError, match="fields are slope"):
        apa({"slope": 1.0})


# --- the engine's tables carry their APA strings -----------------------------------------------

F_TEXT = re.compile(
    r"^F\((?P<df1>[\d.]+), (?P<df2>[\d.]+)\) = (?P<f>-?[\d.]+), p (?P<rel>[=<>]) (?P<p>\.\d+)"
    r"(, η²p = (?P<es>-?[\d.]+))?"
)
T_TEXT = re.compile(
    r"^t\((?P<df>[\d.]+)\) = (?P<t>-?[\d.]+), p (?P<rel>[=<>]) (?P<p>\.\d+), "
    r"(?P<name>d|dz|g) = (?P<es>-?[\d.]+)"
)


def agrees(shown: str, value: float) -> bool:
    """A number shown with k decimals is the value rounded to k decimals (".54" is 0.54)."""
    return abs(float(shown) - value) <= 0.5 * 10 ** -decimals_of(shown) + 1e-9


def p_agrees(rel: str, shown: str, p: float) -> bool:
    return p < 0.001 if rel == "<" else agrees(shown, p)


def design(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g, shift in (("a", 0.0), ("b", 0.6), ("c", 1.2)):
        for s in range(6):
            base = rng.normal()
            for t, level in enumerate(("pre", "post", "day3")):
                rows.append((f"{g}{s}", g, level, base + shift * t + rng.normal(0, 0.5 + t)))
    return pd.DataFrame(rows, columns=["subject", "group", "time", "y"])


def test_mixed_anova_table_apa_agrees_with_its_columns():
    table = stats.mixed_anova(design(), dv="y", within="time", between="group")
    assert table.columns[-1] == "apa"
    for _, row in table.iterrows():
        found = F_TEXT.match(row["apa"])
        assert found, row["apa"]
        eps = row["eps"] if row["Source"] != "group" else 1.0
        p = row["p_GG_corr"] if eps < 1 else row["p_unc"]
        assert agrees(found["df1"], row["DF1"] * eps) and agrees(found["df2"], row["DF2"] * eps)
        assert agrees(found["f"], row["F"]) and p_agrees(found["rel"], found["p"], p)
        assert agrees(found["es"], row["np2"])
    assert (table.loc[table["Source"] != "group", "eps"] < 1).any()  # GG is exercised


def test_batched_anova_table_apa_agrees_with_its_columns():
    wide = design().pivot_table(index="subject", columns="time", values="y", sort=False)
    groups = [s[0] for s in wide.index]
    table = anova.mixed_anova(wide[["pre", "post", "day3"]].to_numpy(), groups).table()
    ours = stats.mixed_anova(design(), dv="y", within="time", between="group")
    # the same design through both engines: the same strings, without the CI
    without_ci = [re.sub(r", 90% CI \[[^]]*\]", "", a) for a in ours["apa"]]
    assert without_ci == table["apa"].tolist()


def test_ancova_table_apa_uses_the_residual_df():
    rng = np.random.default_rng(5)
    pre = rng.normal(10, 2, 16)
    data = pd.DataFrame(
        {"pre": pre, "post": pre + rng.normal(1, 1, 16), "g": ["a"] * 8 + ["b"] * 8}
    )
    table = stats.ancova(data, dv="post", covar="pre", between="g")
    residual_df = table.loc[table["Source"] == "Residual", "DF"].iloc[0]
    assert residual_df == 16 - 2 - 1
    for _, row in table[table["Source"] != "Residual"].iterrows():
        found = F_TEXT.match(row["apa"])
        assert found and found["df2"] == str(residual_df) and found["df1"] == str(row["DF"])
        assert agrees(found["f"], row["F"]) and p_agrees(found["rel"], found["p"], row["p_unc"])
    assert table.loc[table["Source"] == "Residual", "apa"].iloc[0] == ""


@pytest.mark.parametrize(
    ("result", "effect"),
    [
        (lambda x, y: stats.one_sample_ttest(y - x), "d"),
        (lambda x, y: stats.paired_ttest(x, y), "d_z"),
        (lambda x, y: stats.welch_ttest(y, x), "hedges_g"),
    ],
)
def test_t_test_apa_agrees_with_its_fields(result, effect):
    rng = np.random.default_rng(11)
    x = rng.normal(10, 2, 12)
    y = x + rng.normal(1.5, 2, 12)
    res = result(x, y)
    assert list(res)[-1] == "apa"
    found = T_TEXT.match(res["apa"])
    assert found, res["apa"]
    assert agrees(found["t"], res["t"]) and agrees(found["df"], res["dof"])
    assert p_agrees(found["rel"], found["p"], res["p_val"]) and agrees(found["es"], res[effect])
    assert ("." in found["df"]) == (effect == "hedges_g")  # only Welch's df are fractional


def test_a_test_that_cannot_run_has_an_empty_apa_string():
    assert stats.one_sample_ttest(np.array([1.0]))["apa"] == ""
    assert stats.welch_ttest(np.array([1.0, 1.0]), np.array([2.0, 2.0]))["apa"] == ""


def test_e_notation_is_absent_from_apa_strings():
    tiny = {"F": 1e7, "DF1": 1.0, "DF2": 10.0, "p_unc": 1e-300, "np2": 0.9999999}
    assert not E_NOTATION.search(apa(tiny))
    assert math.isfinite(float(F_TEXT.match(apa(tiny))["f"]))


def test_a_table_with_repeated_labels_is_still_shown():
    # pandas sets cell classes only for unique labels: such a table is shown without them
    df = pd.DataFrame(
        [[0.00012, 12.5, "a"], [0.5, 13.25, "b"]], columns=["p_val", "csa_cm2", "csa_cm2"]
    )
    page = display.to_html(df.set_axis([0, 0]))
    assert "&lt; 0.001" in page and ">0.500<" in page
    assert ' num"' not in page
    assert ' num"' in display.to_html(df.iloc[:, :2])
