"""Access-scoped reads of lab data, each page or API list in a fixed number of queries.

Functions taking ``user`` scope to the user's sites (another site's record is a 404).
``reference_range_for`` and the haematology look-ups are for services and other apps (the
dosing hold check): they trust their caller to have fetched the patient through a scoped
selector.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from edc import protocol
from edc.access.constants import Role
from edc.access.selectors import scope_to_user_sites, user_role
from patients.models import CalendarEvent, Patient
from patients.selectors import patients_visible_to

from . import constants as msg
from . import immune, units
from .catalogue import ANALYTES, UNKNOWN_ANALYTE_MESSAGE
from .charts import TrendPoint
from .constants import HOLD_CHECK_ANALYTES, DrawEvent
from .models import ImmuneDraw, ImportBatch, ImportChunk, Laboratory, LabResult, ReferenceRange
from .ranges import select_range


def _get_or_404(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {qs.model._meta.verbose_name}.") from None


# --- Laboratories and reference ranges -----------------------------------------------------------
def laboratories_visible_to(user) -> QuerySet[Laboratory]:
    qs = Laboratory.objects.select_related("site")
    return scope_to_user_sites(qs, user, site_lookup="site")


def reference_ranges_visible_to(user) -> QuerySet[ReferenceRange]:
    qs = ReferenceRange.objects.select_related("lab", "lab__site")
    return scope_to_user_sites(qs, user, site_lookup="lab__site")


def reference_range_get_for_user(*, user, pk) -> ReferenceRange:
    return _get_or_404(reference_ranges_visible_to(user), pk)


def reference_range_for(
    *, lab_id: int, analyte_code: str, sex: str, on: dt.date
) -> ReferenceRange | None:
    """The range judging a result of ``analyte_code`` by ``lab_id`` collected ``on`` (1 query)."""
    candidates = ReferenceRange.objects.filter(
        lab_id=lab_id, analyte=analyte_code, sex__in=[sex, ""], effective_from__lte=on
    )
    return select_range(candidates, lab_id=lab_id, analyte_code=analyte_code, sex=sex, on=on)


# --- Results -------------------------------------------------------------------------------------
def results_visible_to(user) -> QuerySet[LabResult]:
    qs = LabResult.objects.select_related("patient", "patient__site", "lab")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def result_get_for_user(*, user, pk) -> LabResult:
    return _get_or_404(results_visible_to(user), pk)


def results_for_patient(*, user, patient: Patient) -> QuerySet[LabResult]:
    return results_visible_to(user).filter(patient=patient).order_by("-collected_at", "analyte")


def lab_patients_for_user(user) -> QuerySet[Patient]:
    """Patients of the user's sites with their number of results and last collection time.

    Both figures are per-patient subqueries, not a join grouped over every result: the list is
    paginated, so the database sorts the patients, keeps one page, and counts that page's
    results only (a grouped join counted all of them first: 1.3 s at 10,000 patients)."""
    results = LabResult.objects.filter(patient=OuterRef("pk")).order_by()
    return (
        patients_visible_to(user)
        .annotate(
            result_count=Coalesce(
                Subquery(results.annotate(n=Func(F("id"), function="COUNT")).values("n")),
                0,
            ),
            last_collected=Subquery(
                results.annotate(last=Func(F("collected_at"), function="MAX")).values("last")
            ),
        )
        .order_by("site__code", "subject_id", "screening_number")
    )


def latest_haematology(
    patient: Patient | int,
    *,
    before: dt.date,
    within_days: int = protocol.HOLD_LAB_LOOKBACK_DAYS,
) -> dict[str, Decimal | None]:
    """Latest ANC and platelets (standard unit, 10^9/L) collected in the look-back window.

    The window is ``before - within_days`` to ``before``, both days included, in the trial's
    local time (protocol: "lab within 3 days before" the paclitaxel dose; a sample taken on the
    morning of the dose counts). A missing analyte is ``None``. One query.
    """
    patient_id = getattr(patient, "pk", patient)
    start = before - dt.timedelta(days=within_days)
    rows = (
        LabResult.objects.filter(
            patient_id=patient_id,
            analyte__in=HOLD_CHECK_ANALYTES,
            collected_at__date__gte=start,
            collected_at__date__lte=before,
        )
        .order_by("-collected_at", "-id")
        .values_list("analyte", "standard_value")
    )
    latest: dict[str, Decimal | None] = dict.fromkeys(HOLD_CHECK_ANALYTES)
    for code, value in rows:
        if latest[code] is None:
            latest[code] = value
    return latest


def haematology_for_dose(
    *, patient: Patient | int, dose_date: dt.date
) -> dict[str, Decimal | None]:
    """ANC and PLT for the dosing hold check: keys "ANC" and "PLT", values in 10^9/L or None.

    Latest results collected from ``dose_date - HOLD_LAB_LOOKBACK_DAYS`` to ``dose_date``
    inclusive.
    """
    return latest_haematology(
        patient, before=dose_date, within_days=protocol.HOLD_LAB_LOOKBACK_DAYS
    )


def trend_for_patient(
    *, user, patient: Patient, analytes: Iterable[str]
) -> tuple[dict[str, list[TrendPoint]], list[dt.date]]:
    """Points per analyte (oldest first, local time) and the actual paclitaxel dates (2 queries)."""
    codes = tuple(analytes)
    points: dict[str, list[TrendPoint]] = {code: [] for code in codes}
    rows = (
        results_visible_to(user)
        .filter(patient=patient, analyte__in=codes)
        .order_by("collected_at", "id")
        .values_list(
            "analyte",
            "collected_at",
            "standard_value",
            "normal_low",
            "normal_high",
            "flag",
            "ctcae_grade",
        )
    )
    for code, at, value, low, high, flag, grade in rows:
        points[code].append(
            TrendPoint(
                at=timezone.localtime(at), value=value, low=low, high=high, flag=flag, grade=grade
            )
        )
    dose_dates = list(
        CalendarEvent.objects.filter(
            patient=patient, kind=protocol.PACLITAXEL, actual_date__isnull=False
        )
        .order_by("actual_date")
        .values_list("actual_date", flat=True)
    )
    return points, dose_dates


# --- Immune monitoring ---------------------------------------------------------------------------
def draws_visible_to(user) -> QuerySet[ImmuneDraw]:
    qs = ImmuneDraw.objects.select_related("patient", "patient__site", "patient__cohort", "lab")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def draw_get_for_user(*, user, pk) -> ImmuneDraw:
    return _get_or_404(draws_visible_to(user).prefetch_related("results"), pk)


def immune_schedule(*, user, patient: Patient) -> list[dict]:
    """The patient's three immune draws: calendar dates and window, and the draw if recorded.

    Due dates come from the calendar (``patients.calendar`` computes them from the *actual*
    injection dates). Three queries.
    """
    events = {
        e.code: e for e in CalendarEvent.objects.filter(patient=patient, code__in=DrawEvent.values)
    }
    draws = {
        d.event_code: d
        for d in draws_visible_to(user).filter(patient=patient).prefetch_related("results")
    }
    schedule = []
    for code, label in DrawEvent.choices:
        event = events.get(code)
        draw = draws.get(code)
        timing = None
        if event is not None and draw is not None:
            timing = immune.days_outside_window(
                timezone.localdate(draw.drawn_at), earliest=event.earliest, latest=event.latest
            )
        schedule.append(
            {
                "code": code,
                "label": label,
                "event": event,
                "draw": draw,
                "days_outside": timing,
                "days_early": -timing if timing and timing < 0 else 0,
                "days_late": timing if timing and timing > 0 else 0,
            }
        )
    return schedule


def immune_change_by_cohort(*, user) -> list[immune.ChangeFromBaseline]:
    """Change from baseline of every immune analyte, per cohort and draw (one query).

    Each follow-up draw's value is paired with the same patient's baseline value of that
    analyte (a join: one baseline draw per patient, one value per analyte in a draw) and
    summed per cohort, draw
    and analyte in the database: at 10,000 patients the values are ~400,000 rows, the sums a
    few dozen. ``immune.change_from_baseline`` turns the sums into the means shown.
    """
    value = F("standard_value")
    base = F("baseline__standard_value")
    has_pct = Q(baseline__standard_value__gt=0)
    rows = (
        scope_to_user_sites(LabResult.objects.all(), user, site_lookup="patient__site")
        # The patient's baseline value of the same analyte (ImmuneDraw is unique per patient
        # and draw).
        .annotate(
            baseline_draw=FilteredRelation(
                "patient__immune_draws",
                condition=Q(patient__immune_draws__event_code=immune.BASELINE),
            ),
            baseline=FilteredRelation(
                "baseline_draw__results",
                condition=Q(baseline_draw__results__analyte=F("analyte")),
            ),
        )
        .filter(
            immune_draw__event_code__in=immune.FOLLOW_UPS,
            patient__cohort__isnull=False,
            baseline__standard_value__isnull=False,
        )
        .values_list("patient__cohort__code", "immune_draw__event_code", "analyte")
        .annotate(
            n=Count("pk"),
            sum_baseline=Sum(base),
            sum_value=Sum(value),
            n_pct=Count("pk", filter=has_pct),
            sum_pct=Sum(
                ExpressionWrapper((value - base) * 100 / base, output_field=DecimalField()),
                filter=has_pct,
            ),
        )
        .order_by()
    )
    return immune.change_from_baseline(immune.ChangeSums(*row) for row in rows)


# --- Imports -------------------------------------------------------------------------------------
def batches_visible_to(user) -> QuerySet[ImportBatch]:
    """Data managers see every import; site staff the ones they uploaded; others none."""
    qs = ImportBatch.objects.select_related("uploaded_by", "committed_by")
    role = user_role(user)
    if role == Role.DATA_MANAGER:
        return qs
    if role in (Role.INVESTIGATOR, Role.COORDINATOR):
        return qs.filter(uploaded_by=user)
    return qs.none()


def batch_get_for_user(*, user, pk) -> ImportBatch:
    return _get_or_404(batches_visible_to(user), pk)


def batch_rows(*, batch: ImportBatch, status: str | None = None) -> list[dict]:
    """The batch's report rows in file order, optionally only those of one ``RowStatus``.

    Chunks without a row of that status are not read (their counts say so); a report is
    bounded by the import's file-size limit. One query.
    """
    chunks = ImportChunk.objects.filter(batch=batch).order_by("first_line")
    if status:
        chunks = chunks.filter(**{f"{status}_rows__gt": 0})
    rows = []
    for rows_of_chunk in chunks.values_list("rows", flat=True):
        rows.extend(r for r in rows_of_chunk if not status or r["status"] == status)
    return rows


# --- Import report reasons, in the reader's language ---------------------------------------------
# The report stores its reasons in English (``labs.imports``); a page shows them translated.
_ROW_REASONS = (
    msg.ROW_EXTRA_FIELDS,
    msg.ROW_MISSING,
    msg.ROW_UNKNOWN_SUBJECT,
    msg.ROW_UNKNOWN_LAB,
    msg.ROW_NOT_A_NUMBER,
    msg.ROW_BAD_DATETIME,
    msg.ROW_DUPLICATE_IN_FILE,
    msg.ROW_ALREADY_IMPORTED,
    msg.LAB_NOT_AT_SITE,
    msg.NO_REFERENCE_RANGE,
    msg.COLLECTED_IN_FUTURE,
    UNKNOWN_ANALYTE_MESSAGE,
    units.UNKNOWN_UNIT_MESSAGE,
    units.NOT_A_NUMBER_MESSAGE,
    units.PHYSIOLOGICAL_LIMIT_MESSAGE,
)
_PLACEHOLDER = re.compile(r"(\{\w+(?:![rs])?\})")
_reason_patterns: list[tuple[re.Pattern, object]] = []


def _reason_pattern(template) -> re.Pattern:
    with translation.override("en"):
        english = str(template)
    regex, seen = "", set()
    for part in _PLACEHOLDER.split(english):
        if _PLACEHOLDER.fullmatch(part):
            name = part[1:-1].split("!")[0]
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
            seen.add(name)
        else:
            regex += re.escape(part)
    return re.compile(regex + r"\Z", re.DOTALL)


def row_reason(text: str) -> str:
    """A stored import-report reason in the active language (as stored when not recognised)."""
    if not text:
        return text
    if not _reason_patterns:
        _reason_patterns.extend((_reason_pattern(t), t) for t in _ROW_REASONS)
    labels = {a.name: a.label for a in ANALYTES}
    for pattern, template in _reason_patterns:
        match = pattern.match(text)
        if match is None:
            continue
        translated = str(template)
        for token in set(_PLACEHOLDER.findall(translated)):
            value = match.groupdict().get(token[1:-1].split("!")[0])
            if value is not None:
                translated = translated.replace(token, str(labels.get(value, value)))
        return translated
    return gettext(text)
