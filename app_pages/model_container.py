"""4 · Model(): the learner decides what goes into Model(...); real Keras builds it or says why not."""
import streamlit as st

from engine.results import keras_failure
from engine.validate import check_name
from lessons import model_container as jobs
from lessons.model_container import CALL_STYLES
from ui import model_view, predict
from ui.i18n import page_header, t
from ui.lesson_view import Inputs, keep_last_good, keras_says, lesson
from ui.model_view import table, totals

P = "model_container"
NONE = "—"  # the option that leaves an argument out; the same text in both languages and in links
INPUT_OPTIONS = ["inputs", NONE]
OUTPUT_OPTIONS = ["outputs", "x", NONE]


def _arg(choice: str):
    return None if choice == NONE else choice


page_header(P)
st.markdown(t(f"{P}.what"))
calls = lesson(jobs.model_calls)
st.markdown(t(f"{P}.signature_text", version=calls["keras_version"]))
sig_a, sig_b = st.columns(2)
model_view.code(calls["model_signature"], where=sig_a)
model_view.code(calls["functional_signature"], where=sig_b)

st.subheader(t(f"{P}.calls_title"))
row = next(r for r in calls["rows"] if r["call"] == "Model(inputs=inputs)")
call_labels = {o: t(f"{P}.calls_opt_{o}") for o in ("ValueError", "TypeError", "ok")}
if predict.gate(P, "calls", t(f"{P}.calls_gate"), options=list(call_labels), labels=call_labels,
                actual=row["error_type"] or "ok",
                actual_text=f"`{row['error_type']}: {row['error'].split(': {')[0]}`" if not row["ok"] else row["built"]):
    st.markdown(t(f"{P}.calls_intro"))
    st.dataframe([{t(f"{P}.col_call"): r["call"],
                   t(f"{P}.col_result"): t(f"{P}.built_class", cls=r["built"], n=r["n_layers"]) if r["ok"]
                   else f"{r['error_type']}: {r['error'].split(': {')[0][:120]}"} for r in calls["rows"]],
                 hide_index=True, width="stretch")

st.subheader(t(f"{P}.controls"))
c1, c2, c3 = st.columns([1, 1, 2])
with c1:
    in_choice = st.selectbox(t(f"{P}.inputs_label"), INPUT_OPTIONS, key=f"{P}_inputs", help=t(f"{P}.choice_help"),
                             bind="query-params")
    out_choice = st.selectbox(t(f"{P}.outputs_label"), OUTPUT_OPTIONS, key=f"{P}_outputs",
                              help=t(f"{P}.choice_help"), bind="query-params")
with c2:
    name_text = st.text_input(t(f"{P}.name_label"), value="regression_model", key=f"{P}_name",
                              help=t(f"{P}.name_help"), bind="query-params")
    trainable = st.checkbox(t(f"{P}.trainable_label"), value=True, key=f"{P}_trainable", bind="query-params")
with c3:
    style = st.radio(t(f"{P}.style_label"), CALL_STYLES, key=f"{P}_style",
                     captions=[t(f"{P}.style_{s}") for s in CALL_STYLES], bind="query-params")

inp = Inputs()
name = inp.parse(check_name, name_text, "model_name")
res = None
if not inp.failed:
    res = lesson(jobs.container, inputs_choice=_arg(in_choice), outputs_choice=_arg(out_choice), style=style,
                 name=name, trainable=trainable)

if keras_failure(res) is not None:
    # A missing tensor is the lesson, not bad input: show the call and Keras's answer, nothing older.
    st.subheader(t(f"{P}.tensors_title"))
    model_view.code(res["tensors_code"])
    st.subheader(t(f"{P}.refused_title"))
    st.markdown(t(f"{P}.your_call"))
    model_view.code(res["call_code"])
    st.markdown(t(f"{P}.refused_inputs") if _arg(in_choice) is None else t(f"{P}.refused_outputs"))
    model_view.show_failure(res)
    st.caption(t(f"{P}.refused_keyword_note"))
    st.stop()

res, current = keep_last_good(P, "model", res)
if res is None:
    st.stop()

st.subheader(t(f"{P}.tensors_title"))
model_view.code(res["tensors_code"])
st.markdown(t(f"{P}.your_call"))
model_view.code(res["call_code"])

if res["empty"]:
    st.subheader(t(f"{P}.empty_title"))
    st.markdown(t(f"{P}.empty_text", name=res["model_name"], layers=res["n_layers"]))
    keras_says(res["empty_error"])
    st.caption(t(f"{P}.empty_summary"))
    st.code(res["summary"], language="text")
    st.stop()

st.subheader(t(f"{P}.built_title"))
m1, m2, m3 = st.columns(3)
m1.metric(t(f"{P}.m_name"), res["model_name"])
m2.metric(t(f"{P}.m_layers"), res["n_layers"])
m3.metric(t(f"{P}.m_output"), res["output_shape"])
totals(res)
if res["model_name"].startswith("functional"):
    st.markdown(t(f"{P}.auto_name", name=res["model_name"]))
else:
    st.markdown(t(f"{P}.given_name", name=res["model_name"]))
if res["output_shape"] != "(None, 1)":
    st.markdown(t(f"{P}.cut_text", shape=res["output_shape"], params=f"{res['totals']['params']:,}",
                  full=f"{res['full_params']:,}"))
if res["totals"]["trainable"] == 0:
    st.markdown(t(f"{P}.frozen_text", params=f"{res['totals']['params']:,}", trainable=res["totals"]["trainable"]))
    if "setter_layer_trainable" in res:
        def flags(pairs):
            return ", ".join(f"`{n}`={v}" for n, v in pairs)
        st.info(t(f"{P}.layer_flags", before=flags(res["layer_trainable"]), after=flags(res["setter_layer_trainable"])),
                icon=":material/info:")
else:
    st.markdown(t(f"{P}.trainable_text", params=f"{res['totals']['params']:,}"))

left, right = st.columns([5, 4])
with left:
    st.markdown(f"**{t(f'{P}.app_table')}**")
    table(res)
with right:
    st.markdown(f"**{t(f'{P}.keras_summary')}**")
    st.code(res["summary"], language="text")
gcol, _ = st.columns([2, 3])
with gcol:
    st.markdown(f"**{t(f'{P}.graph_title')}**")
    st.graphviz_chart(res["dot"], width="content")
