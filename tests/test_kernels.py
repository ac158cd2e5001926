"""A kernel forked from the preloaded worker (``analysis/build/_kernels.py``) is what a
launched kernel would be, apart from imports already done.

Each mode runs two scratch notebooks side by side through ``run_notebooks`` in a fresh
interpreter (the forkserver takes its environment from there), and each notebook reports
what it sees of its process.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from test_reproduce_safety import notebook

from analysis.build import _kernels
from analysis.build import reproduce as rp

FACTS = textwrap.dedent(
    """
    import gc, json, multiprocessing, os, sys
    preloaded = "analysis.studies.ryu2016" in sys.modules  # before this notebook imports it
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    figure, axes = plt.subplots()  # how the notebook would show it
    axes.plot([1, 2], [3, 4])  # (an empty figure is not shown as an image at all)
    shown_as = sorted(get_ipython().display_formatter.format(figure)[0])
    plt.close(figure)
    lock = multiprocessing.Lock()  # a semaphore the killed kernel leaves to its own tracker
    print(json.dumps({
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "jpy_parent_pid": os.environ.get("JPY_PARENT_PID"),
        "cwd": os.getcwd(),
        "static_widgets": os.environ.get("ANALYSIS_STATIC_WIDGETS"),
        "unseeded_draw": float(np.random.random()),
        "backend": matplotlib.get_backend(),
        "mp_parent": multiprocessing.parent_process() is None,
        "mp_name": multiprocessing.current_process().name,
        "preloaded": preloaded,
        "stdin_is_terminal": os.isatty(0),
        "session_leader": os.getsid(0) == os.getpid(),
        "preload_marker": os.environ.get("ANALYSIS_PRELOAD_DONE"),
        "pydevd_quiet": os.environ.get("PYDEVD_DISABLE_FILE_VALIDATION"),
        "figure_shown_as": shown_as,
        "frozen": gc.get_freeze_count(),
        "history": [get_ipython().history_manager.enabled, type(get_ipython().history_manager.db).__name__],
    }))
    """
)

# A launched kernel sets up figure display when matplotlib first loads its backend, which
# takes effect after the cell that did it (matplotlib_inline's configure_once)
FIRST_FIGURE = "import matplotlib.pyplot as plt\nplt.close(plt.figure())"

RUN = (
    "import sys; from pathlib import Path; from analysis.build import reproduce as rp; "
    "rp.run_notebooks(sorted(Path(sys.argv[1]).glob('*.ipynb')), Path(sys.argv[2]), 0, 2)"
)


def facts(executed) -> dict:
    cell = nbformat.read(executed, as_version=4).cells[-1]
    return json.loads("".join(o["text"] for o in cell.outputs if o.get("name") == "stdout"))


@pytest.mark.parametrize("fresh", ["", "1"], ids=["forked", "launched"])
def test_a_kernel_sees_what_a_launched_kernel_sees(tmp_path, fresh):
    if not fresh and not sys.platform.startswith("linux"):
        pytest.skip("kernels are forked on Linux only")
    folder = tmp_path / "notebooks"
    for name in ("01_facts", "02_facts"):
        notebook(folder / f"{name}.ipynb", FIRST_FIGURE, FACTS)
    env = {**os.environ, _kernels.FRESH_KERNELS: fresh}
    env.pop("MPLBACKEND", None)
    run = subprocess.run(
        [sys.executable, "-c", RUN, str(folder), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    # no semaphore of a killed kernel reported by the build's own resource tracker
    assert "leaked" not in run.stderr, run.stderr
    # the preload imports ipykernel's debugger without pydevd's warning about frozen modules
    assert "Debugger warning" not in run.stderr, run.stderr
    seen = [facts(tmp_path / "out" / f"{name}.ipynb") for name in ("01_facts", "02_facts")]
    for kernel in seen:
        assert kernel["preloaded"] is (fresh != "1")
        # what the preload made is out of the collector's sight (gc.freeze before forking)
        assert (kernel["frozen"] > 50_000) is (fresh != "1"), kernel["frozen"]
        assert kernel["cwd"] == str(folder)
        assert kernel["static_widgets"] == "1"
        assert kernel["jpy_parent_pid"] == str(kernel["ppid"])  # watched by its worker
        assert kernel["backend"] == "module://matplotlib_inline.backend_inline"
        assert kernel["mp_parent"] and kernel["mp_name"] == "MainProcess"
        assert not kernel["stdin_is_terminal"]
        assert kernel["session_leader"]
        assert kernel["preload_marker"] is None  # the build's own business
        assert kernel["pydevd_quiet"] is None  # set for the preload's import only
        # a figure is shown as an image, not as "<Figure size ...>"
        assert kernel["figure_shown_as"] == ["image/png", "text/plain"], kernel["figure_shown_as"]
        # nothing written to the user's IPython history
        assert kernel["history"] == [False, "DummyDB"], kernel["history"]
    assert seen[0]["pid"] != seen[1]["pid"]
    # unseeded draws differ between kernels, as in two new interpreters
    assert seen[0]["unseeded_draw"] != seen[1]["unseeded_draw"]


POLL = (
    "import json, os, sys, time; from pathlib import Path; from analysis.build import reproduce as rp; "
    "runner = rp.NotebookRunner(sorted(Path(sys.argv[1]).glob('*.ipynb')), Path(sys.argv[2]), 0, 2); "
    "start = time.monotonic(); runner.poll(); polled = time.monotonic() - start; "
    "started = len(runner._running); runner.wait(); runner.stop(); "
    "print(json.dumps({'polled': polled, 'started': started, 'preloaded': runner._preloaded(), "
    "'marker_in_env': 'ANALYSIS_PRELOAD_DONE' in os.environ}))"
)


def run_script(script: str, folder: Path, out: Path) -> dict:
    """Run ``script`` (which prints a JSON line last) in a fresh interpreter on the notebooks
    of ``folder``, executed into ``out``; what it printed."""
    run = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_the_build_is_not_held_up_while_the_forkserver_preloads(tmp_path):
    # starting a worker waits for the forkserver's preload (seconds); the build's first poll
    # must return at once and start nothing, and the workers start once the preload is done
    if "forkserver" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no forkserver here")
    folder = tmp_path / "notebooks"
    notebook(folder / "01_one.ipynb", "print(1)")
    seen = run_script(POLL, folder, tmp_path / "out")
    assert seen["started"] == 0 and seen["polled"] < 1.0, seen
    assert seen["preloaded"] and not seen["marker_in_env"], seen
    assert (tmp_path / "out" / "01_one.ipynb").exists()


def test_an_unused_zygote_exits_when_closed():
    if not hasattr(os, "fork"):
        pytest.skip("fork is POSIX only")
    zygote = _kernels.KernelZygote()
    assert zygote.available
    zygote.close()  # reaps it: a zygote still waiting would make this hang
    assert not zygote.available
    with pytest.raises(ChildProcessError):
        os.waitpid(zygote.pid, os.WNOHANG)


def test_a_kernel_being_killed_is_not_interrupted_first(monkeypatch):
    # jupyter_client interrupts before a shutdown; ipykernel logged the interrupt as an ERROR
    # into the build's output when it landed in a message handler
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    from analysis.build import reproduce as rp

    sent = []

    async def interrupt(self):
        sent.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    manager = rp._kernel_manager_class()()
    manager.shutting_down = True
    asyncio.run(manager._async_interrupt_kernel())
    manager.shutting_down = False  # a cell's timeout still interrupts
    asyncio.run(manager._async_interrupt_kernel())
    assert sent == [False]


class _Channel:
    """A channel holding queued messages: get_msg returns the next or raises Empty."""

    def __init__(self, messages):
        self.messages, self.timeouts = list(messages), []

    def get_msg(self, timeout=None):
        from queue import Empty

        self.timeouts.append(timeout)
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


def test_a_kernel_is_ready_once_both_channels_answer_without_waiting_for_silence():
    # jupyter_client then waited for 0.2 s of IOPub silence (0.2 s of every notebook's start);
    # the build's client stops at the handshake and leaves the rest queued, which nbclient
    # skips as it reads only the messages of the request it sent
    import asyncio

    from jupyter_client.asynchronous import AsyncKernelClient

    from analysis.build import reproduce as rp

    manager = rp._kernel_manager_class()()
    client = manager.client()
    assert isinstance(client, AsyncKernelClient)
    assert type(client).wait_for_ready is not AsyncKernelClient.wait_for_ready
    status = [{"msg_type": "status", "parent_header": {}} for _ in range(3)]
    client._shell_channel = _Channel(
        [{"msg_type": "comm_info_reply"}, {"msg_type": "kernel_info_reply", "content": {}}]
    )
    client._iopub_channel = _Channel(status)
    sent, handled = [], []
    client.kernel_info = lambda: sent.append(1)
    client._handle_kernel_info_reply = handled.append

    async def alive():
        return True

    client.is_alive = alive
    asyncio.run(client.wait_for_ready(timeout=5))
    assert len(sent) == 2 and len(handled) == 1  # asked again after the wrong reply
    assert len(client.iopub_channel.messages) == 2  # one read to see IOPub connected
    assert client.iopub_channel.timeouts == [0.2]  # and no wait for silence after it

    client._shell_channel = _Channel([])  # a kernel that never answers: an error, in time

    async def dead():
        return False

    client.is_alive = dead
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(client.wait_for_ready(timeout=5))


WIDEN = (
    "import json, sys; from pathlib import Path; from analysis.build import reproduce as rp; "
    "runner = rp.NotebookRunner(sorted(Path(sys.argv[1]).glob('*.ipynb')), Path(sys.argv[2]), 0, 1); "
    "runner.poll(block=True); first = len(runner._running); "
    "runner.allow(3); runner.poll(block=True); widened = len(runner._running); "
    "runner.wait(); runner.stop(); print(json.dumps({'first': first, 'widened': widened}))"
)


def test_more_notebooks_start_once_the_build_allows_them(tmp_path):
    # reproduce's default: one notebook per core while the build computes, one more after
    folder = tmp_path / "notebooks"
    for name in ("01_a", "02_b", "03_c", "04_d"):
        notebook(folder / f"{name}.ipynb", "import time; time.sleep(1)")
    assert run_script(WIDEN, folder, tmp_path / "out") == {"first": 1, "widened": 3}
    assert len(list((tmp_path / "out").glob("*.ipynb"))) == 4


def test_the_default_is_one_notebook_per_core_then_one_more():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert rp.default_jobs() == (cores, cores + 1)


def outputs(executed: Path) -> list:
    """Every code cell's outputs, without execution counts."""
    cells = nbformat.read(executed, as_version=4).cells
    return [
        [{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])]
        for c in cells
        if c.cell_type == "code"
    ]


@pytest.mark.notebook
def test_a_real_notebook_gives_the_same_outputs_in_a_forked_and_a_launched_kernel(tmp_path):
    # figures, tables and text of notebook 03 (a dose study: figures and styled tables), cell
    # for cell, whichever way its kernel was made
    if not sys.platform.startswith("linux"):
        pytest.skip("kernels are forked on Linux only")
    executed = {}
    for mode, fresh in (("forked", ""), ("launched", "1")):
        out = tmp_path / mode
        env = {**os.environ, _kernels.FRESH_KERNELS: fresh}
        command = [
            sys.executable,
            "-m",
            "analysis",
            "reproduce",
            "--only",
            "03_dose_and_intensity",
            "--out",
            out,
        ]
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        assert json.loads((out / "manifest.json").read_text())["kernels"] == mode
        executed[mode] = outputs(out / "notebooks" / "03_dose_and_intensity.ipynb")
    assert executed["forked"] == executed["launched"]
    assert any("image/png" in o.get("data", {}) for cell in executed["forked"] for o in cell)
