"""Audit-trail review: every change of every form, filtered, sorted, paged, exported, scoped."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from edc.audit.models import AuditEntry
from patients.models import Patient

from .conftest import record_path

AUDIT = reverse("monitoring:audit")
API = "/api/v1/audit-entries/"


@pytest.fixture
def trail(patient, other_patient, coordinator, other_investigator, correct):
    """Two sites' casebooks, each with one registry correction."""
    correct(patient, user=coordinator, year=1968, reason="ID card (Paris)")
    correct(other_patient, user=other_investigator, year=1961, reason="ID card (Lyon)")
    return patient, other_patient


def ids(response) -> set[int]:
    return {int(row["id"]) for row in response.json()["results"]}


def api_all(client, query: str = "") -> list[dict]:
    rows, url = [], f"{API}?page_size=1000&{query}"
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_the_page_shows_field_by_field_old_and_new_who_when_why(trail, monitor, web):
    page = web(monitor).get(AUDIT, {"form": "patients.patient", "action": "change"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "ID card (Paris)" in html and "<del>1970</del>" in html and "<ins>1968</ins>" in html
    assert "crc_fr01" in html and "Year of birth" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"site": "FR01"}, lambda e: e.site is not None and e.site.code == "FR01"),
        ({"user": "crc_fr01"}, lambda e: e.user and e.user.username == "crc_fr01"),
        ({"role": "coordinator"}, lambda e: e.user_role == "coordinator"),
        ({"form": "patients.consent"}, lambda e: e.model_label == "patients.consent"),
        ({"field": "year_of_birth"}, lambda e: "year_of_birth" in {c["field"] for c in e.changes}),
        ({"action": "change"}, lambda e: e.action == "change"),
    ],
)
def test_each_filter_narrows_the_trail(trail, data_manager, api, params, expected):
    rows = api_all(api(data_manager), "&".join(f"{k}={v}" for k, v in params.items()))
    wanted = {e.pk for e in AuditEntry.objects.select_related("site", "user") if expected(e)}
    assert rows and {r["id"] for r in rows} == wanted


def test_the_patient_filter_and_the_date_range(trail, data_manager, api):
    patient, _other = trail
    rows = api_all(api(data_manager), f"patient={patient.pk}")
    assert rows and {r["patient"] for r in rows} == {patient.pk}
    ct = ContentType.objects.get_for_model(Patient)
    old = AuditEntry.objects.create(
        at=timezone.now() - dt.timedelta(days=400),
        action="change",
        content_type=ct,
        object_id=patient.pk,
        model_label="patients.patient",
        patient=patient,
        site=patient.site,
        reason="Long ago",
    )
    day = timezone.localdate(old.at).isoformat()
    assert [r["id"] for r in api_all(api(data_manager), f"date_from={day}&date_to={day}")] == [
        old.pk
    ]
    assert old.pk not in {
        r["id"] for r in api_all(api(data_manager), f"date_from={timezone.localdate()}")
    }


def test_invalid_filters_are_refused(trail, data_manager, api, web):
    assert api(data_manager).get(f"{API}?date_from=yesterday").status_code == 400
    page = web(data_manager).get(AUDIT, {"action": "rewrite"})
    assert page.status_code == 200 and b"Select a valid choice" in page.content


def test_monitors_and_site_staff_see_only_their_sites(
    trail, monitor, coordinator, data_manager, api
):
    for user in (monitor, coordinator):
        sites = {r["site"] for r in api_all(api(user))}
        assert "FR02" not in sites and "FR01" in sites
    assert {"FR01", "FR02"} <= {r["site"] for r in api_all(api(data_manager))}


def test_statisticians_see_roles_instead_of_people_and_no_identifying_values(
    trail, statistician, api, web
):
    rows = api_all(api(statistician), "form=patients.patient&action=change")
    assert rows and all(r["user"] is None for r in rows)
    assert {r["user_role"] for r in rows} == {"Study coordinator", "Investigator"}
    years = [c for r in rows for c in r["changes"] if c["field"] == "year_of_birth"]
    assert len(years) == 2 and {(c["old"], c["new"]) for c in years} == {("(withheld)",) * 2}
    html = web(statistician).get(AUDIT).content.decode()
    assert "crc_fr01" not in html and "Study coordinator" in html
    assert 'name="user"' not in html


