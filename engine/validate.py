"""Input validation before Keras sees anything.

Every rejection is a `SpecError(code, **params)`: the code names a message in
`content/<lang>/errors.toml`, so the learner reads it in their own language. Nothing here
evaluates user text as Python: shapes are tokenised and parsed by hand.
"""
from __future__ import annotations

import math
import re

import numpy as np

from engine import spec as model_spec

# Caps against runaway work. Big enough for every lesson, small enough for a 2-core server.
MAX_RANK = 4
MAX_DIM = 1024
MAX_INPUT_VALUES = 4096  # product of the input shape
MAX_LAYERS = 8
MAX_UNITS = 512
MAX_PARAMS = 500_000
MAX_EPOCHS = 500
MAX_FIT_BATCH = 1024
MAX_NAME_LEN = 40
MAX_TEXT_LEN = 200
LR_MIN, LR_MAX = 1e-6, 10.0

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHAPE_TOKEN_RE = re.compile(r"^[+-]?\d+$")


class SpecError(ValueError):
    """A rejected value; `code` picks the message, `params` fill it in."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def parse_shape(text: str) -> tuple[int, ...]:
    """'(28, 28, 1)', '28,28,1', '[10]' or '10' -> a tuple of positive ints."""
    if text is None:
        raise SpecError("shape_empty")
    text = str(text)
    if len(text) > MAX_TEXT_LEN:
        raise SpecError("text_too_long", max=MAX_TEXT_LEN)
    body = text.strip()
    if body[:1] in "([" and body[-1:] in ")]":
        body = body[1:-1]
    body = body.strip()
    if not body:
        raise SpecError("shape_empty")
    parts = [p.strip() for p in body.split(",")]
    if parts and parts[-1] == "":  # a trailing comma, as in (1,)
        parts = parts[:-1]
    if not parts or any(p == "" for p in parts):
        raise SpecError("shape_syntax", text=text)
    dims = []
    for p in parts:
        if p.lower() == "none":
            raise SpecError("shape_none", text=text)
        if not _SHAPE_TOKEN_RE.match(p):
            raise SpecError("shape_syntax", text=text)
        d = int(p)
        if d <= 0:
            raise SpecError("shape_dim_not_positive", dim=d)
        if d > MAX_DIM:
            raise SpecError("shape_dim_too_big", dim=d, max=MAX_DIM)
        dims.append(d)
    if len(dims) > MAX_RANK:
        raise SpecError("shape_rank_too_big", rank=len(dims), max=MAX_RANK)
    if math.prod(dims) > MAX_INPUT_VALUES:
        raise SpecError("shape_too_many_values", n=math.prod(dims), max=MAX_INPUT_VALUES)
    return tuple(dims)


def format_shape(shape) -> str:
    """Python's own tuple spelling: (1,) (28, 28, 1) (None, 8)."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def parse_int(text, lo: int, hi: int, field: str) -> int:
    """A whole number typed by the learner, within [lo, hi]."""
    s = str(text).strip()
    if len(s) > MAX_TEXT_LEN or not re.fullmatch(r"[+-]?\d+", s):
        raise SpecError("not_an_integer", field=field, text=s[:40])
    v = int(s)
    if not lo <= v <= hi:
        raise SpecError("out_of_range", field=field, value=v, lo=lo, hi=hi)
    return v


def parse_float(text, lo: float, hi: float, field: str) -> float:
    """A decimal number typed by the learner (1e-3 allowed), within [lo, hi]."""
    s = str(text).strip()
    if len(s) > MAX_TEXT_LEN or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
        raise SpecError("not_a_number", field=field, text=s[:40])
    v = float(s)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise SpecError("out_of_range", field=field, value=s, lo=lo, hi=hi)
    return v


def check_name(name: str | None, field: str = "name") -> str | None:
    """Empty -> None (Keras picks a name); otherwise a Python-identifier-like name."""
    if name is None:
        return None
    name = str(name).strip()
    if name == "":
        return None
    if len(name) > MAX_NAME_LEN:
        raise SpecError("name_too_long", field=field, max=MAX_NAME_LEN)
    if not _NAME_RE.match(name):
        raise SpecError("name_invalid", field=field, name=name[:MAX_NAME_LEN])
    return name


