"""What a learner takes home: the code as a .py file, the trained model as .keras, CSV tables.

The CSV helpers are pure pandas (the page calls them directly); `keras_file` and `csv_code`
are jobs, because they need Keras (`engine.codegen` imports it through `engine.build`).

`keras_file` trains the spec again in a worker exactly as `lessons.spec_jobs.train` does (same
builder, same seed, same `fit_fast`), so the file holds the model whose curve is on screen,
then saves it with `model.save` and returns the bytes with a few predictions to check a reload.
"""
from __future__ import annotations

import io
import json
import os
import tempfile

import numpy as np
import pandas as pd

from engine import spec as model_spec

TABLE_COLUMNS = ["layer", "type", "output_shape", "params", "trainable", "non_trainable", "arithmetic"]
CHECK_ROWS = 5


def base_name(spec_dict: dict) -> str:
    """The model's name (a checked identifier) or Keras's default, for file names."""
    return spec_dict.get("name") or "functional"


def history_csv(history: dict) -> str:
    """Keras's `history.history` as one row per epoch: epoch, loss, val_loss, metrics..."""
    cols = {k: list(v) for k, v in (history or {}).items() if isinstance(v, (list, tuple, np.ndarray))}
    n = max((len(v) for v in cols.values()), default=0)
    df = pd.DataFrame({"epoch": range(1, n + 1)})
    for k, v in cols.items():
        df[k] = list(v) + [None] * (n - len(v))
    return df.to_csv(index=False)


def table_csv(table: list[dict]) -> str:
    """The parameter table (one row per layer, with the arithmetic), as the page shows it."""
    df = pd.DataFrame(table or [], columns=TABLE_COLUMNS)
    return df.to_csv(index=False)


# ----------------------------------------------------------------------------- generated code, own data
def _lit(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def data_lines(file_name: str, sep: str, encoding: str, features: list[str], target: str, task: str,
               seed: int) -> list[str]:
    """pandas statements that redo engine.userdata.prepare on the learner's file.

    Column names came from the file: a JSON string is also a valid Python string literal,
    whatever it contains, and it is double-quoted like the rest of the code.
    """
    opts = (f", sep={_lit(sep)}" if sep != "," else "") + (", encoding=\"cp1252\"" if encoding == "cp1252" else "")
    lines = [
        f"data = pd.read_csv({_lit(file_name)}{opts})",
        f"features = [{', '.join(_lit(f) for f in features)}]",
        f"target = {_lit(target)}",
        "# Rows with a missing value are left out; the rows are shuffled because Keras takes",
        "# the validation split from the end, and files are often sorted.",
        "data = data[features + [target]].replace([np.inf, -np.inf], np.nan).dropna()",
        f"data = data.iloc[np.random.default_rng({seed}).permutation(len(data))]",
        'x_train = data[features].to_numpy("float32")',
        "std = x_train.std(0)",
        "x_train = (x_train - x_train.mean(0)) / np.where(std > 0, std, 1)  # each feature standardised",
    ]
    if task == "regression":
        lines += [
            'y_train = data[target].to_numpy("float32").reshape(-1, 1)',
            "y_train = (y_train - y_train.mean()) / y_train.std()",
        ]
    else:
        lines += [
            "classes = sorted(data[target].unique())",
            "y_train = data[target].map({c: i for i, c in enumerate(classes)})"
            '.to_numpy("float32").reshape(-1, 1)  # class index',
        ]
    return lines


def csv_source(spec: model_spec.ModelSpec, file_name: str, sep: str, encoding: str, features: list[str], target: str,
               task: str) -> str:
    """The whole runnable script for a model trained on the learner's CSV (needs the file beside it)."""
    from engine.codegen import optimizer_code, model_lines

    out = ["import numpy as np", "import pandas as pd", "import keras", "from keras import Input, Model",
           "from keras.layers import Dense", "", f"keras.utils.set_random_seed({spec.seed})", ""]
    out += data_lines(file_name, sep, encoding, features, target, task, spec.seed) + [""]
    out += model_lines(spec) + ["model.summary()", ""]
    metrics = f", metrics={list(spec.metrics)!r}".replace("'", '"') if spec.metrics else ""
    out.append(f'model.compile(optimizer={optimizer_code(spec)}, loss="{spec.loss}"{metrics})')
    out += [
        "",
        f"history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.fit_batch_size},",
        f"                    validation_split={spec.validation_split:g}, verbose=0)",
        'print("final loss:", history.history["loss"][-1])',
        "",
        "y_pred = model.predict(x_train[:5], verbose=0)",
        "print(y_pred)",
    ]
    if task == "binary":
        out.append("print([classes[int(p > 0.5)] for p in y_pred[:, 0]])")
    elif task == "multiclass":
        out.append("print([classes[i] for i in y_pred.argmax(1)])")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- trained model
def model_bytes(model) -> bytes:
    """`model.save` to a .keras file, read back as bytes (Keras saves to a path)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def csv_bytes(text: str) -> bytes:
    """UTF-8 with a byte-order mark: spreadsheet programs then read × and Bengali correctly."""
    return text.encode("utf-8-sig")


def read_back(raw: bytes) -> pd.DataFrame:
    """A CSV made here, read again (tests, and a check that the bytes are a table)."""
    return pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
