"""Graph specs as plain data: presets on bundled data, a one-line text form for links, editor steps,
and what the graph itself says about Sequential. Pure Python (no Keras): pages call it directly.

The text form (one line, `;` between items) is what a shared link carries:

    digit_a=Input(64); digit_b=Input(64); encoder=Dense(32,relu)<digit_a; encoder_b=Reuse(encoder)<digit_b;
    merged=Concatenate()<encoder+encoder_b; compare=Dense(16,relu)<merged; same=Dense(1,sigmoid)<compare;
    out=same>same/binary_crossentropy/1

`id=Op(args)<in1+in2` is a node (inputs only from nodes above it); `out=node>target/loss/weight`
an output; `inputs=a+b` the model's inputs when not every Input; `name=...` the model's name.
It is parsed by hand, never evaluated.
"""
from __future__ import annotations

import re

from engine import data
from engine import spec as model_spec
from engine.validate import (
    MAX_GRAPH_OUTPUTS,
    MAX_NAME_LEN,
    MAX_NODES,
    SpecError,
    check_name,
)

MAX_TEXT = 2000
DATASETS = tuple(data.GRAPH_SHAPES)
PRESETS = ("chain", "two_inputs", "two_outputs", "skip", "shared", "wide_deep")
PRESET_DATA = {"chain": "diabetes", "two_inputs": "cancer", "two_outputs": "diabetes", "skip": "diabetes",
               "shared": "digit_pairs", "wide_deep": "diabetes"}
PRESET_TEXT = {
    "chain": "features=Input(10); h1=Dense(16,relu)<features; h2=Dense(8,relu)<h1; "
             "progression=Dense(1)<h2; out=progression>progression/mse/1; name=chain_model",
    "two_inputs": "mean_cells=Input(10); worst_cells=Input(10); mean_branch=Dense(8,relu)<mean_cells; "
                  "worst_branch=Dense(8,relu)<worst_cells; merged=Concatenate()<mean_branch+worst_branch; "
                  "malignant=Dense(1,sigmoid)<merged; out=malignant>malignant/binary_crossentropy/1; "
                  "name=two_inputs_model",
    "two_outputs": "features=Input(10); trunk=Dense(16,relu)<features; value=Dense(1)<trunk; "
                   "high=Dense(1,sigmoid)<trunk; out=value>progression/mse/1; "
                   "out=high>high/binary_crossentropy/0.5; name=two_outputs_model",
    "skip": "features=Input(10); h1=Dense(16,relu)<features; h2=Dense(16,relu)<h1; skip=Add()<h1+h2; "
            "progression=Dense(1)<skip; out=progression>progression/mse/1; name=skip_model",
    "shared": "digit_a=Input(64); digit_b=Input(64); encoder=Dense(32,relu)<digit_a; "
              "encoder_b=Reuse(encoder)<digit_b; merged=Concatenate()<encoder+encoder_b; "
              "compare=Dense(16,relu)<merged; same=Dense(1,sigmoid)<compare; "
              "out=same>same/binary_crossentropy/1; name=shared_model",
    "wide_deep": "basics=Input(4); blood=Input(6); deep1=Dense(16,relu)<blood; deep2=Dense(8,relu)<deep1; "
                 "wide_and_deep=Concatenate()<basics+deep2; progression=Dense(1)<wide_and_deep; "
                 "out=progression>progression/mse/1; name=wide_deep_model",
}

_ITEM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z]+)\(([^()]*)\)(?:<([A-Za-z0-9_+]*))?$")
_NUMBER = re.compile(r"^\d+(\.\d*)?([eE][+-]?\d+)?$")
_REGRESSION = ("mse", "mae", "huber")


def metrics_for(loss: str) -> list[str]:
    """The metric each output reports: accuracy for a yes/no loss, mae otherwise."""
    return ["accuracy"] if "crossentropy" in loss else ["mae"]


def loss_for(kind: str) -> str:
    return "binary_crossentropy" if kind == "binary" else "mse"


def _float(text: str, field: str) -> float:
    if not _NUMBER.match(text):
        raise SpecError("not_a_number", field=field, text=text[:40])
    return float(text)


