"""The array path of exact replications gives the numbers of the data-frame path, bit for bit.

An exact grid (tornado, explorers) makes each dataset with the study's ``simulate_arrays``
instead of ``simulate``'s data frame; the engine's ``_rnorm_multi_values`` and
``_sim_design_values`` are the numbers under ``rnorm_multi`` and ``sim_design``. Every
comparison here is exact (``np.array_equal``, ``check_exact=True``): the paths share their
random draws, so any difference is a bug, not rounding.
"""

import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.checks import sensitivity as sens
from analysis.engine.simulate import (
    _allclose,
    _rnorm_multi_values,
    _sim_design_values,
    rnorm_multi,
    sim_design,
)
from analysis.errors import InputError
from analysis.studies import estes2017, ryu2016

STUDIES = {"ryu2016": ryu2016, "estes2017": estes2017}
SEEDS = st.integers(0, 2**32 - 1)


def _frame_only(study):
    """``study`` without ``simulate_arrays``: what the exact grid sees of a study that has
    only ``simulate`` (its fallback, the path every exact grid took before)."""
    names = ("NAME", "simulate", "simulate_batch", "decide_batch", "claims_batch", "targets")
    return types.SimpleNamespace(**{name: getattr(study, name) for name in names})


@st.composite
def setting(draw, study):
    """A few assumed rows moved within their documented ranges (``Targets.ranges``), and a
    reading of the "±" (which ryu2016 accepts and ignores)."""
    ranges = study.targets().ranges().set_index("id")
    moved = draw(st.lists(st.sampled_from(list(ranges.index)), max_size=3, unique=True))
    chosen = {
        key: draw(st.floats(float(ranges.at[key, "low"]), float(ranges.at[key, "high"])))
        for key in moved
    }
    return {"dispersion": draw(st.sampled_from(["sem", "sd"])), **chosen}


def _outcome(make):
    """What ``make()`` gives, or the message of the InputError it raises."""
    try:
        return make()
    except InputError as exc:
        return f"InputError: {exc}"


def _cell(study, choice: dict, seed: int, exact_assumed: bool) -> sens._ExactCell:
    """One setting of an exact grid, laid out as ``exact_grid`` lays it out."""
    pilot = study.simulate_batch(1, 0)
    return sens._ExactCell(
        study,
        tuple(choice.items()),
        seed,
        tuple((name, values.ndim) for name, values in pilot.measures.items()),
        tuple(str(s) for s in pilot.subjects),
        tuple(pilot.times),
        exact_assumed,
    )


def _assert_same_arrays(found: dict, expected: dict) -> None:
    assert list(found) == list(expected)
    for name, values in expected.items():
        assert found[name].dtype == values.dtype, name
        floats = values.dtype.kind == "f"
        assert np.array_equal(found[name], values, equal_nan=floats), name


@pytest.mark.parametrize("name", STUDIES)
@given(data=st.data(), seed=SEEDS, exact_assumed=st.booleans(), empirical=st.booleans())
def test_simulate_is_its_arrays_laid_out_as_a_frame(name, data, seed, exact_assumed, empirical):
    study = STUDIES[name]
    options = data.draw(setting(study))
    dispersion = options.pop("dispersion")
    flags = {"empirical": empirical, "exact_assumed": exact_assumed}
    frame = _outcome(lambda: study.simulate(seed, dispersion, **flags, **options))
    made = _outcome(lambda: study.simulate_arrays(seed, dispersion, **flags, **options))
    if isinstance(frame, str):
        assert made == frame  # the same refusal, word for word
        return
    n_times = len(made.times)
    assert frame["subject"].tolist() == np.repeat(made.subjects, n_times).tolist()
    assert frame["group"].tolist() == np.repeat(made.groups, n_times).tolist()
    assert frame["time"].tolist() == list(made.times) * len(made.subjects)
    assert list(frame.columns) == made.columns
    for measure, values in made.measures.items():
        one = values[0]
        expected = one.reshape(-1) if one.ndim == 2 else np.repeat(one, n_times)
        assert np.array_equal(frame[measure].to_numpy(), expected), measure


