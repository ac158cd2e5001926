"""``make reproduce``: rebuild every dataset, table, figure and notebook from nothing.

Steps: simulate, analyse, score and draw every registered study; stop if any scorecard row
fails; execute every notebook in a fresh kernel with the same seed (two at a time on two
cores); convert them to HTML; write ``index.html`` and ``manifest.json``.

The build happens in a temporary folder beside the report folder; the old report is replaced
only when everything succeeded, so a failure never leaves a half-written report behind.

Safety (see the README, "Safety of ``reproduce``"):

* ``--out`` is replaced whole, so it must be new, empty, or a previous report (its
  ``manifest.json`` carries ``"generator": "analysis reproduce"`` and lists every file in it).
  The current folder, the project, the home folder (or a folder holding one of them), a plain
  file, or a folder holding anything else is refused with an :class:`InputError` before any
  work and before anything is created.
* A lock file ``.<name>.lock`` beside ``--out`` (``flock``: released by the kernel even when
  the holder dies) keeps two builds out of the same folder.
* Every cell has a timeout and so has the kernel start; a notebook whose kernel hung, died or
  timed out is retried once in a fresh process and kernel, then the build fails naming it.
* SIGINT and SIGTERM stop the build within a few seconds: workers and kernels are killed,
  the staging folder removed, the lock released, exit code 130 or 143. Workers and kernels
  also die when ``reproduce`` is killed outright (``PR_SET_PDEATHSIG`` on Linux, a watchdog
  thread elsewhere, and ipykernel's own parent poller).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from ..dataio import shared
from ..errors import InputError
from . import _kernels

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

GENERATOR = "analysis reproduce"  # manifest.json marker: this folder is ours to replace
EXECUTION_TIMEOUT = 300  # seconds a cell may run; the environment may override it
TIMEOUT_VARIABLE = "ANALYSIS_CELL_TIMEOUT"
START_TIMEOUT = 60  # seconds for a kernel to start and answer
IOPUB_TIMEOUT = 30  # seconds for a cell's last output after its reply (papermill: 4, too
# short on a busy machine, where it fails a healthy cell)
STATIC_WIDGETS = "ANALYSIS_STATIC_WIDGETS"  # see analysis.engine.hrr.zone_explorer
_GRACE = 60  # seconds beyond the sum of cell timeouts before a silent worker is killed
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_SOCKETS = "ANALYSIS_KERNEL_SOCKETS"  # a worker's folder for its kernel's IPC sockets


class BuildError(RuntimeError):
    """A step of the build failed; the message names the step (notebook and cell, or claim)."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached ``reproduce``; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class NotebookRun(NamedTuple):
    """How one execution of a notebook went: seconds, the error (or None), worth a retry."""

    seconds: float
    error: str | None
    retry: bool = False


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def notebooks(only: str | None = None, directory: Path | None = None) -> list[Path]:
    """The notebooks to run, in order; ``only`` picks one by file name or stem."""
    directory = Path(directory) if directory is not None else NOTEBOOKS
    found = sorted(directory.glob("[0-9]*.ipynb"))
    if not found:
        raise InputError(f"{directory}: no notebooks (files named like 01_name.ipynb).")
    if only is None:
        return found
    chosen = [nb for nb in found if only in (nb.name, nb.stem)]
    if not chosen:
        names = ", ".join(nb.stem for nb in found)
        raise InputError(f"--only {only!r}: no such notebook; the notebooks are {names}.")
    return chosen


def studies_for(chosen: list[Path] | None) -> list[str]:
    """The studies a build of the ``chosen`` notebooks needs: every registered study when all
    notebooks run (``None``), else those whose notebook (``study.NOTEBOOK``) is among them.
    A notebook of no study (``04_how_solid``) computes what it shows itself.

    Examples
    --------
    >>> studies_for([Path("03_dose_and_intensity.ipynb")]), studies_for([Path("04_how_solid.ipynb")])
    (['konopka2014'], [])
    """
    from ..studies import all_studies

    if chosen is None:
        return [study.NAME for study in all_studies()]
    stems = {notebook.stem for notebook in chosen}
    return [study.NAME for study in all_studies() if study.NOTEBOOK in stems]


def build_study_outputs(
    seed: int,
    staging: Path,
    between: Callable[[], None] | None = None,
    studies: list[str] | None = None,
    order: list[str] | None = None,
    *,
    freeze: bool = False,
):
    """Results, tables and figures of every registered study (or of ``studies``, names),
    into ``staging``.

    One loop over the registry (:func:`analysis.studies.all_studies`): each study gives its
    :class:`~analysis.studies.base.Results`; a simulated one also gives data and a scorecard.
    ``between`` is called after each study and figure (the build polls its notebooks there).
    ``order`` (names, e.g. :func:`latest_needed_first` of the notebooks' start) sets which
    are computed first; results come back in registry order whatever it is.

    With ``freeze``, what exists after each study (the libraries it imported, its results,
    which the build keeps to its end) is moved out of the garbage collector's sight
    (``gc.freeze``; the caller unfreezes): each full collection then walks only what is new
    (the build's full collections: 0.6 -> 0.23-0.25 s, measured).

    Returns the results, per study the ``(stem, drawn_by)`` of each figure, and per study the
    seconds it took.
    """
    between = between or (lambda: None)
    from ..dataio.io import write_csv, write_tables
    from ..engine.figureset import rendered
    from ..studies import all_studies

    chosen = [s for s in all_studies() if studies is None or s.NAME in studies]
    rank = {name: k for k, name in enumerate(order or [])}
    by_name, figures, seconds = {}, {}, {}
    for study in sorted(chosen, key=lambda s: rank.get(s.NAME, len(rank))):  # stable
        start = time.perf_counter()
        res = study.results(seed=seed)
        written = ["tables"]
        if res.data is not None:
            write_csv(res.data, staging / "data" / f"{study.NAME}.csv")
            written.insert(0, "data")
        write_tables(dict(res.tables), staging / "tables", prefix=f"{study.NAME}_")
        if len(res.scorecard):
            write_csv(res.scorecard, staging / "tables" / f"{study.NAME}_scorecard.csv")
        between()
        figures[study.NAME] = []
        drawn = study.figures(res)
        for stem in drawn:
            # rendered once for the build and the notebook that shows it (engine/figureset.py)
            image = rendered(drawn, stem)
            image.write(staging / "figures", stem)
            figures[study.NAME].append((stem, image.drawn_by))
            between()
        by_name[study.NAME] = res
        if freeze:
            gc.freeze()
        seconds[study.NAME] = round(time.perf_counter() - start, 2)
        _log(f"  {study.NAME}: {', '.join(written)}, figures ({seconds[study.NAME]:.1f} s)")
    results = [by_name[s.NAME] for s in chosen]
    return results, {s.NAME: figures[s.NAME] for s in chosen}, seconds


