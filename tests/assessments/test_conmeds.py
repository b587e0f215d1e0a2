"""Concomitant medications: the verbatim name and an optional ATC code, stated dates, a link to
the adverse event of the same patient they treat, the audited write path, site scoping, the
casebook, the API and the ODM."""

import datetime as dt
import re
from decimal import Decimal

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import constants as c
from assessments import services
from assessments.models import ConcomitantMedication
from edc.audit.exceptions import StaleVersion
from edc.monitoring import services as monitoring
from edc.monitoring.records import record_ref


@pytest.fixture
def ae(patient, make_ae):
    return make_ae(patient)


def medication(patient, user, **overrides):
    values = {
        "name": "Ondansetron",
        "atc_code": "A04AA01",
        "indication": "Nausea",
        "dose": Decimal("8"),
        "unit": c.DoseUnit.MG,
        "route": c.Route.ORAL,
        "frequency": c.Frequency.TWICE_DAILY,
        "start_date": patient.c1d1_date,
        "ongoing": True,
    }
    return services.conmed_create(user=user, patient=patient, **(values | overrides))


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_a_medication_keeps_its_name_as_written_and_its_atc_code(patient, investigator):
    record = medication(
        patient, investigator, name="Zophren 8 mg (ondansetron)", atc_code="a04aa01"
    )
    assert record.name == "Zophren 8 mg (ondansetron)"
    assert record.atc_code == "A04AA01"  # typed in lower case, stored as the code is written
    assert medication(patient, investigator, atc_code="").atc_code == ""


@pytest.mark.parametrize("code", ["A04AA1", "A04AA012", "104AA01", "A0-AA01", "A04A101"])
def test_a_malformed_atc_code_is_refused(patient, investigator, code):
    with pytest.raises(ValidationError) as excinfo:
        medication(patient, investigator, atc_code=code)
    assert errors_of(excinfo) == {"atc_code": [c.ATC_CODE_FORMAT]}
    assert not ConcomitantMedication.objects.exists()


def test_ongoing_must_be_stated_and_agree_with_the_stop_date(patient, investigator):
    with pytest.raises(ValidationError) as excinfo:
        medication(patient, investigator, ongoing=None)
    assert errors_of(excinfo) == {"ongoing": [c.CM_ONGOING_REQUIRED]}
    with pytest.raises(ValidationError) as excinfo:
        medication(patient, investigator, ongoing=False)
    assert errors_of(excinfo) == {"stop_date": [c.CM_STOP_REQUIRED]}
    with pytest.raises(ValidationError) as excinfo:
        medication(patient, investigator, ongoing=True, stop_date=patient.c1d1_date)
    assert errors_of(excinfo) == {"stop_date": [c.CM_STOP_WHEN_ONGOING]}
    with pytest.raises(ValidationError) as excinfo:
        medication(
            patient,
            investigator,
            ongoing=False,
            stop_date=patient.c1d1_date - dt.timedelta(days=1),
        )
    assert errors_of(excinfo) == {"stop_date": [c.CM_STOP_BEFORE_START]}
    assert not ConcomitantMedication.objects.exists()


def test_every_missing_value_is_reported_at_once(patient, investigator):
    with pytest.raises(ValidationError) as excinfo:
        services.conmed_create(
            user=investigator,
            patient=patient,
            name=" ",
            indication="",
            dose=Decimal("0"),
            unit="",
            route="",
            frequency="",
            start_date=None,
            ongoing=None,
        )
    assert set(errors_of(excinfo)) == {
        "name",
        "indication",
        "dose",
        "unit",
        "route",
        "frequency",
        "start_date",
        "ongoing",
    }


def test_a_medication_started_before_the_study_is_a_concomitant_one(patient, investigator):
    record = medication(
        patient,
        investigator,
        name="Amlodipine",
        atc_code="C08CA01",
        start_date=patient.c1d1_date - dt.timedelta(days=900),
    )
    assert record.ongoing


def test_a_medication_is_linked_to_the_adverse_event_it_treats(patient, investigator, ae):
    record = medication(patient, investigator, adverse_event=ae, start_date=ae.start_date)
    assert list(ae.medications.all()) == [record]
    with pytest.raises(ValidationError) as excinfo:
        medication(
            patient,
            investigator,
            adverse_event=ae,
            ongoing=False,
            start_date=ae.start_date - dt.timedelta(days=3),
            stop_date=ae.start_date - dt.timedelta(days=1),
        )
    assert list(errors_of(excinfo)) == ["stop_date"]


