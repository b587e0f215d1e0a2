"""Dosing maths against PROTOCOL.md "Treatment schedule" — pure, no database."""

from decimal import Decimal as D

import pytest

from dosing.rules import (
    GIVEN,
    HELD,
    MSG_DOSE_LEVEL_NOT_IN_PROTOCOL,
    MSG_HOLD_ANC_BELOW,
    MSG_HOLD_ANC_MISSING,
    MSG_HOLD_PLATELETS_BELOW,
    NOT_DONE,
    HoldCheck,
    PaclitaxelRecord,
    bsa_mosteller,
    dose_exceeds_maximum,
    dose_off_plan,
    exposure,
    hold_check,
    is_reduction,
    planned_dose_mg,
    validate_dose_level,
)
from edc import protocol


# --- BSA and planned dose ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        ("170", "70", "1.82"),
        ("160", "60", "1.63"),
        ("180", "80", "2.00"),
        ("150", "50", "1.44"),
        ("165.5", "58.2", "1.64"),
        # √(181.8045 × 20 / 3600) = 1.005 exactly: half up gives 1.01 (banker's would give 1.00).
        ("181.8045", "20", "1.01"),
    ],
)
def test_bsa_mosteller_rounds_half_up_to_two_decimals(height, weight, expected):
    bsa = bsa_mosteller(D(height), D(weight))
    assert bsa == D(expected)
    assert bsa.as_tuple().exponent == -2


@pytest.mark.parametrize(("height", "weight"), [("0", "70"), ("170", "0"), ("-170", "70")])
def test_bsa_refuses_non_positive_measurements(height, weight):
    with pytest.raises(ValueError):
        bsa_mosteller(D(height), D(weight))


@pytest.mark.parametrize(
    ("bsa", "level", "expected"),
    [
        ("1.82", "80", "145.6"),
        ("1.63", "80", "130.4"),
        ("1.63", "70", "114.1"),
        ("1.63", "60", "97.8"),
        ("1.6675", "60", "100.1"),  # 100.05 rounds half up
    ],
)
def test_planned_dose_is_bsa_times_level_to_one_decimal(bsa, level, expected):
    assert planned_dose_mg(D(bsa), D(level)) == D(expected)


def test_planned_dose_from_height_and_weight_end_to_end():
    assert planned_dose_mg(bsa_mosteller(D("170"), D("70")), D("80")) == D("145.6")


@pytest.mark.parametrize("level", ["80", "70", "60", "80.0"])
def test_protocol_dose_levels_are_valid(level):
    assert validate_dose_level(D(level)) == D(level)


@pytest.mark.parametrize("level", ["90", "75", "50", "0"])
def test_other_dose_levels_are_refused(level):
    with pytest.raises(ValueError) as excinfo:
        validate_dose_level(D(level))
    assert str(excinfo.value) == MSG_DOSE_LEVEL_NOT_IN_PROTOCOL.format(
        level=D(level), allowed="80, 70, 60"
    )
    with pytest.raises(ValueError):
        planned_dose_mg(D("1.82"), D(level))


@pytest.mark.parametrize(("level", "expected"), [("80", False), ("70", True), ("60", True)])
def test_reduction_is_any_level_below_the_starting_dose(level, expected):
    assert is_reduction(D(level)) is expected


# --- Actual vs planned -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actual", "off_plan"),
    [
        ("145.6", False),
        ("160.16", False),  # exactly +10 %
        ("160.17", True),
        ("131.04", False),  # exactly -10 %
        ("131.03", True),
    ],
)
def test_dose_off_plan_only_beyond_ten_percent(actual, off_plan):
    assert dose_off_plan(D(actual), D("145.6")) is off_plan


@pytest.mark.parametrize(
    ("actual", "exceeds"), [("145.6", False), ("218.4", False), ("218.5", True), ("300", True)]
)
def test_dose_above_one_and_a_half_times_planned_is_refused(actual, exceeds):
    assert dose_exceeds_maximum(D(actual), D("145.6")) is exceeds


def test_deviation_needs_a_positive_planned_dose():
    with pytest.raises(ValueError):
        dose_off_plan(D("10"), D("0"))


# --- Hold criteria -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "anc", "platelets", "met"),
    [
        (1, "1.5", "100", True),
        (1, "1.4", "100", False),
        (1, "1.5", "99", False),
        (1, "1.2", "150", False),
        (8, "1.0", "75", True),
        (8, "0.9", "75", False),
        (8, "1.0", "74", False),
        (8, "1.2", "80", True),  # below the D1 threshold, fine on D8
        (15, "1.0", "75", True),
        (15, "0.99", "200", False),
        (15, "3", "74.9", False),
    ],
)
def test_hold_thresholds_both_sides(day, anc, platelets, met):
    assert hold_check(day=day, anc=D(anc), platelets=D(platelets)).met is met


