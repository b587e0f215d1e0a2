"""Writes of tumour assessments, adverse events and vital signs — the one write path.

Each service is atomic, keyword-only, runs the clinical validators (every broken rule is
reported at once), saves through ``edc.audit.services`` (history with user, time and reason;
locks refused there) and enqueues the patient's deviation check after commit
(``edc.checks``). Services trust the caller for *access*: views and API views fetch the
patient or record through the scoped selectors first.

Tumour assessments: RECIST responses are computed by ``assessments.recist`` (through
``assessments.course``) from the facts about to be saved, *before* anything is written, so the
engine refuses what it cannot evaluate; the computed response is stored with the record.
Because a timepoint's response depends on the baseline and on the nadir of earlier timepoints,
every save re-evaluates the patient's whole course and re-stores (audited, with the reason) any
other follow-up whose computed response changed. Edits lock the patient's assessments
(SELECT … FOR UPDATE) so two concurrent saves of one course serialise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from edc import protocol
from edc import validators as limits
from edc.audit.exceptions import ReasonRequired, StaleVersion
from edc.audit.models import AuditedModel
from edc.audit.services import audited_create, audited_delete, audited_update, changes_since
from edc.checks import enqueue_patient_check
from patients.calendar import calendar_record_actual
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of
from patients.validators import validate_study_date

from . import constants as msg
from . import rules, validators
from .constants import AssessmentKind, NewLesion
from .course import (
    BaselineFacts,
    BaselineLesionFacts,
    CourseResult,
    FollowupFacts,
    MeasurementFacts,
    baseline_facts,
    evaluate_course,
    followup_facts,
    split_assessments,
)
from .models import (
    AdverseEvent,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)
from .recist import TimepointResult
from .validators import ErrorCollector, collect_errors

BASELINE_EVENT_CODE = next(
    e.code for e in protocol.PLANNED_EVENTS if e.kind == protocol.TUMOUR and e.sequence == 0
)
# A follow-up fulfils the nearest free planned tumour event within half an interval of it;
# further away it is an unscheduled assessment (e.g. a scan for suspected progression).
FOLLOW_UP_MATCH_DAYS = protocol.TUMOUR_ASSESSMENT_INTERVAL_DAYS // 2


# --- Inputs (built by forms and serializers) --------------------------------------------------
@dataclass(frozen=True)
class TargetLesionInput:
    label: str
    organ: str
    diameter_mm: Decimal | None
    location: str = ""
    id: int | None = None  # an existing lesion, when correcting a baseline


@dataclass(frozen=True)
class NonTargetLesionInput:
    label: str
    organ: str
    location: str = ""
    id: int | None = None


@dataclass(frozen=True)
class MeasurementInput:
    lesion_id: int
    diameter_mm: Decimal | None = None
    too_small: bool = False
    not_evaluable: bool = False


# --- Shared helpers ------------------------------------------------------------------------------
def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ReasonRequired()
    return reason.strip()


def _lock(instance: AuditedModel, expected_version: int | None):
    """Lock the row and refuse a stale version before anything else is checked or written.

    The refusal lists what changed meanwhile; for a tumour assessment that includes its
    lesions and measurements (their own rows), so a change to a diameter alone is listed too.
    """
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        changes = changes_since(locked, expected_version)
        if isinstance(locked, TumourAssessment):
            changes = sorted(
                changes + _lesion_changes_since(locked, expected_version),
                key=lambda change: change["at"],
            )
        raise StaleVersion(current_version=locked.version, changes=changes)
    return locked


_EMPTY = "—"


def _lesion_text(row) -> str:
    """A lesion or measurement row as a reviewer reads it (organ, location, diameter)."""
    if hasattr(row, "too_small"):  # a measurement
        if row.too_small:
            return "too small to measure"
        if row.not_evaluable:
            return "not evaluable"
        return f"{row.diameter_mm} mm"
    parts = [dict(msg.Organ.choices).get(row.organ, row.organ)]
    if row.location:
        parts.append(row.location)
    if getattr(row, "diameter_mm", None) is not None:
        parts.append(f"{row.diameter_mm} mm")
    return ", ".join(parts)


def _lesion_changes_since(assessment: TumourAssessment, version: int) -> list[dict]:
    """Changes to the lesions / measurements of ``assessment`` made after ``version`` was saved
    (``edc.audit.services.changes_since`` lists the assessment's own fields)."""
    opened = (
        assessment.history.filter(version=version).order_by("-history_date", "-history_id").first()
    )
    if opened is None:
        return []
    kinds = (
        (TargetLesion, "Target lesion {label}"),
        (NonTargetLesion, "Non-target lesion {label}"),
        (LesionMeasurement, "{label} measurement"),
    )
    rows = {
        model: list(
            model.history.filter(assessment_id=assessment.pk, history_date__gt=opened.history_date)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        for model, _ in kinds
    }
    lesion_ids = {r.lesion_id for r in rows[LesionMeasurement]}
    target_labels = dict(
        TargetLesion.history.filter(id__in=lesion_ids)
        .order_by("history_date")
        .values_list("id", "label")
    )
    changes: list[dict] = []
    for model, title in kinds:
        for row in rows[model]:
            label = (
                target_labels.get(row.lesion_id, "") if model is LesionMeasurement else row.label
            )
            name = title.format(label=label)
            common = {
                "user": getattr(row.history_user, "username", "system"),
                "at": row.history_date,
                "reason": row.history_change_reason or "",
            }
            if row.history_type in ("+", "-"):
                text = _lesion_text(row)
                added = row.history_type == "+"
                changes.append(
                    {
                        "field": f"{model._meta.model_name}:{row.id}",
                        "label": f"{name} {'added' if added else 'removed'}",
                        "old": None if added else text,
                        "new": text if added else None,
                        "old_display": _EMPTY if added else text,
                        "new_display": text if added else _EMPTY,
                        **common,
                    }
                )
                continue
            previous = row.prev_record
            if previous is None:
                continue
            old, new = _lesion_text(previous), _lesion_text(row)
            if hasattr(row, "label") and previous.label != row.label:
                old, new = f"{previous.label}: {old}", f"{row.label}: {new}"
            if old != new:
                changes.append(
                    {
                        "field": f"{model._meta.model_name}:{row.id}",
                        "label": name,
                        "old": old,
                        "new": new,
                        "old_display": old,
                        "new_display": new,
                        **common,
                    }
                )
    return changes


def _check_study_date(
    collector: ErrorCollector, value: dt.date | None, field: str, *, patient: Patient
) -> None:
    if value is not None:
        collector.check(
            validate_study_date,
            value,
            field,
            consent_date=consent_date_of(patient),
            consent_withdrawn_on=patient.consent_withdrawn_on,
        )


def _evaluate(
    baseline: BaselineFacts, followups: Sequence[FollowupFacts], *, c1d1: dt.date
) -> CourseResult:
    try:
        return evaluate_course(baseline, followups, c1d1=c1d1)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"__all__": msg.RECIST_NOT_COMPUTABLE.format(error=exc)}) from exc


