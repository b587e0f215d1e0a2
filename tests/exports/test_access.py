"""Who exports what: statisticians all sites de-identified, site staff and monitors their
sites, data managers everything; anonymous callers nothing; every export is logged."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from edc.exports.domains import DOMAINS
from edc.exports.models import ExportLog

from .conftest import IDENTIFYING_COMMENT, content, csv_rows

STAFF_NAMES = ("inv_fr01", "inv_fr02", "crc_fr01", "monitor_fr01")


def all_files(client) -> dict[str, bytes]:
    files = {d.code: content(client.get(f"/exports/{d.code.lower()}.csv")) for d in DOMAINS}
    files["ODM"] = content(client.get("/exports/odm.xml"))
    files["DEFINE"] = content(client.get("/exports/define.csv"))
    return files


@pytest.mark.django_db
def test_statistician_reads_every_site_without_names_or_identifying_text(
    trial, statistician, web, monitor
):
    files = all_files(web(statistician))
    for name, data in files.items():
        text = data.decode()
        for secret in (IDENTIFYING_COMMENT, "Brain metastases", "segment VII", "SMP-"):
            assert secret not in text, (name, secret)
        for username in STAFF_NAMES:
            assert username not in text, (name, username)
        for screening_number in (
            trial.treated.screening_number,
            trial.screen_failure.screening_number,
        ):
            assert f",{screening_number}," not in text, name
    dm = csv_rows(files["DM"])
    assert {r["SITEID"] for r in dm} == {"FR01", "FR02"}
    assert "BRTHDTC" not in dm[0] and dm[0]["AGE"]
    ae = csv_rows(files["AE"])
    assert {r["AEENTBY"] for r in ae} == {"Investigator"}
    assert "AECOMM" not in ae[0] and "AETRMSPC" not in ae[0]
    odm = files["ODM"].decode()
    assert 'UserOID="USR.ROLE.INVESTIGATOR"' in odm and "<LoginName>" not in odm
    assert "<ReasonForChange>" not in odm
    assert "AECOMM" not in files["DEFINE"].decode()


@pytest.mark.django_db
def test_data_manager_gets_names_free_text_and_every_site(trial, data_manager, web):
    files = all_files(web(data_manager))
    ae = csv_rows(files["AE"])
    assert {r["AEENTBY"] for r in ae} == {"inv_fr01", "inv_fr02"}
    assert IDENTIFYING_COMMENT in files["AE"].decode()
    assert "<LoginName>inv_fr01</LoginName>" in files["ODM"].decode()
    assert {r["SITEID"] for r in csv_rows(files["DM"])} == {"FR01", "FR02"}


@pytest.mark.django_db
def test_site_staff_and_monitors_export_only_their_sites(
    trial, investigator, other_investigator, monitor, web
):
    other = f"NCT00349934-{trial.other_site.subject_id}"
    for user in (investigator, monitor):
        files = all_files(web(user))
        for name, data in files.items():
            assert other not in data.decode(), (user, name)
            assert "FR02-001" not in data.decode(), (user, name)
        assert {r["SITEID"] for r in csv_rows(files["DM"])} == {"FR01"}
    files = all_files(web(other_investigator))
    assert [r["USUBJID"] for r in csv_rows(files["DM"])] == [other]
    assert "inv_fr01" not in files["ODM"].decode()


@pytest.mark.django_db
def test_anonymous_callers_and_users_without_a_role_get_nothing(trial, client, api):
    for url in ("/exports/", "/exports/dm.csv", "/exports/odm.xml", "/exports/define.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in (
        "/api/v1/exports/domains/",
        "/api/v1/exports/domains/DM/",
        "/api/v1/exports/domains/DM/csv/",
        "/api/v1/exports/odm/",
        "/api/v1/exports/jobs/",
        "/api/v1/exports/logs/",
    ):
        assert client.get(url).status_code in (401, 403), url
    nobody = get_user_model().objects.create_user("nobody", password="pw-for-tests-1")
    assert api(nobody).get("/api/v1/exports/domains/DM/csv/").status_code == 403
    client.force_login(nobody)
    assert client.get("/exports/dm.csv").status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
def test_every_export_and_download_is_logged_with_who_what_filters_and_rows(
    trial, statistician, web, django_capture_on_commit_callbacks
):
    client = web(statistician)
    since = timezone.localtime().strftime("%Y-%m-%d")
    response = client.get(f"/exports/ae.jsonl?updated_since={since}")
    body = content(response)
    client.get("/exports/odm.xml").getvalue() if False else content(client.get("/exports/odm.xml"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/jobs/", {"as_of": ""})
    job_url = response["Location"]
    package = content(client.get(job_url + "download/"))
    assert zipfile.ZipFile(io.BytesIO(package)).testzip() is None
    logs = list(ExportLog.objects.order_by("id"))
    assert [(log.what, log.format, log.channel) for log in logs] == [
        ("AE", "jsonl", "web"),
        ("ODM", "odm", "web"),
        ("PACKAGE", "zip", "web"),
        ("PACKAGE", "zip", "web"),
    ]
    ae, odm, request, download = logs
    assert ae.user == statistician and ae.role == "statistician" and ae.deidentified
    assert ae.filters["updated_since"].startswith(since) and ae.row_count == len(body.splitlines())
    assert odm.row_count == 4  # subjects
    assert request.job_id == download.job_id and request.row_count == download.row_count > 0
    assert download.filters["download"] is True
