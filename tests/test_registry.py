"""One registry of studies, one protocol (issue 10): what every study has, and the layout."""

import ast
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.studies import NAMES, all_studies, get_study, is_simulated, simulated_names
from analysis.studies.base import Replication, Results, SimulatedStudy, Study

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_study_satisfies_the_protocol(name):
    study = get_study(name)
    assert isinstance(study, Study)
    assert study.NAME == name
    assert (ROOT / "notebooks" / f"{study.NOTEBOOK}.ipynb").is_file()
    # one targets table per study (the concurrent table is named after its subject)
    tables = {p.stem for p in (ROOT / "data" / "published").glob("*.csv")}
    assert name in tables or getattr(study, "TABLE", None) is not None


def test_every_study_module_is_registered_and_every_notebook_belongs_to_one():
    modules = {
        p.stem
        for p in (PACKAGE / "studies").glob("*.py")
        if p.stem not in {"__init__", "base", "verdicts"} and not p.stem.startswith("_")
    }
    assert modules == set(NAMES)
    synthesis = {"04_how_solid"}  # notebooks across studies, not of one
    stems = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} - synthesis
    assert stems == {study.NOTEBOOK for study in all_studies()}


def test_simulated_studies_are_exactly_those_with_the_simulation_api():
    assert simulated_names() == ["estes2017", "ryu2016"]
    for study in all_studies():
        has_api = all(
            callable(getattr(study, f, None))
            for f in ("simulate", "analyze", "replicate", "key_statistics")
        )
        assert isinstance(study, SimulatedStudy) == has_api == is_simulated(study.NAME)


@pytest.mark.parametrize("name", NAMES)
def test_results_figures_and_verdicts_follow_the_protocol(name):
    study = get_study(name)
    results = study.results(seed=0)
    assert isinstance(results, Results) and results.study == name
    assert results.tables and all(len(t.columns) for t in results.tables.values())
    if is_simulated(name):
        assert isinstance(results, Replication) and results.passed
        assert len(results.scorecard) and results.data is not None
    else:
        assert results.data is None and results.scorecard.empty
    figures = study.figures(results)
    assert figures and all(stem.startswith(f"{name}_") for stem in figures)
    verdicts = study.claim_verdicts(results)
    assert len(verdicts) and set(verdicts["study"]) == {name}


def test_studies_command_lists_every_study_and_what_applies(capsys):
    assert main(["studies"]) == 0
    out = capsys.readouterr().out
    for study in all_studies():
        line = next(line for line in out.splitlines() if line.startswith(study.NAME + " "))
        assert study.NOTEBOOK in line and study.TITLE in line
        assert ("simulate, replicate, analyze" in line) == is_simulated(study.NAME)


@pytest.mark.parametrize("command", ["replicate", "simulate"])
@pytest.mark.parametrize("name", ["konopka2014", "concurrent"])
def test_simulation_commands_refuse_a_study_of_published_numbers(name, command, capsys, tmp_path):
    args = [command, name] + (["--out", str(tmp_path / "x.csv")] if command == "simulate" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "published numbers only" in err and "estes2017, ryu2016" in err
    assert not (tmp_path / "x.csv").exists()


def _imports(path: Path) -> set[str]:
    """The analysis subpackages a module imports (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            parts = (*base, *(node.module or "").split(".")) if node.module else base
            found.add(".".join(parts[1:2]) or ".".join(a.name for a in node.names))
    return found


# Each layer may import the ones below it only: data flows up from the engine to the build.
LAYERS = {"engine": 0, "dataio": 0, "studies": 1, "checks": 2, "build": 3}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_only_downwards(layer):
    for path in (PACKAGE / layer).glob("*.py"):
        for imported in _imports(path):
            if imported in LAYERS and imported != layer:
                assert LAYERS[imported] < LAYERS[layer] or LAYERS[imported] == 0 == LAYERS[layer], (
                    f"{path.relative_to(ROOT)} imports analysis.{imported}"
                )