def claim_ranges(
    seed: int,
    staging: Path,
    between: Callable[[], None] | None = None,
    studies: list[str] | None = None,
) -> list:
    """For each simulated study (of ``studies``, default all) that decides article claims,
    how the probability of each moves over the assumptions' ranges
    (:func:`analysis.checks.sensitivity.claim_ranges`), also written to
    ``tables/<study>_claim_ranges.csv``."""
    from ..checks.sensitivity import claim_ranges as ranges_of
    from ..dataio.io import write_csv
    from ..studies import get_simulated_study, simulated_names

    between = between or (lambda: None)
    tables = []
    for name in simulated_names():
        if studies is not None and name not in studies:
            continue
        study = get_simulated_study(name)
        if not callable(getattr(study, "claims_batch", None)):
            continue
        start = time.perf_counter()
        # ``between`` after each block too: this is the longest step of the build's own work
        table = ranges_of(study, seed=seed, progress=lambda _reps: between())
        write_csv(table, staging / "tables" / f"{name}_claim_ranges.csv")
        tables.append(table)
        _log(f"  {name}: claims over the assumptions' ranges ({time.perf_counter() - start:.1f} s)")
        between()
    return tables


def claim_verdicts(results) -> list:
    """Every verdict the studies give on the article's claims, from their results."""
    from ..studies import get_study

    return [get_study(res.study).claim_verdicts(res) for res in results]


# --- Executing one notebook -------------------------------------------------------------------

# Run by the kernel's own interpreter before it becomes the kernel (os.execvp keeps the PID,
# the parent and the death signal): die with the worker even if the worker is SIGKILLed, and
# mark the run headless so widgets are not built (analysis.engine.hrr.zone_explorer).
_KERNEL_LAUNCHER = f"""
import ctypes, os, signal, sys
if sys.platform.startswith("linux"):
    try:
        ctypes.CDLL(None).prctl({_PR_SET_PDEATHSIG}, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # ipykernel's parent poller still ends the kernel within a second
if os.getppid() != int(sys.argv[1]):
    os._exit(1)
os.environ["{STATIC_WIDGETS}"] = "1"
os.execvp(sys.argv[2], sys.argv[2:])
"""


def _kernel_manager_class():
    """nbclient's kernel manager, starting the kernel through ``_KERNEL_LAUNCHER``.

    On POSIX the kernel talks over Unix sockets (IPC) beside its connection file rather than
    TCP on localhost: no other user of the machine can listen in, and the kernel has no reason
    to print its warning about unencrypted TCP into every build's log.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class HeadlessKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _default_client_factory(self):
            return _ready_client_class()

        @default("transport")
        def _default_transport(self):
            return "ipc" if os.name == "posix" else "tcp"

        @default("ip")
        def _default_ip(self):
            if self.transport != "ipc":
                return super()._ip_default()
            # IPC sockets are files "<ip>-<n>", n counting from 1: a prefix of its own per
            # kernel, or two kernels starting at once would take each other's sockets
            folder = os.environ.get(_SOCKETS, tempfile.gettempdir())
            return os.path.join(folder, f"analysis-kernel-{uuid.uuid4().hex}")

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            return [
                sys.executable,
                "-c",
                _KERNEL_LAUNCHER,
                str(os.getpid()),
                *command,
                *_kernels.KERNEL_OPTIONS,
            ]

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # the worker's preloaded zygote becomes the kernel (see _kernels); without one,
            # jupyter_client launches kernel_cmd as a new interpreter
            zygote = _kernels.take_zygote()
            if zygote is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            cwd = kw.get("cwd") or os.getcwd()
            process = zygote.launch(self.connection_file, kw.get("env") or dict(os.environ), cwd)
            provisioner = self.provisioner
            provisioner.process, provisioner.pid, provisioner.pgid = (
                process,
                process.pid,
                process.pid,
            )
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

        async def _async_interrupt_kernel(self):
            # jupyter_client interrupts a kernel before shutting it down; the build always
            # kills it at once after (shutdown_kernel="immediate"), and an interrupt that
            # lands in a message handler made ipykernel log "ERROR | KeyboardInterrupt caught
            # in kernel." into the build's output
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return HeadlessKernelManager


@functools.cache
def _ready_client_class():
    """nbclient's kernel client, ready as soon as the kernel has answered.

    jupyter_client's ``wait_for_ready`` sends ``kernel_info`` until the kernel replies on
    the shell channel and a message arrives on IOPub (both channels connected), then waits
    until IOPub has been silent for 0.2 s, discarding what arrives: 0.2 s of every notebook's
    start spent idle, 0.34-0.44 s in all with a forked kernel (measured in a build). The
    handshake is kept; the wait is not, because nbclient reads only the replies and outputs
    of the request it sent (by ``parent_header.msg_id``), so a status message of the
    handshake still queued is skipped as it would have been discarded. Written by hand:
    jupyter_client has no setting for that wait.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.utils import ensure_async

    class ReadyKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected too: the kernel's status for this request
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
                if not await ensure_async(self.is_alive()):
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    return ReadyKernelClient


def _cell_label(number: int, source: str) -> str:
    first_line = source.strip().splitlines()[0] if source.strip() else ""
    return f"cell {number} (counting from 1; it starts {first_line[:60]!r})"


def _source_labels(notebook: Path) -> dict[str, str]:
    """Each cell's id → its label as numbered in the source notebook (papermill keeps ids)."""
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    return {c.get("id"): _cell_label(n, c.source) for n, c in enumerate(cells, 1) if c.get("id")}


