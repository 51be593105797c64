"""The one live-job loop: every page that runs Keras goes through `quick` or `run`.

    from ui import live

    res = live.quick(jobs.dense_layer, units=4)          # a quick job: dict, or None if the engine failed
    out = live.run("fine_tuning.race", jobs.race, {"k": k},  # a long job, drawn live
                   total=60, figure=lambda messages: fig)
    out.result, out.stopped, out.failed, out.chart, out.status

Both share one result cache (`RESULTS`: LRU, capped in entries and in MB, keyed by the one
hasher `runtime.pool.job_key`) and one reaction to engine failures (`engine_failed`: a message
in the learner's language, never a traceback; `run` then returns the slot's last good result).

`run(slot, job, args, *, total, figure=None, done_of=None, partial=None, stop=True)`:
- `slot` names the place on the page (one job in flight per session and slot);
- `total` is the progress bar's end, `done_of(messages) -> int` how far the job is (default:
  the number of messages), `figure(messages) -> plotly Figure` the live chart (optional);
- `partial(messages)`: the result to keep when the learner stops a job that others still
  share (the job runs on for them), e.g. the curve so far; None: nothing is kept.
Identical work runs once: sessions asking for the same job and arguments attach to the same
running job (`runtime.pool` `share`) and stream the same messages. While the job waits, the
learner sees its place ("2 models ahead of yours"); changing a control again replaces the
session's queued job in place; leaving cancels it (the handle kept in session state does).
A rerun with unchanged arguments re-attaches to the job in flight or reads the cache.

Layout: a fixed-height status row (progress and Stop while running; `out.status`, for the
caller's closing note, after) above `out.chart`; the row keeps its height when Stop goes,
so nothing below jumps. Redraws are throttled: one per REDRAW seconds for a lone watcher, spaced
further when many sessions stream at once (`redraw_every`).
"""
from __future__ import annotations

import collections
import pickle
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from runtime.jobs import check_kwargs, target
from runtime.pool import EngineUnavailable, JobCancelled, WorkerDied, job_key
from ui import client as engine
from ui import shipped
from ui.i18n import t

POLL = 0.15  # seconds between looks at a job: also how soon a rerun can stop this script run
REDRAW = 0.1  # seconds: at most this often a new chart goes to the browser
REDRAW_MAX = 1.0  # seconds: the longest a live chart waits for its next frame, however busy
REDRAWS_PER_S = 20  # new charts per second the whole server sends, shared by every live stream
RESULT_WAIT = 10.0  # after Stop: a job answers within a chunk; allow for a busy machine
PER_SESSION = 6  # stopped runs kept per session and slot
ROW_HEIGHT = 64  # px of the status row (progress + Stop), kept when Stop goes


class ResultCache:
    """Finished results shared by every session: LRU, at most `entries` and about `mb` MB."""

    def __init__(self, entries: int = 512, mb: float = 256.0):
        self.entries, self.max_bytes = entries, int(mb * 2**20)
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._sizes: dict = {}
        self.bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value) -> None:
        try:
            size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # noqa: BLE001 - not picklable: not shared
            return
        if size > self.max_bytes // 4:
            return  # one huge result must not flush everyone else's
        with self._lock:
            self._drop(key)
            self._items[key], self._sizes[key] = value, size
            self.bytes += size
            while len(self._items) > self.entries or self.bytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        if key in self._items:
            del self._items[key]
            self.bytes -= self._sizes.pop(key)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self.bytes = 0


RESULTS = ResultCache()
shipped.load(RESULTS)  # every page's first results, made ahead by the real engine (ui/shipped.py)


def key_of(job, args: dict) -> str:
    return job_key(target(job), args)


def cacheable(result) -> bool:
    """Stopped, cut-short or cancelled runs are the learner's own; everything else is shared."""
    if not isinstance(result, dict):
        return True
    return not result.get("cancelled") and result.get("status") not in ("cancelled", "time_limit")


# ----------------------------------------------------------------------------- failures
def failure_text(exc: BaseException) -> str:
    """The one wording of an engine failure, in the learner's language."""
    if isinstance(exc, EngineUnavailable) or not engine.available():
        return t("live.engine_unavailable")
    if isinstance(exc, WorkerDied):
        return t("live.worker_died")
    if isinstance(exc, TimeoutError):
        return t("live.timeout")
    return t("live.engine_failed")


