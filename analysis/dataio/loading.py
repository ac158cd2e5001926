"""Loading a researcher's own data file: any common format in, one validated long table out.

:func:`load` reads CSV (``,`` ``;`` tab or ``|``; UTF-8 with or without BOM, UTF-16,
Latin-1; decimal commas), gzip-compressed CSV, Excel ``.xlsx`` and Parquet. What a file
really is comes from its first bytes, not its name, and a mismatch is said. Long files (one
row per subject x time) and wide files (``csa_cm2_pre, csa_cm2_post``) are both accepted and
told apart by their columns. Every cell is read as text first, so subject ids stay exactly as
written (``001`` is not ``1``) and each problem can be reported with the real line number of
the file (blank lines counted). Validation is :func:`analysis.dataio.schemas.validate`.

Written by hand where pandas guesses: pandas' ``read_csv`` would turn ``001`` into ``1``,
rename a duplicated column to ``name.1``, skip blank lines without saying where the data rows
stand, and report a bad encoding as a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, InputError
from .schemas import DataSpec, _closest, validate

__all__ = ["LAYOUTS", "RawTable", "load_file", "read_table", "template_table", "to_long"]

LAYOUTS = ("long", "wide")
MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 200_000
_DELIMITERS = [",", ";", "\t", "|"]
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d*,\d+(?:[eE][+-]?\d+)?\s*$")


@dataclass
class RawTable:
    """A file's table as text cells, with where each row stands in the file.

    ``locator`` is ``"line"`` (CSV: line numbers of the file) or ``"row"`` (a sheet's row
    numbers, or a Parquet file's data rows counted from 1).
    """

    frame: pd.DataFrame
    lines: np.ndarray
    locator: str
    kind: str


def _sniff_kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF")):
        return "binary"
    return "text"


_NAME_KIND = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".gz": "gzip",
    ".xls": "xls",
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
}


def read_table(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read any supported file as a table of text cells, or raise one :class:`InputError`.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(f, "w").write("subject;x\\n\\n001;1,5\\n")
    >>> t = read_table(f)
    >>> t.frame.to_dict("list"), t.lines.tolist()
    ({'subject': ['001'], 'x': ['1.5']}, [3])
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the path of a data file.")
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of a CSV, Excel or Parquet file.")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty; it needs a header row and data rows.")
    if size > MAX_BYTES:
        raise InputError(
            f"{path}: {size / 1e6:.0f} MB is far larger than any study's data "
            f"(limit {MAX_BYTES // 1024**2} MB); is this the right file?"
        )
    kind = _sniff_kind(head)
    named = _NAME_KIND.get(path.suffix.lower())
    if named is not None and named != kind and kind != "binary":
        warnings.warn(
            f"{path}: the name says {path.suffix} but the content is {_KIND_TEXT[kind]}; "
            f"read as {_KIND_TEXT[kind]}.",
            DataWarning,
            stacklevel=2,
        )
    if kind == "binary":
        raise InputError(
            f"{path}: is not a table (an image, PDF or program); give a CSV, "
            "Excel (.xlsx) or Parquet file."
        )
    if kind == "xls":
        raise InputError(
            f"{path}: is an old Excel .xls file; open it in a spreadsheet and save "
            "it as .xlsx or CSV."
        )
    if kind == "xlsx":
        table = _read_xlsx(path, sheet)
    elif kind == "parquet":
        table = _read_parquet(path)
    else:
        raw = path.read_bytes()
        if kind == "gzip":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"{path}: a damaged gzip file ({exc}).") from None
            if _sniff_kind(raw[:8]) != "text":
                raise InputError(f"{path}: a gzip file that does not hold a CSV table.")
        table = _read_text(path, raw)
    _check_rows(path, len(table.frame))
    return table


def _check_rows(path, rows: int) -> None:
    """Refuse a file far larger than any study's (said before parsing it where possible)."""
    if rows > MAX_ROWS:
        raise InputError(
            f"{path}: {rows:,} data rows; a study's file has one row per subject x "
            f"time (at most {MAX_ROWS:,} rows here). Is this the right file?"
        )


_KIND_TEXT = {
    "xlsx": "an Excel workbook",
    "gzip": "gzip-compressed text",
    "parquet": "Parquet",
    "xls": "an old Excel .xls file",
    "text": "text (CSV)",
    "binary": "binary",
}


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read with."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif raw.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    else:
        encodings = ["utf-8", "cp1252", "latin-1"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8" and encoding != "utf-8-sig" and encoding != "utf-16":
            warnings.warn(f"{path}: not UTF-8; read as {encoding}.", DataWarning, stacklevel=3)
        return text, encoding
    raise InputError(f"{path}: the text cannot be decoded as UTF-16; save it as UTF-8 CSV.")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(ch < " " and ch not in "\t\r\n" for ch in sample)
    # a stray NUL or tab in one cell is a cell's problem, reported by the validator
    return controls > max(8, len(sample) // 20)


def _delimiter(header: str) -> str:
    counts = {d: len(next(csv.reader([header], delimiter=d))) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], -_DELIMITERS.index(d)))
    return best if counts[best] > 1 else ","


def _read_text(path: Path, raw: bytes) -> RawTable:
    text, _ = _decode(path, raw)
    _check_rows(path, text.count("\n") - 1)  # before parsing: a line count is cheap
    if _looks_binary(text):
        raise InputError(
            f"{path}: is not a text table (it holds binary data); give a CSV, "
            "Excel (.xlsx) or Parquet file."
        )
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: holds only blank lines; it needs a header row and data rows.")
    delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header, rows, numbers, bad_width = None, [], [], []
    try:
        line_end = 0
        for record in reader:
            start, line_end = line_end + 1, reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line: skipped, but still counted
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in record]
                continue
            if len(record) != len(header):
                if len(record) > len(header) and not any(c.strip() for c in record[len(header) :]):
                    record = record[: len(header)]  # trailing empty cells (a spreadsheet's)
                else:
                    bad_width.append((start, len(record)))
                    continue
            rows.append(record)
            numbers.append(start)
    except csv.Error as exc:
        raise InputError(
            f"{path}, line {reader.line_num}: cannot be read as CSV ({exc}); check the quotes."
        ) from None
    if header is None or len(header) < 2:
        raise InputError(
            f"{path}: found {len(header or [])} column(s) in the header {lines[first][:80]!r}; "
            "a data file needs columns separated by commas, semicolons or tabs."
        )
    if bad_width:
        shown = ", ".join(f"line {n} ({k} cells)" for n, k in bad_width[:6])
        more = f" and {len(bad_width) - 6} more" if len(bad_width) > 6 else ""
        raise InputError(
            f"{path}: {len(bad_width)} row(s) do not have the header's {len(header)} cells "
            f"({shown}{more}); the separator is {_DELIMITER_NAME[delimiter]}: check for "
            "a stray separator or a missing cell."
        )
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    frame = _decimal_commas(path, frame, delimiter)
    return RawTable(frame, np.asarray(numbers, dtype=int), "line", "csv")


