"""Live training on a page: the loss curve grows while a worker trains, Stop ends it.

`train_live(page_key, spec_dict, dataset)` is the whole contract: it starts (or finds) the
training of this spec on this data set, draws a plotly chart of the training and
validation loss that grows chunk by chunk, a progress bar and a Stop button, and returns
the job's result (`lessons.spec_jobs.train`), with `"live_drawn": True`. Optionally a page
calls `start(page_key, spec_dict, dataset)` near its top, so the training already runs while
the page builds its other parts.

How a rerun is handled (Streamlit runs each rerun in a new thread; the old one stops only
at its next `st.*` call, which here comes at least every POLL seconds):
- same spec and data as the finished run: the stored result, drawn at once, no retraining;
- same spec as the run in flight (e.g. the language was switched): re-attach to that job
  and replay its epochs so far;
- a different spec: cancel the job in flight, start the new one;
- Stop: the button's callback cancels the job before the rerun starts; the rerun collects
  the partial result and keeps it until a widget changes or "Train again" is pressed.
Finished runs are also shared between sessions (same spec, same seed, same data: the same
numbers), so a classroom opening the default model trains it once.
"""
from __future__ import annotations

import collections
import hashlib
import json
import math
import threading
import time

import plotly.graph_objects as go
import streamlit as st

from lessons import spec_jobs
from runtime.pool import JobCancelled
from ui import client as engine
from ui.i18n import t

JOB = spec_jobs.train_spec
POLL = 0.15  # seconds between looks at the job: also how soon a rerun can stop this one
REDRAW = 0.1  # seconds: at most this often a new chart goes to the browser
RESULT_WAIT = 10.0  # after Stop: the job answers within a chunk (~0.25 s); allow for a busy machine
PER_SESSION = 6  # finished runs kept per page and session
SHARED = 64  # finished runs kept for every session

_shared: collections.OrderedDict = collections.OrderedDict()
_shared_lock = threading.Lock()

# What a run stopped before its first epoch looks like.
_NOT_STARTED = {"ok": True, "status": "cancelled", "history": {"loss": []}, "epochs_run": 0,
                "seconds": 0.0, "epochs_per_s": 0.0, "predict": None}

TRAIN_COLOR = "#1f6feb"
VAL_COLOR = "#f97316"


def run_key(spec_dict: dict, dataset: str) -> str:
    blob = json.dumps([spec_dict, dataset], sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:20]


def _session_results(page_key: str) -> collections.OrderedDict:
    return st.session_state.setdefault(f"{page_key}__train_results", collections.OrderedDict())


def _remember(page_key: str, key: str, result: dict) -> None:
    results = _session_results(page_key)
    results[key] = result
    results.move_to_end(key)
    while len(results) > PER_SESSION:
        results.popitem(last=False)
    if result.get("ok") and result.get("status") in ("done", "diverged"):
        with _shared_lock:
            _shared[key] = result
            _shared.move_to_end(key)
            while len(_shared) > SHARED:
                _shared.popitem(last=False)


def _lookup(page_key: str, key: str) -> dict | None:
    found = _session_results(page_key).get(key)
    if found is None:
        with _shared_lock:
            found = _shared.get(key)
    return found


def _stop(page_key: str) -> None:
    """on_click of Stop: runs before the rerun, so the worker hears it at once."""
    running = st.session_state.get(f"{page_key}__train_job")
    if running is not None:
        running[1].cancel()


def _train_again(page_key: str, key: str) -> None:
    _session_results(page_key).pop(key, None)


def _finite(values):
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


