"""Code shown = code run: the `code` a lesson job returns, run in a separate Python process, builds what the job built.

One subprocess per job: it runs each setting's code in a fresh namespace after
`keras.backend.clear_session()` (so Keras names layers as a brand-new session would, like the
job's `fresh_names()`), then the few lines appended here report what the code made.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.results import keras_failure
from engine.table import shape_text
from lessons import dense_layer as LD
from lessons import input_layer as LI
from lessons import model_container as LM
from lessons import outputs_tensor as LO

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"

# Runs every snippet read from stdin; prints one JSON line per snippet: what it reported, or what it raised.
DRIVER = r"""
import contextlib, io, json, re, sys
import keras

results = []
for source in json.load(sys.stdin):
    keras.backend.clear_session()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<lesson code>", "exec"), {"__name__": "__main__"})
        lines = [l for l in out.getvalue().splitlines() if l.startswith("REPORT ")]
        results.append({"ok": True, "report": json.loads(lines[-1][len("REPORT "):])})
    except Exception as exc:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
        results.append({"ok": False, "type": type(exc).__name__, "message": message})
print("RESULTS " + json.dumps(results))
"""


def run_codes(sources: list[str]) -> list[dict]:
    """Run each source in one separate Python process; what each one reported."""
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    proc = subprocess.run([python, "-c", DRIVER], check=False, input=json.dumps(sources), capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULTS ")][-1]
    return json.loads(line[len("RESULTS "):])


def with_report(code: str, fields: str) -> str:
    """The job's code, then one line printing `fields` (a dict expression) as JSON."""
    return code + "\nimport json as _json\nprint('REPORT ' + _json.dumps(" + fields + "))\n"


def same_refusal(ran: dict, said) -> None:
    assert said is not None, "a failed job result that is not Keras's refusal"
    assert not ran["ok"] and ran["type"] == said.type
    assert ran["message"][:200] == said.message[:200]


def accepted_runs(job, settings: list[dict], report: str) -> list[tuple[dict, dict, dict]]:
    """Run `job` with each setting, then its code in a separate process. Where Keras refused, the
    code must raise the same error; for the rest, (setting, job result, what the code reported)."""
    results = [job(None, **s) for s in settings]
    runs = run_codes([with_report(r["code"], report) for r in results])
    accepted = []
    for setting, res, ran in zip(settings, results, runs):
        if not res["ok"]:
            same_refusal(ran, keras_failure(res))
            continue
        assert ran["ok"], (setting, ran)
        accepted.append((setting, res, ran["report"]))
    return accepted


# ---------------------------------------------------------------- Dense()

DENSE_SETTINGS = [
    {},
    {"units": 8, "activation": None, "use_bias": False, "kernel_initializer": "he_normal", "seed": 7},
    {"in_features": 5, "kernel_regularizer": "l1_l2", "bias_initializer": "ones", "name": "h", "activation": "tanh"},
    {"units": 2, "kernel_initializer": "random_normal", "bias_initializer": "glorot_normal",
     "kernel_regularizer": "l1", "seed": 3, "activation": "softmax"},
]

DENSE_REPORT = ('{"name": layer.name, "params": int(layer.count_params()), "output_shape": list(outputs.shape), '
                '"W": layer.kernel.numpy().tolist(), "b": layer.bias.numpy().tolist() if layer.use_bias else None, '
                '"y": np.asarray(layer(x))[0].tolist(), '
                '"penalty": float(sum(float(v) for v in layer.losses)) if layer.losses else None}')


