"""Functional graphs: what only the Functional API builds — several inputs, several outputs,
shared layers, skip connections — edited node by node, built and trained by real Keras.

The graph lives in one bound text field (engine.graphs' link text), so a copied link carries
the whole graph. The editor's widgets are not bound: each change goes through a callback that
rewrites that text, and their own state is cleared so they are drawn again from the graph.
A graph Keras refuses shows Keras's words and an explanation; the last good graph stays.
"""
import streamlit as st

from engine import data, graphs
from engine import spec as model_spec
from engine.results import InputRejected, failure_of, rejected_by
from engine.validate import (
    MAX_NODES,
    MAX_UNITS,
    RESERVED,
    SpecError,
    check_name,
    parse_float,
    parse_int,
)
from lessons import functional_graphs as jobs
from ui import charts, live, model_view, predict
from ui.i18n import page_header, spec_error_text, t
from ui.model_view import show_failure
from ui.sections import sections
from ui.share import presenting

P = "functional_graphs"
TEXT = f"{P}_graph"  # the bound field holding the whole graph
NODE = f"{P}_n__"  # prefix of the editor's per-node widgets (cleared after every edit)
LAST = f"{P}__last_good"
EDIT_ERROR = f"{P}__edit_error"
NEW_OPS = ("Dense", "Concatenate", "Add", "Average", "Multiply", "Dropout", "BatchNormalization", "Flatten",
           "Reuse", "Input")
EPOCHS = (20, 50, 100, 200)
RATES = ("0.0003", "0.001", "0.003", "0.01", "0.03")
# px of the node list's scroll box: beside the graph, with the preset above, on one screen (presenter: 720 px)
EDITOR_HEIGHT = {True: 290, False: 340}
CODE_HEIGHT = 450  # px of the code listing's scroll box


def _txt(key: str, **params) -> str:
    return t(f"{P}.{key}", **params)


def _error_text(e: SpecError) -> str:
    own = f"{P}.error_{e.code}"
    text = t(own, **e.params)
    return text if text != own else spec_error_text(e.code, e.params)


def _rejected_text(failure: InputRejected) -> str:
    return _error_text(SpecError(failure.code, **failure.params))


# ----------------------------------------------------------------------------- editing the graph
def _clear_node_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(NODE) or str(k).startswith(f"{P}_new_")]:
        del st.session_state[key]


def _set_graph(g: model_spec.GraphSpec) -> None:
    st.session_state[TEXT] = graphs.to_text(g)
    _clear_node_widgets()


def _current() -> model_spec.GraphSpec | None:
    try:
        return graphs.from_text(st.session_state.get(TEXT) or "")
    except SpecError:
        return None


def _apply_preset() -> None:
    st.session_state[TEXT] = graphs.PRESET_TEXT[st.session_state.get(f"{P}_preset") or "chain"]
    st.session_state.pop(EDIT_ERROR, None)
    _clear_node_widgets()


def _edit(node_id: str, what: str) -> None:
    """on_change of one editor widget: apply it to the graph text, or keep the graph and say why."""
    g = _current()
    if g is None:
        return
    st.session_state.pop(EDIT_ERROR, None)
    value = st.session_state.get(f"{NODE}{what}__{node_id}")
    try:
        if what == "remove":
            graphs.remove_node(g, node_id)
        elif what == "inputs":
            g.node(node_id).inputs = [i for i in (value or [])]
        elif what == "units":
            g.node(node_id).units = parse_int(value, 1, MAX_UNITS, "units")
        elif what == "act":
            g.node(node_id).activation = None if value == "linear" else value
        elif what == "rate":
            g.node(node_id).rate = parse_float(value, 0.0, 0.95, "rate") + 0.0  # -0 -> 0
        elif what == "model_input":
            ins = g.model_inputs()
            g.inputs = ins + [node_id] if value and node_id not in ins else [i for i in ins if i != node_id or value]
        elif what == "output":
            if value:
                kind_target = next(iter(data.GRAPH_SHAPES[_dataset()]["targets"].items()))
                g.outputs.append(model_spec.OutputSpec(node_id, graphs.loss_for(kind_target[1]), 1.0,
                                                       graphs.metrics_for(graphs.loss_for(kind_target[1])),
                                                       kind_target[0]))
            else:
                g.outputs = [o for o in g.outputs if o.node != node_id]
        elif what in ("target", "weight"):
            for o in g.outputs:
                if o.node == node_id and what == "target":
                    o.target = value
                    o.loss = graphs.loss_for(data.GRAPH_SHAPES[_dataset()]["targets"][value])
                    o.metrics = graphs.metrics_for(o.loss)
                elif o.node == node_id:
                    o.weight = parse_float(value, 0.0, 100.0, "loss_weight") + 0.0  # -0 -> 0
    except SpecError as e:
        st.session_state[EDIT_ERROR] = (e.code, e.params)
    _set_graph(g)


