"""Immune draw outside 13 ± 2 days after the actual date of injection 6 or 12."""

from django.db.models import F, Q

from edc import protocol
from patients.models import CalendarEvent

from .base import Finding, evidence, limit

CODE = "immune_draw_out_of_window"


def find(*, patient_ids, today):
    events = limit(CalendarEvent.objects, patient_ids).filter(
        Q(actual_date__lt=F("earliest")) | Q(actual_date__gt=F("latest")),
        kind=protocol.IMMUNE,
        sequence__in=protocol.IMMUNE_DRAW_AFTER_INJECTIONS,
    )
    for e in events.values(
        "patient_id", "code", "label", "planned_date", "earliest", "latest", "actual_date"
    ):
        yield Finding(
            e["patient_id"],
            e["code"],
            f"{e['label']}: drawn {e['actual_date']}, due {e['planned_date']} "
            f"(± {protocol.IMMUNE_DRAW_WINDOW.after} days)",
            evidence(
                due=e["planned_date"],
                drawn=e["actual_date"],
                earliest=e["earliest"],
                latest=e["latest"],
                offset_days=protocol.IMMUNE_DRAW_OFFSET_DAYS,
            ),
        )
