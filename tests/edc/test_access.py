"""Who sees and does what: the role × page/endpoint matrix, site scoping with 404s."""

import datetime as dt

import pytest
from django.urls import reverse

from edc.access.constants import Role
from edc.access.roles import ROLE_PERMISSIONS, group_name
from edc.access.services import roles_sync

TODAY = dt.date.today()
ROLES = ["investigator", "coordinator", "monitor", "statistician", "data_manager"]


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


def test_sync_roles_gives_each_group_exactly_the_table(db):
    from django.contrib.auth.models import Group

    roles_sync()
    roles_sync()  # idempotent
    monitor = Group.objects.get(name=group_name(Role.MONITOR))
    codenames = set(monitor.permissions.values_list("codename", flat=True))
    assert "view_patient" in codenames and "change_patient" not in codenames
    investigator = Group.objects.get(name=group_name(Role.INVESTIGATOR))
    assert "change_patient" in set(investigator.permissions.values_list("codename", flat=True))
    assert set(ROLE_PERMISSIONS) == set(Role)


PAGES = ["home", "patients:list", "patients:cohorts"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_role_can_open_the_read_pages(role, page, users, web):
    assert web(users[role]).get(reverse(page)).status_code == 200


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get("/api/v1/patients/").status_code in (401, 403)


def test_a_user_without_a_trial_role_is_refused(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("patients:list")).status_code == 403


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("investigator", 200),
        ("coordinator", 200),
        ("monitor", 403),
        ("statistician", 403),
        ("data_manager", 403),
    ],
)
def test_only_site_staff_open_data_entry_pages(role, expected, users, web, screened):
    patient = screened()
    assert web(users[role]).get(reverse("patients:screen")).status_code == expected
    url = reverse("patients:consent", args=[patient.pk])
    assert web(users[role]).get(url).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_patient_page_visible_to_roles_of_its_site(role, users, web, screened):
    patient = screened()
    assert web(users[role]).get(reverse("patients:detail", args=[patient.pk])).status_code == 200


def test_another_sites_patient_is_404_in_pages_and_api(screened, other_investigator, web, api):
    patient = screened()
    for name in ("patients:detail", "patients:edit", "patients:consent", "patients:enrol"):
        assert web(other_investigator).get(reverse(name, args=[patient.pk])).status_code == 404
    client = api(other_investigator)
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 404
    assert client.post(f"/api/v1/patients/{patient.pk}/enrol/", {}).status_code == 404
    assert client.get("/api/v1/patients/").json()["results"] == []


def test_monitor_sees_only_assigned_sites(screened, other_site, monitor, api, other_investigator):
    mine = screened()
    screened(site=other_site, user=other_investigator, number="LYON1")
    ids = [p["id"] for p in api(monitor).get("/api/v1/patients/").json()["results"]]
    assert ids == [mine.pk]


def test_statistician_reads_every_site_deidentified_and_cannot_write(
    screened, other_site, other_investigator, statistician, api
):
    screened()
    screened(site=other_site, user=other_investigator, number="LYON1")
    client = api(statistician)
    rows = client.get("/api/v1/patients/").json()["results"]
    assert len(rows) == 2
    assert all("screening_number" not in r and "year_of_birth" not in r for r in rows)
    screening_year = (TODAY - dt.timedelta(days=20)).year
    assert [r["age_at_screening"] for r in rows] == [screening_year - 1970] * 2
    response = client.post("/api/v1/patients/", {"site": "FR01"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("investigator", 201),
        ("coordinator", 201),
        ("monitor", 403),
        ("statistician", 403),
        ("data_manager", 403),
    ],
)
def test_api_screening_is_for_site_staff_only(role, expected, users, api, site):
    payload = {
        "site": "FR01",
        "screening_number": f"API-{role}",
        "screening_date": str(TODAY),
        "year_of_birth": 1970,
        "sex": "F",
    }
    assert api(users[role]).post("/api/v1/patients/", payload).status_code == expected


def test_site_staff_cannot_screen_into_a_site_they_do_not_belong_to(api, investigator, other_site):
    payload = {
        "site": "FR02",
        "screening_number": "X1",
        "screening_date": str(TODAY),
        "year_of_birth": 1970,
        "sex": "F",
    }
    response = api(investigator).post("/api/v1/patients/", payload)
    assert response.status_code == 400 and "site" in response.json()


def test_only_data_managers_open_cohorts(web, investigator, data_manager, cohorts):
    url = reverse("patients:cohorts")
    payload = {"code": "B", "reason": "Safety review"}
    assert web(investigator).post(url, payload).status_code == 403
    assert web(data_manager).post(url, payload).status_code == 302


def test_api_docs_and_schema_are_served_without_any_cdn(investigator, web):
    client = web(investigator)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/patients/" in schema.content
