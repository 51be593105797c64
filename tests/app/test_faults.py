"""Faults survived (issue 13 §4): a worker killed mid-training, workers that cannot start at all,
a server restart. Each page keeps its text and controls and says what happened, in the
learner's language; nothing shows a traceback."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from tests.conftest import PAGES, open_page, texts
from ui.text import translate


@pytest.fixture
def broken_engine(monkeypatch):
    """The process's pool swapped for one whose workers cannot start (a broken Python), then fixable."""
    from runtime.pool import Pool
    from ui import client, live

    monkeypatch.setenv("KFL_WORKER_RETRY_S", "1")
    broken = Pool(workers=1, warmup=client.WARMUP, preload=client.PRELOAD,
                  env={"KFL_WORKER_PYTHON": "/nonexistent/python3"})
    saved_results = dict(live.RESULTS._items)
    live.RESULTS.clear()
    monkeypatch.setattr(client, "_pool", broken)
    yield broken
    broken.close()
    for k, v in saved_results.items():
        live.RESULTS.put(k, v)


def _widgets(at) -> int:
    kinds = ("text_input", "number_input", "selectbox", "slider", "select_slider", "radio", "toggle",
             "checkbox", "multiselect", "segmented_control", "button_group")
    return sum(len(getattr(at, kind, [])) for kind in kinds)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_workers_that_cannot_start_leave_every_page_readable(broken_engine, lang):
    unavailable = translate(lang, "live.engine_unavailable")
    for page in PAGES:
        at = open_page(page, lang, timeout=120)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title and at.title[0].value == translate(lang, f"{page}.title"), page
        assert _widgets(at) > 1, page  # the sidebar's language switch and the page's own controls
        if page not in ("home", "exam"):
            assert unavailable in [w.value for w in at.warning], page


def test_the_engine_comes_back_by_itself(broken_engine):
    at = open_page("dense_layer", "en", timeout=120)
    assert translate("en", "live.engine_unavailable") in [w.value for w in at.warning]
    broken_engine.env["KFL_WORKER_PYTHON"] = sys.executable  # the install is fixed
    assert broken_engine.wait_ready(120, all_workers=False)
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.metric and at.get("plotly_chart")  # the layer's numbers and charts are back


def _kill_training_worker(done: threading.Event):
    from ui import client

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not done.is_set():
        for w in list(client.pool()._workers):
            job = w.job
            if job is not None and job.target.endswith(":train_spec") and job.kwargs["spec"]["epochs"] == 499 \
                    and job.wait_messages(0, 0):
                os.kill(w.pid, signal.SIGKILL)
                return
        time.sleep(0.05)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_worker_killed_mid_training_says_so_and_can_retry(lang):
    from ui import client, live

    client.pool().wait_ready(120)
    live.RESULTS.clear()  # the other language's retry finished this very run: it must train again
    done = threading.Event()
    other: dict = {}
    # Another learner trains at the same time: untouched by the crash.
    bystander = threading.Thread(target=lambda: other.setdefault(
        "at", open_page("build_and_train", "en", timeout=300, build_and_train_epochs="37")))
    bystander.start()
    killer = threading.Thread(target=_kill_training_worker, args=(done,))
    killer.start()
    at = open_page("build_and_train", lang, timeout=300, build_and_train_epochs="499")
    done.set()
    killer.join()
    bystander.join(300)
    assert not at.exception, [e.value for e in at.exception]
    assert translate(lang, "live.worker_died") in [w.value for w in at.warning]
    retry = [b for b in at.button if b.key == "build_and_train.train__again"]
    assert retry and retry[0].label == translate(lang, "live.retry")
    ob = other["at"]
    assert not ob.exception and not ob.warning, [w.value for w in ob.warning]
    assert client.pool().wait_ready(120, all_workers=False)
    retry[0].click().run()  # a fresh worker trains it
    assert not at.exception and translate(lang, "live.worker_died") not in [w.value for w in at.warning]
    assert any(translate(lang, "training.done", epochs=499, seconds="", eps="")[:8] in c.value for c in at.caption) \
        or "499" in texts(at)


@pytest.mark.parametrize("page", ["dense_layer", "build_and_train", "compile_step", "weight_freeze"])
def test_a_restarted_server_reopens_the_page_from_its_link(page):
    """Every control lives in the URL: a fresh session (a restarted server) rebuilds the same page."""
    from ui import live

    at = open_page(page, "en")
    changed = _change_one_of_each(at, page)
    at.run()
    assert not at.exception
    # AppTest does not write bound widgets back into at.query_params: the link is what the URL
    # carries for these controls (the browser round trip is in tests/e2e).
    live.RESULTS.clear()  # a new server process has no cache either
    fresh = open_page(page, "en", **{k: str(v) for k, v in changed.items()})
    assert not fresh.exception
    for key, value in changed.items():
        assert fresh.session_state[key] == value, (key, fresh.session_state[key], value)


def _change_one_of_each(at, page) -> dict:
    changed = {}
    for w in at.selectbox:
        if w.key and w.key.startswith(page + "_") and len(w.options) > 1 and not w.disabled:
            value = w.options[-1] if w.value != w.options[-1] else w.options[0]
            w.set_value(value)
            changed[w.key] = value
            break
    assert changed, page
    return changed


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_shipped_first_results_show_a_page_whose_workers_cannot_start(broken_engine, monkeypatch, lang):
    """A cold server (here: one whose workers never start) still shows the Dense page's default
    layer, numbers and charts, from the results shipped with the app (ui/shipped.py)."""
    from ui import live, shipped

    data = shipped.read()
    assert data is not None and data["fingerprint"] == shipped.fingerprint(), "make shipped (tests/unit/test_shipped.py)"
    monkeypatch.setenv("KFL_SHIPPED", "1")
    try:
        assert shipped.load(live.RESULTS, again=True) == len(data["results"])
        at = open_page("dense_layer", lang, timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric and at.get("plotly_chart"), "the default layer's numbers and charts"
        assert not at.warning, [w.value for w in at.warning]
    finally:
        live.RESULTS.clear()  # later tests watch the engine work, not the shipped file