def _computed_fields(result: TimepointResult | None, investigator_response: str) -> dict:
    """The values stored with a follow-up: the engine's response as shown at entry."""
    if result is None:
        return {
            "computed_sum_mm": None,
            "computed_target_response": "",
            "computed_overall_response": "",
            "response_disagrees": False,
        }
    overall = result.overall_response.value
    return {
        "computed_sum_mm": result.sum_mm,
        "computed_target_response": result.target_response.value if result.target_response else "",
        "computed_overall_response": overall,
        "response_disagrees": bool(investigator_response) and investigator_response != overall,
    }


def _patient_assessments(patient: Patient) -> list[TumourAssessment]:
    """All tumour assessments of the patient, locked, with lesions and measurements."""
    return list(
        TumourAssessment.objects.select_for_update()
        .filter(patient=patient)
        .prefetch_related("target_lesions", "non_target_lesions", "measurements")
        .order_by("assessment_date")
    )


def _store_recomputed(
    followups: Sequence[TumourAssessment], course: CourseResult, *, user, reason: str
) -> None:
    """Re-store the computed response of other follow-ups whose value changed (audited)."""
    for followup in followups:
        fields = _computed_fields(
            course.result_for(str(followup.pk)), followup.investigator_response
        )
        changes = {k: v for k, v in fields.items() if getattr(followup, k) != v}
        if changes:
            audited_update(
                followup, user=user, reason=reason, expected_version=None, changes=changes
            )


