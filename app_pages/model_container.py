"""4 · Model(): the learner decides what goes into Model(...); real Keras builds it or says why not.

Four sections, one slide each (ui/sections.py): what Model() does, every way of calling it, the
learner's own call and what Keras built (or refused), and the model's table, summary and graph.
Every section's widgets run on every rerun, so nothing is lost while its tab is closed."""
import streamlit as st

from engine.results import keras_failure
from engine.validate import check_name
from lessons import model_container as jobs
from lessons.model_container import CALL_STYLES
from ui import model_view, predict
from ui.i18n import page_header, t
from ui.lesson_view import Inputs, keep_last_good, keras_says, lesson
from ui.model_view import table, totals
from ui.sections import sections
from ui.share import presenting

P = "model_container"
NONE = "—"  # the option that leaves an argument out; the same text in both languages and in links
INPUT_OPTIONS = ["inputs", NONE]
OUTPUT_OPTIONS = ["outputs", "x", NONE]


def _arg(choice: str):
    return None if choice == NONE else choice


def meaning(calls: dict) -> None:
    """What Model() does; the real signatures folded under it (the tensors follow, once built)."""
    st.markdown(t(f"{P}.what"))
    with st.expander(t(f"{P}.signature_title"), icon=":material/code:"):
        st.markdown(t(f"{P}.signature_text", version=calls["keras_version"]))
        sig_a, sig_b = st.columns(2)
        model_view.code(calls["model_signature"], where=sig_a)
        model_view.code(calls["functional_signature"], where=sig_b)


def every_call(calls: dict) -> None:
    """Predict one, then the table of every way of calling Model(), each just run."""
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


def controls() -> dict:
    """The choices in the left part; the right part shows the call they make (or why not)."""
    st.subheader(t(f"{P}.controls"))
    left, right = st.columns([3, 2])
    with left:
        c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
        in_choice = c1.selectbox(t(f"{P}.inputs_label"), INPUT_OPTIONS, key=f"{P}_inputs",
                                 help=t(f"{P}.choice_help"), bind="query-params")
        out_choice = c2.selectbox(t(f"{P}.outputs_label"), OUTPUT_OPTIONS, key=f"{P}_outputs",
                                  help=t(f"{P}.choice_help"), bind="query-params")
        trainable = c3.checkbox(t(f"{P}.trainable_label"), value=True, key=f"{P}_trainable", bind="query-params")
        c4, c5 = st.columns(2)
        name_text = c4.text_input(t(f"{P}.name_label"), value="regression_model", key=f"{P}_name",
                                  help=t(f"{P}.name_help"), bind="query-params")
        style = c5.radio(t(f"{P}.style_label"), CALL_STYLES, key=f"{P}_style",
                         captions=[t(f"{P}.style_{s}") for s in CALL_STYLES], bind="query-params")
    return {"in_choice": in_choice, "out_choice": out_choice, "name_text": name_text, "trainable": trainable,
            "style": style, "right": right}


def run(v: dict):
    """Model(...) as chosen: Keras's refusal, or the model (the last good one after a bad name)."""
    inp = Inputs()
    name = inp.parse(check_name, v["name_text"], "model_name")
    res = None
    if not inp.failed:
        res = lesson(jobs.container, inputs_choice=_arg(v["in_choice"]), outputs_choice=_arg(v["out_choice"]),
                     style=v["style"], name=name, trainable=v["trainable"])
    if keras_failure(res) is not None:
        return res  # a missing tensor is the lesson, not bad input: nothing older is shown
    return keep_last_good(P, "model", res)[0]


def refused(res: dict, in_choice: str) -> None:
    """The call beside the controls, and Keras's own answer to it."""
    st.subheader(t(f"{P}.refused_title"))
    st.markdown(t(f"{P}.refused_inputs") if _arg(in_choice) is None else t(f"{P}.refused_outputs"))
    model_view.show_failure(res)
    st.caption(t(f"{P}.refused_keyword_note"))


def empty(res: dict) -> None:
    """`Model()` with nothing: Keras 3 builds an empty model, useless for the Functional API."""
    st.subheader(t(f"{P}.empty_title"))
    st.markdown(t(f"{P}.empty_text", name=res["model_name"], layers=res["n_layers"]))
    keras_says(res["empty_error"])
    st.caption(t(f"{P}.empty_summary"))
    st.code(res["summary"], language="text")


def built(res: dict) -> None:
    """What Keras built: name, layers, output shape and the parameter totals."""
    st.subheader(t(f"{P}.built_title"))
    m1, m2, m3 = st.columns(3)
    m1.metric(t(f"{P}.m_name"), res["model_name"])
    m2.metric(t(f"{P}.m_layers"), res["n_layers"])
    m3.metric(t(f"{P}.m_output"), res["output_shape"])
    totals(res)


def inside(res: dict) -> None:
    """Its name (the summary's first line), what is in it (cut short? frozen?), this app's table and
    graph beside Keras's own summary."""
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
            st.info(t(f"{P}.layer_flags", before=flags(res["layer_trainable"]),
                      after=flags(res["setter_layer_trainable"])), icon=":material/info:")
    else:
        st.markdown(t(f"{P}.trainable_text", params=f"{res['totals']['params']:,}"))
    left, right = st.columns([5, 4])
    with left:
        st.markdown(f"**{t(f'{P}.app_table')}**")
        table(res)
        # The graph (one box a layer, top to bottom) is taller than what is left of the slide: one click away.
        with st.expander(t(f"{P}.graph_title"), icon=":material/account_tree:"):
            st.graphviz_chart(res["dot"], width="content")
    with right:
        st.markdown(f"**{t(f'{P}.keras_summary')}**")
        # On a slide the summary's box scrolls inside a fixed height, beside the table it is compared with.
        st.code(res["summary"], language="text", height=460 if presenting() else "content")


page_header(P)
tabs = sections(P, ("meaning", "calls", "build", "inside"))
calls = lesson(jobs.model_calls)
with tabs[0]:
    meaning(calls)
with tabs[1]:
    every_call(calls)
with tabs[2]:
    values = controls()
    with values["right"]:  # a bad name is said beside the box, where the call would be
        res = run(values)
        if res is not None:
            st.markdown(t(f"{P}.your_call"))
            model_view.code(res["call_code"])
    failed = keras_failure(res) is not None
    if failed:
        refused(res, values["in_choice"])
    elif res is not None and res["empty"]:
        empty(res)
    elif res is not None:
        built(res)
if res is not None:
    with tabs[0]:  # the document's tensors, the same whatever goes into Model(...)
        st.subheader(t(f"{P}.tensors_title"))
        model_view.code(res["tensors_code"])
with tabs[3]:
    if res is None or failed or res["empty"]:
        st.info(t(f"{P}.needs_model"), icon=":material/info:")
    else:
        inside(res)
