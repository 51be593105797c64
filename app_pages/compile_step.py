"""compile(): what is mandatory (document vs installed Keras), leave one thing out, compare choices."""
import pandas as pd
import streamlit as st

from engine import spec as model_spec
from engine import stack
from engine.results import said_text
from engine.validate import (
    LR_MAX,
    LR_MIN,
    MAX_EPOCHS,
    SpecError,
    parse_float,
    parse_int,
)
from lessons import compile_step as jobs
from lessons import spec_jobs
from lessons.compile_step import LEAVE_OUT
from ui import live, model_view, predict
from ui.build_controls import spec_error_message
from ui.charts import runs_figure
from ui.i18n import page_header, t
from ui.live import quick
from ui.model_view import keras_error, show_failure
from ui.sections import sections

PAGE = "compile_step"
LAST_GOOD = f"{PAGE}__last_good"
CHART_HEIGHT = 370  # px, in both modes (presenter mode would add 60)


def train_many(specs: list, dataset: str) -> dict | None:
    """Every run through the one live loop: progress, Stop, shared result (same specs, same curves)."""
    total = sum(int(sp.get("epochs") or 1) for sp in specs)
    out = live.run(f"{PAGE}.compare", spec_jobs.train_many, {"specs": specs, "dataset": dataset}, total=total)
    return None if out.failed or out.stopped else out.result


def truth_section() -> None:
    """1. The document's table beside what the installed Keras does."""
    facts = quick(jobs.facts)
    if facts is None:
        return
    st.subheader(t("compile_step.truth_title", version=facts["version"]))
    d = facts["defaults"]
    st.markdown(t("compile_step.truth_table", optimizer=repr(d["optimizer"]), loss=repr(d["loss"]),
                  metrics=repr(d["metrics"])))
    st.caption(t("compile_step.signature_caption"))
    model_view.code(facts["signature"])
    st.info(t("compile_step.truth_note"), icon=":material/info:")


def leave_out_section() -> None:
    """2. Leave one argument out and let Keras answer: the call beside what happened."""
    st.subheader(t("compile_step.try_title"))
    leave_labels = {w: t(f"compile_step.leave_{w}") for w in LEAVE_OUT}
    what = st.segmented_control(t("compile_step.leave_out_label"), LEAVE_OUT, default="nothing",
                                format_func=leave_labels.__getitem__, key="compile_step_leave_out",
                                bind="query-params") or "nothing"
    res = quick(jobs.leave_out, what=what)
    if res is None:
        return
    code_col, out_col = st.columns([3, 2])
    with code_col:
        model_view.code(res["code"])
        st.caption(t(f"compile_step.explain_{what}"))
    with out_col:
        st.markdown(f"**{t('compile_step.ran_title')}**")
        if res["compile_error"]:
            st.error(t("compile_step.failed_at_compile"), icon=":material/error:")
            keras_error(res["compile_error"])
        elif res["fit_error"]:
            st.error(t("compile_step.failed_at_fit"), icon=":material/error:")
            keras_error(res["fit_error"])
        else:
            st.success(t("compile_step.worked", optimizer=res["optimizer"], lr=f"{res['learning_rate']:.4g}",
                         keys=", ".join(f"`{k}`" for k in res["history_keys"])), icon=":material/check_circle:")


def labels_question() -> dict | None:
    """2b. The loss must match the labels: the guess about the document's categorical_crossentropy.
    The four runs once it is answered, else None."""
    st.subheader(t("compile_step.labels_title"))
    lab = quick(jobs.label_formats) or {"rows": [], "y_int": [], "y_one_hot": [[]]}
    ints = "[" + ", ".join(map(str, lab["y_int"])) + "]"
    doc_row = next((r for r in lab["rows"] if r["loss"] == "categorical_crossentropy" and r["labels"] == "integers"),
                   None)
    label_opts = {o: t(f"compile_step.labels_opt_{o}") for o in ("trains", "error")}
    if doc_row is None or not predict.gate(
            PAGE, "labels", t("compile_step.labels_gate", ints=ints), options=list(label_opts), labels=label_opts,
            actual="trains" if doc_row["ok"] else "error",
            actual_text=t("compile_step.labels_reveal_ok") if doc_row["ok"] else
            t("compile_step.labels_reveal_error", error=said_text(doc_row["error"]))):
        return None
    return lab