def _tumour_event_code(
    *, patient: Patient, kind: str, assessment_date: dt.date, current_code: str = ""
) -> str:
    """The planned tumour event an assessment fulfils, or "" for an unscheduled one.

    Baseline → TUM-BL. Follow-up → the nearest planned follow-up event without data (or the
    one this assessment already fulfils) within ``FOLLOW_UP_MATCH_DAYS`` of its date.
    """
    events = CalendarEvent.objects.filter(patient=patient, kind=protocol.TUMOUR)
    free = [
        e for e in events if e.code == current_code or (not e.has_data and not e.cancelled_reason)
    ]
    if kind == AssessmentKind.BASELINE:
        return next((e.code for e in free if e.code == BASELINE_EVENT_CODE), "")
    candidates = [e for e in free if e.code != BASELINE_EVENT_CODE]
    if not candidates:
        return ""
    nearest = min(
        candidates, key=lambda e: (abs((e.planned_date - assessment_date).days), e.planned_date)
    )
    if abs((nearest.planned_date - assessment_date).days) > FOLLOW_UP_MATCH_DAYS:
        return ""
    return nearest.code


def _calendar_sync(
    *, patient: Patient, old_code: str, new_code: str, assessment_date: dt.date, user, what: str
) -> None:
    if old_code and old_code != new_code:
        calendar_record_actual(
            patient=patient,
            code=old_code,
            actual_date=None,
            user=user,
            reason=f"{what} re-dated to {assessment_date}",
        )
    if new_code:
        calendar_record_actual(
            patient=patient,
            code=new_code,
            actual_date=assessment_date,
            user=user,
            reason=f"{what} recorded",
        )


# --- Tumour assessments: baseline ---------------------------------------------------------------
def _target_key(lesion: TargetLesionInput) -> str:
    return str(lesion.id) if lesion.id else f"new:{lesion.label}"


def _validate_baseline(
    collector: ErrorCollector,
    *,
    patient: Patient,
    assessment_date: dt.date,
    targets: Sequence[TargetLesionInput],
    non_targets: Sequence[NonTargetLesionInput],
    other_dates: Sequence[dt.date],
    first_followup: dt.date | None,
) -> None:
    _check_study_date(collector, assessment_date, "assessment_date", patient=patient)
    collector.check(validators.validate_baseline_window, assessment_date, c1d1=patient.c1d1_date)
    collector.check(
        validators.validate_baseline_before_followups,
        assessment_date,
        first_followup=first_followup,
    )
    collector.check(validators.validate_assessment_date_free, assessment_date, taken=other_dates)
    collector.check(
        validators.validate_lesion_labels,
        [t.label.strip() for t in targets],
        "target_lesions",
    )
    collector.check(
        validators.validate_lesion_labels,
        [n.label.strip() for n in non_targets],
        "non_target_lesions",
    )
    for target in targets:
        collector.check(
            validators.validate_organ, target.organ, label=target.label, field="target_lesions"
        )
        collector.check(
            validators.validate_target_lesion_measurable,
            label=target.label,
            organ=target.organ,
            diameter_mm=target.diameter_mm,
        )
    for lesion in non_targets:
        collector.check(
            validators.validate_organ, lesion.organ, label=lesion.label, field="non_target_lesions"
        )
    collector.check(validators.validate_target_count, len(targets))
    collector.check(validators.validate_targets_per_organ, [t.organ for t in targets])
    collector.check(
        validators.validate_baseline_has_disease,
        targets=len(targets),
        non_targets=len(non_targets),
    )


def _baseline_input_facts(
    assessment_date: dt.date,
    targets: Sequence[TargetLesionInput],
    non_targets: Sequence[NonTargetLesionInput],
) -> BaselineFacts:
    return BaselineFacts(
        assessment_date=assessment_date,
        targets=tuple(
            BaselineLesionFacts(
                _target_key(t), t.label.strip(), rules.is_nodal(t.organ), Decimal(t.diameter_mm)
            )
            for t in targets
        ),
        has_non_targets=bool(non_targets),
    )


