"""Build & train: the document's minimal and recommended models, fit() live, predict(), the code.

Widgets -> engine.stack.spec_from_controls (validated spec) -> describe job (graph, table,
code) and one training call -> plots. A rejected value shows why and keeps the last good model.
Every control is bound to the URL, so a copied link reopens this model; a lecturer can step
through its code line by line; the learner can train on an own CSV and download everything.
"""
import streamlit as st

from engine import spec as model_spec
from engine import stack, userdata
from engine.validate import MAX_LAYERS, SpecError, format_shape
from lessons import build_and_train as jobs
from ui import build_controls, charts, live_training, model_view, predict
from ui.i18n import page_header, t
from ui.live import engine_failed, quick
from ui.live_training import train_live
from ui.model_view import describe, show_failure, table, totals
from ui.sections import sections
from ui.share import presenting

PAGE = "build_and_train"
LAST = f"{PAGE}__last_good_build"



def _train_upload(spec_dict: dict, data: dict) -> dict:
    """The learner's own data: one blocking job, its result kept in this session only."""
    from ui.client import call

    results = st.session_state.setdefault(f"{PAGE}__csv_results", {})
    key = (model_spec.ModelSpec.from_dict(spec_dict).key(), data["digest"])
    if key not in results:
        with st.spinner(t("build_and_train.training")):
            try:
                results[key] = call(jobs.train_csv, spec=spec_dict, x=data["x"], y=data["y"],
                                    task=data["task"])
            except Exception as exc:  # the worker died or timed out: said once, in words
                engine_failed(exc)
                return {"ok": False, "engine_error": "shown"}
        while len(results) > 4:  # uploads are big: keep few
            results.pop(next(iter(results)))
    return results[key]


def train(spec_dict: dict, dataset: str, data: dict | None = None) -> dict:
    """The one place this page trains: {"ok", "status", "history", "predict", ...}."""
    if data is not None:
        return _train_upload(spec_dict, data)
    return train_live(PAGE, spec_dict, dataset)


def _csv_code(spec_dict: dict, data: dict) -> str:
    """Generated code for the learner's own file, kept per session (it names their columns)."""
    from ui.client import call

    codes = st.session_state.setdefault(f"{PAGE}__csv_codes", {})
    key = (model_spec.ModelSpec.from_dict(spec_dict).key(), data["digest"])
    if key not in codes:
        res = call(jobs.csv_code, spec=spec_dict, **data["code_args"])
        codes.clear()
        codes[key] = res.get("code", "")
    return codes[key]


# ----------------------------------------------------------------------------- widget state
def _k(name, i=None):
    return f"{PAGE}_{name}" if i is None else f"{PAGE}_{name}_{i}"


def _apply_example():
    """Put the stack widgets to the chosen example's values.

    Written, not deleted: a widget bound to the URL that loses its state is seeded again from
    the URL, i.e. from the old value. Streamlit logs once that these widgets also have defaults.
    """
    p = stack.preset(st.session_state.get(_k("example")) or "recommended")
    st.session_state[_k("named")] = p["named"]
    st.session_state[_k("n_hidden")] = p["n_hidden"]
    for i, (u, a) in enumerate(zip(p["units"], p["activations"])):
        st.session_state[_k("units", i)] = str(u)
        st.session_state[_k("act", i)] = a


# ----------------------------------------------------------------------------- page
def _fallback(dataset: str) -> dict | None:
    """A link with a value that cannot be used, on a fresh session: show the example model."""
    if dataset not in stack.DATASETS:
        return None
    p = stack.preset(st.session_state.get(_k("example")) or "recommended")
    spec = stack.spec_from_controls(dataset=dataset, named=p["named"], n_hidden=p["n_hidden"], units=p["units"],
                                activations=p["activations"], optimizer="adam", learning_rate="0.001",
                                epochs="100", batch_size="32", validation_split=0.2)
    res = describe(spec.to_dict(), dataset)
    return {"spec": spec.to_dict(), "dataset": dataset, "data": None, "res": res} if res and res["ok"] else None


page_header(PAGE)

# Options are shown by their ids (the document's own words): a bound widget writes the shown
# label into the URL, and a link must not depend on the language it was copied in.
example = st.segmented_control(t("build_and_train.example_label"), stack.EXAMPLES, default="recommended",
                               key=_k("example"), on_change=_apply_example, bind="query-params") or "recommended"
st.caption(t(f"build_and_train.about_{example}"))
preset = stack.preset(example)