@pytest.mark.parametrize("name", STUDIES)
@given(data=st.data(), seed=SEEDS, exact_assumed=st.booleans())
def test_an_exact_cell_from_arrays_equals_the_cell_from_the_frame(name, data, seed, exact_assumed):
    study = STUDIES[name]
    choice = data.draw(setting(study))
    fast = _outcome(lambda: sens._exact_arrays(_cell(study, choice, seed, exact_assumed), 1, None))
    slow = _outcome(
        lambda: sens._exact_arrays(_cell(_frame_only(study), choice, seed, exact_assumed), 1, None)
    )
    if isinstance(slow, str):
        assert fast == slow
    else:
        _assert_same_arrays(fast, slow)


@pytest.mark.parametrize("name", STUDIES)
@settings(max_examples=10)
@given(data=st.data(), seed=st.integers(0, 2**16), exact_assumed=st.booleans())
def test_an_exact_grid_from_arrays_equals_the_grid_from_frames(name, data, seed, exact_assumed):
    study = STUDIES[name]
    choices = data.draw(st.lists(setting(study), min_size=1, max_size=3))

    def grid(of):
        return sens.exact_grid(of, choices, seed, exact_assumed=exact_assumed)

    fast, slow = _outcome(lambda: grid(study)), _outcome(lambda: grid(_frame_only(study)))
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("ryu2016", {"ck_pre_sdlog": 0.0}),
        ("ryu2016", {"comet_corr_dna_length": 0.99, "comet_corr_dna_moment": -0.99}),
        ("estes2017", {"control_csa_pct_change_sd": 0.0}),
        ("estes2017", {"control_body_mass_pct_change_sd": 50.0}),
    ],
)
@pytest.mark.parametrize("exact_assumed", [False, True])
def test_a_refused_setting_gives_the_same_message_on_both_paths(name, bad, exact_assumed):
    study = STUDIES[name]
    with pytest.raises(InputError) as frame:
        study.simulate(0, empirical=True, exact_assumed=exact_assumed, **bad)
    with pytest.raises(InputError) as arrays:
        study.simulate_arrays(0, empirical=True, exact_assumed=exact_assumed, **bad)
    assert str(arrays.value) == str(frame.value)
    assert "cannot" in str(frame.value)
    with pytest.raises(InputError) as fast:
        sens.exact_grid(study, [{}, bad], exact_assumed=exact_assumed)
    with pytest.raises(InputError) as slow:
        sens.exact_grid(_frame_only(study), [{}, bad], exact_assumed=exact_assumed)
    assert str(fast.value) == str(slow.value)
    assert str(fast.value).endswith(str(frame.value))


@st.composite
def normal_spec(draw):
    """Means, SDs and a correlation matrix of p variables (as tests/test_simulate.py draws)."""
    p = draw(st.integers(1, 6))
    n = draw(st.integers(p + 1, p + 20))
    mu = draw(st.lists(st.floats(-1e3, 1e3), min_size=p, max_size=p))
    sd = draw(st.lists(st.floats(0.01, 100), min_size=p, max_size=p))
    raw = np.array(draw(st.lists(st.floats(-1, 1), min_size=p * p, max_size=p * p)))
    gram = (raw.reshape(p, p) + np.eye(p)) @ (raw.reshape(p, p) + np.eye(p)).T + np.eye(p)
    scale = np.sqrt(np.diag(gram))
    r = gram / np.outer(scale, scale)
    np.fill_diagonal(r, 1.0)
    empirical = draw(st.one_of(st.booleans(), st.lists(st.booleans(), min_size=p, max_size=p)))
    return n, mu, sd, r, empirical


@given(spec=normal_spec(), seed=SEEDS)
def test_rnorm_multi_is_its_values_in_a_frame(spec, seed):
    n, mu, sd, r, empirical = spec
    frame = rnorm_multi(n, mu, sd, r, empirical=empirical, seed=seed)
    values = _rnorm_multi_values(n, mu, sd, r, empirical=empirical, seed=seed)
    assert np.array_equal(frame.to_numpy(), values)
    assert list(frame.columns) == [f"X{i + 1}" for i in range(len(mu))]


