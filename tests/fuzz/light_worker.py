"""Imported first by the fuzz pool's workers (tests/fuzz/conftest.py): every transfer-learning and
fine-tuning training runs at most KFL_FUZZ_MAX_EPOCHS epochs (default 2).

The fuzz cases check input handling — a value is accepted or answered by a message, never a
traceback — not what the training learns (tests/unit and tests/app do that). Pages still get the
extreme values, the jobs still get them as keywords and run real Keras; only the epoch loop is short.
Trainings of a model spec (build & train, compile) are cut by KFL_MAX_TRAIN_SECONDS instead.
"""
import os

from engine import transfer

CAP = max(1, int(os.environ.get("KFL_FUZZ_MAX_EPOCHS", "2")))
_capped = transfer.capped_epochs


def capped_epochs(e, cap=transfer.MAX_EPOCHS) -> int:
    return _capped(e, min(cap, CAP))


# Before any lessons module runs `from engine.transfer import capped_epochs`.
transfer.capped_epochs = capped_epochs
