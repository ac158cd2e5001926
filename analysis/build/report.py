"""The report of ``make reproduce``: ``index.html``, notebook HTML and ``manifest.json``.

``index.html`` is one static page that opens from disk with no network, written from the
Jinja2 template ``analysis/templates/report.html.j2`` (its style, ``report.css``, inlined): a
few sentences that answer the article's question from the claims table, the claims with their
verdicts, one collapsed scorecard per simulated study with its citation once, the figures with
their captions (``data/figure_captions.csv``) and links to the executed notebooks. Every table
but the claims table goes through :mod:`analysis.engine.display`. Everything the page links to
lives inside the report folder.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
import re
import subprocess
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ..dataio.captions import caption_for
from ..engine import display
from ..studies.base import SCORECARD_COLUMNS, Results, summary
from ..studies.verdicts import GRADE_LEGEND, VERDICTS
from .claims import NOT_BUILT

# Scorecard columns left out of the page for width (they stay in the CSV): the study is the
# section's, the quantity repeats the claim id, the notes are long; the source is shown only
# where it is not the study's paper, whose citation heads the section.
_NOT_SHOWN = ("study", "quantity", "note")
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_CDN_SCRIPT = re.compile(r'<script[^>]*\ssrc="(?:https?:)?//[^"]*"[^>]*>\s*</script>\s*')
_EMPTY_SCRIPT = re.compile(r'<script[^>]*\ssrc=""[^>]*>\s*</script>\s*')
_EXTERNAL_STYLE = re.compile(r'<link[^>]*\shref="(?:https?:)?//[^"]*"[^>]*>\s*')
# nbconvert's CSS credits its sources in comments; without them a grep for "http" in a page
# finds only what could make a request (and XML namespaces, which never do).
_CSS_COMMENT_WITH_URL = re.compile(r"/\*(?:(?!\*/).)*?https?://(?:(?!\*/).)*?\*/", re.DOTALL)
NOT_BUILT_STATISTIC = (
    "not built in this run (reproduce --only built another notebook); run reproduce "
    "without --only for this claim's verdict"
)
# Claims-table columns the page names itself (the rest are named by the display layer).
_CLAIM_HEADERS = {
    "text": "The article says",
    "over_the_ranges": "Probability over the assumptions' ranges",
    "where": "Where it is computed",
}


def label(column: str) -> str:
    """A human header for ``column``: the page's own for the claims table, else the display
    layer's (:func:`analysis.engine.display.label`).

    Examples
    --------
    >>> label("text"), label("deciding_statistic")
    ('The article says', 'Deciding statistic')
    """
    return _CLAIM_HEADERS.get(column) or display.label(column)


def table_html(df: pd.DataFrame, caption: str | None = None) -> Markup:
    """Every table of the page but the claims table goes through this one formatter: the
    display layer's (readable numbers, human headers, a box that scrolls sideways).

    Examples
    --------
    >>> page = table_html(pd.DataFrame({"claim_id": ["a<b"], "published": [12.0]}))
    >>> 'class="table-scroll"' in page and "a&lt;b" in page
    True
    """
    return Markup(display.to_html(df, caption=caption))


def css_class(value) -> str:
    """A CSS class from a verdict or status: ``"rests on assumptions"`` ->
    ``"rests-on-assumptions"``.

    Examples
    --------
    >>> css_class("partly supported"), css_class("PASS")
    ('partly-supported', 'PASS')
    """
    return re.sub(r"[^a-zA-Z0-9]+", "-", str(value)).strip("-")


def percent(value) -> str:
    """``0.6345`` -> ``"63 %"``; blank for a claim decided from published numbers.

    Examples
    --------
    >>> percent(0.6345), percent(""), percent(float("nan"))
    ('63 %', '', '')
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if number != number else f"{100 * number:.0f} %"


def probability_range(row: Mapping) -> str:
    """``"24–91 % (lowest at a = 3.7)"`` from a claims row; blank without a range.

    Examples
    --------
    >>> probability_range({"probability_low": 0.235, "probability_high": 0.914,
    ...                    "low_at": "a = 3.7"})
    '24–91 % (lowest at a = 3.7)'
    >>> probability_range({"probability_low": float("nan")})
    ''
    """
    low, high = percent(row.get("probability_low")), percent(row.get("probability_high"))
    if not low or not high:
        return ""
    return f"{low[:-2]}–{high} (lowest at {row.get('low_at', '')})"


