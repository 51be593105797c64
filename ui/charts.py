"""Every plotly figure of the app, in one style.

One `style()` for all: white template, the title top left with the legend under the plot
(they never touch), readable log axes (`log_axis`: decades only once the data spans two,
numbers written out, never SI prefixes such as "100μ"), whole numbers on count axes
(`count_axis`: epochs, layers), and larger text in presenter mode. Titles and labels arrive
translated; this module holds no learner text except the chart names of the live loops.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ui.i18n import t
from ui.share import presenting

# The white template as plotly's default, set once: passing template="plotly_white" to every
# figure makes plotly validate and deep-copy the whole template each time (~20 ms of the server's
# CPU per figure, ×10 a second for every learner watching a live chart); the default is attached
# unvalidated when the figure is serialised, and the JSON sent is the same.
pio.templates.default = "plotly_white"

PALETTE = ("#1f6feb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2")
TRAIN_COLOR, VAL_COLOR = "#1f6feb", "#f97316"
DATA_COLOR, VALDATA_COLOR = "#94a3b8", "#f59e0b"
TRAINABLE, FROZEN = "#16a34a", "#94a3b8"
# One colour per strategy on the freezing pages, so a line means the same thing on every chart.
STRATEGY = {
    "frozen": "#2563eb", "head": "#2563eb",
    "unfrozen": "#dc2626", "full": "#dc2626",
    "scratch": "#6b7280",
    "partial": "#16a34a",
    "training_false": "#dc2626", "default": "#f59e0b", "bn_frozen": "#2563eb",
    "phase1": "#94a3b8",
}
NUMBER_FORMAT = ".3~g"  # 0.0001, 2.5, 1e+03 — never "100μ"


def style(fig: go.Figure, title: str = "", x: str = "", y: str = "", height: int = 360) -> go.Figure:
    """The one look of every chart."""
    big = presenting()
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left", y=0.98, yanchor="top"),
        xaxis_title=x, yaxis_title=y, height=height + (60 if big else 0),
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0.0),
        font=dict(size=18 if big else 13), uirevision="keep",
    )
    fig.update_yaxes(exponentformat="none", tickformat=NUMBER_FORMAT if fig.layout.yaxis.type != "category" else None)
    if big:
        _presenter_text(fig)
    return fig


PRESENTER_PX = 18


def _presenter_text(fig: go.Figure) -> go.Figure:
    """Every text of the figure at least 18 px on the projector.

    `font.size` alone is not enough: Streamlit's chart theme sets tick labels and the legend to
    0.75 rem of the page (17.25 px under presenter mode's 23 px root), and plotly takes those
    explicit values over the inherited one. So each text gets its size by name.
    """
    size = PRESENTER_PX
    fig.update_layout(title_font_size=size + 4, legend_font_size=size, legend_title_font_size=size,
                      hoverlabel_font_size=size)
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(tickfont_size=size, title_font_size=size + 1)
    fig.update_traces(textfont_size=size, selector=lambda tr: "textfont" in tr)
    fig.update_traces(colorbar_tickfont_size=size, colorbar_title_font_size=size,
                      selector=lambda tr: "colorbar" in tr)
    return fig


def log_axis(fig: go.Figure, values, axis: str = "y") -> go.Figure:
    """A readable log axis: labels at decades (or 1-2-5 within one), written as plain numbers."""
    pos = [v for v in _flat(values) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]
    span = math.log10(max(pos) / min(pos)) if pos else 0.0
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(type="log", dtick=1 if span >= 2 else "D2", tickformat=NUMBER_FORMAT, exponentformat="none",
           minor=dict(showgrid=span < 2))
    return fig


def count_axis(fig: go.Figure, n: int, axis: str = "x", start: int = 1) -> go.Figure:
    """Whole-number ticks only (epochs, layers): a step of 1, 2, 5, 10, 20 … for about ten labels."""
    step = 1
    for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        step = s
        if n / s <= 10:
            break
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tickmode="linear", tick0=start if step == 1 else 0, dtick=step, tickformat="d")
    return fig


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple, np.ndarray)):
            yield from _flat(v)
        else:
            yield v


def finite(values) -> list:
    """NaN and inf become gaps: plotly would otherwise draw nonsense or drop the whole line."""
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


# ----------------------------------------------------------------------------- training curves
def loss_figure(history: dict, epochs: int, log_y: bool = True) -> go.Figure:
    """Training loss (solid) and validation loss (dashed) against the epoch, x fixed to the run."""
    fig = go.Figure()
    loss = history.get("loss") or []
    x = list(range(1, len(loss) + 1))
    fig.add_trace(go.Scatter(x=x, y=finite(loss), mode="lines", name=t("training.series_loss"),
                             line=dict(color=TRAIN_COLOR, width=2.5)))
    if "val_loss" in history:
        fig.add_trace(go.Scatter(x=x, y=finite(history["val_loss"]), mode="lines",
                                 name=t("training.series_val_loss"),
                                 line=dict(color=VAL_COLOR, width=2.5, dash="dash")))
    style(fig, t("training.chart_title"), t("training.axis_epoch"), t("training.axis_loss"))
    fig.update_xaxes(range=[0.5, max(epochs, 1) + 0.5])
    count_axis(fig, max(epochs, 1))
    if log_y:
        log_axis(fig, [loss, history.get("val_loss") or []])
    return fig


def runs_figure(runs: list[tuple[str, dict]], key: str, title: str, x: str, y: str, log_y: bool = False):
    """One solid line per run for `key`, dashed for `val_<key>`, same colour per run."""
    fig = go.Figure()
    longest = 1
    for i, (label, history) in enumerate(runs):
        color = PALETTE[i % len(PALETTE)]
        train = history.get(key) or []
        epochs = list(range(1, len(train) + 1))
        longest = max(longest, len(train))
        fig.add_trace(go.Scatter(x=epochs, y=finite(train), name=label, mode="lines", line=dict(color=color, width=2)))
        val = history.get(f"val_{key}")
        if val:
            fig.add_trace(go.Scatter(x=epochs[: len(val)], y=finite(val), name=f"{label} (val)", mode="lines",
                                     line=dict(color=color, width=2, dash="dash")))
    style(fig, title, x, y)
    count_axis(fig, longest)
    if log_y:
        log_axis(fig, [h.get(k) or [] for _, h in runs for k in (key, f"val_{key}")])
    return fig


def curves(series: list[tuple[str, list, str | None, str | None]], title: str, x: str, y: str,
           y_range=None, x_offset: int = 0) -> go.Figure:
    """Lines from (name, values, colour, dash) tuples, epochs counted from 1 (+ x_offset)."""
    fig = go.Figure()
    longest = 1
    for name, values, color, dash in series:
        longest = max(longest, len(values) + x_offset)
        fig.add_trace(go.Scatter(x=list(range(1 + x_offset, len(values) + 1 + x_offset)), y=finite(values),
                                 mode="lines", name=name, line=dict(color=color, dash=dash, width=2.2)))
    style(fig, title, x, y, height=420)
    count_axis(fig, longest)
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


def runs_live_figure(messages: list, label=None) -> go.Figure:
    """The freezing pages' live chart: test accuracy per epoch, one line per tagged run."""
    runs: dict = {}
    for m in messages:
        runs.setdefault(m.get("run", ""), []).append(m.get("val_accuracy", m.get("accuracy")))
    series = []
    for tag, ys in runs.items():
        low = _low_rate(str(tag))
        series.append((label(tag) if label else str(tag), ys, STRATEGY.get(str(tag).split("@")[0]),
                       "dot" if low else None))
    return curves(series, t("freeze_common.live_title"), t("freeze_common.axis_epoch"),
                  t("freeze_common.axis_test_accuracy"), y_range=[0, 1.02])


def _low_rate(tag: str) -> bool:
    try:
        return float(tag.split("@")[1]) < 1e-3
    except (IndexError, ValueError):
        return False


# ----------------------------------------------------------------------------- bars and matrices
def bars(groups: list[tuple[str, list, list, str | None]], title: str, x: str, y: str, log: bool = False,
         text_fmt: str | None = None) -> go.Figure:
    """Grouped bars from (series name, x labels, values, colour)."""
    fig = go.Figure()
    for name, xs, ys, color in groups:
        fig.add_trace(go.Bar(x=xs, y=ys, name=name, marker_color=color,
                             text=[text_fmt.format(v) for v in ys] if text_fmt else None, textposition="outside"))
    fig.update_layout(barmode="group")
    style(fig, title, x, y, height=420)
    if log:
        log_axis(fig, [ys for _, _, ys, _ in groups])
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
    style(fig, title, x, y, height=420)
    fig.update_yaxes(tickformat=",d")
    return fig


def params_bar(table: list[dict], title: str, x: str, y: str) -> go.Figure:
    """Parameters per layer, the arithmetic as hover text."""
    names = [r["layer"] for r in table]
    fig = go.Figure(go.Bar(x=names, y=[r["params"] for r in table], text=[f"{r['params']:,}" for r in table],
                           textposition="outside", hovertext=[r["arithmetic"] for r in table],
                           marker_color=PALETTE[0]))
    style(fig, title, x, y, height=300)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def heatmap(z, x_labels, y_labels, title: str, annotate: bool = True) -> go.Figure:
    """A matrix of weights, red below zero and blue above, values written in when they fit."""
    fig = go.Figure(go.Heatmap(z=z, x=x_labels, y=y_labels, colorscale="RdBu", zmid=0,
                               texttemplate="%{z:.2f}" if annotate else None,
                               hovertemplate="%{y} → %{x}: %{z:.4f}<extra></extra>"))
    style(fig, title, height=max(200, 90 + 34 * len(y_labels)))
    fig.update_layout(yaxis=dict(autorange="reversed", type="category", tickformat=None),
                      xaxis=dict(type="category"), margin=dict(t=40))
    return fig


def confusion_figure(p: dict, classes: list, title: str, x: str, y: str) -> go.Figure:
    """Counts of true class (rows) against predicted class (columns), numbers in the cells."""
    labels = [str(c) for c in classes] or [str(i) for i in range(len(p["matrix"]))]
    m = np.asarray(p["matrix"])
    fig = go.Figure(go.Heatmap(z=m, x=labels, y=labels, colorscale="Blues", showscale=False,
                               text=m, texttemplate="%{text}", textfont=dict(size=16)))
    style(fig, title, x, y, height=max(300, 60 * len(labels) + 120))
    fig.update_yaxes(autorange="reversed", type="category", tickformat=None)
    fig.update_xaxes(type="category", side="bottom")
    return fig


# ----------------------------------------------------------------------------- predictions
def line_figure(title: str, x_title: str, y_title: str, height: int = 360) -> go.Figure:
    """An empty styled figure, for a page that adds its own traces."""
    return style(go.Figure(), title, x_title, y_title, height)


def curve_figure(p: dict, title: str, x: str, y: str, data_label: str, model_label: str, val_label: str):
    """1-D regression: the data as dots (validation ones marked), the model's prediction as a line."""
    px, py, vs = np.asarray(p["points_x"]), np.asarray(p["points_y"]), int(p["val_start"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=px[:vs], y=py[:vs], mode="markers", name=data_label,
                             marker=dict(size=4, color=DATA_COLOR)))
    if vs < len(px):
        fig.add_trace(go.Scatter(x=px[vs:], y=py[vs:], mode="markers", name=val_label,
                                 marker=dict(size=5, color=VALDATA_COLOR, symbol="x")))
    fig.add_trace(go.Scatter(x=np.asarray(p["x"]), y=np.asarray(p["y_pred"]).ravel(), mode="lines",
                             name=model_label, line=dict(color=PALETTE[0], width=3)))
    return style(fig, title, x, y)


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
    return style(fig, title, x, y, height=420)


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
                                 marker=dict(size=6, color=VALDATA_COLOR, symbol="x")))
    return style(fig, title, x, y, height=420)


