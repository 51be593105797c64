"""`model.fit`, run as one TensorFlow graph per chunk of epochs.

Plain `model.fit` spends most of a small model's time in Python: callbacks, the data
adapter and one graph call per batch. Here every epoch of a chunk (shuffle, batches,
forward pass, `model.compute_loss`, gradients, `model.optimizer.apply`, the validation
pass) is a single `tf.while_loop` inside one `tf.function(autograph=False)`. The chunk's
first epoch and its length are tensor arguments, so the function is traced once per run and
called again for every chunk; between chunks Python streams the per-epoch logs and asks
whether the learner pressed Stop.

What stays as in `model.fit` (a test trains both ways and compares):
- the compiled optimizer, loss (`model.compute_loss`: the compiled loss plus `model.losses`,
  e.g. kernel regularizers) and metrics; only `model.trainable_variables` are updated;
- `batch_size`, a new shuffle every epoch, `validation_split` taken from the END of the data
  before shuffling, the same error when the split leaves no sample on one side;
- history keys (`loss`, `mae`, `val_loss`, `val_mae`, ...), each a per-sample weighted mean
  over the epoch, exactly as Keras's metric trackers average them;
- several inputs and outputs (arrays, lists, or dicts keyed by layer name, as `fit` takes them):
  per-output losses, `loss_weights` and metrics as compiled; with several losses the history
  also has Keras's `<output>_loss` (unweighted by `loss_weights`, and, as in `fit`, a mean over
  batches rather than samples) and `<output>_<metric>` keys.
What differs: the shuffle order (a seeded stateless permutation, not tf.data's), and the
trainable set is read when `fit_fast` is called, i.e. the behaviour of a freshly compiled
model. Models this fast path cannot express (sample weights, dict-structured model inputs or
outputs, metrics that are not per-sample formulas such as AUC) go through `model.fit` itself,
with the same streaming and Stop.
"""
from __future__ import annotations

import contextlib
import math
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


# Stop is checked between chunks: a chunk is sized to last about this long.
CHUNK_SECONDS = 0.25


