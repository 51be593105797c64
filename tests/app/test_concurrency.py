"""Ten learners at once in one server process: each keeps its own model, names, history, language."""
import threading
import time

from lessons import spec_jobs
from tests.conftest import open_page, texts
from ui.text import translate

N = 10
RESULTS_SLOT = "live__build_and_train.train"  # ui.live keeps a slot's last good result here


def _learner(i: int, out: dict):
    lang = "bn" if i % 2 else "en"
    units = 3 + i  # a different first hidden layer for every learner
    try:
        at = open_page("build_and_train", lang, timeout=600,
                       build_and_train_units_0=str(units), build_and_train_epochs=str(20 + i))
        out[i] = {"lang": lang, "units": units, "at": at}
    except Exception as exc:  # reported by the assertion below with the learner's number
        out[i] = {"error": repr(exc)}


def test_ten_sessions_build_and_train_at_once():
    out: dict = {}
    threads = [threading.Thread(target=_learner, args=(i, out)) for i in range(N)]
    # Starts 0.3 s apart: CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion
    # depth mismatch" when ten AppTests parse the page in the same instant); the ten trainings
    # still overlap, which is what this test is about.
    for th in threads:
        th.start()
        time.sleep(0.3)
    for th in threads:
        th.join(900)
    assert len(out) == N
    for i, r in sorted(out.items()):
        assert "error" not in r, (i, r)
        at, lang, units = r["at"], r["lang"], r["units"]
        assert not at.exception, (i, [e.value for e in at.exception])
        # own language
        assert at.title[0].value == translate(lang, "build_and_train.title")
        # own model: 1 -> units -> 16 -> 4 -> 1 of the recommended stack
        params = (1 * units + units) + (units * 16 + 16) + (16 * 4 + 4) + (4 * 1 + 1)
        shown = texts(at)
        assert f"{params:,}" in shown or str(params) in shown, (i, params)
        # own history: the session's finished run has exactly its own epoch count
        hist_lens = _history_lengths(at)
        assert 20 + i in hist_lens, (i, hist_lens)


def _history_lengths(at) -> set:
    """Epoch counts of the histories this session holds (its live slot: the run and its last good result)."""
    found = set()

    def walk(v, depth=0):
        if depth > 4:
            return
        if isinstance(v, dict):
            h = v.get("history")
            if isinstance(h, dict) and isinstance(h.get("loss"), list):
                found.add(len(h["loss"]))
            for x in v.values():
                walk(x, depth + 1)
        elif isinstance(v, (list, tuple)):
            for x in v[:50]:
                walk(x, depth + 1)

    walk(at.session_state[RESULTS_SLOT])
    return found


def test_a_session_that_leaves_cancels_its_training():
    """The job handle a session keeps cancels its run when the session's state is dropped."""
    import gc

    from engine import spec as model_spec
    from ui import client as engine
    from ui.live import SessionJob

    job = engine.share(spec_jobs.train_spec, dict(spec=model_spec.recommended().replace(epochs=500).to_dict(), dataset="curve"))
    state = {"live__build_and_train.train": {"job": SessionJob("k", job)}}
    del state  # what Streamlit does with a closed session's state
    gc.collect()
    assert job.cancel_requested
    from runtime.pool import JobCancelled

    try:
        res = job.result(120)
    except JobCancelled:  # cancelled while still queued: nothing trained at all
        return
    assert res["status"] == "cancelled" and res["epochs_run"] < 500
