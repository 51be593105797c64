"""Per-page interaction latency (issue 14) and the cold deep-link time.

1. Interaction: for every page, one learner (an AppTest session through the real entry script,
   this process's warm worker pool) opens the page with its defaults, then makes a typical control
   change `--reps` times, each time to a value not used before in this run (a learner trying a new
   setting: no cached result to fall back on). Timed from the change to the end of the script run,
   i.e. everything the page draws, its result included. p50 / p95 / max per page.
   Leaves out: the browser's own drawing and the websocket (a few tens of ms on loopback; see
   cold_start.py for the frontend's share), and other learners (see class_*.py).
2. Cold deep link: a fresh `streamlit run` server, and headless Chromium's very first request of
   `/dense_layer?lang=en`. Usable = Streamlit reports the script run finished, no spinner and no
   "Keras is starting" note on screen, and the page's generated code is shown. Timed from the
   request (the server's health endpoint already answered) and from the server's start.

usage: PYTHONPATH=. .venv/bin/python benchmarks/page_latency.py [--reps 5] [--pages a,b] [--no-browser]
Last line: worst_page_p95_s=X (bar: 2 s).
"""
from __future__ import annotations

import argparse
import random
import time

from _common import (CONTROLS, READY, apply, choices, current, failed, free_port, launch_chromium,
                     open_page, quantile, share_script_cache, start_server, stop_server, wait_health,
                     wait_pool_ready)

# The typical change per page: the first control of benchmarks/_common.py's CONTROLS, and these
# for the pages that run no Keras.
TYPICAL = {
    "home": ("slider", "home_hidden", None),
    **{page: controls[0] for page, controls in CONTROLS.items()},
}
ORDER = ["home", "input_layer", "dense_layer", "outputs_tensor", "model_container", "build_and_train", "functional_graphs",
         "compile_step", "weight_freeze", "transfer_learning", "fine_tuning"]


def page_round(page: str, reps: int, rng: random.Random) -> tuple[float, list, str | None]:
    t0 = time.perf_counter()
    at = open_page(page, "en")
    opened = time.perf_counter() - t0
    err = failed(at)
    kind, key, values = TYPICAL[page]
    pool = [v for v in choices(at, kind, key, values) if v != current(at, kind, key)]
    rng.shuffle(pool)
    lat = []
    for i in range(reps):
        value = pool[i % len(pool)]
        lat.append(apply(at, kind, key, value))
        err = err or failed(at)
    return opened, lat, err


def cold_deep_link(path: str = "/dense_layer?lang=en") -> tuple[float, float]:
    """(seconds from the request, seconds from the server's start) until the page is usable."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    with sync_playwright() as p:
        browser = launch_chromium(p)
        started = time.perf_counter()
        server = start_server("streamlit_app.py", port)
        try:
            wait_health(port)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}{path}")
            deadline = time.perf_counter() + 180
            while time.perf_counter() < deadline:
                page.wait_for_selector(READY, timeout=180_000)
                busy = page.locator('[data-testid="stSpinner"], [data-testid="stAlertContentInfo"]:has-text("Starting Keras")')
                if busy.count() == 0 and page.locator('[data-testid="stCode"]').count() > 0:
                    break
                time.sleep(0.05)
            done = time.perf_counter()
            page.close()
            return done - t0, done - started
        finally:
            stop_server(server)
            browser.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--pages", default=",".join(ORDER))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    share_script_cache()
    rng = random.Random(a.seed)

    cold = None
    if not a.no_browser:  # first, while nothing else of ours runs
        cold = cold_deep_link()
        print(f"cold deep link /dense_layer?lang=en: usable {cold[0]:.2f} s after the request "
              f"({cold[1]:.2f} s after the server process started)", flush=True)

    print(f"worker pool warm, start-up defaults computed: {wait_pool_ready():.1f} s", flush=True)
    worst = ("", 0.0)
    for page in a.pages.split(","):
        opened, lat, err = page_round(page, a.reps, rng)
        p95 = quantile(lat, 0.95)
        kind, key, _ = TYPICAL[page]
        print(f"{page:18s} {key:28s} open={opened:6.2f}s  p50={quantile(lat, 0.5):5.2f}s  p95={p95:5.2f}s  "
              f"max={max(lat):5.2f}s  n={len(lat)}" + (f"  ERROR {err}" if err else ""), flush=True)
        if p95 > worst[1]:
            worst = (page, p95)
    if cold:
        print(f"cold_deep_link_s={cold[0]:.2f}")
    print(f"worst page: {worst[0]}")
    print(f"worst_page_p95_s={worst[1]:.2f}")


if __name__ == "__main__":
    main()
    import os

    os._exit(0)  # the pool's workers are ours; skip atexit joins
