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
from .course import CourseResult, course_of, split_assessments
from .models import AdverseEvent, TumourAssessment, VitalSigns


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
def patient_outcome(course: RecistCourse) -> endpoint_maths.PatientOutcome:
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
    courses: list[RecistCourse]
    landmark_days: int
    confidence: float

    @property
    def not_computable(self) -> list[RecistCourse]:
        return [c for c in self.courses if c.error]


def trial_endpoints(user) -> TrialEndpoints:
    """ORR, clinical benefit and progressors at 6 months, per cohort and overall.

    Built from every enrolled patient the user may see (all sites for statisticians and data
    managers), in a constant number of queries.
    """
    courses = recist_courses(enrolled_patients_with_assessments(user))
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
