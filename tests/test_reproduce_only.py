"""``reproduce --only NOTEBOOK`` builds only what that notebook needs."""

import subprocess
import sys

import pandas as pd

from analysis.build import reproduce as rp
from analysis.build.claims import NOT_BUILT


def test_only_the_dose_notebook_builds_only_the_dose_study(tmp_path):
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "reproduce", "--only", "03_dose_and_intensity"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        cwd=rp.ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # no other study was simulated, analysed or drawn
    for other in ("estes2017", "ryu2016", "concurrent"):
        assert f"{other}:" not in result.stderr
        assert not list((out / "tables").glob(f"{other}_*")), other
        assert not list((out / "figures").glob(f"{other}_*")), other
    assert not (out / "data").exists()  # konopka2014 simulates nothing
    assert list((out / "tables").glob("konopka2014_*.csv"))
    assert [p.name for p in (out / "notebooks").glob("*.ipynb")] == ["03_dose_and_intensity.ipynb"]
    claims = pd.read_csv(out / "tables" / "article_claims.csv").set_index("claim")
    assert (claims.loc[[1, 2, 3, 4, 6], "verdict"] == NOT_BUILT).all()
    assert claims.loc[5, "verdict"] != NOT_BUILT
    # the kernel talks over IPC: no warning about unencrypted TCP in the log
    assert "without encryption" not in result.stderr


def test_the_studies_a_notebook_needs():
    assert rp.studies_for(None) == ["estes2017", "ryu2016", "konopka2014", "concurrent"]
    chosen = rp.notebooks("01_hiit_quadriceps")
    assert rp.studies_for(chosen) == ["estes2017"]
    assert rp.studies_for(rp.notebooks("04_how_solid")) == []
