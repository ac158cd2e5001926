"""The registry of studies: name -> module with ``simulate``, ``analyze`` and ``replicate``.

Modules are imported on first use so that listing the studies stays cheap.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import InputError

STUDIES: dict[str, str] = {
    "estes2017": "HIIT running and quadriceps size (Estes et al. 2017)",
    "ryu2016": "Running distance and muscle damage (Ryu et al. 2016)",
}


def get_study(name: str) -> ModuleType:
    """The module of a registered study.

    Examples
    --------
    >>> get_study("estes2017").NAME
    'estes2017'
    """
    if name not in STUDIES:
        raise InputError(f"unknown study {name!r}; the studies are: {', '.join(STUDIES)}.")
    return importlib.import_module(f"{__name__}.{name}")
