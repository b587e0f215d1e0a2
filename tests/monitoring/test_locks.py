"""Locks: a data manager freezes a record, a casebook or the database; unlocking needs a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edc.audit.models import AuditEntry
from edc.monitoring import constants as msg
from edc.monitoring import services
from edc.monitoring.constants import LockScope
from edc.monitoring.locks import lock_check
from edc.monitoring.models import Lock
from edc.monitoring.records import record_ref
from patients import services as patient_services
from patients.models import CalendarEvent, Patient

from .conftest import record_path


def lock_patient(patient, user, reason="Interim analysis"):
    return services.lock_create(user=user, scope=LockScope.PATIENT, patient=patient, reason=reason)


def test_a_locked_casebook_refuses_edits_in_the_service_with_a_clear_message(
    patient, data_manager, coordinator, correct
):
    lock_patient(patient, data_manager)
    with pytest.raises(ValidationError) as exc:
        correct(patient, user=coordinator)
    assert exc.value.message_dict == {"__all__": [msg.LOCKED_MESSAGE]}
    assert Patient.objects.get(pk=patient.pk).year_of_birth == 1970
    event = CalendarEvent.objects.filter(patient=patient).first()
    with pytest.raises(ValidationError):  # every form of the casebook, new records too
        patient_services.consent_record(
            user=coordinator, patient=patient, consent_date=patient.enrolled_on, form_version="2.0"
        )
    with pytest.raises(ValidationError):
        lock_check(event)


def test_a_record_lock_freezes_one_form_only(patient, data_manager, coordinator, correct):
    event = CalendarEvent.objects.filter(patient=patient).first()
    services.lock_create(
        user=data_manager, scope=LockScope.RECORD, record=record_ref(event), reason="Reviewed"
    )
    with pytest.raises(ValidationError):
        lock_check(event)
    correct(patient, user=coordinator)  # the patient's other records stay editable


def test_a_database_lock_freezes_every_site_and_unlocking_needs_a_reason(
    patient, other_patient, data_manager, coordinator, other_investigator, correct
):
    lock = services.lock_create(user=data_manager, scope=LockScope.DATABASE, reason="Final lock")
    for p, user in ((patient, coordinator), (other_patient, other_investigator)):
        with pytest.raises(ValidationError):
            correct(p, user=user)
    with pytest.raises(ValidationError) as exc:
        services.lock_release(lock=lock, user=data_manager, reason=" ")
    assert exc.value.message_dict == {"reason": [msg.UNLOCK_REASON_REQUIRED]}
    services.lock_release(lock=lock, user=data_manager, reason="Query found after lock")
    correct(patient, user=coordinator)
    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlock_reason) == (data_manager, "Query found after lock")
    reasons = list(
        AuditEntry.objects.filter(model_label="monitoring.lock", object_id=lock.pk)
        .order_by("at", "id")
        .values_list("reason", flat=True)
    )
    assert reasons == ["Locked the whole database: Final lock", "Unlocked: Query found after lock"]
    with pytest.raises(ValidationError):
        services.lock_release(lock=lock, user=data_manager, reason="again")


def test_only_data_managers_lock(patient, investigator, monitor, statistician):
    for user in (investigator, monitor, statistician):
        with pytest.raises(PermissionDenied):
            lock_patient(patient, user)


def test_locking_twice_and_locking_without_a_reason_are_refused(patient, data_manager):
    with pytest.raises(ValidationError) as exc:
        lock_patient(patient, data_manager, reason="")
    assert exc.value.message_dict == {"reason": [msg.LOCK_REASON_REQUIRED]}
    lock_patient(patient, data_manager)
    with pytest.raises(ValidationError) as exc:
        lock_patient(patient, data_manager)
    assert exc.value.message_dict == {"__all__": [msg.ALREADY_LOCKED]}


def test_the_browser_form_shows_the_lock_message(patient, data_manager, coordinator, web):
    lock_patient(patient, data_manager)
    response = web(coordinator).post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "screening_number": patient.screening_number,
            "screening_date": patient.screening_date.isoformat(),
            "year_of_birth": 1968,
            "sex": "F",
            "version": patient.version,
            "reason": "ID card",
        },
    )
    assert response.status_code == 200
    assert msg.LOCKED_MESSAGE in response.content.decode()


def test_the_api_refuses_locked_data_with_the_message(patient, data_manager, coordinator, api):
    lock_patient(patient, data_manager)
    response = api(coordinator).patch(
        f"/api/v1/patients/{patient.pk}/",
        {"version": patient.version, "reason": "ID card", "year_of_birth": 1968},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [msg.LOCKED_MESSAGE]}


def test_lock_api_and_pages_for_data_managers(patient, data_manager, monitor, api, web):
    created = api(data_manager).post(
        "/api/v1/locks/",
        {"scope": "record", "form": "patients.patient", "object_id": patient.pk, "reason": "Done"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["active"] is True
    assert (
        api(monitor).post("/api/v1/locks/", {"scope": "database", "reason": "x"}).status_code == 403
    )
    lock_id = created.json()["id"]
    no_reason = api(data_manager).post(f"/api/v1/locks/{lock_id}/unlock/", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json() == {
        "reason": [msg.UNLOCK_REASON_REQUIRED]
    }
    unlocked = api(data_manager).post(f"/api/v1/locks/{lock_id}/unlock/", {"reason": "Reopened"})
    assert unlocked.json()["active"] is False
    client = web(data_manager)
    page = client.get(reverse("monitoring:locks"))
    assert page.status_code == 200 and b"Reopened" in page.content
    response = client.post(reverse("monitoring:locks"), {"scope": "database", "reason": "Final"})
    assert response.status_code == 302 and Lock.objects.filter(scope="database").exists()
    record_lock = client.post(record_path(patient, "lock/"), {"reason": "SDV complete"})
    assert record_lock.status_code == 302
    assert web(monitor).post(reverse("monitoring:locks"), {"scope": "database"}).status_code == 403
