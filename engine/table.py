"""The parameter table: what `model.summary()` says, plus the arithmetic behind each count."""
from __future__ import annotations

import math

import pandas as pd

COLUMNS = ["layer", "type", "output_shape", "params", "trainable", "non_trainable", "arithmetic"]


def shape_text(shape) -> str:
    shape = tuple(shape)
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def count_params(variables) -> int:
    return int(sum(math.prod(v.shape) for v in variables))


def arithmetic(layer) -> str:
    """How the parameter count comes about, e.g. '1×8 + 8 = 16' for Dense(8) on 1 feature."""
    kind = type(layer).__name__
    total = layer.count_params() if layer.built else 0
    if kind == "Dense":
        fan_in = layer.kernel.shape[0]
        if layer.use_bias:
            return f"{fan_in}×{layer.units} + {layer.units} = {total}"
        return f"{fan_in}×{layer.units} = {total}"
    if kind == "Conv2D":
        kh, kw, cin, cout = layer.kernel.shape
        bias = f" + {cout}" if layer.use_bias else ""
        return f"{kh}×{kw}×{cin}×{cout}{bias} = {total}"
    if kind == "BatchNormalization":
        c = total // 4 if total else 0
        return f"4×{c} = {total}" if total else "0"
    if total == 0:
        return "0"
    return str(total)


def calls_of(model, layer) -> list[str]:
    """For each call of `layer` inside `model`: the names of the layers whose tensors it took."""
    from engine.graph import call_id, in_model

    out = []
    for index, node in enumerate(layer._inbound_nodes):
        if not in_model(model, layer, index):
            continue
        srcs = [call_id(t._keras_history.operation, t._keras_history.node_index) for t in node.input_tensors]
        out.append(" + ".join(srcs))
    return out


def param_table(model, with_calls: bool = False) -> pd.DataFrame:
    """One row per layer: name, type, output shape, params, trainable, non-trainable, arithmetic.

    A layer called several times (shared) is one row: its weights exist once. with_calls=True
    adds "calls" (how many times the model calls it) and "called_on" (what each call took).
    """
    rows = []
    for layer in model.layers:
        out = getattr(layer, "output", None)
        try:
            shape = shape_text(out.shape) if out is not None else "?"
        except (AttributeError, ValueError):  # several calls: Keras has no single output
            shape = shape_text(layer._inbound_nodes[0].output_tensors[0].shape)
        row = {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output_shape": shape,
            **layer_counts(layer),
            "arithmetic": arithmetic(layer),
        }
        if with_calls:
            calls = calls_of(model, layer)
            row["calls"] = len(calls)
            row["called_on"] = "; ".join(calls)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS + (["calls", "called_on"] if with_calls else []))


def totals(model) -> dict:
    return {
        "params": int(model.count_params()),
        "trainable": count_params(model.trainable_weights),
        "non_trainable": count_params(model.non_trainable_weights),
    }


def summary_text(model) -> str:
    """Keras's own `model.summary()` as plain text, to show beside the app's table."""
    lines: list[str] = []
    model.summary(print_fn=lambda s, **_: lines.append(s), line_length=80)
    return "\n".join(lines)


def layer_counts(layer) -> dict:
    """A layer's parameters: all, trainable, non-trainable (weights counted once, however often called)."""
    return {
        "params": int(layer.count_params()) if layer.built else 0,
        "trainable": count_params(layer.trainable_weights),
        "non_trainable": count_params(layer.non_trainable_weights),
    }
