"""UI shared by the weight-freeze, transfer-learning and fine-tuning pages.

`run(page, slot, job, total_epochs, **kwargs)` runs a core job in a worker with a progress
bar and a growing accuracy chart fed by the job's per-epoch messages, and keeps finished
results (same job, same arguments: same numbers) for every session. Charts are plotly
with labels in the learner's language.
"""
from __future__ import annotations

import collections
import hashlib
import json
import threading

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from runtime.jobs import target
from ui import client as engine
from ui.i18n import t
from ui.model_view import keras_error as keras_says  # noqa: F401 (pages use V.keras_says)
from ui.model_view import output  # noqa: F401

POLL = 0.2
SHARED = 96
_shared: collections.OrderedDict = collections.OrderedDict()
_lock = threading.Lock()

# One colour per strategy everywhere on these pages, so a line means the same thing on every chart.
COLORS = {
    "frozen": "#2563eb", "head": "#2563eb",
    "unfrozen": "#dc2626", "full": "#dc2626",
    "scratch": "#6b7280",
    "partial": "#16a34a",
    "training_false": "#dc2626", "default": "#f59e0b", "bn_frozen": "#2563eb",
    "phase1": "#94a3b8",
}
TRAINABLE = "#16a34a"
FROZEN = "#94a3b8"


def _key(job, kwargs: dict) -> str:
    return hashlib.sha1(json.dumps([target(job), kwargs], sort_keys=True, default=str).encode()).hexdigest()[:20]


def cached(job, **kwargs):
    """A quick job (no training): run once per argument set for every session."""
    key = _key(job, kwargs)
    with _lock:
        if key in _shared:
            return _shared[key]
    res = engine.call(job, **kwargs)
    _store(key, res)
    return res


def _store(key, res):
    with _lock:
        _shared[key] = res
        _shared.move_to_end(key)
        while len(_shared) > SHARED:
            _shared.popitem(last=False)


def run(page: str, slot: str, job: str, total_epochs: int, label=None, **kwargs):
    """Run a training job with live progress; returns its result, or None if it failed.

    label(run_tag) -> the legend text of one run's line on the live chart.
    """
    key = _key(job, kwargs)
    with _lock:
        if key in _shared:
            return _shared[key]
    job_slot = f"{page}__{slot}__job"
    running = st.session_state.get(job_slot)
    if running is not None and running[0] != key:
        running[1].cancel()  # the learner moved a widget: the old run is not wanted any more
        running = None
    if running is None:
        try:
            running = (key, engine.submit(job, **kwargs))
        except Exception as exc:  # the pool could not take the job
            st.error(t("freeze_common.worker_failed", error=type(exc).__name__), icon=":material/error:")
            return None
        st.session_state[job_slot] = running
    handle = running[1]
    progress = st.empty()
    chart = st.empty()
    messages: list = []
    drawn = 0
    progress.progress(0.0, text=t("freeze_common.starting"))
    while True:
        messages.extend(handle.wait_messages(since=len(messages), timeout=POLL))
        if len(messages) > drawn:
            drawn = len(messages)
            progress.progress(min(drawn / max(total_epochs, 1), 1.0),
                              text=t("freeze_common.progress", done=drawn, total=total_epochs))
            chart.plotly_chart(_live_figure(messages, label), width="stretch", key=f"{page}_{slot}_live_{drawn}")
        elif handle.done():
            break
        else:
            # Touch the page, so a rerun can stop this script run now.
            progress.progress(min(drawn / max(total_epochs, 1), 1.0),
                              text=t("freeze_common.progress", done=drawn, total=total_epochs) if drawn
                              else t("freeze_common.starting"))
    st.session_state.pop(job_slot, None)
    progress.empty()
    chart.empty()
    try:
        res = handle.result(10.0)
    except Exception as exc:  # a worker died or the job raised: say so, keep the page alive
        st.error(t("freeze_common.worker_failed", error=type(exc).__name__), icon=":material/error:")
        return None
    if isinstance(res, dict) and res.get("cancelled"):
        return None
    _store(key, res)
    return res


