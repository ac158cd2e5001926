"""Writing results: reproducible bytes, nothing half-written, nothing overwritten by surprise.

Two layers:

- :func:`write_csv` and :func:`write_tables` are for the tool's own folders (``reproduce``
  writes several prefixed table sets into one fresh staging folder). They create what is
  missing and replace what is there.
- :func:`save_csv` and :func:`save_tables` are for a path a user named (``--out``). They are all
  or nothing and never destructive: an existing file is replaced only with ``force=True`` (and
  only a regular file); a folder's tables are replaced only when this tool wrote them (a
  manifest in the folder lists them with their SHA-256), the user's other files are never
  touched; a failure leaves no temporary file and no folder that was not there before.
  :func:`check_csv_target` and :func:`check_tables_target` run the same refusals before any
  work starts.

Every CSV is written with ``\\n`` line ends, round-trip floats, the user's umask, and text
cells that a spreadsheet would run as a formula neutralised (see :func:`neutralise_formulas`).
Failures to write (permission, a file where a folder should be, a full disk) raise
:class:`~analysis.errors.InputError` naming the path.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from ..errors import InputError

MANIFEST = ".analysis-manifest.json"
# OWASP "CSV injection": cells starting with these run as formulas in spreadsheet programs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and column name) that starts like a formula quoted.

    A cell of a text column that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'``, as OWASP's CSV-injection guidance recommends, so that a
    spreadsheet shows it as text instead of running it. Numbers are left alone, also negative
    ones, and also numbers stored in a text column (they are not strings). Returns ``df`` itself
    when nothing needed quoting.

    Examples
    --------
    >>> df = pd.DataFrame({"note": ["=1+1", "ok", "-x"], "value": [-1.5, 2.0, 3.0]})
    >>> out = neutralise_formulas(df)
    >>> out["note"].tolist(), out["value"].tolist()
    (["'=1+1", 'ok', "'-x"], [-1.5, 2.0, 3.0])
    """
    out = df
    for position in range(df.shape[1]):
        values = df.iloc[:, position]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            continue
        objects = values.astype(object)
        risky = [isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in objects]
        if any(risky):
            if out is df:
                out = df.copy()
            out.isetitem(
                position,
                pd.Series(
                    ["'" + v if r else v for v, r in zip(objects, risky, strict=True)],
                    index=df.index,
                    dtype=object,
                ),
            )
    names = [
        "'" + c if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c for c in df.columns
    ]
    if names != list(df.columns):
        out = out.copy() if out is df else out
        out.columns = names
    return out


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_into(df: pd.DataFrame, handle) -> None:
    neutralise_formulas(df).to_csv(handle, index=False, lineterminator="\n")


def _write_temporary(df: pd.DataFrame, folder: Path, name: str) -> Path:
    """Write ``df`` to a new hidden file in ``folder``, with the mode the umask gives."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file 0600; a CSV the user asked for gets the usual 0666 & ~umask
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            _write_into(df, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` without its index, with ``\\n`` line ends and round-trip floats.

    For the tool's own folders: creates missing folders and replaces an existing file. The file
    appears whole or not at all (it is written next to its target, then renamed), with the
    permissions the umask gives (``0666 & ~umask``). Text cells that a spreadsheet would run as
    a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading
    ``'`` (OWASP's CSV-injection advice; see :func:`neutralise_formulas`); numbers are written
    as they are. For a path a user named, use :func:`save_csv`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = write_csv(pd.DataFrame({"a": [1.5, -2.0], "b": ["x", "=cmd"]}), folder / "t.csv")
    >>> path.read_text()
    "a,b\\n1.5,x\\n-2.0,'=cmd\\n"
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temporary(df, path.parent, path.name)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_tables(
    tables: Mapping[str, pd.DataFrame], directory: str | Path, prefix: str = ""
) -> list[Path]:
    """Write every table as ``<prefix><name>.csv`` in ``directory``, all or none.

    For the tool's own folders (``reproduce`` fills one staging folder with several prefixed
    sets): the tables are written into a temporary folder beside ``directory`` first and moved
    in only when every one was written; files of the same name are replaced, others kept. For a
    folder a user named, use :func:`save_tables`.
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


# --- user-facing output -------------------------------------------------------------------


def _name(path: Path, label: str | None) -> str:
    return f"{label} {path}" if label else str(path)


