"""Both languages complete; core free of Streamlit; no stray text or eval in code."""
import ast
import re
from pathlib import Path

from ui.text import CONTENT, LANGS, placeholders, strings

ROOT = Path(__file__).resolve().parents[2]


def test_both_languages_have_the_same_files():
    files = {lang: sorted(p.name for p in (CONTENT / lang).glob("*.toml")) for lang in LANGS}
    assert files["bn"] == files["en"]


def test_both_languages_have_the_same_keys():
    bn, en = strings("bn"), strings("en")
    assert sorted(set(bn) - set(en)) == [], "only in Bengali"
    assert sorted(set(en) - set(bn)) == [], "only in English"


def test_placeholders_agree_and_no_empty_strings():
    bn, en = strings("bn"), strings("en")
    for key in en:
        if isinstance(en[key], str):
            assert placeholders(en[key]) == placeholders(bn[key]), key
            assert en[key].strip() and bn[key].strip(), key


def test_bengali_text_is_really_bengali():
    bn = strings("bn")
    prose = [k for k in bn if k.endswith(".intro")]
    assert prose
    for k in prose:
        assert re.search(r"[\u0980-\u09FF]", bn[k]), k


def _py_files(*dirs):
    for d in dirs:
        yield from (ROOT / d).rglob("*.py")


def test_engine_lessons_runtime_never_import_streamlit():
    for path in _py_files("engine", "lessons", "runtime"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_pages_do_not_import_keras_or_tensorflow():
    for path in _py_files("app_pages", "ui"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] in ("keras", "tensorflow") for n in names), path


def test_no_eval_or_exec_anywhere():
    for path in _py_files("engine", "lessons", "runtime", "ui", "app_pages"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                assert name not in ("eval", "exec", "literal_eval"), (path, node.lineno)


def test_widgets_have_page_prefixed_keys():
    widget_calls = {"button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "slider", "select_slider",
                    "text_input", "number_input", "text_area", "file_uploader", "segmented_control", "pills",
                    "color_picker", "data_editor", "download_button", "form_submit_button"}
    for path in _py_files("app_pages"):
        page = path.stem
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in widget_calls:
                kw = {k.arg: k.value for k in node.keywords}
                assert "key" in kw, f"{path.name}:{node.lineno} widget without key"
                key = kw["key"]
                if isinstance(key, ast.Constant):
                    assert str(key.value).startswith(page), f"{path.name}:{node.lineno} key {key.value!r}"
                elif isinstance(key, ast.JoinedStr) and key.values and isinstance(key.values[0], ast.Constant):
                    assert str(key.values[0].value).startswith(page), f"{path.name}:{node.lineno}"
