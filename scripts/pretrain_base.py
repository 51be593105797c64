"""Pretrain the shipped base: a small CNN on digits 0–4 of scikit-learn's bundled 8×8 digits.

    PYTHONPATH=. .venv/bin/python scripts/pretrain_base.py            # writes assets/digits_base.keras
    PYTHONPATH=. .venv/bin/python scripts/pretrain_base.py --out /tmp/b.keras --compare

Everything is seeded and TensorFlow's op determinism is on, so on the same machine and
versions a rerun gives the same weights bit for bit. Another CPU (other SIMD paths in
oneDNN) may differ in the last bits and that difference grows with training: the
architecture, counts and accuracy reproduce everywhere; exact weights only where the
arithmetic does. `--compare` prints how far a fresh run lands from the shipped file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def main(argv=None) -> dict:
    from engine import pretrained

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(pretrained.BASE_PATH))
    ap.add_argument("--seed", type=int, default=pretrained.SEED)
    ap.add_argument("--epochs", type=int, default=pretrained.PRETRAIN_EPOCHS)
    ap.add_argument("--compare", action="store_true", help="compare the result with the shipped base")
    args = ap.parse_args(argv)

    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    t0 = time.perf_counter()
    model, hist = pretrained.pretrain(seed=args.seed, epochs=args.epochs)
    seconds = time.perf_counter() - t0

    # Save a clean, uncompiled copy: no optimizer state, so the file stays small and loads
    # the same way on every Keras 3.
    clean = pretrained.build_classifier()
    clean.set_weights(model.get_weights())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean.save(out)

    _, _, x_te, y_te = pretrained.source_data(args.seed)
    report = {
        "out": str(out),
        "params": int(clean.count_params()),
        "layers": [layer.name for layer in clean.layers],
        "test_accuracy": pretrained.accuracy(clean, x_te, y_te),
        "train_accuracy": hist["accuracy"][-1],
        "epochs": args.epochs,
        "seconds": round(seconds, 1),
        "file_kb": round(out.stat().st_size / 1024, 1),
    }
    if args.compare and out.resolve() != pretrained.BASE_PATH.resolve():
        shipped = pretrained.load_pretrained()
        diffs = [float(np.abs(a - b).max()) for a, b in zip(shipped.get_weights(), clean.get_weights())]
        report["max_weight_diff"] = max(diffs)
        report["shipped_test_accuracy"] = pretrained.accuracy(shipped, x_te, y_te)
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