def test_an_adverse_event_of_another_patient_is_refused(patient, enrolled, investigator, make_ae):
    other = make_ae(enrolled(c1d1_days_ago=60))
    with pytest.raises(ValidationError) as excinfo:
        medication(patient, investigator, adverse_event=other)
    assert errors_of(excinfo) == {"adverse_event": [c.CM_AE_OTHER_PATIENT]}


def test_a_correction_is_audited_with_its_reason_and_refused_when_stale(patient, investigator):
    record = medication(patient, investigator)
    stop = patient.c1d1_date + dt.timedelta(days=20)
    updated = services.conmed_update(
        user=investigator,
        medication=record,
        changes={"ongoing": False, "stop_date": stop},
        reason="Stopped at C1D21",
        expected_version=record.version,
    )
    assert (updated.version, updated.stop_date) == (2, stop)
    assert updated.history.order_by("-history_id").first().history_change_reason == (
        "Stopped at C1D21"
    )
    with pytest.raises(StaleVersion):
        services.conmed_update(
            user=investigator,
            medication=record,
            changes={"dose": Decimal("4")},
            reason="Dose",
            expected_version=1,
        )


# --- Pages --------------------------------------------------------------------------------------
def test_the_form_offers_this_patients_adverse_events_and_pre_answers_nothing(
    patient, investigator, coordinator, enrolled, make_ae, ae, web
):
    make_ae(enrolled(c1d1_days_ago=60), meddra_code="10016256", grade=1)  # another patient
    client = web(coordinator)
    url = reverse("assessments:conmed_new", args=[patient.pk]) + f"?adverse_event={ae.pk}"
    html = client.get(url).content.decode()
    doc = lxml.html.fromstring(html)
    options = doc.xpath("//select[@name='adverse_event']/option")
    assert [o.get("value") for o in options] == ["", str(ae.pk)]
    assert options[1].get("selected") is not None  # the event the user came from
    assert "Fatigue" not in doc.xpath("string(//select[@name='adverse_event'])")
    radios = re.findall(r'<input type="radio" name="ongoing"[^>]*>', html)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    for name in ("unit", "route", "frequency"):
        (selected,) = doc.xpath(f"//select[@name='{name}']/option[@selected]")
        assert selected.get("value") == ""


