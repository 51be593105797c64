"""`ui.client.call` waits in slices so a newer script run can end the wait (issue 14: progress
within half a second of a change, even while the last change's job still runs)."""
import threading
import time

import pytest

from ui import client


class _Handle:
    """A shared job that finishes when told; `result(timeout)` like runtime.pool.Ticket."""

    def __init__(self):
        self.finished = threading.Event()
        self.cancelled = False

    def result(self, timeout=None):
        if not self.finished.wait(timeout):
            raise TimeoutError
        return {"ok": True}

    def cancel(self):
        self.cancelled = True


class _Rerun(BaseException):
    """Stands for Streamlit's RerunException (a BaseException, so no `except Exception` eats it)."""


def test_a_newer_run_ends_the_wait_and_the_result_is_still_kept(monkeypatch):
    handle, late = _Handle(), []
    checks = []

    def yield_check():
        checks.append(time.monotonic())
        if len(checks) == 3:  # the learner changed something while the job ran
            raise _Rerun

    monkeypatch.setattr(client, "share", lambda job, kwargs: handle)
    monkeypatch.setattr(client, "_yield_check", lambda: yield_check)
    t0 = time.monotonic()
    with pytest.raises(_Rerun):
        client.call(object(), on_late=late.append)
    assert time.monotonic() - t0 < 1.0  # a few slices, not the job's length
    assert not handle.cancelled  # the job runs on for whoever shares it
    handle.finished.set()
    deadline = time.monotonic() + 5
    while not late and time.monotonic() < deadline:
        time.sleep(0.01)
    assert late == [{"ok": True}]


def test_without_a_script_run_the_wait_is_plain(monkeypatch):
    handle = _Handle()
    monkeypatch.setattr(client, "share", lambda job, kwargs: handle)
    threading.Timer(0.2, handle.finished.set).start()
    assert client.call(object()) == {"ok": True}
    assert client._yield_check()() is None  # outside a script run: never raises