@given(seed=SEEDS, sizes=st.lists(st.integers(5, 9), min_size=1, max_size=3), r=st.floats(0, 0.6))
def test_sim_design_is_its_wide_values_in_long_form(seed, sizes, r):
    levels = [f"g{k}" for k in range(len(sizes))]
    spec = {
        "between": {"group": levels},
        "within": {"time": ["pre", "post"]},
        "n": dict(zip(levels, sizes, strict=True)),
        "mu": {g: [k, k + 1.0, 2.0, 3.0] for k, g in enumerate(levels)},
        "sd": 1.5,
        "r": r,
        "measures": ["a", "b"],
        "empirical": True,
    }
    long = sim_design(**spec, seed=seed)
    cells, within, wides = _sim_design_values(**spec, seed=seed)
    assert cells == [(g,) for g in levels] and within == [("pre",), ("post",)]
    # sim_design: a row per subject x time, the measures of a time side by side
    expected = np.concatenate(wides).reshape(-1, 2)
    assert np.array_equal(long[["a", "b"]].to_numpy(), expected)


def test_a_bad_spec_is_refused_with_the_same_message_on_both_paths():
    for kwargs in ({"sd": [1.0, 0.0]}, {"r": 1.0}, {"mu": [0.0, np.nan]}):
        options = {"n": 5, "mu": [0.0, 1.0], "sd": 1.0, "r": 0.2, **kwargs}
        with pytest.raises(ValueError) as frame:
            rnorm_multi(**options, empirical=True, seed=0)
        with pytest.raises(ValueError) as values:
            _rnorm_multi_values(**options, empirical=True, seed=0)
        assert str(values.value) == str(frame.value)


_ENTRIES = st.one_of(
    st.floats(-1.5, 1.5),
    st.sampled_from([np.nan, 1.0, -1.0, 0.0, 1 + 1e-12, 1e-12, 1 - 1e-5]),
)


@given(
    p=st.integers(1, 5),
    data=st.data(),
    jitter=st.sampled_from([0.0, 1e-13, 1e-12, 2e-12, 1e-6, 1e-5, 1e-3]),
)
def test_the_quick_closeness_test_is_numpys(p, data, jitter):
    # correlation_matrix checks symmetry and its diagonal with _allclose: numpy's allclose
    # (atol=1e-12) for the finite and NaN values it can meet
    a = np.array(data.draw(st.lists(_ENTRIES, min_size=p * p, max_size=p * p))).reshape(p, p)
    b = a.T + jitter * np.array(
        data.draw(st.lists(st.floats(-1, 1), min_size=p * p, max_size=p * p))
    ).reshape(p, p)
    assert _allclose(a, b) == np.allclose(a, b, atol=1e-12)
    diagonal = np.diag(a)
    assert _allclose(diagonal, np.ones(p)) == np.allclose(diagonal, 1.0, atol=1e-12)


# Same seed, same numbers on a laptop and on a many-core machine: nothing depends on how many
# threads the BLAS under numpy uses.
@pytest.mark.parametrize("study", list(STUDIES.values()), ids=list(STUDIES))
def test_the_numbers_do_not_depend_on_the_blas_threads(study):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def computed():
        rep = study.replicate(seed=7)
        batch = study.simulate_batch(3000, 11)
        decisions = study.decide_batch(batch)
        return rep, batch, decisions

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        one = computed()
    with threadpoolctl.threadpool_limits(limits=4, user_api="blas"):
        several = computed()
    pd.testing.assert_frame_equal(one[0].data, several[0].data, check_exact=True)
    for name in one[0].tables:
        pd.testing.assert_frame_equal(
            one[0].tables[name], several[0].tables[name], check_exact=True
        )
    for measure, values in one[1].measures.items():
        other = several[1].measures[measure]
        assert np.array_equal(values, other, equal_nan=values.dtype.kind == "f"), measure
    assert np.array_equal(one[2].values, several[2].values, equal_nan=True)
