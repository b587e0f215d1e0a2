"""Reads of the trial dashboard and the role home pages, scoped to the user's sites.

Every function costs a fixed number of queries whatever the number of patients: the RECIST
courses come from ``assessments.selectors.trial_endpoints`` (built from plain rows; the
dashboard never recomputes a response, it only reads the engine's results), the rest are
set-based queries.
Functions that turn those results into chart data are pure and documented with the chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.endpoints import OBJECTIVE_RESPONSES, OVERALL, binomial_p_value_greater
from assessments.selectors import TrialEndpoints, trial_endpoints
from edc import protocol
from edc.access.selectors import sites_visible_to
from edc.audit.display import form_name
from edc.audit.models import AuditEntry
from edc.audit.selectors import audit_entries_for_user
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from edc.deviations.selectors import active_counts, deviations_filtered
from edc.monitoring.constants import LockScope
from edc.monitoring.models import Lock
from edc.monitoring.records import casebook_models
from edc.monitoring.selectors import locks_for_user, query_counts_by_site, sdv_progress_by_site
from labs.immune import ChangeFromBaseline
from labs.selectors import immune_change_by_cohort
from patients import calendar
from patients.constants import PatientStatus
from patients.models import OPEN_CONDITION, CalendarEvent, Cohort, Patient
from patients.schedule import EventStatus
from patients.selectors import calendar_visible_to, event_status_of, patients_visible_to

from .charts import (
    EndpointEstimate,
    EndpointGroup,
    EnrolmentPoint,
    SpiderLine,
    SpiderPoint,
    SwimmerLane,
    WaterfallBar,
    cohort_label,
)

ENDPOINT_MEASURES = (
    ("objective_response", gettext_lazy("Objective response rate")),
    ("clinical_benefit", gettext_lazy("Clinical-benefit rate at 6 months")),
    ("progressed_by_landmark", gettext_lazy("Progressors at 6 months")),
)
# The endpoint the publication compares with its historical control (50 % vs 25 %).
COMPARED_WITH_HISTORICAL_CONTROL = "objective_response"
TREATMENT_KINDS = (protocol.PACLITAXEL, protocol.IMP321)


# --- Dashboard -----------------------------------------------------------------------------------
def enrolment_points(*, user) -> list[EnrolmentPoint]:
    """Every enrolled patient of the user's sites with date, site and cohort (one query)."""
    rows = (
        patients_visible_to(user)
        .filter(subject_id__isnull=False, enrolled_on__isnull=False)
        .order_by("enrolled_on", "subject_id")
        .values_list("subject_id", "enrolled_on", "site__code", "cohort__code")
    )
    return [EnrolmentPoint(s, d, site, cohort) for s, d, site, cohort in rows]


def enrolment_by_site_and_cohort(points: list[EnrolmentPoint]) -> list[dict]:
    """[{"site", "counts": [n per protocol cohort], "total"}] — the table beside the charts."""
    codes = [c.code for c in protocol.COHORTS]
    table: dict[str, dict[str, int]] = {}
    for p in points:
        table.setdefault(p.site, dict.fromkeys(codes, 0))
        table[p.site][p.cohort] = table[p.site].get(p.cohort, 0) + 1
    return [
        {"site": site, "counts": [row[c] for c in codes], "total": sum(row.values())}
        for site, row in sorted(table.items())
    ]


def tumour_endpoints(*, user) -> TrialEndpoints:
    """The assessments app's endpoints and RECIST courses of the user's sites (5 queries)."""
    return trial_endpoints(user)


def endpoint_groups(endpoints: TrialEndpoints) -> list[EndpointGroup]:
    """Cohorts in protocol order, then overall, each with its three estimates (pure).

    The objective response also carries the exact one-sided binomial test against the
    historical control rate of the protocol (H0: rate ≤ that rate).
    """
    historical = protocol.HISTORICAL_CONTROL_RESPONSE_RATE
    groups = []
    for g in endpoints.groups:
        label = _("All cohorts") if g.group == OVERALL else cohort_label(g.group)
        estimates = []
        for attribute, measure in ENDPOINT_MEASURES:
            p = getattr(g, attribute)
            test = {}
            if attribute == COMPARED_WITH_HISTORICAL_CONTROL:
                test = {
                    "reference_rate": float(historical),
                    "p_value": binomial_p_value_greater(p.numerator, p.denominator, historical),
                }
            estimates.append(
                EndpointEstimate(
                    str(measure), p.numerator, p.denominator, p.rate, p.ci_low, p.ci_high, **test
                )
            )
        groups.append(EndpointGroup(g.group, label, tuple(estimates)))
    return groups


