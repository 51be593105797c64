"""The one door from pages to the engine: `call(job_function, **kwargs)`.

Pages never import Keras. Jobs are plain functions `fn(ctx, **kwargs)` in `lessons/`, marked
`@job` (runtime.jobs); pages pass the function itself, the worker gets its name. They take
and return picklable data. They run in warm worker
processes (runtime.pool): TensorFlow is imported there, never in the Streamlit process, and
the memory each Keras build leaves behind goes away with the worker.

- `call(job, **kwargs)`: run a job, wait, return its result (raises what the job raises).
- `submit(job, **kwargs)`: start a job and return its `runtime.pool.Job` at once, to stream
  its messages (`job.wait_messages`, `job.messages`), `job.cancel()` it, then `job.result()`.
- `share(job, args, owner)`: a `runtime.pool.Ticket` on the one job doing this work: callers
  asking for the same job and arguments attach to it (identical work runs once); an owner
  (a session's slot) holds one ticket at a time. `ui.live` runs every page's jobs through it.
- `prewarm()`: start the workers now, without waiting (e.g. after the first page rendered).
- `available()`: False while no worker can start (the pool retries by itself).

Environment: KFL_WORKERS (default 2; 1 with one CPU or under 3 GB of memory: each worker
holds TensorFlow, ~0.7 GB), KFL_WORKER_MAX_JOBS (500), KFL_WORKER_MAX_GROWTH_MB (150),
KFL_CALL_TIMEOUT (seconds, default 300), and KFL_INPROCESS=1 to run jobs in threads of
this process instead (debugging; TensorFlow then loads here).
"""
from __future__ import annotations

import atexit
import os
import threading
import time

from runtime.jobs import check_kwargs, target
from runtime.pool import InlinePool, Job, Pool, Ticket

# Imported by every worker before it says it is ready, then one tiny fit is traced, so the
# first real job of a fresh worker pays none of TensorFlow's one-off costs.
PRELOAD = ("engine.build", "lessons.spec_jobs")
WARMUP = "lessons.spec_jobs:warm"  # a wire name: the pool starts before any page runs

_lock = threading.Lock()
_pool = None


def _make_pool():
    if os.environ.get("KFL_INPROCESS") == "1":
        return InlinePool()
    pool = Pool(warmup=WARMUP, preload=PRELOAD)
    atexit.register(pool.close)
    return pool


def _process_pool():
    """One pool per process, whatever Streamlit's caches do (AppTest, cache clears)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = _make_pool()
        return _pool


def pool():
    """The process-wide worker pool, shared by every session."""
    return _process_pool()


def submit(job, **kwargs) -> Job:
    """Start a job (a function marked `@job`) of its own; returns its handle at once."""
    check_kwargs(job, kwargs)
    return pool().submit(target(job), **kwargs)


def share(job, args: dict, owner=None) -> Ticket:
    """A ticket on the job doing `job(**args)`, attached to it if it already runs or waits."""
    check_kwargs(job, args)
    return pool().share(target(job), args, owner=owner)


def call(job, *, on_late=None, **kwargs):
    """Run a job (sharing identical work in flight) and return its result (raises what it raises).

    Called from a script run, the wait gives way to a newer one: when the learner changes
    something again, Streamlit's stop reaches this wait within WAIT_SLICE seconds instead of
    after the job (a script run is only stopped where it calls Streamlit). The job runs on for
    whoever shares it; `on_late(result)` receives its result when it comes, e.g. to cache it.
    """
    timeout = float(os.environ.get("KFL_CALL_TIMEOUT", "300"))
    handle = share(job, kwargs)
    deadline = time.monotonic() + timeout
    yield_check = _yield_check()
    while True:
        try:
            return handle.result(min(WAIT_SLICE, max(0.0, deadline - time.monotonic())))
        except TimeoutError:
            if time.monotonic() >= deadline:
                handle.cancel()
                raise
        try:
            yield_check()
        except BaseException:  # the script run ends here (a rerun or stop): hand the result on later
            if on_late is not None:
                threading.Thread(target=_late, args=(handle, deadline, on_late), daemon=True).start()
            raise


WAIT_SLICE = 0.05


def _yield_check():
    """Streamlit's "end this script run now?" check for the calling thread; a no-op outside one."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check
    except ImportError:  # an older or newer Streamlit without it: waits are not interrupted
        return lambda: None
    return get_run_yield_check() or (lambda: None)


def _late(handle, deadline: float, on_late) -> None:
    try:
        on_late(handle.result(max(0.0, deadline - time.monotonic())))
    except Exception:  # noqa: BLE001 - nobody waits for it any more; the next run asks again
        pass


def prewarm() -> None:
    """Start the workers in the background; returns at once."""
    pool()
    _precompute_defaults()


def _precompute_defaults() -> None:
    """Issue 14: the slow pages' default results, computed once per server in the background."""
    from ui import precompute

    precompute.start()


def warm() -> bool:
    """True when a warm worker can take a job now. Never starts the pool: on a cold server the
    first page may need no worker at all (its results shipped or cached), and workers importing
    TensorFlow would only compete with that first page for the CPU; `prewarm()` starts them after."""
    with _lock:
        started = _pool
    return started is not None and started.wait_ready(timeout=0, all_workers=False)


def available() -> bool:
    """False while no worker can start (e.g. TensorFlow fails to import); the pool retries."""
    return pool().available()
