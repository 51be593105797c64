"""Slow results computed once per server, before anyone asks; comparisons run when asked for.

- `DEFAULTS`: the slow jobs of the freezing pages with the arguments their widgets start with.
  `start()` (called on every run, cheap after the first) computes them, and the quick jobs
  those pages need at once, one job at a time in a background thread, into the one shared
  result cache (`ui.live.RESULTS`): the first learner on a fresh server finds them ready, and
  a second worker stays free for whoever arrives meanwhile.
- `on_request(slot, job, args, label)`: True when `job(**args)` may run now: its result is
  already known (any learner's), the arguments are the page's defaults, or this learner
  pressed the button drawn here. So moving a slider does not start a long comparison; the
  button beside the controls does, and every learner after that gets it at once.
"""
from __future__ import annotations

import os
import sys
import threading
import time

import streamlit as st

from lessons import fine_tuning as ft_jobs
from lessons import transfer_learning as tl_jobs
from lessons import weight_freeze as wf_jobs

# The widgets' starting values on each page (a test checks them against the pages).
DEFAULTS = {
    "fine_tuning.run": (ft_jobs.finetune, {"k": 8, "lr": 0.001, "n_per_class": 5, "epochs": 20}),
    "fine_tuning.race": (ft_jobs.race, {"k": 8, "lr_normal": 0.01, "lr_low": 0.0001, "n_per_class": 5,
                                        "head_epochs": 15, "epochs": 20}),
    "fine_tuning.bn": (ft_jobs.bn_demo, {"n_per_class": 5, "epochs": 20, "lr": 0.001}),
    "transfer_learning.compare": (tl_jobs.compare, {"n_per_class": 5, "epochs": 30, "lr": 0.01}),
    "weight_freeze.train": (wf_jobs.train_freeze, {"frozen": ["conv1", "conv2"], "model_trainable": True,
                                                  "epochs": 5}),
}
FT_LAYERS = 11  # the shipped base's layer count: every freeze depth 0..11 is one quick job

_started = threading.Event()


def _quick_jobs() -> list:
    jobs = [(tl_jobs.base_info, {}), (tl_jobs.workflow, {})]
    jobs += [(tl_jobs.step3, {"variant": v}) for v in ("document", "input_shape", "gap")]
    jobs += [(ft_jobs.partial, {"k": k}) for k in range(FT_LAYERS + 1)]
    jobs += [(wf_jobs.describe_freeze, {"frozen": ["conv1", "conv2"], "model_trainable": True})]
    jobs += [(wf_jobs.recompile_demo, {"layer": "dense1", "compile_again": c, "epochs": 2}) for c in (False, True)]
    return jobs


def _work() -> None:
    from ui import client as engine
    from ui import live

    pool = engine.pool()
    deadline = time.monotonic() + 300
    while not pool.wait_ready(timeout=1.0, all_workers=False):
        if time.monotonic() > deadline:
            return
    # The fine-tuning depth jobs (one per slider position, quick) before the two long comparisons:
    # the transfer-learning comparison alone trains 3 strategies × 3 seeds.
    order = (_quick_jobs()[:5] + [DEFAULTS[s] for s in ("fine_tuning.run", "transfer_learning.compare",
                                                        "weight_freeze.train")]
             + _quick_jobs()[5:] + [DEFAULTS[s] for s in ("fine_tuning.race", "fine_tuning.bn")])
    for job, args in order:
        key = live.key_of(job, args)
        if live.RESULTS.get(key) is not None:
            continue
        try:
            # `call` shares identical work in flight: a learner asking for the same thing meanwhile
            # attaches to this very job instead of starting a second one.
            result = engine.call(job, **args)
        except Exception:  # noqa: BLE001 - the pages compute it themselves and say what failed
            continue
        if live.cacheable(result):
            live.RESULTS.put(key, result)


def enabled() -> bool:
    """KFL_PRECOMPUTE=1/0; by default on, except inside a test run (its CPU is for the tests)."""
    return os.environ.get("KFL_PRECOMPUTE", "0" if "pytest" in sys.modules else "1") == "1"


def start() -> None:
    """Begin computing the defaults in the background, once per server process."""
    if _started.is_set() or not enabled():
        return
    _started.set()
    threading.Thread(target=_work, name="kfl-precompute", daemon=True).start()


def known(job, args: dict) -> bool:
    from ui import live

    return live.RESULTS.get(live.key_of(job, args)) is not None


def on_request(slot: str, job, args: dict, label: str, note: str = "", where=None) -> bool:
    """True if `job(**args)` should run (or be shown) now; else draws a Run button (`where`) and a note."""
    from ui import live

    key = live.key_of(job, args)
    asked = f"{slot}__asked"
    default = DEFAULTS.get(slot)
    if (default is not None and default[0] is job and default[1] == args) or known(job, args) \
            or st.session_state.get(asked) == key:
        return True
    holder = (where or st).empty()
    if holder.button(label, key=f"{slot.replace('.', '_')}_run", type="primary", icon=":material/play_arrow:"):
        st.session_state[asked] = key
        holder.empty()  # pressed: the progress takes its place, no stale button above the result
        return True
    if note:
        st.caption(note)
    return False
