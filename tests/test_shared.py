"""A replication computed once per build and shared with its notebooks
(``analysis/dataio/shared.py``): the copy a notebook loads is the replication it would have
computed, nothing is shared outside a build, and whoever comes second (the build or a
notebook) waits for the first instead of computing it again; the build polls its notebooks as
it waits."""

import json
import pickle
import subprocess
import sys
import textwrap

import nbformat
import pandas as pd
import pytest
from test_reproduce_safety import notebook

from analysis.dataio import shared
from analysis.engine.tables import Tables, with_notes
from analysis.studies import estes2017, ryu2016

pytestmark = pytest.mark.skipif(shared.fcntl is None, reason="shared only where fcntl is")


def counted(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def same_replication(a, b):
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.scorecard, b.scorecard)
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.tables.notes == b.tables.notes
    assert (a.study, a.seed, a.assumptions) == (b.study, b.seed, b.assumptions)


def test_outside_a_build_nothing_is_shared_or_stored(tmp_path, monkeypatch):
    monkeypatch.delenv(shared.SHARED_RESULTS, raising=False)
    compute, calls = counted(1)
    assert shared.once("k", compute) == 1 and shared.once("k", compute) == 1
    assert len(calls) == 2


def test_the_build_computes_once_and_a_second_process_loads_it(tmp_path, monkeypatch):
    with shared.sharing(tmp_path):
        compute, calls = counted({"x": 1})
        assert shared.once("k", compute) == {"x": 1}
    # a kernel of the same build: the environment names the folder
    monkeypatch.setenv(shared.SHARED_RESULTS, str(tmp_path))
    again, calls_again = counted({"x": 2})
    assert shared.once("k", again) == {"x": 1}
    assert (len(calls), len(calls_again)) == (1, 0)


@pytest.mark.parametrize("study", [estes2017, ryu2016], ids=lambda s: s.NAME)
def test_a_loaded_replication_is_the_one_computed(tmp_path, monkeypatch, study):
    with shared.sharing(tmp_path):
        built = study.replicate(seed=3)
    assert (tmp_path / f"{study.NAME}-replicate-seed3.pickle").exists()
    monkeypatch.setenv(shared.SHARED_RESULTS, str(tmp_path))
    loaded = study.replicate(seed=3)
    assert loaded is not built
    same_replication(loaded, built)
    monkeypatch.delenv(shared.SHARED_RESULTS)
    same_replication(loaded, study.replicate(seed=3))  # and what a notebook alone computes


def test_the_build_looks_after_its_notebooks_between_the_tables_it_computes(tmp_path):
    polls = []
    with shared.sharing(tmp_path, between=lambda: polls.append(1)):
        rep = estes2017.replicate(seed=2)
    assert len(polls) == len(rep.tables) > 5


def test_two_notebooks_of_a_build_share_the_default_power_table(tmp_path, monkeypatch):
    from analysis.checks import power

    monkeypatch.setenv(shared.SHARED_RESULTS, str(tmp_path))
    first = power.power(ryu2016, reps=500, seed=4)
    assert [p.name for p in tmp_path.glob("*.pickle")] == ["power-ryu2016-reps500-seed4.pickle"]
    second = power.power(ryu2016, reps=500, seed=4, threads=2)  # how it runs: same table
    assert second is not first
    pd.testing.assert_frame_equal(second.table, first.table)
    assert second._repr_html_() == first._repr_html_()
    # anything that changes the numbers is computed, not shared
    power.power(ryu2016, reps=500, seed=4, n=12)
    power.power(estes2017, reps=500, seed=4, dispersion="sd")
    power.power(ryu2016, reps=500, seed=4, ck_fold_post_10km=1.3)
    assert len(list(tmp_path.glob("*.pickle"))) == 1


def test_only_the_default_replication_is_shared(tmp_path):
    with shared.sharing(tmp_path):
        estes2017.replicate(seed=1, dispersion="sd")
        estes2017.replicate(seed=1, control_csa_pct_change_mean=3.0)
        ryu2016.replicate(seed=1, ck_fold_post_10km=1.3)
    assert not list(tmp_path.glob("*.pickle"))


