"""The project's own files: dependencies in step, honesty in the README, nothing generated."""

import subprocess
import tomllib

import pytest
import yaml
from conftest import ROOT
from packaging.requirements import Requirement


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in reqs}


def environment_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python", "pip")):
            req = Requirement(dep)
            out[req.name.lower()] = str(req.specifier)
    return out


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_every_dependency_is_pinned_in_the_constraints_file():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    for name, spec in pyproject_requirements().items():
        assert name in pins, f"{name} is not pinned in requirements/constraints.txt"
        assert Requirement(f"{name}{spec}").specifier.contains(pins[name]), (
            f"the pin {name}=={pins[name]} does not satisfy pyproject's {spec}"
        )


def test_readme_says_the_data_are_simulated():
    text = (ROOT / "README.md").read_text().lower()
    assert "simulated" in text and "published summar" in text
    for word in ("published", "inferred", "assumed", "make reproduce", "make test"):
        assert word in text


def test_nothing_generated_is_committed():
    try:
        files = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    generated = [
        f
        for f in files
        if f.startswith(("reports/", ".venv/", "data/generated/"))
        or f.endswith((".png", ".svg", ".pyc"))
    ]
    assert generated == []
