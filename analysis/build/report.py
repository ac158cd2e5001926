"""The report of ``make reproduce``: ``index.html``, notebook HTML and ``manifest.json``.

``index.html`` is one static page that opens from disk with no network: the article's claims
with their verdicts at the top, then every study's scorecard, the figures and links to the
executed notebooks. Everything it links to lives inside the report folder.
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import json
import platform
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..studies.base import SCORECARD_COLUMNS, Results, summary

_NOT_SHOWN = ("study", "quantity", "note")  # in the CSV, left out of the page for width
_CDN_SCRIPT = re.compile(r'<script[^>]*\ssrc="(?:https?:)?//[^"]*"[^>]*>\s*</script>\s*')
_EMPTY_SCRIPT = re.compile(r'<script[^>]*\ssrc=""[^>]*>\s*</script>\s*')

STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1b2631; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccd; }
.banner { background: #fff4e5; border-left: 4px solid #e67e22; padding: 0.8rem 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.8rem 0; width: 100%; }
th, td { border: 1px solid #d5d8dc; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; overflow-wrap: break-word; }
td.supported, td.not-supported, td.rests-on-assumptions, td.partly-supported,
td.not-testable, td.contested, td.PASS, td.FAIL { white-space: nowrap; }
th { background: #f2f4f4; }
.PASS, .supported { color: #1e8449; font-weight: 600; }
.FAIL, .not-supported { color: #c0392b; font-weight: 700; }
.rests-on-assumptions, .partly-supported, .not-testable, .contested { color: #b9770e;
  font-weight: 600; }
figure { display: inline-block; margin: 0.5rem; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.8rem; color: #555; }
.legend { font-size: 0.8rem; color: #555; }
"""


