"""Warm worker processes that run jobs, stream their messages back, and are recycled.

Why processes: every build + compile + fit of a fresh Keras model leaves a few MB in
TensorFlow that no `clear_session()` or `gc.collect()` gives back, and Streamlit runs every
rerun in a new thread of one process. So the Streamlit process never imports TensorFlow;
jobs run in worker processes that import it once at start (warm), and a worker is
replaced after `max_jobs` jobs or once it has grown by `max_growth_mb`, which turns the
leak into a bounded sawtooth.

A job is `("lessons.module:function", kwargs)` on the wire. The worker runs it only if the
name resolves to a function marked `@job` (runtime.jobs): a worker never runs
arbitrary code named by a request. Results and messages are pickled plain data.

Design: each worker is `python -m runtime.pool --worker FD`, joined to the parent by a private
socketpair (no listener, no `multiprocessing` main-module re-import, so a worker started
from `streamlit run` does not import Streamlit). One dispatcher thread in the parent waits on
every worker's socket, routes each message to its job, hands pending jobs to idle workers,
notices a dead worker (its socket closes), fails that worker's job with `WorkerDied` and
starts a replacement. Any thread (every Streamlit session) may submit, read and cancel.

Shared work: `share(target, kwargs, owner)` returns a `Ticket` on the one job doing that
work: sessions asking for the same job with the same arguments attach to the same running
job and read the same messages; the job is cancelled only when its last ticket is. An
`owner` (a session's slot) holds one ticket at a time: asking again replaces its queued
job in place. `ahead(job)` is a job's place in the queue. When workers cannot start at all,
jobs fail at once with `EngineUnavailable` and the pool tries again every
`KFL_WORKER_RETRY_S` seconds (default 20), so it recovers by itself.
"""
from __future__ import annotations

import collections
import gc
import hashlib
import importlib
import itertools
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection, wait
from pathlib import Path

# Results carry NumPy arrays, unpickled by the dispatcher thread. If that thread were the
# first to import NumPy while a page's thread imports it too, one of them could see a
# half-initialised module ("partially initialized module 'numpy' has no attribute
# 'ndarray'", seen in AppTest). Importing it here, before any thread starts, rules that out.
import numpy  # noqa: E402,F401

from runtime.jobs import JOB_PACKAGES, resolve

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKERS = 2
# engine.fit_fast frees what each fit traces, so a worker barely grows; recycling is the backstop
# for jobs that still leak (other pages' Keras calls, a TensorFlow upgrade).
DEFAULT_MAX_JOBS = 500
DEFAULT_MAX_GROWTH_MB = 150.0
MAX_START_FAILURES = 3
DEFAULT_RETRY_S = 20.0  # after MAX_START_FAILURES: wait this long, then try to start a worker again


def _canonical(value):
    """JSON for hashing: arrays by their bytes (repr would elide them), other objects by repr."""
    if hasattr(value, "tobytes") and hasattr(value, "dtype"):
        return ["ndarray", str(value.dtype), list(getattr(value, "shape", ())),
                hashlib.sha1(value.tobytes()).hexdigest()]
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    return repr(value)


def job_key(target: str, kwargs: dict) -> str:
    """The one key of a piece of work: the same job with the same arguments, the same key."""
    blob = json.dumps([target, kwargs], sort_keys=True, default=_canonical)
    return hashlib.sha1(blob.encode()).hexdigest()[:24]