class History(dict):
    """`history.history` of `model.fit`, plus how the run ended.

    status: "done", "cancelled" (cancelled() said so) or "diverged" (a non-finite loss).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status = "done"
        self.epochs_run = 0
        self.seconds = 0.0  # wall time of the whole call, tracing included
        self.trace_seconds = 0.0  # building the graph (once per model and settings)
        self.engine = "graph"  # "graph" or "keras_fit" (the fallback)

    @property
    def epochs_per_s(self) -> float:
        run = self.seconds - self.trace_seconds
        return self.epochs_run / run if run > 0 else 0.0


class Unsupported(Exception):
    """The model needs something only `model.fit` does; use it instead."""


def split_validation(x, y, validation_split: float):
    """Keras's split: the last `validation_split` of the samples, before any shuffle.

    x and y are arrays, or lists of arrays (several inputs or outputs), all cut at one place.
    """
    if not validation_split:
        return (x, y), None
    n = int((x[0] if isinstance(x, list) else x).shape[0])
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`."
        )

    def cut(a, part):
        return [v[part] for v in a] if isinstance(a, list) else a[part]

    head, tail = slice(None, split_at), slice(split_at, None)
    return (cut(x, head), cut(y, head)), (cut(x, tail), cut(y, tail))


def _names(tensors) -> list[str]:
    return [t._keras_history.operation.name for t in tensors]


def flat_data(model, x, y):
    """x and y as lists of float arrays in the order of `model.inputs` / `model.outputs`.

    Each may be one array (one input / output), a list in that order, or a dict keyed by the
    input / output layer names, as `model.fit` takes them.
    """
    def flat(data, tensors, what):
        names = _names(tensors)
        if isinstance(data, dict):
            if set(data) != set(names):
                raise Unsupported(f"{what} keys {sorted(data)} are not {names}")
            data = [data[k] for k in names]
        elif not isinstance(data, (list, tuple)):
            data = [data]
        if len(data) != len(names):
            raise Unsupported(f"{len(data)} {what} arrays for {len(names)} {what}s")
        if not all(isinstance(a, np.ndarray) for a in data):
            raise Unsupported(f"{what} data that is not NumPy arrays")
        return list(data)

    xs, ys = flat(x, model.inputs, "input"), flat(y, model.outputs, "output")
    n = {len(a) for a in xs + ys}
    if len(n) != 1:
        raise Unsupported("arrays of different lengths")
    return xs, ys


def _metric_formulas(model, y_true, y_pred):
    """[(history name, output index, per-sample fn, fn kwargs)] for the compiled metrics.

    Keras resolves them ("accuracy" -> binary/categorical/sparse by shapes) and names them
    (`<output>_<metric>` for several outputs) when it builds its CompileMetrics; it is built
    here from one sample, as `model.fit` would on its first batch.
    """
    from keras import metrics as km

    cm = getattr(model, "_compile_metrics", None)
    if cm is None:
        return []
    if cm._user_weighted_metrics:
        raise Unsupported("weighted_metrics")
    if not cm._user_metrics:
        return []
    if not cm.built:
        cm.build(y_true if len(y_true) > 1 else y_true[0], y_pred if len(y_pred) > 1 else y_pred[0])
    out = []
    for index, mls in enumerate(cm._flat_metrics):
        if not mls:
            continue
        for m in mls.metrics:
            if not isinstance(m, km.MeanMetricWrapper):
                raise Unsupported(f"metric {m.name}")
            name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
            out.append((name, index, m._fn, dict(m._fn_kwargs)))
    if len({name for name, *_ in out}) != len(out):
        raise Unsupported("two metrics with one name")
    return out


def _loss_parts(model, y_true, y_pred):
    """[(history name, output index, loss fn)] of each output's own loss, for several outputs.

    Keras logs `<output>_loss` (unweighted, averaged per sample) when it has more than one
    loss; one output: none. Built from one sample as `model.fit` builds it.
    """
    cl = model._compile_loss
    if not cl.built:
        cl.build(y_true if len(y_true) > 1 else y_true[0], y_pred if len(y_pred) > 1 else y_pred[0])
    flat = cl._flat_losses or []
    if len(flat) <= 1:
        return []
    names = model.output_names
    out = []
    for path, fn, _, name in flat:
        if len(path) != 1:
            raise Unsupported("nested outputs")
        key = path[0]
        index = names.index(key) if isinstance(key, str) else int(key)
        out.append((f"{name}_loss", index, fn))
    return out


def _check_supported(model, x, y):
    """(xs, ys) as flat lists of arrays, or Unsupported if only `model.fit` can train this."""
    if getattr(model, "_compile_loss", None) is None:
        raise Unsupported("no compiled loss")
    if model.optimizer is None:
        raise Unsupported("no optimizer")
    if type(model).train_step is not _keras_train_step():
        raise Unsupported("a custom train_step")
    struct = getattr(model, "_outputs_struct", None)
    if isinstance(struct, dict) or isinstance(getattr(model, "_inputs_struct", None), dict):
        raise Unsupported("inputs or outputs given as a dict")
    return flat_data(model, x, y)


def _keras_train_step():
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    return TensorFlowTrainer.train_step


@contextlib.contextmanager
def forget_custom_gradients():
    """Trace (or `model.fit`) inside this, and the traced graph can be freed afterwards.

    The source of the per-fit growth DESIGN.md measured (about 6 MB a fit, `model.fit`
    included): the Keras optimizer's `apply` sums gradients through `all_reduce`, a
    `tf.custom_gradient`. In graph mode every call registers its gradient function in
    TensorFlow's global gradient registry under a fresh name ("CustomGradient-N") and never
    removes it; that function's closure holds the whole traced graph. The entry is read only
    while a gradient is being traced, so once tracing is over it can go.
    """
    before = set(_gradient_registry())
    try:
        yield
    finally:
        registry = _gradient_registry()
        for k in [k for k in registry if k not in before and str(k).startswith("CustomGradient-")]:
            registry.pop(k, None)


@contextlib.contextmanager
def _without_grappler():
    """Run the training graph without TensorFlow's graph optimizer (Grappler).

    Measured here on the 1-8-16-4-1 model: Grappler spends 0.3-0.5 s optimising each new
    training graph before its first epoch, and the graph it returns ran slower (about 65
    vs 90 epochs/s, alternating runs in one process). The option is process-wide, so it is
    switched on only around our own calls; every call of a graph uses the same setting,
    so TensorFlow instantiates it once. KFL_GRAPPLER=1 keeps Grappler on.
    """
    if os.environ.get("KFL_GRAPPLER") == "1":
        yield
        return
    from tensorflow.python.eager import context

    ctx = context.context()
    before = ctx.get_optimizer_experimental_options().get("disable_meta_optimizer")
    if before:
        yield
        return
    ctx.set_optimizer_experimental_options({"disable_meta_optimizer": True})
    try:
        yield
    finally:
        ctx.set_optimizer_experimental_options({"disable_meta_optimizer": bool(before)})


def _gradient_registry() -> dict:
    """TensorFlow's global op-name -> gradient-function table (private; empty if it moved)."""
    try:
        from tensorflow.python.framework import ops

        return ops._gradient_registry._registry
    except AttributeError:
        return {}