def test_a_damaged_store_is_recomputed(tmp_path):
    (tmp_path / "k.pickle").write_bytes(b"not a pickle")
    with shared.sharing(tmp_path):
        compute, calls = counted(5)
        assert shared.once("k", compute) == 5
    assert calls == [1]
    assert pickle.loads((tmp_path / "k.pickle").read_bytes()) == 5


HOLD = textwrap.dedent(
    """
    import fcntl, os, pickle, sys, time
    folder = sys.argv[1]
    lock = os.open(os.path.join(folder, "k.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(2)
    with open(os.path.join(folder, "k.pickle"), "wb") as f:
        pickle.dump("from the other process", f)
    """
)


def hold_the_lock(folder):
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert other.stdout.readline().strip() == "locked"
    return other


def test_the_build_waits_for_a_notebook_computing_it_and_polls_meanwhile(tmp_path):
    # the other process holds the lock for 2 s, then leaves its result: the build loads it
    # (computing it again would cost a second core the whole computation), looking after
    # its notebooks all the while
    other = hold_the_lock(tmp_path)
    polls = []
    compute, calls = counted("computed here")
    try:
        with shared.sharing(tmp_path, between=lambda: polls.append(1)):
            assert shared.once("k", compute) == "from the other process"
        assert calls == []
        assert len(polls) > 10  # polled throughout, not blocked
    finally:
        other.wait(10)


def test_the_build_computes_what_a_dead_notebook_left_undone(tmp_path):
    # a kernel that dies holding the lock releases it: the build then computes the result
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD.replace("time.sleep(2)", "os._exit(1)"), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout.readline().strip() == "locked"
    with shared.sharing(tmp_path):
        assert shared.once("k", lambda: "computed here") == "computed here"
    assert other.wait(10) == 1


def test_a_notebook_waits_for_the_build_computing_it(tmp_path, monkeypatch):
    other = hold_the_lock(tmp_path)
    monkeypatch.setenv(shared.SHARED_RESULTS, str(tmp_path))
    try:
        assert shared.once("k", lambda: "computed here") == "from the other process"
    finally:
        other.wait(10)


def test_pickled_tables_are_computed_whole_with_their_notes():
    calls = []

    def table():
        calls.append(1)
        return with_notes(pd.DataFrame({"x": [1.0]}), ["a of x: left out S1 (no post value)"])

    tables = Tables({"a": table, "b": lambda: pd.DataFrame({"y": [2]})})
    copy = pickle.loads(pickle.dumps(tables))
    assert list(copy) == ["a", "b"] and copy.notes == tables.notes
    pd.testing.assert_frame_equal(copy["a"], tables["a"])
    assert calls == [1]


RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from analysis.build import reproduce as rp
    runner = rp.NotebookRunner(
        sorted(Path(sys.argv[1]).glob("*.ipynb")), Path(sys.argv[2]), 0, 1,
        shared_results=Path(sys.argv[3]),
    )
    try:
        runner.wait()
    finally:
        runner.stop()
    """
)


def test_the_build_hands_its_folder_to_the_notebooks_kernels(tmp_path):
    folder, store = tmp_path / "notebooks", tmp_path / "shared"
    store.mkdir()
    (store / "k.pickle").write_bytes(pickle.dumps("from the build"))
    source = (
        "import json\nfrom analysis.dataio import shared\n"
        "print(json.dumps(shared.once('k', lambda: 'computed in the kernel')))"
    )
    notebook(folder / "01_uses.ipynb", source)
    run = subprocess.run(
        [sys.executable, "-c", RUN, str(folder), str(tmp_path / "out"), str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    cell = nbformat.read(tmp_path / "out" / "01_uses.ipynb", as_version=4).cells[-1]
    printed = "".join(o["text"] for o in cell.outputs if o.get("name") == "stdout")
    assert json.loads(printed) == "from the build"
