"""Each patient's calendar: generated at enrolment, shifted by delays, cancelled at end."""

import datetime as dt

import pytest
from django.urls import reverse

from edc import protocol
from patients import calendar, services
from patients.constants import EndReason
from patients.models import CalendarEvent
from patients.schedule import EventStatus
from patients.selectors import patient_timeline

TODAY = dt.date.today()


def codes(patient, kind):
    return list(
        patient.calendar.filter(kind=kind).order_by("planned_date").values_list("code", flat=True)
    )


def test_enrolment_generates_every_planned_event(enrolled):
    patient = enrolled(c1d1_days_ago=3)
    assert patient.calendar.count() == len(protocol.PLANNED_EVENTS)
    assert len(codes(patient, protocol.PACLITAXEL)) == 18
    assert len(codes(patient, protocol.IMP321)) == 12
    inj6 = patient.calendar.get(kind=protocol.IMP321, sequence=6)
    assert inj6.code == "IMP-C3D16"
    assert (inj6.planned_date - patient.c1d1_date).days + 1 == 72
    draw6 = patient.calendar.get(code="IMM-INJ6")
    assert (draw6.planned_date - patient.c1d1_date).days + 1 == 85
    assert draw6.planned_date == patient.calendar.get(code="PAC-C4D1").planned_date
    draw12 = patient.calendar.get(code="IMM-INJ12")
    assert (draw12.planned_date - patient.c1d1_date).days + 1 == 169


def test_regeneration_is_idempotent(enrolled, investigator):
    patient = enrolled()
    before = list(patient.calendar.values_list("code", "planned_date", "version"))
    calendar.calendar_generate(patient=patient, user=investigator)
    calendar.calendar_generate(patient=patient, user=investigator)
    assert list(patient.calendar.values_list("code", "planned_date", "version")) == before


def test_a_delayed_cycle_day1_shifts_that_cycle_and_all_later_ones(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=60)
    c2d1 = patient.calendar.get(code="PAC-C2D1")
    c1d15 = patient.calendar.get(code="PAC-C1D15").planned_date
    c3d1 = patient.calendar.get(code="PAC-C3D1").planned_date
    calendar.calendar_record_actual(
        patient=patient,
        code="PAC-C2D1",
        actual_date=c2d1.planned_date + dt.timedelta(days=5),
        user=investigator,
    )
    assert patient.calendar.get(code="PAC-C2D8").planned_date == (
        c2d1.planned_date + dt.timedelta(days=12)
    )
    assert patient.calendar.get(code="PAC-C3D1").planned_date == c3d1 + dt.timedelta(days=5)
    assert patient.calendar.get(code="PAC-C1D15").planned_date == c1d15
    # The delayed D1 itself is judged against its own planned date: +5 is inside -1/+7.
    status = {r.event.code: r.status for r in patient_timeline(patient=patient)[0]}
    assert status["PAC-C2D1"] == EventStatus.DONE


def test_regeneration_never_moves_an_event_that_has_data(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=60)
    c2d8 = patient.calendar.get(code="PAC-C2D8")
    calendar.calendar_record_actual(
        patient=patient, code="PAC-C2D8", actual_date=c2d8.planned_date, user=investigator
    )
    calendar.calendar_record_actual(
        patient=patient,
        code="PAC-C2D1",
        actual_date=patient.calendar.get(code="PAC-C2D1").planned_date + dt.timedelta(days=3),
        user=investigator,
    )
    assert patient.calendar.get(code="PAC-C2D8").planned_date == c2d8.planned_date


def test_imp321_and_immune_draw_follow_the_actual_dates(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=100)
    c3d15 = patient.calendar.get(code="PAC-C3D15")
    actual = c3d15.planned_date + dt.timedelta(days=1)
    calendar.calendar_record_actual(
        patient=patient, code="PAC-C3D15", actual_date=actual, user=investigator
    )
    injection = patient.calendar.get(code="IMP-C3D16")
    assert injection.planned_date == actual + dt.timedelta(days=1)
    calendar.calendar_record_actual(
        patient=patient,
        code="IMP-C3D16",
        actual_date=injection.planned_date + dt.timedelta(days=1),
        user=investigator,
    )
    draw = patient.calendar.get(code="IMM-INJ6")
    assert draw.planned_date == injection.planned_date + dt.timedelta(days=14)
    assert (draw.earliest, draw.latest) == (
        draw.planned_date - dt.timedelta(days=2),
        draw.planned_date + dt.timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (5, EventStatus.UPCOMING),
        (6, EventStatus.DUE),
        (8, EventStatus.DUE),
        (9, EventStatus.MISSED),
    ],
)
def test_d8_window_edges_upcoming_due_missed(enrolled, days_ago, expected):
    # C1D1 ``days_ago`` days ago: today is study day days_ago + 1; D8's window is days 7-9.
    patient = enrolled(c1d1_days_ago=days_ago)
    rows = {r.event.code: r for r in patient_timeline(patient=patient)[0]}
    assert rows["PAC-C1D8"].status == expected


