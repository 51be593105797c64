"""Every page's first results, made by the installed Keras and shipped: a cold server answers at once.

A shared link opened on a server that has just started (a lecture's first minute, a Community
Cloud app waking up) would otherwise wait for a worker to import TensorFlow and warm up before
the page can show its model: 15-23 s measured here. So the results every page shows with its
widgets untouched are made ahead by the real engine and kept in `content/generated/`; `load()`
puts them into the one result cache (`ui.live.RESULTS`) when the server starts, and the workers
start in the background as before, for everything a learner changes.

The file is used only by the code that made it: its fingerprint covers the engine, the lessons,
the job registry and the pinned requirements (the Keras and TensorFlow versions). After any
change there, the file is ignored (everything is computed live, as without it) until it is made
again, and `tests/unit/test_shipped.py` fails saying so; that test also runs every shipped job
live and compares the results.

Make it again (about 3-5 minutes; runs every page in both languages through AppTest):
    make shipped   (= .venv/bin/python -m ui.shipped)
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "content" / "generated" / "default_results.pkl"
SOURCES = ("engine", "lessons", "runtime/jobs.py", "requirements.txt")
_loaded: list = []


def fingerprint() -> str:
    """A hash of everything a job's result depends on: its code and the pinned Keras/TensorFlow."""
    h = hashlib.sha1()
    for name in SOURCES:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def read(path: Path = FILE) -> dict | None:
    """The shipped file's content, or None when it is missing. The file is this repository's own
    (made by `main()` below), so unpickling it is like importing one of its modules."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def enabled() -> bool:
    """KFL_SHIPPED=1/0; by default on, except inside a test run (tests watch the engine work)."""
    return os.environ.get("KFL_SHIPPED", "0" if "pytest" in sys.modules else "1") == "1"


def load(cache, again: bool = False) -> int:
    """Put the shipped results into `cache` (once per process); how many, 0 if the file is stale."""
    if _loaded and not again:
        return _loaded[0]
    _loaded.clear()
    data = read()
    count = 0
    if enabled() and data is not None and data.get("fingerprint") == fingerprint():
        for key, entry in data["results"].items():
            cache.put(key, entry["result"])
            count += 1
    _loaded.append(count)
    return count


# ----------------------------------------------------------------------------- making the file
def _record_jobs() -> dict:
    """Open every page in both languages with its defaults; every job it runs: key -> (target, args)."""
    from streamlit.testing.v1 import AppTest

    from runtime.jobs import target
    from ui import client, live

    made: dict = {}
    share = client.share

    def recording(job, args, owner=None):
        made[live.key_of(job, args)] = (target(job), dict(args))
        return share(job, args, owner=owner)

    client.share = recording  # `call` and the live loop both go through it
    try:
        pages = ["home"] + sorted(p.stem for p in (ROOT / "app_pages").glob("*.py") if p.stem != "home")
        for page in pages:
            for lang in ("bn", "en"):
                at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=900)
                at.query_params["lang"] = lang
                if page != "home":
                    at.switch_page(f"app_pages/{page}.py")
                at.run()
                problems = [e.value for e in at.exception]
                print(f"{page:18s} {lang}: {len(made)} jobs so far" + (f"  EXCEPTION {problems}" if problems else ""),
                      flush=True)
        for job, args in _start_up_jobs():
            client.call(job, **args)
            made[live.key_of(job, args)] = (target(job), dict(args))
    finally:
        client.share = share
    return made


def _start_up_jobs() -> list:
    """The slow defaults the server computes at start (ui.precompute): shipped too."""
    from ui import precompute

    return [(job, args) for job, args in precompute.DEFAULTS.values()]


def main() -> None:
    os.environ["KFL_PRECOMPUTE"] = "0"  # the pages' own jobs, recorded as a learner meets them
    os.environ["KFL_SHIPPED"] = "0"  # made live, never from an older file
    sys.path.insert(0, str(ROOT))
    from importlib.metadata import version

    from ui import client, live

    before = fingerprint()
    made = _record_jobs()
    results = {}
    for key, (tgt, args) in sorted(made.items()):
        result = live.RESULTS.get(key)
        if result is None:  # not cacheable (e.g. cut short) or evicted: run it once more, plainly
            result = client.pool().call(tgt, timeout=900, **args)
        if not live.cacheable(result):
            print(f"skipped (not a shareable result): {tgt} {args}")
            continue
        results[key] = {"target": tgt, "args": args, "result": result}
    if fingerprint() != before:
        raise SystemExit("the sources changed while the file was being made: run it again")
    FILE.parent.mkdir(parents=True, exist_ok=True)
    data = {"fingerprint": before, "keras": version("keras"), "tensorflow": version("tensorflow-cpu"),
            "results": results}
    with open(FILE, "wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"{len(results)} results, {FILE.stat().st_size / 2**20:.1f} MB, Keras {data['keras']} -> {FILE}")
    client.pool().close()


if __name__ == "__main__":
    main()
