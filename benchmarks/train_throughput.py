"""Training throughput after warm-up: engine.fit_fast.fit_fast vs a hand-written compiled loop.

Same model (the document's 1-8-16-4-1), same data (curve, 1,000 samples), batch 32,
validation_split 0.2, per-epoch shuffle, in the same process. The reference is what a
careful TensorFlow user writes: one `tf.function` per epoch (AutoGraph over `tf.range`
batches, a GradientTape step, the Keras optimizer's `apply`, then the validation loss),
called from Python once per epoch. Both are warmed (traced) first; then rounds alternate so
machine noise hits both alike; the figure is the median of the per-round ratios.

usage: PYTHONPATH=. .venv/bin/python benchmarks/train_throughput.py [--epochs 200] [--rounds 3]
Last line: throughput_ratio=X (bar >= 0.8).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from engine import data  # noqa: E402
from engine import spec as model_spec  # noqa: E402
from engine.build import build_model, compile_model  # noqa: E402
from engine.fit_fast import fit_fast, split_validation  # noqa: E402


def fresh_model(spec):
    m = build_model(spec)
    return compile_model(m, spec)


def reference_loop(model, x, y, xv, yv, batch_size: int):
    """A hand-written compiled epoch: what the engine must keep up with."""
    import tensorflow as tf

    opt = model.optimizer
    tvars = model.trainable_variables
    opt.build(tvars)
    loss_fn = model.loss if callable(model.loss) else __import__("keras").losses.get(model.loss)

    @tf.function
    def epoch(x, y, xv, yv, seed, e):
        n = tf.shape(x)[0]
        nb = (n + batch_size - 1) // batch_size
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([seed, e]))
        total = tf.constant(0.0)
        for b in tf.range(nb):
            sel = order[b * batch_size: tf.minimum((b + 1) * batch_size, n)]
            xb, yb = tf.gather(x, sel), tf.gather(y, sel)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn(yb, model(xb, training=True)))
            opt.apply(tape.gradient(loss, tvars), tvars)
            total += loss * tf.cast(tf.shape(sel)[0], tf.float32)
        val = tf.reduce_mean(loss_fn(yv, model(xv, training=False)))
        return total / tf.cast(n, tf.float32), val

    args = [tf.convert_to_tensor(a) for a in (x, y, xv, yv)]

    def run(epochs: int):
        out = []
        for e in range(epochs):
            loss, val = epoch(*args, tf.constant(0), tf.constant(e))
            out.append((float(loss), float(val)))
        return out

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--fit-epochs", type=int, default=10, help="epochs of plain model.fit (slow)")
    a = ap.parse_args()

    spec = model_spec.recommended()
    d = data.load("curve", spec.seed)
    (xt, yt), (xv, yv) = split_validation(d.x, d.y, spec.validation_split)

    eng_model = fresh_model(spec)
    t0 = time.perf_counter()
    fit_fast(eng_model, d.x, d.y, epochs=1, batch_size=32, validation_split=spec.validation_split, keep_graph=True)
    print(f"engine warm-up (trace + 1 epoch): {time.perf_counter() - t0:.2f} s")

    ref_model = fresh_model(spec)
    ref = reference_loop(ref_model, xt, yt, xv, yv, 32)
    t0 = time.perf_counter()
    ref(1)
    print(f"reference warm-up (trace + 1 epoch): {time.perf_counter() - t0:.2f} s")

    # The engine runs its graph without Grappler (see engine.fit_fast._without_grappler); the
    # reference keeps TensorFlow's default. For transparency, each round also times the
    # engine with Grappler on.
    g_model = fresh_model(spec)
    os.environ["KFL_GRAPPLER"] = "1"
    fit_fast(g_model, d.x, d.y, epochs=1, batch_size=32, validation_split=spec.validation_split, keep_graph=True)
    os.environ.pop("KFL_GRAPPLER")

    eng, hand, grap = [], [], []
    for r in range(a.rounds):
        h = fit_fast(eng_model, d.x, d.y, epochs=a.epochs, batch_size=32, validation_split=spec.validation_split,
                     keep_graph=True)
        assert h.trace_seconds == 0.0, "the warm run must reuse the traced graph"
        eng.append(a.epochs / h.seconds)
        t0 = time.perf_counter()
        ref(a.epochs)
        hand.append(a.epochs / (time.perf_counter() - t0))
        os.environ["KFL_GRAPPLER"] = "1"
        h = fit_fast(g_model, d.x, d.y, epochs=a.epochs, batch_size=32, validation_split=spec.validation_split,
                     keep_graph=True)
        os.environ.pop("KFL_GRAPPLER")
        grap.append(a.epochs / h.seconds)
        print(f"round {r + 1}: engine {eng[-1]:.1f} epochs/s, hand-written loop {hand[-1]:.1f} epochs/s, "
              f"engine with Grappler {grap[-1]:.1f} epochs/s")

    fit_model = fresh_model(spec)
    fit_model.fit(d.x, d.y, epochs=1, batch_size=32, validation_split=spec.validation_split, verbose=0)
    t0 = time.perf_counter()
    fit_model.fit(d.x, d.y, epochs=a.fit_epochs, batch_size=32, validation_split=spec.validation_split, verbose=0)
    fit_eps = a.fit_epochs / (time.perf_counter() - t0)

    e, hw = statistics.median(eng), statistics.median(hand)
    # Paired: each round's two runs are back to back, so load from other processes mostly
    # hits both; the median of the per-round ratios is the figure.
    ratio = statistics.median(a_ / b_ for a_, b_ in zip(eng, hand))
    print(f"engine median: {e:.1f} epochs/s   hand-written tf.function loop: {hw:.1f} epochs/s   "
          f"per-round ratios: {', '.join(f'{a_ / b_:.2f}' for a_, b_ in zip(eng, hand))}")
    g_ratio = statistics.median(a_ / b_ for a_, b_ in zip(grap, hand))
    print(f"engine with Grappler on (TensorFlow's default): median {statistics.median(grap):.1f} epochs/s, "
          f"ratio {g_ratio:.2f}")
    print(f"plain model.fit (after its first epoch): {fit_eps:.1f} epochs/s -> engine is {e / fit_eps:.1f}x model.fit")
    print(f"throughput_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
