"""`make reproduce`: the report, its determinism, its atomicity, and a real browser."""

import contextlib
import ctypes
import gc
import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.build import reproduce as rp
from analysis.build.claims import load_claims
from analysis.dataio.io import write_csv
from analysis.engine.consistency import consistency_table
from analysis.studies import NAMES, simulated_names

SIMULATED = simulated_names()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_reproduce(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", "reproduce", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
    )


def fake_report(folder: Path, files: dict[str, str], **manifest) -> Path:
    """A folder that looks like a previous report: ``files`` and a manifest listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    listed = {name: sha(folder / name) for name in files}
    content = {"generator": rp.GENERATOR, "seed": 0, "files": listed, **manifest}
    (folder / "manifest.json").write_text(json.dumps(content))
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    # --out names a previous report (one file and its manifest): it must be replaced whole
    out = fake_report(tmp_path_factory.mktemp("full") / "reports", {"old.txt": "previous"})
    result = run_reproduce("--seed", 0, "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def test_report_has_every_part(report):
    out, result = report
    for folder in ("data", "tables", "figures", "notebooks"):
        assert any((out / folder).iterdir()), folder
    for study in SIMULATED:
        assert (out / "data" / f"{study}.csv").exists()
        assert (out / "tables" / f"{study}_scorecard.csv").exists()
    # every registered study writes its tables and figures; only simulated ones write data
    for study in NAMES:
        assert list((out / "tables").glob(f"{study}_*.csv")), study
        assert list((out / "figures").glob(f"{study}_*.svg")), study
    assert sorted(p.stem for p in (out / "data").glob("*.csv")) == sorted(SIMULATED)
    # the results the build shared between its processes are not part of it
    assert not list(out.glob(".shared-*")) and not list(out.rglob("*.pickle"))
    notebooks = sorted(p.stem for p in rp.notebooks())
    assert sorted(p.stem for p in (out / "notebooks").glob("*.html")) == notebooks
    assert sorted(p.stem for p in (out / "notebooks").glob("*.ipynb")) == notebooks
    assert len(list((out / "figures").glob("*.svg"))) == len(list((out / "figures").glob("*.png")))
    # progress names each notebook and its time
    for stem in notebooks:
        assert f"{stem}.ipynb done in" in result.stderr


def test_index_shows_every_claim_and_every_scorecard(report, tmp_path):
    out, _ = report
    page = (out / "index.html").read_text()
    assert "simulated" in page
    claims = pd.read_csv(out / "tables" / "article_claims.csv")
    # the first screen answers the question from the claims table, before the table
    answer = page[page.index('id="answer"') : page.index('id="claims"')]
    assert f"is {claims.loc[0, 'verdict']} here, graded {claims.loc[0, 'grade']}" in answer
    for text in load_claims()["text"]:
        assert text.replace("&", "&amp;")[:40] in page
    verdict_classes = ("supported", "partly-supported", "not-supported", "contested")
    verdict_classes += ("rests-on-assumptions", "not-testable")
    assert sum(page.count(f'<td class="verdict {c}"') for c in verdict_classes) == len(claims)
    # each verdict shows its evidence grade, with the legend under the table
    assert '<th scope="col">Grade</th>' in page and "Grade: published = " in page
    for grade in ("assumption-driven", "reconstructed", "published"):
        assert re.search(f'<td class="grade"[^>]*>{grade}</td>', page), grade
    # no raw column names as headers anywhere on the page
    assert not re.findall(r"<th[^>]*>\s*[a-z]+_[a-z_]+\s*</th>", page)
    # the consistency of the published numbers, linked from the page; claims decided from
    # published numbers alone say so instead of leaving the probability blank
    written = (out / "tables" / "consistency.csv").read_text()
    assert written == write_csv(consistency_table(), tmp_path / "consistency.csv").read_text()
    assert 'href="tables/consistency.csv"' in page and 'href="notebooks/04_how_solid.html"' in page
    assert page.count("not simulated</span>") == claims["probability"].isna().sum() > 0
    for study in SIMULATED:
        assert f'<details class="scorecard" id="scorecard-{study}">' in page
    # only the popular article's own statements may fail (a finding about the article; the
    # paper's rows must all pass, or the build stops)
    cards = pd.concat(pd.read_csv(out / "tables" / f"{s}_scorecard.csv") for s in SIMULATED)
    failed = cards[cards["status"] == "FAIL"]
    assert (failed["claimed_by"] == "article").all()
    assert page.count(">FAIL</td>") == len(failed)
    # claim 5 is decided by the dose analysis (notebook 03, meta-analysis tables)
    assert 'href="tables/konopka2014_meta_pooled.csv"' in page
    assert 'href="notebooks/03_dose_and_intensity.html"' in page
    # every figure has its caption
    for png in (out / "figures").glob("*.png"):
        assert f'<figure id="figure-{png.stem}">' in page
    assert page.count("<figcaption>") == len(list((out / "figures").glob("*.png")))


def test_executed_notebooks_received_the_seed(report):
    out, _ = report
    for path in (out / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and "seed = 0" in injected[0].source


def test_the_notebooks_figures_are_images_in_the_report(report):
    # a kernel forked from the preload once showed every figure as "<Figure size ...>"
    # text (tests/test_kernels.py checks why); the report must carry the images
    out, _ = report
    for path in (out / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        shown = [o for c in nb.cells for o in c.get("outputs", []) if "data" in o]
        images = [o for o in shown if "image/png" in o["data"]]
        as_text = [o for o in shown if "<Figure size" in str(o["data"].get("text/plain", ""))]
        assert all("image/png" in o["data"] for o in as_text), path.name
        calls = sum("plots.show(" in c.source for c in nb.cells if c.cell_type == "code")
        assert len(images) >= calls, (path.name, len(images), calls)
        html = path.with_suffix(".html").read_text()
        assert html.count("data:image/png;base64,") >= len(images), path.name


def test_each_study_figure_a_notebook_shows_is_the_reports_file_to_the_byte(report):
    # rendered once for the build and its notebooks (analysis/engine/figureset.py): the
    # image under "`stem`: drawn by" is figures/stem.png itself, whoever rendered it
    import base64

    out, _ = report
    files = {p.stem: p.read_bytes() for p in (out / "figures").glob("*.png")}
    shown = {}
    for path in (out / "notebooks").glob("*.ipynb"):
        outputs = [o for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", [])]
        for label, image in zip(outputs, outputs[1:], strict=False):
            text = label.get("data", {}).get("text/markdown", "")
            if ": drawn by" in text and "image/png" in image.get("data", {}):
                shown[text.split("`")[1]] = base64.b64decode(image["data"]["image/png"])
    assert set(files) <= set(shown)  # every study figure is shown in a notebook
    assert all(shown[stem] == files[stem] for stem in files)


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
    # what the next build orders its work by (the slowest first)
    assert set(manifest["study_seconds"]) == set(NAMES)
    assert set(manifest["notebook_seconds"]) == {
        p.stem for p in (out / "notebooks").glob("*.ipynb")
    }


def test_the_manifest_lists_every_installed_package_with_its_version(tmp_path):
    import importlib.metadata

    from analysis.build import report as build_report

    (tmp_path / "a.txt").write_text("a")
    packages = build_report.build_manifest(tmp_path, seed=0, root=tmp_path, previous=None)[
        "packages"
    ]
    for name in ("numpy", "pandas", "matplotlib", "nbconvert"):
        assert packages[name] == importlib.metadata.version(name)
    installed = {d.metadata["Name"] for d in importlib.metadata.distributions()} - {None}
    assert set(packages) == installed
    assert list(packages) == sorted(packages, key=str.lower)


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
    for study in SIMULATED:
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
    old = fake_report(tmp_path / "reports", {"index.html": "the previous report"})
    before = snapshot(tmp_path)
    result = run_reproduce("--notebooks", scratch, "--out", old)
    assert result.returncode == 1
    assert "09_broken.ipynb" in result.stderr and "cell 3" in result.stderr
    assert "broken on purpose" in result.stderr
    assert "retrying" not in result.stderr  # an exception in a cell is not worth a retry
    # the old report, the scratch notebook, nothing else: no staging folder, no lock file
    assert snapshot(tmp_path) == before


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
    old = fake_report(tmp_path / "reports", {"keep.txt": "old"})
    before = snapshot(tmp_path)
    assert rp.reproduce(seed=0, out=old) == 1
    assert "control_csa_p" in capsys.readouterr().err
    assert snapshot(tmp_path) == before
    assert gc.get_freeze_count() == 0  # what the build froze is given back, even on failure


def test_only_picks_one_notebook_and_rejects_an_unknown_name():
    assert [p.stem for p in rp.notebooks("02_distance_muscle_damage")] == [
        "02_distance_muscle_damage"
    ]
    result = run_reproduce("--only", "99_nothing")
    assert result.returncode == 2 and "no such notebook" in result.stderr


def test_a_previous_report_is_replaced_whole_with_the_users_permissions(report):
    out, _ = report
    assert not (out / "old.txt").exists()  # the previous report's file went with it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"] == rp.GENERATOR and rp.is_report(manifest)
    # mkdtemp and mkstemp make 0700 folders and 0600 files; the report gets what mkdir and
    # open give under the umask the test runs with (the subprocess inherits it)
    umask = os.umask(0o022)
    os.umask(umask)
    for path in [out, *out.rglob("*")]:
        wanted = (0o777 if path.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(path.stat().st_mode) == wanted, path
    # no staging folder, backup or lock file beside it
    assert [p.name for p in out.parent.iterdir()] == ["reports"]


# --- --out that must not be replaced: refused before any work, nothing created ---------------


def refused(result, *words):
    """Exit 2 with one line on stderr naming the --out and each of ``words``."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --out"), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_out_holding_a_users_file_is_refused_and_left_alone(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    before = snapshot(tmp_path)
    refused(run_reproduce("--out", mine), str(mine), "not a previous report")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content", [{}, {"notes.txt": "mine"}], ids=["empty", "with a file"])
def test_out_dot_is_refused(tmp_path, content):
    for name, text in content.items():
        (tmp_path / name).write_text(text)
    refused(run_reproduce("--out", ".", cwd=tmp_path), "the current folder")
    assert snapshot(tmp_path) == {k: v.encode() for k, v in content.items()}


def test_out_naming_a_file_is_refused(tmp_path):
    target = tmp_path / "results.csv"
    target.write_text("a,b\n1,2\n")
    refused(run_reproduce("--out", target), "is a file, not a folder")
    assert snapshot(tmp_path) == {"results.csv": b"a,b\n1,2\n"}


def test_out_inside_a_file_is_refused(tmp_path):
    (tmp_path / "results.csv").write_text("a\n")
    refused(run_reproduce("--out", tmp_path / "results.csv" / "reports"), "is a file, so no")
    assert snapshot(tmp_path) == {"results.csv": b"a\n"}


@pytest.mark.parametrize("folder", [rp.ROOT, rp.ROOT.parent], ids=["root", "its parent"])
def test_the_project_folder_and_what_holds_it_are_refused(tmp_path, folder):
    refused(run_reproduce("--out", folder, cwd=tmp_path), "the project folder")


@pytest.mark.parametrize("given", ["HOME", "~"])
def test_the_home_folder_is_refused_even_when_empty(tmp_path, given):
    home = tmp_path / "home"
    home.mkdir()  # an empty folder would otherwise be fine to build into
    out = home if given == "HOME" else given
    result = run_reproduce("--out", out, cwd=tmp_path, env={"HOME": str(home)})
    refused(result, "your home folder")
    assert list(home.iterdir()) == []


def test_a_previous_report_holding_a_users_file_is_refused(tmp_path):
    old = fake_report(tmp_path / "reports", {"index.html": "old"})
    (old / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    refused(run_reproduce("--out", old), "also holds files it did not write (notes.txt)")
    assert snapshot(tmp_path) == before


def _drop_root_file_permissions():
    """Run as root without CAP_DAC_OVERRIDE/READ_SEARCH, so folder permissions apply."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_folder_that_cannot_be_written_is_refused_and_nothing_made(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    command = [sys.executable, "-m", "analysis", "reproduce", "--out", str(locked / "a" / "b")]
    try:
        preexec = _drop_root_file_permissions if os.geteuid() == 0 else None
        try:
            result = subprocess.run(command, capture_output=True, text=True, preexec_fn=preexec)
        except subprocess.SubprocessError as exc:
            pytest.skip(f"cannot drop root's file capabilities here: {exc}")
        refused(result, f"cannot write in {locked}")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize(
    "options, message",
    [({"jobs": 0}, "--jobs 0"), ({"seed": -1}, "--seed -1"), ({"execution_timeout": 0}, "1 s")],
)
def test_jobs_seed_and_timeout_are_checked_before_any_work(tmp_path, options, message):
    # the command line checks them too; reproduce() must not rely on it
    with pytest.raises(rp.InputError, match=message):
        rp.reproduce(out=tmp_path / "reports", **options)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_cell_timeout_in_the_environment_is_named(tmp_path):
    result = run_reproduce("--out", tmp_path / "reports", env={rp.TIMEOUT_VARIABLE: "ten minutes"})
    assert result.returncode == 2 and rp.TIMEOUT_VARIABLE in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_build_already_running_into_the_folder_is_refused(tmp_path):
    out = tmp_path / "reports"
    with rp.BuildLock(out):
        result = run_reproduce("--out", out)
    refused(result, f"another reproduce (process {os.getpid()})", "lock file")
    assert list(tmp_path.iterdir()) == []  # the lock is gone with its holder


def test_a_lock_left_by_a_dead_build_is_taken_over(tmp_path):
    stale = tmp_path / ".reports.lock"
    stale.write_text("999999999\n")  # no process holds its flock any more
    with rp.BuildLock(tmp_path / "reports"):
        assert stale.read_text() == f"{os.getpid()}\n"
        with pytest.raises(rp.InputError, match="another reproduce"):
            rp.BuildLock(tmp_path / "reports").__enter__()  # a second taker is refused
    assert not stale.exists()


def test_out_may_be_new_empty_or_a_previous_report_old_style_too(tmp_path):
    assert rp.check_out(tmp_path / "new" / "reports") == tmp_path / "new" / "reports"
    (tmp_path / "empty").mkdir()
    assert rp.check_out(tmp_path / "empty") == tmp_path / "empty"
    old = fake_report(tmp_path / "old", {"data/a.csv": "x\n"}, generator=None)
    with pytest.raises(rp.InputError, match="not a previous report"):
        rp.check_out(old)  # neither the marker nor the keys of a report
    fake_report(old, {"data/a.csv": "x\n"}, generator=None, commit="abc", packages={})
    assert rp.check_out(old) == old  # a report from before the generator marker
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "old"]  # nothing made


def test_a_failed_build_leaves_no_folder_it_made_and_removes_stale_staging(tmp_path):
    stale = tmp_path / ".reports-building-abc123"  # left by a build that was SIGKILLed
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    out = tmp_path / "a" / "b" / "reports"
    with pytest.raises(RuntimeError, match="crash"):
        with rp._build_folder(out, str(out)) as staging:
            assert staging.parent == out.parent and (out.parent / ".reports.lock").exists()
            (staging / "tables").mkdir()
            raise RuntimeError("crash")
    assert [p.name for p in tmp_path.iterdir()] == [".reports-building-abc123"]
    with rp._build_folder(tmp_path / "reports", "reports"):
        assert not stale.exists()  # under the lock no other build can be using it
    assert list(tmp_path.iterdir()) == []


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


@contextlib.contextmanager
def chromium_driver(tmp_path: Path):
    """Headless Chromium through selenium (the system's browser and driver), logging the
    console; skipped without them (failed under ``CI=true``)."""
    chromium, chromedriver = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

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
        yield driver
    finally:
        driver.quit()


# What a widget area shows, for each area of an executed notebook's page: the outputs of the
# cells that call an explorer (zone_explorer, the assumption explorers) and every element the
# widget manager would fill. An area shows something when it has a size and holds text or a
# picture or a table; an ipywidgets view whose manager never loaded (offline) holds neither.
_WIDGET_AREAS = r"""
const cells = Array.from(document.querySelectorAll('.jp-CodeCell')).filter(cell => {
  const input = cell.querySelector('.jp-InputArea-editor');
  return input && /explorer\s*\(/.test(input.textContent);
});
const shows = e => {
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && (e.innerText.trim().length > 0
    || e.querySelector('img, svg, canvas, table') !== null);
};
const areas = [];
cells.forEach((cell, i) => {
  const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output'));
  if (outputs.length === 0) { areas.push(['explorer cell ' + (i + 1) + ' has no output', false]); }
  outputs.forEach(o => areas.push(['explorer cell ' + (i + 1), shows(o)]));
});
document.querySelectorAll('.widget-area, .jupyter-widgets').forEach((e, i) =>
  areas.push(['widget element ' + (i + 1) + ' ' + e.className, shows(e)]));
return [cells.length, areas];
"""


@pytest.mark.browser
def test_index_opens_in_headless_chromium_with_images_links_and_no_errors(report, tmp_path):
    out, _ = report
    pages = sorted((out / "notebooks").glob("*.html"))
    with chromium_driver(tmp_path) as driver:
        # a phone held upright: the page must not scroll sideways (wide tables scroll in
        # their own box)
        driver.set_window_size(420, 900)
        driver.get((out / "index.html").as_uri())
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        inner, scroll = driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth];"
        )
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.getAttribute('src'),"
            " i.complete && i.naturalWidth > 0]);"
        )
        links = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href]'))"
            ".map(a => a.getAttribute('href'));"
        )
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        widgets = {}
        for notebook in pages:
            driver.get(notebook.as_uri())
            widgets[notebook.stem] = driver.execute_script(_WIDGET_AREAS)
    assert inner <= 420 and scroll <= inner, f"the page is {scroll} px wide at {inner} px"
    assert len(images) == len(list((out / "figures").glob("*.png")))
    assert all(ok for _, ok in images), [src for src, ok in images if not ok]
    assert links
    for href in links:
        assert not href.startswith(("http:", "https:", "//")), f"external link {href}"
        target = href.split("#")[0]
        if target:
            assert (out / target).is_file(), f"broken link {href}"
    assert errors == []
    # every widget area of the notebooks' pages shows something, offline; notebook 03's
    # zone explorer is one of them
    assert widgets["03_dose_and_intensity"][0] >= 1
    empty = {stem: [name for name, ok in areas if not ok] for stem, (_, areas) in widgets.items()}
    assert {stem: names for stem, names in empty.items() if names} == {}


def test_the_claims_table_shows_each_claims_probability_over_the_assumptions(report):
    out, _ = report
    claims = pd.read_csv(out / "tables" / "article_claims.csv").set_index("claim")
    for study in SIMULATED:
        ranges = pd.read_csv(out / "tables" / f"{study}_claim_ranges.csv").set_index("claim")
        for claim, row in ranges.iterrows():
            # the range over the settings, widened to hold the headline probability (its own
            # 4,000 draws) when Monte Carlo noise put it outside
            headline = claims.loc[claim, "probability"]
            assert claims.loc[claim, "probability_low"] == min(row["low"], headline)
            assert claims.loc[claim, "probability_high"] == max(row["high"], headline)
            expected = "defaults" if headline < row["low"] else row["low_at"]
            assert claims.loc[claim, "low_at"] == expected
    # claims decided from published numbers only have no range
    assert claims.loc[[5, 6], "probability_low"].isna().all()
    page = (out / "index.html").read_text()
    assert "Probability over the assumptions&#39; ranges</th>" in page
    for claim, row in claims.dropna(subset=["probability_low"]).iterrows():
        shown = f"{100 * row['probability_low']:.0f}–{100 * row['probability_high']:.0f} %"
        assert f"{shown} (lowest at {row['low_at']})" in page, claim


def test_studies_are_built_in_the_order_given_and_the_results_keep_registry_order(tmp_path):
    names = ["konopka2014", "concurrent"]
    results, figures, seconds = rp.build_study_outputs(
        0, tmp_path, studies=names, order=["concurrent", "konopka2014"]
    )
    assert [r.study for r in results] == list(figures) == ["konopka2014", "concurrent"]
    assert list(seconds) == ["concurrent", "konopka2014"]  # the order they were built in


@pytest.mark.parametrize("seed", range(6))
def test_the_build_makes_last_what_the_first_notebooks_make(seed):
    # whatever order the previous report's timings start the notebooks in, the build
    # computes a study before its notebook starts, or after: never the same one at once
    from analysis.studies import all_studies

    stems = [p.stem for p in sorted(rp.NOTEBOOKS.glob("*.ipynb"))]
    random.Random(seed).shuffle(stems)
    order = rp.latest_needed_first(stems)
    assert sorted(order) == sorted(s.NAME for s in all_studies())
    notebook_of = {s.NAME: s.NOTEBOOK for s in all_studies()}
    starts = [stems.index(notebook_of[name]) for name in order]
    assert starts == sorted(starts, reverse=True)


def test_study_outputs_freeze_what_they_keep_only_when_asked(tmp_path):
    assert gc.get_freeze_count() == 0
    rp.build_study_outputs(0, tmp_path / "plain", studies=["concurrent"])
    assert gc.get_freeze_count() == 0
    try:
        rp.build_study_outputs(0, tmp_path / "frozen", studies=["concurrent"], freeze=True)
        assert gc.get_freeze_count() > 10_000  # the libraries and results, out of the walks
    finally:
        gc.unfreeze()
    assert sorted(p.name for p in (tmp_path / "frozen").rglob("*")) == sorted(
        p.name for p in (tmp_path / "plain").rglob("*")
    )


def test_the_slowest_notebooks_of_the_previous_report_start_first(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"notebook_seconds": {"01_a": 3.0, "04_b": 20.5, "02_c": 9, "05_d": "x"}})
    )
    assert rp._slowest_first(tmp_path) == ["04_b", "02_c", "01_a"]
    assert rp._slowest_first(tmp_path / "none") == []  # no previous report: file order


# Issue 12, acceptance 1: what a reader sees in any table of the report or of a notebook page
_E_NOTATION = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as a list of rows of cell texts (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._depth, self._cell = 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif self._depth == 1 and tag == "tr":
            self.tables[-1].append([])
        elif self._depth == 1 and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._depth -= 1
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            if self.tables[-1]:
                self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables_of(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return [rows for rows in parser.tables if rows]


def test_no_table_a_reader_sees_has_e_notation_cut_text_or_an_empty_column(report):
    out, _ = report
    pages = [out / "index.html", *sorted((out / "notebooks").glob("*.html"))]
    seen = 0
    for page in pages:
        for k, rows in enumerate(_tables_of(page.read_text())):
            seen += 1
            where = f"{page.name}, table {k + 1}"
            shown = [cell for row in rows for cell in row]
            assert not [c for c in shown if _E_NOTATION.search(c)], where
            assert not [c for c in shown if c.endswith(("…", "..."))], where
            # a column (by position, below the header row) with no text in any row
            body = [row for row in rows[1:] if len(row) == len(rows[0])]
            if len(body) > 1:
                empty = [rows[0][j] for j in range(len(rows[0])) if not any(r[j] for r in body)]
                assert not empty, f"{where}: all-empty columns {empty}"
    assert seen > 20  # the check looked at the real tables, not at nothing
    # every figure of the report has a caption
    index = (out / "index.html").read_text()
    figures = re.findall(r"<figure\b.*?</figure>", index, flags=re.S)
    assert len(figures) == len(list((out / "figures").glob("*.png")))
    assert all("<figcaption" in f for f in figures)
