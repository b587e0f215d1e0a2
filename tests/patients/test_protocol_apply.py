"""A protocol amendment reaches the patients already enrolled (``manage.py protocol_apply``)."""

import dataclasses
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from edc import protocol
from edc.audit.models import AuditEntry
from patients.calendar import calendar_record_actual
from patients.models import CalendarEvent

D8 = "PAC-C1D8"
C2D8 = "PAC-C2D8"


@pytest.fixture
def amend(monkeypatch):
    """Call to amend the protocol: D8/D15 windows widen from ±1 to ±2 days, C2D8 is renamed."""
    wider = protocol.Window(before=2, after=2)

    def amended(event):
        if event.kind == protocol.PACLITAXEL and event.day in (8, 15):
            event = dataclasses.replace(event, window=wider)
        if event.code == C2D8:
            event = dataclasses.replace(event, label="Paclitaxel C2 D8 (amended)")
        return event

    def apply():
        events = tuple(amended(e) for e in protocol.PLANNED_EVENTS)
        monkeypatch.setattr(protocol, "PLANNED_EVENTS", events)
        monkeypatch.setattr(protocol, "PLANNED_EVENTS_BY_CODE", {e.code: e for e in events})

    return apply


def _event(patient, code):
    return CalendarEvent.objects.get(patient=patient, code=code)


def _run(*args):
    out = StringIO()
    call_command("protocol_apply", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_the_changes_and_saves_nothing(enrolled, data_manager, amend):
    patient = enrolled(c1d1_days_ago=3)
    amend()
    before = _event(patient, C2D8)
    out = _run("--reason", "Amendment 2", "--by", data_manager.username, "--dry-run")
    assert f"{patient.subject_id} {C2D8}: window" in out
    assert f"{patient.subject_id} {C2D8}: label" in out
    assert "would change" in out
    after = _event(patient, C2D8)
    assert (after.earliest, after.latest, after.label, after.version) == (
        before.earliest,
        before.latest,
        before.label,
        before.version,
    )


def test_amendment_moves_windows_keeps_recorded_dates_and_is_audited(
    enrolled, data_manager, investigator, amend
):
    patient = enrolled(c1d1_days_ago=20)
    done = _event(patient, D8)
    calendar_record_actual(
        patient=patient, code=D8, actual_date=done.planned_date, user=investigator
    )
    done.refresh_from_db()
    amend()
    _run("--reason", "Amendment 2", "--by", data_manager.username)

    done_after = _event(patient, D8)  # has data: planned date kept, window widened around it
    assert done_after.planned_date == done.planned_date
    assert done_after.actual_date == done.planned_date
    assert (done_after.planned_date - done_after.earliest).days == 2
    assert (done_after.latest - done_after.planned_date).days == 2

    upcoming = _event(patient, C2D8)  # no data yet: new window and label
    assert (upcoming.latest - upcoming.planned_date).days == 2
    assert upcoming.label == "Paclitaxel C2 D8 (amended)"

    entry = AuditEntry.objects.filter(object_id=upcoming.pk, model_label="patients.calendarevent")
    last = entry.order_by("-id").first()
    assert last.user == data_manager
    assert last.reason == f"Protocol {protocol.PROTOCOL_VERSION}: Amendment 2"
    assert {c["field"] for c in last.changes} >= {"earliest", "latest", "label"}

    again = _run("--reason", "Amendment 2", "--by", data_manager.username)
    assert "changed 0 calendar entries" in again


def test_an_event_the_protocol_no_longer_has_is_cancelled_unless_it_has_data(
    enrolled, data_manager, monkeypatch
):
    patient = enrolled(c1d1_days_ago=3)
    events = tuple(e for e in protocol.PLANNED_EVENTS if e.code != C2D8)
    monkeypatch.setattr(protocol, "PLANNED_EVENTS", events)
    monkeypatch.setattr(protocol, "PLANNED_EVENTS_BY_CODE", {e.code: e for e in events})
    out = _run("--reason", "Amendment 3", "--by", data_manager.username)
    assert f"{patient.subject_id} {C2D8}: cancelled" in out
    assert _event(patient, C2D8).cancelled_reason == "Removed by a protocol amendment"


def test_only_a_data_manager_with_a_reason_applies_an_amendment(enrolled, investigator, db):
    enrolled()
    with pytest.raises(CommandError, match="not an active data manager"):
        _run("--reason", "x", "--by", investigator.username)
    with pytest.raises(CommandError):
        _run("--by", investigator.username)
