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


def param_table(model) -> pd.DataFrame:
    """One row per layer: name, type, output shape, params, trainable, non-trainable, arithmetic."""
    rows = []
    for layer in model.layers:
        out = getattr(layer, "output", None)
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape_text(out.shape) if out is not None else "?",
                "params": int(layer.count_params()) if layer.built else 0,
                "trainable": count_params(layer.trainable_weights),
                "non_trainable": count_params(layer.non_trainable_weights),
                "arithmetic": arithmetic(layer),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


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
