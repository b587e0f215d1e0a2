"""The site-risk page, its drill-down, actions and API: scoped to the user's sites, constant in
queries whatever the number of patients, and every action audited."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edc.audit.models import AuditEntry
from edc.risk import tasks
from edc.risk.models import MonitoringVisit, RiskRun, SiteNote, SiteRisk
from edc.risk.services import risk_refresh


@pytest.fixture
def trial(enrolled, vitals, other_site, other_investigator):
    """Patients at FR01 and FR02 with late and timely vital signs; returns a grower."""
    today = timezone.localdate()

    def grow(n: int):
        for _ in range(n):
            for kwargs in ({}, {"site": other_site, "user": other_investigator}):
                p = enrolled(c1d1_days_ago=40, **kwargs)
                user = kwargs.get("user")
                extra = {"user": user} if user else {}
                vitals(
                    p,
                    on=today - dt.timedelta(days=30),
                    saved=today - dt.timedelta(days=18),
                    **extra,
                )
                vitals(
                    p,
                    on=today - dt.timedelta(days=20),
                    saved=today - dt.timedelta(days=20),
                    **extra,
                )
        risk_refresh()

    return grow


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    return status, len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/risk/",
        "/risk/sites/FR01/",
        "/risk/sites/FR01/?indicator=late_entry_pct",
        "/api/v1/site-risk/",
    ],
)
def test_pages_cost_the_same_queries_with_more_patients(trial, monitor, client, url):
    client.force_login(monitor)
    trial(1)
    small = _count(client, url)
    trial(3)
    large = _count(client, url)
    assert small[0] == large[0] == 200
    assert small[1] == large[1]


def test_monitor_sees_own_sites_only_and_others_pooled_never_named(trial, monitor, client):
    trial(1)
    client.force_login(monitor)
    page = client.get("/risk/").content.decode()
    assert "FR01" in page and "FR02" not in page
    assert "fewer than 2 other sites" in page
    assert client.get("/risk/sites/FR02/").status_code == 404


def test_data_manager_sees_every_site(trial, data_manager, client):
    trial(1)
    client.force_login(data_manager)
    page = client.get("/risk/").content.decode()
    assert "FR01" in page and "FR02" in page
    assert client.get("/risk/sites/FR02/").status_code == 200


def test_site_staff_and_statisticians_are_refused(investigator, statistician, client, db):
    for user in (investigator, statistician):
        client.force_login(user)
        assert client.get("/risk/").status_code == 403


def test_drill_down_lists_the_patients_and_late_records_with_a_query_link(trial, monitor, client):
    trial(1)
    client.force_login(monitor)
    page = client.get("/risk/sites/FR01/?indicator=late_entry_pct").content.decode()
    assert "1 of 2 records late" in page
    assert "12 days later" in page
    assert "Raise a query" in page


def test_refresh_is_idempotent_one_run_per_day(trial, monitor, client):
    trial(1)
    client.force_login(monitor)
    assert client.post("/risk/").status_code == 302
    assert client.post("/risk/").status_code == 302
    tasks.refresh()
    assert RiskRun.objects.count() == 1
    assert SiteRisk.objects.count() == 2
    row = SiteRisk.objects.get(site__code="FR01")
    assert row.values["late_entry_pct"] == 50.0
    assert row.levels["late_entry_pct"] == "act"


def test_note_is_audited_and_an_empty_note_saves_nothing(trial, monitor, client):
    trial(1)
    client.force_login(monitor)
    response = client.post("/risk/sites/FR01/", {"note-what": "note", "note-text": ""})
    assert "Write the note." in response.content.decode()
    assert not SiteNote.objects.exists()
    response = client.post(
        "/risk/sites/FR01/",
        {
            "note-what": "note",
            "note-text": "Late entry discussed.",
            "note-indicator": "late_entry_pct",
        },
    )
    assert response.status_code == 302
    note = SiteNote.objects.get()
    assert note.indicator == "Late entries"
    entry = AuditEntry.objects.get(model_label="risk.sitenote", object_id=note.pk)
    assert entry.user == monitor and "FR01" in entry.reason
    assert "Late entry discussed." in client.get("/risk/sites/FR01/").content.decode()


def test_visit_is_scheduled_audited_and_not_in_the_past(trial, monitor, client):
    trial(1)
    client.force_login(monitor)
    past = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d %b %Y")
    data = {"visit-what": "visit", "visit-kind": "on_site", "visit-purpose": "SDV of late data"}
    response = client.post("/risk/sites/FR01/", {**data, "visit-planned_on": past})
    assert "A visit is scheduled for today or later." in response.content.decode()
    soon = (timezone.localdate() + dt.timedelta(days=7)).strftime("%d %b %Y")
    assert client.post("/risk/sites/FR01/", {**data, "visit-planned_on": soon}).status_code == 302
    visit = MonitoringVisit.objects.get()
    assert visit.monitor == monitor
    assert AuditEntry.objects.filter(model_label="risk.monitoringvisit", user=monitor).exists()


def test_api_lists_the_callers_sites_read_only(trial, monitor, data_manager, statistician, api):
    trial(1)
    rows = api(monitor).get("/api/v1/site-risk/").json()["results"]
    assert [r["site"] for r in rows] == ["FR01"]
    late = next(i for i in rows[0]["indicators"] if i["code"] == "late_entry_pct")
    assert late["value"] == 50.0 and late["level"] == "act"
    assert len(api(data_manager).get("/api/v1/site-risk/").json()["results"]) == 2
    assert api(statistician).get("/api/v1/site-risk/").status_code == 403
    assert api(monitor).post("/api/v1/site-risk/", {}).status_code in (403, 405)
