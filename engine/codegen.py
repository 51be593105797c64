"""spec -> the exact, runnable Python source of the model on screen."""
from __future__ import annotations

from engine import data
from engine import spec as model_spec
from engine.validate import format_shape


def _kw(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


def optimizer_code(spec) -> str:
    """`keras.optimizers.Adam(learning_rate=0.001)` for a chain or a graph spec."""
    cls = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW", "adagrad": "Adagrad"}[spec.optimizer]
    return f"keras.optimizers.{cls}(learning_rate={spec.learning_rate:g})"


def is_chain(g: model_spec.GraphSpec) -> bool:
    """One input, one output, each node taking the one before it, nothing reused: a Sequential stack."""
    if len(g.model_inputs()) != 1 or len(g.outputs) != 1 or g.nodes[0].op != "Input":
        return False
    if g.outputs[0].node != g.nodes[-1].id or g.model_inputs()[0] != g.nodes[0].id:
        return False
    return all(n.op not in ("Input", "Reuse") and n.inputs == [g.nodes[i].id] for i, n in enumerate(g.nodes[1:]))


def variables(g: model_spec.GraphSpec) -> dict:
    """Python variable of each node's tensor: inputs / x / outputs for a chain, the node id otherwise."""
    if is_chain(g):
        names = {n.id: "x" for n in g.nodes}
        names[g.nodes[0].id], names[g.nodes[-1].id] = "inputs", "outputs"
        return names
    return {n.id: n.id for n in g.nodes}


def shared_owners(g: model_spec.GraphSpec) -> dict:
    """Owner node id -> number of calls, for every layer that is called more than once."""
    calls: dict = {}
    for n in g.nodes:
        if n.op not in ("Input",) and n.op not in model_spec.MERGE_OPS:
            owner = g.layer_of(n.id).id
            calls[owner] = calls.get(owner, 0) + 1
    return {k: v for k, v in calls.items() if v > 1}


def layer_expr(n: model_spec.NodeSpec) -> str:
    """`Dense(8, activation="relu", name="h1")`: the layer object as the code creates it."""
    from engine.build import node_args, node_kwargs  # imports Keras: only when code is made

    kw = node_kwargs(n)
    kw.pop("rate", None)
    args = [f"{a:g}" if isinstance(a, float) else str(a) for a in node_args(n)]
    inner = ", ".join([*args, *([_kw(kw)] if kw else [])])
    return f"{n.op}({inner})"


def graph_lines(g: model_spec.GraphSpec, comment_shared: str = "") -> list[str]:
    """The Functional-API statements alone: each Input, each layer call, Model()."""
    from engine.build import graph_model_kwargs, io_structure, node_kwargs

    var = variables(g)
    shared = shared_owners(g)
    lines = []
    for n in g.nodes:
        if n.op == "Input":
            lines.append(f"{var[n.id]} = Input({_kw(node_kwargs(n))})")
            continue
        ins = [var[i] for i in n.inputs]
        arg = f"[{', '.join(ins)}]" if n.op in model_spec.MERGE_OPS else ins[0]
        owner = g.layer_of(n.id)
        if owner.id in shared:
            if n.id == owner.id:
                note = f"  # {comment_shared.format(calls=shared[owner.id])}" if comment_shared else ""
                lines.append(f"{owner.id}_layer = {layer_expr(owner)}{note}")
            lines.append(f"{var[n.id]} = {owner.id}_layer({arg})")
        else:
            lines.append(f"{var[n.id]} = {layer_expr(n)}({arg})")

    def io(ids):
        items = io_structure([var[i] for i in ids])
        return items if isinstance(items, str) else "[" + ", ".join(items) + "]"

    mk = graph_model_kwargs(g)
    extra = (", " + _kw(mk)) if mk else ""
    lines.append(f"model = Model(inputs={io(g.model_inputs())}, outputs={io([o.node for o in g.outputs])}{extra})")
    return lines


def sequential_lines(g: model_spec.GraphSpec) -> list[str] | None:
    """The same chain written with keras.Sequential (None if the graph is not a chain)."""
    from engine.build import graph_model_kwargs, node_kwargs

    if not is_chain(g):
        return None
    lines = ["seq_model = keras.Sequential(["]
    lines.append(f"    Input({_kw(node_kwargs(g.nodes[0]))}),")
    for n in g.nodes[1:]:
        lines.append(f"    {layer_expr(n)},")
    mk = graph_model_kwargs(g)
    lines.append("]" + (", " + _kw(mk) if mk else "") + ")")
    return lines


def layer_imports(g: model_spec.GraphSpec) -> str:
    used = []
    for n in g.nodes:
        op = g.layer_of(n.id).op if n.op == "Reuse" else n.op
        if op != "Input" and op not in used:
            used.append(op)
    return "from keras.layers import " + ", ".join(used) if used else ""


def model_lines(spec: model_spec.ModelSpec) -> list[str]:
    """The chain's Functional-API statements: the graph generator on the chain."""
    return graph_lines(model_spec.chain_graph(spec))


def graph_source(g: model_spec.GraphSpec, dataset: str | None = None, fit: bool = True, predict: bool = True,
                 comment_shared: str = "") -> str:
    """A complete script for a graph: imports, the data of `dataset`, the model, compile, fit, predict."""
    from engine.build import compile_args, output_names

    fit = fit and dataset is not None
    predict = predict and dataset is not None
    imports = ["import numpy as np", "import keras", "from keras import Input, Model"]
    imp = layer_imports(g)
    out = imports + ([imp] if imp else []) + ["", f"keras.utils.set_random_seed({g.seed})", ""]
    ins = g.model_inputs()
    if dataset:
        out += [data.graph_code(dataset, g.seed).rstrip("\n")]
        if len(ins) == 1:
            out.append(f'x_train = x_all["{ins[0]}"]')
        else:
            out.append("x_train = {" + ", ".join(f'"{g.node(i).name or i}": x_all["{i}"]' for i in ins) + "}")
        names = output_names(g)
        targets = [o.target or "" for o in g.outputs]
        if len(names) == 1:
            out.append(f'y_train = y_all["{targets[0]}"]')
        else:
            out.append("y_train = {" + ", ".join(f'"{nm}": y_all["{tg}"]' for nm, tg in zip(names, targets)) + "}")
        out.append("")
    out += graph_lines(g, comment_shared)
    out.append("model.summary()")
    kw = compile_args(g)
    out += ["", "model.compile("]
    out.append(f"    optimizer={optimizer_code(g)},")
    for k in ("loss", "loss_weights", "metrics"):
        if k in kw:
            out.append(f"    {k}={_literal(kw[k])},")
    out.append(")")
    if fit:
        out += [
            "",
            f"history = model.fit(x_train, y_train, epochs={g.epochs}, batch_size={g.fit_batch_size},",
            f"                    validation_split={g.validation_split:g}, verbose=0)",
            'print("final loss:", history.history["loss"][-1])',
        ]
    if predict:
        first = "x_train[:5]" if len(ins) == 1 else "{name: values[:5] for name, values in x_train.items()}"
        out += ["", f"y_pred = model.predict({first}, verbose=0)"]
        if len(g.outputs) == 1:
            out.append("print(y_pred[:, 0])")
        else:
            out += ["for name, values in zip(model.output_names, y_pred):", "    print(name, values[:, 0])"]
    return "\n".join(out) + "\n"


def _literal(v) -> str:
    """A str / float / list / dict as Python source with double quotes."""
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, float):
        return f"{v:g}" if "." in f"{v:g}" or "e" in f"{v:g}" else f"{v:g}.0"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(x)}" for k, x in v.items()) + "}"
    return repr(v)


