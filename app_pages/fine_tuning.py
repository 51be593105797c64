"""Fine-tuning: freeze depth over the base's layers, a training run, the race of head-only vs
partial vs full unfreeze at two learning rates, and BatchNormalization's moving statistics."""
import streamlit as st

from lessons import fine_tuning as jobs
from ui import charts, freeze_view, model_view, precompute, predict
from ui.i18n import page_header, t
from ui.sections import sections

P = "fine_tuning"
RACE = ("head", "partial", "full")
BN = ("training_false", "default", "bn_frozen")
LRS = (0.01, 0.001, 0.0001, 0.00001)


def _race_label(tag: str) -> str:
    if tag == "phase1":
        return t(f"{P}.race_phase1")
    kind, _, rate = str(tag).partition("@")
    return t(f"{P}.race_series", kind=t(f"{P}.race_{kind}"), lr=rate)


def _race_chart(race: dict, lr_normal: float, race_labels: dict) -> None:
    """The guess judged, then phase 1 and the six phase-2 runs on one time axis."""
    acc = {f"{r['kind']}@{r['lr']:g}": r["test_accuracy"] for r in race["runs"]}
    best = max(acc, key=acc.get)
    mine = predict.guess(P, "race")
    if mine in acc and acc[mine] == acc[best]:
        best = mine  # a tie for first place: the guess is right too
    predict.reveal(P, "race", best, t(f"{P}.race_actual", run=race_labels.get(best, best),
                                      acc=freeze_view.pct(acc[best])), labels=race_labels)
    series = [(t(f"{P}.race_phase1"), race["phase1"]["history"]["val_accuracy"], charts.STRATEGY["phase1"], None)]
    for r in race["runs"]:
        dash = None if r["lr"] == float(lr_normal) else "dot"
        series.append((_race_label(f"{r['kind']}@{r['lr']:g}"), r["history"]["val_accuracy"],
                       charts.STRATEGY[r["kind"]], dash))
    fig = charts.curves(series[:1], t(f"{P}.race_chart_title"), t("freeze_common.axis_epoch"),
                        t("freeze_common.axis_test_accuracy"), y_range=[0, 1.02])
    race_fig = charts.curves(series[1:], "", "", "", x_offset=race["head_epochs"])
    for trace in race_fig.data:
        fig.add_trace(trace)
    fig.add_vline(x=race["head_epochs"] + 0.5, line_dash="dash", line_color="#94a3b8")
    fig.update_layout(height=fig.layout.height - 20)
    st.plotly_chart(fig, width="stretch", key="fine_tuning_race_chart")


page_header(P)
# One slide each (ui/sections.py): the open section is kept by the server and named in the URL.
tabs = sections(P, ("idea", "depth", "run", "race", "race_numbers", "summary"))
with tabs[0]:
    st.markdown(t(f"{P}.what"))
    model_view.code(t(f"{P}.doc_code"))
    st.markdown(t(f"{P}.why_low_lr"))

with tabs[1]:
    # ---------------------------------------------------------------- freeze depth
    st.header(t(f"{P}.depth_title"))
    st.markdown(t(f"{P}.depth_intro"))
    with st.spinner(t("freeze_common.building")):
        n_layers = freeze_view.cached(jobs.partial, k=0)["n_layers"]
    # The slider and the counts it changes on one row; the code, what it prints and the chart under them.
    slide_col, count_col = st.columns([1, 1], vertical_alignment="bottom")
    with slide_col:
        k = st.slider(t(f"{P}.k_label"), 0, n_layers, 8, key="fine_tuning_k", help=t(f"{P}.k_help"),
                      bind="query-params")
    part = freeze_view.cached(jobs.partial, k=k)
    rows = part["layers"]
    with count_col:
        m1, m2, m3 = st.columns(3)
        m1.metric(t(f"{P}.base_trainable"), freeze_view.num(part["base_totals"]["trainable"]))
        m2.metric(t(f"{P}.base_non_trainable"), freeze_view.num(part["base_totals"]["non_trainable"]))
        m3.metric(t(f"{P}.model_trainable"), freeze_view.num(part["totals"]["trainable"]))
    st.markdown(t(f"{P}.depth_now", k=k, frozen=", ".join(f"`{r['layer']}`" for r in rows[:k]) or "—",
                  trainable=", ".join(f"`{r['layer']}`" for r in rows[k:]) or "—"))
    # The code beside the chart; what its print() shows is also said in the line above, so it is folded.
    code_col, chart_col = st.columns([6, 5])
    with code_col:
        model_view.code(part["code"], wrap_lines=True)
        with st.expander(t(f"{P}.listing_title"), icon=":material/terminal:"):
            freeze_view.output(part["listing"])
    with chart_col:
        weighted = [r for r in rows if r["params"]]
        fig = charts.stacked_params(weighted, t(f"{P}.depth_chart_title"), t("freeze_common.axis_layer"),
                                    t("freeze_common.axis_params"))
        fig.update_layout(height=fig.layout.height - 180)
        st.plotly_chart(fig, width="stretch", key="fine_tuning_depth_chart")
        bn_fixed = sum(r["non_trainable"] for r in rows[k:] if r["type"] == "BatchNormalization")
        st.caption(t(f"{P}.bn_always", count=freeze_view.num(bn_fixed)))