def test_dense_layer_code_builds_the_same_layer():
    results = [LD.dense_layer(None, **s) for s in DENSE_SETTINGS]
    assert all(r["ok"] for r in results)
    runs = run_codes([with_report(r["code"], DENSE_REPORT) for r in results])
    for setting, res, ran in zip(DENSE_SETTINGS, results, runs):
        assert ran["ok"], (setting, ran)
        got = ran["report"]
        assert got["name"] == res["layer_name"], setting
        assert got["params"] == res["params"], setting
        assert shape_text(got["output_shape"]) == res["output_shape"], setting
        # Seeded initializers: the code draws the very weights the page shows.
        np.testing.assert_allclose(got["W"], res["W"], rtol=1e-6, atol=1e-7)
        if res["b"] is None:
            assert got["b"] is None
        else:
            np.testing.assert_allclose(got["b"], res["b"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(got["y"], res["y_keras"], rtol=1e-5, atol=1e-6)
        if res["penalty"] is None:
            assert got["penalty"] is None, setting
        else:
            assert got["penalty"] == pytest.approx(res["penalty"], rel=1e-5)


# ---------------------------------------------------------------- outputs tensor / heads

HEAD_SETTINGS = [
    {"task": "regression", "units": 1, "activation": None},
    {"task": "binary", "units": 1, "activation": "sigmoid"},
    {"task": "multiclass", "units": 3, "activation": "softmax"},
    {"task": "multiclass", "units": 1, "activation": "sigmoid"},  # the backend refuses to train it; the code still builds
]

HEAD_REPORT = ('{"params": int(model.count_params()), "output_shape": list(model.output.shape), '
               '"names": [l.name for l in model.layers], "model_name": model.name, "repr": repr(outputs), '
               '"loss": model.loss, "lr": float(model.optimizer.learning_rate.numpy())}')


def test_output_head_code_builds_the_same_model():
    results = [LO.output_head(None, steps=1, **s) for s in HEAD_SETTINGS]
    runs = run_codes([with_report(r["code"], HEAD_REPORT) for r in results])
    for setting, res, ran in zip(HEAD_SETTINGS, results, runs):
        assert ran["ok"], (setting, ran)
        got = ran["report"]
        assert got["params"] == res["model"]["params"], setting
        assert shape_text(got["output_shape"]) == res["model"]["output_shape"], setting
        assert got["repr"] == res["outputs"]["repr"], setting
        assert got["names"] == ["input_layer", "hidden1", "hidden2", "output"]
        assert got["model_name"] == f"{setting['task']}_model"
        assert got["loss"] == res["loss"]
        assert got["lr"] == pytest.approx(0.02)


# ---------------------------------------------------------------- Input()

INPUT_SETTINGS = [
    {"shape": [28, 28, 1]},
    {"shape": [10], "batch_size": 32, "name": "features", "dtype": "float16"},
    {"shape": [3], "sparse": True},
    {"shape": None},  # Keras refuses: the code must raise the same error
]

INPUT_REPORT = ('{"repr": repr(inputs), "shape": list(inputs.shape), "name": inputs.name, "dtype": str(inputs.dtype), '
                '"layer": inputs._keras_history.operation.name, "sparse": bool(inputs.sparse)}')


def test_input_tensor_code_makes_the_same_tensor():
    for setting, res, got in accepted_runs(LI.input_tensor, INPUT_SETTINGS, INPUT_REPORT):
        assert got["repr"] == res["repr"], setting
        assert shape_text(got["shape"]) == res["shape"], setting
        assert got["name"] == res["tensor_name"] and got["layer"] == res["layer_name"], setting
        assert got["dtype"] == res["dtype"] and got["sparse"] == res["sparse"], setting


# ---------------------------------------------------------------- Model()

CONTAINER_SETTINGS = [
    {},
    {"style": "positional", "name": "m", "trainable": False},
    {"outputs_choice": "x", "name": "features_only"},
    {"inputs_choice": None},  # Keras refuses: the code must raise the same error
    {"inputs_choice": None, "outputs_choice": None},  # an empty shell, no layers
]

CONTAINER_REPORT = ('{"model_name": model.name, "type": type(model).__name__, "names": [l.name for l in model.layers], '
                    '"output_shape": list(model.output.shape) if model.layers else None, '
                    '"params": int(model.count_params()) if model.layers else None, '
                    '"trainable": [[l.name, bool(l.trainable)] for l in model.layers]}')


def test_container_code_builds_the_same_model():
    for setting, res, got in accepted_runs(LM.container, CONTAINER_SETTINGS, CONTAINER_REPORT):
        assert got["model_name"] == res["model_name"] and got["type"] == res["model_type"], setting
        assert len(got["names"]) == res["n_layers"], setting
        if res["empty"]:
            assert got["names"] == [], setting
            continue
        assert got["names"] == res["names"], setting
        assert shape_text(got["output_shape"]) == res["output_shape"], setting
        assert got["params"] == res["totals"]["params"], setting
        assert got["trainable"] == res["layer_trainable"], setting
