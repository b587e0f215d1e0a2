"""Medical history at screening and prior cancer therapy: coded terms, stated answers, the
audited write path, site scoping, the casebook, the API, and the eligibility rule a prior
chemotherapy for metastatic disease breaks."""

import datetime as dt
import re

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edc import protocol
from edc.audit.exceptions import StaleVersion
from edc.monitoring import services as monitoring
from edc.monitoring.constants import CASEBOOK, SIGNATURE_MEANINGS
from edc.monitoring.records import record_ref
from patients import constants as msg
from patients import services
from patients.constants import PriorTherapyType, TherapySetting
from patients.models import MedicalHistory, PriorTherapy

HYPERTENSION = "10020772"
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@pytest.fixture
def patient(screened):
    return screened(days_ago=10)


def years_before(patient, years: int) -> dt.date:
    return patient.screening_date - dt.timedelta(days=365 * years)


def history(patient, user, **overrides):
    values = {
        "condition": "Essential hypertension",
        "meddra_code": HYPERTENSION,
        "start_date": years_before(patient, 5),
        "ongoing": True,
    }
    return services.medical_history_create(user=user, patient=patient, **(values | overrides))


def therapy(patient, user, **overrides):
    values = {
        "therapy_type": PriorTherapyType.ADJUVANT_CHEMO,
        "setting": TherapySetting.EARLY,
        "start_date": years_before(patient, 4),
        "end_date": years_before(patient, 4) + dt.timedelta(days=126),
        "description": "6 × FEC100",
    }
    return services.prior_therapy_create(user=user, patient=patient, **(values | overrides))


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- Medical history: the rules ---------------------------------------------------------------
def test_a_condition_keeps_its_words_and_gets_the_ctcae_meddra_term(patient, investigator):
    record = history(patient, investigator, condition="High blood pressure since 2019")
    assert record.condition == "High blood pressure since 2019"
    assert (record.meddra_code, record.meddra_term) == (HYPERTENSION, "Hypertension")


def test_a_condition_the_ctcae_list_lacks_is_kept_as_written_without_a_code(patient, investigator):
    record = history(patient, investigator, condition="Type 2 diabetes, diet", meddra_code="")
    assert (record.meddra_code, record.meddra_term) == ("", "")


def test_an_unknown_meddra_code_is_refused(patient, investigator):
    with pytest.raises(ValidationError) as excinfo:
        history(patient, investigator, meddra_code="99999999")
    assert errors_of(excinfo) == {"meddra_code": [msg.UNKNOWN_MEDDRA_TERM]}
    assert not MedicalHistory.objects.exists()


def test_ongoing_must_be_stated_and_agree_with_the_end_date(patient, investigator):
    with pytest.raises(ValidationError) as excinfo:
        history(patient, investigator, ongoing=None)
    assert errors_of(excinfo) == {"ongoing": [msg.ONGOING_REQUIRED]}
    with pytest.raises(ValidationError) as excinfo:
        history(patient, investigator, ongoing=True, end_date=years_before(patient, 1))
    assert errors_of(excinfo) == {"end_date": [msg.END_DATE_WHEN_ONGOING]}
    with pytest.raises(ValidationError) as excinfo:
        history(patient, investigator, ongoing=False)
    assert errors_of(excinfo) == {"end_date": [msg.END_DATE_REQUIRED]}
    with pytest.raises(ValidationError) as excinfo:
        history(
            patient,
            investigator,
            ongoing=False,
            start_date=years_before(patient, 2),
            end_date=years_before(patient, 3),
        )
    assert errors_of(excinfo) == {"end_date": [msg.END_BEFORE_START]}
    assert not MedicalHistory.objects.exists()


def test_a_condition_that_began_after_screening_is_an_adverse_event_not_history(
    patient, investigator
):
    with pytest.raises(ValidationError) as excinfo:
        history(patient, investigator, start_date=patient.screening_date + dt.timedelta(days=1))
    (message,) = errors_of(excinfo)["start_date"]
    assert "adverse event" in message


def test_a_correction_needs_a_reason_and_the_version_the_user_opened(patient, investigator):
    record = history(patient, investigator)
    with pytest.raises(ValidationError) as excinfo:
        services.medical_history_update(
            user=investigator,
            record=record,
            changes={"ongoing": False, "end_date": years_before(patient, 1)},
            reason="",
            expected_version=record.version,
        )
    assert "reason" in errors_of(excinfo)
    updated = services.medical_history_update(
        user=investigator,
        record=record,
        changes={"ongoing": False, "end_date": years_before(patient, 1)},
        reason="Resolved according to the GP letter",
        expected_version=record.version,
    )
    assert (updated.version, updated.ongoing) == (2, False)
    latest = updated.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Resolved according to the GP letter"
    with pytest.raises(StaleVersion):
        services.medical_history_update(
            user=investigator,
            record=record,
            changes={"condition": "Hypertension"},
            reason="Typo",
            expected_version=1,
        )
    record.refresh_from_db()
    assert record.condition == "Essential hypertension"