def class_regions(grid_x, grid_y, region, points, labels, n_classes: int, colors, title: str, x: str, y: str):
    """Multi-class: the predicted class over the plane (light), the data points on top."""
    colors = list(colors)[:n_classes]
    scale = [[i / max(n_classes - 1, 1), c] for i, c in enumerate(colors)]
    fig = go.Figure()
    fig.add_heatmap(x=grid_x, y=grid_y, z=region, colorscale=scale, zmin=0, zmax=n_classes - 1,
                    opacity=0.35, showscale=False, hoverinfo="skip")
    for c in sorted({int(v) for v in labels}):
        pts = [p for p, v in zip(points, labels) if int(v) == c]
        fig.add_scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name=f"{c}",
                        marker=dict(size=6, color=colors[c % len(colors)], line=dict(width=0.5, color="white")))
    return style(fig, title, x, y, height=440)


# One colour per class on the outputs page's region map; ten, the most units a head may have there.
CLASS_COLORS = ("#2563eb", "#dc2626", "#16a34a", "#ca8a04", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c",
                "#475569")


def points_and_lines(points: tuple[list, list, str] | None, lines: list[tuple[str, list, list, str | None, str | None]],
                     title: str, x: str, y: str, height: int = 360) -> go.Figure:
    """Data as grey dots (xs, ys, name), then lines from (name, xs, ys, colour, dash), in that trace order."""
    fig = go.Figure()
    if points is not None:
        px_, py_, name = points
        fig.add_trace(go.Scatter(x=px_, y=py_, mode="markers", name=name, marker={"size": 5, "color": DATA_COLOR}))
    for i, (name, xs, ys, color, dash) in enumerate(lines):
        fig.add_trace(go.Scatter(x=xs, y=finite(ys), mode="lines", name=name,
                                 line={"width": 3 if dash is None else 2, "dash": dash,
                                       "color": color or PALETTE[i % len(PALETTE)]}))
    return style(fig, title, x, y, height=height)


