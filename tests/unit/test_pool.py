"""runtime.pool: warm worker processes, streaming, cancel, crashes, recycling, many callers.

The jobs below live in this module (workers import it as `tests.unit.test_pool`), so most tests
run on workers that never import TensorFlow and start in a fraction of a second; one test
at the end trains a real model through the pool.
"""
from __future__ import annotations

import os
import threading
import time

import pytest

from runtime.jobs import job
from runtime.pool import (
    EngineUnavailable,
    InlinePool,
    JobCancelled,
    Pool,
    RemoteError,
    WorkerDied,
    job_key,
    resolve,
)


@job
def echo(ctx, value):
    return value


@job
def stream(ctx, n):
    for i in range(n):
        ctx.emit({"i": i})
    return n


@job
def until_cancelled(ctx, limit=30.0):
    ctx.emit({"started": True})
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if ctx.cancelled():
            return "cancelled"
        time.sleep(0.01)
    return "timeout"


@job
def crash(ctx):
    os._exit(3)


@job
def boom(ctx):
    raise ValueError("boom: 42")


@job
def pid(ctx):
    return os.getpid()


@job
def unpicklable(ctx):
    return lambda: None


@job
def sleep(ctx, s):
    time.sleep(s)
    return s


def not_listed(ctx):  # a function of a job module that is not marked @job
    return "ran"


PREFIXES = ("lessons.", "tests.")


@pytest.fixture(scope="module")
def pool():
    p = Pool(workers=2, prefixes=PREFIXES, max_jobs=1000)
    assert p.wait_ready(60)
    yield p
    p.close()


def test_result_and_streamed_messages(pool):
    assert pool.call("tests.unit.test_pool:echo", value={"a": [1, 2]}, timeout=30) == {"a": [1, 2]}
    job = pool.submit("tests.unit.test_pool:stream", n=50)
    assert [m["i"] for m in job.messages(timeout=30)] == list(range(50))
    assert job.result(30) == 50 and job.state == "done"
    # messages stay readable after the end, from any index (a rerun re-attaches to a job)
    assert job.wait_messages(since=48) == [{"i": 48}, {"i": 49}]


def test_only_listed_jobs_run(pool):
    for target in ("tests.unit.test_pool:not_listed", "os:getcwd", "tests.unit.test_pool", "builtins:eval"):
        with pytest.raises(ValueError, match="not a job"):
            pool.call(target, timeout=30)
    with pytest.raises(ValueError, match="not a job"):
        resolve("tests.unit.test_pool:not_listed", PREFIXES)


def test_exceptions_come_back_as_themselves(pool):
    with pytest.raises(ValueError, match="boom: 42"):
        pool.call("tests.unit.test_pool:boom", timeout=30)
    with pytest.raises((RemoteError, TypeError, AttributeError)):
        pool.call("tests.unit.test_pool:unpicklable", timeout=30)
    assert pool.call("tests.unit.test_pool:echo", value=1, timeout=30) == 1  # the worker is fine


def test_cancel_a_running_job(pool):
    job = pool.submit("tests.unit.test_pool:until_cancelled")
    next(job.messages(timeout=30))
    t0 = time.monotonic()
    job.cancel()
    assert job.result(10) == "cancelled"
    assert time.monotonic() - t0 < 2


def test_cancel_a_queued_job(pool):
    busy = [pool.submit("tests.unit.test_pool:sleep", s=1.0) for _ in range(2)]
    queued = pool.submit("tests.unit.test_pool:echo", value="never")
    queued.cancel()
    with pytest.raises(JobCancelled):
        queued.result(10)
    assert [j.result(10) for j in busy] == [1.0, 1.0]


def test_a_dead_worker_fails_its_job_and_is_replaced(pool):
    before = set(pool.pids())
    job = pool.submit("tests.unit.test_pool:crash")
    with pytest.raises(WorkerDied, match="exited with code 3"):
        job.result(30)
    assert pool.wait_ready(60)
    assert len(pool.pids()) == 2 and set(pool.pids()) != before
    assert pool.call("tests.unit.test_pool:echo", value="alive", timeout=30) == "alive"


