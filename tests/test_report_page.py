"""The report page (``index.html``) and its figure captions, without running any notebook:
``write_index`` on the study outputs of one small build in a temporary folder."""

import re
import shutil
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.build import report
from analysis.build.claims import claims_table, load_claims, with_ranges
from analysis.build.reproduce import build_study_outputs, claim_verdicts
from analysis.checks.sensitivity import TORNADO_STATISTIC, map_pairs
from analysis.dataio.captions import caption_for, load_captions
from analysis.dataio.io import write_csv
from analysis.engine.consistency import consistency_table
from analysis.studies import NAMES, all_studies, get_study, simulated_names

STUDIES = {study.NAME: study for study in all_studies()}
TITLES = {name: study.TITLE for name, study in STUDIES.items()}
NOTEBOOK_OF = {name: study.NOTEBOOK for name, study in STUDIES.items()}
# the lowest and highest probability of claim 1 over the assumptions' ranges, made up here
# (the real ones take seconds each: tests/test_reproduce.py checks those)
RANGES = pd.DataFrame(
    {"claim": [1], "low": [0.2], "high": [0.9], "low_at": ["x = 1"], "high_at": ["x = -1"]}
)


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """Every study's tables, data, scorecard and figures, built once (about 15 s)."""
    folder = tmp_path_factory.mktemp("outputs")
    results, figures, _ = build_study_outputs(0, folder)
    claims = with_ranges(claims_table(claim_verdicts(results)), [RANGES])
    return folder, results, figures, claims


