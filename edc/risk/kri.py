"""Key risk indicators (KRIs): what each one measures, and their computation over the trial.

Every indicator is computed per patient and per site from a fixed number of set-based queries
(aggregates and one row per record, never a query per patient): :func:`gather` reads the facts,
:func:`site_values` and :func:`patient_values` turn them into the figures. The definitions
below are the ones the site-risk page shows and ``docs/guide-monitor.md`` repeats.

Data-entry lag reads the audit index: a record's *first save* is its ``AuditEntry`` of action
"create" (``at``), stamped by ``edc.audit.clock.audit_now`` — the wall clock in production, the
trial's own timeline in the demo (back-entered), so the demo's lags are the story it tells.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import AdverseEvent, TumourAssessment, VitalSigns
from dosing.models import Imp321Injection, PaclitaxelAdministration
from dosing.selectors import exposure_by_patient
from edc.audit.models import AuditAction, AuditEntry
from edc.audit.records import data_fields
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from edc.monitoring.casebook import EVENT_FORM_RECORDS
from edc.monitoring.constants import QueryStatus
from edc.monitoring.models import DataQuery, SdvMark
from edc.monitoring.records import casebook_models
from labs.models import ImmuneDraw
from patients.constants import PatientStatus
from patients.models import OPEN_CONDITION, CalendarEvent, Patient

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    definition: str
    low_is_risk: bool = False
    per_patient: bool = True
    decimals: int = 1

    @property
    def text(self) -> str:
        """The definition with the limits in force (settings), in the active language."""
        return str(self.definition) % {
            "late_days": settings.RISK_LATE_ENTRY_DAYS,
            "query_days": settings.RISK_OPEN_QUERY_DAYS,
        }


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "entry_lag_days",
        _("Data-entry lag"),
        pgettext_lazy("KRI unit", "days"),
        _(
            "Mean number of days from the visit, dose, sample or event date of a record to its "
            "first save (the audit trail's creation time). Records: doses, injections, vital "
            "signs, adverse events, tumour assessments, immune draws (laboratory values are left "
            "out: typed or imported in bulk per sample, they would outweigh the visits)."
        ),
    ),
    Indicator(
        "late_entry_pct",
        _("Late entries"),
        "%",
        _(
            "Share of those records first saved more than %(late_days)s days after their visit, "
            "dose, sample or event date."
        ),
        decimals=0,
    ),
    Indicator(
        "query_rate",
        _("Query rate"),
        pgettext_lazy("KRI unit", "per 100 data points"),
        _(
            "Data queries raised (by monitors, data managers and edit checks) per 100 data points "
            "entered; a data point is one field of one saved record of the casebook."
        ),
    ),
    Indicator(
        "query_answer_days",
        _("Time to answer queries"),
        pgettext_lazy("KRI unit", "days"),
        _(
            "Median number of days from a query being raised to the site's answer, over the "
            "queries answered so far."
        ),
        per_patient=False,
    ),
    Indicator(
        "old_open_queries",
        _("Old open queries"),
        pgettext_lazy("KRI unit", "queries"),
        _("Queries still open (waiting on the site) raised more than %(query_days)s days ago."),
        decimals=0,
    ),
    Indicator(
        "major_deviations_per_patient",
        _("Major deviations"),
        pgettext_lazy("KRI unit", "per patient"),
        _("Major protocol deviations found (any status except withdrawn) per enrolled patient."),
        decimals=2,
    ),
    Indicator(
        "minor_deviations_per_patient",
        _("Minor deviations"),
        pgettext_lazy("KRI unit", "per patient"),
        _("Minor protocol deviations found (any status except withdrawn) per enrolled patient."),
        decimals=2,
    ),
    Indicator(
        "ae_per_patient_month",
        _("Adverse events"),
        pgettext_lazy("KRI unit", "per patient-month"),
        _(
            "Adverse events reported per month on study (from cycle 1 day 1 to the end of study or "
            "today). Low is the risk: under-reporting. Needs 6 patient-months at least."
        ),
        low_is_risk=True,
        decimals=2,
    ),
    Indicator(
        "sae_per_patient_month",
        _("Serious adverse events"),
        pgettext_lazy("KRI unit", "per patient-month"),
        _(
            "Serious adverse events reported per month on study. Low is the risk: "
            "under-reporting. Needs 6 patient-months at least."
        ),
        low_is_risk=True,
        decimals=3,
    ),
    Indicator(
        "sdv_backlog_pct",
        _("Source verification backlog"),
        "%",
        _(
            "Share of the casebook's saved records without a valid whole-record source-data "
            "verification mark."
        ),
        decimals=0,
    ),
    Indicator(
        "forms_in_progress",
        _("Forms in progress"),
        pgettext_lazy("KRI unit", "forms"),
        _(
            "Dose, injection and tumour-assessment forms saved with required values missing "
            "(infusion times; kit, lot and injection site; the investigator's response)."
        ),
        decimals=0,
    ),
    Indicator(
        "missed_visits_per_patient",
        _("Missed visits"),
        pgettext_lazy("KRI unit", "per patient"),
        _(
            "Calendar events whose window has closed with nothing recorded (no date, no reason "
            "for not done, not cancelled), per enrolled patient."
        ),
        decimals=2,
    ),
    Indicator(
        "rdi",
        _("Dose intensity"),
        "RDI",
        _(
            "Mean relative dose intensity of paclitaxel of the site's treated patients (received "
            "mg/m² over the protocol's 80 mg/m² × 3 doses of each started cycle). "
            "Low is the risk."
        ),
        low_is_risk=True,
        decimals=2,
    ),
    Indicator(
        "screen_failure_pct",
        _("Screen failures"),
        "%",
        _(
            "Patients who failed screening, among those whose screening has ended (failed or "
            "enrolled)."
        ),
        per_patient=False,
        decimals=0,
    ),
)
INDICATORS_BY_CODE = {i.code: i for i in INDICATORS}
MIN_PATIENT_MONTHS = 6.0

# Records whose first save is measured against a clinical date: (model, date field).
ENTRY_SOURCES: tuple[tuple[type, str], ...] = (
    (PaclitaxelAdministration, "administration_date"),
    (Imp321Injection, "injected_at"),
    (VitalSigns, "measured_on"),
    (AdverseEvent, "start_date"),
    (TumourAssessment, "assessment_date"),
    (ImmuneDraw, "drawn_at"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One record's first save against its clinical date (``saved_day``: the local day)."""

    model_label: str
    object_id: int
    patient_id: int
    site_id: int
    day: dt.date
    saved_at: dt.datetime
    saved_day: dt.date
    lag: int  # whole days from ``day`` to ``saved_day``, 0 when saved before it


