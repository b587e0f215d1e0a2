"""Who may do what in the monitor workspace: the role × action matrix, pages and API alike."""

import pytest
from django.urls import reverse

from edc.monitoring import services
from edc.monitoring.constants import SIGNATURE_MEANINGS
from edc.monitoring.records import record_ref

from .conftest import PASSWORD, record_path

ROLES = ["investigator", "coordinator", "monitor", "statistician", "data_manager"]

ALLOWED = {
    "raise_query": {"monitor", "data_manager"},
    "answer_query": {"investigator", "coordinator"},
    "close_query": {"monitor", "data_manager"},
    "mark_sdv": {"monitor"},
    "sign": {"investigator"},
    "lock": {"data_manager"},
    "view_audit": set(ROLES),
}


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


def _attempt(action: str, user, patient, monitor, client):
    query = services.query_raise(
        user=monitor, record=record_ref(patient), field="sex", question="Confirm?"
    )
    if action == "raise_query":
        body = {"form": "patients.patient", "object_id": patient.pk, "question": "?"}
        return client.post("/api/v1/queries/", body, format="json")
    if action == "answer_query":
        return client.post(f"/api/v1/queries/{query.pk}/answer/", {"text": "Ok"}, format="json")
    if action == "close_query":
        return client.post(f"/api/v1/queries/{query.pk}/close/", {}, format="json")
    if action == "mark_sdv":
        body = {"form": "patients.patient", "object_id": patient.pk}
        return client.post("/api/v1/sdv-marks/", body, format="json")
    if action == "sign":
        body = {
            "patient": patient.pk,
            "meaning": SIGNATURE_MEANINGS[0],
            "username": user.username,
            "password": PASSWORD,
        }
        return client.post("/api/v1/signatures/", body, format="json")
    if action == "lock":
        body = {"scope": "patient", "patient": patient.pk, "reason": "Interim"}
        return client.post("/api/v1/locks/", body, format="json")
    return client.get("/api/v1/audit-entries/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_role_action_matrix(role, action, users, patient, api):
    response = _attempt(action, users[role], patient, users["monitor"], api(users[role]))
    if role in ALLOWED[action]:
        assert response.status_code in (200, 201), response.json()
    else:
        assert response.status_code == 403, response.content


PAGES = [
    "monitoring:home",
    "monitoring:audit",
    "monitoring:queries",
    "monitoring:sdv",
    "monitoring:locks",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_workspace_pages_of_its_sites(role, users, patient, web):
    client = web(users[role])
    for page in PAGES:
        assert client.get(reverse(page)).status_code == 200, page
    assert client.get(record_path(patient)).status_code == 200
    assert client.get(reverse("monitoring:patient", args=[patient.pk])).status_code == 200
    assert client.get(reverse("monitoring:signatures", args=[patient.pk])).status_code == 200


@pytest.mark.parametrize("role", ["investigator", "coordinator", "monitor"])
def test_another_sites_records_and_patients_are_404s(role, users, other_patient, web, api):
    client = web(users[role])
    assert client.get(record_path(other_patient)).status_code == 404
    assert client.get(reverse("monitoring:patient", args=[other_patient.pk])).status_code == 404
    assert client.get(reverse("monitoring:signatures", args=[other_patient.pk])).status_code == 404
    body = {"form": "patients.patient", "object_id": other_patient.pk, "question": "?"}
    assert api(users[role]).post("/api/v1/queries/", body, format="json").status_code in (403, 404)


def test_record_page_offers_each_role_only_its_actions(users, patient, web):
    def page(role):
        return web(users[role]).get(record_path(patient)).content.decode()

    assert "Raise query" in page("monitor") and "Mark verified" in page("monitor")
    assert "Lock this record" in page("data_manager") and "Mark verified" not in page(
        "data_manager"
    )
    coordinator = page("coordinator")
    assert "Raise query" not in coordinator and "Mark verified" not in coordinator
    statistician = page("statistician")
    assert "(withheld)" in statistician and "Raise query" not in statistician
