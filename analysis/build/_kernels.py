"""Notebook kernels forked from a process that has already imported what notebooks import.

A fresh ipykernel costs about 4 CPU-seconds before a notebook's first line runs: 0.6 s to
start the kernel and 3 s to import numpy, pandas, scipy, statsmodels, pingouin, matplotlib
and this package. ``make reproduce`` starts five kernels on two cores, so that was a third of
the build. Here the forkserver of ``reproduce``'s workers imports all of it once
(:func:`preload`); each worker, before doing anything else, forks a *kernel zygote*: a copy
of itself that waits on a pipe. When nbclient starts the notebook's kernel, the worker's
kernel manager hands the zygote the connection file, environment and folder nbclient chose
(:meth:`KernelZygote.launch`) and the zygote becomes the kernel (``IPKernelApp``).

What a notebook sees is what a fresh kernel gives it, with its imports already done:

* its own process, forked from a process that has run nothing but imports (no notebook code,
  no other notebook's state; the worker forks the zygote before it starts any thread, event
  loop or ZeroMQ context);
* the environment, working folder and ``sys.argv`` a launched kernel would have;
* fresh entropy for ``random`` (CPython reseeds it at fork) and for numpy's legacy global
  generator (reseeded here), so unseeded draws differ between notebooks as they would;
* matplotlib's inline backend, which a launched kernel selects through ``MPLBACKEND`` before
  matplotlib is imported (the preload sets the same variable before importing it).

Set ``ANALYSIS_FRESH_KERNELS=1`` to launch every kernel as a new interpreter instead (slower,
nothing shared). Off Linux (see :func:`wanted`), or where the preload failed, that is what
happens.

Written by hand: jupyter_client launches kernels with ``subprocess`` only, and no maintained
package forks kernels from a preloaded process for nbclient.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import signal
import sys
import time
import traceback

FRESH_KERNELS = "ANALYSIS_FRESH_KERNELS"  # "1": every kernel a new interpreter
_INLINE = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when unset
# a build's kernels keep no IPython history: each would otherwise add a session and every
# cell to the user's ~/.ipython history database, committing once per cell
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PYDEVD_QUIET = "PYDEVD_DISABLE_FILE_VALIDATION"  # read by pydevd when it is imported

# What the notebooks import, imported once by the forkserver. A module missing here is simply
# imported by the kernel itself. Not statsmodels' formula API (a quarter of a second): only a
# replication uses it, and in a build the notebooks load theirs (analysis/dataio/shared.py).
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # every kernel imports it (debugpy, pydevd): see _PYDEVD_QUIET
    "ipywidgets",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "seaborn",
    "pingouin",
    "pandas.io.formats.style",  # the first table a notebook shows (analysis.engine.display)
    "analysis.build.claims",
    "analysis.checks.explorer",
    "analysis.checks.power",
    "analysis.checks.sensitivity",
    "analysis.engine.consistency",
    "analysis.engine.display",
    "analysis.engine.hrr",
    "analysis.engine.plots",
    "analysis.engine.sessions",
    "analysis.studies.base",
    "analysis.studies.concurrent",
    "analysis.studies.estes2017",
    "analysis.studies.konopka2014",
    "analysis.studies.ryu2016",
)

_preloaded = False  # set in the forkserver by preload(); inherited by every worker it forks


def wanted() -> bool:
    """Whether kernels are forked from the preload: on Linux, unless switched off. (macOS has
    ``fork`` too, but its system frameworks are not safe to use in a forked child once
    initialised, and numpy may have initialised them: kernels are launched there.)"""
    return (
        hasattr(os, "fork")
        and sys.platform.startswith("linux")
        and os.environ.get(FRESH_KERNELS, "") != "1"
    )


def preload() -> None:
    """Import :data:`KERNEL_MODULES` (run in the workers' forkserver, once per build).

    A module that fails to import is left out: the notebook's own import then shows the
    error where a reader can see it.
    """
    global _preloaded
    if not wanted():
        return
    # a launched ipykernel sets this before anything imports matplotlib; so must we
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = _INLINE
    # pydevd warns at import that this interpreter runs frozen modules; a launched kernel
    # does not (its kernel spec passes -Xfrozen_modules=off). The warning is only about
    # breakpoints, which a headless run never sets: silenced for the import only.
    quiet = os.environ.get(_PYDEVD_QUIET)
    os.environ[_PYDEVD_QUIET] = "1"
    try:
        for name in KERNEL_MODULES:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    finally:
        if quiet is None:
            del os.environ[_PYDEVD_QUIET]
        else:
            os.environ[_PYDEVD_QUIET] = quiet
    _preloaded = True


class ForkedKernel:
    """The ``subprocess.Popen`` face jupyter_client's provisioner needs, for a forked kernel.

    The kernel is a child of this process (the worker), so ``waitpid`` reaps it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: it is gone all the same
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class KernelZygote:
    """A fork of this worker, made before it runs anything, that becomes a kernel on request.

    Create it first thing in the worker (no threads, event loop or ZeroMQ context yet). Use it
    once with :meth:`launch`; :meth:`close` ends an unused one. ``close_in_child`` lists file
    descriptors of the worker the kernel must not hold (its pipe to ``reproduce``, whose end
    of file tells ``reproduce`` the worker is gone).
    """

    def __init__(self, close_in_child: tuple[int, ...] = ()) -> None:
        self._write: int | None = None
        self.pid: int | None = None
        read, write = os.pipe()
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:  # the zygote: never returns
            os.close(write)
            _zygote_life(read, worker, close_in_child)
        os.close(read)
        self.pid, self._write = pid, write

    @property
    def available(self) -> bool:
        return self._write is not None

    def launch(self, connection_file: str, env: dict, cwd: str | None) -> ForkedKernel:
        """Turn the zygote into the kernel of ``connection_file``; its process handle."""
        if self._write is None:
            raise RuntimeError("this kernel zygote was used or closed already")
        # as jupyter_client's launcher does: the kernel watches the worker that started it
        env = {**env, "JPY_PARENT_PID": str(os.getpid())}
        request = {"connection_file": connection_file, "env": env, "cwd": cwd}
        write, self._write = self._write, None
        with os.fdopen(write, "wb") as pipe:
            pipe.write(pickle.dumps(request))
        return ForkedKernel(self.pid)

    def close(self) -> None:
        """End an unused zygote (its pipe closes, it exits) and reap it."""
        if self._write is None:
            return
        os.close(self._write)
        self._write = None
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _zygote_life(read: int, worker: int, close_in_child: tuple[int, ...]) -> None:
    """The zygote's life: wait for a request, become the kernel, exit. Never returns."""
    code = 1
    try:
        os.setsid()  # a session of its own, as jupyter_client gives a launched kernel
        _die_with(worker)
        for fd in close_in_child:
            with contextlib.suppress(OSError):
                os.close(fd)
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()  # until the worker writes its request and closes the pipe
        if not data:  # the worker did not need a kernel
            code = 0
        else:
            code = _become_kernel(pickle.loads(data))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _die_with(worker: int) -> None:
    """SIGKILL when the worker dies (Linux), as the launched kernel's launcher arranged."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != worker:
        os._exit(1)


def _become_kernel(request: dict) -> int:
    """Set up what a launched kernel would have, then run ``IPKernelApp`` until shutdown."""
    from ipykernel.kernelapp import IPKernelApp

    from .reproduce import STATIC_WIDGETS

    os.environ.clear()
    os.environ.update(request["env"])
    os.environ[STATIC_WIDGETS] = "1"  # headless: widgets render their starting state
    if request.get("cwd"):
        os.chdir(request["cwd"])
    # a launched kernel reads an unused pipe, not the terminal reproduce was started from
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # the worker ignores SIGINT (reproduce stops it); a kernel is interrupted with SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # a new interpreter would seed the legacy global generator afresh
        numpy.random.seed()
    _be_a_main_process()
    argv = ["-f", request["connection_file"], *KERNEL_OPTIONS]
    # ipykernel reads JPY_PARENT_PID when it is imported (in the preload, where it is unset):
    # say it here, or the kernel would not watch its parent and would print a console banner
    if os.environ.get("JPY_PARENT_PID"):
        argv.append(f"--IPKernelApp.parent_handle={int(os.environ['JPY_PARENT_PID'])}")
    sys.argv = [getattr(sys.modules.get("ipykernel"), "__file__", "ipykernel"), *argv]
    app = IPKernelApp.instance()  # what IPKernelApp.launch_instance does, with one step more
    app.initialize(argv)
    _inline_figures(app.shell)
    app.start()
    return 0


def _inline_figures(shell) -> None:
    """Show figures in the notebook, as a launched kernel does.

    matplotlib_inline's backend sets this up when it is imported in a kernel (figures shown
    as PNG, and those left open at the end of a cell). Here it was imported by the preload,
    where no kernel existed yet: without this step a figure would be shown as the text
    ``<Figure size 880x504 with 1 Axes>``.
    """
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    matplotlib = sys.modules.get("matplotlib")
    if shell is None or inline is None or matplotlib is None:
        return  # not preloaded: the kernel's own import sets it up
    backend = matplotlib.get_backend()
    if backend in ("inline", _INLINE):
        from IPython.core.pylabtools import activate_matplotlib

        activate_matplotlib(backend)
        inline.configure_inline_support(shell, backend)


_zygote: KernelZygote | None = None  # this worker's, once forked


def fork_zygote(close_in_child: tuple[int, ...] = ()) -> KernelZygote | None:
    """Fork this worker's kernel zygote if the preload ran here and forking is wanted."""
    global _zygote
    if _preloaded and wanted():
        _zygote = KernelZygote(close_in_child)
    return _zygote


