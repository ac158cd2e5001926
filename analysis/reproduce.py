"""``make reproduce``: rebuild every dataset, table, figure and notebook from nothing.

The build happens in a temporary folder beside the report folder; the old report is replaced
only when everything succeeded, so a failure never leaves a half-written report behind.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .errors import InputError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


class BuildError(RuntimeError):
    """A step of the build failed; the message names the step (notebook and cell, or claim)."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def notebooks(only: str | None = None) -> list[Path]:
    """The notebooks to run, in order; ``only`` picks one by file name or stem."""
    found = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    if only is None:
        return found
    chosen = [nb for nb in found if only in (nb.name, nb.stem)]
    if not chosen:
        names = ", ".join(nb.stem for nb in found)
        raise InputError(f"--only {only!r}: no such notebook; the notebooks are {names}.")
    return chosen


def build_study_outputs(seed: int, staging: Path) -> list:
    """Simulate, analyse, score and draw every registered study into ``staging``."""
    from . import plots
    from .io import write_csv, write_tables
    from .studies import STUDIES, get_study

    replications = []
    for name in STUDIES:
        start = time.perf_counter()
        study = get_study(name)
        rep = study.replicate(seed=seed)
        write_csv(rep.data, staging / "data" / f"{name}.csv")
        write_tables(dict(rep.tables), staging / "tables", prefix=f"{name}_")
        write_csv(rep.scorecard, staging / "tables" / f"{name}_scorecard.csv")
        for stem, fig in study.figures(rep).items():
            plots.save(fig, staging / "figures", stem)
            plots.close(fig)
        replications.append(rep)
        _log(f"  {name}: data, tables, figures ({time.perf_counter() - start:.1f} s)")
    return replications


def execute_notebook(notebook: Path, destination: Path, seed: int) -> float:
    """Run ``notebook`` in a fresh kernel with ``seed``; write the executed copy."""
    import papermill as pm

    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(notebook),
            str(destination),
            parameters={"seed": seed},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(notebook.parent),
        )
    except pm.PapermillExecutionError as exc:
        raise BuildError(
            f"notebook {notebook.name} failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue})"
        ) from None
    return time.perf_counter() - start


def _replace_dir(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is, keeping the old ``out`` until the swap is done."""
    backup = None
    if out.exists():
        backup = out.with_name(f".{out.name}-old-{os.getpid()}")
        os.replace(out, backup)
    os.replace(staging, out)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def reproduce(seed: int = 0, out: Path = Path("reports"), only: str | None = None) -> int:
    """Rebuild everything into ``out``; return the process exit code (0 on success)."""
    out = Path(out).resolve()
    chosen = notebooks(only)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    total = time.perf_counter()
    try:
        _log(f"reproduce: seed {seed}, building in {staging.name}")
        replications = build_study_outputs(seed, staging)
        failed = [
            f"{rep.study} scorecard row {row.claim_id} (published {row.published}, "
            f"reproduced {row.reproduced:.4g})"
            for rep in replications
            for row in rep.scorecard.itertuples()
            if row.status != "PASS"
        ]
        if failed:
            raise BuildError("scorecard FAIL: " + "; ".join(failed))
        (staging / "notebooks").mkdir()
        for i, notebook in enumerate(chosen, 1):
            _log(f"[{i}/{len(chosen)}] {notebook.name} ...")
            seconds = execute_notebook(notebook, staging / "notebooks" / notebook.name, seed)
            _log(f"[{i}/{len(chosen)}] {notebook.name} done in {seconds:.1f} s")
        _replace_dir(staging, out)
    except BuildError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _log(f"reproduce failed: {exc}. The previous {out.name}/ is left as it was.")
        return 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _log(f"reproduce: wrote {out} in {time.perf_counter() - total:.1f} s")
    return 0
