"""Calendar arithmetic against docs/protocol.md "Treatment schedule" — pure, no database.

Day numbers and windows are written out literally here on purpose: these tests check that the
protocol declaration and the calendar built from it match the paper/protocol text.
"""

from datetime import date, timedelta

import pytest

from edc import protocol
from patients.schedule import (
    EventStatus,
    ScheduledEvent,
    build_calendar,
    cycle_day_of,
    event_status,
    in_window,
    next_due,
    study_day_of,
)

C1D1 = date(2025, 3, 3)


def on_day(study_day: int) -> date:
    """Date of a (positive) study day on the undelayed calendar."""
    return C1D1 + timedelta(days=study_day - 1)


def by_code(calendar: list[ScheduledEvent]) -> dict[str, ScheduledEvent]:
    return {e.code: e for e in calendar}


@pytest.fixture
def calendar() -> dict[str, ScheduledEvent]:
    return by_code(build_calendar(c1d1=C1D1))


# --- Shape of the calendar ---------------------------------------------------------------------
def test_calendar_has_18_paclitaxel_doses_and_12_imp321_injections(calendar):
    kinds = [e.kind for e in calendar.values()]
    assert kinds.count(protocol.PACLITAXEL) == 18
    assert kinds.count(protocol.IMP321) == 12
    assert sorted(e.sequence for e in calendar.values() if e.kind == protocol.IMP321) == list(
        range(1, 13)
    )


def test_calendar_has_baseline_and_two_post_injection_immune_draws(calendar):
    assert {c for c, e in calendar.items() if e.kind == protocol.IMMUNE} == {
        "IMM-BL",
        "IMM-INJ6",
        "IMM-INJ12",
    }


def test_calendar_is_in_date_order():
    events = build_calendar(c1d1=C1D1)
    assert [e.planned_date for e in events] == sorted(e.planned_date for e in events)


@pytest.mark.parametrize("cycle", range(1, 7))
@pytest.mark.parametrize("day", [1, 8, 15])
def test_undelayed_paclitaxel_falls_on_cycle_day(calendar, cycle, day):
    assert calendar[f"PAC-C{cycle}D{day}"].planned_date == on_day((cycle - 1) * 28 + day)


@pytest.mark.parametrize(
    ("code", "sequence", "study_day"),
    [
        ("IMP-C1D2", 1, 2),
        ("IMP-C1D16", 2, 16),
        ("IMP-C3D16", 6, 72),
        ("IMP-C6D2", 11, 142),
        ("IMP-C6D16", 12, 156),
    ],
)
def test_imp321_is_the_day_after_paclitaxel_d1_and_d15(calendar, code, sequence, study_day):
    event = calendar[code]
    assert event.sequence == sequence
    assert event.planned_date == on_day(study_day)


def test_injection_6_is_c3d16_and_its_draw_is_day_85_c4d1(calendar):
    assert calendar["IMP-C3D16"].sequence == 6
    assert study_day_of(C1D1, calendar["IMP-C3D16"].planned_date) == 72
    draw = calendar["IMM-INJ6"]
    assert draw.follows == "IMP-C3D16"
    assert study_day_of(C1D1, draw.planned_date) == 85
    assert draw.planned_date == calendar["PAC-C4D1"].planned_date


def test_injection_12_is_c6d16_day_156_and_its_draw_is_day_169(calendar):
    assert calendar["IMP-C6D16"].sequence == 12
    assert study_day_of(C1D1, calendar["IMP-C6D16"].planned_date) == 156
    assert calendar["IMM-INJ12"].follows == "IMP-C6D16"
    assert study_day_of(C1D1, calendar["IMM-INJ12"].planned_date) == 169


@pytest.mark.parametrize(
    ("code", "study_day"), [("TUM-W8", 57), ("TUM-W16", 113), ("TUM-W24", 169)]
)
def test_tumour_assessments_every_8_weeks_from_c1d1(calendar, code, study_day):
    assert calendar[code].planned_date == on_day(study_day)


@pytest.mark.parametrize("code", ["TUM-BL", "IMM-BL"])
def test_baseline_window_is_the_28_days_before_c1d1(calendar, code):
    event = calendar[code]
    assert event.earliest == C1D1 - timedelta(days=28)
    assert event.latest == C1D1 - timedelta(days=1)


# --- Delays ------------------------------------------------------------------------------------
def test_delayed_c3d1_shifts_c3_and_later_cycles_but_not_earlier_or_tumour(calendar):
    delayed = by_code(build_calendar(c1d1=C1D1, actual_dates={"PAC-C3D1": on_day(57 + 5)}))
    five = timedelta(days=5)

    # The C3D1 event keeps its planned date: the actual is judged against it (and is in window).
    assert delayed["PAC-C3D1"].planned_date == calendar["PAC-C3D1"].planned_date
    assert in_window(delayed["PAC-C3D1"], on_day(62))

    shifted = [c for c in calendar if c.startswith(("PAC-C", "IMP-C")) and c[5] in "3456"]
    shifted.remove("PAC-C3D1")
    shifted += ["IMM-INJ6", "IMM-INJ12"]
    for code in shifted:
        assert delayed[code].planned_date == calendar[code].planned_date + five, code
        assert delayed[code].earliest == calendar[code].earliest + five, code
        assert delayed[code].latest == calendar[code].latest + five, code

    unshifted = [c for c in calendar if c not in shifted and c != "PAC-C3D1"]
    assert any(c.startswith("TUM-W") for c in unshifted)
    for code in unshifted:
        assert delayed[code] == calendar[code], code

    assert delayed["PAC-C3D8"].planned_date == on_day(69)
    assert delayed["PAC-C3D15"].planned_date == on_day(76)
    assert delayed["PAC-C4D1"].planned_date == on_day(90)


def test_early_d1_pulls_later_cycles_earlier(calendar):
    early = by_code(build_calendar(c1d1=C1D1, actual_dates={"PAC-C2D1": on_day(28)}))
    assert early["PAC-C2D8"].planned_date == on_day(35)
    assert early["PAC-C3D1"].planned_date == on_day(56)
    assert early["PAC-C1D15"] == calendar["PAC-C1D15"]


def test_successive_delays_accumulate():
    dates = {"PAC-C2D1": on_day(29 + 3), "PAC-C3D1": on_day(57 + 3 + 4)}
    delayed = by_code(build_calendar(c1d1=C1D1, actual_dates=dates))
    # C3D1 is planned 28 days after the actual C2D1, and C4D1 28 days after the actual C3D1.
    assert delayed["PAC-C3D1"].planned_date == on_day(60)
    assert delayed["PAC-C4D1"].planned_date == on_day(85 + 7)


def test_late_d8_does_not_move_d15_which_is_planned_from_d1(calendar):
    late = by_code(build_calendar(c1d1=C1D1, actual_dates={"PAC-C2D8": on_day(37)}))
    assert late["PAC-C2D15"] == calendar["PAC-C2D15"]


def test_imp321_follows_the_actual_paclitaxel_date():
    cal = by_code(build_calendar(c1d1=C1D1, actual_dates={"PAC-C2D15": on_day(44)}))
    assert cal["IMP-C2D16"].planned_date == on_day(45)
    assert cal["IMP-C2D16"].follows == "PAC-C2D15"


def test_immune_draw_follows_the_actual_injection_date():
    cal = by_code(build_calendar(c1d1=C1D1, actual_dates={"IMP-C3D16": on_day(73)}))
    assert cal["IMM-INJ6"].planned_date == on_day(73 + 13)


def test_draw_after_a_delayed_cycle_uses_the_actual_injection_when_known():
    dates = {"PAC-C3D1": on_day(62), "PAC-C3D15": on_day(77), "IMP-C3D16": on_day(79)}
    cal = by_code(build_calendar(c1d1=C1D1, actual_dates=dates))
    assert cal["IMP-C3D16"].planned_date == on_day(78)  # day after the actual D15
    assert cal["IMM-INJ6"].planned_date == on_day(79 + 13)  # 13 days after the actual injection


def test_unknown_actual_codes_are_ignored(calendar):
    assert by_code(build_calendar(c1d1=C1D1, actual_dates={"SCREENING": C1D1})) == calendar


# --- Windows -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("PAC-C1D1", 0, 0),
        ("PAC-C2D1", 1, 7),
        ("PAC-C6D1", 1, 7),
        ("PAC-C2D8", 1, 1),
        ("PAC-C2D15", 1, 1),
        ("IMP-C2D2", 0, 1),
        ("IMP-C2D16", 0, 1),
        ("IMM-INJ6", 2, 2),
        ("IMM-INJ12", 2, 2),
        ("TUM-W8", 7, 7),
        ("TUM-W24", 7, 7),
    ],
)
def test_window_edges_last_day_inside_first_day_outside(calendar, code, before, after):
    event = calendar[code]
    planned = event.planned_date
    assert event.earliest == planned - timedelta(days=before)
    assert event.latest == planned + timedelta(days=after)
    assert in_window(event, planned)
    assert in_window(event, planned - timedelta(days=before))
    assert in_window(event, planned + timedelta(days=after))
    assert not in_window(event, planned - timedelta(days=before + 1))
    assert not in_window(event, planned + timedelta(days=after + 1))


# --- Status ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("today_offset", "actual_offset", "reason", "cancelled", "expected"),
    [
        # PAC-C2D8 window is planned ± 1; offsets are relative to the planned date.
        (0, 0, "", False, EventStatus.DONE),
        (5, -1, "", False, EventStatus.DONE),
        (5, 1, "", False, EventStatus.DONE),
        (5, 2, "", False, EventStatus.OUT_OF_WINDOW),
        (5, -2, "", False, EventStatus.OUT_OF_WINDOW),
        (5, None, "Patient hospitalised", False, EventStatus.NOT_DONE),
        (5, None, "   ", False, EventStatus.MISSED),
        (-5, None, "", True, EventStatus.NOT_APPLICABLE),
        (5, None, "", True, EventStatus.NOT_APPLICABLE),
        (5, None, "Withdrew", True, EventStatus.NOT_DONE),
        (9, 9, "", True, EventStatus.OUT_OF_WINDOW),  # data recorded after EOT stays visible
        (-2, None, "", False, EventStatus.UPCOMING),
        (-1, None, "", False, EventStatus.DUE),
        (0, None, "", False, EventStatus.DUE),
        (1, None, "", False, EventStatus.DUE),
        (2, None, "", False, EventStatus.MISSED),
    ],
)
def test_event_status(calendar, today_offset, actual_offset, reason, cancelled, expected):
    event = calendar["PAC-C2D8"]
    planned = event.planned_date
    actual = None if actual_offset is None else planned + timedelta(days=actual_offset)
    status = event_status(
        event=event,
        today=planned + timedelta(days=today_offset),
        actual_date=actual,
        not_done_reason=reason,
        cancelled=cancelled,
    )
    assert status is expected


@pytest.mark.parametrize(
    ("today_study_day", "expected"),
    [
        (49, EventStatus.UPCOMING),
        (50, EventStatus.DUE),
        (64, EventStatus.DUE),
        (65, EventStatus.MISSED),
    ],
)
def test_tumour_assessment_status_at_window_edges(calendar, today_study_day, expected):
    status = event_status(event=calendar["TUM-W8"], today=on_day(today_study_day), actual_date=None)
    assert status is expected


def test_cycle_d1_late_by_seven_days_is_done_eight_is_out_of_window(calendar):
    event = calendar["PAC-C2D1"]
    today = on_day(60)
    assert event_status(event=event, today=today, actual_date=on_day(36)) is EventStatus.DONE
    assert (
        event_status(event=event, today=today, actual_date=on_day(37)) is EventStatus.OUT_OF_WINDOW
    )
    assert event_status(event=event, today=today, actual_date=on_day(28)) is EventStatus.DONE
    assert (
        event_status(event=event, today=today, actual_date=on_day(27)) is EventStatus.OUT_OF_WINDOW
    )


# --- Study day, next due, cycle/day ------------------------------------------------------------
@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, 1), (1, 2), (71, 72), (-1, -1), (-2, -2), (-28, -28)],
)
def test_study_day_has_no_day_zero(offset, expected):
    assert study_day_of(C1D1, C1D1 + timedelta(days=offset)) == expected


def _statuses(events, today, actual):
    return {
        e.code: event_status(event=e, today=today, actual_date=actual.get(e.code)) for e in events
    }


def test_next_due_prefers_a_due_event_over_upcoming_ones():
    actual = {"TUM-BL": on_day(-10), "IMM-BL": on_day(-10), "PAC-C1D1": C1D1}
    events = build_calendar(c1d1=C1D1, actual_dates=actual)
    today = on_day(2)
    assert next_due(events, _statuses(events, today, actual), today).code == "IMP-C1D2"


def test_next_due_returns_the_next_upcoming_when_nothing_is_due():
    actual = {"TUM-BL": on_day(-10), "IMM-BL": on_day(-10), "PAC-C1D1": C1D1, "IMP-C1D2": on_day(2)}
    events = build_calendar(c1d1=C1D1, actual_dates=actual)
    today = on_day(4)
    assert next_due(events, _statuses(events, today, actual), today).code == "PAC-C1D8"


def test_next_due_ignores_missed_events_and_computes_missing_statuses():
    events = build_calendar(c1d1=C1D1)
    today = on_day(4)
    # No statuses passed: baseline, C1D1 and injection 1 are missed; C1D8 is next.
    assert next_due(events, {}, today).code == "PAC-C1D8"


def test_next_due_is_none_when_everything_is_closed():
    events = build_calendar(c1d1=C1D1)
    statuses = {e.code: EventStatus.NOT_APPLICABLE for e in events}
    assert next_due(events, statuses, on_day(100)) is None


@pytest.mark.parametrize(
    ("study_day", "expected"),
    [
        (-1, None),
        (1, (1, 1)),
        (28, (1, 28)),
        (29, (2, 1)),
        (72, (3, 16)),
        (168, (6, 28)),
        (169, None),
    ],
)
def test_cycle_day_on_the_undelayed_calendar(study_day, expected):
    assert cycle_day_of(c1d1=C1D1, d=on_day(study_day)) == expected


def test_cycle_day_runs_past_28_until_a_delayed_d1_is_given():
    actual = {"PAC-C3D1": on_day(62)}
    assert cycle_day_of(c1d1=C1D1, d=on_day(61), actual_dates=actual) == (2, 33)
    assert cycle_day_of(c1d1=C1D1, d=on_day(62), actual_dates=actual) == (3, 1)
    assert cycle_day_of(c1d1=C1D1, d=on_day(173), actual_dates=actual) == (6, 28)
    assert cycle_day_of(c1d1=C1D1, d=on_day(174), actual_dates=actual) is None
