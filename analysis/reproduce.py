"""``make reproduce``: rebuild every dataset, table, figure and notebook from nothing.

Steps: simulate, analyse, score and draw every registered study; stop if any scorecard row
fails; execute every notebook in a fresh kernel with the same seed (two at a time on two
cores); convert them to HTML; write ``index.html`` and ``manifest.json``.

The build happens in a temporary folder beside the report folder; the old report is replaced
only when everything succeeded, so a failure never leaves a half-written report behind.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .errors import InputError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


class BuildError(RuntimeError):
    """A step of the build failed; the message names the step (notebook and cell, or claim)."""


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


def build_study_outputs(seed: int, staging: Path):
    """Simulate, analyse, score and draw every registered study into ``staging``.

    Returns the replications and, per study, the ``(stem, drawn_by)`` of each figure.
    """
    from . import plots
    from .io import write_csv, write_tables
    from .studies import STUDIES, get_study

    replications, figures = [], {}
    for name in STUDIES:
        start = time.perf_counter()
        study = get_study(name)
        rep = study.replicate(seed=seed)
        write_csv(rep.data, staging / "data" / f"{name}.csv")
        write_tables(dict(rep.tables), staging / "tables", prefix=f"{name}_")
        write_csv(rep.scorecard, staging / "tables" / f"{name}_scorecard.csv")
        figures[name] = []
        for stem, fig in study.figures(rep).items():
            plots.save(fig, staging / "figures", stem)
            figures[name].append((stem, plots.drawn_by(fig)))
            plots.close(fig)
        replications.append(rep)
        _log(f"  {name}: data, tables, figures ({time.perf_counter() - start:.1f} s)")
    for module_name in ANALYSES:  # analyses that are not simulated studies
        start = time.perf_counter()
        module = importlib.import_module(module_name)
        write_tables(module.tables(), staging / "tables", prefix=f"{module.NAME}_")
        figures[module.NAME] = []
        for stem, fig in module.figures().items():
            plots.save(fig, staging / "figures", stem)
            figures[module.NAME].append((stem, plots.drawn_by(fig)))
            plots.close(fig)
        _log(f"  {module.NAME}: tables, figures ({time.perf_counter() - start:.1f} s)")
    return replications, figures


def claim_verdicts(replications) -> list:
    """Every verdict the studies (and the non-study analyses) give on the article's claims."""
    from .studies import get_study

    verdicts = [get_study(rep.study).claim_verdicts(rep) for rep in replications]
    for module in ANALYSES:
        verdicts.append(importlib.import_module(module).claim_verdicts())
    return verdicts


# Analyses outside the study registry (nothing simulated) that also decide a claim. Each has
# NAME, TITLE, NOTEBOOK, tables(), figures() and claim_verdicts().
ANALYSES: list[str] = ["analysis.dose"]


def execute_notebook(notebook: Path, destination: Path, seed: int) -> tuple[float, str | None]:
    """Run ``notebook`` in a fresh kernel with ``seed``; write the executed copy.

    Returns the seconds it took and, if it failed, a message naming the cell.
    """
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
        return time.perf_counter() - start, (
            f"notebook {notebook.name} failed in {_source_cell(destination, exc.cell_index)}: "
            f"{exc.ename}: {exc.evalue}"
        )
    except Exception as exc:  # kernel died, bad JSON...: still name the notebook
        return time.perf_counter() - start, f"notebook {notebook.name} failed: {exc!r}"
    return time.perf_counter() - start, None


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
    first_line = (
        cells[cell_index].source.strip().splitlines()[0] if cells[cell_index].source else ""
    )
    return f"cell {cell_index + 1 - injected} (counting from 1; it starts {first_line[:60]!r})"


