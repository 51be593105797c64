"""Transfer learning: the four steps on the shipped base, frozen vs unfrozen vs scratch trained
live, the document's Step 3 on VGG16 (its real Keras 3 error and two fixes), real
keras.applications architectures."""
import streamlit as st

from lessons import transfer_learning as jobs
from ui import charts, freeze_view, model_view, precompute, predict
from ui.i18n import page_header, t
from ui.sections import sections

P = "transfer_learning"
STRATEGIES = ("frozen", "unfrozen", "scratch")
ARCHS = ("digits_base", "VGG16", "MobileNetV2", "ResNet50", "EfficientNetB0")
LRS = (0.01, 0.001, 0.0001)

SEEDS = jobs.COMPARE_SEEDS  # trainings per strategy, averaged


def _label(tag: str) -> str:
    """Legend text of a live line: "<strategy>@run<i>" is one seed's run of a strategy."""
    kind, _, run = str(tag).partition("@run")
    if kind not in STRATEGIES:
        return str(tag)
    return t(f"{P}.strategy_run", strategy=t(f"{P}.strategy_{kind}"), i=run) if run else t(f"{P}.strategy_{kind}")


def _range(sp: dict, key: str = "range") -> str:
    return t(f"{P}.{key}", lo=freeze_view.pct(sp["min"]), hi=freeze_view.pct(sp["max"]))


def _verdict(res: dict, acc: dict, strategy_labels: dict) -> None:
    """What the averaged numbers support, worded from them (never a fixed claim)."""
    found = res["findings"]
    lines = [t(f"{P}.verdict_best", best=strategy_labels[found["best"]], seeds=found["seeds"],
               acc=freeze_view.pct(acc[found["best"]]["mean"]))]
    for pair in found["pairs"]:
        lines.append("- " + t(f"{P}.pair_{pair['kind']}", a=t(f"{P}.noun_{pair['a']}"), b=t(f"{P}.noun_{pair['b']}"),
                              k=pair["wins"], j=pair["losses"], seeds=found["seeds"],
                              diff=f"{100 * pair['diff']:.1f}"))
    lines.append("- " + t(f"{P}.verdict_widest", name=strategy_labels[found["widest"]],
                          width=f"{100 * found['width']:.1f}", narrow=strategy_labels[found["narrowest"]],
                          nwidth=f"{100 * found['narrow_width']:.1f}"))
    st.info("\n".join(lines), icon=":material/insights:")


def _curves(res: dict) -> None:
    """Accuracy (mean, range band) and loss per epoch of every strategy."""
    runs, spread = res["runs"], res["spread"]
    band = []
    for s in STRATEGIES:
        h = runs[s]["history"]
        band.append((f"{_label(s)} · {t('freeze_common.series_test')}", h["val_accuracy"],
                     spread[s]["val_accuracy_band"]["min"], spread[s]["val_accuracy_band"]["max"],
                     charts.STRATEGY[s], None))
        band.append((f"{_label(s)} · {t('freeze_common.series_train')}", h["accuracy"], [], [], charts.STRATEGY[s], "dot"))
    st.plotly_chart(charts.band_curves(band, t(f"{P}.acc_chart_title", seeds=len(res["seeds"])),
                                       t("freeze_common.axis_epoch"), t("freeze_common.axis_accuracy"),
                                       y_range=[0, 1.02]),
                    width="stretch", key="transfer_learning_acc")
    st.caption(t(f"{P}.band_caption"))
    series = []
    for s in STRATEGIES:
        h = runs[s]["history"]
        series.append((f"{_label(s)} · {t('freeze_common.series_test')}", h["val_loss"], charts.STRATEGY[s], None))
        series.append((f"{_label(s)} · {t('freeze_common.series_train')}", h["loss"], charts.STRATEGY[s], "dot"))
    fig = charts.curves(series, t(f"{P}.loss_chart_title"), t("freeze_common.axis_epoch"), t("freeze_common.axis_loss"))
    charts.log_axis(fig, [x[1] for x in series])
    st.plotly_chart(fig, width="stretch", key="transfer_learning_loss")


