"""fit_fast on a graph with two inputs and two outputs vs a hand-written compiled loop.

The graph: `basics` (4) and `blood` (6) from the diabetes set; `blood` -> Dense(16); Concatenate;
a Dense(16) trunk; two heads: `value` (mse, weight 1.0) and `high` (binary_crossentropy, 0.5),
batch 32, validation_split 0.2, a shuffle every epoch. The reference is what a careful TensorFlow
user writes: one `tf.function` per epoch (AutoGraph over `tf.range` batches, both inputs gathered,
the weighted sum of the two losses, a GradientTape step, the Keras optimizer's `apply`, then both
validation losses), called once per epoch. Both are traced first; rounds alternate; the figure
is the median of the per-round ratios (epochs/s of fit_fast / epochs/s of the reference).

usage: PYTHONPATH=. .venv/bin/python benchmarks/graph_throughput.py [--epochs 150] [--rounds 7]
Last line: graph_throughput_ratio=X (bar >= 0.8).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from engine import data, graphs  # noqa: E402
from engine.build import build_graph  # noqa: E402
from engine.fit_fast import fit_fast, split_validation  # noqa: E402

TEXT = ("basics=Input(4); blood=Input(6); deep=Dense(16,relu)<blood; merged=Concatenate()<basics+deep; "
        "trunk=Dense(16,relu)<merged; value=Dense(1)<trunk; high=Dense(1,sigmoid)<trunk; "
        "out=value>progression/mse/1; out=high>high/binary_crossentropy/0.5; name=two_in_two_out")


def reference_loop(model, xs, ys, xv, yv, batch_size: int):
    import keras
    import tensorflow as tf

    opt = model.optimizer
    tvars = model.trainable_variables
    opt.build(tvars)
    mse, bce = keras.losses.MeanSquaredError(), keras.losses.BinaryCrossentropy()

    def losses(x0, x1, y0, y1, training):
        p0, p1 = model([x0, x1], training=training)
        a, b = mse(y0, p0), bce(y1, p1)
        return a + 0.5 * b, a, b

    @tf.function
    def epoch(x0, x1, y0, y1, v0, v1, w0, w1, seed, e):
        n = tf.shape(x0)[0]
        nb = (n + batch_size - 1) // batch_size
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([seed, e]))
        total = tf.constant(0.0)
        for b in tf.range(nb):
            sel = order[b * batch_size: tf.minimum((b + 1) * batch_size, n)]
            with tf.GradientTape() as tape:
                loss, _, _ = losses(tf.gather(x0, sel), tf.gather(x1, sel), tf.gather(y0, sel), tf.gather(y1, sel),
                                    True)
            opt.apply(tape.gradient(loss, tvars), tvars)
            total += loss * tf.cast(tf.shape(sel)[0], tf.float32)
        val, _, _ = losses(v0, v1, w0, w1, False)
        return total / tf.cast(n, tf.float32), val

    args = [tf.convert_to_tensor(a) for a in (*xs, *ys, *xv, *yv)]

    def run(epochs: int):
        return [tuple(float(v) for v in epoch(*args, tf.constant(0), tf.constant(e))) for e in range(epochs)]

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--fit-epochs", type=int, default=10)
    a = ap.parse_args()

    g = graphs.from_text(TEXT)
    d = data.load_graph("diabetes")
    x = {"basics": d.features["basics"], "blood": d.features["blood"]}
    y = {"value": d.targets["progression"], "high": d.targets["high"]}
    (xt, yt), (xv, yv) = split_validation([x["basics"], x["blood"]], [y["value"], y["high"]], 0.2)

    eng = build_graph(g, compile=True)
    t0 = time.perf_counter()
    h = fit_fast(eng, x, y, epochs=1, batch_size=32, validation_split=0.2, keep_graph=True)
    assert h.engine == "graph", "fit_fast fell back to model.fit"
    print(f"fit_fast warm-up (trace + 1 epoch): {time.perf_counter() - t0:.2f} s; history keys: {sorted(h)}")
    ref_model = build_graph(g, compile=True)
    ref = reference_loop(ref_model, xt, yt, xv, yv, 32)
    t0 = time.perf_counter()
    ref(1)
    print(f"reference warm-up (trace + 1 epoch): {time.perf_counter() - t0:.2f} s")

    fast, hand = [], []
    for r in range(a.rounds):
        h = fit_fast(eng, x, y, epochs=a.epochs, batch_size=32, validation_split=0.2, keep_graph=True)
        assert h.trace_seconds == 0.0
        fast.append(a.epochs / h.seconds)
        t0 = time.perf_counter()
        ref(a.epochs)
        hand.append(a.epochs / (time.perf_counter() - t0))
        print(f"round {r + 1}: fit_fast {fast[-1]:.1f} epochs/s, hand-written loop {hand[-1]:.1f} epochs/s")

    fit_m = build_graph(g, compile=True)
    fit_m.fit(x, y, epochs=1, batch_size=32, validation_split=0.2, verbose=0)
    t0 = time.perf_counter()
    fit_m.fit(x, y, epochs=a.fit_epochs, batch_size=32, validation_split=0.2, verbose=0)
    fit_eps = a.fit_epochs / (time.perf_counter() - t0)
    ratio = statistics.median(f / h_ for f, h_ in zip(fast, hand))
    print(f"fit_fast median {statistics.median(fast):.1f} epochs/s, hand-written {statistics.median(hand):.1f} "
          f"epochs/s, plain model.fit {fit_eps:.1f} epochs/s -> fit_fast is "
          f"{statistics.median(fast) / fit_eps:.1f}x model.fit")
    print(f"graph_throughput_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