# On a projector the model gets the whole width and the controls fold away above it.
if presenting():
    ctrl = st.expander(t("build_and_train.controls"), expanded=False, icon=":material/tune:")
    view = st.container()
else:
    ctrl, view = st.columns([1, 2], gap="large")
    ctrl.markdown(f"**{t('build_and_train.controls')}**")
    # The result column stays in view while the learner scrolls the controls (ui/style.py).
    view = view.container(key="build_and_train_view")
own = None
notes: dict = {}  # (field, layer) -> the spot right under that field, for its refusal
with ctrl:
    dataset = st.selectbox(t("build_and_train.dataset_label"), stack.SOURCES, key=_k("dataset"), bind="query-params")
    if dataset == stack.MY_CSV:
        # Beyond the document's point: opened because the learner chose it, labelled as the extra it is.
        with st.expander(t("build_and_train.advanced_csv"), expanded=True, icon=":material/upload_file:"):
            st.caption(t("build_and_train.about_my_csv"))
            own = build_controls.own_data(PAGE)
        if own is not None:
            st.markdown(t("build_and_train.input_shape", shape=format_shape((own["prep"].n_features,))))
    else:
        st.caption(t(f"build_and_train.about_{dataset}"))
        st.markdown(t("build_and_train.input_shape", shape=format_shape(stack.DATASET_SHAPES[dataset])))
    named = st.toggle(t("build_and_train.named_label"), value=preset["named"], key=_k("named"),
                      bind="query-params")
    n_hidden = st.slider(t("build_and_train.n_hidden_label"), 0, MAX_LAYERS, preset["n_hidden"],
                         key=_k("n_hidden"), bind="query-params")
    units, acts = [], []
    for i in range(n_hidden):
        c_u, c_a = st.columns(2)
        units.append(c_u.text_input(t("build_and_train.units_label", n=i + 1),
                                    str(preset["units"][i]) if i < len(preset["units"]) else "8",
                                    key=_k("units", i), max_chars=8, bind="query-params"))
        act_default = preset["activations"][i] if i < len(preset["activations"]) else "relu"
        acts.append(c_a.selectbox(t("build_and_train.activation_label", n=i + 1), model_spec.ACTIVATIONS,
                                  index=model_spec.ACTIVATIONS.index(act_default), key=_k("act", i), bind="query-params"))
        notes[("units", i + 1)] = st.empty()
    c1, c2 = st.columns(2)
    optimizer = c1.selectbox(t("build_and_train.optimizer_label"), model_spec.OPTIMIZERS, key=_k("optimizer"),
                             bind="query-params")
    lr = c2.text_input(t("build_and_train.lr_label"), "0.001", key=_k("lr"), max_chars=20, bind="query-params")
    notes["learning_rate"] = st.empty()
    c3, c4 = st.columns(2)
    epochs = c3.text_input(t("build_and_train.epochs_label"), "100", key=_k("epochs"), max_chars=6,
                           bind="query-params")
    batch = c4.text_input(t("build_and_train.batch_label"), "32", key=_k("batch"), max_chars=6,
                          bind="query-params")
    notes["epochs"] = notes["fit_batch_size"] = st.empty()
    val_split = st.slider(t("build_and_train.val_label"), 0.0, 0.5, 0.2, step=0.05, key=_k("val"),
                          bind="query-params")
    st.caption(t("build_and_train.fit_settings"))

# Widget values -> a spec; a rejected value keeps the last good model on screen.
current = None
refused = None  # the message of a rejected value, shown under its field and named above the result
if dataset != stack.MY_CSV or own is not None:
    prep = own["prep"] if own else None
    try:
        spec = stack.spec_from_controls(dataset=dataset, named=named, n_hidden=n_hidden, units=units, activations=acts,
                                    optimizer=optimizer, learning_rate=lr, epochs=epochs, batch_size=batch,
                                    validation_split=val_split,
                                    data_shape=(prep.n_features,) if prep else None,
                                    task=prep.task if prep else None,
                                    n_classes=len(prep.classes) if prep else 2)
        if prep is not None:
            userdata.check_work(prep.rows, spec.epochs)
        data = None
        if prep is not None:
            table_ = own["table"]
            data = {"x": prep.x, "y": prep.y, "task": prep.task, "digest": prep.digest(), "classes": prep.classes,
                    "file": table_.file_name,
                    "code_args": {"file_name": table_.file_name, "sep": table_.sep, "encoding": table_.encoding,
                                  "features": prep.features, "target_column": prep.target, "task": prep.task}}
        current = {"spec": spec.to_dict(), "dataset": dataset, "data": data}
    except SpecError as e:
        refused = build_controls.spec_error_message(e, PAGE)
        spot = notes.get((e.params.get("field"), e.params.get("layer"))) or notes.get(e.params.get("field"))
        if spot is not None:
            spot.error(refused, icon=":material/error:")
        else:
            with ctrl:
                st.error(refused, icon=":material/error:")


