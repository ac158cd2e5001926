"""Monte Carlo power of the running-distance study (issue 11): the batched path against the
ordinary one.

Every reference here is computed without the batched code: the scorecard of ``analyze`` on a
replicate (decisions), ``simulate(empirical=True)`` (its sample moments are the population
parameters exactly), ``simulate(empirical=False)`` draws (the distribution of a replicate) and
the array engine (the mixed ANOVA).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.engine.anova import mixed_anova
from analysis.errors import InputError
from analysis.studies import _ryu2016_batch as batched
from analysis.studies import ryu2016 as study
from analysis.studies.base import Batch, judge

GROUPS = list(study.GROUPS)
UNEQUAL = {"10km": 8, "21km": 11, "42km": 14}
# moved magnitudes and correlations; LDH falling by day 3 at 10 km and a marathon tail moment
# below the half marathon's make rows run the other way (value 1.0)
OTHER = {
    "ck_fold_post_10km": 1.3,
    "ck_corr_pre_post": 0.5,
    "comet_corr_time": 0.3,
    "ldh_fold_day3_10km": 0.95,
    "tail_moment_fold_post_42km": 1.3,
}


def normal_scale(name, values):
    """The scale each outcome is normal on: log, or logit of the percentage."""
    if name == "tail_dna_pct":
        return np.log(values / (100 - values))
    return np.log(values)


def ordinary(batch, i, **assumptions):
    """The scorecard of replicate ``i`` through today's path (pandas, pingouin, scipy)."""
    data = batch.replicate(i)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = study.analyze(data, validate=False)
        return study.scorecard(data, tables, **assumptions).set_index("claim_id")


# --- (a) acceptance: per replicate, the batched decisions are those of analyze + scorecard


@pytest.fixture(scope="module", params=["published", "unequal n", "other assumptions"])
def case(request):
    assumptions = OTHER if request.param == "other assumptions" else {}
    n = UNEQUAL if request.param == "unequal n" else None
    batch = study.simulate_batch(20, seed=11, n=n, **assumptions)
    return batch, study.decide_batch(batch), assumptions


@pytest.mark.parametrize("i", [0, 9, 19])
def test_every_decision_equals_the_scorecard_of_analyze(case, i):
    batch, decisions, assumptions = case
    card = ordinary(batch, i, **assumptions)
    rows = card[card["statistic"].str.startswith("p_")]
    assert list(decisions.claim_ids) == rows.index.tolist()  # every decision row, in order
    np.testing.assert_allclose(decisions.values[i], rows["reproduced"], rtol=1e-9, atol=0)
    relations = rows["published"].str[0]
    assert list(decisions.relations) == relations.tolist()
    # the scorecard's own rule on this dataset's value (a row may be judged by its
    # probability over replicates instead; holds is about the one replicate)
    passed = [
        judge(relation, threshold, value, 0.0) == "PASS"
        for relation, threshold, value in zip(
            relations, rows["published"].str[2:].astype(float), rows["reproduced"], strict=True
        )
    ]
    assert decisions.holds[i].tolist() == passed

    claims = study.claims_batch(batch, decisions)
    paper = np.array(passed)[(rows["claimed_by"] == "paper").to_numpy()]
    day3 = (rows["claimed_by"] == "article") & rows.index.str.contains("day3")
    assert claims[3][i] == paper.all()
    assert claims[4][i] == np.array(passed)[day3.to_numpy()].all()


def _made_degenerate(batch):
    """Replicates no population draw gives, each found by an audit to decide differently
    from analyze before the batch read such values again: 0: every CK change exactly
    doubles (on the log scale the changes are log 2, equal or nearly); 1: every 42 km runner
    has the same LDH before the race; 2: every runner has the same tail moment after the race."""
    ck, ldh, moment = (batch.measures[o] for o in ("ck_u_l", "ldh_u_l", "tail_moment"))
    ck[0, :, 1] = ck[0, :, 0] * 2.0
    ldh[1, batch.groups == "42km", 0] = 250.0
    moment[2, :, 1] = 3.0
    return batch


@pytest.mark.parametrize("exact", [True, False])
def test_data_without_variance_are_decided_as_analyze_decides_them(exact):
    batch = _made_degenerate(study.simulate_batch(3, seed=4))
    decisions = study.decide_batch(batch, exact=exact)
    for i in range(3):
        rows = ordinary(batch, i)
        rows = rows[rows["statistic"].str.startswith("p_")]
        holds = [
            judge(r[0], float(r[2:]), v, 0.0) == "PASS"
            for r, v in rows[["published", "reproduced"]].to_numpy()
        ]
        assert decisions.holds[i].tolist() == holds, i
        if exact:
            np.testing.assert_allclose(decisions.values[i], rows["reproduced"], rtol=1e-9, atol=0)
    assert np.isnan(decisions.values).any()  # the comparison includes tests without variance