@transaction.atomic
def tumour_baseline_create(
    *,
    user,
    patient: Patient,
    assessment_date: dt.date,
    method: str,
    target_lesions: Sequence[TargetLesionInput],
    non_target_lesions: Sequence[NonTargetLesionInput] = (),
    comments: str = "",
) -> TumourAssessment:
    """Record the baseline tumour assessment with its target and non-target lesions."""
    validators.validate_enrolled(patient.c1d1_date)
    assessments = _patient_assessments(patient)
    baseline, followups = split_assessments(assessments)
    if baseline is not None:
        raise ValidationError({"__all__": msg.BASELINE_EXISTS})
    collector = collect_errors()
    _validate_baseline(
        collector,
        patient=patient,
        assessment_date=assessment_date,
        targets=target_lesions,
        non_targets=non_target_lesions,
        other_dates=[a.assessment_date for a in assessments],
        first_followup=min((f.assessment_date for f in followups), default=None),
    )
    collector.raise_if_any()
    course = _evaluate(
        _baseline_input_facts(assessment_date, target_lesions, non_target_lesions),
        [],
        c1d1=patient.c1d1_date,
    )
    code = _tumour_event_code(
        patient=patient, kind=AssessmentKind.BASELINE, assessment_date=assessment_date
    )
    assessment = audited_create(
        TumourAssessment(
            patient=patient,
            kind=AssessmentKind.BASELINE,
            assessment_date=assessment_date,
            method=method,
            comments=comments.strip(),
            calendar_code=code,
            computed_sum_mm=course.baseline_sum_mm,
        ),
        user=user,
    )
    for lesion in target_lesions:
        audited_create(
            TargetLesion(
                assessment=assessment,
                label=lesion.label.strip(),
                organ=lesion.organ,
                location=lesion.location.strip(),
                diameter_mm=lesion.diameter_mm,
            ),
            user=user,
        )
    for lesion in non_target_lesions:
        audited_create(
            NonTargetLesion(
                assessment=assessment,
                label=lesion.label.strip(),
                organ=lesion.organ,
                location=lesion.location.strip(),
            ),
            user=user,
        )
    _calendar_sync(
        patient=patient,
        old_code="",
        new_code=code,
        assessment_date=assessment_date,
        user=user,
        what="Baseline tumour assessment",
    )
    enqueue_patient_check(patient.pk)
    return assessment


@transaction.atomic
def tumour_baseline_update(
    *,
    user,
    assessment: TumourAssessment,
    assessment_date: dt.date,
    method: str,
    target_lesions: Sequence[TargetLesionInput],
    non_target_lesions: Sequence[NonTargetLesionInput] = (),
    comments: str = "",
    reason: str,
    expected_version: int | None,
) -> TumourAssessment:
    """Correct the baseline: its date, method and lesions (added, changed or removed).

    A target lesion already re-measured at a follow-up cannot be removed. Every follow-up's
    computed response is re-evaluated against the corrected baseline.
    """
    reason = _require_reason(reason)
    if assessment.kind != AssessmentKind.BASELINE:
        raise ValidationError({"__all__": msg.NOT_A_BASELINE})
    locked = _lock(assessment, expected_version)
    patient = locked.patient
    assessments = _patient_assessments(patient)
    baseline, followups = split_assessments(assessments)
    collector = collect_errors()
    _validate_baseline(
        collector,
        patient=patient,
        assessment_date=assessment_date,
        targets=target_lesions,
        non_targets=non_target_lesions,
        other_dates=[a.assessment_date for a in assessments if a.pk != locked.pk],
        first_followup=min((f.assessment_date for f in followups), default=None),
    )
    existing_targets = {t.pk: t for t in baseline.target_lesions.all()}
    existing_non_targets = {n.pk: n for n in baseline.non_target_lesions.all()}
    for lesion in target_lesions:
        if lesion.id and lesion.id not in existing_targets:
            collector.add("target_lesions", msg.MEASUREMENT_UNKNOWN_LESION.format(lesion=lesion.id))
    for lesion in non_target_lesions:
        if lesion.id and lesion.id not in existing_non_targets:
            collector.add(
                "non_target_lesions", msg.MEASUREMENT_UNKNOWN_LESION.format(lesion=lesion.id)
            )
    kept = {t.id for t in target_lesions if t.id}
    removed_targets = [t for pk, t in existing_targets.items() if pk not in kept]
    measured = set(
        LesionMeasurement.objects.filter(lesion__in=removed_targets).values_list(
            "lesion_id", flat=True
        )
    )
    for lesion in removed_targets:
        if lesion.pk in measured:
            collector.add("target_lesions", msg.LESION_HAS_MEASUREMENTS.format(label=lesion.label))
    collector.raise_if_any()

    course = _evaluate(
        _baseline_input_facts(assessment_date, target_lesions, non_target_lesions),
        [followup_facts(f) for f in followups],
        c1d1=patient.c1d1_date,
    )
    # Lesions: remove, then change, then add (labels may move between rows).
    for lesion in removed_targets:
        audited_delete(lesion, user=user, reason=reason)
    kept_non_targets = {n.id for n in non_target_lesions if n.id}
    for pk, lesion in existing_non_targets.items():
        if pk not in kept_non_targets:
            audited_delete(lesion, user=user, reason=reason)
    for item in target_lesions:
        values = {
            "label": item.label.strip(),
            "organ": item.organ,
            "location": item.location.strip(),
            "diameter_mm": item.diameter_mm,
        }
        _save_child(existing_targets.get(item.id), TargetLesion, values, locked, user, reason)
    for item in non_target_lesions:
        values = {
            "label": item.label.strip(),
            "organ": item.organ,
            "location": item.location.strip(),
        }
        _save_child(
            existing_non_targets.get(item.id), NonTargetLesion, values, locked, user, reason
        )

    code = _tumour_event_code(
        patient=patient,
        kind=AssessmentKind.BASELINE,
        assessment_date=assessment_date,
        current_code=locked.calendar_code,
    )
    old_code, old_date = locked.calendar_code, locked.assessment_date
    updated = audited_update(
        locked,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={
            "assessment_date": assessment_date,
            "method": method,
            "comments": comments.strip(),
            "calendar_code": code,
            "computed_sum_mm": course.baseline_sum_mm,
        },
    )
    _store_recomputed(
        followups,
        course,
        user=user,
        reason=f"RECIST recomputed after a baseline correction: {reason}",
    )
    if old_code != code or assessment_date != old_date:
        _calendar_sync(
            patient=patient,
            old_code=old_code,
            new_code=code,
            assessment_date=assessment_date,
            user=user,
            what="Baseline tumour assessment",
        )
    enqueue_patient_check(patient.pk)
    return updated