with tabs[2]:
    # ---------------------------------------------------------------- one training run
    st.header(t(f"{P}.run_title"))
    st.markdown(t(f"{P}.run_intro"))
    # Sliders and the numbers they produce on the left, the curve on the right: one screen (issue 14).
    knobs, curve = st.columns([1, 2])
    with knobs:
        lr = st.select_slider(t(f"{P}.lr_label"), LRS, value=0.001, key="fine_tuning_lr", help=t(f"{P}.lr_help"),
                              bind="query-params")
        n = st.slider(t(f"{P}.n_label"), 1, 50, 5, key="fine_tuning_n", help=t(f"{P}.n_help"), bind="query-params")
        epochs = st.slider(t(f"{P}.epochs_label"), 5, 40, 20, step=5, key="fine_tuning_epochs", bind="query-params")

    # The training starts only while this section is open: moving the depth slider (in its own section)
    # then costs only the quick `partial` job, not a retraining nobody is looking at.
    ft = None
    if tabs[2].open:
        with curve:
            ft = freeze_view.run(P, "run", jobs.finetune, total_epochs=epochs, label=lambda tag: t(f"{P}.run_series"),
                                 k=k, lr=lr, n_per_class=n, epochs=epochs)
    if ft is not None:
        with knobs:
            with st.expander(t(f"{P}.code_title"), icon=":material/code:"):
                model_view.code(ft["code"])
        h = ft["history"]
        fig = charts.curves([
            (t("freeze_common.series_test"), h["val_accuracy"], charts.STRATEGY["partial"], None),
            (t("freeze_common.series_train"), h["accuracy"], charts.STRATEGY["partial"], "dot"),
        ], t(f"{P}.run_chart_title"), t("freeze_common.axis_epoch"), t("freeze_common.axis_accuracy"), y_range=[0, 1.02])
        fig.update_layout(height=fig.layout.height - 140)
        with curve:
            r1, r2, r3, r4 = st.columns(4)
            r1.metric(t(f"{P}.test_acc"), freeze_view.pct(ft["test_accuracy"]))
            r2.metric(t(f"{P}.old_acc"), freeze_view.pct(ft["old_task_accuracy"]))
            r3.metric(t(f"{P}.drift"), f"{ft['base_drift']:.3f}")
            r4.metric(t(f"{P}.time"), f"{1000 * ft['seconds_per_epoch']:.1f} ms")
            st.plotly_chart(fig, width="stretch", key="fine_tuning_run_chart")

