"""The RECIST course of each subject, read once for TU, TR and RS (not a dataset itself).

Four ordered streams (assessments, target lesions, non-target lesions, measurements) merged by
subject; the responses are computed by the same engine as the pages and the dashboard
(``assessments.course.evaluate_course`` over ``assessments.recist``), from the stored facts:
the one part of the datasets SQL cannot express. Within one package build
(``context.one_snapshot``) each subject's course is read and evaluated once and shared by TU,
TR and RS (``ExportContext.shared``, keyed by subject); a single download of TU reads the
lesions alone (no measurement stream, no engine run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assessments.constants import AssessmentKind, NewLesion
from assessments.course import (
    BaselineFacts,
    BaselineLesionFacts,
    CourseResult,
    FollowupFacts,
    MeasurementFacts,
    evaluate_course,
)
from assessments.models import LesionMeasurement, NonTargetLesion, TargetLesion, TumourAssessment
from assessments.rules import is_nodal
from patients.models import Patient

from ..codelists import visit_term
from ..context import ExportContext, Subject, merge_by_subject

MODELS = (Patient, TumourAssessment, TargetLesion, NonTargetLesion, LesionMeasurement)

ASSESSMENT_FIELDS = (
    "id",
    "kind",
    "assessment_date",
    "method",
    "calendar_code",
    "non_target_status",
    "new_lesion",
    "new_lesion_description",
    "investigator_response",
)
LESION_FIELDS = ("id", "assessment_id", "label", "organ", "location")
MEASUREMENT_FIELDS = (
    "assessment_id",
    "lesion_id",
    "diameter_mm",
    "too_small",
    "not_evaluable",
)


@dataclass
class Course:
    """One subject's assessments and lesions, and the engine's result (or its refusal).

    ``measurements`` is empty and ``result`` None when the course was read without the engine.
    """

    subject: Subject
    baseline: dict | None
    followups: list[dict]
    targets: list[dict]
    non_targets: list[dict]
    measurements: dict[int, list[dict]]  # by assessment id
    result: CourseResult | None
    error: str


def _facts(baseline: dict, targets: list[dict], non_targets: list[dict]) -> BaselineFacts:
    return BaselineFacts(
        assessment_date=baseline["assessment_date"],
        targets=tuple(
            [
                BaselineLesionFacts(
                    str(t["id"]), t["label"], is_nodal(t["organ"]), t["diameter_mm"]
                )
                for t in targets
            ]
        ),
        has_non_targets=bool(non_targets),
    )


def _followup_facts(followup: dict, measurements: Iterable[dict]) -> FollowupFacts:
    return FollowupFacts(
        key=str(followup["id"]),
        assessment_date=followup["assessment_date"],
        measurements=tuple(
            [
                MeasurementFacts(
                    str(m["lesion_id"]), m["diameter_mm"], m["too_small"], m["not_evaluable"]
                )
                for m in measurements
            ]
        ),
        non_target_status=followup["non_target_status"],
        new_lesion=followup["new_lesion"],
    )


def courses(ctx: ExportContext, *, evaluate: bool = True) -> Iterator[Course]:
    """Each subject's course; ``evaluate=False``: lesions only (no measurements, no engine)
    unless the package's shared store holds, or will hold, the evaluated courses."""
    if ctx.shared is None:
        yield from _courses(ctx, evaluate=evaluate)
        return
    key = ("recist courses", ctx.window, ctx.updated_since, ctx.as_of)
    by_subject: dict[int, Course] | None = ctx.shared.get(key)
    if by_subject is None:
        by_subject = {course.subject.id: course for course in _courses(ctx, evaluate=True)}
        ctx.shared[key] = by_subject
    yield from by_subject.values()


def _courses(ctx: ExportContext, *, evaluate: bool) -> Iterator[Course]:
    streams = {
        "assessments": ctx.stream(
            TumourAssessment,
            ASSESSMENT_FIELDS,
            order_by=("assessment_date", "id"),
            visit_term=visit_term("calendar_code"),
        ),
        "targets": ctx.stream(
            TargetLesion, (*LESION_FIELDS, "diameter_mm"), order_by=("assessment_id", "label")
        ),
        "non_targets": ctx.stream(
            NonTargetLesion, LESION_FIELDS, order_by=("assessment_id", "label")
        ),
    }
    if evaluate:
        streams["measurements"] = ctx.stream(
            LesionMeasurement, MEASUREMENT_FIELDS, order_by=("assessment_id", "lesion_id")
        )
    baseline_kind = AssessmentKind.BASELINE
    for subject, groups in merge_by_subject(ctx.subjects(), **streams):
        assessments = groups["assessments"]
        if not assessments:
            continue
        baseline = None
        followups = []
        for a in assessments:
            # The first baseline is the baseline; any other assessment is a follow-up.
            if baseline is None and a["kind"] == baseline_kind:
                baseline = a
            else:
                followups.append(a)
        base_id = baseline["id"] if baseline else None
        targets = [t for t in groups["targets"] if t["assessment_id"] == base_id]
        non_targets = [t for t in groups["non_targets"] if t["assessment_id"] == base_id]
        measurements: dict[int, list[dict]] = {}
        result, error = None, ""
        if evaluate:
            for m in groups["measurements"]:
                key = m["assessment_id"]
                if key in measurements:
                    measurements[key].append(m)
                else:
                    measurements[key] = [m]
            try:
                result = evaluate_course(
                    _facts(baseline, targets, non_targets) if baseline else None,
                    [_followup_facts(f, measurements.get(f["id"], ())) for f in followups],
                    c1d1=subject.c1d1,
                )
            except (ValueError, TypeError) as exc:
                # Entry validation runs the same engine: this only shows data changed behind it.
                error = str(exc)
        yield Course(
            subject, baseline, followups, targets, non_targets, measurements, result, error
        )


def new_lesion_flag(followup: dict) -> str:
    return "N" if followup["new_lesion"] == NewLesion.NONE else "Y"
