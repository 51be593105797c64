"""2 · Dense(): one real layer's W, b, parameter count, activation and x·W + b; then why hidden layers need an activation.

Five sections, one slide each (ui/sections.py): the formula, the layer built from the controls, its
W and b (with the initializers that make them), one sample through it, and the hidden-layer demo.
Every section's widgets run on every rerun, so nothing is lost while its tab is closed."""
import streamlit as st

from engine.spec import ACTIVATIONS, INITIALIZERS
from engine.validate import check_name, parse_int
from lessons import dense_layer as jobs
from lessons.dense_layer import (
    DENSE_MAX_IN,
    DENSE_MAX_UNITS,
    DENSE_REGULARIZERS,
    STACK_MAX_DEPTH,
)
from ui import charts, live, model_view, predict
from ui.i18n import page_header, t
from ui.lesson_view import (
    Inputs,
    fmt,
    heatmap,
    keep_last_good,
    keras_says,
    lesson,
)
from ui.model_view import mandatory_error
from ui.sections import sections

P = "dense_layer"
WIDTHS = [4, 8, 16, 32, 64]


def _none(v: str):
    return None if v == "None" else v


def meaning() -> None:
    """The formula in words; the real signature (one argument a line, too long for the slide) folded under it."""
    st.latex(r"\text{output} = \text{activation}(x \cdot W + b)")
    st.markdown(t(f"{P}.formula"))
    sig = live.maybe(jobs.signature)
    if sig is not None:  # the page's controls work without it
        st.markdown(t(f"{P}.signature_text", version=sig["keras_version"],
                      extra=", ".join(f"`{n}`" for n in sig["extra"])))
        with st.expander(t(f"{P}.signature_title"), icon=":material/code:"):
            model_view.code(sig["signature"])


def controls() -> dict:
    """The document's arguments four across, then use_bias and the toggle that leaves `units` out."""
    st.subheader(t(f"{P}.controls"))
    c1, c2, c3, c4 = st.columns(4)
    in_text = c1.text_input(t(f"{P}.in_label"), value="3", key=f"{P}_in",
                            help=t(f"{P}.in_help", max=DENSE_MAX_IN), bind="query-params")
    units_text = c2.text_input(t(f"{P}.units_label"), value="4", key=f"{P}_units",
                               help=t(f"{P}.units_help", max=DENSE_MAX_UNITS), bind="query-params")
    # "None" as text: the option reads as the Python default and survives in a shared link.
    activation = _none(c3.selectbox(t(f"{P}.activation_label"), ["None", *ACTIVATIONS], index=2,
                                    key=f"{P}_activation", bind="query-params"))
    name_text = c4.text_input(t(f"{P}.name_label"), key=f"{P}_name", bind="query-params")
    with st.container(horizontal=True, vertical_alignment="center", gap="large"):
        use_bias = st.checkbox(t(f"{P}.use_bias_label"), value=True, key=f"{P}_use_bias", bind="query-params")
        leave_out = st.toggle(t(f"{P}.leave_out_label"), key=f"{P}_leave_out", help=t(f"{P}.leave_out_help"),
                              bind="query-params")
    return {"in_text": in_text, "units_text": units_text, "name_text": name_text, "activation": activation,
            "use_bias": use_bias, "leave_out": leave_out}


def advanced(use_bias: bool) -> dict:
    """Initializers, seed and regularizer: beyond the document's point, folded away beside W and b."""
    with st.expander(t(f"{P}.advanced_title"), icon=":material/tune:"):
        st.caption(t(f"{P}.advanced_caption"))
        a1, a2 = st.columns(2)
        kinit = a1.selectbox(t(f"{P}.kinit_label"), INITIALIZERS, key=f"{P}_kinit", bind="query-params")
        binit = a2.selectbox(t(f"{P}.binit_label"), INITIALIZERS, index=INITIALIZERS.index("zeros"),
                             key=f"{P}_binit", bind="query-params", disabled=not use_bias)
        seed = a1.number_input(t(f"{P}.seed_label"), min_value=0, max_value=10_000, value=0, step=1,
                               key=f"{P}_seed", help=t(f"{P}.seed_help"), bind="query-params")
        reg = _none(a2.selectbox(t(f"{P}.reg_label"), [str(r) for r in DENSE_REGULARIZERS], key=f"{P}_reg",
                                 bind="query-params"))
    return {"kinit": kinit, "binit": binit, "seed": int(seed), "reg": reg}