def _add() -> None:
    """on_click of "Add node": a new node at the bottom, taking nodes above it."""
    g = _current()
    if g is None:
        return
    st.session_state.pop(EDIT_ERROR, None)
    op = st.session_state.get(f"{P}_new_op") or "Dense"
    try:
        if op == "Input":
            group = st.session_state.get(f"{P}_new_group")
            shape = data.GRAPH_SHAPES[_dataset()]["features"].get(group)
            if shape is None:
                raise SpecError("choice_invalid", field="dataset", value=str(group))
            if any(n.id == group for n in g.nodes):
                raise SpecError("name_duplicate", name=group)
            node = model_spec.NodeSpec(group, "Input", [], name=group, shape=shape)
            g.nodes.insert(sum(1 for n in g.nodes if n.op == "Input"), node)
            if g.inputs is not None:
                g.inputs.append(group)
        else:
            name = (st.session_state.get(f"{P}_new_name") or "").strip() or graphs.fresh_id(g, op)
            node = model_spec.NodeSpec(name, op, list(st.session_state.get(f"{P}_new_inputs") or []), name=name)
            if op == "Dense":
                node.units = parse_int(st.session_state.get(f"{P}_new_units") or "8", 1, MAX_UNITS, "units")
                act = st.session_state.get(f"{P}_new_act") or "relu"
                node.activation = None if act == "linear" else act
            elif op == "Dropout":
                node.rate = 0.2
            elif op == "Reuse":
                node.layer = st.session_state.get(f"{P}_new_layer")
                node.name = None
            graphs.add_node(g, node)
    except SpecError as e:
        st.session_state[EDIT_ERROR] = (e.code, e.params)
        return
    _set_graph(g)


def _hint(message: str) -> str:
    """Which short explanation fits Keras's message: unequal shapes, a disconnected graph, other."""
    low = message.lower()
    if "incompatible shapes" in low or "shape" in low and "concatenate" in low:
        return "shapes"
    if "not connected" in low or "disconnected" in low:
        return "disconnected"
    return "other"


def _dataset() -> str:
    return graphs.PRESET_DATA.get(st.session_state.get(f"{P}_preset") or "chain", "diabetes")


# ----------------------------------------------------------------------------- the editor
def node_editor(g: model_spec.GraphSpec, dataset: str) -> None:
    """One card a node, top to bottom as the graph runs, then the form that adds a node."""
    above: list[str] = []
    for n in g.nodes:
        with st.container(border=True):
            _node_card(g, n, above, dataset)
        above.append(n.id)
    with st.container(border=True):
        _add_form(g, dataset, above)


def _node_card(g: model_spec.GraphSpec, n: model_spec.NodeSpec, above: list[str], dataset: str) -> None:
    """A node's head and Remove, what it takes (the nodes `above` it), its settings, its output."""
    head, rm = st.columns([5, 1], vertical_alignment="center")
    kind = f"{n.op}({n.layer})" if n.op == "Reuse" else n.op
    head.markdown(f"**`{n.id}`** · `{kind}`" + (f" · `{n.shape}`" if n.op == "Input" else ""))
    rm.button(_txt("remove"), key=f"{NODE}remove__{n.id}", on_click=_edit, args=(n.id, "remove"),
              icon=":material/delete:", help=_txt("remove_help"))
    if n.op == "Input":
        st.toggle(_txt("model_input"), value=n.id in g.model_inputs(), key=f"{NODE}model_input__{n.id}",
                  on_change=_edit, args=(n.id, "model_input"), help=_txt("model_input_help"))
    else:
        st.multiselect(_txt("takes"), above, default=[i for i in n.inputs if i in above],
                       key=f"{NODE}inputs__{n.id}", on_change=_edit, args=(n.id, "inputs"),
                       help=_txt("takes_help"), placeholder=_txt("takes_none"))
    if n.op == "Dense":
        c1, c2 = st.columns(2)
        c1.text_input(_txt("units"), str(n.units), key=f"{NODE}units__{n.id}", max_chars=4,
                      on_change=_edit, args=(n.id, "units"))
        act = n.activation or "linear"
        c2.selectbox(_txt("activation"), model_spec.ACTIVATIONS, index=model_spec.ACTIVATIONS.index(act),
                     key=f"{NODE}act__{n.id}", on_change=_edit, args=(n.id, "act"))
    elif n.op == "Dropout":
        st.text_input(_txt("rate"), f"{n.rate:g}", key=f"{NODE}rate__{n.id}", max_chars=5,
                      on_change=_edit, args=(n.id, "rate"))
    if n.op != "Input":
        _output_controls(g, n, dataset)


