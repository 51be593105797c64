"""3 · The outputs tensor: a KerasTensor, not a model; heads per task, and a wrong head trained live."""
import streamlit as st

from engine.results import keras_failure
from engine.spec import ACTIVATIONS
from lessons import outputs_tensor as jobs
from lessons.outputs_tensor import HEAD_MAX_UNITS, HEAD_TASKS, TEXTBOOK_HEAD
from ui import charts, model_view, predict
from ui.i18n import page_header, t
from ui.lesson_view import fmt, keep_last_good, keras_says, lesson, output
from ui.sections import sections

P = "outputs_tensor"
ACT_OPTIONS = ["None", *ACTIVATIONS]
# (button, task, units, activation): the textbook head and three classic mistakes.
EXAMPLES = [
    ("try_sigmoid_reg", "regression", 1, "sigmoid"),
    ("try_softmax_one", "binary", 1, "softmax"),
    ("try_three_into_one", "multiclass", 1, "sigmoid"),
]
CHART_HEIGHT = 300  # px (presenter mode adds 60): the chart beside the controls, one screen for both

# The numerically safe way to get what the shortcut does: a linear head and a loss told to expect logits.
LOGITS_CODE = """outputs = Dense(3)(x)
model = Model(inputs, outputs)
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
probabilities = keras.ops.softmax(model.predict(x_new))"""


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


def head_controls():
    """Task beside units and activation, the verdict right under them, then the ready-made heads."""
    st.markdown(f"**{t(f'{P}.controls')}**")
    task_col, head_col = st.columns(2)
    # Option labels stay the technical words, so a shared link means the same in both languages;
    # the explanation in the learner's language goes underneath.
    task = task_col.radio(t(f"{P}.task_label"), HEAD_TASKS, key=f"{P}_task",
                          captions=[t(f"{P}.task_{k}") for k in HEAD_TASKS], bind="query-params")
    units = head_col.number_input(t(f"{P}.units_label"), min_value=1, max_value=HEAD_MAX_UNITS, value=1, step=1,
                                  key=f"{P}_units", bind="query-params")
    act_choice = head_col.selectbox(t(f"{P}.activation_label"), ACT_OPTIONS, index=ACT_OPTIONS.index("linear"),
                                    key=f"{P}_activation", bind="query-params")
    # The head's verdict goes right under the fields that decide it: a change and its verdict on
    # one screen (issue 14). Filled once the job has answered.
    verdict_spot = st.container()
    # The textbook head and three classic mistakes, one click each, folded into a menu so the
    # controls stay as tall as the chart beside them.
    with st.popover(t(f"{P}.try_label"), icon=":material/science:", width="stretch"):
        st.button(t(f"{P}.try_good"), key=f"{P}_try_good", on_click=_set_good, icon=":material/check:")
        for label, ex_task, ex_units, ex_act in EXAMPLES:
            st.button(t(f"{P}.{label}"), key=f"{P}_{label}", on_click=_set, args=(ex_task, ex_units, ex_act),
                      icon=":material/bug_report:")
    return task, int(units), None if act_choice == "None" else act_choice, verdict_spot


def verdict(shown: dict, task: str) -> None:
    mine = head_text(shown["units"], shown["activation"])
    if shown["matches"]:
        st.success(t(f"{P}.verdict_good", head=mine), icon=":material/check_circle:")
    else:
        st.warning(t(f"{P}.verdict_bad", head=mine, good=head_text(*TEXTBOOK_HEAD[task])), icon=":material/warning:")


def tensor_question(shown: dict | None) -> bool:
    """What the chain is, then the guess: is `outputs` a tensor, a model or an array? True once answered."""
    st.markdown(t(f"{P}.what"))
    if shown is None or "outputs" not in shown:
        return False
    is_labels = {o: t(f"{P}.is_opt_{o}") for o in ("keras_tensor", "model", "array")}
    o_type = shown["outputs"]["type"]
    is_actual = "keras_tensor" if o_type == "KerasTensor" else "model" if shown["outputs"]["is_model"] else "array"
    return predict.gate(P, "is", t(f"{P}.is_gate"), options=list(is_labels), labels=is_labels,
                        actual=is_actual, actual_text=f"`{o_type}`, shape `{shown['outputs']['shape']}`")