def test_sorting_and_paging(trail, data_manager, web):
    client = web(data_manager)
    newest = client.get(AUDIT).context["entries"]
    oldest = client.get(AUDIT, {"sort": "oldest"}).context["entries"]
    assert newest[0].entry.at >= newest[-1].entry.at and oldest[0].entry.at <= oldest[-1].entry.at
    first, second = client.get(AUDIT), client.get(AUDIT, {"page": 2})
    assert first.context["has_next"] and second.context["page"] == 2
    assert {e.entry.pk for e in first.context["entries"]}.isdisjoint(
        e.entry.pk for e in second.context["entries"]
    )


def test_csv_export_streams_one_row_per_changed_field(trail, monitor, statistician, web):
    response = web(monitor).get(reverse("monitoring:audit_export"), {"action": "change"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    yob = [r for r in rows if r["field"] == "year_of_birth" and r["form"] == "patients.patient"]
    assert [(r["old"], r["new"], r["reason"], r["site"]) for r in yob] == [
        ("1970", "1968", "ID card (Paris)", "FR01")
    ]
    response = web(statistician).get(reverse("monitoring:audit_export"), {"action": "change"})
    text = b"".join(response.streaming_content).decode()
    assert "crc_fr01" not in text and "(withheld)" in text


def test_the_review_page_api_and_export_cost_a_constant_number_of_queries(
    patient,
    enrolled,
    coordinator,
    correct,
    monitor,
    web,
    api,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    client, rest = web(monitor), api(monitor)
    params = {"site": "FR01", "form": "patients.patient"}
    client.get(AUDIT, params)
    rest.get(API, params)
    with django_assert_max_num_queries(12) as page:
        client.get(AUDIT, params)
    with django_assert_max_num_queries(8) as listing:
        rest.get(API, params)
    with django_assert_max_num_queries(12) as export:
        b"".join(client.get(reverse("monitoring:audit_export"), params).streaming_content)
    for n in range(4):
        correct(enrolled(number=f"A{n}"), user=coordinator, year=1960 + n)
    with django_assert_num_queries(len(page.captured_queries)):
        response = client.get(AUDIT, params)
    assert len(response.context["entries"]) == 9  # enrolments and corrections
    with django_assert_num_queries(len(listing.captured_queries)):
        assert len(rest.get(API, params).json()["results"]) == 9
    with django_assert_num_queries(len(export.captured_queries)):
        b"".join(client.get(reverse("monitoring:audit_export"), params).streaming_content)


def test_a_record_opens_on_its_whole_history(trail, monitor, web, api):
    patient, other = trail
    page = web(monitor).get(record_path(patient))
    html = page.content.decode()
    assert page.status_code == 200 and "History" in html
    assert html.index("Enrolment") < html.index("ID card (Paris)")
    history = (
        api(monitor)
        .get(f"{API}history/", {"form": "patients.patient", "object_id": patient.pk})
        .json()
    )
    assert [h["action"] for h in history][-1] == "change"
    assert web(monitor).get(record_path(other)).status_code == 404
    missing = api(monitor).get(
        f"{API}history/", {"form": "patients.patient", "object_id": other.pk}
    )
    assert missing.status_code == 404


def test_monitoring_writes_open_on_their_own_history_without_monitoring_actions(
    patient, raise_query, monitor, web
):
    query = raise_query(patient)
    client = web(monitor)
    page = client.get(record_path(query))
    assert page.status_code == 200
    assert f"Query raised on {patient}".encode() in page.content  # the study number, no id
    assert b"Mark verified" not in page.content and b"Raise a query" not in page.content
    assert client.get(record_path(query, "query/")).status_code == 404
