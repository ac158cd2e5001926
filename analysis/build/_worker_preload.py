"""Imported by the forkserver of ``reproduce``'s notebook workers: see
:func:`analysis.build.reproduce.preload_worker`."""

from .reproduce import preload_worker

preload_worker()
