"""Helpers the benchmarks share (not a benchmark: `make bench` skips files starting with `_`).

- AppTest sessions as simulated learners, in threads of this process, against this process's one
  worker pool (what one `streamlit run` server does: every session's script runs in the server
  process, every Keras job in its pool).
- A fresh `streamlit run` server and headless Chromium (Debian's `chromium`, the launch arguments
  of tests/e2e/test_browser.py, its readiness selector).
- Resident memory of this process and all its descendants (the workers).
"""
from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# Pages whose controls run Keras (home and the exam do not), and for each a few controls with
# values a learner might pick. (kind, key, values); "slider" values may be None: any in range.
CONTROLS = {
    "input_layer": [
        ("text_input", "input_layer_shape", ["(10,)", "(28, 28, 1)", "(4,)", "(32, 32, 3)", "(8, 2)", "(5,)",
                                             "(16,)", "(3, 3)", "(64,)", "(2, 2, 2)", "(7,)", "(100,)"]),
        ("text_input", "input_layer_batch", ["", "8", "16", "32", "4", "64"]),
    ],
    "dense_layer": [
        ("text_input", "dense_layer_units", [str(u) for u in range(1, 65)]),
        ("text_input", "dense_layer_in", [str(u) for u in range(1, 33)]),
    ],
    "outputs_tensor": [
        ("number_input", "outputs_tensor_units", list(range(1, 11))),
    ],
    "model_container": [
        ("text_input", "model_container_name", [f"model_{i}" for i in range(200)]),
        ("checkbox", "model_container_trainable", [True, False]),
    ],
    "build_and_train": [
        ("text_input", "build_and_train_units_0", [str(u) for u in range(2, 65)]),
        ("text_input", "build_and_train_lr", ["0.01", "0.005", "0.002", "0.001", "0.0005", "0.02", "0.05"]),
    ],
    "compile_step": [
        ("text_input", "compile_step_lr", ["0.1", "0.05", "0.02", "0.005", "0.001", "0.03", "0.2"]),
        ("text_input", "compile_step_epochs", [str(e) for e in range(20, 101, 5)]),
    ],
    "functional_graphs": [
        ("select_slider", "functional_graphs_epochs", [20, 50, 100, 200]),
    ],
    "weight_freeze": [
        ("checkbox", "weight_freeze_freeze_dense1", [True, False]),
        ("slider", "weight_freeze_epochs", list(range(1, 11))),
    ],
    "transfer_learning": [
        ("slider", "transfer_learning_n", list(range(1, 21))),
        ("slider", "transfer_learning_epochs", list(range(5, 61, 5))),
    ],
    "fine_tuning": [
        ("slider", "fine_tuning_k", None),
        ("slider", "fine_tuning_n", list(range(1, 21))),
    ],
}
KERAS_PAGES = list(CONTROLS)


def share_script_cache() -> None:
    """One compiled script per path for all AppTests, as a real server has (its Runtime's one
    ScriptCache). AppTest makes a new cache per run, and CPython 3.11's parser is not thread-safe
    ("AST constructor recursion depth mismatch" when several threads parse at once)."""
    from streamlit.runtime.scriptrunner import script_cache

    lock, shared = threading.Lock(), {}
    original = script_cache.ScriptCache.get_bytecode

    def get_bytecode(self, script_path):
        path = os.path.abspath(script_path)
        with lock:
            if path not in shared:
                shared[path] = original(self, script_path)
            return shared[path]

    script_cache.ScriptCache.get_bytecode = get_bytecode
    _keep_runtime()


def _keep_runtime() -> None:
    """AppTest installs a mock Runtime for each run and sets it back to None when the run ends;
    with many sessions running at once, one session's end would leave another's run without a
    runtime ("Runtime hasn't been created!", bare-mode widgets). A real server has one Runtime
    for its whole life, so here, once a run has installed one, one stays."""
    from streamlit.runtime.runtime import Runtime

    last: list = []

    def instance(cls):
        if cls._instance is not None:
            last[:] = [cls._instance]
            return cls._instance
        if last:
            return last[0]
        raise RuntimeError("Runtime hasn't been created!")

    def exists(cls):
        return cls._instance is not None or bool(last)

    Runtime.instance = classmethod(instance)
    Runtime.exists = classmethod(exists)


def open_page(page: str, lang: str = "en", timeout: float = 900, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    if page != "home":
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    return at


def widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def choices(at, kind: str, key: str, values) -> list:
    if values is not None:
        return list(values)
    proto = widget(at, kind, key).proto
    step = int(getattr(proto, "step", 1) or 1)
    return list(range(int(proto.min), int(proto.max) + 1, step))


def apply(at, kind: str, key: str, value) -> float:
    """Set one control and rerun; seconds until the script run finished (the result on screen)."""
    w = widget(at, kind, key)
    t0 = time.perf_counter()
    w.set_value(value).run()
    return time.perf_counter() - t0


def current(at, kind: str, key: str):
    return widget(at, kind, key).value


def pick_new(rng: random.Random, at, kind: str, key: str, values):
    """A value different from the control's current one."""
    options = [v for v in choices(at, kind, key, values) if v != current(at, kind, key)]
    return rng.choice(options)


def failed(at) -> str | None:
    if at.exception:
        return str(at.exception[0].value)[:200]
    return None


def quantile(xs, q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q * 100) - 1]


def rss_mb() -> float:
    """Resident MB of this process and every descendant (the Keras workers)."""
    import psutil

    me = psutil.Process()
    total = 0
    for p in [me, *me.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


class MemoryPeak:
    """Samples rss_mb() every `every` seconds in a thread; `.peak` and `.last` in MB."""

    def __init__(self, every: float = 1.0):
        self.peak = self.last = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every):
        while not self._stop.wait(every):
            self.last = rss_mb()
            self.peak = max(self.peak, self.last)

    def stop(self) -> "MemoryPeak":
        self._stop.set()
        self._thread.join()
        self.last = rss_mb()
        self.peak = max(self.peak, self.last)
        return self


def wait_pool_ready(timeout: float = 300) -> float:
    """Start this process's worker pool as a server does after its first page (`ui.client.prewarm`:
    workers, plus the default results some pages precompute at start, where the app does that) and
    wait until all of it is done: the figures are a server that has been up for a while. Seconds."""
    from ui import client

    t0 = time.perf_counter()
    (getattr(client, "prewarm", None) or client.pool)()
    client.pool().wait_ready(timeout=timeout, all_workers=True)
    for th in threading.enumerate():
        if th.name == "kfl-precompute":
            th.join(max(1.0, timeout - (time.perf_counter() - t0)))
    return time.perf_counter() - t0


# ---------------------------------------------------------------- a real server and browser
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def wait_health(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("server did not come up")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server and its workers (its own process group)."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
