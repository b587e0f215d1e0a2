"""The audit trail's patient filter is a typed patient number, not one option per patient
(issue 24: the page grew with the trial, 227 KiB at 5,000 patients)."""

import re

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from edc.audit.models import AuditEntry
from patients.models import Patient
from tests.factories import PatientFactory

AUDIT = reverse("monitoring:audit")


@pytest.fixture
def trail(patient, other_patient, coordinator, other_investigator, correct):
    correct(patient, user=coordinator, year=1968, reason="ID card (Paris)")
    correct(other_patient, user=other_investigator, year=1961, reason="ID card (Lyon)")
    return patient, other_patient


def shown_entries(page) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-entry="(\d+)"', page.content.decode())}


def entries_of(patient) -> set[int]:
    return set(AuditEntry.objects.filter(patient=patient).values_list("pk", flat=True))


def patient_box(page) -> str:
    return re.search(r'<input[^>]*name="patient"[^>]*>', page.content.decode()).group(0)


def test_typing_the_subject_id_shows_only_that_patients_changes(trail, data_manager, web):
    patient, _other = trail
    page = web(data_manager).get(AUDIT, {"patient": patient.subject_id.lower()})
    assert page.status_code == 200
    assert shown_entries(page) and shown_entries(page) <= entries_of(patient)
    assert f'value="{patient.subject_id}"' in patient_box(page)


def test_the_screening_number_finds_the_patient_for_identified_readers(trail, data_manager, web):
    patient, _other = trail
    page = web(data_manager).get(AUDIT, {"patient": patient.screening_number})
    assert shown_entries(page) and shown_entries(page) <= entries_of(patient)


def test_a_statistician_cannot_search_by_screening_number(trail, statistician, web):
    patient, _other = trail
    page = web(statistician).get(AUDIT, {"patient": patient.screening_number})
    assert "No patient you may see has this number." in page.content.decode()
    assert shown_entries(page) == set()
    by_subject = web(statistician).get(AUDIT, {"patient": patient.subject_id})
    assert shown_entries(by_subject) and shown_entries(by_subject) <= entries_of(patient)


def test_a_link_by_record_id_still_filters_and_shows_the_number(trail, monitor, web):
    patient, _other = trail
    page = web(monitor).get(AUDIT, {"patient": patient.pk})
    assert shown_entries(page) and shown_entries(page) <= entries_of(patient)
    assert f'value="{patient.subject_id}"' in patient_box(page)


def test_a_patient_of_another_site_is_not_found(trail, coordinator, web, api):
    _patient, other = trail
    page = web(coordinator).get(AUDIT, {"patient": other.subject_id})
    assert "No patient you may see has this number." in page.content.decode()
    assert shown_entries(page) == set()
    response = api(coordinator).get("/api/v1/audit-entries/", {"patient": other.pk})
    assert response.status_code == 400 and "patient" in response.json()


def test_the_page_does_not_grow_with_the_number_of_patients(
    trail, monitor, site, web, django_assert_max_num_queries
):
    client = web(monitor)
    small = client.get(AUDIT)
    # 500 more patients at the monitor's site, inserted in one go (the registry's audited
    # service would take minutes; the page only lists them, nothing audits them here).
    QuerySet(model=Patient).bulk_create(
        [PatientFactory.build(site=site, screening_number=f"M{i:05d}") for i in range(500)]
    )
    with django_assert_max_num_queries(12):
        large = client.get(AUDIT)
    assert large.status_code == 200
    assert large.content.count(b"<option") == small.content.count(b"<option")
    assert len(large.content) - len(small.content) < 200  # the same page, not 500 more options
