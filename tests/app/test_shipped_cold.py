"""A cold server with no worker yet shows a page's model from the shipped first results (ui/shipped.py)."""
from __future__ import annotations

import pytest

from tests.conftest import open_page
from ui import shipped


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_cold_server_shows_the_dense_page_before_any_worker_is_ready(monkeypatch, lang):
    """No worker can start at all here; the page still shows its default layer, from the file."""
    from runtime.pool import Pool
    from ui import client, live

    data = shipped.read()
    if data is None or data["fingerprint"] != shipped.fingerprint():
        pytest.skip("no up-to-date file: tests/unit/test_shipped.py says what to do")
    monkeypatch.setenv("KFL_SHIPPED", "1")
    broken = Pool(workers=1, warmup=client.WARMUP, preload=client.PRELOAD,
                  env={"KFL_WORKER_PYTHON": "/nonexistent/python3"})
    saved = dict(live.RESULTS._items)
    live.RESULTS.clear()
    monkeypatch.setattr(client, "_pool", broken)
    try:
        assert shipped.load(live.RESULTS, again=True) == len(data["results"])
        at = open_page("dense_layer", lang, timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric and at.get("plotly_chart"), "the default layer's numbers and charts"
        assert not at.warning, [w.value for w in at.warning]
    finally:
        broken.close()
        live.RESULTS.clear()
        for k, v in saved.items():
            live.RESULTS.put(k, v)
