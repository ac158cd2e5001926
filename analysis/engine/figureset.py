"""A study's figures as a mapping drawn on demand, and their files rendered once per build.

``study.figures(...)`` returns a :class:`FigureSet`: a read-only mapping from file stem to
matplotlib ``Figure``, each drawn when it is first read. What a figure is drawn from is known
before it is drawn (a plotting function of :mod:`analysis.engine.plots` and its arguments),
so during ``make reproduce`` its files (the PNG and SVG bytes written to ``figures/``) are
rendered once and shared by the build and the notebook that shows them
(:func:`analysis.dataio.shared.once`, keyed by a fingerprint of the functions, every argument
with its data to the bit, and matplotlib's settings): a notebook in a build shows the bytes
of the build's ``figures/<stem>.png`` instead of drawing the figure a second time, and any
change to what a figure is drawn from changes the key, so nothing stale is ever shown.
Outside a build every figure is drawn where it is shown.

Written by hand: no library shares a rendering between processes by the content it was
drawn from.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from ..dataio import shared

PNG_DPI = 150  # the PNG files' resolution; notebooks show them at the figure's own size
_NOT_DRAWING = ("backend", "backend_fallback", "interactive")  # settings that draw nothing


@dataclass(frozen=True)
class Rendered:
    """One figure's files: ``png`` (at :data:`PNG_DPI`) and ``svg`` bytes (``None`` when only
    the PNG was rendered), the function that drew it, and ``width``, the CSS pixels at which a
    notebook shows the PNG (the figure's width at its own dpi, as Jupyter shows a figure)."""

    png: bytes
    svg: bytes | None
    drawn_by: str
    width: int

    def __repr__(self) -> str:
        return f"<figure drawn by {self.drawn_by}, PNG of {len(self.png):,} bytes>"

    def _repr_png_(self) -> tuple[bytes, dict]:
        """Shown in Jupyter as the PNG file, at the figure's own size."""
        return self.png, {"width": self.width}

    def write(self, directory: str | Path, stem: str) -> list[Path]:
        """Write ``stem.png`` and ``stem.svg`` into ``directory``; the paths written."""
        if self.svg is None:
            raise ValueError(f"{stem} was rendered without its SVG; render it with svg=True")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = [directory / f"{stem}.png", directory / f"{stem}.svg"]
        paths[0].write_bytes(self.png)
        paths[1].write_bytes(self.svg)
        return paths


def render(fig, *, svg: bool = True) -> Rendered:
    """``fig`` rendered as the project writes figures: PNG at :data:`PNG_DPI` and SVG, with
    fixed metadata, so the same figure gives the same bytes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> image = render(fig)
    >>> image.png[:4], image.svg[:5], image.width
    (b'\\x89PNG', b'<?xml', 400)
    >>> plt.close(fig)
    """
    with no_idle_layout_engine(fig):
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        vector = None
        if svg:
            vector = io.BytesIO()
            fig.savefig(vector, format="svg", metadata={"Date": None, "Creator": None})
    return Rendered(
        png=png.getvalue(),
        svg=None if vector is None else vector.getvalue(),
        drawn_by=fig.get_label() or "analysis.engine.plots",
        width=round(fig.get_figwidth() * fig.dpi),
    )


@contextmanager
def no_idle_layout_engine(fig) -> Iterator[None]:
    """Without the do-nothing layout engine ``fig.tight_layout()`` leaves behind, for a while.

    savefig draws the whole figure once more, before it renders, whenever the figure has a
    layout engine, even this placeholder: dropped, that wasted draw goes (the same pixels and
    SVG bytes, tested), and the figure gets it back afterwards.
    """
    engine = fig.get_layout_engine()
    idle = isinstance(engine, PlaceHolderLayoutEngine) and not (
        matplotlib.rcParams["figure.autolayout"]
        or matplotlib.rcParams["figure.constrained_layout.use"]
    )
    if idle:
        fig.set_layout_engine(None)
    try:
        yield
    finally:
        if idle:
            fig.set_layout_engine(engine)


class FigureSet(Mapping):
    """A study's figures by file stem, each drawn by ``makers[stem]()`` when first read.

    Parameters
    ----------
    owner : str
        Who draws them (the study's name): part of the key they are shared under.
    makers : mapping of str to functools.partial
        Per stem, a plotting function with every argument it draws from. Any other callable
        works too, but its figures are then never shared (their inputs cannot be named).

    Examples
    --------
    >>> import functools, matplotlib.pyplot as plt
    >>> def line(ys):
    ...     fig, ax = plt.subplots()
    ...     ax.plot(ys)
    ...     return fig
    >>> figures = FigureSet("example", {"example_line": functools.partial(line, [1, 3, 2])})
    >>> list(figures), len(figures)
    (['example_line'], 1)
    >>> figures["example_line"] is figures["example_line"]  # drawn once, when first read
    True
    >>> same = FigureSet("example", {"example_line": functools.partial(line, [1, 3, 2])})
    >>> other = FigureSet("example", {"example_line": functools.partial(line, [1, 3, 9])})
    >>> figures.key("example_line") == same.key("example_line")
    True
    >>> figures.key("example_line") == other.key("example_line")
    False
    >>> plt.close(figures["example_line"])
    """

    def __init__(self, owner: str, makers: Mapping[str, Callable[[], object]]):
        self.owner = owner
        self._makers = dict(makers)
        self._drawn: dict[str, object] = {}

    def __getitem__(self, stem: str):
        if stem not in self._drawn:
            self._drawn[stem] = self._makers[stem]()
        return self._drawn[stem]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)

    def __repr__(self) -> str:
        return f"FigureSet({self.owner!r}, stems={list(self._makers)})"

    def key(self, stem: str) -> str | None:
        """A name for exactly this figure: the owner and stem, and a SHA-256 of its function
        and arguments (data to the bit) and of matplotlib's settings; ``None`` when an
        argument cannot be fingerprinted."""
        maker = self._makers[stem]
        digest = hashlib.sha256(f"{self.owner}/{stem}".encode())
        settings = matplotlib.rcParams
        digest.update(repr([(k, settings[k]) for k in settings if k not in _NOT_DRAWING]).encode())
        if not isinstance(maker, functools.partial) or not _fingerprint(maker, digest):
            return None
        return f"{stem}-{digest.hexdigest()}"

    def render(self, stem: str, *, svg: bool = True) -> Rendered:
        """The figure ``stem`` rendered (:func:`render`) and closed. In a build, rendered
        once for the build and its notebooks (PNG and SVG, whatever ``svg`` says), unless
        this set has drawn it already: it may have been changed since, so it is rendered
        as it is now."""
        key = self.key(stem) if shared.active() and stem not in self._drawn else None
        if key is None:
            return self._render(stem, svg)
        return shared.once(key, lambda: self._render(stem, True))

    def _render(self, stem: str, svg: bool) -> Rendered:
        import matplotlib.pyplot as plt

        fig = self[stem]
        try:
            return render(fig, svg=svg)
        finally:
            plt.close(fig)