def labels_answer(lab: dict | None) -> None:
    """One-hot rows against integers: the four runs, and the two ways out."""
    if lab is None:
        st.info(t("compile_step.needs_guess", section=t("compile_step.section_labels")), icon=":material/quiz:")
        return
    ints = "[" + ", ".join(map(str, lab["y_int"])) + "]"
    st.markdown(t("compile_step.labels_intro", one_hot=str(lab["y_one_hot"][0]), ints=ints))
    st.dataframe([{t("compile_step.labels_col_loss"): r["loss"],
                   t("compile_step.labels_col_labels"): t(f"compile_step.labels_{r['labels']}"),
                   t("compile_step.labels_col_result"): t("compile_step.labels_trained", loss=f"{r['final_loss']:.3f}")
                   if r["ok"] else said_text(r["error"])} for r in lab["rows"]],
                 hide_index=True, width="stretch")
    st.markdown(t("compile_step.labels_fix"))


def compare_controls() -> tuple[str, str, str, str, str, object]:
    """What to vary, the settings kept fixed (two by two), and the values compared."""
    # Shown by id (optimizer / learning_rate / loss are compile()'s own argument names): a bound
    # widget puts the shown label in the URL, and a shared link must not depend on the language.
    vary = st.segmented_control(t("compile_step.vary_label"), stack.VARY, default="optimizer",
                                key="compile_step_vary", bind="query-params") or "optimizer"
    c1, c2 = st.columns(2)
    base_opt = c1.selectbox(t("compile_step.optimizer_label"), model_spec.OPTIMIZERS, key="compile_step_optimizer",
                            disabled=vary == "optimizer", bind="query-params")
    base_lr = c2.text_input(t("compile_step.lr_label"), "0.01", key="compile_step_lr",
                            disabled=vary == "learning_rate", bind="query-params", max_chars=20)
    c3, c4 = st.columns(2)
    base_loss = c3.selectbox(t("compile_step.loss_label"), stack.REGRESSION_LOSSES, key="compile_step_loss",
                             disabled=vary == "loss", bind="query-params")
    epochs_text = c4.text_input(t("compile_step.epochs_label"), "60", key="compile_step_epochs",
                                bind="query-params", max_chars=6)
    if vary == "optimizer":
        values = st.multiselect(t("compile_step.optimizers_label"), model_spec.OPTIMIZERS,
                                default=["adam", "sgd", "rmsprop"], key="compile_step_cmp_optimizers",
                                max_selections=stack.MAX_COMPARE, bind="query-params")
    elif vary == "learning_rate":
        values = st.text_input(t("compile_step.rates_label"), "0.1, 0.01, 0.001", key="compile_step_cmp_rates",
                               bind="query-params", max_chars=120)
    else:
        values = st.multiselect(t("compile_step.losses_label"), stack.REGRESSION_LOSSES,
                                default=list(stack.REGRESSION_LOSSES), key="compile_step_cmp_losses",
                                max_selections=stack.MAX_COMPARE, bind="query-params")
    return vary, base_opt, base_lr, base_loss, epochs_text, values


def compare_runs(vary, base_opt, base_lr, base_loss, epochs_text, values) -> list | None:
    """The specs to train, or None with the learner's mistake said right under the controls."""
    try:
        base = model_spec.recommended().replace(
            optimizer=base_opt,
            learning_rate=parse_float(base_lr, LR_MIN, LR_MAX, "learning_rate") if vary != "learning_rate" else 0.01,
            loss=base_loss,
            epochs=parse_int(epochs_text, 1, MAX_EPOCHS, "epochs"),
        )
        if vary == "learning_rate":
            values = stack.parse_rates(values)
        return stack.compare_specs(base, vary, list(values))
    except SpecError as e:
        st.error(spec_error_message(e, PAGE), icon=":material/error:")
        return None


