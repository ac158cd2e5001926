"""Writing results: reproducible bytes, and nothing half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` without its index, with ``\\n`` line ends and round-trip floats.

    The file appears whole or not at all: it is written next to its target, then renamed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            df.to_csv(handle, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_tables(
    tables: Mapping[str, pd.DataFrame], directory: str | Path, prefix: str = ""
) -> list[Path]:
    """Write every table as ``<prefix><name>.csv`` in ``directory``, all or none.

    The tables are written into a temporary folder beside ``directory`` first and moved in
    only when every one was written.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name, table in tables.items():
            write_csv(table, staging / f"{prefix}{name}.csv")
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for file in sorted(staging.iterdir()):
            os.replace(file, directory / file.name)
            written.append(directory / file.name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
