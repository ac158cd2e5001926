"""Result tables computed on first use, with one-line notes on what each left out.

A study's ``analyze`` returns a :class:`Tables` mapping. Each table is computed the first
time it is read, so a scorecard that needs three tables does not pay for the mixed ANOVA
(and for importing pingouin), while writing or showing every table computes them all.

An analysis that the data cannot support (one group only, no complete subject) raises
:class:`~analysis.errors.InputError`; its table then holds one ``note`` saying why, so the other
analyses of a real dataset still run and are written.

Notes (issue 8). A factory may attach one-line notes to the table it returns with
:func:`with_notes` (e.g. ``"mixed_anova of log_ck_u_l: left out S07 (no day3 value)"``);
:class:`Tables` takes them off the table when it computes it, and adds its own: a table not
computed, rows whose statistics are not computable (their ``note`` column), confidence
intervals that are approximations (a ``*ci_method`` column), and infinite values, which it
replaces by NaN so that no table ever holds ±inf. :attr:`Tables.notes` computes every table
first, so the list is complete whenever it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError

_NOTES = "notes"  # the key of DataFrame.attrs under which a factory hands over its notes


def with_notes(table: pd.DataFrame, notes: Iterable[str]) -> pd.DataFrame:
    """Attach one-line notes to a table, for :class:`Tables` to collect; returns ``table``.

    Examples
    --------
    >>> t = Tables({"a": lambda: with_notes(pd.DataFrame({"x": [1]}), ["a: left out S1 (why)"])})
    >>> t.notes
    ['a: left out S1 (why)']
    """
    table.attrs[_NOTES] = [*table.attrs.get(_NOTES, []), *notes]
    return table


def take_notes(table: pd.DataFrame) -> list[str]:
    """Remove and return the notes attached to ``table`` (see :func:`with_notes`)."""
    return list(table.attrs.pop(_NOTES, []))


def describe_left_out(left_out: Mapping[str, str]) -> str:
    """``"S07 (no day3 value), S12 (ck_u_l = 0 at post has no logarithm)"``.

    Subject ids are kept exactly as given and in the given order (never sorted as numbers).

    Examples
    --------
    >>> describe_left_out({"007": "no day3 value", "S 1": "ck_u_l = 0 at post has no logarithm"})
    '007 (no day3 value), S 1 (ck_u_l = 0 at post has no logarithm)'
    """
    return ", ".join(f"{s} ({r})" for s, r in left_out.items())


def exclusion_columns(left_out: Mapping[str, str]) -> dict[str, str]:
    """The ``excluded_subjects`` (``;``-separated ids) and ``exclusion_reason`` cells of a row.

    Examples
    --------
    >>> exclusion_columns({"007": "no day3 value"})
    {'excluded_subjects': '007', 'exclusion_reason': '007 (no day3 value)'}
    """
    return {
        "excluded_subjects": ";".join(left_out),
        "exclusion_reason": describe_left_out(left_out),
    }


def left_out_note(what: str, left_out: Mapping[str, str] | str) -> str:
    """``"<what>: left out S07 (no day3 value)"``: one line for :attr:`Tables.notes`.

    ``left_out`` maps subject to reason, or is already an ``exclusion_reason`` cell.

    Examples
    --------
    >>> left_out_note("mixed_anova of log_ck_u_l", {"S07": "no day3 value"})
    'mixed_anova of log_ck_u_l: left out S07 (no day3 value)'
    """
    text = left_out if isinstance(left_out, str) else describe_left_out(left_out)
    return f"{what}: left out {text}"


def note_descriptives(table: pd.DataFrame) -> pd.DataFrame:
    """Attach a :func:`left_out_note` per cell of a ``describe`` table that left someone out.

    Examples
    --------
    >>> t = pd.DataFrame({"measure": ["y"], "group": ["a"], "time": ["pre"],
    ...                   "exclusion_reason": ["S1 (no value)"]})
    >>> take_notes(note_descriptives(t))
    ['descriptives of y (a, pre): left out S1 (no value)']
    """
    return with_notes(
        table,
        [
            left_out_note(f"descriptives of {r.measure} ({r.group}, {r.time})", r.exclusion_reason)
            for r in table.itertuples()
            if r.exclusion_reason
        ],
    )


def note_exclusions(table: pd.DataFrame, what: str) -> pd.DataFrame:
    """Attach a :func:`left_out_note` for the ``exclusion_reason`` of a one-analysis table."""
    if "exclusion_reason" in table.columns and len(table):
        reason = str(table["exclusion_reason"].iloc[0])
        if reason:
            with_notes(table, [left_out_note(what, reason)])
    return table


def stack(
    parts: Iterable[tuple[str, Mapping[str, object], Callable[[], pd.DataFrame]]],
) -> pd.DataFrame:
    """Concatenate the tables of one analysis run per item (per outcome, say).

    Each part is ``(what, keys, make)``: ``make()`` returns the part's table, ``keys`` are the
    columns that label it (added in front when missing) and ``what`` names it in notes. A
    part whose data cannot support it (:class:`InputError`) becomes one row of ``keys`` with a
    ``note`` (``""`` on the other rows) and a note in :attr:`Tables.notes`; if every part
    fails, the first error is raised, so the whole table becomes a note.

    Examples
    --------
    >>> def fails():
    ...     raise InputError("one group only")
    >>> t = stack([("a of y", {"dv": "y"}, lambda: pd.DataFrame({"F": [2.0]})),
    ...            ("a of z", {"dv": "z"}, fails)])
    >>> t.to_dict("list")
    {'dv': ['y', 'z'], 'F': [2.0, nan], 'note': ['', 'not computed: one group only']}
    >>> take_notes(t)
    ['a of z: not computed: one group only']
    """
    frames, notes, errors = [], [], []
    for what, keys, make in parts:
        try:
            frame = make()
        except InputError as exc:
            errors.append(exc)
            frames.append(pd.DataFrame([{**keys, "note": f"not computed: {exc}"}]))
            notes.append(f"{what}: not computed: {exc}")
            continue
        notes += take_notes(frame)
        for position, (column, value) in enumerate(keys.items()):
            if column not in frame.columns:
                frame.insert(position, column, value)
        frames.append(frame)
    if errors and len(errors) == len(frames):
        raise errors[0]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if "note" in table.columns:
        table["note"] = table["note"].fillna("")
    return with_notes(table, notes)


def _automatic_notes(name: str, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Notes every table gets from its own columns, and the table with ±inf set to NaN.

    A table holding ±inf is copied first: a factory may return a frame it also uses.
    """
    notes = []
    numbers = table.select_dtypes("number")
    infinite = np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        table = table.copy()
        columns = [c for c, hit in zip(numbers.columns, infinite.any(axis=0), strict=True) if hit]
        for column in columns:
            table[column] = table[column].replace([np.inf, -np.inf], np.nan)
        notes.append(
            f"{name}: {int(infinite.sum())} value(s) overflowed to ±inf and were set to NaN "
            f"(columns {', '.join(map(str, columns))})"
        )
    if "note" in table.columns and list(table.columns) != ["note"]:
        failed = table["note"].astype(str).str.startswith("not computable").sum()
        if failed:
            notes.append(
                f"{name}: {failed} of {len(table)} row(s) not computable (see the note column)"
            )
    for column in (c for c in table.columns if str(c).endswith("ci_method")):
        approximate = table[column].astype(str).str.contains("approximation").sum()
        if approximate:
            notes.append(
                f"{name}: {approximate} confidence interval(s) use an approximation (see {column})"
            )
    return table, notes