def test_the_browser_saves_a_medication_for_an_event_and_lists_it(patient, coordinator, ae, web):
    client = web(coordinator)
    response = client.post(
        reverse("assessments:conmed_new", args=[patient.pk]),
        {
            "name": "Filgrastim",
            "atc_code": "L03AA02",
            "indication": "Neutropenia",
            "adverse_event": ae.pk,
            "dose": "300",
            "unit": c.DoseUnit.MICROGRAM,
            "route": c.Route.SUBCUTANEOUS,
            "frequency": c.Frequency.DAILY,
            "start_date": ae.start_date.strftime("%d %b %Y"),
            "ongoing": "True",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ConcomitantMedication.objects.get()
    assert (record.adverse_event, record.created_by) == (ae, coordinator)
    page = client.get(reverse("assessments:patient", args=[patient.pk])).content.decode()
    doc = lxml.html.fromstring(page)
    row = doc.xpath("//table[@data-testid='conmed-table']//tr[td]")[0].text_content()
    assert "Filgrastim" in row and "300 µg" in row and ae.term in row
    listing = client.get(reverse("assessments:conmed_list")).content.decode()
    assert "Filgrastim" in listing


def test_another_sites_medications_are_not_found(patient, investigator, other_investigator, web):
    record = medication(patient, investigator)
    client = web(other_investigator)
    assert client.get(reverse("assessments:conmed_edit", args=[record.pk])).status_code == 404
    assert "Ondansetron" not in client.get(reverse("assessments:conmed_list")).content.decode()


def test_the_list_and_patient_pages_cost_a_constant_number_of_queries(
    patient, investigator, monitor, ae, web, django_assert_num_queries
):
    client = web(monitor)
    medication(patient, investigator, adverse_event=ae, start_date=ae.start_date)
    urls = [reverse("assessments:conmed_list"), reverse("assessments:patient", args=[patient.pk])]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as first:
            assert client.get(url).status_code == 200
        counts[url] = len(first.captured_queries)
    for days in (1, 2, 3):
        medication(
            patient, investigator, adverse_event=ae, start_date=ae.start_date + dt.timedelta(days)
        )
    for url in urls:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_the_casebook_shows_the_medications_queried_verified(patient, investigator, monitor, web):
    def status() -> str:
        page = web(investigator).get(reverse("patients:detail", args=[patient.pk]))
        doc = lxml.html.fromstring(page.content.decode())
        (span,) = doc.xpath("//tr[@data-form='conmeds']//span[contains(@class, 'fs-')]")
        return span.text_content().strip()

    assert status() == "empty"
    record = medication(patient, investigator)
    assert status() == "complete"
    monitoring.query_raise(user=monitor, record=record_ref(record), field="dose", question="4 mg?")
    assert status() == "queried"
    other = medication(patient, investigator, name="Paracetamol", atc_code="N02BE01")
    monitoring.sdv_mark(user=monitor, record=record_ref(other))
    assert status() == "queried"  # the open query still wins


# --- API ----------------------------------------------------------------------------------------
def test_the_api_records_a_medication_for_an_event_and_scopes_it(
    patient, investigator, other_investigator, ae, api, django_assert_num_queries
):
    client = api(investigator)
    body = {
        "patient": patient.pk,
        "name": "Pregabalin",
        "atc_code": "N03AX16",
        "indication": "Neuropathic pain",
        "dose": "75",
        "unit": c.DoseUnit.MG,
        "route": c.Route.ORAL,
        "frequency": c.Frequency.TWICE_DAILY,
        "start_date": ae.start_date.isoformat(),
        "ongoing": True,
        "adverse_event": ae.pk,
    }
    response = client.post("/api/v1/concomitant-medications/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["adverse_event"] == ae.pk
    bad = client.post(
        "/api/v1/concomitant-medications/", body | {"atc_code": "N3AX16"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["atc_code"] == [c.ATC_CODE_FORMAT]
    url = f"/api/v1/concomitant-medications/{created['id']}/"
    assert client.patch(url, {"version": 9, "reason": "x"}, format="json").status_code == 409
    assert api(other_investigator).get(url).status_code == 404
    with CaptureQueriesContext(connection) as first:
        client.get("/api/v1/concomitant-medications/")
    for _ in range(3):
        medication(patient, investigator)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get("/api/v1/concomitant-medications/").json()["results"]) == 4


# --- ODM ----------------------------------------------------------------------------------------
def test_the_odm_carries_the_medications_and_the_history_schema_valid(
    patient, investigator, data_manager, ae
):
    import io

    from lxml import etree

    from edc.exports import odm
    from edc.exports.context import ExportContext
    from patients import services as patient_services

    medication(patient, investigator, adverse_event=ae, start_date=ae.start_date)
    patient_services.medical_history_create(
        user=investigator,
        patient=patient,
        condition="Essential hypertension",
        meddra_code="10020772",
        start_date=patient.screening_date - dt.timedelta(days=900),
        ongoing=True,
    )
    data = b"".join(odm.odm_bytes(ExportContext(user=data_manager)))
    assert odm.validate(io.BytesIO(data)) == []
    ns = {"odm": odm.NS}
    tree = etree.parse(io.BytesIO(data))
    (cm_event,) = tree.xpath("//odm:StudyEventData[@StudyEventOID='SE.CM_LOG']", namespaces=ns)
    items = {
        i.get("ItemOID"): i.get("Value") for i in cm_event.xpath(".//odm:ItemData", namespaces=ns)
    }
    assert items["IT.CONCOMITANTMEDICATION.NAME"] == "Ondansetron"
    assert items["IT.CONCOMITANTMEDICATION.ATC_CODE"] == "A04AA01"
    assert items["IT.CONCOMITANTMEDICATION.ADVERSE_EVENT"] == str(ae.pk)
    (screening,) = tree.xpath("//odm:StudyEventData[@StudyEventOID='SE.SCREENING']", namespaces=ns)
    forms = screening.xpath("./odm:FormData/@FormOID", namespaces=ns)
    assert "F.PATIENTS_MEDICALHISTORY" in forms
