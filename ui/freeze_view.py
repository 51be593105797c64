"""UI shared by the weight-freeze, transfer-learning and fine-tuning pages.

`run(page, slot, job, total_epochs, label=None, **kwargs)` runs a training job through the one
live loop (`ui.live.run`: progress, queue place, Stop, shared cache, failure message) with the
growing accuracy chart of `ui.charts.runs_live_figure`; `cached(job, **kwargs)` is a quick job
through the same cache (`ui.live.quick`). Figures live in `ui.charts`; tables and number
formats are here.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import charts, live
from ui import client as engine  # noqa: F401 (pages call engine.call for one-off jobs)
from ui.i18n import t
from ui.model_view import keras_error as keras_says  # noqa: F401 (pages use freeze_view.keras_says)
from ui.model_view import output  # noqa: F401

cached = live.quick


def run(page: str, slot: str, job, total_epochs: int, label=None, **kwargs):
    """Run a training job with live progress and Stop; returns its result, or None.

    None: the learner stopped it (said here, with "Run again"), or the engine failed and this
    session never had a good result for the slot (said here too). label(run_tag) -> the
    legend text of one run's line on the live chart.
    """
    name = f"{page}.{slot}"
    out = live.run(name, job, kwargs, total=total_epochs,
                   figure=lambda messages: charts.runs_live_figure(messages, label))
    out.chart.empty()
    result = out.result
    if isinstance(result, dict) and result.get("cancelled"):
        result = None
    if out.stopped:
        with out.status.container():
            note, button = st.columns([4, 1], vertical_alignment="center")
            note.info(t("live.stopped", done=out.done, total=total_epochs), icon=":material/stop_circle:")
            live.again_button(name, out.key, t("live.run_again"), where=button)
        return None
    return result


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
