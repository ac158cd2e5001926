"""How a table looks to a reader: one formatter for every table a notebook or the report shows.

Library results stay full-precision DataFrames; only their display changes, through a pandas
``Styler`` (:func:`format_table`, :func:`to_html`) or, in a notebook, through IPython's HTML
formatter (:func:`install`). The rules:

- **p-values** (``p``, ``p_val``, ``p_holm``, ``..._p``, ...): :func:`format_p`, ``0.034``,
  ``0.0034`` or ``< 0.001``.
- **effect sizes** (d, d_z, g, η²p, r and their CI bounds): 2 decimals.
- **counts** and other whole-valued columns: integers, also when stored as floats (``10``, not
  ``10.0``), with thousands separators from 10,000 on.
- **other numbers**: 3 significant digits of the column's typical (median) magnitude, and at
  least 2 significant digits of each value, between 0 and 4 decimals (:func:`format_number`);
  never e-notation: a value that rounds to zero is ``0`` when it is floating-point noise
  (such as ``-2.2e-15``) and ``< 0.0001`` when it is a real small value.
- **headers**: human labels with units from the column-name suffixes (:func:`label`:
  ``csa_cm2`` is "CSA (cm²)").
- columns that hold nothing (all NaN or empty text) are dropped; a plain ``RangeIndex`` is
  hidden; long text wraps (no "…"); a wide table scrolls inside its own box (:func:`to_html`).
- a Series (one row of a result) shows as a two-column table (:func:`series_frame`).

:func:`analysis.engine.apa.apa` (re-exported here) gives a test's row as a paper reports it.
:class:`Text` and :class:`Record` let a function return a string or a dict that displays well
in a notebook and behaves as a plain ``str`` or ``dict`` everywhere else.

Written by hand where pandas has no rule of its own: pandas formats a column with one
precision (or e-notation) and knows nothing about p-values, units or effect sizes.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .apa import apa

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "Record",
    "Text",
    "apa",
    "format_number",
    "format_p",
    "format_table",
    "install",
    "label",
    "series_frame",
    "to_html",
]

# --- headers -------------------------------------------------------------------------------

# Names whose label no rule below would find.
LABELS = {
    "p": "p",
    "p_val": "p",
    "p_unc": "p",
    "p_holm": "p (Holm)",
    "p_GG_corr": "p (Greenhouse-Geisser)",
    "p_HF_corr": "p (Huynh-Feldt)",
    "p_gg": "p (Greenhouse-Geisser)",
    "p_hf": "p (Huynh-Feldt)",
    "p_spher": "Mauchly p",
    "mauchly_p": "Mauchly p",
    "W_spher": "Mauchly W",
    "mauchly_w": "Mauchly W",
    "sphericity": "Sphericity holds",
    "eps": "ε (Greenhouse-Geisser)",
    "eps_gg": "ε (Greenhouse-Geisser)",
    "eps_HF": "ε (Huynh-Feldt)",
    "eps_hf": "ε (Huynh-Feldt)",
    "np2": "η²p",
    "pes": "η²p",
    "np2_ci90_low": "η²p 90% CI low",
    "np2_ci90_high": "η²p 90% CI high",
    "np2_ci_method": "η²p CI method",
    "Source": "Source",
    "ss_type": "SS type",
    "ss": "SS",
    "ss_error": "SS error",
    "DF": "df",
    "DF1": "df1",
    "DF2": "df2",
    "dof": "df",
    "F": "F",
    "f": "F",
    "dv": "Outcome",
    "hedges_g": "Hedges' g",
    "n_x": "n (x)",
    "n_y": "n (y)",
    "mean_x": "Mean (x)",
    "mean_y": "Mean (y)",
    "mc_se": "Monte Carlo SE",
    "q_p": "Q p",
    "pi_low": "95% PI low",
    "pi_high": "95% PI high",
    "llf_full": "Log-likelihood (full)",
    "llf_reduced": "Log-likelihood (reduced)",
    "vo2max_rel": "VO2max (mL/kg/min)",
    "vo2max_abs": "VO2max (L/min)",
    "tail_dna_pct": "Tail DNA (%)",
    "apa": "As reported (APA)",
    "se_assumed": "SE assumed",
    "dispersion_type": "Dispersion type",
    "pct_change": "Change (%)",
    "hr_rest_bpm": "Resting HR (bpm)",
    "geomean": "Geometric mean",
    "meta_analysis": "Meta-analysis",
}

# Unit suffixes, longest first: the column ``x_<suffix>`` is "X (unit)".
UNITS = {
    "pct_change": ("change", "%"),
    "ml_kg_min": ("", "mL/kg/min"),
    "pct_hrr": ("", "% HRR"),
    "l_min": ("", "L/min"),
    "u_l": ("", "U/L"),
    "cm2": ("", "cm²"),
    "bpm": ("", "bpm"),
    "kg": ("", "kg"),
    "cm": ("", "cm"),
    "um": ("", "µm"),
    "km": ("", "km"),
    "yr": ("", "years"),
    "min": ("", "min"),
    "pct": ("", "%"),
}

# Words written otherwise than capitalised: acronyms, symbols (which keep their case).
WORDS = {
    "csa": "CSA",
    "ck": "CK",
    "ldh": "LDH",
    "dna": "DNA",
    "vo2max": "VO2max",
    "hiit": "HIIT",
    "hr": "HR",
    "hrmax": "HRmax",
    "hrr": "HRR",
    "ci": "CI",
    "ci90": "90% CI",
    "ci95": "95% CI",
    "sd": "SD",
    "sem": "SEM",
    "se": "SE",
    "mc": "MC",
    "id": "ID",
    "pi": "PI",
    "ss": "SS",
    "ms": "MS",
    "gg": "GG",
    "hf": "HF",
    "dl": "DL",
    "pm": "PM",
    "lrt": "LRT",
    "apa": "APA",
    "i2": "I²",
    "h2": "H²",
    "tau2": "τ²",
    "chi2": "χ²",
    "np2": "η²p",
    "eps": "ε",
    "q": "Q",
    "f": "F",
    "df": "df",
    "pct": "%",
    "gt": ">",
    "lt": "<",
    "diff": "difference",
    "obs": "observations",
    "reps": "replicates",
    "welch": "Welch",
    "holm": "Holm",
    "schumann": "Schumann",
}
SYMBOLS = {"p", "t", "d", "g", "r", "n", "k", "x", "y", "z", "df", "dz", "dav", "gav"}
COMPOUNDS = {("d", "z"): "dz", ("d", "av"): "dav", ("g", "av"): "gav", ("hedges", "g"): "Hedges' g"}


def _word(word: str) -> str:
    """One word of a column name as a header shows it (``10km`` is ``10 km``)."""
    if word.lower() in WORDS:
        return WORDS[word.lower()]
    distance = re.fullmatch(r"(\d+)km", word.lower())
    if distance:
        return f"{distance.group(1)} km"
    return word if word.isupper() else word.lower()


def label(column: str) -> str:
    """A human header for a column name: words, acronyms and the unit its suffix names.

    Known names come from :data:`LABELS`; otherwise a unit suffix (:data:`UNITS`) becomes
    "(unit)", acronyms and symbols are written as such (:data:`WORDS`; p, t, d, n stay
    lowercase) and the first word is capitalised.

    Examples
    --------
    >>> label("csa_cm2"), label("ck_u_l"), label("p_holm"), label("p_val")
    ('CSA (cm²)', 'CK (U/L)', 'p (Holm)', 'p')
    >>> label("deciding_statistic"), label("csa_pct_change"), label("vo2max_rel")
    ('Deciding statistic', 'CSA change (%)', 'VO2max (mL/kg/min)')
    >>> label("d_z_ci_low"), label("hiit_csa_p"), label("minutes_in_band_per_week")
    ('dz CI low', 'HIIT CSA p', 'Minutes in band per week')
    """
    column = str(column)
    if column in LABELS:
        return LABELS[column]
    words = [w for w in column.split("_") if w]
    unit = ""
    for suffix, (word, symbol) in UNITS.items():
        parts = suffix.split("_")
        if len(words) > len(parts) and [w.lower() for w in words[-len(parts) :]] == parts:
            words = words[: -len(parts)] + ([word] if word else [])
            unit = f" ({symbol})"
            break
    shown: list[str] = []
    previous = ""  # the last raw word, to join pairs such as d_z into "dz"
    for word in words:
        if (previous, word.lower()) in COMPOUNDS:
            shown[-1] = COMPOUNDS[(previous, word.lower())]
            previous = ""
        else:
            shown.append(_word(word))
            previous = word.lower()
    # capitalise a first word of lowercase letters; a symbol (p, t, d, n, τ²) keeps its case
    if shown and shown[0] not in SYMBOLS and shown[0][:1] in string.ascii_lowercase:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown) + unit if shown else column


# --- numbers -------------------------------------------------------------------------------

NOISE = 1e-9  # relative to the column's magnitude: smaller is floating-point noise, shown 0
MAX_DECIMALS = 4
ALPHA = 0.05


def format_p(p: float) -> str:
    """A p-value for a table: ``"< 0.001"``, else 2 significant digits and at least 3 decimals.

    ``0.0034``, ``0.034``, ``0.340``, ``1.000``; one more decimal (up to 5) where rounding
    would carry a p across 0.05 (``0.04996`` stays ``0.04996``, never ``0.050``); ``""`` for
    NaN. Tables keep the leading zero; APA strings drop it (:func:`analysis.engine.apa.apa_p`).

    Examples
    --------
    >>> format_p(0.00341), format_p(0.0341), format_p(0.34), format_p(2e-9), format_p(float("nan"))
    ('0.0034', '0.034', '0.340', '< 0.001', '')
    >>> format_p(0.04996), format_p(1.0)
    ('0.04996', '1.000')
    """
    if p is None or not _is_number(p) or math.isnan(p):
        return ""
    p = float(p)
    if p < 0.001:
        return "< 0.001"
    decimals = max(3, 1 - math.floor(math.log10(p)))  # 2 significant digits, >= 3 decimals
    while decimals < 5 and (round(p, decimals) < ALPHA) != (p < ALPHA):
        decimals += 1
    return f"{p:.{decimals}f}"


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _typical(values: np.ndarray) -> float:
    """The median |value| of the finite values that are not zero or noise (1 if none is)."""
    finite = np.abs(values[np.isfinite(values)])
    finite = finite[finite > NOISE * finite.max()] if finite.size else finite
    # the lower median is one of the values: the mean of two near 1e308 would overflow
    return float(np.quantile(finite, 0.5, method="lower")) if finite.size else 1.0


def _column_decimals(typical: float) -> int:
    """Decimals that show 3 significant digits of a column's typical magnitude."""
    return int(np.clip(2 - math.floor(math.log10(typical)), 0, MAX_DECIMALS))