def write_page(outputs, folder: Path, *, only=None, claims=None) -> str:
    """``index.html`` written into ``folder`` (a copy of the outputs with stand-in notebooks)
    for every study, or for the studies named in ``only`` as ``reproduce --only`` would."""
    source, results, figures, all_claims = outputs
    shutil.copytree(source, folder, dirs_exist_ok=True)
    chosen = [r for r in results if only is None or r.study in only]
    notebooks = sorted({NOTEBOOK_OF[r.study] for r in chosen})
    (folder / "manifest.json").write_text("{}")  # written after the page by reproduce
    write_csv(consistency_table(), folder / "tables" / "consistency.csv")  # as reproduce
    (folder / "notebooks").mkdir(exist_ok=True)
    for stem in notebooks:
        for suffix in (".html", ".ipynb"):
            (folder / "notebooks" / f"{stem}{suffix}").write_text("stand-in")
    if claims is None:
        claims = all_claims if only is None else claims_table(claim_verdicts(chosen))
    path = report.write_index(
        folder,
        claims=claims,
        results=chosen,
        titles=TITLES,
        notebook_of={n: s for n, s in NOTEBOOK_OF.items() if s in notebooks},
        notebooks=notebooks,
        figures={s: f for s, f in figures.items() if only is None or s in only},
        seed=0,
    )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def page(outputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("page")
    return folder, write_page(outputs, folder)


def text_of(html: str) -> str:
    """The page's text: tags removed, entities resolved, white space collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def shows(html: str, text: str) -> bool:
    """Whether the page fragment ``html`` shows ``text`` (however its quotes are escaped)."""
    return re.sub(r"\s+", " ", text) in text_of(html)


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


# --- captions --------------------------------------------------------------------------------


def notebook_figure_stems() -> set[str]:
    """The figures notebook 04 draws: a tornado per study, its probability maps and the
    power curves of both designs."""
    stems = {f"{name}_tornado" for name in TORNADO_STATISTIC} | {"power_curves"}
    for name in simulated_names():
        stems |= {f"{name}_map_{spec.claim}" for spec in map_pairs(name)}
    return stems


def test_every_figure_of_every_registered_study_has_a_caption(outputs):
    _, _, figures, _ = outputs
    assert set(figures) == set(NAMES)
    drawn = {stem for stems in figures.values() for stem, _ in stems}
    missing = sorted(s for s in drawn | notebook_figure_stems() if not caption_for(s))
    assert missing == [], f"add these to data/figure_captions.csv: {missing}"
    # and no caption is left over for a figure nobody draws any more
    assert set(load_captions()) <= drawn | notebook_figure_stems()


def test_captions_say_what_the_error_bars_are_where_the_figure_draws_them():
    captions = load_captions()
    for stem in ("estes2017_csa_prepost", "estes2017_vo2max_change", "ryu2016_time_courses"):
        assert "± SE" in captions[stem] and "standard error" in captions[stem], stem
    for stem in ("konopka2014_forest", "concurrent_forest"):
        assert "95 % confidence interval" in captions[stem], stem
    # a simulated study's figure says what is assumed
    for name in simulated_names():
        for stem in (s for s in captions if s.startswith(name)):
            assert "assumed" in captions[stem], stem


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("figure,text\na,b\n", "the columns must be 'figure,caption'"),
        ("figure,caption\na,\n", "line 2: a figure stem and its caption are needed"),
        ('figure,caption\na,"x"\nb,y\na,z\n', "line 4: a has a caption already"),
    ],
)
def test_a_broken_captions_file_is_refused_naming_the_line(tmp_path, content, message):
    path = tmp_path / "captions.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_captions(path)


# --- the page --------------------------------------------------------------------------------


def test_the_page_opens_with_an_answer_drawn_from_the_claims_table(outputs, page):
    _, _, _, claims = outputs
    _, html = page
    answer = text_of(section(html, 'id="answer"', "</section>"))
    first = claims.iloc[0]
    assert f'"{first["text"].split(":")[0]}", is {first["verdict"]} here' in answer
    assert f"graded {first['grade']}" in answer
    assert f"in {report.percent(first['probability'])} of simulated replications" in answer
    assert "in 20 % to 90 %" in answer and "(lowest at x = 1)" in answer
    counts = claims["verdict"].value_counts()
    assert f"Of the article's {len(claims)} claims" in answer
    assert f"{counts['supported']} are supported" in answer
    # before the claims table, after the title; the honesty banner is kept
    assert html.index('id="answer"') < html.index('id="claims"')
    assert "The data in this report are simulated." in html and 'href="manifest.json"' in html


def test_the_answer_follows_the_claims_it_is_drawn_from(outputs, tmp_path):
    _, _, _, claims = outputs
    changed = claims.copy()
    changed.loc[0, ["verdict", "grade", "probability"]] = ["not supported", "reconstructed", 0.12]
    answer = text_of(
        section(write_page(outputs, tmp_path, claims=changed), 'id="answer"', "</section>")
    )
    assert "is not supported here, graded reconstructed" in answer
    assert "in 12 % of simulated replications" in answer


def test_the_claims_table_has_every_claim_human_headers_and_working_links(outputs, page):
    _, _, _, claims = outputs
    folder, html = page
    table = section(html, '<table class="claims">', "</table>")
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    assert headers and not [h for h in headers if "_" in h], headers
    assert "Probability over the assumptions&#39; ranges" in table
    for _, row in claims.iterrows():
        body = section(table, f'<tbody id="claim-{row["claim"]}">', "</tbody>")
        verdict = f'class="verdict {report.css_class(row["verdict"])}"[^>]*>{row["verdict"]}<'
        assert re.search(verdict, body), verdict
        assert shows(body, row["text"])
        assert shows(body, row["deciding_statistic"]) and shows(body, row["caveat"])
        if row["grade"]:
            assert re.search(f'<td class="grade"[^>]*>{row["grade"]}</td>', body)
    assert "20–90 % (lowest at x = 1)" in section(table, 'id="claim-1"', "</tbody>")
    # claim 5 is decided by the dose analysis: its notebook and tables are linked
    claim_5 = section(table, 'id="claim-5"', "</tbody>")
    assert 'href="notebooks/03_dose_and_intensity.html"' in claim_5
    assert 'href="tables/konopka2014_meta_pooled.csv"' in claim_5
    for href in re.findall(r'href="([^"#]+)', html):
        assert (folder / href).is_file(), f"broken link {href}"


def test_each_scorecard_is_collapsed_with_its_citation_once(outputs, page):
    _, results, _, _ = outputs
    _, html = page
    for rep in results:
        if not len(rep.scorecard):
            assert f'id="scorecard-{rep.study}"' not in html
            continue
        card = section(
            html, f'<details class="scorecard" id="scorecard-{rep.study}">', "</details>"
        )
        assert "<summary>" in card and " open" not in card.split(">")[0]
        citation = get_study(rep.study).CITATION
        assert text_of(html).count(citation) == 1
        # the paper's rows no longer repeat its source; the others keep theirs
        by_paper = rep.scorecard["claimed_by"].eq("paper")
        for source in set(rep.scorecard.loc[by_paper, "source"]):
            assert not shows(card, source), source
        for source in set(rep.scorecard.loc[~by_paper, "source"]):
            assert shows(card, source), source
        # every row is there, numbers without e-notation
        for claim_id in rep.scorecard["claim_id"]:
            assert f">{claim_id}<" in card, claim_id
        assert not re.search(r">-?\d\.\d+e[-+]\d+<", card)
        failing = rep.scorecard["status"].ne("PASS").sum()
        assert len(re.findall(r'<td class="[^"]* FAIL"\s*>FAIL</td>', card)) == failing


def test_each_figure_has_a_caption_saying_what_it_shows(outputs, page):
    _, _, figures, _ = outputs
    _, html = page
    for stems in figures.values():
        for stem, drawn_by in stems:
            figure = section(html, f'<figure id="figure-{stem}">', "</figure>")
            assert f'<img src="figures/{stem}.png"' in figure
            caption = section(figure, "<figcaption>", "</figcaption>")
            assert shows(caption, caption_for(stem)) and drawn_by in caption


def test_the_page_is_self_contained(page):
    _, html = page
    assert "<style>" in html and ".table-scroll" in html and "max-width: 100%" in html
    assert "prefers-color-scheme: dark" in html
    assert not re.search(r"<script|<link|@import|url\(", html)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


def test_text_is_escaped(outputs, tmp_path):
    _, _, _, claims = outputs
    changed = claims.copy()
    changed.loc[1, "text"] = "<script>alert(1)</script> & more"
    html = write_page(outputs, tmp_path, claims=changed)
    assert (
        "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    )


def test_a_partial_build_says_which_claims_it_did_not_build(outputs, tmp_path):
    only = {"konopka2014"}  # what reproduce --only 03_dose_and_intensity builds
    html = write_page(outputs, tmp_path, only=only)
    table = section(html, '<table class="claims">', "</table>")
    for claim in load_claims().itertuples():
        body = section(table, f'id="claim-{claim.claim}"', "</tbody>")
        if claim.studies in only:
            assert "not built" not in body
        else:
            assert "not built in this run" in body and "reproduce --only" in body
            assert 'href="tables/' not in body
    assert "was not built in this run" in text_of(section(html, 'id="answer"', "</section>"))
    assert 'id="scorecard-' not in html and "No simulated study was built in this run." in html
    assert 'id="figure-konopka2014_forest"' in html and 'id="figure-estes2017' not in html
    for href in re.findall(r'href="([^"#]+)', html):
        assert (tmp_path / href).is_file(), f"broken link {href}"


def test_claims_marked_not_built_by_the_claims_table_stay_so(outputs, tmp_path):
    # the claims table of reproduce --only says so itself (analysis.build.claims)
    _, results, _, claims = outputs
    marked = claims.copy()
    marked.loc[marked["claim"] == 6, ["verdict", "study"]] = [report.NOT_BUILT, ""]
    table = section(write_page(outputs, tmp_path, claims=marked), 'id="claim-6"', "</tbody>")
    assert 'class="verdict not-built-in-this-run"' in table


# --- executed notebooks as offline pages ----------------------------------------------------


def test_a_notebook_page_requests_nothing_from_the_network(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Karvonen: $HR = HR_{rest} + x (HR_{max} - HR_{rest})$"),
            nbformat.v4.new_code_cell("1 + 1"),
        ]
    )
    source = tmp_path / "n.ipynb"
    nbformat.write(notebook, source)
    body = report.notebook_to_html(source, tmp_path / "n.html").read_text(encoding="utf-8")
    assert "Karvonen" in body
    # only XML namespaces may name a web address: nothing is fetched from one
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", body))
    assert {a for a in addresses if not a.startswith("http://www.w3.org/")} == set()
    assert not re.search(r"<script[^>]*\ssrc=|import\(|<link[^>]*\shref=\"(?:https?:)?//", body)


def test_a_notebook_page_is_nbconverts_page(tmp_path):
    # report._html_exporter skips nbconvert's BeautifulSoup pass and makes its two edits on
    # the text: the page must be the one nbconvert makes, element for element
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    code = nbformat.v4.new_code_cell("plot()")
    code.outputs = [
        nbformat.v4.new_output("display_data", {"image/png": png, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("display_data", {"text/html": '<img alt="kept" src="x.png">'}),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("A *figure*: ![](a.png)"), code]
    )

    def normalised(html):
        soup = BeautifulSoup(html, features="html.parser")
        for element in soup.find_all(True):
            element.attrs = dict(sorted(element.attrs.items()))
        return str(soup)

    options = {"extra_template_paths": [str(report.TEMPLATES)], "template_file": "notebook.html.j2"}
    ours, _ = report._html_exporter()(**options).from_notebook_node(notebook)
    theirs, _ = HTMLExporter(**options).from_notebook_node(notebook)
    assert normalised(ours) == normalised(theirs)
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 3
    assert 'alt="kept"' in ours


def test_a_notebook_page_does_not_depend_on_the_pages_converted_before_it(tmp_path):
    # one exporter per process (its templates compiled once): what it converted before,
    # here the build's warm-up sample and another notebook, must leave no trace in a page
    from analysis.build import reproduce as rp

    first = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# One\n\nwith a [link](#x)")],
        metadata={"language_info": {"name": "python"}},
    )
    second = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print('zebra')")],
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    )
    sources = []
    for number, notebook in enumerate([rp._sample_notebook(), first, second]):
        sources.append(tmp_path / f"{number}.ipynb")
        nbformat.write(notebook, sources[-1])

    def page(source):
        return report.notebook_to_html(source, tmp_path / "page.html").read_text(encoding="utf-8")

    in_turn = [page(source) for source in sources]  # one exporter for all three
    assert report._notebook_exporter() is report._notebook_exporter()
    alone = []
    for source in sources:
        report._notebook_exporter.cache_clear()  # a new exporter for each
        alone.append(page(source))
    assert in_turn == alone
    assert "zebra" in in_turn[2] and "link</a>" in in_turn[1] and "zebra" not in in_turn[1]


# --- in a browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 420])
def test_the_page_fits_a_phone_without_sideways_scrolling(page, tmp_path, width):
    from test_reproduce import chromium_driver  # the browser test's set-up, shared

    folder, _ = page
    with chromium_driver(tmp_path) as driver:
        driver.set_window_size(width, 900)
        driver.get((folder / "index.html").as_uri())
        # open every scorecard: its table must scroll inside its box, not the page
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        inner, scroll = driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth];"
        )
        loaded = driver.execute_script(
            "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0"
            " && i.getBoundingClientRect().width <= window.innerWidth);"
        )
    assert inner <= width and scroll <= inner, (inner, scroll)
    assert loaded
