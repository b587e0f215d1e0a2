"""A patient's RECIST course: stored facts → ``assessments.recist`` → results. No queries.

The page, the API, the trial endpoints and the response stored at entry all go through
``evaluate_course``, so they cannot disagree. Callers hand in either assessments whose lesions
and measurements are already prefetched (selectors) or the facts of a save not yet written
(services), which is how a proposed change is checked by the engine before anything is saved.
Lesions are keyed by their primary key as a string ("new:<label>" for a lesion being added).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from . import recist
from .constants import AssessmentKind, NewLesion
from .values import frozen_value


@frozen_value
class BaselineLesionFacts:
    key: str
    label: str
    is_node: bool
    diameter_mm: Decimal


@frozen_value
class BaselineFacts:
    assessment_date: date
    targets: tuple[BaselineLesionFacts, ...]
    has_non_targets: bool


@frozen_value
class MeasurementFacts:
    lesion_key: str
    diameter_mm: Decimal | None
    too_small: bool = False
    not_evaluable: bool = False


@frozen_value
class FollowupFacts:
    key: str  # the assessment's pk as a string, or "new" for one being created
    assessment_date: date
    measurements: tuple[MeasurementFacts, ...]
    non_target_status: str  # "" = not recorded
    new_lesion: str


@frozen_value
class CourseResult:
    baseline: BaselineFacts | None
    baseline_sum_mm: Decimal | None
    results: dict[str, recist.TimepointResult]  # by FollowupFacts.key
    best: recist.BestResponse | None
    progression_date: date | None
    last_assessment_date: date | None

    def result_for(self, key: str) -> recist.TimepointResult | None:
        return self.results.get(key)


def _baseline_timepoint(baseline: BaselineFacts) -> recist.Timepoint:
    return recist.Timepoint(
        assessment_date=baseline.assessment_date,
        targets=tuple(
            [recist.TargetMeasurement(t.key, t.is_node, t.diameter_mm) for t in baseline.targets]
        ),
        non_target=recist.NonTargetStatus.PRESENT if baseline.has_non_targets else None,
        new_lesions=False,
    )


# Stored non-target status → the engine's (a lookup; an unknown value still raises below).
_NON_TARGET_STATUSES = {status.value: status for status in recist.NonTargetStatus}


def _followup_timepoint(followup: FollowupFacts, is_node: dict[str, bool]) -> recist.Timepoint:
    targets = []
    for m in followup.measurements:
        key = m.lesion_key
        if key not in is_node:
            raise ValueError(
                recist.MSG_UNKNOWN_LESION.format(lesion=key, date=followup.assessment_date)
            )
        targets.append(
            recist.TargetMeasurement(
                key,
                is_node[key],
                m.diameter_mm,
                too_small=m.too_small,
                not_evaluable=m.not_evaluable,
            )
        )
    status = followup.non_target_status
    return recist.Timepoint(
        assessment_date=followup.assessment_date,
        targets=tuple(targets),
        non_target=(
            (_NON_TARGET_STATUSES.get(status) or recist.NonTargetStatus(status)) if status else None
        ),
        new_lesions=followup.new_lesion == NewLesion.UNEQUIVOCAL,
        new_lesion_equivocal=followup.new_lesion == NewLesion.EQUIVOCAL,
    )


def evaluate_course(
    baseline: BaselineFacts | None, followups: Sequence[FollowupFacts], *, c1d1: date | None
) -> CourseResult:
    """Run the RECIST engine over one patient. Raises ``ValueError`` on data it refuses."""
    last = max((f.assessment_date for f in followups), default=None)
    if baseline is None:
        return CourseResult(None, None, {}, None, None, last)
    base_tp = _baseline_timepoint(baseline)
    baseline_sum = recist.sum_of_diameters(base_tp.targets)
    is_node = {t.key: t.is_node for t in baseline.targets}
    timepoints = [_followup_timepoint(f, is_node) for f in followups]
    engine_results = recist.evaluate(base_tp, timepoints)
    by_date = {r.assessment_date: r for r in engine_results}
    results = {f.key: by_date[f.assessment_date] for f in followups}
    progression = recist.first_progression_date(engine_results)
    best = recist.best_overall_response(engine_results, c1d1) if c1d1 else None
    return CourseResult(baseline, baseline_sum, results, best, progression, last)


# --- From stored (prefetched) rows ------------------------------------------------------------
def baseline_facts(assessment) -> BaselineFacts:
    """Facts of a saved baseline; uses the prefetched ``target_lesions``/``non_target_lesions``."""
    return BaselineFacts(
        assessment_date=assessment.assessment_date,
        targets=tuple(
            BaselineLesionFacts(str(t.pk), t.label, t.is_node, t.diameter_mm)
            for t in assessment.target_lesions.all()
        ),
        has_non_targets=bool(list(assessment.non_target_lesions.all())),
    )


def followup_facts(assessment) -> FollowupFacts:
    """Facts of a saved follow-up; uses the prefetched ``measurements``."""
    return FollowupFacts(
        key=str(assessment.pk),
        assessment_date=assessment.assessment_date,
        measurements=tuple(
            MeasurementFacts(str(m.lesion_id), m.diameter_mm, m.too_small, m.not_evaluable)
            for m in assessment.measurements.all()
        ),
        non_target_status=assessment.non_target_status,
        new_lesion=assessment.new_lesion,
    )


def split_assessments(assessments: Iterable) -> tuple[object | None, list]:
    """(the baseline or None, follow-ups in date order) of one patient's assessments."""
    baseline = None
    followups = []
    for assessment in assessments:
        if assessment.kind == AssessmentKind.BASELINE:
            baseline = assessment
        else:
            followups.append(assessment)
    followups.sort(key=lambda a: a.assessment_date)
    return baseline, followups


def course_of(assessments: Iterable, *, c1d1: date | None) -> CourseResult:
    """The course of one patient from saved assessments (children prefetched)."""
    baseline, followups = split_assessments(assessments)
    return evaluate_course(
        baseline_facts(baseline) if baseline else None,
        [followup_facts(f) for f in followups],
        c1d1=c1d1,
    )
