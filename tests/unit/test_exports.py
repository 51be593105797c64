"""Exports: the code runs as it is, the .keras file reloads and predicts the same, the CSVs are tables.

The page tests take the downloads' bytes where a browser would: from Streamlit's media file
manager (the .keras button's bytes are made only on click, by a job, as in the browser).
"""
from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from engine import exports, stack, userdata
from engine import spec as model_spec
from lessons import build_and_train as build_jobs  # noqa: I001
from tests.conftest import Ctx, open_page
from ui.text import translate

P = "build_and_train"


def _load(raw: bytes, tmp_path):
    import keras

    path = tmp_path / "model.keras"
    path.write_bytes(raw)
    return keras.models.load_model(path)


def _run_script(src: str, cwd, timeout=300) -> str:
    out = subprocess.run([sys.executable, "-c", src], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin", "HOME": str(cwd)})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


# ----------------------------------------------------------------------------- pure helpers
def test_history_csv_has_one_row_per_epoch():
    raw = exports.csv_bytes(exports.history_csv({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.3]}))
    df = exports.read_back(raw)
    assert list(df.columns) == ["epoch", "loss", "val_loss"] and df["epoch"].tolist() == [1, 2, 3]
    assert df["loss"].tolist() == [1.0, 0.5, 0.25]
    assert exports.read_back(exports.csv_bytes(exports.history_csv({}))).empty


def test_parameter_table_csv_keeps_keras_counts_and_arithmetic():
    from engine.build import build_model
    from engine.table import param_table

    model = build_model(model_spec.recommended())
    rows = param_table(model).to_dict("records")
    df = exports.read_back(exports.csv_bytes(exports.table_csv(rows)))
    assert df["layer"].tolist() == [layer.name for layer in model.layers]
    assert df["params"].tolist() == [layer.count_params() for layer in model.layers]
    assert df["params"].sum() == model.count_params() == 233
    assert "1×8 + 8 = 16" in df["arithmetic"].tolist()


# ----------------------------------------------------------------------------- the .keras file
@pytest.mark.parametrize("dataset", ["curve", "moons"])
def test_keras_file_reloads_and_is_the_model_trained_on_screen(dataset, tmp_path):
    from lessons import spec_jobs

    spec = stack.spec_from_controls(dataset=dataset, named=True, n_hidden=2, units=["8", "8"],
                                activations=["relu", "tanh"], optimizer="adam", learning_rate="0.01",
                                epochs="15", batch_size="32", validation_split=0.2).to_dict()
    out = build_jobs.keras_file(Ctx(), spec=spec, dataset=dataset)
    assert out["ok"] and out["file_name"] == f"{spec['name']}.keras"
    # Same builder, seed and fit as the training job: the same curve, so the same model.
    shown = spec_jobs.train_spec(Ctx(), spec=spec, dataset=dataset, with_predict=False)
    assert out["history"] == shown["history"]
    model = _load(out["data"], tmp_path)
    assert model.name == spec["name"] and [la.name for la in model.layers] == [
        "input_layer", "hidden1", "hidden2", "output"]
    np.testing.assert_allclose(model.predict(out["x_check"], verbose=0), out["y_check"], rtol=1e-6, atol=1e-6)
    assert model.optimizer.__class__.__name__ == "Adam" and model.loss == spec["loss"]


def test_keras_file_of_own_data(tmp_path):
    table = userdata.read_csv(userdata.example_csv(), "iris.csv")
    prep = userdata.prepare(table, "species", userdata.default_features(table, "species"))
    spec = stack.spec_from_controls(dataset=stack.MY_CSV, named=False, n_hidden=1, units=["8"], activations=["relu"],
                                optimizer="adam", learning_rate="0.01", epochs="10", batch_size="16",
                                validation_split=0.2, data_shape=(4,), task=prep.task, n_classes=3).to_dict()
    out = build_jobs.keras_file(Ctx(), spec=spec, x=prep.x, y=prep.y, task=prep.task)
    assert out["ok"] and out["file_name"] == "functional.keras"
    model = _load(out["data"], tmp_path)
    y = model.predict(prep.x[:5], verbose=0)
    assert y.shape == (5, 3) and np.allclose(y.sum(1), 1, atol=1e-5)  # softmax rows
    np.testing.assert_allclose(y, out["y_check"], rtol=1e-6, atol=1e-6)


def test_keras_file_refuses_what_training_refuses():
    bad = model_spec.recommended().replace(epochs=0).to_dict()
    assert build_jobs.keras_file(Ctx(), spec=bad, dataset="curve")["spec_error"][0] == "out_of_range"
    assert build_jobs.keras_file(Ctx(), spec=model_spec.recommended().to_dict(), dataset="nope")["spec_error"][0] == "choice_invalid"