def _tables(res: dict, acc: dict) -> None:
    """Two narrow tables instead of one wide one: nothing is cut off at 1366 px."""
    runs = res["runs"]
    st.dataframe([
        {
            t(f"{P}.col_strategy"): _label(s),
            t(f"{P}.col_test_acc"): freeze_view.pct(acc[s]["mean"]),
            t(f"{P}.col_spread"): _range(acc[s]),
            t(f"{P}.col_sd"): f"± {100 * acc[s]['sd']:.1f}",
            t(f"{P}.col_each"): " · ".join(freeze_view.pct(v) for v in acc[s]["values"]),
        }
        for s in STRATEGIES
    ], hide_index=True, width="stretch")
    st.dataframe([
        {
            t(f"{P}.col_strategy"): _label(s),
            t(f"{P}.col_trainable"): freeze_view.num(runs[s]["totals"]["trainable"]),
            t(f"{P}.col_time"): f"{1000 * runs[s]['seconds_per_epoch']:.1f}",
            t(f"{P}.col_train_acc"): freeze_view.pct(runs[s]["train_accuracy"]),
            t(f"{P}.col_gap"): freeze_view.pct(runs[s]["gap"]),
            t(f"{P}.col_old"): freeze_view.pct(runs[s]["old_task_accuracy"]),
            t(f"{P}.col_drift"): "—" if s == "scratch" else f"{runs[s]['base_drift']:.3f}",
        }
        for s in STRATEGIES
    ], hide_index=True, width="stretch")
    st.caption(t(f"{P}.table_caption", seeds=len(res["seeds"])))


def _benefits(res: dict) -> None:
    """The document's benefits table, each row measured in these runs."""
    fr, un, sc = res["runs"]["frozen"], res["runs"]["unfrozen"], res["runs"]["scratch"]
    st.subheader(t(f"{P}.benefits_title"))
    st.markdown("\n".join([
        t(f"{P}.benefits_header"),
        "|---|---|---|",
        t(f"{P}.benefit_faster", tf=freeze_view.num(fr["totals"]["trainable"]), tu=freeze_view.num(un["totals"]["trainable"]),
          sf=f"{1000 * fr['seconds_per_epoch']:.1f}", su=f"{1000 * un['seconds_per_epoch']:.1f}"),
        t(f"{P}.benefit_overfit", gf=freeze_view.pct(fr["gap"]), gu=freeze_view.pct(un["gap"]), gs=freeze_view.pct(sc["gap"]),
          af=freeze_view.pct(fr["test_accuracy"]), au=freeze_view.pct(un["test_accuracy"]), asc=freeze_view.pct(sc["test_accuracy"])),
        t(f"{P}.benefit_reuse", ob=freeze_view.pct(res["old_task_before"]), of=freeze_view.pct(fr["old_task_accuracy"]),
          ou=freeze_view.pct(un["old_task_accuracy"]), af=freeze_view.pct(fr["test_accuracy"]), asc=freeze_view.pct(sc["test_accuracy"])),
        t(f"{P}.benefit_stable", rf=f"{fr['largest_loss_rise']:.3f}", ru=f"{un['largest_loss_rise']:.3f}",
          rs=f"{sc['largest_loss_rise']:.3f}"),
    ]))
    st.caption(t(f"{P}.benefits_caption", seeds=len(res["seeds"])))


def _without(res: dict) -> None:
    """What goes wrong without freezing, measured, and the exact code of every strategy."""
    fr, un = res["runs"]["frozen"], res["runs"]["unfrozen"]
    st.subheader(t(f"{P}.without_title"))
    model_view.code("base_model.trainable = True")
    st.markdown(t(f"{P}.without_text", drift=f"{un['base_drift']:.3f}", ob=freeze_view.pct(res["old_task_before"]),
                  ou=freeze_view.pct(un["old_task_accuracy"]), tu=freeze_view.num(un["totals"]["trainable"]),
                  tf=freeze_view.num(fr["totals"]["trainable"]), seeds=len(res["seeds"])))
    with st.expander(t(f"{P}.code_title"), icon=":material/code:"):
        st.caption(t(f"{P}.code_caption", seeds=len(res["seeds"])))
        code_tabs = st.tabs([_label(s) for s in STRATEGIES])
        for tab, s in zip(code_tabs, STRATEGIES):
            with tab:
                model_view.code(res["runs"][s]["code"])


page_header(P)
# One slide each (ui/sections.py): the open section is kept by the server and named in the URL.
tabs = sections(P, ("base", "steps", "compare", "numbers", "benefits", "vgg", "arch", "summary"))
with tabs[0]:
    st.markdown(t(f"{P}.why"))
    # ---------------------------------------------------------------- the shipped base
    st.header(t(f"{P}.base_title"))
    with st.spinner(t("freeze_common.building")):
        info = freeze_view.cached(jobs.base_info)
        wf = freeze_view.cached(jobs.workflow)
    st.markdown(t(f"{P}.base_text", path=info["path"]))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t(f"{P}.base_layers"), info["n_layers"])
    c2.metric(t(f"{P}.base_params"), freeze_view.num(info["totals"]["params"]))
    c3.metric(t(f"{P}.base_file"), f"{info['file_kb']:.0f} kB")
    c4.metric(t(f"{P}.base_accuracy"), freeze_view.pct(info["source_accuracy"]),
              help=t(f"{P}.base_accuracy_help", n=info["n_source_test"]))
    with st.expander(t(f"{P}.base_table"), icon=":material/table:"):
        st.dataframe(freeze_view.layer_frame(info["layers"]), hide_index=True, width="stretch")
        st.code(info["summary"], language="text")