def _escape(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _table(df: pd.DataFrame, class_columns: Sequence[str] = (), links=None) -> str:
    """An HTML table; cells of ``class_columns`` get their value as a CSS class."""
    links = links or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, row in df.iterrows():
        cells = []
        for column in df.columns:
            text = _escape(row[column])
            if column in links and links[column](row):
                text = links[column](row)
            css = f' class="{_css(row[column])}"' if column in class_columns else ""
            cells.append(f"<td{css}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _css(value) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", str(value)).strip("-")


def _where_links(row, notebook_of: Mapping[str, str]) -> str:
    """Links to where a verdict is computed: the notebook and the result tables."""
    study = row.get("study", "")
    if not study:
        return ""
    parts = []
    notebook = notebook_of.get(study)
    if notebook:
        parts.append(f'<a href="notebooks/{notebook}.html">{html.escape(notebook)}</a>')
    for name in str(row.get("tables", "")).split(","):
        name = name.strip()
        if name:
            parts.append(f'<a href="tables/{study}_{name}.csv">{html.escape(name)}.csv</a>')
    return ", ".join(parts)


def _range(row: pd.Series) -> str:
    """``"24-91 % (lowest at a = 3.7)"`` from a claims row; blank without a range."""
    low, high = _percent(row.get("probability_low")), _percent(row.get("probability_high"))
    if not low or not high:
        return ""
    return f"{low[:-2]}–{high} (lowest at {row.get('low_at', '')})"


def _percent(value) -> str:
    """``0.6345`` -> ``"63 %"``; blank for a claim decided from published numbers."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if number != number else f"{100 * number:.0f} %"


def write_index(
    out: Path,
    *,
    claims: pd.DataFrame,
    results: Sequence[Results],
    titles: Mapping[str, str],
    notebook_of: Mapping[str, str],
    notebooks: Sequence[str],
    figures: Mapping[str, Sequence[tuple[str, str]]],
    seed: int,
) -> Path:
    """Write ``out/index.html``.

    ``figures`` maps a study to ``(stem, drawn_by)`` pairs of files in ``out/figures``;
    ``notebooks`` are stems of executed notebooks in ``out/notebooks``.
    """
    from ..studies.verdicts import GRADE_LEGEND

    if "grade" not in claims.columns:
        claims = claims.assign(grade="")
    if "probability" not in claims.columns:
        claims = claims.assign(probability="")
    shown = claims.assign(
        where="",
        probability=claims["probability"].map(_percent),
        over_the_ranges=[_range(row) for _, row in claims.iterrows()],
    )
    claim_rows = shown[
        [
            "claim",
            "text",
            "evidence",
            "verdict",
            "grade",
            "probability",
            "over_the_ranges",
            "deciding_statistic",
            "caveat",
            "where",
        ]
    ]
    claim_links = {"where": lambda row: _where_links(claims.loc[row.name], notebook_of)}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Does running build leg muscle? Replication report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Does running build leg muscle? Replication report</h1>",
        '<p class="banner"><strong>The data in this report are simulated.</strong> The '
        "participants' data of these studies are not public. Each dataset is simulated to "
        "reproduce the figures <em>published</em> in the papers' abstracts exactly, with "
        "<em>inferred</em> numbers derived from them and <em>assumed</em> numbers (cited, "
        "and varied in the notebooks) for what was never printed. A verdict below says when "
        f'it rests on assumptions. Seed {seed}; see <a href="manifest.json">manifest.json'
        "</a> for versions and checksums.</p>",
        '<h2 id="claims">The article\'s claims</h2>',
        _table(claim_rows, class_columns=["verdict"], links=claim_links),
        f'<p class="legend">{html.escape(GRADE_LEGEND)} Probability = how often a study of '
        "the published size, drawn from the population our default assumptions describe, "
        "reproduces the claim's deciding result (the power of the original design for it; "
        "4,000 draws). Over the ranges = the lowest and highest such probability when each "
        "assumed number is moved alone to either end of its documented range (1,000 draws "
        "each; <code>tables/*_claim_ranges.csv</code>; notebook 04 shows two at once). How "
        "verdicts are decided: "
        "<code>analysis/studies/verdicts.py</code> and the README.</p>",
        '<h2 id="scorecards">Scorecards</h2>',
        "<p>Every published (or inferred) number and statement, against the value the "
        "simulated data reproduce. <code>claimed_by = article</code> marks a statement of the "
        "popular article, not of the paper.</p>",
    ]
    for rep in results:
        if not len(rep.scorecard):  # computed from published numbers only
            continue
        card = rep.scorecard[[c for c in SCORECARD_COLUMNS if c not in _NOT_SHOWN]]
        parts += [
            f'<h3 id="scorecard-{rep.study}">{html.escape(titles.get(rep.study, rep.study))}'
            f"</h3><p>{summary(card)} · "
            f'<a href="tables/{rep.study}_scorecard.csv">{rep.study}_scorecard.csv</a> · '
            f'<a href="data/{rep.study}.csv">simulated data</a></p>',
            _table(card, class_columns=["status"]),
        ]
    parts.append('<h2 id="figures">Figures</h2>')
    for study, stems in figures.items():
        parts.append(f"<h3>{html.escape(titles.get(study, study))}</h3>")
        for stem, drawn_by in stems:
            parts.append(
                f'<figure><a href="figures/{stem}.svg"><img src="figures/{stem}.png" '
                f'alt="{html.escape(stem)}"></a><figcaption><code>{html.escape(stem)}</code> '
                f"drawn by <code>{html.escape(drawn_by)}</code> · "
                f'<a href="figures/{stem}.svg">SVG</a></figcaption></figure>'
            )
    parts.append('<h2 id="notebooks">Executed notebooks</h2><ul>')
    for stem in notebooks:
        parts.append(
            f'<li><a href="notebooks/{stem}.html">{html.escape(stem)}</a> '
            f'(<a href="notebooks/{stem}.ipynb">.ipynb</a>)</li>'
        )
    parts.append("</ul></body></html>")
    path = out / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def notebook_to_html(notebook: Path, destination: Path) -> Path:
    """Convert an executed notebook to a self-contained HTML page (no CDN scripts)."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    # The page must open offline: drop the CDN-hosted require.js and MathJax.
    body = _EMPTY_SCRIPT.sub("", _CDN_SCRIPT.sub("", body))
    destination.write_text(body, encoding="utf-8")
    return destination


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def build_manifest(out: Path, *, seed: int, root: Path, previous: dict | None) -> dict:
    """Seed, commit, Python and package versions, and the SHA-256 of every file in ``out``.

    ``previous`` is the manifest of the report being replaced; files whose checksum changed
    although the seed is the same are listed under ``differs_from_previous``.
    """
    files = {
        str(p.relative_to(out)): sha256(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    packages = {
        dist.metadata["Name"]: dist.version
        for dist in sorted(
            importlib.metadata.distributions(), key=lambda d: (d.metadata["Name"] or "").lower()
        )
        if dist.metadata["Name"]
    }
    manifest = {
        "seed": seed,
        "commit": _git(root, "rev-parse", "HEAD") or "unknown",
        "uncommitted_changes": bool(_git(root, "status", "--porcelain")),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
        "files": files,
    }
    if previous and previous.get("seed") == seed:
        old = previous.get("files", {})
        manifest["differs_from_previous"] = sorted(
            name
            for name, digest in files.items()
            if name in old and old[name] != digest and _is_reproducible(name)
        )
    return manifest


def _is_reproducible(name: str) -> bool:
    """Files that must be byte-identical for the same seed (notebooks carry timings)."""
    return name.endswith((".csv", ".svg"))


def write_manifest(out: Path, manifest: dict) -> Path:
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