def test_the_replicates_differ_so_the_comparison_means_something(case):
    _, decisions, assumptions = case
    assert np.unique(decisions.values, axis=0).shape[0] == 20
    assert decisions.holds.any() and not decisions.holds.all()  # both verdicts are compared
    if assumptions:  # the direction rule is exercised on both kinds of test
        wrong_way = decisions.values[[0, 9, 19]] == 1.0
        ids = np.array(decisions.claim_ids)
        assert wrong_way[:, ids == "ldh_day3_gt_pre_10km"].any()
        assert wrong_way[:, ids == "tail_moment_post_42km_gt_21km"].any()


def test_a_replicate_is_the_frame_simulate_writes():
    batch = study.simulate_batch(2, seed=3, outcomes=[*study.OUTCOMES, *study.SUBJECT_COLUMNS])
    frame = batch.replicate(1)
    reference = study.simulate(seed=3, empirical=False)
    assert list(frame.columns) == list(reference.columns)
    for column in ("subject", "group", "time"):
        assert frame[column].tolist() == reference[column].tolist()
    study.validate_data(frame)  # in range, every column as a researcher's file must have it
    per_runner = frame.groupby("subject")[list(study.SUBJECT_COLUMNS)].nunique()
    assert (per_runner == 1).all().all()  # a runner's age, mass and time do not change
    lean = study.simulate_batch(2, seed=3).replicate(1)  # no characteristics: analyze takes it
    assert list(lean.columns) == ["subject", "group", "time", *study.OUTCOMES]
    assert not study.analyze(lean, validate=False)["posthoc_within"].empty


# --- (b) the moments of a large batch are the population's (simulate(empirical=True))


def population(**assumptions):
    """Per distance: the mean, SD and correlation of the 15 normal-scale variables (outcome
    x time), from simulate(empirical=True), whose sample moments are the parameters."""
    data = study.simulate(seed=0, exact_assumed=True, **assumptions)
    out = {}
    for g in GROUPS:
        part = data[data["group"] == g]
        columns = []
        for name in study.OUTCOMES:
            wide = part.pivot(index="subject", columns="time", values=name)[list(study.TIMES)]
            columns.append(normal_scale(name, wide.to_numpy()))
        x = np.hstack(columns)
        out[g] = (x.mean(axis=0), x.std(axis=0, ddof=1), np.corrcoef(x, rowvar=False))
    return out


def pooled(batch, g):
    """The runners of distance ``g`` of every replicate, as rows of 15 variables."""
    runners = batch.groups == g
    parts = [normal_scale(n, batch.measures[n][:, runners, :]) for n in study.OUTCOMES]
    return np.concatenate(parts, axis=2).reshape(-1, 15)


@pytest.mark.parametrize("assumptions", [{}, OTHER], ids=["published", "other assumptions"])
def test_moments_of_a_large_batch_match_the_population(assumptions):
    batch = study.simulate_batch(20_000, seed=5, **assumptions)
    within_family = np.zeros((15, 15), dtype=bool)
    within_family[:6, :6] = within_family[6:, 6:] = True  # enzymes; comet (drawn apart)
    for g, (mean, sd, corr) in population(**assumptions).items():
        x = pooled(batch, g)
        size = x.shape[0]
        np.testing.assert_array_less(np.abs(x.mean(axis=0) - mean), 5 * sd / np.sqrt(size))
        np.testing.assert_array_less(np.abs(x.std(axis=0, ddof=1) - sd), 5 * sd / np.sqrt(2 * size))
        r = np.corrcoef(x, rowvar=False)
        expected = np.where(within_family, corr, 0.0)  # the families are independent
        bound = 5 * (1 - expected**2) / np.sqrt(size) + 1e-12  # + rounding on the diagonal
        np.testing.assert_array_less(np.abs(r - expected), bound)


def test_runner_characteristics_match_their_targets():
    batch = study.simulate_batch(20_000, seed=6, outcomes=study.SUBJECT_COLUMNS)
    t = study.targets()
    for g in GROUPS:
        runners = batch.groups == g
        for name, mean, sd in [
            ("age_yr", "age_mean", "age_sd"),
            ("body_mass_kg", "body_mass_mean", "body_mass_sd"),
            ("finish_time_min", f"finish_time_mean_{g}", f"finish_time_sd_{g}"),
        ]:
            x = batch.measures[name][:, runners].ravel()
            se = t.value(sd) / np.sqrt(x.size)
            assert abs(x.mean() - t.value(mean)) < 5 * se
            assert abs(x.std(ddof=1) - t.value(sd)) < 5 * se / np.sqrt(2)


