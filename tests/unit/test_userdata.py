"""Own data: reading and checking a CSV (bad files get a message in both languages), the arrays,
the head that follows the target, training through the engine, and the page's upload flow."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from engine import exports, stack, userdata
from engine.validate import SpecError
from lessons import build_and_train as build_jobs  # noqa: I001
from tests.conftest import Ctx, open_page, texts
from ui.text import strings, translate

P = "build_and_train"


def _csv(df: pd.DataFrame, **kw) -> bytes:
    return df.to_csv(index=False, **kw).encode()


def _frame(n=60, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": rng.integers(0, 5, n), "y": 2 * a - b + rng.normal(0, .1, n)})


def _code(fn, *args, **kw) -> str:
    with pytest.raises(SpecError) as e:
        fn(*args, **kw)
    return e.value.code


# ----------------------------------------------------------------------------- bad files
BAD_FILES = {
    "csv_empty": b"",
    "csv_too_big": b"a,b\n" + b"1,2\n" * (userdata.MAX_BYTES // 4 + 10),
    "csv_unreadable": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "csv_one_column": b"only\n" + b"1\n" * 40,
    "csv_too_few_rows": b"a,b\n1,2\n3,4\n",
    "csv_too_many_rows": b"a,b\n" + b"1,2\n" * (userdata.MAX_ROWS + 1),
    "csv_too_many_columns": (",".join(f"c{i}" for i in range(userdata.MAX_COLUMNS + 1)) + "\n"
                             + ",".join("1" for _ in range(userdata.MAX_COLUMNS + 1)) + "\n").encode() * 1,
    "csv_long_name": ("x" * (userdata.MAX_NAME + 1) + ",y\n" + "1,2\n" * 30).encode(),
}


@pytest.mark.parametrize("code", sorted(BAD_FILES))
def test_bad_files_are_refused_with_their_reason(code):
    assert _code(userdata.read_csv, BAD_FILES[code], "bad.csv") == code


def test_every_csv_message_exists_in_both_languages():
    codes = {k.split(".", 1)[1] for k in strings("en") if k.startswith(f"{P}.csv_")}
    assert set(BAD_FILES) <= codes
    for lang in ("bn", "en"):
        for c in codes:
            assert translate(lang, f"{P}.{c}") != f"{P}.{c}"


def test_separators_and_encodings_are_recognised():
    df = _frame()
    for sep in (";", "\t", "|"):
        table = userdata.read_csv(_csv(df, sep=sep), "semi.csv")
        assert table.sep == sep and list(table.df.columns) == list(df.columns)
    latin = "name,value\n" + "".join(f"caf\xe9{i},{i}\n" for i in range(30))
    table = userdata.read_csv(latin.encode("cp1252"), "latin.csv")
    assert table.encoding == "cp1252" and table.df["name"][0] == "caf\xe90"
    assert userdata.read_csv(b"\xef\xbb\xbf" + _csv(df), "bom.csv").df.columns[0] == "a"  # Excel's byte-order mark


def test_file_names_are_safe_for_generated_code():
    assert userdata.safe_file_name("my data (1).csv") == "mydata1.csv"
    assert userdata.safe_file_name("../../etc/passwd") == "my_data.csv"
    assert userdata.safe_file_name("ডেটা.csv") == "my_data.csv"
    assert userdata.safe_file_name('a";import os;".csv') == "aimportos.csv"


# ----------------------------------------------------------------------------- bad column choices
def test_bad_column_choices_are_refused_with_their_reason():
    df = _frame()
    df["text"] = ["x", "y"] * 30
    df["const"] = 1.0
    table = userdata.read_csv(_csv(df), "d.csv")
    assert _code(userdata.prepare, table, "nope", ["a"]) == "csv_no_target"
    assert _code(userdata.prepare, table, "y", []) == "csv_no_features"
    assert _code(userdata.prepare, table, "y", ["a", "y"]) == "csv_target_is_feature"
    assert _code(userdata.prepare, table, "y", ["a", "text"]) == "csv_text_feature"
    assert _code(userdata.prepare, table, "const", ["a"]) == "csv_constant_target"
    assert _code(userdata.prepare, table, "text", ["a"], "regression") == "csv_text_target_regression"
    assert _code(userdata.prepare, table, "y", ["a"], "classification") == "csv_too_many_classes"
    assert _code(userdata.prepare, table, "y", ["a"], "sideways") == "choice_invalid"
    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(30, userdata.MAX_FEATURES + 2)))
    wide.columns = [f"f{i}" for i in wide.columns]
    t2 = userdata.read_csv(_csv(wide), "wide.csv")
    assert _code(userdata.prepare, t2, "f0", list(t2.df.columns[1:])) == "csv_too_many_features"


def test_missing_values_leave_rows_out_and_too_few_left_is_refused():
    df = _frame(60)
    df.loc[:9, "a"] = np.nan
    df.loc[10, "y"] = np.inf
    prep = userdata.prepare(userdata.read_csv(_csv(df), "m.csv"), "y", ["a", "b"])
    assert prep.dropped == 11 and prep.rows == 49 and not np.isnan(prep.x).any()
    df.loc[:45, "b"] = np.nan
    assert _code(userdata.prepare, userdata.read_csv(_csv(df), "m.csv"), "y", ["a", "b"]) == "csv_too_few_after_missing"


def test_too_much_training_is_refused():
    userdata.check_work(userdata.MAX_ROWS, userdata.MAX_SAMPLE_EPOCHS // userdata.MAX_ROWS)
    assert _code(userdata.check_work, userdata.MAX_ROWS, userdata.MAX_SAMPLE_EPOCHS // userdata.MAX_ROWS + 1) == "csv_too_much_work"


# ----------------------------------------------------------------------------- the head follows the target
@pytest.mark.parametrize("target,task,n_classes,units,activation,loss", [
    ("y", "regression", 0, 1, "linear", "mse"),
    ("bin", "binary", 2, 1, "sigmoid", "binary_crossentropy"),
    ("c", "multiclass", 5, 5, "softmax", "sparse_categorical_crossentropy"),
    ("word", "multiclass", 3, 3, "softmax", "sparse_categorical_crossentropy"),
])
def test_input_shape_and_head_follow_the_columns(target, task, n_classes, units, activation, loss):
    df = _frame(90)
    df["bin"] = (df["a"] > 0).astype(int)
    df["word"] = np.array(["cat", "dog", "emu"])[np.arange(90) % 3]
    table = userdata.read_csv(_csv(df), "d.csv")
    feats = ["a", "b"]
    prep = userdata.prepare(table, target, feats)
    assert prep.task == task and len(prep.classes) == n_classes
    assert prep.x.shape == (90, 2) and prep.y.shape == (90, 1) and prep.x.dtype == np.float32
    assert np.allclose(prep.x.mean(0), 0, atol=1e-5) and np.allclose(prep.x.std(0), 1, atol=1e-4)
    spec = stack.spec_from_controls(dataset=stack.MY_CSV, named=True, n_hidden=1, units=["8"], activations=["relu"],
                                optimizer="adam", learning_rate="0.01", epochs="20", batch_size="16",
                                validation_split=0.2, data_shape=(prep.n_features,), task=prep.task,
                                n_classes=len(prep.classes))
    assert spec.input_shape == (2,)
    assert (spec.output.units, spec.output.activation, spec.loss) == (units, activation, loss)
    from engine.build import build_model

    model = build_model(spec)  # the installed Keras agrees on the shapes
    assert tuple(model.inputs[0].shape) == (None, 2) and tuple(model.outputs[0].shape) == (None, units)


def test_generated_data_code_redoes_the_preparation(tmp_path):
    """The downloaded script's pandas lines give exactly the arrays the lab trained on."""
    df = _frame(80)
    df.loc[3, "b"] = np.nan
    df["kind"] = np.array(["b", "a", "c", "a"])[np.arange(80) % 4]
    raw = _csv(df, sep=";")
    (tmp_path / "mine.csv").write_bytes(raw)
    table = userdata.read_csv(raw, "mine.csv")
    for target, feats in (("y", ["a", "b", "c"]), ("kind", ["a", "c"])):
        prep = userdata.prepare(table, target, feats)
        lines = exports.data_lines(table.file_name, table.sep, table.encoding, feats, target, prep.task, 0)
        script = "\n".join(["import numpy as np", "import pandas as pd", *lines,
                            "np.save('x.npy', x_train); np.save('y.npy', y_train)"])
        subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, timeout=120)
        assert np.array_equal(np.load(tmp_path / "x.npy"), prep.x)
        assert np.array_equal(np.load(tmp_path / "y.npy"), prep.y)