def format_number(
    value: float, decimals: int | None = None, *, typical: float | None = None
) -> str:
    """A number without e-notation: ``decimals`` (default: 3 significant digits), at most 4.

    ``decimals`` is the column's (:func:`format_table` passes 3 significant digits of the
    column's typical magnitude ``typical``); a value still shows at least 2 significant
    digits where 4 decimals allow it. A value that rounds to zero is zero (with the column's
    decimals) when it is floating-point noise, below 1e-9 of ``typical`` (default 1), and
    ``< 0.0001`` / ``> -0.0001`` when it is a real small value. From 10,000 on, thousands are
    separated by commas. NaN gives ``""``; a non-number is returned as text.

    Examples
    --------
    >>> format_number(10.6), format_number(-2.2204e-15), format_number(-2.2204e-15, 2)
    ('10.6', '0', '0.00')
    >>> format_number(123456.789), format_number(1e20)
    ('123,457', '100,000,000,000,000,000,000')
    >>> format_number(0.05, decimals=1), format_number(3e-6), format_number(0.000123)
    ('0.050', '< 0.0001', '0.0001')
    """
    if _is_missing(value):
        return ""
    if not _is_number(value):
        return str(value)
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    size = abs(value)
    column_decimals = min(_column_decimals(size or 1.0) if decimals is None else decimals, 4)
    shown_decimals = column_decimals
    if size:
        shown_decimals = max(column_decimals, 1 - math.floor(math.log10(size)))  # 2 sig. digits
    shown_decimals = min(shown_decimals, MAX_DECIMALS)
    if round(size, shown_decimals) == 0:
        if size < NOISE * (typical if typical is not None else 1.0):
            return "0" if decimals is None else f"{0:.{column_decimals}f}"
        return "< 0.0001" if value > 0 else "> -0.0001"
    text = f"{value:,.{shown_decimals}f}" if size >= 10_000 else f"{value:.{shown_decimals}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def _format_integer(value) -> str:
    if not _is_number(value) or not math.isfinite(value):
        return format_number(value)
    return f"{int(round(value)):,}" if abs(value) >= 10_000 else str(int(round(value)))