def _output_controls(g: model_spec.GraphSpec, n: model_spec.NodeSpec, dataset: str) -> None:
    """Is the node a model output, and if so: which target it learns, its loss and loss weight."""
    outs = {o.node: o for o in g.outputs}
    is_out = n.id in outs
    st.toggle(_txt("is_output"), value=is_out, key=f"{NODE}output__{n.id}", on_change=_edit,
              args=(n.id, "output"))
    if not is_out:
        return
    o = outs[n.id]
    c1, c2 = st.columns(2)
    names = list(data.GRAPH_SHAPES[dataset]["targets"])
    c1.selectbox(_txt("target"), names, index=names.index(o.target) if o.target in names else 0,
                 key=f"{NODE}target__{n.id}", on_change=_edit, args=(n.id, "target"),
                 help=_txt("target_help"))
    c2.text_input(_txt("loss_weight"), f"{o.weight:g}", key=f"{NODE}weight__{n.id}", max_chars=6,
                  on_change=_edit, args=(n.id, "weight"), help=_txt("loss_weight_help"))
    st.caption(_txt("output_loss", loss=o.loss))


def _add_form(g: model_spec.GraphSpec, dataset: str, above: list[str]) -> None:
    """"Add node": the op, then what that op needs (an Input: a feature group; else a name and inputs)."""
    st.markdown(f"**{_txt('add_title')}**")
    op = st.selectbox(_txt("new_op"), NEW_OPS, key=f"{P}_new_op")
    if op == "Input":
        free = [k for k in data.GRAPH_SHAPES[dataset]["features"] if k not in {n.id for n in g.nodes}]
        st.selectbox(_txt("new_group"), free, key=f"{P}_new_group",
                     format_func=lambda k: f"{k} {data.GRAPH_SHAPES[dataset]['features'][k]}")
    else:
        _new_name_field(g)
        st.multiselect(_txt("takes"), above, key=f"{P}_new_inputs", help=_txt("takes_help"),
                       placeholder=_txt("takes_none"))
    if op == "Dense":
        c1, c2 = st.columns(2)
        c1.text_input(_txt("units"), "8", key=f"{P}_new_units", max_chars=4)
        c2.selectbox(_txt("activation"), model_spec.ACTIVATIONS, index=1, key=f"{P}_new_act")
    if op == "Reuse":
        owners = [n.id for n in g.nodes if n.op in model_spec.LAYER_OPS]
        st.selectbox(_txt("new_layer"), owners, key=f"{P}_new_layer", help=_txt("new_layer_help"))
    st.button(_txt("add"), key=f"{P}_add", on_click=_add, icon=":material/add:", type="primary",
              disabled=len(g.nodes) >= MAX_NODES)
    if len(g.nodes) >= MAX_NODES:
        st.caption(_txt("cap_nodes", max=MAX_NODES))


def _new_name_field(g: model_spec.GraphSpec) -> None:
    """The new node's name, checked as it is typed, not only when "Add" is pressed."""
    new_name = st.text_input(_txt("new_name"), "", key=f"{P}_new_name", max_chars=40,
                             placeholder=_txt("new_name_auto"))
    name = new_name.strip()
    if not name:
        return
    ids = {n.id for n in g.nodes}
    try:
        check_name(new_name, "node_name")
        if name in RESERVED or name in ids:
            raise SpecError("name_duplicate" if name in ids else "name_reserved", name=name)
    except SpecError as e:
        st.error(_error_text(e), icon=":material/error:")