def _save_child(existing, model, values: dict, assessment, user, reason: str):
    """Create a lesion/measurement row, or change the existing one if anything differs."""
    if existing is None:
        return audited_create(model(assessment=assessment, **values), user=user)
    changes = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if changes:
        return audited_update(
            existing, user=user, reason=reason, expected_version=None, changes=changes
        )
    return existing


# --- Tumour assessments: follow-up --------------------------------------------------------------
def _validate_followup(
    collector: ErrorCollector,
    *,
    patient: Patient,
    baseline: TumourAssessment,
    assessment_date: dt.date,
    measurements: Sequence[MeasurementInput],
    non_target_status: str,
    other_dates: Sequence[dt.date],
) -> None:
    _check_study_date(collector, assessment_date, "assessment_date", patient=patient)
    collector.check(
        validators.validate_followup_date,
        assessment_date,
        baseline_date=baseline.assessment_date,
        c1d1=patient.c1d1_date,
    )
    collector.check(validators.validate_assessment_date_free, assessment_date, taken=other_dates)
    labels = {t.pk: t.label for t in baseline.target_lesions.all()}
    collector.check(
        validators.validate_every_target_measured,
        baseline_labels=labels,
        measured_ids=[m.lesion_id for m in measurements],
    )
    for m in measurements:
        collector.check(
            validators.validate_measurement,
            label=labels.get(m.lesion_id, str(m.lesion_id)),
            diameter_mm=m.diameter_mm,
            too_small=m.too_small,
            not_evaluable=m.not_evaluable,
        )
    collector.check(
        validators.validate_non_target_status,
        non_target_status,
        baseline_has_non_targets=bool(list(baseline.non_target_lesions.all())),
    )


def _followup_input_facts(
    key: str,
    assessment_date: dt.date,
    measurements: Sequence[MeasurementInput],
    non_target_status: str,
    new_lesion: str,
) -> FollowupFacts:
    return FollowupFacts(
        key=key,
        assessment_date=assessment_date,
        measurements=tuple(
            MeasurementFacts(str(m.lesion_id), m.diameter_mm, m.too_small, m.not_evaluable)
            for m in measurements
        ),
        non_target_status=non_target_status,
        new_lesion=new_lesion,
    )


def _measurement_values(m: MeasurementInput) -> dict:
    return {
        "diameter_mm": None if (m.too_small or m.not_evaluable) else m.diameter_mm,
        "too_small": m.too_small,
        "not_evaluable": m.not_evaluable,
    }