def test_result_timeout(pool):
    job = pool.submit("tests.unit.test_pool:sleep", s=0.5)
    with pytest.raises(TimeoutError):
        job.result(0.05)
    assert job.result(10) == 0.5


def test_many_callers_each_get_their_own_results(pool):
    out, errors = {}, []

    def session(k):
        try:
            job = pool.submit("tests.unit.test_pool:stream", n=k)
            msgs = list(job.messages(timeout=60))
            out[k] = (len(msgs), job.result(60))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(1, 13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors
    assert out == {k: (k, k) for k in range(1, 13)}


def test_workers_are_recycled_after_max_jobs():
    p = Pool(workers=1, prefixes=PREFIXES, max_jobs=3)
    try:
        pids = [p.call("tests.unit.test_pool:pid", timeout=60) for _ in range(7)]
        assert len(set(pids[:3])) == 1 and len(set(pids[3:6])) == 1 and pids[0] != pids[3] != pids[6]
        assert p.recycled >= 2 and p.restarts == 0
    finally:
        p.close()


def test_close_leaves_no_process_behind():
    p = Pool(workers=2, prefixes=PREFIXES)
    assert p.wait_ready(60)
    procs = [w.proc for w in p._workers]
    p.close()
    assert all(proc.poll() is not None for proc in procs)


def test_inline_pool_same_api():
    p = InlinePool(prefixes=PREFIXES)
    job = p.submit("tests.unit.test_pool:stream", n=3)
    assert list(job.messages(timeout=10)) == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert job.result(10) == 3
    job = p.submit("tests.unit.test_pool:until_cancelled")
    next(job.messages(timeout=10))
    job.cancel()
    assert job.result(10) == "cancelled"
    with pytest.raises(ValueError):
        p.submit("tests.unit.test_pool:not_listed")


def test_training_through_warm_workers():
    """The real thing: TensorFlow only in the workers, epochs streamed, Stop honoured."""
    import sys

    from engine import spec as model_spec

    had_tf = "tensorflow" in sys.modules
    p = Pool(workers=1, warmup="lessons.spec_jobs:warm", preload=("lessons.spec_jobs",))
    try:
        assert p.wait_ready(180)
        job = p.submit("lessons.spec_jobs:train_spec", spec=model_spec.recommended().replace(epochs=30).to_dict(), dataset="curve")
        epochs = [m["epoch"] for m in job.messages(timeout=120)]
        res = job.result(60)
        assert res["ok"] and res["status"] == "done" and epochs == list(range(1, 31))
        assert res["predict"]["kind"] == "curve"

        job = p.submit("lessons.spec_jobs:train_spec", spec=model_spec.recommended().replace(epochs=500).to_dict(), dataset="curve")
        next(job.messages(timeout=120))
        job.cancel()
        res = job.result(30)
        assert res["status"] == "cancelled" and res["epochs_run"] < 500
    finally:
        p.close()
    assert ("tensorflow" in sys.modules) == had_tf  # the parent never imported it


def test_workers_that_cannot_start_fail_jobs_instead_of_hanging():
    p = Pool(workers=1, prefixes=PREFIXES, preload=("lessons.no_such_module",))
    try:
        job = p.submit("tests.unit.test_pool:echo", value=1)
        with pytest.raises(WorkerDied, match="before they are ready"):
            job.result(60)
        assert p.restarts == 3
    finally:
        p.close()


# ---------------------------------------------------------------- shared work, queue places, faults

def _fill(pool, s=1.0):
    """Keep both workers busy for `s` seconds; returns their jobs."""
    busy = [pool.submit("tests.unit.test_pool:sleep", s=s) for _ in range(2)]
    deadline = time.monotonic() + 30
    while any(j.state == "pending" for j in busy) and time.monotonic() < deadline:
        time.sleep(0.01)
    return busy


def test_identical_work_runs_once_and_every_holder_streams_it(pool):
    a = pool.share("tests.unit.test_pool:stream", {"n": 40}, owner="session-a")
    b = pool.share("tests.unit.test_pool:stream", {"n": 40}, owner="session-b")
    assert a.job is b.job and pool.stats()["shared_hits"] >= 1
    assert [m["i"] for m in a.messages(timeout=30)] == [m["i"] for m in b.messages(timeout=30)] == list(range(40))
    assert a.result(30) == b.result(30) == 40
    c = pool.share("tests.unit.test_pool:stream", {"n": 40})  # finished work is not re-attached
    assert c.job is not a.job and c.result(30) == 40


def test_one_holder_stopping_leaves_the_job_to_the_others(pool):
    a = pool.share("tests.unit.test_pool:until_cancelled", {"limit": 1.0})
    b = pool.share("tests.unit.test_pool:until_cancelled", {"limit": 1.0})
    next(a.messages(timeout=30))
    a.cancel()
    assert a.done() and not a.job.cancel_requested
    with pytest.raises(JobCancelled):
        a.result(1)
    assert b.result(30) == "timeout"  # ran to its end for the one still waiting
    c = pool.share("tests.unit.test_pool:until_cancelled", {"limit": 20.0})
    next(c.messages(timeout=30))
    c.cancel()  # the last holder: the job itself stops
    assert c.job.result(10) == "cancelled"


def test_queue_places_and_an_owner_replacing_its_queued_job(pool):
    busy = _fill(pool)
    mine = pool.share("tests.unit.test_pool:echo", {"value": "first"}, owner="me")
    other = pool.share("tests.unit.test_pool:echo", {"value": "other"}, owner="you")
    assert (mine.ahead(), other.ahead()) == (0, 1)
    again = pool.share("tests.unit.test_pool:echo", {"value": "second"}, owner="me")
    assert again.ahead() == 0 and other.ahead() == 1  # took the old one's place, not the back of the line
    with pytest.raises(JobCancelled):
        mine.result(10)
    assert pool.share("tests.unit.test_pool:echo", {"value": "second"}, owner="me") is again
    assert again.result(30) == "second" and other.result(30) == "other"
    assert again.ahead() is None and [j.result(10) for j in busy] == [1.0, 1.0]


def test_a_worker_killed_mid_job_fails_only_that_job(pool):
    assert pool.wait_ready(60)
    slow = pool.submit("tests.unit.test_pool:stream_slowly", n=10)
    victim = pool.submit("tests.unit.test_pool:until_cancelled")
    next(victim.messages(timeout=30))
    os.kill(victim.worker_pid, 9)
    with pytest.raises(WorkerDied):
        victim.result(30)
    assert slow.result(30) == 10 and len(list(slow.messages(timeout=5))) == 10
    assert pool.wait_ready(60) and pool.call("tests.unit.test_pool:echo", value="retry", timeout=30) == "retry"


@job
def stream_slowly(ctx, n):
    for i in range(n):
        ctx.emit({"i": i})
        time.sleep(0.1)
    return n


def test_workers_that_cannot_start_then_can_recover(monkeypatch):
    import sys

    monkeypatch.setenv("KFL_WORKER_RETRY_S", "0.5")
    p = Pool(workers=1, prefixes=PREFIXES, env={"KFL_WORKER_PYTHON": "/bin/false"})
    try:
        with pytest.raises(EngineUnavailable):
            p.submit("tests.unit.test_pool:echo", value=1).result(60)
        assert not p.available()
        with pytest.raises(EngineUnavailable):  # refused at once, not after a timeout
            p.submit("tests.unit.test_pool:echo", value=1).result(1)
        p.env["KFL_WORKER_PYTHON"] = sys.executable  # the install is fixed
        assert p.wait_ready(60, all_workers=False) and p.available()
        assert p.call("tests.unit.test_pool:echo", value="back", timeout=30) == "back"
    finally:
        p.close()


def test_job_key_sees_array_contents():
    import numpy as np

    a, b = np.zeros(5000), np.zeros(5000)
    b[2500] = 1.0  # repr() of both arrays is the same elided text
    assert repr(a) == repr(b) and job_key("m:f", {"x": a}) != job_key("m:f", {"x": b})
    assert job_key("m:f", {"u": 1, "v": 2}) == job_key("m:f", {"v": 2, "u": 1})
