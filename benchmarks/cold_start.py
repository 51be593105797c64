"""First render of the home page in a fresh process, and in a browser on a fresh server.

1. Fresh process (the figure on the last line): a new Python process starts, imports
   Streamlit, and renders the home page through the real entry script (AppTest: every
   element of the page produced). Timed from before the process starts to the end of the
   run, i.e. everything the app's own code and imports cost. The run also checks that
   TensorFlow was not imported.
2. Real browser on a fresh server: each run starts `streamlit run streamlit_app.py`, waits
   for its health endpoint, then times one headless-Chromium request of `/` until the page
   title is on screen and until Streamlit reports the script run finished. The browser is
   started before the server. The server's memory map is checked for TensorFlow. Beside
   it the same for a one-line Streamlit app: Streamlit's own frontend floor on this machine
   (its JavaScript is loaded in chunks, one per element type, on first use).
3. The time a fresh Python needs just to `import tensorflow`: what a home page that
   imported it would add before anything is drawn.

usage: PYTHONPATH=. .venv/bin/python benchmarks/cold_start.py [--port 8611] [--runs 3] [--no-browser]
Last line: home_s=X (fresh process, worst run; bar <= 1.5).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_health(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("server did not come up")


def has_tensorflow(pid: int) -> bool:
    try:
        return "tensorflow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


FRESH_PROCESS = """
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.run()
assert not at.exception, [e.value for e in at.exception]
assert at.title and at.title[0].value == sys.argv[2], "home title missing"
print("tensorflow" in sys.modules)
"""


def fresh_process(title: str) -> tuple[float, bool]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(ROOT / "streamlit_app.py"), title],
                         cwd=ROOT, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout.strip().endswith("True")


def browser_run(browser, port: int, script: str, title: str) -> tuple[float, float, bool]:
    """(title on screen, script run finished, TensorFlow in the server) for one fresh server."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_health(port)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        t0 = time.perf_counter()
        page.goto(f"http://localhost:{port}/")
        page.get_by_role("heading", name=title).first.wait_for(timeout=60000)
        t_title = time.perf_counter() - t0
        page.wait_for_selector(READY, timeout=60000)
        t_done = time.perf_counter() - t0
        page.close()
        return t_title, t_done, has_tensorflow(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def import_tf_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8611)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from ui.text import translate

    title = translate("bn", "home.title")
    fresh = []
    for _ in range(a.runs):
        secs, tf_loaded = fresh_process(title)
        assert not tf_loaded, "the home page must render without TensorFlow"
        fresh.append(secs)
        print(f"  fresh process -> home page rendered: {secs:.2f} s (TensorFlow imported: {tf_loaded})")

    if not a.no_browser:
        import tempfile

        from playwright.sync_api import sync_playwright

        hello = Path(tempfile.mkdtemp()) / "hello.py"
        hello.write_text('import streamlit as st\nst.title("Hello")\n')
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            try:
                for _ in range(a.runs):
                    t_title, t_done, tf_loaded = browser_run(browser, a.port, "streamlit_app.py", title)
                    assert not tf_loaded, "the home page must render without TensorFlow"
                    h_title, h_done, _ = browser_run(browser, a.port, str(hello), "Hello")
                    print(f"  browser, fresh server, first request: home title on screen {t_title:.2f} s, "
                          f"script run finished {t_done:.2f} s (TensorFlow in the server: {tf_loaded}); "
                          f"a one-line app: {h_title:.2f} s / {h_done:.2f} s")
            finally:
                browser.close()
    print(f"a fresh `import tensorflow` alone takes {import_tf_seconds():.2f} s "
          "(what a home page importing it would add)")
    print(f"home_s={max(fresh):.2f}")


if __name__ == "__main__":
    main()
