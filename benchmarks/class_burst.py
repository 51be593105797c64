"""A lecture burst (issue 13 §1): N learners apply the same change within 3 s.

How the load is generated: N simulated learners, each an AppTest session (the real entry script
and page, session state of its own) in a thread of this one process, which also owns the one worker
pool every session shares — what one `streamlit run` server is. All N open the build page with its
defaults (not timed), then the lecturer says "now set units to 16": each learner types the value
into the first hidden layer's units field at a random moment within `--spread` = 3 s. Latency = that
change until the script run finished (the newly trained model drawn). Each N starts from an empty
result cache (as if this change had not been made before today) and uses the pool as it is (warm).
Memory: peak resident MB of this process and its workers during the round, and at its end.
Also printed: one rerun of a session with nothing changed (wall and this process's CPU): the
page's own cost per rerun, which every learner's change multiplies; and the CPU seconds this
process (sessions' scripts, the pool's dispatcher; not the workers) used during the burst.

What it leaves out: the browser (drawing, the websocket), learners who mistype, and that a real
class has stragglers who change it a minute later (they would find the result cached). The
harness's own cost (AppTest builds each page's element tree in Python) shares the process, GIL and
cores with the "server": pessimistic if anything.

usage: PYTHONPATH=. .venv/bin/python benchmarks/class_burst.py [--ns 20,40,60] [--value 16] [--quick]
Last line: burst_p95_s_at_40=X (goal ≤ 4 s).
"""
from __future__ import annotations

import argparse
import random
import threading
import time

from _common import MemoryPeak, apply, failed, open_page, quantile, share_script_cache, wait_pool_ready

PAGE, KEY = "build_and_train", "build_and_train_units_0"


def clear_results() -> None:
    import streamlit as st

    try:
        from ui import live

        live.RESULTS.clear()
    except (ImportError, AttributeError):
        pass
    st.cache_data.clear()


def page_rerun(at) -> tuple[float, float]:
    """(wall s, CPU s of this process) of one rerun with nothing changed: the page's own cost."""
    w0, c0 = time.perf_counter(), time.process_time()
    at.run()
    return time.perf_counter() - w0, time.process_time() - c0


def round_(n: int, value: str, spread: float, seed: int):
    rng = random.Random(seed + n)
    sessions: list = [None] * n
    errors: list = []

    def open_one(i):
        try:
            sessions[i] = open_page(PAGE, "bn" if i % 2 else "en")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"open {i}: {exc!r}"[:200])

    openers = [threading.Thread(target=open_one, args=(i,), daemon=True) for i in range(n)]
    for th in openers:
        th.start()
        time.sleep(0.05)
    for th in openers:
        th.join(900)
    rerun = page_rerun(next(at for at in sessions if at))
    clear_results()
    lat: list = []
    mem = MemoryPeak(every=0.5)
    go = time.perf_counter() + 0.5
    cpu0 = time.process_time()

    def change(i, at):
        time.sleep(max(0.0, go + rng_offsets[i] - time.perf_counter()))
        try:
            lat.append(apply(at, "text_input", KEY, value))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"change {i}: {exc!r}"[:200])
            return
        if (msg := failed(at)) is not None:
            errors.append(f"change {i}: {msg}")

    rng_offsets = [rng.uniform(0, spread) for _ in range(n)]
    threads = [threading.Thread(target=change, args=(i, at), daemon=True) for i, at in enumerate(sessions) if at]
    for th in threads:
        th.start()
    for th in threads:
        th.join(900)
    mem.stop()
    busy = (time.process_time() - cpu0, time.perf_counter() - go)  # this process's CPU s, wall s
    return lat, errors, mem, rerun, busy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ns", default="20,40,60")
    ap.add_argument("--value", default="16")
    ap.add_argument("--spread", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="--ns 5,10,40")
    a = ap.parse_args()
    if a.quick:
        a.ns = "5,10,40"
    share_script_cache()
    print(f"worker pool warm, start-up defaults computed: {wait_pool_ready():.1f} s", flush=True)
    at40 = float("nan")
    for n in (int(s) for s in a.ns.split(",")):
        t0 = time.perf_counter()
        lat, errors, mem, rerun, busy = round_(n, a.value, a.spread, a.seed)
        p95 = quantile(lat, 0.95)
        print(f"N={n:3d}  changes={len(lat):3d}  p50_s={quantile(lat, 0.5):.2f}  p95_s={p95:.2f}  "
              f"max_s={max(lat, default=float('nan')):.2f}  rss_mb_peak={mem.peak:.0f}  rss_mb_end={mem.last:.0f}  "
              f"errors={len(errors)}  round_s={time.perf_counter() - t0:.0f}  "
              f"one unchanged rerun: {rerun[0]:.2f} s wall, {rerun[1]:.2f} s CPU; "
              f"Streamlit-side CPU during the burst {busy[0]:.1f} s in {busy[1]:.1f} s", flush=True)
        for e in errors[:3]:
            print(f"   error: {e}")
        if n == 40:
            at40 = p95
    print(f"burst_p95_s_at_40={at40:.2f}")


if __name__ == "__main__":
    main()
    import os

    os._exit(0)
