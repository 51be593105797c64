"""Feedback where the eye is, in a real browser (issue 14 §3): the pages whose change trains a model.

For each case a fresh server, headless Chromium at 1366×768, the page opened at its section; then
the learner types a new value into the field and presses Enter, `--reps` times (values never used
before in this run: no cached result). The page is polled every 30 ms:
- progress_s: first moment a progress bar or spinner is inside the viewport;
- finished_s: first moment after that the script run has finished and no progress is on screen.
The goal: progress within 0.5 s and a typical case finished within 4 s, when the answer takes
longer than 2 s. page_latency.py measures the same changes without a browser.

usage: PYTHONPATH=. .venv/bin/python benchmarks/browser_feedback.py [--reps 5]
Last line: worst_progress_s=X worst_finished_s=Y
"""
from __future__ import annotations

import argparse
import time

from _common import READY, free_port, launch_chromium, quantile, start_server, stop_server, wait_health

# (path with the section open, the field's key, new values)
CASES = {
    "build_and_train": ("build_and_train?build_and_train_section=train", "build_and_train_units_0",
                        [str(u) for u in range(9, 40)]),
    "compile_step": ("compile_step?compile_step_section=compare", "compile_step_lr",
                     ["0.002", "0.003", "0.004", "0.006", "0.007", "0.008", "0.009", "0.0015", "0.0025"]),
}
POLL_JS = """() => {
  const vh = innerHeight;
  const seen = el => { const r = el.getBoundingClientRect(); return r.width && r.top < vh && r.bottom > 0; };
  const busy = [...document.querySelectorAll('[data-testid="stProgress"], [data-testid="stSpinner"]')].some(seen);
  return [busy, document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')];
}"""


def one_change(page, field, value: str) -> tuple[float | None, float | None]:
    field.fill(value)
    t0 = time.perf_counter()
    field.press("Enter")
    progress = None
    while time.perf_counter() - t0 < 30:
        busy, state = page.evaluate(POLL_JS)
        dt = time.perf_counter() - t0
        if busy and progress is None:
            progress = dt
        if dt > 0.4 and state == "notRunning" and not busy:
            return progress, dt
        page.wait_for_timeout(30)
    return progress, None


def run_case(browser, port: int, path: str, key: str, values: list, reps: int) -> tuple[list, list]:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"http://127.0.0.1:{port}/{path}&lang=en")
    page.wait_for_selector(READY, timeout=240_000)
    page.wait_for_timeout(3000)  # the first results and the workers' warm-up
    page.wait_for_selector(READY, timeout=240_000)
    field = page.locator(f".st-key-{key} input")
    field.scroll_into_view_if_needed()
    progress, finished = [], []
    for value in values[:reps]:
        p, f = one_change(page, field, value)
        progress.append(p if p is not None else float("inf"))  # never shown: counts as worst
        finished.append(f if f is not None else float("inf"))
        page.wait_for_timeout(300)
    page.close()
    return progress, finished


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    worst_p, worst_f = 0.0, 0.0
    for name, (path, key, values) in CASES.items():
        port = free_port()
        proc = start_server("streamlit_app.py", port)
        try:
            wait_health(port)
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                progress, finished = run_case(browser, port, path, key, values, args.reps)
                browser.close()
        finally:
            stop_server(proc)
        shown = sum(p <= 0.5 for p in progress)
        print(f"{name:16s} progress p50={quantile(progress, .5):.2f}s max={max(progress):.2f}s "
              f"(within 0.5 s: {shown}/{len(progress)})  finished p50={quantile(finished, .5):.2f}s "
              f"max={max(finished):.2f}s", flush=True)
        worst_p, worst_f = max(worst_p, max(progress)), max(worst_f, max(finished))
    print(f"worst_progress_s={worst_p:.2f} worst_finished_s={worst_f:.2f}")


if __name__ == "__main__":
    main()
