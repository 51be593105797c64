"""UI shared by the Input(), Dense(), outputs and Model() lessons: cached jobs, parsing, charts."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from engine.validate import SpecError
from runtime.jobs import resolve, target
from ui.client import call
from ui.i18n import spec_error_text

# Shared with every page that shows a model; re-exported under the lesson pages' names.
from ui.model_view import keep_last_good, output  # noqa: F401
from ui.model_view import keras_error as keras_says  # noqa: F401


def lesson(job, **kwargs) -> dict:
    """A lesson job, cached on its arguments: the same settings never run Keras twice."""
    return _lesson(target(job), **kwargs)


@st.cache_data(show_spinner=False, max_entries=256)
def _lesson(job_name: str, /, **kwargs) -> dict:
    return call(resolve(job_name), **kwargs)


class Inputs:
    """Collects parse errors from one run of a page, each shown once in the learner's language."""

    def __init__(self):
        self.failed = False

    def parse(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SpecError as e:
            st.error(spec_error_text(e.code, e.params), icon=":material/error:")
            self.failed = True
            return None


def heatmap(z, x_labels, y_labels, title: str, key: str, annotate: bool = True) -> None:
    """A matrix of weights, red below zero and blue above, values written in when they fit."""
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=y_labels,
            colorscale="RdBu",
            zmid=0,
            texttemplate="%{z:.2f}" if annotate else None,
            hovertemplate="%{y} → %{x}: %{z:.4f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=max(200, 90 + 34 * len(y_labels)),
        margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(autorange="reversed", type="category"),
        xaxis=dict(type="category"),
    )
    st.plotly_chart(fig, width="stretch", key=key)


def line_figure(title: str, x_title: str, y_title: str, height: int = 360) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig


def fmt(v: float, digits: int = 4) -> str:
    """Numbers for prose: short, and without a '-0'."""
    s = f"{v:.{digits}g}"
    return "0" if s in ("-0", "0") else s
