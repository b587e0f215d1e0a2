"""Browser pages: entry with flags shown, corrections, pictures, import pages, roles, queries."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from edc.charts import data_rows
from labs import services
from labs.constants import ImportStatus
from labs.models import ImportBatch, LabResult, ReferenceRange
from patients.calendar import calendar_record_actual

from .conftest import at, immune_values
from .test_imports import csv_bytes, stamp


def add_results(user, patient, lab, n: int, start: int = 1):
    for i in range(start, start + n):
        services.lab_result_create(
            user=user,
            patient=patient,
            lab=lab,
            analyte="ANC",
            collected_at=at(1, hour=0, minute=i),
            value=Decimal("1.0") + Decimal(i) / 10,
            unit="10^9/L",
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.django_db
def test_site_staff_enter_a_panel_and_see_flag_and_grade_after_saving(
    enrolled, lab, web, investigator
):
    patient = enrolled()
    client = web(investigator)
    url = reverse("labs:panel_enter", args=[patient.pk, "haematology"])
    page = client.get(url)
    assert page.status_code == 200 and "cells/µL" in page.content.decode()
    response = client.post(
        url,
        {
            "lab": lab.pk,
            "collected_at": at(1).strftime("%Y-%m-%dT%H:%M"),
            "ANC_value": "800",
            "ANC_unit": "cells/µL",
            "PLT_value": "250",
            "PLT_unit": "10^9/L",
            **{f"{c}_unit": u for c, u in (("HGB", "g/dL"), ("WBC", "10^9/L"), ("LYM", "10^9/L"))},
        },
        follow=True,
    )
    text = response.content.decode()
    assert "ANC 0.8 10^9/L — below range (L), CTCAE grade 3" in text
    assert LabResult.objects.filter(patient=patient).count() == 2
    assert 'class="flagged saved"' in text


@pytest.mark.django_db
def test_a_refused_value_is_shown_next_to_its_analyte(enrolled, lab, web, investigator):
    patient = enrolled()
    response = web(investigator).post(
        reverse("labs:panel_enter", args=[patient.pk, "chemistry"]),
        {
            "lab": lab.pk,
            "collected_at": at(1).strftime("%Y-%m-%dT%H:%M"),
            "BILI_value": "5000",
            "BILI_unit": "µmol/L",
            **{f"{c}_unit": u for c, u in (("ALT", "U/L"), ("AST", "U/L"), ("CREAT", "µmol/L"))},
        },
    )
    assert response.status_code == 200
    assert "outside physiological limits" in str(response.context["form"].errors["BILI_value"])
    assert not LabResult.objects.exists()


@pytest.mark.django_db
def test_a_correction_needs_a_reason_and_shows_a_conflicting_change(
    enrolled, lab, web, investigator, coordinator
):
    patient = enrolled()
    add_results(investigator, patient, lab, 1)
    result = LabResult.objects.get()
    url = reverse("labs:result_edit", args=[result.pk])
    data = {
        "collected_at": timezone.localtime(result.collected_at).strftime("%Y-%m-%dT%H:%M"),
        "value": "2.5",
        "unit": "10^9/L",
        "comment": "",
        "version": 1,
        "reason": "",
    }
    client = web(investigator)
    assert "reason" in client.post(url, data).context["form"].errors
    services.lab_result_update(
        user=coordinator,
        result=result,
        collected_at=result.collected_at,
        value="3",
        unit="10^9/L",
        comment="",
        reason="Lab report re-read",
        expected_version=1,
    )
    response = client.post(url, {**data, "reason": "Typo"})
    assert response.context["form"].stale.current_version == 2
    assert "Changed by someone else meanwhile" in response.content.decode()


@pytest.mark.django_db
def test_another_sites_patient_results_are_a_404_and_readers_cannot_enter(
    enrolled, lab, web, other_investigator, monitor, investigator
):
    patient = enrolled()
    add_results(investigator, patient, lab, 1)
    result = LabResult.objects.get()
    other = web(other_investigator)
    assert other.get(reverse("labs:patient_results", args=[patient.pk])).status_code == 404
    assert other.get(reverse("labs:result_edit", args=[result.pk])).status_code == 404
    assert other.get(reverse("labs:trend", args=[patient.pk])).status_code == 404
    reader = web(monitor)
    assert reader.get(reverse("labs:patient_results", args=[patient.pk])).status_code == 200
    entry = reverse("labs:panel_enter", args=[patient.pk, "haematology"])
    assert reader.get(entry).status_code == 403


def chart_spec(html: str, ident: str) -> dict:
    """The Vega-Lite spec a page gives the browser for its chart ``ident``."""
    found = re.search(rf'<script id="spec-{ident}" type="application/json">(.*?)</script>', html)
    assert found, ident
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_the_trend_picture_shows_values_normal_band_and_dose_dates(
    enrolled, lab, web, investigator
):
    patient = enrolled(c1d1_days_ago=10)
    calendar_record_actual(
        patient=patient, code="PAC-C1D1", actual_date=patient.c1d1_date, user=investigator
    )
    add_results(investigator, patient, lab, 3)
    text = web(investigator).get(reverse("labs:trend", args=[patient.pk])).content.decode()
    assert text.count('role="img"') == 2 and text.count("<figcaption>") == 2
    anc = chart_spec(text, "trend-anc")
    layers = {layer["mark"]["type"]: data_rows(anc, layer) for layer in anc["layer"]}
    assert len(layers["point"]) == 3 and len(layers["area"]) == 3  # values, normal band
    assert layers["rule"] == [
        {"on": f"{patient.c1d1_date}T12:00:00", "dose": f"Paclitaxel {patient.c1d1_date}"}
    ]
    assert "(ANC) in 10^9/L: 3 results" in text and "1 paclitaxel dose marked" in text


@pytest.mark.django_db
def test_the_cohort_picture_shows_change_from_baseline_bars(
    enrolled, lab, web, investigator, record_injection
):
    patient = enrolled(c1d1_days_ago=120)
    base = {"drawn_at": timezone.make_aware(dt.datetime.combine(patient.c1d1_date, dt.time(8)))}
    services.immune_draw_record(
        user=investigator,
        patient=patient,
        event_code="IMM-BL",
        sample_id="BL-1",
        processing_minutes=60,
        lab=lab,
        values=immune_values("1"),
        **base,
    )
    injection = patient.c1d1_date + dt.timedelta(days=71)
    record_injection(patient, number=6, on=injection, user=investigator)
    services.immune_draw_record(
        user=investigator,
        patient=patient,
        event_code="IMM-INJ6",
        drawn_at=timezone.make_aware(
            dt.datetime.combine(injection + dt.timedelta(days=13), dt.time(8))
        ),
        sample_id="INJ6-1",
        processing_minutes=60,
        lab=lab,
        values=immune_values("2"),
    )
    text = web(investigator).get(reverse("labs:immune_cohorts")).content.decode()
    immune = chart_spec(text, "immune-a")
    [drawn] = [data_rows(immune, x) for x in immune["layer"] if x["mark"]["type"] == "bar"]
    assert len(drawn) == 6  # six populations at injection 6
    assert {r["value"] for r in drawn} == {100.0}
    assert "Monocytes 13 days after IMP321 injection 6: +100.00% (n=1)" in [
        r["text"] for r in drawn
    ]
    draws = web(investigator).get(reverse("labs:draws", args=[patient.pk])).content.decode()
    assert "in window" in draws and "INJ6-1" in draws


@pytest.mark.django_db
def test_data_managers_maintain_laboratories_and_ranges_others_read(
    web, data_manager, investigator, site
):
    dm = web(data_manager)
    response = dm.post(
        reverse("labs:laboratory_new"), {"site": site.pk, "code": "fr01-bio", "name": "Biologie"}
    )
    assert response.status_code == 302
    lab_id = int(response.url.split("lab=")[1])
    response = dm.post(
        reverse("labs:range_new"),
        {
            "lab": lab_id,
            "analyte": "ANC",
            "sex": "",
            "low": "1.8",
            "high": "7.5",
            "effective_from": "2025-01-01",
        },
    )
    assert response.status_code == 302
    range_ = ReferenceRange.objects.get()
    response = dm.post(
        reverse("labs:range_edit", args=[range_.pk]),
        {"low": "2.0", "high": "1.0", "effective_from": "2025-01-01", "version": 1, "reason": "x"},
    )
    assert "high" in response.context["form"].errors
    staff = web(investigator)
    assert staff.get(reverse("labs:laboratories")).status_code == 200
    assert staff.get(reverse("labs:laboratory_new")).status_code == 403
    assert staff.get(reverse("labs:range_edit", args=[range_.pk])).status_code == 403


@pytest.mark.django_db
def test_import_pages_upload_dry_run_and_commit(enrolled, lab, web, investigator):
    patient = enrolled()
    client = web(investigator)
    content = csv_bytes(
        f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB",
        f"{patient.subject_id},{stamp(2)},XYZ,2,10^9/L,FR01-LAB",
    )
    response = client.post(
        reverse("labs:imports"), {"file": SimpleUploadedFile("c.csv", content, "text/csv")}
    )
    batch = ImportBatch.objects.get()
    assert response.url == reverse("labs:import_detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "Will import" in page and "Rejected: Unknown analyte code" in page
    assert "Import the 1 valid row" in page
    client.post(reverse("labs:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and batch.imported_rows == 1
    status = client.get(reverse("labs:import_status", args=[batch.pk])).json()
    assert status["status"] == "committed" and status["percent"] == 100


@pytest.mark.django_db
def test_a_bad_file_is_reported_on_the_upload_page(web, investigator):
    response = web(investigator).post(
        reverse("labs:imports"),
        {"file": SimpleUploadedFile("c.csv", "a;b\nü;1\n".encode("latin-1"), "text/csv")},
    )
    assert response.status_code == 200
    assert "The file is not UTF-8 text (undecodable byte near line 2)" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_running_import_page_polls_with_vendored_js_and_works_without_it(
    enrolled, lab, web, investigator, settings, django_capture_on_commit_callbacks
):
    settings.LAB_IMPORT_ASYNC_ROWS = 1
    patient = enrolled()
    client = web(investigator)
    rows = [f"{patient.subject_id},{stamp(2, hour=h)},ANC,2,10^9/L,FR01-LAB" for h in (7, 8)]
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("labs:imports"),
            {"file": SimpleUploadedFile("c.csv", csv_bytes(*rows), "text/csv")},
        )
    batch = ImportBatch.objects.get()
    page = client.get(reverse("labs:import_detail", args=[batch.pk])).content.decode()
    assert "labs/import-progress.js" in page and "cdn" not in page.lower()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert f'data-status-url="{reverse("labs:import_status", args=[batch.pk])}"' in page
    assert client.get(reverse("labs:import_status", args=[batch.pk])).json()["running"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["monitor", "statistician"])
def test_monitors_and_statisticians_cannot_import(web, request, role):
    client = web(request.getfixturevalue(role))
    assert client.get(reverse("labs:imports")).status_code == 403
    response = client.post(
        reverse("labs:imports"), {"file": SimpleUploadedFile("c.csv", b"x", "text/csv")}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_import_of_another_user_is_a_404_for_site_staff_but_visible_to_data_managers(
    enrolled, lab, web, investigator, other_investigator, data_manager
):
    patient = enrolled()
    web(investigator).post(
        reverse("labs:imports"),
        {
            "file": SimpleUploadedFile(
                "c.csv", csv_bytes(f"{patient.subject_id},{stamp(2)},ANC,2,10^9/L,FR01-LAB")
            )
        },
    )
    batch = ImportBatch.objects.get()
    url = reverse("labs:import_detail", args=[batch.pk])
    assert web(other_investigator).get(url).status_code == 404
    assert (
        web(other_investigator).post(reverse("labs:import_commit", args=[batch.pk])).status_code
        == 404
    )
    assert web(data_manager).get(url).status_code == 200


@pytest.mark.django_db
def test_lab_list_pages_cost_a_constant_number_of_queries(
    enrolled, lab, web, investigator, django_assert_num_queries
):
    patient = enrolled()
    add_results(investigator, patient, lab, 1)
    client = web(investigator)
    urls = [
        reverse("labs:index"),
        reverse("labs:patient_results", args=[patient.pk]),
        reverse("labs:trend", args=[patient.pk]),
        reverse("labs:draws", args=[patient.pk]),
        reverse("labs:laboratories"),
        reverse("labs:immune_cohorts"),
        reverse("labs:imports"),
    ]
    expected = {url: queries(client, url) for url in urls}
    enrolled()
    add_results(investigator, patient, lab, 6, start=10)
    for url in urls:
        with django_assert_num_queries(expected[url]):
            client.get(url)


@pytest.mark.django_db
def test_the_lab_index_shows_each_patients_number_of_results_and_last_collection(
    enrolled, lab, web, investigator
):
    with_results, without = enrolled(), enrolled()
    add_results(investigator, with_results, lab, 3)
    html = web(investigator).get(reverse("labs:index")).content.decode()
    rows = {
        str(p): html[html.index(str(p)) :].split("</tr>", 1)[0] for p in (with_results, without)
    }
    last = date_format(timezone.localtime(at(1, hour=0, minute=3)), "DATETIME_FORMAT")
    assert "<td>3</td>" in rows[str(with_results)] and last in rows[str(with_results)]
    assert "<td>0</td>" in rows[str(without)] and "—" in rows[str(without)]
