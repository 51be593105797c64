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
    """Parameters of the whole stack, without building anything (the chain as a graph)."""
    return count_graph_params(model_spec.chain_graph(spec))


# ----------------------------------------------------------------------------- graphs
MAX_NODES = 24
MAX_GRAPH_INPUTS = 4
MAX_GRAPH_OUTPUTS = 4
MAX_LOSS_WEIGHT = 100.0
# Names the generated code itself uses: a node (a Python variable there) may not take them.
RESERVED = frozenset({
    "np", "keras", "Input", "Model", "Sequential", "model", "history", "x_train", "y_train", "y_pred", "print",
    "load_diabetes", "load_breast_cancer", "load_digits", "rng", "raw", "target", "idx_a", "idx_b", "is_same",
    "images", "labels", "x_all", "y_all", "name", "values", "seq_model", "list", "dict", "len", "range", "float",
    "int", "str", "sum", "min", "max", "abs", "zip",
    *model_spec.NODE_OPS, "BatchNormalization", "Dropout", "Concatenate", "Add", "Average", "Multiply", "Flatten",
    "Dense",
})


def _keyword(name: str) -> bool:
    import keyword

    return keyword.iskeyword(name) or keyword.issoftkeyword(name)


def infer_shapes(g: model_spec.GraphSpec) -> dict:
    """Each node's output shape (batch left out) as Keras would work it out; None where it cannot.

    Pure Python, for the parameter cap before anything is built. A merge of unequal shapes
    gives None here: building it is left to Keras, whose own error is the lesson.
    """
    shapes: dict = {}
    for n in g.nodes:
        ins = [shapes.get(i) for i in n.inputs]
        out = None
        if n.op == "Input":
            out = tuple(n.shape) if n.shape else None
        elif any(s is None for s in ins) or not ins:
            out = None
        elif n.op == "Dense":
            out = ins[0][:-1] + (int(n.units or 0),)
        elif n.op in ("Dropout", "BatchNormalization"):
            out = ins[0]
        elif n.op == "Flatten":
            out = (math.prod(ins[0]),)
        elif n.op == "Concatenate":
            if all(len(s) == len(ins[0]) and s[:-1] == ins[0][:-1] for s in ins):
                out = ins[0][:-1] + (sum(s[-1] for s in ins),)
        elif n.op in ("Add", "Average", "Multiply"):
            if all(s == ins[0] for s in ins):
                out = ins[0]
        elif n.op == "Reuse":
            try:
                owner = g.layer_of(n.id)
            except KeyError:
                owner = None
            if owner is not None and owner.op == "Dense":
                out = ins[0][:-1] + (int(owner.units or 0),)
            elif owner is not None and owner.op == "Flatten":
                out = (math.prod(ins[0]),)
            elif owner is not None:
                out = ins[0]
        shapes[n.id] = out
    return shapes


def layer_params(g: model_spec.GraphSpec, shapes: dict | None = None) -> dict:
    """Parameters of each layer object, keyed by the node that owns it: a shared layer once."""
    shapes = infer_shapes(g) if shapes is None else shapes
    out = {}
    for n in g.nodes:
        if n.op not in ("Dense", "BatchNormalization"):
            continue
        first_in = shapes.get(n.inputs[0]) if n.inputs else None
        if not first_in:
            out[n.id] = 0
        elif n.op == "Dense":
            units = int(n.units or 0)
            out[n.id] = first_in[-1] * units + (units if n.use_bias else 0)
        else:
            out[n.id] = 4 * first_in[-1]
    return out


def count_graph_params(g: model_spec.GraphSpec) -> int:
    """Total parameters by the layer formulas; a layer called twice counts once."""
    return int(sum(layer_params(g).values()))


