"""Weight freeze: per-layer toggles on a real model, proof that frozen weights stay put,
the backprop view, and the recompile mistake run with model.fit itself."""
import streamlit as st

from lessons import weight_freeze as jobs
from ui import charts, freeze_view, model_view, predict
from ui.i18n import page_header, t, text_columns
from ui.sections import sections
from ui.share import presenting

P = "weight_freeze"
LAYERS = ("conv1", "conv2", "dense1", "dense2")

page_header(P)
# Eight sections, one slide each (ui/sections.py): the open one is kept by the server and named in the
# URL, so a rerun that rebuilds the page (a checkbox ticked) keeps the learner where they are.
tabs = sections(P, ("meaning", "live", "code", "loop", "train", "backprop", "mistake", "summary"))
with tabs[0]:
    st.markdown(t(f"{P}.meaning"))
    text_columns(f"{P}.analogy", f"{P}.layers")


# ---------------------------------------------------------------- per-layer toggles
with tabs[1]:
    st.header(t(f"{P}.live_title"))
    st.markdown(t(f"{P}.live_intro"))
    if presenting():  # on a projector the lecturer says it; the toggles and their effect need the screen
        with st.expander(t(f"{P}.demo_note_title"), icon=":material/info:"):
            st.markdown(t(f"{P}.demo_note"))
    else:
        st.info(t(f"{P}.demo_note"), icon=":material/info:")
    cols = st.columns(len(LAYERS))
    frozen = []
    # The two convolutions start frozen, as a pretrained base would be; the dense head trains.
    for col, layer in zip(cols, LAYERS):
        with col:
            if st.checkbox(t(f"{P}.freeze_label", layer=layer), value=layer.startswith("conv"),
                           key=f"weight_freeze_freeze_{layer}", help=t(f"{P}.freeze_help", layer=layer),
                           bind="query-params"):
                frozen.append(layer)
    model_off = st.toggle(t(f"{P}.model_flag_label"), value=False, key="weight_freeze_model_off",
                          help=t(f"{P}.model_flag_help"), bind="query-params")
    model_trainable = not model_off

    with st.spinner(t("freeze_common.building")):
        desc = freeze_view.cached(jobs.describe_freeze, frozen=frozen, model_trainable=model_trainable)

    # What Keras now counts, right under the switches: a tick and its effect on one screen (issue 14).
    c1, c2, c3 = st.columns(3)
    c1.metric(t("common.total_params"), freeze_view.num(desc["totals"]["params"]))
    c2.metric(t("common.trainable_params"), freeze_view.num(desc["totals"]["trainable"]))
    c3.metric(t("common.non_trainable_params"), freeze_view.num(desc["totals"]["non_trainable"]))
    if not model_trainable:
        st.info(t(f"{P}.model_flag_note", trainable=freeze_view.num(desc["totals"]["trainable"])), icon=":material/lock:")

    graph_col, chart_col = st.columns([2, 3])
    with graph_col:
        st.caption(t(f"{P}.graph_title"))
        st.graphviz_chart(desc["dot"], width="content")
    with chart_col:
        weighted = [r for r in desc["layers"] if r["params"]]
        st.plotly_chart(charts.stacked_params(weighted, t(f"{P}.counts_title"), t("freeze_common.axis_layer"),
                                         t("freeze_common.axis_params")), width="stretch", key="weight_freeze_counts")


# ---------------------------------------------------------------- the same in code, and the document's loop
with tabs[2]:
    code_col, out_col = st.columns([3, 2])
    with code_col:
        st.subheader(t(f"{P}.code_title"))
        model_view.code(desc["code"])
    with out_col:
        st.subheader(t(f"{P}.listing_title"))
        freeze_view.output(desc["listing"])
        st.caption(t(f"{P}.listing_note"))