def _day(c1d1: dt.date, d: dt.date) -> int:
    return (d - c1d1).days


def spider_lines(endpoints: TrialEndpoints) -> tuple[list[SpiderLine], int]:
    """Per patient: baseline (day 0, 0 %) then each follow-up with a complete sum (pure).

    Returns the lines and the number of patients left out (no measured follow-up, or a
    course the engine could not compute).
    """
    lines: list[SpiderLine] = []
    left_out = 0
    for course in endpoints.courses:
        result = course.result
        patient = course.patient
        if result is None or course.baseline is None or not patient.c1d1_date:
            left_out += 1
            continue
        points = [
            SpiderPoint(0, course.baseline.assessment_date, result.baseline_sum_mm, Decimal(0))
        ]
        for followup, timepoint in course.rows:
            if timepoint is None or timepoint.pct_change_from_baseline is None:
                continue
            points.append(
                SpiderPoint(
                    _day(patient.c1d1_date, followup.assessment_date),
                    followup.assessment_date,
                    timepoint.sum_mm,
                    timepoint.pct_change_from_baseline,
                    str(timepoint.overall_response),
                )
            )
        if len(points) < 2:
            left_out += 1
            continue
        lines.append(SpiderLine(patient.subject_id, patient.cohort.code, tuple(points)))
    return lines, left_out


def waterfall_bars(lines: list[SpiderLine], endpoints: TrialEndpoints) -> list[WaterfallBar]:
    """Best (smallest) % change over each patient's follow-ups, with the BOR (pure)."""
    best = {
        c.patient.subject_id: str(c.result.best.response)
        for c in endpoints.courses
        if c.result and c.result.best
    }
    return [
        WaterfallBar(
            line.patient,
            line.cohort,
            min(p.pct_change for p in line.points[1:]),
            best.get(line.patient, ""),
        )
        for line in lines
    ]


def _choice_words(model, field: str) -> dict:
    """A field's stored choices and their words in the active language."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def swimmer_lanes(*, user, endpoints: TrialEndpoints) -> list[SwimmerLane]:
    """Time on treatment per patient with response/progression days (one query).

    Treatment runs from C1D1 to the recorded end of treatment, else to the last dose given
    (the latest actual paclitaxel or IMP321 date of the calendar). A patient is ongoing while
    no end of treatment (or of study) is recorded and a dose of the calendar is still
    expected (no data, not documented as not done, not cancelled).
    """
    expected = Q(
        calendar__actual_date__isnull=True,
        calendar__not_done_reason="",
        calendar__cancelled_reason="",
    )
    treatment = Q(calendar__kind__in=TREATMENT_KINDS)
    dosing = {
        pk: (last, remaining)
        for pk, last, remaining in patients_visible_to(user)
        .filter(subject_id__isnull=False, c1d1_date__isnull=False)
        .order_by()
        .annotate(
            last=Max("calendar__actual_date", filter=treatment),
            remaining=Count("calendar", filter=treatment & expected),
        )
        .values_list("pk", "last", "remaining")
    }
    # Each reason's words once, not per patient (a model's get_FOO_display() hashes every
    # lazily translated choice on each call: seconds at 10,000 patients).
    eot_reasons = _choice_words(Patient, "end_of_treatment_reason")
    eos_reasons = _choice_words(Patient, "end_of_study_reason")
    lanes = []
    for course in endpoints.courses:
        patient = course.patient
        c1d1 = patient.c1d1_date
        ended = patient.end_of_treatment_date or patient.end_of_study_date
        last_dose, remaining = dosing.get(patient.pk, (None, 0))
        last = ended or last_dose
        if c1d1 is None or last is None:
            continue
        result = course.result
        best = result.best if result else None
        response_day = (
            _day(c1d1, best.date)
            if best and best.response in OBJECTIVE_RESPONSES and best.date
            else None
        )
        progression = result.progression_date if result else None
        lanes.append(
            SwimmerLane(
                patient=patient.subject_id,
                cohort=patient.cohort.code,
                treatment_days=max(_day(c1d1, last) + 1, 1),
                ongoing=ended is None and remaining > 0,
                best_response=str(best.response) if best else "",
                response_day=response_day,
                progression_day=_day(c1d1, progression) if progression else None,
                end_reason=(
                    eot_reasons.get(
                        patient.end_of_treatment_reason, patient.end_of_treatment_reason
                    )
                    or eos_reasons.get(patient.end_of_study_reason, patient.end_of_study_reason)
                ),
            )
        )
    return lanes


def immune_changes(*, user) -> list[ChangeFromBaseline]:
    """labs' change from baseline of the immune panel per cohort and draw (one query)."""
    return immune_change_by_cohort(user=user)


