"""`reproduce` never hangs, stops cleanly on a signal and leaves no process behind.

Timeouts and retries run the project's own ``run_notebooks`` on scratch notebooks; the signal
tests run the command line on a previous report, with notebooks that sleep so the signal
surely lands while kernels run. The stress test (marker ``stress``, part of ``make test``)
runs notebook 3's widget cell beside another notebook twenty times.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil  # ipykernel depends on it
import pytest

from analysis.build import reproduce as rp
from analysis.build.report import sha256


def notebook(path: Path, *sources: str) -> Path:
    """A notebook of a ``seed`` parameters cell then one code cell per source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *map(nbformat.v4.new_code_cell, sources)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def trimmed(source: Path, through: str, destination: Path) -> Path:
    """``source`` cut after the first cell containing ``through``."""
    nb = nbformat.read(source, as_version=4)
    last = next(i for i, cell in enumerate(nb.cells) if through in cell.source)
    nb.cells = nb.cells[: last + 1]
    destination.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, destination)
    return destination


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie has finished; only its parent's wait is missing)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            pass
    return running


def working_in(folder: Path) -> list[psutil.Process]:
    """Live processes whose working folder is ``folder``: kernels run where their notebook is."""
    found = []
    for process in psutil.process_iter(["cwd"]):
        if process.info["cwd"] == str(folder):
            found.append(process)
    return alive(found)