# --- (c) a replicate has the distribution of simulate(empirical=False)


def paired_t(values, runners):
    """Per replicate: the paired t of log CK post vs pre among ``runners``."""
    change = np.log(values[..., runners, 1]) - np.log(values[..., runners, 0])
    return change.mean(axis=-1) / (change.std(axis=-1, ddof=1) / np.sqrt(change.shape[-1]))


def test_one_replicate_has_the_distribution_of_simulate():
    draws = 30  # 0.1-0.8 s each, depending on how busy the machine is
    frames = [study.simulate(seed=k, empirical=False) for k in range(draws)]
    arrays = {
        name: np.stack(
            [
                f.pivot(index="subject", columns="time", values=name)[list(study.TIMES)].to_numpy()
                for f in frames
            ]
        )
        for name in study.OUTCOMES
    }
    groups = frames[0].drop_duplicates("subject")["group"].to_numpy()
    from_simulate = Batch("ryu2016", frames[0]["subject"].unique(), groups, study.TIMES, arrays)
    batch = study.simulate_batch(20_000, seed=8)
    assert (batch.groups == groups).all()
    for g in GROUPS:
        # the runners' moments: 300 runners of simulate against 200,000 of the batch
        x, y = pooled(from_simulate, g), pooled(batch, g)
        se = np.sqrt(x.var(axis=0) / x.shape[0] + y.var(axis=0) / y.shape[0])
        np.testing.assert_array_less(np.abs(x.mean(axis=0) - y.mean(axis=0)), 5 * se)
        ratio = x.std(axis=0) / y.std(axis=0)
        np.testing.assert_array_less(np.abs(ratio - 1), 5 / np.sqrt(2 * x.shape[0]))
        # a statistic of the whole replicate: its mean and spread over replicates
        a = paired_t(arrays["ck_u_l"], groups == g)
        b = paired_t(batch.measures["ck_u_l"], batch.groups == g)
        assert abs(a.mean() - b.mean()) < 5 * np.sqrt(a.var() / draws + b.var() / b.size)
        assert abs(a.std() / b.std() - 1) < 5 / np.sqrt(2 * draws)


# --- (d) determinism, chunking, subsets


def test_same_seed_same_arrays_and_different_seeds_differ():
    one, two = study.simulate_batch(50, seed=4), study.simulate_batch(50, seed=4)
    other = study.simulate_batch(50, seed=5)
    for name in study.OUTCOMES:
        assert np.array_equal(one.measures[name], two.measures[name])
        assert not np.any(one.measures[name] == other.measures[name])
    sequence = study.simulate_batch(50, seed=np.random.SeedSequence(4))
    assert np.array_equal(sequence.measures["ck_u_l"], one.measures["ck_u_l"])


def test_a_generator_seed_is_advanced_like_simulate_advances_it():
    rng = np.random.default_rng(9)
    first, second = study.simulate_batch(5, rng), study.simulate_batch(5, rng)
    again = study.simulate_batch(5, np.random.default_rng(9))
    assert np.array_equal(first.measures["ldh_u_l"], again.measures["ldh_u_l"])
    assert not np.array_equal(first.measures["ldh_u_l"], second.measures["ldh_u_l"])


