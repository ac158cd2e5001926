"""The published-targets tables: every number has a kind and a source."""

import pandas as pd
import pytest

from analysis.dataio.targets import COLUMNS, DATA_DIR, KINDS, load_targets
from analysis.errors import InputError

STUDY_TABLES = sorted(
    p.stem
    for p in DATA_DIR.glob("*.csv")
    if p.stem != "article_claims" and p.stem != "aerobic_hypertrophy"
)


@pytest.mark.parametrize("study", STUDY_TABLES)
def test_every_row_has_a_kind_and_a_source(study):
    table = load_targets(study).table
    # a table may add columns of its own (concurrent_training: the meta-analytic fields)
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert table["kind"].isin(KINDS).all()
    assert table["source"].notna().all()
    assert table["id"].is_unique


@pytest.mark.parametrize("study", STUDY_TABLES)
def test_assumptions_say_they_are_assumed(study):
    table = load_targets(study).table
    assumed = table[table["kind"] == "assumed"]
    assert assumed["source"].str.lower().str.contains("assum").all(), (
        "an assumed number's source must say it is an assumption"
    )


def test_a_broken_table_is_reported_with_file_row_and_column(tmp_path):
    table = pd.read_csv(DATA_DIR / "estes2017.csv")
    table.loc[2, "kind"] = "guessed"
    path = tmp_path / "broken.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError, match=r'broken.csv, line 4 \(data row 3\), column "kind"'):
        load_targets("estes2017", path)


def test_changing_a_published_number_moves_the_simulation(tmp_path, monkeypatch):
    # the CSV is the single source of truth: edit it and the simulated data follow
    import analysis.dataio.targets as targets
    from analysis.studies import estes2017

    table = pd.read_csv(DATA_DIR / "estes2017.csv")
    table.loc[table["id"] == "hiit_csa_pct_change", "value"] = 12.3
    (tmp_path / "estes2017.csv").write_text(table.to_csv(index=False))
    monkeypatch.setattr(targets, "DATA_DIR", tmp_path)
    monkeypatch.setattr(
        estes2017, "load_targets", lambda s: targets.load_targets(s, tmp_path / f"{s}.csv")
    )
    rep = estes2017.replicate(seed=0)
    card = rep.scorecard.set_index("claim_id")
    assert card.loc["hiit_csa_pct_change", "reproduced"] == pytest.approx(12.3)
    assert rep.passed


def test_an_edited_allowed_cell_is_read_anew(tmp_path):
    # allowed values are parsed once per table as loaded (Targets.allowed): a file edited on
    # disk is a new table, whose rule applies at once, also in the same process
    path = tmp_path / "estes2017.csv"
    table = pd.read_csv(DATA_DIR / "estes2017.csv", dtype={"allowed": str})
    path.write_text(table.to_csv(index=False))
    first = load_targets("estes2017", path)
    assert first.with_overrides(control_csa_pct_change_sd=20).value("control_csa_pct_change_sd")
    row = table["id"] == "control_csa_pct_change_sd"
    table.loc[row, "allowed"] = ">=0 <=10; a test's narrower range"
    path.write_text(table.to_csv(index=False) + "\n")  # another size: read again
    with pytest.raises(InputError, match="narrower range"):
        load_targets("estes2017", path).with_overrides(control_csa_pct_change_sd=20)
    # the table loaded before keeps its own rule
    assert first.with_overrides(control_csa_pct_change_sd=20).value("control_csa_pct_change_sd")


@pytest.mark.parametrize(
    ("keep", "saved_as", "named"),
    [
        (None, {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}, "semicolons"),  # Excel, de
        (None, {"sep": "\t"}, "tabs"),
        (["id", "value"], {"sep": ";"}, "semicolons"),  # reads as one column, no parser error
    ],
)
def test_a_table_saved_with_another_separator_is_named_with_the_fix(
    tmp_path, keep, saved_as, named
):
    table = pd.read_csv(DATA_DIR / "estes2017.csv", comment="#", dtype=str)
    path = tmp_path / "spreadsheet.csv"
    (table if keep is None else table[keep]).to_csv(path, index=False, **saved_as)
    with pytest.raises(InputError) as error:
        load_targets("estes2017", path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert f"separated by {named}; a targets table is separated by commas" in message
    assert "\n" not in message


def test_a_comma_separated_table_with_a_byte_order_mark_reads_as_it_is(tmp_path):
    path = tmp_path / "estes2017.csv"
    table = pd.read_csv(DATA_DIR / "estes2017.csv", comment="#")
    table.to_csv(path, index=False, encoding="utf-8-sig")
    loaded = load_targets("estes2017", path).table
    pd.testing.assert_frame_equal(loaded[COLUMNS], load_targets("estes2017").table[COLUMNS])