class _Runner:
    """The traced graph for one model, optimizer, trainable set and fit settings.

    Data travel as tuples of tensors (one per model input, one per output); a batch is the
    same rows of every one of them. The methods below `__init__` are the graph's pieces, from
    the whole run (`_run`) down to one batch's history sums (`_batch_stats`).
    """

    def __init__(self, model, parts, metrics, batch_size: int, shuffle: bool, has_val: bool):
        import tensorflow as tf

        self.model, self.parts, self.metrics = model, parts, metrics
        self.width = 1 + len(parts) + len(metrics)
        self.opt = model.optimizer
        self.tvars = list(model.trainable_variables)
        if self.tvars and not self.opt.built:
            self.opt.build(self.tvars)
        self.bs, self.shuffle, self.has_val = int(batch_size), shuffle, has_val
        self.call_training = getattr(model, "_call_has_training_arg", True)
        self.many_in, self.many_out = len(model.inputs) > 1, len(model.outputs) > 1
        self.fn = tf.function(self._run, autograph=False)
        self.concrete = None

    def _run(self, xs, ys, xv, yv, seed, start, count):
        """Epochs `start` .. `start + count - 1`: one history row each (training, then validation)."""
        import tensorflow as tf

        row_width = self.width * (2 if self.has_val else 1)
        rows_out = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[row_width])

        def body(e, ok, acc):
            row = self._train_epoch(xs, ys, seed, start + e)
            if self.has_val:
                row = tf.concat([row, self._val_epoch(xv, yv)], 0)
            # Like TerminateOnNaN: a non-finite training loss ends the run after this epoch.
            ok = tf.reduce_all(tf.math.is_finite(row[:1]))
            return e + 1, ok, acc.write(e, row)

        _, _, rows_out = tf.while_loop(
            lambda e, ok, _: tf.logical_and(e < count, ok), body, (tf.constant(0), tf.constant(True), rows_out)
        )
        return rows_out.stack()

    def _train_epoch(self, xs, ys, seed, epoch):
        import tensorflow as tf

        order = None
        if self.shuffle:
            order = tf.random.experimental.stateless_shuffle(tf.range(tf.shape(xs[0])[0]), seed=tf.stack([seed, epoch]))
        return self._over_batches(xs, ys, self._train_step, order)

    def _val_epoch(self, xv, yv):
        return self._over_batches(xv, yv, self._val_step, None)

    def _over_batches(self, xs, ys, step, order):
        """One epoch's history row: `step(xb, yb) -> (preds, loss)` on every batch, in `order`
        (a permutation of the rows) or as the rows stand (None)."""
        import tensorflow as tf

        bs = self.bs
        n = tf.shape(xs[0])[0]
        nb = (n + bs - 1) // bs

        def body(b, sums, counts):
            lo = b * bs
            hi = tf.minimum(lo + bs, n)
            if order is not None:
                sel = order[lo:hi]
                xb, yb = tuple(tf.gather(a, sel) for a in xs), tuple(tf.gather(a, sel) for a in ys)
            else:
                xb, yb = tuple(a[lo:hi] for a in xs), tuple(a[lo:hi] for a in ys)
            preds, loss = step(xb, yb)
            s, c = self._batch_stats(yb, preds, loss)
            return b + 1, sums + s, counts + c

        zero = tf.zeros([self.width], tf.float32)
        _, sums, counts = tf.while_loop(lambda b, *_: b < nb, body, (tf.constant(0), zero, zero))
        return sums / counts

    def _train_step(self, xb, yb):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            preds = self._forward(xb, True)
            loss = self._loss_of(xb, yb, preds, True)
            scaled = self.opt.scale_loss(loss)
        if self.tvars:
            grads = tape.gradient(scaled, self.tvars)
            self.opt.apply(grads, self.tvars)
        return preds, loss

    def _val_step(self, xb, yb):
        preds = self._forward(xb, False)
        return preds, self._loss_of(xb, yb, preds, False)

    def _forward(self, xs, training):
        xb = list(xs) if self.many_in else xs[0]
        pred = self.model(xb, training=training) if self.call_training else self.model(xb)
        return list(pred) if self.many_out else [pred]

    def _loss_of(self, xs, ys, preds, training):
        return self.model.compute_loss(x=list(xs) if self.many_in else xs[0], y=list(ys) if self.many_out else ys[0],
                                       y_pred=preds if self.many_out else preds[0], training=training)

    def _batch_stats(self, ys, preds, loss):
        """(sums, counts) of one batch, in history-row order: loss, per-output losses, metrics."""
        import tensorflow as tf

        # Loss trackers weigh each batch's value by its size; a metric averages per sample.
        n = tf.cast(tf.shape(ys[0])[0], tf.float32)
        sums, counts = [tf.cast(loss, tf.float32) * n], [n]
        for _, i, fn in self.parts:
            # As Keras's own `<output>_loss` tracker counts it inside `fit`: it is weighted by
            # the batch's static size, which is unknown (None) there, so every batch counts
            # once: a mean over batches, not over samples (unlike `loss`).
            sums.append(tf.cast(fn(ys[i], preds[i]), tf.float32))
            counts.append(tf.constant(1.0))
        for _, i, fn, kw in self.metrics:
            v = tf.cast(fn(ys[i], preds[i], **kw), tf.float32)
            if v.shape.rank and v.shape.rank > 1:
                v = tf.reduce_mean(v, axis=list(range(1, v.shape.rank)))
            sums.append(tf.reduce_sum(v))
            counts.append(tf.cast(tf.size(v), tf.float32) if v.shape.rank else tf.constant(1.0))
        return tf.stack(sums), tf.stack(counts)

    def trace(self, args):
        with forget_custom_gradients():
            self.concrete = self.fn.get_concrete_function(*args)

    def release(self) -> None:
        """Drop the graph. With the gradient-registry entry gone (forget_custom_gradients)
        nothing global refers to it any more: Python's cycle collector frees it, and TensorFlow
        unregisters its functions, loop bodies included, as their owners are collected.
        Not collected here: a full `gc.collect()` costs a few tenths of a second in a process
        holding TensorFlow, so the worker runs it after the result is on its way."""
        self.concrete = None
        self.fn = None

    def __call__(self, *args):
        with _without_grappler():
            return self.concrete(*args).numpy()


