"""The lab API: results, immune draws, normal ranges, imports (202 + Location), roles, queries."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from labs import services
from labs.api.views import UNKNOWN_PATIENT
from labs.models import ImportBatch, LabResult

from .conftest import at, immune_values
from .test_imports import csv_bytes, stamp
from .test_pages import add_results


@pytest.mark.django_db
def test_site_staff_create_a_result_and_get_flag_and_grade_back(enrolled, lab, api, investigator):
    patient = enrolled()
    response = api(investigator).post(
        "/api/v1/lab-results/",
        {
            "patient": patient.pk,
            "lab": "FR01-LAB",
            "analyte": "PLT",
            "collected_at": at(1).isoformat(),
            "value": "45",
            "unit": "10^9/L",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["flag"], body["ctcae_grade"], body["standard_value"]) == ("L", 3, "45.000000")
    assert body["subject_id"] == patient.subject_id and body["source"] == "manual"


@pytest.mark.django_db
def test_api_refusals_are_400_with_field_messages_and_other_sites_patients_are_unknown(
    enrolled, lab, other_lab, api, investigator, other_investigator
):
    patient = enrolled()
    body = {
        "patient": patient.pk,
        "lab": "FR01-LAB",
        "analyte": "ANC",
        "collected_at": at(1).isoformat(),
        "value": "400",
        "unit": "10^9/L",
    }
    response = api(investigator).post("/api/v1/lab-results/", body, format="json")
    assert response.status_code == 400
    assert "outside physiological limits" in response.json()["value"][0]
    response = api(other_investigator).post(
        "/api/v1/lab-results/", {**body, "lab": "FR02-LAB", "value": "2"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"patient": [UNKNOWN_PATIENT]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["monitor", "statistician", "data_manager"])
def test_only_site_staff_write_results(enrolled, lab, api, request, role):
    patient = enrolled()
    response = api(request.getfixturevalue(role)).post(
        "/api/v1/lab-results/", {"patient": patient.pk}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_results_filter_by_patient_site_analyte_and_updated_since(
    enrolled, lab, other_lab, api, investigator, other_investigator, data_manager
):
    here = enrolled()
    there = enrolled(site=other_lab.site, user=other_investigator)
    add_results(investigator, here, lab, 2)
    add_results(other_investigator, there, other_lab, 1)
    client = api(data_manager)
    assert len(client.get("/api/v1/lab-results/").json()["results"]) == 3
    assert len(client.get(f"/api/v1/lab-results/?patient={here.pk}").json()["results"]) == 2
    assert len(client.get("/api/v1/lab-results/?site=FR02").json()["results"]) == 1
    assert client.get("/api/v1/lab-results/?analyte=PLT").json()["results"] == []
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    response = client.get("/api/v1/lab-results/", {"updated_since": later})
    assert response.json()["results"] == []
    assert len(api(investigator).get("/api/v1/lab-results/").json()["results"]) == 2
    other_result = LabResult.objects.get(patient=there)
    assert api(investigator).get(f"/api/v1/lab-results/{other_result.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_correction_via_the_api_needs_reason_and_version(enrolled, lab, api, investigator):
    patient = enrolled()
    add_results(investigator, patient, lab, 1)
    result = LabResult.objects.get()
    client = api(investigator)
    url = f"/api/v1/lab-results/{result.pk}/"
    assert (
        client.patch(url, {"version": 1, "reason": "", "value": "3"}, format="json").status_code
        == 400
    )
    ok = client.patch(url, {"version": 1, "reason": "Re-read", "value": "3"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "reason": "Again", "value": "4"}, format="json")
    assert stale.status_code == 409


@pytest.mark.django_db
def test_immune_draws_are_created_with_their_values(enrolled, lab, api, investigator):
    patient = enrolled(c1d1_days_ago=10)
    drawn_at = timezone.make_aware(dt.datetime.combine(patient.c1d1_date, dt.time(7)))
    response = api(investigator).post(
        "/api/v1/immune-draws/",
        {
            "patient": patient.pk,
            "event_code": "IMM-BL",
            "drawn_at": drawn_at.isoformat(),
            "sample_id": "API-BL-1",
            "processing_minutes": 45,
            "lab": "FR01-LAB",
            "values": {
                code: {"value": str(v), "unit": u} for code, (v, u) in immune_values().items()
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["results"]) == len(immune_values())
    listed = api(investigator).get("/api/v1/immune-draws/").json()["results"]
    assert [d["sample_id"] for d in listed] == ["API-BL-1"]


@pytest.mark.django_db
def test_reference_ranges_are_read_only(lab, api, investigator, data_manager):
    ranges = api(investigator).get("/api/v1/reference-ranges/?analyte=ANC").json()["results"]
    assert [(r["lab"], r["low"], r["unit"]) for r in ranges] == [("FR01-LAB", "1.800000", "10^9/L")]
    response = api(data_manager).post("/api/v1/reference-ranges/", {}, format="json")
    assert response.status_code in (403, 405)


def _upload(client, content):
    return client.post(
        "/api/v1/lab-imports/",
        {"file": SimpleUploadedFile("central.csv", content, "text/csv")},
        format="multipart",
    )


@pytest.mark.django_db
def test_import_via_api_dry_run_then_commit(enrolled, lab, api, investigator):
    patient = enrolled()
    client = api(investigator)
    response = _upload(
        client,
        csv_bytes(
            f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB",
            f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB",
        ),
    )
    assert response.status_code == 201
    batch = response.json()
    assert (batch["status"], batch["valid_rows"], batch["rejected_rows"]) == ("checked", 1, 1)
    rows = client.get(f"/api/v1/lab-imports/{batch['id']}/rows/?status=rejected").json()
    assert rows["results"][0]["reason"].startswith("Duplicate of line 2")
    done = client.post(f"/api/v1/lab-imports/{batch['id']}/commit/")
    assert done.status_code == 200 and done.json()["imported_rows"] == 1
    again = client.post(f"/api/v1/lab-imports/{batch['id']}/commit/")
    assert again.status_code == 400


@pytest.mark.django_db
def test_a_bad_file_via_api_is_a_400_with_the_reason(api, investigator):
    response = _upload(api(investigator), b"subject_id,value\nX,1\n")
    assert response.status_code == 400
    assert "Missing column(s): collected_at, analyte, unit, lab" in response.json()["file"][0]


@pytest.mark.django_db
def test_a_large_import_via_api_answers_202_with_the_status_location(
    enrolled, lab, api, investigator, settings, django_capture_on_commit_callbacks
):
    settings.LAB_IMPORT_ASYNC_ROWS = 2
    patient = enrolled()
    client = api(investigator)
    rows = [f"{patient.subject_id},{stamp(2, hour=h)},PLT,200,10^9/L,FR01-LAB" for h in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_bytes(*rows))
    assert response.status_code == 202
    location = response["Location"]
    assert location.endswith(f"/api/v1/lab-imports/{response.json()['id']}/")
    status = client.get(location).json()
    assert (status["status"], status["processed_rows"], status["total_rows"]) == ("checked", 5, 5)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{location}commit/")
    assert response.status_code == 202 and response["Location"] == location
    assert client.get(location).json()["imported_rows"] == 5


@pytest.mark.django_db
def test_import_api_roles(
    enrolled, lab, api, investigator, other_investigator, monitor, statistician, data_manager
):
    patient = enrolled()
    for reader in (monitor, statistician):
        assert api(reader).get("/api/v1/lab-imports/").status_code == 403
        assert _upload(api(reader), b"x").status_code == 403
    response = _upload(
        api(investigator), csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
    )
    batch_id = response.json()["id"]
    assert api(other_investigator).get(f"/api/v1/lab-imports/{batch_id}/").status_code == 404
    assert (
        api(other_investigator).post(f"/api/v1/lab-imports/{batch_id}/commit/").status_code == 404
    )
    assert api(data_manager).post(f"/api/v1/lab-imports/{batch_id}/commit/").status_code == 200
    assert ImportBatch.objects.get().committed_by == data_manager


def _baseline_draw(user, patient, lab, sample):
    services.immune_draw_record(
        user=user,
        patient=patient,
        event_code="IMM-BL",
        drawn_at=timezone.make_aware(dt.datetime.combine(patient.c1d1_date, dt.time(7))),
        sample_id=sample,
        processing_minutes=30,
        lab=lab,
        values=immune_values(),
    )


@pytest.mark.django_db
def test_lab_api_lists_cost_a_constant_number_of_queries(
    enrolled, lab, api, investigator, django_assert_num_queries
):
    patient = enrolled(c1d1_days_ago=10)
    add_results(investigator, patient, lab, 1)
    _baseline_draw(investigator, patient, lab, "Q-1")
    client = api(investigator)
    urls = [
        "/api/v1/lab-results/",
        "/api/v1/immune-draws/",
        "/api/v1/reference-ranges/",
        "/api/v1/laboratories/",
        "/api/v1/lab-imports/",
    ]
    client.get(urls[0])  # the forced user caches its sites on the first request
    expected = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        expected[url] = len(ctx)
    second = enrolled(c1d1_days_ago=10)
    add_results(investigator, second, lab, 5, start=20)
    _baseline_draw(investigator, second, lab, "Q-2")
    for url in urls:
        with django_assert_num_queries(expected[url]):
            client.get(url)