def _live_figure(messages: list, label=None) -> go.Figure:
    runs: dict = {}
    for m in messages:
        runs.setdefault(m.get("run", ""), []).append(m.get("val_accuracy", m.get("accuracy")))
    fig = go.Figure()
    for tag, ys in runs.items():
        base = str(tag).split("@")[0]
        fig.add_trace(go.Scatter(y=ys, x=list(range(1, len(ys) + 1)), mode="lines",
                                 name=label(tag) if label else str(tag),
                                 line=dict(color=COLORS.get(base), dash="dot" if _is_low(str(tag)) else None)))
    layout(fig, t("freeze_common.live_title"), t("freeze_common.axis_epoch"), t("freeze_common.axis_test_accuracy"))
    fig.update_yaxes(range=[0, 1.02])
    return fig


def _is_low(tag: str) -> bool:
    try:
        return float(tag.split("@")[1]) < 1e-3
    except (IndexError, ValueError):
        return False


def layout(fig: go.Figure, title: str, x: str, y: str, height: int = 420) -> go.Figure:
    # Legend under the plot: several runs' names never cover the title or the lines.
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0),
        xaxis_title=x, yaxis_title=y,
    )
    return fig


def curves(series: list[tuple[str, list, str | None, str | None]], title: str, x: str, y: str,
           y_range=None, x_offset: int = 0) -> go.Figure:
    """Lines from (name, values, colour, dash) tuples, epochs counted from 1 (+ x_offset)."""
    fig = go.Figure()
    for name, values, color, dash in series:
        fig.add_trace(go.Scatter(x=list(range(1 + x_offset, len(values) + 1 + x_offset)), y=values, mode="lines",
                                 name=name, line=dict(color=color, dash=dash, width=2.2)))
    layout(fig, title, x, y)
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


def stacked_params(rows: list[dict], title: str, x: str, y: str) -> go.Figure:
    """Per layer: trainable (green) and non-trainable (grey) parameters, stacked."""
    names = [r["layer"] for r in rows]
    fig = go.Figure()
    for field, name, color in (("trainable", t("common.trainable_params"), TRAINABLE),
                               ("non_trainable", t("common.non_trainable_params"), FROZEN)):
        values = [r[field] for r in rows]
        fig.add_trace(go.Bar(x=names, y=values, name=name, marker_color=color,
                             text=[f"{v:,}" if v else "" for v in values], textposition="auto"))
    fig.update_layout(barmode="stack")
    return layout(fig, title, x, y)


def bars(groups: list[tuple[str, list, list, str | None]], title: str, x: str, y: str, log: bool = False,
         text_fmt: str | None = None) -> go.Figure:
    """Grouped bars from (series name, x labels, values, colour)."""
    fig = go.Figure()
    for name, xs, ys, color in groups:
        fig.add_trace(go.Bar(x=xs, y=ys, name=name, marker_color=color,
                             text=[text_fmt.format(v) for v in ys] if text_fmt else None, textposition="outside"))
    fig.update_layout(barmode="group")
    layout(fig, title, x, y)
    if log:
        fig.update_yaxes(type="log")
    return fig


def layer_frame(rows: list[dict], extra: dict | None = None) -> pd.DataFrame:
    """The per-layer table with translated column names."""
    df = pd.DataFrame(rows)
    cols = {
        "layer": t("common.col_layer"), "type": t("common.col_type"), "output_shape": t("common.col_output_shape"),
        "params": t("common.col_params"), "trainable": t("common.col_trainable"),
        "non_trainable": t("common.col_non_trainable"), "is_trainable": "layer.trainable",
    }
    cols.update(extra or {})
    return df.rename(columns={k: v for k, v in cols.items() if k in df.columns})


def pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def num(v) -> str:
    return f"{int(v):,}"


def sci(v: float) -> str:
    """Small positive numbers readably: 0, 3.2e-05, 0.0123."""
    if v == 0:
        return "0"
    return f"{v:.2e}" if abs(v) < 1e-3 else f"{v:.4f}"


def lr_text(lr: float) -> str:
    return f"{lr:g}"