def _node(node_id: str, op: str, args: list[str], inputs: list[str]) -> model_spec.NodeSpec:
    if op == "BN":
        op = "BatchNormalization"
    if op not in model_spec.NODE_OPS:
        raise SpecError("choice_invalid", field="op", value=op[:40])
    n = model_spec.NodeSpec(node_id, op, inputs, name=node_id)
    if op == "Input":
        if len(args) != 1 or not re.fullmatch(r"\d+(x\d+){0,3}", args[0]):
            raise SpecError("shape_syntax", text=",".join(args)[:40])
        n.shape = tuple(int(d) for d in args[0].split("x"))
    elif op == "Dense":
        if not args or not args[0].isdigit():
            raise SpecError("not_an_integer", field="units", text=(args[0] if args else "")[:40])
        n.units = int(args[0])
        n.activation = None
        for a in args[1:]:
            if a == "nobias":
                n.use_bias = False
            elif a in model_spec.ACTIVATIONS:
                n.activation = a
            else:
                raise SpecError("choice_invalid", field="activation", value=a[:40])
    elif op == "Dropout":
        n.rate = _float(args[0], "rate") if args else 0.5
    elif op == "Reuse":
        if len(args) != 1:
            raise SpecError("reuse_invalid", node=node_id, layer="")
        n.layer = args[0]
        n.name = None
    elif args:
        raise SpecError("choice_invalid", field="op", value=f"{op}({','.join(args)})"[:40])
    return n


def from_text(text: str, seed: int = 0) -> model_spec.GraphSpec:
    """The link's text -> a GraphSpec (structure only; `engine.validate.validate_graph` checks the rest)."""
    text = str(text or "")
    if len(text) > MAX_TEXT:
        raise SpecError("text_too_long", max=MAX_TEXT)
    g = model_spec.GraphSpec(seed=seed)
    declared = None
    for raw in text.split(";"):
        item = raw.strip().replace(" ", "")
        if not item:
            continue
        key, _, value = item.partition("=")
        if key == "out":
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)>([A-Za-z_][A-Za-z0-9_]*)/([a-z_]+)/([0-9.eE+-]+)", value)
            if not m:
                raise SpecError("graph_text", item=item[:60])
            loss = m.group(3)
            g.outputs.append(model_spec.OutputSpec(m.group(1), loss, _float(m.group(4), "loss_weight"),
                                                   metrics_for(loss), m.group(2)))
            if len(g.outputs) > MAX_GRAPH_OUTPUTS:
                raise SpecError("too_many_outputs", n=len(g.outputs), max=MAX_GRAPH_OUTPUTS)
            continue
        if key == "inputs":
            declared = [v for v in value.split("+") if v]
            continue
        if key == "name":
            g.name = check_name(value, "model_name")
            continue
        m = _ITEM.match(item)
        if not m:
            raise SpecError("graph_text", item=item[:60])
        node_id, op, args, ins = m.groups()
        if len(node_id) > MAX_NAME_LEN:
            raise SpecError("name_too_long", field="node_name", max=MAX_NAME_LEN)
        g.nodes.append(_node(node_id, op, [a for a in args.split(",") if a], [i for i in (ins or "").split("+") if i]))
        if len(g.nodes) > MAX_NODES:
            raise SpecError("too_many_nodes", n=len(g.nodes), max=MAX_NODES)
    g.inputs = declared
    return g


def _node_text(n: model_spec.NodeSpec) -> str:
    if n.op == "Input":
        args = "x".join(str(d) for d in n.shape or ())
    elif n.op == "Dense":
        args = ",".join([str(n.units), *([n.activation] if n.activation else []), *([] if n.use_bias else ["nobias"])])
    elif n.op == "Dropout":
        args = f"{abs(float(n.rate)):g}"
    elif n.op == "Reuse":
        args = n.layer or ""
    else:
        args = ""
    ins = ("<" + "+".join(n.inputs)) if n.inputs else ""
    return f"{n.id}={n.op}({args}){ins}"


def to_text(g: model_spec.GraphSpec) -> str:
    items = [_node_text(n) for n in g.nodes]
    if g.inputs is not None and g.inputs != [n.id for n in g.nodes if n.op == "Input"]:
        items.append("inputs=" + "+".join(g.inputs))
    for o in g.outputs:
        items.append(f"out={o.node}>{o.target or ''}/{o.loss}/{abs(o.weight):g}")
    if g.name:
        items.append(f"name={g.name}")
    return "; ".join(items)


def preset(name: str, seed: int = 0) -> model_spec.GraphSpec:
    return from_text(PRESET_TEXT[name], seed)


# ----------------------------------------------------------------------------- data binding
def check_data(g: model_spec.GraphSpec, dataset: str) -> None:
    """Each Input is a feature group of the data (its shape fixed by it); each output names a target."""
    if dataset not in data.GRAPH_SHAPES:
        raise SpecError("choice_invalid", field="dataset", value=str(dataset)[:40])
    shapes = data.GRAPH_SHAPES[dataset]
    for n in g.nodes:
        if n.op == "Input":
            if n.id not in shapes["features"]:
                raise SpecError("graph_unknown_input", node=n.id, choices=", ".join(shapes["features"]))
            if tuple(n.shape or ()) != shapes["features"][n.id]:
                raise SpecError("graph_input_shape", node=n.id, shape=str(shapes["features"][n.id]))
    for o in g.outputs:
        if o.target not in shapes["targets"]:
            raise SpecError("graph_unknown_target", node=o.node, choices=", ".join(shapes["targets"]))


