"""The protocol's words: English where stored or exported, the user's language on pages."""

import dataclasses

from django.utils import translation

from edc import protocol
from patients.constants import EndReason, english_label
from patients.models import CalendarEvent
from patients.schedule import EventStatus
from patients.selectors import EVENT_STATUS_LABELS


def test_event_titles_read_as_the_stored_english_labels_in_english():
    with translation.override("en"):
        assert all(e.title == e.label for e in protocol.PLANNED_EVENTS)
    labels = {e.code: e.label for e in protocol.PLANNED_EVENTS}
    assert labels["PAC-C3D15"] == "Paclitaxel C3D15"
    assert labels["IMP-C1D2"] == "IMP321 injection 1 (C1D2)"
    assert labels["IMM-INJ6"] == "Immune draw 13 days after injection 6"
    assert labels["TUM-W8"] == "Tumour assessment week 8"


def test_a_label_rewritten_by_an_amendment_is_shown_as_written():
    event = dataclasses.replace(
        protocol.PLANNED_EVENTS_BY_CODE["PAC-C2D8"], label="Paclitaxel C2 D8 (amended)"
    )
    assert event.title == "Paclitaxel C2 D8 (amended)"


def test_a_stored_event_shows_its_label_when_the_protocol_names_it_differently():
    stored = CalendarEvent(code="PAC-C1D1", label="Paclitaxel C1D1")
    assert stored.title == "Paclitaxel C1D1"
    old = CalendarEvent(code="PAC-C1D1", label="Paclitaxel cycle 1 day 1 (v0.9)")
    assert old.title == "Paclitaxel cycle 1 day 1 (v0.9)"
    gone = CalendarEvent(code="XYZ-1", label="Removed event")
    assert gone.title == "Removed event"


def test_cohort_titles_are_the_exported_labels_in_english():
    with translation.override("en"):
        assert [str(c.title) for c in protocol.COHORTS] == [c.label for c in protocol.COHORTS]


def test_protocol_text_for_pages_reads_as_the_exported_constants_in_english():
    with translation.override("en"):
        text = {k: str(v) for k, v in protocol.PROTOCOL_TEXT.items()}
    assert text == {
        "immune_draw_timing": protocol.IMMUNE_DRAW_TIMING,
        "immune_draw_offset": f"{protocol.IMMUNE_DRAW_OFFSET_DAYS} days",
        "treatment_regimen": protocol.TREATMENT_REGIMEN,
        "sae_report_limit": protocol.SAE_REPORT_LIMIT,
    }


def test_stored_text_takes_choice_labels_in_english_whatever_the_language():
    with translation.override("fr"):
        assert english_label(EndReason.WITHDRAWAL) == "Withdrawal of consent"


def test_every_visit_status_has_words():
    assert set(EVENT_STATUS_LABELS) == set(EventStatus)
