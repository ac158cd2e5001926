"""Seeded blocks, local and on Dask (issue 11, "Scale-out on Dask").

The acceptance test runs a small grid on a 2-worker ``LocalCluster`` (processes, one thread
each) and compares it bit for bit with the local result for the same seed, first with a tiny
study made here, then with the registered studies. The fake study (:data:`FAKE`) is also used
by ``test_power.py``: a one-sample t design whose power has a closed form.
"""

from __future__ import annotations

import sys
import time
import types

import cloudpickle
import numpy as np
import psutil
import pytest

from analysis.checks import parallel
from analysis.checks.parallel import BLOCK, block_seed, block_sizes, chunks, run_blocks
from analysis.checks.power import analytic_power_t, power, sample_size
from analysis.engine import ttests
from analysis.errors import InputError
from analysis.studies import estes2017, ryu2016
from analysis.studies.base import Batch, Decisions

# Dask workers unpickle what they run; this module is not importable there (tests/ is not a
# package on their path), so its functions travel by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# --- a tiny study: one group, a gain that is tested against 0 and a measure that does not move


def fake_simulate_batch(reps, seed=0, *, n=None, effect=0.5, **assumptions):
    """``reps`` datasets of ``n`` subjects (default 10): a change ~ N(effect, 1) and a change
    ~ N(0, 1). Drawn subjects-first, so the first k subjects are the same for every n >= k
    (common random numbers over n)."""
    if assumptions.keys() - {"dispersion"}:
        raise InputError(f"fake has no assumption {sorted(assumptions)}")
    n = 10 if n is None else n
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, reps, 2)).transpose(1, 0, 2)
    gain = np.stack([np.zeros((reps, n)), effect + z[..., 0]], axis=-1)
    still = np.stack([np.zeros((reps, n)), z[..., 1]], axis=-1)
    return Batch(
        study="fake",
        subjects=np.array([f"S{i:02d}" for i in range(1, n + 1)]),
        groups=np.array(["all"] * n),
        times=("pre", "post"),
        measures={"gain": gain, "still": still},
        columns=["subject", "group", "time", "gain", "still"],
        assumptions=dict(assumptions, effect=effect),
    )


def fake_decide_batch(batch, only=None):
    rows = {
        "gain_p": ("<", "gain"),
        "still_p": (">", "still"),
    }
    ids = list(rows) if only is None else list(only)
    values = np.stack(
        [
            ttests.paired(batch.measures[rows[i][1]][..., 0], batch.measures[rows[i][1]][..., 1]).p
            for i in ids
        ],
        axis=-1,
    )
    return Decisions(
        study="fake",
        claim_ids=tuple(ids),
        relations=tuple(rows[i][0] for i in ids),
        thresholds=np.full(len(ids), 0.05),
        values=values,
    )


def fake_claims_batch(batch):
    holds = fake_decide_batch(batch).holds
    return {1: holds[:, 0], 2: holds.all(axis=1)}


def fake_analytic_power(group_sizes, effect=0.5, **assumptions):
    n = group_sizes["all"]
    return {"gain_p": analytic_power_t(effect, n), "still_p": 0.95}


FAKE = types.SimpleNamespace(
    NAME="fake",
    simulate_batch=fake_simulate_batch,
    decide_batch=fake_decide_batch,
    claims_batch=fake_claims_batch,
    analytic_power=fake_analytic_power,
)


def hits(p, reps, rng):
    """Replicates in which a uniform draw falls below ``p``: the simplest block function."""
    return int((rng.random(reps) < p).sum())


def draws(p, reps, rng):
    return rng.random(reps)


def boom(p, reps, rng):
    raise RuntimeError("this block fails")


def slow(p, reps, rng):
    time.sleep(0.3)
    return reps


# --- the seed scheme ----------------------------------------------------------------------------


def test_blocks_cover_the_replicates_and_their_sizes_depend_on_reps_only():
    assert block_sizes(1) == [1]
    assert block_sizes(BLOCK) == [BLOCK]
    assert block_sizes(2 * BLOCK + 5) == [BLOCK, BLOCK, 5]
    for chunk in (1, 2, 3, 10):
        pieces = chunks(3, 5 * BLOCK + 1, chunk)
        for cell in range(3):
            mine = [p for p in pieces if p.cell == cell]
            firsts = [p.first for p in mine]
            assert firsts == sorted(firsts) and firsts[0] == 0
            assert [s for p in mine for s in p.sizes] == block_sizes(5 * BLOCK + 1)
    with pytest.raises(ValueError, match="reps must be >= 1"):
        block_sizes(0)


