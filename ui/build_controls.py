"""Small helpers shared by the build-and-train and compile() pages (figures: ui.charts)."""
from __future__ import annotations

import streamlit as st

from engine.results import failure_of
from engine.validate import SpecError
from lessons import build_and_train as build_jobs
from ui.i18n import spec_error_text, t
from ui.live import maybe
from ui.share import presenting


def spec_error_message(err: SpecError, page: str) -> str:
    """A rejection in the learner's language; this page's own codes first, then the shared ones."""
    own = f"{page}.{err.code}"
    text = t(own, **err.params)
    if text == own:
        text = spec_error_text(err.code, err.params)
    if "layer" in err.params and "field" in err.params:
        text = t(f"{page}.layer_prefix", n=err.params["layer"]) + " " + text
    return text


def _read_upload(page: str, up):
    """The uploaded file read once per upload and kept in this session only (never a shared cache)."""
    from engine import userdata

    slot = f"{page}__csv_table"
    kept = st.session_state.get(slot)
    if kept is None or kept[0] != up.file_id:
        try:
            kept = (up.file_id, userdata.read_csv(up.getvalue(), up.name), None)
        except SpecError as e:
            kept = (up.file_id, None, e)
        st.session_state[slot] = kept
        if kept[1] is not None:
            _choose_columns(page, kept[1])
    return kept[1], kept[2]


def _choose_columns(page: str, table) -> None:
    """A new file: the columns in the URL if they fit it (a shared link, the same file again),
    else the defaults; never the previous file's columns, which the pickers would drop."""
    from engine import userdata

    cols = list(table.df.columns)
    target = st.query_params.get(f"{page}_target")
    if target not in cols:
        target = userdata.default_target(table)
    features = [f for f in st.query_params.get_all(f"{page}_features") if f in cols and f != target]
    # Written, not deleted: a bound widget that loses its state is seeded again from the URL.
    st.session_state[f"{page}_target"] = target
    st.session_state[f"{page}_features"] = features or userdata.default_features(table, target)


def own_data(page: str) -> dict | None:
    """Upload, target, features, task -> {"table", "prep"}; None (with a message) until they train.

    The target and feature pickers are bound to the URL like every other control: a link
    cannot carry the file, but whoever uploads the same file gets the same columns back.
    """
    from engine import userdata

    up = st.file_uploader(t(f"{page}.upload_label", rows=f"{userdata.MAX_ROWS:,}", cols=userdata.MAX_COLUMNS), type=["csv"],
                          key=f"{page}_csv", help=t(f"{page}.upload_help"))
    if up is None:
        st.session_state.pop(f"{page}__csv_table", None)
        st.info(t(f"{page}.upload_prompt"), icon=":material/upload_file:")
        st.download_button(t(f"{page}.example_file"), data=userdata.example_csv, file_name="iris.csv", mime="text/csv",
                           key=f"{page}_dl_example", help=t(f"{page}.example_help"), on_click="ignore",
                           icon=":material/download:")
        return None
    table, err = _read_upload(page, up)
    if err is not None:
        st.error(spec_error_message(err, page), icon=":material/error:")
        return None
    df = table.df
    st.caption(t(f"{page}.file_summary", name=table.file_name, rows=f"{len(df):,}", cols=df.shape[1]))
    st.dataframe(df.head(5), hide_index=True, height=212)
    cols = list(df.columns)
    target = st.selectbox(t(f"{page}.target_label"), cols, index=len(cols) - 1, key=f"{page}_target",
                          bind="query-params")
    options = [c for c in cols if c != target]
    chosen = st.multiselect(t(f"{page}.features_label"), options, default=userdata.default_features(table, target),
                            key=f"{page}_features", bind="query-params")
    task = st.selectbox(t(f"{page}.task_label"), userdata.TASKS, key=f"{page}_task", bind="query-params",
                        help=t(f"{page}.task_help", max=userdata.MAX_CLASSES))
    try:
        prep = userdata.prepare(table, target, chosen, task)
    except SpecError as e:
        st.error(spec_error_message(e, page), icon=":material/error:")
        return None
    if prep.dropped:
        st.warning(t(f"{page}.dropped_rows", n=f"{prep.dropped:,}"), icon=":material/filter_alt:")
    shown = ", ".join(f"`{c}`" for c in prep.classes[:MAX_CLASS_NAMES])
    if len(prep.classes) > MAX_CLASS_NAMES:
        shown += ", …"
    st.caption(t(f"{page}.task_{prep.task}", classes=shown, n=len(prep.classes), last=len(prep.classes) - 1))
    st.caption(t(f"{page}.prep_note"))
    return {"table": table, "prep": prep}