def check_nodes(g: model_spec.GraphSpec, chain: bool = False) -> None:
    """Every node on its own and its wiring: ids, op, inputs from above, settings, unique names.

    `layer` in a message is the Dense layer's place among the Dense layers (1 = first), as on
    the chain pages; `node` is the node's id, for the graph page (chain=True leaves it out:
    a chain's node ids are internal).
    """
    if not g.nodes:
        raise SpecError("graph_empty")
    if len(g.nodes) > MAX_NODES:
        raise SpecError("too_many_nodes", n=len(g.nodes), max=MAX_NODES)
    seen: dict = {}
    dense_index = 0
    for n in g.nodes:
        _check_id(n, seen)
        _check_wiring(n, seen)
        if n.op == "Dense":
            dense_index += 1
            _check_dense(n, {"layer": dense_index} if chain else {"layer": dense_index, "node": n.id})
        elif n.op == "Dropout" and not (isinstance(n.rate, (int, float)) and 0.0 <= float(n.rate) < 1.0):
            raise SpecError("out_of_range", field="rate", value=n.rate, lo=0, hi=0.99)
        elif n.op == "Reuse":
            owner = seen.get(n.layer)
            if owner is None or owner.op not in (*model_spec.LAYER_OPS, "Reuse"):
                raise SpecError("reuse_invalid", node=n.id, layer=str(n.layer)[:MAX_NAME_LEN])
        seen[n.id] = n
    _check_layer_names(g)
    params = count_graph_params(g)
    if params > MAX_PARAMS:
        raise SpecError("too_many_params", n=params, max=MAX_PARAMS)


def _check_id(n: model_spec.NodeSpec, seen: dict) -> None:
    """A node's id is a variable of the generated code: a fresh, non-reserved identifier."""
    check_name(n.id, "node_name")
    if not n.id:
        raise SpecError("name_invalid", field="node_name", name="")
    if _keyword(n.id) or n.id in RESERVED:
        raise SpecError("name_reserved", name=n.id)
    if n.id in seen:
        raise SpecError("name_duplicate", name=n.id)


def _check_wiring(n: model_spec.NodeSpec, seen: dict) -> None:
    """A known op, taking nodes above it, as many as the op takes."""
    check_choice(n.op, model_spec.NODE_OPS, "op")
    for i in n.inputs:
        if i not in seen:
            raise SpecError("input_not_above", node=n.id, input=str(i)[:MAX_NAME_LEN])
    if len(set(n.inputs)) != len(n.inputs):
        raise SpecError("input_twice", node=n.id)
    if n.op == "Input":
        if n.inputs:
            raise SpecError("input_takes_nothing", node=n.id)
        check_shape(list(n.shape or ()))
        if n.dtype is not None:
            check_choice(n.dtype, model_spec.DTYPES, "dtype")
        if n.batch_size is not None and not 1 <= int(n.batch_size) <= MAX_FIT_BATCH:
            raise SpecError("out_of_range", field="batch_size", value=n.batch_size, lo=1, hi=MAX_FIT_BATCH)
    elif n.op in model_spec.MERGE_OPS:
        if len(n.inputs) < 2:
            raise SpecError("merge_needs_two", node=n.id, op=n.op)
    elif len(n.inputs) != 1:
        raise SpecError("needs_one_input", node=n.id, op=n.op)


def _check_dense(n: model_spec.NodeSpec, where: dict) -> None:
    """A Dense node's units and settings; `where` places it in the message (see check_nodes)."""
    if not isinstance(n.units, int) or isinstance(n.units, bool) or n.units < 1:
        raise SpecError("units_not_positive", **where, units=n.units)
    if n.units > MAX_UNITS:
        raise SpecError("units_too_big", **where, units=n.units, max=MAX_UNITS)
    if n.activation is not None:
        check_choice(n.activation, model_spec.ACTIVATIONS, "activation")
    check_choice(n.kernel_initializer, model_spec.INITIALIZERS, "kernel_initializer")
    check_choice(n.bias_initializer, model_spec.INITIALIZERS, "bias_initializer")
    check_choice(n.kernel_regularizer, model_spec.REGULARIZERS, "kernel_regularizer")


def _check_layer_names(g: model_spec.GraphSpec) -> None:
    """Keras's layer names (a Reuse node has none of its own) are valid and unique."""
    names = [n.name for n in g.nodes if n.name and n.op != "Reuse"]
    for nm in names:
        check_name(nm)
    dup = {nm for nm in names if names.count(nm) > 1}
    if dup:
        raise SpecError("name_duplicate", name=min(dup))