@transaction.atomic
def tumour_followup_create(
    *,
    user,
    patient: Patient,
    assessment_date: dt.date,
    method: str,
    measurements: Sequence[MeasurementInput],
    non_target_status: str = "",
    new_lesion: str = NewLesion.NONE,
    new_lesion_description: str = "",
    investigator_response: str = "",
    comments: str = "",
) -> TumourAssessment:
    """Record a follow-up: each baseline target re-measured, non-targets, new lesions.

    The computed RECIST response is stored with it; the investigator's own reading, when it
    differs, sets ``response_disagrees`` (monitors raise queries on those).
    """
    validators.validate_enrolled(patient.c1d1_date)
    assessments = _patient_assessments(patient)
    baseline, followups = split_assessments(assessments)
    if baseline is None:
        raise ValidationError({"__all__": msg.BASELINE_MISSING})
    collector = collect_errors()
    _validate_followup(
        collector,
        patient=patient,
        baseline=baseline,
        assessment_date=assessment_date,
        measurements=measurements,
        non_target_status=non_target_status,
        other_dates=[a.assessment_date for a in assessments],
    )
    collector.raise_if_any()
    facts = _followup_input_facts(
        "new", assessment_date, measurements, non_target_status, new_lesion
    )
    course = _evaluate(
        baseline_facts(baseline),
        [followup_facts(f) for f in followups] + [facts],
        c1d1=patient.c1d1_date,
    )
    code = _tumour_event_code(
        patient=patient, kind=AssessmentKind.FOLLOW_UP, assessment_date=assessment_date
    )
    assessment = audited_create(
        TumourAssessment(
            patient=patient,
            kind=AssessmentKind.FOLLOW_UP,
            assessment_date=assessment_date,
            method=method,
            calendar_code=code,
            non_target_status=non_target_status,
            new_lesion=new_lesion,
            new_lesion_description=new_lesion_description.strip(),
            investigator_response=investigator_response,
            comments=comments.strip(),
            **_computed_fields(course.result_for("new"), investigator_response),
        ),
        user=user,
    )
    for m in measurements:
        audited_create(
            LesionMeasurement(
                assessment=assessment, lesion_id=m.lesion_id, **_measurement_values(m)
            ),
            user=user,
        )
    _store_recomputed(
        followups,
        course,
        user=user,
        reason=f"RECIST recomputed after the follow-up of {assessment_date} was recorded",
    )
    _calendar_sync(
        patient=patient,
        old_code="",
        new_code=code,
        assessment_date=assessment_date,
        user=user,
        what="Tumour assessment",
    )
    enqueue_patient_check(patient.pk)
    return assessment


@transaction.atomic
def tumour_followup_update(
    *,
    user,
    assessment: TumourAssessment,
    assessment_date: dt.date,
    method: str,
    measurements: Sequence[MeasurementInput],
    non_target_status: str = "",
    new_lesion: str = NewLesion.NONE,
    new_lesion_description: str = "",
    investigator_response: str = "",
    comments: str = "",
    reason: str,
    expected_version: int | None,
) -> TumourAssessment:
    """Correct a follow-up; its computed response (and later ones') is re-evaluated."""
    reason = _require_reason(reason)
    if assessment.kind != AssessmentKind.FOLLOW_UP:
        raise ValidationError({"__all__": msg.NOT_A_FOLLOW_UP})
    locked = _lock(assessment, expected_version)
    patient = locked.patient
    assessments = _patient_assessments(patient)
    baseline, followups = split_assessments(assessments)
    current = next(f for f in followups if f.pk == locked.pk)
    others = [f for f in followups if f.pk != locked.pk]
    collector = collect_errors()
    _validate_followup(
        collector,
        patient=patient,
        baseline=baseline,
        assessment_date=assessment_date,
        measurements=measurements,
        non_target_status=non_target_status,
        other_dates=[a.assessment_date for a in assessments if a.pk != locked.pk],
    )
    collector.raise_if_any()
    key = str(locked.pk)
    facts = _followup_input_facts(key, assessment_date, measurements, non_target_status, new_lesion)
    course = _evaluate(
        baseline_facts(baseline),
        [followup_facts(f) for f in others] + [facts],
        c1d1=patient.c1d1_date,
    )
    existing = {m.lesion_id: m for m in current.measurements.all()}
    for m in measurements:
        _save_child(
            existing.pop(m.lesion_id, None),
            LesionMeasurement,
            {"lesion_id": m.lesion_id, **_measurement_values(m)},
            locked,
            user,
            reason,
        )
    for row in existing.values():
        audited_delete(row, user=user, reason=reason)
    old_code, old_date = locked.calendar_code, locked.assessment_date
    code = _tumour_event_code(
        patient=patient,
        kind=AssessmentKind.FOLLOW_UP,
        assessment_date=assessment_date,
        current_code=old_code,
    )
    updated = audited_update(
        locked,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={
            "assessment_date": assessment_date,
            "method": method,
            "calendar_code": code,
            "non_target_status": non_target_status,
            "new_lesion": new_lesion,
            "new_lesion_description": new_lesion_description.strip(),
            "investigator_response": investigator_response,
            "comments": comments.strip(),
            **_computed_fields(course.result_for(key), investigator_response),
        },
    )
    _store_recomputed(
        others,
        course,
        user=user,
        reason=f"RECIST recomputed after a correction of the follow-up of {assessment_date}",
    )
    if old_code != code or assessment_date != old_date:
        _calendar_sync(
            patient=patient,
            old_code=old_code,
            new_code=code,
            assessment_date=assessment_date,
            user=user,
            what="Tumour assessment",
        )
    enqueue_patient_check(patient.pk)
    return updated