def loss_figure(history: dict, epochs: int, log_y: bool = True) -> go.Figure:
    """Training loss (solid) and validation loss (dashed) against the epoch, x fixed to the run."""
    fig = go.Figure()
    loss = history.get("loss") or []
    x = list(range(1, len(loss) + 1))
    fig.add_trace(go.Scatter(x=x, y=_finite(loss), mode="lines", name=t("training.series_loss"),
                             line=dict(color=TRAIN_COLOR, width=2.5)))
    if "val_loss" in history:
        fig.add_trace(go.Scatter(x=x, y=_finite(history["val_loss"]), mode="lines", name=t("training.series_val_loss"),
                                 line=dict(color=VAL_COLOR, width=2.5, dash="dash")))
    fig.update_xaxes(title=t("training.axis_epoch"), range=[0.5, max(epochs, 1) + 0.5])
    fig.update_yaxes(title=t("training.axis_loss"), type="log" if log_y else "linear")
    fig.update_layout(title=t("training.chart_title"), height=360, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                      uirevision="keep")
    return fig


def _history_from(messages: list) -> dict:
    hist: dict = {}
    for m in messages:
        for k, v in m.items():
            if k not in ("epoch", "run"):
                hist.setdefault(k, []).append(v)
    return hist


def _status_message(result: dict, epochs: int, page_key: str, key: str) -> None:
    status = result.get("status")
    n = result.get("epochs_run", 0)
    if status == "diverged":
        last = (result.get("history") or {}).get("loss") or [float("nan")]
        st.error(t("training.diverged", epoch=n, value=str(last[-1])), icon=":material/warning:")
    elif status == "time_limit":
        st.warning(t("training.time_limit", epoch=n, epochs=epochs, seconds=f"{result.get('seconds', 0.0):.0f}"),
                   icon=":material/timer_off:")
    elif status == "cancelled":
        st.info(t("training.stopped", epoch=n, epochs=epochs), icon=":material/stop_circle:")
        st.button(t("training.train_again"), key=f"{page_key}_train_again", on_click=_train_again,
                  args=(page_key, key), icon=":material/replay:")
    elif status == "done":
        st.caption(t("training.done", epochs=n, seconds=f"{result.get('seconds', 0.0):.2f}",
                     eps=f"{result.get('epochs_per_s', 0.0):.0f}"))


def _waiting_text(job) -> str:
    """Before the first epoch: is a worker still importing TensorFlow, or just busy?"""
    if job.state == "pending":
        workers = engine.pool().stats()["workers"]
        if not any(w["ready"] for w in workers):
            return t("training.starting")
        return t("training.queued")
    return t("training.building")


def _engine_failure(exc: BaseException) -> dict:
    st.error(t("training.worker_failed", error=type(exc).__name__), icon=":material/error:")
    return {"ok": False, "engine_error": f"{type(exc).__name__}: {exc}"[:500]}


class _Running(tuple):
    """(run key, job) kept in a session; when the session goes away, so does its training.

    Streamlit drops a session's state some time after its browser tab closes; the job that
    session started is then cancelled instead of keeping a shared worker busy.
    """

    def __new__(cls, key: str, job):
        return super().__new__(cls, (key, job))

    def __del__(self):
        job = self[1]
        try:
            if not job.done():
                job.cancel()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to free
            pass


def start(page_key: str, spec_dict: dict, dataset: str) -> None:
    """Start the training now, before the page draws anything else; `train_live` picks it up.

    On two workers the training then runs beside the page's other jobs (the describe job
    that draws the model), instead of after them. Does nothing if the result is known or
    this very run is already in flight.
    """
    key = run_key(spec_dict, dataset)
    job_slot = f"{page_key}__train_job"
    running = st.session_state.get(job_slot)
    if running is not None and running[0] == key:
        return
    if running is not None:
        running[1].cancel()
        st.session_state.pop(job_slot, None)
    if _lookup(page_key, key) is not None:
        return
    try:
        st.session_state[job_slot] = _Running(key, engine.submit(JOB, spec=spec_dict, dataset=dataset))
    except Exception:  # noqa: BLE001 - train_live will try again and say why
        pass


