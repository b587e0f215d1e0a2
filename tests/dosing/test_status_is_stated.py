"""Whether a dose was given is a clinical fact the user states: nothing pre-selects it."""

import datetime as dt
import re

from django.urls import reverse

from dosing.models import Imp321Injection, PaclitaxelAdministration

from ..factories import paclitaxel_data


def status_select(html: str) -> str:
    return re.search(r'<select name="status".*?</select>', html, re.S).group(0)


def test_new_dose_forms_open_with_the_status_blank_and_required(
    on_treatment, give_paclitaxel, investigator, web
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    client = web(investigator)
    for url in (
        reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D8"]),
        reverse("dosing:imp321", args=[patient.pk, "IMP-C1D2"]),
    ):
        select = status_select(client.get(url).content.decode())
        options = re.findall(r"<option[^>]*>", select)
        assert options[0] == '<option value="" selected>', url
        assert sum("selected" in o for o in options) == 1, url
        assert "required" in select.split(">", 1)[0], url


def test_a_dose_posted_without_its_status_is_refused_not_saved_as_given(
    on_treatment, give_paclitaxel, investigator, web
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    event = patient.calendar.get(code="PAC-C1D8")
    data = {k: str(v) for k, v in paclitaxel_data(event.planned_date).items() if k != "status"}
    client = web(investigator)
    page = client.post(reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D8"]), data)
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    assert not PaclitaxelAdministration.objects.filter(event=event).exists()


def test_the_api_refuses_an_injection_without_its_status(
    on_treatment, give_paclitaxel, investigator, api
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    body = {
        "patient": patient.pk,
        "event_code": "IMP-C1D2",
        "injected_at": dt.datetime.combine(
            patient.c1d1_date + dt.timedelta(days=1), dt.time(10)
        ).isoformat(),
        "dose_mg": "0.25",
        "local_reaction": "none",
    }
    client = api(investigator)
    response = client.post("/api/v1/imp321/", body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["status"]
    assert not Imp321Injection.objects.exists()
    response = client.post("/api/v1/imp321/", body | {"status": "given"}, format="json")
    assert response.status_code == 201, response.json()
    assert Imp321Injection.objects.get().status == "given"