def run_notebooks(chosen: list[Path], folder: Path, seed: int, jobs: int) -> dict[str, float]:
    """Execute the notebooks, ``jobs`` at a time, each in its own process and kernel."""
    folder.mkdir(parents=True, exist_ok=True)
    timings, failures = {}, []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = {}
        for i, notebook in enumerate(chosen, 1):
            _log(f"[{i}/{len(chosen)}] {notebook.name} started")
            futures[pool.submit(execute_notebook, notebook, folder / notebook.name, seed)] = (
                i,
                notebook,
            )
        for future in as_completed(futures):
            i, notebook = futures[future]
            seconds, error = future.result()
            timings[notebook.stem] = round(seconds, 2)
            if error:
                failures.append(error)
                _log(f"[{i}/{len(chosen)}] {notebook.name} FAILED after {seconds:.1f} s")
            else:
                _log(f"[{i}/{len(chosen)}] {notebook.name} done in {seconds:.1f} s")
    if failures:
        raise BuildError("; ".join(sorted(failures)))
    return timings


def _replace_dir(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is, keeping the old ``out`` until the swap is done."""
    backup = None
    if out.exists():
        backup = out.with_name(f".{out.name}-old-{os.getpid()}")
        os.replace(out, backup)
    os.replace(staging, out)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _previous_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def reproduce(
    seed: int = 0,
    out: Path = Path("reports"),
    only: str | None = None,
    notebooks_dir: Path | None = None,
    jobs: int = 2,
) -> int:
    """Rebuild everything into ``out``; return the process exit code (0 on success)."""
    from . import report
    from .claims import claims_table
    from .io import write_csv
    from .studies import STUDIES, get_study

    out = Path(out).resolve()
    chosen = notebooks(only, notebooks_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    total = time.perf_counter()
    try:
        _log(f"reproduce: seed {seed}, building in {staging}")
        replications, figures = build_study_outputs(seed, staging)
        failed = [
            f"{rep.study} scorecard row {row.claim_id} (published {row.published}, "
            f"reproduced {row.reproduced:.4g})"
            for rep in replications
            for row in rep.scorecard.itertuples()
            if row.status != "PASS"
        ]
        if failed:
            raise BuildError("scorecard FAIL: " + "; ".join(failed))
        claims = claims_table(claim_verdicts(replications))
        write_csv(claims, staging / "tables" / "article_claims.csv")

        timings = run_notebooks(chosen, staging / "notebooks", seed, jobs)
        for notebook in chosen:
            executed = staging / "notebooks" / notebook.name
            report.notebook_to_html(executed, executed.with_suffix(".html"))

        titles = {name: get_study(name).TITLE for name in STUDIES}
        titles.update({m.NAME: m.TITLE for m in map(importlib.import_module, ANALYSES)})
        notebook_of = {name: get_study(name).NOTEBOOK for name in STUDIES}
        notebook_of.update(_extra_notebooks())
        report.write_index(
            staging,
            claims=claims,
            replications=replications,
            titles=titles,
            notebook_of={k: v for k, v in notebook_of.items() if v in {n.stem for n in chosen}},
            notebooks=[n.stem for n in chosen],
            figures=figures,
            seed=seed,
        )
        manifest = report.build_manifest(
            staging, seed=seed, root=ROOT, previous=_previous_manifest(out)
        )
        manifest["notebook_seconds"] = timings
        manifest["total_seconds"] = round(time.perf_counter() - total, 2)
        report.write_manifest(staging, manifest)
        _replace_dir(staging, out)
    except BuildError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _log(f"reproduce failed: {exc}. The previous {out.name}/ is left as it was.")
        return 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if manifest.get("differs_from_previous"):
        _log(
            "warning: same seed, but these files differ from the previous report: "
            + ", ".join(manifest["differs_from_previous"])
        )
    _log(
        f"reproduce: wrote {out} in {time.perf_counter() - total:.1f} s (open {out / 'index.html'})"
    )
    return 0


def _extra_notebooks() -> dict[str, str]:
    """Notebooks of the non-study analyses in ``ANALYSES``, keyed like studies."""
    found = {}
    for module in ANALYSES:
        imported = importlib.import_module(module)
        found[imported.NAME] = imported.NOTEBOOK
    return found
