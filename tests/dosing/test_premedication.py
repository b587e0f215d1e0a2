"""Paclitaxel premedication (dexamethasone, H1 antihistamine, H2 blocker, other) is stated on
each dose: never pre-answered, audited with the dose, shown on the casebook as missing until
stated, and in the API."""

import datetime as dt

import lxml.html
from django.urls import reverse

from dosing import services
from dosing.models import PaclitaxelAdministration

from ..factories import paclitaxel_data

PREMEDICATION = {
    "premed_dexamethasone": True,
    "premed_antihistamine": True,
    "premed_h2_blocker": False,
    "premed_other": "Ondansetron 8 mg IV",
}
INFUSION = {"infusion_start": dt.time(10, 0), "infusion_stop": dt.time(11, 5)}
SELECTS = ("premed_dexamethasone", "premed_antihistamine", "premed_h2_blocker")


def form_doc(client, patient, code: str):
    page = client.get(reverse("dosing:paclitaxel", args=[patient.pk, code]))
    assert page.status_code == 200
    return lxml.html.fromstring(page.content.decode())


def selected(doc, name: str) -> list[str]:
    return [o.get("value") for o in doc.xpath(f"//select[@name='{name}']/option[@selected]")]


def casebook_status(client, patient, code: str) -> str:
    page = client.get(reverse("patients:detail", args=[patient.pk]))
    doc = lxml.html.fromstring(page.content.decode())
    (span,) = doc.xpath(
        f"//table[contains(@class, 'timeline')]//tr[@data-code='{code}']"
        "//span[contains(concat(' ', @class, ' '), ' fs ')]"
    )
    return span.text_content().strip()


def test_a_new_dose_form_pre_answers_no_premedication_even_after_a_dose_that_had_it(
    on_treatment, give_paclitaxel, investigator, web
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1", **PREMEDICATION, **INFUSION)
    doc = form_doc(web(investigator), patient, "PAC-C1D8")
    for name in SELECTS:
        assert selected(doc, name) == [""], name
        labels = [o.text_content() for o in doc.xpath(f"//select[@name='{name}']/option")]
        assert labels == ["— not answered yet", "Given", "Not given"]
    assert doc.xpath("string(//input[@name='premed_other']/@value)") == ""


def test_the_browser_records_the_premedication_with_the_dose(on_treatment, investigator, web):
    patient = on_treatment()
    client = web(investigator)
    event = patient.calendar.get(code="PAC-C1D1")
    data = {k: str(v) for k, v in paclitaxel_data(event.planned_date, **INFUSION).items()} | {
        "premed_dexamethasone": "True",
        "premed_antihistamine": "True",
        "premed_h2_blocker": "False",
        "premed_other": "Ondansetron 8 mg IV",
    }
    url = reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D1"])
    assert client.post(url, data).status_code == 302
    dose = PaclitaxelAdministration.objects.get(patient=patient)
    assert (
        dose.premed_dexamethasone,
        dose.premed_antihistamine,
        dose.premed_h2_blocker,
        dose.premed_other,
    ) == (True, True, False, "Ondansetron 8 mg IV")
    doc = form_doc(client, patient, "PAC-C1D1")  # the correction form shows what was stated
    assert selected(doc, "premed_h2_blocker") == ["False"]
    assert selected(doc, "premed_dexamethasone") == ["True"]


def test_a_given_dose_is_in_progress_until_its_premedication_is_stated_and_the_change_audited(
    on_treatment, give_paclitaxel, investigator, web
):
    patient = on_treatment()
    dose = give_paclitaxel(patient, "PAC-C1D1", **INFUSION)
    assert dose.premed_dexamethasone is None  # not answered: never assumed
    client = web(investigator)
    assert casebook_status(client, patient, "PAC-C1D1") == "in progress"
    dose = services.paclitaxel_update(
        user=investigator,
        record=dose,
        data=PREMEDICATION,
        reason="Premedication from the nursing chart",
        expected_version=dose.version,
    )
    assert casebook_status(client, patient, "PAC-C1D1") == "complete"
    latest = dose.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Premedication from the nursing chart"
    assert latest.premed_h2_blocker is False and latest.prev_record.premed_h2_blocker is None


def test_a_held_dose_needs_no_premedication(on_treatment, give_paclitaxel, investigator, web):
    patient = on_treatment()
    give_paclitaxel(
        patient,
        "PAC-C1D1",
        status="held",
        actual_dose_mg=None,
        status_reason="ANC 0.9 on the day",
    )
    assert casebook_status(web(investigator), patient, "PAC-C1D1") == "complete"


def test_the_api_reads_and_writes_the_premedication(on_treatment, investigator, api):
    patient = on_treatment()
    event = patient.calendar.get(code="PAC-C1D1")
    body = {
        "patient": patient.pk,
        "event_code": "PAC-C1D1",
        **{k: str(v) for k, v in paclitaxel_data(event.planned_date).items()},
        "premed_dexamethasone": True,
        "premed_antihistamine": False,
        "premed_h2_blocker": None,
    }
    client = api(investigator)
    response = client.post("/api/v1/paclitaxel/", body, format="json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["premed_dexamethasone"], out["premed_antihistamine"]) == (True, False)
    assert out["premed_h2_blocker"] is None
    fixed = client.patch(
        f"/api/v1/paclitaxel/{out['id']}/",
        {"version": out["version"], "reason": "Chart checked", "premed_h2_blocker": True},
        format="json",
    )
    assert fixed.status_code == 200 and fixed.json()["premed_h2_blocker"] is True
    assert fixed.json()["premed_dexamethasone"] is True  # the other answers kept