def train_and_keep(vary: str, runs: list) -> None:
    """Train the runs (progress and Stop drawn here); a good result becomes the one shown."""
    result = train_many([s.to_dict() for _, s in runs], "curve")
    if result is None:  # the engine failed or the learner stopped it: said above; the last good chart stays
        return
    if result.get("ok"):
        st.session_state[LAST_GOOD] = {"vary": vary, "labels": [label for label, _ in runs],
                                       "specs": [s for _, s in runs], "result": result}
    else:
        show_failure(result, lambda r: spec_error_message(SpecError(r.code, **r.params), PAGE))


def _last(h: dict, k: str) -> float:
    v = h.get(k) or [float("nan")]
    return float(v[-1])


def compare_chart(shown: dict) -> list:
    """The shown runs on one chart, with a warning per diverged run; (label, history) per run."""
    labels, result = shown["labels"], shown["result"]
    histories = [(label, r.get("history", {})) for label, r in zip(labels, result["runs"])]
    key = "mse" if shown["vary"] == "loss" else "loss"
    title = t("compile_step.chart_title_mse" if key == "mse" else "compile_step.chart_title_loss")
    fig = runs_figure(histories, key, title, t("compile_step.axis_epoch"),
                      t("compile_step.axis_mse" if key == "mse" else "compile_step.axis_loss"), log_y=True)
    fig.update_layout(height=CHART_HEIGHT)  # beside the controls: both on one screen, presenter mode too
    st.plotly_chart(fig, width="stretch", key="compile_step_chart")
    if key == "mse":
        st.caption(t("compile_step.loss_scale_note"))
    for label, r in zip(labels, result["runs"]):
        if r.get("status") == "diverged":
            st.warning(t("compile_step.diverged", run=label), icon=":material/warning:")
        else:
            show_failure(r)
    return histories


def compare_details(shown: dict, histories: list) -> None:
    """Where each run ended and the compile() calls behind the chart, folded away."""
    key = "mse" if shown["vary"] == "loss" else "loss"
    rows = [{t("compile_step.col_run"): label,
             t("compile_step.col_final_loss"): _last(h, "loss"),
             t("compile_step.col_final_val"): _last(h, "val_loss"),
             **({t("compile_step.col_final_mse"): _last(h, "mse")} if key == "mse" else {}),
             t("compile_step.col_seconds"): round(float(r.get("seconds", 0.0)), 2)}
            for (label, h), r in zip(histories, shown["result"]["runs"])]
    with st.expander(t("compile_step.details_title"), icon=":material/table:"):
        st.markdown(f"**{t('compile_step.results_title')}**")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.markdown(f"**{t('compile_step.code_title')}**")
        model_view.code("\n".join(stack.compile_line(s) for s in shown["specs"]))


def compare_section() -> None:
    """3. The same model trained with different compile() choices: controls beside the chart."""
    st.subheader(t("compile_step.compare_title"))
    controls_col, chart_col = st.columns([2, 3], gap="medium")
    with controls_col:
        choice = compare_controls()
        runs = compare_runs(*choice)  # a mistake is said here, under the field that caused it
        details = st.container()  # the numbers behind the chart, filled once it is drawn
    with chart_col:
        st.markdown(t("compile_step.compare_intro"))  # what the chart shows, right above it
        if runs is not None:  # progress and Stop at the top of the result, level with the controls
            train_and_keep(choice[0], runs)
        shown = st.session_state.get(LAST_GOOD)
        if shown is not None:
            if runs is None:
                st.info(t("common.last_good_model"))
            histories = compare_chart(shown)
    if shown is not None:
        with details:
            compare_details(shown, histories)


page_header(PAGE)
# Five sections, one slide each (ui/sections.py); every section's widgets run on every rerun. The
# labels question and its answer are two slides: guess first, then the four runs.
tabs = sections(PAGE, ("truth", "leave_out", "labels", "label_forms", "compare"))
with tabs[0]:
    truth_section()
with tabs[1]:
    leave_out_section()
with tabs[2]:
    answered = labels_question()
with tabs[3]:
    labels_answer(answered)
with tabs[4]:
    compare_section()
