"""The exports API for statisticians' scripts: token, domains, pages, files, jobs, log."""

import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from edc.exports.constants import CURSOR_INVALID
from edc.exports.domains import DOMAINS
from edc.exports.models import ExportLog

from .conftest import content, csv_rows, treat


def token_client(user) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "pw-for-tests-1"},
        format="json",
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.mark.django_db
def test_a_statistician_gets_a_token_and_downloads_a_domain_with_it(trial, statistician):
    client = token_client(statistician)
    response = client.get("/api/v1/exports/domains/DM/csv/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert len(csv_rows(content(response))) == 4
    bad = APIClient().post(
        "/api/v1/auth/token/", {"username": "stat", "password": "wrong"}, format="json"
    )
    assert bad.status_code == 400


@pytest.mark.django_db
def test_the_domain_list_is_the_data_dictionary_the_caller_receives(
    trial, api, statistician, data_manager
):
    body = api(statistician).get("/api/v1/exports/domains/").json()
    assert [d["code"] for d in body] == [d.code for d in DOMAINS]
    ae = next(d for d in body if d["code"] == "AE")
    names = [v["name"] for v in ae["variables"]]
    assert "AECOMM" not in names and "AEENTBY" in names
    assert ae["links"]["csv"].endswith("/api/v1/exports/domains/AE/csv/")
    full = api(data_manager).get("/api/v1/exports/domains/").json()
    assert "AECOMM" in [v["name"] for v in next(d for d in full if d["code"] == "AE")["variables"]]


@pytest.mark.django_db
def test_pages_hold_whole_subjects_and_the_cursor_walks_every_row(trial, api, data_manager):
    client = api(data_manager)
    rows, url, pages = [], "/api/v1/exports/domains/DS/?page_size=1", 0
    while url:
        body = client.get(url).json()
        assert body["subjects"] <= 1
        rows += body["results"]
        url, pages = body["next"], pages + 1
    streamed = [
        json.loads(line)
        for line in content(client.get("/api/v1/exports/domains/DS/jsonl/")).splitlines()
    ]
    assert rows == streamed and pages == 4
    assert client.get("/api/v1/exports/domains/DS/?cursor=nonsense").json() == {
        "cursor": [CURSOR_INVALID]
    }
    assert client.get("/api/v1/exports/domains/XX/").status_code == 404


@pytest.mark.django_db
def test_updated_since_and_as_of_filter_the_api_too(trial, api, data_manager):
    client = api(data_manager)
    recent = timezone.now().isoformat()
    assert (
        client.get("/api/v1/exports/domains/AE/", {"updated_since": recent}).json()["results"] == []
    )
    future = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    response = client.get("/api/v1/exports/domains/AE/csv/", {"as_of": future})
    assert response.status_code == 400 and "as_of" in response.json()
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    body = client.get("/api/v1/exports/domains/AE/", {"updated_since": since}).json()
    assert len(body["results"]) == 2


@pytest.mark.django_db
def test_list_endpoints_cost_a_fixed_number_of_queries(
    trial, api, data_manager, investigator, enrolled, django_assert_num_queries
):
    from labs.models import Laboratory

    client = api(data_manager)
    client.post("/api/v1/exports/jobs/", {}, format="json")
    urls = (
        "/api/v1/exports/domains/",
        "/api/v1/exports/domains/LB/?page_size=50",
        "/api/v1/exports/domains/RS/?page_size=50",
        "/api/v1/exports/jobs/",
        "/api/v1/exports/logs/",
    )

    def counts():
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result[url] = len(queries)
        return result

    few = counts()
    lab = Laboratory.objects.get(code="FR01-LAB")
    for _ in range(2):
        treat(enrolled(c1d1_days_ago=70), user=investigator, lab=lab)
    client.post("/api/v1/exports/jobs/", {}, format="json")
    for url, count in few.items():
        with django_assert_num_queries(count):
            client.get(url)


@pytest.mark.django_db
def test_a_package_request_answers_202_with_a_status_url_then_downloads(
    trial, api, statistician, data_manager, django_capture_on_commit_callbacks
):
    client = api(statistician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/exports/jobs/", {}, format="json")
    assert response.status_code == 202
    status_url = response["Location"]
    assert status_url == response.json()["status_url"]
    status = client.get(status_url).json()
    assert status["status"] == "done" and status["progress"] == 100
    download = client.get(status["download_url"], HTTP_ACCEPT="application/zip")
    assert download.status_code == 200
    assert hashlib.sha256(content(download)).hexdigest() == status["sha256"]
    assert api(data_manager).get(status_url).status_code == 404


@pytest.mark.django_db
def test_a_package_not_built_yet_is_a_409_with_its_status(trial, api, statistician):
    client = api(statistician)
    response = client.post("/api/v1/exports/jobs/", {}, format="json")  # on_commit never runs
    assert response.status_code == 202 and response.json()["status"] == "queued"
    download = client.get(f"/api/v1/exports/jobs/{response.json()['id']}/download/")
    assert download.status_code == 409 and download.json()["download_url"] is None


@pytest.mark.django_db
def test_the_odm_file_and_the_dictionary_are_served_to_scripts(trial, api, statistician):
    client = api(statistician)
    response = client.get("/api/v1/exports/odm/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200 and content(response).startswith(b"<?xml")
    define = csv_rows(content(client.get("/api/v1/exports/domains/dictionary/")))
    assert {"domain", "variable", "label", "type", "unit", "codelist", "origin"} <= set(define[0])
    codelists = csv_rows(content(client.get("/api/v1/exports/domains/codelists/")))
    assert {"codelist": "NY", "code": "Y", "decode": "Yes"} in codelists


@pytest.mark.django_db
def test_the_export_log_shows_data_managers_everyone_and_others_their_own(
    trial, api, statistician, data_manager, investigator
):
    api(statistician).get("/api/v1/exports/domains/DM/")
    api(investigator).get("/api/v1/exports/domains/AE/csv/").getvalue()
    mine = api(statistician).get("/api/v1/exports/logs/").json()["results"]
    assert [(r["user"], r["what"], r["format"]) for r in mine] == [("stat", "DM", "page")]
    everyone = api(data_manager).get("/api/v1/exports/logs/").json()["results"]
    assert {r["user"] for r in everyone} == {"stat", "inv_fr01"}
    assert ExportLog.objects.filter(row_count__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_schema_documents_the_exports_api(investigator, web):
    schema = web(investigator).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/exports/domains/{code}/csv/",
        "/api/v1/exports/jobs/",
    ):
        assert path in schema, path