def test_block_seeds_are_those_spawned_per_cell_then_per_block():
    root = np.random.SeedSequence(42)
    cells = root.spawn(3)
    for cell, cell_seq in enumerate(cells):
        for block, spawned in enumerate(cell_seq.spawn(4)):
            assert (
                block_seed(42, cell, block).generate_state(4).tolist()
                == spawned.generate_state(4).tolist()
            )
    # and distinct streams
    states = {tuple(block_seed(42, c, b).generate_state(2)) for c in range(3) for b in range(4)}
    assert len(states) == 12


def test_the_result_does_not_depend_on_chunk_size_or_threads():
    reps = 3 * BLOCK + 17
    expected = run_blocks(hits, [0.2, 0.5, 0.9], reps, seed=11)
    for chunk in (1, 2, 3, 4, 100):
        assert run_blocks(hits, [0.2, 0.5, 0.9], reps, seed=11, chunk=chunk) == expected
        assert run_blocks(hits, [0.2, 0.5, 0.9], reps, seed=11, chunk=chunk, threads=2) == expected
    assert run_blocks(hits, [0.2, 0.5, 0.9], reps, seed=12) != expected


def test_uncombined_blocks_are_the_same_arrays_whatever_the_chunks():
    reps = 2 * BLOCK + 3
    whole = run_blocks(draws, [0.5], reps, seed=5, combine=None)[0]
    assert [len(a) for a in whole] == block_sizes(reps)
    for chunk in (2, 3):
        again = run_blocks(draws, [0.5], reps, seed=5, combine=None, chunk=chunk, threads=2)[0]
        assert all(np.array_equal(a, b) for a, b in zip(whole, again, strict=True))


def test_cells_get_their_own_streams_unless_common_random_numbers_are_asked_for():
    own = run_blocks(draws, [0.5, 0.5], 10, seed=1, combine=None)
    assert not np.array_equal(own[0][0], own[1][0])
    common = run_blocks(draws, [0.5, 0.5], 10, seed=1, combine=None, common=True)
    assert np.array_equal(common[0][0], common[1][0])
    # cell 0 is the same stream either way: a single power run is a point of any curve
    assert np.array_equal(own[0][0], common[0][0])


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="not threads and workers"):
        run_blocks(hits, [0.5], 10, threads=2, workers=2)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        run_blocks(hits, [0.5], 10, seed=-1)
    with pytest.raises(ValueError, match="chunk must be >= 1"):
        run_blocks(hits, [0.5], 10, chunk=0)
    with pytest.raises(InputError, match="not both"):
        with parallel.dask_client(workers=2, scheduler="tcp://127.0.0.1:8786"):
            pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp://10.1.2.3:8786", "tcp://10.1.2.3:8786"),
        ("scheduler:8786", "tcp://scheduler:8786"),
        ("tls://dask.example.org:8786", "tls://dask.example.org:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_scheduler_addresses_are_checked_and_made_explicit(text, expected):
    assert parallel.check_address(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://host:8787", "scheme http"),
        ("host", "not an address"),
        ("tcp://host:99999", "port must be 1-65535"),
        ("tcp://host:port", "not an address"),
        ("", "not an address"),
    ],
)
def test_bad_scheduler_addresses_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parallel.check_address(text)


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT_S", 1.0)
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="cannot reach a Dask scheduler"):
        run_blocks(hits, [0.5], 10, scheduler=f"tcp://127.0.0.1:{port}")


def test_progress_bar_on_stderr_only_for_runs_longer_than_a_second(capsys):
    # one block of 0.3 s: tqdm (delay=1) shows nothing
    assert run_blocks(slow, [0.5], 5, progress=True, desc="slow") == [5]
    assert capsys.readouterr().err == ""
    # five blocks of 0.3 s: a bar, on stderr only
    assert run_blocks(slow, [0.5], 5 * BLOCK, progress=True, desc="slow") == [5 * BLOCK]
    captured = capsys.readouterr()
    assert "slow" in captured.err and "rep" in captured.err and captured.out == ""
    # and never without progress=True
    assert run_blocks(slow, [0.5], 5 * BLOCK) == [5 * BLOCK]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("threads", [None, 2])
def test_a_progress_function_hears_of_every_block_and_no_bar_is_drawn(capsys, threads):
    heard = []
    reps = 3 * BLOCK + 7
    counts = run_blocks(hits, [0.1, 0.5], reps, seed=3, progress=heard.append, threads=threads)
    assert counts == run_blocks(hits, [0.1, 0.5], reps, seed=3)
    assert sorted(heard) == sorted([BLOCK, BLOCK, BLOCK, 7] * 2)
    assert capsys.readouterr().err == ""