def source(
    spec: model_spec.ModelSpec,
    dataset: str | None = None,
    compile: bool = True,
    fit: bool = True,
    predict: bool = True,
    summary: bool = True,
) -> str:
    """A complete script: imports, optional data, the model, compile, fit and predict."""
    fit = fit and compile and dataset is not None
    predict = predict and dataset is not None
    imports = ["import numpy as np", "import keras", "from keras import Input, Model"]
    imports.append("from keras.layers import Dense, Flatten" if spec.flatten else "from keras.layers import Dense")
    out = imports + ["", f"keras.utils.set_random_seed({spec.seed})", ""]
    if dataset:
        out += [data.code(dataset, spec.seed).rstrip("\n"), ""]
    out += model_lines(spec)
    if summary:
        out.append("model.summary()")
    if compile:
        metrics = f", metrics={list(spec.metrics)!r}".replace("'", '"') if spec.metrics else ""
        out += ["", f'model.compile(optimizer={optimizer_code(spec)}, loss="{spec.loss}"{metrics})']
    if fit:
        out += [
            "",
            f"history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.fit_batch_size},",
            f"                    validation_split={spec.validation_split:g}, verbose=0)",
            'print("final loss:", history.history["loss"][-1])',
        ]
    if predict:
        out += ["", "y_pred = model.predict(x_train[:5], verbose=0)", "print(y_pred)"]
    return "\n".join(out) + "\n"


def kw_text(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        elif isinstance(v, CodeExpr):
            parts.append(f"{k}={v.src}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


class CodeExpr:
    """A keyword value that the generated source spells as code, not as a literal."""

    def __init__(self, src: str):
        self.src = src