def make_entry(model_label, object_id, patient_id, site_id, day, saved_at, tz=None) -> Entry:
    tz = tz or timezone.get_current_timezone()
    saved_day = saved_at.astimezone(tz).date()
    return Entry(
        model_label, object_id, patient_id, site_id, day, saved_at, saved_day,
        max(0, (saved_day - day).days),
    )  # fmt: skip


@dataclass
class PatientFacts:
    id: int
    site_id: int
    label: str
    status: str
    enrolled: bool
    screen_failed: bool
    months: float = 0.0
    entries: list[Entry] = field(default_factory=list)
    data_points: int = 0
    records: int = 0
    verified: int = 0
    queries: int = 0
    old_open_queries: int = 0
    answer_days: list[float] = field(default_factory=list)
    major: int = 0
    minor: int = 0
    aes: int = 0
    saes: int = 0
    in_progress: int = 0
    missed: int = 0
    rdi: float | None = None


@dataclass
class Facts:
    as_of: dt.date
    patients: dict[int, PatientFacts]

    def by_site(self) -> dict[int, list[PatientFacts]]:
        out: dict[int, list[PatientFacts]] = defaultdict(list)
        for p in self.patients.values():
            out[p.site_id].append(p)
        return out


def _patient_months(c1d1: dt.date | None, end: dt.date | None, as_of: dt.date) -> float:
    if c1d1 is None or c1d1 > as_of:
        return 0.0
    stop = min(end or as_of, as_of)
    return max(0, (stop - c1d1).days) / DAYS_PER_MONTH


def _local_day(value, tz) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).date() if timezone.is_aware(value) else value.date()
    return value


def entries(*, site_ids=None, patient_ids=None) -> list[Entry]:
    """First saves of every dated record: one query per kind of record (ENTRY_SOURCES)."""
    found: list[Entry] = []
    tz = timezone.get_current_timezone()
    for model, date_field in ENTRY_SOURCES:
        ct = ContentType.objects.get_for_model(model)
        qs = AuditEntry.objects.filter(
            action=AuditAction.CREATE, content_type=ct, patient__isnull=False
        )
        if site_ids is not None:
            qs = qs.filter(site_id__in=site_ids)
        if patient_ids is not None:
            qs = qs.filter(patient_id__in=patient_ids)
        day = Subquery(model._base_manager.filter(pk=OuterRef("object_id")).values(date_field)[:1])
        for object_id, patient_id, site_id, at, when in (
            qs.annotate(day=day)
            .filter(day__isnull=False)
            .values_list("object_id", "patient_id", "site_id", "at", "day")
            .order_by()
        ):
            found.append(
                make_entry(
                    model._meta.label, object_id, patient_id, site_id, _local_day(when, tz), at, tz
                )
            )
    return found


