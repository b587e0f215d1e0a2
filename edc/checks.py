"""Enqueue the per-patient deviation check after a clinical save (by registered task name).

Saving a form never waits on, or fails because of, the broker: the task is sent after the
transaction commits, and a broker error is logged; the nightly sweep catches up. Many saves
of one patient in one transaction enqueue one check.
"""

import logging
from functools import partial

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

PATIENT_CHECK_TASK = "edc.deviations.check_patient"


def _send(patient_id: int) -> None:
    from edc.celery import app

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            app.loader.import_default_modules()
            app.tasks[PATIENT_CHECK_TASK].apply(args=[patient_id])
        else:
            app.send_task(PATIENT_CHECK_TASK, args=[patient_id])
    except Exception:  # noqa: BLE001 — a check that cannot be queued must not fail the save
        logger.warning(
            "Could not enqueue the deviation check of patient %s", patient_id, exc_info=True
        )


def enqueue_patient_check(patient_id: int | None) -> None:
    if patient_id is None:
        return
    # Already queued in this transaction? (Django drops the list's entries on rollback.)
    for _sids, func, *_ in connection.run_on_commit:
        if getattr(func, "func", None) is _send and func.args == (patient_id,):
            return
    transaction.on_commit(partial(_send, patient_id))