def test_hold_check_explains_each_failure():
    check = hold_check(day=1, anc=D("1.2"), platelets=D("90"))
    assert check == HoldCheck(
        met=False,
        reasons=[
            "ANC 1.2 × 10⁹/L is below 1.5 required on D1",
            "Platelets 90 × 10⁹/L is below 100 required on D1",
        ],
    )
    assert check.reasons[0] == MSG_HOLD_ANC_BELOW.format(value="1.2", threshold="1.5", day=1)
    assert check.reasons[1] == MSG_HOLD_PLATELETS_BELOW.format(value="90", threshold="100", day=1)


def test_hold_check_passes_with_no_reasons():
    assert hold_check(day=8, anc=D("2.0"), platelets=D("180")) == HoldCheck(met=True, reasons=[])


def test_hold_check_is_unknown_without_lab():
    check = hold_check(day=1, anc=None, platelets=None)
    assert check.met is None
    assert len(check.reasons) == 2
    assert check.reasons[0] == MSG_HOLD_ANC_MISSING.format(days=3, day=1)


def test_hold_check_fails_when_one_known_value_fails_and_the_other_is_missing():
    check = hold_check(day=8, anc=D("0.5"), platelets=None)
    assert check.met is False
    assert check.reasons[0] == "ANC 0.5 × 10⁹/L is below 1.0 required on D8"


def test_hold_check_is_unknown_when_one_value_passes_and_the_other_is_missing():
    assert hold_check(day=8, anc=D("2.0"), platelets=None).met is None


def test_hold_check_refuses_a_non_dosing_day():
    with pytest.raises(ValueError):
        hold_check(day=22, anc=D("2"), platelets=D("200"))


# --- Exposure ----------------------------------------------------------------------------------
def _given(cycle, day, dose_mg, level="80", bsa="1.82"):
    return PaclitaxelRecord(
        cycle=cycle,
        day=day,
        status=GIVEN,
        dose_mg=D(dose_mg),
        dose_level_mg_m2=D(level),
        bsa_m2=D(bsa),
        planned_mg=planned_dose_mg(D(bsa), D(level)),
    )


def test_exposure_counts_cumulative_dose_and_relative_dose_intensity():
    records = [
        # Cycle 1: full dose three times (145.6 mg = 80 mg/m² at 1.82 m²).
        _given(1, 1, "145.6"),
        _given(1, 8, "145.6"),
        _given(1, 15, "145.6"),
        # Cycle 2: D1 full, D8 held for neutropenia, D15 reduced to 70 mg/m² (127.4 mg).
        _given(2, 1, "145.6"),
        PaclitaxelRecord(cycle=2, day=8, status=HELD),
        _given(2, 15, "127.4", level="70"),
        # Cycle 3: D1 not done, then end of treatment.
        PaclitaxelRecord(cycle=3, day=1, status=NOT_DONE),
    ]
    result = exposure(records, imp321_given=5)

    assert (result.doses_given, result.doses_held, result.doses_not_done) == (5, 1, 1)
    assert result.cycles_started == 3
    assert result.doses_planned == 9
    assert result.cumulative_mg == D("709.8")
    assert result.cumulative_mg_m2 == D("390.0")
    # Planned per cycle = 80 mg/m² × 3 doses = 240 mg/m².
    assert result.rdi_by_cycle == {1: D("1.000"), 2: D("0.625"), 3: D("0.000")}
    assert result.rdi_overall == D("0.542")  # 390 / 720
    assert result.imp321_given == 5
    assert result.imp321_planned == 12 == protocol.IMP321_TOTAL_INJECTIONS


def test_exposure_uses_each_dose_own_bsa():
    # Weight fell in cycle 2: 150 mg at 1.875 m² is still 80 mg/m².
    records = [_given(1, 1, "145.6"), _given(2, 1, "150", bsa="1.875")]
    result = exposure(records, imp321_given=0)
    assert result.cumulative_mg == D("295.6")
    assert result.cumulative_mg_m2 == D("160.0")
    assert result.rdi_by_cycle == {1: D("0.333"), 2: D("0.333")}


def test_exposure_without_records_has_no_rdi():
    result = exposure([], imp321_given=0)
    assert result.doses_given == 0
    assert result.cycles_started == 0
    assert result.cumulative_mg == D("0.0")
    assert result.rdi_by_cycle == {}
    assert result.rdi_overall is None


def test_paclitaxel_record_refuses_unknown_status_and_incomplete_given_dose():
    with pytest.raises(ValueError):
        PaclitaxelRecord(cycle=1, day=1, status="skipped")
    with pytest.raises(ValueError):
        PaclitaxelRecord(cycle=1, day=1, status=GIVEN, dose_mg=D("145.6"))


def test_exposure_refuses_negative_injection_count():
    with pytest.raises(ValueError):
        exposure([], imp321_given=-1)
