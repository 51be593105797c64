"""The one door from pages to the engine: `call(job_function, **kwargs)`.

Pages never import Keras. Jobs are plain functions `fn(ctx, **kwargs)` in `lessons/`, marked
`@job` (runtime.jobs); pages pass the function itself, the worker gets its name. They take
and return picklable data. They run in warm worker
processes (runtime.pool): TensorFlow is imported there, never in the Streamlit process, and
the memory each Keras build leaves behind goes away with the worker.

- `call(job, **kwargs)`: run a job, wait, return its result (raises what the job raises).
- `submit(job, **kwargs)`: start a job and return its `runtime.pool.Job` at once, to stream
  its messages (`job.wait_messages`, `job.messages`), `job.cancel()` it, then `job.result()`.
- `prewarm()`: start the workers now, without waiting (e.g. after the first page rendered).

Environment: KFL_WORKERS (default 2; 1 with one CPU or under 3 GB of memory: each worker
holds TensorFlow, ~0.7 GB), KFL_WORKER_MAX_JOBS (500), KFL_WORKER_MAX_GROWTH_MB (150),
KFL_CALL_TIMEOUT (seconds, default 300), and KFL_INPROCESS=1 to run jobs in threads of
this process instead (debugging; TensorFlow then loads here).
"""
from __future__ import annotations

import atexit
import os
import threading

import streamlit as st

from runtime.jobs import check_kwargs, target
from runtime.pool import InlinePool, Job, Pool

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


@st.cache_resource(show_spinner=False)
def pool():
    """The process-wide worker pool, shared by every session."""
    return _process_pool()


def submit(job, **kwargs) -> Job:
    """Start a job (a function marked `@job`); returns its handle at once."""
    check_kwargs(job, kwargs)
    return pool().submit(target(job), **kwargs)


def call(job, **kwargs):
    """Run a job and return its result (raises what the job raises)."""
    timeout = float(os.environ.get("KFL_CALL_TIMEOUT", "300"))
    handle = submit(job, **kwargs)
    try:
        return handle.result(timeout)
    except TimeoutError:
        handle.cancel()
        raise


def prewarm() -> None:
    """Start the workers in the background; returns at once."""
    pool()


def ready() -> bool:
    """True once at least one warm worker can take a job (starts the pool if needed)."""
    return pool().wait_ready(timeout=0, all_workers=False)