# --- Adverse events ------------------------------------------------------------------------------
AE_FIELDS = (
    "meddra_code",
    "term_specify",
    "grade",
    "start_date",
    "stop_date",
    "serious",
    "sae_criteria",
    "sae_aware_at",
    "sae_reported_at",
    "relation_paclitaxel",
    "relation_imp321",
    "action_taken",
    "outcome",
    "death_date",
    "comments",
)


def _clean_adverse_event(*, patient: Patient, values: Mapping[str, Any]) -> dict:
    """Run every AE rule; return the values to save (term from CTCAE, late-report flag)."""
    collector = collect_errors()
    meddra_code = str(values.get("meddra_code") or "").strip()
    grade = values.get("grade")
    start = values.get("start_date")
    stop = values.get("stop_date")
    death = values.get("death_date")
    serious = bool(values.get("serious"))
    criteria = list(values.get("sae_criteria") or [])
    term = collector.check(validators.validate_ctcae_term, meddra_code)
    if term is not None:
        collector.check(validators.validate_ctcae_grade, grade, term=term)
        collector.check(validators.validate_term_specify, values.get("term_specify", ""), term=term)
    if start is None:
        collector.add("start_date", "Give the start date of the event.")
    for field, value in (("start_date", start), ("stop_date", stop), ("death_date", death)):
        _check_study_date(collector, value, field, patient=patient)
    if start is not None:
        collector.check(validators.validate_stop_not_before_start, start, stop)
        collector.check(
            validators.validate_fatal_event,
            grade=grade,
            outcome=values.get("outcome", ""),
            death_date=death,
            start_date=start,
        )
        collector.check(
            validators.validate_sae,
            serious=serious,
            grade=grade,
            criteria=criteria,
            aware_at=values.get("sae_aware_at"),
            reported_at=values.get("sae_reported_at"),
            start_date=start,
        )
    collector.check(
        validators.validate_resolved_has_stop, outcome=values.get("outcome", ""), stop_date=stop
    )
    collector.raise_if_any()
    cleaned = {field: values.get(field) for field in AE_FIELDS}
    order = list(msg.SAECriterion.values)
    cleaned.update(
        meddra_code=meddra_code,
        term=term["term"],
        term_specify=(values.get("term_specify") or "").strip(),
        serious=serious,
        sae_criteria=sorted(set(criteria), key=order.index),
        comments=(values.get("comments") or "").strip(),
        reported_late=serious
        and rules.sae_reported_late(values.get("sae_aware_at"), values.get("sae_reported_at")),
    )
    return cleaned


@transaction.atomic
def adverse_event_create(
    *,
    user,
    patient: Patient,
    meddra_code: str,
    grade: int,
    start_date: dt.date,
    relation_paclitaxel: str,
    relation_imp321: str,
    action_taken: str,
    outcome: str,
    stop_date: dt.date | None = None,
    serious: bool = False,
    sae_criteria: Sequence[str] = (),
    sae_aware_at: dt.datetime | None = None,
    sae_reported_at: dt.datetime | None = None,
    death_date: dt.date | None = None,
    term_specify: str = "",
    comments: str = "",
) -> AdverseEvent:
    """Record an adverse event graded by CTCAE v5.0 (an SAE reported > 24 h late is flagged)."""
    values = {
        "meddra_code": meddra_code,
        "term_specify": term_specify,
        "grade": grade,
        "start_date": start_date,
        "stop_date": stop_date,
        "serious": serious,
        "sae_criteria": list(sae_criteria),
        "sae_aware_at": sae_aware_at,
        "sae_reported_at": sae_reported_at,
        "relation_paclitaxel": relation_paclitaxel,
        "relation_imp321": relation_imp321,
        "action_taken": action_taken,
        "outcome": outcome,
        "death_date": death_date,
        "comments": comments,
    }
    cleaned = _clean_adverse_event(patient=patient, values=values)
    adverse_event = audited_create(AdverseEvent(patient=patient, **cleaned), user=user)
    enqueue_patient_check(patient.pk)
    return adverse_event


