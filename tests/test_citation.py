"""What research software is expected to carry: a licence, a citation file, a changelog."""

import json
import re
from pathlib import Path

import jsonschema  # installed with nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The Citation File Format 1.2.0 schema, copied unchanged from the citation-file-format
# repository (schema.json; CC BY 4.0, (c) the Citation File Format authors) so that the check
# runs offline.
SCHEMA = Path(__file__).with_name("data") / "citation-cff-1.2.0.schema.json"


def test_citation_cff_is_valid_cff_1_2_0_and_matches_the_package():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(citation, schema, format_checker=jsonschema.FormatChecker())
    pyproject = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    assert citation["version"] == version
    assert citation["license"] == "MIT"
    # the three studies the project replicates are cited
    cited = " ".join(ref["title"] for ref in citation["references"])
    for words in ("Vastus Lateralis", "running distances", "aerobic exercise training"):
        assert words in cited


def test_an_invalid_citation_file_is_caught():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    del citation["authors"]
    schema = json.loads(SCHEMA.read_text())
    try:
        jsonschema.validate(citation, schema)
    except jsonschema.ValidationError as exc:
        assert "authors" in str(exc)
    else:
        raise AssertionError("a citation file without authors passed the schema")


def test_the_licence_is_the_mit_text_pyproject_names():
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text


def test_the_changelog_names_the_current_version():
    pyproject = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()
