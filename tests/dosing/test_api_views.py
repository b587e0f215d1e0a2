"""Dosing in the browser and the API: same rules, site scoping, constant query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dosing.models import PaclitaxelAdministration

from ..factories import paclitaxel_data as given


def payload(patient, code="PAC-C1D1", **overrides):
    event = patient.calendar.get(code=code)
    data = given(event.planned_date, **overrides)
    return {
        "patient": patient.pk,
        "event_code": code,
        **{k: (str(v) if v is not None else None) for k, v in data.items()},
    }


def test_investigator_records_a_dose_through_the_api(on_treatment, investigator, api):
    patient = on_treatment()
    response = api(investigator).post("/api/v1/paclitaxel/", payload(patient), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["bsa_m2"], body["planned_dose_mg"]) == ("1.82", "145.6")


def test_api_refuses_an_impossible_weight_with_a_field_message(on_treatment, investigator, api):
    patient = on_treatment()
    response = api(investigator).post(
        "/api/v1/paclitaxel/", payload(patient, weight_kg=Decimal("300")), format="json"
    )
    assert response.status_code == 400
    assert "between 30 and 250" in response.json()["weight_kg"][0]
    assert not PaclitaxelAdministration.objects.exists()


def test_api_edit_needs_version_and_reason_and_refuses_stale(
    on_treatment, investigator, api, give_paclitaxel
):
    patient = on_treatment()
    dose = give_paclitaxel(patient, "PAC-C1D1")
    client = api(investigator)
    url = f"/api/v1/paclitaxel/{dose.pk}/"
    assert (
        client.patch(
            url, {"version": 1, "reason": "", "weight_kg": "71"}, format="json"
        ).status_code
        == 400
    )
    ok = client.patch(url, {"version": 1, "reason": "Re-weighed", "weight_kg": "71"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        url, {"version": 1, "reason": "Late edit", "weight_kg": "69"}, format="json"
    )
    assert stale.status_code == 409
    assert "weight_kg" in [c["field"] for c in stale.json()["changed_meanwhile"]]


@pytest.mark.parametrize("role", ["monitor", "statistician", "data_manager"])
def test_read_only_roles_cannot_record_doses(role, on_treatment, api, request):
    user = request.getfixturevalue(role)
    patient = on_treatment()
    assert api(user).post("/api/v1/paclitaxel/", payload(patient), format="json").status_code == 403


def test_other_sites_patient_is_404_for_dosing(on_treatment, other_investigator, api, web):
    patient = on_treatment()
    response = api(other_investigator).post("/api/v1/paclitaxel/", payload(patient), format="json")
    assert response.status_code == 404
    url = reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D1"])
    assert web(other_investigator).get(url).status_code == 404


def test_dose_page_saves_without_javascript_and_shows_errors(on_treatment, investigator, web):
    patient = on_treatment()
    client = web(investigator)
    url = reverse("dosing:paclitaxel", args=[patient.pk, "PAC-C1D1"])
    page = client.get(url)
    assert page.status_code == 200 and b"Planned dose" in page.content
    data = {k: v for k, v in payload(patient).items() if v is not None}
    bad = client.post(url, data | {"weight_kg": "25"})
    assert bad.status_code == 200 and "between 30 and 250" in bad.content.decode()
    good = client.post(url, data)
    assert good.status_code == 302
    edit = client.get(url)
    assert b"Reason for change" in edit.content


def test_preview_endpoint_computes_bsa_and_planned_dose(on_treatment, investigator, web):
    patient = on_treatment()
    url = reverse("dosing:paclitaxel_preview", args=[patient.pk, "PAC-C1D1"])
    data = (
        web(investigator)
        .get(url, {"height": "160", "weight": "60", "level": "80", "date": str(patient.c1d1_date)})
        .json()
    )
    assert data["bsa_m2"] == "1.63" and data["planned_dose_mg"] == "130.4"
    assert data["hold_required"] is None  # no haematology recorded


def test_dose_lists_cost_a_constant_number_of_queries(
    on_treatment,
    give_paclitaxel,
    investigator,
    api,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    client = api(investigator)
    first = on_treatment()
    give_paclitaxel(first, "PAC-C1D1")
    client.get("/api/v1/paclitaxel/")
    with django_assert_max_num_queries(5) as small:
        client.get("/api/v1/paclitaxel/")
    with django_assert_max_num_queries(6) as small_exposure:
        client.get("/api/v1/exposure/")
    for n in range(3):
        patient = on_treatment(days=40 + n)
        for code in ("PAC-C1D1", "PAC-C1D8"):
            give_paclitaxel(patient, code)
    with django_assert_num_queries(len(small.captured_queries)):
        rows = client.get("/api/v1/paclitaxel/").json()["results"]
    assert len(rows) == 7
    with django_assert_num_queries(len(small_exposure.captured_queries)):
        exposure = client.get("/api/v1/exposure/").json()["results"]
    assert {r["doses_given"] for r in exposure} == {1, 2}


def test_exposure_page_shows_cumulative_dose(on_treatment, give_paclitaxel, monitor, web):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    page = web(monitor).get(reverse("dosing:exposure", args=[patient.pk]))
    assert page.status_code == 200 and b"145.6" in page.content
    assert dt.date.today()