MAX_CLASS_NAMES = 6


# ----------------------------------------------------------------------------- step-through


def _set_step(key: str, value: int, n: int) -> None:
    st.session_state[key] = max(0, min(int(value), n))


def _move_step(key: str, delta: int, n: int) -> None:
    _set_step(key, int(st.session_state.get(key, 0) or 0) + delta, n)


def _code_html(lines: list[str], current: int) -> str:
    """The model's statements: run ones plain, the current one marked, the rest faded."""
    import html as _html

    rows = []
    for i, line in enumerate(lines, start=1):
        cls = "cur" if i == current else ("done" if i < current else "todo")
        mark = "▶" if i == current else "&nbsp;"
        rows.append(f'<div class="kfl-line {cls}"><span class="kfl-no">{mark} {i}</span>'
                    f'<code>{_html.escape(line)}</code></div>')
    return ("<style>"
            ".kfl-steps{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.92rem;"
            "background:#f6f8fa;border-radius:.5rem;padding:.5rem 0;overflow-x:auto}"
            ".kfl-line{white-space:pre;padding:.18rem .75rem;border-left:4px solid transparent}"
            ".kfl-line code{background:none;padding:0;color:inherit;font-size:inherit}"
            ".kfl-no{display:inline-block;width:2.6em;color:#64748b;user-select:none}"
            ".kfl-line.cur{background:#fff3bf;border-left-color:#1f6feb;font-weight:600}"
            ".kfl-line.todo{opacity:.4}"
            "</style>"
            f'<div class="kfl-steps">{"".join(rows)}</div>')


def step_through(page: str, spec_dict: dict) -> None:
    """Next / previous / restart over the model's statements, each run in real Keras by a job."""
    from ui.model_view import show_failure

    # The shared result cache (shipped for the default model; run once for a whole class).
    res = maybe(build_jobs.steps, spec=spec_dict)
    if res is None:  # the engine failed: already said; the rest of the page goes on
        return
    if not res.get("ok"):
        show_failure(res)
        return
    lines, steps = res["lines"], res["steps"]
    n = len(lines)
    key = f"{page}_step"
    if int(st.session_state.get(key, 0) or 0) > n:  # the model lost a layer since the last click
        st.session_state[key] = n
    b1, b2, b3, s = st.columns([1, 1.2, 1.2, 1.4], vertical_alignment="bottom")
    # The number field is the state (and what a link carries); the buttons only move it. Not a
    # slider: a slider whose maximum changes (a layer added) is a new widget and loses its value.
    cur = int(s.number_input(t(f"{page}.step_label"), min_value=0, max_value=n, step=1, key=key,
                             bind="query-params"))
    # Keyboard: ← and → step (a presenter's clicker sends them too), Home goes back to the start.
    b1.button(t(f"{page}.step_restart"), key=f"{page}_step_restart", on_click=_set_step, args=(key, 0, n),
              icon=":material/first_page:", disabled=cur == 0, width="stretch", shortcut="Home")
    b2.button(t(f"{page}.step_prev"), key=f"{page}_step_prev", on_click=_move_step, args=(key, -1, n),
              icon=":material/chevron_left:", disabled=cur == 0, width="stretch", shortcut="Left")
    b3.button(t(f"{page}.step_next"), key=f"{page}_step_next", on_click=_move_step, args=(key, 1, n),
              icon=":material/chevron_right:", type="primary", disabled=cur >= n, width="stretch",
              shortcut="Right")
    if presenting():
        # One 720 px slide: the code and what the current line did on the left, its graph beside.
        left, right = st.columns([3, 2], gap="medium")
        left.html(_code_html(lines, cur))
    else:
        st.html(_code_html(lines, cur))  # full width: a layer call with every argument is a long line
        left, right = st.columns([3, 2], gap="large")
    with left:
        if cur == 0:
            st.info(t(f"{page}.step_zero", line=lines[0]), icon=":material/play_arrow:")
            return
        _step_detail(page, steps[cur - 1], cur, n)
    with right:
        if cur:
            st.graphviz_chart(steps[cur - 1]["dot"], width="stretch" if presenting() else "content")


