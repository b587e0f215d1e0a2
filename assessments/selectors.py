"""Access-scoped reads: tumour assessments and RECIST courses, AEs, vital signs, endpoints.

Every function takes the user and scopes by their sites (``edc.access``); lists prefetch what
they show so a page or API list costs a fixed number of queries whatever its length. A record
of another site does not exist for the user (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from edc import protocol
from edc.access.selectors import scope_to_user_sites
from patients.models import Patient
from patients.selectors import patients_visible_to

from . import endpoints as endpoint_maths
from .constants import NODAL_ORGANS, AssessmentKind
from .course import (
    BaselineFacts,
    BaselineLesionFacts,
    CourseResult,
    FollowupFacts,
    MeasurementFacts,
    course_of,
    evaluate_course,
    split_assessments,
)
from .models import (
    AdverseEvent,
    ConcomitantMedication,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)
from .recist import TimepointResult


# --- Tumour assessments --------------------------------------------------------------------------
def tumour_assessments_visible_to(user) -> QuerySet[TumourAssessment]:
    qs = TumourAssessment.objects.select_related("patient", "patient__site").prefetch_related(
        "target_lesions", "non_target_lesions", "measurements"
    )
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def tumour_assessment_get_for_user(*, user, pk: int) -> TumourAssessment:
    try:
        return tumour_assessments_visible_to(user).get(pk=pk)
    except (TumourAssessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such tumour assessment.") from None


def recist_disagreements(user) -> QuerySet[TumourAssessment]:
    """Follow-ups where the investigator's timepoint response differs from the computed one.

    For the monitoring module, which raises data queries on them.
    """
    return tumour_assessments_visible_to(user).filter(response_disagrees=True)


def _assessments_prefetch() -> Prefetch:
    return Prefetch(
        "tumour_assessments",
        queryset=TumourAssessment.objects.prefetch_related(
            "target_lesions", "non_target_lesions", "measurements"
        ).order_by("assessment_date"),
    )


@dataclass(frozen=True)
class RecistCourse:
    """One patient's RECIST course, ready for the page and the API."""

    patient: Patient
    baseline: TumourAssessment | None
    followups: list[TumourAssessment]
    result: CourseResult | None
    error: str = ""

    @property
    def rows(self) -> list[tuple[TumourAssessment, object]]:
        """(follow-up, TimepointResult or None) in date order."""
        results = self.result.results if self.result else {}
        return [(f, results.get(str(f.pk))) for f in self.followups]

    @property
    def lesion_grid(self) -> list[tuple[object, list]]:
        """(baseline target lesion, [its measurement or None at each follow-up])."""
        if self.baseline is None:
            return []
        measured = [{m.lesion_id: m for m in f.measurements.all()} for f in self.followups]
        return [
            (lesion, [by_lesion.get(lesion.pk) for by_lesion in measured])
            for lesion in self.baseline.target_lesions.all()
        ]


def _course(patient: Patient) -> RecistCourse:
    assessments = list(patient.tumour_assessments.all())
    baseline, followups = split_assessments(assessments)
    try:
        result = course_of(assessments, c1d1=patient.c1d1_date)
    except (ValueError, TypeError) as exc:
        # Entry validation runs the same engine, so this only shows data changed behind it.
        return RecistCourse(patient, baseline, followups, None, str(exc))
    return RecistCourse(patient, baseline, followups, result)


def enrolled_patients_with_assessments(user) -> QuerySet[Patient]:
    """Enrolled patients of the user's sites with their assessments prefetched (5 queries)."""
    return (
        patients_visible_to(user)
        .filter(subject_id__isnull=False, c1d1_date__isnull=False)
        .prefetch_related(_assessments_prefetch())
        .order_by("id")
    )


def recist_course_for_patient(*, user, patient_id: int) -> RecistCourse:
    try:
        patient = (
            patients_visible_to(user).prefetch_related(_assessments_prefetch()).get(pk=patient_id)
        )
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None
    return _course(patient)


def recist_courses(patients) -> list[RecistCourse]:
    """Courses of patients fetched with ``enrolled_patients_with_assessments`` (no queries)."""
    return [_course(p) for p in patients]