def wait_until(condition, seconds: float, step: float = 0.2):
    """Poll ``condition`` until it gives something true or ``seconds`` passed; return it."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


# --- timeouts and retries --------------------------------------------------------------------


def test_a_hung_cell_times_out_is_retried_once_then_named(tmp_path, capsys):
    scratch = tmp_path / "notebooks"
    hung = notebook(scratch / "09_hangs.ipynb", "import time", "time.sleep(600)")
    start = time.monotonic()
    with pytest.raises(rp.BuildError) as failed:
        rp.run_notebooks([hung], tmp_path / "out", 0, 1, execution_timeout=3)
    seconds = time.monotonic() - start
    message = str(failed.value)
    assert "09_hangs.ipynb timed out in cell 3" in message, message
    assert "time.sleep(600)" in message and "no result within 3 s" in message
    assert "also on the retry" in message
    assert capsys.readouterr().err.count("retrying once in a fresh kernel") == 1
    assert seconds < 90, f"two 3-s timeouts took {seconds:.0f} s"
    assert working_in(scratch) == []  # both hung kernels were killed


def test_a_dead_kernel_is_retried_once(tmp_path, capsys):
    scratch = tmp_path / "notebooks"
    kill = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    always = notebook(scratch / "09_dies.ipynb", "x = 1", kill)
    once = notebook(
        scratch / "10_dies_once.ipynb",
        "import pathlib",
        f"if not pathlib.Path('died-once').exists():\n"
        f"    pathlib.Path('died-once').write_text('')\n    {kill.replace(chr(10), '; ')}",
        "print('second attempt')",
    )
    with pytest.raises(rp.BuildError) as failed:
        rp.run_notebooks([always, once], tmp_path / "out", 0, 2)
    message = str(failed.value)
    assert "09_dies.ipynb: the kernel died in cell 3" in message, message
    assert "10_dies_once" not in message  # it passed on its retry
    log = capsys.readouterr().err
    assert log.count("retrying once in a fresh kernel") == 2
    assert "10_dies_once.ipynb done in" in log
    executed = nbformat.read(tmp_path / "out" / "10_dies_once.ipynb", as_version=4)
    assert "second attempt" in executed.cells[-1].outputs[0]["text"]
    assert working_in(scratch) == []


def test_a_worker_silent_past_its_deadline_is_killed_with_its_kernel(tmp_path, monkeypatch):
    # the cell timeout would never fire (600 s); the parent's deadline for the whole notebook
    # (here 10 s instead of cells x timeout + grace) is the last resort
    monkeypatch.setattr(rp, "_notebook_deadline", lambda *args: 10)
    scratch = tmp_path / "notebooks"
    stuck = notebook(scratch / "09_stuck.ipynb", "import time", "time.sleep(600)")
    with pytest.raises(rp.BuildError) as failed:
        rp.run_notebooks([stuck], tmp_path / "out", 0, 1, execution_timeout=600)
    message = str(failed.value)
    assert "09_stuck.ipynb hung in cell 3" in message and "also on the retry" in message
    assert working_in(scratch) == []


# --- the widget path -------------------------------------------------------------------------


def widget_cell_outputs(executed: Path) -> list:
    cells = nbformat.read(executed, as_version=4).cells
    return next(c.outputs for c in cells if "zone_explorer" in c.source)


@pytest.mark.stress
def test_notebook_3_beside_notebook_2_twenty_times_without_a_hang(tmp_path, capsys):
    """Notebook 3 through its widget cell, beside notebook 2 simulating data, 20 rounds.

    Each round is two fresh workers and kernels with 30-s cell timeouts; a hang would show
    as a timeout and a retry (or a failure), so the test asserts there was none.
    """
    folder = tmp_path / "notebooks"
    widget = trimmed(
        rp.NOTEBOOKS / "03_dose_and_intensity.ipynb", "zone_explorer", folder / "03w.ipynb"
    )
    busy = trimmed(
        rp.NOTEBOOKS / "02_distance_muscle_damage.ipynb", "replicate", folder / "02b.ipynb"
    )
    rounds = []
    for k in range(20):
        start = time.monotonic()
        out = tmp_path / f"round{k:02d}"
        timings = rp.run_notebooks(
            [widget, busy], out, 0, 2, execution_timeout=30, start_timeout=30
        )
        rounds.append(time.monotonic() - start)
        log = capsys.readouterr().err
        assert set(timings) == {"03w", "02b"} and "retrying" not in log, f"round {k}: {log}"
        # headless: the table the control starts with, not a widget nobody could move
        outputs = widget_cell_outputs(out / "03w.ipynb")
        assert ["text/html", "text/plain"] == sorted(outputs[0]["data"]), outputs
        assert "widgets" not in nbformat.read(out / "03w.ipynb", as_version=4).metadata
    with capsys.disabled():
        print(f"\nstress: 20 rounds in {sum(rounds):.0f} s, slowest {max(rounds):.1f} s")
    assert working_in(folder) == []


# --- signals -----------------------------------------------------------------------------------


@pytest.fixture
def sleepy_build(tmp_path):
    """A previous report, two notebooks that sleep, and a way to start ``reproduce`` on them."""
    old = tmp_path / "reports"
    old.mkdir()
    (old / "index.html").write_text("the previous report")
    files = {"index.html": sha256(old / "index.html")}
    manifest = {"generator": rp.GENERATOR, "seed": 0, "files": files}
    (old / "manifest.json").write_text(json.dumps(manifest))
    scratch = tmp_path / "notebooks"
    for name in ("01_sleeps", "02_sleeps"):
        notebook(scratch / f"{name}.ipynb", "import time", "time.sleep(600)")

    def start():
        stderr = (tmp_path / "stderr.txt").open("w")
        command = [sys.executable, "-m", "analysis", "reproduce", "--notebooks", str(scratch)]
        process = subprocess.Popen([*command, "--out", str(old)], stderr=stderr, cwd=tmp_path)
        # wait for both kernels (the studies are built first), then take the process tree
        tree = wait_until(lambda: _tree_with_kernels(process, 2, scratch), 240)
        assert tree, f"no two kernels: {(tmp_path / 'stderr.txt').read_text()[-2000:]}"
        return process, tree

    before = {p: p.read_bytes() for p in old.iterdir()}
    return start, old, scratch, before


def _tree_with_kernels(
    process: subprocess.Popen, kernels: int, folder: Path
) -> list[psutil.Process]:
    """``process``'s descendants once ``kernels`` of them run in ``folder``: kernels run where
    their notebook is (forked from a worker, a kernel has no ipykernel command line)."""
    if process.poll() is not None:
        raise AssertionError(f"reproduce exited early with {process.returncode}")
    try:
        tree = psutil.Process(process.pid).children(recursive=True)
        found = sum(p.cwd() == str(folder) for p in alive(tree))
    except psutil.Error:
        return []
    return tree if found >= kernels else []


@pytest.mark.parametrize(
    "signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_during_the_notebooks_stops_everything_promptly(sleepy_build, signum, code):
    start, old, scratch, before = sleepy_build
    process, tree = start()
    # meanwhile a second build into the same folder is refused by the lock
    second = subprocess.run(
        [sys.executable, "-m", "analysis", "reproduce", "--out", str(old)],
        capture_output=True,
        text=True,
    )
    assert second.returncode == 2 and f"another reproduce (process {process.pid})" in second.stderr

    sent = time.monotonic()
    process.send_signal(signum)
    assert process.wait(timeout=30) == code
    latency = time.monotonic() - sent
    stderr = (old.parent / "stderr.txt").read_text()
    assert latency < 10, f"{signal.Signals(signum).name} took {latency:.1f} s"
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"reproduce: stopped by {signal.Signals(signum).name}"), stderr
    # the previous report byte for byte; no staging folder, no lock file; no process left
    assert {p: p.read_bytes() for p in old.iterdir()} == before
    assert sorted(p.name for p in old.parent.iterdir()) == [
        "notebooks",
        "reports",
        "stderr.txt",
    ]
    assert wait_until(lambda: not alive(tree), 5), alive(tree)
    assert working_in(scratch) == []
    print(f"{signal.Signals(signum).name}: exit {code} after {latency:.2f} s")


def test_sigkill_leaves_no_worker_or_kernel_behind(sleepy_build):
    start, old, scratch, before = sleepy_build
    process, tree = start()
    assert len(tree) >= 4  # two workers, two kernels
    process.kill()
    process.wait(timeout=10)
    killed = time.monotonic()
    gone = wait_until(lambda: not alive(tree) and not working_in(scratch), 5)
    assert gone, f"still running: {alive(tree) + working_in(scratch)}"
    print(f"SIGKILL: tree of {len(tree)} gone after {time.monotonic() - killed:.2f} s")
    assert {p: p.read_bytes() for p in old.iterdir()} == before
    # its folders in the temporary folder (kernel sockets, the preload's marker) are named
    # after it, so that the next build removes them
    left = list(Path(tempfile.gettempdir()).glob(f"analysis-*-{process.pid}-*"))
    assert left and set(left) <= set(rp.remove_stale_tempdirs(min_age=0))


def test_the_zone_explorer_is_a_table_in_a_headless_kernel(monkeypatch):
    from analysis.engine import hrr

    monkeypatch.setenv(rp.STATIC_WIDGETS, "1")
    static = hrr.zone_explorer(30, 60)
    assert static.equals(hrr.zone_table(30, 60, (70, 80)))
    monkeypatch.delenv(rp.STATIC_WIDGETS)
    assert type(hrr.zone_explorer(30, 60)).__name__ == "interactive"


def test_a_killed_builds_temporary_folders_are_removed_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(gone.stdout)  # a process that has exited: its number is free
    stale = [
        tmp_path / f"analysis-kernel-{dead}-a1b2",
        tmp_path / f"analysis-forkserver-{dead}-x_9",
    ]
    kept = [
        tmp_path / f"analysis-kernel-{os.getpid()}-mine",  # this process's own
        tmp_path / f"analysis-kernel-{os.getppid()}-live",  # a process that runs
        tmp_path / "analysis-kernel-q8w7e6",  # not named after a process: not provably stale
        tmp_path / f"analysis-cache-{dead}-other",  # not a kind the build makes
    ]
    for folder in stale + kept:
        folder.mkdir()
        (folder / "socket-1").write_text("")
    (tmp_path / f"analysis-kernel-{dead}-file").write_text("a file, not a folder")
    assert rp.remove_stale_tempdirs() == []  # all of them new: a build may be starting
    assert sorted(rp.remove_stale_tempdirs(min_age=0)) == sorted(stale)
    assert all(folder.is_dir() for folder in kept) and not any(f.exists() for f in stale)
    assert (tmp_path / f"analysis-kernel-{dead}-file").is_file()
    # and the folders a build makes are named so
    made = Path(rp.private_tempdir("kernel"))
    assert made.parent == tmp_path and made.name.startswith(f"analysis-kernel-{os.getpid()}-")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_an_interrupt_that_a_library_turns_into_its_own_error_still_stops_cleanly(
    tmp_path, monkeypatch, capsys
):
    # SIGTERM while matplotlib's Agg renderer calls back into Python came out as
    # "ValueError: Invalid bounding box" (seen once in make test; "Invalid affine
    # transformation matrix" when reproduced with timed signals): the build
    # must still report a stop by the signal and leave no staging folder
    def build_interrupted_in_a_library(staging, *args, **kwargs):
        (staging / "half.txt").write_text("half-built")
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here
        except rp.Interrupted:
            raise ValueError("Invalid affine transformation matrix") from None
        raise AssertionError("the signal did not arrive")

    monkeypatch.setattr(rp, "_build", build_interrupted_in_a_library)
    out = tmp_path / "reports"
    assert rp.reproduce(out=out) == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # an error that no signal caused is still an error
    monkeypatch.setattr(rp, "_build", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        rp.reproduce(out=out)
