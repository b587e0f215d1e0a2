"""A patient's status moves only along its transition map, through one audited service."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from edc.audit.models import AuditEntry
from patients import constants as msg
from patients import services
from patients.constants import EndReason, PatientStatus
from patients.models import STATUS_TRANSITIONS

S = PatientStatus
TODAY = dt.date.today()


def test_every_status_has_its_moves_and_off_study_is_final():
    assert set(STATUS_TRANSITIONS) == set(PatientStatus.values)
    assert STATUS_TRANSITIONS[S.OFF_STUDY] == frozenset()
    assert all(S.SCREENING not in targets for targets in STATUS_TRANSITIONS.values())
    assert S.ENROLLED in STATUS_TRANSITIONS[S.SCREENING]
    assert S.ENROLLED not in STATUS_TRANSITIONS[S.SCREEN_FAILED]


@pytest.mark.django_db
def test_a_status_change_is_saved_audited_with_its_reason(screened, investigator):
    patient = screened()
    changed = services.patient_set_status(
        user=investigator,
        patient=patient,
        status=S.SCREEN_FAILED,
        reason="Screen failure: withdrew before enrolment",
        changes={"screen_failure_reason": "withdrew before enrolment"},
    )
    patient.refresh_from_db()
    assert patient.status == changed.status == S.SCREEN_FAILED
    assert patient.version == 2
    entry = AuditEntry.objects.filter(model_label="patients.patient", object_id=patient.pk).last()
    assert entry.reason == "Screen failure: withdrew before enrolment"
    assert {c["field"] for c in entry.changes} == {"status", "screen_failure_reason"}


@pytest.mark.django_db
def test_an_enrolled_patient_cannot_go_back_to_screening_and_nothing_is_saved(
    enrolled, investigator
):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        services.patient_set_status(
            user=investigator, patient=patient, status=S.SCREEN_FAILED, reason="typo"
        )
    assert exc.value.message_dict == {"__all__": [msg.NOT_IN_SCREENING]}
    patient.refresh_from_db()
    assert patient.status == S.ENROLLED and patient.screen_failure_reason == ""


@pytest.mark.django_db
def test_a_screen_failure_cannot_be_enrolled(screened, investigator):
    patient = services.patient_screen_fail(
        user=investigator, patient=screened(days_ago=10), reason="Lab values out of range"
    )
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(
            user=investigator, patient=patient, enrolled_on=TODAY, c1d1_date=TODAY
        )
    assert exc.value.message_dict == {"__all__": [msg.NOT_IN_SCREENING]}
    patient.refresh_from_db()
    assert patient.status == S.SCREEN_FAILED and patient.subject_id is None


@pytest.mark.django_db
def test_ending_the_study_twice_is_refused(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=20)
    patient = services.patient_end_study(
        user=investigator, patient=patient, end_date=TODAY, reason_code=EndReason.COMPLETED
    )
    assert patient.status == S.OFF_STUDY
    with pytest.raises(ValidationError) as exc:
        services.patient_end_study(
            user=investigator, patient=patient, end_date=TODAY, reason_code=EndReason.LOST
        )
    assert exc.value.message_dict == {"__all__": [msg.ALREADY_OFF_STUDY]}
    patient.refresh_from_db()
    assert patient.end_of_study_reason == EndReason.COMPLETED
