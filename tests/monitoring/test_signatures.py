"""Investigator e-signatures (21 CFR 11.50, 11.200): ID + password, meaning, invalidation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from edc.access import credentials
from edc.access.constants import AttemptOutcome
from edc.access.credentials import signing_locked_until
from edc.access.models import SigningAttempt
from edc.monitoring import constants as msg
from edc.monitoring import selectors, services
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS
from edc.monitoring.models import Signature
from patients.models import CalendarEvent, Patient

from .conftest import PASSWORD

MEANING = SIGNATURE_MEANINGS[0]


def sign(patient, user, *, password=PASSWORD, username=None, scope=CASEBOOK, meaning=MEANING):
    return services.signature_sign(
        user=user,
        patient=patient,
        scope=scope,
        username=username or user.get_username(),
        password=password,
        meaning=meaning,
    )


def test_the_investigator_signs_with_id_password_and_meaning(patient, investigator):
    investigator.first_name, investigator.last_name = "Inès", "Martin"
    investigator.save()
    signature = sign(patient, investigator)
    assert signature.is_valid and signature.printed_name == "Inès Martin"
    assert signature.meaning == MEANING and signature.signed_at <= timezone.now()
    assert len(signature.content_sha256) == 64 and services.signature_verify(signature)
    forms = {form for form, _id, _version in signature.signed_records}
    assert {"patients.patient", "patients.consent", "patients.calendarevent"} <= forms
    assert SigningAttempt.objects.get().outcome == AttemptOutcome.SUCCESS


def test_a_wrong_password_signs_nothing_and_counts_towards_the_lockout(patient, investigator):
    with pytest.raises(ValidationError) as exc:
        sign(patient, investigator, password="wrong")
    assert exc.value.message_dict == {"password": [credentials.WRONG_CREDENTIALS]}
    assert not Signature.objects.exists()
    assert SigningAttempt.objects.get().outcome == AttemptOutcome.WRONG_CREDENTIALS


def test_another_users_valid_credentials_do_not_sign(patient, investigator, coordinator):
    with pytest.raises(ValidationError):
        sign(patient, investigator, username=coordinator.get_username())
    assert not Signature.objects.exists()


def test_three_failures_lock_signing_for_thirty_minutes(patient, investigator):
    for _ in range(credentials.SIGNING_MAX_FAILURES):
        with pytest.raises(ValidationError):
            sign(patient, investigator, password="wrong")
    until = signing_locked_until(user=investigator)
    assert until is not None
    with pytest.raises(ValidationError) as exc:
        sign(patient, investigator)  # even the right password is refused while locked
    assert "Signing is locked" in exc.value.message_dict["password"][0]
    assert not Signature.objects.exists()
    assert SigningAttempt.objects.filter(outcome=AttemptOutcome.LOCKED_OUT).count() == 1
    later = until + dt.timedelta(seconds=1)
    assert signing_locked_until(user=investigator, now=later) is None


def test_failures_spread_over_more_than_the_window_do_not_lock(investigator):
    start = timezone.now() - dt.timedelta(hours=2)
    for minutes in (0, 20, 40):
        SigningAttempt.objects.create(
            user=investigator,
            outcome=AttemptOutcome.WRONG_CREDENTIALS,
            at=start + dt.timedelta(minutes=minutes),
        )
    assert signing_locked_until(user=investigator, now=start + dt.timedelta(minutes=41)) is None


def test_a_success_resets_the_consecutive_failures(patient, investigator):
    for _ in range(credentials.SIGNING_MAX_FAILURES - 1):
        with pytest.raises(ValidationError):
            sign(patient, investigator, password="wrong")
    sign(patient, investigator, scope=CalendarEvent.objects.filter(patient=patient)[0].code)
    with pytest.raises(ValidationError):
        sign(patient, investigator, password="wrong")
    assert signing_locked_until(user=investigator) is None


def test_only_an_investigator_of_the_patients_site_can_sign(
    patient, coordinator, other_investigator, monitor, data_manager
):
    for user in (coordinator, other_investigator, monitor, data_manager):
        with pytest.raises(PermissionDenied):
            sign(patient, user)
    assert not Signature.objects.exists() and not SigningAttempt.objects.exists()


def test_the_meaning_comes_from_the_fixed_list(patient, investigator):
    with pytest.raises(ValidationError) as exc:
        sign(patient, investigator, meaning="Looks fine")
    assert exc.value.message_dict == {"meaning": [msg.UNKNOWN_MEANING]}


def test_a_later_change_invalidates_the_signature_and_shows_what_changed(
    patient, investigator, coordinator, correct
):
    signature = sign(patient, investigator)
    correct(patient, user=coordinator, reason="Transcription error")
    signature.refresh_from_db()
    assert not signature.is_valid and signature.invalidated_at is not None
    change = signature.invalidating_change
    assert (change.model_label, change.object_id, change.reason) == (
        "patients.patient",
        patient.pk,
        "Transcription error",
    )
    changes = list(selectors.signature_changes_since(signature=signature))
    assert changes == [change]
    assert changes[0].changes == [{"field": "year_of_birth", "old": 1970, "new": 1968}]
    assert not services.signature_verify(signature)
    # Re-signing the changed casebook gives a new valid signature.
    assert sign(Patient.objects.get(pk=patient.pk), investigator).is_valid


def test_monitoring_writes_do_not_invalidate_a_signature(patient, investigator, monitor):
    from edc.monitoring.records import record_ref

    signature = sign(patient, investigator)
    services.query_raise(user=monitor, record=record_ref(patient), field="", question="?")
    services.sdv_mark(user=monitor, record=record_ref(patient))
    signature.refresh_from_db()
    assert signature.is_valid and services.signature_verify(signature)


def test_an_event_signature_is_invalidated_only_by_that_events_data(
    patient, investigator, coordinator, correct
):
    event = CalendarEvent.objects.filter(patient=patient).order_by("planned_date")[0]
    signature = sign(patient, investigator, scope=event.code, meaning=SIGNATURE_MEANINGS[1])
    assert [form for form, _id, _v in signature.signed_records] == ["patients.calendarevent"]
    correct(patient, user=coordinator)  # a registry change is not part of the event
    signature.refresh_from_db()
    assert signature.is_valid
    from patients.calendar import calendar_mark_not_done

    later = CalendarEvent.objects.get(pk=event.pk)
    calendar_mark_not_done(event=later, reason="Patient unwell", user=coordinator)
    signature.refresh_from_db()
    assert not signature.is_valid and signature.invalidating_change.object_id == event.pk


def test_the_signature_page_signs_and_a_wrong_password_is_recorded(
    patient, investigator, coordinator, web
):
    url = reverse("monitoring:signatures", args=[patient.pk])
    client = web(investigator)
    page = client.get(url)
    assert page.status_code == 200 and b'type="password"' in page.content
    data = {"scope": CASEBOOK, "meaning": MEANING, "username": investigator.username}
    refused = client.post(url, {**data, "password": "wrong"})
    assert refused.status_code == 200 and credentials.WRONG_CREDENTIALS in refused.content.decode()
    assert SigningAttempt.objects.filter(outcome=AttemptOutcome.WRONG_CREDENTIALS).count() == 1
    assert client.post(url, {**data, "password": PASSWORD}).status_code == 302
    listed = client.get(url).content.decode()
    assert "valid" in listed and MEANING in listed
    assert web(coordinator).post(url, {**data, "password": PASSWORD}).status_code == 403


def test_the_api_signs_with_password_and_keeps_failed_attempts(
    patient, other_patient, investigator, api, correct, coordinator
):
    client = api(investigator)
    body = {"patient": patient.pk, "meaning": MEANING, "username": investigator.username}
    wrong = client.post("/api/v1/signatures/", {**body, "password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json() == {
        "password": [credentials.WRONG_CREDENTIALS]
    }
    assert SigningAttempt.objects.filter(outcome=AttemptOutcome.WRONG_CREDENTIALS).count() == 1
    signed = client.post("/api/v1/signatures/", {**body, "password": PASSWORD}, format="json")
    assert signed.status_code == 201 and signed.json()["status"] == "valid"
    other = {**body, "patient": other_patient.pk, "password": PASSWORD}
    assert client.post("/api/v1/signatures/", other, format="json").status_code == 404
    assert api(coordinator).post("/api/v1/signatures/", body, format="json").status_code == 403
    correct(patient, user=coordinator)
    detail = client.get(f"/api/v1/signatures/{signed.json()['id']}/").json()
    assert detail["status"] == "invalidated" and len(detail["changed_since"]) == 1


def test_an_immune_draw_signature_covers_the_draw_and_its_values_and_a_correction_voids_it(
    patient, investigator, coordinator, data_manager
):
    from labs import services as lab_services
    from labs.models import LabResult
    from tests.labs.conftest import immune_values, make_lab

    lab = make_lab(user=data_manager, site=patient.site, code="FR01-IMM")
    drawn_at = timezone.make_aware(dt.datetime.combine(patient.c1d1_date, dt.time(8, 0)))
    lab_services.immune_draw_record(
        user=coordinator,
        patient=patient,
        event_code="IMM-BL",
        drawn_at=drawn_at,
        sample_id="S-0001",
        processing_minutes=30,
        lab=lab,
        values=immune_values(),
    )
    signature = sign(patient, investigator, scope="IMM-BL", meaning=SIGNATURE_MEANINGS[1])
    forms = {form for form, _id, _v in signature.signed_records}
    assert {"labs.immunedraw", "labs.labresult"} <= forms
    value = LabResult.objects.filter(patient=patient, immune_draw__isnull=False).first()
    lab_services.lab_result_update(
        user=coordinator,
        result=value,
        collected_at=value.collected_at,
        value=str(Decimal(value.original_value) + 1),
        unit=value.original_unit,
        comment="",
        reason="Transcription error",
        expected_version=value.version,
    )
    signature.refresh_from_db()
    assert not signature.is_valid and signature.invalidating_change.object_id == value.pk
