"""First paint of `/` in a real browser on a freshly started server, beside a one-line Streamlit app.

What a user meets: each run starts `streamlit run streamlit_app.py` (a new process, nothing
warm), waits for its health endpoint, then headless Chromium (Debian's `chromium`, the launch
arguments of tests/e2e/test_browser.py; the browser itself is started once, before any server)
requests `/` and we time, from the request:

- title: the home page's title heading is on screen (the first paint of the app's own content);
- ready: Streamlit reports the script run finished
  (`[data-testid="stApp"][data-test-script-state="notRunning"]`);
- fcp: the browser's first-contentful-paint entry (Streamlit's empty frame, before any script ran).

The same for a one-line app (`st.title("Hello")`) on the same machine in the same run, alternating,
so the ratio is what this app adds to Streamlit's own floor (its frontend loads its JavaScript in
chunks, one per element type, on first use). The server's memory map is checked for TensorFlow
(the home page must not import it). The figure is the median over runs of app title ÷ one-line
title. Leaves out: network latency (loopback) and a sleeping Community Cloud app's container start.

usage: PYTHONPATH=. .venv/bin/python benchmarks/cold_start.py [--runs 3]
Last line: first_paint_ratio=X (app's title on screen ÷ a one-line app's, fresh servers).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import READY, free_port, launch_chromium, start_server, stop_server, wait_health

FCP = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {startTime: -1}).startTime"


def has_tensorflow(pid: int) -> bool:
    """TensorFlow mapped into the server process itself (its workers are meant to hold it)."""
    try:
        return "tensorflow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def first_paint(browser, script: str, title: str) -> dict:
    port = free_port()
    server = start_server(script, port)
    try:
        wait_health(port)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
        t_title = time.perf_counter() - t0
        page.wait_for_selector(READY, timeout=60_000)
        t_ready = time.perf_counter() - t0
        fcp = page.evaluate(FCP) / 1000
        page.close()
        return {"title": t_title, "ready": t_ready, "fcp": fcp, "tensorflow": has_tensorflow(server.pid)}
    finally:
        stop_server(server)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from ui.text import translate

    title = translate("bn", "home.title")
    hello = Path(tempfile.mkdtemp()) / "hello.py"
    hello.write_text('import streamlit as st\nst.title("Hello")\n')
    ratios = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            first_paint(browser, str(hello), "Hello")  # the browser's own first-use costs, not timed
            for i in range(a.runs):
                app = first_paint(browser, "streamlit_app.py", title)
                assert not app["tensorflow"], "the home page must render without TensorFlow"
                one = first_paint(browser, str(hello), "Hello")
                ratios.append(app["title"] / one["title"])
                print(f"  run {i + 1}: app title {app['title']:.2f} s, ready {app['ready']:.2f} s, fcp {app['fcp']:.2f} s"
                      f" | one-line app title {one['title']:.2f} s, ready {one['ready']:.2f} s, fcp {one['fcp']:.2f} s"
                      f" | ratio {ratios[-1]:.2f}", flush=True)
        finally:
            browser.close()
    print(f"first_paint_ratio={statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