def engine_failed(exc: BaseException) -> None:
    """The one reaction to an engine failure: say so in the learner's language, no traceback.

    When no worker can start, a small watcher reruns the page once the engine is back.
    """
    st.warning(failure_text(exc), icon=":material/cloud_off:")
    if not engine.available():
        _watch_engine()


@st.fragment(run_every=5)
def _watch_engine() -> None:
    if engine.available():
        st.rerun()


class EngineDown(Exception):
    """Raised by `quick` after its message: the page cannot go on without this result.

    streamlit_app.py ends the page there quietly, so the text and controls above it stay on
    screen and no traceback is shown; the watcher reruns the page once the engine is back.
    """


def quick(job, **kwargs):
    """A quick job through the shared cache: its result; on an engine failure the message is
    shown and `EngineDown` ends the page at this point (use `maybe` where the page can go on)."""
    ok, result = _quick(job, kwargs)
    if not ok:
        raise EngineDown(target(job))
    return result


def cached(job, **kwargs) -> bool:
    """True when `job(**kwargs)`'s result is already known (any learner's, or shipped)."""
    return RESULTS.get(key_of(job, kwargs)) is not None


def maybe(job, **kwargs):
    """Like `quick`, but None after the failure message, for a part the page can do without."""
    return _quick(job, kwargs)[1]


def _quick(job, kwargs: dict) -> tuple[bool, Any]:
    check_kwargs(job, kwargs)  # a misspelled keyword is a bug in the page: let it show
    key = key_of(job, kwargs)
    found = RESULTS.get(key)
    if found is not None:
        return True, found
    try:
        result = engine.call(job, on_late=lambda late: _keep(key, late), **kwargs)
    except Exception as exc:  # noqa: BLE001 - the engine's failure, said once, in words
        engine_failed(exc)
        return False, None
    _keep(key, result)
    return True, result


def _keep(key: str, result) -> None:
    if cacheable(result):
        RESULTS.put(key, result)


# ----------------------------------------------------------------------------- session state
@dataclass
class Outcome:
    """What `run` found: the result, and where to draw what follows."""

    result: Any = None  # the job's result (partial after a Stop); the last good one after a failure
    stopped: bool = False  # the learner pressed Stop on this very run
    failed: bool = False  # the engine failed: the message is shown, `result` may be an older one
    chart: Any = None  # the placeholder the live chart was drawn in: draw the final figure here
    status: Any = None  # the placeholder of the status row (progress / Stop): a closing note goes here
    key: str = ""
    done: int = 0  # how far a stopped run got (in `total`'s units)


class SessionJob(tuple):
    """(run key, ticket) kept in a session; when the session goes away, so does its job.

    Streamlit drops a session's state some time after its browser tab closes; the job that
    session started is then released instead of keeping a shared worker busy.
    """

    def __new__(cls, key: str, ticket):
        return super().__new__(cls, (key, ticket))

    def __del__(self):
        try:
            if not self[1].done():
                self[1].cancel()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to free
            pass


def _state(slot: str) -> dict:
    """This session's record of a slot: the job in flight, stopped runs, the last failure."""
    return st.session_state.setdefault(f"live__{slot}", {"job": None, "stopped": {}, "failed": None,
                                                          "good": None})


def _owner(slot: str) -> str:
    """Who may replace this job: this session's slot. A token kept in the session's own state,
    not Streamlit's session id: AppTest gives every session the same id, and then learners in a
    load test (or a test of ten sessions) would replace each other's queued jobs."""
    token = st.session_state.setdefault("live__owner", uuid.uuid4().hex)
    return f"{token}:{slot}"


def stop(slot: str) -> None:
    """on_click of Stop: runs before the rerun, so the worker hears it at once."""
    running = _state(slot)["job"]
    if running is not None:
        running[1].cancel()


def again(slot: str, key: str) -> None:
    """on_click of "Run again" / "Try again": forget this run's stopped result or failure."""
    state = _state(slot)
    state["stopped"].pop(key, None)
    state["failed"] = None


def again_button(slot: str, key: str, label: str, where=None) -> None:
    (where or st).button(label, key=f"{slot}__again", on_click=again, args=(slot, key), icon=":material/replay:")


