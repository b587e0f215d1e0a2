"""Writes to each patient's calendar: generation, regeneration after delays, end of treatment.

The arithmetic is pure (patients.schedule, from edc.protocol); this module persists it.
Regeneration is idempotent and never touches an event that already has data.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from edc import protocol
from edc.audit.services import audited_create, audited_update

from . import schedule
from .models import OPEN_CONDITION, CalendarEvent, Patient

SCHEDULE_FIELDS = ("planned_date", "earliest", "latest")


# --- Dates every page shares ----------------------------------------------------------------------
def trial_today() -> dt.date:
    """Today in the trial's time zone (``settings.TIME_ZONE``): the same date at every site,
    whatever time zone is active for the request."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


@dataclass(frozen=True)
class Week:
    """A calendar week, Monday to Sunday (ISO 8601), both days included."""

    monday: dt.date
    sunday: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.monday <= day <= self.sunday


def week_of(day: dt.date) -> Week:
    """The ISO week (Monday to Sunday) holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return Week(monday, monday + dt.timedelta(days=6))


def this_week() -> Week:
    """ "This week" on every page and at every site: the ISO week of :func:`trial_today`."""
    return week_of(trial_today())


def _actual_dates(events) -> dict[str, dt.date]:
    return {e.code: e.actual_date for e in events if e.actual_date}


@transaction.atomic
def calendar_generate(*, patient: Patient, user, reason: str = "") -> list[CalendarEvent]:
    """Create missing events and move planned dates of events without data. Idempotent."""
    if not patient.c1d1_date:
        return []
    existing = {
        e.code: e for e in CalendarEvent.objects.select_for_update().filter(patient=patient)
    }
    planned = schedule.build_calendar(
        c1d1=patient.c1d1_date, actual_dates=_actual_dates(existing.values())
    )
    for item in planned:
        event = existing.get(item.code)
        values = {
            "planned_date": item.planned_date,
            "earliest": item.earliest,
            "latest": item.latest,
        }
        if event is None:
            existing[item.code] = audited_create(
                CalendarEvent(
                    patient=patient,
                    code=item.code,
                    kind=item.kind,
                    label=item.label,
                    cycle=item.cycle,
                    day=item.day,
                    sequence=item.sequence,
                    **values,
                ),
                user=user,
                reason="Calendar generated from the protocol",
            )
        elif not event.has_data and any(getattr(event, k) != v for k, v in values.items()):
            existing[item.code] = audited_update(
                event,
                user=user,
                expected_version=None,
                changes=values,
                reason=reason or "Calendar recomputed from actual dates",
            )
    return sorted(existing.values(), key=lambda e: (e.planned_date, e.code))


@transaction.atomic
def calendar_record_actual(
    *, patient: Patient, code: str, actual_date: dt.date | None, user, reason: str = ""
) -> CalendarEvent:
    """Set (or clear) an event's actual date, then shift what depends on it."""
    event = CalendarEvent.objects.select_for_update().get(patient=patient, code=code)
    if event.actual_date != actual_date:
        audited_update(
            event,
            user=user,
            expected_version=None,
            changes={"actual_date": actual_date},
            reason=reason or "Data recorded",
        )
        calendar_generate(
            patient=patient, user=user, reason=f"Planned dates follow the actual date of {code}"
        )
    return CalendarEvent.objects.get(pk=event.pk)


@transaction.atomic
def calendar_mark_not_done(*, event: CalendarEvent, reason: str, user) -> CalendarEvent:
    if not (reason or "").strip():
        raise ValidationError({"not_done_reason": gettext("Say why the event was not done.")})
    return audited_update(
        event,
        user=user,
        expected_version=None,
        changes={"not_done_reason": reason.strip()},
        reason=f"Not done: {reason.strip()}",
    )