# ----------------------------------------------------------------------------- sections
def _sequential(r: dict) -> None:
    """Could Sequential build it: for a chain, the two codes side by side; else the graph's reasons."""
    st.subheader(_txt("sequential_title"))
    if r["is_chain"]:
        st.markdown(_txt("sequential_chain", params=f"{r['sequential_params']:,}", total=f"{r['totals']['params']:,}"))
        left, right = st.columns(2)
        left.caption(_txt("functional_code"))
        model_view.code(r["functional"], where=left)
        right.caption(_txt("sequential_code"))
        model_view.code(r["sequential"], where=right)
    else:
        st.markdown(_txt("sequential_no"))
        for kind, params in r["not_sequential"]:
            st.markdown("- " + _txt(f"why_{kind}", **params))


def _parameters(r: dict, shown_text: str, shared_gate: bool) -> None:
    """The totals and the table with its arithmetic; for the shared preset, after a guess."""
    st.subheader(_txt("params_title"))
    asked = True
    if shared_gate:
        asked = predict.gate(P, "shared_params", _txt("guess_question"), actual=r["totals"]["params"],
                             actual_text=f"{r['totals']['params']:,}", context=shown_text, help=_txt("guess_help"))
    if not asked:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("common.total_params"), f"{r['totals']['params']:,}")
    c2.metric(t("common.trainable_params"), f"{r['totals']['trainable']:,}")
    c3.metric(t("common.non_trainable_params"), f"{r['totals']['non_trainable']:,}")
    rows = []
    for row in r["table"]:
        note = _txt("calls_shared", n=row["calls"], on=row["called_on"]) if row["calls"] > 1 else row["called_on"]
        rows.append({_txt("col_layer"): row["layer"], _txt("col_type"): row["type"],
                     _txt("col_shape"): row["output_shape"], _txt("col_params"): row["params"],
                     _txt("col_arithmetic"): row["arithmetic"], _txt("col_calls"): note})
    st.dataframe(rows, hide_index=True, width="stretch")
    for name in r["shared"]:
        st.info(_txt("reuse_note", layer=name), icon=":material/share:")
    with st.expander(_txt("summary_title"), icon=":material/terminal:"):
        st.code(r["summary"], language="text")


def _predictions(preds: list) -> None:
    """Per output: its score and predicted against true, and the first rows as numbers (beside the chart
    for one output, folded under each chart for several)."""
    st.subheader(_txt("predict_title"))
    st.caption(_txt("predict_caption"))
    for col, p in zip(st.columns(len(preds)), preds):
        chart, side = col.columns([3, 2]) if len(preds) == 1 else (col, col)
        if p["kind"] == "binary":
            side.metric(_txt("accuracy_of", name=p["name"]), f"{p['accuracy']:.1%}")
        else:
            side.metric(_txt("mae_of", name=p["name"]), f"{p['mae']:.3f}")
        fig = charts.scatter_figure({"y_true": p["y_true"], "y_pred": p["y_pred"], "val_start": 0},
                                    _txt("scatter_title", name=p["name"]), _txt("axis_true", target=p["target"]),
                                    _txt("axis_pred"), _txt("legend_train"), _txt("legend_val"))
        chart.plotly_chart(fig, width="stretch", key=f"{P}_pred_{p['name']}")
        rows = side if len(preds) == 1 else side.expander(_txt("predict_rows", name=p["name"]), icon=":material/table:")
        if len(preds) == 1:
            rows.caption(_txt("predict_rows", name=p["name"]))
        rows.dataframe([{_txt("axis_true", target=p["target"]): round(float(a), 3),
                         _txt("axis_pred"): round(float(b), 3)} for a, b in zip(p["y_true"][:8], p["y_pred"][:8])],
                       hide_index=True, width="stretch")


# ----------------------------------------------------------------------------- page
page_header(P)
# Six slides (ui/sections.py). The editor and the graph it draws share the first; training, its predictions and
# the code follow the last graph Keras accepted. Every widget runs whatever tab is open, and the training runs
# as before (on every rerun), so the predictions and the trained .keras are there when their tab opens.
tabs = sections(P, ("build", "sequential", "params", "train", "predict", "code"))