def take_zygote() -> KernelZygote | None:
    """This worker's unused zygote, once: a second kernel (a restart) is launched afresh."""
    global _zygote
    zygote, _zygote = _zygote, None
    return zygote if zygote is not None and zygote.available else None


def _be_a_main_process() -> None:
    """Forget the multiprocessing state inherited from the worker, as a new interpreter has
    none: a process of its own name, no parent, its own resource tracker and forkserver (with
    the worker's, a semaphore of a killed kernel would be reported by ``reproduce``)."""
    import itertools
    from multiprocessing import forkserver, process, resource_tracker

    class MainProcess(process.BaseProcess):  # multiprocessing's _MainProcess, deleted there
        def __init__(self):
            self._identity, self._name, self._parent_pid = (), "MainProcess", None
            self._popen, self._closed = None, False
            self._config = {"authkey": process.AuthenticationString(os.urandom(32))}
            self._config["semprefix"] = "/mp"

        def close(self):
            pass

    process._current_process = MainProcess()
    process._parent_process = None
    process._children = set()
    process._process_counter = itertools.count(1)
    tracker = resource_tracker.ResourceTracker()
    resource_tracker._resource_tracker = tracker
    for name in ("ensure_running", "register", "unregister", "getfd"):
        setattr(resource_tracker, name, getattr(tracker, name))
    server = forkserver.ForkServer()
    forkserver._forkserver = server
    for name in ("ensure_running", "get_inherited_fds", "connect_to_new_process"):
        setattr(forkserver, name, getattr(server, name))
    forkserver.set_forkserver_preload = server.set_forkserver_preload