# --- Home pages ----------------------------------------------------------------------------------
HOME_LIST_LIMIT = 25


def trial_counts(*, user) -> dict[str, int]:
    """Patients of the user's sites by status (one query)."""
    return patients_visible_to(user).aggregate(
        total=Count("id"),
        screening=Count("id", filter=Q(status=PatientStatus.SCREENING)),
        on_study=Count("id", filter=Q(status=PatientStatus.ENROLLED)),
        off_study=Count("id", filter=Q(status=PatientStatus.OFF_STUDY)),
        screen_failed=Count("id", filter=Q(status=PatientStatus.SCREEN_FAILED)),
    )


@dataclass(frozen=True)
class NextEvent:
    patient: Patient
    event: CalendarEvent | None
    status: EventStatus | None  # DUE or UPCOMING
    today: dt.date

    @property
    def overdue(self) -> bool:
        """Due, and already past its planned date."""
        return self.status == EventStatus.DUE and self.event.planned_date < self.today


# Home shows the patients whose next event comes first; the rest are one click away (the
# patient list), so the page does not grow with the trial.
NEXT_EVENT_ROWS = 50


@dataclass(frozen=True)
class NextEvents:
    rows: list[NextEvent]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def patients_with_next_event(*, user, today: dt.date, limit: int | None = None) -> NextEvents:
    """On-study patients of the user's sites with the event to act on next (three queries),
    the ``limit`` whose event comes first, and how many there are in all.

    Same rule as ``patients.schedule.next_due``, set-based: among events without data whose
    window has not closed, the earliest one that is due today (window open), else the next
    upcoming one, by planned date then code. Sorted by that event's planned date (patients
    without one last), then subject ID, by the database.
    """
    next_event = (
        CalendarEvent.objects.filter(OPEN_CONDITION, patient=OuterRef("pk"), latest__gte=today)
        .annotate(
            upcoming=Case(When(earliest__gt=today, then=1), default=0, output_field=IntegerField())
        )
        .order_by("upcoming", "planned_date", "code")
    )
    limit = limit or NEXT_EVENT_ROWS
    on_study = patients_visible_to(user).filter(status=PatientStatus.ENROLLED)
    patients = list(
        on_study.annotate(
            next_event_id=Subquery(next_event.values("id")[:1]),
            next_planned=Subquery(next_event.values("planned_date")[:1]),
        ).order_by(F("next_planned").asc(nulls_last=True), "subject_id")[:limit]
    )
    total = on_study.count()
    events = CalendarEvent.objects.in_bulk([p.next_event_id for p in patients if p.next_event_id])
    rows = []
    for patient in patients:
        event = events.get(patient.next_event_id)
        status = event_status_of(event, today) if event else None
        rows.append(NextEvent(patient, event, status, today))
    return NextEvents(rows, total)


@dataclass(frozen=True)
class VisitList:
    events: list[CalendarEvent]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.events)


