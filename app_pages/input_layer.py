"""1 · Input(): the learner types a shape and options; real keras.Input answers.

Five sections, one slide each (ui/sections.py): what Input() is, the controls with what Keras
returned, the details of what it returned, the `(1)` bug, and the name and the missing data of the
tensor. Every section's widgets run on every rerun, so nothing is lost while its tab is closed."""
import streamlit as st

from engine.results import said_text
from engine.spec import DTYPES
from engine.validate import check_name, format_shape, parse_int, parse_shape
from lessons import input_layer as jobs
from ui import live, model_view, predict
from ui.i18n import page_header, t
from ui.lesson_view import Inputs, keep_last_good, keras_says, lesson, output
from ui.sections import sections

P = "input_layer"
PRESETS = [("preset_1", "(1,)"), ("preset_10", "(10,)"), ("preset_img", "(28, 28, 1)")]
DOCUMENT_ARGS = ("shape", "batch_size", "name", "dtype", "sparse", "ragged")


def _set_shape(text: str) -> None:
    st.session_state[f"{P}_shape"] = text


def meaning(facts) -> None:
    """What Input() is, beside its real signature; the side notes folded away."""
    text_col, code_col = st.columns([3, 2])
    text_col.markdown(t(f"{P}.what"))
    if facts is None:  # None: the engine failed, said by live.maybe()
        return
    extra = ", ".join(f"`{n}`" for n in facts["names"] if n not in DOCUMENT_ARGS)
    text_col.markdown(t(f"{P}.signature_text", version=facts["keras_version"], n=facts["n_params"], extra=extra))
    model_view.code(facts["signature"], where=code_col)
    with st.expander(t(f"{P}.batch_shape_title")):
        st.markdown(t(f"{P}.batch_shape_text", shape=facts["shape_repr"], batch_shape=facts["batch_shape_repr"],
                      fixed=facts["fixed_batch_shape_repr"]))
    with st.expander(t(f"{P}.imports_title")):
        if facts["tf_keras_is_keras"] is None:
            st.markdown(t(f"{P}.imports_text_no_tf"))
        else:
            st.markdown(t(f"{P}.imports_text", tf=facts["tf_version"], same=facts["tf_keras_is_keras"]))


def controls() -> dict:
    """The presets in one row, then the controls in the left half; the right half is the result's."""
    st.subheader(t(f"{P}.controls"))
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(t(f"{P}.presets"))
        for i, (label, text) in enumerate(PRESETS):
            st.button(t(f"{P}.{label}"), key=f"{P}_preset_{i}", on_click=_set_shape, args=(text,))
    left, right = st.columns(2)
    with left:
        c1, c2 = st.columns(2)
        shape_text = c1.text_input(t(f"{P}.shape_label"), value="(1,)", key=f"{P}_shape",
                                   help=t(f"{P}.shape_help"), bind="query-params")
        batch_text = c2.text_input(t(f"{P}.batch_label"), key=f"{P}_batch", help=t(f"{P}.batch_help"),
                                   bind="query-params")
        c3, c4 = st.columns(2)
        name_text = c3.text_input(t(f"{P}.name_label"), key=f"{P}_name", help=t(f"{P}.name_help"),
                                  bind="query-params")
        # "None" as text: the option is what Python would write, and a shared link carries it as is.
        dtype = c4.selectbox(t(f"{P}.dtype_label"), ["None", *DTYPES], key=f"{P}_dtype", bind="query-params")
        with st.container(horizontal=True, vertical_alignment="center"):
            sparse = st.checkbox(t(f"{P}.sparse_label"), key=f"{P}_sparse", bind="query-params")
            ragged = st.checkbox(t(f"{P}.ragged_label"), key=f"{P}_ragged", bind="query-params")
            leave_out = st.toggle(t(f"{P}.leave_out_label"), key=f"{P}_leave_out", help=t(f"{P}.leave_out_help"),
                                  bind="query-params")
        flags_note = st.container()  # what the two flags mean, once the tensor is known
    return {"shape_text": shape_text, "batch_text": batch_text, "name_text": name_text,
            "dtype": None if dtype == "None" else dtype, "sparse": sparse, "ragged": ragged, "leave_out": leave_out,
            "result_col": right, "flags_note": flags_note}


def run(v: dict):
    """The tensor Keras builds from the controls (or the last good one), its refusals said here."""
    inp = Inputs()
    batch = inp.parse(parse_int, v["batch_text"], 1, 1024, "batch_size") if v["batch_text"].strip() else None
    name = inp.parse(check_name, v["name_text"])
    if v["leave_out"]:
        # The same call minus `shape`: Keras's own refusal is the lesson.
        st.subheader(t(f"{P}.leave_out_title"))
        st.markdown(t(f"{P}.leave_out_text"))
        demo = None if inp.failed else lesson(jobs.input_tensor, shape=None, batch_size=batch, name=name,
                                              dtype=v["dtype"])
        if demo is not None:
            model_view.code(demo["code"])
            model_view.show_failure(demo)
            st.caption(t(f"{P}.leave_out_after"))
        return None
    shape_text = v["shape_text"]
    bare = jobs.python_int(shape_text)
    if bare is not None:
        # `(1)` is the int 1 in Python: Keras's own refusal, not a quiet `(1,)`.
        bug = lesson(jobs.int_shape, n=bare)
        st.error(t(f"{P}.int_in_box", text=shape_text.strip(), n=bare), icon=":material/error:")
        model_view.code(bug["code"])
        model_view.show_failure(bug)  # nothing when this Keras accepts an int
        inp.failed = True
        shape = None
    else:
        shape = inp.parse(parse_shape, shape_text)
    res = None
    if not inp.failed:
        res = lesson(jobs.input_tensor, shape=list(shape), batch_size=batch, name=name, dtype=v["dtype"],
                     sparse=v["sparse"], ragged=v["ragged"])
        if not res["ok"] and "code" in res:
            model_view.code(res["code"])
    return keep_last_good(P, "tensor", res)[0]


