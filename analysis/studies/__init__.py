"""The studies the report uses: one module each, listed once in :data:`NAMES`.

Every module satisfies :class:`~analysis.studies.base.Study` (name, title, notebook, results,
figures, claim verdicts); the simulated ones also satisfy
:class:`~analysis.studies.base.SimulatedStudy` (simulate, analyze, replicate, key
statistics). ``make reproduce`` loops over :func:`all_studies`; the command line's
``studies`` lists them and ``replicate``/``analyze`` accept the simulated ones.

Adding a study (the README's "Adding a study" says more): write ``analysis/studies/<name>.py``
satisfying the protocol, its targets table ``data/published/<name>.csv`` and its notebook
``notebooks/NN_<topic>.ipynb``, then add ``<name>`` to :data:`NAMES`. Modules are imported on
first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .base import SimulatedStudy, Study

# The registry, in the order of the report.
NAMES: tuple[str, ...] = ("estes2017", "ryu2016", "konopka2014", "concurrent")


def get_study(name: str) -> Study:
    """The module of a registered study.

    Examples
    --------
    >>> get_study("estes2017").NAME
    'estes2017'
    """
    if name not in NAMES:
        raise InputError(f"unknown study {name!r}; the studies are: {', '.join(NAMES)}.")
    return importlib.import_module(f"{__name__}.{name}")


def all_studies() -> list[Study]:
    """Every registered study, in the order of the report."""
    return [get_study(name) for name in NAMES]


def is_simulated(name: str) -> bool:
    """Whether a registered study simulates its data (satisfies ``SimulatedStudy``).

    Examples
    --------
    >>> is_simulated("ryu2016"), is_simulated("concurrent")
    (True, False)
    """
    from .base import SimulatedStudy

    return isinstance(get_study(name), SimulatedStudy)


def simulated_names() -> list[str]:
    """The registered studies whose data are simulated (``replicate``/``analyze`` apply)."""
    return [name for name in NAMES if is_simulated(name)]


def get_simulated_study(name: str) -> SimulatedStudy:
    """A registered simulated study, or one clear error naming the ones there are.

    Examples
    --------
    >>> get_simulated_study("konopka2014")
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: konopka2014 is computed from published numbers only (nothing is simulated), so simulate, replicate, analyze and power do not apply to it; the simulated studies are: estes2017, ryu2016. See `python -m analysis studies`.
    """
    study = get_study(name)
    if not is_simulated(name):
        raise InputError(
            f"{name} is computed from published numbers only (nothing is simulated), so "
            f"simulate, replicate, analyze and power do not apply to it; the simulated studies are: "
            f"{', '.join(simulated_names())}. See `python -m analysis studies`."
        )
    return study


def load(
    path,
    study: str,
    *,
    sheet: str | int | None = None,
    layout: str | None = None,
):
    """Read and validate a data file of ``study``: the long table its ``analyze`` takes.

    Parameters
    ----------
    path : str or Path
        CSV (any of ``, ; tab |``, UTF-8/UTF-16/Latin-1, decimal commas), gzip CSV, Excel
        ``.xlsx`` or Parquet; the type is read from the file's bytes.
    study : str
        A registered study (``python -m analysis studies``).
    sheet : str or int, optional
        Excel sheet name or 0-based index (default: the first sheet).
    layout : {"long", "wide"}, optional
        ``long``: one row per subject x time with a ``time`` column; ``wide``: one row per
        subject with ``measure_time`` columns (``csa_cm2_pre``). Default: detected.

    Returns
    -------
    pandas.DataFrame
        Validated, one row per subject x time; ids exactly as written.

    Raises
    ------
    InputError
        One message with every problem: file, lines, columns, values, fixes.

    Warns
    -----
    DataWarning
        For what was accepted but changed or guessed (ids stripped of spaces, decimal commas,
        an encoding, a file type that its name does not say, ignored columns).

    Examples
    --------
    >>> from analysis import load
    >>> data = load("data/templates/estes2017_wide.csv", "estes2017")
    >>> data[["subject", "time", "csa_cm2"]].head(2).to_dict("records")
    [{'subject': '001', 'time': 'pre', 'csa_cm2': 18.3}, {'subject': '001', 'time': 'post', 'csa_cm2': 23.1}]
    """
    from ..dataio.loading import load_file

    get_simulated_study(study)
    specs = {name: get_study(name).DATA_SPEC for name in simulated_names()}
    return load_file(path, study, specs, sheet=sheet, layout=layout)


def template(study: str, layout: str = "long"):
    """An example data file of a simulated ``study`` in ``layout`` (``long`` or ``wide``): the
    columns a researcher fills in, with two made-up subjects per group.

    Examples
    --------
    >>> template("estes2017", "wide").columns[:4].tolist()
    ['subject', 'group', 'sex', 'age_yr']
    """
    from ..dataio.loading import template_table

    module = get_simulated_study(study)
    return template_table(module.simulate(seed=0), module.DATA_SPEC, layout)
