"""Caps against runaway work: each has a limit and a message in both languages."""
import engine  # noqa: F401
from engine import spec as model_spec
from engine import train_spec
from lessons import spec_jobs
from tests.conftest import Ctx
from ui.text import LANGS, translate


def test_training_wall_time_is_capped(monkeypatch):
    monkeypatch.setattr(train_spec, "MAX_TRAIN_SECONDS", 0.0)
    res = spec_jobs.train_spec(Ctx(), spec=model_spec.recommended().replace(epochs=500).to_dict(), dataset="curve", with_predict=False)
    assert res["ok"] and res["status"] == "time_limit"
    assert res["epochs_run"] < 500
    for lang in LANGS:
        msg = translate(lang, "training.time_limit", epoch=3, epochs=500, seconds="30")
        assert "500" in msg and "30" in msg


def test_a_normal_run_is_not_capped():
    res = spec_jobs.train_spec(Ctx(), spec=model_spec.recommended().replace(epochs=5).to_dict(), dataset="curve", with_predict=False)
    assert res["status"] == "done" and len(res["history"]["loss"]) == 5


def test_exploding_learning_rate_is_reported_not_raised():
    spec = model_spec.recommended().replace(optimizer="sgd", learning_rate=10.0, epochs=50)
    res = spec_jobs.train_spec(Ctx(), spec=spec.to_dict(), dataset="curve", with_predict=False)
    assert res["ok"] and res["status"] == "diverged"
