"""Limits and soft checks at the moment of entry — pure functions, no database.

Ceilings (edc.protocol.MAX_DOSE_FACTOR), the 10 % weight-change rule, the visit window, the
"day after paclitaxel" rule, the proposed dates of the dose forms, and the shared limit /
error-collection helpers of edc.validators.
"""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from dosing import rules
from edc import protocol
from edc.softcheck import SoftCheck
from edc.validators import (
    ACKNOWLEDGE_FIELD,
    HEIGHT_CM,
    LESION_DIAMETER_MM,
    WEIGHT_KG,
    EntryRefused,
    ErrorCollector,
    Limit,
    already_acknowledged,
    stored_acknowledgements,
)

DAY = date(2026, 3, 2)


# --- Hard ceilings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cohort", "ceiling"), [("0.25", "0.375"), ("1.25", "1.875"), ("6.25", "9.375")]
)
def test_imp321_ceiling_is_one_and_a_half_times_the_cohort_dose(cohort, ceiling):
    assert rules.imp321_dose_ceiling_mg(D(cohort)) == D(ceiling)
    assert not rules.imp321_dose_exceeds_maximum(D(ceiling), D(cohort))
    assert rules.imp321_dose_exceeds_maximum(D(ceiling) + D("0.001"), D(cohort))


def test_625_mg_of_imp321_is_far_above_the_ceiling_of_the_6_25_mg_cohort():
    assert rules.imp321_dose_exceeds_maximum(D("625"), D("6.25"))


def test_the_largest_paclitaxel_dose_an_input_accepts_follows_the_body_limits():
    # 220 cm, 250 kg → BSA 3.91 m² → 312.8 mg planned → 469.2 mg ceiling.
    assert rules.largest_actual_dose_mg() == D("469.20")
    assert rules.actual_dose_ceiling_mg(D("145.6")) == D("218.40")


def test_bsa_stays_within_what_the_height_and_weight_limits_allow():
    low = rules.bsa_mosteller(protocol.HEIGHT_CM_LIMITS[0], protocol.WEIGHT_KG_LIMITS[0])
    high = rules.bsa_mosteller(protocol.HEIGHT_CM_LIMITS[1], protocol.WEIGHT_KG_LIMITS[1])
    assert (low, high) == (D("1.00"), D("3.91"))


# --- Soft checks ---------------------------------------------------------------------------------
def window(when: date):
    return rules.window_check(
        event="Paclitaxel C2D1",
        when=when,
        planned=DAY,
        earliest=DAY - timedelta(days=1),
        latest=DAY + timedelta(days=7),
    )


@pytest.mark.parametrize("offset", [-1, 0, 7])
def test_a_date_inside_the_window_is_no_warning(offset):
    assert window(DAY + timedelta(days=offset)) is None


def test_a_date_outside_the_window_says_the_rule_the_values_and_the_deviation():
    check = window(DAY + timedelta(days=9))
    assert check.code == rules.WARN_DATE_OUTSIDE_WINDOW and check.field == "administration_date"
    assert check.rule == "Date outside the visit window"
    assert check.detail == (
        "Paclitaxel C2D1 on 2026-03-11 is 2 days after its window 2026-03-01 – 2026-03-09 "
        "(planned 2026-03-02)"
    )
    assert check.deviation == protocol.DEVIATION_SEVERITY["visit_out_of_window"] == "minor"
    assert check.text.endswith("Saving it records a protocol deviation (minor).")
    assert "1 day before" in window(DAY - timedelta(days=2)).detail


def test_weight_84_to_64_5_kg_since_the_last_dose_asks_for_confirmation():
    check = rules.weight_change_check(
        previous_kg=D("84.0"), previous_event="C1D1", weight_kg=D("64.5")
    )
    assert check.code == rules.WARN_WEIGHT_CHANGED and check.field == "weight_kg"
    assert check.rule == "Weight changed by more than 10 % since the last dose"
    assert check.detail.startswith("84.0 kg at C1D1, 64.5 kg now (-23.2 %)")
    assert check.deviation == ""  # a check of the value, not a protocol deviation