def _runner_for(model, parts, metrics, batch_size, shuffle, has_val) -> tuple[_Runner, bool]:
    """A cached runner when this model was already fitted with the same settings."""
    key = (
        int(batch_size),
        bool(shuffle),
        bool(has_val),
        id(model.optimizer),
        tuple(id(v) for v in model.trainable_variables),
        tuple(p[0] for p in parts),
        tuple(m[0] for m in metrics),
    )
    cache = model.__dict__.get("_kfl_runners")
    if cache is None:
        cache = {}
        # Plain attribute: Keras's attribute tracking must not wrap or serialise it.
        object.__setattr__(model, "_kfl_runners", cache)
    hit = key in cache
    if not hit:
        release(model)  # one traced graph per model is enough; old ones only hold memory
        cache[key] = _Runner(model, parts, metrics, batch_size, shuffle, has_val)
    return cache[key], hit


def release(model) -> None:
    """Free what fit_fast traced for `model` (call when the model is no longer trained)."""
    cache = model.__dict__.get("_kfl_runners") or {}
    runners = list(cache.values())
    cache.clear()
    for r in runners:
        r.release()


def fit_fast(
    model,
    x,
    y,
    epochs: int,
    batch_size: int = 32,
    validation_split: float = 0.0,
    shuffle: bool = True,
    seed: int = 0,
    on_epoch=None,
    cancelled=None,
    keep_graph: bool = False,
) -> History:
    """Train a compiled Keras model like `model.fit(..., verbose=0)` and return its history.

    on_epoch(epoch, logs) is called after every epoch (0-based, Keras's logs dict), in bursts
    at the end of each chunk; cancelled() is asked between chunks, and True stops the run
    with status "cancelled". A non-finite loss stops it with status "diverged".
    keep_graph=True keeps the traced graph on the model, so the next fit_fast of the same
    model with the same settings starts at once; by default it is freed (see `release`).
    """
    t_start = time.perf_counter()
    x = x if isinstance(x, (dict, list, tuple)) else np.asarray(x)
    y = y if isinstance(y, (dict, list, tuple)) else np.asarray(y)
    try:
        xs, ys = _check_supported(model, x, y)
        (xt, yt), val = split_validation(xs, ys, validation_split)
        probe_y = [a[:1] for a in yt]
        probe_pred = [np.zeros((1, *t.shape[1:]), dtype="float32") for t in model.outputs]
        parts = _loss_parts(model, probe_y, probe_pred)
        metrics = _metric_formulas(model, probe_y, probe_pred)
    except Unsupported:
        return _fit_keras(model, x, y, epochs, batch_size, validation_split, shuffle, on_epoch, cancelled, t_start)
    try:
        return _fit_graph(model, xt, yt, val, parts, metrics, epochs, batch_size, shuffle, seed, on_epoch,
                          cancelled, t_start)
    finally:
        if not keep_graph:
            release(model)