# ---------------------------------------------------------------- the document's loop, run: it reaches the head too
with tabs[3]:
    st.subheader(t(f"{P}.loop_title"))
    st.markdown(t(f"{P}.loop_intro"))
    model_view.code("for layer in model.layers:\n    layer.trainable = False")
    with st.spinner(t("freeze_common.running")):
        loop = freeze_view.cached(jobs.freeze_loop, variant="document")
    loop_labels = {o: t(f"{P}.loop_opt_{o}") for o in ("learns", "frozen")}
    if predict.gate(P, "loop", t(f"{P}.loop_gate"), options=list(loop_labels), labels=loop_labels,
                    actual="learns" if loop["head_moved"] else "frozen",
                    actual_text=t(f"{P}.loop_actual_learns") if loop["head_moved"] else
                    t(f"{P}.loop_actual_frozen", trainable=freeze_view.num(loop["totals"]["trainable"]))):
        st.markdown(t(f"{P}.loop_flags", flags=", ".join(f"`{n}`={v}" for n, v in loop["flags"]),
                      trainable=freeze_view.num(loop["totals"]["trainable"])))
        for w in loop["warnings"]:
            st.markdown(t(f"{P}.loop_warning"))
            freeze_view.output("UserWarning: " + w)
        st.markdown(t(f"{P}.loop_fix"))
        fixed = freeze_view.cached(jobs.freeze_loop, variant="head_free")
        model_view.code(fixed["code"].split("\n\n", 1)[-1])
        st.dataframe(freeze_view.layer_frame([
            {"layer": r["layer"], "is_trainable": r["trainable"], "doc": freeze_view.sci(d["max_abs"]),
             "fixed": freeze_view.sci(r["max_abs"])} for d, r in zip(loop["change"], fixed["change"])
        ], {"is_trainable": t(f"{P}.col_layer_trainable"), "doc": t(f"{P}.col_loop_doc"),
            "fixed": t(f"{P}.col_loop_fixed")}), hide_index=True, width="stretch")


# ---------------------------------------------------------------- train and compare weights
with tabs[4]:
    st.header(t(f"{P}.train_title"))
    st.markdown(t(f"{P}.train_intro"))
    epochs = st.slider(t(f"{P}.epochs_label"), 1, 20, 5, key="weight_freeze_epochs", help=t(f"{P}.epochs_help"),
                       bind="query-params")
    res = freeze_view.run(P, "train", jobs.train_freeze, total_epochs=epochs, frozen=frozen, model_trainable=model_trainable,
                epochs=epochs)
    if res is not None:
        hist = res["history"]
        m1, m2 = st.columns(2)
        m1.metric(t(f"{P}.accuracy_metric"), freeze_view.pct(hist["val_accuracy"][-1]))
        m2.metric(t(f"{P}.time_metric"), f"{1000 * res['seconds_per_epoch']:.0f} ms")
        for w in res["warnings"]:
            st.markdown(t(f"{P}.keras_warning"))
            freeze_view.output(w)

        rows = res["change"]
        frozen_rows = [r for r in rows if not r["trainable"] or not res["model_trainable"]]
        if len(frozen_rows) == len(rows):
            st.info(t(f"{P}.all_frozen"), icon=":material/ac_unit:")
        elif frozen_rows:
            worst = max(r["max_abs"] for r in frozen_rows)
            names = ", ".join(r["layer"] for r in frozen_rows)
            if worst == 0:
                st.success(t(f"{P}.frozen_proof", layers=names, value=freeze_view.sci(worst)), icon=":material/verified:")
            else:
                st.error(t(f"{P}.frozen_moved", layers=names, value=freeze_view.sci(worst)), icon=":material/error:")
        else:
            st.info(t(f"{P}.no_frozen"), icon=":material/info:")

        table_col, bar_col = st.columns([1, 1])
        with table_col:
            df = freeze_view.layer_frame([
                {"layer": r["layer"], "is_trainable": r["trainable"], "max": freeze_view.sci(r["max_abs"]), "norm": freeze_view.sci(r["norm"])}
                for r in rows
            ], {"is_trainable": t(f"{P}.col_layer_trainable"), "max": t(f"{P}.col_max_change"),
                "norm": t(f"{P}.col_norm_change")})
            st.dataframe(df, hide_index=True, width="stretch")
        with bar_col:
            fig = charts.bars([(t(f"{P}.axis_change"), [r["layer"] for r in rows], [r["norm"] for r in rows], None)],
                         t(f"{P}.change_chart_title"), t("freeze_common.axis_layer"), t(f"{P}.axis_change"),
                         text_fmt="{:.3g}")
            fig.update_traces(marker_color=[charts.FROZEN if r in frozen_rows else charts.TRAINABLE for r in rows])
            st.plotly_chart(fig, width="stretch", key="weight_freeze_change")
        with st.expander(t(f"{P}.code_title"), icon=":material/code:"):
            model_view.code(res["code"])