def _os_error(exc: OSError, path: Path, label: str | None) -> InputError:
    """One clear message for a failure to write ``path``."""
    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        folder = Path(exc.filename) if exc.filename else path.parent
        if not folder.is_dir():
            folder = folder.parent
        return InputError(
            f"{_name(path, label)}: cannot write in the folder {folder} ({reason}); choose a "
            "folder you can write to."
        )
    if exc.errno == errno.ENOSPC:
        return InputError(f"{_name(path, label)}: the disk is full; free space or write elsewhere.")
    return InputError(f"{_name(path, label)}: cannot write it ({reason}); choose another path.")


def _missing_folders(folder: Path, label: str | None, target: Path) -> list[Path]:
    """The folders that would have to be created for ``folder`` to exist, outermost first."""
    missing = []
    current = folder
    while not current.exists():
        if current.is_symlink():  # a dangling link: creating through it would write elsewhere
            raise InputError(
                f"{_name(target, label)}: {current} is a broken symbolic link; fix or remove it."
            )
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    if not current.is_dir():
        raise InputError(
            f"{_name(target, label)}: {current} is a file, not a folder; choose another path."
        )
    return missing[::-1]


def _make_folders(folder: Path, label: str | None, target: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return what was created, outermost first."""
    created = []
    try:
        for path in _missing_folders(folder, label, target):
            path.mkdir()
            created.append(path)
    except OSError as exc:
        _remove_folders(created)
        raise _os_error(exc, target, label) from None
    return created


def _remove_folders(created: list[Path]) -> None:
    """Remove folders this call created, innermost first, if they are (still) empty."""
    for path in reversed(created):
        try:
            path.rmdir()
        except OSError:
            return


def check_csv_target(path: str | Path, *, force: bool = False, label: str | None = None) -> None:
    """Raise :class:`InputError` now if :func:`save_csv` would refuse ``path`` later.

    Refused: a folder; an existing file without ``force``; with ``force`` anything but a
    regular file (a link, a device); a path under a file. ``label`` (e.g. ``"--out"``) starts
    the message.

    Examples
    --------
    >>> check_csv_target(Path(tempfile.gettempdir()))
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: ... is a folder; give a file name, e.g. .../results.csv.
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise InputError(f"{_name(path, label)}: give a file name, e.g. results.csv.")
    if path.is_dir():
        raise InputError(
            f"{_name(path, label)} is a folder; give a file name, e.g. {path / 'results.csv'}."
        )
    if path.exists() or path.is_symlink():
        if not force:
            raise InputError(
                f"{_name(path, label)} already exists; choose another name, or pass --force to "
                "replace it."
            )
        if not stat.S_ISREG(path.lstat().st_mode):
            raise InputError(
                f"{_name(path, label)} is not a regular file (a link or a device); --force "
                "replaces only regular files. Choose another name."
            )
    _missing_folders(path.parent, label, path)


def save_csv(
    df: pd.DataFrame, path: str | Path, *, force: bool = False, label: str | None = None
) -> Path:
    """Write ``df`` as CSV to a path a user named: all or nothing, never destructive.

    Written like :func:`write_csv` (same bytes) to a temporary file in the target's folder and
    renamed into place only when complete. An existing file is refused unless ``force``, and
    then only a regular file is replaced. Missing folders are created, and removed again if the
    write fails. Nothing is left behind on failure.

    Raises
    ------
    InputError
        Naming the path (after ``label``, e.g. ``"--out"``) and the fix.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> save_csv(pd.DataFrame({"a": [1]}), folder / "new" / "a.csv").read_text()
    'a\\n1\\n'
    >>> save_csv(pd.DataFrame({"a": [2]}), folder / "new" / "a.csv")
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: .../a.csv already exists; choose another name, or pass --force ...
    """
    path = Path(path)
    check_csv_target(path, force=force, label=label)
    created = _make_folders(path.parent, label, path)
    tmp = None
    try:
        tmp = _write_temporary(df, path.parent, path.name)
        if force:
            check_csv_target(path, force=True, label=label)  # still a regular file, or gone
            os.replace(tmp, path)
        else:
            # link() fails if the name appeared meanwhile, where rename() would replace it
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InputError(
                    f"{_name(path, label)} appeared while it was being written; choose another "
                    "name, or pass --force to replace it."
                ) from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                check_csv_target(path, force=False, label=label)  # no hard links here
                os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        _remove_folders(created)
        if isinstance(exc, OSError):
            raise _os_error(exc, path, label) from None
        raise
    tmp.unlink(missing_ok=True)  # the link's other name
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_output_name(name: str) -> bool:
    """Whether ``name`` is a file name this tool may write in an output folder: a plain name
    (``ancova.csv``) or one in a subfolder (``figures/x.png``), never hidden, never ``..``.

    Examples
    --------
    >>> [_is_output_name(n) for n in ["a.csv", "figures/a.png", "../a", "/a", ".x", "a/b/c"]]
    [True, True, False, False, False, False]
    """
    parts = name.split("/")
    return (
        0 < len(parts) <= 2
        and all(part and not part.startswith(".") for part in parts)  # also no ".."
        and "\\" not in name
        and not name.startswith("/")
        and name != MANIFEST
    )


def read_manifest(directory: str | Path, label: str | None = None) -> dict[str, str]:
    """``{file name: SHA-256}`` of the files this tool wrote into ``directory`` (empty if none).

    Raises :class:`InputError` if the manifest exists but cannot be read.
    """
    path = Path(directory) / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise ValueError("'files' is not a mapping of names to digests")
        strange = [name for name in files if not _is_output_name(name)]
        if strange:  # a name that leaves the folder must never be replaced or removed
            raise ValueError(f"{strange[0]!r} is not a file name inside the folder")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{_name(path, label)}: this tool's list of the files it wrote cannot be read "
            f"({exc}); without it no file there can be replaced. Choose an empty folder."
        ) from None
    return files


