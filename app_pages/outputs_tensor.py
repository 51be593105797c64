"""3 · The outputs tensor: a KerasTensor, not a model; heads per task, and a wrong head trained live."""
import plotly.graph_objects as go
import streamlit as st

from engine.spec import ACTIVATIONS
from lessons import outputs_tensor as jobs
from lessons.outputs_tensor import HEAD_MAX_UNITS, HEAD_TASKS, TEXTBOOK_HEAD
from ui import predict
from ui.i18n import page_header, t
from ui.lesson_view import fmt, keep_last_good, keras_says, lesson, line_figure, output

P = "outputs_tensor"
ACT_OPTIONS = ["None", *ACTIVATIONS]
# (button, task, units, activation): the textbook head and three classic mistakes.
EXAMPLES = [
    ("try_sigmoid_reg", "regression", 1, "sigmoid"),
    ("try_softmax_one", "binary", 1, "softmax"),
    ("try_three_into_one", "multiclass", 1, "sigmoid"),
]
CLASS_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#ca8a04", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c",
                "#475569"]


def _set(task: str, units: int, activation: str) -> None:
    st.session_state[f"{P}_task"] = task
    st.session_state[f"{P}_units"] = units
    st.session_state[f"{P}_activation"] = activation


def _set_good() -> None:
    task = st.session_state.get(f"{P}_task", "regression")
    units, act = TEXTBOOK_HEAD[task]
    _set(task, units, act)


def head_text(units: int, activation: str | None) -> str:
    return f"Dense({units}, activation=\"{activation}\")" if activation else f"Dense({units})"


page_header(P)
st.markdown(t(f"{P}.what"))

st.subheader(t(f"{P}.controls"))
c1, c2, c3 = st.columns([2, 1, 1])
with c1:
    # Option labels stay the technical words, so a shared link means the same in both languages;
    # the explanation in the learner's language goes underneath.
    task = st.radio(t(f"{P}.task_label"), HEAD_TASKS, key=f"{P}_task",
                    captions=[t(f"{P}.task_{k}") for k in HEAD_TASKS], bind="query-params")
with c2:
    units = st.number_input(t(f"{P}.units_label"), min_value=1, max_value=HEAD_MAX_UNITS, value=1, step=1,
                            key=f"{P}_units", bind="query-params")
with c3:
    act_choice = st.selectbox(t(f"{P}.activation_label"), ACT_OPTIONS, index=ACT_OPTIONS.index("linear"),
                              key=f"{P}_activation", bind="query-params")
activation = None if act_choice == "None" else act_choice

st.caption(t(f"{P}.try_label"))
b = st.columns(4)
b[0].button(t(f"{P}.try_good"), key=f"{P}_try_good", on_click=_set_good, icon=":material/check:")
for col, (label, ex_task, ex_units, ex_act) in zip(b[1:], EXAMPLES):
    col.button(t(f"{P}.{label}"), key=f"{P}_{label}", on_click=_set, args=(ex_task, ex_units, ex_act),
               icon=":material/bug_report:")

with st.spinner(t(f"{P}.training")):
    res = lesson(jobs.output_head, task=task, units=int(units), activation=activation)
fit_error = res if (not res["ok"] and "keras_error" in res and "outputs" in res) else None
shown, current = keep_last_good(P, "head", res if fit_error is None else None)
if fit_error is not None:
    # The tensor part succeeded; only training refused this head. Show both.
    shown = fit_error

is_labels = {o: t(f"{P}.is_opt_{o}") for o in ("keras_tensor", "model", "array")}
if shown is not None and "outputs" in shown:
    o_type = shown["outputs"]["type"]
    is_actual = "keras_tensor" if o_type == "KerasTensor" else "model" if shown["outputs"]["is_model"] else "array"
    gate_open = predict.gate(P, "is", t(f"{P}.is_gate"), options=list(is_labels), labels=is_labels,
                             actual=is_actual, actual_text=f"`{o_type}`, shape `{shown['outputs']['shape']}`")
else:
    gate_open = False
if gate_open:
    st.subheader(t(f"{P}.tensor_title"))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(t(f"{P}.tensor_code"))
        st.code(shown["code"], language="python")
    with right:
        st.markdown(t(f"{P}.printed"))
        output(shown["outputs"]["repr"])
        st.markdown(t(f"{P}.summary_try"))
        keras_says(shown["summary_error"])
    m1, m2, m3 = st.columns(3)
    m1.metric(t(f"{P}.m_type"), shown["outputs"]["type"])
    m2.metric(t(f"{P}.m_shape"), shown["outputs"]["shape"])
    m3.metric(t(f"{P}.m_is_model"), str(shown["outputs"]["is_model"]))
    st.markdown(t(f"{P}.wrap"))
    m1, m2, m3 = st.columns(3)
    m1.metric(t(f"{P}.m_model_type"), shown["model"]["type"])
    m2.metric(t(f"{P}.m_model_is"), str(shown["model"]["is_model"]))
    if "predict_shape" in shown:
        n, k = shown["predict_shape"]
        m3.metric(t(f"{P}.m_predict"), f"({n}, {k})")
        st.caption(t(f"{P}.predict_note", n=n))

