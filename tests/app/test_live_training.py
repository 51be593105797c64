"""ui.live_training.train_live on a one-function page (AppTest.from_function).

AppTest runs a script to the end, so a click cannot land mid-training; the Stop path is
driven the way the button's callback drives it (cancel the session's job, rerun).
"""
from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from engine import spec as model_spec
from lessons import spec_jobs
from ui.text import translate


def page():
    import json

    import streamlit as st

    from ui.live_training import train_live

    st.session_state.setdefault("lang", st.query_params.get("lang", "en"))
    spec = json.loads(st.query_params["spec"])
    res = train_live("lt", spec, st.query_params.get("dataset", "curve"))
    st.session_state["res_status"] = res.get("status")
    st.session_state["res_ok"] = res.get("ok")
    st.session_state["res_keys"] = sorted(res)


def _app(spec: model_spec.ModelSpec, lang: str = "en") -> AppTest:
    at = AppTest.from_function(page, default_timeout=180)
    at.query_params["spec"] = json.dumps(spec.to_dict())
    at.query_params["lang"] = lang
    return at


def _jobs_run() -> int:
    from ui import client as engine

    return sum(w["jobs"] for w in engine.pool().stats()["workers"])


def _chart_titles(at) -> list[str]:
    out = []
    for el in at.get("plotly_chart"):
        fig = json.loads(el.proto.spec)
        out.append(fig["layout"]["title"]["text"])
    return out


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_trains_draws_and_reuses_the_result(lang):
    spec = model_spec.recommended().replace(epochs=12, seed=11 if lang == "en" else 12)
    at = _app(spec, lang).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["res_ok"] and at.session_state["res_status"] == "done"
    assert "live_drawn" in at.session_state["res_keys"]
    assert _chart_titles(at)[-1] == translate(lang, "training.chart_title")
    pattern = re.escape(translate(lang, "training.done", epochs=12, seconds="@", eps="@")).replace("@", ".+")
    assert any(re.fullmatch(pattern, c.value) for c in at.caption), [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "lt_train_stop"]  # Stop is gone once finished

    before = _jobs_run()
    at.run()  # a rerun with unchanged widgets does not train again
    assert _jobs_run() == before and at.session_state["res_status"] == "done"


def test_a_new_spec_trains_again_and_divergence_is_explained():
    spec = model_spec.recommended().replace(epochs=5, optimizer="sgd", learning_rate=10.0, seed=21)
    at = _app(spec).run()
    assert at.session_state["res_status"] == "diverged"
    assert at.error and "diverged at epoch" in at.error[0].value


def test_a_rejected_spec_is_returned_for_the_page_to_explain():
    bad = model_spec.recommended().to_dict()
    bad["hidden"][0]["units"] = -3
    at = AppTest.from_function(page, default_timeout=180)
    at.query_params["spec"] = json.dumps(bad)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.session_state["res_ok"] is False and "spec_error" in at.session_state["res_keys"]
    assert not at.get("plotly_chart") and not at.error  # nothing drawn: the page says why


def test_stop_keeps_the_partial_curve_until_train_again():
    from ui import client as engine
    from ui.live import key_of

    spec = model_spec.recommended().replace(epochs=500, seed=31)
    at = _app(spec)
    # What the Stop callback finds: this session's job in flight, then cancelled.
    args = {"spec": spec.to_dict(), "dataset": "curve"}
    job = engine.share(spec_jobs.train_spec, args)
    next(job.messages(timeout=120))
    at.session_state["live__lt.train"] = {"job": (key_of(spec_jobs.train_spec, args), job), "stopped": {},
                                          "failed": None, "good": None}
    job.cancel()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["res_status"] == "cancelled"
    assert at.info and "You stopped the training after epoch" in at.info[0].value
    before = _jobs_run()
    at.run()  # still stopped: no retraining behind the learner's back
    assert at.session_state["res_status"] == "cancelled" and _jobs_run() == before
    at.button(key="lt.train__again").click().run()
    assert at.session_state["res_status"] == "done"


def page_with_start():
    import json

    import streamlit as st

    from ui.live_training import start, train_live

    st.session_state.setdefault("lang", "en")
    spec = json.loads(st.query_params["spec"])
    start("lt", spec, "curve")
    running = st.session_state.get("live__lt.train", {}).get("job")
    st.session_state["started_job"] = running[1].id if running is not None else None
    res = train_live("lt", spec, "curve")
    st.session_state["res_status"] = res.get("status")


def test_start_early_then_train_live_uses_that_job():
    at = AppTest.from_function(page_with_start, default_timeout=180)
    at.query_params["spec"] = json.dumps(model_spec.recommended().replace(epochs=7, seed=41).to_dict())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["started_job"] is not None and at.session_state["res_status"] == "done"
    before = _jobs_run()
    at.run()
    assert at.session_state["started_job"] is None and _jobs_run() == before  # known result: nothing started