def _plan(
    directory: Path,
    names: Iterable[str] | None,
    force: bool,
    label: str | None,
    ignore: str = "",
) -> tuple[dict[str, str], list[str]]:
    """Check that writing ``names`` into an existing ``directory`` replaces only our files.

    Returns the old manifest and the old files to remove (written by an earlier run, not by
    this one).
    """
    entries = sorted(p.name for p in directory.iterdir() if p.name != ignore)
    if entries and not force:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise InputError(
            f"{_name(directory, label)} is not empty ({shown}); choose a new folder, or pass "
            "--force to replace the tables this tool wrote there (other files are kept)."
        )
    old = read_manifest(directory, label)
    if names is None:  # the names are not known yet: the rest is checked when they are
        return old, []
    names = list(names)
    for folder in sorted({name.split("/")[0] for name in names if "/" in name}):
        path = directory / folder
        if (path.exists() or path.is_symlink()) and (path.is_symlink() or not path.is_dir()):
            raise InputError(
                f"{_name(directory, label)}: {folder} is not a folder this tool made (a file or "
                "a link); it is not written into. Move it away, or choose another folder."
            )

    def ours(name: str) -> bool:
        path = directory / name
        if not path.exists() and not path.is_symlink():
            return True  # nothing to replace
        return name in old and stat.S_ISREG(path.lstat().st_mode) and _sha256(path) == old[name]

    for name in names:
        if not ours(name):
            why = (
                "was changed since this tool wrote it"
                if name in old
                else "was not written by this tool"
            )
            raise InputError(
                f"{_name(directory, label)}: {name} {why}; it is not replaced. Move it away, or "
                "choose another folder."
            )
    stale = [n for n in old if n not in names and (directory / n).exists()]
    for name in stale:
        if not ours(name):
            raise InputError(
                f"{_name(directory, label)}: {name} was changed since this tool wrote it; it "
                "is not removed. Move it away, or choose another folder."
            )
    return old, stale


def check_tables_target(
    directory: str | Path,
    *,
    force: bool = False,
    names: Iterable[str] | None = None,
    label: str | None = None,
    contents: bool = True,
) -> None:
    """Raise :class:`InputError` now if :func:`save_tables` would refuse ``directory`` later.

    ``names`` (file names, e.g. ``["descriptives.csv"]``), when known, are checked against the
    folder's manifest too. ``contents=False`` checks only that ``directory`` can be a folder
    (not a file, not under a file), not what an existing folder holds.
    """
    directory = Path(directory)
    if directory.is_dir():
        if contents:
            _plan(directory, names, force, label)
    elif directory.exists() or directory.is_symlink():
        raise InputError(
            f"{_name(directory, label)} is a file, not a folder; give a folder name for the tables."
        )
    else:
        _missing_folders(directory.parent, label, directory)