@pytest.mark.parametrize(
    ("weight", "warned"), [("77.0", False), ("77.1", True), ("63.0", False), ("62.9", True)]
)
def test_exactly_ten_percent_is_no_warning(weight, warned):
    assert rules.weight_changed(D("70"), D(weight)) is warned
    check = rules.weight_change_check(
        previous_kg=D("70"), previous_event="C1D1", weight_kg=D(weight)
    )
    assert (check is not None) is warned


def test_no_previous_dose_means_no_weight_warning():
    assert rules.weight_change_check(previous_kg=None, previous_event="", weight_kg=D("40")) is None


def test_a_paclitaxel_dose_off_plan_is_a_major_deviation_to_confirm():
    assert rules.paclitaxel_off_plan_check(actual_mg=D("160.1"), planned_mg=D("145.6")) is None
    check = rules.paclitaxel_off_plan_check(actual_mg=D("160.2"), planned_mg=D("145.6"))
    assert check.code == rules.WARN_DOSE_OFF_PLAN and check.deviation == "major"
    assert check.detail == "160.2 mg given, 145.6 mg planned (+10.0 %)"


def test_an_imp321_dose_other_than_the_cohort_dose_is_to_confirm():
    assert rules.imp321_cohort_dose_check(dose_mg=D("6.25"), cohort_dose_mg=D("6.25")) is None
    check = rules.imp321_cohort_dose_check(dose_mg=D("5"), cohort_dose_mg=D("6.25"))
    assert check.code == rules.WARN_DOSE_OFF_PLAN and check.field == "dose_mg"
    assert check.detail == "5 mg entered, cohort dose 6.25 mg"
    assert check.deviation == protocol.DEVIATION_SEVERITY["imp321_dose_not_cohort"]


@pytest.mark.parametrize(("gap", "ok"), [(0, False), (1, True), (2, True), (3, False)])
def test_imp321_the_day_after_the_actual_paclitaxel_dose_one_more_day_tolerated(gap, ok):
    injection = DAY + timedelta(days=gap)
    check = rules.imp321_timing_check(
        paclitaxel_date=DAY, injection_date=injection, paclitaxel_event="Paclitaxel C1D1"
    )
    assert (check is None) is ok
    if not ok:
        assert check.code == rules.WARN_NOT_DAY_AFTER_PACLITAXEL
        assert str(DAY) in check.detail and check.deviation == "minor"


def test_imp321_without_a_paclitaxel_dose_is_to_confirm():
    check = rules.imp321_timing_check(
        paclitaxel_date=None, injection_date=DAY, paclitaxel_event="Paclitaxel C1D1"
    )
    assert "no paclitaxel dose is recorded as given" in check.detail


# --- Proposed dates ------------------------------------------------------------------------------
def test_imp321_proposes_the_day_after_the_actual_paclitaxel_date_not_today():
    paclitaxel = DAY - timedelta(days=5)
    proposal = rules.propose_imp321_date(
        paclitaxel_date=paclitaxel,
        planned=DAY - timedelta(days=8),  # stale plan: the proposal follows the actual dose
        earliest=DAY - timedelta(days=8),
        latest=DAY - timedelta(days=7),
        today=DAY,
    )
    assert proposal.date == paclitaxel + timedelta(days=1)
    day = f"{paclitaxel:%d %b %Y}"  # as the pages print dates
    assert proposal.note == f"Proposed: the day after the paclitaxel dose of {day}."


def test_imp321_after_todays_paclitaxel_proposes_tomorrow_and_says_it_is_not_due():
    proposal = rules.propose_imp321_date(
        paclitaxel_date=DAY, planned=DAY, earliest=DAY, latest=DAY, today=DAY
    )
    assert proposal.date == DAY + timedelta(days=1) != DAY
    assert "after today" in proposal.note