# --- Prior cancer therapy and eligibility -----------------------------------------------------
def test_prior_therapy_types_and_settings_must_agree(patient, investigator):
    with pytest.raises(ValidationError) as excinfo:
        therapy(
            patient,
            investigator,
            therapy_type=PriorTherapyType.METASTATIC_CHEMO,
            setting=TherapySetting.EARLY,
        )
    assert errors_of(excinfo) == {"setting": [msg.METASTATIC_CHEMO_SETTING]}
    with pytest.raises(ValidationError) as excinfo:
        therapy(patient, investigator, setting=TherapySetting.METASTATIC)
    assert errors_of(excinfo) == {"therapy_type": [msg.CHEMO_FOR_METASTASES_IS_ITS_OWN_TYPE]}
    with pytest.raises(ValidationError) as excinfo:
        therapy(patient, investigator, therapy_type=PriorTherapyType.OTHER, description=" ")
    assert errors_of(excinfo) == {"description": [msg.THERAPY_DESCRIPTION_REQUIRED]}
    assert not PriorTherapy.objects.exists()


def test_early_disease_treatment_keeps_the_patient_eligible(patient, investigator):
    therapy(patient, investigator)
    therapy(patient, investigator, therapy_type=PriorTherapyType.SURGERY, description="")
    assert services.eligibility_of(patient).eligible


def test_a_prior_chemotherapy_for_metastatic_disease_fails_the_criterion_with_a_message(
    patient, investigator
):
    code = protocol.NO_PRIOR_METASTATIC_CHEMO_CRITERION
    assert patient.eligibility.get(criterion=code).answer is True  # answered before
    therapy(
        patient,
        investigator,
        therapy_type=PriorTherapyType.METASTATIC_CHEMO,
        setting=TherapySetting.METASTATIC,
        description="Capecitabine, 4 cycles",
    )
    result = services.eligibility_of(patient)
    assert not result.eligible and [c.code for c in result.unmet] == [code]
    assert result.reasons == {code: msg.PRIOR_METASTATIC_CHEMO}

    # Enrolment is refused, naming the criterion and why.
    with pytest.raises(ValidationError) as excinfo:
        services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=patient.screening_date + dt.timedelta(days=2),
            c1d1_date=patient.screening_date + dt.timedelta(days=3),
        )
    (message,) = errors_of(excinfo)["waiver_reason"]
    assert str(protocol.CRITERIA_BY_CODE[code].text) in message
    assert str(msg.PRIOR_METASTATIC_CHEMO) in message

    # Answering "no prior chemotherapy for metastatic disease" again is refused.
    with pytest.raises(ValidationError) as excinfo:
        services.eligibility_record(
            user=investigator,
            patient=patient,
            answers={code: True},
            source_date=patient.screening_date + dt.timedelta(days=1),
            reason="Re-checked",
        )
    assert errors_of(excinfo) == {code: [msg.PRIOR_METASTATIC_CHEMO_ANSWER]}


def test_the_casebook_says_why_the_patient_is_not_eligible(patient, investigator, web):
    therapy(
        patient,
        investigator,
        therapy_type=PriorTherapyType.METASTATIC_CHEMO,
        setting=TherapySetting.METASTATIC,
    )
    page = web(investigator).get(reverse("patients:detail", args=[patient.pk]))
    doc = lxml.html.fromstring(page.content.decode())
    assert "not eligible" in doc.xpath("//h2[starts-with(., 'Eligibility')]")[0].text_content()
    (reason,) = doc.xpath("//p[@data-testid='eligibility-reason']")
    assert str(msg.PRIOR_METASTATIC_CHEMO) in reason.text_content()


# --- Pages --------------------------------------------------------------------------------------
def test_the_form_states_ongoing_with_nothing_pre_selected_and_saves_through_the_service(
    patient, coordinator, web
):
    client = web(coordinator)
    url = reverse("patients:history_new", args=[patient.pk])
    html = client.get(url).content.decode()
    radios = re.findall(r'<input type="radio" name="ongoing"[^>]*>', html)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    response = client.post(
        url,
        {
            "condition": "Hypothyroidism on levothyroxine",
            "meddra_code": "10021114",
            "start_date": "03 Mar 2015",
            "ongoing": "True",
        },
    )
    assert response.status_code == 302
    record = MedicalHistory.objects.get()
    assert (record.meddra_term, record.ongoing, record.created_by) == (
        "Hypothyroidism",
        True,
        coordinator,
    )
    page = client.get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "Hypothyroidism on levothyroxine" in page and "03 Mar 2015" in page


def test_a_form_without_ongoing_is_refused_and_saves_nothing(patient, coordinator, web):
    response = web(coordinator).post(
        reverse("patients:history_new", args=[patient.pk]),
        {"condition": "Asthma", "start_date": "03 Mar 2015"},
    )
    assert response.status_code == 200
    assert str(msg.ONGOING_REQUIRED) in response.content.decode()
    assert not MedicalHistory.objects.exists()