# ----------------------------------------------------------------------------- what the graph says
def consumers(g: model_spec.GraphSpec) -> dict:
    """Node id -> ids of the nodes that take its tensor."""
    out = {n.id: [] for n in g.nodes}
    for n in g.nodes:
        for i in n.inputs:
            out.setdefault(i, []).append(n.id)
    return out


def reaches(g: model_spec.GraphSpec) -> set:
    """Ids of the nodes some output depends on."""
    by_id = {n.id: n for n in g.nodes}
    todo = [o.node for o in g.outputs if o.node in by_id]
    seen = set()
    while todo:
        nid = todo.pop()
        if nid in seen:
            continue
        seen.add(nid)
        todo.extend(i for i in by_id[nid].inputs if i in by_id)
    return seen


def not_sequential(g: model_spec.GraphSpec) -> list[tuple[str, dict]]:
    """Why `keras.Sequential` cannot build this graph, read off the graph: [(reason, params)].

    Empty for a chain. Reasons: "inputs" (several model inputs), "outputs" (several outputs),
    "merge" (a node takes several tensors), "fan_out" (a tensor goes to several nodes),
    "reuse" (a layer is called more than once).
    """
    def names(ids):
        return ", ".join(f"`{i}`" for i in ids)

    reasons = []
    ins = g.model_inputs()
    if len(ins) > 1:
        reasons.append(("inputs", {"n": len(ins), "names": names(ins)}))
    if len(g.outputs) > 1:
        reasons.append(("outputs", {"n": len(g.outputs), "names": names(o.node for o in g.outputs)}))
    for n in g.nodes:
        if len(n.inputs) > 1:
            reasons.append(("merge", {"node": n.id, "op": n.op, "n": len(n.inputs), "names": names(n.inputs)}))
    for nid, users in consumers(g).items():
        if len(users) > 1:
            reasons.append(("fan_out", {"node": nid, "n": len(users), "names": names(users)}))
    calls: dict = {}
    for n in g.nodes:
        if n.op == "Reuse" or (n.op != "Input" and n.op not in model_spec.MERGE_OPS):
            try:
                calls.setdefault(g.layer_of(n.id).id, []).append(n.inputs[0] if n.inputs else "?")
            except KeyError:
                continue
    for owner, on in calls.items():
        if len(on) > 1:
            reasons.append(("reuse", {"node": owner, "n": len(on), "names": names(on)}))
    return reasons


def loose_ends(g: model_spec.GraphSpec) -> list[tuple[str, dict]]:
    """What Keras accepts without a word but the learner should know: unused inputs and dead nodes."""
    used = reaches(g)
    out = []
    declared = set(g.model_inputs())
    for n in g.nodes:
        if n.id in used:
            continue
        if n.op == "Input" and n.id in declared:
            out.append(("unused_input", {"node": n.id}))
        elif n.op != "Input":
            out.append(("dead_node", {"node": n.id}))
    return out


# ----------------------------------------------------------------------------- editor steps
def fresh_id(g: model_spec.GraphSpec, base: str) -> str:
    ids = {n.id for n in g.nodes}
    base = re.sub(r"[^a-z0-9_]", "_", base.lower()) or "node"
    for k in range(1, MAX_NODES + 2):
        cand = f"{base}_{k}"
        if cand not in ids:
            return cand
    return f"{base}_{len(ids) + 1}"


def add_node(g: model_spec.GraphSpec, n: model_spec.NodeSpec) -> model_spec.GraphSpec:
    """Append a node at the bottom (it may take any node above it)."""
    if len(g.nodes) >= MAX_NODES:
        raise SpecError("too_many_nodes", n=len(g.nodes) + 1, max=MAX_NODES)
    if any(m.id == n.id for m in g.nodes):
        raise SpecError("name_duplicate", name=n.id)
    g.nodes.append(n)
    return g


def remove_node(g: model_spec.GraphSpec, node_id: str) -> model_spec.GraphSpec:
    """Take a node out; the nodes that took it take its inputs instead; calls of its layer go too."""
    gone = {node_id} | {n.id for n in g.nodes if n.op == "Reuse" and n.layer == node_id}
    keep = []
    for n in g.nodes:
        if n.id in gone:
            continue
        new_inputs = []
        for i in n.inputs:
            repl = g.node(i).inputs if i in gone else [i]
            for r in repl:
                if r not in new_inputs:
                    new_inputs.append(r)
        n.inputs = new_inputs
        keep.append(n)
    g.nodes = keep
    g.outputs = [o for o in g.outputs if o.node not in gone]
    if g.inputs is not None:
        g.inputs = [i for i in g.inputs if i not in gone]
    return g
