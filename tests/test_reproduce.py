"""`make reproduce`: the report, its determinism, its atomicity, and a real browser."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis import reproduce as rp
from analysis.claims import load_claims
from analysis.studies import STUDIES


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_reproduce(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", "reproduce", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "reports"
    result = run_reproduce("--seed", 0, "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def test_report_has_every_part(report):
    out, result = report
    for folder in ("data", "tables", "figures", "notebooks"):
        assert any((out / folder).iterdir()), folder
    for study in STUDIES:
        assert (out / "data" / f"{study}.csv").exists()
        assert (out / "tables" / f"{study}_scorecard.csv").exists()
    notebooks = sorted(p.stem for p in rp.notebooks())
    assert sorted(p.stem for p in (out / "notebooks").glob("*.html")) == notebooks
    assert sorted(p.stem for p in (out / "notebooks").glob("*.ipynb")) == notebooks
    assert len(list((out / "figures").glob("*.svg"))) == len(list((out / "figures").glob("*.png")))
    # progress names each notebook and its time
    for stem in notebooks:
        assert f"{stem}.ipynb done in" in result.stderr


def test_index_shows_every_claim_and_every_scorecard(report):
    out, _ = report
    page = (out / "index.html").read_text()
    assert "simulated" in page
    claims = load_claims()
    for text in claims["text"]:
        assert text.replace("&", "&amp;")[:40] in page
    assert page.count('<td class="supported">') + page.count(
        '<td class="rests-on-assumptions">'
    ) + page.count('<td class="not-testable">') + page.count(
        '<td class="partly-supported">'
    ) + page.count('<td class="not-supported">') == len(claims)
    for study in STUDIES:
        assert f'id="scorecard-{study}"' in page
    assert "FAIL</td>" not in page
    # claim 5 is decided by the dose analysis (notebook 03, meta-analysis tables)
    assert 'href="tables/konopka2014_meta_pooled.csv"' in page
    assert 'href="notebooks/03_dose_and_intensity.html"' in page


def test_executed_notebooks_received_the_seed(report):
    out, _ = report
    for path in (out / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and "seed = 0" in injected[0].source


def test_manifest_has_seed_commit_versions_and_every_checksum(report):
    out, _ = report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0
    assert manifest["python"].startswith("3.")
    assert {"pandas", "numpy", "pingouin", "scipy"} <= {k.lower() for k in manifest["packages"]}
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == written
    for name, digest in manifest["files"].items():
        assert sha(out / name) == digest


def test_same_seed_same_bytes_and_another_seed_other_data(report, tmp_path):
    out, _ = report
    rp.build_study_outputs(0, tmp_path / "again")
    rp.build_study_outputs(1, tmp_path / "other")
    again = {
        p.relative_to(tmp_path / "again"): p
        for p in (tmp_path / "again").rglob("*")
        if p.suffix in {".csv", ".svg"}
    }
    assert again
    for rel, path in again.items():
        assert sha(path) == sha(out / rel), f"{rel} differs between two runs with seed 0"
    for study in STUDIES:
        assert sha(tmp_path / "other" / "data" / f"{study}.csv") != sha(
            out / "data" / f"{study}.csv"
        )


def test_a_broken_notebook_fails_names_itself_and_keeps_the_old_report(tmp_path):
    scratch = tmp_path / "notebooks"
    scratch.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, scratch / "09_broken.ipynb")
    old = tmp_path / "reports"
    old.mkdir()
    (old / "index.html").write_text("the previous report")
    result = run_reproduce("--notebooks", scratch, "--out", old)
    assert result.returncode != 0
    assert "09_broken.ipynb" in result.stderr and "cell 3" in result.stderr
    assert "broken on purpose" in result.stderr
    assert [p.name for p in old.iterdir()] == ["index.html"]
    assert (old / "index.html").read_text() == "the previous report"
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".reports-")]
    assert leftovers == []


def test_a_scorecard_fail_stops_the_build_and_names_the_row(tmp_path, monkeypatch, capsys):
    from analysis.studies import estes2017

    original = estes2017.replicate
    monkeypatch.setattr(
        estes2017,
        "replicate",
        lambda seed=0, dispersion="sem": original(
            seed, dispersion, control_csa_pct_change_mean=10.0
        ),
    )
    old = tmp_path / "reports"
    old.mkdir()
    (old / "keep.txt").write_text("old")
    assert rp.reproduce(seed=0, out=old) == 1
    assert "control_csa_p" in capsys.readouterr().err
    assert (old / "keep.txt").read_text() == "old"


def test_only_picks_one_notebook_and_rejects_an_unknown_name():
    assert [p.stem for p in rp.notebooks("02_distance_muscle_damage")] == [
        "02_distance_muscle_damage"
    ]
    result = run_reproduce("--only", "99_nothing")
    assert result.returncode == 2 and "no such notebook" in result.stderr


def _browser():
    chromium = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    message = (
        "the browser test needs Chromium and ChromeDriver; on Debian or Ubuntu: "
        "sudo apt-get install -y chromium chromium-driver"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


@pytest.mark.browser
def test_index_opens_in_headless_chromium_with_images_links_and_no_errors(report, tmp_path):
    chromium, chromedriver = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    out, _ = report
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        driver.get((out / "index.html").as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.getAttribute('src'),"
            " i.complete && i.naturalWidth > 0]);"
        )
        links = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href]'))"
            ".map(a => a.getAttribute('href'));"
        )
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        driver.quit()
    assert len(images) == len(list((out / "figures").glob("*.png")))
    assert all(ok for _, ok in images), [src for src, ok in images if not ok]
    assert links
    for href in links:
        assert not href.startswith(("http:", "https:", "//")), f"external link {href}"
        target = href.split("#")[0]
        if target:
            assert (out / target).is_file(), f"broken link {href}"
    assert errors == []