def save_tables(
    tables: Mapping[str, pd.DataFrame],
    directory: str | Path,
    *,
    force: bool = False,
    label: str | None = None,
    files: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Write every table as ``<name>.csv`` into a folder a user named: all or nothing.

    Every table is written (and so computed) into a staging folder first; only then does
    anything move. A folder that did not exist is created by renaming the staging folder, so it
    appears complete or not at all (staged beside it). Into an existing folder the files are
    moved one by one (staged inside it, which keeps every rename on one file system): an empty
    folder is always fine; a non-empty one needs ``force``, and even then only files this tool
    wrote are replaced or removed, as listed in its manifest (``.analysis-manifest.json``: file
    names and SHA-256). A file the new tables would overwrite that is not in the manifest, or
    that changed since, is refused by name; the user's other files are never touched. On failure
    nothing is left behind: no staging folder, and no folder that was not there before.

    ``files`` adds other outputs by relative name (``README.txt``, ``figures/x.png``: one
    subfolder at most) and their bytes; they are written, listed and replaced like the tables.

    Returns
    -------
    list of Path
        The files written, sorted (the manifest is not listed).

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp()) / "out"
    >>> [p.name for p in save_tables({"b": pd.DataFrame({"x": [1]})}, folder)]
    ['b.csv']
    >>> sorted(p.name for p in folder.iterdir())
    ['.analysis-manifest.json', 'b.csv']
    >>> written = save_tables(
    ...     {"c": pd.DataFrame({"x": [2]})}, folder, force=True, files={"figs/c.txt": b"hi"}
    ... )
    >>> [p.relative_to(folder).as_posix() for p in written]
    ['c.csv', 'figs/c.txt']
    >>> sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    ['.analysis-manifest.json', 'c.csv', 'figs', 'figs/c.txt']
    """
    directory = Path(directory)
    outputs: dict[str, pd.DataFrame | bytes] = {
        f"{name}.csv": table for name, table in tables.items()
    }
    for name, content in (files or {}).items():
        if name in outputs:
            raise ValueError(f"{name!r} is given twice")
        outputs[name] = content
    for file in outputs:
        if not _is_output_name(file):
            raise ValueError(f"output name {file!r} is not a plain file name")
    check_tables_target(directory, force=force, names=outputs, label=label)
    existed = directory.is_dir()
    created = [] if existed else _make_folders(directory.parent, label, directory)
    staging = None
    try:
        where = directory if existed else directory.parent
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.staging-", dir=where))
        digests = {}
        for file, content in outputs.items():
            target = staging / file
            target.parent.mkdir(exist_ok=True)  # mode 0777 & ~umask, like any new folder
            if isinstance(content, bytes):
                with open(target, "xb") as handle:
                    handle.write(content)
            else:
                with open(target, "x", newline="", encoding="utf-8") as handle:
                    _write_into(content, handle)
            os.chmod(target, 0o666 & ~_umask())
            digests[file] = _sha256(target)
        manifest = {
            "written_by": "analysis (python -m analysis); files not listed here are not its own",
            "files": dict(sorted(digests.items())),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        os.chmod(staging / MANIFEST, 0o666 & ~_umask())
        if not existed:
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it 0700
            os.rename(staging, directory)  # fails if a non-empty folder appeared meanwhile
            staging = None
        else:
            # checked again: the folder may have changed while the tables were computed
            _, stale = _plan(directory, outputs, force, label, ignore=staging.name)
            for file in sorted(outputs):
                (directory / file).parent.mkdir(exist_ok=True)  # _plan: a real folder, or none
                os.replace(staging / file, directory / file)
            for file in stale:
                (directory / file).unlink(missing_ok=True)
                if "/" in file:  # a subfolder that the stale files leave empty goes too
                    try:
                        (directory / file).parent.rmdir()
                    except OSError:
                        pass
            # the manifest last: until here the old one still vouches for the old files
            os.replace(staging / MANIFEST, directory / MANIFEST)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        _remove_folders(created)
        if isinstance(exc, OSError):
            raise _os_error(exc, directory, label) from None
        raise
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    return [directory / file for file in sorted(outputs)]
