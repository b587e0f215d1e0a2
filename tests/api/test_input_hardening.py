"""Bad input found by the API fuzzer is a 400 naming the parameter — never a 500, never ignored.

Each test replays one kind of input that used to crash a view (500) or was silently ignored;
run them under PostgreSQL too (``DATABASE_URL``): it refuses NUL characters and UTC offsets
beyond ±15:59 where SQLite does not.
"""

import base64
from urllib.parse import urlencode

import pytest

from edc.api.filters import DATETIME_OUT_OF_RANGE
from edc.api.negotiation import FORMAT_INVALID
from edc.api.pagination import CURSOR_INVALID, PAGE_SIZE_INVALID
from edc.api.params import ID_INVALID
from edc.exports.constants import CURSOR_INVALID as EXPORT_CURSOR_INVALID
from labs import imports
from labs.api.views import ROW_STATUS_INVALID
from labs.models import ImportBatch
from tests.labs.conftest import make_lab

from .conftest import lab_csv

pytestmark = pytest.mark.django_db


def forged_cursor(**tokens) -> str:
    """A cursor as DRF writes them (base64 of a query string), with chosen contents."""
    return base64.b64encode(urlencode(tokens).encode()).decode()


@pytest.fixture
def patient(enrolled):
    return enrolled()


@pytest.mark.parametrize("position", ["abc", "1.5", "\x00", str(2**64)])
def test_a_forged_cursor_position_is_a_400_not_a_500(api, investigator, patient, position):
    # Was a 500: DRF put the position straight into ``id > <position>``.
    response = api(investigator).get("/api/v1/patients/", {"cursor": forged_cursor(p=position)})
    assert response.status_code == 400
    assert response.json() == {"cursor": [CURSOR_INVALID]}


@pytest.mark.parametrize("cursor", ["not base64!", "éé", forged_cursor(o="-3"), "garbage"])
def test_an_unreadable_cursor_is_a_400_naming_the_cursor(api, investigator, cursor):
    # Was a 404 "Invalid cursor", as if the list did not exist.
    response = api(investigator).get("/api/v1/adverse-events/", {"cursor": cursor})
    assert response.status_code == 400 and response.json() == {"cursor": [CURSOR_INVALID]}


def test_the_cursors_the_api_writes_still_walk_every_page(api, investigator, enrolled):
    ids = {enrolled().pk for _ in range(3)}
    client, seen, url = api(investigator), set(), "/api/v1/patients/?page_size=1"
    while url:
        page = client.get(url).json()
        seen |= {row["id"] for row in page["results"]}
        url = page["next"]
    assert seen == ids


@pytest.mark.parametrize("size", ["abc", "0", "-5", "1.5", "²"])
def test_an_invalid_page_size_is_a_400_not_silently_the_default(api, investigator, size):
    response = api(investigator).get("/api/v1/patients/", {"page_size": size})
    assert response.status_code == 400
    assert response.json() == {"page_size": [PAGE_SIZE_INVALID.format(max=1000)]}


def test_a_page_size_above_the_maximum_is_capped_and_an_empty_one_is_the_default(
    api, investigator, patient
):
    client = api(investigator)
    assert client.get("/api/v1/patients/", {"page_size": "5000"}).status_code == 200
    assert client.get("/api/v1/patients/", {"page_size": ""}).status_code == 200


@pytest.mark.parametrize(
    "moment", ["2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-23:59", "2000-01-01T12:00+15:59"]
)
def test_a_datetime_filter_with_a_utc_offset_postgresql_refuses_still_filters(
    api, investigator, patient, moment
):
    # Was a 500 on PostgreSQL: "time zone displacement out of range".
    response = api(investigator).get("/api/v1/patients/", {"updated_at__gte": moment})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [patient.pk]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:00-05:00"])
