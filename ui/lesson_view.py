"""UI shared by the Input(), Dense(), outputs and Model() lessons: cached jobs, parsing, charts."""
from __future__ import annotations

import streamlit as st

from engine.validate import SpecError
from ui import charts
from ui.i18n import spec_error_text
from ui.live import quick

# Shared with every page that shows a model; re-exported under the lesson pages' names.
from ui.model_view import keep_last_good, output  # noqa: F401
from ui.model_view import keras_error as keras_says  # noqa: F401

line_figure = charts.line_figure


def lesson(job, **kwargs) -> dict | None:
    """A lesson job through the shared cache (`ui.live.quick`): the same settings never run
    Keras twice; None (the failure already said) if the engine failed."""
    return quick(job, **kwargs)


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
    """Draw `ui.charts.heatmap` of a weight matrix."""
    st.plotly_chart(charts.heatmap(z, x_labels, y_labels, title, annotate), width="stretch", key=key)


def fmt(v: float, digits: int = 4) -> str:
    """Numbers for prose: short, and without a '-0'."""
    s = f"{v:.{digits}g}"
    return "0" if s in ("-0", "0") else s
