"""The architecture as tests: which layer may import which, and every job a page runs is real.

Layers (docs/ARCHITECTURE.md): app_pages -> ui -> runtime -> (worker) -> lessons -> engine.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.jobs import is_job, resolve, target

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("app_pages", "ui", "runtime", "lessons", "engine")
# What each layer must not import (besides its own rules below).
FORBIDDEN = {
    "engine": {"streamlit", "ui", "lessons", "runtime", "app_pages"},
    "lessons": {"streamlit", "ui", "app_pages"},
    "runtime": {"streamlit", "ui", "lessons", "engine", "app_pages", "keras", "tensorflow"},
    "ui": {"app_pages", "keras", "tensorflow"},
    "app_pages": {"keras", "tensorflow"},
}
CLIENT_FUNCTIONS = {"call", "submit", "lesson", "cached", "run"}


def _files(layer):
    return sorted((ROOT / layer).rglob("*.py"))


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node, a.name, None
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                yield node, node.module, a.name


@pytest.mark.parametrize("layer", LAYERS)
def test_dependencies_run_one_way(layer):
    for path in _files(layer):
        for node, module, _ in _imports(ast.parse(path.read_text())):
            top = module.split(".")[0]
            assert top not in FORBIDDEN[layer], f"{path.relative_to(ROOT)}:{node.lineno} imports {module}"


def test_no_private_name_is_imported_across_modules():
    for layer in LAYERS:
        for path in _files(layer):
            for node, module, name in _imports(ast.parse(path.read_text())):
                if name and module.split(".")[0] in LAYERS:
                    assert not name.startswith("_"), f"{path.relative_to(ROOT)}:{node.lineno} imports {module}.{name}"


def test_no_one_letter_module_aliases():
    for layer in LAYERS + ("tests",):
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for a in node.names:
                        assert not (a.asname and len(a.asname) == 1), f"{path.relative_to(ROOT)}:{node.lineno} as {a.asname}"


def test_importing_lessons_and_ui_does_not_load_keras():
    """Pages import lesson modules for their job handles: that must not cost TensorFlow."""
    mods = [f"lessons.{p.stem}" for p in _files("lessons") if p.stem != "__init__"]
    mods += [f"ui.{p.stem}" for p in _files("ui") if p.stem != "__init__"]
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = [m for m in ('keras', 'tensorflow') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"importing lessons/ui loaded {out.stdout.strip()}"


def _job_aliases(tree):
    """Names bound to lesson modules in a file: `from lessons import x as jobs` -> {"jobs": "lessons.x"}."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lessons":
            for a in node.names:
                aliases[a.asname or a.name] = f"lessons.{a.name}"
    return aliases


def _job_calls():
    """Every (file, line, job function, keyword names) where app_pages/ or ui/ hands a job to the client."""
    found = []
    for layer in ("app_pages", "ui"):
        for path in _files(layer):
            tree = ast.parse(path.read_text())
            aliases = _job_aliases(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
                    continue
                if node.value.id not in aliases:
                    continue
                fn = getattr(importlib.import_module(aliases[node.value.id]), node.attr)
                if callable(fn) and inspect.isfunction(fn) and is_job(fn):
                    found.append((path, node, fn))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    first = node.args[-1] if name == "run" else node.args[0]
                    if name in CLIENT_FUNCTIONS and isinstance(first, ast.Constant) and isinstance(first.value, str) \
                            and ":" in first.value:
                        raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} names a job by a string")
    return found


def test_every_job_handle_in_pages_and_ui_resolves_and_its_keywords_bind():
    seen = 0
    for layer in ("app_pages", "ui"):
        for path in _files(layer):
            tree = ast.parse(path.read_text())
            aliases = _job_aliases(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                handles = [a for a in node.args if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name)
                           and a.value.id in aliases]
                for h in handles:
                    fn = getattr(importlib.import_module(aliases[h.value.id]), h.attr)
                    if not is_job(fn):
                        continue
                    seen += 1
                    assert resolve(target(fn)) is fn
                    kwargs = [k.arg for k in node.keywords if k.arg]
                    params = inspect.signature(fn).parameters
                    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
                    # Keywords the client's helpers consume themselves (run()'s label, total_epochs;
                    # ui.live.run takes the job's arguments as a dict and these for itself).
                    own = {"total_epochs", "label", "page", "slot", "total", "figure", "done_of", "partial",
                           "stop_button"}
                    for k in kwargs:
                        assert takes_any or k in params or k in own, \
                            f"{path.relative_to(ROOT)}:{node.lineno} passes {k}= to {target(fn)}"
    assert seen >= 20, seen
    assert _job_calls()


def test_worker_refuses_what_is_not_a_job():
    for name in ("lessons.spec_jobs:np", "engine.build:build", "os:system", "lessons.exam:check",
                 "lessons.spec_jobs:", "lessons.nope:train"):
        with pytest.raises((ValueError, ModuleNotFoundError)):
            resolve(name)
