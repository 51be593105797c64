"""The app's one stylesheet: nothing cut off at 1280×720 or 1366×768, in either language.

`inject()` runs once per script run from streamlit_app.py. What it fixes, by rule:
- Python code wraps at the edge of its box (a long layer call stays readable without a
  sideways scroll); fixed-width text such as `model.summary()` keeps its columns and scrolls
  sideways with a scrollbar that is always drawn, in a slightly smaller type so it mostly fits.
- Metric values, widget labels (toggles, sliders), tab labels and link cards wrap instead of
  ending in "…".
- Bengali needs taller lines than Latin text: labels get a little more line height.

Presenter mode's larger type lives in `ui.share.presenter_css`; every figure gets theirs from
`ui.charts.style`.
"""
from __future__ import annotations

import streamlit as st

CSS = """<style>/* kfl global */
/* Code: Python wraps; fixed-width tables (model.summary) scroll visibly. */
[data-testid="stCode"] code.language-python { white-space: pre-wrap !important; overflow-wrap: anywhere; }
[data-testid="stCode"] pre { overflow-x: auto; scrollbar-width: auto; }
[data-testid="stCode"] code.language-text { font-size: .78rem; }
[data-testid="stCode"] pre::-webkit-scrollbar { height: 10px; }
[data-testid="stCode"] pre::-webkit-scrollbar-thumb { background: #94a3b8; border-radius: 5px; }
/* Whole values and labels, never an ellipsis. */
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricValue"] p,
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] p,
[data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stWidgetLabel"] p,
[data-testid="stPageLink"] p,
[data-testid="stPageLink-NavLink"] span,
[data-testid="stCheckbox"] label p,
button[role="tab"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
[data-testid="stMetricValue"] { font-size: clamp(1.05rem, 2.1vw, 1.9rem); line-height: 1.25; }
[data-testid="stMetricValue"] > div { overflow: visible !important; }
[data-testid="stWidgetLabel"], [data-testid="stWidgetLabel"] p { line-height: 1.45; height: auto; }
[data-testid="stPageLink-NavLink"] { height: auto; min-height: 2.5rem; }
/* Inline math and inline code inside prose may break rather than run out of the column. */
[data-testid="stMarkdownContainer"] p code { overflow-wrap: anywhere; }
/* A checkbox's label is a flex item: let it shrink, and its inline code break, in a narrow column. */
[data-testid="stCheckbox"] [data-testid="stWidgetLabel"] { min-width: 0; }
[data-testid="stWidgetLabel"] code { overflow-wrap: anywhere; white-space: pre-wrap !important; }
[data-testid="stMarkdownContainer"] .katex-display { overflow-x: auto; overflow-y: hidden; }
/* Build & train: the result column stays in view while the controls scroll (wide screens only). */
@media (min-width: 1000px) {
  [data-testid="stColumn"]:has(.st-key-build_and_train_view) { position: sticky; top: 3.75rem; align-self: flex-start; }
}
/* No scroll jumps when a rerun swaps a chart or a message appears above the anchor. */
[data-testid="stMain"] { overflow-anchor: none; }
/* A message next to its field: a compact error box. */
.kfl-field-note [data-testid="stAlert"] { padding: .35rem .6rem; }
</style>"""


def inject() -> None:
    """The global stylesheet; call once per script run, before the page draws."""
    st.html(CSS)