def tensor_answer(shown: dict) -> None:
    """The real KerasTensor (printed, and refusing summary()), then Model(...) wrapping it."""
    st.subheader(t(f"{P}.tensor_title"))
    left, right = st.columns(2)
    with left:
        st.markdown(t(f"{P}.printed"))
        output(shown["outputs"]["repr"])
        # The whole program behind these numbers, folded: the slide is the tensor and the model.
        with st.expander(t(f"{P}.tensor_code"), icon=":material/code:"):
            model_view.code(shown["code"])
    with right:
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


def score_metrics(r: dict) -> None:
    """How well the head did: the final loss, and MSE or accuracy."""
    m = st.columns(2)
    m[0].metric(t(f"{P}.m_loss"), fmt(r["final_loss"], 3))
    if r["task"] == "regression":
        m[1].metric(t(f"{P}.m_mse"), fmt(r["mse"], 3))
    else:
        m[1].metric(t(f"{P}.m_accuracy"), f"{r['accuracy']:.0%}")


def range_metrics(r: dict) -> None:
    """Where the head's outputs went and where the targets are: what the chart above shows."""
    m = st.columns(2)
    m[0].metric(t(f"{P}.m_out_range"), f"{fmt(r['out_min'], 3)} … {fmt(r['out_max'], 3)}")
    m[1].metric(t(f"{P}.m_target_range"), f"{fmt(r['target_min'], 3)} … {fmt(r['target_max'], 3)}")


def score_notes(r: dict) -> None:
    """Under the loss and accuracy: when Keras's loss flatters the head, and what accuracy counts."""
    if r["task"] == "regression":
        return
    real = r.get("outputs_loss")
    if real is not None and r["final_loss"] < 0.5 * real and real - r["final_loss"] > 0.1:
        # The warning stays where the wrong head shows; why Keras's number looks healthy is beyond the
        # document's point (which head for which task), so it is folded away.
        st.warning(t(f"{P}.logits_shortcut", keras=fmt(r["final_loss"], 3), real=fmt(real, 3)),
                   icon=":material/visibility_off:")
        with st.expander(t(f"{P}.logits_why_title"), icon=":material/tune:"):
            st.markdown(t(f"{P}.logits_why", keras=fmt(r["final_loss"], 3), real=fmt(real, 3)))
            model_view.code(LOGITS_CODE)
    st.caption(t(f"{P}.accuracy_note"))


def regression_result(r: dict) -> None:
    fig = charts.points_and_lines(([p[0] for p in r["x"]], r["y"], t(f"{P}.series_data")),
                                  [(t(f"{P}.series_pred"), r["grid"], r["grid_pred"], "#dc2626", None)],
                                  "", t(f"{P}.axis_x"), t(f"{P}.axis_y"), height=CHART_HEIGHT)
    st.plotly_chart(fig, width="stretch", key=f"{P}_fit_chart")
    range_metrics(r)
    outside = sum(1 for v in r["y"] if v > r["out_max"] + 0.02 or v < r["out_min"] - 0.02) / len(r["y"])
    # Only a bounded head is blamed (every activation here but linear bounds at least one side): a
    # linear head misses a few noisy points too, and Dense(2) is wrong for other reasons.
    if r["activation"] not in (None, "linear") and outside > 0.05:
        st.warning(t(f"{P}.unreachable", tmin=fmt(r["target_min"], 3), tmax=fmt(r["target_max"], 3),
                     omin=fmt(r["out_min"], 3), omax=fmt(r["out_max"], 3), share=f"{outside:.0%}"),
                   icon=":material/block:")