# --- Endpoints -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EndpointCourse:
    """One patient's RECIST course for the trial endpoints and the dashboard.

    Built from plain rows rather than assessment objects: the trial-wide pages run the engine
    over every patient, and thousands of prefetched ORM instances per request took most of
    their time and, living for the whole request, were promoted to the oldest garbage-collector
    generation often enough to set off a full collection (~100 ms here) every few requests
    (issue 9, bench/RESULTS.md "Pages"). ``baseline`` and ``followups`` are the facts handed
    to the engine (``assessment_date``; follow-ups keyed by the assessment's pk as a string).
    """

    patient: Patient
    baseline: BaselineFacts | None
    followups: list[FollowupFacts]  # in date order
    result: CourseResult | None
    error: str = ""

    @property
    def rows(self) -> list[tuple[FollowupFacts, TimepointResult | None]]:
        """(follow-up, TimepointResult or None) in date order."""
        results = self.result.results if self.result else {}
        return [(f, results.get(f.key)) for f in self.followups]


def _facts_by_patient(
    patients: QuerySet[Patient],
) -> dict[int, tuple[BaselineFacts | None, list[FollowupFacts]]]:
    """Engine facts of every patient of ``patients`` from ``values`` rows (four queries).

    The same facts as ``course.baseline_facts``/``followup_facts`` over prefetched objects,
    lesions and measurements in the models' default order.
    """
    ids = patients.values("pk")
    target_rows = TargetLesion.objects.filter(assessment__patient__in=ids).values_list(
        "assessment_id", "pk", "label", "organ", "diameter_mm"
    )
    targets: dict[int, list[BaselineLesionFacts]] = {}
    for assessment_id, pk, label, organ, diameter in target_rows:
        targets.setdefault(assessment_id, []).append(
            # TargetLesion.is_node: the short axis of a lymph node is measured.
            BaselineLesionFacts(str(pk), label, organ in NODAL_ORGANS, diameter)
        )
    measurement_rows = LesionMeasurement.objects.filter(assessment__patient__in=ids).values_list(
        "assessment_id", "lesion_id", "diameter_mm", "too_small", "not_evaluable"
    )
    measurements: dict[int, list[MeasurementFacts]] = {}
    for assessment_id, lesion_id, diameter, too_small, not_evaluable in measurement_rows:
        measurements.setdefault(assessment_id, []).append(
            MeasurementFacts(str(lesion_id), diameter, too_small, not_evaluable)
        )
    with_non_targets = set(
        NonTargetLesion.objects.filter(assessment__patient__in=ids)
        .order_by()
        .values_list("assessment_id", flat=True)
        .distinct()
    )
    facts: dict[int, tuple[BaselineFacts | None, list[FollowupFacts]]] = {}
    rows = (
        TumourAssessment.objects.filter(patient__in=ids)
        .order_by("patient_id", "assessment_date")
        .values_list(
            "pk", "patient_id", "kind", "assessment_date", "non_target_status", "new_lesion"
        )
    )
    for pk, patient_id, kind, day, non_target_status, new_lesion in rows:
        baseline, followups = facts.setdefault(patient_id, (None, []))
        if kind == AssessmentKind.BASELINE:
            baseline = BaselineFacts(day, tuple(targets.get(pk, ())), pk in with_non_targets)
            facts[patient_id] = (baseline, followups)
        else:
            followups.append(
                FollowupFacts(
                    str(pk), day, tuple(measurements.get(pk, ())), non_target_status, new_lesion
                )
            )
    return facts


def endpoint_courses(patients: QuerySet[Patient]) -> list[EndpointCourse]:
    """The RECIST course of each patient of ``patients`` (five queries, no assessment objects)."""
    facts = _facts_by_patient(patients)
    courses = []
    for patient in patients:
        baseline, followups = facts.get(patient.pk, (None, []))
        try:
            result = evaluate_course(baseline, followups, c1d1=patient.c1d1_date)
        except (ValueError, TypeError) as exc:
            # Entry validation runs the same engine, so this only shows data changed behind it.
            courses.append(EndpointCourse(patient, baseline, followups, None, str(exc)))
            continue
        courses.append(EndpointCourse(patient, baseline, followups, result))
    return courses


