"""Widget change -> the full default loss curve, through the worker pool the app uses.

A learner changes the architecture on the build page; the page submits the training job
(`lessons.spec_jobs:train`: build, compile, 100 epochs on 1,000 samples at batch 32 with
validation_split 0.2, then the prediction plot data) to the same pool the app runs
(`ui.client`: warm workers, same preload and warm-up). Timed: submit -> result,
i.e. until the last epoch of the curve and the predictions are in the page process. Each
change is a new architecture (new graph to trace), so no result comes from a cache.

Also printed: the time to the first epoch on screen, and the same training with plain
`model.fit` (one run, in this process, after TensorFlow was warmed by one fit).
With --apptest the same changes also go through the real build page in AppTest
(widget set -> page run done: describe + train + every chart), for comparison.

usage: PYTHONPATH=. .venv/bin/python benchmarks/interaction_latency.py [--apptest] [--no-fit]
Last line: median_s=X (bar <= 1.5).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from engine import spec as model_spec  # noqa: E402
from runtime.pool import Pool  # noqa: E402

JOB = "lessons.spec_jobs:train_spec"


def changes() -> list[tuple[str, model_spec.ModelSpec]]:
    """Seven architecture edits a learner makes on the recommended 1-8-16-4-1 model."""
    out = []
    for units in (12, 24, 32):
        s = model_spec.recommended()
        s.hidden[1].units = units
        out.append((f"hidden2 units -> {units}", s))
    s = model_spec.recommended()
    s.hidden = s.hidden[:2]
    out.append(("remove hidden3", s))
    s = model_spec.recommended()
    s.hidden.append(model_spec.DenseSpec(8, "relu", name="hidden4"))
    out.append(("add hidden4 (8)", s))
    s = model_spec.recommended()
    s.hidden[0].activation = "tanh"
    out.append(("hidden1 activation -> tanh", s))
    s = model_spec.recommended()
    s.hidden[0].units = 32
    out.append(("hidden1 units -> 32", s))
    return out


def through_pool() -> list[float]:
    from ui.client import PRELOAD, WARMUP

    t0 = time.perf_counter()
    pool = Pool(warmup=WARMUP, preload=PRELOAD)
    try:
        pool.wait_ready(300)
        print(f"pool of {pool.size} warm workers ready in {time.perf_counter() - t0:.1f} s (once per server start)")
        times = []
        for label, spec in changes():
            t0 = time.perf_counter()
            job = pool.submit(JOB, spec=spec.to_dict(), dataset="curve")
            first = None
            epochs = 0
            for msg in job.messages(timeout=120):
                if first is None:
                    first = time.perf_counter() - t0
                epochs = msg["epoch"]
            res = job.result(120)
            dt = time.perf_counter() - t0
            assert res["ok"] and res["status"] == "done" and epochs == 100, res.get("status")
            times.append(dt)
            print(f"  {label:28s} full curve {dt:5.2f} s   first epoch on screen {first:4.2f} s   "
                  f"(in the worker: trace {res['trace_seconds']:.2f} s, {res['epochs_per_s']:.0f} epochs/s)")
        return times
    finally:
        pool.close()


def through_apptest() -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(os.path.join(os.getcwd(), "streamlit_app.py"), default_timeout=300)
    at.query_params["lang"] = "en"
    at.switch_page("app_pages/build_and_train.py")
    t0 = time.perf_counter()
    at.run()
    print(f"AppTest: first build page run (starts the pool) {time.perf_counter() - t0:.1f} s")
    times = []
    for units in ("12", "24", "32", "20", "10", "6", "40"):
        t0 = time.perf_counter()
        at.text_input(key="build_and_train_units_1").set_value(units).run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
        print(f"  AppTest units_1 -> {units:3s} page run done in {times[-1]:.2f} s")
    return times


def plain_fit() -> float:
    from engine import data
    from engine.build import build_model, compile_model

    spec = model_spec.recommended()
    d = data.load("curve", spec.seed)
    warm = compile_model(build_model(spec), spec)
    warm.fit(d.x, d.y, epochs=1, batch_size=32, validation_split=0.2, verbose=0)
    spec = changes()[0][1]
    t0 = time.perf_counter()
    m = compile_model(build_model(spec), spec)
    m.fit(d.x, d.y, epochs=100, batch_size=32, validation_split=0.2, verbose=0)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apptest", action="store_true", help="also time the real page in AppTest")
    ap.add_argument("--no-fit", action="store_true", help="skip the slow plain model.fit run")
    a = ap.parse_args()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.getcwd())

    times = through_pool()
    if a.apptest:
        at_times = through_apptest()
        print(f"AppTest median page run: {statistics.median(at_times):.2f} s")
    if not a.no_fit:
        fit_s = plain_fit()
        print(f"plain model.fit, same training in one process: {fit_s:.1f} s "
              f"-> {fit_s / statistics.median(times):.0f}x the engine")
    print(f"changes: {len(times)}, min {min(times):.2f} s, max {max(times):.2f} s")
    print(f"median_s={statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
