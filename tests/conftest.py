"""Shared test helpers: run a page through the real entry script with AppTest."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PAGES = [
    "home",
    "input_layer",
    "dense_layer",
    "outputs_tensor",
    "model_container",
    "compile_step",
    "build_and_train",
    "functional_graphs",
    "weight_freeze",
    "transfer_learning",
    "fine_tuning",
    "exam",
]
LANGS = ["bn", "en"]
# Pages that import TensorFlow need far more than AppTest's 3 s default.
TIMEOUT = 120


class Ctx:
    """A job's `ctx` outside a worker: keeps what the job emits; after `cancel_after` messages
    it says the learner pressed Stop."""

    def __init__(self, cancel_after: int | None = None):
        self.messages: list = []
        self.cancel_after = cancel_after

    def emit(self, message) -> None:
        self.messages.append(message)

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.messages) >= self.cancel_after


def open_page(page: str, lang: str = "bn", timeout: float = TIMEOUT, **query):
    """AppTest of `streamlit_app.py` switched to `page`, with ?lang= and other query params."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    if page != "home":
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    return at


def metrics(at) -> list[str]:
    """The values of a run's st.metric elements, in order."""
    return [m.value for m in at.metric]


def codes(at) -> str:
    """All code blocks of a run, joined."""
    return "\n".join(c.value for c in at.code)


def left_out_shows_keras(page: str, lang: str, what: str):
    """Turn on `page`'s "leave it out" toggle: Keras's own refusal (`mandatory_demo(what)`) is shown
    verbatim and no result metric is. Returns the AppTest and that refusal for the page's own checks."""
    from engine.keras_errors import mandatory_demo

    at = open_page(page, lang)
    at.toggle(key=f"{page}_leave_out").set_value(True).run()
    expected = mandatory_demo(what)
    assert f"{expected.type}: {expected.message}" in codes(at)
    assert not metrics(at)
    return at, expected


def texts(at) -> str:
    """All visible text of a run (markdown, captions, code, metrics, errors...) joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "code", "error", "warning",
                 "info", "success", "text", "latex"):
        for el in getattr(at, kind, []):
            parts.append(str(el.value))
    for m in at.metric:
        parts.append(f"{m.label} {m.value}")
    return "\n".join(parts)


# ---------------------------------------------------------------- markers (see pytest.ini)
FOLDER_MARKS = {"unit": ("unit",), "app": ("app",), "fuzz": ("fuzz", "slow"), "e2e": ("e2e", "slow"),
                "deploy": ("deploy",)}
# The fast lane's AppTest of every page: tests/app/test_pages_render.py. The other AppTest files
# exercise one page in depth (real trainings, many reruns) and are slow as a whole.
APP_FAST_FILES = {"test_pages_render.py"}
# Tests in otherwise quick files that took 1.5 s or more (pytest --durations, load ~10 on the 2-core
# machine): real trainings, generated code run in a subprocess, whole-page AppTests, pool restarts.
# "file::function" (every parametrization). They still run in `make test`.
SLOW_TESTS = {
    "test_caps.py::test_a_normal_run_is_not_capped",
    "test_caps.py::test_exploding_learning_rate_is_reported_not_raised",
    "test_caps.py::test_training_wall_time_is_capped",
    "test_core_engine.py::test_generated_code_runs_and_matches_engine_model",
    "test_exam.py::test_answer_holds_in_installed_keras",
    "test_exports.py::test_generated_code_for_own_csv_runs_beside_the_file",
    "test_exports.py::test_generated_code_runs_as_is",
    "test_exports.py::test_keras_file_of_own_data",
    "test_exports.py::test_keras_file_reloads_and_is_the_model_trained_on_screen",
    "test_exports.py::test_page_downloads",
    "test_exports.py::test_page_downloads_for_own_csv",
    "test_freeze.py::test_frozen_weights_do_not_move_trainable_ones_do",
    "test_freeze.py::test_model_trainable_false_trains_nothing_and_keras_warns",
    "test_freeze.py::test_recompile_code_on_screen_reproduces_the_mistake",
    "test_freeze.py::test_recompile_mistake_with_model_fit",
    "test_lessons.py::test_results_are_plain_data",
    "test_lessons.py::test_sigmoid_head_cannot_reach_regression_targets",
    "test_lessons.py::test_stack_without_activation_collapses_to_one_line",
    "test_lessons.py::test_textbook_heads_train",
    "test_pool.py::test_cancel_a_queued_job",
    "test_pool.py::test_training_through_warm_workers",
    "test_pool.py::test_workers_are_recycled_after_max_jobs",
    "test_pool.py::test_workers_that_cannot_start_then_can_recover",
    "test_stepper.py::test_next_previous_restart_walk_the_code",
    "test_stepper.py::test_step_follows_the_model_and_a_link_opens_at_a_line",
    "test_stepper.py::test_step_through_follows_an_uploaded_csv",
    "test_train.py::test_binary_accuracy_history_like_keras",
    "test_train.py::test_cancel_stops_between_chunks",
    "test_train.py::test_divergence_is_reported_not_raised",
    "test_train.py::test_nothing_of_the_traced_graph_is_left_behind",
    "test_train.py::test_on_epoch_streams_every_epoch_in_order",
    "test_train.py::test_regularization_losses_are_part_of_the_loss",
    "test_train.py::test_same_training_as_model_fit_with_shuffle",
    "test_train.py::test_same_training_as_model_fit_without_shuffle",
    "test_train.py::test_sparse_categorical_accuracy_and_partial_last_batch",
    "test_train.py::test_train_job_cancel_and_divergence",
    "test_train.py::test_train_job_streams_and_predicts",
    "test_train.py::test_train_many_compares_runs",
    "test_train.py::test_unsupported_metric_falls_back_to_model_fit",
    "test_transfer.py::test_batchnorm_training_false_does_not_keep_statistics_in_this_keras",
    "test_transfer.py::test_compare_frozen_base_is_untouched",
    "test_transfer.py::test_generated_code_builds_the_same_data_and_model",
    "test_transfer.py::test_keras_applications_counts",
    "test_transfer.py::test_partial_freeze_counts",
    "test_transfer.py::test_pretraining_script_reproduces_the_shipped_base",
    "test_transfer.py::test_race_starts_together_and_head_only_leaves_the_base",
    "test_transfer.py::test_step3_as_written_fails_in_keras3",
    "test_transfer.py::test_step3_fix_global_average_pooling",
    "test_transfer.py::test_step3_fix_input_shape",
    "test_userdata.py::test_generated_data_code_redoes_the_preparation",
    "test_userdata.py::test_page_explains_bad_csvs_and_keeps_the_last_good_model",
    "test_userdata.py::test_page_trains_on_an_uploaded_csv",
}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(ROOT / "tests").parts
        folder = rel[0] if len(rel) > 1 else ""
        for mark in FOLDER_MARKS.get(folder, ()):
            item.add_marker(getattr(pytest.mark, mark))
        if folder == "app" and rel[-1] not in APP_FAST_FILES:
            item.add_marker(pytest.mark.slow)
        if f"{rel[-1]}::{item.originalname}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
