"""Missed visit: the window closed with no data and no documented "not done" reason."""

from edc import protocol
from patients.constants import PatientStatus
from patients.models import CalendarEvent

from .base import Finding, evidence, limit

CODE = "missed_visit"
KINDS = (protocol.PACLITAXEL, protocol.IMP321, protocol.IMMUNE)


def find(*, patient_ids, today):
    events = limit(CalendarEvent.objects, patient_ids).filter(
        kind__in=KINDS,
        latest__lt=today,
        actual_date__isnull=True,
        not_done_reason="",
        cancelled_reason="",
        patient__status__in=(PatientStatus.ENROLLED, PatientStatus.OFF_STUDY),
    )
    for e in events.values("patient_id", "code", "label", "planned_date", "earliest", "latest"):
        yield Finding(
            e["patient_id"],
            e["code"],
            f"{e['label']} missed (window closed {e['latest']})",
            evidence(
                planned=e["planned_date"],
                earliest=e["earliest"],
                latest=e["latest"],
                checked_on=today,
            ),
        )