# ----------------------------------------------------------------------------- the .py file runs as is
@pytest.mark.parametrize("dataset", ["curve", "moons"])
def test_generated_code_runs_as_is(dataset, tmp_path):
    from engine.codegen import source

    spec = stack.spec_from_controls(dataset=dataset, named=dataset == "curve", n_hidden=1, units=["8"],
                                activations=["relu"], optimizer="adam", learning_rate="0.01", epochs="3",
                                batch_size="32", validation_split=0.2)
    stdout = _run_script(source(spec, dataset), tmp_path)
    from engine.validate import count_dense_params

    assert "final loss:" in stdout and f"Total params: {count_dense_params(spec)}" in stdout


def test_generated_code_for_own_csv_runs_beside_the_file(tmp_path):
    raw = userdata.example_csv()
    (tmp_path / "iris.csv").write_bytes(raw)
    table = userdata.read_csv(raw, "iris.csv")
    prep = userdata.prepare(table, "species", userdata.default_features(table, "species"))
    spec = stack.spec_from_controls(dataset=stack.MY_CSV, named=True, n_hidden=1, units=["8"], activations=["relu"],
                                optimizer="adam", learning_rate="0.01", epochs="3", batch_size="16",
                                validation_split=0.2, data_shape=(4,), task=prep.task, n_classes=3)
    res = build_jobs.csv_code(None, spec=spec.to_dict(), file_name=table.file_name, sep=table.sep, encoding=table.encoding,
                     features=prep.features, target_column=prep.target, task=prep.task)
    stdout = _run_script(res["code"], tmp_path)
    assert "final loss:" in stdout
    assert any(s in stdout for s in ("'setosa'", "'versicolor'", "'virginica'"))  # class names back


# ----------------------------------------------------------------------------- on the page
@pytest.fixture
def media(monkeypatch):
    """Keep AppTest's media file manager, to read what a download button would serve."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager

    kept = []

    class Keeping(MediaFileManager):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            kept.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Keeping)

    def read(button) -> bytes:
        mgr = kept[-1]
        url = mgr.execute_deferred(button.proto.deferred_file_id) if button.proto.deferred_file_id else button.proto.url
        return mgr._storage.get_file(url.rsplit("/", 1)[-1]).content

    return read


def _buttons(at) -> dict:
    return {b.key: b for b in at.get("download_button")}


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_page_downloads(lang, media, tmp_path):
    at = open_page(P, lang, build_and_train_epochs="20")
    assert not at.exception
    b = _buttons(at)
    assert set(b) >= {f"{P}_dl_code", f"{P}_dl_model", f"{P}_dl_history", f"{P}_dl_table"}
    code = media(b[f"{P}_dl_code"]).decode()
    assert code.rstrip("\n") == next(c.value for c in at.code if "import keras" in c.value).rstrip("\n")
    assert "epochs=20" in code
    hist = exports.read_back(media(b[f"{P}_dl_history"]))
    assert len(hist) == 20 and list(hist.columns) == ["epoch", "loss", "val_loss"]
    shown_loss = next(m.value for m in at.metric if m.label == translate(lang, f"{P}.final_loss"))
    assert f"{hist['loss'].iloc[-1]:.4g}" == shown_loss
    table = exports.read_back(media(b[f"{P}_dl_table"]))
    assert table["params"].sum() == 233
    model = _load(media(b[f"{P}_dl_model"]), tmp_path)  # made on click, by the export job
    assert model.name == "regression_model" and model.count_params() == 233


def test_page_downloads_for_own_csv(media, tmp_path):
    at = open_page(P, "en", build_and_train_dataset=stack.MY_CSV, build_and_train_epochs="10")
    at.file_uploader(key=f"{P}_csv").set_value(("iris.csv", userdata.example_csv(), "text/csv")).run()
    assert not at.exception
    b = _buttons(at)
    code = media(b[f"{P}_dl_code"]).decode()
    assert 'pd.read_csv("iris.csv")' in code and "epochs=10" in code
    model = _load(media(b[f"{P}_dl_model"]), tmp_path)
    assert model.name == "multiclass_classifier" and tuple(model.outputs[0].shape) == (None, 3)
    x = pd.read_csv(io.BytesIO(userdata.example_csv())).iloc[:, :4].to_numpy("float32")
    assert model.predict(x[:3], verbose=0).shape == (3, 3)