def rendered(figures: Mapping[str, object], stem: str) -> Rendered:
    """The figure ``stem`` of ``figures`` (a :class:`FigureSet`, shared in a build, or any
    mapping of stem to Figure) rendered with its SVG."""
    if isinstance(figures, FigureSet):
        return figures.render(stem)
    return render(figures[stem])


def _fingerprint(value, digest) -> bool:
    """Feed ``value`` whole into ``digest``, with its type; False if it cannot be named.

    Numbers in arrays and frames go in as their bits (``0.0`` and ``-0.0`` differ), text and
    other objects as their pickle: two values that draw differently never share a digest.
    """
    digest.update(type(value).__qualname__.encode())
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        digest.update(repr(value).encode())
    elif isinstance(value, functools.partial):
        return (
            _fingerprint(value.func, digest)
            and _fingerprint(value.args, digest)
            and _fingerprint(value.keywords, digest)
        )
    elif callable(value) and hasattr(value, "__qualname__"):
        digest.update(f"{value.__module__}.{value.__qualname__}".encode())
    elif isinstance(value, (list, tuple)):
        digest.update(str(len(value)).encode())
        return all(_fingerprint(item, digest) for item in value)
    elif isinstance(value, Mapping):
        digest.update(str(len(value)).encode())
        return all(_fingerprint(k, digest) and _fingerprint(v, digest) for k, v in value.items())
    elif isinstance(value, pd.DataFrame):
        ok = _fingerprint(value.index, digest) and _fingerprint(value.columns, digest)
        for _, column in value.items():
            ok = ok and _values(column, digest)
        return ok and _fingerprint(dict(value.attrs), digest)
    elif isinstance(value, pd.Series):
        return (
            _fingerprint(value.name, digest)
            and _fingerprint(value.index, digest)
            and _values(value, digest)
            and _fingerprint(dict(value.attrs), digest)
        )
    elif isinstance(value, pd.Index):
        return _fingerprint(list(value.names), digest) and _values(value, digest)
    elif isinstance(value, np.ndarray):
        return _values(value, digest)
    else:
        return _pickled(value, digest)
    return True


def _values(values, digest) -> bool:
    """The values of an array, Series or Index: numbers as their bits, anything else (text,
    categories, objects) as the pickle of its Python values."""
    digest.update(f"{values.dtype}{values.shape}".encode())
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biufcmM":
        digest.update(np.ascontiguousarray(np.asarray(values)).tobytes())
        return True
    return _pickled(list(values), digest)


def _pickled(value, digest) -> bool:
    try:
        digest.update(pickle.dumps(value, protocol=5))
    except Exception:
        return False
    return True