def classification_result(r: dict) -> None:
    n_cls = max(max(int(v) for v in r["y"]) + 1, int(r["units"]), 2)
    fig = charts.class_regions(r["grid_x"], r["grid_y"], r["region"], r["x"], r["y"], n_cls, charts.CLASS_COLORS,
                               t(f"{P}.region_title"), t(f"{P}.axis_x1"), t(f"{P}.axis_x2"))
    fig.update_layout(height=fig.layout.height - (440 - CHART_HEIGHT))  # beside the controls, as the fit chart
    st.plotly_chart(fig, width="stretch", key=f"{P}_region_chart")
    range_metrics(r)
    if r["out_min"] == r["out_max"]:
        st.warning(t(f"{P}.always_one", v=fmt(r["out_min"])), icon=":material/block:")
    elif r["units"] == 1 and (r["out_min"] < 0 or r["out_max"] > 1):
        st.warning(t(f"{P}.not_probability", lo=fmt(r["out_min"], 3), hi=fmt(r["out_max"], 3)),
                   icon=":material/block:")
    elif r["units"] > 1 and (abs(r["row_sums"][0] - 1) > 1e-3 or abs(r["row_sums"][1] - 1) > 1e-3):
        st.warning(t(f"{P}.not_distribution", units=r["units"], lo=fmt(r["row_sums"][0], 3),
                     hi=fmt(r["row_sums"][1], 3)), icon=":material/block:")


def train_result(shown: dict | None, fit_error: dict | None) -> bool:
    """The head trained live, beside its controls: the chart and what it shows; False if nothing trained."""
    if fit_error is not None:
        st.error(t(f"{P}.fit_failed"), icon=":material/error:")
        model_view.show_failure(fit_error)
        for w in fit_error.get("warnings", []):
            output(w)
        return False
    if shown is None or "losses" not in shown:
        return False
    r = shown
    st.markdown(f"**{t(f'{P}.train_title', steps=r['steps'], n=r['n'])}** " + t(f"{P}.train_text", loss=r["loss"]))
    if r["task"] == "regression":
        regression_result(r)
    else:
        classification_result(r)
    if r["warnings"]:  # Keras's own words, folded: the page's warnings above say what they mean
        with st.expander(t(f"{P}.keras_warns_title"), icon=":material/warning:"):
            st.markdown(t(f"{P}.keras_warns"))
            for w in r["warnings"]:
                output("UserWarning: " + w)
    return True


page_header(P)
# Four sections, one slide each (ui/sections.py): the question, the evidence, the table of heads, and
# the head's controls with its training. The first two show the `outputs` of the head chosen in the last.
tabs = sections(P, ("tensor", "model", "heads", "train"))
with tabs[3]:
    controls_col, result_col = st.columns(2, gap="medium")
    with controls_col:
        task, units, activation, verdict_spot = head_controls()

with result_col, st.spinner(t(f"{P}.training")):
    res = lesson(jobs.output_head, task=task, units=units, activation=activation)
fit_error = res if (keras_failure(res) is not None and "outputs" in res) else None
if fit_error is not None:
    # The tensor part succeeded; only training refused this head. Show both, and no "last good
    # model" note: what is shown is this head.
    shown = fit_error
else:
    shown, _ = keep_last_good(P, "head", res)
if shown is not None and "outputs" in shown:
    with verdict_spot:
        verdict(shown, task)

with tabs[0]:
    answered = tensor_question(shown)
with tabs[1]:
    if answered:
        tensor_answer(shown)
    elif shown is not None and "outputs" in shown:
        st.info(t(f"{P}.needs_guess", section=t(f"{P}.section_tensor")), icon=":material/quiz:")
with tabs[2]:
    st.subheader(t(f"{P}.heads_title"))
    st.markdown(t(f"{P}.heads_table"))
with result_col:
    trained = train_result(shown, fit_error)
if trained:
    with controls_col:  # the score under the controls, the chart beside them
        score_metrics(shown)
        score_notes(shown)
