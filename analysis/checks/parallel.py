"""Monte Carlo work split into seeded blocks, run locally, on threads or on a Dask cluster.

Power estimates and assumption grids are embarrassingly parallel: every *cell* (a setting of
the assumptions, a sample size) needs many replicates, and every replicate is independent.
:func:`run_blocks` cuts each cell's replicates into **blocks** of :data:`BLOCK` replicates,
gives every block its own seed, and runs a function on each block:

* locally, in a plain loop (the default), or on ``threads`` threads of this process;
* on a ``dask.distributed.LocalCluster`` of ``workers`` processes, started and closed here;
* on an existing cluster: ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``).

The seed scheme
---------------
Block ``b`` of cell ``c`` draws from ``numpy.random.SeedSequence(seed).spawn(...)[c].spawn(...)
[b]``, which is ``SeedSequence(seed, spawn_key=(c, b))`` (:func:`block_seed`), and its size
depends on ``reps`` only. A *chunk*, the unit of work sent to a worker, groups whole blocks of
one cell. So each replicate is drawn from the same stream whatever the chunk size, the number
of workers, or the machine they run on, and the result is **bit-identical** across all of
them. With ``common=True`` every cell uses the streams of cell 0 (common random numbers): a
power curve over ``n`` then differs between cells by ``n`` only, not by the luck of the draw.

The block size is part of the scheme: changing :data:`BLOCK` changes every result (the draws
are re-cut), so it is fixed, not a parameter.

Memory
------
Each chunk is reduced where it runs (``combine``, e.g. adding counts of replicates in which a
decision holds), so a million replicates cost the memory of one block per worker plus one
small result per chunk. ``combine=None`` keeps every block's result instead (arrays of
p-values, say), and memory then grows with ``reps``.
"""

from __future__ import annotations

import logging
import math
import operator
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "BLOCK",
    "Chunk",
    "block_seed",
    "block_sizes",
    "check_address",
    "chunks",
    "dask_client",
    "run_blocks",
]

#: Replicates per seeded block: large enough that the per-block cost of Python is small
#: beside the numpy work (tens of ms per block for the studies here), small enough that a
#: block of the largest design (30 subjects x 3 times x 5 outcomes) stays near 10 MB. Equal to
#: the block of ``analysis.studies._ryu2016_batch``, which draws its random numbers in whole
#: blocks of 2048 whatever is asked: a smaller block here would draw (and discard) the rest.
BLOCK = 2_048

#: Schemes of the addresses ``distributed`` can connect to.
# the schemes a scheduler in another process can be reached by (inproc is within one process;
# ucx needs ucx-py, and tls and wss need certificates in Dask's configuration: checked when
# connecting, see dask_client)
SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")

# How long to try to reach an existing scheduler before giving up with a clear message.
CONNECT_TIMEOUT_S = 10.0


def block_sizes(reps: int, block: int = BLOCK) -> list[int]:
    """The sizes of the blocks that ``reps`` replicates are cut into: full blocks, then the rest.

    Examples
    --------
    >>> block_sizes(5_000)
    [2048, 2048, 904]
    >>> block_sizes(3, block=2)
    [2, 1]
    """
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    full, rest = divmod(reps, block)
    return [block] * full + ([rest] if rest else [])


def block_seed(seed: int, cell: int, block: int) -> np.random.SeedSequence:
    """The seed of block ``block`` of cell ``cell``: ``SeedSequence(seed, spawn_key=(cell,
    block))``.

    The same as spawning ``SeedSequence(seed).spawn(...)`` per cell and then per block, built
    directly so that a worker needs nothing but three numbers.

    Examples
    --------
    >>> a = block_seed(7, 1, 2)
    >>> b = np.random.SeedSequence(7).spawn(2)[1].spawn(3)[2]
    >>> a.generate_state(2).tolist() == b.generate_state(2).tolist()
    True
    """
    return np.random.SeedSequence(seed, spawn_key=(cell, block))