def test_hostile_column_names_stay_string_literals():
    import ast

    lines = exports.data_lines("d.csv", ",", "utf-8-sig", ['a"); import os; ("', "b\\n"], 'y"\n', "regression", 0)
    tree = ast.parse("\n".join(lines))  # the whole data block is valid Python...
    features, target = tree.body[1], tree.body[2]
    # ...and the names stay plain string constants: nothing in them runs.
    assert [e.value for e in features.value.elts] == ['a"); import os; ("', "b\\n"]
    assert all(isinstance(e, ast.Constant) for e in features.value.elts)
    assert isinstance(target.value, ast.Constant) and target.value.value == 'y"\n'
    assert sum(isinstance(n, ast.Import) for n in ast.walk(tree)) == 0


# ----------------------------------------------------------------------------- training job
def test_training_job_on_own_arrays_streams_and_learns():
    table = userdata.read_csv(userdata.example_csv(), "iris.csv")
    prep = userdata.prepare(table, "species", userdata.default_features(table, "species"))
    spec = stack.spec_from_controls(dataset=stack.MY_CSV, named=True, n_hidden=1, units=["16"], activations=["relu"],
                                optimizer="adam", learning_rate="0.01", epochs="60", batch_size="16",
                                validation_split=0.2, data_shape=(4,), task=prep.task, n_classes=3)
    ctx = Ctx()
    res = build_jobs.train_csv(ctx, spec=spec.to_dict(), x=prep.x, y=prep.y, task=prep.task)
    assert res["ok"] and res["status"] == "done" and len(ctx.messages) == 60
    assert res["history"]["val_accuracy"][-1] > 0.8
    m = np.asarray(res["predict"]["matrix"])
    assert res["predict"]["kind"] == "confusion" and m.shape == (3, 3) and m.sum() == 30
    bad = build_jobs.train_csv(ctx, spec=spec.to_dict(), x=prep.x[:, :3], y=prep.y, task=prep.task)
    assert bad == {"ok": False, "spec_error": ("csv_shape_mismatch", {})}