if current is not None and current["data"] is None:
    # Training is the slow part: it starts now, on a free worker, while the model is described.
    live_training.start(PAGE, current["spec"], current["dataset"])


def _same(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return False
    digest = lambda d: d["data"]["digest"] if d.get("data") else None  # noqa: E731
    return a["spec"] == b["spec"] and a["dataset"] == b["dataset"] and digest(a) == digest(b)


with view:
    if current is not None:
        res = describe(current["spec"], None if current["data"] else current["dataset"])
        if res is not None and res["ok"]:
            st.session_state[LAST] = {**current, "res": res}
        elif res is not None:  # None: the engine failed, said by describe
            show_failure(res)
    elif st.session_state.get(LAST) is None and dataset != stack.MY_CSV:
        fallback = _fallback(dataset)
        if fallback is not None:
            st.session_state[LAST] = fallback
            st.info(t("build_and_train.fallback_model"), icon=":material/info:")
            current = fallback  # said above; not "the last valid model" as well
    shown = st.session_state.get(LAST)
    if shown is not None and not _same(shown, current):
        st.info(t("common.last_good_model"))
        if refused:
            st.caption(t("build_and_train.refused_note", what=refused))
    if shown is None:
        st.stop()
    # The results as sections beside the controls (ui/sections.py): a lecturer steps through them as
    # slides, a learner changes a control and sees the open section follow.
    train_tab, model_tab, step_tab, predict_tab, code_tab = sections(PAGE, ("train", "model", "step", "predict", "code"))

res = shown["res"]
shown_spec = model_spec.ModelSpec.from_dict(shown["spec"])
shown_data = shown.get("data")
code = _csv_code(shown["spec"], shown_data) if shown_data else res["code"]

# ----------------------------------------------------------------------------- fit()
with train_tab:
    st.subheader(t("build_and_train.train_title"))
    st.caption(t("build_and_train.train_caption", pct=round(float(shown_spec.validation_split) * 100)))
    signature = st.container()  # filled after fit(): its quick job must not hold up the training's progress
    result = train(shown["spec"], shown["dataset"], shown_data)
    if not result.get("ok"):
        if "engine_error" not in result:  # an engine failure was already said where it happened
            show_failure(result, lambda r: build_controls.spec_error_message(SpecError(r.code, **r.params), PAGE))
        result = None

    hist = result["history"] if result else {}
    if result and not result.get("live_drawn"):  # train_live draws its own growing chart and says how the run ended
        # The learner's own data trains in one call: the same chart as the live one, drawn once.
        fig = charts.loss_figure(hist, shown_spec.epochs)
        st.plotly_chart(fig, width="stretch", key=f"{PAGE}_loss")
        if result.get("status") == "diverged":
            st.warning(t("build_and_train.diverged"), icon=":material/warning:")
        elif result.get("status") == "cancelled":
            st.info(t("build_and_train.cancelled"))
        st.caption(t("build_and_train.trained_in", epochs=result.get("epochs_run", len(hist.get("loss", []))),
                     seconds=float(result.get("seconds", 0.0))))
    if result:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(t("build_and_train.final_loss"), f"{hist['loss'][-1]:.4g}" if hist.get("loss") else "—")
        m2.metric(t("build_and_train.final_val"), f"{hist['val_loss'][-1]:.4g}" if hist.get("val_loss") else "—")
        if hist.get("val_accuracy"):
            m3.metric(t("build_and_train.final_acc"), f"{hist['val_accuracy'][-1]:.1%}")
        if result.get("epochs_per_s") and not result.get("live_drawn"):
            m4.metric(t("build_and_train.speed"), f"{result['epochs_per_s']:.0f}")
    ff = quick(jobs.fit_facts, spec=shown["spec"]) or {}
    if ff:
        with signature.expander(t("build_and_train.fit_signature_title"), icon=":material/functions:"):
            st.caption(t("build_and_train.fit_signature_caption", version=ff["keras_version"]))
            model_view.code(ff["signature"])

# ----------------------------------------------------------------------------- the model
with model_tab:
    st.subheader(t("build_and_train.model_title"))
    o = shown_spec.output
    head = f'`Dense({o.units}, activation="{o.activation}")`' if o.activation else f"`Dense({o.units})`"
    st.caption(t("build_and_train.head_note", head=head, loss=shown_spec.loss))
    st.markdown(t("build_and_train.model_name", name=res["model_name"]))
    totals(res)
    g_col, b_col = st.columns([1, 1])
    with g_col:
        st.graphviz_chart(res["dot"], width="content")
    with b_col:
        st.plotly_chart(charts.params_bar(res["table"], t("build_and_train.bar_title"), t("build_and_train.axis_layer"),
                                     t("build_and_train.axis_params")), width="stretch", key=f"{PAGE}_bar")
    table(res)

# ----------------------------------------------------------------------------- step-through
# Only while its section is open: its job waits for no one else's change, and its Left/Right keys
# do not step a hidden walk-through. Opened again, it starts at the link's line or the first.
with step_tab:
    st.subheader(t("build_and_train.step_title"))
    st.caption(t("build_and_train.step_caption"))
    if step_tab.open is not False:  # None: tabs without state (never here), everything runs
        build_controls.step_through(PAGE, shown["spec"])


# ----------------------------------------------------------------------------- predict()
with predict_tab:
    p = result.get("predict") if result else None
    if p and ff.get("ok"):
        st.subheader(t("build_and_train.predict_title"))
        n_pred, units_out = ff["n"], ff["predict_shape"][-1]
        shape_opts = [f"({n_pred},)", f"({n_pred}, {units_out})", f"(None, {units_out})", f"({units_out}, {n_pred})"]
        real_shape = "(" + ", ".join(map(str, ff["predict_shape"])) + ("," if len(ff["predict_shape"]) == 1 else "") + ")"
        if not predict.gate(PAGE, "predict", t("build_and_train.predict_gate", n=n_pred), options=shape_opts,
                            actual=real_shape, actual_text=f"`{real_shape}`", context=units_out):
            p = None
    if p and p["kind"] == "confusion":
        # Only the learner's own multi-class file gets here: a second look beyond the document, folded.
        with st.expander(t("build_and_train.advanced_confusion"), icon=":material/grid_on:"):
            st.caption(t("build_and_train.predict_confusion" if p.get("on_validation") else
                         "build_and_train.predict_confusion_all"))
            st.plotly_chart(charts.confusion_figure(p, shown_data["classes"] if shown_data else [],
                                                    t("build_and_train.confusion_title"),
                                                    t("build_and_train.axis_pred_class"),
                                                    t("build_and_train.axis_true_class")),
                            width="stretch", key=f"{PAGE}_predict")
    elif p:
        if p["kind"] == "scatter" and shown_data:
            st.caption(t("build_and_train.predict_scatter_csv"))
        else:
            st.caption(t(f"build_and_train.predict_{p['kind']}"))
        if p["kind"] == "curve":
            fig = charts.curve_figure(p, t("build_and_train.curve_title"), t("build_and_train.axis_x"),
                                      t("build_and_train.axis_y"), t("build_and_train.legend_data"),
                                      t("build_and_train.legend_model"), t("build_and_train.legend_val"))
        elif p["kind"] == "grid":
            fig = charts.regions_figure(p, t("build_and_train.grid_title"), t("build_and_train.axis_x1"),
                                        t("build_and_train.axis_x2"),
                                        (t("build_and_train.legend_class0"), t("build_and_train.legend_class1")),
                                        t("build_and_train.prob"))
        else:
            fig = charts.scatter_figure(p, t("build_and_train.scatter_title"), t("build_and_train.axis_true"),
                                        t("build_and_train.axis_pred"), t("build_and_train.legend_data"),
                                        t("build_and_train.legend_val"))
        st.plotly_chart(fig, width="stretch", key=f"{PAGE}_predict")

# ----------------------------------------------------------------------------- code and downloads
with code_tab:
    st.subheader(t("build_and_train.code_title"))
    st.caption(t("build_and_train.code_caption"))
    model_view.code(code)

    if result is None:
        keras_args = None
    elif shown_data:
        keras_args = {"spec": shown["spec"], "x": shown_data["x"], "y": shown_data["y"], "task": shown_data["task"]}
    else:
        keras_args = {"spec": shown["spec"], "dataset": shown["dataset"]}
    with st.expander(t("build_and_train.advanced_exports"), icon=":material/download:"):
        build_controls.exports(PAGE, shown["spec"], code, res["table"], hist or None, keras_args,
                               csv_file=shown_data["file"] if shown_data else None)
