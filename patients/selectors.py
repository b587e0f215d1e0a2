"""Access-scoped reads of patients. A patient outside the user's sites does not exist (404)."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from edc.access.selectors import scope_to_user_sites

from . import schedule
from .constants import PriorTherapyType
from .models import CalendarEvent, MedicalHistory, Patient, PriorTherapy
from .schedule import EventStatus


def patients_visible_to(user) -> QuerySet[Patient]:
    qs = Patient.objects.select_related("site", "cohort")
    return scope_to_user_sites(qs, user, site_lookup="site")


def patient_get_for_user(*, user, pk: int) -> Patient:
    try:
        return patients_visible_to(user).get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None


def patient_casebook(*, user, pk: int) -> Patient:
    """The patient with everything the casebook page shows, in a fixed number of queries."""
    # Eligibility reads whether a prior chemotherapy for metastatic disease is recorded
    # (services.eligibility_of): a column of the patient's row, not another query.
    chemo = PriorTherapy.objects.filter(
        patient=OuterRef("pk"), therapy_type=PriorTherapyType.METASTATIC_CHEMO
    )
    qs = patients_visible_to(user).annotate(prior_metastatic_chemo=Exists(chemo))
    qs = qs.prefetch_related(
        "consents",
        "eligibility",
        Prefetch("calendar", queryset=CalendarEvent.objects.order_by("planned_date", "code")),
    )
    try:
        return qs.get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None


# -------------------------------------------------------------------------------- timeline

# What a visit's status reads in the user's language (``EventStatus`` values are codes: CSS
# classes, API values, comparisons).
EVENT_STATUS_LABELS = {
    EventStatus.UPCOMING: pgettext_lazy("visit status", "upcoming"),
    EventStatus.DUE: pgettext_lazy("visit status", "due"),
    EventStatus.DONE: pgettext_lazy("visit status", "done"),
    EventStatus.MISSED: pgettext_lazy("visit status", "missed"),
    EventStatus.OUT_OF_WINDOW: pgettext_lazy("visit status", "out of window"),
    EventStatus.NOT_DONE: pgettext_lazy("visit status", "not done"),
    EventStatus.NOT_APPLICABLE: pgettext_lazy("visit status", "not applicable"),
}


@dataclass(frozen=True)
class TimelineRow:
    event: CalendarEvent
    status: EventStatus
    is_next: bool
    # The event's casebook form with its status, when the page adds it: gathered on the top
    # floor (edc.monitoring.casebook.CasebookForm), which reads the apps and monitoring.
    form: Any = None

    @property
    def status_label(self) -> str:
        """The status in words, in the user's language (``status`` is the code)."""
        return EVENT_STATUS_LABELS.get(self.status, self.status)


def event_status_of(event: CalendarEvent, today: dt.date) -> EventStatus:
    return schedule.event_status(
        event=event,
        today=today,
        actual_date=event.actual_date,
        not_done_reason=event.not_done_reason,
        cancelled=bool(event.cancelled_reason),
    )


def patient_timeline(
    *,
    patient: Patient,
    events=None,
    today: dt.date | None = None,
    forms: Mapping[str, Any] | None = None,
):
    """Every calendar event with its status and the next one to act on (no extra queries
    when ``events`` is the prefetched calendar); ``forms`` (by event code) adds form status."""
    today = today or timezone.localdate()
    events = list(events if events is not None else patient.calendar.all())
    statuses = {e.code: event_status_of(e, today) for e in events}
    nxt = schedule.next_due(events, statuses, today)
    forms = forms or {}
    rows = [
        TimelineRow(e, statuses[e.code], nxt is not None and e.code == nxt.code, forms.get(e.code))
        for e in events
    ]
    cycle_day = None
    if patient.c1d1_date:
        cycle_day = schedule.cycle_day_of(
            c1d1=patient.c1d1_date,
            d=today,
            actual_dates={e.code: e.actual_date for e in events if e.actual_date},
        )
    return rows, nxt, cycle_day


def calendar_visible_to(user):
    qs = CalendarEvent.objects.select_related("patient__site")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


# ------------------------------------------------------- medical history and prior therapy


def medical_history_visible_to(user) -> QuerySet[MedicalHistory]:
    qs = MedicalHistory.objects.select_related("patient__site")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def medical_history_get_for_user(*, user, pk: int) -> MedicalHistory:
    try:
        return medical_history_visible_to(user).get(pk=pk)
    except (MedicalHistory.DoesNotExist, ValueError, TypeError):
        raise Http404("No such medical history record.") from None


def prior_therapies_visible_to(user) -> QuerySet[PriorTherapy]:
    qs = PriorTherapy.objects.select_related("patient__site")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def prior_therapy_get_for_user(*, user, pk: int) -> PriorTherapy:
    try:
        return prior_therapies_visible_to(user).get(pk=pk)
    except (PriorTherapy.DoesNotExist, ValueError, TypeError):
        raise Http404("No such prior therapy record.") from None
