"""Jobs of the Input() page: call `keras.Input(...)` and report what Keras returns or says."""
from __future__ import annotations

import re

import numpy as np

from engine import spec as model_spec
from engine.codegen import kw_text
from engine.results import KERAS, keras_no, rejected_by, said
from engine.validate import (
    SpecError,
    check_choice,
    check_int,
    check_name,
    check_shape,
    format_shape,
)
from runtime.jobs import job


def _no_data_error(t):
    """What Keras says when a KerasTensor is asked for values (None if it gives some)."""
    try:
        np.asarray(t)
        return None
    except Exception as exc:  # a KerasTensor has no values: Keras says so itself
        return said(exc)


def _other_batch(t, dims, batch_size: int) -> dict:
    """Does a fixed batch_size refuse a batch of another size? Ask the installed Keras."""
    import keras

    from engine.build import fresh_names

    n = batch_size + 1
    try:
        with fresh_names():
            probe = keras.Model(t, t)
        out = probe(np.zeros((n, *dims), dtype=t.dtype))
        return {"n": n, "ok": True, "shape": list(np.asarray(out).shape), "error": None}
    except Exception as exc:
        return {"n": n, "ok": False, "shape": None, "error": said(exc)}


@job
def input_tensor(ctx, shape=None, batch_size=None, name=None, dtype=None, sparse=False, ragged=False) -> dict:
    """Call `keras.Input(...)` with these arguments and report the KerasTensor it returns.

    `shape=None` leaves the argument out on purpose: the result then carries Keras's error.
    """
    import keras

    from engine.build import fresh_names, input_call_kwargs
    from engine.table import shape_text

    try:
        dims = None if shape is None else check_shape(shape)
        if batch_size is not None:
            batch_size = check_int(batch_size, 1, 1024, "batch_size")
        name = check_name(name)
        if dtype is not None:
            check_choice(dtype, model_spec.DTYPES, "dtype")
    except SpecError as e:
        return rejected_by(e)

    kwargs = input_call_kwargs(dims, batch_size, name, dtype, sparse, ragged)
    code = "\n".join(["from keras import Input", "", f"inputs = Input({kw_text(kwargs)})", "print(inputs)"])
    with fresh_names():
        try:
            t = keras.Input(**kwargs)
        except Exception as exc:  # Keras's refusal is the lesson
            return keras_no(exc, code=code, backend=keras.backend.backend())
        layer = t._keras_history.operation
    return {
        "ok": True,
        "repr": repr(t),
        "type": type(t).__name__,
        "module": type(t).__module__,
        "shape": shape_text(t.shape),
        "sample_shape": format_shape(dims),
        "batch_dim": t.shape[0],
        "dtype": str(t.dtype),
        "tensor_name": t.name,
        "layer_name": layer.name,
        "layer_type": type(layer).__name__,
        "sparse": bool(t.sparse),
        "ragged": bool(getattr(t, "ragged", False)),
        "no_data_error": _no_data_error(t),
        "other_batch": _other_batch(t, dims, batch_size) if batch_size is not None and not sparse and not ragged
        else None,
        "code": code,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }


# ---------------------------------------------------------------- what the installed Keras says about Input()
_BARE_INT = re.compile(r"\s*\(?\s*([+-]?\d{1,6})\s*\)?\s*")


def python_int(text: str | None) -> int | None:
    """The int Python makes of `(1)` or `1` typed as a shape; None for anything else.

    `(1)` is not a tuple in Python: the brackets only group, so `shape=(1)` passes the int 1.
    The shape box treats it the way Python does instead of quietly reading `(1,)`.
    """
    if text is None or len(str(text)) > 20:
        return None
    m = _BARE_INT.fullmatch(str(text))
    return int(m.group(1)) if m else None


def signature_text(fn, name: str, skip=("self",)) -> str:
    """`name(\\n    arg=default,\\n ...)` from `inspect.signature` of the installed function."""
    import inspect

    params = [p for p in inspect.signature(fn).parameters.values() if p.name not in skip]
    lines = [f"    {str(p)}," for p in params]
    return f"{name}(\n" + "\n".join(lines) + "\n)"


@job
def facts(ctx) -> dict:
    """Input()'s real signature, `batch_shape` instead of `shape`, and the `(1)` vs `(1,)` bug."""
    import inspect

    import keras

    from engine.build import fresh_names

    params = list(inspect.signature(keras.Input).parameters.values())
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    with fresh_names():
        by_shape = keras.Input(shape=(1,))
        by_batch_shape = keras.Input(batch_shape=(None, 1))
        fixed = keras.Input(batch_shape=(32, 1))
    try:
        with fresh_names():
            keras.Input(shape=(1))  # noqa: UP034 -- the classic bug, on purpose: (1) is the int 1
        int_error = None
    except Exception as exc:
        int_error = said(exc)
    try:
        import tensorflow as tf

        tf_keras_is_keras = tf.keras.Input is keras.Input
        tf_version = tf.__version__
    except Exception:  # TensorFlow not installed: nothing to compare
        tf_keras_is_keras, tf_version = None, None
    return {
        "keras_version": keras.__version__,
        "signature": signature_text(keras.Input, "Input"),
        "n_params": len(params),
        "names": [p.name for p in params],
        "required": required,
        "shape_repr": repr(by_shape.shape),
        "batch_shape_repr": repr(by_batch_shape.shape),
        "fixed_batch_shape_repr": repr(fixed.shape),
        "same": tuple(by_shape.shape) == tuple(by_batch_shape.shape),
        "int_type": type((1)).__name__,  # noqa: UP034 -- the point of the lesson
        "int_error": int_error,
        "int_ok": int_error is None,
        "tf_version": tf_version,
        "tf_keras_is_keras": tf_keras_is_keras,
    }


@job
def int_shape(ctx, n: int = 1) -> dict:
    """`Input(shape=(n))`: what the installed Keras says when the tuple comma is missing."""
    import keras

    from engine.build import fresh_names

    n = check_int(n, -(10**6), 10**6, "shape")
    code = f"from keras import Input\n\ninputs = Input(shape=({n}))   # ({n}) is the int {n}, not a tuple"
    try:
        with fresh_names():
            t = keras.Input(shape=n)
        # The page shows Keras's words from this key on either outcome (none when Keras accepts an int).
        return {"ok": True, "code": code, "shape": repr(t.shape), KERAS: None}
    except Exception as exc:
        return keras_no(exc, code=code)
