"""One validator per clinical rule — RECIST entry rules, CTCAE grading, SAE timing, vitals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import constants as msg
from assessments import rules, validators
from assessments.constants import AEOutcome, Organ
from assessments.ctcae import term_by_code
from edc import protocol
from edc.protocol import RECIST

D = Decimal
NEUTROPHILS = "10029366"  # Neutrophil count decreased: grades 1-4, no grade 5
FEBRILE_NEUTROPENIA = "10016288"  # grades 3-5 only


def messages(exc: pytest.ExceptionInfo, field: str) -> list[str]:
    return exc.value.message_dict[field]


# --- RECIST 1.1 at data entry --------------------------------------------------------------------
def test_a_sixth_target_lesion_is_refused_with_the_recist_rule():
    validators.validate_target_count(RECIST.max_targets)
    with pytest.raises(ValidationError) as exc:
        validators.validate_target_count(RECIST.max_targets + 1)
    assert messages(exc, "target_lesions") == [msg.TOO_MANY_TARGETS]


def test_a_third_target_in_one_organ_is_refused_and_nodes_count_as_one_organ():
    validators.validate_targets_per_organ([Organ.LIVER, Organ.LIVER, Organ.LUNG])
    with pytest.raises(ValidationError) as exc:
        validators.validate_targets_per_organ([Organ.LYMPH_NODE] * 3)
    assert messages(exc, "target_lesions") == [
        msg.TOO_MANY_TARGETS_IN_ORGAN.format(organ="Lymph node")
    ]


@pytest.mark.parametrize(
    ("organ", "mm", "message"),
    [
        (Organ.LYMPH_NODE, "14.9", msg.NODE_TARGET_TOO_SMALL),
        (Organ.LYMPH_NODE, "10", msg.NODE_TARGET_TOO_SMALL),
        (Organ.LIVER, "9.9", msg.TARGET_NOT_MEASURABLE),
        (Organ.LUNG, "5", msg.TARGET_NOT_MEASURABLE),
    ],
)
def test_lesions_too_small_to_be_targets_are_refused(organ, mm, message):
    with pytest.raises(ValidationError) as exc:
        validators.validate_target_lesion_measurable(label="T1", organ=organ, diameter_mm=D(mm))
    assert messages(exc, "target_lesions") == [message.format(label="T1", diameter=D(mm))]


@pytest.mark.parametrize(
    ("organ", "mm"),
    [
        (Organ.LYMPH_NODE, RECIST.node_target_min_short_axis_mm),
        (Organ.LIVER, RECIST.measurable_min_mm),
        (Organ.BREAST, D("120.5")),
    ],
)
def test_measurable_lesions_at_the_thresholds_are_accepted(organ, mm):
    validators.validate_target_lesion_measurable(label="T1", organ=organ, diameter_mm=mm)


def test_a_target_without_a_baseline_diameter_is_refused():
    with pytest.raises(ValidationError) as exc:
        validators.validate_target_lesion_measurable(
            label="T2", organ=Organ.LIVER, diameter_mm=None
        )
    assert messages(exc, "target_lesions") == [msg.BASELINE_DIAMETER_REQUIRED.format(label="T2")]


def test_baseline_must_be_within_28_days_before_c1d1():
    c1d1 = dt.date(2026, 3, 1)
    days = protocol.TUMOUR_BASELINE_MAX_DAYS_BEFORE_C1D1
    validators.validate_baseline_window(c1d1 - dt.timedelta(days=days), c1d1=c1d1)
    validators.validate_baseline_window(c1d1, c1d1=c1d1)
    for bad in (c1d1 - dt.timedelta(days=days + 1), c1d1 + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            validators.validate_baseline_window(bad, c1d1=c1d1)
        assert messages(exc, "assessment_date") == [msg.BASELINE_OUTSIDE_WINDOW.format(c1d1=c1d1)]


@pytest.mark.parametrize(
    ("diameter", "too_small", "not_evaluable", "message"),
    [
        (None, False, False, msg.MEASUREMENT_DIAMETER_REQUIRED),
        (D("4"), True, False, msg.MEASUREMENT_DIAMETER_WITH_STATE),
        (D("4"), False, True, msg.MEASUREMENT_DIAMETER_WITH_STATE),
        (None, True, True, msg.MEASUREMENT_DIAMETER_WITH_STATE),
    ],
)
def test_a_follow_up_measurement_is_a_diameter_or_too_small_or_not_evaluable(
    diameter, too_small, not_evaluable, message
):
    with pytest.raises(ValidationError) as exc:
        validators.validate_measurement(
            label="T1", diameter_mm=diameter, too_small=too_small, not_evaluable=not_evaluable
        )
    assert messages(exc, "measurements") == [message.format(label="T1")]


def test_a_disappeared_lesion_is_measured_as_zero():
    validators.validate_measurement(
        label="T1", diameter_mm=D("0"), too_small=False, not_evaluable=False
    )


def test_every_baseline_target_is_measured_once_at_follow_up():
    labels = {1: "T1", 2: "T2"}
    validators.validate_every_target_measured(baseline_labels=labels, measured_ids=[2, 1])
    with pytest.raises(ValidationError) as exc:
        validators.validate_every_target_measured(baseline_labels=labels, measured_ids=[1])
    assert messages(exc, "measurements") == [msg.MEASUREMENT_MISSING.format(label="T2")]
    with pytest.raises(ValidationError):
        validators.validate_every_target_measured(baseline_labels=labels, measured_ids=[1, 2, 2])
    with pytest.raises(ValidationError):
        validators.validate_every_target_measured(baseline_labels=labels, measured_ids=[1, 2, 9])


def test_non_target_status_is_recorded_exactly_when_there_were_non_targets():
    validators.validate_non_target_status("present", baseline_has_non_targets=True)
    validators.validate_non_target_status("", baseline_has_non_targets=False)
    with pytest.raises(ValidationError) as exc:
        validators.validate_non_target_status("", baseline_has_non_targets=True)
    assert messages(exc, "non_target_status") == [msg.NON_TARGET_STATUS_REQUIRED]
    with pytest.raises(ValidationError) as exc:
        validators.validate_non_target_status("present", baseline_has_non_targets=False)
    assert messages(exc, "non_target_status") == [msg.NON_TARGET_STATUS_WITHOUT_BASELINE]


# --- CTCAE v5.0 ----------------------------------------------------------------------------------
def test_an_unknown_meddra_code_is_refused():
    with pytest.raises(ValidationError) as exc:
        validators.validate_ctcae_term("99999999")
    assert messages(exc, "meddra_code") == [msg.UNKNOWN_CTCAE_TERM.format(code="99999999")]
    assert validators.validate_ctcae_term(NEUTROPHILS)["term"] == "Neutrophil count decreased"


@pytest.mark.parametrize(
    ("code", "grade", "defined"),
    [(NEUTROPHILS, 4, True), (NEUTROPHILS, 5, False), (FEBRILE_NEUTROPENIA, 2, False)],
)
def test_a_grade_that_ctcae_does_not_define_for_the_term_is_refused(code, grade, defined):
    term = term_by_code(code)
    if defined:
        validators.validate_ctcae_grade(grade, term=term)
        return
    with pytest.raises(ValidationError) as exc:
        validators.validate_ctcae_grade(grade, term=term)
    grades = ", ".join(str(g) for g in validators.defined_grades(term))
    assert messages(exc, "grade") == [
        msg.GRADE_NOT_DEFINED.format(grade=grade, term=term["term"], grades=grades)
    ]


def test_other_specify_terms_need_the_specification():
    term = term_by_code("10005329")  # Blood and lymphatic system disorders - Other, specify
    with pytest.raises(ValidationError):
        validators.validate_term_specify("", term=term)
    validators.validate_term_specify("Splenic infarction", term=term)


def test_an_ae_stopping_before_it_started_is_refused():
    start = dt.date(2026, 5, 10)
    validators.validate_stop_not_before_start(start, start)
    with pytest.raises(ValidationError) as exc:
        validators.validate_stop_not_before_start(start, start - dt.timedelta(days=1))
    assert messages(exc, "stop_date") == [msg.STOP_BEFORE_START]


def test_grade_5_needs_a_death_date_and_a_fatal_outcome():
    start = dt.date(2026, 5, 10)
    with pytest.raises(ValidationError) as exc:
        validators.validate_fatal_event(
            grade=5, outcome=AEOutcome.FATAL, death_date=None, start_date=start
        )
    assert messages(exc, "death_date") == [msg.FATAL_NEEDS_DEATH_DATE]
    with pytest.raises(ValidationError) as exc:
        validators.validate_fatal_event(
            grade=5, outcome=AEOutcome.RECOVERED, death_date=start, start_date=start
        )
    assert messages(exc, "outcome") == [msg.FATAL_NEEDS_OUTCOME]
    with pytest.raises(ValidationError) as exc:
        validators.validate_fatal_event(
            grade=4, outcome=AEOutcome.FATAL, death_date=None, start_date=start
        )
    assert messages(exc, "grade") == [msg.FATAL_OUTCOME_NEEDS_GRADE_5]
    validators.validate_fatal_event(
        grade=5, outcome=AEOutcome.FATAL, death_date=start, start_date=start
    )


def test_an_sae_needs_criteria_awareness_and_report_times():
    start = dt.date(2026, 5, 10)
    with pytest.raises(ValidationError) as exc:
        validators.validate_sae(
            serious=True, grade=3, criteria=[], aware_at=None, reported_at=None, start_date=start
        )
    errors = exc.value.message_dict
    assert errors["sae_criteria"] == [msg.SAE_CRITERIA_REQUIRED]
    assert errors["sae_aware_at"] == [msg.SAE_AWARENESS_REQUIRED]
    assert errors["sae_reported_at"] == [msg.SAE_REPORT_REQUIRED]


def test_an_sae_report_cannot_precede_awareness():
    start = dt.date(2026, 5, 10)
    aware = timezone.make_aware(dt.datetime(2026, 5, 11, 10, 0))
    with pytest.raises(ValidationError) as exc:
        validators.validate_sae(
            serious=True,
            grade=3,
            criteria=["hospitalisation"],
            aware_at=aware,
            reported_at=aware - dt.timedelta(hours=1),
            start_date=start,
        )
    assert messages(exc, "sae_reported_at") == [msg.SAE_REPORT_BEFORE_AWARENESS]


def test_a_fatal_event_is_serious():
    with pytest.raises(ValidationError) as exc:
        validators.validate_sae(
            serious=False,
            grade=5,
            criteria=[],
            aware_at=None,
            reported_at=None,
            start_date=dt.date(2026, 5, 10),
        )
    assert messages(exc, "serious") == [msg.FATAL_IS_SERIOUS]


def test_the_24_hour_sae_rule_flags_a_report_after_the_limit():
    aware = timezone.make_aware(dt.datetime(2026, 5, 11, 10, 0))
    limit = dt.timedelta(hours=protocol.SAE_REPORT_HOURS)
    assert not rules.sae_reported_late(aware, aware + limit)
    assert rules.sae_reported_late(aware, aware + limit + dt.timedelta(minutes=1))
    assert not rules.sae_reported_late(None, None)


# --- Vital signs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "limits", "inside", "outside"),
    [
        ("weight_kg", msg.WEIGHT_KG_LIMITS, D("30"), D("29.9")),
        ("weight_kg", msg.WEIGHT_KG_LIMITS, D("250"), D("250.1")),
        ("systolic_bp", msg.SYSTOLIC_BP_LIMITS, 260, 261),
        ("diastolic_bp", msg.DIASTOLIC_BP_LIMITS, 30, 29),
        ("heart_rate", msg.HEART_RATE_LIMITS, 220, 221),
        ("temperature_c", msg.TEMPERATURE_C_LIMITS, D("43"), D("43.1")),
        ("temperature_c", msg.TEMPERATURE_C_LIMITS, D("33"), D("32.9")),
    ],
)
def test_physiologically_impossible_vital_signs_are_refused(field, limits, inside, outside):
    kwargs = {"field": field, "label": field, "limits": limits, "unit": "u"}
    validators.validate_within_limits(inside, **kwargs)
    with pytest.raises(ValidationError) as exc:
        validators.validate_within_limits(outside, **kwargs)
    assert messages(exc, field) == [
        msg.OUT_OF_LIMITS.format(label=field, low=limits[0], high=limits[1], unit="u")
    ]


def test_diastolic_pressure_must_be_below_systolic():
    validators.validate_blood_pressure(systolic=120, diastolic=80)
    with pytest.raises(ValidationError) as exc:
        validators.validate_blood_pressure(systolic=90, diastolic=90)
    assert messages(exc, "diastolic_bp") == [msg.DIASTOLIC_NOT_BELOW_SYSTOLIC]


@pytest.mark.parametrize("ecog", [-1, 5])
def test_ecog_is_0_to_4(ecog):
    with pytest.raises(ValidationError) as exc:
        validators.validate_ecog(ecog)
    assert messages(exc, "ecog") == [msg.ECOG_OUT_OF_RANGE]