def _where_links(row: Mapping, notebook_of: Mapping[str, str], built: Collection[str]):
    """``(href, text)`` of where a verdict is computed: the notebook and the result tables
    (only those this run wrote)."""
    study = row.get("study", "")
    if not study or study not in built:
        return []
    links = []
    notebook = notebook_of.get(study)
    if notebook:
        links.append((f"notebooks/{notebook}.html", notebook))
    for name in str(row.get("tables", "")).split(","):
        name = name.strip()
        if name:
            links.append((f"tables/{study}_{name}.csv", f"{name}.csv"))
    return links


def _claim_studies() -> dict[int, list[str]]:
    """The studies each claim of the article rests on (``article_claims.csv``)."""
    from .claims import load_claims

    return {
        int(row.claim): [s for s in str(row.studies).split(";") if s and s != "nan"]
        for row in load_claims().itertuples()
    }


def claim_rows(
    claims: pd.DataFrame, notebook_of: Mapping[str, str], built: Collection[str]
) -> list[dict]:
    """The claims table as the page shows it: one dict per claim, numbers as text.

    A claim whose studies were not built in this run (``reproduce --only``) says so, whatever
    verdict the table carries for it.
    """
    studies_of = _claim_studies()
    rows = []
    for _, row in claims.iterrows():
        number = int(row["claim"])
        needed = studies_of.get(number, [])
        not_built = row.get("verdict") == NOT_BUILT or (
            not row.get("study") and any(s not in built for s in needed)
        )
        verdict = NOT_BUILT if not_built else str(row.get("verdict", ""))
        statistic = str(row.get("deciding_statistic", ""))
        if not_built:
            statistic = NOT_BUILT_STATISTIC
        rows.append(
            {
                "claim": number,
                "text": str(row.get("text", "")),
                "evidence": str(row.get("evidence", "")),
                "verdict": verdict,
                "verdict_class": css_class(verdict),
                "grade": "" if not_built else str(row.get("grade", "")),
                "probability": "" if not_built else percent(row.get("probability")),
                "over_the_ranges": "" if not_built else probability_range(row),
                "low": "" if not_built else percent(row.get("probability_low")),
                "high": "" if not_built else percent(row.get("probability_high")),
                "low_at": "" if not_built else str(row.get("low_at", "")),
                "deciding_statistic": statistic,
                "caveat": "" if not_built else str(row.get("caveat", "")),
                "links": _where_links(row, notebook_of, built),
                "built": not not_built,
            }
        )
    return rows


def _grade_meanings(legend: str) -> dict[str, str]:
    """``{"published": "the paper's own test, ...", ...}`` from the one-line grade legend."""
    body = legend.split(":", 1)[-1]
    pairs = (part.split(" = ", 1) for part in body.split(";") if " = " in part)
    # without a trailing aside such as "(varied in the caveat)": the sentence has its own
    return {
        name.strip(): re.sub(r"\s*\([^()]*\)$", "", meaning.strip().rstrip("."))
        for name, meaning in pairs
    }