def gather(*, as_of: dt.date | None = None, site_ids=None) -> Facts:
    """Every fact the indicators need, for all sites (or ``site_ids``): a fixed number of
    queries whatever the number of patients."""
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    patients_qs = Patient.objects.all()
    if site_ids is not None:
        patients_qs = patients_qs.filter(site_id__in=site_ids)
    facts = Facts(as_of=as_of, patients={})
    for (
        pid,
        site_id,
        status,
        subject_id,
        number,
        reason,
        c1d1,
        end,
        site_code,
    ) in patients_qs.values_list(
        "id",
        "site_id",
        "status",
        "subject_id",
        "screening_number",
        "screen_failure_reason",
        "c1d1_date",
        "end_of_study_date",
        "site__code",
    ).order_by():
        enrolled = subject_id is not None
        facts.patients[pid] = PatientFacts(
            id=pid,
            site_id=site_id,
            label=subject_id or f"{site_code} screening {number}",
            status=status,
            enrolled=enrolled,
            screen_failed=not enrolled
            and (status == PatientStatus.SCREEN_FAILED or bool(reason.strip())),
            months=_patient_months(c1d1, end, as_of) if enrolled else 0.0,
        )
    P = facts.patients

    def scoped(qs, lookup="patient"):
        qs = qs.filter(**{f"{lookup}__in": patients_qs.values("id")}) if site_ids else qs
        return qs.order_by()

    # Entry lag: the first save of every dated record.
    for e in entries(site_ids=site_ids):
        if e.patient_id in P:
            P[e.patient_id].entries.append(e)

    # Records and data points of the casebook, from the audit index (created − deleted).
    models_by_label = {m._meta.label_lower: m for m in casebook_models()}
    fields_of = {label: len(data_fields(m)) for label, m in models_by_label.items()}
    for pid, label, created, deleted in (
        scoped(
            AuditEntry.objects.filter(model_label__in=list(models_by_label), patient__isnull=False)
        )
        .values("patient_id", "model_label")
        .annotate(
            created=Count("id", filter=Q(action=AuditAction.CREATE)),
            deleted=Count("id", filter=Q(action=AuditAction.DELETE)),
        )
        .values_list("patient_id", "model_label", "created", "deleted")
    ):
        if pid in P:
            n = max(0, created - deleted)
            P[pid].records += n
            P[pid].data_points += n * fields_of[label]
    for pid, n in (
        scoped(SdvMark.objects.filter(field="", cleared_at__isnull=True, patient__isnull=False))
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    ):
        if pid in P:
            P[pid].verified += n

    # Queries.
    old = now - dt.timedelta(days=settings.RISK_OPEN_QUERY_DAYS)
    for pid, status, raised_at, answered_at in scoped(
        DataQuery.objects.filter(patient__isnull=False)
    ).values_list("patient_id", "status", "raised_at", "answered_at"):
        if pid not in P:
            continue
        P[pid].queries += 1
        if status == QueryStatus.OPEN and raised_at < old:
            P[pid].old_open_queries += 1
        if answered_at is not None:
            P[pid].answer_days.append((answered_at - raised_at).total_seconds() / 86400)

    # Deviations by severity.
    for pid, severity, n in (
        scoped(Deviation.objects.exclude(status=DeviationStatus.WITHDRAWN))
        .values("patient_id", "severity")
        .annotate(n=Count("id"))
        .values_list("patient_id", "severity", "n")
    ):
        if pid in P:
            setattr(P[pid], "major" if severity == "major" else "minor", n)

    # Adverse events.
    for pid, n, serious in (
        scoped(AdverseEvent.objects.all())
        .values("patient_id")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(serious=True)))
        .values_list("patient_id", "n", "serious")
    ):
        if pid in P:
            P[pid].aes, P[pid].saes = n, serious

    # Forms saved with required values missing.
    for form in EVENT_FORM_RECORDS.values():
        spec = form.record
        if spec.missing is None:
            continue
        for pid, n in (
            scoped(spec.model.objects.filter(spec.missing), spec.patient)
            .values(pid=F(f"{spec.patient}_id"))
            .annotate(n=Count("id"))
            .values_list("pid", "n")
        ):
            if pid in P:
                P[pid].in_progress += n

    # Missed visits.
    for pid, n in (
        scoped(CalendarEvent.objects.filter(OPEN_CONDITION, latest__lt=as_of))
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    ):
        if pid in P:
            P[pid].missed = n

    # Dose intensity: dosing's own exposure computation (two queries).
    treated = patients_qs.filter(subject_id__isnull=False)
    for pid, exposure in exposure_by_patient(patients=treated).items():
        if pid in P and exposure.rdi_overall is not None:
            P[pid].rdi = float(exposure.rdi_overall)
    return facts