def check_choice(value, choices, field):
    if value not in choices:
        raise SpecError("choice_invalid", field=field, value=str(value)[:40])


def count_dense_params(spec: model_spec.ModelSpec) -> int:
    """Parameters of the whole stack, by the Dense formula, without building anything."""
    fan_in = spec.input_shape[-1] if not spec.flatten else math.prod(spec.input_shape)
    total = 0
    for layer in [*spec.hidden, spec.output]:
        total += fan_in * layer.units + (layer.units if layer.use_bias else 0)
        fan_in = layer.units
    return total


def validate_spec(spec: model_spec.ModelSpec) -> model_spec.ModelSpec:
    """Raise SpecError for the first problem found; return the spec unchanged if fine."""
    if not spec.input_shape:
        raise SpecError("shape_empty")
    parse_shape(format_shape(spec.input_shape))
    if spec.batch_size is not None and not 1 <= int(spec.batch_size) <= MAX_FIT_BATCH:
        raise SpecError("out_of_range", field="batch_size", value=spec.batch_size, lo=1, hi=MAX_FIT_BATCH)
    if spec.input_dtype is not None:
        check_choice(spec.input_dtype, model_spec.DTYPES, "dtype")
    if len(spec.hidden) > MAX_LAYERS:
        raise SpecError("too_many_layers", n=len(spec.hidden), max=MAX_LAYERS)
    names = [spec.input_name] if spec.input_name else []
    for i, layer in enumerate([*spec.hidden, spec.output]):
        if not isinstance(layer.units, int) or layer.units < 1:
            raise SpecError("units_not_positive", layer=i + 1, units=layer.units)
        if layer.units > MAX_UNITS:
            raise SpecError("units_too_big", layer=i + 1, units=layer.units, max=MAX_UNITS)
        if layer.activation is not None:
            check_choice(layer.activation, model_spec.ACTIVATIONS, "activation")
        check_choice(layer.kernel_initializer, model_spec.INITIALIZERS, "kernel_initializer")
        check_choice(layer.bias_initializer, model_spec.INITIALIZERS, "bias_initializer")
        check_choice(layer.kernel_regularizer, model_spec.REGULARIZERS, "kernel_regularizer")
        if layer.name:
            check_name(layer.name)
            names.append(layer.name)
    if spec.name:
        check_name(spec.name, "model_name")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SpecError("name_duplicate", name=sorted(dup)[0])
    params = count_dense_params(spec)
    if params > MAX_PARAMS:
        raise SpecError("too_many_params", n=params, max=MAX_PARAMS)
    check_choice(spec.optimizer, model_spec.OPTIMIZERS, "optimizer")
    check_choice(spec.loss, model_spec.LOSSES, "loss")
    for m in spec.metrics:
        check_choice(m, model_spec.METRICS, "metrics")
    if not (LR_MIN <= spec.learning_rate <= LR_MAX):
        raise SpecError("out_of_range", field="learning_rate", value=spec.learning_rate, lo=LR_MIN, hi=LR_MAX)
    if not 1 <= spec.epochs <= MAX_EPOCHS:
        raise SpecError("out_of_range", field="epochs", value=spec.epochs, lo=1, hi=MAX_EPOCHS)
    if not 1 <= spec.fit_batch_size <= MAX_FIT_BATCH:
        raise SpecError("out_of_range", field="fit_batch_size", value=spec.fit_batch_size, lo=1, hi=MAX_FIT_BATCH)
    if not 0.0 <= spec.validation_split < 0.9:
        raise SpecError("out_of_range", field="validation_split", value=spec.validation_split, lo=0, hi=0.9)
    return spec


def rejected(e: SpecError) -> dict:
    return {"ok": False, "spec_error": (e.code, e.params)}


def check_int(value, lo: int, hi: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError("not_an_integer", field=field, text=str(value)[:40])
    if not lo <= int(value) <= hi:
        raise SpecError("out_of_range", field=field, value=int(value), lo=lo, hi=hi)
    return int(value)


def check_shape(shape) -> tuple[int, ...]:
    if not isinstance(shape, (list, tuple)) or not shape:
        raise SpecError("shape_empty")
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape):
        raise SpecError("shape_syntax", text=str(shape)[:40])
    return parse_shape(format_shape(tuple(int(d) for d in shape)))


MAX_STEPS = 1000


SEED_MAX = 10_000
