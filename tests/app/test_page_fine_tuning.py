"""Fine-tuning page: the freeze-depth slider rebuilds at once, a training run, the race at two
learning rates and the measured BatchNormalization behaviour, in both languages."""
import json

import keras
import pytest

from tests.conftest import open_page, texts
from ui.text import translate

P = "fine_tuning"
FAST = {"fine_tuning_epochs": "5"}

def _run_on_request(at, key):
    """Settings that are not the defaults run on request: press the button if the result is not known yet."""
    if any(b.key == key for b in at.button):
        at.button(key=key).click().run()



def _metric(at, key, lang="en"):
    label = translate(lang, key)
    return next(m.value for m in at.metric if m.label == label)


def _chart_names(at, title_key, lang="en"):
    title = translate(lang, title_key)
    for el in at.main:
        if getattr(el, "type", "") == "plotly_chart":
            spec = json.loads(el.proto.spec)
            if spec["layout"].get("title", {}).get("text") == title:
                return [tr.get("name") for tr in spec["data"]]
    return None


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_page_runs_depth_training_race_and_batchnorm(lang):
    # The training run starts only in its own section (issue 14): the link opens it.
    at = open_page(P, lang, fine_tuning_section="run", **FAST)
    assert not at.exception, [e.value for e in at.exception]
    # Predict first: the race waits for a guess (or a skip).
    assert translate(lang, f"{P}.race_gate") in texts(at)
    assert _chart_names(at, f"{P}.race_chart_title", lang) is None
    at.radio(key=f"{P}_race_guess").set_value("partial@0.01").run()
    # Not the default settings: the race and the BatchNormalization comparison run on request.
    _run_on_request(at, f"{P}_race_run")
    _run_on_request(at, f"{P}_bn_run")
    assert not at.exception, [e.value for e in at.exception]
    # Default k = 8: conv3 and bn3's gamma/beta are the trainable part of the base.
    assert _metric(at, f"{P}.base_trainable", lang) == "18,624"
    assert _metric(at, f"{P}.model_trainable", lang) == "51,589"
    assert translate(lang, f"{P}.bn_always", count="128") in texts(at)  # bn3's moving mean and variance
    assert _metric(at, f"{P}.test_acc", lang).endswith("%")
    race = _chart_names(at, f"{P}.race_chart_title", lang)
    assert race is not None and len(race) == 7  # phase 1 + 3 strategies × 2 learning rates
    verdicts = [m.value for m in list(at.success) + list(at.error)
                if translate(lang, f"{P}.race_partial") in m.value and "%" in m.value]
    assert verdicts, "the guess is judged against the real race"
    # What the installed Keras does with training=False during fit(), as measured on the page.
    assert translate(lang, f"{P}.bn_not_kept", version=keras.__version__) in [w.value for w in at.warning]
    assert translate(lang, f"{P}.bn_same") in texts(at)


def test_freeze_depth_slider_rebuilds():
    at = open_page(P, "en", **FAST)
    at.slider(key="fine_tuning_k").set_value(11).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, f"{P}.base_trainable") == "0"
    assert _metric(at, f"{P}.model_trainable") == "32,965"
    assert "for layer in base_model.layers[:11]:" in [c.value for c in at.code][1]
    assert _metric(at, f"{P}.base_non_trainable") == "23,744"