with tabs[0]:
    preset = st.segmented_control(_txt("preset_label"), graphs.PRESETS, default="chain", key=f"{P}_preset",
                                  on_change=_apply_preset, bind="query-params") or "chain"
    dataset = graphs.PRESET_DATA[preset]
    # Two halves of one screen: what the preset is and its nodes (a box that scrolls), beside the graph they draw.
    editor, view = st.columns(2, gap="large")
    editor.markdown(_txt(f"about_{preset}"))
    editor.caption(_txt(f"data_{dataset}"))
    with view:
        drawn = st.container()  # the graph, drawn once the text below is read
        with st.expander(_txt("text_title"), icon=":material/link:"):
            st.caption(_txt("text_help"))
            text = st.text_input(_txt("text_label"), graphs.PRESET_TEXT[preset], key=TEXT, max_chars=graphs.MAX_TEXT,
                                 on_change=_clear_node_widgets, bind="query-params")

graph = None
failure = None
try:
    graph = graphs.from_text(text)
except SpecError as e:
    failure = rejected_by(e)

res = None
if graph is not None:
    res = live.quick(jobs.describe_graph, text=text, dataset=dataset, call_label=_txt("call_label"),
                     shared_comment=_txt("shared_comment"))
    if res is not None and not res.get("ok"):
        failure, res = res, None

with editor:
    st.subheader(_txt("editor_title"), help=_txt("editor_help"))
    if st.session_state.get(EDIT_ERROR):
        code, params = st.session_state[EDIT_ERROR]
        st.error(_error_text(SpecError(code, **params)), icon=":material/error:")
    if graph is not None:
        # A fixed-height box that scrolls: a long graph's cards stay beside its drawing, on one screen.
        with st.container(height=EDITOR_HEIGHT[presenting()], border=False):
            node_editor(graph, dataset)
    else:
        st.info(_txt("editor_off"), icon=":material/edit_off:")

with drawn:
    if failure is not None:
        st.subheader(_txt("broken_title"))
        show_failure(failure, wording=_rejected_text)
        said = failure_of(failure)
        if not isinstance(said, InputRejected):
            st.info(_txt("explain_keras", hint=_txt(f"hint_{_hint(said.message)}")), icon=":material/lightbulb:")
    if res is not None:
        st.session_state[LAST] = {"text": text, "dataset": dataset, "res": res}
    shown = st.session_state.get(LAST)
    if shown is None:
        st.stop()
    if res is None:
        st.info(t("common.last_good_model"), icon=":material/history:")
    r = shown["res"]
    st.subheader(_txt("graph_title"), help=_txt("graph_caption"))
    st.graphviz_chart(r["dot"], width="content")
    for kind, params in r["loose_ends"]:
        st.warning(_txt(f"loose_{kind}", **params), icon=":material/link_off:")

shown_text, shown_data = shown["text"], shown["dataset"]
shown_graph = graphs.from_text(shown_text)

with tabs[1]:
    _sequential(r)
with tabs[2]:
    _parameters(r, shown_text, shown_graph is not None and preset == "shared" and bool(r["shared"]))

# ----------------------------------------------------------------------------- training
outputs = r["outputs"]
names = [o["name"] for o in outputs]


def _history(messages: list) -> dict:
    hist: dict = {}
    for m in messages:
        for k, v in m.items():
            if k != "epoch":
                hist.setdefault(k, []).append(v)
    return hist


def _figure(hist: dict):
    series = [(_txt("series_total"), hist.get("loss") or [], "#111827", None),
              (_txt("series_total_val"), hist.get("val_loss") or [], "#111827", "dash")]
    if len(names) > 1:
        for i, nm in enumerate(names):
            color = charts.PALETTE[i % len(charts.PALETTE)]
            series.append((f"{nm}_loss", hist.get(f"{nm}_loss") or [], color, None))
            series.append((f"val_{nm}_loss", hist.get(f"val_{nm}_loss") or [], color, "dash"))
    fig = charts.curves(series, _txt("chart_title"), _txt("axis_epoch"), _txt("axis_loss"))
    fig.update_xaxes(range=[0.5, int(epochs) + 0.5])
    fig.update_layout(height=fig.layout.height - 70)  # a little shorter than charts' default: one slide with its sliders
    return fig


