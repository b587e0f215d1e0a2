"""The demo trial reproduces the paper's endpoints from lesion measurements alone."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import selectors
from assessments.endpoints import OVERALL
from assessments.models import AdverseEvent, TumourAssessment, VitalSigns
from edc.access.constants import Role
from edc.access.models import StaffProfile
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of


@pytest.mark.django_db
def test_demo_endpoints_are_the_papers_orr_15_of_30_benefit_27_of_30_and_3_progressors():
    call_command("load_demo")
    statistician = StaffProfile.objects.get(role=Role.STATISTICIAN).user
    result = selectors.trial_endpoints(statistician)
    overall = result.groups[-1]
    assert overall.group == OVERALL and overall.patients == 30
    assert (overall.objective_response.numerator, overall.objective_response.denominator) == (
        15,
        30,
    )
    assert (overall.clinical_benefit.numerator, overall.clinical_benefit.denominator) == (27, 30)
    assert overall.progressed_by_landmark.numerator == 3
    assert round(overall.objective_response.ci_low, 4) == 0.3130
    assert not result.not_computable

    today = timezone.localdate()
    patients = {p.pk: p for p in Patient.objects.exclude(subject_id=None)}
    for assessment in TumourAssessment.objects.all():
        patient = patients[assessment.patient_id]
        assert consent_date_of(patient) <= assessment.assessment_date <= today
        if patient.consent_withdrawn_on:
            assert assessment.assessment_date <= patient.consent_withdrawn_on
        # Every demo assessment fulfils its planned calendar event.
        event = CalendarEvent.objects.get(patient=patient, code=assessment.calendar_code)
        assert event.actual_date == assessment.assessment_date
        assert event.earliest <= assessment.assessment_date <= event.latest
    withdrawn = next(p for p in patients.values() if p.consent_withdrawn_on)
    assert not withdrawn.tumour_assessments.filter(calendar_code="TUM-W24").exists()

    assert AdverseEvent.objects.filter(serious=True).count() >= 2
    assert AdverseEvent.objects.filter(reported_late=True).count() == 1
    assert VitalSigns.objects.filter(visit="PAC-C1D1").count() == 30
    assert TumourAssessment.objects.filter(response_disagrees=True).exists()
