"""The transfer-learning comparison's averaging (engine.transfer), without training: seeds, the
per-seed data draw, mean and spread of per-seed results, and the findings the page words."""
from __future__ import annotations

import numpy as np
import pytest

from engine import pretrained as pretrained_mod
from engine import transfer as TR


def test_seeds_are_distinct_and_start_with_the_pages_seed():
    seeds = TR.compare_seeds()
    assert len(seeds) == TR.COMPARE_SEEDS >= 3
    assert len(set(seeds)) == len(seeds) and seeds[0] == pretrained_mod.SEED
    assert len(TR.compare_seeds(99)) == TR.MAX_SEEDS and TR.compare_seeds(0) == [pretrained_mod.SEED]


def test_each_seed_draws_other_training_images_on_the_same_test_set():
    first = TR.draw_target(3, pretrained_mod.SEED)
    for a, b in zip(first, pretrained_mod.target_data(3)):
        assert np.array_equal(a, b)  # the page's seed: exactly the data its code shows
    others = [TR.draw_target(3, s) for s in TR.compare_seeds(4)[1:]]
    for x_tr, y_tr, x_te, y_te in others:
        assert np.array_equal(x_te, first[2]) and np.array_equal(y_te, first[3])
        assert sorted(np.bincount(y_tr).tolist()) == [3] * 5
        assert not np.array_equal(x_tr, first[0])
        # drawn from the pool, never from the test set
        assert not any((x == first[2]).all(axis=(1, 2, 3)).any() for x in x_tr)


def _run(acc, hist, old=None, status="done"):
    return {"strategy": "x", "totals": {"trainable": 7}, "test_accuracy": acc, "train_accuracy": 1.0,
            "best_test_accuracy": max(hist), "gap": 1.0 - acc, "largest_loss_rise": 0.1, "base_drift": 0.0,
            "old_task_accuracy": old, "seconds_per_epoch": 0.01, "seconds": 1.0, "status": status,
            "bn_stats_change": {"bn1": {"mean": acc, "variance": 0.0}}, "n_train": 5, "n_test": 9,
            "history": {"accuracy": [0.5, 1.0], "val_accuracy": hist, "loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}}


def test_spread_mean_sd_min_max():
    sp = TR.spread([0.5, 0.7, 0.9])
    assert sp["mean"] == pytest.approx(0.7) and sp["min"] == 0.5 and sp["max"] == 0.9
    assert sp["sd"] == pytest.approx(np.std([0.5, 0.7, 0.9])) and sp["values"] == [0.5, 0.7, 0.9]
    same = 0.9888888888888889
    assert TR.spread([same] * 3)["mean"] == same  # equal runs average to exactly that number
    assert TR.spread([None, None])["mean"] is None  # scratch has no old task


def test_summarize_gives_the_mean_run_and_its_band():
    runs = [_run(0.4, [0.3, 0.4], old=0.98), _run(0.8, [0.5, 0.8], old=0.98), _run(0.6, [0.4, 0.6], old=0.98)]
    mean, stats = TR.summarize(runs)
    assert mean["test_accuracy"] == pytest.approx(0.6) and stats["test_accuracy"]["values"] == [0.4, 0.8, 0.6]
    assert mean["old_task_accuracy"] == 0.98 and mean["totals"] == {"trainable": 7}
    assert mean["history"]["val_accuracy"] == pytest.approx([0.4, 0.6])
    assert stats["val_accuracy_band"] == {"min": [0.3, 0.4], "max": [0.5, 0.8]}
    assert mean["bn_stats_change"]["bn1"]["mean"] == 0.8  # the largest move of any run
    assert mean["seconds"] == 3.0 and mean["status"] == "done"


@pytest.mark.parametrize("a_accs, b_accs, kind", [
    ([0.9, 0.92, 0.91], [0.5, 0.6, 0.7], "apart"),
    ([0.9, 0.8, 0.7], [0.85, 0.75, 0.65], "every"),
    ([0.9, 0.8, 0.5], [0.6, 0.7, 0.55], "most"),
    ([0.9, 0.6, 0.6], [0.5, 0.65, 0.62], "mixed"),
])
def test_findings_say_only_what_the_seeds_support(a_accs, b_accs, kind):
    per_seed = {"frozen": [_run(v, [v, v]) for v in a_accs], "unfrozen": [_run(v, [v, v]) for v in b_accs]}
    spreads = {s: TR.summarize(r)[1] for s, r in per_seed.items()}
    f = TR.compare_findings(per_seed, spreads)
    (pair,) = f["pairs"]
    assert pair["a"] == "frozen" and pair["b"] == "unfrozen" and pair["kind"] == kind
    assert pair["wins"] == sum(x > y for x, y in zip(a_accs, b_accs))
    assert pair["diff"] == pytest.approx(np.mean(a_accs) - np.mean(b_accs))
    assert f["best"] == "frozen" and f["seeds"] == 3
