"""Resident memory of the app's process and all its workers over 100 rebuild+train cycles.

One cycle is what a widget change on the build page costs: the describe job (build the new
model: graph, table, code) and the training job (build, compile, 100 epochs, predictions),
each architecture new, through the same pool the app runs (ui.client settings).
After each cycle the script waits until the pool is idle and every worker is warm (so a
worker being recycled is never caught half-started), then sums the RSS of this process
and every descendant (psutil).

Reported: the least-squares slope over all 100 cycles; the growth between the mean of the
first and of the last tenth of the cycles, per cycle; (last sample - start) / 100; the
second half's slope; min/max; per-worker growth; recycles. A recycled worker makes a
sawtooth whose fitted slope depends on where the teeth fall, and single samples move by
about +-10 MB, so all raw numbers are printed and the figure on the last line is the larger
of the full-run slope and the tenths' growth. Three warm-up cycles (one per depth) come
before the start sample; --csv writes every sample.

Beside it: plain `model.fit` in one process (build + compile + fit, the DESIGN.md leak),
fitted the same way over --fit-cycles cycles of --fit-epochs epochs (the growth comes from
tracing, not from the number of epochs: measured 6.1 MB at 20 epochs, 6.3 MB at 2).

usage: PYTHONPATH=. .venv/bin/python benchmarks/memory_growth.py [--cycles 100] [--csv out.csv]
Last line: mb_per_cycle=X (bar <= 0.3).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from engine import spec as model_spec  # noqa: E402
from runtime.pool import Pool  # noqa: E402

MB = 2**20


def tree_rss() -> tuple[float, dict]:
    me = psutil.Process()
    per = {me.pid: me.memory_info().rss / MB}
    for child in me.children(recursive=True):
        try:
            per[child.pid] = child.memory_info().rss / MB
        except psutil.NoSuchProcess:
            pass
    return sum(per.values()), per


def architecture(i: int) -> model_spec.ModelSpec:
    """A different model each cycle: widths and depth vary like a learner's edits."""
    s = model_spec.recommended()
    s.hidden[0].units = 4 + (i % 7) * 2
    s.hidden[1].units = 8 + (i % 11) * 3
    if i % 3 == 1:
        s.hidden = s.hidden[:2]
    elif i % 3 == 2:
        s.hidden.append(model_spec.DenseSpec(6, "tanh", name="hidden4"))
    return s


def slope(y) -> float:
    y = np.asarray(y, dtype=float)
    return float(np.polyfit(np.arange(len(y)), y, 1)[0]) if len(y) > 1 else 0.0


def through_pool(cycles: int, csv: str | None) -> float:
    from ui.client import PRELOAD, WARMUP

    pool = Pool(warmup=WARMUP, preload=PRELOAD)
    rows = []
    try:
        pool.wait_ready(300)
        # three cycles first (one of each depth): a worker's first jobs fill one-off caches
        # (kernels, Keras internals); the measured run starts from a warm, realistic state
        for i in (-3, -2, -1):
            pool.call("lessons.spec_jobs:describe_spec", spec=architecture(i).to_dict(), dataset="curve", timeout=120)
            pool.call("lessons.spec_jobs:train_spec", spec=architecture(i).to_dict(), dataset="curve", timeout=120)
        pool.wait_idle(300)
        time.sleep(0.5)
        total0, per0 = tree_rss()
        print(f"start: {total0:.1f} MB in {len(per0)} processes "
              + ", ".join(f"{v:.0f}" for v in per0.values()))
        t0 = time.perf_counter()
        for i in range(1, cycles + 1):
            spec = architecture(i).to_dict()
            d = pool.call("lessons.spec_jobs:describe_spec", spec=spec, dataset="curve", timeout=120)
            r = pool.call("lessons.spec_jobs:train_spec", spec=spec, dataset="curve", timeout=120)
            assert d["ok"] and r["ok"] and r["status"] == "done"
            pool.wait_idle(300)
            total, per = tree_rss()
            rows.append((i, total, len(per), pool.recycled))
            if i % 10 == 0:
                print(f"  cycle {i:3d}: {total:8.1f} MB  ({len(per)} processes, {pool.recycled} recycled, "
                      f"{time.perf_counter() - t0:.0f} s)")
        stats = pool.stats()
    finally:
        pool.close()
    y = [r[1] for r in rows]
    if csv:
        with open(csv, "w") as f:
            f.write("cycle,total_rss_mb,processes,recycled\n")
            f.writelines(f"{a},{b:.2f},{c},{d}\n" for a, b, c, d in rows)
    full = slope(y)
    raw = (y[-1] - total0) / cycles
    k = max(1, len(y) // 10)
    # single samples move by +-10 MB (allocator, transient buffers): compare tenths
    tenths = (np.mean(y[-k:]) - np.mean(y[:k])) / max(1, len(y) - k)
    print(f"pool: slope over {cycles} cycles {full:+.3f} MB/cycle; mean of last tenth - mean of first tenth: "
          f"{tenths:+.3f} MB/cycle; (last sample - start)/{cycles}: {raw:+.3f} MB/cycle; "
          f"second-half slope {slope(y[len(y) // 2:]):+.3f} MB/cycle")
    print(f"pool: start {total0:.1f} MB, min {min(y):.1f}, max {max(y):.1f}, last {y[-1]:.1f}; "
          f"workers recycled {rows[-1][3]}; per worker now: "
          + ", ".join(f"pid {w['pid']} {w['jobs']} jobs {w['rss_mb']:.0f} MB" for w in stats["workers"]))
    return max(full, tenths)


def plain_fit(cycles: int, epochs: int) -> float:
    import gc

    from engine import data
    from engine.build import build_model, compile_model

    d = data.load("curve", 0)
    y = []
    for i in range(cycles + 1):
        s = architecture(i)
        m = compile_model(build_model(s), s)
        m.fit(d.x, d.y, epochs=epochs, batch_size=32, validation_split=0.2, verbose=0)
        del m
        gc.collect()
        if i:  # the first fit fills one-off caches, as in the pool run
            y.append(psutil.Process().memory_info().rss / MB)
    return slope(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--fit-cycles", type=int, default=20)
    ap.add_argument("--fit-epochs", type=int, default=5)
    ap.add_argument("--csv", default=None, help="write the per-cycle totals here")
    a = ap.parse_args()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.getcwd())
    figure = through_pool(a.cycles, a.csv)
    if a.fit_cycles:
        fit = plain_fit(a.fit_cycles, a.fit_epochs)
        print(f"plain model.fit in one process: {fit:+.2f} MB/cycle over {a.fit_cycles} cycles "
              f"({a.fit_epochs} epochs each)")
    print(f"mb_per_cycle={figure:.3f}")


if __name__ == "__main__":
    main()