def test_a_datetime_filter_at_the_edge_of_the_calendar_is_a_400(api, investigator, moment):
    response = api(investigator).get("/api/v1/lab-results/", {"updated_since": moment})
    assert response.status_code == 400
    assert response.json() == {"updated_since": [DATETIME_OUT_OF_RANGE]}


@pytest.mark.parametrize("moment", ["2026-01-01T00:00:00+16:00", "0001-01-01"])
def test_export_moments_postgresql_or_utc_cannot_hold_are_normalised_or_refused(
    api, statistician, moment
):
    response = api(statistician).get("/api/v1/exports/domains/DM/", {"updated_since": moment})
    if moment.startswith("0001"):
        assert response.status_code == 400
        assert response.json() == {"updated_since": [DATETIME_OUT_OF_RANGE]}
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("value", ["²", "1.5", "-3", "abc", str(2**64)])
def test_hand_read_id_parameters_refuse_what_is_not_an_id(api, monitor, value):
    # "²".isdigit() is True but int("²") raises: the monitoring lists answered 500.
    for url in ("/api/v1/queries/", "/api/v1/sdv-marks/", "/api/v1/signatures/"):
        response = api(monitor).get(url, {"patient": value})
        assert response.status_code == 400, url
        assert response.json() == {"patient": [ID_INVALID]}


def test_hand_read_choice_parameters_refuse_unknown_values(api, monitor):
    client = api(monitor)
    for url, param in (
        ("/api/v1/audit-entries/", "order"),
        ("/api/v1/queries/", "status"),
        ("/api/v1/locks/", "active"),
        ("/api/v1/sdv-marks/", "active"),
    ):
        response = client.get(url, {param: "sideways"})
        assert response.status_code == 400, url
        assert list(response.json()) == [param]
    assert client.get("/api/v1/audit-entries/", {"order": "newest"}).status_code == 200


@pytest.mark.parametrize("form", ["patients.\x00patient", "nonsense", "a.b"])
def test_an_unknown_form_is_a_400_on_the_form_parameter(api, monitor, form):
    # NUL characters reached PostgreSQL (500); the error was a bare list, not {"form": …}.
    client = api(monitor)
    history = client.get("/api/v1/audit-entries/history/", {"form": form, "object_id": 1})
    assert history.status_code == 400 and list(history.json()) == ["form"]
    listing = client.get("/api/v1/queries/", {"form": form})
    assert listing.status_code == 400 and list(listing.json()) == ["form"]
    body = client.post(
        "/api/v1/queries/", {"form": form, "object_id": 1, "question": "?"}, format="json"
    )
    assert body.status_code == 400 and list(body.json()) == ["form"]


def test_the_audit_history_needs_a_whole_number_object_id(api, monitor, patient):
    client = api(monitor)
    ok = client.get(
        "/api/v1/audit-entries/history/", {"form": "patients.patient", "object_id": patient.pk}
    )
    assert ok.status_code == 200
    for value in ("x", "²", str(2**64)):
        bad = client.get(
            "/api/v1/audit-entries/history/", {"form": "patients.patient", "object_id": value}
        )
        assert bad.status_code == 400 and list(bad.json()) == ["object_id"]


def test_an_unknown_import_row_status_is_a_400(api, investigator, data_manager, patient, site):
    # Was a 500: the status became a database field name (``<status>_rows``).
    lab = make_lab(user=data_manager, site=site, code="FR01-LAB")
    imports.import_batch_upload(user=data_manager, filename="c.csv", chunks=[lab_csv(patient, lab)])
    batch = ImportBatch.objects.get()
    url = f"/api/v1/lab-imports/{batch.pk}/rows/"
    client = api(data_manager)
    assert client.get(url, {"status": "rejected"}).json()["count"] == 1
    response = client.get(url, {"status": "bogus"})
    assert response.status_code == 400 and response.json() == {"status": [ROW_STATUS_INVALID]}
    assert client.get(url, {"page": "x"}).status_code == 400


