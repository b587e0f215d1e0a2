"""Each role's home page: what needs doing at their sites, in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from edc import protocol
from edc.dashboard.selectors import week_end
from edc.deviations.models import Deviation
from edc.monitoring import services as monitoring
from edc.monitoring.constants import LockScope
from edc.monitoring.records import record_ref
from patients.selectors import patient_timeline

HOME = "/"


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


def deviation(patient, rule: str = "missed_visit", key: str = "PAC-C1D1") -> Deviation:
    return Deviation.objects.create(
        patient=patient,
        rule=rule,
        severity=protocol.DEVIATION_SEVERITY[rule],
        subject_key=key,
        summary=f"{rule} {key}",
        detected_at=timezone.now(),
    )


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def home(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_site_staff_see_their_patients_next_event_and_the_visits_to_do(
    investigator, web, enrolled, other_site, other_investigator
):
    due_today = enrolled(c1d1_days_ago=7)  # PAC-C1D8 planned today
    overdue = enrolled(c1d1_days_ago=8)  # PAC-C1D8 planned yesterday, window open until today
    elsewhere = enrolled(c1d1_days_ago=7, site=other_site, user=other_investigator)
    html = home(web(investigator))

    assert 'href="/patients/new/"' in html  # "Screen a new patient"
    patients = section(html, "h-next")
    assert due_today.subject_id in patients and overdue.subject_id in patients
    assert elsewhere.subject_id not in html
    # The next event is the one the patient's own timeline names.
    for patient in (due_today, overdue):
        _, nxt, _ = patient_timeline(patient=patient, today=timezone.localdate())
        row = patients[patients.index(patient.subject_id) :].split("</tr>")[0]
        assert nxt.label in row
    assert "overdue" in patients[patients.index(overdue.subject_id) :].split("</tr>")[0]

    week = section(html, "h-week")
    assert due_today.subject_id in week and "Paclitaxel C1D8" in week
    overdue_section = section(html, "h-overdue")
    assert overdue.subject_id in overdue_section and "Paclitaxel C1D8" in overdue_section
    assert due_today.subject_id not in overdue_section
    missed = section(html, "h-missed")
    assert "Paclitaxel C1D1" in missed  # C1D1 window closed without a dose recorded
    assert due_today.subject_id in missed and overdue.subject_id in missed


def test_the_patients_table_shows_the_first_next_events_and_says_how_many_more_there_are(
    investigator, web, enrolled, monkeypatch
):
    """At thousands of patients the home page keeps its size: the patients whose next event
    comes first (by planned date), then how many are left and where to find them."""
    from edc.dashboard import selectors as dashboard_selectors

    later = enrolled(c1d1_days_ago=20)  # next: C2D1, in 8 days
    first = enrolled(c1d1_days_ago=8)  # PAC-C1D8 planned yesterday
    middle = enrolled(c1d1_days_ago=7)  # PAC-C1D8 planned today
    listed = dashboard_selectors.patients_with_next_event(
        user=investigator, today=timezone.localdate(), limit=2
    )
    assert [r.patient for r in listed.rows] == [first, middle]
    assert (listed.total, listed.more) == (3, 1)

    monkeypatch.setattr(dashboard_selectors, "NEXT_EVENT_ROWS", 2)
    patients = section(home(web(investigator)), "h-next")
    assert first.subject_id in patients and middle.subject_id in patients
    assert later.subject_id not in patients
    assert "1 more not shown" in patients and 'href="/patients/"' in patients


def test_site_staff_see_queries_and_deviations_to_answer(
    investigator, monitor, web, enrolled, other_site, other_investigator
):
    patient = enrolled(c1d1_days_ago=7)
    elsewhere = enrolled(c1d1_days_ago=7, site=other_site, user=other_investigator)
    monitoring.query_raise(
        user=monitor, record=record_ref(patient), field="", question="Consent date?"
    )
    deviation(patient)
    deviation(patient, key="IMP-C1D2")
    deviation(elsewhere)
    answer = section(home(web(investigator)), "h-answer")
    assert f'<a href="{reverse("monitoring:queries")}?status=open">1 open data query</a>' in answer
    assert f'<a href="{reverse("deviations:list")}?status=open">2 new deviations</a>' in answer


def test_monitor_sees_the_sites_queue_sdv_queries_new_deviations_and_recent_changes(
    monitor, web, enrolled, other_site, other_investigator
):
    patient = enrolled(c1d1_days_ago=7)
    elsewhere = enrolled(c1d1_days_ago=7, site=other_site, user=other_investigator)
    monitoring.sdv_mark(user=monitor, record=record_ref(patient))
    monitoring.query_raise(user=monitor, record=record_ref(patient), field="", question="Why?")
    mine = deviation(patient)
    theirs = deviation(elsewhere)
    html = home(web(monitor))

    assert 'href="/patients/new/"' not in html
    sdv = section(html, "h-sdv")
    assert "FR01" in sdv and "FR02" not in sdv
    row = sdv[sdv.index("FR01") :].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    forms, verified, to_verify = (int(c) for c in cells[:3])
    assert verified == 1 and to_verify == forms - 1 > 0
    assert "forms not yet verified" in html
    queries = section(html, "h-queries")
    assert "FR01" in queries
    deviations = section(html, "h-deviations")
    assert reverse("deviations:detail", args=[mine.pk]) in deviations
    assert reverse("deviations:detail", args=[theirs.pk]) not in deviations
    changes = section(html, "h-changes")
    assert patient.subject_id in changes and elsewhere.subject_id not in changes
    assert reverse("monitoring:audit") in changes


def test_statistician_is_sent_to_the_exports_and_the_dashboard(statistician, web, enrolled):
    enrolled()
    html = home(web(statistician))
    analysis = section(html, "h-analysis")
    assert reverse("exports:index") == "/exports/"
    assert 'href="/exports/"' in analysis
    assert f'href="{reverse("dashboard:index")}"' in analysis
    assert 'href="/patients/new/"' not in html
    assert "1 / 10" in section(html, "h-cohorts")


def test_data_manager_sees_trial_status_cohort_enrolment_and_locks(data_manager, web, enrolled):
    patient = enrolled()
    client = web(data_manager)
    html = home(client)
    assert "The database is open for data entry." in html
    cohorts = section(html, "h-cohorts")
    first = protocol.COHORTS[0]
    row = cohorts[cohorts.index(first.label) :].split("</tr>")[0]
    assert f"1 / {first.capacity}" in row and "open" in row
    monitoring.lock_create(
        user=data_manager, scope=LockScope.PATIENT, patient=patient, reason="Casebook complete"
    )
    monitoring.lock_create(user=data_manager, scope=LockScope.DATABASE, reason="Final analysis")
    html = home(client)
    assert "The database is locked." in html
    locks = section(html, "h-locks")
    assert "2 active locks: 1 database, 1 casebook, 0 forms." in locks
    assert "Casebook complete" in locks and "Final analysis" in locks


def _queries(client) -> int:
    client.get(HOME)  # warm the per-process caches (content types) first
    with CaptureQueriesContext(connection) as captured:
        client.get(HOME)
    return len(captured)


@pytest.mark.parametrize(
    "role", ["investigator", "coordinator", "monitor", "statistician", "data_manager"]
)
def test_every_home_page_costs_the_same_queries_whatever_the_data(
    role, users, web, enrolled, monitor, data_manager, django_assert_num_queries
):
    def add_patient(days_ago: int):
        patient = enrolled(c1d1_days_ago=days_ago)
        deviation(patient)
        monitoring.query_raise(user=monitor, record=record_ref(patient), field="", question="?")
        monitoring.sdv_mark(user=monitor, record=record_ref(patient))
        monitoring.lock_create(
            user=data_manager, scope=LockScope.PATIENT, patient=patient, reason="Done"
        )

    client = web(users[role])
    add_patient(7)
    expected = _queries(client)
    for days_ago in (8, 20, 40, 60):
        add_patient(days_ago)
    with django_assert_num_queries(expected):
        response = client.get(HOME)
    assert response.status_code == 200


def test_due_this_week_ends_on_sunday():
    monday = dt.date(2026, 11, 23)
    assert week_end(monday) == dt.date(2026, 11, 29)
    assert week_end(dt.date(2026, 11, 29)) == dt.date(2026, 11, 29)