def test_a_correction_in_the_browser_asks_for_the_reason(patient, investigator, web):
    record = therapy(patient, investigator)
    client = web(investigator)
    url = reverse("patients:therapy_edit", args=[record.pk])
    data = {
        "therapy_type": PriorTherapyType.ADJUVANT_CHEMO,
        "setting": TherapySetting.EARLY,
        "start_date": record.start_date.strftime("%d %b %Y"),
        "end_date": record.end_date.strftime("%d %b %Y"),
        "description": "6 × FEC100 then 12 × weekly paclitaxel",
        "version": record.version,
        "reason": "",
    }
    assert client.post(url, data).status_code == 200
    record.refresh_from_db()
    assert record.version == 1
    assert client.post(url, data | {"reason": "Discharge letter"}).status_code == 302
    record.refresh_from_db()
    assert (record.version, record.description) == (2, "6 × FEC100 then 12 × weekly paclitaxel")


def test_another_sites_records_are_not_found(patient, investigator, other_investigator, web):
    record = history(patient, investigator)
    client = web(other_investigator)
    assert client.get(reverse("patients:history", args=[patient.pk])).status_code == 404
    assert client.get(reverse("patients:history_edit", args=[record.pk])).status_code == 404


def test_the_history_page_costs_a_constant_number_of_queries(
    patient, investigator, monitor, web, django_assert_num_queries
):
    client = web(monitor)
    url = reverse("patients:history", args=[patient.pk])
    history(patient, investigator)
    therapy(patient, investigator)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    for years in (2, 3, 4):
        history(patient, investigator, start_date=years_before(patient, years))
        therapy(
            patient,
            investigator,
            therapy_type=PriorTherapyType.RADIOTHERAPY,
            start_date=years_before(patient, years),
            end_date=None,
        )
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


# --- Casebook: queries, SDV and signatures work on the new records ---------------------------
def _status(client, patient, key: str) -> str:
    page = client.get(reverse("patients:detail", args=[patient.pk]))
    doc = lxml.html.fromstring(page.content.decode())
    (span,) = doc.xpath(f"//tr[@data-form='{key}']//span[contains(@class, 'fs-')]")
    return span.text_content().strip()


def test_the_casebook_shows_the_forms_queried_verified_and_signed(
    patient, investigator, monitor, web
):
    client = web(investigator)
    assert _status(client, patient, "medical_history") == "empty"
    record = history(patient, investigator)
    prior = therapy(patient, investigator)
    assert _status(client, patient, "medical_history") == "complete"
    query = monitoring.query_raise(
        user=monitor, record=record_ref(record), field="start_date", question="2015 or 2016?"
    )
    assert _status(client, patient, "medical_history") == "queried"
    monitoring.query_answer(query=query, user=investigator, text="2015, per the GP letter.")
    monitoring.query_close(query=query, user=monitor)
    monitoring.sdv_mark(user=monitor, record=record_ref(record))
    monitoring.sdv_mark(user=monitor, record=record_ref(prior))
    assert _status(client, patient, "medical_history") == "verified"
    assert _status(client, patient, "prior_therapy") == "verified"
    monitoring.signature_sign(
        user=investigator,
        patient=patient,
        scope=CASEBOOK,
        username=investigator.get_username(),
        password=PASSWORD,
        meaning=SIGNATURE_MEANINGS[0],
    )
    assert _status(client, patient, "medical_history") == "signed"
    assert _status(client, patient, "prior_therapy") == "signed"
    # The record's page offers the monitor the query and SDV actions.
    page = web(monitor).get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "Raise query" in page and "History" in page


# --- API ----------------------------------------------------------------------------------------
def test_the_api_creates_corrects_and_scopes_medical_history(
    patient, investigator, other_investigator, api
):
    client = api(investigator)
    body = {
        "patient": patient.pk,
        "condition": "Osteoporosis",
        "meddra_code": "10031282",
        "start_date": years_before(patient, 3).isoformat(),
        "ongoing": True,
    }
    response = client.post("/api/v1/medical-history/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["meddra_term"] == "Osteoporosis" and created["version"] == 1
    refused = client.post(
        "/api/v1/medical-history/", body | {"ongoing": None}, format="json"
    ).json()
    assert "ongoing" in refused
    url = f"/api/v1/medical-history/{created['id']}/"
    stale = client.patch(url, {"version": 5, "reason": "x", "ongoing": True}, format="json")
    assert stale.status_code == 409
    assert api(other_investigator).get(url).status_code == 404
    assert api(other_investigator).get("/api/v1/medical-history/").json()["results"] == []


def test_the_api_records_prior_therapy_and_the_list_cost_is_constant(
    patient, investigator, api, django_assert_num_queries
):
    client = api(investigator)
    body = {
        "patient": patient.pk,
        "therapy_type": PriorTherapyType.HORMONAL,
        "setting": TherapySetting.EARLY,
        "start_date": years_before(patient, 3).isoformat(),
        "description": "Tamoxifen 20 mg daily",
    }
    assert client.post("/api/v1/prior-therapies/", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/prior-therapies/").status_code == 200
    for _ in range(3):
        therapy(patient, investigator)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get("/api/v1/prior-therapies/").json()["results"]) == 4
