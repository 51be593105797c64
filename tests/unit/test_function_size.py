"""Small functions (issue 10): no function outside tests is longer than MAX_LINES.

A function's length runs from its `def` line to its last line, nested functions included:
a long body split into inner closures is still one long function to read.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("engine", "lessons", "runtime", "ui", "app_pages", "streamlit_app.py")
MAX_LINES = 60


def _sources():
    for name in SCANNED:
        path = ROOT / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _functions(tree, prefix=""):
    """(qualified name, length) of every function, methods and nested functions included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def long_functions(limit: int = MAX_LINES) -> list[str]:
    out = []
    for path in _sources():
        for name, length in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            if length > limit:
                out.append(f"{path.relative_to(ROOT)}:{name}:{length}")
    return out


def test_no_function_is_longer_than_60_lines():
    offenders = long_functions()
    assert not offenders, f"functions over {MAX_LINES} lines (file:name:length): " + ", ".join(offenders)


def test_the_scan_sees_methods_and_nested_functions():
    tree = ast.parse("class A:\n    def m(self):\n        def inner():\n            pass\n\n        return 1\n")
    assert dict(_functions(tree)) == {"A.m": 5, "A.m.inner": 2}