@pytest.mark.parametrize("cuts", [[1234], [1, 2048, 2049], [4096]])
def test_chunks_drawn_with_start_are_the_whole_batch(cuts):
    whole = study.simulate_batch(5000, seed=12, outcomes=[*study.OUTCOMES, "age_yr"])
    bounds = [0, *cuts, 5000]
    parts = [
        study.simulate_batch(b - a, seed=12, start=a, outcomes=[*study.OUTCOMES, "age_yr"])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    for name, values in whole.measures.items():
        assert np.array_equal(np.concatenate([p.measures[name] for p in parts]), values)


def test_more_runners_keep_the_first_ones_and_subsets_keep_their_values():
    base = study.simulate_batch(30, seed=13)
    more = study.simulate_batch(30, seed=13, n=12)
    first_ten = np.concatenate([np.flatnonzero(more.groups == g)[:10] for g in GROUPS])
    for name in study.OUTCOMES:
        assert np.array_equal(more.measures[name][:, first_ten], base.measures[name])
        alone = study.simulate_batch(30, seed=13, outcomes=[name])
        assert list(alone.measures) == [name]
        assert np.array_equal(alone.measures[name], base.measures[name])


@pytest.mark.parametrize("n", [None, UNEQUAL])
def test_coloured_slices_read_again_are_the_ones_made_again(monkeypatch, n):
    # _PIECES keeps the coloured slices a family gave; a cell that moves another family's
    # assumptions reads them instead of colouring them again. Warm or cold, the same arrays.
    settings = [{}, {"ck_fold_post_10km": 1.3}, {"tail_moment_sdlog": 0.5}, {"age_sd": 3.0}, {}]
    requests = [(300, 0, None), (1000, 100, ["ck_u_l"]), (700, 1900, ["tail_moment", "age_yr"])]

    def draws():
        return [
            study.simulate_batch(reps, 21, n=n, start=start, outcomes=outcomes, **setting)
            for setting in settings
            for reps, start, outcomes in requests
        ]

    monkeypatch.setattr(batched, "_PIECES", batched._Pieces(batched.PIECES_BYTES))
    warm = draws()
    assert batched._PIECES.kept and batched._PIECES.size <= batched.PIECES_BYTES
    monkeypatch.setattr(batched, "_PIECES", batched._Pieces(0))  # keeps nothing
    cold = draws()
    assert not batched._PIECES.kept
    for a, b in zip(warm, cold, strict=True):
        assert list(a.measures) == list(b.measures)
        for name in a.measures:
            assert np.array_equal(a.measures[name], b.measures[name]), name


def test_a_grid_of_ck_settings_colours_the_comet_family_once(monkeypatch):
    pieces = batched._Pieces(batched.PIECES_BYTES)
    monkeypatch.setattr(batched, "_PIECES", pieces)
    made = []
    real = pieces.put
    monkeypatch.setattr(
        pieces, "put", lambda key, values: made.append(key[0][1]) or real(key, values)
    )
    for fold in (1.1, 1.4, 1.7):
        study.simulate_batch(256, 3, ck_fold_post_10km=fold)
    comet = [f for f in made if "tail_moment" in f]
    assert len(comet) == 1 and len(made) == 1 + 3  # CK and LDH coloured for each fold
    # and the store forgets the least recently used beyond its size
    small = batched._Pieces(2**20)  # room for two slices of these
    monkeypatch.setattr(batched, "_PIECES", small)
    for fold in (1.1, 1.4, 1.7, 2.0):
        study.simulate_batch(256, 3, ck_fold_post_10km=fold)
    assert small.size <= 2**20 and len(small.kept) == 2
    assert small.size == sum(v.nbytes for v in small.kept.values())
    assert not any(v.flags.writeable for v in small.kept.values())


def sliced(batch, low, high):
    measures = {k: v[low:high] for k, v in batch.measures.items()}
    return Batch(batch.study, batch.subjects, batch.groups, batch.times, measures)


def test_decisions_do_not_depend_on_how_the_replicates_are_sliced(monkeypatch):
    batch = study.simulate_batch(300, seed=14, n=UNEQUAL)
    whole = study.decide_batch(batch).values
    parts = [study.decide_batch(sliced(batch, a, a + 100)).values for a in (0, 100, 200)]
    assert np.array_equal(np.concatenate(parts), whole)
    monkeypatch.setattr(batched, "CHUNK", 7)
    assert np.array_equal(study.decide_batch(batch).values, whole)


def test_only_gives_the_same_values_as_the_full_call():
    batch = study.simulate_batch(200, seed=15)
    full = study.decide_batch(batch)
    chosen = ["tail_length_no_time_effect", "ck_day3_gt_pre_42km", "ldh_post_42km_gt_21km"]
    some = study.decide_batch(batch, only=chosen)
    assert list(some.claim_ids) == [c for c in full.claim_ids if c in chosen]
    columns = [full.claim_ids.index(c) for c in some.claim_ids]
    assert np.array_equal(some.values, full.values[:, columns])
    ck = study.simulate_batch(200, seed=15, outcomes=["ck_u_l"])  # what those rows need only
    ck_rows = [c for c in full.claim_ids if c.startswith("ck_")]
    assert np.array_equal(
        study.decide_batch(ck, only=ck_rows).values,
        full.values[:, [full.claim_ids.index(c) for c in ck_rows]],
    )


def test_mixed_anovas_equal_the_array_engine():
    batch = study.simulate_batch(500, seed=16, n=UNEQUAL)
    decisions = study.decide_batch(batch, anova=study.OUTCOMES)
    assert np.array_equal(decisions.values, study.decide_batch(batch).values)
    for name in study.OUTCOMES:
        y = batch.measures[name]
        y = np.log(y) if study.OUTCOMES[name] == "log" else y
        engine = mixed_anova(y, batch.groups)  # Type III, as analyze
        np.testing.assert_allclose(decisions.anova[name], engine.p_gg[:, 1:], rtol=1e-10)
        np.testing.assert_array_equal(
            batched.anova_batch(batch, [name])[name], decisions.anova[name]
        )


@given(seed=st.integers(0, 2**32 - 1), reps=st.integers(1, 40))
def test_decisions_are_probabilities_and_seeds_determine_them(seed, reps):
    batch = study.simulate_batch(reps, seed)
    decisions = study.decide_batch(batch)
    values = decisions.values
    assert values.shape == (reps, len(decisions.claim_ids))
    assert np.all((values >= 0) & (values <= 1))
    assert np.array_equal(values, study.decide_batch(study.simulate_batch(reps, seed)).values)
    less = np.array([r == "<" for r in decisions.relations])
    assert np.array_equal(decisions.holds, np.where(less, values < 0.05, values > 0.05))


def test_holm_equals_the_engine_with_ties_and_missing_values():
    from analysis.engine.ttests import holm

    rng = np.random.default_rng(17)
    for k in (2, 3):
        p = rng.choice([0.001, 0.01, 0.02, 0.04, 0.3, 0.9], size=(k, 5000))  # many ties
        np.testing.assert_array_equal(batched._holm(p), holm(p.T).T)
        p[0, ::7] = np.nan
        np.testing.assert_array_equal(batched._holm(p), holm(p.T).T)


# --- bad input gets the messages simulate gives


def test_impossible_assumptions_are_refused_as_simulate_refuses_them():
    bad = {"ck_corr_pre_post": 0.95, "ck_corr_pre_day3": -0.9}
    with pytest.raises(InputError, match="ck_corr_pre_post") as batch_error:
        study.simulate_batch(3, **bad)
    with pytest.raises(InputError) as simulate_error:
        study.simulate(**bad)
    assert str(batch_error.value).split(" (")[0] == str(simulate_error.value).split(" (")[0]
    with pytest.raises(InputError, match="ldh_sdlog = 0"):
        study.simulate_batch(3, ldh_sdlog=0)
    with pytest.raises(InputError, match="no assumption named"):
        study.simulate_batch(3, nonsense=1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: study.simulate_batch(3, n=1), "at least 2"),
        (lambda: study.simulate_batch(3, n={"5km": 4}), "unknown distances"),
        (lambda: study.simulate_batch(3, outcomes=["ck"]), "unknown outcome"),
        (lambda: study.simulate_batch(-1), "reps"),
        (lambda: study.simulate_batch(3, seed="a"), "seed"),
        (lambda: study.decide_batch(study.simulate_batch(3), only=["n_10km"]), "not decision"),
        (
            lambda: study.decide_batch(study.simulate_batch(3, outcomes=["ck_u_l"])),
            "has no",
        ),
        (lambda: study.decide_batch(study.simulate_batch(3), anova=["ck"]), "unknown outcome"),
    ],
)
def test_bad_requests_say_what_is_wrong(call, message):
    with pytest.raises(InputError, match=message):
        call()