with tabs[1]:
    # ---------------------------------------------------------------- the four steps
    st.header(t(f"{P}.steps_title"))
    snip = wf["snippets"]
    # One step at a time, full width: four code blocks side by side wrap into a column taller than a screen.
    results = {
        "step1": t(f"{P}.step1_result", layers=len(wf["step1"]["layers"]),
                   params=freeze_view.num(wf["step1"]["totals"]["params"]),
                   trainable=freeze_view.num(wf["step1"]["totals"]["trainable"]),
                   top=", ".join(f"`{n}`" for n in wf["step1"]["old_top"])),
        "step2": t(f"{P}.step2_result", trainable=freeze_view.num(wf["step2"]["totals"]["trainable"]),
                   non_trainable=freeze_view.num(wf["step2"]["totals"]["non_trainable"])),
        "step3": t(f"{P}.step3_result", params=freeze_view.num(wf["step3"]["totals"]["params"]),
                   trainable=freeze_view.num(wf["step3"]["totals"]["trainable"])),
        "step4": t(f"{P}.step4_result"),
    }
    for tab, step in zip(st.tabs([t(f"{P}.{s}_tab") for s in results]), results):
        with tab:
            st.subheader(t(f"{P}.{step}_title"))
            model_view.code(snip[step], wrap_lines=True)
            st.markdown(results[step])

    # ---------------------------------------------------------------- the document's Step 3 vs this page's
    with st.expander(t(f"{P}.doc_step3_title"), icon=":material/compare_arrows:"):
        styles = freeze_view.cached(jobs.step3_styles)
        st.markdown(t(f"{P}.doc_step3_intro"))
        model_view.code(styles["doc_code"])
        st.markdown(t(f"{P}.doc_step3_why", params=freeze_view.num(styles["app_totals"]["params"]),
                      trainable=freeze_view.num(styles["app_totals"]["trainable"]), doc=styles["doc_layers"],
                      app=styles["app_layers"]))
        d1, d2 = st.columns(2)
        d1.code("Model(base_model.input, outputs).layers\n" + "\n".join(styles["doc_types"]), language="text")
        d2.code("Model(inputs, outputs).layers\n" + "\n".join(styles["app_types"]), language="text")


with tabs[2]:
    st.header(t(f"{P}.compare_title"))
    with st.expander(t(f"{P}.compare_how", seeds=SEEDS), icon=":material/help:"):
        st.markdown(t(f"{P}.compare_intro", seeds=SEEDS))

    # The controls on the left, what they start (the question, the button, the progress, the means) on
    # the right: a moved slider and its answer share one screen (issue 14).
    ctrl, panel = st.columns([1, 2], gap="large")
    with ctrl:
        n = st.slider(t(f"{P}.n_label"), 1, int(wf["max_per_class"]), 5, key="transfer_learning_n",
                      help=t(f"{P}.n_help"), bind="query-params")
        epochs = st.slider(t(f"{P}.epochs_label"), 5, 60, 30, step=5, key="transfer_learning_epochs",
                           bind="query-params")
        lr = st.select_slider(t(f"{P}.lr_label"), LRS, value=0.01, key="transfer_learning_lr",
                              help=t(f"{P}.lr_help"), bind="query-params")

    # Three strategies × SEEDS trainings: run when asked (or already known, e.g. the defaults), not on every slider move.
    compare_args = dict(n_per_class=n, epochs=epochs, lr=lr)
    res = None
    strategy_labels = {x: t(f"{P}.strategy_{x}") for x in STRATEGIES}
    with panel:
        compare_guessed = predict.gate(P, "compare", t(f"{P}.compare_gate", n=n, epochs=epochs, lr=f"{lr:g}", seeds=SEEDS),
                                       options=list(STRATEGIES), labels=strategy_labels, actual=None, actual_text="",
                                       context=(n, epochs, lr))
        if compare_guessed and precompute.on_request("transfer_learning.compare", jobs.compare, compare_args,
                                                     t(f"{P}.compare_run"),
                                                     t(f"{P}.compare_waiting", n=n, epochs=epochs, lr=f"{lr:g}",
                                                       seeds=SEEDS)):
            res = freeze_view.run(P, "compare", jobs.compare, total_epochs=3 * SEEDS * epochs, label=_label,
                                  **compare_args)
        if res is not None:
            acc = {s: res["spread"][s]["test_accuracy"] for s in STRATEGIES}
            best = max(STRATEGIES, key=lambda x: acc[x]["mean"])
            predict.reveal(P, "compare", best, t(f"{P}.compare_actual", best=strategy_labels[best],
                                                 acc=freeze_view.pct(acc[best]["mean"]), seeds=len(res["seeds"])),
                           labels=strategy_labels)
            cols = st.columns(3)
            for col, s in zip(cols, STRATEGIES):
                col.metric(t(f"{P}.strategy_{s}"), freeze_view.pct(acc[s]["mean"]), delta=_range(acc[s], "range_delta"),
                           delta_color="off", delta_arrow="off",
                           help=t(f"{P}.metric_help", seeds=len(res["seeds"]),
                                  trainable=freeze_view.num(res["runs"][s]["totals"]["trainable"])))