class Tables(Mapping[str, pd.DataFrame]):
    """A read-only mapping of table name to DataFrame, each built by its factory once.

    Examples
    --------
    >>> calls = []
    >>> t = Tables({"a": lambda: calls.append(1) or pd.DataFrame({"x": [1]})})
    >>> len(calls)
    0
    >>> t["a"]["x"].tolist(), t["a"]["x"].tolist(), len(calls)
    ([1], [1], 1)
    """

    def __init__(self, factories: Mapping[str, Callable[[], pd.DataFrame]]):
        self._factories = dict(factories)
        self._cache: dict[str, pd.DataFrame] = {}
        self._notes: dict[str, list[str]] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            try:
                table = self._factories[name]()
            except InputError as exc:
                table = pd.DataFrame({"note": [f"not computed: {exc}"]})
                self._notes[name] = [f"{name}: not computed: {exc}"]
            else:
                notes = take_notes(table)
                table, automatic = _automatic_notes(name, table)
                self._notes[name] = notes + automatic
            self._cache[name] = table
        return self._cache[name]

    @property
    def notes(self) -> list[str]:
        """One line per thing a reader of the tables should know, in table order.

        Which subjects each analysis left out and why, analyses not computed, statistics
        not computable, approximate confidence intervals and overflows. Reading it computes
        every table first, so the list is complete.

        Examples
        --------
        >>> def one_group():
        ...     raise InputError("needs 2 groups")
        >>> Tables({"a": lambda: pd.DataFrame({"x": [1.0]}), "b": one_group}).notes
        ['b: not computed: needs 2 groups']
        """
        for name in self:
            self[name]
        return [note for name in self for note in self._notes.get(name, [])]

    def brief_notes(self) -> list[str]:
        """:attr:`notes` for a terminal: one line per set of left-out subjects and reason.

        A subject missing one timepoint is left out of every analysis that needs it (28 of
        them for the HIIT study); this says so once, naming the tables and how many of their
        analyses, and keeps the other notes as they are.

        Examples
        --------
        >>> t = Tables({"a": lambda: with_notes(pd.DataFrame({"x": [1]}),
        ...     ["a of y: left out S1 (no post value)", "a of z: left out S1 (no post value)"])})
        >>> t.brief_notes()
        ['left out S1 (no post value) in a (2 analyses); the excluded_subjects column of each table says where']
        """
        grouped: dict[str, dict[str, int]] = {}
        others = []
        for note in self.notes:
            what, sep, text = note.partition(": left out ")
            if not sep:
                others.append(note)
                continue
            tables = grouped.setdefault(text, {})
            table = what.split(" ", 1)[0]
            tables[table] = tables.get(table, 0) + 1
        lines = []
        for text, tables in grouped.items():
            where = ", ".join(
                f"{name} ({count} analys{'es' if count > 1 else 'is'})"
                for name, count in tables.items()
            )
            lines.append(
                f"left out {text} in {where}; the excluded_subjects column of each table says where"
            )
        return lines + others

    def __getstate__(self) -> dict:
        """Pickled, every table is computed first (factories are closures; pickle needs
        values), so the copy reads the same tables and notes with nothing left to compute."""
        return {"tables": {name: self[name] for name in self}, "notes": dict(self._notes)}

    def __setstate__(self, state: dict) -> None:
        self._cache = dict(state["tables"])
        self._notes = dict(state["notes"])
        # zero-argument factories, as __init__ takes them (never called: all are cached)
        self._factories = {name: (lambda table=table: table) for name, table in self._cache.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def __repr__(self) -> str:
        done = ", ".join(f"{k}{'' if k in self._cache else ' (not yet computed)'}" for k in self)
        return f"Tables({done})"


def first_row(table: pd.DataFrame, **equals) -> pd.Series | None:
    """The first row whose columns equal the given values, or None if there is none.

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["a", "b"], "t": ["pre", "pre"], "p": [0.1, 0.2]})
    >>> float(first_row(t, g="b", t="pre")["p"]), first_row(t, g="c")
    (0.2, None)
    """
    # a numpy mask and one positional lookup: the scorecard, decisions and verdicts call this
    # dozens of times, and a boolean-indexed copy of the table per call cost more than the rest
    mask = np.ones(len(table), dtype=bool)
    for column, value in equals.items():
        if column not in table.columns:  # a table that holds only a note
            return None
        mask &= (table[column] == value).to_numpy(dtype=bool, na_value=False)
    hits = np.flatnonzero(mask)
    return table.iloc[hits[0]] if hits.size else None