def test_imp321_without_paclitaxel_proposes_the_planned_date_and_says_why():
    proposal = rules.propose_imp321_date(
        paclitaxel_date=None,
        planned=DAY - timedelta(days=2),
        earliest=DAY - timedelta(days=2),
        latest=DAY - timedelta(days=1),
        today=DAY,
    )
    assert proposal.date == DAY - timedelta(days=2)
    assert proposal.note.startswith("No paclitaxel dose is recorded")


def test_a_paclitaxel_form_opened_before_the_window_says_so():
    early = rules.propose_paclitaxel_date(
        planned=DAY,
        earliest=DAY - timedelta(days=1),
        latest=DAY + timedelta(days=1),
        today=DAY - timedelta(days=3),
    )
    assert early.date == DAY - timedelta(days=3)
    assert "outside the window" in early.note
    on_time = rules.propose_paclitaxel_date(
        planned=DAY, earliest=DAY, latest=DAY, today=DAY + timedelta(days=4)
    )
    assert (on_time.date, on_time.note) == (DAY, "")


# --- edc.validators ------------------------------------------------------------------------------
def test_a_limit_gives_the_message_the_check_and_the_html_attributes():
    assert WEIGHT_KG.message == "Weight must be between 30 and 250 kg."
    assert WEIGHT_KG.widget_attrs() == {"min": "30", "max": "250", "step": "0.1"}
    assert HEIGHT_CM.contains(D("220")) and not HEIGHT_CM.contains(D("220.1"))
    assert not WEIGHT_KG.contains(None) and not WEIGHT_KG.contains("abc")
    with pytest.raises(ValidationError) as exc:
        LESION_DIAMETER_MM.check(D("500.1"), "diameter")
    assert exc.value.message_dict == {
        "diameter": ["A lesion diameter must be between 0 and 500 mm."]
    }


def test_a_limit_applied_to_a_form_field_checks_it_and_sets_its_input():
    from django import forms

    field = Limit("Dose", D(0), D(10), "mg", D("0.5")).apply_to(forms.DecimalField())
    assert {"min": "0", "max": "10", "step": "0.5"}.items() <= field.widget.attrs.items()
    with pytest.raises(ValidationError) as exc:
        field.clean("11")
    assert exc.value.messages == ["Dose must be between 0 and 10 mg."]


def test_the_collector_raises_every_error_and_every_unconfirmed_warning_at_once():
    warning = SoftCheck("date_outside_window", "administration_date", "Rule", "values", "minor")
    collector = ErrorCollector()
    collector.add("weight_kg", "too heavy")
    collector.add("weight_kg", "too heavy")  # the same message once
    collector.add("height_cm", "too tall")
    collector.warn(warning)
    collector.warn(None)
    with pytest.raises(EntryRefused) as exc:
        collector.raise_if_any()
    assert set(exc.value.message_dict) == {"weight_kg", "height_cm", ACKNOWLEDGE_FIELD}
    assert exc.value.message_dict["weight_kg"] == ["too heavy"]
    assert exc.value.warnings == [warning]


def test_a_confirmed_warning_lets_the_entry_through_and_is_stored_as_shown():
    warning = SoftCheck("weight_changed", "weight_kg", "Weight changed", "84 → 64.5 kg")
    collector = ErrorCollector()
    collector.warn(warning)
    assert collector.raise_if_any(acknowledged={"weight_changed"}) == [warning]
    stored = stored_acknowledgements([warning])
    assert stored == "Weight changed: 84 → 64.5 kg."
    assert already_acknowledged([warning], stored) == {"weight_changed"}
    changed = SoftCheck("weight_changed", "weight_kg", "Weight changed", "84 → 60 kg")
    assert already_acknowledged([changed], stored) == set()