def train_live(page_key: str, spec_dict: dict, dataset: str, log_y: bool = True) -> dict:
    """Train `spec_dict` on `dataset` with a live loss chart; returns the job's result dict.

    A result with "ok": False (a rejected spec, a Keras error) is returned undrawn, for the
    page to explain; an engine failure (worker died, timeout) is shown here.
    """
    key = run_key(spec_dict, dataset)
    epochs = int(spec_dict.get("epochs") or 1)
    job_slot = f"{page_key}__train_job"

    done = _lookup(page_key, key)
    running = st.session_state.get(job_slot)
    if running is not None and running[0] != key:
        running[1].cancel()  # the learner changed something: the old run is not wanted any more
        st.session_state.pop(job_slot, None)
        running = None

    if done is None and running is not None and running[1].cancel_requested:
        # Stop was pressed: collect what the job trained before it stopped.
        st.session_state.pop(job_slot, None)
        try:
            done = running[1].result(RESULT_WAIT)
        except JobCancelled:  # stopped while still queued: nothing was trained
            done = _NOT_STARTED
        except Exception as exc:  # the worker died or never answered
            return _engine_failure(exc)
        running = None
        _remember(page_key, key, done)

    if done is not None:
        if not done.get("ok"):
            return done
        if done.get("epochs_run"):
            st.plotly_chart(loss_figure(done["history"], epochs, log_y), width="stretch",
                            key=f"{page_key}_train_chart")
        _status_message(done, epochs, page_key, key)
        return {**done, "live_drawn": True}

    if running is None:
        try:
            job = engine.submit(JOB, spec=spec_dict, dataset=dataset)
        except Exception as exc:  # the pool could not take the job
            return _engine_failure(exc)
        running = _Running(key, job)
        st.session_state[job_slot] = running
    job = running[1]

    progress = st.empty()
    progress.progress(0.0, text=_waiting_text(job))
    stop_slot = st.empty()
    stop_slot.button(t("training.stop"), key=f"{page_key}_train_stop", on_click=_stop, args=(page_key,),
                     icon=":material/stop_circle:", help=t("training.stop_help"))
    chart = st.empty()
    messages: list = []
    drawn = 0
    last_draw = 0.0
    while True:
        wait = POLL if len(messages) == drawn else max(0.01, REDRAW - (time.monotonic() - last_draw))
        new = job.wait_messages(since=len(messages), timeout=wait)
        messages.extend(new)
        # A chunk's epochs arrive as a burst: draw once per burst, not once per message.
        if len(messages) > drawn and (time.monotonic() - last_draw > REDRAW or job.done()):
            drawn, last_draw = len(messages), time.monotonic()
            e = messages[-1].get("epoch", drawn)
            progress.progress(min(e / epochs, 1.0), text=t("training.progress", epoch=e, epochs=epochs))
            chart.plotly_chart(loss_figure(_history_from(messages), epochs, log_y), width="stretch",
                               key=f"{page_key}_train_chart_live_{drawn}")
        elif job.done() and len(messages) == drawn:
            break
        else:
            # Nothing new: still touch the page, so a rerun can stop this script run now.
            progress.progress(min(drawn / epochs, 1.0) if drawn else 0.0,
                              text=t("training.progress", epoch=drawn, epochs=epochs) if drawn else _waiting_text(job))

    st.session_state.pop(job_slot, None)
    progress.empty()
    stop_slot.empty()
    try:
        result = job.result(RESULT_WAIT)
    except JobCancelled:
        result = _NOT_STARTED
    except Exception as exc:  # the worker died or never answered
        return _engine_failure(exc)
    _remember(page_key, key, result)
    if not result.get("ok") or not result.get("epochs_run"):
        chart.empty()
    else:
        chart.plotly_chart(loss_figure(result["history"], epochs, log_y), width="stretch",
                           key=f"{page_key}_train_chart")
    if not result.get("ok"):
        return result
    _status_message(result, epochs, page_key, key)
    return {**result, "live_drawn": True}

