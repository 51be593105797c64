"""Jobs: the functions a worker may run, marked with `@job` where they are defined.

A page passes the function itself (`client.call(dense_layer.dense_layer, units=4)`), so a
reader jumps from a page to its job, and a misspelled keyword fails in the page's process
(`check_kwargs`), not inside a worker. Over the wire a job travels as "module:function";
a worker runs it only if that name resolves to a function marked `@job` in an allowed
package: it never runs arbitrary code named by a request.
"""
from __future__ import annotations

import importlib
import inspect

JOB_PACKAGES = ("lessons.",)
_MARK = "__kfl_job__"


def job(fn):
    """Mark `fn(ctx, **kwargs)` as runnable by a worker."""
    setattr(fn, _MARK, True)
    return fn


def is_job(fn) -> bool:
    return callable(fn) and getattr(fn, _MARK, False) is True


def target(fn) -> str:
    """The wire name of a job function: "module:function"."""
    if not is_job(fn):
        raise ValueError(f"not a job: {fn!r}")
    return f"{fn.__module__}:{fn.__name__}"


def resolve(name: str, packages: tuple = JOB_PACKAGES):
    """"module:function" -> the job function, if it is one marked `@job` in an allowed package."""
    mod_name, _, fn_name = str(name).partition(":")
    if not fn_name or not any(mod_name.startswith(p) for p in packages):
        raise ValueError(f"not a job: {name}")
    fn = getattr(importlib.import_module(mod_name), fn_name, None)
    if not is_job(fn) or fn.__module__ != mod_name:
        raise ValueError(f"not a job: {name}")
    return fn


def check_kwargs(fn, kwargs: dict) -> None:
    """Raise TypeError here, in the caller, if `fn(ctx, **kwargs)` would not bind."""
    inspect.signature(fn).bind(None, **kwargs)