def _fit_graph(model, xt, yt, val, parts, metrics, epochs, batch_size, shuffle, seed, on_epoch, cancelled, t_start):
    import tensorflow as tf

    t_trace = time.perf_counter()
    runner, _ = _runner_for(model, parts, metrics, batch_size, shuffle, val is not None)
    names = ["loss"] + [p[0] for p in parts] + [m[0] for m in metrics]
    keys = names + (["val_" + n for n in names] if val is not None else [])  # graph row order
    # Keras's history lists every key alphabetically (`high_loss`, `loss`, `val_high_loss`, `value_loss`).
    order = sorted(keys)
    hist = History({k: [] for k in order})

    def tensors(arrays):
        return tuple(tf.convert_to_tensor(a) for a in arrays)

    xt_t, yt_t = tensors(xt), tensors(yt)
    if val is not None:
        xv_t, yv_t = tensors(val[0]), tensors(val[1])
    else:  # not used by the graph; any tensors of the right dtypes will do
        xv_t, yv_t = tuple(a[:0] for a in xt_t), tuple(a[:0] for a in yt_t)
    seed_t = tf.constant(int(seed) % (2**31 - 1), tf.int32)

    def args(start, count):
        return (xt_t, yt_t, xv_t, yv_t, seed_t, tf.constant(start, tf.int32), tf.constant(count, tf.int32))

    if runner.concrete is None:
        runner.trace(args(0, 1))
        hist.trace_seconds = time.perf_counter() - t_trace

    done, chunk = 0, 1
    while done < epochs:
        if cancelled is not None and cancelled():
            hist.status = "cancelled"
            break
        count = min(chunk, epochs - done)
        t0 = time.perf_counter()
        rows = runner(*args(done, count))
        dt = time.perf_counter() - t0
        for row in rows:
            values = dict(zip(keys, row.tolist()))
            logs = {k: values[k] for k in order}
            for k, v in logs.items():
                hist[k].append(v)
            if on_epoch is not None:
                on_epoch(done, logs)
            done += 1
        if len(rows) < count or not np.isfinite(rows[-1][0]):
            hist.status = "diverged"
            break
        per_epoch = dt / max(len(rows), 1)
        chunk = max(1, min(int(CHUNK_SECONDS / max(per_epoch, 1e-6)), 1000))
    hist.epochs_run = done
    hist.seconds = time.perf_counter() - t_start
    return hist


