"""Home: the four building blocks, the path through the app, the golden rule, the interview answer.

Renders without TensorFlow: the growing sketch is pure Python (engine.stack), so a cold
server answers the front page at once.
"""
import streamlit as st

from engine import stack
from ui import model_view
from ui.i18n import page_header, t

page_header("home")

st.subheader(t("home.blocks_title"))
for col, (page, key) in zip(
    st.columns(4),
    [("input_layer", "block_input"), ("dense_layer", "block_dense"),
     ("outputs_tensor", "block_outputs"), ("model_container", "block_model")],
):
    with col.container(border=True):
        st.markdown(t(f"home.{key}"))
        st.page_link(f"app_pages/{page}.py", label=t(f"{page}.title"), icon=":material/arrow_forward:")

st.subheader(t("home.then_title"))
for col, (page, key) in zip(
    st.columns(3),
    [("build_and_train", "step_build"), ("compile_step", "step_compile"), ("exam", "step_exam")],
):
    with col.container(border=True):
        st.markdown(t(f"home.{key}"))
        st.page_link(f"app_pages/{page}.py", label=t(f"{page}.title"), icon=":material/arrow_forward:")

st.subheader(t("home.rule_title"))
st.markdown(t("home.rule"))
st.markdown(t("home.rule_explain"))

left, right = st.columns([3, 1])
with left:
    stage = st.select_slider(
        t("home.stage_label"), options=stack.STAGES, value="outputs", key="home_stage",
        bind="query-params",  # stages shown by their code names: the same link in both languages
    )
with right:
    n_hidden = st.slider(t("home.hidden_label"), 1, stack.HOME_MAX_HIDDEN, 3, key="home_hidden",
                         bind="query-params")

labels = {k: t(f"home.node_{k}") for k in ("outputs", "compile", "fit", "predict")}
graph_col, code_col = st.columns([1, 2])
with graph_col:
    st.graphviz_chart(stack.home_graph(n_hidden, stage, labels), width="content")
with code_col:
    st.info(t(f"home.note_{stage}"), icon=":material/lightbulb:")
    st.metric(t("home.params_so_far"), f"{stack.home_params(n_hidden, stage):,}")
    st.caption(t("home.code_so_far"))
    model_view.code("\n".join(stack.home_lines(n_hidden, stage)))
st.caption(t("home.sketch_note"))

st.subheader(t("home.interview_title"))
st.markdown(t("home.interview"))
st.markdown(t("home.interview_explain"))