@pytest.mark.parametrize("body", [[], False, "as_of", 3])
def test_an_export_job_body_that_is_not_an_object_is_a_400(api, statistician, body):
    # Was a 500: ``request.data.get`` on a list or a boolean.
    response = api(statistician).post("/api/v1/exports/jobs/", body, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_an_unknown_format_is_a_400_naming_the_formats(api, statistician):
    response = api(statistician).get("/api/v1/exports/odm/", {"format": "xlsx"})
    assert response.status_code == 400
    assert response.json() == {"format": [FORMAT_INVALID.format(formats="json, any")]}


def test_stream_errors_are_json_even_for_a_client_that_accepts_anything(api, statistician):
    response = api(statistician).get(
        "/api/v1/exports/domains/DM/csv/", {"as_of": "yesterday-ish", "format": "any"}
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("cursor", ["cDo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==", "cDrCsg=="])
def test_an_export_cursor_whose_patient_id_cannot_exist_is_a_400(api, statistician, cursor):
    # "p:99999999999999999999999" and "p:²" (int() of a superscript digit fails).
    response = api(statistician).get("/api/v1/exports/domains/DM/", {"cursor": cursor})
    assert response.status_code == 400 and response.json() == {"cursor": [EXPORT_CURSOR_INVALID]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/deviations/1.5/",
        "/api/v1/ctcae-terms/abc/",
        "/api/v1/exports/domains/XYZ/",
        "/api/v1/no-such-thing/",
    ],
)
def test_an_api_path_that_matches_no_route_is_a_json_404(api, investigator, path):
    response = api(investigator).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_api_path_without_its_slash_is_still_redirected_to_it(api, investigator):
    response = api(investigator).get("/api/v1/patients")
    assert response.status_code == 301 and response["Location"].endswith("/api/v1/patients/")


def test_a_time_of_day_is_documented_as_it_is_sent(api, investigator):
    # JSON Schema's "time" format requires a UTC offset; the API sends and reads "10:00:00".
    schema = api(investigator).get("/api/schema/", {"format": "json"}).json()
    start = schema["components"]["schemas"]["Paclitaxel"]["properties"]["infusion_start"]
    assert start["format"] == "partial-time" and "pattern" in start


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00", "0001-01-01T00:05", "9999-12-31T23:59:59-05:00"]
)
def test_a_datetime_in_a_body_at_the_edge_of_the_calendar_is_a_400(
    api, investigator, data_manager, site, patient, moment
):
    # Was a 500 (OverflowError in DRF's check of a naive date-time) on every database.
    make_lab(user=data_manager, site=site, code="FR01-LAB")
    client = api(investigator)
    posts = {
        "/api/v1/lab-results/": (
            "collected_at",
            {"lab": "FR01-LAB", "analyte": "ANC", "value": "1.5", "unit": "10^9/L"},
        ),
        "/api/v1/imp321/": ("injected_at", {"event_code": "IMP-C1D2"}),
        "/api/v1/immune-draws/": (
            "drawn_at",
            {
                "event_code": "IMM-BL",
                "sample_id": "S-1",
                "processing_minutes": 30,
                "lab": "FR01-LAB",
            },
        ),
    }
    for url, (field, body) in posts.items():
        response = client.post(url, {"patient": patient.pk, field: moment, **body}, format="json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json()


def test_a_processing_time_no_database_column_holds_is_refused_everywhere(
    api, investigator, data_manager, site, patient
):
    # SQLite stored 2**31 minutes, PostgreSQL refused them: now the same 400 on both.
    make_lab(user=data_manager, site=site, code="FR01-LAB")
    response = api(investigator).post(
        "/api/v1/immune-draws/",
        {
            "patient": patient.pk,
            "event_code": "IMM-BL",
            "drawn_at": f"{patient.c1d1_date}T07:00:00+01:00",
            "sample_id": "S-1",
            "processing_minutes": 2**31,
            "lab": "FR01-LAB",
        },
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["processing_minutes"]
