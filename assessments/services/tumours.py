"""Tumour assessments (RECIST 1.1): the baseline with its lesions, follow-ups with their
measurements, the computed response stored as shown at entry.

RECIST responses are computed by ``assessments.recist`` (through ``assessments.course``) from
the facts about to be saved, *before* anything is written, so the engine refuses what it cannot
evaluate. Because a timepoint's response depends on the baseline and on the nadir of earlier
timepoints, every save re-evaluates the patient's whole course and re-stores (audited, with the
reason) any other follow-up whose computed response changed. Edits lock the patient's
assessments (SELECT … FOR UPDATE) so two concurrent saves of one course serialise. A save's
lesions or measurements are matched against the rows the assessment has (``_diff_rows``) and
the difference applied, audited (``_apply_rows``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from edc import protocol
from edc.audit.models import AuditedModel
from edc.audit.services import audited_create, audited_delete, audited_update
from edc.checks import enqueue_patient_check
from edc.validators import already_acknowledged, stored_acknowledgements
from patients.calendar import calendar_record_actual
from patients.models import CalendarEvent, Patient

from .. import constants as msg
from .. import rules, validators
from ..constants import AssessmentKind
from ..course import (
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
from ..models import LesionMeasurement, NonTargetLesion, TargetLesion, TumourAssessment
from ..recist import TimepointResult
from ..validators import ErrorCollector, collect_errors
from .common import check_study_date, lock, require_reason

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


# --- What changed in the lesions since a version (for the stale-version table) ---------------
_EMPTY = "—"


def _lesion_text(row) -> str:
    """A lesion or measurement row as a reviewer reads it (organ, location, diameter)."""
    if hasattr(row, "too_small"):  # a measurement
        if row.too_small:
            return gettext("too small to measure")
        if row.not_evaluable:
            return gettext("not evaluable")
        return f"{row.diameter_mm} mm"
    parts = [str(dict(msg.Organ.choices).get(row.organ, row.organ))]
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
        (TargetLesion, gettext("Target lesion %(label)s")),
        (NonTargetLesion, gettext("Non-target lesion %(label)s")),
        # Translators: %(label)s is a lesion label (T1, T2…).
        (LesionMeasurement, gettext("%(label)s measurement")),
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
            name = title % {"label": label}
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
                        "label": (
                            gettext("%(name)s added") if added else gettext("%(name)s removed")
                        )
                        % {"name": name},
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


# --- Course, calendar ------------------------------------------------------------------------
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


# --- Lesions and measurements: diff, then apply -------------------------------------------------
@dataclass(frozen=True)
class RowsDiff:
    """What saving the listed child rows (lesions or measurements) of an assessment does to the
    rows it has: ``removed``, the rows no longer listed; ``saves``, each listed row's values
    with the existing row it changes (None: a new row)."""

    model: type[AuditedModel]
    removed: list[AuditedModel]
    saves: list[tuple[AuditedModel | None, dict]]


def _diff_rows(
    model: type[AuditedModel],
    existing: Mapping[Any, AuditedModel],
    wanted: Sequence[tuple[Any, dict]],
) -> RowsDiff:
    """Match ``wanted`` — (key of the existing row, or None for a new one; values) — against
    the ``existing`` rows by key (a lesion's id, a measurement's lesion)."""
    keys = {key for key, _ in wanted if key is not None}
    return RowsDiff(
        model=model,
        removed=[row for key, row in existing.items() if key not in keys],
        saves=[(existing.get(key) if key is not None else None, values) for key, values in wanted],
    )


def _apply_rows(*diffs: RowsDiff, assessment: TumourAssessment, user, reason: str = "") -> None:
    """Apply the diffs, audited: every removal first, then the changes and the new rows (a
    label may move from a removed row to a kept one)."""
    for diff in diffs:
        for row in diff.removed:
            audited_delete(row, user=user, reason=reason)
    for diff in diffs:
        for row, values in diff.saves:
            _save_child(row, diff.model, values, assessment, user, reason)


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


# --- Baseline ----------------------------------------------------------------------------------
def _target_key(lesion: TargetLesionInput) -> str:
    return str(lesion.id) if lesion.id else f"new:{lesion.label}"


def _target_values(lesion: TargetLesionInput) -> dict:
    return {
        "label": lesion.label.strip(),
        "organ": lesion.organ,
        "location": lesion.location.strip(),
        "diameter_mm": lesion.diameter_mm,
    }


def _non_target_values(lesion: NonTargetLesionInput) -> dict:
    return {
        "label": lesion.label.strip(),
        "organ": lesion.organ,
        "location": lesion.location.strip(),
    }


def _lesion_rows(
    assessment: TumourAssessment | None,
    targets: Sequence[TargetLesionInput],
    non_targets: Sequence[NonTargetLesionInput],
) -> tuple[RowsDiff, RowsDiff]:
    """The baseline's target and non-target lesions as listed, against those it has."""
    existing_targets = {t.pk: t for t in assessment.target_lesions.all()} if assessment else {}
    existing_non_targets = (
        {n.pk: n for n in assessment.non_target_lesions.all()} if assessment else {}
    )
    return (
        _diff_rows(
            TargetLesion, existing_targets, [(t.id or None, _target_values(t)) for t in targets]
        ),
        _diff_rows(
            NonTargetLesion,
            existing_non_targets,
            [(n.id or None, _non_target_values(n)) for n in non_targets],
        ),
    )


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
    check_study_date(collector, assessment_date, "assessment_date", patient=patient)
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
    _apply_rows(
        *_lesion_rows(None, target_lesions, non_target_lesions), assessment=assessment, user=user
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
    reason = require_reason(reason)
    if assessment.kind != AssessmentKind.BASELINE:
        raise ValidationError({"__all__": msg.NOT_A_BASELINE})
    locked = lock(assessment, expected_version, also_changed=_lesion_changes_since)
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
    targets, non_targets = _lesion_rows(baseline, target_lesions, non_target_lesions)
    for field, diff, listed in (
        ("target_lesions", targets, target_lesions),
        ("non_target_lesions", non_targets, non_target_lesions),
    ):
        for (row, _), lesion in zip(diff.saves, listed, strict=True):
            if lesion.id and row is None:
                collector.add(field, msg.MEASUREMENT_UNKNOWN_LESION.format(lesion=lesion.id))
    measured = set(
        LesionMeasurement.objects.filter(lesion__in=targets.removed).values_list(
            "lesion_id", flat=True
        )
    )
    for lesion in targets.removed:
        if lesion.pk in measured:
            collector.add("target_lesions", msg.LESION_HAS_MEASUREMENTS.format(label=lesion.label))
    collector.raise_if_any()

    course = _evaluate(
        _baseline_input_facts(assessment_date, target_lesions, non_target_lesions),
        [followup_facts(f) for f in followups],
        c1d1=patient.c1d1_date,
    )
    _apply_rows(targets, non_targets, assessment=locked, user=user, reason=reason)

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


# --- Follow-up ---------------------------------------------------------------------------------
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
    check_study_date(collector, assessment_date, "assessment_date", patient=patient)
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


def _measurement_rows(
    assessment: TumourAssessment | None, measurements: Sequence[MeasurementInput]
) -> RowsDiff:
    """The measurements as listed, against those the follow-up has (by lesion)."""
    existing = {m.lesion_id: m for m in assessment.measurements.all()} if assessment else {}
    return _diff_rows(
        LesionMeasurement,
        existing,
        [(m.lesion_id, {"lesion_id": m.lesion_id, **_measurement_values(m)}) for m in measurements],
    )


@transaction.atomic
def tumour_followup_create(
    *,
    user,
    patient: Patient,
    assessment_date: dt.date,
    method: str,
    measurements: Sequence[MeasurementInput],
    non_target_status: str = "",
    new_lesion: str,
    new_lesion_description: str = "",
    investigator_response: str = "",
    comments: str = "",
    acknowledge_warnings: Iterable[str] = (),
) -> TumourAssessment:
    """Record a follow-up: each baseline target re-measured, non-targets, new lesions.

    The computed RECIST response is stored with it; the investigator's own reading, when it
    differs, sets ``response_disagrees`` (monitors raise queries on those). A date outside
    the window of the planned assessment it fulfils is a soft check: refused until
    ``acknowledge_warnings`` confirms it, then stored with the record (``warnings_acknowledged``)
    and still reported as a deviation by the checks.
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
    collector.warn(
        validators.tumour_window_check(patient.calendar.all(), assessment_date=assessment_date)
    )
    checks = collector.raise_if_any(acknowledged=set(acknowledge_warnings))
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
            warnings_acknowledged=stored_acknowledgements(checks),
            **_computed_fields(course.result_for("new"), investigator_response),
        ),
        user=user,
    )
    _apply_rows(_measurement_rows(None, measurements), assessment=assessment, user=user)
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
    new_lesion: str,
    new_lesion_description: str = "",
    investigator_response: str = "",
    comments: str = "",
    acknowledge_warnings: Iterable[str] = (),
    reason: str,
    expected_version: int | None,
) -> TumourAssessment:
    """Correct a follow-up; its computed response (and later ones') is re-evaluated. A
    window warning confirmed before stays confirmed while its values do not change."""
    reason = require_reason(reason)
    if assessment.kind != AssessmentKind.FOLLOW_UP:
        raise ValidationError({"__all__": msg.NOT_A_FOLLOW_UP})
    locked = lock(assessment, expected_version, also_changed=_lesion_changes_since)
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
    collector.warn(
        validators.tumour_window_check(
            patient.calendar.all(),
            assessment_date=assessment_date,
            current_code=locked.calendar_code,
        )
    )
    checks = collector.raise_if_any(
        acknowledged=set(acknowledge_warnings)
        | already_acknowledged(collector.warnings, locked.warnings_acknowledged)
    )
    key = str(locked.pk)
    facts = _followup_input_facts(key, assessment_date, measurements, non_target_status, new_lesion)
    course = _evaluate(
        baseline_facts(baseline),
        [followup_facts(f) for f in others] + [facts],
        c1d1=patient.c1d1_date,
    )
    _apply_rows(
        _measurement_rows(current, measurements), assessment=locked, user=user, reason=reason
    )
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
            "warnings_acknowledged": stored_acknowledgements(checks),
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