@dataclass(frozen=True)
class Chunk:
    """A unit of work: whole consecutive blocks of one cell.

    ``cell`` is the cell's position in the grid, ``stream`` the cell whose seeds it draws
    (``cell``, or 0 under common random numbers), ``first`` the index of its first block and
    ``sizes`` the replicates in each of its blocks.
    """

    cell: int
    stream: int
    first: int
    sizes: tuple[int, ...]

    @property
    def reps(self) -> int:
        """Replicates in the chunk."""
        return sum(self.sizes)


def chunks(
    n_cells: int, reps: int, chunk: int = 1, *, common: bool = False, block: int = BLOCK
) -> list[Chunk]:
    """Every chunk of a grid, cell by cell, in block order.

    Examples
    --------
    >>> [(c.cell, c.first, c.sizes) for c in chunks(2, 5_000, chunk=2)]
    [(0, 0, (2048, 2048)), (0, 2, (904,)), (1, 0, (2048, 2048)), (1, 2, (904,))]
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1 block, got {chunk}")
    sizes = block_sizes(reps, block)
    return [
        Chunk(cell, 0 if common else cell, first, tuple(sizes[first : first + chunk]))
        for cell in range(n_cells)
        for first in range(0, len(sizes), chunk)
    ]


def run_chunk(
    func: Callable[[Any, int, np.random.Generator], Any],
    value: Any,
    piece: Chunk,
    seed: int,
    combine: Callable[[Any, Any], Any] | None = operator.add,
) -> Any:
    """Run ``func(value, reps, rng)`` on each block of ``piece``; reduce with ``combine``.

    Called where the work runs (this process, a thread, a Dask worker). Blocks are reduced in
    block order; with ``combine=None`` the list of the blocks' results is returned.

    Examples
    --------
    >>> def draws(value, reps, rng):
    ...     return int((rng.random(reps) < value).sum())
    >>> run_chunk(draws, 0.5, Chunk(0, 0, 0, (1000, 1000)), seed=1)
    1011
    """
    results = []
    total = None
    for offset, size in enumerate(piece.sizes):
        rng = np.random.default_rng(block_seed(seed, piece.stream, piece.first + offset))
        result = func(value, size, rng)
        if combine is None:
            results.append(result)
        else:
            total = result if total is None else combine(total, result)
    return results if combine is None else total


_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):(?P<port>\d+)/?$"
)


def check_address(text: str) -> str:
    """A scheduler address, checked and made explicit: ``host:port`` becomes ``tcp://host:port``.

    Raises
    ------
    InputError
        If ``text`` is not ``[scheme://]host:port`` with a known scheme and a port 1-65535.

    Examples
    --------
    >>> check_address("tcp://10.0.0.5:8786"), check_address("scheduler:8786")
    ('tcp://10.0.0.5:8786', 'tcp://scheduler:8786')
    >>> check_address("http://host:8787")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: --scheduler 'http://host:8787' has the scheme http, which ...
    """
    match = _ADDRESS.match(text.strip())
    example = "give its address as tcp://HOST:PORT (usually port 8786; 8787 is the dashboard)"
    if match is None:
        raise InputError(f"--scheduler {text!r} is not an address; {example}")
    scheme = match["scheme"] or "tcp"
    if scheme not in SCHEMES:
        raise InputError(
            f"--scheduler {text!r} has the scheme {scheme}, which a Dask scheduler does not "
            f"speak; {example}"
        )
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise InputError(f"--scheduler {text!r}: the port must be 1-65535; {example}")
    return f"{scheme}://{match['host']}:{port}"


@contextmanager
def dask_client(workers: int | None = None, scheduler: Any = None):
    """A ``distributed.Client``: on a new ``LocalCluster`` of ``workers`` processes, or
    connected to ``scheduler`` (an address, or a ``Client`` that is used as it is).

    What is created here is closed on leaving, also after an error or Ctrl-C; a cluster
    reached by its address is left running (it is someone else's).
    """
    from dask.distributed import Client, LocalCluster

    if workers is not None and scheduler is not None:
        raise InputError("give --workers (a cluster on this machine) or --scheduler, not both")
    if isinstance(scheduler, Client):
        yield scheduler
        return
    with ExitStack() as stack:
        if scheduler is not None:
            address = check_address(str(scheduler))
            try:
                client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach a Dask scheduler at {address} within "
                    f"{CONNECT_TIMEOUT_S:g} s ({type(exc).__name__}); is it running, and is "
                    "the port open from here? (`dask scheduler` prints its address)"
                ) from None
            except (TypeError, ValueError, ImportError) as exc:  # raised by the scheme's comm
                scheme = address.partition("://")[0]
                needs = {
                    "tls": "TLS certificates in Dask's configuration (distributed.comm.tls)",
                    "wss": "TLS certificates in Dask's configuration (distributed.comm.tls)",
                    "ucx": "the ucx-py package (UCX-Py) installed",
                }.get(scheme, "what its connector needs")
                raise InputError(
                    f"cannot connect to {address}: Dask's {scheme}:// connector needs {needs} "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                    "or give a tcp:// address"
                ) from None
            stack.enter_context(client)
        else:
            # one thread per process: numpy's work is then not oversubscribed on the cores,
            # and the processes do not share the GIL
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # the scheduler's plain HTTP server (health, metrics) on a free port of
                    # this machine only, not on 8787 of every interface
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster, set_as_default=False))
        yield client


class _Hooked:
    """A progress bar that also calls ``hook(reps)`` at each update."""

    def __init__(self, bar, hook: Callable[[int], None]) -> None:
        self._bar, self._hook = bar, hook

    def update(self, reps: int) -> None:
        self._bar.update(reps)
        self._hook(reps)


def _bar_class():
    """tqdm's notebook bar inside a Jupyter kernel, its text bar anywhere else.

    Not ``tqdm.auto`` alone: it picks the notebook bar in any process that has imported
    ipykernel (a test run, a build's worker), where the bar would be printed to stdout as a
    widget's text instead of drawn on stderr.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if type(shell).__name__ == "ZMQInteractiveShell":
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


def _progress(total: int, progress: bool, desc: str | None):
    # delay=1: a run shorter than about a second shows no bar at all
    return _bar_class()(
        total=total,
        disable=not progress,
        delay=1,
        file=sys.stderr,
        unit="rep",
        unit_scale=True,
        desc=desc,
        leave=False,
    )


def check_reps_and_seed(reps: int, seed: int) -> None:
    """:class:`InputError` unless ``reps`` is a whole number >= 1 and ``seed`` one >= 0: the
    arguments of every Monte Carlo computation, checked before any work."""
    for name, value, low in (("reps", reps, 1), ("seed", seed, 0)):
        check_whole(name, value, low)


def check_whole(name: str, value: Any, low: int) -> None:
    """:class:`InputError` unless ``value`` is a whole number (not a bool) >= ``low``."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
        raise InputError(f"{name} must be a whole number >= {low}, got {value!r}")


def run_blocks(
    func: Callable[[Any, int, np.random.Generator], Any],
    cells: Sequence[Any],
    reps: int,
    seed: int = 0,
    *,
    combine: Callable[[Any, Any], Any] | None = operator.add,
    chunk: int | None = None,
    common: bool = False,
    threads: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool | Callable[[int], None] = False,
    desc: str | None = None,
) -> list:
    """Run ``func(cell, block_reps, rng)`` over ``reps`` replicates of every cell, in blocks.

    Parameters
    ----------
    func : callable
        ``func(cell, reps, rng)``: the result of ``reps`` replicates of ``cell`` drawn with the
        ``numpy.random.Generator`` ``rng``. Must be importable by name (a module-level
        function) or picklable by cloudpickle when it runs on Dask workers.
    cells : sequence
        The settings to run (any picklable values); their position sets their seeds.
    reps : int
        Replicates per cell, cut into blocks of :data:`BLOCK`.
    seed : int
        The root of every block's seed (:func:`block_seed`).
    combine : callable or None
        Reduces two results into one (default ``+``: counts, numpy arrays of counts). The
        result is bit-identical across chunk sizes when the reduction is exact (integers);
        a sum of floats may differ in its last bits. ``None`` returns the list of the blocks'
        results for each cell instead.
    chunk : int, optional
        Blocks per task. Default: one locally; on Dask, about four tasks per worker thread.
        The result does not depend on it.
    common : bool
        Common random numbers: every cell draws the streams of cell 0.
    threads : int, optional
        Run the chunks on this many threads of this process (numpy releases the GIL in most
        of its work). Not with ``workers`` or ``scheduler``.
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes (one thread each) for the run,
        closed after it. From a script, call under ``if __name__ == "__main__":`` (the
        processes are spawned and would run the script again).
    scheduler : str or distributed.Client, optional
        Run on an existing Dask cluster: its address (``tcp://host:8786``) or a ``Client``.
    progress : bool or callable
        True: a tqdm bar on stderr when the run takes more than about a second. A callable
        is called instead with the number of replicates each finished chunk held (e.g.
        ``make reproduce`` looks after its notebooks there).
    desc : str, optional
        The bar's label.

    Returns
    -------
    list
        One result per cell, in the order of ``cells``.

    Examples
    --------
    >>> def hits(p, reps, rng):
    ...     return int((rng.random(reps) < p).sum())
    >>> run_blocks(hits, [0.1, 0.5], reps=5_000, seed=3)
    [459, 2516]
    >>> run_blocks(hits, [0.1, 0.5], reps=5_000, seed=3, chunk=2, threads=2)
    [459, 2516]
    """
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    backends = [name for name, v in (("threads", threads), ("workers", workers)) if v is not None]
    if scheduler is not None:
        backends.append("scheduler")
    if len(backends) > 1:
        raise ValueError(
            f"give one of threads, workers and scheduler, not {' and '.join(backends)}"
        )
    for name, value in (("threads", threads), ("workers", workers), ("chunk", chunk)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    cells = list(cells)
    n_blocks = len(block_sizes(reps))
    hook = progress if callable(progress) else None
    with _progress(reps * len(cells), hook is None and bool(progress), desc) as shown:
        bar = shown if hook is None else _Hooked(shown, hook)
        if workers is None and scheduler is None:
            pieces = chunks(len(cells), reps, chunk or 1, common=common)
            results = _run_here(func, cells, pieces, seed, combine, threads, bar)
        else:
            with dask_client(workers, scheduler) as client:
                slots = max(1, sum(client.nthreads().values()))
                per_task = chunk or max(1, math.ceil(len(cells) * n_blocks / (4 * slots)))
                pieces = chunks(len(cells), reps, per_task, common=common)
                results = _run_on_dask(client, func, cells, pieces, seed, combine, bar)
    return _per_cell(results, pieces, len(cells), combine)


def _run_here(func, cells, pieces, seed, combine, threads, bar) -> list:
    if threads is None:
        results = []
        for piece in pieces:
            results.append(run_chunk(func, cells[piece.cell], piece, seed, combine))
            bar.update(piece.reps)
        return results
    results = [None] * len(pieces)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = {
            pool.submit(run_chunk, func, cells[piece.cell], piece, seed, combine): i
            for i, piece in enumerate(pieces)
        }
        try:
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                bar.update(pieces[i].reps)
        finally:
            for future in futures:  # after an error, start nothing more
                future.cancel()
    return results


def _run_on_dask(client, func, cells, pieces, seed, combine, bar) -> list:
    from dask.distributed import as_completed as dask_completed

    # pure=False: the key is then random, not a hash of the arguments (hashing a study
    # module or a function is slow and would not make a repeated run cheaper)
    futures = [
        client.submit(run_chunk, func, cells[p.cell], p, seed, combine, pure=False) for p in pieces
    ]
    index = {future.key: i for i, future in enumerate(futures)}
    try:
        # the loop of our client: as_completed would otherwise look for a default client
        for future in dask_completed(futures, loop=client.loop):
            if future.status == "error":
                future.result()  # raises the task's exception, as it was raised
            bar.update(pieces[index[future.key]].reps)
        return client.gather(futures)
    finally:
        client.cancel(futures)


def _per_cell(results, pieces, n_cells, combine) -> list:
    """Reduce the chunks' results per cell, in block order (the order of ``pieces``)."""
    out: list = [None] * n_cells
    for piece, result in zip(pieces, results, strict=True):
        if combine is None:
            out[piece.cell] = (out[piece.cell] or []) + list(result)
        else:
            out[piece.cell] = (
                result if out[piece.cell] is None else combine(out[piece.cell], result)
            )
    return out
