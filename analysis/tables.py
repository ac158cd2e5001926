"""Result tables computed on first use.

A study's ``analyze`` returns a :class:`Tables` mapping. Each table is computed the first
time it is read, so a scorecard that needs three tables does not pay for the mixed ANOVA
(and for importing pingouin), while writing or showing every table computes them all.

An analysis that the data cannot support (one group only, no complete subject) raises
:class:`~analysis.errors.InputError`; its table then holds one ``note`` saying why, so the other
analyses of a real dataset still run and are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pandas as pd

from .errors import InputError


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

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            try:
                self._cache[name] = self._factories[name]()
            except InputError as exc:
                self._cache[name] = pd.DataFrame({"note": [f"not computed: {exc}"]})
        return self._cache[name]

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
    mask = pd.Series(True, index=table.index)
    for column, value in equals.items():
        mask &= table[column] == value
    return table[mask].iloc[0] if mask.any() else None
