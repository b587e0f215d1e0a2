"""Visit or dose out of window: the actual date lies outside the protocol window."""

from django.db.models import F, Q

from edc import protocol
from patients.models import CalendarEvent

from .base import Finding, evidence, limit

CODE = "visit_out_of_window"
# IMP321 timing and immune draws have their own rules.
KINDS = (protocol.PACLITAXEL, protocol.TUMOUR)


def find(*, patient_ids, today):
    events = limit(CalendarEvent.objects, patient_ids).filter(
        Q(actual_date__lt=F("earliest")) | Q(actual_date__gt=F("latest")), kind__in=KINDS
    )
    for e in events.values(
        "patient_id", "code", "label", "planned_date", "earliest", "latest", "actual_date"
    ):
        days = (e["actual_date"] - e["planned_date"]).days
        yield Finding(
            e["patient_id"],
            e["code"],
            f"{e['label']} on {e['actual_date']}, {days:+d} days from plan (window "
            f"{e['earliest']} – {e['latest']})",
            evidence(
                planned=e["planned_date"],
                actual=e["actual_date"],
                earliest=e["earliest"],
                latest=e["latest"],
                days_from_plan=days,
            ),
        )