with tabs[3]:
    # ---------------------------------------------------------------- the race
    st.header(t(f"{P}.race_title"))
    st.markdown(t(f"{P}.race_intro", k=k))
    # The two rates side by side, then the guess beside the race it starts: one screen (issue 14).
    q1, q2 = st.columns(2)
    with q1:
        lr_normal = st.select_slider(t(f"{P}.race_normal_label"), (0.01, 0.001), value=0.01,
                                     key="fine_tuning_race_normal", help=t(f"{P}.race_normal_help"),
                                     bind="query-params")
    with q2:
        lr_low = st.select_slider(t(f"{P}.race_low_label"), (0.0001, 0.00001, 0.000001), value=0.0001,
                                  key="fine_tuning_race_low", help=t(f"{P}.race_low_help"), bind="query-params")
    ask, show = st.columns([2, 3])
    # The race follows the epochs slider; phase 1 gets three quarters of it.
    RACE_EPOCHS = epochs
    HEAD_EPOCHS = max(5, 3 * epochs // 4)

    # Six trainings: run when asked (or already known), not on every move of a slider above.
    race_args = dict(k=k, lr_normal=lr_normal, lr_low=lr_low, n_per_class=n, head_epochs=HEAD_EPOCHS, epochs=RACE_EPOCHS)
    race = None
    race_tags = [f"{kind}@{rate:g}" for rate in (lr_normal, lr_low) for kind in ("head", "partial", "full")]
    race_labels = {tag: _race_label(tag) for tag in race_tags}
    with ask:
        race_guessed = predict.gate(P, "race", t(f"{P}.race_gate"), options=race_tags, labels=race_labels,
                                    actual=None, actual_text="", context=(k, lr_normal, lr_low, n, epochs))
    with show:
        if race_guessed and precompute.on_request("fine_tuning.race", jobs.race, race_args, t(f"{P}.race_run"),
                                                  t(f"{P}.race_waiting", k=k, lr=f"{lr_normal:g}", low=f"{lr_low:g}",
                                                    n=n, epochs=RACE_EPOCHS)):
            race = freeze_view.run(P, "race", jobs.race, total_epochs=HEAD_EPOCHS + 6 * RACE_EPOCHS,
                                   label=_race_label, **race_args)
        if race is not None:
            _race_chart(race, lr_normal, race_labels)

with tabs[4]:
    # ---------------------------------------------------------------- the race in numbers
    if race is None:
        st.info(t(f"{P}.race_numbers_empty"), icon=":material/info:")
    else:
        st.subheader(t(f"{P}.race_numbers_title"))
        st.dataframe([
            {
                t(f"{P}.col_run"): t(f"{P}.race_{r['kind']}"),
                t(f"{P}.col_lr"): f"{r['lr']:g}",
                t(f"{P}.col_trainable"): freeze_view.num(r["totals"]["trainable"]),
                t(f"{P}.col_test"): freeze_view.pct(r["test_accuracy"]),
                t(f"{P}.col_old"): freeze_view.pct(r["old_task_accuracy"]),
                t(f"{P}.col_drift"): f"{r['base_drift']:.3f}",
                t(f"{P}.col_rise"): f"{r['largest_loss_rise']:.3f}",
            }
            for r in race["runs"]
        ], hide_index=True, width="stretch")
        st.caption(t(f"{P}.race_caption", start=freeze_view.pct(race["phase1"]["test_accuracy"])))
        with st.expander(t(f"{P}.code_title"), icon=":material/code:"):
            model_view.code(race["code"])

with tabs[5]:
    # ---------------------------------------------------------------- BatchNormalization
    # Beyond the document's point: folded into an advanced section.
    with st.expander(t(f"{P}.bn_title"), icon=":material/science:"):
        st.caption(t(f"{P}.bn_advanced_caption"))
        st.markdown(t(f"{P}.bn_intro"))
        bn_args = dict(n_per_class=n, epochs=RACE_EPOCHS, lr=lr)
        bn = None
        if precompute.on_request("fine_tuning.bn", jobs.bn_demo, bn_args, t(f"{P}.bn_run"),
                                 t(f"{P}.bn_waiting", n=n, epochs=RACE_EPOCHS, lr=f"{lr:g}")):
            bn = freeze_view.run(P, "bn", jobs.bn_demo, total_epochs=3 * RACE_EPOCHS,
                                 label=lambda tag: t(f"{P}.bn_{tag}"), **bn_args)
        if bn is not None:
            runs = bn["runs"]
            if bn["training_false_kept_stats"]:
                st.success(t(f"{P}.bn_kept", version=bn["keras_version"]), icon=":material/verified:")
            else:
                st.warning(t(f"{P}.bn_not_kept", version=bn["keras_version"]), icon=":material/warning:")
            if bn["training_false_same_as_default"]:
                st.markdown(t(f"{P}.bn_same"))
            layers = list(runs["default"]["bn_stats_change"])
            st.plotly_chart(charts.bars([
                (t(f"{P}.bn_{v}"), layers, [runs[v]["bn_stats_change"][name]["mean"] for name in layers], charts.STRATEGY[v])
                for v in BN
            ], t(f"{P}.bn_chart_title"), t("freeze_common.axis_layer"), t(f"{P}.bn_axis"), text_fmt="{:.3g}"),
                width="stretch", key="fine_tuning_bn_chart")
            st.dataframe([
                {
                    t(f"{P}.col_variant"): t(f"{P}.bn_{v}"),
                    t(f"{P}.col_stats_moved"): runs[v]["stats_moved"],
                    t(f"{P}.col_test"): freeze_view.pct(runs[v]["test_accuracy"]),
                    t(f"{P}.col_old"): freeze_view.pct(runs[v]["old_task_accuracy"]),
                    t(f"{P}.col_drift"): f"{runs[v]['base_drift']:.3f}",
                }
                for v in BN
            ], hide_index=True, width="stretch")
            st.caption(t(f"{P}.bn_caption", n=bn["n_per_class"], epochs=bn["epochs"], lr=f"{bn['lr']:g}"))
            st.markdown(t(f"{P}.bn_advice"))
            code_tabs = st.tabs([t(f"{P}.bn_{v}") for v in BN])
            for tab, v in zip(code_tabs, BN):
                with tab:
                    model_view.code(runs[v]["code"])

    st.header(t(f"{P}.tldr_title"))
    st.markdown(t(f"{P}.tldr"))
