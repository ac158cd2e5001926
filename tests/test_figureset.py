"""A study's figures drawn on demand and rendered once per build (analysis/engine/figureset.py).

The key a rendering is shared under must change with anything a figure is drawn from (data
to the bit, labels, settings), or a notebook would show another figure's image; and in a
build the second process to ask for a figure must get the first one's bytes without drawing.
"""

from functools import partial

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.dataio import shared
from analysis.engine import figureset, plots
from analysis.engine.figureset import FigureSet
from analysis.studies import concurrent, estes2017, konopka2014, ryu2016

DRAWN: list[str] = []


def bars(frame: pd.DataFrame, title: str = "", *, colour: str = "C0"):
    """A small plotting function that records each time it draws."""
    DRAWN.append(title)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(frame["label"].astype(str), frame["value"], color=colour)
    ax.set_title(title)
    return plots._label(fig, "bars")


def frame(values=(1.0, 2.5, 3.0), labels=("a", "b", "c")) -> pd.DataFrame:
    return pd.DataFrame({"label": list(labels), "value": list(values)})


def one(data: pd.DataFrame, title: str = "t", **keywords) -> FigureSet:
    return FigureSet("example", {"example_bars": partial(bars, data, title, **keywords)})


def key(data: pd.DataFrame, title: str = "t", **keywords) -> str | None:
    return one(data, title, **keywords).key("example_bars")


def test_figures_are_drawn_when_first_read_and_once():
    DRAWN.clear()
    figures = one(frame())
    assert DRAWN == [] and list(figures) == ["example_bars"] and len(figures) == 1
    fig = figures["example_bars"]
    assert figures["example_bars"] is fig and DRAWN == ["t"]
    plt.close(fig)


def test_the_studies_figures_are_figure_sets_named_by_their_stems():
    rep = estes2017.replicate(seed=0)
    sets = [estes2017.figures(rep), konopka2014.figures(), concurrent.figures()]
    for figures in sets:
        assert isinstance(figures, FigureSet)
        assert all(stem.startswith(figures.owner) for stem in figures)
        assert all(figures.key(stem) for stem in figures)  # every one can be shared


def test_the_same_inputs_give_the_same_key_in_another_process_too():
    import subprocess
    import sys

    code = (
        "from analysis.studies import ryu2016 as s; f = s.figures(s.replicate(seed=0)); "
        "print(*[f.key(x) for x in f])"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    here = ryu2016.figures(ryu2016.replicate(seed=0))
    assert other.stdout.split() == [here.key(stem) for stem in here]


def test_konopkas_figures_from_its_results_and_from_scratch_share_a_key():
    # the build draws them from its results, notebook 03 from the published files
    from_results, from_scratch = konopka2014.figures(konopka2014.results()), konopka2014.figures()
    assert [from_results.key(s) for s in from_results] == [
        from_scratch.key(s) for s in from_scratch
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(value=f["value"].where(f.index != 1, 2.5000000000000004)),  # 1 ulp
        lambda f: f.assign(value=[-0.0, 2.5, 1.0]),
        lambda f: f.assign(label=["a", "B", "c"]),
        lambda f: f.rename(columns={"value": "values"}),
        lambda f: f.set_axis([0, 1, 5]),
        lambda f: f.astype({"value": "float32"}),
        lambda f: f.assign(label=pd.Categorical(["a", "b", "c"])),
        lambda f: f.iloc[[0, 2, 1]],
    ],
    ids=["one-ulp", "minus-zero", "text", "column", "index", "dtype", "categorical", "order"],
)
def test_any_change_to_the_data_changes_the_key(change):
    base = frame(values=(0.0, 2.5, 1.0))
    assert key(change(base)) != key(base)