def week_end(today: dt.date) -> dt.date:
    """The Sunday closing ``today``'s week (ISO weeks start on Monday)."""
    return calendar.week_of(today).sunday


def visits_to_do(*, user, today: dt.date, limit: int = HOME_LIST_LIMIT) -> dict[str, VisitList]:
    """Calendar events of on-study patients of the user's sites still without data (4 queries).

    * ``due_this_week``: planned from today to the Sunday of this ISO week
      (``patients.calendar.week_of``: the same week at every site);
    * ``overdue``: planned date passed, window still open (act now);
    * ``missed``: window closed without data (record it, or document why it was not done).

    Each list is in date order (planned date).
    """
    sunday = week_end(today)
    events = calendar_visible_to(user).filter(
        OPEN_CONDITION, patient__status=PatientStatus.ENROLLED
    )
    filters = {
        "due_this_week": Q(planned_date__gte=today, planned_date__lte=sunday),
        "overdue": Q(planned_date__lt=today, latest__gte=today),
        "missed": Q(latest__lt=today),
    }
    totals = events.aggregate(
        **{key: Count("id", filter=condition) for key, condition in filters.items()}
    )
    return {
        key: VisitList(
            list(
                events.filter(condition)
                .select_related("patient__site")
                .order_by("planned_date", "patient__subject_id", "code")[:limit]
            ),
            totals[key],
        )
        for key, condition in filters.items()
    }


def query_totals(*, user) -> dict[str, int]:
    """Unresolved data queries of the user's sites: open (site) and answered (monitor)."""
    rows = query_counts_by_site(user=user)
    return {
        "open": sum(r["open"] for r in rows),
        "answered": sum(r["answered"] for r in rows),
        "by_site": rows,
    }


def deviation_totals(*, user) -> dict[str, int]:
    return active_counts(user=user)


def new_deviations(*, user, limit: int = 10) -> list[Deviation]:
    """Deviations not yet acknowledged, newest first."""
    return list(
        deviations_filtered(user=user, status=DeviationStatus.OPEN).order_by("-detected_at")[:limit]
    )


def sdv_queue(*, user) -> list[dict]:
    """Per site: records of the casebooks, verified, and left to verify (two queries)."""
    return [
        {
            "site": p.label,
            "records": p.records,
            "verified": p.verified,
            "to_verify": max(p.records - p.verified, 0),
            "percent": p.percent,
        }
        for p in sdv_progress_by_site(user=user)
    ]


def recent_changes(*, user, limit: int = 15) -> list[AuditEntry]:
    """The latest writes of trial data (casebook forms) at the user's sites, newest first.

    Monitoring metadata (queries, SDV marks, signatures, locks) is left out: these are the
    changes a monitor may need to re-verify. Each entry gets ``form``, the form's name.
    """
    labels = [model._meta.label_lower for model in casebook_models()]
    entries = list(
        audit_entries_for_user(user).filter(model_label__in=labels).order_by("-at", "-id")[:limit]
    )
    for entry in entries:
        entry.form = form_name(entry.model_label)
    return entries


def cohort_enrolment() -> QuerySet[Cohort]:
    """Every cohort with its number of enrolled patients (trial-wide: capacity is trial-wide)."""
    return Cohort.objects.annotate(
        enrolled=Count("patients", filter=Q(patients__subject_id__isnull=False))
    ).order_by("code")


def sites_enrolment(*, user):
    return (
        sites_visible_to(user)
        .annotate(
            enrolled=Count("patients", filter=Q(patients__subject_id__isnull=False)),
            screening=Count("patients", filter=Q(patients__status=PatientStatus.SCREENING)),
        )
        .order_by("code")
    )


def active_locks(*, user, limit: int = 10) -> tuple[list[Lock], dict[str, int]]:
    """Active locks, newest first, and their number per scope (two queries)."""
    active = locks_for_user(user).filter(unlocked_at__isnull=True)
    counts = active.aggregate(
        total=Count("id"),
        **{scope.value: Count("id", filter=Q(scope=scope)) for scope in LockScope},
    )
    return list(active.order_by("-locked_at", "-id")[:limit]), counts
