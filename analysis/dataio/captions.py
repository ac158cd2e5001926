"""Figure captions: what each figure shows, what in it is assumed, what its error bars are.

Captions are data, kept in ``data/figure_captions.csv`` (columns ``figure, caption``; one row
per figure file stem, such as ``estes2017_csa_prepost``), so that the report page and the
notebooks (:func:`analysis.engine.plots.show`) print the same words under the same figure. A
study that adds a figure adds its row there; ``tests/test_report_page.py`` checks that every
figure of every registered study has one.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

# Beside data/published/ (analysis/dataio/targets.py finds the targets the same way). Kept
# free of other imports of the package: analysis.engine.plots imports this module.
CAPTIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "figure_captions.csv"


@functools.cache
def _read(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["figure", "caption"]:
            raise ValueError(
                f"{path}: the columns must be 'figure,caption', found {reader.fieldnames}"
            )
        captions: dict[str, str] = {}
        for line, row in enumerate(reader, start=2):
            stem, caption = (row["figure"] or "").strip(), (row["caption"] or "").strip()
            if not stem or not caption:
                raise ValueError(f"{path}, line {line}: a figure stem and its caption are needed")
            if stem in captions:
                raise ValueError(f"{path}, line {line}: {stem} has a caption already")
            captions[stem] = caption
    return captions


def load_captions(path: str | Path | None = None) -> dict[str, str]:
    """Every caption by figure stem, from ``data/figure_captions.csv`` (or ``path``).

    Raises ``ValueError`` naming the line when a row lacks its stem or caption, or a stem
    appears twice.

    Examples
    --------
    >>> captions = load_captions()
    >>> "± SE" in captions["estes2017_csa_prepost"]
    True
    """
    path = CAPTIONS_FILE if path is None else Path(path)
    return dict(_read(path.resolve()))


def caption_for(stem: str) -> str | None:
    """The caption of the figure saved as ``stem``, or ``None`` when it has none.

    Examples
    --------
    >>> caption_for("konopka2014_forest").startswith("Forest plot")
    True
    >>> caption_for("no_such_figure") is None
    True
    """
    return _read(CAPTIONS_FILE).get(stem)