def _format_effect(value) -> str:
    """Exactly 2 decimals, as effect sizes are reported (``0.00``, never ``-0.00``)."""
    if not _is_number(value) or not math.isfinite(value):
        return format_number(value)
    text = f"{float(value):.2f}"
    return "0.00" if text == "-0.00" else text


# --- column kinds --------------------------------------------------------------------------

_P_COLUMN = re.compile(r"^(p|p_(?!method).*|.*_p|q_p)$")
_EFFECT_COLUMN = re.compile(
    r"^(d|d_z|d_av|g_av|g|hedges_g|np2|pes|r|.*_d|.*_hedges_g)((_ci\d*)?_(low|high))?$"
)


def _column_kind(name: str, values: pd.Series) -> str:
    """``p``, ``effect``, ``integer``, ``number`` or ``other`` (text, booleans, dates)."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "other"
    name = str(name)
    if _P_COLUMN.match(name):
        return "p"
    if _EFFECT_COLUMN.match(name):
        return "effect"
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    finite = numbers[np.isfinite(numbers)]
    if pd.api.types.is_integer_dtype(values) or (
        finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15)
    ):
        return "integer"
    return "number"


def _value_formatter(
    name: str, values: pd.Series, kind: str | None = None
) -> Callable[[object], str]:
    """The function that writes each value of one column (``kind``: its
    :func:`_column_kind`, if known)."""
    kind = kind or _column_kind(name, values)
    if kind == "p":
        return lambda v: format_p(v) if _is_number(v) else format_number(v)
    if kind == "effect":
        return _format_effect
    if kind == "integer":
        return _format_integer
    if kind == "number":
        typical = _typical(values.to_numpy(dtype=float, na_value=np.nan))
        decimals = _column_decimals(typical)
        return lambda v: format_number(v, decimals, typical=typical)
    return _format_other


def _format_other(value) -> str:
    """A cell of a text or mixed column: a number in it is still written without e-notation."""
    if _is_missing(value):
        return ""
    return format_number(value) if _is_number(value) else str(value)


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell
        return False


def _is_empty(values: pd.Series) -> bool:
    """True when a column holds nothing: every value NaN, None or blank text."""
    return all(_is_missing(v) or (isinstance(v, str) and not v.strip()) for v in values)


# --- tables --------------------------------------------------------------------------------


def series_frame(series: pd.Series) -> pd.DataFrame:
    """One row of a result (a Series) as a two-column table of labelled, formatted values.

    Each value is written by the rule of its field (a p-value as a p-value, a count as an
    integer); empty fields are left out.

    Examples
    --------
    >>> s = pd.Series({"row": "claim 1", "power": 0.94612, "p_val": 2e-5, "holds": 9461.0})
    >>> series_frame(s).to_dict("list")
    {'Field': ['Row', 'Power', 'p', 'Holds'], 'Value': ['claim 1', '0.946', '< 0.001', '9461']}
    """
    fields, values = [], []
    for name, value in series.items():
        if _is_missing(value) or (isinstance(value, str) and not value.strip()):
            continue
        column = pd.Series([value])
        column = column.astype(float) if _is_number(value) else column
        text = _value_formatter(str(name), column)(value)
        if _column_kind(str(name), column) == "number" and "." in text and "<" not in text:
            text = text.rstrip("0").rstrip(".")  # one value: trailing zeros align nothing
        fields.append(label(name))
        values.append(text)
    return pd.DataFrame({"Field": fields, "Value": values})


TABLE_STYLES = [
    # long text wraps inside a readable width instead of being cut; numbers never break
    {"selector": "td", "props": "white-space: normal; overflow-wrap: break-word; max-width: 36em;"},
    {"selector": "td.text", "props": "min-width: 14em;"},  # long text: not squeezed to a word
    {"selector": "th", "props": "white-space: normal; vertical-align: bottom;"},
    {"selector": "td.num", "props": "white-space: nowrap; text-align: right;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left;"},
]


LONG_TEXT = 40  # characters: a text column with a longer value gets a minimum width


def _uuid(df: pd.DataFrame) -> str:
    """A table id from its content: the same table gives the same HTML (reproducible report)."""
    digest = hashlib.sha1(repr((list(map(str, df.columns)), df.shape)).encode())
    try:
        digest.update(df.to_csv().encode())
    except (TypeError, ValueError):
        digest.update(repr(df).encode())
    return digest.hexdigest()[:12]


def format_table(df: pd.DataFrame | pd.Series) -> Styler:
    """The table as a reader sees it: a ``Styler`` with every rule of this module applied.

    The data underneath are not changed (``styler.data`` is ``df`` without its empty
    columns, at full precision). A Series that is a row (object dtype, or an index of names)
    becomes a two-column table (:func:`series_frame`); one numbered 0, 1, ... a column.

    Examples
    --------
    >>> df = pd.DataFrame({"n": [12.0, 10.0], "p_val": [0.0004, 0.0341], "note": [None, ""],
    ...                    "csa_cm2": [10.612, -2.2e-15]})
    >>> html = format_table(df).to_html()
    >>> "CSA (cm²)" in html, "&lt; 0.001" in html, ">10.6<" in html, "e-15" in html
    (True, True, True, False)
    >>> "Note" in html  # an empty column is dropped
    False
    """
    if isinstance(df, pd.Series):
        # a row (fields of mixed kinds, or named by labels) as a two-column table; a column
        # of values (numbered 0, 1, ...) as a one-column table
        row_like = df.dtype == object or not isinstance(df.index, pd.RangeIndex)
        df = series_frame(df) if row_like else df.to_frame(name=df.name or "value")
    keep = [not _is_empty(df.iloc[:, i]) for i in range(df.shape[1])]
    shown = df.loc[:, keep]
    from pandas.io.formats.style import Styler  # imports jinja2: only when a table is drawn

    styler = Styler(shown, uuid=_uuid(shown), cell_ids=False)
    classes = []  # per column: "num" (right-aligned, unbroken), "text" (long, wraps) or ""
    writers = []
    for i, name in enumerate(shown.columns):
        values = shown.iloc[:, i]
        kind = _column_kind(str(name), values)
        write = _value_formatter(str(name), values, kind)
        writers.append(lambda v, write=write: html.escape(write(v)))
        if kind != "other":
            classes.append("num")
        else:
            longest = max((len(v) for v in values if isinstance(v, str)), default=0)
            classes.append("text" if longest > LONG_TEXT else "")
    if shown.columns.is_unique:  # one call: each call selects its cells anew (~1 ms)
        styler.format(dict(zip(shown.columns, writers, strict=True)))
    else:
        for i, write in enumerate(writers):
            styler.format(write, subset=styler.columns[[i]])
    # pandas sets cell classes only where rows and columns have unique labels; a table
    # without them is still shown, its cells not aligned by kind
    if any(classes) and shown.columns.is_unique and shown.index.is_unique:
        styler.set_td_classes(
            pd.DataFrame([classes] * len(shown), index=shown.index, columns=shown.columns)
        )
    styler.set_table_attributes('class="dataframe"')  # what notebook and report CSS style
    styler.format_index(lambda c: label(c), axis="columns", escape="html")
    if isinstance(shown.index, pd.RangeIndex) and shown.index.name is None:
        styler.hide(axis="index")
    else:
        styler.format_index(lambda c: "" if _is_missing(c) else str(c), axis="index", escape="html")
    return styler.set_table_styles(TABLE_STYLES)


SCROLL_BOX = '<div class="table-scroll" style="overflow-x:auto; max-width:100%">'


def to_html(df: pd.DataFrame | pd.Series, *, caption: str | None = None) -> str:
    """The formatted table as HTML in a box that scrolls sideways by itself when too wide.

    The box is ``<div class="table-scroll" style="overflow-x:auto; max-width:100%">``: inline,
    so that it works without a style sheet (a notebook, an e-mail, the report).

    Examples
    --------
    >>> page = to_html(pd.DataFrame({"p": [0.5]}), caption="A & B")
    >>> page.startswith('<div class="table-scroll"'), "A &amp; B" in page
    (True, True)
    """
    styler = format_table(df)
    if caption:
        styler.set_caption(html.escape(caption))
    return f"{SCROLL_BOX}\n{styler.to_html()}</div>"


# --- result objects ------------------------------------------------------------------------


class Text(str):
    """A ``str`` that a notebook shows as a sentence, not as a quoted string.

    Examples
    --------
    >>> t = Text("23 of 23 claims PASS")
    >>> t == "23 of 23 claims PASS", t.upper(), t._repr_html_()
    (True, '23 OF 23 CLAIMS PASS', '<p>23 of 23 claims PASS</p>')
    """

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


class Record(dict):
    """A ``dict`` that a notebook shows as a titled two-column table, and ``str()`` as lines.

    Every dict operation works as on a plain dict; ``title`` is shown above the table.

    Examples
    --------
    >>> r = Record({"g": 0.66, "k": 21}, title="Grgic et al. 2019")
    >>> r["g"], dict(r) == {"g": 0.66, "k": 21}
    (0.66, True)
    >>> print(r)
    Grgic et al. 2019
      g: 0.66
      k: 21
    """

    def __init__(self, *args, title: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.title = title

    def _frame(self) -> pd.DataFrame:
        return series_frame(pd.Series(dict(self), dtype=object))

    def __str__(self) -> str:
        lines = [self.title] if self.title else []
        frame = self._frame()
        lines += [f"  {k}: {v}" for k, v in zip(frame["Field"], frame["Value"], strict=True)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return to_html(self._frame(), caption=self.title or None)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


# --- notebooks -----------------------------------------------------------------------------

# pandas' own text display, for what still prints as text: nothing cut
DISPLAY_OPTIONS = {
    "display.max_colwidth": None,
    "display.max_columns": None,
}


def _frame_html(df: pd.DataFrame) -> str | None:
    try:
        return to_html(df)
    except Exception:  # never break a notebook: pandas' own HTML is shown instead
        return None


def install() -> None:
    """Show every DataFrame and Series of this IPython session through :func:`to_html`.

    Registers the HTML formatter for ``pandas.DataFrame`` and ``pandas.Series`` (a Series as
    a two-column table) and sets pandas' display options so that nothing is cut
    (:data:`DISPLAY_OPTIONS`). Outside IPython (a script, the tests) it does nothing; calling
    it again changes nothing.

    Examples
    --------
    >>> install()  # no IPython session here: nothing happens
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, _frame_html)
    formatter.for_type(pd.Series, _frame_html)
    for option, value in DISPLAY_OPTIONS.items():
        pd.set_option(option, value)
