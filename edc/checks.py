"""Enqueue the per-patient deviation check after a clinical save (by registered task name).

The check is written to the outbox in the saving transaction (edc.outbox): saving a form never
waits on, or fails because of, the broker, and a check whose publish failed is delivered by the
relay once the broker is back. Many saves of one patient before a worker takes the check give
one check.
"""

from edc.outbox.services import outbox_enqueue

PATIENT_CHECK_TASK = "edc.deviations.check_patient"


def enqueue_patient_check(patient_id: int | None) -> None:
    """Call inside the saving transaction; the check runs after it commits (never on rollback)."""
    if patient_id is None:
        return
    outbox_enqueue(
        task=PATIENT_CHECK_TASK,
        args=[patient_id],
        key=str(patient_id),
        what=f"the deviation check of patient {patient_id}",
    )
