"""Results computed once per ``make reproduce`` and shared by the build and the notebooks it
runs.

The build computes each simulated study's replication (seed, default assumptions) for the
report while its notebooks run, and notebooks 01 and 02 compute the same replication again
(about 3 CPU-seconds twice on a 2-core machine); notebooks 02 and 04 both show the running
study's default power table; the notebooks show the figures the build writes
(:mod:`analysis.engine.figureset`). During a build, and only then, the first process that needs
such a result computes it and leaves it, pickled, in a private folder of that build (mode
0700, inside its staging folder, removed when the build ends; a build that is killed leaves
it for the next build into the same ``--out`` to remove); the others load it. Outside a
build (a notebook opened in JupyterLab, the CLI, the tests) nothing is shared or stored. Callers share only
calls whose result the key names whole (study, seed, replicates; default assumptions; a
figure's fingerprint).

Whoever comes second waits for the first (an OS file lock, released even if its holder dies)
and loads its result instead of repeating the computation; the result is the same either way,
since a replication is a function of its seed. The build's own process waits without blocking:
it keeps looking after its notebooks (``between``) while it waits, so a notebook that finishes
or fails meanwhile is settled and the next one started. (It used to compute the result again
instead, which cost a second core the whole computation whenever a notebook had started it
first.) A kernel that hangs holding the lock is ended by its notebook's execution timeout,
which releases the lock.

Written by hand: ``joblib.Memory`` caches across runs (keyed by the code), which a
replication must not do; this store lives for one build.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

try:
    import fcntl
except ImportError:  # Windows: no forkserver, no forked kernels; nothing is shared
    fcntl = None

T = TypeVar("T")

SHARED_RESULTS = "ANALYSIS_SHARED_RESULTS"  # the build's folder, in its workers' environment
_build_folder: Path | None = None  # set in the build's own process by sharing()
_between: Callable[[], None] | None = None  # the build's look at its notebooks


@contextlib.contextmanager
def sharing(folder: Path, between: Callable[[], None] | None = None) -> Iterator[Path]:
    """In the build's process: share replications through ``folder`` (a private, empty
    folder of this build) until the block ends. ``between`` is called after each table of a
    replication the build computes (it looks after its notebooks there)."""
    global _build_folder, _between
    previous = _build_folder, _between
    _build_folder, _between = Path(folder), between
    try:
        yield _build_folder
    finally:
        _build_folder, _between = previous


def _folder() -> tuple[Path | None, bool]:
    """The shared folder and whether this process may block while it waits for another's
    computation (the build's process may not: it polls its notebooks as it waits)."""
    if fcntl is None:
        return None, False
    if _build_folder is not None:
        return _build_folder, False
    env = os.environ.get(SHARED_RESULTS)
    return (Path(env), True) if env else (None, False)


POLL_SECONDS = 0.02  # how often the build's process retries a lock held by a notebook


def _lock(lock: int, may_block: bool) -> None:
    """Take the lock: blocking in a kernel; in the build, retrying while polling."""
    if may_block:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:  # a notebook is computing it: look after the others meanwhile
            if _between is not None:
                _between()
            time.sleep(POLL_SECONDS)


def active() -> bool:
    """Whether results are shared here: in a build's process or one of its notebooks."""
    return _folder()[0] is not None


def once(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from another process of the same build.

    ``key`` names the computation whole (study, function, seed); the caller shares only calls
    whose result the key determines. A result that cannot be stored or read is recomputed.

    Examples
    --------
    Outside a build, ``once`` is ``compute()``:

    >>> once("example-seed0", lambda: 42)
    42
    """
    folder, may_block = _folder()
    if folder is None:
        return compute()
    stored = folder / f"{key}.pickle"
    try:
        lock = os.open(folder / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return compute()
    try:
        try:
            _lock(lock, may_block)
        except OSError:  # a file system without locks: computed here, not shared
            return compute()
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
            with stored.open("rb") as file:
                return pickle.load(file)
        result = compute()
        _complete(result)
        _store(result, stored)
        return result
    finally:
        os.close(lock)  # releases the lock


def _complete(result) -> None:
    """Compute a replication's tables (lazy until read) one at a time, calling the build's
    ``between`` after each; pickling would otherwise compute them all in one go."""
    tables = getattr(result, "tables", None)
    if _between is None or not isinstance(tables, Mapping):
        return
    for name in tables:
        tables[name]
        _between()


def _store(result, stored: Path) -> None:
    """Write ``result`` whole or not at all (another process may read it next)."""
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        fd, partial = tempfile.mkstemp(dir=stored.parent, suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as file:
                pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, stored)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(partial)