@transaction.atomic
def calendar_cancel_remaining(
    *, patient: Patient, after: dt.date, reason: str, user, kinds: tuple[str, ...] | None = None
) -> int:
    """End of treatment: events without data planned after ``after`` become not applicable."""
    cancelled = 0
    events = CalendarEvent.objects.select_for_update().filter(
        OPEN_CONDITION, patient=patient, planned_date__gt=after
    )
    if kinds is not None:
        events = events.filter(kind__in=kinds)
    for event in events:
        audited_update(
            event,
            user=user,
            expected_version=None,
            changes={"cancelled_reason": reason},
            reason=f"Cancelled: {reason}",
        )
        cancelled += 1
    return cancelled


@dataclass(frozen=True)
class CalendarChange:
    """One change a protocol amendment makes to a stored calendar event (for the report)."""

    subject: str
    code: str
    what: str  # "created", "moved", "window", "label", "cancelled", "kept (has data)"
    old: str = ""
    new: str = ""


def _window_around(planned: dt.date, code: str) -> tuple[dt.date, dt.date]:
    window = protocol.PLANNED_EVENTS_BY_CODE[code].window
    return planned - dt.timedelta(days=window.before), planned + dt.timedelta(days=window.after)


@transaction.atomic
def calendar_apply_protocol(*, patient: Patient, user, reason: str) -> list[CalendarChange]:
    """Bring one patient's stored calendar in line with ``edc/protocol.py`` (an amendment).

    * events without data: created when new, planned date and window recomputed (from the
      actual dates already recorded, as ``calendar_generate`` does), label updated;
    * events with data: the planned date stays (it is what the site worked to); the window is
      the new protocol's window around it, and the label follows the protocol;
    * events the protocol no longer has: cancelled when they have no data, kept (and reported)
      when they have.
    Every write goes through the audited write path with ``reason``. Idempotent: a second run
    changes nothing.
    """
    if not patient.c1d1_date:
        return []
    if not (reason or "").strip():
        raise ValidationError({"reason": gettext("Give the reason for applying the amendment.")})
    reason = f"Protocol {protocol.PROTOCOL_VERSION}: {reason.strip()}"
    changes: list[CalendarChange] = []
    subject = patient.subject_id or patient.screening_number
    stored = {e.code: e for e in CalendarEvent.objects.select_for_update().filter(patient=patient)}
    planned = {
        item.code: item
        for item in schedule.build_calendar(
            c1d1=patient.c1d1_date, actual_dates=_actual_dates(stored.values())
        )
    }
    for code, item in planned.items():
        event = stored.get(code)
        label = protocol.PLANNED_EVENTS_BY_CODE[code].label
        if event is None:
            changes.append(CalendarChange(subject, code, "created", new=str(item.planned_date)))
            continue  # created by calendar_generate below
        values: dict = {}
        if event.has_data:  # what the site worked to stays; the window follows the protocol
            planned_date = event.planned_date
            earliest, latest = _window_around(planned_date, code)
        else:
            planned_date, earliest, latest = item.planned_date, item.earliest, item.latest
        if planned_date != event.planned_date:
            values["planned_date"] = planned_date
            changes.append(
                CalendarChange(subject, code, "moved", str(event.planned_date), str(planned_date))
            )
        if (event.earliest, event.latest) != (earliest, latest):
            values.update(earliest=earliest, latest=latest)
            changes.append(
                CalendarChange(
                    subject,
                    code,
                    "window",
                    f"{event.earliest} to {event.latest}",
                    f"{earliest} to {latest}",
                )
            )
        if event.label != label:
            values["label"] = label
            changes.append(CalendarChange(subject, code, "label", event.label, label))
        if values:
            audited_update(event, user=user, expected_version=None, changes=values, reason=reason)
    for code, event in stored.items():
        if code in planned or event.cancelled_reason:
            continue
        if event.has_data:
            changes.append(CalendarChange(subject, code, "kept (has data)"))
            continue
        audited_update(
            event,
            user=user,
            expected_version=None,
            changes={"cancelled_reason": "Removed by a protocol amendment"},
            reason=reason,
        )
        changes.append(CalendarChange(subject, code, "cancelled"))
    if any(c.what == "created" for c in changes):
        calendar_generate(patient=patient, user=user, reason=reason)
    return changes
