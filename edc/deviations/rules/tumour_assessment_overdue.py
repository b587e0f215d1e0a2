"""Tumour assessment overdue: its window (8-weekly ± 7 days) closed without an assessment."""

from edc import protocol
from patients.models import CalendarEvent

from .base import Finding, evidence, limit

CODE = "tumour_assessment_overdue"


def find(*, patient_ids, today):
    events = limit(CalendarEvent.objects, patient_ids).filter(
        kind=protocol.TUMOUR,
        latest__lt=today,
        actual_date__isnull=True,
        not_done_reason="",
        cancelled_reason="",
        patient__subject_id__isnull=False,
    )
    for e in events.values("patient_id", "code", "label", "planned_date", "latest"):
        yield Finding(
            e["patient_id"],
            e["code"],
            f"{e['label']} overdue since {e['latest']}",
            evidence(
                planned=e["planned_date"],
                latest=e["latest"],
                checked_on=today,
                days_overdue=(today - e["latest"]).days,
            ),
        )