def _count_phrase(verdict: str, count: int) -> str:
    if verdict == "rests on assumptions":
        return f"{count} {'rests' if count == 1 else 'rest'} on assumptions"
    if verdict == NOT_BUILT:
        return f"{count} {'was' if count == 1 else 'were'} not built in this run"
    return f"{count} {'is' if count == 1 else 'are'} {verdict}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def answer(rows: Sequence[Mapping], grade_legend: str = "") -> list[str]:
    """A few sentences that answer the article's question from the claims table.

    The article's headline claim is its first; the sentences give its verdict, grade and
    probabilities, then the verdicts of all the claims counted.

    Examples
    --------
    >>> rows = [
    ...     {"claim": 1, "text": "Running grows muscle: a study", "verdict": "supported",
    ...      "grade": "assumption-driven", "probability": "63 %", "low": "24 %",
    ...      "high": "91 %", "low_at": "a = 3.7", "built": True},
    ...     {"claim": 2, "text": "More", "verdict": "contested", "grade": "published",
    ...      "probability": "", "low": "", "high": "", "low_at": "", "built": True}]
    >>> legend = "Grade: assumption-driven = it turns on assumed numbers (see the caveat)."
    >>> for sentence in answer(rows, legend):
    ...     print(sentence)
    In short: the article's headline claim, "Running grows muscle", is supported here, graded assumption-driven: it turns on assumed numbers.
    A study of the published size reproduces its deciding result in 63 % of simulated replications under our default assumptions, and in 24 % to 91 % as single assumptions move across their documented ranges (lowest at a = 3.7).
    Of the article's 2 claims, 1 is supported and 1 is contested; 1 verdict is assumption-driven: it turns on numbers we assumed, not on published ones.
    """
    if not rows:
        return ["The article's claims were not in this build."]
    meanings = _grade_meanings(grade_legend)
    head = min(rows, key=lambda r: r["claim"])
    headline = str(head["text"]).split(":", 1)[0].strip().rstrip(".")
    question = "In short: the article's headline claim"
    sentences = []
    if not head["built"]:
        sentences.append(
            f'{question}, "{headline}", was not built in this run (reproduce --only); the '
            "full build gives its verdict."
        )
    else:
        grade = head["grade"]
        graded = f", graded {grade}" if grade else ""
        if grade in meanings:
            graded += f": {meanings[grade]}"
        sentences.append(f'{question}, "{headline}", is {head["verdict"]} here{graded}.')
        if head["probability"]:
            sentence = (
                "A study of the published size reproduces its deciding result in "
                f"{head['probability']} of simulated replications under our default assumptions"
            )
            if head["low"] and head["high"]:
                sentence += (
                    f", and in {head['low']} to {head['high']} as single assumptions move across "
                    f"their documented ranges (lowest at {head['low_at']})"
                )
            sentences.append(sentence + ".")
    counts = Counter(r["verdict"] for r in rows)
    order = [*_VERDICT_ORDER, *sorted(set(counts) - set(_VERDICT_ORDER))]
    parts = [_count_phrase(v, counts[v]) for v in order if counts[v]]
    overall = f"Of the article's {len(rows)} claims, {_join(parts)}"
    driven = sum(r["grade"] == "assumption-driven" for r in rows)
    if driven:
        subject = "1 verdict is" if driven == 1 else f"{driven} verdicts are"
        pronoun = "it turns" if driven == 1 else "they turn"
        overall += (
            f"; {subject} assumption-driven: {pronoun} on numbers we assumed, not on published ones"
        )
    sentences.append(overall + ".")
    return sentences


_VERDICT_ORDER = (*VERDICTS, NOT_BUILT)


def scorecard_section(rep: Results, title: str, citation: str | None, out: Path) -> dict:
    """One study's scorecard as the page shows it: the citation once, the table without the
    columns that repeat it."""
    card = rep.scorecard[[c for c in SCORECARD_COLUMNS if c not in _NOT_SHOWN]].copy()
    from_paper = card["claimed_by"].eq("paper")
    if not citation:  # the fullest form the paper's rows cite
        cited = card.loc[from_paper, "source"].astype(str)
        citation = max(cited, key=len) if len(cited) else ""
    if from_paper.all():
        card = card.drop(columns="source")
    else:
        card["source"] = card["source"].where(~from_paper, "")
        card = card.rename(columns={"source": "Source, if not the paper"})
    failed = card["status"].ne("PASS")
    # a failing row stands out (its status cell gets the FAIL colour); should the display
    # layer's markup change, the row is still there, only uncoloured. str(): re.sub on Markup
    # would escape the table.
    table = re.sub(
        r'<td class="([^"]*)"(\s*)>FAIL</td>',
        r'<td class="\1 FAIL"\2>FAIL</td>',
        str(table_html(card)),
    )
    return {
        "study": rep.study,
        "title": title,
        "citation": citation,
        "summary": summary(rep.scorecard),
        "failed": int(failed.sum()),
        "failed_by_article": int((failed & rep.scorecard["claimed_by"].eq("article")).sum()),
        "table": Markup(table),
        "csv": f"tables/{rep.study}_scorecard.csv",
        "data": f"data/{rep.study}.csv" if (out / "data" / f"{rep.study}.csv").exists() else "",
    }