def memory_limit_bytes() -> int | None:
    """The container's memory limit (cgroup v2 or v1), else the machine's memory."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def default_workers() -> int:
    """KFL_WORKERS, else 2, or 1 where a second TensorFlow process (~0.7 GB) would not fit."""
    if os.environ.get("KFL_WORKERS"):
        return max(1, int(os.environ["KFL_WORKERS"]))
    limit = memory_limit_bytes()
    if (os.cpu_count() or 1) < 2 or (limit is not None and limit < 3 * 2**30):
        return 1
    return DEFAULT_WORKERS


class WorkerDied(RuntimeError):
    """The worker process running a job exited before answering."""


class EngineUnavailable(WorkerDied):
    """No worker can start (e.g. TensorFlow fails to import): the job was not run."""


class JobCancelled(RuntimeError):
    """The job was cancelled before any worker started it."""


class RemoteError(RuntimeError):
    """A job raised an exception that could not be sent back as itself."""


class Job:
    """A submitted job: its messages so far, then its result or its error."""

    _ids = itertools.count(1)

    def __init__(self, target: str, kwargs: dict, pool=None):
        self.id = next(Job._ids)
        self.target = target
        self.kwargs = kwargs
        self.state = "pending"  # pending | running | done | failed | cancelled
        self.worker_pid: int | None = None
        self.submitted = time.perf_counter()
        self._pool = pool
        self._log: list = []
        self._cond = threading.Condition()
        self._result = None
        self._error: BaseException | None = None
        self._cancel_requested = False

    # --- read side (any thread) ---
    def done(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    def wait_messages(self, since: int = 0, timeout: float | None = None) -> list:
        """Messages from index `since` on; waits up to `timeout` for one if there is none yet."""
        with self._cond:
            if len(self._log) <= since and not self.done():
                self._cond.wait(timeout)
            return self._log[since:]

    def messages(self, timeout: float | None = None):
        """Every message in order, as it arrives; TimeoutError if none comes within `timeout`."""
        i = 0
        while True:
            with self._cond:
                if len(self._log) <= i and not self.done():
                    if not self._cond.wait_for(lambda: len(self._log) > i or self.done(), timeout):
                        raise TimeoutError(f"no message from job {self.target} within {timeout} s")
                batch = self._log[i:]
                finished = self.done()
            yield from batch
            i += len(batch)
            if finished and not batch:
                return

    def result(self, timeout: float | None = None):
        """The job's return value; raises what it raised, WorkerDied, JobCancelled or TimeoutError."""
        with self._cond:
            if not self._cond.wait_for(self.done, timeout):
                raise TimeoutError(f"job {self.target} did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._result

    def cancel(self) -> None:
        """Ask the job to stop: dropped if still queued, else its ctx.cancelled() turns True."""
        self._cancel_requested = True
        if self._pool is not None:
            self._pool._cancel(self)

    # --- write side (the dispatcher) ---
    def _emit(self, msg) -> None:
        with self._cond:
            self._log.append(msg)
            self._cond.notify_all()

    def _finish(self, state: str, result=None, error: BaseException | None = None) -> None:
        with self._cond:
            if self.done():
                return
            self.state, self._result, self._error = state, result, error
            self._cond.notify_all()


class Ticket:
    """One caller's hold on a (possibly shared) job: reads it like a Job, cancels only its own hold.

    `cancel()` on the last hold cancels the job itself (a Stop: the job returns what it has).
    A hold dropped while other callers still wait detaches: it is done at once and its
    `result()` raises JobCancelled; the job runs on for the others.
    """

    def __init__(self, job: Job, sharing, key: str):
        self.job, self.key = job, key
        self._sharing = sharing
        self._cancelled = False
        self.detached = False

    def __getattr__(self, name):  # id, target, kwargs, state, worker_pid, wait_messages, messages
        return getattr(self.job, name)

    @property
    def cancel_requested(self) -> bool:
        return self._cancelled

    def done(self) -> bool:
        return self.detached or self.job.done()

    def ahead(self) -> int | None:
        """How many queued jobs are before this one; None once it runs (or ran)."""
        return self._sharing.ahead(self.job)

    def result(self, timeout: float | None = None):
        if self.detached:
            raise JobCancelled(f"job {self.job.target}: this caller stopped waiting")
        return self.job.result(timeout)

    def cancel(self) -> None:
        self._sharing.release(self)


class _Sharing:
    """Identical work runs once (`share`), one ticket per owner, queue places (`ahead`)."""

    def _init_sharing(self) -> None:
        self._share_lock = threading.RLock()
        self._by_key: dict[str, Job] = {}
        self._holds: collections.Counter = collections.Counter()  # job id -> live tickets
        self._owners: dict = {}
        self.shared_hits = 0  # tickets that attached to a job already running or queued

    def share(self, target: str, kwargs: dict, owner=None) -> Ticket:
        """A ticket on the job doing `target(**kwargs)`: attached to it if it runs already."""
        key = job_key(target, kwargs)
        with self._share_lock:
            old = self._owners.get(owner) if owner is not None else None
            if old is not None and old.key == key and not old.cancel_requested and not old.done():
                return old  # this owner asks again for what it already waits for
            place = self._release_for(old) if old is not None else None
            job = self._by_key.get(key)
            if job is None or job.done() or job.cancel_requested:
                job = self._submit(target, kwargs, place)
                self._by_key = {k: j for k, j in self._by_key.items() if not j.done()}
                self._by_key[key] = job
            else:
                self.shared_hits += 1
            self._holds[job.id] += 1
            ticket = Ticket(job, self, key)
            if owner is not None:
                self._owners[owner] = ticket
            return ticket

    def _release_for(self, old: Ticket) -> int | None:
        """Drop an owner's previous ticket; its queue place if its job was queued for it alone."""
        place = self.ahead(old.job) if self._holds[old.job.id] == 1 else None
        self.release(old)
        return place

    def release(self, ticket: Ticket) -> None:
        with self._share_lock:
            if ticket._cancelled:
                return
            ticket._cancelled = True
            job = ticket.job
            self._holds[job.id] -= 1
            if self._holds[job.id] > 0 and not job.done():
                ticket.detached = True
                return
            self._holds.pop(job.id, None)
            if self._by_key.get(ticket.key) is job:
                del self._by_key[ticket.key]
        job.cancel()

    def ahead(self, job: Job) -> int | None:
        return None


class _Worker:
    def __init__(self, proc: subprocess.Popen, conn: Connection):
        self.proc = proc
        self.conn = conn
        self.pid = proc.pid
        self.ready = False
        self.retiring = False
        self.job: Job | None = None
        self.jobs_done = 0
        self.rss0: int | None = None  # resident bytes when it became ready
        self.rss: int | None = None
        self.send_lock = threading.Lock()
        self.started = time.perf_counter()

    def send(self, msg) -> bool:
        try:
            with self.send_lock:
                self.conn.send(msg)
            return True
        except (OSError, ValueError):
            return False


class Pool(_Sharing):
    """A fixed number of warm workers; jobs queue in submission order."""

    def __init__(
        self,
        workers: int | None = None,
        max_jobs: int | None = None,
        max_growth_mb: float | None = None,
        warmup: str | None = None,
        preload: tuple = (),
        prefixes: tuple = JOB_PACKAGES,
        env: dict | None = None,
    ):
        self.size = max(1, int(workers or default_workers()))
        self.max_jobs = int(max_jobs or os.environ.get("KFL_WORKER_MAX_JOBS", DEFAULT_MAX_JOBS))
        self.max_growth = float(max_growth_mb or os.environ.get("KFL_WORKER_MAX_GROWTH_MB", DEFAULT_MAX_GROWTH_MB))
        self.warmup = warmup
        self.preload = tuple(preload)
        self.prefixes = tuple(prefixes)
        self.env = dict(env or {})
        self.restarts = 0  # workers replaced after dying
        self.recycled = 0  # workers replaced on purpose (max_jobs / max_growth)
        self._lock = threading.RLock()
        self._pending: collections.deque[Job] = collections.deque()
        self._workers: list[_Worker] = []
        self._closed = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._ready_cond = threading.Condition(self._lock)
        self._start_failures = 0  # workers in a row that died before they were ready
        self._gave_up_at = 0.0  # when MAX_START_FAILURES was reached
        self.retry_s = float(os.environ.get("KFL_WORKER_RETRY_S", DEFAULT_RETRY_S))
        self._init_sharing()
        with self._lock:
            self._top_up()
        self._thread = threading.Thread(target=self._dispatch, name="kfl-pool-dispatcher", daemon=True)
        self._thread.start()

    # --- public API (any thread) ---
    def submit(self, target: str, **kwargs) -> Job:
        """Queue `target(ctx, **kwargs)`; returns at once with the Job."""
        return self._submit(target, kwargs)

    def _submit(self, target: str, kwargs: dict, place: int | None = None) -> Job:
        """Queue a job at the end, or at `place` (the queue index of the job it replaces)."""
        if self._closed:
            raise RuntimeError("pool is closed")
        job = Job(target, kwargs, self)
        with self._lock:
            if not self.available():
                job._finish("failed", error=EngineUnavailable("worker processes exit before they are ready"))
                return job
            if place is None or place >= len(self._pending):
                self._pending.append(job)
            else:
                self._pending.insert(place, job)
        self._wake()
        return job

    def available(self) -> bool:
        """False while no worker can start (the last MAX_START_FAILURES died before ready)."""
        with self._lock:
            return self._start_failures < MAX_START_FAILURES or any(w.ready for w in self._workers)

    def ahead(self, job: Job) -> int | None:
        """Jobs queued before `job`; None if it is not queued."""
        with self._lock:
            try:
                return self._pending.index(job)
            except ValueError:
                return None

    def call(self, target: str, timeout: float | None = None, **kwargs):
        return self.submit(target, **kwargs).result(timeout)

    def wait_ready(self, timeout: float | None = None, all_workers: bool = True) -> bool:
        """Wait until every worker (or at least one) has started and warmed up."""
        def ok():
            ready = [w for w in self._workers if w.ready and not w.retiring]
            return len(ready) >= (self.size if all_workers else 1)

        with self._ready_cond:
            return self._ready_cond.wait_for(ok, timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no job is queued or running and every worker is warm (for benchmarks)."""
        def ok():
            return not self._pending and all(w.job is None for w in self._workers) and \
                len([w for w in self._workers if w.ready and not w.retiring]) >= self.size and \
                all(not w.retiring for w in self._workers)

        with self._ready_cond:
            return self._ready_cond.wait_for(ok, timeout)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers]

    def stats(self) -> dict:
        with self._lock:
            return {
                "workers": [
                    {"pid": w.pid, "ready": w.ready, "jobs": w.jobs_done, "busy": w.job is not None,
                     "rss_mb": (w.rss or 0) / 2**20}
                    for w in self._workers
                ],
                "pending": len(self._pending),
                "restarts": self.restarts,
                "recycled": self.recycled,
                "available": self.available(),
                "shared_hits": self.shared_hits,
            }

    def close(self, timeout: float = 5.0) -> None:
        """Stop every worker; queued and running jobs fail."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while self._pending:
                self._pending.popleft()._finish("cancelled", error=JobCancelled("pool closed"))
            workers = list(self._workers)
        self._wake()
        self._thread.join(timeout)
        for w in workers:
            w.send(("stop",))
        deadline = time.monotonic() + timeout
        for w in workers:
            try:
                w.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait()
            w.conn.close()
            if w.job is not None:
                w.job._finish("failed", error=WorkerDied("pool closed while the job ran"))
        self._wake_r.close()
        self._wake_w.close()

    # --- internals ---
    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _top_up(self) -> None:
        """Start a worker if one is missing, one at a time (lock held).

        Importing TensorFlow takes seconds of CPU; on a 2-core server two workers starting
        together would each be ready later than one after the other.
        """
        if self._closed:
            return
        if self._start_failures >= MAX_START_FAILURES:
            if time.monotonic() - self._gave_up_at < self.retry_s or self._workers:
                return
            self._start_failures = MAX_START_FAILURES - 1  # one more try; a failure waits again
        live = [w for w in self._workers if not w.retiring]
        if len(live) < self.size and all(w.ready for w in live):
            self._spawn()

    def _spawn(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        env.update(self.env)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("KERAS_BACKEND", "tensorflow")
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        python = env.get("KFL_WORKER_PYTHON") or sys.executable  # read at each start: a fix is picked up
        cmd = [python, "-m", "runtime.pool", "--worker", str(child_sock.fileno()),
               "--prefixes", ",".join(self.prefixes), "--preload", ",".join(self.preload),
               "--warmup", self.warmup or ""]
        try:
            proc = subprocess.Popen(cmd, pass_fds=(child_sock.fileno(),), cwd=str(ROOT), env=env,
                                    stdin=subprocess.DEVNULL)
        except OSError as exc:  # no such interpreter: counts as a worker that could not start
            child_sock.close()
            parent_sock.close()
            sys.stderr.write(f"kfl pool: cannot start a worker: {exc}\n")
            self._start_failures += 1
            self._give_up_if_hopeless(f"cannot start a worker: {exc}")
            self._top_up()  # the next try (bounded: _top_up stops at MAX_START_FAILURES)
            return
        child_sock.close()
        self._workers.append(_Worker(proc, Connection(parent_sock.detach())))

    def _cancel(self, job: Job) -> None:
        with self._lock:
            if job in self._pending:
                self._pending.remove(job)
                job._finish("cancelled", error=JobCancelled(f"job {job.target} cancelled before it started"))
                return
            for w in self._workers:
                if w.job is job:
                    w.send(("cancel", job.id))

    def _assign(self) -> None:
        """Hand queued jobs to idle warm workers (lock held)."""
        for w in self._workers:
            if not self._pending:
                return
            if w.ready and not w.retiring and w.job is None:
                job = self._pending.popleft()
                job.state, job.worker_pid = "running", w.pid
                w.job = job
                if not w.send(("job", job.id, job.target, job.kwargs)):
                    w.job = None
                    job.state = "pending"
                    self._pending.appendleft(job)

    def _retire(self, w: _Worker) -> None:
        """Let an idle worker exit and start its replacement now, so the pool stays warm."""
        w.retiring = True
        w.send(("stop",))
        self.recycled += 1
        self._top_up()

    def _lost(self, w: _Worker) -> None:
        """The worker's socket closed: reap it, fail its job, replace it if unplanned."""
        try:  # whatever it sent before it went is still worth reading
            while w.job is not None and w.conn.poll():
                self._handle(w, w.conn.recv())
        except (EOFError, OSError):
            pass
        try:
            code = w.proc.wait(5)
        except subprocess.TimeoutExpired:
            w.proc.kill()
            code = w.proc.wait()
        w.conn.close()
        self._workers.remove(w)
        if w.job is not None:
            w.job._finish("failed", error=WorkerDied(
                f"the worker process (pid {w.pid}) running {w.job.target} exited with code {code}"))
            w.job = None
        if not w.retiring and not self._closed:
            self.restarts += 1
            if not w.ready:
                self._start_failures += 1
            self._give_up_if_hopeless(f"worker processes exit before they are ready (last exit code {code})")
        self._top_up()

    def _give_up_if_hopeless(self, reason: str) -> None:
        """Nothing can run: fail the queue now rather than let every caller time out (lock held)."""
        if self._start_failures >= MAX_START_FAILURES and not any(x.ready for x in self._workers):
            self._gave_up_at = time.monotonic()
            while self._pending:
                self._pending.popleft()._finish("failed", error=EngineUnavailable(reason))

    def _handle(self, w: _Worker, msg) -> None:
        kind = msg[0]
        if kind == "ready":
            w.ready, w.rss0, w.rss = True, msg[1], msg[1]
            self._start_failures = 0
            self._top_up()
        elif kind == "msg":
            if w.job is not None and w.job.id == msg[1]:
                w.job._emit(msg[2])
        elif kind in ("done", "error"):
            job, w.job = w.job, None
            w.jobs_done += 1
            w.rss = msg[3]
            if job is not None and job.id == msg[1]:
                if kind == "done":
                    job._finish("done", result=msg[2])
                else:
                    job._finish("failed", error=_unpack_error(msg[2]))
            grown = (w.rss - w.rss0) / 2**20 if w.rss and w.rss0 else 0.0
            if w.jobs_done >= self.max_jobs or grown >= self.max_growth:
                self._retire(w)
        elif kind == "warmup_failed":
            sys.stderr.write(f"kfl pool: worker warm-up failed:\n{msg[1]}\n")
            w.ready, w.rss0 = True, msg[2]
            self._top_up()

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                conns = {w.conn: w for w in self._workers}
            try:
                ready = wait([self._wake_r, *conns], timeout=1.0)
            except OSError:
                ready = []
            with self._ready_cond:
                for r in ready:
                    if r is self._wake_r:
                        try:
                            while self._wake_r.recv(4096):
                                pass
                        except (BlockingIOError, OSError):
                            pass
                        continue
                    w = conns[r]
                    if w not in self._workers:
                        continue
                    while True:
                        try:
                            if not w.conn.poll():
                                break
                            msg = w.conn.recv()
                        except (EOFError, OSError):
                            self._lost(w)
                            break
                        self._handle(w, msg)
                # a worker killed from outside may leave no readable socket behind on some systems
                for w in list(self._workers):
                    if w.proc.poll() is not None and w in self._workers:
                        self._lost(w)
                self._top_up()  # after a give-up, the retry comes from here
                self._assign()
                self._ready_cond.notify_all()


def _unpack_error(payload) -> BaseException:
    blob, type_name, text, tb = payload
    if blob is not None:
        try:
            exc = pickle.loads(blob)
            exc.add_note(f"(raised in a worker process)\n{tb}")
            return exc
        except Exception:
            pass
    return RemoteError(f"{type_name}: {text}\n{tb}")


class _InlineCtx:
    def __init__(self, job: Job):
        self._job = job

    def emit(self, msg) -> None:
        self._job._emit(msg)

    def cancelled(self) -> bool:
        return self._job.cancel_requested


class InlinePool(_Sharing):
    """Same API, no processes: each job runs in a thread of this process (KFL_INPROCESS=1, debugging)."""

    def __init__(self, prefixes: tuple = JOB_PACKAGES, **_ignored):
        self.prefixes = tuple(prefixes)
        self.size = 1
        self._init_sharing()

    def submit(self, target: str, **kwargs) -> Job:
        return self._submit(target, kwargs)

    def available(self) -> bool:
        return True

    def _submit(self, target: str, kwargs: dict, place: int | None = None) -> Job:
        job = Job(target, kwargs, None)
        fn = resolve(target, self.prefixes)  # refuse a non-job before starting anything

        def run():
            job.state = "running"
            try:
                job._finish("done", result=fn(_InlineCtx(job), **kwargs))
            except BaseException as exc:  # handed to whoever waits on the result
                job._finish("failed", error=exc)

        threading.Thread(target=run, name=f"kfl-job-{job.id}", daemon=True).start()
        return job

    def call(self, target: str, timeout: float | None = None, **kwargs):
        return self.submit(target, **kwargs).result(timeout)

    def wait_ready(self, timeout=None, all_workers=True) -> bool:
        return True

    def wait_idle(self, timeout=None) -> bool:
        return True

    def pids(self) -> list[int]:
        return []

    def stats(self) -> dict:
        return {"workers": [], "pending": 0, "restarts": 0, "recycled": 0, "available": True,
                "shared_hits": self.shared_hits}

    def close(self, timeout: float = 5.0) -> None:
        pass


# ---------------------------------------------------------------- worker side

def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil

        return psutil.Process().memory_info().rss


def _malloc_trim() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


class _WorkerCtx:
    def __init__(self, conn: Connection, job_id: int, cancelled: set):
        self._conn, self._id, self._cancelled = conn, job_id, cancelled

    def emit(self, msg) -> None:
        self._conn.send(("msg", self._id, msg))

    def cancelled(self) -> bool:
        return self._id in self._cancelled


def _worker_main(fd: int, prefixes: tuple, preload: tuple, warmup: str) -> None:
    import queue

    # Ctrl-C in the terminal reaches the whole process group: the parent decides, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    jobs: queue.Queue = queue.Queue()
    cancelled: set = set()

    def reader():
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                os._exit(0)  # the parent is gone: nobody wants our results
            if msg[0] == "cancel":
                cancelled.add(msg[1])
            elif msg[0] == "stop":
                jobs.put(None)
            else:
                jobs.put(msg)

    threading.Thread(target=reader, name="kfl-worker-reader", daemon=True).start()

    for mod in preload:
        importlib.import_module(mod)
    if warmup:
        try:
            resolve(warmup, prefixes)(_WorkerCtx(conn, 0, set()))
        except Exception:
            conn.send(("warmup_failed", traceback.format_exc(), _rss()))
        else:
            conn.send(("ready", _rss()))
    else:
        conn.send(("ready", _rss()))

    while True:
        item = jobs.get()
        if item is None:
            break
        _, job_id, target, kwargs = item
        try:
            result = resolve(target, prefixes)(_WorkerCtx(conn, job_id, cancelled), **kwargs)
            # Connection.send pickles before writing, so a result that cannot travel
            # fails here, as this job's error, and leaves the stream intact.
            conn.send(("done", job_id, result, _rss()))
        except BaseException as exc:  # every failure goes back to the caller
            try:
                blob = pickle.dumps(exc)
            except Exception:
                blob = None
            conn.send(("error", job_id, (blob, type(exc).__name__, str(exc)[:2000], traceback.format_exc()), _rss()))
        cancelled.discard(job_id)
        if jobs.empty():
            # A Keras model and its traced graph are reference cycles: free them now, while
            # nobody waits, rather than in the middle of the next learner's job; then hand
            # the freed heap back to the system so resident memory follows what is in use.
            gc.collect()
            _malloc_trim()
    conn.close()


def _main(argv: list[str]) -> None:
    args = dict(zip(argv[::2], argv[1::2]))
    _worker_main(
        int(args["--worker"]),
        tuple(p for p in args.get("--prefixes", ",".join(JOB_PACKAGES)).split(",") if p),
        tuple(p for p in args.get("--preload", "").split(",") if p),
        args.get("--warmup", ""),
    )


if __name__ == "__main__":
    _main(sys.argv[1:])