def execute_notebook(
    notebook: Path,
    destination: Path,
    seed: int,
    *,
    execution_timeout: int = EXECUTION_TIMEOUT,
    start_timeout: int = START_TIMEOUT,
    on_cell: Callable[[str], None] | None = None,
) -> NotebookRun:
    """Run ``notebook`` in a fresh, headless kernel with ``seed``; write the executed copy.

    Every cell may run ``execution_timeout`` seconds, the kernel gets ``start_timeout`` to
    start. ``on_cell`` is called with each code cell's label as it starts. Returns the
    seconds it took, the error naming the cell (or None), and whether a retry in a fresh
    kernel may help (a timeout or a dead kernel; not an exception raised by a cell).
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    labels: dict[str, str] = {}
    current: list[str] = []

    def started(cell, cell_index):
        if "injected-parameters" in cell.metadata.get("tags", []):
            current[:] = ["the parameters cell papermill injected"]
        else:
            current[:] = [labels.get(cell.get("id"), f"cell {cell_index + 1}")]
        if on_cell is not None:
            on_cell(current[0])

    start = time.perf_counter()
    name = notebook.name
    try:
        labels.update(_source_labels(notebook))
        pm.execute_notebook(
            str(notebook),
            str(destination),
            parameters={"seed": seed},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(notebook.parent),
            execution_timeout=execution_timeout,
            start_timeout=start_timeout,
            iopub_timeout=IOPUB_TIMEOUT,
            # Kill the kernel when done: the notebook is complete by then, and a hung kernel
            # cannot shut itself down (a polite request costs seconds and prints tracebacks).
            shutdown_kernel="immediate",
            # written once when it is done (or failed), not twice per cell: each save
            # serialises the whole notebook with its figures, about 1 s of a 35-cell notebook
            request_save_on_cell_execute=False,
            kernel_manager_class=_kernel_manager_class(),
            on_cell_execute=started,
        )
    except pm.PapermillExecutionError as exc:
        return NotebookRun(
            time.perf_counter() - start,
            f"notebook {name} failed in {_source_cell(destination, exc.cell_index)}: "
            f"{exc.ename}: {exc.evalue}",
        )
    except CellTimeoutError as exc:
        waited = (
            f"its output did not arrive within {IOPUB_TIMEOUT} s"
            if "IOPub" in str(exc)
            else f"no result within {execution_timeout} s"
        )
        where = current[0] if current else "a cell"
        error = f"notebook {name} timed out in {where}: {waited}"
        return NotebookRun(time.perf_counter() - start, error, True)
    except DeadKernelError:
        where = current[0] if current else "its first cell"
        error = f"notebook {name}: the kernel died in {where}"
        return NotebookRun(time.perf_counter() - start, error, True)
    except Exception as exc:  # kernel did not start, bad JSON...: still name the notebook
        if not current and "died" in str(exc):
            error = f"notebook {name}: the kernel died while starting ({exc})"
            return NotebookRun(time.perf_counter() - start, error, True)
        if not current and (isinstance(exc, TimeoutError) or _KERNEL_NOT_UP in str(exc)):
            error = f"notebook {name}: the kernel did not start within {start_timeout} s"
            return NotebookRun(time.perf_counter() - start, error, True)
        return NotebookRun(time.perf_counter() - start, f"notebook {name} failed: {exc!r}")
    return NotebookRun(time.perf_counter() - start, None)


# jupyter_client's RuntimeErrors for a kernel that never answered: "Kernel didn't respond in
# 60 seconds", "Kernel died before replying to kernel_info"
_KERNEL_NOT_UP = "Kernel d"


def _source_cell(executed: Path, cell_index: int) -> str:
    """Name a failing cell as it is numbered in the source notebook (from 1).

    papermill inserts an ``injected-parameters`` cell, so the executed copy's index is one
    off after it; the first line of the cell is quoted so it can be found.
    """
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # the executed copy may be unreadable; fall back to the raw index
        return f"cell {cell_index + 1}"
    injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells[:cell_index])
    return _cell_label(cell_index + 1 - injected, cells[cell_index].source)


# --- Worker processes and their kernels -------------------------------------------------------


def _descendants(pid: int, itself: bool = False) -> list:
    """Every live process below ``pid`` (and ``pid`` itself if ``itself``).

    psutil comes with ipykernel; without it there is nothing to list (the workers and
    kernels still die with their parent).
    """
    try:
        import psutil
    except ImportError:
        return []
    try:
        process = psutil.Process(pid)
        return [process] * itself + process.children(recursive=True)
    except psutil.Error:
        return []


def _kill(processes: list) -> None:
    """SIGKILL ``processes`` (psutil) and wait briefly until they are gone."""
    if not processes:
        return
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    # Not psutil.wait_procs: it waits for a killed process's parent to reap it too.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(map(_running, processes)):
        time.sleep(0.05)


def _running(process) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker die when ``reproduce`` dies, even by SIGKILL.

    The worker is forked by the forkserver (or spawned) on ``reproduce``'s behalf. Linux: the
    kernel sends SIGKILL when the worker's own parent dies (``PR_SET_PDEATHSIG``; the
    forkserver exits as soon as ``reproduce`` is gone); everywhere a daemon thread waits for
    ``reproduce`` itself (multiprocessing's parent sentinel). If it is already gone, exit now.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid != parent_pid or not _alive(parent_pid):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


# Folders a build makes in the system's temporary folder: analysis-<kind>-<pid of the
# build>-<random>. A build that is killed (SIGKILL) cannot remove them; the next one does.
_TEMPDIR = re.compile(r"analysis-(kernel|forkserver)-(\d+)-[A-Za-z0-9_]+")


def private_tempdir(kind: str) -> str:
    """A new folder (mode 0700) in the temporary folder, named after this process."""
    return tempfile.mkdtemp(prefix=f"analysis-{kind}-{os.getpid()}-")


def remove_stale_tempdirs(min_age: float = 600.0) -> list[Path]:
    """Remove the folders :func:`private_tempdir` made for builds that are gone.

    Only folders of this user whose name says which process made them, whose process no
    longer runs, and that are at least ``min_age`` seconds old: a build that runs (or a
    process that took its number since) keeps its folders, and so does one that runs in
    another PID namespace sharing this temporary folder while it starts its kernels.
    Returns what was removed.
    """
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        for folder in Path(tempfile.gettempdir()).iterdir():
            found = _TEMPDIR.fullmatch(folder.name)
            if found is None or int(found[2]) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                info = folder.lstat()
                if (
                    stat.S_ISDIR(info.st_mode)
                    and info.st_uid == getattr(os, "getuid", lambda: -1)()
                    and now - info.st_mtime >= min_age
                    and not _alive(int(found[2]))
                ):
                    shutil.rmtree(folder)
                    removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # PermissionError: alive, someone else's
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _watch_parent(parent) -> None:
    parent.join()  # returns when reproduce is gone (its end of our sentinel pipe closed)
    _kill(_descendants(os.getpid()))  # the kernel, which would otherwise outlive us
    os._exit(1)


def _worker(
    conn,
    parent_pid: int,
    notebook: Path,
    destination: Path,
    seed: int,
    timeouts,
    sockets: str,
    shared_results: str | None = None,
):
    """A worker process: run one notebook, send each cell's label, then the outcome.

    A notebook that ran is converted to HTML here too, so that conversions run in parallel.
    """
    # first, while this process has no thread, event loop or ZeroMQ context to copy
    _kernels.fork_zygote(close_in_child=(conn.fileno(),))
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent stops us, without a traceback here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _skip_iri_checker()
    execution_timeout, start_timeout = timeouts
    # the kernel's IPC socket files go in a folder of this attempt's, which the build
    # removes even when it had to kill this worker
    os.environ[_SOCKETS] = sockets
    # the kernel loads the build's replications (analysis/dataio/shared.py)
    if shared_results is not None:
        os.environ[shared.SHARED_RESULTS] = str(shared_results)
    try:
        outcome = execute_notebook(
            notebook,
            destination,
            seed,
            execution_timeout=execution_timeout,
            start_timeout=start_timeout,
            on_cell=lambda label: conn.send(("cell", label)),
        )
        if outcome.error is None:
            outcome = _with_html(notebook, destination, outcome)
        conn.send(("done", *outcome))
    finally:
        zygote = _kernels.take_zygote()
        if zygote is not None:  # never became a kernel (papermill failed before starting one)
            zygote.close()
        _kill(_descendants(os.getpid()))  # a kernel papermill failed to stop
        conn.close()


def _with_html(notebook: Path, executed: Path, outcome: NotebookRun) -> NotebookRun:
    from . import report

    try:
        report.notebook_to_html(executed, executed.with_suffix(".html"))
    except Exception as exc:  # a notebook that ran but cannot be shown is a failed step
        return NotebookRun(outcome.seconds, f"notebook {notebook.name}: HTML failed: {exc!r}")
    return outcome


def _skip_iri_checker() -> None:
    # jsonschema (under nbformat) imports this optional IRI checker if present; it compiles a
    # grammar at import, 1-2 s of every worker's start, for a format no notebook schema uses.
    sys.modules.setdefault("rfc3987_syntax", None)


def preload_worker() -> None:
    """What every notebook worker needs, imported once by the forkserver that forks them
    (papermill, nbconvert: about 2 s a worker otherwise) and nbconvert's HTML templates
    warmed up on a sample notebook (another second at each worker's first page).

    What the preload made is then moved out of the garbage collector's sight
    (``gc.freeze``, as Python's documentation advises before forking without exec): each
    full collection in a worker or kernel would otherwise walk those 200,000 objects again
    (about 0.15 CPU-seconds each, measured) and, by touching them, copy the memory pages
    they share with the forkserver."""
    _skip_iri_checker()
    import nbformat
    import papermill  # noqa: F401

    with contextlib.suppress(ImportError):  # what each worker lists its kernel with at its end
        import psutil  # noqa: F401

    from . import report

    # only a warm-up: if it fails, each worker's own conversion says why
    with contextlib.suppress(Exception), tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "warm.ipynb"
        nbformat.write(_sample_notebook(), sample)
        report.notebook_to_html(sample, sample.with_suffix(".html"))
    try:
        _kernels.preload()  # what the notebooks import, for the kernels forked from each worker
        gc.collect()  # nothing unreachable is frozen with the rest
        gc.freeze()
    finally:
        # tell the build that starting a worker no longer waits for this preload
        marker = os.environ.pop(_PRELOAD_DONE, "")
        if marker:
            with contextlib.suppress(OSError):
                Path(marker).touch()


def _sample_notebook():
    """A notebook with what the project's notebooks show (Markdown, code, text, a table, an
    image): converting it compiles the templates and readies the filters each page uses."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    outputs = [
        new_output("stream", name="stdout", text="printed\n"),
        new_output("display_data", {"text/markdown": "**shown**", "text/plain": "shown"}),
        new_output("execute_result", {"text/html": "<table><tr><td>1</td></tr></table>"}),
        new_output("display_data", {"image/png": png, "text/plain": "<figure>"}),
    ]
    return new_notebook(
        cells=[
            new_markdown_cell("# A *sample*\n\n`code` and a [link](#)"),
            new_code_cell("x = 1", outputs=outputs),
        ],
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    )