_DELIMITER_NAME = {",": "a comma", ";": "a semicolon", "\t": "a tab", "|": "a bar"}


def _decimal_commas(path: Path, frame: pd.DataFrame, delimiter: str) -> pd.DataFrame:
    """Read ``12,5`` as 12.5 in a file separated by something other than commas."""
    if delimiter == "," or frame.empty:
        return frame
    changed = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        hits = column.map(lambda v: isinstance(v, str) and bool(_DECIMAL_COMMA.match(v)))
        if hits.any():
            frame.iloc[:, position] = column.where(~hits, column.str.replace(",", ".", regex=False))
            changed.append(str(frame.columns[position]))
    if changed:
        warnings.warn(
            f"{path}: decimal commas read as decimal points in column(s) {changed}.",
            DataWarning,
            stacklevel=4,
        )
    return frame


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    import openpyxl

    try:
        # from bytes: openpyxl refuses a workbook whose name does not end in .xlsx
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"{path}: a zip file that is not a readable Excel workbook ({exc})."
        ) from None
    try:
        names = book.sheetnames
        if sheet is None:
            chosen = names[0]
        elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
            index = int(sheet)
            if not 0 <= index < len(names):
                raise InputError(f"{path}: no sheet {index} (sheets, from 0: {names}).")
            chosen = names[index]
        elif sheet in names:
            chosen = sheet
        else:
            raise InputError(f"{path}: no sheet named {sheet!r}; the sheets are {names}.")
        header, rows, numbers = None, [], []
        _check_rows(f"{path}, sheet {chosen!r}", (book[chosen].max_row or 1) - 1)
        for number, values in enumerate(book[chosen].iter_rows(values_only=True), 1):
            cells = ["" if v is None else v for v in values]
            if all(isinstance(c, str) and not c.strip() for c in cells):
                continue
            if header is None:
                header = [str(c).strip() for c in cells]
                while header and header[-1] == "":
                    header.pop()
                continue
            extra = cells[len(header) :]
            if any(not (isinstance(c, str) and not c.strip()) for c in extra):
                raise InputError(
                    f"{path}, sheet {chosen!r}, row {number}: has cells to the "
                    "right of the header's last column; remove them."
                )
            cells = (cells + [""] * len(header))[: len(header)]
            rows.append([_excel_cell(c) for c in cells])
            numbers.append(number)
    finally:
        book.close()
    if header is None or len(header) < 2:
        raise InputError(f"{path}, sheet {chosen!r}: has no table (a header row and data rows).")
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=int), "row", "xlsx")


