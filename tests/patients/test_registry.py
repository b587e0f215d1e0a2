"""Patient registry: screening, consent, eligibility, enrolment, withdrawal — through services."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from edc import protocol
from patients import constants as msg
from patients import services
from patients.constants import EndReason, PatientStatus
from patients.eligibility import evaluate
from patients.models import Cohort, Patient
from patients.validators import validate_study_date

from ..conftest import all_eligible
from ..factories import PatientFactory

TODAY = dt.date.today()


def test_eligibility_requires_every_inclusion_yes_and_every_exclusion_no():
    assert evaluate(all_eligible()).eligible
    answers = all_eligible() | {"EX02": True}
    result = evaluate(answers)
    assert not result.eligible and [c.code for c in result.unmet] == ["EX02"]
    partial = {k: v for k, v in all_eligible().items() if k != "IN03"}
    assert not evaluate(partial).complete
    assert [c.code for c in evaluate(partial).missing] == ["IN03"]


def test_eligibility_checklist_holds_every_protocol_criterion():
    codes = {c.code for c in protocol.ELIGIBILITY_CRITERIA}
    assert len([c for c in codes if c.startswith("IN")]) == 10
    assert len([c for c in codes if c.startswith("EX")]) == 5


def test_screening_refuses_a_year_of_birth_in_the_future(site, investigator):
    with pytest.raises(ValidationError) as exc:
        services.patient_screen(
            user=investigator,
            site=site,
            screening_number="S1",
            screening_date=TODAY,
            year_of_birth=TODAY.year + 1,
            sex="F",
        )
    assert exc.value.message_dict == {"year_of_birth": [msg.YEAR_OF_BIRTH_FUTURE]}
    assert not Patient.objects.exists()


def test_screening_refuses_a_duplicate_screening_number_at_the_same_site(site, investigator):
    kwargs = {
        "user": investigator,
        "site": site,
        "screening_number": "S1",
        "screening_date": TODAY,
        "year_of_birth": 1970,
        "sex": "F",
    }
    services.patient_screen(**kwargs)
    with pytest.raises(ValidationError) as exc:
        services.patient_screen(**kwargs)
    assert exc.value.message_dict == {"screening_number": [msg.SCREENING_NUMBER_TAKEN]}


def test_enrolment_assigns_site_sequence_subject_id_and_open_cohort(screened, investigator):
    first, second = screened(number="S1"), screened(number="S2")
    for patient in (first, second):
        services.patient_enrol(
            user=investigator, patient=patient, enrolled_on=TODAY, c1d1_date=TODAY
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.subject_id, second.subject_id) == ("FR01-001", "FR01-002")
    assert first.cohort.code == protocol.COHORTS[0].code
    assert first.status == PatientStatus.ENROLLED


def test_enrolment_without_consent_is_refused_and_saves_nothing(site, investigator, cohorts):
    patient = PatientFactory(site=site)
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(
            user=investigator, patient=patient, enrolled_on=TODAY, c1d1_date=TODAY
        )
    assert msg.NO_CONSENT in exc.value.messages
    patient.refresh_from_db()
    assert patient.subject_id is None and patient.status == PatientStatus.SCREENING


def test_consent_dated_after_enrolment_is_refused(screened, investigator):
    patient = services.patient_enrol(
        user=investigator,
        patient=screened(),
        enrolled_on=TODAY - dt.timedelta(days=2),
        c1d1_date=TODAY,
    )
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            user=investigator, patient=patient, consent_date=TODAY, form_version="2.0"
        )
    assert exc.value.message_dict == {"consent_date": [msg.CONSENT_AFTER_ENROLMENT]}


def test_eligibility_dated_before_consent_is_refused(site, investigator, cohorts):
    patient = PatientFactory(site=site, screening_date=TODAY - dt.timedelta(days=10))
    services.consent_record(
        user=investigator, patient=patient, consent_date=TODAY, form_version="1.0"
    )
    with pytest.raises(ValidationError) as exc:
        services.eligibility_record(
            user=investigator,
            patient=patient,
            answers=all_eligible(),
            source_date=TODAY - dt.timedelta(days=1),
        )
    assert exc.value.message_dict == {"source_date": [msg.CONSENT_BEFORE_PROCEDURE]}
    assert not patient.eligibility.exists()


def test_an_unmet_criterion_blocks_enrolment_unless_waived(screened, investigator):
    patient = screened()
    services.eligibility_record(
        user=investigator,
        patient=patient,
        answers={"IN04": False},
        source_date=patient.screening_date,
        reason="ECOG re-assessed as 2",
    )
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(
            user=investigator, patient=patient, enrolled_on=TODAY, c1d1_date=TODAY
        )
    assert "IN04" in exc.value.message_dict["waiver_reason"][0]
    enrolled = services.patient_enrol(
        user=investigator,
        patient=patient,
        enrolled_on=TODAY,
        c1d1_date=TODAY,
        waiver_reason="Sponsor approved ECOG 2",
    )
    assert enrolled.eligibility_waiver == "Sponsor approved ECOG 2"
    last = enrolled.history.first()
    assert "waiver" in last.history_change_reason and last.history_user == investigator


def test_a_male_patient_cannot_be_answered_eligible(site, investigator, cohorts):
    patient = PatientFactory(site=site, sex="M")
    services.consent_record(
        user=investigator, patient=patient, consent_date=patient.screening_date, form_version="1.0"
    )
    with pytest.raises(ValidationError) as exc:
        services.eligibility_record(
            user=investigator,
            patient=patient,
            answers=all_eligible(),
            source_date=patient.screening_date,
        )
    assert exc.value.message_dict == {"IN01": [msg.MALE_NOT_ELIGIBLE]}


def test_a_full_cohort_refuses_enrolment_until_the_next_cohort_is_opened(
    screened, investigator, data_manager
):
    capacity = protocol.COHORTS[0].capacity
    for n in range(capacity):
        services.patient_enrol(
            user=investigator, patient=screened(number=f"S{n}"), enrolled_on=TODAY, c1d1_date=TODAY
        )
    extra = screened(number="S-extra")
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(user=investigator, patient=extra, enrolled_on=TODAY, c1d1_date=TODAY)
    assert "is full" in exc.value.messages[0]
    services.cohort_open(
        user=data_manager, code=protocol.COHORTS[1].code, reason="Safety review done"
    )
    patient = services.patient_enrol(
        user=investigator, patient=extra, enrolled_on=TODAY, c1d1_date=TODAY
    )
    assert patient.cohort.code == protocol.COHORTS[1].code
    assert list(Cohort.objects.filter(is_open=True).values_list("code", flat=True)) == ["B"]


def test_screen_failure_needs_a_reason_and_ends_screening(screened, investigator):
    patient = screened()
    with pytest.raises(ValidationError):
        services.patient_screen_fail(user=investigator, patient=patient, reason="  ")
    failed = services.patient_screen_fail(
        user=investigator, patient=patient, reason="Brain metastases on MRI"
    )
    assert failed.status == PatientStatus.SCREEN_FAILED
    with pytest.raises(ValidationError):
        services.patient_enrol(
            user=investigator, patient=failed, enrolled_on=TODAY, c1d1_date=TODAY
        )


def test_withdrawal_of_consent_forbids_data_dated_after_it(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=30)
    withdrawn_on = TODAY - dt.timedelta(days=5)
    patient = services.patient_end_study(
        user=investigator, patient=patient, end_date=withdrawn_on, reason_code=EndReason.WITHDRAWAL
    )
    assert patient.consent_withdrawn_on == withdrawn_on
    assert patient.end_of_treatment_reason == EndReason.WITHDRAWAL
    consent = services.consent_date_of(patient)
    validate_study_date(withdrawn_on, "d", consent_date=consent, consent_withdrawn_on=withdrawn_on)
    with pytest.raises(ValidationError) as exc:
        validate_study_date(
            withdrawn_on + dt.timedelta(days=1),
            "d",
            consent_date=consent,
            consent_withdrawn_on=withdrawn_on,
        )
    assert exc.value.message_dict["d"] == [msg.AFTER_WITHDRAWAL.format(date=withdrawn_on)]


def test_c1d1_must_follow_enrolment_within_the_screening_window(screened, investigator):
    patient = screened(days_ago=20)
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=TODAY,
            c1d1_date=TODAY - dt.timedelta(days=1),
        )
    assert exc.value.message_dict == {"c1d1_date": [msg.C1D1_BEFORE_ENROLMENT]}
    with pytest.raises(ValidationError) as exc:
        services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=TODAY,
            c1d1_date=TODAY + dt.timedelta(days=10),
        )
    assert "within 28 days" in exc.value.message_dict["c1d1_date"][0]