def test_attrs_labels_keywords_and_settings_change_the_key():
    base = key(frame())
    noted = frame()
    noted.attrs["note"] = "assumed"
    assert key(noted) != base
    assert key(frame(), "another title") != base
    assert key(frame(), colour="C1") != base
    with matplotlib.rc_context({"font.size": 11}):
        assert key(frame()) != base
    with matplotlib.rc_context({"interactive": not matplotlib.rcParams["interactive"]}):
        assert key(frame()) == base  # draws nothing


def test_what_cannot_be_fingerprinted_is_never_shared():
    import threading

    assert key(frame(), threading.Lock()) is None  # an unpicklable argument
    assert FigureSet("x", {"x_f": lambda: plt.figure()}).key("x_f") is None  # no partial


@settings(max_examples=60)
@given(
    values=st.lists(st.floats(allow_nan=True, width=64), min_size=1, max_size=6),
    where=st.integers(min_value=0),
    to=st.floats(allow_nan=True, width=64),
)
@example(values=[0.0], where=0, to=-0.0)
@example(values=[float("nan")], where=0, to=1.0)
def test_a_frame_differing_in_one_number_gets_another_key(values, where, to):
    where %= len(values)
    changed = list(values)
    changed[where] = to
    labels = [str(i) for i in range(len(values))]
    same_bits = np.array(values).tobytes() == np.array(changed).tobytes()
    assert (key(frame(values, labels)) == key(frame(changed, labels))) == same_bits


def test_in_a_build_a_figure_is_rendered_once_and_loaded_by_the_next_process(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o700)
    DRAWN.clear()
    with shared.sharing(folder):
        first = one(frame()).render("example_bars")
        again = one(frame()).render("example_bars", svg=False)  # as a notebook asks
        other = one(frame(values=(1.0, 2.5, 3.5))).render("example_bars")
    assert DRAWN == ["t", "t"]  # the second asked for the same figure: loaded, not drawn
    assert again == first and first.svg is not None
    assert other.png != first.png
    alone = one(frame()).render("example_bars", svg=False)  # outside a build: drawn here
    assert alone.png == first.png and alone.svg is None and DRAWN == ["t", "t", "t"]


def test_a_figure_changed_after_it_was_drawn_is_rendered_as_it_is_now(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o700)
    with shared.sharing(folder):
        first = one(frame()).render("example_bars")
        figures = one(frame())
        figures["example_bars"].axes[0].set_title("changed in the notebook")
        changed = figures.render("example_bars", svg=False)
    assert changed.png != first.png


def test_rendered_files_are_what_savefig_writes(tmp_path):
    rep = ryu2016.replicate(seed=3)
    figures = ryu2016.figures(rep)
    stem = "ryu2016_fold_change_heatmap"
    fig = ryu2016.figures(rep)[stem]
    fig.savefig(tmp_path / "f.png", dpi=figureset.PNG_DPI, metadata={"Software": None})
    fig.savefig(tmp_path / "f.svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    png, svg = figureset.rendered(figures, stem).write(tmp_path / "out", stem)
    assert png.read_bytes() == (tmp_path / "f.png").read_bytes()
    assert svg.read_bytes() == (tmp_path / "f.svg").read_bytes()
    assert not plt.fignum_exists(figures[stem].number)  # closed once rendered


def test_show_in_ipython_shows_the_png_file_at_the_figures_own_size(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    plots.show(one(frame()))
    image = shown[1]
    assert "drawn by `analysis.engine.plots.bars`" in shown[0].data
    expected = figureset.render(one(frame())["example_bars"], svg=False)
    assert image.png == expected.png
    assert image._repr_png_() == (expected.png, {"width": 300})  # 3 in at 100 dpi
    assert "analysis.engine.plots.bars" in repr(image)


def test_a_png_only_rendering_cannot_be_written_as_files(tmp_path):
    image = one(frame()).render("example_bars", svg=False)
    with pytest.raises(ValueError, match="svg=True"):
        image.write(tmp_path, "example_bars")
    assert not list(tmp_path.iterdir())
