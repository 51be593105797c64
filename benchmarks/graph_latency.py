"""Widget change on the Functional graphs page -> full 100-epoch curves of every output.

Through the worker pool the app uses (`ui.client`'s warm workers): each change is a new graph
(new trace, no cached result) on the two-input preset and on the two-output preset, submitted
as the page submits it (`lessons.functional_graphs:train_graph`: build, compile, fit_fast 100
epochs at batch 32 with validation_split 0.2, then the per-output predictions). Timed: submit ->
result in the page process. Beside it: plain `model.fit` on one of the same graphs, in this process.

usage: PYTHONPATH=. .venv/bin/python benchmarks/graph_latency.py [--no-fit]
Last line: graph_median_s=X (bar <= 1.5).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from engine import graphs  # noqa: E402
from runtime.pool import Pool  # noqa: E402

JOB = "lessons.functional_graphs:train_graph"


def changes() -> list[tuple[str, str, str]]:
    """(label, graph text, dataset): unit changes a learner makes on the two presets."""
    out = []
    two_in, two_out = graphs.PRESET_TEXT["two_inputs"], graphs.PRESET_TEXT["two_outputs"]
    for u in (12, 16, 24, 6):
        out.append((f"two_inputs mean_branch units -> {u}", two_in.replace("mean_branch=Dense(8", f"mean_branch=Dense({u}"),
                    "cancer"))
        out.append((f"two_outputs trunk units -> {u}", two_out.replace("trunk=Dense(16", f"trunk=Dense({u}"), "diabetes"))
    return out


def plain_fit(text: str, dataset: str) -> float:
    from engine import data
    from engine.build import build_graph
    from lessons.functional_graphs import graph_data

    g = graphs.from_text(text)
    x, y = graph_data(g, data.load_graph(dataset))
    warm = build_graph(g, compile=True)
    warm.fit(x, y, epochs=1, batch_size=32, validation_split=0.2, verbose=0)
    t0 = time.perf_counter()
    m = build_graph(g, compile=True)
    m.fit(x, y, epochs=100, batch_size=32, validation_split=0.2, verbose=0)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-fit", action="store_true")
    a = ap.parse_args()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.getcwd())
    from ui.client import PRELOAD, WARMUP

    pool = Pool(warmup=WARMUP, preload=PRELOAD)
    times = {"two_inputs": [], "two_outputs": []}
    try:
        pool.wait_ready(300)
        for label, text, dataset in changes():
            t0 = time.perf_counter()
            job = pool.submit(JOB, text=text, dataset=dataset, epochs=100)
            first, epochs = None, 0
            for msg in job.messages(timeout=120):
                first = first if first is not None else time.perf_counter() - t0
                epochs = msg["epoch"]
            res = job.result(120)
            dt = time.perf_counter() - t0
            assert res["ok"] and res["status"] == "done" and epochs == 100, res
            times[label.split()[0]].append(dt)
            print(f"  {label:36s} full curves {dt:5.2f} s  first epoch {first:4.2f} s  "
                  f"(worker: trace {res['trace_seconds']:.2f} s, {res['epochs_per_s']:.0f} epochs/s, engine {res['engine']})")
    finally:
        pool.close()
    for k, v in times.items():
        print(f"{k}: median {statistics.median(v):.2f} s")
    every = times["two_inputs"] + times["two_outputs"]
    if not a.no_fit:
        label, text, dataset = changes()[1]
        fit_s = plain_fit(text, dataset)
        print(f"plain model.fit, same two-output training in one process: {fit_s:.1f} s "
              f"-> {fit_s / statistics.median(every):.0f}x the page's path")
    print(f"graph_median_s={statistics.median(every):.2f}")


if __name__ == "__main__":
    main()