# ---------------------------------------------------------------- backprop view
with tabs[5]:
    if res is not None:
        st.header(t(f"{P}.backprop_title"))
        st.markdown(t(f"{P}.backprop_text"))
        step = res["backprop"]["layers"]
        names = [r["layer"] for r in step]
        st.plotly_chart(charts.bars([
            (t(f"{P}.series_grad"), names, [r["grad_norm"] for r in step], "#7c3aed"),
            (t(f"{P}.series_update"), names, [r["update_norm"] for r in step], charts.TRAINABLE),
        ], t(f"{P}.backprop_chart_title"), t("freeze_common.axis_layer"), t(f"{P}.axis_norm"), text_fmt="{:.3g}"),
            width="stretch", key="weight_freeze_backprop")
        with st.expander(t(f"{P}.backprop_numbers"), icon=":material/table:"):
            st.dataframe(freeze_view.layer_frame([
                {"layer": r["layer"], "is_trainable": r["trainable"], "in_tw": r["in_trainable_weights"],
                 "grad": freeze_view.sci(r["grad_norm"]), "update": freeze_view.sci(r["update_norm"])} for r in step
            ], {"is_trainable": t(f"{P}.col_layer_trainable"), "in_tw": t(f"{P}.col_in_tw"),
                "grad": t(f"{P}.col_grad"), "update": t(f"{P}.col_update")}), hide_index=True, width="stretch")
        st.markdown(t(f"{P}.backprop_note"))




# ---------------------------------------------------------------- the recompile mistake
with tabs[6]:
    st.header(t(f"{P}.mistake_title"))
    st.markdown(t(f"{P}.mistake_intro"))
    c1, c2 = st.columns(2)
    with c1:
        m_layer = st.selectbox(t(f"{P}.mistake_layer_label"), LAYERS, index=2, key="weight_freeze_mistake_layer",
                               bind="query-params")
    with c2:
        again = st.toggle(t(f"{P}.mistake_compile_label"), value=False, key="weight_freeze_mistake_compile",
                          help=t(f"{P}.mistake_compile_help"), bind="query-params")
    with st.spinner(t("freeze_common.running")):
        mis = freeze_view.cached(jobs.recompile_demo, layer=m_layer, compile_again=again, epochs=2)
    change = freeze_view.sci(mis["frozen_change"])
    moved = mis["frozen_change"] > 0
    move_labels = {o: t(f"{P}.mistake_opt_{o}") for o in ("moves", "stays")}
    mistake_open = predict.gate(
        P, "recompile", t(f"{P}.mistake_gate", layer=m_layer,
                          how=t(f"{P}.mistake_how_again") if again else t(f"{P}.mistake_how_not")),
        options=list(move_labels), labels=move_labels, actual="moves" if moved else "stays",
        actual_text=t(f"{P}.mistake_actual", change=change), context=(m_layer, again))
    if mistake_open:
        if moved:
            st.error(t(f"{P}.mistake_moved", layer=m_layer, change=change), icon=":material/error:")
        else:
            st.success(t(f"{P}.mistake_stayed", layer=m_layer, change=change), icon=":material/verified:")
        # The paragraph follows the run: the mistake explained only when it happened.
        claim = "mistake_claim" if moved else "mistake_claim_fixed"
        st.markdown(t(f"{P}.{claim}", trainable=freeze_view.num(mis["totals_claimed"]["trainable"]), layer=m_layer))
        rows = mis["change"]
        fig = charts.bars([(t(f"{P}.col_max_change"), [r["layer"] for r in rows], [r["max_abs"] for r in rows], None)],
                     t(f"{P}.mistake_chart_title"), t("freeze_common.axis_layer"), t(f"{P}.col_max_change"), text_fmt="{:.3g}")
        fig.update_traces(marker_color=[charts.FROZEN if r["layer"] == m_layer else charts.TRAINABLE for r in rows])
        st.plotly_chart(fig, width="stretch", key="weight_freeze_mistake_chart")
        st.caption(t(f"{P}.mistake_keras", version=mis["keras_version"]))
        st.subheader(t(f"{P}.mistake_code_title"))
        model_view.code(mis["code"])


# ---------------------------------------------------------------- where it is used, summary
with tabs[7]:
    st.header(t(f"{P}.usecases_title"))
    st.markdown(t(f"{P}.usecases"))
    text_columns(f"{P}.oneliners", f"{P}.tldr")
