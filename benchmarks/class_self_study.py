"""A class studying on its own (issue 13 §1): how many learners one server serves at p95 ≤ 2 s.

How the load is generated: N simulated learners, each an AppTest session (the real entry script,
the real page, session state and widgets of its own) in a thread of this one process, which also
owns the one worker pool every session shares — what one `streamlit run` server is. Learner i
stays on one of the pages that run Keras (input_layer, dense_layer, outputs_tensor, model_container,
build_and_train, compile_step, functional_graphs, weight_freeze, transfer_learning, fine_tuning;
round robin), opens it with its defaults, then repeatedly thinks for a random time (exponential, mean `--think` = 15 s;
the first wait uniform so learners do not start in step) and changes one of that page's controls
to a value of its own (its own random generator: settings differ between learners, and a learner
does not repeat its current value). Latency = the change until the script run finished (the new
result drawn). Each N is a fresh set of learners for `--window` seconds; the result cache and the
pool stay warm between steps (a server that has been up for a while). N grows until two steps in
a row miss the bar; the figure is the largest N that met it.

What it leaves out: the browser (drawing, the websocket: tens of ms on loopback), learners moving
between pages, uploads, and Stop buttons. The harness's own cost (AppTest builds each page's element
tree in Python) runs in the same process as the "server", so it competes for the same GIL and cores:
the figure is, if anything, pessimistic. Opening the pages is not timed (see page_latency.py).

usage: PYTHONPATH=. .venv/bin/python benchmarks/class_self_study.py [--steps 5,10,20,30,40] [--window 90] [--quick]
Last line: learners_at_p95_2s=N (goal ≥ 20).
"""
from __future__ import annotations

import argparse
import random
import threading
import time

from _common import (CONTROLS, KERAS_PAGES, MemoryPeak, apply, failed, open_page, pick_new, quantile,
                     share_script_cache, wait_pool_ready)

BAR_S = 2.0


def learner(i: int, stop_at: float, think: float, seed: int, lat: list, errors: list, opened: threading.Event):
    page = KERAS_PAGES[i % len(KERAS_PAGES)]
    rng = random.Random(seed * 1000 + i)
    try:
        at = open_page(page, "bn" if i % 2 else "en")
    except Exception as exc:  # noqa: BLE001 - reported, the run goes on
        errors.append(f"{page} open: {exc!r}"[:200])
        return
    finally:
        opened.set()
    if (msg := failed(at)) is not None:
        errors.append(f"{page} open: {msg}")
    wait = rng.uniform(0, think)
    while time.perf_counter() + wait < stop_at:
        time.sleep(wait)
        kind, key, values = rng.choice(CONTROLS[page])
        try:
            secs = apply(at, kind, key, pick_new(rng, at, kind, key, values))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{page} {key}: {exc!r}"[:200])
            return
        lat.append((page, secs))
        if (msg := failed(at)) is not None:
            errors.append(f"{page} {key}: {msg}")
        wait = rng.expovariate(1 / think)


def step(n: int, window: float, think: float, seed: int):
    lat: list = []
    errors: list = []
    mem = MemoryPeak()
    threads = []
    start = time.perf_counter()
    stop_at = start + window
    for i in range(n):
        opened = threading.Event()
        th = threading.Thread(target=learner, args=(i, stop_at, think, seed, lat, errors, opened), daemon=True)
        th.start()
        threads.append(th)
        opened.wait(30)  # learners arrive one after another, as a class does
    stop_at = max(stop_at, time.perf_counter() + window / 2)  # every learner gets time to act
    for th in threads:
        th.join(max(1.0, stop_at - time.perf_counter() + 120))
    mem.stop()
    return lat, errors, mem


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="5,10,20,30,40")
    ap.add_argument("--window", type=float, default=90.0, help="seconds of activity per N")
    ap.add_argument("--think", type=float, default=15.0, help="mean seconds between a learner's changes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="--steps 5,10,20 --window 30")
    a = ap.parse_args()
    if a.quick:
        a.steps, a.window = "5,10,20", 30.0
    share_script_cache()
    print(f"worker pool warm, start-up defaults computed: {wait_pool_ready():.1f} s", flush=True)
    best = misses = 0
    for n in (int(s) for s in a.steps.split(",")):
        t0 = time.perf_counter()
        lat, errors, mem = step(n, a.window, a.think, a.seed)
        secs = [s for _, s in lat]
        p95 = quantile(secs, 0.95)
        slowest = sorted(lat, key=lambda x: -x[1])[:3]
        print(f"N={n:3d}  changes={len(secs):4d}  p50_s={quantile(secs, 0.5):.2f}  p95_s={p95:.2f}  "
              f"max_s={max(secs, default=float('nan')):.2f}  rss_mb_peak={mem.peak:.0f}  rss_mb_end={mem.last:.0f}  "
              f"errors={len(errors)}  step_s={time.perf_counter() - t0:.0f}  slowest="
              + ", ".join(f"{p}:{s:.1f}" for p, s in slowest), flush=True)
        by_page: dict = {}
        for page, secs_ in lat:
            by_page.setdefault(page, []).append(secs_)
        print("   per page p95_s: " + ", ".join(f"{p}={quantile(v, 0.95):.1f}(n={len(v)})"
                                             for p, v in sorted(by_page.items())), flush=True)
        for e in errors[:3]:
            print(f"   error: {e}")
        if secs and p95 <= BAR_S and not errors:
            best, misses = n, 0
        else:
            misses += 1
            if misses == 2:  # two larger classes in a row above the bar: no need to go on
                break
    print(f"learners_at_p95_2s={best}")


if __name__ == "__main__":
    main()
    import os

    os._exit(0)
