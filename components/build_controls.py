"""Figures and small helpers shared by the build-and-train and compile() pages.

Figures are plain plotly built from job results (lists and arrays): no Keras here. Every
title and axis label arrives already translated, so this module holds no learner text.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components.i18n import spec_error_text, t
from core.validate import SpecError

PALETTE = ("#1f6feb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2")


def _layout(fig, title: str, x: str, y: str, height: int = 360):
    fig.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, height=height, margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        template="plotly_white",
    )
    return fig


def loss_figure(runs: list[tuple[str, dict]], key: str, title: str, x: str, y: str, log_y: bool = False):
    """One solid line per run for `key`, dashed for `val_<key>`, same colour per run."""
    fig = go.Figure()
    for i, (label, history) in enumerate(runs):
        color = PALETTE[i % len(PALETTE)]
        train = history.get(key) or []
        epochs = list(range(1, len(train) + 1))
        fig.add_trace(go.Scatter(x=epochs, y=train, name=label, mode="lines", line=dict(color=color, width=2)))
        val = history.get(f"val_{key}")
        if val:
            fig.add_trace(go.Scatter(x=epochs[: len(val)], y=val, name=f"{label} (val)", mode="lines",
                                     line=dict(color=color, width=2, dash="dash")))
    if log_y:
        fig.update_yaxes(type="log")
    return _layout(fig, title, x, y)


def params_bar(table: list[dict], title: str, x: str, y: str):
    """Parameters per layer, the arithmetic as hover text."""
    names = [r["layer"] for r in table]
    fig = go.Figure(go.Bar(x=names, y=[r["params"] for r in table], text=[f"{r['params']:,}" for r in table],
                           textposition="outside", hovertext=[r["arithmetic"] for r in table],
                           marker_color=PALETTE[0]))
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, title, x, y, height=300)


def curve_figure(p: dict, title: str, x: str, y: str, data_label: str, model_label: str, val_label: str):
    """1-D regression: the data as dots (validation ones marked), the model's prediction as a line."""
    px, py, vs = np.asarray(p["points_x"]), np.asarray(p["points_y"]), int(p["val_start"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=px[:vs], y=py[:vs], mode="markers", name=data_label,
                             marker=dict(size=4, color="#94a3b8")))
    if vs < len(px):
        fig.add_trace(go.Scatter(x=px[vs:], y=py[vs:], mode="markers", name=val_label,
                                 marker=dict(size=5, color="#f59e0b", symbol="x")))
    fig.add_trace(go.Scatter(x=np.asarray(p["x"]), y=np.asarray(p["y_pred"]).ravel(), mode="lines",
                             name=model_label, line=dict(color=PALETTE[0], width=3)))
    return _layout(fig, title, x, y)


def regions_figure(p: dict, title: str, x: str, y: str, class_labels: tuple[str, str], prob_label: str):
    """2-D binary: the predicted probability over the plane, with the data points on top."""
    pts, lab = np.asarray(p["points"]), np.asarray(p["labels"])
    fig = go.Figure(go.Contour(x=np.asarray(p["grid_x"]), y=np.asarray(p["grid_y"]), z=np.asarray(p["z"]),
                               colorscale="RdBu", zmin=0, zmax=1, opacity=0.55, contours=dict(start=0, end=1, size=0.1),
                               colorbar=dict(title=prob_label)))
    for cls, color in ((0, "#b91c1c"), (1, "#1d4ed8")):
        m = lab == cls
        fig.add_trace(go.Scatter(x=pts[m, 0], y=pts[m, 1], mode="markers", name=class_labels[cls],
                                 marker=dict(size=5, color=color, line=dict(width=0.5, color="white"))))
    return _layout(fig, title, x, y, height=420)


def scatter_figure(p: dict, title: str, x: str, y: str, train_label: str, val_label: str):
    """10-D regression: predicted against true for every sample; on the diagonal is perfect."""
    yt, yp, vs = np.asarray(p["y_true"]), np.asarray(p["y_pred"]), int(p["val_start"])
    lo, hi = float(min(yt.min(), yp.min())), float(max(yt.max(), yp.max()))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", showlegend=False,
                             line=dict(color="#64748b", dash="dot")))
    fig.add_trace(go.Scatter(x=yt[:vs], y=yp[:vs], mode="markers", name=train_label,
                             marker=dict(size=5, color=PALETTE[0], opacity=0.6)))
    if vs < len(yt):
        fig.add_trace(go.Scatter(x=yt[vs:], y=yp[vs:], mode="markers", name=val_label,
                                 marker=dict(size=6, color="#f59e0b", symbol="x")))
    return _layout(fig, title, x, y, height=420)


def spec_error_message(err: SpecError, page: str) -> str:
    """A rejection in the learner's language; this page's own codes first, then the shared ones."""
    own = f"{page}.{err.code}"
    text = t(own, **err.params)
    if text == own:
        text = spec_error_text(err.code, err.params)
    if "layer" in err.params and "field" in err.params:
        text = t(f"{page}.layer_prefix", n=err.params["layer"]) + " " + text
    return text