# --- figures from facts -------------------------------------------------------------------------


def _mean(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return scale * num / den if den else None


def values_for(patients: list[PatientFacts]) -> dict[str, float | None]:
    """Every indicator over a group of patients (a site, or one patient)."""
    entries_ = [e for p in patients for e in p.entries]
    late_days = settings.RISK_LATE_ENTRY_DAYS
    enrolled = [p for p in patients if p.enrolled]
    months = sum(p.months for p in enrolled)
    answers = [d for p in patients for d in p.answer_days]
    records = sum(p.records for p in patients)
    decided = [p for p in patients if p.enrolled or p.screen_failed]
    rdis = [p.rdi for p in enrolled if p.rdi is not None]
    return {
        "entry_lag_days": _mean(e.lag for e in entries_),
        "late_entry_pct": _ratio(sum(e.lag > late_days for e in entries_), len(entries_), 100),
        "query_rate": _ratio(
            sum(p.queries for p in patients), sum(p.data_points for p in patients), 100
        ),
        "query_answer_days": statistics.median(answers) if answers else None,
        "old_open_queries": float(sum(p.old_open_queries for p in patients)),
        "major_deviations_per_patient": _ratio(sum(p.major for p in enrolled), len(enrolled)),
        "minor_deviations_per_patient": _ratio(sum(p.minor for p in enrolled), len(enrolled)),
        "ae_per_patient_month": (
            sum(p.aes for p in enrolled) / months if months >= MIN_PATIENT_MONTHS else None
        ),
        "sae_per_patient_month": (
            sum(p.saes for p in enrolled) / months if months >= MIN_PATIENT_MONTHS else None
        ),
        "sdv_backlog_pct": _ratio(
            records - min(records, sum(p.verified for p in patients)), records, 100
        ),
        "forms_in_progress": float(sum(p.in_progress for p in patients)),
        "missed_visits_per_patient": _ratio(sum(p.missed for p in enrolled), len(enrolled)),
        "rdi": _mean(rdis),
        "screen_failure_pct": _ratio(sum(p.screen_failed for p in decided), len(decided), 100),
    }


def patient_values(p: PatientFacts) -> dict[str, float | None]:
    """A patient's own figures (AE rates need no minimum follow-up here: they are shown, not
    coloured)."""
    values = values_for([p])
    if p.months:
        values["ae_per_patient_month"] = p.aes / p.months
        values["sae_per_patient_month"] = p.saes / p.months
    return values


def level_of(code: str, value: float | None, thresholds: dict | None = None) -> str:
    """'ok', 'watch', 'act' or 'none' (no value) against settings.RISK_KRI_THRESHOLDS."""
    from .models import Level

    if value is None:
        return Level.NONE
    thresholds = thresholds or settings.RISK_KRI_THRESHOLDS
    if code not in thresholds:
        return Level.OK
    watch, act = thresholds[code]
    if INDICATORS_BY_CODE[code].low_is_risk:
        return Level.ACT if value < act else Level.WATCH if value < watch else Level.OK
    return Level.ACT if value >= act else Level.WATCH if value >= watch else Level.OK


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def recent_months(as_of: dt.date, n: int) -> list[str]:
    months, year, month = [], as_of.year, as_of.month
    for _month in range(n):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def trend_for(patients: list[PatientFacts], months: list[str]) -> dict:
    """Monthly sums by month of first save (so pooled groups can be combined): records
    entered, the sum of their lags, how many were late, and queries are not dated here."""
    late_days = settings.RISK_LATE_ENTRY_DAYS
    index = {m: i for i, m in enumerate(months)}
    entered, lag_sum, late = [0] * len(months), [0] * len(months), [0] * len(months)
    for p in patients:
        for e in p.entries:
            i = index.get(month_key(e.saved_day))
            if i is None:
                continue
            entered[i] += 1
            lag_sum[i] += e.lag
            late[i] += e.lag > late_days
    return {"months": months, "entered": entered, "lag_sum": lag_sum, "late": late}