# ---------------------------------------------------------------- what the runs show
with tabs[3]:
    if res is None:
        st.info(t(f"{P}.numbers_empty"), icon=":material/info:")
    else:
        st.caption(t(f"{P}.data_caption", n=res["n_per_class"], n_train=res["runs"]["frozen"]["n_train"],
                     n_test=res["runs"]["frozen"]["n_test"], seeds=len(res["seeds"])))
        said, dots = st.columns([3, 2])
        with said:
            _verdict(res, acc, strategy_labels)
        with dots:
            st.plotly_chart(charts.spread_dots([(_label(s), acc[s]["values"], charts.STRATEGY[s]) for s in STRATEGIES],
                                               t(f"{P}.dots_chart_title", seeds=len(res["seeds"])), "",
                                               t("freeze_common.axis_test_accuracy"), t(f"{P}.dots_mean"),
                                               t(f"{P}.dots_each"), y_range=[0, 1.02]),
                            width="stretch", key="transfer_learning_dots")
            st.caption(t(f"{P}.dots_caption"))
        with st.expander(t(f"{P}.curves_title"), icon=":material/show_chart:"):
            _curves(res)
        with st.expander(t(f"{P}.tables_title"), icon=":material/table:"):
            _tables(res, acc)

# ---------------------------------------------------------------- the document's benefits, what goes wrong without
with tabs[4]:
    if res is None:
        st.info(t(f"{P}.numbers_empty"), icon=":material/info:")
    else:
        _benefits(res)
        _without(res)


with tabs[5]:
    # ---------------------------------------------------------------- the document's Step 3 on VGG16
    st.header(t(f"{P}.vgg_title"))
    st.markdown(t(f"{P}.vgg_intro"))
    # Labels are looked up now, not inside format_func: it may be called outside this run.
    variant_labels = {v: t(f"{P}.vgg_{v}") for v in ("document", "input_shape", "gap")}
    variant = st.radio(t(f"{P}.vgg_label"), tuple(variant_labels), key="transfer_learning_step3",
                       format_func=variant_labels.get, horizontal=True, bind="query-params")
    with st.spinner(t("freeze_common.building")):
        s3 = freeze_view.cached(jobs.step3, variant=variant)
    # The code on the left, what Keras answers on the right: a picked version and its answer on one screen.
    code_col, said_col = st.columns([3, 2])
    model_view.code(s3["code"], where=code_col, wrap_lines=True)
    if not s3["ok"]:
        with said_col:
            freeze_view.keras_says(s3["error"])
            st.markdown(t(f"{P}.vgg_why"))
    else:
        said_col.success(t(f"{P}.vgg_ok", base=s3["base_output"], pooled=s3["pooled"], params=freeze_view.num(s3["totals"]["params"]),
                     trainable=freeze_view.num(s3["totals"]["trainable"]), layers=s3["n_layers"]), icon=":material/check_circle:")
        st.dataframe(freeze_view.layer_frame(s3["head"]), hide_index=True, width="stretch")
        dense = next(r["params"] for r in s3["head"] if r["type"] == "Dense")
        if variant == "gap":
            flat = freeze_view.cached(jobs.step3, variant="input_shape")
            flat_dense = next(r["params"] for r in flat["head"] if r["type"] == "Dense")
            st.caption(t(f"{P}.vgg_gap_note", dense=freeze_view.num(dense), ratio=f"{flat_dense / dense:.0f}"))
        else:
            st.caption(t(f"{P}.vgg_input_shape_note", dense=freeze_view.num(dense)))