_PRELOAD_DONE = "ANALYSIS_PRELOAD_DONE"  # a file the forkserver touches when its preload is done
_preload_marker: Path | None = None  # one per build process, whatever the number of builds


def _start_forkserver(context) -> Callable[[], bool]:
    """Start the workers' forkserver now and return a test of whether its preload is done.

    Starting a worker blocks until the forkserver has imported everything (several seconds,
    :func:`preload_worker`); the build computes the studies' outputs meanwhile and starts
    workers once the test says they start at once. Where there is no forkserver, or one of
    this process already runs, workers start at once.
    """
    global _preload_marker
    if context.get_start_method() != "forkserver":
        return lambda: True
    from multiprocessing import forkserver

    if _preload_marker is None:
        folder = Path(private_tempdir("forkserver"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _preload_marker = folder / "preloaded"
    # a forkserver already running keeps its environment: it touched the marker long ago
    previous = os.environ.get(_PRELOAD_DONE)
    os.environ[_PRELOAD_DONE] = str(_preload_marker)
    try:
        forkserver.ensure_running()
    finally:
        if previous is None:
            del os.environ[_PRELOAD_DONE]
        else:
            os.environ[_PRELOAD_DONE] = previous
    return _preload_marker.exists


def _context():
    """The multiprocessing context of the workers: a forkserver that imported what a worker
    needs (:func:`preload_worker`) where there is one (POSIX), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # a module of this package whose import runs preload_worker (see _worker_preload.py)
    context.set_forkserver_preload([f"{__package__}._worker_preload"])
    return context


def _notebook_deadline(notebook: Path, execution_timeout: int, start_timeout: int) -> float:
    """Seconds after which a notebook's worker is presumed hung outside any cell."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        cells = []  # the worker will say what is wrong with it, and soon
    code_cells = sum(isinstance(c, dict) and c.get("cell_type") == "code" for c in cells)
    # + 2: the injected parameters cell and papermill's final kernel_info request
    return start_timeout + execution_timeout * (code_cells + 2) + _GRACE


class _Attempt:
    """One execution of one notebook in its own worker process."""

    def __init__(self, context, number, index, notebook, folder, seed, timeouts, shared_results):
        self.number, self.index, self.notebook = number, index, notebook
        self._timeouts = timeouts
        self.label = "no cell yet (the kernel was starting)"
        self.result: NotebookRun | None = None
        self.conn, child_end = context.Pipe(duplex=False)
        # short, in the temporary folder: a Unix socket's path holds at most 107 bytes
        self.sockets = private_tempdir("kernel")
        self.process = context.Process(
            target=_worker,
            args=(
                child_end,
                os.getpid(),
                notebook,
                folder / notebook.name,
                seed,
                timeouts,
                self.sockets,
                shared_results,
            ),
            daemon=True,
        )
        self._child_end = child_end
        self.started = self.deadline = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + _notebook_deadline(self.notebook, *self._timeouts)
        self.process.start()
        self._child_end.close()  # ours is the reading end; EOF then means the worker is gone

    def _drain(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            while self.conn.poll():
                kind, *rest = self.conn.recv()
                if kind == "cell":
                    self.label = rest[0]
                else:
                    self.result = NotebookRun(*rest)

    def over(self) -> bool:
        """Read what the worker sent; True once it is over (outcome, death or deadline)."""
        self._drain()
        if self.result is None and not self.process.is_alive():
            self._drain()  # it may have sent the outcome just before exiting
        elapsed = time.monotonic() - self.started
        if self.result is not None:
            self.process.join(10)
        elif not self.process.is_alive():
            self.result = NotebookRun(
                elapsed,
                f"notebook {self.notebook.name}: its worker process died (exit code "
                f"{self.process.exitcode}) in {self.label}",
                True,
            )
        elif time.monotonic() > self.deadline:
            self.result = NotebookRun(
                elapsed,
                f"notebook {self.notebook.name} hung in {self.label}: no result after "
                f"{elapsed:.0f} s",
                True,
            )
        else:
            return False
        self.kill()
        return True

    def kill(self) -> None:
        """Stop the worker and everything it started (the kernel runs in its own session)."""
        if self.process.is_alive():
            _kill(_descendants(self.process.pid, itself=True))
        if self.process.pid is not None:  # it may not have started (interrupted)
            self.process.join(5)
        shutil.rmtree(self.sockets, ignore_errors=True)
        self.conn.close()
        self._child_end.close()


def run_notebooks(
    chosen: list[Path],
    folder: Path,
    seed: int,
    jobs: int,
    *,
    execution_timeout: int = EXECUTION_TIMEOUT,
    start_timeout: int = START_TIMEOUT,
) -> dict[str, float]:
    """Execute the notebooks, ``jobs`` at a time, each in its own process and kernel.

    A notebook whose kernel hung, died or timed out is run once more in a fresh process; if
    that fails too, or a cell raised, :class:`BuildError` names the notebook and the cell.
    Each executed notebook is also converted to HTML beside it. Whatever ends this function
    (an error, SIGINT), no worker or kernel outlives it. Returns seconds per notebook stem.
    """
    runner = NotebookRunner(
        chosen, folder, seed, jobs, execution_timeout=execution_timeout, start_timeout=start_timeout
    )
    try:
        return runner.wait()
    finally:
        runner.stop()


class NotebookRunner:
    """Notebooks executing in worker processes while the caller does other work.

    :meth:`poll` starts waiting notebooks and settles finished ones without blocking, so the
    build can compute the studies' outputs meanwhile and call it between steps; :meth:`wait`
    polls until all are done; :meth:`stop` kills whatever still runs. ``order`` (stems, e.g.
    the slowest first as the previous report timed them) sets which start first.
    """

    def __init__(
        self,
        chosen: list[Path],
        folder: Path,
        seed: int,
        jobs: int,
        *,
        execution_timeout: int = EXECUTION_TIMEOUT,
        start_timeout: int = START_TIMEOUT,
        order: list[str] | None = None,
        shared_results: Path | None = None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._context = _context()
        self._preloaded = _start_forkserver(self._context)
        self._args = (folder, seed, (execution_timeout, start_timeout), shared_results)
        self._jobs = max(1, jobs)
        self._total = len(chosen)
        numbered = list(enumerate(chosen, 1))
        if order:
            rank = {stem: k for k, stem in enumerate(order)}
            numbered.sort(key=lambda item: rank.get(item[1].stem, len(rank)))
        self._waiting = deque((1, i, nb) for i, nb in numbered)
        self.start_order = [nb.stem for _, nb in numbered]  # the order they start in
        self._running: list[_Attempt] = []
        self.timings: dict[str, float] = {}
        self._failures: list[str] = []

    @property
    def done(self) -> bool:
        return not (self._waiting or self._running)

    def allow(self, jobs: int) -> None:
        """From now on, up to ``jobs`` notebooks at once."""
        self._jobs = max(1, jobs)

    def poll(self, timeout: float = 0, *, block: bool = False) -> None:
        """Start what may start, wait up to ``timeout`` s for news, settle what is over.

        Workers start only once the forkserver's preload is done, unless ``block``: starting
        one before would hold the caller up for seconds.
        """
        while self._waiting and len(self._running) < self._jobs and (block or self._preloaded()):
            number, i, notebook = self._waiting.popleft()
            if number == 1:
                _log(f"[{i}/{self._total}] {notebook.name} started")
            # listed before it starts, so an interrupt while it starts still stops it
            self._running.append(_Attempt(self._context, number, i, notebook, *self._args))
            self._running[-1].start()
        if not self._running:
            return
        multiprocessing.connection.wait(
            [a.conn for a in self._running] + [a.process.sentinel for a in self._running],
            timeout=timeout,
        )
        for attempt in [a for a in self._running if a.over()]:
            self._running.remove(attempt)
            _settle(attempt, self._total, self._waiting, self.timings, self._failures)

    def wait(self) -> dict[str, float]:
        """Poll until every notebook is done; :class:`BuildError` if any failed."""
        while not self.done:
            self.poll(timeout=1, block=True)
        if self._failures:
            raise BuildError("; ".join(sorted(self._failures)))
        return self.timings

    def stop(self) -> None:
        """Kill every running worker and its kernel; nothing more starts."""
        self._waiting.clear()
        for attempt in self._running:
            attempt.kill()
        self._running.clear()


def _settle(attempt: _Attempt, total: int, waiting: deque, timings: dict, failures: list):
    """Record a finished attempt: its time, its failure, or a retry."""
    seconds, error, retry = attempt.result
    progress = f"[{attempt.index}/{total}] {attempt.notebook.name}"
    if error is None:
        timings[attempt.notebook.stem] = round(seconds, 2)
        _log(f"{progress} done in {seconds:.1f} s")
    elif retry and attempt.number == 1:
        _log(f"{progress}: {error}; retrying once in a fresh kernel")
        waiting.appendleft((2, attempt.index, attempt.notebook))
    else:
        failures.append(error + (" (also on the retry)" if attempt.number > 1 else ""))
        _log(f"{progress} FAILED after {seconds:.1f} s")


# --- Where the report goes --------------------------------------------------------------------

_WHOLE = (
    "reproduce replaces its --out folder whole, so everything in it would be deleted. "
    "Give a folder of its own, e.g. --out reports."
)


def check_out(out: Path, shown: str | None = None) -> Path:
    """Resolve ``out`` and refuse any folder whose replacement could destroy a user's files.

    Allowed: a path that does not exist yet (in a folder that can be written), an empty
    folder, or a previous report. Raises :class:`InputError` naming the reason and the fix;
    creates nothing. ``shown`` is ``out`` as the user typed it, for the message.
    """
    shown = shown if shown is not None else str(out)
    resolved = Path(out).expanduser().resolve()
    _refuse_protected(resolved, shown)
    _check_parent(resolved, shown)
    _check_existing(resolved, shown)
    return resolved


def _refuse_protected(out: Path, shown: str) -> None:
    protected = [(ROOT, "the project folder")]
    with contextlib.suppress(OSError):  # the current folder may have been deleted
        protected.append((Path.cwd().resolve(), "the current folder"))
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder: nothing to protect
        protected.append((Path.home().resolve(), "your home folder"))
    for folder, what in protected:
        if out == folder or out in folder.parents:
            holds = "" if out == folder else f", which holds {what} ({folder})"
            this = what if out == folder else "a folder"
            raise InputError(f"--out {shown}: {out} is {this}{holds}; {_WHOLE}")


def _check_parent(out: Path, shown: str) -> None:
    """The nearest existing folder above ``out`` must be a folder we can write in."""
    above = out.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(
            f"--out {shown}: {above} is a file, so no folder can be made in it. "
            "Give a path inside a folder, e.g. --out reports."
        )
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputError(
            f"--out {shown}: cannot write in {above} (permission denied). "
            "Give a folder you can write to, e.g. --out reports."
        )


def _check_existing(out: Path, shown: str) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(
            f"--out {shown}: {out} is a file, not a folder, and reproduce would replace it. "
            "Give a new folder name or a previous report folder, e.g. --out reports."
        )
    if not any(out.iterdir()):
        return
    unlisted = _files_not_in_report(out)
    if unlisted is None:
        raise InputError(
            f"--out {shown}: {out} holds files and is not a previous report (no manifest.json "
            f'with "generator": "{GENERATOR}"); {_WHOLE}'
        )
    if unlisted:
        shown_files = ", ".join(unlisted[:5]) + (", ..." if len(unlisted) > 5 else "")
        raise InputError(
            f"--out {shown}: {out} is a previous report but also holds files it did not "
            f"write ({shown_files}), which would be deleted. Move them out of it, or give "
            "another --out."
        )


def is_report(manifest) -> bool:
    """Whether ``manifest`` is the manifest.json of a report built by ``reproduce``.

    Reports from before the ``generator`` marker are recognised by their seed, commit,
    package versions and file checksums.
    """
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return False
    return manifest.get("generator") == GENERATOR or {"seed", "commit", "packages"} <= set(manifest)


def _files_not_in_report(folder: Path) -> list[str] | None:
    """Files in ``folder`` its manifest does not list; None if it is not a report at all."""
    manifest = _previous_manifest(folder)
    if not is_report(manifest):
        return None
    listed = set(manifest["files"]) | {"manifest.json"}
    found = []
    for directory, subfolders, files in os.walk(folder):  # does not follow symlinks
        links = [d for d in subfolders if os.path.islink(os.path.join(directory, d))]
        for name in files + links:
            relative = Path(directory, name).relative_to(folder).as_posix()
            if relative not in listed:
                found.append(relative)
    return sorted(found)


def _slowest_first(out: Path) -> list[str]:
    """Notebook stems, slowest first, as the previous report in ``out`` timed them (none: file
    order). Starting the longest first shortens a build on few cores."""
    previous = _previous_manifest(out) or {}
    seconds = previous.get("notebook_seconds")
    if not isinstance(seconds, dict):
        return []
    timed = [(s, stem) for stem, s in seconds.items() if isinstance(s, int | float)]
    return [stem for _, stem in sorted(timed, reverse=True)]


def latest_needed_first(start_order: list[str]) -> list[str]:
    """The order in which the build computes the studies, given the order its notebooks
    start in: a study no notebook of the build shows first, then the others by their
    notebook's start, the last to start first.

    A notebook that starts early computes its study's replication and figures itself (the
    build loads them when it comes to that study, and waits if the notebook is still at
    it); one that starts late finds them made by the build. The two never compute the same
    thing at once, whichever order the previous report's timings give.

    Examples
    --------
    >>> latest_needed_first(["04_how_solid", "01_hiit_quadriceps", "02_distance_muscle_damage",
    ...                      "03_dose_and_intensity", "05_does_mileage_hurt_muscle"])
    ['concurrent', 'konopka2014', 'ryu2016', 'estes2017']
    >>> latest_needed_first(["02_distance_muscle_damage"])
    ['estes2017', 'konopka2014', 'concurrent', 'ryu2016']
    """
    from ..studies import all_studies

    position = {stem: k for k, stem in enumerate(start_order)}
    starts = {study.NAME: position.get(getattr(study, "NOTEBOOK", None)) for study in all_studies()}
    unshown = [n for n, start in starts.items() if start is None]
    shown = sorted(
        (n for n, start in starts.items() if start is not None), key=lambda n: -starts[n]
    )
    return unshown + shown


def _previous_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


class BuildLock:
    """Only one build into ``out`` at a time: ``flock`` on ``.<name>.lock`` beside it.

    The kernel releases the lock when its holder dies, so a lock file left by a killed build
    is simply taken over. POSIX only (``fcntl``).
    """

    def __init__(self, out: Path, shown: str | None = None) -> None:
        self.path = out.parent / f".{out.name}.lock"
        self.out, self.shown = out, shown if shown is not None else str(out)
        self.fd: int | None = None

    def __enter__(self) -> BuildLock:
        import fcntl

        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InputError(
                    f"--out {self.shown}: cannot create the lock file {self.path} "
                    f"({exc.strerror}). Give a folder you can write to."
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise InputError(
                    f"--out {self.shown}: another reproduce (process {holder}) is building "
                    f"into {self.out} right now (lock file {self.path}). Wait for it to "
                    "finish, or give another --out."
                ) from None
            # The holder unlinks the file before it unlocks; if we locked an unlinked file,
            # someone else may hold the new one: start again.
            if self._still_linked(fd):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
                return self
            os.close(fd)
        raise InputError(f"--out {self.shown}: could not take the lock {self.path}; try again.")

    def _still_linked(self, fd: int) -> bool:
        try:
            return os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            return False

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # while still locked: see __enter__
        os.close(self.fd)
        self.fd = None


def _make_parents(folder: Path, shown: str) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    created = []
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
    except OSError as exc:
        _remove_empty(created[::-1])
        raise InputError(f"--out {shown}: cannot create {exc.filename} ({exc.strerror}).") from None
    return created[::-1]


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; a folder something was put in stays
        with contextlib.suppress(OSError):
            folder.rmdir()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_staging(out: Path) -> Path:
    """An empty build folder beside ``out``, with the permissions of a folder made by mkdir."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; the report should not be
    return staging


def _remove_stale_staging(out: Path) -> None:
    """Remove build folders left by a build that was killed (we hold the lock: none is live)."""
    for stale in out.parent.glob(f".{out.name}-building-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _build_folder(out: Path, shown: str) -> Iterator[Path]:
    """Lock ``out`` and yield an empty staging folder beside it.

    On the way out (success, failure or interrupt) the staging folder, the lock and any
    parent folder made here are removed; after a success the staging folder is ``out``.
    """
    created = _make_parents(out.parent, shown)
    try:
        with BuildLock(out, shown):
            check_out(out, shown)  # again: another build may have run meanwhile
            _remove_stale_staging(out)
            staging = _make_staging(out)
            try:
                yield staging
            finally:
                shutil.rmtree(staging, ignore_errors=True)  # gone already after a success
    finally:
        _remove_empty(created)


def _replace_dir(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is, keeping the old ``out`` until the swap is done."""
    backup = None
    if out.exists():
        backup = out.with_name(f".{out.name}-old-{os.getpid()}")
        os.replace(out, backup)
    try:
        os.replace(staging, out)
    except BaseException:
        if backup is not None:
            os.replace(backup, out)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


# --- Signals ----------------------------------------------------------------------------------


class _Interrupts:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread, once.

    Inside :meth:`deferred` (the swap of the report folders, which must not be cut in half)
    the signal is only recorded in ``pending``.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.pending: int | None = None
        self.received: int | None = None  # the signal that raised Interrupted
        self._defer = False

    def _handle(self, signum, frame) -> None:
        for other in self.SIGNALS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(other, signal.SIG_IGN)
        if self._defer:
            self.pending = signum
            return
        self.received = signum
        raise Interrupted(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Interrupts]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signal handlers can only be set from the main thread
            return
        previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._defer = True
        try:
            yield
        finally:
            self._defer = False


# --- The command ------------------------------------------------------------------------------


def default_jobs() -> tuple[int, int]:
    """Notebooks at once by default: (while the build computes its own outputs, after).

    One per core the process may use while the build's own process computes too, one more
    once it is done: the cores stay busy while the last, short notebooks start their kernels
    (measured on 2 cores: 0.2-0.3 s less idle time per build).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores), max(1, cores) + 1


def _check_options(seed, jobs, execution_timeout, start_timeout) -> int:
    """Validate the numbers; return the cell timeout (argument, environment or default)."""
    if not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed {seed}: give a whole number 0 or more, e.g. --seed 0.")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise InputError(f"--jobs {jobs}: give 1 or more notebooks at once, e.g. --jobs 2.")
    if execution_timeout is None:
        raw = os.environ.get(TIMEOUT_VARIABLE, str(EXECUTION_TIMEOUT))
        try:
            execution_timeout = int(raw)
        except ValueError:
            execution_timeout = 0
        if execution_timeout < 1:
            raise InputError(
                f"{TIMEOUT_VARIABLE}={raw!r}: give the seconds a cell may run as a whole "
                f"number of 1 or more (default {EXECUTION_TIMEOUT})."
            )
    if execution_timeout < 1 or start_timeout < 1:
        raise InputError("the cell and kernel-start timeouts must be 1 s or more.")
    return execution_timeout


def reproduce(
    seed: int = 0,
    out: Path = Path("reports"),
    only: str | None = None,
    notebooks_dir: Path | None = None,
    jobs: int | None = None,
    *,
    execution_timeout: int | None = None,
    start_timeout: int = START_TIMEOUT,
) -> int:
    """Rebuild everything into ``out``; return the process exit code.

    0 on success, 1 if a step failed, 130 or 143 if SIGINT or SIGTERM stopped it. Bad
    options or an ``out`` that must not be replaced raise :class:`InputError` before any
    work. ``jobs`` notebooks run at once; by default (None) one per core while this process
    builds the studies' outputs and one more once it is done (:func:`default_jobs`).
    ``execution_timeout`` (seconds per cell) defaults to ``$ANALYSIS_CELL_TIMEOUT``, else 300.
    """
    execution_timeout = _check_options(seed, jobs, execution_timeout, start_timeout)
    chosen = notebooks(only, notebooks_dir)
    shown = str(out)
    out = check_out(out, shown)
    interrupts = _Interrupts()
    total = time.perf_counter()
    with interrupts.installed():
        try:
            with _build_folder(out, shown) as staging:
                _log(f"reproduce: seed {seed}, building in {staging}")
                manifest = _build(
                    staging,
                    out,
                    chosen,
                    seed,
                    jobs,
                    total,
                    execution_timeout,
                    start_timeout,
                    only,
                )
                with interrupts.deferred():
                    _replace_dir(staging, out)
        except BuildError as exc:
            _log(f"reproduce failed: {exc}. The previous {out.name}/ is left as it was.")
            return 1
        except Interrupted as exc:
            return _stopped(exc.signum, out)
        except Exception:
            # raised inside a C extension's call back into Python (matplotlib's Agg renderer
            # drawing a figure), the interrupt comes out as that library's own error, such
            # as "ValueError: Invalid bounding box": still a stop by that signal
            if interrupts.received is None:
                raise
            return _stopped(interrupts.received, out)
    if interrupts.pending is not None:
        name = signal.Signals(interrupts.pending).name
        _log(f"reproduce: stopped by {name} just after {out} was written whole.")
        return 128 + interrupts.pending
    if manifest.get("differs_from_previous"):
        _log(
            "warning: same seed, but these files differ from the previous report: "
            + ", ".join(manifest["differs_from_previous"])
        )
    _log(
        f"reproduce: wrote {out} in {time.perf_counter() - total:.1f} s (open {out / 'index.html'})"
    )
    return 0


def _stopped(signum: int, out: Path) -> int:
    """Say that a signal stopped the build (cleaned up already); its exit code."""
    name = signal.Signals(signum).name
    _log(
        f"reproduce: stopped by {name}; notebooks stopped, unfinished build removed, "
        f"{out} left as it was."
    )
    return 128 + signum


def _build(
    staging, out, chosen, seed, jobs, total, execution_timeout, start_timeout, only=None
) -> dict:
    """Everything of the report, into ``staging``; returns the manifest written there.

    With ``only`` (one notebook), only the studies that notebook needs are built
    (:func:`studies_for`); the claims of the others say they were not built in this run.
    """
    from . import report

    remove_stale_tempdirs()
    # The notebooks run in their workers while this process builds the studies' outputs;
    # the slowest (as the previous report timed them) start first, and this process builds
    # first the studies whose notebooks start last. A replication that both need is computed
    # once (analysis/dataio/shared.py), in a private folder of this build
    # inside its staging folder: a build that is killed leaves it where the next build into
    # the same --out removes it (_remove_stale_staging), not in the system's temporary folder.
    with tempfile.TemporaryDirectory(
        prefix=".shared-", dir=staging, ignore_cleanup_errors=True
    ) as shared_folder:
        shared_results = Path(shared_folder)
        during, after = (jobs, jobs) if jobs is not None else default_jobs()
        runner = NotebookRunner(
            chosen,
            staging / "notebooks",
            seed,
            during,
            execution_timeout=execution_timeout,
            start_timeout=start_timeout,
            order=_slowest_first(out),
            shared_results=shared_results,
        )
        # the build's own objects are spared the collector's walks while it runs (see
        # build_study_outputs), unless this process froze objects of its own already
        spare = gc.get_freeze_count() == 0
        try:
            runner.poll()
            needed = studies_for(chosen if only is not None else None)
            with shared.sharing(shared_results, between=runner.poll):
                results, figures, study_seconds = build_study_outputs(
                    seed,
                    staging,
                    runner.poll,
                    needed,
                    latest_needed_first(runner.start_order),
                    freeze=spare,
                )
            ranges = claim_ranges(seed, staging, runner.poll, needed)
            # the report's own pages while the last notebooks run
            _write_pages(staging, chosen, seed, needed, results, figures, ranges)
            runner.allow(after)  # this process only waits from here
            timings = runner.wait()
        finally:
            runner.stop()
            if spare:  # what build_study_outputs froze, given back to the collector
                gc.unfreeze()
    if Path(shared_folder).exists():  # never part of the report
        raise BuildError(f"could not remove the build's shared results ({shared_folder})")
    manifest = report.build_manifest(
        staging, seed=seed, root=ROOT, previous=_previous_manifest(out)
    )
    manifest["generator"] = GENERATOR
    manifest["notebook_seconds"] = timings
    manifest["study_seconds"] = study_seconds
    # how the kernels were made (see _kernels): "forked" from a worker that preloaded the
    # notebooks' imports, or "launched" as new interpreters (ANALYSIS_FRESH_KERNELS=1)
    manifest["kernels"] = "forked" if _kernels.wanted() else "launched"
    manifest["total_seconds"] = round(time.perf_counter() - total, 2)
    report.write_manifest(staging, manifest)
    return manifest


def _write_pages(staging, chosen, seed, needed, results, figures, ranges) -> None:
    """The claims table and ``index.html``; :class:`BuildError` if a paper's statement
    failed its scorecard."""
    from ..dataio.io import write_csv
    from ..engine.consistency import consistency_table
    from ..studies import all_studies
    from . import report
    from .claims import claims_table, with_ranges

    failed = [
        f"{rep.study} scorecard row {row.claim_id} (published {row.published}, "
        f"reproduced {row.reproduced:.4g})"
        for rep in results
        for row in rep.scorecard.itertuples()
        # an article's statement that fails is a finding about the article, not a failed
        # replication (Results.passed)
        if row.status != "PASS" and row.claimed_by != "article"
    ]
    if failed:
        raise BuildError("scorecard FAIL: " + "; ".join(failed))
    claims = with_ranges(claims_table(claim_verdicts(results), built=needed), ranges)
    write_csv(claims, staging / "tables" / "article_claims.csv")
    # the published numbers' agreement with each other, whichever studies were built
    write_csv(consistency_table(), staging / "tables" / "consistency.csv")

    titles = {study.NAME: study.TITLE for study in all_studies()}
    notebook_of = {study.NAME: study.NOTEBOOK for study in all_studies()}
    report.write_index(
        staging,
        claims=claims,
        results=results,
        titles=titles,
        notebook_of={k: v for k, v in notebook_of.items() if v in {n.stem for n in chosen}},
        notebooks=[n.stem for n in chosen],
        figures=figures,
        seed=seed,
    )
