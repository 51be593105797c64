"""Jobs of the Input() page: call `keras.Input(...)` and report what Keras returns or says."""
from __future__ import annotations

import numpy as np

from engine import spec as model_spec
from engine.codegen import kw_text
from engine.keras_errors import keras_said
from engine.validate import (
    SpecError,
    check_choice,
    check_int,
    check_name,
    check_shape,
    format_shape,
    rejected,
)
from runtime.jobs import job


@job
def input_tensor(ctx, shape=None, batch_size=None, name=None, dtype=None, sparse=False, ragged=False) -> dict:
    """Call `keras.Input(...)` with these arguments and report the KerasTensor it returns.

    `shape=None` leaves the argument out on purpose: the result then carries Keras's error.
    """
    import keras

    from engine.build import fresh_names
    from engine.table import shape_text

    try:
        dims = None if shape is None else check_shape(shape)
        if batch_size is not None:
            batch_size = check_int(batch_size, 1, 1024, "batch_size")
        name = check_name(name)
        if dtype is not None:
            check_choice(dtype, model_spec.DTYPES, "dtype")
    except SpecError as e:
        return rejected(e)

    kwargs: dict = {}
    if dims is not None:
        kwargs["shape"] = dims
    if batch_size is not None:
        kwargs["batch_size"] = batch_size
    if name:
        kwargs["name"] = name
    if dtype:
        kwargs["dtype"] = dtype
    if sparse:
        kwargs["sparse"] = True
    if ragged:
        kwargs["ragged"] = True
    code = "\n".join(["from keras import Input", "", f"inputs = Input({kw_text(kwargs)})", "print(inputs)"])

    with fresh_names():
        try:
            t = keras.Input(**kwargs)
        except Exception as exc:  # Keras's refusal is the lesson
            return {"ok": False, "keras_error": keras_said(exc), "code": code, "backend": keras.backend.backend()}
        layer = t._keras_history.operation
    try:
        np.asarray(t)
        no_data = None
    except Exception as exc:  # a KerasTensor has no values: Keras says so itself
        no_data = keras_said(exc)
    other_batch = None
    if batch_size is not None and not sparse and not ragged:
        # Does a fixed batch_size refuse a batch of another size? Ask the installed Keras.
        n = batch_size + 1
        try:
            with fresh_names():
                probe = keras.Model(t, t)
            out = probe(np.zeros((n, *dims), dtype=t.dtype))
            other_batch = {"n": n, "ok": True, "shape": list(np.asarray(out).shape), "error": None}
        except Exception as exc:
            other_batch = {"n": n, "ok": False, "shape": None, "error": keras_said(exc)}
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
        "no_data_error": no_data,
        "other_batch": other_batch,
        "code": code,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }
