"""Downloads of the audit trail (page CSV and API list) are logged like every other export."""

import csv
import io

import pytest
from django.urls import reverse

from edc.exports.models import ExportLog
from patients import services as patient_services
from patients.models import Patient

EXPORT = reverse("monitoring:audit_export")
API = "/api/v1/audit-entries/"
LOG = reverse("exports:log")


@pytest.fixture
def corrected(enrolled, coordinator):
    """An enrolled FR01 patient whose year of birth was corrected: an audit trail to download."""
    patient = enrolled()
    current = Patient.objects.get(pk=patient.pk)
    patient_services.patient_update(
        user=coordinator,
        patient=current,
        data={"year_of_birth": 1968},
        reason="ID card",
        expected_version=current.version,
    )
    return patient


def test_the_csv_download_of_a_monitor_is_logged_with_filters_and_rows(corrected, monitor, web):
    client = web(monitor)
    params = {"site": "FR01", "form": "patients.patient", "action": "change", "page": "3"}
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    log = ExportLog.objects.get()  # written before the first byte leaves
    assert log.row_count is None and log.finished_at is None
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {r["form"] for r in rows} == {"patients.patient"}

    log.refresh_from_db()
    assert (log.user, log.role, log.what, log.format, log.channel) == (
        monitor,
        "monitor",
        "AUDIT",
        "csv",
        "web",
    )
    assert log.filters == {
        "as_of": None,
        "updated_since": None,
        "site": "FR01",
        "form": "patients.patient",
        "action": "change",
    }
    assert log.row_count == len(rows) and log.finished_at is not None
    assert not log.deidentified

    page = client.get(LOG).content.decode()
    assert "AUDIT" in page and monitor.get_username() in page and "Browser" in page


def test_the_api_list_of_a_statistician_is_logged_with_channel_api(
    corrected, statistician, data_manager, api, web
):
    params = {"form": "patients.patient", "user": "crc_fr01", "page_size": "1"}
    body = api(statistician).get(API, params).json()
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.format, log.channel) == (statistician, "AUDIT", "page", "api")
    # A statistician's form has no user-name filter: it was not applied, so it is not logged.
    assert log.filters == {
        "as_of": None,
        "updated_since": None,
        "form": "patients.patient",
        "page_size": "1",
    }
    assert log.row_count == len(body["results"]) == 1 and log.deidentified

    api(statistician).get(body["next"])  # every page served is a download of its own
    assert ExportLog.objects.filter(channel="api", user=statistician).count() == 2
    assert "cursor" in ExportLog.objects.order_by("-id").first().filters

    own = web(statistician).get(LOG).content.decode()
    assert "AUDIT" in own and "page" in own and ">API<" in own
    everyone = web(data_manager).get(LOG).content.decode()
    assert statistician.get_username() in everyone and "AUDIT" in everyone


def test_a_refused_download_writes_no_log(corrected, monitor, web, api):
    assert web(monitor).get(EXPORT, {"date_from": "not a date"}).status_code == 400
    assert api(monitor).get(API, {"action": "nonsense"}).status_code == 400
    assert not ExportLog.objects.exists()