def _citation(study: str) -> str | None:
    from ..studies import NAMES, get_study

    return getattr(get_study(study), "CITATION", None) if study in NAMES else None


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is text; only the display layer's tables are HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


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
    built: Collection[str] | None = None,
    citations: Mapping[str, str] | None = None,
) -> Path:
    """Write ``out/index.html`` from ``analysis/templates/report.html.j2``.

    ``figures`` maps a study to ``(stem, drawn_by)`` pairs of files in ``out/figures``;
    ``notebooks`` are stems of executed notebooks in ``out/notebooks``. ``results`` and
    ``figures`` may hold only the studies this run built (``reproduce --only``): the claims
    of the others say they were not built. ``built`` names the studies built (default: those
    of ``results``); ``citations`` the full citation of each study (default: the study
    module's ``CITATION``).
    """
    built = {rep.study for rep in results} if built is None else set(built)
    if "grade" not in claims.columns:
        claims = claims.assign(grade="")
    if "probability" not in claims.columns:
        claims = claims.assign(probability="")
    rows = claim_rows(claims, notebook_of, built)
    citations = dict(citations or {})
    scorecards = [
        scorecard_section(
            rep,
            titles.get(rep.study, rep.study),
            citations.get(rep.study) or _citation(rep.study),
            out,
        )
        for rep in results
        if len(rep.scorecard)  # a study computed from published numbers only has none
    ]
    figure_sections = [
        {
            "study": study,
            "title": titles.get(study, study),
            "figures": [
                {"stem": stem, "drawn_by": drawn_by, "caption": caption_for(stem) or ""}
                for stem, drawn_by in stems
            ],
        }
        for study, stems in figures.items()
        if stems
    ]
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            seed=seed,
            answer=answer(rows, GRADE_LEGEND),
            claims=rows,
            headers={c: label(c) for c in [*_CLAIM_COLUMNS, "deciding_statistic", "caveat"]},
            grade_legend=GRADE_LEGEND,
            scorecards=scorecards,
            figure_sections=figure_sections,
            notebooks=list(notebooks),
            not_built=sorted(set(titles) - built),
            titles=titles,
        )
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


# the claims table's columns, in order (deciding statistic and caveat go under each row)
_CLAIM_COLUMNS = (
    "claim",
    "text",
    "evidence",
    "verdict",
    "grade",
    "probability",
    "over_the_ranges",
    "where",
)


# nbconvert's accessibility edits (HTMLExporter.from_notebook_node), made on the text
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_FOCUSABLE = re.compile(
    r'<div\b(?=[^>]*\bclass="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b)'
    r"(?![^>]*\btabindex=)([^>]*)>"
)
_NO_ALT = 'alt="No description has been provided for this image"'


@functools.cache
def _html_exporter():
    """nbconvert's ``HTMLExporter`` without its BeautifulSoup pass.

    After rendering, nbconvert 7 parses the whole page with BeautifulSoup and writes it out
    again, to add a default ``alt`` to images without one and ``tabindex="0"`` to the input
    and output areas: two thirds of a notebook's conversion time (1.1 of 1.7 s for notebook
    02). The same two edits are made here with regular expressions on the rendered text,
    which nbconvert's own templates write in one known form. The rest is
    ``HTMLExporter.from_notebook_node`` of nbconvert 7.17 as it is.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class OfflineHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible(html), resources

    return OfflineHTMLExporter


@functools.cache
def _notebook_exporter():
    """One exporter per process, so that its Jinja templates are compiled once: a new
    exporter compiles them again (about 0.07 CPU-seconds a page). In a build the workers'
    forkserver makes it and converts a sample notebook before any worker forks. A page does
    not depend on the pages converted before it (tested)."""
    return _html_exporter()(extra_template_paths=[str(TEMPLATES)], template_file="notebook.html.j2")


def accessible(html: str) -> str:
    """nbconvert's two accessibility edits of a notebook page: every image without ``alt``
    gets a default one, every cell's input and output area ``tabindex="0"``.

    Examples
    --------
    >>> accessible('<div class="jp-Cell-inputWrapper"><img src="a.png"><img alt="x" src="b">')
    '<div class="jp-Cell-inputWrapper" tabindex="0"><img alt="No description has been provided for this image" src="a.png"><img alt="x" src="b">'
    """
    html = _IMG_WITHOUT_ALT.sub(f"<img {_NO_ALT}", html)
    return _FOCUSABLE.sub(r'<div\1 tabindex="0">', html)


def notebook_to_html(notebook: Path, destination: Path) -> Path:
    """Convert an executed notebook to a page that opens offline and requests nothing.

    ``analysis/templates/notebook.html.j2`` leaves out nbconvert's CDN scripts (require.js,
    MathJax, mermaid, the widget manager); what a newer nbconvert might add is removed here.
    """
    import nbformat

    body, _ = _notebook_exporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    body = _EMPTY_SCRIPT.sub("", _CDN_SCRIPT.sub("", body))
    body = _CSS_COMMENT_WITH_URL.sub("", _EXTERNAL_STYLE.sub("", body))
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


def _installed() -> list[tuple[str, str]]:
    """(name, version) of every installed distribution, each one's metadata parsed once
    (``dist.metadata`` parses the file again at every access: 0.3 s for 165 packages)."""
    pairs = []
    for dist in importlib.metadata.distributions():
        metadata = dist.metadata
        if metadata["Name"]:
            pairs.append((metadata["Name"], metadata["Version"]))
    return pairs


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
    packages = dict(sorted(_installed(), key=lambda item: item[0].lower()))
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