def patient_outcome(course: RecistCourse | EndpointCourse) -> endpoint_maths.PatientOutcome:
    patient = course.patient
    result = course.result
    return endpoint_maths.PatientOutcome(
        patient_id=patient.subject_id or str(patient.pk),
        cohort=patient.cohort.code,
        c1d1=patient.c1d1_date,
        best_response=result.best.response if result and result.best else None,
        progression_date=result.progression_date if result else None,
        last_assessment_date=result.last_assessment_date if result else None,
    )


@dataclass(frozen=True)
class TrialEndpoints:
    groups: list[endpoint_maths.Endpoints]  # cohorts in order, then overall
    courses: list[EndpointCourse]
    landmark_days: int
    confidence: float

    @property
    def not_computable(self) -> list[EndpointCourse]:
        return [c for c in self.courses if c.error]


# What the endpoint pages, the dashboard and its figures read of each patient (the full
# rows of 10,000 patients took longer to build than their RECIST courses).
ENDPOINT_PATIENT_FIELDS = (
    "subject_id",
    "screening_number",
    "site__code",
    "cohort__code",
    "c1d1_date",
    "status",
    "end_of_treatment_date",
    "end_of_treatment_reason",
    "end_of_study_date",
    "end_of_study_reason",
)


# Every model ``trial_endpoints`` reads (besides reference rows such as cohorts): a save of
# any gives a new ``edc.caching.data_stamp``, so a cached result is never stale.
ENDPOINT_READS = (Patient, TumourAssessment, TargetLesion, NonTargetLesion, LesionMeasurement)


def trial_endpoints(user) -> TrialEndpoints:
    """ORR, clinical benefit and progressors at 6 months, per cohort and overall.

    Built from every enrolled patient the user may see (all sites for statisticians and data
    managers), in a constant number of queries (patients, assessments, target lesions,
    non-target lesions, measurements).
    """
    patients = (
        patients_visible_to(user)
        .filter(subject_id__isnull=False, c1d1_date__isnull=False)
        .only(*ENDPOINT_PATIENT_FIELDS)
        .order_by("id")
    )
    courses = endpoint_courses(patients)
    results = endpoint_maths.endpoints(patient_outcome(c) for c in courses)
    overall = results.pop(endpoint_maths.OVERALL)
    return TrialEndpoints(
        groups=[*results.values(), overall],
        courses=courses,
        landmark_days=protocol.CLINICAL_BENEFIT_LANDMARK_DAYS,
        confidence=float(protocol.CONFIDENCE_LEVEL),
    )


# --- Adverse events and vital signs --------------------------------------------------------------
def adverse_events_visible_to(user) -> QuerySet[AdverseEvent]:
    qs = AdverseEvent.objects.select_related("patient", "patient__site")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def adverse_event_get_for_user(*, user, pk: int) -> AdverseEvent:
    try:
        return adverse_events_visible_to(user).get(pk=pk)
    except (AdverseEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("No such adverse event.") from None


def adverse_events_for_patient(*, user, patient_id: int) -> QuerySet[AdverseEvent]:
    """A patient's AEs (e.g. the choices for a dose reduction's documented reason)."""
    return adverse_events_visible_to(user).filter(patient_id=patient_id)


def vital_signs_visible_to(user) -> QuerySet[VitalSigns]:
    qs = VitalSigns.objects.select_related("patient", "patient__site")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def vital_signs_get_for_user(*, user, pk: int) -> VitalSigns:
    try:
        return vital_signs_visible_to(user).get(pk=pk)
    except (VitalSigns.DoesNotExist, ValueError, TypeError):
        raise Http404("No such vital signs record.") from None


def conmeds_visible_to(user) -> QuerySet[ConcomitantMedication]:
    qs = ConcomitantMedication.objects.select_related("patient", "patient__site", "adverse_event")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def conmed_get_for_user(*, user, pk: int) -> ConcomitantMedication:
    try:
        return conmeds_visible_to(user).get(pk=pk)
    except (ConcomitantMedication.DoesNotExist, ValueError, TypeError):
        raise Http404("No such concomitant medication.") from None