def run(v: dict, adv: dict):
    """The layer Keras builds (or the last good one); a refusal is said under the controls."""
    if v["leave_out"]:
        st.subheader(t(f"{P}.leave_out_title"))
        st.markdown(t(f"{P}.leave_out_text"))
        model_view.code("from keras.layers import Dense\n\nlayer = Dense()")
        keras_says(mandatory_error("dense_units"))
        st.caption(t(f"{P}.leave_out_after"))
        return None
    inp = Inputs()
    n_in = inp.parse(parse_int, v["in_text"], 1, DENSE_MAX_IN, "in_features")
    # units: only text that is not a whole number is stopped here; 0 or -3 go to Keras, whose own check is the lesson.
    units = inp.parse(parse_int, v["units_text"], -(10**9), 10**9, "units")
    if units is not None and units > DENSE_MAX_UNITS:
        # The app's own cap, said as one: not a bound of Keras, and no inner number leaks out.
        st.error(t(f"{P}.units_capped", max=DENSE_MAX_UNITS, value=f"{units:,}"), icon=":material/error:")
        inp.failed = True
    name = inp.parse(check_name, v["name_text"])
    res = None
    if not inp.failed:
        res = lesson(jobs.dense_layer, in_features=n_in, units=units, activation=v["activation"],
                     use_bias=v["use_bias"], kernel_initializer=adv["kinit"], bias_initializer=adv["binit"],
                     kernel_regularizer=adv["reg"], seed=adv["seed"], name=name)
    return keep_last_good(P, "layer", res)[0]


def result(res: dict) -> None:
    """The parameter count and its arithmetic, the name, and the code for exactly this layer."""
    st.subheader(t(f"{P}.result"))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t(f"{P}.m_params"), f"{res['params']:,}")
    m2.metric(t(f"{P}.m_arith") if res["b"] is not None else t(f"{P}.m_arith_nobias"), res["arithmetic"])
    m3.metric(t(f"{P}.m_output"), res["output_shape"])
    m4.metric(t(f"{P}.m_name"), res["layer_name"])
    key = "params_text" if res["b"] is not None else "params_text_nobias"
    st.markdown(t(f"{P}.{key}", units=res["units"], inputs=res["in_features"], arith=res["arithmetic"]))
    if res["layer_name"] == "dense":
        st.markdown(t(f"{P}.auto_name", name=res["layer_name"]))
    else:
        st.markdown(t(f"{P}.given_name", name=res["layer_name"]))
    # The whole script (imports, data, the layer, its call) is longer than a slide: folded, one click away.
    with st.expander(t(f"{P}.code_title"), icon=":material/code:"):
        model_view.code(res["code"])


def weights(res: dict, reg) -> None:
    """W and b as heatmaps; what the regularizer adds, when there is one."""
    st.subheader(t(f"{P}.weights_title"))
    kshape = "(" + ", ".join(map(str, res["kernel_shape"])) + ")"
    if res["b"] is not None:
        st.markdown(t(f"{P}.weights_text", kshape=kshape, bshape=f"({res['bias_shape'][0]},)"))
    else:
        st.markdown(t(f"{P}.weights_text_nobias", kshape=kshape))
    unit_labels = [f"{t(f'{P}.axis_unit')} {j}" for j in range(res["units"])]
    input_labels = [f"{t(f'{P}.axis_input')} {i}" for i in range(res["in_features"])]
    small = res["units"] <= 12 and res["in_features"] <= 16
    wcol, bcol = st.columns([3, 2]) if res["b"] is not None else (st.container(), None)
    with wcol:
        heatmap(res["W"], unit_labels, input_labels, t(f"{P}.w_title") + f" {kshape}", key=f"{P}_w_chart",
                annotate=small)
    if bcol is not None:
        with bcol:
            heatmap([res["b"]], unit_labels, ["b"], t(f"{P}.b_title") + f" ({res['bias_shape'][0]},)",
                    key=f"{P}_b_chart", annotate=res["units"] <= 12)
    if res["penalty"] is not None:
        st.subheader(t(f"{P}.reg_title"))
        st.markdown(t(f"{P}.reg_text", keras=f"{res['penalty']:.6f}", formula=t(f"{P}.reg_formula_{reg}"),
                      manual=f"{res['penalty_formula']:.6f}"))
        if reg == "l1_l2":
            st.caption(t(f"{P}.reg_note"))