def validate_graph(g: model_spec.GraphSpec) -> model_spec.GraphSpec:
    """The graph check: nodes, declared inputs and outputs, compile() and fit() settings."""
    check_nodes(g)
    ids = {n.id: n for n in g.nodes}
    inputs = g.model_inputs()
    if not inputs:
        raise SpecError("graph_no_inputs")
    if len(inputs) > MAX_GRAPH_INPUTS:
        raise SpecError("too_many_inputs", n=len(inputs), max=MAX_GRAPH_INPUTS)
    for i in inputs:
        if i not in ids or ids[i].op != "Input":
            raise SpecError("not_an_input", node=str(i)[:MAX_NAME_LEN])
    if len(set(inputs)) != len(inputs):
        raise SpecError("input_twice", node="Model")
    if not g.outputs:
        raise SpecError("graph_no_outputs")
    if len(g.outputs) > MAX_GRAPH_OUTPUTS:
        raise SpecError("too_many_outputs", n=len(g.outputs), max=MAX_GRAPH_OUTPUTS)
    out_names = []
    for o in g.outputs:
        if o.node not in ids:
            raise SpecError("input_not_above", node="Model", input=str(o.node)[:MAX_NAME_LEN])
        owner = g.layer_of(o.node)
        out_names.append(owner.name or owner.id)
        check_choice(o.loss, model_spec.LOSSES, "loss")
        if not (isinstance(o.weight, (int, float)) and math.isfinite(o.weight) and 0 <= o.weight <= MAX_LOSS_WEIGHT):
            raise SpecError("out_of_range", field="loss_weight", value=o.weight, lo=0, hi=MAX_LOSS_WEIGHT)
        for m in o.metrics:
            check_choice(m, model_spec.METRICS, "metrics")
    dup = {nm for nm in out_names if out_names.count(nm) > 1}
    if dup:
        raise SpecError("output_twice", name=min(dup))
    if g.name:
        check_name(g.name, "model_name")
    check_choice(g.optimizer, model_spec.OPTIMIZERS, "optimizer")
    check_settings(g)
    return g


def check_settings(s) -> None:
    """compile()/fit() numbers, shared by the chain and the graph."""
    if not (LR_MIN <= s.learning_rate <= LR_MAX):
        raise SpecError("out_of_range", field="learning_rate", value=s.learning_rate, lo=LR_MIN, hi=LR_MAX)
    if not 1 <= s.epochs <= MAX_EPOCHS:
        raise SpecError("out_of_range", field="epochs", value=s.epochs, lo=1, hi=MAX_EPOCHS)
    if not 1 <= s.fit_batch_size <= MAX_FIT_BATCH:
        raise SpecError("out_of_range", field="fit_batch_size", value=s.fit_batch_size, lo=1, hi=MAX_FIT_BATCH)
    if not 0.0 <= s.validation_split < 0.9:
        raise SpecError("out_of_range", field="validation_split", value=s.validation_split, lo=0, hi=0.9)


def validate_spec(spec: model_spec.ModelSpec) -> model_spec.ModelSpec:
    """Raise SpecError for the first problem found; return the spec unchanged if fine.

    The chain's own fields first, then its layers through the one graph check (`check_nodes`).
    """
    if not spec.input_shape:
        raise SpecError("shape_empty")
    parse_shape(format_shape(spec.input_shape))
    if spec.batch_size is not None and not 1 <= int(spec.batch_size) <= MAX_FIT_BATCH:
        raise SpecError("out_of_range", field="batch_size", value=spec.batch_size, lo=1, hi=MAX_FIT_BATCH)
    if spec.input_dtype is not None:
        check_choice(spec.input_dtype, model_spec.DTYPES, "dtype")
    if len(spec.hidden) > MAX_LAYERS:
        raise SpecError("too_many_layers", n=len(spec.hidden), max=MAX_LAYERS)
    if spec.input_name:
        check_name(spec.input_name)
    check_nodes(model_spec.chain_graph(spec), chain=True)
    if spec.name:
        check_name(spec.name, "model_name")
    check_choice(spec.optimizer, model_spec.OPTIMIZERS, "optimizer")
    check_choice(spec.loss, model_spec.LOSSES, "loss")
    for m in spec.metrics:
        check_choice(m, model_spec.METRICS, "metrics")
    check_settings(spec)
    return spec


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
