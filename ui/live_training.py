"""Live training of a spec on a page: the one live loop (`ui.live.run`) with the loss chart.

`train_live(page_key, spec_dict, dataset)` trains the spec on the data set through
`ui.live.run`: a loss chart (`ui.charts.loss_figure`) that grows chunk by chunk, progress,
the learner's place in the queue, Stop, the shared result cache, the one failure reaction.
It returns the job's result (`lessons.spec_jobs.train_spec`) with `"live_drawn": True`, or a
result with "ok": False (a rejected spec, a Keras error) undrawn, for the page to explain,
or `{"ok": False, "engine_error": ...}` after an engine failure (already said here).
Optionally a page calls `start(page_key, spec_dict, dataset)` near its top, so the training
already runs while the page builds its other parts.
"""
from __future__ import annotations

import streamlit as st

from lessons import spec_jobs
from ui import charts, live
from ui.i18n import t

JOB = spec_jobs.train_spec
loss_figure = charts.loss_figure  # pages draw an upload's one-shot curve with the same figure


def _slot(page_key: str) -> str:
    return f"{page_key}.train"


def _args(spec_dict: dict, dataset: str) -> dict:
    return {"spec": spec_dict, "dataset": dataset}


def history_from(messages: list) -> dict:
    """Per-epoch messages -> a history dict ({"loss": [...], "val_loss": [...], ...})."""
    hist: dict = {}
    for m in messages:
        for k, v in m.items():
            if k not in ("epoch", "run"):
                hist.setdefault(k, []).append(v)
    return hist


def _partial(messages: list) -> dict:
    """A run the learner stopped while others still share its job: the curve so far."""
    hist = history_from(messages)
    return {"ok": True, "status": "cancelled", "history": hist, "epochs_run": len(hist.get("loss", [])),
            "seconds": 0.0, "epochs_per_s": 0.0, "predict": None}


def _epoch(messages: list) -> int:
    return int(messages[-1].get("epoch", len(messages)))


def start(page_key: str, spec_dict: dict, dataset: str) -> None:
    """Start the training now, before the page draws anything else; `train_live` picks it up."""
    live.start(_slot(page_key), JOB, _args(spec_dict, dataset))


def train_live(page_key: str, spec_dict: dict, dataset: str, log_y: bool = True) -> dict:
    """Train `spec_dict` on `dataset` with a live loss chart; returns the job's result dict."""
    epochs = int(spec_dict.get("epochs") or 1)
    out = live.run(_slot(page_key), JOB, _args(spec_dict, dataset), total=epochs, done_of=_epoch,
                   figure=lambda messages: charts.loss_figure(history_from(messages), epochs, log_y),
                   partial=_partial)
    result = out.result
    if out.failed:
        return {"ok": False, "engine_error": "shown"} if result is None else {**result, "live_drawn": True}
    if result is None:  # stopped before the first epoch
        result = _partial([])
    if not result.get("ok"):
        out.chart.empty()
        return result
    if result.get("epochs_run"):
        out.chart.plotly_chart(charts.loss_figure(result["history"], epochs, log_y), width="stretch",
                               key=f"{page_key}_train_chart")
    _status_message(result, epochs, page_key, out)
    return {**result, "live_drawn": True}


def _status_message(result: dict, epochs: int, page_key: str, out: live.Outcome) -> None:
    status = result.get("status")
    n = result.get("epochs_run", 0)
    if status == "diverged":  # long explanations go under the chart, not in the fixed status row
        last = (result.get("history") or {}).get("loss") or [float("nan")]
        st.error(t("training.diverged", epoch=n, value=str(last[-1])), icon=":material/warning:")
    elif status == "time_limit":
        st.warning(t("training.time_limit", epoch=n, epochs=epochs, seconds=f"{result.get('seconds', 0.0):.0f}"),
                   icon=":material/timer_off:")
    elif status == "cancelled":
        with out.status.container():
            note, button = st.columns([4, 1], vertical_alignment="center")
            note.info(t("training.stopped", epoch=n, epochs=epochs), icon=":material/stop_circle:")
            live.again_button(_slot(page_key), out.key, t("training.train_again"), where=button)
    elif status == "done":
        out.status.caption(t("training.done", epochs=n, seconds=f"{result.get('seconds', 0.0):.2f}",
                             eps=f"{result.get('epochs_per_s', 0.0):.0f}"))