# ----------------------------------------------------------------------------- the page
def _upload(at, raw: bytes, name="data.csv"):
    return at.file_uploader(key=f"{P}_csv").set_value((name, raw, "text/csv")).run()


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_page_trains_on_an_uploaded_csv(lang):
    at = open_page(P, lang, build_and_train_dataset="my_csv")
    assert not at.exception
    assert translate(lang, f"{P}.upload_prompt") in texts(at)
    _upload(at, userdata.example_csv(), "iris.csv")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "`(4,)`" in shown and 'Dense(3, activation="softmax")' in shown
    assert translate(lang, f"{P}.model_name", name="multiclass_classifier") in shown
    assert any('pd.read_csv("iris.csv")' in c.value and 'target = "species"' in c.value for c in at.code)
    at.radio(key=f"{P}_predict_guess").set_value("(5, 3)").run()  # predict() waits for a guess (issue 12 §4)
    charts = [json.loads(el.proto.spec) for el in at.main if getattr(el, "type", "") == "plotly_chart"]
    assert charts[-1]["data"][0]["type"] == "heatmap"  # the confusion matrix
    # The upload lives in this session only: no shared cache holds its bytes or its arrays.
    assert at.session_state[f"{P}__csv_table"][1].file_name == "iris.csv"
    # A different file: its own default columns, not the previous file's (which it lacks).
    df = _frame(40)
    _upload(at, _csv(df), "other.csv")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key=f"{P}_target").value == "y"
    assert at.multiselect(key=f"{P}_features").value == ["a", "b", "c"]
    assert "`(3,)`" in texts(at)
    _upload(at, userdata.example_csv(), "iris.csv")
    # Another target: regression, the shape follows the features left.
    at.selectbox(key=f"{P}_target").set_value("petal_width").run()
    assert not at.exception and not at.error
    assert "`(3,)`" in texts(at) and at.multiselect(key=f"{P}_features").value == [
        "sepal_length", "sepal_width", "petal_length"]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_page_explains_bad_csvs_and_keeps_the_last_good_model(lang):
    at = open_page(P, lang)
    params = next(m.value for m in at.metric if m.label == translate(lang, "common.total_params"))
    at.selectbox(key=f"{P}_dataset").set_value("my_csv").run()
    df = _frame(40)
    df["text"] = ["p", "q"] * 20
    cases = [
        (BAD_FILES["csv_too_few_rows"], "csv_too_few_rows", {"n": 2, "min": userdata.MIN_ROWS}),
        (BAD_FILES["csv_unreadable"], "csv_unreadable", {}),
        (b"a,b\n" + b"1,1\n" * 30, "csv_constant_target", {"name": "b"}),
    ]
    for raw, code, params_ in cases:
        _upload(at, raw)
        assert not at.exception, code
        assert at.error and at.error[0].value == translate(lang, f"{P}.{code}", **params_), code
        assert next(m.value for m in at.metric if m.label == translate(lang, "common.total_params")) == params
    _upload(at, _csv(df))
    assert at.selectbox(key=f"{P}_target").value == "text"  # the last column; text means classes
    assert not at.error
    at.selectbox(key=f"{P}_target").set_value("y").run()
    at.multiselect(key=f"{P}_features").set_value(["a", "text"]).run()
    assert at.error[0].value == translate(lang, f"{P}.csv_text_feature", names="`text`")
