"""The one door from pages to the engine: `call("core.module:function", **kwargs)`.

Pages never import Keras. Jobs are plain functions `fn(ctx, **kwargs)` in core modules
that list them in `__jobs__`; they take and return picklable data. This first version
runs them in-process; the worker-pool version keeps the same signature.
"""
from __future__ import annotations

import importlib


class _Ctx:
    def __init__(self, on_emit=None):
        self._on_emit = on_emit

    def emit(self, msg):
        if self._on_emit:
            self._on_emit(msg)

    def cancelled(self) -> bool:
        return False


def resolve(job: str):
    mod_name, _, fn_name = job.partition(":")
    if not mod_name.startswith("core.") or not fn_name:
        raise ValueError(f"not a job: {job}")
    mod = importlib.import_module(mod_name)
    if fn_name not in getattr(mod, "__jobs__", ()):
        raise ValueError(f"not a job: {job}")
    return getattr(mod, fn_name)


def call(job: str, **kwargs):
    """Run a job and return its result (raises what the job raises)."""
    return resolve(job)(_Ctx(), **kwargs)