st.subheader(t(f"{P}.heads_title"))
st.markdown(t(f"{P}.heads_table"))
good_units, good_act = TEXTBOOK_HEAD[task]
if shown is not None and "outputs" in shown:
    mine = head_text(shown["units"], shown["activation"])
    if shown["matches"]:
        st.success(t(f"{P}.verdict_good", head=mine), icon=":material/check_circle:")
    else:
        st.warning(t(f"{P}.verdict_bad", head=mine, good=head_text(good_units, good_act)), icon=":material/warning:")

if fit_error is not None:
    st.error(t(f"{P}.fit_failed"), icon=":material/error:")
    keras_says(fit_error["keras_error"])
    for w in fit_error.get("warnings", []):
        output(w)
    st.stop()
if shown is None or "losses" not in shown:
    st.stop()

r = shown
st.subheader(t(f"{P}.train_title", steps=r["steps"], n=r["n"]))
st.markdown(t(f"{P}.train_text", loss=r["loss"]))
m = st.columns(4)
m[0].metric(t(f"{P}.m_loss"), fmt(r["final_loss"], 3))
if r["task"] == "regression":
    m[1].metric(t(f"{P}.m_mse"), fmt(r["mse"], 3))
else:
    m[1].metric(t(f"{P}.m_accuracy"), f"{r['accuracy']:.0%}")
m[2].metric(t(f"{P}.m_out_range"), f"{fmt(r['out_min'], 3)} … {fmt(r['out_max'], 3)}")
m[3].metric(t(f"{P}.m_target_range"), f"{fmt(r['target_min'], 3)} … {fmt(r['target_max'], 3)}")

if r["warnings"]:
    st.markdown(t(f"{P}.keras_warns"))
    for w in r["warnings"]:
        output("UserWarning: " + w)

if r["task"] == "regression":
    fig = line_figure("", t(f"{P}.axis_x"), t(f"{P}.axis_y"), height=400)
    fig.add_scatter(x=[p[0] for p in r["x"]], y=r["y"], mode="markers", name=t(f"{P}.series_data"),
                    marker=dict(size=5, color="#94a3b8"))
    fig.add_scatter(x=r["grid"], y=r["grid_pred"], mode="lines", name=t(f"{P}.series_pred"),
                    line=dict(width=3, color="#dc2626"))
    st.plotly_chart(fig, width="stretch", key=f"{P}_fit_chart")
    outside = sum(1 for v in r["y"] if v > r["out_max"] + 0.02 or v < r["out_min"] - 0.02) / len(r["y"])
    # Only a head that differs from the textbook one is blamed: a linear head misses a few noisy points too.
    if not r["matches"] and outside > 0.05:
        st.warning(t(f"{P}.unreachable", tmin=fmt(r["target_min"], 3), tmax=fmt(r["target_max"], 3),
                     omin=fmt(r["out_min"], 3), omax=fmt(r["out_max"], 3), share=f"{outside:.0%}"),
                   icon=":material/block:")
else:
    fig = go.Figure()
    n_cls = max(max(int(v) for v in r["y"]) + 1, int(r["units"]), 2)
    colors = CLASS_COLORS[:n_cls]
    scale = [[i / max(n_cls - 1, 1), c] for i, c in enumerate(colors)]
    fig.add_heatmap(x=r["grid_x"], y=r["grid_y"], z=r["region"], colorscale=scale, zmin=0, zmax=n_cls - 1,
                    opacity=0.35, showscale=False, hoverinfo="skip")
    for c in sorted({int(v) for v in r["y"]}):
        pts = [p for p, v in zip(r["x"], r["y"]) if int(v) == c]
        fig.add_scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name=f"{c}",
                        marker=dict(size=6, color=colors[c % len(colors)], line=dict(width=0.5, color="white")))
    fig.update_layout(title=t(f"{P}.region_title"), xaxis_title=t(f"{P}.axis_x1"), yaxis_title=t(f"{P}.axis_x2"),
                      height=440, margin=dict(l=10, r=10, t=50, b=10))
    st.plotly_chart(fig, width="stretch", key=f"{P}_region_chart")
    real = r.get("outputs_loss")
    if real is not None and r["final_loss"] < 0.5 * real and real - r["final_loss"] > 0.1:
        st.warning(t(f"{P}.logits_shortcut", keras=fmt(r["final_loss"], 3), real=fmt(real, 3)),
                   icon=":material/visibility_off:")
    if r["out_min"] == r["out_max"]:
        st.warning(t(f"{P}.always_one", v=fmt(r["out_min"])), icon=":material/block:")
    elif r["units"] == 1 and (r["out_min"] < 0 or r["out_max"] > 1):
        st.warning(t(f"{P}.not_probability", lo=fmt(r["out_min"], 3), hi=fmt(r["out_max"], 3)),
                   icon=":material/block:")
    elif r["units"] > 1 and (abs(r["row_sums"][0] - 1) > 1e-3 or abs(r["row_sums"][1] - 1) > 1e-3):
        st.warning(t(f"{P}.not_distribution", units=r["units"], lo=fmt(r["row_sums"][0], 3),
                     hi=fmt(r["row_sums"][1], 3)), icon=":material/block:")
    st.caption(t(f"{P}.accuracy_note"))