def _fit_keras(model, x, y, epochs, batch_size, validation_split, shuffle, on_epoch, cancelled, t_start) -> History:
    """`model.fit` itself, with the same streaming, Stop and divergence report."""
    import keras

    hist = History()
    hist.engine = "keras_fit"

    class _Stream(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            for k, v in logs.items():
                hist.setdefault(k, []).append(v)
            hist.epochs_run = epoch + 1
            if on_epoch is not None:
                on_epoch(epoch, logs)
            if not np.isfinite(logs.get("loss", 0.0)):
                hist.status = "diverged"
                self.model.stop_training = True
            elif cancelled is not None and cancelled():
                hist.status = "cancelled"
                self.model.stop_training = True

        def on_train_batch_end(self, batch, logs=None):
            if cancelled is not None and cancelled():
                hist.status = "cancelled"
                self.model.stop_training = True

    if cancelled is not None and cancelled():
        hist.status = "cancelled"
    else:
        with forget_custom_gradients():
            model.fit(
                x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
                shuffle=shuffle, verbose=0, callbacks=[_Stream()],
            )
    hist.seconds = time.perf_counter() - t_start
    return hist


def fit_steps(model, x, y, steps: int) -> list[float]:
    """`steps` full-batch updates of the compiled model (one graph, engine.fit_fast.fit_fast);
    the loss after each."""
    from engine.fit_fast import fit_fast

    hist = fit_fast(model, x, y, epochs=steps, batch_size=len(x), shuffle=True, seed=0)
    return [float(v) for v in hist["loss"]]


def run_eager(model, x) -> np.ndarray:
    """model(x) called eagerly: for a few hundred rows this beats tracing predict()."""
    return np.asarray(model(x, training=False))


# ---------------------------------------------------------------- training helper (shared)
@contextlib.contextmanager
def no_leak():
    """engine.fit_fast's guard that lets TensorFlow free what a plain model.fit traced."""
    from engine.fit_fast import forget_custom_gradients

    with forget_custom_gradients():
        yield


def fit_model(ctx, model, x, y, epochs: int, batch_size: int, x_val=None, y_val=None, seed: int = 0,
              emit=None) -> dict:
    """Train a compiled model with engine.fit_fast.fit_fast, streaming each epoch to `emit`.

    Validation data are appended behind the training data and taken back off with
    `validation_split`, exactly as Keras splits (the last samples, before shuffling).
    Returns {"history", "seconds_per_epoch", "seconds", "engine", "status"}.
    """
    vs = 0.0
    if x_val is not None:
        n_tr, n_val = len(x), len(x_val)
        x = np.concatenate([x, x_val])
        y = np.concatenate([y, y_val])
        vs = (n_val - 0.5) / (n_tr + n_val)  # floor(n * (1 - vs)) == n_tr, free of rounding
    cancelled = getattr(ctx, "cancelled", None)
    from engine.fit_fast import fit_fast

    def on_epoch(epoch, logs):
        if emit is not None:
            emit({"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})

    t0 = time.perf_counter()
    hist = fit_fast(model, x, y, epochs=epochs, batch_size=batch_size, validation_split=vs,
                    shuffle=True, seed=seed, on_epoch=on_epoch, cancelled=cancelled)
    run = max(hist.seconds - hist.trace_seconds, 1e-9)
    return {
        "history": {k: [float(v) for v in vals] for k, vals in hist.items()},
        "seconds_per_epoch": run / max(hist.epochs_run, 1),
        "seconds": time.perf_counter() - t0,
        "engine": hist.engine,
        "status": hist.status,
    }