@transaction.atomic
def adverse_event_update(
    *,
    user,
    adverse_event: AdverseEvent,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> AdverseEvent:
    """Correct or follow up an AE (e.g. its stop date and outcome) with a reason."""
    return _update_whole_record(
        adverse_event,
        fields=AE_FIELDS,
        clean=lambda locked, values: _clean_adverse_event(patient=locked.patient, values=values),
        user=user,
        changes=changes,
        reason=reason,
        expected_version=expected_version,
    )


def _update_whole_record(
    record, *, fields, clean, user, changes: Mapping[str, Any], reason: str, expected_version
):
    """Lock ``record``, re-validate all of ``fields`` with ``changes`` applied (cross-field
    rules see the whole record), save the cleaned values audited, then re-check the patient."""
    reason = _require_reason(reason)
    locked = _lock(record, expected_version)
    values = {field: getattr(locked, field) for field in fields}
    values.update({k: v for k, v in changes.items() if k in fields})
    cleaned = clean(locked, values)
    updated = audited_update(
        locked, user=user, reason=reason, expected_version=expected_version, changes=cleaned
    )
    enqueue_patient_check(updated.patient_id)
    return updated


# --- Vital signs and ECOG ------------------------------------------------------------------------
VITALS_FIELDS = (
    "visit",
    "measured_on",
    "weight_kg",
    "height_cm",
    "systolic_bp",
    "diastolic_bp",
    "heart_rate",
    "temperature_c",
    "ecog",
)
# Physiological limits, declared once (edc.validators); the form's inputs read the same.
VITALS_LIMITS = {
    "weight_kg": limits.WEIGHT_KG,
    "systolic_bp": limits.SYSTOLIC_BP,
    "diastolic_bp": limits.DIASTOLIC_BP,
    "heart_rate": limits.HEART_RATE,
    "temperature_c": limits.TEMPERATURE_C,
}


def _clean_vital_signs(
    *, patient: Patient, values: Mapping[str, Any], exclude_pk: int | None = None
) -> dict:
    collector = collect_errors()
    measured_on = values.get("measured_on")
    if measured_on is None:
        collector.add("measured_on", "Give the date of the measurements.")
    _check_study_date(collector, measured_on, "measured_on", patient=patient)
    for field, limit in VITALS_LIMITS.items():
        collector.check(limit.check, values.get(field), field)
    if values.get("height_cm") is not None:
        collector.check(limits.HEIGHT_CM.check, values["height_cm"], "height_cm")
    if values.get("systolic_bp") is not None and values.get("diastolic_bp") is not None:
        collector.check(
            validators.validate_blood_pressure,
            systolic=values["systolic_bp"],
            diastolic=values["diastolic_bp"],
        )
    collector.check(validators.validate_ecog, values.get("ecog"))
    visit = values.get("visit")
    if visit and visit != msg.UNSCHEDULED_VISIT:
        taken = VitalSigns.objects.filter(patient=patient, visit=visit).exclude(pk=exclude_pk)
        if taken.exists():
            labels = dict(msg.VITALS_VISITS)
            collector.add(
                "visit", msg.VISIT_ALREADY_RECORDED.format(visit=labels.get(visit, visit))
            )
    collector.raise_if_any()
    return {field: values.get(field) for field in VITALS_FIELDS}


@transaction.atomic
def vital_signs_create(
    *,
    user,
    patient: Patient,
    visit: str,
    measured_on: dt.date,
    weight_kg: Decimal,
    systolic_bp: int,
    diastolic_bp: int,
    heart_rate: int,
    temperature_c: Decimal,
    ecog: int,
    height_cm: Decimal | None = None,
) -> VitalSigns:
    """Record vital signs and ECOG; physiologically impossible values are refused."""
    values = {
        "visit": visit,
        "measured_on": measured_on,
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "systolic_bp": systolic_bp,
        "diastolic_bp": diastolic_bp,
        "heart_rate": heart_rate,
        "temperature_c": temperature_c,
        "ecog": ecog,
    }
    cleaned = _clean_vital_signs(patient=patient, values=values)
    vital_signs = audited_create(VitalSigns(patient=patient, **cleaned), user=user)
    enqueue_patient_check(patient.pk)
    return vital_signs


@transaction.atomic
def vital_signs_update(
    *,
    user,
    vital_signs: VitalSigns,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> VitalSigns:
    """Correct vital signs with a reason (the same plausibility rules as at entry)."""
    return _update_whole_record(
        vital_signs,
        fields=VITALS_FIELDS,
        clean=lambda locked, values: _clean_vital_signs(
            patient=locked.patient, values=values, exclude_pk=locked.pk
        ),
        user=user,
        changes=changes,
        reason=reason,
        expected_version=expected_version,
    )