def result(res: dict, v: dict) -> None:
    """The call and its print beside the controls; what the two flags mean under them."""
    with v["result_col"]:
        st.markdown(t(f"{P}.your_call"))
        model_view.code(res["code"])
        st.markdown(t(f"{P}.printed"))
        output(res["repr"])
    # Beside the boxes that set them: what the two flags mean, and what this server gave back.
    with v["flags_note"].expander(t(f"{P}.sparse_title")):
        st.markdown(t(f"{P}.sparse_text", backend=res["backend"]))
        st.caption(t(f"{P}.sparse_now", backend=res["backend"], sparse=res["sparse"], ragged=res["ragged"]))


def returned(res: dict) -> None:
    """The tensor's four facts; the `None` in front of its shape (or the fixed batch size, checked
    live), and the default dtype."""
    st.subheader(t(f"{P}.result"))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t(f"{P}.m_shape"), res["shape"])
    m2.metric(t(f"{P}.m_dtype"), res["dtype"])
    m3.metric(t(f"{P}.m_tensor_name"), res["tensor_name"])
    m4.metric(t(f"{P}.m_layer_name"), res["layer_name"])
    if res["batch_dim"] is None:
        st.markdown(t(f"{P}.batch_none", sample=res["sample_shape"]))
    else:
        st.markdown(t(f"{P}.batch_fixed", batch=res["batch_dim"]))
        other = res.get("other_batch")
        if other and other["ok"]:
            st.caption(t(f"{P}.batch_checked", n=other["n"], shape=format_shape(other["shape"]),
                         version=res["keras_version"]))
        elif other:
            st.caption(t(f"{P}.batch_refused", n=other["n"]))
            keras_says(other["error"])
    st.markdown(t(f"{P}.dtype_note"))


def int_bug(facts) -> None:
    """The classic `(1)` for `(1,)`, predicted before it is shown."""
    st.subheader(t(f"{P}.int_bug_title"))
    if facts is None:
        return
    int_labels = {o: t(f"{P}.int_opt_{o}") for o in ("same", "error", "scalar")}
    int_actual = "same" if facts["int_ok"] else "error"
    if facts["int_error"]:
        int_text = f"`{said_text(facts['int_error']).rstrip('.')}`"
    else:
        int_text = t(f"{P}.int_reveal_ok")
    if predict.gate(P, "int_shape", t(f"{P}.int_gate"), options=list(int_labels), labels=int_labels,
                    actual=int_actual, actual_text=int_text):
        st.markdown(t(f"{P}.int_bug_text", int_type=facts["int_type"]))
        model_view.code("from keras import Input\n\ninputs = Input(shape=(1))   # (1) == 1")
        keras_says(facts["int_error"])


def tensor(res: dict) -> None:
    """The tensor's name, Keras 3's and the document's, and the data it does not hold."""
    name_col, data_col = st.columns(2)
    with name_col:
        st.subheader(t(f"{P}.naming_title"))
        if res["layer_name"] == "input_layer" and res["tensor_name"].startswith("keras_tensor"):
            st.markdown(t(f"{P}.naming_auto", layer=res["layer_name"], tensor=res["tensor_name"]))
        else:
            st.markdown(t(f"{P}.naming_given", name=res["layer_name"]))
        with st.expander(t(f"{P}.naming_older_title"), icon=":material/history:"):
            st.markdown(t(f"{P}.naming_older", version=res["keras_version"]))
    with data_col:
        st.subheader(t(f"{P}.no_data_title"))
        st.markdown(t(f"{P}.no_data", module=res["module"], type=res["type"]))
        keras_says(res["no_data_error"])


def needs_tensor() -> None:
    st.info(t(f"{P}.needs_tensor"), icon=":material/info:")


page_header(P)
tabs = sections(P, ("meaning", "try", "returned", "int_bug", "tensor"))
with tabs[0]:
    facts = live.maybe(jobs.facts)
    meaning(facts)
with tabs[1]:
    values = controls()
    with values["result_col"]:  # a refusal is said beside the controls, where the result would be
        res = run(values)
    if res is not None:
        result(res, values)
with tabs[2]:
    returned(res) if res is not None else needs_tensor()
with tabs[3]:
    int_bug(facts)
with tabs[4]:
    tensor(res) if res is not None else needs_tensor()