# ----------------------------------------------------------------------------- exports


def _step_detail(page: str, step: dict, cur: int, n: int) -> None:
    """What line `cur` of `n` made: the tensor and its layer, or the finished model."""
    st.markdown(t(f"{page}.step_now", n=cur, total=n))
    if step["kind"] == "model":
        m = step["model"]
        st.markdown(t(f"{page}.step_model", name=m["name"], params=f"{m['params']:,}"))
        st.success(t(f"{page}.step_done"), icon=":material/check_circle:")
    else:
        tensor, layer = step["tensor"], step["layer"]
        st.markdown(t(f"{page}.step_tensor", var=tensor["var"], type=tensor["type"], shape=tensor["shape"],
                      dtype=tensor["dtype"], name=tensor["name"]))
        if layer["class"] == "InputLayer":
            st.caption(t(f"{page}.step_input"))
        else:
            st.caption(t(f"{page}.step_layer", name=layer["name"], cls=layer["class"],
                         params=f"{layer['params']:,}"))
        if not presenting():  # on a slide the tensor's line above says the same
            st.markdown(t(f"{page}.step_print", var=tensor["var"]))
            st.code(tensor["repr"], language=None, wrap_lines=True)


def exports(page: str, spec_dict: dict, code: str, table: list, history: dict | None, keras_args: dict | None,
            csv_file: str | None = None) -> None:
    """Four downloads: the code (.py), the trained model (.keras), the loss history and the parameter table (.csv).

    The model file is made only when asked for (the button's data is a callable): the job
    trains this spec again, the same way, and saves it.
    """
    from engine import exports

    name = exports.base_name(spec_dict)
    st.subheader(t(f"{page}.export_title"))
    if csv_file:
        st.caption(t(f"{page}.export_caption_csv", file=csv_file, model_file=f"{name}.keras"))
    else:
        st.caption(t(f"{page}.export_caption", model_file=f"{name}.keras"))
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(t(f"{page}.dl_code"), data=code, file_name=f"{name}.py", mime="text/x-python",
                       key=f"{page}_dl_code", on_click="ignore", icon=":material/code:", width="stretch")
    c2.download_button(t(f"{page}.dl_model"), data=_keras_bytes_fn(keras_args) if keras_args else b"",
                       file_name=f"{name}.keras", mime="application/octet-stream", key=f"{page}_dl_model",
                       on_click="ignore", icon=":material/model_training:", disabled=keras_args is None,
                       help=t(f"{page}.dl_model_help"), width="stretch")
    c3.download_button(t(f"{page}.dl_history"), data=exports.csv_bytes(exports.history_csv(history or {})),
                       file_name=f"{name}_loss_history.csv", mime="text/csv", key=f"{page}_dl_history",
                       on_click="ignore", icon=":material/show_chart:", disabled=not history, width="stretch")
    c4.download_button(t(f"{page}.dl_table"), data=exports.csv_bytes(exports.table_csv(table)),
                       file_name=f"{name}_parameters.csv", mime="text/csv", key=f"{page}_dl_table",
                       on_click="ignore", icon=":material/table:", width="stretch")


def _keras_bytes_fn(keras_args: dict):
    """A callable for st.download_button: run the export job when the learner clicks."""

    def make() -> bytes:
        return keras_bytes(keras_args)

    return make


def keras_bytes(keras_args: dict) -> bytes:
    """The .keras file of `keras_args` ({"spec", "dataset"} or {"spec", "x", "y", "task"})."""
    from ui.client import call

    res = call(build_jobs.keras_file, **keras_args)
    if not res.get("ok"):
        raise RuntimeError(str(failure_of(res))[:300])
    return res["data"]