def one_sample(res: dict, activation) -> None:
    """The activation's curve, then x·W + b for one sample, unit by unit, checked against Keras."""
    act_name = activation or "linear"
    curve = lesson(jobs.activation_curve, activation=activation)
    chart_col, steps_col = st.columns([2, 3])
    with chart_col:
        st.subheader(t(f"{P}.act_title", name=act_name))
        fig = charts.points_and_lines(None, [(act_name, curve["z"], curve["y"], None, None)], "",
                                      t(f"{P}.act_axis_z"), t(f"{P}.act_axis_y"), height=300)
        st.plotly_chart(fig, width="stretch", key=f"{P}_act_chart")
        if act_name == "softmax":
            st.markdown(t(f"{P}.act_softmax"))
        elif act_name == "linear":
            st.markdown(t(f"{P}.act_linear"))
    with steps_col:
        st.subheader(t(f"{P}.steps_title"))
        x_text = "[" + ", ".join(fmt(v, 3) for v in res["x"]) + "]"
        st.markdown(t(f"{P}.steps_text", x=x_text, shown=len(res["steps"]), units=res["units"]))
        lines = []
        for s in res["steps"]:
            row = t(f"{P}.step_row", unit=s["unit"], terms=s["terms"], wx=f"{s['wx']:.3f}")
            if s["b"] is not None:
                row += t(f"{P}.step_bias", b=f"{s['b']:.3f}", z=f"{s['z']:.3f}")
            else:
                row += " → z = " + f"{s['z']:.3f}"
            row += t(f"{P}.step_act", act=act_name, a=f"{s['a']:.4f}")
            lines.append("- " + row)
        st.markdown("\n".join(lines))
        y_text = "[" + ", ".join(f"{v:.4f}" for v in res["y_keras"][:8]) + (", …]" if res["units"] > 8 else "]")
        st.caption(t(f"{P}.keras_check", y=y_text, diff=f"{res['max_diff']:.2g}"))


def hidden() -> None:
    """Two stacks trained live, with and without an activation; then a word on output layers."""
    st.subheader(t(f"{P}.hidden_title"))
    text_col, slider_col = st.columns([3, 2])
    text_col.markdown(t(f"{P}.hidden_text"))
    depth = slider_col.slider(t(f"{P}.depth_label"), 1, STACK_MAX_DEPTH, 3, key=f"{P}_depth", bind="query-params")
    width = slider_col.select_slider(t(f"{P}.width_label"), WIDTHS, value=16, key=f"{P}_width",
                                     bind="query-params")
    collapse(depth, width)
    with st.expander(t(f"{P}.output_title"), icon=":material/output:"):
        st.markdown(t(f"{P}.output_text"))
        st.page_link("app_pages/outputs_tensor.py", label=t("outputs_tensor.title"), icon=":material/arrow_forward:")


def collapse(depth: int, width: int) -> None:
    """Predict, then see: a linear stack is one straight line, relu bends it."""
    with st.spinner(t(f"{P}.training")):
        flat = lesson(jobs.linear_collapse, activation=None, depth=depth, width=width)
        bent = lesson(jobs.linear_collapse, activation="relu", depth=depth, width=width)
    straight = flat.get("collapse_max_diff", 1.0) < 1e-3
    collapse_labels = {o: t(f"{P}.collapse_opt_{o}") for o in ("straight", "curve")}
    if predict.gate(P, "collapse", t(f"{P}.collapse_gate", depth=depth, width=width), options=list(collapse_labels),
                    labels=collapse_labels, actual="straight" if straight else "curve", context=(depth, width),
                    actual_text=t(f"{P}.collapse_actual_straight", diff=f"{flat.get('collapse_max_diff', 0):.1g}")
                    if straight else t(f"{P}.collapse_actual_curve")):
        grid, (slope, icept) = flat["grid"], flat["line"]
        ends = [grid[0], grid[-1]]
        fig = charts.points_and_lines((flat["x"], flat["y"], t(f"{P}.series_data")), [
            (t(f"{P}.series_linear", depth=depth, width=width), grid, flat["pred"], "#dc2626", None),
            (t(f"{P}.series_relu", depth=depth, width=width), bent["grid"], bent["pred"], "#2563eb", None),
            (t(f"{P}.series_line"), ends, [slope * e + icept for e in ends], "#111827", "dot"),
        ], t(f"{P}.fit_title"), t(f"{P}.fit_axis_x"), t(f"{P}.fit_axis_y"), height=380)
        chart_col, text_col = st.columns([3, 2])
        chart_col.plotly_chart(fig, width="stretch", key=f"{P}_fit_chart")
        text_col.markdown(t(f"{P}.collapse_text", params=f"{flat['params']:,}", slope=fmt(flat["collapsed"][0]),
                            icept=fmt(flat["collapsed"][1]), diff=f"{flat['collapse_max_diff']:.1g}",
                            mse=fmt(flat["mse"], 3), line_mse=fmt(flat["line_mse"], 3)))
        text_col.markdown(t(f"{P}.relu_text", params=f"{bent['params']:,}", mse=fmt(bent["mse"], 3)))


page_header(P)
tabs = sections(P, ("meaning", "build", "weights", "sample", "hidden"))
with tabs[0]:
    meaning()
with tabs[1]:
    values = controls()
with tabs[2]:
    adv = advanced(values["use_bias"])
with tabs[1]:
    res = run(values, adv)
    if res is not None:
        result(res)
for tab, draw in ((tabs[2], lambda: weights(res, adv["reg"])), (tabs[3], lambda: one_sample(res, values["activation"]))):
    with tab:
        if res is None:
            st.info(t(f"{P}.needs_layer"), icon=":material/info:")
        else:
            draw()
with tabs[4]:
    hidden()