def test_statuses_missed_and_not_done(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=9)
    rows = {r.event.code: r for r in patient_timeline(patient=patient)[0]}
    assert rows["PAC-C1D1"].status == EventStatus.MISSED  # no data, window closed
    calendar.calendar_mark_not_done(
        event=patient.calendar.get(code="PAC-C1D1"),
        reason="Patient hospitalised",
        user=investigator,
    )
    rows = {r.event.code: r for r in patient_timeline(patient=patient)[0]}
    assert rows["PAC-C1D1"].status == EventStatus.NOT_DONE


def test_end_of_treatment_cancels_remaining_events_with_the_reason(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=40)
    patient = services.patient_end_treatment(
        user=investigator,
        patient=patient,
        end_date=TODAY - dt.timedelta(days=1),
        reason_code=EndReason.PROGRESSION,
    )
    later = patient.calendar.filter(planned_date__gt=TODAY - dt.timedelta(days=1))
    assert later.exists()
    assert set(later.values_list("cancelled_reason", flat=True)) == {
        "End of treatment: Disease progression"
    }
    rows = {r.event.code: r.status for r in patient_timeline(patient=patient)[0]}
    assert rows["PAC-C6D15"] == EventStatus.NOT_APPLICABLE


def test_end_of_treatment_for_toxicity_keeps_tumour_follow_up(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=40)
    services.patient_end_treatment(
        user=investigator, patient=patient, end_date=TODAY, reason_code=EndReason.TOXICITY
    )
    assert patient.calendar.get(code="TUM-W24").cancelled_reason == ""
    assert patient.calendar.get(code="PAC-C6D1").cancelled_reason != ""


def test_timeline_page_costs_a_constant_number_of_queries(
    enrolled, investigator, web, django_assert_max_num_queries
):
    patient = enrolled(c1d1_days_ago=40)
    client = web(investigator)
    url = reverse("patients:detail", args=[patient.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(url)
    baseline = len(captured.captured_queries)
    assert response.status_code == 200
    assert b"PAC-C6D15" in response.content and b"next" in response.content
    for n in range(8):
        calendar.calendar_record_actual(
            patient=patient,
            code=f"PAC-C1D{[1, 8, 15][n % 3]}",
            actual_date=patient.calendar.get(code=f"PAC-C1D{[1, 8, 15][n % 3]}").planned_date,
            user=investigator,
        )
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_calendar_api_lists_events_with_status(enrolled, investigator, api):
    patient = enrolled(c1d1_days_ago=3)
    rows = api(investigator).get(f"/api/v1/patients/{patient.pk}/calendar/").json()
    assert len(rows) == len(protocol.PLANNED_EVENTS)
    first = next(r for r in rows if r["code"] == "PAC-C1D1")
    assert first["status"] == "missed" and first["planned_date"] == str(patient.c1d1_date)


@pytest.mark.parametrize("offset", [-1, 7, 8])
def test_cycle_day1_window_edges_minus_one_plus_seven(enrolled, investigator, offset):
    patient = enrolled(c1d1_days_ago=60)
    planned = patient.calendar.get(code="PAC-C2D1").planned_date
    calendar.calendar_record_actual(
        patient=patient,
        code="PAC-C2D1",
        actual_date=planned + dt.timedelta(days=offset),
        user=investigator,
    )
    status = {r.event.code: r.status for r in patient_timeline(patient=patient)[0]}
    expected = EventStatus.DONE if -1 <= offset <= 7 else EventStatus.OUT_OF_WINDOW
    assert status["PAC-C2D1"] == expected
    assert CalendarEvent.objects.get(patient=patient, code="PAC-C2D1").actual_date == (
        planned + dt.timedelta(days=offset)
    )