with tabs[6]:
    # ---------------------------------------------------------------- real architectures
    st.header(t(f"{P}.arch_title"))
    st.markdown(t(f"{P}.arch_intro"))
    arch_labels = {a: t(f"{P}.arch_shipped") if a == "digits_base" else a for a in ARCHS}
    arch = st.selectbox(t(f"{P}.arch_label"), ARCHS, key="transfer_learning_arch", format_func=arch_labels.get,
                        bind="query-params")
    if arch == "digits_base":
        a_info = {"n_layers": info["n_layers"], "totals": info["totals"], "layers": info["layers"],
                  "build_seconds": None, "code": snip["step1"]}
    else:
        with st.spinner(t(f"{P}.arch_building", name=arch)):
            a_info = freeze_view.cached(jobs.application_info, name=arch)
    m1, m2, m3 = st.columns(3)
    m1.metric(t(f"{P}.arch_layers"), a_info["n_layers"])
    m2.metric(t("common.total_params"), freeze_view.num(a_info["totals"]["params"]))
    m3.metric(t("common.trainable_params"), freeze_view.num(a_info["totals"]["trainable"]))
    st.caption(t(f"{P}.arch_caption", shape=a_info["input_shape"], out=a_info["output_shape"]) if arch != "digits_base"
               else t(f"{P}.arch_caption_shipped"))
    if a_info["build_seconds"] is not None:
        st.caption(t(f"{P}.arch_seconds", seconds=f"{a_info['build_seconds']:.2f}"))
    model_view.code(a_info["code"])
    types: dict = {}
    for r in a_info["layers"]:
        types[r["type"]] = types.get(r["type"], 0) + 1
    k1, k2 = st.columns([2, 3])
    with k1:
        st.plotly_chart(charts.bars([(t(f"{P}.arch_types_series"), list(types), list(types.values()), "#2563eb")],
                               t(f"{P}.arch_types_title"), t(f"{P}.arch_types_axis"), t(f"{P}.arch_count_axis")),
                        width="stretch", key="transfer_learning_arch_types")
    with k2:
        st.dataframe(freeze_view.layer_frame(a_info["layers"]), hide_index=True, width="stretch", height=300)
    if arch != "digits_base":
        st.markdown(t(f"{P}.imagenet_text"))
        if st.button(t(f"{P}.imagenet_button", name=arch), key="transfer_learning_imagenet",
                     icon=":material/cloud_download:"):
            with st.spinner(t(f"{P}.imagenet_loading", name=arch)):
                got = freeze_view.engine.call(jobs.load_imagenet, name=arch)
            if got["ok"]:
                st.success(t(f"{P}.imagenet_ok", name=arch, seconds=got["seconds"],
                             params=freeze_view.num(got["totals"]["params"]), path=got["first_kernel"]["path"],
                             mean=f"{got['first_kernel']['mean']:.4f}", std=f"{got['first_kernel']['std']:.4f}"),
                           icon=":material/check_circle:")
            elif got["reason"] == "offline":
                st.warning(t(f"{P}.imagenet_offline"), icon=":material/cloud_off:")
            else:
                st.error(t(f"{P}.imagenet_failed"), icon=":material/error:")
                freeze_view.keras_says(got.get("error"))


with tabs[7]:
    # ---------------------------------------------------------------- what keeps BatchNormalization's statistics fixed
    # A measurement beyond the four steps, folded (the TL;DR below points back to it).
    with st.expander(t(f"{P}.bn_check_title"), icon=":material/science:"):
        bnc = freeze_view.cached(jobs.bn_check)
        st.markdown(t(f"{P}.bn_check_intro", version=bnc["keras_version"]))
        st.dataframe([{t(f"{P}.bn_col_mode"): t(f"{P}.bn_mode_{r['mode']}"),
                       t(f"{P}.bn_col_change"): f"{r['moving_mean_change']:.4g}",
                       t(f"{P}.bn_col_moved"): "✔" if r["moved"] else "✘"} for r in bnc["rows"]],
                     hide_index=True, width="stretch")
        tf_row = next(r for r in bnc["rows"] if r["mode"] == "training_false")
        st.markdown(t(f"{P}.bn_check_text") if tf_row["moved"] else t(f"{P}.bn_check_text_kept"))

    st.header(t(f"{P}.tldr_title"))
    st.markdown(t(f"{P}.tldr"))