def start(slot: str, job, args: dict) -> None:
    """Submit now (e.g. at the top of a page) so the job runs while the page draws; `run` picks it up."""
    key = key_of(job, args)
    state = _state(slot)
    if state["job"] is not None and state["job"][0] == key:
        return
    _drop_running(state)
    if RESULTS.get(key) is None and key not in state["stopped"] and state["failed"] != key:
        try:
            state["job"] = SessionJob(key, engine.share(job, args, owner=_owner(slot)))
        except Exception:  # noqa: BLE001 - `run` tries again and says why
            pass


def _drop_running(state: dict) -> None:
    if state["job"] is not None:
        state["job"][1].cancel()  # the learner changed something: the old run is not wanted any more
        state["job"] = None


# ----------------------------------------------------------------------------- the loop
def run(slot: str, job, args: dict, *, total: int, figure: Callable | None = None,
        done_of: Callable | None = None, partial: Callable | None = None, stop_button: bool = True) -> Outcome:
    """Run `job(**args)` live in `slot`: progress, Stop, live chart; see the module docstring."""
    check_kwargs(job, args)
    key = key_of(job, args)
    state = _state(slot)
    if state["job"] is not None and state["job"][0] != key:
        _drop_running(state)
    status = st.container(height=ROW_HEIGHT, border=False).empty()
    chart = st.empty()
    out = Outcome(chart=chart, status=status, key=key)
    found = RESULTS.get(key)
    if found is None and key in state["stopped"]:
        out.result, out.done, out.stopped = state["stopped"][key]
        return out
    if found is None and state["job"] is not None and state["job"][1].cancel_requested:
        return _collect_stop(slot, state, out, partial, done_of or len)  # Stop was pressed
    if found is not None:
        out.result = state["good"] = found
        return out
    if state["failed"] == key:
        return _show_failure(slot, state, out, None)
    if state["job"] is None:
        try:
            state["job"] = SessionJob(key, engine.share(job, args, owner=_owner(slot)))
        except Exception as exc:  # noqa: BLE001 - the pool could not take the job
            return _show_failure(slot, state, out, exc)
    messages = _stream(slot, state["job"][1], out, total, figure, done_of or len, stop_button)
    return _finish(slot, state, out, messages, partial, done_of or len)


class _Streams:
    """How many sessions are following a live job in this process right now."""

    def __init__(self):
        self.n, self._lock = 0, threading.Lock()

    def __enter__(self):
        with self._lock:
            self.n += 1

    def __exit__(self, *exc):
        with self._lock:
            self.n -= 1


STREAMS = _Streams()


def redraw_every() -> float:
    """Seconds between two frames of one live chart.

    A frame costs the server ~20-30 ms of CPU (the figure is built, validated by Streamlit and
    serialised), all under one GIL. At 10 frames a second, 40 learners watching a lecture's training
    would need more than a core for frames alone, and every other learner's change waits behind
    them. So the server's frame rate is held at REDRAWS_PER_S, shared by the streams: a lone learner
    still gets REDRAW, a class gets fewer frames of the same curve (the last frame is always drawn).
    """
    return min(REDRAW_MAX, max(REDRAW, STREAMS.n / REDRAWS_PER_S))


def _stream(slot: str, ticket, out: Outcome, total: int, figure, done_of, stop_button: bool) -> list:
    """Follow the job until it ends, redrawing at most every `redraw_every()` s; returns its messages."""
    with STREAMS:
        return _follow(slot, ticket, out, total, figure, done_of, stop_button)


def _follow(slot: str, ticket, out: Outcome, total: int, figure, done_of, stop_button: bool) -> list:
    progress, stop_slot = _status_row(slot, out.status, stop_button)
    progress.progress(0.0, text=waiting_text(ticket))
    messages: list = []
    drawn, last_draw = 0, 0.0
    while True:
        every = redraw_every()
        wait = POLL if len(messages) == drawn else max(0.01, every - (time.monotonic() - last_draw))
        messages.extend(ticket.wait_messages(since=len(messages), timeout=wait))
        # A chunk's messages arrive as a burst: draw once per burst, not once per message.
        if len(messages) > drawn and (time.monotonic() - last_draw > every or ticket.done()):
            drawn, last_draw = len(messages), time.monotonic()
            _draw_progress(progress, messages, total, done_of)
            if figure is not None:
                out.chart.plotly_chart(figure(messages), width="stretch", key=f"{slot}__live_{drawn}")
        elif ticket.done() and len(messages) == drawn:
            return messages
        elif drawn:  # nothing new: still touch the page, so a rerun can stop this script run now
            _draw_progress(progress, messages, total, done_of)
        else:
            progress.progress(0.0, text=waiting_text(ticket))


