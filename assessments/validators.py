"""One validator per clinical rule, shared by the browser forms and the API (via services).

Each raises ``django.core.exceptions.ValidationError`` keyed by the offending field, with a
message constant from ``constants``. ``collect_errors`` (``edc.validators``) lets a service run
several rules and report every broken one at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from edc import protocol
from edc.protocol import RECIST
from edc.softcheck import WARN_DATE_OUTSIDE_WINDOW, SoftCheck, outside_window
from edc.validators import LESION_DIAMETER_MM, ErrorCollector, collect_errors

from . import constants as msg
from . import ctcae
from .rules import is_nodal

__all__ = ["ErrorCollector", "collect_errors"]  # shared (edc.validators); services import here


# --- Tumour assessments -------------------------------------------------------------------------
def validate_enrolled(c1d1: dt.date | None) -> None:
    if c1d1 is None:
        raise ValidationError({"__all__": msg.NOT_ENROLLED})


def validate_baseline_window(value: dt.date, *, c1d1: dt.date) -> None:
    """PROTOCOL.md: the baseline tumour assessment is within 28 days before C1D1."""
    earliest = c1d1 - dt.timedelta(days=protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1)
    if not earliest <= value <= c1d1:
        raise ValidationError({"assessment_date": msg.BASELINE_OUTSIDE_WINDOW.format(c1d1=c1d1)})


def validate_diameter_range(value: Decimal, field: str) -> None:
    """edc.validators.LESION_DIAMETER_MM: 0 to 500 mm (a longer one is a unit error)."""
    if not LESION_DIAMETER_MM.contains(value):
        raise ValidationError({field: msg.DIAMETER_OUT_OF_RANGE})


def validate_target_lesion_measurable(*, label: str, organ: str, diameter_mm) -> None:
    """RECIST 1.1: targets ≥ 10 mm longest diameter; a node ≥ 15 mm short axis."""
    if diameter_mm is None:
        raise ValidationError(
            {"target_lesions": msg.BASELINE_DIAMETER_REQUIRED.format(label=label)}
        )
    validate_diameter_range(diameter_mm, "target_lesions")
    if is_nodal(organ):
        if diameter_mm < RECIST.node_target_min_short_axis_mm:
            raise ValidationError(
                {
                    "target_lesions": msg.NODE_TARGET_TOO_SMALL.format(
                        label=label, diameter=diameter_mm
                    )
                }
            )
    elif diameter_mm < RECIST.measurable_min_mm:
        raise ValidationError(
            {"target_lesions": msg.TARGET_NOT_MEASURABLE.format(label=label, diameter=diameter_mm)}
        )


def validate_target_count(count: int) -> None:
    """RECIST 1.1: at most 5 target lesions in total."""
    if count > RECIST.max_targets:
        raise ValidationError({"target_lesions": msg.TOO_MANY_TARGETS})


def validate_targets_per_organ(organs: Iterable[str]) -> None:
    """RECIST 1.1: at most 2 target lesions per organ (all lymph nodes are one organ)."""
    labels = dict(msg.Organ.choices)
    for organ, count in sorted(Counter(organs).items()):
        if count > RECIST.max_targets_per_organ:
            raise ValidationError(
                {
                    "target_lesions": msg.TOO_MANY_TARGETS_IN_ORGAN.format(
                        organ=labels.get(organ, organ)
                    )
                }
            )


def validate_lesion_labels(labels: Sequence[str], field: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if not label:
            raise ValidationError({field: msg.LABEL_REQUIRED})
        if label in seen:
            raise ValidationError({field: msg.DUPLICATE_LESION_LABEL.format(label=label)})
        seen.add(label)


def validate_organ(organ: str, *, label: str, field: str) -> None:
    if organ not in msg.Organ.values:
        raise ValidationError({field: msg.ORGAN_REQUIRED.format(label=label)})


def validate_baseline_has_disease(*, targets: int, non_targets: int) -> None:
    if targets + non_targets == 0:
        raise ValidationError({"target_lesions": msg.NO_BASELINE_DISEASE})


def validate_followup_date(value: dt.date, *, baseline_date: dt.date, c1d1: dt.date) -> None:
    if value <= baseline_date:
        raise ValidationError(
            {"assessment_date": msg.FOLLOW_UP_NOT_AFTER_BASELINE.format(baseline=baseline_date)}
        )
    if value < c1d1:
        raise ValidationError({"assessment_date": msg.FOLLOW_UP_BEFORE_C1D1.format(c1d1=c1d1)})


def validate_baseline_before_followups(value: dt.date, *, first_followup: dt.date | None) -> None:
    if first_followup is not None and value >= first_followup:
        raise ValidationError(
            {"assessment_date": msg.BASELINE_AFTER_FOLLOW_UP.format(date=first_followup)}
        )


def validate_assessment_date_free(value: dt.date, *, taken: Iterable[dt.date]) -> None:
    if value in set(taken):
        raise ValidationError({"assessment_date": msg.ASSESSMENT_DATE_TAKEN.format(date=value)})


def validate_measurement(*, label: str, diameter_mm, too_small: bool, not_evaluable: bool) -> None:
    """A re-measured target: a diameter (0 = gone), or too small to measure, or not evaluable."""
    if too_small or not_evaluable:
        if diameter_mm is not None or (too_small and not_evaluable):
            raise ValidationError(
                {"measurements": msg.MEASUREMENT_DIAMETER_WITH_STATE.format(label=label)}
            )
        return
    if diameter_mm is None:
        raise ValidationError(
            {"measurements": msg.MEASUREMENT_DIAMETER_REQUIRED.format(label=label)}
        )
    validate_diameter_range(diameter_mm, "measurements")


def validate_every_target_measured(
    *, baseline_labels: dict[int, str], measured_ids: Sequence[int]
) -> None:
    """Each baseline target appears exactly once at every follow-up."""
    counts = Counter(measured_ids)
    for lesion_id in counts:
        if lesion_id not in baseline_labels:
            raise ValidationError(
                {"measurements": msg.MEASUREMENT_UNKNOWN_LESION.format(lesion=lesion_id)}
            )
    for lesion_id, label in baseline_labels.items():
        if counts[lesion_id] == 0:
            raise ValidationError({"measurements": msg.MEASUREMENT_MISSING.format(label=label)})
        if counts[lesion_id] > 1:
            raise ValidationError({"measurements": msg.MEASUREMENT_DUPLICATE.format(label=label)})


def validate_non_target_status(status: str, *, baseline_has_non_targets: bool) -> None:
    if baseline_has_non_targets and not status:
        raise ValidationError({"non_target_status": msg.NON_TARGET_STATUS_REQUIRED})
    if not baseline_has_non_targets and status:
        raise ValidationError({"non_target_status": msg.NON_TARGET_STATUS_WITHOUT_BASELINE})


# --- Adverse events ------------------------------------------------------------------------------
def validate_ctcae_term(meddra_code: str) -> dict:
    """The MedDRA code is a CTCAE v5.0 term; returns the term."""
    term = ctcae.term_by_code(meddra_code or "")
    if term is None:
        raise ValidationError({"meddra_code": msg.UNKNOWN_CTCAE_TERM.format(code=meddra_code)})
    return term


def defined_grades(term: dict) -> list[int]:
    """Grades that exist for a term (the workbook's "-" grades are empty strings)."""
    return [int(g) for g, text in term["grades"].items() if text]


def validate_ctcae_grade(grade: int, *, term: dict) -> None:
    if grade not in msg.CTCAE_GRADES:
        raise ValidationError({"grade": msg.GRADE_OUT_OF_RANGE})
    if not term["grades"].get(str(grade)):
        raise ValidationError(
            {
                "grade": msg.GRADE_NOT_DEFINED.format(
                    grade=grade,
                    term=term["term"],
                    grades=", ".join(str(g) for g in defined_grades(term)),
                )
            }
        )


def validate_term_specify(specify: str, *, term: dict) -> None:
    if term["term"].endswith(msg.OTHER_SPECIFY_SUFFIX) and not (specify or "").strip():
        raise ValidationError({"term_specify": msg.SPECIFY_REQUIRED.format(term=term["term"])})


def validate_stop_not_before_start(start: dt.date, stop: dt.date | None) -> None:
    if stop is not None and stop < start:
        raise ValidationError({"stop_date": msg.STOP_BEFORE_START})


def validate_fatal_event(
    *, grade: int, outcome: str, death_date: dt.date | None, start_date: dt.date
) -> None:
    """CTCAE grade 5 is death related to the AE: it has a date of death and a fatal outcome."""
    if grade == msg.FATAL_GRADE:
        if death_date is None:
            raise ValidationError({"death_date": msg.FATAL_NEEDS_DEATH_DATE})
        if outcome != msg.AEOutcome.FATAL:
            raise ValidationError({"outcome": msg.FATAL_NEEDS_OUTCOME})
    else:
        if outcome == msg.AEOutcome.FATAL:
            raise ValidationError({"grade": msg.FATAL_OUTCOME_NEEDS_GRADE_5})
        if death_date is not None:
            raise ValidationError({"death_date": msg.DEATH_DATE_ONLY_IF_FATAL})
    if death_date is not None and death_date < start_date:
        raise ValidationError({"death_date": msg.DEATH_BEFORE_START})


def validate_resolved_has_stop(*, outcome: str, stop_date: dt.date | None) -> None:
    if outcome in msg.RESOLVED_OUTCOMES and stop_date is None:
        raise ValidationError({"stop_date": msg.RESOLVED_NEEDS_STOP})


def validate_not_future_time(value: dt.datetime | None, field: str) -> None:
    if value is not None and value > timezone.now():
        raise ValidationError({field: msg.TIME_IN_FUTURE})


def validate_sae(
    *,
    serious: bool,
    grade: int,
    criteria: Sequence[str],
    aware_at: dt.datetime | None,
    reported_at: dt.datetime | None,
    start_date: dt.date,
) -> None:
    """An SAE has criteria, the site's awareness time and the report time (24-hour rule)."""
    if grade == msg.FATAL_GRADE and not serious:
        raise ValidationError({"serious": msg.FATAL_IS_SERIOUS})
    if not serious:
        if criteria:
            raise ValidationError({"sae_criteria": msg.SAE_CRITERIA_NOT_SERIOUS})
        if aware_at is not None or reported_at is not None:
            raise ValidationError({"sae_aware_at": msg.SAE_DATES_NOT_SERIOUS})
        return
    collector = collect_errors()
    if not criteria:
        collector.add("sae_criteria", msg.SAE_CRITERIA_REQUIRED)
    unknown = [c for c in criteria if c not in msg.SAECriterion.values]
    if unknown:
        collector.add(
            "sae_criteria",
            gettext("Unknown seriousness criteria: %(criteria)s.")
            % {"criteria": ", ".join(unknown)},
        )
    if aware_at is None:
        collector.add("sae_aware_at", msg.SAE_AWARENESS_REQUIRED)
    if reported_at is None:
        collector.add("sae_reported_at", msg.SAE_REPORT_REQUIRED)
    collector.check(validate_not_future_time, aware_at, "sae_aware_at")
    collector.check(validate_not_future_time, reported_at, "sae_reported_at")
    if aware_at is not None and timezone.localdate(aware_at) < start_date:
        collector.add("sae_aware_at", msg.SAE_AWARE_BEFORE_START)
    if aware_at is not None and reported_at is not None and reported_at < aware_at:
        collector.add("sae_reported_at", msg.SAE_REPORT_BEFORE_AWARENESS)
    collector.raise_if_any()


# --- Vital signs ---------------------------------------------------------------------------------
def validate_within_limits(value, *, field: str, label: str, limits: tuple, unit: str) -> None:
    """Physiological limits: a value outside them is an entry error and is refused."""
    low, high = limits
    if value is None or not low <= value <= high:
        raise ValidationError(
            {field: msg.OUT_OF_LIMITS.format(label=label, low=low, high=high, unit=unit)}
        )


def validate_blood_pressure(*, systolic: int, diastolic: int) -> None:
    if diastolic >= systolic:
        raise ValidationError({"diastolic_bp": msg.DIASTOLIC_NOT_BELOW_SYSTOLIC})


def validate_ecog(value: int) -> None:
    if value not in msg.ECOG_SCORES:
        raise ValidationError({"ecog": msg.ECOG_OUT_OF_RANGE})


# --- Soft checks of tumour assessments ------------------------------------------------------------
# A follow-up fulfils the nearest free planned tumour event within half an interval of its date
# (assessments.services.tumours._tumour_event_code, the same rule); further away it is an
# unscheduled assessment, which has no window.
FOLLOW_UP_MATCH_DAYS = protocol.TUMOUR_ASSESSMENT_INTERVAL_DAYS // 2
# The soft checks of a tumour assessment (their codes are the API's ``acknowledge_warnings``).
TUMOUR_WARNING_CODES = (WARN_DATE_OUTSIDE_WINDOW,)


def tumour_followup_event(events: Iterable, *, assessment_date: dt.date, current_code: str = ""):
    """The planned follow-up event (``CalendarEvent``) a follow-up dated ``assessment_date``
    fulfils, or ``None`` for an unscheduled one. ``current_code``: the event it fulfils now."""
    candidates = [
        e
        for e in events
        if e.kind == protocol.TUMOUR
        and e.sequence != 0  # the baseline
        and (e.code == current_code or (not e.has_data and not e.cancelled_reason))
    ]
    if not candidates:
        return None
    nearest = min(
        candidates, key=lambda e: (abs((e.planned_date - assessment_date).days), e.planned_date)
    )
    if abs((nearest.planned_date - assessment_date).days) > FOLLOW_UP_MATCH_DAYS:
        return None
    return nearest


def tumour_window_check(
    events: Iterable, *, assessment_date: dt.date, current_code: str = ""
) -> SoftCheck | None:
    """A follow-up dated outside the window of the planned assessment it fulfils: confirmed
    before saving; saving it still records the visit-out-of-window deviation."""
    event = tumour_followup_event(
        events, assessment_date=assessment_date, current_code=current_code
    )
    if event is None:
        return None
    return outside_window(
        field="assessment_date",
        event=event.label,
        when=assessment_date,
        planned=event.planned_date,
        earliest=event.earliest,
        latest=event.latest,
    )


# --- Concomitant medications ---------------------------------------------------------------------
_ATC = re.compile(msg.ATC_CODE_PATTERN)


def validate_atc_code(code: str) -> None:
    """An ATC code, when given, is a 7-character WHO ATC code of a substance (``A04AA01``)."""
    if code and not _ATC.match(code):
        raise ValidationError({"atc_code": msg.ATC_CODE_FORMAT})


def validate_conmed_stop(*, ongoing: bool | None, start: dt.date | None, stop: dt.date | None):
    """An ongoing medication has no stop date; a stopped one has one, not before its start."""
    if ongoing is True and stop is not None:
        raise ValidationError({"stop_date": msg.CM_STOP_WHEN_ONGOING})
    if ongoing is False and stop is None:
        raise ValidationError({"stop_date": msg.CM_STOP_REQUIRED})
    if start is not None and stop is not None and stop < start:
        raise ValidationError({"stop_date": msg.CM_STOP_BEFORE_START})


def validate_conmed_adverse_event(adverse_event, *, patient_id: int, stop: dt.date | None):
    """The adverse event a medication treats is the same patient's, and began before it stopped."""
    if adverse_event is None:
        return
    if adverse_event.patient_id != patient_id:
        raise ValidationError({"adverse_event": msg.CM_AE_OTHER_PATIENT})
    if stop is not None and stop < adverse_event.start_date:
        raise ValidationError(
            {"stop_date": msg.CM_STOP_BEFORE_AE.format(date=date_format(adverse_event.start_date))}
        )
