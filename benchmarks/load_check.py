"""Load check: N simulated learners (AppTest sessions in threads, one server process with its
worker pool) each change the build page's architecture a few times.

Prints p50/p95 interaction latency (widget change -> page finished, with the new model
trained) and resident memory of the server process plus its workers, for N = 1, 5, 10.
Last line: p95_s_at_10=X
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import psutil  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

CHANGES = 3


def rss_mb() -> float:
    me = psutil.Process()
    procs = [me, *me.children(recursive=True)]
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def learner(i: int, lat: list, errors: list):
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        at.query_params["lang"] = "bn" if i % 2 else "en"
        at.switch_page("app_pages/build_and_train.py")
        at.run()
        for c in range(CHANGES):
            units = 4 + (i * CHANGES + c) % 40  # a new architecture every change
            t0 = time.perf_counter()
            at.text_input(key="build_and_train_units_0").set_value(str(units)).run()
            lat.append(time.perf_counter() - t0)
            if at.exception:
                errors.append(str(at.exception[0].value)[:200])
    except Exception as exc:
        errors.append(repr(exc)[:200])


def round_(n: int) -> tuple[float, float, float, int]:
    lat: list = []
    errors: list = []
    threads = [threading.Thread(target=learner, args=(i, lat, errors)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if not lat:
        raise SystemExit(f"no interaction finished: {errors[:3]}")
    q = statistics.quantiles(lat, n=20) if len(lat) > 1 else [lat[0]] * 19
    return statistics.median(lat), q[18], rss_mb(), len(errors)


def main():
    # warm the pool once so the first round does not pay TensorFlow's start-up alone
    learner(999, [], [])
    results = {}
    for n in (1, 5, 10):
        p50, p95, mem, errs = round_(n)
        results[n] = p95
        print(f"N={n:2d}  p50_s={p50:.2f}  p95_s={p95:.2f}  rss_mb(all processes)={mem:.0f}  errors={errs}", flush=True)
    print(f"p95_s_at_10={results[10]:.2f}")


if __name__ == "__main__":
    main()
    os._exit(0)  # worker processes are daemons of the pool; do not wait on atexit joins