def _excel_cell(value):
    """A sheet's number stays a number; text stays text (leading zeros kept)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def _read_parquet(path: Path) -> RawTable:
    try:
        import pyarrow.parquet as pq

        _check_rows(path, pq.ParquetFile(path).metadata.num_rows)
        frame = pd.read_parquet(path)
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise InputError(f"{path}: a damaged Parquet file ({type(exc).__name__}).") from None
    frame = frame.reset_index(drop=frame.index.name is None)
    frame.columns = pd.Index([str(c) for c in frame.columns], dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    return RawTable(frame, np.arange(1, len(frame) + 1), "row", "parquet")


# --- wide to long --------------------------------------------------------------------------


def _wide_columns(columns, spec: DataSpec) -> dict[str, tuple[str, str]]:
    """``{"csa_cm2_pre": ("csa_cm2", "pre"), ...}`` for the columns of a wide file."""
    found = {}
    for column in columns:
        for measure in spec.per_time_measures:
            for time in spec.factors[spec.time]:
                if column == f"{measure}_{time}":
                    found[column] = (measure, time)
    return found


def detect_layout(columns, spec: DataSpec) -> str:
    """``"long"`` when the file has a time column, ``"wide"`` when it has ``measure_time``
    columns instead."""
    if spec.time in columns:
        return "long"
    return "wide" if _wide_columns(columns, spec) else "long"


def to_long(table: RawTable, spec: DataSpec) -> RawTable:
    """A wide table (one row per subject) as a long one (one row per subject x time).

    A time whose measures are all empty for a subject is a missing timepoint: no row.
    Each long row keeps the line of the wide row it came from.
    """
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    wide = _wide_columns(columns, spec)
    if spec.time in columns:
        raise InputError(
            f"a wide file has no {spec.time!r} column; this one has, so read it "
            "as long (--format long)."
        )
    if not wide:
        example = f"{spec.per_time_measures[0]}_{spec.factors[spec.time][0]}"
        raise InputError(f"no columns of a wide file (named measure_time, e.g. {example!r}).")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise InputError(f"duplicated column name(s) {duplicated}; rename or delete one of each.")
    keep = [c for c in columns if c not in wide]
    times = [t for t in spec.factors[spec.time] if any(t == w[1] for w in wide.values())]
    needed = [f"{m}_{t}" for m in spec.per_time_measures if m in spec.required for t in times]
    missing = [c for c in needed if c not in wide]
    if missing:
        unknown = [c for c in keep if c not in spec.columns]
        hints = [
            f"{c} (rename {_closest(c, unknown)!r}?)" if _closest(c, unknown) else c
            for c in missing
        ]
        raise InputError(
            f"a wide file with timepoints {times} needs a column for each measure at each of "
            f"them; missing: {', '.join(hints)}."
        )
    parts = []
    for time in spec.factors[spec.time]:
        mine = {c: m for c, (m, t) in wide.items() if t == time}
        if not mine:
            continue
        part = frame[keep + list(mine)].rename(columns=mine)
        part.insert(keep.index(spec.subject) + 1 if spec.subject in keep else 0, spec.time, time)
        empty = (
            part[list(mine.values())]
            .map(
                lambda v: (
                    v is None
                    or (isinstance(v, str) and not v.strip())
                    or (isinstance(v, float) and np.isnan(v))
                )
            )
            .all(axis=1)
        )
        part = part.assign(_line=table.lines, _order=np.arange(len(part)))[~empty.to_numpy()]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True).sort_values(["_order"], kind="stable")
    lines = long.pop("_line").to_numpy()
    long = long.drop(columns="_order").reset_index(drop=True)
    return RawTable(long, lines, table.locator, table.kind)


def load_file(
    path: str | Path,
    study: str,
    specs: Mapping[str, DataSpec],
    *,
    sheet: str | int | None = None,
    layout: str | None = None,
) -> pd.DataFrame:
    """Read and validate a data file of ``study`` against ``specs[study]``.

    ``specs`` holds the data specification of every study a file could belong to, so a file
    with another study's columns is told which. Most callers want :func:`analysis.load`
    (:func:`analysis.studies.load`), which takes a study's name.
    """
    if layout not in (None, *LAYOUTS):
        raise InputError(f"--format must be one of {LAYOUTS}, got {layout!r}.")
    spec = specs[study]
    table = read_table(path, sheet=sheet)
    columns = [str(c) for c in table.frame.columns]
    _check_study(path, columns, study, specs)
    chosen = layout or detect_layout(columns, spec)
    if chosen == "wide":
        try:
            table = to_long(table, spec)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    data = validate(table.frame, spec, path, lines=table.lines, locator=table.locator)
    if chosen == "long" and layout is None and _wide_columns(columns, spec):
        warnings.warn(
            f"{path}: read as long (it has a {spec.time!r} column); its measure_time "
            "columns were ignored.",
            DataWarning,
            stacklevel=3,
        )
    return data


def _check_study(path, columns: list[str], study: str, specs: Mapping[str, DataSpec]) -> None:
    """Say so when a file has another study's columns and lacks this one's."""

    def fits(name):
        spec = specs[name]
        wide = {m for m, _ in _wide_columns(columns, spec).values()}
        return all(c in columns or c in wide for c in spec.required if c != spec.time)

    if fits(study):
        return
    other = [name for name in specs if name != study and fits(name)]
    if other:
        raise InputError(
            f"{path}: has the columns of a {other[0]} file, not of {study}; run "
            f"`python -m analysis analyze {other[0]} {path} ...` (or check the file)."
        )


def template_table(data: pd.DataFrame, spec: DataSpec, layout: str = "long") -> pd.DataFrame:
    """An example file in ``layout`` made from a study's simulated ``data``: the columns a
    researcher fills in (:func:`analysis.studies.template` takes a study's name).

    Two made-up subjects per group (ids with leading zeros, to show they are kept); the
    values are examples, not data.
    """
    keep = data.groupby(spec.group, sort=False)[spec.subject].unique().map(lambda s: s[:2])
    data = data[data[spec.subject].isin(np.concatenate(keep.to_list()))].copy()
    ids = {s: f"{i:03d}" for i, s in enumerate(dict.fromkeys(data[spec.subject]), 1)}
    data[spec.subject] = data[spec.subject].map(ids)
    for name, measure in spec.measures.items():
        data[name] = data[name].round(
            1 if measure.per_subject or data[name].abs().max() > 10 else 2
        )
    data = data[spec.columns].reset_index(drop=True)
    if layout == "long":
        return data
    fixed = [
        spec.subject,
        *(f for f in spec.factors if f != spec.time),
        *(m for m in spec.measures if spec.measures[m].per_subject),
    ]
    wide = data.pivot(index=spec.subject, columns=spec.time, values=spec.per_time_measures)
    times = list(spec.factors[spec.time])
    wide.columns = [f"{m}_{t}" for m, t in wide.columns]
    order = [f"{m}_{t}" for m in spec.per_time_measures for t in times]
    first = data.drop_duplicates(spec.subject).set_index(spec.subject)[fixed[1:]]
    return first.join(wide[order]).reset_index()