# --- acceptance: a 2-worker LocalCluster gives the local result, bit for bit --------------------


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker LocalCluster (processes, one thread each), closed whatever happens."""
    from dask.distributed import Client, LocalCluster

    local = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=40,
    )
    try:
        client = Client(local, set_as_default=False)
        try:
            assert len(client.scheduler_info()["workers"]) == 2
            yield client
        finally:
            client.close()
    finally:
        local.close()


def test_acceptance_a_grid_on_the_cluster_equals_the_local_grid(cluster):
    reps = 3 * BLOCK + 5
    cells = [0.1, 0.6]
    local = run_blocks(hits, cells, reps, seed=3)
    for chunk in (None, 1, 2, 4):
        assert run_blocks(hits, cells, reps, seed=3, chunk=chunk, scheduler=cluster) == local
    # by address, as --scheduler gives it (a client of our own, closed after)
    assert run_blocks(hits, cells, reps, seed=3, scheduler=cluster.scheduler.address) == local
    # the draws themselves, not only their counts
    here = run_blocks(draws, cells, reps, seed=3, combine=None)
    there = run_blocks(draws, cells, reps, seed=3, combine=None, chunk=3, scheduler=cluster)
    for a, b in zip(here, there, strict=True):
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_acceptance_power_of_the_fake_study_on_the_cluster(cluster):
    local = power(FAKE, reps=2 * BLOCK + 9, seed=4, effect=0.7)
    remote = power(FAKE, reps=2 * BLOCK + 9, seed=4, effect=0.7, scheduler=cluster, chunk=1)
    assert_same_power(remote, local)
    curve = sample_size(FAKE, claim="gain_p", n_range=range(4, 16, 3), reps=BLOCK + 1, seed=2)
    there = sample_size(
        FAKE, claim="gain_p", n_range=range(4, 16, 3), reps=BLOCK + 1, seed=2, scheduler=cluster
    )
    assert there.found == curve.found and there.curve.equals(curve.curve)


@pytest.mark.parametrize("study", [estes2017, ryu2016], ids=lambda s: s.NAME)
def test_acceptance_power_of_the_real_studies_on_the_cluster(cluster, study):
    reps = 2 * BLOCK + 100
    local = power(study, reps=reps, seed=9)
    for chunk in (1, 3):
        assert_same_power(power(study, reps=reps, seed=9, scheduler=cluster, chunk=chunk), local)
    assert_same_power(power(study, reps=reps, seed=9, threads=2, chunk=2), local)


def test_acceptance_a_grid_over_n_of_a_real_study_on_the_cluster(cluster):
    kwargs = {"claim": "all", "n_range": [6, 10, 14], "reps": BLOCK, "seed": 1}
    local = sample_size(ryu2016, **kwargs)
    remote = sample_size(ryu2016, **kwargs, scheduler=cluster)
    assert remote.curve.equals(local.curve) and remote.found == local.found


def assert_same_power(a, b) -> None:
    """Two power tables are identical; on failure, name the rows that differ."""
    da, db = a.to_dict(), b.to_dict()
    rows = [(x, y) for x, y in zip(da.pop("rows"), db.pop("rows"), strict=True) if x != y]
    assert da == db and not rows, rows


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_workers_start_a_local_cluster_and_close_it_also_after_an_error():
    before = _children()
    reps = 2 * BLOCK + 1
    assert run_blocks(hits, [0.3, 0.7], reps, seed=8, workers=2) == run_blocks(
        hits, [0.3, 0.7], reps, seed=8
    )
    with pytest.raises(RuntimeError, match="this block fails"):
        run_blocks(boom, [0.5], reps, workers=1)
    deadline = time.monotonic() + 30
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.2)  # the nannies' processes take a moment to exit
    assert not (_children() - before), "a worker process outlived its LocalCluster"


def test_the_bar_is_text_on_stderr_outside_a_kernel_even_after_ipykernel_was_imported(
    capsys, monkeypatch
):
    # tqdm.auto picks the notebook bar as soon as ipykernel's shell module is imported (here,
    # by an earlier test or a build's worker): it printed the widget's text to stdout
    import ipykernel.zmqshell  # noqa: F401

    for name in ("tqdm.auto", "tqdm.autonotebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert run_blocks(slow, [0.5], 5 * BLOCK, progress=True, desc="slow") == [5 * BLOCK]
    captured = capsys.readouterr()
    assert "slow" in captured.err and captured.out == ""
