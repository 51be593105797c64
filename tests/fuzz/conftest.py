"""The fuzz cases run against a pool of their own whose trainings are short.

Setting a slider to its maximum (50 images per class, 60 epochs, the deepest stack) starts a real
training; waiting for it tests the trainer, not the input handling these cases are about. So this
module's pages talk to workers started with KFL_MAX_TRAIN_SECONDS=1 (spec trainings stop with their
"time limit" message, which is never cached) and `light_worker` (transfer and fine-tuning runs of
at most 2 epochs). Results of this pool are dropped from the shared result cache afterwards, so no
later test reads a short run.
"""
import pytest

LIGHT_ENV = {"KFL_MAX_TRAIN_SECONDS": "1", "KFL_FUZZ_MAX_EPOCHS": "2"}


def _clear_shared_results() -> None:
    import streamlit as st

    from ui import live

    live.RESULTS.clear()  # the one shared result cache (docs/ARCHITECTURE.md)
    st.cache_data.clear()


@pytest.fixture(scope="package", autouse=True)
def light_pool():
    from runtime.pool import Pool
    from ui import client

    pool = Pool(warmup=client.WARMUP, preload=("tests.fuzz.light_worker", *client.PRELOAD), env=LIGHT_ENV)
    with client._lock:
        previous, client._pool = client._pool, pool
    _clear_shared_results()
    try:
        yield pool
    finally:
        with client._lock:
            client._pool = previous  # None: the next test starts the ordinary pool on first use
        pool.close()
        _clear_shared_results()