# --- counting mode: decide_batch(exact=False) skips the t tails far from every threshold

_MOVABLE = [
    row for row in study.targets().table.to_dict("records") if row.get("low") == row.get("low")
]


@given(
    seed=st.integers(0, 2**32 - 1),
    reps=st.integers(1, 60),
    runners=st.integers(2, 14),
    moved=st.sampled_from([r["id"] for r in _MOVABLE]),
    where=st.floats(0, 1),
)
def test_counting_mode_holds_and_misses_exactly_where_the_exact_p_does(
    seed, reps, runners, moved, where
):
    # power, maps and claim ranges count with exact=False: which rows hold, and which are
    # missing (NaN), must be those of the exact p-values, whatever the design and setting
    row = next(r for r in _MOVABLE if r["id"] == moved)
    value = float(row["low"]) + where * (float(row["high"]) - float(row["low"]))
    try:
        batch = study.simulate_batch(reps, seed, n=runners, **{moved: value})
    except InputError:
        return  # a setting the model refuses is refused in both modes alike
    exact, counted = study.decide_batch(batch), study.decide_batch(batch, exact=False)
    assert exact.claim_ids == counted.claim_ids
    np.testing.assert_array_equal(exact.holds, counted.holds)
    np.testing.assert_array_equal(np.isnan(exact.values), np.isnan(counted.values))
    claims, counted_claims = study.claims_batch(batch, exact), study.claims_batch(batch, counted)
    assert claims.keys() == counted_claims.keys()
    for claim in claims:
        np.testing.assert_array_equal(claims[claim], counted_claims[claim])