# ----------------------------------------------------------------------------- several seeds of one run
def _rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    return f"rgba({int(c[0:2], 16)}, {int(c[2:4], 16)}, {int(c[4:6], 16)}, {alpha})"


def band_curves(series: list[tuple[str, list, list, list, str, str | None]], title: str, x: str, y: str,
                y_range=None) -> go.Figure:
    """Mean curves with their min–max band: (name, mean, low, high, colour, dash); low/high may be empty."""
    fig = go.Figure()
    longest = 1
    for name, mean, low, high, color, dash in series:
        xs = list(range(1, len(mean) + 1))
        longest = max(longest, len(mean))
        if low and high:
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=finite(list(high) + list(low)[::-1]), fill="toself",
                                     fillcolor=_rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                                     showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(x=xs, y=finite(mean), name=name, mode="lines", legendgroup=name,
                                 line=dict(color=color, width=2.5, dash=dash)))
    style(fig, title, x, y)
    count_axis(fig, longest)
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


def spread_dots(groups: list[tuple[str, list, str]], title: str, x: str, y: str, mean_name: str,
                each_name: str, y_range=None) -> go.Figure:
    """Per group: every seed's value as a dot and the mean as a bar with a min–max whisker."""
    fig = go.Figure()
    for i, (label, values, color) in enumerate(groups):
        vals = [v for v in values if v is not None]
        if not vals:
            continue
        mean = float(np.mean(vals))
        fig.add_trace(go.Bar(x=[label], y=[mean], marker_color=_rgba(color, 0.35), name=mean_name,
                             legendgroup="mean", showlegend=i == 0, width=0.5,
                             error_y=dict(type="data", symmetric=False, array=[max(vals) - mean],
                                          arrayminus=[mean - min(vals)], color=color, thickness=2, width=12)))
        fig.add_trace(go.Scatter(x=[label] * len(vals), y=vals, mode="markers", name=each_name, legendgroup="each",
                                 showlegend=i == 0, marker=dict(color=color, size=10, line=dict(color="white", width=1))))
    style(fig, title, x, y)
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig
