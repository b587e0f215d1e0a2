"""One patient's study calendar: planned dates, windows and event status.

Pure arithmetic over ``edc.protocol`` and plain dates — no ORM, no Django. Visit generation,
deviation checks, the patient timeline and exports all call these functions so that every
screen agrees on what was due when.

Rules (docs/protocol.md, "Treatment schedule" and "Assessments"):

* **Study day.** C1D1 is study day 1 and the day before it is day -1; there is no day 0
  (the CDISC SDTM ``--DY`` convention), see :func:`study_day_of`.
* **Cycle delays cascade.** The D1 of cycle ``n`` is planned ``CYCLE_LENGTH_DAYS`` after the
  *actual* D1 of cycle ``n - 1`` (its planned date while it has not been given). A delayed — or
  early — actual D1 therefore moves that cycle's D8/D15 and every later cycle, never the
  earlier ones.
* **Followers use actual dates.** An IMP321 injection is planned the day after the *actual*
  paclitaxel dose it follows; an immune draw 13 days after the *actual* injection it follows.
  Until the anchor has happened, its planned date stands in.
* **Tumour assessments stay on the C1D1 grid.** RECIST assessments are planned every 8 weeks
  from the actual C1D1 and are *not* shifted by later cycle delays: the protocol states their
  cadence "from C1D1", and a fixed imaging grid keeps progression-free time comparable between
  patients whatever their dosing delays (a delay must not postpone detection of progression).
* **Baseline** (screening tumour assessment, baseline immune draw) sits in the
  ``SCREENING_WINDOW_DAYS`` days before C1D1.

``c1d1`` is the study anchor: the actual C1D1 date once the first dose is given, the planned
one before. An actual ``PAC-C1D1`` date passed in ``actual_dates`` that differs from it is
treated like any other cycle D1 (it moves cycle 1's D8/D15 and later cycles) but does not move
baseline or tumour events, which stay on ``c1d1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from edc import protocol


@dataclass(frozen=True)
class ScheduledEvent:
    """One event of a patient's calendar, with dates resolved.

    ``earliest``/``latest`` are the inclusive window bounds around ``planned_date``.
    ``follows`` is the code of the event whose actual date anchors this one (IMP321 → its
    paclitaxel dose, immune draw → its injection), ``None`` otherwise.
    """

    code: str
    kind: str
    label: str
    cycle: int | None
    day: int | None
    sequence: int | None
    planned_date: date
    earliest: date
    latest: date
    follows: str | None = None


class EventStatus(StrEnum):
    UPCOMING = "upcoming"  # no data, window not yet open
    DUE = "due"  # no data, today inside the window
    DONE = "done"  # done inside the window
    MISSED = "missed"  # no data, window closed
    OUT_OF_WINDOW = "out_of_window"  # done, but outside the window
    NOT_DONE = "not_done"  # recorded as not done, with a reason
    NOT_APPLICABLE = "not_applicable"  # cancelled by end of treatment


def study_day_of(c1d1: date, d: date) -> int:
    """Study day of ``d``: C1D1 is day 1, the day before is day -1 — there is no day 0.

    This is the SDTM ``--DY`` convention used in listings and exports; it makes "day 1" the
    first treatment day and keeps screening days negative.
    """
    delta = (d - c1d1).days
    return delta + 1 if delta >= 0 else delta


def _cycle_day1_dates(c1d1: date, actual_dates: Mapping[str, date]) -> dict[int, tuple[date, date]]:
    """Per cycle: (planned D1, effective D1). Effective = actual when given, else planned."""
    starts: dict[int, tuple[date, date]] = {}
    previous_effective: date | None = None
    for cycle in range(1, protocol.CYCLE_COUNT + 1):
        if previous_effective is None:
            planned = c1d1
        else:
            gap = protocol.study_day(cycle, 1) - protocol.study_day(cycle - 1, 1)
            planned = previous_effective + timedelta(days=gap)
        effective = actual_dates.get(protocol.paclitaxel_code(cycle, 1), planned)
        starts[cycle] = (planned, effective)
        previous_effective = effective
    return starts


def build_calendar(
    *, c1d1: date, actual_dates: Mapping[str, date] | None = None
) -> list[ScheduledEvent]:
    """Every event of ``protocol.PLANNED_EVENTS`` with this patient's dates and windows.

    ``actual_dates`` maps event codes (``PAC-C3D1``, ``IMP-C3D16`` …) to the date the event
    actually happened; codes not in the protocol are ignored. Returned in date order.
    """
    actual = dict(actual_dates or {})
    cycle_starts = _cycle_day1_dates(c1d1, actual)
    planned_by_code: dict[str, date] = {}
    calendar: list[ScheduledEvent] = []

    # PLANNED_EVENTS is in study-day order, so an anchor is always resolved before its follower.
    for event in protocol.PLANNED_EVENTS:
        if event.follows is not None:
            anchor = actual.get(event.follows, planned_by_code[event.follows])
            planned = anchor + timedelta(days=event.offset_days)
        elif event.kind == protocol.PACLITAXEL and event.cycle is not None:
            planned_d1, effective_d1 = cycle_starts[event.cycle]
            if event.day == 1:
                planned = planned_d1
            else:
                offset = event.study_day - protocol.study_day(event.cycle, 1)
                planned = effective_d1 + timedelta(days=offset)
        else:
            # Baseline and tumour events: fixed offset from C1D1. The protocol's ``study_day``
            # is "days after C1D1, plus one" (study_day(1, 1) == 1), so the date is
            # c1d1 + (study_day - 1) for every event, including the negative baseline ones.
            planned = c1d1 + timedelta(days=event.study_day - 1)

        planned_by_code[event.code] = planned
        calendar.append(
            ScheduledEvent(
                code=event.code,
                kind=event.kind,
                label=event.label,
                cycle=event.cycle,
                day=event.day,
                sequence=event.sequence,
                planned_date=planned,
                earliest=planned - timedelta(days=event.window.before),
                latest=planned + timedelta(days=event.window.after),
                follows=event.follows,
            )
        )
    return sorted(calendar, key=lambda e: (e.planned_date, e.code))


def in_window(event: ScheduledEvent, actual_date: date) -> bool:
    """True when ``actual_date`` lies in the window; both bounds are inside."""
    return event.earliest <= actual_date <= event.latest


def event_status(
    *,
    event: ScheduledEvent,
    today: date,
    actual_date: date | None,
    not_done_reason: str = "",
    cancelled: bool = False,
) -> EventStatus:
    """Status of one event as of ``today``.

    Recorded data wins over everything: an actual date gives DONE or OUT_OF_WINDOW (even after
    end of treatment — dosing after it is a deviation flagged elsewhere, not hidden here), a
    not-done reason gives NOT_DONE. Only then does cancellation (end of treatment) make the
    event NOT_APPLICABLE, and the window decide UPCOMING / DUE / MISSED.
    """
    if actual_date is not None:
        return EventStatus.DONE if in_window(event, actual_date) else EventStatus.OUT_OF_WINDOW
    if not_done_reason.strip():
        return EventStatus.NOT_DONE
    if cancelled:
        return EventStatus.NOT_APPLICABLE
    if today < event.earliest:
        return EventStatus.UPCOMING
    if today <= event.latest:
        return EventStatus.DUE
    return EventStatus.MISSED


def next_due(
    events: Sequence[ScheduledEvent],
    statuses: Mapping[str, EventStatus],
    today: date,
) -> ScheduledEvent | None:
    """The event the site should act on next: the earliest DUE one, else the next UPCOMING.

    ``statuses`` maps event codes to their status; an event missing from it is taken as
    having no data (its status computed from ``today``).
    """
    open_events = []
    for event in events:
        status = statuses.get(event.code) or event_status(
            event=event, today=today, actual_date=None
        )
        if status in (EventStatus.DUE, EventStatus.UPCOMING):
            open_events.append((status != EventStatus.DUE, event.planned_date, event.code, event))
    if not open_events:
        return None
    return min(open_events, key=lambda item: item[:3])[3]


def cycle_day_of(
    *, c1d1: date, d: date, actual_dates: Mapping[str, date] | None = None
) -> tuple[int, int] | None:
    """(cycle, day) of date ``d`` for "cycle/day today", or ``None`` outside treatment.

    Uses the same inputs and cycle starts as :func:`build_calendar`: a cycle begins on its
    actual D1 (its planned D1 until given) and lasts until the next cycle begins, so a
    delayed cycle shows days past ``CYCLE_LENGTH_DAYS`` (e.g. C2 day 31) once the delay is
    recorded. ``None`` before C1D1 and after the last day of the last cycle.
    """
    starts = [
        (cycle, effective)
        for cycle, (_, effective) in _cycle_day1_dates(c1d1, dict(actual_dates or {})).items()
    ]
    current: tuple[int, date] | None = None
    for cycle, start in starts:
        if start <= d:
            current = (cycle, start)
    if current is None:
        return None
    cycle, start = current
    day = (d - start).days + 1
    if cycle == protocol.CYCLE_COUNT and day > protocol.CYCLE_LENGTH_DAYS:
        return None
    return cycle, day
