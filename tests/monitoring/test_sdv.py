"""Source-data verification: marked by monitors, cleared (visibly) by any later change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edc.audit.models import AuditEntry
from edc.monitoring import constants as msg
from edc.monitoring import selectors, services
from edc.monitoring.models import SdvMark
from edc.monitoring.records import record_ref
from patients.models import Patient

from .conftest import record_path


def test_a_monitor_verifies_a_record_at_its_version_and_it_is_audited(patient, monitor):
    mark = services.sdv_mark(user=monitor, record=record_ref(patient))
    assert mark.is_active and mark.version_verified == patient.version
    assert (mark.patient, mark.site_id, mark.verified_by) == (patient, patient.site_id, monitor)
    entry = AuditEntry.objects.get(model_label="monitoring.sdvmark", object_id=mark.pk)
    assert entry.user == monitor and "Source data verified" in entry.reason
    with pytest.raises(ValidationError) as exc:
        services.sdv_mark(user=monitor, record=record_ref(patient))
    assert exc.value.message_dict == {"__all__": [msg.ALREADY_VERIFIED]}


def test_verifying_a_version_that_moved_on_is_refused(patient, monitor, correct, coordinator):
    opened = patient.version
    correct(patient, user=coordinator)
    with pytest.raises(ValidationError) as exc:
        services.sdv_mark(user=monitor, record=record_ref(patient), expected_version=opened)
    assert "version" in exc.value.message_dict


def test_any_later_change_clears_the_record_mark_and_names_the_change(
    patient, monitor, coordinator, correct
):
    mark = services.sdv_mark(user=monitor, record=record_ref(patient))
    correct(patient, user=coordinator, reason="ID card")
    mark.refresh_from_db()
    change = AuditEntry.objects.filter(model_label="patients.patient", object_id=patient.pk).first()
    assert not mark.is_active and mark.cleared_by_change == change
    assert change.reason == "ID card" and mark.cleared_at == change.at
    cleared = AuditEntry.objects.filter(model_label="monitoring.sdvmark", object_id=mark.pk).first()
    assert cleared.reason == f"SDV cleared by the change of {patient} (reason: ID card)"
    # Verified again at the new version.
    again = services.sdv_mark(user=monitor, record=record_ref(Patient.objects.get(pk=patient.pk)))
    assert again.version_verified == mark.version_verified + 1


def test_a_field_mark_is_cleared_only_when_that_field_changes(
    patient, monitor, coordinator, correct
):
    sex = services.sdv_mark(user=monitor, record=record_ref(patient), field="sex")
    year = services.sdv_mark(user=monitor, record=record_ref(patient), field="year_of_birth")
    correct(patient, user=coordinator)
    sex.refresh_from_db()
    year.refresh_from_db()
    assert sex.is_active and not year.is_active


def test_only_monitors_mark_sdv(patient, investigator, coordinator, statistician, data_manager):
    for user in (investigator, coordinator, statistician, data_manager):
        with pytest.raises(PermissionDenied):
            services.sdv_mark(user=user, record=record_ref(patient))


def test_the_record_page_shows_the_mark_and_its_clearing(
    patient, monitor, coordinator, web, correct
):
    client = web(monitor)
    response = client.post(
        record_path(patient, "verify/"), {"field": "", "version": patient.version}
    )
    assert response.status_code == 302
    page = client.get(record_path(patient)).content.decode()
    assert "Verified" in page and "whole record" in page
    correct(patient, user=coordinator, reason="Source corrected")
    page = client.get(record_path(patient)).content.decode()
    assert "Cleared" in page and "Source corrected" in page
    assert web(coordinator).get(record_path(patient, "verify/")).status_code == 403


def test_sdv_progress_per_patient_and_site_in_constant_queries(
    enrolled, monitor, data_manager, django_assert_num_queries
):
    first = enrolled()
    services.sdv_mark(user=monitor, record=record_ref(first))
    with django_assert_num_queries(3):
        patients = selectors.sdv_progress_by_patient(user=data_manager)
    with django_assert_num_queries(2):
        sites = selectors.sdv_progress_by_site(user=data_manager)
    records = patients[0].records
    assert records > 1 and patients[0].verified == 1
    assert (sites[0].label, sites[0].verified, sites[0].records) == ("FR01", 1, records)
    for n in range(3):
        services.sdv_mark(user=monitor, record=record_ref(enrolled(number=f"P{n}")))
    with django_assert_num_queries(3):
        patients = selectors.sdv_progress_by_patient(user=data_manager)
    assert [p.verified for p in patients] == [1, 1, 1, 1]


def test_sdv_api_marks_lists_and_reports_progress(patient, api, web, monitor, investigator):
    body = {"form": "patients.patient", "object_id": patient.pk}
    assert api(investigator).post("/api/v1/sdv-marks/", body, format="json").status_code == 403
    created = api(monitor).post("/api/v1/sdv-marks/", body, format="json")
    assert created.status_code == 201 and created.json()["active"] is True
    assert [m["object_id"] for m in api(monitor).get("/api/v1/sdv-marks/").json()["results"]] == [
        patient.pk
    ]
    progress = api(monitor).get("/api/v1/sdv-marks/progress/").json()
    assert progress["sites"][0]["verified"] == 1
    assert SdvMark.objects.count() == 1
    page = web(monitor).get(reverse("monitoring:sdv"))
    assert page.status_code == 200 and b"FR01" in page.content