def _status_row(slot: str, status, stop_button: bool):
    with status.container():
        bar, button = st.columns([5, 1], vertical_alignment="center")
        progress = bar.empty()
        if stop_button:
            button.button(t("live.stop"), key=f"{slot}__stop", on_click=stop, args=(slot,),
                          icon=":material/stop_circle:", help=t("live.stop_help"))
    return progress, button


def _draw_progress(progress, messages: list, total: int, done_of) -> None:
    done = int(done_of(messages)) if messages else 0
    progress.progress(min(done / max(total, 1), 1.0), text=t("live.progress", done=done, total=total))


def waiting_text(ticket) -> str:
    """Before the first message: Keras still starting, the learner's place in the queue, or working."""
    if ticket.state != "pending":
        return t("live.building")
    stats = engine.pool().stats()
    if stats["workers"] and not any(w["ready"] for w in stats["workers"]):
        return t("live.starting")
    ahead = ticket.ahead() or 0
    if ahead == 0:
        return t("live.queued_next")
    return t("live.queued_one") if ahead == 1 else t("live.queued_many", n=ahead)


def _finish(slot: str, state: dict, out: Outcome, messages: list, partial, done_of) -> Outcome:
    ticket = state["job"][1]
    state["job"] = None
    out.status.empty()
    try:
        result = ticket.result(RESULT_WAIT)
    except JobCancelled:  # stopped while queued, or detached from a job others still share
        result = partial(messages) if partial is not None and messages else None
    except Exception as exc:  # noqa: BLE001 - the worker died or never answered
        out.chart.empty()
        return _show_failure(slot, state, out, exc)
    if ticket.cancel_requested or not cacheable(result):
        out.done = int(done_of(messages)) if messages else 0
        out.stopped = ticket.cancel_requested
        _keep_stopped(state, out.key, (result, out.done, out.stopped))
    else:
        RESULTS.put(out.key, result)
    out.result = result
    if result is not None and not out.stopped:
        state["good"] = result
    return out


def _collect_stop(slot: str, state: dict, out: Outcome, partial, done_of) -> Outcome:
    """The rerun after Stop: collect what the job did before it stopped."""
    ticket = state["job"][1]
    state["job"] = None
    messages = ticket.wait_messages(since=0, timeout=0)
    try:
        result = ticket.result(RESULT_WAIT)
    except JobCancelled:
        result = partial(messages) if partial is not None and messages else None
    except Exception as exc:  # noqa: BLE001
        return _show_failure(slot, state, out, exc)
    out.done = int(done_of(messages)) if messages else 0
    _keep_stopped(state, out.key, (result, out.done, True))
    out.result, out.stopped = result, True
    return out


def _keep_stopped(state: dict, key: str, entry: tuple) -> None:
    """A session's own stopped or cut-short runs, the last PER_SESSION of them."""
    state["stopped"][key] = entry
    while len(state["stopped"]) > PER_SESSION:
        state["stopped"].pop(next(iter(state["stopped"])))


def _show_failure(slot: str, state: dict, out: Outcome, exc: BaseException | None) -> Outcome:
    """The engine failed for this run: say so, offer a retry, keep the last good result."""
    if exc is not None:
        state["failed"] = out.key
        state["error"] = failure_text(exc)
    st.warning(state.get("error") or t("live.engine_failed"), icon=":material/cloud_off:")
    if engine.available():
        again_button(slot, out.key, t("live.retry"))
    else:
        state["failed"] = None  # nothing to retry by hand: the watcher reruns the page when it is back
        _watch_engine()
    out.failed = True
    out.result = state["good"]
    if out.result is not None:
        st.info(t("live.last_good"), icon=":material/history:")
    return out
