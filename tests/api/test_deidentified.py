"""Statisticians read every site through the API de-identified, as in the exports: free text
written by site staff comes back as "(withheld)"; site staff read their own text."""

import pytest

from assessments import services as assessment_services
from edc.audit.display import WITHHELD
from tests.assessments.conftest import ae_values

COMMENT = "Called Mrs Jeanne Dupont (daughter), tel 06 12 34 56 78"


@pytest.fixture
def adverse_event(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=30)
    return assessment_services.adverse_event_create(
        user=investigator,
        patient=patient,
        **ae_values(patient, comments=COMMENT, term_specify="after a fall at Hôpital Nord"),
    )


@pytest.mark.django_db
def test_a_statistician_gets_ae_free_text_withheld_and_everything_coded(
    adverse_event, api, statistician
):
    listed = api(statistician).get("/api/v1/adverse-events/").json()["results"]
    detail = api(statistician).get(f"/api/v1/adverse-events/{adverse_event.pk}/").json()
    for row in (listed[0], detail):
        assert row["comments"] == WITHHELD and row["term_specify"] == WITHHELD
        assert row["grade"] == 3 and row["meddra_code"] == "10029366"
    body = api(statistician).get("/api/v1/adverse-events/").content.decode()
    assert "Dupont" not in body and "Hôpital" not in body


@pytest.mark.django_db
def test_site_staff_read_their_own_free_text(adverse_event, api, investigator):
    row = api(investigator).get(f"/api/v1/adverse-events/{adverse_event.pk}/").json()
    assert row["comments"] == COMMENT


@pytest.mark.django_db
def test_an_empty_free_text_stays_empty_for_a_statistician(
    enrolled, investigator, api, statistician
):
    patient = enrolled(c1d1_days_ago=30)
    event = assessment_services.adverse_event_create(
        user=investigator, patient=patient, **ae_values(patient)
    )
    row = api(statistician).get(f"/api/v1/adverse-events/{event.pk}/").json()
    assert row["comments"] == ""


@pytest.mark.django_db
def test_the_audit_trail_withholds_free_text_and_reasons_from_a_statistician(
    adverse_event, api, web, investigator, statistician, monitor
):
    assessment_services.adverse_event_update(
        user=investigator,
        adverse_event=adverse_event,
        changes={"comments": "Daughter Jeanne Dupont confirmed the stop date"},
        reason="Per call with Jeanne Dupont",
        expected_version=adverse_event.version,
    )
    listed = api(statistician).get("/api/v1/audit-entries/").content.decode()
    page = web(statistician).get("/monitoring/audit/").content.decode()
    export = web(statistician).get("/monitoring/audit/export.csv")
    exported = b"".join(export.streaming_content if export.streaming else [export.content])
    for body in (listed, page, exported.decode()):
        assert "Dupont" not in body and WITHHELD in body
    # Site staff and monitors review the text and the reason in full.
    assert (
        "Per call with Jeanne Dupont" in api(monitor).get("/api/v1/audit-entries/").content.decode()
    )