def _partial(messages: list) -> dict:
    hist = _history(messages)
    return {"ok": True, "status": "cancelled", "history": hist, "epochs_run": len(hist.get("loss", [])),
            "seconds": 0.0, "epochs_per_s": 0.0, "predict": None}


def _closing(out, result: dict) -> None:
    """Under the curve: how the run ended (done, stopped, out of time, diverged) and history's keys."""
    hist = result["history"]
    if result.get("epochs_run"):
        out.chart.plotly_chart(_figure(hist), width="stretch", key=f"{P}_train_chart")
    status = result.get("status")
    if status == "done":
        out.status.caption(_txt("trained", epochs=result["epochs_run"], seconds=f"{result.get('seconds', 0.0):.2f}"))
    elif status == "cancelled":
        with out.status.container():
            note, button = st.columns([4, 1], vertical_alignment="center")
            note.info(_txt("stopped", epoch=result.get("epochs_run", 0), epochs=epochs), icon=":material/stop_circle:")
            live.again_button(f"{P}.train", out.key, _txt("train_again"), where=button)
    elif status == "time_limit":
        st.warning(t("training.time_limit", epoch=result.get("epochs_run", 0), epochs=epochs,
                     seconds=f"{result.get('seconds', 0.0):.0f}"), icon=":material/timer_off:")
    elif status == "diverged":
        st.error(t("training.diverged", epoch=result.get("epochs_run", 0), value=str((hist.get("loss") or ["?"])[-1])),
                 icon=":material/warning:")
    if hist.get("loss"):
        st.caption(_txt("history_keys", keys=", ".join(f"`{k}`" for k in hist)))


with tabs[3]:
    about, c1, c2 = st.columns([2, 1, 1])  # the heading beside the two sliders: the curve gets the screen
    about.subheader(_txt("train_title"))
    about.caption(_txt("train_caption", outputs=", ".join(f"`{o['name']}` ({o['loss']}, {o['weight']:g})" for o in outputs)))
    epochs = c1.select_slider(_txt("epochs"), EPOCHS, value=100, key=f"{P}_epochs", bind="query-params")
    lr = c2.select_slider(_txt("learning_rate"), RATES, value="0.001", key=f"{P}_lr", bind="query-params")
    args = {"text": shown_text, "dataset": shown_data, "epochs": int(epochs), "learning_rate": float(lr),
            "batch_size": 32, "validation_split": 0.2}
    out = live.run(f"{P}.train", jobs.train_graph, args, total=int(epochs),
                   done_of=lambda ms: int(ms[-1].get("epoch", len(ms))), figure=lambda ms: _figure(_history(ms)),
                   partial=_partial)
    result = out.result
    if result is not None and not result.get("ok"):
        out.chart.empty()
        show_failure(result, wording=_rejected_text)
        result = None
    if result is not None:
        _closing(out, result)

with tabs[4]:
    preds = (result or {}).get("predict") or []
    if preds:
        _predictions(preds)
    else:
        st.info(_txt("predict_none"), icon=":material/hourglass_empty:")

# ----------------------------------------------------------------------------- code and downloads
with tabs[5]:
    st.subheader(_txt("code_title"))
    st.caption(_txt("code_caption"))
    # A box that scrolls: a long listing stays one slide, its downloads in view under it.
    model_view.code(r["code"], where=st.container(height=CODE_HEIGHT, border=False))
    d1, d2 = st.columns(2)
    d1.download_button(_txt("download_py"), r["code"].encode("utf-8"), file_name=f"{shown_graph.name or 'model'}.py",
                       mime="text/x-python", key=f"{P}_download_py", icon=":material/download:",
                       on_click="ignore")
    if result is not None and result.get("status") == "done":
        def _keras_bytes() -> bytes:
            from ui.client import call

            res_file = call(jobs.keras_file, **args)
            return res_file["data"] if res_file.get("ok") else b""

        d2.download_button(_txt("download_keras"), _keras_bytes, file_name=f"{shown_graph.name or 'model'}.keras",
                           mime="application/octet-stream", key=f"{P}_download_keras", icon=":material/download:",
                           on_click="ignore")
